#include "support/support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/instrument.h"
#include "core/rng.h"
#include "market/tape.h"

/* Times in these tests: seconds from an arbitrary origin, in ns. */
#define S(x) ((sc_ns)(x)*SC_NS_PER_S)
#define W10 S(10)

static const sc_instrument *usdm(void) {
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    assert_non_null(ins);
    return ins;
}

static sc_tape *mk(sc_ns window_ns, uint32_t trades_max) {
    sc_tape_config cfg = {.ins = usdm(), .window_ns = window_ns, .trades_max = trades_max};
    sc_tape *t = NULL;
    assert_int_equal(sc_tape_create(&cfg, &t), SC_OK);
    assert_non_null(t);
    return t;
}

static sc_trade raw(int64_t id, sc_ns ts_ns, int64_t px_ticks, int64_t qty_steps, sc_side side) {
    sc_trade tr = {.trade_id = id,
                   .first_trade_id = id,
                   .last_trade_id = id,
                   .ts_exch_ns = ts_ns + SC_NS_PER_MS,
                   .ts_trade_ns = ts_ns,
                   .px = {px_ticks},
                   .qty = {qty_steps},
                   .aggressor = side};
    return tr;
}

/* Feeds a trade that must be accepted; returns whether it completed an
 * aggregate (copied to *agg when agg != NULL). */
static bool feed(sc_tape *t, sc_trade tr, sc_trade *agg) {
    sc_trade out;
    memset(&out, 0xAB, sizeof(out));
    bool ready = true;
    assert_int_equal(sc_tape_on_trade(t, &tr, &out, &ready), SC_OK);
    if (ready && agg != NULL) {
        *agg = out;
    }
    return ready;
}

static sc_tape_stats stats(sc_tape *t, sc_ns now) {
    sc_tape_stats st;
    sc_tape_stats_at(t, now, &st);
    return st;
}

static sc_tape_counters counters(const sc_tape *t) {
    sc_tape_counters c;
    sc_tape_get_counters(t, &c);
    return c;
}

static void assert_near(double got, double want) {
    if (!(fabs(got - want) <= 1e-12 * fmax(1.0, fabs(want)))) {
        fail_msg("got %.17g, want %.17g", got, want);
    }
}

static void test_create_rejects(void **state) {
    (void)state;
    sc_tape *t = NULL;
    sc_tape_config cfg = {.ins = usdm()};
    assert_int_equal(sc_tape_create(NULL, &t), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_tape_create(&cfg, NULL), SC_ERR_INVALID_ARG);
    cfg.ins = NULL;
    assert_int_equal(sc_tape_create(&cfg, &t), SC_ERR_INVALID_ARG);
    cfg.ins = usdm();
    cfg.window_ns = -1;
    assert_int_equal(sc_tape_create(&cfg, &t), SC_ERR_INVALID_ARG);
    cfg.window_ns = SC_TAPE_WINDOW_NS_MAX + 1;
    assert_int_equal(sc_tape_create(&cfg, &t), SC_ERR_INVALID_ARG);
    cfg.window_ns = SC_TAPE_WINDOW_NS_MAX;
    cfg.trades_max = SC_TAPE_TRADES_MAX + 1;
    assert_int_equal(sc_tape_create(&cfg, &t), SC_ERR_INVALID_ARG);
    assert_null(t);
    sc_tape_destroy(NULL);
    /* Defaults: a 60 s window. */
    t = mk(0, 0);
    feed(t, raw(1, S(100), 1000, 6, SC_SIDE_BUY), NULL);
    assert_near(stats(t, S(100)).trades_per_s, 1.0 / 60.0);
    assert_int_equal(stats(t, S(160) - 1).trades, 1);
    assert_int_equal(stats(t, S(160)).trades, 0);
    sc_tape_destroy(t);
}

