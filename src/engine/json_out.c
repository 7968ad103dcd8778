/* json_out.c: see json_out.h. */
#include "engine/json_out.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ai/decision.h"
#include "core/assert.h"

/* A bounded writer: once something does not fit it stays full and the
 * caller reports -1 (never a cut record). */

void sc_jw_bytes(sc_jw *w, const char *s, size_t n) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    if (w->full || n >= w->cap - w->len) {
        w->full = true;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
    SC_ASSERT(w->len < w->cap);
}

void sc_jw_raw(sc_jw *w, const char *s) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    sc_jw_bytes(w, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at p (2..4), or 0. */
static size_t utf8_len(const unsigned char *p) {
    unsigned c = p[0];
    size_t n = c >= 0xC2 && c <= 0xDF   ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0; /* also stops at the NUL */
        }
    }
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] > 0x8F)) {
        return 0; /* overlong, surrogate or past U+10FFFF */
    }
    return n;
}

/* A JSON string: quotes, backslashes and control bytes escaped, invalid
 * UTF-8 replaced by U+FFFD. */
void sc_jw_str(sc_jw *w, const char *s) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    sc_jw_raw(w, "\"");
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0' && !w->full) {
        if (*p == '"' || *p == '\\') {
            char esc[3] = {'\\', (char)*p, '\0'};
            sc_jw_raw(w, esc);
            p++;
        } else if (*p < 0x20 || *p == 0x7F) {
            char esc[8];
            snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)*p);
            sc_jw_raw(w, esc);
            p++;
        } else if (*p < 0x80) {
            sc_jw_bytes(w, (const char *)p, 1);
            p++;
        } else {
            size_t n = utf8_len(p);
            if (n == 0) {
                sc_jw_raw(w, "\\ufffd");
                p++;
            } else {
                sc_jw_bytes(w, (const char *)p, n);
                p += n;
            }
        }
    }
    sc_jw_raw(w, "\"");
}

void sc_jw_key(sc_jw *w, const char *k) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    sc_jw_raw(w, ",\"");
    sc_jw_raw(w, k);
    sc_jw_raw(w, "\":");
}

void sc_jw_i64(sc_jw *w, const char *k, int64_t v) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    char b[24];
    snprintf(b, sizeof(b), "%" PRId64, v);
    sc_jw_key(w, k);
    sc_jw_raw(w, b);
}

void sc_jw_num(sc_jw *w, const char *k, double v) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    char b[40];
    int n = sc_decision_format_number(v, b, sizeof(b));
    SC_ASSERT(n > 0);
    sc_jw_key(w, k);
    sc_jw_raw(w, b);
}

void sc_jw_text(sc_jw *w, const char *k, const char *s) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    sc_jw_key(w, k);
    sc_jw_str(w, s);
}

void sc_jw_bool(sc_jw *w, const char *k, bool v) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    sc_jw_key(w, k);
    sc_jw_raw(w, v ? "true" : "false");
}

void sc_jw_px(sc_jw *w, const char *k, sc_px px) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    char b[48];
    int n = sc_px_format(w->ins, px, b, sizeof(b));
    SC_ASSERT(n > 0);
    sc_jw_text(w, k, b);
}

void sc_jw_qty(sc_jw *w, const char *k, sc_qty q) {
    SC_ASSERT(w != NULL && w->buf != NULL && w->len < w->cap);
    char b[48];
    int n = sc_qty_format(w->ins, q, b, sizeof(b));
    SC_ASSERT(n > 0);
    sc_jw_text(w, k, b);
}
