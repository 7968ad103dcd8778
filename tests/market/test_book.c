/* test_book.c: OrderBookManager — sync procedure, level rules, the dense /
 * far storage and the queries, plus a seeded comparison against a plain
 * reference model. */
#include "support/support.h"

#include <stdlib.h>
#include <string.h>

#include "core/instrument.h"
#include "core/rng.h"
#include "market/book.h"

#define NLV(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))
#define LV(p, q) ((sc_level){{(p)}, {(q)}})

/* 60000.0 on the usdm grid (tick 0.1). */
enum { PX = 600000 };

static sc_book *mk(const char *ins, uint32_t window, uint32_t far, uint32_t ev, uint32_t lv) {
    sc_book_config c = {sc_instrument_find(ins), window, far, ev, lv};
    assert_non_null(c.ins);
    sc_book *b = NULL;
    assert_int_equal(sc_book_create(&c, &b), SC_OK);
    assert_non_null(b);
    return b;
}

static sc_book *mk_usdm(void) {
    return mk("usdm:BTCUSDT", 0, 0, 0, 0);
}

static sc_depth diff(int64_t U, int64_t u, int64_t pu, const sc_level *bids, uint32_t nb,
                     const sc_level *asks, uint32_t na) {
    sc_depth d;
    memset(&d, 0, sizeof(d));
    d.first_id = U;
    d.final_id = u;
    d.prev_final_id = pu;
    d.bids = bids;
    d.n_bids = nb;
    d.asks = asks;
    d.n_asks = na;
    return d;
}

static sc_book_result feed(sc_book *b, sc_depth d) {
    sc_book_result r = (sc_book_result)-1;
    assert_int_equal(sc_book_on_depth(b, &d, &r), SC_OK);
    return r;
}

/* A diff with no levels: enough to drive the id rules. */
static sc_book_result feed_ids(sc_book *b, int64_t U, int64_t u, int64_t pu) {
    return feed(b, diff(U, u, pu, NULL, 0, NULL, 0));
}

static sc_book_result snap(sc_book *b, int64_t L, const sc_level *bids, uint32_t nb,
                           const sc_level *asks, uint32_t na) {
    sc_snapshot s;
    memset(&s, 0, sizeof(s));
    s.last_update_id = L;
    s.bids = bids;
    s.n_bids = nb;
    s.asks = asks;
    s.n_asks = na;
    sc_book_result r = (sc_book_result)-1;
    assert_int_equal(sc_book_on_snapshot(b, &s, &r), SC_OK);
    return r;
}

/* The standard snapshot: bids 60000.0 x10, 59999.0 x20, 59990.0 x30; asks
 * 60001.0 x5, 60002.0 x15, 60010.0 x25. */
static const sc_level k_bids[] = {{{PX}, {10}}, {{PX - 10}, {20}}, {{PX - 100}, {30}}};
static const sc_level k_asks[] = {{{PX + 10}, {5}}, {{PX + 20}, {15}}, {{PX + 100}, {25}}};

static sc_book_result snap_std(sc_book *b, int64_t L) {
    return snap(b, L, k_bids, NLV(k_bids), k_asks, NLV(k_asks));
}

static int64_t qty(const sc_book *b, sc_side side, int64_t px) {
    sc_qty q = {-1};
    assert_int_equal(sc_book_qty_at(b, side, (sc_px){px}, &q), SC_OK);
    return q.steps;
}

static sc_level best(const sc_book *b, sc_side side) {
    sc_level l = LV(-1, -1);
    assert_int_equal(sc_book_best(b, side, &l), SC_OK);
    return l;
}

static sc_book_stats stats(const sc_book *b) {
    sc_book_stats s;
    sc_book_get_stats(b, &s);
    return s;
}

/* Synced at L=1000 then bridged by a levelless diff [995, 1005]. */
static sc_book *synced_book(void) {
    sc_book *b = mk_usdm();
    assert_int_equal(snap_std(b, 1000), SC_BOOK_APPLIED);
    assert_int_equal(feed_ids(b, 995, 1005, 990), SC_BOOK_APPLIED);
    assert_true(sc_book_is_synced(b));
    return b;
}

static void assert_not_synced_queries(const sc_book *b) {
    sc_level l;
    sc_qty q;
    uint32_t n = 99;
    int64_t m;
    double im;
    assert_false(sc_book_is_synced(b));
    assert_int_equal(sc_book_best(b, SC_SIDE_BUY, &l), SC_ERR_NOT_SYNCED);
    assert_int_equal(sc_book_best(b, SC_SIDE_SELL, &l), SC_ERR_NOT_SYNCED);
    assert_int_equal(sc_book_qty_at(b, SC_SIDE_BUY, (sc_px){PX}, &q), SC_ERR_NOT_SYNCED);
    assert_int_equal(sc_book_top(b, SC_SIDE_BUY, 1, &l, &n), SC_ERR_NOT_SYNCED);
    assert_int_equal(sc_book_mid_x2(b, &m), SC_ERR_NOT_SYNCED);
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_SELL, 10, &q), SC_ERR_NOT_SYNCED);
    assert_int_equal(sc_book_imbalance(b, 5, &im), SC_ERR_NOT_SYNCED);
}

/* ---- lifecycle and arguments ------------------------------------------ */

static void test_create_config(void **state) {
    (void)state;
    sc_book *b = NULL;
    sc_book_config c = {NULL, 0, 0, 0, 0};
    assert_int_equal(sc_book_create(&c, &b), SC_ERR_INVALID_ARG);
    assert_null(b);
    c.ins = sc_instrument_find("usdm:BTCUSDT");
    c.window_ticks = 1000; /* not a power of two */
    assert_int_equal(sc_book_create(&c, &b), SC_ERR_INVALID_ARG);
    c.window_ticks = 32; /* below one bitmap word */
    assert_int_equal(sc_book_create(&c, &b), SC_ERR_INVALID_ARG);
    c.window_ticks = SC_BOOK_WINDOW_TICKS_MAX * 2u;
    assert_int_equal(sc_book_create(&c, &b), SC_ERR_INVALID_ARG);
    c.window_ticks = 0;
    c.far_levels_max = SC_BOOK_FAR_LEVELS_MAX + 1;
    assert_int_equal(sc_book_create(&c, &b), SC_ERR_INVALID_ARG);
    c.far_levels_max = 0;
    assert_int_equal(sc_book_create(NULL, &b), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_book_create(&c, NULL), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_book_create(&c, &b), SC_OK);
    assert_false(sc_book_is_synced(b));
    assert_int_equal(sc_book_last_update_id(b), SC_ID_NONE);
    assert_not_synced_queries(b);
    sc_book_destroy(b);
    sc_book_destroy(NULL);
}

