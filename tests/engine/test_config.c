/* The configuration file: a full valid file, the hard limits (loosening
 * refused, tightening accepted), unknown and repeated keys, malformed values,
 * secrets, parameter bounds, several errors at once with their lines,
 * nothing applied on error, inih's comment rules, and the example file. */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "engine/config.h"

typedef struct {
    char dir[SC_TEST_PATH_MAX];
    char path[SC_TEST_PATH_MAX + 32];
    sc_config cfg;
    sc_config_errors errs;
} fixture;

static int setup(void **state) {
    fixture *fx = calloc(1, sizeof(*fx));
    assert_non_null(fx);
    sc_test_tmpdir(fx->dir, sizeof(fx->dir));
    snprintf(fx->path, sizeof(fx->path), "%s/scalper.ini", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture *fx = *state;
    remove(fx->path);
    remove(fx->dir);
    free(fx);
    return 0;
}

static void write_file(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Writes text and loads it over the defaults into fx->cfg. */
static sc_err load(fixture *fx, const char *text) {
    write_file(fx->path, text, strlen(text));
    sc_config_defaults(&fx->cfg);
    return sc_config_load(fx->path, &fx->cfg, &fx->errs);
}

/* Error i as the user sees it, without the "path:" prefix. */
static const char *err_text(fixture *fx, size_t i, char *buf, size_t cap) {
    assert_true(i < fx->errs.count);
    char full[1024];
    sc_errinfo_format(&fx->errs.items[i], full, sizeof(full));
    size_t n = strlen(fx->path);
    assert_memory_equal(full, fx->path, n);
    assert_int_equal(full[n], ':');
    snprintf(buf, cap, "%s", full + n + 1);
    return buf;
}

/* Loads text, expects exactly one error and that it reads want. */
static void expect_one_error(fixture *fx, const char *text, const char *want) {
    char buf[1024];
    sc_err e = load(fx, text);
    if (e != SC_ERR_PARSE || fx->errs.total != 1) {
        fail_msg("%s\nexpected one error '%s', got %s with %zu errors%s%s", text, want,
                 sc_err_name(e), fx->errs.total, fx->errs.count ? ", first: " : "",
                 fx->errs.count ? err_text(fx, 0, buf, sizeof(buf)) : "");
    }
    err_text(fx, 0, buf, sizeof(buf));
    if (strcmp(buf, want) != 0) {
        fail_msg("%s\nwant: %s\ngot:  %s", text, want, buf);
    }
}

static void expect_ok(fixture *fx, const char *text) {
    char buf[1024];
    sc_err e = load(fx, text);
    if (e != SC_OK) {
        fail_msg("%s\nexpected ok, got %s: %s", text, sc_err_name(e),
                 fx->errs.count ? err_text(fx, 0, buf, sizeof(buf)) : "");
    }
    assert_int_equal(fx->errs.total, 0);
}

static void test_defaults(void **state) {
    (void)state;
    sc_config c;
    sc_config_defaults(&c);
    assert_int_equal(c.exchange.mode, SC_CONFIG_MODE_PAPER);
    assert_string_equal(c.exchange.symbol, "BTCUSDT");
    assert_string_equal(c.exchange.rest_url, "https://fapi.binance.com");
    assert_string_equal(c.exchange.ws_public_url, "wss://fstream.binance.com/public");
    assert_string_equal(c.exchange.ws_market_url, "wss://fstream.binance.com/market");
    /* The defaults are the hard limits themselves. */
    assert_int_equal(c.risk.position_steps_max, SC_LIMIT_MAX_POSITION_STEPS);
    assert_int_equal(c.risk.daily_loss_bps_max, SC_LIMIT_MAX_DAILY_LOSS_BPS);
    assert_int_equal(c.risk.drawdown_bps_max, SC_LIMIT_MAX_DRAWDOWN_BPS);
    assert_int_equal(c.risk.spread_bps_x100_max, SC_LIMIT_MAX_SPREAD_BPS * 100);
    assert_int_equal(c.risk.hold_s_min * SC_NS_PER_S, SC_LIMIT_MIN_HOLD_NS);
    assert_int_equal(c.risk.hold_s_max * SC_NS_PER_S, SC_LIMIT_MAX_HOLD_NS);
    assert_int_equal(c.risk.consecutive_losses_max, SC_LIMIT_MAX_CONSECUTIVE_LOSSES);
    assert_int_equal(c.risk.leverage_x100_max, SC_LIMIT_MAX_LEVERAGE_X100);
    assert_int_equal(c.risk.starting_equity.e8, INT64_C(10000) * 100000000);
    assert_int_equal(c.paper.maker_fee_bps_x100, 200);
    assert_int_equal(c.paper.taker_fee_bps_x100, 500);
    assert_int_equal(c.paper.queue_cancel_share_x10000, 5000);
    assert_int_equal(c.ai.advisor, SC_CONFIG_ADVISOR_RULES);
    assert_string_equal(c.store.path, "./scalper.db");
    assert_string_equal(c.store.jsonl_path, "");
    assert_string_equal(c.server.listen, "127.0.0.1:8080");
    assert_true(c.server.enabled);
    assert_false(c.server.allow_remote);
    sc_params p;
    sc_params_defaults(&p);
    assert_memory_equal(c.params.v, p.v, sizeof(p.v));
    assert_int_equal(c.params.version, 0);
    assert_string_equal(sc_config_mode_name(SC_CONFIG_MODE_LIVE), "live");
}

static const char k_full[] = "\xEF\xBB\xBF; every section, values away from the defaults\r\n"
                             "[exchange]\r\n"
                             "mode = backtest\n"
                             "symbol = BTCUSDT\n"
                             "rest_url = http://127.0.0.1:9000\n"
                             "ws_public_url = ws://localhost:9001/public\n"
                             "ws_market_url = wss://fstream.binance.com:443/market\n"
                             "api_key_env = MY_KEY\n"
                             "api_secret_env = MY_SECRET_2\n"
                             "recv_window_ms = 10000\n"
                             "\n"
                             "# the risk section, indented keys are plain keys\n"
                             "[risk]\n"
                             "    max_position_btc = 0.125\n"
                             "\tmax_daily_loss_pct = 1.5\n"
                             "max_drawdown_pct = 4.25 ; an inline comment\n"
                             "max_spread_bps = 2.5\n"
                             "min_hold_s = 10\n"
                             "max_hold_s = 120\n"
                             "max_consecutive_losses = 3\n"
                             "max_leverage = 1.5\n"
                             "starting_equity_usdt = 12345.67890123\n"
                             "[strategy]\n"
                             "sl_bps = 15.5\n"
                             "htf_filter = off\n"
                             "order_qty_steps = 20\n"
                             "[smc]\n"
                             "swing_n = 3\n"
                             "[regime]\n"
                             "trend_bps = 12\n"
                             "[ai]\n"
                             "advisor = rules\n"
                             "min_confidence = 0.7\n"
                             "[paper]\n"
                             "maker_fee_bps = 1.8\n"
                             "taker_fee_bps = 4.5\n"
                             "latency_ms = 35\n"
                             "latency_jitter_ms = 0\n"
                             "seed = 9223372036854775807\n"
                             "queue_cancel_share = 0.25\n"
                             "[store]\n"
                             "path = /var/lib/scalper/trades.db\n"
                             "jsonl_path = decisions.jsonl\n"
                             "[server]\n"
                             "enabled = no\n"
                             "listen = 0.0.0.0:9090\n"
                             "allow_remote = true\n";

static void test_full_file(void **state) {
    fixture *fx = *state;
    expect_ok(fx, k_full);
    const sc_config *c = &fx->cfg;
    assert_int_equal(c->exchange.mode, SC_CONFIG_MODE_BACKTEST);
    assert_string_equal(c->exchange.rest_url, "http://127.0.0.1:9000");
    assert_string_equal(c->exchange.ws_public_url, "ws://localhost:9001/public");
    assert_string_equal(c->exchange.api_key_env, "MY_KEY");
    assert_string_equal(c->exchange.api_secret_env, "MY_SECRET_2");
    assert_int_equal(c->exchange.recv_window_ms, 10000);
    assert_int_equal(c->risk.position_steps_max, 125);
    assert_int_equal(c->risk.daily_loss_bps_max, 150);
    assert_int_equal(c->risk.drawdown_bps_max, 425);
    assert_int_equal(c->risk.spread_bps_x100_max, 250);
    assert_int_equal(c->risk.hold_s_min, 10);
    assert_int_equal(c->risk.hold_s_max, 120);
    assert_int_equal(c->risk.consecutive_losses_max, 3);
    assert_int_equal(c->risk.leverage_x100_max, 150);
    assert_int_equal(c->risk.starting_equity.e8, INT64_C(1234567890123));
    assert_true(sc_params_get(&c->params, SC_P_STRAT_SL_BPS) == 15.5);
    assert_false(sc_params_get_bool(&c->params, SC_P_STRAT_HTF_FILTER));
    assert_int_equal(sc_params_get_int(&c->params, SC_P_STRAT_ORDER_QTY_STEPS), 20);
    assert_int_equal(sc_params_get_int(&c->params, SC_P_SMC_SWING_N), 3);
    assert_true(sc_params_get(&c->params, SC_P_REGIME_TREND_BPS) == 12.0);
    assert_true(sc_params_get(&c->params, SC_P_AI_MIN_CONFIDENCE) == 0.7);
    assert_int_equal(c->paper.maker_fee_bps_x100, 180);
    assert_int_equal(c->paper.taker_fee_bps_x100, 450);
    assert_int_equal(c->paper.latency_ms, 35);
    assert_int_equal(c->paper.latency_jitter_ms, 0);
    assert_int_equal(c->paper.seed, INT64_MAX);
    assert_int_equal(c->paper.queue_cancel_share_x10000, 2500);
    assert_string_equal(c->store.path, "/var/lib/scalper/trades.db");
    assert_string_equal(c->store.jsonl_path, "decisions.jsonl");
    assert_false(c->server.enabled);
    assert_string_equal(c->server.listen, "0.0.0.0:9090");
    assert_true(c->server.allow_remote);
    /* Untouched keys keep their defaults. */
    assert_true(sc_params_get(&c->params, SC_P_STRAT_TP_BPS) == 18.0);
}

typedef struct {
    const char *key;
    const char *loose;
    const char *expect; /* what the error says is expected */
    const char *tight;
    size_t offset; /* of the int64 field in sc_config_risk */
    int64_t tight_value;
} limit_case;

static const limit_case k_limits[] = {
    {"max_position_btc", "0.8", "at most 0.5 (hard limit; config may only tighten)", "0.05",
     offsetof(sc_config_risk, position_steps_max), 50},
    {"max_daily_loss_pct", "2.01", "at most 2 (hard limit; config may only tighten)", "1",
     offsetof(sc_config_risk, daily_loss_bps_max), 100},
    {"max_drawdown_pct", "10", "at most 5 (hard limit; config may only tighten)", "3.5",
     offsetof(sc_config_risk, drawdown_bps_max), 350},
    {"max_spread_bps", "10.5", "at most 10 (hard limit; config may only tighten)", "0.75",
     offsetof(sc_config_risk, spread_bps_x100_max), 75},
    {"min_hold_s", "4", "at least 5 (hard limit; config may only tighten)", "30",
     offsetof(sc_config_risk, hold_s_min), 30},
    {"max_hold_s", "301", "at most 300 (hard limit; config may only tighten)", "60",
     offsetof(sc_config_risk, hold_s_max), 60},
    {"max_consecutive_losses", "6", "at most 5 (hard limit; config may only tighten)", "2",
     offsetof(sc_config_risk, consecutive_losses_max), 2},
    {"max_leverage", "3.01", "at most 3 (hard limit; config may only tighten)", "2",
     offsetof(sc_config_risk, leverage_x100_max), 200},
};

static void test_loosening_refused(void **state) {
    fixture *fx = *state;
    char text[256];
    char want[512];
    for (size_t i = 0; i < sizeof(k_limits) / sizeof(k_limits[0]); i++) {
        const limit_case *lc = &k_limits[i];
        snprintf(text, sizeof(text), "[risk]\n%s = %s\n", lc->key, lc->loose);
        snprintf(want, sizeof(want), "2: risk.%s: expected %s, got '%s'", lc->key, lc->expect,
                 lc->loose);
        expect_one_error(fx, text, want);
    }
    /* The exact message of the issue. */
    expect_one_error(fx, "[exchange]\nmode = paper\n\n[risk]\nmax_position_btc = 0.8\n",
                     "5: risk.max_position_btc: expected at most 0.5 (hard limit; config may "
                     "only tighten), got '0.8'");
    /* Far out of range, or negative, is refused too. */
    expect_one_error(fx, "[risk]\nmax_position_btc = 99999999999999999999\n",
                     "2: risk.max_position_btc: expected a decimal number 0.001..0.5 (BTC); "
                     "hard limit: may only be lowered, got '99999999999999999999'");
    expect_one_error(fx, "[risk]\nmax_leverage = -1\n",
                     "2: risk.max_leverage: expected at least 1 x, got '-1'");
}

static void test_tightening_accepted(void **state) {
    fixture *fx = *state;
    char text[256];
    for (size_t i = 0; i < sizeof(k_limits) / sizeof(k_limits[0]); i++) {
        const limit_case *lc = &k_limits[i];
        snprintf(text, sizeof(text), "[risk]\n%s = %s\n", lc->key, lc->tight);
        expect_ok(fx, text);
        int64_t got;
        memcpy(&got, (const char *)&fx->cfg.risk + lc->offset, sizeof(got));
        assert_int_equal(got, lc->tight_value);
    }
    /* Exactly at the limit is allowed (it loosens nothing). */
    expect_ok(fx, "[risk]\nmax_position_btc = 0.500\nmax_leverage = 3.00\nmin_hold_s = 5\n");
    assert_int_equal(fx->cfg.risk.position_steps_max, 500);
    /* min_hold_s tightens upwards, but never past max_hold_s. */
    expect_one_error(fx, "[risk]\nmin_hold_s = 60\nmax_hold_s = 30\n",
                     "3: risk.max_hold_s: expected at least risk.min_hold_s (60), got '30'");
    expect_one_error(fx, "[risk]\nmax_hold_s = 30\n\nmin_hold_s = 60\n",
                     "2: risk.max_hold_s: expected at least risk.min_hold_s (60), got '30'");
    expect_ok(fx, "[risk]\nmin_hold_s = 60\nmax_hold_s = 60\n");
}

static void test_unknown_section_and_key(void **state) {
    fixture *fx = *state;
    expect_one_error(fx, "[exchange]\nmode = paper\n[riks]\nmax_position_btc = 0.1\n",
                     "3: section: expected one of exchange, risk, forbidden, strategy, smc, "
                     "regime, ai, paper, store, server, got 'riks'");
    expect_one_error(fx, "[risk]\nmax_positon_btc = 0.1\n",
                     "2: risk.max_positon_btc: expected a key of [risk] (see 'scalper config "
                     "example'), got 'max_positon_btc'");
    /* A parameter key belongs to its own section only. */
    expect_one_error(fx, "[smc]\nsl_bps = 10\n",
                     "2: smc.sl_bps: expected a key of [smc] (see 'scalper config example'), "
                     "got 'sl_bps'");
    /* Keys are case-sensitive; sections too. */
    expect_one_error(fx, "[exchange]\nMode = paper\n",
                     "2: exchange.Mode: expected a key of [exchange] (see 'scalper config "
                     "example'), got 'Mode'");
    expect_one_error(fx, "[Risk]\n",
                     "1: section: expected one of exchange, risk, forbidden, strategy, smc, "
                     "regime, ai, paper, store, server, got 'Risk'");
    expect_one_error(fx, "mode = paper\n[exchange]\n",
                     "1: mode: expected a [section] header before the first key, got 'mode'");
}

static void test_duplicates(void **state) {
    fixture *fx = *state;
    expect_one_error(fx, "[risk]\nmax_spread_bps = 5\nmin_hold_s = 6\nmax_spread_bps = 4\n",
                     "4: risk.max_spread_bps: expected each key once (first set at line 2), got "
                     "'4'");
    expect_one_error(fx, "[strategy]\nsl_bps = 10\n\nsl_bps = 10\n",
                     "4: strategy.sl_bps: expected each key once (first set at line 2), got "
                     "'10'");
    /* A repeated section is refused; its keys are still checked. */
    assert_int_equal(load(fx, "[risk]\nmin_hold_s = 6\n[paper]\nseed = 2\n[risk]\nmin_hold_s "
                              "= 7\nmax_hold_s = 400\n"),
                     SC_ERR_PARSE);
    char buf[512];
    assert_int_equal(fx->errs.total, 3);
    assert_string_equal(err_text(fx, 0, buf, sizeof(buf)),
                        "5: section: expected each section once (first at line 1), got 'risk'");
    assert_string_equal(err_text(fx, 1, buf, sizeof(buf)),
                        "6: risk.min_hold_s: expected each key once (first set at line 2), got "
                        "'7'");
    assert_string_equal(err_text(fx, 2, buf, sizeof(buf)),
                        "7: risk.max_hold_s: expected at most 300 (hard limit; config may only "
                        "tighten), got '400'");
}

static void test_bad_values(void **state) {
    fixture *fx = *state;
    static const char *const cases[][2] = {
        {"[risk]\nmax_spread_bps = 5 bps\n", "2: risk.max_spread_bps: expected a decimal number "
                                             "0.01..10 (bps); hard limit: may only be lowered, "
                                             "got '5 bps'"},
        {"[exchange]\nrecv_window_ms = 5000 # ms\n",
         "2: exchange.recv_window_ms: expected a whole number 1..60000 (ms), got '5000 # ms'"},
        {"[exchange]\nrecv_window_ms = 5000;ms\n",
         "2: exchange.recv_window_ms: expected a whole number 1..60000 (ms), got '5000;ms'"},
        {"[exchange]\nrecv_window_ms = 0x10\n",
         "2: exchange.recv_window_ms: expected a whole number 1..60000 (ms), got '0x10'"},
        {"[exchange]\nrecv_window_ms = 1e3\n",
         "2: exchange.recv_window_ms: expected a whole number 1..60000 (ms), got '1e3'"},
        {"[exchange]\nrecv_window_ms = +100\n",
         "2: exchange.recv_window_ms: expected a whole number 1..60000 (ms), got '+100'"},
        {"[exchange]\nrecv_window_ms = 1.5\n",
         "2: exchange.recv_window_ms: expected a whole number 1..60000 (ms), got '1.5'"},
        {"[exchange]\nrecv_window_ms =\n",
         "2: exchange.recv_window_ms: expected a whole number 1..60000 (ms), got ''"},
        {"[risk]\nmax_position_btc = 0.0005\n",
         "2: risk.max_position_btc: expected at most 3 digits after the point (BTC), got "
         "'0.0005'"},
        {"[risk]\nmax_position_btc = .5\n",
         "2: risk.max_position_btc: expected a decimal number 0.001..0.5 (BTC); hard limit: may "
         "only be lowered, got '.5'"},
        {"[paper]\nqueue_cancel_share = 1.5\n",
         "2: paper.queue_cancel_share: expected at most 1 share, got '1.5'"},
        {"[paper]\nmaker_fee_bps = -1\n", "2: paper.maker_fee_bps: expected at least 0 bps, got "
                                          "'-1'"},
        {"[server]\nenabled = maybe\n", "2: server.enabled: expected true or false, got 'maybe'"},
        {"[exchange]\nmode = Paper\n",
         "2: exchange.mode: expected paper, live or backtest, got 'Paper'"},
        {"[exchange]\nmode =\n", "2: exchange.mode: expected paper, live or backtest, got ''"},
        {"[exchange]\nsymbol = ETHUSDT\n",
         "2: exchange.symbol: expected BTCUSDT (the only symbol supported), got 'ETHUSDT'"},
        {"[exchange]\nrest_url = http://fapi.binance.com\n",
         "2: exchange.rest_url: expected an https:// URL (http:// only to a loopback host), got "
         "'http://fapi.binance.com'"},
        {"[exchange]\nws_market_url = ws://10.0.0.1/market\n",
         "2: exchange.ws_market_url: expected a wss:// URL (ws:// only to a loopback host), got "
         "'ws://10.0.0.1/market'"},
        {"[exchange]\nws_public_url = wss://fstream.binance.com:99999/public\n",
         "2: exchange.ws_public_url: expected a wss:// URL (ws:// only to a loopback host), got "
         "'wss://fstream.binance.com:99999/public'"},
        {"[exchange]\nrest_url = https://fapi binance.com\n",
         "2: exchange.rest_url: expected an https:// URL (http:// only to a loopback host), got "
         "'https://fapi binance.com'"},
        {"[store]\npath = \"./x.db\"\n",
         "2: store.path: expected a file path, without quotes, got '\"./x.db\"'"},
        {"[store]\npath =\n", "2: store.path: expected a file path, got ''"},
        {"[server]\nlisten = 127.0.0.1\n", "2: server.listen: expected host:port (a loopback host "
                                           "unless allow_remote = true), got '127.0.0.1'"},
        {"[ai]\nadvisor = llm\n",
         "2: ai.advisor: expected rules (model and llm are not available yet), got 'llm'"},
        {"[ai]\nadvisor = model\n",
         "2: ai.advisor: expected rules (model and llm are not available yet), got 'model'"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        expect_one_error(fx, cases[i][0], cases[i][1]);
    }
    expect_ok(fx, "[store]\njsonl_path =\n[server]\nlisten = localhost:1\n");
    expect_ok(fx, "[server]\nlisten = [::1]:65535\n");
    expect_ok(fx, "[exchange]\nrest_url = http://[::1]:8080/fapi\nmode = live\n");
    assert_int_equal(fx->cfg.exchange.mode, SC_CONFIG_MODE_LIVE);
}

static void test_remote_listen(void **state) {
    fixture *fx = *state;
    static const char *const remote[] = {"0.0.0.0:8080", "[::]:8080", "192.168.1.5:80",
                                         "example.com:8080", "127.0.0.256:80"};
    char text[256];
    char want[512];
    for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++) {
        snprintf(text, sizeof(text), "[server]\nlisten = %s\n", remote[i]);
        snprintf(want, sizeof(want),
                 "2: server.listen: expected a loopback host (127.0.0.1, localhost or [::1]) "
                 "unless allow_remote = true, got '%s'",
                 remote[i]);
        expect_one_error(fx, text, want);
        snprintf(text, sizeof(text), "[server]\nallow_remote = true\nlisten = %s\n", remote[i]);
        expect_ok(fx, text);
    }
    expect_ok(fx, "[server]\nlisten = 127.1.2.3:8080\nallow_remote = false\n");
}

static void test_secrets_refused(void **state) {
    fixture *fx = *state;
    static const char *const cases[][2] = {
        {"[exchange]\napi_key = vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zv\n", "exchange.api_key"},
        {"[exchange]\napi_secret = NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP\n", "exchange.api_secret"},
        {"[exchange]\nsecret = NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP\n", "exchange.secret"},
        {"[server]\npassword = NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP\n", "server.password"},
        {"[ai]\nllm_api_key = NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP\n", "ai.llm_api_key"},
        {"[ai]\ntoken = NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP\n", "ai.token"},
    };
    char want[512];
    char buf[1024];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(want, sizeof(want),
                 "2: %s: expected no secrets in this file: name the environment variable that "
                 "holds it with api_key_env or api_secret_env in [exchange], got '(hidden)'",
                 cases[i][1]);
        expect_one_error(fx, cases[i][0], want);
        sc_errinfo_format(&fx->errs.items[0], buf, sizeof(buf));
        assert_null(strstr(buf, "NhqPtmd"));
        assert_null(strstr(buf, "vmPUZE"));
    }
    /* A key pasted where a variable name belongs is not echoed either. */
    expect_one_error(fx, "[exchange]\napi_key_env = vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zv\n",
                     "2: exchange.api_key_env: expected the name of an environment variable "
                     "([A-Z_][A-Z0-9_]*, at most 64 bytes), got '(hidden)'");
    expect_ok(fx, "[exchange]\napi_key_env = K\napi_secret_env = _S1\n");
    /* A malformed line that mentions a secret is not echoed. */
    expect_one_error(fx, "[exchange]\napi_secret: NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP\n",
                     "2: expected 'key = value', '[section]' or a comment, got '(hidden)'");
    /* Nor is a URL that carries credentials. */
    expect_one_error(fx, "[exchange]\nrest_url = https://me:NhqPtmdSJYdK@fapi.binance.com\n",
                     "2: exchange.rest_url: expected an https:// URL (http:// only to a loopback "
                     "host), got '(hidden)'");
}

/* Parameter keys get the parameter's own message (core/params). */
static void test_param_bounds(void **state) {
    fixture *fx = *state;
    static const char *const cases[][3] = {{"strategy", "sl_bps", "500"},
                                           {"strategy", "max_hold_s", "301"},
                                           {"strategy", "max_hold_s", "60.5"},
                                           {"strategy", "htf_filter", "maybe"},
                                           {"smc", "swing_n", "0"},
                                           {"regime", "volatile_pct", "nan"},
                                           {"ai", "min_confidence", "1.5"},
                                           {"ai", "deadline_ms", "200 ms"},
                                           {"strategy", "order_qty_steps", "501"}};
    char text[256];
    char key[96];
    char want[512];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(key, sizeof(key), "%s.%s", cases[i][0], cases[i][1]);
        const sc_param_def *pd = sc_param_find(key);
        assert_non_null(pd);
        sc_errinfo own;
        memset(&own, 0, sizeof(own));
        double v = 0;
        assert_int_not_equal(sc_param_parse(pd, cases[i][2], &v, &own), SC_OK);
        snprintf(want, sizeof(want), "3: %s: expected %s, got '%s'", key, own.expected, own.got);
        snprintf(text, sizeof(text), "[%s]\n\n%s = %s\n", cases[i][0], cases[i][1], cases[i][2]);
        expect_one_error(fx, text, want);
    }
    /* Every parameter is reachable from its section, at its default. */
    for (int i = 0; i < SC_PARAM_COUNT; i++) {
        const sc_param_def *pd = sc_param_def_of((sc_param_id)i);
        const char *dot = strchr(pd->key, '.');
        assert_non_null(dot);
        char value[64];
        sc_param_format(pd, pd->max, value, sizeof(value));
        snprintf(text, sizeof(text), "[%.*s]\n%s = %s\n", (int)(dot - pd->key), pd->key, dot + 1,
                 value);
        expect_ok(fx, text);
        assert_true(fx->cfg.params.v[i] == pd->max);
    }
}

