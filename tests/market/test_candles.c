#include "support/support.h"

#include <math.h>
#include <string.h>

#include "core/instrument.h"
#include "market/candles.h"
#include "market/klines_csv.h"

/* 2025-06-06 00:00:00 UTC (python3: datetime(2025,6,6,tzinfo=utc).timestamp()). */
#define T0_NS (INT64_C(1749168000) * SC_NS_PER_S)
#define MS(x) (SC_NS_PER_MS * (sc_ns)(x))
#define SEC(x) (SC_NS_PER_S * (sc_ns)(x))
#define MIN(x) (SC_NS_PER_MIN * (sc_ns)(x))
/* cmocka's assert_float_equal narrows to float; compare doubles here. */
#define assert_double_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static const sc_instrument *usdm(void) {
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    assert_non_null(ins);
    return ins;
}

static sc_candles *make_trades(uint32_t n_tf, const sc_ns *tfs, uint32_t queue_max) {
    sc_candles_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = usdm();
    cfg.source = SC_CANDLES_FROM_TRADES;
    cfg.n_tf = n_tf;
    for (uint32_t i = 0; i < n_tf; i++) {
        cfg.tf_ns[i] = tfs[i];
    }
    cfg.queue_max = queue_max;
    sc_candles *c = NULL;
    assert_int_equal(sc_candles_create(&cfg, &c), SC_OK);
    assert_non_null(c);
    return c;
}

static sc_candles *make_klines(uint32_t n_tf, const sc_ns *tfs) {
    sc_candles_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = usdm();
    cfg.source = SC_CANDLES_FROM_KLINES;
    cfg.kline_tf_ns = MIN(1);
    cfg.n_tf = n_tf;
    for (uint32_t i = 0; i < n_tf; i++) {
        cfg.tf_ns[i] = tfs[i];
    }
    sc_candles *c = NULL;
    assert_int_equal(sc_candles_create(&cfg, &c), SC_OK);
    return c;
}

static sc_trade trade(sc_ns t, int64_t px_ticks, int64_t qty_steps, sc_side side) {
    sc_trade tr;
    memset(&tr, 0, sizeof(tr));
    tr.ts_exch_ns = t;
    tr.ts_trade_ns = t;
    tr.px.ticks = px_ticks;
    tr.qty.steps = qty_steps;
    tr.aggressor = side;
    return tr;
}

static void feed(sc_candles *c, sc_ns t, int64_t px, int64_t qty, sc_side side) {
    sc_trade tr = trade(t, px, qty, side);
    assert_int_equal(sc_candles_on_trade(c, &tr), SC_OK);
}

static void test_trades_exact_ohlcv(void **state) {
    (void)state;
    const sc_ns tfs[] = {SEC(1), MIN(1)};
    sc_candles *c = make_trades(2, tfs, 0);
    feed(c, T0_NS + MS(100), 1000, 10, SC_SIDE_BUY); /* 100.0 x 0.010 */
    feed(c, T0_NS + MS(500), 1005, 20, SC_SIDE_SELL);
    feed(c, T0_NS + MS(900), 998, 5, SC_SIDE_BUY);
    assert_int_equal(sc_candles_pending(c), 0);     /* nothing closes inside its bucket */
    feed(c, T0_NS + SEC(1), 1001, 1, SC_SIDE_SELL); /* first trade of the next second */
    sc_candle k;
    assert_true(sc_candles_next(c, &k));
    assert_int_equal(k.open_ns, T0_NS);
    assert_int_equal(k.tf_ns, SEC(1));
    assert_int_equal(k.open.ticks, 1000);
    assert_int_equal(k.high.ticks, 1005);
    assert_int_equal(k.low.ticks, 998);
    assert_int_equal(k.close.ticks, 998);
    assert_int_equal(k.volume.steps, 35);
    assert_int_equal(k.buy_volume.steps, 15);
    assert_int_equal(k.sell_volume.steps, 20);
    assert_int_equal(k.trades, 3);
    assert_int_equal(k.parts, 3);
    assert_int_equal(k.pxqty, 1000 * 10 + 1005 * 20 + 998 * 5);
    assert_true(k.flags & SC_CANDLE_HAS_VWAP);
    assert_double_near(k.vwap_ticks, 35090.0 / 35.0, 1e-9);
    assert_true(k.closed);
    assert_false(k.truncated);
    assert_int_equal(k.gap_before, 0);
    assert_int_equal(k.tf_index, 0);
    sc_candle cur;
    assert_true(sc_candles_current(c, 1, &cur)); /* the minute is still open */
    assert_false(cur.closed);
    assert_int_equal(cur.volume.steps, 36);
    assert_int_equal(cur.close.ticks, 1001);
    assert_int_equal(sc_candles_flush(c), SC_OK);
    assert_int_equal(sc_candles_pending(c), 2);
    assert_true(sc_candles_next(c, &k));
    assert_int_equal(k.open_ns, T0_NS + SEC(1));
    assert_true(k.truncated); /* flushed at 00:00:01.000, before its end */
    assert_true(sc_candles_next(c, &k));
    assert_int_equal(k.tf_ns, MIN(1));
    assert_int_equal(k.open_ns, T0_NS);
    assert_int_equal(k.open.ticks, 1000);
    assert_int_equal(k.high.ticks, 1005);
    assert_int_equal(k.low.ticks, 998);
    assert_int_equal(k.close.ticks, 1001);
    assert_int_equal(k.volume.steps, 36);
    assert_int_equal(k.buy_volume.steps, 15);
    assert_int_equal(k.sell_volume.steps, 21);
    assert_int_equal(k.trades, 4);
    assert_false(sc_candles_next(c, &k));
    sc_candles_destroy(c);
}

