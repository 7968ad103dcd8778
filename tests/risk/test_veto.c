/* test_veto.c: the veto gate. The hierarchy order (each level vetoes all
 * below it), every hard limit broken through the gate and refused at the
 * right level with its values (and the boundary allowed), what protective
 * exits and flatten orders pass, the AI level, and the reason-code table. */
#include "risk_fixture.h"

#include "core/rng.h"
#include "risk/veto.h"

#define USDT(x) ((int64_t)(x)*INT64_C(100000000))

static void set_equity(fx_gate *g, int64_t e8) {
    g->in.account.equity.e8 = e8;
    g->in.account.day_start_equity.e8 = e8;
    g->in.account.peak_equity.e8 = e8;
}

/* Moves the book to bid/ask (the entry at the bid, its stop and target
 * with it). */
static void set_book(fx_gate *g, int64_t bid, int64_t ask) {
    g->in.market.bid.px.ticks = bid;
    g->in.market.ask.px.ticks = ask;
    if (g->intent.purpose == SC_PURPOSE_ENTRY) {
        bool buy = g->intent.side == SC_SIDE_BUY;
        g->intent.px.ticks = buy ? bid : ask;
        g->intent.stop_px.ticks = g->intent.px.ticks + (buy ? -1200 : 1200);
        g->intent.target_px.ticks = g->intent.px.ticks + (buy ? 1800 : -1800);
    }
}

static void test_perfect_entry_is_allowed(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    assert_true(fx_check(&g));
    assert_true(g.out.allowed);
    assert_int_equal(g.out.level, SC_VETO_LEVEL_NONE);
    assert_int_equal(g.out.reason, SC_VETO_R_OK);
    assert_false(g.out.exit_required);
    assert_string_equal(g.out.rulebook_hash, sc_rulebook_hash(g.rb));
    char line[300];
    char want[300];
    snprintf(want, sizeof(want), "allowed; rulebook %.12s", sc_rulebook_hash(g.rb));
    assert_string_equal(sc_veto_verdict_format(&g.out, line, sizeof(line)), want);
    /* A short entry too. */
    g.intent = fx_entry(SC_SIDE_SELL, 10);
    fx_answer(&g, SC_DECISION_ENTER_SHORT);
    assert_true(fx_check(&g));
    fx_gate_free(&g);
}

static void test_kill_switch_vetoes_a_perfect_entry(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    g.in.kill_switch_tripped = true;
    g.in.kill_switch_reason = "manual: operator stop";
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_KILL_SWITCH, SC_VETO_R_KILL_SWITCH);
    assert_string_equal(g.out.detail, "kill switch tripped: manual: operator stop");
    assert_string_equal(g.out.rulebook_hash, sc_rulebook_hash(g.rb)); /* stamped on vetoes too */
    g.in.kill_switch_reason = NULL;
    assert_false(fx_check(&g));
    assert_int_equal(g.out.level, SC_VETO_LEVEL_KILL_SWITCH);
    /* A signal exit is refused as well; the switch flattens by itself. */
    g.in.pos = fx_position(10, FX_T0_NS - 60 * SC_NS_PER_S);
    g.intent = fx_exit(SC_PURPOSE_EXIT, 10, 10);
    assert_false(fx_check(&g));
    assert_int_equal(g.out.level, SC_VETO_LEVEL_KILL_SWITCH);
    /* Its flatten and any stop-loss go out. */
    g.intent = fx_exit(SC_PURPOSE_FLATTEN, 10, 10);
    assert_true(fx_check(&g));
    g.intent = fx_exit(SC_PURPOSE_PROTECTIVE_EXIT, 10, 10);
    assert_true(fx_check(&g));
    fx_gate_free(&g);
}

/* Every level broken at once; healing them one by one moves the verdict down
 * the hierarchy, level by level, to allowed. */
