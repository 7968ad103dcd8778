/* fill_sim.h: the fill simulator for backtest and paper trading.
 *
 * Orders go in as sc_order_intent; fills, rejections and cancels come out as
 * sc_fill_report in a bounded queue the caller drains. Market data goes in as
 * the same events the engine sees (depth diffs after the book applied them,
 * trades, candles). The real book is read, never written.
 *
 * One clock: every ts_ns passed in is the caller's (replay: ts_local_ns).
 * Call order per market event at ts: sc_fill_sim_advance(ts) BEFORE the book
 * applies the event (so an order that arrives before ts sees the book as it
 * was), then the book, then sc_fill_sim_on_depth / on_trade (on_* also
 * advance, so advance may be skipped when the book is not used).
 *
 * Model (every assumption is one of these lines; all lean against us):
 *  Latency  An action (submit or cancel) sent at ts takes effect at
 *           ts + latency + U[0, jitter] from the seeded sc_rng, but never
 *           before an action sent earlier (one ordered connection: FIFO).
 *           An event stamped at or before that instant happens before the
 *           action (the order misses it); the action runs before any event
 *           stamped later.
 *  Taker    MARKET, IOC and crossing GTC orders walk the opposite side of the
 *           book at activation, best first, at most SC_FILL_SIM_WALK_LEVELS
 *           levels, each level's visible qty minus what we already took
 *           there. One taker fill per level, at the level's price. MARKET
 *           and IOC remainders expire; a crossing GTC rests its remainder
 *           (at the front: nothing is visible on its side at that price).
 *  Consumed What a taker took is remembered per (side, price) until that
 *           level is deleted; an update of the level to q keeps
 *           min(taken, q) taken, so the same liquidity is never taken twice.
 *           Full scratch: the walk stops there (counted): fail closed.
 *  Post-only A GTX order that would cross (buy px >= best ask, sell px <= best
 *           bid) at activation is rejected. Any order meeting a book that is
 *           not in sync (or empty opposite side for a taker) is rejected.
 *  Queue    A resting order joins behind the visible qty at its price (0
 *           when better than the touch). Trades at its price by the opposite
 *           aggressor use up the queue ahead first, then fill the order
 *           (maker, at its limit). A depth decrease at its price not
 *           explained by such trades is a cancellation: the queue ahead
 *           shrinks by floor(share x cancel); the rest is assumed behind us.
 *           Increases join behind us. The queue ahead never exceeds the
 *           visible qty (clamped on every update of the level).
 *           Depth and trades arrive on separate streams: a drop seen before
 *           the trades that caused it moves us (share, and the clamp); when
 *           trades at our price follow, what such drops moved us is credited
 *           back against them, as much as possible, so no trade moves us
 *           twice. Trades not yet seen in depth explain the next drops.
 *           Both carries never expire, so errors lean to a longer queue.
 *           Several of our orders meeting one trade share it in slot order
 *           (each sees the full queue reduction; fills never exceed it).
 *  Through  A trade strictly better than the limit (a sell below our bid, a
 *           buy above our ask) by the opposite aggressor fills the order up
 *           to the traded qty, at the limit, and empties the queue ahead.
 *           A book that moves across a resting order without trades does
 *           not fill it; own-side aggressor trades never fill it.
 *  Cancel   Fills can happen until the cancel takes effect. If the order is
 *           gone by then the cancel is rejected (CANCEL_REJECTED, as
 *           Binance's "unknown order"); otherwise the remainder is canceled.
 *  Fees     fee_e8 = ceil(px x qty x rate) per fill (against us; a negative
 *           rate is a rebate, rounded down in size). Maker = filled while
 *           resting. notional_e8 is px x qty truncated to 1e-8 (exact on
 *           USD-M BTCUSDT). A taker fill whose money would overflow int64
 *           is not made (the walk stops there; counted).
 *  No book  Without a book (cfg.book NULL: trades only) a resting order has
 *           an unknown queue: it fills only on trades strictly through its
 *           price. A taker fills in full at the price of the first trade by
 *           the same-side aggressor after activation (a buy pays what buyers
 *           paid: the ask), IOC only if that price is within its limit.
 *  Candles  See sc_fill_sim_on_candle.
 *  Funding  Not charged here: src/risk/metrics charges funding on the
 *           position at each settlement from the mark-price stream. This
 *           module exports sc_fill_sim_fee for fee arithmetic only.
 *
 * Thread: the engine thread. Allocates: in create only. Limits: orders_max
 * live orders (submit beyond: SC_ERR_FULL); the report queue holds
 * 2 x (orders_max x per-order worst case) reports and a call that starts with
 * less than one call's worst case free returns SC_ERR_FULL and does nothing:
 * drain after every call.
 */