static void test_gap_not_invented(void **state) {
    (void)state;
    const sc_ns tfs[] = {SEC(1), MIN(1)};
    sc_candles *c = make_trades(2, tfs, 0);
    feed(c, T0_NS + MS(10), 1000, 1, SC_SIDE_BUY);
    feed(c, T0_NS + SEC(5) + MS(10), 1002, 1, SC_SIDE_BUY); /* seconds 1..4 are empty */
    sc_candle k;
    assert_true(sc_candles_next(c, &k));
    assert_int_equal(k.open_ns, T0_NS);
    assert_false(sc_candles_next(c, &k)); /* no candle for the empty seconds */
    assert_true(sc_candles_current(c, 0, &k));
    assert_int_equal(k.open_ns, T0_NS + SEC(5));
    assert_int_equal(k.gap_before, 4);
    feed(c, T0_NS + MIN(3), 1003, 1, SC_SIDE_SELL); /* minutes 1 and 2 are empty */
    sc_candles_counters cn;
    sc_candles_get_counters(c, &cn);
    assert_int_equal(cn.gaps[0], 2);
    assert_int_equal(cn.missing[0], 4 + (180 - 5 - 1));
    assert_int_equal(cn.gaps[1], 1);
    assert_int_equal(cn.missing[1], 2);
    assert_int_equal(cn.closed[0], 2);
    assert_int_equal(cn.closed[1], 1);
    assert_int_equal(cn.inputs, 3);
    int n = 0;
    while (sc_candles_next(c, &k)) {
        n++;
    }
    assert_int_equal(n, 2); /* the 1s candle at 00:00:05 and the 1m candle at 00:00 */
    sc_candles_destroy(c);
}

