/* smc.c: SMCDetector.
 *
 * State. The last SC_SMC_HISTORY bars sit in a fixed ring inside the
 * struct (only time and OHLC: the rest of a candle is not needed). The two
 * reference swings, the bias and the ATR are plain fields. Open zones live
 * in two tables of max_tracked entries, oldest first; a zone leaves by
 * compaction (order kept), so "oldest" is always index 0. All of it is
 * allocated in create.
 *
 * Why fills come first. The zones a candle can fill are those that existed
 * before it; running them first also frees table slots before this candle
 * creates new zones, so a zone this candle fills is never evicted instead.
 * Their events go to a scratch list and are appended after the structure
 * events, so that at the events_max limit it is a fill that goes unlisted,
 * never a break.
 *
 * One break per candle. Let H (bar h, level Hv) and L (bar l, level Lv) be
 * the unbroken references when candle x is tested; both were confirmed
 * before x. Claim: Hv >= Lv, so no close can be > Hv and < Lv.
 *  - |h - l| <= N: bar h lies in l's window (or h == l), so low[h] >= Lv
 *    and Hv = high[h] >= low[h] >= Lv.
 *  - h > l + N: L was confirmed at l + N < h and has been the reference low
 *    since (it is the newest), tested unbroken at every candle up to x, so
 *    close[h] >= Lv; and Hv = high[h] >= close[h].
 *  - l > h + N: the mirror, Lv = low[l] <= close[l] <= Hv.
 * The code asserts it.
 *
 * Reason texts are written with snprintf into the event; a cut text is
 * acceptable (the fields carry the exact values), so the length returned is
 * only checked to be non-negative.
 */
#include "strategy/smc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "features/atr.h"

_Static_assert(SC_SMC_HISTORY >= 2 * SC_SMC_SWING_N_MAX + 1, "history holds a fractal window");
_Static_assert(SC_SMC_HISTORY >= SC_SMC_OB_LOOKBACK + 1, "history holds the order block search");
_Static_assert(SC_SMC_HISTORY >= 3, "history holds an FVG");
_Static_assert(SC_SMC_EVENTS_MIN >= SC_SMC_STRUCT_EVENTS_MAX, "structure events always fit");
_Static_assert(SC_SMC_EVENTS_DEFAULT >= SC_SMC_EVENTS_MIN &&
                   SC_SMC_EVENTS_DEFAULT <= SC_SMC_EVENTS_MAX,
               "default within bounds");
_Static_assert(SC_SMC_KIND_COUNT == SC_SMC_OB_MITIGATED + 1, "kind count matches the enum");

enum { SMC_PX_TEXT = 32, SMC_TIME_TEXT = 40 };

typedef struct {
    sc_ns open_ns;
    sc_px open;
    sc_px high;
    sc_px low;
    sc_px close;
} smc_bar;

typedef struct {
    sc_smc_zone *z; /* oldest first */
    uint32_t n;
} smc_table;

struct sc_smc {
    const sc_instrument *ins;
    bool skip_text;
    int32_t swing_n;
    int64_t fvg_min_ticks;
    double displacement_atr;
    uint32_t max_tracked;
    uint32_t events_max;
    sc_ns tf_ns;        /* of the first candle; 0 before it */
    sc_ns last_open_ns; /* of the last accepted candle */
    smc_bar hist[SC_SMC_HISTORY];
    uint32_t hist_head; /* index of the newest bar */
    uint32_t hist_n;
    sc_atr atr;
    sc_bias bias;
    sc_smc_swing ref[2];        /* [0] swing high, [1] swing low */
    sc_ns ob_last_origin_ns[3]; /* by sc_bias: block candle of the last OB; -1 before */
    smc_table tables[SC_SMC_ZONE_KIND_COUNT];
    sc_smc_event *ev; /* events_max */
    uint32_t n_ev;
    sc_smc_event *zev; /* scratch for fills and mitigations, events_max */
    uint32_t n_zev;
    sc_smc_counters cnt;
};

/* ---- helpers: bars, text ---- */

static const smc_bar *smc_bar_at(const sc_smc *s, uint32_t age) {
    SC_ASSERT(age < s->hist_n);
    SC_ASSERT(s->hist_head < SC_SMC_HISTORY);
    return &s->hist[(s->hist_head + SC_SMC_HISTORY - age) % SC_SMC_HISTORY];
}

