#include "market/klines_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "core/assert.h"

/* Structure
 *
 * bytes:  the file, plain or zstd, read in SC_KLINES_CSV_CHUNK pieces into
 *         one line buffer of line_max + chunk bytes (fill). A line longer
 *         than line_max is reported once and its rest skipped.
 * lines:  read_line hands out lines in place (no copy), without "\n"/"\r".
 * layout: the first non-blank line decides (detect_layout); in the
 *         headerless layout that line is also the first row, kept pending.
 * rows:   parse_row splits on commas, then converts times, prices, volumes,
 *         checks the row's own consistency, then its place in the sequence.
 *         Nothing reaches the output or the sequence state before every
 *         check has passed, so a bad row leaves no trace but its error.
 *
 * CSV quoting: a field wrapped in double quotes is unwrapped; commas inside
 * quotes are not supported (no kline file has them) and show up as a wrong
 * column count. */

typedef enum {
    R_OPEN_TIME = 0,
    R_CLOSE_TIME,
    R_OPEN,
    R_HIGH,
    R_LOW,
    R_CLOSE,
    R_VOLUME,
    R_TAKER_BUY,
    R_QUOTE,
    R_TRADES,
    R_COUNT
} role;

enum { COL_NAME_MAX = 40, BINANCE_COLS = 12 };

/* Accepted names per role, best first (klines_csv.h lists them). */
static const char *const k_open_time_names[] = {"open_time",     "opentime",  "open_timestamp",
                                                "open_datetime", "timestamp", "datetime",
                                                "date",          "time",      "ts",
                                                "start_time",    NULL};
static const char *const k_close_time_names[] = {"close_time",     "closetime", "close_timestamp",
                                                 "close_datetime", "end_time",  NULL};
static const char *const k_open_names[] = {"open", "open_price", NULL};
static const char *const k_high_names[] = {"high", "high_price", NULL};
static const char *const k_low_names[] = {"low", "low_price", NULL};
static const char *const k_close_names[] = {"close", "close_price", NULL};
static const char *const k_volume_names[] = {"volume", "vol", "base_volume", "base_asset_volume",
                                             NULL};
static const char *const k_taker_names[] = {"taker_buy_volume", "taker_buy_base_volume",
                                            "taker_buy_base_asset_volume", "taker_buy_base", NULL};
static const char *const k_quote_names[] = {"quote_volume", "quote_asset_volume", "quote_av",
                                            "quote_vol",    "turnover",           NULL};
static const char *const k_trades_names[] = {
    "trades", "count", "number_of_trades", "num_trades", "trade_count", "n_trades", NULL};
static const char *const *const k_role_names[R_COUNT] = {
    k_open_time_names, k_close_time_names, k_open_names,  k_high_names,  k_low_names,
    k_close_names,     k_volume_names,     k_taker_names, k_quote_names, k_trades_names};

/* data.binance.vision kline columns (binance-usdm-reference.md §8). */
static const char *const k_binance_cols[BINANCE_COLS] = {"open_time",
                                                         "open",
                                                         "high",
                                                         "low",
                                                         "close",
                                                         "volume",
                                                         "close_time",
                                                         "quote_volume",
                                                         "count",
                                                         "taker_buy_volume",
                                                         "taker_buy_quote_volume",
                                                         "ignore"};
static const int k_binance_role_col[R_COUNT] = {0, 6, 1, 2, 3, 4, 5, 9, 7, 8};

typedef struct {
    const char *p;
    size_t n;
} field;

struct sc_klines_csv {
    const sc_instrument *ins;
    sc_ns interval_ns;
    sc_ns close_tol_ns; /* a close time may fall this much short of open + interval */
    size_t line_max;
    char *path;
    FILE *f;
    ZSTD_DCtx *zd; /* NULL for a plain file */
    char *in_buf;  /* compressed bytes (zstd only) */
    ZSTD_inBuffer zin;
    size_t z_last; /* last ZSTD_decompressStream result; 0 exactly at a frame end */
    bool file_eof; /* no more compressed bytes */
    char *buf;     /* decompressed or plain bytes; lines live here */
    size_t buf_cap;
    size_t pos;
    size_t end;
    bool src_eof;
    bool discarding;  /* skipping the rest of an overlong line */
    sc_err sticky;    /* an I/O or decompression error, returned from then on */
    int64_t line_no;  /* lines read so far */
    int64_t row_line; /* line of the row being parsed */
    bool pending;     /* headerless layout: the first line is the first row */
    const char *pend_p;
    size_t pend_n;
    int64_t pend_line;
    int n_cols;
    int col[R_COUNT]; /* column of each role; -1 when absent */
    char names[SC_KLINES_CSV_COLS_MAX][COL_NAME_MAX];
    bool have_last;
    sc_ns last_open_ns;
    int64_t last_line;
    sc_klines_csv_stats st;
    field fields[SC_KLINES_CSV_COLS_MAX];
};

/* ---- errors ---------------------------------------------------------- */

static void set_err(const sc_klines_csv *r, sc_errinfo *err, int64_t line, const char *field_name,
                    const char *expected, const char *got, size_t got_len) {
    if (err == NULL) {
        return;
    }
    err->source = r->path;
    err->line = line;
    sc_errinfo_set(err, field_name, expected, got, got_len);
}

