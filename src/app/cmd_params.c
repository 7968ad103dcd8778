/* scalper params: parameter versions in the SQLite store (list, show, diff,
 * set, activate, rollback, history).
 *
 * Everything a command can check is checked before the database is opened
 * for writing: every KEY=VALUE pair of a set, the reason, the ids. A refused
 * command writes nothing. The clock is read here (the time of a version or an
 * activation), never in the store. Read-only commands never create a
 * database: on a missing file they show an empty in-memory one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ai/param_store.h"
#include "app/cli.h"
#include "core/assert.h"

enum {
    ARGS_MAX = 2 * SC_PARAM_COUNT, /* words after the subcommand */
    KEY_TEXT_MAX = 96,             /* a key as typed; longer ones are unknown anyway */
    LIST_LIMIT_DEFAULT = 20,
    HASH_SHOWN = 12 /* hex digits of a hash in listings */
};

typedef enum {
    SUB_LIST,
    SUB_SHOW,
    SUB_DIFF,
    SUB_SET,
    SUB_ACTIVATE,
    SUB_ROLLBACK,
    SUB_HISTORY
} sub_kind;

typedef struct {
    const char *name;
    sub_kind kind;
    size_t args_min;
    size_t args_max;
    bool writes; /* needs --reason; may create the database */
    const char *args_text;
} sub_def;

static const sub_def k_subs[] = {
    {"list", SUB_LIST, 0, 0, false, "no arguments"},
    {"show", SUB_SHOW, 1, 1, false, "one version (ID or active)"},
    {"diff", SUB_DIFF, 2, 2, false, "two versions (ID or active)"},
    {"set", SUB_SET, 1, ARGS_MAX, true, "KEY=VALUE pairs"},
    {"activate", SUB_ACTIVATE, 1, 1, true, "one version ID"},
    {"rollback", SUB_ROLLBACK, 0, 0, true, "no arguments"},
    {"history", SUB_HISTORY, 0, 0, false, "no arguments"},
};

typedef struct {
    const sub_def *sub;
    const char *db_path;
    const char *reason;
    sc_param_author author;
    uint32_t limit;
    int64_t before;
    const char *args[ARGS_MAX];
    size_t n_args;
} opts;

static void usage(FILE *f) {
    fprintf(f,
            "usage: scalper params [OPTIONS] SUBCOMMAND [ARGS]\n\n"
            "Parameter versions: every tunable (core/params.h) as immutable versions in\n"
            "SQLite, one of them active. Version 0 is the compiled defaults of this build.\n\n"
            "subcommands:\n"
            "  list              versions, newest first (* marks the active one)\n"
            "  show ID|active    every key: value, default, bounds, unit (* = not the default)\n"
            "  diff A B          keys whose values differ, as 'key: a -> b' (ID or active)\n"
            "  set KEY=VALUE...  a new version from the active one, activated at once; all\n"
            "                    pairs are checked first, and one bad pair changes nothing\n"
            "  activate ID       make version ID the active one\n"
            "  rollback          activate the parent of the active version\n"
            "  history           activations, newest first: what, who, when, why\n\n"
            "options:\n"
            "  --db PATH         the database (default: $SCALPER_DB if set, else ./scalper.db)\n"
            "  --reason TEXT     why; required by set, activate and rollback (audit trail)\n"
            "  --author WHO      human, ai or walkforward (set, activate, rollback;\n"
            "                    default human)\n"
            "  --limit N         rows of list and history (1..%d, default %d)\n"
            "  --before N        list: versions older than id N; history: before seq N\n"
            "  -h, --help        this text\n\n"
            "exit status: 0 ok; 2 bad usage (a missing --reason included); 3 refused: an\n"
            "unknown key, a value out of bounds, an unknown id, nothing to roll back, or a\n"
            "stored version this build cannot use; 4 database or internal error.\n",
            SC_PARAM_LIST_PAGE_MAX, LIST_LIMIT_DEFAULT);
}

static int usage_error(const char *what, const char *detail) {
    fprintf(stderr, "scalper params: %s%s (try 'scalper params --help')\n", what, detail);
    return SC_EXIT_USAGE;
}

