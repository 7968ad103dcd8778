/* capture_bars: candles from a capture's trades with the book sampled at
 * each close and nothing from after it; partial candles dropped; OFI per
 * candle; bad messages refused without a change. Synthetic USD-M messages,
 * then the demo capture and a real one. */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/instrument.h"
#include "engine/capture_bars.h"
#include "market/capture.h"

/* 2024-08-09 00:00:00 UTC in ms; buckets of 1 s start on it. */
#define B_MS INT64_C(1723161600000)

enum { MSG_MAX = 512 };

static sc_capture_bars *make(sc_ns tf_ns) {
    sc_capture_bars_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = sc_instrument_find("usdm:BTCUSDT");
    cfg.tf_ns = tf_ns;
    sc_capture_bars *cb = NULL;
    assert_int_equal(sc_capture_bars_create(&cfg, &cb), SC_OK);
    return cb;
}

static sc_err send(sc_capture_bars *cb, const char *json, sc_errinfo *ei) {
    sc_errinfo_clear(ei);
    return sc_capture_bars_on_message(cb, 0, json, strlen(json), ei);
}

static void depth(sc_capture_bars *cb, int64_t t_ms, int64_t U, int64_t u, int64_t pu,
                  const char *bids, const char *asks) {
    char m[MSG_MAX];
    snprintf(m, sizeof(m),
             "{\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":%lld,"
             "\"T\":%lld,\"s\":\"BTCUSDT\",\"U\":%lld,\"u\":%lld,\"pu\":%lld,\"b\":[%s],"
             "\"a\":[%s]}}",
             (long long)(B_MS + t_ms), (long long)(B_MS + t_ms), (long long)U, (long long)u,
             (long long)pu, bids, asks);
    sc_errinfo ei;
    assert_int_equal(send(cb, m, &ei), SC_OK);
}

static void trade(sc_capture_bars *cb, int64_t t_ms, int64_t id, const char *p, const char *q,
                  bool buyer_maker) {
    char m[MSG_MAX];
    snprintf(m, sizeof(m),
             "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":%lld,\"T\":%lld,"
             "\"s\":\"BTCUSDT\",\"t\":%lld,\"p\":\"%s\",\"q\":\"%s\",\"X\":\"MARKET\","
             "\"m\":%s}}",
             (long long)(B_MS + t_ms), (long long)(B_MS + t_ms), (long long)id, p, q,
             buyer_maker ? "true" : "false");
    sc_errinfo ei;
    assert_int_equal(send(cb, m, &ei), SC_OK);
}

static void snapshot(sc_capture_bars *cb, int64_t t_ms) {
    char m[MSG_MAX];
    snprintf(m, sizeof(m),
             "{\"lastUpdateId\":100,\"E\":%lld,\"T\":%lld,\"bids\":[[\"100.0\",\"1.000\"],"
             "[\"99.9\",\"4.000\"]],\"asks\":[[\"100.1\",\"2.000\"],[\"100.3\",\"1.000\"]]}",
             (long long)(B_MS + t_ms), (long long)(B_MS + t_ms));
    sc_errinfo ei;
    assert_int_equal(send(cb, m, &ei), SC_OK);
}

static int drain(sc_capture_bars *cb, sc_capture_bar *out, int cap) {
    int n = 0;
    sc_capture_bar b;
    while (sc_capture_bars_next(cb, &b)) {
        assert_true(n < cap);
        out[n++] = b;
    }
    return n;
}

