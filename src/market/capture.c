/* capture.c: streaming reader and writer of capture files (capture.h).
 *
 * Reader: each file is read in blocks of CAPTURE_BLOCK_BYTES with read(2).
 * A plain file is read straight into the text block; a zstd file is read
 * into the input block and decompressed into the text block with
 * ZSTD_decompressStream. Lines are cut from the text block with memchr and
 * handed out in place; only a line that straddles two blocks is copied, into
 * the line buffer, which is bounded by line_max. Nothing is allocated after
 * open (libzstd allocates its window inside the DCtx on the first frame and
 * keeps it; CAPTURE_ZSTD_WINDOW_LOG_MAX bounds its size).
 *
 * Writer: lines are staged in a buffer of WRITER_BUF_BYTES, then written
 * plain or fed to a zstd stream whose output goes to the file. A failed
 * write makes the writer fail for good: the file is incomplete.
 */
#include "market/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "core/assert.h"

enum {
    /* Bytes per read(2) and per text block. 1 MiB amortises system calls
     * and zstd calls over thousands of lines; a line that straddles two
     * blocks costs one copy. */
    CAPTURE_BLOCK_BYTES = 1 << 20,
    /* Largest zstd window we agree to decode (2^27 = 128 MiB, zstd's own
     * default limit). Our writer's level 3 uses far less; a file that needs
     * more is SC_ERR_COMPRESSION rather than an unbounded allocation. */
    CAPTURE_ZSTD_WINDOW_LOG_MAX = 27,
    /* An int64 has at most 19 decimal digits. */
    CAPTURE_TIME_DIGITS_MAX = 19,
    /* Staging buffer of the writer. */
    WRITER_BUF_BYTES = 1 << 20,
    WRITER_ZSTD_LEVEL = 3,
    CAPTURE_ERRNO_TEXT_MAX = 128
};

_Static_assert(SC_CAPTURE_LINE_MAX_DEFAULT <= SC_CAPTURE_LINE_MAX_CEILING,
               "the default line limit must be within the ceiling");
_Static_assert(CAPTURE_BLOCK_BYTES >= 4, "a block must hold the zstd magic number");

/* Unit boundaries of the local time (capture.h): >= 1e17 is ns, 1e14..1e17
 * is us. 1e17 ns is 1973 and 1e17 us is year 5138, so no real capture sits
 * on the wrong side. */
#define CAPTURE_NS_MIN INT64_C(100000000000000000)
#define CAPTURE_US_MIN INT64_C(100000000000000)

static const unsigned char zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};

struct sc_capture_reader {
    size_t line_max;
    size_t n_files;
    char *path_store; /* every path, NUL-terminated, one allocation */
    const char *paths[SC_CAPTURE_FILES_MAX];
    uint64_t sizes[SC_CAPTURE_FILES_MAX];
    uint64_t bytes_total;
    uint64_t bytes_before;    /* sizes of the files already finished */
    uint64_t file_read_bytes; /* read so far from the open file */

    size_t next_file; /* index of the next file to open */
    size_t cur;       /* index of the open (or last) file */
    int fd;           /* -1 when no file is open */
    bool zstd;
    bool in_eof;        /* read(2) said end of file */
    bool flush_pending; /* zstd filled the text block; more may wait */
    size_t zstd_last_ret;
    int64_t ns_per_unit; /* 0 until the file's first time is seen */
    int64_t lines_done;  /* lines finished in the open file */
    bool skipping;       /* discarding the rest of an over-long line */

    ZSTD_DCtx *dctx;
    char *in; /* compressed input block */
    size_t in_pos, in_len;
    char *text; /* text block: plain bytes or zstd output */
    size_t text_pos, text_len;
    char *line; /* a line that straddles blocks; capacity line_max */
    size_t line_len;
};

/* A line as cut from the file, before parsing. */
typedef struct {
    const char *p;
    size_t n; /* without the '\n' */
    int64_t line_no;
} raw_line;

