/* test_rulebook.c: the compiled hard limits, tightening (and the refusal to
 * loosen), the canonical text and its hash, and one test per hard limit that
 * tries to break it and fails, with the boundary just inside allowed. */
#include "risk_fixture.h"

#include "core/limits.h"
#include "engine/config.h"
#include "risk/rulebook.h"

static const char k_hard_text[] = "scalper-rulebook 1\n"
                                  "max_position_btc = 0.500 (hard 0.500)\n"
                                  "max_daily_loss_pct = 2.00 (hard 2.00)\n"
                                  "max_drawdown_pct = 5.00 (hard 5.00)\n"
                                  "max_spread_bps = 10.00 (hard 10.00)\n"
                                  "min_hold_s = 5 (hard 5)\n"
                                  "max_hold_s = 300 (hard 300)\n"
                                  "max_consecutive_losses = 5 (hard 5)\n"
                                  "max_leverage = 3.00 (hard 3.00)\n";

static sc_rulebook *make(const sc_rulebook_limits *l) {
    sc_rulebook_config cfg = {*l};
    sc_rulebook *rb = NULL;
    sc_errinfo err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(sc_rulebook_create(&cfg, &rb, &err), SC_OK);
    assert_non_null(rb);
    return rb;
}

static sc_rulebook *make_hard(void) {
    sc_rulebook *rb = NULL;
    assert_int_equal(sc_rulebook_create(NULL, &rb, NULL), SC_OK);
    return rb;
}

static void test_hard_limits_text_and_hash(void **state) {
    (void)state;
    sc_rulebook_limits hard = sc_rulebook_limits_hard();
    assert_int_equal(hard.position_steps_max, 500);
    assert_int_equal(hard.daily_loss_bps_max, 200);
    assert_int_equal(hard.drawdown_bps_max, 500);
    assert_int_equal(hard.spread_bps_x100_max, 1000);
    assert_int_equal(hard.hold_s_min, 5);
    assert_int_equal(hard.hold_s_max, 300);
    assert_int_equal(hard.consecutive_losses_max, 5);
    assert_int_equal(hard.leverage_x100_max, 300);
    assert_int_equal(sc_rulebook_limits_check(&hard, NULL), SC_OK);

    sc_rulebook *rb = make_hard();
    assert_string_equal(sc_rulebook_text(rb), k_hard_text);
    assert_false(sc_rulebook_is_tightened(rb));
    assert_memory_equal(sc_rulebook_limits_of(rb), &hard, sizeof(hard));
    assert_int_equal(sc_rulebook_hold_min_ns(rb), SC_LIMIT_MIN_HOLD_NS);
    assert_int_equal(sc_rulebook_hold_max_ns(rb), SC_LIMIT_MAX_HOLD_NS);
    char want[SC_SHA256_HEX_LEN + 1];
    assert_int_equal(sc_sha256_hex(k_hard_text, strlen(k_hard_text), want), SC_OK);
    assert_string_equal(sc_rulebook_hash(rb), want);
    print_message("  rulebook hash of the compiled limits: %s\n", want);
    /* The same limits always give the same hash. */
    sc_rulebook *again = make(&hard);
    assert_string_equal(sc_rulebook_hash(again), want);
    sc_rulebook_destroy(again);
    sc_rulebook_destroy(rb);
    sc_rulebook_destroy(NULL);
}

/* Tightens field i of the limits by one unit in the safe direction. */
static void tighten_one(sc_rulebook_limits *l, int i) {
    int64_t *f[] = {&l->position_steps_max,     &l->daily_loss_bps_max, &l->drawdown_bps_max,
                    &l->spread_bps_x100_max,    &l->hold_s_min,         &l->hold_s_max,
                    &l->consecutive_losses_max, &l->leverage_x100_max};
    *f[i] += i == 4 ? 1 : -1; /* min hold: longer is tighter */
}

