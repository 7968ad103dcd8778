/* decision.c: request to JSON; answer from JSON through a strict schema
 * check and the parameter clamps.
 *
 * Why jansson here and not the decoder's own reader: answers are small and
 * rare (one per signal, not per market event), they come from programs we
 * do not control, and a well-tried DOM parser with duplicate-key rejection
 * and UTF-8 validation is the safer base. What jansson does not do, we do
 * before or after it: a size bound and a nesting pre-scan (jansson's own
 * depth limit is 2048 levels of recursion), recognising NaN and Infinity
 * words so they get their own reason, and the schema itself.
 *
 * Hazards handled on purpose: a 1 MB string (refused by size before any
 * parse), 10000 levels of nesting (refused by the pre-scan, no recursion),
 * integers that overflow int64 and reals that overflow a double (jansson
 * refuses them; we tell which), \u0000 and control characters in the reason
 * (it goes to logs and terminals), -0 (normalised to 0).
 */
#include "ai/decision.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

/* The parameter bounds must stay inside the schema ranges, or a clamped
 * value could fall outside what the schema promises. */
#define SC__DECISION_BOUNDS_CHECK(id, key, type, def, min, max, unit, help)                        \
    _Static_assert(SC_P_##id != SC_P_AI_REASON_LEN_MAX ||                                          \
                       (long long)(max) <= SC_DECISION_REASON_MAX,                                 \
                   key " above SC_DECISION_REASON_MAX");                                           \
    _Static_assert(SC_P_##id != SC_P_AI_TTL_MS_MAX ||                                              \
                       (long long)(max) <= SC_DECISION_TTL_MS_SCHEMA_MAX,                          \
                   key " above SC_DECISION_TTL_MS_SCHEMA_MAX");                                    \
    _Static_assert((SC_P_##id != SC_P_STRAT_SL_BPS && SC_P_##id != SC_P_STRAT_TP_BPS) ||           \
                       (long long)(max) <= SC_DECISION_BPS_SCHEMA_MAX,                             \
                   key " above SC_DECISION_BPS_SCHEMA_MAX");
SC_PARAM_LIST(SC__DECISION_BOUNDS_CHECK)
#undef SC__DECISION_BOUNDS_CHECK

_Static_assert(SC_DECISION_FIELD_COUNT == 7, "the answer schema has seven fields");
_Static_assert(SC_DECISION_ANSWER_BYTES_MAX > 6 * SC_DECISION_REASON_MAX + 512,
               "a valid answer with a fully escaped reason must fit");
_Static_assert(SC_DECISION_DEPTH_MAX >= 2, "a nested value must reach the type check");

static const char *const k_action_names[SC_DECISION_ACTION_COUNT] = {"enter_long", "enter_short",
                                                                     "exit", "hold", "skip"};

static const char *const k_field_names[SC_DECISION_FIELD_COUNT] = {
#define SC__DECISION_FIELD_NAME(name, key) key,
    SC_DECISION_FIELD_LIST(SC__DECISION_FIELD_NAME)
#undef SC__DECISION_FIELD_NAME
};

const char *sc_decision_action_name(sc_decision_action a) {
    if ((int)a < 0 || (int)a >= SC_DECISION_ACTION_COUNT) {
        return "?";
    }
    return k_action_names[a];
}

const char *sc_decision_reason_name(sc_decision_reason r) {
    switch (r) {
#define SC__DECISION_REASON_NAME(name, value, text, help)                                          \
    case SC_DECISION_R_##name:                                                                     \
        return text;
        SC_DECISION_REASON_LIST(SC__DECISION_REASON_NAME)
#undef SC__DECISION_REASON_NAME
    }
    return "?";
}

const char *sc_decision_reason_help(sc_decision_reason r) {
    switch (r) {
#define SC__DECISION_REASON_HELP(name, value, text, help)                                          \
    case SC_DECISION_R_##name:                                                                     \
        return help;
        SC_DECISION_REASON_LIST(SC__DECISION_REASON_HELP)
#undef SC__DECISION_REASON_HELP
    }
    return "?";
}

const char *sc_decision_field_name(sc_decision_field f) {
    if ((int)f < 0 || (int)f >= SC_DECISION_FIELD_COUNT) {
        return "?";
    }
    return k_field_names[f];
}

const char *sc_decision_side_name(sc_decision_side s) {
    switch (s) {
    case SC_DECISION_SIDE_FLAT:
        return "flat";
    case SC_DECISION_SIDE_LONG:
        return "long";
    case SC_DECISION_SIDE_SHORT:
        return "short";
    }
    return "?";
}

/* ---- UTF-8 ---------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one
 * (overlong forms, surrogates and code points past U+10FFFF are invalid). */
static size_t utf8_seq_len(const unsigned char *s, size_t n) {
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

/* ---- JSON writer ---------------------------------------------------------------------------- */

/* Appends into a fixed buffer; once full it stays full and writes nothing,
 * so callers check once at the end. The text is always NUL-terminated. */
typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    bool full;
    bool comma; /* a value was written at this level: the next one needs ',' */
} jw;

static void jw_raw(jw *w, const char *s, size_t n) {
    SC_ASSERT(w->cap > 0 && w->len < w->cap);
    if (w->full || n >= w->cap - w->len) {
        w->full = true;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void jw_sep(jw *w) {
    SC_ASSERT(w != NULL && w->len < w->cap);
    if (w->comma) {
        jw_raw(w, ",", 1);
    }
    w->comma = true;
}

static void jw_open(jw *w, char c) {
    SC_ASSERT(c == '{' || c == '[');
    jw_sep(w);
    jw_raw(w, &c, 1);
    w->comma = false;
}

static void jw_close(jw *w, char c) {
    SC_ASSERT(c == '}' || c == ']');
    jw_raw(w, &c, 1);
    w->comma = true;
}

/* A quoted string: '"', '\\' and control bytes escaped, invalid UTF-8
 * replaced by U+FFFD so the output is always valid JSON. */
static void jw_string(jw *w, const char *s, size_t n) {
    SC_ASSERT(w != NULL && (s != NULL || n == 0));
    const unsigned char *u = (const unsigned char *)s;
    jw_raw(w, "\"", 1);
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq_len(u + i, n - i);
        if (len == 0) {
            jw_raw(w, "\\ufffd", 6);
            i++;
        } else if (u[i] == '"' || u[i] == '\\') {
            char esc[2] = {'\\', (char)u[i]};
            jw_raw(w, esc, 2);
            i++;
        } else if (u[i] < 0x20 || u[i] == 0x7F) {
            char esc[8];
            int k = snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)u[i]);
            SC_ASSERT(k == 6);
            jw_raw(w, esc, 6);
            i++;
        } else {
            jw_raw(w, s + i, len);
            i += len;
        }
    }
    jw_raw(w, "\"", 1);
}