static void test_invalid_args(void **state) {
    (void)state;
    sc_book *b = synced_book();
    sc_book_result r;
    sc_level neg_qty[] = {LV(PX, -1)};
    sc_level neg_px[] = {LV(-5, 1)};
    sc_level huge_px[] = {LV(SC_BOOK_PX_MAX + 1, 1)};
    sc_depth d = diff(1006, 1010, 1005, neg_qty, 1, NULL, 0);
    assert_int_equal(sc_book_on_depth(b, &d, &r), SC_ERR_INVALID_ARG);
    d = diff(1006, 1010, 1005, NULL, 0, neg_px, 1);
    assert_int_equal(sc_book_on_depth(b, &d, &r), SC_ERR_INVALID_ARG);
    d = diff(1006, 1010, 1005, huge_px, 1, NULL, 0);
    assert_int_equal(sc_book_on_depth(b, &d, &r), SC_ERR_INVALID_ARG);
    d = diff(1006, 1010, 1005, NULL, 2, NULL, 0);
    assert_int_equal(sc_book_on_depth(b, &d, &r), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_book_on_depth(b, NULL, &r), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_book_on_depth(b, &d, NULL), SC_ERR_INVALID_ARG);
    sc_snapshot s = {-1, 0, 0, NULL, NULL, 0, 0};
    assert_int_equal(sc_book_on_snapshot(b, &s, &r), SC_ERR_INVALID_ARG);
    /* Nothing changed: the chain still continues from 1005. */
    assert_int_equal(sc_book_last_update_id(b), 1005);
    assert_int_equal(feed_ids(b, 1006, 1010, 1005), SC_BOOK_APPLIED);
    sc_level out[2];
    uint32_t n;
    double im;
    assert_int_equal(sc_book_top(b, SC_SIDE_BUY, SC_BOOK_TOP_MAX + 1, out, &n), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_book_top(b, (sc_side)7, 1, out, &n), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_book_imbalance(b, 0, &im), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_book_best(b, SC_SIDE_BUY, NULL), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_book_best(NULL, SC_SIDE_BUY, out), SC_ERR_INVALID_ARG);
    sc_book_destroy(b);
}

/* ---- sync procedure (futures) ------------------------------------------ */

/* 2024 captures: the bridging diff arrives before the snapshot line. */
static void test_buffer_before_snapshot_bridges(void **state) {
    (void)state;
    sc_book *b = mk_usdm();
    sc_level b1[] = {LV(PX, 11)};
    sc_level b2[] = {LV(PX - 10, 0)};
    sc_level a2[] = {LV(PX + 10, 6)};
    sc_level b3[] = {LV(PX + 5, 1)};
    assert_int_equal(feed(b, diff(900, 950, 890, b1, 1, NULL, 0)), SC_BOOK_BUFFERED);
    assert_int_equal(feed(b, diff(960, 1010, 950, b2, 1, a2, 1)), SC_BOOK_BUFFERED);
    assert_int_equal(feed(b, diff(1011, 1020, 1010, b3, 1, NULL, 0)), SC_BOOK_BUFFERED);
    assert_not_synced_queries(b);
    assert_int_equal(snap_std(b, 1000), SC_BOOK_APPLIED);
    assert_true(sc_book_is_synced(b));
    assert_int_equal(sc_book_last_update_id(b), 1020);
    sc_book_stats st = stats(b);
    assert_int_equal(st.stale_dropped, 1);
    assert_int_equal(st.snapshots_applied, 1);
    assert_int_equal(st.diffs_applied, 2);
    assert_int_equal(st.levels_applied, 3);
    assert_int_equal(st.resyncs, 0);
    /* d1 (u < L) was dropped: the snapshot's 10 stands. */
    assert_int_equal(qty(b, SC_SIDE_BUY, PX), 10);
    assert_int_equal(qty(b, SC_SIDE_BUY, PX - 10), 0);
    assert_int_equal(best(b, SC_SIDE_BUY).px.ticks, PX + 5);
    assert_int_equal(best(b, SC_SIDE_SELL).qty.steps, 6);
    assert_int_equal(feed_ids(b, 1021, 1030, 1020), SC_BOOK_APPLIED);
    sc_book_destroy(b);
}

/* 2023 capture: the snapshot comes first, the bridging diff after. */
static void test_snapshot_first_then_bridge(void **state) {
    (void)state;
    sc_book *b = mk_usdm();
    assert_int_equal(snap_std(b, 1000), SC_BOOK_APPLIED);
    assert_true(sc_book_is_synced(b)); /* served at L while waiting */
    assert_int_equal(sc_book_last_update_id(b), 1000);
    assert_int_equal(best(b, SC_SIDE_BUY).px.ticks, PX);
    assert_int_equal(feed_ids(b, 980, 999, 970), SC_BOOK_STALE); /* u < L */
    sc_level a[] = {LV(PX + 10, 7)};
    /* u == L straddles and is kept. */
    assert_int_equal(feed(b, diff(995, 1000, 999, NULL, 0, a, 1)), SC_BOOK_APPLIED);
    assert_int_equal(best(b, SC_SIDE_SELL).qty.steps, 7);
    assert_int_equal(feed_ids(b, 1001, 1010, 1000), SC_BOOK_APPLIED);
    assert_int_equal(sc_book_last_update_id(b), 1010);
    assert_int_equal(stats(b).stale_dropped, 1);
    sc_book_destroy(b);

    /* A first diff past L (U > L) means events were missed: a gap. */
    b = mk_usdm();
    assert_int_equal(snap_std(b, 1000), SC_BOOK_APPLIED);
    assert_int_equal(feed_ids(b, 1001, 1010, 990), SC_BOOK_GAP);
    assert_not_synced_queries(b);
    assert_int_equal(stats(b).gaps, 1);
    sc_book_destroy(b);
}

static void test_stale_diffs_before_snapshot_dropped(void **state) {
    (void)state;
    sc_book *b = mk_usdm();
    for (int64_t k = 0; k < 5; k++) {
        assert_int_equal(feed_ids(b, 800 + k * 10, 809 + k * 10, 799 + k * 10), SC_BOOK_BUFFERED);
    }
    /* All u < L: every one is dropped and the book waits for the bridge. */
    assert_int_equal(snap_std(b, 1000), SC_BOOK_APPLIED);
    assert_int_equal(stats(b).stale_dropped, 5);
    assert_int_equal(stats(b).diffs_applied, 0);
    assert_int_equal(feed_ids(b, 990, 999, 989), SC_BOOK_STALE);
    assert_int_equal(feed_ids(b, 1000, 1003, 999), SC_BOOK_APPLIED);
    sc_book_destroy(b);
}

static void test_snapshot_too_old_rejected(void **state) {
    (void)state;
    sc_book *b = mk_usdm();
    assert_int_equal(feed_ids(b, 1100, 1110, 1090), SC_BOOK_BUFFERED);
    assert_int_equal(feed_ids(b, 1111, 1120, 1110), SC_BOOK_BUFFERED);
    assert_int_equal(snap_std(b, 1000), SC_BOOK_SNAPSHOT_OLD);
    assert_not_synced_queries(b);
    assert_int_equal(stats(b).snapshots_rejected, 1);
    assert_int_equal(stats(b).snapshots_applied, 0);
    assert_int_equal(sc_book_last_update_id(b), SC_ID_NONE);
    /* A newer snapshot straddled by the buffered diffs syncs. */
    assert_int_equal(snap_std(b, 1115), SC_BOOK_APPLIED);
    assert_int_equal(sc_book_last_update_id(b), 1120);
    assert_int_equal(stats(b).stale_dropped, 1);
    assert_int_equal(stats(b).resyncs, 0); /* the first sync is not a resync */
    sc_book_destroy(b);
}

