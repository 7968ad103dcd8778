#include "core/fixed.h"

#include <string.h>

#include "core/assert.h"

static const int64_t k_pow10[SC_DEC_SCALE_MAX + 1] = {1,      10,      100,      1000,     10000,
                                                      100000, 1000000, 10000000, 100000000};

bool sc_add_i64(int64_t a, int64_t b, int64_t *out) {
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b)) {
        return false;
    }
    *out = a + b;
    return true;
}

bool sc_mul_i64(int64_t a, int64_t b, int64_t *out) {
    /* GCC and clang both provide this builtin; it compiles to one multiply
     * and a flag test, which the hand-written division check does not. */
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) {
        return false;
    }
    *out = r;
    return true;
}

sc_err sc_dec_parse(const char *s, size_t len, int scale, bool allow_negative, int64_t *out) {
    SC_ASSERT(scale >= 0 && scale <= SC_DEC_SCALE_MAX);
    SC_ASSERT(out != NULL);
    if (s == NULL || len == 0 || len > SC_DEC_TEXT_MAX) {
        return len > SC_DEC_TEXT_MAX ? SC_ERR_OVERFLOW : SC_ERR_PARSE;
    }
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-') {
        if (!allow_negative) {
            return SC_ERR_RANGE;
        }
        neg = true;
        i = 1;
    }
    /* Accumulate as a negative number so INT64_MIN stays representable. */
    int64_t acc = 0;
    size_t int_digits = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, int_digits++) {
        int64_t d = s[i] - '0';
        if (acc < (INT64_MIN + d) / 10) {
            return SC_ERR_OVERFLOW;
        }
        acc = acc * 10 - d;
    }
    int frac_digits = 0;
    bool point = false;
    size_t frac_start = 0;
    if (i < len && s[i] == '.') {
        point = true;
        i++;
        frac_start = i;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            int64_t d = s[i] - '0';
            if (frac_digits < scale) {
                if (acc < (INT64_MIN + d) / 10) {
                    return SC_ERR_OVERFLOW;
                }
                acc = acc * 10 - d;
                frac_digits++;
            } else if (d != 0) {
                return SC_ERR_PRECISION;
            }
        }
    }
    if (i != len || int_digits == 0 || (point && i == frac_start)) {
        return SC_ERR_PARSE; /* stray byte, ".5", "5." */
    }
    int64_t mult = k_pow10[scale - frac_digits];
    if (acc < INT64_MIN / mult) {
        return SC_ERR_OVERFLOW;
    }
    acc *= mult;
    if (!neg) {
        if (acc == INT64_MIN) {
            return SC_ERR_OVERFLOW;
        }
        acc = -acc;
    }
    *out = acc;
    return SC_OK;
}

int sc_dec_format(int64_t value, int scale, int decimals, char *buf, size_t cap) {
    SC_ASSERT(scale >= 0 && scale <= SC_DEC_SCALE_MAX);
    if (decimals < scale || decimals > SC_DEC_SCALE_MAX || buf == NULL) {
        return -1;
    }
    char tmp[SC_DEC_TEXT_MAX];
    size_t n = 0;
    uint64_t mag = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    /* Scale up to the requested decimals; the padding digits are zeros. */
    int pad = decimals - scale;
    for (int d = 0; d < decimals; d++) {
        if (d < pad) {
            tmp[n++] = '0';
        } else {
            tmp[n++] = (char)('0' + (mag % 10));
            mag /= 10;
        }
    }
    if (decimals > 0) {
        tmp[n++] = '.';
    }
    do {
        tmp[n++] = (char)('0' + (mag % 10));
        mag /= 10;
    } while (mag != 0);
    if (value < 0) {
        tmp[n++] = '-';
    }
    if (n + 1 > cap) {
        return -1;
    }
    for (size_t k = 0; k < n; k++) {
        buf[k] = tmp[n - 1 - k];
    }
    buf[n] = '\0';
    return (int)n;
}
