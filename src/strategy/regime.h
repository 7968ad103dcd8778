/* regime.h: RegimeDetector, the market regime once per closed candle.
 *
 * The detector does not compute features: the caller hands it, per closed
 * candle, the feature values as plain numbers (sc_regime_inputs) and the
 * candle's time. It says which regime (sc_regime, strategy/signal.h) the
 * market is in, with hysteresis, and records every change as an event with a
 * human-readable reason.
 *
 * Inputs (sc_regime_inputs), each with its readiness flag:
 *  - mid: the candle's close (klines) or the book mid at the close, in quote
 *    units (USDT); the denominator of the EMA separation.
 *  - ema_fast, ema_slow: two EMAs of the same series (features/ema.h), of
 *    the periods named in the config (labels of the reason text only).
 *  - vol_pct: mid-rank percentile of the realized volatility among its
 *    recent values, 0..100 (features/volatility.h, sc_volatility_class.pct).
 *  - spread_bps (features/microstructure.h) and depth per side within
 *    SC_REGIME_DEPTH_BPS of the mid, in qty steps: only when a book exists.
 *    Kline-only input has no book: spread_known and depth_known are false,
 *    and then ILLIQUID can never be judged (it is never the candidate; the
 *    counters say how many candles had no book at all).
 *  - news_shock: the hook for the news issue (see below).
 *
 * Candidate of one candle (sc_regime_classify), rules in precedence order,
 * the first that applies wins (thresholds are the regime.* parameters):
 *   1. news_shock set                                      -> NEWS_SHOCK
 *   2. spread_known and spread_bps >= illiquid_spread_bps,
 *      or depth_known and min(depth_bid, depth_ask) < illiquid_depth_steps
 *                                                          -> ILLIQUID
 *   3. vol percentile not ready                            -> UNKNOWN
 *      vol_pct >= volatile_pct                             -> VOLATILE
 *   4. EMAs not ready                                      -> UNKNOWN
 *      sep_bps = (ema_fast - ema_slow) / mid * 1e4
 *      sep_bps >= trend_bps                                -> TREND_UP
 *      sep_bps <= -trend_bps                               -> TREND_DOWN
 *   5. otherwise (|sep_bps| < trend_bps, vol_pct < volatile_pct) -> RANGING
 * So illiquid > volatile > trend > ranging. A rule whose inputs are not
 * ready makes the candidate UNKNOWN, because it cannot be ruled out; the
 * book rule is the exception (absent book = not judged, go on), otherwise
 * kline-only input would never leave UNKNOWN. News and illiquidity are
 * facts of the current candle and need no warm-up; the others do, so the
 * regime is UNKNOWN until the EMAs and the vol percentile are ready (unless
 * the book or the news flag decides). illiquid_depth_steps 0 turns the
 * depth rule off (no depth is below 0).
 *
 * Hysteresis (H = regime.hysteresis_bars, 1..100):
 *  - the run is the number of consecutive candles, ending with the current
 *    one, whose candidate is the same regime X, X != current regime;
 *  - when the run reaches H, X becomes the current regime on that candle
 *    (H = 1: every candidate is adopted at once) and the run restarts;
 *  - a candle whose candidate equals the current regime ends the run; a
 *    candle with another candidate Y starts a new run of Y at 1;
 *  - so when candidates alternate (A, B, A, B, ... or A, current, A, ...)
 *    with H >= 2, no run reaches H and the current regime stays, however
 *    long that lasts: the detector reports the last regime that held for H
 *    candles in a row, never a flicker;
 *  - two changes are at least H candles apart (except a forced news shock);
 *  - UNKNOWN is a candidate like any other: inputs that stop being ready
 *    after warm-up bring the regime back to UNKNOWN after H candles.
 * News-shock hook: news_shock set forces NEWS_SHOCK at once, on that candle,
 * without hysteresis (a shock is an event, not a statistic), and keeps it
 * while the flag stays set. When the flag clears, the next regime needs a
 * run of H candles like any other change (a cool-down of H candles).
 *
 * Change event (sc_regime_change): the candle's time, old and new regime,
 * the run length, whether it was forced, the deciding candle's inputs and a
 * reason naming the deciding values and thresholds of that (last) candle of
 * the run, e.g. "trending_up: EMA9 61850.2 above EMA50 61790.0 by 9.74 bps
 * >= 8 bps for 3 bars". A reason longer than SC_REGIME_REASON_MAX - 1 bytes
 * is cut (snprintf); values in range never come near that.
 *
 * Time: every candle's time must be strictly later than the previous one,
 * else SC_ERR_STATE and nothing changes. Inputs out of range (mid not finite
 * and > 0; a ready EMA not finite and > 0; a ready vol_pct outside 0..100;
 * a known spread not finite and >= 0; a known depth < 0) give SC_ERR_RANGE
 * and nothing changes. Only the fields whose flag is set are read.
 *
 * Thread: the engine thread (one owner). Allocates: the detector in create
 * only; never afterwards. Deterministic: the same candles give the same
 * regimes, events and text.
 * Invariants (asserted): 0 <= run < H; the pending candidate differs from
 * the current regime whenever run > 0; bars_in sums to bars; changes_to
 * sums to changes.
 */
