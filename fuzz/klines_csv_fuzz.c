/* libFuzzer target: the kline CSV reader (market/klines_csv.h) on arbitrary
 * file contents, plain or zstd, on each instrument grid it is used with.
 *
 * The reader takes a path, so every input goes to a fresh temporary file
 * ($TMPDIR, else /tmp), removed before returning. Each configuration reads
 * the file to SC_ERR_EOF or a permanent error. Checks, beyond "no crash":
 *  - every candle keeps the header's row rules: 0 < low <= open, close <=
 *    high; 0 <= taker buy <= volume and sell = volume - buy; open time
 *    aligned to the interval, strictly increasing, gap_before equal to the
 *    intervals skipped; flags only from the columns the file has;
 *  - every error fills err (source = the path, a field, an expected text)
 *    and is one the header lists; I/O and decompression errors stay, and the
 *    end of the file stays the end;
 *  - a plain file ends within (bytes + 2) calls: each call uses up a line;
 *  - the stats agree with what was returned.
 * sc_klines_parse_iso also gets the raw input: an instant it accepts
 * formats back (sc_ns_format_utc) to text that parses to the same instant. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/assert.h"
#include "market/klines_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    /* Calls of sc_klines_csv_next per zstd input and configuration. A few
     * kB of zstd can expand to millions of lines; past this many calls the
     * driver stops reading (a bound on the driver's time, not a finding). */
    FUZZ_ZSTD_CALLS_MAX = 1 << 14,
    /* A plain file of n bytes has at most n + 1 lines, and every call but
     * the last uses up at least one: n + FUZZ_PLAIN_CALLS_SLACK calls. */
    FUZZ_PLAIN_CALLS_SLACK = 2,
    FUZZ_PATH_MAX = 512,
    FUZZ_ERR_TEXT_MAX = 512,
    FUZZ_TIME_TEXT_MAX = 64,
    /* Longest line in the small-line configuration: shorter than a spot
     * row, so rows there hit SC_ERR_LIMIT as well as the paths below. */
    FUZZ_SMALL_LINE_MAX = 96
};

/* 10000-01-01T00:00:00Z: the first instant a 4-digit year cannot write. */
#define FUZZ_ISO_YEAR_10000_S INT64_C(253402300800)

/* What one configuration has returned so far. */
typedef struct {
    int64_t calls;
    int64_t rows;
    int64_t bad_rows;     /* row errors, SC_ERR_LIMIT included */
    int64_t range_errors; /* of those, SC_ERR_RANGE (sequence errors are among them) */
    int64_t gaps;
    int64_t missing;
    sc_ns first_open_ns;
    sc_ns last_open_ns;
    sc_err end; /* SC_ERR_EOF, a permanent error, or SC_OK when the bound stopped us */
} tally;

/* Writes the input to a new temporary file and puts its name in path. A
 * failure here is the machine's, but the driver stops loudly: passing
 * without having run the reader would hide that nothing was tested. */
static void temp_write(const uint8_t *data, size_t size, char *path, size_t cap) {
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = "/tmp";
    }
    int n = snprintf(path, cap, "%s/sc_klines_fuzz_XXXXXX", dir);
    SC_ASSERT(n > 0 && (size_t)n < cap);
    int fd = mkstemp(path);
    SC_ASSERT(fd >= 0);
    size_t done = 0;
    while (done < size) {
        ssize_t got = write(fd, data + done, size - done);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        SC_ASSERT(got > 0);
        done += (size_t)got;
    }
    SC_ASSERT(close(fd) == 0);
}

/* Every error names its place: source, a field, and what was expected. */
static void check_errinfo(const sc_errinfo *ei, const char *path) {
    SC_ASSERT(ei->source != NULL && strcmp(ei->source, path) == 0);
    SC_ASSERT(ei->field[0] != '\0');
    SC_ASSERT(ei->expected[0] != '\0');
    char text[FUZZ_ERR_TEXT_MAX];
    const char *s = sc_errinfo_format(ei, text, sizeof(text));
    SC_ASSERT(s == text && strstr(text, "expected") != NULL);
}

static void check_prices(const sc_candle *k) {
    int64_t lo = k->open.ticks < k->close.ticks ? k->open.ticks : k->close.ticks;
    int64_t hi = k->open.ticks > k->close.ticks ? k->open.ticks : k->close.ticks;
    SC_ASSERT(k->low.ticks > 0);
    SC_ASSERT(k->low.ticks <= lo);
    SC_ASSERT(k->high.ticks >= hi);
}

