/* What the input files of `scalper features` and `scalper signals` are, and
 * the reading both commands do the same way.
 *
 * It decides: the kind of every file (a capture when its first non-blank line
 * is '<integer> {', else a kline CSV; all files must be of one kind), the
 * kline interval (the first candidate whose first rows read clean on spot's
 * finest grid and step by exactly that interval), whether kline rows sit on
 * the usdm:BTCUSDT grid (a probe of the first rows), and a capture's
 * instrument (sniffed from its first messages). It also parses the options
 * both commands share (--input files, --timeframe, --instrument, durations)
 * and feeds a capture through the candle builder.
 *
 * Messages that both commands print alike are printed here as
 * "scalper <cmd>: ..."; the ones they word differently stay with the
 * commands, which get the facts (sc_input_kinds, sc_input_probe) to word them.
 * Plain functions on the caller's thread; nothing is kept between calls. */
#ifndef SC_APP_INPUT_H
#define SC_APP_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/instrument.h"
#include "core/time.h"
#include "engine/capture_bars.h"
#include "market/capture.h"

#include "app/progress.h"

enum {
    SC_INPUT_FIRST_LINE_MAX = 256,     /* bytes of a file's first line kept to tell its kind */
    SC_INPUT_SNIFF_LINES_MAX = 2000,   /* capture lines read to recognise the instrument */
    SC_INPUT_PROBE_INTERVAL_ROWS = 64, /* kline rows read per candidate interval */
    SC_INPUT_PROBE_GRID_ROWS = 1000,   /* kline rows checked against the USD-M grid */
    SC_INPUT_PROGRESS_EVERY = 4096,    /* capture lines between progress updates */
    SC_INPUT_ERR_TEXT_MAX = 640        /* one formatted error */
};

typedef enum { SC_INPUT_KLINES = 0, SC_INPUT_CAPTURE = 1 } sc_input_kind;

typedef enum {
    SC_INPUT_KINDS_OK = 0,
    SC_INPUT_KINDS_EMPTY,      /* files[at] has no line with data */
    SC_INPUT_KINDS_UNREADABLE, /* files[at] cannot be read: err says why */
    SC_INPUT_KINDS_MIXED       /* files[at] is of other_kind, files[0] of kind */
} sc_input_kinds_outcome;

typedef struct {
    sc_input_kinds_outcome outcome;
    sc_input_kind kind; /* of files[0 .. at) (of all files when OK) */
    sc_input_kind other_kind;
    size_t at;
    sc_errinfo err;
} sc_input_kinds;

/* A reading of a kline file's first rows on one grid and interval. */
typedef struct {
    int64_t ok;
    int64_t errors;
    sc_ns min_step_ns; /* smallest step between consecutive open times; 0 = none */
    bool precision;    /* a value off the grid was seen; first_err says where */
    uint32_t has;      /* SC_CANDLE_HAS_* common to the good rows */
    sc_errinfo first_err;
} sc_input_probe;

/* Feeds the bars a capture closes, and its problems, to a command. */
typedef struct {
    void *ctx;
    void (*on_bar)(void *ctx, const sc_capture_bar *bar, const char *source, int64_t line);
    void (*on_problem)(void *ctx, const sc_errinfo *err);
    sc_progress *pg; /* updated with the bytes read; may be NULL */
} sc_input_capture_sink;

/* Prints "scalper <cmd>: <err formatted>". */
void sc_input_report(const char *cmd, const sc_errinfo *err);

/* "<n>s|m|h|d", whole seconds, 1 s .. 1 day. 0, or -1 (out untouched). */
int sc_input_parse_dur(const char *s, sc_ns *out);

/* --timeframe: 1s, 1m, 5m, 15m or 1h. tf_text (may be NULL) gets a static
 * copy of the text. 0, or SC_EXIT_USAGE after printing why. */
int sc_input_parse_timeframe(const char *cmd, const char *v, sc_ns *tf_ns, const char **tf_text);

/* --instrument: a known name (*ins set) or "auto" (*ins = NULL). 0, or
 * SC_EXIT_USAGE after printing why. */
int sc_input_parse_instrument(const char *cmd, const char *v, const sc_instrument **ins);

/* --input FILE...: takes the arguments after argv[*i] up to the next option
 * into files[*n_files ..]; false when there was none. files holds argc. */
bool sc_input_take_files(int argc, char **argv, int *i, const char **files, size_t *n_files);

/* True when arg is a file name rather than an option ("-" is a file). */
bool sc_input_is_file_arg(const char *arg);

/* The kind of every file; out->outcome says whether they make one stream. */
void sc_input_detect_kinds(const char *const *files, size_t n_files, sc_input_kinds *out);

/* Reads up to max_rows rows of path on (ins, interval_ns). An open or read
 * error is returned with pr->first_err set; row errors are counted. */
sc_err sc_input_probe_file(const char *path, const sc_instrument *ins, sc_ns interval_ns,
                           int max_rows, sc_input_probe *pr);

/* The first of candidates[0 .. n) that reads path cleanly (on spot's grid)
 * with that step between rows; *interval_ns = 0 when none does. A read
 * error is returned with pr->first_err set. */
sc_err sc_input_probe_interval(const char *path, const sc_ns *candidates, size_t n,
                               sc_ns *interval_ns, sc_input_probe *pr);

/* The instrument of the first capture in files, from its first messages.
 * 0 with *ins set, or SC_EXIT_INPUT after printing that it cannot tell. */
int sc_input_capture_instrument(const char *cmd, const char *const *files,
                                const sc_instrument **ins);

/* Reads rd to its end through cb. Bad lines go to on_problem and are
 * skipped; 0, or SC_EXIT_INPUT when reading failed (reported first).
 * first_source names the input before the first line is read. */
int sc_input_capture_feed(sc_capture_reader *rd, sc_capture_bars *cb, const char *first_source,
                          const sc_input_capture_sink *sink);

#endif