static void test_gap_then_resync(void **state) {
    (void)state;
    sc_book *b = synced_book();
    sc_level bl[] = {LV(PX - 1, 4)};
    assert_int_equal(feed(b, diff(1010, 1020, 1004, bl, 1, NULL, 0)), SC_BOOK_GAP);
    assert_not_synced_queries(b);
    assert_int_equal(stats(b).gaps, 1);
    assert_int_equal(feed_ids(b, 1021, 1030, 1020), SC_BOOK_BUFFERED);
    /* The diff that broke the chain was kept: it bridges this snapshot. */
    assert_int_equal(snap_std(b, 1015), SC_BOOK_APPLIED);
    assert_true(sc_book_is_synced(b));
    assert_int_equal(sc_book_last_update_id(b), 1030);
    assert_int_equal(qty(b, SC_SIDE_BUY, PX - 1), 4);
    sc_book_stats st = stats(b);
    assert_int_equal(st.resyncs, 1);
    assert_int_equal(st.snapshots_applied, 2);
    sc_book_destroy(b);
}

static void test_gap_during_replay_keeps_rest(void **state) {
    (void)state;
    sc_book *b = mk_usdm();
    assert_int_equal(feed_ids(b, 990, 1005, 980), SC_BOOK_BUFFERED);
    assert_int_equal(feed_ids(b, 1010, 1020, 1007), SC_BOOK_BUFFERED); /* pu != 1005 */
    assert_int_equal(feed_ids(b, 1021, 1030, 1020), SC_BOOK_BUFFERED);
    assert_int_equal(snap_std(b, 1000), SC_BOOK_GAP);
    assert_false(sc_book_is_synced(b));
    assert_int_equal(stats(b).gaps, 1);
    /* The next snapshot finds the breaking diff still buffered. */
    assert_int_equal(snap_std(b, 1012), SC_BOOK_APPLIED);
    assert_int_equal(sc_book_last_update_id(b), 1030);
    assert_int_equal(stats(b).resyncs, 1);
    sc_book_destroy(b);
}

static void test_duplicate_is_stale(void **state) {
    (void)state;
    sc_book *b = synced_book();
    sc_level bl[] = {LV(PX, 12)};
    sc_depth d = diff(1006, 1010, 1005, bl, 1, NULL, 0);
    assert_int_equal(feed(b, d), SC_BOOK_APPLIED);
    assert_int_equal(feed(b, d), SC_BOOK_STALE);
    assert_int_equal(feed_ids(b, 990, 1008, 980), SC_BOOK_STALE); /* overlaps, older end */
    assert_true(sc_book_is_synced(b));
    assert_int_equal(stats(b).stale_dropped, 2);
    assert_int_equal(stats(b).gaps, 0);
    assert_int_equal(feed_ids(b, 1011, 1012, 1010), SC_BOOK_APPLIED);
    sc_book_destroy(b);
}

static void test_crossed_goes_out_of_sync(void **state) {
    (void)state;
    sc_book *b = synced_book();
    sc_level bl[] = {LV(PX + 10, 1)}; /* bid at the best ask */
    assert_int_equal(feed(b, diff(1006, 1010, 1005, bl, 1, NULL, 0)), SC_BOOK_CROSSED);
    assert_not_synced_queries(b);
    assert_int_equal(stats(b).crossed, 1);
    assert_int_equal(feed_ids(b, 1011, 1020, 1010), SC_BOOK_BUFFERED);
    sc_book_destroy(b);

    /* A crossed snapshot is refused the same way. */
    b = mk_usdm();
    sc_level sb[] = {LV(PX + 50, 1)};
    assert_int_equal(snap(b, 1000, sb, 1, k_asks, NLV(k_asks)), SC_BOOK_CROSSED);
    assert_false(sc_book_is_synced(b));
    sc_book_destroy(b);
}

static void test_snapshot_while_synced(void **state) {
    (void)state;
    sc_book *b = synced_book();
    assert_int_equal(snap_std(b, 1005), SC_BOOK_STALE); /* not newer than the book */
    assert_true(sc_book_is_synced(b));
    sc_level sb[] = {LV(PX - 30, 3)};
    sc_level sa[] = {LV(PX + 30, 4)};
    assert_int_equal(snap(b, 1050, sb, 1, sa, 1), SC_BOOK_APPLIED);
    assert_true(sc_book_is_synced(b));
    assert_int_equal(qty(b, SC_SIDE_BUY, PX), 0); /* replaced entirely */
    assert_int_equal(best(b, SC_SIDE_BUY).px.ticks, PX - 30);
    assert_int_equal(stats(b).resyncs, 0);
    assert_int_equal(feed_ids(b, 1006, 1040, 1005), SC_BOOK_STALE);
    assert_int_equal(feed_ids(b, 1041, 1060, 1040), SC_BOOK_APPLIED);
    sc_book_destroy(b);
}

static void test_coinm_uses_pu(void **state) {
    (void)state;
    sc_book *b = mk("coinm:BTCUSD_PERP", 0, 0, 0, 0);
    assert_int_equal(snap_std(b, 1000), SC_BOOK_APPLIED);
    assert_int_equal(feed_ids(b, 990, 1010, 980), SC_BOOK_APPLIED);
    assert_int_equal(feed_ids(b, 1020, 1030, 1010), SC_BOOK_APPLIED); /* U jumps: normal */
    assert_int_equal(feed_ids(b, 1031, 1040, 1029), SC_BOOK_GAP);
    sc_book_destroy(b);
}

/* ---- level rules -------------------------------------------------------- */

