#include "features_fixture.h"

#include "features/returns.h"

static sc_returns *ret_new(int32_t bars, sc_ns window_ns, uint32_t cap) {
    sc_returns_config cfg = {.bars = bars, .window_ns = window_ns, .time_capacity = cap};
    sc_returns *r = NULL;
    assert_int_equal(sc_returns_create(&cfg, &r), SC_OK);
    return r;
}

#define S(x) ((sc_ns)(x)*SC_NS_PER_S)

/* Over 2 bars: 100, 110, 121 -> 121/100 - 1 = 0.21, ln 1.21 = 0.1906204.
 * Then 133.1: 133.1/110 - 1 = 0.21 again. */
static void test_returns_bars_by_hand(void **state) {
    (void)state;
    sc_returns *r = ret_new(2, 0, 0);
    sc_returns_value v = {-1, -1};
    assert_int_equal(sc_returns_update(r, S(60), 100), SC_OK);
    assert_int_equal(sc_returns_update(r, S(120), 110), SC_OK);
    assert_false(sc_returns_bars_get(r, &v));
    assert_true(v.simple == -1);
    assert_false(sc_returns_time_get(r, &v)); /* the time part is off */
    assert_int_equal(sc_returns_update(r, S(180), 121), SC_OK);
    assert_true(sc_returns_bars_get(r, &v));
    fx_close(v.simple, 0.21, 1e-14);
    fx_close(v.log, log(1.21), 1e-14);
    assert_int_equal(sc_returns_update(r, S(240), 133.1), SC_OK);
    assert_true(sc_returns_bars_get(r, &v));
    fx_close(v.simple, 0.21, 1e-13);
    sc_returns_destroy(r);
}

/* Over W = 60 s. Observations (t, px): (0, 100), (30, 105), (60, 110):
 *   at 60 the reference is the price as of 0 -> 100: 110/100 - 1 = 0.10
 *   (90, 120): as of 30 -> 105: 120/105 - 1 = 0.142857
 *   gap, then (1000, 130): as of 940 the latest is (90, 120): 130/120 - 1
 *   (1000, 126) same instant replaces: 126/120 - 1 = 0.05 */
static void test_returns_time_by_hand(void **state) {
    (void)state;
    sc_returns *r = ret_new(0, S(60), 8);
    sc_returns_value v;
    assert_int_equal(sc_returns_update(r, S(0), 100), SC_OK);
    assert_false(sc_returns_time_get(r, &v));
    assert_int_equal(sc_returns_update(r, S(30), 105), SC_OK);
    assert_false(sc_returns_time_get(r, &v)); /* nothing at or before -30 */
    assert_false(sc_returns_bars_get(r, &v)); /* the bar part is off */
    assert_int_equal(sc_returns_update(r, S(60), 110), SC_OK);
    assert_true(sc_returns_time_get(r, &v));
    fx_close(v.simple, 0.10, 1e-14);
    assert_int_equal(sc_returns_update(r, S(90), 120), SC_OK);
    assert_true(sc_returns_time_get(r, &v));
    fx_close(v.simple, 120.0 / 105.0 - 1.0, 1e-14);
    assert_int_equal(sc_returns_update(r, S(1000), 130), SC_OK);
    assert_true(sc_returns_time_get(r, &v));
    fx_close(v.simple, 130.0 / 120.0 - 1.0, 1e-14);
    assert_int_equal(sc_returns_update(r, S(1000), 126), SC_OK);
    assert_true(sc_returns_time_get(r, &v));
    fx_close(v.simple, 0.05, 1e-13);
    fx_close(v.log, log(1.05), 1e-13);
    /* Back in time or bad prices: refused, nothing changes. */
    assert_int_equal(sc_returns_update(r, S(999), 1), SC_ERR_STATE);
    assert_int_equal(sc_returns_update(r, S(1001), 0.0), SC_ERR_RANGE);
    assert_int_equal(sc_returns_update(r, S(1001), INFINITY), SC_ERR_RANGE);
    assert_true(sc_returns_time_get(r, &v));
    fx_close(v.simple, 0.05, 1e-13);
    sc_returns_destroy(r);
}

