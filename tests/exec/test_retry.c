/* test_retry.c: the retry policy: drift and interval boundaries, replace
 * budget, give-up, exit escalation (timeout and through), cancel pending,
 * unsynced books, the sell mirror and determinism over seeded inputs. */
#include "support/support.h"

#include <string.h>

#include "core/rng.h"
#include "exec/retry.h"

#define MS SC_NS_PER_MS
#define S SC_NS_PER_S
#define T0 (1000 * S)

/* 60000.0 / 60000.1 on a 0.1 tick. */
enum { BID = 600000, ASK = 600001, DRIFT = 2, REPLACES = 3 };

static sc_retry_config cfg(void) {
    sc_retry_config c = sc_retry_config_default();
    c.drift_ticks_max = DRIFT;
    c.replaces_max = REPLACES;
    c.replace_interval_ns_min = 250 * MS;
    c.give_up_ns = 30 * S;
    c.exit_escalate_ns = 5 * S;
    return c;
}

static sc_retry *mk(void) {
    sc_retry_config c = cfg();
    sc_retry *r = NULL;
    assert_int_equal(sc_retry_create(&c, &r), SC_OK);
    assert_non_null(r);
    return r;
}

static sc_retry_order ord(sc_order_purpose p, sc_side side, int64_t px) {
    sc_retry_order o;
    memset(&o, 0, sizeof(o));
    o.purpose = p;
    o.side = side;
    o.px.ticks = px;
    o.submitted_ns = T0;
    o.last_replace_ns = -1;
    return o;
}

static sc_retry_touch touch(int64_t bid, int64_t ask) {
    sc_retry_touch t = {.synced = true, .best_bid = {bid}, .best_ask = {ask}};
    return t;
}

static void expect(sc_retry_action a, sc_retry_action_kind k, sc_retry_reason why) {
    assert_int_equal(a.kind, k);
    assert_int_equal(a.reason, why);
    assert_string_equal(a.why, sc_retry_reason_str(why));
}

static void test_drift_boundary(void **state) {
    (void)state;
    sc_retry *r = mk();
    sc_retry_touch t = touch(BID, ASK);
    sc_ns now = T0 + S;
    sc_retry_order o = ord(SC_PURPOSE_ENTRY, SC_SIDE_BUY, BID - DRIFT);
    expect(sc_retry_decide(r, &o, &t, now), SC_RETRY_NONE, SC_RETRY_R_IN_RANGE);
    o.px.ticks = BID; /* at the touch */
    expect(sc_retry_decide(r, &o, &t, now), SC_RETRY_NONE, SC_RETRY_R_IN_RANGE);
    o.px.ticks = BID - DRIFT - 1;
    sc_retry_action a = sc_retry_decide(r, &o, &t, now);
    expect(a, SC_RETRY_CANCEL_REPLACE, SC_RETRY_R_DRIFT);
    assert_true(a.has_px);
    assert_int_equal(a.px.ticks, BID); /* to the touch, not past it */
    sc_retry_stats st = sc_retry_stats_get(r);
    assert_int_equal(st.decisions_n, 3);
    assert_int_equal(st.actions_n[SC_RETRY_NONE], 2);
    assert_int_equal(st.actions_n[SC_RETRY_CANCEL_REPLACE], 1);
    assert_int_equal(st.reasons_n[SC_RETRY_R_IN_RANGE], 2);
    assert_int_equal(st.reasons_n[SC_RETRY_R_DRIFT], 1);
    sc_retry_destroy(r);
}

static void test_interval_boundary(void **state) {
    (void)state;
    sc_retry *r = mk();
    sc_retry_touch t = touch(BID, ASK);
    sc_ns iv = cfg().replace_interval_ns_min;
    sc_retry_order o = ord(SC_PURPOSE_ENTRY, SC_SIDE_BUY, BID - 10);
    /* Before any replace the interval runs from the submission. */
    expect(sc_retry_decide(r, &o, &t, T0 + iv - 1), SC_RETRY_NONE, SC_RETRY_R_INTERVAL);
    expect(sc_retry_decide(r, &o, &t, T0 + iv), SC_RETRY_CANCEL_REPLACE, SC_RETRY_R_DRIFT);
    /* After one, from the last replace. */
    sc_ns t1 = T0 + 2 * S;
    o.replaces_n = 1;
    o.last_replace_ns = t1;
    expect(sc_retry_decide(r, &o, &t, t1), SC_RETRY_NONE, SC_RETRY_R_INTERVAL);
    expect(sc_retry_decide(r, &o, &t, t1 + iv - 1), SC_RETRY_NONE, SC_RETRY_R_INTERVAL);
    expect(sc_retry_decide(r, &o, &t, t1 + iv), SC_RETRY_CANCEL_REPLACE, SC_RETRY_R_DRIFT);
    sc_retry_destroy(r);
}

