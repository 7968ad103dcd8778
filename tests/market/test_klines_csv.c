#include "support/support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "core/instrument.h"
#include "market/klines_csv.h"

#define MS(x) (SC_NS_PER_MS * (sc_ns)(x))
#define assert_double_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))
/* 2025-06-06 21:41:00 UTC in ms (python3: datetime.fromisoformat(
 * '2025-06-06 21:41:00+00:00').timestamp() * 1000). */
#define T_2141_MS INT64_C(1749246060000)

static const sc_instrument *ins_of(const char *name) {
    const sc_instrument *ins = sc_instrument_find(name);
    assert_non_null(ins);
    return ins;
}

/* Writes text (len bytes) to a new file in a fresh temp dir; path in buf. */
static void write_file(const char *name, const void *text, size_t len, char *buf, size_t cap) {
    char dir[SC_TEST_PATH_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
    FILE *f = fopen(buf, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_text(const char *name, const char *text, char *buf, size_t cap) {
    write_file(name, text, strlen(text), buf, cap);
}

static sc_klines_csv *open_ok(const char *path, const char *ins_name, sc_ns interval_ns) {
    sc_klines_csv_config cfg = {ins_of(ins_name), interval_ns, 0};
    sc_klines_csv *r = NULL;
    sc_errinfo err;
    memset(&err, 0, sizeof(err));
    sc_err e = sc_klines_csv_open(&cfg, path, &r, &err);
    if (e != SC_OK) {
        char msg[512];
        fail_msg("open: %s: %s", sc_err_name(e), sc_errinfo_format(&err, msg, sizeof(msg)));
    }
    return r;
}

static void next_ok(sc_klines_csv *r, sc_candle *k) {
    sc_errinfo err;
    memset(&err, 0, sizeof(err));
    sc_err e = sc_klines_csv_next(r, k, &err);
    if (e != SC_OK) {
        char msg[512];
        fail_msg("next: %s: %s", sc_err_name(e), sc_errinfo_format(&err, msg, sizeof(msg)));
    }
}

/* The next call fails with e and the formatted message equals
 * "<path>:<rest>". */
static void next_err(sc_klines_csv *r, const char *path, sc_err e, const char *rest) {
    sc_errinfo err;
    memset(&err, 0, sizeof(err));
    sc_candle k;
    assert_int_equal(sc_klines_csv_next(r, &k, &err), e);
    char msg[512];
    char want[512];
    snprintf(want, sizeof(want), "%s:%s", path, rest);
    assert_string_equal(sc_errinfo_format(&err, msg, sizeof(msg)), want);
}

static void test_days_from_civil(void **state) {
    (void)state;
    /* python3: (date(y, m, d) - date(1970, 1, 1)).days */
    assert_int_equal(sc_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(sc_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(sc_days_from_civil(2024, 2, 29), 19782);
    assert_int_equal(sc_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(sc_days_from_civil(1600, 1, 1), -135140);
    assert_int_equal(sc_days_from_civil(2262, 4, 11), 106751);
    assert_int_equal(sc_days_from_civil(2025, 6, 6), 20245);
}

static sc_ns iso(const char *s) {
    sc_ns t = -1;
    if (!sc_klines_parse_iso(s, strlen(s), &t)) {
        fail_msg("rejected '%s'", s);
    }
    return t;
}

static bool iso_bad(const char *s) {
    sc_ns t = 12345;
    bool ok = sc_klines_parse_iso(s, strlen(s), &t);
    assert_int_equal(t, 12345); /* untouched on failure */
    return !ok;
}

static void test_parse_iso(void **state) {
    (void)state;
    const sc_ns want = MS(T_2141_MS);
    assert_int_equal(iso("2025-06-06 21:41:00+00:00"), want);
    assert_int_equal(iso("2025-06-06T21:41:00Z"), want);
    assert_int_equal(iso("2025-06-06t21:41:00z"), want);
    assert_int_equal(iso("2025-06-06T23:41:00+02:00"), want);
    assert_int_equal(iso("2025-06-06T19:41:00-0200"), want);
    assert_int_equal(iso("2025-06-07T03:11:00+05:30"), want);
    assert_int_equal(iso("2025-06-06T22:41:00+01"), want);
    assert_int_equal(iso("2025-06-06 21:41"), want);
    assert_int_equal(iso("2025-06-06 21:41:00 UTC"), want);
    assert_int_equal(iso("2025-06-06 21:41:00 +00:00"), want);
    assert_int_equal(iso("2025-06-06T21:41:00.123456789Z"), want + 123456789);
    assert_int_equal(iso("2025-06-06T21:41:00.5"), want + 500000000);
    /* privet1x: close of the candle opening 2024-11-30 23:00 UTC */
    assert_int_equal(iso("2024-12-01 00:00:59.999000+01:00"), MS(INT64_C(1733007659999)));
    assert_int_equal(iso("2025-06-06"), INT64_C(1749168000) * SC_NS_PER_S);
    assert_int_equal(iso("2024-02-29"), INT64_C(19782) * SC_NS_PER_DAY);
    assert_int_equal(iso("1970-01-01T00:00:00Z"), 0);
    assert_true(iso_bad(""));
    assert_true(iso_bad("2025-13-01"));
    assert_true(iso_bad("2025-02-29"));
    assert_true(iso_bad("2024-02-30"));
    assert_true(iso_bad("2025-6-6"));
    assert_true(iso_bad("2025-06-06x"));
    assert_true(iso_bad("2025-06-06 24:00"));
    assert_true(iso_bad("2025-06-06 21:41:60"));
    assert_true(iso_bad("2025-06-06 21:4"));
    assert_true(iso_bad("2025-06-06 21:41:00."));
    assert_true(iso_bad("2025-06-06 21:41:00.1234567890"));
    assert_true(iso_bad("2025-06-06T21:41:00+2"));
    assert_true(iso_bad("2025-06-06T21:41:00+24:00"));
    assert_true(iso_bad("2025-06-06T21:41:00 "));
    assert_true(iso_bad("2025-06-06T21:41:00ZZ"));
    assert_true(iso_bad("9999-12-31T23:59:59Z")); /* past int64 ns */
}

/* data.binance.vision rows, 2025-06-06 21:41, 21:42 and (after a missing
 * minute) 21:44. */
static const char k_binance_rows[] =
    "1749246060000,104367.5,104397.6,104332.4,104361.5,63.017,1749246119999,"
    "6576543.21,1234,20.100,2097654.3,0\n"
    "1749246120000,104361.5,104361.6,104361.4,104361.5,18.774,1749246179999,"
    "1959282.1,321,12.006,1252960.1,0\n"
    "1749246240000,104361.5,104425.0,104361.4,104425.0,30.949,1749246299999,"
    "3230000.5,777,28.231,2947000.0,0\n";

static void check_binance_rows(sc_klines_csv *r) {
    sc_candle k;
    next_ok(r, &k);
    assert_int_equal(k.open_ns, MS(T_2141_MS));
    assert_int_equal(k.tf_ns, SC_NS_PER_MIN);
    assert_int_equal(k.open.ticks, 1043675);
    assert_int_equal(k.high.ticks, 1043976);
    assert_int_equal(k.low.ticks, 1043324);
    assert_int_equal(k.close.ticks, 1043615);
    assert_int_equal(k.volume.steps, 63017);
    assert_int_equal(k.buy_volume.steps, 20100);
    assert_int_equal(k.sell_volume.steps, 63017 - 20100);
    assert_int_equal(k.quote_volume.e8, INT64_C(657654321000000));
    assert_int_equal(k.trades, 1234);
    assert_int_equal(k.flags, SC_CANDLE_HAS_SPLIT | SC_CANDLE_HAS_TRADES | SC_CANDLE_HAS_QUOTE |
                                  SC_CANDLE_HAS_VWAP);
    /* python3: 6576543.21 / 63.017 * 10 = 1043614.137... ticks */
    assert_true(k.vwap_ticks > 1043614.13 && k.vwap_ticks < 1043614.14);
    assert_int_equal(k.gap_before, 0);
    assert_true(k.closed);
    next_ok(r, &k);
    assert_int_equal(k.open_ns, MS(T_2141_MS + 60000));
    next_ok(r, &k);
    assert_int_equal(k.open_ns, MS(T_2141_MS + 180000));
    assert_int_equal(k.gap_before, 1);
    sc_errinfo err;
    assert_int_equal(sc_klines_csv_next(r, &k, &err), SC_ERR_EOF);
    assert_int_equal(sc_klines_csv_next(r, &k, &err), SC_ERR_EOF);
    sc_klines_csv_stats st;
    sc_klines_csv_get_stats(r, &st);
    assert_int_equal(st.rows, 3);
    assert_int_equal(st.gaps, 1);
    assert_int_equal(st.missing, 1);
    assert_int_equal(st.first_open_ns, MS(T_2141_MS));
    assert_int_equal(st.last_open_ns, MS(T_2141_MS + 180000));
    assert_int_equal(st.time_kind, SC_KLINES_TIME_EPOCH_MS);
    assert_false(st.open_from_close);
}

static void test_binance_headerless_and_header(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    write_text("um.csv", k_binance_rows, path, sizeof(path));
    sc_klines_csv *r = open_ok(path, "usdm:BTCUSDT", 0);
    sc_klines_csv_stats st;
    sc_klines_csv_get_stats(r, &st);
    assert_int_equal(st.layout, SC_KLINES_CSV_LAYOUT_BINANCE);
    check_binance_rows(r);
    sc_klines_csv_get_stats(r, &st);
    assert_int_equal(st.lines, 3);
    sc_klines_csv_close(r);

    char text[1024];
    snprintf(text, sizeof(text), "%s%s",
             "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
             "taker_buy_volume,taker_buy_quote_volume,ignore\n",
             k_binance_rows);
    write_text("um_header.csv", text, path, sizeof(path));
    r = open_ok(path, "usdm:BTCUSDT", 0);
    sc_klines_csv_get_stats(r, &st);
    assert_int_equal(st.layout, SC_KLINES_CSV_LAYOUT_NAMED);
    check_binance_rows(r);
    sc_klines_csv_close(r);
}

static void test_binance_microseconds(void **state) {
    (void)state;
    /* Spot files from 2025 carry microseconds: 2025-01-01 00:00 UTC. */
    char path[SC_TEST_PATH_MAX];
    write_text("spot_us.csv",
               "1735689600000000,93576.00,93610.93,93537.50,93610.93,8.21827,1735689659999999,"
               "769233.1,1613,3.26,305107.2,0\n"
               "1735689660000000,93610.93,93652.00,93606.15,93650.01,12.5,1735689719999999,"
               "1170347.2,2071,8.01,749990.9,0\n",
               path, sizeof(path));
    sc_klines_csv *r = open_ok(path, "spot:BTCUSDT", 0);
    sc_candle k;
    next_ok(r, &k);
    assert_int_equal(k.open_ns, MS(INT64_C(1735689600000)));
    assert_int_equal(k.open.ticks, 9357600);
    assert_int_equal(k.volume.steps, 821827000);
    next_ok(r, &k);
    assert_int_equal(k.open_ns, MS(INT64_C(1735689660000)));
    sc_klines_csv_stats st;
    sc_klines_csv_get_stats(r, &st);
    assert_int_equal(st.time_kind, SC_KLINES_TIME_EPOCH_US);
    sc_klines_csv_close(r);
}

static void test_named_iso_offsets(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    /* The same four UTC minutes 21:41..21:44 written with different zones. */
    write_text("iso.csv",
               " Timestamp ,OPEN,High,low,Close,Volume,Taker_Buy_Base_Asset_Volume\n"
               "2025-06-06T23:41:00+02:00,104367.5,104397.6,104332.4,104361.5,63.017,20.1\n"
               "2025-06-06 21:42:00Z,104361.5,104361.6,104361.4,104361.5,18.774,12.006\n"
               "2025-06-06 21:43:00,104361.5,104425.0,104361.4,104425.0,30.949,28.231\n"
               "2025-06-06T19:44:00-02:00,104425.0,104425.0,104400.0,104400.0,1.5,0\n",
               path, sizeof(path));
    sc_klines_csv *r = open_ok(path, "usdm:BTCUSDT", 0);
    sc_candle k;
    for (int i = 0; i < 4; i++) {
        next_ok(r, &k);
        assert_int_equal(k.open_ns, MS(T_2141_MS + 60000 * i));
        assert_int_equal(k.gap_before, 0);
        assert_int_equal(k.flags, SC_CANDLE_HAS_SPLIT);
    }
    assert_int_equal(k.buy_volume.steps, 0);
    assert_int_equal(k.sell_volume.steps, 1500);
    sc_klines_csv_stats st;
    sc_klines_csv_get_stats(r, &st);
    assert_int_equal(st.time_kind, SC_KLINES_TIME_ISO);
    assert_int_equal(st.rows, 4);
    assert_int_equal(st.missing, 0);
    assert_int_equal(st.has, SC_CANDLE_HAS_SPLIT);
    sc_klines_csv_close(r);
}

static void test_close_time_only(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    /* privet1x layout: close = open + 59.999 s written at +01:00. */
    write_text("close.csv",
               "open,high,low,close,volume,quote_volume,trades,close_datetime\n"
               "96466.11,96495.52,96440.0,96440.0,6.6158,638250.2950308,3577,"
               "2024-12-01 00:00:59.999000+01:00\n"
               "96440.01,96454.62,96422.0,96454.62,7.0222,677202.9744168,2318,"
               "2024-12-01 00:01:59.999000+01:00\n",
               path, sizeof(path));
    sc_klines_csv *r = open_ok(path, "spot:BTCUSDT", 0);
    sc_candle k;
    next_ok(r, &k);
    /* 2024-11-30 23:00:00 UTC */
    assert_int_equal(k.open_ns, MS(INT64_C(1733007600000)));
    assert_int_equal(k.trades, 3577);
    assert_int_equal(k.quote_volume.e8, INT64_C(63825029503080));
    next_ok(r, &k);
    assert_int_equal(k.open_ns, MS(INT64_C(1733007660000)));
    sc_klines_csv_stats st;
    sc_klines_csv_get_stats(r, &st);
    assert_true(st.open_from_close);
    sc_klines_csv_close(r);

    /* An exclusive close (open + interval) gives the same open; 5m here. */
    write_text("close5.csv",
               "close_time,open,high,low,close,volume\n"
               "2025-06-06T21:45:00Z,1,2,1,2,1\n"
               "2025-06-06T21:49:59.999Z,1,2,1,2,1\n",
               path, sizeof(path));
    r = open_ok(path, "usdm:BTCUSDT", 5 * SC_NS_PER_MIN);
    next_ok(r, &k);
    assert_int_equal(k.open_ns, MS(T_2141_MS - 60000));
    next_ok(r, &k);
    assert_int_equal(k.open_ns, MS(T_2141_MS + 240000));
    assert_int_equal(k.gap_before, 0);
    sc_klines_csv_close(r);
}

static void test_malformed_row_names_column(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    write_text("bad.csv",
               "timestamp,open,high,low,close,volume\n"
               "2025-06-06 21:41:00,100.0,101.0,99.0,100.5,1.000\n"
               "2025-06-06 21:42:00,100.0,abc,99.0,100.5,1.000\n"
               "2025-06-06 21:43:00,100.0,101.0,99.0,100.5\n"
               "2025-06-06 21:44:00,100.0,101.05,99.0,100.5,1.000\n"
               "2025-06-06 21:45:00,100.0,101.0,99.0,100.5,1.0005\n"
               "2025-06-06 21:46:00,100.0,101.0,99.0,100.5,1e-05\n"
               "2025-06-06 21:47:00,100.0,101.0,99.0,100.5,-1\n"
               "2025-06-06 21:48:00,100.0,101.0,100.2,100.5,1\n"
               "2025-06-06 21:49:00,100.0,100.1,99.0,100.5,1\n"
               "2025-06-06 21:50:00,0,101.0,0,100.5,1\n"
               "2025-06-06 21:51:30,100.0,101.0,99.0,100.5,1\n"
               "1749246720000,100.0,101.0,99.0,100.5,1\n"
               "2025-06-06 21:53:00,100.0,101.0,99.0,100.5,2\n",
               path, sizeof(path));
    sc_klines_csv *r = open_ok(path, "usdm:BTCUSDT", 0);
    sc_candle k;
    next_ok(r, &k);
    next_err(r, path, SC_ERR_PARSE, "3: high (column 3): expected a decimal price, got 'abc'");
    next_err(r, path, SC_ERR_PARSE,
             "4: row: expected 6 comma-separated columns (got 5), got "
             "'2025-06-06 21:43:00,100.0,101.0,99.0,100.5'");
    next_err(r, path, SC_ERR_PRECISION,
             "5: high (column 3): expected a price on the 0.10 grid of usdm:BTCUSDT (finer is "
             "not rounded), got '101.05'");
    next_err(r, path, SC_ERR_PRECISION,
             "6: volume (column 6): expected a base volume on the 0.001 grid of usdm:BTCUSDT "
             "(finer is not rounded), got '1.0005'");
    next_err(r, path, SC_ERR_PARSE,
             "7: volume (column 6): expected a plain decimal base volume (exponent notation is "
             "not exact), got '1e-05'");
    next_err(r, path, SC_ERR_RANGE, "8: volume (column 6): expected a base volume >= 0, got '-1'");
    next_err(r, path, SC_ERR_RANGE,
             "9: low (column 4): expected low <= open and close (100.00), got '100.2'");
    next_err(r, path, SC_ERR_RANGE,
             "10: high (column 3): expected high >= open and close (100.50), got '100.1'");
    next_err(r, path, SC_ERR_RANGE, "11: low (column 4): expected a price > 0, got '0'");
    next_err(r, path, SC_ERR_RANGE,
             "12: timestamp (column 1): expected an open time aligned to the 60 s interval "
             "(UTC), got '2025-06-06 21:51:30'");
    next_err(r, path, SC_ERR_PARSE,
             "13: timestamp (column 1): expected an ISO-8601 date-time, like the file's first "
             "time, got '1749246720000'");
    next_ok(r, &k); /* reading goes on after bad rows */
    assert_int_equal(k.open_ns, MS(T_2141_MS + 12 * 60000));
    assert_int_equal(k.gap_before, 11); /* bad rows are missing minutes too */
    assert_int_equal(k.volume.steps, 2000);
    sc_klines_csv_stats st;
    sc_klines_csv_get_stats(r, &st);
    assert_int_equal(st.rows, 2);
    assert_int_equal(st.bad_rows, 11);
    assert_int_equal(st.gaps, 1);
    assert_int_equal(st.missing, 11);
    sc_klines_csv_close(r);
}

static void test_sequence_errors(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    write_text("seq.csv",
               "open_time,open,high,low,close,volume\n"
               "1749246060000,1,1,1,1,1\n"
               "1749246120000,1,1,1,1,1\n"
               "1749246120000,1,1,1,1,1\n"
               "1749246060000,1,1,1,1,1\n"
               "1749246300000,1,1,1,1,1\n"
               "1749246300000000,1,1,1,1,1\n"
               "1749246360000,1,1,1,1,1\n",
               path, sizeof(path));
    sc_klines_csv *r = open_ok(path, "usdm:BTCUSDT", 0);
    sc_candle k;
    next_ok(r, &k);
    next_ok(r, &k);
    next_err(r, path, SC_ERR_RANGE,
             "4: open_time (column 1): expected an open time after line 3's "
             "2025-06-06T21:42:00.000000000Z, got '1749246120000 (a duplicate)'");
    next_err(r, path, SC_ERR_RANGE,
             "5: open_time (column 1): expected an open time after line 3's "
             "2025-06-06T21:42:00.000000000Z, got '1749246060000 (earlier)'");
    next_ok(r, &k);
    assert_int_equal(k.gap_before, 2);
    next_err(r, path, SC_ERR_PARSE,
             "7: open_time (column 1): expected an epoch time in milliseconds, like the file's "
             "first time, got '1749246300000000'");
    next_ok(r, &k);
    sc_klines_csv_stats st;
    sc_klines_csv_get_stats(r, &st);
    assert_int_equal(st.rows, 4);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.out_of_order, 1);
    assert_int_equal(st.bad_rows, 3);
    assert_int_equal(st.missing, 2);
    sc_klines_csv_close(r);

    /* Close time that disagrees with the interval. */
    write_text("close_bad.csv", "1749246060000,1,1,1,1,1,1749246089999,0,0,0,0,0\n", path,
               sizeof(path));
    r = open_ok(path, "usdm:BTCUSDT", 0);
    next_err(r, path, SC_ERR_RANGE,
             "1: close_time (column 7): expected a close time of open + 60 s (less up to 1 "
             "ms), got '1749246089999'");
    sc_klines_csv_close(r);
}

static void test_text_details(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    /* BOM, CRLF, blank lines, quoted fields, no final newline. */
    write_text("crlf.csv",
               "\xEF\xBB\xBF\"open_time\",\"open\",high,low,close,volume,trades\r\n"
               "\r\n"
               "\"2025-06-06 21:41:00\",\"1.5\",2,1,2,1,\"3.0\"\r\n"
               "  \n"
               "2025-06-06 21:42:00,2,2,1,1,0,0",
               path, sizeof(path));
    sc_klines_csv *r = open_ok(path, "usdm:BTCUSDT", 0);
    sc_candle k;
    next_ok(r, &k);
    assert_int_equal(k.open_ns, MS(T_2141_MS));
    assert_int_equal(k.open.ticks, 15);
    assert_int_equal(k.trades, 3);
    next_ok(r, &k);
    assert_int_equal(k.volume.steps, 0);
    assert_false(k.flags & SC_CANDLE_HAS_VWAP); /* no quote volume, and volume 0 */
    sc_errinfo err;
    assert_int_equal(sc_klines_csv_next(r, &k, &err), SC_ERR_EOF);
    sc_klines_csv_stats st;
    sc_klines_csv_get_stats(r, &st);
    assert_int_equal(st.lines, 5);
    assert_int_equal(st.rows, 2);
    sc_klines_csv_close(r);

    /* Spaces inside names read as '_'; epoch seconds. */
    write_text("spaces.csv",
               "Open Time,Open,High,Low,Close,Volume,Number of Trades,Quote Asset Volume\n"
               "1749246060,1,2,1,2,1.5,3,3.0\n",
               path, sizeof(path));
    r = open_ok(path, "usdm:BTCUSDT", 0);
    next_ok(r, &k);
    assert_int_equal(k.open_ns, MS(T_2141_MS));
    assert_int_equal(k.trades, 3);
    assert_int_equal(k.quote_volume.e8, 300000000);
    assert_double_near(k.vwap_ticks, 20.0, 1e-9); /* 3.0 USDT / 1.5 BTC = 2.0 = 20 ticks */
    sc_klines_csv_get_stats(r, &st);
    assert_int_equal(st.time_kind, SC_KLINES_TIME_EPOCH_S);
    sc_klines_csv_close(r);
}

static sc_err open_err(const char *path, const char *rest) {
    sc_klines_csv_config cfg = {ins_of("usdm:BTCUSDT"), 0, 0};
    sc_klines_csv *r = NULL;
    sc_errinfo err;
    memset(&err, 0, sizeof(err));
    sc_err e = sc_klines_csv_open(&cfg, path, &r, &err);
    assert_int_not_equal(e, SC_OK);
    assert_null(r);
    char msg[512];
    char want[512];
    snprintf(want, sizeof(want), "%s:%s", path, rest);
    assert_string_equal(sc_errinfo_format(&err, msg, sizeof(msg)), want);
    return e;
}

static void test_layout_errors(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    write_text("empty.csv", "\n\n", path, sizeof(path));
    assert_int_equal(open_err(path, " file: expected a header or a kline row, got 'end of file'"),
                     SC_ERR_EMPTY);
    write_text("novol.csv", "timestamp,open,high,low,close\n", path, sizeof(path));
    assert_int_equal(open_err(path, "1: header: expected columns open, high, low, close, volume "
                                    "and an open or close time, got "
                                    "'timestamp,open,high,low,close'"),
                     SC_ERR_UNSUPPORTED);
    write_text("noheader.csv", "2021-03-26 03:00:00,51696.7,51926.17,51696.7,51827.72,73.9\n", path,
               sizeof(path));
    assert_int_equal(open_err(path, "1: header: expected a header row naming the columns (this "
                                    "file starts with data), got "
                                    "'2021-03-26 03:00:00,51696.7,51926.17,51696.7,51827.72,73.9'"),
                     SC_ERR_UNSUPPORTED);
    write_text("six.csv", "1749246060000,1,1,1,1,1\n", path, sizeof(path));
    assert_int_equal(open_err(path, "1: row: expected 12 columns of the headerless "
                                    "data.binance.vision layout, got '1749246060000,1,1,1,1,1'"),
                     SC_ERR_UNSUPPORTED);
    write_text("twice.csv", "time,open,high,low,close,volume,Open\n", path, sizeof(path));
    assert_int_equal(open_err(path, "1: header: expected each column named once, got 'Open'"),
                     SC_ERR_UNSUPPORTED);
}

static void test_layout_errors_missing_file_text(void **state) {
    (void)state;
    /* The missing-file message names the path as "got". */
    const char *path = "/nonexistent/klines.csv";
    sc_klines_csv_config cfg = {ins_of("usdm:BTCUSDT"), 0, 0};
    sc_klines_csv *r = NULL;
    sc_errinfo err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(sc_klines_csv_open(&cfg, path, &r, &err), SC_ERR_IO);
    char msg[512];
    assert_string_equal(sc_errinfo_format(&err, msg, sizeof(msg)),
                        "/nonexistent/klines.csv: file: expected a readable file, got "
                        "'/nonexistent/klines.csv'");
    cfg.interval_ns = 1500 * SC_NS_PER_MS;
    assert_int_equal(sc_klines_csv_open(&cfg, path, &r, &err), SC_ERR_INVALID_ARG);
    cfg.interval_ns = 0;
    cfg.ins = NULL;
    assert_int_equal(sc_klines_csv_open(&cfg, path, &r, &err), SC_ERR_INVALID_ARG);
    sc_klines_csv_close(NULL);
}

/* n headerless rows, minute after minute from 21:41; malloc'd. */
static char *many_rows(int n, size_t *len) {
    size_t cap = (size_t)n * 128 + 1;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        long long t = (long long)T_2141_MS + 60000LL * i;
        int w = snprintf(text + at, cap - at, "%lld,1.0,2.0,0.5,1.5,%d.%03d,%lld,3,4,1.0,1,0\n", t,
                         i + 1, i % 1000, t + 59999);
        assert_true(w > 0 && (size_t)w < cap - at);
        at += (size_t)w;
    }
    *len = at;
    return text;
}

static void test_zstd_and_truncated(void **state) {
    (void)state;
    size_t len = strlen(k_binance_rows);
    size_t cap = ZSTD_compressBound(len);
    char *z = malloc(cap);
    assert_non_null(z);
    size_t zn = ZSTD_compress(z, cap, k_binance_rows, len, 3);
    assert_false(ZSTD_isError(zn));
    char path[SC_TEST_PATH_MAX];
    write_file("um.bin", z, zn, path, sizeof(path)); /* detected by magic, not name */
    sc_klines_csv *r = open_ok(path, "usdm:BTCUSDT", 0);
    check_binance_rows(r);
    sc_klines_csv_close(r);
    free(z);

    /* A file cut inside its frame: rows up to the cut, then an error that
     * stays. 20000 rows span several zstd blocks. */
    char *text = many_rows(20000, &len);
    cap = ZSTD_compressBound(len);
    z = malloc(cap);
    assert_non_null(z);
    zn = ZSTD_compress(z, cap, text, len, 1);
    assert_false(ZSTD_isError(zn));
    write_file("cut.csv.zst", z, zn - 100, path, sizeof(path));
    r = open_ok(path, "usdm:BTCUSDT", 0);
    sc_candle k;
    sc_errinfo err;
    sc_err e;
    int rows = 0;
    while ((e = sc_klines_csv_next(r, &k, &err)) == SC_OK) {
        rows++;
    }
    assert_int_equal(e, SC_ERR_COMPRESSION);
    assert_true(rows > 0 && rows < 20000);
    assert_int_equal(sc_klines_csv_next(r, &k, &err), SC_ERR_COMPRESSION); /* it stays */
    sc_klines_csv_close(r);

    /* The whole file reads; a corrupt one fails cleanly. */
    write_file("all.csv.zst", z, zn, path, sizeof(path));
    r = open_ok(path, "usdm:BTCUSDT", 0);
    rows = 0;
    while ((e = sc_klines_csv_next(r, &k, &err)) == SC_OK) {
        rows++;
    }
    assert_int_equal(e, SC_ERR_EOF);
    assert_int_equal(rows, 20000);
    sc_klines_csv_close(r);
    memset(z + zn / 2, 0x55, 64);
    write_file("bad.csv.zst", z, zn, path, sizeof(path));
    r = open_ok(path, "usdm:BTCUSDT", 0);
    while ((e = sc_klines_csv_next(r, &k, &err)) == SC_OK || e == SC_ERR_PARSE) {
    }
    assert_true(e == SC_ERR_COMPRESSION || e == SC_ERR_EOF);
    sc_klines_csv_close(r);
    free(z);
    free(text);

    /* Cut inside the first block: no first line at all. */
    text = many_rows(3, &len);
    z = malloc(ZSTD_compressBound(len));
    assert_non_null(z);
    zn = ZSTD_compress(z, ZSTD_compressBound(len), text, len, 1);
    write_file("short.csv.zst", z, zn - 8, path, sizeof(path));
    sc_klines_csv_config cfg = {ins_of("usdm:BTCUSDT"), 0, 0};
    r = NULL;
    assert_int_equal(sc_klines_csv_open(&cfg, path, &r, &err), SC_ERR_COMPRESSION);
    assert_null(r);
    free(z);
    free(text);
}

static void test_long_line(void **state) {
    (void)state;
    char text[2048];
    char pad[700];
    memset(pad, '9', sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    snprintf(text, sizeof(text),
             "open_time,open,high,low,close,volume\n"
             "1749246060000,1,1,1,1,1\n"
             "1749246120000,1,1,1,1,%s\n"
             "1749246180000,1,1,1,1,1\n",
             pad);
    char path[SC_TEST_PATH_MAX];
    write_text("long.csv", text, path, sizeof(path));
    sc_klines_csv_config cfg = {ins_of("usdm:BTCUSDT"), 0, 128};
    sc_klines_csv *r = NULL;
    sc_errinfo err;
    assert_int_equal(sc_klines_csv_open(&cfg, path, &r, &err), SC_OK);
    sc_candle k;
    next_ok(r, &k);
    next_err(r, path, SC_ERR_LIMIT,
             "3: row: expected a line of at most 128 bytes, got 'a longer "
             "line'");
    next_ok(r, &k);
    assert_int_equal(k.gap_before, 1);
    sc_klines_csv_close(r);
}

/* ---- real files ---------------------------------------------------------- */

typedef struct {
    const char *rel;
    const char *ins;
    int64_t rows;
    int64_t first_ms;
    int64_t last_ms;
    int64_t gaps;
    int64_t missing;
    sc_klines_csv_layout layout;
    sc_klines_time_kind kind;
    uint32_t has;
} real_file;

#define SPLIT SC_CANDLE_HAS_SPLIT
#define QUOTE_TRADES (SC_CANDLE_HAS_QUOTE | SC_CANDLE_HAS_VWAP | SC_CANDLE_HAS_TRADES)
#define NAMED SC_KLINES_CSV_LAYOUT_NAMED
#define ISO SC_KLINES_TIME_ISO
#define BEN "binance_spot_klines_1m_benicio/BTCUSDT_1m_"

/* Expected values computed independently with python3 (/tmp/hc/an.py in the
 * session that wrote this): rows = lines after the header; times parsed
 * with datetime.fromisoformat (naive = UTC), close_datetime - 59.999 s for
 * privet1x, as epoch ms; gaps = consecutive open times more than 60 s
 * apart, missing = sum of (delta / 60 s - 1). Every delta is a multiple of
 * 60 s and positive. */
static const real_file k_real[] = {
    {BEN "20210326_20210430.csv.zst", "spot:BTCUSDT", 50000, INT64_C(1616727600000),
     INT64_C(1619753580000), 2, 434, NAMED, ISO, 0},
    {BEN "20220615_20220719.csv.zst", "spot:BTCUSDT", 50000, INT64_C(1655262000000),
     INT64_C(1658261940000), 0, 0, NAMED, ISO, 0},
    {BEN "20230101_20230128.csv.zst", "spot:BTCUSDT", 40000, INT64_C(1672531200000),
     INT64_C(1674931140000), 0, 0, NAMED, ISO, 0},
    {BEN "20230826_20230929.csv.zst", "spot:BTCUSDT", 50000, INT64_C(1693018800000),
     INT64_C(1696018740000), 0, 0, NAMED, ISO, 0},
    {BEN "20240101_20240121.csv.zst", "spot:BTCUSDT", 30000, INT64_C(1704067200000),
     INT64_C(1705867140000), 0, 0, NAMED, ISO, 0},
    {BEN "20240212_20240317.csv.zst", "spot:BTCUSDT", 50000, INT64_C(1707706800000),
     INT64_C(1710706740000), 0, 0, NAMED, ISO, 0},
    {BEN "20241001_20241104.csv.zst", "spot:BTCUSDT", 50000, INT64_C(1727751600000),
     INT64_C(1730751540000), 0, 0, NAMED, ISO, 0},
    {BEN "20250101_20250204.csv.zst", "spot:BTCUSDT", 50000, INT64_C(1735700400000),
     INT64_C(1738700340000), 0, 0, NAMED, ISO, 0},
    {BEN "20250301_20250401.csv.zst", "spot:BTCUSDT", 44640, INT64_C(1740798000000),
     INT64_C(1743476340000), 0, 0, NAMED, ISO, 0},
    {"binance_spot_klines_1m_privet1x/BTCUSDT_1m_20241130_20241229.csv.zst", "spot:BTCUSDT", 41761,
     INT64_C(1733007600000), INT64_C(1735513200000), 0, 0, NAMED, ISO, QUOTE_TRADES},
    {"binance_usdm_klines_1m_signalbot/BTCUSDT_PERP_1m_20250606_20250616.csv.zst", "usdm:BTCUSDT",
     14400, INT64_C(1749246060000), INT64_C(1750110000000), 0, 0, NAMED, ISO, SPLIT},
    /* Bybit linear BTCUSDT: 0.1 tick and 0.001 step, the USD-M grid. */
    {"bybit_linear_klines_1m_crypto_backtester/BTCUSDT_linear_1m_20250530_20250629.csv.zst",
     "usdm:BTCUSDT", 43200, INT64_C(1748623140000), INT64_C(1751215080000), 0, 0, NAMED, ISO, 0},
};

static void read_real(const real_file *f) {
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(f->rel, path);
    sc_klines_csv *r = open_ok(path, f->ins, 0);
    sc_candle k;
    sc_errinfo err;
    sc_err e;
    int64_t rows = 0;
    int64_t gap_sum = 0;
    while ((e = sc_klines_csv_next(r, &k, &err)) == SC_OK) {
        rows++;
        gap_sum += k.gap_before;
        assert_int_equal(k.flags, f->has);
    }
    if (e != SC_ERR_EOF) {
        char msg[512];
        fail_msg("%s: %s", sc_err_name(e), sc_errinfo_format(&err, msg, sizeof(msg)));
    }
    sc_klines_csv_stats st;
    sc_klines_csv_get_stats(r, &st);
    print_message("%s: %lld rows, %lld gaps, %lld missing minutes\n", f->rel, (long long)st.rows,
                  (long long)st.gaps, (long long)st.missing);
    assert_int_equal(rows, f->rows);
    assert_int_equal(st.rows, f->rows);
    assert_int_equal(st.lines, f->rows + 1);
    assert_int_equal(st.bad_rows, 0);
    assert_int_equal(st.first_open_ns, MS(f->first_ms));
    assert_int_equal(st.last_open_ns, MS(f->last_ms));
    assert_int_equal(st.gaps, f->gaps);
    assert_int_equal(st.missing, f->missing);
    assert_int_equal(gap_sum, f->missing);
    assert_int_equal(st.layout, f->layout);
    assert_int_equal(st.time_kind, f->kind);
    sc_klines_csv_close(r);
}

static void test_real_files(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(k_real) / sizeof(k_real[0]); i++) {
        read_real(&k_real[i]);
    }
}

static void test_real_spot_on_usdm_grid_is_refused(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(BEN "20210326_20210430.csv.zst", path);
    sc_klines_csv *r = open_ok(path, "usdm:BTCUSDT", 0);
    /* Line 2: 2021-03-26 03:00:00,51696.7,51926.17,... */
    next_err(r, path, SC_ERR_PRECISION,
             "2: high (column 3): expected a price on the 0.10 grid of usdm:BTCUSDT (finer is "
             "not rounded), got '51926.17'");
    sc_klines_csv_close(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_from_civil),
        cmocka_unit_test(test_parse_iso),
        cmocka_unit_test(test_binance_headerless_and_header),
        cmocka_unit_test(test_binance_microseconds),
        cmocka_unit_test(test_named_iso_offsets),
        cmocka_unit_test(test_close_time_only),
        cmocka_unit_test(test_malformed_row_names_column),
        cmocka_unit_test(test_sequence_errors),
        cmocka_unit_test(test_text_details),
        cmocka_unit_test(test_layout_errors),
        cmocka_unit_test(test_layout_errors_missing_file_text),
        cmocka_unit_test(test_zstd_and_truncated),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_real_files),
        cmocka_unit_test(test_real_spot_on_usdm_grid_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