static void smc_push_bar(sc_smc *s, const sc_candle *k) {
    SC_ASSERT(s->hist_n <= SC_SMC_HISTORY);
    s->hist_head = (s->hist_head + 1) % SC_SMC_HISTORY;
    s->hist[s->hist_head] = (smc_bar){
        .open_ns = k->open_ns, .open = k->open, .high = k->high, .low = k->low, .close = k->close};
    if (s->hist_n < SC_SMC_HISTORY) {
        s->hist_n++;
    }
    SC_ASSERT(smc_bar_at(s, 0)->open_ns == k->open_ns);
}

static const char *smc_px_text(const sc_smc *s, sc_px px, char *buf, size_t cap) {
    SC_ASSERT(buf != NULL && cap >= 2);
    SC_ASSERT(px.ticks > 0); /* every price here comes from a valid candle */
    if (sc_px_format(s->ins, px, buf, cap) < 0) {
        buf[0] = '?';
        buf[1] = '\0';
    }
    return buf;
}

/* "2024-08-08T23:55:00Z": the nanoseconds are left out when they are 0,
 * as they are for every candle time. */
static const char *smc_time_text(sc_ns t, char *buf, size_t cap) {
    SC_ASSERT(cap >= 21);
    sc_ns_format_utc(t, buf, cap);
    size_t len = strlen(buf);
    if (t % SC_NS_PER_S == 0 && len == 30 && buf[19] == '.') {
        buf[19] = 'Z';
        buf[20] = '\0';
    }
    SC_ASSERT(strlen(buf) < cap);
    return buf;
}

static const char *smc_dir_word(sc_bias d) {
    SC_ASSERT(d == SC_BIAS_BULLISH || d == SC_BIAS_BEARISH);
    return d == SC_BIAS_BULLISH ? "bullish" : "bearish";
}

__attribute__((format(printf, 2, 3))) static void smc_reason(sc_smc_event *ev, const char *fmt,
                                                             ...) {
    SC_ASSERT(ev != NULL && fmt != NULL);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(ev->reason, sizeof(ev->reason), fmt, ap);
    va_end(ap);
    SC_ASSERT(n >= 0); /* a cut text is fine; an encoding error is ours */
}

/* The reason text, formatted (arguments included) only when it is read. */
#define SMC_REASON(s, ...)                                                                         \
    do {                                                                                           \
        if (!(s)->skip_text) {                                                                     \
            smc_reason(__VA_ARGS__);                                                               \
        }                                                                                          \
    } while (0)

/* ---- events ---- */

static void smc_count(sc_smc *s, sc_smc_kind kind, sc_bias dir) {
    SC_ASSERT((unsigned)kind < SC_SMC_KIND_COUNT);
    SC_ASSERT(dir == SC_BIAS_NONE || dir == SC_BIAS_BULLISH || dir == SC_BIAS_BEARISH);
    s->cnt.events[kind]++;
    if (dir == SC_BIAS_BULLISH) {
        s->cnt.bullish[kind]++;
    } else if (dir == SC_BIAS_BEARISH) {
        s->cnt.bearish[kind]++;
    }
}

/* A structure event: it always has room (at most SC_SMC_STRUCT_EVENTS_MAX
 * per candle and events_max >= SC_SMC_EVENTS_MIN). */
static sc_smc_event *smc_emit(sc_smc *s, sc_smc_kind kind, sc_bias dir, sc_ns ts_ns) {
    SC_ASSERT(s->n_ev < SC_SMC_STRUCT_EVENTS_MAX);
    SC_ASSERT(s->n_ev < s->events_max);
    smc_count(s, kind, dir);
    sc_smc_event *ev = &s->ev[s->n_ev++];
    *ev = (sc_smc_event){.kind = kind, .dir = dir, .ts_ns = ts_ns};
    return ev;
}

/* A fill or mitigation: into the scratch list, or counted as dropped. */
static sc_smc_event *smc_emit_zone(sc_smc *s, sc_smc_kind kind, sc_bias dir, sc_ns ts_ns) {
    SC_ASSERT(kind == SC_SMC_FVG_FILLED || kind == SC_SMC_OB_MITIGATED);
    SC_ASSERT(s->n_zev <= s->events_max);
    smc_count(s, kind, dir);
    if (s->n_zev == s->events_max) {
        s->cnt.events_dropped++;
        return NULL;
    }
    sc_smc_event *ev = &s->zev[s->n_zev++];
    *ev = (sc_smc_event){.kind = kind, .dir = dir, .ts_ns = ts_ns};
    return ev;
}

