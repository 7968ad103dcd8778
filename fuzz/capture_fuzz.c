/* libFuzzer target: the capture reader and writer (market/capture.h) on
 * arbitrary file contents, plain or zstd.
 *
 * The reader takes paths, so every input goes to a file in a fresh
 * temporary directory ($TMPDIR, else /tmp), removed before returning; a
 * directory of our own also gives the writer's ".zst" name without a race
 * on a guessable path. Three passes:
 *  1. the input alone: every line returned has a time in ns (>= 1e17),
 *     non-empty JSON without '\n', and its file and line; every error fills
 *     err and is one the header lists; the end stays the end; a plain file
 *     ends within its byte count of calls; progress ends at the file size.
 *     Each line is written with sc_capture_writer (plain or, on inputs of
 *     odd size, ".zst"); JSON holding '\r' must be refused.
 *  2. the input and the written file read in step: the writer's file gives
 *     back every accepted line, same time and same bytes, and nothing else.
 *  3. the input given twice as one stream with a small line_max: both
 *     copies read the same, lines stay within the limit, and errors name
 *     the copy they come from. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/assert.h"
#include "market/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    /* Calls of sc_capture_reader_next per pass over zstd input. A few kB
     * of zstd can expand to millions of lines; past this many calls the
     * driver stops reading (a bound on its time, not a finding). */
    FUZZ_ZSTD_CALLS_MAX = 1 << 14,
    /* A plain file of n bytes has at most n + 1 lines; each call but the
     * last of a file uses up one: per file, n + FUZZ_PLAIN_CALLS_SLACK. */
    FUZZ_PLAIN_CALLS_SLACK = 2,
    /* line_max of passes 1 and 2. The default (8 MiB) is one allocation
     * per reader, which under ASan made runs about 3x slower; 64 KiB is far
     * above -max_len, so only zstd input reaches it, and pass 3 covers the
     * limit anyway. */
    FUZZ_LINE_MAX = 64 << 10,
    /* Pass 3: shorter than most captured messages, so the limit and the
     * skipping of an over-long line are exercised too. */
    FUZZ_SMALL_LINE_MAX = 64,
    /* The writer writes ns (18 or 19 digits) where the input may have had
     * us (15 to 17): a line read back may be this much longer. */
    FUZZ_TIME_GROWTH_MAX = 4,
    FUZZ_PATH_MAX = 512,
    FUZZ_ERR_TEXT_MAX = 512
};

#define FUZZ_NS_MIN INT64_C(100000000000000000) /* 1e17: the reader's smallest ns time */

typedef struct {
    char dir[FUZZ_PATH_MAX];
    char in[FUZZ_PATH_MAX];
    char out[FUZZ_PATH_MAX];
} fuzz_paths;

/* Per file of a pass: what came back. */
typedef struct {
    int64_t ok;
    int64_t errors;
    int64_t last_line_no;
} file_tally;

static void path_join(char *dst, size_t cap, const char *dir, const char *name) {
    int n = snprintf(dst, cap, "%s/%s", dir, name);
    SC_ASSERT(n > 0 && (size_t)n < cap);
}

/* Makes the directory and writes the input into it. A failure here is the
 * machine's, but the driver stops loudly: passing without having run the
 * reader would hide that nothing was tested. */
static void temp_setup(const uint8_t *data, size_t size, bool zstd_out, fuzz_paths *p) {
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = "/tmp";
    }
    path_join(p->dir, sizeof(p->dir), dir, "sc_capture_fuzz_XXXXXX");
    SC_ASSERT(mkdtemp(p->dir) != NULL);
    path_join(p->in, sizeof(p->in), p->dir, "in");
    path_join(p->out, sizeof(p->out), p->dir, zstd_out ? "out.zst" : "out");
    FILE *f = fopen(p->in, "wb");
    SC_ASSERT(f != NULL);
    SC_ASSERT(fwrite(data, 1, size, f) == size);
    SC_ASSERT(fclose(f) == 0);
}

static void temp_cleanup(const fuzz_paths *p) {
    SC_ASSERT(unlink(p->in) == 0);
    SC_ASSERT(unlink(p->out) == 0 || errno == ENOENT);
    SC_ASSERT(rmdir(p->dir) == 0);
}

