/* bar_events.c: closed candles to synthetic market events (the model is
 * stated in bar_events.h).
 *
 * begin plans the whole bar into the point array (price, qty, side, key):
 * the path, the sides, the volume. next then walks a small state machine
 * (path points: snapshot then trade; the final snapshot; the mark) and
 * writes each event on demand, its snapshot levels into the two level
 * buffers. Planning first is what lets every event know its time: the
 * times spread the bar's N events evenly, and N is only known once the
 * volume says which points print a trade.
 */
#include "engine/bar_events.h"

#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "core/time.h"
#include "market/book.h"

enum {
    LEGS = 3,        /* open -> first extreme -> second extreme -> close */
    TAIL_EVENTS = 2, /* the final snapshot and the mark */
    PX_SCALE_E8 = 8  /* marks are e8 of the quote asset */
};
/* Most events of one bar at the largest config. */
#define EVENTS_MAX_ALL (2 * (int64_t)SC_BAR_EVENTS_BAR_POINTS_MAX(SC_BAR_EVENTS_POINTS_MAX) + 2)

_Static_assert((int)SC_BAR_EVENTS_LEVELS_MAX <= (int)SC_BOOK_TOP_MAX, "a book serves every level");
_Static_assert(SC_BAR_EVENTS_LEVELS_DEFAULT <= SC_BAR_EVENTS_LEVELS_MAX, "levels default");
_Static_assert(SC_BAR_EVENTS_SPREAD_DEFAULT <= SC_BAR_EVENTS_SPREAD_MAX, "spread default");
_Static_assert(SC_BAR_EVENTS_POINTS_DEFAULT <= SC_BAR_EVENTS_POINTS_MAX, "points default");
_Static_assert(SC_BAR_EVENTS_POINTS_EXTRA >= 1 + LEGS + 1, "open, leg rounding, extra trade");
/* Event times: (i + 1) * (tf - 1) fits int64, and (tf - 1) / N >= 1 ns so
 * the times strictly increase. */
_Static_assert(EVENTS_MAX_ALL < INT64_MAX / SC_CANDLES_TF_NS_MAX, "event time product fits");
_Static_assert(SC_BAR_EVENTS_TF_NS_MIN - 1 >= EVENTS_MAX_ALL, "event times strictly increase");
/* Volume spread: remainder (< n) times (n) stays small. */
_Static_assert((int64_t)SC_BAR_EVENTS_BAR_POINTS_MAX(SC_BAR_EVENTS_POINTS_MAX) *
                       SC_BAR_EVENTS_BAR_POINTS_MAX(SC_BAR_EVENTS_POINTS_MAX) <
                   INT32_MAX,
               "remainder spread fits");

typedef struct {
    int64_t px;   /* ticks */
    int64_t qty;  /* steps of its trade; 0: the book moves, nothing prints */
    sc_side side; /* the trade's aggressor */
    bool key;     /* the open, an extreme, the close, or the extra trade */
} point;

typedef enum { ST_IDLE = 0, ST_PATH = 1, ST_FINAL = 2, ST_MARK = 3 } stage;

struct sc_bar_events {
    sc_bar_events_config cfg; /* defaults filled in */
    int64_t mark_e8_per_tick;
    point *pts;       /* [pts_cap] the bar's path */
    uint32_t pts_cap; /* SC_BAR_EVENTS_BAR_POINTS_MAX(path_points) */
    sc_level *bids;   /* [levels] the snapshot being yielded */
    sc_level *asks;   /* [levels] */
    /* the bar in progress */
    stage stage;
    sc_candle k;
    uint32_t n_pts;
    uint32_t cur;   /* next point */
    bool trade_due; /* pts[cur]'s snapshot is out, its trade comes next */
    uint32_t n_events;
    uint32_t emitted;
    sc_ns last_ts;      /* of the last event yielded, any bar */
    sc_ns next_open_ns; /* the end of the last bar: the next may not start before */
    bool have_prev;     /* a bar was begun before */
    int64_t prev_close; /* its close, where the book was left */
    int64_t update_id;  /* of the last snapshot */
    int64_t trade_id;   /* of the last trade */
    sc_bar_events_stats st;
};