static void test_syntax(void **state) {
    fixture *fx = *state;
    char line[400];
    memset(line, 'x', sizeof(line));
    memcpy(line, "[store]\npath = ", 15);
    memcpy(line + sizeof(line) - 2, "\n", 2);
    assert_int_equal(load(fx, line), SC_ERR_PARSE);
    char buf[512];
    assert_int_equal(fx->errs.total, 1);
    assert_non_null(strstr(err_text(fx, 0, buf, sizeof(buf)), "2: expected a line of at most 196 "
                                                              "bytes, got 'path = xxx"));
    /* Exactly SC_CONFIG_LINE_MAX bytes is fine, with or without '\r'. */
    char edge[SC_CONFIG_LINE_MAX + 32];
    int n = snprintf(edge, sizeof(edge), "[store]\r\npath = ");
    memset(edge + n, 'y', (size_t)(SC_CONFIG_LINE_MAX - 7));
    memcpy(edge + n + SC_CONFIG_LINE_MAX - 7, "\r\n", 3);
    expect_ok(fx, edge);
    assert_int_equal(strlen(fx->cfg.store.path), SC_CONFIG_LINE_MAX - 7);
    memcpy(edge + n + SC_CONFIG_LINE_MAX - 7, "z\r\n", 4);
    assert_int_equal(load(fx, edge), SC_ERR_PARSE);
    assert_int_equal(fx->errs.items[0].line, 2);
    expect_one_error(fx, "[paper]\nseed = 1\x01\n",
                     "2: expected printable text (no control bytes), got 'seed = 1?'");
    expect_one_error(fx, "[paper]\nseed 1\n",
                     "2: expected 'key = value', '[section]' or a comment, got 'seed 1'");
    expect_one_error(fx, "[paper]\nseed : 1\n",
                     "2: expected 'key = value', '[section]' or a comment, got 'seed : 1'");
    expect_one_error(fx, "[paper]\n= 1\n",
                     "2: expected 'key = value', '[section]' or a comment, got '= 1'");
    expect_one_error(fx, "[paper]\nseed ; = 1\n",
                     "2: expected 'key = value', '[section]' or a comment, got 'seed ; = 1'");
    expect_one_error(fx, "[paper] extra\n",
                     "1: expected nothing after ']' but a comment, got '[paper] extra'");
    expect_one_error(fx, "[paper\n", "1: expected a section header '[name]', got '[paper'");
    /* Comments: ';' or '#' at the start of a line (after blanks), ' ;' after a value or a
     * header. '#' after a value is part of the value (see test_bad_values). */
    expect_ok(fx, "; a\n# b\n   ; c\n\t# d\n[paper] ; e\nseed = 3\n[store] # f\n"
                  "path = a;b\n");
    assert_int_equal(fx->cfg.paper.seed, 3);
    assert_string_equal(fx->cfg.store.path, "a;b"); /* ';' without a blank before it stays */
    /* An indented line is never a continuation of the previous value. */
    expect_one_error(fx, "[store]\npath = a.db\n   more\n",
                     "3: expected 'key = value', '[section]' or a comment, got 'more'");
    /* Empty file and comment-only file: the defaults. */
    expect_ok(fx, "");
    expect_ok(fx, "; nothing\n");
    /* Not readable. */
    sc_config c;
    sc_config_errors es;
    assert_int_equal(sc_config_load("/nonexistent/scalper.ini", &c, &es), SC_ERR_IO);
    assert_int_equal(es.count, 1);
    sc_errinfo_format(&es.items[0], buf, sizeof(buf));
    assert_string_equal(buf, "/nonexistent/scalper.ini: expected a readable file, got 'No such "
                             "file or directory'");
    assert_int_equal(sc_config_load(fx->dir, &c, &es), SC_ERR_IO);
    assert_int_equal(es.count, 1);
}

