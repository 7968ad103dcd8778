/* fixed.h: exact money. Prices, quantities and amounts as int64.
 *
 * sc_px counts ticks of an instrument, sc_qty counts its lot steps, sc_money
 * counts 1e-8 of the quote asset. Each is a one-member struct so the
 * compiler refuses to mix them. Decimal strings become integers directly,
 * with no floating point on the way: a value finer than the grid it is parsed
 * onto is refused (SC_ERR_PRECISION), never rounded silently.
 *
 * Thread: any. Allocates: nothing.
 */
#ifndef SC_CORE_FIXED_H
#define SC_CORE_FIXED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct {
    int64_t ticks;
} sc_px;
typedef struct {
    int64_t steps;
} sc_qty;
typedef struct {
    int64_t e8;
} sc_money;

/* Most digits after the decimal point that any grid here uses. */
enum { SC_DEC_SCALE_MAX = 8 };
/* Longest decimal text accepted (digits, point and sign). */
enum { SC_DEC_TEXT_MAX = 40 };

/* Parses the decimal text s[0..len) as an integer count of 10^-scale.
 * Accepts [-]digits[.digits]; trailing zeros past the scale are fine, a
 * non-zero digit past the scale is SC_ERR_PRECISION. Empty text, a lone
 * point, '+', exponents, spaces and any other byte are SC_ERR_PARSE; a value
 * that does not fit int64 is SC_ERR_OVERFLOW. allow_negative false refuses
 * a leading '-'. */
sc_err sc_dec_parse(const char *s, size_t len, int scale, bool allow_negative, int64_t *out);

/* Writes value/10^scale with exactly `decimals` digits after the point
 * (decimals >= scale pads with zeros; decimals < scale is an error).
 * Returns the length written, or -1 if cap is too small. */
int sc_dec_format(int64_t value, int scale, int decimals, char *buf, size_t cap);

/* Checked int64 arithmetic: false on overflow, *out untouched then. */
bool sc_add_i64(int64_t a, int64_t b, int64_t *out);
bool sc_mul_i64(int64_t a, int64_t b, int64_t *out);

static inline bool sc_px_eq(sc_px a, sc_px b) {
    return a.ticks == b.ticks;
}
static inline bool sc_qty_eq(sc_qty a, sc_qty b) {
    return a.steps == b.steps;
}

#endif
