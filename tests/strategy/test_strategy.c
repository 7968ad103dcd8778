/* BaseStrategy: hand-built inputs with known scores, prices and levels;
 * every filter; every exit; then a real capture replayed through the
 * decoder, book, tape, OFI and 1 s candles with a naive position. The
 * capture and a seeded sequence of candles also run through a twin
 * strategy that skips the texts of blocked evaluations: every field but
 * those texts must agree. */
#include "support/support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/rng.h"
#include "features/atr.h"
#include "features/bollinger.h"
#include "features/ema.h"
#include "features/ofi.h"
#include "features/rsi.h"
#include "features/volatility.h"
#include "features/vwap.h"
#include "market/book.h"
#include "market/candles.h"
#include "market/capture.h"
#include "market/decoder.h"
#include "market/tape.h"
#include "strategy/strategy.h"

#define T0 ((sc_ns)1723161300 * SC_NS_PER_S)
#define VERSION 42

typedef struct {
    sc_params params;
    sc_strategy *st;
    const sc_instrument *ins;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    sc_params_defaults(&f->params);
    f->params.version = VERSION;
    f->ins = sc_instrument_find("usdm:BTCUSDT");
    sc_strategy_config cfg = {&f->params, f->ins, false};
    assert_int_equal(sc_strategy_create(&cfg, &f->st), SC_OK);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    sc_strategy_destroy(f->st);
    free(f);
    return 0;
}

static void set(fixture *f, sc_param_id id, double v) {
    assert_int_equal(sc_param_check(sc_param_def_of(id), v, NULL), SC_OK);
    f->params.v[id] = v;
}

static sc_level lv(int64_t px, int64_t qty) {
    return (sc_level){.px = {px}, .qty = {qty}};
}

/* A clear long: bid 61700.0 x 2.000, ask 61700.1 x 1.000; imbalance +0.80;
 * OFI +3.000 of a gross 3.750 (+0.80); flow +0.60; EMA gap 10 ticks over
 * ATR 20 (+0.50) and RSI 65 (+0.30): momentum +0.40; %B 0.30 (+0.40) and
 * VWAP 1 bp below (-1 bp over an ATR of 0.32 bp: +1): mean reversion +0.70. */
static sc_strategy_inputs clear_long(void) {
    sc_strategy_inputs in;
    memset(&in, 0, sizeof(in));
    in.ts_ns = T0;
    in.book_synced = true;
    in.bid = lv(617000, 2000);
    in.ask = lv(617001, 1000);
    in.imbalance_ok = true;
    in.imbalance = 0.80;
    in.imbalance_levels = 5;
    in.ofi_ok = true;
    in.ofi_steps = 3000;
    in.ofi_gross_steps = 3750;
    in.flow_ok = true;
    in.flow_imbalance = 0.60;
    in.ema_ok = true;
    in.ema_fast_ticks = 617010.0;
    in.ema_slow_ticks = 617000.0;
    in.rsi_ok = true;
    in.rsi = 65.0;
    in.bb_ok = true;
    in.bb_pct_b = 0.30;
    in.vwap_ok = true;
    in.vwap_dist_bps = -1.0;
    in.atr_ok = true;
    in.atr_ticks = 20.0;
    in.vol_ok = true;
    in.vol_regime = SC_VOLATILITY_REGIME_NORMAL;
    in.regime = SC_REGIME_RANGING;
    in.htf_bias = SC_BIAS_NONE;
    return in;
}

/* The mirror image: every component the other way. */
static sc_strategy_inputs clear_short(void) {
    sc_strategy_inputs in = clear_long();
    in.bid = lv(617000, 1000);
    in.ask = lv(617001, 2000);
    in.imbalance = -0.80;
    in.ofi_steps = -3000;
    in.flow_imbalance = -0.60;
    in.ema_fast_ticks = 617000.0;
    in.ema_slow_ticks = 617010.0;
    in.rsi = 35.0;
    in.bb_pct_b = 0.70;
    in.vwap_dist_bps = 1.0;
    return in;
}

/* The score of clear_long, computed the way the header defines it. */
static double expected_long_score(const sc_params *p) {
    double c[5] = {0.80, 3000.0 / 3750.0, 0.60, (0.5 + 0.3) / 2.0, (0.4 + 1.0) / 2.0};
    sc_param_id w[5] = {SC_P_STRAT_W_IMBALANCE, SC_P_STRAT_W_OFI, SC_P_STRAT_W_TRADE_FLOW,
                        SC_P_STRAT_W_MOMENTUM, SC_P_STRAT_W_MEANREV};
    double acc = 0.0, ws = 0.0;
    for (int i = 0; i < 5; i++) {
        ws += p->v[w[i]];
        acc += p->v[w[i]] * c[i];
    }
    return acc / ws;
}

static bool has_reason(const sc_reason *r, uint32_t n, const char *text) {
    for (uint32_t i = 0; i < n; i++) {
        if (strstr(r[i].text, text) != NULL) {
            return true;
        }
    }
    return false;
}

static sc_strategy_eval eval(fixture *f, const sc_strategy_inputs *in) {
    sc_strategy_eval ev;
    sc_strategy_evaluate(f->st, in, &ev);
    assert_int_equal(ev.signal.params_version, f->params.version);
    assert_int_equal(ev.signal.ts_ns, in->ts_ns);
    return ev;
}

/* Asserts the evaluation was blocked by b (among others maybe), with text. */
static void assert_blocked(const sc_strategy_eval *ev, sc_strategy_block b, const char *text) {
    assert_int_equal(ev->signal.kind, SC_SIG_NONE);
    assert_true((ev->blocked_mask & (1u << b)) != 0);
    assert_true(ev->first_block != SC_STRATEGY_BLOCK_NONE && ev->first_block <= b);
    if (!has_reason(ev->why, ev->n_why, text)) {
        fail_msg("no why containing \"%s\" (first: \"%s\")", text,
                 ev->n_why > 0 ? ev->why[0].text : "");
    }
}

static void test_create_rejects(void **state) {
    (void)state;
    sc_params p;
    sc_params_defaults(&p);
    sc_strategy *s = NULL;
    sc_strategy_config cfg = {&p, sc_instrument_find("usdm:BTCUSDT"), false};
    assert_int_equal(sc_strategy_create(NULL, &s), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_strategy_create(&cfg, NULL), SC_ERR_INVALID_ARG);
    sc_strategy_config no_ins = {&p, NULL, false};
    assert_int_equal(sc_strategy_create(&no_ins, &s), SC_ERR_INVALID_ARG);
    sc_strategy_config no_par = {NULL, cfg.ins, false};
    assert_int_equal(sc_strategy_create(&no_par, &s), SC_ERR_INVALID_ARG);
    p.v[SC_P_STRAT_SL_BPS] = 0.0; /* below its minimum */
    assert_int_equal(sc_strategy_create(&cfg, &s), SC_ERR_RANGE);
    assert_null(s);
    sc_strategy_destroy(NULL);
    assert_string_equal(sc_strategy_block_name(SC_STRATEGY_BLOCK_HTF_BIAS), "htf_bias");
    assert_string_equal(sc_strategy_pos_side_name(SC_STRATEGY_SHORT), "short");
}

static void test_clear_long(void **state) {
    fixture *f = *state;
    sc_strategy_inputs in = clear_long();
    sc_strategy_eval ev = eval(f, &in);
    const sc_signal *sig = &ev.signal;
    assert_int_equal(sig->kind, SC_SIG_ENTER_LONG);
    assert_int_equal(ev.first_block, SC_STRATEGY_BLOCK_NONE);
    assert_int_equal(ev.blocked_mask, 0);
    assert_true(ev.scored);
    double want = expected_long_score(&f->params);
    assert_true(fabs(sig->score - want) < 1e-12);
    assert_true(fabs(ev.raw_score - want) < 1e-12);
    assert_true(fabs(want - 0.69) < 1e-12); /* 0.24 + 0.20 + 0.12 + 0.06 + 0.07 */
    assert_int_equal(sig->style, SC_ENTRY_MAKER);
    assert_int_equal(sig->entry_px.ticks, 617000); /* the bid, offset 0 */
    assert_int_equal(sig->qty.steps, 10);
    /* 617000 x 12 bps = 740.4 ticks: the stop rounds away (741), the target
     * 617000 x 18 bps = 1110.6 rounds towards the entry (1110). */
    assert_int_equal(sig->stop_px.ticks, 617000 - 741);
    assert_int_equal(sig->target_px.ticks, 617000 + 1110);
    assert_int_equal(sig->max_hold_ns, 180 * SC_NS_PER_S);
    assert_int_equal(sig->regime, SC_REGIME_RANGING);
    assert_int_equal(sig->n_reasons, 7);
    const sc_reason *r = sig->reasons;
    assert_string_equal(r[0].text, "book imbalance +0.80 (5 levels) -> +0.240");
    assert_string_equal(r[1].text, "queue pressure +0.80 (OFI +3.000 of 3.750, 2000 ms) -> +0.200");
    assert_string_equal(r[2].text, "trade flow +0.60 (taker buy vs sell, 5000 ms) -> +0.120");
    assert_string_equal(r[3].text, "momentum +0.40 (EMA gap +0.50 ATR, RSI 65.0) -> +0.060");
    assert_string_equal(r[4].text, "mean reversion +0.70 (%B 0.30, VWAP -1.0 bps) -> +0.070");
    assert_string_equal(r[5].text, "maker post-only at bid 61700.00 (0 ticks behind the touch)");
    assert_string_equal(r[6].text,
                        "stop 61625.90 (741 ticks, 12 bps), target 61811.00 (1110 ticks, 18 bps)");
    double sum = 0.0;
    for (int i = 0; i < 5; i++) {
        sum += r[i].contribution;
    }
    assert_true(fabs(sum - sig->score) < 1e-12);
    char buf[1024];
    assert_true(sc_strategy_explain(&ev, f->ins, buf, sizeof(buf)) > 0);
    assert_non_null(strstr(buf, "enter_long 0.690 maker @61700.00: book imbalance +0.80"));
    assert_int_equal(sc_strategy_explain(&ev, f->ins, buf, 16), -1); /* cut, terminated */
    assert_int_equal(strlen(buf), 15);
}

