/* scalper signals: the strategy layer on recorded data, as a trader reads it.
 * Candles (captures or kline CSVs) go through the engine's decision path
 * (engine/decision_path.h); this file reads the files, chooses the
 * parameters, prints the records and the summary. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ai/param_store.h"
#include "app/cli.h"
#include "app/input.h"
#include "app/progress.h"
#include "app/text_file.h"
#include "engine/capture_bars.h"
#include "engine/config.h"
#include "engine/decision_path.h"
#include "market/candles.h"
#include "market/capture.h"
#include "market/klines_csv.h"

enum {
    PROBLEMS_SHOWN = 20, /* bad input lines printed (all are counted) */
    ERR_TEXT_MAX = 640,
    LINE_TEXT_MAX = 4096, /* one human line */
    TIME_TEXT_MAX = 40,
    SOURCE_TEXT_MAX = 512
};

typedef struct {
    const char **files;
    size_t n_files;
    sc_ns tf_ns;
    const char *tf_text;
    const char *config_path;
    const char *db_path;
    bool json;
    bool all;
    bool quiet;
    const sc_instrument *ins;
    sc_ns interval_ns; /* klines: 0 = recognise */
    bool has_split;    /* klines: the first file carries the taker-buy volume */
    sc_input_kind kind;
} opts;

/* The parameters chosen, and where they came from. */
typedef struct {
    sc_params params;
    char source[SOURCE_TEXT_MAX];
} param_choice;

typedef struct {
    const opts *o;
    sc_decision_path *dp;
    char *json; /* SC_DP_JSON_MAX */
    uint64_t bad;
    uint64_t truncated; /* klines: last candle cut by the end of the input */
    sc_progress *pg;
} run;

static void usage(FILE *f) {
    fprintf(
        f,
        "usage: scalper signals --input FILE... [--timeframe 1m] [--config FILE] [--db FILE]\n"
        "                       [--json] [--all]\n\n"
        "Runs the strategy layer over recorded data, one closed candle at a time: features,\n"
        "regime detector, SMC detector (its bias is the strategy's higher-timeframe bias),\n"
        "base strategy, and the advisor (rules) through the decision API. Prints every\n"
        "decision (time UTC, action, score, parameter version, regime, bias, the signal's\n"
        "reasons, and for a skip its reason code and detail), every regime change with its\n"
        "reason, and a summary. Captures give L2-book fidelity; kline CSVs give bars\n"
        "fidelity (below). Several files are one stream, in the order given, all of one kind.\n\n"
        "options:\n"
        "  --input FILE...       input files (also accepted without --input)\n"
        "  --timeframe TF        1m (default), 5m, 15m, 1h; 1s for captures\n"
        "  --db FILE             parameters: the active version of this store (read only).\n"
        "                        A FILE that does not exist means compiled defaults, version 0\n"
        "  --config FILE         parameters: the [strategy] [smc] [regime] [ai] values of this\n"
        "                        configuration file (version 0), when no --db is given\n"
        "  --json                one JSON object per line: decision, regime, position (and\n"
        "                        smc and evaluation with --all) records, then a summary\n"
        "  --all                 also every candle without a decision (why there was no\n"
        "                        entry) and every SMC event\n"
        "  --instrument NAME     usdm:BTCUSDT, spot:BTCUSDT or coinm:BTCUSD_PERP (default:\n"
        "                        recognised as in 'scalper features')\n"
        "  --input-interval D    interval of the kline rows (default: recognised)\n"
        "  --quiet               no progress bar\n"
        "  -h, --help            this text\n\n");
    fprintf(
        f,
        "parameters, in precedence order: --db's active version; else --config's values;\n"
        "else the compiled defaults. Nothing overrides the chosen set; the summary prints its\n"
        "version and SHA-256 hash.\n\n"
        "fidelity: l2_book (captures): the book sampled at each candle's close gives the touch,\n"
        "the top-5 imbalance, spread and depth, and the OFI. bars (kline CSVs): the touch is\n"
        "the close (bid = close, ask = close + 1 tick); strategy.w_imbalance and\n"
        "strategy.w_ofi are taken as 0 for the run; the trade flow comes from the taker-buy\n"
        "volume when the file has it (else strategy.w_trade_flow is 0 too); the regime is\n"
        "never illiquid (no spread or depth).\n\n"
        "position: a signal STUDY, NOT A BACKTEST: an accepted entry fills at its price on\n"
        "the next candle if that candle trades through it, and exits at the strategy's exit\n"
        "price; no fees, queue, latency, risk checks or PnL. It exists so that exits and the\n"
        "advisor's position check run. Paper execution and risk come next.\n\n"
        "exit status: 0 success; 2 bad usage; 3 input or parameters unreadable or malformed\n"
        "(every problem reported as file:line: field: expected ..., got ...).\n");
}