static void test_hierarchy_order(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    g.in.kill_switch_tripped = true;
    g.in.kill_switch_reason = "drawdown";
    g.in.market.news_blackout = true;                  /* forbidden */
    g.in.account.consecutive_losses = 5;               /* rulebook */
    g.intent.stop_px.ticks = g.intent.px.ticks + 1200; /* sanity: stop above a buy */
    fx_answer(&g, SC_DECISION_SKIP);                   /* AI */
    const struct {
        sc_veto_level level;
        sc_veto_reason reason;
    } steps[] = {
        {SC_VETO_LEVEL_KILL_SWITCH, SC_VETO_R_KILL_SWITCH},
        {SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_NEWS_BLACKOUT},
        {SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_CONSECUTIVE_LOSSES},
        {SC_VETO_LEVEL_SANITY, SC_VETO_R_STOP_WRONG_SIDE},
        {SC_VETO_LEVEL_AI, SC_VETO_R_AI_DECLINED},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        assert_false(fx_check(&g));
        fx_expect_veto(&g.out, steps[i].level, steps[i].reason);
        assert_int_equal(sc_veto_reason_level(g.out.reason), g.out.level);
        switch (steps[i].level) {
        case SC_VETO_LEVEL_KILL_SWITCH:
            g.in.kill_switch_tripped = false;
            break;
        case SC_VETO_LEVEL_FORBIDDEN:
            g.in.market.news_blackout = false;
            break;
        case SC_VETO_LEVEL_RULEBOOK:
            g.in.account.consecutive_losses = 4;
            break;
        case SC_VETO_LEVEL_SANITY:
            g.intent.stop_px.ticks = g.intent.px.ticks - 1200;
            break;
        default:
            fx_answer(&g, SC_DECISION_ENTER_LONG);
            break;
        }
    }
    assert_true(fx_check(&g));
    fx_gate_free(&g);
}

/* A forbidden condition decides before any rulebook limit, a rulebook limit
 * before any sanity check, a sanity check before the AI. */
static void test_each_level_vetoes_all_below(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    /* Every rulebook limit broken, and a stale book. */
    g.in.pos = fx_position(500, FX_T0_NS - 400 * SC_NS_PER_S);
    g.in.account.equity.e8 = USDT(9000);
    g.in.account.peak_equity.e8 = USDT(10000);
    g.in.account.consecutive_losses = 7;
    g.in.market.book_update_ns = FX_T0_NS - 10 * SC_NS_PER_S;
    g.intent.client_id[0] = '\0'; /* sanity */
    g.in.ai_answer = NULL;        /* AI */
    g.in.ai_verdict = NULL;
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_DATA_STALE);
    assert_true(g.out.exit_required); /* 400 s held: the engine must close it */
    g.in.market.book_update_ns = FX_T0_NS;
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_MAX_HOLD);
    g.in.pos = fx_position(0, 0);
    g.in.account = fx_account();
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_SANITY, SC_VETO_R_CLIENT_ID_INVALID);
    snprintf(g.intent.client_id, sizeof(g.intent.client_id), "sc-test-2");
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_AI, SC_VETO_R_AI_NO_ANSWER);
    fx_gate_free(&g);
}

/* ---- the eight hard limits, through the gate ---------------------------- */

static void test_gate_max_position(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    set_equity(&g, USDT(20000)); /* 0.5 BTC at 100000 is 2.5x here: leverage stays clear */
    g.in.pos = fx_position(500, FX_T0_NS - 10 * SC_NS_PER_S);
    g.intent = fx_entry(SC_SIDE_BUY, 1);
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_POSITION_LIMIT);
    fx_expect_values(&g.out, 0.501, 0.5, "BTC");
    g.in.pos = fx_position(490, FX_T0_NS - 10 * SC_NS_PER_S);
    g.intent = fx_entry(SC_SIDE_BUY, 10); /* just inside: to exactly 0.5 BTC */
    assert_true(fx_check(&g));
    g.intent = fx_entry(SC_SIDE_BUY, 11);
    assert_false(fx_check(&g));
    fx_gate_free(&g);
}

static void test_gate_daily_loss(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    g.in.account.equity.e8 = USDT(9800); /* 2 % of 10000 */
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_DAILY_LOSS);
    fx_expect_values(&g.out, 2.0, 2.0, "%");
    g.in.account.equity.e8 += 1;
    assert_true(fx_check(&g));
    fx_gate_free(&g);
}

static void test_gate_drawdown(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    set_equity(&g, USDT(11400));
    g.in.account.peak_equity.e8 = USDT(12000); /* 5 % below the peak */
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_DRAWDOWN);
    fx_expect_values(&g.out, 5.0, 5.0, "%");
    g.in.account.equity.e8 += 1;
    assert_true(fx_check(&g));
    fx_gate_free(&g);
}

