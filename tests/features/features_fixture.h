/* features_fixture.h: helpers shared by the tests/features tests (not a
 * test itself: only test_*.c files are registered).
 *
 * fx_load_klines reads the Binance USD-M 1m klines in shared/data (skipping
 * the test, with a message, when they are absent) into plain bars: prices
 * exactly in ticks of 0.1 and as doubles, volume in steps of 0.001 and as a
 * double. fx_assert_close compares doubles with a relative tolerance. */
#ifndef SC_TESTS_FEATURES_FIXTURE_H
#define SC_TESTS_FEATURES_FIXTURE_H

#include "support/support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fixed.h"
#include "core/time.h"

#define FX_KLINES_REL "binance_usdm_klines_1m_signalbot/BTCUSDT_PERP_1m_20250606_20250616.csv.zst"

typedef struct {
    sc_ns open_ns;
    sc_ns end_ns; /* open + 1 minute: when the bar closed */
    sc_px open_px, high_px, low_px, close_px;
    sc_qty volume_qty;
    double open, high, low, close, volume;
} fx_bar;

/* Days since 1970-01-01 of a proleptic Gregorian date (civil calendar). */
static inline int64_t fx_days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static inline int64_t fx_digits(const char *s, size_t n) {
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(s[i] >= '0' && s[i] <= '9');
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "2025-06-06 21:41:00+00:00" -> ns since the epoch. */
static inline sc_ns fx_parse_time(const char *s, size_t len) {
    assert_int_equal(len, 25);
    assert_memory_equal(s + 19, "+00:00", 6);
    int64_t days = fx_days_from_civil(fx_digits(s, 4), fx_digits(s + 5, 2), fx_digits(s + 8, 2));
    int64_t secs = fx_digits(s + 11, 2) * 3600 + fx_digits(s + 14, 2) * 60 + fx_digits(s + 17, 2);
    return (days * 86400 + secs) * SC_NS_PER_S;
}

static inline int64_t fx_parse_dec(const char *s, size_t len, int scale) {
    int64_t v = 0;
    assert_int_equal(sc_dec_parse(s, len, scale, false, &v), SC_OK);
    return v;
}

/* Splits one CSV line into at most `max` fields; returns the count. */
static inline size_t fx_split(const char *line, size_t len, const char **f, size_t *flen,
                              size_t max) {
    size_t n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len && n < max; i++) {
        if (i == len || line[i] == ',') {
            f[n] = line + start;
            flen[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

static inline void fx_parse_row(const char *line, size_t len, fx_bar *b) {
    const char *f[8];
    size_t fl[8];
    assert_int_equal(fx_split(line, len, f, fl, 8), 7);
    b->open_ns = fx_parse_time(f[0], fl[0]);
    b->end_ns = b->open_ns + SC_NS_PER_MIN;
    b->open_px.ticks = fx_parse_dec(f[1], fl[1], 1);
    b->high_px.ticks = fx_parse_dec(f[2], fl[2], 1);
    b->low_px.ticks = fx_parse_dec(f[3], fl[3], 1);
    b->close_px.ticks = fx_parse_dec(f[4], fl[4], 1);
    b->volume_qty.steps = fx_parse_dec(f[5], fl[5], 3);
    b->open = (double)b->open_px.ticks / 10.0;
    b->high = (double)b->high_px.ticks / 10.0;
    b->low = (double)b->low_px.ticks / 10.0;
    b->close = (double)b->close_px.ticks / 10.0;
    b->volume = (double)b->volume_qty.steps / 1000.0;
}

/* Every bar of the shared 1m file, in file order; malloc'd, *n_out set.
 * Skips the calling test when the file is absent. */
static inline fx_bar *fx_load_klines(size_t *n_out) {
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(FX_KLINES_REL, path);
    size_t len = 0;
    char *text = sc_test_read_all(path, &len);
    size_t cap = 1;
    for (size_t i = 0; i < len; i++) {
        cap += text[i] == '\n';
    }
    fx_bar *bars = calloc(cap, sizeof(*bars));
    assert_non_null(bars);
    size_t n = 0;
    size_t pos = 0;
    bool header = true;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        size_t line_len = end - pos;
        if (line_len > 0 && text[pos + line_len - 1] == '\r') {
            line_len--;
        }
        if (!header && line_len > 0) {
            assert_true(n < cap);
            fx_parse_row(text + pos, line_len, &bars[n++]);
        }
        header = false;
        pos = end + 1;
    }
    free(text);
    assert_true(n > 1000);
    for (size_t i = 1; i < n; i++) {
        assert_true(bars[i].open_ns > bars[i - 1].open_ns);
    }
    *n_out = n;
    return bars;
}

/* |got - want| <= rel * max(|got|, |want|, floor_abs). */
static inline void fx_close_at(double got, double want, double rel, double floor_abs,
                               const char *what, size_t i) {
    double scale = fmax(fmax(fabs(got), fabs(want)), floor_abs);
    if (!(fabs(got - want) <= rel * scale)) {
        fail_msg("%s at %zu: got %.17g, want %.17g (diff %.3g)", what, i, got, want,
                 fabs(got - want));
    }
}

static inline void fx_close(double got, double want, double rel) {
    fx_close_at(got, want, rel, 0.0, "value", 0);
}

#endif
