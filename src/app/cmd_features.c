/* scalper features: one CSV row of features per closed candle, from kline
 * CSVs or captures. The reading, the output file, the clock and the
 * progress bar live here; the candles and features are the engine's
 * (engine/feature_row.h, engine/capture_bars.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/cli.h"
#include "app/input.h"
#include "app/progress.h"
#include "app/text_file.h"
#include "core/assert.h"
#include "engine/capture_bars.h"
#include "engine/feature_row.h"
#include "market/candles.h"
#include "market/capture.h"
#include "market/klines_csv.h"
#include "strategy/smc.h"

enum {
    PROBLEMS_SHOWN = 20,   /* bad input lines printed (all are counted) */
    PROGRESS_EVERY = 4096, /* rows or lines between progress updates */
    PATH_TEXT_MAX = 4096,  /* longest --out path */
    DUR_TEXT_MAX = 24      /* "15m" */
};

typedef struct {
    const char **files;
    size_t n_files;
    const char *out_path; /* NULL: stdout */
    sc_ns tf_ns;
    sc_ns interval_ns;        /* kline input: 0 = recognise from the rows */
    const sc_instrument *ins; /* NULL: recognise from the data */
    bool quiet;
    bool smc; /* --smc: SMC pattern counts on stderr at the end */
    sc_input_kind kind;
} opts;

typedef struct {
    FILE *f;
    bool to_stdout;
    const char *path;
    char tmp[PATH_TEXT_MAX + 32];
    bool failed;
} out_file;

typedef struct {
    const opts *o;
    out_file out;
    sc_feature_pipeline *pl;
    sc_feature_row row;
    char line[SC_FEATURE_LINE_MAX];
    uint64_t rows;
    uint64_t bad; /* problems with the input (bad lines, refused candles) */
    uint64_t missing_inside_rows;
    uint64_t rows_without_book; /* captures: rows whose book columns are empty */
    sc_progress *pg;
    sc_params smc_params; /* --smc: compiled defaults */
    sc_smc *smc;          /* --smc: NULL otherwise */
} run;

/* Kline input: totals over the files. */
typedef struct {
    bool has_last;
    sc_ns last_open_ns;
    int64_t rows_in;
    int64_t missing; /* input intervals missing, within and between files */
    int64_t gaps;
    uint64_t lines_before; /* lines of the files already read (progress) */
    uint64_t truncated;
    sc_ns truncated_open_ns;
} kline_totals;

/* ---- text helpers ------------------------------------------------------- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* "1s", "5m", "1h", "1d": the largest unit that divides it. */
static const char *dur_text(sc_ns d, char *buf, size_t cap) {
    static const struct {
        sc_ns ns;
        char unit;
    } k_units[] = {{SC_NS_PER_DAY, 'd'}, {3600 * SC_NS_PER_S, 'h'}, {SC_NS_PER_MIN, 'm'}};
    for (size_t i = 0; i < sizeof(k_units) / sizeof(k_units[0]); i++) {
        if (d % k_units[i].ns == 0) {
            snprintf(buf, cap, "%lld%c", (long long)(d / k_units[i].ns), k_units[i].unit);
            return buf;
        }
    }
    snprintf(buf, cap, "%llds", (long long)(d / SC_NS_PER_S));
    return buf;
}

static void problem(run *r, const sc_errinfo *ei) {
    r->bad++;
    if (r->bad <= PROBLEMS_SHOWN) {
        sc_input_report("features", ei);
    }
}

/* ---- help ----------------------------------------------------------------- */

/* Writes text wrapped at `width` columns, continuation lines indented. */
static void print_wrapped(FILE *f, const char *text, int indent, int width) {
    int col = indent;
    const char *p = text;
    while (*p != '\0') {
        const char *sp = strchr(p, ' ');
        int wlen = sp ? (int)(sp - p) : (int)strlen(p);
        if (col > indent && col + 1 + wlen > width) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", wlen, p);
        col += wlen;
        p += wlen;
        while (*p == ' ') {
            p++;
        }
    }
    fputc('\n', f);
}

static void print_columns(FILE *f, sc_feature_set set) {
    enum { NAME_W = 22, UNIT_W = 8, WIDTH = 100 };
    for (uint32_t i = 0; i < SC_FEATURE_COUNT; i++) {
        const sc_feature_column *c = sc_feature_column_at(i);
        if (c->set != set) {
            continue;
        }
        fprintf(f, "  %-*s %-*s ", NAME_W, c->name, UNIT_W, c->unit);
        print_wrapped(f, c->definition, 2 + NAME_W + 1 + UNIT_W + 1, WIDTH);
    }
}

