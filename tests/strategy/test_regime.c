#include "support/support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "features/ema.h"
#include "features/volatility.h"
#include "market/klines_csv.h"
#include "strategy/regime.h"

#define T0 (INT64_C(1749246060) * SC_NS_PER_S) /* a minute boundary, June 2025 */
#define MIN_NS SC_NS_PER_MIN

static sc_regime_config cfg_default(void) {
    sc_params p;
    sc_params_defaults(&p);
    sc_regime_config c;
    sc_regime_config_from_params(&p, &c);
    return c;
}

static sc_regime_detector *det_new(int32_t hysteresis_bars) {
    sc_regime_config c = cfg_default();
    c.hysteresis_bars = hysteresis_bars;
    sc_regime_detector *d = NULL;
    assert_int_equal(sc_regime_create(&c, &d), SC_OK);
    assert_non_null(d);
    return d;
}

/* Warm, no book, EMAs equal, vol at the 50th percentile: ranging. */
static sc_regime_inputs in_ranging(void) {
    sc_regime_inputs in;
    memset(&in, 0, sizeof(in));
    in.mid = 10000.0;
    in.ema_ready = true;
    in.ema_fast = 10000.0;
    in.ema_slow = 10000.0;
    in.vol_ready = true;
    in.vol_pct = 50.0;
    return in;
}

/* fast - slow = sep_bps on a mid of 10000 (exact for whole bps). */
static sc_regime_inputs in_trend(double sep_bps) {
    sc_regime_inputs in = in_ranging();
    in.ema_fast = 10000.0 + sep_bps;
    return in;
}

static sc_regime_inputs in_volatile(void) {
    sc_regime_inputs in = in_ranging();
    in.vol_pct = 97.0;
    return in;
}

static sc_regime_inputs in_with_book(sc_regime_inputs in, double spread_bps, int64_t bid,
                                     int64_t ask) {
    in.spread_known = true;
    in.spread_bps = spread_bps;
    in.depth_known = true;
    in.depth_bid_qty.steps = bid;
    in.depth_ask_qty.steps = ask;
    return in;
}

/* Feeds one candle at T0 + i minutes and returns the current regime. */
static sc_regime feed(sc_regime_detector *d, const sc_regime_inputs *in, int64_t i) {
    assert_int_equal(sc_regime_on_candle(d, in, T0 + i * MIN_NS), SC_OK);
    return sc_regime_current(d);
}

static void test_config(void **state) {
    (void)state;
    sc_regime_config c = cfg_default();
    assert_true(c.trend_bps == 8.0 && c.volatile_pct == 90.0 && c.illiquid_spread_bps == 3.0);
    assert_int_equal(c.illiquid_depth_steps, 2000);
    assert_int_equal(c.hysteresis_bars, 3);
    assert_int_equal(c.ema_fast_n, 9);
    assert_int_equal(c.ema_slow_n, 50);
    sc_regime_detector *d = NULL;
    assert_int_equal(sc_regime_create(NULL, &d), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_regime_create(&c, NULL), SC_ERR_INVALID_ARG);
    const struct {
        double trend, vol, spread;
        int64_t depth;
        int32_t h, fast, slow;
    } bad[] = {
        {0.4, 90, 3, 2000, 3, 9, 50}, {8, 49.9, 3, 2000, 3, 9, 50}, {8, 90, 0.05, 2000, 3, 9, 50},
        {8, 90, 3, -1, 3, 9, 50},     {8, 90, 3, 2000, 0, 9, 50},   {8, 90, 3, 2000, 101, 9, 50},
        {8, 90, 3, 2000, 3, 50, 50},  {8, 90, 3, 2000, 3, 0, 50},   {8, 90, 3, 2000, 3, 9, 100001},
        {NAN, 90, 3, 2000, 3, 9, 50},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sc_regime_config b = {bad[i].trend, bad[i].vol,  bad[i].spread, bad[i].depth,
                              bad[i].h,     bad[i].fast, bad[i].slow};
        assert_int_equal(sc_regime_create(&b, &d), SC_ERR_INVALID_ARG);
        assert_null(d);
    }
    /* Parameters out of bounds or not whole never become a valid config. */
    sc_params p;
    sc_params_defaults(&p);
    p.v[SC_P_REGIME_HYSTERESIS_BARS] = 2.5;
    sc_regime_config_from_params(&p, &c);
    assert_int_equal(sc_regime_create(&c, &d), SC_ERR_INVALID_ARG);
    p.v[SC_P_REGIME_HYSTERESIS_BARS] = 1e300;
    sc_regime_config_from_params(&p, &c);
    assert_int_equal(sc_regime_create(&c, &d), SC_ERR_INVALID_ARG);
    sc_regime_destroy(NULL);
}

