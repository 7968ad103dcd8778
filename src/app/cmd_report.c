/* scalper report: the report of a stored run, read back from the audit
 * database of store/trade_store.h (what `scalper backtest --out DIR` writes
 * to DIR/scalper.db), with the trades filtered by blunder label, regime,
 * side and UTC hour of the entry.
 *
 * The database is opened read-only: a missing file is an error, never a new
 * database, and a report can run while a backtest writes the file. The
 * figures are recomputed from the stored trades (app/report_view.h), two
 * passes over the trades in pages (figures, then the table), so memory does
 * not grow with the run. Text and --json come from the same JSON document;
 * only the text table is printed straight from the second pass. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/cli.h"
#include "app/report_view.h"
#include "core/assert.h"
#include "strategy/signal.h"

enum {
    PATH_TEXT_MAX = 4096,
    NAMES_TEXT_MAX = 512,
    TRADES_SHOWN_DEFAULT = 50,
    PAGE_ROWS = 500,   /* trades per store call */
    GROUP_PAGE = 100,  /* names per count_by call */
    GROUPS_MAX = 1000, /* distinct names kept per count; more are left out, and said */
    LABEL_PAGE = 16,   /* labels per list_labels call (the taxonomy has 10) */
    RUNS_LISTED = 20,  /* run ids named when --run names none */
    EACH_STOP = -1     /* a trade callback's "done, stop early" */
};
_Static_assert((int)PAGE_ROWS <= (int)SC_TRADE_STORE_LIST_PAGE_MAX, "a page the store serves");
_Static_assert((int)GROUP_PAGE <= (int)SC_TRADE_STORE_LIST_PAGE_MAX, "a page the store serves");

typedef struct {
    const char *target; /* DIR or DB as given */
    int64_t run_id;     /* 0: the latest */
    sc_report_filter filter;
    bool json;
    int64_t shown_max; /* rows of the trade table; -1: all */
} opts;

/* names (", "-separated) as lines of at most 80 columns, each indented by
 * 19 spaces (the option texts' column). */
static void print_names(FILE *f, const char *names) {
    enum { INDENT = 19, WIDTH = 80 };
    int col = WIDTH;
    const char *p = names;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        int len = end != NULL ? (int)(end - p) + 1 : (int)strlen(p);
        if (col + 1 + len > WIDTH) {
            fprintf(f, "%s%*s", col == WIDTH ? "" : "\n", INDENT, "");
            col = INDENT;
        } else {
            fputc(' ', f);
            col++;
        }
        fprintf(f, "%.*s", len, p);
        col += len;
        p += len;
        p += *p == ' ' ? 1 : 0;
    }
    fputc('\n', f);
}

static void usage(FILE *f) {
    char names[NAMES_TEXT_MAX];
    fprintf(f, "usage: scalper report DIR|DB [--run ID] [--label L]... [--regime R]\n"
               "                      [--side buy|sell|long|short] [--hour H|H1-H2]\n"
               "                      [--trades N|all] [--json]\n\n"
               "The report of a stored run, read back from the audit database that\n"
               "'scalper backtest --out DIR' writes: DIR/scalper.db when DIR is a directory,\n"
               "else the database file itself. Read only: a missing database is an error,\n"
               "never created, and nothing is written to it (SQLite may leave its -wal and\n"
               "-shm side files); a report can run while a backtest writes the file.\n\n"
               "Prints the run (mode, status, start and end in UTC, inputs, seed, parameter\n"
               "version, rulebook and config hashes, build, kill-switch events), its figures\n"
               "recomputed from the stored trades, decisions by action and by reason, vetoes\n"
               "by reason and by level, blunder labels by count with each label's definition,\n"
               "then the trades that match the filters (every trade without one) and the\n"
               "figures of those trades. Filters combine with AND.\n\n"
               "options:\n"
               "  --run ID         the run (default: the latest in the file)\n"
               "  --label L        trades carrying blunder label L; repeat it and a trade must\n"
               "                   carry every one. L is one of:\n");
    print_names(f, sc_report_label_names(names, sizeof(names)));
    fprintf(f, "  --regime R       trades entered in regime R (the regime at entry; runs that\n"
               "                   did not record one say unknown). R is one of:\n");
    print_names(f, sc_report_regime_names(names, sizeof(names)));
    fprintf(f,
            "  --side S         long (or buy) or short (or sell) trades\n"
            "  --hour H|H1-H2   trades entered in UTC hour H (0..23), or in hours H1..H2\n"
            "                   inclusive (22-2 wraps past midnight)\n"
            "  --trades N|all   rows of the trade table (text and --json), by seq\n"
            "                   (default %d); the figures always cover every matching trade\n"
            "  --json           one JSON object with the same content; its table rows also\n"
            "                   give each label's detail\n"
            "  -h, --help       this text\n\n",
            TRADES_SHOWN_DEFAULT);
    fprintf(f, "figures: trades; wins (net > 0), losses (net < 0), scratches; win_rate =\n"
               "wins / trades; net, gross (before fees and funding), fees and funding in USDT\n"
               "exact to 1e-8; profit_factor = sum of winning nets / sum of losing |nets|\n"
               "(n/a without losses); expectancy = net / trades; avg_hold_s;\n"
               "max_consecutive_losses (a scratch neither extends nor ends a streak). Table:\n"
               "times UTC, entry and exit at the average fill price, qty in BTC, net in USDT.\n\n"
               "exit status: 0 ok (also when no trade matches); 2 bad usage (an unknown label,\n"
               "regime or side name, a bad hour); 3 the database or run cannot be read:\n"
               "missing, not a scalper database, written by a newer scalper, no such run, no\n"
               "runs; 4 database or internal error.\n");
}

