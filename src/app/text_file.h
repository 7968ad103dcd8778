/* text_file.h: the first line and the line count of a text file, plain or
 * zstd (told by the zstd magic number, not the name), read in chunks of
 * SC_TEXT_FILE_CHUNK bytes; the file is never held in memory whole.
 *
 * For the commands: telling a capture from a kline CSV by its first line,
 * and the line total a progress bar counts towards.
 *
 * Thread: the caller's. Allocates: two chunk buffers and a zstd context
 * per call, freed before it returns.
 */
#ifndef SC_APP_TEXT_FILE_H
#define SC_APP_TEXT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum { SC_TEXT_FILE_CHUNK = 64 << 10 };

/* The first line that is not blank (only spaces, tabs or '\r'), without
 * its line end, into buf: at most cap - 1 bytes (a longer line is cut),
 * NUL-terminated; *line_no is its 1-based number. SC_ERR_EMPTY when the
 * file has no such line; SC_ERR_IO (cannot open or read) and
 * SC_ERR_COMPRESSION (corrupt zstd) with err naming the file. */
sc_err sc_text_first_line(const char *path, char *buf, size_t cap, int64_t *line_no,
                          sc_errinfo *err);

/* Lines in the file: the '\n' count, plus one for a last line without one.
 * Errors as above. */
sc_err sc_text_count_lines(const char *path, uint64_t *out, sc_errinfo *err);

#endif
