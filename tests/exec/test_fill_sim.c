/* test_fill_sim.c: the fill simulator on hand-built books and tapes (queue
 * model, taker walks, post-only, latency, jitter, cancels, candles, fee
 * rounding), plus a smoke run on a real USD-M capture. */
#include "support/support.h"

#include <stdio.h>
#include <string.h>

#include "core/instrument.h"
#include "exec/fill_sim.h"
#include "market/book.h"
#include "market/capture.h"
#include "market/decoder.h"

#define NLV(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define MS SC_NS_PER_MS

/* 60000.0 on the usdm grid (tick 0.1); quantities in 0.001 BTC. */
enum { PX = 600000, REPS_MAX = 256 };

typedef struct {
    sc_book *book;
    sc_fill_sim *sim;
    int64_t u; /* last applied update id */
    sc_fill_report reps[REPS_MAX];
    uint32_t n_reps;
} fx;

/* Bids 60000.0 x 2.000, 59999.9 x 1.000; asks 60000.2 x 0.500,
 * 60000.3 x 0.500, 60000.6 x 3.000 (one empty tick inside the spread). */
static const sc_level k_bids[] = {{{PX}, {2000}}, {{PX - 1}, {1000}}};
static const sc_level k_asks[] = {{{PX + 2}, {500}}, {{PX + 3}, {500}}, {{PX + 6}, {3000}}};

static sc_fill_sim_config cfg_default(void) {
    sc_fill_sim_config c;
    memset(&c, 0, sizeof(c));
    c.ins = sc_instrument_find("usdm:BTCUSDT");
    c.maker_fee_bps_x100 = 200;
    c.taker_fee_bps_x100 = 500;
    c.latency_ns = 1 * MS;
    c.jitter_ns = 0;
    c.seed = 1;
    c.queue_cancel_share_x10000 = 5000;
    return c;
}

static void fx_open(fx *f, sc_fill_sim_config c) {
    memset(f, 0, sizeof(*f));
    sc_book_config bc = {c.ins, 0, 0, 0, 0};
    assert_int_equal(sc_book_create(&bc, &f->book), SC_OK);
    sc_snapshot s;
    memset(&s, 0, sizeof(s));
    s.last_update_id = 100;
    s.bids = k_bids;
    s.n_bids = NLV(k_bids);
    s.asks = k_asks;
    s.n_asks = NLV(k_asks);
    sc_book_result r;
    assert_int_equal(sc_book_on_snapshot(f->book, &s, &r), SC_OK);
    assert_int_equal(r, SC_BOOK_APPLIED);
    f->u = 100;
    c.book = f->book;
    assert_int_equal(sc_fill_sim_create(&c, &f->sim), SC_OK);
}

static void fx_close(fx *f) {
    sc_fill_sim_destroy(f->sim);
    sc_book_destroy(f->book);
}

static void drain(fx *f) {
    sc_fill_report r;
    while (sc_fill_sim_next_report(f->sim, &r)) {
        assert_true(f->n_reps < REPS_MAX);
        f->reps[f->n_reps++] = r;
    }
}

/* One level change at ts, in the documented order: advance, book, sim. */
static void level(fx *f, sc_side side, int64_t px, int64_t qty, sc_ns ts) {
    sc_level lv = {{px}, {qty}};
    sc_depth d;
    memset(&d, 0, sizeof(d));
    d.first_id = f->u + 1;
    d.final_id = f->u + 1;
    d.prev_final_id = f->u;
    d.bids = side == SC_SIDE_BUY ? &lv : NULL;
    d.n_bids = side == SC_SIDE_BUY ? 1 : 0;
    d.asks = side == SC_SIDE_SELL ? &lv : NULL;
    d.n_asks = side == SC_SIDE_SELL ? 1 : 0;
    if (f->u == 100) {
        d.first_id = 100; /* the first diff straddles the snapshot */
    }
    assert_int_equal(sc_fill_sim_advance(f->sim, ts), SC_OK);
    sc_book_result r;
    assert_int_equal(sc_book_on_depth(f->book, &d, &r), SC_OK);
    assert_int_equal(r, SC_BOOK_APPLIED);
    f->u++;
    assert_int_equal(sc_fill_sim_on_depth(f->sim, &d, ts), SC_OK);
    drain(f);
}

static void trade(fx *f, sc_side aggressor, int64_t px, int64_t qty, sc_ns ts) {
    sc_trade t;
    memset(&t, 0, sizeof(t));
    t.px.ticks = px;
    t.qty.steps = qty;
    t.aggressor = aggressor;
    t.ts_trade_ns = ts;
    assert_int_equal(sc_fill_sim_on_trade(f->sim, &t, ts), SC_OK);
    drain(f);
}

static sc_order_intent intent(const char *id, sc_side side, sc_order_type type, sc_tif tif,
                              int64_t px, int64_t qty) {
    sc_order_intent o;
    memset(&o, 0, sizeof(o));
    snprintf(o.client_id, sizeof(o.client_id), "%s", id);
    o.side = side;
    o.type = type;
    o.tif = tif;
    o.px.ticks = px;
    o.qty.steps = qty;
    return o;
}

static void submit(fx *f, sc_order_intent o, sc_ns ts) {
    assert_int_equal(sc_fill_sim_submit(f->sim, &o, ts, NULL), SC_OK);
    drain(f);
}

static void advance(fx *f, sc_ns ts) {
    assert_int_equal(sc_fill_sim_advance(f->sim, ts), SC_OK);
    drain(f);
}

