/* The scalper command line as a trader uses it: help, exit codes, the JSON
 * summary and its keys, final_book, and clear errors on bad input. */
#include "support/support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum { OUT_MAX = 1 << 20 };

/* Runs a shell command line; returns the exit status and stdout+stderr. */
static int run(const char *args, char *out, size_t cap) {
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", SC_SCALPER_BIN, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void demo_path(char *buf, size_t cap) {
    sc_test_source_path("tests/data/demo_capture.txt", buf, cap);
}

static void test_help_and_usage(void **state) {
    (void)state;
    char *out = malloc(OUT_MAX);
    assert_int_equal(run("--help", out, OUT_MAX), 0);
    assert_non_null(strstr(out, "replay-check"));
    assert_int_equal(run("replay-check --help", out, OUT_MAX), 0);
    assert_non_null(strstr(out, "--book-depth"));
    assert_non_null(strstr(out, "exit status"));
    assert_int_equal(run("", out, OUT_MAX), 2);
    assert_int_equal(run("no-such-command", out, OUT_MAX), 2);
    assert_non_null(strstr(out, "unknown command"));
    assert_int_equal(run("replay-check", out, OUT_MAX), 2);
    assert_int_equal(run("replay-check --bogus x", out, OUT_MAX), 2);
    assert_non_null(strstr(out, "--bogus"));
    assert_int_equal(run("replay-check --book-depth lots x", out, OUT_MAX), 2);
    assert_non_null(strstr(out, "--book-depth"));
    assert_int_equal(run("replay-check --instrument usdm:ETHUSDT x", out, OUT_MAX), 2);
    free(out);
}

static void test_missing_file(void **state) {
    (void)state;
    char *out = malloc(OUT_MAX);
    assert_int_equal(run("replay-check /nonexistent/capture.txt.zst", out, OUT_MAX), 3);
    assert_non_null(strstr(out, "/nonexistent/capture.txt.zst"));
    free(out);
}

static void test_json_summary(void **state) {
    (void)state;
    char demo[SC_TEST_PATH_MAX];
    demo_path(demo, sizeof(demo));
    char args[SC_TEST_PATH_MAX + 64];
    snprintf(args, sizeof(args), "replay-check --json --book-depth 5 '%s'", demo);
    char *out = malloc(OUT_MAX);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    if (j == NULL) {
        fail_msg("not one JSON object: %s (%s)", out, je.text);
    }
    static const char *const keys[] = {"messages",        "depth_updates", "book_ticker", "trades",
                                       "snapshots",       "resyncs",       "gaps",        "crossed",
                                       "bbo_checked",     "bbo_mismatch",  "malformed",   "seconds",
                                       "messages_per_sec"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (json_object_get(j, keys[i]) == NULL) {
            fail_msg("key %s missing in %s", keys[i], out);
        }
    }
    assert_int_equal(json_integer_value(json_object_get(j, "messages")), 1327);
    assert_int_equal(json_integer_value(json_object_get(j, "gaps")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "bbo_mismatch")), 0);
    assert_true(json_integer_value(json_object_get(j, "bbo_checked")) > 200);
    json_t *fb = json_object_get(j, "final_book");
    assert_non_null(fb);
    json_t *bids = json_object_get(fb, "bids");
    json_t *asks = json_object_get(fb, "asks");
    assert_int_equal(json_array_size(bids), 5);
    assert_int_equal(json_array_size(asks), 5);
    /* Decimal strings, best first, not crossed. */
    const char *b0 = json_string_value(json_array_get(json_array_get(bids, 0), 0));
    const char *a0 = json_string_value(json_array_get(json_array_get(asks, 0), 0));
    const char *b1 = json_string_value(json_array_get(json_array_get(bids, 1), 0));
    assert_non_null(b0);
    assert_non_null(a0);
    assert_true(strtod(b0, NULL) < strtod(a0, NULL));
    assert_true(strtod(b1, NULL) < strtod(b0, NULL));
    assert_non_null(strchr(b0, '.'));
    json_decref(j);
    free(out);
}

/* Writes a copy of the demo capture to dir/name, passing each line (without
 * its newline) through edit, which writes what it wants in its place. */
typedef void (*line_edit)(FILE *f, void *ctx, const char *line, size_t n);