static void check_errinfo(const sc_errinfo *ei, const char *path) {
    SC_ASSERT(ei->source != NULL && strcmp(ei->source, path) == 0);
    SC_ASSERT(ei->field[0] != '\0');
    SC_ASSERT(ei->expected[0] != '\0');
    char text[FUZZ_ERR_TEXT_MAX];
    const char *s = sc_errinfo_format(ei, text, sizeof(text));
    SC_ASSERT(s == text && strstr(text, "expected") != NULL);
}

/* A line as the header promises it. */
static void check_line(const sc_capture_line *ln, const char *const *paths, size_t n_paths,
                       size_t line_max) {
    SC_ASSERT(ln->ts_local_ns >= FUZZ_NS_MIN);
    SC_ASSERT(ln->json != NULL && ln->json_len > 0);
    SC_ASSERT(ln->json_len < line_max); /* the time and the space were on the line too */
    SC_ASSERT(memchr(ln->json, '\n', ln->json_len) == NULL);
    SC_ASSERT(ln->file_index < n_paths);
    SC_ASSERT(ln->path != NULL && strcmp(ln->path, paths[ln->file_index]) == 0);
    SC_ASSERT(ln->line_no >= 1);
}

/* An error from sc_capture_reader_next: a bad line, or the end of a file's
 * stream (the reader goes on with the next file). */
static void check_error(sc_err e, const sc_errinfo *ei, const sc_capture_line *ln,
                        const char *const *paths, size_t n_paths) {
    SC_ASSERT(e == SC_ERR_PARSE || e == SC_ERR_LIMIT || e == SC_ERR_COMPRESSION || e == SC_ERR_IO);
    SC_ASSERT(ln->file_index < n_paths);
    check_errinfo(ei, paths[ln->file_index]);
    if (e == SC_ERR_PARSE || e == SC_ERR_LIMIT) {
        SC_ASSERT(ei->line >= 1 && ei->line == ln->line_no);
    }
}

static void count_line(file_tally *ft, const sc_capture_line *ln, bool ok) {
    if (ok) {
        SC_ASSERT(ln->line_no > ft->last_line_no); /* lines come in file order */
        ft->last_line_no = ln->line_no;
        ft->ok++;
    } else {
        ft->errors++;
    }
}

/* After the last line: the end stays the end, and progress is complete. */
static void check_end(sc_capture_reader *r) {
    sc_capture_line ln;
    sc_errinfo ei = {0};
    SC_ASSERT(sc_capture_reader_next(r, &ln, &ei) == SC_ERR_EOF);
    SC_ASSERT(sc_capture_reader_bytes_done(r) == sc_capture_reader_bytes_total(r));
}

static sc_capture_reader *open_reader(const char *const *paths, size_t n, size_t line_max) {
    sc_capture_reader_config cfg = {line_max};
    sc_capture_reader *r = NULL;
    sc_errinfo ei = {0};
    SC_ASSERT(sc_capture_reader_open(&cfg, paths, n, &r, &ei) == SC_OK);
    SC_ASSERT(r != NULL);
    SC_ASSERT(sc_capture_reader_bytes_done(r) == 0);
    return r;
}

/* Writes a line read from the input; JSON with '\r' cannot be one line of
 * the format and must be refused. Returns whether it was written. */
static bool write_line(sc_capture_writer *w, const sc_capture_line *ln) {
    bool cr = memchr(ln->json, '\r', ln->json_len) != NULL;
    sc_err e = sc_capture_writer_write(w, ln->ts_local_ns, ln->json, ln->json_len);
    SC_ASSERT(e == (cr ? SC_ERR_INVALID_ARG : SC_OK));
    return !cr;
}

/* Pass 1. Returns the number of lines written, or -1 when the call bound
 * stopped the reading. */
static int64_t pass_write(const fuzz_paths *p, int64_t calls_max) {
    const char *paths[1] = {p->in};
    sc_capture_reader *r = open_reader(paths, 1, FUZZ_LINE_MAX);
    sc_capture_writer *w = NULL;
    sc_errinfo wei = {0};
    SC_ASSERT(sc_capture_writer_open(p->out, &w, &wei) == SC_OK);
    file_tally ft = {0};
    int64_t written = 0;
    sc_err e = SC_OK;
    for (int64_t calls = 0; calls < calls_max && e != SC_ERR_EOF; calls++) {
        sc_capture_line ln;
        sc_errinfo ei = {0};
        e = sc_capture_reader_next(r, &ln, &ei);
        if (e == SC_OK) {
            check_line(&ln, paths, 1, FUZZ_LINE_MAX);
            written += write_line(w, &ln);
        } else if (e != SC_ERR_EOF) {
            check_error(e, &ei, &ln, paths, 1);
        }
        if (e != SC_ERR_EOF) {
            count_line(&ft, &ln, e == SC_OK);
        }
    }
    SC_ASSERT(sc_capture_writer_close(w) == SC_OK);
    if (e == SC_ERR_EOF) {
        check_end(r);
    }
    sc_capture_reader_close(r);
    return e == SC_ERR_EOF ? written : -1;
}

