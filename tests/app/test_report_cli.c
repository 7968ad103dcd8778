/* scalper report, run as a user runs it, on a database written here through
 * the TradeStore API (two runs; the latest with six trades of known figures,
 * regimes and blunder labels, verdicts, decisions and a kill-switch trip):
 * every filter and their AND select the expected seqs with the expected
 * figures (--json, parsed), the text report prints the same figures, the
 * definitions and the rows; bad usage exits 2 naming the valid names; a
 * missing file, a directory without scalper.db, a file that is not a
 * database, a newer schema, a database without runs and an unknown run exit
 * 3 and create nothing. End to end: scalper backtest then scalper report on
 * its directory agree on the trade count and every shared figure. */
#include "support/support.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/blunder.h"
#include "store/trade_store.h"

enum { CMD_MAX = 4 * SC_TEST_PATH_MAX, OUT_NAME_MAX = SC_TEST_PATH_MAX + 32 };

#define CAPTURE_REL "binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst"

/* 2024-08-08T00:00:00Z */
static const sc_ns DAY0 = INT64_C(1723075200) * SC_NS_PER_S;
static const sc_ns HOUR = INT64_C(3600) * SC_NS_PER_S;

typedef struct {
    char dir[SC_TEST_PATH_MAX];
    char db[OUT_NAME_MAX];
    char out[OUT_NAME_MAX];
    char err[OUT_NAME_MAX];
    char *out_text; /* of the last run */
    char *err_text;
} fixture;

/* ---- building the database ---------------------------------------------------- */

typedef struct {
    sc_side side;
    int hour; /* UTC hour of the entry */
    int64_t net_e8;
    const char *regime; /* NULL: record_trade (stored "unknown") */
    const char *labels[3];
} trade_spec;

/* Run 2's trades, seq 1..6. Figures of all six: wins 1 and 6, losses 2, 3
 * and 5, scratch 4; net -2.49999999; the longest loss streak is 2, 3, 5 (3:
 * the scratch 4 neither ends nor extends it). */
static const trade_spec k_trades[] = {
    {SC_SIDE_BUY, 0, INT64_C(250000000), "ranging", {"clean_win"}},
    {SC_SIDE_SELL, 1, -INT64_C(125000000), "trending_up", {"fee_drag", "late_entry"}},
    {SC_SIDE_BUY, 13, -INT64_C(75000000), "ranging", {"late_entry"}},
    {SC_SIDE_SELL, 23, 0, NULL, {NULL}},
    {SC_SIDE_BUY, 2, -INT64_C(300000000), "ranging", {"max_hold_timeout"}},
    {SC_SIDE_BUY, 22, 1, "volatile", {"clean_win", "zz_custom"}},
};
enum { N_TRADES = sizeof(k_trades) / sizeof(k_trades[0]) };

static sc_trade_store *open_rw(const char *path) {
    sc_trade_store_config cfg = {.path = path, .mode = SC_TRADE_STORE_DURABLE};
    sc_trade_store *s = NULL;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_open(&cfg, &s, &ei), SC_OK);
    return s;
}

static int64_t begin(sc_trade_store *s, uint64_t seed) {
    static const char h[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    sc_run_info run = {SC_RUN_BACKTEST, DAY0, "scalper test", h, h, "capture.txt", seed, 4};
    int64_t id = 0;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_begin_run(s, &run, &id, &ei), SC_OK);
    return id;
}

