#include "features/rsi.h"

#include <math.h>
#include <stddef.h>

#include "core/assert.h"

sc_err sc_rsi_init(sc_rsi *r, int32_t period) {
    if (r == NULL || period < SC_RSI_PERIOD_MIN || period > SC_RSI_PERIOD_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    *r = (sc_rsi){.period = period};
    return SC_OK;
}

void sc_rsi_update(sc_rsi *r, double x) {
    SC_ASSERT(r != NULL && r->period >= SC_RSI_PERIOD_MIN);
    SC_ASSERT(isfinite(x));
    if (!r->has_prev) {
        r->prev = x;
        r->has_prev = true;
        return;
    }
    double change = x - r->prev;
    r->prev = x;
    double n = (double)r->period;
    if (r->changes < r->period) {
        /* Warm-up: plain sums, turned into means at the N-th change. */
        if (change < 0.0) {
            r->avg_loss -= change;
        } else {
            r->avg_gain += change;
        }
        r->changes++;
        if (r->changes == r->period) {
            r->avg_loss /= n;
            r->avg_gain /= n;
        }
        return;
    }
    /* Wilder: multiply, add, divide as three steps, as TA-Lib does, so the
     * results match it to the last bit. */
    r->avg_loss *= n - 1.0;
    r->avg_gain *= n - 1.0;
    if (change < 0.0) {
        r->avg_loss -= change;
    } else {
        r->avg_gain += change;
    }
    r->avg_loss /= n;
    r->avg_gain /= n;
    SC_ASSERT(r->avg_gain >= 0.0 && r->avg_loss >= 0.0);
}

bool sc_rsi_get(const sc_rsi *r, double *out) {
    SC_ASSERT(r != NULL && out != NULL);
    SC_ASSERT(r->changes <= r->period);
    if (r->changes < r->period) {
        return false;
    }
    double sum = r->avg_gain + r->avg_loss;
    /* Flat input is neutral: see the header for why this is not TA-Lib's 0. */
    *out = sum == 0.0 ? 50.0 : 100.0 * (r->avg_gain / sum);
    SC_ASSERT(*out >= 0.0 && *out <= 100.0);
    return true;
}
