/* scalper backtest: the whole engine over capture files, into an audit
 * database and two reports (app/backtest_run.h, app/backtest_report.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ai/param_store.h"
#include "app/backtest_report.h"
#include "app/backtest_run.h"
#include "app/cli.h"
#include "app/input.h"
#include "app/killswitch_file.h"
#include "app/signals.h"
#include "core/assert.h"
#include "core/time.h"
#include "engine/config.h"
#include "store/trade_store.h"

#define BT_VERSION "scalper 0.1.0"

enum { PATH_TEXT_MAX = 4096, ERR_TEXT_MAX = 640 };

typedef struct {
    const char **files;
    size_t n_files;
    const char *config_path;
    const char *db_path;
    const char *out_dir;
    const char *tf_text;
    sc_ns tf_ns;
    bool seed_set;
    uint64_t seed;
    bool quiet;
    const char *state_path;
    uint64_t interrupt_after;
    const char *jsonl_path;
    bool no_timing;
    uint64_t batch;   /* records per commit; 0 = the store's default */
    bool klines;      /* kline CSVs: bars fidelity */
    sc_ns kline_ns;   /* their interval */
    bool kline_split; /* they carry the taker-buy volume */
} opts;

static void usage(FILE *f) {
    fprintf(f, "usage: scalper backtest --data FILE... [--config FILE] [--db FILE] [--out DIR]\n"
               "                        [--seed N] [--timeframe 1m] [--state FILE] [--jsonl FILE]\n"
               "                        [--batch N] [--no-timing] [--quiet]\n\n"
               "Runs the whole engine (the paper engine: strategy, advisor, veto gate, order\n"
               "manager, fill simulator, metrics, kill switch) over captures or klines, in\n"
               "event time.\n"
               "Writes DIR/scalper.db (audit trail: run, every decision with its context,\n"
               "verdicts, orders, order events, fills, trades, kill-switch events, blunder\n"
               "labels; replaced if present),\n"
               "DIR/report.json and DIR/report.md. At the end of input the engine is stopped\n"
               "(cancel all, flatten) with 10 s of event time to land it.\n\n"
               "options:\n"
               "  --data FILE...   capture files (L2 fidelity), or kline CSVs (bars fidelity:\n"
               "                   each kline becomes a synthetic path of trades at a one-tick\n"
               "                   book, open -> nearer extreme -> other extreme -> close;\n"
               "                   resting orders fill only when the path trades through them;\n"
               "                   no funding), one stream in the order given. Spot klines\n"
               "                   (finer grid) stand in for the perpetual and the run says so\n"
               "  --config FILE    configuration: [risk] [paper] and the parameters (default:\n"
               "                   compiled defaults)\n"
               "  --db FILE        parameters: the active version of this store (over --config's)\n"
               "  --out DIR        output directory (default: backtest-out; created if absent)\n"
               "  --seed N         the fill simulator's seed (default: [paper] seed)\n"
               "  --timeframe TF   the strategy's candles: 1s, 1m (default), 5m, 15m, 1h\n"
               "  --state FILE     the kill switch's state file (as scalper kill: else\n"
               "                   $SCALPER_KILL_FILE, else next to --db, else ./scalper.kill).\n"
               "                   Read at the start: when tripped (a corrupt or unreadable file\n"
               "                   counts as tripped) the paper engine is killed before the first\n"
               "                   message, so no entry is sent; report.json kill_switch_at_start\n"
               "  --jsonl FILE     also every decision as one JSON line (the decisions table's\n"
               "                   columns and context)\n"
               "  --batch N        records per database commit (default 1000): a crash or\n"
               "                   SIGKILL loses at most the open batch; the file always opens\n"
               "  --no-timing      write the clock-measured figures (events_per_sec, wall_s,\n"
               "                   decision_latency_ns) as null, so that two runs of the same\n"
               "                   inputs give byte-identical report.json files\n"
               "  --interrupt-after-events N\n"
               "                   test aid: a simulated SIGINT after N events\n"
               "  --quiet          no progress bar\n\n"
               "SIGINT/SIGTERM: the run stops entries, cancels and flattens (the orderly\n"
               "shutdown), fed the capture's next messages until it is done; a second SIGINT\n"
               "stops at once. The database and reports are written as usual and say\n"
               "\"interrupted\" and the shutdown's outcome.\n\n");
    fprintf(f, "report.json: every key but events_per_sec, wall_s and decision_latency_ns is\n"
               "deterministic (same inputs, config, parameters and seed give the same bytes);\n"
               "those three are measured with a clock (decision_latency_ns: wall time of each\n"
               "engine call in which a candle closed and the decision path ran: features,\n"
               "strategy, advisor, veto gate, order) unless --no-timing.\n"
               "Money is decimal USDT text. sharpe = mean / sample std of per-trade net PnL x\n"
               "sqrt(trades), null for fewer than two trades. fidelity: l2 (captures) or bars\n"
               "(klines); events: capture messages, or klines.\n\n"
               "exit status: 0 ok; 2 bad usage; 3 input unreadable;\n"
               "4 internal error; 5 interrupted, shutdown not flat; 6 interrupted by a second\n"
               "SIGINT (no wait for the flatten). An interrupted run that ends flat exits 0.\n");
}

