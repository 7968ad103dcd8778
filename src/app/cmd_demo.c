/* scalper demo: a simulated session through the whole engine, offline.
 *
 * Three steps, each the command a trader would run by hand (and the demo
 * prints them so they can): `scalper simulate` writes a seeded, calibrated
 * session with stress events to DIR/session.txt; `scalper backtest` runs
 * the paper engine over it (strategy, advisor, veto gate, order manager,
 * fill simulator, kill switch, DecisionLogger, blunder analyzer) into
 * DIR/scalper.db, DIR/report.json and DIR/report.md; the report is printed.
 *
 * The demo's parameters (DIR/demo.ini, written here and printed in the
 * report's params_source) lower the strategy's entry threshold and the
 * advisor's minimum confidence so that a 15-minute session shows trades,
 * vetoes and blunder labels; no hard limit is touched (they cannot be
 * loosened). The kill-switch state is DIR/scalper.kill, so a trip from a
 * real session does not silence the demo, and the demo never trips the
 * trader's own. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/cli.h"

enum { DEMO_PATH_MAX = 4096, DEMO_ARGS_MAX = 24 };

typedef struct {
    const char *seed;
    const char *seconds;
    const char *stress;
    const char *out_dir;
    const char *timeframe;
    bool quiet;
} demo_opts;

static void usage(FILE *f) {
    fprintf(f, "usage: scalper demo [--seed N] [--seconds S] [--stress LIST] [--out DIR]\n"
               "                    [--timeframe TF] [--quiet]\n\n"
               "A simulated BTCUSDT session through the whole engine, with no network:\n"
               "  1. scalper simulate: a seeded session calibrated to the real captures, with\n"
               "     stress events, written to DIR/session.txt;\n"
               "  2. scalper backtest: the paper engine over it into DIR/scalper.db (every\n"
               "     decision, verdict, order, fill, trade, kill-switch event, blunder label),\n"
               "     DIR/report.json and DIR/report.md;\n"
               "  3. DIR/report.md printed here; then try 'scalper report DIR'.\n\n"
               "options:\n"
               "  --seed N         the simulator's and fill simulator's seed (default 7)\n"
               "  --seconds S      session length (default 900)\n"
               "  --stress LIST    crash, blowout, freeze, gap, comma-separated, or none\n"
               "                   (default crash,blowout)\n"
               "  --out DIR        output directory (default demo-out; replaced files inside)\n"
               "  --timeframe TF   the strategy's candles (default 1s)\n"
               "  --quiet          no progress bars\n\n"
               "Demo parameters (DIR/demo.ini): strategy.entry_score_min 0.3, cooldown_s 0,\n"
               "ai.min_confidence 0.3: more trades than the defaults, to show the machinery;\n"
               "not a tuned strategy. Hard limits are the compiled ones.\n\n"
               "exit status: 0 ok; 2 bad usage; 4 internal error; else the failing step's.\n");
}

static int parse(int argc, char **argv, demo_opts *o) {
    *o = (demo_opts){"7", "900", "crash,blowout", "demo-out", "1s", false};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        }
        if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
            continue;
        }
        const char **slot = strcmp(a, "--seed") == 0        ? &o->seed
                            : strcmp(a, "--seconds") == 0   ? &o->seconds
                            : strcmp(a, "--stress") == 0    ? &o->stress
                            : strcmp(a, "--out") == 0       ? &o->out_dir
                            : strcmp(a, "--timeframe") == 0 ? &o->timeframe
                                                            : NULL;
        if (slot == NULL || i + 1 >= argc) {
            fprintf(stderr, "scalper demo: bad option or missing value: '%s'\n", a);
            usage(stderr);
            return SC_EXIT_USAGE;
        }
        *slot = argv[++i];
    }
    return 0;
}

static int write_config(const char *path) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "scalper demo: %s: %s\n", path, strerror(errno));
        return SC_EXIT_INTERNAL;
    }
    fprintf(f, "# scalper demo parameters: more trades than the defaults, to show the\n"
               "# machinery on a short simulated session. Not a tuned strategy.\n"
               "[strategy]\nentry_score_min = 0.3\ncooldown_s = 0\n\n[ai]\nmin_confidence = 0.3\n");
    return fclose(f) == 0 ? 0 : SC_EXIT_INTERNAL;
}

static void show(int argc, char **argv) {
    fprintf(stderr, "\n$ scalper");
    for (int i = 0; i < argc; i++) {
        fprintf(stderr, " %s", argv[i]);
    }
    fprintf(stderr, "\n");
}

static int print_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "scalper demo: %s: %s\n", path, strerror(errno));
        return SC_EXIT_INTERNAL;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        fwrite(buf, 1, n, stdout);
    }
    fclose(f);
    return 0;
}

typedef struct {
    char *v[DEMO_ARGS_MAX];
    int n;
} args;

static void push(args *a, const char *s) {
    if (a->n < DEMO_ARGS_MAX) {
        a->v[a->n++] = (char *)s; /* the commands do not write to argv */
    }
}

