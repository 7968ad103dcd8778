/* order_manager.h: OrderManager, the lifecycle of every order we send.
 *
 * Lifecycle (design.md §7):
 *   new -> submitting -> open -> partially_filled -> filled | canceled | rejected | expired
 * plus unknown, for an outcome we do not know (a request timed out). An
 * unknown order is never re-sent: the caller queries it, and the query result
 * (or late news from the user stream) resolves it.
 *
 * Events come in from the gateway (the paper simulator now, Binance later) as
 * sc_order_event values. Each event is classified into one column of the
 * transition table below: a fill is "fill<" when it leaves quantity open and
 * "fill=" when it completes the order; a query result is split by the status
 * it reports. The table is written once, as a 2D array in order_manager.c.
 *
 *               sent ack  fill< fill= c_ack rej  exp  tmo  | q_open q_part q_fill q_canc q_exp q_nf
 *   new         SUB  X    X     X     X     X    X    X    | X      X      X      X      X     X
 *   submitting  X    OPN  PRT   FIL   CAN   REJ  EXP  UNK  | X      X      X      X      X     X
 *   open        X    s    PRT   FIL   CAN   a    EXP  UNK* | s      s      s      s      s     s
 *   part_filled X    s    PRT   FIL   CAN   a    EXP  UNK* | s      s      s      s      s     s
 *   filled      X    s    X!    X!    a     a    a    X    | s      s      s      s      s     s
 *   canceled    X    s    aCAN  aFIL  s     a    a    X    | s      s      s      s      s     s
 *   rejected    X    aOPN aPRT  aFIL  aCAN  s    aEXP X    | s      s      s      s      s     s
 *   expired     X    s    aEXP  aFIL  a     a    s    X    | s      s      s      s      s     s
 *   unknown     X    OPN  PRT   FIL   CAN   REJ  EXP  UNK  | OPN    PRT    FIL    CAN    EXP   REJ
 *
 *   NAME  legal: go to that state (SUB OPN PRT FIL CAN REJ EXP UNK)
 *   s     stale: old or duplicate news, ignored and counted (SC_ORDER_STALE).
 *         e.g. the REST answer "NEW" after the user stream already reported
 *         a fill; both the REST answer and the stream event of a cancel.
 *   a     anomaly: the exchange contradicts what we know. Recorded on the
 *         order and counted (SC_ORDER_ANOMALY), never asserted: it is outside
 *         input, and a race that Binance can produce. "aNAME" moves to NAME,
 *         a bare "a" keeps the state. Fills are always applied, because the
 *         position they change is real:
 *          - a fill after canceled/expired: the fill happened before the
 *            cancel, and the REST cancel answer overtook the stream's trade.
 *            The state stays; a fill completing the quantity makes it filled.
 *          - news of an order we took as rejected: only reachable when a
 *            query said "not found" while the order was still in flight.
 *            The order is alive after all, so we follow the exchange.
 *          - cancel/reject/expire of an order that is already final
 *            otherwise: kept as is, recorded.
 *   X     illegal: SC_ASSERT fails. These are the transitions our own code
 *         drives, or news for an order that was never sent:
 *          - sent only from new (the gateway sends an order once);
 *          - any exchange news while new (we sent nothing: a routing bug);
 *          - timeout only while a request of ours is outstanding; from open
 *            and partially_filled (UNK*) only when a cancel was requested;
 *          - a query result while new or submitting (we query unknown orders
 *            only, and an order leaves submitting before it can be unknown);
 *          - X!: any fill of a filled order, and in every state a fill that
 *            takes the filled quantity past the order's (overfill: the
 *            exchange never overfills, so the gateway counted a trade twice).
 *
 * A query result reaching an order that is no longer unknown is stale: the
 * user stream resolved it first. "not found" resolves to rejected (the order
 * never reached the book); the caller should only trust it after a grace
 * period (see the reference §3.5: GET order may lag a placement).
 *
 * Outside input is validated, not asserted: a fill of quantity or price <= 0,
 * a query whose cumulative quantity does not fit its status, or a cumulative
 * quantity below what we already counted returns SC_ERR_INVALID_ARG and
 * changes nothing.
 *
 * Client order ids: "<prefix>-<p>-<seq>", p the purpose letter (e entry,
 * x exit, p protective exit, f flatten) and seq the manager's sequence number,
 * zero padded to 6 digits (more when it grows). The prefix is 1..16 of
 * [A-Za-z0-9] from the config (the run id or the seed) and may not begin with
 * Binance's own "autoclose", "adl" or "settlement". At most 16+1+1+1+12 = 31
 * characters, within sc_client_id_valid. Ids are assigned at add, before
 * anything is sent, unique within a run, and the same for the same prefix,
 * seq_start and sequence of adds.
 *
 * Table: orders_max slots. A new order takes a free slot, or else the slot of
 * the oldest final order (smallest seq). When every slot holds a live order,
 * add refuses with SC_ERR_FULL and counts the refusal (fail closed). An order
 * whose slot was recycled is no longer found (SC_ERR_NOT_FOUND).
 *
 * Thread: the engine thread. Allocates: in create only. No clock: every time
 * is passed in. Deterministic: the same calls give the same state and ids.
 * Invariants (asserted): 0 <= filled <= qty; filled 0 <=> cost 0; a slot's
 * state is a valid state; live_n equals the live orders in the table.
 */
