#include "risk/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

#define E8 INT64_C(100000000)
#define BPS INT64_C(10000)
#define X100 INT64_C(100)

/* The two roundings. Each use below says why its direction is against us. */
typedef enum { RND_FLOOR = 0, RND_CEIL = 1 } rnd;

/* The trade being built while a position is open. */
typedef struct {
    sc_side side;
    sc_ns opened_ns;
    int64_t entry_qty_steps;
    int64_t exit_qty_steps;
    int64_t entry_value_e8;
    int64_t exit_value_e8;
    int64_t realized_e8;
    int64_t fees_e8;
    int64_t funding_e8;
} open_trade;

/* Everything an event may change. An event works on a copy and commits it
 * only when every step succeeded, so a refused event changes nothing. */
typedef struct {
    bool started; /* an event has been applied */
    sc_ns now_ns;
    int64_t qty_steps; /* signed */
    int64_t cost_e8;   /* signed cost of the open quantity */
    sc_ns opened_ns;
    int64_t realized_e8;
    int64_t unrealized_e8;
    int64_t fees_e8;
    int64_t funding_e8;
    int64_t equity_e8;
    int64_t peak_e8;
    int64_t drawdown_bps;
    int64_t max_drawdown_bps;
    sc_ns day_start_ns;
    int64_t day_start_equity_e8;
    int64_t daily_pnl_e8;
    int64_t daily_loss_bps;
    int64_t consecutive_losses;
    int64_t mark_e8;
    bool mark_seen;
    int64_t funding_rate_e8;
    sc_ns next_funding_ns;
    sc_ns settled_ns; /* the last funding time already settled */
    int64_t exposure_e8;
    int64_t leverage_x100;
    open_trade ot;
    bool has_last;
    sc_risk_trade last;
    sc_risk_metrics_counters c;
} metrics_state;

struct sc_risk_metrics {
    const sc_instrument *ins;
    int64_t start_equity_e8;
    int64_t value_factor; /* e8 per tick x step */
    int64_t px_e8_factor; /* e8 per tick */
    int64_t step_units;
    int64_t qty_div; /* 10^qty_scale */
    metrics_state st;
};

static const int64_t k_pow10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

static bool sub_i64(int64_t a, int64_t b, int64_t *out) {
    SC_ASSERT(out != NULL);
    if (b == INT64_MIN) {
        return false;
    }
    return sc_add_i64(a, -b, out);
}

/* |a| * b / d for a >= 0, b >= 0, d > 0, split as (a / d) * b + (a % d) * b
 * / d so no product wider than the result is formed. */
static bool mul_div_mag(int64_t a, int64_t b, int64_t d, int64_t *mag, bool *inexact) {
    SC_ASSERT(a >= 0 && b >= 0);
    SC_ASSERT(d > 0);
    int64_t hi;
    int64_t lo;
    if (!sc_mul_i64(a / d, b, &hi) || !sc_mul_i64(a % d, b, &lo)) {
        return false;
    }
    if (!sc_add_i64(hi, lo / d, mag)) {
        return false;
    }
    *inexact = lo % d != 0;
    return true;
}

/* a * b / d rounded by mode, exactly; false when it does not fit int64. */
static bool mul_div(int64_t a, int64_t b, int64_t d, rnd mode, int64_t *out) {
    SC_ASSERT(d > 0);
    SC_ASSERT(mode == RND_FLOOR || mode == RND_CEIL);
    if (a == INT64_MIN || b == INT64_MIN) {
        return false;
    }
    bool neg = (a < 0) != (b < 0);
    int64_t ua = a < 0 ? -a : a;
    int64_t ub = b < 0 ? -b : b;
    int64_t mag;
    bool inexact;
    /* The split can overflow on the remainder product with one operand
     * order and not the other; try both before calling it an overflow. */
    if (!mul_div_mag(ua, ub, d, &mag, &inexact) && !mul_div_mag(ub, ua, d, &mag, &inexact)) {
        return false;
    }
    bool away = inexact && (neg ? mode == RND_FLOOR : mode == RND_CEIL);
    if (away && !sc_add_i64(mag, 1, &mag)) {
        return false;
    }
    SC_ASSERT(mag >= 0);
    *out = neg ? -mag : mag;
    return true;
}