static void test_gate_spread(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    /* 10.1 bps: refused whatever the settings. forbidden.spread_bps is at
     * most 10, so the forbidden level refuses it first. */
    g.params.v[SC_P_FORBID_SPREAD_BPS] = 10.0;
    set_book(&g, FX_MID_TICKS - 505, FX_MID_TICKS + 505);
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_SPREAD_WIDE);
    fx_expect_values(&g.out, 10.1, 10.0, "bps");
    set_book(&g, FX_MID_TICKS - 500, FX_MID_TICKS + 500); /* 10.0: inside */
    assert_true(fx_check(&g));
    fx_gate_free(&g);
    /* The rulebook's own check, with a tightened rulebook (8 bps) under
     * forbidden conditions at 10 bps. */
    sc_rulebook_config cfg = {sc_rulebook_limits_hard()};
    cfg.limits.spread_bps_x100_max = 800;
    fx_gate_init(&g, &cfg);
    g.params.v[SC_P_FORBID_SPREAD_BPS] = 10.0;
    set_book(&g, FX_MID_TICKS - 405, FX_MID_TICKS + 405);
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_SPREAD_LIMIT);
    fx_expect_values(&g.out, 8.1, 8.0, "bps");
    assert_string_equal(g.out.rulebook_hash, sc_rulebook_hash(g.rb));
    set_book(&g, FX_MID_TICKS - 400, FX_MID_TICKS + 400);
    assert_true(fx_check(&g));
    fx_gate_free(&g);
}

static void test_gate_min_hold(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    g.in.pos = fx_position(10, FX_T0_NS - 4900 * SC_NS_PER_MS); /* opened 4.9 s ago */
    fx_answer(&g, SC_DECISION_EXIT);
    g.intent = fx_exit(SC_PURPOSE_EXIT, 10, 10);
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_MIN_HOLD);
    fx_expect_values(&g.out, 4.9, 5.0, "s");
    /* The stop-loss at 4.9 s goes out; so does a flatten. */
    g.intent = fx_exit(SC_PURPOSE_PROTECTIVE_EXIT, 10, 10);
    assert_true(fx_check(&g));
    g.intent = fx_exit(SC_PURPOSE_FLATTEN, 10, 10);
    assert_true(fx_check(&g));
    /* Just inside: the signal exit at 5 s. */
    g.in.pos = fx_position(10, FX_T0_NS - 5 * SC_NS_PER_S);
    g.intent = fx_exit(SC_PURPOSE_EXIT, 10, 10);
    assert_true(fx_check(&g));
    fx_gate_free(&g);
}

static void test_gate_max_hold(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    g.in.pos = fx_position(10, FX_T0_NS - 300 * SC_NS_PER_S); /* held 300 s */
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_MAX_HOLD);
    fx_expect_values(&g.out, 300.0, 300.0, "s");
    assert_true(g.out.exit_required);
    /* The forced exit passes, and still says it is required. */
    g.intent = fx_exit(SC_PURPOSE_PROTECTIVE_EXIT, 10, 10);
    fx_answer(&g, SC_DECISION_HOLD); /* the advisor cannot keep it open */
    assert_true(fx_check(&g));
    assert_true(g.out.exit_required);
    /* Just inside: at 299.999999999 s nothing is due yet. */
    g.in.pos.opened_ns += 1;
    g.intent = fx_entry(SC_SIDE_BUY, 10);
    fx_answer(&g, SC_DECISION_ENTER_LONG);
    assert_true(fx_check(&g));
    assert_false(g.out.exit_required);
    fx_gate_free(&g);
}

static void test_gate_consecutive_losses(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    g.in.account.consecutive_losses = 5;
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_CONSECUTIVE_LOSSES);
    fx_expect_values(&g.out, 5.0, 5.0, "trades");
    g.in.account.consecutive_losses = 4;
    assert_true(fx_check(&g));
    fx_gate_free(&g);
}

static void test_gate_leverage(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    /* 0.300 BTC at the bid 99999.9 is 29999.97 USDT: equity 9999.99 makes
     * it exactly 3.00x, and 0.301 BTC 3.01x. */
    set_equity(&g, USDT(9999) + 99000000);
    g.intent = fx_entry(SC_SIDE_BUY, 301);
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_RULEBOOK, SC_VETO_R_LEVERAGE);
    fx_expect_values(&g.out, 3.01, 3.0, "x");
    g.intent = fx_entry(SC_SIDE_BUY, 300);
    assert_true(fx_check(&g));
    fx_gate_free(&g);
}

/* ---- protective orders, signal exits, the AI level ----------------------- */

