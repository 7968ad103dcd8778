/* shutdown.h: EmergencyShutdown, the orderly stop of the paper engine on
 * SIGINT, SIGTERM or a kill-switch trip.
 *
 * Phases (sc_shutdown_phase), in order; each is entered at most once:
 *
 *   running       no shutdown requested.
 *   stop_entries  sc_shutdown_request: sc_paper_stop refuses every entry
 *                 from now on (veto level 1, reason "shutdown") and starts
 *                 the paper engine's own kill/flatten path. Synchronous, so
 *                 the request moves on to cancel_all at once.
 *   cancel_all    waits until every live order is a reduce-only MARKET
 *                 order (the flatten): the paper engine cancels the others.
 *   flatten       waits until the position is 0 and no order is live (the
 *                 reduce-only MARKET flatten filled).
 *   verify_flat   checks the paper position, the metrics' position and the
 *                 order manager agree on flat with nothing live, then done;
 *                 anything else goes back to flatten.
 *   done          flat, verified: exit SC_SHUTDOWN_EXIT_FLAT.
 *   failed        not done within events_max steps or wait_ns_max of event
 *                 time after the request: exit SC_SHUTDOWN_EXIT_NOT_FLAT. A
 *                 position may be left open: the caller must say so loudly
 *                 (sc_shutdown_describe says how much).
 *   immediate     a SIGINT while a shutdown is under way: the caller stops
 *                 waiting, persists, and exits SC_SHUTDOWN_EXIT_IMMEDIATE.
 *
 * Driving it: after sc_shutdown_request, the caller keeps handing the paper
 * engine events (market messages, or sc_paper_on_timer ticks when the feed
 * is gone) and calls sc_shutdown_step after each, until sc_shutdown_finished.
 * Then it persists (kill switch state, records) and exits with
 * sc_shutdown_exit_code; library code never exits. A second request: SIGINT
 * goes to immediate; SIGTERM and kill_switch change nothing (counted), as
 * does any request once finished. A request when already flat with nothing
 * live is done at once.
 *
 * Thread: the engine thread, with the paper engine it drives. Allocates: in
 * create only. No clock, no I/O: time is the caller's event time.
 * Deterministic. Invariants (asserted): phases only move forward, except
 * verify_flat back to flatten; a finished shutdown never changes phase.
 */
#ifndef SC_ENGINE_SHUTDOWN_H
#define SC_ENGINE_SHUTDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/time.h"
#include "engine/paper.h"

/* Exit codes for main (app/cli.h repeats them; asserted equal there). */
enum {
    SC_SHUTDOWN_EXIT_FLAT = 0,     /* done: flat and verified */
    SC_SHUTDOWN_EXIT_NOT_FLAT = 5, /* failed: a position or an order may be left */
    SC_SHUTDOWN_EXIT_IMMEDIATE = 6 /* second SIGINT: exited without waiting */
};

/* Limits: a shutdown that is not flat after this many steps, or this much
 * event time, has failed. The defaults leave the fill simulator's latency
 * and several retries room; a config may only tighten them. */
#define SC_SHUTDOWN_EVENTS_DEFAULT 10000
#define SC_SHUTDOWN_EVENTS_MAX 1000000
#define SC_SHUTDOWN_WAIT_NS_DEFAULT (30 * SC_NS_PER_S)
#define SC_SHUTDOWN_WAIT_NS_MAX (300 * SC_NS_PER_S)

typedef enum {
    SC_SHUTDOWN_SIGINT = 0,
    SC_SHUTDOWN_SIGTERM = 1,
    SC_SHUTDOWN_KILL_SWITCH = 2,
    SC_SHUTDOWN_REASON_COUNT = 3
} sc_shutdown_reason;

typedef enum {
    SC_SHUTDOWN_RUNNING = 0,
    SC_SHUTDOWN_STOP_ENTRIES = 1,
    SC_SHUTDOWN_CANCEL_ALL = 2,
    SC_SHUTDOWN_FLATTEN = 3,
    SC_SHUTDOWN_VERIFY_FLAT = 4,
    SC_SHUTDOWN_DONE = 5,
    SC_SHUTDOWN_FAILED = 6,
    SC_SHUTDOWN_IMMEDIATE = 7,
    SC_SHUTDOWN_PHASE_COUNT = 8
} sc_shutdown_phase;

/* Phase changes, one per entry; verify_flat -> flatten can repeat, so the
 * trail keeps the first SC_SHUTDOWN_TRAIL_MAX and counts the rest. */
enum { SC_SHUTDOWN_TRAIL_MAX = 16 };

typedef struct {
    sc_shutdown_phase phase;
    sc_ns ts_ns;
    uint64_t events; /* steps since the request */
} sc_shutdown_mark;

typedef struct {
    sc_paper *paper;     /* required; outlives the shutdown */
    uint64_t events_max; /* 0: SC_SHUTDOWN_EVENTS_DEFAULT; <= SC_SHUTDOWN_EVENTS_MAX */
    sc_ns wait_ns_max;   /* 0: SC_SHUTDOWN_WAIT_NS_DEFAULT; <= SC_SHUTDOWN_WAIT_NS_MAX */
} sc_shutdown_config;

typedef struct {
    sc_shutdown_phase phase;
    sc_shutdown_reason reason; /* of the first request */
    sc_ns requested_ns;
    uint64_t events;           /* steps since the request */
    uint64_t requests_ignored; /* later requests that changed nothing */
    int64_t position_steps;    /* at the last request or step */
    size_t live_orders;
    sc_shutdown_mark trail[SC_SHUTDOWN_TRAIL_MAX];
    size_t trail_n;
    uint64_t trail_lost;
} sc_shutdown_status;

typedef struct sc_shutdown sc_shutdown;

/* SC_ERR_INVALID_ARG for a NULL paper or a limit above its maximum. */
sc_err sc_shutdown_create(const sc_shutdown_config *cfg, sc_shutdown **out);
void sc_shutdown_destroy(sc_shutdown *sd);

/* A shutdown for reason at event time ts_ns; returns the phase after it. */
sc_shutdown_phase sc_shutdown_request(sc_shutdown *sd, sc_shutdown_reason reason, sc_ns ts_ns);
/* After each paper event while under way; returns the phase after it. */
sc_shutdown_phase sc_shutdown_step(sc_shutdown *sd, sc_ns ts_ns);

sc_shutdown_phase sc_shutdown_phase_of(const sc_shutdown *sd);
/* done, failed or immediate. */
bool sc_shutdown_finished(const sc_shutdown *sd);
/* The exit code of a finished shutdown (asserted finished). */
int sc_shutdown_exit_code(const sc_shutdown *sd);
void sc_shutdown_status_get(const sc_shutdown *sd, sc_shutdown_status *out);
/* One line for the log, e.g. "shutdown (sigint) FAILED: NOT FLAT, position
 * 3 steps, 1 live order, after 10000 events, 30000 ms". Returns what
 * snprintf returns. */
int sc_shutdown_describe(const sc_shutdown *sd, char *buf, size_t cap);

const char *sc_shutdown_phase_name(sc_shutdown_phase ph);
const char *sc_shutdown_reason_name(sc_shutdown_reason r);

#endif
