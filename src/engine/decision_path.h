/* decision_path.h: the strategy layer wired end to end, one closed candle
 * at a time: features -> regime and structure -> strategy signal -> advisor
 * -> a recorded decision (design.md §2, steps 2-4 and 7; the veto gate and
 * the order manager of steps 5-6 come with the next issue).
 *
 * Per closed candle of the chosen timeframe (sc_decision_path_on_bar), in
 * this order:
 *   1. the feature pipeline (engine/feature_row.h) takes the candle and the
 *      book sampled at its close (captures; NULL for klines);
 *   2. the SMCDetector takes the same candle; its events are recorded, and
 *      its bias is the strategy's htf_bias;
 *   3. the RegimeDetector takes the row: mid = book mid at the close when a
 *      book exists, else the close; EMA 9 / EMA 50; the realized-volatility
 *      percentile; spread and depth within 10 bps when a book exists. A
 *      regime change is recorded with its reason;
 *   4. the signal-study position (below) takes the candle: a working entry
 *      fills or expires;
 *   5. an advisor answer still pending from an earlier candle is polled at
 *      this candle's close (it is late or abandoned unless the timeframe is
 *      within ai.deadline_ms); while one is pending nothing new is asked;
 *   6. with a position: sc_strategy_check_exit; flat: sc_strategy_evaluate.
 *      A signal (entry or exit) is sent to the advisor through the
 *      sc_advisor driver with the candle's close as the event time, and the
 *      decision is recorded: time, candle, signal (kind, score, reasons),
 *      the advisor's answer and verdict (action, reason code, clamps), the
 *      position, regime, SMC bias, parameter version and hash.
 * Event time is the candle's close (open + timeframe): the first instant
 * the candle and the book sample are known. A synchronous advisor (rules)
 * answers at that time.
 *
 * Strategy inputs from one candle (everything a bar can say; the windows of
 * strategy.ofi_window_ms and strategy.flow_window_ms become the last
 * k = ceil(window / timeframe) candle buckets ending at this close, at least
 * this candle):
 *   touch, imbalance     the book sample at the close (top-5 imbalance;
 *                        strategy.imbalance_levels is not honoured: the
 *                        sample has 5 levels);
 *   queue (OFI)          sum over the k buckets of each candle's OFI and of
 *                        its gross (sum of |e|); ready only when all k
 *                        buckets have a candle whose OFI is valid (a bucket
 *                        without trades has no candle, and its book changes
 *                        were not summed);
 *   trade flow           (buy - sell) / (buy + sell) over the candles of the
 *                        k buckets (a missing bucket had no trades); ready
 *                        when each of them has the aggressor split;
 *   momentum             EMA 9 and EMA 21 of the closes, RSI 14, ATR 14;
 *   mean reversion       Bollinger %B 20x2 and the distance to the session
 *                        VWAP;
 *   volatility class     vol_regime of the row; last trade = the close.
 *
 * Fidelity. SC_DP_FIDELITY_L2 (captures): the inputs above.
 * SC_DP_FIDELITY_BARS (klines, no book): the touch is the close: bid =
 * close, ask = close + 1 tick, 1 step each; book imbalance and OFI do not
 * exist, so strategy.w_imbalance and strategy.w_ofi are taken as 0 for the
 * whole run (the effective parameters differ from the named version only in
 * those weights; effective_hash says so), and strategy.w_trade_flow is kept
 * when bars_flow is set (the klines carry the taker-buy volume: the flow is
 * the taker split over the window) and taken as 0 otherwise. The regime has
 * no spread or depth (never illiquid). Whatever reads a bars run must say
 * "bars fidelity".
 *
 * Signal-study position. THIS IS NOT A BACKTEST: no fees, no queue, no
 * latency, no risk checks, no PnL. It exists only so that exits and the
 * advisor's position-consistency check are exercised. An accepted entry
 * (the advisor's action equals the signal's side) places one order at the
 * signal's proposed price; it fills on the next candle received if that
 * candle trades through the price (a maker buy: low < price; a taker buy:
 * low <= price; sells the mirror), at the price, stamped at that candle's
 * close, else it expires. Size = max(1, floor(signal qty x size_fraction)).
 * The position keeps the signal's stop and target. Each later close asks
 * sc_strategy_check_exit (with the close as the last trade); an accepted
 * exit closes the position at the exit signal's price (the touch; the close
 * when the book is out of sync). An advisor entry of the other side, or an
 * exit without a position, is recorded and not acted on.
 *
 * Records go to the caller's callback as they happen, in a fixed order per
 * candle: SMC events, the regime change, position events (fill, expiry),
 * decisions, the position close. Pointers inside a record are valid during
 * the callback only. sc_decision_path_format_json writes one record as one
 * JSON object (no newline), deterministically.
 *
 * Thread: the engine thread (one owner). Allocates: in create only (the
 * pipeline, the detectors, the strategy, the rules advisor, the driver);
 * never afterwards. No clock, no I/O. Deterministic: the same bars and
 * parameters give the same records, byte for byte.
 * Invariants (asserted): candle closes strictly increase; at most one
 * request is pending; the position has qty > 0 exactly when it is not flat;
 * every decision carries the parameter version.
 */
