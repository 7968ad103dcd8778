/* answer_rules.c: see answer_rules.h. */
#include "ai/answer_rules.h"

#include <stdio.h>
#include <string.h>

#include "core/assert.h"

sc_decision_reason sc_answer_fail(sc_decision_verdict *why, sc_decision_reason r, const char *field,
                                  const char *expected, const char *got) {
    SC_ASSERT(r != SC_DECISION_R_OK);
    SC_ASSERT(why->reason == SC_DECISION_R_OK); /* the first failure is the one reported */
    why->reason = r;
    sc_errinfo_set(&why->info, field, expected, got, got != NULL ? strlen(got) : 0);
    return r;
}

sc_decision_reason sc_answer_fail_num(sc_decision_verdict *why, sc_decision_reason r,
                                      const char *field, const char *expected, double got) {
    char t[32];
    if (sc_decision_format_number(got, t, sizeof(t)) < 0) {
        snprintf(t, sizeof(t), "?");
    }
    return sc_answer_fail(why, r, field, expected, t);
}

void sc_answer_skip(sc_decision_answer *out) {
    SC_ASSERT(out != NULL);
    out->action = SC_DECISION_SKIP;
    out->confidence = 0.0;
    out->size_fraction = 0.0;
    out->sl_bps = 0.0;
    out->tp_bps = 0.0;
    out->ttl_ms = 0;
}

void sc_answer_verdict_init(sc_decision_verdict *why) {
    memset(why, 0, sizeof(*why));
    why->reason = SC_DECISION_R_OK;
    why->advised = SC_DECISION_SKIP;
}

static bool is_alpha(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* True when s[0..n) is NaN, Infinity or inf in any case: the words an
 * emitter writes for non-finite numbers. */
static bool nonfinite_word(const char *s, size_t n) {
    SC_ASSERT(s != NULL && n > 0);
    static const char *const words[] = {"nan", "infinity", "inf"};
    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
        size_t len = strlen(words[k]);
        bool same = len == n;
        for (size_t i = 0; same && i < n; i++) {
            same = (s[i] | 0x20) == words[k][i];
        }
        if (same) {
            return true;
        }
    }
    return false;
}

/* One pass over the bytes outside strings: refuses nesting past
 * SC_DECISION_DEPTH_MAX before the reader sees it (which bounds its
 * recursion), and notes a NaN/Infinity word so the syntax error it causes
 * gets its own reason. */
sc_decision_reason sc_answer_prescan(const char *s, size_t n, bool *saw_nonfinite,
                                     sc_decision_verdict *why) {
    SC_ASSERT(s != NULL && saw_nonfinite != NULL);
    SC_ASSERT(n <= SC_DECISION_ANSWER_BYTES_MAX); /* bounds the pass */
    uint32_t depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (in_str) {
            if (c == '\\') {
                i++; /* the escaped byte cannot end the string */
            } else if (c == '"') {
                in_str = false;
            }
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > SC_DECISION_DEPTH_MAX) {
                char got[48];
                char expected[32];
                snprintf(got, sizeof(got), "depth %u at byte %zu", (unsigned)depth, i);
                snprintf(expected, sizeof(expected), "nesting of at most %d",
                         SC_DECISION_DEPTH_MAX);
                return sc_answer_fail(why, SC_DECISION_R_TOO_DEEP, "answer", expected, got);
            }
        } else if (c == '}' || c == ']') {
            depth = depth > 0 ? depth - 1 : 0;
        } else if (is_alpha(c)) {
            size_t j = i;
            while (j < n && is_alpha((unsigned char)s[j])) {
                j++;
            }
            *saw_nonfinite = *saw_nonfinite || nonfinite_word(s + i, j - i);
            i = j - 1;
        }
    }
    return SC_DECISION_R_OK;
}

static void record_clamp(sc_decision_verdict *why, sc_decision_field f, double advised,
                         double applied) {
    SC_ASSERT(why->n_clamps < SC_DECISION_CLAMPS_MAX);
    SC_ASSERT(advised != applied);
    why->clamps[why->n_clamps++] = (sc_decision_clamp){f, advised, applied};
}

