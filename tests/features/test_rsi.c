#include "features_fixture.h"

#include "features/rsi.h"

/* RSI(3) of 10, 11, 12, 11, 13, 13.
 *   changes: +1, +1, -1, +2, 0
 *   input 4 (3 changes): avg_gain = (1+1)/3 = 2/3, avg_loss = 1/3
 *       RSI = 100 * (2/3) / (2/3 + 1/3) = 66.666...
 *   input 5 (+2): avg_gain = (2/3*2 + 2)/3 = 10/9, avg_loss = (1/3*2 + 0)/3 = 2/9
 *       RSI = 100 * (10/9) / (12/9) = 83.333...
 *   input 6 (0): avg_gain = 20/27, avg_loss = 4/27, RSI = 100*20/24 = 83.333... */
static void test_rsi_by_hand(void **state) {
    (void)state;
    sc_rsi r;
    assert_int_equal(sc_rsi_init(&r, 3), SC_OK);
    const double x[] = {10, 11, 12, 11, 13, 13};
    const double want[] = {0, 0, 0, 200.0 / 3.0, 250.0 / 3.0, 250.0 / 3.0};
    for (int i = 0; i < 6; i++) {
        sc_rsi_update(&r, x[i]);
        double v = -1.0;
        if (i < 3) {
            assert_false(sc_rsi_get(&r, &v));
            assert_true(v == -1.0);
        } else {
            assert_true(sc_rsi_get(&r, &v));
            fx_close(v, want[i], 1e-14);
        }
    }
}

static double rsi_after(int period, const double *x, int n) {
    sc_rsi r;
    assert_int_equal(sc_rsi_init(&r, period), SC_OK);
    for (int i = 0; i < n; i++) {
        sc_rsi_update(&r, x[i]);
    }
    double v = -1.0;
    assert_true(sc_rsi_get(&r, &v));
    return v;
}

static void test_rsi_edges(void **state) {
    (void)state;
    sc_rsi r;
    assert_int_equal(sc_rsi_init(&r, 1), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_rsi_init(&r, SC_RSI_PERIOD_MAX + 1), SC_ERR_INVALID_ARG);
    /* Flat: no gains, no losses -> 50 by our definition (TA-Lib: 0). */
    const double flat[] = {5, 5, 5, 5, 5, 5, 5};
    assert_true(rsi_after(3, flat, 4) == 50.0);
    assert_true(rsi_after(3, flat, 7) == 50.0);
    /* Only gains: exactly 100. Only losses: exactly 0. */
    const double up[] = {1, 2, 3, 4, 5, 6};
    const double down[] = {6, 5, 4, 3, 2, 1};
    assert_true(rsi_after(3, up, 6) == 100.0);
    assert_true(rsi_after(3, down, 6) == 0.0);
    /* One tick up, then a long flat stretch: both averages decay alike, so
     * the RSI stays 100 (TA-Lib would drop to 0 once the sum < epsilon). */
    double tail[400];
    tail[0] = 100.0;
    for (int i = 1; i < 400; i++) {
        tail[i] = 100.1;
    }
    assert_true(rsi_after(14, tail, 400) == 100.0);
    /* A single value (and N values) is not enough: N+1 are needed. */
    assert_int_equal(sc_rsi_init(&r, 3), SC_OK);
    double v;
    for (int i = 0; i < 3; i++) {
        sc_rsi_update(&r, 1.0 + i);
        assert_false(sc_rsi_get(&r, &v));
    }
    sc_rsi_update(&r, 9.0);
    assert_true(sc_rsi_get(&r, &v));
}

/* Reference: TA-Lib's classic batch loop, written independently. Output
 * index i holds the RSI after input i (NAN before N). */
static void rsi_batch(const double *x, size_t n, int period, double *out) {
    double gain = 0.0;
    double loss = 0.0;
    for (size_t i = 0; i < n; i++) {
        out[i] = NAN;
        if (i == 0) {
            continue;
        }
        double d = x[i] - x[i - 1];
        if (i <= (size_t)period) {
            gain += d > 0 ? d : 0.0;
            loss += d < 0 ? -d : 0.0;
            if (i < (size_t)period) {
                continue;
            }
            gain /= period;
            loss /= period;
        } else {
            gain = (gain * (period - 1) + (d > 0 ? d : 0.0)) / period;
            loss = (loss * (period - 1) + (d < 0 ? -d : 0.0)) / period;
        }
        out[i] = gain + loss == 0.0 ? 50.0 : 100.0 * gain / (gain + loss);
    }
}

static void test_rsi_real_series(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    double *x = malloc(n * sizeof(double));
    double *ref = malloc(n * sizeof(double));
    assert_non_null(x);
    assert_non_null(ref);
    for (size_t i = 0; i < n; i++) {
        x[i] = bars[i].close;
    }
    const int periods[] = {2, 6, 14, 100};
    for (size_t p = 0; p < sizeof(periods) / sizeof(periods[0]); p++) {
        rsi_batch(x, n, periods[p], ref);
        sc_rsi r;
        assert_int_equal(sc_rsi_init(&r, periods[p]), SC_OK);
        for (size_t i = 0; i < n; i++) {
            sc_rsi_update(&r, x[i]);
            double v;
            bool ready = sc_rsi_get(&r, &v);
            assert_int_equal(ready, i >= (size_t)periods[p]);
            if (ready) {
                fx_close_at(v, ref[i], 1e-9, 1.0, "rsi", i);
            }
        }
    }
    free(ref);
    free(x);
    free(bars);
}

/* Anchor values at the last bar of the series, computed by a separate
 * python3 script (plain float arithmetic, same definition) over the same
 * CSV, printed with repr(). */
static void test_rsi_python_anchor(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    sc_rsi r;
    assert_int_equal(sc_rsi_init(&r, 14), SC_OK);
    for (size_t i = 0; i < n; i++) {
        sc_rsi_update(&r, bars[i].close);
    }
    double v;
    assert_true(sc_rsi_get(&r, &v));
    fx_close(v, 41.564898649813045, 1e-10);
    free(bars);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsi_by_hand),
        cmocka_unit_test(test_rsi_edges),
        cmocka_unit_test(test_rsi_real_series),
        cmocka_unit_test(test_rsi_python_anchor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
