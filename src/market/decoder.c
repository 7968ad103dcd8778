/* decoder.c: Binance market-data JSON to sc_event.
 *
 * Why our own JSON reader: a general DOM parser (jansson) allocates a node
 * per value and turns numbers into doubles; a depth diff has ~100 decimal
 * strings and we want each straight on the integer grid with no allocation.
 * The reader below is a single forward pass. Every byte of the message is
 * validated as JSON (strings, escapes, UTF-8, numbers, nesting); the keys
 * we know are converted as they are met, the rest are skipped. The event
 * kind is decided only after the whole object is read, so key order does
 * not matter.
 *
 * Hazards handled on purpose: duplicate known keys (rejected: a second "b"
 * must not append levels), numbers where strings are expected and the
 * reverse, escapes inside price strings (rejected: prices are plain
 * decimals), values finer than the grid (rejected), nesting deeper than
 * SC_DECODER_DEPTH_MAX (rejected before recursing).
 */
#include "market/decoder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

struct sc_decoder {
    const sc_instrument *ins;
    uint32_t levels_max;
    sc_level *bids; /* scratch: levels_max each */
    sc_level *asks;
};

typedef struct {
    const char *s;
    size_t n;
} span;

/* Bits for the keys we know; a second occurrence is malformed. */
enum {
    K_STREAM = 1u << 0,
    K_DATA = 1u << 1,
    K_E_TYPE = 1u << 2,
    K_E_TIME = 1u << 3,
    K_T_TIME = 1u << 4,
    K_SYM = 1u << 5,
    K_U_FIRST = 1u << 6,
    K_U_FINAL = 1u << 7,
    K_PU = 1u << 8,
    K_B = 1u << 9,
    K_A = 1u << 10,
    K_BQ = 1u << 11,
    K_AQ = 1u << 12,
    K_P = 1u << 13,
    K_Q = 1u << 14,
    K_TID = 1u << 15,
    K_M = 1u << 16,
    K_F = 1u << 17,
    K_L = 1u << 18,
    K_R = 1u << 19,
    K_I = 1u << 20,
    K_LAST_ID = 1u << 21, /* "bids"/"asks" share K_B/K_A: both fill the same scratch */
    K_K = 1u << 22,
    K_X = 1u << 23,
    K_COUNT = 24 /* number of bits above; k_key_names has one name per bit */
};

static const char *const k_key_names[K_COUNT] = {
    "stream", "data", "e", "E", "T", "s", "U", "u", "pu",           "b", "a", "B", "A",
    "p",      "q",    "t", "m", "f", "l", "r", "i", "lastUpdateId", "k"};
_Static_assert(sizeof(k_key_names) / sizeof(k_key_names[0]) == K_COUNT, "one name per key bit");
_Static_assert(K_X == 1u << (K_COUNT - 1), "K_X is the last bit");

typedef enum { V_NONE = 0, V_NUM, V_STR, V_ARR } vkind;

typedef struct {
    uint32_t seen;
    int64_t t, T, n;
    span i, o, h, l, c, v, q, V;
    bool x;
} kfields;

typedef struct {
    uint32_t seen;
    span stream, e, sym, p, q, r, idx, x;
    sc_px b_px, a_px; /* bookTicker best prices */
    sc_qty bq, aq;    /* bookTicker best quantities */
    vkind b_kind, a_kind;
    int64_t E, T, U, u, pu, t, a_num, f, l, last_id;
    bool m;
    uint32_t n_bids, n_asks;
    bool data_not_object;
    kfields k;
} fields;

typedef struct {
    const char *p;
    const char *end;
    int depth;
    sc_errinfo *err;
    sc_decoder *d;
} jcur;

/* ---------- errors ---------- */

static sc_err fail_at(jcur *c, sc_err e, const char *field, const char *expected) {
    const char *at = c->p < c->end ? c->p : c->end;
    size_t avail = (size_t)(c->end - at);
    sc_errinfo_set(c->err, field, expected, at, avail < 40 ? avail : 40);
    return e;
}

static sc_err fail_span(jcur *c, sc_err e, const char *field, const char *expected, span got) {
    sc_errinfo_set(c->err, field, expected, got.s, got.n);
    return e;
}

/* ---------- the JSON scanner ---------- */

static inline void ws(jcur *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t')) {
        c->p++;
    }
}

static inline bool eat(jcur *c, char ch) {
    ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool hex4(const char *p, const char *end) {
    if (end - p < 4) {
        return false;
    }
    for (int i = 0; i < 4; i++) {
        char h = p[i];
        if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
            return false;
        }
    }
    return true;
}

/* Length of the UTF-8 sequence at p (bytes >= 0x80), 0 when invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end) {
    size_t n;
    uint32_t min;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
        min = 0x80;
    } else if ((p[0] & 0xF0) == 0xE0) {
        n = 3;
        min = 0x800;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n) {
        return 0;
    }
    uint32_t cp = p[0] & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return n;
}

/* At '"': validates the string and returns its raw content (escapes kept). */
/* 1 for bytes a string scan can pass over without a second look: printable
 * ASCII other than '"' and '\\'. A constant table: one load per byte. */
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const unsigned char k_plain[256] = {
    R16(0), R16(0), 1,      1,      0,      1,      1,      1,      1,      1,
    1,      1,      1,      1,      1,      1,      1,      1, /* 0x20-0x2F, '"' = 0x22 */
    R16(1), R16(1), 1,      1,      1,      1,      1,      1,      1,      1,
    1,      1,      1,      1,      0,      1,      1,      1, /* 0x50-0x5F, '\\' = 0x5C */
    R16(1), R16(1), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0)};
