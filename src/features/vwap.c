#include "features/vwap.h"

#include <math.h>
#include <stdlib.h>

#include "core/assert.h"

typedef enum { VWAP_SOURCE_NONE = 0, VWAP_SOURCE_BARS = 1, VWAP_SOURCE_TRADES = 2 } vwap_source;

typedef struct {
    double pv; /* price * volume */
    double v;
} vwap_slot;

struct sc_vwap {
    vwap_source source;
    sc_ns last_ns;
    sc_ns session_start_ns;
    double session_pv;
    double session_v;
    int32_t rolling_bars;
    vwap_slot *ring;
    int32_t head; /* next slot to write; the oldest once full */
    int32_t len;
    int32_t nonzero; /* bars in the ring with volume > 0 */
    double rolling_pv;
    double rolling_v;
};

sc_err sc_vwap_create(const sc_vwap_config *cfg, sc_vwap **out) {
    if (cfg == NULL || out == NULL || cfg->rolling_bars < 1 ||
        cfg->rolling_bars > SC_VWAP_ROLLING_BARS_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    sc_vwap *v = calloc(1, sizeof(*v));
    if (v == NULL) {
        return SC_ERR_NOMEM;
    }
    v->ring = calloc((size_t)cfg->rolling_bars, sizeof(vwap_slot));
    if (v->ring == NULL) {
        free(v);
        return SC_ERR_NOMEM;
    }
    v->rolling_bars = cfg->rolling_bars;
    *out = v;
    return SC_OK;
}

void sc_vwap_destroy(sc_vwap *v) {
    if (v == NULL) {
        return;
    }
    free(v->ring);
    free(v);
}

static bool vwap_px_ok(double px) {
    return isfinite(px) && px > 0.0;
}

static bool vwap_qty_ok(double qty) {
    return isfinite(qty) && qty >= 0.0;
}

/* Shared by both sources: order check, session roll, session sums. */
static sc_err vwap_session_add(sc_vwap *v, vwap_source src, sc_ns ts_ns, double px, double qty) {
    if (v->source != VWAP_SOURCE_NONE && v->source != src) {
        return SC_ERR_STATE;
    }
    if (v->source != VWAP_SOURCE_NONE &&
        (ts_ns < v->last_ns || (src == VWAP_SOURCE_BARS && ts_ns == v->last_ns))) {
        return SC_ERR_STATE;
    }
    sc_ns day = sc_ns_utc_day_start(ts_ns);
    if (v->source == VWAP_SOURCE_NONE || day != v->session_start_ns) {
        SC_ASSERT(v->source == VWAP_SOURCE_NONE || day > v->session_start_ns);
        v->session_start_ns = day;
        v->session_pv = 0.0;
        v->session_v = 0.0;
    }
    v->source = src;
    v->last_ns = ts_ns;
    v->session_pv += px * qty;
    v->session_v += qty;
    SC_ASSERT(v->session_v >= 0.0 && v->session_pv >= 0.0);
    return SC_OK;
}

static void vwap_rolling_recompute(sc_vwap *v) {
    SC_ASSERT(v->nonzero >= 0 && v->nonzero <= v->len);
    SC_ASSERT(v->len == v->rolling_bars && v->head == 0);
    double pv = 0.0;
    double vol = 0.0;
    for (int32_t i = 0; i < v->rolling_bars; i++) {
        pv += v->ring[i].pv;
        vol += v->ring[i].v;
    }
    v->rolling_pv = pv;
    v->rolling_v = vol;
    SC_ASSERT(pv >= 0.0 && vol >= 0.0);
}

static void vwap_rolling_add(sc_vwap *v, double pv, double vol) {
    SC_ASSERT(pv >= 0.0 && vol >= 0.0);
    SC_ASSERT(v->len <= v->rolling_bars && v->head < v->rolling_bars);
    if (v->len == v->rolling_bars) {
        v->rolling_pv -= v->ring[v->head].pv;
        v->rolling_v -= v->ring[v->head].v;
        v->nonzero -= v->ring[v->head].v > 0.0;
    } else {
        v->len++;
    }
    v->ring[v->head] = (vwap_slot){.pv = pv, .v = vol};
    v->nonzero += vol > 0.0;
    SC_ASSERT(v->nonzero >= 0 && v->nonzero <= v->len);
    v->rolling_pv += pv;
    v->rolling_v += vol;
    v->head = (v->head + 1) % v->rolling_bars;
    if (v->head == 0 && v->len == v->rolling_bars) {
        vwap_rolling_recompute(v); /* every N bars: drop accumulated rounding */
    }
    /* Subtraction can leave a hair below zero; the true sums are >= 0. */
    v->rolling_pv = v->rolling_pv < 0.0 ? 0.0 : v->rolling_pv;
    v->rolling_v = v->rolling_v < 0.0 ? 0.0 : v->rolling_v;
}

sc_err sc_vwap_update_bar(sc_vwap *v, sc_ns open_ns, double high, double low, double close,
                          double volume) {
    SC_ASSERT(v != NULL && v->len <= v->rolling_bars);
    if (!vwap_px_ok(high) || !vwap_px_ok(low) || !vwap_px_ok(close) || !vwap_qty_ok(volume)) {
        return SC_ERR_RANGE;
    }
    double typical = (high + low + close) / 3.0;
    sc_err e = vwap_session_add(v, VWAP_SOURCE_BARS, open_ns, typical, volume);
    if (e != SC_OK) {
        return e;
    }
    vwap_rolling_add(v, typical * volume, volume);
    return SC_OK;
}

sc_err sc_vwap_update_trade(sc_vwap *v, sc_ns ts_ns, double px, double qty) {
    SC_ASSERT(v != NULL);
    if (!vwap_px_ok(px) || !vwap_qty_ok(qty)) {
        return SC_ERR_RANGE;
    }
    return vwap_session_add(v, VWAP_SOURCE_TRADES, ts_ns, px, qty);
}

bool sc_vwap_session_get(const sc_vwap *v, double *out) {
    SC_ASSERT(v != NULL && out != NULL);
    if (v->source == VWAP_SOURCE_NONE || v->session_v <= 0.0) {
        return false;
    }
    *out = v->session_pv / v->session_v;
    SC_ASSERT(isfinite(*out) && *out > 0.0);
    return true;
}

bool sc_vwap_rolling_get(const sc_vwap *v, double *out) {
    SC_ASSERT(v != NULL && out != NULL);
    /* The bar count, not the float sum, says whether any volume is left:
     * after subtraction a sum of zero volumes can be a hair above 0. */
    if (v->len < v->rolling_bars || v->nonzero == 0 || v->rolling_v <= 0.0) {
        return false;
    }
    *out = v->rolling_pv / v->rolling_v;
    SC_ASSERT(isfinite(*out));
    return true;
}

bool sc_vwap_session_start_get(const sc_vwap *v, sc_ns *out) {
    SC_ASSERT(v != NULL && out != NULL);
    if (v->source == VWAP_SOURCE_NONE) {
        return false;
    }
    *out = v->session_start_ns;
    return true;
}

bool sc_vwap_distance_bps(double px, double vwap, double *out) {
    SC_ASSERT(out != NULL);
    if (!isfinite(vwap) || vwap <= 0.0 || !isfinite(px)) {
        return false;
    }
    *out = (px - vwap) / vwap * 1e4;
    return true;
}