static void test_tightening_changes_the_hash(void **state) {
    (void)state;
    sc_rulebook *base = make_hard();
    char hashes[8][SC_SHA256_HEX_LEN + 1];
    for (int i = 0; i < 8; i++) {
        sc_rulebook_limits l = sc_rulebook_limits_hard();
        tighten_one(&l, i);
        sc_rulebook *rb = make(&l);
        assert_true(sc_rulebook_is_tightened(rb));
        assert_string_not_equal(sc_rulebook_hash(rb), sc_rulebook_hash(base));
        snprintf(hashes[i], sizeof(hashes[i]), "%s", sc_rulebook_hash(rb));
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(hashes[i], hashes[j]);
        }
        sc_rulebook_destroy(rb);
    }
    /* The tightened value is in the text, beside the hard one. */
    sc_rulebook_limits l = sc_rulebook_limits_hard();
    l.spread_bps_x100_max = 800;
    l.position_steps_max = 100;
    sc_rulebook *rb = make(&l);
    assert_non_null(strstr(sc_rulebook_text(rb), "max_spread_bps = 8.00 (hard 10.00)\n"));
    assert_non_null(strstr(sc_rulebook_text(rb), "max_position_btc = 0.100 (hard 0.500)\n"));
    assert_int_equal(sc_rulebook_limits_of(rb)->spread_bps_x100_max, 800);
    sc_rulebook_destroy(rb);
    sc_rulebook_destroy(base);
}

static void expect_refused(const sc_rulebook_limits *l, const char *field, const char *expected,
                           const char *got) {
    sc_rulebook_config cfg = {*l};
    sc_rulebook *rb = NULL;
    sc_errinfo err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(sc_rulebook_create(&cfg, &rb, &err), SC_ERR_RANGE);
    assert_null(rb); /* untouched */
    char line[400];
    print_message("  refused: %s\n", sc_errinfo_format(&err, line, sizeof(line)));
    assert_string_equal(err.field, field);
    assert_string_equal(err.expected, expected);
    assert_string_equal(err.got, got);
    assert_int_equal(sc_rulebook_limits_check(l, NULL), SC_ERR_RANGE);
}

static void test_loosening_is_refused(void **state) {
    (void)state;
    static const char *const tight = "(the hard limit: a config may only tighten it)";
    struct {
        const char *field;
        const char *bound;
        const char *got;
    } cases[] = {
        {"risk.max_position_btc", "at most 0.500", "0.501"},
        {"risk.max_daily_loss_pct", "at most 2.00", "2.01"},
        {"risk.max_drawdown_pct", "at most 5.00", "5.01"},
        {"risk.max_spread_bps", "at most 10.00", "10.01"},
        {"risk.min_hold_s", "at least 5", "4"},
        {"risk.max_hold_s", "at most 300", "301"},
        {"risk.max_consecutive_losses", "at most 5", "6"},
        {"risk.max_leverage", "at most 3.00", "3.01"},
    };
    for (int i = 0; i < 8; i++) {
        sc_rulebook_limits l = sc_rulebook_limits_hard();
        tighten_one(&l, i); /* one step tighter ... */
        int64_t *f[] = {&l.position_steps_max,     &l.daily_loss_bps_max, &l.drawdown_bps_max,
                        &l.spread_bps_x100_max,    &l.hold_s_min,         &l.hold_s_max,
                        &l.consecutive_losses_max, &l.leverage_x100_max};
        *f[i] += i == 4 ? -2 : 2; /* ... then one step looser than the hard limit */
        char expected[SC_ERRINFO_TEXT_MAX];
        snprintf(expected, sizeof(expected), "%s %s", cases[i].bound, tight);
        expect_refused(&l, cases[i].field, expected, cases[i].got);
    }
    /* Nonsense that is not looser is refused too, with the range. */
    sc_rulebook_limits l = sc_rulebook_limits_hard();
    l.position_steps_max = 0;
    expect_refused(&l, "risk.max_position_btc", "0.001..0.500", "0.000");
    l = sc_rulebook_limits_hard();
    l.leverage_x100_max = 50;
    expect_refused(&l, "risk.max_leverage", "1.00..3.00", "0.50");
    l = sc_rulebook_limits_hard();
    l.hold_s_min = 60;
    l.hold_s_max = 30;
    expect_refused(&l, "risk.max_hold_s", "at least risk.min_hold_s (60)", "30");
    /* A min hold above the max hold limit is out of range. */
    l = sc_rulebook_limits_hard();
    l.hold_s_min = 301;
    expect_refused(&l, "risk.min_hold_s", "5..300", "301");
}

/* ---- each hard limit: try to break it, fail; the boundary passes ------- */