static void test_clear_short(void **state) {
    fixture *f = *state;
    sc_strategy_inputs in = clear_short();
    sc_strategy_eval ev = eval(f, &in);
    const sc_signal *sig = &ev.signal;
    assert_int_equal(sig->kind, SC_SIG_ENTER_SHORT);
    assert_true(fabs(sig->score - expected_long_score(&f->params)) < 1e-12);
    assert_true(fabs(ev.raw_score + expected_long_score(&f->params)) < 1e-12);
    assert_int_equal(sig->style, SC_ENTRY_MAKER);
    assert_int_equal(sig->entry_px.ticks, 617001); /* the ask */
    /* 617001 x 12 bps = 740.4012 -> 741 away; x 18 bps = 1110.6018 -> 1110. */
    assert_int_equal(sig->stop_px.ticks, 617001 + 741);
    assert_int_equal(sig->target_px.ticks, 617001 - 1110);
    assert_true(sig->stop_px.ticks > sig->entry_px.ticks);
    assert_true(sig->target_px.ticks < sig->entry_px.ticks);
    assert_true(
        has_reason(sig->reasons, sig->n_reasons, "book imbalance -0.80 (5 levels) -> -0.240"));
    assert_true(has_reason(sig->reasons, sig->n_reasons, "OFI -3.000 of 3.750"));
    assert_true(has_reason(sig->reasons, sig->n_reasons, "maker post-only at ask 61700.10"));
    assert_true(sig->reasons[0].contribution < 0.0);
}

static void test_maker_taker_threshold(void **state) {
    fixture *f = *state;
    sc_strategy_inputs in = clear_long();
    set(f, SC_P_STRAT_TAKER_SCORE_MIN, 0.68); /* score 0.69 >= 0.68: taker */
    sc_strategy_eval ev = eval(f, &in);
    assert_int_equal(ev.signal.kind, SC_SIG_ENTER_LONG);
    assert_int_equal(ev.signal.style, SC_ENTRY_TAKER);
    assert_int_equal(ev.signal.entry_px.ticks, 617001); /* crosses to the ask */
    assert_int_equal(ev.signal.stop_px.ticks, 617001 - 741);
    assert_int_equal(ev.signal.target_px.ticks, 617001 + 1110);
    assert_true(has_reason(ev.signal.reasons, ev.signal.n_reasons,
                           "taker at ask 61700.10: score 0.690 >= taker_score_min 0.68"));
    sc_strategy_inputs sh = clear_short();
    ev = eval(f, &sh);
    assert_int_equal(ev.signal.style, SC_ENTRY_TAKER);
    assert_int_equal(ev.signal.entry_px.ticks, 617000); /* crosses to the bid */
    set(f, SC_P_STRAT_TAKER_SCORE_MIN, 0.70);           /* above the score: maker */
    set(f, SC_P_STRAT_MAKER_OFFSET_TICKS, 2);
    ev = eval(f, &in);
    assert_int_equal(ev.signal.style, SC_ENTRY_MAKER);
    assert_int_equal(ev.signal.entry_px.ticks, 616998);
    ev = eval(f, &sh);
    assert_int_equal(ev.signal.entry_px.ticks, 617003);
    sc_strategy_counters c;
    sc_strategy_get_counters(f->st, &c);
    assert_int_equal(c.entries_long, 2);
    assert_int_equal(c.entries_short, 2);
    assert_int_equal(c.entries_taker, 2);
    assert_int_equal(c.evaluations, 4);
}

static void test_atr_levels(void **state) {
    fixture *f = *state;
    set(f, SC_P_STRAT_SL_ATR_MULT, 1.5);
    set(f, SC_P_STRAT_TP_ATR_MULT, 2.25);
    sc_strategy_inputs in = clear_long();
    in.atr_ticks = 20.5; /* stop 30.75 -> 31 ticks away; target 46.125 -> 46 */
    sc_strategy_eval ev = eval(f, &in);
    assert_int_equal(ev.signal.kind, SC_SIG_ENTER_LONG);
    assert_int_equal(ev.signal.stop_px.ticks, 617000 - 31);
    assert_int_equal(ev.signal.target_px.ticks, 617000 + 46);
    assert_true(
        has_reason(ev.signal.reasons, ev.signal.n_reasons,
                   "stop 61696.90 (31 ticks, 1.5 ATR), target 61704.60 (46 ticks, 2.25 ATR)"));
    sc_strategy_inputs sh = clear_short();
    sh.atr_ticks = 20.5;
    ev = eval(f, &sh);
    assert_int_equal(ev.signal.stop_px.ticks, 617001 + 31);
    assert_int_equal(ev.signal.target_px.ticks, 617001 - 46);
    /* Only the stop in ATRs: the target stays in bps. */
    set(f, SC_P_STRAT_TP_ATR_MULT, 0.0);
    ev = eval(f, &in);
    assert_int_equal(ev.signal.stop_px.ticks, 617000 - 31);
    assert_int_equal(ev.signal.target_px.ticks, 617000 + 1110);
    /* An ATR stop without an ATR: no signal. */
    in.atr_ok = false;
    ev = eval(f, &in);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_MISSING_INPUT, "missing input: ATR (ATR stops)");
    assert_false(ev.scored);
}

static void test_levels_rounding(void **state) {
    fixture *f = *state;
    sc_px stop, target;
    /* Exact: 500000 x 12 bps = 600.0, x 18 bps = 900.0. */
    assert_true(sc_strategy_levels(f->st, SC_STRATEGY_LONG, (sc_px){500000}, 0, &stop, &target));
    assert_int_equal(stop.ticks, 499400);
    assert_int_equal(target.ticks, 500900);
    assert_true(sc_strategy_levels(f->st, SC_STRATEGY_SHORT, (sc_px){500000}, 0, &stop, &target));
    assert_int_equal(stop.ticks, 500600);
    assert_int_equal(target.ticks, 499100);
    /* Fractional bps: 15.5 bps of 600001 = 930.00155 -> 931 (stop), 930 (target). */
    set(f, SC_P_STRAT_SL_BPS, 15.5);
    set(f, SC_P_STRAT_TP_BPS, 15.5);
    assert_true(sc_strategy_levels(f->st, SC_STRATEGY_LONG, (sc_px){600001}, 0, &stop, &target));
    assert_int_equal(stop.ticks, 600001 - 931);
    assert_int_equal(target.ticks, 600001 + 930);
    /* Tiny distances become one tick each side. */
    set(f, SC_P_STRAT_SL_BPS, 1.0);
    set(f, SC_P_STRAT_TP_BPS, 1.0);
    assert_true(sc_strategy_levels(f->st, SC_STRATEGY_LONG, (sc_px){100}, 0, &stop, &target));
    assert_int_equal(stop.ticks, 99);
    assert_int_equal(target.ticks, 101);
    /* A stop a whole price away is out of range; so is a bad entry. */
    assert_false(sc_strategy_levels(f->st, SC_STRATEGY_LONG, (sc_px){1}, 0, &stop, &target));
    assert_false(sc_strategy_levels(f->st, SC_STRATEGY_LONG, (sc_px){0}, 0, &stop, &target));
    set(f, SC_P_STRAT_SL_ATR_MULT, 2.0);
    assert_false(sc_strategy_levels(f->st, SC_STRATEGY_SHORT, (sc_px){1000}, NAN, &stop, &target));
    assert_false(sc_strategy_levels(f->st, SC_STRATEGY_SHORT, (sc_px){1000}, 0.0, &stop, &target));
    assert_false(sc_strategy_levels(f->st, SC_STRATEGY_SHORT, (sc_px){1000}, 600, &stop, &target));
    assert_true(sc_strategy_levels(f->st, SC_STRATEGY_SHORT, (sc_px){1000}, 0.1, &stop, &target));
    assert_int_equal(stop.ticks, 1001); /* 0.2 ticks -> 1 */
    /* A price where the exact product would overflow int64: refused. */
    set(f, SC_P_STRAT_SL_ATR_MULT, 0.0);
    assert_false(
        sc_strategy_levels(f->st, SC_STRATEGY_LONG, (sc_px){INT64_MAX / 2}, 0, &stop, &target));
}

