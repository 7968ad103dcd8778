#include "support/lines.h"

#include <stdlib.h>
#include <string.h>

#include "market/capture.h"
#include "support/support.h"

void sc_test_lines_push(sc_test_lines *set, sc_ns ts, const char *json, size_t len) {
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 1024;
        set->v = realloc(set->v, set->cap * sizeof(*set->v));
        assert_non_null(set->v);
    }
    char *copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, json, len);
    copy[len] = '\0';
    set->v[set->n++] = (sc_test_line){ts, copy, len};
}

void sc_test_lines_load(sc_test_lines *out, const char *const *paths, size_t n_paths) {
    memset(out, 0, sizeof(*out));
    sc_capture_reader *rd = NULL;
    sc_capture_reader_config cfg = {0};
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_capture_reader_open(&cfg, paths, n_paths, &rd, &ei), SC_OK);
    sc_capture_line ln;
    sc_err e;
    while ((e = sc_capture_reader_next(rd, &ln, &ei)) != SC_ERR_EOF) {
        assert_int_equal(e, SC_OK);
        sc_test_lines_push(out, ln.ts_local_ns, ln.json, ln.json_len);
    }
    sc_capture_reader_close(rd);
}

void sc_test_lines_free(sc_test_lines *set) {
    for (size_t i = 0; i < set->n; i++) {
        free(set->v[i].json);
    }
    free(set->v);
    memset(set, 0, sizeof(*set));
}
