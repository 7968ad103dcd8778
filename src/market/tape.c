/* tape.c: TradeTapeProcessor.
 *
 * Window. A ring (core/ring.h, allocated in create) holds one entry per
 * trade in the window, in arrival order: its stamp, px x qty and qty. Four
 * exact sums (px x qty, qty, buy qty, sell qty) are updated when an entry is
 * pushed and when it is popped, so each trade costs O(1) amortized: it is
 * pushed once and popped once. Stamps never decrease along the ring, which
 * is what lets eviction look only at the oldest entry. To keep that true
 * whatever order the trades come in, an entry's stamp is the tape's clock
 * (the newest trade time or `now` seen), which equals the trade time for a
 * trade in time order. A late trade is therefore kept at most (clock - its
 * time) longer than its own time says; one older than the window is not
 * kept at all and is counted in late_trades.
 *
 * Eviction. The window is (clock - window_ns, clock]: an entry stamped
 * exactly clock - window_ns is out. It runs on every trade and every
 * sc_tape_stats_at. When the ring is full the oldest entry leaves early
 * (window_truncated); its stamp is remembered so the stats can say whether
 * the window they describe lost a trade that way.
 *
 * Overflow bound. The sums are int64 counts of ticks x steps and must hold a
 * whole window, so the window's notional in ticks x steps must stay below
 * INT64_MAX (9.22e18). usdm:BTCUSDT (tick 0.1, step 0.001) at 100,000 USDT
 * is 1e6 ticks: 9.2e12 steps = 9.2e9 BTC in one window, out of reach.
 * spot:BTCUSDT (tick 0.01, step 1e-8) at 100,000 USDT is 1e7 ticks:
 * 9.2e11 steps = 9,223 BTC in one window, which a day of spot volume can
 * exceed; hence SC_TAPE_WINDOW_NS_MAX and the checked arithmetic. Every
 * addition is checked (sc_mul_i64, sc_add_i64); a trade that does not fit
 * is refused with SC_ERR_OVERFLOW before anything it would change has
 * changed (fail closed: the stats stay exact, they just miss that trade,
 * and the id check reports it as missing when the next trade arrives).
 * Subtractions cannot overflow: they remove what was added (asserted).
 *
 * Rates. trades_per_s and volume_per_s always divide by the configured
 * window_ns. Dividing by the time observed so far during warm-up would make
 * the first trade's rate unbounded (0 elapsed) and need a floor picked out
 * of the air; instead the rates under-state during warm-up and stats.warm
 * says when the whole window has been observed.
 *
 * Aggregation. The open aggregate is kept as an sc_trade. A trade joins it
 * when it has the same trade time, price and aggressor and its first id
 * follows the aggregate's last id; the raw stream carries no taker order
 * id, so two taker orders hitting the same price in the same millisecond
 * merge (as the hftbacktest notes also do). An id gap closes the aggregate
 * so that first_trade_id..last_trade_id never spans a trade it lacks.
 */
#include "market/tape.h"

#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "core/fixed.h"
#include "core/ring.h"

_Static_assert((long long)SC_TAPE_TRADES_MAX <= (long long)SC_RING_CAPACITY_MAX,
               "the window ring must hold trades_max");
_Static_assert(SC_TAPE_TRADES_DEFAULT <= SC_TAPE_TRADES_MAX, "default within the ceiling");
_Static_assert(SC_TAPE_WINDOW_NS_DEFAULT <= SC_TAPE_WINDOW_NS_MAX, "default within the ceiling");
_Static_assert(SC_TAPE_WINDOW_NS_MAX > 0 && SC_TAPE_WINDOW_NS_MAX < INT64_MAX / 2,
               "clock - window_ns cannot overflow for clock >= 0");

/* One trade in the window. */
typedef struct {
    sc_ns stamp_ns;    /* the tape's clock when it arrived (>= its trade time) */
    int64_t pxq;       /* px ticks x qty steps */
    int64_t qty_steps; /* > 0 */
    sc_side side;
} tape_entry;

typedef struct {
    int64_t pxq;
    int64_t qty_steps;
    int64_t buy_steps;
    int64_t sell_steps;
} tape_sums;

struct sc_tape {
    const sc_instrument *ins;
    sc_ns window_ns;
    sc_ring *ring; /* of tape_entry, capacity trades_max */
    tape_sums sums;
    sc_ns clock_ns;        /* newest trade time or now seen; >= 0 */
    sc_ns now_last_ns;     /* last now given to sc_tape_stats_at */
    sc_ns first_trade_ns;  /* trade time of the first accepted trade */
    sc_ns truncated_to_ns; /* stamp of the newest entry evicted early, or INT64_MIN */
    bool have_trade;       /* any trade accepted yet */
    int64_t last_id;       /* last_trade_id of the last accepted trade */
    sc_px last_px;
    sc_ns last_trade_ns;
    bool agg_open;
    sc_trade agg;
    sc_tape_counters counters;
};

