/* test_bar_events.c: closed candles to synthetic events, fed to a real
 * sc_book and a real sc_fill_sim in the order engine/paper.c uses (advance,
 * book, fill simulator): the path visits the open, both extremes in the
 * documented order and the close; volume sums exactly (per side with the
 * taker split); times stay inside the bar; every snapshot is applied, the
 * book never crosses and ends at close / close + spread; a resting limit
 * fills only when the path trades through it, never at its price; flat,
 * zero-volume, one-tick and extreme candles; refusals; and, when the shared
 * data is there, the 10 days of USD-M 1m klines (taker split) and a month
 * of spot 1m klines through the module, a book and a fill simulator. */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/instrument.h"
#include "engine/bar_events.h"
#include "exec/fill_sim.h"
#include "market/book.h"
#include "market/klines_csv.h"

#define MS SC_NS_PER_MS
#define T0 (INT64_C(1749168000) * SC_NS_PER_S) /* 2025-06-06 00:00 UTC */
#define USDM_REL "binance_usdm_klines_1m_signalbot/BTCUSDT_PERP_1m_20250606_20250616.csv.zst"
#define SPOT_MONTH_REL "binance_spot_klines_1m_benicio/BTCUSDT_1m_20250301_20250401.csv.zst"

/* 100000.0 on the usdm grid (tick 0.1); quantities in 0.001 BTC. */
enum { P = 1000000, REPS_MAX = 1024, ORDER_QTY = 500 };

/* ---- a rig: the module, a book, a fill simulator -------------------------- */

typedef struct {
    int64_t px;
    int64_t qty;
    sc_side side;
} trade_rec;

typedef struct {
    const sc_instrument *ins;
    sc_bar_events *be;
    sc_book *book;
    sc_fill_sim *sim;
    sc_fill_report reps[REPS_MAX];
    uint32_t n_reps;
    /* every event, checked as it goes */
    sc_ns last_ts;
    int64_t last_update_id;
    int64_t last_trade_id;
    /* the last bar */
    trade_rec *tr;
    uint32_t tr_cap;
    uint32_t n_tr;
    uint32_t n_events;
    uint32_t n_snaps;
    uint32_t n_marks;
    sc_ns first_ts;
    sc_mark_price mark;
    int64_t buy_sum;
    int64_t sell_sum;
} rig;

static sc_bar_events_config be_cfg(const char *ins, uint32_t points) {
    sc_bar_events_config c;
    memset(&c, 0, sizeof(c));
    c.ins = sc_instrument_find(ins);
    c.path_points = points;
    return c;
}

static void rig_open_cfg(rig *r, const sc_bar_events_config *c) {
    memset(r, 0, sizeof(*r));
    r->ins = c->ins;
    assert_int_equal(sc_bar_events_create(c, &r->be), SC_OK);
    sc_book_config bc = {c->ins, 0, 0, 0, 0};
    assert_int_equal(sc_book_create(&bc, &r->book), SC_OK);
    sc_fill_sim_config fc;
    memset(&fc, 0, sizeof(fc));
    fc.ins = c->ins;
    fc.book = r->book;
    fc.maker_fee_bps_x100 = 200;
    fc.taker_fee_bps_x100 = 500;
    fc.latency_ns = 1 * MS;
    fc.seed = 7;
    fc.queue_cancel_share_x10000 = 5000;
    assert_int_equal(sc_fill_sim_create(&fc, &r->sim), SC_OK);
    uint32_t pts = c->path_points != 0 ? c->path_points : SC_BAR_EVENTS_POINTS_DEFAULT;
    r->tr_cap = 2 * SC_BAR_EVENTS_BAR_POINTS_MAX(pts) + 2;
    r->tr = calloc(r->tr_cap, sizeof(*r->tr));
    assert_non_null(r->tr);
    r->last_ts = INT64_MIN;
}

static void rig_open(rig *r, uint32_t points) {
    sc_bar_events_config c = be_cfg("usdm:BTCUSDT", points);
    rig_open_cfg(r, &c);
}

static void rig_close(rig *r) {
    free(r->tr);
    sc_fill_sim_destroy(r->sim);
    sc_book_destroy(r->book);
    sc_bar_events_destroy(r->be);
}

static void drain(rig *r) {
    sc_fill_report rep;
    while (sc_fill_sim_next_report(r->sim, &rep)) {
        assert_true(r->n_reps < REPS_MAX);
        r->reps[r->n_reps++] = rep;
    }
}

static sc_level touch(const rig *r, sc_side side) {
    sc_level l;
    assert_int_equal(sc_book_best(r->book, side, &l), SC_OK);
    return l;
}

static void check_levels(const sc_snapshot *s) {
    assert_true(s->n_bids >= 1 && s->n_asks >= 1);
    assert_true(s->bids[0].px.ticks < s->asks[0].px.ticks);
    for (uint32_t i = 0; i < s->n_bids; i++) {
        assert_true(s->bids[i].qty.steps > 0);
        assert_true(i == 0 || s->bids[i].px.ticks == s->bids[i - 1].px.ticks - 1);
    }
    for (uint32_t i = 0; i < s->n_asks; i++) {
        assert_true(s->asks[i].qty.steps > 0);
        assert_true(i == 0 || s->asks[i].px.ticks == s->asks[i - 1].px.ticks + 1);
    }
}