/* ---- create ------------------------------------------------------------ */

static bool pow10_i64(int e, int64_t *out) {
    if (e < 0 || e > 18) {
        return false;
    }
    int64_t v = 1;
    for (int i = 0; i < e; i++) {
        v *= 10;
    }
    SC_ASSERT(v >= 1 && (e == 0 || v % 10 == 0));
    *out = v;
    return true;
}

/* SC_BAR_EVENTS_LEVEL_UNITS base units in steps, rounded up. */
static sc_err default_level_qty(const sc_instrument *ins, sc_qty *out) {
    int64_t unit = 0;
    int64_t units = 0;
    if (ins->step_units <= 0 || !pow10_i64(ins->qty_scale, &unit) ||
        !sc_mul_i64(unit, SC_BAR_EVENTS_LEVEL_UNITS, &units)) {
        return SC_ERR_UNSUPPORTED;
    }
    SC_ASSERT(units >= unit && unit >= 1);
    out->steps = units / ins->step_units + (units % ins->step_units != 0 ? 1 : 0);
    SC_ASSERT(out->steps >= 1);
    return SC_OK;
}

static sc_err config_fill(const sc_bar_events_config *in, sc_bar_events_config *c,
                          int64_t *mark_e8_per_tick) {
    if (in == NULL || in->ins == NULL || in->levels > SC_BAR_EVENTS_LEVELS_MAX ||
        in->spread_ticks > SC_BAR_EVENTS_SPREAD_MAX || in->path_points > SC_BAR_EVENTS_POINTS_MAX ||
        in->level_qty.steps < 0) {
        return SC_ERR_INVALID_ARG;
    }
    *c = *in;
    c->levels = in->levels != 0 ? in->levels : SC_BAR_EVENTS_LEVELS_DEFAULT;
    c->spread_ticks = in->spread_ticks != 0 ? in->spread_ticks : SC_BAR_EVENTS_SPREAD_DEFAULT;
    c->path_points = in->path_points != 0 ? in->path_points : SC_BAR_EVENTS_POINTS_DEFAULT;
    if (in->level_qty.steps == 0 && default_level_qty(in->ins, &c->level_qty) != SC_OK) {
        return SC_ERR_UNSUPPORTED;
    }
    int64_t scale = 0;
    if (in->ins->tick_units <= 0 || !pow10_i64(PX_SCALE_E8 - in->ins->px_scale, &scale) ||
        !sc_mul_i64(in->ins->tick_units, scale, mark_e8_per_tick)) {
        return SC_ERR_UNSUPPORTED;
    }
    SC_ASSERT(c->levels >= 1 && c->spread_ticks >= 1 && c->path_points >= 1);
    SC_ASSERT(c->level_qty.steps >= 1 && *mark_e8_per_tick >= 1);
    return SC_OK;
}

sc_err sc_bar_events_create(const sc_bar_events_config *cfg, sc_bar_events **out) {
    if (out == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    *out = NULL;
    sc_bar_events_config c;
    int64_t per_tick = 0;
    sc_err e = config_fill(cfg, &c, &per_tick);
    if (e != SC_OK) {
        return e;
    }
    sc_bar_events *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        return SC_ERR_NOMEM;
    }
    b->cfg = c;
    b->mark_e8_per_tick = per_tick;
    b->pts_cap = SC_BAR_EVENTS_BAR_POINTS_MAX(c.path_points);
    b->pts = calloc(b->pts_cap, sizeof(*b->pts));
    b->bids = calloc(c.levels, sizeof(*b->bids));
    b->asks = calloc(c.levels, sizeof(*b->asks));
    if (b->pts == NULL || b->bids == NULL || b->asks == NULL) {
        sc_bar_events_destroy(b);
        return SC_ERR_NOMEM;
    }
    b->stage = ST_IDLE;
    b->last_ts = INT64_MIN;
    SC_ASSERT(b->next_open_ns == 0 && !b->have_prev);
    SC_ASSERT(b->pts_cap > c.path_points && b->update_id == 0 && b->trade_id == 0);
    *out = b;
    return SC_OK;
}

