/* EmergencyShutdown over the paper engine on tests/data/demo_capture.txt:
 * a shutdown with a position open walks every phase, cancels every order,
 * flattens with a reduce-only order and ends flat (exit 0); a second SIGINT
 * exits at once (6); a shutdown when flat is done at once; a book out of
 * sync (the flatten is refused by the simulator) fails at the limit (5).
 *
 * The capture spans 2.2 s: too short for the strategy (1 s candles,
 * strategy.entry_score_min 0.2 as tests/replay/test_paper_real.c) to hold
 * a position, so the position is opened by one decision handed in with
 * sc_paper_on_decision (a taker buy through the veto gate, the advisor's
 * answer "enter_long"), after forbidden.vol_window_s (lowered to 1 s) of
 * history. */
#include "support/support.h"

#include <stdio.h>
#include <string.h>

#include "core/instrument.h"
#include "engine/paper.h"
#include "engine/shutdown.h"
#include "market/capture.h"
#include "market/decoder.h"

enum { MSG_MAX = 4096 };

typedef struct {
    uint64_t flatten_sent; /* reduce-only MARKET flatten orders submitted */
    uint64_t non_reduce_sent_after;
    uint64_t cancels_acked;
    uint64_t entry_vetoes_after;
    uint64_t flatten_vetoes;
} seen;

typedef struct {
    sc_paper *p;
    sc_capture_reader *rd;
    sc_decoder *dec; /* for the best ask */
    sc_px ask;
    sc_ns first_ns;
    sc_ns last_ns;
    bool stopped; /* shutdown requested: count what follows */
    seen s;
} fixture;

static void drain(fixture *f) {
    sc_paper_record r;
    while (sc_paper_next_record(f->p, &r)) {
        if (r.kind == SC_PAPER_REC_ORDER && r.ev_kind == SC_ORDER_EV_SUBMIT_SENT) {
            if (r.purpose == SC_PURPOSE_FLATTEN && r.type == SC_ORD_MARKET) {
                f->s.flatten_sent++;
            }
            const sc_order_rec *o = sc_order_manager_get(sc_paper_orders(f->p), r.seq);
            assert_non_null(o);
            if (f->stopped && !o->intent.reduce_only) {
                f->s.non_reduce_sent_after++;
            }
        }
        if (r.kind == SC_PAPER_REC_ORDER && r.ev_kind == SC_ORDER_EV_CANCEL_ACK) {
            f->s.cancels_acked++;
        }
        if (r.kind == SC_PAPER_REC_VETO && r.purpose == SC_PURPOSE_FLATTEN) {
            f->s.flatten_vetoes++;
        }
        if (f->stopped && r.kind == SC_PAPER_REC_VETO && r.purpose == SC_PURPOSE_ENTRY) {
            assert_int_equal(r.reason, SC_VETO_R_KILL_SWITCH);
            f->s.entry_vetoes_after++;
        }
    }
}

static void open_fixture(fixture *f) {
    memset(f, 0, sizeof(*f));
    sc_params prm;
    sc_params_defaults(&prm);
    prm.v[SC_P_STRAT_ENTRY_SCORE_MIN] = 0.2;
    prm.v[SC_P_STRAT_COOLDOWN_S] = 0;
    prm.v[SC_P_FORBID_VOL_WINDOW_S] = 1;
    sc_paper_config c;
    memset(&c, 0, sizeof(c));
    c.ins = sc_instrument_find("usdm:BTCUSDT");
    c.params = &prm;
    c.start_equity.e8 = INT64_C(100000) * INT64_C(100000000);
    c.maker_fee_bps_x100 = 200;
    c.taker_fee_bps_x100 = 500;
    c.latency_ns = 5 * SC_NS_PER_MS;
    c.jitter_ns = 5 * SC_NS_PER_MS;
    c.seed = 7;
    c.id_prefix = "shut";
    c.strategy = true;
    c.tf_ns = SC_NS_PER_S;
    assert_int_equal(sc_paper_create(&c, &f->p), SC_OK);
    sc_decoder_config dc = {.ins = c.ins, .levels_max = 0};
    assert_int_equal(sc_decoder_create(&dc, &f->dec), SC_OK);
    char path[1024];
    sc_test_source_path("tests/data/demo_capture.txt", path, sizeof(path));
    sc_capture_reader_config rc = {0};
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    const char *pp[1] = {path};
    assert_int_equal(sc_capture_reader_open(&rc, pp, 1, &f->rd, &ei), SC_OK);
}

