/* signals.h: SIGINT and SIGTERM for the engine's shutdown (engine/shutdown.h).
 *
 * The handlers only count: each signal adds one to a process-wide
 * volatile sig_atomic_t (async-signal-safe; nothing else is). The engine
 * loop polls sc_signals_poll between events and hands what it finds to
 * sc_shutdown_request: the first signal starts an orderly shutdown, a
 * second SIGINT exits at once (after persisting).
 *
 * Not to be confused with app/cmd_signals.c, the trading-signals command.
 *
 * Thread: install from main before any thread starts; poll from the engine
 * thread. Allocates nothing.
 */
#ifndef SC_APP_SIGNALS_H
#define SC_APP_SIGNALS_H

#include <stdbool.h>

#include "core/err.h"
#include "engine/shutdown.h"

/* What arrived since the last poll. */
typedef struct {
    int sigint_n;  /* SIGINTs */
    int sigterm_n; /* SIGTERMs */
} sc_signals_seen;

/* Installs the two handlers with sigaction (SA_RESTART off, so a blocking
 * read returns EINTR and the loop gets to poll). SC_ERR_IO when sigaction
 * fails. Resets the counters. */
sc_err sc_signals_install(void);
/* Puts back the handlers that were there before install. */
void sc_signals_restore(void);
/* Takes and clears the counts. */
sc_signals_seen sc_signals_poll(void);

/* Hands what poll found to the shutdown, at event time ts_ns: each SIGTERM
 * then each SIGINT becomes one request (SIGTERMs first: a SIGINT in the same
 * poll is then a second signal and exits at once). Returns the phase. */
sc_shutdown_phase sc_signals_feed(const sc_signals_seen *seen, sc_shutdown *sd, sc_ns ts_ns);

#endif