#undef R16
_Static_assert(sizeof(k_plain) == 256, "one entry per byte value");

static sc_err scan_string(jcur *c, span *out, bool *escaped) {
    SC_ASSERT(c->p < c->end && *c->p == '"');
    const char *s = ++c->p;
    *escaped = false;
    while (c->p < c->end) {
        const char *p = c->p;
        while (p < c->end && k_plain[(unsigned char)*p]) {
            p++;
        }
        c->p = p;
        if (p >= c->end) {
            break;
        }
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '"') {
            out->s = s;
            out->n = (size_t)(c->p - s);
            c->p++;
            return SC_OK;
        }
        if (ch < 0x20) {
            return fail_at(c, SC_ERR_PARSE, "string", "no control characters in a string");
        }
        if (ch == '\\') {
            *escaped = true;
            if (c->end - c->p < 2) {
                break;
            }
            char x = c->p[1];
            if (x == 'u') {
                if (!hex4(c->p + 2, c->end)) {
                    return fail_at(c, SC_ERR_PARSE, "string", "\\u and four hex digits");
                }
                c->p += 6;
            } else if (strchr("\"\\/bfnrt", x) != NULL && x != '\0') {
                c->p += 2;
            } else {
                return fail_at(c, SC_ERR_PARSE, "string", "a valid escape");
            }
            continue;
        }
        if (ch >= 0x80) {
            size_t n = utf8_len((const unsigned char *)c->p, (const unsigned char *)c->end);
            if (n == 0) {
                return fail_at(c, SC_ERR_PARSE, "string", "valid UTF-8");
            }
            c->p += n;
            continue;
        }
        c->p++;
    }
    return fail_at(c, SC_ERR_PARSE, "string", "a closing quote");
}

/* A JSON number per RFC 8259; returns its span. */
static sc_err scan_number(jcur *c, span *out) {
    const char *s = c->p;
    const char *p = c->p;
    if (p < c->end && *p == '-') {
        p++;
    }
    if (p >= c->end || *p < '0' || *p > '9') {
        return fail_at(c, SC_ERR_PARSE, "number", "a JSON value");
    }
    if (*p == '0') {
        p++;
    } else {
        while (p < c->end && *p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (p < c->end && *p == '.') {
        p++;
        const char *d = p;
        while (p < c->end && *p >= '0' && *p <= '9') {
            p++;
        }
        if (p == d) {
            return fail_at(c, SC_ERR_PARSE, "number", "digits after the point");
        }
    }
    if (p < c->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < c->end && (*p == '+' || *p == '-')) {
            p++;
        }
        const char *d = p;
        while (p < c->end && *p >= '0' && *p <= '9') {
            p++;
        }
        if (p == d) {
            return fail_at(c, SC_ERR_PARSE, "number", "digits in the exponent");
        }
    }
    out->s = s;
    out->n = (size_t)(p - s);
    c->p = p;
    return SC_OK;
}

static sc_err skip_value(jcur *c);

static sc_err skip_container(jcur *c, char close) {
    if (++c->depth > SC_DECODER_DEPTH_MAX) {
        return fail_at(c, SC_ERR_LIMIT, "json", "nesting of at most 16 levels");
    }
    c->p++;
    if (eat(c, close)) {
        c->depth--;
        return SC_OK;
    }
    for (;;) {
        ws(c);
        if (close == '}') {
            span k;
            bool esc;
            if (c->p >= c->end || *c->p != '"') {
                return fail_at(c, SC_ERR_PARSE, "json", "a key string");
            }
            sc_err e = scan_string(c, &k, &esc);
            if (e != SC_OK) {
                return e;
            }
            if (!eat(c, ':')) {
                return fail_at(c, SC_ERR_PARSE, "json", "':' after a key");
            }
        }
        sc_err e = skip_value(c);
        if (e != SC_OK) {
            return e;
        }
        if (eat(c, close)) {
            c->depth--;
            return SC_OK;
        }
        if (!eat(c, ',')) {
            return fail_at(c, SC_ERR_PARSE, "json", close == '}' ? "',' or '}'" : "',' or ']'");
        }
    }
}

static sc_err skip_literal(jcur *c, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0) {
        return fail_at(c, SC_ERR_PARSE, "json", "a JSON value");
    }
    c->p += n;
    return SC_OK;
}

static sc_err skip_value(jcur *c) {
    ws(c);
    if (c->p >= c->end) {
        return fail_at(c, SC_ERR_PARSE, "json", "a value, not the end of input");
    }
    span s;
    bool esc;
    switch (*c->p) {
    case '"':
        return scan_string(c, &s, &esc);
    case '{':
        return skip_container(c, '}');
    case '[':
        return skip_container(c, ']');
    case 't':
        return skip_literal(c, "true");
    case 'f':
        return skip_literal(c, "false");
    case 'n':
        return skip_literal(c, "null");
    default:
        return scan_number(c, &s);
    }
}

/* ---------- typed values ---------- */

static sc_err parse_int_slow(jcur *c, const char *field, int64_t *out) {
    span s;
    if (c->p >= c->end || !((*c->p >= '0' && *c->p <= '9') || *c->p == '-')) {
        return fail_at(c, SC_ERR_PARSE, field, "an integer");
    }
    sc_err e = scan_number(c, &s);
    if (e != SC_OK) {
        return e;
    }
    int64_t v;
    e = sc_dec_parse(s.s, s.n, 0, true, &v);
    if (e != SC_OK) {
        return fail_span(c, e == SC_ERR_OVERFLOW ? e : SC_ERR_PARSE, field,
                         "an integer that fits 64 bits", s);
    }
    *out = v;
    return SC_OK;
}

