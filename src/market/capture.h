/* capture.h: capture files, read and written.
 *
 * Format (design.md §5): one message per line,
 *     <local_receive_time> <raw JSON exactly as received>\n
 * plain text or zstd-compressed (detected by the zstd magic number, not the
 * file name). The time is an integer: nanoseconds (2024 files) or
 * microseconds (2022/2023 files), told apart per file by its magnitude
 * (>= 1e17 is ns, 1e14..1e17 is us); a line whose unit disagrees with the
 * file's first line is an error. Several files given in order are one
 * continuous stream (captures come in pairs that continue each other).
 *
 * The writer always writes nanoseconds; what it writes the reader returns
 * byte for byte (time in ns, JSON unchanged).
 *
 * Thread: one owner (an I/O thread or a replay tool). Allocates: in open.
 */
#ifndef SC_MARKET_CAPTURE_H
#define SC_MARKET_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/time.h"

enum {
    SC_CAPTURE_LINE_MAX_DEFAULT = 8 << 20, /* longest line accepted */
    SC_CAPTURE_LINE_MAX_CEILING = 64 << 20,
    SC_CAPTURE_FILES_MAX = 256
};

typedef struct sc_capture_reader sc_capture_reader;
typedef struct sc_capture_writer sc_capture_writer;

typedef struct {
    size_t line_max; /* 0 = default */
} sc_capture_reader_config;

typedef struct {
    sc_ns ts_local_ns;
    const char *json; /* not NUL-terminated; valid until the next call */
    size_t json_len;
    const char *path; /* the file it came from */
    int64_t line_no;  /* 1-based within that file */
    size_t file_index;
} sc_capture_line;

/* Opens the files in order (all are checked to exist and be readable
 * first; err names the first that is not). */
sc_err sc_capture_reader_open(const sc_capture_reader_config *cfg, const char *const *paths,
                              size_t n_paths, sc_capture_reader **out, sc_errinfo *err);
/* Next line. SC_ERR_EOF after the last line of the last file. A malformed
 * line (no space, bad or mixed-unit time, over line_max, empty JSON) returns
 * SC_ERR_PARSE (or SC_ERR_LIMIT) with err naming file and line; the next
 * call continues with the following line. A corrupt compressed stream or a
 * read error is SC_ERR_COMPRESSION / SC_ERR_IO and ends that file. A blank
 * line is skipped silently; a last line without '\n' is returned normally. */
sc_err sc_capture_reader_next(sc_capture_reader *r, sc_capture_line *out, sc_errinfo *err);
/* Progress: bytes of the files consumed so far and the total size. */
uint64_t sc_capture_reader_bytes_done(const sc_capture_reader *r);
uint64_t sc_capture_reader_bytes_total(const sc_capture_reader *r);
void sc_capture_reader_close(sc_capture_reader *r);

/* Writer: compressed with zstd when path ends in ".zst". */
sc_err sc_capture_writer_open(const char *path, sc_capture_writer **out, sc_errinfo *err);
/* json must be one line (no '\n' or '\r'): SC_ERR_INVALID_ARG otherwise. */
sc_err sc_capture_writer_write(sc_capture_writer *w, sc_ns ts_local_ns, const char *json,
                               size_t len);
/* Flushes and closes; an error here means the file is incomplete. Accepts
 * NULL. */
sc_err sc_capture_writer_close(sc_capture_writer *w);

#endif
