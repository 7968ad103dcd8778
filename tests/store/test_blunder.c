/* test_blunder.c: the blunder analyzer. Each label fires on a hand-built
 * trade and path and stays silent on a near miss one tick (or one ns) away;
 * exact MFE/MAE, the look-ahead boundary, the path and recent-ring limits,
 * the tracker's lifecycle and poll order, determinism, and the label table.
 *
 * Prices: 60000.0 USDT = 600000 ticks of 0.1, so 1 bps = 60 ticks. The base
 * long enters at 600000 with its stop 600 ticks below and target 600 above. */
#include "support/support.h"

#include <string.h>

#include "core/rng.h"
#include "store/blunder.h"

#define S SC_NS_PER_S
#define T0 (1000 * S)

enum { ENTRY = 600000, STOP_DIST = 600, EXIT_GAIN = 300 };

#define BIT(l) SC_BLUNDER_BIT(SC_BLUNDER_##l)

static sc_blunder_trade base(void) {
    sc_blunder_trade t;
    memset(&t, 0, sizeof(t));
    t.id = 1;
    t.side = SC_SIDE_BUY;
    t.entry_style = SC_ENTRY_MAKER;
    t.decision_ns = T0;
    t.entry_ns = T0;
    t.exit_ns = T0 + 60 * S;
    t.decision_touch_px.ticks = ENTRY;
    t.entry_px.ticks = ENTRY;
    t.exit_px.ticks = ENTRY + EXIT_GAIN;
    t.stop_px.ticks = ENTRY - STOP_DIST;
    t.target_px.ticks = ENTRY + STOP_DIST;
    t.qty.steps = 10;
    t.gross_pnl.e8 = 300000000;
    t.fees.e8 = 100000000;
    t.net_pnl.e8 = 200000000;
    t.exit_reason = SC_EXIT_SIGNAL;
    t.regime = SC_REGIME_RANGING;
    return t;
}

static sc_blunder_point pt(sc_ns ts, int64_t px) {
    sc_blunder_point p = {ts, {px}};
    return p;
}

static sc_blunder_report run(const sc_blunder_trade *t, const sc_blunder_point *p, size_t n) {
    sc_blunder_report r;
    assert_int_equal(sc_blunder_analyze(t, p, n, SC_BLUNDER_LOOKAHEAD_NS_DEFAULT, &r), SC_OK);
    assert_false(r.truncated);
    return r;
}

/* A report's fields as numbers; struct padding is not part of the value. */
enum { REPORT_FIELDS = 16 };

static void report_values(const sc_blunder_report *r, int64_t v[REPORT_FIELDS]) {
    v[0] = (int64_t)r->id;
    v[1] = (int64_t)r->labels;
    v[2] = (int64_t)r->truncated;
    v[3] = (int64_t)r->points_n;
    v[4] = (int64_t)r->mfe_ticks;
    v[5] = (int64_t)r->mae_ticks;
    v[6] = (int64_t)r->mfe_bps;
    v[7] = (int64_t)r->mae_bps;
    v[8] = (int64_t)r->after_best_ticks;
    v[9] = (int64_t)r->after_worst_ticks;
    v[10] = (int64_t)r->after_best_bps;
    v[11] = (int64_t)r->after_worst_bps;
    v[12] = (int64_t)r->exit_gain_ticks;
    v[13] = (int64_t)r->slippage_ticks;
    v[14] = (int64_t)r->chase_ticks;
    v[15] = (int64_t)r->adverse_ticks;
}

static void assert_report_eq(const sc_blunder_report *a, const sc_blunder_report *b) {
    int64_t va[REPORT_FIELDS], vb[REPORT_FIELDS];
    report_values(a, va);
    report_values(b, vb);
    assert_memory_equal(va, vb, sizeof(va));
}

static uint64_t report_hash(uint64_t h, const sc_blunder_report *r) {
    int64_t v[REPORT_FIELDS];
    report_values(r, v);
    for (size_t i = 0; i < REPORT_FIELDS; i++) {
        h = (h ^ (uint64_t)v[i]) * 1099511628211u;
    }
    return h;
}

