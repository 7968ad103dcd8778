/* blunder.c: see blunder.h for the definitions; this file follows them
 * line by line, in integers only. */
#include "store/blunder.h"

#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

static const struct {
    const char *name;
    const char *definition;
} labels[] = {
#define SC_BLUNDER_X_ROW(n, s, d) {s, d},
    SC_BLUNDER_LABELS(SC_BLUNDER_X_ROW)
#undef SC_BLUNDER_X_ROW
};
_Static_assert(sizeof(labels) / sizeof(labels[0]) == SC_BLUNDER_LABEL_COUNT, "one row per label");
_Static_assert(SC_BLUNDER_LABEL_COUNT <= 32, "labels fit the uint32_t mask");

const char *sc_blunder_label_name(sc_blunder_label l) {
    if ((unsigned)l >= SC_BLUNDER_LABEL_COUNT) {
        return "?";
    }
    SC_ASSERT(labels[l].name != NULL && labels[l].name[0] != '\0');
    SC_ASSERT(labels[l].definition != NULL);
    return labels[l].name;
}

const char *sc_blunder_label_definition(sc_blunder_label l) {
    if ((unsigned)l >= SC_BLUNDER_LABEL_COUNT) {
        return "?";
    }
    SC_ASSERT(labels[l].definition != NULL && labels[l].definition[0] != '\0');
    SC_ASSERT(labels[l].name != NULL);
    return labels[l].definition;
}

static bool px_ok(sc_px p) {
    return p.ticks > 0 && p.ticks <= SC_BLUNDER_PX_TICKS_MAX;
}

/* +1 long, -1 short. */
static int64_t dir_of(sc_side s) {
    SC_ASSERT(s == SC_SIDE_BUY || s == SC_SIDE_SELL);
    return s == SC_SIDE_BUY ? 1 : -1;
}

/* fav(p, ref) of the header; prices are bounded, so no overflow. */
static int64_t fav(int64_t dir, sc_px p, sc_px ref) {
    SC_ASSERT(dir == 1 || dir == -1);
    SC_ASSERT(px_ok(p) && px_ok(ref));
    return dir * (p.ticks - ref.ticks);
}

/* floor(x * 10000 / ref) for x >= 0. */
static int64_t bps_of(int64_t x, sc_px ref) {
    SC_ASSERT(x >= 0 && x <= SC_BLUNDER_PX_TICKS_MAX);
    SC_ASSERT(px_ok(ref));
    return x * 10000 / ref.ticks;
}

/* "x >= k bps of ref", exactly. */
static bool at_least_bps(int64_t x, int64_t k, sc_px ref) {
    SC_ASSERT(k > 0 && px_ok(ref));
    SC_ASSERT(x <= SC_BLUNDER_PX_TICKS_MAX);
    return x * 10000 >= k * ref.ticks;
}

static bool enums_ok(const sc_blunder_trade *t) {
    return (t->side == SC_SIDE_BUY || t->side == SC_SIDE_SELL) &&
           (t->entry_style == SC_ENTRY_MAKER || t->entry_style == SC_ENTRY_TAKER) &&
           t->exit_reason >= SC_EXIT_STOP_LOSS && t->exit_reason <= SC_EXIT_SIGNAL &&
           (unsigned)t->regime < SC_REGIME_COUNT;
}

static bool trade_ok(const sc_blunder_trade *t) {
    if (t == NULL || !enums_ok(t)) {
        return false;
    }
    if (!px_ok(t->decision_touch_px) || !px_ok(t->entry_px) || !px_ok(t->exit_px) ||
        !px_ok(t->stop_px) || !px_ok(t->target_px) || t->qty.steps <= 0) {
        return false;
    }
    if (t->decision_ns < 0 || t->decision_ns > t->entry_ns || t->entry_ns > t->exit_ns ||
        t->exit_ns > INT64_MAX - SC_BLUNDER_LOOKAHEAD_NS_MAX) {
        return false;
    }
    SC_ASSERT(t->entry_ns >= 0 && t->exit_ns >= t->entry_ns);
    SC_ASSERT(t->exit_ns + SC_BLUNDER_LOOKAHEAD_NS_MAX >= t->exit_ns); /* no wrap */
    int64_t dir = dir_of(t->side);
    return fav(dir, t->stop_px, t->entry_px) < 0 && fav(dir, t->target_px, t->entry_px) > 0;
}

