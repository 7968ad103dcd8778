#include "features_fixture.h"

#include "core/rng.h"
#include "features/ofi.h"

#define S(x) ((sc_ns)(x)*SC_NS_PER_S)

static sc_level lv(int64_t px, int64_t qty) {
    return (sc_level){.px = {px}, .qty = {qty}};
}

static sc_ofi *ofi_new(sc_ns w, uint32_t cap) {
    sc_ofi_config cfg = {.window_ns = w, .capacity = cap};
    sc_ofi *o = NULL;
    assert_int_equal(sc_ofi_create(&cfg, &o), SC_OK);
    return o;
}

/* Quotes (bid px x qty / ask px x qty), window 10 s:
 *   t0: 100x5 / 101x7                       (first: no e)
 *   t1: 100x8 / 101x7: bid same px: +8 -5; ask same: -7 +7      e = +3
 *   t2: 101x2 / 102x4: bid up: +2; ask up: +7 (the old ask left) e = +9
 *   t3: 100x6 / 101x1: bid down: -2 (old bid); ask down: -1     e = -3
 *   OFI at t3 = 3 + 9 - 3 = 9, ready once 10 s have passed since t0.
 *   at 11: e at 1 has left: 9 - 3 = 6; at 13 all have left: 0. */
static void test_ofi_by_hand(void **state) {
    (void)state;
    assert_int_equal(sc_ofi_event(lv(100, 5), lv(101, 7), lv(100, 8), lv(101, 7)), 3);
    assert_int_equal(sc_ofi_event(lv(100, 8), lv(101, 7), lv(101, 2), lv(102, 4)), 9);
    assert_int_equal(sc_ofi_event(lv(101, 2), lv(102, 4), lv(100, 6), lv(101, 1)), -3);
    sc_ofi *o = ofi_new(S(10), 16);
    int64_t x = -99;
    assert_int_equal(sc_ofi_update(o, S(0), lv(100, 5), lv(101, 7)), SC_OK);
    assert_int_equal(sc_ofi_update(o, S(1), lv(100, 8), lv(101, 7)), SC_OK);
    assert_int_equal(sc_ofi_update(o, S(2), lv(101, 2), lv(102, 4)), SC_OK);
    assert_int_equal(sc_ofi_update(o, S(3), lv(100, 6), lv(101, 1)), SC_OK);
    assert_false(sc_ofi_get(o, &x)); /* 3 s of 10 observed */
    assert_int_equal(x, -99);
    assert_int_equal(sc_ofi_advance(o, S(10)), SC_OK);
    assert_true(sc_ofi_get(o, &x));
    assert_int_equal(x, 9);
    assert_int_equal(sc_ofi_advance(o, S(11)), SC_OK);
    assert_true(sc_ofi_get(o, &x));
    assert_int_equal(x, 6);
    /* A gap: everything leaves the window; OFI is 0, a real value. */
    assert_int_equal(sc_ofi_advance(o, S(500)), SC_OK);
    assert_true(sc_ofi_get(o, &x));
    assert_int_equal(x, 0);
    /* Refused inputs. */
    assert_int_equal(sc_ofi_advance(o, S(499)), SC_ERR_STATE);
    assert_int_equal(sc_ofi_update(o, S(499), lv(100, 1), lv(101, 1)), SC_ERR_STATE);
    assert_int_equal(sc_ofi_update(o, S(501), lv(101, 1), lv(101, 1)), SC_ERR_RANGE);
    assert_int_equal(sc_ofi_update(o, S(501), lv(0, 1), lv(101, 1)), SC_ERR_RANGE);
    assert_int_equal(sc_ofi_update(o, S(501), lv(100, -1), lv(101, 1)), SC_ERR_RANGE);
    sc_ofi_destroy(o);
    sc_ofi_destroy(NULL);
    sc_ofi_config bad = {.window_ns = 0, .capacity = 4};
    assert_int_equal(sc_ofi_create(&bad, &o), SC_ERR_INVALID_ARG);
}

/* Capacity 2: the third non-zero e is lost; not ready until it has left. */
static void test_ofi_limit(void **state) {
    (void)state;
    sc_ofi *o = ofi_new(S(10), 2);
    int64_t x;
    assert_int_equal(sc_ofi_update(o, S(0), lv(100, 1), lv(101, 1)), SC_OK);
    assert_int_equal(sc_ofi_update(o, S(1), lv(100, 2), lv(101, 1)), SC_OK); /* +1 */
    assert_int_equal(sc_ofi_update(o, S(2), lv(100, 3), lv(101, 1)), SC_OK); /* +1 */
    assert_int_equal(sc_ofi_update(o, S(3), lv(100, 4), lv(101, 1)), SC_ERR_FULL);
    assert_int_equal(sc_ofi_update(o, S(4), lv(100, 4), lv(101, 1)), SC_OK); /* e 0 */
    assert_int_equal(sc_ofi_advance(o, S(12)), SC_OK);
    assert_false(sc_ofi_get(o, &x)); /* the loss at 3 is inside (2, 12] */
    assert_int_equal(sc_ofi_advance(o, S(13)), SC_OK);
    assert_true(sc_ofi_get(o, &x));
    assert_int_equal(x, 0);
    sc_ofi_destroy(o);
}

/* Seeded random walk of the touch, against the brute-force sum of e over
 * the window recomputed from the full history at every step. */
static void test_ofi_random_walk(void **state) {
    (void)state;
    enum { STEPS = 4000 };
    sc_rng rng;
    sc_rng_seed(&rng, 77);
    sc_ofi *o = ofi_new(S(5), 1024);
    sc_level bids[STEPS];
    sc_level asks[STEPS];
    sc_ns ts[STEPS];
    int64_t bid = 100000;
    sc_ns t = S(1);
    for (size_t i = 0; i < STEPS; i++) {
        bid += (int64_t)sc_rng_below(&rng, 3) - 1;
        int64_t spread = 1 + (int64_t)sc_rng_below(&rng, 2);
        bids[i] = lv(bid, (int64_t)sc_rng_below(&rng, 20));
        asks[i] = lv(bid + spread, (int64_t)sc_rng_below(&rng, 20));
        t += (sc_ns)sc_rng_below(&rng, 200) * SC_NS_PER_MS; /* same instant possible */
        ts[i] = t;
        assert_int_equal(sc_ofi_update(o, t, bids[i], asks[i]), SC_OK);
        int64_t want = 0;
        for (size_t j = 1; j <= i; j++) {
            if (ts[j] > t - S(5)) {
                want += sc_ofi_event(bids[j - 1], asks[j - 1], bids[j], asks[j]);
            }
        }
        int64_t got = 0;
        bool ready = sc_ofi_get(o, &got);
        assert_int_equal(ready, t - ts[0] >= S(5));
        if (ready) {
            assert_int_equal(got, want);
        }
    }
    sc_ofi_destroy(o);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ofi_by_hand),
        cmocka_unit_test(test_ofi_limit),
        cmocka_unit_test(test_ofi_random_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
