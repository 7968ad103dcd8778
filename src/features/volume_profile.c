#include "features/volume_profile.h"

#include <math.h>
#include <stdlib.h>

#include "core/assert.h"

typedef enum { VP_SOURCE_NONE = 0, VP_SOURCE_BARS = 1, VP_SOURCE_TRADES = 2 } vp_source;

typedef struct {
    sc_ns ts_ns;
    int64_t bucket; /* absolute bucket index */
    int64_t qty;    /* steps, > 0 */
} vp_entry;

struct sc_volume_profile {
    sc_volume_profile_config cfg;
    vp_entry *ring; /* entries in the window, oldest first */
    uint32_t head;
    uint32_t len;
    int64_t *hist; /* hist[i] = volume of absolute bucket base + i */
    int64_t base;
    int64_t below;  /* window volume under the grid */
    int64_t above;  /* and over it */
    int64_t total;  /* window volume in the grid */
    int64_t occ_lo; /* lowest and highest grid index with volume; -1 when */
    int64_t occ_hi; /* the grid is empty */
    vp_source source;
    bool has_time; /* an add or an advance has set now_ns */
    sc_ns first_ns;
    sc_ns now_ns;
    sc_ns last_add_ns;
    int64_t last_px_ticks;
    bool dropped;
    sc_ns drop_ns; /* time of the latest input lost to the entry limit */
};

static bool vp_config_ok(const sc_volume_profile_config *c) {
    return c->bucket_ticks >= 1 && c->bucket_ticks <= SC_VOLUME_PROFILE_BUCKET_TICKS_MAX &&
           c->buckets >= SC_VOLUME_PROFILE_BUCKETS_MIN &&
           c->buckets <= SC_VOLUME_PROFILE_BUCKETS_MAX && c->window_ns > 0 && c->entries_max >= 1 &&
           c->entries_max <= SC_VOLUME_PROFILE_ENTRIES_MAX && isfinite(c->value_area) &&
           c->value_area > 0.0 && c->value_area <= 1.0 &&
           c->smooth_halfwidth <= SC_VOLUME_PROFILE_SMOOTH_MAX &&
           c->nodes_max <= SC_VOLUME_PROFILE_NODES_MAX;
}

sc_err sc_volume_profile_create(const sc_volume_profile_config *cfg, sc_volume_profile **out) {
    if (cfg == NULL || out == NULL || !vp_config_ok(cfg)) {
        return SC_ERR_INVALID_ARG;
    }
    sc_volume_profile *vp = calloc(1, sizeof(*vp));
    if (vp == NULL) {
        return SC_ERR_NOMEM;
    }
    vp->ring = calloc(cfg->entries_max, sizeof(vp_entry));
    vp->hist = calloc(cfg->buckets, sizeof(int64_t));
    if (vp->ring == NULL || vp->hist == NULL) {
        sc_volume_profile_destroy(vp);
        return SC_ERR_NOMEM;
    }
    vp->cfg = *cfg;
    vp->occ_lo = -1;
    vp->occ_hi = -1;
    *out = vp;
    return SC_OK;
}

void sc_volume_profile_destroy(sc_volume_profile *vp) {
    if (vp == NULL) {
        return;
    }
    free(vp->ring);
    free(vp->hist);
    free(vp);
}

/* Keeps [occ_lo, occ_hi] the exact occupied range after hist[i] changed
 * from `before`. A bucket emptied at an end walks that end inwards: each
 * step passes an empty bucket, so over time this costs no more than the
 * adds that filled them. */
