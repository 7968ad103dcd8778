/* strategy.c: BaseStrategy. The definitions are in strategy.h; the reasons
 * for the choices are here.
 *
 *  - Score over ALL weights: a component without data counts as 0 rather
 *    than being dropped from the denominator, so a thin picture can only
 *    weaken a signal, never inflate it (renormalising over what is present
 *    would let one noisy component carry a full score during warm-up).
 *  - Normalisations are scale-free and need no extra parameter. The OFI is
 *    divided by its gross (sum of |e|), not by the depth at the touch: on
 *    BTCUSDT the queue churn in 2 s is many times the standing touch (on
 *    the 2024-08-08 capture |OFI| exceeded 4 touch depths in about half of
 *    the evaluations and 2 top-20 depths in a third), so any depth-based
 *    ratio saturates and only its sign survives; net over gross stays
 *    graded and reads like the trade flow. The EMA gap and the VWAP
 *    distance are in ATRs; RSI and %B by their own ranges.
 *  - Microstructure inputs are required (they are the signal); candle
 *    features are optional (they warm up over many bars and only tilt it).
 *  - All filters are checked, not just the first, so "why not" lists every
 *    reason; first_block is the lowest in the documented order.
 *  - Stops and targets: exact int64 ticks after one named rounding of the
 *    bps parameter; the rounding to ticks goes against us (see the header).
 *  - The trail is kept here because only the strategy knows its rule; it is
 *    keyed by the position's (side, entry time, entry price), so a new
 *    position starts a new trail without any reset call.
 */
#include "strategy/strategy.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "core/limits.h"

enum { COMP_IMB = 0, COMP_OFI = 1, COMP_FLOW = 2, COMP_MOM = 3, COMP_MR = 4, COMP_COUNT = 5 };
enum { PX_TEXT_MAX = 32, LIST_TEXT_MAX = 64 };
/* Entry reasons: one per component, then the order style and the levels. */
enum { ENTRY_REASONS = COMP_COUNT + 2 };
_Static_assert((int)ENTRY_REASONS <= (int)SC_SIGNAL_REASONS_MAX, "entry reasons fit a signal");
_Static_assert((int)COMP_COUNT + 1 <= (int)SC_SIGNAL_REASONS_MAX, "exit reasons fit a signal");
_Static_assert(SC_STRATEGY_BLOCK_COUNT <= 32, "blocked_mask holds every filter");
_Static_assert((int)SC_STRATEGY_BLOCK_PRICE + 1 == (int)SC_STRATEGY_BLOCK_COUNT, "block count");

/* bps parameters are taken in 1e-4 bp; a price times bps_e4 over this is ticks. */
#define BPS_E4_PER_BP 10000.0
#define BPS_E4_DEN INT64_C(100000000)

struct sc_strategy {
    const sc_params *params;
    const sc_instrument *ins;
    bool skip_blocked_text; /* see sc_strategy_config */
    /* the trail of the position being tracked */
    bool tracking;
    sc_strategy_pos_side trk_side;
    sc_ns trk_entry_ns;
    sc_px trk_entry_px;
    sc_px best_px;
    bool has_trail;
    sc_px trail_px;
    sc_strategy_counters counters;
};

/* The score and what went into it. */
typedef struct {
    double c[COMP_COUNT];
    bool present[COMP_COUNT];
    double w[COMP_COUNT];
    double w_sum;
    double s; /* sum(w c) / w_sum */
    /* parts of momentum and mean reversion, for the reasons */
    bool ema_part;
    double ema_gap_atr;
    bool vwap_part;
    double vwap_dist_atr;
} score_parts;

/* A parameter; the owner of the params keeps every value inside its
 * bounds (sc_param_check), asserted here at the point of use. */
static double par(const sc_strategy *s, sc_param_id id) {
    const sc_param_def *def = sc_param_def_of(id);
    double v = sc_params_get(s->params, id);
    SC_ASSERT(def != NULL && def->id == id);
    SC_ASSERT(v >= def->min && v <= def->max); /* also false for NaN */
    return v;
}

static int64_t par_int(const sc_strategy *s, sc_param_id id) {
    double v = par(s, id);
    SC_ASSERT(sc_param_def_of(id)->type != SC_PARAM_REAL);
    SC_ASSERT(v == floor(v)); /* a whole number */
    return (int64_t)v;
}

static double clamp1(double x) {
    SC_ASSERT(!isnan(x));
    return x < -1.0 ? -1.0 : (x > 1.0 ? 1.0 : x);
}