/* ---- options --------------------------------------------------------------- */

static int parse_value(const char *a, const char *v, opts *o) {
    if (strcmp(a, "--timeframe") == 0) {
        return sc_input_parse_timeframe("signals", v, &o->tf_ns, &o->tf_text);
    }
    if (strcmp(a, "--config") == 0) {
        o->config_path = v;
    } else if (strcmp(a, "--db") == 0) {
        o->db_path = v;
    } else if (strcmp(a, "--instrument") == 0) {
        return sc_input_parse_instrument("signals", v, &o->ins);
    } else if (strcmp(a, "--input-interval") == 0) {
        if (strcmp(v, "auto") != 0 && sc_input_parse_dur(v, &o->interval_ns) != 0) {
            fprintf(stderr, "scalper signals: --input-interval: expected e.g. 1m, got '%s'\n", v);
            return SC_EXIT_USAGE;
        }
    } else {
        return -2; /* not an option with a value */
    }
    return 0;
}

/* One option at argv[*i]; -1 after --help, else 0 or an exit code. */
static int parse_one(int argc, char **argv, int *i, opts *o) {
    const char *a = argv[*i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        usage(stdout);
        return -1;
    }
    bool *flag = strcmp(a, "--json") == 0    ? &o->json
                 : strcmp(a, "--all") == 0   ? &o->all
                 : strcmp(a, "--quiet") == 0 ? &o->quiet
                                             : NULL;
    if (flag != NULL) {
        *flag = true;
        return 0;
    }
    if (strcmp(a, "--input") == 0) {
        if (sc_input_take_files(argc, argv, i, o->files, &o->n_files)) {
            return 0;
        }
    } else if (*i + 1 < argc) {
        int rc = parse_value(a, argv[*i + 1], o);
        if (rc != -2) {
            ++*i;
            return rc;
        }
    }
    if (sc_input_is_file_arg(a)) {
        o->files[o->n_files++] = a;
        return 0;
    }
    fprintf(stderr, "scalper signals: unknown or incomplete option '%s'\n", a);
    return SC_EXIT_USAGE;
}

static int parse_opts(int argc, char **argv, opts *o) {
    memset(o, 0, sizeof(*o));
    o->tf_ns = SC_NS_PER_MIN;
    o->tf_text = "1m";
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
        fprintf(stderr, "scalper signals: no input file (--input FILE...)\n\n");
        usage(stderr);
        return SC_EXIT_USAGE;
    }
    return 0;
}

/* ---- what the input is ------------------------------------------------------- */

static int detect_kinds(opts *o) {
    sc_input_kinds ks;
    sc_input_detect_kinds(o->files, o->n_files, &ks);
    if (ks.outcome == SC_INPUT_KINDS_EMPTY) {
        fprintf(stderr, "scalper signals: %s: empty file\n", o->files[ks.at]);
        return SC_EXIT_INPUT;
    }
    if (ks.outcome == SC_INPUT_KINDS_UNREADABLE) {
        sc_input_report("signals", &ks.err);
        return SC_EXIT_INPUT;
    }
    if (ks.outcome == SC_INPUT_KINDS_MIXED) {
        fprintf(stderr,
                "scalper signals: %s and %s are of different kinds (capture, kline "
                "CSV); give files of one kind\n",
                o->files[0], o->files[ks.at]);
        return SC_EXIT_USAGE;
    }
    o->kind = ks.kind;
    if (o->kind == SC_INPUT_KLINES && o->tf_ns < SC_NS_PER_MIN) {
        fprintf(stderr,
                "scalper signals: --timeframe %s needs a capture (kline CSVs are 1m or "
                "coarser)\n",
                o->tf_text);
        return SC_EXIT_USAGE;
    }
    return 0;
}

/* ---- kline input: interval, grid, taker split ------------------------------------ */

static int probe_failed(const sc_input_probe *pr) {
    sc_input_report("signals", &pr->first_err);
    return SC_EXIT_INPUT;
}

/* The interval whose reading of the first rows is clean and whose step
 * between rows is the interval itself (on spot's finer grid). */