static void vp_occupancy(sc_volume_profile *vp, int64_t i, int64_t before) {
    if (vp->total == 0) {
        vp->occ_lo = -1;
        vp->occ_hi = -1;
    } else if (before == 0 && vp->hist[i] > 0) {
        vp->occ_lo = (vp->occ_lo < 0 || i < vp->occ_lo) ? i : vp->occ_lo;
        vp->occ_hi = i > vp->occ_hi ? i : vp->occ_hi;
    } else if (vp->hist[i] == 0) {
        while (vp->hist[vp->occ_lo] == 0) {
            vp->occ_lo++;
        }
        while (vp->hist[vp->occ_hi] == 0) {
            vp->occ_hi--;
        }
    }
    SC_ASSERT(vp->total == 0 ||
              (vp->occ_lo <= vp->occ_hi && vp->hist[vp->occ_lo] > 0 && vp->hist[vp->occ_hi] > 0));
}

/* Adds qty (negative: removes) of absolute bucket b to the grid or to an
 * overflow. */
static void vp_account(sc_volume_profile *vp, int64_t b, int64_t qty) {
    int64_t i = b - vp->base;
    if (i < 0) {
        vp->below += qty;
    } else if (i >= (int64_t)vp->cfg.buckets) {
        vp->above += qty;
    } else {
        int64_t before = vp->hist[i];
        vp->hist[i] += qty;
        vp->total += qty;
        SC_ASSERT(vp->hist[i] >= 0);
        vp_occupancy(vp, i, before);
    }
    SC_ASSERT(vp->below >= 0 && vp->above >= 0 && vp->total >= 0);
}

static vp_entry *vp_at(const sc_volume_profile *vp, uint32_t i) {
    SC_ASSERT(i < vp->len);
    return &vp->ring[(vp->head + i) % vp->cfg.entries_max];
}

/* Re-centres the grid on absolute bucket b and re-adds the window. */
static void vp_recentre(sc_volume_profile *vp, int64_t b) {
    vp->base = b - (int64_t)(vp->cfg.buckets / 2);
    for (uint32_t i = 0; i < vp->cfg.buckets; i++) {
        vp->hist[i] = 0;
    }
    vp->below = 0;
    vp->above = 0;
    vp->total = 0;
    vp->occ_lo = -1;
    vp->occ_hi = -1;
    for (uint32_t i = 0; i < vp->len; i++) {
        const vp_entry *e = vp_at(vp, i);
        vp_account(vp, e->bucket, e->qty);
    }
}

/* Drops entries at or before now - W. */
static void vp_expire(sc_volume_profile *vp) {
    SC_ASSERT(vp->len <= vp->cfg.entries_max);
    sc_ns cutoff = vp->now_ns - vp->cfg.window_ns;
    while (vp->len > 0 && vp_at(vp, 0)->ts_ns <= cutoff) {
        const vp_entry *e = vp_at(vp, 0);
        vp_account(vp, e->bucket, -e->qty);
        vp->head = (vp->head + 1) % vp->cfg.entries_max;
        vp->len--;
    }
}

sc_err sc_volume_profile_advance(sc_volume_profile *vp, sc_ns now_ns) {
    SC_ASSERT(vp != NULL);
    if (vp->has_time && now_ns < vp->now_ns) {
        return SC_ERR_STATE;
    }
    vp->has_time = true;
    vp->now_ns = now_ns;
    vp_expire(vp);
    return SC_OK;
}