static int64_t ahead(const fx *f, const char *id) {
    sc_qty q = {-1};
    assert_int_equal(sc_fill_sim_queue_ahead(f->sim, id, &q), SC_OK);
    return q.steps;
}

static int64_t filled(const fx *f, const char *id) {
    int64_t n = 0;
    for (uint32_t i = 0; i < f->n_reps; i++) {
        if (f->reps[i].kind == SC_FILL_REP_FILL && strcmp(f->reps[i].client_id, id) == 0) {
            n += f->reps[i].qty.steps;
        }
    }
    return n;
}

static const sc_fill_report *last(const fx *f) {
    assert_true(f->n_reps > 0);
    return &f->reps[f->n_reps - 1];
}

/* ---- the queue model ----------------------------------------------------- */

/* The issue's scenario: join a queue of 2 BTC; 1.5 BTC trades at the level:
 * no fill; 0.6 more: filled 0.1. */
static void test_issue_scenario(void **state) {
    (void)state;
    fx f;
    fx_open(&f, cfg_default());
    submit(&f, intent("bid1", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTX, PX, 100), 0);
    advance(&f, 2 * MS);
    assert_int_equal(f.n_reps, 1);
    assert_int_equal(last(&f)->kind, SC_FILL_REP_NEW);
    assert_int_equal(last(&f)->queue_ahead.steps, 2000);
    trade(&f, SC_SIDE_SELL, PX, 1500, 3 * MS);
    assert_int_equal(filled(&f, "bid1"), 0);
    assert_int_equal(ahead(&f, "bid1"), 500);
    trade(&f, SC_SIDE_SELL, PX, 600, 4 * MS);
    assert_int_equal(filled(&f, "bid1"), 100);
    const sc_fill_report *r = last(&f);
    assert_int_equal(r->kind, SC_FILL_REP_FILL);
    assert_true(r->maker);
    assert_int_equal(r->px.ticks, PX);
    assert_int_equal(r->leaves.steps, 0);
    assert_int_equal(r->queue_ahead.steps, 0);
    assert_int_equal(r->fee.e8, 120000000);         /* 6000 x 0.02 % = 1.2 USDT */
    assert_int_equal(r->notional.e8, 600000000000); /* 6000 USDT */
    assert_int_equal(r->ts_ns, 4 * MS);
    fx_close(&f);
}

static void test_cancellations_reduce_queue_by_share(void **state) {
    (void)state;
    fx f;
    fx_open(&f, cfg_default()); /* share 0.5 */
    submit(&f, intent("bid1", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 100), 0);
    advance(&f, 2 * MS);
    assert_int_equal(ahead(&f, "bid1"), 2000);
    level(&f, SC_SIDE_BUY, PX, 3000, 3 * MS); /* joins behind us */
    assert_int_equal(ahead(&f, "bid1"), 2000);
    level(&f, SC_SIDE_BUY, PX, 2000, 4 * MS); /* 1.0 canceled: half of it ahead */
    assert_int_equal(ahead(&f, "bid1"), 1500);
    /* The trade that really caused that drop arrives late: it moves the
     * queue by what was not yet applied (1.0 - 0.5), never twice. */
    trade(&f, SC_SIDE_SELL, PX, 1000, 5 * MS);
    assert_int_equal(ahead(&f, "bid1"), 1000);
    /* A trade first, then its depth drop: explained, no cancel. */
    trade(&f, SC_SIDE_SELL, PX, 400, 6 * MS);
    assert_int_equal(ahead(&f, "bid1"), 600);
    level(&f, SC_SIDE_BUY, PX, 1600, 7 * MS);
    assert_int_equal(ahead(&f, "bid1"), 600);
    /* Own-side (buyer) aggressors at our price do not move us. */
    trade(&f, SC_SIDE_BUY, PX, 5000, 9 * MS);
    assert_int_equal(ahead(&f, "bid1"), 600);
    assert_int_equal(filled(&f, "bid1"), 0);
    fx_close(&f);
    /* A sweep seen in depth before its trades: the level empties (the clamp
     * puts us at the front), then the trades that emptied it arrive. They
     * were the queue ahead of us, not a fill. */
    fx_open(&f, cfg_default());
    submit(&f, intent("b", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 100), 0);
    level(&f, SC_SIDE_BUY, PX, 0, 2 * MS);
    assert_int_equal(ahead(&f, "b"), 0);
    trade(&f, SC_SIDE_SELL, PX, 1200, 3 * MS);
    trade(&f, SC_SIDE_SELL, PX, 800, 4 * MS);
    assert_int_equal(filled(&f, "b"), 0);
    trade(&f, SC_SIDE_SELL, PX, 30, 5 * MS); /* now we are the level */
    assert_int_equal(filled(&f, "b"), 30);
    fx_close(&f);
    /* Share 0: cancellations are all behind us; share 1: all ahead. */
    sc_fill_sim_config c = cfg_default();
    c.queue_cancel_share_x10000 = 0;
    fx_open(&f, c);
    submit(&f, intent("b", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 100), 0);
    level(&f, SC_SIDE_BUY, PX, 2500, 2 * MS);
    level(&f, SC_SIDE_BUY, PX, 2100, 3 * MS);
    assert_int_equal(ahead(&f, "b"), 2000);
    level(&f, SC_SIDE_BUY, PX, 1000, 4 * MS); /* never more ahead than visible */
    assert_int_equal(ahead(&f, "b"), 1000);
    fx_close(&f);
    c.queue_cancel_share_x10000 = 10000;
    fx_open(&f, c);
    submit(&f, intent("b", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 100), 0);
    level(&f, SC_SIDE_BUY, PX, 2500, 2 * MS);
    level(&f, SC_SIDE_BUY, PX, 2100, 3 * MS);
    assert_int_equal(ahead(&f, "b"), 1600);
    fx_close(&f);
}