static void test_protective_exits_pass_forbidden_and_ai(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    g.in.pos = fx_position(10, FX_T0_NS - SC_NS_PER_S); /* 1 s: inside min hold */
    /* Every forbidden condition at once, and no mid at all. */
    g.in.market.book_synced = false;
    g.in.market.bid.px.ticks = 0;
    g.in.market.book_update_ns = 0;
    g.in.market.clock_offset_known = false;
    g.in.market.news_blackout = true;
    g.in.market.move_bps = NAN;
    g.in.account.consecutive_losses = 5;
    g.in.account.equity.e8 = 0;
    fx_answer(&g, SC_DECISION_SKIP);
    sc_order_purpose prot[] = {SC_PURPOSE_PROTECTIVE_EXIT, SC_PURPOSE_FLATTEN};
    for (int i = 0; i < 2; i++) {
        g.intent = fx_exit(prot[i], 10, 10);
        assert_true(fx_check(&g));
        g.in.kill_switch_tripped = true;
        assert_true(fx_check(&g));
        g.in.kill_switch_tripped = false;
        /* ... but they must still be valid orders. */
        g.intent.reduce_only = false;
        assert_false(fx_check(&g));
        fx_expect_veto(&g.out, SC_VETO_LEVEL_SANITY, SC_VETO_R_REDUCE_ONLY_MISMATCH);
        g.intent = fx_exit(prot[i], 10, 11);
        assert_false(fx_check(&g));
        fx_expect_veto(&g.out, SC_VETO_LEVEL_SANITY, SC_VETO_R_EXCEEDS_POSITION);
        g.intent = fx_exit(prot[i], 10, 10);
        g.intent.side = SC_SIDE_BUY; /* adds to the long */
        assert_false(fx_check(&g));
        fx_expect_veto(&g.out, SC_VETO_LEVEL_SANITY, SC_VETO_R_SIDE_MISMATCH);
    }
    fx_gate_free(&g);
}

static void test_signal_exits(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    g.in.pos = fx_position(-10, FX_T0_NS - 60 * SC_NS_PER_S);
    g.intent = fx_exit(SC_PURPOSE_EXIT, -10, 10);
    fx_answer(&g, SC_DECISION_EXIT);
    assert_true(fx_check(&g));
    /* No advisor asked: an exit does not need one. */
    g.in.ai_answer = NULL;
    g.in.ai_verdict = NULL;
    assert_true(fx_check(&g));
    /* The advisor says hold: no signal exit. */
    fx_answer(&g, SC_DECISION_HOLD);
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_AI, SC_VETO_R_AI_DECLINED);
    /* Market conditions do not keep a position open ... */
    fx_answer(&g, SC_DECISION_EXIT);
    g.in.market.news_blackout = true;
    g.in.market.move_bps = 500.0;
    g.in.now_ns = FX_T0_NS + 4 * 3600 * SC_NS_PER_S; /* 08:00 UTC: funding */
    g.in.market.book_update_ns = g.in.now_ns;
    assert_true(fx_check(&g));
    /* ... broken data does. */
    g.in.market.book_update_ns = g.in.now_ns - 3 * SC_NS_PER_S;
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_FORBIDDEN, SC_VETO_R_DATA_STALE);
    fx_gate_free(&g);
}

static void test_ai_level(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    g.in.ai_answer = NULL;
    g.in.ai_verdict = NULL;
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_AI, SC_VETO_R_AI_NO_ANSWER);
    /* A late answer was turned into a skip by the decision layer. */
    fx_answer(&g, SC_DECISION_SKIP);
    g.ai.reason = SC_DECISION_R_LATE;
    g.ai.advised = SC_DECISION_ENTER_LONG;
    snprintf(g.ai.info.field, sizeof(g.ai.info.field), "deadline");
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_AI, SC_VETO_R_AI_REJECTED);
    assert_non_null(strstr(g.out.detail, "late"));
    /* Hold, skip and exit are not entries. */
    sc_decision_action no[] = {SC_DECISION_HOLD, SC_DECISION_SKIP, SC_DECISION_EXIT};
    for (int i = 0; i < 3; i++) {
        fx_answer(&g, no[i]);
        assert_false(fx_check(&g));
        fx_expect_veto(&g.out, SC_VETO_LEVEL_AI, SC_VETO_R_AI_DECLINED);
        assert_non_null(strstr(g.out.detail, sc_decision_action_name(no[i])));
    }
    /* The other direction. */
    fx_answer(&g, SC_DECISION_ENTER_SHORT);
    assert_false(fx_check(&g));
    fx_expect_veto(&g.out, SC_VETO_LEVEL_AI, SC_VETO_R_AI_OTHER_SIDE);
    g.intent = fx_entry(SC_SIDE_SELL, 10);
    assert_true(fx_check(&g));
    fx_gate_free(&g);
}

