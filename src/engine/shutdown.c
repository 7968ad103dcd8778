/* shutdown.c: the shutdown phases over the paper engine (shutdown.h).
 *
 *  - Nothing here sends or cancels an order: sc_paper_stop puts the paper
 *    engine on its kill-switch path (cancel every live order, one
 *    reduce-only MARKET flatten, re-sent on every event until flat), so
 *    there is one flatten implementation. This module only watches that
 *    path, bounds it, and names the outcome.
 *  - The shutdown does not trip the kill switch: a trip persists across
 *    restarts until an operator resets it, and a Ctrl-C is not a fault.
 *  - Flat is checked three ways (paper position, metrics position, no live
 *    order in the manager): an order still in flight is live in the
 *    manager, so "nothing live" means no fill can still arrive.
 */
#include "engine/shutdown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "exec/order_manager.h"
#include "risk/metrics.h"

struct sc_shutdown {
    sc_shutdown_config cfg;
    sc_shutdown_status st;
};

_Static_assert(SC_SHUTDOWN_EVENTS_DEFAULT <= SC_SHUTDOWN_EVENTS_MAX, "events default");
_Static_assert(SC_SHUTDOWN_WAIT_NS_DEFAULT <= SC_SHUTDOWN_WAIT_NS_MAX, "wait default");
_Static_assert((int)SC_SHUTDOWN_TRAIL_MAX >= (int)SC_SHUTDOWN_PHASE_COUNT,
               "one pass fits the trail");
_Static_assert(SC_SHUTDOWN_EXIT_FLAT == 0, "clean exit is 0");

const char *sc_shutdown_phase_name(sc_shutdown_phase ph) {
    static const char *const names[] = {"running",     "stop_entries", "cancel_all", "flatten",
                                        "verify_flat", "done",         "failed",     "immediate"};
    _Static_assert(sizeof(names) / sizeof(names[0]) == SC_SHUTDOWN_PHASE_COUNT, "names");
    return (unsigned)ph < SC_SHUTDOWN_PHASE_COUNT ? names[ph] : "?";
}

const char *sc_shutdown_reason_name(sc_shutdown_reason r) {
    static const char *const names[] = {"sigint", "sigterm", "kill_switch"};
    _Static_assert(sizeof(names) / sizeof(names[0]) == SC_SHUTDOWN_REASON_COUNT, "names");
    return (unsigned)r < SC_SHUTDOWN_REASON_COUNT ? names[r] : "?";
}

static bool finished(sc_shutdown_phase ph) {
    return ph == SC_SHUTDOWN_DONE || ph == SC_SHUTDOWN_FAILED || ph == SC_SHUTDOWN_IMMEDIATE;
}

static void enter(sc_shutdown *sd, sc_shutdown_phase ph, sc_ns ts_ns) {
    sc_shutdown_phase from = sd->st.phase;
    SC_ASSERT(!finished(from));
    /* forward only, except verify_flat back to flatten */
    SC_ASSERT(ph > from || (from == SC_SHUTDOWN_VERIFY_FLAT && ph == SC_SHUTDOWN_FLATTEN));
    sd->st.phase = ph;
    if (sd->st.trail_n == SC_SHUTDOWN_TRAIL_MAX) {
        sd->st.trail_lost++;
        return;
    }
    sc_shutdown_mark *m = &sd->st.trail[sd->st.trail_n++];
    m->phase = ph;
    m->ts_ns = ts_ns;
    m->events = sd->st.events;
}

/* Live orders, and whether every one is a reduce-only MARKET (the flatten). */
static size_t live_orders(const sc_shutdown *sd, bool *only_flatten) {
    const sc_order_manager *om = sc_paper_orders(sd->cfg.paper);
    int64_t seqs[SC_ORDER_MANAGER_ORDERS_DEFAULT];
    size_t n = sc_order_manager_live(om, seqs, SC_ORDER_MANAGER_ORDERS_DEFAULT);
    SC_ASSERT(n <= SC_ORDER_MANAGER_ORDERS_DEFAULT);
    SC_ASSERT(n == sc_paper_live_orders(sd->cfg.paper));
    *only_flatten = true;
    for (size_t i = 0; i < n; i++) {
        const sc_order_rec *o = sc_order_manager_get(om, seqs[i]);
        SC_ASSERT(o != NULL);
        if (!o->intent.reduce_only || o->intent.type != SC_ORD_MARKET) {
            *only_flatten = false;
        }
    }
    return n;
}

static bool verified_flat(const sc_shutdown *sd) {
    sc_risk_metrics_snapshot s;
    sc_paper_metrics(sd->cfg.paper, &s);
    bool only = true;
    return sc_paper_position(sd->cfg.paper).qty_steps == 0 && s.position_steps == 0 &&
           live_orders(sd, &only) == 0;
}

/* Moves through every phase whose condition already holds. */
static void advance(sc_shutdown *sd, sc_ns ts_ns) {
    bool only_flatten = true;
    size_t live = live_orders(sd, &only_flatten);
    int64_t pos = sc_paper_position(sd->cfg.paper).qty_steps;
    sd->st.position_steps = pos;
    sd->st.live_orders = live;
    if (sd->st.phase == SC_SHUTDOWN_CANCEL_ALL && only_flatten) {
        enter(sd, SC_SHUTDOWN_FLATTEN, ts_ns);
    }
    if (sd->st.phase == SC_SHUTDOWN_FLATTEN && pos == 0 && live == 0) {
        enter(sd, SC_SHUTDOWN_VERIFY_FLAT, ts_ns);
    }
    if (sd->st.phase == SC_SHUTDOWN_VERIFY_FLAT) {
        enter(sd, verified_flat(sd) ? SC_SHUTDOWN_DONE : SC_SHUTDOWN_FLATTEN, ts_ns);
    }
}

