/* candles.h: CandleAggregator, OHLCV candles at several timeframes.
 *
 * Definitions
 *  - A timeframe tf_ns is a whole number of seconds, 1 s .. 1 day. Its
 *    buckets are aligned to the Unix epoch in UTC: a bucket is
 *    [k * tf_ns, (k + 1) * tf_ns) and a candle's open_ns is its start.
 *  - A candle holds open/high/low/close on the instrument's tick grid, the
 *    base volume and its split by aggressor (buy = taker buy), the number
 *    of trades, and its VWAP. Nothing is rounded: sums are exact int64 with
 *    overflow checks; only vwap_ticks is a double (a derived indicator).
 *  - Source: one aggregator takes one kind of input, chosen in the config:
 *      trades  (sc_trade): every timeframe is built from the trades; the
 *              open is the first trade received in the bucket, the close the
 *              last (arrival order), vwap = sum(px.ticks * qty.steps) /
 *              sum(qty.steps).
 *      klines  (sc_candle or sc_kline, completed candles of kline_tf_ns,
 *              e.g. 1m): every timeframe must be a multiple of kline_tf_ns;
 *              a timeframe equal to it passes the candles through (and
 *              counts their gaps); coarser ones merge them (open of the
 *              first, close of the last, max high, min low, sums). VWAP
 *              then comes from the quote volume when the klines carry it.
 *  - Closing: a candle closes when the time reaches its end: a trade or a
 *    kline in a later bucket, a kline that ends exactly at the bucket's end
 *    (so the 5m candle closes with its fifth 1m kline, without waiting), or
 *    sc_candles_close_until(now) with now >= its end. sc_candles_flush
 *    closes every open candle at the end of the input; one closed before
 *    its end is marked truncated.
 *  - No invention: a bucket with no input has no candle. When a candle
 *    opens more than one bucket after the previous candle of its timeframe,
 *    the buckets between are missing: the candle says how many
 *    (gap_before), and the counters sum them per timeframe (gaps = number
 *    of runs, missing = buckets in total). Empty buckets after the last
 *    candle are not counted (there is no later candle to bound them). A
 *    merged kline candle also says how many of its kline intervals had no
 *    kline (missing_parts).
 *  - Late input: an input whose bucket is already closed in any timeframe
 *    (it is older than the time already reached) is refused as a whole,
 *    counted in `late`, and SC_OK is returned; it changes no candle.
 *
 * Output (poll): closed candles go into a bounded queue read with
 * sc_candles_next, oldest first; candles closed by the same call come in
 * timeframe order (the config order, ascending). One input closes at most
 * two candles per timeframe, so an input is refused with SC_ERR_FULL (and
 * changes nothing) unless 2 * n_tf slots are free: draining the queue after
 * every call never hits the limit. sc_candles_current shows the open candle
 * of a timeframe as it stands.
 *
 * VWAP bound: the exact sum px.ticks * qty.steps must fit int64. On the
 * USD-M grid (0.1 x 0.001) that is 9.2e14 USDT of notional per candle; on
 * the spot grid (0.01 x 1e-8) only 9.2e8 USDT, which a busy spot hour can
 * pass. Then that candle's VWAP is dropped (flag cleared, vwap_overflows
 * counted) while its OHLCV stays exact. Volume, trade count or quote volume
 * overflow refuses the input with SC_ERR_OVERFLOW and changes nothing.
 *
 * Thread: the engine thread (one owner). Allocates: in create only (the
 * state and the queue); never afterwards.
 * Invariants (asserted): low <= open, close <= high on every candle; buy +
 * sell == volume when the split is known; an open candle's open_ns is
 * aligned to its timeframe and not older than the time already closed;
 * the queue never holds more than queue_max candles.
 */
#ifndef SC_MARKET_CANDLES_H
#define SC_MARKET_CANDLES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/instrument.h"
#include "core/time.h"
#include "market/event.h"

enum {
    SC_CANDLES_TF_MAX = 8,          /* timeframes per aggregator */
    SC_CANDLES_QUEUE_DEFAULT = 256, /* closed candles waiting to be read */
    SC_CANDLES_QUEUE_MAX = 1 << 16, /* ceiling; the floor is 2 * SC_CANDLES_TF_MAX */
    SC_CANDLES_QUEUE_MIN = 2 * SC_CANDLES_TF_MAX
};
/* Longest timeframe: one day (buckets stay aligned to UTC midnight). */
#define SC_CANDLES_TF_NS_MAX SC_NS_PER_DAY

/* Which fields of a candle are known (sc_candle.flags). */
enum {
    SC_CANDLE_HAS_SPLIT = 1u << 0,  /* buy_volume and sell_volume */
    SC_CANDLE_HAS_TRADES = 1u << 1, /* trades */
    SC_CANDLE_HAS_QUOTE = 1u << 2,  /* quote_volume */
    SC_CANDLE_HAS_PXQTY = 1u << 3,  /* pxqty (exact, from trades) */
    SC_CANDLE_HAS_VWAP = 1u << 4    /* vwap_ticks */
};

