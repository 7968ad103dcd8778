#include "support/support.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/order_manager.h"

enum { QTY = 10, PX = 1000 };

static sc_order_manager *mk(const char *prefix, uint32_t orders_max, int64_t seq_start) {
    sc_order_manager_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    snprintf(cfg.id_prefix, sizeof(cfg.id_prefix), "%s", prefix);
    cfg.orders_max = orders_max;
    cfg.seq_start = seq_start;
    sc_order_manager *m = NULL;
    assert_int_equal(sc_order_manager_create(&cfg, &m), SC_OK);
    assert_non_null(m);
    return m;
}

static sc_order_intent intent_of(sc_order_purpose p, int64_t qty) {
    sc_order_intent in;
    memset(&in, 0, sizeof(in));
    snprintf(in.client_id, sizeof(in.client_id), "ignored");
    in.side = SC_SIDE_BUY;
    in.type = SC_ORD_LIMIT;
    in.tif = SC_TIF_GTC;
    in.px.ticks = PX;
    in.qty.steps = qty;
    in.purpose = p;
    return in;
}

static int64_t add(sc_order_manager *m, sc_order_purpose p) {
    sc_order_intent in = intent_of(p, QTY);
    int64_t seq = 0;
    assert_int_equal(sc_order_manager_add(m, &in, 1, &seq), SC_OK);
    return seq;
}

static sc_order_event ev_of(sc_order_event_kind k, sc_ns ts) {
    sc_order_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = k;
    ev.ts_ns = ts;
    return ev;
}

static sc_order_event fill_ev(int64_t qty, int64_t px, bool maker, sc_ns ts) {
    sc_order_event ev = ev_of(SC_ORDER_EV_FILL, ts);
    ev.fill.qty.steps = qty;
    ev.fill.px.ticks = px;
    ev.fill.maker = maker;
    ev.fill.fee.e8 = maker ? -2 : 5;
    return ev;
}

static sc_order_event query_ev(sc_order_query_status st, int64_t cum, sc_ns ts) {
    sc_order_event ev = ev_of(SC_ORDER_EV_QUERY, ts);
    ev.query.status = st;
    ev.query.cum_qty.steps = cum;
    ev.query.cum_cost_ticks_steps = cum * PX;
    return ev;
}

static sc_order_outcome apply(sc_order_manager *m, int64_t seq, sc_order_event ev) {
    sc_order_outcome out = SC_ORDER_ANOMALY;
    assert_int_equal(sc_order_manager_apply(m, seq, &ev, &out), SC_OK);
    return out;
}

static void apply_k(sc_order_manager *m, int64_t seq, sc_order_event_kind k, sc_ns ts) {
    assert_int_equal(apply(m, seq, ev_of(k, ts)), SC_ORDER_APPLIED);
}

static sc_order_state state_of(const sc_order_manager *m, int64_t seq) {
    const sc_order_rec *r = sc_order_manager_get(m, seq);
    assert_non_null(r);
    return r->state;
}

/* Takes a fresh order to state s by a legal path. */
static void drive_to(sc_order_manager *m, int64_t seq, sc_order_state s, bool cancel_requested) {
    if (s == SC_ORDER_NEW) {
        return;
    }
    apply_k(m, seq, SC_ORDER_EV_SUBMIT_SENT, 2);
    if (s == SC_ORDER_REJECTED) {
        apply_k(m, seq, SC_ORDER_EV_REJECT, 3);
    } else if (s == SC_ORDER_UNKNOWN) {
        apply_k(m, seq, SC_ORDER_EV_TIMEOUT, 3);
    } else if (s != SC_ORDER_SUBMITTING) {
        apply_k(m, seq, SC_ORDER_EV_ACK, 3);
    }
    if (s == SC_ORDER_PARTIALLY_FILLED || s == SC_ORDER_FILLED) {
        apply(m, seq, fill_ev(s == SC_ORDER_FILLED ? QTY : QTY / 2, PX, true, 4));
    } else if (s == SC_ORDER_EXPIRED) {
        apply_k(m, seq, SC_ORDER_EV_EXPIRE, 4);
    } else if (s == SC_ORDER_CANCELED) {
        assert_int_equal(sc_order_manager_request_cancel(m, seq, 4), SC_OK);
        apply_k(m, seq, SC_ORDER_EV_CANCEL_ACK, 5);
    }
    if (cancel_requested) {
        assert_int_equal(sc_order_manager_request_cancel(m, seq, 6), SC_OK);
    }
    assert_int_equal(state_of(m, seq), s);
}