static void demo_variant(const char *name, line_edit edit, void *ctx, char *dir, size_t dcap,
                         char *path, size_t pcap) {
    char demo[SC_TEST_PATH_MAX];
    demo_path(demo, sizeof(demo));
    size_t len;
    char *text = sc_test_read_all(demo, &len);
    sc_test_tmpdir(dir, dcap);
    snprintf(path, pcap, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (char *p = text; *p;) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char saved = p[n];
        p[n] = '\0'; /* the edit sees this line only */
        edit(f, ctx, p, n);
        p[n] = saved;
        p += n + (saved == '\n');
    }
    fclose(f);
    free(text);
}

/* Runs replay-check --json on path; checks the exit code and fragments. */
static void expect_run(const char *path, const char *dir, int want_rc, const char *const *frags) {
    char args[SC_TEST_PATH_MAX + 64];
    snprintf(args, sizeof(args), "replay-check --json '%s'", path);
    char *out = malloc(OUT_MAX);
    assert_int_equal(run(args, out, OUT_MAX), want_rc);
    for (size_t i = 0; frags[i] != NULL; i++) {
        if (strstr(out, frags[i]) == NULL) {
            fail_msg("'%s' not in output: %s", frags[i], out);
        }
    }
    remove(path);
    remove(dir);
    free(out);
}

typedef struct {
    int depth_seen;
    int lines_seen;
} edit_state;

static void drop_50th_depth(FILE *f, void *ctx, const char *line, size_t n) {
    edit_state *st = ctx;
    if (strstr(line, "depthUpdate") != NULL && ++st->depth_seen == 50) {
        return;
    }
    fwrite(line, 1, n, f);
    fputc('\n', f);
}

static void bad_time_as_line_2(FILE *f, void *ctx, const char *line, size_t n) {
    edit_state *st = ctx;
    if (++st->lines_seen == 2) {
        fputs("12x45 {\"stream\":\"btcusdt@trade\",\"data\":{}}\n", f);
    }
    fwrite(line, 1, n, f);
    fputc('\n', f);
}

/* Drop one depth line from the demo: a gap, reported with its line, exit 1. */
static void test_gap_exit_code(void **state) {
    (void)state;
    char dir[SC_TEST_PATH_MAX];
    char path[SC_TEST_PATH_MAX + 32];
    edit_state st = {0, 0};
    demo_variant("gap.txt", drop_50th_depth, &st, dir, sizeof(dir), path, sizeof(path));
    const char *const want[] = {"sequence gap", "gap.txt:", "\"gaps\":1", NULL};
    expect_run(path, dir, 1, want);
}

/* Reader errors travel through the pump in order: a line with a bad time is
 * malformed, named by file and line, and the rest of the file still counts. */
static void test_bad_time_line(void **state) {
    (void)state;
    char dir[SC_TEST_PATH_MAX];
    char path[SC_TEST_PATH_MAX + 32];
    edit_state st = {0, 0};
    demo_variant("badtime.txt", bad_time_as_line_2, &st, dir, sizeof(dir), path, sizeof(path));
    const char *const want[] = {"badtime.txt:2:", "\"malformed\":1", "\"messages\":1328",
                                "\"bbo_mismatch\":0", NULL};
    expect_run(path, dir, 1, want);
}

static void test_real_capture_cli(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED("binance_ws_capture_hftbacktest/usdm/btcusdt_20240718.txt.zst", path);
    char path2[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED("binance_ws_capture_hftbacktest/usdm/btcusdt_20240719.txt.zst", path2);
    char args[3 * SC_TEST_PATH_MAX];
    snprintf(args, sizeof(args), "replay-check --json '%s' '%s'", path, path2);
    char *out = malloc(OUT_MAX);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "messages")), 11414 + 60570);
    assert_int_equal(json_integer_value(json_object_get(j, "gaps")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "crossed")), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "bbo_mismatch")), 0);
    assert_true(json_integer_value(json_object_get(j, "bbo_checked")) > 100);
    json_decref(j);
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage), cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_json_summary),   cmocka_unit_test(test_gap_exit_code),
        cmocka_unit_test(test_bad_time_line),  cmocka_unit_test(test_real_capture_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