/* The book walks up 3 ticks every second; the entry chases it until the
 * replace budget is spent, then gives up. */
static void test_replaces_max_then_give_up(void **state) {
    (void)state;
    sc_retry *r = mk();
    sc_retry_order o = ord(SC_PURPOSE_ENTRY, SC_SIDE_BUY, BID);
    sc_ns now = T0;
    for (int i = 0; i < REPLACES; i++) {
        now += S;
        sc_retry_touch t = touch(BID + 3 * (i + 1), ASK + 3 * (i + 1));
        sc_retry_action a = sc_retry_decide(r, &o, &t, now);
        expect(a, SC_RETRY_CANCEL_REPLACE, SC_RETRY_R_DRIFT);
        assert_int_equal(a.px.ticks, t.best_bid.ticks);
        o.px = a.px;
        o.replaces_n++;
        o.last_replace_ns = now;
    }
    now += S;
    sc_retry_touch t = touch(o.px.ticks, o.px.ticks + 1);
    /* At the touch with the budget spent: nothing to do. */
    expect(sc_retry_decide(r, &o, &t, now), SC_RETRY_NONE, SC_RETRY_R_IN_RANGE);
    t = touch(o.px.ticks + DRIFT + 1, o.px.ticks + DRIFT + 2);
    sc_retry_action a = sc_retry_decide(r, &o, &t, now);
    expect(a, SC_RETRY_CANCEL, SC_RETRY_R_REPLACES_SPENT);
    assert_false(a.has_px);
    assert_int_equal(sc_retry_stats_get(r).actions_n[SC_RETRY_CANCEL], 1);
    sc_retry_destroy(r);
}

static void test_give_up_time(void **state) {
    (void)state;
    sc_retry *r = mk();
    sc_retry_touch t = touch(BID, ASK);
    sc_ns give_up = cfg().give_up_ns;
    sc_retry_order o = ord(SC_PURPOSE_ENTRY, SC_SIDE_BUY, BID);
    expect(sc_retry_decide(r, &o, &t, T0 + give_up - 1), SC_RETRY_NONE, SC_RETRY_R_IN_RANGE);
    expect(sc_retry_decide(r, &o, &t, T0 + give_up), SC_RETRY_CANCEL, SC_RETRY_R_GIVE_UP_TIME);
    /* A cancel needs no book: give-up applies while not synced. */
    t.synced = false;
    expect(sc_retry_decide(r, &o, &t, T0 + give_up), SC_RETRY_CANCEL, SC_RETRY_R_GIVE_UP_TIME);
    /* Replaces keep the first submission time. */
    t.synced = true;
    o.replaces_n = 1;
    o.last_replace_ns = T0 + give_up - MS;
    expect(sc_retry_decide(r, &o, &t, T0 + give_up), SC_RETRY_CANCEL, SC_RETRY_R_GIVE_UP_TIME);
    sc_retry_destroy(r);
}

