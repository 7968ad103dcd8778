/* retry.h: OrderRetryManager, what to do with a resting order that is not
 * filling: cancel-replace a passive entry that drifted from the touch, give
 * up on it, or escalate a passive exit to a taker order.
 *
 * A pure policy: the caller passes the order's state, the touch and the time,
 * and gets back ONE action with its reason. The module sends nothing and
 * reads no clock; carrying the action out (cancel, new order, client ids,
 * the veto gate) is the caller's job. The only state is the counters.
 *
 * Orders given here are resting limit orders (post-only entries, passive
 * exits); market and IOC orders are never passed in. Drift is how many ticks
 * the order sits behind the touch on its own side:
 *   buy:  best_bid - px        sell:  px - best_ask
 * (0 at the touch, negative when the book has not caught up with us).
 *
 * Rules, first match wins (now_ns - x >= limit counts at the boundary):
 *  all      cancel pending                       -> none (cancel_pending)
 *  entry    now - submitted >= give_up_ns        -> cancel (give_up_time);
 *           a cancel needs no book, so it applies while not synced
 *           touch not synced (or invalid)        -> none (not_synced)
 *           drift <= drift_ticks_max             -> none (in_range)
 *           replaces_n >= replaces_max           -> cancel (replaces_spent)
 *           now - last < replace_interval_ns_min -> none (interval); last is
 *           the last replace, or the submission before any replace
 *           otherwise                            -> cancel_replace to the
 *           touch: best bid for a buy, best ask for a sell. The new price is
 *           strictly toward the touch and never past it, so a post-only
 *           order stays passive.
 *  protective exit and flatten (sc_order_purpose_is_protective):
 *           synced and the book moved through the limit -> escalate (through)
 *           "Through" means the own-side touch is strictly beyond the limit,
 *           away from the other side (buy: best_bid > px; sell: best_ask <
 *           px): the price moved against the position past our exit price,
 *           and the order only fills if it comes back.
 *           now - submitted >= exit_escalate_ns -> escalate (exit_timeout),
 *           synced or not
 *  exit     touch not synced                     -> none (not_synced): a
 *           take profit or signal exit does not take liquidity blind
 *           now - submitted >= exit_escalate_ns  -> escalate (exit_timeout)
 *  exits    otherwise                            -> none (waiting)
 *
 * Escalation price: with a synced touch, px is the far touch (best ask for a
 * buy, best bid for a sell) and has_px is true: the reference price of a
 * reduce-only market order for the veto gate's checks. Without a synced touch
 * has_px is false and px is 0: a market order with no reference price; the
 * veto gate and the sanity checks decide whether it may go (protective exits
 * are never blocked by the min-hold rule there, but the price checks are
 * theirs to make).
 *
 * A touch with best_bid <= 0 or best_bid >= best_ask is treated as not
 * synced (fail closed) and counted (touch_invalid_n).
 *
 * Thread: the engine thread. Allocates: in create only. No clock, no I/O.
 * Deterministic: the same inputs give the same action. Invariants (asserted,
 * the order state is ours): px > 0, 0 <= submitted_ns <= now_ns, replaces_n
 * >= 0, last_replace_ns -1 or within [submitted_ns, now_ns].
 */
#ifndef SC_EXEC_RETRY_H
#define SC_EXEC_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/time.h"
#include "market/event.h"
#include "risk/order.h"

/* Defaults and ceilings. TODO: these should become parameters exec.* in
 * core/params.h (exec.drift_ticks_max, exec.replaces_max, ...). */
enum {
    SC_RETRY_DRIFT_TICKS_DEFAULT = 2,
    SC_RETRY_DRIFT_TICKS_CEIL = 1000, /* 100 USD on BTCUSDT: beyond it, drift means nothing */
    SC_RETRY_REPLACES_DEFAULT = 5,
    SC_RETRY_REPLACES_CEIL = 100 /* Binance counts every order against the rate limit */
};
#define SC_RETRY_INTERVAL_NS_DEFAULT (250 * SC_NS_PER_MS)
#define SC_RETRY_INTERVAL_NS_FLOOR (10 * SC_NS_PER_MS) /* below: replaces outrun the acks */
#define SC_RETRY_INTERVAL_NS_CEIL (60 * SC_NS_PER_S)
#define SC_RETRY_GIVE_UP_NS_DEFAULT (30 * SC_NS_PER_S)
#define SC_RETRY_EXIT_ESCALATE_NS_DEFAULT (5 * SC_NS_PER_S)
#define SC_RETRY_WAIT_NS_FLOOR SC_NS_PER_MS
#define SC_RETRY_WAIT_NS_CEIL (300 * SC_NS_PER_S) /* the hard max hold */