static void test_limit_max_position(void **state) {
    (void)state;
    sc_rulebook *rb = make_hard();
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    /* At 0.5 BTC long, one more lot of entry. */
    assert_false(sc_rulebook_check_position(rb, 500, SC_SIDE_BUY, (sc_qty){1}, &v));
    fx_expect_veto(&v, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_POSITION_LIMIT);
    fx_expect_values(&v, 0.501, 0.5, "BTC");
    assert_string_equal(v.detail, "position 0.500 BTC + buy 0.001 BTC = 0.501 BTC > max 0.500 BTC");
    /* The same short. */
    sc_veto_verdict_allow(&v);
    assert_false(sc_rulebook_check_position(rb, -500, SC_SIDE_SELL, (sc_qty){1}, &v));
    fx_expect_values(&v, 0.501, 0.5, "BTC");
    /* From flat, one order past the limit. */
    sc_veto_verdict_allow(&v);
    assert_false(sc_rulebook_check_position(rb, 0, SC_SIDE_SELL, (sc_qty){501}, &v));
    /* Just inside: reaching exactly 0.5 BTC. */
    sc_veto_verdict_allow(&v);
    assert_true(sc_rulebook_check_position(rb, 490, SC_SIDE_BUY, (sc_qty){10}, &v));
    assert_true(sc_rulebook_check_position(rb, 0, SC_SIDE_SELL, (sc_qty){500}, &v));
    assert_true(v.allowed);
    /* No overflow sneaks past. */
    assert_false(sc_rulebook_check_position(rb, INT64_MAX, SC_SIDE_BUY, (sc_qty){INT64_MAX}, &v));
    assert_false(sc_rulebook_check_position(rb, 0, SC_SIDE_BUY, (sc_qty){INT64_MIN}, &v));
    /* Tightened to 0.1 BTC. */
    sc_rulebook_limits l = sc_rulebook_limits_hard();
    l.position_steps_max = 100;
    sc_rulebook *tight = make(&l);
    sc_veto_verdict_allow(&v);
    assert_false(sc_rulebook_check_position(tight, 100, SC_SIDE_BUY, (sc_qty){1}, &v));
    fx_expect_values(&v, 0.101, 0.1, "BTC");
    sc_rulebook_destroy(tight);
    sc_rulebook_destroy(rb);
}

static void test_limit_daily_loss(void **state) {
    (void)state;
    sc_rulebook *rb = make_hard();
    sc_rulebook_account a = fx_account();
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    /* 2 % of 10000 USDT lost today. */
    a.equity.e8 = FX_EQUITY_E8 - 200 * INT64_C(100000000);
    a.peak_equity.e8 = FX_EQUITY_E8;
    assert_false(sc_rulebook_check_daily_loss(rb, &a, &v));
    fx_expect_veto(&v, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_DAILY_LOSS);
    fx_expect_values(&v, 2.0, 2.0, "%");
    assert_string_equal(v.detail,
                        "daily loss 2.00 % of start-of-day equity 10000.00 USDT >= max 2.00 %");
    /* Just inside: 1e-8 USDT less lost. */
    sc_veto_verdict_allow(&v);
    a.equity.e8 += 1;
    assert_true(sc_rulebook_check_daily_loss(rb, &a, &v));
    assert_true(v.allowed);
    /* A day in profit, and an equity far below zero. */
    a.equity.e8 = FX_EQUITY_E8 * 2;
    assert_true(sc_rulebook_check_daily_loss(rb, &a, &v));
    a.equity.e8 = INT64_MIN;
    assert_false(sc_rulebook_check_daily_loss(rb, &a, &v));
    /* Start-of-day equity, not peak, is the base: a day that started lower. */
    a.day_start_equity.e8 = 5000 * INT64_C(100000000);
    a.equity.e8 = 4900 * INT64_C(100000000); /* 2 % of 5000 */
    sc_veto_verdict_allow(&v);
    assert_false(sc_rulebook_check_daily_loss(rb, &a, &v));
    fx_expect_values(&v, 2.0, 2.0, "%");
    sc_rulebook_destroy(rb);
}

