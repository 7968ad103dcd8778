#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "market/capture.h"

uint64_t sc_bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

uint64_t sc_bench_quantile(uint64_t *v, size_t n, double q) {
    if (n == 0) {
        return 0;
    }
    qsort(v, n, sizeof(*v), cmp_u64);
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

char *sc_bench_load(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *raw = malloc((size_t)sz + 1);
    if (raw == NULL || fread(raw, 1, (size_t)sz, f) != (size_t)sz) {
        fclose(f);
        free(raw);
        return NULL;
    }
    fclose(f);
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".zst") == 0) {
        unsigned long long full = ZSTD_getFrameContentSize(raw, (size_t)sz);
        if (full == ZSTD_CONTENTSIZE_ERROR || full == ZSTD_CONTENTSIZE_UNKNOWN) {
            free(raw);
            return NULL;
        }
        char *out = malloc((size_t)full + 1);
        size_t got = out ? ZSTD_decompress(out, (size_t)full, raw, (size_t)sz) : 0;
        free(raw);
        if (out == NULL || ZSTD_isError(got)) {
            free(out);
            return NULL;
        }
        out[got] = '\0';
        *len_out = got;
        return out;
    }
    raw[sz] = '\0';
    *len_out = (size_t)sz;
    return raw;
}

int sc_bench_shared(const char *rel, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%s", SC_SHARED_DATA_DIR, rel);
    return access(buf, R_OK) == 0;
}

void sc_bench_print_machine(void) {
    char model[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        char line[512];
        while (fgets(line, sizeof(line), f) != NULL) {
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c != NULL) {
                    snprintf(model, sizeof(model), "%s", c + 2);
                    model[strcspn(model, "\n")] = '\0';
                }
                break;
            }
        }
        fclose(f);
    }
    printf("machine: %s, %ld cores online\n", model, sysconf(_SC_NPROCESSORS_ONLN));
}

/* ---- data folder ------------------------------------------------------------ */

const char *sc_bench_data_dir(int argc, char **argv) {
    return argc > 1 && argv[1] != NULL && argv[1][0] != '\0' ? argv[1] : SC_SHARED_DATA_DIR;
}

int sc_bench_path(const char *dir, const char *rel, char *buf, size_t cap) {
    int n = snprintf(buf, cap, "%s/%s", dir, rel);
    return n > 0 && (size_t)n < cap && access(buf, R_OK) == 0;
}

/* ---- captures in memory --------------------------------------------------------- */

/* Grows *p (elements of size elem) to hold need; false at the byte limit
 * or when out of memory. */
static int grow_to(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) {
        return 1;
    }
    size_t n = *cap == 0 ? 4096 : *cap;
    while (n < need) {
        n *= 2;
    }
    if (n > (size_t)SC_BENCH_CAPTURE_BYTES_MAX * 2 / elem) {
        return 0;
    }
    void *q = realloc(*p, n * elem);
    if (q == NULL) {
        return 0;
    }
    *p = q;
    *cap = n;
    return 1;
}

/* The lines are kept as offsets while the text buffer may still move, and
 * turned into pointers once it is complete. */
static int capture_read_all(sc_capture_reader *rd, sc_bench_capture *out, char *err,
                            size_t err_cap) {
    size_t text_cap = 0;
    size_t msg_cap = 0;
    sc_capture_line ln;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    for (;;) {
        sc_err e = sc_capture_reader_next(rd, &ln, &ei);
        if (e == SC_ERR_EOF) {
            return 0;
        }
        if (e == SC_ERR_PARSE || e == SC_ERR_LIMIT) {
            out->bad_lines++;
            continue;
        }
        if (e != SC_OK) {
            char buf[512];
            snprintf(err, err_cap, "reading the capture: %s: %s", sc_err_name(e),
                     sc_errinfo_format(&ei, buf, sizeof(buf)));
            return -1;
        }
        if (out->text_len + ln.json_len > SC_BENCH_CAPTURE_BYTES_MAX ||
            !grow_to((void **)&out->text, &text_cap, out->text_len + ln.json_len, 1) ||
            !grow_to((void **)&out->msgs, &msg_cap, out->n + 1, sizeof(*out->msgs))) {
            snprintf(err, err_cap, "capture over %d bytes, or out of memory",
                     SC_BENCH_CAPTURE_BYTES_MAX);
            return -1;
        }
        memcpy(out->text + out->text_len, ln.json, ln.json_len);
        out->msgs[out->n++] = (sc_bench_msg){ln.ts_local_ns, NULL, ln.json_len};
        out->text_len += ln.json_len;
    }
}

int sc_bench_capture_load(const char *const *paths, size_t n_paths, sc_bench_capture *out,
                          char *err, size_t err_cap) {
    memset(out, 0, sizeof(*out));
    sc_capture_reader *rd = NULL;
    sc_capture_reader_config rc = {0};
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    sc_err e = sc_capture_reader_open(&rc, paths, n_paths, &rd, &ei);
    if (e != SC_OK) {
        char buf[512];
        snprintf(err, err_cap, "opening the capture: %s: %s", sc_err_name(e),
                 sc_errinfo_format(&ei, buf, sizeof(buf)));
        return -1;
    }
    int rc_ = capture_read_all(rd, out, err, err_cap);
    sc_capture_reader_close(rd);
    if (rc_ != 0) {
        sc_bench_capture_free(out);
        return -1;
    }
    size_t off = 0;
    for (size_t i = 0; i < out->n; i++) {
        out->msgs[i].json = out->text + off;
        off += out->msgs[i].len;
    }
    return 0;
}

