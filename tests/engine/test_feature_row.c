/* FeaturePipeline: the column table, warm-up, values against independent
 * brute-force computations, refusals that change nothing, and the text of
 * every cell format. */
#include "support/support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/instrument.h"
#include "engine/feature_row.h"

/* 2025-06-06 23:00:00 UTC: a UTC midnight falls on row 61 at 1m. */
#define T0_NS (INT64_C(1749250800) * SC_NS_PER_S)
#define N_ROWS 400

static const char k_header_base[] =
    "open_time,open,high,low,close,volume,gap_before,missing_inside,buy_volume,sell_volume,"
    "trades,vwap,trade_imbalance,logret_1,logret_5,ema_9,ema_21,ema_50,rsi_14,macd_12_26_9,"
    "macd_signal_12_26_9,macd_hist_12_26_9,atr_14,bb_mid_20_2,bb_upper_20_2,bb_lower_20_2,"
    "bb_pctb_20_2,bb_width_20_2,vwap_session,vwap_session_dist_bps,vwap_rolling_60,"
    "realized_vol_30,vol_regime,vol_regime_pct,poc,va_low,va_high";
static const char k_header_book[] = ",bid,ask,bid_qty,ask_qty,spread_bps,microprice,"
                                    "book_imbalance_5,depth_bid_10bps,depth_ask_10bps,ofi";

static const sc_instrument *usdm(void) {
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    assert_non_null(ins);
    return ins;
}

static sc_feature_pipeline *make(sc_ns tf_ns, bool with_book) {
    sc_feature_pipeline_config cfg = {usdm(), tf_ns, with_book};
    sc_feature_pipeline *p = NULL;
    assert_int_equal(sc_feature_pipeline_create(&cfg, &p), SC_OK);
    assert_non_null(p);
    return p;
}

/* A deterministic, wiggly 1m series around 100000.0 (ticks of 0.1). */
static sc_candle candle_at(int i) {
    sc_candle k;
    memset(&k, 0, sizeof(k));
    int64_t c = 1000000 + (int64_t)((i * 7919 + 13) % 401) - 200 + i / 3;
    int64_t o =
        i == 0 ? c - 3 : 1000000 + (int64_t)(((i - 1) * 7919 + 13) % 401) - 200 + (i - 1) / 3;
    k.open_ns = T0_NS + (sc_ns)i * SC_NS_PER_MIN;
    k.tf_ns = SC_NS_PER_MIN;
    k.open.ticks = o;
    k.close.ticks = c;
    k.high.ticks = (o > c ? o : c) + (i * 31) % 17;
    k.low.ticks = (o < c ? o : c) - (i * 17) % 13;
    k.volume.steps = 1000 + (i * 101) % 5000;
    k.buy_volume.steps = k.volume.steps * ((i * 7) % 10) / 10;
    k.sell_volume.steps = k.volume.steps - k.buy_volume.steps;
    k.trades = 10 + i % 50;
    k.flags = SC_CANDLE_HAS_SPLIT | SC_CANDLE_HAS_TRADES;
    k.parts = 1;
    k.closed = true;
    return k;
}

static double px(int64_t ticks) {
    return (double)ticks / 10.0;
}

static void feed_all(sc_feature_pipeline *p, sc_feature_row *rows, int n) {
    for (int i = 0; i < n; i++) {
        sc_candle k = candle_at(i);
        sc_errinfo ei;
        sc_errinfo_clear(&ei);
        assert_int_equal(sc_feature_pipeline_on_candle(p, &k, NULL, &rows[i], &ei), SC_OK);
    }
}

static void assert_rel(double got, double want, double rel, const char *what, int row) {
    double scale = fmax(fmax(fabs(got), fabs(want)), 1e-9);
    if (fabs(got - want) > rel * scale) {
        fail_msg("%s row %d: got %.17g, want %.17g", what, row + 1, got, want);
    }
}