static int usage_error(const char *what, const char *got, const char *valid) {
    fprintf(stderr, "scalper report: %s'%s'%s%s (try 'scalper report --help')\n", what, got,
            valid != NULL ? "; valid: " : "", valid != NULL ? valid : "");
    return SC_EXIT_USAGE;
}

/* A count: decimal digits only, <= max. */
static bool parse_count(const char *s, int64_t max, int64_t *out) {
    int64_t v = 0;
    if (s[0] == '\0' || strlen(s) > 18) {
        return false;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return v <= max;
}

/* A filter option and its value; 0 or an exit status. */
static int parse_filter(const char *a, const char *v, opts *o) {
    char names[NAMES_TEXT_MAX];
    sc_report_filter *f = &o->filter;
    if (strcmp(a, "--label") == 0) {
        uint32_t bit = 0;
        if (!sc_report_parse_label(v, &bit)) {
            return usage_error("--label: unknown label ", v,
                               sc_report_label_names(names, sizeof(names)));
        }
        f->labels |= bit;
    } else if (strcmp(a, "--regime") == 0) {
        if (f->regime[0] != '\0' || !sc_report_parse_regime(v, f)) {
            return usage_error(f->regime[0] != '\0' ? "--regime given twice: "
                                                    : "--regime: "
                                                      "unknown regime ",
                               v, sc_report_regime_names(names, sizeof(names)));
        }
    } else if (strcmp(a, "--side") == 0) {
        if (f->side >= 0 || !sc_report_parse_side(v, f)) {
            return usage_error(f->side >= 0 ? "--side given twice: " : "--side: unknown side ", v,
                               "long, short, buy, sell");
        }
    } else {
        SC_ASSERT(strcmp(a, "--hour") == 0);
        if (f->hour_from >= 0 || !sc_report_parse_hours(v, f)) {
            return usage_error(f->hour_from >= 0 ? "--hour given twice: "
                                                 : "--hour: expected H or H1-H2 (UTC hours "
                                                   "0..23), got ",
                               v, NULL);
        }
    }
    return 0;
}

/* An option with a value at argv[*i]; 0 or an exit status. */
static int parse_option(int argc, char **argv, int *i, opts *o) {
    const char *a = argv[*i];
    bool filter = strcmp(a, "--label") == 0 || strcmp(a, "--regime") == 0 ||
                  strcmp(a, "--side") == 0 || strcmp(a, "--hour") == 0;
    if (!filter && strcmp(a, "--run") != 0 && strcmp(a, "--trades") != 0) {
        return usage_error("unknown option ", a, NULL);
    }
    if (*i + 1 >= argc) {
        return usage_error("a value is missing after ", a, NULL);
    }
    const char *v = argv[++*i];
    if (filter) {
        return parse_filter(a, v, o);
    }
    if (strcmp(a, "--run") == 0) {
        if (!parse_count(v, INT64_MAX / 10, &o->run_id) || o->run_id < 1) {
            return usage_error("--run: expected a run id (1, 2, ...), got ", v, NULL);
        }
    } else if (strcmp(v, "all") == 0) {
        o->shown_max = -1;
    } else if (!parse_count(v, INT64_MAX / 10, &o->shown_max)) {
        return usage_error("--trades: expected a count or 'all', got ", v, NULL);
    }
    return 0;
}

/* 0 when the command line is good; -1 after --help; else an exit status. */
static int parse_opts(int argc, char **argv, opts *o) {
    memset(o, 0, sizeof(*o));
    sc_report_filter_any(&o->filter);
    o->shown_max = TRADES_SHOWN_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int rc = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            rc = parse_option(argc, argv, &i, o);
        } else if (o->target == NULL) {
            o->target = a;
        } else {
            rc = usage_error("one DIR or DB only; also got ", a, NULL);
        }
        if (rc != 0) {
            return rc;
        }
    }
    if (o->target == NULL) {
        usage(stderr);
        return SC_EXIT_USAGE;
    }
    return 0;
}