static void test_many_errors(void **state) {
    fixture *fx = *state;
    static const char text[] = "[exchange]\n"           /* 1 */
                               "mode = demo\n"          /* 2: bad enum */
                               "api_secret = s3cr3t\n"  /* 3: secret */
                               "\n"                     /* 4 */
                               "[risk]\n"               /* 5 */
                               "max_leverage = 5\n"     /* 6: loosens */
                               "max_spread_bps = 3\n"   /* 7: fine */
                               "max_spread_bps = 2\n"   /* 8: repeated */
                               "[strategy]\n"           /* 9 */
                               "tp_bps = 1000\n"        /* 10: param bound */
                               "nonsense\n"             /* 11: not a pair */
                               "[server]\n"             /* 12 */
                               "listen = 0.0.0.0:80\n"; /* 13: remote */
    assert_int_equal(load(fx, text), SC_ERR_PARSE);
    static const int64_t lines[] = {2, 3, 6, 8, 10, 11, 13};
    assert_int_equal(fx->errs.total, 7);
    assert_int_equal(fx->errs.count, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(fx->errs.items[i].line, lines[i]);
        assert_string_equal(fx->errs.items[i].source, fx->path);
    }
    char buf[512];
    assert_string_equal(err_text(fx, 2, buf, sizeof(buf)),
                        "6: risk.max_leverage: expected at most 3 (hard limit; config may only "
                        "tighten), got '5'");
    assert_null(strstr(err_text(fx, 1, buf, sizeof(buf)), "s3cr3t"));

    /* More errors than are kept: all counted, the first ones kept. */
    char big[4096];
    size_t n = (size_t)snprintf(big, sizeof(big), "[paper]\n");
    for (int i = 0; i < SC_CONFIG_ERRORS_MAX + 15; i++) {
        n += (size_t)snprintf(big + n, sizeof(big) - n, "bad_%d = 1\n", i);
    }
    assert_int_equal(load(fx, big), SC_ERR_PARSE);
    assert_int_equal(fx->errs.count, SC_CONFIG_ERRORS_MAX);
    assert_int_equal(fx->errs.total, SC_CONFIG_ERRORS_MAX + 15);
    assert_int_equal(fx->errs.items[0].line, 2);
    assert_int_equal(fx->errs.items[SC_CONFIG_ERRORS_MAX - 1].line, SC_CONFIG_ERRORS_MAX + 1);
}