static void test_header_exact(void **state) {
    (void)state;
    char buf[SC_FEATURE_HEADER_MAX];
    char want[sizeof(k_header_base) + sizeof(k_header_book) + 2];
    sc_feature_pipeline *p = make(SC_NS_PER_MIN, false);
    snprintf(want, sizeof(want), "%s\n", k_header_base);
    assert_int_equal(sc_feature_pipeline_header(p, buf, sizeof(buf)), (int)strlen(want));
    assert_string_equal(buf, want);
    assert_int_equal(sc_feature_pipeline_columns(p), 37);
    assert_int_equal(sc_feature_pipeline_header(p, buf, 10), -1);
    sc_feature_pipeline_destroy(p);
    p = make(SC_NS_PER_MIN, true);
    snprintf(want, sizeof(want), "%s%s\n", k_header_base, k_header_book);
    assert_int_equal(sc_feature_pipeline_header(p, buf, sizeof(buf)), (int)strlen(want));
    assert_string_equal(buf, want);
    assert_int_equal(sc_feature_pipeline_columns(p), SC_FEATURE_COUNT);
    sc_feature_pipeline_destroy(p);
}

/* The table: unique names, a unit and a definition each, base set first. */
static void test_column_table(void **state) {
    (void)state;
    bool book_seen = false;
    for (uint32_t i = 0; i < SC_FEATURE_COUNT; i++) {
        const sc_feature_column *c = sc_feature_column_at(i);
        assert_non_null(c);
        assert_true(strlen(c->name) > 0 && strlen(c->unit) > 0 && strlen(c->definition) > 10);
        assert_null(strchr(c->name, ','));
        book_seen = book_seen || c->set == SC_FEATURE_SET_BOOK;
        assert_true(c->set == SC_FEATURE_SET_BOOK || !book_seen);
        for (uint32_t j = 0; j < i; j++) {
            assert_string_not_equal(c->name, sc_feature_column_at(j)->name);
        }
    }
    assert_null(sc_feature_column_at(SC_FEATURE_COUNT));
}

/* First row (1-based) on which each column has a value, on contiguous 1m
 * candles; 0 = never (this series has no VWAP source). */
static int first_row_of(sc_feature_id id) {
    switch (id) {
    case SC_FEATURE_VWAP:
        return 0;
    case SC_FEATURE_LOGRET_1:
        return 2;
    case SC_FEATURE_LOGRET_5:
        return 6;
    case SC_FEATURE_EMA_9:
        return 9;
    case SC_FEATURE_EMA_21:
        return 21;
    case SC_FEATURE_EMA_50:
        return 50;
    case SC_FEATURE_RSI_14:
    case SC_FEATURE_ATR_14:
        return 15;
    case SC_FEATURE_MACD:
        return 26;
    case SC_FEATURE_MACD_SIGNAL:
    case SC_FEATURE_MACD_HIST:
        return 34;
    case SC_FEATURE_BB_MID:
    case SC_FEATURE_BB_UPPER:
    case SC_FEATURE_BB_LOWER:
    case SC_FEATURE_BB_PCTB:
    case SC_FEATURE_BB_WIDTH:
        return 20;
    case SC_FEATURE_VWAP_ROLLING:
        return 60;
    case SC_FEATURE_REALIZED_VOL:
        return 31;
    case SC_FEATURE_VOL_REGIME:
    case SC_FEATURE_VOL_REGIME_PCT:
        return 31 + 239;
    case SC_FEATURE_POC:
    case SC_FEATURE_VA_LOW:
    case SC_FEATURE_VA_HIGH:
        return 241;
    default:
        return 1;
    }
}