/* DIR -> DIR/scalper.db; a file is the database. Either must exist. */
static int resolve_path(const char *target, char *path, size_t cap) {
    struct stat sb;
    if (stat(target, &sb) != 0) {
        fprintf(stderr, "scalper report: %s: %s\n", target, strerror(errno));
        return SC_EXIT_INPUT;
    }
    int n = S_ISDIR(sb.st_mode) ? snprintf(path, cap, "%s/scalper.db", target)
                                : snprintf(path, cap, "%s", target);
    if (n < 0 || (size_t)n >= cap) {
        return usage_error("path too long: ", target, NULL);
    }
    if (S_ISDIR(sb.st_mode) && stat(path, &sb) != 0) {
        fprintf(stderr, "scalper report: %s: %s (a directory is read as DIR/scalper.db)\n", path,
                strerror(errno));
        return SC_EXIT_INPUT;
    }
    return 0;
}

/* ---- reading the run ---------------------------------------------------------- */

typedef struct {
    const opts *o;
    const char *path;
    sc_trade_store *st;
    sc_run_row run;
    sc_trade_store_counts counts;
    sc_report_summary all;
    sc_report_summary sel;
    int64_t shown;
    json_t *rows_json; /* --json: the table's rows */
    sc_trade_ctx_row page[PAGE_ROWS];
    sc_blunder_label_row labels[LABEL_PAGE];
    sc_trade_store_group groups[GROUP_PAGE];
    sc_errinfo ei;
} report;

/* What the store said: SQLite's message for an I/O failure (its SQL, in
 * expected, is not for users), else expected and got. */
static void say(const report *r, const char *doing, sc_err e) {
    const sc_errinfo *ei = &r->ei;
    if (e == SC_ERR_IO || e == SC_ERR_NOMEM) {
        fprintf(stderr, "scalper report: %s: %s: %s: %s\n", r->path, doing, ei->field, ei->got);
    } else {
        fprintf(stderr, "scalper report: %s: %s: %s: expected %s, got %s\n", r->path, doing,
                ei->field, ei->expected, ei->got);
    }
}

/* Says what failed; the exit status for it (I/O: 4; a stored value this
 * build cannot read: 3). */
static int store_fail(const report *r, const char *doing, sc_err e) {
    SC_ASSERT(e != SC_OK);
    say(r, doing, e);
    return e == SC_ERR_IO || e == SC_ERR_NOMEM ? SC_EXIT_INTERNAL : SC_EXIT_INPUT;
}

/* Any failure here is the file's (unreadable, not SQLite, not ours, newer). */
static int open_store(report *r) {
    sc_trade_store_config cfg = {.path = r->path, .read_only = true};
    sc_err e = sc_trade_store_open(&cfg, &r->st, &r->ei);
    if (e != SC_OK) {
        say(r, e == SC_ERR_UNSUPPORTED ? "refused" : "cannot be read as a database", e);
        return SC_EXIT_INPUT;
    }
    return 0;
}

static void list_runs(report *r) {
    sc_run_row *runs = calloc(RUNS_LISTED, sizeof(*runs));
    size_t n = 0;
    if (runs != NULL &&
        sc_trade_store_list_runs(r->st, 0, runs, RUNS_LISTED, &n, &r->ei) == SC_OK) {
        fprintf(stderr, "scalper report: runs in %s (newest first):", r->path);
        for (size_t i = 0; i < n; i++) {
            fprintf(stderr, "%s %lld", i == 0 ? "" : ",", (long long)runs[i].id);
        }
        fprintf(stderr, "%s\n", n == RUNS_LISTED ? ", ..." : "");
    }
    free(runs);
}

