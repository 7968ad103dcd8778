/* Decoder tests: exact values from real samples, every real capture line,
 * a differential check against jansson on a whole real capture, and a
 * table of hostile inputs that must fail cleanly with a useful error. */
#include "support/support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "market/decoder.h"

static sc_decoder *make(const char *ins_name) {
    sc_decoder *d = NULL;
    sc_decoder_config cfg = {sc_instrument_find(ins_name), 0};
    assert_non_null(cfg.ins);
    assert_int_equal(sc_decoder_create(&cfg, &d), SC_OK);
    return d;
}

static sc_err dec(sc_decoder *d, const char *json, sc_event *ev, sc_errinfo *ei) {
    memset(ei, 0, sizeof(*ei));
    return sc_decoder_decode(d, json, strlen(json), 42, ev, ei);
}

static char *sample(const char *name) {
    char rel[256];
    char path[SC_TEST_PATH_MAX];
    snprintf(rel, sizeof(rel), "binance_ws_capture_hftbacktest/samples/%s", name);
    if (!sc_test_shared_path(rel, path, sizeof(path))) {
        return NULL;
    }
    size_t n;
    char *s = sc_test_read_all(path, &n);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
    return s;
}

#define NEED_SAMPLE(var, name)                                                                     \
    char *var = sample(name);                                                                      \
    if (var == NULL) {                                                                             \
        print_message("SKIP: shared data sample %s is absent\n", name);                            \
        skip();                                                                                    \
    }

static void test_usdm_depth_sample(void **state) {
    (void)state;
    NEED_SAMPLE(js, "usdm_depthUpdate_combined.json");
    sc_decoder *d = make("usdm:BTCUSDT");
    sc_event ev;
    sc_errinfo ei;
    assert_int_equal(dec(d, js, &ev, &ei), SC_OK);
    assert_int_equal(ev.kind, SC_EV_DEPTH);
    assert_int_equal(ev.ts_local_ns, 42);
    const sc_depth *dp = &ev.u.depth;
    assert_int_equal(dp->ts_exch_ns, 1723161260946LL * 1000000);
    assert_int_equal(dp->ts_txn_ns, 1723161260945LL * 1000000);
    assert_int_equal(dp->first_id, 5123108177417LL);
    assert_int_equal(dp->final_id, 5123108179807LL);
    assert_int_equal(dp->prev_final_id, 5123108177279LL);
    assert_int_equal(dp->n_bids, 7);
    assert_int_equal(dp->n_asks, 3);
    assert_int_equal(dp->bids[0].px.ticks, 10000); /* 1000.00: far-away level kept exactly */
    assert_int_equal(dp->bids[0].qty.steps, 606675);
    assert_int_equal(dp->bids[5].px.ticks, 617522);
    assert_int_equal(dp->bids[5].qty.steps, 0); /* "0.000" deletes */
    assert_int_equal(dp->asks[2].px.ticks, 618512);
    assert_int_equal(dp->asks[2].qty.steps, 58);
    sc_decoder_destroy(d);
    free(js);
}

static void test_book_ticker_samples(void **state) {
    (void)state;
    NEED_SAMPLE(um, "usdm_bookTicker_combined.json");
    NEED_SAMPLE(sp, "spot_bookTicker_combined.json");
    sc_decoder *d = make("usdm:BTCUSDT");
    sc_event ev;
    sc_errinfo ei;
    assert_int_equal(dec(d, um, &ev, &ei), SC_OK);
    assert_int_equal(ev.kind, SC_EV_BOOK_TICKER);
    assert_int_equal(ev.u.book_ticker.update_id, 5123107839020LL);
    assert_int_equal(ev.u.book_ticker.bid.px.ticks, 618002);
    assert_int_equal(ev.u.book_ticker.bid.qty.steps, 2507);
    assert_int_equal(ev.u.book_ticker.ask.px.ticks, 618003);
    assert_int_equal(ev.u.book_ticker.ask.qty.steps, 2510);
    assert_int_equal(ev.u.book_ticker.ts_exch_ns, 1723161256313LL * 1000000);
    sc_decoder_destroy(d);
    /* Spot bookTicker has no e/E/T and 8-decimal strings. */
    d = make("spot:BTCUSDT");
    assert_int_equal(dec(d, sp, &ev, &ei), SC_OK);
    assert_int_equal(ev.kind, SC_EV_BOOK_TICKER);
    assert_int_equal(ev.u.book_ticker.update_id, 50093239212LL);
    assert_int_equal(ev.u.book_ticker.bid.px.ticks, 6183763);
    assert_int_equal(ev.u.book_ticker.bid.qty.steps, 378826000);
    assert_int_equal(ev.u.book_ticker.ts_exch_ns, 0);
    sc_decoder_destroy(d);
    free(um);
    free(sp);
}

