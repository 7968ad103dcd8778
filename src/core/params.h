/* params.h: every tunable of scalper, declared once.
 *
 * One X-macro table gives each parameter its key, type, default, minimum,
 * maximum, unit and meaning. Everything else derives from it: the ids, the
 * defaults, bounds checks, `scalper params` listings, config keys and the
 * clamping of advisor answers. Nothing can hold a value outside its bounds:
 * sc_param_check refuses it (with the key, the bounds and the value).
 *
 * The schema is versioned (SC_PARAM_SCHEMA_VERSION): a stored parameter
 * version records the schema it was made under. Append new parameters at
 * the end of their group; never reuse a key for another meaning.
 *
 * Hard risk limits are not parameters: they are compiled into the rulebook
 * and no parameter can loosen them (bounds below stay inside them, e.g. a
 * max hold of at most 300 s, an order of at most 0.5 BTC).
 *
 * Values are doubles; INT parameters must be whole numbers and BOOL ones 0 or
 * 1. Money never passes through here as a double: sizes are in qty steps.
 *
 * Thread: any (the table is constant). Allocates: nothing.
 */
#ifndef SC_CORE_PARAMS_H
#define SC_CORE_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* 1: strategy, smc, regime, ai. 2: the forbidden.* group appended (versions
 * stored under 1 take its defaults when read). */
#define SC_PARAM_SCHEMA_VERSION 2

typedef enum { SC_PARAM_INT = 0, SC_PARAM_REAL = 1, SC_PARAM_BOOL = 2 } sc_param_type;