static void on_snapshot(rig *r, const sc_event *ev) {
    const sc_snapshot *s = &ev->u.snapshot;
    assert_true(s->last_update_id > r->last_update_id);
    r->last_update_id = s->last_update_id;
    assert_int_equal(s->ts_exch_ns, ev->ts_local_ns);
    check_levels(s);
    sc_book_result res = SC_BOOK_STALE;
    assert_int_equal(sc_book_on_snapshot(r->book, s, &res), SC_OK);
    assert_int_equal(res, SC_BOOK_APPLIED);
    assert_true(sc_book_is_synced(r->book));
    assert_true(touch(r, SC_SIDE_BUY).px.ticks < touch(r, SC_SIDE_SELL).px.ticks);
    assert_int_equal(sc_fill_sim_on_book_reset(r->sim, ev->ts_local_ns), SC_OK);
    r->n_snaps++;
}

static void on_trade(rig *r, const sc_event *ev) {
    const sc_trade *t = &ev->u.trade;
    assert_true(t->trade_id > r->last_trade_id);
    r->last_trade_id = t->trade_id;
    assert_true(t->qty.steps > 0);
    assert_int_equal(t->kind, SC_TRADE_MARKET);
    assert_int_equal(t->ts_trade_ns, ev->ts_local_ns);
    /* The trade hits a touch that exists: a sell the bid, a buy the ask. */
    sc_level hit = touch(r, t->aggressor == SC_SIDE_SELL ? SC_SIDE_BUY : SC_SIDE_SELL);
    assert_int_equal(hit.px.ticks, t->px.ticks);
    assert_true(hit.qty.steps >= t->qty.steps);
    assert_int_equal(sc_fill_sim_on_trade(r->sim, t, ev->ts_local_ns), SC_OK);
    assert_true(r->n_tr < r->tr_cap);
    r->tr[r->n_tr++] = (trade_rec){t->px.ticks, t->qty.steps, t->aggressor};
    *(t->aggressor == SC_SIDE_BUY ? &r->buy_sum : &r->sell_sum) += t->qty.steps;
}

/* One bar through the rig; checks what holds for every bar. */
static void feed_bar(rig *r, const sc_candle *k) {
    r->n_tr = r->n_events = r->n_snaps = r->n_marks = 0;
    r->buy_sum = r->sell_sum = 0;
    assert_int_equal(sc_bar_events_begin(r->be, k), SC_OK);
    assert_false(sc_bar_events_idle(r->be));
    sc_event ev;
    while (sc_bar_events_next(r->be, &ev)) {
        assert_true(ev.ts_local_ns > r->last_ts);
        assert_true(ev.ts_local_ns > k->open_ns && ev.ts_local_ns < k->open_ns + k->tf_ns);
        r->first_ts = r->n_events == 0 ? ev.ts_local_ns : r->first_ts;
        assert_true(r->n_events > 0 || ev.kind == SC_EV_SNAPSHOT);
        r->last_ts = ev.ts_local_ns;
        r->n_events++;
        assert_int_equal(sc_fill_sim_advance(r->sim, ev.ts_local_ns), SC_OK);
        drain(r);
        if (ev.kind == SC_EV_SNAPSHOT) {
            on_snapshot(r, &ev);
        } else if (ev.kind == SC_EV_TRADE) {
            on_trade(r, &ev);
        } else {
            assert_int_equal(ev.kind, SC_EV_MARK_PRICE);
            r->mark = ev.u.mark;
            r->n_marks++;
        }
        drain(r);
    }
    assert_true(sc_bar_events_idle(r->be));
    assert_false(sc_bar_events_next(r->be, &ev));
    assert_int_equal(r->last_ts, k->open_ns + k->tf_ns - 1); /* fresh at the close */
    assert_int_equal(r->n_marks, 1);
    assert_int_equal(r->buy_sum + r->sell_sum, k->volume.steps);
    if ((k->flags & SC_CANDLE_HAS_SPLIT) != 0) {
        assert_int_equal(r->buy_sum, k->buy_volume.steps);
        assert_int_equal(r->sell_sum, k->sell_volume.steps);
    }
    assert_int_equal(touch(r, SC_SIDE_BUY).px.ticks, k->close.ticks);
    assert_int_equal(touch(r, SC_SIDE_SELL).px.ticks, k->close.ticks + 1);
}

static sc_candle candle(int64_t minute, int64_t o, int64_t h, int64_t l, int64_t c, int64_t vol) {
    sc_candle k;
    memset(&k, 0, sizeof(k));
    k.open_ns = T0 + minute * SC_NS_PER_MIN;
    k.tf_ns = SC_NS_PER_MIN;
    k.open.ticks = o;
    k.high.ticks = h;
    k.low.ticks = l;
    k.close.ticks = c;
    k.volume.steps = vol;
    k.parts = 1;
    k.closed = true;
    return k;
}

