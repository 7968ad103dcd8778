/* fill_sim.c: the fill simulator (the model is stated in fill_sim.h).
 *
 * Orders live in a fixed array of slots. A slot is PENDING until its
 * activation time, then RESTING (limit on the book) or TAKER_WAIT (no-book
 * taker waiting for a trade); a finished order whose cancel is still on its
 * way stays as a ZOMBIE so the cancel can be answered "unknown order" at the
 * right time. Actions (activations and cancels) run in (time, sequence)
 * order; the scan is O(orders_max), fine for the few orders a scalper has.
 */
#include "exec/fill_sim.h"

#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "core/rng.h"

typedef enum {
    SLOT_FREE = 0,
    SLOT_PENDING = 1,
    SLOT_RESTING = 2,
    SLOT_TAKER_WAIT = 3,
    SLOT_ZOMBIE = 4
} slot_state;

/* The queue ahead of an order whose queue is unknown (no book). */
#define AHEAD_UNKNOWN INT64_MAX
#define SHARE_ONE INT64_C(10000)

typedef struct {
    slot_state state;
    sc_order_intent o;
    int64_t leaves;
    sc_ns activate_ns;
    uint64_t activate_seq;
    bool cancel_pending;
    sc_ns cancel_ns;
    uint64_t cancel_seq;
    int64_t ahead;        /* steps of visible qty ahead of us */
    int64_t visible;      /* last visible qty at our price, our side */
    int64_t unexpl_trade; /* traded at our price, not yet seen in depth */
    int64_t unexpl_drop;  /* depth drops taken as cancels, no trade seen yet */
    int64_t drop_credit;  /* how far those drops moved us (share and clamp) */
} slot;

typedef struct {
    sc_side side;
    int64_t px_ticks;
    int64_t qty_steps; /* taken by our taker orders, > 0 */
} consumed;

/* Worst case reports per order in one call: a walk (one fill per level),
 * then NEW or EXPIRED, then a cancel answer. */
enum { REPORTS_PER_ORDER = SC_FILL_SIM_WALK_LEVELS + 3, CANDLE_REPORTS = 2 };

struct sc_fill_sim {
    sc_fill_sim_config cfg;
    sc_rng rng;
    sc_ns last_sched_ns; /* FIFO: no action takes effect before an earlier one */
    uint64_t seq;
    slot *slots;
    uint32_t n_slots;
    consumed cons[SC_FILL_SIM_CONSUMED_MAX];
    uint32_t n_cons;
    sc_level walk[SC_FILL_SIM_WALK_LEVELS];
    sc_fill_report *reps;
    uint32_t rep_cap;
    uint32_t rep_head;
    uint32_t rep_len;
    uint32_t per_call_max;
    int64_t fee_div;      /* px x qty x bps_x100 / fee_div = fee in e8 */
    int64_t notional_mul; /* px x qty x notional_mul / notional_div = e8 */
    int64_t notional_div;
    sc_fill_sim_stats st;
};

const char *sc_fill_rep_kind_name(sc_fill_rep_kind k) {
    switch (k) {
    case SC_FILL_REP_NEW:
        return "new";
    case SC_FILL_REP_FILL:
        return "fill";
    case SC_FILL_REP_REJECTED:
        return "rejected";
    case SC_FILL_REP_EXPIRED:
        return "expired";
    case SC_FILL_REP_CANCELED:
        return "canceled";
    case SC_FILL_REP_CANCEL_REJECTED:
        return "cancel_rejected";
    }
    return "?";
}

const char *sc_fill_reject_name(sc_fill_reject r) {
    switch (r) {
    case SC_FILL_REJ_NONE:
        return "none";
    case SC_FILL_REJ_POST_ONLY:
        return "post_only_would_cross";
    case SC_FILL_REJ_NO_BOOK:
        return "no_book";
    case SC_FILL_REJ_NO_LIQUIDITY:
        return "no_liquidity";
    }
    return "?";
}

static int64_t pow10_i64(int e) {
    SC_ASSERT(e >= 0 && e <= 18);
    int64_t v = 1;
    for (int i = 0; i < e; i++) {
        v *= 10;
    }
    SC_ASSERT(v > 0);
    return v;
}

static bool config_valid(const sc_fill_sim_config *c) {
    if (c == NULL || c->ins == NULL) {
        return false;
    }
    bool fees = c->maker_fee_bps_x100 >= SC_FILL_SIM_FEE_BPS_X100_MIN &&
                c->maker_fee_bps_x100 <= SC_FILL_SIM_FEE_BPS_X100_MAX &&
                c->taker_fee_bps_x100 >= SC_FILL_SIM_FEE_BPS_X100_MIN &&
                c->taker_fee_bps_x100 <= SC_FILL_SIM_FEE_BPS_X100_MAX;
    bool times = c->latency_ns >= 0 && c->latency_ns <= SC_FILL_SIM_LATENCY_NS_MAX &&
                 c->jitter_ns >= 0 && c->jitter_ns <= SC_FILL_SIM_LATENCY_NS_MAX;
    bool share = c->queue_cancel_share_x10000 >= 0 && c->queue_cancel_share_x10000 <= SHARE_ONE;
    return fees && times && share && c->orders_max <= SC_FILL_SIM_ORDERS_MAX;
}