#ifndef SC_EXEC_FILL_SIM_H
#define SC_EXEC_FILL_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/instrument.h"
#include "market/book.h"
#include "risk/order.h"

enum {
    SC_FILL_SIM_ORDERS_DEFAULT = 32,
    SC_FILL_SIM_ORDERS_MAX = 1024,
    SC_FILL_SIM_WALK_LEVELS = 32,  /* deepest level a taker walks */
    SC_FILL_SIM_CONSUMED_MAX = 256 /* (side, price) levels remembered as taken */
};
/* Fee rates: hundredths of a basis point, as in the [paper] config. */
#define SC_FILL_SIM_FEE_BPS_X100_MIN INT64_C(-10000)
#define SC_FILL_SIM_FEE_BPS_X100_MAX INT64_C(10000) /* 1 % */
#define SC_FILL_SIM_LATENCY_NS_MAX (60 * SC_NS_PER_S)

typedef struct sc_fill_sim sc_fill_sim;

typedef struct {
    const sc_instrument *ins;   /* required; USD-M or spot (linear) */
    const sc_book *book;        /* NULL: trades-only model */
    int64_t maker_fee_bps_x100; /* 200 = 0.02 % */
    int64_t taker_fee_bps_x100; /* 500 = 0.05 % */
    sc_ns latency_ns;
    sc_ns jitter_ns; /* each action adds U[0, jitter_ns] */
    uint64_t seed;
    int64_t queue_cancel_share_x10000; /* share of cancels ahead of us, 0..10000 */
    uint32_t orders_max;               /* 0 = default */
} sc_fill_sim_config;

typedef enum {
    SC_FILL_REP_NEW = 0,            /* accepted and resting */
    SC_FILL_REP_FILL = 1,           /* a (partial) fill */
    SC_FILL_REP_REJECTED = 2,       /* see reason */
    SC_FILL_REP_EXPIRED = 3,        /* MARKET/IOC remainder not filled */
    SC_FILL_REP_CANCELED = 4,       /* remainder canceled on request */
    SC_FILL_REP_CANCEL_REJECTED = 5 /* the order was gone when the cancel arrived */
} sc_fill_rep_kind;

typedef enum {
    SC_FILL_REJ_NONE = 0,
    SC_FILL_REJ_POST_ONLY = 1, /* GTX would have crossed */
    SC_FILL_REJ_NO_BOOK = 2,   /* book out of sync at activation */
    SC_FILL_REJ_NO_LIQUIDITY = 3
} sc_fill_reject;

typedef struct {
    sc_fill_rep_kind kind;
    sc_fill_reject reason;
    char client_id[SC_CLIENT_ID_MAX + 1];
    sc_side side;
    sc_px px;           /* fill price; the limit otherwise */
    sc_qty qty;         /* filled qty (FILL) or the remainder (EXPIRED, CANCELED) */
    sc_qty leaves;      /* open qty after this report */
    bool maker;         /* FILL: filled while resting */
    sc_money fee;       /* FILL: paid (> 0) or rebated (< 0), rounded against us */
    sc_money notional;  /* FILL: px x qty */
    sc_qty queue_ahead; /* FILL (maker, book model): queue ahead when filled; 0 */
    sc_ns ts_ns;        /* when it happened */
} sc_fill_report;

typedef struct {
    uint64_t submitted;
    uint64_t fills;
    uint64_t rejected;
    uint64_t canceled;
    uint64_t cancel_rejected;
    uint64_t consumed_full; /* taker walks stopped by a full consumed scratch */
    uint64_t overflows;     /* taker fills not made: price x qty overflows */
} sc_fill_sim_stats;