/* A value in [lo, hi], biased towards the ends so that boundaries are hit. */
static int64_t pick(sc_rng *r, int64_t lo, int64_t hi) {
    uint64_t k = sc_rng_below(r, 8);
    if (k == 0) {
        return lo;
    }
    if (k == 1) {
        return hi;
    }
    return lo + (int64_t)sc_rng_below(r, (uint64_t)(hi - lo) + 1);
}

/* Mostly calm (so that entries get through), sometimes anything. */
static int64_t calm_or(sc_rng *r, int64_t calm, int64_t lo, int64_t hi) {
    return sc_rng_below(r, 3) != 0 ? calm : pick(r, lo, hi);
}

static void randomize(fx_gate *g, sc_rng *r) {
    static const sc_order_purpose purposes[] = {SC_PURPOSE_ENTRY, SC_PURPOSE_EXIT,
                                                SC_PURPOSE_PROTECTIVE_EXIT, SC_PURPOSE_FLATTEN};
    static const sc_decision_action acts[] = {SC_DECISION_ENTER_LONG, SC_DECISION_ENTER_SHORT,
                                              SC_DECISION_EXIT, SC_DECISION_HOLD, SC_DECISION_SKIP};
    int64_t pos = calm_or(r, 0, -520, 520);
    sc_order_purpose purpose = purposes[sc_rng_below(r, 4)];
    int64_t half = calm_or(r, 1, 1, 600); /* half-spread in ticks: up to 12 bps */
    g->in.pos = fx_position(pos, FX_T0_NS - pick(r, 0, 320) * SC_NS_PER_S);
    g->in.kill_switch_tripped = sc_rng_below(r, 10) == 0;
    g->in.market.news_blackout = sc_rng_below(r, 20) == 0;
    g->in.market.book_synced = sc_rng_below(r, 30) != 0;
    g->in.market.bid.px.ticks = FX_MID_TICKS - half;
    g->in.market.ask.px.ticks = FX_MID_TICKS + half;
    g->params.v[SC_P_FORBID_SPREAD_BPS] = 10.0;
    set_equity(g, USDT(pick(r, 5000, 20000)));
    g->in.account.equity.e8 -= calm_or(r, 0, 0, USDT(1500));
    g->in.account.peak_equity.e8 += calm_or(r, 0, 0, USDT(1500));
    g->in.account.consecutive_losses = calm_or(r, 0, 0, 6);
    if (purpose == SC_PURPOSE_ENTRY) {
        sc_side side = sc_rng_below(r, 2) ? SC_SIDE_BUY : SC_SIDE_SELL;
        g->intent = fx_entry(side, pick(r, 1, 600));
        set_book(g, g->in.market.bid.px.ticks, g->in.market.ask.px.ticks);
        bool agree = sc_rng_below(r, 4) != 0;
        fx_answer(g, agree
                         ? (side == SC_SIDE_BUY ? SC_DECISION_ENTER_LONG : SC_DECISION_ENTER_SHORT)
                         : acts[sc_rng_below(r, 5)]);
    } else {
        g->intent = fx_exit(purpose, pos != 0 ? pos : 1, pick(r, 1, 520));
        fx_answer(g, acts[sc_rng_below(r, 5)]);
    }
}

/* Seeded: whatever the situation, an allowed entry breaks no hard limit,
 * and a protective order is only ever refused as an invalid order. */
