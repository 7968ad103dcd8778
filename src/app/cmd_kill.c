/* scalper kill: trip, reset or show the kill switch (risk/killswitch.h),
 * persisted in its state file (app/killswitch_file.h).
 *
 * The command checks its whole command line before it touches any file; a
 * refused command writes nothing. A trip or a reset holds the writers' lock
 * across read, change and write, then appends the event to the audit log.
 * The clock is read here, for the time of an operator's trip or reset and
 * for "now" in --status; the kill switch itself reads none.
 *
 * A running engine learns of a trip through the state file: its control
 * thread polls the file (that thread arrives with the engine), and every
 * start reads it, so a trip holds for every start from now on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/cli.h"
#include "app/killswitch_file.h"
#include "core/assert.h"
#include "risk/killswitch.h"

typedef enum { MODE_TRIP, MODE_RESET, MODE_STATUS } mode;

typedef struct {
    mode m;
    bool reset;
    bool status;
    const char *reason;
    const char *state_path;
    const char *db_path;
} opts;

static void usage(FILE *f) {
    fprintf(f,
            "usage: scalper kill --reason TEXT          trip the kill switch\n"
            "       scalper kill --reset --reason TEXT  reset it (an operator only)\n"
            "       scalper kill --status               show it\n\n"
            "The kill switch is the top of the risk hierarchy. Once tripped: no new\n"
            "entries, every open order is canceled and the position is flattened\n"
            "(reduce-only). It stays tripped across restarts until an operator resets it;\n"
            "only a daily-loss trip clears by itself, at the next UTC midnight.\n\n"
            "A trip writes the state file at once. A running engine picks it up when its\n"
            "control thread next polls the file; every start from now on begins tripped.\n\n"
            "triggers (each trips on its own; a reset clears them all):\n"
            "  manual          this command (later also the dashboard). Never clears\n"
            "                  by itself.\n"
            "  daily_loss      loss of the UTC day reaches %lld bps of start-of-day equity.\n"
            "                  Clears at the next UTC midnight (00:00:00Z) after the trip.\n"
            "  drawdown        drawdown from peak equity reaches %lld bps. Never clears\n"
            "                  by itself: the peak does not move.\n"
            "  consec_losses   %lld losing trades in a row. Never clears by itself: no\n"
            "                  trade can end the streak while tripped, and a timer would\n"
            "                  re-arm the strategy that just lost.\n"
            "  data_integrity  market data out of sync (book, stream) for more than\n"
            "                  %lld s without healing. Never clears by itself.\n"
            "  error_burst     %d errors (rejects, gateway, I/O) within %lld s. Never\n"
            "                  clears by itself.\n"
            "  latency         %d samples in a row above %lld ms. Never clears by itself.\n"
            "  corrupt_state   the state file could not be read or parsed: fail closed.\n"
            "                  Never clears by itself; the corrupt file is kept as\n"
            "                  PATH.corrupt when the state is next written.\n\n"
            "options:\n"
            "  --reason TEXT   why (1..%d printable characters); required to trip and to\n"
            "                  reset, and written to the audit log\n"
            "  --reset         clear every trip (requires --reason)\n"
            "  --status        print the state: tripped or not, each trigger, reason,\n"
            "                  since when, and whether and when it clears\n"
            "  --state PATH    the state file (default: $SCALPER_KILL_FILE if set, else\n"
            "                  next to the database: --db, $SCALPER_DB or ./scalper.db\n"
            "                  with .db replaced by .kill, i.e. ./scalper.kill)\n"
            "  --db PATH       the database the state file sits next to\n"
            "  -h, --help      this text\n\n"
            "files: PATH (state, written atomically), PATH.jsonl (audit log: one JSON line\n"
            "per trip or reset, append-only), PATH.lock (writers' lock).\n\n"
            "exit status: 0 ok (also: already tripped, nothing to reset); 2 bad usage (a\n"
            "missing or empty --reason included; nothing changed); 3 the state file is\n"
            "unreadable or corrupt (--status; the switch counts as TRIPPED); 4 I/O error\n"
            "writing the state file, the audit log or taking the lock.\n",
            (long long)SC_LIMIT_MAX_DAILY_LOSS_BPS, (long long)SC_LIMIT_MAX_DRAWDOWN_BPS,
            (long long)SC_LIMIT_MAX_CONSECUTIVE_LOSSES,
            (long long)(SC_KS_INTEGRITY_HEAL_MAX_NS / SC_NS_PER_S), SC_KS_ERROR_BURST_COUNT,
            (long long)(SC_KS_ERROR_BURST_WINDOW_NS / SC_NS_PER_S), SC_KS_LATENCY_SAMPLES_MAX,
            (long long)(SC_KS_LATENCY_BOUND_NS / SC_NS_PER_MS), SC_KS_REASON_MAX);
}

static int usage_error(const char *what, const char *detail) {
    fprintf(stderr, "scalper kill: %s%s (try 'scalper kill --help'); nothing changed\n", what,
            detail);
    return SC_EXIT_USAGE;
}

static int check_opts(opts *o) {
    if (o->status && (o->reset || o->reason != NULL)) {
        return usage_error("--status takes neither --reset nor --reason", "");
    }
    o->m = o->status ? MODE_STATUS : o->reset ? MODE_RESET : MODE_TRIP;
    if (o->m == MODE_STATUS) {
        return 0;
    }
    if (o->reason == NULL) {
        return usage_error("--reason TEXT is required (the audit log records why)", "");
    }
    if (!sc_ks_reason_valid(o->reason)) {
        fprintf(stderr,
                "scalper kill: --reason: expected 1..%d printable ASCII characters, not all "
                "spaces; nothing changed\n",
                SC_KS_REASON_MAX);
        return SC_EXIT_USAGE;
    }
    return 0;
}

/* 0 when the command line is good; -1 after --help; else an exit status. */
static int parse_opts(int argc, char **argv, opts *o) {
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--reset") == 0) {
            o->reset = true;
        } else if (strcmp(a, "--status") == 0) {
            o->status = true;
        } else if (strcmp(a, "--reason") == 0 || strcmp(a, "--state") == 0 ||
                   strcmp(a, "--db") == 0) {
            if (i + 1 >= argc) {
                return usage_error("a value is missing after ", a);
            }
            const char *v = argv[++i];
            const char **dst = strcmp(a, "--reason") == 0  ? &o->reason
                               : strcmp(a, "--state") == 0 ? &o->state_path
                                                           : &o->db_path;
            *dst = v;
        } else if (a[0] == '-') {
            return usage_error("unknown option ", a);
        } else {
            return usage_error("unexpected argument ", a);
        }
    }
    return check_opts(o);
}

