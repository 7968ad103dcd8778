#include "features_fixture.h"

#include "features/volatility.h"

static sc_volatility *vol_new(int32_t period, double bpy, uint32_t hist, uint32_t hist_min) {
    sc_volatility_config cfg = {.period = period,
                                .bars_per_year = bpy,
                                .history = hist,
                                .history_min = hist_min,
                                .low_pct = 25,
                                .normal_pct = 75,
                                .high_pct = 95};
    sc_volatility *v = NULL;
    assert_int_equal(sc_volatility_create(&cfg, &v), SC_OK);
    return v;
}

/* Vol(2) of closes 100, 110, 99, 99.
 *   r1 = ln(1.1) = 0.0953102, r2 = ln(0.9) = -0.1053605, r3 = ln(1) = 0
 *   For two returns the sample sd is |a - b| / sqrt(2):
 *   after 99:  |0.0953102 + 0.1053605| / sqrt 2 = 0.1418956
 *   after 99:  |-0.1053605 - 0| / sqrt 2 = 0.0745011
 *   annualised for 1m bars: 0.1418956 * sqrt(525600) = 102.87187
 *   (values printed by python3's math.log/math.sqrt to 17 digits) */
static void test_volatility_by_hand(void **state) {
    (void)state;
    sc_volatility *v = vol_new(2, 0.0, 4, 1);
    sc_volatility *a = vol_new(2, 525600.0, 4, 1);
    const double c[] = {100, 110, 99, 99};
    double x = -1.0;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(sc_volatility_update(v, c[i]), SC_OK);
        assert_int_equal(sc_volatility_update(a, c[i]), SC_OK);
        assert_false(sc_volatility_get(v, &x));
    }
    assert_true(x == -1.0);
    assert_int_equal(sc_volatility_update(v, c[2]), SC_OK);
    assert_int_equal(sc_volatility_update(a, c[2]), SC_OK);
    assert_true(sc_volatility_get(v, &x));
    fx_close(x, 0.14189560954670769, 1e-14);
    assert_true(sc_volatility_get(a, &x));
    fx_close(x, 102.87187041624563, 1e-14);
    assert_int_equal(sc_volatility_update(v, c[3]), SC_OK);
    assert_true(sc_volatility_get(v, &x));
    fx_close(x, 0.07450113509096037, 1e-14);
    /* Two vol values in the history: 0.1419 and 0.0745. The current one is
     * the lower: pct = 100 * (0 + 1/2) / 2 = 25 -> not < 25 -> normal. */
    sc_volatility_class cls;
    assert_true(sc_volatility_regime_get(v, &cls));
    fx_close(cls.pct, 25.0, 1e-15);
    assert_int_equal(cls.regime, SC_VOLATILITY_REGIME_NORMAL);
    sc_volatility_destroy(v);
    sc_volatility_destroy(a);
}

/* Returns +-0.01, +-0.02, ... make every vol (N=2) larger than the one
 * before, so the current value is the window's maximum:
 * pct = 100 * (len - 1/2) / len: 50 (len 1), 75, 83.3, 87.5 (len 4), then
 * 87.5 forever with M = 4: normal, high, high, high, high...
 * Then equal returns (flat) make vol 0, lower than everything:
 * pct = 100 * (1/2) / 4 = 12.5 -> low; after 4 flat vols all are equal:
 * pct = 100 * (4/2) / 4 = 50 -> normal (mid-rank, not 100). */
static void test_volatility_regime(void **state) {
    (void)state;
    sc_volatility *v = vol_new(2, 0.0, 4, 1);
    double logp = log(100.0);
    assert_int_equal(sc_volatility_update(v, 100.0), SC_OK);
    const double want[] = {50.0, 75.0, 100.0 * 2.5 / 3.0, 87.5, 87.5, 87.5};
    const sc_volatility_regime cls_want[] = {
        SC_VOLATILITY_REGIME_NORMAL, SC_VOLATILITY_REGIME_HIGH, SC_VOLATILITY_REGIME_HIGH,
        SC_VOLATILITY_REGIME_HIGH,   SC_VOLATILITY_REGIME_HIGH, SC_VOLATILITY_REGIME_HIGH};
    sc_volatility_class cls;
    for (int k = 1; k <= 7; k++) {
        logp += (k % 2 ? 1 : -1) * 0.01 * k;
        assert_int_equal(sc_volatility_update(v, exp(logp)), SC_OK);
        if (k == 1) {
            assert_false(sc_volatility_regime_get(v, &cls));
            continue;
        }
        assert_true(sc_volatility_regime_get(v, &cls));
        fx_close(cls.pct, want[k - 2], 1e-12);
        assert_int_equal(cls.regime, cls_want[k - 2]);
    }
    double p = exp(logp);
    assert_int_equal(sc_volatility_update(v, p), SC_OK); /* r = 0, vol still > 0 */
    for (int k = 0; k < 4; k++) {
        assert_int_equal(sc_volatility_update(v, p), SC_OK);
        assert_true(sc_volatility_regime_get(v, &cls));
        double vol;
        assert_true(sc_volatility_get(v, &vol));
        assert_true(vol == 0.0); /* flat: exactly 0 */
        fx_close(cls.pct, k < 3 ? 100.0 * (0.5 * (k + 1)) / 4.0 : 50.0, 1e-12);
    }
    assert_int_equal(cls.regime, SC_VOLATILITY_REGIME_NORMAL);
    assert_string_equal(sc_volatility_regime_name(SC_VOLATILITY_REGIME_EXTREME), "extreme");
    sc_volatility_destroy(v);
}