static void errno_text(int errnum, char *buf, size_t cap) {
    if (strerror_r(errnum, buf, cap) != 0) {
        snprintf(buf, cap, "errno %d", errnum);
    }
}

static sc_err info_error(sc_errinfo *err, sc_err code, const char *source, int64_t line,
                         const char *field, const char *expected, const char *got, size_t got_len) {
    SC_ASSERT(code != SC_OK);
    SC_ASSERT(source != NULL && field != NULL && expected != NULL);
    if (err != NULL) {
        sc_errinfo_clear(err);
        err->source = source;
        err->line = line;
        sc_errinfo_set(err, field, expected, got, got_len);
    }
    return code;
}

static sc_err errno_error(sc_errinfo *err, sc_err code, const char *source, const char *field,
                          const char *expected, int errnum) {
    char text[CAPTURE_ERRNO_TEXT_MAX];
    errno_text(errnum, text, sizeof(text));
    return info_error(err, code, source, 0, field, expected, text, strlen(text));
}

/* ---- reader: opening ---------------------------------------------------- */

/* Checks that path is a readable file and notes its size. */
static sc_err probe_file(const char *path, uint64_t *size_out, sc_errinfo *err) {
    SC_ASSERT(path != NULL && size_out != NULL);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return errno_error(err, e == ENOENT ? SC_ERR_NOT_FOUND : SC_ERR_IO, path, "file",
                           "a readable capture file", e);
    }
    struct stat st;
    int rc = fstat(fd, &st);
    int e = errno;
    close(fd);
    if (rc != 0) {
        return errno_error(err, SC_ERR_IO, path, "file", "a readable capture file", e);
    }
    if (S_ISDIR(st.st_mode)) {
        return info_error(err, SC_ERR_IO, path, 0, "file", "a capture file", "a directory", 11);
    }
    /* Pipes and devices have no size: progress counts them as 0. */
    *size_out = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    return SC_OK;
}

/* Copies the paths into one allocation so lines can point at them. */
static sc_err paths_init(sc_capture_reader *r, const char *const *paths, size_t n) {
    SC_ASSERT(n > 0 && n <= SC_CAPTURE_FILES_MAX);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += strlen(paths[i]) + 1;
    }
    r->path_store = malloc(total);
    if (r->path_store == NULL) {
        return SC_ERR_NOMEM;
    }
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(paths[i]) + 1;
        memcpy(r->path_store + at, paths[i], len);
        r->paths[i] = r->path_store + at;
        at += len;
    }
    SC_ASSERT(at == total);
    r->n_files = n;
    return SC_OK;
}

static sc_err buffers_init(sc_capture_reader *r) {
    SC_ASSERT(r->line_max > 0 && r->line_max <= SC_CAPTURE_LINE_MAX_CEILING);
    r->in = malloc(CAPTURE_BLOCK_BYTES);
    r->text = malloc(CAPTURE_BLOCK_BYTES);
    r->line = malloc(r->line_max);
    r->dctx = ZSTD_createDCtx();
    if (r->in == NULL || r->text == NULL || r->line == NULL || r->dctx == NULL) {
        return SC_ERR_NOMEM;
    }
    size_t rc = ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax, CAPTURE_ZSTD_WINDOW_LOG_MAX);
    SC_ASSERT(!ZSTD_isError(rc));
    return SC_OK;
}

