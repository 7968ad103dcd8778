/* test_sanity.c: every sanity check at its bound, the exchange filters of
 * usdm:BTCUSDT, and what protective exits are and are not held to. */
#include "risk_fixture.h"

#include "risk/sanity.h"

typedef struct {
    sc_sanity_filters f;
    sc_order_intent it;
    sc_sanity_input in;
    sc_veto_verdict v;
} fx;

static void fx_setup(fx *x, sc_order_intent it, int64_t pos_steps) {
    sc_sanity_filters_default(fx_ins(), &x->f);
    x->it = it;
    memset(&x->in, 0, sizeof(x->in));
    x->in.intent = &x->it;
    x->in.pos = fx_position(pos_steps, FX_T0_NS - SC_NS_PER_S);
    x->in.mid_x2 = FX_BID_TICKS + FX_ASK_TICKS;
    sc_veto_verdict_allow(&x->v);
}

static bool run(fx *x) {
    sc_veto_verdict_allow(&x->v);
    return sc_sanity_check(&x->f, &x->in, &x->v);
}

static void expect(fx *x, sc_veto_reason r) {
    assert_false(run(x));
    fx_expect_veto(&x->v, SC_VETO_LEVEL_SANITY, r);
}

static void test_filters(void **state) {
    (void)state;
    sc_sanity_filters f;
    sc_sanity_filters_default(fx_ins(), &f);
    assert_int_equal(sc_sanity_filters_check(&f), SC_OK);
    assert_int_equal(f.min_notional.e8, INT64_C(100) * 100000000); /* 100 USDT */
    assert_int_equal(f.qty_steps_max_limit, 1000000);              /* 1000 BTC */
    assert_int_equal(f.qty_steps_max_market, 120000);              /* 120 BTC */
    assert_int_equal(f.px_band_protective_bps, 500);               /* PERCENT_PRICE 5 % */
    sc_sanity_filters bad = f;
    bad.tick_mult = 0;
    assert_int_equal(sc_sanity_filters_check(&bad), SC_ERR_INVALID_ARG);
    bad = f;
    bad.px_band_bps = bad.px_band_protective_bps + 1;
    assert_int_equal(sc_sanity_filters_check(&bad), SC_ERR_INVALID_ARG);
    bad = f;
    bad.ins = NULL;
    assert_int_equal(sc_sanity_filters_check(&bad), SC_ERR_INVALID_ARG);
}

static void test_good_orders_pass(void **state) {
    (void)state;
    fx x;
    fx_setup(&x, fx_entry(SC_SIDE_BUY, 10), 0);
    assert_true(run(&x));
    fx_setup(&x, fx_entry(SC_SIDE_SELL, 10), 0);
    assert_true(run(&x));
    fx_setup(&x, fx_entry(SC_SIDE_BUY, 10), 20); /* adding to a long */
    assert_true(run(&x));
    sc_order_purpose exits[] = {SC_PURPOSE_EXIT, SC_PURPOSE_PROTECTIVE_EXIT, SC_PURPOSE_FLATTEN};
    for (int i = 0; i < 3; i++) {
        fx_setup(&x, fx_exit(exits[i], 30, 30), 30);
        assert_true(run(&x));
        fx_setup(&x, fx_exit(exits[i], -30, 10), -30);
        assert_true(run(&x));
    }
}

