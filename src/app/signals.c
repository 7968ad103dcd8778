/* signals.c: counting signal handlers (signals.h). */
#include "app/signals.h"

#include <signal.h>
#include <string.h>

#include "app/cli.h"
#include "core/assert.h"

_Static_assert((int)SC_EXIT_SHUTDOWN_NOT_FLAT == (int)SC_SHUTDOWN_EXIT_NOT_FLAT,
               "exit codes agree");
_Static_assert((int)SC_EXIT_SHUTDOWN_IMMEDIATE == (int)SC_SHUTDOWN_EXIT_IMMEDIATE,
               "exit codes agree");
_Static_assert((int)SC_EXIT_OK == (int)SC_SHUTDOWN_EXIT_FLAT, "exit codes agree");

/* The one unavoidable mutable process-wide state besides the log sink
 * (style.md "No mutable globals"): a signal handler can reach nothing
 * else. Only the handlers write (increment) and only sc_signals_poll reads
 * and clears; sig_atomic_t makes each access atomic with respect to the
 * handler. A signal between poll's read and its clear is lost at worst as
 * a repeat of one just seen, never as the first. */
static volatile sig_atomic_t g_sigint_n;
static volatile sig_atomic_t g_sigterm_n;

/* Bookkeeping for sc_signals_restore, touched only by install and restore
 * from main before any thread starts (never by a handler). */
static struct sigaction g_old_int;
static struct sigaction g_old_term;
static bool g_installed;

static void on_signal(int sig) {
    if (sig == SIGINT) {
        g_sigint_n = g_sigint_n + 1;
    } else if (sig == SIGTERM) {
        g_sigterm_n = g_sigterm_n + 1;
    }
}

sc_err sc_signals_install(void) {
    SC_ASSERT(!g_installed);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocking read returns EINTR */
    g_sigint_n = 0;
    g_sigterm_n = 0;
    if (sigaction(SIGINT, &sa, &g_old_int) != 0) {
        return SC_ERR_IO;
    }
    if (sigaction(SIGTERM, &sa, &g_old_term) != 0) {
        (void)sigaction(SIGINT, &g_old_int, NULL);
        return SC_ERR_IO;
    }
    g_installed = true;
    return SC_OK;
}

void sc_signals_restore(void) {
    if (!g_installed) {
        return;
    }
    (void)sigaction(SIGINT, &g_old_int, NULL);
    (void)sigaction(SIGTERM, &g_old_term, NULL);
    g_installed = false;
}

sc_signals_seen sc_signals_poll(void) {
    sc_signals_seen s;
    s.sigint_n = (int)g_sigint_n;
    g_sigint_n = 0;
    s.sigterm_n = (int)g_sigterm_n;
    g_sigterm_n = 0;
    SC_ASSERT(s.sigint_n >= 0 && s.sigterm_n >= 0);
    return s;
}

sc_shutdown_phase sc_signals_feed(const sc_signals_seen *seen, sc_shutdown *sd, sc_ns ts_ns) {
    SC_ASSERT(seen != NULL && sd != NULL);
    SC_ASSERT(seen->sigint_n >= 0 && seen->sigterm_n >= 0);
    /* Two of each are enough to reach any outcome; more change nothing. */
    int term = seen->sigterm_n < 2 ? seen->sigterm_n : 2;
    int intr = seen->sigint_n < 2 ? seen->sigint_n : 2;
    for (int i = 0; i < term; i++) {
        (void)sc_shutdown_request(sd, SC_SHUTDOWN_SIGTERM, ts_ns);
    }
    for (int i = 0; i < intr; i++) {
        (void)sc_shutdown_request(sd, SC_SHUTDOWN_SIGINT, ts_ns);
    }
    return sc_shutdown_phase_of(sd);
}
