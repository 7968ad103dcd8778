#include "features_fixture.h"

#include "features/macd.h"

/* MACD(fast 2, slow 3, signal 2) of 1, 2, 4, 8, 16.
 * alpha_fast = 2/3, alpha_slow = 1/2, alpha_signal = 2/3.
 *   input 3: slow seed = (1+2+4)/3 = 7/3; fast seed = mean of the last 2 of
 *            the first 3 = (2+4)/2 = 3 (TA-Lib alignment; a stand-alone
 *            EMA(2) would be 3.1667 here). line = 3 - 7/3 = 2/3
 *   input 4: fast = (8-3)*2/3 + 3 = 19/3; slow = (8-7/3)/2 + 7/3 = 31/6
 *            line = 19/3 - 31/6 = 7/6; signal seed = (2/3 + 7/6)/2 = 11/12
 *            hist = 7/6 - 11/12 = 1/4
 *   input 5: fast = (16-19/3)*2/3 + 19/3 = 115/9
 *            slow = (16-31/6)/2 + 31/6 = 127/12
 *            line = 115/9 - 127/12 = 79/36
 *            signal = (79/36 - 11/12)*2/3 + 11/12 = 191/108
 *            hist = 79/36 - 191/108 = 46/108 */
static void test_macd_by_hand(void **state) {
    (void)state;
    sc_macd m;
    sc_macd_config cfg = {.fast_period = 2, .slow_period = 3, .signal_period = 2};
    assert_int_equal(sc_macd_init(&m, &cfg), SC_OK);
    sc_macd_value v;
    double line;
    sc_macd_update(&m, 1);
    sc_macd_update(&m, 2);
    assert_false(sc_macd_line_get(&m, &line));
    assert_false(sc_macd_get(&m, &v));
    sc_macd_update(&m, 4);
    assert_true(sc_macd_line_get(&m, &line));
    fx_close(line, 2.0 / 3.0, 1e-14);
    assert_false(sc_macd_get(&m, &v));
    sc_macd_update(&m, 8);
    assert_true(sc_macd_get(&m, &v));
    fx_close(v.line, 7.0 / 6.0, 1e-14);
    fx_close(v.signal, 11.0 / 12.0, 1e-14);
    fx_close(v.hist, 0.25, 1e-13);
    sc_macd_update(&m, 16);
    assert_true(sc_macd_get(&m, &v));
    fx_close(v.line, 79.0 / 36.0, 1e-14);
    fx_close(v.signal, 191.0 / 108.0, 1e-14);
    fx_close(v.hist, 46.0 / 108.0, 1e-13);
}

static void test_macd_edges(void **state) {
    (void)state;
    sc_macd m;
    sc_macd_config bad[] = {
        {12, 12, 9}, /* fast == slow */
        {26, 12, 9}, /* swapped: TA-Lib swaps, we refuse */
        {0, 26, 9},  {12, 26, 0}, {12, SC_EMA_PERIOD_MAX + 1, 9},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sc_macd_init(&m, &bad[i]), SC_ERR_INVALID_ARG);
    }
    /* Flat input: line, signal and histogram exactly 0, ready at input 34. */
    sc_macd_config cfg = {12, 26, 9};
    assert_int_equal(sc_macd_init(&m, &cfg), SC_OK);
    sc_macd_value v;
    for (int i = 1; i <= 40; i++) {
        sc_macd_update(&m, 100000.0);
        assert_int_equal(sc_macd_get(&m, &v), i >= 34);
    }
    assert_true(v.line == 0.0 && v.signal == 0.0 && v.hist == 0.0);
}

/* Reference: TA_MACD's batch structure (both seeds over windows ending at
 * bar slow-1, then lockstep recursions, signal seeded from the first
 * `signal` line values), written independently of sc_macd. */
static void macd_batch(const double *x, size_t n, int fast, int slow, int sig, double *line,
                       double *signal) {
    double kf = 2.0 / (fast + 1.0);
    double ks = 2.0 / (slow + 1.0);
    double kg = 2.0 / (sig + 1.0);
    double sum_s = 0.0;
    double sum_f = 0.0;
    for (int i = 0; i < slow; i++) {
        sum_s += x[i];
        sum_f += i >= slow - fast ? x[i] : 0.0;
    }
    double ef = sum_f / fast;
    double es = sum_s / slow;
    double sig_sum = 0.0;
    double eg = 0.0;
    for (size_t i = 0; i < n; i++) {
        line[i] = NAN;
        signal[i] = NAN;
        if (i < (size_t)slow - 1) {
            continue;
        }
        if (i >= (size_t)slow) {
            ef = (x[i] - ef) * kf + ef;
            es = (x[i] - es) * ks + es;
        }
        line[i] = ef - es;
        size_t k = i - (size_t)(slow - 1); /* index of this line value */
        if (k < (size_t)sig) {
            sig_sum += line[i];
            if (k + 1 == (size_t)sig) {
                eg = sig_sum / sig;
                signal[i] = eg;
            }
        } else {
            eg = (line[i] - eg) * kg + eg;
            signal[i] = eg;
        }
    }
}

static void test_macd_real_series(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    double *x = malloc(n * sizeof(double));
    double *line = malloc(n * sizeof(double));
    double *signal = malloc(n * sizeof(double));
    assert_true(x != NULL && line != NULL && signal != NULL);
    for (size_t i = 0; i < n; i++) {
        x[i] = bars[i].close;
    }
    const sc_macd_config cfgs[] = {{12, 26, 9}, {5, 35, 5}, {1, 2, 1}};
    for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
        macd_batch(x, n, cfgs[c].fast_period, cfgs[c].slow_period, cfgs[c].signal_period, line,
                   signal);
        sc_macd m;
        assert_int_equal(sc_macd_init(&m, &cfgs[c]), SC_OK);
        size_t first = (size_t)(cfgs[c].slow_period + cfgs[c].signal_period - 2);
        for (size_t i = 0; i < n; i++) {
            sc_macd_update(&m, x[i]);
            sc_macd_value v;
            bool ready = sc_macd_get(&m, &v);
            assert_int_equal(ready, i >= first);
            if (ready) {
                /* The line is a difference near 0: tolerance relative to
                 * 1 USD below that scale. */
                fx_close_at(v.line, line[i], 1e-9, 1.0, "macd line", i);
                fx_close_at(v.signal, signal[i], 1e-9, 1.0, "macd signal", i);
                fx_close_at(v.hist, line[i] - signal[i], 1e-9, 1.0, "macd hist", i);
            }
        }
    }
    free(signal);
    free(line);
    free(x);
    free(bars);
}

/* Anchor values at the last bar of the series, computed by a separate
 * python3 script (plain float arithmetic, same definition) over the same
 * CSV, printed with repr(). */
static void test_macd_python_anchor(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    sc_macd m;
    sc_macd_config cfg = {12, 26, 9};
    assert_int_equal(sc_macd_init(&m, &cfg), SC_OK);
    for (size_t i = 0; i < n; i++) {
        sc_macd_update(&m, bars[i].close);
    }
    sc_macd_value v;
    assert_true(sc_macd_get(&m, &v));
    fx_close(v.line, -46.8156949919794, 1e-9);
    fx_close(v.signal, -39.90936194226943, 1e-9);
    free(bars);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_macd_by_hand),
        cmocka_unit_test(test_macd_edges),
        cmocka_unit_test(test_macd_real_series),
        cmocka_unit_test(test_macd_python_anchor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