static int choose_run(report *r) {
    int64_t id = r->o->run_id;
    sc_err e = SC_OK;
    if (id == 0) {
        e = sc_trade_store_latest_run(r->st, &id, &r->ei);
        if (e == SC_ERR_NOT_FOUND) {
            fprintf(stderr, "scalper report: %s: no runs in this database\n", r->path);
            return SC_EXIT_INPUT;
        }
    }
    e = e == SC_OK ? sc_trade_store_get_run(r->st, id, &r->run, &r->ei) : e;
    if (e == SC_ERR_NOT_FOUND) {
        fprintf(stderr, "scalper report: %s: no run %lld\n", r->path, (long long)id);
        list_runs(r);
        return SC_EXIT_INPUT;
    }
    e = e == SC_OK ? sc_trade_store_counts_get(r->st, id, &r->counts, &r->ei) : e;
    return e == SC_OK ? 0 : store_fail(r, "reading the run", e);
}

typedef int (*trade_fn)(report *r, const sc_trade_ctx_row *row);

/* fn on each trade of the run, by seq, until it returns non-zero
 * (EACH_STOP: stop, 0 back). */
static int each_trade(report *r, trade_fn fn) {
    int64_t after = 0; /* seq >= 1 (the schema's CHECK) */
    for (;;) {
        size_t n = 0;
        sc_err e =
            sc_trade_store_list_trades_ctx(r->st, r->run.id, after, r->page, PAGE_ROWS, &n, &r->ei);
        if (e != SC_OK) {
            return store_fail(r, "reading the trades", e);
        }
        for (size_t i = 0; i < n; i++) {
            SC_ASSERT(r->page[i].row.trade.seq > after); /* by seq, each once */
            after = r->page[i].row.trade.seq;
            int rc = fn(r, &r->page[i]);
            if (rc != 0) {
                return rc == EACH_STOP ? 0 : rc;
            }
        }
        if (n < PAGE_ROWS) {
            return 0;
        }
    }
}

static int add_figures(report *r, const sc_trade_ctx_row *row) {
    bool ok = sc_report_summary_add(&r->all, &row->row.trade);
    if (ok && sc_report_filter_match(&r->o->filter, row)) {
        ok = sc_report_summary_add(&r->sel, &row->row.trade);
    }
    if (!ok) {
        fprintf(stderr, "scalper report: %s: run %lld: the sums of its trades overflow int64\n",
                r->path, (long long)r->run.id);
        return SC_EXIT_INPUT;
    }
    return 0;
}

/* A run's rows by name (sc_trade_store_by) into a new object (name: count). */
static int groups_json(report *r, sc_trade_store_by by, json_t **out) {
    json_t *o = json_object();
    char after[SC_TRADE_STORE_NAME_MAX + 1] = "";
    size_t kept = 0;
    for (;;) {
        size_t n = 0;
        sc_err e =
            sc_trade_store_count_by(r->st, r->run.id, by, after, r->groups, GROUP_PAGE, &n, &r->ei);
        if (e != SC_OK) {
            json_decref(o);
            return store_fail(r, "counting rows by name", e);
        }
        for (size_t i = 0; i < n && kept < GROUPS_MAX; i++, kept++) {
            json_object_set_new(o, r->groups[i].name, json_integer((json_int_t)r->groups[i].n));
        }
        if (n < GROUP_PAGE) {
            break;
        }
        if (kept >= GROUPS_MAX) {
            fprintf(stderr, "scalper report: %d distinct names or more: any past %d left out\n",
                    GROUPS_MAX, GROUPS_MAX);
            break;
        }
        snprintf(after, sizeof(after), "%s", r->groups[n - 1].name);
    }
    *out = o;
    return 0;
}

/* ---- the JSON document ---------------------------------------------------------- */