static void test_full_fill(void **state) {
    (void)state;
    sc_order_manager *m = mk("sc1", 0, 0);
    int64_t seq = add(m, SC_PURPOSE_ENTRY);
    assert_true(sc_order_manager_working_entry(m));
    apply_k(m, seq, SC_ORDER_EV_SUBMIT_SENT, 2);
    sc_order_event ack = ev_of(SC_ORDER_EV_ACK, 3);
    ack.exch_order_id = 812345678901;
    assert_int_equal(apply(m, seq, ack), SC_ORDER_APPLIED);
    assert_int_equal(apply(m, seq, fill_ev(QTY, PX, false, 4)), SC_ORDER_APPLIED);
    const sc_order_rec *r = sc_order_manager_get(m, seq);
    assert_int_equal(r->state, SC_ORDER_FILLED);
    assert_int_equal(r->filled.steps, QTY);
    assert_int_equal(r->cost_ticks_steps, QTY * PX);
    assert_int_equal(r->fee.e8, 5);
    assert_int_equal(r->fills_n, 1);
    assert_int_equal(r->maker_fills_n, 0);
    assert_int_equal(r->exch_order_id, 812345678901);
    assert_int_equal(r->entered_ns[SC_ORDER_NEW], 1);
    assert_int_equal(r->entered_ns[SC_ORDER_SUBMITTING], 2);
    assert_int_equal(r->entered_ns[SC_ORDER_OPEN], 3);
    assert_int_equal(r->entered_ns[SC_ORDER_FILLED], 4);
    assert_int_equal(r->entered_ns[SC_ORDER_PARTIALLY_FILLED], -1);
    assert_int_equal(r->last_event_ns, 4);
    assert_false(sc_order_manager_working_entry(m));
    assert_int_equal(sc_order_manager_stats_get(m).live_n, 0);
    assert_int_equal(sc_order_manager_count(m, SC_ORDER_FILLED), 1);
    sc_order_manager_destroy(m);
    sc_order_manager_destroy(NULL);
}

static void test_partial_then_full(void **state) {
    (void)state;
    sc_order_manager *m = mk("sc1", 0, 0);
    int64_t seq = add(m, SC_PURPOSE_EXIT);
    drive_to(m, seq, SC_ORDER_OPEN, false);
    apply(m, seq, fill_ev(4, PX, true, 10));
    assert_int_equal(state_of(m, seq), SC_ORDER_PARTIALLY_FILLED);
    apply(m, seq, fill_ev(3, PX + 1, true, 11));
    assert_int_equal(state_of(m, seq), SC_ORDER_PARTIALLY_FILLED);
    apply(m, seq, fill_ev(3, PX + 2, false, 12));
    const sc_order_rec *r = sc_order_manager_get(m, seq);
    assert_int_equal(r->state, SC_ORDER_FILLED);
    assert_int_equal(r->cost_ticks_steps, 4 * PX + 3 * (PX + 1) + 3 * (PX + 2));
    assert_int_equal(r->fills_n, 3);
    assert_int_equal(r->maker_fills_n, 2);
    assert_int_equal(r->fee.e8, -2 - 2 + 5);
    assert_int_equal(r->entered_ns[SC_ORDER_PARTIALLY_FILLED], 10);
    assert_int_equal(r->entered_ns[SC_ORDER_FILLED], 12);
    sc_order_manager_destroy(m);
}