static void test_classify_each_regime(void **state) {
    (void)state;
    sc_regime_config c = cfg_default();
    sc_regime_inputs in = in_ranging();
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_RANGING);
    in = in_trend(12.0);
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_TREND_UP);
    in = in_trend(-12.0);
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_TREND_DOWN);
    in = in_volatile();
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_VOLATILE);
    in = in_with_book(in_ranging(), 5.0, 9000, 9000); /* wide spread */
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_ILLIQUID);
    in = in_with_book(in_ranging(), 0.1, 9000, 1999); /* thin ask side */
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_ILLIQUID);
    in = in_with_book(in_ranging(), 0.1, 1999, 9000); /* thin bid side */
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_ILLIQUID);
    in = in_with_book(in_ranging(), 0.1, 9000, 9000); /* a healthy book changes nothing */
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_RANGING);
    in = in_ranging();
    in.news_shock = true;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_NEWS_SHOCK);
    in = in_ranging();
    in.vol_ready = false;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_UNKNOWN);
    in = in_ranging();
    in.ema_ready = false;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_UNKNOWN);
}

static void test_thresholds(void **state) {
    (void)state;
    sc_regime_config c = cfg_default();
    sc_regime_inputs in = in_trend(8.0); /* exactly trend_bps: a trend */
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_TREND_UP);
    in = in_trend(-8.0);
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_TREND_DOWN);
    in = in_trend(7.0);
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_RANGING);
    in = in_trend(-7.0);
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_RANGING);
    in = in_ranging();
    in.vol_pct = 90.0; /* exactly volatile_pct: volatile */
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_VOLATILE);
    in.vol_pct = 89.9;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_RANGING);
    in = in_with_book(in_ranging(), 3.0, 2000, 2000); /* spread at, depth at the threshold */
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_ILLIQUID);
    in.spread_bps = 2.99; /* depth == illiquid_depth_steps is not below it */
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_RANGING);
    c.illiquid_depth_steps = 0; /* depth rule off: even an empty side passes */
    in.depth_bid_qty.steps = 0;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_RANGING);
    /* Only the known parts of the book are judged. */
    c = cfg_default();
    in = in_with_book(in_ranging(), 9.0, 0, 0);
    in.spread_known = false;
    in.depth_known = false;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_RANGING);
    in.spread_known = true;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_ILLIQUID);
    in.spread_known = false;
    in.depth_known = true;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_ILLIQUID);
    /* Separation is relative to the mid. */
    in = in_trend(8.0);
    in.mid = 20000.0; /* 8 / 20000 = 4 bps */
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_RANGING);
}

