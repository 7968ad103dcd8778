/* atr.h: true range and average true range (Wilder), TA-Lib's definition.
 *
 * Definition, for a period N (1..SC_ATR_PERIOD_MAX):
 *  - TR of bar i (i >= 2) = max(high_i - low_i, |close_{i-1} - high_i|,
 *    |close_{i-1} - low_i|), taken in that order (TA_TRANGE).
 *  - Bar 1 has no previous close, so it has no TR and does not count
 *    towards the ATR: we skip it, as TA-Lib does (we do not substitute
 *    high - low). Its close becomes the previous close of bar 2.
 *  - First ATR, at bar N+1: the mean of the TRs of bars 2..N+1 (summed from
 *    0.0 in bar order, divided by N).
 *  - Later: atr = atr * (N-1); atr += TR; atr /= N (TA-Lib's order).
 * Equal to TA_ATR (lookback N, no unstable period, whole series); for N = 1
 * TA-Lib returns TRANGE and so does this formula.
 * A zero true range (a flat bar at the previous close) is a real value, 0,
 * and an ATR of 0 after N flat bars is ready and 0.
 *
 * Inputs: finite doubles (SC_ASSERT otherwise); the caller's bars have
 * low <= high (not checked: the TR is >= 0 regardless, by its abs terms).
 * Cost: O(1) per update. A plain value type.
 * Thread: the owner's. Allocates: nothing.
 */
#ifndef SC_FEATURES_ATR_H
#define SC_FEATURES_ATR_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

enum { SC_ATR_PERIOD_MAX = 100000 };

typedef struct {
    int32_t period;
    int32_t trs; /* true ranges seen, saturating at period */
    bool has_prev;
    double prev_close;
    double tr; /* TR of the latest bar; valid when has_tr */
    bool has_tr;
    double atr; /* a plain sum of TRs until trs == period */
} sc_atr;

/* SC_ERR_INVALID_ARG when period is outside 1..SC_ATR_PERIOD_MAX. */
sc_err sc_atr_init(sc_atr *a, int32_t period);
void sc_atr_update(sc_atr *a, double high, double low, double close);
/* TR of the latest bar; false for the first bar (no previous close). */
bool sc_atr_tr_get(const sc_atr *a, double *out);
/* ATR; false (out untouched) before N+1 bars. */
bool sc_atr_get(const sc_atr *a, double *out);

/* The true range of one bar given the previous close (pure). */
double sc_atr_true_range(double high, double low, double prev_close);

#endif