static void test_empty_window(void **state) {
    (void)state;
    sc_tape *t = mk(W10, 16);
    sc_tape_stats st = stats(t, S(5));
    assert_int_equal(st.trades, 0);
    assert_int_equal(st.buy_qty.steps, 0);
    assert_int_equal(st.sell_qty.steps, 0);
    assert_true(st.vwap_ticks == 0.0 && st.imbalance == 0.0);
    assert_true(st.trades_per_s == 0.0 && st.volume_per_s == 0.0);
    assert_int_equal(st.last_px.ticks, 0);
    assert_int_equal(st.last_trade_ns, 0);
    assert_false(st.warm);
    assert_false(st.truncated);
    sc_tape_counters c = counters(t);
    assert_int_equal(c.trades_total, 0);
    assert_int_equal(c.aggregates_total, 0);
    /* After the only trade leaves, the window is empty again but last_px stays. */
    feed(t, raw(1, S(6), 618002, 14, SC_SIDE_SELL), NULL);
    st = stats(t, S(16));
    assert_int_equal(st.trades, 0);
    assert_true(st.vwap_ticks == 0.0 && st.imbalance == 0.0 && st.volume_per_s == 0.0);
    assert_int_equal(st.last_px.ticks, 618002);
    assert_int_equal(st.last_trade_ns, S(6));
    sc_tape_destroy(t);
}

static void test_single_trade(void **state) {
    (void)state;
    sc_tape *t = mk(W10, 16);
    sc_trade agg;
    assert_false(feed(t, raw(42, S(1), 618002, 14, SC_SIDE_SELL), &agg));
    sc_tape_stats st = stats(t, S(1));
    assert_int_equal(st.trades, 1);
    assert_true(st.vwap_ticks == 618002.0);
    assert_int_equal(st.buy_qty.steps, 0);
    assert_int_equal(st.sell_qty.steps, 14);
    assert_true(st.imbalance == -1.0);
    assert_near(st.trades_per_s, 0.1);
    assert_near(st.volume_per_s, 1.4);
    assert_int_equal(st.last_px.ticks, 618002);
    assert_int_equal(st.last_trade_ns, S(1));
    assert_int_equal(st.window_end_ns, S(1));
    sc_tape_counters c = counters(t);
    assert_int_equal(c.trades_total, 1);
    assert_int_equal(c.aggregates_total, 0);
    assert_int_equal(c.missing_trades, 0);
    sc_tape_flush(t, &agg, &(bool){false});
    bool ready = false;
    sc_tape_flush(t, &agg, &ready);
    assert_false(ready); /* already flushed */
    assert_int_equal(counters(t).aggregates_total, 1);
    sc_tape_destroy(t);
}

static void test_vwap_hand(void **state) {
    (void)state;
    sc_tape *t = mk(W10, 16);
    feed(t, raw(1, S(1), 100, 2, SC_SIDE_BUY), NULL);
    feed(t, raw(2, S(2), 110, 1, SC_SIDE_SELL), NULL);
    feed(t, raw(3, S(3), 105, 3, SC_SIDE_BUY), NULL);
    /* (100*2 + 110*1 + 105*3) / 6 = 625 / 6 */
    sc_tape_stats st = stats(t, S(3));
    assert_int_equal(st.trades, 3);
    assert_true(st.vwap_ticks == 625.0 / 6.0);
    assert_near(st.trades_per_s, 0.3);
    assert_near(st.volume_per_s, 0.6);
    assert_int_equal(st.last_px.ticks, 105);
    /* At 11 s the first trade (1 s = now - window) is out: 425 / 4. */
    st = stats(t, S(11));
    assert_int_equal(st.trades, 2);
    assert_true(st.vwap_ticks == 425.0 / 4.0);
    assert_int_equal(st.buy_qty.steps, 3);
    assert_int_equal(st.sell_qty.steps, 1);
    sc_tape_destroy(t);
}

static void test_eviction_boundary(void **state) {
    (void)state;
    sc_tape *t = mk(W10, 16);
    feed(t, raw(1, S(1), 100, 1, SC_SIDE_BUY), NULL);
    /* (now - window, now]: at now = 11 s - 1 ns the trade at 1 s is in... */
    assert_int_equal(stats(t, S(11) - 1).trades, 1);
    /* ...and at exactly now - window it is out. */
    assert_int_equal(stats(t, S(11)).trades, 0);
    /* The same boundary when a trade, not a query, moves the time. */
    feed(t, raw(2, S(20), 100, 1, SC_SIDE_BUY), NULL);
    feed(t, raw(3, S(30) - 1, 100, 2, SC_SIDE_SELL), NULL);
    sc_tape_stats st = stats(t, S(30) - 1);
    assert_int_equal(st.trades, 2);
    feed(t, raw(4, S(30), 100, 4, SC_SIDE_SELL), NULL);
    st = stats(t, S(30));
    assert_int_equal(st.trades, 2); /* the trade at 20 s left when the one at 30 s came */
    assert_int_equal(st.buy_qty.steps, 0);
    assert_int_equal(st.sell_qty.steps, 6);
    sc_tape_destroy(t);
}

