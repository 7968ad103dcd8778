#include "core/assert.h"

#include <stdio.h>
#include <stdlib.h>

_Noreturn void sc_assert_fail(const char *file, int line, const char *expr) {
    /* stderr directly: the log sink may be the thing that is broken. */
    fprintf(stderr, "scalper: assertion failed at %s:%d: %s\n", file, line, expr);
    fflush(stderr);
    abort();
}