/* An error about column c of the current row: "name (column n)". */
static sc_err col_err(const sc_klines_csv *r, sc_errinfo *err, sc_err e, int c,
                      const char *expected, const char *got, size_t got_len) {
    SC_ASSERT(e != SC_OK);
    SC_ASSERT(c >= 0 && c < r->n_cols);
    char name[COL_NAME_MAX + 24];
    snprintf(name, sizeof(name), "%s (column %d)", r->names[c], c + 1);
    set_err(r, err, r->row_line, name, expected, got, got_len);
    return e;
}

static sc_err field_err(const sc_klines_csv *r, sc_errinfo *err, sc_err e, role ro,
                        const char *expected) {
    int c = r->col[ro];
    return col_err(r, err, e, c, expected, r->fields[c].p, r->fields[c].n);
}

/* ---- bytes ----------------------------------------------------------- */

static sc_err read_plain(sc_klines_csv *r, char *dst, size_t cap, size_t *got) {
    *got = fread(dst, 1, cap, r->f);
    if (*got == 0 && ferror(r->f)) {
        return SC_ERR_IO;
    }
    return SC_OK;
}

/* Decompresses up to cap bytes; *got == 0 only at a clean end of the file.
 * Every pass either reads compressed bytes or runs the decoder on them, so
 * the loop ends with the file. */
static sc_err read_zstd(sc_klines_csv *r, char *dst, size_t cap, size_t *got) {
    *got = 0;
    for (;;) {
        bool in_empty = r->zin.pos == r->zin.size;
        if (in_empty && !r->file_eof) {
            size_t n = fread(r->in_buf, 1, SC_KLINES_CSV_CHUNK, r->f);
            if (n == 0 && ferror(r->f)) {
                return SC_ERR_IO;
            }
            r->file_eof = n == 0;
            r->zin.src = r->in_buf;
            r->zin.size = n;
            r->zin.pos = 0;
            continue;
        }
        if (in_empty && r->z_last == 0) {
            return SC_OK; /* every frame ended and nothing follows */
        }
        ZSTD_outBuffer out = {dst, cap, 0};
        size_t ret = ZSTD_decompressStream(r->zd, &out, &r->zin);
        if (ZSTD_isError(ret)) {
            return SC_ERR_COMPRESSION;
        }
        r->z_last = ret;
        if (out.pos > 0) {
            *got = out.pos;
            return SC_OK;
        }
        if (in_empty) {
            return SC_ERR_COMPRESSION; /* the file ends inside a frame */
        }
    }
}

static sc_err fill(sc_klines_csv *r) {
    SC_ASSERT(r->pos <= r->end && r->end <= r->buf_cap);
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->end -= r->pos;
        r->pos = 0;
    }
    size_t room = r->buf_cap - r->end;
    SC_ASSERT(room >= SC_KLINES_CSV_CHUNK); /* a pending line is at most line_max */
    size_t got = 0;
    sc_err e = r->zd != NULL ? read_zstd(r, r->buf + r->end, room, &got)
                             : read_plain(r, r->buf + r->end, room, &got);
    if (e != SC_OK) {
        return e;
    }
    r->src_eof = got == 0;
    r->end += got;
    return SC_OK;
}

static void cut_cr(const char *p, size_t *n) {
    if (*n > 0 && p[*n - 1] == '\r') {
        (*n)--;
    }
}

/* Next line in place. SC_ERR_EOF at the end; SC_ERR_LIMIT for a line over
 * line_max (counted, its rest skipped); SC_ERR_IO / SC_ERR_COMPRESSION. */
static sc_err read_line(sc_klines_csv *r, const char **p, size_t *n) {
    SC_ASSERT(r->sticky == SC_OK);
    for (;;) {
        SC_ASSERT(r->pos <= r->end && r->end <= r->buf_cap);
        char *start = r->buf + r->pos;
        char *nl = memchr(start, '\n', r->end - r->pos);
        if (nl != NULL) {
            size_t len = (size_t)(nl - start);
            r->pos += len + 1;
            if (r->discarding) {
                r->discarding = false; /* the tail of a line already reported */
                continue;
            }
            r->line_no++;
            if (len > r->line_max) {
                return SC_ERR_LIMIT;
            }
            *p = start;
            *n = len;
            cut_cr(*p, n);
            return SC_OK;
        }
        size_t have = r->end - r->pos;
        if (r->discarding) {
            r->pos = r->end = 0;
        } else if (have > r->line_max) {
            r->line_no++;
            r->discarding = true;
            r->pos = r->end = 0;
            return SC_ERR_LIMIT;
        }
        if (r->src_eof) {
            if (r->discarding || r->pos == r->end) {
                r->discarding = false;
                return SC_ERR_EOF;
            }
            r->line_no++; /* a last line without '\n' */
            *p = start;
            *n = have;
            r->pos = r->end;
            cut_cr(*p, n);
            return SC_OK;
        }
        sc_err e = fill(r);
        if (e != SC_OK) {
            return e;
        }
    }
}

/* ---- fields ---------------------------------------------------------- */

static bool is_space(char c) {
    return c == ' ' || c == '\t';
}

static field trim(const char *p, size_t n) {
    while (n > 0 && is_space(p[0])) {
        p++;
        n--;
    }
    while (n > 0 && is_space(p[n - 1])) {
        n--;
    }
    if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
        p++;
        n -= 2;
    }
    field f = {p, n};
    return f;
}

/* Splits a line on commas into out; returns the count, or -1 when there
 * are more than SC_KLINES_CSV_COLS_MAX columns. */