static void test_buy_sell_imbalance(void **state) {
    (void)state;
    sc_tape *t = mk(W10, 16);
    feed(t, raw(1, S(1), 100, 3, SC_SIDE_BUY), NULL);
    feed(t, raw(2, S(1), 100, 2, SC_SIDE_SELL), NULL);
    feed(t, raw(3, S(2), 100, 1, SC_SIDE_BUY), NULL);
    sc_tape_stats st = stats(t, S(2));
    assert_int_equal(st.buy_qty.steps, 4);
    assert_int_equal(st.sell_qty.steps, 2);
    assert_true(st.imbalance == 2.0 / 6.0); /* (4 - 2) / (4 + 2) */
    feed(t, raw(4, S(3), 100, 6, SC_SIDE_SELL), NULL);
    st = stats(t, S(3));
    assert_true(st.imbalance == -4.0 / 12.0); /* (4 - 8) / 12 */
    st = stats(t, S(12));                     /* only the sell at 3 s remains */
    assert_int_equal(st.buy_qty.steps, 0);
    assert_true(st.imbalance == -1.0);
    sc_tape_destroy(t);
}

static void assert_agg(const sc_trade *a, int64_t first, int64_t last, sc_ns ts_ns, int64_t px,
                       int64_t qty, sc_side side) {
    assert_int_equal(a->trade_id, first);
    assert_int_equal(a->first_trade_id, first);
    assert_int_equal(a->last_trade_id, last);
    assert_int_equal(a->ts_trade_ns, ts_ns);
    assert_int_equal(a->ts_exch_ns, ts_ns + SC_NS_PER_MS);
    assert_int_equal(a->px.ticks, px);
    assert_int_equal(a->qty.steps, qty);
    assert_int_equal(a->aggressor, side);
}

static void test_aggregation(void **state) {
    (void)state;
    sc_tape *t = mk(W10, 16);
    sc_trade a;
    sc_ns ms = SC_NS_PER_MS;
    assert_false(feed(t, raw(10, 5 * ms, 500, 1, SC_SIDE_BUY), &a));
    assert_false(feed(t, raw(11, 5 * ms, 500, 2, SC_SIDE_BUY), &a));
    assert_false(feed(t, raw(12, 5 * ms, 500, 4, SC_SIDE_BUY), &a));
    assert_true(feed(t, raw(13, 5 * ms, 501, 8, SC_SIDE_BUY), &a)); /* price changes */
    assert_agg(&a, 10, 12, 5 * ms, 500, 7, SC_SIDE_BUY);
    assert_true(feed(t, raw(14, 5 * ms, 501, 1, SC_SIDE_SELL), &a)); /* side changes */
    assert_agg(&a, 13, 13, 5 * ms, 501, 8, SC_SIDE_BUY);
    assert_false(feed(t, raw(15, 5 * ms, 501, 2, SC_SIDE_SELL), &a));
    assert_true(feed(t, raw(16, 6 * ms, 501, 3, SC_SIDE_SELL), &a)); /* time changes */
    assert_agg(&a, 14, 15, 5 * ms, 501, 3, SC_SIDE_SELL);
    assert_int_equal(counters(t).aggregates_total, 3);
    bool ready = false;
    sc_tape_flush(t, &a, &ready);
    assert_true(ready);
    assert_agg(&a, 16, 16, 6 * ms, 501, 3, SC_SIDE_SELL);
    sc_tape_flush(t, &a, &ready);
    assert_false(ready);
    assert_int_equal(counters(t).aggregates_total, 4);
    /* After a flush the next trade opens a new aggregate even if it matches. */
    assert_false(feed(t, raw(17, 6 * ms, 501, 1, SC_SIDE_SELL), &a));
    sc_tape_flush(t, &a, &ready);
    assert_true(ready);
    assert_agg(&a, 17, 17, 6 * ms, 501, 1, SC_SIDE_SELL);
    /* The window counts raw trades, not aggregates. */
    assert_int_equal(stats(t, 6 * ms).trades, 8);
    sc_tape_destroy(t);
}

