#include "features/returns.h"

#include <math.h>
#include <stdlib.h>

#include "core/assert.h"

typedef struct {
    sc_ns ts_ns;
    double px;
} ret_obs;

struct sc_returns {
    sc_returns_config cfg;
    bool has_last;
    sc_ns last_ns;
    double last_px;
    /* bars: ring of the last N+1 prices */
    double *bar_px;
    int32_t bar_cap;  /* N + 1 */
    int32_t bar_head; /* next slot; the oldest once full */
    int32_t bar_len;
    /* time: ring of observations, oldest first */
    ret_obs *obs;
    uint32_t obs_head;
    uint32_t obs_len;
    bool dropped;  /* an observation was refused at some point */
    sc_ns drop_ns; /* the latest refused observation's time */
};

static bool returns_config_ok(const sc_returns_config *c) {
    bool bars_ok = c->bars >= 0 && c->bars <= SC_RETURNS_BARS_MAX;
    bool time_ok = c->window_ns >= 0 &&
                   (c->window_ns == 0 ||
                    (c->time_capacity >= 2 && c->time_capacity <= SC_RETURNS_TIME_CAPACITY_MAX));
    return bars_ok && time_ok && (c->bars > 0 || c->window_ns > 0);
}

sc_err sc_returns_create(const sc_returns_config *cfg, sc_returns **out) {
    if (cfg == NULL || out == NULL || !returns_config_ok(cfg)) {
        return SC_ERR_INVALID_ARG;
    }
    sc_returns *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return SC_ERR_NOMEM;
    }
    r->cfg = *cfg;
    if (cfg->bars > 0) {
        r->bar_cap = cfg->bars + 1;
        r->bar_px = calloc((size_t)r->bar_cap, sizeof(double));
    }
    if (cfg->window_ns > 0) {
        r->obs = calloc(cfg->time_capacity, sizeof(ret_obs));
    }
    if ((cfg->bars > 0 && r->bar_px == NULL) || (cfg->window_ns > 0 && r->obs == NULL)) {
        sc_returns_destroy(r);
        return SC_ERR_NOMEM;
    }
    *out = r;
    return SC_OK;
}

void sc_returns_destroy(sc_returns *r) {
    if (r == NULL) {
        return;
    }
    free(r->bar_px);
    free(r->obs);
    free(r);
}

static ret_obs *returns_obs_at(const sc_returns *r, uint32_t i) {
    SC_ASSERT(i < r->obs_len);
    return &r->obs[(r->obs_head + i) % r->cfg.time_capacity];
}

/* Appends to the time ring; false when it is full. */
static bool returns_time_push(sc_returns *r, sc_ns ts_ns, double px) {
    if (r->obs_len > 0) {
        ret_obs *newest = returns_obs_at(r, r->obs_len - 1);
        SC_ASSERT(newest->ts_ns <= ts_ns);
        if (newest->ts_ns == ts_ns) {
            newest->px = px; /* same instant: only the latest price matters */
            return true;
        }
    }
    if (r->obs_len == r->cfg.time_capacity) {
        return false;
    }
    r->obs[(r->obs_head + r->obs_len) % r->cfg.time_capacity] = (ret_obs){ts_ns, px};
    r->obs_len++;
    SC_ASSERT(r->obs_len <= r->cfg.time_capacity);
    return true;
}

/* Drops from the front while the second oldest is at or before t - W, so
 * the front is the as-of reference once one exists. */
static void returns_time_trim(sc_returns *r) {
    sc_ns cutoff = r->last_ns - r->cfg.window_ns;
    while (r->obs_len >= 2 && returns_obs_at(r, 1)->ts_ns <= cutoff) {
        r->obs_head = (r->obs_head + 1) % r->cfg.time_capacity;
        r->obs_len--;
    }
    SC_ASSERT(r->obs_len < 2 || returns_obs_at(r, 1)->ts_ns > cutoff);
}

sc_err sc_returns_update(sc_returns *r, sc_ns ts_ns, double px) {
    SC_ASSERT(r != NULL);
    if (!isfinite(px) || px <= 0.0) {
        return SC_ERR_RANGE;
    }
    if (r->has_last && ts_ns < r->last_ns) {
        return SC_ERR_STATE;
    }
    sc_err e = SC_OK;
    if (r->cfg.window_ns > 0) {
        /* Trim first: the push may then find room that trimming freed. */
        r->last_ns = ts_ns;
        returns_time_trim(r);
        if (!returns_time_push(r, ts_ns, px)) {
            r->dropped = true;
            r->drop_ns = ts_ns;
            e = SC_ERR_FULL;
        }
    }
    if (r->cfg.bars > 0) {
        r->bar_px[r->bar_head] = px;
        r->bar_head = (r->bar_head + 1) % r->bar_cap;
        r->bar_len += r->bar_len < r->bar_cap;
        SC_ASSERT(r->bar_len <= r->bar_cap && r->bar_head < r->bar_cap);
    }
    r->has_last = true;
    r->last_ns = ts_ns;
    r->last_px = px;
    return e;
}

static void returns_fill(double px, double ref, sc_returns_value *out) {
    SC_ASSERT(px > 0.0 && ref > 0.0);
    *out = (sc_returns_value){.simple = px / ref - 1.0, .log = log(px / ref)};
}

bool sc_returns_bars_get(const sc_returns *r, sc_returns_value *out) {
    SC_ASSERT(r != NULL && out != NULL);
    if (r->cfg.bars == 0 || r->bar_len < r->bar_cap) {
        return false;
    }
    SC_ASSERT(r->bar_head < r->bar_cap);
    /* Full ring: bar_head is the oldest slot, N updates before the latest. */
    returns_fill(r->last_px, r->bar_px[r->bar_head], out);
    return true;
}

bool sc_returns_time_get(const sc_returns *r, sc_returns_value *out) {
    SC_ASSERT(r != NULL && out != NULL);
    if (r->cfg.window_ns == 0 || r->obs_len == 0) {
        return false;
    }
    const ret_obs *ref = returns_obs_at(r, 0);
    SC_ASSERT(ref->ts_ns <= r->last_ns);
    if (ref->ts_ns > r->last_ns - r->cfg.window_ns) {
        return false; /* no observation at or before t - W yet */
    }
    if (r->dropped && ref->ts_ns < r->drop_ns) {
        return false; /* the true reference might be the refused one */
    }
    returns_fill(r->last_px, ref->px, out);
    return true;
}
