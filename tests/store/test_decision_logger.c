/* The DecisionLogger: inline entries are rows at once (decision, linked
 * verdict, JSONL line); the threaded queue fails closed when every slot is
 * taken (the writer held up by another connection's write lock) and
 * drains once it is released; a failed writer refuses every later entry
 * and flush says why; and with a durable store, a SIGKILL of the process
 * loses no entry a flush acknowledged. */
#include "support/support.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/decision_logger.h"
#include "core/rng.h"
#include "store/trade_store.h"

enum {
    KILL_ROUNDS = 4, /* kills, each after a seeded number of acks */
    KILL_ENTRIES_MAX = 4000,
    KILL_FLUSH_EVERY = 7, /* the child flushes (and acks) every this many entries */
    KILL_WAIT_ACKS_MAX = 60
};

static const sc_ns T0 = INT64_C(1700000000000000000);
static const char HASH[] = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

typedef struct {
    char dir[SC_TEST_PATH_MAX];
    char db[SC_TEST_PATH_MAX + 32];
    char jsonl[SC_TEST_PATH_MAX + 32];
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    sc_test_tmpdir(f->dir, sizeof(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/audit.db", f->dir);
    snprintf(f->jsonl, sizeof(f->jsonl), "%s/decisions.jsonl", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    free(*state);
    return 0;
}

static sc_trade_store *open_store(const char *path, sc_trade_store_mode mode, int64_t *run_id) {
    sc_trade_store_config c;
    memset(&c, 0, sizeof(c));
    c.path = path;
    c.mode = mode;
    sc_trade_store *s = NULL;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_open(&c, &s, &ei), SC_OK);
    sc_run_info run = {SC_RUN_PAPER, T0, "test", HASH, HASH, "unit", 1, 0};
    assert_int_equal(sc_trade_store_begin_run(s, &run, run_id, &ei), SC_OK);
    return s;
}

/* Entry i: a skip, or (odd i) an entry vetoed by the rulebook. */
static void fill_entry(sc_dlog_entry *e, int64_t i) {
    e->ts_ns = T0 + i;
    e->request_id = i;
    e->params_version = 3;
    snprintf(e->rulebook_hash, sizeof(e->rulebook_hash), "%s", HASH);
    snprintf(e->action, sizeof(e->action), "%s", i % 2 == 1 ? "enter_long" : "skip");
    snprintf(e->reason, sizeof(e->reason), "ok");
    e->latency_ns = 1000 * i;
    e->has_verdict = i % 2 == 1;
    if (e->has_verdict) {
        e->verdict.allowed = false;
        e->verdict.level = SC_VETO_LEVEL_RULEBOOK;
        e->verdict.reason = SC_VETO_R_SPREAD_LIMIT;
        e->verdict.has_values = true;
        e->verdict.value = 12.5;
        e->verdict.limit = 10.0;
        e->verdict.unit = "bps";
        snprintf(e->verdict.rulebook_hash, sizeof(e->verdict.rulebook_hash), "%s", HASH);
    }
    int n = snprintf(e->context, sizeof(e->context), "{\"i\":%lld,\"note\":\"q\\\"uote\"}",
                     (long long)i);
    e->context_len = (size_t)n;
}

static int64_t scalar(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void test_inline_rows_and_jsonl(void **state) {
    fixture *f = *state;
    int64_t run = 0;
    sc_trade_store *s = open_store(f->db, SC_TRADE_STORE_BATCH, &run);
    sc_dlog_config c = {SC_DLOG_INLINE, s, run, f->jsonl, 0};
    sc_dlog *l = NULL;
    sc_errinfo ei;
    assert_int_equal(sc_dlog_create(&c, &l, &ei), SC_OK);
    for (int64_t i = 1; i <= 10; i++) {
        sc_dlog_entry *e = sc_dlog_reserve(l);
        assert_non_null(e);
        fill_entry(e, i);
        int64_t id = 0;
        assert_int_equal(sc_dlog_commit(l, &id, &ei), SC_OK);
        assert_int_equal(id, i); /* the decisions row, at once */
    }
    assert_int_equal(sc_dlog_flush(l, &ei), SC_OK);
    sc_dlog_stats st;
    sc_dlog_stats_get(l, &st);
    assert_int_equal(st.taken, 10);
    assert_int_equal(st.written, 10);
    sc_dlog_destroy(l);
    sc_trade_store_close(s);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(scalar(db, "SELECT count(*) FROM decisions"), 10);
    assert_int_equal(scalar(db, "SELECT count(*) FROM decisions WHERE action = 'skip'"), 5);
    /* one verdict per odd decision, pointing to it */
    assert_int_equal(scalar(db, "SELECT count(*) FROM verdicts v JOIN decisions d ON "
                                "v.decision_id = d.id WHERE d.request_id % 2 = 1"),
                     5);
    assert_int_equal(scalar(db, "SELECT sum(json_extract(context_json, '$.i')) FROM decisions"),
                     55);
    sqlite3_close(db);
    FILE *j = fopen(f->jsonl, "r");
    assert_non_null(j);
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof(line), j) != NULL) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        assert_non_null(o);
        n++;
        assert_int_equal(json_integer_value(json_object_get(o, "decision_id")), n);
        json_t *ctx = json_object_get(o, "context");
        assert_int_equal(json_integer_value(json_object_get(ctx, "i")), n);
        assert_string_equal(json_string_value(json_object_get(ctx, "note")), "q\"uote");
        json_decref(o);
    }
    fclose(j);
    assert_int_equal(n, 10);
}