static json_t *run_json(const report *r) {
    const sc_run_row *u = &r->run;
    char t[SC_REPORT_TIME_TEXT_MAX];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)u->id));
    json_object_set_new(o, "mode", json_string(sc_run_mode_name(u->mode)));
    json_object_set_new(o, "status", u->ended_ns >= 0 ? json_string(u->status) : json_null());
    json_object_set_new(o, "started_utc", json_string(sc_report_utc(u->started_ns, t, sizeof(t))));
    json_object_set_new(o, "ended_utc",
                        u->ended_ns >= 0 ? json_string(sc_report_utc(u->ended_ns, t, sizeof(t)))
                                         : json_null());
    json_object_set_new(o, "inputs", json_string(u->inputs));
    /* A seed past int64 (JSON integers are signed here) as its decimal text. */
    json_object_set_new(o, "seed",
                        u->seed <= (uint64_t)INT64_MAX
                            ? json_integer((json_int_t)u->seed)
                            : json_sprintf("%llu", (unsigned long long)u->seed));
    json_object_set_new(o, "params_version", json_integer((json_int_t)u->params_version));
    json_object_set_new(o, "rulebook_hash", json_string(u->rulebook_hash));
    json_object_set_new(o, "config_hash", json_string(u->config_hash));
    json_object_set_new(o, "version", json_string(u->version));
    json_object_set_new(o, "kill_events", json_integer((json_int_t)r->counts.kill_events));
    return o;
}

static json_t *rows_json(const sc_trade_store_counts *c) {
    return json_pack("{sI sI sI sI sI sI sI sI}", "orders", (json_int_t)c->orders, "order_events",
                     (json_int_t)c->order_events, "fills", (json_int_t)c->fills, "trades",
                     (json_int_t)c->trades, "decisions", (json_int_t)c->decisions, "verdicts",
                     (json_int_t)c->verdicts, "kill_events", (json_int_t)c->kill_events,
                     "blunder_labels", (json_int_t)c->blunder_labels);
}

/* Every label of the taxonomy (count, definition), then any stored label
 * this build does not know (definition null). Takes counts. */
static json_t *blunders_json(json_t *counts) {
    json_t *o = json_object();
    for (int l = 0; l < SC_BLUNDER_LABEL_COUNT; l++) {
        const char *name = sc_blunder_label_name((sc_blunder_label)l);
        json_t *n = json_object_get(counts, name);
        json_object_set_new(
            o, name,
            json_pack("{sI ss}", "count", n != NULL ? json_integer_value(n) : (json_int_t)0,
                      "definition", sc_blunder_label_definition((sc_blunder_label)l)));
    }
    const char *k;
    json_t *v;
    json_object_foreach(counts, k, v) {
        if (json_object_get(o, k) == NULL) {
            json_object_set_new(o, k,
                                json_pack("{sI sn}", "count", json_integer_value(v), "definition"));
        }
    }
    json_decref(counts);
    return o;
}

/* Two name counts of one table under one key: {a: {...}, b: {...}}. */
static int pair_json(report *r, json_t *root, const char *key, const char *a,
                     sc_trade_store_by by_a, const char *b, sc_trade_store_by by_b) {
    json_t *ja = NULL;
    json_t *jb = NULL;
    int rc = groups_json(r, by_a, &ja);
    rc = rc == 0 ? groups_json(r, by_b, &jb) : rc;
    if (rc != 0) {
        json_decref(ja);
        return rc;
    }
    json_t *o = json_object();
    json_object_set_new(o, a, ja);
    json_object_set_new(o, b, jb);
    json_object_set_new(root, key, o);
    return 0;
}

static int build_json(report *r, json_t *root) {
    json_object_set_new(root, "schema", json_string("scalper-report 1"));
    json_object_set_new(root, "database", json_string(r->path));
    json_object_set_new(root, "run", run_json(r));
    json_object_set_new(root, "rows", rows_json(&r->counts));
    json_object_set_new(root, "summary", sc_report_summary_json(&r->all));
    int rc = pair_json(r, root, "decisions", "by_action", SC_TRADE_STORE_BY_DECISION_ACTION,
                       "by_reason", SC_TRADE_STORE_BY_DECISION_REASON);
    rc = rc == 0 ? pair_json(r, root, "vetoes", "by_reason", SC_TRADE_STORE_BY_VETO_REASON,
                             "by_level", SC_TRADE_STORE_BY_VETO_LEVEL)
                 : rc;
    json_t *labels = NULL;
    rc = rc == 0 ? groups_json(r, SC_TRADE_STORE_BY_LABEL, &labels) : rc;
    if (rc != 0) {
        return rc;
    }
    json_object_set_new(root, "blunders", blunders_json(labels));
    json_t *sel = json_object();
    json_object_set_new(sel, "filters", sc_report_filter_json(&r->o->filter));
    json_object_set_new(sel, "matched", json_integer((json_int_t)r->sel.trades));
    json_object_set_new(sel, "summary", sc_report_summary_json(&r->sel));
    json_object_set_new(root, "selection", sel);
    return 0;
}