sc_shutdown_phase sc_shutdown_request(sc_shutdown *sd, sc_shutdown_reason reason, sc_ns ts_ns) {
    SC_ASSERT(sd != NULL && (unsigned)reason < SC_SHUTDOWN_REASON_COUNT);
    SC_ASSERT(ts_ns >= 0);
    if (finished(sd->st.phase)) {
        sd->st.requests_ignored++;
        return sd->st.phase;
    }
    if (sd->st.phase != SC_SHUTDOWN_RUNNING) {
        if (reason == SC_SHUTDOWN_SIGINT) {
            enter(sd, SC_SHUTDOWN_IMMEDIATE, ts_ns); /* the operator insists */
        } else {
            sd->st.requests_ignored++;
        }
        return sd->st.phase;
    }
    sd->st.reason = reason;
    sd->st.requested_ns = ts_ns;
    enter(sd, SC_SHUTDOWN_STOP_ENTRIES, ts_ns);
    sc_paper_stop(sd->cfg.paper, ts_ns);
    SC_ASSERT(sc_paper_stopping(sd->cfg.paper));
    enter(sd, SC_SHUTDOWN_CANCEL_ALL, ts_ns);
    advance(sd, ts_ns);
    return sd->st.phase;
}

sc_shutdown_phase sc_shutdown_step(sc_shutdown *sd, sc_ns ts_ns) {
    SC_ASSERT(sd != NULL);
    SC_ASSERT(sd->st.phase != SC_SHUTDOWN_RUNNING);
    if (finished(sd->st.phase)) {
        return sd->st.phase;
    }
    sd->st.events++;
    advance(sd, ts_ns);
    if (finished(sd->st.phase)) {
        return sd->st.phase;
    }
    sc_ns waited = ts_ns > sd->st.requested_ns ? ts_ns - sd->st.requested_ns : 0;
    if (sd->st.events >= sd->cfg.events_max || waited >= sd->cfg.wait_ns_max) {
        enter(sd, SC_SHUTDOWN_FAILED, ts_ns); /* fail closed: report, do not wait on */
    }
    return sd->st.phase;
}

sc_shutdown_phase sc_shutdown_phase_of(const sc_shutdown *sd) {
    SC_ASSERT(sd != NULL);
    return sd->st.phase;
}

bool sc_shutdown_finished(const sc_shutdown *sd) {
    SC_ASSERT(sd != NULL);
    return finished(sd->st.phase);
}

int sc_shutdown_exit_code(const sc_shutdown *sd) {
    SC_ASSERT(sd != NULL);
    SC_ASSERT(finished(sd->st.phase));
    if (sd->st.phase == SC_SHUTDOWN_DONE) {
        return SC_SHUTDOWN_EXIT_FLAT;
    }
    return sd->st.phase == SC_SHUTDOWN_FAILED ? SC_SHUTDOWN_EXIT_NOT_FLAT
                                              : SC_SHUTDOWN_EXIT_IMMEDIATE;
}

void sc_shutdown_status_get(const sc_shutdown *sd, sc_shutdown_status *out) {
    SC_ASSERT(sd != NULL && out != NULL);
    *out = sd->st;
}

int sc_shutdown_describe(const sc_shutdown *sd, char *buf, size_t cap) {
    SC_ASSERT(sd != NULL && buf != NULL && cap > 0);
    const sc_shutdown_status *s = &sd->st;
    sc_ns waited = s->phase != SC_SHUTDOWN_RUNNING && s->trail_n > 0
                       ? s->trail[s->trail_n - 1].ts_ns - s->requested_ns
                       : 0;
    const char *what = s->phase == SC_SHUTDOWN_DONE        ? "done: flat, verified"
                       : s->phase == SC_SHUTDOWN_FAILED    ? "FAILED: NOT FLAT"
                       : s->phase == SC_SHUTDOWN_IMMEDIATE ? "IMMEDIATE EXIT: flat NOT verified"
                                                           : sc_shutdown_phase_name(s->phase);
    return snprintf(buf, cap,
                    "shutdown (%s) %s, position %lld steps, %zu live order(s), after %llu "
                    "events, %lld ms",
                    sc_shutdown_reason_name(s->reason), what, (long long)s->position_steps,
                    s->live_orders, (unsigned long long)s->events,
                    (long long)(waited / SC_NS_PER_MS));
}

sc_err sc_shutdown_create(const sc_shutdown_config *cfg, sc_shutdown **out) {
    if (cfg == NULL || out == NULL || cfg->paper == NULL ||
        cfg->events_max > SC_SHUTDOWN_EVENTS_MAX || cfg->wait_ns_max < 0 ||
        cfg->wait_ns_max > SC_SHUTDOWN_WAIT_NS_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    sc_shutdown *sd = calloc(1, sizeof(*sd));
    if (sd == NULL) {
        return SC_ERR_NOMEM;
    }
    sd->cfg = *cfg;
    sd->cfg.events_max = cfg->events_max > 0 ? cfg->events_max : SC_SHUTDOWN_EVENTS_DEFAULT;
    sd->cfg.wait_ns_max = cfg->wait_ns_max > 0 ? cfg->wait_ns_max : SC_SHUTDOWN_WAIT_NS_DEFAULT;
    sd->st.phase = SC_SHUTDOWN_RUNNING;
    SC_ASSERT(sd->cfg.events_max >= 1 && sd->cfg.wait_ns_max >= 1);
    *out = sd;
    return SC_OK;
}

void sc_shutdown_destroy(sc_shutdown *sd) {
    free(sd);
}