static void jw_key(jw *w, const char *key) {
    SC_ASSERT(key != NULL && w->len < w->cap);
    jw_sep(w);
    jw_string(w, key, strlen(key));
    jw_raw(w, ":", 1);
    w->comma = false;
}

static void jw_int(jw *w, const char *key, int64_t v) {
    char t[24];
    int n = snprintf(t, sizeof(t), "%" PRId64, v);
    SC_ASSERT(n > 0 && (size_t)n < sizeof(t));
    jw_key(w, key);
    jw_sep(w);
    jw_raw(w, t, (size_t)n);
}

static void jw_num(jw *w, const char *key, double v) {
    char t[32];
    int n = sc_decision_format_number(v, t, sizeof(t));
    SC_ASSERT(n > 0);
    jw_key(w, key);
    jw_sep(w);
    jw_raw(w, t, (size_t)n);
}

static void jw_str(jw *w, const char *key, const char *v) {
    jw_key(w, key);
    jw_sep(w);
    jw_string(w, v, strlen(v));
}

int sc_decision_format_number(double v, char *buf, size_t cap) {
    SC_ASSERT(buf != NULL && cap > 0);
    if (!isfinite(v)) {
        int n = snprintf(buf, cap, "null");
        return n > 0 && (size_t)n < cap ? n : -1;
    }
    if (v == 0.0) {
        v = 0.0; /* -0 is written as 0 */
    }
    /* %g drops trailing zeros, so the first precision that reads back is
     * also the shortest text; 17 digits always read back. */
    for (int prec = 15; prec <= 17; prec++) {
        int n = snprintf(buf, cap, "%.*g", prec, v);
        if (n <= 0 || (size_t)n >= cap) {
            return -1;
        }
        if (strtod(buf, NULL) == v) {
            return n;
        }
    }
    SC_ASSERT(false); /* unreachable: %.17g reads back exactly */
    return -1;
}

/* ---- request -------------------------------------------------------------------------------- */

void sc_decision_request_init(sc_decision_request *req, int64_t request_id, sc_ns ts_ns,
                              int64_t params_version) {
    SC_ASSERT(req != NULL && request_id >= 0);
    memset(req, 0, sizeof(*req));
    req->request_id = request_id;
    req->ts_ns = ts_ns;
    req->params_version = params_version;
    req->signal.params_version = params_version;
    SC_ASSERT(req->position.side == SC_DECISION_SIDE_FLAT && req->n_features == 0);
}