static bool add_to(int64_t *acc, int64_t v) {
    SC_ASSERT(acc != NULL);
    return sc_add_i64(*acc, v, acc);
}

sc_err sc_risk_metrics_create(const sc_risk_metrics_config *cfg, sc_risk_metrics **out) {
    if (cfg == NULL || out == NULL || cfg->instrument == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    const sc_instrument *ins = cfg->instrument;
    if (cfg->start_equity.e8 <= 0 || cfg->start_equity.e8 > SC_RISK_METRICS_EQUITY_MAX_E8) {
        return SC_ERR_RANGE;
    }
    /* Only linear contracts: COIN-M quantities are contracts of USD, whose
     * PnL is in the base asset, and spot grids are finer than e8. */
    if (ins->venue != SC_VENUE_USDM || ins->px_scale < 0 || ins->qty_scale < 0 ||
        ins->px_scale + ins->qty_scale > 8 || ins->tick_units <= 0 || ins->step_units <= 0) {
        return SC_ERR_UNSUPPORTED;
    }
    int64_t unit_pair;
    int64_t value_factor;
    int64_t px_e8_factor;
    if (!sc_mul_i64(ins->tick_units, ins->step_units, &unit_pair) ||
        !sc_mul_i64(unit_pair, k_pow10[8 - ins->px_scale - ins->qty_scale], &value_factor) ||
        !sc_mul_i64(ins->tick_units, k_pow10[8 - ins->px_scale], &px_e8_factor)) {
        return SC_ERR_OVERFLOW;
    }
    sc_risk_metrics *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        return SC_ERR_NOMEM;
    }
    m->ins = ins;
    m->start_equity_e8 = cfg->start_equity.e8;
    m->value_factor = value_factor;
    m->px_e8_factor = px_e8_factor;
    m->step_units = ins->step_units;
    m->qty_div = k_pow10[ins->qty_scale];
    m->st.equity_e8 = cfg->start_equity.e8;
    m->st.peak_e8 = cfg->start_equity.e8;
    m->st.day_start_equity_e8 = cfg->start_equity.e8;
    SC_ASSERT(m->value_factor > 0 && m->px_e8_factor > 0);
    SC_ASSERT(m->st.peak_e8 == m->st.equity_e8);
    SC_ASSERT(m->qty_div >= 1 && m->step_units >= 1);
    *out = m;
    return SC_OK;
}

void sc_risk_metrics_destroy(sc_risk_metrics *m) {
    free(m);
}

/* ---- valuation ---------------------------------------------------------- */

/* Ratio num/den scaled by `scale`, rounded up (against us: a drawdown, a
 * daily loss or a leverage never reads smaller than it is). */
static bool ratio_up(int64_t num, int64_t den, int64_t scale, int64_t *out) {
    SC_ASSERT(num >= 0 && scale > 0);
    if (den <= 0) {
        *out = num == 0 ? 0 : SC_RISK_METRICS_UNBOUNDED;
        return true;
    }
    bool ok = mul_div(num, scale, den, RND_CEIL, out);
    SC_ASSERT(!ok || *out >= 0);
    return ok;
}

/* Unrealized, exposure and leverage from the mark and the position. */
static bool value_position(const sc_risk_metrics *m, metrics_state *s) {
    SC_ASSERT(s->qty_steps != 0 || s->cost_e8 == 0);
    int64_t units;
    int64_t value_e8;
    if (!sc_mul_i64(s->qty_steps, m->step_units, &units)) {
        return false;
    }
    /* Value at mark rounds down (toward -inf): a gain reads smaller, a loss
     * larger. Exposure rounds up. */
    if (!mul_div(s->mark_e8, units, m->qty_div, RND_FLOOR, &value_e8) ||
        !sub_i64(value_e8, s->cost_e8, &s->unrealized_e8) ||
        !mul_div(s->mark_e8, units < 0 ? -units : units, m->qty_div, RND_CEIL, &s->exposure_e8)) {
        return false;
    }
    SC_ASSERT(s->exposure_e8 >= 0);
    return true;
}