static void test_partial_then_cancel(void **state) {
    (void)state;
    sc_order_manager *m = mk("sc1", 0, 0);
    int64_t seq = add(m, SC_PURPOSE_ENTRY);
    drive_to(m, seq, SC_ORDER_OPEN, false);
    apply(m, seq, fill_ev(3, PX, true, 10));
    assert_int_equal(sc_order_manager_request_cancel(m, seq, 11), SC_OK);
    assert_int_equal(sc_order_manager_request_cancel(m, seq, 12), SC_OK); /* twice is fine */
    apply_k(m, seq, SC_ORDER_EV_CANCEL_ACK, 13);
    const sc_order_rec *r = sc_order_manager_get(m, seq);
    assert_int_equal(r->state, SC_ORDER_CANCELED);
    assert_true(r->cancel_requested);
    assert_int_equal(r->cancel_requested_ns, 11);
    assert_int_equal(r->filled.steps, 3);
    assert_int_equal(r->entered_ns[SC_ORDER_CANCELED], 13);
    /* The stream's CANCELED after the REST answer: a duplicate. */
    assert_int_equal(apply(m, seq, ev_of(SC_ORDER_EV_CANCEL_ACK, 14)), SC_ORDER_STALE);
    assert_int_equal(sc_order_manager_request_cancel(m, seq, 15), SC_ERR_STATE);
    assert_int_equal(sc_order_manager_request_cancel(m, 999, 15), SC_ERR_NOT_FOUND);
    assert_int_equal(sc_order_manager_stats_get(m).stale_n, 1);
    sc_order_manager_destroy(m);
}

static void test_reject_and_expire(void **state) {
    (void)state;
    sc_order_manager *m = mk("sc1", 0, 0);
    int64_t a = add(m, SC_PURPOSE_ENTRY);
    apply_k(m, a, SC_ORDER_EV_SUBMIT_SENT, 2);
    sc_order_event rej = ev_of(SC_ORDER_EV_REJECT, 3);
    rej.reject.code = -5022;
    rej.reject.msg = "Due to the order could not be executed as maker, the Post Only order will be "
                     "rejected.\n";
    assert_int_equal(apply(m, a, rej), SC_ORDER_APPLIED);
    const sc_order_rec *r = sc_order_manager_get(m, a);
    assert_int_equal(r->state, SC_ORDER_REJECTED);
    assert_int_equal(r->reject_code, -5022);
    assert_int_equal(strlen(r->reject_msg), SC_ORDER_REJECT_MSG_MAX);
    assert_true(strncmp(r->reject_msg, "Due to the order", 16) == 0);
    /* IOC: a fill may arrive before the REST answer, then the rest expires. */
    int64_t b = add(m, SC_PURPOSE_EXIT);
    apply_k(m, b, SC_ORDER_EV_SUBMIT_SENT, 2);
    apply(m, b, fill_ev(4, PX, false, 3));
    assert_int_equal(state_of(m, b), SC_ORDER_PARTIALLY_FILLED);
    apply_k(m, b, SC_ORDER_EV_EXPIRE, 4);
    assert_int_equal(state_of(m, b), SC_ORDER_EXPIRED);
    assert_int_equal(apply(m, b, ev_of(SC_ORDER_EV_ACK, 5)), SC_ORDER_STALE); /* late REST */
    assert_int_equal(sc_order_manager_get(m, b)->filled.steps, 4);
    assert_int_equal(sc_order_manager_count(m, SC_ORDER_REJECTED), 1);
    assert_int_equal(sc_order_manager_count(m, SC_ORDER_EXPIRED), 1);
    sc_order_manager_destroy(m);
}

static void test_unknown_resolved_by_query(void **state) {
    (void)state;
    static const struct {
        sc_order_query_status st;
        int64_t cum;
        sc_order_state want;
    } cases[] = {
        {SC_ORDER_QS_OPEN, 0, SC_ORDER_OPEN},
        {SC_ORDER_QS_PARTIALLY_FILLED, 4, SC_ORDER_PARTIALLY_FILLED},
        {SC_ORDER_QS_FILLED, QTY, SC_ORDER_FILLED},
        {SC_ORDER_QS_CANCELED, 2, SC_ORDER_CANCELED},
        {SC_ORDER_QS_EXPIRED, 0, SC_ORDER_EXPIRED},
        {SC_ORDER_QS_NOT_FOUND, 0, SC_ORDER_REJECTED},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sc_order_manager *m = mk("sc1", 0, 0);
        int64_t seq = add(m, SC_PURPOSE_ENTRY);
        drive_to(m, seq, SC_ORDER_UNKNOWN, false);
        assert_true(sc_order_manager_working_entry(m)); /* unknown may be working */
        apply_k(m, seq, SC_ORDER_EV_TIMEOUT, 4);        /* the query timed out too */
        assert_int_equal(state_of(m, seq), SC_ORDER_UNKNOWN);
        /* Bad data changes nothing: FILLED must report the whole quantity. */
        sc_order_event bad = query_ev(SC_ORDER_QS_FILLED, QTY - 1, 5);
        assert_int_equal(sc_order_manager_apply(m, seq, &bad, NULL), SC_ERR_INVALID_ARG);
        sc_order_event q = query_ev(cases[i].st, cases[i].cum, 6);
        q.exch_order_id = 42;
        assert_int_equal(apply(m, seq, q), SC_ORDER_APPLIED);
        const sc_order_rec *r = sc_order_manager_get(m, seq);
        assert_int_equal(r->state, cases[i].want);
        assert_int_equal(r->filled.steps, cases[i].cum);
        assert_int_equal(r->cost_ticks_steps, cases[i].cum * PX);
        assert_int_equal(r->exch_order_id, 42);
        assert_int_equal(r->entered_ns[SC_ORDER_UNKNOWN], 3);
        assert_int_equal(r->entered_ns[cases[i].want], 6);
        /* A second answer to the same question is stale. */
        assert_int_equal(apply(m, seq, q), SC_ORDER_STALE);
        sc_order_manager_destroy(m);
    }
}