/* X(ID, "key", TYPE, default, min, max, "unit", "meaning") */
#define SC_PARAM_LIST(X)                                                                           \
    /* base strategy: entry signal */                                                              \
    X(STRAT_ENTRY_SCORE_MIN, "strategy.entry_score_min", REAL, 0.60, 0.05, 1.0, "score",           \
      "minimum signal score (0..1) for a maker entry")                                             \
    X(STRAT_TAKER_SCORE_MIN, "strategy.taker_score_min", REAL, 0.85, 0.05, 1.0, "score",           \
      "minimum signal score for a taker entry (strong signals only)")                              \
    X(STRAT_W_IMBALANCE, "strategy.w_imbalance", REAL, 0.30, 0.0, 1.0, "weight",                   \
      "weight of top-of-book imbalance in the score")                                              \
    X(STRAT_W_OFI, "strategy.w_ofi", REAL, 0.25, 0.0, 1.0, "weight",                               \
      "weight of queue pressure (order-flow imbalance at the touch)")                              \
    X(STRAT_W_TRADE_FLOW, "strategy.w_trade_flow", REAL, 0.20, 0.0, 1.0, "weight",                 \
      "weight of aggressor trade imbalance")                                                       \
    X(STRAT_W_MOMENTUM, "strategy.w_momentum", REAL, 0.15, 0.0, 1.0, "weight",                     \
      "weight of short-term momentum (EMA slope, RSI)")                                            \
    X(STRAT_W_MEANREV, "strategy.w_meanrev", REAL, 0.10, 0.0, 1.0, "weight",                       \
      "weight of mean reversion (distance from VWAP, Bollinger %B)")                               \
    X(STRAT_IMBALANCE_LEVELS, "strategy.imbalance_levels", INT, 5, 1, 20, "levels",                \
      "book levels per side in the imbalance")                                                     \
    X(STRAT_OFI_WINDOW_MS, "strategy.ofi_window_ms", INT, 2000, 100, 60000, "ms",                  \
      "window of the queue-pressure sum")                                                          \
    X(STRAT_FLOW_WINDOW_MS, "strategy.flow_window_ms", INT, 5000, 100, 120000, "ms",               \
      "window of the trade-flow imbalance")                                                        \
    X(STRAT_HTF_FILTER, "strategy.htf_filter", BOOL, 1, 0, 1, "bool",                              \
      "enter only in the direction of the higher-timeframe structure")                             \
    X(STRAT_COOLDOWN_S, "strategy.cooldown_s", INT, 10, 0, 600, "s",                               \
      "no new entry for this long after an exit")                                                  \
    /* base strategy: orders and exits */                                                          \
    X(STRAT_ORDER_QTY_STEPS, "strategy.order_qty_steps", INT, 10, 1, 500, "qty steps",             \
      "entry size in lot steps (0.001 BTC each; 500 = 0.5 BTC, the hard cap)")                     \
    X(STRAT_MAKER_OFFSET_TICKS, "strategy.maker_offset_ticks", INT, 0, 0, 20, "ticks",             \
      "post-only entry price: this many ticks behind the touch")                                   \
    X(STRAT_SL_BPS, "strategy.sl_bps", REAL, 12.0, 1.0, 200.0, "bps",                              \
      "stop-loss distance from entry (used when sl_atr_mult is 0)")                                \
    X(STRAT_TP_BPS, "strategy.tp_bps", REAL, 18.0, 1.0, 400.0, "bps",                              \
      "take-profit distance from entry (used when tp_atr_mult is 0)")                              \
    X(STRAT_SL_ATR_MULT, "strategy.sl_atr_mult", REAL, 0.0, 0.0, 10.0, "x ATR",                    \
      "stop-loss as a multiple of ATR; 0 = use sl_bps")                                            \
    X(STRAT_TP_ATR_MULT, "strategy.tp_atr_mult", REAL, 0.0, 0.0, 20.0, "x ATR",                    \
      "take-profit as a multiple of ATR; 0 = use tp_bps")                                          \
    X(STRAT_TRAIL_BPS, "strategy.trail_bps", REAL, 0.0, 0.0, 200.0, "bps",                         \
      "trailing stop distance; 0 = off")                                                           \
    X(STRAT_MAX_HOLD_S, "strategy.max_hold_s", INT, 180, 5, 300, "s",                              \
      "time exit; never above the 300 s hard limit")                                               \
    /* smart money concepts */                                                                     \
    X(SMC_SWING_N, "smc.swing_n", INT, 2, 1, 10, "bars",                                           \
      "fractal half-width: a swing high is higher than the n bars each side")                      \
    X(SMC_FVG_MIN_TICKS, "smc.fvg_min_ticks", INT, 1, 1, 100000, "ticks",                          \
      "smallest fair value gap tracked")                                                           \
    X(SMC_DISPLACEMENT_ATR, "smc.displacement_atr", REAL, 1.5, 0.1, 10.0, "x ATR",                 \
      "body size, in ATRs, that counts as a displacement candle")                                  \
    X(SMC_MAX_TRACKED, "smc.max_tracked", INT, 64, 4, 1024, "zones",                               \
      "open fair value gaps and order blocks tracked per kind")                                    \
    /* regime detector */                                                                          \
    X(REGIME_TREND_BPS, "regime.trend_bps", REAL, 8.0, 0.5, 500.0, "bps",                          \
      "EMA fast-slow separation (of mid) that counts as a trend")                                  \
    X(REGIME_VOLATILE_PCT, "regime.volatile_pct", REAL, 90.0, 50.0, 100.0, "percentile",           \
      "realized-volatility percentile from which the market is volatile")                          \
    X(REGIME_ILLIQUID_SPREAD_BPS, "regime.illiquid_spread_bps", REAL, 3.0, 0.1, 100.0, "bps",      \
      "spread from which the market is illiquid")                                                  \
    X(REGIME_ILLIQUID_DEPTH_STEPS, "regime.illiquid_depth_steps", INT, 2000, 0, 10000000,          \
      "qty steps", "depth within 10 bps of mid (each side) below which it is illiquid")            \
    X(REGIME_HYSTERESIS_BARS, "regime.hysteresis_bars", INT, 3, 1, 100, "bars",                    \
      "bars a new regime must persist before it is announced")                                     \
    /* AI advisor */                                                                               \
    X(AI_DEADLINE_MS, "ai.deadline_ms", INT, 200, 1, 10000, "ms",                                  \
      "an answer later than this is a skip")                                                       \
    X(AI_MIN_CONFIDENCE, "ai.min_confidence", REAL, 0.50, 0.0, 1.0, "confidence",                  \
      "an entry with lower confidence is a skip")                                                  \
    X(AI_SIZE_FRACTION_MAX, "ai.size_fraction_max", REAL, 1.0, 0.0, 1.0, "fraction",               \
      "largest share of strategy.order_qty_steps an advisor may ask for")                          \
    X(AI_TTL_MS_MAX, "ai.ttl_ms_max", INT, 5000, 100, 60000, "ms",                                 \
      "longest time-to-live an advisor answer may carry")                                          \
    X(AI_REASON_LEN_MAX, "ai.reason_len_max", INT, 200, 16, 1000, "bytes",                         \
      "longest reason string accepted from an advisor")                                            \
    /* forbidden conditions (risk/forbidden.h): market states with no new entry */                 \
    X(FORBID_SPREAD_BPS, "forbidden.spread_bps", REAL, 5.0, 0.1, 10.0, "bps",                      \
      "no entry while the spread is wider than this (never above the 10 bps hard limit)")          \
    X(FORBID_STALE_MS, "forbidden.stale_ms", INT, 2000, 50, 60000, "ms",                           \
      "no entry or signal exit when the book has had no update for longer than this")              \
    X(FORBID_THIN_TOP_STEPS, "forbidden.thin_top_steps", INT, 20, 0, 1000000, "qty steps",         \
      "no entry while the best bid or ask holds less than this; 0 = off")                          \
    X(FORBID_VOL_SHOCK_BPS, "forbidden.vol_shock_bps", REAL, 50.0, 5.0, 2000.0, "bps",             \
      "no entry after a mid move of at least this within forbidden.vol_window_s")                  \
    X(FORBID_VOL_WINDOW_S, "forbidden.vol_window_s", INT, 10, 1, 300, "s",                         \
      "window of the volatility-shock move")                                                       \
    X(FORBID_FUNDING_WINDOW_S, "forbidden.funding_window_s", INT, 120, 0, 1800, "s",               \
      "no entry this close to a funding time (00:00, 08:00, 16:00 UTC); 0 = off")                  \
    X(FORBID_CLOCK_SKEW_MS, "forbidden.clock_skew_ms", INT, 500, 10, 10000, "ms",                  \
      "no entry or signal exit while local and exchange clocks differ by more than this")          \
    X(FORBID_RATE_HEADROOM_PCT, "forbidden.rate_headroom_pct", REAL, 20.0, 0.0, 90.0, "%",         \
      "no entry or signal exit while less of the order rate limit is left (once reported)")        \
    X(FORBID_LATENCY_MS, "forbidden.latency_ms", INT, 1000, 1, 60000, "ms",                        \
      "no entry or signal exit while order latency is above this (once measured)")

