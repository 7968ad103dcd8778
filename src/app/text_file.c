/* text_file.c: chunked reading of plain or zstd text, for text_file.h. */
#include "app/text_file.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "core/assert.h"

typedef struct {
    FILE *f;
    ZSTD_DCtx *z; /* NULL for plain text */
    char *in;
    size_t in_len;
    size_t in_pos;
    char *out;
    size_t z_last; /* last ZSTD_decompressStream result: 0 at a frame's end */
    const char *path;
} chunks;

static sc_err io_err(const char *path, sc_errinfo *err, sc_err e, const char *what) {
    sc_errinfo_clear(err);
    err->source = path;
    sc_errinfo_set(err, "file", "a readable text file, plain or zstd", what, strlen(what));
    return e;
}

static void chunks_close(chunks *c) {
    if (c->f != NULL) {
        fclose(c->f);
    }
    ZSTD_freeDCtx(c->z);
    free(c->in);
    free(c->out);
    memset(c, 0, sizeof(*c));
}

static sc_err chunks_open(chunks *c, const char *path, sc_errinfo *err) {
    memset(c, 0, sizeof(*c));
    c->path = path;
    c->f = fopen(path, "rb");
    c->in = malloc(SC_TEXT_FILE_CHUNK);
    c->out = malloc(SC_TEXT_FILE_CHUNK);
    if (c->f == NULL || c->in == NULL || c->out == NULL) {
        chunks_close(c);
        return io_err(path, err, SC_ERR_IO, "cannot open");
    }
    c->in_len = fread(c->in, 1, SC_TEXT_FILE_CHUNK, c->f);
    if (ferror(c->f)) {
        chunks_close(c);
        return io_err(path, err, SC_ERR_IO, "read error");
    }
    static const unsigned char k_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
    if (c->in_len >= 4 && memcmp(c->in, k_magic, 4) == 0) {
        c->z = ZSTD_createDCtx();
        if (c->z == NULL) {
            chunks_close(c);
            return io_err(path, err, SC_ERR_NOMEM, "out of memory");
        }
    }
    return SC_OK;
}

static sc_err refill(chunks *c, sc_errinfo *err) {
    SC_ASSERT(c->in_pos == c->in_len);
    c->in_pos = 0;
    c->in_len = fread(c->in, 1, SC_TEXT_FILE_CHUNK, c->f);
    if (ferror(c->f)) {
        return io_err(c->path, err, SC_ERR_IO, "read error");
    }
    return SC_OK;
}

/* Next piece of text into *p, *n; *n == 0 at the end of the file. */
static sc_err chunks_next(chunks *c, const char **p, size_t *n, sc_errinfo *err) {
    *n = 0;
    if (c->z == NULL) {
        if (c->in_pos == c->in_len && refill(c, err) != SC_OK) {
            return SC_ERR_IO;
        }
        *p = c->in + c->in_pos;
        *n = c->in_len - c->in_pos;
        c->in_pos = c->in_len;
        return SC_OK;
    }
    for (;;) {
        if (c->in_pos == c->in_len) {
            if (refill(c, err) != SC_OK) {
                return SC_ERR_IO;
            }
            if (c->in_len == 0) {
                return c->z_last == 0 ? SC_OK
                                      : io_err(c->path, err, SC_ERR_COMPRESSION, "truncated zstd");
            }
        }
        ZSTD_inBuffer ib = {c->in, c->in_len, c->in_pos};
        ZSTD_outBuffer ob = {c->out, SC_TEXT_FILE_CHUNK, 0};
        size_t r = ZSTD_decompressStream(c->z, &ob, &ib);
        if (ZSTD_isError(r)) {
            return io_err(c->path, err, SC_ERR_COMPRESSION, ZSTD_getErrorName(r));
        }
        c->z_last = r;
        c->in_pos = ib.pos;
        if (ob.pos > 0) {
            *p = c->out;
            *n = ob.pos;
            return SC_OK;
        }
    }
}

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    bool blank;
    int64_t line_no;
} first_line;

/* Feeds text to the line being collected; true when a non-blank line ended. */
static bool take_text(first_line *fl, const char *p, size_t n, size_t *used) {
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (ch == '\n') {
            if (!fl->blank) {
                *used = i + 1;
                return true;
            }
            fl->len = 0;
            fl->line_no++;
            continue;
        }
        if (ch != ' ' && ch != '\t' && ch != '\r') {
            fl->blank = false;
        }
        if (fl->len + 1 < fl->cap) {
            fl->buf[fl->len++] = ch;
        }
    }
    *used = n;
    return false;
}

sc_err sc_text_first_line(const char *path, char *buf, size_t cap, int64_t *line_no,
                          sc_errinfo *err) {
    SC_ASSERT(path != NULL && buf != NULL && cap > 1 && line_no != NULL && err != NULL);
    chunks c;
    sc_err e = chunks_open(&c, path, err);
    if (e != SC_OK) {
        return e;
    }
    first_line fl = {buf, cap, 0, true, 1};
    bool done = false;
    while (!done) {
        const char *p;
        size_t n;
        size_t used;
        e = chunks_next(&c, &p, &n, err);
        if (e != SC_OK || n == 0) {
            break;
        }
        done = take_text(&fl, p, n, &used);
    }
    chunks_close(&c);
    if (e != SC_OK) {
        return e;
    }
    while (fl.len > 0 && fl.buf[fl.len - 1] == '\r') {
        fl.len--;
    }
    buf[fl.len] = '\0';
    *line_no = fl.line_no;
    return fl.blank ? SC_ERR_EMPTY : SC_OK;
}

sc_err sc_text_count_lines(const char *path, uint64_t *out, sc_errinfo *err) {
    SC_ASSERT(path != NULL && out != NULL && err != NULL);
    chunks c;
    sc_err e = chunks_open(&c, path, err);
    if (e != SC_OK) {
        return e;
    }
    uint64_t lines = 0;
    char last = '\n';
    for (;;) {
        const char *p;
        size_t n;
        e = chunks_next(&c, &p, &n, err);
        if (e != SC_OK || n == 0) {
            break;
        }
        for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + n - q))) != NULL; q++) {
            lines++;
        }
        last = p[n - 1];
    }
    chunks_close(&c);
    *out = lines + (last != '\n' ? 1 : 0);
    return e;
}