static void usage(FILE *f) {
    fprintf(
        f,
        "usage: scalper features [OPTIONS] --input FILE... [--timeframe 1m] [--out FILE.csv]\n\n"
        "Reads kline CSVs or captures (several files are one continuous stream, in the order\n"
        "given, all of one kind) and writes one CSV row per closed candle: the candle, then\n"
        "every feature. A file whose first non-blank line is '<integer> {' is a capture\n"
        "(candles from its trades, plus the order book at each close); any other is a kline\n"
        "CSV (data.binance.vision or a header naming the columns; plain or zstd).\n\n"
        "options:\n"
        "  --input FILE...       input files (also accepted without --input)\n"
        "  --timeframe TF        1m (default), 5m, 15m, 1h; 1s for captures. Kline input is\n"
        "                        merged up from its own interval; a finer timeframe is refused\n"
        "  --out FILE            write here (default: stdout). Written to a temporary file that\n"
        "                        is renamed at the end: a failed run leaves no FILE behind\n"
        "  --instrument NAME     usdm:BTCUSDT, spot:BTCUSDT or coinm:BTCUSD_PERP. Default:\n"
        "                        captures: recognised from the messages; kline CSVs:\n"
        "                        usdm:BTCUSDT (0.1 tick, 0.001 step; Bybit linear too) unless\n"
        "                        the first rows are off that grid, then spot:BTCUSDT\n"
        "  --input-interval D    interval of the kline rows, e.g. 1m (default: recognised\n"
        "                        from the first rows)\n"
        "  --smc                 also run the SMC detector (compiled smc.* defaults) on the\n"
        "                        output candles and print its pattern counts, per kind and\n"
        "                        direction, to stderr at the end (the CSV is unchanged)\n"
        "  --quiet               no progress bar\n"
        "  -h, --help            this text\n\n");
    fprintf(
        f,
        "output: a header row, then one row per candle, oldest first. Empty cell = no value\n"
        "(warming up, or not defined for that candle), never 0. Prices and quantities marked\n"
        "exact are decimal strings on the instrument's grid; other numbers have 10\n"
        "significant digits. Missing candles are never invented: gap_before says how many\n"
        "buckets are missing before a row, and stderr sums them. Indicators run over the rows\n"
        "as they come (a gap neither fills nor resets them). Partial candles (a capture that\n"
        "starts or ends inside one; kline input that ends inside the last one) are not written.\n\n"
        "columns (name, unit, definition):\n");
    print_columns(f, SC_FEATURE_SET_BASE);
    fprintf(f, "\ncaptures only: the order book at the candle's close (after every message\n"
               "stamped before the close, before the first one at or after it), empty while the\n"
               "book is not in sync:\n");
    print_columns(f, SC_FEATURE_SET_BOOK);
    fprintf(f, "\nexit status: 0 success; 2 bad usage (also: files of both kinds); 3 input\n"
               "unreadable or malformed (every problem is reported as file:line: field: expected\n"
               "..., got ...; no output file is left), or the output could not be written.\n");
}

/* ---- options -------------------------------------------------------------- */

/* One option at argv[*i]; -1 after --help, else 0 or an exit code. */
static int parse_one(int argc, char **argv, int *i, opts *o) {
    const char *a = argv[*i];
    bool has_val = *i + 1 < argc;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        usage(stdout);
        return -1;
    }
    if (strcmp(a, "--quiet") == 0) {
        o->quiet = true;
        return 0;
    }
    if (strcmp(a, "--smc") == 0) {
        o->smc = true;
        return 0;
    }
    if (strcmp(a, "--input") == 0) {
        if (sc_input_take_files(argc, argv, i, o->files, &o->n_files)) {
            return 0;
        }
    } else if (strcmp(a, "--out") == 0 && has_val) {
        const char *v = argv[++*i];
        o->out_path = strcmp(v, "-") == 0 ? NULL : v;
        if (o->out_path != NULL && strlen(o->out_path) >= PATH_TEXT_MAX) {
            fprintf(stderr, "scalper features: --out: path longer than %d bytes\n", PATH_TEXT_MAX);
            return SC_EXIT_USAGE;
        }
        return 0;
    } else if (strcmp(a, "--timeframe") == 0 && has_val) {
        return sc_input_parse_timeframe("features", argv[++*i], &o->tf_ns, NULL);
    } else if (strcmp(a, "--instrument") == 0 && has_val) {
        return sc_input_parse_instrument("features", argv[++*i], &o->ins);
    } else if (strcmp(a, "--input-interval") == 0 && has_val) {
        const char *v = argv[++*i];
        if (strcmp(v, "auto") == 0) {
            o->interval_ns = 0;
            return 0;
        }
        if (sc_input_parse_dur(v, &o->interval_ns) == 0) {
            return 0;
        }
        fprintf(stderr, "scalper features: --input-interval: expected e.g. 1m, 5m, 1h, got '%s'\n",
                v);
        return SC_EXIT_USAGE;
    } else if (sc_input_is_file_arg(a)) {
        o->files[o->n_files++] = a;
        return 0;
    }
    fprintf(stderr, "scalper features: unknown or incomplete option '%s'\n", a);
    return SC_EXIT_USAGE;
}