static void test_unknown_resolved_by_late_news(void **state) {
    (void)state;
    sc_order_manager *m = mk("sc1", 0, 0);
    int64_t seq = add(m, SC_PURPOSE_ENTRY);
    drive_to(m, seq, SC_ORDER_UNKNOWN, false);
    apply(m, seq, fill_ev(QTY, PX, false, 5)); /* the stream: it did go through */
    assert_int_equal(state_of(m, seq), SC_ORDER_FILLED);
    /* The query we sent meanwhile answers after: stale. */
    sc_order_event q = query_ev(SC_ORDER_QS_OPEN, 0, 6);
    assert_int_equal(apply(m, seq, q), SC_ORDER_STALE);
    /* A cancel that timed out makes an open order unknown; a query with
     * fewer fills than we counted is bad data. */
    int64_t b = add(m, SC_PURPOSE_ENTRY);
    drive_to(m, b, SC_ORDER_PARTIALLY_FILLED, true);
    apply_k(m, b, SC_ORDER_EV_TIMEOUT, 7);
    assert_int_equal(state_of(m, b), SC_ORDER_UNKNOWN);
    q = query_ev(SC_ORDER_QS_CANCELED, 2, 8);
    assert_int_equal(sc_order_manager_apply(m, b, &q, NULL), SC_ERR_INVALID_ARG);
    assert_int_equal(state_of(m, b), SC_ORDER_UNKNOWN);
    q = query_ev(SC_ORDER_QS_CANCELED, QTY / 2 + 1, 8);
    assert_int_equal(apply(m, b, q), SC_ORDER_APPLIED);
    assert_int_equal(state_of(m, b), SC_ORDER_CANCELED);
    assert_int_equal(sc_order_manager_get(m, b)->filled.steps, QTY / 2 + 1);
    sc_order_manager_destroy(m);
}

static void test_anomalies_recorded(void **state) {
    (void)state;
    sc_order_manager *m = mk("sc1", 0, 0);
    /* The REST cancel answer overtook a trade: the fill is still applied. */
    int64_t a = add(m, SC_PURPOSE_ENTRY);
    drive_to(m, a, SC_ORDER_CANCELED, false);
    assert_int_equal(apply(m, a, fill_ev(3, PX, true, 10)), SC_ORDER_ANOMALY);
    const sc_order_rec *r = sc_order_manager_get(m, a);
    assert_int_equal(r->state, SC_ORDER_CANCELED);
    assert_int_equal(r->filled.steps, 3);
    assert_int_equal(r->anomalies_n, 1);
    assert_int_equal(r->last_anomaly_col, SC_ORDER_COL_FILL_PART);
    assert_int_equal(r->last_anomaly_state, SC_ORDER_CANCELED);
    assert_int_equal(apply(m, a, fill_ev(QTY - 3, PX, true, 11)), SC_ORDER_ANOMALY);
    assert_int_equal(state_of(m, a), SC_ORDER_FILLED);
    /* "Not found" then the order shows up after all: follow the exchange. */
    int64_t b = add(m, SC_PURPOSE_ENTRY);
    drive_to(m, b, SC_ORDER_UNKNOWN, false);
    apply(m, b, query_ev(SC_ORDER_QS_NOT_FOUND, 0, 5));
    assert_false(sc_order_manager_working_entry(m));
    assert_int_equal(apply(m, b, ev_of(SC_ORDER_EV_ACK, 6)), SC_ORDER_ANOMALY);
    assert_int_equal(state_of(m, b), SC_ORDER_OPEN);
    assert_true(sc_order_manager_working_entry(m));
    /* A reject for an order the stream calls open: kept open, recorded. */
    assert_int_equal(apply(m, b, ev_of(SC_ORDER_EV_REJECT, 7)), SC_ORDER_ANOMALY);
    assert_int_equal(state_of(m, b), SC_ORDER_OPEN);
    sc_order_manager_stats st = sc_order_manager_stats_get(m);
    assert_int_equal(st.anomalies_n, 4);
    assert_int_equal(st.live_n, 1);
    sc_order_manager_destroy(m);
}