static int choose_interval(opts *o) {
    static const sc_ns k_candidates[] = {SC_NS_PER_MIN,      3 * SC_NS_PER_MIN,
                                         5 * SC_NS_PER_MIN,  15 * SC_NS_PER_MIN,
                                         30 * SC_NS_PER_MIN, 60 * SC_NS_PER_MIN};
    if (o->interval_ns != 0) {
        return 0;
    }
    sc_input_probe pr;
    if (sc_input_probe_interval(o->files[0], k_candidates,
                                sizeof(k_candidates) / sizeof(k_candidates[0]), &o->interval_ns,
                                &pr) != SC_OK) {
        return probe_failed(&pr);
    }
    if (o->interval_ns != 0) {
        return 0;
    }
    o->interval_ns = SC_NS_PER_MIN;
    fprintf(stderr, "signals: cannot tell the kline interval of %s; assuming 1m\n", o->files[0]);
    return 0;
}

static int prepare_klines(opts *o) {
    int rc = choose_interval(o);
    if (rc != 0) {
        return rc;
    }
    if (o->tf_ns < o->interval_ns || o->tf_ns % o->interval_ns != 0) {
        fprintf(stderr,
                "scalper signals: --timeframe %s: not a multiple of the klines' interval (%lld "
                "s); candles are merged up, never split\n",
                o->tf_text, (long long)(o->interval_ns / SC_NS_PER_S));
        return SC_EXIT_USAGE;
    }
    const sc_instrument *usdm = sc_instrument_find("usdm:BTCUSDT");
    sc_input_probe pr;
    if (sc_input_probe_file(o->files[0], o->ins ? o->ins : usdm, o->interval_ns,
                            SC_INPUT_PROBE_GRID_ROWS, &pr) != SC_OK) {
        return probe_failed(&pr);
    }
    if (o->ins == NULL) {
        o->ins = pr.precision ? sc_instrument_find("spot:BTCUSDT") : usdm;
    }
    o->has_split = (pr.has & SC_CANDLE_HAS_SPLIT) != 0;
    fprintf(stderr, "signals: kline input, %lld s rows, instrument %s%s\n",
            (long long)(o->interval_ns / SC_NS_PER_S), o->ins->name,
            o->has_split ? ", taker-buy volume present" : ", no taker-buy volume");
    return 0;
}

static int prepare_capture(opts *o) {
    if (o->ins != NULL) {
        return 0;
    }
    int rc = sc_input_capture_instrument("signals", o->files, &o->ins);
    if (rc != 0) {
        return rc;
    }
    fprintf(stderr, "signals: capture input, instrument %s\n", o->ins->name);
    return 0;
}

/* ---- parameters --------------------------------------------------------------- */

static int params_from_db(const char *path, param_choice *pc) {
    if (access(path, F_OK) != 0) {
        sc_params_defaults(&pc->params);
        snprintf(pc->source, sizeof(pc->source),
                 "compiled defaults, version 0 (--db %s does not exist)", path);
        return 0;
    }
    sc_param_store *st = NULL;
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    char buf[ERR_TEXT_MAX];
    if (sc_param_store_open(path, &st, &ei) != SC_OK) {
        fprintf(stderr, "scalper signals: --db %s: %s\n", path,
                sc_errinfo_format(&ei, buf, sizeof(buf)));
        return SC_EXIT_INPUT;
    }
    sc_param_version *v = calloc(1, sizeof(*v));
    sc_err e = v == NULL ? SC_ERR_NOMEM : sc_param_store_active(st, v, &ei);
    if (e == SC_OK) {
        pc->params = v->values;
        snprintf(pc->source, sizeof(pc->source), "--db %s: active version %lld", path,
                 (long long)v->meta.id);
    } else {
        fprintf(stderr, "scalper signals: --db %s: the active version is not usable: %s\n", path,
                sc_errinfo_format(&ei, buf, sizeof(buf)));
    }
    free(v);
    sc_param_store_close(st);
    return e == SC_OK ? 0 : SC_EXIT_INPUT;
}

static int params_from_config(const char *path, param_choice *pc, bool used) {
    sc_config *cfg = calloc(1, sizeof(*cfg));
    sc_config_errors *errs = calloc(1, sizeof(*errs));
    if (cfg == NULL || errs == NULL) {
        free(cfg);
        free(errs);
        return SC_EXIT_INTERNAL;
    }
    int rc = 0;
    if (sc_config_load(path, cfg, errs) != SC_OK) {
        char buf[ERR_TEXT_MAX];
        for (size_t i = 0; i < errs->count; i++) {
            fprintf(stderr, "scalper signals: %s\n",
                    sc_errinfo_format(&errs->items[i], buf, sizeof(buf)));
        }
        if (errs->count == 0) {
            fprintf(stderr, "scalper signals: --config %s: cannot be read\n", path);
        }
        rc = SC_EXIT_INPUT;
    } else if (used) {
        pc->params = cfg->params;
        snprintf(pc->source, sizeof(pc->source),
                 "--config %s: [strategy] [smc] [regime] [ai] values, version 0", path);
    }
    free(cfg);
    free(errs);
    return rc;
}

