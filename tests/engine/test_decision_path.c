/* decision_path: the strategy layer wired end to end on the demo capture
 * and, when the shared data is there, the real 2024-08-08 USD-M capture at
 * 1 s and the USD-M 1m klines: signals with reasons, regime changes with
 * reasons, the parameter version on every record, deterministic JSON; and a
 * hostile scripted advisor (garbage, out of range, inconsistent, failed,
 * late, abandoned) that can only ever produce skips with the right codes. */
#include "support/support.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/instrument.h"
#include "engine/capture_bars.h"
#include "engine/decision_path.h"
#include "market/capture.h"
#include "market/klines_csv.h"

#define CAPTURE_REL "binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst"
#define KLINES_DIR_REL "binance_usdm_klines_1m_signalbot"

/* ---- a hostile advisor ---------------------------------------------------- */

/* Each request gets the next mode, in this order; the verdict reason each
 * must end in is k_hostile_expect. */
typedef enum {
    H_GARBAGE = 0,  /* plain text */
    H_TRUNCATED,    /* JSON cut in the middle */
    H_MISSING,      /* one field only */
    H_BAD_ENUM,     /* action "buy" */
    H_RANGE,        /* sl_bps far past the schema */
    H_NAN,          /* NaN */
    H_EXTRA,        /* an unknown field */
    H_INCONSISTENT, /* a valid exit while flat */
    H_LOW_CONF,     /* a valid entry below ai.min_confidence */
    H_FAILED,       /* the advisor fails */
    H_LATE,         /* asynchronous: a valid entry that comes after the deadline */
    H_ABANDONED,    /* asynchronous: never answers */
    H_MODES
} hostile_mode;

static const sc_decision_reason k_hostile_expect[H_MODES] = {
    SC_DECISION_R_NOT_JSON,       SC_DECISION_R_NOT_JSON,     SC_DECISION_R_MISSING_FIELD,
    SC_DECISION_R_BAD_ENUM,       SC_DECISION_R_OUT_OF_RANGE, SC_DECISION_R_NON_FINITE,
    SC_DECISION_R_UNKNOWN_FIELD,  SC_DECISION_R_INCONSISTENT, SC_DECISION_R_LOW_CONFIDENCE,
    SC_DECISION_R_ADVISOR_FAILED, SC_DECISION_R_LATE,         SC_DECISION_R_ABANDONED};

static const char *const k_hostile_text[H_MODES] = {
    "sure, go long!",
    "{\"action\":\"enter_long\",\"confidence\":0.9,\"size_fr",
    "{\"action\":\"enter_long\"}",
    "{\"action\":\"buy\",\"confidence\":0.9,\"size_fraction\":1,\"sl_bps\":10,\"tp_bps\":20,"
    "\"ttl_ms\":1000,\"reason\":\"x\"}",
    "{\"action\":\"enter_long\",\"confidence\":0.9,\"size_fraction\":1,\"sl_bps\":1000000,"
    "\"tp_bps\":20,\"ttl_ms\":1000,\"reason\":\"x\"}",
    "{\"action\":\"enter_long\",\"confidence\":NaN,\"size_fraction\":1,\"sl_bps\":10,"
    "\"tp_bps\":20,\"ttl_ms\":1000,\"reason\":\"x\"}",
    "{\"action\":\"enter_long\",\"confidence\":0.9,\"size_fraction\":1,\"sl_bps\":10,"
    "\"tp_bps\":20,\"ttl_ms\":1000,\"reason\":\"x\",\"leverage\":100}",
    "{\"action\":\"exit\",\"confidence\":1,\"size_fraction\":0,\"sl_bps\":0,\"tp_bps\":0,"
    "\"ttl_ms\":1000,\"reason\":\"get out\"}",
    "{\"action\":\"enter_long\",\"confidence\":0.01,\"size_fraction\":1,\"sl_bps\":10,"
    "\"tp_bps\":20,\"ttl_ms\":1000,\"reason\":\"x\"}",
    NULL,
    "{\"action\":\"enter_long\",\"confidence\":0.9,\"size_fraction\":1,\"sl_bps\":10,"
    "\"tp_bps\":20,\"ttl_ms\":1000,\"reason\":\"late\"}",
    NULL};

typedef struct {
    uint64_t asked;
    hostile_mode mode; /* of the request pending or last asked */
    uint64_t cancels;
} hostile;