sc_err sc_tape_create(const sc_tape_config *cfg, sc_tape **out) {
    if (cfg == NULL || out == NULL || cfg->ins == NULL || cfg->window_ns < 0 ||
        cfg->window_ns > SC_TAPE_WINDOW_NS_MAX || cfg->trades_max > SC_TAPE_TRADES_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    sc_err err = SC_ERR_NOMEM;
    sc_tape *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        goto fail;
    }
    t->ins = cfg->ins;
    t->window_ns = cfg->window_ns == 0 ? SC_TAPE_WINDOW_NS_DEFAULT : cfg->window_ns;
    uint32_t cap = cfg->trades_max == 0 ? (uint32_t)SC_TAPE_TRADES_DEFAULT : cfg->trades_max;
    sc_ring_config rc = {.item_size = sizeof(tape_entry), .capacity = cap};
    err = sc_ring_create(&rc, &t->ring);
    if (err != SC_OK) {
        goto fail;
    }
    t->truncated_to_ns = INT64_MIN;
    SC_ASSERT(t->window_ns > 0 && t->window_ns <= SC_TAPE_WINDOW_NS_MAX);
    SC_ASSERT(sc_ring_capacity(t->ring) == cap && sc_ring_len(t->ring) == 0);
    *out = t;
    return SC_OK;
fail:
    sc_tape_destroy(t);
    return err;
}

void sc_tape_destroy(sc_tape *t) {
    if (t == NULL) {
        return;
    }
    sc_ring_destroy(t->ring);
    free(t);
}

/* The invariants of the sums, checked after every change. */
static void sums_check(const sc_tape *t) {
    const tape_sums *s = &t->sums;
    SC_ASSERT(s->pxq >= 0 && s->qty_steps >= 0 && s->buy_steps >= 0 && s->sell_steps >= 0);
    SC_ASSERT(s->qty_steps == s->buy_steps + s->sell_steps);
    SC_ASSERT((sc_ring_len(t->ring) == 0) == (s->qty_steps == 0));
    SC_ASSERT(s->qty_steps == 0 ? s->pxq == 0 : s->pxq > 0);
}

/* s += e, checked; s is unchanged when false. */
static bool sums_add(tape_sums *s, const tape_entry *e) {
    SC_ASSERT(e->qty_steps > 0 && e->pxq > 0);
    SC_ASSERT(e->side == SC_SIDE_BUY || e->side == SC_SIDE_SELL);
    tape_sums n = *s;
    int64_t *side = e->side == SC_SIDE_BUY ? &n.buy_steps : &n.sell_steps;
    if (!sc_add_i64(n.pxq, e->pxq, &n.pxq) ||
        !sc_add_i64(n.qty_steps, e->qty_steps, &n.qty_steps) ||
        !sc_add_i64(*side, e->qty_steps, side)) {
        return false;
    }
    *s = n;
    return true;
}

/* s -= e, for an e that was added to s: cannot overflow or go negative. */
static void sums_sub(tape_sums *s, const tape_entry *e) {
    SC_ASSERT(e->pxq <= s->pxq && e->qty_steps <= s->qty_steps);
    int64_t *side = e->side == SC_SIDE_BUY ? &s->buy_steps : &s->sell_steps;
    SC_ASSERT(e->qty_steps <= *side);
    s->pxq -= e->pxq;
    s->qty_steps -= e->qty_steps;
    *side -= e->qty_steps;
}

static const tape_entry *window_oldest(const sc_tape *t) {
    return sc_ring_at(t->ring, 0);
}

/* Removes the oldest entry and its share of the sums. */
static void window_pop(sc_tape *t) {
    tape_entry e;
    sc_err err = sc_ring_pop(t->ring, &e);
    SC_ASSERT(err == SC_OK);
    SC_ASSERT(e.stamp_ns <= t->clock_ns);
    sums_sub(&t->sums, &e);
    sums_check(t);
}

/* Drops entries stamped at or before clock - window_ns. */
static void window_evict(sc_tape *t) {
    SC_ASSERT(t->clock_ns >= 0);
    sc_ns horizon_ns = t->clock_ns - t->window_ns;
    const tape_entry *e = window_oldest(t);
    while (e != NULL && e->stamp_ns <= horizon_ns) {
        window_pop(t);
        e = window_oldest(t);
    }
    SC_ASSERT(e == NULL || e->stamp_ns > horizon_ns);
}