/* Folds one path point into the figures (windows as in the header). */
static void fold_point(const sc_blunder_trade *t, sc_ns lookahead_ns, sc_blunder_point p,
                       sc_blunder_report *r, bool *target_after) {
    int64_t dir = dir_of(t->side);
    SC_ASSERT(px_ok(p.px) && lookahead_ns >= 0);
    if (p.ts_ns >= t->decision_ns - SC_BLUNDER_CHASE_WINDOW_NS && p.ts_ns <= t->decision_ns) {
        int64_t c = fav(dir, t->decision_touch_px, p.px);
        r->chase_ticks = c > r->chase_ticks ? c : r->chase_ticks;
    }
    if (p.ts_ns >= t->entry_ns && p.ts_ns <= t->entry_ns + SC_BLUNDER_ADVSEL_WINDOW_NS) {
        int64_t a = -fav(dir, p.px, t->entry_px);
        r->adverse_ticks = a > r->adverse_ticks ? a : r->adverse_ticks;
    }
    if (p.ts_ns >= t->entry_ns && p.ts_ns <= t->exit_ns) {
        int64_t f = fav(dir, p.px, t->entry_px);
        r->mfe_ticks = f > r->mfe_ticks ? f : r->mfe_ticks;
        r->mae_ticks = -f > r->mae_ticks ? -f : r->mae_ticks;
    } else if (p.ts_ns > t->exit_ns && p.ts_ns <= t->exit_ns + lookahead_ns) {
        int64_t f = fav(dir, p.px, t->exit_px);
        r->after_best_ticks = f > r->after_best_ticks ? f : r->after_best_ticks;
        r->after_worst_ticks = -f > r->after_worst_ticks ? -f : r->after_worst_ticks;
        *target_after = *target_after || fav(dir, p.px, t->target_px) >= 0;
    }
    SC_ASSERT(r->mfe_ticks >= 0 && r->mae_ticks >= 0 && r->chase_ticks >= 0);
}

static bool exit_by_stop(sc_exit_reason r) {
    SC_ASSERT(r >= SC_EXIT_STOP_LOSS && r <= SC_EXIT_SIGNAL);
    return r == SC_EXIT_STOP_LOSS || r == SC_EXIT_TRAILING_STOP;
}

static uint32_t labels_of(const sc_blunder_trade *t, const sc_blunder_report *r,
                          bool target_after) {
    int64_t dir = dir_of(t->side);
    int64_t stop_dist = -fav(dir, t->stop_px, t->entry_px);
    SC_ASSERT(stop_dist > 0);
    bool win = t->net_pnl.e8 > 0;
    bool stop = exit_by_stop(t->exit_reason);
    uint32_t m = 0;
#define SET(l, cond) m |= (cond) ? SC_BLUNDER_BIT(SC_BLUNDER_##l) : 0u
    SET(CLEAN_WIN, win && r->mae_ticks * SC_BLUNDER_CLEAN_MAE_DIV < stop_dist);
    SET(LUCKY_WIN, win && r->mae_ticks * 100 >= SC_BLUNDER_LUCKY_MAE_PCT * stop_dist);
    SET(STOPPED_THEN_REVERSED, stop && target_after);
    SET(PREMATURE_EXIT,
        !stop && r->exit_gain_ticks > 0 && r->after_best_ticks >= r->exit_gain_ticks);
    SET(LATE_ENTRY,
        r->slippage_ticks > 0 &&
            at_least_bps(r->slippage_ticks, SC_BLUNDER_LATE_ENTRY_BPS, t->decision_touch_px));
    SET(CHASED_ENTRY, t->entry_style == SC_ENTRY_TAKER &&
                          at_least_bps(r->chase_ticks, SC_BLUNDER_CHASE_BPS, t->decision_touch_px));
    SET(FEE_DRAG, t->gross_pnl.e8 > 0 && t->net_pnl.e8 <= 0);
    SET(AGAINST_REGIME, (dir > 0 && t->regime == SC_REGIME_TREND_DOWN) ||
                            (dir < 0 && t->regime == SC_REGIME_TREND_UP));
    SET(ADVERSE_SELECTION, t->entry_style == SC_ENTRY_MAKER &&
                               at_least_bps(r->adverse_ticks, SC_BLUNDER_ADVSEL_BPS, t->entry_px));
    SET(MAX_HOLD_TIMEOUT, t->exit_reason == SC_EXIT_MAX_HOLD);
#undef SET
    /* The exclusions the header promises. */
    SC_ASSERT(!((m & SC_BLUNDER_BIT(SC_BLUNDER_CLEAN_WIN)) &&
                (m & SC_BLUNDER_BIT(SC_BLUNDER_LUCKY_WIN))));
    SC_ASSERT(!((m & SC_BLUNDER_BIT(SC_BLUNDER_STOPPED_THEN_REVERSED)) &&
                (m & SC_BLUNDER_BIT(SC_BLUNDER_PREMATURE_EXIT))));
    return m;
}

