/* tape.h: TradeTapeProcessor, rolling statistics of the trade stream.
 *
 * Over a rolling time window (window_ns) it keeps: VWAP, trades per second,
 * volume per second, aggressor buy and sell volume and their imbalance
 * (buy - sell) / (buy + sell). Sums are exact integers (ticks x steps);
 * only the ratios are doubles. Time is the trade time on the events; the
 * window is evicted against the newest trade time seen (or the `now` given
 * to sc_tape_stats_at), never a clock.
 *
 * Aggregation: raw trades (the USD-M captures carry `trade`, not `aggTrade`)
 * are grouped into aggregate trades the way Binance does: consecutive trades
 * with the same trade time, price and aggressor side form one aggregate.
 * An aggregate is complete when the next trade does not match it, or on
 * sc_tape_flush.
 *
 * Trade ids of raw trades are expected to rise by exactly 1: a jump is
 * counted as missing trades, a repeat or step back as out of order (and the
 * trade is not counted twice).
 *
 * Thread: the engine thread. Allocates: in create only.
 * Limit: at most trades_max trades in the window; past it the oldest leave
 * early and window_truncated is counted (the stats then cover less time,
 * and say so).
 *
 * Details fixed by tape.c (see the comment at its top for the reasons):
 *  - Ids: continuity is checked on first_trade_id/last_trade_id, so raw
 *    trades (first == last == t) and aggTrades (f..l) both work. A trade
 *    whose first_trade_id <= the last id seen is out of order: it is counted
 *    in out_of_order only (not in trades_total, the window or an aggregate).
 *    An id gap also ends the open aggregate, so an aggregate's ids are
 *    always contiguous.
 *  - Rates divide by the configured window_ns, also while the tape is
 *    warming up (less than window_ns since the first trade); stats.warm says
 *    when the whole window has been observed.
 *  - Time: the tape keeps its own clock, the newest of the trade times and
 *    the `now`s it was given. A trade older than the clock enters the window
 *    stamped with the clock (so the window stays in time order); one older
 *    than clock - window_ns does not enter it at all (late_trades). A `now`
 *    older than the newest trade time cannot bring evicted trades back: the
 *    stats then end at the clock, and window_end_ns says so.
 *  - Exact sums: ticks x steps of the window in int64. A trade that would
 *    overflow them is refused with SC_ERR_OVERFLOW (see tape.c for the
 *    bound); a refused or invalid trade changes no counter and enters no
 *    aggregate (a refused one still advances the clock to its time).
 */
#ifndef SC_MARKET_TAPE_H
#define SC_MARKET_TAPE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/instrument.h"
#include "market/event.h"

enum {
    SC_TAPE_TRADES_DEFAULT = 1 << 16,
    SC_TAPE_TRADES_MAX = 1 << 22,
};
#define SC_TAPE_WINDOW_NS_DEFAULT (60 * SC_NS_PER_S)
/* Longest window: one day. The exact sums must hold a whole window's
 * notional, so the window cannot be unbounded (tape.c states the bound). */
#define SC_TAPE_WINDOW_NS_MAX SC_NS_PER_DAY

typedef struct sc_tape sc_tape;

typedef struct {
    const sc_instrument *ins; /* required */
    sc_ns window_ns;          /* 0 = default (60 s); at most SC_TAPE_WINDOW_NS_MAX */
    uint32_t trades_max;      /* 0 = default; at most SC_TAPE_TRADES_MAX */
} sc_tape_config;

typedef struct {
    uint64_t trades;     /* in the window */
    sc_qty buy_qty;      /* aggressor buys in the window */
    sc_qty sell_qty;     /* aggressor sells in the window */
    double vwap_ticks;   /* 0 when the window is empty */
    double trades_per_s; /* over window_ns */
    double volume_per_s; /* in steps per second, over window_ns */
    double imbalance;    /* (buy - sell) / (buy + sell); 0 when empty */
    sc_px last_px;       /* of the last trade accepted; 0 before any */
    sc_ns last_trade_ns; /* its trade time; 0 before any */
    sc_ns window_end_ns; /* the window is (window_end_ns - window_ns, window_end_ns] */
    bool warm;           /* window_end_ns - window_ns >= the first trade's time */
    bool truncated;      /* trades of this window left early (trades_max) */
} sc_tape_stats;

typedef struct {
    uint64_t trades_total;     /* accepted trades (out-of-order ones are not) */
    uint64_t aggregates_total; /* completed aggregates */
    uint64_t missing_trades;   /* sum of id jumps */
    uint64_t out_of_order;
    uint64_t window_truncated; /* trades that left the window early */
    uint64_t late_trades;      /* accepted, but too old to enter the window */
} sc_tape_counters;

sc_err sc_tape_create(const sc_tape_config *cfg, sc_tape **out);
void sc_tape_destroy(sc_tape *t);

/* Adds a trade (raw or aggregate). When it completes an aggregate, the
 * finished aggregate is written to *agg_out and *agg_ready set true
 * (*agg_ready is false otherwise, also on error). An out-of-order trade is
 * SC_OK (counted). SC_ERR_RANGE: px or qty <= 0, ts_trade_ns < 0 or
 * first_trade_id > last_trade_id. SC_ERR_OVERFLOW: the exact sums would
 * overflow. On an error the trade is refused and no counter changes. */
sc_err sc_tape_on_trade(sc_tape *t, const sc_trade *tr, sc_trade *agg_out, bool *agg_ready);
/* Completes the open aggregate, if any (*agg_ready false when none). An
 * aggregate is its first trade (trade_id, first_trade_id, times, px, side)
 * with qty summed and the last trade's last_trade_id. */
void sc_tape_flush(sc_tape *t, sc_trade *agg_out, bool *agg_ready);

/* Stats over (now - window_ns, now]; evicts older trades. now must not go
 * back in time: it is asserted to be >= the previous now. A now older than
 * the newest trade time is not a bug (streams interleave) and ends the
 * window at that trade time instead; see window_end_ns. */
void sc_tape_stats_at(sc_tape *t, sc_ns now, sc_tape_stats *out);
void sc_tape_get_counters(const sc_tape *t, sc_tape_counters *out);

#endif