/* Outside input: a trade the tape cannot hold is refused, not asserted. */
static sc_err trade_validate(const sc_trade *tr) {
    SC_ASSERT(tr != NULL);
    if (tr->px.ticks <= 0 || tr->qty.steps <= 0 || tr->ts_trade_ns < 0 ||
        tr->first_trade_id > tr->last_trade_id) {
        return SC_ERR_RANGE;
    }
    SC_ASSERT(tr->aggressor == SC_SIDE_BUY || tr->aggressor == SC_SIDE_SELL);
    return SC_OK;
}

/* True when tr continues the open aggregate. */
static bool agg_joins(const sc_tape *t, const sc_trade *tr) {
    SC_ASSERT(!t->agg_open || t->have_trade);
    SC_ASSERT(!t->agg_open || t->agg.last_trade_id == t->last_id);
    /* last_id + 1 cannot overflow: the caller refused first_trade_id <= last_id. */
    SC_ASSERT(!t->have_trade || tr->first_trade_id > t->last_id);
    return t->agg_open && tr->ts_trade_ns == t->agg.ts_trade_ns && sc_px_eq(tr->px, t->agg.px) &&
           tr->aggressor == t->agg.aggressor && tr->first_trade_id == t->last_id + 1;
}

/* Hands out the open aggregate, if any, and closes it. */
static void agg_emit(sc_tape *t, sc_trade *agg_out, bool *agg_ready) {
    SC_ASSERT(agg_out != NULL && agg_ready != NULL);
    if (!t->agg_open) {
        *agg_ready = false;
        return;
    }
    SC_ASSERT(t->agg.qty.steps > 0 && t->agg.first_trade_id <= t->agg.last_trade_id);
    *agg_out = t->agg;
    *agg_ready = true;
    t->agg_open = false;
    t->counters.aggregates_total++;
}

/* Puts an accepted trade into the aggregation: joins the open aggregate
 * (agg_qty is its new, already checked, quantity) or closes it and opens a
 * new one with tr. */
static void agg_step(sc_tape *t, const sc_trade *tr, bool joins, int64_t agg_qty, sc_trade *agg_out,
                     bool *agg_ready) {
    if (joins) {
        SC_ASSERT(agg_qty > t->agg.qty.steps);
        t->agg.qty.steps = agg_qty;
        t->agg.last_trade_id = tr->last_trade_id;
        return;
    }
    agg_emit(t, agg_out, agg_ready);
    t->agg = *tr; /* trade_id, first id and times are the first trade's */
    t->agg_open = true;
    SC_ASSERT(t->agg.first_trade_id <= t->agg.last_trade_id);
}

/* Checks that tr fits the window and builds its entry. *enters is false for
 * a trade too old for the window. Only sums are checked: nothing changes. */
static sc_err window_prepare(const sc_tape *t, const sc_trade *tr, tape_entry *e, bool *enters) {
    SC_ASSERT(t->clock_ns >= tr->ts_trade_ns);
    *enters = tr->ts_trade_ns > t->clock_ns - t->window_ns;
    if (!*enters) {
        return SC_OK;
    }
    e->stamp_ns = t->clock_ns;
    e->qty_steps = tr->qty.steps;
    e->side = tr->aggressor;
    if (!sc_mul_i64(tr->px.ticks, tr->qty.steps, &e->pxq)) {
        return SC_ERR_OVERFLOW;
    }
    tape_sums next = t->sums;
    const tape_entry *oldest = window_oldest(t);
    if (sc_ring_len(t->ring) == sc_ring_capacity(t->ring)) {
        SC_ASSERT(oldest != NULL);
        sums_sub(&next, oldest); /* it leaves early to make room */
    }
    return sums_add(&next, e) ? SC_OK : SC_ERR_OVERFLOW;
}

/* Adds a prepared entry, making room first when the ring is full. */
static void window_push(sc_tape *t, const tape_entry *e) {
    if (sc_ring_len(t->ring) == sc_ring_capacity(t->ring)) {
        const tape_entry *oldest = window_oldest(t);
        SC_ASSERT(oldest != NULL && oldest->stamp_ns <= e->stamp_ns);
        t->truncated_to_ns = oldest->stamp_ns;
        window_pop(t);
        t->counters.window_truncated++;
    }
    size_t len = sc_ring_len(t->ring);
    const tape_entry *newest = len > 0 ? sc_ring_at(t->ring, len - 1) : NULL;
    SC_ASSERT(newest == NULL || newest->stamp_ns <= e->stamp_ns); /* stamps in time order */
    bool added = sums_add(&t->sums, e);
    SC_ASSERT(added); /* window_prepare checked it against the same sums */
    sc_err err = sc_ring_push(t->ring, e);
    SC_ASSERT(err == SC_OK);
    sums_check(t);
}

