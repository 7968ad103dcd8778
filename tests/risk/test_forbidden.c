/* test_forbidden.c: each forbidden condition at its bound (the parameter
 * value passes, one unit past it is forbidden), which purposes each one
 * judges, the order of the checks, and the parameters' bounds. */
#include "risk_fixture.h"

#include "core/limits.h"
#include "risk/forbidden.h"

typedef struct {
    sc_params p;
    sc_forbidden_inputs in;
    sc_veto_verdict v;
} fx;

static void fx_calm(fx *f) {
    sc_params_defaults(&f->p);
    sc_forbidden_inputs_calm(&f->in, fx_level(FX_BID_TICKS, 5000), fx_level(FX_ASK_TICKS, 5000),
                             FX_T0_NS);
    sc_veto_verdict_allow(&f->v);
}

static bool entry_at(fx *f, sc_ns now_ns) {
    sc_veto_verdict_allow(&f->v);
    return sc_forbidden_check(&f->p, &f->in, SC_PURPOSE_ENTRY, now_ns, &f->v);
}

/* An entry at now_ns with a book updated at that instant. */
static bool fresh_entry_at(fx *f, sc_ns now_ns) {
    f->in.book_update_ns = now_ns;
    return entry_at(f, now_ns);
}

static bool entry(fx *f) {
    return entry_at(f, FX_T0_NS);
}

static bool check(fx *f, sc_order_purpose purpose) {
    sc_veto_verdict_allow(&f->v);
    return sc_forbidden_check(&f->p, &f->in, purpose, FX_T0_NS, &f->v);
}

static void test_parameters(void **state) {
    (void)state;
    const char *keys[] = {
        "forbidden.spread_bps",    "forbidden.stale_ms",          "forbidden.thin_top_steps",
        "forbidden.vol_shock_bps", "forbidden.vol_window_s",      "forbidden.funding_window_s",
        "forbidden.clock_skew_ms", "forbidden.rate_headroom_pct", "forbidden.latency_ms"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const sc_param_def *d = sc_param_find(keys[i]);
        assert_non_null(d);
        assert_true(d->min <= d->def && d->def <= d->max);
    }
    /* The forbidden spread can never be looser than the hard limit. */
    assert_true(sc_param_def_of(SC_P_FORBID_SPREAD_BPS)->max <= (double)SC_LIMIT_MAX_SPREAD_BPS);
    assert_true(sc_param_def_of(SC_P_FORBID_SPREAD_BPS)->min > 0.0);
}

static void test_calm_market_passes_everything(void **state) {
    (void)state;
    fx f;
    fx_calm(&f);
    assert_true(entry(&f));
    assert_true(f.v.allowed);
    assert_true(check(&f, SC_PURPOSE_EXIT));
    assert_true(check(&f, SC_PURPOSE_PROTECTIVE_EXIT));
    assert_true(check(&f, SC_PURPOSE_FLATTEN));
}

static void test_book_integrity(void **state) {
    (void)state;
    fx f;
    fx_calm(&f);
    f.in.book_synced = false;
    assert_false(entry(&f));
    fx_expect_veto(&f.v, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_BOOK_NOT_SYNCED);
    fx_calm(&f);
    f.in.ask.px.ticks = 0; /* one side empty */
    assert_false(entry(&f));
    assert_int_equal(f.v.reason, SC_VETO_R_BOOK_NOT_SYNCED);
    fx_calm(&f);
    f.in.bid.px.ticks = FX_ASK_TICKS; /* bid == ask */
    assert_false(entry(&f));
    fx_expect_veto(&f.v, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_BOOK_CROSSED);
    fx_expect_values(&f.v, (double)FX_ASK_TICKS, (double)FX_ASK_TICKS, "ticks");
}