/* Another connection holds the write lock: the writer thread waits inside
 * its first insert, the queue fills, reserve refuses (fail closed); once
 * the lock is released everything committed is written. */
static void test_thread_full_queue_fails_closed(void **state) {
    fixture *f = *state;
    int64_t run = 0;
    sc_trade_store *s = open_store(f->db, SC_TRADE_STORE_DURABLE, &run);
    sqlite3 *blocker = NULL;
    assert_int_equal(sqlite3_open(f->db, &blocker), SQLITE_OK);
    assert_int_equal(sqlite3_exec(blocker, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    sc_dlog_config c = {SC_DLOG_THREAD, s, run, NULL, 4};
    sc_dlog *l = NULL;
    sc_errinfo ei;
    assert_int_equal(sc_dlog_create(&c, &l, &ei), SC_OK);
    int taken = 0;
    for (int64_t i = 1; i <= 10; i++) {
        sc_dlog_entry *e = sc_dlog_reserve(l);
        if (e == NULL) {
            continue;
        }
        fill_entry(e, i);
        int64_t id = -1;
        assert_int_equal(sc_dlog_commit(l, &id, &ei), SC_OK);
        assert_int_equal(id, 0); /* queued: no row id yet */
        taken++;
    }
    sc_dlog_stats st;
    sc_dlog_stats_get(l, &st);
    assert_int_equal(taken, 4); /* the writer holds its slot until written */
    assert_int_equal(st.refused_full, 6);
    assert_int_equal(st.high_water, 4);
    assert_int_equal(st.written, 0);
    assert_int_equal(sqlite3_exec(blocker, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(blocker);
    assert_int_equal(sc_dlog_flush(l, &ei), SC_OK);
    sc_dlog_stats_get(l, &st);
    assert_int_equal(st.written, 4);
    sc_dlog_entry *e = sc_dlog_reserve(l); /* room again */
    assert_non_null(e);
    fill_entry(e, 11);
    assert_int_equal(sc_dlog_commit(l, NULL, &ei), SC_OK);
    sc_dlog_destroy(l);
    sc_trade_store_counts n;
    assert_int_equal(sc_trade_store_counts_get(s, run, &n, &ei), SC_OK);
    assert_int_equal(n.decisions, 5); /* destroy drained the last one */
    sc_trade_store_close(s);
}

/* A context the store refuses (not JSON) fails the writer: later entries
 * are refused and flush returns the store's error. */
static void test_failed_writer_refuses(void **state) {
    fixture *f = *state;
    int64_t run = 0;
    sc_trade_store *s = open_store(f->db, SC_TRADE_STORE_DURABLE, &run);
    sc_dlog_config c = {SC_DLOG_THREAD, s, run, NULL, 8};
    sc_dlog *l = NULL;
    sc_errinfo ei;
    assert_int_equal(sc_dlog_create(&c, &l, &ei), SC_OK);
    sc_dlog_entry *e = sc_dlog_reserve(l);
    assert_non_null(e);
    fill_entry(e, 1);
    e->context_len = (size_t)snprintf(e->context, sizeof(e->context), "{not json");
    assert_int_equal(sc_dlog_commit(l, NULL, &ei), SC_OK);
    sc_errinfo fe;
    sc_errinfo_clear(&fe);
    assert_int_equal(sc_dlog_flush(l, &fe), SC_ERR_INVALID_ARG);
    assert_true(strlen(fe.field) > 0);
    assert_null(sc_dlog_reserve(l));
    sc_dlog_stats st;
    sc_dlog_stats_get(l, &st);
    assert_true(st.failed);
    assert_int_equal(st.refused_failed, 1);
    assert_int_equal(st.written, 0);
    sc_dlog_destroy(l);
    sc_trade_store_close(s);
}

/* ---- SIGKILL ---------------------------------------------------------------- */

/* The child: a paper-mode logger (thread, durable store); after each flush
 * the number of entries committed so far goes to the pipe. */
static void kill_child(const char *path, int fd) {
    int64_t run = 0;
    sc_trade_store_config c;
    memset(&c, 0, sizeof(c));
    c.path = path;
    c.mode = SC_TRADE_STORE_DURABLE;
    sc_trade_store *s = NULL;
    sc_errinfo ei;
    if (sc_trade_store_open(&c, &s, &ei) != SC_OK) {
        _exit(2);
    }
    sc_run_info ri = {SC_RUN_PAPER, T0, "kill", HASH, HASH, "unit", 1, 0};
    sc_dlog *l = NULL;
    sc_dlog_config lc = {SC_DLOG_THREAD, s, 0, NULL, 16};
    if (sc_trade_store_begin_run(s, &ri, &run, &ei) != SC_OK ||
        (lc.run_id = run, sc_dlog_create(&lc, &l, &ei)) != SC_OK) {
        _exit(2);
    }
    for (int64_t i = 1; i <= KILL_ENTRIES_MAX; i++) {
        sc_dlog_entry *e = sc_dlog_reserve(l);
        while (e == NULL) { /* full: wait for the writer, as the engine would not */
            if (sc_dlog_flush(l, &ei) != SC_OK) {
                _exit(4);
            }
            e = sc_dlog_reserve(l);
        }
        fill_entry(e, i);
        if (sc_dlog_commit(l, NULL, &ei) != SC_OK) {
            _exit(4);
        }
        if (i % KILL_FLUSH_EVERY == 0) {
            if (sc_dlog_flush(l, &ei) != SC_OK) {
                _exit(4);
            }
            if (write(fd, &i, sizeof(i)) != (ssize_t)sizeof(i)) {
                _exit(3);
            }
        }
    }
    _exit(0);
}

static int64_t kill_once(const char *path, sc_rng *rng) {
    uint64_t wait_acks = 1 + sc_rng_next(rng) % KILL_WAIT_ACKS_MAX;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        kill_child(path, p[1]);
    }
    close(p[1]);
    int64_t acked = 0;
    int64_t v = 0;
    for (uint64_t k = 0; k < wait_acks && read(p[0], &v, sizeof(v)) == (ssize_t)sizeof(v); k++) {
        acked = v;
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    while (read(p[0], &v, sizeof(v)) == (ssize_t)sizeof(v)) {
        acked = v; /* acks already in the pipe count too */
    }
    close(p[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    return acked;
}

static void test_sigkill_loses_no_acknowledged_entry(void **state) {
    fixture *f = *state;
    sc_rng rng;
    sc_rng_seed(&rng, UINT64_C(61124));
    for (int round = 0; round < KILL_ROUNDS; round++) {
        char path[SC_TEST_PATH_MAX + 48];
        snprintf(path, sizeof(path), "%s/kill%d.db", f->dir, round);
        int64_t acked = kill_once(path, &rng);
        assert_true(acked > 0);
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
        sqlite3_finalize(st);
        int64_t rows = scalar(db, "SELECT count(*) FROM decisions");
        int64_t top = scalar(db, "SELECT coalesce(max(request_id), 0) FROM decisions");
        /* every acknowledged entry is there, in order, without a hole */
        assert_true(rows >= acked);
        assert_int_equal(top, rows);
        assert_int_equal(scalar(db, "SELECT count(*) FROM verdicts WHERE decision_id NOT IN "
                                    "(SELECT id FROM decisions)"),
                         0);
        sqlite3_close(db);
        print_message("kill %d: %lld entries acknowledged, %lld on disk\n", round, (long long)acked,
                      (long long)rows);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_inline_rows_and_jsonl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thread_full_queue_fails_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_writer_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_loses_no_acknowledged_entry, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