static void test_warm_up(void **state) {
    (void)state;
    sc_feature_pipeline *p = make(SC_NS_PER_MIN, false);
    sc_feature_row *rows = calloc(N_ROWS, sizeof(*rows));
    assert_non_null(rows);
    feed_all(p, rows, N_ROWS);
    for (uint32_t id = 0; id < sc_feature_pipeline_columns(p); id++) {
        int first = first_row_of((sc_feature_id)id);
        for (int i = 0; i < N_ROWS; i++) {
            bool want = first > 0 && i + 1 >= first;
            if (rows[i].v[id].present != want) {
                fail_msg("%s on row %d: present %d, want %d (first row %d)",
                         sc_feature_column_at(id)->name, i + 1, rows[i].v[id].present, want, first);
            }
        }
    }
    /* The CSV of row 14 has an empty rsi_14 cell, row 15 a number. */
    char line[SC_FEATURE_LINE_MAX];
    assert_true(sc_feature_pipeline_format(p, &rows[13], line, sizeof(line)) > 0);
    assert_non_null(strstr(line, ",,,,,,,,,"));
    assert_int_equal(sc_feature_pipeline_rows(p), N_ROWS);
    free(rows);
    sc_feature_pipeline_destroy(p);
}

/* EMA(n) the TA-Lib way, by hand: SMA seed, then the recursion. */
static double brute_ema(const double *x, int upto, int n) {
    double sum = 0.0;
    for (int i = 0; i < n; i++) {
        sum += x[i];
    }
    double e = sum / n;
    double a = 2.0 / (n + 1);
    for (int i = n; i <= upto; i++) {
        e = (x[i] - e) * a + e;
    }
    return e;
}

/* RSI(n), Wilder, by hand. */
static double brute_rsi(const double *x, int upto, int n) {
    double g = 0.0;
    double l = 0.0;
    for (int i = 1; i <= n; i++) {
        double d = x[i] - x[i - 1];
        g += d > 0 ? d : 0;
        l += d < 0 ? -d : 0;
    }
    g /= n;
    l /= n;
    for (int i = n + 1; i <= upto; i++) {
        double d = x[i] - x[i - 1];
        g = (g * (n - 1) + (d > 0 ? d : 0)) / n;
        l = (l * (n - 1) + (d < 0 ? -d : 0)) / n;
    }
    return g + l == 0.0 ? 50.0 : 100.0 * g / (g + l);
}

static void check_bands(const sc_feature_row *r, const double *close, int i) {
    double mean = 0.0;
    for (int j = i - 19; j <= i; j++) {
        mean += close[j];
    }
    mean /= 20;
    double ss = 0.0;
    for (int j = i - 19; j <= i; j++) {
        ss += (close[j] - mean) * (close[j] - mean);
    }
    double sd = sqrt(ss / 20);
    assert_rel(r->v[SC_FEATURE_BB_MID].d, mean, 1e-12, "bb_mid", i);
    assert_rel(r->v[SC_FEATURE_BB_UPPER].d, mean + 2 * sd, 1e-12, "bb_upper", i);
    assert_rel(r->v[SC_FEATURE_BB_LOWER].d, mean - 2 * sd, 1e-12, "bb_lower", i);
    assert_rel(r->v[SC_FEATURE_BB_PCTB].d, (close[i] - (mean - 2 * sd)) / (4 * sd), 1e-6, "pctb",
               i);
}

static void check_session_vwap(const sc_feature_row *rows, int i) {
    sc_ns day = (rows[i].open_ns / SC_NS_PER_DAY) * SC_NS_PER_DAY;
    double pv = 0.0;
    double v = 0.0;
    for (int j = 0; j <= i; j++) {
        sc_candle k = candle_at(j);
        if (k.open_ns >= day) {
            double tp = (px(k.high.ticks) + px(k.low.ticks) + px(k.close.ticks)) / 3.0;
            pv += tp * ((double)k.volume.steps / 1000.0);
            v += (double)k.volume.steps / 1000.0;
        }
    }
    assert_rel(rows[i].v[SC_FEATURE_VWAP_SESSION].d, pv / v, 1e-12, "vwap_session", i);
}