static int parse_opts(int argc, char **argv, opts *o) {
    memset(o, 0, sizeof(*o));
    o->tf_ns = SC_NS_PER_MIN;
    o->files = calloc((size_t)argc, sizeof(char *));
    if (o->files == NULL) {
        return SC_EXIT_INTERNAL;
    }
    for (int i = 1; i < argc; i++) {
        int rc = parse_one(argc, argv, &i, o);
        if (rc != 0) {
            return rc;
        }
    }
    if (o->n_files == 0) {
        fprintf(stderr, "scalper features: no input file (--input FILE...)\n\n");
        usage(stderr);
        return SC_EXIT_USAGE;
    }
    return 0;
}

/* ---- what the input is ---------------------------------------------------- */

static const char *kind_name(sc_input_kind k) {
    return k == SC_INPUT_CAPTURE ? "capture" : "kline CSV";
}

static int detect_kinds(opts *o) {
    sc_input_kinds ks;
    sc_input_detect_kinds(o->files, o->n_files, &ks);
    switch (ks.outcome) {
    case SC_INPUT_KINDS_OK:
        o->kind = ks.kind;
        return 0;
    case SC_INPUT_KINDS_EMPTY:
        fprintf(stderr, "scalper features: %s: empty file (no line with data)\n", o->files[ks.at]);
        return SC_EXIT_INPUT;
    case SC_INPUT_KINDS_UNREADABLE:
        sc_input_report("features", &ks.err);
        return SC_EXIT_INPUT;
    case SC_INPUT_KINDS_MIXED:
        break;
    }
    fprintf(stderr,
            "scalper features: %s is a %s but %s is a %s; the files are one stream, "
            "so give files of one kind\n",
            o->files[0], kind_name(ks.kind), o->files[ks.at], kind_name(ks.other_kind));
    return SC_EXIT_USAGE;
}

/* ---- kline input: interval and grid --------------------------------------- */

static int report_probe_failure(const sc_input_probe *pr) {
    sc_input_report("features", &pr->first_err);
    return SC_EXIT_INPUT;
}

/* The interval whose reading of the first rows is clean and whose step
 * between rows is the interval itself (read on the finest grid, spot's, so
 * the grid cannot get in the way). */
static int choose_interval(opts *o) {
    static const sc_ns k_candidates[] = {
        SC_NS_PER_MIN,       SC_NS_PER_S,         3 * SC_NS_PER_MIN,   5 * SC_NS_PER_MIN,
        15 * SC_NS_PER_MIN,  30 * SC_NS_PER_MIN,  60 * SC_NS_PER_MIN,  120 * SC_NS_PER_MIN,
        240 * SC_NS_PER_MIN, 360 * SC_NS_PER_MIN, 480 * SC_NS_PER_MIN, 720 * SC_NS_PER_MIN,
        SC_NS_PER_DAY};
    char d[DUR_TEXT_MAX];
    if (o->interval_ns != 0) {
        return 0;
    }
    sc_input_probe pr;
    if (sc_input_probe_interval(o->files[0], k_candidates,
                                sizeof(k_candidates) / sizeof(k_candidates[0]), &o->interval_ns,
                                &pr) != SC_OK) {
        return report_probe_failure(&pr);
    }
    if (o->interval_ns != 0) {
        fprintf(stderr,
                "features: kline interval %s (recognised from the first rows; "
                "--input-interval to override)\n",
                dur_text(o->interval_ns, d, sizeof(d)));
        return 0;
    }
    o->interval_ns = SC_NS_PER_MIN;
    fprintf(stderr,
            "features: cannot tell the kline interval from the first rows of %s; assuming 1m "
            "(--input-interval to set it)\n",
            o->files[0]);
    return 0;
}

