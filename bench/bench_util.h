/* bench_util.h: timing and data helpers shared by the bench/ programs.
 * Benchmarks print figures; they never decide pass or fail. */
#ifndef SC_BENCH_UTIL_H
#define SC_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic clock in ns (benchmarks may read clocks; the engine may not). */
uint64_t sc_bench_now_ns(void);

/* Sorts v in place and returns the value at quantile q (0..1). */
uint64_t sc_bench_quantile(uint64_t *v, size_t n, double q);

/* Reads a whole file into memory, decompressing zstd; NULL when absent. */
char *sc_bench_load(const char *path, size_t *len_out);

/* Path under the shared data folder; 0 when the file is missing. */
int sc_bench_shared(const char *rel, char *buf, size_t cap);

/* One line describing the CPU, for the figures in README.md. */
void sc_bench_print_machine(void);

/* ---- data folder ------------------------------------------------------------ */

/* The shared data folder: argv[1] when given, else the build's default
 * (SC_SHARED_DATA_DIR, ../shared/data next to the sources). */
const char *sc_bench_data_dir(int argc, char **argv);

/* dir/rel into buf; 0 when the file is missing or unreadable (or cut). */
int sc_bench_path(const char *dir, const char *rel, char *buf, size_t cap);

/* ---- captures in memory --------------------------------------------------------- */

/* One capture line: local receive time in ns (2023 files are in us on disk;
 * the reader converts) and the raw JSON (not NUL-terminated). */
typedef struct {
    int64_t ts_ns;
    const char *json;
    size_t len;
} sc_bench_msg;

/* Files read through market/capture.h's reader, as one stream, into one
 * text buffer and one array of lines. Malformed lines are skipped and
 * counted (the reader's rule); an I/O or decompression error fails. */
typedef struct {
    char *text;
    size_t text_len;
    sc_bench_msg *msgs;
    size_t n;
    uint64_t bad_lines;
} sc_bench_capture;

/* 0 on success; -1 with a message in err otherwise (out is then empty).
 * Bounded: at most SC_BENCH_CAPTURE_BYTES_MAX bytes of JSON. */
enum { SC_BENCH_CAPTURE_BYTES_MAX = 1 << 30 };
int sc_bench_capture_load(const char *const *paths, size_t n_paths, sc_bench_capture *out,
                          char *err, size_t err_cap);
void sc_bench_capture_free(sc_bench_capture *c);

/* The USD-M capture windows of ../shared/data (a window: one or two files
 * read as one stream): the three hftbacktest windows and the short
 * collect-binancefutures sample. */
enum { SC_BENCH_USDM_WINDOWS = 4 };
/* Loads every window into ws. 0 ok; 1 a file missing or unreadable (printed
 * as "<who>: <path>: <why>"). */
int sc_bench_usdm_windows_load(const char *dir, const char *who,
                               sc_bench_capture ws[SC_BENCH_USDM_WINDOWS]);

/* ---- latency histogram ---------------------------------------------------------- */

/* Exact (1 ns buckets) below SC_BENCH_HIST_EXACT_NS; above, log-linear:
 * each power of two split into SC_BENCH_HIST_SUB buckets (relative width
 * 1/64, about 1.6 %). Quantiles above the exact range report the bucket's
 * upper bound (never above the exact maximum), so they err high. */
enum {
    SC_BENCH_HIST_EXACT_NS = 1024, /* 2^10 */
    SC_BENCH_HIST_SUB = 64,        /* 2^6 buckets per octave */
    SC_BENCH_HIST_OCTAVES = 54     /* 2^10 .. 2^64 */
};

typedef struct {
    uint64_t exact[SC_BENCH_HIST_EXACT_NS];
    uint64_t log[SC_BENCH_HIST_OCTAVES * SC_BENCH_HIST_SUB];
    uint64_t count;
    uint64_t max_ns;
    double sum_ns;
} sc_bench_hist;

void sc_bench_hist_clear(sc_bench_hist *h);
void sc_bench_hist_add(sc_bench_hist *h, uint64_t ns);
/* Value at quantile q (0..1) by rank ceil(q * count); 0 when empty. */
uint64_t sc_bench_hist_quantile(const sc_bench_hist *h, double q);
/* One line: label, count, mean, p50, p99, p99.9, max (ns). */
void sc_bench_hist_print(const sc_bench_hist *h, const char *label);

/* Cost of one timed region's pair of clock reads (sc_bench_now_ns twice,
 * nothing between), over n pairs, into h (cleared first). */
void sc_bench_timer_overhead(sc_bench_hist *h, size_t n);

#endif