static void test_grid_and_size(void **state) {
    (void)state;
    fx x;
    fx_setup(&x, fx_entry(SC_SIDE_BUY, 10), 0);
    snprintf(x.it.client_id, sizeof(x.it.client_id), "bad id");
    expect(&x, SC_VETO_R_CLIENT_ID_INVALID);
    x.it.client_id[0] = '\0';
    expect(&x, SC_VETO_R_CLIENT_ID_INVALID);

    fx_setup(&x, fx_entry(SC_SIDE_BUY, 10), 0);
    x.it.px.ticks = 0;
    expect(&x, SC_VETO_R_PX_INVALID);
    x.it.px.ticks = -5;
    expect(&x, SC_VETO_R_PX_INVALID);
    /* An exchange tick of 0.50 (5 of our ticks). */
    fx_setup(&x, fx_entry(SC_SIDE_BUY, 10), 0);
    x.f.tick_mult = 5;
    x.it.px.ticks = FX_MID_TICKS - 5;
    assert_true(run(&x));
    x.it.px.ticks = FX_MID_TICKS - 4;
    expect(&x, SC_VETO_R_PX_OFF_TICK);

    fx_setup(&x, fx_entry(SC_SIDE_BUY, 0), 0);
    expect(&x, SC_VETO_R_QTY_INVALID);
    x.it.qty.steps = -1;
    expect(&x, SC_VETO_R_QTY_INVALID);
    /* An exchange step of 0.002 (2 of our steps). */
    fx_setup(&x, fx_entry(SC_SIDE_BUY, 10), 0);
    x.f.step_mult = 2;
    assert_true(run(&x));
    x.it.qty.steps = 11;
    expect(&x, SC_VETO_R_QTY_OFF_STEP);
    /* Max quantity: MARKET 120 BTC, LIMIT 1000 BTC. */
    fx_setup(&x, fx_entry(SC_SIDE_BUY, 120000), 0);
    x.it.type = SC_ORD_MARKET;
    assert_true(run(&x));
    x.it.qty.steps = 120001;
    expect(&x, SC_VETO_R_QTY_TOO_LARGE);
    fx_expect_values(&x.v, 120001.0, 120000.0, "steps");
    x.it.type = SC_ORD_LIMIT;
    assert_true(run(&x));
    x.it.qty.steps = 1000001;
    expect(&x, SC_VETO_R_QTY_TOO_LARGE);
}

static void test_min_notional(void **state) {
    (void)state;
    fx x;
    /* 0.001 BTC at 100000.0 is exactly 100 USDT: passes. */
    fx_setup(&x, fx_entry(SC_SIDE_BUY, 1), 0);
    x.it.px.ticks = FX_MID_TICKS;
    assert_true(run(&x));
    /* At 99999.9 it is 99.9999 USDT. */
    x.it.px.ticks = FX_MID_TICKS - 1;
    expect(&x, SC_VETO_R_MIN_NOTIONAL);
    fx_expect_values(&x.v, 99.9999, 100.0, "USDT");
    /* Reduce-only orders are exempt: a small remainder can be closed. */
    fx_setup(&x, fx_exit(SC_PURPOSE_EXIT, 1, 1), 1);
    assert_true(run(&x));
}

static void test_position_fit(void **state) {
    (void)state;
    fx x;
    /* Entries. */
    fx_setup(&x, fx_entry(SC_SIDE_BUY, 10), 0);
    x.it.reduce_only = true;
    expect(&x, SC_VETO_R_REDUCE_ONLY_MISMATCH);
    fx_setup(&x, fx_entry(SC_SIDE_SELL, 10), 20); /* reversal in one order */
    expect(&x, SC_VETO_R_SIDE_MISMATCH);
    fx_setup(&x, fx_entry(SC_SIDE_BUY, 10), -20);
    expect(&x, SC_VETO_R_SIDE_MISMATCH);
    fx_setup(&x, fx_entry(SC_SIDE_BUY, 10), 0);
    x.in.entry_working = true;
    expect(&x, SC_VETO_R_DUPLICATE_ENTRY);
    /* Exits of every purpose, protective included. */
    sc_order_purpose exits[] = {SC_PURPOSE_EXIT, SC_PURPOSE_PROTECTIVE_EXIT, SC_PURPOSE_FLATTEN};
    for (int i = 0; i < 3; i++) {
        fx_setup(&x, fx_exit(exits[i], 30, 30), 30);
        x.it.reduce_only = false;
        expect(&x, SC_VETO_R_REDUCE_ONLY_MISMATCH);
        fx_setup(&x, fx_exit(exits[i], 30, 30), 0);
        expect(&x, SC_VETO_R_NOTHING_TO_CLOSE);
        fx_setup(&x, fx_exit(exits[i], 30, 30), -30); /* a sell against a short adds */
        expect(&x, SC_VETO_R_SIDE_MISMATCH);
        fx_setup(&x, fx_exit(exits[i], 30, 31), 30);
        expect(&x, SC_VETO_R_EXCEEDS_POSITION);
        fx_expect_values(&x.v, 31.0, 30.0, "steps");
        fx_setup(&x, fx_exit(exits[i], -30, 31), -30);
        expect(&x, SC_VETO_R_EXCEEDS_POSITION);
    }
}