static int64_t put_trade(sc_trade_store *s, int64_t run, int64_t seq, const trade_spec *sp) {
    sc_risk_trade t;
    memset(&t, 0, sizeof(t));
    t.seq = seq;
    t.side = sp->side;
    t.opened_ns = DAY0 + sp->hour * HOUR + seq * SC_NS_PER_S;
    t.hold_ns = 5 * SC_NS_PER_S + seq * SC_NS_PER_MS; /* 5.001 s, 5.002 s, ... */
    t.closed_ns = t.opened_ns + t.hold_ns;
    t.entry_qty_steps = t.exit_qty_steps = 10;
    t.entry_avg_px = (sc_money){INT64_C(6123450000000)}; /* 61234.5 */
    t.exit_avg_px = (sc_money){INT64_C(6123412345678)};  /* 61234.12345678 */
    t.entry_value = (sc_money){INT64_C(61234500000)};
    t.exit_value = t.entry_value;
    t.fees = (sc_money){INT64_C(10000000)}; /* 0.1 each */
    t.net_pnl = (sc_money){sp->net_e8};
    t.realized_pnl = (sc_money){sp->net_e8 + t.fees.e8};
    t.outcome = sp->net_e8 > 0   ? SC_RISK_TRADE_WIN
                : sp->net_e8 < 0 ? SC_RISK_TRADE_LOSS
                                 : SC_RISK_TRADE_SCRATCH;
    int64_t id = 0;
    sc_errinfo ei;
    sc_err e = sp->regime != NULL
                   ? sc_trade_store_record_trade_ctx(s, run, &t, sp->regime, &id, &ei)
                   : sc_trade_store_record_trade(s, run, &t, &id, &ei);
    assert_int_equal(e, SC_OK);
    for (int i = 0; i < 3 && sp->labels[i] != NULL; i++) {
        char detail[64];
        snprintf(detail, sizeof(detail), "detail of %s on %lld", sp->labels[i], (long long)seq);
        sc_blunder_label_rec b = {id, t.closed_ns, sp->labels[i], detail};
        int64_t lid = 0;
        assert_int_equal(sc_trade_store_record_blunder_label(s, &b, &lid, &ei), SC_OK);
    }
    return id;
}

static void put_verdict(sc_trade_store *s, int64_t run, sc_veto_reason r) {
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    if (r != SC_VETO_R_OK) {
        (void)sc_veto_verdict_deny(&v, r, 2.0, 1.0, "bps", "test");
    }
    int64_t id = 0;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_record_verdict(s, run, 0, DAY0, &v, &id, &ei), SC_OK);
}

static void put_decision(sc_trade_store *s, int64_t run, const char *action, const char *reason) {
    sc_decision_rec d = {DAY0, 1, 4, "", action, reason, -1, "{\"k\":1}"};
    int64_t id = 0;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_record_decision(s, run, &d, &id, &ei), SC_OK);
}

/* Run 1: one winning trade, ended. Run 2 (the latest): k_trades, three
 * vetoes and an allowed verdict, three decisions, a kill-switch trip. */
static void build_db(const char *path) {
    sc_trade_store *s = open_rw(path);
    int64_t r1 = begin(s, 1);
    trade_spec one = {SC_SIDE_BUY, 5, INT64_C(100000000), "illiquid", {NULL}};
    put_trade(s, r1, 1, &one);
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_end_run(s, r1, DAY0 + HOUR, "ok", &ei), SC_OK);
    int64_t r2 = begin(s, UINT64_C(18446744073709551615));
    assert_int_equal(r2, 2);
    for (int i = 0; i < N_TRADES; i++) {
        put_trade(s, r2, i + 1, &k_trades[i]);
    }
    put_verdict(s, r2, SC_VETO_R_SPREAD_LIMIT);
    put_verdict(s, r2, SC_VETO_R_SPREAD_LIMIT);
    put_verdict(s, r2, SC_VETO_R_DATA_STALE);
    put_verdict(s, r2, SC_VETO_R_OK);
    put_decision(s, r2, "enter_long", "ok");
    put_decision(s, r2, "enter_long", "ok");
    put_decision(s, r2, "skip", "late");
    sc_ks_event k;
    memset(&k, 0, sizeof(k));
    k.kind = SC_KS_EVENT_TRIP;
    k.trigger = SC_KS_TRIG_DAILY_LOSS;
    k.ts_ns = DAY0 + 2 * HOUR;
    k.seq = 1;
    snprintf(k.reason, sizeof(k.reason), "test");
    int64_t kid = 0;
    assert_int_equal(sc_trade_store_record_kill_event(s, r2, &k, &kid, &ei), SC_OK);
    assert_int_equal(
        sc_trade_store_end_run(s, r2, DAY0 + 23 * HOUR + 59 * 60 * SC_NS_PER_S, "ok", &ei), SC_OK);
    sc_trade_store_close(s);
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    sc_test_tmpdir(f->dir, sizeof(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/scalper.db", f->dir);
    snprintf(f->out, sizeof(f->out), "%s/out.txt", f->dir);
    snprintf(f->err, sizeof(f->err), "%s/err.txt", f->dir);
    build_db(f->db);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    free(f->out_text);
    free(f->err_text);
    free(f);
    return 0;
}

/* ---- running the binary ------------------------------------------------------------ */

/* scalper with args; stdout and stderr kept in f; the exit status. */
static int run(fixture *f, const char *args) {
    char cmd[2 * CMD_MAX];
    snprintf(cmd, sizeof(cmd), "'%s' %s >'%s' 2>'%s'", SC_SCALPER_BIN, args, f->out, f->err);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    free(f->out_text);
    free(f->err_text);
    size_t len = 0;
    f->out_text = sc_test_read_all(f->out, &len);
    f->err_text = sc_test_read_all(f->err, &len);
    return WEXITSTATUS(st);
}

/* scalper report DB args --json --trades all: exit 0, the parsed object. */
static json_t *report_json(fixture *f, const char *args) {
    char a[CMD_MAX];
    snprintf(a, sizeof(a), "report '%s' --json --trades all %s", f->dir, args);
    int rc = run(f, a);
    if (rc != 0) {
        fail_msg("%s: exit %d: %s", a, rc, f->err_text);
    }
    json_error_t je;
    json_t *root = json_loads(f->out_text, 0, &je);
    if (root == NULL) {
        fail_msg("%s: not JSON: %s", a, je.text);
    }
    return root;
}

static const char *jstr(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) {
        fail_msg("%s: not a string", key);
    }
    return json_string_value(v);
}

