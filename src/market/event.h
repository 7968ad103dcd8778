/* event.h: market events, the decoder's output and the book's and tape's
 * input. Plain value types.
 *
 * Level arrays inside an event point into memory owned by whoever produced
 * the event (the decoder's scratch, valid until its next decode call). A
 * consumer that keeps an event past that copies the levels.
 *
 * Ids: U, u, pu as Binance sends them. pu is SC_ID_NONE on spot, which has
 * no pu. Times: *_ns fields are ns since the epoch; exchange times in the
 * messages are ms and are converted exactly.
 */
#ifndef SC_MARKET_EVENT_H
#define SC_MARKET_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/fixed.h"
#include "core/time.h"

#define SC_ID_NONE INT64_MIN

typedef enum {
    SC_EV_NONE = 0,
    SC_EV_DEPTH = 1,       /* depthUpdate diff (futures and spot) */
    SC_EV_SNAPSHOT = 2,    /* REST depth snapshot */
    SC_EV_BOOK_TICKER = 3, /* best bid/ask */
    SC_EV_TRADE = 4,       /* raw trade */
    SC_EV_AGG_TRADE = 5,   /* aggregate trade */
    SC_EV_MARK_PRICE = 6,  /* markPriceUpdate */
    SC_EV_KLINE = 7        /* kline (candle) update */
} sc_ev_kind;
enum { SC_EV_KIND_COUNT = 8 };

const char *sc_ev_kind_name(sc_ev_kind k);

typedef enum { SC_SIDE_BUY = 0, SC_SIDE_SELL = 1 } sc_side;

typedef struct {
    sc_px px;
    sc_qty qty; /* absolute quantity at the level; 0 deletes it */
} sc_level;

typedef struct {
    sc_ns ts_exch_ns;      /* E */
    sc_ns ts_txn_ns;       /* T; 0 when absent (spot) */
    int64_t first_id;      /* U */
    int64_t final_id;      /* u */
    int64_t prev_final_id; /* pu; SC_ID_NONE when absent (spot) */
    const sc_level *bids;
    const sc_level *asks;
    uint32_t n_bids;
    uint32_t n_asks;
} sc_depth;

typedef struct {
    int64_t last_update_id;
    sc_ns ts_exch_ns;     /* E; 0 when absent (spot) */
    sc_ns ts_txn_ns;      /* T; 0 when absent (spot) */
    const sc_level *bids; /* best first, as sent */
    const sc_level *asks;
    uint32_t n_bids;
    uint32_t n_asks;
} sc_snapshot;

typedef struct {
    int64_t update_id; /* u */
    sc_ns ts_exch_ns;  /* E; 0 when absent (spot) */
    sc_ns ts_txn_ns;   /* T; 0 when absent (spot) */
    sc_level bid;
    sc_level ask;
} sc_book_ticker;

/* "X" of a futures trade. Insurance-fund and ADL fills print at a
 * liquidation's bankruptcy price, not the market's: consumers that build
 * prices from trades leave them out. Spot trades carry no X: market. */
typedef enum {
    SC_TRADE_MARKET = 0,
    SC_TRADE_INSURANCE_FUND = 1,
    SC_TRADE_ADL = 2,
    SC_TRADE_OTHER = 3 /* an X value this build does not know */
} sc_trade_kind;

typedef struct {
    int64_t trade_id;       /* t for a raw trade; a for an aggTrade */
    int64_t first_trade_id; /* f (aggTrade) or t */
    int64_t last_trade_id;  /* l (aggTrade) or t */
    sc_ns ts_exch_ns;       /* E */
    sc_ns ts_trade_ns;      /* T */
    sc_px px;
    sc_qty qty;
    sc_side aggressor;  /* m=true (buyer is maker) means the seller aggressed */
    sc_trade_kind kind; /* X; market when absent */
} sc_trade;

typedef struct {
    sc_ns ts_exch_ns;      /* E */
    sc_money mark_px;      /* p */
    sc_money index_px;     /* i */
    sc_money funding_rate; /* r, as a fraction in e8 (0.0001 = 10000) */
    sc_ns next_funding_ns; /* T */
} sc_mark_price;

typedef struct {
    sc_ns ts_exch_ns; /* E */
    sc_ns open_ns;    /* k.t */
    sc_ns close_ns;   /* k.T */
    char interval[8]; /* k.i, e.g. "1m" */
    sc_px open;
    sc_px high;
    sc_px low;
    sc_px close;
    sc_qty volume;           /* k.v base volume */
    sc_qty taker_buy_volume; /* k.V */
    sc_money quote_volume;   /* k.q */
    int64_t trades;          /* k.n */
    bool closed;             /* k.x */
} sc_kline;

typedef struct {
    sc_ev_kind kind;
    sc_ns ts_local_ns; /* receive time from the capture, ns */
    union {
        sc_depth depth;
        sc_snapshot snapshot;
        sc_book_ticker book_ticker;
        sc_trade trade;
        sc_mark_price mark;
        sc_kline kline;
    } u;
} sc_event;

#endif
