#include "features_fixture.h"

#include "features/ema.h"

/* EMA(3) of 1..6. alpha = 2/(3+1) = 0.5.
 *   inputs 1, 2: not ready
 *   input 3: seed = (1+2+3)/3 = 2
 *   input 4: (4-2)*0.5 + 2 = 3
 *   input 5: (5-3)*0.5 + 3 = 4
 *   input 6: (6-4)*0.5 + 4 = 5 */
static void test_ema_by_hand(void **state) {
    (void)state;
    sc_ema e;
    assert_int_equal(sc_ema_init(&e, 3), SC_OK);
    double v = -1.0;
    const double want[] = {0, 0, 2, 3, 4, 5};
    for (int i = 0; i < 6; i++) {
        sc_ema_update(&e, (double)(i + 1));
        if (i < 2) {
            assert_false(sc_ema_get(&e, &v));
            assert_true(v == -1.0); /* untouched while not ready */
        } else {
            assert_true(sc_ema_get(&e, &v));
            fx_close(v, want[i], 1e-15);
        }
    }
    /* EMA(2) of 10, 20, 5: seed (10+20)/2 = 15; alpha = 2/3;
     * (5-15)*2/3 + 15 = 8.333... */
    assert_int_equal(sc_ema_init(&e, 2), SC_OK);
    sc_ema_update(&e, 10);
    sc_ema_update(&e, 20);
    assert_true(sc_ema_get(&e, &v));
    fx_close(v, 15.0, 1e-15);
    sc_ema_update(&e, 5);
    assert_true(sc_ema_get(&e, &v));
    fx_close(v, 25.0 / 3.0, 1e-15);
}

static void test_ema_edges(void **state) {
    (void)state;
    sc_ema e;
    assert_int_equal(sc_ema_init(&e, 0), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_ema_init(&e, -3), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_ema_init(&e, SC_EMA_PERIOD_MAX + 1), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_ema_init(NULL, 3), SC_ERR_INVALID_ARG);
    /* Period 1: alpha 1, the EMA is the input itself, from the first one. */
    assert_int_equal(sc_ema_init(&e, 1), SC_OK);
    double v = 0;
    assert_false(sc_ema_get(&e, &v));
    sc_ema_update(&e, 42.5);
    assert_true(sc_ema_get(&e, &v));
    assert_true(v == 42.5);
    sc_ema_update(&e, -7.0);
    assert_true(sc_ema_get(&e, &v));
    assert_true(v == -7.0);
    /* A single value with period 3 is not enough. */
    assert_int_equal(sc_ema_init(&e, 3), SC_OK);
    sc_ema_update(&e, 100.0);
    assert_false(sc_ema_get(&e, &v));
    /* Flat input: exactly the input. */
    for (int i = 0; i < 50; i++) {
        sc_ema_update(&e, 100.0);
    }
    assert_true(sc_ema_get(&e, &v));
    assert_true(v == 100.0);
}

/* Reference: TA-Lib's batch loop over the whole array (seed, then the
 * recursion from the seed), written independently of sc_ema. */
static void ema_batch(const double *x, size_t n, int period, double *out) {
    double k = 2.0 / (period + 1.0);
    double sum = 0.0;
    for (int i = 0; i < period; i++) {
        sum += x[i];
        out[i] = NAN;
    }
    double prev = sum / period;
    out[period - 1] = prev;
    for (size_t i = (size_t)period; i < n; i++) {
        prev = (x[i] - prev) * k + prev;
        out[i] = prev;
    }
}

static void test_ema_real_series(void **state) {
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
    const int periods[] = {1, 2, 9, 12, 26, 200};
    for (size_t p = 0; p < sizeof(periods) / sizeof(periods[0]); p++) {
        ema_batch(x, n, periods[p], ref);
        sc_ema e;
        assert_int_equal(sc_ema_init(&e, periods[p]), SC_OK);
        for (size_t i = 0; i < n; i++) {
            sc_ema_update(&e, x[i]);
            double v;
            bool ready = sc_ema_get(&e, &v);
            assert_int_equal(ready, i + 1 >= (size_t)periods[p]);
            if (ready) {
                fx_close_at(v, ref[i], 1e-9, 0.0, "ema", i);
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
static void test_ema_python_anchor(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    sc_ema e;
    assert_int_equal(sc_ema_init(&e, 12), SC_OK);
    for (size_t i = 0; i < n; i++) {
        sc_ema_update(&e, bars[i].close);
    }
    double v;
    assert_true(sc_ema_get(&e, &v));
    fx_close(v, 108442.8923304628, 1e-12);
    free(bars);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ema_by_hand),
        cmocka_unit_test(test_ema_edges),
        cmocka_unit_test(test_ema_real_series),
        cmocka_unit_test(test_ema_python_anchor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