static void test_trade_samples(void **state) {
    (void)state;
    NEED_SAMPLE(buy, "usdm_trade_buyer_aggressor_combined.json");
    NEED_SAMPLE(sell, "usdm_trade_seller_aggressor_combined.json");
    sc_decoder *d = make("usdm:BTCUSDT");
    sc_event ev;
    sc_errinfo ei;
    assert_int_equal(dec(d, buy, &ev, &ei), SC_OK);
    assert_int_equal(ev.kind, SC_EV_TRADE);
    assert_int_equal(ev.u.trade.trade_id, 5266583935LL);
    assert_int_equal(ev.u.trade.px.ticks, 618003);
    assert_int_equal(ev.u.trade.qty.steps, 6);
    assert_int_equal(ev.u.trade.aggressor, SC_SIDE_BUY); /* m=false: buyer took */
    assert_int_equal(dec(d, sell, &ev, &ei), SC_OK);
    assert_int_equal(ev.u.trade.aggressor, SC_SIDE_SELL); /* m=true: buyer was maker */
    assert_int_equal(ev.u.trade.qty.steps, 15);
    assert_int_equal(ev.u.trade.kind, SC_TRADE_MARKET);
    /* The liquidation fill of the 2023-04-05 capture, in its real shape. */
    const char *ins = "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1680652874406,"
                      "\"T\":1680652874400,\"s\":\"BTCUSDT\",\"t\":3535191080,\"p\":\"28722.50\","
                      "\"q\":\"0.001\",\"X\":\"INSURANCE_FUND\",\"m\":true}}";
    assert_int_equal(dec(d, ins, &ev, &ei), SC_OK);
    assert_int_equal(ev.u.trade.kind, SC_TRADE_INSURANCE_FUND);
    const char *adl = "{\"e\":\"trade\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"t\":5,\"p\":\"1.0\","
                      "\"q\":\"0.001\",\"X\":\"ADL\",\"m\":false}";
    assert_int_equal(dec(d, adl, &ev, &ei), SC_OK);
    assert_int_equal(ev.u.trade.kind, SC_TRADE_ADL);
    sc_decoder_destroy(d);
    free(buy);
    free(sell);
}

static void test_mark_price_sample(void **state) {
    (void)state;
    NEED_SAMPLE(js, "usdm_markPriceUpdate_combined.json");
    sc_decoder *d = make("usdm:BTCUSDT");
    sc_event ev;
    sc_errinfo ei;
    assert_int_equal(dec(d, js, &ev, &ei), SC_OK);
    assert_int_equal(ev.kind, SC_EV_MARK_PRICE);
    assert_int_equal(ev.u.mark.mark_px.e8, 2815510000000LL);
    assert_int_equal(ev.u.mark.index_px.e8, 2816504857143LL);
    assert_int_equal(ev.u.mark.funding_rate.e8, 2760);
    assert_int_equal(ev.u.mark.next_funding_ns, 1680652800000LL * 1000000);
    sc_decoder_destroy(d);
    free(js);
}