static int split(const char *p, size_t n, field *out) {
    SC_ASSERT(p != NULL || n == 0);
    int count = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != ',') {
            continue;
        }
        if (count == SC_KLINES_CSV_COLS_MAX) {
            return -1;
        }
        out[count++] = trim(p + start, i - start);
        start = i + 1;
    }
    SC_ASSERT(count >= 1);
    return count;
}

static bool is_blank(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (!is_space(p[i]) && p[i] != '\r') {
            return false;
        }
    }
    return true;
}

static bool is_digits(field f) {
    if (f.n == 0) {
        return false;
    }
    for (size_t i = 0; i < f.n; i++) {
        if (f.p[i] < '0' || f.p[i] > '9') {
            return false;
        }
    }
    return true;
}

static char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool name_is(field f, const char *name) {
    size_t len = strlen(name);
    if (f.n != len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = f.p[i] == ' ' ? '_' : lower(f.p[i]); /* "Open Time" is open_time */
        if (c != name[i]) {
            return false;
        }
    }
    return true;
}

/* ---- times ----------------------------------------------------------- */

int64_t sc_days_from_civil(int64_t y, int m, int d) {
    SC_ASSERT(m >= 1 && m <= 12 && d >= 1 && d <= 31);
    SC_ASSERT(y > -1000000000 && y < 1000000000);
    /* Count years from March so the leap day ends the year; 400-year eras
     * of 146097 days repeat exactly. 719468 = days from 0000-03-01 to the
     * epoch. */
    int64_t yy = m <= 2 ? y - 1 : y;
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t year_of_era = yy - era * 400;
    int64_t month_from_march = (m + 9) % 12;
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + d - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    SC_ASSERT(day_of_era >= 0 && day_of_era < 146097);
    return era * 146097 + day_of_era - 719468;
}

static int days_in_month(int64_t y, int m) {
    static const int k_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    SC_ASSERT(m >= 1 && m <= 12);
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : k_days[m - 1];
}

/* Exactly `count` digits at s[*i]. */
static bool take_num(const char *s, size_t len, size_t *i, int count, int *out) {
    int v = 0;
    for (int k = 0; k < count; k++, (*i)++) {
        if (*i >= len || s[*i] < '0' || s[*i] > '9') {
            return false;
        }
        v = v * 10 + (s[*i] - '0');
    }
    *out = v;
    return true;
}

static bool take_char(const char *s, size_t len, size_t *i, char c) {
    if (*i < len && s[*i] == c) {
        (*i)++;
        return true;
    }
    return false;
}

/* Zone after a time: [ ](Z|UTC|(+|-)hh[[:]mm]); *off_s = local - UTC. */
static bool take_zone(const char *s, size_t len, size_t *i, int64_t *off_s) {
    *off_s = 0;
    if (*i == len) {
        return true;
    }
    take_char(s, len, i, ' ');
    if (take_char(s, len, i, 'Z') || take_char(s, len, i, 'z')) {
        return true;
    }
    if (len - *i == 3 && lower(s[*i]) == 'u' && lower(s[*i + 1]) == 't' &&
        lower(s[*i + 2]) == 'c') {
        *i += 3;
        return true;
    }
    int sign = take_char(s, len, i, '+') ? 1 : take_char(s, len, i, '-') ? -1 : 0;
    int hh = 0;
    int mm = 0;
    if (sign == 0 || !take_num(s, len, i, 2, &hh)) {
        return false;
    }
    if (*i < len) {
        take_char(s, len, i, ':');
        if (!take_num(s, len, i, 2, &mm)) {
            return false;
        }
    }
    if (hh > 23 || mm > 59) {
        return false;
    }
    *off_s = sign * (hh * 3600 + mm * 60);
    return true;
}

/* [.fraction] of up to 9 digits, as ns. */
static bool take_frac(const char *s, size_t len, size_t *i, int64_t *ns) {
    *ns = 0;
    if (!take_char(s, len, i, '.')) {
        return true;
    }
    int digits = 0;
    int64_t scale = 100000000;
    for (; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++, digits++) {
        if (digits == 9) {
            return false;
        }
        *ns += (s[*i] - '0') * scale;
        scale /= 10;
    }
    return digits > 0;
}

/* [(T| )hh:mm[:ss[.frac]][zone]] after a date: seconds of the day minus
 * the zone offset, and the fraction. */
static bool take_clock(const char *s, size_t len, size_t *i, int64_t *secs, int64_t *frac) {
    *secs = 0;
    *frac = 0;
    if (*i == len) {
        return true;
    }
    if (s[*i] != 'T' && s[*i] != 't' && s[*i] != ' ') {
        return false;
    }
    (*i)++;
    int hh = 0;
    int mi = 0;
    int ss = 0;
    if (!take_num(s, len, i, 2, &hh) || !take_char(s, len, i, ':') ||
        !take_num(s, len, i, 2, &mi)) {
        return false;
    }
    if (take_char(s, len, i, ':') &&
        (!take_num(s, len, i, 2, &ss) || !take_frac(s, len, i, frac))) {
        return false;
    }
    int64_t off = 0;
    if (hh > 23 || mi > 59 || ss > 59 || !take_zone(s, len, i, &off)) {
        return false;
    }
    *secs = hh * 3600 + mi * 60 + ss - off;
    return true;
}