static bool has(const sc_blunder_report *r, sc_blunder_label l) {
    return (r->labels & SC_BLUNDER_BIT(l)) != 0;
}

/* A stopped-out long (exit at the stop, a loss). */
static sc_blunder_trade stopped(void) {
    sc_blunder_trade t = base();
    t.exit_px.ticks = ENTRY - STOP_DIST;
    t.exit_reason = SC_EXIT_STOP_LOSS;
    t.gross_pnl.e8 = -600000000;
    t.net_pnl.e8 = -700000000;
    return t;
}

static void test_base_is_clean_only(void **state) {
    (void)state;
    sc_blunder_trade t = base();
    sc_blunder_report r = run(&t, NULL, 0);
    assert_int_equal(r.labels, BIT(CLEAN_WIN));
    assert_int_equal(r.mfe_ticks, EXIT_GAIN);
    assert_int_equal(r.mae_ticks, 0);
    assert_int_equal(r.exit_gain_ticks, EXIT_GAIN);
}

static void test_clean_win(void **state) {
    (void)state;
    sc_blunder_trade t = base();
    sc_blunder_point p = pt(T0 + S, ENTRY - 199); /* 199 * 3 = 597 < 600 */
    sc_blunder_report r = run(&t, &p, 1);
    assert_int_equal(r.mae_ticks, 199);
    assert_true(has(&r, SC_BLUNDER_CLEAN_WIN));
    p = pt(T0 + S, ENTRY - 200); /* 600: not < 600 */
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_CLEAN_WIN));
    assert_false(has(&r, SC_BLUNDER_LUCKY_WIN));
    t.net_pnl.e8 = 0; /* a scratch is not a win */
    r = run(&t, NULL, 0);
    assert_false(has(&r, SC_BLUNDER_CLEAN_WIN));
}

static void test_lucky_win(void **state) {
    (void)state;
    sc_blunder_trade t = base();
    sc_blunder_point p = pt(T0 + S, ENTRY - 480); /* 80 % of 600 */
    sc_blunder_report r = run(&t, &p, 1);
    assert_true(has(&r, SC_BLUNDER_LUCKY_WIN));
    assert_false(has(&r, SC_BLUNDER_CLEAN_WIN));
    p = pt(T0 + S, ENTRY - 479);
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_LUCKY_WIN));
    t.net_pnl.e8 = -1;
    p = pt(T0 + S, ENTRY - 480);
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_LUCKY_WIN));
}

static void test_stopped_then_reversed(void **state) {
    (void)state;
    sc_blunder_trade t = stopped();
    sc_blunder_point p = pt(t.exit_ns + 10 * S, ENTRY + STOP_DIST); /* at the target */
    sc_blunder_report r = run(&t, &p, 1);
    assert_true(has(&r, SC_BLUNDER_STOPPED_THEN_REVERSED));
    assert_false(has(&r, SC_BLUNDER_PREMATURE_EXIT));
    p = pt(t.exit_ns + 10 * S, ENTRY + STOP_DIST - 1);
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_STOPPED_THEN_REVERSED));
    t.exit_reason = SC_EXIT_TRAILING_STOP;
    p = pt(t.exit_ns + 10 * S, ENTRY + STOP_DIST);
    r = run(&t, &p, 1);
    assert_true(has(&r, SC_BLUNDER_STOPPED_THEN_REVERSED));
    /* Reaching the target during the hold is not a reversal after the exit. */
    p = pt(t.exit_ns, ENTRY + STOP_DIST);
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_STOPPED_THEN_REVERSED));
}