static void test_limit_drawdown(void **state) {
    (void)state;
    sc_rulebook *rb = make_hard();
    sc_rulebook_account a = fx_account();
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    /* Peak 12000, equity 11400: 5 % down from the peak (the day is flat). */
    a.peak_equity.e8 = 12000 * INT64_C(100000000);
    a.equity.e8 = 11400 * INT64_C(100000000);
    a.day_start_equity.e8 = a.equity.e8;
    assert_false(sc_rulebook_check_drawdown(rb, &a, &v));
    fx_expect_veto(&v, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_DRAWDOWN);
    fx_expect_values(&v, 5.0, 5.0, "%");
    assert_true(sc_rulebook_check_daily_loss(rb, &a, &v)); /* not a daily loss */
    sc_veto_verdict_allow(&v);
    a.equity.e8 += 1;
    assert_true(sc_rulebook_check_drawdown(rb, &a, &v));
    /* Equity above a stale peak is the peak. */
    a.equity.e8 = a.peak_equity.e8 + 1;
    assert_true(sc_rulebook_check_drawdown(rb, &a, &v));
    assert_true(v.allowed);
    sc_rulebook_destroy(rb);
}

static void test_limit_spread(void **state) {
    (void)state;
    sc_rulebook *rb = make_hard();
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    /* mid 100000.0; 10.1 bps = 101.0 USDT = 1010 ticks. */
    sc_px bid = {FX_MID_TICKS - 505};
    sc_px ask = {FX_MID_TICKS + 505};
    assert_false(sc_rulebook_check_spread(rb, bid, ask, &v));
    fx_expect_veto(&v, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_SPREAD_LIMIT);
    fx_expect_values(&v, 10.1, 10.0, "bps");
    assert_string_equal(v.detail, "spread 10.10 bps > max 10.00 bps");
    /* Exactly 10 bps passes; one tick more does not. */
    sc_veto_verdict_allow(&v);
    assert_true(
        sc_rulebook_check_spread(rb, (sc_px){FX_MID_TICKS - 500}, (sc_px){FX_MID_TICKS + 500}, &v));
    assert_false(
        sc_rulebook_check_spread(rb, (sc_px){FX_MID_TICKS - 500}, (sc_px){FX_MID_TICKS + 501}, &v));
    /* No valid book is a veto, never a pass. */
    sc_veto_verdict_allow(&v);
    assert_false(sc_rulebook_check_spread(rb, (sc_px){0}, (sc_px){FX_MID_TICKS}, &v));
    assert_false(v.has_values);
    assert_false(sc_rulebook_check_spread(rb, (sc_px){FX_MID_TICKS}, (sc_px){FX_MID_TICKS}, &v));
    /* Tightened to 8 bps: 8.1 is refused. */
    sc_rulebook_limits l = sc_rulebook_limits_hard();
    l.spread_bps_x100_max = 800;
    sc_rulebook *tight = make(&l);
    assert_false(sc_rulebook_check_spread(tight, (sc_px){FX_MID_TICKS - 405},
                                          (sc_px){FX_MID_TICKS + 405}, &v));
    fx_expect_values(&v, 8.1, 8.0, "bps");
    sc_rulebook_destroy(tight);
    sc_rulebook_destroy(rb);
}

static void test_limit_min_hold(void **state) {
    (void)state;
    sc_rulebook *rb = make_hard();
    sc_position pos = fx_position(10, FX_T0_NS);
    sc_ns at = FX_T0_NS + 4900 * SC_NS_PER_MS; /* 4.9 s after the open */
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    /* A take-profit or signal exit at 4.9 s: held back. */
    assert_false(sc_rulebook_check_min_hold(rb, &pos, SC_PURPOSE_EXIT, at, &v));
    fx_expect_veto(&v, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_MIN_HOLD);
    fx_expect_values(&v, 4.9, 5.0, "s");
    /* A stop-loss or max-hold exit, and a kill-switch flatten, at 4.9 s: out. */
    sc_veto_verdict_allow(&v);
    assert_true(sc_rulebook_check_min_hold(rb, &pos, SC_PURPOSE_PROTECTIVE_EXIT, at, &v));
    assert_true(sc_rulebook_check_min_hold(rb, &pos, SC_PURPOSE_FLATTEN, at, &v));
    /* Just inside: the exit at exactly 5 s. */
    assert_true(
        sc_rulebook_check_min_hold(rb, &pos, SC_PURPOSE_EXIT, FX_T0_NS + 5 * SC_NS_PER_S, &v));
    assert_false(
        sc_rulebook_check_min_hold(rb, &pos, SC_PURPOSE_EXIT, FX_T0_NS + 5 * SC_NS_PER_S - 1, &v));
    /* A time before the open counts as no time held. */
    assert_false(sc_rulebook_check_min_hold(rb, &pos, SC_PURPOSE_EXIT, FX_T0_NS - 1, &v));
    fx_expect_values(&v, 0.0, 5.0, "s");
    /* Through the combined check, by purpose. */
    sc_order_intent ex = fx_exit(SC_PURPOSE_EXIT, 10, 10);
    sc_rulebook_input in = {fx_ins(), &ex, pos, at, fx_account(), {FX_BID_TICKS}, {FX_ASK_TICKS}};
    sc_veto_verdict_allow(&v);
    assert_false(sc_rulebook_check(rb, &in, &v));
    assert_int_equal(v.reason, SC_VETO_R_MIN_HOLD);
    ex.purpose = SC_PURPOSE_PROTECTIVE_EXIT;
    sc_veto_verdict_allow(&v);
    assert_true(sc_rulebook_check(rb, &in, &v));
    /* Tightened to 30 s. */
    sc_rulebook_limits l = sc_rulebook_limits_hard();
    l.hold_s_min = 30;
    sc_rulebook *tight = make(&l);
    assert_false(
        sc_rulebook_check_min_hold(tight, &pos, SC_PURPOSE_EXIT, FX_T0_NS + 29 * SC_NS_PER_S, &v));
    fx_expect_values(&v, 29.0, 30.0, "s");
    sc_rulebook_destroy(tight);
    sc_rulebook_destroy(rb);
}