static json_int_t jint(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) {
        fail_msg("%s: not an integer", key);
    }
    return json_integer_value(v);
}

static bool near(double a, double b) {
    return a - b < 1e-12 && b - a < 1e-12;
}

/* The selection's seqs as "1,3,6", and its matched count, net and shown. */
static void check_selection(fixture *f, const char *args, const char *seqs, const char *net) {
    json_t *root = report_json(f, args);
    json_t *sel = json_object_get(root, "selection");
    json_t *rows = json_object_get(sel, "trades");
    char got[128] = "";
    size_t used = 0;
    for (size_t i = 0; i < json_array_size(rows); i++) {
        used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%lld", i ? "," : "",
                                 (long long)jint(json_array_get(rows, i), "seq"));
    }
    if (strcmp(got, seqs) != 0) {
        fail_msg("report %s: seqs '%s', expected '%s'", args, got, seqs);
    }
    json_t *sum = json_object_get(sel, "summary");
    assert_int_equal(jint(sel, "matched"), (json_int_t)json_array_size(rows));
    assert_int_equal(jint(sel, "shown"), (json_int_t)json_array_size(rows));
    assert_int_equal(jint(sum, "trades"), (json_int_t)json_array_size(rows));
    assert_string_equal(jstr(sum, "net_pnl_usdt"), net);
    /* The run's own figures do not depend on the filter. */
    assert_int_equal(jint(json_object_get(root, "summary"), "trades"), N_TRADES);
    json_decref(root);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_json_whole_run(void **state) {
    fixture *f = *state;
    json_t *root = report_json(f, "");
    assert_string_equal(jstr(root, "schema"), "scalper-report 1");
    json_t *run_ = json_object_get(root, "run");
    assert_int_equal(jint(run_, "id"), 2);
    assert_string_equal(jstr(run_, "mode"), "backtest");
    assert_string_equal(jstr(run_, "status"), "ok");
    assert_string_equal(jstr(run_, "started_utc"), "2024-08-08T00:00:00.000Z");
    assert_string_equal(jstr(run_, "ended_utc"), "2024-08-08T23:59:00.000Z");
    assert_string_equal(jstr(run_, "seed"), "18446744073709551615"); /* past int64: text */
    assert_int_equal(jint(run_, "params_version"), 4);
    assert_string_equal(jstr(run_, "inputs"), "capture.txt");
    assert_int_equal(strlen(jstr(run_, "rulebook_hash")), 64);
    assert_int_equal(jint(run_, "kill_events"), 1);
    json_t *sum = json_object_get(root, "summary");
    assert_int_equal(jint(sum, "trades"), 6);
    assert_int_equal(jint(sum, "wins"), 2);
    assert_int_equal(jint(sum, "losses"), 3);
    assert_int_equal(jint(sum, "scratches"), 1);
    assert_true(near(json_real_value(json_object_get(sum, "win_rate")), 2.0 / 6.0));
    assert_string_equal(jstr(sum, "net_pnl_usdt"), "-2.49999999");
    assert_string_equal(jstr(sum, "gross_pnl_usdt"), "-1.89999999");
    assert_string_equal(jstr(sum, "fees_usdt"), "0.60000000");
    assert_string_equal(jstr(sum, "funding_usdt"), "0.00000000");
    assert_true(near(json_real_value(json_object_get(sum, "profit_factor")), 0.500000002));
    assert_string_equal(jstr(sum, "expectancy_usdt"), "-0.41666666"); /* toward zero */
    assert_string_equal(jstr(sum, "avg_hold_s"), "5.003");            /* 5.0035 cut */
    assert_int_equal(jint(sum, "max_consecutive_losses"), 3);
    json_t *v = json_object_get(root, "vetoes");
    assert_int_equal(json_object_size(json_object_get(v, "by_reason")), 2);
    assert_int_equal(jint(json_object_get(v, "by_reason"), "spread_limit"), 2);
    assert_int_equal(jint(json_object_get(v, "by_reason"), "data_stale"), 1);
    assert_int_equal(jint(json_object_get(v, "by_level"), "rulebook"), 2);
    assert_int_equal(jint(json_object_get(v, "by_level"), "forbidden"), 1);
    json_t *d = json_object_get(root, "decisions");
    assert_int_equal(jint(json_object_get(d, "by_action"), "enter_long"), 2);
    assert_int_equal(jint(json_object_get(d, "by_action"), "skip"), 1);
    assert_int_equal(jint(json_object_get(d, "by_reason"), "late"), 1);
    json_t *b = json_object_get(root, "blunders");
    assert_int_equal(json_object_size(b), SC_BLUNDER_LABEL_COUNT + 1);
    for (int l = 0; l < SC_BLUNDER_LABEL_COUNT; l++) {
        json_t *e = json_object_get(b, sc_blunder_label_name((sc_blunder_label)l));
        assert_string_equal(jstr(e, "definition"),
                            sc_blunder_label_definition((sc_blunder_label)l));
    }
    assert_int_equal(jint(json_object_get(b, "clean_win"), "count"), 2);
    assert_int_equal(jint(json_object_get(b, "late_entry"), "count"), 2);
    assert_int_equal(jint(json_object_get(b, "lucky_win"), "count"), 0);
    assert_int_equal(jint(json_object_get(b, "zz_custom"), "count"), 1);
    assert_true(json_is_null(json_object_get(json_object_get(b, "zz_custom"), "definition")));
    assert_int_equal(jint(json_object_get(root, "rows"), "blunder_labels"), 7);
    json_decref(root);
}