#ifndef SC_STRATEGY_REGIME_H
#define SC_STRATEGY_REGIME_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/params.h"
#include "core/time.h"
#include "strategy/signal.h"

/* The band around the mid over which depth_bid/ask are measured (pass it
 * to sc_microstructure_depth_within). */
#define SC_REGIME_DEPTH_BPS 10.0

enum {
    SC_REGIME_REASON_MAX = 192, /* bytes of a reason, NUL included */
    SC_REGIME_EMA_FAST_DEFAULT = 9,
    SC_REGIME_EMA_SLOW_DEFAULT = 50
};

/* The regime.* parameter values, plus the EMA periods for the reason text.
 * Each parameter value must lie within its bounds in core/params.h. */
typedef struct {
    double trend_bps;             /* regime.trend_bps */
    double volatile_pct;          /* regime.volatile_pct */
    double illiquid_spread_bps;   /* regime.illiquid_spread_bps */
    int64_t illiquid_depth_steps; /* regime.illiquid_depth_steps */
    int32_t hysteresis_bars;      /* regime.hysteresis_bars */
    int32_t ema_fast_n;           /* label only; 1 .. ema_slow_n - 1 */
    int32_t ema_slow_n;           /* label only; <= SC_EMA_PERIOD_MAX */
} sc_regime_config;

typedef struct {
    double mid; /* quote units; always required */
    bool ema_ready;
    double ema_fast; /* quote units; with ema_ready */
    double ema_slow;
    bool vol_ready;
    double vol_pct; /* 0..100; with vol_ready */
    bool spread_known;
    double spread_bps; /* with spread_known */
    bool depth_known;
    sc_qty depth_bid_qty; /* within SC_REGIME_DEPTH_BPS of mid; with depth_known */
    sc_qty depth_ask_qty;
    bool news_shock; /* hook: forces NEWS_SHOCK (the news issue will set it) */
} sc_regime_inputs;

typedef struct {
    uint64_t seq; /* 1 for the first change */
    sc_ns ts_ns;  /* time of the candle that made the change */
    sc_regime old_regime;
    sc_regime new_regime;
    int32_t bars;            /* run length: hysteresis_bars, or 1 when forced */
    bool forced;             /* news shock, adopted without hysteresis */
    sc_regime_inputs inputs; /* of the deciding candle */
    char reason[SC_REGIME_REASON_MAX];
} sc_regime_change;

typedef struct {
    uint64_t bars;                            /* candles accepted */
    uint64_t bars_without_book;               /* of those: neither spread nor depth known */
    uint64_t changes;                         /* regime changes in total */
    uint64_t changes_to[SC_REGIME_COUNT];     /* changes into each regime */
    uint64_t bars_in[SC_REGIME_COUNT];        /* candles after which it was current */
    uint64_t candidate_bars[SC_REGIME_COUNT]; /* candles whose candidate it was */
} sc_regime_counters;

typedef struct sc_regime_detector sc_regime_detector;

/* The regime.* values of p and the default EMA periods (9 and 50, those of
 * the feature pipeline). Does not check them: create does. */
void sc_regime_config_from_params(const sc_params *p, sc_regime_config *out);

/* SC_ERR_INVALID_ARG for a NULL argument or a config value outside its
 * parameter's bounds (or bad EMA periods); SC_ERR_NOMEM. */
sc_err sc_regime_create(const sc_regime_config *cfg, sc_regime_detector **out);
/* Accepts NULL. */
void sc_regime_destroy(sc_regime_detector *d);

/* The candidate regime of one candle by the rules above, without
 * hysteresis. Pure. Inputs must be in range (asserted). */
sc_regime sc_regime_classify(const sc_regime_config *cfg, const sc_regime_inputs *in);

/* One closed candle at time ts_ns. SC_ERR_STATE: ts_ns not later than the
 * previous candle's. SC_ERR_RANGE: inputs out of range. On error nothing
 * changes. */
sc_err sc_regime_on_candle(sc_regime_detector *d, const sc_regime_inputs *in, sc_ns ts_ns);

sc_regime sc_regime_current(const sc_regime_detector *d);
/* The candidate of the run in progress and its length into *run_bars
 * (0 and the current regime when there is none). */
sc_regime sc_regime_pending(const sc_regime_detector *d, int32_t *run_bars);
/* The most recent change into *out. Returns true when it was made by the
 * last accepted candle (announce it), false otherwise; with no change yet,
 * *out is zeroed (seq 0, both regimes UNKNOWN, empty reason). */
bool sc_regime_last_change(const sc_regime_detector *d, sc_regime_change *out);
void sc_regime_get_counters(const sc_regime_detector *d, sc_regime_counters *out);

#endif
