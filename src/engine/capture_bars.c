/* capture_bars.c: decoder -> book + candles, and the book sample at each
 * candle's close.
 *
 * Why sample on the clock and not when the aggregator closes the candle:
 * the aggregator closes a trade candle only when the first trade of a later
 * bucket arrives, and by then depth diffs from after the close may have
 * been applied. Sampling when any message first carries the clock past the
 * end, before that message is applied, keeps the row free of look-ahead.
 * Why the aggregator is not closed on the clock too: the trade and depth
 * streams interleave, so a trade stamped just before the end can arrive
 * after a diff stamped just after it; closing on the clock would refuse it
 * as late and lose its volume. The trade then counts in its candle (whose
 * sample was already taken, which is no look-ahead).
 */
#include "engine/capture_bars.h"

#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "features/ofi.h"
#include "market/decoder.h"

struct sc_capture_bars {
    sc_capture_bars_config cfg;
    sc_decoder *dec;
    sc_book *book;
    sc_candles *candles;
    sc_capture_bar queue[SC_CAPTURE_BARS_QUEUE];
    uint32_t q_head;
    uint32_t q_len;
    sc_capture_bars_stats st;
    bool finished;
    bool has_clock;
    sc_ns clock_ns;
    sc_ev_kind trade_kind; /* SC_EV_NONE until the first trade */
    /* The sample of the open candle, taken when the clock reached its end. */
    bool has_sample;
    sc_ns sample_open_ns;
    sc_feature_book sample;
    /* OFI of the clock's bucket. */
    sc_ns ofi_bucket_ns;
    int64_t ofi_steps;
    int64_t ofi_gross_steps; /* sum of |e| over the same events */
    bool ofi_ok;
    bool has_top; /* top_bid/top_ask hold the in-sync top of the book */
    sc_level top_bid;
    sc_level top_ask;
};

sc_err sc_capture_bars_create(const sc_capture_bars_config *cfg, sc_capture_bars **out) {
    if (cfg == NULL || out == NULL || cfg->ins == NULL || cfg->tf_ns < SC_NS_PER_S ||
        cfg->tf_ns > SC_CANDLES_TF_NS_MAX || cfg->tf_ns % SC_NS_PER_S != 0) {
        return SC_ERR_INVALID_ARG;
    }
    SC_ASSERT(SC_CAPTURE_BARS_QUEUE >= SC_CAPTURE_BARS_PER_CALL);
    sc_capture_bars *cb = calloc(1, sizeof(*cb));
    if (cb == NULL) {
        return SC_ERR_NOMEM;
    }
    cb->cfg = *cfg;
    cb->trade_kind = SC_EV_NONE;
    sc_decoder_config dc = {cfg->ins, 0};
    sc_book_config bc = cfg->book;
    bc.ins = cfg->ins;
    sc_candles_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.ins = cfg->ins;
    cc.source = SC_CANDLES_FROM_TRADES;
    cc.n_tf = 1;
    cc.tf_ns[0] = cfg->tf_ns;
    sc_err e = sc_decoder_create(&dc, &cb->dec);
    if (e == SC_OK) {
        e = sc_book_create(&bc, &cb->book);
    }
    if (e == SC_OK) {
        e = sc_candles_create(&cc, &cb->candles);
    }
    if (e != SC_OK) {
        sc_capture_bars_destroy(cb);
        return e;
    }
    *out = cb;
    return SC_OK;
}

void sc_capture_bars_destroy(sc_capture_bars *cb) {
    if (cb == NULL) {
        return;
    }
    sc_decoder_destroy(cb->dec);
    sc_book_destroy(cb->book);
    sc_candles_destroy(cb->candles);
    free(cb);
}

static sc_ns bucket_of(const sc_capture_bars *cb, sc_ns t) {
    SC_ASSERT(t >= 0);
    SC_ASSERT(cb->cfg.tf_ns >= SC_NS_PER_S);
    return t - t % cb->cfg.tf_ns;
}