/* Fee and notional scales: px x qty in quote units is
 * ticks*tick_units*steps*step_units / 10^(px_scale + qty_scale). */
static sc_err set_scales(sc_fill_sim *s) {
    const sc_instrument *ins = s->cfg.ins;
    SC_ASSERT(ins->tick_units > 0 && ins->step_units > 0);
    if (ins->venue == SC_VENUE_COINM) {
        return SC_ERR_UNSUPPORTED; /* inverse contracts: notional is not px x qty */
    }
    int sc = ins->px_scale + ins->qty_scale;
    if (sc < 2 || sc > 16) {
        return SC_ERR_UNSUPPORTED;
    }
    /* e8 x 1e-6 (bps_x100) = 10^2 over 10^sc. */
    s->fee_div = pow10_i64(sc - 2);
    s->notional_mul = sc <= 8 ? pow10_i64(8 - sc) : 1;
    s->notional_div = sc <= 8 ? 1 : pow10_i64(sc - 8);
    SC_ASSERT(s->fee_div >= 1 && s->notional_div >= 1);
    return SC_OK;
}

sc_err sc_fill_sim_create(const sc_fill_sim_config *cfg, sc_fill_sim **out) {
    if (out == NULL || !config_valid(cfg)) {
        return SC_ERR_INVALID_ARG;
    }
    *out = NULL;
    sc_fill_sim *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return SC_ERR_NOMEM;
    }
    s->cfg = *cfg;
    sc_err e = set_scales(s);
    if (e != SC_OK) {
        goto fail;
    }
    s->n_slots = cfg->orders_max != 0 ? cfg->orders_max : SC_FILL_SIM_ORDERS_DEFAULT;
    s->per_call_max = s->n_slots * REPORTS_PER_ORDER + CANDLE_REPORTS;
    s->rep_cap = 2 * s->per_call_max;
    s->slots = calloc(s->n_slots, sizeof(*s->slots));
    s->reps = calloc(s->rep_cap, sizeof(*s->reps));
    if (s->slots == NULL || s->reps == NULL) {
        e = SC_ERR_NOMEM;
        goto fail;
    }
    SC_ASSERT(s->n_slots >= 1 && s->n_slots <= SC_FILL_SIM_ORDERS_MAX);
    sc_rng_seed(&s->rng, cfg->seed);
    s->last_sched_ns = INT64_MIN;
    SC_ASSERT(s->rep_cap > s->per_call_max);
    *out = s;
    return SC_OK;
fail:
    sc_fill_sim_destroy(s);
    return e;
}

void sc_fill_sim_destroy(sc_fill_sim *s) {
    if (s == NULL) {
        return;
    }
    free(s->slots);
    free(s->reps);
    free(s);
}

/* ---- arithmetic ---------------------------------------------------------- */

static int64_t min_i64(int64_t a, int64_t b) {
    return a < b ? a : b;
}

/* Ceiling of n / d for d > 0 (C division truncates toward zero). */
static int64_t ceil_div(int64_t n, int64_t d) {
    SC_ASSERT(d > 0);
    int64_t q = n / d;
    if (n % d != 0 && n > 0) {
        q++;
    }
    SC_ASSERT((q - 1) * d < n || n <= 0);
    return q;
}

/* floor(x * share) for the cancel share, x >= 0, exact where it fits. */
static int64_t share_floor(int64_t x, int64_t share_x10000) {
    SC_ASSERT(x >= 0);
    SC_ASSERT(share_x10000 >= 0 && share_x10000 <= SHARE_ONE);
    int64_t p;
    if (sc_mul_i64(x, share_x10000, &p)) {
        return p / SHARE_ONE;
    }
    return x / SHARE_ONE * share_x10000; /* huge x: slightly lower, still a floor */
}

static sc_err px_qty_units(const sc_fill_sim *s, sc_px px, sc_qty qty, int64_t *out) {
    SC_ASSERT(s != NULL && out != NULL);
    SC_ASSERT(s->cfg.ins->tick_units > 0 && s->cfg.ins->step_units > 0);
    int64_t a, b;
    if (!sc_mul_i64(px.ticks, s->cfg.ins->tick_units, &a) ||
        !sc_mul_i64(qty.steps, s->cfg.ins->step_units, &b) || !sc_mul_i64(a, b, out)) {
        return SC_ERR_OVERFLOW;
    }
    return SC_OK;
}

sc_err sc_fill_sim_fee(const sc_fill_sim *s, sc_px px, sc_qty qty, bool maker, sc_money *fee) {
    SC_ASSERT(s != NULL && fee != NULL);
    int64_t rate = maker ? s->cfg.maker_fee_bps_x100 : s->cfg.taker_fee_bps_x100;
    int64_t u, n;
    if (px_qty_units(s, px, qty, &u) != SC_OK || !sc_mul_i64(u, rate, &n)) {
        return SC_ERR_OVERFLOW;
    }
    fee->e8 = ceil_div(n, s->fee_div); /* against us: pay more, or be rebated less */
    SC_ASSERT(rate < 0 || fee->e8 >= 0);
    return SC_OK;
}

