#include "features_fixture.h"

#include "features/microstructure.h"

static sc_level lv(int64_t px, int64_t qty) {
    return (sc_level){.px = {px}, .qty = {qty}};
}

/* Spread: bid 1000, ask 1001 ticks: 1 / 1000.5 * 1e4 = 9.99500 bps.
 * Microprice: bid 1000 x 1, ask 1001 x 3: (1000*3 + 1001*1) / 4 = 1000.25
 * (little on the bid, so the price leans to it). */
static void test_micro_spread_microprice(void **state) {
    (void)state;
    double x = -1.0;
    assert_true(sc_microstructure_spread_bps((sc_px){1000}, (sc_px){1001}, &x));
    fx_close(x, 1e4 / 1000.5, 1e-15);
    assert_true(sc_microstructure_spread_bps((sc_px){1000}, (sc_px){1000}, &x));
    assert_true(x == 0.0); /* locked */
    x = -1.0;
    assert_false(sc_microstructure_spread_bps((sc_px){1001}, (sc_px){1000}, &x)); /* crossed */
    assert_false(sc_microstructure_spread_bps((sc_px){0}, (sc_px){1000}, &x));
    assert_true(x == -1.0);
    assert_true(sc_microstructure_microprice_ticks(lv(1000, 1), lv(1001, 3), &x));
    fx_close(x, 1000.25, 1e-15);
    assert_true(sc_microstructure_microprice_ticks(lv(1000, 0), lv(1001, 3), &x));
    assert_true(x == 1000.0); /* nothing on the bid: it is the price */
    assert_false(sc_microstructure_microprice_ticks(lv(1000, 0), lv(1001, 0), &x));
    assert_false(sc_microstructure_microprice_ticks(lv(1002, 1), lv(1001, 1), &x));
}

/* Imbalance: bids 5, 3, 2 and asks 1, 1, 8.
 *   top 1: (5 - 1) / 6 = 0.6667; top 2: (8 - 2) / 10 = 0.6;
 *   top 3 (and 5: the arrays are shorter): (10 - 10) / 20 = 0. */
static void test_micro_imbalance(void **state) {
    (void)state;
    const sc_level bids[] = {lv(1000, 5), lv(999, 3), lv(998, 2)};
    const sc_level asks[] = {lv(1001, 1), lv(1002, 1), lv(1003, 8)};
    double x = -9.0;
    assert_true(sc_microstructure_imbalance(bids, 3, asks, 3, 1, &x));
    fx_close(x, 4.0 / 6.0, 1e-15);
    assert_true(sc_microstructure_imbalance(bids, 3, asks, 3, 2, &x));
    fx_close(x, 0.6, 1e-15);
    assert_true(sc_microstructure_imbalance(bids, 3, asks, 3, 5, &x));
    assert_true(x == 0.0);
    assert_true(sc_microstructure_imbalance(bids, 3, asks, 0, 5, &x));
    assert_true(x == 1.0); /* empty ask side */
    x = -9.0;
    assert_false(sc_microstructure_imbalance(bids, 3, asks, 3, 0, &x));
    assert_false(sc_microstructure_imbalance(NULL, 0, NULL, 0, 5, &x));
    assert_true(x == -9.0);
}

/* Depth within 10 bps: best 100000 / 100010, mid 100005, 10 bps of it is
 * 100.005 ticks: bids >= 99904.995 (100000, 99990; not 99900), asks
 * <= 100105.005 (100010, 100020; not 100200). */
static void test_micro_depth(void **state) {
    (void)state;
    const sc_level bids[] = {lv(100000, 4), lv(99990, 6), lv(99900, 100)};
    const sc_level asks[] = {lv(100010, 1), lv(100020, 2), lv(100200, 100)};
    sc_qty b = {-1};
    sc_qty a = {-1};
    assert_true(sc_microstructure_depth_within(bids, 3, asks, 3, 10.0, &b, &a));
    assert_int_equal(b.steps, 10);
    assert_int_equal(a.steps, 3);
    assert_true(sc_microstructure_depth_within(bids, 3, asks, 3, 0.0, &b, &a));
    assert_int_equal(b.steps, 0); /* nothing at the mid itself */
    assert_int_equal(a.steps, 0);
    assert_true(sc_microstructure_depth_within(bids, 3, asks, 3, 100.0, &b, &a));
    assert_int_equal(b.steps, 110);
    assert_int_equal(a.steps, 103);
    b.steps = -1;
    assert_false(sc_microstructure_depth_within(bids, 3, asks, 0, 10.0, &b, &a));
    assert_false(sc_microstructure_depth_within(bids, 3, asks, 3, -1.0, &b, &a));
    assert_false(sc_microstructure_depth_within(asks, 1, bids, 1, 10.0, &b, &a)); /* crossed */
    assert_int_equal(b.steps, -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_micro_spread_microprice),
        cmocka_unit_test(test_micro_imbalance),
        cmocka_unit_test(test_micro_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