static void smc_append_zone_events(sc_smc *s) {
    SC_ASSERT(s->n_ev <= SC_SMC_STRUCT_EVENTS_MAX && s->n_zev <= s->events_max);
    uint32_t room = s->events_max - s->n_ev;
    uint32_t take = s->n_zev < room ? s->n_zev : room;
    if (take > 0) {
        memcpy(&s->ev[s->n_ev], s->zev, (size_t)take * sizeof(*s->zev));
    }
    s->cnt.events_dropped += s->n_zev - take;
    s->n_ev += take;
    SC_ASSERT(s->n_ev <= s->events_max);
}

/* ---- zones ---- */

static void smc_zone_check(const sc_smc_zone *z) {
    SC_ASSERT(z->dir == SC_BIAS_BULLISH || z->dir == SC_BIAS_BEARISH);
    SC_ASSERT(z->kind == SC_SMC_ZONE_OB ? z->bottom.ticks <= z->top.ticks
                                        : z->bottom.ticks < z->top.ticks);
    SC_ASSERT(z->bottom.ticks <= z->open_bottom.ticks &&
              z->open_bottom.ticks <= z->open_top.ticks && z->open_top.ticks <= z->top.ticks);
}

static void smc_zone_add(sc_smc *s, const sc_smc_zone *z) {
    smc_zone_check(z);
    smc_table *t = &s->tables[z->kind];
    SC_ASSERT(t->n <= s->max_tracked);
    if (t->n == s->max_tracked) {
        /* Full: the oldest zone leaves unreported (counted). */
        memmove(&t->z[0], &t->z[1], (size_t)(t->n - 1) * sizeof(*t->z));
        t->n--;
        s->cnt.zones_evicted[z->kind]++;
    }
    t->z[t->n++] = *z;
    SC_ASSERT(t->n <= s->max_tracked);
}

static void smc_zone_event(sc_smc *s, const sc_smc_zone *z, sc_px hit, sc_ns ts_ns) {
    bool fvg = z->kind == SC_SMC_ZONE_FVG;
    sc_smc_event *ev =
        smc_emit_zone(s, fvg ? SC_SMC_FVG_FILLED : SC_SMC_OB_MITIGATED, z->dir, ts_ns);
    if (ev == NULL) {
        return;
    }
    ev->origin_ns = z->origin_ns;
    ev->confirm_ns = z->created_ns;
    ev->price = hit;
    ev->top = z->top;
    ev->bottom = z->bottom;
    char lo[SMC_PX_TEXT], hi[SMC_PX_TEXT], px[SMC_PX_TEXT], t[SMC_TIME_TEXT];
    bool bull = z->dir == SC_BIAS_BULLISH;
    /* The wick that ends a zone reaches its far edge (FVG) or its near edge (OB). */
    SC_ASSERT(fvg ? (bull ? hit.ticks <= z->bottom.ticks : hit.ticks >= z->top.ticks)
                  : (bull ? hit.ticks <= z->top.ticks : hit.ticks >= z->bottom.ticks));
    SMC_REASON(s, ev, "%s %s %s-%s (%s) %s: %s %s", smc_dir_word(z->dir), fvg ? "FVG" : "OB",
               smc_px_text(s, z->bottom, lo, sizeof(lo)), smc_px_text(s, z->top, hi, sizeof(hi)),
               smc_time_text(z->origin_ns, t, sizeof(t)), fvg ? "filled" : "mitigated",
               bull ? "low" : "high", smc_px_text(s, hit, px, sizeof(px)));
    SC_ASSERT(ev->confirm_ns < ts_ns);
}

/* Applies one bar to one zone; true when the zone is done (filled or
 * mitigated), with the wick that did it in *hit. */
static bool smc_zone_touch(sc_smc_zone *z, const smc_bar *b, sc_px *hit) {
    smc_zone_check(z);
    SC_ASSERT(b->low.ticks <= b->high.ticks && hit != NULL);
    bool bull = z->dir == SC_BIAS_BULLISH;
    sc_px wick = bull ? b->low : b->high;
    *hit = wick;
    if (z->kind == SC_SMC_ZONE_OB) {
        return bull ? wick.ticks <= z->top.ticks : wick.ticks >= z->bottom.ticks;
    }
    if (bull) {
        if (wick.ticks <= z->bottom.ticks) {
            return true;
        }
        if (wick.ticks < z->open_top.ticks) {
            z->open_top = wick;
        }
    } else {
        if (wick.ticks >= z->top.ticks) {
            return true;
        }
        if (wick.ticks > z->open_bottom.ticks) {
            z->open_bottom = wick;
        }
    }
    smc_zone_check(z);
    return false;
}