/* --db's active version, else --config's values, else the defaults. */
static int choose_params(const opts *o, param_choice *pc) {
    sc_params_defaults(&pc->params);
    snprintf(pc->source, sizeof(pc->source), "compiled defaults, version 0 (no --db, no --config)");
    int rc = 0;
    if (o->config_path != NULL) {
        rc = params_from_config(o->config_path, pc, o->db_path == NULL);
    }
    if (rc == 0 && o->db_path != NULL) {
        rc = params_from_db(o->db_path, pc);
        if (rc == 0 && o->config_path != NULL) {
            fprintf(stderr,
                    "signals: --db takes precedence: the parameters of --config %s are "
                    "checked but not used\n",
                    o->config_path);
        }
    }
    if (rc == 0) {
        fprintf(stderr, "signals: parameters: %s (precedence: --db > --config > defaults)\n",
                pc->source);
    }
    return rc;
}

/* ---- records ------------------------------------------------------------------ */

/* Appends text to a line; a line that is full stays cut (it is for people). */
static void add(char *buf, size_t cap, size_t *n, const char *s) {
    size_t len = strlen(s);
    if (*n + 1 >= cap) {
        return;
    }
    size_t room = cap - 1 - *n;
    size_t k = len < room ? len : room;
    memcpy(buf + *n, s, k);
    *n += k;
    buf[*n] = '\0';
}

/* "2024-08-08T23:54:16Z" (whole seconds) or with the fraction. */
static const char *time_text(sc_ns t, char *buf, size_t cap) {
    sc_ns_format_utc(t, buf, cap);
    char *frac = strstr(buf, ".000000000Z");
    if (frac != NULL) {
        frac[0] = 'Z';
        frac[1] = '\0';
    }
    return buf;
}

static void print_decision(const run *r, const sc_dp_record *rec) {
    const sc_signal *s = rec->signal;
    char line[LINE_TEXT_MAX];
    char t[TIME_TEXT_MAX];
    char px[48];
    char part[SC_ERRINFO_TEXT_MAX * 3 + 256];
    size_t n = 0;
    line[0] = '\0';
    sc_px_format(r->o->ins, s->entry_px, px, sizeof(px));
    char score[16];
    snprintf(score, sizeof(score), s->kind == SC_SIG_EXIT ? "-" : "%.3f", s->score);
    snprintf(part, sizeof(part), "%s  %-11s %-11s score %s @%s  v%lld  %s  %s  pos %s",
             time_text(rec->ts_ns, t, sizeof(t)), sc_decision_action_name(rec->answer->action),
             sc_signal_kind_name(s->kind), score, px, (long long)rec->params_version,
             sc_regime_name(rec->regime), sc_bias_name(rec->bias),
             sc_decision_side_name(rec->position));
    add(line, sizeof(line), &n, part);
    if (s->kind == SC_SIG_EXIT) {
        snprintf(part, sizeof(part), "  exit %s", sc_exit_reason_name(s->exit_reason));
        add(line, sizeof(line), &n, part);
    }
    add(line, sizeof(line), &n, " | ");
    for (uint32_t i = 0; i < s->n_reasons; i++) {
        add(line, sizeof(line), &n, i == 0 ? "" : "; ");
        add(line, sizeof(line), &n, s->reasons[i].text);
    }
    add(line, sizeof(line), &n, " | ");
    add(line, sizeof(line), &n,
        sc_decision_verdict_format(rec->answer, rec->verdict, part, sizeof(part)));
    if (rec->note[0] != '\0') {
        add(line, sizeof(line), &n, " | ");
        add(line, sizeof(line), &n, rec->note);
    }
    printf("%s\n", line);
}

