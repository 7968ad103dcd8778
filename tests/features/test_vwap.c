#include "features_fixture.h"

#include "features/vwap.h"

static sc_vwap *vwap_new(int32_t rolling) {
    sc_vwap_config cfg = {.rolling_bars = rolling};
    sc_vwap *v = NULL;
    assert_int_equal(sc_vwap_create(&cfg, &v), SC_OK);
    return v;
}

static sc_ns day_ns(int64_t y, int64_t m, int64_t d) {
    return fx_days_from_civil(y, m, d) * SC_NS_PER_DAY;
}

/* Bars (open time, high, low, close, volume), rolling 2:
 *   23:58 (12, 9, 9, 2): typical (12+9+9)/3 = 10, pv 20
 *   23:59 (21, 19, 20, 3): typical 20, pv 60
 *     session = (20+60)/(2+3) = 16; rolling = 16 as well
 *   00:00 next day (30, 30, 30, 1): new session -> 30
 *     rolling over the last 2 bars = (60+30)/(3+1) = 22.5
 *   distance of 31 from 30 = 1/30 * 1e4 = 333.33 bps */
static void test_vwap_bars_by_hand(void **state) {
    (void)state;
    sc_vwap *v = vwap_new(2);
    sc_ns d = day_ns(2025, 6, 6);
    double x = -1.0;
    assert_false(sc_vwap_session_get(v, &x));
    assert_int_equal(sc_vwap_update_bar(v, d + SC_NS_PER_DAY - 2 * SC_NS_PER_MIN, 12, 9, 9, 2),
                     SC_OK);
    assert_true(sc_vwap_session_get(v, &x));
    fx_close(x, 10.0, 1e-15);
    assert_false(sc_vwap_rolling_get(v, &x));
    assert_int_equal(sc_vwap_update_bar(v, d + SC_NS_PER_DAY - SC_NS_PER_MIN, 21, 19, 20, 3),
                     SC_OK);
    assert_true(sc_vwap_session_get(v, &x));
    fx_close(x, 16.0, 1e-15);
    assert_true(sc_vwap_rolling_get(v, &x));
    fx_close(x, 16.0, 1e-15);
    sc_ns start = 0;
    assert_true(sc_vwap_session_start_get(v, &start));
    assert_true(start == d);
    assert_int_equal(sc_vwap_update_bar(v, d + SC_NS_PER_DAY, 30, 30, 30, 1), SC_OK);
    assert_true(sc_vwap_session_get(v, &x));
    fx_close(x, 30.0, 1e-15);
    assert_true(sc_vwap_session_start_get(v, &start));
    assert_true(start == d + SC_NS_PER_DAY);
    assert_true(sc_vwap_rolling_get(v, &x));
    fx_close(x, 22.5, 1e-15);
    double bps = 0;
    assert_true(sc_vwap_distance_bps(31.0, 30.0, &bps));
    fx_close(bps, 1e4 / 30.0, 1e-14);
    assert_false(sc_vwap_distance_bps(31.0, 0.0, &bps));
    sc_vwap_destroy(v);
}

/* Trades (100, 1), (102, 3): (100 + 306) / 4 = 101.5. */
static void test_vwap_trades_by_hand(void **state) {
    (void)state;
    sc_vwap *v = vwap_new(5);
    sc_ns d = day_ns(2025, 6, 7) + 5 * SC_NS_PER_S;
    assert_int_equal(sc_vwap_update_trade(v, d, 100.0, 1.0), SC_OK);
    assert_int_equal(sc_vwap_update_trade(v, d, 102.0, 3.0), SC_OK); /* same time: fine */
    double x;
    assert_true(sc_vwap_session_get(v, &x));
    fx_close(x, 101.5, 1e-15);
    assert_false(sc_vwap_rolling_get(v, &x)); /* rolling is over bars only */
    /* Mixing sources, going back in time, bad values: refused, no change. */
    assert_int_equal(sc_vwap_update_bar(v, d + SC_NS_PER_MIN, 1, 1, 1, 1), SC_ERR_STATE);
    assert_int_equal(sc_vwap_update_trade(v, d - 1, 50.0, 1.0), SC_ERR_STATE);
    assert_int_equal(sc_vwap_update_trade(v, d + 1, 0.0, 1.0), SC_ERR_RANGE);
    assert_int_equal(sc_vwap_update_trade(v, d + 1, 50.0, -1.0), SC_ERR_RANGE);
    assert_int_equal(sc_vwap_update_trade(v, d + 1, NAN, 1.0), SC_ERR_RANGE);
    assert_true(sc_vwap_session_get(v, &x));
    fx_close(x, 101.5, 1e-15);
    sc_vwap_destroy(v);
}