static void smc_zones_update(sc_smc *s, smc_table *t, const smc_bar *b, sc_ns ts_ns) {
    SC_ASSERT(t->n <= s->max_tracked);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        sc_smc_zone *z = &t->z[i];
        SC_ASSERT(z->created_ns < ts_ns); /* only zones from earlier candles */
        sc_px hit;
        if (smc_zone_touch(z, b, &hit)) {
            smc_zone_event(s, z, hit, ts_ns);
            continue;
        }
        if (kept != i) {
            t->z[kept] = *z;
        }
        kept++;
    }
    t->n = kept;
    SC_ASSERT(t->n <= s->max_tracked);
}

/* ---- structure: breaks, order blocks, FVGs, swings ---- */

/* The break made by the newest bar, if any: its direction, or none. */
static sc_bias smc_break(sc_smc *s, const smc_bar *b, sc_ns ts_ns) {
    sc_smc_swing *hi = &s->ref[0];
    sc_smc_swing *lo = &s->ref[1];
    bool bull = hi->valid && !hi->broken && b->close.ticks > hi->level.ticks;
    bool bear = lo->valid && !lo->broken && b->close.ticks < lo->level.ticks;
    SC_ASSERT(!(bull && bear)); /* proof at the top of this file */
    if (!bull && !bear) {
        return SC_BIAS_NONE;
    }
    sc_bias dir = bull ? SC_BIAS_BULLISH : SC_BIAS_BEARISH;
    sc_smc_swing *ref = bull ? hi : lo;
    SC_ASSERT(ref->valid && !ref->broken);
    bool choch = s->bias != SC_BIAS_NONE && s->bias != dir;
    sc_smc_event *ev = smc_emit(s, choch ? SC_SMC_CHOCH : SC_SMC_BOS, dir, ts_ns);
    ev->origin_ns = ref->origin_ns;
    ev->confirm_ns = ref->confirm_ns;
    ev->level = ref->level;
    ev->price = b->close;
    char c[SMC_PX_TEXT], l[SMC_PX_TEXT], t[SMC_TIME_TEXT];
    SMC_REASON(
        s, ev, "%s %s: close %s %s swing %s %s (%s)%s", smc_dir_word(dir), choch ? "CHoCH" : "BOS",
        smc_px_text(s, b->close, c, sizeof(c)), bull ? "above" : "below", bull ? "high" : "low",
        smc_px_text(s, ref->level, l, sizeof(l)), smc_time_text(ref->origin_ns, t, sizeof(t)),
        choch ? (bull ? ", structure was bearish" : ", structure was bullish") : "");
    ref->broken = true;
    s->bias = dir;
    SC_ASSERT(ref->confirm_ns < ts_ns);
    return dir;
}

/* The last candle of the colour opposite to dir among the bars before the
 * newest; NULL when none is in reach or it already made a block. */
static const smc_bar *smc_ob_origin(const sc_smc *s, sc_bias dir) {
    SC_ASSERT(dir == SC_BIAS_BULLISH || dir == SC_BIAS_BEARISH);
    SC_ASSERT(s->hist_n >= 1);
    uint32_t reach = s->hist_n - 1 < SC_SMC_OB_LOOKBACK ? s->hist_n - 1 : SC_SMC_OB_LOOKBACK;
    for (uint32_t age = 1; age <= reach; age++) {
        const smc_bar *c = smc_bar_at(s, age);
        bool opposite = dir == SC_BIAS_BULLISH ? c->close.ticks < c->open.ticks
                                               : c->close.ticks > c->open.ticks;
        if (opposite) {
            return c->open_ns > s->ob_last_origin_ns[dir] ? c : NULL;
        }
    }
    return NULL;
}

/* Direction of a displacement by the newest bar, or none. The ATR is the
 * one before this bar (it is updated last). */