static void test_single_trade_and_one_price(void **state) {
    (void)state;
    sc_candles *c = make_trades(0, NULL, 0); /* default: 1s 1m 5m 15m 1h */
    assert_int_equal(sc_candles_tf_count(c), 5);
    assert_int_equal(sc_candles_tf_ns(c, 4), MIN(60));
    feed(c, T0_NS + MIN(7) + MS(1), 6180002, 14, SC_SIDE_SELL);
    assert_int_equal(sc_candles_flush(c), SC_OK);
    const sc_ns opens[] = {T0_NS + MIN(7), T0_NS + MIN(7), T0_NS + MIN(5), T0_NS, T0_NS};
    sc_candle k;
    for (uint32_t i = 0; i < 5; i++) {
        assert_true(sc_candles_next(c, &k));
        assert_int_equal(k.tf_index, i);
        assert_int_equal(k.open_ns, opens[i]);
        assert_int_equal(k.open.ticks, 6180002);
        assert_int_equal(k.high.ticks, 6180002);
        assert_int_equal(k.low.ticks, 6180002);
        assert_int_equal(k.close.ticks, 6180002);
        assert_int_equal(k.volume.steps, 14);
        assert_int_equal(k.sell_volume.steps, 14);
        assert_int_equal(k.buy_volume.steps, 0);
        assert_double_near(k.vwap_ticks, 6180002.0, 0.0);
        assert_true(k.truncated);
    }
    sc_candles_destroy(c);

    const sc_ns tf1[] = {MIN(1)};
    c = make_trades(1, tf1, 0);
    for (int i = 0; i < 7; i++) {
        feed(c, T0_NS + SEC(i), 1000, i + 1, i % 2 ? SC_SIDE_SELL : SC_SIDE_BUY);
    }
    assert_int_equal(sc_candles_close_until(c, T0_NS + MIN(1)), SC_OK);
    assert_true(sc_candles_next(c, &k));
    assert_false(k.truncated);
    assert_int_equal(k.open.ticks, 1000);
    assert_int_equal(k.high.ticks, 1000);
    assert_int_equal(k.low.ticks, 1000);
    assert_int_equal(k.close.ticks, 1000);
    assert_int_equal(k.volume.steps, 28);
    assert_int_equal(k.buy_volume.steps, 1 + 3 + 5 + 7);
    assert_double_near(k.vwap_ticks, 1000.0, 0.0); /* exact: 28000 / 28 */
    sc_candles_destroy(c);
}

static void test_close_until_and_late(void **state) {
    (void)state;
    const sc_ns tfs[] = {SEC(1), MIN(1)};
    sc_candles *c = make_trades(2, tfs, 0);
    feed(c, T0_NS + MS(500), 1000, 1, SC_SIDE_BUY);
    assert_int_equal(sc_candles_close_until(c, T0_NS + MS(999)), SC_OK);
    assert_int_equal(sc_candles_pending(c), 0);
    assert_int_equal(sc_candles_close_until(c, T0_NS + SEC(1)), SC_OK);
    assert_int_equal(sc_candles_pending(c), 1);
    /* A trade in the closed second is late: refused everywhere. */
    feed(c, T0_NS + MS(700), 900, 5, SC_SIDE_BUY);
    sc_candles_counters cn;
    sc_candles_get_counters(c, &cn);
    assert_int_equal(cn.late, 1);
    assert_int_equal(cn.inputs, 1);
    sc_candle k;
    assert_true(sc_candles_current(c, 1, &k));
    assert_int_equal(k.volume.steps, 1);
    assert_int_equal(k.low.ticks, 1000);
    /* An older `now` does nothing. */
    assert_int_equal(sc_candles_close_until(c, T0_NS), SC_OK);
    assert_int_equal(sc_candles_pending(c), 1);
    sc_candles_destroy(c);
}

static void test_invalid_inputs(void **state) {
    (void)state;
    const sc_ns tfs[] = {SEC(1)};
    sc_candles *c = make_trades(1, tfs, 0);
    sc_trade tr = trade(T0_NS, 0, 1, SC_SIDE_BUY);
    assert_int_equal(sc_candles_on_trade(c, &tr), SC_ERR_RANGE);
    tr = trade(T0_NS, 1, 0, SC_SIDE_BUY);
    assert_int_equal(sc_candles_on_trade(c, &tr), SC_ERR_RANGE);
    tr = trade(-1, 1, 1, SC_SIDE_BUY);
    assert_int_equal(sc_candles_on_trade(c, &tr), SC_ERR_RANGE);
    tr = trade(T0_NS, 1, 1, (sc_side)7);
    assert_int_equal(sc_candles_on_trade(c, &tr), SC_ERR_RANGE);
    sc_candle k;
    memset(&k, 0, sizeof(k));
    assert_int_equal(sc_candles_on_candle(c, &k), SC_ERR_STATE);
    /* Volume overflow refuses the trade and changes nothing. */
    feed(c, T0_NS, 1000, INT64_MAX - 5, SC_SIDE_BUY);
    tr = trade(T0_NS + 1, 1000, 10, SC_SIDE_BUY);
    assert_int_equal(sc_candles_on_trade(c, &tr), SC_ERR_OVERFLOW);
    assert_true(sc_candles_current(c, 0, &k));
    assert_int_equal(k.volume.steps, INT64_MAX - 5);
    assert_int_equal(k.trades, 1);
    sc_candles_destroy(c);
}

