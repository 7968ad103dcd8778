/* feature_row.h: FeaturePipeline, one row of features per closed candle.
 *
 * Takes the closed candles of ONE timeframe, oldest first (from the kline
 * reader, the CandleAggregator, or sc_capture_bars for captures), updates
 * every calculator of src/features with each, and fills a row: the candle
 * itself and every feature, each with a "present" flag. A feature that is
 * still warming up (or cannot be defined for this candle) is absent, never
 * a made-up 0; the CSV writes it as an empty cell.
 *
 * Columns: the one table below (SC_FEATURE_COLUMNS) names every column, its
 * unit and its definition. The CSV header, the CSV cells and the command's
 * --help all come from it, so they cannot drift apart. Names are stable: a
 * column may be added at the end of its set, never renamed or reordered.
 * Two sets:
 *   base  every input (kline CSVs and captures);
 *   book  captures only (with_book): the order book at the candle's close.
 *
 * Rows are the candles as they come: a missing bucket is not invented and
 * does not reset any calculator; the row after it says how many buckets
 * were missing (gap_before). Parameters are fixed (the names carry them):
 *   EMA 9/21/50, RSI 14, MACD 12/26/9 and ATR 14 as TA-Lib defines them
 *   (src/features); Bollinger 20 x 2 (population sd); session VWAP (UTC
 *   day) and rolling VWAP over 60 candles from the typical price; log
 *   returns over 1 and 5 rows; realized vol = sample sd of the last 30 log
 *   returns (per candle, not annualised); its regime from its mid-rank
 *   percentile among the last 1440 values (ready after 240), classes
 *   low < 25 <= normal < 75 <= high < 95 <= extreme; volume profile of the
 *   candles that closed in the last 240 candle lengths of time (4 h at 1m),
 *   each candle's volume at its typical price, value area 70%, price
 *   buckets of sc_feature_vp_bucket_quote (1 USDT below 1m, 10 at 1m, 25
 *   from 5m, 50 from 15m, 100 from 1h).
 *
 * Book sampling (captures): the caller (sc_capture_bars) passes one
 * sc_feature_book per candle: the book as it stood at the candle's close,
 * i.e. after every message whose exchange time is before the candle's end
 * and before the first one at or after it, so nothing from after the close
 * leaks into the row; OFI is summed over the candle. Values are sampled,
 * not averaged: a sample is exact and deterministic, an average would need
 * a time weighting of its own. Absent when the book was not in sync.
 *
 * Thread: the engine thread (one owner). Allocates: in create only (the
 * windowed calculators). No clock, no I/O; formatting a row into a caller's
 * buffer is pure.
 * Invariants (asserted): candle open times strictly increase; every
 * calculator accepts every candle that passed validation; a formatted row
 * has exactly the header's number of cells.
 */
#ifndef SC_ENGINE_FEATURE_ROW_H
#define SC_ENGINE_FEATURE_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/instrument.h"
#include "core/time.h"
#include "market/candles.h"
#include "market/event.h"

/* How a cell is written. */
typedef enum {
    SC_FEATURE_FMT_TIME_MS = 0, /* integer ms since the epoch (i holds ns) */
    SC_FEATURE_FMT_INT = 1,     /* integer (i) */
    SC_FEATURE_FMT_PX = 2,      /* exact price: i ticks, instrument decimals */
    SC_FEATURE_FMT_QTY = 3,     /* exact quantity: i steps (may be negative) */
    SC_FEATURE_FMT_REAL = 4,    /* double d, 10 significant digits (%.10g) */
    SC_FEATURE_FMT_REGIME = 5   /* i = sc_volatility_regime, written by name */
} sc_feature_fmt;

typedef enum { SC_FEATURE_SET_BASE = 0, SC_FEATURE_SET_BOOK = 1 } sc_feature_set;

