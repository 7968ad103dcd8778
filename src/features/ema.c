#include "features/ema.h"

#include <math.h>
#include <stddef.h>

#include "core/assert.h"

sc_err sc_ema_init(sc_ema *e, int32_t period) {
    if (e == NULL || period < 1 || period > SC_EMA_PERIOD_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    *e = (sc_ema){.period = period, .alpha = 2.0 / ((double)period + 1.0)};
    return SC_OK;
}

void sc_ema_update(sc_ema *e, double x) {
    SC_ASSERT(e != NULL && e->period >= 1);
    SC_ASSERT(isfinite(x));
    if (e->count < e->period) {
        /* Warm-up: the seed is the plain mean of the first N inputs. */
        e->seed_sum += x;
        e->count++;
        if (e->count == e->period) {
            e->value = e->seed_sum / (double)e->period;
        }
        return;
    }
    e->value = (x - e->value) * e->alpha + e->value;
    SC_ASSERT(isfinite(e->value));
}

bool sc_ema_get(const sc_ema *e, double *out) {
    SC_ASSERT(e != NULL && out != NULL);
    SC_ASSERT(e->count <= e->period);
    if (e->count < e->period) {
        return false;
    }
    *out = e->value;
    return true;
}