static void test_bad_config(void **state) {
    (void)state;
    sc_candles_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    sc_candles *c = NULL;
    assert_int_equal(sc_candles_create(&cfg, &c), SC_ERR_INVALID_ARG); /* no instrument */
    cfg.ins = usdm();
    cfg.n_tf = 2;
    cfg.tf_ns[0] = MIN(5);
    cfg.tf_ns[1] = MIN(1); /* not ascending */
    assert_int_equal(sc_candles_create(&cfg, &c), SC_ERR_INVALID_ARG);
    cfg.tf_ns[0] = MS(500); /* not whole seconds */
    assert_int_equal(sc_candles_create(&cfg, &c), SC_ERR_INVALID_ARG);
    cfg.tf_ns[0] = SEC(1);
    cfg.tf_ns[1] = 2 * SC_NS_PER_DAY; /* over a day */
    assert_int_equal(sc_candles_create(&cfg, &c), SC_ERR_INVALID_ARG);
    cfg.tf_ns[1] = MIN(1);
    cfg.queue_max = 3; /* under SC_CANDLES_QUEUE_MIN */
    assert_int_equal(sc_candles_create(&cfg, &c), SC_ERR_INVALID_ARG);
    cfg.queue_max = 0;
    cfg.source = SC_CANDLES_FROM_KLINES; /* 1s is not a multiple of 1m */
    assert_int_equal(sc_candles_create(&cfg, &c), SC_ERR_INVALID_ARG);
    cfg.n_tf = 0; /* default set without 1s */
    assert_int_equal(sc_candles_create(&cfg, &c), SC_OK);
    assert_int_equal(sc_candles_tf_count(c), 4);
    assert_int_equal(sc_candles_tf_ns(c, 0), MIN(1));
    sc_candles_destroy(c);
    sc_candles_destroy(NULL);
}

static void test_queue_full(void **state) {
    (void)state;
    const sc_ns tfs[] = {SEC(1), SEC(2), SEC(4), SEC(8), SEC(16), SEC(32), SEC(64), SEC(128)};
    sc_candles *c = make_trades(8, tfs, SC_CANDLES_QUEUE_MIN);
    feed(c, T0_NS, 1000, 1, SC_SIDE_BUY);
    feed(c, T0_NS + SEC(200), 1000, 1, SC_SIDE_BUY); /* closes 8 candles */
    assert_int_equal(sc_candles_pending(c), 8);
    sc_trade tr = trade(T0_NS + SEC(400), 1001, 1, SC_SIDE_BUY);
    assert_int_equal(sc_candles_on_trade(c, &tr), SC_ERR_FULL);
    assert_int_equal(sc_candles_flush(c), SC_ERR_FULL);
    assert_int_equal(sc_candles_pending(c), 8);
    sc_candle k;
    assert_true(sc_candles_current(c, 0, &k));
    assert_int_equal(k.open_ns, T0_NS + SEC(200)); /* the refused trade left no trace */
    while (sc_candles_next(c, &k)) {
    }
    assert_int_equal(sc_candles_on_trade(c, &tr), SC_OK);
    sc_candles_destroy(c);
}

static void test_vwap_overflow_keeps_ohlcv(void **state) {
    (void)state;
    sc_candles_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = sc_instrument_find("spot:BTCUSDT");
    cfg.n_tf = 1;
    cfg.tf_ns[0] = MIN(60);
    sc_candles *c = NULL;
    assert_int_equal(sc_candles_create(&cfg, &c), SC_OK);
    /* 100000.00 x 5000 BTC on the spot grid: 1e7 ticks x 5e11 steps. */
    for (int i = 0; i < 3; i++) {
        feed(c, T0_NS + SEC(i), 10000000, INT64_C(500000000000), SC_SIDE_BUY);
    }
    sc_candle k;
    assert_true(sc_candles_current(c, 0, &k));
    assert_int_equal(k.volume.steps, INT64_C(1500000000000));
    assert_false(k.flags & SC_CANDLE_HAS_VWAP);
    assert_false(k.flags & SC_CANDLE_HAS_PXQTY);
    assert_int_equal(k.pxqty, 0);
    sc_candles_counters cn;
    sc_candles_get_counters(c, &cn);
    assert_int_equal(cn.vwap_overflows, 1);
    sc_candles_destroy(c);
}