static void test_bad_event_data(void **state) {
    (void)state;
    sc_order_manager *m = mk("sc1", 0, 0);
    int64_t seq = add(m, SC_PURPOSE_ENTRY);
    drive_to(m, seq, SC_ORDER_OPEN, false);
    sc_order_event e = fill_ev(0, PX, false, 5);
    assert_int_equal(sc_order_manager_apply(m, seq, &e, NULL), SC_ERR_INVALID_ARG);
    e = fill_ev(1, 0, false, 5);
    assert_int_equal(sc_order_manager_apply(m, seq, &e, NULL), SC_ERR_INVALID_ARG);
    e = fill_ev(1, PX, false, -1);
    assert_int_equal(sc_order_manager_apply(m, seq, &e, NULL), SC_ERR_INVALID_ARG);
    e = fill_ev(2, INT64_MAX, false, 5);
    assert_int_equal(sc_order_manager_apply(m, seq, &e, NULL), SC_ERR_OVERFLOW);
    e = fill_ev(1, PX, false, 5);
    assert_int_equal(sc_order_manager_apply(m, 999, &e, NULL), SC_ERR_NOT_FOUND);
    const sc_order_rec *r = sc_order_manager_get(m, seq);
    assert_int_equal(r->state, SC_ORDER_OPEN);
    assert_int_equal(r->filled.steps, 0);
    assert_int_equal(r->last_event_ns, 3);
    sc_order_intent in = intent_of(SC_PURPOSE_ENTRY, 0);
    int64_t s2 = 0;
    assert_int_equal(sc_order_manager_add(m, &in, 1, &s2), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_order_manager_stats_get(m).added_n, 1);
    sc_order_manager_destroy(m);
}

static void test_client_ids(void **state) {
    (void)state;
    sc_order_manager *a = mk("sc1", 0, 0);
    sc_order_manager *b = mk("sc1", 0, 0);
    static const sc_order_purpose ps[] = {SC_PURPOSE_ENTRY, SC_PURPOSE_EXIT,
                                          SC_PURPOSE_PROTECTIVE_EXIT, SC_PURPOSE_FLATTEN};
    static const char *const want[] = {"sc1-e-000001", "sc1-x-000002", "sc1-p-000003",
                                       "sc1-f-000004"};
    for (int i = 0; i < 4; i++) {
        int64_t sa = add(a, ps[i]);
        int64_t sb = add(b, ps[i]);
        const char *ida = sc_order_manager_get(a, sa)->intent.client_id;
        assert_string_equal(ida, want[i]);
        assert_string_equal(sc_order_manager_get(b, sb)->intent.client_id, ida);
        assert_true(sc_client_id_valid(ida));
        int64_t found = 0;
        assert_int_equal(sc_order_manager_find(a, ida, &found), SC_OK);
        assert_int_equal(found, sa);
    }
    int64_t found = 0;
    assert_int_equal(sc_order_manager_find(a, "sc1-e-000099", &found), SC_ERR_NOT_FOUND);
    sc_order_manager_destroy(a);
    sc_order_manager_destroy(b);
}

