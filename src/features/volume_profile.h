/* volume_profile.h: volume by price over a rolling time window.
 *
 * Inputs are exact: prices in ticks (sc_px), volumes in lot steps (sc_qty),
 * so every sum here is an exact int64 and ties are real ties.
 *
 * What enters: a closed bar puts its whole volume in the bucket of its
 * typical price (high + low + close) / 3 (computed exactly in ticks, then
 * floored to the bucket) at its END time; a trade puts its quantity in the
 * bucket of its price at its time. One profile takes one kind of input: the
 * first add fixes it, the other is refused with SC_ERR_STATE. Inputs must
 * come in time order (SC_ERR_STATE otherwise; bars strictly increasing), so
 * a bar enters only once it has closed and nothing can be back-filled: a
 * query at time t sees exactly the inputs with t - W < ts <= t. The window
 * is moved by every add and by sc_volume_profile_advance(now).
 *
 * Buckets: absolute bucket b covers ticks [b*B, (b+1)*B), B = bucket_ticks,
 * and is reported by its lower edge b*B. A grid of `buckets` (n) buckets is
 * kept around the last price; volume in the window outside the grid is
 * counted in two overflow totals (below, above) and takes no part in the
 * POC, value area or nodes. When the last price leaves the middle half of
 * the grid, the grid is re-centred on it and rebuilt from the entries in
 * the window (O(n + entries), once per move of n/4 buckets).
 *
 * Definitions (over the in-grid histogram h, occupied range [f, l] = the
 * lowest and highest buckets with volume):
 *  - POC: the bucket with the most volume; ties go to the bucket whose
 *    centre is nearest the last price, then to the lower bucket.
 *  - Value area (fraction v, usually 0.70): start with the POC; while the
 *    volume inside is < v * total, look at the next two buckets above and
 *    the next two below (within [f, l]); add the pair with more volume
 *    (ties: above; a side with one bucket left offers that one; a side with
 *    none left is not taken). VA low = lower edge of the lowest bucket in,
 *    VA high = upper edge (exclusive) of the highest. This is the usual
 *    market-profile two-row procedure.
 *  - Nodes: s(i) = sum of h over [i - w, i + w] (w = smooth_halfwidth; h is
 *    0 outside the grid), i.e. the histogram smoothed by a centred moving
 *    sum. A plateau is a maximal run of equal s. A high-volume node is a
 *    plateau with strictly smaller s on both sides, a low-volume node one
 *    with strictly larger s on both sides; it is reported at the plateau's
 *    middle bucket (the lower middle for an even length), clamped to [f, l].
 *    At most nodes_max of each are kept: the strongest (largest s for HVN,
 *    smallest for LVN; ties to the lower price), reported in price order.
 *
 * Warm-up: not ready until W has passed since the first input (the window
 * is then fully covered) and the grid holds volume.
 * Limit: at most entries_max entries in the window; an add beyond it fails
 * with SC_ERR_FULL and its volume is lost, so the profile reports not ready
 * until that time has left the window (fail closed).
 * Cost: add O(1) amortised (each entry enters and leaves once; plus the
 * rare re-centring); get O(occupied range + nodes), the range being kept
 * exactly as entries come and go, so the scan is over [f, l], not the grid.
 *
 * Thread: the owner's. Allocates: the grid and the entry ring in create.
 */
#ifndef SC_FEATURES_VOLUME_PROFILE_H
#define SC_FEATURES_VOLUME_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/time.h"

enum {
    SC_VOLUME_PROFILE_BUCKETS_MIN = 8,
    SC_VOLUME_PROFILE_BUCKETS_MAX = 1 << 16,
    SC_VOLUME_PROFILE_BUCKET_TICKS_MAX = 1 << 20,
    SC_VOLUME_PROFILE_ENTRIES_MAX = 1 << 22,
    SC_VOLUME_PROFILE_SMOOTH_MAX = 16,
    SC_VOLUME_PROFILE_NODES_MAX = 16
};
/* Largest price accepted, in ticks: keeps 3 * price and b * B far from
 * overflow (BTC at 0.10 tick is ~1e6 ticks). */
#define SC_VOLUME_PROFILE_PX_TICKS_MAX INT64_C(1000000000000000)

typedef struct sc_volume_profile sc_volume_profile;

typedef struct {
    int64_t bucket_ticks;      /* B, 1..SC_VOLUME_PROFILE_BUCKET_TICKS_MAX */
    uint32_t buckets;          /* n, BUCKETS_MIN..BUCKETS_MAX */
    sc_ns window_ns;           /* W > 0, e.g. 4 h */
    uint32_t entries_max;      /* 1..SC_VOLUME_PROFILE_ENTRIES_MAX */
    double value_area;         /* v, (0, 1], usually 0.70 */
    uint32_t smooth_halfwidth; /* w, 0..SC_VOLUME_PROFILE_SMOOTH_MAX */
    uint32_t nodes_max;        /* 0..SC_VOLUME_PROFILE_NODES_MAX */
} sc_volume_profile_config;

typedef struct {
    sc_px poc;     /* lower edge of the POC bucket */
    sc_px va_low;  /* lower edge of the lowest value-area bucket */
    sc_px va_high; /* upper edge (exclusive) of the highest one */
    sc_qty poc_qty;
    sc_qty va_qty;
    sc_qty total_qty; /* in the grid */
    sc_qty overflow_below_qty;
    sc_qty overflow_above_qty;
    uint32_t n_hvn;
    uint32_t n_lvn;
    sc_px hvn[SC_VOLUME_PROFILE_NODES_MAX]; /* lower edges, ascending */
    sc_px lvn[SC_VOLUME_PROFILE_NODES_MAX];
} sc_volume_profile_value;

sc_err sc_volume_profile_create(const sc_volume_profile_config *cfg, sc_volume_profile **out);
void sc_volume_profile_destroy(sc_volume_profile *vp);

/* A closed bar, stamped with its end time (open + interval). */
sc_err sc_volume_profile_add_bar(sc_volume_profile *vp, sc_ns end_ns, sc_px high, sc_px low,
                                 sc_px close, sc_qty volume);
sc_err sc_volume_profile_add_trade(sc_volume_profile *vp, sc_ns ts_ns, sc_px px, sc_qty qty);
/* Moves the window to now_ns without input; SC_ERR_STATE if now goes back. */
sc_err sc_volume_profile_advance(sc_volume_profile *vp, sc_ns now_ns);
/* False (out untouched) while not ready. */
bool sc_volume_profile_get(const sc_volume_profile *vp, sc_volume_profile_value *out);

#endif