/* The exchange time that moves the clock; 0 when the message has none. */
static sc_ns event_time(const sc_event *ev) {
    SC_ASSERT(ev != NULL && ev->kind != SC_EV_NONE);
    switch (ev->kind) {
    case SC_EV_DEPTH:
        return ev->u.depth.ts_txn_ns ? ev->u.depth.ts_txn_ns : ev->u.depth.ts_exch_ns;
    case SC_EV_SNAPSHOT:
        return ev->u.snapshot.ts_txn_ns ? ev->u.snapshot.ts_txn_ns : ev->u.snapshot.ts_exch_ns;
    case SC_EV_BOOK_TICKER:
        return ev->u.book_ticker.ts_txn_ns ? ev->u.book_ticker.ts_txn_ns
                                           : ev->u.book_ticker.ts_exch_ns;
    case SC_EV_TRADE:
    case SC_EV_AGG_TRADE:
        return ev->u.trade.ts_trade_ns;
    case SC_EV_MARK_PRICE:
        return ev->u.mark.ts_exch_ns;
    case SC_EV_KLINE:
        return ev->u.kline.ts_exch_ns;
    case SC_EV_NONE:
        break;
    }
    return 0;
}

static void take_sample(sc_capture_bars *cb, sc_ns open_ns) {
    SC_ASSERT(!cb->has_sample);
    SC_ASSERT(cb->ofi_bucket_ns == open_ns); /* the clock is inside the candle's bucket */
    sc_feature_book *s = &cb->sample;
    memset(s, 0, sizeof(*s));
    if (sc_book_is_synced(cb->book)) {
        s->top_ok = sc_book_best(cb->book, SC_SIDE_BUY, &s->bid) == SC_OK &&
                    sc_book_best(cb->book, SC_SIDE_SELL, &s->ask) == SC_OK;
        s->imbalance_ok =
            sc_book_imbalance(cb->book, SC_CAPTURE_BARS_IMBALANCE_LEVELS, &s->imbalance) == SC_OK;
        s->depth_ok = sc_book_depth_within_bps(cb->book, SC_SIDE_BUY, SC_CAPTURE_BARS_DEPTH_BPS,
                                               &s->depth_bid) == SC_OK &&
                      sc_book_depth_within_bps(cb->book, SC_SIDE_SELL, SC_CAPTURE_BARS_DEPTH_BPS,
                                               &s->depth_ask) == SC_OK;
    }
    s->ofi_ok = cb->ofi_ok && cb->has_top;
    s->ofi_steps = cb->ofi_steps;
    s->ofi_gross_steps = cb->ofi_gross_steps;
    SC_ASSERT(!s->ofi_ok ||
              (s->ofi_steps > INT64_MIN && llabs(s->ofi_steps) <= s->ofi_gross_steps));
    cb->has_sample = true;
    cb->sample_open_ns = open_ns;
}

/* Moves the clock to t: first samples the open candle when t reaches its
 * end, then starts a new OFI sum when t enters a new bucket. */
static void advance_clock(sc_capture_bars *cb, sc_ns t) {
    SC_ASSERT(t > 0);
    if (!cb->has_clock) {
        cb->has_clock = true;
        cb->clock_ns = t;
        cb->st.first_ns = t;
        cb->ofi_bucket_ns = bucket_of(cb, t);
        cb->ofi_steps = 0;
        cb->ofi_gross_steps = 0;
        cb->ofi_ok = false; /* nothing seen before t: the bucket is not fully observed */
        return;
    }
    if (t <= cb->clock_ns) {
        return;
    }
    sc_candle cur;
    if (sc_candles_current(cb->candles, 0, &cur)) {
        sc_ns end = cur.open_ns + cb->cfg.tf_ns;
        if (cb->clock_ns < end && end <= t) {
            take_sample(cb, cur.open_ns);
        }
    }
    sc_ns b = bucket_of(cb, t);
    if (b != cb->ofi_bucket_ns) {
        SC_ASSERT(b > cb->ofi_bucket_ns);
        cb->ofi_bucket_ns = b;
        cb->ofi_steps = 0;
        cb->ofi_gross_steps = 0;
        cb->ofi_ok = cb->has_top;
    }
    cb->clock_ns = t;
    SC_ASSERT(cb->ofi_bucket_ns == bucket_of(cb, cb->clock_ns));
}