static void test_json_trade_rows(void **state) {
    fixture *f = *state;
    json_t *root = report_json(f, "--label fee_drag");
    json_t *rows = json_object_get(json_object_get(root, "selection"), "trades");
    assert_int_equal(json_array_size(rows), 1);
    json_t *t = json_array_get(rows, 0);
    assert_int_equal(jint(t, "seq"), 2);
    assert_string_equal(jstr(t, "side"), "short");
    assert_string_equal(jstr(t, "entry_utc"), "2024-08-08T01:00:02.000Z");
    assert_string_equal(jstr(t, "exit_utc"), "2024-08-08T01:00:07.002Z");
    assert_string_equal(jstr(t, "hold_s"), "5.002");
    assert_string_equal(jstr(t, "entry_px"), "61234.5");
    assert_string_equal(jstr(t, "exit_px"), "61234.12345678");
    assert_string_equal(jstr(t, "qty_btc"), "0.010");
    assert_int_equal(jint(t, "qty_steps"), 10);
    assert_string_equal(jstr(t, "net_pnl_usdt"), "-1.25000000");
    assert_string_equal(jstr(t, "gross_pnl_usdt"), "-1.15000000");
    assert_string_equal(jstr(t, "outcome"), "loss");
    assert_string_equal(jstr(t, "regime"), "trending_up");
    json_t *labels = json_object_get(t, "labels");
    assert_int_equal(json_array_size(labels), 2);
    assert_string_equal(jstr(json_array_get(labels, 0), "label"), "fee_drag");
    assert_string_equal(jstr(json_array_get(labels, 0), "detail"), "detail of fee_drag on 2");
    assert_string_equal(jstr(json_array_get(labels, 1), "label"), "late_entry");
    json_t *flt = json_object_get(json_object_get(root, "selection"), "filters");
    assert_string_equal(json_string_value(json_array_get(json_object_get(flt, "labels"), 0)),
                        "fee_drag");
    assert_true(json_is_null(json_object_get(flt, "regime")));
    json_decref(root);
}