static void test_missing_ids(void **state) {
    (void)state;
    sc_tape *t = mk(W10, 16);
    sc_trade a;
    int64_t ids[] = {1, 2, 5, 6, 10};
    bool done[] = {false, false, true, false, true};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        /* All at the same time, price and side: only the gaps split them. */
        assert_true(feed(t, raw(ids[i], S(1), 100, 1, SC_SIDE_BUY), &a) == done[i]);
    }
    assert_agg(&a, 5, 6, S(1), 100, 2, SC_SIDE_BUY);
    sc_tape_counters c = counters(t);
    assert_int_equal(c.missing_trades, 2 + 3);
    assert_int_equal(c.trades_total, 5);
    assert_int_equal(c.out_of_order, 0);
    assert_int_equal(stats(t, S(1)).trades, 5);
    sc_tape_destroy(t);
}

static void test_out_of_order(void **state) {
    (void)state;
    sc_tape *t = mk(W10, 16);
    sc_trade a;
    feed(t, raw(1, S(1), 100, 1, SC_SIDE_BUY), NULL);
    feed(t, raw(2, S(1), 100, 2, SC_SIDE_BUY), NULL);
    feed(t, raw(3, S(1), 100, 4, SC_SIDE_BUY), NULL);
    assert_false(feed(t, raw(3, S(1), 100, 4, SC_SIDE_BUY), &a));  /* repeat */
    assert_false(feed(t, raw(1, S(1), 999, 8, SC_SIDE_SELL), &a)); /* step back */
    sc_tape_counters c = counters(t);
    assert_int_equal(c.out_of_order, 2);
    assert_int_equal(c.trades_total, 3);
    assert_int_equal(c.missing_trades, 0);
    sc_tape_stats st = stats(t, S(1));
    assert_int_equal(st.trades, 3);
    assert_int_equal(st.buy_qty.steps, 7);
    assert_int_equal(st.sell_qty.steps, 0);
    assert_true(st.vwap_ticks == 100.0);
    assert_int_equal(st.last_px.ticks, 100);
    /* The open aggregate is untouched and continues with id 4. */
    feed(t, raw(4, S(1), 100, 8, SC_SIDE_BUY), NULL);
    bool ready = false;
    sc_tape_flush(t, &a, &ready);
    assert_true(ready);
    assert_agg(&a, 1, 4, S(1), 100, 15, SC_SIDE_BUY);
    assert_int_equal(counters(t).missing_trades, 0);
    sc_tape_destroy(t);
}

static void test_truncation(void **state) {
    (void)state;
    sc_tape *t = mk(W10, 4);
    for (int64_t i = 1; i <= 6; i++) {
        feed(t, raw(i, S(i), 100 + i, i, SC_SIDE_BUY), NULL);
    }
    sc_tape_stats st = stats(t, S(6));
    assert_int_equal(st.trades, 4); /* trades 3..6 */
    assert_int_equal(st.buy_qty.steps, 3 + 4 + 5 + 6);
    /* (103*3 + 104*4 + 105*5 + 106*6) / 18 = 1886 / 18 */
    assert_true(st.vwap_ticks == 1886.0 / 18.0);
    assert_true(st.truncated);
    assert_int_equal(counters(t).window_truncated, 2);
    assert_int_equal(counters(t).trades_total, 6);
    /* Once the early leavers (1 s, 2 s) would have left anyway, the window
     * is whole again. */
    st = stats(t, S(12) - 1);
    assert_true(st.truncated);
    st = stats(t, S(12));
    assert_false(st.truncated);
    assert_int_equal(st.trades, 4);
    sc_tape_destroy(t);
}

static void test_overflow_guard(void **state) {
    (void)state;
    sc_tape *t = mk(W10, 16);
    sc_trade a;
    bool ready = true;
    /* One trade whose px x qty does not fit int64. */
    sc_trade big = raw(1, S(1), INT64_C(1) << 32, INT64_C(1) << 32, SC_SIDE_BUY);
    assert_int_equal(sc_tape_on_trade(t, &big, &a, &ready), SC_ERR_OVERFLOW);
    assert_false(ready);
    assert_int_equal(counters(t).trades_total, 0);
    /* Two trades that fit alone (2^62 each) but not together. */
    sc_trade half = raw(1, S(1), INT64_C(1) << 31, INT64_C(1) << 31, SC_SIDE_BUY);
    feed(t, half, NULL);
    half = raw(2, S(1), INT64_C(1) << 31, INT64_C(1) << 31, SC_SIDE_BUY);
    assert_int_equal(sc_tape_on_trade(t, &half, &a, &ready), SC_ERR_OVERFLOW);
    assert_false(ready);
    sc_tape_counters c = counters(t);
    assert_int_equal(c.trades_total, 1);
    assert_int_equal(c.aggregates_total, 0);
    sc_tape_stats st = stats(t, S(1));
    assert_int_equal(st.trades, 1);
    assert_int_equal(st.buy_qty.steps, INT64_C(1) << 31);
    assert_true(st.vwap_ticks == (double)(INT64_C(1) << 31));
    /* When the first has left, the same trade fits; the refused id 2 then
     * shows as missing. */
    half = raw(3, S(11), INT64_C(1) << 31, INT64_C(1) << 31, SC_SIDE_BUY);
    feed(t, half, NULL);
    c = counters(t);
    assert_int_equal(c.trades_total, 2);
    assert_int_equal(c.missing_trades, 1);
    assert_int_equal(stats(t, S(11)).trades, 1);
    sc_tape_destroy(t);
}