static bool parse_i64(const char *s, int64_t max, int64_t *out) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] < '0' || s[0] > '9' || v > max) {
        return false;
    }
    *out = (int64_t)v;
    return true;
}

static bool id_text_ok(const char *s) {
    int64_t id;
    return strcmp(s, "active") == 0 || parse_i64(s, INT64_MAX, &id);
}

/* One option with its value at argv[*i]; 0 or an exit status. */
static int parse_option(int argc, char **argv, int *i, opts *o) {
    const char *a = argv[*i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        usage(stdout);
        return -1;
    }
    bool known = strcmp(a, "--db") == 0 || strcmp(a, "--reason") == 0 ||
                 strcmp(a, "--author") == 0 || strcmp(a, "--limit") == 0 ||
                 strcmp(a, "--before") == 0;
    if (!known) {
        return usage_error("unknown option ", a);
    }
    if (*i + 1 >= argc) {
        return usage_error("a value is missing after ", a);
    }
    const char *v = argv[++*i];
    int64_t n = 0;
    if (strcmp(a, "--db") == 0) {
        o->db_path = v;
    } else if (strcmp(a, "--reason") == 0) {
        o->reason = v;
    } else if (strcmp(a, "--author") == 0) {
        if (!sc_param_author_parse(v, &o->author)) {
            return usage_error("--author: expected human, ai or walkforward, got ", v);
        }
    } else if (strcmp(a, "--limit") == 0) {
        if (!parse_i64(v, SC_PARAM_LIST_PAGE_MAX, &n) || n < 1) {
            return usage_error("--limit: expected 1..100, got ", v);
        }
        o->limit = (uint32_t)n;
    } else {
        if (!parse_i64(v, INT64_MAX, &o->before)) {
            return usage_error("--before: expected a version id or seq, got ", v);
        }
    }
    return 0;
}

static int check_opts(const opts *o) {
    if (o->sub == NULL) {
        usage(stderr);
        return SC_EXIT_USAGE;
    }
    const sub_def *s = o->sub;
    if (o->n_args < s->args_min || o->n_args > s->args_max) {
        fprintf(stderr, "scalper params %s: expected %s, got %zu argument%s\n", s->name,
                s->args_text, o->n_args, o->n_args == 1 ? "" : "s");
        return SC_EXIT_USAGE;
    }
    if (s->writes && o->reason == NULL) {
        fprintf(stderr,
                "scalper params %s: --reason TEXT is required (the audit trail records "
                "why); nothing changed\n",
                s->name);
        return SC_EXIT_USAGE;
    }
    if (s->writes && strspn(o->reason, " ") == strlen(o->reason)) {
        fprintf(stderr, "scalper params %s: --reason must not be empty; nothing changed\n",
                s->name);
        return SC_EXIT_USAGE;
    }
    bool ids = s->kind == SUB_SHOW || s->kind == SUB_DIFF || s->kind == SUB_ACTIVATE;
    for (size_t i = 0; ids && i < o->n_args; i++) {
        if (!id_text_ok(o->args[i])) {
            fprintf(stderr, "scalper params %s: expected a version id or 'active', got '%s'\n",
                    s->name, o->args[i]);
            return SC_EXIT_USAGE;
        }
    }
    return 0;
}

/* 0 when the command line is good; -1 after --help; else an exit status. */
static int parse_opts(int argc, char **argv, opts *o) {
    memset(o, 0, sizeof(*o));
    const char *env = getenv("SCALPER_DB");
    o->db_path = env != NULL && env[0] != '\0' ? env : "./scalper.db";
    o->author = SC_PARAM_AUTHOR_HUMAN;
    o->limit = LIST_LIMIT_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] != '\0' && strchr(a, '=') == NULL) {
            int rc = parse_option(argc, argv, &i, o);
            if (rc != 0) {
                return rc;
            }
        } else if (o->sub == NULL) {
            for (size_t k = 0; k < sizeof(k_subs) / sizeof(k_subs[0]); k++) {
                o->sub = strcmp(a, k_subs[k].name) == 0 ? &k_subs[k] : o->sub;
            }
            if (o->sub == NULL) {
                return usage_error("unknown subcommand ", a);
            }
        } else if (o->n_args < ARGS_MAX) {
            o->args[o->n_args++] = a;
        } else {
            return usage_error("too many arguments", "");
        }
    }
    return check_opts(o);
}