static void test_filters_book_and_inputs(void **state) {
    fixture *f = *state;
    sc_strategy_inputs in = clear_long();
    in.book_synced = false;
    sc_strategy_eval ev = eval(f, &in);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_NOT_SYNCED, "book not synced");
    assert_int_equal(ev.first_block, SC_STRATEGY_BLOCK_NOT_SYNCED);
    assert_false(ev.scored);
    assert_int_equal(ev.signal.n_reasons, 0);
    in = clear_long();
    in.ask = lv(617000, 1000); /* locked */
    ev = eval(f, &in);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_NOT_SYNCED, "touch invalid");
    in = clear_long();
    in.bid.qty.steps = 0;
    ev = eval(f, &in);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_NOT_SYNCED, "touch invalid");
    in = clear_long();
    in.ofi_ok = false;
    in.flow_ok = false;
    ev = eval(f, &in);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_MISSING_INPUT, "missing input: OFI, trade flow");
    assert_int_equal(ev.first_block, SC_STRATEGY_BLOCK_MISSING_INPUT);
    char buf[512];
    assert_true(sc_strategy_explain(&ev, f->ins, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "no entry: missing input: OFI, trade flow");
    /* A maker price that would leave the price range. */
    sc_strategy_inputs tiny = clear_long();
    tiny.bid = lv(1, 1000);
    tiny.ask = lv(2, 1000);
    set(f, SC_P_STRAT_MAKER_OFFSET_TICKS, 2); /* 1 - 2: below 0 */
    ev = eval(f, &tiny);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_PRICE, "entry -1 ticks: stop or target out of range");
    assert_int_equal(ev.first_block, SC_STRATEGY_BLOCK_PRICE);
    assert_int_equal(ev.signal.stop_px.ticks, 0);
    set(f, SC_P_STRAT_MAKER_OFFSET_TICKS, 0);
    /* A component with weight 0 is not required. */
    set(f, SC_P_STRAT_W_OFI, 0.0);
    set(f, SC_P_STRAT_W_TRADE_FLOW, 0.0);
    ev = eval(f, &in);
    assert_int_equal(ev.signal.kind, SC_SIG_ENTER_LONG);
    assert_false(has_reason(ev.signal.reasons, ev.signal.n_reasons, "queue pressure"));
    /* No weight at all: no score. */
    set(f, SC_P_STRAT_W_IMBALANCE, 0.0);
    set(f, SC_P_STRAT_W_MOMENTUM, 0.0);
    set(f, SC_P_STRAT_W_MEANREV, 0.0);
    ev = eval(f, &in);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_MISSING_INPUT, "every strategy.w_* is 0");
}

static void test_filters_context(void **state) {
    fixture *f = *state;
    const sc_regime blocking[] = {SC_REGIME_VOLATILE, SC_REGIME_ILLIQUID, SC_REGIME_NEWS_SHOCK};
    const char *texts[] = {"regime volatile: no entry", "regime illiquid: no entry",
                           "regime news_shock: no entry"};
    for (int i = 0; i < 3; i++) {
        sc_strategy_inputs in = clear_long();
        in.regime = blocking[i];
        sc_strategy_eval ev = eval(f, &in);
        assert_blocked(&ev, SC_STRATEGY_BLOCK_REGIME, texts[i]);
        assert_int_equal(ev.first_block, SC_STRATEGY_BLOCK_REGIME);
        assert_true(ev.scored); /* the score is still explained */
        assert_int_equal(ev.signal.n_reasons, 5);
    }
    const sc_regime passing[] = {SC_REGIME_UNKNOWN, SC_REGIME_TREND_UP, SC_REGIME_TREND_DOWN,
                                 SC_REGIME_RANGING};
    for (int i = 0; i < 4; i++) {
        sc_strategy_inputs in = clear_long();
        in.regime = passing[i];
        assert_int_equal(eval(f, &in).signal.kind, SC_SIG_ENTER_LONG);
    }
    sc_strategy_inputs in = clear_long();
    in.vol_regime = SC_VOLATILITY_REGIME_EXTREME;
    sc_strategy_eval ev = eval(f, &in);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_VOLATILITY, "volatility class extreme: no entry");
    in.vol_ok = false; /* not ready: does not block */
    assert_int_equal(eval(f, &in).signal.kind, SC_SIG_ENTER_LONG);
    in = clear_long();
    in.vol_regime = SC_VOLATILITY_REGIME_HIGH;
    assert_int_equal(eval(f, &in).signal.kind, SC_SIG_ENTER_LONG);
}

static void test_filters_htf_bias(void **state) {
    fixture *f = *state;
    sc_strategy_inputs in = clear_long();
    in.htf_bias = SC_BIAS_BEARISH;
    sc_strategy_eval ev = eval(f, &in);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_HTF_BIAS,
                   "htf bias bearish against long (htf_filter on)");
    assert_int_equal(ev.first_block, SC_STRATEGY_BLOCK_HTF_BIAS);
    in.htf_bias = SC_BIAS_BULLISH;
    assert_int_equal(eval(f, &in).signal.kind, SC_SIG_ENTER_LONG);
    sc_strategy_inputs sh = clear_short();
    sh.htf_bias = SC_BIAS_BULLISH;
    ev = eval(f, &sh);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_HTF_BIAS, "htf bias bullish against short");
    sh.htf_bias = SC_BIAS_NONE;
    assert_int_equal(eval(f, &sh).signal.kind, SC_SIG_ENTER_SHORT);
    set(f, SC_P_STRAT_HTF_FILTER, 0.0);
    sh.htf_bias = SC_BIAS_BULLISH;
    ev = eval(f, &sh);
    assert_int_equal(ev.signal.kind, SC_SIG_ENTER_SHORT);
    assert_int_equal(ev.signal.htf_bias, SC_BIAS_BULLISH);
}

static void test_filters_score_and_params(void **state) {
    fixture *f = *state;
    sc_strategy_inputs in = clear_long();
    assert_int_equal(eval(f, &in).signal.kind, SC_SIG_ENTER_LONG);
    /* A new parameter version with a higher bar suppresses the same signal. */
    set(f, SC_P_STRAT_ENTRY_SCORE_MIN, 0.70);
    f->params.version = 43;
    sc_strategy_eval ev = eval(f, &in);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_SCORE_LOW, "score 0.690 < entry_score_min 0.70");
    assert_int_equal(ev.signal.params_version, 43);
    assert_true(ev.scored);
    char buf[1024];
    assert_true(sc_strategy_explain(&ev, f->ins, buf, sizeof(buf)) > 0);
    assert_non_null(strstr(buf, "no entry (score +0.690): score 0.690 < entry_score_min 0.70 | "
                                "book imbalance +0.80 (5 levels) -> +0.240; queue pressure"));
    /* A flat market scores 0: no side. */
    set(f, SC_P_STRAT_ENTRY_SCORE_MIN, 0.60);
    sc_strategy_inputs flat = clear_long();
    flat.imbalance = 0.0;
    flat.ofi_steps = 0;
    flat.flow_imbalance = 0.0;
    flat.ema_ok = flat.rsi_ok = flat.bb_ok = flat.vwap_ok = false;
    ev = eval(f, &flat);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_SCORE_LOW, "score 0.000 < entry_score_min 0.60");
    assert_int_equal(ev.signal.n_reasons, 0); /* nothing contributed */
    /* Optional candle features absent: they count as 0, the score drops. */
    sc_strategy_inputs thin = clear_long();
    thin.ema_ok = thin.rsi_ok = thin.bb_ok = thin.vwap_ok = false;
    ev = eval(f, &thin);
    assert_true(fabs(ev.raw_score - (0.24 + 0.20 + 0.12)) < 1e-12);
    assert_false(has_reason(ev.signal.reasons, ev.signal.n_reasons, "momentum"));
    assert_int_equal(ev.signal.kind, SC_SIG_NONE); /* 0.56 < 0.60 */
    /* Only RSI of the momentum parts (no ATR for the EMA gap). */
    thin.rsi_ok = true;
    thin.atr_ok = false;
    ev = eval(f, &thin);
    assert_true(has_reason(ev.signal.reasons, ev.signal.n_reasons, "momentum +0.30 (RSI 65.0)"));
    /* The order size follows its parameter; the hold is capped at the limit. */
    set(f, SC_P_STRAT_ORDER_QTY_STEPS, 500);
    set(f, SC_P_STRAT_MAX_HOLD_S, 300);
    ev = eval(f, &in);
    assert_int_equal(ev.signal.kind, SC_SIG_ENTER_LONG);
    assert_int_equal(ev.signal.qty.steps, SC_LIMIT_MAX_POSITION_STEPS);
    assert_int_equal(ev.signal.max_hold_ns, SC_LIMIT_MAX_HOLD_NS);
}