/* usdm:BTCUSDT unless the first rows of a file are off its grid. */
static int choose_kline_instrument(opts *o) {
    if (o->ins != NULL) {
        return 0;
    }
    const sc_instrument *usdm = sc_instrument_find("usdm:BTCUSDT");
    int64_t rows = 0;
    for (size_t i = 0; i < o->n_files; i++) {
        sc_input_probe pr;
        sc_err e =
            sc_input_probe_file(o->files[i], usdm, o->interval_ns, SC_INPUT_PROBE_GRID_ROWS, &pr);
        if (e != SC_OK) {
            return report_probe_failure(&pr);
        }
        if (pr.precision) {
            char buf[SC_INPUT_ERR_TEXT_MAX];
            o->ins = sc_instrument_find("spot:BTCUSDT");
            fprintf(stderr,
                    "features: instrument spot:BTCUSDT (auto: values off the usdm:BTCUSDT grid, "
                    "e.g. %s; --instrument to override)\n",
                    sc_errinfo_format(&pr.first_err, buf, sizeof(buf)));
            return 0;
        }
        rows += pr.ok;
    }
    o->ins = usdm;
    fprintf(stderr, "features: instrument usdm:BTCUSDT (auto: %s; --instrument to override)\n",
            rows > 0 ? "the first rows are on its 0.1 tick and 0.001 step"
                     : "no row to tell from, so the default");
    return 0;
}

static int prepare_klines(opts *o) {
    int rc = choose_interval(o);
    if (rc == 0) {
        rc = choose_kline_instrument(o);
    }
    if (rc != 0) {
        return rc;
    }
    char tf[DUR_TEXT_MAX];
    char iv[DUR_TEXT_MAX];
    dur_text(o->tf_ns, tf, sizeof(tf));
    dur_text(o->interval_ns, iv, sizeof(iv));
    if (o->tf_ns < o->interval_ns || o->tf_ns % o->interval_ns != 0) {
        fprintf(stderr,
                "scalper features: --timeframe %s: the input is %s klines; the timeframe must be "
                "%s or a multiple of it (candles are merged up, never split)\n",
                tf, iv, iv);
        return SC_EXIT_USAGE;
    }
    return 0;
}

/* Reads the first lines of the first capture to recognise the instrument. */
static int prepare_capture(opts *o) {
    if (o->ins != NULL) {
        return 0;
    }
    int rc = sc_input_capture_instrument("features", o->files, &o->ins);
    if (rc != 0) {
        return rc;
    }
    fprintf(stderr, "features: instrument %s (recognised from the messages)\n", o->ins->name);
    return 0;
}

/* ---- output ----------------------------------------------------------------- */

static int out_open(out_file *of, const char *path) {
    memset(of, 0, sizeof(*of));
    if (path == NULL) {
        of->f = stdout;
        of->to_stdout = true;
        return 0;
    }
    of->path = path;
    snprintf(of->tmp, sizeof(of->tmp), "%s.partial-XXXXXX", path);
    int fd = mkstemp(of->tmp);
    if (fd < 0) {
        fprintf(stderr, "scalper features: cannot create %s: %s\n", of->tmp, strerror(errno));
        return SC_EXIT_INPUT;
    }
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, (mode_t)(0666 & ~mask)); /* as a plain fopen would have made it */
    of->f = fdopen(fd, "w");
    if (of->f == NULL) {
        close(fd);
        unlink(of->tmp);
        fprintf(stderr, "scalper features: cannot write %s: %s\n", of->tmp, strerror(errno));
        return SC_EXIT_INPUT;
    }
    return 0;
}

static void out_write(out_file *of, const char *s, size_t n) {
    if (!of->failed && fwrite(s, 1, n, of->f) != n) {
        of->failed = true;
    }
}

