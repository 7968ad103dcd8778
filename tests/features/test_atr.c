#include "features_fixture.h"

#include "features/atr.h"

/* ATR(2). Bars (high, low, close):
 *   b1 (10, 8, 9): no previous close -> no TR (skipped, like TA-Lib)
 *   b2 (11, 9, 10): TR = max(11-9, |9-11|, |9-9|) = 2
 *   b3 (10.5, 9.5, 10): TR = max(1, |10-10.5|, |10-9.5|) = 1
 *       first ATR = (2 + 1)/2 = 1.5
 *   b4 (13, 12, 12.5): gap up, TR = max(1, |10-13|, |10-12|) = 3
 *       ATR = (1.5*1 + 3)/2 = 2.25
 *   b5 (12, 11, 11): TR = max(1, |12.5-12|, |12.5-11|) = 1.5
 *       ATR = (2.25 + 1.5)/2 = 1.875 */
static void test_atr_by_hand(void **state) {
    (void)state;
    sc_atr a;
    assert_int_equal(sc_atr_init(&a, 2), SC_OK);
    const double h[] = {10, 11, 10.5, 13, 12};
    const double l[] = {8, 9, 9.5, 12, 11};
    const double c[] = {9, 10, 10, 12.5, 11};
    const double tr[] = {0, 2, 1, 3, 1.5};
    const double atr[] = {0, 0, 1.5, 2.25, 1.875};
    for (int i = 0; i < 5; i++) {
        sc_atr_update(&a, h[i], l[i], c[i]);
        double v = -1.0;
        assert_int_equal(sc_atr_tr_get(&a, &v), i >= 1);
        if (i >= 1) {
            assert_true(v == tr[i]);
        }
        v = -1.0;
        assert_int_equal(sc_atr_get(&a, &v), i >= 2);
        if (i >= 2) {
            fx_close(v, atr[i], 1e-15);
        } else {
            assert_true(v == -1.0);
        }
    }
    assert_true(sc_atr_true_range(10, 10, 10) == 0.0);
    assert_true(sc_atr_true_range(10, 9, 12) == 3.0);
}

static void test_atr_edges(void **state) {
    (void)state;
    sc_atr a;
    assert_int_equal(sc_atr_init(&a, 0), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_atr_init(&a, SC_ATR_PERIOD_MAX + 1), SC_ERR_INVALID_ARG);
    /* Zero true range: flat bars give TR 0 and, after N+1 bars, ATR 0,
     * ready (0 is a value here, not "missing"). */
    assert_int_equal(sc_atr_init(&a, 3), SC_OK);
    double v = -1.0;
    for (int i = 0; i < 4; i++) {
        assert_false(sc_atr_get(&a, &v));
        sc_atr_update(&a, 100, 100, 100);
    }
    assert_true(sc_atr_get(&a, &v));
    assert_true(v == 0.0);
    assert_true(sc_atr_tr_get(&a, &v));
    assert_true(v == 0.0);
    /* Period 1: the ATR is the TR of the latest bar (TA-Lib: TRANGE). */
    assert_int_equal(sc_atr_init(&a, 1), SC_OK);
    sc_atr_update(&a, 10, 9, 9.5);
    assert_false(sc_atr_get(&a, &v));
    sc_atr_update(&a, 12, 11, 11);
    assert_true(sc_atr_get(&a, &v));
    assert_true(v == 2.5);
}

/* Reference: TA-Lib's batch ATR (TR from bar 2, seed mean, Wilder), written
 * independently; out[i] is the ATR after bar i. */
static void atr_batch(const fx_bar *b, size_t n, int period, double *out) {
    double sum = 0.0;
    double atr = 0.0;
    for (size_t i = 0; i < n; i++) {
        out[i] = NAN;
        if (i == 0) {
            continue;
        }
        double pc = b[i - 1].close;
        double tr = fmax(b[i].high - b[i].low, fmax(fabs(pc - b[i].high), fabs(pc - b[i].low)));
        if (i <= (size_t)period) {
            sum += tr;
            if (i == (size_t)period) {
                atr = sum / period;
                out[i] = atr;
            }
            continue;
        }
        atr = (atr * (period - 1) + tr) / period;
        out[i] = atr;
    }
}

static void test_atr_real_series(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    double *ref = malloc(n * sizeof(double));
    assert_non_null(ref);
    const int periods[] = {1, 2, 14, 100};
    for (size_t p = 0; p < sizeof(periods) / sizeof(periods[0]); p++) {
        atr_batch(bars, n, periods[p], ref);
        sc_atr a;
        assert_int_equal(sc_atr_init(&a, periods[p]), SC_OK);
        for (size_t i = 0; i < n; i++) {
            sc_atr_update(&a, bars[i].high, bars[i].low, bars[i].close);
            double v;
            bool ready = sc_atr_get(&a, &v);
            assert_int_equal(ready, i >= (size_t)periods[p]);
            if (ready) {
                fx_close_at(v, ref[i], 1e-9, 0.1, "atr", i);
            }
        }
    }
    free(ref);
    free(bars);
}

/* Anchor values at the last bar of the series, computed by a separate
 * python3 script (plain float arithmetic, same definition) over the same
 * CSV, printed with repr(). */
static void test_atr_python_anchor(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    sc_atr a;
    assert_int_equal(sc_atr_init(&a, 14), SC_OK);
    for (size_t i = 0; i < n; i++) {
        sc_atr_update(&a, bars[i].high, bars[i].low, bars[i].close);
    }
    double v;
    assert_true(sc_atr_get(&a, &v));
    fx_close(v, 49.128408479680516, 1e-10);
    free(bars);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atr_by_hand),
        cmocka_unit_test(test_atr_edges),
        cmocka_unit_test(test_atr_real_series),
        cmocka_unit_test(test_atr_python_anchor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
