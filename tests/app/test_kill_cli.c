/* `scalper kill` as an operator uses it, in a temporary folder: status on a
 * fresh folder, trip, status, persistence across invocations, reset; refused
 * commands leave the state file byte for byte as it was; a corrupt or
 * unreadable state file reads as TRIPPED (fail closed) with exit 3. */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "risk/killswitch.h"

enum { OUT_MAX = 1 << 16 };

typedef struct {
    char dir[SC_TEST_PATH_MAX];
    char state[SC_TEST_PATH_MAX + 32];
    char out[OUT_MAX];
} fixture;

/* Runs `scalper kill` in the folder with prefix (environment) and args; the
 * exit status, stdout+stderr in out. */
static int run_env(fixture *f, const char *env, const char *args) {
    char cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && env -u SCALPER_KILL_FILE -u SCALPER_DB %s '%s' kill %s 2>&1", f->dir, env,
             SC_SCALPER_BIN, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(f->out, 1, OUT_MAX - 1, p);
    f->out[n] = '\0';
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void expect_env(fixture *f, const char *env, const char *args, int status,
                       const char *needle) {
    int got = run_env(f, env, args);
    if (got != status || (needle != NULL && strstr(f->out, needle) == NULL)) {
        fail_msg("scalper kill %s: exit %d (want %d), output lacks '%s':\n%s", args, got, status,
                 needle ? needle : "", f->out);
    }
}

static void expect(fixture *f, const char *args, int status, const char *needle) {
    expect_env(f, "", args, status, needle);
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    sc_test_tmpdir(f->dir, sizeof(f->dir));
    snprintf(f->state, sizeof(f->state), "%s/scalper.kill", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    static const char *const names[] = {
        "scalper.kill",     "scalper.kill.jsonl", "scalper.kill.lock", "scalper.kill.corrupt",
        "scalper.kill.tmp", "prod.kill",          "prod.kill.jsonl",   "prod.kill.lock",
        "other.kill",       "other.kill.jsonl",   "other.kill.lock"};
    char p[SC_TEST_PATH_MAX + 64];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
        remove(p);
    }
    remove(f->dir);
    free(f);
    return 0;
}

static void test_help_and_usage(void **state) {
    fixture *f = *state;
    expect(f, "--help", 0, "usage: scalper kill --reason TEXT");
    static const char *const words[] = {
        "manual",         "daily_loss",  "next UTC midnight", "drawdown",      "consec_losses",
        "data_integrity", "error_burst", "latency",           "corrupt_state", "exit status"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (strstr(f->out, words[i]) == NULL) {
            fail_msg("--help lacks '%s':\n%s", words[i], f->out);
        }
    }
    assert_non_null(strstr(f->out, "control thread next polls"));
    expect(f, "--bogus", 2, "unknown option --bogus");
    expect(f, "now", 2, "unexpected argument now");
    expect(f, "--status --reason x", 2, "--status takes neither");
    expect(f, "--reason", 2, "a value is missing after --reason");
    assert_int_equal(access(f->state, F_OK), -1); /* nothing was created */
}

static void test_session(void **state) {
    fixture *f = *state;
    expect(f, "--status", 0, "kill switch: not tripped");
    assert_non_null(strstr(f->out, "./scalper.kill (absent"));
    assert_int_equal(access(f->state, F_OK), -1); /* looking creates nothing */
    expect(f, "", 2, "--reason TEXT is required");
    expect(f, "--reason '   '", 2, "--reason");
    assert_int_equal(access(f->state, F_OK), -1);
    expect(f, "--reason 'exchange maintenance'", 0, "TRIPPED (manual, seq 1)");
    assert_non_null(strstr(f->out, "next poll"));
    /* Each run is a new process: the state persists across invocations. */
    expect(f, "--status", 0, "kill switch: TRIPPED\n");
    assert_non_null(strstr(f->out, "manual          since "));
    assert_non_null(strstr(f->out, "reason:  exchange maintenance"));
    assert_non_null(strstr(f->out, "clears:  never by itself"));
    expect(f, "--reason 'second thoughts'", 0, "already tripped");
    expect(f, "--status", 0, "reason:  exchange maintenance");
    expect(f, "--reset", 2, "--reason TEXT is required");
    expect(f, "--status", 0, "kill switch: TRIPPED");
    expect(f, "--reset --reason 'maintenance over'", 0, "reset (seq 2): maintenance over");
    expect(f, "--status", 0, "kill switch: not tripped");
    expect(f, "--reset --reason again", 0, "nothing to reset");
    /* The audit log has one line per trip and reset. */
    char log[SC_TEST_PATH_MAX + 64];
    snprintf(log, sizeof(log), "%s.jsonl", f->state);
    size_t len = 0;
    char *text = sc_test_read_all(log, &len);
    assert_non_null(strstr(text, "{\"seq\":1,\"event\":\"trip\",\"trigger\":\"manual\""));
    assert_non_null(strstr(text, "\"reason\":\"exchange maintenance\",\"source\":\"cli\""));
    assert_non_null(strstr(text, "{\"seq\":2,\"event\":\"reset\""));
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) {
        lines += text[i] == '\n';
    }
    assert_int_equal(lines, 2);
    free(text);
}

