/* decision_ref.h: the reference for sc_decision_answer_parse, for tests only.
 *
 * This is the answer parser's JSON reading as it was before the
 * hand-written reader: the jansson DOM parse and the schema read from it
 * (unknown keys, types, the fields), kept verbatim (only renamed). What
 * comes before and after the reading (the byte pre-scan, the bounds and
 * clamps) is ai/answer_rules.h, shared with the real parser, so the two
 * differ only in how they read JSON. Tests compare the new reader's
 * verdicts with it, field by field. It allocates (jansson) and is never
 * linked into src/.
 *
 * ref_check(json, len, params) runs both and fails the test, printing the
 * input, on any difference in the answer or the verdict. */
#ifndef SC_TESTS_AI_DECISION_REF_H
#define SC_TESTS_AI_DECISION_REF_H

#include "support/support.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/answer_rules.h"
#include "ai/decision.h"
#include "core/assert.h"
#include "core/rng.h"

static const char *const ref_k_action_names[SC_DECISION_ACTION_COUNT] = {
    "enter_long", "enter_short", "exit", "hold", "skip"};

static const char *const ref_k_field_names[SC_DECISION_FIELD_COUNT] = {
#define SC__DECISION_FIELD_NAME(name, key) key,
    SC_DECISION_FIELD_LIST(SC__DECISION_FIELD_NAME)
#undef SC__DECISION_FIELD_NAME
};

static size_t ref_utf8_seq_len(const unsigned char *s, size_t n) {
    SC_ASSERT(n > 0);
    unsigned char c = s[0];
    if (c < 0x80) {
        return 1;
    }
    size_t len = c >= 0xC2 && c <= 0xDF   ? 2
                 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4
                                          : 0;
    if (len == 0 || len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
        (c == 0xF4 && s[1] > 0x8F)) {
        return 0; /* overlong, surrogate, or past U+10FFFF */
    }
    return len;
}

/* ---- answer: before jansson ----------------------------------------------------------------- */

/* Maps a jansson load error to our reason. jansson gives a code for most
 * cases; two of its messages are told apart by text (integer vs real
 * overflow, an invalid \u escape), and anything unrecognised is not_json. */
static sc_decision_reason ref_load_failed(const json_error_t *e, bool saw_nonfinite,
                                          sc_decision_verdict *why) {
    char got[JSON_ERROR_TEXT_LENGTH + 32];
    snprintf(got, sizeof(got), "%s at byte %d", e->text, e->position);
    sc_decision_reason r = SC_DECISION_R_NOT_JSON;
    const char *expected = "one JSON object";
    switch (json_error_code(e)) {
    case json_error_invalid_utf8:
        r = SC_DECISION_R_INVALID_UTF8;
        expected = "UTF-8 text";
        break;
    case json_error_duplicate_key:
        r = SC_DECISION_R_DUPLICATE_KEY;
        expected = "each key once";
        break;
    case json_error_null_character:
    case json_error_null_byte_in_key:
        r = SC_DECISION_R_CONTROL_CHAR;
        expected = "no \\u0000 in strings";
        break;
    case json_error_numeric_overflow:
        r = strstr(e->text, "integer") != NULL ? SC_DECISION_R_OUT_OF_RANGE
                                               : SC_DECISION_R_NON_FINITE;
        expected = "numbers that fit a double and integers that fit int64";
        break;
    case json_error_stack_overflow:
        r = SC_DECISION_R_TOO_DEEP;
        break;
    case json_error_out_of_memory:
        r = SC_DECISION_R_NO_MEMORY;
        break;
    default:
        if (saw_nonfinite) {
            r = SC_DECISION_R_NON_FINITE;
            expected = "finite numbers (JSON has no NaN or Infinity)";
        } else if (strstr(e->text, "invalid Unicode") != NULL) {
            r = SC_DECISION_R_INVALID_UTF8;
            expected = "\\u escapes of Unicode scalar values";
        }
        break;
    }
    SC_ASSERT(r != SC_DECISION_R_OK);
    return sc_answer_fail(why, r, "answer", expected, got);
}

/* ---- answer: schema ------------------------------------------------------------------------- */