static sc_candle kline(sc_ns open_ns, int64_t o, int64_t h, int64_t l, int64_t cl, int64_t v,
                       int64_t buy) {
    sc_candle k;
    memset(&k, 0, sizeof(k));
    k.open_ns = open_ns;
    k.tf_ns = MIN(1);
    k.open.ticks = o;
    k.high.ticks = h;
    k.low.ticks = l;
    k.close.ticks = cl;
    k.volume.steps = v;
    k.buy_volume.steps = buy;
    k.sell_volume.steps = v - buy;
    k.trades = v / 2;
    k.parts = 1;
    k.flags = SC_CANDLE_HAS_SPLIT | SC_CANDLE_HAS_TRADES;
    k.closed = true;
    return k;
}

/* Minute m of the synthetic series: prices that move so max/min differ per
 * minute. */
static sc_candle synth(int m) {
    int64_t base = 100000 + (m * 37) % 101;
    return kline(T0_NS + MIN(m), base, base + 5 + m % 7, base - 3 - m % 5, base + 1, 10 + m, m % 9);
}

static void check_merge(const sc_candle *k, int first, int last) {
    int64_t hi = 0;
    int64_t lo = INT64_MAX;
    int64_t vol = 0;
    int64_t buy = 0;
    for (int m = first; m <= last; m++) {
        sc_candle s = synth(m);
        hi = s.high.ticks > hi ? s.high.ticks : hi;
        lo = s.low.ticks < lo ? s.low.ticks : lo;
        vol += s.volume.steps;
        buy += s.buy_volume.steps;
    }
    assert_int_equal(k->open.ticks, synth(first).open.ticks);
    assert_int_equal(k->close.ticks, synth(last).close.ticks);
    assert_int_equal(k->high.ticks, hi);
    assert_int_equal(k->low.ticks, lo);
    assert_int_equal(k->volume.steps, vol);
    assert_int_equal(k->buy_volume.steps, buy);
    assert_int_equal(k->sell_volume.steps, vol - buy);
    assert_int_equal(k->parts, last - first + 1);
}

static void test_klines_to_higher_tfs(void **state) {
    (void)state;
    const sc_ns tfs[] = {MIN(1), MIN(5), MIN(15), MIN(60)};
    sc_candles *c = make_klines(4, tfs);
    /* Start at 00:03 (mid-bucket); minutes 20..24 are missing. */
    sc_candle k;
    int closed_5m = 0;
    for (int m = 3; m < 75; m++) {
        if (m >= 20 && m < 25) {
            continue;
        }
        sc_candle in = synth(m);
        assert_int_equal(sc_candles_on_candle(c, &in), SC_OK);
        while (sc_candles_next(c, &k)) {
            assert_int_equal(k.open_ns % k.tf_ns, 0); /* aligned in UTC */
            if (k.tf_ns == MIN(1)) {
                assert_int_equal(k.open_ns, in.open_ns);
                assert_int_equal(k.gap_before, m == 25 ? 5 : 0);
                continue;
            }
            /* A candle closes with its last minute, not one kline later. */
            assert_int_equal(k.open_ns + k.tf_ns, in.open_ns + MIN(1));
            if (k.tf_ns == MIN(5)) {
                closed_5m++;
                int first = (int)((k.open_ns - T0_NS) / MIN(1));
                check_merge(&k, first < 3 ? 3 : first, first + 4);
                assert_int_equal(k.missing_parts, first < 3 ? 3 : 0);
                assert_int_equal(k.gap_before, first == 25 ? 1 : 0);
            }
        }
    }
    assert_int_equal(closed_5m, 14); /* 00:00..01:10 less 00:20 */
    sc_candles_counters cn;
    sc_candles_get_counters(c, &cn);
    assert_int_equal(cn.gaps[0], 1);
    assert_int_equal(cn.missing[0], 5);
    assert_int_equal(cn.gaps[1], 1);
    assert_int_equal(cn.missing[1], 1);
    assert_int_equal(cn.gaps[2], 0);
    assert_int_equal(cn.closed[3], 1); /* the hour 00:00 closed with minute 59 */
    /* The hour: minutes 3..59 less 20..24; 8 missing parts. */
    assert_int_equal(sc_candles_flush(c), SC_OK);
    bool found = false;
    while (sc_candles_next(c, &k)) {
        if (k.tf_ns == MIN(60) && k.open_ns == T0_NS + MIN(60)) {
            assert_true(k.truncated);
            assert_int_equal(k.parts, 15);
            assert_int_equal(k.missing_parts, 0);
            found = true;
        }
    }
    assert_true(found);
    sc_candles_destroy(c);
}

