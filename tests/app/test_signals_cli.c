/* scalper signals and features --smc, run as a trader runs them: help,
 * usage errors and exit codes, the parameter precedence (--db, --config,
 * defaults), --json lines that parse and name their parameter version, the
 * summary, and SMC counts; then the real capture and klines when present. */
#include "support/support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { OUT_MAX = 1 << 24, CMD_MAX = 4 * SC_TEST_PATH_MAX };

#define CAPTURE_REL "binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst"
#define KLINES_REL "binance_usdm_klines_1m_signalbot/BTCUSDT_PERP_1m_20250606_20250616.csv.zst"

/* Runs scalper with args; stdout and stderr together into out, unless args
 * redirect stderr themselves. */
static int run(const char *args, char *out, size_t cap) {
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd), "'%s' %s%s", SC_SCALPER_BIN, args,
             strstr(args, "2>") != NULL ? "" : " 2>&1");
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

typedef struct {
    int decisions;
    int regimes;
    int summaries;
    int lines;
    json_int_t summary_version;
    json_int_t summary_candles;
    char summary_hash[80];
} json_counts;

/* Every line of out must be one JSON object with a type; decisions and
 * regime changes name the parameter version `version`, and the last line
 * is the summary. */
static void check_json_lines(char *out, json_int_t version, json_counts *jc) {
    memset(jc, 0, sizeof(*jc));
    bool last_is_summary = false;
    for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        if (j == NULL) {
            fail_msg("not JSON (%s): %.300s", je.text, line);
        }
        const char *type = json_string_value(json_object_get(j, "type"));
        assert_non_null(type);
        jc->lines++;
        json_t *pv = json_object_get(j, "params_version");
        if (pv == NULL || json_integer_value(pv) != version) {
            fail_msg("params_version missing or not %lld: %.300s", (long long)version, line);
        }
        if (strcmp(type, "decision") == 0) {
            jc->decisions++;
            json_t *reasons = json_object_get(json_object_get(j, "signal"), "reasons");
            assert_true(json_array_size(reasons) >= 1);
            assert_non_null(json_object_get(json_object_get(j, "verdict"), "reason"));
            assert_non_null(json_object_get(j, "params_hash"));
        } else if (strcmp(type, "regime") == 0) {
            jc->regimes++;
            assert_true(strlen(json_string_value(json_object_get(j, "reason"))) > 0);
        } else if (strcmp(type, "summary") == 0) {
            jc->summaries++;
            jc->summary_version = json_integer_value(pv);
            jc->summary_candles = json_integer_value(json_object_get(j, "candles"));
            snprintf(jc->summary_hash, sizeof(jc->summary_hash), "%s",
                     json_string_value(json_object_get(j, "params_hash")));
            assert_non_null(json_object_get(j, "smc"));
            assert_non_null(json_object_get(j, "skips_by_reason"));
            assert_non_null(json_object_get(j, "fidelity"));
        }
        last_is_summary = strcmp(type, "summary") == 0;
        json_decref(j);
    }
    assert_int_equal(jc->summaries, 1);
    assert_true(last_is_summary);
    assert_int_equal(strlen(jc->summary_hash), 64);
}

static void test_help_and_usage(void **state) {
    (void)state;
    char *out = malloc(OUT_MAX);
    assert_int_equal(run("--help", out, OUT_MAX), 0);
    assert_non_null(strstr(out, "signals --input"));
    assert_int_equal(run("signals --help", out, OUT_MAX), 0);
    assert_non_null(strstr(out, "NOT A BACKTEST"));
    assert_non_null(strstr(out, "--db"));
    assert_non_null(strstr(out, "fidelity"));
    assert_non_null(strstr(out, "exit status"));
    assert_int_equal(run("signals", out, OUT_MAX), 2);
    assert_int_equal(run("signals --bogus x", out, OUT_MAX), 2);
    assert_non_null(strstr(out, "--bogus"));
    char demo[SC_TEST_PATH_MAX];
    demo_path(demo, sizeof(demo));
    char args[CMD_MAX];
    snprintf(args, sizeof(args), "signals --timeframe 2m '%s'", demo);
    assert_int_equal(run(args, out, OUT_MAX), 2);
    assert_int_equal(run("signals /nonexistent/capture.txt.zst", out, OUT_MAX), 3);
    assert_non_null(strstr(out, "/nonexistent/capture.txt.zst"));
    assert_int_equal(run("features --help", out, OUT_MAX), 0);
    assert_non_null(strstr(out, "--smc"));
    free(out);
}