static void test_prefix_and_sequence_limits(void **state) {
    (void)state;
    static const char *const bad[] = {"",          "sc-1", "sc_1",       "sc 1",
                                      "autoclose", "adlX", "settlement2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sc_order_manager_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        memcpy(cfg.id_prefix, bad[i], strnlen(bad[i], SC_ORDER_PREFIX_MAX));
        sc_order_manager *m = NULL;
        assert_int_equal(sc_order_manager_create(&cfg, &m), SC_ERR_INVALID_ARG);
        assert_null(m);
    }
    /* An unterminated prefix field is cut at 16 characters, never overread. */
    sc_order_manager_config cfg;
    memset(&cfg, 'A', sizeof(cfg.id_prefix));
    cfg.orders_max = SC_ORDER_MANAGER_ORDERS_MAX + 1;
    cfg.seq_start = 0;
    sc_order_manager *m = NULL;
    assert_int_equal(sc_order_manager_create(&cfg, &m), SC_ERR_INVALID_ARG); /* orders_max */
    cfg.orders_max = 0;
    assert_int_equal(sc_order_manager_create(&cfg, &m), SC_OK);
    assert_string_equal(sc_order_manager_get(m, add(m, SC_PURPOSE_ENTRY))->intent.client_id,
                        "AAAAAAAAAAAAAAAA-e-000001");
    sc_order_manager_destroy(m);
    m = mk("ABCDEFGHIJKLMNOP", 0, 999999);
    int64_t s1 = add(m, SC_PURPOSE_ENTRY);
    int64_t s2 = add(m, SC_PURPOSE_FLATTEN);
    assert_string_equal(sc_order_manager_get(m, s1)->intent.client_id, "ABCDEFGHIJKLMNOP-e-999999");
    assert_string_equal(sc_order_manager_get(m, s2)->intent.client_id,
                        "ABCDEFGHIJKLMNOP-f-1000000");
    sc_order_manager_destroy(m);
    m = mk("ABCDEFGHIJKLMNOP", 0, SC_ORDER_SEQ_MAX);
    int64_t last = add(m, SC_PURPOSE_ENTRY);
    const char *id = sc_order_manager_get(m, last)->intent.client_id;
    assert_int_equal(strlen(id), 31);
    assert_true(sc_client_id_valid(id));
    sc_order_intent in = intent_of(SC_PURPOSE_ENTRY, QTY);
    int64_t seq = 0;
    assert_int_equal(sc_order_manager_add(m, &in, 1, &seq), SC_ERR_LIMIT);
    sc_order_manager_destroy(m);
    char buf[8];
    assert_false(sc_order_client_id_format("sc1", SC_PURPOSE_ENTRY, 1, buf, sizeof(buf)));
}

static void test_table_full_and_recycling(void **state) {
    (void)state;
    sc_order_manager *m = mk("sc1", 3, 0);
    int64_t a = add(m, SC_PURPOSE_ENTRY);
    int64_t b = add(m, SC_PURPOSE_EXIT);
    int64_t c = add(m, SC_PURPOSE_EXIT);
    sc_order_intent in = intent_of(SC_PURPOSE_FLATTEN, QTY);
    int64_t seq = 0;
    assert_int_equal(sc_order_manager_add(m, &in, 1, &seq), SC_ERR_FULL); /* fail closed */
    assert_int_equal(sc_order_manager_stats_get(m).refused_full_n, 1);
    drive_to(m, c, SC_ORDER_FILLED, false);
    drive_to(m, a, SC_ORDER_REJECTED, false);
    int64_t live[4] = {0};
    assert_int_equal(sc_order_manager_live(m, live, 4), 1);
    assert_int_equal(live[0], b);
    /* The oldest final order (a) gives up its slot first, then c. */
    int64_t d = add(m, SC_PURPOSE_FLATTEN);
    assert_null(sc_order_manager_get(m, a));
    assert_non_null(sc_order_manager_get(m, c));
    sc_order_event e = ev_of(SC_ORDER_EV_ACK, 9);
    assert_int_equal(sc_order_manager_apply(m, a, &e, NULL), SC_ERR_NOT_FOUND);
    int64_t f = add(m, SC_PURPOSE_EXIT);
    assert_null(sc_order_manager_get(m, c));
    assert_int_equal(sc_order_manager_add(m, &in, 1, &seq), SC_ERR_FULL);
    assert_int_equal(sc_order_manager_live(m, live, 4), 3);
    assert_int_equal(live[0], b);
    assert_int_equal(live[1], d);
    assert_int_equal(live[2], f);
    assert_int_equal(sc_order_manager_live(m, live, 2), 3); /* cut: the two smallest */
    assert_int_equal(live[1], d);
    assert_int_equal(sc_order_manager_count(m, SC_ORDER_NEW), 3);
    assert_false(sc_order_manager_working_entry(m));
    sc_order_manager_destroy(m);
}