static void test_premature_exit(void **state) {
    (void)state;
    sc_blunder_trade t = base();
    sc_blunder_point p = pt(t.exit_ns + S, ENTRY + 2 * EXIT_GAIN); /* +300 after exit */
    sc_blunder_report r = run(&t, &p, 1);
    assert_int_equal(r.after_best_ticks, EXIT_GAIN);
    assert_true(has(&r, SC_BLUNDER_PREMATURE_EXIT));
    p = pt(t.exit_ns + S, ENTRY + 2 * EXIT_GAIN - 1);
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_PREMATURE_EXIT));
    /* A stop exit is never premature, and a losing exit has no gain. */
    t.exit_reason = SC_EXIT_STOP_LOSS;
    p = pt(t.exit_ns + S, ENTRY + 2 * EXIT_GAIN);
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_PREMATURE_EXIT));
    t = base();
    t.exit_px.ticks = ENTRY;
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_PREMATURE_EXIT));
}

static void test_late_entry(void **state) {
    (void)state;
    sc_blunder_trade t = base();
    t.entry_px.ticks = ENTRY + 120; /* 2 bps of the touch */
    sc_blunder_report r = run(&t, NULL, 0);
    assert_int_equal(r.slippage_ticks, 120);
    assert_true(has(&r, SC_BLUNDER_LATE_ENTRY));
    t.entry_px.ticks = ENTRY + 119;
    r = run(&t, NULL, 0);
    assert_false(has(&r, SC_BLUNDER_LATE_ENTRY));
    /* Short: worse means lower. */
    t = base();
    t.side = SC_SIDE_SELL;
    t.entry_px.ticks = ENTRY - 120;
    t.stop_px.ticks = ENTRY + STOP_DIST;
    t.target_px.ticks = ENTRY - STOP_DIST;
    t.exit_px.ticks = ENTRY - 400;
    r = run(&t, NULL, 0);
    assert_true(has(&r, SC_BLUNDER_LATE_ENTRY));
    t.entry_px.ticks = ENTRY + 120; /* better than the touch */
    r = run(&t, NULL, 0);
    assert_int_equal(r.slippage_ticks, -120);
    assert_false(has(&r, SC_BLUNDER_LATE_ENTRY));
}

static void test_chased_entry(void **state) {
    (void)state;
    sc_blunder_trade t = base();
    t.entry_style = SC_ENTRY_TAKER;
    sc_ns from = t.decision_ns - SC_BLUNDER_CHASE_WINDOW_NS;
    sc_blunder_point p = pt(from, ENTRY - 300); /* 5 bps below the touch, at the edge */
    sc_blunder_report r = run(&t, &p, 1);
    assert_int_equal(r.chase_ticks, 300);
    assert_true(has(&r, SC_BLUNDER_CHASED_ENTRY));
    p = pt(from, ENTRY - 299);
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_CHASED_ENTRY));
    p = pt(from - 1, ENTRY - 300); /* just outside the window */
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_CHASED_ENTRY));
    t.entry_style = SC_ENTRY_MAKER; /* a maker entry is not a chase */
    p = pt(from, ENTRY - 300);
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_CHASED_ENTRY));
}

static void test_fee_drag(void **state) {
    (void)state;
    sc_blunder_trade t = base();
    t.gross_pnl.e8 = 1;
    t.net_pnl.e8 = 0;
    sc_blunder_report r = run(&t, NULL, 0);
    assert_true(has(&r, SC_BLUNDER_FEE_DRAG));
    t.net_pnl.e8 = 1;
    r = run(&t, NULL, 0);
    assert_false(has(&r, SC_BLUNDER_FEE_DRAG));
    t.gross_pnl.e8 = 0;
    t.net_pnl.e8 = -5;
    r = run(&t, NULL, 0);
    assert_false(has(&r, SC_BLUNDER_FEE_DRAG));
}

