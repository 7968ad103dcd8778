/* libFuzzer target: advisor answers (ai/decision.h) on arbitrary bytes,
 * under three parameter sets (defaults, tight, loose). Checks, beyond "no
 * crash":
 *  - a refused answer is a skip with every number 0, no clamps, a filled
 *    expected text, and a reason text within ai.reason_len_max;
 *  - an accepted answer is within bounds: confidence 0..1 (an entry at
 *    least ai.min_confidence), an entry's size in (0, ai.size_fraction_max]
 *    and sl/tp within the strategy.sl_bps / tp_bps definitions, non-entries
 *    with size, sl and tp 0, ttl 1..ai.ttl_ms_max, the reason valid UTF-8
 *    without control characters, each clamp a real change;
 *  - the same bytes give the same answer twice;
 *  - through sc_decision_evaluate, an accepted answer is consistent with
 *    each position, and after the deadline every answer is late;
 *  - the request writer, given the bytes as a signal reason and a feature
 *    value, writes JSON that jansson reads back.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/decision.h"
#include "core/assert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool text_ok(const char *s) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; u[i] != 0;) {
        unsigned char c = u[i];
        SC_ASSERT(c >= 0x20 && c != 0x7F);
        size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        SC_ASSERT(c < 0x80 || (c >= 0xC2 && c <= 0xF4));
        SC_ASSERT(!(c == 0xC2 && u[i + 1] <= 0x9F));
        for (size_t k = 1; k < len; k++) {
            SC_ASSERT((u[i + k] & 0xC0) == 0x80);
        }
        i += len;
    }
    return true;
}

static void check_accepted(const sc_params *p, const sc_decision_answer *a,
                           const sc_decision_verdict *why) {
    const sc_param_def *sl = sc_param_def_of(SC_P_STRAT_SL_BPS);
    const sc_param_def *tp = sc_param_def_of(SC_P_STRAT_TP_BPS);
    SC_ASSERT(a->confidence >= 0.0 && a->confidence <= 1.0);
    SC_ASSERT(a->ttl_ms >= 1 && a->ttl_ms <= sc_params_get_int(p, SC_P_AI_TTL_MS_MAX));
    SC_ASSERT(why->advised == a->action);
    if (sc_decision_is_entry(a->action)) {
        SC_ASSERT(a->confidence >= sc_params_get(p, SC_P_AI_MIN_CONFIDENCE));
        SC_ASSERT(a->size_fraction > 0.0);
        SC_ASSERT(a->size_fraction <= sc_params_get(p, SC_P_AI_SIZE_FRACTION_MAX));
        SC_ASSERT(a->sl_bps >= sl->min && a->sl_bps <= sl->max);
        SC_ASSERT(a->tp_bps >= tp->min && a->tp_bps <= tp->max);
    } else {
        SC_ASSERT(a->action == SC_DECISION_EXIT || a->action == SC_DECISION_HOLD ||
                  a->action == SC_DECISION_SKIP);
        SC_ASSERT(a->size_fraction == 0.0 && a->sl_bps == 0.0 && a->tp_bps == 0.0);
    }
    SC_ASSERT(why->n_clamps <= SC_DECISION_CLAMPS_MAX);
    for (uint32_t i = 0; i < why->n_clamps; i++) {
        SC_ASSERT(why->clamps[i].advised != why->clamps[i].applied);
    }
}

static void check_one(const sc_params *p, const char *json, size_t len) {
    sc_decision_answer a;
    sc_decision_verdict why;
    sc_decision_reason r = sc_decision_answer_parse(json, len, p, &a, &why);
    SC_ASSERT(r == why.reason && (int)r >= 0 && (int)r < SC_DECISION_REASON_COUNT);
    SC_ASSERT(strlen(a.reason) <= (size_t)sc_params_get_int(p, SC_P_AI_REASON_LEN_MAX));
    SC_ASSERT(text_ok(a.reason));
    if (r == SC_DECISION_R_OK) {
        check_accepted(p, &a, &why);
    } else {
        SC_ASSERT(a.action == SC_DECISION_SKIP && a.ttl_ms == 0 && a.confidence == 0.0);
        SC_ASSERT(a.size_fraction == 0.0 && a.sl_bps == 0.0 && a.tp_bps == 0.0);
        SC_ASSERT(why.n_clamps == 0 && why.info.expected[0] != '\0');
    }
    char line[512];
    SC_ASSERT(strlen(sc_decision_verdict_format(&a, &why, line, sizeof(line))) < sizeof(line));

    sc_decision_answer a2;
    sc_decision_verdict why2;
    SC_ASSERT(sc_decision_answer_parse(json, len, p, &a2, &why2) == r);
    SC_ASSERT(a2.action == a.action && a2.ttl_ms == a.ttl_ms && a2.sl_bps == a.sl_bps);
    SC_ASSERT(strcmp(a2.reason, a.reason) == 0 && why2.n_clamps == why.n_clamps);

    for (int side = 0; side < 3; side++) {
        sc_decision_request req;
        sc_decision_request_init(&req, 1, INT64_C(1700000000000000000), p->version);
        req.position.side = (sc_decision_side)side;
        req.position.qty.steps = side == 0 ? 0 : 5;
        sc_ns deadline = sc_decision_deadline(&req, p);
        r = sc_decision_evaluate(&req, p, json, len, req.ts_ns, &a, &why);
        if (r == SC_DECISION_R_OK) {
            check_accepted(p, &a, &why);
            SC_ASSERT(side == 0 || !sc_decision_is_entry(a.action));
            SC_ASSERT(side != 0 || a.action != SC_DECISION_EXIT);
        }
        r = sc_decision_evaluate(&req, p, json, len, deadline + 1, &a, &why);
        SC_ASSERT(r == SC_DECISION_R_LATE && a.action == SC_DECISION_SKIP);
    }
}

static void check_writer(const uint8_t *data, size_t size) {
    sc_decision_request req;
    sc_decision_request_init(&req, 3, 5, 0);
    req.signal.n_reasons = 1;
    size_t n = size < SC_REASON_TEXT_MAX ? size : SC_REASON_TEXT_MAX;
    memcpy(req.signal.reasons[0].text, data, n); /* maybe unterminated, NULs inside */
    double v = 0.0;
    if (size >= sizeof(v)) {
        memcpy(&v, data, sizeof(v)); /* any bit pattern: NaN, inf, subnormal */
    }
    req.signal.score = v;
    SC_ASSERT(sc_decision_request_add_feature(&req, "x", v) == SC_OK);
    static char buf[SC_DECISION_REQUEST_JSON_MAX];
    size_t len = 0;
    SC_ASSERT(sc_decision_request_to_json(&req, buf, sizeof(buf), &len) == SC_OK);
    json_error_t err;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    SC_ASSERT(root != NULL);
    json_t *x = json_object_get(json_object_get(root, "features"), "x");
    SC_ASSERT(isfinite(v) ? json_number_value(x) == v : json_is_null(x));
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    sc_params p[3];
    sc_params_defaults(&p[0]);
    p[1] = p[0];
    p[1].v[SC_P_AI_SIZE_FRACTION_MAX] = 0.3;
    p[1].v[SC_P_AI_TTL_MS_MAX] = 100;
    p[1].v[SC_P_AI_REASON_LEN_MAX] = 16;
    p[1].v[SC_P_AI_MIN_CONFIDENCE] = 0.9;
    p[1].v[SC_P_AI_DEADLINE_MS] = 1;
    p[2] = p[0];
    p[2].v[SC_P_AI_SIZE_FRACTION_MAX] = 0.0;
    p[2].v[SC_P_AI_TTL_MS_MAX] = 60000;
    p[2].v[SC_P_AI_REASON_LEN_MAX] = 1000;
    p[2].v[SC_P_AI_MIN_CONFIDENCE] = 0.0;
    p[2].v[SC_P_AI_DEADLINE_MS] = 10000;
    for (int i = 0; i < 3; i++) {
        SC_ASSERT(sc_params_validate(&p[i], NULL) == SC_OK);
        check_one(&p[i], (const char *)data, size);
    }
    check_writer(data, size);
    return 0;
}