static void test_trade_through_fills(void **state) {
    (void)state;
    fx f;
    fx_open(&f, cfg_default());
    submit(&f, intent("bid1", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 100), 0);
    advance(&f, 2 * MS);
    assert_int_equal(ahead(&f, "bid1"), 2000);
    /* A sell below our bid: the level was swept; up to the traded qty. */
    trade(&f, SC_SIDE_SELL, PX - 1, 40, 3 * MS);
    assert_int_equal(filled(&f, "bid1"), 40);
    assert_int_equal(last(&f)->px.ticks, PX); /* at our limit, never better */
    assert_true(last(&f)->maker);
    assert_int_equal(last(&f)->leaves.steps, 60);
    assert_int_equal(ahead(&f, "bid1"), 0);
    trade(&f, SC_SIDE_SELL, PX - 5, 1000, 4 * MS);
    assert_int_equal(filled(&f, "bid1"), 100);
    assert_int_equal(last(&f)->leaves.steps, 0);
    /* A resting ask: a buy above it fills it. */
    submit(&f, intent("ask1", SC_SIDE_SELL, SC_ORD_LIMIT, SC_TIF_GTX, PX + 6, 50), 5 * MS);
    advance(&f, 7 * MS);
    trade(&f, SC_SIDE_BUY, PX + 6, 2000, 8 * MS); /* at the level: 3.0 ahead */
    assert_int_equal(filled(&f, "ask1"), 0);
    trade(&f, SC_SIDE_SELL, PX + 7, 2000, 9 * MS); /* wrong aggressor */
    assert_int_equal(filled(&f, "ask1"), 0);
    trade(&f, SC_SIDE_BUY, PX + 7, 20, 10 * MS);
    assert_int_equal(filled(&f, "ask1"), 20);
    assert_int_equal(last(&f)->px.ticks, PX + 6);
    fx_close(&f);
}

static void test_post_only_crossing_rejected(void **state) {
    (void)state;
    fx f;
    fx_open(&f, cfg_default());
    submit(&f, intent("gtx1", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTX, PX + 2, 100), 0);
    submit(&f, intent("gtx2", SC_SIDE_SELL, SC_ORD_LIMIT, SC_TIF_GTX, PX, 100), 0);
    submit(&f, intent("gtx3", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTX, PX + 1, 100), 0);
    advance(&f, 2 * MS);
    assert_int_equal(f.n_reps, 3);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(f.reps[i].kind, SC_FILL_REP_REJECTED);
        assert_int_equal(f.reps[i].reason, SC_FILL_REJ_POST_ONLY);
        assert_int_equal(f.reps[i].qty.steps, 100);
    }
    /* Inside the spread: at the front of an empty level. */
    assert_int_equal(f.reps[2].kind, SC_FILL_REP_NEW);
    assert_int_equal(ahead(&f, "gtx3"), 0);
    trade(&f, SC_SIDE_SELL, PX + 1, 30, 3 * MS);
    assert_int_equal(filled(&f, "gtx3"), 30);
    assert_int_equal(filled(&f, "gtx1") + filled(&f, "gtx2"), 0);
    fx_close(&f);
}

static void test_taker_walks_two_levels(void **state) {
    (void)state;
    fx f;
    fx_open(&f, cfg_default());
    submit(&f, intent("mkt1", SC_SIDE_BUY, SC_ORD_MARKET, SC_TIF_GTC, 0, 1000), 0);
    advance(&f, 2 * MS);
    assert_int_equal(f.n_reps, 2);
    int64_t qty = 0, notional = 0, fee = 0;
    for (uint32_t i = 0; i < 2; i++) {
        assert_int_equal(f.reps[i].kind, SC_FILL_REP_FILL);
        assert_false(f.reps[i].maker);
        assert_int_equal(f.reps[i].ts_ns, 1 * MS);
        qty += f.reps[i].qty.steps;
        notional += f.reps[i].notional.e8;
        fee += f.reps[i].fee.e8;
    }
    assert_int_equal(f.reps[0].px.ticks, PX + 2);
    assert_int_equal(f.reps[1].px.ticks, PX + 3);
    assert_int_equal(qty, 1000);
    /* 0.5 x 60000.2 + 0.5 x 60000.3 = 60000.25: avg exactly 60000.25. */
    assert_int_equal(notional, 6000025000000);
    assert_int_equal(notional * 1000 / qty, 6000025000000); /* avg 60000.25 per BTC */
    /* 30000.1 x 0.05 % = 15.00005, 30000.15 x 0.05 % = 15.000075. */
    assert_int_equal(f.reps[0].fee.e8, 1500005000);
    assert_int_equal(f.reps[1].fee.e8, 1500007500);
    assert_int_equal(fee, 3000012500);
    /* What we took stays taken: the next buy goes to the third level. */
    submit(&f, intent("mkt2", SC_SIDE_BUY, SC_ORD_MARKET, SC_TIF_GTC, 0, 200), 3 * MS);
    advance(&f, 5 * MS);
    assert_int_equal(last(&f)->px.ticks, PX + 6);
    assert_int_equal(last(&f)->qty.steps, 200);
    /* The level shrinks below what we took: still nothing for us; deleted
     * and re-added: fresh liquidity. */
    level(&f, SC_SIDE_SELL, PX + 2, 300, 6 * MS);
    level(&f, SC_SIDE_SELL, PX + 3, 0, 7 * MS);
    level(&f, SC_SIDE_SELL, PX + 3, 800, 8 * MS);
    submit(&f, intent("mkt3", SC_SIDE_BUY, SC_ORD_MARKET, SC_TIF_GTC, 0, 100), 9 * MS);
    advance(&f, 11 * MS);
    assert_int_equal(last(&f)->px.ticks, PX + 3);
    /* A sell walks the bids. */
    submit(&f, intent("mkt4", SC_SIDE_SELL, SC_ORD_MARKET, SC_TIF_GTC, 0, 2500), 12 * MS);
    advance(&f, 14 * MS);
    assert_int_equal(f.reps[f.n_reps - 2].px.ticks, PX);
    assert_int_equal(f.reps[f.n_reps - 2].qty.steps, 2000);
    assert_int_equal(last(&f)->px.ticks, PX - 1);
    assert_int_equal(last(&f)->qty.steps, 500);
    fx_close(&f);
}