#ifndef SC_EXEC_ORDER_MANAGER_H
#define SC_EXEC_ORDER_MANAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/time.h"
#include "risk/order.h"

enum {
    SC_ORDER_MANAGER_ORDERS_DEFAULT = 64,
    SC_ORDER_MANAGER_ORDERS_MAX = 4096, /* linear scans stay cheap below this */
    SC_ORDER_PREFIX_MAX = 16,           /* leaves room for "-p-" and 12 digits */
    SC_ORDER_SEQ_DIGITS_MIN = 6,
    SC_ORDER_SEQ_DIGITS_MAX = 12,
    SC_ORDER_REJECT_MSG_MAX = 64 /* kept text of a reject message, cut beyond */
};
#define SC_ORDER_SEQ_MAX INT64_C(999999999999) /* 12 digits; past it add says SC_ERR_LIMIT */

typedef enum {
    SC_ORDER_NEW = 0,
    SC_ORDER_SUBMITTING = 1,
    SC_ORDER_OPEN = 2,
    SC_ORDER_PARTIALLY_FILLED = 3,
    SC_ORDER_FILLED = 4,
    SC_ORDER_CANCELED = 5,
    SC_ORDER_REJECTED = 6,
    SC_ORDER_EXPIRED = 7,
    SC_ORDER_UNKNOWN = 8,
    SC_ORDER_STATE_COUNT = 9
} sc_order_state;

typedef enum {
    SC_ORDER_EV_SUBMIT_SENT = 0, /* ours: the request left for the exchange */
    SC_ORDER_EV_ACK = 1,         /* exchange: accepted, status NEW; exch_order_id */
    SC_ORDER_EV_FILL = 2,        /* exchange: one trade; fill */
    SC_ORDER_EV_CANCEL_ACK = 3,  /* exchange: status CANCELED */
    SC_ORDER_EV_REJECT = 4,      /* exchange: the placement was refused; reject */
    SC_ORDER_EV_EXPIRE = 5,      /* exchange: status EXPIRED (IOC rest, GTX, STP...) */
    SC_ORDER_EV_TIMEOUT = 6,     /* ours: a request got no answer in time */
    SC_ORDER_EV_QUERY = 7,       /* exchange: answer to our query; query */
    SC_ORDER_EV_KIND_COUNT = 8
} sc_order_event_kind;