static void close_fixture(fixture *f) {
    sc_capture_reader_close(f->rd);
    sc_decoder_destroy(f->dec);
    sc_paper_destroy(f->p);
}

/* One more message; false at the end of the capture. */
static bool feed(fixture *f) {
    sc_capture_line ln;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    if (sc_capture_reader_next(f->rd, &ln, &ei) != SC_OK) {
        return false;
    }
    assert_int_equal(sc_paper_on_message(f->p, ln.ts_local_ns, ln.json, ln.json_len, &ei), SC_OK);
    sc_event ev;
    if (sc_decoder_decode(f->dec, ln.json, ln.json_len, ln.ts_local_ns, &ev, &ei) == SC_OK &&
        ev.kind == SC_EV_BOOK_TICKER) {
        f->ask = ev.u.book_ticker.ask.px;
    }
    f->first_ns = f->first_ns == 0 ? ln.ts_local_ns : f->first_ns;
    f->last_ns = ln.ts_local_ns;
    drain(f);
    return true;
}

/* A buy of 3 steps at px_ticks through the veto gate, with the advisor's
 * enter_long: a taker (IOC) or a maker (GTX, rests below the touch). */
static void buy(fixture *f, sc_entry_style style, int64_t px_ticks) {
    sc_signal sig;
    memset(&sig, 0, sizeof(sig));
    sig.ts_ns = f->last_ns;
    sig.kind = SC_SIG_ENTER_LONG;
    sig.score = 1.0;
    sig.style = style;
    sig.entry_px.ticks = px_ticks;
    sig.qty.steps = 3;
    sig.stop_px.ticks = f->ask.ticks - 1000;
    sig.target_px.ticks = f->ask.ticks + 2000;
    sig.max_hold_ns = 180 * SC_NS_PER_S;
    sig.n_reasons = 1;
    snprintf(sig.reasons[0].text, sizeof(sig.reasons[0].text), "shutdown test");
    sig.reasons[0].contribution = 1.0;
    sc_decision_answer ans;
    memset(&ans, 0, sizeof(ans));
    ans.action = SC_DECISION_ENTER_LONG;
    ans.confidence = 1.0;
    ans.size_fraction = 1.0;
    sc_decision_verdict why;
    memset(&why, 0, sizeof(why));
    why.reason = SC_DECISION_R_OK;
    why.advised = SC_DECISION_ENTER_LONG;
    sc_paper_on_decision(f->p, f->last_ns, &sig, &ans, &why);
    drain(f);
}

/* Opens a long of 3 steps: a taker buy 10 ticks through the ask, with the
 * advisor's enter_long, then feeds until it filled. */
static void until_position(fixture *f) {
    while (f->last_ns - f->first_ns < 3 * SC_NS_PER_S / 2 || f->ask.ticks == 0) {
        assert_true(feed(f));
    }
    buy(f, SC_ENTRY_TAKER, f->ask.ticks + 10);
    while (sc_paper_position(f->p).qty_steps == 0) {
        assert_true(feed(f));
    }
    assert_true(sc_paper_position(f->p).qty_steps > 0);
}

static sc_shutdown *make_shutdown(fixture *f, uint64_t events_max) {
    sc_shutdown_config sc = {.paper = f->p, .events_max = events_max, .wait_ns_max = 0};
    sc_shutdown *sd = NULL;
    assert_int_equal(sc_shutdown_create(&sc, &sd), SC_OK);
    return sd;
}

/* Drives the shutdown with messages, then timer ticks once the capture ends. */
static void drive(fixture *f, sc_shutdown *sd) {
    for (int i = 0; i < MSG_MAX && !sc_shutdown_finished(sd); i++) {
        if (!feed(f)) {
            f->last_ns += 100 * SC_NS_PER_MS;
            sc_paper_on_timer(f->p, f->last_ns);
            drain(f);
        }
        (void)sc_shutdown_step(sd, f->last_ns);
    }
    assert_true(sc_shutdown_finished(sd));
}