/* ---- output helpers -------------------------------------------------------- */

static bool is_internal(sc_err e) {
    return e == SC_ERR_IO || e == SC_ERR_NOMEM;
}

/* Says what went wrong; returns the exit status for it. */
static int fail_after(const opts *o, sc_err e, const sc_errinfo *ei, bool written) {
    SC_ASSERT(e != SC_OK);
    if (is_internal(e)) {
        fprintf(stderr, "scalper params: %s: database error: could not %s: %s\n", o->db_path,
                ei->expected, ei->got);
    } else {
        fprintf(stderr, "scalper params: %s: expected %s, got %s\n", ei->field, ei->expected,
                ei->got);
    }
    if (o->sub->writes && !written) {
        fprintf(stderr, "scalper params: nothing changed\n");
    }
    return is_internal(e) ? SC_EXIT_INTERNAL : SC_EXIT_INPUT;
}

static int fail(const opts *o, sc_err e, const sc_errinfo *ei) {
    return fail_after(o, e, ei, false);
}

static sc_ns now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (sc_ns)ts.tv_sec * SC_NS_PER_S + (sc_ns)ts.tv_nsec;
}

/* "2025-01-02T03:04:05Z"; "-" for version 0, which has no time. */
static const char *fmt_time(sc_ns t, char *buf, size_t cap) {
    time_t secs = (time_t)(t / SC_NS_PER_S);
    struct tm tm;
    if (t <= 0 || gmtime_r(&secs, &tm) == NULL ||
        strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        snprintf(buf, cap, "-");
    }
    return buf;
}

static const char *fmt_value(sc_param_id id, double v, char *buf, size_t cap) {
    sc_param_format(sc_param_def_of(id), v, buf, cap);
    return buf;
}

static void print_diff(const sc_param_version *a, const sc_param_version *b) {
    sc_param_id ids[SC_PARAM_COUNT];
    size_t n = sc_param_diff(&a->values, &b->values, ids);
    for (size_t i = 0; i < n; i++) {
        char va[48];
        char vb[48];
        printf("%s: %s -> %s\n", sc_param_def_of(ids[i])->key,
               fmt_value(ids[i], a->values.v[ids[i]], va, sizeof(va)),
               fmt_value(ids[i], b->values.v[ids[i]], vb, sizeof(vb)));
    }
    if (n == 0) {
        printf("(no differences)\n");
    }
}

static void warn_unusable(const sc_param_version *v) {
    if (v->status != SC_OK) {
        fprintf(stderr,
                "scalper params: WARNING: version %lld cannot be activated by this build: "
                "%s: expected %s, got %s\n",
                (long long)v->meta.id, v->problem.field, v->problem.expected, v->problem.got);
    }
}

/* "active" or a number, already checked by check_opts. */
static sc_err resolve_id(sc_param_store *st, const char *text, int64_t *id, sc_errinfo *ei) {
    if (strcmp(text, "active") == 0) {
        return sc_param_store_active_id(st, id, ei);
    }
    bool ok = parse_i64(text, INT64_MAX, id);
    SC_ASSERT(ok);
    return SC_OK;
}

static sc_err load(sc_param_store *st, const char *text, sc_param_version *v, sc_errinfo *ei) {
    int64_t id = 0;
    sc_err e = resolve_id(st, text, &id, ei);
    return e == SC_OK ? sc_param_store_get(st, id, v, ei) : e;
}

/* ---- subcommands ----------------------------------------------------------- */

static void print_meta_row(const sc_param_meta *m, int64_t active) {
    char t[32];
    char parent[24];
    if (m->parent < 0) {
        snprintf(parent, sizeof(parent), "-");
    } else {
        snprintf(parent, sizeof(parent), "%lld", (long long)m->parent);
    }
    printf("%c %6lld %6s  %-11s  %-20s  %.*s  %s\n", m->id == active ? '*' : ' ', (long long)m->id,
           parent, sc_param_author_name(m->author), fmt_time(m->created_ns, t, sizeof(t)),
           HASH_SHOWN, m->hash, m->reason);
}

