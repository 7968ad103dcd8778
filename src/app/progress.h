/* progress.h: a progress bar on stderr, drawn only when stderr is a
 * terminal (never in pipes, logs or CI), at most a few times a second. */
#ifndef SC_APP_PROGRESS_H
#define SC_APP_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sc_progress sc_progress;

/* NULL when disabled or stderr is not a terminal; every call accepts NULL. */
sc_progress *sc_progress_create(const char *label, uint64_t total, bool enabled);
void sc_progress_update(sc_progress *p, uint64_t done);
void sc_progress_done(sc_progress *p);
void sc_progress_destroy(sc_progress *p);

#endif