static sc_err parse_bool(jcur *c, const char *field, bool *out) {
    ws(c);
    if (c->end - c->p >= 4 && memcmp(c->p, "true", 4) == 0) {
        c->p += 4;
        *out = true;
        return SC_OK;
    }
    if (c->end - c->p >= 5 && memcmp(c->p, "false", 5) == 0) {
        c->p += 5;
        *out = false;
        return SC_OK;
    }
    return fail_at(c, SC_ERR_PARSE, field, "true or false");
}

/* JSON integer. Up to 18 digits cannot overflow, so the common case is one
 * tight loop; anything unusual takes the checked path above. */
static sc_err parse_int(jcur *c, const char *field, int64_t *out) {
    ws(c);
    const char *p = c->p;
    int64_t v = 0;
    int n = 0;
    while (p < c->end && (unsigned)(*p - '0') < 10u && n < 18) {
        v = v * 10 + (*p++ - '0');
        n++;
    }
    bool simple = n > 0 && n < 18 && !(c->p[0] == '0' && n > 1);
    if (simple && p < c->end) {
        char nx = *p;
        simple = !((unsigned)(nx - '0') < 10u || nx == '.' || nx == 'e' || nx == 'E');
    }
    if (!simple) {
        return parse_int_slow(c, field, out);
    }
    c->p = p;
    *out = v;
    return SC_OK;
}

/* A string value without escapes (decimals, symbols, event names). */
static sc_err parse_plain_string(jcur *c, const char *field, span *out) {
    ws(c);
    if (c->p >= c->end || *c->p != '"') {
        return fail_at(c, SC_ERR_PARSE, field, "a string");
    }
    bool esc;
    sc_err e = scan_string(c, out, &esc);
    if (e != SC_OK) {
        return e;
    }
    if (esc) {
        return fail_span(c, SC_ERR_PARSE, field, "a plain string without escapes", *out);
    }
    return SC_OK;
}

/* Decimal text onto a grid (scale digits, multiples of unit). The fast path
 * handles up to 18 integer+fraction digits without overflow checks; longer
 * text goes through the checked parser. */
static sc_err dec_to_grid(span s, int scale, int64_t unit, int64_t *out) {
    const char *p = s.s;
    const char *end = s.s + s.n;
    if (s.n == 0 || s.n > 18 || *p == '-') {
        int64_t v;
        sc_err e = sc_dec_parse(s.s, s.n, scale, false, &v);
        if (e != SC_OK) {
            return e;
        }
        if (v % unit != 0) {
            return SC_ERR_PRECISION;
        }
        *out = v / unit;
        return SC_OK;
    }
    int64_t v = 0;
    const char *int_start = p;
    while (p < end && (unsigned)(*p - '0') < 10u) {
        v = v * 10 + (*p++ - '0');
    }
    if (p == int_start) {
        return SC_ERR_PARSE;
    }
    int frac = 0;
    if (p < end && *p == '.') {
        const char *fs = ++p;
        for (; p < end && (unsigned)(*p - '0') < 10u; p++) {
            if (frac < scale) {
                v = v * 10 + (*p - '0');
                frac++;
            } else if (*p != '0') {
                return SC_ERR_PRECISION;
            }
        }
        if (p == fs) {
            return SC_ERR_PARSE;
        }
    }
    if (p != end) {
        return SC_ERR_PARSE;
    }
    for (; frac < scale; frac++) {
        v *= 10;
    }
    if (unit != 1) {
        if (v % unit != 0) {
            return SC_ERR_PRECISION;
        }
        v /= unit;
    }
    *out = v;
    return SC_OK;
}

static const char *grid_expect(sc_err e, bool price) {
    if (e == SC_ERR_PRECISION) {
        return price ? "a price on the instrument's tick grid"
                     : "a quantity on the instrument's step grid";
    }
    return price ? "a decimal price string" : "a decimal quantity string";
}

static sc_err span_px(jcur *c, const char *field, span s, sc_px *out) {
    const sc_instrument *ins = c->d->ins;
    sc_err e = dec_to_grid(s, ins->px_scale, ins->tick_units, &out->ticks);
    return e == SC_OK ? SC_OK : fail_span(c, e, field, grid_expect(e, true), s);
}

static sc_err span_qty(jcur *c, const char *field, span s, sc_qty *out) {
    const sc_instrument *ins = c->d->ins;
    sc_err e = dec_to_grid(s, ins->qty_scale, ins->step_units, &out->steps);
    return e == SC_OK ? SC_OK : fail_span(c, e, field, grid_expect(e, false), s);
}

static sc_err span_money(jcur *c, const char *field, span s, bool neg_ok, sc_money *out) {
    sc_err e = sc_money_parse(s.s, s.n, neg_ok, out);
    return e == SC_OK ? SC_OK : fail_span(c, e, field, "a decimal with at most 8 decimals", s);
}

/* A decimal string straight onto the price (or quantity) grid. The common
 * case (digits and a point, then the quote) is one scan; anything else is
 * validated as a JSON string first so the error names what is wrong. */
