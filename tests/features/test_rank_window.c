#include "support/support.h"

#include <math.h>
#include <stdlib.h>

#include "core/rng.h"
#include "features/rank_window.h"

static sc_rank_window *rw_new(uint32_t cap) {
    sc_rank_window_config cfg = {.capacity = cap};
    sc_rank_window *w = NULL;
    assert_int_equal(sc_rank_window_create(&cfg, &w), SC_OK);
    return w;
}

/* Window of 3: push 5, 1, 5, then 3 (evicts the first 5).
 *   after 5,1,5: below(5) = 1, at_most(5) = 3, below(1) = 0, at_most(0) = 0
 *   after 1,5,3: below(5) = 2, at_most(5) = 3, below(3) = 1, at_most(3) = 2 */
static void test_rank_window_by_hand(void **state) {
    (void)state;
    sc_rank_window *w = rw_new(3);
    assert_int_equal(sc_rank_window_len(w), 0);
    assert_int_equal(sc_rank_window_count_below(w, 1.0), 0);
    sc_rank_window_push(w, 5);
    sc_rank_window_push(w, 1);
    sc_rank_window_push(w, 5);
    assert_int_equal(sc_rank_window_len(w), 3);
    assert_int_equal(sc_rank_window_count_below(w, 5), 1);
    assert_int_equal(sc_rank_window_count_at_most(w, 5), 3);
    assert_int_equal(sc_rank_window_count_below(w, 1), 0);
    assert_int_equal(sc_rank_window_count_at_most(w, 0), 0);
    sc_rank_window_push(w, 3);
    assert_int_equal(sc_rank_window_len(w), 3);
    assert_int_equal(sc_rank_window_count_below(w, 5), 2);
    assert_int_equal(sc_rank_window_count_at_most(w, 5), 3);
    assert_int_equal(sc_rank_window_count_below(w, 3), 1);
    assert_int_equal(sc_rank_window_count_at_most(w, 3), 2);
    assert_int_equal(sc_rank_window_count_at_most(w, INFINITY), 3);
    sc_rank_window_destroy(w);
    sc_rank_window_config bad = {.capacity = 0};
    assert_int_equal(sc_rank_window_create(&bad, &w), SC_ERR_INVALID_ARG);
    bad.capacity = SC_RANK_WINDOW_CAPACITY_MAX + 1;
    assert_int_equal(sc_rank_window_create(&bad, &w), SC_ERR_INVALID_ARG);
    sc_rank_window_destroy(NULL);
}

/* Seeded random pushes with many duplicates, every count checked against
 * a scan of a plain copy of the window. */
static void test_rank_window_random(void **state) {
    (void)state;
    const uint32_t caps[] = {1, 2, 7, 100, 1000};
    sc_rng rng;
    sc_rng_seed(&rng, 20250606);
    for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
        uint32_t cap = caps[c];
        sc_rank_window *w = rw_new(cap);
        double *copy = calloc(cap, sizeof(double));
        assert_non_null(copy);
        size_t len = 0;
        for (uint32_t step = 0; step < 5000; step++) {
            double x = (double)sc_rng_below(&rng, 50) / 4.0;
            sc_rank_window_push(w, x);
            copy[step % cap] = x; /* ring order does not matter for counts */
            len = len < cap ? len + 1 : cap;
            assert_int_equal(sc_rank_window_len(w), len);
            double q = (double)sc_rng_below(&rng, 54) / 4.0 - 0.5;
            uint32_t below = 0;
            uint32_t at_most = 0;
            for (size_t j = 0; j < len; j++) {
                below += copy[j] < q;
                at_most += copy[j] <= q;
            }
            assert_int_equal(sc_rank_window_count_below(w, q), below);
            assert_int_equal(sc_rank_window_count_at_most(w, q), at_most);
        }
        free(copy);
        sc_rank_window_destroy(w);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rank_window_by_hand),
        cmocka_unit_test(test_rank_window_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