static void print_evaluation(const sc_dp_record *rec) {
    char line[LINE_TEXT_MAX];
    char t[TIME_TEXT_MAX];
    char part[256];
    size_t n = 0;
    line[0] = '\0';
    snprintf(part, sizeof(part), "%s  no-decision pos %s", time_text(rec->ts_ns, t, sizeof(t)),
             sc_decision_side_name(rec->position));
    add(line, sizeof(line), &n, part);
    if (rec->note[0] != '\0') {
        add(line, sizeof(line), &n, ": ");
        add(line, sizeof(line), &n, rec->note);
    }
    if (rec->eval != NULL) {
        snprintf(part, sizeof(part),
                 " blocked %s (score %+.3f): ", sc_strategy_block_name(rec->eval->first_block),
                 rec->eval->raw_score);
        add(line, sizeof(line), &n, part);
        for (uint32_t i = 0; i < rec->eval->n_why; i++) {
            add(line, sizeof(line), &n, i == 0 ? "" : "; ");
            add(line, sizeof(line), &n, rec->eval->why[i].text);
        }
    }
    printf("%s\n", line);
}

static void print_record(const run *r, const sc_dp_record *rec) {
    char t[TIME_TEXT_MAX];
    char px[48];
    char qty[48];
    switch (rec->kind) {
    case SC_DP_REC_DECISION:
        print_decision(r, rec);
        break;
    case SC_DP_REC_EVALUATION:
        print_evaluation(rec);
        break;
    case SC_DP_REC_REGIME:
        printf("%s  regime      %s -> %s: %s\n", time_text(rec->ts_ns, t, sizeof(t)),
               sc_regime_name(rec->change->old_regime), sc_regime_name(rec->change->new_regime),
               rec->change->reason);
        break;
    case SC_DP_REC_SMC:
        if (r->o->all) {
            printf("%s  smc         %s\n", time_text(rec->ts_ns, t, sizeof(t)), rec->smc->reason);
        }
        break;
    case SC_DP_REC_POSITION:
        sc_px_format(r->o->ins, rec->pos_px, px, sizeof(px));
        sc_qty_format(r->o->ins, rec->pos_qty, qty, sizeof(qty));
        printf("%s  study       %s %s %s @ %s%s%s\n", time_text(rec->ts_ns, t, sizeof(t)),
               sc_dp_pos_event_name(rec->pos_event), sc_decision_side_name(rec->pos_side), qty, px,
               rec->pos_event == SC_DP_POS_CLOSE ? " " : "",
               rec->pos_event == SC_DP_POS_CLOSE ? sc_exit_reason_name(rec->exit_reason) : "");
        break;
    }
}

static void on_record(void *ctx, const sc_dp_record *rec) {
    run *r = ctx;
    if (!r->o->json) {
        print_record(r, rec);
        return;
    }
    if (rec->kind == SC_DP_REC_SMC && !r->o->all) {
        return;
    }
    int n = sc_decision_path_format_json(r->dp, rec, r->json, SC_DP_JSON_MAX);
    if (n < 0) {
        fprintf(stderr, "scalper signals: internal error: a record did not fit\n");
        r->bad++;
        return;
    }
    fwrite(r->json, 1, (size_t)n, stdout);
    fputc('\n', stdout);
}

static void problem(run *r, const sc_errinfo *ei) {
    r->bad++;
    if (r->bad <= PROBLEMS_SHOWN) {
        sc_input_report("signals", ei);
    }
}

/* ---- feeding -------------------------------------------------------------------- */

static void bar_in(run *r, const sc_candle *k, const sc_feature_book *book, const char *source,
                   int64_t line) {
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    if (sc_decision_path_on_bar(r->dp, k, book, &ei) != SC_OK) {
        ei.source = source;
        ei.line = line;
        problem(r, &ei);
    }
}

static void capture_bar(void *ctx, const sc_capture_bar *bar, const char *source, int64_t line) {
    bar_in(ctx, &bar->candle, bar->sampled ? &bar->book : NULL, source, line);
}

static void capture_problem(void *ctx, const sc_errinfo *ei) {
    problem(ctx, ei);
}

static int run_capture(run *r) {
    sc_capture_reader *rd = NULL;
    sc_capture_bars *cb = NULL;
    sc_capture_reader_config rcfg = {0};
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    if (sc_capture_reader_open(&rcfg, r->o->files, r->o->n_files, &rd, &ei) != SC_OK) {
        problem(r, &ei);
        return SC_EXIT_INPUT;
    }
    sc_capture_bars_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = r->o->ins;
    cfg.tf_ns = r->o->tf_ns;
    int rc = SC_EXIT_INTERNAL;
    if (sc_capture_bars_create(&cfg, &cb) == SC_OK) {
        r->pg = sc_progress_create("signals", sc_capture_reader_bytes_total(rd), !r->o->quiet);
        sc_input_capture_sink sink = {r, capture_bar, capture_problem, r->pg};
        rc = sc_input_capture_feed(rd, cb, r->o->files[0], &sink);
        sc_progress_done(r->pg);
    }
    sc_capture_bars_destroy(cb);
    sc_capture_reader_close(rd);
    return rc;
}