static void test_exit_escalates_at_timeout(void **state) {
    (void)state;
    sc_retry *r = mk();
    sc_retry_touch t = touch(BID, ASK);
    sc_ns esc = cfg().exit_escalate_ns;
    /* A take profit of a long: sell resting at the ask. */
    sc_retry_order o = ord(SC_PURPOSE_EXIT, SC_SIDE_SELL, ASK);
    expect(sc_retry_decide(r, &o, &t, T0 + esc - 1), SC_RETRY_NONE, SC_RETRY_R_WAITING);
    sc_retry_action a = sc_retry_decide(r, &o, &t, T0 + esc);
    expect(a, SC_RETRY_ESCALATE, SC_RETRY_R_EXIT_TIMEOUT);
    assert_true(a.has_px);
    assert_int_equal(a.px.ticks, BID); /* a sell takes the bid */
    /* A plain exit never escalates early, even when far behind the touch,
     * and is never replaced. */
    o.px.ticks = ASK + 50;
    expect(sc_retry_decide(r, &o, &t, T0 + esc - 1), SC_RETRY_NONE, SC_RETRY_R_WAITING);
    o = ord(SC_PURPOSE_EXIT, SC_SIDE_BUY, BID);
    a = sc_retry_decide(r, &o, &t, T0 + esc);
    expect(a, SC_RETRY_ESCALATE, SC_RETRY_R_EXIT_TIMEOUT);
    assert_int_equal(a.px.ticks, ASK); /* a buy takes the ask */
    assert_int_equal(sc_retry_stats_get(r).actions_n[SC_RETRY_ESCALATE], 2);
    sc_retry_destroy(r);
}

static void test_protective_through(void **state) {
    (void)state;
    sc_retry *r = mk();
    sc_ns now = T0 + MS; /* long before the timeout */
    /* Stop of a long: sell resting at px. The ask at px: not through. */
    sc_retry_order o = ord(SC_PURPOSE_PROTECTIVE_EXIT, SC_SIDE_SELL, ASK);
    sc_retry_touch t = touch(BID, ASK);
    expect(sc_retry_decide(r, &o, &t, now), SC_RETRY_NONE, SC_RETRY_R_WAITING);
    /* The ask falls one tick below the limit: through, take the bid. */
    t = touch(BID - 1, ASK - 1);
    sc_retry_action a = sc_retry_decide(r, &o, &t, now);
    expect(a, SC_RETRY_ESCALATE, SC_RETRY_R_THROUGH);
    assert_true(a.has_px);
    assert_int_equal(a.px.ticks, BID - 1);
    /* Mirror: stop of a short, buy at px; the bid rises above it. */
    o = ord(SC_PURPOSE_PROTECTIVE_EXIT, SC_SIDE_BUY, BID);
    t = touch(BID, ASK);
    expect(sc_retry_decide(r, &o, &t, now), SC_RETRY_NONE, SC_RETRY_R_WAITING);
    t = touch(BID + 1, ASK + 1);
    a = sc_retry_decide(r, &o, &t, now);
    expect(a, SC_RETRY_ESCALATE, SC_RETRY_R_THROUGH);
    assert_int_equal(a.px.ticks, ASK + 1);
    /* Flatten is protective too; a plain exit is not. */
    o.purpose = SC_PURPOSE_FLATTEN;
    expect(sc_retry_decide(r, &o, &t, now), SC_RETRY_ESCALATE, SC_RETRY_R_THROUGH);
    o.purpose = SC_PURPOSE_EXIT;
    expect(sc_retry_decide(r, &o, &t, now), SC_RETRY_NONE, SC_RETRY_R_WAITING);
    /* A protective exit also escalates at the timeout. */
    o.purpose = SC_PURPOSE_PROTECTIVE_EXIT;
    t = touch(BID, ASK);
    expect(sc_retry_decide(r, &o, &t, T0 + cfg().exit_escalate_ns), SC_RETRY_ESCALATE,
           SC_RETRY_R_EXIT_TIMEOUT);
    sc_retry_destroy(r);
}

static void test_nothing_while_cancel_pending(void **state) {
    (void)state;
    sc_retry *r = mk();
    sc_retry_touch t = touch(BID + 100, ASK + 100);
    sc_ns late = T0 + cfg().give_up_ns;
    const sc_order_purpose ps[] = {SC_PURPOSE_ENTRY, SC_PURPOSE_EXIT, SC_PURPOSE_PROTECTIVE_EXIT,
                                   SC_PURPOSE_FLATTEN};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        sc_retry_order o = ord(ps[i], SC_SIDE_BUY, BID); /* drifted, through, late */
        o.cancel_pending = true;
        expect(sc_retry_decide(r, &o, &t, late), SC_RETRY_NONE, SC_RETRY_R_CANCEL_PENDING);
        o.cancel_pending = false;
        assert_int_not_equal(sc_retry_decide(r, &o, &t, late).kind, SC_RETRY_NONE);
    }
    assert_int_equal(sc_retry_stats_get(r).reasons_n[SC_RETRY_R_CANCEL_PENDING], 4);
    sc_retry_destroy(r);
}