static void test_spot_and_coinm_depth(void **state) {
    (void)state;
    NEED_SAMPLE(sp, "spot_depthUpdate_combined.json");
    NEED_SAMPLE(cm, "coinm_depthUpdate_combined.json");
    sc_decoder *d = make("spot:BTCUSDT");
    sc_event ev;
    sc_errinfo ei;
    assert_int_equal(dec(d, sp, &ev, &ei), SC_OK);
    assert_int_equal(ev.u.depth.prev_final_id, SC_ID_NONE);
    assert_int_equal(ev.u.depth.ts_txn_ns, 0);
    assert_int_equal(ev.u.depth.n_asks, 4);
    assert_int_equal(ev.u.depth.asks[3].px.ticks, 6186251);
    sc_decoder_destroy(d);
    d = make("coinm:BTCUSD_PERP");
    assert_int_equal(dec(d, cm, &ev, &ei), SC_OK);
    assert_int_equal(ev.u.depth.prev_final_id, 1007198631835LL);
    assert_int_equal(ev.u.depth.bids[1].qty.steps, 1572); /* contracts */
    /* A USD-M decoder does not take COIN-M messages for its own. */
    sc_decoder_destroy(d);
    d = make("usdm:BTCUSDT");
    assert_int_equal(dec(d, cm, &ev, &ei), SC_ERR_UNKNOWN_STREAM);
    assert_int_equal(ev.kind, SC_EV_NONE);
    sc_decoder_destroy(d);
    free(sp);
    free(cm);
}

static void test_snapshot_sample(void **state) {
    (void)state;
    NEED_SAMPLE(js, "usdm_rest_depth_snapshot_limit1000.json");
    sc_decoder *d = make("usdm:BTCUSDT");
    sc_event ev;
    sc_errinfo ei;
    assert_int_equal(dec(d, js, &ev, &ei), SC_OK);
    assert_int_equal(ev.kind, SC_EV_SNAPSHOT);
    assert_int_equal(ev.u.snapshot.last_update_id, 5123107852948LL);
    assert_int_equal(ev.u.snapshot.n_bids, 1000);
    assert_int_equal(ev.u.snapshot.n_asks, 1000);
    assert_int_equal(ev.u.snapshot.bids[0].px.ticks, 618002);
    assert_int_equal(ev.u.snapshot.bids[0].qty.steps, 2909);
    assert_int_equal(ev.u.snapshot.asks[999].px.ticks, 619762);
    sc_decoder_destroy(d);
    free(js);
}

static void test_agg_trade_and_kline(void **state) {
    (void)state;
    sc_decoder *d = make("usdm:BTCUSDT");
    sc_event ev;
    sc_errinfo ei;
    /* Our own on-grid messages in the documented shapes, raw (not combined). */
    const char *agg = "{\"e\":\"aggTrade\",\"E\":1767225600200,\"s\":\"BTCUSDT\",\"a\":3250001234,"
                      "\"p\":\"87012.40\",\"q\":\"0.125\",\"nq\":\"0.125\",\"f\":7110002000,"
                      "\"l\":7110002003,\"T\":1767225600198,\"m\":false}";
    assert_int_equal(dec(d, agg, &ev, &ei), SC_OK);
    assert_int_equal(ev.kind, SC_EV_AGG_TRADE);
    assert_int_equal(ev.u.trade.trade_id, 3250001234LL);
    assert_int_equal(ev.u.trade.first_trade_id, 7110002000LL);
    assert_int_equal(ev.u.trade.last_trade_id, 7110002003LL);
    assert_int_equal(ev.u.trade.px.ticks, 870124);
    const char *kl =
        "{\"stream\":\"btcusdt@kline_1m\",\"data\":{\"e\":\"kline\",\"E\":1767225601000,"
        "\"s\":\"BTCUSDT\",\"k\":{\"t\":1767225600000,\"T\":1767225659999,\"s\":\"BTCUSDT\","
        "\"i\":\"1m\",\"f\":1,\"L\":2,\"o\":\"87000.0\",\"c\":\"87012.4\",\"h\":\"87020.0\","
        "\"l\":\"86990.1\",\"v\":\"152.331\",\"n\":891,\"x\":false,\"q\":\"13254012.55\","
        "\"V\":\"80.100\",\"Q\":\"6969001.10\",\"B\":\"0\"}}}";
    assert_int_equal(dec(d, kl, &ev, &ei), SC_OK);
    assert_int_equal(ev.kind, SC_EV_KLINE);
    assert_string_equal(ev.u.kline.interval, "1m");
    assert_int_equal(ev.u.kline.high.ticks, 870200);
    assert_int_equal(ev.u.kline.low.ticks, 869901);
    assert_int_equal(ev.u.kline.volume.steps, 152331);
    assert_int_equal(ev.u.kline.taker_buy_volume.steps, 80100);
    assert_int_equal(ev.u.kline.quote_volume.e8, 1325401255000000LL);
    assert_int_equal(ev.u.kline.trades, 891);
    assert_false(ev.u.kline.closed);
    sc_decoder_destroy(d);
}