static void test_limit_max_hold(void **state) {
    (void)state;
    sc_rulebook *rb = make_hard();
    sc_position pos = fx_position(10, FX_T0_NS);
    sc_ns at = FX_T0_NS + 300 * SC_NS_PER_S;
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    /* At 300 s the exit is due. */
    assert_true(sc_rulebook_max_hold_due(rb, &pos, at));
    assert_false(sc_rulebook_max_hold_due(rb, &pos, at - 1));
    sc_position flat = fx_position(0, 0);
    assert_false(sc_rulebook_max_hold_due(rb, &flat, at));
    /* An entry on top of the overdue position: vetoed. */
    assert_false(sc_rulebook_check_max_hold(rb, &pos, SC_PURPOSE_ENTRY, at, &v));
    fx_expect_veto(&v, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_MAX_HOLD);
    fx_expect_values(&v, 300.0, 300.0, "s");
    /* Every kind of exit passes. */
    sc_veto_verdict_allow(&v);
    assert_true(sc_rulebook_check_max_hold(rb, &pos, SC_PURPOSE_EXIT, at, &v));
    assert_true(sc_rulebook_check_max_hold(rb, &pos, SC_PURPOSE_PROTECTIVE_EXIT, at, &v));
    assert_true(sc_rulebook_check_max_hold(rb, &pos, SC_PURPOSE_FLATTEN, at, &v));
    /* Just inside: 299.999999999 s, the entry is judged by the others. */
    assert_true(sc_rulebook_check_max_hold(rb, &pos, SC_PURPOSE_ENTRY, at - 1, &v));
    /* Tightened to 60 s. */
    sc_rulebook_limits l = sc_rulebook_limits_hard();
    l.hold_s_max = 60;
    sc_rulebook *tight = make(&l);
    assert_true(sc_rulebook_max_hold_due(tight, &pos, FX_T0_NS + 60 * SC_NS_PER_S));
    assert_false(sc_rulebook_max_hold_due(tight, &pos, FX_T0_NS + 60 * SC_NS_PER_S - 1));
    sc_rulebook_destroy(tight);
    sc_rulebook_destroy(rb);
}

static void test_limit_consecutive_losses(void **state) {
    (void)state;
    sc_rulebook *rb = make_hard();
    sc_rulebook_account a = fx_account();
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    a.consecutive_losses = 5;
    assert_false(sc_rulebook_check_losses(rb, &a, &v));
    fx_expect_veto(&v, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_CONSECUTIVE_LOSSES);
    fx_expect_values(&v, 5.0, 5.0, "trades");
    assert_string_equal(v.detail, "5 losing trades in a row >= max 5");
    sc_veto_verdict_allow(&v);
    a.consecutive_losses = 4;
    assert_true(sc_rulebook_check_losses(rb, &a, &v));
    assert_true(v.allowed);
    sc_rulebook_destroy(rb);
}