static void test_invalid_trade(void **state) {
    (void)state;
    sc_tape *t = mk(W10, 16);
    sc_trade a;
    bool ready = true;
    sc_trade bad[4] = {raw(1, S(1), 0, 1, SC_SIDE_BUY), raw(1, S(1), 100, 0, SC_SIDE_BUY),
                       raw(1, -1, 100, 1, SC_SIDE_BUY), raw(1, S(1), 100, 1, SC_SIDE_BUY)};
    bad[3].last_trade_id = 0; /* first > last */
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(sc_tape_on_trade(t, &bad[i], &a, &ready), SC_ERR_RANGE);
        assert_false(ready);
    }
    sc_tape_counters c = counters(t);
    assert_int_equal(c.trades_total + c.out_of_order + c.missing_trades + c.late_trades, 0);
    assert_int_equal(stats(t, S(1)).trades, 0);
    sc_tape_destroy(t);
}

static void test_rates_and_warm(void **state) {
    (void)state;
    /* Rates divide by the configured window also during warm-up. */
    sc_tape *t = mk(W10, 64);
    for (int64_t i = 0; i < 5; i++) {
        feed(t, raw(i + 1, S(100) + i * SC_NS_PER_MS, 100, 10, SC_SIDE_BUY), NULL);
    }
    sc_tape_stats st = stats(t, S(101));
    assert_near(st.trades_per_s, 5.0 / 10.0);
    assert_near(st.volume_per_s, 50.0 / 10.0);
    assert_false(st.warm);
    assert_false(stats(t, S(110) - 1).warm);
    st = stats(t, S(110));
    assert_true(st.warm);           /* (100 s, 110 s] was observed whole */
    assert_int_equal(st.trades, 4); /* the trade at exactly 100 s is out */
    assert_near(st.trades_per_s, 0.4);
    sc_tape_destroy(t);
}

static void test_late_and_behind(void **state) {
    (void)state;
    sc_tape *t = mk(W10, 16);
    feed(t, raw(1, S(20), 100, 1, SC_SIDE_BUY), NULL);
    /* A now older than the newest trade: the stats end at the trade. */
    sc_tape_stats st = stats(t, S(15));
    assert_int_equal(st.window_end_ns, S(20));
    assert_int_equal(st.trades, 1);
    /* A trade older than the window is accepted but not in the window. */
    feed(t, raw(2, S(10), 200, 2, SC_SIDE_SELL), NULL);
    assert_int_equal(counters(t).late_trades, 1);
    assert_int_equal(counters(t).trades_total, 2);
    st = stats(t, S(20));
    assert_int_equal(st.trades, 1);
    assert_int_equal(st.last_px.ticks, 200);
    /* A late trade still inside the window is kept, stamped with the clock
     * (25 s here, from the query), so it stays until 35 s. */
    st = stats(t, S(25));
    feed(t, raw(3, S(21), 300, 4, SC_SIDE_BUY), NULL);
    assert_int_equal(counters(t).late_trades, 1);
    assert_int_equal(stats(t, S(30)).trades, 1); /* the one at 20 s left */
    assert_int_equal(stats(t, S(35) - 1).trades, 1);
    assert_int_equal(stats(t, S(35)).trades, 0);
    sc_tape_destroy(t);
}

