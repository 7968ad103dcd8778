/* scalper features, run as a trader runs it: help, usage and input errors
 * with their exit codes, the exact header, warm-up empties, values on the
 * real USD-M klines recomputed here from the CSV's own closes, missing
 * minutes reported and never invented, 5m from 1m, several files as one
 * stream, captures with book columns, and every real kline file. */
#include "support/support.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/feature_row.h"
#include "features/features_fixture.h"

enum { OUT_MAX = 1 << 20, CMD_MAX = 4 * SC_TEST_PATH_MAX };

static const char k_header[] =
    "open_time,open,high,low,close,volume,gap_before,missing_inside,buy_volume,sell_volume,"
    "trades,vwap,trade_imbalance,logret_1,logret_5,ema_9,ema_21,ema_50,rsi_14,macd_12_26_9,"
    "macd_signal_12_26_9,macd_hist_12_26_9,atr_14,bb_mid_20_2,bb_upper_20_2,bb_lower_20_2,"
    "bb_pctb_20_2,bb_width_20_2,vwap_session,vwap_session_dist_bps,vwap_rolling_60,"
    "realized_vol_30,vol_regime,vol_regime_pct,poc,va_low,va_high";
static const char k_header_book[] = ",bid,ask,bid_qty,ask_qty,spread_bps,microprice,"
                                    "book_imbalance_5,depth_bid_10bps,depth_ask_10bps,ofi";

/* Runs scalper with args; stdout and stderr together into out, unless args
 * redirect stderr themselves. */
static int run(const char *args, char *out, size_t cap) {
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd), "'%s' %s%s", SC_SCALPER_BIN, args,
             strstr(args, "2>") != NULL ? "" : " 2>&1");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* ---- a CSV in memory ------------------------------------------------------ */

typedef struct {
    char *text;
    size_t rows; /* data rows */
    size_t cols;
    const char **cell; /* rows x cols, row-major; the header is not in it */
    char header[4096];
} csv;

static void csv_load(const char *path, csv *c) {
    size_t len = 0;
    memset(c, 0, sizeof(*c));
    c->text = sc_test_read_all(path, &len);
    char *nl = strchr(c->text, '\n');
    assert_non_null(nl);
    assert_true((size_t)(nl - c->text) < sizeof(c->header));
    memcpy(c->header, c->text, (size_t)(nl - c->text));
    c->cols = 1;
    for (const char *p = c->header; *p; p++) {
        c->cols += *p == ',';
    }
    for (const char *p = nl + 1; *p; p++) {
        c->rows += *p == '\n';
    }
    c->cell = calloc(c->rows * c->cols + 1, sizeof(char *));
    assert_non_null(c->cell);
    char *p = nl + 1;
    for (size_t r = 0; r < c->rows; r++) {
        for (size_t k = 0; k < c->cols; k++) {
            c->cell[r * c->cols + k] = p;
            size_t w = strcspn(p, ",\n");
            char end = p[w];
            if ((k + 1 < c->cols) != (end == ',')) {
                fail_msg("%s row %zu: %zu cells expected", path, r + 1, c->cols);
            }
            p[w] = '\0';
            p += w + 1;
        }
    }
}

static void csv_free(csv *c) {
    free(c->cell);
    free(c->text);
}

static size_t col(const csv *c, const char *name) {
    const char *p = c->header;
    for (size_t k = 0; k < c->cols; k++) {
        size_t w = strcspn(p, ",");
        if (w == strlen(name) && strncmp(p, name, w) == 0) {
            return k;
        }
        p += w + 1;
    }
    fail_msg("no column %s", name);
    return 0;
}

static const char *at(const csv *c, size_t r, const char *name) {
    return c->cell[r * c->cols + col(c, name)];
}

/* NAN for an empty cell. */
static double num(const csv *c, size_t r, const char *name) {
    const char *s = at(c, r, name);
    return s[0] == '\0' ? NAN : strtod(s, NULL);
}

static void near(double got, double want, const char *what, size_t row) {
    if (isnan(got) || !(fabs(got - want) <= 2e-9 * fmax(fabs(want), 1.0) + 1e-7)) {
        fail_msg("%s row %zu: got %.12g, want %.12g", what, row + 1, got, want);
    }
}