static void test_delete_unknown_level_harmless(void **state) {
    (void)state;
    sc_book *b = synced_book();
    sc_level bl[] = {LV(PX - 3, 0), LV(12345, 0)};
    sc_level al[] = {LV(PX + 3, 0), LV(2999990, 0)};
    assert_int_equal(feed(b, diff(1006, 1010, 1005, bl, 2, al, 2)), SC_BOOK_APPLIED);
    sc_level out[8];
    uint32_t n = 0;
    assert_int_equal(sc_book_top(b, SC_SIDE_BUY, 8, out, &n), SC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(sc_book_top(b, SC_SIDE_SELL, 8, out, &n), SC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(best(b, SC_SIDE_BUY).qty.steps, 10);
    sc_book_destroy(b);
}

static void test_later_entry_wins(void **state) {
    (void)state;
    sc_book *b = synced_book();
    sc_level bl[] = {LV(PX + 1, 3), LV(PX + 1, 0), LV(PX - 5, 4), LV(PX - 5, 7)};
    sc_level al[] = {LV(PX + 10, 0), LV(PX + 10, 9)};
    assert_int_equal(feed(b, diff(1006, 1010, 1005, bl, NLV(bl), al, NLV(al))), SC_BOOK_APPLIED);
    assert_int_equal(qty(b, SC_SIDE_BUY, PX + 1), 0);
    assert_int_equal(qty(b, SC_SIDE_BUY, PX - 5), 7);
    assert_int_equal(best(b, SC_SIDE_BUY).px.ticks, PX);
    assert_int_equal(best(b, SC_SIDE_SELL).qty.steps, 9);
    sc_book_destroy(b);
}

/* ---- spot --------------------------------------------------------------- */

static void test_spot_rules(void **state) {
    (void)state;
    sc_book *b = mk("spot:BTCUSDT", 0, 0, 0, 0);
    assert_int_equal(feed_ids(b, 990, 1000, SC_ID_NONE), SC_BOOK_BUFFERED); /* u <= L */
    assert_int_equal(feed_ids(b, 1001, 1010, SC_ID_NONE), SC_BOOK_BUFFERED);
    assert_int_equal(feed_ids(b, 1011, 1020, SC_ID_NONE), SC_BOOK_BUFFERED);
    assert_int_equal(snap_std(b, 1000), SC_BOOK_APPLIED);
    assert_int_equal(stats(b).stale_dropped, 1);
    assert_int_equal(sc_book_last_update_id(b), 1020);
    assert_int_equal(feed_ids(b, 1011, 1020, SC_ID_NONE), SC_BOOK_STALE);
    assert_int_equal(feed_ids(b, 1021, 1030, SC_ID_NONE), SC_BOOK_APPLIED);
    assert_int_equal(feed_ids(b, 1025, 1035, SC_ID_NONE), SC_BOOK_GAP); /* overlap */
    sc_book_destroy(b);

    b = mk("spot:BTCUSDT", 0, 0, 0, 0);
    assert_int_equal(snap_std(b, 1000), SC_BOOK_APPLIED);
    assert_int_equal(feed_ids(b, 995, 1000, SC_ID_NONE), SC_BOOK_STALE); /* u == L dropped */
    assert_int_equal(feed_ids(b, 1001, 1001, SC_ID_NONE), SC_BOOK_APPLIED);
    assert_int_equal(feed_ids(b, 1003, 1005, SC_ID_NONE), SC_BOOK_GAP); /* U > u + 1 */
    sc_book_destroy(b);

    b = mk("spot:BTCUSDT", 0, 0, 0, 0);
    assert_int_equal(snap_std(b, 1000), SC_BOOK_APPLIED);
    assert_int_equal(feed_ids(b, 1002, 1005, SC_ID_NONE), SC_BOOK_GAP); /* U > L + 1 */
    sc_book_destroy(b);

    b = mk("spot:BTCUSDT", 0, 0, 0, 0);
    assert_int_equal(feed_ids(b, 1002, 1005, SC_ID_NONE), SC_BOOK_BUFFERED);
    assert_int_equal(snap_std(b, 1000), SC_BOOK_SNAPSHOT_OLD);
    assert_int_equal(snap_std(b, 1001), SC_BOOK_APPLIED); /* U == L + 1 */
    assert_int_equal(sc_book_last_update_id(b), 1005);
    sc_book_destroy(b);
}

/* ---- storage: far levels, recentre, limits ------------------------------ */

static void test_far_levels_kept(void **state) {
    (void)state;
    sc_book *b = synced_book();
    sc_level bl[] = {LV(10000, 606675), LV(50000, 2321)}; /* 1000.0 and 5000.0 */
    sc_level al[] = {LV(2999990, 1)};                     /* 299999.0 */
    assert_int_equal(feed(b, diff(1006, 1010, 1005, bl, 2, al, 1)), SC_BOOK_APPLIED);
    assert_int_equal(qty(b, SC_SIDE_BUY, 10000), 606675);
    assert_int_equal(qty(b, SC_SIDE_SELL, 2999990), 1);
    sc_level out[10];
    uint32_t n = 0;
    assert_int_equal(sc_book_top(b, SC_SIDE_BUY, 10, out, &n), SC_OK);
    assert_int_equal(n, 5);
    assert_int_equal(out[2].px.ticks, PX - 100);
    assert_int_equal(out[3].px.ticks, 50000);
    assert_int_equal(out[4].px.ticks, 10000);
    /* Far levels sit outside depth within bps but count in imbalance. */
    sc_qty q;
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_BUY, 100, &q), SC_OK);
    assert_int_equal(q.steps, 60);
    double im;
    assert_int_equal(sc_book_imbalance(b, 4, &im), SC_OK);
    assert_true(im == (double)(60 + 2321 - 46) / (double)(60 + 2321 + 46));
    /* Delete the near bids: the far ones become the touch. */
    sc_level del[] = {LV(PX, 0), LV(PX - 10, 0), LV(PX - 100, 0)};
    assert_int_equal(feed(b, diff(1011, 1020, 1010, del, 3, NULL, 0)), SC_BOOK_APPLIED);
    assert_int_equal(best(b, SC_SIDE_BUY).px.ticks, 50000);
    assert_int_equal(sc_book_top(b, SC_SIDE_BUY, 10, out, &n), SC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].px.ticks, 50000);
    assert_int_equal(out[1].qty.steps, 606675);
    sc_level del2[] = {LV(50000, 0)};
    assert_int_equal(feed(b, diff(1021, 1030, 1020, del2, 1, NULL, 0)), SC_BOOK_APPLIED);
    assert_int_equal(best(b, SC_SIDE_BUY).px.ticks, 10000);
    sc_book_destroy(b);
}

static void test_recenter_when_price_moves(void **state) {
    (void)state;
    sc_book *b = mk("usdm:BTCUSDT", 1024, 0, 0, 0);
    assert_int_equal(snap_std(b, 1000), SC_BOOK_APPLIED);
    assert_int_equal(feed_ids(b, 990, 1005, 980), SC_BOOK_APPLIED);
    assert_int_equal(stats(b).recenters, 0);
    /* The market jumps 5000 ticks up (five windows): old asks are swept. */
    sc_level bl[] = {LV(PX + 5000, 8), LV(PX + 4990, 9)};
    sc_level al[] = {LV(PX + 10, 0), LV(PX + 20, 0), LV(PX + 100, 0), LV(PX + 5010, 2)};
    assert_int_equal(feed(b, diff(1006, 1010, 1005, bl, 2, al, 4)), SC_BOOK_APPLIED);
    assert_int_equal(stats(b).recenters, 1);
    assert_int_equal(best(b, SC_SIDE_BUY).px.ticks, PX + 5000);
    assert_int_equal(best(b, SC_SIDE_SELL).px.ticks, PX + 5010);
    sc_level out[10];
    uint32_t n = 0;
    assert_int_equal(sc_book_top(b, SC_SIDE_BUY, 10, out, &n), SC_OK);
    assert_int_equal(n, 5); /* the old bids now live in the far store */
    int64_t want[] = {PX + 5000, PX + 4990, PX, PX - 10, PX - 100};
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(out[i].px.ticks, want[i]);
    }
    assert_int_equal(qty(b, SC_SIDE_BUY, PX - 100), 30);
    /* And back down: the old bids return to the window. */
    sc_level bl2[] = {LV(PX + 5000, 0), LV(PX + 4990, 0)};
    sc_level al2[] = {LV(PX + 5010, 0), LV(PX + 10, 6)};
    assert_int_equal(feed(b, diff(1011, 1020, 1010, bl2, 2, al2, 2)), SC_BOOK_APPLIED);
    assert_int_equal(stats(b).recenters, 2);
    assert_int_equal(best(b, SC_SIDE_BUY).qty.steps, 10);
    assert_int_equal(best(b, SC_SIDE_SELL).qty.steps, 6);
    int64_t mid_x2 = 0;
    assert_int_equal(sc_book_mid_x2(b, &mid_x2), SC_OK);
    assert_int_equal(mid_x2, 2 * PX + 10);
    sc_book_destroy(b);
}