static void test_partial_fills(void **state) {
    (void)state;
    fx f;
    fx_open(&f, cfg_default());
    /* IOC through one level within its limit: the rest expires. */
    submit(&f, intent("ioc1", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_IOC, PX + 2, 800), 0);
    advance(&f, 2 * MS);
    assert_int_equal(f.n_reps, 2);
    assert_int_equal(f.reps[0].kind, SC_FILL_REP_FILL);
    assert_int_equal(f.reps[0].qty.steps, 500);
    assert_int_equal(f.reps[0].leaves.steps, 300);
    assert_int_equal(f.reps[1].kind, SC_FILL_REP_EXPIRED);
    assert_int_equal(f.reps[1].qty.steps, 300);
    /* A crossing GTC takes what is within its limit and rests the rest, at
     * the front (nothing visible on its side at that price). */
    submit(&f, intent("gtc1", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX + 3, 800), 3 * MS);
    advance(&f, 5 * MS);
    assert_int_equal(filled(&f, "gtc1"), 500);
    assert_int_equal(last(&f)->kind, SC_FILL_REP_NEW);
    assert_int_equal(last(&f)->leaves.steps, 300);
    assert_int_equal(ahead(&f, "gtc1"), 0);
    trade(&f, SC_SIDE_SELL, PX + 3, 100, 6 * MS);
    assert_int_equal(last(&f)->leaves.steps, 200);
    trade(&f, SC_SIDE_SELL, PX + 3, 150, 7 * MS);
    assert_int_equal(last(&f)->leaves.steps, 50);
    trade(&f, SC_SIDE_SELL, PX + 3, 1000, 8 * MS);
    assert_int_equal(filled(&f, "gtc1"), 800);
    assert_int_equal(last(&f)->leaves.steps, 0);
    assert_int_equal(last(&f)->qty.steps, 50);
    assert_int_equal(sc_fill_sim_queue_ahead(f.sim, "gtc1", &(sc_qty){0}), SC_ERR_NOT_FOUND);
    /* IOC not crossing: expires whole; MARKET beyond the visible asks (what
     * is left after our takes): partial, the rest expires. */
    submit(&f, intent("ioc2", SC_SIDE_SELL, SC_ORD_LIMIT, SC_TIF_IOC, PX + 1, 100), 9 * MS);
    advance(&f, 11 * MS);
    assert_int_equal(last(&f)->kind, SC_FILL_REP_EXPIRED);
    assert_int_equal(last(&f)->qty.steps, 100);
    submit(&f, intent("mkt1", SC_SIDE_BUY, SC_ORD_MARKET, SC_TIF_GTC, 0, 10000), 12 * MS);
    advance(&f, 14 * MS);
    assert_int_equal(f.reps[f.n_reps - 2].px.ticks, PX + 6); /* the rest was taken */
    assert_int_equal(f.reps[f.n_reps - 2].qty.steps, 3000);
    assert_int_equal(last(&f)->kind, SC_FILL_REP_EXPIRED);
    assert_int_equal(last(&f)->qty.steps, 7000);
    fx_close(&f);
}

/* ---- time ---------------------------------------------------------------- */

static void test_latency(void **state) {
    (void)state;
    sc_fill_sim_config c = cfg_default();
    c.latency_ns = 5 * MS;
    fx f;
    fx_open(&f, c);
    sc_order_intent o = intent("bid1", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX + 1, 100);
    sc_ns act = 0;
    assert_int_equal(sc_fill_sim_submit(f.sim, &o, 10 * MS, &act), SC_OK);
    assert_int_equal(act, 15 * MS);
    trade(&f, SC_SIDE_SELL, PX, 1000, 12 * MS); /* before it arrives */
    assert_int_equal(f.n_reps, 0);
    trade(&f, SC_SIDE_SELL, PX, 1000, 15 * MS); /* at the instant: precedes it */
    assert_int_equal(f.n_reps, 0);
    trade(&f, SC_SIDE_SELL, PX, 30, 15 * MS + 1);
    assert_int_equal(f.n_reps, 2);
    assert_int_equal(f.reps[0].kind, SC_FILL_REP_NEW);
    assert_int_equal(f.reps[0].ts_ns, 15 * MS);
    assert_int_equal(filled(&f, "bid1"), 30);
    /* A book change before activation is what it meets. */
    submit(&f, intent("bid2", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 100), 20 * MS);
    level(&f, SC_SIDE_BUY, PX, 700, 24 * MS);
    level(&f, SC_SIDE_BUY, PX, 900, 26 * MS);
    assert_int_equal(ahead(&f, "bid2"), 700);
    fx_close(&f);
}