/* The first row (0-based) with a value; every later one has one too. */
static size_t first_present(const csv *c, const char *name) {
    size_t first = c->rows;
    for (size_t r = 0; r < c->rows; r++) {
        bool has = at(c, r, name)[0] != '\0';
        if (has && first == c->rows) {
            first = r;
        }
        if (!has && first != c->rows) {
            fail_msg("%s empty on row %zu after row %zu had a value", name, r + 1, first + 1);
        }
    }
    return first;
}

/* ---- temporary files ------------------------------------------------------ */

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static size_t dir_entries(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

static void rm_dir(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    char p[SC_TEST_PATH_MAX + 300];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            remove(p);
        }
    }
    closedir(d);
    rmdir(dir);
}

/* n 1m rows from 00:00 of 2025-01-01 plus skip_at/skip_n: a gap. */
static char *minute_rows(int n, int skip_at, int skip_n, int start_min) {
    char *t = malloc((size_t)(n + 2) * 96);
    assert_non_null(t);
    size_t len = (size_t)sprintf(t, "timestamp,open,high,low,close,volume\n"); /* lint: ok */
    for (int i = 0, m = start_min; i < n; i++, m++) {
        if (i == skip_at) {
            m += skip_n;
        }
        int o = 1000 + i;
        len += (size_t)snprintf(t + len, 96, "2025-01-01 %02d:%02d:00,%d.5,%d.0,%d.0,%d.1,1.%04d\n",
                                m / 60, m % 60, o, o + 5, o - 5, o + 1, i + 1);
    }
    return t;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_help_documents_every_column(void **state) {
    (void)state;
    char *out = malloc(OUT_MAX);
    assert_int_equal(run("features --help", out, OUT_MAX), 0);
    for (uint32_t i = 0; i < SC_FEATURE_COUNT; i++) {
        const sc_feature_column *c = sc_feature_column_at(i);
        char want[128];
        snprintf(want, sizeof(want), "  %s ", c->name);
        if (strstr(out, want) == NULL) {
            fail_msg("--help does not document %s", c->name);
        }
        char first_word[32];
        snprintf(first_word, sizeof(first_word), "%.*s", (int)strcspn(c->definition, " "),
                 c->definition);
        assert_non_null(strstr(strstr(out, want), first_word));
    }
    assert_non_null(strstr(out, "exit status"));
    assert_non_null(strstr(out, "--timeframe"));
    assert_int_equal(run("help", out, OUT_MAX), 0);
    assert_non_null(strstr(out, "features"));
    free(out);
}

static void test_usage_errors(void **state) {
    (void)state;
    char *out = malloc(OUT_MAX);
    assert_int_equal(run("features", out, OUT_MAX), 2);
    assert_non_null(strstr(out, "no input file"));
    assert_int_equal(run("features --input", out, OUT_MAX), 2);
    assert_int_equal(run("features --timeframe 2m x.csv", out, OUT_MAX), 2);
    assert_non_null(strstr(out, "--timeframe"));
    assert_int_equal(run("features --bogus x.csv", out, OUT_MAX), 2);
    assert_non_null(strstr(out, "--bogus"));
    assert_int_equal(run("features --instrument usdm:ETHUSDT x.csv", out, OUT_MAX), 2);
    assert_int_equal(run("features --input-interval 7x x.csv", out, OUT_MAX), 2);
    assert_int_equal(run("features --input /nonexistent/k.csv.zst", out, OUT_MAX), 3);
    assert_non_null(strstr(out, "/nonexistent/k.csv.zst"));
    free(out);
}

/* EMA(n) the TA-Lib way: the mean of the first n seeds it at row n, then
 * e = (x - e) * 2/(n+1) + e. NAN before. x may start with NANs (skipped). */
static void ema_series(const double *x, size_t len, int n, double *out) {
    size_t start = 0;
    while (start < len && isnan(x[start])) {
        out[start++] = NAN;
    }
    double e = 0.0;
    for (size_t r = start; r < len; r++) {
        size_t k = r - start + 1;
        if (k < (size_t)n) {
            e += x[r];
            out[r] = NAN;
        } else if (k == (size_t)n) {
            e = (e + x[r]) / n;
            out[r] = e;
        } else {
            e = (x[r] - e) * (2.0 / (n + 1)) + e;
            out[r] = e;
        }
    }
}

/* MACD 12/26/9 as TA-Lib seeds it: both EMAs start at row 26, the fast
 * one from the mean of rows 15..26. */
static void macd_series(const double *x, size_t len, double *line, double *signal) {
    double fast = 0.0;
    double slow = 0.0;
    for (size_t r = 0; r < len; r++) {
        line[r] = NAN;
        if (r < 25) {
            slow += x[r];
            fast += r >= 14 ? x[r] : 0.0;
            continue;
        }
        if (r == 25) {
            slow = (slow + x[r]) / 26;
            fast = (fast + x[r]) / 12;
        } else {
            slow = (x[r] - slow) * (2.0 / 27) + slow;
            fast = (x[r] - fast) * (2.0 / 13) + fast;
        }
        line[r] = fast - slow;
    }
    ema_series(line, len, 9, signal);
}

/* Wilder's RSI(14) and ATR(14). */
static void rsi_atr_series(const csv *c, const double *x, double *rsi, double *atr) {
    double g = 0.0;
    double l = 0.0;
    double a = 0.0;
    for (size_t r = 0; r < c->rows; r++) {
        rsi[r] = atr[r] = NAN;
        if (r == 0) {
            continue;
        }
        double d = x[r] - x[r - 1];
        double h = num(c, r, "high");
        double lo = num(c, r, "low");
        double tr = fmax(h - lo, fmax(fabs(x[r - 1] - h), fabs(x[r - 1] - lo)));
        if (r <= 14) {
            g += d > 0 ? d : 0;
            l += d < 0 ? -d : 0;
            a += tr;
            if (r < 14) {
                continue;
            }
            g /= 14;
            l /= 14;
            a /= 14;
        } else {
            g = (g * 13 + (d > 0 ? d : 0)) / 14;
            l = (l * 13 + (d < 0 ? -d : 0)) / 14;
            a = (a * 13 + tr) / 14;
        }
        rsi[r] = g + l == 0 ? 50.0 : 100.0 * g / (g + l);
        atr[r] = a;
    }
}

static void check_bands_and_vwap(const csv *c, const double *x, size_t r, double *pv, double *v,
                                 int64_t *day) {
    double h = num(c, r, "high");
    double l = num(c, r, "low");
    double vol = num(c, r, "volume");
    int64_t d = strtoll(at(c, r, "open_time"), NULL, 10) / 86400000;
    if (d != *day) {
        *day = d;
        *pv = *v = 0.0;
    }
    *pv += (h + l + x[r]) / 3.0 * vol;
    *v += vol;
    near(num(c, r, "vwap_session"), *pv / *v, "vwap_session", r);
    if (r < 19) {
        return;
    }
    double m = 0.0;
    double ss = 0.0;
    for (size_t k = r - 19; k <= r; k++) {
        m += x[k] / 20;
    }
    for (size_t k = r - 19; k <= r; k++) {
        ss += (x[k] - m) * (x[k] - m);
    }
    near(num(c, r, "bb_mid_20_2"), m, "bb_mid_20_2", r);
    near(num(c, r, "bb_upper_20_2"), m + 2 * sqrt(ss / 20), "bb_upper_20_2", r);
    near(num(c, r, "bb_lower_20_2"), m - 2 * sqrt(ss / 20), "bb_lower_20_2", r);
}

/* Every checked indicator, recomputed from the CSV's own closes. */
static void check_recomputed(const csv *c) {
    size_t n = c->rows;
    double *buf = calloc(8 * n, sizeof(double));
    assert_non_null(buf);
    double *x = buf, *e9 = buf + n, *e50 = buf + 2 * n, *line = buf + 3 * n;
    double *sig = buf + 4 * n, *rsi = buf + 5 * n, *atr = buf + 6 * n;
    for (size_t r = 0; r < n; r++) {
        x[r] = num(c, r, "close");
    }
    ema_series(x, n, 9, e9);
    ema_series(x, n, 50, e50);
    macd_series(x, n, line, sig);
    rsi_atr_series(c, x, rsi, atr);
    double pv = 0.0, v = 0.0;
    int64_t day = -1;
    for (size_t r = 0; r < n; r++) {
        struct {
            const char *name;
            double want;
        } k_checks[] = {{"ema_9", e9[r]},
                        {"ema_50", e50[r]},
                        {"macd_12_26_9", line[r]},
                        {"rsi_14", rsi[r]},
                        {"macd_signal_12_26_9", sig[r]},
                        {"atr_14", atr[r]},
                        {"macd_hist_12_26_9", line[r] - sig[r]}};
        for (size_t k = 0; k < sizeof(k_checks) / sizeof(k_checks[0]); k++) {
            if (isnan(k_checks[k].want)) {
                assert_string_equal(at(c, r, k_checks[k].name), "");
            } else {
                near(num(c, r, k_checks[k].name), k_checks[k].want, k_checks[k].name, r);
            }
        }
        if (r > 0) {
            near(num(c, r, "logret_1"), log(x[r] / x[r - 1]), "logret_1", r);
        }
        double buy = num(c, r, "buy_volume");
        double sell = num(c, r, "sell_volume");
        near(buy + sell, num(c, r, "volume"), "buy + sell", r);
        near(num(c, r, "trade_imbalance"), (buy - sell) / (buy + sell), "trade_imbalance", r);
        check_bands_and_vwap(c, x, r, &pv, &v, &day);
    }
    free(buf);
}

/* Warm-up: each column is empty up to a fixed row, filled from there on. */
static void check_warm_up(const csv *c) {
    static const struct {
        const char *name;
        size_t first; /* 1-based */
    } k_first[] = {{"open_time", 1},        {"logret_1", 2},
                   {"logret_5", 6},         {"ema_9", 9},
                   {"ema_21", 21},          {"ema_50", 50},
                   {"rsi_14", 15},          {"atr_14", 15},
                   {"macd_12_26_9", 26},    {"macd_signal_12_26_9", 34},
                   {"bb_mid_20_2", 20},     {"vwap_session", 1},
                   {"vwap_rolling_60", 60}, {"realized_vol_30", 31},
                   {"vol_regime", 270},     {"poc", 241},
                   {"va_high", 241},        {"vwap", 0}};
    for (size_t i = 0; i < sizeof(k_first) / sizeof(k_first[0]); i++) {
        size_t got = first_present(c, k_first[i].name);
        size_t want = k_first[i].first == 0 ? c->rows : k_first[i].first - 1;
        if (got != want) {
            fail_msg("%s: first value on row %zu, want %zu", k_first[i].name, got + 1, want + 1);
        }
    }
}

static void test_real_usdm_values(void **state) {
    (void)state;
    size_t n_in = 0;
    fx_bar *in = fx_load_klines(&n_in); /* skips when the data is absent */
    char path[SC_TEST_PATH_MAX];
    assert_true(sc_test_shared_path(FX_KLINES_REL, path, sizeof(path)));
    char dir[SC_TEST_PATH_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    char args[CMD_MAX];
    snprintf(args, sizeof(args), "features --input '%s' --out '%s/f.csv'", path, dir);
    char *out = malloc(OUT_MAX);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    assert_non_null(strstr(out, "instrument usdm:BTCUSDT"));
    assert_non_null(strstr(out, "no missing minutes"));
    char csv_path[SC_TEST_PATH_MAX + 16];
    snprintf(csv_path, sizeof(csv_path), "%s/f.csv", dir);
    csv c;
    csv_load(csv_path, &c);
    assert_string_equal(c.header, k_header);
    assert_int_equal(c.rows, n_in);
    for (size_t r = 0; r < c.rows; r++) {
        int64_t ticks = 0;
        const char *s = at(&c, r, "close");
        assert_int_equal(sc_dec_parse(s, strlen(s), 1, false, &ticks), SC_OK);
        assert_int_equal(ticks, in[r].close_px.ticks);
        assert_int_equal(strtoll(at(&c, r, "open_time"), NULL, 10), in[r].open_ns / SC_NS_PER_MS);
        assert_string_equal(at(&c, r, "gap_before"), "0");
    }
    check_recomputed(&c);
    check_warm_up(&c);
    const char *regime = at(&c, c.rows - 1, "vol_regime");
    assert_true(strcmp(regime, "low") == 0 || strcmp(regime, "normal") == 0 ||
                strcmp(regime, "high") == 0 || strcmp(regime, "extreme") == 0);
    csv_free(&c);
    free(in);
    free(out);
    rm_dir(dir);
}

/* Every real kline file: exit 0, one row per input row (none invented,
 * none lost), gap_before summing to what stderr says. */
static void test_every_real_kline_file(void **state) {
    (void)state;
    static const struct {
        const char *rel;
        const char *ins;
        int64_t missing;
    } k_files[] = {
        {"binance_usdm_klines_1m_signalbot/BTCUSDT_PERP_1m_20250606_20250616.csv.zst", "usdm", 0},
        {"bybit_linear_klines_1m_crypto_backtester/BTCUSDT_linear_1m_20250530_20250629.csv.zst",
         "usdm", 0},
        {"binance_spot_klines_1m_privet1x/BTCUSDT_1m_20241130_20241229.csv.zst", "spot", 0},
        {"binance_spot_klines_1m_benicio/BTCUSDT_1m_20210326_20210430.csv.zst", "spot", 434},
        {"binance_spot_klines_1m_benicio/BTCUSDT_1m_20220615_20220719.csv.zst", "spot", 0},
        {"binance_spot_klines_1m_benicio/BTCUSDT_1m_20230101_20230128.csv.zst", "spot", 0},
        {"binance_spot_klines_1m_benicio/BTCUSDT_1m_20230826_20230929.csv.zst", "spot", 0},
        {"binance_spot_klines_1m_benicio/BTCUSDT_1m_20240101_20240121.csv.zst", "spot", 0},
        {"binance_spot_klines_1m_benicio/BTCUSDT_1m_20240212_20240317.csv.zst", "spot", 0},
        {"binance_spot_klines_1m_benicio/BTCUSDT_1m_20241001_20241104.csv.zst", "spot", 0},
        {"binance_spot_klines_1m_benicio/BTCUSDT_1m_20250101_20250204.csv.zst", "spot", 0},
        {"binance_spot_klines_1m_benicio/BTCUSDT_1m_20250301_20250401.csv.zst", "spot", 0},
    };
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(k_files[0].rel, path);
    char dir[SC_TEST_PATH_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    char *out = malloc(OUT_MAX);
    for (size_t i = 0; i < sizeof(k_files) / sizeof(k_files[0]); i++) {
        SC_REQUIRE_SHARED(k_files[i].rel, path);
        char args[CMD_MAX];
        snprintf(args, sizeof(args), "features --quiet --input '%s' --out '%s/f.csv'", path, dir);
        if (run(args, out, OUT_MAX) != 0) {
            fail_msg("%s: %s", k_files[i].rel, out);
        }
        char want[96];
        snprintf(want, sizeof(want), "instrument %s:BTCUSDT", k_files[i].ins);
        assert_non_null(strstr(out, want));
        size_t len = 0;
        char *in = sc_test_read_all(path, &len);
        size_t in_rows = 0;
        for (size_t k = 0; k < len; k++) {
            in_rows += in[k] == '\n';
        }
        free(in);
        char f[SC_TEST_PATH_MAX + 16];
        snprintf(f, sizeof(f), "%s/f.csv", dir);
        csv c;
        csv_load(f, &c);
        assert_int_equal(c.rows, in_rows - 1); /* the input's header */
        int64_t gaps = 0;
        for (size_t r = 0; r < c.rows; r++) {
            gaps += strtoll(at(&c, r, "gap_before"), NULL, 10);
            assert_true(r == 0 || strtoll(at(&c, r, "open_time"), NULL, 10) >
                                      strtoll(at(&c, r - 1, "open_time"), NULL, 10));
        }
        assert_int_equal(gaps, k_files[i].missing);
        snprintf(want, sizeof(want), "%lld missing minutes in 2 gaps",
                 (long long)k_files[i].missing);
        assert_true(k_files[i].missing == 0 || strstr(out, want) != NULL);
        csv_free(&c);
        remove(f);
    }
    assert_int_equal(dir_entries(dir), 0);
    rm_dir(dir);
    free(out);
}

/* A malformed row: file:line: column: expected, got; exit 3; no output. */
static void test_malformed_row(void **state) {
    (void)state;
    char dir[SC_TEST_PATH_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    char *rows = minute_rows(30, -1, 0, 0);
    char *bad = strstr(rows, "2025-01-01 00:19:00");
    assert_non_null(bad);
    char *comma = strchr(strchr(bad, ',') + 1, ','); /* the high */
    memcpy(comma + 1, "1x2x.0", 6);
    char in[SC_TEST_PATH_MAX + 16];
    snprintf(in, sizeof(in), "%s/bad.csv", dir);
    write_file(in, rows);
    char args[CMD_MAX];
    snprintf(args, sizeof(args), "features --input '%s' --out '%s/out.csv'", in, dir);
    char *out = malloc(OUT_MAX);
    assert_int_equal(run(args, out, OUT_MAX), 3);
    if (strstr(out, "bad.csv:21: high") == NULL || strstr(out, "expected") == NULL) {
        fail_msg("no file:line: field: expected in: %s", out);
    }
    assert_non_null(strstr(out, "no output file written"));
    assert_int_equal(dir_entries(dir), 1); /* only bad.csv: no out.csv, no partial file */
    /* To stdout the rows are gone already: the run says the output is incomplete. */
    snprintf(args, sizeof(args), "features --input '%s'", in);
    assert_int_equal(run(args, out, OUT_MAX), 3);
    assert_non_null(strstr(out, "INCOMPLETE"));
    free(rows);
    free(out);
    rm_dir(dir);
}

/* Missing minutes stay missing; the row after says how many. */
static void test_missing_minutes(void **state) {
    (void)state;
    char dir[SC_TEST_PATH_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    char *rows = minute_rows(17, 10, 3, 0); /* 00:00..00:09, then 00:13..00:19 */
    char in[SC_TEST_PATH_MAX + 16];
    snprintf(in, sizeof(in), "%s/gap.csv", dir);
    write_file(in, rows);
    char args[CMD_MAX];
    snprintf(args, sizeof(args), "features --input '%s' --out '%s/out.csv'", in, dir);
    char *out = malloc(OUT_MAX);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    assert_non_null(strstr(out, "3 missing minutes in 1 gap (no candles invented"));
    assert_non_null(strstr(out, "spot:BTCUSDT")); /* 1.0011 is off the 0.001 step */
    char f[SC_TEST_PATH_MAX + 16];
    snprintf(f, sizeof(f), "%s/out.csv", dir);
    csv c;
    csv_load(f, &c);
    assert_int_equal(c.rows, 17);
    for (size_t r = 0; r < c.rows; r++) {
        assert_string_equal(at(&c, r, "gap_before"), r == 10 ? "3" : "0");
    }
    assert_string_equal(at(&c, 10, "open_time"), "1735690380000"); /* 00:13 */
    assert_string_equal(at(&c, 10, "open"), "1010.50");
    assert_string_equal(at(&c, 10, "volume"), "1.00110000");
    csv_free(&c);
    free(rows);
    free(out);
    rm_dir(dir);
}

/* 5m from 1m: aligned buckets, exact sums, an incomplete first bucket
 * flagged, the one cut by the end of the input not written; 1m from 5m
 * refused. */
static void test_5m_from_1m(void **state) {
    (void)state;
    char dir[SC_TEST_PATH_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    char *rows = minute_rows(15, -1, 0, 2); /* 00:02 .. 00:16 */
    char in[SC_TEST_PATH_MAX + 16];
    snprintf(in, sizeof(in), "%s/m1.csv", dir);
    write_file(in, rows);
    char args[CMD_MAX];
    snprintf(args, sizeof(args), "features --timeframe 5m --input '%s' --out '%s/o.csv'", in, dir);
    char *out = malloc(OUT_MAX);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    assert_non_null(strstr(out, "cut by the end of the input"));
    char f[SC_TEST_PATH_MAX + 16];
    snprintf(f, sizeof(f), "%s/o.csv", dir);
    csv c;
    csv_load(f, &c);
    assert_int_equal(c.rows, 3);
    static const char *const k_open_time[] = {"1735689600000", "1735689900000", "1735690200000"};
    static const char *const k_missing[] = {"2", "0", "0"};
    /* Bucket 00:05 holds input rows 3..7 (0-based): open 1003.5, high 1012,
     * low 998, close 1008.1, volume 1.0004 + ... + 1.0008. */
    for (size_t r = 0; r < 3; r++) {
        assert_string_equal(at(&c, r, "open_time"), k_open_time[r]);
        assert_string_equal(at(&c, r, "missing_inside"), k_missing[r]);
    }
    assert_string_equal(at(&c, 1, "open"), "1003.50");
    assert_string_equal(at(&c, 1, "high"), "1012.00");
    assert_string_equal(at(&c, 1, "low"), "998.00");
    assert_string_equal(at(&c, 1, "close"), "1008.10");
    assert_string_equal(at(&c, 1, "volume"), "5.00300000");
    csv_free(&c);
    /* A 5m file cannot give 1m candles. */
    char *r5 = malloc(4096);
    assert_non_null(r5);
    size_t len = (size_t)snprintf(r5, 4096, "timestamp,open,high,low,close,volume\n");
    for (int i = 0; i < 12; i++) {
        len += (size_t)snprintf(r5 + len, 4096 - len, "2025-01-01 %02d:%02d:00,10,11,9,10,1\n",
                                i * 5 / 60, i * 5 % 60);
    }
    snprintf(in, sizeof(in), "%s/m5.csv", dir);
    write_file(in, r5);
    snprintf(args, sizeof(args), "features --input '%s' --out '%s/o.csv'", in, dir);
    assert_int_equal(run(args, out, OUT_MAX), 2);
    assert_non_null(strstr(out, "5m klines"));
    snprintf(args, sizeof(args), "features --timeframe 15m --input '%s' --out '%s/o.csv'", in, dir);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    free(r5);
    free(rows);
    free(out);
    rm_dir(dir);
}

/* The real 1m file at 5m: every open on the 5m grid, 14400 / 5 rows. */
static void test_real_5m(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(FX_KLINES_REL, path);
    char dir[SC_TEST_PATH_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    char args[CMD_MAX];
    snprintf(args, sizeof(args), "features --timeframe 5m --input '%s' --out '%s/o.csv'", path,
             dir);
    char *out = malloc(OUT_MAX);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    char f[SC_TEST_PATH_MAX + 16];
    snprintf(f, sizeof(f), "%s/o.csv", dir);
    csv c;
    csv_load(f, &c);
    /* 21:41 .. 21:40 ten days later: the first bucket lacks 21:40, the
     * last holds only 21:40 and is cut by the end, so 2880 rows. */
    assert_int_equal(c.rows, 2880);
    assert_string_equal(at(&c, 0, "missing_inside"), "1");
    for (size_t r = 0; r < c.rows; r++) {
        assert_int_equal(strtoll(at(&c, r, "open_time"), NULL, 10) % 300000, 0);
        assert_string_equal(at(&c, r, "gap_before"), "0");
        assert_true(r == 0 || strcmp(at(&c, r, "missing_inside"), "0") == 0);
    }
    csv_free(&c);
    free(out);
    rm_dir(dir);
}

/* Several files are one stream: split, the output is the same; the wrong
 * order is refused with file:line. */
static void test_files_as_one_stream(void **state) {
    (void)state;
    char dir[SC_TEST_PATH_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    char *all = minute_rows(40, -1, 0, 0);
    char *second = all;
    for (int i = 0; i < 26; i++) { /* header + 25 rows in the first part */
        second = strchr(second, '\n') + 1;
    }
    char *part2 = malloc(strlen(second) + 64);
    assert_non_null(part2);
    snprintf(part2, strlen(second) + 64, "timestamp,open,high,low,close,volume\n%s", second);
    char p[3][SC_TEST_PATH_MAX + 16];
    snprintf(p[0], sizeof(p[0]), "%s/all.csv", dir);
    snprintf(p[1], sizeof(p[1]), "%s/a.csv", dir);
    snprintf(p[2], sizeof(p[2]), "%s/b.csv", dir);
    write_file(p[0], all);
    write_file(p[2], part2);
    *second = '\0';
    write_file(p[1], all);
    char args[CMD_MAX];
    char *out = malloc(OUT_MAX);
    snprintf(args, sizeof(args), "features --input '%s' --out '%s/one.csv'", p[0], dir);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    snprintf(args, sizeof(args), "features '%s' '%s' --out '%s/two.csv'", p[1], p[2], dir);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    size_t l1 = 0;
    size_t l2 = 0;
    snprintf(p[0], sizeof(p[0]), "%s/one.csv", dir);
    char *one = sc_test_read_all(p[0], &l1);
    snprintf(p[0], sizeof(p[0]), "%s/two.csv", dir);
    char *two = sc_test_read_all(p[0], &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(one, two, l1);
    snprintf(args, sizeof(args), "features '%s' '%s' --out '%s/bad.csv'", p[2], p[1], dir);
    assert_int_equal(run(args, out, OUT_MAX), 3);
    assert_non_null(strstr(out, "a.csv:2: open_time: expected after"));
    free(one);
    free(two);
    free(part2);
    free(all);
    free(out);
    rm_dir(dir);
}

static void check_book_rows(const csv *c, size_t min_rows) {
    assert_true(c->rows >= min_rows);
    for (size_t r = 0; r < c->rows; r++) {
        assert_true(num(c, r, "bid") < num(c, r, "ask"));
        assert_true(num(c, r, "spread_bps") > 0.0);
        double mp = num(c, r, "microprice");
        assert_true(mp >= num(c, r, "bid") && mp <= num(c, r, "ask"));
        double imb = num(c, r, "book_imbalance_5");
        assert_true(imb >= -1.0 && imb <= 1.0);
        assert_true(!isnan(num(c, r, "ofi")));
        assert_true(!isnan(num(c, r, "depth_bid_10bps")));
        assert_true(!isnan(num(c, r, "trades")));
        assert_true(!isnan(num(c, r, "vwap")));
    }
}

static void test_capture_inputs(void **state) {
    (void)state;
    char demo[SC_TEST_PATH_MAX];
    sc_test_source_path("tests/data/demo_capture.txt", demo, sizeof(demo));
    char dir[SC_TEST_PATH_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    char args[CMD_MAX];
    char *out = malloc(OUT_MAX);
    snprintf(args, sizeof(args), "features --timeframe 1s --input '%s' --out '%s/d.csv'", demo,
             dir);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    assert_non_null(strstr(out, "partial candles not written"));
    char f[SC_TEST_PATH_MAX + 16];
    snprintf(f, sizeof(f), "%s/d.csv", dir);
    csv c;
    csv_load(f, &c);
    char want[sizeof(k_header) + sizeof(k_header_book)];
    snprintf(want, sizeof(want), "%s%s", k_header, k_header_book);
    assert_string_equal(c.header, want);
    check_book_rows(&c, 8);
    csv_free(&c);
    /* Kinds cannot be mixed. */
    snprintf(args, sizeof(args), "features '%s' '%s'", demo, f);
    assert_int_equal(run(args, out, OUT_MAX), 2);
    assert_non_null(strstr(out, "one kind"));
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED("binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst", path);
    snprintf(args, sizeof(args), "features --input '%s' --out '%s/r.csv'", path, dir);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    snprintf(f, sizeof(f), "%s/r.csv", dir);
    csv_load(f, &c);
    assert_int_equal(c.rows, 5);
    check_book_rows(&c, 5);
    csv_free(&c);
    free(out);
    rm_dir(dir);
}

/* Without --out the CSV goes to stdout and the report to stderr. */
static void test_stdout(void **state) {
    (void)state;
    char dir[SC_TEST_PATH_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    char *rows = minute_rows(3, -1, 0, 0);
    char in[SC_TEST_PATH_MAX + 16];
    snprintf(in, sizeof(in), "%s/s.csv", dir);
    write_file(in, rows);
    char args[CMD_MAX];
    snprintf(args, sizeof(args), "features --instrument spot:BTCUSDT '%s' 2>/dev/null", in);
    char *out = malloc(OUT_MAX);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    assert_memory_equal(out, k_header, strlen(k_header));
    assert_non_null(strstr(out, "\n1735689720000,1002.50,"));
    free(rows);
    free(out);
    rm_dir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_documents_every_column),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_real_usdm_values),
        cmocka_unit_test(test_every_real_kline_file),
        cmocka_unit_test(test_malformed_row),
        cmocka_unit_test(test_missing_minutes),
        cmocka_unit_test(test_5m_from_1m),
        cmocka_unit_test(test_real_5m),
        cmocka_unit_test(test_files_as_one_stream),
        cmocka_unit_test(test_capture_inputs),
        cmocka_unit_test(test_stdout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