static sc_advisor_status h_ask(void *ctx, const sc_decision_request *req, const sc_params *active,
                               sc_ns deadline_ns, sc_advisor_reply *reply) {
    hostile *h = ctx;
    (void)active;
    assert_true(deadline_ns > req->ts_ns);
    h->mode = (hostile_mode)(req->request_id % H_MODES);
    h->asked++;
    if (h->mode == H_FAILED) {
        return SC_ADVISOR_FAILED;
    }
    if (h->mode == H_LATE || h->mode == H_ABANDONED) {
        return SC_ADVISOR_PENDING;
    }
    reply->json = k_hostile_text[h->mode];
    reply->len = strlen(reply->json);
    return SC_ADVISOR_ANSWERED;
}

static sc_advisor_status h_poll(void *ctx, sc_ns now_ns, sc_advisor_reply *reply) {
    hostile *h = ctx;
    (void)now_ns;
    if (h->mode == H_ABANDONED) {
        return SC_ADVISOR_PENDING;
    }
    assert_int_equal(h->mode, H_LATE);
    reply->json = k_hostile_text[H_LATE];
    reply->len = strlen(reply->json);
    return SC_ADVISOR_ANSWERED;
}

static void h_cancel(void *ctx) {
    hostile *h = ctx;
    h->cancels++;
}

static const sc_advisor_vtable k_hostile_vt = {"hostile", h_ask, h_poll, h_cancel};

/* ---- a run ----------------------------------------------------------------- */

typedef struct {
    sc_decision_path *dp;
    int64_t version;
    bool hostile;
    uint64_t fnv; /* FNV-1a of every JSON line */
    uint64_t lines;
    uint64_t decisions;
    uint64_t entry_decisions; /* signals that were entries */
    uint64_t regime_changes;
    uint64_t by_reason[SC_DECISION_REASON_COUNT];
    char *json;
} collector;

static void fnv_add(uint64_t *h, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        *h ^= (unsigned char)s[i];
        *h *= UINT64_C(1099511628211);
    }
}

static void check_decision(collector *c, const sc_dp_record *r) {
    const sc_signal *s = r->signal;
    assert_true(s->kind != SC_SIG_NONE);
    assert_true(s->n_reasons >= 1);
    for (uint32_t i = 0; i < s->n_reasons; i++) {
        assert_true(s->reasons[i].text[0] != '\0');
    }
    assert_int_equal(s->params_version, c->version);
    c->decisions++;
    c->entry_decisions += s->kind != SC_SIG_EXIT ? 1 : 0;
    c->by_reason[r->verdict->reason]++;
    if (c->hostile) {
        assert_int_equal(r->answer->action, SC_DECISION_SKIP);
        assert_false(r->acted);
        hostile_mode m = (hostile_mode)(r->verdict->request_id % H_MODES);
        if (r->verdict->reason != k_hostile_expect[m]) {
            fail_msg("request %lld (mode %d): verdict %s, expected %s",
                     (long long)r->verdict->request_id, (int)m,
                     sc_decision_reason_name(r->verdict->reason),
                     sc_decision_reason_name(k_hostile_expect[m]));
        }
    }
}

static void on_rec(void *ctx, const sc_dp_record *r) {
    collector *c = ctx;
    assert_int_equal(r->params_version, c->version);
    if (r->kind == SC_DP_REC_DECISION) {
        check_decision(c, r);
    } else if (r->kind == SC_DP_REC_REGIME) {
        assert_true(r->change->reason[0] != '\0');
        assert_true(r->change->new_regime != r->change->old_regime);
        c->regime_changes++;
    } else if (r->kind == SC_DP_REC_POSITION && c->hostile) {
        fail_msg("a hostile advisor made a position event (%s)",
                 sc_dp_pos_event_name(r->pos_event));
    }
    int n = sc_decision_path_format_json(c->dp, r, c->json, SC_DP_JSON_MAX);
    assert_true(n > 0);
    json_error_t je;
    json_t *j = json_loads(c->json, 0, &je);
    if (j == NULL) {
        fail_msg("not JSON (%s): %s", je.text, c->json);
    }
    assert_string_equal(json_string_value(json_object_get(j, "type")),
                        sc_dp_record_kind_name(r->kind));
    assert_int_equal(json_integer_value(json_object_get(j, "params_version")), c->version);
    json_decref(j);
    fnv_add(&c->fnv, c->json, (size_t)n);
    fnv_add(&c->fnv, "\n", 1);
    c->lines++;
}