/* The table, written a second time by hand: XX illegal, -- stale, upper case
 * a legal move, lower case an anomaly moving there. Columns as sc_order_col. */
static const char *const k_expect[SC_ORDER_STATE_COUNT] = {
    /*           sent ack f<  f=  cx  rej exp tmo qo  qp  qf  qc  qe  qn */
    [SC_ORDER_NEW] = "SU XX XX XX XX XX XX XX XX XX XX XX XX XX",
    [SC_ORDER_SUBMITTING] = "XX OP PF FI CA RE EX UN XX XX XX XX XX XX",
    [SC_ORDER_OPEN] = "XX -- PF FI CA op EX UN -- -- -- -- -- --",
    [SC_ORDER_PARTIALLY_FILLED] = "XX -- PF FI CA pf EX UN -- -- -- -- -- --",
    [SC_ORDER_FILLED] = "XX -- XX XX fi fi fi XX -- -- -- -- -- --",
    [SC_ORDER_CANCELED] = "XX -- ca fi -- ca ca XX -- -- -- -- -- --",
    [SC_ORDER_REJECTED] = "XX op pf fi ca -- ex XX -- -- -- -- -- --",
    [SC_ORDER_EXPIRED] = "XX -- ex fi ex ex -- XX -- -- -- -- -- --",
    [SC_ORDER_UNKNOWN] = "XX OP PF FI CA RE EX UN OP PF FI CA EX RE",
};

static sc_order_state state_code(char a, char b) {
    static const char codes[SC_ORDER_STATE_COUNT][3] = {"NE", "SU", "OP", "PF", "FI",
                                                        "CA", "RE", "EX", "UN"};
    for (int s = 0; s < SC_ORDER_STATE_COUNT; s++) {
        if (codes[s][0] == (a & ~0x20) && codes[s][1] == (b & ~0x20)) {
            return (sc_order_state)s;
        }
    }
    fail_msg("bad code %c%c", a, b);
    return SC_ORDER_NEW;
}

static sc_order_cell expected_cell(sc_order_state s, sc_order_col c) {
    const char *p = k_expect[s] + 3 * (int)c;
    sc_order_cell cell = {SC_ORDER_CELL_ILLEGAL, SC_ORDER_NEW};
    if (p[0] == 'X') {
        return cell;
    }
    if (p[0] == '-') {
        cell.kind = SC_ORDER_CELL_STALE;
        cell.next = s;
        return cell;
    }
    cell.kind = (p[0] >= 'a') ? SC_ORDER_CELL_ANOMALY : SC_ORDER_CELL_LEGAL;
    cell.next = state_code(p[0], p[1]);
    return cell;
}

/* The event of column c for the order (quantity QTY, filled as drive_to left it). */
static sc_order_event event_for(const sc_order_rec *r, sc_order_col c) {
    static const sc_order_event_kind kinds[] = {
        SC_ORDER_EV_SUBMIT_SENT, SC_ORDER_EV_ACK,    SC_ORDER_EV_FILL,   SC_ORDER_EV_FILL,
        SC_ORDER_EV_CANCEL_ACK,  SC_ORDER_EV_REJECT, SC_ORDER_EV_EXPIRE, SC_ORDER_EV_TIMEOUT};
    static const int64_t qcum[] = {0, QTY / 2, QTY, 0, 0, 0};
    if (c >= SC_ORDER_COL_Q_OPEN) {
        int qs = (int)c - SC_ORDER_COL_Q_OPEN;
        return query_ev((sc_order_query_status)qs, qcum[qs], 100);
    }
    if (c == SC_ORDER_COL_FILL_PART || c == SC_ORDER_COL_FILL_FULL) {
        int64_t rest = QTY - r->filled.steps;
        int64_t q = c == SC_ORDER_COL_FILL_PART ? 1 : rest;
        return fill_ev(q > 0 ? q : 1, PX, true, 100); /* filled: any fill overfills */
    }
    return ev_of(kinds[c], 100);
}

/* Runs ev on order seq in a child; true when the child died of SIGABRT and
 * said "assertion failed". Skips the test when fork is not available. */