/* Columns of the transition table. */
typedef enum {
    SC_ORDER_COL_SENT = 0,
    SC_ORDER_COL_ACK = 1,
    SC_ORDER_COL_FILL_PART = 2,
    SC_ORDER_COL_FILL_FULL = 3,
    SC_ORDER_COL_CANCEL_ACK = 4,
    SC_ORDER_COL_REJECT = 5,
    SC_ORDER_COL_EXPIRE = 6,
    SC_ORDER_COL_TIMEOUT = 7,
    SC_ORDER_COL_Q_OPEN = 8,
    SC_ORDER_COL_Q_PART = 9,
    SC_ORDER_COL_Q_FILLED = 10,
    SC_ORDER_COL_Q_CANCELED = 11,
    SC_ORDER_COL_Q_EXPIRED = 12,
    SC_ORDER_COL_Q_NOT_FOUND = 13,
    SC_ORDER_COL_COUNT = 14
} sc_order_col;

/* What a query reported. */
typedef enum {
    SC_ORDER_QS_OPEN = 0, /* NEW */
    SC_ORDER_QS_PARTIALLY_FILLED = 1,
    SC_ORDER_QS_FILLED = 2,
    SC_ORDER_QS_CANCELED = 3,
    SC_ORDER_QS_EXPIRED = 4,
    SC_ORDER_QS_NOT_FOUND = 5 /* -2013: never reached the book */
} sc_order_query_status;

/* How an event was taken. */
typedef enum {
    SC_ORDER_APPLIED = 0, /* a legal transition (possibly to the same state) */
    SC_ORDER_STALE = 1,   /* old or duplicate news: ignored, counted */
    SC_ORDER_ANOMALY = 2  /* the exchange contradicts us: applied as the table says, recorded */
} sc_order_outcome;

/* The kind of a table cell, for introspection and tests. */
typedef enum {
    SC_ORDER_CELL_ILLEGAL = 0,
    SC_ORDER_CELL_LEGAL = 1,
    SC_ORDER_CELL_STALE = 2,
    SC_ORDER_CELL_ANOMALY = 3
} sc_order_cell_kind;

typedef struct {
    sc_order_cell_kind kind;
    sc_order_state next; /* the state after the event (the same one for stale) */
} sc_order_cell;

typedef struct {
    sc_order_event_kind kind;
    sc_ns ts_ns;           /* when the engine took the event; >= 0 */
    int64_t exch_order_id; /* any event: Binance orderId (i), 0 if not given; kept once known */
    struct {
        sc_qty qty; /* > 0 */
        sc_px px;   /* > 0 */
        bool maker;
        sc_money fee; /* commission of this fill (negative for a rebate) */
    } fill;
    struct {
        int32_t code;    /* Binance error code, e.g. -5022 */
        const char *msg; /* may be NULL; copied, cut at SC_ORDER_REJECT_MSG_MAX */
    } reject;
    struct {
        sc_order_query_status status;
        sc_qty cum_qty;               /* executedQty */
        int64_t cum_cost_ticks_steps; /* exact sum of fill px x qty (from the trades) */
    } query;
} sc_order_event;

/* One order as the manager keeps it. Read through sc_order_manager_get. */
typedef struct {
    int64_t seq;
    sc_order_intent intent; /* client_id set by the manager */
    sc_order_state state;
    sc_qty filled;
    int64_t cost_ticks_steps; /* exact: sum of fill px ticks x qty steps */
    sc_money fee;             /* sum of fill commissions */
    int32_t fills_n;
    int32_t maker_fills_n;
    int64_t exch_order_id; /* 0 until known */
    /* When the order first entered each state; -1 when it never did. */
    sc_ns entered_ns[SC_ORDER_STATE_COUNT];
    sc_ns last_event_ns;
    bool cancel_requested;
    sc_ns cancel_requested_ns; /* -1 when not requested */
    int32_t reject_code;
    char reject_msg[SC_ORDER_REJECT_MSG_MAX + 1];
    int32_t stale_n;
    int32_t anomalies_n;
    sc_order_col last_anomaly_col;     /* valid when anomalies_n > 0 */
    sc_order_state last_anomaly_state; /* the state the anomaly arrived in */
} sc_order_rec;