/* Equity, peak, drawdown, daily figures and leverage after any change. */
static bool revalue(const sc_risk_metrics *m, metrics_state *s) {
    SC_ASSERT(m->start_equity_e8 > 0);
    int64_t eq = m->start_equity_e8;
    int64_t loss;
    if (!value_position(m, s) || !add_to(&eq, s->realized_e8) || !add_to(&eq, s->unrealized_e8) ||
        !sub_i64(eq, s->fees_e8, &eq) || !sub_i64(eq, s->funding_e8, &eq)) {
        return false;
    }
    s->equity_e8 = eq;
    if (eq > s->peak_e8) {
        s->peak_e8 = eq;
    }
    if (!ratio_up(s->peak_e8 - eq, s->peak_e8, BPS, &s->drawdown_bps) ||
        !sub_i64(eq, s->day_start_equity_e8, &s->daily_pnl_e8)) {
        return false;
    }
    if (s->drawdown_bps > s->max_drawdown_bps) {
        s->max_drawdown_bps = s->drawdown_bps;
    }
    loss = s->daily_pnl_e8 < 0 ? -s->daily_pnl_e8 : 0;
    if (s->day_start_equity_e8 <= 0) {
        s->daily_loss_bps = SC_RISK_METRICS_UNBOUNDED; /* fail closed */
    } else if (!ratio_up(loss, s->day_start_equity_e8, BPS, &s->daily_loss_bps)) {
        return false;
    }
    if (!ratio_up(s->exposure_e8, eq, X100, &s->leverage_x100)) {
        return false;
    }
    SC_ASSERT(s->peak_e8 >= s->equity_e8 && s->peak_e8 > 0);
    SC_ASSERT(s->drawdown_bps >= 0 && s->leverage_x100 >= 0);
    return true;
}

/* ---- time: clock, day, funding ------------------------------------------ */

static void begin_event(metrics_state *s, sc_ns ts_ns) {
    SC_ASSERT(ts_ns >= 0);
    if (!s->started || ts_ns > s->now_ns) {
        s->now_ns = ts_ns;
    }
    sc_ns day = sc_ns_utc_day_start(s->now_ns);
    if (!s->started || day > s->day_start_ns) {
        /* The equity as it stood before this event opens the day. */
        s->day_start_ns = day;
        s->day_start_equity_e8 = s->equity_e8;
    }
    s->started = true;
    SC_ASSERT(s->day_start_ns <= s->now_ns);
}

/* Settles the known funding time once the clock reaches it, with the
 * position, mark and rate known before this event. */
static bool settle_funding(const sc_risk_metrics *m, metrics_state *s) {
    SC_ASSERT(s->started);
    if (s->next_funding_ns <= 0 || s->now_ns < s->next_funding_ns ||
        s->settled_ns == s->next_funding_ns) {
        return true;
    }
    s->settled_ns = s->next_funding_ns;
    if (s->qty_steps == 0) {
        return true;
    }
    SC_ASSERT(s->mark_seen && s->mark_e8 > 0);
    int64_t units;
    int64_t notional_fine;
    int64_t div;
    int64_t paid;
    /* Signed notional (long > 0) x rate: a long pays a positive rate. Rounded
     * up (toward +inf): we pay more or receive less. */
    if (!sc_mul_i64(s->qty_steps, m->step_units, &units) ||
        !sc_mul_i64(s->mark_e8, units, &notional_fine) || !sc_mul_i64(m->qty_div, E8, &div) ||
        !mul_div(notional_fine, s->funding_rate_e8, div, RND_CEIL, &paid)) {
        return false;
    }
    if (!add_to(&s->funding_e8, paid) || !add_to(&s->ot.funding_e8, paid)) {
        return false;
    }
    s->c.funding_settlements++;
    return true;
}

/* ---- fills --------------------------------------------------------------- */