/* X(id, name, format, set, unit, definition). The one table of columns. */
#define SC_FEATURE_COLUMNS(X)                                                                      \
    X(OPEN_TIME, "open_time", TIME_MS, BASE, "ms",                                                 \
      "candle open (bucket start), UTC, ms since the Unix epoch")                                  \
    X(OPEN, "open", PX, BASE, "quote", "first price of the candle, exact")                         \
    X(HIGH, "high", PX, BASE, "quote", "highest price, exact")                                     \
    X(LOW, "low", PX, BASE, "quote", "lowest price, exact")                                        \
    X(CLOSE, "close", PX, BASE, "quote", "last price, exact")                                      \
    X(VOLUME, "volume", QTY, BASE, "base", "base-asset volume, exact")                             \
    X(GAP_BEFORE, "gap_before", INT, BASE, "candles",                                              \
      "buckets of this timeframe with no candle just before this row (0 = contiguous); "           \
      "missing candles are never invented")                                                        \
    X(MISSING_INSIDE, "missing_inside", INT, BASE, "klines",                                       \
      "kline input: intervals of this candle's bucket that had no kline (0 = complete; "           \
      "always 0 for captures and at the input's own interval)")                                    \
    X(BUY_VOLUME, "buy_volume", QTY, BASE, "base",                                                 \
      "taker (aggressor) buy volume, exact; empty when the input has no aggressor split")          \
    X(SELL_VOLUME, "sell_volume", QTY, BASE, "base",                                               \
      "volume - buy_volume, exact; empty without the split")                                       \
    X(TRADES, "trades", INT, BASE, "count",                                                        \
      "trades in the candle (captures: trade messages; klines: the trade-count column); "          \
      "empty when unknown")                                                                        \
    X(VWAP, "vwap", REAL, BASE, "quote",                                                           \
      "candle VWAP: sum(price*qty)/volume from trades, or quote volume/volume from klines; "       \
      "empty when unknown or volume 0")                                                            \
    X(TRADE_IMBALANCE, "trade_imbalance", REAL, BASE, "-1..1",                                     \
      "(buy_volume - sell_volume) / volume over the candle; empty without the split or "           \
      "with volume 0")                                                                             \
    X(LOGRET_1, "logret_1", REAL, BASE, "log", "ln(close / close of the previous row)")            \
    X(LOGRET_5, "logret_5", REAL, BASE, "log", "ln(close / close 5 rows earlier)")                 \
    X(EMA_9, "ema_9", REAL, BASE, "quote",                                                         \
      "EMA of close over 9 rows, seeded with the mean of the first 9 (TA-Lib); row 9 on")          \
    X(EMA_21, "ema_21", REAL, BASE, "quote",                                                       \
      "EMA of close over 21 rows, seeded likewise; row 21 on")                                     \
    X(EMA_50, "ema_50", REAL, BASE, "quote",                                                       \
      "EMA of close over 50 rows, seeded likewise; row 50 on")                                     \
    X(RSI_14, "rsi_14", REAL, BASE, "0..100",                                                      \
      "RSI of close, Wilder 14 (TA-Lib); row 15 on; 50 on a flat market")                          \
    X(MACD, "macd_12_26_9", REAL, BASE, "quote",                                                   \
      "MACD line: EMA12 - EMA26 of close, both seeded on row 26 (TA-Lib); row 26 on")              \
    X(MACD_SIGNAL, "macd_signal_12_26_9", REAL, BASE, "quote", "EMA9 of the MACD line; row 34 on") \
    X(MACD_HIST, "macd_hist_12_26_9", REAL, BASE, "quote", "macd - signal")                        \
    X(ATR_14, "atr_14", REAL, BASE, "quote", "average true range, Wilder 14 (TA-Lib); row 15 on")  \
    X(BB_MID, "bb_mid_20_2", REAL, BASE, "quote", "Bollinger middle: SMA20 of close; row 20 on")   \
    X(BB_UPPER, "bb_upper_20_2", REAL, BASE, "quote", "mid + 2 x population sd of 20 closes")      \
    X(BB_LOWER, "bb_lower_20_2", REAL, BASE, "quote", "mid - 2 x population sd of 20 closes")      \
    X(BB_PCTB, "bb_pctb_20_2", REAL, BASE, "ratio",                                                \
      "%B: (close - lower) / (upper - lower); 0.5 when the bands are flat")                        \
    X(BB_WIDTH, "bb_width_20_2", REAL, BASE, "ratio", "(upper - lower) / mid")                     \
    X(VWAP_SESSION, "vwap_session", REAL, BASE, "quote",                                           \
      "VWAP of the typical price (h+l+c)/3 over the candles of the UTC day of the open")           \
    X(VWAP_SESSION_DIST, "vwap_session_dist_bps", REAL, BASE, "bps",                               \
      "(close - vwap_session) / vwap_session x 1e4")                                               \
    X(VWAP_ROLLING, "vwap_rolling_60", REAL, BASE, "quote",                                        \
      "VWAP of the typical price over the last 60 rows; row 60 on")                                \
    X(REALIZED_VOL, "realized_vol_30", REAL, BASE, "log",                                          \
      "sample sd of the last 30 log returns of close, per candle (not annualised); row 31 on")     \
    X(VOL_REGIME, "vol_regime", REGIME, BASE, "class",                                             \
      "low | normal | high | extreme: percentile of realized_vol_30 among its last 1440 values "   \
      "(< 25, < 75, < 95, else); needs 240 values (row 270 on)")                                   \
    X(VOL_REGIME_PCT, "vol_regime_pct", REAL, BASE, "0..100", "that mid-rank percentile")          \
    X(POC, "poc", PX, BASE, "quote",                                                               \
      "volume profile point of control, the lower edge of its price bucket: each candle's "        \
      "volume at its typical price, over the candles that closed within the last 240 candle "      \
      "lengths (4 h at 1m); buckets of 10 USDT at 1m (1 at 1s, 25 at 5m, 50 at 15m, 100 at 1h); "  \
      "from 240 candle lengths after the first row (row 241 without gaps)")                        \
    X(VA_LOW, "va_low", PX, BASE, "quote",                                                         \
      "value area (70%) low: lower edge of its lowest bucket")                                     \
    X(VA_HIGH, "va_high", PX, BASE, "quote",                                                       \
      "value area (70%) high: upper edge (exclusive) of its highest bucket")                       \
    X(BID, "bid", PX, BOOK, "quote", "best bid at the candle's close, exact")                      \
    X(ASK, "ask", PX, BOOK, "quote", "best ask at the close, exact")                               \
    X(BID_QTY, "bid_qty", QTY, BOOK, "base", "quantity at the best bid, exact")                    \
    X(ASK_QTY, "ask_qty", QTY, BOOK, "base", "quantity at the best ask, exact")                    \
    X(SPREAD_BPS, "spread_bps", REAL, BOOK, "bps", "(ask - bid) / mid x 1e4 at the close")         \
    X(MICROPRICE, "microprice", REAL, BOOK, "quote",                                               \
      "(bid x ask_qty + ask x bid_qty) / (bid_qty + ask_qty) at the close")                        \
    X(BOOK_IMBALANCE, "book_imbalance_5", REAL, BOOK, "-1..1",                                     \
      "(B - A) / (B + A), B and A the quantities of the best 5 bid and ask levels")                \
    X(DEPTH_BID, "depth_bid_10bps", QTY, BOOK, "base",                                             \
      "bid quantity at prices within 10 bps of mid, exact")                                        \
    X(DEPTH_ASK, "depth_ask_10bps", QTY, BOOK, "base",                                             \
      "ask quantity at prices within 10 bps of mid, exact")                                        \
    X(OFI, "ofi", QTY, BOOK, "base",                                                               \
      "order-flow imbalance at the touch (queue pressure, Cont-Kukanov-Stoikov) summed over "      \
      "the candle; > 0 buying pressure; empty unless the book was in sync all candle long")