typedef struct {
    char id_prefix[SC_ORDER_PREFIX_MAX + 1]; /* required: 1..16 of [A-Za-z0-9] */
    uint32_t orders_max;                     /* 0 = default; 1..SC_ORDER_MANAGER_ORDERS_MAX */
    int64_t seq_start; /* first sequence number; 0 = 1 (a restart continues past the last) */
} sc_order_manager_config;

typedef struct {
    int64_t added_n;
    int64_t refused_full_n; /* adds refused because every slot held a live order */
    int64_t stale_n;
    int64_t anomalies_n;
    int64_t live_n;
} sc_order_manager_stats;

typedef struct sc_order_manager sc_order_manager;

/* SC_ERR_INVALID_ARG for a bad config (prefix, orders_max, seq_start). */
sc_err sc_order_manager_create(const sc_order_manager_config *cfg, sc_order_manager **out);
void sc_order_manager_destroy(sc_order_manager *m);

/* Takes an intent (its client_id is ignored and assigned here) in state new
 * at ts_ns. *seq_out is the order's handle. SC_ERR_INVALID_ARG for qty <= 0
 * or px < 0; SC_ERR_FULL when every slot is live; SC_ERR_LIMIT when the
 * sequence is spent. On error nothing changes and no sequence is used. */
sc_err sc_order_manager_add(sc_order_manager *m, const sc_order_intent *intent, sc_ns ts_ns,
                            int64_t *seq_out);

/* Applies one event to order seq, as the table says (illegal: assertion).
 * SC_ERR_NOT_FOUND for an unknown seq, SC_ERR_INVALID_ARG for bad event
 * data, SC_ERR_OVERFLOW when the cost or fee sum does not fit; then nothing
 * changes. *outcome (may be NULL) says how it was taken. */
sc_err sc_order_manager_apply(sc_order_manager *m, int64_t seq, const sc_order_event *ev,
                              sc_order_outcome *outcome);

/* Marks that we asked the exchange to cancel. Only while open or partially
 * filled (else SC_ERR_STATE, nothing changes); asking twice is fine. The
 * state moves when the cancel_ack arrives. */
sc_err sc_order_manager_request_cancel(sc_order_manager *m, int64_t seq, sc_ns ts_ns);

/* The order, or NULL when seq is not in the table. Valid until the next add. */
const sc_order_rec *sc_order_manager_get(const sc_order_manager *m, int64_t seq);
/* SC_ERR_NOT_FOUND when no order in the table has this client id. */
sc_err sc_order_manager_find(const sc_order_manager *m, const char *client_id, int64_t *seq_out);

/* Seqs of live orders (not final), ascending, at most cap; returns how many
 * there are in all (more than cap means the list was cut). */
size_t sc_order_manager_live(const sc_order_manager *m, int64_t *seqs, size_t cap);
/* True when an entry order is new, submitting, open, partially filled or
 * unknown (unknown counts: it may be working). */
bool sc_order_manager_working_entry(const sc_order_manager *m);
/* Orders in the table in state s. */
size_t sc_order_manager_count(const sc_order_manager *m, sc_order_state s);
sc_order_manager_stats sc_order_manager_stats_get(const sc_order_manager *m);

/* The table cell for (state, column). */
sc_order_cell sc_order_manager_cell(sc_order_state s, sc_order_col c);
/* The column an event falls in for order o (a fill is split by whether it
 * completes o, a query by its status). */
sc_order_col sc_order_manager_column(const sc_order_rec *o, const sc_order_event *ev);

bool sc_order_state_is_final(sc_order_state s);
const char *sc_order_state_name(sc_order_state s);
const char *sc_order_col_name(sc_order_col c);
/* Formats the client id of (prefix, purpose, seq) into buf; false when it
 * does not fit or the result is not a valid Binance id. */
bool sc_order_client_id_format(const char *prefix, sc_order_purpose p, int64_t seq, char *buf,
                               size_t cap);

#endif
