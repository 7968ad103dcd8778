/* macd.h: moving average convergence/divergence, TA-Lib's TA_MACD seeding.
 *
 * Definition, for periods fast < slow and signal (defaults 12, 26, 9):
 *  - slow EMA: alpha_s = 2/(slow+1), seeded at input `slow` with the mean of
 *    inputs 1..slow;
 *  - fast EMA: alpha_f = 2/(fast+1), seeded at the SAME input `slow` with
 *    the mean of the last `fast` of those inputs (inputs slow-fast+1..slow).
 *    This is TA-Lib's alignment: the fast seed window ends where the slow
 *    one does, so the fast EMA starts late rather than at input `fast`.
 *    A stand-alone EMA(fast) differs from it by a gap that shrinks by a
 *    factor (1 - alpha_f) per bar;
 *  - both then follow ema = (x - ema) * alpha + ema;
 *  - line = fast - slow, from input `slow` on;
 *  - signal = EMA(signal) of the line, seeded with the mean of the first
 *    `signal` line values (sc_ema); first value at input slow+signal-1;
 *  - histogram = line - signal.
 * All three equal TA_MACD (default compatibility, no unstable period, whole
 * series from its first value; lookback slow+signal-2) up to the rounding
 * of the line differences (same arithmetic order, so normally bit-equal).
 * Where we differ: TA-Lib swaps fast and slow when fast > slow and accepts
 * fast == slow; we refuse both (SC_ERR_INVALID_ARG). TA-Lib's special
 * 0-period "fix 12/26" mode (TA_MACDFIX) is not offered.
 *
 * Input: any finite double (SC_ASSERT otherwise). Cost: O(1) per update.
 * A plain value type. Thread: the owner's. Allocates: nothing.
 */
#ifndef SC_FEATURES_MACD_H
#define SC_FEATURES_MACD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "features/ema.h"

typedef struct {
    int32_t fast_period;   /* 1..slow_period-1; usually 12 */
    int32_t slow_period;   /* 2..SC_EMA_PERIOD_MAX; usually 26 */
    int32_t signal_period; /* 1..SC_EMA_PERIOD_MAX; usually 9 */
} sc_macd_config;

typedef struct {
    sc_macd_config cfg;
    int32_t count; /* inputs seen, saturating at slow_period */
    double fast_alpha;
    double slow_alpha;
    double fast; /* a plain sum until count == slow_period */
    double slow;
    double line;
    sc_ema signal;
} sc_macd;

typedef struct {
    double line;   /* fast EMA - slow EMA */
    double signal; /* EMA of the line */
    double hist;   /* line - signal */
} sc_macd_value;

/* SC_ERR_INVALID_ARG for periods out of range or fast >= slow. */
sc_err sc_macd_init(sc_macd *m, const sc_macd_config *cfg);
void sc_macd_update(sc_macd *m, double x);
/* All three values; false (out untouched) before slow+signal-1 inputs. */
bool sc_macd_get(const sc_macd *m, sc_macd_value *out);
/* The line alone; false before `slow` inputs. */
bool sc_macd_line_get(const sc_macd *m, double *out);

#endif