sc_err sc_blunder_analyze(const sc_blunder_trade *t, const sc_blunder_point *pts, size_t n,
                          sc_ns lookahead_ns, sc_blunder_report *out) {
    if (out == NULL || (pts == NULL && n > 0) || lookahead_ns < 0 ||
        lookahead_ns > SC_BLUNDER_LOOKAHEAD_NS_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    if (!trade_ok(t)) {
        return SC_ERR_RANGE;
    }
    for (size_t i = 0; i < n; i++) {
        if (!px_ok(pts[i].px) || (i > 0 && pts[i].ts_ns < pts[i - 1].ts_ns)) {
            return SC_ERR_RANGE;
        }
    }
    int64_t dir = dir_of(t->side);
    sc_blunder_report r;
    memset(&r, 0, sizeof(r));
    r.id = t->id;
    r.points_n = (int64_t)n;
    r.exit_gain_ticks = fav(dir, t->exit_px, t->entry_px);
    r.slippage_ticks = fav(dir, t->entry_px, t->decision_touch_px); /* > 0: paid more */
    bool target_after = false;
    /* The fills are points of the hold window (and of the adverse one). */
    sc_blunder_point fills[2] = {{t->entry_ns, t->entry_px}, {t->exit_ns, t->exit_px}};
    for (size_t i = 0; i < 2; i++) {
        fold_point(t, lookahead_ns, fills[i], &r, &target_after);
    }
    for (size_t i = 0; i < n; i++) {
        fold_point(t, lookahead_ns, pts[i], &r, &target_after);
    }
    r.mfe_bps = bps_of(r.mfe_ticks, t->entry_px);
    r.mae_bps = bps_of(r.mae_ticks, t->entry_px);
    r.after_best_bps = bps_of(r.after_best_ticks, t->exit_px);
    r.after_worst_bps = bps_of(r.after_worst_ticks, t->exit_px);
    r.labels = labels_of(t, &r, target_after);
    SC_ASSERT(r.points_n == (int64_t)n && r.after_best_ticks >= 0 && r.after_worst_ticks >= 0);
    SC_ASSERT(r.mfe_ticks >= (r.exit_gain_ticks > 0 ? r.exit_gain_ticks : 0));
    SC_ASSERT(r.mae_ticks >= (r.exit_gain_ticks < 0 ? -r.exit_gain_ticks : 0));
    *out = r;
    return SC_OK;
}

/* ---- tracker ---- */

typedef enum { SLOT_FREE = 0, SLOT_OPEN = 1, SLOT_CLOSED = 2 } slot_state;

typedef struct {
    slot_state state;
    int64_t id;
    sc_ns decision_ns;
    sc_blunder_trade trade; /* valid when closed */
    uint32_t n;
    bool truncated;
    sc_blunder_point *pts; /* points_max, inside sc_blunder.storage */
} slot;

struct sc_blunder {
    sc_blunder_config cfg;
    slot *slots;
    sc_blunder_point *storage; /* slots_max * points_max */
    sc_blunder_point *recent;  /* ring of recent_max */
    uint32_t recent_head;      /* next write */
    uint32_t recent_n;
    bool recent_wrapped; /* a point has been overwritten */
    bool has_last;
    sc_ns last_ns;
    sc_blunder_counters counters;
};

sc_blunder_config sc_blunder_config_default(void) {
    sc_blunder_config c = {.lookahead_ns = SC_BLUNDER_LOOKAHEAD_NS_DEFAULT,
                           .slots_max = SC_BLUNDER_SLOTS_DEFAULT,
                           .points_max = SC_BLUNDER_POINTS_DEFAULT,
                           .recent_max = SC_BLUNDER_RECENT_DEFAULT};
    SC_ASSERT(c.lookahead_ns <= SC_BLUNDER_LOOKAHEAD_NS_MAX);
    SC_ASSERT(c.points_max <= SC_BLUNDER_POINTS_MAX && c.recent_max <= SC_BLUNDER_RECENT_MAX);
    return c;
}

static bool config_ok(const sc_blunder_config *c) {
    return c != NULL && c->lookahead_ns >= 0 && c->lookahead_ns <= SC_BLUNDER_LOOKAHEAD_NS_MAX &&
           c->slots_max >= 1 && c->slots_max <= SC_BLUNDER_SLOTS_MAX && c->points_max >= 2 &&
           c->points_max <= SC_BLUNDER_POINTS_MAX && c->recent_max >= 1 &&
           c->recent_max <= SC_BLUNDER_RECENT_MAX;
}

sc_err sc_blunder_create(const sc_blunder_config *cfg, sc_blunder **out) {
    if (out == NULL || !config_ok(cfg)) {
        return SC_ERR_INVALID_ARG;
    }
    *out = NULL;
    sc_blunder *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        return SC_ERR_NOMEM;
    }
    b->cfg = *cfg;
    b->slots = calloc(cfg->slots_max, sizeof(*b->slots));
    b->storage = calloc((size_t)cfg->slots_max * cfg->points_max, sizeof(*b->storage));
    b->recent = calloc(cfg->recent_max, sizeof(*b->recent));
    if (b->slots == NULL || b->storage == NULL || b->recent == NULL) {
        sc_blunder_destroy(b);
        return SC_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < cfg->slots_max; i++) {
        b->slots[i].pts = b->storage + (size_t)i * cfg->points_max;
    }
    SC_ASSERT(config_ok(&b->cfg));
    SC_ASSERT(b->slots[0].state == SLOT_FREE && b->recent_n == 0);
    *out = b;
    return SC_OK;
}

