/* decision.c: request to JSON; answer from JSON through a strict schema
 * check and the parameter clamps.
 *
 * The answer reader is our own, bounded and allocation-free: it runs on the
 * engine thread, which never allocates after start, once per decision. It
 * reproduces jansson 2.14 (the reader here before) exactly, down to its
 * error texts and byte positions; see "answer: the reader" below. Around it:
 * a size bound and a nesting pre-scan, recognising NaN and Infinity words so
 * they get their own reason, and the schema itself.
 *
 * Hazards handled on purpose: a 1 MB string (refused by size before any
 * parse), 10000 levels of nesting (refused by the pre-scan; the reader's
 * recursion is bounded by it), integers that overflow int64 and reals that
 * overflow a double (refused; we tell which), \u0000 and control characters
 * in the reason (it goes to logs and terminals), -0 (normalised to 0).
 */
#include "ai/decision.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/answer_rules.h"
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

void sc_decision_skip(sc_decision_reason reason, const char *field, const char *expected,
                      const char *got, sc_decision_answer *out, sc_decision_verdict *why) {
    SC_ASSERT(out != NULL && why != NULL);
    SC_ASSERT(reason != SC_DECISION_R_OK);
    sc_answer_verdict_init(why);
    (void)sc_answer_fail(why, reason, field, expected, got);
    memset(out, 0, sizeof(*out));
    sc_answer_skip(out);
    SC_ASSERT(out->reason[0] == '\0' && why->n_clamps == 0);
}

/* ---- answer: before the reader -------------------------------------------------------------- */

/* ---- answer: the reader --------------------------------------------------------------------- */

/* Why a hand-written reader: the engine thread must not allocate after
 * start, and a decision has a budget of a few microseconds, so the DOM
 * parser used before (jansson) had to go. The reader follows jansson 2.14's
 * lexer and parser step by step: the same tokens, the same first error, the
 * same error text and byte position, because those texts are what the
 * decision log has always recorded. tests/ai/test_decision_parse_oracle.c
 * compares the two on every input it can make. Nothing is built: strings
 * stay in the input and are decoded on demand, and only the top-level
 * object's fields are kept. Where jansson has no limit the reader has one,
 * and there it is stricter (too_large): see the enum below. */

enum {
    /* Keys remembered per object for the duplicate-key check. An answer has
     * 7; an object with more is refused rather than left unchecked. */
    SC__DECISION_KEYS_MAX = 16,
    /* Longest real number literal converted: strtod needs a terminated
     * copy. The longest sensible one ("0.1234567890123456789e-300") is far
     * shorter; a longer one is refused. */
    SC__DECISION_NUMBER_TEXT_MAX = 512,
    /* Token bytes quoted in an error text: jansson quotes at most 20. */
    SC__DECISION_SAVED_SHOWN_MAX = 20,
    /* jansson's JSON_ERROR_TEXT_LENGTH: its texts keep 158 characters. */
    SC__DECISION_ERROR_TEXT_MAX = 160,
    /* Decoded key bytes kept for unknown_field: sc_errinfo.field is 64. */
    SC__DECISION_KEY_SHOWN_MAX = 64,
    /* Decoded action bytes kept for bad_enum: sc_errinfo.got is 160. */
    SC__DECISION_ENUM_SHOWN_MAX = 160
};
_Static_assert((int)SC__DECISION_KEYS_MAX > (int)SC_DECISION_FIELD_COUNT,
               "an unknown or duplicate key past the seventh keeps its own reason");
_Static_assert((int)SC__DECISION_KEY_SHOWN_MAX >= (int)sizeof(((sc_errinfo *)0)->field),
               "a kept key prefix must be cut where sc_errinfo cuts it");
_Static_assert((int)SC__DECISION_ENUM_SHOWN_MAX >= (int)SC_ERRINFO_TEXT_MAX,
               "a kept action prefix must be cut where sc_errinfo cuts it");

/* Stream states and tokens, with jansson's values. */
enum { RD_OK = 0, RD_EOF = -1, RD_ERROR = -2 };
enum {
    TOK_INVALID = -1,
    TOK_EOF = 0,
    TOK_STRING = 256,
    TOK_INTEGER = 257,
    TOK_REAL = 258,
    TOK_TRUE = 259,
    TOK_FALSE = 260,
    TOK_NULL = 261
};

/* The jansson error codes that lead to different reasons, and our limits. */
typedef enum {
    RE_NONE = 0,
    RE_SYNTAX,
    RE_PREMATURE,
    RE_EOF_EXPECTED,
    RE_UTF8,
    RE_DUPLICATE,
    RE_NUL,
    RE_OVERFLOW,
    RE_DEEP,
    RE_KEYS,
    RE_NUMBER_LONG
} rd_code;

typedef enum {
    JT_OBJECT,
    JT_ARRAY,
    JT_STRING,
    JT_INTEGER,
    JT_REAL,
    JT_TRUE,
    JT_FALSE,
    JT_NULL
} jtype;

/* A string literal in the input, quotes excluded, escapes checked. */
typedef struct {
    size_t start;
    size_t raw_len;
    size_t dec_len; /* bytes once decoded */
    bool has_nul;   /* a \u0000 escape */
} rd_str;

typedef struct {
    jtype type;
    int64_t i; /* JT_INTEGER */
    double d;  /* JT_REAL */
    rd_str s;  /* JT_STRING */
} rd_val;