static void test_limit_leverage(void **state) {
    (void)state;
    sc_rulebook *rb = make_hard();
    sc_rulebook_account a = fx_account();
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    /* Equity 10000 USDT at 100000.0: 0.301 BTC is 30100 USDT = 3.01x. */
    sc_px px = {FX_MID_TICKS};
    assert_false(sc_rulebook_check_leverage(rb, fx_ins(), 301, px, &a, &v));
    fx_expect_veto(&v, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_LEVERAGE);
    fx_expect_values(&v, 3.01, 3.0, "x");
    sc_veto_verdict_allow(&v);
    assert_false(sc_rulebook_check_leverage(rb, fx_ins(), -301, px, &a, &v)); /* short too */
    /* Just inside: exactly 3x. */
    sc_veto_verdict_allow(&v);
    assert_true(sc_rulebook_check_leverage(rb, fx_ins(), 300, px, &a, &v));
    assert_true(sc_rulebook_check_leverage(rb, fx_ins(), -300, px, &a, &v));
    /* The position after the order counts: 0.2 held + 0.101 bought. */
    sc_order_intent it = fx_entry(SC_SIDE_BUY, 101);
    it.px = px;
    sc_rulebook_input in = {fx_ins(),          &it, fx_position(200, FX_T0_NS - SC_NS_PER_S),
                            FX_T0_NS,          a,   {FX_MID_TICKS - 1},
                            {FX_MID_TICKS + 1}};
    assert_false(sc_rulebook_check(rb, &in, &v));
    assert_int_equal(v.reason, SC_VETO_R_LEVERAGE);
    it.qty.steps = 100;
    sc_veto_verdict_allow(&v);
    assert_true(sc_rulebook_check(rb, &in, &v));
    sc_rulebook_destroy(rb);
}

static void test_account_and_order_of_entry_checks(void **state) {
    (void)state;
    sc_rulebook *rb = make_hard();
    sc_order_intent it = fx_entry(SC_SIDE_BUY, 10);
    sc_rulebook_input in = {
        fx_ins(), &it, fx_position(0, 0), FX_T0_NS, fx_account(), {FX_BID_TICKS}, {FX_ASK_TICKS}};
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    assert_true(sc_rulebook_check(rb, &in, &v));
    /* An account without equity: no entry, before anything else. */
    in.account.equity.e8 = 0;
    in.account.consecutive_losses = 9;
    assert_false(sc_rulebook_check(rb, &in, &v));
    assert_int_equal(v.reason, SC_VETO_R_ACCOUNT_INVALID);
    /* Daily loss before drawdown before losses before spread. */
    in.account = fx_account();
    in.account.equity.e8 = FX_EQUITY_E8 / 2;
    in.account.consecutive_losses = 9;
    in.ask.ticks = FX_MID_TICKS + 5000;
    assert_false(sc_rulebook_check(rb, &in, &v));
    assert_int_equal(v.reason, SC_VETO_R_DAILY_LOSS);
    in.account.day_start_equity.e8 = FX_EQUITY_E8 / 2;
    assert_false(sc_rulebook_check(rb, &in, &v));
    assert_int_equal(v.reason, SC_VETO_R_DRAWDOWN);
    in.account = fx_account();
    in.account.consecutive_losses = 9;
    assert_false(sc_rulebook_check(rb, &in, &v));
    assert_int_equal(v.reason, SC_VETO_R_CONSECUTIVE_LOSSES);
    in.account.consecutive_losses = 0;
    assert_false(sc_rulebook_check(rb, &in, &v));
    assert_int_equal(v.reason, SC_VETO_R_SPREAD_LIMIT);
    /* Exits are not held to the entry limits. */
    in.account.equity.e8 = 1;
    sc_order_intent ex = fx_exit(SC_PURPOSE_EXIT, 10, 10);
    in.intent = &ex;
    in.pos = fx_position(10, FX_T0_NS - 10 * SC_NS_PER_S);
    sc_veto_verdict_allow(&v);
    assert_true(sc_rulebook_check(rb, &in, &v));
    sc_rulebook_destroy(rb);
}