static void check_volumes(const sc_candle *k, uint32_t has) {
    SC_ASSERT(k->volume.steps >= 0);
    if ((k->flags & SC_CANDLE_HAS_SPLIT) != 0) {
        SC_ASSERT(k->buy_volume.steps >= 0 && k->buy_volume.steps <= k->volume.steps);
        SC_ASSERT(k->sell_volume.steps == k->volume.steps - k->buy_volume.steps);
    } else {
        SC_ASSERT(k->buy_volume.steps == 0 && k->sell_volume.steps == 0);
    }
    SC_ASSERT((k->flags & SC_CANDLE_HAS_TRADES) != 0 ? k->trades >= 0 : k->trades == 0);
    SC_ASSERT((k->flags & SC_CANDLE_HAS_QUOTE) != 0 ? k->quote_volume.e8 >= 0
                                                    : k->quote_volume.e8 == 0);
    /* The columns decide the flags, the same on every row; VWAP needs a
     * quote volume and a volume to divide by. */
    uint32_t cols = SC_CANDLE_HAS_SPLIT | SC_CANDLE_HAS_TRADES | SC_CANDLE_HAS_QUOTE;
    SC_ASSERT((k->flags & cols) == (has & cols));
    SC_ASSERT((k->flags & ~has) == 0);
    SC_ASSERT((k->flags & SC_CANDLE_HAS_PXQTY) == 0);
    bool vwap = (k->flags & SC_CANDLE_HAS_QUOTE) != 0 && k->volume.steps > 0;
    SC_ASSERT(((k->flags & SC_CANDLE_HAS_VWAP) != 0) == vwap);
}

static void check_candle(const sc_candle *k, sc_ns iv, uint32_t has, tally *t) {
    SC_ASSERT(k->tf_ns == iv);
    SC_ASSERT(k->open_ns >= 0 && k->open_ns % iv == 0);
    SC_ASSERT(k->parts == 1 && k->missing_parts == 0);
    SC_ASSERT(k->closed && !k->truncated && k->tf_index == 0);
    check_prices(k);
    check_volumes(k, has);
    const char *why = NULL;
    SC_ASSERT(sc_candle_valid(k, &why));
    if (t->rows == 0) {
        SC_ASSERT(k->gap_before == 0);
        t->first_open_ns = k->open_ns;
    } else {
        SC_ASSERT(k->open_ns > t->last_open_ns);
        SC_ASSERT(k->gap_before == (k->open_ns - t->last_open_ns) / iv - 1);
    }
    if (k->gap_before > 0) {
        t->gaps++;
        t->missing += k->gap_before;
    }
    t->last_open_ns = k->open_ns;
    t->rows++;
}

static bool is_row_error(sc_err e) {
    return e == SC_ERR_PARSE || e == SC_ERR_PRECISION || e == SC_ERR_OVERFLOW ||
           e == SC_ERR_RANGE || e == SC_ERR_LIMIT;
}

/* An error from sc_klines_csv_next: a bad row (skipped), or a permanent
 * one that every later call repeats. Returns true when reading is over. */
static bool on_next_error(sc_klines_csv *r, sc_err e, const sc_errinfo *ei, const char *path,
                          tally *t) {
    check_errinfo(ei, path);
    SC_ASSERT(ei->line >= 1); /* open read the first line */
    if (is_row_error(e)) {
        t->bad_rows++;
        t->range_errors += e == SC_ERR_RANGE;
        return false;
    }
    SC_ASSERT(e == SC_ERR_IO || e == SC_ERR_COMPRESSION);
    sc_candle k;
    sc_errinfo again = {0};
    SC_ASSERT(sc_klines_csv_next(r, &k, &again) == e);
    check_errinfo(&again, path);
    t->end = e;
    return true;
}

static void check_stats(const sc_klines_csv *r, const tally *t, uint32_t has) {
    sc_klines_csv_stats st;
    sc_klines_csv_get_stats(r, &st);
    SC_ASSERT(st.rows == t->rows);
    SC_ASSERT(st.bad_rows == t->bad_rows);
    SC_ASSERT(st.duplicates >= 0 && st.out_of_order >= 0);
    SC_ASSERT(st.duplicates + st.out_of_order <= t->range_errors);
    SC_ASSERT(st.gaps == t->gaps && st.missing == t->missing);
    SC_ASSERT(st.first_open_ns == (t->rows > 0 ? t->first_open_ns : 0));
    SC_ASSERT(st.last_open_ns == (t->rows > 0 ? t->last_open_ns : 0));
    SC_ASSERT(st.has == has);
    SC_ASSERT(st.layout == SC_KLINES_CSV_LAYOUT_BINANCE || st.layout == SC_KLINES_CSV_LAYOUT_NAMED);
    int64_t header = st.layout == SC_KLINES_CSV_LAYOUT_NAMED ? 1 : 0;
    SC_ASSERT(st.lines >= t->rows + t->bad_rows + header);
    SC_ASSERT(t->rows == 0 || st.time_kind != SC_KLINES_TIME_UNKNOWN);
    if (st.layout == SC_KLINES_CSV_LAYOUT_BINANCE) {
        SC_ASSERT(!st.open_from_close);
        SC_ASSERT(st.has == (SC_CANDLE_HAS_SPLIT | SC_CANDLE_HAS_TRADES | SC_CANDLE_HAS_QUOTE |
                             SC_CANDLE_HAS_VWAP));
    }
}

