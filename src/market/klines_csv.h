/* klines_csv.h: streaming reader of kline (candle) CSV files.
 *
 * Input: one file, plain text or zstd (told by the zstd magic number, not
 * the name), read in bounded chunks; the whole file is never in memory.
 *
 * Layouts, chosen from the first non-blank line:
 *  - data.binance.vision: when the first field of the first line is an
 *    integer, the file has no header and 12 columns: open_time, open, high,
 *    low, close, volume, close_time, quote_volume, count, taker_buy_volume,
 *    taker_buy_quote_volume, ignore.
 *  - named: otherwise the first line is a header and the columns are found
 *    by name, case-insensitively, spaces and double quotes around a name
 *    ignored and a space inside it read as '_' (the data.binance.vision
 *    header is one such layout). Names:
 *      open time   open_time opentime open_timestamp open_datetime timestamp
 *                  datetime date time ts start_time
 *      close time  close_time closetime close_timestamp close_datetime end_time
 *      prices      open high low close (also open_price, ...)
 *      volume      volume vol base_volume base_asset_volume
 *      taker buy   taker_buy_volume taker_buy_base_volume
 *                  taker_buy_base_asset_volume taker_buy_base   (base asset)
 *      quote vol.  quote_volume quote_asset_volume quote_av quote_vol turnover
 *      trades      trades count number_of_trades num_trades trade_count n_trades
 *    When several columns name the same role, the name listed first wins.
 *    Other columns are ignored. Required: open, high, low, close, volume
 *    and an open or a close time.
 *
 * Times: an integer is an epoch time whose unit is fixed per file by the
 * magnitude of the first one: < 1e11 seconds, < 1e14 milliseconds (futures,
 * spot before 2025), < 1e17 microseconds (spot from 2025-01-01), else
 * nanoseconds; a later time of another magnitude is an error. Text is
 * ISO-8601: YYYY-MM-DD[(T| )hh:mm[:ss[.fraction]]][ ][Z|UTC|+hh:mm|+hhmm|
 * +hh|-...]; a time without a zone is UTC; an offset is honoured. A file
 * uses one kind (epoch or text) throughout.
 *
 * Open time: taken from the open-time column. With only a close time, the
 * open is the start of the interval holding the instant just before the
 * close (so 00:00:59.999 and an exclusive 00:01:00.000 both give 00:00).
 * Either way the open must be aligned to the interval in UTC, and a close
 * time must lie in [open + interval - 1 ms, open + interval] (1 s for epoch
 * seconds): Binance writes open + interval - 1 unit.
 *
 * Values: prices go onto the caller's instrument grid, base volumes onto
 * its quantity grid, exactly; a value off the grid is SC_ERR_PRECISION
 * naming file:line and column, never rounded. The caller picks the
 * instrument that matches the file (spot:BTCUSDT for Binance spot,
 * usdm:BTCUSDT for Binance USD-M; Bybit linear BTCUSDT has the same 0.1
 * tick and 0.001 step as USD-M). Quote volume is parsed at 1e-8; trades as
 * an integer (a trailing ".0" is accepted). No floating point anywhere. Each
 * row must satisfy 0 < low <= open, close <= high and taker_buy <= volume.
 *
 * Sequence: rows must be in strictly increasing open time. A repeated or
 * earlier time is an error (SC_ERR_RANGE) and the row is skipped. Missing
 * intervals between consecutive rows are counted (gaps = runs, missing =
 * intervals in total) and reported on the next candle (gap_before); they
 * are never filled in.
 *
 * Errors: every error fills err with "file:line: column (n): expected ...,
 * got ..." (err->source points to the reader's copy of the path, valid until
 * close). A bad row returns its error and the next call goes on with the
 * next line. An I/O or decompression error ends the file: that call and
 * every later one return it.
 *
 * Thread: one owner. Allocates: in open only (buffers, zstd context).
 */
#ifndef SC_MARKET_KLINES_CSV_H
#define SC_MARKET_KLINES_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/instrument.h"
#include "core/time.h"
#include "market/candles.h"