void sc_bar_events_destroy(sc_bar_events *b) {
    if (b == NULL) {
        return;
    }
    free(b->pts);
    free(b->bids);
    free(b->asks);
    free(b);
}

/* ---- planning ----------------------------------------------------------- */

static bool candle_ok(const sc_bar_events *b, const sc_candle *k) {
    const char *why = NULL;
    if (!sc_candle_valid(k, &why)) {
        return false;
    }
    SC_ASSERT(k->low.ticks > 0 && k->high.ticks >= k->low.ticks);
    if (k->tf_ns < SC_BAR_EVENTS_TF_NS_MIN || k->tf_ns > SC_CANDLES_TF_NS_MAX || k->open_ns < 0 ||
        k->open_ns > INT64_MAX - k->tf_ns || k->open_ns < b->next_open_ns) {
        return false;
    }
    int64_t px_room = SC_BOOK_PX_MAX - (int64_t)b->cfg.spread_ticks - (int64_t)b->cfg.levels;
    SC_ASSERT(px_room > 0 && b->mark_e8_per_tick >= 1);
    int64_t e8 = 0;
    return k->high.ticks <= px_room && sc_mul_i64(k->high.ticks, b->mark_e8_per_tick, &e8);
}

static int64_t abs_i64(int64_t v) {
    SC_ASSERT(v != INT64_MIN);
    int64_t a = v < 0 ? -v : v;
    SC_ASSERT(a >= 0);
    return a;
}

static void push_point(sc_bar_events *b, int64_t px, sc_side side, bool key) {
    SC_ASSERT(b->n_pts < b->pts_cap);
    SC_ASSERT(px > 0);
    b->pts[b->n_pts++] = (point){px, 0, side, key};
}

/* A leg of d ticks in n = ceil(d / step) points at from +- floor(d * i / n),
 * computed as (d / n) * i + (d % n) * i / n so nothing overflows. */
static void add_leg(sc_bar_events *b, int64_t from, int64_t to, int64_t step) {
    int64_t d = abs_i64(to - from);
    if (d == 0) {
        return;
    }
    int64_t n = d / step + (d % step != 0 ? 1 : 0);
    SC_ASSERT(n >= 1 && n <= d && n <= (int64_t)b->cfg.path_points);
    int64_t dir = to > from ? 1 : -1;
    sc_side side = dir > 0 ? SC_SIDE_BUY : SC_SIDE_SELL;
    int64_t prev = 0;
    for (int64_t i = 1; i <= n; i++) {
        int64_t off = (d / n) * i + (d % n) * i / n;
        SC_ASSERT(off > prev && off - prev <= step);
        push_point(b, from + dir * off, side, i == n);
        prev = off;
    }
    SC_ASSERT(prev == d && b->pts[b->n_pts - 1].px == to);
}

/* The open's side: the move from the previous close, else the bar's first
 * move, else (flat) the larger taker side. */
static sc_side open_side(const sc_bar_events *b) {
    const sc_candle *k = &b->k;
    SC_ASSERT(b->n_pts >= 1 && b->pts[0].px == k->open.ticks);
    if (b->have_prev && b->prev_close != k->open.ticks) {
        return k->open.ticks > b->prev_close ? SC_SIDE_BUY : SC_SIDE_SELL;
    }
    if (b->n_pts > 1) {
        return b->pts[1].side; /* the first point after the open starts the first move */
    }
    bool split = (k->flags & SC_CANDLE_HAS_SPLIT) != 0;
    SC_ASSERT(b->n_pts == 1);
    return split && k->buy_volume.steps > k->sell_volume.steps ? SC_SIDE_BUY : SC_SIDE_SELL;
}