static sc_bias smc_displacement(const sc_smc *s, const smc_bar *b) {
    SC_ASSERT(s->displacement_atr > 0.0);
    double atr = 0.0;
    if (!sc_atr_get(&s->atr, &atr)) {
        return SC_BIAS_NONE;
    }
    SC_ASSERT(atr >= 0.0);
    int64_t body = b->close.ticks - b->open.ticks;
    double size = (double)(body < 0 ? -body : body);
    if (body == 0 || size < s->displacement_atr * atr) {
        return SC_BIAS_NONE;
    }
    return body > 0 ? SC_BIAS_BULLISH : SC_BIAS_BEARISH;
}

static void smc_order_block(sc_smc *s, const smc_bar *b, sc_bias brk, sc_ns ts_ns) {
    sc_bias disp = smc_displacement(s, b);
    if (disp == SC_BIAS_NONE) {
        return;
    }
    s->cnt.displacements++;
    if (disp != brk) {
        s->cnt.ob_no_break++;
        return;
    }
    const smc_bar *o = smc_ob_origin(s, disp);
    if (o == NULL) {
        s->cnt.ob_no_origin++;
        return;
    }
    SC_ASSERT(o->open_ns < b->open_ns);
    s->ob_last_origin_ns[disp] = o->open_ns;
    sc_smc_zone z = {.kind = SC_SMC_ZONE_OB,
                     .dir = disp,
                     .top = o->high,
                     .bottom = o->low,
                     .open_top = o->high,
                     .open_bottom = o->low,
                     .origin_ns = o->open_ns,
                     .created_ns = ts_ns};
    smc_zone_add(s, &z);
    sc_smc_event *ev = smc_emit(s, SC_SMC_OB, disp, ts_ns);
    ev->origin_ns = o->open_ns;
    ev->confirm_ns = ts_ns;
    ev->top = z.top;
    ev->bottom = z.bottom;
    double atr = 0.0;
    bool have_atr = sc_atr_get(&s->atr, &atr);
    SC_ASSERT(have_atr); /* a displacement needs it */
    SC_ASSERT(s->n_ev == 2 && (s->ev[0].kind == SC_SMC_BOS || s->ev[0].kind == SC_SMC_CHOCH));
    int64_t body = b->close.ticks - b->open.ticks;
    char lo[SMC_PX_TEXT], hi[SMC_PX_TEXT], t[SMC_TIME_TEXT];
    SMC_REASON(s, ev, "%s OB %s-%s (%s): last %s candle before a %.1f ATR displacement with %s",
               smc_dir_word(disp), smc_px_text(s, z.bottom, lo, sizeof(lo)),
               smc_px_text(s, z.top, hi, sizeof(hi)), smc_time_text(o->open_ns, t, sizeof(t)),
               disp == SC_BIAS_BULLISH ? "bearish" : "bullish",
               (double)(body < 0 ? -body : body) / (atr > 0.0 ? atr : 1.0),
               s->ev[0].kind == SC_SMC_CHOCH ? "CHoCH" : "BOS");
}

static void smc_fvg_emit(sc_smc *s, const sc_smc_zone *z) {
    SC_ASSERT(z->kind == SC_SMC_ZONE_FVG);
    SC_ASSERT(z->top.ticks - z->bottom.ticks >= s->fvg_min_ticks);
    smc_zone_add(s, z);
    sc_smc_event *ev = smc_emit(s, SC_SMC_FVG, z->dir, z->created_ns);
    ev->origin_ns = z->origin_ns;
    ev->confirm_ns = z->created_ns;
    ev->top = z->top;
    ev->bottom = z->bottom;
    char lo[SMC_PX_TEXT], hi[SMC_PX_TEXT], t[SMC_TIME_TEXT];
    SMC_REASON(s, ev, "%s FVG %s-%s (%lld ticks) left by the candle of %s", smc_dir_word(z->dir),
               smc_px_text(s, z->bottom, lo, sizeof(lo)), smc_px_text(s, z->top, hi, sizeof(hi)),
               (long long)(z->top.ticks - z->bottom.ticks),
               smc_time_text(z->origin_ns, t, sizeof(t)));
    SC_ASSERT(ev->origin_ns < ev->confirm_ns);
}