/* Clamps *v into the bounds of parameter id's definition. */
static void clamp_to_def(sc_decision_verdict *why, sc_decision_field f, sc_param_id id, double *v) {
    const sc_param_def *def = sc_param_def_of(id);
    SC_ASSERT(def->type == SC_PARAM_REAL && def->min > 0.0);
    double c = sc_param_clamp(def, *v);
    if (c != *v) {
        record_clamp(why, f, *v, c);
        *v = c;
    }
    SC_ASSERT(*v >= def->min && *v <= def->max);
}

static sc_decision_reason entry_rules(const sc_params *active, sc_decision_answer *a,
                                      sc_decision_verdict *why) {
    const char *positive = "a number above 0 for an entry";
    if (a->size_fraction <= 0.0) {
        return sc_answer_fail_num(why, SC_DECISION_R_OUT_OF_RANGE, "size_fraction", positive, 0.0);
    }
    if (a->sl_bps <= 0.0) {
        return sc_answer_fail_num(why, SC_DECISION_R_OUT_OF_RANGE, "sl_bps", positive, 0.0);
    }
    if (a->tp_bps <= 0.0) {
        return sc_answer_fail_num(why, SC_DECISION_R_OUT_OF_RANGE, "tp_bps", positive, 0.0);
    }
    double min_conf = sc_params_get(active, SC_P_AI_MIN_CONFIDENCE);
    if (a->confidence < min_conf) {
        char expected[64];
        snprintf(expected, sizeof(expected), "at least ai.min_confidence %.17g", min_conf);
        return sc_answer_fail_num(why, SC_DECISION_R_LOW_CONFIDENCE, "confidence", expected,
                                  a->confidence);
    }
    double size_max = sc_params_get(active, SC_P_AI_SIZE_FRACTION_MAX);
    if (a->size_fraction > size_max) {
        record_clamp(why, SC_DECISION_F_SIZE_FRACTION, a->size_fraction, size_max);
        a->size_fraction = size_max;
    }
    if (a->size_fraction <= 0.0) {
        return sc_answer_fail_num(why, SC_DECISION_R_SIZE_ZERO, "size_fraction",
                                  "above 0 after clamping to ai.size_fraction_max",
                                  a->size_fraction);
    }
    clamp_to_def(why, SC_DECISION_F_SL_BPS, SC_P_STRAT_SL_BPS, &a->sl_bps);
    clamp_to_def(why, SC_DECISION_F_TP_BPS, SC_P_STRAT_TP_BPS, &a->tp_bps);
    SC_ASSERT(a->size_fraction > 0.0 && a->size_fraction <= size_max);
    return SC_DECISION_R_OK;
}

sc_decision_reason sc_answer_apply_bounds(const sc_params *active, sc_decision_answer *a,
                                          sc_decision_verdict *why) {
    SC_ASSERT(why->reason == SC_DECISION_R_OK && why->n_clamps == 0);
    SC_ASSERT(a->action >= SC_DECISION_ENTER_LONG && a->action <= SC_DECISION_SKIP);
    if (sc_decision_is_entry(a->action)) {
        sc_decision_reason r = entry_rules(active, a, why);
        if (r != SC_DECISION_R_OK) {
            return r;
        }
    } else {
        /* Checked by the schema, not used: an exit must never fail for them. */
        a->size_fraction = 0.0;
        a->sl_bps = 0.0;
        a->tp_bps = 0.0;
    }
    int64_t ttl_max = sc_params_get_int(active, SC_P_AI_TTL_MS_MAX);
    if (a->ttl_ms > ttl_max) {
        record_clamp(why, SC_DECISION_F_TTL_MS, (double)a->ttl_ms, (double)ttl_max);
        a->ttl_ms = ttl_max;
    }
    SC_ASSERT(a->ttl_ms >= 1 && a->ttl_ms <= ttl_max);
    return SC_DECISION_R_OK;
}