static void test_values_brute_force(void **state) {
    (void)state;
    sc_feature_pipeline *p = make(SC_NS_PER_MIN, false);
    sc_feature_row *rows = calloc(N_ROWS, sizeof(*rows));
    double close[N_ROWS];
    assert_non_null(rows);
    feed_all(p, rows, N_ROWS);
    for (int i = 0; i < N_ROWS; i++) {
        close[i] = px(candle_at(i).close.ticks);
    }
    for (int i = 0; i < N_ROWS; i++) {
        const sc_feature_row *r = &rows[i];
        sc_candle k = candle_at(i);
        assert_int_equal(r->v[SC_FEATURE_CLOSE].i, k.close.ticks);
        assert_int_equal(r->v[SC_FEATURE_OPEN_TIME].i, k.open_ns);
        double imb = (double)(k.buy_volume.steps - k.sell_volume.steps) / (double)k.volume.steps;
        assert_rel(r->v[SC_FEATURE_TRADE_IMBALANCE].d, imb, 1e-15, "trade_imbalance", i);
        if (i >= 49) {
            assert_rel(r->v[SC_FEATURE_EMA_50].d, brute_ema(close, i, 50), 1e-12, "ema_50", i);
            assert_rel(r->v[SC_FEATURE_EMA_9].d, brute_ema(close, i, 9), 1e-12, "ema_9", i);
            assert_rel(r->v[SC_FEATURE_RSI_14].d, brute_rsi(close, i, 14), 1e-9, "rsi_14", i);
            assert_rel(r->v[SC_FEATURE_LOGRET_5].d, log(close[i] / close[i - 5]), 1e-12, "ret5", i);
            check_bands(r, close, i);
        }
        check_session_vwap(rows, i);
    }
    /* Row 61 opens at 00:00 UTC: the session restarts with that one candle. */
    sc_candle k60 = candle_at(60);
    assert_int_equal(k60.open_ns % SC_NS_PER_DAY, 0);
    double tp = (px(k60.high.ticks) + px(k60.low.ticks) + px(k60.close.ticks)) / 3.0;
    assert_rel(rows[60].v[SC_FEATURE_VWAP_SESSION].d, tp, 1e-12, "session reset", 60);
    free(rows);
    sc_feature_pipeline_destroy(p);
}

/* POC against a brute-force histogram of the last 240 candles. */
static void test_poc_brute_force(void **state) {
    (void)state;
    sc_feature_pipeline *p = make(SC_NS_PER_MIN, false);
    sc_feature_row *rows = calloc(N_ROWS, sizeof(*rows));
    assert_non_null(rows);
    feed_all(p, rows, N_ROWS);
    const int64_t bucket = 100; /* 10 USDT at 1m on the 0.1 grid */
    assert_int_equal(sc_feature_vp_bucket_quote(SC_NS_PER_MIN), 10);
    for (int i = 240; i < N_ROWS; i += 7) {
        int64_t best_b = 0;
        int64_t best_v = -1;
        int64_t last = candle_at(i).close.ticks;
        int64_t vols[64] = {0};
        int64_t base = (1000000 - 1000) / bucket;
        for (int j = i - 239; j <= i; j++) {
            sc_candle k = candle_at(j);
            int64_t tp = (k.high.ticks + k.low.ticks + k.close.ticks) / 3;
            vols[tp / bucket - base] += k.volume.steps;
        }
        for (int64_t b = 0; b < 64; b++) {
            int64_t centre2 = 2 * (b + base) * bucket + bucket;
            int64_t best_c2 = 2 * (best_b + base) * bucket + bucket;
            bool nearer = llabs(centre2 - 2 * last) < llabs(best_c2 - 2 * last);
            if (vols[b] > best_v || (vols[b] == best_v && nearer)) {
                best_v = vols[b];
                best_b = b;
            }
        }
        assert_int_equal(rows[i].v[SC_FEATURE_POC].i, (best_b + base) * bucket);
        assert_true(rows[i].v[SC_FEATURE_VA_LOW].i <= rows[i].v[SC_FEATURE_POC].i);
        assert_true(rows[i].v[SC_FEATURE_VA_HIGH].i > rows[i].v[SC_FEATURE_POC].i);
        assert_int_equal(rows[i].v[SC_FEATURE_VA_HIGH].i % bucket, 0);
    }
    free(rows);
    sc_feature_pipeline_destroy(p);
}