static sc_candle split(sc_candle k, int64_t buy) {
    k.flags |= SC_CANDLE_HAS_SPLIT;
    k.buy_volume.steps = buy;
    k.sell_volume.steps = k.volume.steps - buy;
    return k;
}

/* Index of the first trade at px, or -1. */
static int find_px(const rig *r, int64_t px) {
    for (uint32_t i = 0; i < r->n_tr; i++) {
        if (r->tr[i].px == px) {
            return (int)i;
        }
    }
    return -1;
}

/* The trades walk open -> a -> b -> close one tick at a time (a short
 * path), each step's side the direction of the move. */
static void expect_tick_walk(const rig *r, int64_t o, int64_t a, int64_t b, int64_t c) {
    const int64_t stops[4] = {o, a, b, c};
    uint32_t i = 0;
    assert_true(r->n_tr >= 1);
    assert_int_equal(r->tr[i++].px, o);
    for (int leg = 0; leg < 3; leg++) {
        int64_t dir = stops[leg + 1] > stops[leg] ? 1 : -1;
        for (int64_t px = stops[leg]; px != stops[leg + 1];) {
            px += dir;
            assert_true(i < r->n_tr);
            assert_int_equal(r->tr[i].px, px);
            assert_int_equal(r->tr[i].side, dir > 0 ? SC_SIDE_BUY : SC_SIDE_SELL);
            i++;
        }
    }
    assert_int_equal(i, r->n_tr);
}

/* ---- the path ------------------------------------------------------------ */

static void test_up_candle_low_first(void **state) {
    (void)state;
    rig r;
    rig_open(&r, 0);
    /* |open - high| 50 > |open - low| 10: the low comes first. */
    sc_candle k = candle(0, P, P + 50, P - 10, P + 40, 10000);
    feed_bar(&r, &k);
    expect_tick_walk(&r, P, P - 10, P + 50, P + 40);
    assert_int_equal(r.tr[0].side, SC_SIDE_SELL); /* the open takes the first move's side */
    for (uint32_t i = 0; i < r.n_tr; i++) {
        assert_true(r.tr[i].qty >= 1);
    }
    assert_int_equal(r.n_tr, 81);
    assert_int_equal(r.n_snaps, 81 + 1);
    assert_int_equal(r.n_events, 81 * 2 + 2);
    /* mark at the close, e8, no funding */
    assert_int_equal(r.mark.mark_px.e8, (int64_t)(P + 40) * 10000000);
    assert_int_equal(r.mark.index_px.e8, r.mark.mark_px.e8);
    assert_int_equal(r.mark.funding_rate.e8, 0);
    assert_int_equal(r.mark.next_funding_ns, 0);
    rig_close(&r);
}

static void test_down_candle_high_first(void **state) {
    (void)state;
    rig r;
    rig_open(&r, 0);
    /* |open - high| 10 <= |open - low| 40: the high first. */
    sc_candle k = candle(0, P, P + 10, P - 40, P - 20, 5000);
    feed_bar(&r, &k);
    expect_tick_walk(&r, P, P + 10, P - 40, P - 20);
    assert_true(find_px(&r, P + 10) < find_px(&r, P - 40));
    /* A tie goes high first too. */
    k = candle(1, P - 20, P, P - 40, P - 30, 5000);
    feed_bar(&r, &k);
    expect_tick_walk(&r, P - 20, P, P - 40, P - 30);
    rig_close(&r);
}

static void test_taker_split_exact(void **state) {
    (void)state;
    rig r;
    rig_open(&r, 0);
    sc_candle k = split(candle(0, P, P + 50, P - 10, P + 40, 10007), 7001);
    feed_bar(&r, &k); /* feed_bar checks buy and sell sums against the split */
    assert_int_equal(r.buy_sum, 7001);
    assert_int_equal(r.sell_sum, 3006);
    for (uint32_t i = 0; i < r.n_tr; i++) {
        assert_true(r.tr[i].qty >= 1);
    }
    /* An up bar from its low to its high has no sell point: its sellers
     * trade once at the close, after the path. */
    k = split(candle(1, P + 40, P + 60, P + 40, P + 60, 10000), 6000);
    feed_bar(&r, &k);
    assert_int_equal(r.tr[r.n_tr - 1].side, SC_SIDE_SELL);
    assert_int_equal(r.tr[r.n_tr - 1].px, P + 60);
    assert_int_equal(r.tr[r.n_tr - 1].qty, 4000);
    for (uint32_t i = 0; i + 1 < r.n_tr; i++) {
        assert_int_equal(r.tr[i].side, SC_SIDE_BUY);
    }
    sc_bar_events_stats st;
    sc_bar_events_get_stats(r.be, &st);
    assert_int_equal(st.extra_trades, 1);
    rig_close(&r);
}

