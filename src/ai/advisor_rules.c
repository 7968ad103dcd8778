/* advisor_rules.c: the signal as a decision answer, written as JSON.
 *
 * Why write JSON only to parse it again: so the default advisor exercises
 * the validator on every decision, and a bug there shows in every backtest
 * rather than only when an LLM is switched on. The text is built from our
 * own names and numbers (ASCII, nothing to escape), with snprintf.
 */
#include "ai/advisor_rules.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "core/fixed.h"

struct sc_advisor_rules {
    char *buf; /* SC_ADVISOR_RULES_JSON_MAX bytes: the last answer */
};

/* Text of a distance in bps: dist / entry * 10^4, exact integer arithmetic
 * to 1e-6 bps, truncated toward zero, trailing zeros dropped. False when
 * the arithmetic overflows int64. */
static bool bps_text(int64_t dist_ticks, int64_t entry_ticks, char *buf, size_t cap) {
    SC_ASSERT(entry_ticks > 0 && cap >= SC_DEC_TEXT_MAX);
    int64_t scaled = 0;
    if (!sc_mul_i64(dist_ticks, INT64_C(10000000000), &scaled)) {
        return false;
    }
    int64_t micro_bps = scaled / entry_ticks; /* C division truncates toward zero */
    int n = sc_dec_format(micro_bps, 6, 6, buf, cap);
    SC_ASSERT(n > 0 && strchr(buf, '.') != NULL);
    while (n > 0 && buf[n - 1] == '0') {
        buf[--n] = '\0';
    }
    if (n > 0 && buf[n - 1] == '.') {
        buf[--n] = '\0';
    }
    SC_ASSERT(n > 0);
    return true;
}

static bool sub_i64(int64_t a, int64_t b, int64_t *out) {
    return b != INT64_MIN && sc_add_i64(a, -b, out);
}

/* Stop and target distances of an entry signal, signed: positive when on
 * the losing and winning side respectively. False when unusable. */
static bool entry_bps(const sc_signal *s, char *sl, char *tp, size_t cap) {
    int64_t entry = s->entry_px.ticks;
    if (entry <= 0) {
        return false;
    }
    int64_t sl_dist = 0;
    int64_t tp_dist = 0;
    bool ok;
    if (s->kind == SC_SIG_ENTER_LONG) {
        ok = sub_i64(entry, s->stop_px.ticks, &sl_dist) &&
             sub_i64(s->target_px.ticks, entry, &tp_dist);
    } else {
        SC_ASSERT(s->kind == SC_SIG_ENTER_SHORT);
        ok = sub_i64(s->stop_px.ticks, entry, &sl_dist) &&
             sub_i64(entry, s->target_px.ticks, &tp_dist);
    }
    return ok && bps_text(sl_dist, entry, sl, cap) && bps_text(tp_dist, entry, tp, cap);
}

/* Writes the answer object; the reason is cut to reason_max bytes. */
static size_t write_answer(char *buf, size_t cap, const char *action, const char *confidence,
                           const char *size, const char *sl, const char *tp, int64_t ttl_ms,
                           const char *reason, size_t reason_max) {
    size_t rlen = strlen(reason);
    for (size_t i = 0; i < rlen; i++) {
        SC_ASSERT(reason[i] >= 0x20 && reason[i] < 0x7f && reason[i] != '"' && reason[i] != '\\');
    }
    int rn = (int)(rlen < reason_max ? rlen : reason_max);
    int n = snprintf(buf, cap,
                     "{\"action\":\"%s\",\"confidence\":%s,\"size_fraction\":%s,\"sl_bps\":%s,"
                     "\"tp_bps\":%s,\"ttl_ms\":%" PRId64 ",\"reason\":\"%.*s\"}",
                     action, confidence, size, sl, tp, ttl_ms, rn, reason);
    SC_ASSERT(n > 0 && (size_t)n < cap);
    return (size_t)n;
}