sc_err sc_capture_reader_open(const sc_capture_reader_config *cfg, const char *const *paths,
                              size_t n_paths, sc_capture_reader **out, sc_errinfo *err) {
    SC_ASSERT(out != NULL);
    *out = NULL;
    size_t line_max =
        (cfg != NULL && cfg->line_max != 0) ? cfg->line_max : (size_t)SC_CAPTURE_LINE_MAX_DEFAULT;
    if (line_max > SC_CAPTURE_LINE_MAX_CEILING) {
        return info_error(err, SC_ERR_INVALID_ARG, "capture reader", 0, "line_max",
                          "at most 64 MiB", "more", 4);
    }
    if (paths == NULL || n_paths == 0 || n_paths > SC_CAPTURE_FILES_MAX) {
        return info_error(err, SC_ERR_INVALID_ARG, "capture reader", 0, "paths", "1..256 files",
                          "none or too many", 16);
    }
    for (size_t i = 0; i < n_paths; i++) {
        if (paths[i] == NULL) {
            return info_error(err, SC_ERR_INVALID_ARG, "capture reader", 0, "paths",
                              "a path for every file", "NULL", 4);
        }
    }
    sc_capture_reader *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return SC_ERR_NOMEM;
    }
    r->fd = -1;
    r->line_max = line_max;
    sc_err e = SC_OK;
    for (size_t i = 0; i < n_paths && e == SC_OK; i++) {
        e = probe_file(paths[i], &r->sizes[i], err);
        r->bytes_total += r->sizes[i];
    }
    if (e == SC_OK) {
        e = paths_init(r, paths, n_paths);
    }
    if (e == SC_OK) {
        e = buffers_init(r);
    }
    if (e != SC_OK) {
        sc_capture_reader_close(r);
        return e;
    }
    *out = r;
    return SC_OK;
}

void sc_capture_reader_close(sc_capture_reader *r) {
    if (r == NULL) {
        return;
    }
    if (r->fd >= 0) {
        close(r->fd); /* read-only: nothing to lose on a failed close */
    }
    ZSTD_freeDCtx(r->dctx);
    free(r->line);
    free(r->text);
    free(r->in);
    free(r->path_store);
    free(r);
}

uint64_t sc_capture_reader_bytes_done(const sc_capture_reader *r) {
    SC_ASSERT(r != NULL);
    uint64_t done = r->bytes_before;
    if (r->fd >= 0) {
        /* A file that grew since open must not push progress past 100%. */
        uint64_t size = r->sizes[r->cur];
        done += r->file_read_bytes < size ? r->file_read_bytes : size;
    }
    SC_ASSERT(done <= r->bytes_total);
    return done;
}

uint64_t sc_capture_reader_bytes_total(const sc_capture_reader *r) {
    SC_ASSERT(r != NULL);
    SC_ASSERT(r->bytes_before <= r->bytes_total);
    return r->bytes_total;
}

/* ---- reader: blocks ------------------------------------------------------ */

/* Fills buf from the open file until it is full or the file ends. */
static sc_err read_block(sc_capture_reader *r, char *buf, size_t cap, size_t *n_out,
                         sc_errinfo *err) {
    SC_ASSERT(r->fd >= 0);
    SC_ASSERT(!r->in_eof);
    size_t n = 0;
    while (n < cap) {
        ssize_t got = read(r->fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            return errno_error(err, SC_ERR_IO, r->paths[r->cur], "file", "a readable file", errno);
        }
        if (got == 0) {
            r->in_eof = true;
            break;
        }
        n += (size_t)got;
    }
    SC_ASSERT(n <= cap);
    r->file_read_bytes += n;
    *n_out = n;
    return SC_OK;
}

static sc_err compression_error(const sc_capture_reader *r, sc_errinfo *err, const char *what) {
    SC_ASSERT(r->zstd && r->fd >= 0);
    char got[SC_ERRINFO_TEXT_MAX];
    int len = snprintf(got, sizeof(got), "%s after line %lld", what, (long long)r->lines_done);
    SC_ASSERT(len > 0);
    return info_error(err, SC_ERR_COMPRESSION, r->paths[r->cur], 0, "zstd",
                      "a complete and valid zstd stream", got, strlen(got));
}