static void test_book_ids_and_times_across_bars(void **state) {
    (void)state;
    rig r;
    rig_open(&r, 0);
    sc_candle ks[4] = {candle(0, P, P + 20, P - 5, P + 10, 3000),
                       candle(1, P + 10, P + 12, P - 30, P - 25, 4000),
                       candle(7, P - 20, P - 2, P - 22, P - 3, 100), /* after a gap */
                       candle(8, P - 3, P + 300, P - 3, P + 299, 90000)};
    for (int i = 0; i < 4; i++) {
        feed_bar(&r, &ks[i]);
        /* even spacing: the first event (i = 0 of N) at open + (tf - 1) / N */
        assert_int_equal(r.first_ts, ks[i].open_ns + (ks[i].tf_ns - 1) / r.n_events);
    }
    sc_bar_events_stats st;
    sc_bar_events_get_stats(r.be, &st);
    sc_book_stats bs;
    sc_book_get_stats(r.book, &bs);
    assert_int_equal(bs.snapshots_applied, st.snapshots);
    assert_int_equal(bs.resyncs + bs.gaps + bs.crossed + bs.snapshots_rejected, 0);
    assert_int_equal(st.bars, 4);
    assert_int_equal(st.marks, 4);
    assert_int_equal(st.events, st.snapshots + st.trades + st.marks);
    rig_close(&r);
}

static void test_gap_open_side(void **state) {
    (void)state;
    rig r;
    rig_open(&r, 0);
    sc_candle k = candle(0, P, P + 5, P - 5, P, 1000);
    feed_bar(&r, &k);
    /* Opens 20 ticks below the last close, then rises: the open is a sell
     * (the move from the close), the rest buys. */
    k = candle(1, P - 20, P - 10, P - 20, P - 10, 1000);
    feed_bar(&r, &k);
    assert_int_equal(r.tr[0].px, P - 20);
    assert_int_equal(r.tr[0].side, SC_SIDE_SELL);
    assert_int_equal(r.tr[1].side, SC_SIDE_BUY);
    rig_close(&r);
}

/* ---- fills ------------------------------------------------------------- */

static void submit(rig *r, const char *id, sc_side side, int64_t px, sc_ns ts) {
    sc_order_intent o;
    memset(&o, 0, sizeof(o));
    snprintf(o.client_id, sizeof(o.client_id), "%s", id);
    o.side = side;
    o.type = SC_ORD_LIMIT;
    o.tif = SC_TIF_GTC;
    o.px.ticks = px;
    o.qty.steps = ORDER_QTY;
    o.ts_ns = ts;
    assert_int_equal(sc_fill_sim_submit(r->sim, &o, ts, NULL), SC_OK);
}

/* Filled quantity of an order among the reports so far. */
static int64_t filled(const rig *r, const char *id, int64_t px) {
    int64_t q = 0;
    for (uint32_t i = 0; i < r->n_reps; i++) {
        const sc_fill_report *f = &r->reps[i];
        if (f->kind == SC_FILL_REP_FILL && strcmp(f->client_id, id) == 0) {
            assert_true(f->maker);
            assert_int_equal(f->px.ticks, px); /* at the limit */
            q += f->qty.steps;
        }
    }
    return q;
}

static void test_fill_only_through(void **state) {
    (void)state;
    rig r;
    rig_open(&r, 0);
    sc_candle k = candle(0, P, P + 2, P - 2, P, 100);
    feed_bar(&r, &k); /* syncs the book at P / P + 1 */
    /* A buy 20 ticks below and a sell 20 above, resting before bar 1. */
    submit(&r, "buy", SC_SIDE_BUY, P - 20, k.open_ns + k.tf_ns);
    submit(&r, "sell", SC_SIDE_SELL, P + 21, k.open_ns + k.tf_ns);
    /* Bar 1 reaches both limits exactly, with 2000 BTC traded (far more
     * than a level holds): no fill at the price. */
    k = candle(1, P, P + 21, P - 20, P - 10, 2000000);
    feed_bar(&r, &k);
    assert_int_equal(filled(&r, "buy", P - 20), 0);
    assert_int_equal(filled(&r, "sell", P + 21), 0);
    sc_qty ahead;
    assert_int_equal(sc_fill_sim_queue_ahead(r.sim, "buy", &ahead), SC_OK);
    assert_int_equal(sc_fill_sim_queue_ahead(r.sim, "sell", &ahead), SC_OK);
    /* Bar 2 trades one tick through the buy only. */
    k = candle(2, P - 10, P + 20, P - 21, P - 15, 100000);
    feed_bar(&r, &k);
    assert_int_equal(filled(&r, "buy", P - 20), ORDER_QTY);
    assert_int_equal(filled(&r, "sell", P + 21), 0);
    /* Bar 3 trades through the sell. */
    k = candle(3, P - 15, P + 22, P - 16, P + 22, 100000);
    feed_bar(&r, &k);
    assert_int_equal(filled(&r, "sell", P + 21), ORDER_QTY);
    rig_close(&r);
}