static void test_position_and_order_block(void **state) {
    fixture *f = *state;
    sc_strategy_inputs in = clear_long();
    in.pos.side = SC_STRATEGY_LONG;
    in.pos.entry_px.ticks = 616000;
    in.pos.qty.steps = 10;
    in.pos.entry_ns = T0 - SC_NS_PER_S;
    in.pos.stop_px.ticks = 615000;
    in.pos.target_px.ticks = 617500;
    sc_strategy_eval ev = eval(f, &in);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_POSITION_OPEN, "position open (long 0.010 @ 61600.00)");
    assert_int_equal(ev.first_block, SC_STRATEGY_BLOCK_POSITION_OPEN);
    in.pos.entry_order_working = true;
    ev = eval(f, &in);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_ORDER_WORKING, "entry order working");
    assert_int_equal(ev.first_block, SC_STRATEGY_BLOCK_POSITION_OPEN);
    assert_int_equal(ev.n_why, 2);
    sc_strategy_inputs sh = clear_short();
    sh.pos.entry_order_working = true;
    ev = eval(f, &sh);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_ORDER_WORKING, "entry order working");
    assert_int_equal(ev.first_block, SC_STRATEGY_BLOCK_ORDER_WORKING);
    sc_strategy_counters c;
    sc_strategy_get_counters(f->st, &c);
    assert_int_equal(c.blocked[SC_STRATEGY_BLOCK_POSITION_OPEN], 2);
    assert_int_equal(c.blocked[SC_STRATEGY_BLOCK_ORDER_WORKING], 1);
    assert_int_equal(c.entries_long + c.entries_short, 0);
}

static void test_cooldown(void **state) {
    fixture *f = *state;
    sc_strategy_inputs in = clear_long();
    in.pos.last_exit_ns = T0 - 4 * SC_NS_PER_S;
    sc_strategy_eval ev = eval(f, &in);
    assert_blocked(&ev, SC_STRATEGY_BLOCK_COOLDOWN, "cooldown: 4.000 s since the last exit < 10 s");
    in.pos.last_exit_ns = T0 - 10 * SC_NS_PER_S + 1; /* one ns short */
    assert_int_equal(eval(f, &in).first_block, SC_STRATEGY_BLOCK_COOLDOWN);
    in.pos.last_exit_ns = T0 - 10 * SC_NS_PER_S; /* exactly over */
    assert_int_equal(eval(f, &in).signal.kind, SC_SIG_ENTER_LONG);
    in.pos.last_exit_ns = T0 - SC_NS_PER_S;
    set(f, SC_P_STRAT_COOLDOWN_S, 0.0);
    assert_int_equal(eval(f, &in).signal.kind, SC_SIG_ENTER_LONG);
}

/* A long opened from clear_long's signal. */
static sc_strategy_position long_pos(void) {
    sc_strategy_position p;
    memset(&p, 0, sizeof(p));
    p.side = SC_STRATEGY_LONG;
    p.entry_px.ticks = 617000;
    p.entry_ns = T0;
    p.qty.steps = 10;
    p.stop_px.ticks = 617000 - 741;
    p.target_px.ticks = 617000 + 1110;
    return p;
}

static sc_strategy_position short_pos(void) {
    sc_strategy_position p = long_pos();
    p.side = SC_STRATEGY_SHORT;
    p.entry_px.ticks = 617001;
    p.stop_px.ticks = 617001 + 741;
    p.target_px.ticks = 617001 - 1110;
    return p;
}

/* Neutral market at a given touch, with the position. */
static sc_strategy_inputs at(sc_strategy_position pos, sc_ns ts, int64_t bid, int64_t ask) {
    sc_strategy_inputs in = clear_long();
    in.imbalance = 0.0;
    in.ofi_steps = 0;
    in.flow_imbalance = 0.0;
    in.ema_ok = in.rsi_ok = in.bb_ok = in.vwap_ok = false;
    in.ts_ns = ts;
    in.bid = lv(bid, 1000);
    in.ask = lv(ask, 1000);
    in.pos = pos;
    return in;
}

static sc_signal exit_check(fixture *f, const sc_strategy_inputs *in) {
    sc_signal sig;
    sc_strategy_check_exit(f->st, in, &sig);
    assert_int_equal(sig.params_version, f->params.version);
    if (sig.kind == SC_SIG_EXIT) {
        assert_true(sig.n_reasons >= 1);
        assert_int_equal(sig.qty.steps, in->pos.qty.steps);
    } else {
        assert_int_equal(sig.kind, SC_SIG_NONE);
        assert_int_equal(sig.n_reasons, 0);
    }
    return sig;
}

static void test_exit_stop_and_target(void **state) {
    fixture *f = *state;
    sc_strategy_position p = long_pos();
    sc_strategy_inputs in = at(p, T0 + SC_NS_PER_S, 616260, 616261);
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE); /* one tick above the stop */
    in = at(p, T0 + SC_NS_PER_S, 616259, 616260);
    sc_signal sig = exit_check(f, &in);
    assert_int_equal(sig.exit_reason, SC_EXIT_STOP_LOSS);
    assert_true(sc_exit_is_protective(sig.exit_reason));
    assert_int_equal(sig.style, SC_ENTRY_TAKER);
    assert_int_equal(sig.entry_px.ticks, 616259); /* the bid it would sell at */
    assert_string_equal(sig.reasons[0].text, "stop-loss: bid 61625.90 <= stop 61625.90");
    /* The last trade through the stop triggers too, also without a book. */
    in = at(p, T0 + SC_NS_PER_S, 616300, 616301);
    in.last_ok = true;
    in.last_px.ticks = 616250;
    in.book_synced = false;
    sig = exit_check(f, &in);
    assert_int_equal(sig.exit_reason, SC_EXIT_STOP_LOSS);
    assert_int_equal(sig.entry_px.ticks, 0);
    assert_string_equal(sig.reasons[0].text, "stop-loss: last trade 61625.00 <= stop 61625.90");
    in = at(p, T0 + SC_NS_PER_S, 618109, 618110);
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE); /* bid one tick short */
    in = at(p, T0 + SC_NS_PER_S, 618110, 618111);
    sig = exit_check(f, &in);
    assert_int_equal(sig.exit_reason, SC_EXIT_TAKE_PROFIT);
    assert_false(sc_exit_is_protective(sig.exit_reason));
    assert_string_equal(sig.reasons[0].text, "take-profit: bid 61811.00 >= target 61811.00");
    /* Short: the ask is what it buys back at. */
    sc_strategy_position s = short_pos();
    in = at(s, T0 + SC_NS_PER_S, 617741, 617742);
    sig = exit_check(f, &in);
    assert_int_equal(sig.exit_reason, SC_EXIT_STOP_LOSS);
    assert_string_equal(sig.reasons[0].text, "stop-loss: ask 61774.20 >= stop 61774.20");
    in = at(s, T0 + SC_NS_PER_S, 615890, 615891);
    sig = exit_check(f, &in);
    assert_int_equal(sig.exit_reason, SC_EXIT_TAKE_PROFIT);
    assert_int_equal(sig.entry_px.ticks, 615891);
    in = at(s, T0 + SC_NS_PER_S, 615891, 615892);
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
    /* Flat: nothing to exit. */
    in = at(s, T0, 1, 2);
    memset(&in.pos, 0, sizeof(in.pos));
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
}

