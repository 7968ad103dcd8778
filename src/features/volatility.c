#include "features/volatility.h"

#include <math.h>
#include <stdlib.h>

#include "core/assert.h"
#include "features/rank_window.h"

struct sc_volatility {
    sc_volatility_config cfg;
    double scale; /* sqrt(bars_per_year), or 1 */
    bool has_prev;
    double prev_close;
    double *returns; /* ring of the last N log returns */
    int32_t head;    /* next slot; the oldest once full */
    int32_t len;
    int32_t run; /* consecutive equal returns, saturating at N */
    double last_return;
    double mean;
    double m2;
    double vol; /* valid once len == N */
    sc_rank_window *history;
    sc_volatility_class cls;
};

static bool volatility_config_ok(const sc_volatility_config *c) {
    return c->period >= 2 && c->period <= SC_VOLATILITY_PERIOD_MAX && isfinite(c->bars_per_year) &&
           c->bars_per_year >= 0.0 && c->history >= 1 &&
           c->history <= SC_RANK_WINDOW_CAPACITY_MAX && c->history_min >= 1 &&
           c->history_min <= c->history && c->low_pct > 0.0 && c->low_pct < c->normal_pct &&
           c->normal_pct < c->high_pct && c->high_pct <= 100.0;
}

sc_err sc_volatility_create(const sc_volatility_config *cfg, sc_volatility **out) {
    if (cfg == NULL || out == NULL || !volatility_config_ok(cfg)) {
        return SC_ERR_INVALID_ARG;
    }
    sc_volatility *v = calloc(1, sizeof(*v));
    if (v == NULL) {
        return SC_ERR_NOMEM;
    }
    v->returns = calloc((size_t)cfg->period, sizeof(double));
    sc_rank_window_config rc = {.capacity = cfg->history};
    sc_err e = v->returns == NULL ? SC_ERR_NOMEM : sc_rank_window_create(&rc, &v->history);
    if (e != SC_OK) {
        free(v->returns);
        free(v);
        return e;
    }
    v->cfg = *cfg;
    v->scale = cfg->bars_per_year > 0.0 ? sqrt(cfg->bars_per_year) : 1.0;
    *out = v;
    return SC_OK;
}

void sc_volatility_destroy(sc_volatility *v) {
    if (v == NULL) {
        return;
    }
    sc_rank_window_destroy(v->history);
    free(v->returns);
    free(v);
}

static void volatility_recompute(sc_volatility *v) {
    int32_t n = v->cfg.period;
    SC_ASSERT(v->len == n && v->head == 0);
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++) {
        sum += v->returns[i];
    }
    double mean = sum / (double)n;
    double m2 = 0.0;
    for (int32_t i = 0; i < n; i++) {
        double d = v->returns[i] - mean;
        m2 += d * d;
    }
    SC_ASSERT(m2 >= 0.0);
    v->mean = mean;
    v->m2 = m2;
}

/* Windowed Welford step with the new return r. */
static void volatility_add_return(sc_volatility *v, double r) {
    int32_t n = v->cfg.period;
    SC_ASSERT(v->len <= n && v->head < n);
    v->run = (v->len > 0 && r == v->last_return) ? v->run + (v->run < n) : 1;
    v->last_return = r;
    if (v->len < n) {
        v->returns[v->head] = r;
        v->len++;
        double d = r - v->mean;
        v->mean += d / (double)v->len;
        v->m2 += d * (r - v->mean);
    } else {
        double old = v->returns[v->head];
        v->returns[v->head] = r;
        double mean_old = v->mean;
        v->mean += (r - old) / (double)n;
        v->m2 += (r - old) * (r - v->mean + old - mean_old);
    }
    v->head = (v->head + 1) % n;
    if (v->head == 0 && v->len == n) {
        volatility_recompute(v);
    }
    if (v->run == n) {
        v->mean = r; /* all N returns equal: exact */
        v->m2 = 0.0;
    }
    v->m2 = v->m2 < 0.0 ? 0.0 : v->m2;
}

static void volatility_classify(sc_volatility *v) {
    sc_rank_window_push(v->history, v->vol);
    uint32_t len = sc_rank_window_len(v->history);
    uint32_t below = sc_rank_window_count_below(v->history, v->vol);
    uint32_t at_most = sc_rank_window_count_at_most(v->history, v->vol);
    SC_ASSERT(below < at_most && at_most <= len); /* the vol itself is in */
    double pct = 100.0 * ((double)below + 0.5 * (double)(at_most - below)) / (double)len;
    sc_volatility_regime r = SC_VOLATILITY_REGIME_EXTREME;
    if (pct < v->cfg.low_pct) {
        r = SC_VOLATILITY_REGIME_LOW;
    } else if (pct < v->cfg.normal_pct) {
        r = SC_VOLATILITY_REGIME_NORMAL;
    } else if (pct < v->cfg.high_pct) {
        r = SC_VOLATILITY_REGIME_HIGH;
    }
    v->cls = (sc_volatility_class){.pct = pct, .regime = r};
}

sc_err sc_volatility_update(sc_volatility *v, double close) {
    SC_ASSERT(v != NULL && v->len <= v->cfg.period);
    if (!isfinite(close) || close <= 0.0) {
        return SC_ERR_RANGE;
    }
    if (!v->has_prev) {
        v->prev_close = close;
        v->has_prev = true;
        return SC_OK;
    }
    double r = log(close / v->prev_close);
    v->prev_close = close;
    SC_ASSERT(isfinite(r));
    volatility_add_return(v, r);
    if (v->len < v->cfg.period) {
        return SC_OK;
    }
    v->vol = sqrt(v->m2 / (double)(v->cfg.period - 1)) * v->scale;
    volatility_classify(v);
    return SC_OK;
}

bool sc_volatility_get(const sc_volatility *v, double *out) {
    SC_ASSERT(v != NULL && out != NULL);
    if (v->len < v->cfg.period) {
        return false;
    }
    *out = v->vol;
    SC_ASSERT(v->vol >= 0.0);
    return true;
}

bool sc_volatility_regime_get(const sc_volatility *v, sc_volatility_class *out) {
    SC_ASSERT(v != NULL && out != NULL);
    if (v->len < v->cfg.period || sc_rank_window_len(v->history) < v->cfg.history_min) {
        return false;
    }
    *out = v->cls;
    SC_ASSERT(out->pct > 0.0 && out->pct <= 100.0);
    return true;
}

const char *sc_volatility_regime_name(sc_volatility_regime r) {
    switch (r) {
    case SC_VOLATILITY_REGIME_LOW:
        return "low";
    case SC_VOLATILITY_REGIME_NORMAL:
        return "normal";
    case SC_VOLATILITY_REGIME_HIGH:
        return "high";
    case SC_VOLATILITY_REGIME_EXTREME:
        return "extreme";
    }
    return "?";
}