#ifndef SC_ENGINE_DECISION_PATH_H
#define SC_ENGINE_DECISION_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ai/advisor.h"
#include "ai/decision.h"
#include "core/err.h"
#include "core/hash.h"
#include "core/instrument.h"
#include "core/params.h"
#include "engine/feature_row.h"
#include "market/candles.h"
#include "strategy/regime.h"
#include "strategy/signal.h"
#include "strategy/smc.h"
#include "strategy/strategy.h"

enum {
    /* Candle buckets of the OFI and flow windows: the largest window
     * (strategy.flow_window_ms 120000) at the finest timeframe (1 s). */
    SC_DP_WINDOW_BARS_MAX = 128,
    /* One JSON record: 8 reasons and a 1000-byte advisor reason, each byte
     * escaped at worst to 6, and the fixed fields. */
    SC_DP_JSON_MAX = 32768
};

typedef enum { SC_DP_FIDELITY_L2 = 0, SC_DP_FIDELITY_BARS = 1 } sc_dp_fidelity;

typedef enum {
    SC_DP_REC_DECISION = 0,   /* a signal, the advisor's answer and verdict */
    SC_DP_REC_EVALUATION = 1, /* a candle without a decision (record_all only) */
    SC_DP_REC_REGIME = 2,     /* a regime change */
    SC_DP_REC_SMC = 3,        /* an SMC event */
    SC_DP_REC_POSITION = 4    /* a signal-study position event */
} sc_dp_record_kind;
enum { SC_DP_REC_KIND_COUNT = 5 };

typedef enum {
    SC_DP_POS_ORDER = 0,   /* an accepted entry placed its order */
    SC_DP_POS_FILL = 1,    /* it filled */
    SC_DP_POS_EXPIRED = 2, /* the next candle did not trade through it */
    SC_DP_POS_CLOSE = 3    /* an accepted exit closed the position */
} sc_dp_pos_event;
enum { SC_DP_POS_EVENT_COUNT = 4 };

/* One record; the fields of its kind are set, the rest are zero / NULL. */
typedef struct {
    sc_dp_record_kind kind;
    sc_ns ts_ns; /* event time: the close of the candle that produced it */
    int64_t params_version;
    sc_regime regime; /* current after this candle */
    sc_bias bias;     /* SMC bias after this candle */
    const sc_candle *candle;
    /* DECISION (signal, answer, verdict, position, acted, note) and
     * EVALUATION (eval when flat and evaluated, note) */
    const sc_signal *signal;
    const sc_decision_answer *answer;
    const sc_decision_verdict *verdict;
    sc_decision_side position; /* before the decision */
    bool acted;                /* the study acted on it */
    const char *note;          /* why it was not acted on, or the state; "" when none */
    const sc_strategy_eval *eval;
    /* REGIME */
    const sc_regime_change *change;
    /* SMC */
    const sc_smc_event *smc;
    /* POSITION */
    sc_dp_pos_event pos_event;
    sc_decision_side pos_side;
    sc_px pos_px;
    sc_qty pos_qty;
    sc_exit_reason exit_reason; /* CLOSE */
} sc_dp_record;

typedef void (*sc_dp_record_fn)(void *ctx, const sc_dp_record *rec);

typedef struct {
    const sc_instrument *ins; /* required */
    const sc_params *params;  /* required, valid; copied at create */
    sc_ns tf_ns;              /* whole seconds, 1 s .. 1 day */
    sc_dp_fidelity fidelity;
    bool bars_flow; /* bars: keep w_trade_flow, flow from the taker split */
    /* The advisor; NULL = the rules advisor (created and owned here). */
    const sc_advisor_config *advisor;
    bool record_all; /* also an EVALUATION record per candle without a decision */
    /* The caller reads the texts of DECISION records only (engine/paper.c):
     * SMC records come with an empty reason (events, counts and bias are
     * unchanged). Saves formatting on the engine thread. */
    bool quiet;
    /* The position comes from outside (engine/paper.h: the real paper
     * position), set before each candle with sc_decision_path_set_position;
     * the signal-study position is then off: accepted decisions are only
     * recorded (acted says the caller should act) and nothing fills here. */
    bool external_position;
    sc_dp_record_fn on_record; /* required */
    void *ctx;
} sc_decision_path_config;