static void test_demo_defaults(void **state) {
    (void)state;
    char demo[SC_TEST_PATH_MAX];
    demo_path(demo, sizeof(demo));
    char args[CMD_MAX];
    char *out = malloc(OUT_MAX);
    snprintf(args, sizeof(args), "signals --quiet --timeframe 1s --input '%s'", demo);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    assert_non_null(strstr(out, "summary: 11 candles of 1s"));
    assert_non_null(strstr(out, "compiled defaults, version 0"));
    assert_non_null(strstr(out, "smc patterns:"));
    assert_non_null(strstr(out, "fidelity l2_book"));
    snprintf(args, sizeof(args), "signals --json --timeframe 1s --input '%s' 2>/dev/null", demo);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    json_counts jc;
    check_json_lines(out, 0, &jc);
    assert_int_equal(jc.summary_candles, 11);
    /* --db that does not exist: compiled defaults, and it says so */
    snprintf(args, sizeof(args), "signals --timeframe 1s --db /nonexistent/x.db '%s'", demo);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    assert_non_null(strstr(out, "does not exist"));
    free(out);
}

/* A stored version with sensitive thresholds: the demo's 11 candles make
 * decisions, each naming version 1; --db beats --config. */
static void test_demo_db_and_config(void **state) {
    (void)state;
    char dir[SC_TEST_PATH_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    char db[SC_TEST_PATH_MAX + 16];
    char ini[SC_TEST_PATH_MAX + 16];
    snprintf(db, sizeof(db), "%s/p.db", dir);
    snprintf(ini, sizeof(ini), "%s/c.ini", dir);
    char args[CMD_MAX];
    char *out = malloc(OUT_MAX);
    snprintf(args, sizeof(args),
             "params --db '%s' set strategy.entry_score_min=0.05 ai.min_confidence=0 "
             "--reason test",
             db);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    FILE *f = fopen(ini, "w");
    assert_non_null(f);
    fprintf(f, "[strategy]\nentry_score_min = 0.06\n[ai]\nmin_confidence = 0\n");
    fclose(f);
    char demo[SC_TEST_PATH_MAX];
    demo_path(demo, sizeof(demo));
    snprintf(args, sizeof(args),
             "signals --json --timeframe 1s --db '%s' --config '%s' '%s' 2>/dev/null", db, ini,
             demo);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    json_counts jc;
    check_json_lines(out, 1, &jc);
    assert_true(jc.decisions > 0);
    snprintf(args, sizeof(args), "signals --timeframe 1s --config '%s' '%s'", ini, demo);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    assert_non_null(strstr(out, "--config"));
    assert_non_null(strstr(out, "enter_"));
    f = fopen(ini, "w");
    assert_non_null(f);
    fprintf(f, "[strategy]\nentry_score_min = 7\n");
    fclose(f);
    snprintf(args, sizeof(args), "signals --timeframe 1s --config '%s' '%s'", ini, demo);
    assert_int_equal(run(args, out, OUT_MAX), 3);
    assert_non_null(strstr(out, "entry_score_min"));
    free(out);
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_features_smc(void **state) {
    (void)state;
    char demo[SC_TEST_PATH_MAX];
    demo_path(demo, sizeof(demo));
    char args[CMD_MAX];
    char *out = malloc(OUT_MAX);
    snprintf(args, sizeof(args), "features --smc --timeframe 1s --input '%s' 2>&1 >/dev/null",
             demo);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    assert_non_null(strstr(out, "features: smc patterns over 11 candles"));
    static const char *const kinds[] = {"swing_high", "swing_low",  "bos", "choch",
                                        "fvg",        "fvg_filled", "ob",  "ob_mitigated"};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        char want[64];
        snprintf(want, sizeof(want), "features: smc: %-12s", kinds[i]);
        assert_non_null(strstr(out, want));
    }
    free(out);
}

static void test_real_capture(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(CAPTURE_REL, path);
    char args[CMD_MAX];
    char *out = malloc(OUT_MAX);
    snprintf(args, sizeof(args), "signals --json --timeframe 1s --input '%s' 2>/dev/null", path);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    json_counts jc;
    check_json_lines(out, 0, &jc);
    assert_true(jc.decisions > 0);
    assert_true(jc.regimes > 0);
    free(out);
}

static void test_real_klines(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(KLINES_REL, path);
    char args[CMD_MAX];
    char *out = malloc(OUT_MAX);
    snprintf(args, sizeof(args), "signals --input '%s'", path);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    assert_non_null(strstr(out, "fidelity bars"));
    assert_non_null(strstr(out, "  regime      ")); /* a change, with its reason */
    assert_non_null(strstr(out, "effective parameters"));
    snprintf(args, sizeof(args), "features --smc --input '%s' 2>&1 >/dev/null", path);
    assert_int_equal(run(args, out, OUT_MAX), 0);
    const char *bos = strstr(out, "features: smc: bos");
    assert_non_null(bos);
    assert_true(strtoll(bos + strlen("features: smc: bos"), NULL, 10) > 0);
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),     cmocka_unit_test(test_demo_defaults),
        cmocka_unit_test(test_demo_db_and_config), cmocka_unit_test(test_features_smc),
        cmocka_unit_test(test_real_capture),       cmocka_unit_test(test_real_klines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
