/* paper.h: paper trading, the risk hierarchy and the simulated execution
 * wired together inside the engine (design.md §2 steps 5-6, §6, §7).
 *
 * Inputs are the engine's: captured messages (sc_paper_on_message: decoded
 * once for the book, the fill simulator, the metrics and the protective
 * checks, and once more by engine/capture_bars.h for the candles of the
 * strategy), or decoded events (sc_paper_on_event: market only, no candles,
 * no strategy) plus decisions given from outside (sc_paper_on_decision: the
 * property tests' adversarial advisor).
 *
 * The strategy is engine/decision_path.h with external_position set: before
 * each closed candle it is given the real paper position; its accepted
 * decisions come back here and are acted on. (Its signal-study position is
 * off; that is the minimal hook added to decision_path.)
 *
 * Every order, whatever its origin, is an sc_order_intent that goes through
 * sc_veto_check with:
 *   kill switch   sc_killswitch_is_tripped at the event time;
 *   forbidden     the book (sync, touch, crossed), the time of its last
 *                 applied update, the largest mid move within
 *                 forbidden.vol_window_s (NaN until that much history), the
 *                 clock offset known and 0 (replay), news off, hooks unknown;
 *   rulebook      equity, start-of-day and peak equity and the losing
 *                 streak from risk/metrics.h;
 *   sanity        the default exchange filters; entry_working from the order
 *                 manager;
 *   AI            the advisor's answer and verdict (none for the engine's
 *                 own protective exits and flatten orders).
 * Allowed: the order manager takes it (new -> submitting) and the fill
 * simulator gets it; its reports become order-manager events (ack, fill,
 * reject, expire, cancel ack) and fills go to the metrics (fees). Marks go
 * to the metrics (funding); without a markPrice stream, the touch an open
 * position would close at is its mark (no funding). After every event the metrics feed the kill
 * switch's daily-loss, drawdown and losing-streak triggers, and (once the
 * book has been in sync) the data-integrity trigger.
 *
 * Orders:
 *   entry        LIMIT at the signal's price, GTX for a maker signal, IOC
 *                for a taker one; qty max(1, floor(signal qty x advisor
 *                size fraction)); the signal's stop and target.
 *   exit         take profit or signal exit: reduce-only LIMIT GTX at the
 *                own-side touch (the signal's price when the book is out).
 *   protective   stop loss, trailing stop, max hold (from the strategy's
 *                exit check, or found here per event: the touch through the
 *                position's stop, or sc_rulebook_max_hold_due): reduce-only
 *                MARKET, reference price the far touch.
 *   flatten      the kill switch asks for it: every live order is canceled
 *                and the position is closed by a reduce-only MARKET order;
 *                the latched actions are acknowledged once flat with no
 *                live order. sc_paper_stop (a shutdown) takes the same
 *                path without a trip.
 * Retry (exec/retry.h), per event, for each resting LIMIT order: a
 * cancel-replace sends the cancel and, once its answer arrived, the same
 * order at the new price through the veto gate again; a give-up cancels;
 * an escalation cancels and then sends the remainder as a reduce-only
 * MARKET protective exit.
 *
 * Records (vetoes, order events, fills with their fee, closed trades,
 * kill-switch trips) go to a bounded ring the caller drains with
 * sc_paper_next_record after each call; at the limit the oldest is
 * overwritten and counted in records_lost. Every record is also folded into
 * event_hash (FNV-1a 64), lost or not, so two runs compare in one number.
 *
 * Decisions (the DecisionLogger's input): each decision the strategy hands
 * over, and each one given to sc_paper_on_decision, is passed to
 * cfg.on_decision exactly once, synchronously, with its whole context (the
 * decision path's record, the candle's feature row, the order intent built
 * from it and the veto gate's verdict), after the gate judged it and BEFORE
 * any order it leads to reaches the order manager; a decision that builds
 * no intent (an exit with nothing to close or another exit working) is
 * passed with gated false and a note. When the callback returns false (the
 * logger could not take it), an entry from that decision is not sent (fail
 * closed: a NOT_SENT record says why, decisions_unlogged counts it); exits
 * still go, since they only reduce risk.
 *
 * Clock: the capture's local receive time (ts_local_ns) for everything
 * (fill simulator, metrics, kill switch, veto), never a wall clock.
 *
 * Thread: the engine thread. Allocates: in create only. No clock, no I/O.
 * Deterministic: the same inputs and config give the same records.
 * Invariants (asserted): the paper position equals the metrics' position;
 * |position| <= the rulebook's max position; every record has a reason.
 */
#ifndef SC_ENGINE_PAPER_H
#define SC_ENGINE_PAPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ai/advisor.h"
#include "ai/decision.h"
#include "core/err.h"
#include "core/instrument.h"
#include "core/params.h"
#include "engine/decision_path.h"
#include "engine/feature_row.h"
#include "exec/order_manager.h"
#include "market/event.h"
#include "risk/killswitch.h"
#include "risk/metrics.h"
#include "risk/order.h"
#include "risk/rulebook.h"
#include "risk/veto.h"
#include "risk/veto_reason.h"
#include "strategy/signal.h"

