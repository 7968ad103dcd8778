/* decision_path.c: the strategy layer wired end to end. The definitions are
 * in decision_path.h; the reasons for the choices are here.
 *
 *  - One event time per candle, its close: the feature row, the book sample
 *    and the SMC/regime state all describe the market at that instant, so
 *    the advisor's deadline runs from it too.
 *  - Windows in candle buckets, not milliseconds: a bar cannot say what
 *    happened inside it, so the OFI and flow windows round UP to whole
 *    candles (a 2 s window at 1 m is the last candle). Rounding down would
 *    give an empty window.
 *  - Bars fidelity zeroes weights instead of inventing inputs: a made-up
 *    imbalance of 0 would look like "no pressure", a measurement we do not
 *    have. The strategy requires an input whose weight is > 0, so a zero
 *    weight is the honest way to say "not measured" and the score then
 *    rests on what bars can say. The hash of the effective parameters is
 *    kept beside the named version's so the difference is visible.
 *  - The study position is the smallest thing that lets an exit signal and
 *    the position check happen. It has no PnL on purpose: numbers from it
 *    would be read as a backtest, and it is not one.
 */
#include "engine/decision_path.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/advisor_rules.h"
#include "ai/param_store.h"
#include "core/assert.h"
#include "core/limits.h"
#include "engine/capture_bars.h"
#include "engine/json_out.h"

enum {
    TOUCH_QTY_STEPS = 1, /* bars fidelity: the quantity shown at the synthetic touch */
    EMA_FAST_N = 9,      /* strategy momentum: EMA 9 against EMA 21 */
    EMA_SLOW_N = 21,
    TIME_TEXT_MAX = 40
};

typedef struct {
    sc_ns open_ns;
    bool split;
    int64_t buy_steps;
    int64_t sell_steps;
    bool ofi_ok;
    int64_t ofi_steps;
    int64_t ofi_gross_steps;
} win_bar;

/* The study's one working entry order. */
typedef struct {
    bool working;
    sc_strategy_pos_side side;
    sc_entry_style style;
    sc_px px;
    sc_qty qty;
    sc_px stop_px;
    sc_px target_px;
} study_order;

/* A request the advisor has not answered yet, and what it was about. */
typedef struct {
    bool active;
    sc_signal signal;
    sc_candle candle;
    sc_decision_side position;
} pending_ask;

struct sc_decision_path {
    sc_decision_path_config cfg;
    sc_advisor_config adv_cfg;
    sc_params params; /* as named */
    sc_params eff;    /* in effect (bars fidelity zeroes weights) */
    char hash[SC_SHA256_HEX_LEN + 1];
    char eff_hash[SC_SHA256_HEX_LEN + 1];
    double tick_quote; /* quote units per tick */
    sc_feature_pipeline *pl;
    sc_smc *smc;
    sc_regime_detector *reg;
    sc_strategy *st;
    sc_advisor_rules *rules; /* owned when the rules advisor is the default */
    sc_advisor *adv;
    int32_t k_ofi; /* window lengths in candle buckets */
    int32_t k_flow;
    win_bar win[SC_DP_WINDOW_BARS_MAX];
    uint32_t win_head;
    uint32_t win_len;
    bool has_last;
    sc_ns last_close_ns;
    sc_feature_row row;
    sc_candle candle;
    sc_strategy_inputs in;
    sc_strategy_position pos;
    study_order order;
    pending_ask pend;
    int64_t next_request_id;
    bool finished;
    /* scratch, here so that nothing big lives on the stack per candle */
    sc_decision_request req;
    sc_decision_answer ans;
    sc_decision_verdict why;
    sc_strategy_eval ev;
    sc_signal sig;
    sc_decision_path_stats stats;
};

/* ---- names -------------------------------------------------------------- */

const char *sc_dp_fidelity_name(sc_dp_fidelity f) {
    return f == SC_DP_FIDELITY_L2 ? "l2_book" : f == SC_DP_FIDELITY_BARS ? "bars" : "?";
}

const char *sc_dp_record_kind_name(sc_dp_record_kind k) {
    static const char *const k_names[SC_DP_REC_KIND_COUNT] = {"decision", "evaluation", "regime",
                                                              "smc", "position"};
    return (unsigned)k < SC_DP_REC_KIND_COUNT ? k_names[k] : "?";
}

const char *sc_dp_pos_event_name(sc_dp_pos_event e) {
    static const char *const k_names[SC_DP_POS_EVENT_COUNT] = {"order", "fill", "expired", "close"};
    return (unsigned)e < SC_DP_POS_EVENT_COUNT ? k_names[e] : "?";
}

static sc_decision_side side_of(sc_strategy_pos_side s) {
    SC_ASSERT(s == SC_STRATEGY_FLAT || s == SC_STRATEGY_LONG || s == SC_STRATEGY_SHORT);
    return s == SC_STRATEGY_LONG    ? SC_DECISION_SIDE_LONG
           : s == SC_STRATEGY_SHORT ? SC_DECISION_SIDE_SHORT
                                    : SC_DECISION_SIDE_FLAT;
}

/* ---- create / destroy ---------------------------------------------------- */

static int32_t window_bars(int64_t window_ms, sc_ns tf_ns) {
    SC_ASSERT(window_ms > 0 && tf_ns > 0);
    sc_ns w = window_ms * SC_NS_PER_MS;
    sc_ns k = (w + tf_ns - 1) / tf_ns;
    return (int32_t)(k < 1 ? 1 : k > INT32_MAX ? INT32_MAX : k);
}

static bool config_ok(const sc_decision_path_config *cfg) {
    if (cfg == NULL || cfg->ins == NULL || cfg->params == NULL || cfg->on_record == NULL) {
        return false;
    }
    if (cfg->tf_ns < SC_NS_PER_S || cfg->tf_ns > SC_NS_PER_DAY || cfg->tf_ns % SC_NS_PER_S != 0) {
        return false;
    }
    if (cfg->fidelity != SC_DP_FIDELITY_L2 && cfg->fidelity != SC_DP_FIDELITY_BARS) {
        return false;
    }
    if (sc_params_validate(cfg->params, NULL) != SC_OK) {
        return false;
    }
    int32_t ko = window_bars(sc_params_get_int(cfg->params, SC_P_STRAT_OFI_WINDOW_MS), cfg->tf_ns);
    int32_t kf = window_bars(sc_params_get_int(cfg->params, SC_P_STRAT_FLOW_WINDOW_MS), cfg->tf_ns);
    return ko <= SC_DP_WINDOW_BARS_MAX && kf <= SC_DP_WINDOW_BARS_MAX;
}