static void test_against_regime(void **state) {
    (void)state;
    sc_blunder_trade t = base();
    t.regime = SC_REGIME_TREND_DOWN;
    sc_blunder_report r = run(&t, NULL, 0);
    assert_true(has(&r, SC_BLUNDER_AGAINST_REGIME));
    t.regime = SC_REGIME_TREND_UP;
    r = run(&t, NULL, 0);
    assert_false(has(&r, SC_BLUNDER_AGAINST_REGIME));
    t.side = SC_SIDE_SELL;
    t.stop_px.ticks = ENTRY + STOP_DIST;
    t.target_px.ticks = ENTRY - STOP_DIST;
    r = run(&t, NULL, 0);
    assert_true(has(&r, SC_BLUNDER_AGAINST_REGIME));
    t.regime = SC_REGIME_VOLATILE;
    r = run(&t, NULL, 0);
    assert_false(has(&r, SC_BLUNDER_AGAINST_REGIME));
}

static void test_adverse_selection(void **state) {
    (void)state;
    sc_blunder_trade t = base();
    sc_ns end = t.entry_ns + SC_BLUNDER_ADVSEL_WINDOW_NS;
    sc_blunder_point p = pt(end, ENTRY - 180); /* 3 bps, at the window end */
    sc_blunder_report r = run(&t, &p, 1);
    assert_int_equal(r.adverse_ticks, 180);
    assert_true(has(&r, SC_BLUNDER_ADVERSE_SELECTION));
    p = pt(end, ENTRY - 179);
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_ADVERSE_SELECTION));
    p = pt(end + 1, ENTRY - 180);
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_ADVERSE_SELECTION));
    t.entry_style = SC_ENTRY_TAKER;
    p = pt(end, ENTRY - 180);
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_ADVERSE_SELECTION));
}

static void test_max_hold_timeout(void **state) {
    (void)state;
    sc_blunder_trade t = base();
    t.exit_reason = SC_EXIT_MAX_HOLD;
    sc_blunder_report r = run(&t, NULL, 0);
    assert_true(has(&r, SC_BLUNDER_MAX_HOLD_TIMEOUT));
    t.exit_reason = SC_EXIT_TAKE_PROFIT;
    r = run(&t, NULL, 0);
    assert_false(has(&r, SC_BLUNDER_MAX_HOLD_TIMEOUT));
}

static void test_mfe_mae_exact(void **state) {
    (void)state;
    sc_blunder_trade t = base(); /* exit 600300 at T0 + 60 s */
    sc_blunder_point p[] = {
        pt(T0 - S, ENTRY + 5000),     /* before entry: ignored by H */
        pt(T0 + 10 * S, ENTRY + 450), /* mfe 450 */
        pt(T0 + 20 * S, ENTRY - 300), /* mae 300 */
        pt(T0 + 30 * S, ENTRY + 100),
        pt(t.exit_ns + S, ENTRY + 900),        /* after best 600 */
        pt(t.exit_ns + 2 * S, ENTRY),          /* after worst 300 */
        pt(t.exit_ns + 400 * S, ENTRY - 9999), /* past the look-ahead */
    };
    sc_blunder_report r = run(&t, p, sizeof(p) / sizeof(p[0]));
    assert_int_equal(r.mfe_ticks, 450);
    assert_int_equal(r.mae_ticks, 300);
    assert_int_equal(r.mfe_bps, 7); /* 7.5 floored */
    assert_int_equal(r.mae_bps, 5);
    assert_int_equal(r.after_best_ticks, 600);
    assert_int_equal(r.after_worst_ticks, 300);
    assert_int_equal(r.after_best_bps, 9); /* 6e6 / 600300 = 9.995 */
    assert_int_equal(r.after_worst_bps, 4);
    assert_int_equal(r.points_n, 7);
    /* The short mirror: the same path read the other way. */
    t.side = SC_SIDE_SELL;
    t.stop_px.ticks = ENTRY + STOP_DIST;
    t.target_px.ticks = ENTRY - STOP_DIST;
    t.exit_px.ticks = ENTRY - EXIT_GAIN;
    r = run(&t, p, sizeof(p) / sizeof(p[0]));
    assert_int_equal(r.mfe_ticks, EXIT_GAIN); /* the exit fill itself */
    assert_int_equal(r.mae_ticks, 450);
    assert_int_equal(r.after_best_ticks, 0);
    assert_int_equal(r.after_worst_ticks, 1200);
}

