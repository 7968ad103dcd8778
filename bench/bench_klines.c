/* bench_klines.c: kline CSV reading and candle aggregation throughput.
 *
 * 1. The month-long 1m files in ../shared/data read end to end with the
 *    streaming reader (zstd, ISO times, exact decimals): rows/s and MB/s of
 *    decompressed text, best of ROUNDS runs.
 * 2. The same rows fed to a CandleAggregator building 5m/15m/1h (the reader
 *    runs outside the timing: rows are loaded first).
 * 3. Synthetic trades (seeded) into 1s/1m/5m/15m/1h candles: trades/s.
 * Prints figures; never fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "core/instrument.h"
#include "core/rng.h"
#include "market/candles.h"
#include "market/klines_csv.h"

enum { ROUNDS = 5, ROWS_MAX = 60000, TRADES = 2000000, SEED = 20250606 };

typedef struct {
    const char *rel;
    const char *ins;
} bench_file;

static const bench_file k_files[] = {
    {"bybit_linear_klines_1m_crypto_backtester/BTCUSDT_linear_1m_20250530_20250629.csv.zst",
     "usdm:BTCUSDT"},
    {"binance_spot_klines_1m_benicio/BTCUSDT_1m_20250301_20250401.csv.zst", "spot:BTCUSDT"},
    {"binance_spot_klines_1m_privet1x/BTCUSDT_1m_20241130_20241229.csv.zst", "spot:BTCUSDT"},
};

/* Reads the whole file once; rows into out (up to cap). Returns the row
 * count, or -1 on an error (printed). */
static long read_file(const char *path, const sc_instrument *ins, sc_candle *out, size_t cap) {
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
    sc_candle k;
    sc_err e;
    while ((e = sc_klines_csv_next(r, &k, &err)) == SC_OK) {
        if (out != NULL && (size_t)n < cap) {
            out[n] = k;
        }
        n++;
    }
    sc_klines_csv_close(r);
    if (e != SC_ERR_EOF) {
        printf("  read error: %s\n", sc_errinfo_format(&err, msg, sizeof(msg)));
        return -1;
    }
    return n;
}

static void bench_aggregate(const sc_instrument *ins, const sc_candle *rows, long n) {
    uint64_t best = UINT64_MAX;
    uint64_t closed = 0;
    for (int round = 0; round < ROUNDS; round++) {
        sc_candles_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        cfg.ins = ins;
        cfg.source = SC_CANDLES_FROM_KLINES;
        sc_candles *c = NULL;
        if (sc_candles_create(&cfg, &c) != SC_OK) {
            return;
        }
        sc_candle k;
        closed = 0;
        uint64_t t0 = sc_bench_now_ns();
        for (long i = 0; i < n; i++) {
            (void)sc_candles_on_candle(c, &rows[i]);
            while (sc_candles_next(c, &k)) {
                closed++;
            }
        }
        uint64_t dt = sc_bench_now_ns() - t0;
        best = dt < best ? dt : best;
        sc_candles_destroy(c);
    }
    printf("  aggregate 1m->1m/5m/15m/1h: %.2f M klines/s (%llu candles out)\n",
           (double)n / ((double)best / 1e9) / 1e6, (unsigned long long)closed);
}

static void bench_file_one(const bench_file *f, sc_candle *rows) {
    char path[1024];
    printf("%s\n", f->rel);
    if (!sc_bench_shared(f->rel, path, sizeof(path))) {
        printf("  absent: skipped\n");
        return;
    }
    const sc_instrument *ins = sc_instrument_find(f->ins);
    size_t bytes = 0;
    char *text = sc_bench_load(path, &bytes);
    free(text);
    uint64_t best = UINT64_MAX;
    long n = 0;
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t t0 = sc_bench_now_ns();
        n = read_file(path, ins, round == 0 ? rows : NULL, ROWS_MAX);
        uint64_t dt = sc_bench_now_ns() - t0;
        if (n < 0) {
            return;
        }
        best = dt < best ? dt : best;
    }
    double s = (double)best / 1e9;
    printf("  read: %ld rows in %.1f ms: %.2f M rows/s, %.0f MB/s of text\n", n, s * 1e3,
           (double)n / s / 1e6, (double)bytes / s / 1e6);
    if (n <= ROWS_MAX) {
        bench_aggregate(ins, rows, n);
    }
}

static void bench_trades(void) {
    sc_candles_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = sc_instrument_find("usdm:BTCUSDT");
    sc_candles *c = NULL;
    if (sc_candles_create(&cfg, &c) != SC_OK) {
        return;
    }
    sc_trade *tr = calloc(TRADES, sizeof(*tr));
    if (tr == NULL) {
        sc_candles_destroy(c);
        return;
    }
    sc_rng rng;
    sc_rng_seed(&rng, SEED);
    sc_ns t = INT64_C(1749168000) * SC_NS_PER_S;
    int64_t px = 1043675;
    for (size_t i = 0; i < TRADES; i++) {
        t += (sc_ns)(sc_rng_next(&rng) % 40) * SC_NS_PER_MS; /* ~50 trades/s */
        px += (int64_t)(sc_rng_next(&rng) % 5) - 2;
        tr[i].ts_trade_ns = t;
        tr[i].px.ticks = px;
        tr[i].qty.steps = 1 + (int64_t)(sc_rng_next(&rng) % 500);
        tr[i].aggressor = (sc_rng_next(&rng) & 1) ? SC_SIDE_BUY : SC_SIDE_SELL;
    }
    sc_candle k;
    uint64_t closed = 0;
    uint64_t t0 = sc_bench_now_ns();
    for (size_t i = 0; i < TRADES; i++) {
        (void)sc_candles_on_trade(c, &tr[i]);
        while (sc_candles_next(c, &k)) {
            closed++;
        }
    }
    uint64_t dt = sc_bench_now_ns() - t0;
    printf("synthetic trades into 1s/1m/5m/15m/1h: %.1f M trades/s, %.1f ns/trade (%llu candles)\n",
           (double)TRADES / ((double)dt / 1e9) / 1e6, (double)dt / TRADES,
           (unsigned long long)closed);
    free(tr);
    sc_candles_destroy(c);
}

int main(void) {
    sc_bench_print_machine();
    sc_candle *rows = calloc(ROWS_MAX, sizeof(*rows));
    if (rows == NULL) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(k_files) / sizeof(k_files[0]); i++) {
        bench_file_one(&k_files[i], rows);
    }
    free(rows);
    bench_trades();
    return 0;
}