static const char *ref_json_type_name(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    }
    return "?";
}

static sc_decision_reason ref_check_unknown(json_t *obj, sc_decision_verdict *why) {
    SC_ASSERT(json_is_object(obj) && why->reason == SC_DECISION_R_OK);
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        bool known = false;
        for (int f = 0; f < SC_DECISION_FIELD_COUNT && !known; f++) {
            known = strcmp(key, ref_k_field_names[f]) == 0;
        }
        if (!known) {
            return sc_answer_fail(
                why, SC_DECISION_R_UNKNOWN_FIELD, key,
                "only action, confidence, size_fraction, sl_bps, tp_bps, ttl_ms, reason",
                ref_json_type_name(value));
        }
    }
    return SC_DECISION_R_OK;
}

static json_t *ref_field_of(json_t *obj, sc_decision_field f, sc_decision_verdict *why) {
    SC_ASSERT(json_is_object(obj));
    SC_ASSERT((int)f >= 0 && (int)f < SC_DECISION_FIELD_COUNT);
    json_t *v = json_object_get(obj, ref_k_field_names[f]);
    if (v == NULL) {
        (void)sc_answer_fail(why, SC_DECISION_R_MISSING_FIELD, ref_k_field_names[f],
                             "a required field", "nothing");
    }
    return v;
}

static sc_decision_reason ref_read_action(json_t *obj, sc_decision_action *out,
                                          sc_decision_verdict *why) {
    json_t *v = ref_field_of(obj, SC_DECISION_F_ACTION, why);
    if (v == NULL) {
        return why->reason;
    }
    const char *expected = "enter_long, enter_short, exit, hold or skip";
    if (!json_is_string(v)) {
        return sc_answer_fail(why, SC_DECISION_R_WRONG_TYPE, "action", expected,
                              ref_json_type_name(v));
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    for (int a = 0; a < SC_DECISION_ACTION_COUNT; a++) {
        if (n == strlen(ref_k_action_names[a]) && memcmp(s, ref_k_action_names[a], n) == 0) {
            *out = (sc_decision_action)a;
            SC_ASSERT(*out >= SC_DECISION_ENTER_LONG && *out <= SC_DECISION_SKIP);
            return SC_DECISION_R_OK;
        }
    }
    return sc_answer_fail(why, SC_DECISION_R_BAD_ENUM, "action", expected, s);
}

/* A number in [0, hi]. */
static sc_decision_reason ref_read_number(json_t *obj, sc_decision_field f, double hi, double *out,
                                          sc_decision_verdict *why) {
    json_t *v = ref_field_of(obj, f, why);
    if (v == NULL) {
        return why->reason;
    }
    SC_ASSERT(hi > 0.0 && hi <= SC_DECISION_BPS_SCHEMA_MAX);
    const char *name = ref_k_field_names[f];
    char expected[48];
    snprintf(expected, sizeof(expected), "a number 0..%.17g", hi);
    if (!json_is_number(v)) {
        return sc_answer_fail(why, SC_DECISION_R_WRONG_TYPE, name, expected, ref_json_type_name(v));
    }
    double x = json_number_value(v);
    if (!isfinite(x)) { /* jansson refuses these; kept in case it ever does not */
        return sc_answer_fail_num(why, SC_DECISION_R_NON_FINITE, name, expected, x);
    }
    if (!(x >= 0.0 && x <= hi)) {
        return sc_answer_fail_num(why, SC_DECISION_R_OUT_OF_RANGE, name, expected, x);
    }
    *out = x == 0.0 ? 0.0 : x; /* -0 becomes 0 */
    SC_ASSERT(*out >= 0.0 && *out <= hi);
    return SC_DECISION_R_OK;
}

static sc_decision_reason ref_read_ttl(json_t *obj, int64_t *out, sc_decision_verdict *why) {
    json_t *v = ref_field_of(obj, SC_DECISION_F_TTL_MS, why);
    if (v == NULL) {
        return why->reason;
    }
    char expected[64];
    snprintf(expected, sizeof(expected), "an integer 1..%d (no fraction or exponent)",
             SC_DECISION_TTL_MS_SCHEMA_MAX);
    if (!json_is_integer(v)) {
        return sc_answer_fail(why, SC_DECISION_R_WRONG_TYPE, "ttl_ms", expected,
                              ref_json_type_name(v));
    }
    json_int_t t = json_integer_value(v);
    if (t < 1 || t > SC_DECISION_TTL_MS_SCHEMA_MAX) {
        char got[24];
        snprintf(got, sizeof(got), "%" JSON_INTEGER_FORMAT, t);
        return sc_answer_fail(why, SC_DECISION_R_OUT_OF_RANGE, "ttl_ms", expected, got);
    }
    *out = (int64_t)t;
    SC_ASSERT(*out >= 1 && *out <= SC_DECISION_TTL_MS_SCHEMA_MAX);
    return SC_DECISION_R_OK;
}

/* Index of the first byte that is not valid UTF-8 or is a control
 * character (C0, DEL, or C1: U+0080..U+009F, which terminals obey as
 * escapes), or n when there is none. *bad_utf8 says which. */
static size_t ref_first_bad_char(const char *s, size_t n, bool *bad_utf8) {
    SC_ASSERT(s != NULL && bad_utf8 != NULL);
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = ref_utf8_seq_len(u + i, n - i);
        *bad_utf8 = len == 0;
        if (len == 0 || u[i] < 0x20 || u[i] == 0x7F || (u[i] == 0xC2 && u[i + 1] <= 0x9F)) {
            return i;
        }
        i += len;
    }
    *bad_utf8 = false;
    return n;
}