static void test_lookahead_boundary(void **state) {
    (void)state;
    sc_blunder_trade t = stopped();
    sc_ns end = t.exit_ns + SC_BLUNDER_LOOKAHEAD_NS_DEFAULT;
    sc_blunder_point p = pt(end, ENTRY + STOP_DIST); /* exactly at the end: counts */
    sc_blunder_report r = run(&t, &p, 1);
    assert_true(has(&r, SC_BLUNDER_STOPPED_THEN_REVERSED));
    assert_int_equal(r.after_best_ticks, 2 * STOP_DIST);
    p = pt(end + 1, ENTRY + STOP_DIST);
    r = run(&t, &p, 1);
    assert_false(has(&r, SC_BLUNDER_STOPPED_THEN_REVERSED));
    assert_int_equal(r.after_best_ticks, 0);
    /* A point at exit_ns is in the hold, not after it. */
    p = pt(t.exit_ns, ENTRY + STOP_DIST);
    r = run(&t, &p, 1);
    assert_int_equal(r.after_best_ticks, 0);
    assert_int_equal(r.mfe_ticks, STOP_DIST);
    /* A zero look-ahead sees nothing after the exit. */
    p = pt(t.exit_ns + 1, ENTRY + STOP_DIST);
    assert_int_equal(sc_blunder_analyze(&t, &p, 1, 0, &r), SC_OK);
    assert_false(has(&r, SC_BLUNDER_STOPPED_THEN_REVERSED));
}

static void test_analyze_refuses(void **state) {
    (void)state;
    sc_blunder_report r;
    sc_blunder_report before;
    memset(&r, 0x5a, sizeof(r));
    memcpy(&before, &r, sizeof(r));
    sc_blunder_trade t = base();
    t.stop_px.ticks = ENTRY; /* not strictly on the losing side */
    assert_int_equal(sc_blunder_analyze(&t, NULL, 0, 0, &r), SC_ERR_RANGE);
    t = base();
    t.target_px.ticks = ENTRY - 1;
    assert_int_equal(sc_blunder_analyze(&t, NULL, 0, 0, &r), SC_ERR_RANGE);
    t = base();
    t.decision_ns = t.entry_ns + 1;
    assert_int_equal(sc_blunder_analyze(&t, NULL, 0, 0, &r), SC_ERR_RANGE);
    t = base();
    t.exit_reason = SC_EXIT_NONE;
    assert_int_equal(sc_blunder_analyze(&t, NULL, 0, 0, &r), SC_ERR_RANGE);
    t = base();
    sc_blunder_point p[] = {pt(T0 + 2, ENTRY), pt(T0 + 1, ENTRY)};
    assert_int_equal(sc_blunder_analyze(&t, p, 2, 0, &r), SC_ERR_RANGE);
    p[1] = pt(T0 + 3, 0);
    assert_int_equal(sc_blunder_analyze(&t, p, 2, 0, &r), SC_ERR_RANGE);
    assert_int_equal(sc_blunder_analyze(&t, NULL, 0, -1, &r), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_blunder_analyze(&t, NULL, 0, SC_BLUNDER_LOOKAHEAD_NS_MAX + 1, &r),
                     SC_ERR_INVALID_ARG);
    assert_memory_equal(&r, &before, sizeof(r));
}

static sc_blunder *mk(uint32_t slots, uint32_t points, uint32_t recent, sc_ns lookahead) {
    sc_blunder_config c = sc_blunder_config_default();
    c.slots_max = slots;
    c.points_max = points;
    c.recent_max = recent;
    c.lookahead_ns = lookahead;
    sc_blunder *b = NULL;
    assert_int_equal(sc_blunder_create(&c, &b), SC_OK);
    assert_non_null(b);
    return b;
}