/* Makes the output final: flushed, synced, renamed into place. */
static int out_commit(out_file *of) {
    if (of->to_stdout) {
        return fflush(stdout) == 0 && !of->failed ? 0 : SC_EXIT_INPUT;
    }
    bool ok = !of->failed && fflush(of->f) == 0 && fsync(fileno(of->f)) == 0;
    ok = fclose(of->f) == 0 && ok;
    of->f = NULL;
    if (ok && rename(of->tmp, of->path) == 0) {
        return 0;
    }
    fprintf(stderr, "scalper features: cannot write %s: %s\n", of->path, strerror(errno));
    unlink(of->tmp);
    return SC_EXIT_INPUT;
}

/* A failed run: the partial output is removed (stdout cannot be). */
static void out_abort(out_file *of) {
    if (of->to_stdout) {
        fflush(stdout);
        return;
    }
    if (of->f != NULL) {
        fclose(of->f);
        of->f = NULL;
    }
    unlink(of->tmp);
}

static int start_pipeline(run *r, bool with_book) {
    sc_feature_pipeline_config pc = {r->o->ins, r->o->tf_ns, with_book};
    if (sc_feature_pipeline_create(&pc, &r->pl) != SC_OK) {
        fprintf(stderr, "scalper features: out of memory\n");
        return SC_EXIT_INTERNAL;
    }
    char header[SC_FEATURE_HEADER_MAX];
    int n = sc_feature_pipeline_header(r->pl, header, sizeof(header));
    if (n <= 0) {
        return SC_EXIT_INTERNAL;
    }
    out_write(&r->out, header, (size_t)n);
    return 0;
}

/* One closed candle to one row. source:line name the input that closed it. */
static void emit(run *r, const sc_candle *k, const sc_feature_book *book, const char *source,
                 int64_t line) {
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    if (sc_feature_pipeline_on_candle(r->pl, k, book, &r->row, &ei) != SC_OK) {
        ei.source = source;
        ei.line = line;
        problem(r, &ei);
        return;
    }
    int n = sc_feature_pipeline_format(r->pl, &r->row, r->line, sizeof(r->line));
    if (n <= 0) {
        fprintf(stderr, "scalper features: internal error: a row did not fit\n");
        r->out.failed = true;
        return;
    }
    out_write(&r->out, r->line, (size_t)n);
    if (r->smc != NULL) {
        sc_err se = sc_smc_on_candle(r->smc, k); /* the pipeline took it: SMC's checks pass */
        SC_ASSERT(se == SC_OK);
    }
    r->rows++;
    r->missing_inside_rows += k->missing_parts > 0 ? 1 : 0;
    r->rows_without_book += book != NULL && !book->top_ok ? 1 : 0;
}

/* ---- kline input -------------------------------------------------------- */

static void drain_candles(run *r, sc_candles *agg, kline_totals *kt, const char *source,
                          int64_t line) {
    sc_candle c;
    while (sc_candles_next(agg, &c)) {
        if (c.truncated) {
            kt->truncated++;
            kt->truncated_open_ns = c.open_ns;
            continue;
        }
        emit(r, &c, NULL, source, line);
    }
}

/* One good kline row: continuity across files, then the aggregator.
 * False when it was refused. */
static bool kline_take(run *r, sc_candles *agg, const char *path, int64_t line, const sc_candle *k,
                       bool first_of_file, kline_totals *kt) {
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    ei.source = path;
    ei.line = line;
    if (kt->has_last && k->open_ns <= kt->last_open_ns) {
        char want[96];
        char t1[40];
        char t2[40];
        snprintf(want, sizeof(want), "after %s (the previous file's last candle)",
                 sc_ns_format_utc(kt->last_open_ns, t1, sizeof(t1)));
        sc_ns_format_utc(k->open_ns, t2, sizeof(t2));
        sc_errinfo_set(&ei, "open_time", want, t2, strlen(t2));
        problem(r, &ei);
        return false;
    }
    if (kt->has_last && first_of_file) {
        int64_t miss = (k->open_ns - kt->last_open_ns) / r->o->interval_ns - 1;
        kt->missing += miss;
        kt->gaps += miss > 0 ? 1 : 0;
    }
    kt->has_last = true;
    kt->last_open_ns = k->open_ns;
    sc_err e = sc_candles_on_candle(agg, k);
    if (e != SC_OK) {
        const char *why = sc_err_str(e);
        sc_errinfo_set(&ei, "kline", "a kline the candle aggregator accepts", why, strlen(why));
        problem(r, &ei);
        return false;
    }
    drain_candles(r, agg, kt, path, line);
    return true;
}