static void test_buffer_overflow_counted(void **state) {
    (void)state;
    sc_book *b = mk("usdm:BTCUSDT", 0, 0, 4, 0);
    for (int64_t k = 0; k < 6; k++) {
        sc_book_result want = k < 4 ? SC_BOOK_BUFFERED : SC_BOOK_OVERFLOW;
        assert_int_equal(feed_ids(b, 1000 + k * 10, 1009 + k * 10, 999 + k * 10), want);
    }
    assert_int_equal(stats(b).buffer_overflows, 2);
    /* The two oldest are gone; a snapshot inside the third still syncs. */
    assert_int_equal(snap_std(b, 1025), SC_BOOK_APPLIED);
    assert_int_equal(sc_book_last_update_id(b), 1059);
    sc_book_destroy(b);
}

/* Level storage wraps around; copies must survive it intact. */
static void test_buffer_levels_wrap(void **state) {
    (void)state;
    sc_book *b = mk("usdm:BTCUSDT", 0, 0, 100, 8);
    sc_level l1[] = {LV(PX - 1, 1), LV(PX - 2, 2), LV(PX - 3, 3)};
    sc_level l2[] = {LV(PX - 4, 4), LV(PX - 5, 5), LV(PX - 6, 6)};
    sc_level l3[] = {LV(PX - 7, 7), LV(PX - 8, 8)};
    sc_level a3[] = {LV(PX + 1, 1)};
    sc_level l4[] = {LV(PX - 9, 9), LV(PX - 10, 0)};
    sc_level a4[] = {LV(PX + 2, 2)};
    sc_level big[9] = {LV(1, 1), LV(2, 1), LV(3, 1), LV(4, 1), LV(5, 1),
                       LV(6, 1), LV(7, 1), LV(8, 1), LV(9, 1)};
    assert_int_equal(feed(b, diff(990, 995, 980, l1, 3, NULL, 0)), SC_BOOK_BUFFERED);
    assert_int_equal(feed(b, diff(996, 999, 995, l2, 3, NULL, 0)), SC_BOOK_BUFFERED);
    assert_int_equal(feed(b, diff(1000, 1004, 999, l3, 2, a3, 1)), SC_BOOK_OVERFLOW);
    assert_int_equal(feed(b, diff(1005, 1009, 1004, l4, 2, a4, 1)), SC_BOOK_OVERFLOW);
    assert_int_equal(stats(b).buffer_overflows, 2);
    assert_int_equal(feed(b, diff(1010, 1012, 1009, big, 9, NULL, 0)), SC_BOOK_OVERFLOW);
    assert_int_equal(stats(b).buffer_overflows, 3);
    assert_int_equal(snap_std(b, 1002), SC_BOOK_APPLIED);
    assert_int_equal(sc_book_last_update_id(b), 1009);
    assert_int_equal(qty(b, SC_SIDE_BUY, PX - 7), 7);
    assert_int_equal(qty(b, SC_SIDE_BUY, PX - 8), 8);
    assert_int_equal(qty(b, SC_SIDE_BUY, PX - 9), 9);
    assert_int_equal(qty(b, SC_SIDE_BUY, PX - 10), 0); /* deleted by l4 */
    assert_int_equal(qty(b, SC_SIDE_BUY, PX - 1), 0);  /* l1 was dropped */
    assert_int_equal(best(b, SC_SIDE_SELL).px.ticks, PX + 1);
    assert_int_equal(qty(b, SC_SIDE_SELL, PX + 2), 2);
    /* The oversized diff was lost: the chain breaks at it. */
    assert_int_equal(feed_ids(b, 1013, 1020, 1012), SC_BOOK_GAP);
    sc_book_destroy(b);
}

static void test_far_store_full_fails_closed(void **state) {
    (void)state;
    sc_book *b = mk("usdm:BTCUSDT", 0, 2, 0, 0);
    assert_int_equal(snap_std(b, 1000), SC_BOOK_APPLIED);
    assert_int_equal(feed_ids(b, 990, 1005, 980), SC_BOOK_APPLIED);
    sc_level bl[] = {LV(10000, 1), LV(20000, 1)};
    assert_int_equal(feed(b, diff(1006, 1010, 1005, bl, 2, NULL, 0)), SC_BOOK_APPLIED);
    sc_level upd[] = {LV(20000, 5), LV(10000, 0), LV(30000, 1)}; /* update, free, reuse */
    assert_int_equal(feed(b, diff(1011, 1020, 1010, upd, 3, NULL, 0)), SC_BOOK_APPLIED);
    sc_level more[] = {LV(40000, 1)};
    assert_int_equal(feed(b, diff(1021, 1030, 1020, more, 1, NULL, 0)), SC_BOOK_OVERFLOW);
    assert_not_synced_queries(b);
    assert_int_equal(stats(b).far_overflows, 1);
    sc_book_destroy(b);

    /* The same when a recentre pushes levels out of the window. */
    b = mk("usdm:BTCUSDT", 64, 2, 0, 0);
    sc_level sb[] = {LV(PX, 1), LV(PX - 1, 1), LV(PX - 2, 1)};
    sc_level sa[] = {LV(PX + 1, 1)};
    assert_int_equal(snap(b, 1000, sb, 3, sa, 1), SC_BOOK_APPLIED);
    sc_level ja[] = {LV(PX + 1, 0), LV(PX + 500, 1)};
    sc_level jb[] = {LV(PX + 499, 1)};
    assert_int_equal(feed(b, diff(990, 1005, 980, jb, 1, ja, 2)), SC_BOOK_OVERFLOW);
    assert_false(sc_book_is_synced(b));
    assert_int_equal(stats(b).far_overflows, 1);
    sc_book_destroy(b);
}

/* ---- queries: exact values ---------------------------------------------- */

static void test_query_values(void **state) {
    (void)state;
    sc_book *b = synced_book();
    sc_level out[SC_BOOK_TOP_MAX];
    uint32_t n = 0;
    assert_int_equal(sc_book_top(b, SC_SIDE_BUY, 2, out, &n), SC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0].px.ticks, PX);
    assert_int_equal(out[1].px.ticks, PX - 10);
    assert_int_equal(out[1].qty.steps, 20);
    assert_int_equal(sc_book_top(b, SC_SIDE_SELL, SC_BOOK_TOP_MAX, out, &n), SC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(out[0].px.ticks, PX + 10);
    assert_int_equal(out[2].px.ticks, PX + 100);
    assert_int_equal(out[2].qty.steps, 25);
    assert_int_equal(qty(b, SC_SIDE_SELL, PX + 20), 15);
    assert_int_equal(qty(b, SC_SIDE_SELL, PX + 21), 0);
    assert_int_equal(qty(b, SC_SIDE_BUY, PX + 20), 0);
    int64_t mid_x2 = 0;
    assert_int_equal(sc_book_mid_x2(b, &mid_x2), SC_OK);
    assert_int_equal(mid_x2, 2 * PX + 10);
    /* mid 60000.5: 1 bp down is 59994.49995, up is 60006.50005. */
    sc_qty q;
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_BUY, 1, &q), SC_OK);
    assert_int_equal(q.steps, 30);
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_BUY, 2, &q), SC_OK);
    assert_int_equal(q.steps, 60);
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_SELL, 1, &q), SC_OK);
    assert_int_equal(q.steps, 20);
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_SELL, 2, &q), SC_OK);
    assert_int_equal(q.steps, 45);
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_SELL, 0, &q), SC_OK);
    assert_int_equal(q.steps, 0);
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_BUY, 20000, &q), SC_OK);
    assert_int_equal(q.steps, 60);
    double im = 9;
    assert_int_equal(sc_book_imbalance(b, 1, &im), SC_OK);
    assert_true(im == 5.0 / 15.0);
    assert_int_equal(sc_book_imbalance(b, 3, &im), SC_OK);
    assert_true(im == 1.0 / 7.0);
    assert_int_equal(sc_book_imbalance(b, 1000, &im), SC_OK);
    assert_true(im == 1.0 / 7.0);
    sc_book_destroy(b);
}