typedef enum {
#define SC__PARAM_ID(id, key, type, def, min, max, unit, help) SC_P_##id,
    SC_PARAM_LIST(SC__PARAM_ID)
#undef SC__PARAM_ID
        SC_PARAM_COUNT
} sc_param_id;

typedef struct {
    sc_param_id id;
    const char *key;
    sc_param_type type;
    double def;
    double min;
    double max;
    const char *unit;
    const char *help;
} sc_param_def;

/* A full set of values; a plain value type. version is the id of the
 * stored parameter version these values came from (0 = compiled defaults). */
typedef struct {
    double v[SC_PARAM_COUNT];
    int64_t version;
} sc_params;

const sc_param_def *sc_param_def_of(sc_param_id id);
/* NULL for an unknown key. */
const sc_param_def *sc_param_find(const char *key);
const char *sc_param_type_name(sc_param_type t);

/* Defaults for every parameter, version 0. */
void sc_params_defaults(sc_params *out);

/* SC_ERR_RANGE when value is NaN, infinite, outside [min, max], not whole
 * for INT, not 0/1 for BOOL; err says "key: expected min..max, got v". */
sc_err sc_param_check(const sc_param_def *def, double value, sc_errinfo *err);
/* Text to value: decimal for INT/REAL, true/false/1/0/yes/no/on/off for
 * BOOL; then sc_param_check. */
sc_err sc_param_parse(const sc_param_def *def, const char *text, double *out, sc_errinfo *err);
/* Shortest text that reads back to the same value. */
int sc_param_format(const sc_param_def *def, double value, char *buf, size_t cap);
/* Nearest value within bounds (and whole for INT); NaN becomes the default. */
double sc_param_clamp(const sc_param_def *def, double value);
/* Checks every value; the first bad one is reported. */
sc_err sc_params_validate(const sc_params *p, sc_errinfo *err);

static inline double sc_params_get(const sc_params *p, sc_param_id id) {
    return p->v[id];
}
static inline int64_t sc_params_get_int(const sc_params *p, sc_param_id id) {
    return (int64_t)p->v[id];
}
static inline bool sc_params_get_bool(const sc_params *p, sc_param_id id) {
    return p->v[id] != 0.0;
}

#endif