typedef enum {
#define SC__FEATURE_ENUM(id, name, fmt, set, unit, def) SC_FEATURE_##id,
    SC_FEATURE_COLUMNS(SC__FEATURE_ENUM)
#undef SC__FEATURE_ENUM
        SC_FEATURE_COUNT
} sc_feature_id;

enum {
    SC_FEATURE_CELL_MAX = 48,                                     /* longest cell text */
    SC_FEATURE_LINE_MAX = SC_FEATURE_COUNT * SC_FEATURE_CELL_MAX, /* one CSV line */
    SC_FEATURE_HEADER_MAX = SC_FEATURE_COUNT * 32                 /* the header line */
};

typedef struct {
    const char *name;
    const char *unit;
    const char *definition;
    sc_feature_fmt fmt;
    sc_feature_set set;
} sc_feature_column;

/* Column id (0..SC_FEATURE_COUNT-1) of the table; NULL past its end. */
const sc_feature_column *sc_feature_column_at(uint32_t id);

/* One cell: i for the integer formats, d for REAL. */
typedef struct {
    bool present;
    int64_t i;
    double d;
} sc_feature_value;

typedef struct {
    sc_ns open_ns;
    sc_feature_value v[SC_FEATURE_COUNT]; /* indexed by sc_feature_id */
} sc_feature_row;