static void test_each_filter(void **state) {
    fixture *f = *state;
    check_selection(f, "", "1,2,3,4,5,6", "-2.49999999");
    check_selection(f, "--label late_entry", "2,3", "-2.00000000");
    check_selection(f, "--label late_entry --label fee_drag", "2", "-1.25000000");
    check_selection(f, "--label clean_win", "1,6", "2.50000001");
    check_selection(f, "--label lucky_win", "", "0.00000000");
    check_selection(f, "--regime ranging", "1,3,5", "-1.25000000");
    check_selection(f, "--regime unknown", "4", "0.00000000");
    check_selection(f, "--side short", "2,4", "-1.25000000");
    check_selection(f, "--side sell", "2,4", "-1.25000000");
    check_selection(f, "--side long", "1,3,5,6", "-1.24999999");
    check_selection(f, "--side buy", "1,3,5,6", "-1.24999999");
    check_selection(f, "--hour 13", "3", "-0.75000000");
    check_selection(f, "--hour 0-1", "1,2", "1.25000000");
    check_selection(f, "--hour 22-2", "1,2,4,5,6", "-1.74999999"); /* wraps */
    check_selection(f, "--regime ranging --side long --hour 0-12", "1,5", "-0.50000000");
    check_selection(f, "--label clean_win --regime volatile", "6", "0.00000001");
    check_selection(f, "--regime news_shock", "", "0.00000000");
}

static void test_empty_selection_and_paging(void **state) {
    fixture *f = *state;
    json_t *root = report_json(f, "--regime news_shock");
    json_t *sum = json_object_get(json_object_get(root, "selection"), "summary");
    assert_int_equal(jint(sum, "trades"), 0);
    assert_true(json_is_null(json_object_get(sum, "win_rate")));
    assert_true(json_is_null(json_object_get(sum, "profit_factor")));
    assert_true(json_is_null(json_object_get(sum, "expectancy_usdt")));
    assert_true(json_is_null(json_object_get(sum, "avg_hold_s")));
    json_decref(root);
    /* --trades N: N rows, the figures still of every match. */
    assert_int_equal(run(f, "report"), 2);
    char a[CMD_MAX];
    snprintf(a, sizeof(a), "report '%s' --json --trades 2 --side long", f->db);
    assert_int_equal(run(f, a), 0);
    root = json_loads(f->out_text, 0, NULL);
    assert_non_null(root);
    json_t *sel = json_object_get(root, "selection");
    assert_int_equal(jint(sel, "matched"), 4);
    assert_int_equal(jint(sel, "shown"), 2);
    assert_int_equal(json_array_size(json_object_get(sel, "trades")), 2);
    assert_int_equal(jint(json_array_get(json_object_get(sel, "trades"), 1), "seq"), 3);
    assert_string_equal(jstr(json_object_get(sel, "summary"), "net_pnl_usdt"), "-1.24999999");
    json_decref(root);
    /* --run 1: the older run. */
    root = report_json(f, "--run 1");
    assert_int_equal(jint(json_object_get(root, "run"), "id"), 1);
    assert_int_equal(jint(json_object_get(root, "run"), "seed"), 1);
    assert_string_equal(jstr(json_object_get(root, "summary"), "net_pnl_usdt"), "1.00000000");
    assert_int_equal(
        json_object_size(json_object_get(json_object_get(root, "vetoes"), "by_reason")), 0);
    json_decref(root);
}

/* The trade table's seqs in the text report: the first column of the rows
 * under the "trades:" line, up to the first line that is not a row. */