static void reason_addf(sc_reason *arr, uint32_t *n, uint32_t cap, double contribution,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void reason_addf(sc_reason *arr, uint32_t *n, uint32_t cap, double contribution,
                        const char *fmt, ...) {
    SC_ASSERT(*n < cap);
    SC_ASSERT(isfinite(contribution));
    sc_reason *r = &arr[(*n)++];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(r->text, sizeof(r->text), fmt, ap);
    va_end(ap);
    SC_ASSERT(len >= 0); /* a longer text is cut, still NUL-terminated */
    r->contribution = contribution;
}

/* The text of a reason already counted (a filter's why). */
static void reason_textf(sc_reason *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reason_textf(sc_reason *r, const char *fmt, ...) {
    SC_ASSERT(r != NULL && fmt != NULL);
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(r->text, sizeof(r->text), fmt, ap);
    va_end(ap);
    SC_ASSERT(len >= 0); /* a longer text is cut, still NUL-terminated */
}

static const char *px_text(const sc_strategy *s, sc_px px, char *buf) {
    SC_ASSERT(s != NULL && buf != NULL);
    if (sc_px_format(s->ins, px, buf, PX_TEXT_MAX) < 0) {
        int n = snprintf(buf, PX_TEXT_MAX, "%lld ticks", (long long)px.ticks);
        SC_ASSERT(n > 0);
    }
    return buf;
}

/* A quantity in the instrument's units; with_sign puts '+' before a
 * positive one. */
static const char *qty_text(const sc_strategy *s, int64_t steps, bool with_sign, char *buf) {
    SC_ASSERT(s != NULL && buf != NULL);
    size_t at = 0;
    if (steps < 0 || with_sign) {
        buf[at++] = steps < 0 ? '-' : '+';
    }
    sc_qty q = {steps == INT64_MIN ? 0 : (steps < 0 ? -steps : steps)};
    SC_ASSERT(q.steps >= 0);
    if (steps == INT64_MIN || sc_qty_format(s->ins, q, buf + at, PX_TEXT_MAX - at) < 0) {
        int n = snprintf(buf, PX_TEXT_MAX, "%lld steps", (long long)steps);
        SC_ASSERT(n > 0);
    }
    return buf;
}

sc_err sc_strategy_create(const sc_strategy_config *cfg, sc_strategy **out) {
    if (cfg == NULL || out == NULL || cfg->params == NULL || cfg->ins == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    if (sc_params_validate(cfg->params, NULL) != SC_OK) {
        return SC_ERR_RANGE;
    }
    sc_strategy *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return SC_ERR_NOMEM;
    }
    s->params = cfg->params;
    s->ins = cfg->ins;
    s->skip_blocked_text = cfg->skip_blocked_text;
    SC_ASSERT(!s->tracking && !s->has_trail);
    SC_ASSERT(par_int(s, SC_P_STRAT_ORDER_QTY_STEPS) <= SC_LIMIT_MAX_POSITION_STEPS);
    *out = s;
    return SC_OK;
}

void sc_strategy_destroy(sc_strategy *s) {
    free(s);
}

const char *sc_strategy_block_name(sc_strategy_block b) {
    static const char *const names[SC_STRATEGY_BLOCK_COUNT] = {
        "none",   "not_synced", "missing_input", "position_open", "order_working", "cooldown",
        "regime", "volatility", "score_low",     "htf_bias",      "price"};
    SC_ASSERT(names[SC_STRATEGY_BLOCK_COUNT - 1] != NULL);
    return (unsigned)b < SC_STRATEGY_BLOCK_COUNT ? names[b] : "?";
}

const char *sc_strategy_pos_side_name(sc_strategy_pos_side side) {
    switch (side) {
    case SC_STRATEGY_FLAT:
        return "flat";
    case SC_STRATEGY_LONG:
        return "long";
    case SC_STRATEGY_SHORT:
        return "short";
    }
    return "?";
}

/* ---- stop, target and trail distances --------------------------------- */

/* px * bps / 1e4 in whole ticks, rounded up or down, at least 1. */
static bool dist_bps(int64_t px_ticks, double bps, bool round_up, int64_t *out) {
    SC_ASSERT(px_ticks > 0);
    SC_ASSERT(isfinite(bps) && bps > 0.0 && bps <= 1e6);
    int64_t bps_e4 = llround(bps * BPS_E4_PER_BP); /* the named rounding of the parameter */
    int64_t num;
    if (!sc_mul_i64(px_ticks, bps_e4, &num)) {
        return false;
    }
    int64_t d = num / BPS_E4_DEN;
    if (round_up && num % BPS_E4_DEN != 0) {
        d++;
    }
    *out = d < 1 ? 1 : d;
    return true;
}

/* atr * mult in whole ticks, rounded up or down, at least 1, below limit. */
static bool dist_atr(double atr_ticks, double mult, bool round_up, int64_t limit, int64_t *out) {
    SC_ASSERT(isfinite(mult) && mult > 0.0);
    SC_ASSERT(limit > 0);
    if (!isfinite(atr_ticks) || atr_ticks <= 0.0) {
        return false;
    }
    double d = atr_ticks * mult;
    if (!(d < (double)limit)) {
        return false;
    }
    double r = round_up ? ceil(d) : floor(d);
    *out = r < 1.0 ? 1 : (int64_t)r;
    return *out < limit;
}

static bool level_dist(const sc_strategy *s, bool is_stop, sc_px entry, double atr_ticks,
                       int64_t *out) {
    double mult = par(s, is_stop ? SC_P_STRAT_SL_ATR_MULT : SC_P_STRAT_TP_ATR_MULT);
    SC_ASSERT(entry.ticks > 0);
    if (mult > 0.0) {
        return dist_atr(atr_ticks, mult, is_stop, entry.ticks, out);
    }
    double bps = par(s, is_stop ? SC_P_STRAT_SL_BPS : SC_P_STRAT_TP_BPS);
    /* the stop rounds away from the entry, the target towards it */
    if (!dist_bps(entry.ticks, bps, is_stop, out)) {
        return false;
    }
    SC_ASSERT(*out >= 1);
    return *out < entry.ticks;
}

bool sc_strategy_levels(const sc_strategy *s, sc_strategy_pos_side side, sc_px entry_px,
                        double atr_ticks, sc_px *stop_px, sc_px *target_px) {
    SC_ASSERT(s != NULL && stop_px != NULL && target_px != NULL);
    SC_ASSERT(side == SC_STRATEGY_LONG || side == SC_STRATEGY_SHORT);
    int64_t d_sl, d_tp;
    if (entry_px.ticks <= 0 || !level_dist(s, true, entry_px, atr_ticks, &d_sl) ||
        !level_dist(s, false, entry_px, atr_ticks, &d_tp)) {
        return false;
    }
    sc_px stop, target;
    bool ok;
    if (side == SC_STRATEGY_LONG) {
        stop.ticks = entry_px.ticks - d_sl; /* > 0: d_sl < entry */
        ok = sc_add_i64(entry_px.ticks, d_tp, &target.ticks);
    } else {
        ok = sc_add_i64(entry_px.ticks, d_sl, &stop.ticks);
        target.ticks = entry_px.ticks - d_tp;
    }
    if (!ok) {
        return false;
    }
    SC_ASSERT(stop.ticks > 0 && target.ticks > 0);
    SC_ASSERT(side == SC_STRATEGY_LONG
                  ? stop.ticks < entry_px.ticks && entry_px.ticks < target.ticks
                  : target.ticks < entry_px.ticks && entry_px.ticks < stop.ticks);
    *stop_px = stop;
    *target_px = target;
    return true;
}

/* ---- entry score ------------------------------------------------------- */

static bool touch_valid(const sc_strategy_inputs *in) {
    SC_ASSERT(in != NULL);
    SC_ASSERT(in->bid.qty.steps >= 0 && in->ask.qty.steps >= 0); /* the book holds no negatives */
    return in->book_synced && in->bid.px.ticks > 0 && in->ask.px.ticks > in->bid.px.ticks &&
           in->bid.qty.steps > 0 && in->ask.qty.steps > 0;
}

static bool atr_mode(const sc_strategy *s) {
    SC_ASSERT(s != NULL);
    return par(s, SC_P_STRAT_SL_ATR_MULT) > 0.0 || par(s, SC_P_STRAT_TP_ATR_MULT) > 0.0;
}

static double weight_sum(const sc_strategy *s) {
    double w = par(s, SC_P_STRAT_W_IMBALANCE) + par(s, SC_P_STRAT_W_OFI) +
               par(s, SC_P_STRAT_W_TRADE_FLOW) + par(s, SC_P_STRAT_W_MOMENTUM) +
               par(s, SC_P_STRAT_W_MEANREV);
    SC_ASSERT(isfinite(w) && w >= 0.0);
    SC_ASSERT(w <= (double)COMP_COUNT); /* each weight is at most 1 */
    return w;
}

/* list NULL: the caller wants no names (the check only). */
static void list_add(char *list, const char *name) {
    if (list == NULL) {
        return;
    }
    size_t n = strlen(list);
    SC_ASSERT(n < LIST_TEXT_MAX);
    int len = snprintf(list + n, LIST_TEXT_MAX - n, "%s%s", n > 0 ? ", " : "", name);
    SC_ASSERT(len > 0);
}

/* The required inputs (see the header); their names into list, or none
 * when list is NULL (nobody reads them: the exit check, a blocked
 * evaluation without text). An entry also needs the ATR when a level is in
 * ATRs; a reversal check does not. */
static bool inputs_complete(const sc_strategy *s, const sc_strategy_inputs *in, bool for_entry,
                            char *list) {
    SC_ASSERT(s != NULL && in != NULL);
    bool ok = true;
    if (list != NULL) {
        list[0] = '\0';
    }
    if (par(s, SC_P_STRAT_W_IMBALANCE) > 0.0 && !in->imbalance_ok) {
        ok = false;
        list_add(list, "book imbalance");
    }
    if (par(s, SC_P_STRAT_W_OFI) > 0.0 && !in->ofi_ok) {
        ok = false;
        list_add(list, "OFI");
    }
    if (par(s, SC_P_STRAT_W_TRADE_FLOW) > 0.0 && !in->flow_ok) {
        ok = false;
        list_add(list, "trade flow");
    }
    if (for_entry && atr_mode(s) && !(in->atr_ok && in->atr_ticks > 0.0)) {
        ok = false;
        list_add(list, "ATR (ATR stops)");
    }
    if (!(weight_sum(s) > 0.0)) {
        ok = false;
        list_add(list, "weights (every strategy.w_* is 0)");
    }
    SC_ASSERT(list == NULL || strlen(list) < LIST_TEXT_MAX);
    SC_ASSERT(list == NULL || ok == (list[0] == '\0')); /* every missing input is named */
    return ok;
}

/* Momentum: mean of the EMA gap in ATRs and the centred RSI, when present. */
static void momentum_of(const sc_strategy_inputs *in, score_parts *p) {
    double sum = 0.0;
    int n = 0;
    if (in->ema_ok && in->atr_ok && in->atr_ticks > 0.0) {
        SC_ASSERT(isfinite(in->ema_fast_ticks) && isfinite(in->ema_slow_ticks));
        p->ema_part = true;
        p->ema_gap_atr = (in->ema_fast_ticks - in->ema_slow_ticks) / in->atr_ticks;
        sum += clamp1(p->ema_gap_atr);
        n++;
    }
    if (in->rsi_ok) {
        SC_ASSERT(in->rsi >= 0.0 && in->rsi <= 100.0);
        sum += (in->rsi - 50.0) / 50.0;
        n++;
    }
    p->present[COMP_MOM] = n > 0;
    p->c[COMP_MOM] = n > 0 ? sum / n : 0.0;
}

/* Mean reversion: mean of the %B and VWAP-distance parts, when present. */
static void meanrev_of(const sc_strategy_inputs *in, double mid_ticks, score_parts *p) {
    double sum = 0.0;
    int n = 0;
    SC_ASSERT(mid_ticks > 0.0);
    if (in->bb_ok) {
        SC_ASSERT(isfinite(in->bb_pct_b));
        sum += clamp1(1.0 - 2.0 * in->bb_pct_b);
        n++;
    }
    if (in->vwap_ok && in->atr_ok && in->atr_ticks > 0.0) {
        SC_ASSERT(isfinite(in->vwap_dist_bps));
        double atr_bps = in->atr_ticks / mid_ticks * 1e4;
        p->vwap_part = true;
        p->vwap_dist_atr = in->vwap_dist_bps / atr_bps;
        sum += clamp1(-p->vwap_dist_atr);
        n++;
    }
    p->present[COMP_MR] = n > 0;
    p->c[COMP_MR] = n > 0 ? sum / n : 0.0;
}

/* S from complete inputs (touch valid, required parts present). */
static void score_of(const sc_strategy *s, const sc_strategy_inputs *in, score_parts *p) {
    memset(p, 0, sizeof(*p));
    SC_ASSERT(touch_valid(in));
    if (in->imbalance_ok) {
        SC_ASSERT(in->imbalance >= -1.0 && in->imbalance <= 1.0);
        p->present[COMP_IMB] = true;
        p->c[COMP_IMB] = in->imbalance;
    }
    if (in->ofi_ok) {
        SC_ASSERT(in->ofi_steps > INT64_MIN && in->ofi_gross_steps >= 0);
        SC_ASSERT(llabs(in->ofi_steps) <= in->ofi_gross_steps); /* the caller's two sums agree */
        p->present[COMP_OFI] = true;
        p->c[COMP_OFI] =
            in->ofi_gross_steps > 0 ? (double)in->ofi_steps / (double)in->ofi_gross_steps : 0.0;
    }
    if (in->flow_ok) {
        SC_ASSERT(in->flow_imbalance >= -1.0 && in->flow_imbalance <= 1.0);
        p->present[COMP_FLOW] = true;
        p->c[COMP_FLOW] = in->flow_imbalance;
    }
    momentum_of(in, p);
    meanrev_of(in, 0.5 * ((double)in->bid.px.ticks + (double)in->ask.px.ticks), p);
    static const sc_param_id wid[COMP_COUNT] = {SC_P_STRAT_W_IMBALANCE, SC_P_STRAT_W_OFI,
                                                SC_P_STRAT_W_TRADE_FLOW, SC_P_STRAT_W_MOMENTUM,
                                                SC_P_STRAT_W_MEANREV};
    double acc = 0.0;
    for (int i = 0; i < COMP_COUNT; i++) {
        p->w[i] = par(s, wid[i]);
        p->w_sum += p->w[i];
        acc += p->w[i] * p->c[i];
    }
    SC_ASSERT(p->w_sum > 0.0);
    p->s = clamp1(acc / p->w_sum);
}

/* The momentum and mean-reversion details, e.g. "EMA gap +0.80 ATR, RSI 61.0". */
static void candle_detail(const sc_strategy_inputs *in, const score_parts *p, int comp, char *buf,
                          size_t cap) {
    SC_ASSERT(comp == COMP_MOM || comp == COMP_MR);
    SC_ASSERT(p->present[comp]);
    bool a = comp == COMP_MOM ? p->ema_part : in->bb_ok;
    bool b = comp == COMP_MOM ? in->rsi_ok : p->vwap_part;
    char ta[40] = "", tb[40] = "";
    int n1 = comp == COMP_MOM ? snprintf(ta, sizeof(ta), "EMA gap %+.2f ATR", p->ema_gap_atr)
                              : snprintf(ta, sizeof(ta), "%%B %.2f", in->bb_pct_b);
    int n2 = comp == COMP_MOM ? snprintf(tb, sizeof(tb), "RSI %.1f", in->rsi)
                              : snprintf(tb, sizeof(tb), "VWAP %+.1f bps", in->vwap_dist_bps);
    SC_ASSERT(n1 > 0 && n2 > 0);
    int n = snprintf(buf, cap, "%s%s%s", a ? ta : "", a && b ? ", " : "", b ? tb : "");
    SC_ASSERT(n > 0);
}

/* One reason per component with a non-zero contribution; without text
 * (counted, contribution set, text "") when text is false. */
static void component_reasons(const sc_strategy *s, const sc_strategy_inputs *in,
                              const score_parts *p, bool text, sc_signal *sig) {
    SC_ASSERT(sig->n_reasons == 0);
    SC_ASSERT(p->w_sum > 0.0);
    for (int i = 0; i < COMP_COUNT; i++) {
        double contrib = p->w[i] * p->c[i] / p->w_sum;
        if (!p->present[i] || contrib == 0.0) {
            continue;
        }
        if (!text) {
            SC_ASSERT(sig->n_reasons < SC_SIGNAL_REASONS_MAX);
            SC_ASSERT(sig->reasons[sig->n_reasons].text[0] == '\0'); /* cleared by signal_init */
            sig->reasons[sig->n_reasons++].contribution = contrib;
            continue;
        }
        char t1[PX_TEXT_MAX], t2[PX_TEXT_MAX], detail[LIST_TEXT_MAX];
        sc_reason *r = sig->reasons;
        uint32_t *n = &sig->n_reasons;
        if (i == COMP_IMB) {
            reason_addf(r, n, SC_SIGNAL_REASONS_MAX, contrib,
                        "book imbalance %+.2f (%u levels) -> %+.3f", p->c[i], in->imbalance_levels,
                        contrib);
        } else if (i == COMP_OFI) {
            reason_addf(r, n, SC_SIGNAL_REASONS_MAX, contrib,
                        "queue pressure %+.2f (OFI %s of %s, %lld ms) -> %+.3f", p->c[i],
                        qty_text(s, in->ofi_steps, true, t1),
                        qty_text(s, in->ofi_gross_steps, false, t2),
                        (long long)par_int(s, SC_P_STRAT_OFI_WINDOW_MS), contrib);
        } else if (i == COMP_FLOW) {
            reason_addf(r, n, SC_SIGNAL_REASONS_MAX, contrib,
                        "trade flow %+.2f (taker buy vs sell, %lld ms) -> %+.3f", p->c[i],
                        (long long)par_int(s, SC_P_STRAT_FLOW_WINDOW_MS), contrib);
        } else {
            candle_detail(in, p, i, detail, sizeof(detail));
            reason_addf(r, n, SC_SIGNAL_REASONS_MAX, contrib, "%s %+.2f (%s) -> %+.3f",
                        i == COMP_MOM ? "momentum" : "mean reversion", p->c[i], detail, contrib);
        }
    }
}

/* ---- entry filters ----------------------------------------------------- */

/* Marks filter b as blocking and counts its why; returns the why to write
 * its text into, or NULL when the strategy skips the texts of blocked
 * evaluations (any block means the evaluation ends blocked). */
static sc_reason *block_add(const sc_strategy *s, sc_strategy_eval *ev, sc_strategy_block b) {
    SC_ASSERT(b > SC_STRATEGY_BLOCK_NONE && (int)b < (int)SC_STRATEGY_BLOCK_COUNT);
    SC_ASSERT((ev->blocked_mask & (1u << b)) == 0); /* each filter blocks once */
    SC_ASSERT(ev->n_why < SC_STRATEGY_BLOCK_COUNT);
    ev->blocked_mask |= 1u << b;
    sc_reason *r = &ev->why[ev->n_why++];
    r->contribution = 0.0;
    return s->skip_blocked_text ? NULL : r;
}

/* A macro so that the text's arguments (prices formatted, parameters read)
 * are not even evaluated when no text is wanted. */
#define BLOCK(s, ev, b, ...)                                                                       \
    do {                                                                                           \
        sc_reason *why_ = block_add((s), (ev), (b));                                               \
        if (why_ != NULL) {                                                                        \
            reason_textf(why_, __VA_ARGS__);                                                       \
        }                                                                                          \
    } while (0)

static void check_state(const sc_strategy *s, const sc_strategy_inputs *in, sc_strategy_eval *ev) {
    const sc_strategy_position *pos = &in->pos;
    char t1[PX_TEXT_MAX], t2[PX_TEXT_MAX];
    SC_ASSERT(pos->side == SC_STRATEGY_FLAT || pos->side == SC_STRATEGY_LONG ||
              pos->side == SC_STRATEGY_SHORT);
    if (pos->side != SC_STRATEGY_FLAT) {
        BLOCK(s, ev, SC_STRATEGY_BLOCK_POSITION_OPEN, "position open (%s %s @ %s)",
              sc_strategy_pos_side_name(pos->side), qty_text(s, pos->qty.steps, false, t1),
              px_text(s, pos->entry_px, t2));
    }
    if (pos->entry_order_working) {
        BLOCK(s, ev, SC_STRATEGY_BLOCK_ORDER_WORKING, "entry order working");
    }
    int64_t cooldown_s = par_int(s, SC_P_STRAT_COOLDOWN_S);
    SC_ASSERT(cooldown_s >= 0 && cooldown_s <= 600);
    if (pos->last_exit_ns != 0 && in->ts_ns - pos->last_exit_ns < cooldown_s * SC_NS_PER_S) {
        BLOCK(s, ev, SC_STRATEGY_BLOCK_COOLDOWN, "cooldown: %.3f s since the last exit < %lld s",
              (double)(in->ts_ns - pos->last_exit_ns) / (double)SC_NS_PER_S, (long long)cooldown_s);
    }
}

static void check_context(const sc_strategy *s, const sc_strategy_inputs *in,
                          sc_strategy_eval *ev) {
    SC_ASSERT((unsigned)in->regime < SC_REGIME_COUNT);
    SC_ASSERT(in->vol_regime >= SC_VOLATILITY_REGIME_LOW &&
              in->vol_regime <= SC_VOLATILITY_REGIME_EXTREME);
    if (in->regime == SC_REGIME_VOLATILE || in->regime == SC_REGIME_ILLIQUID ||
        in->regime == SC_REGIME_NEWS_SHOCK) {
        BLOCK(s, ev, SC_STRATEGY_BLOCK_REGIME, "regime %s: no entry", sc_regime_name(in->regime));
    }
    if (in->vol_ok && in->vol_regime == SC_VOLATILITY_REGIME_EXTREME) {
        BLOCK(s, ev, SC_STRATEGY_BLOCK_VOLATILITY, "volatility class %s: no entry",
              sc_volatility_regime_name(in->vol_regime));
    }
}

/* Score threshold and structure bias; returns the side the score points to. */
static sc_strategy_pos_side check_score(const sc_strategy *s, const sc_strategy_inputs *in,
                                        const score_parts *p, sc_strategy_eval *ev) {
    double min = par(s, SC_P_STRAT_ENTRY_SCORE_MIN);
    double score = fabs(p->s);
    SC_ASSERT(score <= 1.0 && min > 0.0);
    sc_strategy_pos_side side = p->s > 0.0   ? SC_STRATEGY_LONG
                                : p->s < 0.0 ? SC_STRATEGY_SHORT
                                             : SC_STRATEGY_FLAT;
    if (side == SC_STRATEGY_FLAT || score < min) {
        BLOCK(s, ev, SC_STRATEGY_BLOCK_SCORE_LOW, "score %.3f < entry_score_min %.2f", score, min);
    }
    sc_bias against = side == SC_STRATEGY_LONG ? SC_BIAS_BEARISH : SC_BIAS_BULLISH;
    if (side != SC_STRATEGY_FLAT && sc_params_get_bool(s->params, SC_P_STRAT_HTF_FILTER) &&
        in->htf_bias == against) {
        BLOCK(s, ev, SC_STRATEGY_BLOCK_HTF_BIAS, "htf bias %s against %s (htf_filter on)",
              sc_bias_name(in->htf_bias), sc_strategy_pos_side_name(side));
    }
    return side;
}

/* ---- entry order ------------------------------------------------------- */

static void level_reason(const sc_strategy *s, sc_signal *sig) {
    SC_ASSERT(sig->stop_px.ticks > 0 && sig->target_px.ticks > 0);
    char t1[PX_TEXT_MAX], t2[PX_TEXT_MAX], m1[24], m2[24];
    double sl_atr = par(s, SC_P_STRAT_SL_ATR_MULT), tp_atr = par(s, SC_P_STRAT_TP_ATR_MULT);
    int n1 = sl_atr > 0.0 ? snprintf(m1, sizeof(m1), "%g ATR", sl_atr)
                          : snprintf(m1, sizeof(m1), "%g bps", par(s, SC_P_STRAT_SL_BPS));
    int n2 = tp_atr > 0.0 ? snprintf(m2, sizeof(m2), "%g ATR", tp_atr)
                          : snprintf(m2, sizeof(m2), "%g bps", par(s, SC_P_STRAT_TP_BPS));
    SC_ASSERT(n1 > 0 && n2 > 0);
    reason_addf(sig->reasons, &sig->n_reasons, SC_SIGNAL_REASONS_MAX, 0.0,
                "stop %s (%lld ticks, %s), target %s (%lld ticks, %s)",
                px_text(s, sig->stop_px, t1), llabs(sig->stop_px.ticks - sig->entry_px.ticks), m1,
                px_text(s, sig->target_px, t2), llabs(sig->target_px.ticks - sig->entry_px.ticks),
                m2);
}

/* Price, style, size and levels of an entry that passed every filter. */
static void build_entry(sc_strategy *s, const sc_strategy_inputs *in, sc_strategy_pos_side side,
                        double score, sc_strategy_eval *ev) {
    sc_signal *sig = &ev->signal;
    int64_t qty = par_int(s, SC_P_STRAT_ORDER_QTY_STEPS);
    SC_ASSERT(qty >= 1 && qty <= SC_LIMIT_MAX_POSITION_STEPS);
    SC_ASSERT(side == SC_STRATEGY_LONG || side == SC_STRATEGY_SHORT);
    bool lng = side == SC_STRATEGY_LONG;
    double taker_min = par(s, SC_P_STRAT_TAKER_SCORE_MIN);
    int64_t offset = par_int(s, SC_P_STRAT_MAKER_OFFSET_TICKS);
    char t1[PX_TEXT_MAX];
    bool taker = score >= taker_min;
    sc_px px = taker ? (lng ? in->ask.px : in->bid.px) /* cross the spread */
                     : (sc_px){lng ? in->bid.px.ticks - offset : in->ask.px.ticks + offset};
    double atr = in->atr_ok ? in->atr_ticks : 0.0;
    sc_px stop, target;
    if (px.ticks <= 0 || !sc_strategy_levels(s, side, px, atr, &stop, &target)) {
        BLOCK(s, ev, SC_STRATEGY_BLOCK_PRICE, "entry %lld ticks: stop or target out of range",
              (long long)px.ticks);
        return;
    }
    sig->kind = lng ? SC_SIG_ENTER_LONG : SC_SIG_ENTER_SHORT;
    sig->style = taker ? SC_ENTRY_TAKER : SC_ENTRY_MAKER;
    sig->stop_px = stop;
    sig->target_px = target;
    sig->score = score;
    sig->entry_px = px;
    sig->qty.steps = qty;
    if (sig->style == SC_ENTRY_TAKER) {
        reason_addf(sig->reasons, &sig->n_reasons, SC_SIGNAL_REASONS_MAX, 0.0,
                    "taker at %s %s: score %.3f >= taker_score_min %.2f", lng ? "ask" : "bid",
                    px_text(s, px, t1), score, taker_min);
    } else {
        reason_addf(sig->reasons, &sig->n_reasons, SC_SIGNAL_REASONS_MAX, 0.0,
                    "maker post-only at %s %s (%lld ticks behind the touch)", lng ? "bid" : "ask",
                    px_text(s, px, t1), (long long)offset);
    }
    level_reason(s, sig);
}

static void signal_init(const sc_strategy *s, const sc_strategy_inputs *in, sc_signal *sig) {
    memset(sig, 0, sizeof(*sig));
    sig->kind = SC_SIG_NONE;
    sig->ts_ns = in->ts_ns;
    sig->regime = in->regime;
    sig->htf_bias = in->htf_bias;
    sig->params_version = s->params->version;
    int64_t hold_ns = par_int(s, SC_P_STRAT_MAX_HOLD_S) * SC_NS_PER_S;
    SC_ASSERT(hold_ns > 0);
    sig->max_hold_ns = hold_ns < SC_LIMIT_MAX_HOLD_NS ? hold_ns : SC_LIMIT_MAX_HOLD_NS;
    SC_ASSERT(sig->max_hold_ns <= SC_LIMIT_MAX_HOLD_NS);
}

void sc_strategy_evaluate(sc_strategy *s, const sc_strategy_inputs *in, sc_strategy_eval *out) {
    SC_ASSERT(s != NULL && in != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    signal_init(s, in, &out->signal);
    s->counters.evaluations++;
    bool touch = touch_valid(in);
    if (!touch) {
        BLOCK(s, out, SC_STRATEGY_BLOCK_NOT_SYNCED, "%s",
              in->book_synced ? "touch invalid (empty side or bid >= ask)" : "book not synced");
    }
    char missing[LIST_TEXT_MAX] = "";
    bool complete = inputs_complete(s, in, true, s->skip_blocked_text ? NULL : missing);
    if (!complete) {
        BLOCK(s, out, SC_STRATEGY_BLOCK_MISSING_INPUT, "missing input: %s", missing);
    }
    check_state(s, in, out);
    check_context(s, in, out);
    sc_strategy_pos_side side = SC_STRATEGY_FLAT;
    score_parts p;
    memset(&p, 0, sizeof(p));
    if (touch && complete) {
        score_of(s, in, &p);
        out->scored = true;
        out->raw_score = p.s;
        side = check_score(s, in, &p, out);
        /* the component texts are wanted unless a filter blocked already
         * (only the PRICE check in build_entry can still block after) */
        component_reasons(s, in, &p, !s->skip_blocked_text || out->blocked_mask == 0, &out->signal);
    }
    if (out->blocked_mask == 0) {
        build_entry(s, in, side, fabs(p.s), out);
    }
    if (out->blocked_mask != 0) {
        uint32_t b = 1;
        while ((out->blocked_mask & (1u << b)) == 0) {
            b++;
        }
        out->first_block = (sc_strategy_block)b;
        out->signal.kind = SC_SIG_NONE;
        s->counters.blocked[b]++;
        return;
    }
    SC_ASSERT(out->signal.n_reasons >= 1 && out->first_block == SC_STRATEGY_BLOCK_NONE);
    s->counters.entries_long += out->signal.kind == SC_SIG_ENTER_LONG;
    s->counters.entries_short += out->signal.kind == SC_SIG_ENTER_SHORT;
    s->counters.entries_taker += out->signal.style == SC_ENTRY_TAKER;
}

/* ---- exits ------------------------------------------------------------- */

static void check_position(const sc_strategy_position *pos) {
    SC_ASSERT(pos->qty.steps > 0 && pos->entry_px.ticks > 0);
    if (pos->side == SC_STRATEGY_LONG) {
        SC_ASSERT(pos->stop_px.ticks < pos->entry_px.ticks);
        SC_ASSERT(pos->target_px.ticks > pos->entry_px.ticks);
    } else {
        SC_ASSERT(pos->side == SC_STRATEGY_SHORT);
        SC_ASSERT(pos->stop_px.ticks > pos->entry_px.ticks);
        SC_ASSERT(pos->target_px.ticks < pos->entry_px.ticks);
    }
}

/* Better for the position: higher for a long, lower for a short. */
static bool better(bool lng, sc_px a, sc_px b) {
    SC_ASSERT(a.ticks >= 0 && b.ticks >= 0);
    return lng ? a.ticks > b.ticks : a.ticks < b.ticks;
}

/* Follows the best touch since the entry; the trail only tightens. */
static void track(sc_strategy *s, const sc_strategy_inputs *in, bool touch_ok, sc_px touch) {
    const sc_strategy_position *pos = &in->pos;
    SC_ASSERT(pos->side == SC_STRATEGY_LONG || pos->side == SC_STRATEGY_SHORT);
    bool lng = pos->side == SC_STRATEGY_LONG;
    if (!s->tracking || s->trk_side != pos->side || s->trk_entry_ns != pos->entry_ns ||
        s->trk_entry_px.ticks != pos->entry_px.ticks) {
        s->tracking = true;
        s->trk_side = pos->side;
        s->trk_entry_ns = pos->entry_ns;
        s->trk_entry_px = pos->entry_px;
        s->best_px = pos->entry_px;
        s->has_trail = false;
    }
    if (touch_ok && better(lng, touch, s->best_px)) {
        s->best_px = touch;
    }
    double trail_bps = par(s, SC_P_STRAT_TRAIL_BPS);
    int64_t d;
    if (trail_bps <= 0.0 || !dist_bps(s->best_px.ticks, trail_bps, true, &d) ||
        (lng && d >= s->best_px.ticks)) {
        return; /* off, or a trail that would leave the price range */
    }
    sc_px t = {lng ? s->best_px.ticks - d : s->best_px.ticks + d};
    sc_px before = s->trail_px;
    if (!s->has_trail || better(lng, t, s->trail_px)) {
        s->trail_px = t;
    }
    SC_ASSERT(!s->has_trail || !better(lng, before, s->trail_px)); /* never loosens */
    s->has_trail = true;
}

/* Touch or last trade at or through a stop level. */
static bool through(bool lng, sc_px level, bool touch_ok, sc_px touch, const sc_strategy_inputs *in,
                    bool use_last) {
    SC_ASSERT(level.ticks > 0);
    SC_ASSERT(!touch_ok || touch.ticks > 0);
    bool hit = touch_ok && (lng ? touch.ticks <= level.ticks : touch.ticks >= level.ticks);
    if (use_last && in->last_ok && in->last_px.ticks > 0) {
        hit = hit || (lng ? in->last_px.ticks <= level.ticks : in->last_px.ticks >= level.ticks);
    }
    return hit;
}

static sc_exit_reason price_exit(const sc_strategy *s, const sc_strategy_inputs *in, bool touch_ok,
                                 sc_px touch, sc_signal *sig) {
    SC_ASSERT(in->pos.side == SC_STRATEGY_LONG || in->pos.side == SC_STRATEGY_SHORT);
    SC_ASSERT(sig->n_reasons == 0);
    const sc_strategy_position *pos = &in->pos;
    bool lng = pos->side == SC_STRATEGY_LONG;
    const char *tn = lng ? "bid" : "ask";
    const char *le = lng ? "<=" : ">=";
    char t1[PX_TEXT_MAX], t2[PX_TEXT_MAX], t3[PX_TEXT_MAX];
    bool by_last = in->last_ok && !through(lng, pos->stop_px, touch_ok, touch, in, false);
    sc_reason *r = sig->reasons;
    uint32_t *n = &sig->n_reasons;
    if (through(lng, pos->stop_px, touch_ok, touch, in, true)) {
        reason_addf(r, n, SC_SIGNAL_REASONS_MAX, 0.0, "stop-loss: %s %s %s stop %s",
                    by_last ? "last trade" : tn, px_text(s, by_last ? in->last_px : touch, t1), le,
                    px_text(s, pos->stop_px, t2));
        return SC_EXIT_STOP_LOSS;
    }
    if (par(s, SC_P_STRAT_TRAIL_BPS) > 0.0 && s->has_trail &&
        through(lng, s->trail_px, touch_ok, touch, in, true)) {
        bool tl = in->last_ok && !through(lng, s->trail_px, touch_ok, touch, in, false);
        reason_addf(r, n, SC_SIGNAL_REASONS_MAX, 0.0, "trailing stop: %s %s %s trail %s (best %s)",
                    tl ? "last trade" : tn, px_text(s, tl ? in->last_px : touch, t1), le,
                    px_text(s, s->trail_px, t2), px_text(s, s->best_px, t3));
        return SC_EXIT_TRAILING_STOP;
    }
    if (touch_ok &&
        (lng ? touch.ticks >= pos->target_px.ticks : touch.ticks <= pos->target_px.ticks)) {
        reason_addf(r, n, SC_SIGNAL_REASONS_MAX, 0.0, "take-profit: %s %s %s target %s", tn,
                    px_text(s, touch, t1), lng ? ">=" : "<=", px_text(s, pos->target_px, t2));
        return SC_EXIT_TAKE_PROFIT;
    }
    return SC_EXIT_NONE;
}

/* Max hold, then a reversal of the entry score. */
static sc_exit_reason time_or_signal_exit(const sc_strategy *s, const sc_strategy_inputs *in,
                                          bool touch_ok, sc_signal *sig) {
    const sc_strategy_position *pos = &in->pos;
    sc_ns held = in->ts_ns - pos->entry_ns;
    SC_ASSERT(sig->max_hold_ns > 0 && sig->max_hold_ns <= SC_LIMIT_MAX_HOLD_NS);
    if (held >= sig->max_hold_ns) {
        reason_addf(sig->reasons, &sig->n_reasons, SC_SIGNAL_REASONS_MAX, 0.0,
                    "max hold: held %.3f s >= %.3f s", (double)held / (double)SC_NS_PER_S,
                    (double)sig->max_hold_ns / (double)SC_NS_PER_S);
        return SC_EXIT_MAX_HOLD;
    }
    if (!touch_ok || !inputs_complete(s, in, false, NULL)) {
        return SC_EXIT_NONE;
    }
    score_parts p;
    score_of(s, in, &p);
    double min = par(s, SC_P_STRAT_ENTRY_SCORE_MIN);
    bool lng = pos->side == SC_STRATEGY_LONG;
    if ((lng ? -p.s : p.s) < min) {
        return SC_EXIT_NONE;
    }
    component_reasons(s, in, &p, true, sig);
    reason_addf(sig->reasons, &sig->n_reasons, SC_SIGNAL_REASONS_MAX, 0.0,
                "reversal: score %+.3f against %s (entry_score_min %.2f)", p.s,
                sc_strategy_pos_side_name(pos->side), min);
    SC_ASSERT(sig->n_reasons >= 1);
    return SC_EXIT_SIGNAL;
}

void sc_strategy_check_exit(sc_strategy *s, const sc_strategy_inputs *in, sc_signal *out) {
    SC_ASSERT(s != NULL && in != NULL && out != NULL);
    signal_init(s, in, out);
    s->counters.exit_checks++;
    const sc_strategy_position *pos = &in->pos;
    if (pos->side == SC_STRATEGY_FLAT) {
        s->tracking = false;
        return;
    }
    check_position(pos);
    bool lng = pos->side == SC_STRATEGY_LONG;
    bool touch_ok = touch_valid(in);
    sc_px touch = lng ? in->bid.px : in->ask.px;
    track(s, in, touch_ok, touch);
    sc_exit_reason r = price_exit(s, in, touch_ok, touch, out);
    if (r == SC_EXIT_NONE) {
        r = time_or_signal_exit(s, in, touch_ok, out);
    }
    if (r == SC_EXIT_NONE) {
        SC_ASSERT(out->n_reasons == 0);
        return;
    }
    out->kind = SC_SIG_EXIT;
    out->exit_reason = r;
    out->style = SC_ENTRY_TAKER;
    out->entry_px = touch_ok ? touch : (sc_px){0};
    out->qty = pos->qty;
    out->stop_px = pos->stop_px;
    if (s->has_trail && par(s, SC_P_STRAT_TRAIL_BPS) > 0.0 &&
        better(lng, s->trail_px, pos->stop_px)) {
        out->stop_px = s->trail_px;
    }
    out->target_px = pos->target_px;
    s->counters.exits[r]++;
    SC_ASSERT(out->n_reasons >= 1);
}

bool sc_strategy_trail_get(const sc_strategy *s, sc_px *best_px, sc_px *trail_px) {
    SC_ASSERT(s != NULL && best_px != NULL && trail_px != NULL);
    if (!s->tracking || !s->has_trail || par(s, SC_P_STRAT_TRAIL_BPS) <= 0.0) {
        return false;
    }
    SC_ASSERT(s->trk_side == SC_STRATEGY_LONG ? s->trail_px.ticks < s->best_px.ticks
                                              : s->trail_px.ticks > s->best_px.ticks);
    *best_px = s->best_px;
    *trail_px = s->trail_px;
    return true;
}

void sc_strategy_get_counters(const sc_strategy *s, sc_strategy_counters *out) {
    SC_ASSERT(s != NULL && out != NULL);
    SC_ASSERT(s->counters.entries_taker <= s->counters.entries_long + s->counters.entries_short);
    *out = s->counters;
}

/* ---- explanation ------------------------------------------------------- */

static bool append(char *buf, size_t cap, size_t *len, const char *a, const char *b) {
    SC_ASSERT(*len < cap);
    int n = snprintf(buf + *len, cap - *len, "%s%s", a, b);
    SC_ASSERT(n >= 0);
    if ((size_t)n >= cap - *len) {
        *len = cap - 1;
        return false;
    }
    *len += (size_t)n;
    return true;
}

int sc_strategy_explain(const sc_strategy_eval *ev, const sc_instrument *ins, char *buf,
                        size_t cap) {
    SC_ASSERT(ev != NULL && ins != NULL);
    SC_ASSERT(buf != NULL && cap > 0);
    const sc_signal *sig = &ev->signal;
    char head[96], px[PX_TEXT_MAX];
    int n;
    if (sig->kind == SC_SIG_NONE) {
        n = ev->scored ? snprintf(head, sizeof(head), "no entry (score %+.3f): ", ev->raw_score)
                       : snprintf(head, sizeof(head), "no entry: ");
    } else {
        if (sc_px_format(ins, sig->entry_px, px, sizeof(px)) < 0) {
            px[0] = '\0';
        }
        n = snprintf(head, sizeof(head), "%s %.3f %s @%s: ", sc_signal_kind_name(sig->kind),
                     sig->score, sig->style == SC_ENTRY_TAKER ? "taker" : "maker", px);
    }
    SC_ASSERT(n > 0);
    size_t len = 0;
    buf[0] = '\0';
    bool ok = append(buf, cap, &len, head, "");
    for (uint32_t i = 0; ok && i < ev->n_why; i++) {
        ok = append(buf, cap, &len, i > 0 ? "; " : "", ev->why[i].text);
    }
    for (uint32_t i = 0; ok && i < sig->n_reasons; i++) {
        ok = append(buf, cap, &len, i > 0 || ev->n_why > 0 ? (i == 0 ? " | " : "; ") : "",
                    sig->reasons[i].text);
    }
    return ok ? (int)len : -1;
}
