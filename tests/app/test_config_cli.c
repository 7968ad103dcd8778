/* scalper config as a trader uses it: check a good file (exit 0, the
 * effective values), a bad one (exit 3, every error with its line), the
 * example, help and usage errors. */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum { OUT_MAX = 1 << 16 };

/* Runs scalper with args (a shell fragment); exit status, stdout+stderr. */
static int run(const char *args, char *out, size_t cap) {
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "env -u NODE_ENV '%s' %s 2>&1", SC_SCALPER_BIN, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_check_example(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    sc_test_source_path("config/scalper.ini", path, sizeof(path));
    char args[SC_TEST_PATH_MAX + 32];
    snprintf(args, sizeof(args), "config check '%s'", path);
    char *out = malloc(OUT_MAX);
    assert_non_null(out);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    char want[SC_TEST_PATH_MAX + 16];
    snprintf(want, sizeof(want), "%s: ok\n", path);
    assert_memory_equal(out, want, strlen(want));
    assert_non_null(strstr(out, "\n[risk]\nmax_position_btc = 0.5\n"));
    assert_non_null(strstr(out, "\n[strategy]\nentry_score_min = 0.6\n"));
    assert_non_null(strstr(out, "\nlisten = 127.0.0.1:8080\n"));
    free(out);
}

static void test_check_bad_file(void **state) {
    (void)state;
    char dir[SC_TEST_PATH_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    char path[SC_TEST_PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/bad.ini", dir);
    write_text(path, "[exchange]\n"
                     "api_secret = hunter2hunter2\n"
                     "[risk]\n"
                     "max_position_btc = 0.8\n"
                     "max_hold_s = 600\n"
                     "[nope]\n");
    char args[SC_TEST_PATH_MAX + 64];
    snprintf(args, sizeof(args), "config check '%s'", path);
    char *out = malloc(OUT_MAX);
    assert_non_null(out);
    assert_int_equal(run(args, out, OUT_MAX), 3);
    char want[SC_TEST_PATH_MAX + 256];
    snprintf(want, sizeof(want),
             "%s:4: risk.max_position_btc: expected at most 0.5 (hard limit; config may only "
             "tighten), got '0.8'\n",
             path);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof(want), "%s:2: exchange.api_secret:", path);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof(want), "%s:5: risk.max_hold_s: expected at most 300", path);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof(want), "%s:6: section: expected one of", path);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof(want), "%s: 4 errors, nothing applied\n", path);
    assert_non_null(strstr(out, want));
    assert_null(strstr(out, "hunter2"));
    assert_null(strstr(out, ": ok"));
    /* A live config is valid, with a note when NODE_ENV is not live. */
    write_text(path, "[exchange]\nmode = live\n");
    assert_int_equal(run(args, out, OUT_MAX), 0);
    assert_non_null(strstr(out, "NODE_ENV=live"));
    remove(path);
    remove(dir);
    free(out);
}

static void test_example_and_usage(void **state) {
    (void)state;
    char *out = malloc(OUT_MAX);
    assert_non_null(out);
    char path[SC_TEST_PATH_MAX];
    sc_test_source_path("config/scalper.ini", path, sizeof(path));
    size_t len = 0;
    char *file = sc_test_read_all(path, &len);
    assert_int_equal(run("config example", out, OUT_MAX), 0);
    assert_string_equal(out, file);
    free(file);
    assert_int_equal(run("config --help", out, OUT_MAX), 0);
    assert_non_null(strstr(out, "usage: scalper config check FILE"));
    assert_non_null(strstr(out, "  max_position_btc\n"));
    assert_non_null(strstr(out, "exit status"));
    assert_int_equal(run("--help", out, OUT_MAX), 0);
    assert_non_null(strstr(out, "config check FILE"));
    assert_int_equal(run("config", out, OUT_MAX), 2);
    assert_int_equal(run("config check", out, OUT_MAX), 2);
    assert_int_equal(run("config check a b", out, OUT_MAX), 2);
    assert_int_equal(run("config frobnicate", out, OUT_MAX), 2);
    assert_non_null(strstr(out, "frobnicate"));
    assert_int_equal(run("config check /nonexistent/scalper.ini", out, OUT_MAX), 3);
    assert_non_null(strstr(out, "/nonexistent/scalper.ini: expected a readable file"));
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_example),
        cmocka_unit_test(test_check_bad_file),
        cmocka_unit_test(test_example_and_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