static void test_precedence(void **state) {
    (void)state;
    sc_regime_config c = cfg_default();
    /* news > illiquid > volatile > trend > ranging, and over warm-up. */
    sc_regime_inputs in = in_with_book(in_trend(20.0), 5.0, 0, 0);
    in.vol_pct = 99.0;
    in.news_shock = true;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_NEWS_SHOCK);
    in.news_shock = false;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_ILLIQUID);
    in.spread_known = false;
    in.depth_known = false;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_VOLATILE);
    in.vol_pct = 10.0;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_TREND_UP);
    in = in_trend(-20.0);
    in.vol_pct = 95.0;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_VOLATILE);
    /* Volatile needs no EMAs; a trend needs the vol percentile. */
    in = in_volatile();
    in.ema_ready = false;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_VOLATILE);
    in = in_trend(20.0);
    in.vol_ready = false;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_UNKNOWN);
    /* Illiquid and news need no warm-up. */
    in = in_with_book(in_ranging(), 5.0, 9000, 9000);
    in.ema_ready = false;
    in.vol_ready = false;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_ILLIQUID);
    in.spread_known = false;
    in.depth_known = false;
    in.news_shock = true;
    assert_int_equal(sc_regime_classify(&c, &in), SC_REGIME_NEWS_SHOCK);
}

static void test_unknown_until_warm(void **state) {
    (void)state;
    sc_regime_detector *d = det_new(3);
    sc_regime_change ev;
    assert_int_equal(sc_regime_current(d), SC_REGIME_UNKNOWN);
    assert_false(sc_regime_last_change(d, &ev));
    assert_int_equal(ev.seq, 0);
    assert_string_equal(ev.reason, "");
    sc_regime_inputs in = in_trend(20.0);
    in.ema_ready = false;
    in.vol_ready = false;
    int64_t i = 0;
    for (; i < 50; i++) {
        assert_int_equal(feed(d, &in, i), SC_REGIME_UNKNOWN);
        assert_false(sc_regime_last_change(d, &ev));
    }
    in.vol_ready = true; /* EMAs still cold */
    for (; i < 60; i++) {
        assert_int_equal(feed(d, &in, i), SC_REGIME_UNKNOWN);
    }
    in.ema_ready = true; /* warm: the first regime after a run of 3 */
    assert_int_equal(feed(d, &in, i++), SC_REGIME_UNKNOWN);
    assert_int_equal(feed(d, &in, i++), SC_REGIME_UNKNOWN);
    assert_int_equal(feed(d, &in, i++), SC_REGIME_TREND_UP);
    assert_true(sc_regime_last_change(d, &ev));
    assert_int_equal(ev.old_regime, SC_REGIME_UNKNOWN);
    assert_int_equal(ev.new_regime, SC_REGIME_TREND_UP);
    /* Inputs that stop being ready bring UNKNOWN back, after a run too. */
    in.ema_ready = false;
    assert_int_equal(feed(d, &in, i++), SC_REGIME_TREND_UP);
    assert_int_equal(feed(d, &in, i++), SC_REGIME_TREND_UP);
    assert_int_equal(feed(d, &in, i++), SC_REGIME_UNKNOWN);
    assert_true(sc_regime_last_change(d, &ev));
    assert_string_equal(ev.reason, "unknown: EMA9/EMA50 not ready for 3 bars");
    sc_regime_counters k;
    sc_regime_get_counters(d, &k);
    assert_int_equal(k.bars, (uint64_t)i);
    assert_int_equal(k.bars_without_book, (uint64_t)i);
    assert_int_equal(k.bars_in[SC_REGIME_UNKNOWN], (uint64_t)i - 3);
    assert_int_equal(k.bars_in[SC_REGIME_TREND_UP], 3);
    assert_int_equal(k.candidate_bars[SC_REGIME_UNKNOWN], 63);
    assert_int_equal(k.candidate_bars[SC_REGIME_TREND_UP], 3);
    sc_regime_destroy(d);
}

/* Warm detector already in `r` (fed for 3 bars, H = 3); *i is the next index. */
static sc_regime_detector *det_in(sc_regime_inputs in, sc_regime r, int64_t *i) {
    sc_regime_detector *d = det_new(3);
    for (*i = 0; *i < 3; (*i)++) {
        feed(d, &in, *i);
    }
    assert_int_equal(sc_regime_current(d), r);
    return d;
}