static void test_exact_arithmetic(void **state) {
    (void)state;
    assert_int_equal(sc_rulebook_cmp_products(INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX), 0);
    assert_int_equal(sc_rulebook_cmp_products(INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX - 1), 1);
    assert_int_equal(sc_rulebook_cmp_products(INT64_MAX - 1, INT64_MAX, INT64_MAX, INT64_MAX), -1);
    assert_int_equal(sc_rulebook_cmp_products(0, INT64_MAX, 0, 0), 0);
    assert_int_equal(
        sc_rulebook_cmp_products(INT64_C(1) << 40, INT64_C(1) << 40, 1, INT64_C(1) << 62), 1);
    assert_int_equal(sc_rulebook_cmp_products(6, 7, 3, 14), 0);
    int64_t n = 0;
    /* 1 lot at 100000.0 is 100 USDT. */
    assert_true(sc_rulebook_notional_e8(fx_ins(), (sc_px){FX_MID_TICKS}, 1, false, &n));
    assert_int_equal(n, INT64_C(100) * 100000000);
    assert_true(sc_rulebook_notional_e8(fx_ins(), (sc_px){FX_MID_TICKS}, -500, true, &n));
    assert_int_equal(n, INT64_C(50000) * 100000000);
    assert_false(sc_rulebook_notional_e8(fx_ins(), (sc_px){INT64_MAX / 2}, 500, true, &n));
    /* spot:BTCUSDT has a grid finer than 1e-8 (0.01 x 1e-8): rounding
     * direction is chosen. 0.01 x 0.00000001 = 1e-10 USDT. */
    const sc_instrument *spot = sc_instrument_find("spot:BTCUSDT");
    assert_non_null(spot);
    assert_true(sc_rulebook_notional_e8(spot, (sc_px){1}, 1, false, &n));
    assert_int_equal(n, 0);
    assert_true(sc_rulebook_notional_e8(spot, (sc_px){1}, 1, true, &n));
    assert_int_equal(n, 1);
}

/* The config's [risk] fields map one to one onto the rulebook's limits, and
 * the config's defaults are the compiled limits. */
static sc_rulebook_limits from_config(const sc_config_risk *r) {
    sc_rulebook_limits l = {r->position_steps_max,     r->daily_loss_bps_max, r->drawdown_bps_max,
                            r->spread_bps_x100_max,    r->hold_s_min,         r->hold_s_max,
                            r->consecutive_losses_max, r->leverage_x100_max};
    return l;
}

static void test_config_risk_section(void **state) {
    (void)state;
    sc_config c;
    sc_config_defaults(&c);
    sc_rulebook_limits l = from_config(&c.risk);
    sc_rulebook_limits hard = sc_rulebook_limits_hard();
    assert_memory_equal(&l, &hard, sizeof(l));
    /* A config tightened through the file gives another rulebook hash. */
    char dir[SC_TEST_PATH_MAX];
    char path[SC_TEST_PATH_MAX + 16];
    sc_test_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/risk.ini", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[risk]\nmax_spread_bps = 7.5\nmin_hold_s = 10\n", f);
    fclose(f);
    sc_config_errors errs;
    assert_int_equal(sc_config_load(path, &c, &errs), SC_OK);
    l = from_config(&c.risk);
    sc_rulebook *base = make_hard();
    sc_rulebook *rb = make(&l);
    assert_string_not_equal(sc_rulebook_hash(rb), sc_rulebook_hash(base));
    assert_non_null(strstr(sc_rulebook_text(rb), "max_spread_bps = 7.50 (hard 10.00)\n"));
    assert_non_null(strstr(sc_rulebook_text(rb), "min_hold_s = 10 (hard 5)\n"));
    assert_int_equal(sc_rulebook_hold_min_ns(rb), 10 * SC_NS_PER_S);
    sc_rulebook_destroy(rb);
    sc_rulebook_destroy(base);
    remove(path);
    remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hard_limits_text_and_hash),
        cmocka_unit_test(test_tightening_changes_the_hash),
        cmocka_unit_test(test_loosening_is_refused),
        cmocka_unit_test(test_limit_max_position),
        cmocka_unit_test(test_limit_daily_loss),
        cmocka_unit_test(test_limit_drawdown),
        cmocka_unit_test(test_limit_spread),
        cmocka_unit_test(test_limit_min_hold),
        cmocka_unit_test(test_limit_max_hold),
        cmocka_unit_test(test_limit_consecutive_losses),
        cmocka_unit_test(test_limit_leverage),
        cmocka_unit_test(test_account_and_order_of_entry_checks),
        cmocka_unit_test(test_exact_arithmetic),
        cmocka_unit_test(test_config_risk_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
