/* rsi.h: relative strength index with Wilder smoothing, TA-Lib's definition.
 *
 * Definition, for a period N (2..SC_RSI_PERIOD_MAX):
 *  - change_i = x_i - x_{i-1}; gain_i = max(change_i, 0), loss_i =
 *    max(-change_i, 0). The first input has no change.
 *  - After the first N changes (input N+1): avg_gain = (sum of the N gains)
 *    / N, avg_loss likewise (sums from 0.0 in input order).
 *  - Every later change: avg = avg * (N-1); avg += x; avg /= N, for gains
 *    and losses alike, in that order (TA-Lib's arithmetic).
 *  - RSI = 100 * avg_gain / (avg_gain + avg_loss). With no losses and some
 *    gains this is exactly 100; with no gains and some losses exactly 0.
 *  - Flat input (avg_gain + avg_loss == 0 exactly): RSI = 50.
 *    TA-Lib gives 0 there, and also whenever avg_gain + avg_loss is below
 *    its epsilon (1e-8 in TA-Lib 0.4, 1e-14 in 0.6). We differ on purpose:
 *    0 reads as "as oversold as can be", and a rule like "RSI < 30 -> buy"
 *    would fire on a dead market; a flat market is neutral, 50. We test
 *    exactly 0 rather than an epsilon, so after one 0.1 move followed by a
 *    long flat stretch the RSI keeps its last value (both averages decay by
 *    the same factor) instead of dropping to 0 after ~180 bars at N=14 (TA-Lib
 *    0.4's epsilon; ~370 bars with 0.6's).
 * First value after N+1 inputs: TA_RSI's lookback N, default (non-Metastock)
 * compatibility, no unstable period, whole series from its first value.
 *
 * Input: any finite double (SC_ASSERT otherwise). Cost: O(1) per update.
 * A plain value type. Thread: the owner's. Allocates: nothing.
 */
#ifndef SC_FEATURES_RSI_H
#define SC_FEATURES_RSI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

enum { SC_RSI_PERIOD_MIN = 2, SC_RSI_PERIOD_MAX = 100000 };

typedef struct {
    int32_t period;
    int32_t changes; /* changes seen, saturating at period */
    bool has_prev;
    double prev;
    double avg_gain; /* a plain sum until changes == period */
    double avg_loss;
} sc_rsi;

/* SC_ERR_INVALID_ARG when period is outside 2..SC_RSI_PERIOD_MAX. */
sc_err sc_rsi_init(sc_rsi *r, int32_t period);
void sc_rsi_update(sc_rsi *r, double x);
/* RSI in 0..100 into *out; false (out untouched) before N+1 inputs. */
bool sc_rsi_get(const sc_rsi *r, double *out);

#endif