/* Fee and notional of one fill; false on overflow (absurd price or size). */
static bool fill_money(const sc_fill_sim *s, sc_px px, sc_qty qty, bool maker, sc_money *fee,
                       sc_money *notional) {
    SC_ASSERT(qty.steps > 0 && px.ticks >= 0);
    int64_t u = 0, n = 0;
    if (sc_fill_sim_fee(s, px, qty, maker, fee) != SC_OK || px_qty_units(s, px, qty, &u) != SC_OK ||
        !sc_mul_i64(u, s->notional_mul, &n)) {
        return false;
    }
    notional->e8 = n / s->notional_div; /* truncated: informational only */
    SC_ASSERT(notional->e8 >= 0);
    return true;
}

/* ---- reports ------------------------------------------------------------- */

static bool room_ok(const sc_fill_sim *s) {
    SC_ASSERT(s->per_call_max > 0 && s->per_call_max < s->rep_cap);
    SC_ASSERT(s->rep_len <= s->rep_cap);
    return s->rep_cap - s->rep_len >= s->per_call_max;
}

static void push(sc_fill_sim *s, const sc_fill_report *r) {
    SC_ASSERT(s->rep_len < s->rep_cap); /* room_ok was checked by the caller */
    SC_ASSERT(r->qty.steps >= 0 && r->leaves.steps >= 0);
    s->reps[(s->rep_head + s->rep_len) % s->rep_cap] = *r;
    s->rep_len++;
}

bool sc_fill_sim_next_report(sc_fill_sim *s, sc_fill_report *out) {
    SC_ASSERT(s != NULL && out != NULL);
    if (s->rep_len == 0) {
        return false;
    }
    *out = s->reps[s->rep_head];
    s->rep_head = (s->rep_head + 1) % s->rep_cap;
    s->rep_len--;
    SC_ASSERT(out->client_id[0] != '\0');
    return true;
}

static sc_fill_report report_of(const slot *sl, sc_fill_rep_kind kind, sc_ns ts) {
    sc_fill_report r;
    memset(&r, 0, sizeof(r));
    SC_ASSERT(sl->o.client_id[0] != '\0');
    r.kind = kind;
    memcpy(r.client_id, sl->o.client_id, sizeof(r.client_id));
    r.side = sl->o.side;
    r.px = sl->o.px;
    r.leaves.steps = sl->leaves;
    r.ts_ns = ts;
    SC_ASSERT(sl->leaves >= 0 && sl->leaves <= sl->o.qty.steps);
    return r;
}

/* Ends an order; a cancel still on its way keeps the slot as a zombie. */
static void finish(slot *sl) {
    SC_ASSERT(sl->state != SLOT_FREE && sl->state != SLOT_ZOMBIE);
    sl->state = sl->cancel_pending ? SLOT_ZOMBIE : SLOT_FREE;
    SC_ASSERT(sl->state == SLOT_FREE || sl->cancel_pending);
}

/* False (nothing changes, counted) when the fill's money would overflow. */
static bool emit_fill(sc_fill_sim *s, slot *sl, sc_px px, int64_t qty, bool maker, sc_ns ts) {
    SC_ASSERT(qty > 0 && qty <= sl->leaves);
    sc_fill_report r = report_of(sl, SC_FILL_REP_FILL, ts);
    if (!fill_money(s, px, (sc_qty){qty}, maker, &r.fee, &r.notional)) {
        s->st.overflows++;
        return false;
    }
    sl->leaves -= qty;
    r.leaves.steps = sl->leaves;
    r.px = px;
    r.qty.steps = qty;
    r.maker = maker;
    r.queue_ahead.steps = maker && sl->ahead != AHEAD_UNKNOWN ? sl->ahead : 0;
    push(s, &r);
    s->st.fills++;
    SC_ASSERT(sl->leaves >= 0 && r.fee.e8 != INT64_MIN);
    if (sl->leaves == 0) {
        finish(sl);
    }
    return true;
}

static void emit_end(sc_fill_sim *s, slot *sl, sc_fill_rep_kind kind, sc_fill_reject why,
                     sc_ns ts) {
    SC_ASSERT(kind == SC_FILL_REP_REJECTED || kind == SC_FILL_REP_EXPIRED);
    sc_fill_report r = report_of(sl, kind, ts);
    r.qty.steps = sl->leaves;
    r.reason = why;
    sl->leaves = 0;
    r.leaves.steps = 0;
    push(s, &r);
    if (kind == SC_FILL_REP_REJECTED) {
        s->st.rejected++;
    }
    finish(sl);
}

/* ---- liquidity our taker orders took ------------------------------------ */

static consumed *consumed_find(sc_fill_sim *s, sc_side side, int64_t px) {
    SC_ASSERT(s->n_cons <= SC_FILL_SIM_CONSUMED_MAX);
    for (uint32_t i = 0; i < s->n_cons; i++) {
        if (s->cons[i].side == side && s->cons[i].px_ticks == px) {
            SC_ASSERT(s->cons[i].qty_steps > 0);
            return &s->cons[i];
        }
    }
    return NULL;
}

static bool consumed_add(sc_fill_sim *s, sc_side side, int64_t px, int64_t qty) {
    SC_ASSERT(qty > 0);
    consumed *c = consumed_find(s, side, px);
    if (c != NULL) {
        c->qty_steps += qty;
        return true;
    }
    if (s->n_cons == SC_FILL_SIM_CONSUMED_MAX) {
        return false;
    }
    s->cons[s->n_cons++] = (consumed){side, px, qty};
    SC_ASSERT(s->n_cons <= SC_FILL_SIM_CONSUMED_MAX);
    return true;
}