static sc_err parse_grid_string(jcur *c, const char *field, bool price, int64_t *out) {
    ws(c);
    const sc_instrument *ins = c->d->ins;
    int scale = price ? ins->px_scale : ins->qty_scale;
    int64_t unit = price ? ins->tick_units : ins->step_units;
    if (c->p >= c->end || *c->p != '"') {
        return fail_at(c, SC_ERR_PARSE, field, grid_expect(SC_ERR_PARSE, price));
    }
    const char *q = c->p + 1;
    while (q < c->end && ((unsigned)(*q - '0') < 10u || *q == '.')) {
        q++;
    }
    span s;
    if (q < c->end && *q == '"') {
        s.s = c->p + 1;
        s.n = (size_t)(q - s.s);
        c->p = q + 1;
    } else {
        sc_err e = parse_plain_string(c, field, &s);
        if (e != SC_OK) {
            return e;
        }
    }
    sc_err e = dec_to_grid(s, scale, unit, out);
    return e == SC_OK ? SC_OK : fail_span(c, e, field, grid_expect(e, price), s);
}

/* [["price","qty"], ...] into buf (at most max levels). */
static sc_err parse_levels(jcur *c, const char *field, sc_level *buf, uint32_t max,
                           uint32_t *n_out) {
    uint32_t n = 0;
    if (!eat(c, '[')) {
        return fail_at(c, SC_ERR_PARSE, field, "an array of [price, qty] pairs");
    }
    if (eat(c, ']')) {
        *n_out = 0;
        return SC_OK;
    }
    for (;;) {
        if (n == max) {
            return fail_at(c, SC_ERR_LIMIT, field, "no more levels than the decoder's limit");
        }
        if (!eat(c, '[')) {
            return fail_at(c, SC_ERR_PARSE, field, "a [price, qty] pair");
        }
        sc_err e = parse_grid_string(c, field, true, &buf[n].px.ticks);
        if (e == SC_OK && !eat(c, ',')) {
            e = fail_at(c, SC_ERR_PARSE, field, "',' between price and qty");
        }
        if (e == SC_OK) {
            e = parse_grid_string(c, field, false, &buf[n].qty.steps);
        }
        if (e == SC_OK && !eat(c, ']')) {
            e = fail_at(c, SC_ERR_PARSE, field, "a pair of exactly two strings");
        }
        if (e != SC_OK) {
            return e;
        }
        n++;
        if (eat(c, ']')) {
            *n_out = n;
            return SC_OK;
        }
        if (!eat(c, ',')) {
            return fail_at(c, SC_ERR_PARSE, field, "',' or ']' after a level");
        }
    }
}

/* ---------- object walkers ---------- */

static sc_err mark(jcur *c, uint32_t *seen, uint32_t bit, const char *field) {
    if (*seen & bit) {
        return fail_at(c, SC_ERR_PARSE, field, "each key once");
    }
    *seen |= bit;
    return SC_OK;
}

/* Marks a known key as seen, then converts its value; a repeat is an error. */
#define ONCE(seen, bit, field, expr)                                                               \
    (mark(c, (seen), (bit), (field)) != SC_OK ? SC_ERR_PARSE : (expr))

static bool key_is(span k, const char *lit) {
    size_t n = strlen(lit);
    return k.n == n && memcmp(k.s, lit, n) == 0;
}

static sc_err walk_object(jcur *c, void *ctx, sc_err (*on_key)(jcur *, void *, span)) {
    ws(c);
    if (c->p >= c->end || *c->p != '{') {
        return fail_at(c, SC_ERR_PARSE, "json", "an object");
    }
    if (++c->depth > SC_DECODER_DEPTH_MAX) {
        return fail_at(c, SC_ERR_LIMIT, "json", "nesting of at most 16 levels");
    }
    c->p++;
    if (eat(c, '}')) {
        c->depth--;
        return SC_OK;
    }
    for (;;) {
        span k;
        ws(c);
        if (c->p >= c->end || *c->p != '"') {
            return fail_at(c, SC_ERR_PARSE, "json", "a key string");
        }
        bool esc;
        sc_err e = scan_string(c, &k, &esc);
        if (e == SC_OK && !eat(c, ':')) {
            e = fail_at(c, SC_ERR_PARSE, "json", "':' after a key");
        }
        if (e == SC_OK) {
            ws(c);
            e = on_key(c, ctx, k);
        }
        if (e != SC_OK) {
            return e;
        }
        if (eat(c, '}')) {
            c->depth--;
            return SC_OK;
        }
        if (!eat(c, ',')) {
            return fail_at(c, SC_ERR_PARSE, "json", "',' or '}'");
        }
    }
}

static sc_err kline_key(jcur *c, void *ctx, span k) {
    kfields *kf = ctx;
    if (k.n != 1) {
        return skip_value(c);
    }
    switch (k.s[0]) {
    case 't':
        return ONCE(&kf->seen, 1u << 0, "k.t", parse_int(c, "k.t", &kf->t));
    case 'T':
        return ONCE(&kf->seen, 1u << 1, "k.T", parse_int(c, "k.T", &kf->T));
    case 'n':
        return ONCE(&kf->seen, 1u << 2, "k.n", parse_int(c, "k.n", &kf->n));
    case 'x':
        return ONCE(&kf->seen, 1u << 3, "k.x", parse_bool(c, "k.x", &kf->x));
    case 'i':
        return ONCE(&kf->seen, 1u << 4, "k.i", parse_plain_string(c, "k.i", &kf->i));
    case 'o':
        return ONCE(&kf->seen, 1u << 5, "k.o", parse_plain_string(c, "k.o", &kf->o));
    case 'h':
        return ONCE(&kf->seen, 1u << 6, "k.h", parse_plain_string(c, "k.h", &kf->h));
    case 'l':
        return ONCE(&kf->seen, 1u << 7, "k.l", parse_plain_string(c, "k.l", &kf->l));
    case 'c':
        return ONCE(&kf->seen, 1u << 8, "k.c", parse_plain_string(c, "k.c", &kf->c));
    case 'v':
        return ONCE(&kf->seen, 1u << 9, "k.v", parse_plain_string(c, "k.v", &kf->v));
    case 'q':
        return ONCE(&kf->seen, 1u << 10, "k.q", parse_plain_string(c, "k.q", &kf->q));
    case 'V':
        return ONCE(&kf->seen, 1u << 11, "k.V", parse_plain_string(c, "k.V", &kf->V));
    default:
        return skip_value(c);
    }
}