/* ---- the trade table -------------------------------------------------------------- */

/* [{"label", "detail"}] of one trade, every label it carries. */
static int labels_json(report *r, int64_t trade_id, json_t **out) {
    json_t *a = json_array();
    int64_t after = 0;
    for (;;) {
        size_t n = 0;
        sc_err e =
            sc_trade_store_list_labels(r->st, trade_id, after, r->labels, LABEL_PAGE, &n, &r->ei);
        if (e != SC_OK) {
            json_decref(a);
            return store_fail(r, "reading blunder labels", e);
        }
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(a, json_pack("{ss ss}", "label", r->labels[i].label, "detail",
                                               r->labels[i].detail));
            after = r->labels[i].id;
        }
        if (n < LABEL_PAGE) {
            break;
        }
    }
    *out = a;
    return 0;
}

static int trade_row_json(report *r, const sc_trade_ctx_row *row, const sc_report_trade_text *x) {
    json_t *labels = NULL;
    int rc = labels_json(r, row->row.id, &labels);
    if (rc != 0) {
        return rc;
    }
    const sc_risk_trade *t = &row->row.trade;
    json_t *o = json_object();
    json_object_set_new(o, "seq", json_integer((json_int_t)t->seq));
    json_object_set_new(o, "side", json_string(x->side));
    json_object_set_new(o, "entry_utc", json_string(x->entry_utc));
    json_object_set_new(o, "exit_utc", json_string(x->exit_utc));
    json_object_set_new(o, "hold_s", json_string(x->hold_s));
    json_object_set_new(o, "entry_px", json_string(x->entry_px));
    json_object_set_new(o, "exit_px", json_string(x->exit_px));
    json_object_set_new(o, "qty_btc", json_string(x->qty_btc));
    json_object_set_new(o, "qty_steps", json_integer((json_int_t)t->entry_qty_steps));
    json_object_set_new(o, "gross_pnl_usdt", json_string(x->gross));
    json_object_set_new(o, "fees_usdt", json_string(x->fees));
    json_object_set_new(o, "net_pnl_usdt", json_string(x->net));
    json_object_set_new(o, "outcome", json_string(sc_risk_trade_outcome_name(t->outcome)));
    json_object_set_new(o, "regime", json_string(row->regime));
    json_object_set_new(o, "labels", labels);
    json_array_append_new(r->rows_json, o);
    return 0;
}

static const char k_row_fmt[] = "  %6s  %-5s  %-24s  %10s  %14s  %14s  %9s  %14s  %-13s  %s\n";

static int table_row(report *r, const sc_trade_ctx_row *row) {
    if (!sc_report_filter_match(&r->o->filter, row)) {
        return 0;
    }
    if (r->o->shown_max >= 0 && r->shown >= r->o->shown_max) {
        return EACH_STOP;
    }
    sc_report_trade_text x;
    sc_report_trade_text_of(row, &x);
    r->shown++;
    if (r->rows_json != NULL) {
        return trade_row_json(r, row, &x);
    }
    printf(k_row_fmt, x.seq, x.side, x.entry_utc, x.hold_s, x.entry_px, x.exit_px, x.qty_btc, x.net,
           row->regime, x.labels);
    return 0;
}

/* ---- text ----------------------------------------------------------------------------- */

static void print_value(const json_t *v) {
    if (json_is_string(v)) {
        printf("%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        printf("%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        printf("%.4f", json_real_value(v));
    } else if (json_is_boolean(v)) {
        printf("%s", json_is_true(v) ? "true" : "false");
    } else {
        printf("n/a");
    }
}

/* Each key of o on its own line, value aligned. */
static void print_kv(json_t *o) {
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        printf("  %-24s ", k);
        print_value(v);
        printf("\n");
    }
}

static void print_counts(const char *title, json_t *o) {
    printf("\n%s\n", title);
    if (json_object_size(o) == 0) {
        printf("  (none recorded)\n");
    }
    print_kv(o);
}

