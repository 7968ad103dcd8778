#include "features_fixture.h"

#include "features/bollinger.h"

static sc_bollinger *bb_new(int32_t period, double k) {
    sc_bollinger_config cfg = {.period = period, .k = k};
    sc_bollinger *b = NULL;
    assert_int_equal(sc_bollinger_create(&cfg, &b), SC_OK);
    return b;
}

/* Bollinger(3, 2).
 *   window {1,2,3}: mid 2, var = (1+0+1)/3 = 2/3, sd = sqrt(2/3) = 0.8164966
 *     upper = 2 + 2*0.8164966 = 3.6329932, lower = 0.3670068
 *     %B = (3 - 0.3670068) / 3.2659863 = 0.8061862
 *     bandwidth = 3.2659863 / 2 = 1.6329932
 *   then 7, window {2,3,7}: mid 4, var = (4+1+9)/3 = 14/3, sd = 2.1602469
 *     upper = 8.3204938, lower = -0.3204938
 *     %B = (7 + 0.3204938) / 8.6409876 = 0.8471825, bandwidth = 2.1602469 */
static void test_bollinger_by_hand(void **state) {
    (void)state;
    sc_bollinger *b = bb_new(3, 2.0);
    sc_bollinger_value v;
    assert_int_equal(sc_bollinger_update(b, 1), SC_OK);
    assert_int_equal(sc_bollinger_update(b, 2), SC_OK);
    assert_false(sc_bollinger_get(b, &v));
    assert_int_equal(sc_bollinger_update(b, 3), SC_OK);
    assert_true(sc_bollinger_get(b, &v));
    fx_close(v.mid, 2.0, 1e-15);
    fx_close(v.sd, sqrt(2.0 / 3.0), 1e-14);
    fx_close(v.upper, 3.632993161855452, 1e-14);
    fx_close(v.lower, 0.36700683814454793, 1e-13);
    fx_close(v.pct_b, 0.8061862178478972, 1e-14);
    fx_close(v.bandwidth, 1.632993161855452, 1e-14);
    assert_int_equal(sc_bollinger_update(b, 7), SC_OK);
    assert_true(sc_bollinger_get(b, &v));
    fx_close(v.mid, 4.0, 1e-15);
    fx_close(v.sd, sqrt(14.0 / 3.0), 1e-14);
    fx_close(v.upper, 8.320493798938575, 1e-14);
    fx_close(v.lower, -0.3204937989385739, 1e-13);
    fx_close(v.pct_b, 0.8471825374147066, 1e-14);
    fx_close(v.bandwidth, 2.1602468994692874, 1e-14);
    sc_bollinger_destroy(b);
}

static void test_bollinger_edges(void **state) {
    (void)state;
    sc_bollinger_config bad[] = {
        {1, 2.0}, {SC_BOLLINGER_PERIOD_MAX + 1, 2.0}, {20, 0.0}, {20, NAN}};
    sc_bollinger *b = NULL;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sc_bollinger_create(&bad[i], &b), SC_ERR_INVALID_ARG);
    }
    sc_bollinger_destroy(NULL);
    b = bb_new(4, 2.0);
    /* Refused inputs change nothing. */
    assert_int_equal(sc_bollinger_update(b, 0.0), SC_ERR_RANGE);
    assert_int_equal(sc_bollinger_update(b, -1.0), SC_ERR_RANGE);
    assert_int_equal(sc_bollinger_update(b, INFINITY), SC_ERR_RANGE);
    sc_bollinger_value v;
    assert_false(sc_bollinger_get(b, &v));
    /* Moving then flat: once the last 4 inputs are equal, sd is exactly 0,
     * %B is the centre 0.5 (never 0) and bandwidth 0. */
    const double x[] = {100.1, 100.7, 99.9, 100.3, 100.2, 100.2, 100.2, 100.2};
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(sc_bollinger_update(b, x[i]), SC_OK);
    }
    assert_true(sc_bollinger_get(b, &v));
    assert_true(v.sd == 0.0 && v.mid == 100.2 && v.upper == 100.2 && v.lower == 100.2);
    assert_true(v.pct_b == 0.5 && v.bandwidth == 0.0);
    sc_bollinger_destroy(b);
}

