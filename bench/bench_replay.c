/* bench_replay: the market-data path on the real USD-M captures.
 *
 * Prints, over all five USD-M capture files (each window as one stream):
 *   - decoder alone: MB/s and messages/s;
 *   - jansson parse-only of the same lines (json_loadb + json_decref), the
 *     yardstick: it only builds a DOM, converts nothing, checks nothing;
 *   - full replay in memory (decode -> book -> tape -> BBO check): messages/s
 *     on one core, and its ratio to the jansson rate (target >= 5x, and
 *     >= 2 million messages/s);
 *   - end-to-end replay from the .zst files through the capture reader, as
 *     `scalper replay-check` does it (one thread: zstd included).
 * Each figure is the best of several runs. Figures only; nothing fails. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "engine/replay.h"
#include "market/capture.h"
#include "market/decoder.h"

enum { RUNS = 5, WINDOWS = 3, FILES_MAX = 2 };

typedef struct {
    const char *json;
    size_t len;
    sc_ns ts;
} line;

typedef struct {
    char *bufs[FILES_MAX];
    line *lines;
    size_t n;
    size_t bytes;
    const char *rel[FILES_MAX];
    size_t n_files;
} window;

static const char *const k_windows[WINDOWS][FILES_MAX] = {
    {"binance_ws_capture_hftbacktest/usdm/btcusdt_20230404.txt.zst",
     "binance_ws_capture_hftbacktest/usdm/btcusdt_20230405.txt.zst"},
    {"binance_ws_capture_hftbacktest/usdm/btcusdt_20240718.txt.zst",
     "binance_ws_capture_hftbacktest/usdm/btcusdt_20240719.txt.zst"},
    {"binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst", NULL},
};

static int load_window(window *w, int wi) {
    memset(w, 0, sizeof(*w));
    size_t cap = 0;
    for (int f = 0; f < FILES_MAX && k_windows[wi][f] != NULL; f++) {
        char path[1024];
        if (!sc_bench_shared(k_windows[wi][f], path, sizeof(path))) {
            return -1;
        }
        size_t len = 0;
        char *buf = sc_bench_load(path, &len);
        if (buf == NULL) {
            return -1;
        }
        w->bufs[f] = buf;
        w->rel[f] = k_windows[wi][f];
        w->n_files++;
        w->bytes += len;
        for (char *p = buf, *end = buf + len; p < end;) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            nl = nl ? nl : end;
            char *sp = memchr(p, ' ', (size_t)(nl - p));
            if (w->n == cap) {
                cap = cap ? cap * 2 : 65536;
                w->lines = realloc(w->lines, cap * sizeof(line));
            }
            w->lines[w->n++] = (line){sp + 1, (size_t)(nl - sp - 1), strtoll(p, NULL, 10)};
            p = nl + 1;
        }
    }
    return 0;
}

static double secs_since(uint64_t t0) {
    return (double)(sc_bench_now_ns() - t0) * 1e-9;
}

static double run_decoder(window *ws, size_t nw) {
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    sc_decoder *d = NULL;
    sc_decoder_config cfg = {ins, 0};
    sc_decoder_create(&cfg, &d);
    uint64_t t0 = sc_bench_now_ns();
    for (size_t w = 0; w < nw; w++) {
        for (size_t i = 0; i < ws[w].n; i++) {
            sc_event ev;
            sc_errinfo ei;
            sc_decoder_decode(d, ws[w].lines[i].json, ws[w].lines[i].len, 0, &ev, &ei);
        }
    }
    double s = secs_since(t0);
    sc_decoder_destroy(d);
    return s;
}

static double run_jansson(window *ws, size_t nw) {
    uint64_t t0 = sc_bench_now_ns();
    for (size_t w = 0; w < nw; w++) {
        for (size_t i = 0; i < ws[w].n; i++) {
            json_error_t je;
            json_t *j = json_loadb(ws[w].lines[i].json, ws[w].lines[i].len, 0, &je);
            json_decref(j);
        }
    }
    return secs_since(t0);
}

static double run_replay(window *ws, size_t nw, uint64_t *checked) {
    double total = 0;
    *checked = 0;
    for (size_t w = 0; w < nw; w++) {
        sc_replay *rp = NULL;
        sc_replay_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        cfg.ins = sc_instrument_find("usdm:BTCUSDT");
        sc_replay_create(&cfg, &rp);
        uint64_t t0 = sc_bench_now_ns();
        for (size_t i = 0; i < ws[w].n; i++) {
            sc_replay_on_message(rp, ws[w].lines[i].ts, ws[w].lines[i].json, ws[w].lines[i].len,
                                 "bench", (int64_t)i);
        }
        sc_replay_finish(rp);
        total += secs_since(t0);
        sc_replay_summary s;
        sc_replay_get_summary(rp, &s);
        *checked += s.bbo_checked;
        sc_replay_destroy(rp);
    }
    return total;
}

static double run_from_files(window *ws, size_t nw) {
    uint64_t t0 = sc_bench_now_ns();
    for (size_t w = 0; w < nw; w++) {
        char paths[FILES_MAX][1024];
        const char *pp[FILES_MAX];
        for (size_t f = 0; f < ws[w].n_files; f++) {
            sc_bench_shared(ws[w].rel[f], paths[f], sizeof(paths[f]));
            pp[f] = paths[f];
        }
        sc_replay *rp = NULL;
        sc_replay_config cfg;
        memset(&cfg, 0, sizeof(cfg));
        cfg.ins = sc_instrument_find("usdm:BTCUSDT");
        sc_replay_create(&cfg, &rp);
        sc_capture_reader *rd = NULL;
        sc_capture_reader_config rc = {0};
        sc_errinfo ei;
        sc_capture_reader_open(&rc, pp, ws[w].n_files, &rd, &ei);
        sc_capture_line ln;
        while (sc_capture_reader_next(rd, &ln, &ei) != SC_ERR_EOF) {
            sc_replay_on_message(rp, ln.ts_local_ns, ln.json, ln.json_len, ln.path, ln.line_no);
        }
        sc_replay_finish(rp);
        sc_capture_reader_close(rd);
        sc_replay_destroy(rp);
    }
    return secs_since(t0);
}

static double best_of(double (*fn)(window *, size_t), window *ws, size_t nw) {
    double best = 1e30;
    for (int r = 0; r < RUNS; r++) {
        double s = fn(ws, nw);
        best = s < best ? s : best;
    }
    return best;
}

int main(void) {
    sc_bench_print_machine();
    window ws[WINDOWS];
    size_t msgs = 0;
    size_t bytes = 0;
    for (int w = 0; w < WINDOWS; w++) {
        if (load_window(&ws[w], w) != 0) {
            printf("bench_replay: skipped: the USD-M captures under %s are absent\n",
                   SC_SHARED_DATA_DIR);
            return 0;
        }
        msgs += ws[w].n;
        bytes += ws[w].bytes;
    }
    printf("input: %zu messages, %.1f MB of JSON lines (5 USD-M files, 3 windows)\n", msgs,
           (double)bytes / 1e6);
    double dec = best_of(run_decoder, ws, WINDOWS);
    printf("decoder alone:          %8.0f MB/s  %10.0f messages/s\n", (double)bytes / dec / 1e6,
           (double)msgs / dec);
    double js = best_of(run_jansson, ws, WINDOWS);
    printf("jansson parse only:     %8.0f MB/s  %10.0f messages/s  (yardstick)\n",
           (double)bytes / js / 1e6, (double)msgs / js);
    double rep = 1e30;
    uint64_t checked = 0;
    for (int r = 0; r < RUNS; r++) {
        double s = run_replay(ws, WINDOWS, &checked);
        rep = s < rep ? s : rep;
    }
    double rate = (double)msgs / rep;
    printf("full replay in memory:  %8.0f MB/s  %10.0f messages/s  (%.1fx jansson; %llu BBO "
           "checks)\n",
           (double)bytes / rep / 1e6, rate, js / rep, (unsigned long long)checked);
    printf("  targets: >= 2,000,000 messages/s: %s; >= 5x jansson: %s\n",
           rate >= 2e6 ? "met" : "NOT met", js / rep >= 5.0 ? "met" : "NOT met");
    double ff = best_of(run_from_files, ws, WINDOWS);
    printf("replay from .zst files: %8.0f MB/s  %10.0f messages/s  (one thread, zstd included)\n",
           (double)bytes / ff / 1e6, (double)msgs / ff);
    for (int w = 0; w < WINDOWS; w++) {
        free(ws[w].lines);
        for (size_t f = 0; f < ws[w].n_files; f++) {
            free(ws[w].bufs[f]);
        }
    }
    return 0;
}