static void test_exit_trailing(void **state) {
    fixture *f = *state;
    set(f, SC_P_STRAT_TRAIL_BPS, 5.0);
    sc_strategy_position p = long_pos();
    sc_px best, trail;
    /* 617000 x 5 bps = 308.5 -> 309 ticks behind the entry. */
    sc_strategy_inputs in = at(p, T0 + 1, 616900, 616901);
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
    assert_true(sc_strategy_trail_get(f->st, &best, &trail));
    assert_int_equal(best.ticks, 617000); /* a worse bid does not move it */
    assert_int_equal(trail.ticks, 617000 - 309);
    /* The bid rises to 618000: x 5 bps = 309.0 exactly. */
    in = at(p, T0 + 2, 618000, 618001);
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
    assert_true(sc_strategy_trail_get(f->st, &best, &trail));
    assert_int_equal(best.ticks, 618000);
    assert_int_equal(trail.ticks, 617691);
    /* Falls back: the trail stays. A wider trail_bps does not loosen it. */
    in = at(p, T0 + 3, 617800, 617801);
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
    set(f, SC_P_STRAT_TRAIL_BPS, 50.0);
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
    assert_true(sc_strategy_trail_get(f->st, &best, &trail));
    assert_int_equal(trail.ticks, 617691);
    set(f, SC_P_STRAT_TRAIL_BPS, 5.0);
    in = at(p, T0 + 4, 617692, 617693);
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
    in = at(p, T0 + 5, 617691, 617692);
    sc_signal sig = exit_check(f, &in);
    assert_int_equal(sig.exit_reason, SC_EXIT_TRAILING_STOP);
    assert_true(sc_exit_is_protective(sig.exit_reason));
    assert_int_equal(sig.stop_px.ticks, 617691); /* the effective stop */
    assert_string_equal(sig.reasons[0].text,
                        "trailing stop: bid 61769.10 <= trail 61769.10 (best 61800.00)");
    /* A new position starts a new trail (short, mirrored). */
    sc_strategy_position s = short_pos();
    in = at(s, T0 + 10, 616000, 616001);
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
    assert_true(sc_strategy_trail_get(f->st, &best, &trail));
    assert_int_equal(best.ticks, 616001);
    assert_int_equal(trail.ticks, 616001 + 309); /* 308.0005 -> 309 */
    in = at(s, T0 + 11, 616309, 616310);
    assert_int_equal(exit_check(f, &in).exit_reason, SC_EXIT_TRAILING_STOP);
    /* Off: no trail reported, no trailing exit. */
    set(f, SC_P_STRAT_TRAIL_BPS, 0.0);
    assert_false(sc_strategy_trail_get(f->st, &best, &trail));
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
}

static void test_exit_max_hold(void **state) {
    fixture *f = *state;
    sc_strategy_position p = long_pos();
    sc_strategy_inputs in = at(p, T0 + 180 * SC_NS_PER_S - 1, 617000, 617001);
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
    in.ts_ns = T0 + 180 * SC_NS_PER_S;
    sc_signal sig = exit_check(f, &in);
    assert_int_equal(sig.exit_reason, SC_EXIT_MAX_HOLD);
    assert_true(sc_exit_is_protective(sig.exit_reason));
    assert_string_equal(sig.reasons[0].text, "max hold: held 180.000 s >= 180.000 s");
    /* At the parameter's ceiling the hard limit holds; no book needed. */
    set(f, SC_P_STRAT_MAX_HOLD_S, 300);
    in.book_synced = false;
    in.ts_ns = T0 + SC_LIMIT_MAX_HOLD_NS - 1;
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
    in.ts_ns = T0 + SC_LIMIT_MAX_HOLD_NS;
    sig = exit_check(f, &in);
    assert_int_equal(sig.exit_reason, SC_EXIT_MAX_HOLD);
    assert_int_equal(sig.max_hold_ns, SC_LIMIT_MAX_HOLD_NS);
    sc_strategy_counters c;
    sc_strategy_get_counters(f->st, &c);
    assert_int_equal(c.exits[SC_EXIT_MAX_HOLD], 2);
    assert_int_equal(c.exit_checks, 4);
}

static void test_exit_reversal_and_flags(void **state) {
    fixture *f = *state;
    sc_strategy_inputs in = clear_short();
    in.pos = long_pos();
    in.ts_ns = T0 + SC_NS_PER_S;
    sc_signal sig = exit_check(f, &in);
    assert_int_equal(sig.exit_reason, SC_EXIT_SIGNAL);
    assert_false(sc_exit_is_protective(sig.exit_reason));
    assert_true(has_reason(sig.reasons, sig.n_reasons,
                           "reversal: score -0.690 against long (entry_score_min 0.60)"));
    assert_true(has_reason(sig.reasons, sig.n_reasons, "book imbalance -0.80"));
    /* ATR levels without an ATR block entries, not a reversal. */
    set(f, SC_P_STRAT_SL_ATR_MULT, 1.0);
    in.atr_ok = false;
    assert_int_equal(exit_check(f, &in).exit_reason, SC_EXIT_SIGNAL);
    set(f, SC_P_STRAT_SL_ATR_MULT, 0.0);
    in.atr_ok = true;
    /* The same market agrees with a short: no exit. */
    in.pos = short_pos();
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
    /* Weak reversal: below entry_score_min, no exit. */
    in = clear_short();
    in.ofi_ok = false;
    in.pos = long_pos();
    set(f, SC_P_STRAT_W_OFI, 0.0);
    set(f, SC_P_STRAT_W_IMBALANCE, 0.05);
    assert_int_equal(exit_check(f, &in).kind, SC_SIG_NONE);
    assert_true(sc_exit_is_protective(SC_EXIT_STOP_LOSS));
    assert_true(sc_exit_is_protective(SC_EXIT_TRAILING_STOP));
    assert_true(sc_exit_is_protective(SC_EXIT_MAX_HOLD));
    assert_false(sc_exit_is_protective(SC_EXIT_TAKE_PROFIT));
    assert_false(sc_exit_is_protective(SC_EXIT_SIGNAL));
    assert_false(sc_exit_is_protective(SC_EXIT_NONE));
}

/* ---- texts of blocked evaluations skipped --------------------------------- */

/* Same evaluation from a strategy with every text (a) and one that skips
 * the texts of blocked evaluations (b): an entry byte for byte (the whole
 * struct: both are cleared first, so even the bytes after each text's NUL
 * agree); a blocked one in every field but the texts, b's texts empty
 * (the component texts of a PRICE block excepted: they are written before
 * that last check). */
static void assert_same_eval(const sc_strategy_eval *a, const sc_strategy_eval *b) {
    if (a->signal.kind != SC_SIG_NONE) {
        assert_int_equal(a->blocked_mask, 0);
        assert_memory_equal(a, b, sizeof(*a));
        return;
    }
    assert_int_equal(b->signal.kind, SC_SIG_NONE);
    assert_int_equal(a->first_block, b->first_block);
    assert_int_equal(a->blocked_mask, b->blocked_mask);
    assert_true(a->blocked_mask != 0);
    assert_int_equal(a->scored, b->scored);
    assert_memory_equal(&a->raw_score, &b->raw_score, sizeof(a->raw_score));
    assert_int_equal(a->n_why, b->n_why);
    for (uint32_t i = 0; i < a->n_why; i++) {
        assert_true(a->why[i].text[0] != '\0');
        assert_string_equal(b->why[i].text, "");
        assert_true(a->why[i].contribution == b->why[i].contribution);
    }
    sc_signal sa = a->signal, sb = b->signal;
    assert_int_equal(sa.n_reasons, sb.n_reasons);
    for (uint32_t i = 0; i < sa.n_reasons; i++) {
        assert_true(sa.reasons[i].text[0] != '\0');
        bool price = a->first_block == SC_STRATEGY_BLOCK_PRICE;
        assert_true(price ? strcmp(sa.reasons[i].text, sb.reasons[i].text) == 0
                          : sb.reasons[i].text[0] == '\0');
        memset(sa.reasons[i].text, 0, sizeof(sa.reasons[i].text));
        memset(sb.reasons[i].text, 0, sizeof(sb.reasons[i].text));
    }
    assert_memory_equal(&sa, &sb, sizeof(sa)); /* every other field of the signal */
}

/* A candle's inputs, drawn around a random walk so that every filter
 * blocks now and then and entries come often (see test_skip_blocked_text). */