/* Decompresses the next piece of the open zstd file into the text block. */
static sc_err refill_zstd(sc_capture_reader *r, sc_errinfo *err) {
    /* Each turn reads input, or consumes input or flushes output: the loop
     * ends with the file. */
    for (;;) {
        if (r->in_pos == r->in_len && !r->in_eof && !r->flush_pending) {
            sc_err e = read_block(r, r->in, CAPTURE_BLOCK_BYTES, &r->in_len, err);
            r->in_pos = 0;
            if (e != SC_OK) {
                return e;
            }
        }
        if (r->in_pos == r->in_len && r->in_eof && !r->flush_pending) {
            /* zstd returns 0 only when a frame is whole and flushed. */
            if (r->zstd_last_ret != 0) {
                return compression_error(r, err, "file ends inside a frame");
            }
            return SC_ERR_EOF;
        }
        ZSTD_inBuffer zin = {r->in, r->in_len, r->in_pos};
        ZSTD_outBuffer zout = {r->text, CAPTURE_BLOCK_BYTES, 0};
        size_t ret = ZSTD_decompressStream(r->dctx, &zout, &zin);
        if (ZSTD_isError(ret)) {
            return compression_error(r, err, ZSTD_getErrorName(ret));
        }
        SC_ASSERT(zin.pos <= r->in_len && zout.pos <= CAPTURE_BLOCK_BYTES);
        r->in_pos = zin.pos;
        r->zstd_last_ret = ret;
        r->flush_pending = zout.pos == zout.size;
        if (zout.pos > 0) {
            r->text_len = zout.pos;
            return SC_OK;
        }
    }
}

/* Replaces the text block with the next piece of the open file. */
static sc_err refill(sc_capture_reader *r, sc_errinfo *err) {
    SC_ASSERT(r->fd >= 0);
    SC_ASSERT(r->text_pos == r->text_len);
    r->text_pos = 0;
    r->text_len = 0;
    if (r->zstd) {
        return refill_zstd(r, err);
    }
    if (r->in_eof) {
        return SC_ERR_EOF;
    }
    size_t n = 0;
    sc_err e = read_block(r, r->text, CAPTURE_BLOCK_BYTES, &n, err);
    if (e != SC_OK) {
        return e;
    }
    r->text_len = n;
    return n == 0 ? SC_ERR_EOF : SC_OK;
}

static void file_end(sc_capture_reader *r) {
    SC_ASSERT(r->fd >= 0);
    close(r->fd);
    r->fd = -1;
    r->bytes_before += r->sizes[r->cur];
    r->file_read_bytes = 0;
    SC_ASSERT(r->bytes_before <= r->bytes_total);
}

/* Opens the next file and reads its first block, which tells plain from
 * zstd. */