/* Brute force: two-pass mean and population sd of x[i-N+1..i]. */
static void bb_brute(const double *x, size_t i, int n, double k, sc_bollinger_value *out) {
    double sum = 0.0;
    for (size_t j = i + 1 - (size_t)n; j <= i; j++) {
        sum += x[j];
    }
    double mid = sum / n;
    double ss = 0.0;
    for (size_t j = i + 1 - (size_t)n; j <= i; j++) {
        ss += (x[j] - mid) * (x[j] - mid);
    }
    double sd = sqrt(ss / n);
    out->mid = mid;
    out->sd = sd;
    out->upper = mid + k * sd;
    out->lower = mid - k * sd;
    out->pct_b = sd > 0 ? (x[i] - out->lower) / (out->upper - out->lower) : 0.5;
    out->bandwidth = (out->upper - out->lower) / mid;
}

static void bb_compare(const double *x, size_t n, int period, double k, double sd_floor) {
    sc_bollinger *b = bb_new(period, k);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sc_bollinger_update(b, x[i]), SC_OK);
        sc_bollinger_value v;
        bool ready = sc_bollinger_get(b, &v);
        assert_int_equal(ready, i + 1 >= (size_t)period);
        if (!ready) {
            continue;
        }
        sc_bollinger_value r;
        bb_brute(x, i, period, k, &r);
        fx_close_at(v.mid, r.mid, 1e-9, 0.0, "mid", i);
        fx_close_at(v.sd, r.sd, 1e-9, sd_floor, "sd", i);
        fx_close_at(v.upper, r.upper, 1e-9, 0.0, "upper", i);
        fx_close_at(v.lower, r.lower, 1e-9, 0.0, "lower", i);
        fx_close_at(v.pct_b, r.pct_b, 1e-9, 1.0, "pct_b", i);
        fx_close_at(v.bandwidth, r.bandwidth, 1e-9, sd_floor / r.mid, "bandwidth", i);
    }
    sc_bollinger_destroy(b);
}

static void test_bollinger_real_series(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    double *x = malloc(n * sizeof(double));
    assert_non_null(x);
    for (size_t i = 0; i < n; i++) {
        x[i] = bars[i].close;
    }
    /* sd below a hundredth of a tick compares absolutely (1e-11 USD). */
    bb_compare(x, n, 20, 2.0, 0.001);
    bb_compare(x, n, 2, 1.5, 0.001);
    bb_compare(x, n, 240, 2.0, 0.001);
    free(x);
    free(bars);
}

/* Numerical stability: a large level (1e9) with tiny moves, where
 * mean(x^2) - mean^2 would lose everything, still matches the two-pass sd
 * computed on the offsets (exact: 1e9 + k/8 is representable). */
static void test_bollinger_stability(void **state) {
    (void)state;
    sc_bollinger *b = bb_new(20, 2.0);
    double offs[5000];
    uint64_t s = 12345;
    for (size_t i = 0; i < 5000; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        offs[i] = (double)(s >> 61) / 8.0; /* 0 .. 0.875 */
        assert_int_equal(sc_bollinger_update(b, 1e9 + offs[i]), SC_OK);
        sc_bollinger_value v;
        if (!sc_bollinger_get(b, &v)) {
            continue;
        }
        double mean = 0.0;
        for (size_t j = i - 19; j <= i; j++) {
            mean += offs[j];
        }
        mean /= 20.0;
        double ss = 0.0;
        for (size_t j = i - 19; j <= i; j++) {
            ss += (offs[j] - mean) * (offs[j] - mean);
        }
        fx_close_at(v.sd, sqrt(ss / 20.0), 1e-9, 1e-3, "sd at 1e9", i);
        fx_close_at(v.mid - 1e9, mean, 1e-6, 1.0, "mid at 1e9", i);
    }
    sc_bollinger_destroy(b);
}

/* Anchor values at the last bar of the series, computed by a separate
 * python3 script (plain float arithmetic, same definition) over the same
 * CSV, printed with repr(). */
static void test_bollinger_python_anchor(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    sc_bollinger *b = bb_new(20, 2.0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sc_bollinger_update(b, bars[i].close), SC_OK);
    }
    sc_bollinger_value v;
    assert_true(sc_bollinger_get(b, &v));
    fx_close(v.mid, 108492.955, 1e-12);
    fx_close(v.sd, 77.66279981432494, 1e-10);
    sc_bollinger_destroy(b);
    free(bars);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bollinger_by_hand),       cmocka_unit_test(test_bollinger_edges),
        cmocka_unit_test(test_bollinger_real_series),   cmocka_unit_test(test_bollinger_stability),
        cmocka_unit_test(test_bollinger_python_anchor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
