/* volatility.h: realized volatility and a volatility regime class.
 *
 * Realized volatility, for a period N (2..SC_VOLATILITY_PERIOD_MAX):
 *  - r_i = ln(close_i / close_{i-1}), one per input after the first;
 *  - vol = sample standard deviation of the last N returns,
 *    sqrt(sum((r - mean)^2) / (N - 1)); ready after N+1 inputs;
 *  - annualised when bars_per_year > 0: vol * sqrt(bars_per_year) (1m bars
 *    of a market open all year: 525600); bars_per_year 0 leaves it per bar.
 *  Numerics: windowed Welford over a ring of the N returns, recomputed
 *  exactly in two passes every time the ring wraps (every N inputs), M2
 *  clamped at 0, and exactly 0 when the last N returns are all equal (a run
 *  counter): amortised O(1).
 *
 * Regime, from the rolling percentile of the current vol among the last M
 * vol values (the current one included):
 *  - pct = 100 * (below + equal / 2) / count, where below counts values
 *    < vol and equal counts values == vol (itself included): the mid-rank
 *    percentile, so a window of equal values sits at 50 (normal), not 100;
 *  - class: pct < low_pct -> LOW, < normal_pct -> NORMAL, < high_pct ->
 *    HIGH, else EXTREME (defaults 25, 75, 95);
 *  - ready once `history_min` vol values (1..M) are in the window.
 *  The window is an sc_rank_window (treap): O(log M) per update, M nodes
 *  allocated in create. Annualising scales every value alike, so it does
 *  not change the percentile.
 *
 * Input: closes finite and > 0, else SC_ERR_RANGE and nothing changes.
 * Thread: the owner's. Allocates: the rings in create only.
 */
#ifndef SC_FEATURES_VOLATILITY_H
#define SC_FEATURES_VOLATILITY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

enum { SC_VOLATILITY_PERIOD_MAX = 100000 };

typedef enum {
    SC_VOLATILITY_REGIME_LOW = 0,
    SC_VOLATILITY_REGIME_NORMAL = 1,
    SC_VOLATILITY_REGIME_HIGH = 2,
    SC_VOLATILITY_REGIME_EXTREME = 3
} sc_volatility_regime;

typedef struct sc_volatility sc_volatility;

typedef struct {
    int32_t period;       /* N returns, 2..SC_VOLATILITY_PERIOD_MAX */
    double bars_per_year; /* 0: per-bar vol; > 0: annualised */
    uint32_t history;     /* M, 1..SC_RANK_WINDOW_CAPACITY_MAX */
    uint32_t history_min; /* vol values needed for a regime, 1..M */
    double low_pct;       /* 0 < low_pct < normal_pct < high_pct <= 100 */
    double normal_pct;
    double high_pct;
} sc_volatility_config;

typedef struct {
    double pct; /* 0..100, mid-rank percentile of the current vol */
    sc_volatility_regime regime;
} sc_volatility_class;

sc_err sc_volatility_create(const sc_volatility_config *cfg, sc_volatility **out);
void sc_volatility_destroy(sc_volatility *v);

sc_err sc_volatility_update(sc_volatility *v, double close);
/* Realized vol (annualised if configured); false before N+1 inputs. */
bool sc_volatility_get(const sc_volatility *v, double *out);
/* The regime of the current vol; false before history_min vol values. */
bool sc_volatility_regime_get(const sc_volatility *v, sc_volatility_class *out);
/* "low", "normal", "high", "extreme". */
const char *sc_volatility_regime_name(sc_volatility_regime r);

#endif