static void test_hysteresis(void **state) {
    (void)state;
    int64_t i = 0;
    sc_regime_inputs rng = in_ranging();
    sc_regime_inputs up = in_trend(12.0);
    sc_regime_inputs vol = in_volatile();
    sc_regime_detector *d = det_in(rng, SC_REGIME_RANGING, &i);
    sc_regime_change ev;
    int32_t run = -1;
    /* A one-bar (and a two-bar) spike changes nothing. */
    assert_int_equal(feed(d, &vol, i++), SC_REGIME_RANGING);
    assert_int_equal(sc_regime_pending(d, &run), SC_REGIME_VOLATILE);
    assert_int_equal(run, 1);
    assert_int_equal(feed(d, &rng, i++), SC_REGIME_RANGING);
    assert_int_equal(sc_regime_pending(d, &run), SC_REGIME_RANGING);
    assert_int_equal(run, 0);
    assert_int_equal(feed(d, &up, i++), SC_REGIME_RANGING);
    assert_int_equal(feed(d, &up, i++), SC_REGIME_RANGING);
    assert_int_equal(feed(d, &rng, i++), SC_REGIME_RANGING);
    assert_false(sc_regime_last_change(d, &ev));
    /* Alternating candidates never complete a run: no flicker. */
    for (int k = 0; k < 40; k++) {
        assert_int_equal(feed(d, (k % 2) ? &up : &vol, i++), SC_REGIME_RANGING);
        assert_false(sc_regime_last_change(d, &ev));
    }
    for (int k = 0; k < 40; k++) {
        assert_int_equal(feed(d, (k % 3) ? &up : &rng, i++), SC_REGIME_RANGING);
    }
    /* Three in a row do: the change lands on the third. */
    assert_int_equal(feed(d, &up, i++), SC_REGIME_RANGING);
    assert_int_equal(feed(d, &up, i++), SC_REGIME_RANGING);
    assert_int_equal(sc_regime_pending(d, &run), SC_REGIME_TREND_UP);
    assert_int_equal(run, 2);
    assert_int_equal(feed(d, &up, i++), SC_REGIME_TREND_UP);
    assert_true(sc_regime_last_change(d, &ev));
    assert_int_equal(ev.ts_ns, T0 + (i - 1) * MIN_NS);
    assert_int_equal(ev.old_regime, SC_REGIME_RANGING);
    assert_int_equal(ev.bars, 3);
    assert_false(ev.forced);
    assert_true(ev.inputs.ema_fast == up.ema_fast);
    assert_int_equal(sc_regime_pending(d, &run), SC_REGIME_TREND_UP);
    assert_int_equal(run, 0);
    /* The event stays readable, but is no longer "new". */
    assert_int_equal(feed(d, &up, i++), SC_REGIME_TREND_UP);
    assert_false(sc_regime_last_change(d, &ev));
    assert_int_equal(ev.new_regime, SC_REGIME_TREND_UP);
    assert_int_equal(ev.seq, 2);
    /* A run of another candidate restarts when the candidate changes. */
    assert_int_equal(feed(d, &vol, i++), SC_REGIME_TREND_UP);
    assert_int_equal(feed(d, &vol, i++), SC_REGIME_TREND_UP);
    assert_int_equal(feed(d, &rng, i++), SC_REGIME_TREND_UP);
    assert_int_equal(sc_regime_pending(d, &run), SC_REGIME_RANGING);
    assert_int_equal(run, 1);
    assert_int_equal(feed(d, &rng, i++), SC_REGIME_TREND_UP);
    assert_int_equal(feed(d, &rng, i++), SC_REGIME_RANGING);
    sc_regime_counters k;
    sc_regime_get_counters(d, &k);
    assert_int_equal(k.changes, 3);
    assert_int_equal(k.changes_to[SC_REGIME_RANGING], 2);
    assert_int_equal(k.changes_to[SC_REGIME_TREND_UP], 1);
    assert_int_equal(k.changes_to[SC_REGIME_VOLATILE], 0);
    assert_int_equal(k.bars, (uint64_t)i);
    sc_regime_destroy(d);
}