/* The path's points: the open, then the three legs. */
static void plan_path(sc_bar_events *b) {
    const sc_candle *k = &b->k;
    int64_t o = k->open.ticks;
    bool high_first = k->high.ticks - o <= o - k->low.ticks;
    int64_t stops[LEGS + 1] = {o, high_first ? k->high.ticks : k->low.ticks,
                               high_first ? k->low.ticks : k->high.ticks, k->close.ticks};
    int64_t path = 0;
    for (int j = 0; j < LEGS; j++) {
        path += abs_i64(stops[j + 1] - stops[j]); /* < 3 * SC_BOOK_PX_MAX: fits */
    }
    int64_t pp = (int64_t)b->cfg.path_points;
    int64_t step = path <= pp ? 1 : path / pp + (path % pp != 0 ? 1 : 0);
    b->n_pts = 0;
    push_point(b, o, SC_SIDE_SELL, true); /* side set below */
    for (int j = 0; j < LEGS; j++) {
        add_leg(b, stops[j], stops[j + 1], step);
    }
    b->pts[0].side = open_side(b);
    b->st.step_ticks_max = step > b->st.step_ticks_max ? step : b->st.step_ticks_max;
    SC_ASSERT(b->n_pts <= 1 + pp + LEGS - 1); /* sum of ceil(d / step) < pp + 3 */
    SC_ASSERT(b->pts[b->n_pts - 1].px == k->close.ticks);
}

/* With the split, a side that has volume but no point of its own trades
 * once at the close, after the path. */
static void plan_extra(sc_bar_events *b) {
    const sc_candle *k = &b->k;
    if ((k->flags & SC_CANDLE_HAS_SPLIT) == 0) {
        return;
    }
    bool has[2] = {false, false};
    for (uint32_t i = 0; i < b->n_pts; i++) {
        has[b->pts[i].side] = true;
    }
    SC_ASSERT(has[SC_SIDE_BUY] || has[SC_SIDE_SELL]); /* the open is a point */
    if (k->buy_volume.steps > 0 && !has[SC_SIDE_BUY]) {
        push_point(b, k->close.ticks, SC_SIDE_BUY, true);
        b->st.extra_trades++;
    } else if (k->sell_volume.steps > 0 && !has[SC_SIDE_SELL]) {
        push_point(b, k->close.ticks, SC_SIDE_SELL, true);
        b->st.extra_trades++;
    }
    SC_ASSERT(b->n_pts <= b->pts_cap);
}

static bool in_group(const point *p, int group) {
    SC_ASSERT(group >= -1 && group <= 1);
    SC_ASSERT(p->side == SC_SIDE_BUY || p->side == SC_SIDE_SELL);
    return group < 0 || (int)p->side == group;
}

/* v steps over the points of a group (-1: all, else a side): 1 step to each
 * key point first, then floor(rest / n) each and the remainder's single
 * steps spread evenly (Bresenham). The sum is v exactly. */
static void spread_volume(sc_bar_events *b, int group, int64_t v) {
    SC_ASSERT(v >= 0);
    int64_t n = 0;
    for (uint32_t i = 0; i < b->n_pts; i++) {
        if (in_group(&b->pts[i], group)) {
            n++;
            if (b->pts[i].key && v > 0) {
                b->pts[i].qty = 1;
                v--;
            }
        }
    }
    SC_ASSERT(n > 0 || v == 0); /* plan_extra gave every side with volume a point */
    if (n == 0) {
        return;
    }
    int64_t base = v / n;
    int64_t rem = v % n;
    int64_t j = 0;
    for (uint32_t i = 0; i < b->n_pts; i++) {
        if (in_group(&b->pts[i], group)) {
            b->pts[i].qty += base + rem * (j + 1) / n - rem * j / n;
            j++;
        }
    }
    SC_ASSERT(j == n);
}