static void test_stale_data(void **state) {
    (void)state;
    fx f;
    fx_calm(&f);
    /* forbidden.stale_ms = 2000: 2000 ms old passes, 2000.000001 does not. */
    f.in.book_update_ns = FX_T0_NS - 2000 * SC_NS_PER_MS;
    assert_true(entry(&f));
    f.in.book_update_ns -= 1;
    assert_false(entry(&f));
    fx_expect_veto(&f.v, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_DATA_STALE);
    fx_expect_values(&f.v, 2000.000001, 2000.0, "ms");
    /* Tighter parameter. */
    f.p.v[SC_P_FORBID_STALE_MS] = 100;
    f.in.book_update_ns = FX_T0_NS - 101 * SC_NS_PER_MS;
    assert_false(entry(&f));
    fx_expect_values(&f.v, 101.0, 100.0, "ms");
    /* No update ever. */
    f.in.book_update_ns = 0;
    assert_false(entry(&f));
    assert_int_equal(f.v.reason, SC_VETO_R_DATA_STALE);
    assert_false(f.v.has_values);
    /* An update stamped after now is fresh. */
    f.in.book_update_ns = FX_T0_NS + SC_NS_PER_S;
    assert_true(entry(&f));
}

static void test_clock_skew(void **state) {
    (void)state;
    fx f;
    fx_calm(&f);
    f.in.clock_offset_ns = 500 * SC_NS_PER_MS; /* forbidden.clock_skew_ms = 500 */
    assert_true(entry(&f));
    f.in.clock_offset_ns = -500 * SC_NS_PER_MS;
    assert_true(entry(&f));
    f.in.clock_offset_ns = -501 * SC_NS_PER_MS;
    assert_false(entry(&f));
    fx_expect_veto(&f.v, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_CLOCK_SKEW);
    fx_expect_values(&f.v, 501.0, 500.0, "ms");
    f.in.clock_offset_ns = INT64_MIN;
    assert_false(entry(&f));
    f.in.clock_offset_ns = 0;
    f.in.clock_offset_known = false;
    assert_false(entry(&f));
    assert_int_equal(f.v.reason, SC_VETO_R_CLOCK_SKEW);
    assert_false(f.v.has_values);
}

static void test_spread_and_thin_top(void **state) {
    (void)state;
    fx f;
    fx_calm(&f);
    /* forbidden.spread_bps = 5: 500 ticks around a mid of 1000000 ticks. */
    f.in.bid.px.ticks = FX_MID_TICKS - 250;
    f.in.ask.px.ticks = FX_MID_TICKS + 250;
    assert_true(entry(&f));
    f.in.ask.px.ticks += 2;
    assert_false(entry(&f));
    fx_expect_veto(&f.v, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_SPREAD_WIDE);
    assert_true(f.v.value > 5.0 && f.v.value < 5.03);
    /* 10.1 bps is forbidden at any setting (max 10). */
    f.p.v[SC_P_FORBID_SPREAD_BPS] = sc_param_def_of(SC_P_FORBID_SPREAD_BPS)->max;
    f.in.bid.px.ticks = FX_MID_TICKS - 505;
    f.in.ask.px.ticks = FX_MID_TICKS + 505;
    assert_false(entry(&f));
    fx_expect_values(&f.v, 10.1, 10.0, "bps");
    /* Thin top: forbidden.thin_top_steps = 20. */
    fx_calm(&f);
    f.in.ask.qty.steps = 20;
    assert_true(entry(&f));
    f.in.ask.qty.steps = 19;
    assert_false(entry(&f));
    fx_expect_veto(&f.v, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_THIN_TOP);
    fx_expect_values(&f.v, 19.0, 20.0, "steps");
    f.p.v[SC_P_FORBID_THIN_TOP_STEPS] = 0; /* off */
    f.in.ask.qty.steps = 0;
    assert_true(entry(&f));
}

static void test_volatility_shock(void **state) {
    (void)state;
    fx f;
    fx_calm(&f);
    f.in.move_bps = 49.99; /* forbidden.vol_shock_bps = 50 */
    assert_true(entry(&f));
    f.in.move_bps = -50.0;
    assert_false(entry(&f));
    fx_expect_veto(&f.v, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_VOL_SHOCK);
    fx_expect_values(&f.v, 50.0, 50.0, "bps");
    f.in.move_bps = NAN; /* not enough history: fail closed */
    assert_false(entry(&f));
    assert_int_equal(f.v.reason, SC_VETO_R_VOL_SHOCK);
}