static int parse_u64(const char *name, const char *v, uint64_t *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long s = strtoull(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || v[0] == '-') {
        fprintf(stderr, "scalper backtest: %s: expected an unsigned integer, got '%s'\n", name, v);
        return SC_EXIT_USAGE;
    }
    *out = (uint64_t)s;
    return 0;
}

static int parse_value(const char *a, const char *v, opts *o) {
    if (strcmp(a, "--config") == 0) {
        o->config_path = v;
    } else if (strcmp(a, "--db") == 0) {
        o->db_path = v;
    } else if (strcmp(a, "--out") == 0) {
        o->out_dir = v;
    } else if (strcmp(a, "--seed") == 0) {
        o->seed_set = true;
        return parse_u64(a, v, &o->seed);
    } else if (strcmp(a, "--state") == 0) {
        o->state_path = v;
    } else if (strcmp(a, "--batch") == 0) {
        int rc = parse_u64(a, v, &o->batch);
        if (rc == 0 && (o->batch == 0 || o->batch > SC_TRADE_STORE_BATCH_MAX)) {
            fprintf(stderr, "scalper backtest: --batch: expected 1..%d, got '%s'\n",
                    SC_TRADE_STORE_BATCH_MAX, v);
            return SC_EXIT_USAGE;
        }
        return rc;
    } else if (strcmp(a, "--jsonl") == 0) {
        o->jsonl_path = v;
    } else if (strcmp(a, "--interrupt-after-events") == 0) {
        return parse_u64(a, v, &o->interrupt_after);
    } else if (strcmp(a, "--timeframe") == 0) {
        return sc_input_parse_timeframe("backtest", v, &o->tf_ns, &o->tf_text);
    } else {
        return -2;
    }
    return 0;
}

static int parse_opts(int argc, char **argv, opts *o) {
    memset(o, 0, sizeof(*o));
    o->out_dir = "backtest-out";
    o->tf_ns = SC_NS_PER_MIN;
    o->files = calloc((size_t)argc + 1, sizeof(*o->files));
    if (o->files == NULL) {
        return SC_EXIT_INTERNAL;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = -2;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        }
        if (strcmp(a, "--quiet") == 0 || strcmp(a, "--no-timing") == 0) {
            o->quiet = o->quiet || a[2] == 'q';
            o->no_timing = o->no_timing || a[2] == 'n';
            rc = 0;
        } else if (strcmp(a, "--data") == 0) {
            rc = sc_input_take_files(argc, argv, &i, o->files, &o->n_files) ? 0 : -2;
        } else if (i + 1 < argc) {
            rc = parse_value(a, argv[i + 1], o);
            i += rc == -2 ? 0 : 1;
        }
        if (rc != 0) {
            if (rc == -2) {
                fprintf(stderr, "scalper backtest: bad option or missing value: '%s'\n", a);
            }
            return SC_EXIT_USAGE;
        }
    }
    if (o->n_files == 0) {
        usage(stderr);
        return SC_EXIT_USAGE;
    }
    return 0;
}