static void test_volatility_edges(void **state) {
    (void)state;
    sc_volatility_config bad = {.period = 1,
                                .history = 4,
                                .history_min = 1,
                                .low_pct = 25,
                                .normal_pct = 75,
                                .high_pct = 95};
    sc_volatility *v = NULL;
    assert_int_equal(sc_volatility_create(&bad, &v), SC_ERR_INVALID_ARG);
    bad.period = 20;
    bad.history_min = 5; /* > history */
    assert_int_equal(sc_volatility_create(&bad, &v), SC_ERR_INVALID_ARG);
    bad.history_min = 4;
    bad.normal_pct = 20; /* below low */
    assert_int_equal(sc_volatility_create(&bad, &v), SC_ERR_INVALID_ARG);
    bad.normal_pct = 75;
    bad.bars_per_year = -1;
    assert_int_equal(sc_volatility_create(&bad, &v), SC_ERR_INVALID_ARG);
    sc_volatility_destroy(NULL);
    v = vol_new(3, 0.0, 10, 3);
    assert_int_equal(sc_volatility_update(v, 0.0), SC_ERR_RANGE);
    assert_int_equal(sc_volatility_update(v, -5.0), SC_ERR_RANGE);
    assert_int_equal(sc_volatility_update(v, NAN), SC_ERR_RANGE);
    double x;
    sc_volatility_class cls;
    /* history_min 3: the regime waits for 3 vol values after the vol is up. */
    for (int i = 0; i < 6; i++) {
        assert_int_equal(sc_volatility_update(v, 100.0 + i * i), SC_OK);
        assert_int_equal(sc_volatility_get(v, &x), i >= 3);
        assert_int_equal(sc_volatility_regime_get(v, &cls), i >= 5);
    }
    sc_volatility_destroy(v);
}

static double sample_sd(const double *r, size_t n) {
    double mean = 0.0;
    for (size_t i = 0; i < n; i++) {
        mean += r[i];
    }
    mean /= (double)n;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        ss += (r[i] - mean) * (r[i] - mean);
    }
    return sqrt(ss / (double)(n - 1));
}

static void test_volatility_real_series(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    const int32_t period = 30;
    const uint32_t hist = 1440;
    sc_volatility *v = vol_new(period, 525600.0, hist, 60);
    double *r = calloc(n, sizeof(double));
    double *vols = calloc(n, sizeof(double)); /* the module's own values */
    assert_true(r != NULL && vols != NULL);
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sc_volatility_update(v, bars[i].close), SC_OK);
        if (i > 0) {
            r[i] = log(bars[i].close / bars[i - 1].close);
        }
        double got;
        bool ready = sc_volatility_get(v, &got);
        assert_int_equal(ready, i >= (size_t)period);
        if (!ready) {
            continue;
        }
        double want = sample_sd(&r[i + 1 - (size_t)period], (size_t)period) * sqrt(525600.0);
        fx_close_at(got, want, 1e-9, 1e-6, "realized vol", i);
        /* Percentile: brute-force mid-rank over the last M reported vols. */
        vols[nv++] = got;
        size_t from = nv > hist ? nv - hist : 0;
        double below = 0.0;
        double equal = 0.0;
        for (size_t j = from; j < nv; j++) {
            below += vols[j] < got;
            equal += vols[j] == got;
        }
        double pct = 100.0 * (below + equal / 2.0) / (double)(nv - from);
        sc_volatility_class cls;
        assert_int_equal(sc_volatility_regime_get(v, &cls), nv >= 60);
        if (nv >= 60) {
            assert_true(cls.pct == pct);
            sc_volatility_regime want_cls = pct < 25   ? SC_VOLATILITY_REGIME_LOW
                                            : pct < 75 ? SC_VOLATILITY_REGIME_NORMAL
                                            : pct < 95 ? SC_VOLATILITY_REGIME_HIGH
                                                       : SC_VOLATILITY_REGIME_EXTREME;
            assert_int_equal(cls.regime, want_cls);
        }
    }
    free(vols);
    free(r);
    sc_volatility_destroy(v);
    free(bars);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_volatility_by_hand),
        cmocka_unit_test(test_volatility_regime),
        cmocka_unit_test(test_volatility_edges),
        cmocka_unit_test(test_volatility_real_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
