/* bollinger.h: Bollinger Bands over the last N inputs.
 *
 * Definition, for a period N (2..SC_BOLLINGER_PERIOD_MAX) and width k > 0
 * (defaults 20 and 2):
 *  - mid = simple mean of the last N inputs;
 *  - sd = population standard deviation of the same N inputs,
 *    sqrt(sum((x - mid)^2) / N);
 *  - upper = mid + k*sd, lower = mid - k*sd;
 *  - %B = (x_last - lower) / (upper - lower). When sd == 0 (all N inputs
 *    equal, so x_last == mid) %B is defined as 0.5, the centre, never 0;
 *  - bandwidth = (upper - lower) / mid, a fraction (0.004 = 0.4%).
 * Ready after N inputs. This is TA_BBANDS with MA type SMA and
 * nbDevUp = nbDevDn = k (TA-Lib's standard deviation is also the population
 * one); TA-Lib has neither %B nor bandwidth.
 *
 * Numerics: TA-Lib computes the variance as mean(x^2) - mid^2, which at
 * BTC prices (x^2 ~ 1e10, variance ~ 1e2) loses about 8 significant digits.
 * We keep the window in a ring and work on y = x - s, where the shift s is
 * a recent mean (so y is small and, by Sterbenz's lemma, exact while x is
 * within a factor 2 of s). The mean of y and M2 = sum((y - mean)^2) follow
 * the windowed Welford step (replace y_out by y_in):
 *   mean' = mean + (y_in - y_out)/N
 *   M2'   = M2 + (y_in - y_out) * (y_in - mean' + y_out - mean)
 * Every time the ring wraps (every N inputs) s moves to the current mean
 * and mean and M2 are recomputed exactly in two passes over the ring, so
 * rounding cannot accumulate: amortised O(1) per update (about 4N flops
 * every N updates). M2 is clamped at 0, and when the last N inputs are all
 * equal (a run counter says so in O(1)) sd is exactly 0.
 *
 * Input: prices, finite and > 0; anything else is refused with
 * SC_ERR_RANGE and changes nothing (so mid > 0 and the bandwidth exists).
 *
 * Thread: the owner's. Allocates: the ring (N doubles) in create only.
 * Invariants (asserted): 0 <= len <= N; M2 >= 0; mid > 0.
 */
#ifndef SC_FEATURES_BOLLINGER_H
#define SC_FEATURES_BOLLINGER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

enum { SC_BOLLINGER_PERIOD_MAX = 100000 };

typedef struct sc_bollinger sc_bollinger;

typedef struct {
    int32_t period; /* N, 2..SC_BOLLINGER_PERIOD_MAX */
    double k;       /* band width in standard deviations, finite and > 0 */
} sc_bollinger_config;

typedef struct {
    double mid;
    double sd;
    double upper;
    double lower;
    double pct_b;     /* 0 at the lower band, 1 at the upper; can leave 0..1 */
    double bandwidth; /* (upper - lower) / mid */
} sc_bollinger_value;

sc_err sc_bollinger_create(const sc_bollinger_config *cfg, sc_bollinger **out);
void sc_bollinger_destroy(sc_bollinger *b);

/* SC_ERR_RANGE for a non-finite or non-positive x (nothing changes). */
sc_err sc_bollinger_update(sc_bollinger *b, double x);
/* False (out untouched) before N inputs. */
bool sc_bollinger_get(const sc_bollinger *b, sc_bollinger_value *out);

#endif