typedef struct {
    sc_params params;
    sc_ns tf_ns;
    sc_dp_fidelity fidelity;
    bool bars_flow;
    bool hostile;
    bool record_all;
} run_cfg;

static void start(const run_cfg *rc, collector *c, hostile *h) {
    memset(c, 0, sizeof(*c));
    memset(h, 0, sizeof(*h));
    c->json = malloc(SC_DP_JSON_MAX);
    assert_non_null(c->json);
    c->fnv = UINT64_C(14695981039346656037);
    c->version = rc->params.version;
    c->hostile = rc->hostile;
    sc_advisor_config adv = {&k_hostile_vt, h};
    sc_decision_path_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = sc_instrument_find("usdm:BTCUSDT");
    cfg.params = &rc->params;
    cfg.tf_ns = rc->tf_ns;
    cfg.fidelity = rc->fidelity;
    cfg.bars_flow = rc->bars_flow;
    cfg.advisor = rc->hostile ? &adv : NULL;
    cfg.record_all = rc->record_all;
    cfg.on_record = on_rec;
    cfg.ctx = c;
    assert_int_equal(sc_decision_path_create(&cfg, &c->dp), SC_OK);
}

static void finish(collector *c, sc_decision_path_stats *st) {
    sc_decision_path_finish(c->dp);
    sc_decision_path_get_stats(c->dp, st);
    sc_decision_path_destroy(c->dp);
    c->dp = NULL;
    free(c->json);
    c->json = NULL;
}

static void run_capture(const char *path, const run_cfg *rc, collector *c,
                        sc_decision_path_stats *st) {
    hostile h;
    start(rc, c, &h);
    sc_capture_bars_config bc;
    memset(&bc, 0, sizeof(bc));
    bc.ins = sc_instrument_find("usdm:BTCUSDT");
    bc.tf_ns = rc->tf_ns;
    sc_capture_bars *cb = NULL;
    assert_int_equal(sc_capture_bars_create(&bc, &cb), SC_OK);
    sc_capture_reader *rd = NULL;
    sc_capture_reader_config rcfg = {0};
    sc_errinfo ei;
    const char *paths[1] = {path};
    assert_int_equal(sc_capture_reader_open(&rcfg, paths, 1, &rd, &ei), SC_OK);
    sc_capture_line ln;
    sc_capture_bar bar;
    bool more = true;
    while (more) {
        sc_err e = sc_capture_reader_next(rd, &ln, &ei);
        more = e != SC_ERR_EOF;
        if (e == SC_OK) {
            (void)sc_capture_bars_on_message(cb, ln.ts_local_ns, ln.json, ln.json_len, &ei);
        } else if (!more) {
            assert_int_equal(sc_capture_bars_finish(cb), SC_OK);
        }
        while (sc_capture_bars_next(cb, &bar)) {
            assert_int_equal(
                sc_decision_path_on_bar(c->dp, &bar.candle, bar.sampled ? &bar.book : NULL, &ei),
                SC_OK);
        }
    }
    sc_capture_reader_close(rd);
    sc_capture_bars_destroy(cb);
    finish(c, st);
    assert_int_equal(h.asked, rc->hostile ? st->decisions : 0); /* one decision per ask */
}

static void run_klines(const char *path, const run_cfg *rc, collector *c,
                       sc_decision_path_stats *st) {
    hostile h;
    start(rc, c, &h);
    sc_klines_csv_config kc = {sc_instrument_find("usdm:BTCUSDT"), SC_NS_PER_MIN, 0};
    sc_klines_csv *rd = NULL;
    sc_errinfo ei;
    assert_int_equal(sc_klines_csv_open(&kc, path, &rd, &ei), SC_OK);
    sc_candle k;
    sc_err e;
    while ((e = sc_klines_csv_next(rd, &k, &ei)) != SC_ERR_EOF) {
        assert_int_equal(e, SC_OK);
        assert_int_equal(sc_decision_path_on_bar(c->dp, &k, NULL, &ei), SC_OK);
    }
    sc_klines_csv_close(rd);
    finish(c, st);
    assert_int_equal(h.asked, rc->hostile ? st->decisions : 0);
}

/* ---- checks shared by the runs ---------------------------------------------- */