static sc_decision_reason ref_read_reason(json_t *obj, size_t len_max, char *out,
                                          sc_decision_verdict *why) {
    SC_ASSERT(len_max <= SC_DECISION_REASON_MAX);
    json_t *v = ref_field_of(obj, SC_DECISION_F_REASON, why);
    if (v == NULL) {
        return why->reason;
    }
    char expected[64];
    snprintf(expected, sizeof(expected), "a string of at most %zu bytes", len_max);
    if (!json_is_string(v)) {
        return sc_answer_fail(why, SC_DECISION_R_WRONG_TYPE, "reason", expected,
                              ref_json_type_name(v));
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    char got[48];
    if (n > len_max) {
        snprintf(got, sizeof(got), "%zu bytes", n);
        return sc_answer_fail(why, SC_DECISION_R_STRING_TOO_LONG, "reason", expected, got);
    }
    bool bad_utf8 = false;
    size_t at = ref_first_bad_char(s, n, &bad_utf8);
    if (at < n) {
        snprintf(got, sizeof(got), "byte 0x%02x at %zu", (unsigned)(unsigned char)s[at], at);
        return sc_answer_fail(why,
                              bad_utf8 ? SC_DECISION_R_INVALID_UTF8 : SC_DECISION_R_CONTROL_CHAR,
                              "reason", "text without control characters", got);
    }
    SC_ASSERT(n <= SC_DECISION_REASON_MAX);
    memcpy(out, s, n);
    out[n] = '\0';
    return SC_DECISION_R_OK;
}

static sc_decision_reason ref_read_fields(json_t *obj, const sc_params *active,
                                          sc_decision_answer *a, sc_decision_verdict *why) {
    sc_decision_reason r = ref_read_action(obj, &a->action, why);
    if (r == SC_DECISION_R_OK) {
        why->advised = a->action;
        r = ref_read_number(obj, SC_DECISION_F_CONFIDENCE, 1.0, &a->confidence, why);
    }
    if (r == SC_DECISION_R_OK) {
        r = ref_read_number(obj, SC_DECISION_F_SIZE_FRACTION, 1.0, &a->size_fraction, why);
    }
    if (r == SC_DECISION_R_OK) {
        r = ref_read_number(obj, SC_DECISION_F_SL_BPS, SC_DECISION_BPS_SCHEMA_MAX, &a->sl_bps, why);
    }
    if (r == SC_DECISION_R_OK) {
        r = ref_read_number(obj, SC_DECISION_F_TP_BPS, SC_DECISION_BPS_SCHEMA_MAX, &a->tp_bps, why);
    }
    if (r == SC_DECISION_R_OK) {
        r = ref_read_ttl(obj, &a->ttl_ms, why);
    }
    if (r == SC_DECISION_R_OK) {
        size_t len_max = (size_t)sc_params_get_int(active, SC_P_AI_REASON_LEN_MAX);
        r = ref_read_reason(obj, len_max, a->reason, why);
    }
    SC_ASSERT(r == why->reason);
    return r;
}

/* ---- answer: bounds ------------------------------------------------------------------------- */

/* ---- answer: the whole path ----------------------------------------------------------------- */

static sc_decision_reason ref_parse_object(const char *json, size_t len, const sc_params *active,
                                           sc_decision_answer *a, sc_decision_verdict *why) {
    SC_ASSERT(json != NULL && why->reason == SC_DECISION_R_OK);
    if (len > SC_DECISION_ANSWER_BYTES_MAX) {
        char got[32];
        char expected[32];
        snprintf(got, sizeof(got), "%zu bytes", len);
        snprintf(expected, sizeof(expected), "at most %d bytes", SC_DECISION_ANSWER_BYTES_MAX);
        return sc_answer_fail(why, SC_DECISION_R_TOO_LARGE, "answer", expected, got);
    }
    bool saw_nonfinite = false;
    if (sc_answer_prescan(json, len, &saw_nonfinite, why) != SC_DECISION_R_OK) {
        return why->reason;
    }
    json_error_t err;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (root == NULL) {
        return ref_load_failed(&err, saw_nonfinite, why);
    }
    sc_decision_reason r;
    if (!json_is_object(root)) {
        r = sc_answer_fail(why, SC_DECISION_R_WRONG_TYPE, "answer", "an object",
                           ref_json_type_name(root));
    } else {
        r = ref_check_unknown(root, why);
        if (r == SC_DECISION_R_OK) {
            r = ref_read_fields(root, active, a, why);
        }
    }
    json_decref(root);
    if (r == SC_DECISION_R_OK) {
        r = sc_answer_apply_bounds(active, a, why);
    }
    return r;
}

static sc_decision_reason ref_answer_parse(const char *json, size_t len, const sc_params *active,
                                           sc_decision_answer *out, sc_decision_verdict *why) {
    SC_ASSERT(active != NULL && out != NULL && why != NULL);
    SC_ASSERT(json != NULL || len == 0);
    SC_ASSERT(sc_params_validate(active, NULL) == SC_OK);
    sc_answer_verdict_init(why);
    sc_decision_answer a;
    memset(&a, 0, sizeof(a));
    sc_decision_reason r = ref_parse_object(json != NULL ? json : "", len, active, &a, why);
    SC_ASSERT(r == why->reason);
    *out = a;
    if (r != SC_DECISION_R_OK) {
        sc_answer_skip(out); /* the reason text stays when it was read */
        why->n_clamps = 0;
        return r;
    }
    SC_ASSERT(out->action >= SC_DECISION_ENTER_LONG && out->action <= SC_DECISION_SKIP);
    SC_ASSERT(out->confidence >= 0.0 && out->confidence <= 1.0);
    return r;
}

/* ---- comparison ----------------------------------------------------------------------------- */

/* Printable form of an input, for a failure message. */
static void ref_show(const char *json, size_t len) {
    print_error("input (%zu bytes): \"", len);
    for (size_t i = 0; i < len && i < 2000; i++) {
        unsigned char c = (unsigned char)json[i];
        if (c >= 0x20 && c < 0x7F && c != '\\' && c != '"') {
            print_error("%c", c);
        } else {
            print_error("\\x%02x", c);
        }
    }
    print_error("\"%s\n", len > 2000 ? "..." : "");
}

static bool ref_same_double(double a, double b) {
    return memcmp(&a, &b, sizeof(a)) == 0 || (isnan(a) && isnan(b));
}

/* True when the two outcomes agree in everything a caller can see. */
static bool ref_same(const sc_decision_answer *a, const sc_decision_verdict *wa,
                     const sc_decision_answer *b, const sc_decision_verdict *wb) {
    bool same = wa->reason == wb->reason && wa->advised == wb->advised &&
                strcmp(wa->info.field, wb->info.field) == 0 &&
                strcmp(wa->info.expected, wb->info.expected) == 0 &&
                strcmp(wa->info.got, wb->info.got) == 0 && wa->n_clamps == wb->n_clamps;
    for (uint32_t i = 0; same && i < wa->n_clamps; i++) {
        same = wa->clamps[i].field == wb->clamps[i].field &&
               ref_same_double(wa->clamps[i].advised, wb->clamps[i].advised) &&
               ref_same_double(wa->clamps[i].applied, wb->clamps[i].applied);
    }
    return same && a->action == b->action && ref_same_double(a->confidence, b->confidence) &&
           ref_same_double(a->size_fraction, b->size_fraction) &&
           ref_same_double(a->sl_bps, b->sl_bps) && ref_same_double(a->tp_bps, b->tp_bps) &&
           a->ttl_ms == b->ttl_ms && strcmp(a->reason, b->reason) == 0;
}

static void ref_print(const char *who, const sc_decision_answer *a, const sc_decision_verdict *w) {
    char line[600];
    print_error("%s: %s | field '%s' expected '%s' got '%s' | advised %d clamps %u\n", who,
                sc_decision_verdict_format(a, w, line, sizeof(line)), w->info.field,
                w->info.expected, w->info.got, (int)w->advised, (unsigned)w->n_clamps);
}

/* Runs the reader and the reference on one input; a difference fails the
 * test with the input and both outcomes printed. Returns the reason. */
static sc_decision_reason ref_check(const char *json, size_t len, const sc_params *p) {
    sc_decision_answer a;
    sc_decision_verdict wa;
    sc_decision_answer b;
    sc_decision_verdict wb;
    sc_decision_reason ra = sc_decision_answer_parse(json, len, p, &a, &wa);
    sc_decision_reason rb = ref_answer_parse(json, len, p, &b, &wb);
    if (ra != rb || !ref_same(&a, &wa, &b, &wb)) {
        ref_show(json, len);
        ref_print("reader   ", &a, &wa);
        ref_print("reference", &b, &wb);
        fail_msg("the reader and the jansson reference disagree");
    }
    return ra;
}

/* One seeded mutation of seed[0..len) into out (capacity cap); returns the
 * new length. Byte flips, truncations, deletions, and insertions of the
 * characters that change JSON structure most. */
static size_t ref_mutate(sc_rng *rng, const char *seed, size_t len, char *out, size_t cap) {
    static const char k_ins[] = "\"{}[]:,0123456789-.eE\\u \n\t\x80\xc3\xa9\xed\xf0tfnINa";
    SC_ASSERT(cap > len + 8);
    memcpy(out, seed, len);
    size_t n = len;
    uint64_t edits = 1 + sc_rng_below(rng, 3);
    for (uint64_t e = 0; e < edits; e++) {
        size_t at = n == 0 ? 0 : (size_t)sc_rng_below(rng, n + 1);
        switch (sc_rng_below(rng, 5)) {
        case 0: /* flip a byte */
            if (at < n) {
                out[at] = (char)(out[at] ^ (char)(1u << sc_rng_below(rng, 8)));
            }
            break;
        case 1: /* truncate */
            n = at;
            break;
        case 2: /* delete one byte */
            if (at < n) {
                memmove(out + at, out + at + 1, n - at - 1);
                n--;
            }
            break;
        default: /* insert a structural character */
            if (n + 1 < cap) {
                memmove(out + at + 1, out + at, n - at);
                out[at] = k_ins[sc_rng_below(rng, sizeof(k_ins) - 1)];
                n++;
            }
            break;
        }
    }
    return n;
}

/* count mutations of seed, each checked with ref_check. */
static void ref_check_mutations(uint64_t seed_value, const char *seed, size_t len, int count,
                                const sc_params *p) {
    enum { CAP = 8192 };
    static char buf[CAP];
    if (len + 16 > CAP) {
        return;
    }
    sc_rng rng;
    sc_rng_seed(&rng, seed_value);
    for (int i = 0; i < count; i++) {
        size_t n = ref_mutate(&rng, seed, len, buf, CAP);
        (void)ref_check(buf, n, p);
    }
}

#endif