typedef struct {
    int64_t drift_ticks_max;       /* 0..SC_RETRY_DRIFT_TICKS_CEIL */
    int32_t replaces_max;          /* 0..SC_RETRY_REPLACES_CEIL; 0 = never replace */
    sc_ns replace_interval_ns_min; /* FLOOR..CEIL */
    sc_ns give_up_ns;              /* entries: WAIT_NS_FLOOR..WAIT_NS_CEIL */
    sc_ns exit_escalate_ns;        /* exits: WAIT_NS_FLOOR..WAIT_NS_CEIL */
} sc_retry_config;

typedef enum {
    SC_RETRY_NONE = 0,
    SC_RETRY_CANCEL_REPLACE = 1, /* cancel, then post the same order at px */
    SC_RETRY_CANCEL = 2,         /* give up on the entry */
    SC_RETRY_ESCALATE = 3,       /* cancel, then send the rest as a taker order */
    SC_RETRY_ACTION_COUNT = 4
} sc_retry_action_kind;

typedef enum {
    SC_RETRY_R_CANCEL_PENDING = 0,
    SC_RETRY_R_NOT_SYNCED = 1,
    SC_RETRY_R_IN_RANGE = 2,
    SC_RETRY_R_INTERVAL = 3,
    SC_RETRY_R_WAITING = 4,
    SC_RETRY_R_DRIFT = 5,
    SC_RETRY_R_GIVE_UP_TIME = 6,
    SC_RETRY_R_REPLACES_SPENT = 7,
    SC_RETRY_R_EXIT_TIMEOUT = 8,
    SC_RETRY_R_THROUGH = 9,
    SC_RETRY_REASON_COUNT = 10
} sc_retry_reason;

/* The order as the caller knows it. */
typedef struct {
    sc_order_purpose purpose;
    sc_side side;
    sc_px px;              /* current limit price, > 0 */
    sc_ns submitted_ns;    /* first submission of this order (replaces keep it) */
    int32_t replaces_n;    /* cancel-replaces so far */
    sc_ns last_replace_ns; /* -1 before the first replace */
    bool cancel_pending;   /* a cancel (or a replace's cancel) awaits its answer */
} sc_retry_order;

typedef struct {
    bool synced; /* the book is in sync */
    sc_px best_bid;
    sc_px best_ask;
} sc_retry_touch;

typedef struct {
    sc_retry_action_kind kind;
    sc_retry_reason reason;
    sc_px px;        /* cancel_replace: the new limit; escalate: the reference (has_px) */
    bool has_px;     /* false: no price (none, cancel, escalate without a synced book) */
    const char *why; /* sc_retry_reason_str(reason), static */
} sc_retry_action;

typedef struct {
    int64_t decisions_n;
    int64_t actions_n[SC_RETRY_ACTION_COUNT];
    int64_t reasons_n[SC_RETRY_REASON_COUNT];
    int64_t touch_invalid_n; /* synced touches refused as invalid */
} sc_retry_stats;

typedef struct sc_retry sc_retry;

sc_retry_config sc_retry_config_default(void);
/* SC_ERR_INVALID_ARG for NULL arguments or a field outside its bounds. */
sc_err sc_retry_create(const sc_retry_config *cfg, sc_retry **out);
void sc_retry_destroy(sc_retry *r);

/* The one action for order o at now_ns with touch t; counts it. */
sc_retry_action sc_retry_decide(sc_retry *r, const sc_retry_order *o, const sc_retry_touch *t,
                                sc_ns now_ns);
sc_retry_stats sc_retry_stats_get(const sc_retry *r);

const char *sc_retry_action_name(sc_retry_action_kind k);
const char *sc_retry_reason_name(sc_retry_reason why);
const char *sc_retry_reason_str(sc_retry_reason why);

#endif