static void test_nothing_applied(void **state) {
    fixture *fx = *state;
    sc_config before;
    memset(&before, 0xA5, sizeof(before));
    sc_config out = before;
    write_file(fx->path, "[risk]\nmax_position_btc = 0.1\n[paper]\nseed = 7\nlatency_ms = x\n",
               strlen("[risk]\nmax_position_btc = 0.1\n[paper]\nseed = 7\nlatency_ms = x\n"));
    assert_int_equal(sc_config_load(fx->path, &out, &fx->errs), SC_ERR_PARSE);
    assert_memory_equal(&out, &before, sizeof(out));
    assert_int_equal(sc_config_load("/nonexistent/x.ini", &out, &fx->errs), SC_ERR_IO);
    assert_memory_equal(&out, &before, sizeof(out));
    /* A valid load replaces everything: the file over the defaults, not over *out. */
    write_file(fx->path, "[paper]\nseed = 7\n", strlen("[paper]\nseed = 7\n"));
    assert_int_equal(sc_config_load(fx->path, &out, &fx->errs), SC_OK);
    sc_config want;
    sc_config_defaults(&want);
    want.paper.seed = 7;
    char a[SC_CONFIG_CANONICAL_MAX];
    char b[SC_CONFIG_CANONICAL_MAX];
    sc_config_canonical(&out, a, sizeof(a));
    sc_config_canonical(&want, b, sizeof(b));
    assert_string_equal(a, b);
}