/* The bps boundary is inclusive and exact. */
static void test_depth_bps_boundary(void **state) {
    (void)state;
    sc_book *b = mk_usdm();
    /* mid exactly 60000.0; 1 bp = 6.0 = 60 ticks. */
    sc_level sb[] = {LV(PX - 5, 1), LV(PX - 60, 2), LV(PX - 61, 4)};
    sc_level sa[] = {LV(PX + 5, 1), LV(PX + 60, 8), LV(PX + 61, 16)};
    assert_int_equal(snap(b, 1000, sb, 3, sa, 3), SC_BOOK_APPLIED);
    sc_qty q;
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_BUY, 1, &q), SC_OK);
    assert_int_equal(q.steps, 3);
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_SELL, 1, &q), SC_OK);
    assert_int_equal(q.steps, 9);
    sc_book_destroy(b);
}

static void test_empty_side(void **state) {
    (void)state;
    sc_book *b = mk_usdm();
    assert_int_equal(snap(b, 1000, k_bids, NLV(k_bids), NULL, 0), SC_BOOK_APPLIED);
    sc_level l;
    uint32_t n = 5;
    int64_t m;
    double im;
    sc_qty q;
    assert_int_equal(sc_book_best(b, SC_SIDE_SELL, &l), SC_ERR_EMPTY);
    assert_int_equal(sc_book_top(b, SC_SIDE_SELL, 1, &l, &n), SC_ERR_EMPTY);
    assert_int_equal(n, 0);
    assert_int_equal(sc_book_mid_x2(b, &m), SC_ERR_EMPTY);
    assert_int_equal(sc_book_imbalance(b, 1, &im), SC_ERR_EMPTY);
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_BUY, 1, &q), SC_ERR_EMPTY);
    assert_int_equal(qty(b, SC_SIDE_SELL, PX), 0);
    assert_int_equal(best(b, SC_SIDE_BUY).qty.steps, 10);
    sc_book_destroy(b);
}

/* ---- real data ---------------------------------------------------------- */

static void skip_ws(const char **p) {
    while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t') {
        (*p)++;
    }
}

/* "text" at *p: start and length, *p moved past the closing quote. */
static void read_str(const char **p, const char **s, size_t *len) {
    skip_ws(p);
    assert_int_equal(**p, '"');
    *s = ++(*p);
    const char *end = strchr(*s, '"');
    assert_non_null(end);
    *len = (size_t)(end - *s);
    *p = end + 1;
}

/* [["px","qty"],...] right after key; our own tiny reader for the fixture,
 * so this test does not wait for the decoder. */
static uint32_t read_levels(const sc_instrument *ins, const char *json, const char *key,
                            sc_level *out, uint32_t cap) {
    const char *p = strstr(json, key);
    assert_non_null(p);
    p += strlen(key);
    skip_ws(&p);
    assert_int_equal(*p++, '[');
    uint32_t n = 0;
    for (skip_ws(&p); *p != ']'; skip_ws(&p)) {
        if (*p == ',') {
            p++;
            continue;
        }
        assert_int_equal(*p++, '[');
        const char *s;
        size_t len;
        assert_true(n < cap);
        read_str(&p, &s, &len);
        assert_int_equal(sc_px_parse(ins, s, len, &out[n].px), SC_OK);
        skip_ws(&p);
        assert_int_equal(*p++, ',');
        read_str(&p, &s, &len);
        assert_int_equal(sc_qty_parse(ins, s, len, &out[n].qty), SC_OK);
        skip_ws(&p);
        assert_int_equal(*p++, ']');
        n++;
    }
    return n;
}

static int64_t read_id(const char *json, const char *key) {
    const char *p = strstr(json, key);
    assert_non_null(p);
    p += strlen(key);
    int64_t v = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p++ - '0');
    }
    return v;
}

static void test_real_snapshot_sample(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    char dpath[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(
        "binance_ws_capture_hftbacktest/samples/usdm_rest_depth_snapshot_limit1000.json", path);
    SC_REQUIRE_SHARED("binance_ws_capture_hftbacktest/samples/usdm_depthUpdate_combined.json",
                      dpath);
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    size_t len = 0;
    char *json = sc_test_read_all(path, &len);
    static sc_level bids[1100];
    static sc_level asks[1100];
    sc_snapshot s;
    memset(&s, 0, sizeof(s));
    s.last_update_id = read_id(json, "\"lastUpdateId\":");
    s.n_bids = read_levels(ins, json, "\"bids\":", bids, 1100);
    s.n_asks = read_levels(ins, json, "\"asks\":", asks, 1100);
    s.bids = bids;
    s.asks = asks;
    free(json);
    assert_int_equal(s.last_update_id, 5123107852948);
    assert_int_equal(s.n_bids, 1000);
    assert_int_equal(s.n_asks, 1000);
    sc_book *b = mk_usdm();
    sc_book_result r;
    assert_int_equal(sc_book_on_snapshot(b, &s, &r), SC_OK);
    assert_int_equal(r, SC_BOOK_APPLIED);
    assert_int_equal(best(b, SC_SIDE_BUY).px.ticks, 618002); /* 61800.20 x 2.909 */
    assert_int_equal(best(b, SC_SIDE_BUY).qty.steps, 2909);
    assert_int_equal(best(b, SC_SIDE_SELL).px.ticks, 618003); /* 61800.30 x 1.072 */
    assert_int_equal(best(b, SC_SIDE_SELL).qty.steps, 1072);
    static sc_level out[SC_BOOK_TOP_MAX];
    uint32_t n = 0;
    assert_int_equal(sc_book_top(b, SC_SIDE_BUY, SC_BOOK_TOP_MAX, out, &n), SC_OK);
    assert_int_equal(n, 1000);
    assert_int_equal(out[999].px.ticks, 616534); /* 61653.40 */
    assert_int_equal(sc_book_top(b, SC_SIDE_SELL, SC_BOOK_TOP_MAX, out, &n), SC_OK);
    assert_int_equal(out[999].px.ticks, 619762); /* 61976.20 */
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(out[i].px.ticks, asks[i].px.ticks); /* sent best first */
    }

    /* The real depth@0ms sample, with ids that bridge this snapshot: it
     * carries bids at 1000.00, 5000.00 and 33000.00. */
    json = sc_test_read_all(dpath, &len);
    static sc_level db[64];
    static sc_level da[64];
    uint32_t nb = read_levels(ins, json, "\"b\":", db, 64);
    uint32_t na = read_levels(ins, json, "\"a\":", da, 64);
    free(json);
    int64_t L = s.last_update_id;
    assert_int_equal(feed(b, diff(L - 5, L + 5, L - 9, db, nb, da, na)), SC_BOOK_APPLIED);
    assert_int_equal(qty(b, SC_SIDE_BUY, 10000), 606675);
    assert_int_equal(qty(b, SC_SIDE_BUY, 50000), 2321);
    assert_int_equal(qty(b, SC_SIDE_BUY, 330000), 5203);
    assert_int_equal(qty(b, SC_SIDE_BUY, 617522), 0); /* "61752.20","0.000" */
    assert_int_equal(qty(b, SC_SIDE_SELL, 618095), 1332);
    assert_int_equal(stats(b).far_overflows, 0);
    assert_int_equal(stats(b).recenters, 0);
    sc_book_destroy(b);
}