/* Kline CSVs: their interval (recognised), grid (USD-M, or spot's finer
 * one: spot prices then stand in for the perpetual's, and the run says
 * so), taker split, and a timeframe that merges whole klines. */
static int check_klines(opts *o, const sc_instrument **ins) {
    static const sc_ns k_candidates[] = {SC_NS_PER_MIN, 3 * SC_NS_PER_MIN, 5 * SC_NS_PER_MIN,
                                         15 * SC_NS_PER_MIN, 60 * SC_NS_PER_MIN};
    sc_input_probe pr;
    if (sc_input_probe_interval(o->files[0], k_candidates,
                                sizeof(k_candidates) / sizeof(k_candidates[0]), &o->kline_ns,
                                &pr) != SC_OK) {
        sc_input_report("backtest", &pr.first_err);
        return SC_EXIT_INPUT;
    }
    if (o->kline_ns == 0) {
        fprintf(stderr,
                "scalper backtest: %s: cannot tell the kline interval (rows that read "
                "clean one interval apart: 1m, 3m, 5m, 15m or 1h)\n",
                o->files[0]);
        return SC_EXIT_INPUT;
    }
    if (o->tf_ns < o->kline_ns || o->tf_ns % o->kline_ns != 0) {
        fprintf(stderr,
                "scalper backtest: --timeframe: not a multiple of the klines' interval "
                "(%lld s): klines are merged up, never split\n",
                (long long)(o->kline_ns / SC_NS_PER_S));
        return SC_EXIT_USAGE;
    }
    const sc_instrument *usdm = sc_instrument_find("usdm:BTCUSDT");
    if (sc_input_probe_file(o->files[0], usdm, o->kline_ns, SC_INPUT_PROBE_GRID_ROWS, &pr) !=
        SC_OK) {
        sc_input_report("backtest", &pr.first_err);
        return SC_EXIT_INPUT;
    }
    *ins = pr.precision ? sc_instrument_find("spot:BTCUSDT") : usdm;
    o->kline_split = (pr.has & SC_CANDLE_HAS_SPLIT) != 0;
    o->klines = true;
    fprintf(stderr, "backtest: kline input, %lld s rows, %s grid%s; bars fidelity%s\n",
            (long long)(o->kline_ns / SC_NS_PER_S), (*ins)->name,
            o->kline_split ? ", taker-buy volume present" : "",
            pr.precision ? " (spot prices stand in for the perpetual's)" : "");
    return 0;
}

static int check_input(opts *o, const sc_instrument **ins) {
    sc_input_kinds ks;
    sc_input_detect_kinds(o->files, o->n_files, &ks);
    if (ks.outcome == SC_INPUT_KINDS_UNREADABLE || ks.outcome == SC_INPUT_KINDS_EMPTY) {
        fprintf(stderr, "scalper backtest: %s: unreadable or empty\n", o->files[ks.at]);
        return SC_EXIT_INPUT;
    }
    if (ks.outcome == SC_INPUT_KINDS_MIXED) {
        fprintf(stderr,
                "scalper backtest: %s and %s are of different kinds (capture, kline "
                "CSV): one run reads one kind\n",
                o->files[0], o->files[ks.at]);
        return SC_EXIT_USAGE;
    }
    if (ks.kind == SC_INPUT_KLINES) {
        return check_klines(o, ins);
    }
    int rc = sc_input_capture_instrument("backtest", o->files, ins);
    if (rc == 0 && strcmp((*ins)->name, "usdm:BTCUSDT") != 0) {
        fprintf(stderr, "scalper backtest: %s: the paper engine trades usdm:BTCUSDT only\n",
                (*ins)->name);
        return SC_EXIT_USAGE;
    }
    return rc;
}