static size_t answer_entry(const sc_decision_request *req, int64_t ttl_ms, size_t reason_max,
                           char *buf, size_t cap) {
    const sc_signal *s = &req->signal;
    const char *action = sc_signal_kind_name(s->kind);
    char sl[SC_DEC_TEXT_MAX];
    char tp[SC_DEC_TEXT_MAX];
    if (!entry_bps(s, sl, tp, sizeof(sl))) {
        return write_answer(buf, cap, "skip", "1", "0", "0", "0", ttl_ms,
                            "rules: entry price or distances unusable", reason_max);
    }
    char score[32];
    int sn = sc_decision_format_number(s->score, score, sizeof(score));
    SC_ASSERT(sn > 0);
    char reason[96];
    snprintf(reason, sizeof(reason), "rules: %s %s score %s", action,
             s->style == SC_ENTRY_TAKER ? "taker" : "maker", score);
    return write_answer(buf, cap, action, score, "1", sl, tp, ttl_ms, reason, reason_max);
}

size_t sc_advisor_rules_answer(const sc_decision_request *req, const sc_params *active, char *buf,
                               size_t cap) {
    SC_ASSERT(req != NULL && active != NULL && buf != NULL);
    SC_ASSERT(cap >= SC_ADVISOR_RULES_JSON_MAX);
    int64_t ttl_ms = sc_params_get_int(active, SC_P_AI_TTL_MS_MAX);
    size_t reason_max = (size_t)sc_params_get_int(active, SC_P_AI_REASON_LEN_MAX);
    SC_ASSERT(ttl_ms >= 1 && reason_max >= 1);
    bool flat = req->position.side == SC_DECISION_SIDE_FLAT;
    char reason[64];
    switch (req->signal.kind) {
    case SC_SIG_ENTER_LONG:
    case SC_SIG_ENTER_SHORT:
        return answer_entry(req, ttl_ms, reason_max, buf, cap);
    case SC_SIG_EXIT:
        snprintf(reason, sizeof(reason), "rules: exit %s",
                 sc_exit_reason_name(req->signal.exit_reason));
        return write_answer(buf, cap, "exit", "1", "0", "0", "0", ttl_ms, reason, reason_max);
    case SC_SIG_NONE:
        return write_answer(buf, cap, flat ? "skip" : "hold", "1", "0", "0", "0", ttl_ms,
                            "rules: no signal", reason_max);
    }
    SC_ASSERT(false); /* a signal kind outside the enum */
    return 0;
}

static sc_advisor_status rules_ask(void *ctx, const sc_decision_request *req,
                                   const sc_params *active, sc_ns deadline_ns,
                                   sc_advisor_reply *reply) {
    sc_advisor_rules *r = ctx;
    SC_ASSERT(r != NULL && r->buf != NULL && reply != NULL);
    SC_ASSERT(deadline_ns >= req->ts_ns); /* synchronous: always on time */
    reply->len = sc_advisor_rules_answer(req, active, r->buf, SC_ADVISOR_RULES_JSON_MAX);
    reply->json = r->buf;
    return SC_ADVISOR_ANSWERED;
}

static const sc_advisor_vtable k_rules_vtable = {"rules", rules_ask, NULL, NULL};

sc_err sc_advisor_rules_create(sc_advisor_rules **out) {
    if (out == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    *out = NULL;
    sc_advisor_rules *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return SC_ERR_NOMEM;
    }
    r->buf = calloc(1, SC_ADVISOR_RULES_JSON_MAX);
    if (r->buf == NULL) {
        free(r);
        return SC_ERR_NOMEM;
    }
    *out = r;
    return SC_OK;
}

void sc_advisor_rules_destroy(sc_advisor_rules *r) {
    if (r == NULL) {
        return;
    }
    free(r->buf);
    free(r);
}

sc_advisor_config sc_advisor_rules_config(sc_advisor_rules *r) {
    SC_ASSERT(r != NULL && r->buf != NULL);
    return (sc_advisor_config){&k_rules_vtable, r};
}