/* The nautilus fixtures carry doc-style prices (0.001) that are off the
 * BTCUSDT tick grid: they must be refused with a precise error, and their
 * pretty-printed layout must not matter. */
static void test_off_grid_fixture_refused(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED("nautilus_binance_fixtures/crates/adapters/binance/test_data/futures/"
                      "market_data_json/agg_trade_stream.json",
                      path);
    size_t n;
    char *js = sc_test_read_all(path, &n);
    sc_decoder *d = make("usdm:BTCUSDT");
    sc_event ev;
    sc_errinfo ei;
    assert_int_equal(sc_decoder_decode(d, js, n, 0, &ev, &ei), SC_ERR_PRECISION);
    assert_string_equal(ei.field, "p");
    assert_string_equal(ei.got, "0.001");
    assert_int_equal(ev.kind, SC_EV_NONE);
    sc_decoder_destroy(d);
    free(js);
}

typedef struct {
    const char *json;
    sc_err want;
    const char *field; /* expected err.field, NULL = any */
} hostile;

static void test_hostile_inputs(void **state) {
    (void)state;
    static const hostile cases[] = {
        {"", SC_ERR_PARSE, "json"},
        {"null", SC_ERR_PARSE, "json"},
        {"[1,2]", SC_ERR_PARSE, "json"},
        {"{", SC_ERR_PARSE, "json"},
        {"{\"e\":\"trade\"", SC_ERR_PARSE, "json"},
        {"{\"e\":\"trade\"} x", SC_ERR_PARSE, "json"},
        {"{\"e\":trade}", SC_ERR_PARSE, "e"},
        {"{\"e\":\"bookTicker\",\"u\":1,\"E\":1,\"T\":1,\"b\":\"1.0\",\"B\":\"1\",\"a\":\"2.0\"}",
         SC_ERR_PARSE, "A"},
        {"{\"e\":\"bookTicker\",\"u\":1,\"E\":1,\"T\":1,\"b\":\"1.05\",\"B\":\"1\",\"a\":\"2.0\","
         "\"A\":\"1\"}",
         SC_ERR_PRECISION, "b"},
        {"{\"e\":\"bookTicker\",\"u\":1,\"E\":1,\"T\":1,\"b\":1.0,\"B\":\"1\",\"a\":\"2.0\","
         "\"A\":\"1\"}",
         SC_ERR_PARSE, "b"},
        {"{\"e\":\"bookTicker\",\"u\":1,\"E\":1,\"T\":1,\"b\":\"1e3\",\"B\":\"1\",\"a\":\"2.0\","
         "\"A\":\"1\"}",
         SC_ERR_PARSE, "b"},
        {"{\"e\":\"bookTicker\",\"u\":1,\"E\":1,\"T\":1,\"b\":\"-1.0\",\"B\":\"1\",\"a\":\"2.0\","
         "\"A\":\"1\"}",
         SC_ERR_RANGE, "b"},
        {"{\"e\":\"bookTicker\",\"u\":1,\"E\":1,\"T\":1,\"b\":\"1\\u0030\",\"B\":\"1\","
         "\"a\":\"2.0\",\"A\":\"1\"}",
         SC_ERR_PARSE, "b"},
        {"{\"e\":\"trade\",\"E\":1,\"T\":1,\"t\":1,\"p\":\"1.0\",\"q\":\"1\",\"m\":\"yes\"}",
         SC_ERR_PARSE, "m"},
        {"{\"e\":\"trade\",\"E\":1.5,\"T\":1,\"t\":1,\"p\":\"1.0\",\"q\":\"1\",\"m\":true}",
         SC_ERR_PARSE, "E"},
        {"{\"e\":\"trade\",\"E\":99999999999999999999,\"T\":1,\"t\":1,\"p\":\"1.0\",\"q\":\"1\","
         "\"m\":true}",
         SC_ERR_OVERFLOW, "E"},
        {"{\"e\":\"trade\",\"E\":-5,\"T\":1,\"t\":1,\"p\":\"1.0\",\"q\":\"1\",\"m\":true}",
         SC_ERR_RANGE, "E"},
        {"{\"e\":\"trade\",\"E\":1,\"E\":2,\"T\":1,\"t\":1,\"p\":\"1.0\",\"q\":\"1\",\"m\":true}",
         SC_ERR_PARSE, "E"},
        {"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"U\":1,\"u\":2,\"pu\":0,\"b\":[[\"1.0\",\"1\"]],"
         "\"b\":[],\"a\":[]}",
         SC_ERR_PARSE, "b"},
        {"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"U\":1,\"u\":2,\"b\":[],\"a\":[]}", SC_ERR_PARSE,
         "pu"},
        {"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"U\":5,\"u\":2,\"pu\":0,\"b\":[],\"a\":[]}",
         SC_ERR_RANGE, "U/u"},
        {"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"U\":1,\"u\":2,\"pu\":0,"
         "\"b\":[[\"1.0\",\"1\",\"x\"]],\"a\":[]}",
         SC_ERR_PARSE, "b"},
        {"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"U\":1,\"u\":2,\"pu\":0,\"b\":[[\"1.0\"]],"
         "\"a\":[]}",
         SC_ERR_PARSE, "b"},
        {"{\"e\":\"depthUpdate\",\"E\":1,\"T\":1,\"U\":1,\"u\":2,\"pu\":0,\"b\":\"1.0\",\"a\":[]}",
         SC_ERR_PARSE, "b/a"},
        {"{\"s\":\"BTC\x01USDT\"}", SC_ERR_PARSE, "string"},
        {"{\"s\":\"\xff\"}", SC_ERR_PARSE, "string"},
        {"{\"s\":\"\xc0\xaf\"}", SC_ERR_PARSE, "string"},
        {"{\"s\":\"\\x\"}", SC_ERR_PARSE, "string"},
        {"{\"s\":\"\\u12\"}", SC_ERR_PARSE, "string"},
        {"{\"x\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", SC_ERR_LIMIT, "json"},
        {"{\"x\":01}", SC_ERR_PARSE, "json"},
        {"{\"x\":1.}", SC_ERR_PARSE, "number"},
        {"{\"x\":tru}", SC_ERR_PARSE, "json"},
        {"{\"e\":\"24hrTicker\",\"s\":\"BTCUSDT\"}", SC_ERR_UNKNOWN_STREAM, "e"},
        {"{\"stream\":\"!markPrice@arr\",\"data\":[{\"e\":\"markPriceUpdate\"}]}",
         SC_ERR_UNKNOWN_STREAM, "data"},
        {"{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"E\":1,\"T\":1,\"t\":1,\"p\":\"1.0\",\"q\":\"1\","
         "\"m\":true}",
         SC_ERR_UNKNOWN_STREAM, "s"},
        {"{\"lastUpdateId\":5,\"bids\":[],\"asks\":{}}", SC_ERR_PARSE, "asks"},
        {"{\"e\":\"kline\",\"E\":1,\"k\":{\"t\":1}}", SC_ERR_PARSE, "k"},
    };
    sc_decoder *d = make("usdm:BTCUSDT");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sc_event ev;
        sc_errinfo ei;
        ev.kind = SC_EV_TRADE;
        sc_err got = dec(d, cases[i].json, &ev, &ei);
        if (got != cases[i].want || (cases[i].field && strcmp(ei.field, cases[i].field) != 0)) {
            fail_msg("case %zu %s: got %s field '%s' (expected '%s'), want %s field '%s'", i,
                     cases[i].json, sc_err_name(got), ei.field, ei.expected,
                     sc_err_name(cases[i].want), cases[i].field ? cases[i].field : "*");
        }
        assert_int_equal(ev.kind, SC_EV_NONE);
        assert_true(ei.expected[0] != '\0'); /* every error says what was expected */
    }
    sc_decoder_destroy(d);
}