/* The parameters in effect: bars fidelity has no book, so no imbalance or
 * OFI, and a flow only from the taker split. */
static void effective_params(const sc_decision_path_config *cfg, sc_params *eff) {
    *eff = *cfg->params;
    if (cfg->fidelity == SC_DP_FIDELITY_BARS) {
        eff->v[SC_P_STRAT_W_IMBALANCE] = 0.0;
        eff->v[SC_P_STRAT_W_OFI] = 0.0;
        if (!cfg->bars_flow) {
            eff->v[SC_P_STRAT_W_TRADE_FLOW] = 0.0;
        }
    }
    SC_ASSERT(eff->version == cfg->params->version);
    SC_ASSERT(sc_params_validate(eff, NULL) == SC_OK);
}

static sc_err create_parts(sc_decision_path *dp) {
    sc_feature_pipeline_config pc = {dp->cfg.ins, dp->cfg.tf_ns,
                                     dp->cfg.fidelity == SC_DP_FIDELITY_L2};
    sc_err e = sc_feature_pipeline_create(&pc, &dp->pl);
    sc_smc_config sc = {&dp->eff, dp->cfg.ins, 0, dp->cfg.quiet};
    if (e == SC_OK) {
        e = sc_smc_create(&sc, &dp->smc);
    }
    sc_regime_config rc;
    sc_regime_config_from_params(&dp->eff, &rc);
    if (e == SC_OK) {
        e = sc_regime_create(&rc, &dp->reg);
    }
    /* the texts of a blocked evaluation are read only by its EVALUATION
     * record (record_all); formatting them is most of the strategy's cost */
    sc_strategy_config stc = {&dp->eff, dp->cfg.ins, !dp->cfg.record_all};
    if (e == SC_OK) {
        e = sc_strategy_create(&stc, &dp->st);
    }
    if (e == SC_OK && dp->cfg.advisor == NULL) {
        e = sc_advisor_rules_create(&dp->rules);
        if (e == SC_OK) {
            dp->adv_cfg = sc_advisor_rules_config(dp->rules);
        }
    } else if (e == SC_OK) {
        dp->adv_cfg = *dp->cfg.advisor;
    }
    if (e == SC_OK) {
        e = sc_advisor_create(&dp->adv_cfg, &dp->adv);
    }
    if (e == SC_OK) {
        e = sc_param_hash(&dp->params, dp->hash);
    }
    if (e == SC_OK) {
        e = sc_param_hash(&dp->eff, dp->eff_hash);
    }
    return e;
}

