#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

bool sc_test_shared_path(const char *rel, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%s", SC_SHARED_DATA_DIR, rel);
    return access(buf, R_OK) == 0;
}

void sc_test_source_path(const char *rel, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%s", SC_SOURCE_DIR, rel);
}

void sc_test_tmpdir(char *buf, size_t cap) {
    const char *base = getenv("TMPDIR");
    snprintf(buf, cap, "%s/scalper-test-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(buf) == NULL) {
        fail_msg("mkdtemp failed for %s", buf);
    }
}

char *sc_test_read_all(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *raw = malloc((size_t)sz + 1);
    assert_non_null(raw);
    assert_int_equal(fread(raw, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".zst") == 0) {
        unsigned long long full = ZSTD_getFrameContentSize(raw, (size_t)sz);
        assert_true(full != ZSTD_CONTENTSIZE_ERROR && full != ZSTD_CONTENTSIZE_UNKNOWN);
        char *out = malloc((size_t)full + 1);
        assert_non_null(out);
        size_t got = ZSTD_decompress(out, (size_t)full, raw, (size_t)sz);
        assert_false(ZSTD_isError(got));
        free(raw);
        out[got] = '\0';
        *len_out = got;
        return out;
    }
    raw[sz] = '\0';
    *len_out = (size_t)sz;
    return raw;
}