void sc_blunder_destroy(sc_blunder *b) {
    if (b == NULL) {
        return;
    }
    free(b->slots);
    free(b->storage);
    free(b->recent);
    free(b);
}

/* Appends to a slot; at the limit the point is dropped and the slot marked. */
static void slot_push(sc_blunder *b, slot *s, sc_blunder_point p) {
    SC_ASSERT(s->state != SLOT_FREE);
    SC_ASSERT(s->n <= b->cfg.points_max);
    if (s->n == b->cfg.points_max) {
        s->truncated = true;
        b->counters.points_dropped++;
        return;
    }
    s->pts[s->n++] = p;
}

/* Closed slots take points only up to the end of their look-ahead window. */
static bool slot_wants(const sc_blunder *b, const slot *s, sc_ns ts_ns) {
    SC_ASSERT(b != NULL && s != NULL);
    SC_ASSERT(ts_ns >= 0);
    if (s->state == SLOT_OPEN) {
        return true;
    }
    return s->state == SLOT_CLOSED && ts_ns <= s->trade.exit_ns + b->cfg.lookahead_ns;
}

sc_err sc_blunder_on_price(sc_blunder *b, sc_ns ts_ns, sc_px px) {
    SC_ASSERT(b != NULL);
    if (!px_ok(px) || ts_ns < 0 || (b->has_last && ts_ns < b->last_ns)) {
        b->counters.prices_refused++;
        return SC_ERR_RANGE;
    }
    b->has_last = true;
    b->last_ns = ts_ns;
    b->counters.prices++;
    sc_blunder_point p = {ts_ns, px};
    b->recent_wrapped = b->recent_wrapped || b->recent_n == b->cfg.recent_max;
    b->recent[b->recent_head] = p;
    b->recent_head = (b->recent_head + 1) % b->cfg.recent_max;
    b->recent_n = b->recent_n < b->cfg.recent_max ? b->recent_n + 1 : b->recent_n;
    for (uint32_t i = 0; i < b->cfg.slots_max; i++) {
        if (slot_wants(b, &b->slots[i], ts_ns)) {
            slot_push(b, &b->slots[i], p);
        }
    }
    SC_ASSERT(b->recent_n >= 1 && b->recent_n <= b->cfg.recent_max);
    SC_ASSERT(b->last_ns == ts_ns && b->recent_head < b->cfg.recent_max);
    return SC_OK;
}

static slot *slot_find(sc_blunder *b, int64_t id, slot_state st) {
    SC_ASSERT(b != NULL && b->cfg.slots_max >= 1);
    /* SLOT_FREE as the filter means any tracked slot, open or closed. */
    SC_ASSERT(st == SLOT_FREE || st == SLOT_OPEN || st == SLOT_CLOSED);
    for (uint32_t i = 0; i < b->cfg.slots_max; i++) {
        if (b->slots[i].state != SLOT_FREE && b->slots[i].id == id &&
            (st == SLOT_FREE || b->slots[i].state == st)) {
            return &b->slots[i];
        }
    }
    return NULL;
}