void sc_bench_capture_free(sc_bench_capture *c) {
    if (c == NULL) {
        return;
    }
    free(c->text);
    free(c->msgs);
    memset(c, 0, sizeof(*c));
}

/* ---- latency histogram ---------------------------------------------------------- */

void sc_bench_hist_clear(sc_bench_hist *h) {
    memset(h, 0, sizeof(*h));
}

static int log2_floor(uint64_t v) {
    int e = 0;
    while (v >>= 1) {
        e++;
    }
    return e;
}

void sc_bench_hist_add(sc_bench_hist *h, uint64_t ns) {
    h->count++;
    h->sum_ns += (double)ns;
    h->max_ns = ns > h->max_ns ? ns : h->max_ns;
    if (ns < SC_BENCH_HIST_EXACT_NS) {
        h->exact[ns]++;
        return;
    }
    int e = log2_floor(ns); /* 10..63 */
    size_t sub = (size_t)(ns >> (e - 6)) - SC_BENCH_HIST_SUB;
    h->log[(size_t)(e - 10) * SC_BENCH_HIST_SUB + sub]++;
}

uint64_t sc_bench_hist_quantile(const sc_bench_hist *h, double q) {
    if (h->count == 0) {
        return 0;
    }
    double r = q * (double)h->count;
    uint64_t rank = (uint64_t)r;
    rank += (double)rank < r ? 1 : 0;
    rank = rank == 0 ? 1 : rank;
    uint64_t seen = 0;
    for (size_t i = 0; i < SC_BENCH_HIST_EXACT_NS; i++) {
        seen += h->exact[i];
        if (seen >= rank) {
            return i;
        }
    }
    for (size_t i = 0; i < (size_t)SC_BENCH_HIST_OCTAVES * SC_BENCH_HIST_SUB; i++) {
        seen += h->log[i];
        if (seen >= rank) {
            int e = (int)(i / SC_BENCH_HIST_SUB) + 10;
            uint64_t lo = (uint64_t)(SC_BENCH_HIST_SUB + i % SC_BENCH_HIST_SUB) << (e - 6);
            uint64_t hi = lo + (UINT64_C(1) << (e - 6)) - 1;
            return hi < h->max_ns ? hi : h->max_ns;
        }
    }
    return h->max_ns;
}

void sc_bench_hist_print(const sc_bench_hist *h, const char *label) {
    printf("%-34s n %8llu  mean %7.0f  p50 %7llu  p99 %7llu  p99.9 %7llu  max %8llu ns\n", label,
           (unsigned long long)h->count, h->count > 0 ? h->sum_ns / (double)h->count : 0.0,
           (unsigned long long)sc_bench_hist_quantile(h, 0.50),
           (unsigned long long)sc_bench_hist_quantile(h, 0.99),
           (unsigned long long)sc_bench_hist_quantile(h, 0.999), (unsigned long long)h->max_ns);
}

void sc_bench_timer_overhead(sc_bench_hist *h, size_t n) {
    sc_bench_hist_clear(h);
    for (size_t i = 0; i < n; i++) {
        uint64_t t0 = sc_bench_now_ns();
        uint64_t t1 = sc_bench_now_ns();
        sc_bench_hist_add(h, t1 - t0);
    }
}

enum { WINDOW_FILES_MAX = 2, WINDOW_PATH_MAX = 4096, WINDOW_ERR_MAX = 1024 };

static const char *const k_usdm_windows[SC_BENCH_USDM_WINDOWS][WINDOW_FILES_MAX] = {
    {"binance_ws_capture_hftbacktest/usdm/btcusdt_20230404.txt.zst",
     "binance_ws_capture_hftbacktest/usdm/btcusdt_20230405.txt.zst"},
    {"binance_ws_capture_hftbacktest/usdm/btcusdt_20240718.txt.zst",
     "binance_ws_capture_hftbacktest/usdm/btcusdt_20240719.txt.zst"},
    {"binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst", NULL},
    {"binance_ws_capture_collect_binancefutures/btcusdt_20220811.txt.zst", NULL},
};

int sc_bench_usdm_windows_load(const char *dir, const char *who,
                               sc_bench_capture ws[SC_BENCH_USDM_WINDOWS]) {
    for (int w = 0; w < SC_BENCH_USDM_WINDOWS; w++) {
        char paths[WINDOW_FILES_MAX][WINDOW_PATH_MAX];
        const char *pp[WINDOW_FILES_MAX];
        size_t n = 0;
        for (; n < WINDOW_FILES_MAX && k_usdm_windows[w][n] != NULL; n++) {
            if (!sc_bench_path(dir, k_usdm_windows[w][n], paths[n], sizeof(paths[n]))) {
                fprintf(stderr, "%s: %s: missing or unreadable\n", who, paths[n]);
                return 1;
            }
            pp[n] = paths[n];
        }
        char err[WINDOW_ERR_MAX];
        if (sc_bench_capture_load(pp, n, &ws[w], err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: %s: %s\n", who, pp[0], err);
            return 1;
        }
    }
    return 0;
}