static sc_ns now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (sc_ns)ts.tv_sec * SC_NS_PER_S + (sc_ns)ts.tv_nsec;
}

/* "2025-01-02T03:04:05Z" (whole seconds: people read this). */
static const char *fmt_time(sc_ns t, char *buf, size_t cap) {
    time_t secs = (time_t)(t / SC_NS_PER_S);
    struct tm tm;
    if (t < 0 || gmtime_r(&secs, &tm) == NULL ||
        strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        snprintf(buf, cap, "%lldns", (long long)t);
    }
    return buf;
}

static void print_trip(const sc_ks_trip *t, sc_ns now) {
    char since[32];
    char clr[32];
    sc_ns clear_ns = 0;
    printf("  %-15s since %s (seq %lld)\n", sc_ks_trigger_name(t->trigger),
           fmt_time(t->ts_ns, since, sizeof(since)), (long long)t->seq);
    printf("    reason:  %s\n", t->reason);
    if (t->trigger != SC_KS_TRIG_MANUAL && t->trigger != SC_KS_TRIG_CORRUPT_STATE) {
        printf("    values:  %lld %s (limit %lld %s)\n", (long long)t->values.observed,
               sc_ks_trigger_unit(t->trigger), (long long)t->values.limit,
               sc_ks_trigger_unit(t->trigger));
    }
    if (!sc_killswitch_clears_at(t->trigger, t->ts_ns, &clear_ns)) {
        printf("    clears:  never by itself; 'scalper kill --reset --reason TEXT'\n");
    } else if (now < clear_ns) {
        printf("    clears:  at %s (next UTC midnight), or by a reset\n",
               fmt_time(clear_ns, clr, sizeof(clr)));
    } else {
        printf("    cleared: at %s (next UTC midnight); no longer blocks\n",
               fmt_time(clear_ns, clr, sizeof(clr)));
    }
}