static bool close_trade(const sc_risk_metrics *m, metrics_state *s) {
    const open_trade *ot = &s->ot;
    SC_ASSERT(s->qty_steps == 0 && s->cost_e8 == 0);
    SC_ASSERT(ot->entry_qty_steps == ot->exit_qty_steps && ot->entry_qty_steps > 0);
    sc_risk_trade t;
    memset(&t, 0, sizeof(t));
    bool is_long = ot->side == SC_SIDE_BUY;
    int64_t units;
    t.seq = s->c.trades + 1;
    t.side = ot->side;
    t.opened_ns = ot->opened_ns;
    t.closed_ns = s->now_ns;
    t.hold_ns = s->now_ns - ot->opened_ns;
    SC_ASSERT(t.hold_ns >= 0);
    t.entry_qty_steps = ot->entry_qty_steps;
    t.exit_qty_steps = ot->exit_qty_steps;
    t.entry_value.e8 = ot->entry_value_e8;
    t.exit_value.e8 = ot->exit_value_e8;
    t.realized_pnl.e8 = ot->realized_e8;
    t.fees.e8 = ot->fees_e8;
    t.funding.e8 = ot->funding_e8;
    /* Averages round against the trade: a long's entry up and exit down. */
    if (!sc_mul_i64(ot->entry_qty_steps, m->step_units, &units) ||
        !mul_div(ot->entry_value_e8, m->qty_div, units, is_long ? RND_CEIL : RND_FLOOR,
                 &t.entry_avg_px.e8) ||
        !mul_div(ot->exit_value_e8, m->qty_div, units, is_long ? RND_FLOOR : RND_CEIL,
                 &t.exit_avg_px.e8) ||
        !sub_i64(ot->realized_e8, ot->fees_e8, &t.net_pnl.e8) ||
        !sub_i64(t.net_pnl.e8, ot->funding_e8, &t.net_pnl.e8)) {
        return false;
    }
    if (t.net_pnl.e8 > 0) {
        t.outcome = SC_RISK_TRADE_WIN;
        s->c.wins++;
        s->consecutive_losses = 0;
    } else if (t.net_pnl.e8 < 0) {
        t.outcome = SC_RISK_TRADE_LOSS;
        s->c.losses++;
        s->consecutive_losses++;
    } else {
        t.outcome = SC_RISK_TRADE_SCRATCH; /* the streak neither grows nor resets */
        s->c.scratches++;
    }
    if (s->consecutive_losses > s->c.max_consecutive_losses) {
        s->c.max_consecutive_losses = s->consecutive_losses;
    }
    s->c.trades++;
    s->last = t;
    s->has_last = true;
    s->opened_ns = 0;
    memset(&s->ot, 0, sizeof(s->ot));
    return true;
}

/* Reduces the position by n steps (n <= |q|) at px; fee_e8 is this part's
 * share of the fill's fee. */
static bool reduce(const sc_risk_metrics *m, metrics_state *s, sc_px px, int64_t n,
                   int64_t fee_e8) {
    int64_t abs_q = s->qty_steps < 0 ? -s->qty_steps : s->qty_steps;
    int64_t sign = s->qty_steps > 0 ? 1 : -1;
    SC_ASSERT(n > 0 && n <= abs_q);
    int64_t removed;
    int64_t exit_value;
    int64_t pnl;
    /* The cost share rounds up (toward +inf), so this close's realized PnL
     * rounds down; the remainder stays in the cost, and the round trip's
     * total stays exact. n == |q| removes the whole cost exactly. */
    if (!mul_div(s->cost_e8, n, abs_q, RND_CEIL, &removed) ||
        !sc_mul_i64(px.ticks, n, &exit_value) ||
        !sc_mul_i64(exit_value, m->value_factor, &exit_value) ||
        !sub_i64(sign * exit_value, removed, &pnl) || !sub_i64(s->cost_e8, removed, &s->cost_e8) ||
        !add_to(&s->realized_e8, pnl) || !add_to(&s->ot.realized_e8, pnl) ||
        !add_to(&s->ot.exit_value_e8, exit_value) || !add_to(&s->ot.fees_e8, fee_e8)) {
        return false;
    }
    /* The share never changes the cost's sign: |removed| <= |cost|. */
    SC_ASSERT(removed == 0 || (removed > 0) == (s->cost_e8 + removed > 0));
    s->qty_steps -= sign * n;
    s->ot.exit_qty_steps += n;
    SC_ASSERT(s->qty_steps == 0 || (s->qty_steps > 0) == (sign > 0));
    return s->qty_steps != 0 || close_trade(m, s);
}

