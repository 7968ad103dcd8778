/* The input decisions and reading that `scalper features` and `scalper
 * signals` share (see input.h). */
#include "app/input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "app/text_file.h"
#include "market/decoder.h"
#include "market/klines_csv.h"

void sc_input_report(const char *cmd, const sc_errinfo *err) {
    char buf[SC_INPUT_ERR_TEXT_MAX];
    fprintf(stderr, "scalper %s: %s\n", cmd, sc_errinfo_format(err, buf, sizeof(buf)));
}

int sc_input_parse_dur(const char *s, sc_ns *out) {
    char *end = NULL;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (errno != 0 || end == s || n <= 0 || n > 86400 || end[0] == '\0' || end[1] != '\0') {
        return -1;
    }
    sc_ns unit = end[0] == 's'   ? SC_NS_PER_S
                 : end[0] == 'm' ? SC_NS_PER_MIN
                 : end[0] == 'h' ? 3600 * SC_NS_PER_S
                 : end[0] == 'd' ? SC_NS_PER_DAY
                                 : 0;
    if (unit == 0 || (sc_ns)n * unit > SC_NS_PER_DAY) {
        return -1;
    }
    *out = (sc_ns)n * unit;
    return 0;
}

int sc_input_parse_timeframe(const char *cmd, const char *v, sc_ns *tf_ns, const char **tf_text) {
    static const char *const k_ok[] = {"1s", "1m", "5m", "15m", "1h"};
    for (size_t i = 0; i < sizeof(k_ok) / sizeof(k_ok[0]); i++) {
        if (strcmp(v, k_ok[i]) == 0 && sc_input_parse_dur(v, tf_ns) == 0) {
            if (tf_text != NULL) {
                *tf_text = k_ok[i];
            }
            return 0;
        }
    }
    fprintf(stderr, "scalper %s: --timeframe: expected 1m, 5m, 15m, 1h or 1s, got '%s'\n", cmd, v);
    return SC_EXIT_USAGE;
}

int sc_input_parse_instrument(const char *cmd, const char *v, const sc_instrument **ins) {
    *ins = sc_instrument_find(v);
    if (*ins == NULL && strcmp(v, "auto") != 0) {
        fprintf(stderr,
                "scalper %s: --instrument: expected usdm:BTCUSDT, spot:BTCUSDT, "
                "coinm:BTCUSD_PERP or auto, got '%s'\n",
                cmd, v);
        return SC_EXIT_USAGE;
    }
    return 0;
}

bool sc_input_is_file_arg(const char *arg) {
    return !(arg[0] == '-' && arg[1] != '\0');
}

bool sc_input_take_files(int argc, char **argv, int *i, const char **files, size_t *n_files) {
    int n = 0;
    while (*i + 1 < argc && sc_input_is_file_arg(argv[*i + 1])) {
        files[(*n_files)++] = argv[++*i];
        n++;
    }
    return n > 0;
}

static bool looks_like_capture(const char *line) {
    const char *p = line;
    if (*p < '0' || *p > '9') {
        return false;
    }
    while (*p >= '0' && *p <= '9') {
        p++;
    }
    if (*p != ' ' && *p != '\t') {
        return false;
    }
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    return *p == '{';
}

void sc_input_detect_kinds(const char *const *files, size_t n_files, sc_input_kinds *out) {
    memset(out, 0, sizeof(*out));
    sc_errinfo_clear(&out->err);
    for (size_t i = 0; i < n_files; i++) {
        char line[SC_INPUT_FIRST_LINE_MAX];
        int64_t line_no = 0;
        out->at = i;
        sc_err e = sc_text_first_line(files[i], line, sizeof(line), &line_no, &out->err);
        if (e != SC_OK) {
            out->outcome = e == SC_ERR_EMPTY ? SC_INPUT_KINDS_EMPTY : SC_INPUT_KINDS_UNREADABLE;
            return;
        }
        sc_input_kind k = looks_like_capture(line) ? SC_INPUT_CAPTURE : SC_INPUT_KLINES;
        if (i > 0 && k != out->kind) {
            out->other_kind = k;
            out->outcome = SC_INPUT_KINDS_MIXED;
            return;
        }
        out->kind = k;
    }
    out->at = 0;
}