static void test_property_no_limit_is_ever_broken(void **state) {
    (void)state;
    fx_gate g;
    fx_gate_init(&g, NULL);
    sc_rng r;
    sc_rng_seed(&r, 20240101);
    int allowed_entries = 0;
    int protective_passed = 0;
    for (int i = 0; i < 20000; i++) {
        randomize(&g, &r);
        bool ok = fx_check(&g);
        const sc_veto_input *in = &g.in;
        const sc_rulebook_account *a = &in->account;
        assert_int_equal(ok, g.out.allowed);
        assert_int_equal(g.out.level, sc_veto_reason_level(g.out.reason));
        assert_string_equal(g.out.rulebook_hash, sc_rulebook_hash(g.rb));
        if (sc_order_purpose_is_protective(g.intent.purpose)) {
            assert_true(ok || g.out.level == SC_VETO_LEVEL_SANITY);
            protective_passed += ok;
            continue;
        }
        if (!ok || g.intent.purpose != SC_PURPOSE_ENTRY) {
            continue;
        }
        allowed_entries++;
        int64_t q = g.intent.side == SC_SIDE_BUY ? g.intent.qty.steps : -g.intent.qty.steps;
        int64_t after = in->pos.qty_steps + q;
        int64_t width = in->market.ask.px.ticks - in->market.bid.px.ticks;
        int64_t sum = in->market.ask.px.ticks + in->market.bid.px.ticks;
        assert_false(in->kill_switch_tripped);
        assert_true(after <= 500 && after >= -500);
        assert_true((a->day_start_equity.e8 - a->equity.e8) * 50 < a->day_start_equity.e8);
        assert_true((a->peak_equity.e8 - a->equity.e8) * 20 < a->peak_equity.e8);
        assert_true(a->consecutive_losses < 5);
        assert_true(width * 20000 <= 10 * sum);
        assert_true(in->now_ns - in->pos.opened_ns < 300 * SC_NS_PER_S || in->pos.qty_steps == 0);
        int64_t notional = (after < 0 ? -after : after) * g.intent.px.ticks * 10000;
        assert_true(notional <= 3 * a->equity.e8);
    }
    print_message("  %d entries allowed, %d protective orders passed\n", allowed_entries,
                  protective_passed);
    assert_true(allowed_entries > 100);
    assert_true(protective_passed > 1000);
    fx_gate_free(&g);
}

static void test_reason_table(void **state) {
    (void)state;
    sc_veto_level prev = SC_VETO_LEVEL_NONE;
    for (int i = 0; i < SC_VETO_REASON_COUNT; i++) {
        sc_veto_reason r = (sc_veto_reason)i;
        const char *name = sc_veto_reason_name(r);
        assert_string_not_equal(name, "?");
        assert_true(strlen(sc_veto_reason_help(r)) > 5);
        sc_veto_level l = sc_veto_reason_level(r);
        assert_string_not_equal(sc_veto_level_name(l), "?");
        assert_true(i == 0 ? l == SC_VETO_LEVEL_NONE : l != SC_VETO_LEVEL_NONE);
        assert_true(l >= prev); /* codes were added level by level */
        prev = l;
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(name, sc_veto_reason_name((sc_veto_reason)j));
        }
    }
    assert_string_equal(sc_veto_reason_name((sc_veto_reason)SC_VETO_REASON_COUNT), "?");
    assert_string_equal(sc_veto_reason_name((sc_veto_reason)-1), "?");
    assert_int_equal(sc_veto_reason_level((sc_veto_reason)SC_VETO_REASON_COUNT),
                     SC_VETO_LEVEL_NONE);
    assert_string_equal(sc_veto_level_name((sc_veto_level)SC_VETO_LEVEL_COUNT), "?");
    /* The codes in the decision log keep their numbers. */
    assert_int_equal(SC_VETO_R_KILL_SWITCH, 1);
    assert_int_equal(SC_VETO_R_SPREAD_LIMIT, 18);
    assert_int_equal(SC_VETO_R_AI_OTHER_SIDE, 41);
    /* The one-line form. */
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    sc_veto_verdict_deny(&v, SC_VETO_R_SPREAD_LIMIT, 12.3, 10.0, "bps",
                         "spread %.1f bps > max %.0f bps", 12.3, 10.0);
    v.exit_required = true;
    char line[300];
    assert_string_equal(sc_veto_verdict_format(&v, line, sizeof(line)),
                        "vetoed at rulebook (spread_limit): spread 12.3 bps > max 10 bps; "
                        "rulebook (none); exit required");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perfect_entry_is_allowed),
        cmocka_unit_test(test_kill_switch_vetoes_a_perfect_entry),
        cmocka_unit_test(test_hierarchy_order),
        cmocka_unit_test(test_each_level_vetoes_all_below),
        cmocka_unit_test(test_gate_max_position),
        cmocka_unit_test(test_gate_daily_loss),
        cmocka_unit_test(test_gate_drawdown),
        cmocka_unit_test(test_gate_spread),
        cmocka_unit_test(test_gate_min_hold),
        cmocka_unit_test(test_gate_max_hold),
        cmocka_unit_test(test_gate_consecutive_losses),
        cmocka_unit_test(test_gate_leverage),
        cmocka_unit_test(test_protective_exits_pass_forbidden_and_ai),
        cmocka_unit_test(test_signal_exits),
        cmocka_unit_test(test_ai_level),
        cmocka_unit_test(test_property_no_limit_is_ever_broken),
        cmocka_unit_test(test_reason_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
