/* app/signals.c: the installed handlers count SIGINT and SIGTERM, poll
 * takes and clears the counts, restore puts back the old handlers. The
 * module lives in the scalper executable, so it is compiled in here. */
#include "support/support.h"

#include <signal.h>
#include <string.h>

#include "app/signals.c"

static void test_raise_counts(void **state) {
    (void)state;
    assert_int_equal(sc_signals_install(), SC_OK);
    sc_signals_seen s = sc_signals_poll();
    assert_int_equal(s.sigint_n, 0);
    assert_int_equal(s.sigterm_n, 0);
    assert_int_equal(raise(SIGINT), 0);
    assert_int_equal(raise(SIGINT), 0);
    assert_int_equal(raise(SIGTERM), 0);
    s = sc_signals_poll();
    assert_int_equal(s.sigint_n, 2);
    assert_int_equal(s.sigterm_n, 1);
    s = sc_signals_poll(); /* cleared */
    assert_int_equal(s.sigint_n, 0);
    assert_int_equal(s.sigterm_n, 0);
    sc_signals_restore();
    struct sigaction now;
    assert_int_equal(sigaction(SIGINT, NULL, &now), 0);
    assert_true(now.sa_handler != on_signal);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_raise_counts)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