static void test_refused_changes_nothing(void **state) {
    fixture *f = *state;
    expect(f, "--reason 'first'", 0, "TRIPPED");
    size_t n0 = 0;
    char *before = sc_test_read_all(f->state, &n0);
    expect(f, "--reset", 2, "nothing changed");
    expect(f, "--reset --reason ''", 2, "nothing changed");
    expect(f, "--reset --reason 'x' --bogus", 2, "nothing changed");
    size_t n1 = 0;
    char *after = sc_test_read_all(f->state, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before);
    free(after);
}

static void write_file(const char *path, const char *text, size_t len) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void test_corrupt_fails_closed(void **state) {
    fixture *f = *state;
    expect(f, "--reason 'will be damaged'", 0, "TRIPPED");
    size_t n = 0;
    char *text = sc_test_read_all(f->state, &n);
    text[n / 2] ^= 0x04;
    write_file(f->state, text, n);
    free(text);
    expect(f, "--status", 3, "TRIPPED (fail closed: the state file is corrupt)");
    assert_non_null(strstr(f->out, "corrupt_state"));
    assert_non_null(strstr(f->out, "checksum"));
    write_file(f->state, "", 0); /* an empty file is not "never tripped" */
    expect(f, "--status", 3, "fail closed");
    /* The operator's way out: a reset, which keeps the bad file aside. */
    expect(f, "--reset --reason 'inspected, disk replaced'", 0, "reset");
    assert_non_null(strstr(f->out, "kept as ./scalper.kill.corrupt"));
    expect(f, "--status", 0, "kill switch: not tripped");
    /* A state file that cannot be read at all: also tripped. */
    assert_int_equal(remove(f->state), 0);
    assert_int_equal(mkdir(f->state, 0755), 0);
    expect(f, "--status", 3, "the state file is unreadable");
    assert_int_equal(rmdir(f->state), 0);
}

static void test_daily_loss_display_and_paths(void **state) {
    fixture *f = *state;
    /* A daily-loss trip written by the engine (its text, through the same
     * module) is shown with its clearing time, and no longer blocks after. */
    sc_killswitch_config cfg;
    sc_killswitch_config_default(&cfg);
    sc_killswitch *ks = NULL;
    assert_int_equal(sc_killswitch_create(&cfg, &ks), SC_OK);
    sc_ns t = INT64_C(1723075200) * SC_NS_PER_S + 3600 * SC_NS_PER_S; /* 2024-08-08T01:00Z */
    assert_true(sc_killswitch_on_daily_loss(ks, t, 230, NULL));
    char text[SC_KS_TEXT_MAX];
    size_t n = sc_killswitch_serialize(ks, text, sizeof(text));
    sc_killswitch_destroy(ks);
    char other[SC_TEST_PATH_MAX + 32];
    snprintf(other, sizeof(other), "%s/other.kill", f->dir);
    write_file(other, text, n);
    expect(f, "--state other.kill --status", 0, "kill switch: not tripped");
    assert_non_null(strstr(f->out, "daily_loss      since 2024-08-08T01:00:00Z"));
    assert_non_null(strstr(f->out, "values:  230 bps (limit 200 bps)"));
    assert_non_null(strstr(f->out, "cleared: at 2024-08-09T00:00:00Z"));
    expect_env(f, "SCALPER_KILL_FILE=other.kill", "--status", 0, "state file: other.kill");
    /* Next to the database: --db or $SCALPER_DB with .db -> .kill. */
    expect(f, "--db prod.db --reason 'db path'", 0, "poll of prod.kill");
    expect_env(f, "SCALPER_DB=prod.db", "--status", 0, "kill switch: TRIPPED");
    expect_env(f, "SCALPER_DB=prod.db", "--reset --reason done", 0, "reset");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_help_and_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_fails_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daily_loss_display_and_paths, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