static void print_state(const sc_killswitch *ks, const sc_ks_paths *p, sc_ks_file_status st,
                        sc_ns now) {
    sc_ks_trip trips[SC_KS_TRIG_COUNT];
    size_t n = sc_killswitch_trips(ks, trips);
    bool tripped = sc_killswitch_is_tripped(ks, now);
    SC_ASSERT(!tripped || n > 0);
    if (st == SC_KS_FILE_CORRUPT || st == SC_KS_FILE_UNREADABLE) {
        printf("kill switch: TRIPPED (fail closed: the state file is %s)\n",
               st == SC_KS_FILE_CORRUPT ? "corrupt" : "unreadable");
    } else {
        printf("kill switch: %s\n", tripped ? "TRIPPED" : "not tripped");
    }
    for (size_t i = 0; i < n; i++) {
        print_trip(&trips[i], now);
    }
    if (tripped) {
        printf("  actions: no new entries; cancel all orders; flatten the position\n");
    }
    printf("state file: %s%s\naudit log:  %s\n", p->state,
           st == SC_KS_FILE_ABSENT ? " (absent: never tripped here)" : "", p->audit);
}

static void report_bad_file(sc_ks_file_status st, const sc_errinfo *ei) {
    char msg[512];
    SC_ASSERT(st == SC_KS_FILE_CORRUPT || st == SC_KS_FILE_UNREADABLE);
    fprintf(stderr, "scalper kill: %s state file: %s\n",
            st == SC_KS_FILE_CORRUPT ? "corrupt" : "unreadable",
            sc_errinfo_format(ei, msg, sizeof(msg)));
    fprintf(stderr, "scalper kill: the kill switch counts as TRIPPED (fail closed)\n");
}

static int cmd_status(sc_killswitch *ks, const sc_ks_paths *p) {
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    sc_ns now = now_ns();
    sc_ks_file_status st = sc_ks_file_read(p, ks, now, &ei);
    if (st == SC_KS_FILE_CORRUPT || st == SC_KS_FILE_UNREADABLE) {
        report_bad_file(st, &ei);
    }
    print_state(ks, p, st, now);
    return st == SC_KS_FILE_CORRUPT || st == SC_KS_FILE_UNREADABLE ? SC_EXIT_INPUT : SC_EXIT_OK;
}

static int io_error(const char *what, const sc_errinfo *ei) {
    char msg[512];
    fprintf(stderr, "scalper kill: %s: %s\n", what, sc_errinfo_format(ei, msg, sizeof(msg)));
    return SC_EXIT_INTERNAL;
}

/* Writes the new state and its audit line; the state comes first: it is
 * what stops trading, and it must not wait on the log. */
static int persist(const sc_killswitch *ks, const sc_ks_paths *p, sc_ks_file_status st,
                   const sc_ks_event *ev) {
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    bool bad = st == SC_KS_FILE_CORRUPT || st == SC_KS_FILE_UNREADABLE;
    if (bad && sc_ks_file_keep_corrupt(p, &ei) != SC_OK) {
        return io_error("could not keep the corrupt state file; nothing changed", &ei);
    }
    if (bad) {
        fprintf(stderr, "scalper kill: the corrupt state file was kept as %s\n", p->corrupt);
    }
    if (sc_ks_file_write(p, ks, &ei) != SC_OK) {
        return io_error("could not write the state file; nothing changed", &ei);
    }
    if (sc_ks_audit_append(p, ev, "cli", &ei) != SC_OK) {
        return io_error("the state file IS written, but the audit log append failed", &ei);
    }
    return SC_EXIT_OK;
}