static void test_too_many_lines(void **state) {
    fixture *fx = *state;
    size_t cap = (size_t)(SC_CONFIG_LINES_MAX + 10) * 2 + 16;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t n = 0;
    for (int i = 0; i < SC_CONFIG_LINES_MAX + 10; i++) {
        text[n++] = ';';
        text[n++] = '\n';
    }
    text[n] = '\0';
    write_file(fx->path, text, n);
    free(text);
    assert_int_equal(sc_config_load(fx->path, &fx->cfg, &fx->errs), SC_ERR_LIMIT);
    assert_int_equal(fx->errs.total, 1);
    assert_int_equal(fx->errs.items[0].line, SC_CONFIG_LINES_MAX + 1);
}

static void test_canonical(void **state) {
    fixture *fx = *state;
    sc_config d;
    sc_config_defaults(&d);
    char a[SC_CONFIG_CANONICAL_MAX];
    size_t n = sc_config_canonical(&d, a, sizeof(a));
    assert_true(n < sizeof(a));
    assert_int_equal(strlen(a), n);
    assert_memory_equal(a, "[exchange]\nmode = paper\nsymbol = BTCUSDT\n", 39);
    assert_non_null(strstr(a, "\n[risk]\nmax_position_btc = 0.5\nmax_daily_loss_pct = 2\n"));
    assert_non_null(strstr(a, "\njsonl_path =\n"));
    /* Short buffers are cut, NUL-terminated, and the full length is returned. */
    char small[16];
    assert_int_equal(sc_config_canonical(&d, small, sizeof(small)), n);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    /* The risk section alone, for the rulebook hash. */
    char r[1024];
    size_t rn = sc_config_canonical_section(&d, "risk", r, sizeof(r));
    assert_int_equal(rn, strlen(r));
    assert_string_equal(r, "[risk]\nmax_position_btc = 0.5\nmax_daily_loss_pct = 2\n"
                           "max_drawdown_pct = 5\nmax_spread_bps = 10\nmin_hold_s = 5\n"
                           "max_hold_s = 300\nmax_consecutive_losses = 5\nmax_leverage = 3\n"
                           "starting_equity_usdt = 10000\n");
    assert_int_equal(sc_config_canonical_section(&d, "nope", r, sizeof(r)), 0);
    assert_string_equal(r, "");
    /* The canonical text is itself a valid config that loads to the same values. */
    expect_ok(fx, k_full);
    char full[SC_CONFIG_CANONICAL_MAX];
    sc_config_canonical(&fx->cfg, full, sizeof(full));
    assert_non_null(strstr(full, "max_position_btc = 0.125\n"));
    assert_non_null(strstr(full, "starting_equity_usdt = 12345.67890123\n"));
    assert_non_null(strstr(full, "maker_fee_bps = 1.8\n"));
    expect_ok(fx, full);
    char again[SC_CONFIG_CANONICAL_MAX];
    sc_config_canonical(&fx->cfg, again, sizeof(again));
    assert_string_equal(full, again);
    assert_string_not_equal(full, a);
}

