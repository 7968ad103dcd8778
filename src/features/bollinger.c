#include "features/bollinger.h"

#include <math.h>
#include <stdlib.h>

#include "core/assert.h"

struct sc_bollinger {
    int32_t period;
    double k;
    double *win;  /* ring of the last `period` inputs, unshifted */
    int32_t head; /* next slot to write; the oldest input once full */
    int32_t len;
    int32_t run; /* consecutive inputs equal to `last`, saturating at period */
    double shift;
    double mean; /* mean of (x - shift) over the window */
    double m2;   /* sum of squared deviations from the mean */
    double last;
};

sc_err sc_bollinger_create(const sc_bollinger_config *cfg, sc_bollinger **out) {
    if (cfg == NULL || out == NULL || cfg->period < 2 || cfg->period > SC_BOLLINGER_PERIOD_MAX ||
        !isfinite(cfg->k) || cfg->k <= 0.0) {
        return SC_ERR_INVALID_ARG;
    }
    sc_bollinger *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        return SC_ERR_NOMEM;
    }
    b->win = calloc((size_t)cfg->period, sizeof(double));
    if (b->win == NULL) {
        free(b);
        return SC_ERR_NOMEM;
    }
    b->period = cfg->period;
    b->k = cfg->k;
    *out = b;
    return SC_OK;
}

void sc_bollinger_destroy(sc_bollinger *b) {
    if (b == NULL) {
        return;
    }
    free(b->win);
    free(b);
}

/* Re-centres the shift on the current mean, then computes mean and M2
 * exactly in two passes over the full ring, oldest first. */
static void bollinger_recompute(sc_bollinger *b) {
    SC_ASSERT(b->len == b->period && b->head == 0);
    b->shift += b->mean;
    double sum = 0.0;
    for (int32_t i = 0; i < b->period; i++) {
        sum += b->win[i] - b->shift;
    }
    double mean = sum / (double)b->period;
    double m2 = 0.0;
    for (int32_t i = 0; i < b->period; i++) {
        double d = (b->win[i] - b->shift) - mean;
        m2 += d * d;
    }
    SC_ASSERT(m2 >= 0.0);
    b->mean = mean;
    b->m2 = m2;
}

/* One windowed Welford step on the shifted value y. */
static void bollinger_step(sc_bollinger *b, double x) {
    SC_ASSERT(b->len <= b->period && b->head < b->period);
    double y = x - b->shift;
    if (b->len < b->period) {
        b->win[b->head] = x;
        b->len++;
        double d = y - b->mean;
        b->mean += d / (double)b->len;
        b->m2 += d * (y - b->mean);
    } else {
        double y_old = b->win[b->head] - b->shift;
        b->win[b->head] = x;
        double mean_old = b->mean;
        b->mean += (y - y_old) / (double)b->period;
        b->m2 += (y - y_old) * (y - b->mean + y_old - mean_old);
    }
    b->head = (b->head + 1) % b->period;
}

sc_err sc_bollinger_update(sc_bollinger *b, double x) {
    SC_ASSERT(b != NULL && b->len <= b->period);
    if (!isfinite(x) || x <= 0.0) {
        return SC_ERR_RANGE;
    }
    if (b->len == 0) {
        b->shift = x;
    }
    b->run = (b->len > 0 && x == b->last) ? b->run + (b->run < b->period) : 1;
    b->last = x;
    bollinger_step(b, x);
    if (b->head == 0 && b->len == b->period) {
        bollinger_recompute(b); /* every N inputs: drop accumulated rounding */
    }
    if (b->run == b->period) {
        /* All N inputs equal: the mean is x and M2 is 0, exactly. */
        b->mean = x - b->shift;
        b->m2 = 0.0;
    }
    if (b->m2 < 0.0) {
        b->m2 = 0.0; /* rounding of the windowed step; the true M2 is >= 0 */
    }
    SC_ASSERT(b->shift + b->mean > 0.0);
    return SC_OK;
}

bool sc_bollinger_get(const sc_bollinger *b, sc_bollinger_value *out) {
    SC_ASSERT(b != NULL && out != NULL);
    SC_ASSERT(b->m2 >= 0.0);
    if (b->len < b->period) {
        return false;
    }
    double mid = b->shift + b->mean;
    double sd = sqrt(b->m2 / (double)b->period);
    double upper = mid + b->k * sd;
    double lower = mid - b->k * sd;
    double width = upper - lower;
    SC_ASSERT(width >= 0.0 && mid > 0.0);
    *out = (sc_bollinger_value){
        .mid = mid,
        .sd = sd,
        .upper = upper,
        .lower = lower,
        .pct_b = width > 0.0 ? (b->last - lower) / width : 0.5,
        .bandwidth = width / mid,
    };
    return true;
}
