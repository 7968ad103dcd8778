/* replay-check's promises on every real capture window in ../shared/data:
 * no sequence gap, no crossed book, no BBO mismatch, no malformed line, and
 * on the USD-M 2024 windows more than 200 BBO checks in all. */
#include "support/support.h"

#include <stdio.h>
#include <string.h>

#include "engine/replay.h"
#include "market/capture.h"

static void run_window(const char *ins_name, const char *const *rel, size_t n,
                       sc_replay_summary *sum) {
    char paths[4][SC_TEST_PATH_MAX];
    const char *pp[4];
    for (size_t i = 0; i < n; i++) {
        if (!sc_test_shared_path(rel[i], paths[i], sizeof(paths[i]))) {
            print_message("SKIP: shared data %s is absent\n", rel[i]);
            skip();
        }
        pp[i] = paths[i];
    }
    sc_replay *rp = NULL;
    sc_replay_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = sc_instrument_find(ins_name);
    assert_int_equal(sc_replay_create(&cfg, &rp), SC_OK);
    sc_capture_reader *rd = NULL;
    sc_capture_reader_config rc = {0};
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_capture_reader_open(&rc, pp, n, &rd, &ei), SC_OK);
    sc_capture_line ln;
    sc_err e;
    while ((e = sc_capture_reader_next(rd, &ln, &ei)) != SC_ERR_EOF) {
        assert_int_equal(e, SC_OK);
        sc_replay_on_message(rp, ln.ts_local_ns, ln.json, ln.json_len, ln.path, ln.line_no);
    }
    sc_replay_finish(rp);
    sc_replay_get_summary(rp, sum);
    for (uint32_t i = 0; i < sc_replay_problem_count(rp); i++) {
        print_message("problem: %s\n", sc_replay_problem(rp, i));
    }
    sc_capture_reader_close(rd);
    sc_replay_destroy(rp);
    assert_int_equal(sum->book.gaps, 0);
    assert_int_equal(sum->book.crossed, 0);
    assert_int_equal(sum->bbo_mismatch, 0);
    assert_int_equal(sum->malformed, 0);
    assert_int_equal(sum->unknown, 0);
    assert_int_equal(sum->missing_trades, 0);
}

#define H "binance_ws_capture_hftbacktest/"

static void test_usdm_windows(void **state) {
    (void)state;
    const char *w2023[] = {H "usdm/btcusdt_20230404.txt.zst", H "usdm/btcusdt_20230405.txt.zst"};
    const char *w0718[] = {H "usdm/btcusdt_20240718.txt.zst", H "usdm/btcusdt_20240719.txt.zst"};
    const char *w0808[] = {H "usdm/btcusdt_20240808.txt.zst"};
    sc_replay_summary a, b, c;
    run_window("usdm:BTCUSDT", w2023, 2, &a);
    run_window("usdm:BTCUSDT", w0718, 2, &b);
    run_window("usdm:BTCUSDT", w0808, 1, &c);
    /* Message counts from PROVENANCE.md; pairs are one stream. */
    assert_int_equal(a.messages, 13384 + 60381);
    assert_int_equal(b.messages, 11414 + 60570);
    assert_int_equal(c.messages, 93954);
    assert_int_equal(a.depth_updates, 4322 + 11788);
    assert_int_equal(c.book_ticker, 66089);
    assert_int_equal(c.trades, 21313);
    assert_int_equal(a.mark_price, 99 + 415);
    for (int i = 0; i < 3; i++) {
        const sc_replay_summary *s = i == 0 ? &a : i == 1 ? &b : &c;
        assert_int_equal(s->book.snapshots_applied, 1);
        assert_int_equal(s->book.resyncs, 0);
        assert_true(s->book_synced);
        assert_true(s->bbo_checked > 0);
    }
    print_message("BBO checks: 2023 %llu, 2024-07 %llu, 2024-08 %llu\n",
                  (unsigned long long)a.bbo_checked, (unsigned long long)b.bbo_checked,
                  (unsigned long long)c.bbo_checked);
    assert_true(b.bbo_checked + c.bbo_checked > 200);
}

static void test_spot_and_coinm_windows(void **state) {
    (void)state;
    const char *s2023[] = {H "spot/btcusdt_20230405.txt.zst"};
    const char *s2024[] = {H "spot/btcusdt_20240808.txt.zst", H "spot/btcusdt_20240809.txt.zst"};
    const char *cm[] = {H "coinm/btcusd_perp_20240808.txt.zst",
                        H "coinm/btcusd_perp_20240809.txt.zst"};
    sc_replay_summary a, b, c;
    run_window("spot:BTCUSDT", s2023, 1, &a);
    run_window("spot:BTCUSDT", s2024, 2, &b);
    run_window("coinm:BTCUSD_PERP", cm, 2, &c);
    /* The 2023 spot file has no snapshot: the book never syncs, and no
     * bookTicker is ever compared against it. */
    assert_int_equal(a.snapshots, 0);
    assert_false(a.book_synced);
    assert_int_equal(a.bbo_checked, 0);
    assert_int_equal(a.bbo_unsynced, a.book_ticker);
    assert_true(b.book_synced);
    assert_true(b.bbo_checked > 0);
    assert_true(c.book_synced);
    assert_true(c.bbo_checked > 0);
}

static void test_tiny_2022_capture(void **state) {
    (void)state;
    const char *w[] = {"binance_ws_capture_collect_binancefutures/btcusdt_20220811.txt.zst"};
    sc_replay_summary s;
    run_window("usdm:BTCUSDT", w, 1, &s);
    assert_int_equal(s.messages, 1533);
    assert_int_equal(s.book.snapshots_applied, 1);
    assert_true(s.book_synced);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usdm_windows),
        cmocka_unit_test(test_spot_and_coinm_windows),
        cmocka_unit_test(test_tiny_2022_capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
