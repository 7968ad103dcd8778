/* bench_features_cli.c: what `scalper features` costs on a month of 1m
 * candles (the Bybit linear 2025-05/06 file, and Binance spot 2025-03).
 *
 * Per file, best of ROUNDS runs, each with a fresh FeaturePipeline:
 *   read      the kline reader alone (zstd, text, exact decimals);
 *   pipeline  FeaturePipeline over the candles already in memory (every
 *             calculator updated and read, row filled);
 *   + csv     the same plus each row formatted as CSV text (no disk);
 *   total     read + pipeline + csv, the command's work minus the write.
 * Prints figures; never fails. Skips, saying so, when the data is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "core/instrument.h"
#include "engine/feature_row.h"
#include "market/klines_csv.h"

enum { ROUNDS = 5, ROWS_MAX = 60000 };

typedef struct {
    const char *rel;
    const char *ins;
} bench_file;

static const bench_file k_files[] = {
    {"bybit_linear_klines_1m_crypto_backtester/BTCUSDT_linear_1m_20250530_20250629.csv.zst",
     "usdm:BTCUSDT"},
    {"binance_spot_klines_1m_benicio/BTCUSDT_1m_20250301_20250401.csv.zst", "spot:BTCUSDT"},
};

/* Every candle of the file into rows (up to cap); -1 on an error. */
static long read_all(const char *path, const sc_instrument *ins, sc_candle *rows, size_t cap) {
    sc_klines_csv_config cfg = {ins, 0, 0};
    sc_klines_csv *r = NULL;
    sc_errinfo err;
    memset(&err, 0, sizeof(err));
    char msg[512];
    if (sc_klines_csv_open(&cfg, path, &r, &err) != SC_OK) {
        printf("  cannot open: %s\n", sc_errinfo_format(&err, msg, sizeof(msg)));
        return -1;
    }
    long n = 0;
    sc_err e;
    sc_candle k;
    while ((e = sc_klines_csv_next(r, &k, &err)) == SC_OK) {
        if ((size_t)n < cap) {
            rows[n++] = k;
        }
    }
    sc_klines_csv_close(r);
    if (e != SC_ERR_EOF) {
        printf("  read error: %s\n", sc_errinfo_format(&err, msg, sizeof(msg)));
        return -1;
    }
    return n;
}

/* One pass of the pipeline over rows; with csv, each row formatted too.
 * Returns the ns taken, and the CSV bytes in *bytes. */
static uint64_t one_pass(const sc_instrument *ins, const sc_candle *rows, long n, bool csv,
                         uint64_t *bytes) {
    sc_feature_pipeline_config cfg = {ins, SC_NS_PER_MIN, false};
    sc_feature_pipeline *p = NULL;
    if (sc_feature_pipeline_create(&cfg, &p) != SC_OK) {
        return 0;
    }
    sc_feature_row row;
    char line[SC_FEATURE_LINE_MAX];
    *bytes = 0;
    uint64_t t0 = sc_bench_now_ns();
    for (long i = 0; i < n; i++) {
        if (sc_feature_pipeline_on_candle(p, &rows[i], NULL, &row, NULL) != SC_OK) {
            continue;
        }
        if (csv) {
            int w = sc_feature_pipeline_format(p, &row, line, sizeof(line));
            *bytes += w > 0 ? (uint64_t)w : 0;
        }
    }
    uint64_t dt = sc_bench_now_ns() - t0;
    sc_feature_pipeline_destroy(p);
    return dt;
}

static void print_rate(const char *what, long n, uint64_t ns) {
    double s = (double)ns / 1e9;
    printf("  %-9s %ld rows in %7.2f ms: %6.2f M rows/s (%.0f ns/row)\n", what, n, s * 1e3,
           (double)n / s / 1e6, (double)ns / (double)n);
}

static void bench_one(const bench_file *f, sc_candle *rows) {
    char path[1024];
    printf("%s\n", f->rel);
    if (!sc_bench_shared(f->rel, path, sizeof(path))) {
        printf("  absent: skipped\n");
        return;
    }
    const sc_instrument *ins = sc_instrument_find(f->ins);
    uint64_t best_read = UINT64_MAX;
    uint64_t best_pipe = UINT64_MAX;
    uint64_t best_csv = UINT64_MAX;
    uint64_t bytes = 0;
    long n = 0;
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t t0 = sc_bench_now_ns();
        n = read_all(path, ins, rows, ROWS_MAX);
        uint64_t dt = sc_bench_now_ns() - t0;
        if (n <= 0) {
            return;
        }
        best_read = dt < best_read ? dt : best_read;
        dt = one_pass(ins, rows, n, false, &bytes);
        best_pipe = dt < best_pipe ? dt : best_pipe;
        dt = one_pass(ins, rows, n, true, &bytes);
        best_csv = dt < best_csv ? dt : best_csv;
    }
    print_rate("read", n, best_read);
    print_rate("pipeline", n, best_pipe);
    print_rate("+ csv", n, best_csv);
    print_rate("total", n, best_read + best_csv);
    printf("  a month of 1m candles (%ld rows, %.1f MB of CSV): %.3f s\n", n, (double)bytes / 1e6,
           (double)(best_read + best_csv) / 1e9);
}

int main(void) {
    sc_bench_print_machine();
    sc_candle *rows = calloc(ROWS_MAX, sizeof(*rows));
    if (rows == NULL) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(k_files) / sizeof(k_files[0]); i++) {
        bench_one(&k_files[i], rows);
    }
    free(rows);
    return 0;
}