static bool feature_name_ok(const char *name, size_t cap) {
    SC_ASSERT(name != NULL && cap == SC_DECISION_FEATURE_NAME_MAX);
    size_t n = strnlen(name, cap);
    if (n == 0 || n >= cap) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) {
            return false;
        }
    }
    return true;
}

static bool feature_present(const sc_decision_request *req, uint32_t upto, const char *name) {
    SC_ASSERT(upto <= req->n_features && upto <= SC_DECISION_FEATURES_MAX);
    for (uint32_t i = 0; i < upto; i++) {
        if (strncmp(req->features[i].name, name, SC_DECISION_FEATURE_NAME_MAX) == 0) {
            return true;
        }
    }
    return false;
}

sc_err sc_decision_request_add_feature(sc_decision_request *req, const char *name, double value) {
    SC_ASSERT(req != NULL && req->n_features <= SC_DECISION_FEATURES_MAX);
    if (name == NULL || !feature_name_ok(name, SC_DECISION_FEATURE_NAME_MAX) ||
        feature_present(req, req->n_features, name)) {
        return SC_ERR_INVALID_ARG;
    }
    if (req->n_features == SC_DECISION_FEATURES_MAX) {
        return SC_ERR_FULL;
    }
    sc_decision_feature *f = &req->features[req->n_features];
    memset(f->name, 0, sizeof(f->name));
    memcpy(f->name, name, strlen(name));
    f->value = value;
    req->n_features++;
    return SC_OK;
}

static void write_signal(jw *w, const sc_signal *s) {
    SC_ASSERT(s->n_reasons <= SC_SIGNAL_REASONS_MAX);
    jw_key(w, "signal");
    jw_open(w, '{');
    jw_str(w, "kind", sc_signal_kind_name(s->kind));
    jw_int(w, "ts_ns", s->ts_ns);
    jw_num(w, "score", s->score);
    jw_str(w, "style", s->style == SC_ENTRY_TAKER ? "taker" : "maker");
    jw_int(w, "entry_px_ticks", s->entry_px.ticks);
    jw_int(w, "qty_steps", s->qty.steps);
    jw_int(w, "stop_px_ticks", s->stop_px.ticks);
    jw_int(w, "target_px_ticks", s->target_px.ticks);
    jw_int(w, "max_hold_ns", s->max_hold_ns);
    jw_str(w, "exit_reason", sc_exit_reason_name(s->exit_reason));
    jw_str(w, "regime", sc_regime_name(s->regime));
    jw_str(w, "htf_bias", sc_bias_name(s->htf_bias));
    jw_int(w, "params_version", s->params_version);
    jw_key(w, "reasons");
    jw_open(w, '[');
    for (uint32_t i = 0; i < s->n_reasons; i++) {
        const sc_reason *r = &s->reasons[i];
        jw_open(w, '{');
        jw_key(w, "text");
        jw_sep(w);
        jw_string(w, r->text, strnlen(r->text, sizeof(r->text)));
        jw_num(w, "contribution", r->contribution);
        jw_close(w, '}');
    }
    jw_close(w, ']');
    jw_close(w, '}');
}

static void write_position(jw *w, const sc_decision_position *p, const sc_decision_headroom *h) {
    SC_ASSERT(p != NULL && h != NULL);
    jw_key(w, "position");
    jw_open(w, '{');
    jw_str(w, "side", sc_decision_side_name(p->side));
    jw_int(w, "qty_steps", p->qty.steps);
    jw_int(w, "entry_px_ticks", p->entry_px.ticks);
    jw_int(w, "unrealized_pnl_e8", p->unrealized_pnl.e8);
    jw_close(w, '}');
    jw_key(w, "headroom");
    jw_open(w, '{');
    jw_int(w, "daily_loss_left_e8", h->daily_loss_left.e8);
    jw_int(w, "position_left_steps", h->position_left.steps);
    jw_close(w, '}');
}

static void assert_position(const sc_decision_position *p) {
    SC_ASSERT(p->side == SC_DECISION_SIDE_FLAT || p->side == SC_DECISION_SIDE_LONG ||
              p->side == SC_DECISION_SIDE_SHORT);
    SC_ASSERT(p->qty.steps >= 0);
    SC_ASSERT((p->side == SC_DECISION_SIDE_FLAT) == (p->qty.steps == 0));
}