/* A path coarser than a tick: a limit between two points fills through the
 * next point; a limit at the extreme does not. */
static void test_fill_coarse_steps(void **state) {
    (void)state;
    rig r;
    rig_open(&r, 10); /* 10 points per bar */
    sc_candle k = candle(0, P, P + 1, P - 1, P, 100);
    feed_bar(&r, &k);
    submit(&r, "mid", SC_SIDE_BUY, P - 333, k.open_ns + k.tf_ns);
    submit(&r, "low", SC_SIDE_BUY, P - 1000, k.open_ns + k.tf_ns);
    k = candle(1, P, P + 10, P - 1000, P - 900, 50000);
    feed_bar(&r, &k);
    assert_true(find_px(&r, P - 333) < 0); /* not a point of the path */
    assert_int_equal(filled(&r, "mid", P - 333), ORDER_QTY);
    assert_int_equal(filled(&r, "low", P - 1000), 0);
    rig_close(&r);
}

/* ---- odd candles --------------------------------------------------------- */

static void test_flat_and_zero_volume(void **state) {
    (void)state;
    rig r;
    rig_open(&r, 0);
    sc_candle k = candle(0, P, P, P, P, 0);
    feed_bar(&r, &k);
    assert_int_equal(r.n_tr, 0); /* nothing traded, nothing printed */
    assert_int_equal(r.n_events, 3);
    sc_bar_events_stats st;
    sc_bar_events_get_stats(r.be, &st);
    assert_int_equal(st.silent_points, 1);
    k = candle(1, P, P, P, P, 777);
    feed_bar(&r, &k);
    assert_int_equal(r.n_tr, 1);
    assert_int_equal(r.tr[0].qty, 777);
    assert_int_equal(r.tr[0].side, SC_SIDE_SELL);
    /* flat with the split: the larger side at the open, the other at the close */
    k = split(candle(2, P, P, P, P, 777), 500);
    feed_bar(&r, &k);
    assert_int_equal(r.n_tr, 2);
    assert_int_equal(r.tr[0].side, SC_SIDE_BUY);
    assert_int_equal(r.tr[0].qty, 500);
    assert_int_equal(r.tr[1].side, SC_SIDE_SELL);
    assert_int_equal(r.tr[1].qty, 277);
    rig_close(&r);
}

static void test_one_tick_range(void **state) {
    (void)state;
    rig r;
    rig_open(&r, 0);
    sc_candle k = candle(0, P, P + 1, P, P + 1, 10);
    feed_bar(&r, &k);
    assert_int_equal(r.n_tr, 2);
    assert_int_equal(r.tr[0].px, P);
    assert_int_equal(r.tr[1].px, P + 1);
    assert_int_equal(r.tr[1].side, SC_SIDE_BUY);
    k = candle(1, P + 1, P + 1, P, P, 10);
    feed_bar(&r, &k);
    assert_int_equal(r.n_tr, 2);
    assert_int_equal(r.tr[1].px, P);
    assert_int_equal(r.tr[1].side, SC_SIDE_SELL);
    rig_close(&r);
}

static void test_extreme_candle(void **state) {
    (void)state;
    rig r;
    rig_open(&r, 0);
    sc_candle k = candle(0, P, P + 1, P - 1, P, 100);
    feed_bar(&r, &k);
    submit(&r, "at_low", SC_SIDE_BUY, P - 20000, k.open_ns + k.tf_ns);
    submit(&r, "above_low", SC_SIDE_BUY, P - 19999, k.open_ns + k.tf_ns);
    /* 5000 USDT of range: path 20000 + 50000 + 29900 ticks over 100 points. */
    k = candle(1, P, P + 30000, P - 20000, P + 100, 800000);
    feed_bar(&r, &k);
    assert_true(find_px(&r, P) == 0);
    assert_true(find_px(&r, P - 20000) > 0);
    assert_true(find_px(&r, P + 30000) > find_px(&r, P - 20000));
    assert_int_equal(r.tr[r.n_tr - 1].px, P + 100);
    sc_bar_events_stats st;
    sc_bar_events_get_stats(r.be, &st);
    assert_int_equal(st.step_ticks_max, 999); /* ceil(99900 / 100) */
    assert_true(r.n_tr <= SC_BAR_EVENTS_BAR_POINTS_MAX(SC_BAR_EVENTS_POINTS_DEFAULT));
    for (uint32_t i = 1; i < r.n_tr; i++) {
        int64_t d = r.tr[i].px - r.tr[i - 1].px;
        assert_true(d != 0 && d <= 999 && d >= -999);
    }
    assert_int_equal(filled(&r, "at_low", P - 20000), 0);
    assert_int_equal(filled(&r, "above_low", P - 19999), ORDER_QTY);
    rig_close(&r);
}