static void test_tracker_lifecycle(void **state) {
    (void)state;
    sc_ns la = 10 * S;
    sc_blunder *b = mk(2, 64, 16, la);
    sc_blunder_trade t = stopped();
    sc_blunder_point path[] = {pt(T0 - 5 * S, ENTRY - 100), pt(T0, ENTRY), pt(T0 + S, ENTRY - 300),
                               pt(t.exit_ns, ENTRY - STOP_DIST),
                               pt(t.exit_ns + la, ENTRY + STOP_DIST)};
    assert_int_equal(sc_blunder_on_price(b, path[0].ts_ns, path[0].px), SC_OK);
    assert_int_equal(sc_blunder_open(b, t.id, t.decision_ns), SC_OK);
    assert_int_equal(sc_blunder_open(b, t.id, t.decision_ns), SC_ERR_STATE);
    for (size_t i = 1; i < 4; i++) {
        assert_int_equal(sc_blunder_on_price(b, path[i].ts_ns, path[i].px), SC_OK);
    }
    sc_blunder_report r;
    assert_false(sc_blunder_poll(b, T0 + 999 * S, &r)); /* still open */
    sc_blunder_trade bad = t;
    bad.stop_px.ticks = ENTRY + 1;
    assert_int_equal(sc_blunder_close(b, &bad), SC_ERR_RANGE);
    assert_int_equal(sc_blunder_close(b, &t), SC_OK);
    assert_int_equal(sc_blunder_close(b, &t), SC_ERR_NOT_FOUND);
    assert_int_equal(sc_blunder_on_price(b, path[4].ts_ns, path[4].px), SC_OK);
    assert_false(sc_blunder_poll(b, t.exit_ns + la, &r)); /* a price may still come at the end */
    assert_int_equal(sc_blunder_on_price(b, t.exit_ns + la + 1, (sc_px){ENTRY + 5000}), SC_OK);
    assert_true(sc_blunder_poll(b, 0, &r)); /* the feed's time is past the end */
    sc_blunder_report want;
    assert_int_equal(sc_blunder_analyze(&t, path, 5, la, &want), SC_OK);
    assert_report_eq(&r, &want);
    assert_int_equal(r.points_n, 5); /* the point past the window was not kept */
    assert_true(has(&r, SC_BLUNDER_STOPPED_THEN_REVERSED));
    assert_false(sc_blunder_poll(b, INT64_MAX, &r));
    sc_blunder_counters c;
    sc_blunder_counters_get(b, &c);
    assert_int_equal(c.prices, 6);
    assert_int_equal(c.reports, 1);
    assert_int_equal(sc_blunder_on_price(b, T0, (sc_px){ENTRY}), SC_ERR_RANGE); /* backwards */
    assert_int_equal(sc_blunder_on_price(b, T0 + 9999 * S, (sc_px){0}), SC_ERR_RANGE);
    sc_blunder_counters_get(b, &c);
    assert_int_equal(c.prices_refused, 2);
    sc_blunder_destroy(b);
    sc_blunder_destroy(NULL);
}

static void test_path_limit(void **state) {
    (void)state;
    sc_blunder *b = mk(1, 4, 16, 0);
    sc_blunder_trade t = base();
    assert_int_equal(sc_blunder_open(b, t.id, t.decision_ns), SC_OK);
    for (int64_t i = 0; i < 6; i++) {
        assert_int_equal(sc_blunder_on_price(b, T0 + i * S, (sc_px){ENTRY - 10 * i}), SC_OK);
    }
    assert_int_equal(sc_blunder_close(b, &t), SC_OK);
    sc_blunder_report r;
    assert_true(sc_blunder_poll(b, t.exit_ns + 1, &r));
    assert_true(r.truncated);
    assert_int_equal(r.labels, 0); /* clean_win would otherwise fire */
    assert_int_equal(r.points_n, 4);
    assert_int_equal(r.mae_ticks, 30); /* over the points kept */
    sc_blunder_counters c;
    sc_blunder_counters_get(b, &c);
    assert_int_equal(c.points_dropped, 2);
    assert_int_equal(c.reports_truncated, 1);
    /* Exactly at the limit is not truncated. */
    assert_int_equal(sc_blunder_open(b, 2, T0 + 100 * S), SC_OK);
    for (int64_t i = 0; i < 4; i++) {
        assert_int_equal(sc_blunder_on_price(b, T0 + (100 + i) * S, (sc_px){ENTRY}), SC_OK);
    }
    t.id = 2;
    t.decision_ns = t.entry_ns = T0 + 100 * S;
    t.exit_ns = T0 + 103 * S;
    assert_int_equal(sc_blunder_close(b, &t), SC_OK);
    assert_true(sc_blunder_poll(b, t.exit_ns + 1, &r));
    assert_false(r.truncated);
    assert_int_equal(r.labels, BIT(CLEAN_WIN));
    sc_blunder_destroy(b);
}