static void activation_times(uint64_t seed, sc_ns *out, int n) {
    sc_fill_sim_config c = cfg_default();
    c.latency_ns = 2 * MS;
    c.jitter_ns = 3 * MS;
    c.seed = seed;
    sc_fill_sim *s = NULL;
    assert_int_equal(sc_fill_sim_create(&c, &s), SC_OK); /* no book: trades only */
    for (int i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof(id), "o%d", i);
        sc_order_intent o = intent(id, SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 1);
        sc_ns ts = (sc_ns)i * 10 * MS;
        assert_int_equal(sc_fill_sim_submit(s, &o, ts, &out[i]), SC_OK);
        assert_true(out[i] >= ts + 2 * MS && out[i] <= ts + 5 * MS);
        assert_int_equal(sc_fill_sim_cancel(s, id, ts + 1, NULL), SC_OK);
    }
    sc_fill_sim_destroy(s);
}

static void test_jitter_seeded(void **state) {
    (void)state;
    enum { N = 20 };
    sc_ns a[N], b[N], c[N];
    activation_times(42, a, N);
    activation_times(42, b, N);
    activation_times(43, c, N);
    assert_memory_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, c, sizeof(a));
    /* FIFO: a later action never overtakes an earlier one. */
    sc_fill_sim_config cf = cfg_default();
    cf.latency_ns = 1 * MS;
    cf.jitter_ns = 50 * MS;
    sc_fill_sim *s = NULL;
    assert_int_equal(sc_fill_sim_create(&cf, &s), SC_OK);
    sc_ns prev = 0;
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof(id), "f%d", i);
        sc_order_intent o = intent(id, SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 1);
        sc_ns t = 0;
        assert_int_equal(sc_fill_sim_submit(s, &o, (sc_ns)i * MS, &t), SC_OK);
        assert_true(t >= prev);
        prev = t;
    }
    sc_fill_sim_destroy(s);
}

static void test_cancel_races_fill(void **state) {
    (void)state;
    sc_fill_sim_config c = cfg_default();
    c.latency_ns = 5 * MS;
    fx f;
    fx_open(&f, c);
    submit(&f, intent("bid1", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX + 1, 100), 0);
    advance(&f, 6 * MS);
    sc_ns eff = 0;
    assert_int_equal(sc_fill_sim_cancel(f.sim, "bid1", 10 * MS, &eff), SC_OK);
    assert_int_equal(eff, 15 * MS);
    assert_int_equal(sc_fill_sim_cancel(f.sim, "bid1", 11 * MS, NULL), SC_ERR_STATE);
    trade(&f, SC_SIDE_SELL, PX, 500, 12 * MS); /* the fill wins the race */
    assert_int_equal(filled(&f, "bid1"), 100);
    advance(&f, 16 * MS);
    assert_int_equal(last(&f)->kind, SC_FILL_REP_CANCEL_REJECTED);
    assert_int_equal(last(&f)->ts_ns, 15 * MS);
    /* A partial fill, then the cancel takes the remainder. */
    submit(&f, intent("bid2", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX + 1, 100), 20 * MS);
    advance(&f, 26 * MS);
    assert_int_equal(sc_fill_sim_cancel(f.sim, "bid2", 30 * MS, NULL), SC_OK);
    trade(&f, SC_SIDE_SELL, PX + 1, 40, 33 * MS);
    trade(&f, SC_SIDE_SELL, PX + 1, 40, 35 * MS); /* at the cancel instant: first */
    trade(&f, SC_SIDE_SELL, PX + 1, 40, 36 * MS); /* after: canceled, no fill */
    assert_int_equal(filled(&f, "bid2"), 80);
    assert_int_equal(last(&f)->kind, SC_FILL_REP_CANCELED);
    assert_int_equal(last(&f)->qty.steps, 20);
    assert_int_equal(last(&f)->leaves.steps, 0);
    assert_int_equal(sc_fill_sim_cancel(f.sim, "bid2", 40 * MS, NULL), SC_ERR_NOT_FOUND);
    /* Canceled while still on its way: it arrives, then the cancel. */
    submit(&f, intent("bid3", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 100), 50 * MS);
    assert_int_equal(sc_fill_sim_cancel(f.sim, "bid3", 51 * MS, NULL), SC_OK);
    advance(&f, 60 * MS);
    assert_int_equal(f.reps[f.n_reps - 2].kind, SC_FILL_REP_NEW);
    assert_int_equal(last(&f)->kind, SC_FILL_REP_CANCELED);
    sc_fill_sim_stats st;
    sc_fill_sim_get_stats(f.sim, &st);
    assert_int_equal(st.canceled, 2);
    assert_int_equal(st.cancel_rejected, 1);
    fx_close(&f);
}

/* ---- fallbacks ----------------------------------------------------------- */

static sc_kline candle(int64_t o, int64_t h, int64_t l, int64_t c, sc_ns close_ns) {
    sc_kline k;
    memset(&k, 0, sizeof(k));
    k.open.ticks = o;
    k.high.ticks = h;
    k.low.ticks = l;
    k.close.ticks = c;
    k.close_ns = close_ns;
    k.closed = true;
    return k;
}

