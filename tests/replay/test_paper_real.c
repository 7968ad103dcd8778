/* The paper engine on a real capture (usdm BTCUSDT 2024-08-08): orders are
 * placed and filled through the veto gate, fills respect their limits and
 * the traded range, the position stays within 0.5 BTC, no entry leaves after
 * the kill switch trips (an operator trip at 3/4 of the run), every veto
 * carries its reason, the run ends flat, and two runs give the same records.
 * The capture has no markPrice stream: an open position is revalued between
 * fills from the touch it would close at (so the loss triggers see it).
 *
 * The strategy runs on 1 s candles with a low strategy.entry_score_min (0.2)
 * and no cooldown: at the default parameters the rules path produces too few
 * entries in one capture for every assertion here to bite. */
#include "support/support.h"

#include <stdio.h>
#include <string.h>

#include "core/instrument.h"
#include "engine/paper.h"
#include "market/capture.h"
#include "market/decoder.h"

#define CAPTURE "binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst"
#define MESSAGES_EXPECTED 93954

typedef struct {
    sc_paper_stats st;
    uint64_t vetoes;
    uint64_t entries_sent;
    uint64_t entries_after_trip;
    uint64_t fills;
    uint64_t bad_fills;
    uint64_t bad_vetoes;
    int64_t max_abs_pos;
    bool tripped;
    sc_position end_pos;
    size_t end_live;
    uint64_t open_msgs; /* messages after which a position was open */
    uint64_t revalued;  /* of those: unrealized PnL moved with no fill */
    int64_t last_fills;
    int64_t last_unreal_e8;
} run_result;

typedef struct {
    int64_t lo;
    int64_t hi;
} px_range;

static void check_record(const sc_paper_record *r, const px_range *rg, run_result *res) {
    if (r->kind == SC_PAPER_REC_KILL_SWITCH) {
        res->tripped = true;
    } else if (r->kind == SC_PAPER_REC_VETO) {
        res->vetoes++;
        bool ok = r->reason != SC_VETO_R_OK && r->level != SC_VETO_LEVEL_NONE &&
                  sc_veto_reason_level(r->reason) == r->level && r->detail[0] != '\0';
        res->bad_vetoes += ok ? 0 : 1;
    } else if (r->kind == SC_PAPER_REC_ORDER && r->ev_kind == SC_ORDER_EV_SUBMIT_SENT &&
               r->purpose == SC_PURPOSE_ENTRY) {
        res->entries_sent++;
        res->entries_after_trip += res->tripped ? 1 : 0;
    } else if (r->kind == SC_PAPER_REC_ORDER && r->ev_kind == SC_ORDER_EV_FILL) {
        res->fills++;
        int64_t fp = r->fill_px.ticks;
        bool ok = r->fill_qty.steps > 0 && fp >= rg->lo && fp <= rg->hi;
        if (r->type == SC_ORD_LIMIT) {
            ok = ok && (r->side == SC_SIDE_BUY ? fp <= r->px.ticks : fp >= r->px.ticks);
            ok = ok && (!r->maker || fp == r->px.ticks);
        }
        ok = ok && (r->type != SC_ORD_MARKET || !r->maker);
        res->bad_fills += ok ? 0 : 1;
    }
}

/* The capture has no markPrice stream: an open position must still be
 * revalued between fills (from the touch it would close at). */
static void check_marks(sc_paper *p, run_result *res) {
    sc_risk_metrics_snapshot s;
    sc_paper_metrics(p, &s);
    bool open = s.position_steps != 0;
    bool no_fill = (int64_t)res->fills == res->last_fills;
    if (open && no_fill) {
        res->open_msgs++;
        res->revalued += s.unrealized_pnl.e8 != res->last_unreal_e8 ? 1 : 0;
    }
    res->last_fills = (int64_t)res->fills;
    res->last_unreal_e8 = s.unrealized_pnl.e8;
}

static void drain(sc_paper *p, const px_range *rg, run_result *res) {
    sc_paper_record r;
    while (sc_paper_next_record(p, &r)) {
        check_record(&r, rg, res);
    }
    check_marks(p, res);
    int64_t q = sc_paper_position(p).qty_steps;
    q = q < 0 ? -q : q;
    res->max_abs_pos = q > res->max_abs_pos ? q : res->max_abs_pos;
}

/* The traded range of the capture: every fill must lie inside it. */
static void trade_range(const char *path, px_range *rg) {
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    sc_decoder *dec = NULL;
    sc_decoder_config dc = {.ins = ins, .levels_max = 0};
    assert_int_equal(sc_decoder_create(&dc, &dec), SC_OK);
    sc_capture_reader *rd = NULL;
    sc_capture_reader_config rc = {0};
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    const char *pp[1] = {path};
    assert_int_equal(sc_capture_reader_open(&rc, pp, 1, &rd, &ei), SC_OK);
    rg->lo = INT64_MAX;
    rg->hi = 0;
    sc_capture_line ln;
    sc_event ev;
    while (sc_capture_reader_next(rd, &ln, &ei) == SC_OK) {
        if (sc_decoder_decode(dec, ln.json, ln.json_len, ln.ts_local_ns, &ev, &ei) == SC_OK &&
            (ev.kind == SC_EV_TRADE || ev.kind == SC_EV_AGG_TRADE)) {
            rg->lo = ev.u.trade.px.ticks < rg->lo ? ev.u.trade.px.ticks : rg->lo;
            rg->hi = ev.u.trade.px.ticks > rg->hi ? ev.u.trade.px.ticks : rg->hi;
        }
    }
    sc_capture_reader_close(rd);
    sc_decoder_destroy(dec);
    assert_true(rg->lo > 0 && rg->hi >= rg->lo);
}

