/* strategy.h: BaseStrategy, features in, entry and exit signals out.
 *
 * The strategy sees the market only through one plain struct per call
 * (sc_strategy_inputs, filled by the engine from the book, the tape, the
 * OFI, the candle features, the regime and structure detectors and the
 * order manager's position). It proposes; the advisor and the veto gate
 * decide. Every threshold is a strategy.* parameter, read from the
 * caller's sc_params at every call, so a new parameter version takes
 * effect at the next call and its id is carried into every signal.
 *
 * Entry score (one weighted sum, each part explained in a reason):
 *   components c_i in [-1, 1], > 0 says "up":
 *     imbalance   top-N book imbalance (B - A) / (B + A), as given;
 *     queue       OFI / gross OFI: the order-flow imbalance at the touch
 *                 (features/ofi.h, sum of e_n) over strategy.ofi_window_ms,
 *                 divided by the sum of |e_n| over the same updates: the
 *                 net share of all queue activity at the touch, like the
 *                 trade flow's (buy - sell) / (buy + sell); 0 when there was
 *                 no activity;
 *     flow        aggressor trade imbalance (buy - sell) / (buy + sell)
 *                 over strategy.flow_window_ms, as given;
 *     momentum    mean of the parts present: clamp((EMA fast - EMA slow) /
 *                 ATR, -1, 1) and (RSI - 50) / 50;
 *     meanrev     mean of the parts present: clamp(1 - 2 %B, -1, 1) (the
 *                 upper band says "down") and clamp(-VWAP distance / ATR,
 *                 -1, 1) (one ATR above VWAP says "down" fully).
 *   S = sum(w_i c_i) / sum(w_i), the weights strategy.w_*, the sum over all
 *   five (absent components count as 0, so missing data can only weaken a
 *   signal). S in [-1, 1]; side = sign(S); score = |S|.
 *   Reason per contributing component (w_i c_i != 0), e.g.
 *   "book imbalance +0.42 (5 levels) -> +0.126": value, detail,
 *   contribution w_i c_i / sum(w_i).
 *   Required (else no signal, "missing input"): the book in sync with a
 *   valid touch; imbalance, OFI and flow when their weight is > 0; a ready
 *   ATR > 0 when a stop or target is in ATR multiples. Optional: the candle
 *   components (momentum, meanrev), which warm up slowly; a part that is not
 *   ready is left out of its component's mean, a component with no part
 *   ready is 0.
 *
 * Entry filters, all checked, each blocking one named in eval.why (the
 * "why not" of a skipped evaluation), first_block the first in this order:
 *   NOT_SYNCED     book not synced, or the touch is not bid < ask with
 *                  prices and quantities > 0;
 *   MISSING_INPUT  a required input above is absent, or all weights are 0;
 *   POSITION_OPEN  a position is open;
 *   ORDER_WORKING  an entry order is working;
 *   COOLDOWN       ts < last exit + strategy.cooldown_s;
 *   REGIME         regime volatile, illiquid or news_shock (unknown, the
 *                  warm-up state, does not block);
 *   VOLATILITY     volatility class extreme (not ready does not block);
 *   SCORE_LOW      score < strategy.entry_score_min (or S == 0);
 *   HTF_BIAS       strategy.htf_filter on and the bias against the side
 *                  (bias none never blocks);
 *   PRICE          a proposed price would leave the price range.
 *
 * Entry order: maker post-only at the touch minus
 * strategy.maker_offset_ticks (bid - offset for long, ask + offset for
 * short); taker (crossing: the ask for long, the bid for short) when
 * score >= strategy.taker_score_min. Qty strategy.order_qty_steps.
 *
 * Stop and target from the proposed entry price E (sc_strategy_levels):
 *   distance in bps: the parameter is taken to the nearest 1e-4 bp
 *   (bps_e4 = round(bps * 1e4), the one rounding of a double), then
 *   E.ticks * bps_e4 / 1e8 ticks in exact int64 arithmetic;
 *   distance in ATRs (when strategy.sl_atr_mult / tp_atr_mult > 0, each
 *   independently): atr_ticks * mult, a double;
 *   rounding to whole ticks goes against us: the stop distance rounds UP
 *   (the stop is never closer to the entry than asked: the loss at the
 *   stop is at least the asked distance, never less), the target distance
 *   rounds DOWN (the profit at the target is at most what was asked); both
 *   at least 1 tick. Long: stop E - d_sl, target E + d_tp; short: stop
 *   E + d_sl, target E - d_tp (asserted: stop on the losing side, target
 *   on the winning side).
 *
 * Exits (sc_strategy_check_exit), priced at the touch the exit would take
 * (the bid for a long, the ask for a short), checked in this order:
 *   STOP_LOSS      touch at or through the stop, or the last trade at or
 *                  through it (the last trade also works while the book is
 *                  out of sync);
 *   TRAILING_STOP  strategy.trail_bps > 0: the trail follows the best touch
 *                  since the entry (starting at the entry price), at
 *                  best -/+ ceil(best * trail_bps / 1e4) ticks; it only ever
 *                  tightens (also when trail_bps grows); triggers like the
 *                  stop;
 *   TAKE_PROFIT    touch at or through the target;
 *   MAX_HOLD       ts - entry time >= min(strategy.max_hold_s,
 *                  SC_LIMIT_MAX_HOLD_NS), exactly at the limit included;
 *   SIGNAL         reversal: the entry score computed from the same inputs
 *                  points against the position with a score >=
 *                  strategy.entry_score_min (needs the entry's required
 *                  inputs; filters do not apply).
 * Stop, trailing stop and max hold are protective (sc_exit_is_protective).
 * Exit signals are taker (exit now); entry_px holds the touch price the
 * exit refers to (0 when the book is out of sync), stop_px the effective
 * stop (the tighter of stop and trail), qty the position's.
 *
 * Thread: the engine thread. Allocates: the struct in create only; never
 * afterwards. No clock: time is in_ts. Deterministic.
 * Invariants (asserted): order_qty_steps in 1..SC_LIMIT_MAX_POSITION_STEPS;
 * an open position has qty > 0, entry > 0 and its stop and target on their
 * sides; the trail never loosens; every signal carries params->version and
 * every entry or exit at least one reason.
 */