static void test_price_band(void **state) {
    (void)state;
    fx x;
    /* 1 % of 100000.0 is 1000.0 = 10000 ticks. */
    fx_setup(&x, fx_entry(SC_SIDE_SELL, 10), 0);
    x.it.px.ticks = FX_MID_TICKS + 10000;
    x.it.stop_px.ticks = x.it.px.ticks + 1000;
    assert_true(run(&x));
    x.it.px.ticks += 1;
    expect(&x, SC_VETO_R_PX_OUT_OF_BAND);
    fx_expect_values(&x.v, 100.01, 100.0, "bps");
    /* Without a mid, an entry or signal exit cannot be checked. */
    fx_setup(&x, fx_entry(SC_SIDE_BUY, 10), 0);
    x.in.mid_x2 = 0;
    expect(&x, SC_VETO_R_NO_MID);
    fx_setup(&x, fx_exit(SC_PURPOSE_EXIT, 10, 10), 10);
    x.in.mid_x2 = 0;
    expect(&x, SC_VETO_R_NO_MID);
    /* Protective orders: only the exchange's 5 % band, and no mid needed. */
    sc_order_purpose prot[] = {SC_PURPOSE_PROTECTIVE_EXIT, SC_PURPOSE_FLATTEN};
    for (int i = 0; i < 2; i++) {
        fx_setup(&x, fx_exit(prot[i], 10, 10), 10);
        x.it.px.ticks = FX_MID_TICKS - 50000; /* 5 % below mid */
        assert_true(run(&x));
        x.it.px.ticks -= 1;
        expect(&x, SC_VETO_R_PX_OUT_OF_BAND);
        fx_expect_values(&x.v, x.v.value, 500.0, "bps");
        x.in.mid_x2 = 0;
        assert_true(run(&x));
    }
}

static void test_stop_and_target(void **state) {
    (void)state;
    fx x;
    sc_side sides[] = {SC_SIDE_BUY, SC_SIDE_SELL};
    for (int i = 0; i < 2; i++) {
        bool buy = sides[i] == SC_SIDE_BUY;
        fx_setup(&x, fx_entry(sides[i], 10), 0);
        int64_t px = x.it.px.ticks;
        x.it.stop_px.ticks = px; /* at the entry price: no protection */
        expect(&x, SC_VETO_R_STOP_WRONG_SIDE);
        x.it.stop_px.ticks = buy ? px + 100 : px - 100; /* on the winning side */
        expect(&x, SC_VETO_R_STOP_WRONG_SIDE);
        x.it.stop_px.ticks = 0; /* missing */
        expect(&x, SC_VETO_R_STOP_WRONG_SIDE);
        x.it.stop_px.ticks = buy ? px - 1 : px + 1; /* one tick on the right side */
        assert_true(run(&x));
        x.it.target_px.ticks = buy ? px - 100 : px + 100;
        expect(&x, SC_VETO_R_TARGET_WRONG_SIDE);
        x.it.target_px.ticks = 0;
        expect(&x, SC_VETO_R_TARGET_WRONG_SIDE);
        x.it.target_px.ticks = buy ? px + 1 : px - 1;
        assert_true(run(&x));
    }
    /* Exits carry no stop or target: not checked. */
    fx_setup(&x, fx_exit(SC_PURPOSE_EXIT, 10, 10), 10);
    x.it.stop_px.ticks = 0;
    assert_true(run(&x));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters),         cmocka_unit_test(test_good_orders_pass),
        cmocka_unit_test(test_grid_and_size),   cmocka_unit_test(test_min_notional),
        cmocka_unit_test(test_position_fit),    cmocka_unit_test(test_price_band),
        cmocka_unit_test(test_stop_and_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
