/* The market simulator: determinism from the seed, a session the replay
 * checker accepts (0 gaps, 0 crossed, 0 BBO mismatches), each stress event
 * doing what it says, and statistics near the calibration. */
#include "support/support.h"

#include <stdlib.h>
#include <string.h>

#include "engine/market_sim.h"
#include "engine/replay.h"

enum { SAMPLES_MAX = 1 << 17 };

typedef struct {
    uint64_t hash; /* FNV-1a over every time and line */
    uint64_t lines;
    sc_replay *rp; /* NULL: no replay */
    sc_ns last_ns;
    sc_ns silence_max_ns;
    /* The replayed book's mid after each bookTicker, for the crash test. */
    sc_ns mid_ns[SAMPLES_MAX];
    int64_t mid_x2[SAMPLES_MAX];
    uint32_t n_mid;
} sink;

static void fnv(uint64_t *h, const void *p, size_t n) {
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        *h = (*h ^ c[i]) * UINT64_C(1099511628211);
    }
}

static sc_err on_line(void *ctx, sc_ns ts, const char *json, size_t len) {
    sink *k = ctx;
    fnv(&k->hash, &ts, sizeof(ts));
    fnv(&k->hash, json, len);
    if (k->lines > 0 && ts - k->last_ns > k->silence_max_ns) {
        k->silence_max_ns = ts - k->last_ns;
    }
    assert_true(k->lines == 0 || ts > k->last_ns);
    k->last_ns = ts;
    k->lines++;
    if (k->rp == NULL) {
        return SC_OK;
    }
    sc_replay_on_message(k->rp, ts, json, len, "sim", (int64_t)k->lines);
    int64_t m = 0;
    if (strstr(json, "bookTicker") != NULL && k->n_mid < SAMPLES_MAX &&
        sc_book_mid_x2(sc_replay_book(k->rp), &m) == SC_OK) {
        k->mid_ns[k->n_mid] = ts;
        k->mid_x2[k->n_mid++] = m;
    }
    return SC_OK;
}

static sink *run(const sc_market_sim_config *cfg, bool replay, sc_replay_summary *sum,
                 sc_market_sim_stats *st) {
    sink *k = calloc(1, sizeof(*k));
    assert_non_null(k);
    k->hash = UINT64_C(14695981039346656037);
    if (replay) {
        sc_replay_config rc;
        memset(&rc, 0, sizeof(rc));
        rc.ins = sc_instrument_find("usdm:BTCUSDT");
        assert_int_equal(sc_replay_create(&rc, &k->rp), SC_OK);
    }
    sc_market_sim *s = NULL;
    assert_int_equal(sc_market_sim_create(cfg, &s), SC_OK);
    assert_int_equal(sc_market_sim_run(s, on_line, k), SC_OK);
    if (st != NULL) {
        sc_market_sim_get_stats(s, st);
    }
    sc_market_sim_destroy(s);
    if (replay) {
        sc_replay_finish(k->rp);
        sc_replay_get_summary(k->rp, sum);
        sc_replay_destroy(k->rp);
        k->rp = NULL;
    }
    return k;
}

static void test_same_seed_same_bytes(void **state) {
    (void)state;
    sc_market_sim_config c;
    sc_market_sim_config_default(&c);
    c.seconds = 60;
    c.seed = 42;
    sink *a = run(&c, false, NULL, NULL);
    sink *b = run(&c, false, NULL, NULL);
    c.seed = 43;
    sink *d = run(&c, false, NULL, NULL);
    assert_true(a->lines > 1000);
    assert_int_equal(a->lines, b->lines);
    assert_true(a->hash == b->hash);
    assert_true(a->hash != d->hash);
    free(a);
    free(b);
    free(d);
}

static void test_clean_session_replays_clean(void **state) {
    (void)state;
    sc_market_sim_config c;
    sc_market_sim_config_default(&c); /* 300 s */
    sc_replay_summary r;
    sink *k = run(&c, true, &r, NULL);
    assert_int_equal(r.book.gaps, 0);
    assert_int_equal(r.book.crossed, 0);
    assert_int_equal(r.bbo_mismatch, 0);
    assert_int_equal(r.malformed, 0);
    assert_int_equal(r.missing_trades, 0);
    assert_int_equal(r.snapshots, 1);
    assert_true(r.bbo_checked > 100);
    assert_true(r.book_synced);
    free(k);
}

static void test_gap_stress_is_one_gap(void **state) {
    (void)state;
    sc_market_sim_config c;
    sc_market_sim_config_default(&c);
    c.seconds = 120;
    c.stress.gap_at_s = 60;
    sc_replay_summary r;
    sc_market_sim_stats st;
    sink *k = run(&c, true, &r, &st);
    assert_int_equal(st.depth_dropped, 1);
    assert_int_equal(r.book.gaps, 1);
    assert_int_equal(r.book.resyncs, 1); /* the simulator's fresh snapshot */
    assert_int_equal(r.book.crossed, 0);
    assert_int_equal(r.bbo_mismatch, 0);
    assert_true(r.book_synced);
    free(k);
}