static void test_level_limit(void **state) {
    (void)state;
    sc_decoder *d = NULL;
    sc_decoder_config cfg = {sc_instrument_find("usdm:BTCUSDT"), 2};
    assert_int_equal(sc_decoder_create(&cfg, &d), SC_OK);
    sc_event ev;
    sc_errinfo ei;
    const char *three = "{\"lastUpdateId\":5,\"bids\":[[\"1.0\",\"1\"],[\"0.9\",\"1\"],"
                        "[\"0.8\",\"1\"]],\"asks\":[]}";
    assert_int_equal(dec(d, three, &ev, &ei), SC_ERR_LIMIT);
    const char *two = "{\"lastUpdateId\":5,\"bids\":[[\"1.0\",\"1\"],[\"0.9\",\"1\"]],\"asks\":[]}";
    assert_int_equal(dec(d, two, &ev, &ei), SC_OK);
    assert_int_equal(ev.u.snapshot.n_bids, 2);
    sc_decoder_destroy(d);
}

/* Differential: every message of a real capture, decoded by jansson (a
 * general parser) and our decoder, must agree field by field. */
static int64_t jint(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    assert_non_null(v);
    return (int64_t)json_integer_value(v);
}

static int64_t jgrid(const sc_instrument *ins, json_t *v, bool price) {
    const char *s = json_string_value(v);
    assert_non_null(s);
    sc_px px;
    sc_qty q;
    if (price) {
        assert_int_equal(sc_px_parse(ins, s, strlen(s), &px), SC_OK);
        return px.ticks;
    }
    assert_int_equal(sc_qty_parse(ins, s, strlen(s), &q), SC_OK);
    return q.steps;
}