/* Reads every candle of an open reader, within the call bound. */
static void read_all(sc_klines_csv *r, const char *path, sc_ns iv, int64_t calls_max, tally *t) {
    sc_klines_csv_stats st;
    sc_klines_csv_get_stats(r, &st);
    uint32_t has = st.has;
    while (t->calls < calls_max) {
        sc_candle k;
        sc_errinfo ei = {0};
        sc_err e = sc_klines_csv_next(r, &k, &ei);
        t->calls++;
        if (e == SC_OK) {
            check_candle(&k, iv, has, t);
        } else if (e == SC_ERR_EOF) {
            SC_ASSERT(sc_klines_csv_next(r, &k, &ei) == SC_ERR_EOF); /* the end stays */
            t->end = e;
            break;
        } else if (on_next_error(r, e, &ei, path, t)) {
            break;
        }
    }
    check_stats(r, t, has);
}

static void run_config(const sc_klines_csv_config *cfg, const char *path, size_t size, bool zstd) {
    sc_klines_csv *r = NULL;
    sc_errinfo ei = {0};
    sc_err e = sc_klines_csv_open(cfg, path, &r, &ei);
    if (e != SC_OK) {
        SC_ASSERT(r == NULL);
        /* The header lists IO, EMPTY and UNSUPPORTED; a first line over
         * line_max (LIMIT) and a corrupt zstd start (COMPRESSION) come from
         * the same first read. */
        SC_ASSERT(e == SC_ERR_IO || e == SC_ERR_EMPTY || e == SC_ERR_UNSUPPORTED ||
                  e == SC_ERR_LIMIT || e == SC_ERR_COMPRESSION);
        check_errinfo(&ei, path);
        return;
    }
    SC_ASSERT(r != NULL);
    sc_ns iv = cfg->interval_ns != 0 ? cfg->interval_ns : SC_NS_PER_MIN;
    int64_t calls_max =
        zstd ? FUZZ_ZSTD_CALLS_MAX : (int64_t)size + (int64_t)FUZZ_PLAIN_CALLS_SLACK;
    tally t = {0};
    t.end = SC_OK;
    read_all(r, path, iv, calls_max, &t);
    SC_ASSERT(zstd || t.end != SC_OK); /* a plain file always ends in time */
    sc_klines_csv_close(r);
}

/* A time the ISO parser accepts writes back as text it reads the same. */
static void check_iso(const uint8_t *data, size_t size) {
    sc_ns t = 0;
    if (!sc_klines_parse_iso((const char *)data, size, &t)) {
        return;
    }
    if (t < 0 || t / SC_NS_PER_S >= FUZZ_ISO_YEAR_10000_S) {
        return; /* an offset moved it outside what a 4-digit year can write */
    }
    char text[FUZZ_TIME_TEXT_MAX];
    sc_ns_format_utc(t, text, sizeof(text));
    sc_ns back = -1;
    SC_ASSERT(sc_klines_parse_iso(text, strlen(text), &back));
    SC_ASSERT(back == t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const unsigned char zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
    const sc_instrument *usdm = sc_instrument_find("usdm:BTCUSDT");
    const sc_instrument *spot = sc_instrument_find("spot:BTCUSDT");
    SC_ASSERT(usdm != NULL && spot != NULL);
    /* Both grids at the 1-minute default, and a 1-second interval with
     * short lines for the alignment and line-limit paths. */
    const sc_klines_csv_config cfgs[] = {
        {usdm, 0, 0},
        {spot, 0, 0},
        {usdm, SC_NS_PER_S, FUZZ_SMALL_LINE_MAX},
    };
    bool zstd = size >= sizeof(zstd_magic) && memcmp(data, zstd_magic, sizeof(zstd_magic)) == 0;
    char path[FUZZ_PATH_MAX];
    temp_write(data, size, path, sizeof(path));
    for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
        run_config(&cfgs[i], path, size, zstd);
    }
    SC_ASSERT(unlink(path) == 0);
    check_iso(data, size);
    return 0;
}