static void test_hysteresis_one_bar(void **state) {
    (void)state;
    sc_regime_detector *d = det_new(1);
    sc_regime_inputs rng = in_ranging();
    sc_regime_inputs vol = in_volatile();
    sc_regime_change ev;
    assert_int_equal(feed(d, &rng, 0), SC_REGIME_RANGING);
    assert_true(sc_regime_last_change(d, &ev));
    assert_int_equal(ev.bars, 1);
    assert_int_equal(feed(d, &vol, 1), SC_REGIME_VOLATILE);
    assert_int_equal(feed(d, &rng, 2), SC_REGIME_RANGING);
    assert_int_equal(feed(d, &rng, 3), SC_REGIME_RANGING);
    assert_false(sc_regime_last_change(d, &ev));
    sc_regime_counters k;
    sc_regime_get_counters(d, &k);
    assert_int_equal(k.changes, 3);
    sc_regime_destroy(d);
}

static void expect_reason(sc_regime_inputs in, const char *want) {
    sc_regime_detector *d = det_new(3);
    sc_regime_change ev;
    for (int64_t i = 0; i < 3; i++) {
        feed(d, &in, i);
    }
    assert_true(sc_regime_last_change(d, &ev));
    assert_string_equal(ev.reason, want);
    sc_regime_destroy(d);
}

static void test_reason_text(void **state) {
    (void)state;
    sc_regime_inputs in = in_ranging();
    in.mid = 61820.0;
    in.ema_fast = 61850.2;
    in.ema_slow = 61790.0;
    expect_reason(in, "trending_up: EMA9 61850.2 above EMA50 61790.0 by 9.74 bps >= 8 bps for "
                      "3 bars");
    in.ema_fast = 61729.8;
    expect_reason(in, "trending_down: EMA9 61729.8 below EMA50 61790.0 by 9.74 bps >= 8 bps for "
                      "3 bars");
    in.ema_fast = 61800.0;
    in.vol_pct = 42.5;
    expect_reason(in, "ranging: EMA9 61800.0 vs EMA50 61790.0 apart 1.62 bps < 8 bps, vol pct "
                      "42.5 < 90 for 3 bars");
    in.vol_pct = 96.3;
    expect_reason(in, "volatile: vol pct 96.3 >= 90 for 3 bars");
    expect_reason(in_with_book(in, 4.1, 9000, 9000),
                  "illiquid: spread 4.10 bps >= 3 bps for 3 bars");
    expect_reason(in_with_book(in, 0.02, 1500, 9000),
                  "illiquid: depth bid 1500 ask 9000 steps within 10 bps < 2000 steps for 3 bars");
    expect_reason(in_with_book(in, 3.5, 9000, 12),
                  "illiquid: spread 3.50 bps >= 3 bps; depth bid 9000 ask 12 steps within 10 bps "
                  "< 2000 steps for 3 bars");
    /* Back to unknown after warm-up: which input is missing. */
    int64_t i = 0;
    sc_regime_detector *d = det_in(in_ranging(), SC_REGIME_RANGING, &i);
    in = in_ranging();
    in.vol_ready = false;
    for (int k = 0; k < 3; k++) {
        feed(d, &in, i++);
    }
    sc_regime_change ev;
    assert_true(sc_regime_last_change(d, &ev));
    assert_string_equal(ev.reason, "unknown: vol percentile not ready for 3 bars");
    sc_regime_destroy(d);
}