bool sc_klines_parse_iso(const char *s, size_t len, sc_ns *out) {
    SC_ASSERT(out != NULL);
    if (s == NULL) {
        return false;
    }
    size_t i = 0;
    int y = 0;
    int mo = 0;
    int d = 0;
    if (!take_num(s, len, &i, 4, &y) || !take_char(s, len, &i, '-') ||
        !take_num(s, len, &i, 2, &mo) || !take_char(s, len, &i, '-') ||
        !take_num(s, len, &i, 2, &d)) {
        return false;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) {
        return false;
    }
    int64_t secs = 0;
    int64_t frac = 0;
    if (!take_clock(s, len, &i, &secs, &frac) || i != len) {
        return false;
    }
    int64_t t = 0;
    if (!sc_mul_i64(sc_days_from_civil(y, mo, d), 86400, &t) || !sc_add_i64(t, secs, &t) ||
        !sc_mul_i64(t, SC_NS_PER_S, &t) || !sc_add_i64(t, frac, &t)) {
        return false;
    }
    *out = t;
    return true;
}

static const char *kind_text(sc_klines_time_kind k) {
    switch (k) {
    case SC_KLINES_TIME_EPOCH_S:
        return "an epoch time in seconds, like the file's first time";
    case SC_KLINES_TIME_EPOCH_MS:
        return "an epoch time in milliseconds, like the file's first time";
    case SC_KLINES_TIME_EPOCH_US:
        return "an epoch time in microseconds, like the file's first time";
    case SC_KLINES_TIME_EPOCH_NS:
        return "an epoch time in nanoseconds, like the file's first time";
    case SC_KLINES_TIME_ISO:
        return "an ISO-8601 date-time, like the file's first time";
    case SC_KLINES_TIME_UNKNOWN:
        break;
    }
    return "an epoch integer or an ISO-8601 date-time";
}

/* Epoch unit by magnitude (klines_csv.h). */
static sc_klines_time_kind epoch_kind(int64_t v, int64_t *unit_ns) {
    if (v < INT64_C(100000000000)) {
        *unit_ns = SC_NS_PER_S;
        return SC_KLINES_TIME_EPOCH_S;
    }
    if (v < INT64_C(100000000000000)) {
        *unit_ns = SC_NS_PER_MS;
        return SC_KLINES_TIME_EPOCH_MS;
    }
    if (v < INT64_C(100000000000000000)) {
        *unit_ns = SC_NS_PER_US;
        return SC_KLINES_TIME_EPOCH_US;
    }
    *unit_ns = 1;
    return SC_KLINES_TIME_EPOCH_NS;
}

/* The time in column ro of the current row. */
static sc_err parse_time(sc_klines_csv *r, role ro, sc_ns *out, sc_errinfo *err) {
    SC_ASSERT(r->col[ro] >= 0 && r->col[ro] < r->n_cols);
    field f = r->fields[r->col[ro]];
    sc_klines_time_kind kind = SC_KLINES_TIME_ISO;
    sc_ns t = 0;
    bool ok;
    if (is_digits(f)) {
        int64_t v = 0;
        int64_t unit = 1;
        ok = sc_dec_parse(f.p, f.n, 0, false, &v) == SC_OK;
        kind = epoch_kind(v, &unit);
        ok = ok && sc_mul_i64(v, unit, &t);
    } else {
        ok = sc_klines_parse_iso(f.p, f.n, &t);
    }
    if (!ok) {
        return field_err(r, err, SC_ERR_PARSE, ro, kind_text(r->st.time_kind));
    }
    if (r->st.time_kind == SC_KLINES_TIME_UNKNOWN) {
        r->st.time_kind = kind;
        r->close_tol_ns = kind == SC_KLINES_TIME_EPOCH_S ? SC_NS_PER_S : SC_NS_PER_MS;
    } else if (kind != r->st.time_kind) {
        return field_err(r, err, SC_ERR_PARSE, ro, kind_text(r->st.time_kind));
    }
    if (t < 0) {
        return field_err(r, err, SC_ERR_RANGE, ro, "a time at or after 1970-01-01");
    }
    *out = t;
    return SC_OK;
}

/* Open time of the current row, from the open-time column or derived from
 * the close time; checks alignment and the close time. */
static sc_err row_open_ns(sc_klines_csv *r, sc_ns *open_out, sc_errinfo *err) {
    sc_ns iv = r->interval_ns;
    SC_ASSERT(iv > 0 && iv % SC_NS_PER_S == 0);
    SC_ASSERT(r->col[R_OPEN_TIME] >= 0 || r->col[R_CLOSE_TIME] >= 0);
    sc_ns open_ns = 0;
    sc_ns close_ns = 0;
    bool has_close = r->col[R_CLOSE_TIME] >= 0;
    sc_err e = SC_OK;
    if (r->col[R_OPEN_TIME] >= 0) {
        e = parse_time(r, R_OPEN_TIME, &open_ns, err);
    }
    if (e == SC_OK && has_close) {
        e = parse_time(r, R_CLOSE_TIME, &close_ns, err);
    }
    if (e != SC_OK) {
        return e;
    }
    char text[SC_ERRINFO_TEXT_MAX];
    role where = r->col[R_OPEN_TIME] >= 0 ? R_OPEN_TIME : R_CLOSE_TIME;
    if (r->col[R_OPEN_TIME] < 0) {
        if (close_ns == 0) {
            return field_err(r, err, SC_ERR_RANGE, R_CLOSE_TIME, "a close time after the epoch");
        }
        open_ns = (close_ns - 1) - (close_ns - 1) % iv;
    }
    if (open_ns % iv != 0) {
        snprintf(text, sizeof(text), "an open time aligned to the %lld s interval (UTC)",
                 (long long)(iv / SC_NS_PER_S));
        return field_err(r, err, SC_ERR_RANGE, where, text);
    }
    if (has_close && (close_ns - open_ns < iv - r->close_tol_ns || close_ns - open_ns > iv)) {
        snprintf(text, sizeof(text), "a close time of open + %lld s (less up to %lld ms)",
                 (long long)(iv / SC_NS_PER_S), (long long)(r->close_tol_ns / SC_NS_PER_MS));
        return field_err(r, err, SC_ERR_RANGE, R_CLOSE_TIME, text);
    }
    *open_out = open_ns;
    return SC_OK;
}