#ifndef SC_STRATEGY_STRATEGY_H
#define SC_STRATEGY_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/instrument.h"
#include "core/params.h"
#include "core/time.h"
#include "features/volatility.h"
#include "market/event.h"
#include "strategy/signal.h"

typedef enum {
    SC_STRATEGY_FLAT = 0,
    SC_STRATEGY_LONG = 1,
    SC_STRATEGY_SHORT = 2
} sc_strategy_pos_side;

/* The position and order state, from the order manager. */
typedef struct {
    sc_strategy_pos_side side;
    sc_px entry_px;           /* average entry price; not flat only */
    sc_ns entry_ns;           /* time of the entry fill */
    sc_qty qty;               /* > 0 when not flat */
    sc_px stop_px;            /* the position's stop (its signal's or the advisor's) */
    sc_px target_px;          /* its take profit */
    bool entry_order_working; /* an entry order is open (not filled, not canceled) */
    sc_ns last_exit_ns;       /* when the last position was closed; 0 = never */
} sc_strategy_position;

/* One evaluation's view of the market. Each optional value is valid only
 * with its flag. Price-valued candle features are doubles in ticks. */
typedef struct {
    sc_ns ts_ns; /* event time of this evaluation */
    /* book */
    bool book_synced;
    sc_level bid; /* best bid, px and qty */
    sc_level ask;
    bool imbalance_ok;
    double imbalance;          /* top-N (B - A) / (B + A), -1..1 */
    uint32_t imbalance_levels; /* N used (strategy.imbalance_levels) */
    /* queue pressure over strategy.ofi_window_ms: the sum of the OFI
     * events e_n (sc_ofi) and the sum of their absolute values over the
     * same updates (so |ofi_steps| <= ofi_gross_steps, asserted) */
    bool ofi_ok;
    int64_t ofi_steps;
    int64_t ofi_gross_steps;
    /* trade flow: the tape over strategy.flow_window_ms */
    bool flow_ok;
    double flow_imbalance; /* (buy - sell) / (buy + sell), -1..1; 0 when no trades */
    /* last trade (exits) */
    bool last_ok;
    sc_px last_px;
    /* momentum and mean reversion, from the latest closed candle */
    bool ema_ok;
    double ema_fast_ticks;
    double ema_slow_ticks;
    bool rsi_ok;
    double rsi; /* 0..100 */
    bool bb_ok;
    double bb_pct_b; /* Bollinger %B (may leave 0..1) */
    bool vwap_ok;
    double vwap_dist_bps; /* (px - vwap) / vwap * 1e4 */
    bool atr_ok;
    double atr_ticks; /* >= 0 */
    /* context */
    bool vol_ok;
    sc_volatility_regime vol_regime;
    sc_regime regime;
    sc_bias htf_bias;
    sc_strategy_position pos;
} sc_strategy_inputs;

