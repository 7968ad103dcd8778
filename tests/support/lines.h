/* lines.h: a capture held in memory as lines, for replay tests that edit
 * the stream (drop, duplicate, swap, corrupt, insert). */
#ifndef SC_TESTS_LINES_H
#define SC_TESTS_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "core/time.h"

typedef struct {
    sc_ns ts;
    char *json; /* NUL-terminated, owned by the set */
    size_t len;
} sc_test_line;

typedef struct {
    sc_test_line *v;
    size_t n;
    size_t cap;
} sc_test_lines;

/* Reads every line of the files (through the capture reader); asserts. */
void sc_test_lines_load(sc_test_lines *out, const char *const *paths, size_t n_paths);
/* Appends a copy of json. */
void sc_test_lines_push(sc_test_lines *set, sc_ns ts, const char *json, size_t len);
void sc_test_lines_free(sc_test_lines *set);

#endif