/* ---- values ---------------------------------------------------------- */

static bool has_exponent(field f) {
    for (size_t i = 0; i < f.n; i++) {
        if (f.p[i] == 'e' || f.p[i] == 'E') {
            return true;
        }
    }
    return false;
}

/* The message for a failed decimal parse of column ro; what names the
 * value ("price"), grid the grid text ("0.10 grid of usdm:BTCUSDT"). */
static sc_err value_err(const sc_klines_csv *r, sc_errinfo *err, sc_err e, role ro,
                        const char *what, const char *grid) {
    char text[SC_ERRINFO_TEXT_MAX];
    field f = r->fields[r->col[ro]];
    if (e == SC_ERR_PRECISION) {
        snprintf(text, sizeof(text), "a %s on the %s (finer is not rounded)", what, grid);
    } else if (e == SC_ERR_RANGE) {
        snprintf(text, sizeof(text), "a %s >= 0", what);
    } else if (e == SC_ERR_OVERFLOW) {
        snprintf(text, sizeof(text), "a %s that fits in int64 units of the %s", what, grid);
    } else if (has_exponent(f)) {
        snprintf(text, sizeof(text), "a plain decimal %s (exponent notation is not exact)", what);
    } else {
        snprintf(text, sizeof(text), "a decimal %s", what);
    }
    return field_err(r, err, e, ro, text);
}

static void grid_text(const sc_klines_csv *r, bool px, char *buf, size_t cap) {
    char unit[SC_DEC_TEXT_MAX];
    int n = px ? sc_px_format(r->ins, (sc_px){1}, unit, sizeof(unit))
               : sc_qty_format(r->ins, (sc_qty){1}, unit, sizeof(unit));
    SC_ASSERT(n > 0);
    snprintf(buf, cap, "%s grid of %s", unit, r->ins->name);
}

static sc_err parse_px(sc_klines_csv *r, role ro, sc_px *out, sc_errinfo *err) {
    field f = r->fields[r->col[ro]];
    sc_err e = sc_px_parse(r->ins, f.p, f.n, out);
    if (e != SC_OK) {
        char grid[80];
        grid_text(r, true, grid, sizeof(grid));
        return value_err(r, err, e, ro, "price", grid);
    }
    return SC_OK;
}

static sc_err parse_qty(sc_klines_csv *r, role ro, sc_qty *out, sc_errinfo *err) {
    field f = r->fields[r->col[ro]];
    sc_err e = sc_qty_parse(r->ins, f.p, f.n, out);
    if (e != SC_OK) {
        char grid[80];
        grid_text(r, false, grid, sizeof(grid));
        return value_err(r, err, e, ro, "base volume", grid);
    }
    return SC_OK;
}

static sc_err row_prices(sc_klines_csv *r, sc_candle *k, sc_errinfo *err) {
    sc_err e = parse_px(r, R_OPEN, &k->open, err);
    e = e == SC_OK ? parse_px(r, R_HIGH, &k->high, err) : e;
    e = e == SC_OK ? parse_px(r, R_LOW, &k->low, err) : e;
    e = e == SC_OK ? parse_px(r, R_CLOSE, &k->close, err) : e;
    return e;
}

static sc_err row_extras(sc_klines_csv *r, sc_candle *k, sc_errinfo *err) {
    if (r->col[R_TAKER_BUY] >= 0) {
        sc_err e = parse_qty(r, R_TAKER_BUY, &k->buy_volume, err);
        if (e != SC_OK) {
            return e;
        }
        k->flags |= SC_CANDLE_HAS_SPLIT;
    }
    if (r->col[R_QUOTE] >= 0) {
        field f = r->fields[r->col[R_QUOTE]];
        sc_err e = sc_money_parse(f.p, f.n, false, &k->quote_volume);
        if (e != SC_OK) {
            return value_err(r, err, e, R_QUOTE, "quote volume", "1e-8 grid");
        }
        k->flags |= SC_CANDLE_HAS_QUOTE;
    }
    if (r->col[R_TRADES] >= 0) {
        field f = r->fields[r->col[R_TRADES]];
        sc_err e = sc_dec_parse(f.p, f.n, 0, false, &k->trades);
        if (e != SC_OK) {
            return field_err(r, err, e, R_TRADES, "a whole trade count >= 0");
        }
        k->flags |= SC_CANDLE_HAS_TRADES;
    }
    return SC_OK;
}

