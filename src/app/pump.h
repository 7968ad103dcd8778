/* pump.h: reads a capture on its own thread and hands lines to the caller.
 *
 * The engine thread must not wait on disk or on zstd, so a reader thread
 * fills fixed chunks of lines and passes them over a bounded queue; the
 * consumer walks a chunk in place. Lines come out in exactly the order the
 * capture reader gives them, reader errors included, so a replay through the
 * pump is the same as a replay without it.
 *
 * Limits: SC_PUMP_CHUNKS chunks of SC_PUMP_CHUNK_BYTES each are allocated at
 * start (72 MiB of address space; only the touched part becomes resident) (the reader blocks when
 * all are full: back-pressure, never growth). A line longer than a chunk cannot exist: the capture
 * reader's line limit is set below the chunk size.
 *
 * Threads: start/stop and next on the consumer thread; one reader thread.
 */
#ifndef SC_APP_PUMP_H
#define SC_APP_PUMP_H

#include <stdint.h>

#include "core/err.h"
#include "market/capture.h"

enum {
    SC_PUMP_CHUNKS = 8,
    SC_PUMP_CHUNK_BYTES = 9 << 20,
    SC_PUMP_CHUNK_SOFT_BYTES = 256 << 10, /* a chunk is queued once it holds this much */
    SC_PUMP_LINE_MAX = 8 << 20            /* the capture reader's limit, below the chunk size */
};
_Static_assert(SC_PUMP_LINE_MAX + 4096 < SC_PUMP_CHUNK_BYTES, "a longest line fits a chunk");

typedef struct sc_pump sc_pump;

typedef struct {
    sc_err status; /* SC_OK: a line; otherwise the reader's error for this line */
    sc_capture_line line;
    sc_errinfo err; /* when status != SC_OK */
} sc_pump_item;

/* Opens the files with the capture reader on a new thread. */
sc_err sc_pump_start(const char *const *paths, size_t n_paths, sc_pump **out, sc_errinfo *err);
/* Next item; SC_ERR_EOF after the last. The item's pointers stay valid
 * until the next call. */
sc_err sc_pump_next(sc_pump *p, sc_pump_item *item);
uint64_t sc_pump_bytes_done(const sc_pump *p);
uint64_t sc_pump_bytes_total(const sc_pump *p);
/* Stops the reader (also mid-stream) and frees everything; accepts NULL. */
void sc_pump_stop(sc_pump *p);

#endif