static sc_err file_begin(sc_capture_reader *r, sc_errinfo *err) {
    SC_ASSERT(r->fd < 0);
    SC_ASSERT(r->next_file < r->n_files);
    r->cur = r->next_file++;
    r->zstd = false;
    r->in_eof = false;
    r->flush_pending = false;
    r->zstd_last_ret = 1;
    r->ns_per_unit = 0;
    r->lines_done = 0;
    r->skipping = false;
    r->line_len = 0;
    r->in_pos = r->in_len = r->text_pos = r->text_len = 0;
    r->file_read_bytes = 0;
    r->fd = open(r->paths[r->cur], O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        /* It was readable at open: it vanished or changed since. */
        r->bytes_before += r->sizes[r->cur];
        return errno_error(err, SC_ERR_IO, r->paths[r->cur], "file", "a readable capture file",
                           errno);
    }
    (void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* a hint only */
    size_t n = 0;
    sc_err e = read_block(r, r->text, CAPTURE_BLOCK_BYTES, &n, err);
    if (e != SC_OK) {
        file_end(r);
        return e;
    }
    if (n >= sizeof(zstd_magic) && memcmp(r->text, zstd_magic, sizeof(zstd_magic)) == 0) {
        r->zstd = true;
        memcpy(r->in, r->text, n);
        r->in_len = n;
        size_t rc = ZSTD_DCtx_reset(r->dctx, ZSTD_reset_session_only);
        SC_ASSERT(!ZSTD_isError(rc));
    } else {
        r->text_len = n;
    }
    return SC_OK;
}

/* ---- reader: lines -------------------------------------------------------- */

static sc_err limit_error(sc_capture_reader *r, sc_errinfo *err, int64_t line_no, const char *tail,
                          size_t tail_len) {
    char expected[64];
    snprintf(expected, sizeof(expected), "a line of at most %zu bytes", r->line_max);
    /* Show the start of the line: what was assembled, else this piece. */
    const char *got = r->line_len > 0 ? r->line : tail;
    size_t got_len = r->line_len > 0 ? r->line_len : tail_len;
    SC_ASSERT(got_len > 0);
    r->line_len = 0;
    return info_error(err, SC_ERR_LIMIT, r->paths[r->cur], line_no, "line", expected, got, got_len);
}

static bool line_append(sc_capture_reader *r, const char *src, size_t n) {
    SC_ASSERT(r->line_len <= r->line_max);
    SC_ASSERT(src != NULL);
    if (n > r->line_max - r->line_len) {
        return false;
    }
    memcpy(r->line + r->line_len, src, n);
    r->line_len += n;
    return true;
}

static bool is_blank(const char *p, size_t n) {
    return n == 0 || (n == 1 && p[0] == '\r');
}

/* One memchr step over the text block. *ready says a non-blank line is in
 * out; otherwise the block is used up or a blank line was skipped. */
static sc_err cut_line(sc_capture_reader *r, raw_line *out, bool *ready, sc_errinfo *err) {
    SC_ASSERT(r->text_pos < r->text_len);
    const char *start = r->text + r->text_pos;
    size_t avail = r->text_len - r->text_pos;
    const char *nl = memchr(start, '\n', avail);
    *ready = false;
    if (nl == NULL) {
        r->text_pos = r->text_len;
        if (r->skipping || line_append(r, start, avail)) {
            return SC_OK;
        }
        r->skipping = true;
        out->line_no = r->lines_done + 1;
        return limit_error(r, err, out->line_no, start, avail);
    }
    size_t seg = (size_t)(nl - start);
    r->text_pos += seg + 1;
    SC_ASSERT(r->text_pos <= r->text_len);
    out->line_no = ++r->lines_done;
    if (r->skipping) {
        r->skipping = false; /* the over-long line, already reported, ends here */
        return SC_OK;
    }
    if (r->line_len == 0) {
        if (seg > r->line_max) {
            return limit_error(r, err, out->line_no, start, seg);
        }
        out->p = start;
        out->n = seg;
    } else {
        if (!line_append(r, start, seg)) {
            return limit_error(r, err, out->line_no, start, seg);
        }
        out->p = r->line; /* valid until the next append, in the next call */
        out->n = r->line_len;
        r->line_len = 0;
    }
    *ready = !is_blank(out->p, out->n);
    return SC_OK;
}

/* At the end of a file: a last line without '\n' is still a line. */
static sc_err last_line(sc_capture_reader *r, raw_line *out) {
    SC_ASSERT(r->text_pos == r->text_len);
    SC_ASSERT(r->line_len <= r->line_max);
    if (r->skipping) {
        r->skipping = false;
        r->lines_done++;
        return SC_ERR_EOF;
    }
    if (r->line_len == 0) {
        return SC_ERR_EOF;
    }
    out->line_no = ++r->lines_done;
    out->p = r->line;
    out->n = r->line_len;
    r->line_len = 0;
    return is_blank(out->p, out->n) ? SC_ERR_EOF : SC_OK;
}

/* The next non-blank line of the open file; SC_ERR_EOF at its end. */
static sc_err take_line(sc_capture_reader *r, raw_line *out, sc_errinfo *err) {
    SC_ASSERT(r->fd >= 0);
    /* Each turn consumes a block or at least one line of it. */
    for (;;) {
        if (r->text_pos == r->text_len) {
            sc_err e = refill(r, err);
            if (e == SC_ERR_EOF) {
                return last_line(r, out);
            }
            if (e != SC_OK) {
                return e;
            }
        }
        bool ready = false;
        sc_err e = cut_line(r, out, &ready, err);
        if (e != SC_OK || ready) {
            return e;
        }
    }
}

static sc_err time_error(const sc_capture_reader *r, sc_errinfo *err, int64_t line_no,
                         const char *expected, const char *p, size_t n) {
    return info_error(err, SC_ERR_PARSE, r->paths[r->cur], line_no, "local_time", expected, p, n);
}

/* Parses the local time and converts it to ns by the file's unit. */
static sc_err parse_time(sc_capture_reader *r, const char *p, size_t n, int64_t line_no, sc_ns *out,
                         sc_errinfo *err) {
    SC_ASSERT(r->ns_per_unit == 0 || r->ns_per_unit == 1 || r->ns_per_unit == SC_NS_PER_US);
    SC_ASSERT(n <= r->line_max);
    const char *what = "an integer time in ns or us";
    if (n == 0 || n > CAPTURE_TIME_DIGITS_MAX) {
        return time_error(r, err, line_no, what, p, n);
    }
    uint64_t v = 0; /* 19 digits fit in uint64 */
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)((unsigned char)p[i] - '0');
        if (d > 9) {
            return time_error(r, err, line_no, what, p, n);
        }
        v = v * 10 + d;
    }
    if (v > (uint64_t)INT64_MAX || (int64_t)v < CAPTURE_US_MIN) {
        return time_error(r, err, line_no, "a time in ns (>= 1e17) or us (1e14..1e17)", p, n);
    }
    int64_t unit = (int64_t)v >= CAPTURE_NS_MIN ? 1 : SC_NS_PER_US;
    if (r->ns_per_unit == 0) {
        r->ns_per_unit = unit; /* the file's first time decides its unit */
    } else if (unit != r->ns_per_unit) {
        return time_error(r, err, line_no,
                          r->ns_per_unit == 1 ? "a time in ns, like the file's first line"
                                              : "a time in us, like the file's first line",
                          p, n);
    }
    if (unit == 1) {
        *out = (sc_ns)v;
    } else if (!sc_us_to_ns((int64_t)v, out)) {
        return time_error(r, err, line_no, "a time in us that fits int64 ns", p, n);
    }
    SC_ASSERT(*out >= CAPTURE_NS_MIN);
    return SC_OK;
}

