/* Differential test of the answer reader (ai/decision.c) against the
 * jansson-based parser it replaced (tests/ai/decision_ref.h): every file of
 * fuzz/corpus/decision_answer, a table of edge cases, and seeded mutations
 * of all of them (byte flips, truncations, deletions, insertions of quotes,
 * braces, digits and UTF-8 bytes), each under three parameter sets. Any
 * difference in reason, advised action, field, expected, got, clamps or the
 * answer fails with the input printed. (test_decision.c runs the same check
 * on every answer it parses.) */
#include "ai/decision_ref.h"

#include <dirent.h>

enum {
    CORPUS_FILES_MAX = 256,
    MUTATIONS_PER_SEED = 300, /* per seed and parameter set */
    FILE_BYTES_MAX = 8192
};

static void params3(sc_params p[3]) {
    sc_params_defaults(&p[0]);
    p[1] = p[0];
    p[1].v[SC_P_AI_SIZE_FRACTION_MAX] = 0.3;
    p[1].v[SC_P_AI_TTL_MS_MAX] = 100;
    p[1].v[SC_P_AI_REASON_LEN_MAX] = 16;
    p[1].v[SC_P_AI_MIN_CONFIDENCE] = 0.9;
    p[2] = p[0];
    p[2].v[SC_P_AI_SIZE_FRACTION_MAX] = 0.0;
    p[2].v[SC_P_AI_TTL_MS_MAX] = 60000;
    p[2].v[SC_P_AI_REASON_LEN_MAX] = 1000;
    p[2].v[SC_P_AI_MIN_CONFIDENCE] = 0.0;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sc_params_validate(&p[i], NULL), SC_OK);
    }
}

static uint64_t g_checked; /* inputs compared, for the summary line */

static void check_seed(uint64_t seed_value, const char *s, size_t len) {
    sc_params p[3];
    params3(p);
    for (int i = 0; i < 3; i++) {
        (void)ref_check(s, len, &p[i]);
        ref_check_mutations(seed_value * 3 + (uint64_t)i, s, len, MUTATIONS_PER_SEED, &p[i]);
        g_checked += 1 + MUTATIONS_PER_SEED;
    }
}

static void test_corpus(void **state) {
    (void)state;
    const char *dir_path = SC_SOURCE_DIR "/fuzz/corpus/decision_answer";
    DIR *dir = opendir(dir_path);
    assert_non_null(dir);
    static char names[CORPUS_FILES_MAX][256];
    size_t n_names = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && n_names < CORPUS_FILES_MAX) {
        if (e->d_name[0] != '.') {
            snprintf(names[n_names++], sizeof(names[0]), "%s", e->d_name);
        }
    }
    closedir(dir);
    assert_true(n_names >= 17);
    qsort(names, n_names, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
    for (size_t i = 0; i < n_names; i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir_path, names[i]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        static char buf[FILE_BYTES_MAX];
        size_t len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        check_seed(1000 + i, buf, len);
    }
}

/* Edge cases of jansson's reader that the old verdicts depended on. */
static const char *const k_edges[] = {
    "",
    " ",
    "{}",
    "[]",
    "{\"a\":1,\"a\":2}",
    "{\"a\":1,\"\\u0061\":2}",
    "{\"\\u00e9\":1,\"\xc3\xa9\":2}",
    "{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}",
    "{\"a\\u0000\":1}",
    "{\"action\":\"a\\u0000\"}",
    "{\"action\":\"\\ud800\\u0041\"}",
    "{\"action\":\"\\udc00\"}",
    "{\"action\":\"\\ud800\"}",
    "{\"action\":\"\\ud800\\\"\"}",
    "{\"ttl_ms\":9223372036854775807}",
    "{\"ttl_ms\":9223372036854775808}",
    "{\"ttl_ms\":-9223372036854775808}",
    "{\"ttl_ms\":-9223372036854775809}",
    "{\"sl_bps\":1e400}",
    "{\"sl_bps\":-1e400}",
    "{\"sl_bps\":1e-400}",
    "{\"sl_bps\":-0}",
    "{\"sl_bps\":-0.0}",
    "{\"sl_bps\":1.}",
    "{\"sl_bps\":.5}",
    "{\"sl_bps\":1e}",
    "{\"sl_bps\":1e+}",
    "{\"sl_bps\":-}",
    "{\"sl_bps\":-a}",
    "{\"sl_bps\":01}",
    "1",
    "-1",
    "1.5",
    "1e999",
    "\"\\u0000\"",
    "nul",
    "truex",
    "[1,]",
    "[1 2]",
    "{\"a\" 1}",
    "{\"a\":}",
    "{,}",
    "{\"a\":1,}",
    "\xc3",
    "\xc3\xa9",
    "{\"a\":1}\xff",
    "{\"a\":1\xff}",
    "{\"a\":\"\\x\"}",
    "{\"a\":\"\\u12\"}",
    "{\"a\":\"\\u12g4\"}",
    "{\"a\":\"tab\there\"}",
    "{\"action\":\"hold\",\"confidence\":1,\"size_fraction\":0,\"sl_bps\":0,\"tp_bps\":0,"
    "\"ttl_ms\":1,\"reason\":\"\\u00e9\\u0080\\ud83d\\ude00/\\/\"}",
    "{\"action\":\"enter_long\",\"confidence\":1,\"size_fraction\":1,\"sl_bps\":1e-5,"
    "\"tp_bps\":1e4,\"ttl_ms\":3600000,\"reason\":\"x\"}",
    "{\"action\":\"enter_long\",\"confidence\":1,\"size_fraction\":1,\"sl_bps\":1,"
    "\"tp_bps\":1,\"ttl_ms\":1,\"reason\":\"x\",\"a\":[{\"b\":[1,{\"c\":null}]}]}",
    "{\"action\":\"enter_longxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
    "{\"keykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeyke\":1}",
    "{\"keykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeykeyk\":1}",
};

static void test_edges(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(k_edges) / sizeof(k_edges[0]); i++) {
        check_seed(5000 + i, k_edges[i], strlen(k_edges[i]));
    }
    /* NUL bytes inside the given length: jansson loses a NUL that ends a
     * number (it ungets it), and stops at any other. */
    static const char with_nul[][24] = {"1\0",  "{\"a\":1\0}", "{\"a\":\0}",
                                        "\0{}", "[1\0,2]",     "{\"a\":tru\0e}"};
    static const size_t with_nul_len[] = {2, 8, 6, 3, 6, 11};
    for (size_t i = 0; i < sizeof(with_nul_len) / sizeof(with_nul_len[0]); i++) {
        check_seed(7000 + i, with_nul[i], with_nul_len[i]);
    }
}

static void test_summary(void **state) {
    (void)state;
    print_message("compared %" PRIu64 " inputs with the jansson reference: no difference\n",
                  g_checked);
    assert_true(g_checked > 3000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