/* Common path of both adds, after validation. */
static sc_err vp_add(sc_volume_profile *vp, vp_source src, sc_ns ts_ns, int64_t bucket,
                     int64_t last_px_ticks, int64_t qty) {
    bool first = vp->source == VP_SOURCE_NONE;
    if ((vp->has_time && ts_ns < vp->now_ns) ||
        (!first && (vp->source != src || (src == VP_SOURCE_BARS && ts_ns <= vp->last_add_ns)))) {
        return SC_ERR_STATE;
    }
    if (first) {
        vp->source = src;
        vp->first_ns = ts_ns;
    }
    vp->has_time = true;
    vp->now_ns = ts_ns;
    vp->last_add_ns = ts_ns;
    vp->last_px_ticks = last_px_ticks;
    vp_expire(vp);
    int64_t last_b = last_px_ticks / vp->cfg.bucket_ticks;
    int64_t quarter = (int64_t)(vp->cfg.buckets / 4);
    if (first || last_b - vp->base < quarter ||
        last_b - vp->base >= (int64_t)vp->cfg.buckets - quarter) {
        vp_recentre(vp, last_b);
    }
    if (qty == 0) {
        return SC_OK; /* moves time and the last price; nothing to store */
    }
    if (vp->len == vp->cfg.entries_max) {
        vp->dropped = true;
        vp->drop_ns = ts_ns;
        return SC_ERR_FULL;
    }
    vp->ring[(vp->head + vp->len) % vp->cfg.entries_max] =
        (vp_entry){.ts_ns = ts_ns, .bucket = bucket, .qty = qty};
    vp->len++;
    vp_account(vp, bucket, qty);
    SC_ASSERT(vp->len <= vp->cfg.entries_max && qty > 0);
    return SC_OK;
}

static bool vp_px_ok(sc_px px) {
    return px.ticks > 0 && px.ticks <= SC_VOLUME_PROFILE_PX_TICKS_MAX;
}

sc_err sc_volume_profile_add_bar(sc_volume_profile *vp, sc_ns end_ns, sc_px high, sc_px low,
                                 sc_px close, sc_qty volume) {
    SC_ASSERT(vp != NULL);
    if (!vp_px_ok(high) || !vp_px_ok(low) || !vp_px_ok(close) || volume.steps < 0) {
        return SC_ERR_RANGE;
    }
    /* floor(((h + l + c) / 3) / B) == floor((h + l + c) / (3B)), exactly. */
    int64_t sum = high.ticks + low.ticks + close.ticks;
    int64_t bucket = sum / (3 * vp->cfg.bucket_ticks);
    return vp_add(vp, VP_SOURCE_BARS, end_ns, bucket, close.ticks, volume.steps);
}

sc_err sc_volume_profile_add_trade(sc_volume_profile *vp, sc_ns ts_ns, sc_px px, sc_qty qty) {
    SC_ASSERT(vp != NULL);
    if (!vp_px_ok(px) || qty.steps < 0) {
        return SC_ERR_RANGE;
    }
    int64_t bucket = px.ticks / vp->cfg.bucket_ticks;
    return vp_add(vp, VP_SOURCE_TRADES, ts_ns, bucket, px.ticks, qty.steps);
}

/* h of grid index i, 0 outside the grid. */
static int64_t vp_h(const sc_volume_profile *vp, int64_t i) {
    SC_ASSERT(i >= -(int64_t)SC_VOLUME_PROFILE_BUCKETS_MAX);
    return (i < 0 || i >= (int64_t)vp->cfg.buckets) ? 0 : vp->hist[i];
}

/* |centre of grid bucket i - last price| in half-ticks. */
static int64_t vp_dist2(const sc_volume_profile *vp, int64_t i) {
    int64_t b = vp->cfg.bucket_ticks;
    SC_ASSERT(i >= 0 && i < (int64_t)vp->cfg.buckets);
    int64_t d = 2 * (vp->base + i) * b + b - 2 * vp->last_px_ticks;
    return d < 0 ? -d : d;
}

/* Occupied range [*f, *l] and the POC; false when the grid is empty. */
static bool vp_scan(const sc_volume_profile *vp, int64_t *f, int64_t *l, int64_t *poc) {
    if (vp->total == 0) {
        return false;
    }
    SC_ASSERT(vp->occ_lo >= 0 && vp->occ_lo <= vp->occ_hi);
    int64_t best = vp->occ_lo;
    for (int64_t i = vp->occ_lo + 1; i <= vp->occ_hi; i++) {
        int64_t h = vp->hist[i];
        /* Scanning upwards and replacing only on strictly better keeps the
         * lower bucket on a full tie. */
        if (h > vp->hist[best] ||
            (h == vp->hist[best] && h > 0 && vp_dist2(vp, i) < vp_dist2(vp, best))) {
            best = i;
        }
    }
    *f = vp->occ_lo;
    *l = vp->occ_hi;
    *poc = best;
    return true;
}