enum {
    SC_PAPER_RECORDS_MAX = 4096,   /* the ring; drain after every call */
    SC_PAPER_TRACKED_MAX = 32,     /* live orders followed for retry */
    SC_PAPER_VOL_SECONDS_MAX = 301 /* forbidden.vol_window_s is at most 300 */
};

typedef enum {
    SC_PAPER_REC_VETO = 0,        /* an intent the gate refused */
    SC_PAPER_REC_ORDER = 1,       /* an order-manager step of one of our orders */
    SC_PAPER_REC_KILL_SWITCH = 2, /* a trip */
    SC_PAPER_REC_NOT_SENT = 3,    /* allowed, but the manager, simulator or logger refused it */
    SC_PAPER_REC_FILL = 4,        /* a fill of one of our orders, with its fee */
    SC_PAPER_REC_TRADE = 5        /* a round trip closed (after its FILL) */
} sc_paper_rec_kind;
enum { SC_PAPER_REC_KIND_COUNT = 6 };

typedef struct {
    sc_paper_rec_kind kind;
    sc_ns ts_ns;
    int64_t seq; /* order seq (ORDER, NOT_SENT); 0 otherwise */
    sc_order_purpose purpose;
    sc_side side;
    sc_order_type type;
    sc_px px;
    sc_qty qty;
    /* VETO */
    sc_veto_level level;
    sc_veto_reason reason;
    double value;
    double limit;
    const char *unit; /* a string literal */
    char detail[SC_VETO_DETAIL_MAX];
    /* ORDER */
    sc_order_event_kind ev_kind;
    sc_order_state from;
    sc_order_state to;
    sc_order_col col;
    sc_order_outcome outcome;
    sc_qty fill_qty; /* FILL */
    sc_px fill_px;
    bool maker;
    /* KILL_SWITCH */
    sc_ks_trigger trigger;
    /* VETO, NOT_SENT: the decision (sc_paper_decision.id) the intent was
     * built from; 0 for the engine's own orders and retries. TRADE: the
     * decision that sent the entry order (0 when not known). */
    int64_t decision_id;
    /* FILL (seq, side, fill_qty, fill_px, maker as above) */
    sc_money fee;             /* negative: a rebate */
    int64_t pos_before_steps; /* signed position before and after the fill */
    int64_t pos_after_steps;
    /* TRADE */
    sc_risk_trade trade;
    sc_regime regime; /* at the entry decision (unknown without a strategy) */
} sc_paper_record;

/* One decision at the moment it is judged (see "Decisions" above). The
 * pointers are valid during the callback only. */
typedef struct {
    int64_t id;                       /* 1, 2, ... per engine */
    sc_ns ts_ns;                      /* engine time: the message that closed the candle */
    const sc_dp_record *dp;           /* the decision path's record; NULL from on_decision */
    const sc_decision_path *path;     /* for sc_decision_path_format_json; NULL likewise */
    const sc_feature_row *features;   /* the candle's row; NULL likewise */
    const sc_signal *signal;          /* required */
    const sc_decision_answer *answer; /* NULL when no advisor was asked */
    const sc_decision_verdict *verdict;
    sc_position position;          /* before the decision */
    bool gated;                    /* an intent was built and judged */
    const sc_order_intent *intent; /* gated only */
    const sc_veto_verdict *veto;   /* gated only: the gate's verdict */
    const char *note;              /* not gated: why; "" otherwise */
} sc_paper_decision;

/* Returns true when the decision was taken (logged or queued). */
typedef bool (*sc_paper_decision_fn)(void *ctx, const sc_paper_decision *d);

typedef struct {
    const sc_instrument *ins;         /* required: usdm:BTCUSDT-like (linear) */
    const sc_params *params;          /* required, valid */
    const sc_rulebook_limits *limits; /* NULL: the hard limits */
    sc_money start_equity;            /* > 0 */
    int64_t maker_fee_bps_x100;       /* fill_sim.h */
    int64_t taker_fee_bps_x100;
    sc_ns latency_ns;
    sc_ns jitter_ns;
    uint64_t seed;
    const char *id_prefix; /* client id prefix, 1..16 of [A-Za-z0-9] */
    /* The strategy on candles of tf_ns (on_message only); false: no strategy
     * (decisions come through sc_paper_on_decision). */
    bool strategy;
    sc_ns tf_ns;
    const sc_advisor_config *advisor; /* strategy's advisor; NULL = rules */
    uint32_t book_window_ticks;       /* 0 = the book's default */
    /* L2 (captures, sc_paper_on_message) or BARS (candles: sc_paper_on_bar_*;
     * strategy required; bars_flow as in engine/decision_path.h). */
    sc_dp_fidelity fidelity;
    bool bars_flow;
    sc_paper_decision_fn on_decision; /* NULL: decisions are not passed on */
    void *decision_ctx;
} sc_paper_config;