static void test_agg_trade_input(void **state) {
    (void)state;
    /* aggTrade input: continuity on f..l, the aggregate keeps a. */
    sc_tape *t = mk(W10, 16);
    sc_trade x = raw(500, S(1), 100, 3, SC_SIDE_BUY);
    x.first_trade_id = 1000;
    x.last_trade_id = 1002;
    feed(t, x, NULL);
    sc_trade y = raw(501, S(2), 101, 1, SC_SIDE_BUY);
    y.first_trade_id = 1005;
    y.last_trade_id = 1005;
    sc_trade a;
    assert_true(feed(t, y, &a));
    assert_int_equal(a.trade_id, 500);
    assert_int_equal(a.first_trade_id, 1000);
    assert_int_equal(a.last_trade_id, 1002);
    sc_trade z = raw(502, S(2), 101, 1, SC_SIDE_BUY);
    z.first_trade_id = 1004; /* overlaps what was seen */
    z.last_trade_id = 1006;
    feed(t, z, NULL);
    sc_tape_counters c = counters(t);
    assert_int_equal(c.missing_trades, 2);
    assert_int_equal(c.out_of_order, 1);
    assert_int_equal(c.trades_total, 2);
    sc_tape_destroy(t);
}

/* Brute-force model of the window for the randomized test: every accepted
 * trade, in arrival order (times never go back there). */
typedef struct {
    sc_ns ts_ns;
    int64_t px;
    int64_t qty;
    sc_side side;
} model_trade;

static void model_check(const model_trade *m, size_t n, sc_ns end_ns, sc_ns window_ns, uint32_t cap,
                        const sc_tape_stats *st) {
    int64_t pxq = 0, qty = 0, buy = 0, sell = 0;
    uint64_t count = 0;
    for (size_t i = n; i-- > 0 && count < cap;) {
        if (m[i].ts_ns <= end_ns - window_ns) {
            break;
        }
        count++;
        pxq += m[i].px * m[i].qty;
        qty += m[i].qty;
        *(m[i].side == SC_SIDE_BUY ? &buy : &sell) += m[i].qty;
    }
    assert_int_equal(st->trades, count);
    assert_int_equal(st->buy_qty.steps, buy);
    assert_int_equal(st->sell_qty.steps, sell);
    assert_true(st->vwap_ticks == (qty > 0 ? (double)pxq / (double)qty : 0.0));
}

static void run_random(uint64_t seed, uint32_t cap) {
    enum { STEPS = 20000 };
    sc_rng rng;
    sc_rng_seed(&rng, seed);
    sc_tape *t = mk(S(2), cap);
    model_trade *m = calloc(STEPS, sizeof(*m));
    assert_non_null(m);
    size_t n = 0;
    sc_ns now = S(1);
    int64_t id = 0;
    uint64_t missing = 0, ooo = 0;
    for (int i = 0; i < STEPS; i++) {
        now += (sc_ns)sc_rng_below(&rng, 3) * (sc_ns)sc_rng_below(&rng, 200) * SC_NS_PER_MS;
        uint64_t r = sc_rng_below(&rng, 100);
        if (r < 10) {
            sc_tape_stats st = stats(t, now);
            model_check(m, n, now, S(2), cap, &st);
            continue;
        }
        /* Occasional jumps and repeats of the id. */
        int64_t step = r < 13 ? 1 + (int64_t)sc_rng_below(&rng, 5) : (r < 16 ? 0 : 1);
        sc_trade tr = raw(id + step, now, 600000 + (int64_t)sc_rng_below(&rng, 4),
                          1 + (int64_t)sc_rng_below(&rng, 50),
                          sc_rng_below(&rng, 2) ? SC_SIDE_BUY : SC_SIDE_SELL);
        feed(t, tr, NULL);
        if (step == 0 && n > 0) {
            ooo++;
            continue;
        }
        missing += n > 0 ? (uint64_t)(step - 1) : 0;
        id = tr.trade_id;
        m[n++] = (model_trade){now, tr.px.ticks, tr.qty.steps, tr.aggressor};
        if (r < 40) {
            sc_tape_stats st = stats(t, now);
            model_check(m, n, now, S(2), cap, &st);
        }
    }
    sc_tape_counters c = counters(t);
    assert_int_equal(c.trades_total, n);
    assert_int_equal(c.missing_trades, missing);
    assert_int_equal(c.out_of_order, ooo);
    free(m);
    sc_tape_destroy(t);
}

static void test_random_vs_model(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        run_random(seed, 1u << 12); /* never full */
        run_random(seed, 16);       /* often full: truncation */
    }
}