static void check_levels(const sc_instrument *ins, json_t *arr, const sc_level *lv, uint32_t n) {
    assert_int_equal(json_array_size(arr), n);
    for (uint32_t i = 0; i < n; i++) {
        json_t *pair = json_array_get(arr, i);
        assert_int_equal(jgrid(ins, json_array_get(pair, 0), true), lv[i].px.ticks);
        assert_int_equal(jgrid(ins, json_array_get(pair, 1), false), lv[i].qty.steps);
    }
}

static void check_against_jansson(const sc_instrument *ins, const sc_event *ev, json_t *root) {
    json_t *data = json_object_get(root, "data");
    json_t *o = data ? data : root;
    switch (ev->kind) {
    case SC_EV_DEPTH:
        assert_int_equal(jint(o, "u"), ev->u.depth.final_id);
        assert_int_equal(jint(o, "U"), ev->u.depth.first_id);
        assert_int_equal(jint(o, "pu"), ev->u.depth.prev_final_id);
        check_levels(ins, json_object_get(o, "b"), ev->u.depth.bids, ev->u.depth.n_bids);
        check_levels(ins, json_object_get(o, "a"), ev->u.depth.asks, ev->u.depth.n_asks);
        break;
    case SC_EV_SNAPSHOT:
        assert_int_equal(jint(o, "lastUpdateId"), ev->u.snapshot.last_update_id);
        check_levels(ins, json_object_get(o, "bids"), ev->u.snapshot.bids, ev->u.snapshot.n_bids);
        check_levels(ins, json_object_get(o, "asks"), ev->u.snapshot.asks, ev->u.snapshot.n_asks);
        break;
    case SC_EV_BOOK_TICKER:
        assert_int_equal(jint(o, "u"), ev->u.book_ticker.update_id);
        assert_int_equal(jgrid(ins, json_object_get(o, "b"), true), ev->u.book_ticker.bid.px.ticks);
        assert_int_equal(jgrid(ins, json_object_get(o, "A"), false),
                         ev->u.book_ticker.ask.qty.steps);
        break;
    case SC_EV_TRADE:
        assert_int_equal(jint(o, "t"), ev->u.trade.trade_id);
        assert_int_equal(jint(o, "T") * 1000000, ev->u.trade.ts_trade_ns);
        assert_int_equal(jgrid(ins, json_object_get(o, "p"), true), ev->u.trade.px.ticks);
        assert_int_equal(jgrid(ins, json_object_get(o, "q"), false), ev->u.trade.qty.steps);
        assert_int_equal(json_is_true(json_object_get(o, "m")) ? SC_SIDE_SELL : SC_SIDE_BUY,
                         ev->u.trade.aggressor);
        break;
    default:
        break;
    }
}