/* The row's own consistency, each rule named on its column. */
static sc_err row_check(sc_klines_csv *r, sc_candle *k, sc_errinfo *err) {
    char text[SC_ERRINFO_TEXT_MAX];
    char num[SC_DEC_TEXT_MAX];
    sc_px lo = k->open.ticks < k->close.ticks ? k->open : k->close;
    sc_px hi = k->open.ticks > k->close.ticks ? k->open : k->close;
    if (k->low.ticks <= 0) {
        return field_err(r, err, SC_ERR_RANGE, R_LOW, "a price > 0");
    }
    if (k->low.ticks > lo.ticks) {
        sc_px_format(r->ins, lo, num, sizeof(num));
        snprintf(text, sizeof(text), "low <= open and close (%s)", num);
        return field_err(r, err, SC_ERR_RANGE, R_LOW, text);
    }
    if (k->high.ticks < hi.ticks) {
        sc_px_format(r->ins, hi, num, sizeof(num));
        snprintf(text, sizeof(text), "high >= open and close (%s)", num);
        return field_err(r, err, SC_ERR_RANGE, R_HIGH, text);
    }
    if ((k->flags & SC_CANDLE_HAS_SPLIT) != 0) {
        if (k->buy_volume.steps > k->volume.steps) {
            sc_qty_format(r->ins, k->volume, num, sizeof(num));
            snprintf(text, sizeof(text), "taker buy volume <= volume (%s)", num);
            return field_err(r, err, SC_ERR_RANGE, R_TAKER_BUY, text);
        }
        k->sell_volume.steps = k->volume.steps - k->buy_volume.steps;
    }
    const char *why = NULL;
    SC_ASSERT(sc_candle_valid(k, &why));
    return SC_OK;
}

/* The row's place after the previous returned row. */
static sc_err row_sequence(sc_klines_csv *r, sc_ns open_ns, int64_t *gap, sc_errinfo *err) {
    SC_ASSERT(open_ns >= 0 && open_ns % r->interval_ns == 0);
    *gap = 0;
    if (!r->have_last) {
        return SC_OK;
    }
    if (open_ns > r->last_open_ns) {
        *gap = (open_ns - r->last_open_ns) / r->interval_ns - 1;
        SC_ASSERT(*gap >= 0);
        return SC_OK;
    }
    bool dup = open_ns == r->last_open_ns;
    if (dup) {
        r->st.duplicates++;
    } else {
        r->st.out_of_order++;
    }
    char when[64];
    char expected[SC_ERRINFO_TEXT_MAX];
    char got[SC_ERRINFO_TEXT_MAX];
    sc_ns_format_utc(r->last_open_ns, when, sizeof(when));
    snprintf(expected, sizeof(expected), "an open time after line %lld's %s",
             (long long)r->last_line, when);
    role ro = r->col[R_OPEN_TIME] >= 0 ? R_OPEN_TIME : R_CLOSE_TIME;
    field f = r->fields[r->col[ro]];
    snprintf(got, sizeof(got), "%.*s (%s)", (int)(f.n < 100 ? f.n : 100), f.p,
             dup ? "a duplicate" : "earlier");
    return col_err(r, err, SC_ERR_RANGE, r->col[ro], expected, got, strlen(got));
}

static sc_err parse_row(sc_klines_csv *r, const char *p, size_t n, sc_candle *out,
                        sc_errinfo *err) {
    SC_ASSERT(r->n_cols >= 1 && r->n_cols <= SC_KLINES_CSV_COLS_MAX);
    SC_ASSERT(n <= r->line_max);
    int nf = split(p, n, r->fields);
    if (nf != r->n_cols) {
        char text[SC_ERRINFO_TEXT_MAX];
        snprintf(text, sizeof(text), "%d comma-separated columns (got %d)", r->n_cols, nf);
        set_err(r, err, r->row_line, "row", text, p, n);
        return SC_ERR_PARSE;
    }
    sc_candle k;
    memset(&k, 0, sizeof(k));
    sc_ns open_ns = 0;
    int64_t gap = 0;
    sc_err e = row_open_ns(r, &open_ns, err);
    e = e == SC_OK ? row_prices(r, &k, err) : e;
    e = e == SC_OK ? parse_qty(r, R_VOLUME, &k.volume, err) : e;
    e = e == SC_OK ? row_extras(r, &k, err) : e;
    e = e == SC_OK ? row_check(r, &k, err) : e;
    e = e == SC_OK ? row_sequence(r, open_ns, &gap, err) : e;
    if (e != SC_OK) {
        return e;
    }
    k.open_ns = open_ns;
    k.tf_ns = r->interval_ns;
    k.parts = 1;
    k.gap_before = gap;
    k.closed = true;
    if (sc_candle_vwap(r->ins, &k, &k.vwap_ticks)) {
        k.flags |= SC_CANDLE_HAS_VWAP;
    }
    if (gap > 0) {
        r->st.gaps++;
        r->st.missing += gap;
    }
    if (!r->have_last) {
        r->st.first_open_ns = open_ns;
    }
    r->have_last = true;
    r->last_open_ns = open_ns;
    r->last_line = r->row_line;
    r->st.last_open_ns = open_ns;
    r->st.rows++;
    SC_ASSERT(k.open_ns % k.tf_ns == 0 && k.open_ns >= 0);
    *out = k;
    return SC_OK;
}

/* ---- layout ---------------------------------------------------------- */

