/* support.h: shared helpers for cmocka tests.
 *
 * Tests that read ../shared/data call SC_REQUIRE_SHARED first: when the data
 * is absent the test is skipped with a message saying so, never passed. */
#ifndef SC_TESTS_SUPPORT_H
#define SC_TESTS_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

enum { SC_TEST_PATH_MAX = 1024 };

/* Full path of a file under the shared data folder in buf; true when it
 * exists and is readable. */
bool sc_test_shared_path(const char *rel, char *buf, size_t cap);

/* Full path of a file under the source tree (tests/data/...). */
void sc_test_source_path(const char *rel, char *buf, size_t cap);

/* Creates a fresh empty temporary directory; path into buf. */
void sc_test_tmpdir(char *buf, size_t cap);

/* Reads a whole file (decompressing .zst) into a malloc'd NUL-terminated
 * buffer; asserts on failure. */
char *sc_test_read_all(const char *path, size_t *len_out);

#define SC_REQUIRE_SHARED(rel, buf)                                                                \
    do {                                                                                           \
        if (!sc_test_shared_path((rel), (buf), sizeof(buf))) {                                     \
            print_message("SKIP: shared data %s is absent (expected under %s)\n", (rel),           \
                          SC_SHARED_DATA_DIR);                                                     \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

#endif