static void test_differential_real_capture(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED("binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst", path);
    size_t len;
    char *buf = sc_test_read_all(path, &len);
    sc_decoder *d = make("usdm:BTCUSDT");
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    long counts[SC_EV_KIND_COUNT] = {0};
    char *p = buf;
    char *end = buf + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        nl = nl ? nl : end;
        char *sp = memchr(p, ' ', (size_t)(nl - p));
        assert_non_null(sp);
        sc_event ev;
        sc_errinfo ei;
        memset(&ei, 0, sizeof(ei));
        assert_int_equal(sc_decoder_decode(d, sp + 1, (size_t)(nl - sp - 1), 0, &ev, &ei), SC_OK);
        counts[ev.kind]++;
        json_error_t je;
        json_t *root = json_loadb(sp + 1, (size_t)(nl - sp - 1), 0, &je);
        assert_non_null(root);
        check_against_jansson(ins, &ev, root);
        json_decref(root);
        p = nl + 1;
    }
    /* Counts from the capture's PROVENANCE.md. */
    assert_int_equal(counts[SC_EV_DEPTH], 6551);
    assert_int_equal(counts[SC_EV_BOOK_TICKER], 66089);
    assert_int_equal(counts[SC_EV_TRADE], 21313);
    assert_int_equal(counts[SC_EV_SNAPSHOT], 1);
    sc_decoder_destroy(d);
    free(buf);
}

/* Every line of every real capture decodes (counts per PROVENANCE.md). */
static void decode_file(const char *rel, const char *ins, long depth, long bt, long trade,
                        long snap, long mark) {
    char path[SC_TEST_PATH_MAX];
    if (!sc_test_shared_path(rel, path, sizeof(path))) {
        print_message("SKIP part: %s is absent\n", rel);
        return;
    }
    size_t len;
    char *buf = sc_test_read_all(path, &len);
    sc_decoder *d = make(ins);
    long counts[SC_EV_KIND_COUNT] = {0};
    long line = 0;
    for (char *p = buf, *end = buf + len; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        nl = nl ? nl : end;
        char *sp = memchr(p, ' ', (size_t)(nl - p));
        line++;
        sc_event ev;
        sc_errinfo ei;
        sc_err e = sc_decoder_decode(d, sp + 1, (size_t)(nl - sp - 1), 0, &ev, &ei);
        if (e != SC_OK) {
            fail_msg("%s:%ld: %s %s", rel, line, sc_err_name(e), ei.field);
        }
        counts[ev.kind]++;
        p = nl + 1;
    }
    assert_int_equal(counts[SC_EV_DEPTH], depth);
    assert_int_equal(counts[SC_EV_BOOK_TICKER], bt);
    assert_int_equal(counts[SC_EV_TRADE], trade);
    assert_int_equal(counts[SC_EV_SNAPSHOT], snap);
    assert_int_equal(counts[SC_EV_MARK_PRICE], mark);
    sc_decoder_destroy(d);
    free(buf);
}