static void draw_inputs(sc_rng *g, int64_t mid_ticks, sc_strategy_inputs *in) {
    sc_ns ts = in->ts_ns;
    sc_strategy_position pos = in->pos;
    *in = clear_long();
    in->ts_ns = ts;
    in->pos = pos;
    uint64_t book = sc_rng_below(g, 100);
    int64_t bid = book == 0 ? 1 : mid_ticks; /* 1 tick: no stop fits, a PRICE block */
    in->book_synced = book != 1;
    in->bid = lv(bid, 1 + (int64_t)sc_rng_below(g, 3000));
    in->ask = lv(book == 2 ? bid : bid + 1, 1 + (int64_t)sc_rng_below(g, 3000));
    in->imbalance_ok = sc_rng_below(g, 40) != 0;
    in->imbalance = 2.0 * sc_rng_unit(g) - 1.0;
    in->ofi_ok = sc_rng_below(g, 40) != 0;
    in->ofi_gross_steps = (int64_t)sc_rng_below(g, 5000);
    in->ofi_steps =
        (int64_t)sc_rng_below(g, 2 * (uint64_t)in->ofi_gross_steps + 1) - in->ofi_gross_steps;
    in->flow_ok = sc_rng_below(g, 40) != 0;
    in->flow_imbalance = 2.0 * sc_rng_unit(g) - 1.0;
    in->ema_ok = sc_rng_below(g, 5) != 0;
    in->ema_fast_ticks = (double)mid_ticks + 40.0 * sc_rng_unit(g) - 20.0;
    in->rsi_ok = sc_rng_below(g, 5) != 0;
    in->rsi = 100.0 * sc_rng_unit(g);
    in->bb_ok = sc_rng_below(g, 5) != 0;
    in->bb_pct_b = 2.0 * sc_rng_unit(g) - 0.5;
    in->vwap_ok = sc_rng_below(g, 5) != 0;
    in->vwap_dist_bps = 10.0 * sc_rng_unit(g) - 5.0;
    in->atr_ok = sc_rng_below(g, 10) != 0;
    in->atr_ticks = sc_rng_below(g, 20) == 0 ? 0.0 : 40.0 * sc_rng_unit(g);
    in->vol_ok = sc_rng_below(g, 10) != 0;
    in->vol_regime = (sc_volatility_regime)(SC_VOLATILITY_REGIME_LOW +
                                            (int)sc_rng_below(g, SC_VOLATILITY_REGIME_EXTREME -
                                                                     SC_VOLATILITY_REGIME_LOW + 1));
    in->regime = (sc_regime)sc_rng_below(g, SC_REGIME_COUNT);
    in->htf_bias = (sc_bias)sc_rng_below(g, 3);
    in->pos.entry_order_working = sc_rng_below(g, 30) == 0;
}

/* The naive position of the sequence: an entry fills at its price at once;
 * an exit closes. Both strategies see the same position. */
static void follow(const sc_signal *sig, sc_ns ts, sc_strategy_position *pos) {
    if (sig->kind == SC_SIG_EXIT) {
        memset(pos, 0, sizeof(*pos));
        pos->last_exit_ns = ts;
    } else if (sig->kind == SC_SIG_ENTER_LONG || sig->kind == SC_SIG_ENTER_SHORT) {
        pos->side = sig->kind == SC_SIG_ENTER_LONG ? SC_STRATEGY_LONG : SC_STRATEGY_SHORT;
        pos->entry_px = sig->entry_px;
        pos->entry_ns = ts;
        pos->qty = sig->qty;
        pos->stop_px = sig->stop_px;
        pos->target_px = sig->target_px;
    }
}

enum { SKIP_TEXT_CANDLES = 20000, SKIP_TEXT_SEED = 20250817 };

static void twin_create(sc_params *p, sc_strategy **a, sc_strategy **b) {
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    sc_strategy_config ca = {p, ins, false};
    sc_strategy_config cb = {p, ins, true};
    assert_int_equal(sc_strategy_create(&ca, a), SC_OK);
    assert_int_equal(sc_strategy_create(&cb, b), SC_OK);
}

/* A seeded sequence of 1 s candles through two strategies on the same
 * params and position: one with every text, one skipping the texts of
 * blocked evaluations. Every non-text field must agree on every candle,
 * every entry and exit byte for byte, the counters at the end; every
 * filter must have blocked at least once and entries and exits come.
 * Halfway the levels switch to ATRs with a trail (params are read at each
 * call). */
static void test_skip_blocked_text(void **state) {
    (void)state;
    sc_params p;
    sc_params_defaults(&p);
    p.version = VERSION;
    p.v[SC_P_STRAT_ENTRY_SCORE_MIN] = 0.30;
    p.v[SC_P_STRAT_HTF_FILTER] = 1.0;
    assert_int_equal(sc_params_validate(&p, NULL), SC_OK);
    sc_strategy *a = NULL, *b = NULL;
    twin_create(&p, &a, &b);
    sc_rng g;
    sc_rng_seed(&g, SKIP_TEXT_SEED);
    sc_strategy_inputs in;
    memset(&in, 0, sizeof(in));
    int64_t mid = 617000;
    uint32_t seen_mask = 0;
    uint64_t entries = 0, exits = 0;
    for (int k = 0; k < SKIP_TEXT_CANDLES; k++) {
        if (k == SKIP_TEXT_CANDLES / 2) {
            p.v[SC_P_STRAT_SL_ATR_MULT] = 2.0;
            p.v[SC_P_STRAT_TP_ATR_MULT] = 3.0;
            p.v[SC_P_STRAT_TRAIL_BPS] = 1.0;
            assert_int_equal(sc_params_validate(&p, NULL), SC_OK);
        }
        in.ts_ns = T0 + (sc_ns)k * SC_NS_PER_S;
        mid += (int64_t)sc_rng_below(&g, 21) - 10;
        draw_inputs(&g, mid, &in);
        sc_strategy_eval ea, eb;
        sc_strategy_evaluate(a, &in, &ea);
        sc_strategy_evaluate(b, &in, &eb);
        assert_same_eval(&ea, &eb);
        seen_mask |= ea.blocked_mask;
        entries += ea.signal.kind != SC_SIG_NONE;
        if (in.pos.side == SC_STRATEGY_FLAT) {
            follow(&ea.signal, in.ts_ns, &in.pos);
            continue;
        }
        sc_signal xa, xb;
        sc_strategy_check_exit(a, &in, &xa);
        sc_strategy_check_exit(b, &in, &xb);
        assert_memory_equal(&xa, &xb, sizeof(xa));
        exits += xa.kind == SC_SIG_EXIT;
        follow(&xa, in.ts_ns, &in.pos);
    }
    sc_strategy_counters ca, cb;
    sc_strategy_get_counters(a, &ca);
    sc_strategy_get_counters(b, &cb);
    assert_memory_equal(&ca, &cb, sizeof(ca));
    print_message("skip_blocked_text: %d candles, %llu entries, %llu exits, mask %#x\n",
                  SKIP_TEXT_CANDLES, (unsigned long long)entries, (unsigned long long)exits,
                  seen_mask);
    assert_int_equal(seen_mask, ((1u << SC_STRATEGY_BLOCK_COUNT) - 1u) & ~1u);
    assert_true(entries > 0 && exits > 0 && ca.blocked[SC_STRATEGY_BLOCK_PRICE] > 0);
    sc_strategy_destroy(a);
    sc_strategy_destroy(b);
}

/* ---- real capture -------------------------------------------------------- */

#define CAPTURE "binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst"

enum { EMA_FAST_N = 9, EMA_SLOW_N = 21, RSI_N = 14, BB_N = 20, ATR_N = 14, OFI_CAP = 1 << 16 };

typedef struct {
    const sc_instrument *ins;
    sc_params params;
    sc_decoder *dec;
    sc_book *book;
    sc_tape *tape;
    sc_ofi *ofi;
    sc_candles *candles;
    sc_ema ema_fast, ema_slow;
    sc_rsi rsi;
    sc_atr atr;
    sc_bollinger *bb;
    sc_vwap *vwap;
    sc_volatility *vol;
    sc_strategy *st;
    sc_strategy *st_quiet; /* the same, skipping the texts of blocked evaluations */
    /* the gross OFI: |e| of the same updates over the same window */
    sc_ns ofi_window_ns;
    bool have_quote;
    sc_level prev_bid, prev_ask;
    sc_ns gross_ts[OFI_CAP];
    int64_t gross_e[OFI_CAP];
    uint32_t gross_head, gross_n;
    int64_t gross_sum;
    sc_ns clock;
    bool have_last;
    sc_px last_px;
    sc_strategy_position pos;
    /* counts */
    uint64_t tickers, evaluations, entries, exits, in_position_evals, candles_1s;
    uint64_t exits_by[SC_EXIT_SIGNAL + 1];
    uint64_t reasons_total;
    uint64_t trail_moves; /* times the trailing stop tightened */
    bool have_trail;
    sc_px trail_px;
} real_run;