static sc_err parse_line(sc_capture_reader *r, const raw_line *raw, sc_capture_line *out,
                         sc_errinfo *err) {
    SC_ASSERT(raw->n > 0 && raw->n <= r->line_max);
    const char *p = raw->p;
    size_t n = raw->n;
    if (p[n - 1] == '\r') {
        n--;
    }
    SC_ASSERT(n > 0); /* blank lines never get here */
    const char *sp = memchr(p, ' ', n);
    if (sp == NULL) {
        return info_error(err, SC_ERR_PARSE, r->paths[r->cur], raw->line_no, "line",
                          "'<local_time> <json>' separated by a space", p, n);
    }
    size_t time_len = (size_t)(sp - p);
    sc_ns ts = 0;
    sc_err e = parse_time(r, p, time_len, raw->line_no, &ts, err);
    if (e != SC_OK) {
        return e;
    }
    size_t json_len = n - time_len - 1;
    if (json_len == 0) {
        return info_error(err, SC_ERR_PARSE, r->paths[r->cur], raw->line_no, "json",
                          "a JSON message after the time", "", 0);
    }
    out->ts_local_ns = ts;
    out->json = sp + 1;
    out->json_len = json_len;
    return SC_OK;
}

sc_err sc_capture_reader_next(sc_capture_reader *r, sc_capture_line *out, sc_errinfo *err) {
    SC_ASSERT(r != NULL);
    SC_ASSERT(out != NULL);
    /* Each turn finishes a file or returns. */
    for (;;) {
        *out = (sc_capture_line){0};
        if (r->fd < 0) {
            if (r->next_file == r->n_files) {
                return SC_ERR_EOF;
            }
            sc_err e = file_begin(r, err);
            if (e != SC_OK) {
                SC_ASSERT(r->fd < 0); /* the file is over */
                out->path = r->paths[r->cur];
                out->file_index = r->cur;
                return e;
            }
            SC_ASSERT(r->fd >= 0);
        }
        raw_line raw = {0};
        sc_err e = take_line(r, &raw, err);
        if (e == SC_ERR_EOF) {
            file_end(r);
            continue;
        }
        out->path = r->paths[r->cur];
        out->file_index = r->cur;
        out->line_no = e == SC_OK || e == SC_ERR_LIMIT ? raw.line_no : r->lines_done;
        if (e == SC_OK) {
            return parse_line(r, &raw, out, err);
        }
        if (e != SC_ERR_LIMIT) {
            file_end(r); /* a corrupt stream or a read error ends the file */
        }
        return e;
    }
}