typedef struct {
    uint64_t messages;
    uint64_t bars;
    uint64_t decisions; /* decisions the strategy or the caller handed in */
    uint64_t intents;   /* intents built */
    uint64_t allowed;   /* passed the gate */
    uint64_t vetoed;    /* refused by it */
    uint64_t vetoed_by_level[SC_VETO_LEVEL_COUNT];
    uint64_t not_sent;           /* allowed but refused by the manager, simulator or logger */
    uint64_t decisions_unlogged; /* on_decision returned false */
    uint64_t fills;
    uint64_t entries_filled; /* orders of purpose entry with a fill */
    uint64_t protective;     /* protective exits allowed */
    uint64_t flattens;       /* flatten orders allowed */
    uint64_t replaces;       /* cancel-replaces sent */
    uint64_t escalations;
    uint64_t ks_trips;
    uint64_t records;
    uint64_t records_lost;
    uint64_t errors;     /* market events a module refused (counted, skipped) */
    uint64_t book_marks; /* marks taken from the touch (no markPrice stream; paper.c) */
    int64_t max_abs_position_steps;
    uint64_t event_hash; /* FNV-1a 64 over every record */
} sc_paper_stats;

typedef struct sc_paper sc_paper;

/* SC_ERR_INVALID_ARG for a bad config; the modules' errors otherwise. */
sc_err sc_paper_create(const sc_paper_config *cfg, sc_paper **out);
void sc_paper_destroy(sc_paper *p);

/* One captured message (as engine/capture_bars.h). A malformed message is
 * the decoder's error (err filled); nothing changes then. */
sc_err sc_paper_on_message(sc_paper *p, sc_ns ts_local_ns, const char *json, size_t len,
                           sc_errinfo *err);
/* The event the last sc_paper_on_message decoded (valid until the next
 * call), or NULL when it failed: a caller that also wants the message's
 * prices need not decode it again. */
const sc_event *sc_paper_last_event(const sc_paper *p);
/* One decoded market event at ev->ts_local_ns (no candles). */
void sc_paper_on_event(sc_paper *p, const sc_event *ev);
/* A decision on sig at now_ns (the advisor's answer and verdict; both NULL
 * when none). Entries and exits are built and acted on as above. */
void sc_paper_on_decision(sc_paper *p, sc_ns now_ns, const sc_signal *sig,
                          const sc_decision_answer *ans, const sc_decision_verdict *why);
/* Bars fidelity (cfg.fidelity BARS). One closed input candle (a kline): its
 * synthetic market events (engine/bar_events.h: the path as trades at a
 * moving one-level-per-tick book, a mark at the close) go through the event
 * path above, so resting orders fill when the path trades through them and
 * the protective checks and the kill switch see every point. SC_ERR_RANGE:
 * a candle bar_events refuses (nothing changes, counted in errors). */
sc_err sc_paper_on_bar_events(sc_paper *p, const sc_candle *k);
/* Bars fidelity. A closed candle of the strategy's timeframe (the klines
 * merged up, or a kline itself), decided on at its close: the decision path
 * at bars fidelity, with the real paper position; its decisions are acted
 * on at the close's time. Call after the events of the last kline inside
 * it. Errors are the decision path's (counted, nothing changes). */
sc_err sc_paper_on_bar_close(sc_paper *p, const sc_candle *k, sc_errinfo *err);
/* A timer tick at now_ns with no market event (protective checks, kill
 * switch, retries). */
void sc_paper_on_timer(sc_paper *p, sc_ns now_ns);
/* Operator trip (tests). */
void sc_paper_kill(sc_paper *p, sc_ns now_ns, const char *reason);
/* Shutdown (engine/shutdown.h): from now_ns on, entries are refused and
 * the flatten path above runs as for a kill-switch trip (cancel every live
 * order, close the position reduce-only), without tripping the switch: a
 * shutdown is not a fault, and the switch's trip is what persists across
 * restarts. Irreversible for this engine. */
void sc_paper_stop(sc_paper *p, sc_ns now_ns);
bool sc_paper_stopping(const sc_paper *p);
/* End of input (strategy: closes the candles). */
void sc_paper_finish(sc_paper *p);

bool sc_paper_next_record(sc_paper *p, sc_paper_record *out);
void sc_paper_get_stats(const sc_paper *p, sc_paper_stats *out);
sc_position sc_paper_position(const sc_paper *p);
void sc_paper_metrics(const sc_paper *p, sc_risk_metrics_snapshot *out);
bool sc_paper_killed(const sc_paper *p, sc_ns now_ns);
size_t sc_paper_live_orders(const sc_paper *p);
const sc_order_manager *sc_paper_orders(const sc_paper *p);
const sc_rulebook *sc_paper_rulebook(const sc_paper *p);

const char *sc_paper_rec_kind_name(sc_paper_rec_kind k);

#endif