/* Refused candles change nothing: the rows after them equal a clean run's. */
static void test_refusals(void **state) {
    (void)state;
    sc_feature_pipeline *a = make(SC_NS_PER_MIN, false);
    sc_feature_pipeline *b = make(SC_NS_PER_MIN, false);
    sc_feature_row ra;
    sc_feature_row rb;
    sc_errinfo ei;
    for (int i = 0; i < 60; i++) {
        sc_candle k = candle_at(i);
        assert_int_equal(sc_feature_pipeline_on_candle(a, &k, NULL, &ra, &ei), SC_OK);
        assert_int_equal(sc_feature_pipeline_on_candle(b, &k, NULL, &rb, &ei), SC_OK);
        if (i == 30) {
            sc_candle bad = candle_at(i); /* the same open time again */
            sc_errinfo_clear(&ei);
            assert_int_equal(sc_feature_pipeline_on_candle(b, &bad, NULL, &rb, &ei), SC_ERR_STATE);
            assert_string_equal(ei.field, "open_time");
            bad = candle_at(i + 1);
            bad.tf_ns = 5 * SC_NS_PER_MIN;
            assert_int_equal(sc_feature_pipeline_on_candle(b, &bad, NULL, &rb, &ei),
                             SC_ERR_INVALID_ARG);
            bad = candle_at(i + 1);
            bad.closed = false;
            assert_int_equal(sc_feature_pipeline_on_candle(b, &bad, NULL, &rb, &ei),
                             SC_ERR_INVALID_ARG);
            bad = candle_at(i + 1);
            bad.low.ticks = bad.high.ticks + 1;
            assert_int_equal(sc_feature_pipeline_on_candle(b, &bad, NULL, &rb, &ei), SC_ERR_RANGE);
            bad = candle_at(i + 1);
            bad.high.ticks = SC_FEATURE_PX_TICKS_MAX + 1;
            assert_int_equal(sc_feature_pipeline_on_candle(b, &bad, NULL, &rb, &ei), SC_ERR_RANGE);
            assert_string_equal(ei.field, "high");
            assert_non_null(strstr(ei.expected, "at most"));
            /* rb still holds row i: a refusal does not touch the row */
            assert_memory_equal(&ra, &rb, sizeof(ra));
        }
    }
    assert_memory_equal(&ra, &rb, sizeof(ra));
    assert_int_equal(sc_feature_pipeline_rows(a), sc_feature_pipeline_rows(b));
    sc_feature_pipeline_destroy(a);
    sc_feature_pipeline_destroy(b);
}

/* The n-th (0-based) cell of a CSV line into buf. */
static const char *cell(const char *line, uint32_t n, char *buf, size_t cap) {
    const char *p = line;
    for (uint32_t i = 0; i < n; i++) {
        p = strchr(p, ',');
        assert_non_null(p);
        p++;
    }
    size_t len = strcspn(p, ",\n");
    assert_true(len < cap);
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf;
}