static int simulate(const demo_opts *o, const char *session) {
    args a = {{0}, 0};
    push(&a, "simulate");
    push(&a, "--seed");
    push(&a, o->seed);
    push(&a, "--seconds");
    push(&a, o->seconds);
    if (strcmp(o->stress, "none") != 0) {
        push(&a, "--stress");
        push(&a, o->stress);
    }
    push(&a, "--out");
    push(&a, session);
    show(a.n, a.v);
    return sc_cmd_simulate(a.n, a.v);
}

static int backtest(const demo_opts *o, const char *session, const char *ini, const char *kill,
                    const char *jsonl) {
    args a = {{0}, 0};
    const char *fixed[] = {"backtest",   "--data",   session,  "--config", ini,
                           "--out",      o->out_dir, "--seed", o->seed,    "--timeframe",
                           o->timeframe, "--state",  kill,     "--jsonl",  jsonl};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        push(&a, fixed[i]);
    }
    if (o->quiet) {
        push(&a, "--quiet");
    }
    show(a.n, a.v);
    return sc_cmd_backtest(a.n, a.v);
}

static int steps(const demo_opts *o) {
    char session[DEMO_PATH_MAX], ini[DEMO_PATH_MAX], kill[DEMO_PATH_MAX], report[DEMO_PATH_MAX];
    char jsonl[DEMO_PATH_MAX];
    snprintf(session, sizeof(session), "%s/session.txt", o->out_dir);
    snprintf(ini, sizeof(ini), "%s/demo.ini", o->out_dir);
    snprintf(kill, sizeof(kill), "%s/scalper.kill", o->out_dir);
    snprintf(report, sizeof(report), "%s/report.md", o->out_dir);
    snprintf(jsonl, sizeof(jsonl), "%s/decisions.jsonl", o->out_dir);
    int rc = write_config(ini);
    rc = rc == 0 ? simulate(o, session) : rc;
    rc = rc == 0 ? backtest(o, session, ini, kill, jsonl) : rc;
    if (rc != 0) {
        return rc;
    }
    fprintf(stderr, "\n== %s ==\n\n", report);
    fflush(stderr);
    rc = print_file(report);
    fflush(stdout);
    fprintf(stderr,
            "\nThe audit trail is %s/scalper.db; every decision with its context is also in\n"
            "%s. Explore it: scalper report %s [--label L] [--regime R] [--side S] [--hour H]\n",
            o->out_dir, jsonl, o->out_dir);
    return rc;
}

int sc_cmd_demo(int argc, char **argv) {
    demo_opts o;
    int rc = parse(argc, argv, &o);
    if (rc != 0) {
        return rc < 0 ? SC_EXIT_OK : rc;
    }
    struct stat st;
    if ((mkdir(o.out_dir, 0755) != 0 && errno != EEXIST) || stat(o.out_dir, &st) != 0 ||
        !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "scalper demo: --out %s: %s\n", o.out_dir,
                errno == EEXIST ? "exists and is not a directory" : strerror(errno));
        return SC_EXIT_USAGE;
    }
    return steps(&o);
}