static void test_kline_stop_first(void **state) {
    (void)state;
    fx f;
    fx_open(&f, cfg_default());
    sc_candle_bracket b;
    memset(&b, 0, sizeof(b));
    snprintf(b.client_id, sizeof(b.client_id), "k1");
    b.side = SC_SIDE_BUY;
    b.entry_px.ticks = PX;
    b.stop_px.ticks = PX - 1000;
    b.target_px.ticks = PX + 1000;
    b.qty.steps = 100;
    bool done = true;
    sc_kline k = candle(PX + 50, PX + 100, PX, PX + 20, 1); /* touches: not through */
    assert_int_equal(sc_fill_sim_on_candle(f.sim, &b, &k, &done), SC_OK);
    drain(&f);
    assert_false(done);
    assert_int_equal(f.n_reps, 0);
    k = candle(PX + 50, PX + 2000, PX - 1, PX + 20, 2); /* through; target too */
    assert_int_equal(sc_fill_sim_on_candle(f.sim, &b, &k, &done), SC_OK);
    drain(&f);
    assert_false(done); /* the target might have come before the entry */
    assert_true(b.in_position);
    assert_int_equal(f.n_reps, 1);
    assert_true(last(&f)->maker);
    assert_int_equal(last(&f)->px.ticks, PX);
    k = candle(PX, PX + 2000, PX - 2000, PX, 3); /* both inside: the stop */
    assert_int_equal(sc_fill_sim_on_candle(f.sim, &b, &k, &done), SC_OK);
    drain(&f);
    assert_true(done);
    assert_false(b.in_position);
    assert_int_equal(last(&f)->side, SC_SIDE_SELL);
    assert_int_equal(last(&f)->px.ticks, PX - 1000);
    assert_false(last(&f)->maker);
    /* A gap through the stop fills at the open; target strictly through. */
    b.in_position = true;
    k = candle(PX - 1500, PX - 1400, PX - 1600, PX - 1500, 4);
    assert_int_equal(sc_fill_sim_on_candle(f.sim, &b, &k, &done), SC_OK);
    drain(&f);
    assert_int_equal(last(&f)->px.ticks, PX - 1500);
    b.in_position = true;
    k = candle(PX, PX + 1000, PX - 10, PX, 5);
    assert_int_equal(sc_fill_sim_on_candle(f.sim, &b, &k, &done), SC_OK);
    assert_false(done);
    k = candle(PX, PX + 1001, PX - 10, PX, 6);
    assert_int_equal(sc_fill_sim_on_candle(f.sim, &b, &k, &done), SC_OK);
    drain(&f);
    assert_true(done);
    assert_true(last(&f)->maker);
    assert_int_equal(last(&f)->px.ticks, PX + 1000);
    /* Entry and stop in the one candle: the stop counts. */
    k = candle(PX + 10, PX + 20, PX - 1000, PX, 7);
    assert_int_equal(sc_fill_sim_on_candle(f.sim, &b, &k, &done), SC_OK);
    drain(&f);
    assert_true(done);
    assert_int_equal(last(&f)->px.ticks, PX - 1000);
    b.stop_px.ticks = PX + 5; /* on the wrong side */
    assert_int_equal(sc_fill_sim_on_candle(f.sim, &b, &k, &done), SC_ERR_INVALID_ARG);
    fx_close(&f);
}

static void test_trades_only(void **state) {
    (void)state;
    sc_fill_sim_config c = cfg_default();
    sc_fill_sim *s = NULL;
    assert_int_equal(sc_fill_sim_create(&c, &s), SC_OK);
    fx f; /* reports only */
    memset(&f, 0, sizeof(f));
    f.sim = s;
    submit(&f, intent("bid1", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTX, PX, 100), 0);
    submit(&f, intent("mkt1", SC_SIDE_BUY, SC_ORD_MARKET, SC_TIF_GTC, 0, 50), 0);
    trade(&f, SC_SIDE_SELL, PX, 100000, 2 * MS); /* at the price: queue unknown */
    assert_int_equal(filled(&f, "bid1"), 0);
    assert_int_equal(filled(&f, "mkt1"), 0); /* a sell: not what a buyer pays */
    trade(&f, SC_SIDE_BUY, PX + 3, 10, 3 * MS);
    assert_int_equal(filled(&f, "mkt1"), 50);
    assert_int_equal(last(&f)->px.ticks, PX + 3);
    assert_false(last(&f)->maker);
    trade(&f, SC_SIDE_SELL, PX - 1, 30, 4 * MS);
    assert_int_equal(filled(&f, "bid1"), 30);
    assert_int_equal(last(&f)->px.ticks, PX);
    sc_fill_sim_destroy(s);
}