/* ---- seeded comparison against a plain model ---------------------------- */

enum { MODEL_MAX = 16384, GEN_LEVELS_MAX = 2 * MODEL_MAX };

typedef struct {
    sc_level lv[MODEL_MAX];
    uint32_t n;
} model_side;

static void model_set(model_side *m, int64_t px, int64_t q) {
    for (uint32_t i = 0; i < m->n; i++) {
        if (m->lv[i].px.ticks == px) {
            if (q > 0) {
                m->lv[i].qty.steps = q;
            } else {
                m->lv[i] = m->lv[--m->n];
            }
            return;
        }
    }
    if (q > 0) {
        assert_true(m->n < MODEL_MAX);
        m->lv[m->n++] = LV(px, q);
    }
}

static int cmp_desc(const void *a, const void *b) {
    int64_t x = ((const sc_level *)a)->px.ticks;
    int64_t y = ((const sc_level *)b)->px.ticks;
    return (x < y) - (x > y);
}

static int cmp_asc(const void *a, const void *b) {
    return -cmp_desc(a, b);
}

/* The model side sorted best first into out. */
static uint32_t model_sorted(const model_side *m, bool bid, sc_level *out) {
    memcpy(out, m->lv, m->n * sizeof(out[0]));
    qsort(out, m->n, sizeof(out[0]), bid ? cmp_desc : cmp_asc);
    return m->n;
}

typedef struct {
    model_side side[2];
    sc_level gen[2][GEN_LEVELS_MAX];
    sc_level sorted[MODEL_MAX];
    sc_level got[SC_BOOK_TOP_MAX];
} model;

static void compare_side(const sc_book *b, model *m, sc_side side, uint32_t top_n) {
    uint32_t mn = model_sorted(&m->side[side], side == SC_SIDE_BUY, m->sorted);
    uint32_t n = 0;
    sc_err e = sc_book_top(b, side, top_n, m->got, &n);
    if (mn == 0) {
        assert_int_equal(e, SC_ERR_EMPTY);
        return;
    }
    assert_int_equal(e, SC_OK);
    assert_int_equal(n, mn < top_n ? mn : top_n);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(m->got[i].px.ticks, m->sorted[i].px.ticks);
        assert_int_equal(m->got[i].qty.steps, m->sorted[i].qty.steps);
    }
    assert_int_equal(best(b, side).px.ticks, m->sorted[0].px.ticks);
}

/* One random diff that keeps the book uncrossed around touch m (bids < m <= asks). */
static sc_depth gen_diff(model *m, sc_rng *r, int64_t *touch, int64_t *last_u) {
    int64_t old = *touch;
    uint64_t roll = sc_rng_below(r, 100);
    int64_t step =
        roll < 4 ? (int64_t)sc_rng_below(r, 6000) - 3000 : (int64_t)sc_rng_below(r, 7) - 3;
    int64_t t = old + step < 30000 ? 30000 : old + step;
    uint32_t nb = 0;
    uint32_t na = 0;
    for (uint32_t i = 0; i < m->side[0].n; i++) { /* bids now at or above the touch go */
        if (m->side[0].lv[i].px.ticks >= t) {
            m->gen[0][nb++] = LV(m->side[0].lv[i].px.ticks, 0);
        }
    }
    for (uint32_t i = 0; i < m->side[1].n; i++) {
        if (m->side[1].lv[i].px.ticks < t) {
            m->gen[1][na++] = LV(m->side[1].lv[i].px.ticks, 0);
        }
    }
    uint32_t k = 1 + (uint32_t)sc_rng_below(r, 12);
    for (uint32_t i = 0; i < k; i++) {
        uint64_t dr = sc_rng_below(r, 100);
        int64_t dist = dr < 80   ? (int64_t)sc_rng_below(r, 20)
                       : dr < 95 ? (int64_t)sc_rng_below(r, 400)
                                 : 1000 + (int64_t)sc_rng_below(r, 20000);
        int64_t q = sc_rng_below(r, 4) == 0 ? 0 : 1 + (int64_t)sc_rng_below(r, 1000);
        if (sc_rng_below(r, 2) == 0) {
            int64_t px = t - 1 - dist;
            m->gen[0][nb++] = LV(px < 0 ? 0 : px, q);
        } else {
            m->gen[1][na++] = LV(t + dist, q);
        }
    }
    for (uint32_t i = 0; i < nb; i++) {
        model_set(&m->side[0], m->gen[0][i].px.ticks, m->gen[0][i].qty.steps);
    }
    for (uint32_t i = 0; i < na; i++) {
        model_set(&m->side[1], m->gen[1][i].px.ticks, m->gen[1][i].qty.steps);
    }
    *touch = t;
    sc_depth d = diff(*last_u + 1, *last_u + 3, *last_u, m->gen[0], nb, m->gen[1], na);
    *last_u += 3;
    return d;
}

static int64_t model_depth(const model_side *m, bool bid, int64_t limit) {
    int64_t sum = 0;
    for (uint32_t i = 0; i < m->n; i++) {
        int64_t px = m->lv[i].px.ticks;
        if (bid ? px >= limit : px <= limit) {
            sum += m->lv[i].qty.steps;
        }
    }
    return sum;
}

static void compare_queries(const sc_book *b, model *m, sc_rng *r) {
    sc_level bb;
    sc_level ba;
    if (sc_book_best(b, SC_SIDE_BUY, &bb) != SC_OK || sc_book_best(b, SC_SIDE_SELL, &ba) != SC_OK) {
        return;
    }
    uint32_t bps = (uint32_t)sc_rng_below(r, 300);
    int64_t mid_x2 = bb.px.ticks + ba.px.ticks;
    int64_t num_b = mid_x2 * (10000 - bps);
    int64_t num_a = mid_x2 * (10000 + bps);
    int64_t lim_b = num_b / 20000 + (num_b % 20000 != 0);
    sc_qty q;
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_BUY, bps, &q), SC_OK);
    assert_int_equal(q.steps, model_depth(&m->side[0], true, lim_b));
    assert_int_equal(sc_book_depth_within_bps(b, SC_SIDE_SELL, bps, &q), SC_OK);
    assert_int_equal(q.steps, model_depth(&m->side[1], false, num_a / 20000));
    for (int k = 0; k < 8; k++) {
        int side = k % 2;
        int64_t dist = (int64_t)sc_rng_below(r, 25000);
        int64_t px = side == 0 ? bb.px.ticks - dist : ba.px.ticks + dist;
        int64_t want = 0;
        for (uint32_t i = 0; i < m->side[side].n; i++) {
            want = m->side[side].lv[i].px.ticks == px ? m->side[side].lv[i].qty.steps : want;
        }
        assert_int_equal(qty(b, (sc_side)side, px), want);
    }
    uint32_t n = 1 + (uint32_t)sc_rng_below(r, 60);
    int64_t sum[2] = {0, 0};
    for (int side = 0; side < 2; side++) {
        uint32_t mn = model_sorted(&m->side[side], side == 0, m->sorted);
        for (uint32_t i = 0; i < n && i < mn; i++) {
            sum[side] += m->sorted[i].qty.steps;
        }
    }
    double im = 9;
    assert_int_equal(sc_book_imbalance(b, n, &im), SC_OK);
    assert_true(im == (double)(sum[0] - sum[1]) / (double)(sum[0] + sum[1]));
}