/* Largest fall of the replayed mid within any one second, as a fraction. */
static double max_drop_1s(const sink *k) {
    double worst = 0.0;
    uint32_t lo = 0;
    for (uint32_t i = 0; i < k->n_mid; i++) {
        while (k->mid_ns[i] - k->mid_ns[lo] > SC_NS_PER_S) {
            lo++;
        }
        for (uint32_t j = lo; j < i; j++) {
            double d = (double)(k->mid_x2[j] - k->mid_x2[i]) / (double)k->mid_x2[j];
            worst = d > worst ? d : worst;
        }
    }
    return worst;
}

static void test_crash_drops_ten_percent_in_a_second(void **state) {
    (void)state;
    sc_market_sim_config c;
    sc_market_sim_config_default(&c);
    c.seconds = 60;
    sc_replay_summary r;
    sink *calm = run(&c, true, &r, NULL);
    assert_true(max_drop_1s(calm) < 0.01);
    c.stress.crash_at_s = 30;
    sink *k = run(&c, true, &r, NULL);
    assert_int_equal(r.book.gaps, 0);
    assert_int_equal(r.book.crossed, 0);
    assert_int_equal(r.bbo_mismatch, 0);
    double d = max_drop_1s(k);
    if (d < 0.10) {
        fail_msg("crash: largest 1 s fall %.4f, want >= 0.10", d);
    }
    free(calm);
    free(k);
}

static void test_freeze_is_silent(void **state) {
    (void)state;
    sc_market_sim_config c;
    sc_market_sim_config_default(&c);
    c.seconds = 60;
    sink *calm = run(&c, false, NULL, NULL);
    assert_true(calm->silence_max_ns < SC_NS_PER_S);
    c.stress.freeze_at_s = 20;
    c.stress.freeze_s = 7;
    sc_replay_summary r;
    sink *k = run(&c, true, &r, NULL);
    assert_true(k->silence_max_ns >= 7 * SC_NS_PER_S - 10 * SC_NS_PER_MS);
    assert_true(k->silence_max_ns < 8 * SC_NS_PER_S);
    assert_int_equal(r.book.gaps, 0);
    assert_int_equal(r.bbo_mismatch, 0);
    free(calm);
    free(k);
}

static void test_statistics_near_calibration(void **state) {
    (void)state;
    sc_market_sim_config c;
    sc_market_sim_config_default(&c);
    sc_market_sim_stats st;
    sink *k = run(&c, false, NULL, &st);
    assert_int_equal(sc_market_sim_spread_median_ticks(&st), 1);
    double one = (double)st.spread_hist[1] / (double)st.book_ticker;
    double trades_s = (double)st.trades / c.seconds;
    double diffs_s = (double)st.depth / c.seconds;
    print_message("spread 1-tick share %.3f, trades/s %.1f, diffs/s %.1f\n", one, trades_s,
                  diffs_s);
    assert_true(one > c.spread_1tick_frac - 0.05 && one <= 1.0);
    /* Regimes scale the rates by 0.8..1.6. */
    assert_true(trades_s > 0.6 * c.trades_per_s && trades_s < 1.7 * c.trades_per_s);
    assert_true(diffs_s > 0.6 * c.diffs_per_s && diffs_s < 1.7 * c.diffs_per_s);
    assert_int_equal(st.mark_price, c.seconds);
    free(k);
}

static void test_bad_config_refused(void **state) {
    (void)state;
    sc_market_sim_config c;
    sc_market_sim *s = NULL;
    sc_market_sim_config_default(&c);
    c.seconds = 0;
    assert_int_equal(sc_market_sim_create(&c, &s), SC_ERR_INVALID_ARG);
    sc_market_sim_config_default(&c);
    c.stress.freeze_at_s = 290;
    c.stress.freeze_s = 20; /* past the end */
    assert_int_equal(sc_market_sim_create(&c, &s), SC_ERR_INVALID_ARG);
    sc_market_sim_config_default(&c);
    c.start_px_ticks = 1000;
    assert_int_equal(sc_market_sim_create(&c, &s), SC_ERR_INVALID_ARG);
    assert_null(s);
    sc_market_sim_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_clean_session_replays_clean),
        cmocka_unit_test(test_gap_stress_is_one_gap),
        cmocka_unit_test(test_crash_drops_ten_percent_in_a_second),
        cmocka_unit_test(test_freeze_is_silent),
        cmocka_unit_test(test_statistics_near_calibration),
        cmocka_unit_test(test_bad_config_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