static void drain_candles(run *r, sc_candles *agg, const char *source, int64_t line) {
    sc_candle c;
    while (sc_candles_next(agg, &c)) {
        if (c.truncated) {
            r->truncated++; /* the input ends inside it: not a closed candle */
            continue;
        }
        bar_in(r, &c, NULL, source, line);
    }
}

static int klines_file(run *r, sc_candles *agg, const char *path) {
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
    sc_klines_csv_stats st;
    for (;;) {
        sc_candle k;
        sc_err e = sc_klines_csv_next(rd, &k, &ei);
        if (e == SC_ERR_EOF) {
            break;
        }
        sc_klines_csv_get_stats(rd, &st);
        if (e != SC_OK) {
            problem(r, &ei);
            rc = e == SC_ERR_IO || e == SC_ERR_COMPRESSION ? SC_EXIT_INPUT : 0;
            if (rc != 0) {
                break;
            }
            continue;
        }
        e = sc_candles_on_candle(agg, &k);
        if (e != SC_OK) {
            const char *why = sc_err_str(e);
            sc_errinfo_clear(&ei);
            ei.source = path;
            ei.line = st.lines;
            sc_errinfo_set(&ei, "kline", "a kline after the previous one, on the interval", why,
                           strlen(why));
            problem(r, &ei);
        }
        drain_candles(r, agg, path, st.lines);
    }
    sc_klines_csv_close(rd);
    return rc;
}

static int run_klines(run *r) {
    sc_candles_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.ins = r->o->ins;
    cc.source = SC_CANDLES_FROM_KLINES;
    cc.kline_tf_ns = r->o->interval_ns;
    cc.n_tf = 1;
    cc.tf_ns[0] = r->o->tf_ns;
    sc_candles *agg = NULL;
    if (sc_candles_create(&cc, &agg) != SC_OK) {
        return SC_EXIT_INTERNAL;
    }
    r->pg = sc_progress_create("signals", r->o->n_files, !r->o->quiet);
    int rc = 0;
    for (size_t i = 0; i < r->o->n_files && rc == 0; i++) {
        rc = klines_file(r, agg, r->o->files[i]);
        sc_progress_update(r->pg, i + 1);
    }
    if (rc == 0 && sc_candles_flush(agg) == SC_OK) {
        drain_candles(r, agg, r->o->files[r->o->n_files - 1], 0);
    }
    sc_progress_done(r->pg);
    sc_candles_destroy(agg);
    return rc;
}

/* ---- summary -------------------------------------------------------------------- */

typedef const char *(*name_fn)(int i);

static const char *sig_name(int i) {
    return sc_signal_kind_name((sc_signal_kind)i);
}
static const char *action_name(int i) {
    return sc_decision_action_name((sc_decision_action)i);
}
static const char *reason_name(int i) {
    return sc_decision_reason_name((sc_decision_reason)i);
}
static const char *block_name(int i) {
    return sc_strategy_block_name((sc_strategy_block)i);
}
static const char *regime_name(int i) {
    return sc_regime_name((sc_regime)i);
}
static const char *exit_name(int i) {
    return sc_exit_reason_name((sc_exit_reason)i);
}
static const char *pos_name(int i) {
    return sc_dp_pos_event_name((sc_dp_pos_event)i);
}

/* "a 1, b 2" of the counts from `from` on; zero counts only with all. */
static void print_counts(const char *label, name_fn name, const uint64_t *c, int from, int n,
                         bool all) {
    printf("  %s:", label);
    bool any = false;
    for (int i = from; i < n; i++) {
        if (all || c[i] > 0) {
            printf("%s %s %llu", any ? "," : "", name(i), (unsigned long long)c[i]);
            any = true;
        }
    }
    printf("%s\n", any ? "" : " none");
}

static json_t *json_counts(name_fn name, const uint64_t *c, int from, int n) {
    json_t *o = json_object();
    for (int i = from; i < n; i++) {
        json_object_set_new(o, name(i), json_integer((json_int_t)c[i]));
    }
    return o;
}