sc_err sc_decision_path_create(const sc_decision_path_config *cfg, sc_decision_path **out) {
    if (out == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (!config_ok(cfg)) {
        return SC_ERR_INVALID_ARG;
    }
    sc_decision_path *dp = calloc(1, sizeof(*dp));
    if (dp == NULL) {
        return SC_ERR_NOMEM;
    }
    dp->cfg = *cfg;
    dp->cfg.advisor = NULL; /* copied into adv_cfg below; the caller's may not outlive us */
    dp->params = *cfg->params;
    effective_params(cfg, &dp->eff);
    double scale = 1.0;
    for (int i = 0; i < cfg->ins->px_scale; i++) {
        scale *= 10.0;
    }
    dp->tick_quote = (double)cfg->ins->tick_units / scale;
    dp->k_ofi = window_bars(sc_params_get_int(&dp->eff, SC_P_STRAT_OFI_WINDOW_MS), cfg->tf_ns);
    dp->k_flow = window_bars(sc_params_get_int(&dp->eff, SC_P_STRAT_FLOW_WINDOW_MS), cfg->tf_ns);
    dp->cfg.advisor = cfg->advisor;
    sc_err e = create_parts(dp);
    dp->cfg.advisor = NULL;
    if (e != SC_OK) {
        sc_decision_path_destroy(dp);
        return e == SC_ERR_NOMEM ? SC_ERR_NOMEM : SC_ERR_INVALID_ARG;
    }
    SC_ASSERT(dp->k_ofi >= 1 && dp->k_ofi <= SC_DP_WINDOW_BARS_MAX);
    SC_ASSERT(dp->k_flow >= 1 && dp->k_flow <= SC_DP_WINDOW_BARS_MAX);
    *out = dp;
    return SC_OK;
}

void sc_decision_path_destroy(sc_decision_path *dp) {
    if (dp == NULL) {
        return;
    }
    sc_advisor_destroy(dp->adv); /* cancels a pending request first */
    sc_advisor_rules_destroy(dp->rules);
    sc_strategy_destroy(dp->st);
    sc_regime_destroy(dp->reg);
    sc_smc_destroy(dp->smc);
    sc_feature_pipeline_destroy(dp->pl);
    free(dp);
}

/* ---- records ------------------------------------------------------------- */

static void rec_init(const sc_decision_path *dp, sc_dp_record_kind kind, sc_ns ts_ns,
                     sc_dp_record *r) {
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->ts_ns = ts_ns;
    r->params_version = dp->eff.version;
    r->regime = sc_regime_current(dp->reg);
    r->bias = sc_smc_bias(dp->smc);
    r->candle = &dp->candle;
    r->note = "";
}

static void rec_emit(sc_decision_path *dp, const sc_dp_record *r) {
    SC_ASSERT((unsigned)r->kind < SC_DP_REC_KIND_COUNT);
    SC_ASSERT(r->params_version == dp->params.version); /* every record names its version */
    dp->stats.records[r->kind]++;
    dp->cfg.on_record(dp->cfg.ctx, r);
}

static void emit_pos(sc_decision_path *dp, sc_dp_pos_event ev, sc_strategy_pos_side side, sc_px px,
                     sc_qty qty, sc_exit_reason why) {
    sc_dp_record r;
    rec_init(dp, SC_DP_REC_POSITION, dp->last_close_ns, &r);
    r.pos_event = ev;
    r.pos_side = side_of(side);
    r.pos_px = px;
    r.pos_qty = qty;
    r.exit_reason = why;
    dp->stats.pos_events[ev]++;
    rec_emit(dp, &r);
}

/* ---- per candle: detectors ------------------------------------------------ */

static void smc_step(sc_decision_path *dp, const sc_candle *k) {
    sc_err e = sc_smc_on_candle(dp->smc, k);
    /* The pipeline accepted this candle, so its checks (closed, valid,
     * timeframe, order) have passed: the SMC detector's are the same. */
    SC_ASSERT(e == SC_OK);
    uint32_t n = 0;
    const sc_smc_event *evs = sc_smc_events(dp->smc, &n);
    for (uint32_t i = 0; i < n; i++) {
        sc_dp_record r;
        rec_init(dp, SC_DP_REC_SMC, dp->last_close_ns, &r);
        r.smc = &evs[i];
        SC_ASSERT(evs[i].ts_ns == dp->last_close_ns);
        rec_emit(dp, &r);
    }
}

static bool row_real(const sc_feature_row *row, sc_feature_id id, double *out) {
    SC_ASSERT((unsigned)id < SC_FEATURE_COUNT);
    if (!row->v[id].present || !isfinite(row->v[id].d)) {
        return false;
    }
    *out = row->v[id].d;
    return true;
}

static void regime_step(sc_decision_path *dp, const sc_feature_book *book) {
    sc_regime_inputs ri;
    memset(&ri, 0, sizeof(ri));
    bool top = book != NULL && book->top_ok;
    double mid_ticks = top ? ((double)book->bid.px.ticks + (double)book->ask.px.ticks) / 2.0
                           : (double)dp->candle.close.ticks;
    ri.mid = mid_ticks * dp->tick_quote;
    ri.ema_ready = row_real(&dp->row, SC_FEATURE_EMA_9, &ri.ema_fast) &&
                   row_real(&dp->row, SC_FEATURE_EMA_50, &ri.ema_slow);
    ri.vol_ready = row_real(&dp->row, SC_FEATURE_VOL_REGIME_PCT, &ri.vol_pct);
    if (top) {
        ri.spread_known = true;
        ri.spread_bps = (double)(book->ask.px.ticks - book->bid.px.ticks) / mid_ticks * 1e4;
    }
    if (book != NULL && book->depth_ok) {
        ri.depth_known = true;
        ri.depth_bid_qty = book->depth_bid;
        ri.depth_ask_qty = book->depth_ask;
    }
    sc_err e = sc_regime_on_candle(dp->reg, &ri, dp->last_close_ns);
    SC_ASSERT(e == SC_OK); /* times strictly increase; the row's values are in range */
    sc_regime_change ch;
    if (sc_regime_last_change(dp->reg, &ch)) {
        SC_ASSERT(ch.ts_ns == dp->last_close_ns && ch.reason[0] != '\0');
        sc_dp_record r;
        rec_init(dp, SC_DP_REC_REGIME, dp->last_close_ns, &r);
        r.change = &ch;
        dp->stats.regime_changes++;
        dp->stats.regime_changes_to[ch.new_regime]++;
        rec_emit(dp, &r);
    }
}

/* ---- per candle: windows and strategy inputs ------------------------------ */

static void window_push(sc_decision_path *dp, const sc_candle *k, const sc_feature_book *book) {
    int32_t kmax = dp->k_ofi > dp->k_flow ? dp->k_ofi : dp->k_flow;
    sc_ns oldest = k->open_ns - (sc_ns)(kmax - 1) * dp->cfg.tf_ns;
    while (dp->win_len > 0 && dp->win[dp->win_head].open_ns < oldest) {
        dp->win_head = (dp->win_head + 1) % SC_DP_WINDOW_BARS_MAX;
        dp->win_len--;
    }
    /* Buckets are distinct and within kmax of each other, so they fit. */
    SC_ASSERT(dp->win_len < SC_DP_WINDOW_BARS_MAX);
    win_bar *w = &dp->win[(dp->win_head + dp->win_len) % SC_DP_WINDOW_BARS_MAX];
    memset(w, 0, sizeof(*w));
    w->open_ns = k->open_ns;
    w->split = (k->flags & SC_CANDLE_HAS_SPLIT) != 0;
    w->buy_steps = k->buy_volume.steps;
    w->sell_steps = k->sell_volume.steps;
    if (book != NULL && book->ofi_ok) {
        SC_ASSERT(book->ofi_gross_steps >= 0);
        w->ofi_ok = true;
        w->ofi_steps = book->ofi_steps;
        w->ofi_gross_steps = book->ofi_gross_steps;
    }
    dp->win_len++;
}

/* Sums over the last k buckets ending at the current candle. */
static void window_sums(const sc_decision_path *dp, sc_strategy_inputs *in) {
    sc_ns cur_open = dp->candle.open_ns;
    sc_ns from_ofi = cur_open - (sc_ns)(dp->k_ofi - 1) * dp->cfg.tf_ns;
    sc_ns from_flow = cur_open - (sc_ns)(dp->k_flow - 1) * dp->cfg.tf_ns;
    int32_t n_ofi = 0;
    bool ofi_ok = true;
    bool flow_ok = true;
    int64_t ofi = 0, gross = 0, buy = 0, sell = 0;
    for (uint32_t i = 0; i < dp->win_len; i++) {
        const win_bar *w = &dp->win[(dp->win_head + i) % SC_DP_WINDOW_BARS_MAX];
        if (w->open_ns >= from_ofi) {
            n_ofi++;
            ofi_ok = ofi_ok && w->ofi_ok && sc_add_i64(ofi, w->ofi_steps, &ofi) &&
                     sc_add_i64(gross, w->ofi_gross_steps, &gross);
        }
        if (w->open_ns >= from_flow) {
            flow_ok = flow_ok && w->split && sc_add_i64(buy, w->buy_steps, &buy) &&
                      sc_add_i64(sell, w->sell_steps, &sell);
        }
    }
    in->ofi_ok = ofi_ok && n_ofi == dp->k_ofi && ofi > INT64_MIN && llabs(ofi) <= gross;
    in->ofi_steps = in->ofi_ok ? ofi : 0;
    in->ofi_gross_steps = in->ofi_ok ? gross : 0;
    in->flow_ok = flow_ok && buy >= 0 && sell >= 0 && buy <= INT64_MAX - sell;
    in->flow_imbalance =
        in->flow_ok && buy + sell > 0 ? (double)(buy - sell) / (double)(buy + sell) : 0.0;
    SC_ASSERT(in->flow_imbalance >= -1.0 && in->flow_imbalance <= 1.0);
}

static void inputs_touch(sc_decision_path *dp, const sc_feature_book *book,
                         sc_strategy_inputs *in) {
    if (dp->cfg.fidelity == SC_DP_FIDELITY_BARS) {
        /* Bars fidelity: the touch is the close and the next tick up. */
        in->book_synced = true;
        in->bid = (sc_level){.px = dp->candle.close, .qty = {TOUCH_QTY_STEPS}};
        in->ask = (sc_level){.px = {dp->candle.close.ticks + 1}, .qty = {TOUCH_QTY_STEPS}};
        return;
    }
    if (book == NULL || !book->top_ok) {
        return; /* book_synced false: the strategy blocks entries (not_synced) */
    }
    SC_ASSERT(book->bid.px.ticks < book->ask.px.ticks);
    in->book_synced = true;
    in->bid = book->bid;
    in->ask = book->ask;
    in->imbalance_ok = book->imbalance_ok;
    in->imbalance = book->imbalance_ok ? book->imbalance : 0.0;
    in->imbalance_levels = SC_CAPTURE_BARS_IMBALANCE_LEVELS;
}

static void inputs_candle(const sc_decision_path *dp, sc_strategy_inputs *in) {
    const sc_feature_row *row = &dp->row;
    double fast = 0.0, slow = 0.0, atr = 0.0;
    if (row_real(row, SC_FEATURE_EMA_9, &fast) && row_real(row, SC_FEATURE_EMA_21, &slow)) {
        in->ema_ok = true;
        in->ema_fast_ticks = fast / dp->tick_quote;
        in->ema_slow_ticks = slow / dp->tick_quote;
    }
    in->rsi_ok = row_real(row, SC_FEATURE_RSI_14, &in->rsi);
    in->bb_ok = row_real(row, SC_FEATURE_BB_PCTB, &in->bb_pct_b);
    in->vwap_ok = row_real(row, SC_FEATURE_VWAP_SESSION_DIST, &in->vwap_dist_bps);
    if (row_real(row, SC_FEATURE_ATR_14, &atr) && atr >= 0.0) {
        in->atr_ok = true;
        in->atr_ticks = atr / dp->tick_quote;
    }
    if (row->v[SC_FEATURE_VOL_REGIME].present) {
        in->vol_ok = true;
        in->vol_regime = (sc_volatility_regime)row->v[SC_FEATURE_VOL_REGIME].i;
    }
    in->last_ok = true;
    in->last_px = dp->candle.close;
    SC_ASSERT(!in->ema_ok || (in->ema_fast_ticks > 0.0 && in->ema_slow_ticks > 0.0));
}

static void fill_inputs(sc_decision_path *dp, const sc_feature_book *book) {
    sc_strategy_inputs *in = &dp->in;
    memset(in, 0, sizeof(*in));
    in->ts_ns = dp->last_close_ns;
    inputs_touch(dp, book, in);
    window_sums(dp, in);
    if (dp->cfg.fidelity == SC_DP_FIDELITY_BARS) {
        in->ofi_ok = false; /* no book: weight 0 (see effective_params) */
        in->flow_ok = in->flow_ok && dp->cfg.bars_flow;
    }
    inputs_candle(dp, in);
    in->regime = sc_regime_current(dp->reg);
    in->htf_bias = sc_smc_bias(dp->smc);
    if (!dp->cfg.external_position) {
        dp->pos.entry_order_working = dp->order.working;
    }
    in->pos = dp->pos;
}

/* ---- the study position ---------------------------------------------------- */

/* The working entry fills when this candle trades through its price. */
static void study_fill_or_expire(sc_decision_path *dp) {
    study_order *o = &dp->order;
    if (!o->working || dp->cfg.external_position) {
        return;
    }
    SC_ASSERT(dp->pos.side == SC_STRATEGY_FLAT && o->qty.steps > 0);
    const sc_candle *k = &dp->candle;
    bool taker = o->style == SC_ENTRY_TAKER;
    bool through = o->side == SC_STRATEGY_LONG
                       ? (taker ? k->low.ticks <= o->px.ticks : k->low.ticks < o->px.ticks)
                       : (taker ? k->high.ticks >= o->px.ticks : k->high.ticks > o->px.ticks);
    o->working = false;
    if (!through) {
        emit_pos(dp, SC_DP_POS_EXPIRED, o->side, o->px, o->qty, SC_EXIT_NONE);
        return;
    }
    dp->pos.side = o->side;
    dp->pos.entry_px = o->px;
    dp->pos.entry_ns = dp->last_close_ns;
    dp->pos.qty = o->qty;
    dp->pos.stop_px = o->stop_px;
    dp->pos.target_px = o->target_px;
    dp->pos.entry_order_working = false;
    emit_pos(dp, SC_DP_POS_FILL, o->side, o->px, o->qty, SC_EXIT_NONE);
}

static void study_close(sc_decision_path *dp, const sc_signal *sig) {
    SC_ASSERT(dp->pos.side != SC_STRATEGY_FLAT && dp->pos.qty.steps > 0);
    sc_px px = sig->entry_px.ticks > 0 ? sig->entry_px : dp->candle.close;
    sc_strategy_pos_side side = dp->pos.side;
    sc_qty qty = dp->pos.qty;
    memset(&dp->pos, 0, sizeof(dp->pos));
    dp->pos.side = SC_STRATEGY_FLAT;
    dp->pos.last_exit_ns = dp->last_close_ns;
    SC_ASSERT((unsigned)sig->exit_reason <= SC_EXIT_SIGNAL);
    dp->stats.exits_by_reason[sig->exit_reason]++;
    emit_pos(dp, SC_DP_POS_CLOSE, side, px, qty, sig->exit_reason);
}

static void study_order_place(sc_decision_path *dp, const sc_signal *sig,
                              const sc_decision_answer *ans) {
    SC_ASSERT(dp->pos.side == SC_STRATEGY_FLAT && !dp->order.working);
    SC_ASSERT(sig->qty.steps > 0 && ans->size_fraction > 0.0);
    study_order *o = &dp->order;
    o->working = true;
    o->side = sig->kind == SC_SIG_ENTER_LONG ? SC_STRATEGY_LONG : SC_STRATEGY_SHORT;
    o->style = sig->style;
    o->px = sig->entry_px;
    double q = floor((double)sig->qty.steps * ans->size_fraction);
    o->qty.steps = q < 1.0 ? 1 : (int64_t)q;
    o->stop_px = sig->stop_px;
    o->target_px = sig->target_px;
    emit_pos(dp, SC_DP_POS_ORDER, o->side, o->px, o->qty, SC_EXIT_NONE);
}

/* ---- asking the advisor ----------------------------------------------------- */

/* Unrealized PnL of the study position at the close, quote e8; 0 when it
 * would not fit (it is context for the advisor, not money we act on). */
static sc_money unrealized_e8(const sc_decision_path *dp) {
    const sc_strategy_position *p = &dp->pos;
    if (p->side == SC_STRATEGY_FLAT) {
        return (sc_money){0};
    }
    const sc_instrument *ins = dp->cfg.ins;
    int64_t d = dp->candle.close.ticks - p->entry_px.ticks;
    d = p->side == SC_STRATEGY_LONG ? d : -d;
    int64_t v = 0;
    if (!sc_mul_i64(d, ins->tick_units, &v) || !sc_mul_i64(v, p->qty.steps, &v) ||
        !sc_mul_i64(v, ins->step_units, &v)) {
        return (sc_money){0};
    }
    for (int e = ins->px_scale + ins->qty_scale; e < 8; e++) {
        if (!sc_mul_i64(v, 10, &v)) {
            return (sc_money){0};
        }
    }
    for (int e = 8; e < ins->px_scale + ins->qty_scale; e++) {
        v /= 10; /* truncation toward zero: context only */
    }
    return (sc_money){v};
}

static void request_features(sc_decision_path *dp, sc_decision_request *req) {
    static const sc_feature_id k_ids[] = {
        SC_FEATURE_EMA_9,        SC_FEATURE_EMA_21,         SC_FEATURE_EMA_50,
        SC_FEATURE_RSI_14,       SC_FEATURE_ATR_14,         SC_FEATURE_MACD_HIST,
        SC_FEATURE_BB_PCTB,      SC_FEATURE_BB_WIDTH,       SC_FEATURE_VWAP_SESSION_DIST,
        SC_FEATURE_REALIZED_VOL, SC_FEATURE_VOL_REGIME_PCT, SC_FEATURE_TRADE_IMBALANCE,
        SC_FEATURE_LOGRET_1,     SC_FEATURE_SPREAD_BPS,     SC_FEATURE_BOOK_IMBALANCE,
        SC_FEATURE_MICROPRICE};
    _Static_assert(sizeof(k_ids) / sizeof(k_ids[0]) + 3 <= SC_DECISION_FEATURES_MAX,
                   "the snapshot fits a request");
    sc_err e = sc_decision_request_add_feature(req, "close",
                                               (double)dp->candle.close.ticks * dp->tick_quote);
    for (size_t i = 0; i < sizeof(k_ids) / sizeof(k_ids[0]) && e == SC_OK; i++) {
        const sc_feature_column *c = sc_feature_column_at((uint32_t)k_ids[i]);
        double v = NAN;
        (void)row_real(&dp->row, k_ids[i], &v);
        e = sc_decision_request_add_feature(req, c->name, v);
    }
    const sc_strategy_inputs *in = &dp->in;
    if (e == SC_OK) {
        e = sc_decision_request_add_feature(req, "ofi_window_share",
                                            in->ofi_ok && in->ofi_gross_steps > 0
                                                ? (double)in->ofi_steps /
                                                      (double)in->ofi_gross_steps
                                                : NAN);
    }
    if (e == SC_OK) {
        e = sc_decision_request_add_feature(req, "flow_window_imbalance",
                                            in->flow_ok ? in->flow_imbalance : NAN);
    }
    SC_ASSERT(e == SC_OK); /* fixed, valid, distinct names within the limit */
}

static void build_request(sc_decision_path *dp, const sc_signal *sig) {
    sc_decision_request *req = &dp->req;
    sc_decision_request_init(req, dp->next_request_id++, dp->last_close_ns, dp->eff.version);
    req->regime = sc_regime_current(dp->reg);
    req->signal = *sig;
    req->position.side = side_of(dp->pos.side);
    req->position.qty = dp->pos.qty;
    req->position.entry_px = dp->pos.entry_px;
    req->position.unrealized_pnl = unrealized_e8(dp);
    /* Risk headroom is the risk layer's (next issue): no loss allowance is
     * claimed here, and the position room is the hard limit's. */
    req->headroom.daily_loss_left = (sc_money){0};
    req->headroom.position_left.steps = SC_LIMIT_MAX_POSITION_STEPS - dp->pos.qty.steps;
    request_features(dp, req);
    SC_ASSERT(req->signal.params_version == req->params_version);
}

static const char *act_note(const sc_decision_path *dp, const sc_signal *sig, bool *acted) {
    sc_decision_action a = dp->ans.action;
    *acted = false;
    if (sc_decision_is_entry(a)) {
        bool same = (a == SC_DECISION_ENTER_LONG && sig->kind == SC_SIG_ENTER_LONG) ||
                    (a == SC_DECISION_ENTER_SHORT && sig->kind == SC_SIG_ENTER_SHORT);
        if (!same) {
            return "advisor entry side differs from the signal: not acted on";
        }
        if (dp->pos.side != SC_STRATEGY_FLAT || dp->order.working || dp->pos.entry_order_working) {
            return "not flat any more: not acted on";
        }
        *acted = true;
        return "";
    }
    if (a == SC_DECISION_EXIT) {
        if (dp->pos.side == SC_STRATEGY_FLAT || sig->kind != SC_SIG_EXIT) {
            return "advisor exit without an exit signal and a position: not acted on";
        }
        *acted = true;
    }
    return "";
}

/* The decision on sig (asked at candle, when the position was pos) is in
 * dp->ans / dp->why: record it, then act on it. */
static void conclude(sc_decision_path *dp, const sc_signal *sig, const sc_candle *candle,
                     sc_decision_side pos) {
    SC_ASSERT(dp->why.reason == SC_DECISION_R_OK || dp->ans.action == SC_DECISION_SKIP);
    SC_ASSERT((unsigned)dp->ans.action < SC_DECISION_ACTION_COUNT);
    bool acted = false;
    const char *note = act_note(dp, sig, &acted);
    sc_dp_record r;
    rec_init(dp, SC_DP_REC_DECISION, dp->last_close_ns, &r);
    r.candle = candle;
    r.signal = sig;
    r.answer = &dp->ans;
    r.verdict = &dp->why;
    r.position = pos;
    r.acted = acted;
    r.note = note;
    dp->stats.decisions++;
    dp->stats.actions[dp->ans.action]++;
    if (dp->ans.action == SC_DECISION_SKIP) {
        dp->stats.skips_by_reason[dp->why.reason]++;
    }
    dp->stats.not_acted += note[0] != '\0' ? 1 : 0;
    rec_emit(dp, &r);
    if (dp->cfg.external_position) {
        return; /* the caller acts on it (engine/paper.c) */
    }
    if (acted && sc_decision_is_entry(dp->ans.action)) {
        study_order_place(dp, sig, &dp->ans);
    } else if (acted) {
        study_close(dp, sig);
    }
}

static void ask_advisor(sc_decision_path *dp, const sc_signal *sig) {
    SC_ASSERT(!dp->pend.active && sig->kind != SC_SIG_NONE);
    SC_ASSERT(sig->n_reasons >= 1 && sig->params_version == dp->eff.version);
    build_request(dp, sig);
    sc_decision_side pos = dp->req.position.side;
    sc_advisor_result res = sc_advisor_ask(dp->adv, &dp->req, &dp->eff, &dp->ans, &dp->why);
    if (res == SC_ADVISOR_WAITING) {
        dp->pend.active = true;
        dp->pend.signal = *sig;
        dp->pend.candle = dp->candle;
        dp->pend.position = pos;
        return;
    }
    SC_ASSERT(res == SC_ADVISOR_DECIDED);
    conclude(dp, sig, &dp->candle, pos);
}

/* A pending answer, seen at this close: decided (maybe late or abandoned)
 * or still waiting. */
static void poll_pending(sc_decision_path *dp) {
    if (!dp->pend.active) {
        return;
    }
    sc_advisor_result res = sc_advisor_poll(dp->adv, dp->last_close_ns, &dp->ans, &dp->why);
    if (res == SC_ADVISOR_WAITING) {
        return;
    }
    SC_ASSERT(res == SC_ADVISOR_DECIDED);
    dp->pend.active = false;
    conclude(dp, &dp->pend.signal, &dp->pend.candle, dp->pend.position);
}

static void emit_evaluation(sc_decision_path *dp, const sc_strategy_eval *ev, const char *note) {
    if (!dp->cfg.record_all) {
        return;
    }
    sc_dp_record r;
    rec_init(dp, SC_DP_REC_EVALUATION, dp->last_close_ns, &r);
    r.eval = ev;
    r.position = side_of(dp->pos.side);
    r.note = note;
    rec_emit(dp, &r);
}

static void evaluate_step(sc_decision_path *dp) {
    if (dp->pend.active) {
        dp->stats.waiting_candles++;
        emit_evaluation(dp, NULL, "waiting for the advisor's answer");
        return;
    }
    if (dp->pos.side != SC_STRATEGY_FLAT) {
        sc_strategy_check_exit(dp->st, &dp->in, &dp->sig);
        if (dp->sig.kind == SC_SIG_EXIT) {
            dp->stats.signals[SC_SIG_EXIT]++;
            ask_advisor(dp, &dp->sig);
        } else {
            emit_evaluation(dp, NULL, "in position: no exit trigger");
        }
        return;
    }
    sc_strategy_evaluate(dp->st, &dp->in, &dp->ev);
    if (dp->ev.signal.kind != SC_SIG_NONE) {
        SC_ASSERT(dp->ev.signal.kind == SC_SIG_ENTER_LONG ||
                  dp->ev.signal.kind == SC_SIG_ENTER_SHORT);
        dp->stats.signals[dp->ev.signal.kind]++;
        ask_advisor(dp, &dp->ev.signal);
        return;
    }
    SC_ASSERT((unsigned)dp->ev.first_block < SC_STRATEGY_BLOCK_COUNT);
    dp->stats.blocked[dp->ev.first_block]++;
    emit_evaluation(dp, &dp->ev, dp->order.working ? "entry order working" : "");
}

/* ---- the public steps -------------------------------------------------------- */

sc_err sc_decision_path_on_bar(sc_decision_path *dp, const sc_candle *k,
                               const sc_feature_book *book, sc_errinfo *err) {
    SC_ASSERT(dp != NULL && k != NULL && !dp->finished);
    sc_err e = sc_feature_pipeline_on_candle(dp->pl, k, book, &dp->row, err);
    if (e != SC_OK) {
        return e;
    }
    sc_ns close_ns = k->open_ns + dp->cfg.tf_ns;
    SC_ASSERT(!dp->has_last || close_ns > dp->last_close_ns); /* the pipeline checked the order */
    dp->has_last = true;
    dp->last_close_ns = close_ns;
    dp->candle = *k;
    dp->stats.candles++;
    const sc_feature_book *b = dp->cfg.fidelity == SC_DP_FIDELITY_L2 ? book : NULL;
    dp->stats.candles_with_book += b != NULL && b->top_ok ? 1 : 0;
    smc_step(dp, k);
    regime_step(dp, b);
    window_push(dp, k, b);
    fill_inputs(dp, b);
    study_fill_or_expire(dp);
    poll_pending(dp);
    fill_inputs(dp, b); /* the position may have changed */
    evaluate_step(dp);
    SC_ASSERT((dp->pos.side == SC_STRATEGY_FLAT) == (dp->pos.qty.steps == 0));
    return SC_OK;
}

void sc_decision_path_set_position(sc_decision_path *dp, const sc_strategy_position *pos) {
    SC_ASSERT(dp != NULL && pos != NULL && dp->cfg.external_position);
    SC_ASSERT((pos->side == SC_STRATEGY_FLAT) == (pos->qty.steps == 0));
    dp->pos = *pos;
}

void sc_decision_path_finish(sc_decision_path *dp) {
    SC_ASSERT(dp != NULL && !dp->finished);
    dp->finished = true;
    if (!dp->pend.active) {
        return;
    }
    sc_advisor_cancel(dp->adv);
    SC_ASSERT(!sc_advisor_pending(dp->adv));
    sc_decision_skip(SC_DECISION_R_ABANDONED, "answer", "an answer before the end of the input",
                     "none", &dp->ans, &dp->why);
    dp->why.request_id = dp->req.request_id;
    dp->why.latency_ns = dp->last_close_ns - dp->pend.signal.ts_ns;
    dp->pend.active = false;
    conclude(dp, &dp->pend.signal, &dp->pend.candle, dp->pend.position);
}

void sc_decision_path_get_stats(const sc_decision_path *dp, sc_decision_path_stats *out) {
    SC_ASSERT(dp != NULL && out != NULL);
    SC_ASSERT(dp->stats.decisions <=
              dp->stats.signals[1] + dp->stats.signals[2] + dp->stats.signals[3]);
    *out = dp->stats;
}

void sc_decision_path_smc_counters(const sc_decision_path *dp, sc_smc_counters *out) {
    SC_ASSERT(dp != NULL && out != NULL);
    sc_smc_get_counters(dp->smc, out);
}

const sc_params *sc_decision_path_params(const sc_decision_path *dp, bool effective) {
    SC_ASSERT(dp != NULL);
    return effective ? &dp->eff : &dp->params;
}

const char *sc_decision_path_params_hash(const sc_decision_path *dp, bool effective) {
    SC_ASSERT(dp != NULL && dp->hash[0] != '\0');
    return effective ? dp->eff_hash : dp->hash;
}

void sc_decision_path_windows(const sc_decision_path *dp, int32_t *ofi_bars, int32_t *flow_bars) {
    SC_ASSERT(dp != NULL && ofi_bars != NULL && flow_bars != NULL);
    *ofi_bars = dp->k_ofi;
    *flow_bars = dp->k_flow;
}

const sc_feature_row *sc_decision_path_row(const sc_decision_path *dp) {
    SC_ASSERT(dp != NULL);
    return &dp->row;
}

sc_regime sc_decision_path_regime(const sc_decision_path *dp) {
    SC_ASSERT(dp != NULL);
    return sc_regime_current(dp->reg);
}

const char *sc_decision_path_advisor_name(const sc_decision_path *dp) {
    SC_ASSERT(dp != NULL);
    return sc_advisor_name(dp->adv);
}

/* ---- JSON ----------------------------------------------------------------- */

static void jw_candle(sc_jw *w, const sc_candle *k) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    sc_jw_raw(w, ",\"candle\":{");
    char b[24];
    snprintf(b, sizeof(b), "%" PRId64, k->open_ns);
    sc_jw_raw(w, "\"open_ns\":");
    sc_jw_raw(w, b);
    sc_jw_px(w, "open", k->open);
    sc_jw_px(w, "high", k->high);
    sc_jw_px(w, "low", k->low);
    sc_jw_px(w, "close", k->close);
    sc_jw_qty(w, "volume", k->volume);
    sc_jw_raw(w, "}");
}