static void plan_volume(sc_bar_events *b) {
    const sc_candle *k = &b->k;
    if ((k->flags & SC_CANDLE_HAS_SPLIT) != 0) {
        spread_volume(b, SC_SIDE_BUY, k->buy_volume.steps);
        spread_volume(b, SC_SIDE_SELL, k->sell_volume.steps);
    } else {
        spread_volume(b, -1, k->volume.steps);
    }
    int64_t sum = 0;
    uint32_t events = TAIL_EVENTS;
    for (uint32_t i = 0; i < b->n_pts; i++) {
        SC_ASSERT(b->pts[i].qty >= 0);
        sum += b->pts[i].qty;
        events += b->pts[i].qty > 0 ? 2 : 1;
    }
    SC_ASSERT(sum == k->volume.steps);
    b->n_events = events;
}

sc_err sc_bar_events_begin(sc_bar_events *b, const sc_candle *k) {
    if (b == NULL || k == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    if (b->stage != ST_IDLE) {
        return SC_ERR_STATE;
    }
    if (!candle_ok(b, k)) {
        b->st.refused++;
        return SC_ERR_RANGE;
    }
    b->k = *k;
    plan_path(b);
    plan_extra(b);
    plan_volume(b);
    b->cur = 0;
    b->trade_due = false;
    b->emitted = 0;
    b->stage = ST_PATH;
    b->next_open_ns = k->open_ns + k->tf_ns;
    b->have_prev = true;
    b->prev_close = k->close.ticks;
    b->st.bars++;
    b->st.points += b->n_pts;
    SC_ASSERT(b->n_pts >= 1 && b->n_pts <= b->pts_cap);
    SC_ASSERT(b->n_events >= TAIL_EVENTS + 1 && (int64_t)b->n_events <= EVENTS_MAX_ALL);
    return SC_OK;
}

/* ---- events ------------------------------------------------------------- */

/* Event i of N at open + (i + 1) * (tf - 1) / N: the last 1 ns before the
 * close (the static asserts above keep it exact and strictly increasing). */
static sc_ns event_ts(const sc_bar_events *b) {
    SC_ASSERT(b->emitted < b->n_events);
    int64_t span = b->k.tf_ns - 1;
    sc_ns ts = b->k.open_ns + ((int64_t)b->emitted + 1) * span / (int64_t)b->n_events;
    SC_ASSERT(ts > b->k.open_ns && ts < b->k.open_ns + b->k.tf_ns);
    return ts;
}

/* A snapshot with the given touches; the touch levels hold bq / aq, the
 * others level_qty. Levels below 1 tick are left out. */
static void emit_snapshot(sc_bar_events *b, sc_event *out, int64_t bid, int64_t ask, int64_t bq,
                          int64_t aq) {
    SC_ASSERT(bid < ask && ask > 0);
    SC_ASSERT(bq >= 1 && aq >= 1);
    uint32_t nb = 0;
    int64_t lq = b->cfg.level_qty.steps;
    for (uint32_t i = 0; i < b->cfg.levels && bid - (int64_t)i >= 1; i++) {
        b->bids[nb++] = (sc_level){{bid - (int64_t)i}, {i == 0 ? bq : lq}};
    }
    for (uint32_t i = 0; i < b->cfg.levels; i++) {
        b->asks[i] = (sc_level){{ask + (int64_t)i}, {i == 0 ? aq : lq}};
    }
    out->kind = SC_EV_SNAPSHOT;
    sc_snapshot *s = &out->u.snapshot;
    s->last_update_id = ++b->update_id;
    s->ts_exch_ns = out->ts_local_ns;
    s->ts_txn_ns = out->ts_local_ns;
    s->bids = b->bids;
    s->asks = b->asks;
    s->n_bids = nb;
    s->n_asks = b->cfg.levels;
    b->st.snapshots++;
}

/* The book a point's trade meets: the hit side's touch at its price. */
static void emit_point_snapshot(sc_bar_events *b, sc_event *out, const point *p) {
    int64_t sp = (int64_t)b->cfg.spread_ticks;
    int64_t touch = p->qty > b->cfg.level_qty.steps ? p->qty : b->cfg.level_qty.steps;
    int64_t lq = b->cfg.level_qty.steps;
    SC_ASSERT(p->px > 0 && touch >= p->qty);
    if (p->side == SC_SIDE_BUY) {
        emit_snapshot(b, out, p->px - sp, p->px, lq, touch); /* the buy lifts the ask */
    } else {
        emit_snapshot(b, out, p->px, p->px + sp, touch, lq); /* the sell hits the bid */
    }
    SC_ASSERT(out->kind == SC_EV_SNAPSHOT);
}

static void emit_trade(sc_bar_events *b, sc_event *out, const point *p) {
    SC_ASSERT(p->qty > 0 && p->px > 0);
    out->kind = SC_EV_TRADE;
    sc_trade *t = &out->u.trade;
    t->trade_id = ++b->trade_id;
    t->first_trade_id = t->trade_id;
    t->last_trade_id = t->trade_id;
    t->ts_exch_ns = out->ts_local_ns;
    t->ts_trade_ns = out->ts_local_ns;
    t->px.ticks = p->px;
    t->qty.steps = p->qty;
    t->aggressor = p->side;
    t->kind = SC_TRADE_MARKET;
    b->st.trades++;
    SC_ASSERT(t->trade_id >= 1);
}

static void emit_mark(sc_bar_events *b, sc_event *out) {
    out->kind = SC_EV_MARK_PRICE;
    sc_mark_price *m = &out->u.mark;
    bool ok = sc_mul_i64(b->k.close.ticks, b->mark_e8_per_tick, &m->mark_px.e8);
    SC_ASSERT(ok); /* candle_ok checked the high */
    m->ts_exch_ns = out->ts_local_ns;
    m->index_px = m->mark_px;
    m->funding_rate.e8 = 0; /* bars carry no funding rate */
    m->next_funding_ns = 0; /* no settlement known: metrics never settles */
    b->st.marks++;
    SC_ASSERT(m->mark_px.e8 > 0);
}

/* One event of the path: a point's snapshot, or its trade. */
static void path_event(sc_bar_events *b, sc_event *out) {
    SC_ASSERT(b->stage == ST_PATH && b->cur < b->n_pts);
    const point *p = &b->pts[b->cur];
    bool done = false;
    if (!b->trade_due) {
        emit_point_snapshot(b, out, p);
        b->trade_due = p->qty > 0;
        done = !b->trade_due;
        b->st.silent_points += done ? 1 : 0;
    } else {
        emit_trade(b, out, p);
        b->trade_due = false;
        done = true;
    }
    if (done && ++b->cur == b->n_pts) {
        b->stage = ST_FINAL;
    }
    SC_ASSERT(b->cur <= b->n_pts);
}

bool sc_bar_events_next(sc_bar_events *b, sc_event *out) {
    SC_ASSERT(b != NULL && out != NULL);
    if (b->stage == ST_IDLE) {
        return false;
    }
    memset(out, 0, sizeof(*out));
    out->ts_local_ns = event_ts(b);
    SC_ASSERT(out->ts_local_ns > b->last_ts);
    int64_t c = b->k.close.ticks;
    int64_t lq = b->cfg.level_qty.steps;
    switch (b->stage) {
    case ST_PATH:
        path_event(b, out);
        break;
    case ST_FINAL:
        emit_snapshot(b, out, c, c + (int64_t)b->cfg.spread_ticks, lq, lq);
        b->stage = ST_MARK;
        break;
    case ST_MARK:
    case ST_IDLE:
        emit_mark(b, out);
        b->stage = ST_IDLE;
        break;
    }
    b->last_ts = out->ts_local_ns;
    b->emitted++;
    b->st.events++;
    SC_ASSERT(b->stage != ST_IDLE || b->emitted == b->n_events);
    return true;
}

bool sc_bar_events_idle(const sc_bar_events *b) {
    SC_ASSERT(b != NULL);
    SC_ASSERT(b->stage == ST_IDLE || b->emitted < b->n_events);
    return b->stage == ST_IDLE;
}

void sc_bar_events_get_stats(const sc_bar_events *b, sc_bar_events_stats *out) {
    SC_ASSERT(b != NULL && out != NULL);
    *out = b->st;
    SC_ASSERT(out->events == out->snapshots + out->trades + out->marks);
}