/* The entry filters, in check order (see the top of this file). */
typedef enum {
    SC_STRATEGY_BLOCK_NONE = 0,
    SC_STRATEGY_BLOCK_NOT_SYNCED = 1,
    SC_STRATEGY_BLOCK_MISSING_INPUT = 2,
    SC_STRATEGY_BLOCK_POSITION_OPEN = 3,
    SC_STRATEGY_BLOCK_ORDER_WORKING = 4,
    SC_STRATEGY_BLOCK_COOLDOWN = 5,
    SC_STRATEGY_BLOCK_REGIME = 6,
    SC_STRATEGY_BLOCK_VOLATILITY = 7,
    SC_STRATEGY_BLOCK_SCORE_LOW = 8,
    SC_STRATEGY_BLOCK_HTF_BIAS = 9,
    SC_STRATEGY_BLOCK_PRICE = 10
} sc_strategy_block;
enum { SC_STRATEGY_BLOCK_COUNT = 11 };

/* One entry evaluation: the signal, and when there is none, why not. */
typedef struct {
    sc_signal signal;              /* ENTER_LONG / ENTER_SHORT, or NONE */
    sc_strategy_block first_block; /* NONE with an entry */
    uint32_t blocked_mask;         /* 1u << block for every filter that blocked */
    bool scored;                   /* the score could be computed */
    double raw_score;              /* S, signed, -1..1; 0 unless scored */
    uint32_t n_why;
    sc_reason why[SC_STRATEGY_BLOCK_COUNT]; /* one text per blocking filter */
} sc_strategy_eval;

typedef struct {
    uint64_t evaluations;
    uint64_t entries_long;
    uint64_t entries_short;
    uint64_t entries_taker;
    uint64_t blocked[SC_STRATEGY_BLOCK_COUNT]; /* by first_block */
    uint64_t exit_checks;
    uint64_t exits[SC_EXIT_SIGNAL + 1]; /* by sc_exit_reason */
} sc_strategy_counters;

typedef struct {
    const sc_params *params;  /* required; read at every call; must outlive the strategy */
    const sc_instrument *ins; /* required: prices and quantities in reasons */
    /* true: an evaluation that ends blocked carries no text (its why[] and
     * signal.reasons[] texts are left ""; their counts and contributions,
     * and every other field, are as with false); entries and exits keep
     * their full reasons. For callers that read nothing of a blocked
     * evaluation but first_block: the formatting is most of its cost.
     * false (the zero default): every text, as sc_strategy_explain shows. */
    bool skip_blocked_text;
} sc_strategy_config;

typedef struct sc_strategy sc_strategy;

/* SC_ERR_INVALID_ARG for a missing field; SC_ERR_RANGE when the params do
 * not validate (sc_params_validate); SC_ERR_NOMEM. */
sc_err sc_strategy_create(const sc_strategy_config *cfg, sc_strategy **out);
void sc_strategy_destroy(sc_strategy *s);

/* Entry evaluation; fills *out entirely (texts: see skip_blocked_text). */
void sc_strategy_evaluate(sc_strategy *s, const sc_strategy_inputs *in, sc_strategy_eval *out);

/* Exit check for in->pos (kind NONE when flat or nothing triggers); keeps
 * the trailing state of the position (a new entry time, price or side
 * starts a new trail). Call it on every change of the touch while in a
 * position: the trail only sees the prices it is shown. */
void sc_strategy_check_exit(sc_strategy *s, const sc_strategy_inputs *in, sc_signal *out);

/* Stop and target for an entry at entry_px on side (long or short) under
 * the current parameters; atr_ticks is used only in an ATR mode and must
 * then be finite and > 0. False (outputs untouched) when a level or a
 * distance would leave the price range. */
bool sc_strategy_levels(const sc_strategy *s, sc_strategy_pos_side side, sc_px entry_px,
                        double atr_ticks, sc_px *stop_px, sc_px *target_px);

/* The trail of the position being tracked: best touch since entry and the
 * trailing stop. False when no position is tracked or trailing is off. */
bool sc_strategy_trail_get(const sc_strategy *s, sc_px *best_px, sc_px *trail_px);

void sc_strategy_get_counters(const sc_strategy *s, sc_strategy_counters *out);

const char *sc_strategy_block_name(sc_strategy_block b);
const char *sc_strategy_pos_side_name(sc_strategy_pos_side side);

/* "no entry: <why>; <why> | score -0.41: <reason>; ..." for a skipped
 * evaluation, "enter_long 0.72 maker @61700.0: <reason>; ..." for an
 * entry. Returns the length, or -1 when cap is too small (text cut). */
int sc_strategy_explain(const sc_strategy_eval *ev, const sc_instrument *ins, char *buf,
                        size_t cap);

#endif