static void test_position_open_ends_flat(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f);
    until_position(&f);
    buy(&f, SC_ENTRY_MAKER, f.ask.ticks - 60); /* rests: cancel_all has work */
    for (int i = 0; i < 20; i++) {
        assert_true(feed(&f));
    }
    assert_int_equal(sc_paper_live_orders(f.p), 1);
    uint64_t cancels_before = f.s.cancels_acked;
    sc_shutdown *sd = make_shutdown(&f, 0);
    assert_int_equal(sc_shutdown_phase_of(sd), SC_SHUTDOWN_RUNNING);
    f.stopped = true;
    sc_shutdown_phase ph = sc_shutdown_request(sd, SC_SHUTDOWN_SIGTERM, f.last_ns);
    drain(&f);
    assert_int_equal(ph, SC_SHUTDOWN_CANCEL_ALL); /* the buy's cancel is not answered yet */
    assert_true(sc_paper_stopping(f.p));
    assert_false(sc_paper_killed(f.p, f.last_ns)); /* a shutdown is not a trip */
    drive(&f, sd);
    assert_int_equal(sc_shutdown_phase_of(sd), SC_SHUTDOWN_DONE);
    assert_int_equal(sc_shutdown_exit_code(sd), SC_SHUTDOWN_EXIT_FLAT);
    sc_shutdown_status st;
    sc_shutdown_status_get(sd, &st);
    const sc_shutdown_phase want[] = {SC_SHUTDOWN_STOP_ENTRIES, SC_SHUTDOWN_CANCEL_ALL,
                                      SC_SHUTDOWN_FLATTEN, SC_SHUTDOWN_VERIFY_FLAT,
                                      SC_SHUTDOWN_DONE};
    assert_int_equal(st.trail_n, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(st.trail[i].phase, want[i]);
    }
    assert_int_equal(st.reason, SC_SHUTDOWN_SIGTERM);
    assert_int_equal(sc_paper_position(f.p).qty_steps, 0);
    assert_int_equal(sc_paper_live_orders(f.p), 0);
    assert_true(f.s.flatten_sent >= 1);
    assert_int_equal(f.s.non_reduce_sent_after, 0);
    assert_true(f.s.cancels_acked > cancels_before); /* the resting buy was canceled */
    sc_risk_metrics_snapshot m;
    sc_paper_metrics(f.p, &m);
    assert_int_equal(m.position_steps, 0);
    /* finished: later requests change nothing */
    assert_int_equal(sc_shutdown_request(sd, SC_SHUTDOWN_SIGINT, f.last_ns), SC_SHUTDOWN_DONE);
    char line[256];
    assert_true(sc_shutdown_describe(sd, line, sizeof(line)) > 0);
    assert_non_null(strstr(line, "done: flat"));
    sc_shutdown_destroy(sd);
    close_fixture(&f);
}

static void test_second_sigint_immediate(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f);
    until_position(&f);
    sc_shutdown *sd = make_shutdown(&f, 0);
    f.stopped = true;
    sc_shutdown_phase ph = sc_shutdown_request(sd, SC_SHUTDOWN_SIGINT, f.last_ns);
    assert_false(sc_shutdown_finished(sd));
    assert_true(ph == SC_SHUTDOWN_CANCEL_ALL || ph == SC_SHUTDOWN_FLATTEN);
    /* SIGTERM and a kill-switch trip while under way change nothing */
    assert_int_equal(sc_shutdown_request(sd, SC_SHUTDOWN_SIGTERM, f.last_ns), ph);
    assert_int_equal(sc_shutdown_request(sd, SC_SHUTDOWN_KILL_SWITCH, f.last_ns), ph);
    assert_int_equal(sc_shutdown_request(sd, SC_SHUTDOWN_SIGINT, f.last_ns), SC_SHUTDOWN_IMMEDIATE);
    assert_int_equal(sc_shutdown_exit_code(sd), SC_SHUTDOWN_EXIT_IMMEDIATE);
    assert_int_equal(sc_shutdown_step(sd, f.last_ns + 1), SC_SHUTDOWN_IMMEDIATE);
    sc_shutdown_status st;
    sc_shutdown_status_get(sd, &st);
    assert_int_equal(st.requests_ignored, 2);
    assert_int_equal(st.reason, SC_SHUTDOWN_SIGINT);
    char line[256];
    assert_true(sc_shutdown_describe(sd, line, sizeof(line)) > 0);
    assert_non_null(strstr(line, "IMMEDIATE"));
    sc_shutdown_destroy(sd);
    close_fixture(&f);
}