static void test_every_real_capture(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED("binance_ws_capture_hftbacktest/PROVENANCE.md", path);
    const char *h = "binance_ws_capture_hftbacktest/";
    char rel[256];
#define F(name, ins, d, b, t, s, m)                                                                \
    snprintf(rel, sizeof(rel), "%s%s", h, name);                                                   \
    decode_file(rel, ins, d, b, t, s, m)
    F("usdm/btcusdt_20230404.txt.zst", "usdm:BTCUSDT", 4322, 6765, 2197, 1, 99);
    F("usdm/btcusdt_20230405.txt.zst", "usdm:BTCUSDT", 11788, 37440, 10738, 0, 415);
    F("usdm/btcusdt_20240718.txt.zst", "usdm:BTCUSDT", 3326, 7113, 974, 1, 0);
    F("usdm/btcusdt_20240719.txt.zst", "usdm:BTCUSDT", 5696, 45147, 9727, 0, 0);
    F("spot/btcusdt_20230405.txt.zst", "spot:BTCUSDT", 3929, 8015, 3144, 0, 0);
    F("spot/btcusdt_20240808.txt.zst", "spot:BTCUSDT", 3451, 28040, 9757, 1, 0);
    F("spot/btcusdt_20240809.txt.zst", "spot:BTCUSDT", 3044, 45134, 10147, 0, 0);
    F("coinm/btcusd_perp_20240808.txt.zst", "coinm:BTCUSD_PERP", 26847, 19136, 2286, 1, 0);
    F("coinm/btcusd_perp_20240809.txt.zst", "coinm:BTCUSD_PERP", 17948, 29219, 2949, 0, 0);
#undef F
    decode_file("binance_ws_capture_collect_binancefutures/btcusdt_20220811.txt.zst",
                "usdm:BTCUSDT", 206, 0, 1326, 1, 0);
}

static void test_sniff(void **state) {
    (void)state;
    const char *um = "{\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\",\"pu\":1}}";
    const char *sp =
        "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"U\":1}}";
    const char *spbt = "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":1,\"s\":\"BTCUSDT\"}}";
    const char *cm = "{\"stream\":\"btcusd_perp@trade\",\"data\":{}}";
    const char *tr = "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\"}}";
    assert_string_equal(sc_decoder_sniff_instrument(um, strlen(um))->name, "usdm:BTCUSDT");
    assert_string_equal(sc_decoder_sniff_instrument(sp, strlen(sp))->name, "spot:BTCUSDT");
    assert_string_equal(sc_decoder_sniff_instrument(spbt, strlen(spbt))->name, "spot:BTCUSDT");
    assert_string_equal(sc_decoder_sniff_instrument(cm, strlen(cm))->name, "coinm:BTCUSD_PERP");
    assert_null(sc_decoder_sniff_instrument(tr, strlen(tr)));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usdm_depth_sample),
        cmocka_unit_test(test_book_ticker_samples),
        cmocka_unit_test(test_trade_samples),
        cmocka_unit_test(test_mark_price_sample),
        cmocka_unit_test(test_spot_and_coinm_depth),
        cmocka_unit_test(test_snapshot_sample),
        cmocka_unit_test(test_agg_trade_and_kline),
        cmocka_unit_test(test_off_grid_fixture_refused),
        cmocka_unit_test(test_hostile_inputs),
        cmocka_unit_test(test_level_limit),
        cmocka_unit_test(test_differential_real_capture),
        cmocka_unit_test(test_every_real_capture),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
