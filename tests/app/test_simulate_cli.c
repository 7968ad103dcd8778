/* `scalper simulate` end to end: the file it writes is accepted by
 * `scalper replay-check` (exit 0); the same seed writes the same bytes; the
 * gap stress makes replay-check report the gap (exit 1); bad usage is 2. */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum { OUT_MAX = 1 << 16 };

static int sh(const char *args, char *out) {
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", SC_SCALPER_BIN, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, OUT_MAX - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void test_simulate_then_replay_check(void **state) {
    (void)state;
    char dir[SC_TEST_PATH_MAX], a[SC_TEST_PATH_MAX + 16], b[SC_TEST_PATH_MAX + 16];
    char g[SC_TEST_PATH_MAX + 16], args[3 * SC_TEST_PATH_MAX];
    static char out[OUT_MAX];
    sc_test_tmpdir(dir, sizeof(dir));
    snprintf(a, sizeof(a), "%s/a.txt", dir);
    snprintf(b, sizeof(b), "%s/b.txt", dir);
    snprintf(g, sizeof(g), "%s/g.txt", dir);

    snprintf(args, sizeof(args), "simulate --seed 5 --seconds 60 --out '%s'", a);
    assert_int_equal(sh(args, out), 0);
    assert_non_null(strstr(out, "wrote"));
    snprintf(args, sizeof(args), "replay-check --quiet '%s'", a);
    if (sh(args, out) != 0 || strstr(out, "mismatches 0") == NULL) {
        fail_msg("replay-check of a simulated session:\n%s", out);
    }

    /* Same seed: the same bytes. */
    snprintf(args, sizeof(args), "simulate --seed 5 --seconds 60 --out '%s'", b);
    assert_int_equal(sh(args, out), 0);
    size_t la = 0, lb = 0;
    char *ta = sc_test_read_all(a, &la), *tb = sc_test_read_all(b, &lb);
    assert_true(la == lb && memcmp(ta, tb, la) == 0);
    free(ta);
    free(tb);
    remove(b);

    /* Compressed output replays the same. */
    snprintf(b, sizeof(b), "%s/b.txt.zst", dir);
    snprintf(args, sizeof(args), "simulate --seed 6 --seconds 30 --out '%s'", b);
    assert_int_equal(sh(args, out), 0);
    snprintf(args, sizeof(args), "replay-check --quiet '%s'", b);
    if (sh(args, out) != 0) {
        fail_msg("replay-check of a compressed simulated session:\n%s", out);
    }

    snprintf(args, sizeof(args), "simulate --seed 5 --seconds 60 --stress gap,crash --out '%s'", g);
    assert_int_equal(sh(args, out), 0);
    snprintf(args, sizeof(args), "replay-check --quiet '%s'", g);
    assert_int_equal(sh(args, out), 1);
    assert_non_null(strstr(out, "sequence gaps 1"));

    assert_int_equal(sh("simulate --seconds 60", out), 2);
    assert_int_equal(sh("simulate --stress meteor --out /dev/null", out), 2);
    assert_int_equal(sh("simulate --help", out), 0);
    remove(a);
    remove(b);
    remove(g);
    remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simulate_then_replay_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