static sc_err kline_object(jcur *c, fields *f) {
    if (c->p >= c->end || *c->p != '{') {
        return fail_at(c, SC_ERR_PARSE, "k", "an object");
    }
    return walk_object(c, &f->k, kline_key);
}

/* "b" and "a" are levels in a diff, strings in a bookTicker and ids in
 * trades; the value's JSON type says which. */
static sc_err side_key(jcur *c, fields *f, bool bid) {
    const char *name = bid ? "b" : "a";
    char ch = c->p < c->end ? *c->p : '\0';
    if (ch == '[') {
        sc_err e = mark(c, &f->seen, bid ? K_B : K_A, name);
        if (e != SC_OK) {
            return e;
        }
        *(bid ? &f->b_kind : &f->a_kind) = V_ARR;
        return parse_levels(c, name, bid ? c->d->bids : c->d->asks, c->d->levels_max,
                            bid ? &f->n_bids : &f->n_asks);
    }
    if (ch == '"') {
        sc_err e = mark(c, &f->seen, bid ? K_B : K_A, name);
        if (e != SC_OK) {
            return e;
        }
        *(bid ? &f->b_kind : &f->a_kind) = V_STR;
        return parse_grid_string(c, name, true, bid ? &f->b_px.ticks : &f->a_px.ticks);
    }
    if (!bid) {
        sc_err e = mark(c, &f->seen, K_A, name);
        f->a_kind = V_NUM;
        return e != SC_OK ? e : parse_int(c, name, &f->a_num);
    }
    return skip_value(c); /* spot trade's buyer order id */
}

static sc_err event_key1(jcur *c, fields *f, char k) {
    switch (k) {
    case 'e':
        return ONCE(&f->seen, K_E_TYPE, "e", parse_plain_string(c, "e", &f->e));
    case 'E':
        return ONCE(&f->seen, K_E_TIME, "E", parse_int(c, "E", &f->E));
    case 'T':
        return ONCE(&f->seen, K_T_TIME, "T", parse_int(c, "T", &f->T));
    case 's':
        return ONCE(&f->seen, K_SYM, "s", parse_plain_string(c, "s", &f->sym));
    case 'U':
        return ONCE(&f->seen, K_U_FIRST, "U", parse_int(c, "U", &f->U));
    case 'u':
        return ONCE(&f->seen, K_U_FINAL, "u", parse_int(c, "u", &f->u));
    case 'b':
    case 'a':
        return side_key(c, f, k == 'b');
    case 'B':
        return ONCE(&f->seen, K_BQ, "B", parse_grid_string(c, "B", false, &f->bq.steps));
    case 'A':
        return ONCE(&f->seen, K_AQ, "A", parse_grid_string(c, "A", false, &f->aq.steps));
    case 'p':
        return ONCE(&f->seen, K_P, "p", parse_plain_string(c, "p", &f->p));
    case 'q':
        return ONCE(&f->seen, K_Q, "q", parse_plain_string(c, "q", &f->q));
    case 't':
        return ONCE(&f->seen, K_TID, "t", parse_int(c, "t", &f->t));
    case 'm':
        return ONCE(&f->seen, K_M, "m", parse_bool(c, "m", &f->m));
    case 'f':
        return ONCE(&f->seen, K_F, "f", parse_int(c, "f", &f->f));
    case 'l':
        return ONCE(&f->seen, K_L, "l", parse_int(c, "l", &f->l));
    case 'r':
        return ONCE(&f->seen, K_R, "r", parse_plain_string(c, "r", &f->r));
    case 'i':
        return ONCE(&f->seen, K_I, "i", parse_plain_string(c, "i", &f->idx));
    case 'k':
        return ONCE(&f->seen, K_K, "k", kline_object(c, f));
    case 'X':
        return ONCE(&f->seen, K_X, "X", parse_plain_string(c, "X", &f->x));
    default:
        return skip_value(c);
    }
}

static sc_err event_key(jcur *c, void *ctx, span k) {
    fields *f = ctx;
    if (k.n == 1) {
        return event_key1(c, f, k.s[0]);
    }
    if (key_is(k, "pu")) {
        return ONCE(&f->seen, K_PU, "pu", parse_int(c, "pu", &f->pu));
    }
    if (key_is(k, "lastUpdateId")) {
        return ONCE(&f->seen, K_LAST_ID, "lastUpdateId", parse_int(c, "lastUpdateId", &f->last_id));
    }
    if (key_is(k, "bids") || key_is(k, "asks")) {
        bool bid = k.s[0] == 'b';
        sc_err e = mark(c, &f->seen, bid ? K_B : K_A, bid ? "bids" : "asks");
        if (e != SC_OK) {
            return e;
        }
        *(bid ? &f->b_kind : &f->a_kind) = V_ARR;
        return parse_levels(c, bid ? "bids" : "asks", bid ? c->d->bids : c->d->asks,
                            c->d->levels_max, bid ? &f->n_bids : &f->n_asks);
    }
    return skip_value(c);
}