static void real_open(real_run *r, const sc_params *params) {
    memset(r, 0, sizeof(*r));
    r->ins = sc_instrument_find("usdm:BTCUSDT");
    r->params = *params;
    sc_decoder_config dc = {r->ins, 0};
    sc_book_config bc = {r->ins, 0, 0, 0, 0};
    sc_tape_config tc = {
        r->ins, sc_params_get_int(&r->params, SC_P_STRAT_FLOW_WINDOW_MS) * SC_NS_PER_MS, 0};
    r->ofi_window_ns = sc_params_get_int(&r->params, SC_P_STRAT_OFI_WINDOW_MS) * SC_NS_PER_MS;
    sc_ofi_config oc = {r->ofi_window_ns, OFI_CAP};
    sc_candles_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.ins = r->ins;
    cc.source = SC_CANDLES_FROM_TRADES;
    cc.n_tf = 1;
    cc.tf_ns[0] = SC_NS_PER_S;
    sc_bollinger_config bbc = {BB_N, 2.0};
    sc_vwap_config vc = {60};
    sc_volatility_config volc = {30, 0.0, 300, 30, 25.0, 75.0, 95.0};
    sc_strategy_config sc = {&r->params, r->ins, false};
    sc_strategy_config sq = {&r->params, r->ins, true};
    assert_int_equal(sc_decoder_create(&dc, &r->dec), SC_OK);
    assert_int_equal(sc_book_create(&bc, &r->book), SC_OK);
    assert_int_equal(sc_tape_create(&tc, &r->tape), SC_OK);
    assert_int_equal(sc_ofi_create(&oc, &r->ofi), SC_OK);
    assert_int_equal(sc_candles_create(&cc, &r->candles), SC_OK);
    assert_int_equal(sc_ema_init(&r->ema_fast, EMA_FAST_N), SC_OK);
    assert_int_equal(sc_ema_init(&r->ema_slow, EMA_SLOW_N), SC_OK);
    assert_int_equal(sc_rsi_init(&r->rsi, RSI_N), SC_OK);
    assert_int_equal(sc_atr_init(&r->atr, ATR_N), SC_OK);
    assert_int_equal(sc_bollinger_create(&bbc, &r->bb), SC_OK);
    assert_int_equal(sc_vwap_create(&vc, &r->vwap), SC_OK);
    assert_int_equal(sc_volatility_create(&volc, &r->vol), SC_OK);
    assert_int_equal(sc_strategy_create(&sc, &r->st), SC_OK);
    assert_int_equal(sc_strategy_create(&sq, &r->st_quiet), SC_OK);
}

static void real_close(real_run *r) {
    sc_strategy_destroy(r->st);
    sc_strategy_destroy(r->st_quiet);
    sc_volatility_destroy(r->vol);
    sc_vwap_destroy(r->vwap);
    sc_bollinger_destroy(r->bb);
    sc_candles_destroy(r->candles);
    sc_ofi_destroy(r->ofi);
    sc_tape_destroy(r->tape);
    sc_book_destroy(r->book);
    sc_decoder_destroy(r->dec);
}

static void advance(real_run *r, sc_ns t) {
    if (t > r->clock) {
        r->clock = t;
    }
}

/* Closed 1 s candles update the momentum and mean-reversion features. */
static void drain_candles(real_run *r) {
    sc_candle k;
    while (sc_candles_next(r->candles, &k)) {
        double c = (double)k.close.ticks;
        sc_ema_update(&r->ema_fast, c);
        sc_ema_update(&r->ema_slow, c);
        sc_rsi_update(&r->rsi, c);
        sc_atr_update(&r->atr, (double)k.high.ticks, (double)k.low.ticks, c);
        assert_int_equal(sc_bollinger_update(r->bb, c), SC_OK);
        assert_int_equal(sc_volatility_update(r->vol, c), SC_OK);
        r->candles_1s++;
    }
}

/* One quote for the OFI and its gross, at the clock. Both windows are
 * (t - W, t] and keep only updates with e != 0, so |OFI| <= gross exactly. */
static void quote(real_run *r, sc_level bid, sc_level ask) {
    assert_int_equal(sc_ofi_update(r->ofi, r->clock, bid, ask), SC_OK);
    if (r->have_quote) {
        int64_t e = sc_ofi_event(r->prev_bid, r->prev_ask, bid, ask);
        if (e != 0) {
            assert_true(r->gross_n < OFI_CAP);
            uint32_t at = (r->gross_head + r->gross_n++) % OFI_CAP;
            r->gross_ts[at] = r->clock;
            r->gross_e[at] = e < 0 ? -e : e;
            r->gross_sum += r->gross_e[at];
        }
    }
    while (r->gross_n > 0 && r->gross_ts[r->gross_head] <= r->clock - r->ofi_window_ns) {
        r->gross_sum -= r->gross_e[r->gross_head];
        r->gross_head = (r->gross_head + 1) % OFI_CAP;
        r->gross_n--;
    }
    r->have_quote = true;
    r->prev_bid = bid;
    r->prev_ask = ask;
}

static void fill_features(real_run *r, sc_strategy_inputs *in) {
    sc_tape_stats ts;
    sc_tape_stats_at(r->tape, r->clock, &ts);
    in->flow_ok = ts.warm;
    in->flow_imbalance = ts.imbalance;
    in->ofi_ok = sc_ofi_get(r->ofi, &in->ofi_steps);
    in->ofi_gross_steps = r->gross_sum;
    double v;
    in->ema_ok = sc_ema_get(&r->ema_fast, &in->ema_fast_ticks) &&
                 sc_ema_get(&r->ema_slow, &in->ema_slow_ticks);
    in->rsi_ok = sc_rsi_get(&r->rsi, &in->rsi);
    in->atr_ok = sc_atr_get(&r->atr, &in->atr_ticks);
    sc_bollinger_value bv;
    in->bb_ok = sc_bollinger_get(r->bb, &bv);
    in->bb_pct_b = in->bb_ok ? bv.pct_b : 0.0;
    double mid = 0.5 * ((double)in->bid.px.ticks + (double)in->ask.px.ticks);
    in->vwap_ok =
        sc_vwap_session_get(r->vwap, &v) && sc_vwap_distance_bps(mid, v, &in->vwap_dist_bps);
    sc_volatility_class vc;
    in->vol_ok = sc_volatility_regime_get(r->vol, &vc);
    in->vol_regime = in->vol_ok ? vc.regime : SC_VOLATILITY_REGIME_LOW;
}

static void build_inputs(real_run *r, const sc_book_ticker *bt, sc_strategy_inputs *in) {
    memset(in, 0, sizeof(*in));
    in->ts_ns = r->clock;
    in->book_synced = sc_book_is_synced(r->book);
    in->bid = bt->bid;
    in->ask = bt->ask;
    uint32_t levels = (uint32_t)sc_params_get_int(&r->params, SC_P_STRAT_IMBALANCE_LEVELS);
    in->imbalance_ok = sc_book_imbalance(r->book, levels, &in->imbalance) == SC_OK;
    in->imbalance_levels = levels;
    in->last_ok = r->have_last;
    in->last_px = r->last_px;
    fill_features(r, in);
    in->regime = SC_REGIME_UNKNOWN; /* the regime and SMC detectors are not wired here */
    in->htf_bias = SC_BIAS_NONE;
    in->pos = r->pos;
}

static void check_entry(const real_run *r, const sc_signal *sig) {
    assert_true(sig->n_reasons >= 1);
    assert_int_equal(sig->params_version, r->params.version);
    assert_true(sig->qty.steps >= 1 && sig->qty.steps <= SC_LIMIT_MAX_POSITION_STEPS);
    assert_true(sig->score >= sc_params_get(&r->params, SC_P_STRAT_ENTRY_SCORE_MIN));
    if (sig->kind == SC_SIG_ENTER_LONG) {
        assert_true(sig->stop_px.ticks < sig->entry_px.ticks);
        assert_true(sig->target_px.ticks > sig->entry_px.ticks);
    } else {
        assert_int_equal(sig->kind, SC_SIG_ENTER_SHORT);
        assert_true(sig->stop_px.ticks > sig->entry_px.ticks);
        assert_true(sig->target_px.ticks < sig->entry_px.ticks);
    }
}

/* The trail of the open position only ever tightens. */
static void check_trail(real_run *r) {
    sc_px best, trail;
    if (!sc_strategy_trail_get(r->st, &best, &trail)) {
        return;
    }
    bool lng = r->pos.side == SC_STRATEGY_LONG;
    assert_true(lng ? trail.ticks < best.ticks : trail.ticks > best.ticks);
    if (r->have_trail) {
        assert_true(lng ? trail.ticks >= r->trail_px.ticks : trail.ticks <= r->trail_px.ticks);
        r->trail_moves += trail.ticks != r->trail_px.ticks;
    }
    r->have_trail = true;
    r->trail_px = trail;
}

/* One evaluation per bookTicker: exits while in a position, else entries.
 * The naive position fills at the proposed price at once. */