static void test_funding_window(void **state) {
    (void)state;
    fx f;
    fx_calm(&f);
    const sc_ns h8 = 8 * 3600 * SC_NS_PER_S;
    const sc_ns day = FX_T0_NS - 4 * 3600 * SC_NS_PER_S; /* 2024-01-01 00:00 UTC */
    assert_int_equal(sc_forbidden_funding_distance_ns(day), 0);
    assert_int_equal(sc_forbidden_funding_distance_ns(day + h8), 0);
    assert_int_equal(sc_forbidden_funding_distance_ns(day + 2 * h8), 0);
    assert_int_equal(sc_forbidden_funding_distance_ns(FX_T0_NS), 4 * 3600 * SC_NS_PER_S);
    assert_int_equal(sc_forbidden_funding_distance_ns(day - 1), 1);
    assert_int_equal(sc_forbidden_funding_distance_ns(0), 0);
    /* forbidden.funding_window_s = 120, around 08:00, 16:00 and 00:00. */
    for (int k = 1; k <= 3; k++) {
        sc_ns ft = day + k * h8;
        assert_false(fresh_entry_at(&f, ft));
        fx_expect_veto(&f.v, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_FUNDING_WINDOW);
        fx_expect_values(&f.v, 0.0, 120.0, "s");
        assert_false(fresh_entry_at(&f, ft - 120 * SC_NS_PER_S + 1));
        assert_true(fresh_entry_at(&f, ft - 120 * SC_NS_PER_S));
        assert_false(fresh_entry_at(&f, ft + 120 * SC_NS_PER_S - 1));
        assert_true(fresh_entry_at(&f, ft + 120 * SC_NS_PER_S));
    }
    /* 0 = off. */
    f.p.v[SC_P_FORBID_FUNDING_WINDOW_S] = 0;
    assert_true(fresh_entry_at(&f, day + h8));
}

static void test_news_and_hooks(void **state) {
    (void)state;
    fx f;
    fx_calm(&f);
    f.in.news_blackout = true;
    assert_false(entry(&f));
    fx_expect_veto(&f.v, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_NEWS_BLACKOUT);
    assert_false(f.v.has_values);
    /* Rate-limit headroom and latency: not judged until reported. */
    fx_calm(&f);
    f.in.rate_headroom_pct = 0.0;
    f.in.latency_ns = 60 * SC_NS_PER_S;
    assert_true(entry(&f));
    f.in.rate_headroom_known = true;
    f.in.rate_headroom_pct = 20.0; /* forbidden.rate_headroom_pct = 20 */
    assert_true(entry(&f));
    f.in.rate_headroom_pct = 19.9;
    assert_false(entry(&f));
    fx_expect_veto(&f.v, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_RATE_HEADROOM);
    fx_expect_values(&f.v, 19.9, 20.0, "%");
    f.in.rate_headroom_pct = NAN;
    assert_false(entry(&f));
    f.in.rate_headroom_pct = 50.0;
    f.in.latency_known = true;
    f.in.latency_ns = 1000 * SC_NS_PER_MS; /* forbidden.latency_ms = 1000 */
    assert_true(entry(&f));
    f.in.latency_ns += 1;
    assert_false(entry(&f));
    fx_expect_veto(&f.v, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_LATENCY);
}

/* Integrity conditions judge signal exits too; market conditions only
 * entries; protective orders are never judged. */
static void test_purposes(void **state) {
    (void)state;
    fx f;
    fx_calm(&f);
    /* market conditions */
    f.in.news_blackout = true;
    f.in.move_bps = NAN;
    f.in.ask.qty.steps = 0;
    f.in.ask.px.ticks = FX_MID_TICKS + 2000; /* 20 bps */
    assert_false(entry(&f));
    assert_true(check(&f, SC_PURPOSE_EXIT));
    assert_true(check(&f, SC_PURPOSE_PROTECTIVE_EXIT));
    /* integrity conditions */
    sc_veto_reason integrity[] = {SC_VETO_R_BOOK_NOT_SYNCED, SC_VETO_R_BOOK_CROSSED,
                                  SC_VETO_R_DATA_STALE,      SC_VETO_R_CLOCK_SKEW,
                                  SC_VETO_R_RATE_HEADROOM,   SC_VETO_R_LATENCY};
    for (size_t i = 0; i < sizeof(integrity) / sizeof(integrity[0]); i++) {
        fx_calm(&f);
        switch (integrity[i]) {
        case SC_VETO_R_BOOK_NOT_SYNCED:
            f.in.book_synced = false;
            break;
        case SC_VETO_R_BOOK_CROSSED:
            f.in.bid.px.ticks = FX_ASK_TICKS + 1;
            break;
        case SC_VETO_R_DATA_STALE:
            f.in.book_update_ns = FX_T0_NS - 60 * SC_NS_PER_S;
            break;
        case SC_VETO_R_CLOCK_SKEW:
            f.in.clock_offset_known = false;
            break;
        case SC_VETO_R_RATE_HEADROOM:
            f.in.rate_headroom_known = true;
            break;
        default:
            f.in.latency_known = true;
            f.in.latency_ns = 10 * SC_NS_PER_S;
            break;
        }
        assert_false(check(&f, SC_PURPOSE_EXIT));
        assert_int_equal(f.v.reason, integrity[i]);
        assert_false(entry(&f));
        assert_int_equal(f.v.reason, integrity[i]);
        assert_true(check(&f, SC_PURPOSE_PROTECTIVE_EXIT));
        assert_true(check(&f, SC_PURPOSE_FLATTEN));
    }
}