static sc_err top_key(jcur *c, void *ctx, span k) {
    fields *f = ctx;
    if (key_is(k, "stream")) {
        return ONCE(&f->seen, K_STREAM, "stream", parse_plain_string(c, "stream", &f->stream));
    }
    if (key_is(k, "data")) {
        sc_err e = mark(c, &f->seen, K_DATA, "data");
        if (e != SC_OK) {
            return e;
        }
        if (c->p < c->end && *c->p == '{') {
            return walk_object(c, f, event_key);
        }
        f->data_not_object = true; /* e.g. !markPrice@arr: not ours */
        return skip_value(c);
    }
    return event_key(c, ctx, k);
}

/* ---------- building events ---------- */

static sc_err need(jcur *c, const fields *f, uint32_t bits, const char *kind) {
    uint32_t missing = bits & ~f->seen;
    if (missing == 0) {
        return SC_OK;
    }
    int bit = __builtin_ctz(missing);
    SC_ASSERT(bit >= 0 && bit < K_COUNT);
    char expected[96];
    snprintf(expected, sizeof(expected), "present in a %s message", kind);
    sc_errinfo_set(c->err, k_key_names[bit], expected, "nothing", 7);
    return SC_ERR_PARSE;
}

static sc_err ms_field(jcur *c, const char *field, int64_t ms, sc_ns *out) {
    if (ms < 0 || !sc_ms_to_ns(ms, out)) {
        char got[32];
        int n = snprintf(got, sizeof(got), "%lld", (long long)ms);
        sc_errinfo_set(c->err, field, "a time in ms since 1970", got, (size_t)n);
        return SC_ERR_RANGE;
    }
    return SC_OK;
}

static bool is_futures(const jcur *c) {
    return c->d->ins->venue != SC_VENUE_SPOT;
}

static sc_err build_depth(jcur *c, const fields *f, sc_event *out) {
    uint32_t req = K_E_TIME | K_U_FIRST | K_U_FINAL | K_B | K_A;
    if (is_futures(c)) {
        req |= K_T_TIME | K_PU;
    }
    sc_err e = need(c, f, req, "depthUpdate");
    if (e == SC_OK && (f->b_kind != V_ARR || f->a_kind != V_ARR)) {
        sc_errinfo_set(c->err, "b/a", "arrays of levels in a depthUpdate", "other", 5);
        e = SC_ERR_PARSE;
    }
    if (e == SC_OK && (f->U < 0 || f->u < f->U)) {
        sc_errinfo_set(c->err, "U/u", "0 <= U <= u", "U > u", 5);
        e = SC_ERR_RANGE;
    }
    sc_depth *d = &out->u.depth;
    if (e == SC_OK) {
        e = ms_field(c, "E", f->E, &d->ts_exch_ns);
    }
    d->ts_txn_ns = 0;
    if (e == SC_OK && (f->seen & K_T_TIME)) {
        e = ms_field(c, "T", f->T, &d->ts_txn_ns);
    }
    d->first_id = f->U;
    d->final_id = f->u;
    d->prev_final_id = is_futures(c) ? f->pu : SC_ID_NONE;
    d->bids = c->d->bids;
    d->asks = c->d->asks;
    d->n_bids = f->n_bids;
    d->n_asks = f->n_asks;
    out->kind = SC_EV_DEPTH;
    return e;
}

static sc_err build_snapshot(jcur *c, const fields *f, sc_event *out) {
    sc_err e = need(c, f, K_LAST_ID | K_B | K_A, "depth snapshot");
    if (e == SC_OK && (f->b_kind != V_ARR || f->a_kind != V_ARR)) {
        sc_errinfo_set(c->err, "bids/asks", "arrays of levels", "other", 5);
        e = SC_ERR_PARSE;
    }
    if (e == SC_OK && f->last_id < 0) {
        sc_errinfo_set(c->err, "lastUpdateId", "a non-negative id", "negative", 8);
        e = SC_ERR_RANGE;
    }
    sc_snapshot *s = &out->u.snapshot;
    s->ts_exch_ns = 0;
    s->ts_txn_ns = 0;
    if (e == SC_OK && (f->seen & K_E_TIME)) {
        e = ms_field(c, "E", f->E, &s->ts_exch_ns);
    }
    if (e == SC_OK && (f->seen & K_T_TIME)) {
        e = ms_field(c, "T", f->T, &s->ts_txn_ns);
    }
    s->last_update_id = f->last_id;
    s->bids = c->d->bids;
    s->asks = c->d->asks;
    s->n_bids = f->n_bids;
    s->n_asks = f->n_asks;
    out->kind = SC_EV_SNAPSHOT;
    return e;
}

static sc_err build_book_ticker(jcur *c, const fields *f, sc_event *out) {
    uint32_t req = K_U_FINAL | K_B | K_A | K_BQ | K_AQ;
    if (is_futures(c)) {
        req |= K_E_TIME | K_T_TIME;
    }
    sc_err e = need(c, f, req, "bookTicker");
    if (e == SC_OK && (f->b_kind != V_STR || f->a_kind != V_STR)) {
        sc_errinfo_set(c->err, "b/a", "price strings in a bookTicker", "other", 5);
        e = SC_ERR_PARSE;
    }
    sc_book_ticker *bt = &out->u.book_ticker;
    bt->ts_exch_ns = 0;
    bt->ts_txn_ns = 0;
    if (e == SC_OK && (f->seen & K_E_TIME)) {
        e = ms_field(c, "E", f->E, &bt->ts_exch_ns);
    }
    if (e == SC_OK && (f->seen & K_T_TIME)) {
        e = ms_field(c, "T", f->T, &bt->ts_txn_ns);
    }
    bt->bid.px = f->b_px;
    bt->bid.qty = f->bq;
    bt->ask.px = f->a_px;
    bt->ask.qty = f->aq;
    bt->update_id = f->u;
    out->kind = SC_EV_BOOK_TICKER;
    return e;
}