static void on_ticker(real_run *r, const sc_book_ticker *bt) {
    r->tickers++;
    advance(r, bt->ts_txn_ns != 0 ? bt->ts_txn_ns : bt->ts_exch_ns);
    if (bt->bid.px.ticks > 0 && bt->ask.px.ticks > bt->bid.px.ticks) {
        quote(r, bt->bid, bt->ask);
    }
    assert_int_equal(sc_candles_close_until(r->candles, r->clock), SC_OK);
    drain_candles(r);
    sc_strategy_inputs in;
    build_inputs(r, bt, &in);
    sc_strategy_eval ev;
    sc_strategy_evaluate(r->st, &in, &ev);
    sc_strategy_eval quiet;
    sc_strategy_evaluate(r->st_quiet, &in, &quiet);
    assert_same_eval(&ev, &quiet);
    r->evaluations++;
    assert_int_equal(ev.signal.params_version, r->params.version);
    if (r->pos.side != SC_STRATEGY_FLAT) {
        r->in_position_evals++;
        assert_int_equal(ev.signal.kind, SC_SIG_NONE);
        assert_true((ev.blocked_mask & (1u << SC_STRATEGY_BLOCK_POSITION_OPEN)) != 0);
        sc_signal ex;
        sc_strategy_check_exit(r->st, &in, &ex);
        sc_signal ex_quiet;
        sc_strategy_check_exit(r->st_quiet, &in, &ex_quiet);
        assert_memory_equal(&ex, &ex_quiet, sizeof(ex));
        check_trail(r);
        assert_int_equal(ex.params_version, r->params.version);
        if (ex.kind == SC_SIG_EXIT) {
            assert_true(ex.n_reasons >= 1);
            r->exits++;
            r->exits_by[ex.exit_reason]++;
            memset(&r->pos, 0, sizeof(r->pos));
            r->pos.last_exit_ns = r->clock;
            r->have_trail = false;
        }
        return;
    }
    if (ev.signal.kind == SC_SIG_NONE) {
        assert_true(ev.n_why >= 1);
        return;
    }
    check_entry(r, &ev.signal);
    r->entries++;
    r->reasons_total += ev.signal.n_reasons;
    sc_ns last_exit = r->pos.last_exit_ns;
    r->pos.side = ev.signal.kind == SC_SIG_ENTER_LONG ? SC_STRATEGY_LONG : SC_STRATEGY_SHORT;
    r->pos.entry_px = ev.signal.entry_px;
    r->pos.entry_ns = r->clock;
    r->pos.qty = ev.signal.qty;
    r->pos.stop_px = ev.signal.stop_px;
    r->pos.target_px = ev.signal.target_px;
    r->pos.last_exit_ns = last_exit;
    if (r->entries == 1) {
        char buf[1024];
        assert_true(sc_strategy_explain(&ev, r->ins, buf, sizeof(buf)) > 0);
        print_message("first entry: %s\n", buf);
    }
}

static void on_event(real_run *r, const sc_event *ev) {
    sc_book_result br;
    switch (ev->kind) {
    case SC_EV_DEPTH:
        advance(r, ev->u.depth.ts_txn_ns != 0 ? ev->u.depth.ts_txn_ns : ev->u.depth.ts_exch_ns);
        assert_int_equal(sc_book_on_depth(r->book, &ev->u.depth, &br), SC_OK);
        break;
    case SC_EV_SNAPSHOT:
        assert_int_equal(sc_book_on_snapshot(r->book, &ev->u.snapshot, &br), SC_OK);
        break;
    case SC_EV_TRADE: {
        const sc_trade *tr = &ev->u.trade;
        advance(r, tr->ts_trade_ns);
        sc_trade agg;
        bool ready;
        assert_int_equal(sc_tape_on_trade(r->tape, tr, &agg, &ready), SC_OK);
        assert_int_equal(sc_candles_on_trade(r->candles, tr), SC_OK);
        drain_candles(r);
        assert_int_equal(sc_vwap_update_trade(r->vwap, tr->ts_trade_ns, (double)tr->px.ticks,
                                              (double)tr->qty.steps),
                         SC_OK);
        r->have_last = true;
        r->last_px = tr->px;
        break;
    }
    case SC_EV_BOOK_TICKER:
        on_ticker(r, &ev->u.book_ticker);
        break;
    default:
        break;
    }
}

static void real_replay(const char *path, real_run *r) {
    sc_capture_reader *rd = NULL;
    sc_capture_reader_config rc = {0};
    sc_errinfo ei;
    const char *pp[] = {path};
    assert_int_equal(sc_capture_reader_open(&rc, pp, 1, &rd, &ei), SC_OK);
    sc_capture_line ln;
    sc_err e;
    while ((e = sc_capture_reader_next(rd, &ln, &ei)) != SC_ERR_EOF) {
        assert_int_equal(e, SC_OK);
        sc_event ev;
        e = sc_decoder_decode(r->dec, ln.json, ln.json_len, ln.ts_local_ns, &ev, &ei);
        if (e == SC_ERR_UNKNOWN_STREAM) {
            continue;
        }
        assert_int_equal(e, SC_OK);
        on_event(r, &ev);
    }
    sc_capture_reader_close(rd);
}

static void real_report(const char *label, const real_run *r, const sc_strategy_counters *c) {
    print_message("%s: %llu bookTickers, %llu 1s candles, %llu evaluations (%llu in position)\n",
                  label, (unsigned long long)r->tickers, (unsigned long long)r->candles_1s,
                  (unsigned long long)r->evaluations, (unsigned long long)r->in_position_evals);
    print_message("  entries %llu (long %llu, short %llu, taker %llu), %.2f reasons each\n",
                  (unsigned long long)r->entries, (unsigned long long)c->entries_long,
                  (unsigned long long)c->entries_short, (unsigned long long)c->entries_taker,
                  r->entries ? (double)r->reasons_total / (double)r->entries : 0.0);
    print_message("  exits %llu: stop %llu, trail %llu (tightened %llu times), target %llu, "
                  "max hold %llu, reversal %llu\n",
                  (unsigned long long)r->exits, (unsigned long long)r->exits_by[SC_EXIT_STOP_LOSS],
                  (unsigned long long)r->exits_by[SC_EXIT_TRAILING_STOP],
                  (unsigned long long)r->trail_moves,
                  (unsigned long long)r->exits_by[SC_EXIT_TAKE_PROFIT],
                  (unsigned long long)r->exits_by[SC_EXIT_MAX_HOLD],
                  (unsigned long long)r->exits_by[SC_EXIT_SIGNAL]);
    for (int b = 1; b < SC_STRATEGY_BLOCK_COUNT; b++) {
        print_message("  blocked first by %-13s %llu\n",
                      sc_strategy_block_name((sc_strategy_block)b),
                      (unsigned long long)c->blocked[b]);
    }
}

/* Replays the capture once with params; asserts the run's invariants. */
static void real_run_with(const char *path, const char *label, const sc_params *params,
                          real_run *r) {
    real_open(r, params);
    real_replay(path, r);
    sc_strategy_counters c;
    sc_strategy_get_counters(r->st, &c);
    sc_strategy_counters cq;
    sc_strategy_get_counters(r->st_quiet, &cq);
    assert_memory_equal(&c, &cq, sizeof(c));
    real_report(label, r, &c);
    assert_true(r->entries > 0);
    assert_true(r->exits > 0);
    assert_int_equal(c.entries_long + c.entries_short, r->entries);
    assert_int_equal(c.evaluations, r->evaluations);
    assert_int_equal(r->entries - r->exits, r->pos.side != SC_STRATEGY_FLAT ? 1 : 0);
    real_close(r);
}

/* Evaluated on every bookTicker (event time: its T), with the touch from
 * the bookTicker, the top-5 imbalance from the depth book, OFI and gross
 * OFI over 2 s of bookTicker quotes, the trade flow over 5 s from the
 * tape, and the candle features from 1 s candles of the trades (the
 * capture is 6 minutes long: 1 m candles would not warm up). Regime and
 * bias are fixed (unknown, none): their detectors are not wired here.
 * Run 1: the defaults. Run 2: ATR stops and targets, a trailing stop, a
 * lower entry bar and a short cooldown, to exercise those exits. */
static void test_real_capture(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(CAPTURE, path);
    real_run *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    sc_params p;
    sc_params_defaults(&p);
    p.version = 7;
    real_run_with(path, "real capture, defaults", &p, r);
    p.version = 8;
    p.v[SC_P_STRAT_SL_ATR_MULT] = 4.0;
    p.v[SC_P_STRAT_TP_ATR_MULT] = 8.0;
    p.v[SC_P_STRAT_TRAIL_BPS] = 1.0;
    p.v[SC_P_STRAT_ENTRY_SCORE_MIN] = 0.50;
    p.v[SC_P_STRAT_COOLDOWN_S] = 2;
    assert_int_equal(sc_params_validate(&p, NULL), SC_OK);
    real_run_with(path, "real capture, ATR levels and a 1 bp trail", &p, r);
    assert_true(r->trail_moves > 0);
    free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rejects),
        cmocka_unit_test_setup_teardown(test_clear_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clear_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maker_taker_threshold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atr_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_levels_rounding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters_book_and_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters_htf_bias, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters_score_and_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_position_and_order_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cooldown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_stop_and_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_trailing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_max_hold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exit_reversal_and_flags, setup, teardown),
        cmocka_unit_test(test_skip_blocked_text),
        cmocka_unit_test(test_real_capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
