/* scalper replay-check: replays captures through decoder, book and tape and
 * reports what it found. The file reading, the clock and the progress bar
 * live here; the per-message work is the engine's sc_replay. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/cli.h"
#include "app/progress.h"
#include "app/pump.h"
#include "app/replay_report.h"
#include "engine/replay.h"
#include "market/capture.h"
#include "market/decoder.h"

enum {
    SNIFF_LINES_MAX = 2000, /* lines read to recognise the instrument */
    PROBLEMS_SHOWN_DEFAULT = 10
};

typedef struct {
    const char **files;
    size_t n_files;
    bool json;
    bool quiet;
    uint32_t book_depth;
    uint32_t problems_shown;
    const sc_instrument *ins; /* NULL: recognise from the data */
} opts;

static void usage(FILE *f) {
    fprintf(f,
            "usage: scalper replay-check [OPTIONS] FILE...\n\n"
            "Replays capture files (one message per line: '<local time> <raw JSON>', plain or\n"
            "zstd; times in ns or us) through the decoder, the order book and the trade tape,\n"
            "as one continuous stream in the order given, and reports:\n"
            "  messages per type, snapshots, resyncs, sequence gaps, crossed-book events,\n"
            "  malformed lines, and BBO agreement: at every bookTicker whose u equals the u of\n"
            "  an applied depth update, the book's best bid and ask (price and quantity) must\n"
            "  equal the bookTicker's.\n\n"
            "options:\n"
            "  --json              one JSON object on one line on stdout\n"
            "  --book-depth N      add the top N levels of the final book (final_book)\n"
            "  --instrument NAME   usdm:BTCUSDT, spot:BTCUSDT or coinm:BTCUSD_PERP\n"
            "                      (default: recognised from the first messages)\n"
            "  --problems N        show at most N problem details (default 10; all are counted)\n"
            "  --quiet             no progress bar\n"
            "  -h, --help          this text\n\n"
            "exit status: 0 when there were no sequence gaps, no crossed book, no BBO mismatch\n"
            "and no malformed line; 1 when any of those occurred; 2 bad usage; 3 a file could\n"
            "not be read.\n");
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max) {
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int parse_opts(int argc, char **argv, opts *o) {
    memset(o, 0, sizeof(*o));
    o->problems_shown = PROBLEMS_SHOWN_DEFAULT;
    o->files = calloc((size_t)argc, sizeof(char *));
    if (o->files == NULL) {
        return SC_EXIT_INTERNAL;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else if (strcmp(a, "--book-depth") == 0 && has_val) {
            if (parse_u32(argv[++i], SC_BOOK_TOP_MAX, &o->book_depth) != 0) {
                fprintf(stderr, "scalper replay-check: --book-depth: expected 0..%d, got '%s'\n",
                        SC_BOOK_TOP_MAX, argv[i]);
                return SC_EXIT_USAGE;
            }
        } else if (strcmp(a, "--problems") == 0 && has_val) {
            if (parse_u32(argv[++i], SC_REPLAY_PROBLEMS_MAX, &o->problems_shown) != 0) {
                fprintf(stderr, "scalper replay-check: --problems: expected 0..%d, got '%s'\n",
                        SC_REPLAY_PROBLEMS_MAX, argv[i]);
                return SC_EXIT_USAGE;
            }
        } else if (strcmp(a, "--instrument") == 0 && has_val) {
            o->ins = sc_instrument_find(argv[++i]);
            if (o->ins == NULL && strcmp(argv[i], "auto") != 0) {
                fprintf(stderr,
                        "scalper replay-check: --instrument: expected usdm:BTCUSDT, "
                        "spot:BTCUSDT, coinm:BTCUSD_PERP or auto, got '%s'\n",
                        argv[i]);
                return SC_EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "scalper replay-check: unknown or incomplete option '%s'\n", a);
            return SC_EXIT_USAGE;
        } else {
            o->files[o->n_files++] = a;
        }
    }
    if (o->n_files == 0) {
        usage(stderr);
        return SC_EXIT_USAGE;
    }
    return 0;
}

/* Reads the first lines of the first file to recognise the instrument. */
static const sc_instrument *sniff(const opts *o) {
    sc_capture_reader *rd = NULL;
    sc_capture_reader_config rc = {0};
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    if (sc_capture_reader_open(&rc, o->files, 1, &rd, &ei) != SC_OK) {
        return NULL;
    }
    const sc_instrument *ins = NULL;
    sc_capture_line ln;
    for (int i = 0; i < SNIFF_LINES_MAX && ins == NULL; i++) {
        sc_err e = sc_capture_reader_next(rd, &ln, &ei);
        if (e == SC_ERR_EOF || e == SC_ERR_IO || e == SC_ERR_COMPRESSION) {
            break;
        }
        if (e == SC_OK) {
            ins = sc_decoder_sniff_instrument(ln.json, ln.json_len);
        }
    }
    sc_capture_reader_close(rd);
    return ins;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Feeds every line to the replay; returns SC_EXIT_INPUT when a file could
 * not be read to its end. Lines arrive from the pump's reader thread, in the
 * reader's order, so the result is the same as reading inline. */
static int feed(sc_replay *rp, sc_pump *pump, sc_progress *pg) {
    int rc = SC_EXIT_OK;
    sc_pump_item it;
    uint64_t n = 0;
    while (sc_pump_next(pump, &it) == SC_OK) {
        if (it.status == SC_OK) {
            sc_replay_on_message(rp, it.line.ts_local_ns, it.line.json, it.line.json_len,
                                 it.line.path, it.line.line_no);
        } else if (it.status == SC_ERR_PARSE || it.status == SC_ERR_LIMIT) {
            sc_replay_on_bad_line(rp, &it.err);
        } else {
            char buf[512];
            fprintf(stderr, "scalper replay-check: %s: %s\n", sc_err_str(it.status),
                    sc_errinfo_format(&it.err, buf, sizeof(buf)));
            rc = SC_EXIT_INPUT;
        }
        if ((++n & 0xFFFF) == 0) {
            sc_progress_update(pg, sc_pump_bytes_done(pump));
        }
    }
    sc_progress_done(pg);
    sc_replay_finish(rp);
    return rc;
}

int sc_cmd_replay_check(int argc, char **argv) {
    opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0) {
        free(o.files);
        return rc < 0 ? SC_EXIT_OK : rc;
    }
    sc_pump *pump = NULL;
    sc_replay *rp = NULL;
    sc_progress *pg = NULL;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    if (sc_pump_start(o.files, o.n_files, &pump, &ei) != SC_OK) {
        char buf[512];
        fprintf(stderr, "scalper replay-check: cannot read input: %s\n",
                sc_errinfo_format(&ei, buf, sizeof(buf)));
        free(o.files);
        return SC_EXIT_INPUT;
    }
    const sc_instrument *ins = o.ins ? o.ins : sniff(&o);
    if (ins == NULL) {
        fprintf(stderr,
                "scalper replay-check: cannot tell the instrument from %s; "
                "give --instrument\n",
                o.files[0]);
        rc = SC_EXIT_INPUT;
        goto done;
    }
    sc_replay_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = ins;
    if (sc_replay_create(&cfg, &rp) != SC_OK) {
        fprintf(stderr, "scalper replay-check: out of memory\n");
        rc = SC_EXIT_INTERNAL;
        goto done;
    }
    pg = sc_progress_create("replay", sc_pump_bytes_total(pump), !o.quiet);
    double t0 = now_s();
    rc = feed(rp, pump, pg);
    double secs = now_s() - t0;
    int found = sc_replay_report(rp, o.json, o.book_depth, o.problems_shown, o.n_files, secs);
    if (rc == SC_EXIT_OK) {
        rc = found;
    }
done:
    sc_progress_destroy(pg);
    sc_replay_destroy(rp);
    sc_pump_stop(pump);
    free(o.files);
    return rc;
}
