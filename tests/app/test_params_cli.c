/* `scalper params` as an operator uses it, on a database in a temporary
 * folder: list, set, show, diff, activate, rollback, history; and every
 * refused command leaves the database file byte for byte as it was. */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { OUT_MAX = 1 << 16 };

typedef struct {
    char dir[SC_TEST_PATH_MAX];
    char db[SC_TEST_PATH_MAX + 32];
    char out[OUT_MAX];
} fixture;

/* Runs scalper with --db and args; the exit status, stdout+stderr in out. */
static int run(fixture *f, const char *args) {
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "'%s' params --db '%s' %s 2>&1", SC_SCALPER_BIN, f->db, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(f->out, 1, OUT_MAX - 1, p);
    f->out[n] = '\0';
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void expect(fixture *f, const char *args, int status, const char *needle) {
    int got = run(f, args);
    if (got != status || (needle != NULL && strstr(f->out, needle) == NULL)) {
        fail_msg("scalper params %s: exit %d (want %d), output lacks '%s':\n%s", args, got, status,
                 needle ? needle : "", f->out);
    }
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    sc_test_tmpdir(f->dir, sizeof(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/scalper.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    char p[SC_TEST_PATH_MAX + 64];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", f->db, suffixes[i]);
        remove(p);
    }
    remove(f->dir);
    free(f);
    return 0;
}

static void test_help_and_usage(void **state) {
    fixture *f = *state;
    expect(f, "--help", 0, "$SCALPER_DB if set, else ./scalper.db");
    assert_non_null(strstr(f->out, "rollback"));
    assert_non_null(strstr(f->out, "exit status"));
    expect(f, "", 2, "usage: scalper params");
    expect(f, "frobnicate", 2, "unknown subcommand frobnicate");
    expect(f, "list --bogus", 2, "unknown option --bogus");
    expect(f, "show", 2, "expected one version");
    expect(f, "show banana", 2, "expected a version id or 'active'");
    expect(f, "diff 1", 2, "expected two versions");
    expect(f, "list --limit 0", 2, "--limit");
    expect(f, "set strategy.sl_bps=15 --author robot --reason x", 2, "--author");
    assert_int_equal(access(f->db, F_OK), -1); /* nothing was created */
    char cmd[2048];
    snprintf(cmd, sizeof(cmd), "'%s' help", SC_SCALPER_BIN);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(f->out, 1, OUT_MAX - 1, p);
    f->out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    assert_non_null(strstr(f->out, "params SUBCOMMAND"));
}

static void test_session(void **state) {
    fixture *f = *state;
    /* A fresh database: version 0, the compiled defaults, is active; only
     * looking creates no file. */
    expect(f, "list", 0, "compiled defaults");
    assert_non_null(strstr(f->out, "*      0      -  builtin"));
    assert_int_equal(access(f->db, F_OK), -1);
    expect(f, "set strategy.sl_bps=15 strategy.tp_bps=24 --reason 'wider stop after vol rise'", 0,
           "created version 1 from version 0");
    assert_non_null(strstr(f->out, "strategy.sl_bps: 12 -> 15\nstrategy.tp_bps: 18 -> 24\n"));
    expect(f, "list", 0, "wider stop after vol rise");
    assert_non_null(strstr(f->out, "*      1      0  human"));
    assert_non_null(strstr(f->out, "\n       0      -  builtin"));
    expect(f, "show 1", 0, "version 1 (active)");
    assert_non_null(
        strstr(f->out, "* strategy.sl_bps                15           12           1..200"));
    assert_non_null(strstr(f->out, "  strategy.cooldown_s            10           10"));
    assert_non_null(strstr(f->out, "reason:  wider stop after vol rise"));
    assert_non_null(strstr(f->out, "(2 of"));
    expect(f, "show active", 0, "version 1 (active)");
    expect(f, "diff 0 1", 0, NULL);
    assert_string_equal(f->out, "strategy.sl_bps: 12 -> 15\nstrategy.tp_bps: 18 -> 24\n");
    expect(f,
           "set --author ai strategy.cooldown_s=30 strategy.htf_filter=off --reason 'fewer "
           "re-entries'",
           0, "created version 2 from version 1");
    expect(f, "diff 1 active", 0, NULL);
    assert_string_equal(f->out, "strategy.htf_filter: true -> false\n"
                                "strategy.cooldown_s: 10 -> 30\n");
    expect(f, "list", 0, "*      2      1  ai");
    expect(f, "activate 1 --reason 'compare with v1'", 0, "active: version 1 (was 2)");
    assert_non_null(strstr(f->out, "strategy.cooldown_s: 30 -> 10"));
    expect(f, "show active", 0, "version 1 (active)");
    expect(f, "rollback --reason 'back to defaults'", 0, "active: version 0 (was 1)");
    expect(f, "show active", 0, "version 0 (active)");
    expect(f, "rollback --reason 'again'", 3, "version 0 (the compiled defaults)");
    expect(f, "history", 0, "rollback       1 -> 0       human        back to defaults");
    assert_non_null(strstr(f->out, "activate       2 -> 1       human        compare with v1"));
    assert_non_null(strstr(f->out, "set            1 -> 2       ai           fewer re-entries"));
    assert_non_null(strstr(f->out, "set            0 -> 1       human"));
    expect(f, "list --limit 1", 0, "(older versions: --before 2)");
    expect(f, "list --limit 1 --before 2", 0, "wider stop");
}

static void snapshot(fixture *f, char **bytes, size_t *len) {
    *bytes = sc_test_read_all(f->db, len);
    char wal[SC_TEST_PATH_MAX + 64];
    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    assert_int_equal(access(wal, F_OK), -1); /* all in the main file */
}

static void test_refused_commands_change_nothing(void **state) {
    fixture *f = *state;
    expect(f, "set strategy.sl_bps=15 --reason 'first'", 0, "created version 1");
    char *before;
    size_t before_len;
    snapshot(f, &before, &before_len);
    expect(f, "set strategy.sl_bsp=3 --reason r", 3,
           "unknown key 'strategy.sl_bsp' (did you mean 'strategy.sl_bps'?)");
    assert_non_null(strstr(f->out, "nothing changed"));
    expect(f, "set strategy.sl_bps=500 --reason r", 3,
           "strategy.sl_bps: expected a number 1..200 (bps), got 500");
    /* One bad pair among good ones: all are reported, none is applied. */
    expect(f, "set strategy.tp_bps=20 strategy.sl_bps=500 sl_bsp=1 smc.swing_n=2.5 --reason r", 3,
           "nothing changed (3 of 4 refused)");
    assert_non_null(strstr(f->out, "smc.swing_n: expected a whole number 1..10 (bars), got 2.5"));
    expect(f, "set strategy.tp_bps=20 strategy.tp_bps=21 --reason r", 3, "given twice");
    expect(f, "set strategy.tp_bps --reason r", 3, "expected KEY=VALUE");
    expect(f, "set strategy.tp_bps=20", 2, "--reason TEXT is required");
    expect(f, "set strategy.tp_bps=20 --reason ''", 2, "--reason must not be empty");
    expect(f, "set strategy.sl_bps=15 --reason 'same value'", 3, "differs from version 1");
    expect(f, "activate 99 --reason r", 3, "expected an existing version id, got 99");
    expect(f, "activate 1 --reason r", 3, "not active");
    expect(f, "activate 0", 2, "--reason");
    expect(f, "rollback", 2, "--reason");
    expect(f, "show 99", 3, "got 99");
    expect(f, "diff 0 99", 3, "got 99");
    char *after;
    size_t after_len;
    snapshot(f, &after, &after_len);
    assert_int_equal(after_len, before_len);
    assert_memory_equal(after, before, before_len);
    expect(f, "list", 0, "*      1      0  human");
    free(before);
    free(after);
}

static void test_bad_database(void **state) {
    fixture *f = *state;
    FILE *t = fopen(f->db, "w");
    assert_non_null(t);
    fputs("this is not a database, it is a shopping list: eggs, milk, more eggs\n", t);
    fclose(t);
    expect(f, "list", 4, "database error");
    expect(f, "set strategy.sl_bps=15 --reason r", 4, "database error");
    snprintf(f->db, sizeof(f->db), "%s/no/such/dir/scalper.db", f->dir);
    expect(f, "set strategy.sl_bps=15 --reason r", 4, "could not open the database");
    snprintf(f->db, sizeof(f->db), "%s/scalper.db", f->dir);
}

static void test_env_default(void **state) {
    fixture *f = *state;
    assert_int_equal(setenv("SCALPER_DB", f->db, 1), 0);
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "'%s' params set ai.deadline_ms=150 --reason env 2>&1",
             SC_SCALPER_BIN);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(f->out, 1, OUT_MAX - 1, p);
    f->out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    unsetenv("SCALPER_DB");
    assert_int_equal(access(f->db, F_OK), 0);
    expect(f, "show active", 0, "* ai.deadline_ms");
}

int main(void) {
    unsetenv("SCALPER_DB"); /* the tests say which database they use */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_help_and_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_commands_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_default, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