static void test_news_hook(void **state) {
    (void)state;
    int64_t i = 0;
    sc_regime_inputs up = in_trend(12.0);
    sc_regime_detector *d = det_in(up, SC_REGIME_TREND_UP, &i);
    sc_regime_inputs news = up;
    news.news_shock = true;
    sc_regime_change ev;
    /* Forced on the very candle, without hysteresis. */
    assert_int_equal(feed(d, &news, i++), SC_REGIME_NEWS_SHOCK);
    assert_true(sc_regime_last_change(d, &ev));
    assert_true(ev.forced);
    assert_int_equal(ev.bars, 1);
    assert_int_equal(ev.old_regime, SC_REGIME_TREND_UP);
    assert_string_equal(ev.reason, "news_shock: news flag set (forced, no hysteresis)");
    assert_int_equal(feed(d, &news, i++), SC_REGIME_NEWS_SHOCK);
    assert_false(sc_regime_last_change(d, &ev));
    /* Cleared: the next regime needs a full run (cool-down), and a news
     * candle in the run restarts it. */
    assert_int_equal(feed(d, &up, i++), SC_REGIME_NEWS_SHOCK);
    assert_int_equal(feed(d, &up, i++), SC_REGIME_NEWS_SHOCK);
    assert_int_equal(feed(d, &news, i++), SC_REGIME_NEWS_SHOCK);
    int32_t run = -1;
    assert_int_equal(sc_regime_pending(d, &run), SC_REGIME_NEWS_SHOCK);
    assert_int_equal(run, 0);
    assert_int_equal(feed(d, &up, i++), SC_REGIME_NEWS_SHOCK);
    assert_int_equal(feed(d, &up, i++), SC_REGIME_NEWS_SHOCK);
    assert_int_equal(feed(d, &up, i++), SC_REGIME_TREND_UP);
    assert_true(sc_regime_last_change(d, &ev));
    assert_false(ev.forced);
    assert_int_equal(ev.old_regime, SC_REGIME_NEWS_SHOCK);
    /* From a cold detector too. */
    sc_regime_detector *cold = det_new(3);
    sc_regime_inputs cold_news = in_ranging();
    cold_news.ema_ready = false;
    cold_news.vol_ready = false;
    cold_news.news_shock = true;
    assert_int_equal(feed(cold, &cold_news, 0), SC_REGIME_NEWS_SHOCK);
    sc_regime_counters k;
    sc_regime_get_counters(d, &k);
    assert_int_equal(k.changes_to[SC_REGIME_NEWS_SHOCK], 1);
    assert_int_equal(k.bars_in[SC_REGIME_NEWS_SHOCK], 7);
    sc_regime_destroy(cold);
    sc_regime_destroy(d);
}

static void test_time_and_range_refused(void **state) {
    (void)state;
    int64_t i = 0;
    sc_regime_inputs rng = in_ranging();
    sc_regime_inputs up = in_trend(12.0);
    sc_regime_detector *d = det_in(rng, SC_REGIME_RANGING, &i);
    feed(d, &up, i++);
    feed(d, &up, i++);
    sc_regime_counters before;
    sc_regime_get_counters(d, &before);
    sc_ns last = T0 + (i - 1) * MIN_NS;
    /* Same time and earlier time: refused, nothing changes (a third trend
     * candle would otherwise complete the run). */
    assert_int_equal(sc_regime_on_candle(d, &up, last), SC_ERR_STATE);
    assert_int_equal(sc_regime_on_candle(d, &up, last - 1), SC_ERR_STATE);
    assert_int_equal(sc_regime_on_candle(d, &up, INT64_MIN), SC_ERR_STATE);
    sc_regime_inputs bad[6];
    for (int k = 0; k < 6; k++) {
        bad[k] = up;
    }
    bad[0].mid = 0.0;
    bad[1].mid = NAN;
    bad[2].ema_slow = INFINITY;
    bad[3].vol_pct = 100.5;
    bad[4] = in_with_book(up, -0.1, 5000, 5000);
    bad[5] = in_with_book(up, 0.1, 5000, -1);
    for (int k = 0; k < 6; k++) {
        assert_int_equal(sc_regime_on_candle(d, &bad[k], last + MIN_NS), SC_ERR_RANGE);
    }
    /* Fields whose flag is clear are not read. */
    sc_regime_inputs unread = up;
    unread.vol_ready = false;
    unread.vol_pct = NAN;
    unread.spread_bps = -5.0;
    unread.depth_bid_qty.steps = -7;
    assert_int_equal(sc_regime_classify(&(sc_regime_config){8, 90, 3, 2000, 3, 9, 50}, &unread),
                     SC_REGIME_UNKNOWN);
    sc_regime_counters after;
    sc_regime_get_counters(d, &after);
    assert_memory_equal(&before, &after, sizeof(before));
    int32_t run = -1;
    assert_int_equal(sc_regime_pending(d, &run), SC_REGIME_TREND_UP);
    assert_int_equal(run, 2);
    assert_int_equal(sc_regime_current(d), SC_REGIME_RANGING);
    /* The next valid, later candle goes on from where it was. */
    assert_int_equal(sc_regime_on_candle(d, &up, last + 1), SC_OK);
    assert_int_equal(sc_regime_current(d), SC_REGIME_TREND_UP);
    sc_regime_destroy(d);
}