/* The two-row value-area expansion from the POC within [f, l]. */
static void vp_value_area(const sc_volume_profile *vp, int64_t f, int64_t l, int64_t poc,
                          int64_t *lo_out, int64_t *hi_out, int64_t *qty_out) {
    int64_t lo = poc;
    int64_t hi = poc;
    int64_t in = vp->hist[poc];
    double target = vp->cfg.value_area * (double)vp->total;
    while ((double)in < target) {
        bool can_up = hi < l;
        bool can_down = lo > f;
        if (!can_up && !can_down) {
            break; /* everything is in: only reachable for v == 1 rounding */
        }
        int64_t up = can_up ? vp->hist[hi + 1] + (hi + 2 <= l ? vp->hist[hi + 2] : 0) : 0;
        int64_t down = can_down ? vp->hist[lo - 1] + (lo - 2 >= f ? vp->hist[lo - 2] : 0) : 0;
        if (can_up && (!can_down || up >= down)) {
            hi = hi + 2 <= l ? hi + 2 : l;
            in += up;
        } else {
            lo = lo - 2 >= f ? lo - 2 : f;
            in += down;
        }
    }
    SC_ASSERT(f <= lo && lo <= poc && poc <= hi && hi <= l && in <= vp->total);
    *lo_out = lo;
    *hi_out = hi;
    *qty_out = in;
}

typedef struct {
    int64_t idx[SC_VOLUME_PROFILE_NODES_MAX];
    int64_t s[SC_VOLUME_PROFILE_NODES_MAX];
    uint32_t n;
    uint32_t cap;
    bool high; /* HVN: larger s is stronger; LVN: smaller */
} vp_nodes;

/* Keeps the cap strongest nodes, ordered strongest first (ties: lower). */
static void vp_nodes_offer(vp_nodes *nodes, int64_t idx, int64_t s) {
    uint32_t pos = nodes->n;
    while (pos > 0) {
        int64_t o = nodes->s[pos - 1];
        bool stronger = nodes->high ? s > o : s < o;
        /* Candidates arrive in ascending price, so an equal one is weaker. */
        if (!stronger) {
            break;
        }
        pos--;
    }
    SC_ASSERT(nodes->n <= nodes->cap && nodes->cap <= SC_VOLUME_PROFILE_NODES_MAX);
    if (pos >= nodes->cap) {
        return;
    }
    uint32_t end = nodes->n < nodes->cap ? nodes->n : nodes->cap - 1;
    for (uint32_t k = end; k > pos; k--) {
        nodes->idx[k] = nodes->idx[k - 1];
        nodes->s[k] = nodes->s[k - 1];
    }
    nodes->idx[pos] = idx;
    nodes->s[pos] = s;
    nodes->n += nodes->n < nodes->cap;
}

/* Writes the kept nodes' lower edges in ascending price. */
static uint32_t vp_nodes_emit(const sc_volume_profile *vp, vp_nodes *nodes, sc_px *out) {
    for (uint32_t a = 1; a < nodes->n; a++) {
        for (uint32_t k = a; k > 0 && nodes->idx[k] < nodes->idx[k - 1]; k--) {
            int64_t t = nodes->idx[k];
            nodes->idx[k] = nodes->idx[k - 1];
            nodes->idx[k - 1] = t;
        }
    }
    for (uint32_t k = 0; k < nodes->n; k++) {
        SC_ASSERT(k == 0 || nodes->idx[k] > nodes->idx[k - 1]); /* distinct plateaus */
        out[k] = (sc_px){(vp->base + nodes->idx[k]) * vp->cfg.bucket_ticks};
    }
    return nodes->n;
}