static void smc_fvg(sc_smc *s, sc_ns ts_ns) {
    if (s->hist_n < 3) {
        return;
    }
    const smc_bar *c = smc_bar_at(s, 0);
    const smc_bar *b = smc_bar_at(s, 1);
    const smc_bar *a = smc_bar_at(s, 2);
    SC_ASSERT(a->open_ns < b->open_ns && b->open_ns < c->open_ns);
    if (c->open_ns - b->open_ns != s->tf_ns || b->open_ns - a->open_ns != s->tf_ns) {
        s->cnt.fvg_gap_skipped++;
        return;
    }
    bool bull = c->low.ticks > a->high.ticks;
    bool bear = c->high.ticks < a->low.ticks;
    SC_ASSERT(!(bull && bear)); /* low[c] > high[a] >= low[a] > high[c] >= low[c] */
    if (!bull && !bear) {
        return;
    }
    sc_px bottom = bull ? a->high : c->high;
    sc_px top = bull ? c->low : a->low;
    if (top.ticks - bottom.ticks < s->fvg_min_ticks) {
        s->cnt.fvg_too_small++;
        return;
    }
    sc_smc_zone z = {.kind = SC_SMC_ZONE_FVG,
                     .dir = bull ? SC_BIAS_BULLISH : SC_BIAS_BEARISH,
                     .top = top,
                     .bottom = bottom,
                     .open_top = top,
                     .open_bottom = bottom,
                     .origin_ns = b->open_ns,
                     .created_ns = ts_ns};
    smc_fvg_emit(s, &z);
}

/* Is the bar N bars back a swing high (high) or low (!high)? Strict on
 * both sides: an equal extreme among the 2N neighbours excludes it. */
static bool smc_is_swing(const sc_smc *s, bool high) {
    uint32_t n = (uint32_t)s->swing_n;
    SC_ASSERT(n >= 1 && n <= SC_SMC_SWING_N_MAX);
    if (s->hist_n < 2 * n + 1) {
        return false;
    }
    const smc_bar *c = smc_bar_at(s, n);
    SC_ASSERT(c->low.ticks <= c->high.ticks);
    for (uint32_t age = 0; age <= 2 * n; age++) {
        if (age == n) {
            continue;
        }
        const smc_bar *o = smc_bar_at(s, age);
        if (high ? o->high.ticks >= c->high.ticks : o->low.ticks <= c->low.ticks) {
            return false;
        }
    }
    return true;
}

static void smc_swing(sc_smc *s, bool high, sc_ns ts_ns) {
    if (!smc_is_swing(s, high)) {
        return;
    }
    const smc_bar *c = smc_bar_at(s, (uint32_t)s->swing_n);
    sc_px level = high ? c->high : c->low;
    sc_smc_event *ev =
        smc_emit(s, high ? SC_SMC_SWING_HIGH : SC_SMC_SWING_LOW, SC_BIAS_NONE, ts_ns);
    ev->origin_ns = c->open_ns;
    ev->confirm_ns = ts_ns;
    ev->level = level;
    ev->price = level;
    char l[SMC_PX_TEXT], t[SMC_TIME_TEXT];
    SMC_REASON(s, ev, "swing %s %s at %s, confirmed %d bars later", high ? "high" : "low",
               smc_px_text(s, level, l, sizeof(l)), smc_time_text(c->open_ns, t, sizeof(t)),
               (int)s->swing_n);
    SC_ASSERT(!s->ref[high ? 0 : 1].valid || s->ref[high ? 0 : 1].origin_ns < c->open_ns);
    s->ref[high ? 0 : 1] = (sc_smc_swing){.valid = true,
                                          .broken = false,
                                          .level = level,
                                          .origin_ns = c->open_ns,
                                          .confirm_ns = ts_ns};
    SC_ASSERT(c->open_ns < ts_ns);
}

/* ---- lifecycle ---- */

static bool smc_param_ok(const sc_params *p, sc_param_id id) {
    SC_ASSERT(p != NULL);
    SC_ASSERT((unsigned)id < SC_PARAM_COUNT);
    return sc_param_check(sc_param_def_of(id), sc_params_get(p, id), NULL) == SC_OK;
}