static void test_tiny_volume_keys_first(void **state) {
    (void)state;
    rig r;
    rig_open(&r, 0);
    sc_candle k = candle(0, P, P + 50, P - 10, P + 40, 2);
    feed_bar(&r, &k);
    /* two steps: the open and the first extreme print, the rest is silent */
    assert_int_equal(r.n_tr, 2);
    assert_int_equal(r.tr[0].px, P);
    assert_int_equal(r.tr[1].px, P - 10);
    sc_bar_events_stats st;
    sc_bar_events_get_stats(r.be, &st);
    assert_int_equal(st.points, 81);
    assert_int_equal(st.silent_points, 79);
    rig_close(&r);
}

/* ---- refusals, config, determinism --------------------------------------- */

static void test_refusals(void **state) {
    (void)state;
    rig r;
    rig_open(&r, 0);
    sc_candle bad = candle(0, P, P + 1, P + 1, P, 1); /* low above the open */
    assert_int_equal(sc_bar_events_begin(r.be, &bad), SC_ERR_RANGE);
    bad = candle(0, P, P, P, P, 1);
    bad.tf_ns = 0;
    assert_int_equal(sc_bar_events_begin(r.be, &bad), SC_ERR_RANGE);
    bad = candle(0, SC_BOOK_PX_MAX, SC_BOOK_PX_MAX, SC_BOOK_PX_MAX, SC_BOOK_PX_MAX, 1);
    assert_int_equal(sc_bar_events_begin(r.be, &bad), SC_ERR_RANGE);
    assert_int_equal(sc_bar_events_begin(NULL, &bad), SC_ERR_INVALID_ARG);
    sc_event ev;
    assert_false(sc_bar_events_next(r.be, &ev)); /* nothing begun */
    sc_candle k = candle(5, P, P + 3, P - 3, P, 100);
    assert_int_equal(sc_bar_events_begin(r.be, &k), SC_OK);
    sc_candle k2 = candle(6, P, P, P, P, 1);
    assert_int_equal(sc_bar_events_begin(r.be, &k2), SC_ERR_STATE); /* not drained */
    while (sc_bar_events_next(r.be, &ev)) {
    }
    sc_candle back = candle(4, P, P, P, P, 1); /* before the last bar's end */
    assert_int_equal(sc_bar_events_begin(r.be, &back), SC_ERR_RANGE);
    assert_int_equal(sc_bar_events_begin(r.be, &k2), SC_OK);
    sc_bar_events_stats st;
    sc_bar_events_get_stats(r.be, &st);
    assert_int_equal(st.refused, 4);
    assert_int_equal(st.bars, 2);
    rig_close(&r);
}

static void test_config(void **state) {
    (void)state;
    sc_bar_events *b = NULL;
    sc_bar_events_config c = be_cfg("usdm:BTCUSDT", 0);
    c.ins = NULL;
    assert_int_equal(sc_bar_events_create(&c, &b), SC_ERR_INVALID_ARG);
    c = be_cfg("usdm:BTCUSDT", SC_BAR_EVENTS_POINTS_MAX + 1);
    assert_int_equal(sc_bar_events_create(&c, &b), SC_ERR_INVALID_ARG);
    c = be_cfg("usdm:BTCUSDT", 0);
    c.levels = SC_BAR_EVENTS_LEVELS_MAX + 1;
    assert_int_equal(sc_bar_events_create(&c, &b), SC_ERR_INVALID_ARG);
    c = be_cfg("usdm:BTCUSDT", 0);
    c.spread_ticks = SC_BAR_EVENTS_SPREAD_MAX + 1;
    assert_int_equal(sc_bar_events_create(&c, &b), SC_ERR_INVALID_ARG);
    c = be_cfg("usdm:BTCUSDT", 0);
    c.level_qty.steps = -1;
    assert_int_equal(sc_bar_events_create(&c, &b), SC_ERR_INVALID_ARG);
    assert_null(b);
    /* defaults: 20 levels of 5 BTC, 1 tick; on spot 5 BTC is 5e8 steps */
    const char *names[2] = {"usdm:BTCUSDT", "spot:BTCUSDT"};
    const int64_t lq[2] = {5000, INT64_C(500000000)};
    for (int i = 0; i < 2; i++) {
        c = be_cfg(names[i], 0);
        assert_int_equal(sc_bar_events_create(&c, &b), SC_OK);
        sc_candle k = candle(0, 100000, 100000, 100000, 100000, 0);
        assert_int_equal(sc_bar_events_begin(b, &k), SC_OK);
        sc_event ev;
        assert_true(sc_bar_events_next(b, &ev));
        assert_int_equal(ev.kind, SC_EV_SNAPSHOT);
        assert_int_equal(ev.u.snapshot.n_bids, SC_BAR_EVENTS_LEVELS_DEFAULT);
        assert_int_equal(ev.u.snapshot.n_asks, SC_BAR_EVENTS_LEVELS_DEFAULT);
        assert_int_equal(ev.u.snapshot.bids[0].px.ticks, 100000);
        assert_int_equal(ev.u.snapshot.asks[0].px.ticks, 100001);
        assert_int_equal(ev.u.snapshot.bids[5].qty.steps, lq[i]);
        sc_bar_events_destroy(b);
        b = NULL;
    }
    sc_bar_events_destroy(NULL);
}