static void text_seqs(const char *text, char *buf, size_t cap) {
    const char *p = strstr(text, "\ntrades: ");
    assert_non_null(p);
    p = strchr(p + 1, '\n');                    /* the "trades:" line */
    p = p != NULL ? strchr(p + 1, '\n') : NULL; /* the header */
    size_t used = 0;
    buf[0] = '\0';
    long long seq = 0;
    int off = 0;
    while (p != NULL && sscanf(p + 1, " %lld%n", &seq, &off) == 1 && p[1] == ' ') {
        used += (size_t)snprintf(buf + used, cap - used, "%s%lld", used ? "," : "", seq);
        p = strchr(p + 1, '\n');
    }
}

static void test_text_report(void **state) {
    fixture *f = *state;
    char a[CMD_MAX];
    snprintf(a, sizeof(a), "report '%s' --regime ranging --side long --hour 0-12", f->dir);
    assert_int_equal(run(f, a), 0);
    const char *o = f->out_text;
    assert_non_null(strstr(o, "\nrun 2 (the latest)\n"));
    assert_non_null(strstr(o, "  started_utc              2024-08-08T00:00:00.000Z\n"));
    assert_non_null(strstr(o, "  net_pnl_usdt             -2.49999999\n"));
    assert_non_null(strstr(o, "  max_consecutive_losses   3\n"));
    assert_non_null(strstr(o, "  spread_limit             2\n"));
    assert_non_null(strstr(o, "  enter_long               2\n"));
    for (int l = 0; l < SC_BLUNDER_LABEL_COUNT; l++) {
        char line[1024];
        snprintf(line, sizeof(line), "  %-22s ", sc_blunder_label_name((sc_blunder_label)l));
        const char *at = strstr(o, line);
        assert_non_null(at);
        const char *eol = strchr(at, '\n');
        const char *def = strstr(at, sc_blunder_label_definition((sc_blunder_label)l));
        assert_true(def != NULL && def < eol); /* on the label's own line */
    }
    assert_non_null(
        strstr(o, "trades: regime=\"ranging\" side=\"long\" hours_utc=\"0-12\": 2 of 6 match\n"));
    char seqs[64];
    text_seqs(o, seqs, sizeof(seqs));
    assert_string_equal(seqs, "1,5");
    assert_non_null(strstr(o, "61234.12345678"));
    assert_non_null(strstr(o, "max_hold_timeout\n"));
    assert_non_null(strstr(o, "\nsummary: the 2 matching trades\n"));
    const char *sel = strstr(o, "\nsummary: the 2 matching trades\n");
    assert_non_null(strstr(sel, "  net_pnl_usdt             -0.50000000\n"));
    assert_non_null(strstr(sel, "  trades                   2\n"));
    /* No filter: every row; --trades 3 cuts the table, not the figures. */
    snprintf(a, sizeof(a), "report '%s' --trades 3", f->db);
    assert_int_equal(run(f, a), 0);
    text_seqs(f->out_text, seqs, sizeof(seqs));
    assert_string_equal(seqs, "1,2,3");
    assert_non_null(strstr(f->out_text, "  ... 3 more (--trades all)\n"));
    snprintf(a, sizeof(a), "report '%s' --trades all", f->db);
    assert_int_equal(run(f, a), 0);
    text_seqs(f->out_text, seqs, sizeof(seqs));
    assert_string_equal(seqs, "1,2,3,4,5,6");
    assert_non_null(strstr(f->out_text, "clean_win,+1\n")); /* seq 6: and zz_custom */
    assert_null(strstr(f->out_text, "\nsummary: the "));    /* no filter: no second summary */
    /* --help tells every option. */
    assert_int_equal(run(f, "report --help"), 0);
    const char *opts[] = {"--run",    "--label", "--regime", "--side",     "--hour",
                          "--trades", "--json",  "fee_drag", "trending_up"};
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        assert_non_null(strstr(f->out_text, opts[i]));
    }
    assert_int_equal(run(f, "help"), 0);
    assert_non_null(strstr(f->out_text, "report DIR|DB"));
}