static sc_err smc_config_check(const sc_smc_config *cfg, uint32_t *events_max) {
    SC_ASSERT(events_max != NULL);
    if (cfg == NULL || cfg->params == NULL || cfg->ins == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    const sc_params *p = cfg->params;
    if (!smc_param_ok(p, SC_P_SMC_SWING_N) || !smc_param_ok(p, SC_P_SMC_FVG_MIN_TICKS) ||
        !smc_param_ok(p, SC_P_SMC_DISPLACEMENT_ATR) || !smc_param_ok(p, SC_P_SMC_MAX_TRACKED)) {
        return SC_ERR_INVALID_ARG;
    }
    if (sc_params_get_int(p, SC_P_SMC_SWING_N) > SC_SMC_SWING_N_MAX ||
        sc_params_get_int(p, SC_P_SMC_MAX_TRACKED) > SC_SMC_TRACKED_MAX) {
        return SC_ERR_INVALID_ARG; /* the parameter table and our limits disagree */
    }
    uint32_t em = cfg->events_max == 0 ? SC_SMC_EVENTS_DEFAULT : cfg->events_max;
    if (em < SC_SMC_EVENTS_MIN || em > SC_SMC_EVENTS_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    *events_max = em;
    return SC_OK;
}

sc_err sc_smc_create(const sc_smc_config *cfg, sc_smc **out) {
    uint32_t events_max = 0;
    sc_err e = out == NULL ? SC_ERR_INVALID_ARG : smc_config_check(cfg, &events_max);
    if (e != SC_OK) {
        return e;
    }
    sc_smc *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return SC_ERR_NOMEM;
    }
    const sc_params *p = cfg->params;
    s->ins = cfg->ins;
    s->skip_text = cfg->skip_text;
    s->swing_n = (int32_t)sc_params_get_int(p, SC_P_SMC_SWING_N);
    s->fvg_min_ticks = sc_params_get_int(p, SC_P_SMC_FVG_MIN_TICKS);
    s->displacement_atr = sc_params_get(p, SC_P_SMC_DISPLACEMENT_ATR);
    s->max_tracked = (uint32_t)sc_params_get_int(p, SC_P_SMC_MAX_TRACKED);
    s->events_max = events_max;
    s->hist_head = SC_SMC_HISTORY - 1;
    s->bias = SC_BIAS_NONE;
    for (int d = 0; d < 3; d++) {
        s->ob_last_origin_ns[d] = -1;
    }
    sc_err ae = sc_atr_init(&s->atr, SC_SMC_ATR_PERIOD);
    SC_ASSERT(ae == SC_OK);
    s->ev = calloc(events_max, sizeof(*s->ev));
    s->zev = calloc(events_max, sizeof(*s->zev));
    bool ok = s->ev != NULL && s->zev != NULL;
    for (int k = 0; k < SC_SMC_ZONE_KIND_COUNT; k++) {
        s->tables[k].z = calloc(s->max_tracked, sizeof(*s->tables[k].z));
        ok = ok && s->tables[k].z != NULL;
    }
    if (!ok) {
        sc_smc_destroy(s);
        return SC_ERR_NOMEM;
    }
    SC_ASSERT(s->swing_n >= 1 && s->swing_n <= SC_SMC_SWING_N_MAX);
    SC_ASSERT(s->max_tracked >= 1 && s->max_tracked <= SC_SMC_TRACKED_MAX);
    SC_ASSERT(s->events_max >= SC_SMC_EVENTS_MIN && s->events_max <= SC_SMC_EVENTS_MAX);
    *out = s;
    return SC_OK;
}

void sc_smc_destroy(sc_smc *s) {
    if (s == NULL) {
        return;
    }
    SC_ASSERT(s->n_ev <= s->events_max && s->n_zev <= s->events_max);
    for (int k = 0; k < SC_SMC_ZONE_KIND_COUNT; k++) {
        SC_ASSERT(s->tables[k].n <= s->max_tracked);
        free(s->tables[k].z);
    }
    free(s->ev);
    free(s->zev);
    free(s);
}

/* ---- input ---- */

static sc_err smc_candle_check(const sc_smc *s, const sc_candle *k) {
    SC_ASSERT(s != NULL && k != NULL);
    SC_ASSERT(s->cnt.candles == 0 || s->tf_ns > 0);
    if (!k->closed) {
        return SC_ERR_INVALID_ARG;
    }
    const char *why = NULL;
    if (!sc_candle_valid(k, &why) || k->open_ns < 0 || k->tf_ns < 1 ||
        k->tf_ns > SC_CANDLES_TF_NS_MAX || k->open_ns > INT64_MAX - k->tf_ns) {
        return SC_ERR_RANGE;
    }
    if (s->cnt.candles > 0 && k->tf_ns != s->tf_ns) {
        return SC_ERR_RANGE;
    }
    if (s->cnt.candles > 0 && k->open_ns <= s->last_open_ns) {
        return SC_ERR_STATE;
    }
    return SC_OK;
}

sc_err sc_smc_on_candle(sc_smc *s, const sc_candle *k) {
    if (s == NULL || k == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    sc_err e = smc_candle_check(s, k);
    if (e != SC_OK) {
        return e;
    }
    s->tf_ns = k->tf_ns;
    s->last_open_ns = k->open_ns;
    s->cnt.candles++;
    s->n_ev = 0;
    s->n_zev = 0;
    sc_ns ts_ns = k->open_ns + k->tf_ns;
    smc_push_bar(s, k);
    const smc_bar *b = smc_bar_at(s, 0);
    SC_ASSERT(b->open_ns == k->open_ns && s->hist_n >= 1);
    for (int kind = 0; kind < SC_SMC_ZONE_KIND_COUNT; kind++) {
        smc_zones_update(s, &s->tables[kind], b, ts_ns);
    }
    sc_bias brk = smc_break(s, b, ts_ns);
    smc_order_block(s, b, brk, ts_ns);
    smc_fvg(s, ts_ns);
    smc_swing(s, true, ts_ns);
    smc_swing(s, false, ts_ns);
    sc_atr_update(&s->atr, (double)k->high.ticks, (double)k->low.ticks, (double)k->close.ticks);
    smc_append_zone_events(s);
    SC_ASSERT(brk == SC_BIAS_NONE || s->bias == brk);
    SC_ASSERT(s->n_ev <= s->events_max);
    return SC_OK;
}

/* ---- queries ---- */

const sc_smc_event *sc_smc_events(const sc_smc *s, uint32_t *n) {
    SC_ASSERT(s != NULL && n != NULL);
    SC_ASSERT(s->n_ev <= s->events_max);
    *n = s->n_ev;
    return s->ev;
}

sc_bias sc_smc_bias(const sc_smc *s) {
    SC_ASSERT(s != NULL);
    SC_ASSERT(s->bias == SC_BIAS_NONE || s->bias == SC_BIAS_BULLISH || s->bias == SC_BIAS_BEARISH);
    return s->bias;
}

void sc_smc_last_swing(const sc_smc *s, sc_smc_kind side, sc_smc_swing *out) {
    SC_ASSERT(s != NULL && out != NULL);
    SC_ASSERT(side == SC_SMC_SWING_HIGH || side == SC_SMC_SWING_LOW);
    *out = s->ref[side == SC_SMC_SWING_HIGH ? 0 : 1];
}

uint32_t sc_smc_zone_count(const sc_smc *s, sc_smc_zone_kind kind) {
    SC_ASSERT(s != NULL);
    SC_ASSERT((unsigned)kind < SC_SMC_ZONE_KIND_COUNT);
    return s->tables[kind].n;
}

bool sc_smc_zone_at(const sc_smc *s, sc_smc_zone_kind kind, uint32_t i, sc_smc_zone *out) {
    SC_ASSERT(s != NULL && out != NULL);
    SC_ASSERT((unsigned)kind < SC_SMC_ZONE_KIND_COUNT);
    if (i >= s->tables[kind].n) {
        return false;
    }
    *out = s->tables[kind].z[i];
    return true;
}

void sc_smc_get_counters(const sc_smc *s, sc_smc_counters *out) {
    SC_ASSERT(s != NULL && out != NULL);
    SC_ASSERT(s->tables[SC_SMC_ZONE_FVG].n <= s->max_tracked);
    *out = s->cnt;
}

const char *sc_smc_kind_name(sc_smc_kind k) {
    switch (k) {
    case SC_SMC_SWING_HIGH:
        return "swing_high";
    case SC_SMC_SWING_LOW:
        return "swing_low";
    case SC_SMC_BOS:
        return "bos";
    case SC_SMC_CHOCH:
        return "choch";
    case SC_SMC_FVG:
        return "fvg";
    case SC_SMC_FVG_FILLED:
        return "fvg_filled";
    case SC_SMC_OB:
        return "ob";
    case SC_SMC_OB_MITIGATED:
        return "ob_mitigated";
    }
    return "?";
}

const char *sc_smc_zone_kind_name(sc_smc_zone_kind k) {
    switch (k) {
    case SC_SMC_ZONE_FVG:
        return "fvg";
    case SC_SMC_ZONE_OB:
        return "ob";
    }
    return "?";
}