/* Updates the id counters for an accepted trade. */
static void ids_accept(sc_tape *t, const sc_trade *tr) {
    if (t->have_trade) {
        SC_ASSERT(tr->first_trade_id > t->last_id);
        /* Unsigned difference: first > last_id, so this cannot wrap. */
        t->counters.missing_trades += (uint64_t)tr->first_trade_id - (uint64_t)t->last_id - 1u;
    } else {
        t->first_trade_ns = tr->ts_trade_ns;
        t->have_trade = true;
    }
    t->last_id = tr->last_trade_id;
    t->last_px = tr->px;
    t->last_trade_ns = tr->ts_trade_ns;
    t->counters.trades_total++;
}

sc_err sc_tape_on_trade(sc_tape *t, const sc_trade *tr, sc_trade *agg_out, bool *agg_ready) {
    SC_ASSERT(t != NULL && tr != NULL && agg_out != NULL && agg_ready != NULL);
    *agg_ready = false;
    sc_err err = trade_validate(tr);
    if (err != SC_OK) {
        return err;
    }
    if (t->have_trade && tr->first_trade_id <= t->last_id) {
        t->counters.out_of_order++; /* a repeat or a step back: already counted */
        return SC_OK;
    }
    bool joins = agg_joins(t, tr);
    int64_t agg_qty = 0;
    if (joins && !sc_add_i64(t->agg.qty.steps, tr->qty.steps, &agg_qty)) {
        return SC_ERR_OVERFLOW;
    }
    if (tr->ts_trade_ns > t->clock_ns) {
        t->clock_ns = tr->ts_trade_ns;
        window_evict(t);
    }
    tape_entry e;
    bool enters = false;
    err = window_prepare(t, tr, &e, &enters);
    if (err != SC_OK) {
        return err;
    }
    /* From here on nothing can fail. */
    if (enters) {
        window_push(t, &e);
    } else {
        t->counters.late_trades++;
    }
    ids_accept(t, tr);
    agg_step(t, tr, joins, agg_qty, agg_out, agg_ready);
    SC_ASSERT(t->agg_open && t->agg.last_trade_id == t->last_id);
    return SC_OK;
}

void sc_tape_flush(sc_tape *t, sc_trade *agg_out, bool *agg_ready) {
    SC_ASSERT(t != NULL);
    agg_emit(t, agg_out, agg_ready);
    SC_ASSERT(!t->agg_open);
}

void sc_tape_stats_at(sc_tape *t, sc_ns now, sc_tape_stats *out) {
    SC_ASSERT(t != NULL && out != NULL);
    SC_ASSERT(now >= t->now_last_ns); /* the caller's time never goes back */
    t->now_last_ns = now;
    if (now > t->clock_ns) {
        t->clock_ns = now;
        window_evict(t);
    }
    const tape_sums *s = &t->sums;
    sc_ns horizon_ns = t->clock_ns - t->window_ns;
    double window_s = (double)t->window_ns / (double)SC_NS_PER_S;
    memset(out, 0, sizeof(*out));
    out->trades = sc_ring_len(t->ring);
    out->buy_qty.steps = s->buy_steps;
    out->sell_qty.steps = s->sell_steps;
    if (s->qty_steps > 0) {
        out->vwap_ticks = (double)s->pxq / (double)s->qty_steps;
        out->imbalance = (double)(s->buy_steps - s->sell_steps) / (double)s->qty_steps;
    }
    out->trades_per_s = (double)out->trades / window_s;
    out->volume_per_s = (double)s->qty_steps / window_s;
    out->last_px = t->last_px;
    out->last_trade_ns = t->last_trade_ns;
    out->window_end_ns = t->clock_ns;
    out->warm = t->have_trade && horizon_ns >= t->first_trade_ns;
    out->truncated = t->truncated_to_ns > horizon_ns;
    SC_ASSERT(out->imbalance >= -1.0 && out->imbalance <= 1.0);
    SC_ASSERT(!out->truncated || t->counters.window_truncated > 0);
}

void sc_tape_get_counters(const sc_tape *t, sc_tape_counters *out) {
    SC_ASSERT(t != NULL && out != NULL);
    SC_ASSERT(t->counters.trades_total >= sc_ring_len(t->ring));
    *out = t->counters;
}