static void test_not_synced(void **state) {
    (void)state;
    sc_retry *r = mk();
    sc_retry_touch t = touch(BID + 100, ASK + 100);
    t.synced = false;
    sc_ns esc = T0 + cfg().exit_escalate_ns;
    sc_retry_order o = ord(SC_PURPOSE_ENTRY, SC_SIDE_BUY, BID);
    expect(sc_retry_decide(r, &o, &t, T0 + S), SC_RETRY_NONE, SC_RETRY_R_NOT_SYNCED);
    o.purpose = SC_PURPOSE_EXIT;
    expect(sc_retry_decide(r, &o, &t, esc), SC_RETRY_NONE, SC_RETRY_R_NOT_SYNCED);
    /* Protective: no "through" without a book, but the timeout escalates,
     * with no reference price. */
    o.purpose = SC_PURPOSE_PROTECTIVE_EXIT;
    expect(sc_retry_decide(r, &o, &t, esc - 1), SC_RETRY_NONE, SC_RETRY_R_WAITING);
    sc_retry_action a = sc_retry_decide(r, &o, &t, esc);
    expect(a, SC_RETRY_ESCALATE, SC_RETRY_R_EXIT_TIMEOUT);
    assert_false(a.has_px);
    assert_int_equal(a.px.ticks, 0);
    /* A crossed or empty touch flagged synced is treated as not synced. */
    sc_retry_touch bad[] = {touch(BID + 5, BID + 5), touch(BID + 6, BID + 5), touch(0, ASK)};
    o.purpose = SC_PURPOSE_ENTRY;
    for (size_t i = 0; i < 3; i++) {
        expect(sc_retry_decide(r, &o, &bad[i], T0 + S), SC_RETRY_NONE, SC_RETRY_R_NOT_SYNCED);
    }
    assert_int_equal(sc_retry_stats_get(r).touch_invalid_n, 3);
    sc_retry_destroy(r);
}

static void test_sell_side_mirror(void **state) {
    (void)state;
    sc_retry *r = mk();
    sc_retry_touch t = touch(BID, ASK);
    sc_ns now = T0 + S;
    sc_retry_order o = ord(SC_PURPOSE_ENTRY, SC_SIDE_SELL, ASK + DRIFT);
    expect(sc_retry_decide(r, &o, &t, now), SC_RETRY_NONE, SC_RETRY_R_IN_RANGE);
    o.px.ticks = ASK + DRIFT + 1;
    sc_retry_action a = sc_retry_decide(r, &o, &t, now);
    expect(a, SC_RETRY_CANCEL_REPLACE, SC_RETRY_R_DRIFT);
    assert_int_equal(a.px.ticks, ASK); /* the ask, never the bid */
    o.replaces_n = REPLACES;
    o.last_replace_ns = T0;
    expect(sc_retry_decide(r, &o, &t, now), SC_RETRY_CANCEL, SC_RETRY_R_REPLACES_SPENT);
    sc_retry_destroy(r);
}

/* Random orders and touches from a seed. */
static sc_retry_action random_step(sc_retry *r, sc_rng *g) {
    sc_retry_order o = ord((sc_order_purpose)sc_rng_below(g, 4), (sc_side)sc_rng_below(g, 2),
                           BID - 20 + (int64_t)sc_rng_below(g, 42));
    sc_ns now = T0 + (sc_ns)sc_rng_below(g, (uint64_t)(40 * S));
    o.replaces_n = (int32_t)sc_rng_below(g, REPLACES + 2);
    if (o.replaces_n > 0) {
        o.last_replace_ns = T0 + (sc_ns)sc_rng_below(g, (uint64_t)(now - T0 + 1));
    }
    o.cancel_pending = sc_rng_below(g, 8) == 0;
    int64_t bid = BID - 10 + (int64_t)sc_rng_below(g, 21);
    sc_retry_touch t = touch(bid, bid + 1 + (int64_t)sc_rng_below(g, 3));
    t.synced = sc_rng_below(g, 6) != 0;
    sc_retry_action a = sc_retry_decide(r, &o, &t, now);
    if (a.kind == SC_RETRY_CANCEL_REPLACE) { /* toward the touch, never past */
        int64_t own = o.side == SC_SIDE_BUY ? t.best_bid.ticks : t.best_ask.ticks;
        assert_int_equal(a.px.ticks, own);
        assert_true(o.side == SC_SIDE_BUY ? a.px.ticks > o.px.ticks : a.px.ticks < o.px.ticks);
    }
    return a;
}