static void jw_reasons(sc_jw *w, const char *key, const sc_reason *rs, uint32_t n) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    SC_ASSERT(n <= SC_SIGNAL_REASONS_MAX || n <= SC_STRATEGY_BLOCK_COUNT);
    sc_jw_key(w, key);
    sc_jw_raw(w, "[");
    for (uint32_t i = 0; i < n; i++) {
        sc_jw_raw(w, i == 0 ? "{\"text\":" : ",{\"text\":");
        sc_jw_str(w, rs[i].text);
        sc_jw_num(w, "contribution", rs[i].contribution);
        sc_jw_raw(w, "}");
    }
    sc_jw_raw(w, "]");
}

static void jw_signal(sc_jw *w, const sc_signal *s) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    SC_ASSERT(s->n_reasons <= SC_SIGNAL_REASONS_MAX);
    sc_jw_raw(w, ",\"signal\":{\"kind\":");
    sc_jw_str(w, sc_signal_kind_name(s->kind));
    sc_jw_i64(w, "ts_ns", s->ts_ns);
    sc_jw_num(w, "score", s->score);
    sc_jw_text(w, "style", s->style == SC_ENTRY_TAKER ? "taker" : "maker");
    sc_jw_px(w, "entry_px", s->entry_px);
    sc_jw_qty(w, "qty", s->qty);
    sc_jw_px(w, "stop_px", s->stop_px);
    sc_jw_px(w, "target_px", s->target_px);
    sc_jw_i64(w, "max_hold_ns", s->max_hold_ns);
    sc_jw_text(w, "exit_reason", sc_exit_reason_name(s->exit_reason));
    sc_jw_i64(w, "params_version", s->params_version);
    jw_reasons(w, "reasons", s->reasons, s->n_reasons);
    sc_jw_raw(w, "}");
}