/* ---- writer --------------------------------------------------------------- */

struct sc_capture_writer {
    int fd;
    bool zstd;
    bool failed; /* a write failed: the file is incomplete */
    ZSTD_CCtx *cctx;
    char *buf; /* staged text, WRITER_BUF_BYTES */
    size_t buf_len;
    char *zout; /* compressed output block */
    size_t zout_cap;
};

static bool write_all(int fd, const char *p, size_t n) {
    SC_ASSERT(fd >= 0);
    SC_ASSERT(p != NULL || n == 0);
    while (n > 0) {
        ssize_t got = write(fd, p, n);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return false;
        }
        SC_ASSERT((size_t)got <= n);
        p += got;
        n -= (size_t)got;
    }
    return true;
}

/* Compresses src (mode ZSTD_e_continue) or ends the frame (ZSTD_e_end)
 * and writes what zstd produced. */
static sc_err zstd_feed(sc_capture_writer *w, const char *src, size_t n, ZSTD_EndDirective mode) {
    SC_ASSERT(w->zstd && w->cctx != NULL);
    ZSTD_inBuffer in = {src, n, 0};
    /* Each turn consumes input or empties zstd's internal buffers. */
    for (;;) {
        ZSTD_outBuffer out = {w->zout, w->zout_cap, 0};
        size_t left = ZSTD_compressStream2(w->cctx, &out, &in, mode);
        if (ZSTD_isError(left)) {
            return SC_ERR_COMPRESSION;
        }
        SC_ASSERT(in.pos <= in.size && out.pos <= out.size);
        if (!write_all(w->fd, w->zout, out.pos)) {
            return SC_ERR_IO;
        }
        bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
        if (done) {
            return SC_OK;
        }
    }
}

static sc_err sink(sc_capture_writer *w, const char *p, size_t n) {
    SC_ASSERT(!w->failed);
    SC_ASSERT(w->fd >= 0);
    if (n == 0) {
        return SC_OK;
    }
    if (w->zstd) {
        return zstd_feed(w, p, n, ZSTD_e_continue);
    }
    return write_all(w->fd, p, n) ? SC_OK : SC_ERR_IO;
}

static sc_err flush_staged(sc_capture_writer *w) {
    SC_ASSERT(w->buf_len <= WRITER_BUF_BYTES);
    sc_err e = sink(w, w->buf, w->buf_len);
    w->buf_len = 0;
    if (e != SC_OK) {
        w->failed = true;
    }
    return e;
}