static bool dies_by_assert(sc_order_manager *m, int64_t seq, const sc_order_event *ev) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        print_message("SKIP: fork is not available\n");
        skip();
    }
    if (pid == 0) {
        signal(SIGABRT, SIG_DFL);
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        (void)sc_order_manager_apply(m, seq, ev, NULL);
        _exit(0); /* survived: the parent reports it */
    }
    close(fds[1]);
    char out[1024] = {0};
    size_t n = 0;
    ssize_t k;
    while (n < sizeof(out) - 1 && (k = read(fds[0], out + n, sizeof(out) - 1 - n)) > 0) {
        n += (size_t)k;
    }
    close(fds[0]);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT && strstr(out, "assertion failed") != NULL;
}

static void check_cell(sc_order_state s, sc_order_col c, int *illegal_n) {
    sc_order_cell want = expected_cell(s, c);
    sc_order_cell got = sc_order_manager_cell(s, c);
    assert_int_equal(got.kind, want.kind);
    if (want.kind != SC_ORDER_CELL_ILLEGAL) {
        assert_int_equal(got.next, want.next);
    }
    sc_order_manager *m = mk("sc1", 0, 0);
    int64_t seq = add(m, SC_PURPOSE_ENTRY);
    drive_to(m, seq, s,
             c == SC_ORDER_COL_TIMEOUT && (s == SC_ORDER_OPEN || s == SC_ORDER_PARTIALLY_FILLED));
    sc_order_event ev = event_for(sc_order_manager_get(m, seq), c);
    if (want.kind == SC_ORDER_CELL_ILLEGAL) {
        if (!dies_by_assert(m, seq, &ev)) {
            fail_msg("%s + %s did not die by assertion", sc_order_state_name(s),
                     sc_order_col_name(c));
        }
        (*illegal_n)++;
    } else {
        assert_int_equal(sc_order_manager_column(sc_order_manager_get(m, seq), &ev), c);
        static const sc_order_outcome by_kind[] = {SC_ORDER_APPLIED, SC_ORDER_APPLIED,
                                                   SC_ORDER_STALE, SC_ORDER_ANOMALY};
        assert_int_equal(apply(m, seq, ev), by_kind[want.kind]);
        assert_int_equal(state_of(m, seq), want.next);
    }
    sc_order_manager_destroy(m);
}

static void test_transition_matrix(void **state) {
    (void)state;
    int illegal_n = 0;
    for (int s = 0; s < SC_ORDER_STATE_COUNT; s++) {
        for (int c = 0; c < SC_ORDER_COL_COUNT; c++) {
            check_cell((sc_order_state)s, (sc_order_col)c, &illegal_n);
        }
    }
    assert_int_equal(illegal_n, 33);
}

static void test_overfill_and_stray_timeout_die(void **state) {
    (void)state;
    sc_order_manager *m = mk("sc1", 0, 0);
    int64_t a = add(m, SC_PURPOSE_ENTRY);
    drive_to(m, a, SC_ORDER_PARTIALLY_FILLED, false);
    sc_order_event over = fill_ev(QTY / 2 + 1, PX, true, 9);
    assert_true(dies_by_assert(m, a, &over));
    sc_order_event tmo = ev_of(SC_ORDER_EV_TIMEOUT, 9); /* no cancel was requested */
    assert_true(dies_by_assert(m, a, &tmo));
    int64_t b = add(m, SC_PURPOSE_ENTRY);
    drive_to(m, b, SC_ORDER_CANCELED, false);
    over = fill_ev(QTY + 1, PX, true, 9); /* a late fill past the quantity */
    assert_true(dies_by_assert(m, b, &over));
    assert_int_equal(sc_order_manager_get(m, a)->filled.steps, QTY / 2); /* parent untouched */
    sc_order_manager_destroy(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_fill),
        cmocka_unit_test(test_partial_then_full),
        cmocka_unit_test(test_partial_then_cancel),
        cmocka_unit_test(test_reject_and_expire),
        cmocka_unit_test(test_unknown_resolved_by_query),
        cmocka_unit_test(test_unknown_resolved_by_late_news),
        cmocka_unit_test(test_anomalies_recorded),
        cmocka_unit_test(test_bad_event_data),
        cmocka_unit_test(test_client_ids),
        cmocka_unit_test(test_prefix_and_sequence_limits),
        cmocka_unit_test(test_table_full_and_recycling),
        cmocka_unit_test(test_transition_matrix),
        cmocka_unit_test(test_overfill_and_stray_timeout_die),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