static json_t *json_smc(const sc_smc_counters *sm) {
    json_t *o = json_object();
    for (int k = 0; k < SC_SMC_KIND_COUNT; k++) {
        json_object_set_new(o, sc_smc_kind_name((sc_smc_kind)k),
                            json_pack("{sI sI sI}", "total", (json_int_t)sm->events[k], "bullish",
                                      (json_int_t)sm->bullish[k], "bearish",
                                      (json_int_t)sm->bearish[k]));
    }
    return o;
}

static void print_smc(const sc_smc_counters *sm) {
    printf("  smc patterns:");
    for (int k = 0; k < SC_SMC_KIND_COUNT; k++) {
        printf("%s %s %llu", k == 0 ? "" : ",", sc_smc_kind_name((sc_smc_kind)k),
               (unsigned long long)sm->events[k]);
        if (k >= SC_SMC_BOS) {
            printf(" (bullish %llu, bearish %llu)", (unsigned long long)sm->bullish[k],
                   (unsigned long long)sm->bearish[k]);
        }
    }
    printf("\n");
}

static const char *fidelity_note(const run *r) {
    if (r->o->kind == SC_INPUT_CAPTURE) {
        return "l2_book: the book sampled at each candle's close";
    }
    return r->o->has_split ? "bars: touch = close / close + 1 tick; w_imbalance and w_ofi taken "
                             "as 0; trade flow from the taker-buy volume"
                           : "bars: touch = close / close + 1 tick; w_imbalance, w_ofi and "
                             "w_trade_flow taken as 0 (no taker-buy volume)";
}

static void summary_text(const run *r, const sc_decision_path_stats *s, const sc_smc_counters *sm,
                         const param_choice *pc) {
    printf("summary: %llu candles of %s; fidelity %s (%llu with a book at the close)\n",
           (unsigned long long)s->candles, r->o->tf_text, fidelity_note(r),
           (unsigned long long)s->candles_with_book);
    print_counts("signals", sig_name, s->signals, SC_SIG_ENTER_LONG, SC_SIG_EXIT + 1, true);
    print_counts("decisions by action", action_name, s->actions, 0, SC_DECISION_ACTION_COUNT, true);
    print_counts("skips by reason code", reason_name, s->skips_by_reason, 0,
                 SC_DECISION_REASON_COUNT, false);
    print_counts("no entry, by first block", block_name, s->blocked, 1, SC_STRATEGY_BLOCK_COUNT,
                 false);
    printf("  regime changes: %llu\n", (unsigned long long)s->regime_changes);
    print_counts("regime changes by regime", regime_name, s->regime_changes_to, 0, SC_REGIME_COUNT,
                 false);
    print_smc(sm);
    print_counts("study position (NOT a backtest)", pos_name, s->pos_events, 0,
                 SC_DP_POS_EVENT_COUNT, true);
    print_counts("study exits by reason", exit_name, s->exits_by_reason, 1, SC_EXIT_SIGNAL + 1,
                 false);
    printf("  parameters: version %lld, sha256 %s; %s\n", (long long)pc->params.version,
           sc_decision_path_params_hash(r->dp, false), pc->source);
    if (strcmp(sc_decision_path_params_hash(r->dp, false),
               sc_decision_path_params_hash(r->dp, true)) != 0) {
        printf("  effective parameters (bars fidelity weights): sha256 %s\n",
               sc_decision_path_params_hash(r->dp, true));
    }
    int32_t kofi = 0, kflow = 0;
    sc_decision_path_windows(r->dp, &kofi, &kflow);
    printf("  windows: OFI over the last %d candle%s, trade flow over the last %d "
           "(strategy.*_window_ms "
           "rounded up to whole candles)\n",
           kofi, kofi == 1 ? "" : "s", kflow);
    printf("  advisor: %s; accepted decisions not acted on: %llu; candles waiting for an "
           "answer: %llu\n",
           sc_decision_path_advisor_name(r->dp), (unsigned long long)s->not_acted,
           (unsigned long long)s->waiting_candles);
}