static void expect_signals(const collector *c, const sc_decision_path_stats *st) {
    uint64_t sigs =
        st->signals[SC_SIG_ENTER_LONG] + st->signals[SC_SIG_ENTER_SHORT] + st->signals[SC_SIG_EXIT];
    print_message("  %llu candles, signals long %llu short %llu exit %llu, decisions %llu, "
                  "regime changes %llu, records %llu\n",
                  (unsigned long long)st->candles,
                  (unsigned long long)st->signals[SC_SIG_ENTER_LONG],
                  (unsigned long long)st->signals[SC_SIG_ENTER_SHORT],
                  (unsigned long long)st->signals[SC_SIG_EXIT], (unsigned long long)st->decisions,
                  (unsigned long long)c->regime_changes, (unsigned long long)c->lines);
    assert_true(sigs > 0);
    assert_int_equal(st->decisions, sigs); /* a synchronous advisor decides every signal */
    assert_int_equal(c->decisions, st->decisions);
    assert_int_equal(c->regime_changes, st->regime_changes);
}

/* Only skips, each with its mode's reason, and every mode seen when
 * `all_modes`. */
static void expect_hostile(const collector *c, const sc_decision_path_stats *st, bool all_modes) {
    assert_true(st->decisions > 0);
    assert_int_equal(st->actions[SC_DECISION_SKIP], st->decisions);
    for (int a = 0; a < SC_DECISION_ACTION_COUNT; a++) {
        if (a != SC_DECISION_SKIP) {
            assert_int_equal(st->actions[a], 0);
        }
    }
    assert_int_equal(st->pos_events[SC_DP_POS_ORDER], 0);
    assert_int_equal(c->by_reason[SC_DECISION_R_OK], 0);
    for (int m = 0; m < H_MODES && all_modes; m++) {
        if (c->by_reason[k_hostile_expect[m]] == 0) {
            fail_msg("no decision with reason %s", sc_decision_reason_name(k_hostile_expect[m]));
        }
    }
}

/* Sensitive parameters for the 11 s demo: its scores are small. */
static void demo_params(sc_params *p, double min_confidence) {
    sc_params_defaults(p);
    p->version = 9;
    p->v[SC_P_STRAT_ENTRY_SCORE_MIN] = 0.05;
    p->v[SC_P_STRAT_COOLDOWN_S] = 0;
    p->v[SC_P_STRAT_MAX_HOLD_S] = 5;
    p->v[SC_P_AI_MIN_CONFIDENCE] = min_confidence;
    assert_int_equal(sc_params_validate(p, NULL), SC_OK);
}

static void demo_path(char *buf, size_t cap) {
    sc_test_source_path("tests/data/demo_capture.txt", buf, cap);
}

/* ---- tests ----------------------------------------------------------------- */

static void test_create_refuses(void **state) {
    (void)state;
    sc_params p;
    sc_params_defaults(&p);
    collector c;
    memset(&c, 0, sizeof(c));
    sc_decision_path_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = sc_instrument_find("usdm:BTCUSDT");
    cfg.params = &p;
    cfg.tf_ns = SC_NS_PER_S;
    cfg.on_record = on_rec;
    cfg.ctx = &c;
    sc_decision_path *dp = NULL;
    assert_int_equal(sc_decision_path_create(NULL, &dp), SC_ERR_INVALID_ARG);
    cfg.tf_ns = SC_NS_PER_S / 2; /* not whole seconds */
    assert_int_equal(sc_decision_path_create(&cfg, &dp), SC_ERR_INVALID_ARG);
    cfg.tf_ns = SC_NS_PER_S;
    p.v[SC_P_STRAT_SL_BPS] = 1e9; /* out of bounds */
    assert_int_equal(sc_decision_path_create(&cfg, &dp), SC_ERR_INVALID_ARG);
    sc_params_defaults(&p);
    cfg.on_record = NULL;
    assert_int_equal(sc_decision_path_create(&cfg, &dp), SC_ERR_INVALID_ARG);
    assert_null(dp);
    cfg.on_record = on_rec;
    cfg.fidelity = SC_DP_FIDELITY_BARS; /* bars zero two weights; the named hash stays */
    assert_int_equal(sc_decision_path_create(&cfg, &dp), SC_OK);
    assert_string_not_equal(sc_decision_path_params_hash(dp, false),
                            sc_decision_path_params_hash(dp, true));
    assert_true(sc_decision_path_params(dp, true)->v[SC_P_STRAT_W_OFI] == 0.0);
    assert_true(sc_decision_path_params(dp, false)->v[SC_P_STRAT_W_OFI] > 0.0);
    sc_decision_path_destroy(dp);
}