static void print_blunders(json_t *o) {
    printf("\nblunders by label (count, definition)\n");
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        const json_t *def = json_object_get(v, "definition");
        printf("  %-22s %6lld  %s\n", k, (long long)json_integer_value(json_object_get(v, "count")),
               json_is_string(def) ? json_string_value(def) : "(not a label of this build)");
    }
}

static void filter_text(const sc_report_filter *f, char *buf, size_t cap) {
    json_t *j = sc_report_filter_json(f);
    size_t used = 0;
    buf[0] = '\0';
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        char *text = json_is_null(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (text != NULL && (!json_is_array(v) || json_array_size(v) > 0)) {
            int n = snprintf(buf + used, cap - used, "%s%s=%s", used == 0 ? "" : " ", k, text);
            used += n > 0 && (size_t)n < cap - used ? (size_t)n : 0;
        }
        free(text);
    }
    json_decref(j);
}

static int print_text(report *r, json_t *root) {
    printf("scalper report: %s\n\nrun %lld%s\n", r->path, (long long)r->run.id,
           r->o->run_id == 0 ? " (the latest)" : "");
    print_kv(json_object_get(root, "run"));
    printf("\nsummary: every trade of the run\n");
    print_kv(json_object_get(root, "summary"));
    json_t *d = json_object_get(root, "decisions");
    print_counts("decisions by action", json_object_get(d, "by_action"));
    print_counts("decisions by reason", json_object_get(d, "by_reason"));
    json_t *v = json_object_get(root, "vetoes");
    print_counts("vetoes by reason", json_object_get(v, "by_reason"));
    print_counts("vetoes by level", json_object_get(v, "by_level"));
    print_blunders(json_object_get(root, "blunders"));
    bool any = sc_report_filter_is_any(&r->o->filter);
    char ft[NAMES_TEXT_MAX];
    filter_text(&r->o->filter, ft, sizeof(ft));
    printf("\ntrades: %s: %lld of %lld match\n", any ? "no filter" : ft, (long long)r->sel.trades,
           (long long)r->all.trades);
    printf(k_row_fmt, "seq", "side", "entry_utc", "hold_s", "entry_px", "exit_px", "qty_btc",
           "net_pnl_usdt", "regime", "labels");
    int rc = each_trade(r, table_row);
    if (rc != 0) {
        return rc;
    }
    if (r->shown < r->sel.trades) {
        printf("  ... %lld more (--trades all)\n", (long long)(r->sel.trades - r->shown));
    }
    if (!any) {
        printf("\nsummary: the %lld matching trades\n", (long long)r->sel.trades);
        print_kv(json_object_get(json_object_get(root, "selection"), "summary"));
    }
    return fflush(stdout) == 0 ? 0 : SC_EXIT_INTERNAL;
}

static int print_json(report *r, json_t *root) {
    r->rows_json = json_array();
    int rc = each_trade(r, table_row);
    json_t *sel = json_object_get(root, "selection");
    json_object_set_new(sel, "shown", json_integer((json_int_t)r->shown));
    json_object_set_new(sel, "trades", r->rows_json);
    r->rows_json = NULL;
    if (rc != 0) {
        return rc;
    }
    if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)) !=
        0) {
        return SC_EXIT_INTERNAL;
    }
    printf("\n");
    return fflush(stdout) == 0 ? 0 : SC_EXIT_INTERNAL;
}

static int report_run(report *r) {
    int rc = choose_run(r);
    rc = rc == 0 ? each_trade(r, add_figures) : rc;
    if (rc != 0) {
        return rc;
    }
    json_t *root = json_object();
    rc = build_json(r, root);
    if (rc == 0) {
        rc = r->o->json ? print_json(r, root) : print_text(r, root);
    }
    json_decref(root);
    return rc;
}

int sc_cmd_report(int argc, char **argv) {
    opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0) {
        return rc < 0 ? SC_EXIT_OK : rc;
    }
    char path[PATH_TEXT_MAX];
    rc = resolve_path(o.target, path, sizeof(path));
    if (rc != 0) {
        return rc;
    }
    report *r = calloc(1, sizeof(*r)); /* the pages: too large for the stack */
    if (r == NULL) {
        fprintf(stderr, "scalper report: out of memory\n");
        return SC_EXIT_INTERNAL;
    }
    r->o = &o;
    r->path = path;
    rc = open_store(r);
    if (rc == 0) {
        rc = report_run(r);
    }
    sc_trade_store_close(r->st);
    free(r);
    return rc;
}
