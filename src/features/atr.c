#include "features/atr.h"

#include <math.h>
#include <stddef.h>

#include "core/assert.h"

sc_err sc_atr_init(sc_atr *a, int32_t period) {
    if (a == NULL || period < 1 || period > SC_ATR_PERIOD_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    *a = (sc_atr){.period = period};
    return SC_OK;
}

double sc_atr_true_range(double high, double low, double prev_close) {
    SC_ASSERT(isfinite(high) && isfinite(low) && isfinite(prev_close));
    double greatest = high - low;
    double to_high = fabs(prev_close - high);
    if (to_high > greatest) {
        greatest = to_high;
    }
    double to_low = fabs(prev_close - low);
    if (to_low > greatest) {
        greatest = to_low;
    }
    return greatest;
}

void sc_atr_update(sc_atr *a, double high, double low, double close) {
    SC_ASSERT(a != NULL && a->period >= 1);
    SC_ASSERT(isfinite(close));
    if (!a->has_prev) {
        /* Bar 1: no previous close, no TR (TA-Lib skips it too). */
        a->prev_close = close;
        a->has_prev = true;
        return;
    }
    double tr = sc_atr_true_range(high, low, a->prev_close);
    SC_ASSERT(tr >= 0.0); /* the abs terms make it so, even for low > high */
    a->prev_close = close;
    a->tr = tr;
    a->has_tr = true;
    double n = (double)a->period;
    if (a->trs < a->period) {
        a->atr += tr;
        a->trs++;
        if (a->trs == a->period) {
            a->atr /= n;
        }
        return;
    }
    a->atr *= n - 1.0;
    a->atr += tr;
    a->atr /= n;
    SC_ASSERT(a->atr >= 0.0);
}

bool sc_atr_tr_get(const sc_atr *a, double *out) {
    SC_ASSERT(a != NULL && out != NULL);
    if (!a->has_tr) {
        return false;
    }
    *out = a->tr;
    return true;
}

bool sc_atr_get(const sc_atr *a, double *out) {
    SC_ASSERT(a != NULL && out != NULL);
    SC_ASSERT(a->trs <= a->period);
    if (a->trs < a->period) {
        return false;
    }
    *out = a->atr;
    return true;
}