static void test_fee_rounding_against_us(void **state) {
    (void)state;
    sc_fill_sim_config c = cfg_default();
    c.maker_fee_bps_x100 = -111; /* a rebate */
    c.taker_fee_bps_x100 = 333;
    sc_fill_sim *s = NULL;
    assert_int_equal(sc_fill_sim_create(&c, &s), SC_OK);
    sc_money fee;
    /* 60000.1 x 0.001 = 60.0001; x 3.33 bps = 0.0199800333 -> up. */
    assert_int_equal(sc_fill_sim_fee(s, (sc_px){PX + 1}, (sc_qty){1}, false, &fee), SC_OK);
    assert_int_equal(fee.e8, 1998004);
    /* x -1.11 bps = -0.0066600111: the rebate rounds down in size. */
    assert_int_equal(sc_fill_sim_fee(s, (sc_px){PX + 1}, (sc_qty){1}, true, &fee), SC_OK);
    assert_int_equal(fee.e8, -666001);
    /* Exact amounts are not rounded. */
    c.maker_fee_bps_x100 = 200;
    c.taker_fee_bps_x100 = 500;
    sc_fill_sim_destroy(s);
    assert_int_equal(sc_fill_sim_create(&c, &s), SC_OK);
    assert_int_equal(sc_fill_sim_fee(s, (sc_px){PX + 1}, (sc_qty){1}, false, &fee), SC_OK);
    assert_int_equal(fee.e8, 3000005);
    assert_int_equal(sc_fill_sim_fee(s, (sc_px){INT64_MAX / 2}, (sc_qty){1000}, false, &fee),
                     SC_ERR_OVERFLOW);
    sc_fill_sim_destroy(s);
    /* And through a fill. */
    c.taker_fee_bps_x100 = 333;
    fx f;
    fx_open(&f, c);
    submit(&f, intent("m", SC_SIDE_BUY, SC_ORD_MARKET, SC_TIF_GTC, 0, 1), 0);
    advance(&f, 2 * MS);
    assert_int_equal(last(&f)->px.ticks, PX + 2);
    assert_int_equal(last(&f)->fee.e8, 1998007); /* 60.0002 x 3.33 bps = 0.019980066.. */
    fx_close(&f);
}

static void test_arguments_and_limits(void **state) {
    (void)state;
    sc_fill_sim_config c = cfg_default();
    sc_fill_sim *s = NULL;
    c.queue_cancel_share_x10000 = 10001;
    assert_int_equal(sc_fill_sim_create(&c, &s), SC_ERR_INVALID_ARG);
    c = cfg_default();
    c.ins = sc_instrument_find("coinm:BTCUSD_PERP");
    assert_int_equal(sc_fill_sim_create(&c, &s), SC_ERR_UNSUPPORTED);
    assert_null(s);
    c = cfg_default();
    c.orders_max = 2;
    fx f;
    fx_open(&f, c);
    sc_order_intent o = intent("a", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 0);
    assert_int_equal(sc_fill_sim_submit(f.sim, &o, 0, NULL), SC_ERR_INVALID_ARG);
    o = intent("bad id!", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 1);
    assert_int_equal(sc_fill_sim_submit(f.sim, &o, 0, NULL), SC_ERR_INVALID_ARG);
    submit(&f, intent("a", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 1), 0);
    o = intent("a", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 1);
    assert_int_equal(sc_fill_sim_submit(f.sim, &o, 0, NULL), SC_ERR_STATE);
    submit(&f, intent("b", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 1), 0);
    o = intent("c", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 1);
    assert_int_equal(sc_fill_sim_submit(f.sim, &o, 0, NULL), SC_ERR_FULL);
    /* An out-of-sync book rejects what arrives. */
    fx_close(&f);
    fx_open(&f, cfg_default());
    sc_depth d;
    memset(&d, 0, sizeof(d));
    d.first_id = 500; /* a gap */
    d.final_id = 501;
    d.prev_final_id = 499;
    sc_book_result r;
    submit(&f, intent("x", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTC, PX, 1), 0);
    assert_int_equal(sc_book_on_depth(f.book, &d, &r), SC_OK);
    assert_int_equal(r, SC_BOOK_GAP);
    advance(&f, 2 * MS);
    assert_int_equal(last(&f)->kind, SC_FILL_REP_REJECTED);
    assert_int_equal(last(&f)->reason, SC_FILL_REJ_NO_BOOK);
    assert_string_equal(sc_fill_reject_name(last(&f)->reason), "no_book");
    assert_string_equal(sc_fill_rep_kind_name(SC_FILL_REP_FILL), "fill");
    fx_close(&f);
}

/* ---- real data ----------------------------------------------------------- */

typedef struct {
    sc_px limit; /* of the live order */
    bool live;
    int n; /* orders sent */
    sc_ns sent_ns;
    uint64_t fills;
    uint64_t fills_through; /* on a trade strictly below the bid */
    int64_t filled_steps;
    uint64_t news;
    uint64_t canceled;
    const sc_trade *cur; /* the trade being fed, if any */
} smoke;

static void smoke_reports(sc_fill_sim *sim, smoke *sm) {
    sc_fill_report r;
    while (sc_fill_sim_next_report(sim, &r)) {
        if (r.kind == SC_FILL_REP_FILL) {
            /* Only when the queue ahead is used up; never better than the
             * limit; only on a seller's trade at or below our bid. */
            assert_true(r.maker);
            assert_int_equal(r.queue_ahead.steps, 0);
            assert_int_equal(r.px.ticks, sm->limit.ticks);
            assert_non_null(sm->cur);
            assert_int_equal(sm->cur->aggressor, SC_SIDE_SELL);
            assert_true(sm->cur->px.ticks <= r.px.ticks);
            sm->fills++;
            sm->fills_through += sm->cur->px.ticks < r.px.ticks ? 1 : 0;
            sm->filled_steps += r.qty.steps;
        } else if (r.kind == SC_FILL_REP_NEW) {
            sm->news++;
        } else if (r.kind == SC_FILL_REP_CANCELED) {
            sm->canceled++;
        }
        if (r.leaves.steps == 0 && r.kind != SC_FILL_REP_NEW) {
            sm->live = false;
        }
    }
}