/* The book at a candle's close (see "Book sampling" above). Each part is
 * valid only with its flag. */
typedef struct {
    bool top_ok; /* in sync, both sides have a level; then 0 < bid < ask (asserted) */
    sc_level bid;
    sc_level ask;
    bool imbalance_ok;
    double imbalance; /* top 5 levels, -1..1 */
    bool depth_ok;
    sc_qty depth_bid; /* within 10 bps of mid */
    sc_qty depth_ask;
    bool ofi_ok;       /* in sync from the candle's open to its close */
    int64_t ofi_steps; /* sum of the OFI events of the candle, in steps */
    /* Sum of |e_n| over the same events (>= |ofi_steps|, with ofi_ok): the
     * strategy's queue component is ofi_steps / ofi_gross_steps. Not a
     * column. */
    int64_t ofi_gross_steps;
} sc_feature_book;

/* Price buckets of the volume profile for a timeframe, in whole units of
 * the quote asset (USDT): 1 below 1m, 10 below 5m, 25 below 15m, 50 below
 * 1h, else 100. */
int64_t sc_feature_vp_bucket_quote(sc_ns tf_ns);

/* Highest price accepted, in ticks (the volume profile's bound). */
#define SC_FEATURE_PX_TICKS_MAX INT64_C(1000000000000000)

typedef struct sc_feature_pipeline sc_feature_pipeline;

typedef struct {
    const sc_instrument *ins; /* required */
    sc_ns tf_ns;              /* the candles' timeframe: whole seconds, 1 s .. 1 day */
    bool with_book;           /* write the book columns too (captures) */
} sc_feature_pipeline_config;

/* SC_ERR_INVALID_ARG for a bad config; SC_ERR_NOMEM. */
sc_err sc_feature_pipeline_create(const sc_feature_pipeline_config *cfg, sc_feature_pipeline **out);
void sc_feature_pipeline_destroy(sc_feature_pipeline *p);

/* One closed candle of the timeframe, with the book at its close (NULL:
 * none; the book columns are then empty). Fills *row. Refused, changing
 * nothing, with err->field/expected/got set (the caller adds file:line):
 * SC_ERR_INVALID_ARG a candle of another timeframe, not closed, or not
 * aligned; SC_ERR_STATE an open time not after the previous candle's;
 * SC_ERR_RANGE an inconsistent candle (sc_candle_valid) or a price above
 * SC_FEATURE_PX_TICKS_MAX. */
sc_err sc_feature_pipeline_on_candle(sc_feature_pipeline *p, const sc_candle *k,
                                     const sc_feature_book *book, sc_feature_row *row,
                                     sc_errinfo *err);

/* Columns written: the base set, then the book set with with_book. Column
 * i of the output is table id i (the base set comes first in the table). */
uint32_t sc_feature_pipeline_columns(const sc_feature_pipeline *p);
uint64_t sc_feature_pipeline_rows(const sc_feature_pipeline *p);

/* The CSV header line ("open_time,open,...\n"); returns its length, or -1
 * when cap is too small. */
int sc_feature_pipeline_header(const sc_feature_pipeline *p, char *buf, size_t cap);
/* One CSV line for a row ("...\n"): absent values are empty cells. Returns
 * its length, or -1 when cap is too small (SC_FEATURE_LINE_MAX always
 * fits). */
int sc_feature_pipeline_format(const sc_feature_pipeline *p, const sc_feature_row *row, char *buf,
                               size_t cap);

#endif