const char *sc_fill_rep_kind_name(sc_fill_rep_kind k);
const char *sc_fill_reject_name(sc_fill_reject r);

/* SC_ERR_INVALID_ARG for a bad config, SC_ERR_UNSUPPORTED for COIN-M or a
 * grid whose notional does not fit 1e-8. */
sc_err sc_fill_sim_create(const sc_fill_sim_config *cfg, sc_fill_sim **out);
void sc_fill_sim_destroy(sc_fill_sim *s);

/* Sends an order at ts. *activate_ns (may be NULL) says when it arrives.
 * SC_ERR_INVALID_ARG: bad client id, qty <= 0, limit px <= 0 (a MARKET
 * order's px is its reference price, >= 0); SC_ERR_OVERFLOW: px x qty does
 * not fit; SC_ERR_STATE: a
 * live order has that client id; SC_ERR_FULL: orders_max live orders or
 * reports not drained. */
sc_err sc_fill_sim_submit(sc_fill_sim *s, const sc_order_intent *o, sc_ns ts_ns,
                          sc_ns *activate_ns);
/* Sends a cancel at ts. SC_ERR_NOT_FOUND: no live order with that id (it
 * finished: its reports say how); SC_ERR_STATE: a cancel is already on
 * its way. */
sc_err sc_fill_sim_cancel(sc_fill_sim *s, const char *client_id, sc_ns ts_ns, sc_ns *effect_ns);
/* Runs every action due strictly before ts, in time order. */
sc_err sc_fill_sim_advance(sc_fill_sim *s, sc_ns ts_ns);
/* A depth diff the book has just applied (SC_BOOK_APPLIED). */
sc_err sc_fill_sim_on_depth(sc_fill_sim *s, const sc_depth *d, sc_ns ts_ns);
/* The book was replaced (snapshot, resync): taken liquidity is forgotten and
 * every resting order goes to the back of the queue at its price. */
sc_err sc_fill_sim_on_book_reset(sc_fill_sim *s, sc_ns ts_ns);
sc_err sc_fill_sim_on_trade(sc_fill_sim *s, const sc_trade *t, sc_ns ts_ns);

/* Candle fallback (klines only), for one bracket: an entry limit, then a
 * stop and a target. Stateless apart from *o; reports go to the queue.
 *  - Entry (o->in_position false): fills at entry_px (maker) only when the
 *    candle trades strictly through it (buy: low < px; sell: high > px).
 *  - Exit: the stop triggers when touched (long: low <= stop) and fills at
 *    the stop, or at the open when the candle opened beyond it (gap), taker.
 *    The target fills (maker, at target) only when traded strictly through
 *    (long: high > target). When both are inside one candle the stop wins.
 *  - In the candle that filled the entry only the stop is checked (the
 *    target might have come before the entry).
 * *done is set when the exit filled (o->in_position false again). */
typedef struct {
    char client_id[SC_CLIENT_ID_MAX + 1];
    sc_side side; /* the entry's side: BUY opens a long */
    sc_px entry_px;
    sc_px stop_px;
    sc_px target_px;
    sc_qty qty;
    bool in_position;
} sc_candle_bracket;

sc_err sc_fill_sim_on_candle(sc_fill_sim *s, sc_candle_bracket *o, const sc_kline *k, bool *done);

/* Next report, oldest first; false when none. */
bool sc_fill_sim_next_report(sc_fill_sim *s, sc_fill_report *out);
/* Queue ahead of a live resting order (SC_ERR_NOT_FOUND otherwise). */
sc_err sc_fill_sim_queue_ahead(const sc_fill_sim *s, const char *client_id, sc_qty *out);
/* ceil(px x qty x rate), rate in hundredths of a bp; SC_ERR_OVERFLOW. */
sc_err sc_fill_sim_fee(const sc_fill_sim *s, sc_px px, sc_qty qty, bool maker, sc_money *fee);
void sc_fill_sim_get_stats(const sc_fill_sim *s, sc_fill_sim_stats *out);

#endif