static void test_cell_text(void **state) {
    (void)state;
    static const struct {
        double x;
        const char *text;
    } k_reals[] = {
        {0.0001234, "0.0001234"},
        {123456.789, "123456.789"},
        {-0.5, "-0.5"},
        {1e-7, "1e-07"},
        {12345678901.0, "1.23456789e+10"},
        {100.0, "100"},
        {99999.9999999999, "100000"},
        {0.1, "0.1"},
        {1.0 / 3.0, "0.3333333333"},
        {-2.0 / 3.0, "-0.6666666667"},
        {104367.5, "104367.5"},
        {9999999999.4, "9999999999"},
    };
    sc_feature_pipeline *p = make(SC_NS_PER_MIN, false);
    sc_feature_row r;
    sc_candle k = candle_at(0);
    assert_int_equal(sc_feature_pipeline_on_candle(p, &k, NULL, &r, NULL), SC_OK);
    char line[SC_FEATURE_LINE_MAX];
    char c[SC_FEATURE_CELL_MAX];
    for (size_t i = 0; i < sizeof(k_reals) / sizeof(k_reals[0]); i++) {
        r.v[SC_FEATURE_EMA_9].present = true;
        r.v[SC_FEATURE_EMA_9].d = k_reals[i].x;
        assert_true(sc_feature_pipeline_format(p, &r, line, sizeof(line)) > 0);
        assert_string_equal(cell(line, SC_FEATURE_EMA_9, c, sizeof(c)), k_reals[i].text);
    }
    /* Seeded values over every magnitude: 10 significant digits, rounded. */
    uint64_t seed = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        double mant = (double)(seed >> 11) / 9007199254740992.0; /* [0, 1) */
        double x = (mant + 0.1) * pow(10.0, (double)((int)(seed % 30) - 15));
        x = (seed >> 7) & 1 ? -x : x;
        r.v[SC_FEATURE_EMA_9].d = x;
        assert_true(sc_feature_pipeline_format(p, &r, line, sizeof(line)) > 0);
        double back = strtod(cell(line, SC_FEATURE_EMA_9, c, sizeof(c)), NULL);
        if (!(fabs(back - x) <= 5.0000001e-10 * fabs(x))) {
            fail_msg("%.17g written as %s", x, c);
        }
    }
    r.v[SC_FEATURE_VOL_REGIME].present = true;
    r.v[SC_FEATURE_VOL_REGIME].i = 2;
    r.v[SC_FEATURE_OPEN].i = 1043675;
    r.v[SC_FEATURE_VOLUME].i = 63017;
    r.v[SC_FEATURE_OPEN_TIME].i = INT64_C(1749246060000) * SC_NS_PER_MS;
    r.v[SC_FEATURE_GAP_BEFORE].i = -7;
    assert_true(sc_feature_pipeline_format(p, &r, line, sizeof(line)) > 0);
    assert_string_equal(cell(line, SC_FEATURE_VOL_REGIME, c, sizeof(c)), "high");
    assert_string_equal(cell(line, SC_FEATURE_OPEN, c, sizeof(c)), "104367.50");
    assert_string_equal(cell(line, SC_FEATURE_VOLUME, c, sizeof(c)), "63.017");
    assert_string_equal(cell(line, SC_FEATURE_OPEN_TIME, c, sizeof(c)), "1749246060000");
    assert_string_equal(cell(line, SC_FEATURE_GAP_BEFORE, c, sizeof(c)), "-7");
    assert_string_equal(cell(line, SC_FEATURE_RSI_14, c, sizeof(c)), "");
    /* One cell per column: n-1 commas, one newline at the end. */
    size_t commas = 0;
    for (const char *q = line; *q; q++) {
        commas += *q == ',';
    }
    assert_int_equal(commas, sc_feature_pipeline_columns(p) - 1);
    assert_int_equal(line[strlen(line) - 1], '\n');
    assert_int_equal(sc_feature_pipeline_format(p, &r, line, 100), -1);
    sc_feature_pipeline_destroy(p);
}