/* After a depth diff or snapshot: the OFI event of a changed top. */
static void after_book(sc_capture_bars *cb) {
    sc_level bid;
    sc_level ask;
    if (!sc_book_is_synced(cb->book) || sc_book_best(cb->book, SC_SIDE_BUY, &bid) != SC_OK ||
        sc_book_best(cb->book, SC_SIDE_SELL, &ask) != SC_OK) {
        cb->has_top = false;
        cb->ofi_ok = false;
        return;
    }
    SC_ASSERT(bid.px.ticks < ask.px.ticks); /* the book never serves a crossed top */
    SC_ASSERT(bid.qty.steps > 0 && ask.qty.steps > 0);
    if (cb->has_top && !(sc_px_eq(bid.px, cb->top_bid.px) && sc_qty_eq(bid.qty, cb->top_bid.qty) &&
                         sc_px_eq(ask.px, cb->top_ask.px) && sc_qty_eq(ask.qty, cb->top_ask.qty))) {
        int64_t e = sc_ofi_event(cb->top_bid, cb->top_ask, bid, ask);
        /* |e| is safe: e is a sum of four quantities, never INT64_MIN. */
        if (!sc_add_i64(cb->ofi_steps, e, &cb->ofi_steps) ||
            !sc_add_i64(cb->ofi_gross_steps, e < 0 ? -e : e, &cb->ofi_gross_steps)) {
            cb->ofi_ok = false;
        }
    }
    cb->has_top = true;
    cb->top_bid = bid;
    cb->top_ask = ask;
}

static uint32_t queue_free(const sc_capture_bars *cb) {
    SC_ASSERT(cb->q_len <= SC_CAPTURE_BARS_QUEUE);
    return SC_CAPTURE_BARS_QUEUE - cb->q_len;
}

static void queue_push(sc_capture_bars *cb, const sc_capture_bar *bar) {
    SC_ASSERT(cb->q_len < SC_CAPTURE_BARS_QUEUE);
    SC_ASSERT(bar->candle.closed && !bar->candle.truncated);
    cb->queue[(cb->q_head + cb->q_len) % SC_CAPTURE_BARS_QUEUE] = *bar;
    cb->q_len++;
    cb->st.bars++;
}

/* Closed candles to bars: paired with their sample, partial ones dropped. */
static void drain(sc_capture_bars *cb) {
    sc_candle k;
    while (sc_candles_next(cb->candles, &k)) {
        sc_capture_bar bar;
        memset(&bar, 0, sizeof(bar));
        bar.candle = k;
        if (cb->has_sample) {
            /* A sample is only ever taken for the open candle, the next to close. */
            SC_ASSERT(cb->sample_open_ns == k.open_ns);
            bar.book = cb->sample;
            bar.sampled = true;
            cb->has_sample = false;
        }
        if (k.open_ns < cb->st.first_ns) {
            cb->st.dropped_first++; /* the recording started inside its bucket */
            SC_ASSERT(cb->st.bars == 0);
        } else if (k.truncated) {
            cb->st.dropped_last++;
        } else {
            cb->st.unsampled += bar.sampled ? 0 : 1;
            queue_push(cb, &bar);
        }
    }
}

static sc_err trade_refused(sc_errinfo *err, const char *field, const char *expected) {
    SC_ASSERT(field != NULL && expected != NULL);
    if (err != NULL) {
        sc_errinfo_set(err, field, expected, "out of range", strlen("out of range"));
    }
    return SC_ERR_RANGE;
}

static sc_err on_event(sc_capture_bars *cb, const sc_event *ev, sc_errinfo *err) {
    SC_ASSERT(!cb->finished);
    sc_book_result res;
    sc_err e = SC_OK;
    switch (ev->kind) {
    case SC_EV_DEPTH:
    case SC_EV_SNAPSHOT:
        e = ev->kind == SC_EV_DEPTH ? sc_book_on_depth(cb->book, &ev->u.depth, &res)
                                    : sc_book_on_snapshot(cb->book, &ev->u.snapshot, &res);
        after_book(cb);
        return e == SC_OK ? SC_OK : trade_refused(err, "price", "a book price in range");
    case SC_EV_TRADE:
    case SC_EV_AGG_TRADE:
        if (cb->trade_kind == SC_EV_NONE) {
            cb->trade_kind = ev->kind;
        }
        if (ev->kind != cb->trade_kind) {
            cb->st.trades_other_kind++;
            return SC_OK;
        }
        if (ev->u.trade.kind != SC_TRADE_MARKET) {
            /* A liquidation fill at the bankruptcy price is no market price:
             * the 2023-04-05 capture has one 2 % above the market. */
            cb->st.trades_not_market++;
            return SC_OK;
        }
        e = sc_candles_on_trade(cb->candles, &ev->u.trade);
        SC_ASSERT(e != SC_ERR_FULL); /* drained after every call */
        if (e != SC_OK && err != NULL) {
            sc_errinfo_set(err, "q", "a size whose candle sums fit int64", "too large", 9);
        }
        cb->st.trades += e == SC_OK ? 1 : 0;
        return e;
    default:
        return SC_OK;
    }
}