static void run(const char *path, const px_range *rg, run_result *res) {
    memset(res, 0, sizeof(*res));
    sc_params prm;
    sc_params_defaults(&prm);
    prm.v[SC_P_STRAT_ENTRY_SCORE_MIN] = 0.2;
    prm.v[SC_P_STRAT_COOLDOWN_S] = 0;
    sc_paper_config c;
    memset(&c, 0, sizeof(c));
    c.ins = sc_instrument_find("usdm:BTCUSDT");
    c.params = &prm;
    c.start_equity.e8 = INT64_C(100000) * INT64_C(100000000); /* 100k USDT */
    c.maker_fee_bps_x100 = 200;
    c.taker_fee_bps_x100 = 500;
    c.latency_ns = 5 * SC_NS_PER_MS;
    c.jitter_ns = 5 * SC_NS_PER_MS;
    c.seed = 42;
    c.id_prefix = "paper";
    c.strategy = true;
    c.tf_ns = SC_NS_PER_S;
    sc_paper *p = NULL;
    assert_int_equal(sc_paper_create(&c, &p), SC_OK);
    sc_capture_reader *rd = NULL;
    sc_capture_reader_config rc = {0};
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    const char *pp[1] = {path};
    assert_int_equal(sc_capture_reader_open(&rc, pp, 1, &rd, &ei), SC_OK);
    sc_capture_line ln;
    uint64_t n = 0;
    sc_ns last = 0;
    while (sc_capture_reader_next(rd, &ln, &ei) == SC_OK) {
        assert_int_equal(sc_paper_on_message(p, ln.ts_local_ns, ln.json, ln.json_len, &ei), SC_OK);
        drain(p, rg, res);
        last = ln.ts_local_ns;
        if (++n == MESSAGES_EXPECTED * 3 / 4) {
            sc_paper_kill(p, ln.ts_local_ns, "replay test: operator trip");
            drain(p, rg, res);
        }
    }
    sc_paper_on_timer(p, last + 10 * SC_NS_PER_S); /* let the flatten land */
    sc_paper_finish(p);
    drain(p, rg, res);
    sc_capture_reader_close(rd);
    assert_int_equal(n, MESSAGES_EXPECTED);
    sc_paper_get_stats(p, &res->st);
    res->end_pos = sc_paper_position(p);
    res->end_live = sc_paper_live_orders(p);
    sc_paper_destroy(p);
}

static void test_paper_on_capture(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(CAPTURE, path);
    px_range rg;
    trade_range(path, &rg);
    run_result a;
    run_result b;
    run(path, &rg, &a);
    print_message("paper: bars %llu decisions %llu intents %llu allowed %llu vetoed %llu "
                  "(ks %llu forbidden %llu rulebook %llu sanity %llu ai %llu) fills %llu "
                  "entries filled %llu protective %llu flattens %llu replaces %llu "
                  "escalations %llu trips %llu records %llu lost %llu errors %llu max pos %lld\n",
                  (unsigned long long)a.st.bars, (unsigned long long)a.st.decisions,
                  (unsigned long long)a.st.intents, (unsigned long long)a.st.allowed,
                  (unsigned long long)a.st.vetoed, (unsigned long long)a.st.vetoed_by_level[1],
                  (unsigned long long)a.st.vetoed_by_level[2],
                  (unsigned long long)a.st.vetoed_by_level[3],
                  (unsigned long long)a.st.vetoed_by_level[4],
                  (unsigned long long)a.st.vetoed_by_level[5], (unsigned long long)a.st.fills,
                  (unsigned long long)a.st.entries_filled, (unsigned long long)a.st.protective,
                  (unsigned long long)a.st.flattens, (unsigned long long)a.st.replaces,
                  (unsigned long long)a.st.escalations, (unsigned long long)a.st.ks_trips,
                  (unsigned long long)a.st.records, (unsigned long long)a.st.records_lost,
                  (unsigned long long)a.st.errors, (long long)a.max_abs_pos);
    assert_true(a.st.allowed > 0);
    assert_true(a.entries_sent > 0);
    assert_true(a.st.entries_filled > 0);
    assert_true(a.fills > 0);
    assert_int_equal(a.bad_fills, 0);
    assert_int_equal(a.bad_vetoes, 0);
    assert_true(a.vetoes > 0);
    assert_true(a.max_abs_pos <= 500 && a.st.max_abs_position_steps <= 500);
    assert_true(a.tripped);
    assert_int_equal(a.entries_after_trip, 0);
    assert_int_equal(a.end_pos.qty_steps, 0); /* the kill switch ends flat */
    assert_int_equal(a.end_live, 0);
    assert_int_equal(a.st.records_lost, 0);
    /* no markPrice stream in this capture: marks come from the touch */
    print_message("paper: %llu book marks; position open after %llu messages without a fill, "
                  "revalued after %llu of them\n",
                  (unsigned long long)a.st.book_marks, (unsigned long long)a.open_msgs,
                  (unsigned long long)a.revalued);
    assert_true(a.st.book_marks > 0);
    assert_true(a.open_msgs > 0 && a.revalued > 0);
    run(path, &rg, &b);
    assert_true(a.st.event_hash == b.st.event_hash);
    assert_int_equal(a.st.records, b.st.records);
    assert_int_equal(a.st.fills, b.st.fills);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper_on_capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