static void jw_answer(sc_jw *w, const sc_decision_answer *a) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    sc_jw_raw(w, ",\"answer\":{\"action\":");
    sc_jw_str(w, sc_decision_action_name(a->action));
    sc_jw_num(w, "confidence", a->confidence);
    sc_jw_num(w, "size_fraction", a->size_fraction);
    sc_jw_num(w, "sl_bps", a->sl_bps);
    sc_jw_num(w, "tp_bps", a->tp_bps);
    sc_jw_i64(w, "ttl_ms", a->ttl_ms);
    sc_jw_text(w, "reason", a->reason);
    sc_jw_raw(w, "}");
}

static void jw_verdict(sc_jw *w, const sc_decision_verdict *v) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    SC_ASSERT(v->n_clamps <= SC_DECISION_CLAMPS_MAX);
    sc_jw_raw(w, ",\"verdict\":{\"reason\":");
    sc_jw_str(w, sc_decision_reason_name(v->reason));
    sc_jw_i64(w, "code", (int64_t)v->reason);
    sc_jw_text(w, "advised", sc_decision_action_name(v->advised));
    sc_jw_i64(w, "request_id", v->request_id);
    sc_jw_i64(w, "latency_ns", v->latency_ns);
    sc_jw_text(w, "field", v->info.field);
    sc_jw_text(w, "expected", v->info.expected);
    sc_jw_text(w, "got", v->info.got);
    sc_jw_raw(w, ",\"clamps\":[");
    for (uint32_t i = 0; i < v->n_clamps; i++) {
        sc_jw_raw(w, i == 0 ? "{\"field\":" : ",{\"field\":");
        sc_jw_str(w, sc_decision_field_name(v->clamps[i].field));
        sc_jw_num(w, "advised", v->clamps[i].advised);
        sc_jw_num(w, "applied", v->clamps[i].applied);
        sc_jw_raw(w, "}");
    }
    sc_jw_raw(w, "]}");
}