/* A seeded walk over random candidates, checked against the definition:
 * a change happens exactly when the last H candidates are one regime other
 * than the current one (news: at once), never otherwise. */
static void test_hysteresis_property(void **state) {
    (void)state;
    const sc_regime_inputs pool[] = {in_ranging(), in_trend(12.0), in_trend(-12.0), in_volatile(),
                                     in_with_book(in_ranging(), 9.0, 0, 0)};
    enum { N_POOL = sizeof(pool) / sizeof(pool[0]), N_BARS = 20000 };
    for (int32_t h = 1; h <= 6; h++) {
        sc_rng rng;
        sc_rng_seed(&rng, 0x5eed0000u + (uint64_t)h);
        sc_regime_detector *d = det_new(h);
        sc_regime_config c = cfg_default();
        sc_regime hist[N_BARS];
        sc_regime cur = SC_REGIME_UNKNOWN;
        int64_t last_change = -1000;
        uint32_t stick = 0;
        for (int64_t i = 0; i < N_BARS; i++) {
            /* Sticky choice so that runs of every length occur. */
            stick = sc_rng_below(&rng, 4) == 0 ? (uint32_t)sc_rng_below(&rng, N_POOL) : stick;
            const sc_regime_inputs *in = &pool[stick];
            hist[i] = sc_regime_classify(&c, in);
            bool want = hist[i] != cur && i + 1 >= h;
            for (int64_t j = i - h + 1; want && j <= i; j++) {
                want = hist[j] == hist[i];
            }
            assert_int_equal(feed(d, in, i), want ? hist[i] : cur);
            sc_regime_change ev;
            assert_int_equal(sc_regime_last_change(d, &ev), want);
            if (want) {
                assert_true(i - last_change >= h);
                last_change = i;
                cur = hist[i];
            }
        }
        sc_regime_destroy(d);
    }
}

typedef struct {
    sc_ema fast;
    sc_ema slow;
    sc_volatility *vol;
} real_features;

static void real_inputs(real_features *f, double close, sc_regime_inputs *in) {
    sc_ema_update(&f->fast, close);
    sc_ema_update(&f->slow, close);
    assert_int_equal(sc_volatility_update(f->vol, close), SC_OK);
    memset(in, 0, sizeof(*in));
    in->mid = close;
    in->ema_ready = sc_ema_get(&f->fast, &in->ema_fast) && sc_ema_get(&f->slow, &in->ema_slow);
    sc_volatility_class vc;
    in->vol_ready = sc_volatility_regime_get(f->vol, &vc);
    in->vol_pct = in->vol_ready ? vc.pct : 0.0;
}