static void test_determinism(void **state) {
    (void)state;
    sc_retry *r1 = mk();
    sc_retry *r2 = mk();
    sc_rng g1;
    sc_rng g2;
    sc_rng_seed(&g1, 42);
    sc_rng_seed(&g2, 42);
    for (int i = 0; i < 20000; i++) {
        sc_retry_action a = random_step(r1, &g1);
        sc_retry_action b = random_step(r2, &g2);
        assert_int_equal(a.kind, b.kind);
        assert_int_equal(a.reason, b.reason);
        assert_int_equal(a.px.ticks, b.px.ticks);
        assert_int_equal(a.has_px, b.has_px);
    }
    sc_retry_stats s1 = sc_retry_stats_get(r1);
    sc_retry_stats s2 = sc_retry_stats_get(r2);
    assert_memory_equal(&s1, &s2, sizeof(s1));
    assert_int_equal(s1.decisions_n, 20000);
    for (int k = 0; k < SC_RETRY_ACTION_COUNT; k++) {
        assert_true(s1.actions_n[k] > 0); /* every action was reached */
    }
    sc_retry_destroy(r1);
    sc_retry_destroy(r2);
}

static void test_config_bounds(void **state) {
    (void)state;
    sc_retry *r = NULL;
    sc_retry_config c = sc_retry_config_default();
    assert_int_equal(sc_retry_create(&c, NULL), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_retry_create(NULL, &r), SC_ERR_INVALID_ARG);
    c.drift_ticks_max = -1;
    assert_int_equal(sc_retry_create(&c, &r), SC_ERR_INVALID_ARG);
    c = sc_retry_config_default();
    c.replaces_max = SC_RETRY_REPLACES_CEIL + 1;
    assert_int_equal(sc_retry_create(&c, &r), SC_ERR_INVALID_ARG);
    c = sc_retry_config_default();
    c.replace_interval_ns_min = 0;
    assert_int_equal(sc_retry_create(&c, &r), SC_ERR_INVALID_ARG);
    c = sc_retry_config_default();
    c.give_up_ns = SC_RETRY_WAIT_NS_CEIL + 1;
    assert_int_equal(sc_retry_create(&c, &r), SC_ERR_INVALID_ARG);
    c = sc_retry_config_default();
    c.exit_escalate_ns = 0;
    assert_int_equal(sc_retry_create(&c, &r), SC_ERR_INVALID_ARG);
    assert_null(r);
    c = sc_retry_config_default();
    c.replaces_max = 0; /* never replace: the first drift gives up */
    assert_int_equal(sc_retry_create(&c, &r), SC_OK);
    sc_retry_order o = ord(SC_PURPOSE_ENTRY, SC_SIDE_BUY, BID - 100);
    sc_retry_touch t = touch(BID, ASK);
    expect(sc_retry_decide(r, &o, &t, T0 + S), SC_RETRY_CANCEL, SC_RETRY_R_REPLACES_SPENT);
    assert_string_equal(sc_retry_action_name(SC_RETRY_ESCALATE), "escalate");
    assert_string_equal(sc_retry_reason_name(SC_RETRY_R_THROUGH), "through");
    sc_retry_destroy(r);
    sc_retry_destroy(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drift_boundary),
        cmocka_unit_test(test_interval_boundary),
        cmocka_unit_test(test_replaces_max_then_give_up),
        cmocka_unit_test(test_give_up_time),
        cmocka_unit_test(test_exit_escalates_at_timeout),
        cmocka_unit_test(test_protective_through),
        cmocka_unit_test(test_nothing_while_cancel_pending),
        cmocka_unit_test(test_not_synced),
        cmocka_unit_test(test_sell_side_mirror),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_config_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