/* What a writer prints, read back from a file in the fixture's folder. */
static char *written_text(fixture *fx, void (*writer)(FILE *), size_t *len) {
    char path[SC_TEST_PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/written.ini", fx->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    writer(f);
    assert_int_equal(fclose(f), 0);
    char *text = sc_test_read_all(path, len);
    remove(path);
    return text;
}

static void test_example_file(void **state) {
    fixture *fx = *state;
    char path[SC_TEST_PATH_MAX];
    sc_test_source_path("config/scalper.ini", path, sizeof(path));
    /* The committed file is the generated text, byte for byte. */
    size_t gen_len = 0;
    char *gen = written_text(fx, sc_config_write_example, &gen_len);
    size_t file_len = 0;
    char *file = sc_test_read_all(path, &file_len);
    if (gen_len != file_len || memcmp(gen, file, gen_len) != 0) {
        fail_msg("config/scalper.ini differs from the generated example: run "
                 "'scalper config example > config/scalper.ini'");
    }
    /* It loads, and to the defaults. */
    sc_config c;
    sc_config_errors es;
    assert_int_equal(sc_config_load(path, &c, &es), SC_OK);
    sc_config d;
    sc_config_defaults(&d);
    char a[SC_CONFIG_CANONICAL_MAX];
    char b[SC_CONFIG_CANONICAL_MAX];
    sc_config_canonical(&c, a, sizeof(a));
    sc_config_canonical(&d, b, sizeof(b));
    assert_string_equal(a, b);
    assert_memory_equal(&c.risk, &d.risk, sizeof(c.risk));
    assert_memory_equal(c.params.v, d.params.v, sizeof(d.params.v));
    /* Every key of the canonical text is in the example, with a comment above it. */
    for (char *p = b; *p != '\0';) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl);
        *nl = '\0';
        if (*p != '\0' && *p != '[') {
            char key[128];
            snprintf(key, sizeof(key), "\n%.*s =", (int)strcspn(p, " "), p);
            char *at = strstr(gen, key);
            if (at == NULL) {
                fail_msg("key '%s' is missing from the example", p);
            }
            const char *prev = at; /* the line above the key is a comment */
            while (prev > gen && prev[-1] != '\n') {
                prev--;
            }
            assert_true(prev > gen && *prev == ';');
        }
        p = nl + 1;
    }
    /* Every line fits the reader (and a terminal). */
    for (char *p = gen; *p != '\0';) {
        size_t len = strcspn(p, "\n");
        assert_true(len <= 100);
        p += len + (p[len] == '\n' ? 1 : 0);
    }
    free(file);
    free(gen);
}

static void test_keys_reference(void **state) {
    fixture *fx = *state;
    size_t n = 0;
    char *text = written_text(fx, sc_config_write_keys, &n);
    assert_non_null(strstr(text, "[risk]\n  max_position_btc\n      a decimal number 0.001..0.5 "
                                 "(BTC); hard limit: may only be lowered (default 0.5)\n"));
    assert_non_null(strstr(text, "  jsonl_path\n      a file path, or empty (default '')\n"));
    assert_non_null(strstr(text, "[strategy]\n  entry_score_min\n"));
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test_setup_teardown(test_full_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loosening_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tightening_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_section_and_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remote_listen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_param_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_applied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_canonical, setup, teardown),
        cmocka_unit_test_setup_teardown(test_example_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_reference, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