static void test_klines_hour_parts(void **state) {
    (void)state;
    const sc_ns tfs[] = {MIN(60)};
    sc_candles *c = make_klines(1, tfs);
    for (int m = 3; m < 60; m++) {
        if (m >= 20 && m < 25) {
            continue;
        }
        sc_candle in = synth(m);
        assert_int_equal(sc_candles_on_candle(c, &in), SC_OK);
    }
    sc_candle k;
    assert_true(sc_candles_next(c, &k));
    assert_int_equal(k.open_ns, T0_NS);
    assert_int_equal(k.parts, 52);
    assert_int_equal(k.missing_parts, 8);
    assert_false(k.truncated);
    /* A repeated minute is late even without a 1m timeframe. */
    sc_candle again = synth(59);
    assert_int_equal(sc_candles_on_candle(c, &again), SC_OK);
    sc_candle in = synth(61);
    assert_int_equal(sc_candles_on_candle(c, &in), SC_OK);
    in = synth(61);
    assert_int_equal(sc_candles_on_candle(c, &in), SC_OK);
    sc_candles_counters cn;
    sc_candles_get_counters(c, &cn);
    assert_int_equal(cn.late, 2);
    assert_true(sc_candles_current(c, 0, &k));
    assert_int_equal(k.parts, 1);
    assert_int_equal(k.missing_parts, 1); /* minute 60 has not come */
    sc_candles_destroy(c);
}

static void test_klines_flags_and_kline_events(void **state) {
    (void)state;
    const sc_ns tfs[] = {MIN(5)};
    sc_candles *c = make_klines(1, tfs);
    sc_kline kl;
    memset(&kl, 0, sizeof(kl));
    kl.open_ns = T0_NS;
    kl.close_ns = T0_NS + MIN(1) - MS(1);
    kl.open.ticks = 1000;
    kl.high.ticks = 1010;
    kl.low.ticks = 990;
    kl.close.ticks = 1001;
    kl.volume.steps = 2000;                        /* 2.000 BTC */
    kl.taker_buy_volume.steps = 500;               /* 0.500 */
    kl.quote_volume.e8 = INT64_C(200) * 100000000; /* 200 USDT / 2 BTC: vwap 100.0 */
    kl.trades = 7;
    kl.closed = false;
    assert_int_equal(sc_candles_on_kline(c, &kl), SC_OK); /* still forming: ignored */
    kl.closed = true;
    assert_int_equal(sc_candles_on_kline(c, &kl), SC_OK);
    sc_candle k;
    assert_true(sc_candles_current(c, 0, &k));
    assert_int_equal(k.flags & SC_CANDLE_HAS_QUOTE, SC_CANDLE_HAS_QUOTE);
    assert_double_near(k.vwap_ticks, 1000.0, 1e-9);
    assert_int_equal(k.trades, 7);
    assert_int_equal(k.sell_volume.steps, 1500);
    /* A kline without quote volume or split makes the bucket lose them. */
    sc_candle in = kline(T0_NS + MIN(1), 1001, 1001, 1001, 1001, 10, 0);
    in.flags = SC_CANDLE_HAS_TRADES;
    in.buy_volume.steps = in.sell_volume.steps = 0;
    assert_int_equal(sc_candles_on_candle(c, &in), SC_OK);
    assert_true(sc_candles_current(c, 0, &k));
    assert_int_equal(k.flags & (SC_CANDLE_HAS_SPLIT | SC_CANDLE_HAS_QUOTE | SC_CANDLE_HAS_VWAP), 0);
    assert_int_equal(k.buy_volume.steps, 0);
    assert_int_equal(k.quote_volume.e8, 0);
    assert_int_equal(k.trades, 7 + 5);
    /* Bad klines: wrong interval, unaligned, inconsistent. */
    in = synth(2);
    in.tf_ns = MIN(5);
    assert_int_equal(sc_candles_on_candle(c, &in), SC_ERR_RANGE);
    in = synth(2);
    in.open_ns += SEC(1);
    assert_int_equal(sc_candles_on_candle(c, &in), SC_ERR_RANGE);
    in = synth(2);
    in.low.ticks = in.high.ticks + 1;
    assert_int_equal(sc_candles_on_candle(c, &in), SC_ERR_RANGE);
    sc_trade tr = trade(T0_NS, 1, 1, SC_SIDE_BUY);
    assert_int_equal(sc_candles_on_trade(c, &tr), SC_ERR_STATE);
    sc_candles_counters cn;
    sc_candles_get_counters(c, &cn);
    assert_int_equal(cn.kline_updates_ignored, 1);
    assert_int_equal(cn.inputs, 2);
    sc_candles_destroy(c);
}