sc_err sc_decision_request_to_json(const sc_decision_request *req, char *buf, size_t cap,
                                   size_t *len_out) {
    SC_ASSERT(req != NULL && buf != NULL && cap > 0 && len_out != NULL);
    SC_ASSERT(req->n_features <= SC_DECISION_FEATURES_MAX && req->request_id >= 0);
    assert_position(&req->position);
    *len_out = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < req->n_features; i++) {
        const char *name = req->features[i].name;
        if (!feature_name_ok(name, sizeof(req->features[i].name)) ||
            feature_present(req, i, name)) {
            return SC_ERR_INVALID_ARG;
        }
    }
    jw w = {buf, cap, 0, false, false};
    jw_open(&w, '{');
    jw_int(&w, "schema_version", SC_DECISION_SCHEMA_VERSION);
    jw_int(&w, "request_id", req->request_id);
    jw_int(&w, "ts_ns", req->ts_ns);
    jw_int(&w, "params_version", req->params_version);
    jw_str(&w, "regime", sc_regime_name(req->regime));
    write_signal(&w, &req->signal);
    write_position(&w, &req->position, &req->headroom);
    jw_key(&w, "features");
    jw_open(&w, '{');
    for (uint32_t i = 0; i < req->n_features; i++) {
        jw_num(&w, req->features[i].name, req->features[i].value);
    }
    jw_close(&w, '}');
    jw_close(&w, '}');
    if (w.full) {
        return SC_ERR_FULL;
    }
    SC_ASSERT(w.len < cap && buf[w.len] == '\0');
    *len_out = w.len;
    return SC_OK;
}

/* ---- answer: failures ----------------------------------------------------------------------- */

static sc_decision_reason fail(sc_decision_verdict *why, sc_decision_reason r, const char *field,
                               const char *expected, const char *got) {
    SC_ASSERT(r != SC_DECISION_R_OK);
    SC_ASSERT(why->reason == SC_DECISION_R_OK); /* the first failure is the one reported */
    why->reason = r;
    sc_errinfo_set(&why->info, field, expected, got, got != NULL ? strlen(got) : 0);
    return r;
}

static sc_decision_reason fail_num(sc_decision_verdict *why, sc_decision_reason r,
                                   const char *field, const char *expected, double got) {
    char t[32];
    if (sc_decision_format_number(got, t, sizeof(t)) < 0) {
        snprintf(t, sizeof(t), "?");
    }
    return fail(why, r, field, expected, t);
}

static void skip_answer(sc_decision_answer *out) {
    SC_ASSERT(out != NULL);
    out->action = SC_DECISION_SKIP;
    out->confidence = 0.0;
    out->size_fraction = 0.0;
    out->sl_bps = 0.0;
    out->tp_bps = 0.0;
    out->ttl_ms = 0;
}

static void verdict_init(sc_decision_verdict *why) {
    memset(why, 0, sizeof(*why));
    why->reason = SC_DECISION_R_OK;
    why->advised = SC_DECISION_SKIP;
}

void sc_decision_skip(sc_decision_reason reason, const char *field, const char *expected,
                      const char *got, sc_decision_answer *out, sc_decision_verdict *why) {
    SC_ASSERT(out != NULL && why != NULL);
    SC_ASSERT(reason != SC_DECISION_R_OK);
    verdict_init(why);
    (void)fail(why, reason, field, expected, got);
    memset(out, 0, sizeof(*out));
    skip_answer(out);
    SC_ASSERT(out->reason[0] == '\0' && why->n_clamps == 0);
}

/* ---- answer: before jansson ----------------------------------------------------------------- */

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
 * SC_DECISION_DEPTH_MAX before any recursive parser sees it, and notes a
 * NaN/Infinity word so the syntax error it causes gets its own reason. */
