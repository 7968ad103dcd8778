/* advisor.c: the deadline driver around an advisor implementation.
 *
 * Every answer text, from any implementation, goes through
 * sc_decision_evaluate; the driver adds only the time rules and the
 * bookkeeping. It copies the request and the parameters at ask because an
 * asynchronous answer is judged later, when the caller's request and
 * parameters may already have changed.
 */
#include "ai/advisor.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

struct sc_advisor {
    const sc_advisor_vtable *vt;
    void *ctx;
    bool pending;
    sc_ns deadline_ns;       /* of the pending request */
    sc_decision_request req; /* copy of the pending request */
    sc_params params;        /* the parameters it was asked under */
    sc_advisor_stats stats;
};

sc_err sc_advisor_create(const sc_advisor_config *cfg, sc_advisor **out) {
    if (out == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg == NULL || cfg->vt == NULL || cfg->vt->name == NULL || cfg->vt->ask == NULL ||
        (cfg->vt->poll == NULL) != (cfg->vt->cancel == NULL)) {
        return SC_ERR_INVALID_ARG;
    }
    sc_advisor *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return SC_ERR_NOMEM;
    }
    a->vt = cfg->vt;
    a->ctx = cfg->ctx;
    a->pending = false;
    SC_ASSERT(a->stats.asked == 0);
    *out = a;
    return SC_OK;
}

void sc_advisor_destroy(sc_advisor *a) {
    if (a == NULL) {
        return;
    }
    if (a->pending) {
        a->vt->cancel(a->ctx); /* the implementation must drop a late answer */
    }
    free(a);
}

const char *sc_advisor_name(const sc_advisor *a) {
    SC_ASSERT(a != NULL && a->vt->name != NULL);
    return a->vt->name;
}

bool sc_advisor_pending(const sc_advisor *a) {
    SC_ASSERT(a != NULL);
    return a->pending;
}

const sc_advisor_stats *sc_advisor_get_stats(const sc_advisor *a) {
    SC_ASSERT(a != NULL);
    SC_ASSERT(a->stats.decided <= a->stats.asked);
    return &a->stats;
}

static sc_advisor_result decided(sc_advisor *a, const sc_decision_verdict *why) {
    SC_ASSERT((int)why->reason >= 0 && (int)why->reason < SC_DECISION_REASON_COUNT);
    a->stats.decided++;
    a->stats.by_reason[why->reason]++;
    SC_ASSERT(a->stats.decided <= a->stats.asked);
    return SC_ADVISOR_DECIDED;
}

static void failed(const sc_advisor *a, const sc_decision_request *req, sc_ns now_ns,
                   sc_decision_answer *out, sc_decision_verdict *why) {
    sc_decision_skip(SC_DECISION_R_ADVISOR_FAILED, "answer", "an answer", a->vt->name, out, why);
    why->request_id = req->request_id;
    why->latency_ns = now_ns - req->ts_ns;
}

sc_advisor_result sc_advisor_ask(sc_advisor *a, const sc_decision_request *req,
                                 const sc_params *active, sc_decision_answer *out,
                                 sc_decision_verdict *why) {
    SC_ASSERT(a != NULL && req != NULL && active != NULL && out != NULL && why != NULL);
    SC_ASSERT(!a->pending); /* one request at a time: poll it to a decision first */
    SC_ASSERT(req->params_version == active->version);
    a->stats.asked++;
    sc_ns deadline = sc_decision_deadline(req, active);
    sc_advisor_reply reply = {NULL, 0};
    sc_advisor_status st = a->vt->ask(a->ctx, req, active, deadline, &reply);
    switch (st) {
    case SC_ADVISOR_ANSWERED:
        SC_ASSERT(reply.json != NULL || reply.len == 0);
        /* A synchronous answer arrives at the request's own event time. */
        (void)sc_decision_evaluate(req, active, reply.json, reply.len, req->ts_ns, out, why);
        return decided(a, why);
    case SC_ADVISOR_PENDING:
        SC_ASSERT(a->vt->poll != NULL); /* a synchronous advisor must answer */
        a->pending = true;
        a->deadline_ns = deadline;
        a->req = *req;
        a->params = *active;
        return SC_ADVISOR_WAITING;
    case SC_ADVISOR_FAILED:
        break;
    }
    SC_ASSERT(st == SC_ADVISOR_FAILED);
    failed(a, req, req->ts_ns, out, why);
    return decided(a, why);
}

static void abandon(sc_advisor *a, sc_ns now_ns, sc_decision_answer *out,
                    sc_decision_verdict *why) {
    SC_ASSERT(a->pending && now_ns > a->deadline_ns);
    a->vt->cancel(a->ctx);
    a->pending = false;
    char expected[64];
    char got[64];
    snprintf(expected, sizeof(expected), "an answer within ai.deadline_ms %" PRId64 " ms",
             sc_params_get_int(&a->params, SC_P_AI_DEADLINE_MS));
    snprintf(got, sizeof(got), "none after %" PRId64 " ns", now_ns - a->req.ts_ns);
    sc_decision_skip(SC_DECISION_R_ABANDONED, "answer", expected, got, out, why);
    why->request_id = a->req.request_id;
    why->latency_ns = now_ns - a->req.ts_ns;
}

sc_advisor_result sc_advisor_poll(sc_advisor *a, sc_ns now_ns, sc_decision_answer *out,
                                  sc_decision_verdict *why) {
    SC_ASSERT(a != NULL && out != NULL && why != NULL);
    if (!a->pending) {
        return SC_ADVISOR_IDLE;
    }
    SC_ASSERT(a->vt->poll != NULL && a->vt->cancel != NULL);
    sc_advisor_reply reply = {NULL, 0};
    sc_advisor_status st = a->vt->poll(a->ctx, now_ns, &reply);
    switch (st) {
    case SC_ADVISOR_ANSWERED:
        SC_ASSERT(reply.json != NULL || reply.len == 0);
        a->pending = false;
        /* Seen at now_ns: after the deadline it is late, whatever it says. */
        (void)sc_decision_evaluate(&a->req, &a->params, reply.json, reply.len, now_ns, out, why);
        return decided(a, why);
    case SC_ADVISOR_PENDING:
        if (now_ns <= a->deadline_ns) {
            return SC_ADVISOR_WAITING;
        }
        abandon(a, now_ns, out, why);
        return decided(a, why);
    case SC_ADVISOR_FAILED:
        break;
    }
    SC_ASSERT(st == SC_ADVISOR_FAILED);
    a->pending = false;
    failed(a, &a->req, now_ns, out, why);
    return decided(a, why);
}

void sc_advisor_cancel(sc_advisor *a) {
    SC_ASSERT(a != NULL);
    if (!a->pending) {
        return;
    }
    SC_ASSERT(a->vt->cancel != NULL);
    a->vt->cancel(a->ctx);
    a->pending = false;
}