static int klines_file(run *r, sc_candles *agg, size_t fi, kline_totals *kt) {
    const char *path = r->o->files[fi];
    sc_klines_csv_config cfg = {r->o->ins, r->o->interval_ns, 0};
    sc_klines_csv *rd = NULL;
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    if (sc_klines_csv_open(&cfg, path, &rd, &ei) != SC_OK) {
        ei.source = path;
        problem(r, &ei);
        return SC_EXIT_INPUT;
    }
    int rc = 0;
    bool first = true;
    sc_klines_csv_stats st;
    for (uint64_t n = 1;; n++) {
        sc_candle k;
        sc_err e = sc_klines_csv_next(rd, &k, &ei);
        if (e == SC_ERR_EOF) {
            break;
        }
        if (e != SC_OK) {
            problem(r, &ei);
            if (e == SC_ERR_IO || e == SC_ERR_COMPRESSION) {
                rc = SC_EXIT_INPUT;
                break;
            }
            continue;
        }
        sc_klines_csv_get_stats(rd, &st);
        if (kline_take(r, agg, path, st.lines, &k, first, kt)) {
            first = false;
        }
        if (n % PROGRESS_EVERY == 0) {
            sc_progress_update(r->pg, kt->lines_before + (uint64_t)st.lines);
        }
    }
    sc_klines_csv_get_stats(rd, &st);
    kt->rows_in += st.rows;
    kt->missing += st.missing;
    kt->gaps += st.gaps;
    kt->lines_before += (uint64_t)st.lines;
    sc_klines_csv_close(rd);
    return rc;
}

/* Lines of every input, for the progress bar; 0 (no bar) off a terminal. */
static uint64_t progress_total_lines(const opts *o) {
    if (o->quiet || !isatty(STDERR_FILENO)) {
        return 0;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < o->n_files; i++) {
        uint64_t n = 0;
        sc_errinfo ei;
        sc_errinfo_clear(&ei);
        if (sc_text_count_lines(o->files[i], &n, &ei) != SC_OK) {
            return 0; /* the real read reports it */
        }
        total += n;
    }
    return total;
}

/* "minutes" for 1m klines, "5m intervals" otherwise. */
static const char *missing_unit(sc_ns iv, char *buf, size_t cap) {
    char d[DUR_TEXT_MAX];
    if (iv == SC_NS_PER_S || iv == SC_NS_PER_MIN || iv == 3600 * SC_NS_PER_S) {
        snprintf(buf, cap, "%s",
                 iv == SC_NS_PER_S     ? "seconds"
                 : iv == SC_NS_PER_MIN ? "minutes"
                                       : "hours");
    } else {
        snprintf(buf, cap, "%s intervals", dur_text(iv, d, sizeof(d)));
    }
    return buf;
}

static void summary_klines(const run *r, const kline_totals *kt) {
    const opts *o = r->o;
    char iv[DUR_TEXT_MAX];
    char tf[DUR_TEXT_MAX];
    char unit[DUR_TEXT_MAX + 16];
    char when[40];
    dur_text(o->interval_ns, iv, sizeof(iv));
    dur_text(o->tf_ns, tf, sizeof(tf));
    missing_unit(o->interval_ns, unit, sizeof(unit));
    fprintf(stderr, "features: input: %zu kline file%s of %s rows, %lld rows read (%s)\n",
            o->n_files, o->n_files == 1 ? "" : "s", iv, (long long)kt->rows_in, o->ins->name);
    if (kt->missing == 0) {
        fprintf(stderr, "features: no missing %s\n", unit);
    } else {
        fprintf(stderr,
                "features: %lld missing %s in %lld gap%s (no candles invented; gap_before says "
                "where)\n",
                (long long)kt->missing, unit, (long long)kt->gaps, kt->gaps == 1 ? "" : "s");
    }
    if (r->missing_inside_rows > 0) {
        fprintf(stderr,
                "features: %llu %s candle%s built from fewer %s than the bucket holds "
                "(missing_inside > 0)\n",
                (unsigned long long)r->missing_inside_rows, tf,
                r->missing_inside_rows == 1 ? " is" : "s are", unit);
    }
    if (kt->truncated > 0) {
        fprintf(stderr,
                "features: the last %s candle (opening %s) is cut by the end of the input: not "
                "written\n",
                tf, sc_ns_format_utc(kt->truncated_open_ns, when, sizeof(when)));
    }
}

