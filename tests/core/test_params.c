#include "support/support.h"

#include <math.h>
#include <string.h>

#include "core/params.h"

static void test_table_is_consistent(void **state) {
    (void)state;
    sc_params p;
    sc_params_defaults(&p);
    assert_int_equal(p.version, 0);
    assert_int_equal(sc_params_validate(&p, NULL), SC_OK);
    for (int i = 0; i < SC_PARAM_COUNT; i++) {
        const sc_param_def *d = sc_param_def_of((sc_param_id)i);
        assert_ptr_equal(sc_param_find(d->key), d); /* keys are unique */
        assert_true(d->min <= d->def && d->def <= d->max);
        assert_true(d->help[0] != '\0' && d->unit[0] != '\0');
    }
    assert_null(sc_param_find("strategy.no_such_key"));
    /* Bounds stay inside the hard limits: no parameter can loosen them. */
    assert_true(sc_param_def_of(SC_P_STRAT_MAX_HOLD_S)->max <= 300);
    assert_true(sc_param_def_of(SC_P_STRAT_ORDER_QTY_STEPS)->max <= 500);
}

static void test_check_and_parse(void **state) {
    (void)state;
    const sc_param_def *sl = sc_param_find("strategy.sl_bps");
    const sc_param_def *hold = sc_param_find("strategy.max_hold_s");
    const sc_param_def *htf = sc_param_find("strategy.htf_filter");
    double v = -1;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_param_parse(sl, "15.5", &v, &ei), SC_OK);
    assert_true(v == 15.5);
    assert_int_equal(sc_param_parse(sl, "500", &v, &ei), SC_ERR_RANGE);
    assert_string_equal(ei.field, "strategy.sl_bps");
    assert_non_null(strstr(ei.expected, "1..200"));
    assert_string_equal(ei.got, "500");
    assert_true(v == 15.5); /* unchanged on failure */
    assert_int_equal(sc_param_parse(sl, "nan", &v, &ei), SC_ERR_PARSE);
    assert_int_equal(sc_param_parse(sl, "inf", &v, &ei), SC_ERR_PARSE);
    assert_int_equal(sc_param_parse(sl, "0x10", &v, &ei), SC_ERR_PARSE);
    assert_int_equal(sc_param_parse(sl, "12abc", &v, &ei), SC_ERR_PARSE);
    assert_int_equal(sc_param_parse(sl, "", &v, &ei), SC_ERR_PARSE);
    assert_int_equal(sc_param_parse(hold, "301", &v, &ei), SC_ERR_RANGE);
    assert_int_equal(sc_param_parse(hold, "60.5", &v, &ei), SC_ERR_RANGE);
    assert_int_equal(sc_param_parse(hold, "60", &v, &ei), SC_OK);
    assert_int_equal(sc_param_parse(htf, "off", &v, &ei), SC_OK);
    assert_true(v == 0.0);
    assert_int_equal(sc_param_parse(htf, "maybe", &v, &ei), SC_ERR_PARSE);
    assert_int_equal(sc_param_check(sl, NAN, &ei), SC_ERR_RANGE);
    assert_int_equal(sc_param_check(sl, INFINITY, &ei), SC_ERR_RANGE);
}

static void test_clamp_and_format(void **state) {
    (void)state;
    const sc_param_def *sl = sc_param_find("strategy.sl_bps");
    const sc_param_def *qty = sc_param_find("strategy.order_qty_steps");
    assert_true(sc_param_clamp(sl, 1e9) == 200.0);
    assert_true(sc_param_clamp(sl, -5) == 1.0);
    assert_true(sc_param_clamp(sl, NAN) == sl->def);
    assert_true(sc_param_clamp(qty, 499.6) == 500.0);
    assert_true(sc_param_clamp(qty, 1e300) == 500.0);
    char buf[64];
    sc_param_format(sl, 12.0, buf, sizeof(buf));
    assert_string_equal(buf, "12");
    sc_param_format(sl, 0.1 + 0.2, buf, sizeof(buf));
    double back = 0;
    assert_int_equal(sc_param_parse(sl, "1.5", &back, NULL), SC_OK);
    sc_param_format(sc_param_find("strategy.htf_filter"), 1.0, buf, sizeof(buf));
    assert_string_equal(buf, "true");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_consistent),
        cmocka_unit_test(test_check_and_parse),
        cmocka_unit_test(test_clamp_and_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