/* Every 10 s: a post-only bid of 0.010 at the touch, canceled after 8 s. */
static void smoke_orders(sc_fill_sim *sim, const sc_book *book, smoke *sm, sc_ns ts) {
    sc_level best;
    if (sm->live && ts - sm->sent_ns > 8 * SC_NS_PER_S) {
        sc_err e = sc_fill_sim_cancel(sim, "smoke", ts, NULL);
        assert_true(e == SC_OK || e == SC_ERR_STATE || e == SC_ERR_NOT_FOUND);
    }
    if (sm->live || ts - sm->sent_ns < 10 * SC_NS_PER_S ||
        sc_book_best(book, SC_SIDE_BUY, &best) != SC_OK) {
        return;
    }
    sc_order_intent o = intent("smoke", SC_SIDE_BUY, SC_ORD_LIMIT, SC_TIF_GTX, best.px.ticks, 10);
    assert_int_equal(sc_fill_sim_submit(sim, &o, ts, NULL), SC_OK);
    sm->limit = best.px;
    sm->live = true;
    sm->sent_ns = ts;
    sm->n++;
}

static void smoke_event(sc_fill_sim *sim, sc_book *book, smoke *sm, const sc_event *ev) {
    sc_ns ts = ev->ts_local_ns;
    sc_book_result r;
    sm->cur = NULL;
    assert_int_equal(sc_fill_sim_advance(sim, ts), SC_OK);
    smoke_reports(sim, sm);
    if (ev->kind == SC_EV_DEPTH) {
        assert_int_equal(sc_book_on_depth(book, &ev->u.depth, &r), SC_OK);
        if (r == SC_BOOK_APPLIED) {
            assert_int_equal(sc_fill_sim_on_depth(sim, &ev->u.depth, ts), SC_OK);
        }
    } else if (ev->kind == SC_EV_SNAPSHOT) {
        assert_int_equal(sc_book_on_snapshot(book, &ev->u.snapshot, &r), SC_OK);
        if (r == SC_BOOK_APPLIED) {
            assert_int_equal(sc_fill_sim_on_book_reset(sim, ts), SC_OK);
        }
    } else if (ev->kind == SC_EV_TRADE) {
        sm->cur = &ev->u.trade;
        assert_int_equal(sc_fill_sim_on_trade(sim, &ev->u.trade, ts), SC_OK);
    }
    smoke_reports(sim, sm);
    if (sc_book_is_synced(book)) {
        smoke_orders(sim, book, sm, ts);
    }
}

static void test_real_capture_smoke(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED("binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst", path);
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    sc_book_config bc = {ins, 0, 0, 0, 0};
    sc_book *book = NULL;
    assert_int_equal(sc_book_create(&bc, &book), SC_OK);
    sc_fill_sim_config c = cfg_default();
    c.book = book;
    c.latency_ns = 5 * MS;
    c.jitter_ns = 2 * MS;
    sc_fill_sim *sim = NULL;
    assert_int_equal(sc_fill_sim_create(&c, &sim), SC_OK);
    sc_decoder_config dc = {ins, 0};
    sc_decoder *dec = NULL;
    assert_int_equal(sc_decoder_create(&dc, &dec), SC_OK);
    const char *pp[1] = {path};
    sc_capture_reader_config rc = {0};
    sc_capture_reader *rd = NULL;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_capture_reader_open(&rc, pp, 1, &rd, &ei), SC_OK);
    smoke sm;
    memset(&sm, 0, sizeof(sm));
    sm.sent_ns = INT64_MIN / 2;
    sc_capture_line ln;
    sc_err e;
    while ((e = sc_capture_reader_next(rd, &ln, &ei)) != SC_ERR_EOF) {
        assert_int_equal(e, SC_OK);
        sc_event ev;
        if (sc_decoder_decode(dec, ln.json, ln.json_len, ln.ts_local_ns, &ev, &ei) == SC_OK) {
            smoke_event(sim, book, &sm, &ev);
        }
    }
    print_message("smoke: %d orders, %llu resting, %llu fills (%llu through), %lld steps, "
                  "%llu canceled\n",
                  sm.n, (unsigned long long)sm.news, (unsigned long long)sm.fills,
                  (unsigned long long)sm.fills_through, (long long)sm.filled_steps,
                  (unsigned long long)sm.canceled);
    assert_true(sm.n > 10);
    assert_true(sm.fills > 0);
    assert_true(sm.canceled > 0);
    sc_capture_reader_close(rd);
    sc_decoder_destroy(dec);
    sc_fill_sim_destroy(sim);
    sc_book_destroy(book);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_scenario),
        cmocka_unit_test(test_cancellations_reduce_queue_by_share),
        cmocka_unit_test(test_trade_through_fills),
        cmocka_unit_test(test_post_only_crossing_rejected),
        cmocka_unit_test(test_taker_walks_two_levels),
        cmocka_unit_test(test_partial_fills),
        cmocka_unit_test(test_latency),
        cmocka_unit_test(test_jitter_seeded),
        cmocka_unit_test(test_cancel_races_fill),
        cmocka_unit_test(test_kline_stop_first),
        cmocka_unit_test(test_trades_only),
        cmocka_unit_test(test_fee_rounding_against_us),
        cmocka_unit_test(test_arguments_and_limits),
        cmocka_unit_test(test_real_capture_smoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