static int cmd_list(sc_param_store *st, const opts *o) {
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    sc_param_meta *page = calloc(o->limit, sizeof(*page));
    if (page == NULL) {
        fprintf(stderr, "scalper params: out of memory\n");
        return SC_EXIT_INTERNAL;
    }
    int64_t active = 0;
    size_t n = 0;
    sc_param_version v0;
    sc_err e = sc_param_store_active_id(st, &active, &ei);
    e = e == SC_OK ? sc_param_store_list(st, o->before, page, o->limit, &n, &ei) : e;
    e = e == SC_OK ? sc_param_store_get(st, 0, &v0, &ei) : e;
    if (e != SC_OK) {
        free(page);
        return fail(o, e, &ei);
    }
    printf("  %6s %6s  %-11s  %-20s  %-*s  %s\n", "ID", "PARENT", "AUTHOR", "TIME (UTC)",
           HASH_SHOWN, "HASH", "REASON");
    for (size_t i = 0; i < n; i++) {
        print_meta_row(&page[i], active);
    }
    if (n < o->limit) {
        print_meta_row(&v0.meta, active);
    } else {
        printf("(older versions: --before %lld)\n", (long long)page[n - 1].id);
    }
    free(page);
    return SC_EXIT_OK;
}

static void print_bounds(const sc_param_def *d, char *buf, size_t cap) {
    char lo[48];
    char hi[48];
    sc_param_format(d, d->min, lo, sizeof(lo));
    sc_param_format(d, d->max, hi, sizeof(hi));
    snprintf(buf, cap, "%s..%s", lo, hi);
}

static void print_values(const sc_param_version *v) {
    sc_params defaults;
    sc_params_defaults(&defaults);
    printf("\n  %-30s %-12s %-12s %-16s %s\n", "KEY", "VALUE", "DEFAULT", "BOUNDS", "UNIT");
    size_t n_diff = 0;
    for (int i = 0; i < SC_PARAM_COUNT; i++) {
        const sc_param_def *d = sc_param_def_of((sc_param_id)i);
        char val[48];
        char def[48];
        char bounds[100];
        bool differs = v->values.v[i] != defaults.v[i];
        n_diff += differs ? 1u : 0u;
        print_bounds(d, bounds, sizeof(bounds));
        printf("%c %-30s %-12s %-12s %-16s %s\n", differs ? '*' : ' ', d->key,
               fmt_value(d->id, v->values.v[i], val, sizeof(val)),
               fmt_value(d->id, d->def, def, sizeof(def)), bounds, d->unit);
    }
    printf("\n* differs from the compiled default (%zu of %d keys)\n", n_diff, SC_PARAM_COUNT);
}

static int cmd_show(sc_param_store *st, const opts *o) {
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    sc_param_version v;
    int64_t active = 0;
    sc_err e = load(st, o->args[0], &v, &ei);
    e = e == SC_OK ? sc_param_store_active_id(st, &active, &ei) : e;
    if (e != SC_OK) {
        return fail(o, e, &ei);
    }
    const sc_param_meta *m = &v.meta;
    char t[32];
    printf("version %lld%s\n", (long long)m->id, m->id == active ? " (active)" : "");
    if (m->parent >= 0) {
        printf("parent:  %lld\n", (long long)m->parent);
    }
    printf("author:  %s\ntime:    %s\nschema:  %lld\nhash:    %s\nreason:  %s\n",
           sc_param_author_name(m->author), fmt_time(m->created_ns, t, sizeof(t)),
           (long long)m->schema_version, m->hash, m->reason);
    if (v.n_unknown > 0) {
        printf("unknown: %u key(s) this build does not know (ignored)\n", v.n_unknown);
    }
    if (v.n_defaulted > 0) {
        printf("note:    %u key(s) newer than this version take their compiled default\n",
               v.n_defaulted);
    }
    print_values(&v);
    warn_unusable(&v);
    return v.status == SC_OK ? SC_EXIT_OK : SC_EXIT_INPUT;
}