static int run_klines(run *r) {
    const opts *o = r->o;
    sc_candles_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.ins = o->ins;
    cc.source = SC_CANDLES_FROM_KLINES;
    cc.kline_tf_ns = o->interval_ns;
    cc.n_tf = 1;
    cc.tf_ns[0] = o->tf_ns;
    sc_candles *agg = NULL;
    if (sc_candles_create(&cc, &agg) != SC_OK) {
        fprintf(stderr, "scalper features: out of memory\n");
        return SC_EXIT_INTERNAL;
    }
    int rc = start_pipeline(r, false);
    kline_totals kt;
    memset(&kt, 0, sizeof(kt));
    r->pg = sc_progress_create("features", progress_total_lines(o), !o->quiet);
    for (size_t i = 0; i < o->n_files && rc == 0; i++) {
        rc = klines_file(r, agg, i, &kt);
    }
    if (rc == 0 && sc_candles_flush(agg) == SC_OK) {
        drain_candles(r, agg, &kt, o->files[o->n_files - 1], 0);
    }
    sc_progress_done(r->pg);
    summary_klines(r, &kt);
    sc_candles_destroy(agg);
    return rc;
}

/* ---- capture input ---------------------------------------------------------- */

static void capture_bar(void *ctx, const sc_capture_bar *bar, const char *source, int64_t line) {
    emit(ctx, &bar->candle, &bar->book, source, line);
}

static void capture_problem(void *ctx, const sc_errinfo *ei) {
    problem(ctx, ei);
}

static void summary_capture(const run *r, const sc_capture_bars_stats *st) {
    const opts *o = r->o;
    char tf[DUR_TEXT_MAX];
    dur_text(o->tf_ns, tf, sizeof(tf));
    fprintf(stderr,
            "features: input: %zu capture file%s, %llu messages (%llu of streams not used), "
            "%llu trades (%s)\n",
            o->n_files, o->n_files == 1 ? "" : "s", (unsigned long long)st->messages,
            (unsigned long long)st->unknown, (unsigned long long)st->trades, o->ins->name);
    if (st->trades_other_kind > 0 || st->trades_late > 0) {
        fprintf(stderr,
                "features: trades not used: %llu of the second trade stream (trade and aggTrade "
                "both present; the first kind seen is used), %llu late (their candle had "
                "closed)\n",
                (unsigned long long)st->trades_other_kind, (unsigned long long)st->trades_late);
    }
    if (st->trades_not_market > 0) {
        fprintf(stderr,
                "features: %llu insurance-fund or ADL fill%s left out of the candles (they print "
                "at a liquidation's bankruptcy price, not the market's)\n",
                (unsigned long long)st->trades_not_market, st->trades_not_market == 1 ? "" : "s");
    }
    if (st->empty_buckets == 0) {
        fprintf(stderr, "features: no %s bucket without trades\n", tf);
    } else {
        fprintf(stderr,
                "features: %llu %s buckets without trades in %llu gap%s (no candles invented; "
                "gap_before says where)\n",
                (unsigned long long)st->empty_buckets, tf, (unsigned long long)st->empty_runs,
                st->empty_runs == 1 ? "" : "s");
    }
    fprintf(stderr,
            "features: partial candles not written: %llu at the start (the capture begins "
            "inside it), %llu at the end (it stops inside it)\n",
            (unsigned long long)st->dropped_first, (unsigned long long)st->dropped_last);
    fprintf(stderr,
            "features: book: snapshots applied %llu, resyncs %llu, sequence gaps %llu; %llu rows "
            "with empty book columns (book not in sync at their close, or no sample)\n",
            (unsigned long long)st->book.snapshots_applied, (unsigned long long)st->book.resyncs,
            (unsigned long long)st->book.gaps, (unsigned long long)r->rows_without_book);
}

static int run_capture(run *r) {
    const opts *o = r->o;
    sc_capture_reader *rd = NULL;
    sc_capture_bars *cb = NULL;
    sc_capture_reader_config rcfg = {0};
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    if (sc_capture_reader_open(&rcfg, o->files, o->n_files, &rd, &ei) != SC_OK) {
        problem(r, &ei);
        return SC_EXIT_INPUT;
    }
    sc_capture_bars_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = o->ins;
    cfg.tf_ns = o->tf_ns;
    int rc =
        sc_capture_bars_create(&cfg, &cb) == SC_OK ? start_pipeline(r, true) : SC_EXIT_INTERNAL;
    if (rc == 0) {
        r->pg = sc_progress_create("features", sc_capture_reader_bytes_total(rd), !o->quiet);
        sc_input_capture_sink sink = {r, capture_bar, capture_problem, r->pg};
        rc = sc_input_capture_feed(rd, cb, o->files[0], &sink);
        sc_progress_done(r->pg);
        sc_capture_bars_stats st;
        sc_capture_bars_get_stats(cb, &st);
        summary_capture(r, &st);
    }
    sc_capture_bars_destroy(cb);
    sc_capture_reader_close(rd);
    return rc;
}