/* A depth update set (side, px) to qty: deletion forgets what we took; a
 * smaller level keeps at most all of it taken. */
static void consumed_on_level(sc_fill_sim *s, sc_side side, sc_level lv) {
    SC_ASSERT(lv.qty.steps >= 0);
    consumed *c = consumed_find(s, side, lv.px.ticks);
    if (c == NULL) {
        return;
    }
    if (lv.qty.steps == 0) {
        *c = s->cons[--s->n_cons]; /* order of the scratch never reaches output */
        return;
    }
    c->qty_steps = min_i64(c->qty_steps, lv.qty.steps);
    SC_ASSERT(c->qty_steps > 0);
}

/* ---- activation ---------------------------------------------------------- */

static sc_side other_side(sc_side side) {
    SC_ASSERT(side == SC_SIDE_BUY || side == SC_SIDE_SELL);
    sc_side o = side == SC_SIDE_BUY ? SC_SIDE_SELL : SC_SIDE_BUY;
    SC_ASSERT(o != side);
    return o;
}

/* True when px is at or better than the limit for a taker on side. */
static bool within_limit(sc_side side, int64_t px, int64_t limit) {
    SC_ASSERT(side == SC_SIDE_BUY || side == SC_SIDE_SELL);
    SC_ASSERT(px >= 0 && limit >= 0);
    return side == SC_SIDE_BUY ? px <= limit : px >= limit;
}

/* Takes visible liquidity level by level (bounded by WALK_LEVELS). */
static void walk_book(sc_fill_sim *s, slot *sl, bool limited, sc_ns ts) {
    sc_side opp = other_side(sl->o.side);
    uint32_t n = 0;
    sc_err e = sc_book_top(s->cfg.book, opp, SC_FILL_SIM_WALK_LEVELS, s->walk, &n);
    SC_ASSERT(e == SC_OK || e == SC_ERR_EMPTY); /* synced was checked */
    SC_ASSERT(n <= SC_FILL_SIM_WALK_LEVELS);
    for (uint32_t i = 0; i < n && sl->leaves > 0; i++) {
        sc_level lv = s->walk[i];
        if (limited && !within_limit(sl->o.side, lv.px.ticks, sl->o.px.ticks)) {
            break;
        }
        consumed *c = consumed_find(s, opp, lv.px.ticks);
        int64_t avail = lv.qty.steps - (c != NULL ? c->qty_steps : 0);
        if (avail <= 0) {
            continue;
        }
        int64_t take = min_i64(avail, sl->leaves);
        if (c == NULL && s->n_cons == SC_FILL_SIM_CONSUMED_MAX) {
            s->st.consumed_full++;
            break;
        }
        if (!emit_fill(s, sl, lv.px, take, false, ts)) {
            break;
        }
        bool ok = consumed_add(s, opp, lv.px.ticks, take);
        SC_ASSERT(ok);
    }
}

static void rest(sc_fill_sim *s, slot *sl, sc_ns ts) {
    SC_ASSERT(sl->leaves > 0);
    sc_qty vis = {0};
    sc_err e = sc_book_qty_at(s->cfg.book, sl->o.side, sl->o.px, &vis);
    SC_ASSERT(e == SC_OK);
    sl->state = SLOT_RESTING;
    sl->ahead = vis.steps; /* behind everything visible at our price */
    sl->visible = vis.steps;
    sl->unexpl_trade = 0;
    sl->unexpl_drop = 0;
    sl->drop_credit = 0;
    sc_fill_report r = report_of(sl, SC_FILL_REP_NEW, ts);
    r.queue_ahead = vis;
    push(s, &r);
}

static void activate_no_book(sc_fill_sim *s, slot *sl, sc_ns ts) {
    SC_ASSERT(s->cfg.book == NULL);
    bool taker = sl->o.type == SC_ORD_MARKET || sl->o.tif == SC_TIF_IOC;
    if (taker) {
        sl->state = SLOT_TAKER_WAIT;
        return;
    }
    /* A limit order: the queue is unknown; only trades through fill it. GTX
     * cannot be checked against a book: accepted (the fills are maker). */
    sl->state = SLOT_RESTING;
    sl->ahead = AHEAD_UNKNOWN;
    sl->visible = 0;
    sc_fill_report r = report_of(sl, SC_FILL_REP_NEW, ts);
    push(s, &r);
    SC_ASSERT(sl->state == SLOT_RESTING);
}