static int cmd_diff(sc_param_store *st, const opts *o) {
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    sc_param_version a;
    sc_param_version b;
    sc_err e = load(st, o->args[0], &a, &ei);
    e = e == SC_OK ? load(st, o->args[1], &b, &ei) : e;
    if (e != SC_OK) {
        return fail(o, e, &ei);
    }
    print_diff(&a, &b);
    warn_unusable(&a);
    warn_unusable(&b);
    return SC_EXIT_OK;
}

/* Checks one KEY=VALUE; prints why it is refused. True when it is good. */
static bool parse_pair(const char *arg, const bool *seen, sc_param_change *out) {
    const char *eq = strchr(arg, '=');
    if (eq == NULL || eq == arg) {
        fprintf(stderr, "scalper params: '%s': expected KEY=VALUE\n", arg);
        return false;
    }
    char key[KEY_TEXT_MAX];
    size_t klen = (size_t)(eq - arg);
    snprintf(key, sizeof(key), "%.*s", (int)(klen < sizeof(key) ? klen : sizeof(key) - 1), arg);
    const sc_param_def *d = klen < sizeof(key) ? sc_param_find(key) : NULL;
    if (d == NULL) {
        const char *near = sc_param_suggest_key(key);
        fprintf(stderr, "scalper params: unknown key '%s'%s%s%s\n", key,
                near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        return false;
    }
    if (seen[d->id]) {
        fprintf(stderr, "scalper params: %s: given twice\n", d->key);
        return false;
    }
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    double v = 0.0;
    if (sc_param_parse(d, eq + 1, &v, &ei) != SC_OK) {
        fprintf(stderr, "scalper params: %s: expected %s, got %s\n", ei.field, ei.expected, ei.got);
        return false;
    }
    out->key = d->key; /* the table's string: it outlives the command */
    out->value = v;
    return true;
}

/* Every pair is checked, and every bad one reported, before anything is
 * opened for writing. */
static int parse_pairs(const opts *o, sc_param_change *ch, size_t *n) {
    bool seen[SC_PARAM_COUNT] = {false};
    size_t bad = 0;
    *n = 0;
    for (size_t i = 0; i < o->n_args; i++) {
        sc_param_change c;
        if (!parse_pair(o->args[i], seen, &c)) {
            bad++;
            continue;
        }
        SC_ASSERT(*n < SC_PARAM_COUNT); /* duplicates are refused */
        seen[sc_param_find(c.key)->id] = true;
        ch[(*n)++] = c;
    }
    if (bad > 0) {
        fprintf(stderr, "scalper params: nothing changed (%zu of %zu refused)\n", bad, o->n_args);
        return SC_EXIT_INPUT;
    }
    return 0;
}

/* After a write: what is active now, and what changed. */
static int report_switch(sc_param_store *st, const opts *o, int64_t from, int64_t to) {
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    sc_param_version a;
    sc_param_version b;
    sc_err e = sc_param_store_get(st, from, &a, &ei);
    e = e == SC_OK ? sc_param_store_get(st, to, &b, &ei) : e;
    if (e != SC_OK) {
        fprintf(stderr, "scalper params: version %lld is active, but reading it back failed\n",
                (long long)to);
        return fail_after(o, e, &ei, true);
    }
    printf("active: version %lld (was %lld), hash %.*s\n", (long long)to, (long long)from,
           HASH_SHOWN, b.meta.hash);
    print_diff(&a, &b);
    return SC_EXIT_OK;
}

static int cmd_write(sc_param_store *st, const opts *o, const sc_param_change *ch, size_t n) {
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    sc_param_audit audit = {o->author, o->reason, now_ns()};
    int64_t from = 0;
    int64_t to = 0;
    sc_err e = sc_param_store_active_id(st, &from, &ei);
    if (e == SC_OK && o->sub->kind == SUB_SET) {
        e = sc_param_store_set(st, ch, n, &audit, &to, &ei);
    } else if (e == SC_OK && o->sub->kind == SUB_ACTIVATE) {
        e = resolve_id(st, o->args[0], &to, &ei);
        e = e == SC_OK ? sc_param_store_activate(st, to, &audit, &ei) : e;
    } else if (e == SC_OK) {
        SC_ASSERT(o->sub->kind == SUB_ROLLBACK);
        e = sc_param_store_rollback(st, &audit, &to, &ei);
    }
    if (e != SC_OK) {
        return fail(o, e, &ei);
    }
    if (o->sub->kind == SUB_SET) {
        printf("created version %lld from version %lld\n", (long long)to, (long long)from);
    }
    return report_switch(st, o, from, to);
}

static int cmd_history(sc_param_store *st, const opts *o) {
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    sc_param_activation *page = calloc(o->limit, sizeof(*page));
    if (page == NULL) {
        fprintf(stderr, "scalper params: out of memory\n");
        return SC_EXIT_INTERNAL;
    }
    size_t n = 0;
    sc_err e = sc_param_store_history(st, o->before, page, o->limit, &n, &ei);
    if (e != SC_OK) {
        free(page);
        return fail(o, e, &ei);
    }
    printf("%6s  %-20s  %-8s  %6s -> %-6s  %-11s  %s\n", "SEQ", "TIME (UTC)", "KIND", "FROM", "TO",
           "AUTHOR", "REASON");
    for (size_t i = 0; i < n; i++) {
        const sc_param_activation *a = &page[i];
        char t[32];
        printf("%6lld  %-20s  %-8s  %6lld -> %-6lld  %-11s  %s\n", (long long)a->seq,
               fmt_time(a->created_ns, t, sizeof(t)), sc_param_act_kind_name(a->kind),
               (long long)a->previous_id, (long long)a->version_id, sc_param_author_name(a->author),
               a->reason);
    }
    if (n == 0) {
        printf("(no activations: version 0, the compiled defaults, is active)\n");
    } else if (n == o->limit) {
        printf("(older activations: --before %lld)\n", (long long)page[n - 1].seq);
    }
    free(page);
    return SC_EXIT_OK;
}

static int open_store(const opts *o, sc_param_store **st) {
    const char *path = o->db_path;
    if (!o->sub->writes && access(path, F_OK) != 0) {
        /* Looking must not create a file (a mistyped --db would leave one). */
        fprintf(stderr, "scalper params: %s does not exist yet; showing an empty store\n", path);
        path = ":memory:";
    }
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    sc_err e = sc_param_store_open(path, st, &ei);
    if (e == SC_OK) {
        return 0;
    }
    if (!is_internal(e)) {
        fprintf(stderr, "scalper params: %s: %s: expected %s, got %s\n", o->db_path, ei.field,
                ei.expected, ei.got);
    } else {
        fprintf(stderr, "scalper params: %s: database error: could not %s: %s\n", o->db_path,
                ei.expected, ei.got);
    }
    return SC_EXIT_INTERNAL;
}

int sc_cmd_params(int argc, char **argv) {
    opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0) {
        return rc < 0 ? SC_EXIT_OK : rc;
    }
    sc_param_change changes[SC_PARAM_COUNT];
    size_t n_changes = 0;
    if (o.sub->kind == SUB_SET && (rc = parse_pairs(&o, changes, &n_changes)) != 0) {
        return rc;
    }
    sc_param_store *st = NULL;
    if ((rc = open_store(&o, &st)) != 0) {
        return rc;
    }
    switch (o.sub->kind) {
    case SUB_LIST:
        rc = cmd_list(st, &o);
        break;
    case SUB_SHOW:
        rc = cmd_show(st, &o);
        break;
    case SUB_DIFF:
        rc = cmd_diff(st, &o);
        break;
    case SUB_HISTORY:
        rc = cmd_history(st, &o);
        break;
    case SUB_SET:
    case SUB_ACTIVATE:
    case SUB_ROLLBACK:
        rc = cmd_write(st, &o, changes, n_changes);
        break;
    }
    sc_param_store_close(st);
    return rc;
}
