#include "support/support.h"

#include <string.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/ring.h"
#include "core/rng.h"
#include "core/time.h"

static void test_err_table(void **state) {
    (void)state;
    assert_string_equal(sc_err_name(SC_OK), "SC_OK");
    assert_string_equal(sc_err_name(SC_ERR_PRECISION), "SC_ERR_PRECISION");
    assert_string_equal(sc_err_str(SC_ERR_NOT_SYNCED), "order book is not in sync");
    assert_string_equal(sc_err_name((sc_err)999), "SC_ERR_?");
    /* Codes are append-only: these values are part of the on-disk meaning. */
    assert_int_equal(SC_ERR_PARSE, 3);
    assert_int_equal(SC_ERR_NOT_SYNCED, 12);
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    ei.source = "config.ini";
    ei.line = 12;
    sc_errinfo_set(&ei, "risk.max_spread_bps", "0..10", "25\x01", 3);
    char buf[256];
    assert_string_equal(sc_errinfo_format(&ei, buf, sizeof(buf)),
                        "config.ini:12: risk.max_spread_bps: expected 0..10, got '25?'");
    char longtext[400];
    memset(longtext, 'x', sizeof(longtext));
    sc_errinfo_set(&ei, "f", "e", longtext, sizeof(longtext));
    assert_true(strlen(ei.got) < SC_ERRINFO_TEXT_MAX);
    assert_non_null(strstr(ei.got, "..."));
}

static void test_ring_bounds(void **state) {
    (void)state;
    sc_ring *r = NULL;
    sc_ring_config bad = {0, 4};
    assert_int_equal(sc_ring_create(&bad, &r), SC_ERR_INVALID_ARG);
    sc_ring_config cfg = {sizeof(int), 3};
    assert_int_equal(sc_ring_create(&cfg, &r), SC_OK);
    int v;
    assert_int_equal(sc_ring_pop(r, &v), SC_ERR_EMPTY);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(sc_ring_push(r, &i), SC_OK);
    }
    int four = 4;
    assert_int_equal(sc_ring_push(r, &four), SC_ERR_FULL); /* fails closed, changes nothing */
    assert_int_equal(sc_ring_len(r), 3);
    assert_int_equal(*(int *)sc_ring_at(r, 0), 1);
    assert_int_equal(sc_ring_pop(r, &v), SC_OK);
    assert_int_equal(v, 1);
    assert_int_equal(sc_ring_push(r, &four), SC_OK); /* wraps */
    assert_int_equal(*(int *)sc_ring_at(r, 2), 4);
    assert_null(sc_ring_at(r, 3));
    sc_ring_clear(r);
    assert_int_equal(sc_ring_len(r), 0);
    sc_ring_destroy(r);
    sc_ring_destroy(NULL);
}

static void test_rng_deterministic(void **state) {
    (void)state;
    sc_rng a;
    sc_rng b;
    sc_rng_seed(&a, 42);
    sc_rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(sc_rng_next(&a), sc_rng_next(&b));
    }
    sc_rng_seed(&b, 43);
    assert_true(sc_rng_next(&a) != sc_rng_next(&b));
    /* below() is uniform enough: 60000 draws into 6 buckets within 5 %. */
    long counts[6] = {0};
    for (int i = 0; i < 60000; i++) {
        uint64_t v = sc_rng_below(&a, 6);
        assert_true(v < 6);
        counts[v]++;
    }
    for (int i = 0; i < 6; i++) {
        assert_true(counts[i] > 9500 && counts[i] < 10500);
    }
    double u = sc_rng_unit(&a);
    assert_true(u >= 0.0 && u < 1.0);
}

static void test_time(void **state) {
    (void)state;
    sc_ns t;
    assert_true(sc_ms_to_ns(1723161256299, &t));
    assert_int_equal(t, 1723161256299000000LL);
    assert_false(sc_ms_to_ns(INT64_MAX / 1000, &t));
    char buf[64];
    assert_string_equal(sc_ns_format_utc(1723161256299000001LL, buf, sizeof(buf)),
                        "2024-08-08T23:54:16.299000001Z");
    assert_int_equal(sc_ns_utc_day_start(1723161256299000001LL), 1723075200LL * SC_NS_PER_S);
    assert_int_equal(sc_ns_utc_day_start(-1), -SC_NS_PER_DAY);
}

static void test_sha256(void **state) {
    (void)state;
    char hex[SC_SHA256_HEX_LEN + 1];
    /* FIPS 180-2 test vector for "abc". */
    assert_int_equal(sc_sha256_hex("abc", 3, hex), SC_OK);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(sc_sha256_hex("", 0, hex), SC_OK);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_table),
        cmocka_unit_test(test_ring_bounds),
        cmocka_unit_test(test_rng_deterministic),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_sha256),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