static sc_trade_kind trade_kind(const fields *f) {
    if (!(f->seen & K_X) || key_is(f->x, "MARKET")) {
        return SC_TRADE_MARKET;
    }
    if (key_is(f->x, "INSURANCE_FUND")) {
        return SC_TRADE_INSURANCE_FUND;
    }
    return key_is(f->x, "ADL") ? SC_TRADE_ADL : SC_TRADE_OTHER;
}

static sc_err build_trade(jcur *c, const fields *f, sc_event *out, bool agg) {
    uint32_t req = K_E_TIME | K_T_TIME | K_P | K_Q | K_M;
    req |= agg ? (K_A | K_F | K_L) : K_TID;
    sc_err e = need(c, f, req, agg ? "aggTrade" : "trade");
    if (e == SC_OK && agg && f->a_kind != V_NUM) {
        sc_errinfo_set(c->err, "a", "an integer aggregate id", "other", 5);
        e = SC_ERR_PARSE;
    }
    sc_trade *t = &out->u.trade;
    if (e == SC_OK) {
        e = ms_field(c, "E", f->E, &t->ts_exch_ns);
    }
    if (e == SC_OK) {
        e = ms_field(c, "T", f->T, &t->ts_trade_ns);
    }
    if (e == SC_OK) {
        e = span_px(c, "p", f->p, &t->px);
    }
    if (e == SC_OK) {
        e = span_qty(c, "q", f->q, &t->qty);
    }
    t->trade_id = agg ? f->a_num : f->t;
    t->first_trade_id = agg ? f->f : f->t;
    t->last_trade_id = agg ? f->l : f->t;
    t->aggressor = f->m ? SC_SIDE_SELL : SC_SIDE_BUY; /* m: the buyer was the maker */
    t->kind = trade_kind(f);
    out->kind = agg ? SC_EV_AGG_TRADE : SC_EV_TRADE;
    return e;
}

static sc_err build_mark(jcur *c, const fields *f, sc_event *out) {
    sc_err e = need(c, f, K_E_TIME | K_P | K_R | K_T_TIME, "markPriceUpdate");
    sc_mark_price *m = &out->u.mark;
    memset(m, 0, sizeof(*m));
    if (e == SC_OK) {
        e = ms_field(c, "E", f->E, &m->ts_exch_ns);
    }
    if (e == SC_OK) {
        e = ms_field(c, "T", f->T, &m->next_funding_ns);
    }
    if (e == SC_OK) {
        e = span_money(c, "p", f->p, false, &m->mark_px);
    }
    if (e == SC_OK && (f->seen & K_I)) {
        e = span_money(c, "i", f->idx, false, &m->index_px);
    }
    if (e == SC_OK) {
        e = span_money(c, "r", f->r, true, &m->funding_rate);
    }
    out->kind = SC_EV_MARK_PRICE;
    return e;
}

static sc_err build_kline(jcur *c, const fields *f, sc_event *out) {
    sc_err e = need(c, f, K_E_TIME | K_K, "kline");
    const kfields *k = &f->k;
    if (e == SC_OK && (k->seen & 0x3FF) != 0x3FF) {
        sc_errinfo_set(c->err, "k", "t, T, n, x, i, o, h, l, c and v in a kline", "fewer", 5);
        e = SC_ERR_PARSE;
    }
    sc_kline *kl = &out->u.kline;
    memset(kl, 0, sizeof(*kl));
    if (e == SC_OK && k->i.n >= sizeof(kl->interval)) {
        e = fail_span(c, SC_ERR_PARSE, "k.i", "an interval like 1m", k->i);
    }
    if (e == SC_OK) {
        memcpy(kl->interval, k->i.s, k->i.n);
        e = ms_field(c, "E", f->E, &kl->ts_exch_ns);
    }
    if (e == SC_OK) {
        e = ms_field(c, "k.t", k->t, &kl->open_ns);
    }
    if (e == SC_OK) {
        e = ms_field(c, "k.T", k->T, &kl->close_ns);
    }
    if (e == SC_OK) {
        e = span_px(c, "k.o", k->o, &kl->open);
    }
    if (e == SC_OK) {
        e = span_px(c, "k.h", k->h, &kl->high);
    }
    if (e == SC_OK) {
        e = span_px(c, "k.l", k->l, &kl->low);
    }
    if (e == SC_OK) {
        e = span_px(c, "k.c", k->c, &kl->close);
    }
    if (e == SC_OK) {
        e = span_qty(c, "k.v", k->v, &kl->volume);
    }
    if (e == SC_OK && (k->seen & (1u << 11))) {
        e = span_qty(c, "k.V", k->V, &kl->taker_buy_volume);
    }
    if (e == SC_OK && (k->seen & (1u << 10))) {
        e = span_money(c, "k.q", k->q, false, &kl->quote_volume);
    }
    kl->trades = k->n;
    kl->closed = k->x;
    out->kind = SC_EV_KLINE;
    return e;
}