static void test_book_columns(void **state) {
    (void)state;
    sc_feature_pipeline *p = make(SC_NS_PER_MIN, true);
    sc_feature_book b;
    memset(&b, 0, sizeof(b));
    b.top_ok = true;
    b.bid = (sc_level){{1000000}, {1500}};
    b.ask = (sc_level){{1000001}, {500}};
    b.imbalance_ok = true;
    b.imbalance = 0.25;
    b.depth_ok = true;
    b.depth_bid.steps = 12345;
    b.depth_ask.steps = 1;
    b.ofi_ok = true;
    b.ofi_steps = -1234;
    sc_feature_row r;
    sc_candle k = candle_at(0);
    assert_int_equal(sc_feature_pipeline_on_candle(p, &k, &b, &r, NULL), SC_OK);
    char line[SC_FEATURE_LINE_MAX];
    char c[SC_FEATURE_CELL_MAX];
    assert_true(sc_feature_pipeline_format(p, &r, line, sizeof(line)) > 0);
    assert_string_equal(cell(line, SC_FEATURE_BID, c, sizeof(c)), "100000.00");
    assert_string_equal(cell(line, SC_FEATURE_ASK, c, sizeof(c)), "100000.10");
    assert_string_equal(cell(line, SC_FEATURE_BID_QTY, c, sizeof(c)), "1.500");
    assert_string_equal(cell(line, SC_FEATURE_OFI, c, sizeof(c)), "-1.234");
    assert_string_equal(cell(line, SC_FEATURE_DEPTH_BID, c, sizeof(c)), "12.345");
    assert_string_equal(cell(line, SC_FEATURE_BOOK_IMBALANCE, c, sizeof(c)), "0.25");
    /* microprice = (bid * ask_qty + ask * bid_qty) / (bid_qty + ask_qty) */
    assert_string_equal(cell(line, SC_FEATURE_MICROPRICE, c, sizeof(c)), "100000.075");
    assert_rel(r.v[SC_FEATURE_SPREAD_BPS].d, 0.1 / 100000.05 * 1e4, 1e-12, "spread", 0);
    /* Without a sample every book cell is empty; the base cells are not. */
    k = candle_at(1);
    assert_int_equal(sc_feature_pipeline_on_candle(p, &k, NULL, &r, NULL), SC_OK);
    assert_true(sc_feature_pipeline_format(p, &r, line, sizeof(line)) > 0);
    for (uint32_t id = SC_FEATURE_BID; id < SC_FEATURE_COUNT; id++) {
        assert_false(r.v[id].present);
        assert_string_equal(cell(line, id, c, sizeof(c)), "");
    }
    sc_feature_pipeline_destroy(p);
    /* A pipeline without the book set ignores a sample. */
    p = make(SC_NS_PER_MIN, false);
    assert_int_equal(sc_feature_pipeline_on_candle(p, &k, &b, &r, NULL), SC_OK);
    assert_false(r.v[SC_FEATURE_BID].present);
    sc_feature_pipeline_destroy(p);
}

static void test_config(void **state) {
    (void)state;
    sc_feature_pipeline *p = NULL;
    sc_feature_pipeline_config bad = {usdm(), 1500 * SC_NS_PER_MS, false};
    assert_int_equal(sc_feature_pipeline_create(&bad, &p), SC_ERR_INVALID_ARG);
    bad.tf_ns = 2 * SC_NS_PER_DAY;
    assert_int_equal(sc_feature_pipeline_create(&bad, &p), SC_ERR_INVALID_ARG);
    bad.tf_ns = SC_NS_PER_MIN;
    bad.ins = NULL;
    assert_int_equal(sc_feature_pipeline_create(&bad, &p), SC_ERR_INVALID_ARG);
    assert_null(p);
    sc_feature_pipeline_destroy(NULL);
    /* Every timeframe of the command on every instrument. */
    static const sc_ns k_tfs[] = {SC_NS_PER_S,        SC_NS_PER_MIN,      5 * SC_NS_PER_MIN,
                                  15 * SC_NS_PER_MIN, 60 * SC_NS_PER_MIN, SC_NS_PER_DAY};
    for (size_t i = 0; sc_instrument_at(i) != NULL; i++) {
        for (size_t t = 0; t < sizeof(k_tfs) / sizeof(k_tfs[0]); t++) {
            sc_feature_pipeline_config cfg = {sc_instrument_at(i), k_tfs[t], true};
            assert_int_equal(sc_feature_pipeline_create(&cfg, &p), SC_OK);
            sc_feature_pipeline_destroy(p);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_exact),    cmocka_unit_test(test_column_table),
        cmocka_unit_test(test_warm_up),         cmocka_unit_test(test_values_brute_force),
        cmocka_unit_test(test_poc_brute_force), cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_cell_text),       cmocka_unit_test(test_book_columns),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