static void jw_head(sc_jw *w, const sc_dp_record *r) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    char t[TIME_TEXT_MAX];
    sc_jw_raw(w, "{\"type\":");
    sc_jw_str(w, sc_dp_record_kind_name(r->kind));
    sc_jw_i64(w, "ts_ns", r->ts_ns);
    sc_jw_text(w, "time", sc_ns_format_utc(r->ts_ns, t, sizeof(t)));
    sc_jw_i64(w, "params_version", r->params_version);
    sc_jw_text(w, "regime", sc_regime_name(r->regime));
    sc_jw_text(w, "bias", sc_bias_name(r->bias));
}

static void jw_decision(const sc_decision_path *dp, sc_jw *w, const sc_dp_record *r) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    SC_ASSERT(r->signal != NULL && r->answer != NULL && r->verdict != NULL);
    sc_jw_text(w, "params_hash", dp->hash);
    sc_jw_text(w, "fidelity", sc_dp_fidelity_name(dp->cfg.fidelity));
    sc_jw_text(w, "action", sc_decision_action_name(r->answer->action));
    sc_jw_text(w, "position", sc_decision_side_name(r->position));
    sc_jw_bool(w, "acted", r->acted);
    sc_jw_text(w, "note", r->note);
    jw_candle(w, r->candle);
    jw_signal(w, r->signal);
    jw_answer(w, r->answer);
    jw_verdict(w, r->verdict);
}