static void summary_json(const run *r, const sc_decision_path_stats *s, const sc_smc_counters *sm,
                         const param_choice *pc) {
    json_t *o = json_pack(
        "{ss sI ss ss ss sI ss ss ss ss sb}", "type", "summary", "candles", (json_int_t)s->candles,
        "timeframe", r->o->tf_text, "fidelity", r->o->kind == SC_INPUT_CAPTURE ? "l2_book" : "bars",
        "fidelity_note", fidelity_note(r), "params_version", (json_int_t)pc->params.version,
        "params_hash", sc_decision_path_params_hash(r->dp, false), "effective_params_hash",
        sc_decision_path_params_hash(r->dp, true), "params_source", pc->source, "advisor",
        sc_decision_path_advisor_name(r->dp), "study_not_a_backtest", 1);
    json_object_set_new(o, "candles_with_book", json_integer((json_int_t)s->candles_with_book));
    json_object_set_new(o, "signals", json_counts(sig_name, s->signals, 1, SC_SIG_EXIT + 1));
    json_object_set_new(o, "decisions",
                        json_counts(action_name, s->actions, 0, SC_DECISION_ACTION_COUNT));
    json_object_set_new(o, "skips_by_reason",
                        json_counts(reason_name, s->skips_by_reason, 0, SC_DECISION_REASON_COUNT));
    json_object_set_new(o, "no_entry_by_block",
                        json_counts(block_name, s->blocked, 1, SC_STRATEGY_BLOCK_COUNT));
    json_object_set_new(o, "regime_changes", json_integer((json_int_t)s->regime_changes));
    json_object_set_new(o, "regime_changes_by_regime",
                        json_counts(regime_name, s->regime_changes_to, 0, SC_REGIME_COUNT));
    json_object_set_new(o, "smc", json_smc(sm));
    json_object_set_new(o, "study", json_counts(pos_name, s->pos_events, 0, SC_DP_POS_EVENT_COUNT));
    json_object_set_new(o, "study_exits",
                        json_counts(exit_name, s->exits_by_reason, 1, SC_EXIT_SIGNAL + 1));
    json_object_set_new(o, "problems", json_integer((json_int_t)r->bad));
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text != NULL) {
        printf("%s\n", text);
    }
    free(text);
    json_decref(o);
}

/* ---- the command ------------------------------------------------------------------ */

static int start(run *r, const param_choice *pc) {
    sc_decision_path_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = r->o->ins;
    cfg.params = &pc->params;
    cfg.tf_ns = r->o->tf_ns;
    cfg.fidelity = r->o->kind == SC_INPUT_CAPTURE ? SC_DP_FIDELITY_L2 : SC_DP_FIDELITY_BARS;
    cfg.bars_flow = r->o->has_split;
    cfg.record_all = r->o->all;
    cfg.on_record = on_record;
    cfg.ctx = r;
    r->json = malloc(SC_DP_JSON_MAX);
    if (r->json == NULL || sc_decision_path_create(&cfg, &r->dp) != SC_OK) {
        fprintf(stderr, "scalper signals: cannot start the decision path (parameters or memory)\n");
        return SC_EXIT_INTERNAL;
    }
    return 0;
}

static int run_all(run *r, const param_choice *pc) {
    int rc = start(r, pc);
    if (rc == 0) {
        rc = r->o->kind == SC_INPUT_CAPTURE ? run_capture(r) : run_klines(r);
        sc_decision_path_finish(r->dp);
    }
    if (rc == 0 || r->dp != NULL) {
        sc_decision_path_stats s;
        sc_smc_counters sm;
        sc_decision_path_get_stats(r->dp, &s);
        sc_decision_path_smc_counters(r->dp, &sm);
        if (r->o->json) {
            summary_json(r, &s, &sm, pc);
        } else {
            summary_text(r, &s, &sm, pc);
        }
    }
    fflush(stdout);
    if (r->bad > 0) {
        fprintf(stderr, "scalper signals: %llu problem%s with the input (the first %d shown)\n",
                (unsigned long long)r->bad, r->bad == 1 ? "" : "s", PROBLEMS_SHOWN);
        rc = rc == 0 ? SC_EXIT_INPUT : rc;
    }
    return rc;
}

int sc_cmd_signals(int argc, char **argv) {
    opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc == 0) {
        rc = detect_kinds(&o);
    }
    if (rc == 0) {
        rc = o.kind == SC_INPUT_CAPTURE ? prepare_capture(&o) : prepare_klines(&o);
    }
    param_choice *pc = rc == 0 ? calloc(1, sizeof(*pc)) : NULL;
    if (rc == 0 && pc == NULL) {
        rc = SC_EXIT_INTERNAL;
    }
    if (rc == 0) {
        rc = choose_params(&o, pc);
    }
    if (rc == 0) {
        run r;
        memset(&r, 0, sizeof(r));
        r.o = &o;
        rc = run_all(&r, pc);
        sc_progress_destroy(r.pg);
        sc_decision_path_destroy(r.dp);
        free(r.json);
    }
    free(pc);
    free(o.files);
    return rc < 0 ? SC_EXIT_OK : rc;
}