static void test_recent_ring_and_slots(void **state) {
    (void)state;
    sc_blunder *b = mk(1, 64, 2, 0);
    /* Three points in the chase window through a ring of two: it wrapped and
     * no longer reaches the window start. */
    for (int64_t i = 0; i < 3; i++) {
        assert_int_equal(sc_blunder_on_price(b, T0 - (3 - i) * S, (sc_px){ENTRY}), SC_OK);
    }
    assert_int_equal(sc_blunder_open(b, 1, T0), SC_OK);
    assert_int_equal(sc_blunder_open(b, 2, T0), SC_ERR_FULL);
    sc_blunder_trade t = base();
    assert_int_equal(sc_blunder_close(b, &t), SC_OK);
    sc_blunder_report r;
    assert_true(sc_blunder_poll(b, t.exit_ns + 1, &r));
    assert_true(r.truncated);
    assert_int_equal(r.points_n, 2);
    sc_blunder_counters c;
    sc_blunder_counters_get(b, &c);
    assert_int_equal(c.opens_refused, 1);
    sc_blunder_destroy(b);
    /* A ring that wrapped but still covers the window is complete. */
    b = mk(1, 64, 2, 0);
    for (int64_t i = 0; i < 3; i++) {
        assert_int_equal(sc_blunder_on_price(b, T0 - 100 * S + i * S, (sc_px){ENTRY}), SC_OK);
    }
    assert_int_equal(sc_blunder_open(b, 1, T0), SC_OK);
    assert_int_equal(sc_blunder_close(b, &t), SC_OK);
    assert_true(sc_blunder_poll(b, t.exit_ns + 1, &r));
    assert_false(r.truncated);
    assert_int_equal(r.points_n, 0);
    sc_blunder_destroy(b);
}

static void test_poll_order(void **state) {
    (void)state;
    sc_blunder *b = mk(3, 64, 16, S);
    sc_blunder_trade a = base(), z = base(), y = base();
    a.id = 30;
    z.id = 10;
    y.id = 20;
    y.exit_ns = a.exit_ns - S; /* exits first */
    assert_int_equal(sc_blunder_open(b, 30, T0), SC_OK);
    assert_int_equal(sc_blunder_open(b, 10, T0), SC_OK);
    assert_int_equal(sc_blunder_open(b, 20, T0), SC_OK);
    assert_int_equal(sc_blunder_close(b, &a), SC_OK);
    assert_int_equal(sc_blunder_close(b, &z), SC_OK);
    assert_int_equal(sc_blunder_close(b, &y), SC_OK);
    sc_blunder_report r;
    int64_t want[] = {20, 10, 30};
    for (size_t i = 0; i < 3; i++) {
        assert_true(sc_blunder_poll(b, a.exit_ns + 2 * S, &r));
        assert_int_equal(r.id, want[i]);
    }
    assert_false(sc_blunder_poll(b, a.exit_ns + 2 * S, &r));
    sc_blunder_destroy(b);
}