/* Copies the recent points from the chase window start on, oldest first. */
static void slot_seed(sc_blunder *b, slot *s) {
    SC_ASSERT(s->state == SLOT_OPEN && s->n == 0);
    sc_ns from = s->decision_ns - SC_BLUNDER_CHASE_WINDOW_NS;
    uint32_t first = (b->recent_head + b->cfg.recent_max - b->recent_n) % b->cfg.recent_max;
    if (b->recent_wrapped && b->recent_n > 0 && b->recent[first].ts_ns > from) {
        s->truncated = true; /* the ring no longer reaches the window start */
    }
    for (uint32_t k = 0; k < b->recent_n; k++) {
        sc_blunder_point p = b->recent[(first + k) % b->cfg.recent_max];
        if (p.ts_ns >= from) {
            slot_push(b, s, p);
        }
    }
    SC_ASSERT(s->n <= b->cfg.points_max);
}

sc_err sc_blunder_open(sc_blunder *b, int64_t id, sc_ns decision_ns) {
    SC_ASSERT(b != NULL);
    if (decision_ns < 0) {
        return SC_ERR_RANGE;
    }
    if (slot_find(b, id, SLOT_FREE) != NULL) {
        return SC_ERR_STATE;
    }
    slot *s = NULL;
    for (uint32_t i = 0; i < b->cfg.slots_max && s == NULL; i++) {
        s = b->slots[i].state == SLOT_FREE ? &b->slots[i] : NULL;
    }
    if (s == NULL) {
        b->counters.opens_refused++;
        return SC_ERR_FULL;
    }
    s->state = SLOT_OPEN;
    s->id = id;
    s->decision_ns = decision_ns;
    s->n = 0;
    s->truncated = false;
    slot_seed(b, s);
    SC_ASSERT(slot_find(b, id, SLOT_OPEN) == s);
    SC_ASSERT(s->n <= b->cfg.points_max);
    return SC_OK;
}

sc_err sc_blunder_close(sc_blunder *b, const sc_blunder_trade *t) {
    SC_ASSERT(b != NULL);
    if (t == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    slot *s = slot_find(b, t->id, SLOT_OPEN);
    if (s == NULL) {
        return SC_ERR_NOT_FOUND;
    }
    if (!trade_ok(t)) {
        return SC_ERR_RANGE;
    }
    SC_ASSERT(s->state == SLOT_OPEN && s->id == t->id);
    s->trade = *t;
    s->state = SLOT_CLOSED;
    SC_ASSERT(slot_find(b, t->id, SLOT_OPEN) == NULL);
    return SC_OK;
}

bool sc_blunder_poll(sc_blunder *b, sc_ns now_ns, sc_blunder_report *out) {
    SC_ASSERT(b != NULL && out != NULL);
    sc_ns now = b->has_last && b->last_ns > now_ns ? b->last_ns : now_ns;
    slot *best = NULL;
    for (uint32_t i = 0; i < b->cfg.slots_max; i++) {
        slot *s = &b->slots[i];
        if (s->state != SLOT_CLOSED || now <= s->trade.exit_ns + b->cfg.lookahead_ns) {
            continue;
        }
        if (best == NULL || s->trade.exit_ns < best->trade.exit_ns ||
            (s->trade.exit_ns == best->trade.exit_ns && s->id < best->id)) {
            best = s;
        }
    }
    if (best == NULL) {
        return false;
    }
    sc_blunder_report r;
    sc_err e = sc_blunder_analyze(&best->trade, best->pts, best->n, b->cfg.lookahead_ns, &r);
    SC_ASSERT(e == SC_OK); /* the trade was checked at close, the path on entry */
    SC_ASSERT(best->state == SLOT_CLOSED && r.points_n == (int64_t)best->n);
    r.truncated = best->truncated;
    r.labels = best->truncated ? 0u : r.labels;
    b->counters.reports++;
    b->counters.reports_truncated += best->truncated ? 1 : 0;
    best->state = SLOT_FREE;
    best->n = 0;
    *out = r;
    return true;
}

void sc_blunder_counters_get(const sc_blunder *b, sc_blunder_counters *out) {
    SC_ASSERT(b != NULL && out != NULL);
    SC_ASSERT(b->counters.reports_truncated <= b->counters.reports);
    *out = b->counters;
}
