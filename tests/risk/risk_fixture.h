/* risk_fixture.h: helpers shared by the tests/risk tests (not a test
 * itself: only test_*.c files are registered).
 *
 * A "perfect" situation that every level of the veto gate allows: BTCUSDT
 * at bid 99999.9 / ask 100000.1 (mid 100000.0, spread 0.02 bps), deep top of
 * book, a fresh book, clocks in step, 4 h from any funding time, an account
 * of 10000 USDT with no loss, a flat position, a buy entry of 0.010 BTC at
 * the bid with its stop below and target above, and an advisor answer
 * enter_long accepted. Each test then breaks one thing.
 */
#ifndef SC_TESTS_RISK_FIXTURE_H
#define SC_TESTS_RISK_FIXTURE_H

#include "support/support.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/instrument.h"
#include "core/params.h"
#include "risk/veto.h"

/* 2024-01-01 04:00:00 UTC: 4 h from the funding times on either side. */
#define FX_T0_NS (INT64_C(1704081600) * SC_NS_PER_S)
/* Prices in ticks of 0.1 USDT. */
#define FX_MID_TICKS INT64_C(1000000) /* 100000.0 */
#define FX_BID_TICKS (FX_MID_TICKS - 1)
#define FX_ASK_TICKS (FX_MID_TICKS + 1)
/* 10000 USDT in 1e-8. */
#define FX_EQUITY_E8 (INT64_C(10000) * INT64_C(100000000))

static inline const sc_instrument *fx_ins(void) {
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    assert_non_null(ins);
    return ins;
}

static inline sc_level fx_level(int64_t px_ticks, int64_t qty_steps) {
    sc_level l = {{px_ticks}, {qty_steps}};
    return l;
}

static inline sc_order_intent fx_entry(sc_side side, int64_t qty_steps) {
    sc_order_intent it;
    memset(&it, 0, sizeof(it));
    snprintf(it.client_id, sizeof(it.client_id), "sc-test-1");
    it.side = side;
    it.type = SC_ORD_LIMIT;
    it.tif = SC_TIF_GTX;
    bool buy = side == SC_SIDE_BUY;
    it.px.ticks = buy ? FX_BID_TICKS : FX_ASK_TICKS;
    it.qty.steps = qty_steps;
    it.reduce_only = false;
    it.purpose = SC_PURPOSE_ENTRY;
    it.stop_px.ticks = buy ? FX_BID_TICKS - 1200 : FX_ASK_TICKS + 1200; /* 12 bps */
    it.target_px.ticks = buy ? FX_BID_TICKS + 1800 : FX_ASK_TICKS - 1800;
    it.ts_ns = FX_T0_NS;
    return it;
}

/* An exit of the given purpose closing qty_steps of a position of pos_steps. */
static inline sc_order_intent fx_exit(sc_order_purpose purpose, int64_t pos_steps,
                                      int64_t qty_steps) {
    sc_order_intent it = fx_entry(pos_steps > 0 ? SC_SIDE_SELL : SC_SIDE_BUY, qty_steps);
    it.purpose = purpose;
    it.reduce_only = true;
    it.type = purpose == SC_PURPOSE_EXIT ? SC_ORD_LIMIT : SC_ORD_MARKET;
    it.tif = purpose == SC_PURPOSE_EXIT ? SC_TIF_GTX : SC_TIF_IOC;
    it.stop_px.ticks = 0;
    it.target_px.ticks = 0;
    return it;
}

static inline sc_position fx_position(int64_t qty_steps, sc_ns opened_ns) {
    sc_position p;
    memset(&p, 0, sizeof(p));
    p.qty_steps = qty_steps;
    p.cost_ticks_steps = qty_steps * FX_MID_TICKS;
    p.opened_ns = qty_steps != 0 ? opened_ns : 0;
    return p;
}

static inline sc_rulebook_account fx_account(void) {
    sc_rulebook_account a;
    memset(&a, 0, sizeof(a));
    a.equity.e8 = FX_EQUITY_E8;
    a.day_start_equity.e8 = FX_EQUITY_E8;
    a.peak_equity.e8 = FX_EQUITY_E8;
    a.consecutive_losses = 0;
    return a;
}

typedef struct {
    sc_rulebook *rb;
    sc_sanity_filters filters;
    sc_params params;
    sc_order_intent intent;
    sc_decision_answer answer;
    sc_decision_verdict ai;
    sc_veto_input in;
    sc_veto_verdict out;
} fx_gate;

static inline void fx_answer(fx_gate *g, sc_decision_action action) {
    memset(&g->answer, 0, sizeof(g->answer));
    memset(&g->ai, 0, sizeof(g->ai));
    g->answer.action = action;
    g->answer.confidence = 0.8;
    g->answer.size_fraction = sc_decision_is_entry(action) ? 1.0 : 0.0;
    g->answer.sl_bps = sc_decision_is_entry(action) ? 12.0 : 0.0;
    g->answer.tp_bps = sc_decision_is_entry(action) ? 18.0 : 0.0;
    g->answer.ttl_ms = 1000;
    snprintf(g->answer.reason, sizeof(g->answer.reason), "test answer");
    g->ai.reason = SC_DECISION_R_OK;
    g->ai.advised = action;
    g->in.ai_answer = &g->answer;
    g->in.ai_verdict = &g->ai;
}

/* The perfect situation with a rulebook of the given limits (NULL: hard). */
static inline void fx_gate_init(fx_gate *g, const sc_rulebook_config *cfg) {
    memset(g, 0, sizeof(*g));
    sc_errinfo err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(sc_rulebook_create(cfg, &g->rb, &err), SC_OK);
    sc_sanity_filters_default(fx_ins(), &g->filters);
    sc_params_defaults(&g->params);
    g->intent = fx_entry(SC_SIDE_BUY, 10);
    g->in.intent = &g->intent;
    g->in.pos = fx_position(0, 0);
    g->in.now_ns = FX_T0_NS;
    sc_forbidden_inputs_calm(&g->in.market, fx_level(FX_BID_TICKS, 5000),
                             fx_level(FX_ASK_TICKS, 5000), FX_T0_NS);
    g->in.account = fx_account();
    fx_answer(g, SC_DECISION_ENTER_LONG);
}

static inline void fx_gate_free(fx_gate *g) {
    sc_rulebook_destroy(g->rb);
    g->rb = NULL;
}

static inline bool fx_check(fx_gate *g) {
    return sc_veto_check(g->rb, &g->filters, &g->params, &g->in, &g->out);
}

/* Asserts a veto at level with reason, and prints the detail (documentation
 * of what an operator would read). */
static inline void fx_expect_veto(const sc_veto_verdict *v, sc_veto_level level,
                                  sc_veto_reason reason) {
    char line[400];
    print_message("  %s\n", sc_veto_verdict_format(v, line, sizeof(line)));
    assert_false(v->allowed);
    assert_string_equal(sc_veto_level_name(v->level), sc_veto_level_name(level));
    assert_string_equal(sc_veto_reason_name(v->reason), sc_veto_reason_name(reason));
    assert_true(v->detail[0] != '\0');
}

static inline void fx_expect_values(const sc_veto_verdict *v, double value, double limit,
                                    const char *unit) {
    assert_true(v->has_values);
    assert_true(fabs(v->value - value) < 1e-9 * (fabs(value) + 1.0));
    assert_true(fabs(v->limit - limit) < 1e-9 * (fabs(limit) + 1.0));
    assert_string_equal(v->unit, unit);
}

#endif