static void test_flat_done_at_once(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f);
    for (int i = 0; i < 200; i++) {
        assert_true(feed(&f));
    }
    assert_int_equal(sc_paper_position(f.p).qty_steps, 0);
    assert_int_equal(sc_paper_live_orders(f.p), 0);
    sc_shutdown *sd = make_shutdown(&f, 0);
    f.stopped = true;
    assert_int_equal(sc_shutdown_request(sd, SC_SHUTDOWN_KILL_SWITCH, f.last_ns), SC_SHUTDOWN_DONE);
    assert_int_equal(sc_shutdown_exit_code(sd), SC_SHUTDOWN_EXIT_FLAT);
    /* entries are refused from now on */
    while (feed(&f)) {
    }
    assert_int_equal(sc_paper_position(f.p).qty_steps, 0);
    assert_int_equal(f.s.non_reduce_sent_after, 0);
    sc_shutdown_destroy(sd);
    close_fixture(&f);
}

/* A depth diff whose pu does not follow: the book goes out of sync; the
 * flatten MARKET order then has no reference price (no touch) and the
 * sanity level vetoes it on every try. */
static void break_book(fixture *f) {
    sc_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SC_EV_DEPTH;
    ev.ts_local_ns = f->last_ns;
    ev.u.depth.ts_exch_ns = f->last_ns;
    ev.u.depth.first_id = INT64_C(9000000000000000);
    ev.u.depth.final_id = INT64_C(9000000000000010);
    ev.u.depth.prev_final_id = INT64_C(8999999999999990);
    sc_paper_on_event(f->p, &ev);
    drain(f);
}

static void test_not_flat_fails_at_limit(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f);
    until_position(&f);
    int64_t pos = sc_paper_position(f.p).qty_steps;
    break_book(&f);
    sc_shutdown *sd = make_shutdown(&f, 50);
    f.stopped = true;
    (void)sc_shutdown_request(sd, SC_SHUTDOWN_SIGINT, f.last_ns);
    for (int i = 0; i < 100 && !sc_shutdown_finished(sd); i++) {
        f.last_ns += 10 * SC_NS_PER_MS; /* timers only: no snapshot heals the book */
        sc_paper_on_timer(f.p, f.last_ns);
        drain(&f);
        (void)sc_shutdown_step(sd, f.last_ns);
    }
    assert_int_equal(sc_shutdown_phase_of(sd), SC_SHUTDOWN_FAILED);
    assert_int_equal(sc_shutdown_exit_code(sd), SC_SHUTDOWN_EXIT_NOT_FLAT);
    sc_shutdown_status st;
    sc_shutdown_status_get(sd, &st);
    assert_int_equal(st.events, 50);
    assert_int_equal(st.position_steps, pos);
    assert_int_equal(sc_paper_position(f.p).qty_steps, pos);
    assert_int_equal(f.s.flatten_sent, 0);
    assert_true(f.s.flatten_vetoes >= 50); /* tried on every event, refused every time */
    char line[256];
    assert_true(sc_shutdown_describe(sd, line, sizeof(line)) > 0);
    assert_non_null(strstr(line, "NOT FLAT"));
    sc_shutdown_destroy(sd);
    close_fixture(&f);
}

static void test_config_limits(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f);
    sc_shutdown *sd = NULL;
    sc_shutdown_config c = {.paper = NULL, .events_max = 0, .wait_ns_max = 0};
    assert_int_equal(sc_shutdown_create(&c, &sd), SC_ERR_INVALID_ARG);
    c.paper = f.p;
    c.events_max = SC_SHUTDOWN_EVENTS_MAX + 1;
    assert_int_equal(sc_shutdown_create(&c, &sd), SC_ERR_INVALID_ARG);
    c.events_max = 0;
    c.wait_ns_max = SC_SHUTDOWN_WAIT_NS_MAX + 1;
    assert_int_equal(sc_shutdown_create(&c, &sd), SC_ERR_INVALID_ARG);
    assert_null(sd);
    assert_string_equal(sc_shutdown_phase_name(SC_SHUTDOWN_VERIFY_FLAT), "verify_flat");
    assert_string_equal(sc_shutdown_reason_name(SC_SHUTDOWN_KILL_SWITCH), "kill_switch");
    close_fixture(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_position_open_ends_flat),
        cmocka_unit_test(test_second_sigint_immediate),
        cmocka_unit_test(test_flat_done_at_once),
        cmocka_unit_test(test_not_flat_fails_at_limit),
        cmocka_unit_test(test_config_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
