/* json_out.h: a bounded JSON writer into a caller's buffer, shared by the
 * engine's record formatters (engine/decision_path.h, engine/
 * decision_context.h). Once something does not fit, the writer stays full
 * and the caller reports -1: a record is never cut.
 *
 * Keys are written as ,"key": (the caller opens each object with its first
 * member by hand); strings are escaped (quotes, backslashes, control bytes)
 * and invalid UTF-8 becomes U+FFFD; numbers go through
 * sc_decision_format_number (shortest round-trip text, null when not
 * finite); prices and quantities are exact decimal strings.
 *
 * Thread: any (the writer is the caller's). Allocates: nothing. */
#ifndef SC_ENGINE_JSON_OUT_H
#define SC_ENGINE_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/instrument.h"

typedef struct {
    char *buf; /* NUL-terminated after every call */
    size_t cap;
    size_t len;
    bool full;
    const sc_instrument *ins; /* for sc_jw_px and sc_jw_qty */
} sc_jw;

void sc_jw_bytes(sc_jw *w, const char *s, size_t n);
void sc_jw_raw(sc_jw *w, const char *s);
void sc_jw_str(sc_jw *w, const char *s); /* a quoted, escaped string */
void sc_jw_key(sc_jw *w, const char *k); /* ,"k": */
void sc_jw_i64(sc_jw *w, const char *k, int64_t v);
void sc_jw_num(sc_jw *w, const char *k, double v);
void sc_jw_text(sc_jw *w, const char *k, const char *s);
void sc_jw_bool(sc_jw *w, const char *k, bool v);
void sc_jw_px(sc_jw *w, const char *k, sc_px px);
void sc_jw_qty(sc_jw *w, const char *k, sc_qty q);

#endif