/* The scenario of capture_bars.h, step by step, at 1 s. */
static void test_sample_at_close(void **state) {
    (void)state;
    sc_capture_bars *cb = make(SC_NS_PER_S);
    sc_capture_bar bars[8];
    depth(cb, 100, 95, 101, 90, "[\"100.0\",\"1.500\"]", "");    /* buffered */
    snapshot(cb, 150);                                           /* synced: bid 1.5, ask 2.0 */
    trade(cb, 200, 1, "100.0", "0.100", true);                   /* opens bucket 0: partial */
    trade(cb, 1000, 2, "100.1", "0.200", false);                 /* bucket 1 */
    assert_int_equal(drain(cb, bars, 8), 0);                     /* bucket 0 dropped */
    depth(cb, 1100, 102, 102, 101, "[\"100.0\",\"2.000\"]", ""); /* bid grows: OFI +0.5 */
    trade(cb, 1500, 3, "100.1", "0.300", false);
    /* At 2.000 the ask moves up: sampled BEFORE this diff is applied. */
    depth(cb, 2000, 103, 103, 102, "", "[\"100.1\",\"0.000\"],[\"100.2\",\"1.000\"]");
    trade(cb, 2100, 4, "100.2", "0.050", false); /* closes bucket 1 */
    assert_int_equal(drain(cb, bars, 8), 1);
    const sc_capture_bar *b = &bars[0];
    assert_int_equal(b->candle.open_ns, (B_MS + 1000) * SC_NS_PER_MS);
    assert_int_equal(b->candle.volume.steps, 500);
    assert_int_equal(b->candle.buy_volume.steps, 500);
    assert_int_equal(b->candle.close.ticks, 1001);
    assert_true(b->sampled && b->book.top_ok);
    assert_int_equal(b->book.bid.px.ticks, 1000);
    assert_int_equal(b->book.bid.qty.steps, 2000);
    assert_int_equal(b->book.ask.px.ticks, 1001); /* not 100.2: no look-ahead */
    assert_int_equal(b->book.ask.qty.steps, 2000);
    assert_true(b->book.ofi_ok);
    assert_int_equal(b->book.ofi_steps, 500);
    assert_true(b->book.imbalance_ok && b->book.depth_ok);
    /* A sequence gap: the next candle's sample says the book is not synced. */
    depth(cb, 2200, 110, 110, 109, "[\"100.0\",\"3.000\"]", "");
    trade(cb, 3100, 5, "100.2", "0.010", true);
    assert_int_equal(drain(cb, bars, 8), 1);
    assert_int_equal(bars[0].candle.open_ns, (B_MS + 2000) * SC_NS_PER_MS);
    assert_true(bars[0].sampled);
    assert_false(bars[0].book.top_ok || bars[0].book.ofi_ok || bars[0].book.imbalance_ok);
    /* The end: bucket 3 was not reached to its end, so it is dropped. */
    assert_int_equal(sc_capture_bars_finish(cb), SC_OK);
    assert_int_equal(drain(cb, bars, 8), 0);
    assert_int_equal(sc_capture_bars_finish(cb), SC_ERR_STATE);
    sc_capture_bars_stats st;
    sc_capture_bars_get_stats(cb, &st);
    assert_int_equal(st.dropped_first, 1);
    assert_int_equal(st.dropped_last, 1);
    assert_int_equal(st.bars, 2);
    assert_int_equal(st.trades, 5);
    assert_int_equal(st.book.gaps, 1);
    assert_int_equal(st.first_ns, (B_MS + 100) * SC_NS_PER_MS);
    sc_capture_bars_destroy(cb);
}

/* A candle whose end the stream passed is closed by finish, not dropped;
 * buckets without trades are counted, not invented. */
static void test_finish_and_gaps(void **state) {
    (void)state;
    sc_capture_bars *cb = make(SC_NS_PER_S);
    sc_capture_bar bars[8];
    snapshot(cb, 0);
    trade(cb, 10, 1, "100.0", "0.100", true);
    trade(cb, 3500, 2, "100.1", "0.100", false); /* buckets 1 and 2 empty */
    depth(cb, 4000, 100, 101, 99, "[\"100.0\",\"2.000\"]", "");
    assert_int_equal(sc_capture_bars_finish(cb), SC_OK);
    int n = drain(cb, bars, 8);
    assert_int_equal(n, 2);
    assert_int_equal(bars[0].candle.gap_before, 0);
    assert_int_equal(bars[1].candle.gap_before, 2);
    assert_int_equal(bars[1].candle.open_ns, (B_MS + 3000) * SC_NS_PER_MS);
    assert_true(bars[1].sampled && bars[1].book.top_ok);
    assert_int_equal(bars[1].book.bid.qty.steps, 1000); /* the diff at 4.000 came after */
    sc_capture_bars_stats st;
    sc_capture_bars_get_stats(cb, &st);
    assert_int_equal(st.empty_buckets, 2);
    assert_int_equal(st.empty_runs, 1);
    assert_int_equal(st.dropped_first + st.dropped_last, 0);
    sc_capture_bars_destroy(cb);
}