typedef struct {
    sc_ns open_ns; /* bucket start, a multiple of tf_ns since the epoch */
    sc_ns tf_ns;   /* timeframe */
    sc_px open;
    sc_px high;
    sc_px low;
    sc_px close;
    sc_qty volume;         /* base volume */
    sc_qty buy_volume;     /* aggressor (taker) buys; with SC_CANDLE_HAS_SPLIT, else 0 */
    sc_qty sell_volume;    /* volume - buy_volume; with SC_CANDLE_HAS_SPLIT, else 0 */
    sc_money quote_volume; /* with SC_CANDLE_HAS_QUOTE, else 0 */
    int64_t trades;        /* with SC_CANDLE_HAS_TRADES, else 0 */
    int64_t pxqty;         /* sum of px.ticks * qty.steps; with SC_CANDLE_HAS_PXQTY, else 0 */
    double vwap_ticks;     /* in ticks; with SC_CANDLE_HAS_VWAP, else 0 */
    int64_t gap_before;    /* buckets of this timeframe missing just before this one */
    int64_t parts;         /* inputs merged: trades, or klines */
    int64_t missing_parts; /* kline source: kline intervals of the bucket without a kline */
    uint32_t flags;        /* SC_CANDLE_HAS_* */
    uint32_t tf_index;     /* index of the timeframe in the aggregator; 0 elsewhere */
    bool closed;           /* false only for sc_candles_current */
    bool truncated;        /* closed by flush before the time reached its end */
} sc_candle;

typedef enum { SC_CANDLES_FROM_TRADES = 0, SC_CANDLES_FROM_KLINES = 1 } sc_candles_source;

typedef struct {
    const sc_instrument *ins; /* required: grid of the prices (VWAP from quote volume) */
    sc_candles_source source;
    sc_ns kline_tf_ns; /* klines source: interval of the input klines; 0 = 1 minute */
    /* Timeframes, strictly ascending, each a multiple of 1 s (trades) or of
     * kline_tf_ns (klines), at most SC_CANDLES_TF_NS_MAX. n_tf 0 = default:
     * 1s, 1m, 5m, 15m, 1h, keeping those that are multiples of kline_tf_ns
     * for the klines source. */
    uint32_t n_tf;
    sc_ns tf_ns[SC_CANDLES_TF_MAX];
    uint32_t queue_max; /* 0 = default; SC_CANDLES_QUEUE_MIN .. SC_CANDLES_QUEUE_MAX */
} sc_candles_config;

typedef struct {
    uint64_t inputs;                     /* trades or klines accepted */
    uint64_t late;                       /* refused: bucket already closed */
    uint64_t kline_updates_ignored;      /* sc_kline with closed == false */
    uint64_t vwap_overflows;             /* candles whose exact VWAP sum overflowed */
    uint64_t closed[SC_CANDLES_TF_MAX];  /* candles closed, per timeframe */
    uint64_t gaps[SC_CANDLES_TF_MAX];    /* runs of missing buckets, per timeframe */
    uint64_t missing[SC_CANDLES_TF_MAX]; /* missing buckets in total, per timeframe */
} sc_candles_counters;

typedef struct sc_candles sc_candles;

/* SC_ERR_INVALID_ARG for a config outside the rules above. */
sc_err sc_candles_create(const sc_candles_config *cfg, sc_candles **out);
void sc_candles_destroy(sc_candles *c);

/* Trades source. Time is tr->ts_trade_ns. SC_ERR_RANGE: px <= 0, qty <= 0,
 * time < 0, or an unknown aggressor. SC_ERR_STATE: a klines aggregator.
 * SC_ERR_FULL: fewer than 2 * n_tf free queue slots. On any error nothing
 * changes. */
sc_err sc_candles_on_trade(sc_candles *c, const sc_trade *tr);

/* Klines source: one completed candle of kline_tf_ns (as the kline readers
 * yield). SC_ERR_RANGE: wrong tf_ns, open_ns not aligned or < 0, OHLC not
 * consistent (low <= open, close <= high, low > 0), buy_volume > volume.
 * Only the flags SPLIT, TRADES, QUOTE and PXQTY of the input are used; a
 * merged candle keeps a flag only when every kline in it had it.
 * SC_ERR_STATE / SC_ERR_FULL / SC_ERR_OVERFLOW as above. */
sc_err sc_candles_on_candle(sc_candles *c, const sc_candle *k);

/* Klines source, from a decoded kline event: a kline still forming
 * (closed false) is ignored and counted; a closed one is taken as above
 * (interval = close_ns - open_ns + 1 ms must equal kline_tf_ns). */
sc_err sc_candles_on_kline(sc_candles *c, const sc_kline *k);

/* Closes every open candle whose end is <= now; buckets ending by now are
 * closed too, so later input for them is late. A now older than the time
 * already reached does nothing. SC_ERR_FULL as above. */
sc_err sc_candles_close_until(sc_candles *c, sc_ns now);

/* End of input: closes every open candle (truncated when its end was not
 * reached). SC_ERR_FULL as above. */
sc_err sc_candles_flush(sc_candles *c);

/* Oldest closed candle not read yet; false when there is none. */
bool sc_candles_next(sc_candles *c, sc_candle *out);
uint32_t sc_candles_pending(const sc_candles *c);

/* The open candle of timeframe tf_index as it stands; false when that
 * timeframe has no open candle. */
bool sc_candles_current(const sc_candles *c, uint32_t tf_index, sc_candle *out);

uint32_t sc_candles_tf_count(const sc_candles *c);
sc_ns sc_candles_tf_ns(const sc_candles *c, uint32_t tf_index);
void sc_candles_get_counters(const sc_candles *c, sc_candles_counters *out);

/* The VWAP of a candle in ticks from its exact sums: pxqty / volume with
 * SC_CANDLE_HAS_PXQTY, else quote_volume converted to ticks per volume with
 * SC_CANDLE_HAS_QUOTE. False (and *out = 0) when neither is known or the
 * volume is 0. */
bool sc_candle_vwap(const sc_instrument *ins, const sc_candle *k, double *out);

/* Checks a candle's own consistency (prices > 0, low <= open, close <=
 * high, buy <= volume, counts >= 0); names the first broken rule in *why
 * (a static string) when it returns false. */
bool sc_candle_valid(const sc_candle *k, const char **why);

#endif
