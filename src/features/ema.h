/* ema.h: exponential moving average, TA-Lib's default definition.
 *
 * Definition, for a period N (1..SC_EMA_PERIOD_MAX) and alpha = 2/(N+1):
 *  - inputs 1..N-1 give no value (not ready);
 *  - at input N the EMA is the simple mean of the first N inputs, summed
 *    from 0.0 in input order and divided by N (TA-Lib's SMA seed);
 *  - from input N+1 on, ema = (x - ema) * alpha + ema, in that arithmetic
 *    order (TA-Lib's).
 * This equals TA_EMA with the default compatibility and no unstable period,
 * called on the whole series from its first value (lookback N-1). TA-Lib's
 * output depends on startIdx (the seed moves with it); ours is the
 * startIdx = 0 case, the only one an incremental calculator can be.
 *
 * Input: any finite double (a NaN or an infinity is a bug of the caller and
 * trips SC_ASSERT). Cost: O(1) per update.
 *
 * A plain value type (no allocation): embed it, initialise it with
 * sc_ema_init, read it only through these functions.
 * Thread: the owner's. Allocates: nothing.
 */
#ifndef SC_FEATURES_EMA_H
#define SC_FEATURES_EMA_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

/* TA-Lib's ceiling for every period. */
enum { SC_EMA_PERIOD_MAX = 100000 };

typedef struct {
    int32_t period;
    int32_t count; /* inputs seen, saturating at period */
    double alpha;  /* 2 / (period + 1) */
    double seed_sum;
    double value; /* valid once count == period */
} sc_ema;

/* SC_ERR_INVALID_ARG when period is outside 1..SC_EMA_PERIOD_MAX. */
sc_err sc_ema_init(sc_ema *e, int32_t period);
void sc_ema_update(sc_ema *e, double x);
/* The current EMA into *out; false (out untouched) before N inputs. */
bool sc_ema_get(const sc_ema *e, double *out);

#endif