/* ---- the command ------------------------------------------------------------ */

static int finish_run(run *r, int rc, double secs) {
    if (rc == 0 && r->bad > 0) {
        rc = SC_EXIT_INPUT;
    }
    if (rc == 0 && r->out.failed) {
        fprintf(stderr, "scalper features: writing the output failed: %s\n", strerror(errno));
        rc = SC_EXIT_INPUT;
    }
    if (rc == 0) {
        rc = out_commit(&r->out);
    } else if (r->out.f != NULL) {
        out_abort(&r->out);
    }
    if (r->bad > 0) {
        char shown[64];
        snprintf(shown, sizeof(shown),
                 r->bad > PROBLEMS_SHOWN ? "the first %d shown above" : "shown above",
                 PROBLEMS_SHOWN);
        fprintf(stderr, "scalper features: %llu problem%s with the input (%s); %s\n",
                (unsigned long long)r->bad, r->bad == 1 ? "" : "s", shown,
                r->out.to_stdout ? "the output is INCOMPLETE" : "no output file written");
    }
    if (rc == 0) {
        char tf[DUR_TEXT_MAX];
        fprintf(stderr, "features: wrote %llu rows x %u columns of %s candles to %s in %.3f s\n",
                (unsigned long long)r->rows, sc_feature_pipeline_columns(r->pl),
                dur_text(r->o->tf_ns, tf, sizeof(tf)), r->out.to_stdout ? "stdout" : r->out.path,
                secs);
    }
    return rc;
}

/* ---- --smc ------------------------------------------------------------------ */

static int smc_start(run *r) {
    sc_params_defaults(&r->smc_params);
    sc_smc_config cfg = {&r->smc_params, r->o->ins, 0, false};
    return sc_smc_create(&cfg, &r->smc) == SC_OK ? 0 : -1;
}

/* "features: smc: bos 12 (bullish 7, bearish 5), ..." one line per kind. */
static void smc_report(const run *r) {
    if (r->smc == NULL) {
        return;
    }
    sc_smc_counters c;
    sc_smc_get_counters(r->smc, &c);
    fprintf(stderr,
            "features: smc patterns over %llu candles (smc.swing_n %lld, compiled "
            "defaults):\n",
            (unsigned long long)c.candles,
            (long long)sc_params_get_int(&r->smc_params, SC_P_SMC_SWING_N));
    for (int k = 0; k < SC_SMC_KIND_COUNT; k++) {
        fprintf(stderr, "features: smc: %-12s %8llu (bullish %llu, bearish %llu)\n",
                sc_smc_kind_name((sc_smc_kind)k), (unsigned long long)c.events[k],
                (unsigned long long)c.bullish[k], (unsigned long long)c.bearish[k]);
    }
}

int sc_cmd_features(int argc, char **argv) {
    opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc == 0) {
        rc = detect_kinds(&o);
    }
    if (rc == 0) {
        rc = o.kind == SC_INPUT_CAPTURE ? prepare_capture(&o) : prepare_klines(&o);
    }
    run *r = rc == 0 ? calloc(1, sizeof(*r)) : NULL;
    if (rc != 0 || r == NULL) {
        free(o.files);
        return rc < 0 ? SC_EXIT_OK : rc != 0 ? rc : SC_EXIT_INTERNAL;
    }
    r->o = &o;
    if (o.smc && smc_start(r) != 0) {
        rc = SC_EXIT_INTERNAL;
    }
    double t0 = now_s();
    rc = rc == 0 ? out_open(&r->out, o.out_path) : rc;
    if (rc == 0) {
        rc = o.kind == SC_INPUT_CAPTURE ? run_capture(r) : run_klines(r);
        rc = finish_run(r, rc, now_s() - t0);
        smc_report(r);
    }
    sc_smc_destroy(r->smc);
    sc_progress_destroy(r->pg);
    sc_feature_pipeline_destroy(r->pl);
    free(r);
    free(o.files);
    return rc;
}