static void test_vwap_edges(void **state) {
    (void)state;
    sc_vwap_config bad = {.rolling_bars = 0};
    sc_vwap *v = NULL;
    assert_int_equal(sc_vwap_create(&bad, &v), SC_ERR_INVALID_ARG);
    sc_vwap_destroy(NULL);
    v = vwap_new(2);
    sc_ns d = day_ns(2025, 6, 8);
    /* Zero volume: not ready (never a VWAP of 0). */
    assert_int_equal(sc_vwap_update_bar(v, d, 10, 10, 10, 0), SC_OK);
    double x;
    assert_false(sc_vwap_session_get(v, &x));
    assert_int_equal(sc_vwap_update_bar(v, d + SC_NS_PER_MIN, 10, 10, 10, 5), SC_OK);
    assert_true(sc_vwap_rolling_get(v, &x));
    /* Same open time twice: refused. */
    assert_int_equal(sc_vwap_update_bar(v, d + SC_NS_PER_MIN, 10, 10, 10, 5), SC_ERR_STATE);
    /* Two zero-volume bars push the volume out of the rolling window. */
    assert_int_equal(sc_vwap_update_bar(v, d + 2 * SC_NS_PER_MIN, 11, 11, 11, 0), SC_OK);
    assert_int_equal(sc_vwap_update_bar(v, d + 3 * SC_NS_PER_MIN, 11, 11, 11, 0), SC_OK);
    assert_false(sc_vwap_rolling_get(v, &x));
    assert_true(sc_vwap_session_get(v, &x)); /* the session still has volume */
    fx_close(x, 10.0, 1e-15);
    /* A gap of several days: the session restarts at the new day. */
    assert_int_equal(sc_vwap_update_bar(v, d + 3 * SC_NS_PER_DAY + 7, 20, 20, 20, 1), SC_OK);
    assert_true(sc_vwap_session_get(v, &x));
    fx_close(x, 20.0, 1e-15);
    sc_vwap_destroy(v);
}

static void test_vwap_real_series(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    const int32_t rolling = 60;
    sc_vwap *v = vwap_new(rolling);
    size_t session_first = 0;
    size_t sessions = 0;
    for (size_t i = 0; i < n; i++) {
        const fx_bar *b = &bars[i];
        assert_int_equal(sc_vwap_update_bar(v, b->open_ns, b->high, b->low, b->close, b->volume),
                         SC_OK);
        if (i == 0 || sc_ns_utc_day_start(b->open_ns) != sc_ns_utc_day_start(bars[i - 1].open_ns)) {
            session_first = i;
            sessions++;
        }
        /* Brute force: sums from the session's first bar, and over the last
         * `rolling` bars, from scratch. */
        double pv = 0.0;
        double vol = 0.0;
        for (size_t j = session_first; j <= i; j++) {
            double tp = (bars[j].high + bars[j].low + bars[j].close) / 3.0;
            pv += tp * bars[j].volume;
            vol += bars[j].volume;
        }
        double got;
        assert_true(sc_vwap_session_get(v, &got));
        fx_close_at(got, pv / vol, 1e-9, 0.0, "session vwap", i);
        bool ready = sc_vwap_rolling_get(v, &got);
        assert_int_equal(ready, i + 1 >= (size_t)rolling);
        if (ready) {
            pv = 0.0;
            vol = 0.0;
            for (size_t j = i + 1 - (size_t)rolling; j <= i; j++) {
                double tp = (bars[j].high + bars[j].low + bars[j].close) / 3.0;
                pv += tp * bars[j].volume;
                vol += bars[j].volume;
            }
            fx_close_at(got, pv / vol, 1e-9, 0.0, "rolling vwap", i);
        }
    }
    assert_int_equal(sessions, 11); /* 2025-06-06 21:41 .. 06-16 21:40 */
    sc_vwap_destroy(v);
    free(bars);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vwap_bars_by_hand),
        cmocka_unit_test(test_vwap_trades_by_hand),
        cmocka_unit_test(test_vwap_edges),
        cmocka_unit_test(test_vwap_real_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
