/* replay.h: the replay checker, one step per captured message.
 *
 * Feeds each message through decoder -> order book -> trade tape and checks
 * the book against the exchange's own best bid and offer: at every
 * bookTicker whose u equals the u of an applied depth update, our best bid
 * and ask (price and quantity) must equal the bookTicker's. The bookTicker
 * may arrive before or after that depth update; both orders are checked
 * (a short history of the BBO after each applied diff, and a short queue of
 * bookTickers waiting for their diff). A bookTicker seen while the book is
 * out of sync is never compared against a stale book: it is counted as
 * unchecked.
 *
 * The engine layer reads no clock and no file: the caller (app/) reads the
 * capture, measures time and shows progress.
 *
 * Thread: one owner. Allocates: in create only.
 */
#ifndef SC_ENGINE_REPLAY_H
#define SC_ENGINE_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/instrument.h"
#include "market/book.h"
#include "market/event.h"

enum {
    SC_REPLAY_PROBLEMS_MAX = 32, /* problem details kept (all are counted) */
    SC_REPLAY_PROBLEM_TEXT_MAX = 320,
    SC_REPLAY_BBO_HISTORY = 4096, /* applied diffs remembered for late bookTickers */
    SC_REPLAY_BBO_PENDING = 4096  /* bookTickers waiting for their diff */
};

typedef struct sc_replay sc_replay;

typedef struct {
    const sc_instrument *ins; /* required */
    sc_book_config book;      /* ins is filled in by create */
} sc_replay_config;

typedef struct {
    uint64_t messages; /* lines seen, good or bad */
    uint64_t depth_updates;
    uint64_t book_ticker;
    uint64_t trades;     /* raw trades and aggTrades */
    uint64_t agg_trades; /* aggregates (received, or derived from raw trades) */
    uint64_t mark_price;
    uint64_t klines;
    uint64_t snapshots; /* snapshot messages received */
    uint64_t unknown;   /* well-formed messages of streams we do not use */
    uint64_t malformed; /* lines that could not be decoded */
    sc_book_stats book; /* gaps, resyncs, crossed, stale ... */
    uint64_t bbo_checked;
    uint64_t bbo_mismatch;
    uint64_t bbo_unsynced;  /* bookTickers that came while the book was out of sync */
    uint64_t bbo_unmatched; /* bookTickers whose u matched no applied diff */
    uint64_t missing_trades;
    uint64_t trades_out_of_order;
    sc_ns first_exch_ns;
    sc_ns last_exch_ns;
    bool book_synced; /* at the end */
} sc_replay_summary;

sc_err sc_replay_create(const sc_replay_config *cfg, sc_replay **out);
void sc_replay_destroy(sc_replay *r);

/* One captured message. source and line name it in problem reports. */
void sc_replay_on_message(sc_replay *r, sc_ns ts_local_ns, const char *json, size_t len,
                          const char *source, int64_t line);
/* A line the capture reader could not split (bad time, too long): counted
 * as malformed, with its reason. */
void sc_replay_on_bad_line(sc_replay *r, const sc_errinfo *why);
/* Completes pending work (the open trade aggregate, unmatched tickers). */
void sc_replay_finish(sc_replay *r);

void sc_replay_get_summary(const sc_replay *r, sc_replay_summary *out);
/* The problems kept so far (file:line: what), oldest first. */
uint32_t sc_replay_problem_count(const sc_replay *r);
const char *sc_replay_problem(const sc_replay *r, uint32_t i);
const sc_book *sc_replay_book(const sc_replay *r);
const sc_instrument *sc_replay_instrument(const sc_replay *r);

#endif
