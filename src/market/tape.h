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

typedef struct sc_tape sc_tape;

typedef struct {
    const sc_instrument *ins; /* required */
    sc_ns window_ns;          /* 0 = default (60 s) */
    uint32_t trades_max;      /* 0 = default */
} sc_tape_config;

typedef struct {
    uint64_t trades;            /* in the window */
    sc_qty buy_qty;             /* aggressor buys in the window */
    sc_qty sell_qty;            /* aggressor sells in the window */
    double vwap_ticks;          /* 0 when the window is empty */
    double trades_per_s;        /* over window_ns */
    double volume_per_s;        /* in steps per second, over window_ns */
    double imbalance;           /* (buy - sell) / (buy + sell); 0 when empty */
    sc_px last_px;
    sc_ns last_trade_ns;
} sc_tape_stats;

typedef struct {
    uint64_t trades_total;
    uint64_t aggregates_total;  /* completed aggregates */
    uint64_t missing_trades;    /* sum of id jumps */
    uint64_t out_of_order;
    uint64_t window_truncated;
} sc_tape_counters;

sc_err sc_tape_create(const sc_tape_config *cfg, sc_tape **out);
void sc_tape_destroy(sc_tape *t);

/* Adds a trade (raw or aggregate). When it completes an aggregate, the
 * finished aggregate is written to *agg_out and *agg_ready set true. */
sc_err sc_tape_on_trade(sc_tape *t, const sc_trade *tr, sc_trade *agg_out, bool *agg_ready);
/* Completes the open aggregate, if any. */
void sc_tape_flush(sc_tape *t, sc_trade *agg_out, bool *agg_ready);

/* Stats over (now - window_ns, now]; evicts older trades. now must not go
 * back in time (asserted). */
void sc_tape_stats_at(sc_tape *t, sc_ns now, sc_tape_stats *out);
void sc_tape_get_counters(const sc_tape *t, sc_tape_counters *out);

#endif