static void activate(sc_fill_sim *s, slot *sl, sc_ns ts) {
    SC_ASSERT(sl->state == SLOT_PENDING);
    SC_ASSERT(sl->leaves == sl->o.qty.steps);
    if (s->cfg.book == NULL) {
        activate_no_book(s, sl, ts);
        return;
    }
    sl->state = SLOT_TAKER_WAIT; /* transient while the walk runs */
    if (!sc_book_is_synced(s->cfg.book)) {
        emit_end(s, sl, SC_FILL_REP_REJECTED, SC_FILL_REJ_NO_BOOK, ts);
        return;
    }
    sc_level best;
    bool has_opp = sc_book_best(s->cfg.book, other_side(sl->o.side), &best) == SC_OK;
    if (sl->o.type == SC_ORD_MARKET) {
        if (!has_opp) {
            emit_end(s, sl, SC_FILL_REP_REJECTED, SC_FILL_REJ_NO_LIQUIDITY, ts);
            return;
        }
        walk_book(s, sl, false, ts);
    } else {
        bool crosses = has_opp && within_limit(sl->o.side, best.px.ticks, sl->o.px.ticks);
        if (crosses && sl->o.tif == SC_TIF_GTX) {
            emit_end(s, sl, SC_FILL_REP_REJECTED, SC_FILL_REJ_POST_ONLY, ts);
            return;
        }
        if (crosses) {
            walk_book(s, sl, true, ts);
        }
        if (sl->leaves > 0 && sl->o.tif != SC_TIF_IOC) {
            rest(s, sl, ts);
            return;
        }
    }
    if (sl->leaves > 0) {
        emit_end(s, sl, SC_FILL_REP_EXPIRED, SC_FILL_REJ_NONE, ts);
    }
}

static void run_cancel(sc_fill_sim *s, slot *sl) {
    SC_ASSERT(sl->cancel_pending && sl->state != SLOT_FREE && sl->state != SLOT_PENDING);
    sc_ns ts = sl->cancel_ns;
    sl->cancel_pending = false;
    if (sl->state == SLOT_ZOMBIE) {
        sc_fill_report r = report_of(sl, SC_FILL_REP_CANCEL_REJECTED, ts);
        push(s, &r);
        s->st.cancel_rejected++;
    } else {
        sc_fill_report r = report_of(sl, SC_FILL_REP_CANCELED, ts);
        r.qty.steps = sl->leaves;
        r.leaves.steps = 0;
        push(s, &r);
        s->st.canceled++;
    }
    sl->state = SLOT_FREE;
    SC_ASSERT(!sl->cancel_pending);
}

/* The slot whose next action is earliest and strictly before ts. */
static slot *next_due(sc_fill_sim *s, sc_ns ts) {
    SC_ASSERT(s->n_slots > 0);
    slot *best = NULL;
    sc_ns best_ns = 0;
    uint64_t best_seq = 0;
    for (uint32_t i = 0; i < s->n_slots; i++) {
        slot *sl = &s->slots[i];
        bool pend = sl->state == SLOT_PENDING;
        if (sl->state == SLOT_FREE || (!pend && !sl->cancel_pending)) {
            continue;
        }
        sc_ns t = pend ? sl->activate_ns : sl->cancel_ns;
        uint64_t q = pend ? sl->activate_seq : sl->cancel_seq;
        if (t < ts && (best == NULL || t < best_ns || (t == best_ns && q < best_seq))) {
            best = sl;
            best_ns = t;
            best_seq = q;
        }
    }
    SC_ASSERT(best == NULL || best_ns < ts);
    return best;
}

static void run_due(sc_fill_sim *s, sc_ns ts) {
    /* Each step retires one activation or one cancel: at most two a slot. */
    uint32_t steps_max = 2 * s->n_slots + 1;
    SC_ASSERT(s->rep_len + s->per_call_max <= s->rep_cap); /* room_ok checked */
    uint32_t i = 0;
    for (; i < steps_max; i++) {
        slot *sl = next_due(s, ts);
        if (sl == NULL) {
            break;
        }
        if (sl->state == SLOT_PENDING) {
            activate(s, sl, sl->activate_ns);
        } else {
            run_cancel(s, sl);
        }
    }
    SC_ASSERT(i < steps_max);
}

sc_err sc_fill_sim_advance(sc_fill_sim *s, sc_ns ts_ns) {
    SC_ASSERT(s != NULL);
    if (!room_ok(s)) {
        return SC_ERR_FULL;
    }
    run_due(s, ts_ns);
    SC_ASSERT(s->rep_len <= s->rep_cap);
    return SC_OK;
}

/* ---- orders in ----------------------------------------------------------- */

static slot *find_live(sc_fill_sim *s, const char *id) {
    SC_ASSERT(id != NULL && s->n_slots > 0);
    for (uint32_t i = 0; i < s->n_slots; i++) {
        slot *sl = &s->slots[i];
        if (sl->state != SLOT_FREE && sl->state != SLOT_ZOMBIE &&
            strcmp(sl->o.client_id, id) == 0) {
            return sl;
        }
    }
    return NULL;
}

/* When an action sent at ts takes effect: latency, seeded jitter, FIFO. */
static sc_ns schedule(sc_fill_sim *s, sc_ns ts) {
    sc_ns jit = 0;
    if (s->cfg.jitter_ns > 0) {
        jit = (sc_ns)sc_rng_below(&s->rng, (uint64_t)s->cfg.jitter_ns + 1);
    }
    SC_ASSERT(jit >= 0 && jit <= s->cfg.jitter_ns);
    sc_ns t = ts + s->cfg.latency_ns + jit;
    if (t < s->last_sched_ns) {
        t = s->last_sched_ns;
    }
    s->last_sched_ns = t;
    SC_ASSERT(t >= ts);
    return t;
}