/* args exits want with stderr containing each of the texts (NULL ends). */
static void expect_fail(fixture *f, const char *args, int want, const char *t1, const char *t2) {
    int rc = run(f, args);
    if (rc != want) {
        fail_msg("%s: exit %d, expected %d: %s", args, rc, want, f->err_text);
    }
    assert_string_equal(f->out_text, "");
    if ((t1 != NULL && strstr(f->err_text, t1) == NULL) ||
        (t2 != NULL && strstr(f->err_text, t2) == NULL)) {
        fail_msg("%s: stderr lacks '%s' / '%s': %s", args, t1, t2 != NULL ? t2 : "", f->err_text);
    }
}

static void test_usage_errors(void **state) {
    fixture *f = *state;
    char a[CMD_MAX];
    snprintf(a, sizeof(a), "report '%s' --label bogus", f->dir);
    expect_fail(f, a, 2, "unknown label 'bogus'", "clean_win, lucky_win, stopped_then_reversed");
    snprintf(a, sizeof(a), "report '%s' --regime trend_up", f->dir);
    expect_fail(f, a, 2, "unknown regime 'trend_up'", "trending_up, trending_down");
    snprintf(a, sizeof(a), "report '%s' --side up", f->dir);
    expect_fail(f, a, 2, "unknown side 'up'", "long, short, buy, sell");
    const char *hours[] = {"24", "-1", "3-", "a", "1-24", "007", ""};
    for (size_t i = 0; i < sizeof(hours) / sizeof(hours[0]); i++) {
        snprintf(a, sizeof(a), "report '%s' --hour '%s'", f->dir, hours[i]);
        expect_fail(f, a, 2, "--hour", NULL);
    }
    snprintf(a, sizeof(a), "report '%s' --hour 1 --hour 2", f->dir);
    expect_fail(f, a, 2, "given twice", NULL);
    snprintf(a, sizeof(a), "report '%s' --trades -1", f->dir);
    expect_fail(f, a, 2, "--trades", NULL);
    snprintf(a, sizeof(a), "report '%s' --run x", f->dir);
    expect_fail(f, a, 2, "--run", NULL);
    snprintf(a, sizeof(a), "report '%s' --bogus", f->dir);
    expect_fail(f, a, 2, "unknown option '--bogus'", NULL);
    snprintf(a, sizeof(a), "report '%s' '%s'", f->dir, f->db);
    expect_fail(f, a, 2, "one DIR or DB only", NULL);
}