/* The next line of the input that pass 1 wrote; false at its end. */
static bool next_written(sc_capture_reader *r, sc_capture_line *ln) {
    for (;;) {
        sc_errinfo ei = {0};
        sc_err e = sc_capture_reader_next(r, ln, &ei);
        if (e == SC_ERR_EOF) {
            return false;
        }
        if (e == SC_OK && memchr(ln->json, '\r', ln->json_len) == NULL) {
            return true;
        }
    }
}

/* Pass 2: the written file reads back as what was written. */
static void pass_compare(const fuzz_paths *p, int64_t written) {
    const char *in_paths[1] = {p->in};
    const char *out_paths[1] = {p->out};
    sc_capture_reader *a = open_reader(in_paths, 1, FUZZ_LINE_MAX);
    sc_capture_reader *b = open_reader(out_paths, 1, FUZZ_LINE_MAX + FUZZ_TIME_GROWTH_MAX);
    sc_capture_line la;
    sc_capture_line lb;
    for (int64_t i = 0; i < written; i++) {
        SC_ASSERT(next_written(a, &la));
        sc_errinfo ei = {0};
        SC_ASSERT(sc_capture_reader_next(b, &lb, &ei) == SC_OK);
        SC_ASSERT(lb.ts_local_ns == la.ts_local_ns);
        SC_ASSERT(lb.json_len == la.json_len);
        SC_ASSERT(memcmp(lb.json, la.json, la.json_len) == 0);
        SC_ASSERT(lb.line_no == i + 1);
    }
    SC_ASSERT(!next_written(a, &la));
    check_end(b);
    sc_capture_reader_close(a);
    sc_capture_reader_close(b);
}

/* Pass 3: the input twice as one stream, with short lines. */
static void pass_twice(const fuzz_paths *p, int64_t calls_max) {
    const char *paths[2] = {p->in, p->in};
    sc_capture_reader *r = open_reader(paths, 2, FUZZ_SMALL_LINE_MAX);
    file_tally ft[2] = {{0}, {0}};
    sc_err e = SC_OK;
    for (int64_t calls = 0; calls < calls_max && e != SC_ERR_EOF; calls++) {
        sc_capture_line ln;
        sc_errinfo ei = {0};
        e = sc_capture_reader_next(r, &ln, &ei);
        if (e == SC_ERR_EOF) {
            break;
        }
        if (e == SC_OK) {
            check_line(&ln, paths, 2, FUZZ_SMALL_LINE_MAX);
        } else {
            check_error(e, &ei, &ln, paths, 2);
        }
        count_line(&ft[ln.file_index], &ln, e == SC_OK);
    }
    if (e == SC_ERR_EOF) {
        SC_ASSERT(ft[0].ok == ft[1].ok && ft[0].errors == ft[1].errors);
        check_end(r);
    }
    sc_capture_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const unsigned char zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
    bool zstd_in = size >= sizeof(zstd_magic) && memcmp(data, zstd_magic, sizeof(zstd_magic)) == 0;
    bool zstd_out = size % 2 == 1;
    int64_t per_file = (int64_t)size + (int64_t)FUZZ_PLAIN_CALLS_SLACK;
    fuzz_paths p;
    temp_setup(data, size, zstd_out, &p);
    int64_t written = pass_write(&p, zstd_in ? FUZZ_ZSTD_CALLS_MAX : per_file);
    SC_ASSERT(zstd_in || written >= 0); /* a plain file always ends in time */
    if (written >= 0) {
        pass_compare(&p, written);
    }
    pass_twice(&p, zstd_in ? FUZZ_ZSTD_CALLS_MAX : 2 * per_file);
    temp_cleanup(&p);
    return 0;
}