static sc_err intent_valid(const sc_fill_sim *s, const sc_order_intent *o) {
    SC_ASSERT(s != NULL && o != NULL);
    if (!sc_client_id_valid(o->client_id) || o->qty.steps <= 0 || o->px.ticks < 0 ||
        (o->type == SC_ORD_LIMIT && o->px.ticks == 0) || o->px.ticks > SC_BOOK_PX_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    /* Maker fills are at the limit: their money is checked once here. */
    sc_money fee, notional;
    if (!fill_money(s, o->px, o->qty, true, &fee, &notional)) {
        return SC_ERR_OVERFLOW;
    }
    SC_ASSERT(notional.e8 >= 0);
    return SC_OK;
}

sc_err sc_fill_sim_submit(sc_fill_sim *s, const sc_order_intent *o, sc_ns ts_ns,
                          sc_ns *activate_ns) {
    SC_ASSERT(s != NULL && o != NULL);
    sc_err e = intent_valid(s, o);
    if (e != SC_OK) {
        return e;
    }
    if (find_live(s, o->client_id) != NULL) {
        return SC_ERR_STATE;
    }
    slot *sl = NULL;
    for (uint32_t i = 0; i < s->n_slots && sl == NULL; i++) {
        sl = s->slots[i].state == SLOT_FREE ? &s->slots[i] : NULL;
    }
    if (sl == NULL || !room_ok(s)) {
        return SC_ERR_FULL;
    }
    run_due(s, ts_ns); /* what was due before ts happens first */
    memset(sl, 0, sizeof(*sl));
    sl->o = *o;
    sl->leaves = o->qty.steps;
    sl->state = SLOT_PENDING;
    sl->activate_ns = schedule(s, ts_ns);
    sl->activate_seq = ++s->seq;
    s->st.submitted++;
    if (activate_ns != NULL) {
        *activate_ns = sl->activate_ns;
    }
    SC_ASSERT(sl->activate_ns >= ts_ns);
    return SC_OK;
}

sc_err sc_fill_sim_cancel(sc_fill_sim *s, const char *client_id, sc_ns ts_ns, sc_ns *effect_ns) {
    SC_ASSERT(s != NULL);
    if (client_id == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    if (!room_ok(s)) {
        return SC_ERR_FULL;
    }
    run_due(s, ts_ns);
    slot *sl = find_live(s, client_id);
    if (sl == NULL) {
        return SC_ERR_NOT_FOUND;
    }
    if (sl->cancel_pending) {
        return SC_ERR_STATE;
    }
    sl->cancel_pending = true;
    sl->cancel_ns = schedule(s, ts_ns);
    sl->cancel_seq = ++s->seq;
    if (effect_ns != NULL) {
        *effect_ns = sl->cancel_ns;
    }
    SC_ASSERT(sl->state != SLOT_PENDING || sl->cancel_ns >= sl->activate_ns);
    return SC_OK;
}

/* ---- market data --------------------------------------------------------- */

/* The visible qty at a resting order's price changed to q. */
static void queue_on_level(const sc_fill_sim *s, slot *sl, int64_t q) {
    SC_ASSERT(sl->state == SLOT_RESTING && sl->ahead != AHEAD_UNKNOWN);
    SC_ASSERT(q >= 0 && sl->ahead <= sl->visible);
    int64_t before = sl->ahead;
    int64_t canceled = 0;
    if (q < sl->visible) {
        int64_t drop = sl->visible - q;
        int64_t by_trades = min_i64(drop, sl->unexpl_trade);
        canceled = drop - by_trades;
        sl->unexpl_trade -= by_trades;
        sl->unexpl_drop += canceled;
        sl->ahead -= share_floor(canceled, s->cfg.queue_cancel_share_x10000);
        if (sl->ahead < 0) {
            sl->ahead = 0;
        }
    }
    sl->visible = q;
    sl->ahead = min_i64(sl->ahead, q); /* all ahead of us is visible */
    if (canceled > 0) {
        /* Everything this drop moved us (the share, and the clamp when a
         * sweep shows in depth before its trades) is credited back to the
         * trades that may follow, so no trade moves us twice. */
        sl->drop_credit += before - sl->ahead;
    }
    SC_ASSERT(sl->ahead >= 0 && sl->unexpl_trade >= 0);
    SC_ASSERT(sl->drop_credit >= 0 && sl->ahead <= before);
}

static void depth_side(sc_fill_sim *s, sc_side side, const sc_level *lv, uint32_t n) {
    SC_ASSERT(n == 0 || lv != NULL);
    for (uint32_t i = 0; i < n; i++) {
        SC_ASSERT(lv[i].qty.steps >= 0); /* the book applied this diff */
        if (s->n_cons > 0) {
            consumed_on_level(s, side, lv[i]);
        }
        for (uint32_t k = 0; k < s->n_slots; k++) {
            slot *sl = &s->slots[k];
            if (sl->state == SLOT_RESTING && sl->o.side == side &&
                sl->o.px.ticks == lv[i].px.ticks && sl->ahead != AHEAD_UNKNOWN) {
                queue_on_level(s, sl, lv[i].qty.steps);
            }
        }
    }
}

sc_err sc_fill_sim_on_depth(sc_fill_sim *s, const sc_depth *d, sc_ns ts_ns) {
    SC_ASSERT(s != NULL);
    if (d == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    if (!room_ok(s)) {
        return SC_ERR_FULL;
    }
    run_due(s, ts_ns);
    bool resting = false; /* nothing to follow: skip the levels x slots walk */
    for (uint32_t k = 0; k < s->n_slots && !resting; k++) {
        resting = s->slots[k].state == SLOT_RESTING;
    }
    if (s->cfg.book != NULL && (resting || s->n_cons > 0)) {
        depth_side(s, SC_SIDE_BUY, d->bids, d->n_bids);
        depth_side(s, SC_SIDE_SELL, d->asks, d->n_asks);
    }
    SC_ASSERT(s->n_cons <= SC_FILL_SIM_CONSUMED_MAX);
    return SC_OK;
}

sc_err sc_fill_sim_on_book_reset(sc_fill_sim *s, sc_ns ts_ns) {
    SC_ASSERT(s != NULL);
    if (!room_ok(s)) {
        return SC_ERR_FULL;
    }
    run_due(s, ts_ns);
    s->n_cons = 0;
    for (uint32_t k = 0; s->cfg.book != NULL && k < s->n_slots; k++) {
        slot *sl = &s->slots[k];
        if (sl->state != SLOT_RESTING) {
            continue;
        }
        sc_qty vis = {0};
        if (sc_book_qty_at(s->cfg.book, sl->o.side, sl->o.px, &vis) != SC_OK) {
            vis.steps = sl->visible; /* not served: keep the last known level */
        }
        sl->visible = vis.steps;
        sl->ahead = vis.steps; /* unknown again: the back of the queue */
        sl->unexpl_trade = 0;
        sl->unexpl_drop = 0;
        sl->drop_credit = 0;
    }
    SC_ASSERT(s->n_cons == 0);
    return SC_OK;
}

/* How much of a trade of q at our price moves our queue. Part of it may be
 * a drop of the level already seen and taken as a cancel; what that drop
 * moved us is credited back (as much as can be: conservative). */
static int64_t trade_effective(slot *sl, int64_t q) {
    SC_ASSERT(q >= 0 && sl->unexpl_drop >= 0);
    int64_t m = min_i64(q, sl->unexpl_drop);
    int64_t credit = min_i64(m, sl->drop_credit);
    sl->unexpl_drop -= m;
    sl->drop_credit -= credit;
    sl->unexpl_trade += q - m;
    SC_ASSERT(credit >= 0 && credit <= q);
    return q - credit;
}

/* A trade meets a resting order; *left is what our orders have not yet
 * absorbed of it. */
static void trade_resting(sc_fill_sim *s, slot *sl, const sc_trade *t, int64_t *left, sc_ns ts) {
    SC_ASSERT(sl->state == SLOT_RESTING && *left >= 0);
    if (t->aggressor == sl->o.side) {
        return; /* own-side aggressor: not our counterparty */
    }
    int64_t lim = sl->o.px.ticks;
    bool through = sl->o.side == SC_SIDE_BUY ? t->px.ticks < lim : t->px.ticks > lim;
    int64_t avail = 0;
    if (through) {
        sl->ahead = sl->ahead == AHEAD_UNKNOWN ? AHEAD_UNKNOWN : 0;
        avail = t->qty.steps;
    } else if (t->px.ticks == lim && sl->ahead != AHEAD_UNKNOWN) {
        int64_t eff = trade_effective(sl, t->qty.steps);
        int64_t used = min_i64(sl->ahead, eff);
        sl->ahead -= used;
        avail = eff - used;
    }
    int64_t fill = min_i64(min_i64(avail, *left), sl->leaves);
    if (fill > 0) {
        SC_ASSERT(sl->ahead == 0 || sl->ahead == AHEAD_UNKNOWN);
        *left -= fill;
        bool ok = emit_fill(s, sl, sl->o.px, fill, true, ts);
        SC_ASSERT(ok); /* the limit's money was checked at submit */
    }
}

/* No book: a waiting taker fills in full at the first same-side trade. */
static void trade_taker_wait(sc_fill_sim *s, slot *sl, const sc_trade *t, sc_ns ts) {
    SC_ASSERT(sl->state == SLOT_TAKER_WAIT && s->cfg.book == NULL);
    if (t->aggressor != sl->o.side) {
        return;
    }
    bool ok = sl->o.type == SC_ORD_MARKET || within_limit(sl->o.side, t->px.ticks, sl->o.px.ticks);
    if (ok) {
        ok = emit_fill(s, sl, t->px, sl->leaves, false, ts);
    }
    if (!ok) {
        emit_end(s, sl, SC_FILL_REP_EXPIRED, SC_FILL_REJ_NONE, ts);
    }
    SC_ASSERT(sl->state == SLOT_FREE || sl->state == SLOT_ZOMBIE);
}

sc_err sc_fill_sim_on_trade(sc_fill_sim *s, const sc_trade *t, sc_ns ts_ns) {
    SC_ASSERT(s != NULL);
    if (t == NULL || t->qty.steps < 0 || t->px.ticks < 0) {
        return SC_ERR_INVALID_ARG;
    }
    if (!room_ok(s)) {
        return SC_ERR_FULL;
    }
    run_due(s, ts_ns);
    int64_t left = t->qty.steps;
    for (uint32_t k = 0; k < s->n_slots; k++) {
        slot *sl = &s->slots[k];
        if (sl->state == SLOT_RESTING) {
            trade_resting(s, sl, t, &left, ts_ns);
        } else if (sl->state == SLOT_TAKER_WAIT) {
            trade_taker_wait(s, sl, t, ts_ns);
        }
    }
    SC_ASSERT(left >= 0 && left <= t->qty.steps);
    return SC_OK;
}

/* ---- candles (klines only) ---------------------------------------------- */

static bool bracket_valid(const sc_candle_bracket *o, const sc_kline *k) {
    SC_ASSERT(o != NULL && k != NULL);
    bool lng = o->side == SC_SIDE_BUY;
    bool sides =
        lng ? o->stop_px.ticks < o->entry_px.ticks && o->target_px.ticks > o->entry_px.ticks
            : o->stop_px.ticks > o->entry_px.ticks && o->target_px.ticks < o->entry_px.ticks;
    bool candle = k->low.ticks >= 0 && k->low.ticks <= k->high.ticks &&
                  k->open.ticks >= k->low.ticks && k->open.ticks <= k->high.ticks;
    return sides && candle && o->qty.steps > 0 && o->stop_px.ticks > 0 &&
           sc_client_id_valid(o->client_id);
}

static void candle_fill(sc_fill_sim *s, const sc_candle_bracket *o, sc_side side, sc_px px,
                        bool maker, sc_ns ts) {
    slot tmp; /* a one-shot order, never stored */
    memset(&tmp, 0, sizeof(tmp));
    memcpy(tmp.o.client_id, o->client_id, sizeof(tmp.o.client_id));
    tmp.o.side = side;
    tmp.o.px = px;
    tmp.o.qty = o->qty;
    tmp.leaves = o->qty.steps;
    tmp.state = SLOT_RESTING;
    bool ok = emit_fill(s, &tmp, px, o->qty.steps, maker, ts);
    SC_ASSERT(ok); /* every candle price was checked by the caller */
    SC_ASSERT(tmp.state == SLOT_FREE);
}

static bool candle_money_ok(const sc_fill_sim *s, const sc_candle_bracket *o, const sc_kline *k) {
    SC_ASSERT(o->qty.steps > 0); /* bracket_valid ran first */
    SC_ASSERT(k->open.ticks >= 0);
    const sc_px pxs[4] = {o->entry_px, o->stop_px, o->target_px, k->open};
    for (int i = 0; i < 4; i++) {
        sc_money f, n;
        if (!fill_money(s, pxs[i], o->qty, false, &f, &n) ||
            !fill_money(s, pxs[i], o->qty, true, &f, &n)) {
            return false;
        }
    }
    return true;
}

sc_err sc_fill_sim_on_candle(sc_fill_sim *s, sc_candle_bracket *o, const sc_kline *k, bool *done) {
    SC_ASSERT(s != NULL && done != NULL);
    *done = false;
    if (o == NULL || k == NULL || !bracket_valid(o, k)) {
        return SC_ERR_INVALID_ARG;
    }
    if (!candle_money_ok(s, o, k)) {
        return SC_ERR_OVERFLOW;
    }
    if (!room_ok(s)) {
        return SC_ERR_FULL;
    }
    bool lng = o->side == SC_SIDE_BUY;
    bool entered_now = false;
    if (!o->in_position) {
        bool through = lng ? k->low.ticks < o->entry_px.ticks : k->high.ticks > o->entry_px.ticks;
        if (!through) {
            return SC_OK;
        }
        candle_fill(s, o, o->side, o->entry_px, true, k->close_ns);
        o->in_position = true;
        entered_now = true;
    }
    SC_ASSERT(o->in_position);
    sc_side exit = other_side(o->side);
    bool stop_hit = lng ? k->low.ticks <= o->stop_px.ticks : k->high.ticks >= o->stop_px.ticks;
    bool target_hit = lng ? k->high.ticks > o->target_px.ticks : k->low.ticks < o->target_px.ticks;
    if (stop_hit) {
        sc_px px = o->stop_px; /* a gap at the open fills at the open, worse */
        if (!entered_now && (lng ? k->open.ticks < px.ticks : k->open.ticks > px.ticks)) {
            px = k->open;
        }
        candle_fill(s, o, exit, px, false, k->close_ns);
    } else if (target_hit && !entered_now) {
        candle_fill(s, o, exit, o->target_px, true, k->close_ns);
    } else {
        return SC_OK;
    }
    o->in_position = false;
    *done = true;
    SC_ASSERT(!o->in_position && *done);
    return SC_OK;
}

/* ---- queries ------------------------------------------------------------- */

sc_err sc_fill_sim_queue_ahead(const sc_fill_sim *s, const char *client_id, sc_qty *out) {
    SC_ASSERT(s != NULL && out != NULL);
    for (uint32_t i = 0; client_id != NULL && i < s->n_slots; i++) {
        const slot *sl = &s->slots[i];
        if (sl->state == SLOT_RESTING && strcmp(sl->o.client_id, client_id) == 0) {
            out->steps = sl->ahead; /* INT64_MAX: unknown (no book) */
            SC_ASSERT(out->steps >= 0);
            return SC_OK;
        }
    }
    return SC_ERR_NOT_FOUND;
}

void sc_fill_sim_get_stats(const sc_fill_sim *s, sc_fill_sim_stats *out) {
    SC_ASSERT(s != NULL && out != NULL);
    *out = s->st;
    SC_ASSERT(out->fills == s->st.fills);
}