static void test_spread_and_levels(void **state) {
    (void)state;
    sc_bar_events_config c = be_cfg("usdm:BTCUSDT", 0);
    c.spread_ticks = 3;
    c.levels = 2;
    c.level_qty.steps = 700;
    sc_bar_events *b = NULL;
    assert_int_equal(sc_bar_events_create(&c, &b), SC_OK);
    sc_candle k = candle(0, P, P + 2, P, P + 2, 5000);
    assert_int_equal(sc_bar_events_begin(b, &k), SC_OK);
    sc_event ev;
    int64_t bid = 0;
    int64_t ask = 0;
    while (sc_bar_events_next(b, &ev)) {
        if (ev.kind == SC_EV_SNAPSHOT) {
            assert_int_equal(ev.u.snapshot.n_bids, 2);
            assert_int_equal(ev.u.snapshot.asks[0].px.ticks - ev.u.snapshot.bids[0].px.ticks, 3);
            bid = ev.u.snapshot.bids[0].px.ticks;
            ask = ev.u.snapshot.asks[0].px.ticks;
        } else if (ev.kind == SC_EV_TRADE) {
            /* buys lift the ask (bid = px - spread); the touch holds the trade */
            assert_int_equal(ev.u.trade.aggressor, SC_SIDE_BUY);
            assert_int_equal(ask, ev.u.trade.px.ticks);
            assert_int_equal(bid, ev.u.trade.px.ticks - 3);
        }
    }
    assert_int_equal(bid, P + 2);
    assert_int_equal(ask, P + 5);
    sc_bar_events_destroy(b);
}

/* Every field of two event streams, levels included. */
static void test_deterministic(void **state) {
    (void)state;
    sc_bar_events_config c = be_cfg("usdm:BTCUSDT", 37);
    sc_bar_events *a = NULL;
    sc_bar_events *b = NULL;
    assert_int_equal(sc_bar_events_create(&c, &a), SC_OK);
    assert_int_equal(sc_bar_events_create(&c, &b), SC_OK);
    for (int64_t m = 0; m < 20; m++) {
        int64_t o = P + m * 7 - 50;
        sc_candle k = split(candle(m, o, o + 40 + m, o - 3 * m, o + m, 1000 + 131 * m), 400 + m);
        assert_int_equal(sc_bar_events_begin(a, &k), SC_OK);
        assert_int_equal(sc_bar_events_begin(b, &k), SC_OK);
        sc_event ea;
        sc_event eb;
        bool more = true;
        while (more) {
            more = sc_bar_events_next(a, &ea);
            assert_int_equal(more, sc_bar_events_next(b, &eb));
            if (!more) {
                break;
            }
            assert_int_equal(ea.kind, eb.kind);
            assert_int_equal(ea.ts_local_ns, eb.ts_local_ns);
            if (ea.kind == SC_EV_SNAPSHOT) {
                const sc_snapshot *sa = &ea.u.snapshot;
                const sc_snapshot *sb = &eb.u.snapshot;
                assert_int_equal(sa->last_update_id, sb->last_update_id);
                assert_int_equal(sa->n_bids, sb->n_bids);
                assert_memory_equal(sa->bids, sb->bids, sa->n_bids * sizeof(sc_level));
                assert_memory_equal(sa->asks, sb->asks, sa->n_asks * sizeof(sc_level));
            } else {
                assert_memory_equal(&ea.u, &eb.u, sizeof(ea.u));
            }
        }
    }
    sc_bar_events_destroy(a);
    sc_bar_events_destroy(b);
}

/* ---- real klines ---------------------------------------------------------- */

typedef struct {
    uint64_t bars;
    uint64_t events;
    uint64_t buys_filled;
    uint64_t sells_filled;
    uint64_t buys_through; /* bars whose sells printed below the buy */
    uint64_t sells_through;
    uint64_t touched_only; /* bars whose extreme equalled a limit */
} real_stats;

/* Per bar, a buy 5 USDT below the last close and a sell 5 USDT above,
 * resting through the bar and canceled at the next open. */
static void real_orders(rig *r, const sc_candle *k, int64_t prev_close, int64_t off,
                        char ids[2][16]) {
    sc_ns ts0 = k->open_ns;
    for (int s = 0; s < 2; s++) {
        if (ids[s][0] != '\0') {
            sc_err e = sc_fill_sim_cancel(r->sim, ids[s], ts0, NULL);
            assert_true(e == SC_OK || e == SC_ERR_NOT_FOUND);
        }
        snprintf(ids[s], 16, "%c%lld", s == 0 ? 'b' : 's', (long long)(k->open_ns / MS));
    }
    submit(r, ids[0], SC_SIDE_BUY, prev_close - off, ts0);
    submit(r, ids[1], SC_SIDE_SELL, prev_close + off, ts0);
    drain(r);
}