static void test_demo_rules(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    demo_path(path, sizeof(path));
    run_cfg rc = {.tf_ns = SC_NS_PER_S, .fidelity = SC_DP_FIDELITY_L2};
    demo_params(&rc.params, 0.0);
    collector a, b;
    sc_decision_path_stats sa, sb;
    run_capture(path, &rc, &a, &sa);
    expect_signals(&a, &sa);
    assert_int_equal(sa.candles, sa.candles_with_book);
    assert_true(sa.actions[SC_DECISION_ENTER_LONG] + sa.actions[SC_DECISION_ENTER_SHORT] > 0);
    assert_true(sa.pos_events[SC_DP_POS_ORDER] > 0);
    run_capture(path, &rc, &b, &sb);
    assert_int_equal(a.lines, b.lines);
    assert_true(a.fnv == b.fnv); /* the same records, byte for byte */
    /* --all adds evaluations, never changes the decisions */
    rc.record_all = true;
    run_capture(path, &rc, &b, &sb);
    assert_int_equal(sb.decisions, sa.decisions);
    assert_true(b.lines > a.lines);
}

static void test_demo_hostile(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    demo_path(path, sizeof(path));
    run_cfg rc = {.tf_ns = SC_NS_PER_S, .fidelity = SC_DP_FIDELITY_L2, .hostile = true};
    demo_params(&rc.params, 0.5);
    collector c;
    sc_decision_path_stats st;
    run_capture(path, &rc, &c, &st);
    expect_hostile(&c, &st, false);
}

static void test_real_capture(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(CAPTURE_REL, path);
    run_cfg rc = {.tf_ns = SC_NS_PER_S, .fidelity = SC_DP_FIDELITY_L2};
    sc_params_defaults(&rc.params);
    rc.params.version = 3;
    collector a, b;
    sc_decision_path_stats sa, sb;
    run_capture(path, &rc, &a, &sa);
    expect_signals(&a, &sa);
    assert_true(sa.regime_changes > 0);
    assert_true(sa.candles_with_book > sa.candles / 2);
    run_capture(path, &rc, &b, &sb);
    assert_true(a.fnv == b.fnv);
    assert_int_equal(a.lines, b.lines);
}

static void test_real_capture_hostile(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(CAPTURE_REL, path);
    run_cfg rc = {.tf_ns = SC_NS_PER_S, .fidelity = SC_DP_FIDELITY_L2, .hostile = true};
    demo_params(&rc.params, 0.5); /* many signals: every mode gets asked */
    collector c;
    sc_decision_path_stats st;
    run_capture(path, &rc, &c, &st);
    expect_hostile(&c, &st, true);
    /* 1 s candles, 200 ms deadline: a pending answer is judged at the very
     * next close (late or abandoned), which is then evaluated as usual. */
    assert_int_equal(st.waiting_candles, 0);
}

static void run_each_kline_file(bool hostile_advisor) {
    char dir[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(KLINES_DIR_REL, dir);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        size_t n = strlen(e->d_name);
        if (n < 8 || strcmp(e->d_name + n - 8, ".csv.zst") != 0) {
            continue;
        }
        char path[2 * SC_TEST_PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        print_message("  %s\n", e->d_name);
        run_cfg rc = {.tf_ns = SC_NS_PER_MIN,
                      .fidelity = SC_DP_FIDELITY_BARS,
                      .bars_flow = true,
                      .hostile = hostile_advisor};
        sc_params_defaults(&rc.params);
        rc.params.version = 5;
        collector a, b;
        sc_decision_path_stats sa, sb;
        run_klines(path, &rc, &a, &sa);
        if (hostile_advisor) {
            expect_hostile(&a, &sa, true);
        } else {
            expect_signals(&a, &sa);
            assert_true(sa.regime_changes > 0);
            assert_int_equal(sa.candles_with_book, 0);
            run_klines(path, &rc, &b, &sb);
            assert_true(a.fnv == b.fnv);
        }
        files++;
    }
    closedir(d);
    assert_true(files > 0);
}

static void test_real_klines(void **state) {
    (void)state;
    run_each_kline_file(false);
}

static void test_real_klines_hostile(void **state) {
    (void)state;
    run_each_kline_file(true);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_refuses),       cmocka_unit_test(test_demo_rules),
        cmocka_unit_test(test_demo_hostile),         cmocka_unit_test(test_real_capture),
        cmocka_unit_test(test_real_capture_hostile), cmocka_unit_test(test_real_klines),
        cmocka_unit_test(test_real_klines_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