static bool span_eq(span s, const char *lit) {
    return key_is(s, lit);
}

static sc_err dispatch(jcur *c, const fields *f, sc_event *out) {
    if (f->data_not_object) {
        sc_errinfo_set(c->err, "data", "an event object", f->stream.s, f->stream.n);
        return SC_ERR_UNKNOWN_STREAM;
    }
    if ((f->seen & K_SYM) && !span_eq(f->sym, c->d->ins->symbol)) {
        sc_errinfo_set(c->err, "s", c->d->ins->symbol, f->sym.s, f->sym.n);
        return SC_ERR_UNKNOWN_STREAM;
    }
    if (f->seen & K_LAST_ID) {
        return build_snapshot(c, f, out);
    }
    if (!(f->seen & K_E_TYPE)) {
        /* Spot's bookTicker has no "e": recognise it by its shape. */
        if ((f->seen & K_U_FINAL) && f->b_kind == V_STR && f->a_kind == V_STR) {
            return build_book_ticker(c, f, out);
        }
        sc_errinfo_set(c->err, "e", "an event type or a depth snapshot", "none", 4);
        return SC_ERR_UNKNOWN_STREAM;
    }
    if (span_eq(f->e, "depthUpdate")) {
        return build_depth(c, f, out);
    }
    if (span_eq(f->e, "bookTicker")) {
        return build_book_ticker(c, f, out);
    }
    if (span_eq(f->e, "trade")) {
        return build_trade(c, f, out, false);
    }
    if (span_eq(f->e, "aggTrade")) {
        return build_trade(c, f, out, true);
    }
    if (span_eq(f->e, "markPriceUpdate")) {
        return build_mark(c, f, out);
    }
    if (span_eq(f->e, "kline")) {
        return build_kline(c, f, out);
    }
    sc_errinfo_set(c->err, "e", "a stream scalper uses", f->e.s, f->e.n);
    return SC_ERR_UNKNOWN_STREAM;
}

/* ---------- public ---------- */

sc_err sc_decoder_create(const sc_decoder_config *cfg, sc_decoder **out) {
    if (cfg == NULL || out == NULL || cfg->ins == NULL || cfg->levels_max > SC_DECODER_LEVELS_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    sc_decoder *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        return SC_ERR_NOMEM;
    }
    d->ins = cfg->ins;
    d->levels_max = cfg->levels_max ? cfg->levels_max : SC_DECODER_LEVELS_DEFAULT;
    d->bids = calloc(d->levels_max, sizeof(sc_level));
    d->asks = calloc(d->levels_max, sizeof(sc_level));
    if (d->bids == NULL || d->asks == NULL) {
        sc_decoder_destroy(d);
        return SC_ERR_NOMEM;
    }
    *out = d;
    return SC_OK;
}

void sc_decoder_destroy(sc_decoder *d) {
    if (d == NULL) {
        return;
    }
    free(d->bids);
    free(d->asks);
    free(d);
}

sc_err sc_decoder_decode(sc_decoder *d, const char *json, size_t len, sc_ns ts_local_ns,
                         sc_event *out, sc_errinfo *err) {
    SC_ASSERT(d != NULL && out != NULL);
    SC_ASSERT(json != NULL || len == 0);
    jcur c = {json, json + len, 0, err, d};
    if (len > SC_DECODER_MESSAGE_MAX) {
        return fail_at(&c, SC_ERR_LIMIT, "message", "at most 64 MiB");
    }
    fields f;
    memset(&f, 0, sizeof(f));
    sc_err e = walk_object(&c, &f, top_key);
    if (e == SC_OK) {
        ws(&c);
        if (c.p != c.end) {
            e = fail_at(&c, SC_ERR_PARSE, "json", "nothing after the object");
        }
    }
    if (e != SC_OK) {
        out->kind = SC_EV_NONE;
        return e;
    }
    SC_ASSERT(c.depth == 0);
    e = dispatch(&c, &f, out);
    out->ts_local_ns = ts_local_ns;
    if (e != SC_OK) {
        out->kind = SC_EV_NONE; /* never a partial event */
    }
    return e;
}

/* ---------- sniffing ---------- */

static const char *find(const char *s, size_t n, const char *lit) {
    size_t m = strlen(lit);
    for (size_t i = 0; m <= n && i <= n - m; i++) {
        if (s[i] == lit[0] && memcmp(s + i, lit, m) == 0) {
            return s + i;
        }
    }
    return NULL;
}

const sc_instrument *sc_decoder_sniff_instrument(const char *json, size_t len) {
    if (json == NULL) {
        return NULL;
    }
    if (find(json, len, "\"btcusd_perp@") != NULL || find(json, len, "\"BTCUSD_PERP\"") != NULL) {
        return sc_instrument_find("coinm:BTCUSD_PERP");
    }
    bool depth = find(json, len, "\"depthUpdate\"") != NULL;
    bool ticker = find(json, len, "@bookTicker\"") != NULL;
    bool snapshot = find(json, len, "\"lastUpdateId\"") != NULL && !ticker && !depth;
    bool spot = false;
    if (depth) {
        spot = find(json, len, "\"pu\"") == NULL;
    } else if (ticker) {
        spot = find(json, len, "\"e\":\"bookTicker\"") == NULL;
    } else if (snapshot) {
        spot = find(json, len, "\"E\"") == NULL;
    } else {
        return NULL; /* trades and mark prices do not tell spot from futures reliably */
    }
    return sc_instrument_find(spot ? "spot:BTCUSDT" : "usdm:BTCUSDT");
}