/* What the checks after parsing need of the top-level object. */
typedef struct {
    bool present[SC_DECISION_FIELD_COUNT];
    rd_val val[SC_DECISION_FIELD_COUNT];
    bool unknown; /* the first unknown key, in document order */
    jtype unknown_type;
    char unknown_key[SC__DECISION_KEY_SHOWN_MAX + 1];
} rd_top;

/* jansson's stream_t and lex_t, without the heap: the token text is kept
 * only as far as an error message shows it, the rest by length. */
typedef struct {
    const unsigned char *s;
    size_t n;
    size_t in_pos;   /* next input byte */
    char buf[5];     /* one character, as jansson buffers it (plain char, as there) */
    size_t buf_pos;  /* next byte of buf to return */
    size_t buf_base; /* input index of buf[0] */
    int state;
    size_t position; /* jansson's stream position: bytes returned, minus ungot */
    size_t last_idx; /* input index of the byte last returned */
    char saved[SC__DECISION_SAVED_SHOWN_MAX];
    size_t saved_len;
    size_t tok_start; /* input index of the token's first byte */
    int token;
    rd_str str;
    int64_t ival;
    double dval;
    rd_code code; /* the first error only, as in jansson */
    size_t err_pos;
    char text[SC__DECISION_ERROR_TEXT_MAX];
} rd;

static const char *jtype_name(jtype t) {
    switch (t) {
    case JT_OBJECT:
        return "an object";
    case JT_ARRAY:
        return "an array";
    case JT_STRING:
        return "a string";
    case JT_INTEGER:
        return "an integer";
    case JT_REAL:
        return "a real number";
    case JT_TRUE:
        return "true";
    case JT_FALSE:
        return "false";
    case JT_NULL:
        return "null";
    }
    return "?";
}

/* jansson's error_set: the message gets the token text as context when
 * there is one of at most 20 bytes, "near end of file" when there is none
 * (unless the stream itself failed), and only the first error is kept. */
static void rd_error(rd *r, rd_code code, const char *msg) {
    SC_ASSERT(code != RE_NONE && msg != NULL);
    if (r->code != RE_NONE) {
        return;
    }
    size_t cap = sizeof(r->text) - 1; /* jansson keeps one byte for the code */
    if (r->saved_len > 0 && r->saved[0] != '\0') {
        if (r->saved_len <= SC__DECISION_SAVED_SHOWN_MAX) {
            snprintf(r->text, cap, "%s near '%.*s'", msg, (int)r->saved_len, r->saved);
        } else {
            snprintf(r->text, cap, "%s", msg);
        }
    } else {
        code = code == RE_SYNTAX ? RE_PREMATURE : code;
        snprintf(r->text, cap, r->state == RD_ERROR ? "%s" : "%s near end of file", msg);
    }
    r->code = code;
    r->err_pos = r->position;
    SC_ASSERT(r->text[0] != '\0');
}

/* jansson's utf8_check_first: the length a lead byte announces, 0 if none. */
static size_t utf8_lead_len(int c) {
    SC_ASSERT(c >= 0 && c <= 0xFF);
    return c < 0x80                 ? 1
           : c >= 0xC2 && c <= 0xDF ? 2
           : c >= 0xE0 && c <= 0xEF ? 3
           : c >= 0xF0 && c <= 0xF4 ? 4
                                    : 0;
}

/* Reads the rest of a multi-byte character into buf, as jansson does: it
 * takes the announced count of bytes even when they are wrong (the end of
 * input reads as 0xFF). */
static bool rd_fill_utf8(rd *r, int c) {
    size_t count = utf8_lead_len(c);
    if (count == 0) {
        return false;
    }
    SC_ASSERT(count >= 2 && count < sizeof(r->buf));
    for (size_t i = 1; i < count; i++) {
        r->buf[i] = r->in_pos < r->n ? (char)r->s[r->in_pos++] : (char)-1;
    }
    if (utf8_seq_len((const unsigned char *)r->buf, count) != count) {
        return false;
    }
    r->buf[count] = '\0';
    return true;
}

/* jansson's stream_get. A NUL byte that is ungot is lost (the next get reads
 * past it), exactly as there. */
static int rd_get(rd *r) {
    if (r->state != RD_OK) {
        return r->state;
    }
    if (r->buf[r->buf_pos] == '\0') {
        if (r->in_pos >= r->n) {
            r->state = RD_EOF;
            return RD_EOF;
        }
        r->buf_base = r->in_pos;
        int c = r->s[r->in_pos++];
        r->buf[0] = (char)c;
        r->buf[1] = '\0';
        r->buf_pos = 0;
        if (c >= 0x80 && !rd_fill_utf8(r, c)) {
            char msg[40];
            snprintf(msg, sizeof(msg), "unable to decode byte 0x%x", (unsigned)c);
            r->state = RD_ERROR;
            rd_error(r, RE_UTF8, msg);
            return RD_ERROR;
        }
    }
    int c = r->buf[r->buf_pos++];
    r->last_idx = r->buf_base + r->buf_pos - 1;
    r->position++;
    SC_ASSERT(r->last_idx < r->n && r->position <= r->n);
    return c;
}

static void rd_unget(rd *r, int c) {
    if (c == RD_EOF || c == RD_ERROR) {
        return;
    }
    SC_ASSERT(r->buf_pos > 0 && r->position > 0);
    r->position--;
    r->buf_pos--;
    SC_ASSERT(r->buf[r->buf_pos] == (char)c);
}