/* Capacity 3, W = 10 s: observations at 0, 1, 2 fill the ring; the one at
 * 3 is lost (SC_ERR_FULL). The time return then stays not ready while its
 * reference is older than the lost observation: at 11 (reference as of 1,
 * which happens to be right, but the rule is conservative) and at 13 (as
 * of 3: the true reference IS the lost one), and is ready again at 21
 * (reference (11, 111), newer than the loss). */
static void test_returns_time_limit(void **state) {
    (void)state;
    sc_returns *r = ret_new(1, S(10), 3);
    sc_returns_value v;
    assert_int_equal(sc_returns_update(r, S(0), 100), SC_OK);
    assert_int_equal(sc_returns_update(r, S(1), 101), SC_OK);
    assert_int_equal(sc_returns_update(r, S(2), 102), SC_OK);
    assert_int_equal(sc_returns_update(r, S(3), 103), SC_ERR_FULL);
    assert_true(sc_returns_bars_get(r, &v)); /* the bar part took it */
    fx_close(v.simple, 103.0 / 102.0 - 1.0, 1e-14);
    assert_int_equal(sc_returns_update(r, S(11), 111), SC_OK);
    assert_false(sc_returns_time_get(r, &v));
    assert_int_equal(sc_returns_update(r, S(13), 113), SC_OK);
    assert_false(sc_returns_time_get(r, &v));
    assert_int_equal(sc_returns_update(r, S(21), 121), SC_OK);
    assert_true(sc_returns_time_get(r, &v));
    fx_close(v.simple, 121.0 / 111.0 - 1.0, 1e-14);
    sc_returns_destroy(r);
    sc_returns_config bad = {.bars = 0, .window_ns = 0};
    assert_int_equal(sc_returns_create(&bad, &r), SC_ERR_INVALID_ARG);
    bad.window_ns = S(1);
    bad.time_capacity = 1;
    assert_int_equal(sc_returns_create(&bad, &r), SC_ERR_INVALID_ARG);
    bad.bars = -1;
    assert_int_equal(sc_returns_create(&bad, &r), SC_ERR_INVALID_ARG);
    sc_returns_destroy(NULL);
}

/* Real 1m closes stamped with each bar's end time: the N-bar return looks
 * N rows back; the 15-minute return's reference is the latest bar whose
 * end is <= t - 15 min, found by a backwards scan. */
static void test_returns_real_series(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    const int32_t nb = 5;
    const sc_ns w = 15 * SC_NS_PER_MIN;
    sc_returns *r = ret_new(nb, w, 64);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sc_returns_update(r, bars[i].end_ns, bars[i].close), SC_OK);
        sc_returns_value v;
        bool ready = sc_returns_bars_get(r, &v);
        assert_int_equal(ready, i >= (size_t)nb);
        if (ready) {
            double ref = bars[i - (size_t)nb].close;
            fx_close_at(v.simple, bars[i].close / ref - 1.0, 1e-9, 1e-3, "bar return", i);
            fx_close_at(v.log, log(bars[i].close / ref), 1e-9, 1e-3, "bar log return", i);
        }
        size_t j = i + 1;
        while (j > 0 && bars[j - 1].end_ns > bars[i].end_ns - w) {
            j--;
        }
        ready = sc_returns_time_get(r, &v);
        assert_int_equal(ready, j > 0);
        if (ready) {
            double ref = bars[j - 1].close;
            fx_close_at(v.simple, bars[i].close / ref - 1.0, 1e-9, 1e-3, "time return", i);
        }
    }
    sc_returns_destroy(r);
    free(bars);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_returns_bars_by_hand),
        cmocka_unit_test(test_returns_time_by_hand),
        cmocka_unit_test(test_returns_time_limit),
        cmocka_unit_test(test_returns_real_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