/* ---- real data: 1m files into 5m / 15m / 1h --------------------------- */

typedef struct {
    uint32_t tf_index; /* 1 = 5m, 2 = 15m, 3 = 1h */
    sc_ns open_ns;
    int64_t parts;
    int64_t open;
    int64_t high;
    int64_t low;
    int64_t close;
    int64_t volume;
    int64_t buy;      /* -1: not checked */
    int64_t quote_e8; /* -1: not checked */
    int64_t trades;   /* -1: not checked */
} expect_bucket;

static void check_bucket(const sc_candle *k, const expect_bucket *e) {
    assert_int_equal(k->parts, e->parts);
    assert_int_equal(k->open.ticks, e->open);
    assert_int_equal(k->high.ticks, e->high);
    assert_int_equal(k->low.ticks, e->low);
    assert_int_equal(k->close.ticks, e->close);
    assert_int_equal(k->volume.steps, e->volume);
    if (e->buy >= 0) {
        assert_int_equal(k->buy_volume.steps, e->buy);
    }
    if (e->quote_e8 >= 0) {
        assert_int_equal(k->quote_volume.e8, e->quote_e8);
    }
    if (e->trades >= 0) {
        assert_int_equal(k->trades, e->trades);
    }
}

/* Reads a 1m file through an aggregator of 1m/5m/15m/1h and checks the
 * closed counts, gaps and the listed buckets. */
static void run_file(const char *rel, const char *ins_name, const uint64_t closed[4],
                     const uint64_t missing[4], const expect_bucket *eb, size_t n_eb) {
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(rel, path);
    sc_klines_csv_config rc = {sc_instrument_find(ins_name), 0, 0};
    sc_klines_csv *r = NULL;
    sc_errinfo err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(sc_klines_csv_open(&rc, path, &r, &err), SC_OK);
    sc_candles_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.ins = rc.ins;
    cc.source = SC_CANDLES_FROM_KLINES;
    sc_candles *c = NULL;
    assert_int_equal(sc_candles_create(&cc, &c), SC_OK);
    assert_int_equal(sc_candles_tf_count(c), 4);
    size_t seen = 0;
    sc_candle in;
    sc_candle k;
    sc_err e;
    bool flushed = false;
    while (!flushed) {
        e = sc_klines_csv_next(r, &in, &err);
        if (e == SC_ERR_EOF) {
            assert_int_equal(sc_candles_flush(c), SC_OK);
            flushed = true;
        } else {
            assert_int_equal(e, SC_OK);
            assert_int_equal(sc_candles_on_candle(c, &in), SC_OK);
        }
        while (sc_candles_next(c, &k)) {
            for (size_t i = 0; i < n_eb; i++) {
                if (k.tf_index == eb[i].tf_index && k.open_ns == eb[i].open_ns) {
                    check_bucket(&k, &eb[i]);
                    seen++;
                }
            }
        }
    }
    assert_int_equal(seen, n_eb);
    sc_candles_counters cn;
    sc_candles_get_counters(c, &cn);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cn.closed[i], closed[i]);
        assert_int_equal(cn.missing[i], missing[i]);
    }
    sc_candles_destroy(c);
    sc_klines_csv_close(r);
}

/* Expected values: python3 with decimal.Decimal over the CSV rows
 * (zstd -dc | split on ','), buckets = open_ms - open_ms % (tf_min*60000),
 * high = max of the constituent highs, low = min, open of the first row,
 * close of the last, volume/taker-buy/quote sums, parts = rows in the
 * bucket; closed = number of distinct buckets; missing = sum over
 * consecutive buckets of (delta / tf - 1). Bucket starts as epoch ms. */