typedef struct {
    uint64_t candles;
    uint64_t candles_with_book; /* book touch valid at the close */
    uint64_t signals[SC_SIG_EXIT + 1];
    uint64_t blocked[SC_STRATEGY_BLOCK_COUNT]; /* flat evaluations without entry, by first block */
    uint64_t decisions;
    uint64_t actions[SC_DECISION_ACTION_COUNT];         /* decisions by the verdict's action */
    uint64_t skips_by_reason[SC_DECISION_REASON_COUNT]; /* skip decisions by reason code */
    uint64_t not_acted;                                 /* accepted, but not acted on (see note) */
    uint64_t waiting_candles; /* candles not evaluated: an answer was pending */
    uint64_t regime_changes;
    uint64_t regime_changes_to[SC_REGIME_COUNT];
    uint64_t pos_events[SC_DP_POS_EVENT_COUNT];
    uint64_t exits_by_reason[SC_EXIT_SIGNAL + 1]; /* study closes */
    uint64_t records[SC_DP_REC_KIND_COUNT];
} sc_decision_path_stats;

typedef struct sc_decision_path sc_decision_path;

/* SC_ERR_INVALID_ARG: a missing field, a bad timeframe, params that do not
 * validate, or a window longer than SC_DP_WINDOW_BARS_MAX candles.
 * SC_ERR_NOMEM. */
sc_err sc_decision_path_create(const sc_decision_path_config *cfg, sc_decision_path **out);
void sc_decision_path_destroy(sc_decision_path *dp);

/* One closed candle of the timeframe and, for L2 fidelity, the book at its
 * close (NULL: not sampled; the strategy then sees a book out of sync).
 * Errors are the feature pipeline's (err filled; the caller adds
 * file:line); nothing changes then. */
sc_err sc_decision_path_on_bar(sc_decision_path *dp, const sc_candle *k,
                               const sc_feature_book *book, sc_errinfo *err);

/* external_position only: the position (and whether an entry order works)
 * the next candle's decisions are made against. */
void sc_decision_path_set_position(sc_decision_path *dp, const sc_strategy_position *pos);

/* End of input: a request still pending is abandoned (cancelled, recorded
 * as a skip with reason abandoned). Call once. */
void sc_decision_path_finish(sc_decision_path *dp);

void sc_decision_path_get_stats(const sc_decision_path *dp, sc_decision_path_stats *out);
void sc_decision_path_smc_counters(const sc_decision_path *dp, sc_smc_counters *out);
/* The parameters named by the run (as given) and those in effect (bars
 * fidelity zeroes some weights); the SHA-256 hex of each. */
const sc_params *sc_decision_path_params(const sc_decision_path *dp, bool effective);
const char *sc_decision_path_params_hash(const sc_decision_path *dp, bool effective);
const char *sc_decision_path_advisor_name(const sc_decision_path *dp);
/* The feature row of the last candle taken (all cells absent before the
 * first) and the regime now: what the decisions of that candle saw. */
const sc_feature_row *sc_decision_path_row(const sc_decision_path *dp);
sc_regime sc_decision_path_regime(const sc_decision_path *dp);
/* The OFI and flow windows in candle buckets (see the top of this file). */
void sc_decision_path_windows(const sc_decision_path *dp, int32_t *ofi_bars, int32_t *flow_bars);

const char *sc_dp_fidelity_name(sc_dp_fidelity f);       /* "l2_book", "bars" */
const char *sc_dp_record_kind_name(sc_dp_record_kind k); /* "decision", ... */
const char *sc_dp_pos_event_name(sc_dp_pos_event e);     /* "order", "fill", ... */

/* One record as one JSON object, no newline: {"type":..., "ts_ns":...,
 * "time":"...Z", "params_version":..., ...}; prices are decimal strings.
 * Returns the length, or -1 when cap is too small (SC_DP_JSON_MAX always
 * fits). */
int sc_decision_path_format_json(const sc_decision_path *dp, const sc_dp_record *rec, char *buf,
                                 size_t cap);

#endif