/* A finished plateau [start, end] of value s with neighbours left, right. */
static void vp_plateau(vp_nodes *hvn, vp_nodes *lvn, int64_t start, int64_t end, int64_t left,
                       int64_t s, int64_t right, int64_t f, int64_t l) {
    SC_ASSERT(start <= end && left != s && right != s);
    int64_t mid = start + (end - start) / 2;
    mid = mid < f ? f : (mid > l ? l : mid);
    if (left < s && right < s) {
        vp_nodes_offer(hvn, mid, s);
    } else if (left > s && right > s) {
        vp_nodes_offer(lvn, mid, s);
    }
}

/* Streams the smoothed histogram over [f-w-1, l+w+1] (0 at both ends)
 * and reports every plateau with two known neighbours. */
static void vp_find_nodes(const sc_volume_profile *vp, int64_t f, int64_t l, vp_nodes *hvn,
                          vp_nodes *lvn) {
    int64_t w = (int64_t)vp->cfg.smooth_halfwidth;
    int64_t start = f - w - 1;
    int64_t end = l + w + 1;
    int64_t s = 0;
    for (int64_t j = start - w; j <= start + w; j++) {
        s += vp_h(vp, j);
    }
    bool have_left = false;
    int64_t left = 0;
    int64_t run_val = s;
    int64_t run_start = start;
    for (int64_t i = start + 1; i <= end; i++) {
        s += vp_h(vp, i + w) - vp_h(vp, i - w - 1);
        SC_ASSERT(s >= 0);
        if (s == run_val) {
            continue;
        }
        if (have_left) {
            vp_plateau(hvn, lvn, run_start, i - 1, left, run_val, s, f, l);
        }
        have_left = true;
        left = run_val;
        run_val = s;
        run_start = i;
    }
    SC_ASSERT(run_val == 0); /* the scan ends beyond the smoothing reach */
}

static bool vp_ready(const sc_volume_profile *vp) {
    if (vp->source == VP_SOURCE_NONE || vp->now_ns - vp->first_ns < vp->cfg.window_ns) {
        return false;
    }
    /* A lost input still inside the window would make every figure wrong. */
    return !(vp->dropped && vp->drop_ns > vp->now_ns - vp->cfg.window_ns);
}

bool sc_volume_profile_get(const sc_volume_profile *vp, sc_volume_profile_value *out) {
    SC_ASSERT(vp != NULL && out != NULL);
    int64_t f;
    int64_t l;
    int64_t poc;
    if (!vp_ready(vp) || !vp_scan(vp, &f, &l, &poc)) {
        return false;
    }
    int64_t lo;
    int64_t hi;
    int64_t va_qty;
    vp_value_area(vp, f, l, poc, &lo, &hi, &va_qty);
    vp_nodes hvn = {.cap = vp->cfg.nodes_max, .high = true};
    vp_nodes lvn = {.cap = vp->cfg.nodes_max, .high = false};
    if (vp->cfg.nodes_max > 0) {
        vp_find_nodes(vp, f, l, &hvn, &lvn);
    }
    int64_t b = vp->cfg.bucket_ticks;
    *out = (sc_volume_profile_value){
        .poc = {(vp->base + poc) * b},
        .va_low = {(vp->base + lo) * b},
        .va_high = {(vp->base + hi + 1) * b},
        .poc_qty = {vp->hist[poc]},
        .va_qty = {va_qty},
        .total_qty = {vp->total},
        .overflow_below_qty = {vp->below},
        .overflow_above_qty = {vp->above},
    };
    out->n_hvn = vp_nodes_emit(vp, &hvn, out->hvn);
    out->n_lvn = vp_nodes_emit(vp, &lvn, out->lvn);
    SC_ASSERT(out->va_low.ticks <= out->poc.ticks && out->poc.ticks < out->va_high.ticks);
    SC_ASSERT(out->va_qty.steps >= out->poc_qty.steps && out->va_qty.steps <= vp->total);
    return true;
}