static void set_binance_layout(sc_klines_csv *r) {
    _Static_assert((int)BINANCE_COLS <= (int)SC_KLINES_CSV_COLS_MAX, "the Binance layout fits");
    r->st.layout = SC_KLINES_CSV_LAYOUT_BINANCE;
    r->n_cols = BINANCE_COLS;
    for (int c = 0; c < BINANCE_COLS; c++) {
        snprintf(r->names[c], COL_NAME_MAX, "%s", k_binance_cols[c]);
    }
    for (int ro = 0; ro < R_COUNT; ro++) {
        r->col[ro] = k_binance_role_col[ro];
        SC_ASSERT(r->col[ro] >= 0 && r->col[ro] < BINANCE_COLS);
    }
}

/* Rank of f among the names of role ro, or -1. */
static int name_rank(field f, role ro) {
    for (int i = 0; k_role_names[ro][i] != NULL; i++) {
        if (name_is(f, k_role_names[ro][i])) {
            return i;
        }
    }
    return -1;
}

static sc_err map_header(sc_klines_csv *r, int nf, const char *line, size_t n, sc_errinfo *err) {
    SC_ASSERT(nf >= 1 && nf <= SC_KLINES_CSV_COLS_MAX);
    int best[R_COUNT];
    r->st.layout = SC_KLINES_CSV_LAYOUT_NAMED;
    r->n_cols = nf;
    for (int ro = 0; ro < R_COUNT; ro++) {
        r->col[ro] = -1;
        best[ro] = -1;
    }
    for (int c = 0; c < nf; c++) {
        field f = r->fields[c];
        snprintf(r->names[c], COL_NAME_MAX, "%.*s", (int)(f.n < COL_NAME_MAX ? f.n : 30), f.p);
        for (int ro = 0; ro < R_COUNT; ro++) {
            int rank = name_rank(f, (role)ro);
            if (rank < 0 || (best[ro] >= 0 && rank > best[ro])) {
                continue;
            }
            if (rank == best[ro]) {
                set_err(r, err, r->row_line, "header", "each column named once", f.p, f.n);
                return SC_ERR_UNSUPPORTED;
            }
            best[ro] = rank;
            r->col[ro] = c;
        }
    }
    bool time_ok = r->col[R_OPEN_TIME] >= 0 || r->col[R_CLOSE_TIME] >= 0;
    if (!time_ok || r->col[R_OPEN] < 0 || r->col[R_HIGH] < 0 || r->col[R_LOW] < 0 ||
        r->col[R_CLOSE] < 0 || r->col[R_VOLUME] < 0) {
        sc_ns t;
        bool data = sc_klines_parse_iso(r->fields[0].p, r->fields[0].n, &t);
        set_err(r, err, r->row_line, "header",
                data ? "a header row naming the columns (this file starts with data)"
                     : "columns open, high, low, close, volume and an open or close time",
                line, n);
        return SC_ERR_UNSUPPORTED;
    }
    r->st.open_from_close = r->col[R_OPEN_TIME] < 0;
    return SC_OK;
}

static sc_err detect_layout(sc_klines_csv *r, sc_errinfo *err) {
    const char *p = NULL;
    size_t n = 0;
    sc_err e;
    do {
        e = read_line(r, &p, &n);
    } while (e == SC_OK && is_blank(p, n));
    r->row_line = r->line_no;
    if (e == SC_ERR_EOF) {
        set_err(r, err, 0, "file", "a header or a kline row", "end of file", 11);
        return SC_ERR_EMPTY;
    }
    if (e != SC_OK) {
        set_err(r, err, r->line_no, "file", "a readable first line", sc_err_str(e),
                strlen(sc_err_str(e)));
        return e;
    }
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3; /* UTF-8 byte order mark */
        n -= 3;
    }
    int nf = split(p, n, r->fields);
    if (nf < 0) {
        set_err(r, err, r->row_line, "header", "at most 32 columns", p, n);
        return SC_ERR_UNSUPPORTED;
    }
    if (!is_digits(r->fields[0])) {
        e = map_header(r, nf, p, n, err);
    } else if (nf != BINANCE_COLS) {
        set_err(r, err, r->row_line, "row",
                "12 columns of the headerless data.binance.vision layout", p, n);
        e = SC_ERR_UNSUPPORTED;
    } else {
        set_binance_layout(r);
        r->pending = true;
        r->pend_p = p;
        r->pend_n = n;
        r->pend_line = r->line_no;
    }
    SC_ASSERT(e != SC_OK || r->st.layout != SC_KLINES_CSV_LAYOUT_NONE);
    if (e == SC_OK) {
        r->st.has = (r->col[R_TAKER_BUY] >= 0 ? SC_CANDLE_HAS_SPLIT : 0u) |
                    (r->col[R_TRADES] >= 0 ? SC_CANDLE_HAS_TRADES : 0u) |
                    (r->col[R_QUOTE] >= 0 ? SC_CANDLE_HAS_QUOTE | SC_CANDLE_HAS_VWAP : 0u);
    }
    return e;
}

/* ---- lifecycle ------------------------------------------------------- */