/* ---- configuration and parameters ---------------------------------------------- */

typedef struct {
    sc_config cfg;
    sc_rulebook_limits limits;
    sc_bt_result res;
    sc_bt_latency lat;
    sc_bt_latency dlat;
} setup;

static int load_config(const opts *o, setup *s) {
    sc_config_defaults(&s->cfg);
    snprintf(s->res.params_source, sizeof(s->res.params_source), "compiled defaults");
    if (o->config_path != NULL) {
        sc_config_errors *errs = calloc(1, sizeof(*errs));
        if (errs == NULL) {
            return SC_EXIT_INTERNAL;
        }
        sc_err e = sc_config_load(o->config_path, &s->cfg, errs);
        char buf[ERR_TEXT_MAX];
        for (size_t i = 0; e != SC_OK && i < errs->count; i++) {
            fprintf(stderr, "scalper backtest: %s\n",
                    sc_errinfo_format(&errs->items[i], buf, sizeof(buf)));
        }
        free(errs);
        if (e != SC_OK) {
            fprintf(stderr, "scalper backtest: --config %s: not usable\n", o->config_path);
            return SC_EXIT_INPUT;
        }
        snprintf(s->res.params_source, sizeof(s->res.params_source), "--config %s", o->config_path);
    }
    char text[SC_CONFIG_CANONICAL_MAX];
    size_t n = sc_config_canonical(&s->cfg, text, sizeof(text));
    SC_ASSERT(n < sizeof(text));
    if (sc_sha256_hex(text, n, s->res.config_hash) != SC_OK) {
        return SC_EXIT_INTERNAL;
    }
    const sc_config_risk *k = &s->cfg.risk;
    s->limits =
        (sc_rulebook_limits){k->position_steps_max,     k->daily_loss_bps_max, k->drawdown_bps_max,
                             k->spread_bps_x100_max,    k->hold_s_min,         k->hold_s_max,
                             k->consecutive_losses_max, k->leverage_x100_max};
    return 0;
}

static int load_params(const opts *o, setup *s) {
    if (o->db_path == NULL) {
        return 0;
    }
    sc_param_store *st = NULL;
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    char buf[ERR_TEXT_MAX];
    if (access(o->db_path, F_OK) != 0 || sc_param_store_open(o->db_path, &st, &ei) != SC_OK) {
        fprintf(stderr, "scalper backtest: --db %s: cannot be opened: %s\n", o->db_path,
                sc_errinfo_format(&ei, buf, sizeof(buf)));
        return SC_EXIT_INPUT;
    }
    sc_param_version *v = calloc(1, sizeof(*v));
    sc_err e = v == NULL ? SC_ERR_NOMEM : sc_param_store_active(st, v, &ei);
    if (e == SC_OK) {
        s->cfg.params = v->values;
        snprintf(s->res.params_source, sizeof(s->res.params_source), "--db %s: active version %lld",
                 o->db_path, (long long)v->meta.id);
    } else {
        fprintf(stderr, "scalper backtest: --db %s: no usable active version: %s\n", o->db_path,
                sc_errinfo_format(&ei, buf, sizeof(buf)));
    }
    free(v);
    sc_param_store_close(st);
    return e == SC_OK ? 0 : SC_EXIT_INPUT;
}

/* DIR exists or is created (one level); an old scalper.db there is removed,
 * so each run's database holds that run only. */