static sc_decision_reason prescan(const char *s, size_t n, bool *saw_nonfinite,
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
                return fail(why, SC_DECISION_R_TOO_DEEP, "answer", expected, got);
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

/* Maps a jansson load error to our reason. jansson gives a code for most
 * cases; two of its messages are told apart by text (integer vs real
 * overflow, an invalid \u escape), and anything unrecognised is not_json. */
static sc_decision_reason load_failed(const json_error_t *e, bool saw_nonfinite,
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
    return fail(why, r, "answer", expected, got);
}

/* ---- answer: schema ------------------------------------------------------------------------- */

static const char *json_type_name(const json_t *v) {
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

static sc_decision_reason check_unknown(json_t *obj, sc_decision_verdict *why) {
    SC_ASSERT(json_is_object(obj) && why->reason == SC_DECISION_R_OK);
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) {
        bool known = false;
        for (int f = 0; f < SC_DECISION_FIELD_COUNT && !known; f++) {
            known = strcmp(key, k_field_names[f]) == 0;
        }
        if (!known) {
            return fail(why, SC_DECISION_R_UNKNOWN_FIELD, key,
                        "only action, confidence, size_fraction, sl_bps, tp_bps, ttl_ms, reason",
                        json_type_name(value));
        }
    }
    return SC_DECISION_R_OK;
}

static json_t *field_of(json_t *obj, sc_decision_field f, sc_decision_verdict *why) {
    SC_ASSERT(json_is_object(obj));
    SC_ASSERT((int)f >= 0 && (int)f < SC_DECISION_FIELD_COUNT);
    json_t *v = json_object_get(obj, k_field_names[f]);
    if (v == NULL) {
        (void)fail(why, SC_DECISION_R_MISSING_FIELD, k_field_names[f], "a required field",
                   "nothing");
    }
    return v;
}

static sc_decision_reason read_action(json_t *obj, sc_decision_action *out,
                                      sc_decision_verdict *why) {
    json_t *v = field_of(obj, SC_DECISION_F_ACTION, why);
    if (v == NULL) {
        return why->reason;
    }
    const char *expected = "enter_long, enter_short, exit, hold or skip";
    if (!json_is_string(v)) {
        return fail(why, SC_DECISION_R_WRONG_TYPE, "action", expected, json_type_name(v));
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    for (int a = 0; a < SC_DECISION_ACTION_COUNT; a++) {
        if (n == strlen(k_action_names[a]) && memcmp(s, k_action_names[a], n) == 0) {
            *out = (sc_decision_action)a;
            SC_ASSERT(*out >= SC_DECISION_ENTER_LONG && *out <= SC_DECISION_SKIP);
            return SC_DECISION_R_OK;
        }
    }
    return fail(why, SC_DECISION_R_BAD_ENUM, "action", expected, s);
}

/* A number in [0, hi]. */
static sc_decision_reason read_number(json_t *obj, sc_decision_field f, double hi, double *out,
                                      sc_decision_verdict *why) {
    json_t *v = field_of(obj, f, why);
    if (v == NULL) {
        return why->reason;
    }
    SC_ASSERT(hi > 0.0 && hi <= SC_DECISION_BPS_SCHEMA_MAX);
    const char *name = k_field_names[f];
    char expected[48];
    snprintf(expected, sizeof(expected), "a number 0..%.17g", hi);
    if (!json_is_number(v)) {
        return fail(why, SC_DECISION_R_WRONG_TYPE, name, expected, json_type_name(v));
    }
    double x = json_number_value(v);
    if (!isfinite(x)) { /* jansson refuses these; kept in case it ever does not */
        return fail_num(why, SC_DECISION_R_NON_FINITE, name, expected, x);
    }
    if (!(x >= 0.0 && x <= hi)) {
        return fail_num(why, SC_DECISION_R_OUT_OF_RANGE, name, expected, x);
    }
    *out = x == 0.0 ? 0.0 : x; /* -0 becomes 0 */
    SC_ASSERT(*out >= 0.0 && *out <= hi);
    return SC_DECISION_R_OK;
}

static sc_decision_reason read_ttl(json_t *obj, int64_t *out, sc_decision_verdict *why) {
    json_t *v = field_of(obj, SC_DECISION_F_TTL_MS, why);
    if (v == NULL) {
        return why->reason;
    }
    char expected[64];
    snprintf(expected, sizeof(expected), "an integer 1..%d (no fraction or exponent)",
             SC_DECISION_TTL_MS_SCHEMA_MAX);
    if (!json_is_integer(v)) {
        return fail(why, SC_DECISION_R_WRONG_TYPE, "ttl_ms", expected, json_type_name(v));
    }
    json_int_t t = json_integer_value(v);
    if (t < 1 || t > SC_DECISION_TTL_MS_SCHEMA_MAX) {
        char got[24];
        snprintf(got, sizeof(got), "%" JSON_INTEGER_FORMAT, t);
        return fail(why, SC_DECISION_R_OUT_OF_RANGE, "ttl_ms", expected, got);
    }
    *out = (int64_t)t;
    SC_ASSERT(*out >= 1 && *out <= SC_DECISION_TTL_MS_SCHEMA_MAX);
    return SC_DECISION_R_OK;
}

/* Index of the first byte that is not valid UTF-8 or is a control
 * character (C0, DEL, or C1: U+0080..U+009F, which terminals obey as
 * escapes), or n when there is none. *bad_utf8 says which. */
static size_t first_bad_char(const char *s, size_t n, bool *bad_utf8) {
    SC_ASSERT(s != NULL && bad_utf8 != NULL);
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq_len(u + i, n - i);
        *bad_utf8 = len == 0;
        if (len == 0 || u[i] < 0x20 || u[i] == 0x7F || (u[i] == 0xC2 && u[i + 1] <= 0x9F)) {
            return i;
        }
        i += len;
    }
    *bad_utf8 = false;
    return n;
}

static sc_decision_reason read_reason(json_t *obj, size_t len_max, char *out,
                                      sc_decision_verdict *why) {
    SC_ASSERT(len_max <= SC_DECISION_REASON_MAX);
    json_t *v = field_of(obj, SC_DECISION_F_REASON, why);
    if (v == NULL) {
        return why->reason;
    }
    char expected[64];
    snprintf(expected, sizeof(expected), "a string of at most %zu bytes", len_max);
    if (!json_is_string(v)) {
        return fail(why, SC_DECISION_R_WRONG_TYPE, "reason", expected, json_type_name(v));
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    char got[48];
    if (n > len_max) {
        snprintf(got, sizeof(got), "%zu bytes", n);
        return fail(why, SC_DECISION_R_STRING_TOO_LONG, "reason", expected, got);
    }
    bool bad_utf8 = false;
    size_t at = first_bad_char(s, n, &bad_utf8);
    if (at < n) {
        snprintf(got, sizeof(got), "byte 0x%02x at %zu", (unsigned)(unsigned char)s[at], at);
        return fail(why, bad_utf8 ? SC_DECISION_R_INVALID_UTF8 : SC_DECISION_R_CONTROL_CHAR,
                    "reason", "text without control characters", got);
    }
    SC_ASSERT(n <= SC_DECISION_REASON_MAX);
    memcpy(out, s, n);
    out[n] = '\0';
    return SC_DECISION_R_OK;
}

static sc_decision_reason read_fields(json_t *obj, const sc_params *active, sc_decision_answer *a,
                                      sc_decision_verdict *why) {
    sc_decision_reason r = read_action(obj, &a->action, why);
    if (r == SC_DECISION_R_OK) {
        why->advised = a->action;
        r = read_number(obj, SC_DECISION_F_CONFIDENCE, 1.0, &a->confidence, why);
    }
    if (r == SC_DECISION_R_OK) {
        r = read_number(obj, SC_DECISION_F_SIZE_FRACTION, 1.0, &a->size_fraction, why);
    }
    if (r == SC_DECISION_R_OK) {
        r = read_number(obj, SC_DECISION_F_SL_BPS, SC_DECISION_BPS_SCHEMA_MAX, &a->sl_bps, why);
    }
    if (r == SC_DECISION_R_OK) {
        r = read_number(obj, SC_DECISION_F_TP_BPS, SC_DECISION_BPS_SCHEMA_MAX, &a->tp_bps, why);
    }
    if (r == SC_DECISION_R_OK) {
        r = read_ttl(obj, &a->ttl_ms, why);
    }
    if (r == SC_DECISION_R_OK) {
        size_t len_max = (size_t)sc_params_get_int(active, SC_P_AI_REASON_LEN_MAX);
        r = read_reason(obj, len_max, a->reason, why);
    }
    SC_ASSERT(r == why->reason);
    return r;
}

/* ---- answer: bounds ------------------------------------------------------------------------- */

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
        return fail_num(why, SC_DECISION_R_OUT_OF_RANGE, "size_fraction", positive, 0.0);
    }
    if (a->sl_bps <= 0.0) {
        return fail_num(why, SC_DECISION_R_OUT_OF_RANGE, "sl_bps", positive, 0.0);
    }
    if (a->tp_bps <= 0.0) {
        return fail_num(why, SC_DECISION_R_OUT_OF_RANGE, "tp_bps", positive, 0.0);
    }
    double min_conf = sc_params_get(active, SC_P_AI_MIN_CONFIDENCE);
    if (a->confidence < min_conf) {
        char expected[64];
        snprintf(expected, sizeof(expected), "at least ai.min_confidence %.17g", min_conf);
        return fail_num(why, SC_DECISION_R_LOW_CONFIDENCE, "confidence", expected, a->confidence);
    }
    double size_max = sc_params_get(active, SC_P_AI_SIZE_FRACTION_MAX);
    if (a->size_fraction > size_max) {
        record_clamp(why, SC_DECISION_F_SIZE_FRACTION, a->size_fraction, size_max);
        a->size_fraction = size_max;
    }
    if (a->size_fraction <= 0.0) {
        return fail_num(why, SC_DECISION_R_SIZE_ZERO, "size_fraction",
                        "above 0 after clamping to ai.size_fraction_max", a->size_fraction);
    }
    clamp_to_def(why, SC_DECISION_F_SL_BPS, SC_P_STRAT_SL_BPS, &a->sl_bps);
    clamp_to_def(why, SC_DECISION_F_TP_BPS, SC_P_STRAT_TP_BPS, &a->tp_bps);
    SC_ASSERT(a->size_fraction > 0.0 && a->size_fraction <= size_max);
    return SC_DECISION_R_OK;
}