static sc_err check_config(const sc_klines_csv_config *cfg, sc_ns *iv, size_t *line_max) {
    if (cfg == NULL || cfg->ins == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    *iv = cfg->interval_ns == 0 ? SC_NS_PER_MIN : cfg->interval_ns;
    *line_max = cfg->line_max == 0 ? SC_KLINES_CSV_LINE_DEFAULT : cfg->line_max;
    if (*iv <= 0 || *iv % SC_NS_PER_S != 0 || *iv > SC_NS_PER_DAY) {
        return SC_ERR_INVALID_ARG;
    }
    if (*line_max > SC_KLINES_CSV_LINE_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    return SC_OK;
}

/* Allocates the buffers and opens the file; sets r->zd when the first
 * bytes are the zstd magic number (28 b5 2f fd). */
static sc_err buffers_init(sc_klines_csv *r, const char *path, sc_errinfo *err) {
    size_t plen = strlen(path);
    r->path = malloc(plen + 1);
    r->buf_cap = r->line_max + SC_KLINES_CSV_CHUNK + 1;
    r->buf = malloc(r->buf_cap);
    r->in_buf = malloc(SC_KLINES_CSV_CHUNK);
    if (r->path == NULL || r->buf == NULL || r->in_buf == NULL) {
        return SC_ERR_NOMEM;
    }
    memcpy(r->path, path, plen + 1);
    r->f = fopen(path, "rb");
    if (r->f == NULL) {
        set_err(r, err, 0, "file", "a readable file", path, plen);
        return SC_ERR_IO;
    }
    size_t n = fread(r->in_buf, 1, SC_KLINES_CSV_CHUNK, r->f);
    if (n == 0 && ferror(r->f)) {
        set_err(r, err, 0, "file", "a readable file", "read error", 10);
        return SC_ERR_IO;
    }
    static const unsigned char k_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    if (n >= 4 && memcmp(r->in_buf, k_magic, 4) == 0) {
        r->zd = ZSTD_createDCtx();
        if (r->zd == NULL) {
            return SC_ERR_NOMEM;
        }
        r->zin.src = r->in_buf;
        r->zin.size = n;
        r->zin.pos = 0;
        r->z_last = 1; /* a frame has begun and must end */
    } else {
        memcpy(r->buf, r->in_buf, n);
        r->end = n;
    }
    return SC_OK;
}

sc_err sc_klines_csv_open(const sc_klines_csv_config *cfg, const char *path, sc_klines_csv **out,
                          sc_errinfo *err) {
    if (out == NULL || path == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    *out = NULL;
    sc_ns iv = 0;
    size_t line_max = 0;
    sc_err e = check_config(cfg, &iv, &line_max);
    if (e != SC_OK) {
        return e;
    }
    sc_klines_csv *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return SC_ERR_NOMEM;
    }
    r->ins = cfg->ins;
    r->interval_ns = iv;
    r->close_tol_ns = SC_NS_PER_MS;
    r->line_max = line_max;
    e = buffers_init(r, path, err);
    if (e == SC_OK) {
        e = detect_layout(r, err);
    }
    if (e != SC_OK) {
        if (e == SC_ERR_NOMEM) {
            set_err(r, err, 0, "file", "memory for the reader", path, strlen(path));
        }
        if (err != NULL) {
            err->source = path; /* the reader's copy of the path is freed now */
        }
        sc_klines_csv_close(r);
        return e;
    }
    SC_ASSERT(r->st.layout != SC_KLINES_CSV_LAYOUT_NONE);
    *out = r;
    return SC_OK;
}

sc_err sc_klines_csv_next(sc_klines_csv *r, sc_candle *out, sc_errinfo *err) {
    SC_ASSERT(r != NULL && out != NULL);
    if (r->sticky != SC_OK) {
        set_err(r, err, r->line_no, "file", "a readable file", sc_err_str(r->sticky),
                strlen(sc_err_str(r->sticky)));
        return r->sticky;
    }
    for (;;) { /* ends with the file: every pass consumes a line */
        const char *p = NULL;
        size_t n = 0;
        sc_err e = SC_OK;
        if (r->pending) {
            r->pending = false;
            p = r->pend_p;
            n = r->pend_n;
            r->row_line = r->pend_line;
        } else {
            e = read_line(r, &p, &n);
            r->row_line = r->line_no;
        }
        r->st.lines = r->line_no;
        if (e == SC_ERR_EOF) {
            return e;
        }
        if (e == SC_ERR_IO || e == SC_ERR_COMPRESSION) {
            r->sticky = e;
            set_err(r, err, r->line_no, "file", "a readable file", sc_err_str(e),
                    strlen(sc_err_str(e)));
            return e;
        }
        if (e == SC_ERR_LIMIT) {
            char text[SC_ERRINFO_TEXT_MAX];
            snprintf(text, sizeof(text), "a line of at most %zu bytes", r->line_max);
            set_err(r, err, r->row_line, "row", text, "a longer line", 13);
            r->st.bad_rows++;
            return e;
        }
        SC_ASSERT(e == SC_OK);
        if (is_blank(p, n)) {
            continue;
        }
        e = parse_row(r, p, n, out, err);
        if (e != SC_OK) {
            r->st.bad_rows++;
        }
        return e;
    }
}

void sc_klines_csv_get_stats(const sc_klines_csv *r, sc_klines_csv_stats *out) {
    SC_ASSERT(r != NULL && out != NULL);
    *out = r->st;
    out->lines = r->line_no;
}

void sc_klines_csv_close(sc_klines_csv *r) {
    if (r == NULL) {
        return;
    }
    if (r->f != NULL) {
        fclose(r->f);
    }
    ZSTD_freeDCtx(r->zd);
    free(r->in_buf);
    free(r->buf);
    free(r->path);
    free(r);
}