static int prepare_out(const char *dir, char *db, size_t cap) {
    struct stat st;
    if ((mkdir(dir, 0777) != 0 && errno != EEXIST) || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "scalper backtest: --out %s: %s\n", dir,
                errno == EEXIST ? "exists and is not a directory" : strerror(errno));
        return SC_EXIT_USAGE;
    }
    static const char *const k_suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[PATH_TEXT_MAX];
        int n = snprintf(p, sizeof(p), "%s/scalper.db%s", dir, k_suffix[i]);
        if (n < 0 || (size_t)n >= sizeof(p)) {
            return SC_EXIT_USAGE;
        }
        if (unlink(p) != 0 && errno != ENOENT) {
            fprintf(stderr, "scalper backtest: %s: %s\n", p, strerror(errno));
            return SC_EXIT_INPUT;
        }
    }
    int n = snprintf(db, cap, "%s/scalper.db", dir);
    return n > 0 && (size_t)n < cap ? 0 : SC_EXIT_USAGE;
}

static void describe_inputs(const opts *o, sc_bt_result *r) {
    size_t n = 0;
    r->inputs[0] = '\0';
    for (size_t i = 0; i < o->n_files; i++) {
        const char *base = strrchr(o->files[i], '/');
        base = base != NULL ? base + 1 : o->files[i];
        int k = snprintf(r->inputs + n, sizeof(r->inputs) - n, "%s%s", i == 0 ? "" : ",", base);
        if (k < 0 || (size_t)k >= sizeof(r->inputs) - n) {
            break; /* cut: the list is for people */
        }
        n += (size_t)k;
    }
}

/* The persisted kill switch, found as scalper kill finds it. Absent: not
 * tripped; corrupt or unreadable: tripped (fail closed). */