/* Real data: the raw `trade` messages of a USD-M capture, read with a small
 * field extractor of our own so this test does not depend on the decoder. */
enum { REAL_TRADES_MAX = 32768 };

static const char *field_after(const char *line, const char *key) {
    const char *p = strstr(line, key);
    assert_non_null(p);
    return p + strlen(key);
}

static int64_t field_int(const char *line, const char *key) {
    char *end = NULL;
    long long v = strtoll(field_after(line, key), &end, 10);
    assert_true(end != NULL && (*end == ',' || *end == '}'));
    return (int64_t)v;
}

/* The quoted decimal after key ("p":"61800.30") as [*s, *s + *len). */
static void field_str(const char *line, const char *key, const char **s, size_t *len) {
    *s = field_after(line, key);
    const char *q = strchr(*s, '"');
    assert_non_null(q);
    *len = (size_t)(q - *s);
}

static sc_trade parse_trade_line(const sc_instrument *ins, const char *line) {
    sc_trade tr;
    memset(&tr, 0, sizeof(tr));
    tr.trade_id = field_int(line, "\"t\":");
    tr.first_trade_id = tr.trade_id;
    tr.last_trade_id = tr.trade_id;
    tr.ts_exch_ns = field_int(line, "\"E\":") * SC_NS_PER_MS;
    tr.ts_trade_ns = field_int(line, "\"T\":") * SC_NS_PER_MS;
    const char *s = NULL;
    size_t len = 0;
    field_str(line, "\"p\":\"", &s, &len);
    assert_int_equal(sc_px_parse(ins, s, len, &tr.px), SC_OK);
    field_str(line, "\"q\":\"", &s, &len);
    assert_int_equal(sc_qty_parse(ins, s, len, &tr.qty), SC_OK);
    const char *m = field_after(line, "\"m\":");
    assert_true(strncmp(m, "true", 4) == 0 || strncmp(m, "false", 5) == 0);
    tr.aggressor = m[0] == 't' ? SC_SIDE_SELL : SC_SIDE_BUY;
    return tr;
}

/* Every trade line of the capture, in file order; returns the count. */
static size_t read_trades(const char *path, sc_trade *out, size_t cap) {
    const sc_instrument *ins = usdm();
    size_t len = 0;
    char *buf = sc_test_read_all(path, &len);
    size_t n = 0;
    for (char *line = buf; line < buf + len;) {
        char *nl = strchr(line, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }
        if (strstr(line, "\"e\":\"trade\"") != NULL) {
            assert_true(n < cap);
            out[n++] = parse_trade_line(ins, line);
        }
        line = nl != NULL ? nl + 1 : buf + len;
    }
    free(buf);
    return n;
}

/* Brute force over the trades with time in (end - window, end]. */
static void check_window_brute(const sc_trade *trs, size_t n, sc_ns end_ns, sc_ns window_ns,
                               const sc_tape_stats *st) {
    int64_t pxq = 0, qty = 0, buy = 0;
    uint64_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (trs[i].ts_trade_ns > end_ns - window_ns && trs[i].ts_trade_ns <= end_ns) {
            count++;
            pxq += trs[i].px.ticks * trs[i].qty.steps;
            qty += trs[i].qty.steps;
            buy += trs[i].aggressor == SC_SIDE_BUY ? trs[i].qty.steps : 0;
        }
    }
    assert_true(count > 0);
    assert_int_equal(st->trades, count);
    assert_int_equal(st->buy_qty.steps, buy);
    assert_int_equal(st->sell_qty.steps, qty - buy);
    assert_true(st->vwap_ticks == (double)pxq / (double)qty);
    assert_near(st->volume_per_s, (double)qty / ((double)window_ns / 1e9));
}

/* Groups trs independently of the tape: a new aggregate wherever (T, p, m)
 * changes (the ids here have no gaps, checked by the caller), and checks
 * each emitted aggregate against its group. Returns the group count. */