/* Adds n steps in direction dir (+1 buy, -1 sell), opening a trade from flat. */
static bool increase(const sc_risk_metrics *m, metrics_state *s, sc_px px, int64_t n, int64_t dir,
                     int64_t fee_e8) {
    SC_ASSERT(n > 0 && (dir == 1 || dir == -1));
    SC_ASSERT(s->qty_steps == 0 || (s->qty_steps > 0) == (dir > 0));
    if (s->qty_steps == 0) {
        memset(&s->ot, 0, sizeof(s->ot));
        s->ot.side = dir > 0 ? SC_SIDE_BUY : SC_SIDE_SELL;
        s->ot.opened_ns = s->now_ns;
        s->opened_ns = s->now_ns;
    }
    int64_t value;
    if (!sc_mul_i64(px.ticks, n, &value) || !sc_mul_i64(value, m->value_factor, &value) ||
        !add_to(&s->cost_e8, dir * value) || !add_to(&s->qty_steps, dir * n) ||
        !add_to(&s->ot.entry_value_e8, value) || !add_to(&s->ot.entry_qty_steps, n) ||
        !add_to(&s->ot.fees_e8, fee_e8)) {
        return false;
    }
    SC_ASSERT((s->qty_steps > 0) == (dir > 0) && s->ot.entry_qty_steps >= n);
    return true;
}

static bool apply_fill(const sc_risk_metrics *m, metrics_state *s, const sc_risk_fill *f) {
    int64_t qty = f->qty.steps;
    int64_t dir = f->side == SC_SIDE_BUY ? 1 : -1;
    SC_ASSERT(qty > 0 && f->px.ticks > 0);
    int64_t value;
    int64_t fee;
    /* The fee rounds up to the next e8 (a rebate toward zero). */
    if (!sc_mul_i64(f->px.ticks, qty, &value) || !sc_mul_i64(value, m->value_factor, &value) ||
        !mul_div(value, f->fee_rate_e8, E8, RND_CEIL, &fee) || !add_to(&s->fees_e8, fee)) {
        return false;
    }
    int64_t closing = 0;
    if (s->qty_steps != 0 && (s->qty_steps > 0) != (dir > 0)) {
        int64_t abs_q = s->qty_steps < 0 ? -s->qty_steps : s->qty_steps;
        closing = qty < abs_q ? qty : abs_q;
    }
    SC_ASSERT(closing >= 0 && closing <= qty);
    int64_t fee_close = 0;
    if (closing > 0) {
        /* A flip's fee is split by quantity; the closing trade takes the
         * rounding (up), the new one the rest, so the parts sum to the fee. */
        if (closing == qty) {
            fee_close = fee;
        } else if (!mul_div(fee, closing, qty, RND_CEIL, &fee_close)) {
            return false;
        }
        if (!reduce(m, s, f->px, closing, fee_close)) {
            return false;
        }
    }
    if (qty > closing && !increase(m, s, f->px, qty - closing, dir, fee - fee_close)) {
        return false;
    }
    if (!s->mark_seen && !sc_mul_i64(f->px.ticks, m->px_e8_factor, &s->mark_e8)) {
        return false; /* the fill price stands in for the mark until one arrives */
    }
    SC_ASSERT(s->qty_steps != 0 || s->cost_e8 == 0);
    return true;
}

sc_err sc_risk_metrics_on_fill(sc_risk_metrics *m, const sc_risk_fill *f) {
    SC_ASSERT(m != NULL && f != NULL);
    bool valid = (f->side == SC_SIDE_BUY || f->side == SC_SIDE_SELL) && f->px.ticks > 0 &&
                 f->qty.steps > 0 && f->ts_ns >= 0 &&
                 f->fee_rate_e8 >= -SC_RISK_METRICS_FEE_RATE_MAX_E8 &&
                 f->fee_rate_e8 <= SC_RISK_METRICS_FEE_RATE_MAX_E8;
    if (!valid) {
        m->st.c.refused++;
        return SC_ERR_RANGE;
    }
    metrics_state s = m->st;
    begin_event(&s, f->ts_ns);
    if (!settle_funding(m, &s) || !apply_fill(m, &s, f) || !revalue(m, &s)) {
        m->st.c.refused++;
        return SC_ERR_OVERFLOW;
    }
    s.c.fills++;
    s.c.maker_fills += f->maker ? 1 : 0;
    SC_ASSERT(s.c.fills == m->st.c.fills + 1);
    m->st = s;
    return SC_OK;
}