static sc_err emit(sc_capture_writer *w, const char *p, size_t n) {
    SC_ASSERT(w->buf_len <= WRITER_BUF_BYTES);
    if (n > WRITER_BUF_BYTES - w->buf_len) {
        sc_err e = flush_staged(w);
        if (e != SC_OK) {
            return e;
        }
    }
    if (n >= WRITER_BUF_BYTES) {
        sc_err e = sink(w, p, n); /* a huge line skips the staging copy */
        if (e != SC_OK) {
            w->failed = true;
        }
        return e;
    }
    memcpy(w->buf + w->buf_len, p, n);
    w->buf_len += n;
    SC_ASSERT(w->buf_len <= WRITER_BUF_BYTES);
    return SC_OK;
}

sc_err sc_capture_writer_open(const char *path, sc_capture_writer **out, sc_errinfo *err) {
    SC_ASSERT(out != NULL);
    *out = NULL;
    if (path == NULL) {
        return info_error(err, SC_ERR_INVALID_ARG, "capture writer", 0, "path", "a path", "NULL",
                          4);
    }
    sc_capture_writer *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return SC_ERR_NOMEM;
    }
    w->fd = -1;
    size_t plen = strlen(path);
    w->zstd = plen > 4 && strcmp(path + plen - 4, ".zst") == 0;
    w->buf = malloc(WRITER_BUF_BYTES);
    bool ok = w->buf != NULL;
    if (ok && w->zstd) {
        w->zout_cap = ZSTD_CStreamOutSize();
        w->zout = malloc(w->zout_cap);
        w->cctx = ZSTD_createCCtx();
        ok = w->zout != NULL && w->cctx != NULL &&
             !ZSTD_isError(
                 ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, WRITER_ZSTD_LEVEL)) &&
             !ZSTD_isError(ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1));
    }
    if (!ok) {
        (void)sc_capture_writer_close(w);
        return SC_ERR_NOMEM;
    }
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        int e = errno;
        (void)sc_capture_writer_close(w);
        return errno_error(err, SC_ERR_IO, path, "file", "a writable file", e);
    }
    *out = w;
    return SC_OK;
}

sc_err sc_capture_writer_write(sc_capture_writer *w, sc_ns ts_local_ns, const char *json,
                               size_t len) {
    SC_ASSERT(w != NULL);
    SC_ASSERT(w->fd >= 0);
    /* What we write must read back the same: a time the reader takes for ns
     * and a JSON part that is one non-empty line. */
    if (json == NULL || len == 0 || ts_local_ns < CAPTURE_NS_MIN ||
        memchr(json, '\n', len) != NULL || memchr(json, '\r', len) != NULL) {
        return SC_ERR_INVALID_ARG;
    }
    if (w->failed) {
        return SC_ERR_IO;
    }
    char head[CAPTURE_TIME_DIGITS_MAX + 1];
    size_t at = sizeof(head);
    head[--at] = ' ';
    for (uint64_t v = (uint64_t)ts_local_ns; v != 0; v /= 10) {
        SC_ASSERT(at > 0);
        head[--at] = (char)('0' + (int)(v % 10));
    }
    SC_ASSERT(at <= sizeof(head) - 19); /* ts >= 1e17 has 18 or 19 digits */
    sc_err e = emit(w, head + at, sizeof(head) - at);
    if (e == SC_OK) {
        e = emit(w, json, len);
    }
    if (e == SC_OK) {
        e = emit(w, "\n", 1);
    }
    return e;
}

sc_err sc_capture_writer_close(sc_capture_writer *w) {
    if (w == NULL) {
        return SC_OK;
    }
    sc_err e = w->failed ? SC_ERR_IO : SC_OK;
    if (e == SC_OK && w->fd >= 0) {
        e = flush_staged(w);
    }
    if (e == SC_OK && w->fd >= 0 && w->zstd) {
        e = zstd_feed(w, NULL, 0, ZSTD_e_end);
    }
    if (w->fd >= 0 && close(w->fd) != 0 && e == SC_OK) {
        e = SC_ERR_IO; /* e.g. NFS reports a failed write only here */
    }
    ZSTD_freeCCtx(w->cctx);
    free(w->zout);
    free(w->buf);
    free(w);
    return e;
}