sc_err sc_input_probe_file(const char *path, const sc_instrument *ins, sc_ns interval_ns,
                           int max_rows, sc_input_probe *pr) {
    memset(pr, 0, sizeof(*pr));
    sc_klines_csv_config cfg = {ins, interval_ns, 0};
    sc_klines_csv *rd = NULL;
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    sc_err e = sc_klines_csv_open(&cfg, path, &rd, &ei);
    if (e != SC_OK) {
        pr->first_err = ei;
        pr->first_err.source = path;
        return e;
    }
    bool has_last = false;
    sc_ns last = 0;
    for (int n = 0; n < max_rows; n++) {
        sc_candle k;
        e = sc_klines_csv_next(rd, &k, &ei);
        if (e == SC_ERR_EOF || e == SC_ERR_IO || e == SC_ERR_COMPRESSION) {
            break;
        }
        if (e != SC_OK) {
            pr->errors++;
            if (e == SC_ERR_PRECISION && !pr->precision) {
                pr->precision = true;
                pr->first_err = ei;
            }
            continue;
        }
        pr->ok++;
        if (has_last && (pr->min_step_ns == 0 || k.open_ns - last < pr->min_step_ns)) {
            pr->min_step_ns = k.open_ns - last;
        }
        has_last = true;
        last = k.open_ns;
        pr->has = pr->ok == 1 ? k.flags : pr->has & k.flags;
    }
    sc_klines_csv_close(rd);
    pr->first_err.source = path; /* the reader's copy of the path is gone */
    return e == SC_ERR_IO || e == SC_ERR_COMPRESSION ? e : SC_OK;
}

sc_err sc_input_probe_interval(const char *path, const sc_ns *candidates, size_t n,
                               sc_ns *interval_ns, sc_input_probe *pr) {
    /* Spot's grid is the finest, so the grid cannot get in the way. */
    const sc_instrument *finest = sc_instrument_find("spot:BTCUSDT");
    *interval_ns = 0;
    for (size_t i = 0; i < n; i++) {
        sc_err e =
            sc_input_probe_file(path, finest, candidates[i], SC_INPUT_PROBE_INTERVAL_ROWS, pr);
        if (e != SC_OK) {
            return e;
        }
        if (pr->ok > 0 && pr->errors < pr->ok &&
            (pr->ok == 1 || pr->min_step_ns == candidates[i])) {
            *interval_ns = candidates[i];
            return SC_OK;
        }
    }
    return SC_OK;
}

int sc_input_capture_instrument(const char *cmd, const char *const *files,
                                const sc_instrument **ins) {
    sc_capture_reader *rd = NULL;
    sc_capture_reader_config rc = {0};
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    *ins = NULL;
    if (sc_capture_reader_open(&rc, files, 1, &rd, &ei) == SC_OK) {
        sc_capture_line ln;
        for (int i = 0; i < SC_INPUT_SNIFF_LINES_MAX && *ins == NULL; i++) {
            sc_err e = sc_capture_reader_next(rd, &ln, &ei);
            if (e == SC_ERR_EOF || e == SC_ERR_IO || e == SC_ERR_COMPRESSION) {
                break;
            }
            if (e == SC_OK) {
                *ins = sc_decoder_sniff_instrument(ln.json, ln.json_len);
            }
        }
        sc_capture_reader_close(rd);
    }
    if (*ins == NULL) {
        fprintf(stderr, "scalper %s: cannot tell the instrument from %s; give --instrument\n", cmd,
                files[0]);
        return SC_EXIT_INPUT;
    }
    return 0;
}

static void drain_bars(sc_capture_bars *cb, const char *source, int64_t line,
                       const sc_input_capture_sink *sink) {
    sc_capture_bar bar;
    while (sc_capture_bars_next(cb, &bar)) {
        sink->on_bar(sink->ctx, &bar, source, line);
    }
}

int sc_input_capture_feed(sc_capture_reader *rd, sc_capture_bars *cb, const char *first_source,
                          const sc_input_capture_sink *sink) {
    sc_capture_line ln;
    sc_errinfo ei;
    const char *source = first_source;
    int64_t line = 0;
    for (uint64_t n = 1;; n++) {
        sc_errinfo_clear(&ei);
        sc_err e = sc_capture_reader_next(rd, &ln, &ei);
        if (e == SC_ERR_EOF) {
            break;
        }
        if (e != SC_OK) {
            sink->on_problem(sink->ctx, &ei);
            if (e == SC_ERR_PARSE || e == SC_ERR_LIMIT) {
                continue;
            }
            return SC_EXIT_INPUT;
        }
        source = ln.path;
        line = ln.line_no;
        sc_errinfo_clear(&ei);
        if (sc_capture_bars_on_message(cb, ln.ts_local_ns, ln.json, ln.json_len, &ei) != SC_OK) {
            ei.source = ln.path;
            ei.line = ln.line_no;
            sink->on_problem(sink->ctx, &ei);
        }
        drain_bars(cb, source, line, sink);
        if (n % SC_INPUT_PROGRESS_EVERY == 0) {
            sc_progress_update(sink->pg, sc_capture_reader_bytes_done(rd));
        }
    }
    if (sc_capture_bars_finish(cb) == SC_OK) {
        drain_bars(cb, source, line, sink);
    }
    return 0;
}