sc_err sc_risk_metrics_on_mark(sc_risk_metrics *m, const sc_mark_price *mk) {
    SC_ASSERT(m != NULL && mk != NULL);
    bool valid = mk->mark_px.e8 > 0 && mk->ts_exch_ns >= 0 && mk->next_funding_ns >= 0 &&
                 mk->funding_rate.e8 >= -SC_RISK_METRICS_FUNDING_RATE_MAX_E8 &&
                 mk->funding_rate.e8 <= SC_RISK_METRICS_FUNDING_RATE_MAX_E8;
    if (!valid) {
        m->st.c.refused++;
        return SC_ERR_RANGE;
    }
    metrics_state s = m->st;
    begin_event(&s, mk->ts_exch_ns);
    if (!settle_funding(m, &s)) {
        m->st.c.refused++;
        return SC_ERR_OVERFLOW;
    }
    s.mark_e8 = mk->mark_px.e8;
    s.mark_seen = true;
    s.funding_rate_e8 = mk->funding_rate.e8;
    if (mk->next_funding_ns > s.next_funding_ns) {
        s.next_funding_ns = mk->next_funding_ns; /* a late event's older T is ignored */
    }
    if (!revalue(m, &s)) {
        m->st.c.refused++;
        return SC_ERR_OVERFLOW;
    }
    s.c.marks++;
    SC_ASSERT(s.c.marks == m->st.c.marks + 1);
    m->st = s;
    return SC_OK;
}

/* ---- getters ------------------------------------------------------------- */

void sc_risk_metrics_snapshot_get(const sc_risk_metrics *m, sc_risk_metrics_snapshot *out) {
    SC_ASSERT(m != NULL && out != NULL);
    const metrics_state *s = &m->st;
    SC_ASSERT(s->peak_e8 >= s->equity_e8);
    memset(out, 0, sizeof(*out));
    out->now_ns = s->now_ns;
    out->start_equity.e8 = m->start_equity_e8;
    out->equity.e8 = s->equity_e8;
    out->realized_pnl.e8 = s->realized_e8;
    out->unrealized_pnl.e8 = s->unrealized_e8;
    out->fees_paid.e8 = s->fees_e8;
    out->funding_paid.e8 = s->funding_e8;
    out->peak_equity.e8 = s->peak_e8;
    out->drawdown_bps = s->drawdown_bps;
    out->max_drawdown_bps = s->max_drawdown_bps;
    out->day_start_ns = s->day_start_ns;
    out->day_start_equity.e8 = s->day_start_equity_e8;
    out->daily_pnl.e8 = s->daily_pnl_e8;
    out->daily_loss_bps = s->daily_loss_bps;
    out->consecutive_losses = s->consecutive_losses;
    out->position_steps = s->qty_steps;
    out->position_cost.e8 = s->cost_e8;
    out->position_opened_ns = s->opened_ns;
    out->mark_px.e8 = s->mark_e8;
    out->mark_seen = s->mark_seen;
    out->funding_rate.e8 = s->funding_rate_e8;
    out->next_funding_ns = s->next_funding_ns;
    out->exposure.e8 = s->exposure_e8;
    out->leverage_x100 = s->leverage_x100;
    out->open_trade_realized.e8 = s->ot.realized_e8;
    out->open_trade_fees.e8 = s->ot.fees_e8;
}

bool sc_risk_metrics_last_trade(const sc_risk_metrics *m, sc_risk_trade *out) {
    SC_ASSERT(m != NULL && out != NULL);
    if (!m->st.has_last) {
        return false;
    }
    SC_ASSERT(m->st.last.seq == m->st.c.trades);
    *out = m->st.last;
    return true;
}

void sc_risk_metrics_counters_get(const sc_risk_metrics *m, sc_risk_metrics_counters *out) {
    SC_ASSERT(m != NULL && out != NULL);
    SC_ASSERT(m->st.c.trades == m->st.c.wins + m->st.c.losses + m->st.c.scratches);
    *out = m->st.c;
}

const char *sc_risk_trade_outcome_name(sc_risk_trade_outcome o) {
    switch (o) {
    case SC_RISK_TRADE_SCRATCH:
        return "scratch";
    case SC_RISK_TRADE_WIN:
        return "win";
    case SC_RISK_TRADE_LOSS:
        return "loss";
    }
    return "?";
}