static void rd_save(rd *r, int c) {
    SC_ASSERT(c != RD_EOF && c != RD_ERROR);
    if (r->saved_len < SC__DECISION_SAVED_SHOWN_MAX) {
        r->saved[r->saved_len] = (char)c;
    }
    r->saved_len++;
}

static int rd_get_save(rd *r) {
    int c = rd_get(r);
    if (c != RD_EOF && c != RD_ERROR) {
        rd_save(r, c);
    }
    return c;
}

static void rd_unget_unsave(rd *r, int c) {
    if (c != RD_EOF && c != RD_ERROR) {
        rd_unget(r, c);
        SC_ASSERT(r->saved_len > 0);
        r->saved_len--;
    }
}

static bool rd_is_alpha(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool rd_is_digit(int c) {
    return c >= '0' && c <= '9';
}

static bool rd_is_xdigit(int c) {
    return rd_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static uint32_t rd_hex4(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        SC_ASSERT(rd_is_xdigit(c)); /* the lexer checked */
        v = v * 16 + (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

static size_t utf8_cp_len(uint32_t cp) {
    SC_ASSERT(cp <= 0x10FFFF);
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

static void rd_bad_unicode(rd *r, uint32_t hi, uint32_t lo, bool pair) {
    char msg[48];
    if (pair) {
        snprintf(msg, sizeof(msg), "invalid Unicode '\\u%04X\\u%04X'", (unsigned)hi, (unsigned)lo);
    } else {
        snprintf(msg, sizeof(msg), "invalid Unicode '\\u%04X'", (unsigned)hi);
    }
    rd_error(r, RE_SYNTAX, msg);
}

/* The second half of jansson's lex_scan_string: checks the \u escapes of
 * s[start..end) (surrogates must pair) and measures the decoded text. */
static bool rd_check_string(rd *r, size_t start, size_t end) {
    SC_ASSERT(start <= end && end <= r->n);
    const unsigned char *s = r->s;
    rd_str out = {start, end - start, 0, false};
    for (size_t p = start; p < end;) {
        if (s[p] != '\\' || s[p + 1] != 'u') {
            size_t step = s[p] == '\\' ? 2 : 1;
            out.dec_len++;
            p += step;
            continue;
        }
        uint32_t cp = rd_hex4(s + p + 2);
        p += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!(p < end && s[p] == '\\' && s[p + 1] == 'u')) {
                rd_bad_unicode(r, cp, 0, false);
                return false;
            }
            uint32_t lo = rd_hex4(s + p + 2);
            p += 6;
            if (lo < 0xDC00 || lo > 0xDFFF) {
                rd_bad_unicode(r, cp, lo, true);
                return false;
            }
            cp = ((cp - 0xD800) << 10) + (lo - 0xDC00) + 0x10000;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            rd_bad_unicode(r, cp, 0, false);
            return false;
        }
        out.dec_len += utf8_cp_len(cp);
        out.has_nul = out.has_nul || cp == 0;
    }
    r->str = out;
    return true;
}

static void rd_escape_error(rd *r) {
    rd_error(r, RE_SYNTAX, "invalid escape");
}

/* rd_get_save for a run of plain ASCII string bytes (no quote, backslash or
 * control byte) read straight from the input: the same effect, without a
 * call per byte. Takes nothing when a buffered byte comes first. */
static void rd_take_plain(rd *r) {
    size_t i = r->in_pos;
    while (i < r->n && r->s[i] >= 0x20 && r->s[i] < 0x80 && r->s[i] != '"' && r->s[i] != '\\') {
        i++;
    }
    if (i == r->in_pos || r->buf[r->buf_pos] != '\0') {
        return;
    }
    for (size_t k = r->in_pos;
         k < i && r->saved_len + (k - r->in_pos) < SC__DECISION_SAVED_SHOWN_MAX; k++) {
        r->saved[r->saved_len + (k - r->in_pos)] = (char)r->s[k];
    }
    r->saved_len += i - r->in_pos;
    r->position += i - r->in_pos;
    r->buf[0] = (char)r->s[i - 1];
    r->buf[1] = '\0';
    r->buf_pos = 1;
    r->buf_base = i - 1;
    r->last_idx = i - 1;
    r->in_pos = i;
    SC_ASSERT(r->position <= r->n && r->last_idx < r->n);
}

/* jansson's lex_scan_string, first half: the token ends at '"'. */
static void rd_scan_string(rd *r) {
    r->token = TOK_INVALID;
    size_t start = r->last_idx + 1;
    rd_take_plain(r);
    int c = rd_get_save(r);
    while (c != '"') {
        if (c == RD_ERROR) {
            return;
        }
        if (c == RD_EOF) {
            rd_error(r, RE_PREMATURE, "premature end of input");
            return;
        }
        if (c >= 0 && c <= 0x1F) {
            char msg[32];
            rd_unget_unsave(r, c);
            snprintf(msg, sizeof(msg), "control character 0x%x", (unsigned)c);
            rd_error(r, RE_SYNTAX, c == '\n' ? "unexpected newline" : msg);
            return;
        }
        if (c == '\\') {
            c = rd_get_save(r);
            if (c == 'u') {
                c = rd_get_save(r);
                for (int i = 0; i < 4; i++) {
                    if (!rd_is_xdigit(c)) {
                        rd_escape_error(r);
                        return;
                    }
                    c = rd_get_save(r);
                }
                continue;
            }
            if (c != '"' && c != '\\' && c != '/' && c != 'b' && c != 'f' && c != 'n' && c != 'r' &&
                c != 't') {
                rd_escape_error(r);
                return;
            }
        }
        rd_take_plain(r);
        c = rd_get_save(r);
    }
    if (rd_check_string(r, start, r->last_idx)) {
        r->token = TOK_STRING;
    }
}

/* strtoll's result on "-?[0-9]+", false where it says ERANGE. */
static bool rd_int(const unsigned char *p, size_t n, int64_t *out) {
    SC_ASSERT(n > 0 && n <= SC_DECISION_ANSWER_BYTES_MAX);
    bool neg = p[0] == '-';
    int64_t v = 0; /* accumulated negative: INT64_MIN has no positive twin */
    for (size_t i = neg ? 1 : 0; i < n; i++) {
        int d = p[i] - '0';
        SC_ASSERT(d >= 0 && d <= 9);
        if (v < INT64_MIN / 10 || (v == INT64_MIN / 10 && d > -(INT64_MIN % 10))) {
            return false;
        }
        v = v * 10 - d;
    }
    if (!neg && v == INT64_MIN) {
        return false;
    }
    *out = neg ? v : -v;
    return true;
}

static int rd_number_int(rd *r) {
    bool neg = r->s[r->tok_start] == '-';
    if (!rd_int(r->s + r->tok_start, r->saved_len, &r->ival)) {
        rd_error(r, RE_OVERFLOW, neg ? "too big negative integer" : "too big integer");
        return -1;
    }
    r->token = TOK_INTEGER;
    return 0;
}

static int rd_number_real(rd *r) {
    if (r->saved_len > SC__DECISION_NUMBER_TEXT_MAX) {
        char msg[64];
        snprintf(msg, sizeof(msg), "a number of %zu bytes", r->saved_len);
        rd_error(r, RE_NUMBER_LONG, msg);
        return -1;
    }
    char t[SC__DECISION_NUMBER_TEXT_MAX + 1];
    memcpy(t, r->s + r->tok_start, r->saved_len);
    t[r->saved_len] = '\0';
    char *end = NULL;
    double v = strtod(t, &end);
    SC_ASSERT(end == t + r->saved_len);
    if (isinf(v)) { /* the text has no "inf": this is overflow */
        rd_error(r, RE_OVERFLOW, "real number overflow");
        return -1;
    }
    r->dval = v;
    r->token = TOK_REAL;
    return 0;
}

/* jansson's lex_scan_number, c being the first byte (already saved). */
static int rd_scan_number(rd *r, int c) {
    r->token = TOK_INVALID;
    if (c == '-') {
        c = rd_get_save(r);
    }
    if (c == '0') {
        c = rd_get_save(r);
        if (rd_is_digit(c)) {
            rd_unget_unsave(r, c);
            return -1;
        }
    } else if (rd_is_digit(c)) {
        do {
            c = rd_get_save(r);
        } while (rd_is_digit(c));
    } else {
        rd_unget_unsave(r, c);
        return -1;
    }
    if (c != '.' && c != 'E' && c != 'e') {
        rd_unget_unsave(r, c);
        return rd_number_int(r);
    }
    if (c == '.') {
        c = rd_get(r);
        if (!rd_is_digit(c)) {
            rd_unget(r, c);
            return -1;
        }
        rd_save(r, c);
        do {
            c = rd_get_save(r);
        } while (rd_is_digit(c));
    }
    if (c == 'E' || c == 'e') {
        c = rd_get_save(r);
        if (c == '+' || c == '-') {
            c = rd_get_save(r);
        }
        if (!rd_is_digit(c)) {
            rd_unget_unsave(r, c);
            return -1;
        }
        do {
            c = rd_get_save(r);
        } while (rd_is_digit(c));
    }
    rd_unget_unsave(r, c);
    return rd_number_real(r);
}

static bool rd_saved_is(const rd *r, const char *word) {
    size_t n = strlen(word);
    return r->saved_len == n && memcmp(r->saved, word, n) == 0;
}

/* jansson's lex_scan. */
static int rd_scan(rd *r) {
    r->saved_len = 0;
    int c;
    do {
        c = rd_get(r);
    } while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    if (c == RD_EOF || c == RD_ERROR) {
        r->token = c == RD_EOF ? TOK_EOF : TOK_INVALID;
        return r->token;
    }
    rd_save(r, c);
    r->tok_start = r->last_idx;
    if (c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',') {
        r->token = c;
    } else if (c == '"') {
        rd_scan_string(r);
    } else if (rd_is_digit(c) || c == '-') {
        (void)rd_scan_number(r, c); /* sets the token either way */
    } else if (rd_is_alpha(c)) {
        do { /* the whole word, for a clearer error */
            c = rd_get_save(r);
        } while (c >= 0 && rd_is_alpha(c));
        rd_unget_unsave(r, c);
        r->token = rd_saved_is(r, "true")    ? TOK_TRUE
                   : rd_saved_is(r, "false") ? TOK_FALSE
                   : rd_saved_is(r, "null")  ? TOK_NULL
                                             : TOK_INVALID;
    } else {
        while (r->buf[r->buf_pos] != '\0') { /* the rest of the character */
            rd_save(r, r->buf[r->buf_pos]);
            r->buf_pos++;
            r->position++;
        }
        r->token = TOK_INVALID;
    }
    return r->token;
}

/* ---- answer: decoded strings ---------------------------------------------------------------- */

/* Decodes a checked literal one byte at a time, so that keys and values are
 * compared and copied without a buffer for the whole string. */
typedef struct {
    const unsigned char *p;
    const unsigned char *end;
    unsigned char pend[4]; /* the UTF-8 bytes of a \u escape not yet returned */
    size_t npend;
    size_t ipend;
} rd_dec;

static rd_dec rd_dec_of(const rd *r, const rd_str *s) {
    SC_ASSERT(s->start + s->raw_len <= r->n);
    rd_dec d = {r->s + s->start, r->s + s->start + s->raw_len, {0}, 0, 0};
    return d;
}

static size_t utf8_put(uint32_t cp, unsigned char *out) {
    size_t n = utf8_cp_len(cp);
    static const unsigned char lead[5] = {0, 0, 0xC0, 0xE0, 0xF0};
    for (size_t i = n - 1; i > 0; i--) {
        out[i] = (unsigned char)(0x80 | (cp & 0x3F));
        cp >>= 6;
    }
    out[0] = (unsigned char)(n == 1 ? cp : (lead[n] | cp));
    return n;
}

/* The next decoded byte, or -1 at the end. */
static int rd_dec_next(rd_dec *d) {
    if (d->ipend < d->npend) {
        return d->pend[d->ipend++];
    }
    if (d->p >= d->end) {
        return -1;
    }
    unsigned char c = *d->p++;
    if (c != '\\') {
        return c;
    }
    c = *d->p++;
    static const char from[] = "bfnrt";
    static const char to[] = "\b\f\n\r\t";
    const char *k = c != 'u' ? strchr(from, c) : NULL;
    if (c != 'u') {
        return k != NULL && *k != '\0' ? to[k - from] : c; /* " \ / stand for themselves */
    }
    uint32_t cp = rd_hex4(d->p);
    d->p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) { /* paired: rd_check_string made sure */
        SC_ASSERT(d->p + 6 <= d->end && d->p[0] == '\\' && d->p[1] == 'u');
        cp = ((cp - 0xD800) << 10) + (rd_hex4(d->p + 2) - 0xDC00) + 0x10000;
        d->p += 6;
    }
    d->npend = utf8_put(cp, d->pend);
    d->ipend = 1;
    return d->pend[0];
}

static bool rd_str_equal(const rd *r, const rd_str *a, const rd_str *b) {
    if (a->dec_len != b->dec_len) {
        return false;
    }
    if (a->raw_len == a->dec_len && b->raw_len == b->dec_len) { /* no escapes in either */
        return memcmp(r->s + a->start, r->s + b->start, a->raw_len) == 0;
    }
    rd_dec da = rd_dec_of(r, a);
    rd_dec db = rd_dec_of(r, b);
    for (size_t i = 0; i < a->dec_len; i++) {
        if (rd_dec_next(&da) != rd_dec_next(&db)) {
            return false;
        }
    }
    return true;
}

static bool rd_str_is(const rd *r, const rd_str *a, const char *word) {
    size_t n = strlen(word);
    if (a->dec_len != n) {
        return false;
    }
    if (a->raw_len == n) { /* no escapes */
        return memcmp(r->s + a->start, word, n) == 0;
    }
    rd_dec d = rd_dec_of(r, a);
    for (size_t i = 0; i < n; i++) {
        if (rd_dec_next(&d) != (unsigned char)word[i]) {
            return false;
        }
    }
    return true;
}

/* Decodes at most cap - 1 bytes into out, NUL-terminated; returns the count. */
static size_t rd_str_copy(const rd *r, const rd_str *a, char *out, size_t cap) {
    SC_ASSERT(cap > 0);
    if (a->raw_len == a->dec_len) { /* no escapes */
        size_t k = a->raw_len < cap - 1 ? a->raw_len : cap - 1;
        memcpy(out, r->s + a->start, k);
        out[k] = '\0';
        return k;
    }
    rd_dec d = rd_dec_of(r, a);
    size_t n = 0;
    int c;
    while (n + 1 < cap && (c = rd_dec_next(&d)) >= 0) {
        out[n++] = (char)c;
    }
    out[n] = '\0';
    SC_ASSERT(n <= a->dec_len);
    return n;
}

/* ---- answer: the parser --------------------------------------------------------------------- */

static bool rd_value(rd *r, uint32_t depth, rd_top *top, rd_val *v);

static void rd_top_record(const rd *r, rd_top *top, const rd_str *key, const rd_val *v) {
    for (int f = 0; f < SC_DECISION_FIELD_COUNT; f++) {
        if (rd_str_is(r, key, k_field_names[f])) {
            SC_ASSERT(!top->present[f]); /* duplicates were refused */
            top->present[f] = true;
            top->val[f] = *v;
            return;
        }
    }
    if (!top->unknown) {
        top->unknown = true;
        top->unknown_type = v->type;
        (void)rd_str_copy(r, key, top->unknown_key, sizeof(top->unknown_key));
    }
}

/* A key, ':' and a value, as in jansson's parse_object. */
static bool rd_member(rd *r, uint32_t depth, rd_top *top, rd_str *keys, size_t *n_keys) {
    if (r->token != TOK_STRING) {
        rd_error(r, RE_SYNTAX, "string or '}' expected");
        return false;
    }
    rd_str key = r->str;
    if (key.has_nul) {
        rd_error(r, RE_NUL, "NUL byte in object key not supported");
        return false;
    }
    for (size_t i = 0; i < *n_keys; i++) {
        if (rd_str_equal(r, &keys[i], &key)) {
            rd_error(r, RE_DUPLICATE, "duplicate object key");
            return false;
        }
    }
    if (*n_keys == SC__DECISION_KEYS_MAX) {
        char msg[48];
        snprintf(msg, sizeof(msg), "key %d of one object", SC__DECISION_KEYS_MAX + 1);
        rd_error(r, RE_KEYS, msg);
        return false;
    }
    keys[(*n_keys)++] = key;
    if (rd_scan(r) != ':') {
        rd_error(r, RE_SYNTAX, "':' expected");
        return false;
    }
    (void)rd_scan(r);
    rd_val v;
    if (!rd_value(r, depth + 1, NULL, &v)) {
        return false;
    }
    if (top != NULL) {
        rd_top_record(r, top, &key, &v);
    }
    return true;
}

static bool rd_object(rd *r, uint32_t depth, rd_top *top) {
    SC_ASSERT(depth >= 1 && depth <= SC_DECISION_DEPTH_MAX);
    rd_str keys[SC__DECISION_KEYS_MAX];
    size_t n_keys = 0;
    if (rd_scan(r) == '}') {
        return true;
    }
    for (;;) {
        if (!rd_member(r, depth, top, keys, &n_keys)) {
            return false;
        }
        if (rd_scan(r) != ',') {
            break;
        }
        (void)rd_scan(r);
    }
    if (r->token != '}') {
        rd_error(r, RE_SYNTAX, "'}' expected");
        return false;
    }
    SC_ASSERT(n_keys >= 1 && n_keys <= SC__DECISION_KEYS_MAX);
    return true;
}

static bool rd_array(rd *r, uint32_t depth) {
    SC_ASSERT(depth >= 1 && depth <= SC_DECISION_DEPTH_MAX);
    if (rd_scan(r) == ']') {
        return true;
    }
    while (r->token != TOK_EOF) {
        rd_val v;
        if (!rd_value(r, depth + 1, NULL, &v)) {
            return false;
        }
        if (rd_scan(r) != ',') {
            break;
        }
        (void)rd_scan(r);
    }
    if (r->token != ']') {
        rd_error(r, RE_SYNTAX, "']' expected");
        return false;
    }
    return true;
}

/* jansson's parse_value. The recursion is bounded: a container deeper than
 * SC_DECISION_DEPTH_MAX is refused (the prescan already did so). */
static bool rd_value(rd *r, uint32_t depth, rd_top *top, rd_val *v) {
    SC_ASSERT(depth >= 1 && v != NULL);
    memset(v, 0, sizeof(*v));
    bool container = r->token == '{' || r->token == '[';
    if (container && depth > SC_DECISION_DEPTH_MAX) {
        rd_error(r, RE_DEEP, "maximum parsing depth reached");
        return false;
    }
    switch (r->token) {
    case TOK_STRING:
        if (r->str.has_nul) {
            rd_error(r, RE_NUL, "\\u0000 is not allowed without JSON_ALLOW_NUL");
            return false;
        }
        *v = (rd_val){.type = JT_STRING, .s = r->str};
        return true;
    case TOK_INTEGER:
        *v = (rd_val){.type = JT_INTEGER, .i = r->ival};
        return true;
    case TOK_REAL:
        *v = (rd_val){.type = JT_REAL, .d = r->dval};
        return true;
    case TOK_TRUE:
    case TOK_FALSE:
    case TOK_NULL:
        v->type = r->token == TOK_TRUE ? JT_TRUE : r->token == TOK_FALSE ? JT_FALSE : JT_NULL;
        return true;
    case '{':
        v->type = JT_OBJECT;
        return rd_object(r, depth, top);
    case '[':
        v->type = JT_ARRAY;
        return rd_array(r, depth);
    case TOK_INVALID:
        rd_error(r, RE_SYNTAX, "invalid token");
        return false;
    default:
        rd_error(r, RE_SYNTAX, "unexpected token");
        return false;
    }
}

/* jansson's parse_json with JSON_DECODE_ANY: one value, then the end. */
static bool rd_document(rd *r, rd_top *top, jtype *root) {
    SC_ASSERT(r->code == RE_NONE && r->position == 0);
    (void)rd_scan(r);
    rd_val v;
    if (!rd_value(r, 1, top, &v)) {
        SC_ASSERT(r->code != RE_NONE);
        return false;
    }
    if (rd_scan(r) != TOK_EOF) {
        rd_error(r, RE_EOF_EXPECTED, "end of file expected");
        return false;
    }
    SC_ASSERT(r->code == RE_NONE); /* an error always ends the parse */
    *root = v.type;
    return true;
}

/* Maps a reader error to our reason, as jansson's load errors were mapped:
 * by code, and by text for integer vs real overflow and a bad \u escape. */
static sc_decision_reason load_failed(const rd *e, bool saw_nonfinite, sc_decision_verdict *why) {
    SC_ASSERT(e->code != RE_NONE);
    char got[SC__DECISION_ERROR_TEXT_MAX + 32];
    snprintf(got, sizeof(got), "%s at byte %d", e->text, (int)e->err_pos);
    sc_decision_reason r = SC_DECISION_R_NOT_JSON;
    const char *expected = "one JSON object";
    switch (e->code) {
    case RE_UTF8:
        r = SC_DECISION_R_INVALID_UTF8;
        expected = "UTF-8 text";
        break;
    case RE_DUPLICATE:
        r = SC_DECISION_R_DUPLICATE_KEY;
        expected = "each key once";
        break;
    case RE_NUL:
        r = SC_DECISION_R_CONTROL_CHAR;
        expected = "no \\u0000 in strings";
        break;
    case RE_OVERFLOW:
        r = strstr(e->text, "integer") != NULL ? SC_DECISION_R_OUT_OF_RANGE
                                               : SC_DECISION_R_NON_FINITE;
        expected = "numbers that fit a double and integers that fit int64";
        break;
    case RE_DEEP:
        r = SC_DECISION_R_TOO_DEEP;
        break;
    case RE_KEYS:
    case RE_NUMBER_LONG:
        r = SC_DECISION_R_TOO_LARGE;
        expected = e->code == RE_KEYS ? "at most 16 keys in one object"
                                      : "number literals of at most 512 bytes";
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
_Static_assert(SC__DECISION_KEYS_MAX == 16 && SC__DECISION_NUMBER_TEXT_MAX == 512,
               "the expected texts in load_failed name these limits");

/* ---- answer: schema ------------------------------------------------------------------------- */

static sc_decision_reason check_unknown(const rd_top *top, sc_decision_verdict *why) {
    SC_ASSERT(why->reason == SC_DECISION_R_OK);
    if (!top->unknown) {
        return SC_DECISION_R_OK;
    }
    return sc_answer_fail(why, SC_DECISION_R_UNKNOWN_FIELD, top->unknown_key,
                          "only action, confidence, size_fraction, sl_bps, tp_bps, ttl_ms, reason",
                          jtype_name(top->unknown_type));
}

static const rd_val *field_of(const rd_top *top, sc_decision_field f, sc_decision_verdict *why) {
    SC_ASSERT((int)f >= 0 && (int)f < SC_DECISION_FIELD_COUNT);
    if (!top->present[f]) {
        (void)sc_answer_fail(why, SC_DECISION_R_MISSING_FIELD, k_field_names[f], "a required field",
                             "nothing");
        return NULL;
    }
    return &top->val[f];
}

static sc_decision_reason read_action(const rd *r, const rd_top *top, sc_decision_action *out,
                                      sc_decision_verdict *why) {
    const rd_val *v = field_of(top, SC_DECISION_F_ACTION, why);
    if (v == NULL) {
        return why->reason;
    }
    const char *expected = "enter_long, enter_short, exit, hold or skip";
    if (v->type != JT_STRING) {
        return sc_answer_fail(why, SC_DECISION_R_WRONG_TYPE, "action", expected,
                              jtype_name(v->type));
    }
    for (int a = 0; a < SC_DECISION_ACTION_COUNT; a++) {
        if (rd_str_is(r, &v->s, k_action_names[a])) {
            *out = (sc_decision_action)a;
            SC_ASSERT(*out >= SC_DECISION_ENTER_LONG && *out <= SC_DECISION_SKIP);
            return SC_DECISION_R_OK;
        }
    }
    char got[SC__DECISION_ENUM_SHOWN_MAX + 1];
    (void)rd_str_copy(r, &v->s, got, sizeof(got));
    return sc_answer_fail(why, SC_DECISION_R_BAD_ENUM, "action", expected, got);
}

/* A number in [0, hi]. The expected text is written only on failure: this
 * runs on every decision. */
static sc_decision_reason read_number(const rd_top *top, sc_decision_field f, double hi,
                                      double *out, sc_decision_verdict *why) {
    const rd_val *v = field_of(top, f, why);
    if (v == NULL) {
        return why->reason;
    }
    SC_ASSERT(hi > 0.0 && hi <= SC_DECISION_BPS_SCHEMA_MAX);
    const char *name = k_field_names[f];
    char expected[48];
    if (v->type != JT_INTEGER && v->type != JT_REAL) {
        snprintf(expected, sizeof(expected), "a number 0..%.17g", hi);
        return sc_answer_fail(why, SC_DECISION_R_WRONG_TYPE, name, expected, jtype_name(v->type));
    }
    double x = v->type == JT_INTEGER ? (double)v->i : v->d;
    if (!isfinite(x) || !(x >= 0.0 && x <= hi)) { /* the reader refuses non-finite ones */
        snprintf(expected, sizeof(expected), "a number 0..%.17g", hi);
        return sc_answer_fail_num(
            why, isfinite(x) ? SC_DECISION_R_OUT_OF_RANGE : SC_DECISION_R_NON_FINITE, name,
            expected, x);
    }
    *out = x == 0.0 ? 0.0 : x; /* -0 becomes 0 */
    SC_ASSERT(*out >= 0.0 && *out <= hi);
    return SC_DECISION_R_OK;
}

static sc_decision_reason read_ttl(const rd_top *top, int64_t *out, sc_decision_verdict *why) {
    const rd_val *v = field_of(top, SC_DECISION_F_TTL_MS, why);
    if (v == NULL) {
        return why->reason;
    }
    char expected[64];
    if (v->type != JT_INTEGER || v->i < 1 || v->i > SC_DECISION_TTL_MS_SCHEMA_MAX) {
        snprintf(expected, sizeof(expected), "an integer 1..%d (no fraction or exponent)",
                 SC_DECISION_TTL_MS_SCHEMA_MAX);
    }
    if (v->type != JT_INTEGER) {
        return sc_answer_fail(why, SC_DECISION_R_WRONG_TYPE, "ttl_ms", expected,
                              jtype_name(v->type));
    }
    if (v->i < 1 || v->i > SC_DECISION_TTL_MS_SCHEMA_MAX) {
        char got[24];
        snprintf(got, sizeof(got), "%" PRId64, v->i);
        return sc_answer_fail(why, SC_DECISION_R_OUT_OF_RANGE, "ttl_ms", expected, got);
    }
    *out = v->i;
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

static sc_decision_reason read_reason(const rd *r, const rd_top *top, size_t len_max, char *out,
                                      sc_decision_verdict *why) {
    SC_ASSERT(len_max <= SC_DECISION_REASON_MAX);
    const rd_val *v = field_of(top, SC_DECISION_F_REASON, why);
    if (v == NULL) {
        return why->reason;
    }
    char expected[64];
    snprintf(expected, sizeof(expected), "a string of at most %zu bytes", len_max);
    if (v->type != JT_STRING) {
        return sc_answer_fail(why, SC_DECISION_R_WRONG_TYPE, "reason", expected,
                              jtype_name(v->type));
    }
    size_t n = v->s.dec_len;
    char got[48];
    if (n > len_max) {
        snprintf(got, sizeof(got), "%zu bytes", n);
        return sc_answer_fail(why, SC_DECISION_R_STRING_TOO_LONG, "reason", expected, got);
    }
    char s[SC_DECISION_REASON_MAX + 1];
    size_t copied = rd_str_copy(r, &v->s, s, sizeof(s));
    SC_ASSERT(copied == n);
    bool bad_utf8 = false;
    size_t at = first_bad_char(s, n, &bad_utf8);
    if (at < n) {
        snprintf(got, sizeof(got), "byte 0x%02x at %zu", (unsigned)(unsigned char)s[at], at);
        return sc_answer_fail(why,
                              bad_utf8 ? SC_DECISION_R_INVALID_UTF8 : SC_DECISION_R_CONTROL_CHAR,
                              "reason", "text without control characters", got);
    }
    SC_ASSERT(n <= SC_DECISION_REASON_MAX);
    memcpy(out, s, n + 1);
    return SC_DECISION_R_OK;
}

static sc_decision_reason read_fields(const rd *rdr, const rd_top *top, const sc_params *active,
                                      sc_decision_answer *a, sc_decision_verdict *why) {
    sc_decision_reason r = read_action(rdr, top, &a->action, why);
    if (r == SC_DECISION_R_OK) {
        why->advised = a->action;
        r = read_number(top, SC_DECISION_F_CONFIDENCE, 1.0, &a->confidence, why);
    }
    if (r == SC_DECISION_R_OK) {
        r = read_number(top, SC_DECISION_F_SIZE_FRACTION, 1.0, &a->size_fraction, why);
    }
    if (r == SC_DECISION_R_OK) {
        r = read_number(top, SC_DECISION_F_SL_BPS, SC_DECISION_BPS_SCHEMA_MAX, &a->sl_bps, why);
    }
    if (r == SC_DECISION_R_OK) {
        r = read_number(top, SC_DECISION_F_TP_BPS, SC_DECISION_BPS_SCHEMA_MAX, &a->tp_bps, why);
    }
    if (r == SC_DECISION_R_OK) {
        r = read_ttl(top, &a->ttl_ms, why);
    }
    if (r == SC_DECISION_R_OK) {
        size_t len_max = (size_t)sc_params_get_int(active, SC_P_AI_REASON_LEN_MAX);
        r = read_reason(rdr, top, len_max, a->reason, why);
    }
    SC_ASSERT(r == why->reason);
    return r;
}

/* ---- answer: bounds ------------------------------------------------------------------------- */

/* ---- answer: the whole path ----------------------------------------------------------------- */

static sc_decision_reason parse_object(const char *json, size_t len, const sc_params *active,
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
    rd r;
    memset(&r, 0, sizeof(r));
    r.s = (const unsigned char *)json;
    r.n = len;
    rd_top top;
    memset(&top, 0, sizeof(top));
    jtype root = JT_NULL;
    if (!rd_document(&r, &top, &root)) {
        return load_failed(&r, saw_nonfinite, why);
    }
    sc_decision_reason res;
    if (root != JT_OBJECT) {
        res =
            sc_answer_fail(why, SC_DECISION_R_WRONG_TYPE, "answer", "an object", jtype_name(root));
    } else {
        res = check_unknown(&top, why);
        if (res == SC_DECISION_R_OK) {
            res = read_fields(&r, &top, active, a, why);
        }
    }
    if (res == SC_DECISION_R_OK) {
        res = sc_answer_apply_bounds(active, a, why);
    }
    return res;
}

sc_decision_reason sc_decision_answer_parse(const char *json, size_t len, const sc_params *active,
                                            sc_decision_answer *out, sc_decision_verdict *why) {
    SC_ASSERT(active != NULL && out != NULL && why != NULL);
    SC_ASSERT(json != NULL || len == 0);
    SC_ASSERT(sc_params_validate(active, NULL) == SC_OK);
    sc_answer_verdict_init(why);
    sc_decision_answer a;
    memset(&a, 0, sizeof(a));
    sc_decision_reason r = parse_object(json != NULL ? json : "", len, active, &a, why);
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
    sc_answer_skip(out);
    return sc_answer_fail(why, SC_DECISION_R_INCONSISTENT, "action", expected, got);
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
    sc_answer_skip(out);
    return sc_answer_fail(
        why, SC_DECISION_R_AGAINST_SIGNAL, "action",
        "an entry the strategy signalled (an advisor confirms, resizes or refuses it)", got);
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