static void test_order_of_checks(void **state) {
    (void)state;
    fx f;
    fx_calm(&f);
    /* Everything wrong at once: the book first, then in the documented order. */
    f.in.book_synced = false;
    f.in.bid.px.ticks = FX_ASK_TICKS + 1;
    f.in.book_update_ns = 1;
    f.in.clock_offset_known = false;
    f.in.rate_headroom_known = true;
    f.in.latency_known = true;
    f.in.latency_ns = 60 * SC_NS_PER_S;
    f.in.ask.qty.steps = 0;
    f.in.move_bps = NAN;
    f.in.news_blackout = true;
    sc_ns at = FX_T0_NS + 4 * 3600 * SC_NS_PER_S; /* 08:00 UTC: funding */
    sc_veto_reason order[] = {
        SC_VETO_R_BOOK_NOT_SYNCED, SC_VETO_R_BOOK_CROSSED,  SC_VETO_R_DATA_STALE,
        SC_VETO_R_CLOCK_SKEW,      SC_VETO_R_RATE_HEADROOM, SC_VETO_R_LATENCY,
        SC_VETO_R_SPREAD_WIDE,     SC_VETO_R_THIN_TOP,      SC_VETO_R_VOL_SHOCK,
        SC_VETO_R_FUNDING_WINDOW,  SC_VETO_R_NEWS_BLACKOUT};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        assert_false(entry_at(&f, at));
        assert_string_equal(sc_veto_reason_name(f.v.reason), sc_veto_reason_name(order[i]));
        switch (order[i]) { /* heal this one */
        case SC_VETO_R_BOOK_NOT_SYNCED:
            f.in.book_synced = true;
            break;
        case SC_VETO_R_BOOK_CROSSED: /* crossed, then a 20 bps spread */
            f.in.bid.px.ticks = FX_MID_TICKS - 1000;
            f.in.ask.px.ticks = FX_MID_TICKS + 1000;
            break;
        case SC_VETO_R_DATA_STALE:
            f.in.book_update_ns = at;
            break;
        case SC_VETO_R_CLOCK_SKEW:
            f.in.clock_offset_known = true;
            break;
        case SC_VETO_R_RATE_HEADROOM:
            f.in.rate_headroom_known = false;
            break;
        case SC_VETO_R_LATENCY:
            f.in.latency_known = false;
            break;
        case SC_VETO_R_SPREAD_WIDE:
            f.in.bid.px.ticks = FX_BID_TICKS;
            f.in.ask.px.ticks = FX_ASK_TICKS;
            break;
        case SC_VETO_R_THIN_TOP:
            f.in.ask.qty.steps = 5000;
            break;
        case SC_VETO_R_VOL_SHOCK:
            f.in.move_bps = 0.0;
            break;
        case SC_VETO_R_FUNDING_WINDOW:
            at = FX_T0_NS;
            f.in.book_update_ns = at;
            break;
        default:
            f.in.news_blackout = false;
            break;
        }
    }
    assert_true(entry_at(&f, at));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_calm_market_passes_everything),
        cmocka_unit_test(test_book_integrity),
        cmocka_unit_test(test_stale_data),
        cmocka_unit_test(test_clock_skew),
        cmocka_unit_test(test_spread_and_thin_top),
        cmocka_unit_test(test_volatility_shock),
        cmocka_unit_test(test_funding_window),
        cmocka_unit_test(test_news_and_hooks),
        cmocka_unit_test(test_purposes),
        cmocka_unit_test(test_order_of_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
