/* bench_capture: capture reader throughput on the real USD-M captures.
 *
 * Reads the five USD-M captures as one stream, compressed (as shipped) and
 * as plain temporary files holding the same text, and prints MB/s of
 * decompressed text and lines/s (best of RUNS). For scale it also prints
 * zstd's own streaming decompression speed on the same files: the
 * compressed reader can be no faster than that.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "bench_util.h"
#include "market/capture.h"

enum { RUNS = 5, FILES = 5, ZSTD_OUT_BYTES = 1 << 20 };

static const char *const rel_paths[FILES] = {
    "binance_ws_capture_hftbacktest/usdm/btcusdt_20230404.txt.zst",
    "binance_ws_capture_hftbacktest/usdm/btcusdt_20230405.txt.zst",
    "binance_ws_capture_hftbacktest/usdm/btcusdt_20240718.txt.zst",
    "binance_ws_capture_hftbacktest/usdm/btcusdt_20240719.txt.zst",
    "binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst",
};

typedef struct {
    uint64_t best_ns;
    uint64_t lines;
    uint64_t errors;
} run_result;

/* Reads the files as one stream RUNS times; keeps the fastest run. */
static int read_all(const char *const *paths, size_t n, run_result *res) {
    res->best_ns = UINT64_MAX;
    for (int run = 0; run < RUNS; run++) {
        sc_capture_reader *r = NULL;
        sc_errinfo err = {0};
        if (sc_capture_reader_open(NULL, paths, n, &r, &err) != SC_OK) {
            char buf[512];
            fprintf(stderr, "bench_capture: %s\n", sc_errinfo_format(&err, buf, sizeof(buf)));
            return -1;
        }
        uint64_t lines = 0, errors = 0, t0 = sc_bench_now_ns();
        sc_capture_line l;
        sc_err e;
        while ((e = sc_capture_reader_next(r, &l, &err)) != SC_ERR_EOF) {
            lines += e == SC_OK;
            errors += e != SC_OK;
        }
        uint64_t dt = sc_bench_now_ns() - t0;
        sc_capture_reader_close(r);
        res->best_ns = dt < res->best_ns ? dt : res->best_ns;
        res->lines = lines;
        res->errors = errors;
    }
    return 0;
}

/* zstd alone: streaming decompression of the compressed files in memory
 * into a 1 MiB block, as the reader does, without cutting lines. */
static uint64_t zstd_only_ns(char *const *raw, const size_t *raw_len, size_t n) {
    char *out = malloc(ZSTD_OUT_BYTES);
    ZSTD_DCtx *d = ZSTD_createDCtx();
    uint64_t best = UINT64_MAX;
    for (int run = 0; run < RUNS && out != NULL && d != NULL; run++) {
        uint64_t t0 = sc_bench_now_ns();
        for (size_t i = 0; i < n; i++) {
            ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
            ZSTD_inBuffer in = {raw[i], raw_len[i], 0};
            size_t ret = 1;
            while (in.pos < in.size || ret != 0) {
                ZSTD_outBuffer o = {out, ZSTD_OUT_BYTES, 0};
                ret = ZSTD_decompressStream(d, &o, &in);
                if (ZSTD_isError(ret) || (o.pos == 0 && in.pos == in.size && ret != 0)) {
                    break;
                }
            }
        }
        uint64_t dt = sc_bench_now_ns() - t0;
        best = dt < best ? dt : best;
    }
    ZSTD_freeDCtx(d);
    free(out);
    return best;
}

static char *read_raw(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *raw = sz > 0 ? malloc((size_t)sz) : NULL;
    if (raw != NULL && fread(raw, 1, (size_t)sz, f) != (size_t)sz) {
        free(raw);
        raw = NULL;
    }
    fclose(f);
    *len_out = (size_t)sz;
    return raw;
}

/* Writes the decompressed text of src to a new temporary file. */
static int make_plain(const char *src, char *tmp, size_t cap, uint64_t *text_bytes) {
    const char *base = getenv("TMPDIR");
    snprintf(tmp, cap, "%s/bench-capture-XXXXXX", base ? base : "/tmp");
    int fd = mkstemp(tmp);
    size_t len = 0;
    char *text = fd >= 0 ? sc_bench_load(src, &len) : NULL;
    int rc = (text != NULL && write(fd, text, len) == (ssize_t)len) ? 0 : -1;
    if (fd >= 0) {
        rc = close(fd) == 0 ? rc : -1;
    }
    free(text);
    *text_bytes += len;
    return rc;
}

static void print_row(const char *what, const run_result *res, uint64_t text_bytes) {
    double s = (double)res->best_ns / 1e9;
    printf("%-26s %9.1f MB/s %12.0f lines/s  (%llu lines, %llu errors, %.3f s)\n", what,
           (double)text_bytes / 1e6 / s, (double)res->lines / s, (unsigned long long)res->lines,
           (unsigned long long)res->errors, s);
}

int main(void) {
    sc_bench_print_machine();
    char zst[FILES][1024], plain[FILES][1024];
    const char *zst_p[FILES], *plain_p[FILES];
    for (size_t i = 0; i < FILES; i++) {
        if (!sc_bench_shared(rel_paths[i], zst[i], sizeof(zst[i]))) {
            printf("bench_capture: skipped: %s is absent\n", zst[i]);
            return 0;
        }
        zst_p[i] = zst[i];
    }
    uint64_t text_bytes = 0, zst_bytes = 0;
    memset(plain, 0, sizeof(plain));
    char *raw[FILES] = {0};
    size_t raw_len[FILES] = {0};
    int rc = 0;
    for (size_t i = 0; i < FILES && rc == 0; i++) {
        rc = make_plain(zst[i], plain[i], sizeof(plain[i]), &text_bytes);
        plain_p[i] = plain[i];
        raw[i] = read_raw(zst[i], &raw_len[i]);
        rc = raw[i] != NULL ? rc : -1;
        zst_bytes += raw_len[i];
    }
    run_result zr = {0}, pr = {0};
    if (rc == 0) {
        rc = read_all(zst_p, FILES, &zr);
    }
    if (rc == 0) {
        rc = read_all(plain_p, FILES, &pr);
    }
    if (rc == 0) {
        printf("%d USD-M captures: %.1f MB of text, %.1f MB compressed; best of %d runs\n", FILES,
               (double)text_bytes / 1e6, (double)zst_bytes / 1e6, RUNS);
        print_row("reader, zstd files", &zr, text_bytes);
        print_row("reader, plain files", &pr, text_bytes);
        double zs = (double)zstd_only_ns(raw, raw_len, FILES) / 1e9;
        printf("%-26s %9.1f MB/s  (decompression alone, in memory)\n", "zstd stream, no reader",
               (double)text_bytes / 1e6 / zs);
    }
    for (size_t i = 0; i < FILES; i++) {
        free(raw[i]);
        if (plain[i][0] != '\0') {
            unlink(plain[i]); /* ENOENT when mkstemp never made it */
        }
    }
    return rc == 0 ? 0 : 1;
}
