/* advisor.h: one interface for every advisor, and the driver that holds
 * them to their deadline.
 *
 * An advisor implementation (sc_advisor_vtable + its context) answers a
 * decision request with JSON text. It is either
 *   - synchronous: it answers inside ask (the rules advisor; later the model
 *     advisor); poll and cancel are NULL; or
 *   - asynchronous: ask starts the work (e.g. hands it to another thread)
 *     and returns SC_ADVISOR_PENDING; poll, called with the current event
 *     time, returns the answer once it is there; cancel abandons it.
 *
 * The driver (sc_advisor) is what the engine calls. It computes the
 * deadline (request time + ai.deadline_ms), passes every answer text
 * through sc_decision_evaluate (the one parse / validate / clamp /
 * position path), and turns the time cases into skips:
 *   - an answer seen by poll at an event time after the deadline: late;
 *   - still pending at an event time after the deadline: the driver calls
 *     cancel and reports abandoned;
 *   - an advisor that fails: advisor_failed.
 * An answer at exactly the deadline is on time. A synchronous answer
 * arrives at the request time. The driver reads no clock: time is what the
 * caller passes (the event time), so backtests reproduce exactly; the
 * engine must poll at least once after the deadline (e.g. on a timer event)
 * to learn of an abandoned request.
 *
 * Lifecycle: one request at a time. ask while a request is pending is a bug
 * (asserted); poll with nothing pending returns SC_ADVISOR_IDLE. The driver
 * keeps copies of the request and of the parameters given to ask, so the
 * answer is judged by the parameters the request was made under.
 *
 * Thread: one owner (the engine thread); an asynchronous implementation
 * does its own hand-off to other threads. Allocates: in create only.
 */
#ifndef SC_AI_ADVISOR_H
#define SC_AI_ADVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ai/decision.h"
#include "core/err.h"
#include "core/params.h"
#include "core/time.h"

/* What an implementation says. */
typedef enum {
    SC_ADVISOR_ANSWERED = 0, /* *reply holds the answer text */
    SC_ADVISOR_PENDING = 1,  /* asynchronous: not yet; poll again */
    SC_ADVISOR_FAILED = 2    /* no answer will come for this request */
} sc_advisor_status;

/* Answer text. It belongs to the implementation and must stay valid until
 * the next call into it; it need not be NUL-terminated. */
typedef struct {
    const char *json;
    size_t len;
} sc_advisor_reply;

typedef struct {
    const char *name; /* "rules", "model", "llm", ... */
    /* Starts answering req under the active parameters; the answer is due
     * by deadline_ns (event time). A synchronous advisor fills *reply and
     * returns ANSWERED (or FAILED); an asynchronous one may return PENDING. */
    sc_advisor_status (*ask)(void *ctx, const sc_decision_request *req, const sc_params *active,
                             sc_ns deadline_ns, sc_advisor_reply *reply);
    /* Asynchronous only (NULL otherwise): the answer to the pending
     * request, if it is there at event time now_ns. */
    sc_advisor_status (*poll)(void *ctx, sc_ns now_ns, sc_advisor_reply *reply);
    /* Asynchronous only (NULL otherwise): forget the pending request; any
     * answer that still comes for it is dropped by the implementation. */
    void (*cancel)(void *ctx);
} sc_advisor_vtable;

typedef struct {
    const sc_advisor_vtable *vt; /* required; ask and name required */
    void *ctx;                   /* the implementation's; not owned */
} sc_advisor_config;

/* What the driver says. */
typedef enum {
    SC_ADVISOR_DECIDED = 0, /* *out and *why hold the decision */
    SC_ADVISOR_WAITING = 1, /* pending: poll on later events */
    SC_ADVISOR_IDLE = 2     /* poll with nothing pending */
} sc_advisor_result;

typedef struct {
    uint64_t asked;
    uint64_t decided;
    uint64_t by_reason[SC_DECISION_REASON_COUNT]; /* decisions per verdict reason */
} sc_advisor_stats;

typedef struct sc_advisor sc_advisor;

/* SC_ERR_INVALID_ARG for a config without vt, name or ask, or with only one
 * of poll and cancel. */
sc_err sc_advisor_create(const sc_advisor_config *cfg, sc_advisor **out);
void sc_advisor_destroy(sc_advisor *a);

const char *sc_advisor_name(const sc_advisor *a);
bool sc_advisor_pending(const sc_advisor *a);
const sc_advisor_stats *sc_advisor_get_stats(const sc_advisor *a);

/* Asks for a decision on req (active->version must be req->params_version).
 * DECIDED: *out / *why filled. WAITING: they are untouched; poll later. */
sc_advisor_result sc_advisor_ask(sc_advisor *a, const sc_decision_request *req,
                                 const sc_params *active, sc_decision_answer *out,
                                 sc_decision_verdict *why);
/* On an event at now_ns: DECIDED with the answer (possibly late) or with
 * abandoned past the deadline; WAITING; IDLE when nothing is pending. */
sc_advisor_result sc_advisor_poll(sc_advisor *a, sc_ns now_ns, sc_decision_answer *out,
                                  sc_decision_verdict *why);
/* Drops the pending request, if any, with no decision (shutdown, kill
 * switch). */
void sc_advisor_cancel(sc_advisor *a);

#endif