static void test_bad_messages(void **state) {
    (void)state;
    sc_capture_bars *cb = make(SC_NS_PER_S);
    sc_errinfo ei;
    assert_int_not_equal(send(cb, "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":", &ei), SC_OK);
    assert_true(strlen(ei.expected) > 0);
    const char *zero_qty = "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1,"
                           "\"T\":1723161600000,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"100.0\","
                           "\"q\":\"0.000\",\"X\":\"MARKET\",\"m\":true}}";
    assert_int_equal(send(cb, zero_qty, &ei), SC_ERR_RANGE);
    assert_string_equal(ei.field, "q");
    const char *other = "{\"stream\":\"ethusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1,"
                        "\"T\":1,\"s\":\"ETHUSDT\",\"t\":1,\"p\":\"1.0\",\"q\":\"1.000\","
                        "\"X\":\"MARKET\",\"m\":true}}";
    assert_int_equal(send(cb, other, &ei), SC_OK);
    const char *agg = "{\"stream\":\"btcusdt@aggTrade\",\"data\":{\"e\":\"aggTrade\",\"E\":1,"
                      "\"a\":5,\"s\":\"BTCUSDT\",\"p\":\"100.0\",\"q\":\"1.000\",\"f\":1,\"l\":2,"
                      "\"T\":1723161600001,\"m\":true}}";
    trade(cb, 0, 1, "100.0", "0.100", true);
    assert_int_equal(send(cb, agg, &ei), SC_OK); /* the second kind: ignored */
    sc_capture_bars_stats st;
    sc_capture_bars_get_stats(cb, &st);
    assert_int_equal(st.messages, 2);
    assert_int_equal(st.trades, 1);
    assert_int_equal(st.trades_other_kind, 1);
    assert_true(st.unknown >= 1);
    assert_int_equal(st.first_ns, B_MS * SC_NS_PER_MS); /* refused messages moved nothing */
    sc_capture_bars_destroy(cb);
}

/* Every bar of a capture file at tf: count, and how many had a synced book. */
static void run_file(const char *path, sc_ns tf_ns, int *n_bars, int *n_top, int *n_ofi) {
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    sc_capture_bars_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = ins;
    cfg.tf_ns = tf_ns;
    sc_capture_bars *cb = NULL;
    assert_int_equal(sc_capture_bars_create(&cfg, &cb), SC_OK);
    sc_capture_reader *rd = NULL;
    sc_capture_reader_config rc = {0};
    sc_errinfo ei;
    const char *paths[1] = {path};
    assert_int_equal(sc_capture_reader_open(&rc, paths, 1, &rd, &ei), SC_OK);
    sc_capture_line ln;
    *n_bars = *n_top = *n_ofi = 0;
    sc_ns last_open = -1;
    for (bool end = false; !end;) {
        sc_err e = sc_capture_reader_next(rd, &ln, &ei);
        if (e == SC_ERR_EOF) {
            assert_int_equal(sc_capture_bars_finish(cb), SC_OK);
            end = true;
        } else {
            assert_int_equal(e, SC_OK);
            assert_int_equal(
                sc_capture_bars_on_message(cb, ln.ts_local_ns, ln.json, ln.json_len, &ei), SC_OK);
        }
        sc_capture_bar b;
        while (sc_capture_bars_next(cb, &b)) {
            assert_true(b.candle.open_ns > last_open && !b.candle.truncated);
            last_open = b.candle.open_ns;
            (*n_bars)++;
            *n_top += b.book.top_ok;
            *n_ofi += b.book.ofi_ok;
            if (b.book.top_ok) {
                assert_true(b.book.bid.px.ticks < b.book.ask.px.ticks);
            }
        }
    }
    sc_capture_reader_close(rd);
    sc_capture_bars_destroy(cb);
}

static void test_demo_capture(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    sc_test_source_path("tests/data/demo_capture.txt", path, sizeof(path));
    int n = 0;
    int top = 0;
    int ofi = 0;
    run_file(path, SC_NS_PER_S, &n, &top, &ofi);
    assert_true(n >= 8);
    assert_int_equal(top, n); /* the snapshot comes in the first second */
    assert_int_equal(ofi, n);
}

static void test_real_capture(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED("binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst", path);
    int n = 0;
    int top = 0;
    int ofi = 0;
    run_file(path, SC_NS_PER_MIN, &n, &top, &ofi);
    assert_int_equal(n, 5);
    assert_int_equal(top, 5);
    assert_int_equal(ofi, 5);
    run_file(path, SC_NS_PER_S, &n, &top, &ofi);
    assert_true(n > 300);
    assert_true(top >= n - 2 && ofi >= n - 3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_at_close), cmocka_unit_test(test_finish_and_gaps),
        cmocka_unit_test(test_bad_messages),    cmocka_unit_test(test_demo_capture),
        cmocka_unit_test(test_real_capture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