static int read_kill_switch(const opts *o, sc_bt_result *r) {
    sc_ks_paths paths;
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    char buf[ERR_TEXT_MAX];
    if (sc_ks_paths_resolve(o->state_path, o->db_path, &paths, &ei) != SC_OK) {
        fprintf(stderr, "scalper backtest: kill-switch state path: %s\n",
                sc_errinfo_format(&ei, buf, sizeof(buf)));
        return SC_EXIT_USAGE;
    }
    sc_killswitch_config kc;
    sc_killswitch_config_default(&kc);
    sc_killswitch *ks = NULL;
    if (sc_killswitch_create(&kc, &ks) != SC_OK) {
        return SC_EXIT_INTERNAL;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sc_ns now = (sc_ns)ts.tv_sec * SC_NS_PER_S + (sc_ns)ts.tv_nsec;
    sc_ks_file_status st = sc_ks_file_read(&paths, ks, now, &ei);
    if (st == SC_KS_FILE_CORRUPT || st == SC_KS_FILE_UNREADABLE) {
        fprintf(stderr, "scalper backtest: %s: %s: counts as TRIPPED (fail closed)\n", paths.state,
                sc_errinfo_format(&ei, buf, sizeof(buf)));
    }
    sc_ks_trip cause;
    r->ks_tripped = sc_killswitch_cause(ks, now, &cause);
    if (r->ks_tripped) {
        snprintf(r->ks_trigger, sizeof(r->ks_trigger), "%s", sc_ks_trigger_name(cause.trigger));
        snprintf(r->ks_reason, sizeof(r->ks_reason), "%s", cause.reason);
        fprintf(stderr,
                "scalper backtest: kill switch TRIPPED (%s: %s; %s): no entry will be sent\n",
                r->ks_trigger, r->ks_reason, paths.state);
    }
    sc_killswitch_destroy(ks);
    return 0;
}

/* --jsonl can be created (the decision log creates it again at the start). */
static int check_jsonl(const char *path) {
    FILE *f = path != NULL ? fopen(path, "w") : NULL;
    if (path != NULL && f == NULL) {
        fprintf(stderr, "scalper backtest: --jsonl %s: %s\n", path, strerror(errno));
        return SC_EXIT_USAGE;
    }
    if (f != NULL) {
        fclose(f);
    }
    return 0;
}

/* ---- the command ------------------------------------------------------------------ */

static int run_and_report(const opts *o, setup *s, const sc_instrument *ins) {
    char db[PATH_TEXT_MAX];
    int rc = prepare_out(o->out_dir, db, sizeof(db));
    rc = rc == 0 ? check_jsonl(o->jsonl_path) : rc;
    if (rc != 0) {
        return rc;
    }
    sc_paper_config pc;
    memset(&pc, 0, sizeof(pc));
    pc.ins = ins;
    pc.params = &s->cfg.params;
    pc.limits = &s->limits;
    pc.start_equity = s->cfg.risk.starting_equity;
    pc.maker_fee_bps_x100 = s->cfg.paper.maker_fee_bps_x100;
    pc.taker_fee_bps_x100 = s->cfg.paper.taker_fee_bps_x100;
    pc.latency_ns = s->cfg.paper.latency_ms * SC_NS_PER_MS;
    pc.jitter_ns = s->cfg.paper.latency_jitter_ms * SC_NS_PER_MS;
    pc.seed = o->seed_set ? o->seed : (uint64_t)s->cfg.paper.seed;
    pc.id_prefix = "bt";
    pc.strategy = true;
    pc.tf_ns = o->tf_ns;
    pc.fidelity = o->klines ? SC_DP_FIDELITY_BARS : SC_DP_FIDELITY_L2;
    pc.bars_flow = o->kline_split;
    s->res.ins = ins;
    s->res.fidelity = o->klines ? "bars" : "l2";
    s->res.seed = pc.seed;
    s->res.params_version = s->cfg.params.version;
    s->res.latency = &s->lat;
    s->res.decision_latency = &s->dlat;
    s->res.no_timing = o->no_timing;
    describe_inputs(o, &s->res);
    sc_bt_run_config rc_ = {o->files,
                            o->n_files,
                            db,
                            BT_VERSION,
                            &pc,
                            &s->limits,
                            pc.maker_fee_bps_x100,
                            pc.taker_fee_bps_x100,
                            !o->quiet,
                            s->res.ks_tripped,
                            s->res.ks_reason,
                            o->interrupt_after,
                            o->jsonl_path,
                            o->klines,
                            o->kline_ns,
                            (uint32_t)o->batch};
    if (sc_signals_install() != SC_OK) {
        fprintf(stderr, "scalper backtest: cannot install the signal handlers\n");
        return SC_EXIT_INTERNAL;
    }
    rc = sc_bt_run(&rc_, &s->res);
    sc_signals_restore();
    if (rc != 0) {
        return rc;
    }
    char path[PATH_TEXT_MAX];
    snprintf(path, sizeof(path), "%s/report.json", o->out_dir);
    sc_err e = sc_bt_report_json(&s->res, path);
    if (e == SC_OK) {
        snprintf(path, sizeof(path), "%s/report.md", o->out_dir);
        e = sc_bt_report_md(&s->res, path);
    }
    if (e != SC_OK) {
        fprintf(stderr, "scalper backtest: cannot write %s\n", path);
        return SC_EXIT_INTERNAL;
    }
    fprintf(stderr, "backtest: %llu events, %llu trades; %s/report.json, report.md, scalper.db\n",
            (unsigned long long)s->res.events, (unsigned long long)s->res.trades, o->out_dir);
    return s->res.interrupted ? s->res.shutdown_exit : 0;
}

int sc_cmd_backtest(int argc, char **argv) {
    opts o;
    int rc = parse_opts(argc, argv, &o);
    const sc_instrument *ins = NULL;
    if (rc == 0) {
        rc = check_input(&o, &ins);
    }
    setup *s = rc == 0 ? calloc(1, sizeof(*s)) : NULL;
    rc = rc == 0 && s == NULL ? SC_EXIT_INTERNAL : rc;
    if (rc == 0) {
        rc = load_config(&o, s);
    }
    if (rc == 0) {
        rc = load_params(&o, s);
    }
    if (rc == 0) {
        rc = read_kill_switch(&o, &s->res);
    }
    if (rc == 0) {
        rc = run_and_report(&o, s, ins);
    }
    free(s);
    free(o.files);
    return rc < 0 ? SC_EXIT_OK : rc;
}
