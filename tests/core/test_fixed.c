#include "support/support.h"

#include <string.h>

#include "core/fixed.h"
#include "core/instrument.h"

static int64_t dec(const char *s, int scale) {
    int64_t v = -1;
    assert_int_equal(sc_dec_parse(s, strlen(s), scale, true, &v), SC_OK);
    return v;
}

static sc_err dec_err(const char *s, int scale) {
    int64_t v = 12345;
    sc_err e = sc_dec_parse(s, strlen(s), scale, false, &v);
    if (e != SC_OK) {
        assert_int_equal(v, 12345); /* nothing written on failure */
    }
    return e;
}

static void test_dec_parse_values(void **state) {
    (void)state;
    assert_int_equal(dec("61800.20", 1), 618002);
    assert_int_equal(dec("61800.2", 1), 618002);
    assert_int_equal(dec("61800", 1), 618000);
    assert_int_equal(dec("0.000", 3), 0);
    assert_int_equal(dec("0.014", 3), 14);
    assert_int_equal(dec("28155.10000000", 8), 2815510000000);
    assert_int_equal(dec("-0.00002760", 8), -2760);
    assert_int_equal(dec("007", 0), 7);
    assert_int_equal(dec("9223372036854775807", 0), INT64_MAX);
    assert_int_equal(dec("-9223372036854775808", 0), INT64_MIN);
}

static void test_dec_parse_rejects(void **state) {
    (void)state;
    assert_int_equal(dec_err("61800.25", 1), SC_ERR_PRECISION);
    assert_int_equal(dec_err("0.0001", 3), SC_ERR_PRECISION);
    assert_int_equal(dec_err("", 1), SC_ERR_PARSE);
    assert_int_equal(dec_err(".5", 1), SC_ERR_PARSE);
    assert_int_equal(dec_err("5.", 1), SC_ERR_PARSE);
    assert_int_equal(dec_err("1e5", 1), SC_ERR_PARSE);
    assert_int_equal(dec_err("+5", 1), SC_ERR_PARSE);
    assert_int_equal(dec_err(" 5", 1), SC_ERR_PARSE);
    assert_int_equal(dec_err("5 ", 1), SC_ERR_PARSE);
    assert_int_equal(dec_err("1.2.3", 1), SC_ERR_PARSE);
    assert_int_equal(dec_err("-", 1), SC_ERR_RANGE);
    assert_int_equal(dec_err("-5", 1), SC_ERR_RANGE);
    assert_int_equal(dec_err("9223372036854775808", 0), SC_ERR_OVERFLOW);
    assert_int_equal(dec_err("922337203685477580.8", 1), SC_ERR_OVERFLOW);
    assert_int_equal(dec_err("92233720368547758.08", 2), SC_ERR_OVERFLOW);
    int64_t v;
    assert_int_equal(sc_dec_parse("-", 1, 1, true, &v), SC_ERR_PARSE);
    assert_int_equal(sc_dec_parse("-.5", 3, 1, true, &v), SC_ERR_PARSE);
    /* Embedded NUL is a stray byte, not an early end. */
    assert_int_equal(sc_dec_parse("5\0"
                                  "1",
                                  3, 1, false, &v),
                     SC_ERR_PARSE);
}

static void test_dec_format_roundtrip(void **state) {
    (void)state;
    char buf[64];
    assert_int_equal(sc_dec_format(618002, 1, 2, buf, sizeof(buf)), 8);
    assert_string_equal(buf, "61800.20");
    sc_dec_format(-2760, 8, 8, buf, sizeof(buf));
    assert_string_equal(buf, "-0.00002760");
    sc_dec_format(0, 3, 3, buf, sizeof(buf));
    assert_string_equal(buf, "0.000");
    sc_dec_format(7, 0, 0, buf, sizeof(buf));
    assert_string_equal(buf, "7");
    sc_dec_format(INT64_MIN, 0, 0, buf, sizeof(buf));
    assert_string_equal(buf, "-9223372036854775808");
    assert_int_equal(sc_dec_format(618002, 1, 2, buf, 4), -1);
    assert_int_equal(sc_dec_format(618002, 2, 1, buf, sizeof(buf)), -1);
}

static void test_instrument_grid(void **state) {
    (void)state;
    const sc_instrument *um = sc_instrument_find("usdm:BTCUSDT");
    const sc_instrument *sp = sc_instrument_find("spot:BTCUSDT");
    const sc_instrument *cm = sc_instrument_find("coinm:BTCUSD_PERP");
    assert_non_null(um);
    assert_non_null(sp);
    assert_non_null(cm);
    assert_null(sc_instrument_find("usdm:ETHUSDT"));
    sc_px px;
    sc_qty q;
    assert_int_equal(sc_px_parse(um, "61800.20", 8, &px), SC_OK);
    assert_int_equal(px.ticks, 618002);
    assert_int_equal(sc_px_parse(um, "87012.15", 8, &px), SC_ERR_PRECISION);
    assert_int_equal(sc_qty_parse(um, "2.507", 5, &q), SC_OK);
    assert_int_equal(q.steps, 2507);
    assert_int_equal(sc_qty_parse(um, "0.0005", 6, &q), SC_ERR_PRECISION);
    assert_int_equal(sc_px_parse(sp, "61837.63000000", 14, &px), SC_OK);
    assert_int_equal(px.ticks, 6183763);
    assert_int_equal(sc_qty_parse(sp, "0.00105000", 10, &q), SC_OK);
    assert_int_equal(q.steps, 105000);
    assert_int_equal(sc_qty_parse(cm, "1001", 4, &q), SC_OK);
    assert_int_equal(q.steps, 1001);
    assert_int_equal(sc_qty_parse(cm, "1.5", 3, &q), SC_ERR_PRECISION);
    char buf[32];
    sc_px_format(um, (sc_px){618002}, buf, sizeof(buf));
    assert_string_equal(buf, "61800.20");
    sc_qty_format(um, (sc_qty){14}, buf, sizeof(buf));
    assert_string_equal(buf, "0.014");
    sc_px_format(cm, (sc_px){617736}, buf, sizeof(buf));
    assert_string_equal(buf, "61773.6");
}

static void test_checked_math(void **state) {
    (void)state;
    int64_t r = 0;
    assert_true(sc_add_i64(INT64_MAX - 1, 1, &r));
    assert_int_equal(r, INT64_MAX);
    assert_false(sc_add_i64(INT64_MAX, 1, &r));
    assert_false(sc_add_i64(INT64_MIN, -1, &r));
    assert_true(sc_mul_i64(3037000499, 3037000499, &r));
    assert_false(sc_mul_i64(3037000500, 3037000500, &r));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dec_parse_values),     cmocka_unit_test(test_dec_parse_rejects),
        cmocka_unit_test(test_dec_format_roundtrip), cmocka_unit_test(test_instrument_grid),
        cmocka_unit_test(test_checked_math),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