static void test_real_klines(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED("binance_usdm_klines_1m_signalbot/BTCUSDT_PERP_1m_20250606_20250616.csv.zst",
                      path);
    sc_klines_csv_config rc = {sc_instrument_find("usdm:BTCUSDT"), 0, 0};
    sc_klines_csv *r = NULL;
    sc_errinfo err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(sc_klines_csv_open(&rc, path, &r, &err), SC_OK);
    /* The feature pipeline's settings (engine/feature_row.h). */
    real_features f;
    assert_int_equal(sc_ema_init(&f.fast, 9), SC_OK);
    assert_int_equal(sc_ema_init(&f.slow, 50), SC_OK);
    sc_volatility_config vc = {30, 0.0, 1440, 240, 25.0, 75.0, 95.0};
    assert_int_equal(sc_volatility_create(&vc, &f.vol), SC_OK);
    sc_regime_config c = cfg_default();
    sc_regime_detector *d = NULL;
    assert_int_equal(sc_regime_create(&c, &d), SC_OK);
    int64_t n = 0;
    int64_t last_change = -1;
    int64_t min_gap = INT64_MAX;
    int64_t first_known = -1;
    sc_candle k;
    sc_err e;
    while ((e = sc_klines_csv_next(r, &k, &err)) != SC_ERR_EOF) {
        assert_int_equal(e, SC_OK);
        sc_regime_inputs in;
        real_inputs(&f, (double)k.close.ticks / 10.0, &in);
        assert_int_equal(sc_regime_on_candle(d, &in, k.open_ns + k.tf_ns), SC_OK);
        sc_regime_change ev;
        if (sc_regime_last_change(d, &ev)) {
            assert_int_equal(ev.ts_ns, k.open_ns + k.tf_ns);
            assert_true(strstr(ev.reason, sc_regime_name(ev.new_regime)) == ev.reason);
            if (last_change >= 0 && n - last_change < min_gap) {
                min_gap = n - last_change;
            }
            first_known = first_known < 0 ? n : first_known;
            last_change = n;
        }
        n++;
    }
    sc_regime_counters cn;
    sc_regime_get_counters(d, &cn);
    assert_int_equal(cn.bars, (uint64_t)n);
    assert_int_equal(cn.bars_without_book, (uint64_t)n);
    assert_int_equal(cn.changes_to[SC_REGIME_ILLIQUID], 0);
    assert_int_equal(cn.changes_to[SC_REGIME_NEWS_SHOCK], 0);
    assert_true(cn.changes > 20);
    assert_true(cn.changes < cn.bars / 5);
    assert_true(min_gap >= c.hysteresis_bars);
    /* The vol percentile is ready from candle index 269 (31 closes give the
     * first vol, 240 vols the first percentile); a run of hysteresis_bars
     * candidates from there puts the first change at 269 + H - 1 at best. */
    assert_true(first_known >= 269 + c.hysteresis_bars - 1);
    print_message("regime on %lld 1m candles: %llu changes (min gap %lld bars, first at %lld)\n",
                  (long long)n, (unsigned long long)cn.changes, (long long)min_gap,
                  (long long)first_known);
    for (int i = 0; i < SC_REGIME_COUNT; i++) {
        print_message("  %-13s changes into %5llu  bars %6llu  candidate bars %6llu\n",
                      sc_regime_name((sc_regime)i), (unsigned long long)cn.changes_to[i],
                      (unsigned long long)cn.bars_in[i], (unsigned long long)cn.candidate_bars[i]);
    }
    sc_regime_change ev;
    sc_regime_last_change(d, &ev);
    print_message("  last change: %s\n", ev.reason);
    sc_regime_destroy(d);
    sc_volatility_destroy(f.vol);
    sc_klines_csv_close(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_classify_each_regime),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_unknown_until_warm),
        cmocka_unit_test(test_hysteresis),
        cmocka_unit_test(test_hysteresis_one_bar),
        cmocka_unit_test(test_reason_text),
        cmocka_unit_test(test_news_hook),
        cmocka_unit_test(test_time_and_range_refused),
        cmocka_unit_test(test_hysteresis_property),
        cmocka_unit_test(test_real_klines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