static void test_unreadable_inputs(void **state) {
    fixture *f = *state;
    char a[CMD_MAX];
    char p[OUT_NAME_MAX + 32];
    /* A missing file: named, and not created. */
    snprintf(p, sizeof(p), "%s/missing.db", f->dir);
    snprintf(a, sizeof(a), "report '%s'", p);
    expect_fail(f, a, 3, p, "No such file");
    assert_int_equal(access(p, F_OK), -1);
    /* A directory without scalper.db. */
    snprintf(p, sizeof(p), "%s/empty", f->dir);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(a, sizeof(a), "report '%s'", p);
    expect_fail(f, a, 3, "empty/scalper.db", "No such file");
    snprintf(p, sizeof(p), "%s/empty/scalper.db", f->dir);
    assert_int_equal(access(p, F_OK), -1);
    /* Not a database. */
    snprintf(p, sizeof(p), "%s/junk.db", f->dir);
    FILE *jf = fopen(p, "w");
    assert_non_null(jf);
    fprintf(jf, "this is not sqlite, but long enough to have a header of sorts...........\n");
    fclose(jf);
    snprintf(a, sizeof(a), "report '%s'", p);
    expect_fail(f, a, 3, "junk.db", "not a database");
    /* No such run: the runs that exist are named. */
    snprintf(a, sizeof(a), "report '%s' --run 9", f->db);
    expect_fail(f, a, 3, "no run 9", "(newest first): 2, 1");
    /* A database with no run at all. */
    snprintf(p, sizeof(p), "%s/norun.db", f->dir);
    sc_trade_store_close(open_rw(p));
    snprintf(a, sizeof(a), "report '%s'", p);
    expect_fail(f, a, 3, "no runs in this database", NULL);
    /* A run without trades reports zeros. */
    sc_trade_store *s = open_rw(p);
    begin(s, 5);
    sc_trade_store_close(s);
    snprintf(a, sizeof(a), "report '%s' --json", p);
    assert_int_equal(run(f, a), 0);
    json_t *root = json_loads(f->out_text, 0, NULL);
    assert_non_null(root);
    assert_int_equal(jint(json_object_get(root, "summary"), "trades"), 0);
    assert_true(json_is_null(json_object_get(json_object_get(root, "run"), "status"))); /* open */
    assert_true(json_is_null(json_object_get(json_object_get(root, "run"), "ended_utc")));
    json_decref(root);
    /* From a newer build: refused with the store's reason. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "UPDATE schema_version SET version = 99"
                                  " WHERE component = 'trades'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    snprintf(a, sizeof(a), "report '%s'", p);
    expect_fail(f, a, 3, "written by a newer scalper", "trades schema 1..");
}

/* backtest into a directory, then report on it: the same trades, vetoes,
 * blunder counts and run identity as report.json. */
static void backtest_then_report(fixture *f, const char *data, const char *extra) {
    char a[2 * CMD_MAX];
    snprintf(a, sizeof(a), "backtest --data '%s' --out '%s/bt' --seed 7 --quiet %s", data, f->dir,
             extra);
    assert_int_equal(run(f, a), 0);
    char p[OUT_NAME_MAX + 32];
    snprintf(p, sizeof(p), "%s/bt/report.json", f->dir);
    json_t *bt = json_load_file(p, 0, NULL);
    assert_non_null(bt);
    snprintf(a, sizeof(a), "report '%s/bt' --json --trades all", f->dir);
    assert_int_equal(run(f, a), 0);
    json_t *rp = json_loads(f->out_text, 0, NULL);
    assert_non_null(rp);
    json_t *sum = json_object_get(rp, "summary");
    json_int_t trades = jint(bt, "trades");
    assert_int_equal(jint(sum, "trades"), trades);
    json_t *sel = json_object_get(rp, "selection");
    assert_int_equal(json_array_size(json_object_get(sel, "trades")), (size_t)trades);
    json_t *run_ = json_object_get(rp, "run");
    assert_int_equal(jint(run_, "seed"), 7);
    assert_string_equal(jstr(run_, "rulebook_hash"), jstr(bt, "rulebook_hash"));
    assert_string_equal(jstr(run_, "config_hash"), jstr(bt, "config_hash"));
    assert_string_equal(jstr(run_, "inputs"), jstr(bt, "inputs"));
    assert_true(json_equal(json_object_get(json_object_get(rp, "vetoes"), "by_reason"),
                           json_object_get(bt, "vetoes")));
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(bt, "blunders"), k, v) {
        json_t *mine = json_object_get(json_object_get(rp, "blunders"), k);
        assert_int_equal(jint(mine, "count"), json_integer_value(v));
    }
    print_message("report: %s: %lld trades, net %s, as report.json says\n", data, (long long)trades,
                  jstr(sum, "net_pnl_usdt"));
    json_decref(bt);
    json_decref(rp);
}

static void test_backtest_then_report_demo(void **state) {
    fixture *f = *state;
    char data[SC_TEST_PATH_MAX];
    sc_test_source_path("tests/data/demo_capture.txt", data, sizeof(data));
    backtest_then_report(f, data, "");
}

static void test_backtest_then_report_real(void **state) {
    fixture *f = *state;
    char data[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(CAPTURE_REL, data);
    char cfg[OUT_NAME_MAX];
    snprintf(cfg, sizeof(cfg), "%s/low.ini", f->dir);
    FILE *c = fopen(cfg, "w");
    assert_non_null(c);
    fprintf(c, "[strategy]\nentry_score_min = 0.2\ncooldown_s = 0\n");
    fclose(c);
    char extra[CMD_MAX];
    snprintf(extra, sizeof(extra), "--config '%s' --timeframe 1s --state '%s/none.kill'", cfg,
             f->dir);
    backtest_then_report(f, data, extra);
    char a[CMD_MAX];
    snprintf(a, sizeof(a), "report '%s/bt' --json", f->dir);
    assert_int_equal(run(f, a), 0);
    json_t *rp = json_loads(f->out_text, 0, NULL);
    assert_true(jint(json_object_get(rp, "summary"), "trades") > 0); /* the low threshold trades */
    json_decref(rp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_whole_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_trade_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_selection_and_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backtest_then_report_demo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backtest_then_report_real, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