sc_err sc_capture_bars_on_message(sc_capture_bars *cb, sc_ns ts_local_ns, const char *json,
                                  size_t len, sc_errinfo *err) {
    SC_ASSERT(cb != NULL && json != NULL);
    if (cb->finished) {
        return SC_ERR_STATE;
    }
    if (queue_free(cb) < SC_CAPTURE_BARS_PER_CALL) {
        return SC_ERR_FULL;
    }
    sc_event ev;
    sc_err e = sc_decoder_decode(cb->dec, json, len, ts_local_ns, &ev, err);
    if (e == SC_ERR_UNKNOWN_STREAM) {
        cb->st.unknown++;
        return SC_OK;
    }
    if (e != SC_OK) {
        return e;
    }
    return sc_capture_bars_on_event(cb, &ev, err);
}

sc_err sc_capture_bars_on_event(sc_capture_bars *cb, const sc_event *ev, sc_errinfo *err) {
    SC_ASSERT(cb != NULL && ev != NULL);
    if (cb->finished) {
        return SC_ERR_STATE;
    }
    if (queue_free(cb) < SC_CAPTURE_BARS_PER_CALL) {
        return SC_ERR_FULL;
    }
    if (ev->kind == SC_EV_TRADE || ev->kind == SC_EV_AGG_TRADE) {
        const sc_trade *tr = &ev->u.trade;
        if (tr->px.ticks <= 0 || tr->qty.steps <= 0) {
            return trade_refused(err, tr->px.ticks <= 0 ? "p" : "q", "a value > 0");
        }
        if (tr->ts_trade_ns < 0) {
            return trade_refused(err, "T", "a time >= 0");
        }
    }
    cb->st.messages++;
    sc_ns t = event_time(ev);
    if (t > 0) {
        advance_clock(cb, t);
    }
    sc_err e = on_event(cb, ev, err);
    drain(cb);
    SC_ASSERT(cb->q_len <= SC_CAPTURE_BARS_QUEUE);
    return e;
}

sc_err sc_capture_bars_finish(sc_capture_bars *cb) {
    SC_ASSERT(cb != NULL);
    if (cb->finished) {
        return SC_ERR_STATE;
    }
    if (queue_free(cb) < SC_CAPTURE_BARS_PER_CALL) {
        return SC_ERR_FULL;
    }
    cb->finished = true;
    if (cb->has_clock) {
        SC_ASSERT(sc_candles_close_until(cb->candles, cb->clock_ns) == SC_OK);
        drain(cb);
    }
    SC_ASSERT(sc_candles_flush(cb->candles) == SC_OK);
    drain(cb);
    SC_ASSERT(!cb->has_sample); /* every candle was popped, so every sample was paired */
    return SC_OK;
}

bool sc_capture_bars_next(sc_capture_bars *cb, sc_capture_bar *out) {
    SC_ASSERT(cb != NULL && out != NULL);
    if (cb->q_len == 0) {
        return false;
    }
    SC_ASSERT(cb->q_head < SC_CAPTURE_BARS_QUEUE);
    *out = cb->queue[cb->q_head];
    cb->q_head = (cb->q_head + 1) % SC_CAPTURE_BARS_QUEUE;
    cb->q_len--;
    return true;
}

void sc_capture_bars_get_stats(const sc_capture_bars *cb, sc_capture_bars_stats *out) {
    SC_ASSERT(cb != NULL && out != NULL);
    *out = cb->st;
    out->last_ns = cb->clock_ns;
    sc_book_get_stats(cb->book, &out->book);
    sc_candles_counters cc;
    sc_candles_get_counters(cb->candles, &cc);
    SC_ASSERT(cc.late <= cb->st.trades);
    out->trades = cb->st.trades - cc.late;
    out->trades_late = cc.late;
    out->empty_buckets = cc.missing[0];
    out->empty_runs = cc.gaps[0];
}