static void real_check(rig *r, const sc_candle *k, int64_t lim_b, int64_t lim_s, char ids[2][16],
                       real_stats *rs) {
    int64_t min_sell = INT64_MAX;
    int64_t max_buy = INT64_MIN;
    for (uint32_t i = 0; i < r->n_tr; i++) {
        if (r->tr[i].side == SC_SIDE_SELL && r->tr[i].px < min_sell) {
            min_sell = r->tr[i].px;
        } else if (r->tr[i].side == SC_SIDE_BUY && r->tr[i].px > max_buy) {
            max_buy = r->tr[i].px;
        }
    }
    bool fb = filled(r, ids[0], lim_b) > 0;
    bool fs = filled(r, ids[1], lim_s) > 0;
    /* Filled exactly when the path traded through; never at the price. */
    assert_int_equal(fb, min_sell < lim_b);
    assert_int_equal(fs, max_buy > lim_s);
    assert_true(!fb || k->low.ticks < lim_b);
    assert_true(!fs || k->high.ticks > lim_s);
    rs->buys_filled += fb;
    rs->sells_filled += fs;
    rs->buys_through += k->low.ticks < lim_b;
    rs->sells_through += k->high.ticks > lim_s;
    rs->touched_only += (uint64_t)(k->low.ticks == lim_b) + (uint64_t)(k->high.ticks == lim_s);
    r->n_reps = 0;
}

static void run_real(const char *rel, const char *ins_name, uint64_t bars_min) {
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(rel, path);
    sc_bar_events_config c = be_cfg(ins_name, 0);
    rig r;
    rig_open_cfg(&r, &c);
    sc_klines_csv_config kc = {c.ins, 0, 0};
    sc_klines_csv *kr = NULL;
    sc_errinfo err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(sc_klines_csv_open(&kc, path, &kr, &err), SC_OK);
    int64_t off = 5;
    for (int i = 0; i < c.ins->px_scale; i++) {
        off *= 10; /* 5 USDT in ticks (tick_units 1 on both grids) */
    }
    real_stats rs;
    memset(&rs, 0, sizeof(rs));
    char ids[2][16] = {"", ""};
    int64_t prev_close = 0;
    sc_candle k;
    sc_err e;
    while ((e = sc_klines_csv_next(kr, &k, &err)) != SC_ERR_EOF) {
        assert_int_equal(e, SC_OK);
        if (prev_close > 0) {
            real_orders(&r, &k, prev_close, off, ids);
        }
        feed_bar(&r, &k);
        if (prev_close > 0) {
            real_check(&r, &k, prev_close - off, prev_close + off, ids, &rs);
        }
        rs.bars++;
        rs.events += r.n_events;
        prev_close = k.close.ticks;
    }
    sc_klines_csv_close(kr);
    sc_bar_events_stats st;
    sc_bar_events_get_stats(r.be, &st);
    sc_book_stats bs;
    sc_book_get_stats(r.book, &bs);
    print_message("%s: %llu bars, %llu events (%llu trades, %llu silent points), coarsest step "
                  "%lld ticks; limits 5 USDT away: buys filled %llu / traded through %llu, sells "
                  "%llu / %llu, touched only %llu\n",
                  rel, (unsigned long long)rs.bars, (unsigned long long)rs.events,
                  (unsigned long long)st.trades, (unsigned long long)st.silent_points,
                  (long long)st.step_ticks_max, (unsigned long long)rs.buys_filled,
                  (unsigned long long)rs.buys_through, (unsigned long long)rs.sells_filled,
                  (unsigned long long)rs.sells_through, (unsigned long long)rs.touched_only);
    assert_true(rs.bars >= bars_min);
    assert_int_equal(st.refused, 0);
    assert_int_equal(bs.snapshots_applied, st.snapshots);
    assert_int_equal(bs.gaps + bs.crossed + bs.resyncs + bs.snapshots_rejected, 0);
    assert_true(rs.buys_filled > 0 && rs.sells_filled > 0);
    rig_close(&r);
}

static void test_real_usdm_klines(void **state) {
    (void)state;
    run_real(USDM_REL, "usdm:BTCUSDT", 14400);
}

static void test_real_spot_month(void **state) {
    (void)state;
    run_real(SPOT_MONTH_REL, "spot:BTCUSDT", 44640);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_up_candle_low_first),
        cmocka_unit_test(test_down_candle_high_first),
        cmocka_unit_test(test_taker_split_exact),
        cmocka_unit_test(test_book_ids_and_times_across_bars),
        cmocka_unit_test(test_gap_open_side),
        cmocka_unit_test(test_fill_only_through),
        cmocka_unit_test(test_fill_coarse_steps),
        cmocka_unit_test(test_flat_and_zero_volume),
        cmocka_unit_test(test_one_tick_range),
        cmocka_unit_test(test_extreme_candle),
        cmocka_unit_test(test_tiny_volume_keys_first),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_spread_and_levels),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_real_usdm_klines),
        cmocka_unit_test(test_real_spot_month),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
