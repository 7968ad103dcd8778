/* report_view.h: the pieces of `scalper report` (app/cmd_report.c) that do
 * not touch the database: the trade filter, the summary figures recomputed
 * from stored trades, and the text forms of times, prices and money.
 *
 * Money is exact: sums of the stored e8 integers with checked additions,
 * printed as decimal USDT with 8 decimals (sc_dec_format), never through a
 * double. The ratios (win_rate, profit_factor) are doubles of those
 * integers, as in report.json of `scalper backtest` (app/backtest_report.h),
 * whose figure names the summary reuses.
 *
 * Plain functions on the caller's thread; they allocate only through
 * jansson (the *_json functions; the caller owns the result). */
#ifndef SC_APP_REPORT_VIEW_H
#define SC_APP_REPORT_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fixed.h"
#include "core/time.h"
#include "store/blunder.h"
#include "store/trade_store.h"

enum {
    SC_REPORT_HOURS = 24,
    SC_REPORT_TIME_TEXT_MAX = 32, /* "2024-08-08T00:00:00.000Z" */
    SC_REPORT_NUM_TEXT_MAX = 48   /* a decimal from an int64 with a point and a sign */
};

/* Which trades a selection keeps; every set part must hold (AND). */
typedef struct {
    uint32_t labels; /* SC_BLUNDER_BIT of each label the trade must carry; 0: any */
    char regime[SC_TRADE_STORE_REGIME_MAX + 1]; /* "": any */
    int side;                                   /* -1: any; else an sc_side */
    int hour_from;                              /* -1: any; else 0..23, UTC hour of the entry */
    int hour_to; /* 0..23, inclusive; below hour_from wraps past midnight */
} sc_report_filter;

/* A filter that keeps every trade. */
void sc_report_filter_any(sc_report_filter *f);
/* Each parser: true and the value set, or false (nothing changed) for a
 * name or number it does not know. */
bool sc_report_parse_label(const char *name, uint32_t *bit_out);
bool sc_report_parse_regime(const char *name, sc_report_filter *f);
/* buy or long (SC_SIDE_BUY), sell or short (SC_SIDE_SELL). */
bool sc_report_parse_side(const char *name, sc_report_filter *f);
/* "H" or "H1-H2", each 0..23, decimal digits only. */
bool sc_report_parse_hours(const char *text, sc_report_filter *f);
/* The valid names, ", "-separated, into buf (for an error message). */
const char *sc_report_label_names(char *buf, size_t cap);
const char *sc_report_regime_names(char *buf, size_t cap);
bool sc_report_filter_is_any(const sc_report_filter *f);
bool sc_report_filter_match(const sc_report_filter *f, const sc_trade_ctx_row *r);
/* {"labels": [...], "regime": ..., "side": ..., "hours_utc": ...}; null for
 * a part that is not set. */
json_t *sc_report_filter_json(const sc_report_filter *f);

/* The figures of a set of trades, added in seq order. */
typedef struct {
    int64_t trades;
    int64_t wins; /* net > 0 */
    int64_t losses;
    int64_t scratches;
    sc_money net;
    sc_money gross; /* realized, before fees and funding */
    sc_money fees;
    sc_money funding;
    sc_money win_sum;  /* sum of net over wins */
    sc_money loss_sum; /* sum of |net| over losses */
    sc_ns hold_sum_ns;
    int64_t loss_streak; /* a scratch neither grows nor ends it (as risk/metrics.h) */
    int64_t loss_streak_max;
    bool overflow; /* a sum left int64: the figures are not usable */
} sc_report_summary;

/* Adds one trade; false (and overflow set) when a sum would overflow. */
bool sc_report_summary_add(sc_report_summary *s, const sc_risk_trade *t);
/* trades, wins, losses, scratches, win_rate, net_pnl_usdt, gross_pnl_usdt,
 * fees_usdt, funding_usdt, profit_factor, expectancy_usdt, avg_hold_s,
 * max_consecutive_losses: the ratios null without trades (profit_factor
 * without losses); expectancy = net / trades and avg_hold_s truncated
 * toward zero (to 1e-8 USDT, to the ms). */
json_t *sc_report_summary_json(const sc_report_summary *s);

/* "2024-08-08T00:00:00.123Z" (UTC, ms truncated); "-" for a negative time. */
const char *sc_report_utc(sc_ns ts, char *buf, size_t cap);
/* The UTC hour (0..23) of a time >= 0. */
int sc_report_hour_utc(sc_ns ts);
/* e8 as a decimal with 8 decimals ("-1.50000000"). */
const char *sc_report_money(int64_t e8, char *buf, size_t cap);
/* e8 as a decimal without the trailing zeros past the first decimal
 * ("61234.5", "61234.12345678"): prices. */
const char *sc_report_e8_short(int64_t e8, char *buf, size_t cap);

/* The text forms of one stored trade, shared by the table and the JSON. */
typedef struct {
    char seq[24];
    const char *side; /* "long" or "short" */
    char entry_utc[SC_REPORT_TIME_TEXT_MAX];
    char exit_utc[SC_REPORT_TIME_TEXT_MAX];
    char hold_s[SC_REPORT_NUM_TEXT_MAX];
    char entry_px[SC_REPORT_NUM_TEXT_MAX];
    char exit_px[SC_REPORT_NUM_TEXT_MAX];
    char qty_btc[SC_REPORT_NUM_TEXT_MAX];
    char gross[SC_REPORT_NUM_TEXT_MAX];
    char fees[SC_REPORT_NUM_TEXT_MAX];
    char net[SC_REPORT_NUM_TEXT_MAX];
    /* The taxonomy's names, ","-separated, "+N" for labels it does not
     * know, "-" for none. */
    char labels[SC_BLUNDER_LABEL_COUNT * 24 + 16];
} sc_report_trade_text;

/* qty in BTC on usdm:BTCUSDT's step, the one instrument the engine trades. */
void sc_report_trade_text_of(const sc_trade_ctx_row *r, sc_report_trade_text *out);

#endif
