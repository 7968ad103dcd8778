/* scalper demo, as a trader first runs it: offline, it writes a simulated
 * session, backtests it through the whole engine and prints the report:
 * exit 0, the report on stdout, every file in DIR, the backtest's event
 * count equal to the session's lines, decisions and trades logged, each
 * blunder label explained; bad usage exits 2. */
#include "support/support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum { CMD_MAX = 4 * SC_TEST_PATH_MAX };

static int run(const char *args, const char *out_file) {
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd), "'%s' %s >'%s' 2>/dev/null", SC_SCALPER_BIN, args,
             out_file != NULL ? out_file : "/dev/null");
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static long count_lines(const char *path) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    long n = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        n += c == '\n' ? 1 : 0;
    }
    fclose(f);
    return n;
}

static bool file_has(const char *path, const char *needle) {
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

static void test_usage(void **state) {
    (void)state;
    assert_int_equal(run("demo --help", NULL), 0);
    assert_int_equal(run("demo --bogus", NULL), 2);
    assert_int_equal(run("demo --seed", NULL), 2);
    char tmp[SC_TEST_PATH_MAX], file[SC_TEST_PATH_MAX + 8], args[CMD_MAX];
    sc_test_tmpdir(tmp, sizeof(tmp));
    snprintf(args, sizeof(args), "demo --seconds abc --out '%s/d' --quiet", tmp);
    assert_int_equal(run(args, NULL), 2); /* simulate's own usage error */
    snprintf(file, sizeof(file), "%s/f", tmp);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(args, sizeof(args), "demo --out '%s' --quiet", file);
    assert_int_equal(run(args, NULL), 2); /* --out is a file */
}

static void test_demo(void **state) {
    (void)state;
    char tmp[SC_TEST_PATH_MAX];
    sc_test_tmpdir(tmp, sizeof(tmp));
    char args[CMD_MAX], out[SC_TEST_PATH_MAX + 32], p[SC_TEST_PATH_MAX + 64];
    snprintf(args, sizeof(args), "demo --out '%s/d' --quiet", tmp);
    snprintf(out, sizeof(out), "%s/stdout.txt", tmp);
    assert_int_equal(run(args, out), 0);
    assert_true(file_has(out, "# scalper backtest"));
    assert_true(file_has(out, "## Blunders by label"));
    assert_true(file_has(out, "fee_drag: ")); /* each label with its definition */
    snprintf(p, sizeof(p), "%s/d/session.txt", tmp);
    long lines = count_lines(p);
    assert_true(lines > 10000);
    snprintf(p, sizeof(p), "%s/d/report.json", tmp);
    json_t *r = json_load_file(p, 0, NULL);
    assert_non_null(r);
    assert_int_equal(json_integer_value(json_object_get(r, "events")), lines);
    assert_string_equal(json_string_value(json_object_get(r, "fidelity")), "l2");
    json_int_t trades = json_integer_value(json_object_get(r, "trades"));
    json_int_t decisions =
        json_integer_value(json_object_get(json_object_get(r, "db_rows"), "decisions"));
    assert_true(trades > 0);
    assert_true(decisions > 0);
    snprintf(p, sizeof(p), "%s/d/decisions.jsonl", tmp);
    assert_int_equal(count_lines(p), decisions);
    snprintf(p, sizeof(p), "%s/d/scalper.db", tmp);
    FILE *db = fopen(p, "rb");
    assert_non_null(db);
    fclose(db);
    print_message("demo: %ld events, %lld decisions, %lld trades\n", lines, (long long)decisions,
                  (long long)trades);
    json_decref(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_demo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