static size_t check_aggregates(const sc_trade *trs, size_t n, const sc_trade *aggs, size_t n_aggs) {
    size_t k = 0;
    int64_t qty = 0;
    for (size_t i = 0; i < n; i++) {
        bool starts = i == 0 || trs[i].ts_trade_ns != trs[i - 1].ts_trade_ns ||
                      trs[i].px.ticks != trs[i - 1].px.ticks ||
                      trs[i].aggressor != trs[i - 1].aggressor;
        if (starts) {
            if (k > 0) {
                assert_int_equal(aggs[k - 1].qty.steps, qty);
            }
            assert_true(k < n_aggs);
            assert_int_equal(aggs[k].trade_id, trs[i].trade_id);
            assert_int_equal(aggs[k].first_trade_id, trs[i].trade_id);
            assert_int_equal(aggs[k].ts_trade_ns, trs[i].ts_trade_ns);
            assert_int_equal(aggs[k].ts_exch_ns, trs[i].ts_exch_ns);
            assert_int_equal(aggs[k].px.ticks, trs[i].px.ticks);
            assert_int_equal(aggs[k].aggressor, trs[i].aggressor);
            k++;
            qty = 0;
        }
        qty += trs[i].qty.steps;
        assert_int_equal(aggs[k - 1].last_trade_id >= trs[i].trade_id, 1);
        if (i + 1 == n || trs[i + 1].ts_trade_ns != trs[i].ts_trade_ns ||
            trs[i + 1].px.ticks != trs[i].px.ticks || trs[i + 1].aggressor != trs[i].aggressor) {
            assert_int_equal(aggs[k - 1].last_trade_id, trs[i].trade_id);
        }
    }
    assert_int_equal(aggs[k - 1].qty.steps, qty);
    return k;
}

static void test_real_capture(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED("binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst", path);
    sc_trade *trs = calloc(REAL_TRADES_MAX, sizeof(*trs));
    sc_trade *aggs = calloc(REAL_TRADES_MAX, sizeof(*aggs));
    assert_non_null(trs);
    assert_non_null(aggs);
    size_t n = read_trades(path, trs, REAL_TRADES_MAX);
    assert_int_equal(n, 21313);
    sc_tape *t = mk(0, 0); /* the default 60 s window */
    size_t n_aggs = 0;
    int64_t qty_total = 0, qty_aggs = 0;
    for (size_t i = 0; i < n; i++) {
        qty_total += trs[i].qty.steps;
        if (feed(t, trs[i], &aggs[n_aggs])) {
            qty_aggs += aggs[n_aggs++].qty.steps;
        }
        if (i % 997 == 0) {
            sc_tape_stats st = stats(t, trs[i].ts_trade_ns);
            check_window_brute(trs, i + 1, trs[i].ts_trade_ns, SC_TAPE_WINDOW_NS_DEFAULT, &st);
        }
    }
    bool ready = false;
    sc_tape_flush(t, &aggs[n_aggs], &ready);
    assert_true(ready);
    qty_aggs += aggs[n_aggs++].qty.steps;
    sc_tape_counters c = counters(t);
    assert_int_equal(c.trades_total, 21313);
    assert_int_equal(c.missing_trades, 0);
    assert_int_equal(c.out_of_order, 0);
    assert_int_equal(c.late_trades, 0);
    assert_int_equal(c.window_truncated, 0);
    assert_int_equal(c.aggregates_total, n_aggs);
    assert_int_equal(qty_aggs, qty_total);
    size_t groups = check_aggregates(trs, n, aggs, n_aggs);
    assert_int_equal(groups, n_aggs);
    assert_int_equal(groups, 10447); /* also counted with a Python json script */
    sc_ns end_ns = trs[n - 1].ts_trade_ns;
    sc_tape_stats st = stats(t, end_ns);
    check_window_brute(trs, n, end_ns, SC_TAPE_WINDOW_NS_DEFAULT, &st);
    assert_true(st.warm);
    assert_false(st.truncated);
    print_message("real capture: %zu trades, %zu aggregates, last-minute vwap %.4f ticks\n", n,
                  n_aggs, st.vwap_ticks);
    free(aggs);
    free(trs);
    sc_tape_destroy(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rejects),    cmocka_unit_test(test_empty_window),
        cmocka_unit_test(test_single_trade),      cmocka_unit_test(test_vwap_hand),
        cmocka_unit_test(test_eviction_boundary), cmocka_unit_test(test_buy_sell_imbalance),
        cmocka_unit_test(test_aggregation),       cmocka_unit_test(test_missing_ids),
        cmocka_unit_test(test_out_of_order),      cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_overflow_guard),    cmocka_unit_test(test_invalid_trade),
        cmocka_unit_test(test_rates_and_warm),    cmocka_unit_test(test_late_and_behind),
        cmocka_unit_test(test_agg_trade_input),   cmocka_unit_test(test_random_vs_model),
        cmocka_unit_test(test_real_capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