static void test_real_usdm_5m_1h(void **state) {
    (void)state;
    const uint64_t closed[4] = {14400, 2881, 961, 241};
    const uint64_t missing[4] = {0, 0, 0, 0};
    const expect_bucket eb[] = {
        /* 5m 2025-06-06 21:40: only 21:41..21:44 in the file */
        {1, MS(1749246000000), 4, 1043675, 1044250, 1043324, 1044125, 131479, 68156, -1, -1},
        {1, MS(1749246300000), 5, 1044125, 1044473, 1043897, 1044022, 113264, 64266, -1, -1},
        {1, MS(1749546000000), 5, 1090514, 1091274, 1090371, 1090545, 433286, 293237, -1, -1},
        /* the last 5m bucket holds one row */
        {1, MS(1750110000000), 1, 1084335, 1084336, 1083640, 1084302, 62501, 30446, -1, -1},
        /* 1h 2025-06-06 21:00 (19 rows) and 2025-06-11 01:00 */
        {3, MS(1749243600000), 19, 1043675, 1044473, 1043099, 1043354, 423995, 214887, -1, -1},
        {3, MS(1749603600000), 60, 1097826, 1097913, 1095210, 1095626, 2897387, 1287394, -1, -1},
    };
    run_file("binance_usdm_klines_1m_signalbot/BTCUSDT_PERP_1m_20250606_20250616.csv.zst",
             "usdm:BTCUSDT", closed, missing, eb, sizeof(eb) / sizeof(eb[0]));
}

static void test_real_spot_2021_outages(void **state) {
    (void)state;
    /* The two 2021 outages (04-20 02:00-04:29, 04-25 04:01-08:44). */
    const uint64_t closed[4] = {50000, 10001, 3335, 836};
    const uint64_t missing[4] = {434, 86, 28, 5};
    const expect_bucket eb[] = {
        {3, MS(1618880400000), 60, 5463129, 5537842, 5423704, 5476412, INT64_C(326276421500), -1,
         -1, -1},
        /* 04:00 hour after the first outage: 04:30..04:59 only */
        {3, MS(1618891200000), 30, 5476413, 5535028, 5456779, 5525863, INT64_C(181806227800), -1,
         -1, -1},
        {3, MS(1619323200000), 1, 4962676, 4970504, 4960024, 4968394, INT64_C(588703400), -1, -1,
         -1},
        {3, MS(1619337600000), 15, 4968395, 5028000, 4967152, 5008613, INT64_C(92019312100), -1, -1,
         -1},
    };
    run_file("binance_spot_klines_1m_benicio/BTCUSDT_1m_20210326_20210430.csv.zst", "spot:BTCUSDT",
             closed, missing, eb, sizeof(eb) / sizeof(eb[0]));
}

static void test_real_spot_quote_trades_1h(void **state) {
    (void)state;
    const uint64_t closed[4] = {41761, 8353, 2785, 697};
    const uint64_t missing[4] = {0, 0, 0, 0};
    const expect_bucket eb[] = {
        {3, MS(1733007600000), 60, 9646611, 9659200, 9632099, 9640799, INT64_C(41019940000), -1,
         INT64_C(3955427039384750), 111624},
        {3, MS(1733011200000), 60, 9640799, 9667249, 9626000, 9634060, INT64_C(53295388000), -1,
         INT64_C(5141064879613400), 154693},
        {3, MS(1735513200000), 1, 9313532, 9325750, 9313532, 9322688, INT64_C(2622273000), -1,
         INT64_C(244378007283700), 8471},
    };
    run_file("binance_spot_klines_1m_privet1x/BTCUSDT_1m_20241130_20241229.csv.zst", "spot:BTCUSDT",
             closed, missing, eb, sizeof(eb) / sizeof(eb[0]));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trades_exact_ohlcv),
        cmocka_unit_test(test_gap_not_invented),
        cmocka_unit_test(test_single_trade_and_one_price),
        cmocka_unit_test(test_close_until_and_late),
        cmocka_unit_test(test_invalid_inputs),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_vwap_overflow_keeps_ohlcv),
        cmocka_unit_test(test_klines_to_higher_tfs),
        cmocka_unit_test(test_klines_hour_parts),
        cmocka_unit_test(test_klines_flags_and_kline_events),
        cmocka_unit_test(test_real_usdm_5m_1h),
        cmocka_unit_test(test_real_spot_2021_outages),
        cmocka_unit_test(test_real_spot_quote_trades_1h),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