static void jw_evaluation(sc_jw *w, const sc_dp_record *r) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    sc_jw_text(w, "position", sc_decision_side_name(r->position));
    sc_jw_text(w, "note", r->note);
    jw_candle(w, r->candle);
    if (r->eval == NULL) {
        return;
    }
    const sc_strategy_eval *ev = r->eval;
    SC_ASSERT(ev->n_why <= SC_STRATEGY_BLOCK_COUNT);
    sc_jw_text(w, "blocked", sc_strategy_block_name(ev->first_block));
    sc_jw_bool(w, "scored", ev->scored);
    sc_jw_num(w, "raw_score", ev->raw_score);
    jw_reasons(w, "why", ev->why, ev->n_why);
    jw_reasons(w, "reasons", ev->signal.reasons, ev->signal.n_reasons);
}

static void jw_regime(sc_jw *w, const sc_regime_change *c) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    sc_jw_i64(w, "seq", (int64_t)c->seq);
    sc_jw_text(w, "from", sc_regime_name(c->old_regime));
    sc_jw_text(w, "to", sc_regime_name(c->new_regime));
    sc_jw_i64(w, "bars", c->bars);
    sc_jw_bool(w, "forced", c->forced);
    sc_jw_text(w, "reason", c->reason);
}

static void jw_smc(sc_jw *w, const sc_smc_event *e) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    sc_jw_text(w, "kind", sc_smc_kind_name(e->kind));
    sc_jw_text(w, "dir", sc_bias_name(e->dir));
    sc_jw_i64(w, "origin_ns", e->origin_ns);
    sc_jw_i64(w, "confirm_ns", e->confirm_ns);
    sc_jw_px(w, "level", e->level);
    sc_jw_px(w, "price", e->price);
    sc_jw_px(w, "top", e->top);
    sc_jw_px(w, "bottom", e->bottom);
    sc_jw_text(w, "reason", e->reason);
}

