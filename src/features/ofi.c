#include "features/ofi.h"

#include <stdlib.h>

#include "core/assert.h"

typedef struct {
    sc_ns ts_ns;
    int64_t e;
} ofi_entry;

struct sc_ofi {
    sc_ofi_config cfg;
    ofi_entry *ring; /* stored e, oldest first */
    uint32_t head;
    uint32_t len;
    int64_t sum; /* sum of e in the ring, exact */
    bool has_prev;
    sc_level bid;
    sc_level ask;
    bool has_time;
    sc_ns first_ns;
    sc_ns now_ns;
    bool dropped;
    sc_ns drop_ns;
};

sc_err sc_ofi_create(const sc_ofi_config *cfg, sc_ofi **out) {
    if (cfg == NULL || out == NULL || cfg->window_ns <= 0 || cfg->capacity < 1 ||
        cfg->capacity > SC_OFI_CAPACITY_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    sc_ofi *o = calloc(1, sizeof(*o));
    if (o == NULL) {
        return SC_ERR_NOMEM;
    }
    o->ring = calloc(cfg->capacity, sizeof(ofi_entry));
    if (o->ring == NULL) {
        free(o);
        return SC_ERR_NOMEM;
    }
    o->cfg = *cfg;
    *out = o;
    return SC_OK;
}

void sc_ofi_destroy(sc_ofi *o) {
    if (o == NULL) {
        return;
    }
    free(o->ring);
    free(o);
}

int64_t sc_ofi_event(sc_level bid_prev, sc_level ask_prev, sc_level bid, sc_level ask) {
    SC_ASSERT(bid.qty.steps >= 0 && bid_prev.qty.steps >= 0);
    SC_ASSERT(ask.qty.steps >= 0 && ask_prev.qty.steps >= 0);
    int64_t e = 0;
    if (bid.px.ticks >= bid_prev.px.ticks) {
        e += bid.qty.steps;
    }
    if (bid.px.ticks <= bid_prev.px.ticks) {
        e -= bid_prev.qty.steps;
    }
    if (ask.px.ticks <= ask_prev.px.ticks) {
        e -= ask.qty.steps;
    }
    if (ask.px.ticks >= ask_prev.px.ticks) {
        e += ask_prev.qty.steps;
    }
    return e;
}

static void ofi_expire(sc_ofi *o) {
    SC_ASSERT(o->len <= o->cfg.capacity);
    sc_ns cutoff = o->now_ns - o->cfg.window_ns;
    while (o->len > 0 && o->ring[o->head].ts_ns <= cutoff) {
        o->sum -= o->ring[o->head].e;
        o->head = (o->head + 1) % o->cfg.capacity;
        o->len--;
    }
    SC_ASSERT(o->len > 0 || o->sum == 0);
}

sc_err sc_ofi_advance(sc_ofi *o, sc_ns now_ns) {
    SC_ASSERT(o != NULL);
    if (o->has_time && now_ns < o->now_ns) {
        return SC_ERR_STATE;
    }
    o->has_time = true;
    o->now_ns = now_ns;
    ofi_expire(o);
    SC_ASSERT(o->len == 0 || o->ring[o->head].ts_ns > now_ns - o->cfg.window_ns);
    return SC_OK;
}

sc_err sc_ofi_update(sc_ofi *o, sc_ns ts_ns, sc_level bid, sc_level ask) {
    SC_ASSERT(o != NULL && o->len <= o->cfg.capacity);
    if (bid.px.ticks <= 0 || ask.px.ticks <= bid.px.ticks || bid.qty.steps < 0 ||
        ask.qty.steps < 0) {
        return SC_ERR_RANGE;
    }
    if (o->has_time && ts_ns < o->now_ns) {
        return SC_ERR_STATE;
    }
    if (!o->has_prev) {
        o->first_ns = ts_ns;
    }
    o->has_time = true;
    o->now_ns = ts_ns;
    ofi_expire(o);
    sc_err err = SC_OK;
    if (o->has_prev) {
        int64_t e = sc_ofi_event(o->bid, o->ask, bid, ask);
        if (e != 0 && o->len == o->cfg.capacity) {
            o->dropped = true;
            o->drop_ns = ts_ns;
            err = SC_ERR_FULL;
        } else if (e != 0) {
            o->ring[(o->head + o->len) % o->cfg.capacity] = (ofi_entry){ts_ns, e};
            o->len++;
            o->sum += e;
        }
    }
    SC_ASSERT(o->len <= o->cfg.capacity);
    o->has_prev = true;
    o->bid = bid;
    o->ask = ask;
    return err;
}

bool sc_ofi_get(const sc_ofi *o, int64_t *out_steps) {
    SC_ASSERT(o != NULL && out_steps != NULL);
    if (!o->has_prev || o->now_ns - o->first_ns < o->cfg.window_ns) {
        return false;
    }
    if (o->dropped && o->drop_ns > o->now_ns - o->cfg.window_ns) {
        return false;
    }
    SC_ASSERT(o->len > 0 || o->sum == 0);
    *out_steps = o->sum;
    return true;
}