/* One seeded session through the tracker; the reports folded into a hash. */
static uint64_t session(uint64_t seed) {
    sc_rng rng;
    sc_rng_seed(&rng, seed);
    sc_blunder *b = mk(4, 512, 64, 20 * S);
    uint64_t h = 1469598103934665603u;
    int64_t px = ENTRY;
    sc_ns ts = T0;
    sc_blunder_report r;
    for (int64_t k = 0; k < 20; k++) {
        sc_blunder_trade t = base();
        t.id = k + 1;
        t.side = sc_rng_below(&rng, 2) == 0 ? SC_SIDE_BUY : SC_SIDE_SELL;
        t.entry_style = sc_rng_below(&rng, 2) == 0 ? SC_ENTRY_MAKER : SC_ENTRY_TAKER;
        t.decision_ns = t.entry_ns = ts;
        t.decision_touch_px.ticks = t.entry_px.ticks = px;
        assert_int_equal(sc_blunder_open(b, t.id, ts), SC_OK);
        for (int i = 0; i < 30; i++) {
            ts += (sc_ns)sc_rng_below(&rng, (uint64_t)(2 * S));
            px += (int64_t)sc_rng_below(&rng, 121) - 60;
            assert_int_equal(sc_blunder_on_price(b, ts, (sc_px){px}), SC_OK);
            while (sc_blunder_poll(b, ts, &r)) {
                h = report_hash(h, &r);
            }
        }
        int64_t d = t.side == SC_SIDE_BUY ? 1 : -1;
        t.stop_px.ticks = t.entry_px.ticks - d * STOP_DIST;
        t.target_px.ticks = t.entry_px.ticks + d * STOP_DIST;
        t.exit_px.ticks = px;
        t.exit_ns = ts;
        t.net_pnl.e8 = d * (px - t.entry_px.ticks);
        t.gross_pnl.e8 = t.net_pnl.e8 + 1;
        assert_int_equal(sc_blunder_close(b, &t), SC_OK);
    }
    sc_blunder_destroy(b);
    return h;
}

static void test_determinism(void **state) {
    (void)state;
    assert_true(session(7) == session(7));
    assert_true(session(7) != session(8));
}

static void test_label_table(void **state) {
    (void)state;
    for (int i = 0; i < SC_BLUNDER_LABEL_COUNT; i++) {
        const char *n = sc_blunder_label_name((sc_blunder_label)i);
        const char *d = sc_blunder_label_definition((sc_blunder_label)i);
        assert_true(strlen(n) > 0 && strcmp(n, "?") != 0);
        assert_true(strlen(d) > 10);
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(n, sc_blunder_label_name((sc_blunder_label)j));
        }
    }
    assert_string_equal(sc_blunder_label_name(SC_BLUNDER_LABEL_COUNT), "?");
    assert_string_equal(sc_blunder_label_definition((sc_blunder_label)99), "?");
    assert_string_equal(sc_blunder_label_name(SC_BLUNDER_MAX_HOLD_TIMEOUT), "max_hold_timeout");
    /* The texts quote the constants. */
    assert_non_null(strstr(sc_blunder_label_definition(SC_BLUNDER_LUCKY_WIN), ">= 80 *"));
    assert_non_null(strstr(sc_blunder_label_definition(SC_BLUNDER_CHASED_ENTRY), "30 s"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_is_clean_only),
        cmocka_unit_test(test_clean_win),
        cmocka_unit_test(test_lucky_win),
        cmocka_unit_test(test_stopped_then_reversed),
        cmocka_unit_test(test_premature_exit),
        cmocka_unit_test(test_late_entry),
        cmocka_unit_test(test_chased_entry),
        cmocka_unit_test(test_fee_drag),
        cmocka_unit_test(test_against_regime),
        cmocka_unit_test(test_adverse_selection),
        cmocka_unit_test(test_max_hold_timeout),
        cmocka_unit_test(test_mfe_mae_exact),
        cmocka_unit_test(test_lookahead_boundary),
        cmocka_unit_test(test_analyze_refuses),
        cmocka_unit_test(test_tracker_lifecycle),
        cmocka_unit_test(test_path_limit),
        cmocka_unit_test(test_recent_ring_and_slots),
        cmocka_unit_test(test_poll_order),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_label_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