static void jw_position(sc_jw *w, const sc_dp_record *r) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    sc_jw_text(w, "event", sc_dp_pos_event_name(r->pos_event));
    sc_jw_text(w, "side", sc_decision_side_name(r->pos_side));
    sc_jw_px(w, "px", r->pos_px);
    sc_jw_qty(w, "qty", r->pos_qty);
    sc_jw_text(w, "exit_reason", sc_exit_reason_name(r->exit_reason));
    sc_jw_text(w, "study", "signal study, not a backtest");
}

int sc_decision_path_format_json(const sc_decision_path *dp, const sc_dp_record *rec, char *buf,
                                 size_t cap) {
    SC_ASSERT(dp != NULL && rec != NULL && buf != NULL && cap > 0);
    SC_ASSERT((unsigned)rec->kind < SC_DP_REC_KIND_COUNT);
    sc_jw w = {buf, cap, 0, false, dp->cfg.ins};
    buf[0] = '\0';
    jw_head(&w, rec);
    switch (rec->kind) {
    case SC_DP_REC_DECISION:
        jw_decision(dp, &w, rec);
        break;
    case SC_DP_REC_EVALUATION:
        jw_evaluation(&w, rec);
        break;
    case SC_DP_REC_REGIME:
        SC_ASSERT(rec->change != NULL);
        jw_regime(&w, rec->change);
        break;
    case SC_DP_REC_SMC:
        SC_ASSERT(rec->smc != NULL);
        jw_smc(&w, rec->smc);
        break;
    case SC_DP_REC_POSITION:
        jw_position(&w, rec);
        break;
    }
    sc_jw_raw(&w, "}");
    return w.full ? -1 : (int)w.len;
}