static void run_model(uint64_t seed, uint32_t window, uint32_t steps) {
    model *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    sc_rng r;
    sc_rng_seed(&r, seed);
    sc_book *b = mk("usdm:BTCUSDT", window, 0, 0, 0);
    int64_t touch = PX;
    int64_t last_u = 1000;
    /* Empty, with the window still at 0: the first diff lands far and moves it. */
    assert_int_equal(snap(b, last_u + 1, NULL, 0, NULL, 0), SC_BOOK_APPLIED);
    for (uint32_t s = 0; s < steps; s++) {
        sc_depth d = gen_diff(m, &r, &touch, &last_u);
        assert_int_equal(feed(b, d), SC_BOOK_APPLIED);
        uint32_t top_n = s % 64 == 0 ? SC_BOOK_TOP_MAX : 40;
        compare_side(b, m, SC_SIDE_BUY, top_n);
        compare_side(b, m, SC_SIDE_SELL, top_n);
        compare_queries(b, m, &r);
    }
    sc_book_stats st = stats(b);
    print_message("seed %llu window %u: %llu recenters, %u bids, %u asks\n",
                  (unsigned long long)seed, window, (unsigned long long)st.recenters, m->side[0].n,
                  m->side[1].n);
    assert_true(st.recenters > 0);
    assert_int_equal(st.far_overflows, 0);
    sc_book_destroy(b);
    free(m);
}

/* One far level op for run_far_model: random over a pool of 47 prices
 * (mode 0), or a queue walking toward the best end (1) or the worst end
 * (2) that keeps its last 40 levels, so the live range of the far store
 * drifts into each edge of its buffer. */
static void far_op(model *m, sc_rng *r, uint32_t step, int side, sc_level *out, uint32_t *n) {
    uint32_t mode = (step / 500) % 3;
    int64_t t = (int64_t)(step % 500);
    int64_t dir = side == 0 ? 1 : -1; /* toward the best: up for bids, down for asks */
    int64_t origin = side == 0 ? 200000 : 3000000;
    *n = 0;
    if (mode == 0) {
        int64_t k = (int64_t)sc_rng_below(r, 47);
        int64_t q = sc_rng_below(r, 3) == 0 ? 0 : 1 + (int64_t)step;
        out[(*n)++] = LV(origin + 10 * k, q);
    } else {
        int64_t way = mode == 1 ? dir : -dir;
        out[(*n)++] = LV(origin + way * 10 * t, 1 + (int64_t)step);
        if (t >= 40) {
            out[(*n)++] = LV(origin + way * 10 * (t - 40), 0);
        }
    }
    if (step % 500 == 499) { /* end of a run: clear the far levels */
        for (uint32_t i = 0; i < m->side[side].n; i++) {
            int64_t px = m->side[side].lv[i].px.ticks;
            if (px != PX && px != PX + 1) {
                out[(*n)++] = LV(px, 0);
            }
        }
    }
    for (uint32_t i = 0; i < *n; i++) {
        model_set(&m->side[side], out[i].px.ticks, out[i].qty.steps);
    }
}

/* Far levels only, with a far store of 48 levels in a 96-slot buffer. */
static void run_far_model(uint64_t seed) {
    model *m = calloc(1, sizeof(*m));
    assert_non_null(m);
    sc_rng r;
    sc_rng_seed(&r, seed);
    sc_book *b = mk("usdm:BTCUSDT", 64, 48, 0, 0);
    sc_level sb[] = {LV(PX, 1)};
    sc_level sa[] = {LV(PX + 1, 1)};
    assert_int_equal(snap(b, 1001, sb, 1, sa, 1), SC_BOOK_APPLIED); /* first diff is 1001 */
    model_set(&m->side[0], PX, 1);
    model_set(&m->side[1], PX + 1, 1);
    int64_t last_u = 1000;
    for (uint32_t step = 0; step < 6000; step++) {
        for (int side = 0; side < 2; side++) {
            uint32_t n = 0;
            far_op(m, &r, step, side, m->gen[0], &n);
            sc_depth d = side == 0 ? diff(last_u + 1, last_u + 1, last_u, m->gen[0], n, NULL, 0)
                                   : diff(last_u + 1, last_u + 1, last_u, NULL, 0, m->gen[0], n);
            last_u += 1;
            assert_int_equal(feed(b, d), SC_BOOK_APPLIED);
        }
        compare_side(b, m, SC_SIDE_BUY, 60);
        compare_side(b, m, SC_SIDE_SELL, 60);
    }
    assert_int_equal(stats(b).far_overflows, 0);
    sc_book_destroy(b);
    free(m);
}

static void test_far_store_model(void **state) {
    (void)state;
    run_far_model(11);
    run_far_model(12);
}

static void test_matches_model(void **state) {
    (void)state;
    run_model(1, 256, 3000);
    run_model(2, 1024, 3000);
    run_model(3, 64, 2000);
    run_model(4, SC_BOOK_WINDOW_TICKS_DEFAULT, 2000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_config),
        cmocka_unit_test(test_invalid_args),
        cmocka_unit_test(test_buffer_before_snapshot_bridges),
        cmocka_unit_test(test_snapshot_first_then_bridge),
        cmocka_unit_test(test_stale_diffs_before_snapshot_dropped),
        cmocka_unit_test(test_snapshot_too_old_rejected),
        cmocka_unit_test(test_gap_then_resync),
        cmocka_unit_test(test_gap_during_replay_keeps_rest),
        cmocka_unit_test(test_duplicate_is_stale),
        cmocka_unit_test(test_crossed_goes_out_of_sync),
        cmocka_unit_test(test_snapshot_while_synced),
        cmocka_unit_test(test_coinm_uses_pu),
        cmocka_unit_test(test_delete_unknown_level_harmless),
        cmocka_unit_test(test_later_entry_wins),
        cmocka_unit_test(test_spot_rules),
        cmocka_unit_test(test_far_levels_kept),
        cmocka_unit_test(test_recenter_when_price_moves),
        cmocka_unit_test(test_buffer_overflow_counted),
        cmocka_unit_test(test_buffer_levels_wrap),
        cmocka_unit_test(test_far_store_full_fails_closed),
        cmocka_unit_test(test_query_values),
        cmocka_unit_test(test_depth_bps_boundary),
        cmocka_unit_test(test_empty_side),
        cmocka_unit_test(test_real_snapshot_sample),
        cmocka_unit_test(test_far_store_model),
        cmocka_unit_test(test_matches_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