static int do_trip(sc_killswitch *ks, const opts *o, const sc_ks_paths *p, sc_ks_file_status st) {
    sc_ns now = now_ns();
    bool fresh = false;
    sc_ks_event ev;
    sc_err e = sc_killswitch_trip(ks, SC_KS_TRIG_MANUAL, o->reason, now, (sc_ks_values){0, 0},
                                  &fresh, &ev);
    SC_ASSERT(e == SC_OK); /* the reason was checked by check_opts */
    if (!fresh) {
        sc_ks_trip trips[SC_KS_TRIG_COUNT];
        size_t n = sc_killswitch_trips(ks, trips);
        printf("kill switch: already tripped by an operator; nothing changed\n");
        for (size_t i = 0; i < n; i++) {
            print_trip(&trips[i], now);
        }
        return SC_EXIT_OK;
    }
    int rc = persist(ks, p, st, &ev);
    if (rc != SC_EXIT_OK) {
        return rc;
    }
    printf("kill switch: TRIPPED (manual, seq %lld): %s\n", (long long)ev.seq, ev.reason);
    printf("  no new entries; cancel all orders; flatten the position\n"
           "  a running engine picks this up at its next poll of %s;\n"
           "  every start from now on begins tripped, until 'scalper kill --reset'\n",
           p->state);
    return SC_EXIT_OK;
}

static int do_reset(sc_killswitch *ks, const opts *o, const sc_ks_paths *p, sc_ks_file_status st) {
    sc_ks_event ev;
    sc_err e = sc_killswitch_reset(ks, o->reason, now_ns(), &ev);
    if (e == SC_ERR_STATE) {
        printf("kill switch: not tripped; nothing to reset (%s)\n", p->state);
        return SC_EXIT_OK;
    }
    SC_ASSERT(e == SC_OK);
    int rc = persist(ks, p, st, &ev);
    if (rc != SC_EXIT_OK) {
        return rc;
    }
    printf("kill switch: reset (seq %lld): %s\n", (long long)ev.seq, ev.reason);
    return SC_EXIT_OK;
}

/* Trip or reset, under the writers' lock. */
static int cmd_write(sc_killswitch *ks, const opts *o, const sc_ks_paths *p) {
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    int lock_fd = -1;
    if (sc_ks_file_lock(p, &lock_fd, &ei) != SC_OK) {
        return io_error("could not take the lock; nothing changed", &ei);
    }
    sc_ks_file_status st = sc_ks_file_read(p, ks, now_ns(), &ei);
    if (st == SC_KS_FILE_CORRUPT || st == SC_KS_FILE_UNREADABLE) {
        report_bad_file(st, &ei);
    }
    int rc = o->m == MODE_TRIP ? do_trip(ks, o, p, st) : do_reset(ks, o, p, st);
    sc_ks_file_unlock(lock_fd);
    return rc;
}

int sc_cmd_kill(int argc, char **argv) {
    opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0) {
        return rc < 0 ? SC_EXIT_OK : rc;
    }
    sc_ks_paths paths;
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    if (sc_ks_paths_resolve(o.state_path, o.db_path, &paths, &ei) != SC_OK) {
        fprintf(stderr, "scalper kill: %s: expected %s, got '%s'; nothing changed\n", ei.field,
                ei.expected, ei.got);
        return SC_EXIT_USAGE;
    }
    sc_killswitch_config cfg;
    sc_killswitch_config_default(&cfg);
    sc_killswitch *ks = NULL;
    if (sc_killswitch_create(&cfg, &ks) != SC_OK) {
        fprintf(stderr, "scalper kill: out of memory\n");
        return SC_EXIT_INTERNAL;
    }
    rc = o.m == MODE_STATUS ? cmd_status(ks, &paths) : cmd_write(ks, &o, &paths);
    sc_killswitch_destroy(ks);
    return rc;
}