static sc_decision_reason apply_bounds(const sc_params *active, sc_decision_answer *a,
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

/* ---- answer: the whole path ----------------------------------------------------------------- */

static sc_decision_reason parse_object(const char *json, size_t len, const sc_params *active,
                                       sc_decision_answer *a, sc_decision_verdict *why) {
    SC_ASSERT(json != NULL && why->reason == SC_DECISION_R_OK);
    if (len > SC_DECISION_ANSWER_BYTES_MAX) {
        char got[32];
        char expected[32];
        snprintf(got, sizeof(got), "%zu bytes", len);
        snprintf(expected, sizeof(expected), "at most %d bytes", SC_DECISION_ANSWER_BYTES_MAX);
        return fail(why, SC_DECISION_R_TOO_LARGE, "answer", expected, got);
    }
    bool saw_nonfinite = false;
    if (prescan(json, len, &saw_nonfinite, why) != SC_DECISION_R_OK) {
        return why->reason;
    }
    json_error_t err;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (root == NULL) {
        return load_failed(&err, saw_nonfinite, why);
    }
    sc_decision_reason r;
    if (!json_is_object(root)) {
        r = fail(why, SC_DECISION_R_WRONG_TYPE, "answer", "an object", json_type_name(root));
    } else {
        r = check_unknown(root, why);
        if (r == SC_DECISION_R_OK) {
            r = read_fields(root, active, a, why);
        }
    }
    json_decref(root);
    if (r == SC_DECISION_R_OK) {
        r = apply_bounds(active, a, why);
    }
    return r;
}

sc_decision_reason sc_decision_answer_parse(const char *json, size_t len, const sc_params *active,
                                            sc_decision_answer *out, sc_decision_verdict *why) {
    SC_ASSERT(active != NULL && out != NULL && why != NULL);
    SC_ASSERT(json != NULL || len == 0);
    SC_ASSERT(sc_params_validate(active, NULL) == SC_OK);
    verdict_init(why);
    sc_decision_answer a;
    memset(&a, 0, sizeof(a));
    sc_decision_reason r = parse_object(json != NULL ? json : "", len, active, &a, why);
    SC_ASSERT(r == why->reason);
    *out = a;
    if (r != SC_DECISION_R_OK) {
        skip_answer(out); /* the reason text stays when it was read */
        why->n_clamps = 0;
        return r;
    }
    SC_ASSERT(out->action >= SC_DECISION_ENTER_LONG && out->action <= SC_DECISION_SKIP);
    SC_ASSERT(out->confidence >= 0.0 && out->confidence <= 1.0);
    return r;
}

sc_decision_reason sc_decision_check_position(const sc_decision_position *pos,
                                              sc_decision_answer *out, sc_decision_verdict *why) {
    SC_ASSERT(pos != NULL && out != NULL && why != NULL);
    assert_position(pos);
    if (why->reason != SC_DECISION_R_OK) {
        SC_ASSERT(out->action == SC_DECISION_SKIP);
        return why->reason;
    }
    const char *expected = NULL;
    switch (out->action) {
    case SC_DECISION_ENTER_LONG:
        expected = pos->side == SC_DECISION_SIDE_FLAT ? NULL : "enter_long only when flat";
        break;
    case SC_DECISION_ENTER_SHORT:
        expected = pos->side == SC_DECISION_SIDE_FLAT ? NULL : "enter_short only when flat";
        break;
    case SC_DECISION_EXIT:
        expected = pos->side != SC_DECISION_SIDE_FLAT ? NULL : "exit only with a position";
        break;
    case SC_DECISION_HOLD:
    case SC_DECISION_SKIP:
        break;
    }
    if (expected == NULL) {
        return SC_DECISION_R_OK;
    }
    char got[48];
    snprintf(got, sizeof(got), "%s while %s", sc_decision_action_name(out->action),
             sc_decision_side_name(pos->side));
    why->n_clamps = 0;
    skip_answer(out);
    return fail(why, SC_DECISION_R_INCONSISTENT, "action", expected, got);
}

sc_decision_reason sc_decision_check_signal(const sc_signal *sig, sc_decision_answer *out,
                                            sc_decision_verdict *why) {
    SC_ASSERT(sig != NULL && out != NULL && why != NULL);
    if (why->reason != SC_DECISION_R_OK) {
        SC_ASSERT(out->action == SC_DECISION_SKIP);
        return why->reason;
    }
    sc_signal_kind want;
    if (out->action == SC_DECISION_ENTER_LONG) {
        want = SC_SIG_ENTER_LONG;
    } else if (out->action == SC_DECISION_ENTER_SHORT) {
        want = SC_SIG_ENTER_SHORT;
    } else {
        return SC_DECISION_R_OK; /* exit, hold, skip: the advisor may always de-risk */
    }
    if (sig->kind == want) {
        return SC_DECISION_R_OK;
    }
    char got[64];
    snprintf(got, sizeof(got), "%s with a %s signal", sc_decision_action_name(out->action),
             sc_signal_kind_name(sig->kind));
    why->n_clamps = 0;
    skip_answer(out);
    return fail(why, SC_DECISION_R_AGAINST_SIGNAL, "action",
                "an entry the strategy signalled (an advisor confirms, resizes or refuses it)",
                got);
}

/* Saturated: an event time near the end of int64 is not a real time, but
 * must not overflow. */
sc_ns sc_decision_deadline(const sc_decision_request *req, const sc_params *active) {
    int64_t ms = sc_params_get_int(active, SC_P_AI_DEADLINE_MS);
    SC_ASSERT(ms >= 1);
    int64_t d = 0;
    if (!sc_add_i64(req->ts_ns, ms * SC_NS_PER_MS, &d)) {
        d = INT64_MAX;
    }
    return d;
}

sc_decision_reason sc_decision_evaluate(const sc_decision_request *req, const sc_params *active,
                                        const char *json, size_t len, sc_ns arrived_ns,
                                        sc_decision_answer *out, sc_decision_verdict *why) {
    SC_ASSERT(req != NULL && active != NULL && out != NULL && why != NULL);
    sc_ns deadline = sc_decision_deadline(req, active);
    sc_decision_reason r;
    if (arrived_ns > deadline) {
        char got[64];
        char expected[64];
        snprintf(expected, sizeof(expected), "an answer within ai.deadline_ms %" PRId64 " ms",
                 sc_params_get_int(active, SC_P_AI_DEADLINE_MS));
        snprintf(got, sizeof(got), "one after %" PRId64 " ns", arrived_ns - req->ts_ns);
        sc_decision_skip(SC_DECISION_R_LATE, "answer", expected, got, out, why);
        r = SC_DECISION_R_LATE;
    } else {
        (void)sc_decision_answer_parse(json, len, active, out, why);
        r = sc_decision_check_position(&req->position, out, why);
        r = sc_decision_check_signal(&req->signal, out, why);
    }
    why->request_id = req->request_id;
    why->latency_ns = arrived_ns - req->ts_ns;
    SC_ASSERT(r == why->reason);
    SC_ASSERT(r == SC_DECISION_R_OK || out->action == SC_DECISION_SKIP);
    return r;
}

const char *sc_decision_verdict_format(const sc_decision_answer *ans,
                                       const sc_decision_verdict *why, char *buf, size_t cap) {
    SC_ASSERT(ans != NULL && why != NULL && buf != NULL && cap > 0);
    int n = snprintf(buf, cap, "%s %s", sc_decision_action_name(ans->action),
                     sc_decision_reason_name(why->reason));
    if (why->reason != SC_DECISION_R_OK && n >= 0 && (size_t)n < cap) {
        n += snprintf(buf + n, cap - (size_t)n, ": %s: expected %s, got '%s'", why->info.field,
                      why->info.expected, why->info.got);
    }
    for (uint32_t i = 0; i < why->n_clamps && n >= 0 && (size_t)n < cap; i++) {
        char a[32];
        char b[32];
        (void)sc_decision_format_number(why->clamps[i].advised, a, sizeof(a));
        (void)sc_decision_format_number(why->clamps[i].applied, b, sizeof(b));
        n += snprintf(buf + n, cap - (size_t)n, "%s %s %s -> %s", i == 0 ? "; clamped" : ",",
                      sc_decision_field_name(why->clamps[i].field), a, b);
    }
    return buf;
}