enum {
    SC_KLINES_CSV_LINE_DEFAULT = 4096, /* longest line accepted by default */
    SC_KLINES_CSV_LINE_MAX = 1 << 20,  /* ceiling of line_max */
    SC_KLINES_CSV_COLS_MAX = 32,       /* columns per line */
    SC_KLINES_CSV_CHUNK = 64 << 10     /* bytes read or decompressed at a time */
};

typedef enum {
    SC_KLINES_CSV_LAYOUT_NONE = 0,    /* not known yet (empty file) */
    SC_KLINES_CSV_LAYOUT_BINANCE = 1, /* headerless data.binance.vision, 12 columns */
    SC_KLINES_CSV_LAYOUT_NAMED = 2    /* header row naming the columns */
} sc_klines_csv_layout;

typedef enum {
    SC_KLINES_TIME_UNKNOWN = 0, /* no row read yet */
    SC_KLINES_TIME_EPOCH_S = 1,
    SC_KLINES_TIME_EPOCH_MS = 2,
    SC_KLINES_TIME_EPOCH_US = 3,
    SC_KLINES_TIME_EPOCH_NS = 4,
    SC_KLINES_TIME_ISO = 5
} sc_klines_time_kind;

typedef struct {
    const sc_instrument *ins; /* required: the grids of prices and volumes */
    sc_ns interval_ns;        /* candle interval; 0 = 1 minute; whole seconds, <= 1 day */
    size_t line_max;          /* 0 = default; at most SC_KLINES_CSV_LINE_MAX */
} sc_klines_csv_config;

typedef struct {
    int64_t rows;         /* candles returned */
    int64_t lines;        /* lines read, header and blank lines included */
    int64_t bad_rows;     /* rows refused with an error (all kinds) */
    int64_t duplicates;   /* of those: same open time as the previous row */
    int64_t out_of_order; /* of those: earlier open time than the previous row */
    int64_t gaps;         /* runs of missing intervals between returned rows */
    int64_t missing;      /* missing intervals in total */
    sc_ns first_open_ns;  /* of the first returned row; 0 before any */
    sc_ns last_open_ns;   /* of the last returned row; 0 before any */
    sc_klines_csv_layout layout;
    sc_klines_time_kind time_kind;
    bool open_from_close; /* open times derived from a close-time column */
    uint32_t has;         /* SC_CANDLE_HAS_* the file's rows carry (VWAP with quote) */
} sc_klines_csv_stats;

typedef struct sc_klines_csv sc_klines_csv;

/* Opens path and reads up to its first line to choose the layout.
 * SC_ERR_INVALID_ARG: bad config. SC_ERR_IO: cannot open or read.
 * SC_ERR_EMPTY: no line at all. SC_ERR_UNSUPPORTED: a header without the
 * required columns, a headerless file that is not the 12-column layout, or
 * over SC_KLINES_CSV_COLS_MAX columns. err says which. */
sc_err sc_klines_csv_open(const sc_klines_csv_config *cfg, const char *path, sc_klines_csv **out,
                          sc_errinfo *err);

/* Next candle (tf_ns = interval, parts 1, closed, gap_before = intervals
 * missing since the previous returned row, flags from the columns present).
 * SC_ERR_EOF at the end. SC_ERR_PARSE / SC_ERR_PRECISION / SC_ERR_OVERFLOW
 * / SC_ERR_RANGE / SC_ERR_LIMIT: a bad row (skipped; call again).
 * SC_ERR_IO / SC_ERR_COMPRESSION: the file cannot be read further. */
sc_err sc_klines_csv_next(sc_klines_csv *r, sc_candle *out, sc_errinfo *err);

void sc_klines_csv_get_stats(const sc_klines_csv *r, sc_klines_csv_stats *out);

/* Accepts NULL. */
void sc_klines_csv_close(sc_klines_csv *r);

/* Parses ISO-8601 text as the reader does (grammar above; no zone = UTC)
 * into ns since the epoch. False when malformed or out of range. */
bool sc_klines_parse_iso(const char *s, size_t len, sc_ns *out);

/* Days since 1970-01-01 of a proleptic Gregorian date (any year). */
int64_t sc_days_from_civil(int64_t y, int m, int d);

#endif
