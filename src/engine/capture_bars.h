/* capture_bars.h: a capture's messages to closed candles of one timeframe,
 * each with the order book sampled at its close (feature_row's input).
 *
 * Per message: decoder -> order book (depth diffs, snapshots) and
 * CandleAggregator (trades). The rest (bookTicker, markPrice, kline) only
 * moves the stream clock.
 *
 * Definitions
 *  - Stream clock: the newest exchange time seen: a trade's trade time T, a
 *    depth diff's or snapshot's transaction time T (else its event time E),
 *    any other message's E. Messages without an exchange time (spot
 *    bookTicker, spot snapshot) do not move it. The local receive time is
 *    not used: candles are in exchange time.
 *  - Candles come from trades (trade time, arrival order; see candles.h).
 *    Raw trades or aggregate trades, whichever kind comes first: the other
 *    kind is then ignored and counted (both in one capture would count
 *    every trade twice).
 *  - Sample: when the clock first reaches the end of the open candle's
 *    bucket, the book is sampled BEFORE the message that moved the clock is
 *    applied: best bid and ask, top-5 imbalance, depth within 10 bps, and
 *    the candle's OFI. So a row never holds book data from after its close.
 *    A candle opened by a trade that arrives after the clock had already
 *    passed its end gets no sample (counted in unsampled; its book columns
 *    stay empty).
 *  - OFI (features/ofi.h's event formula, sc_ofi_event) is summed over the
 *    top-of-book changes of the messages processed while the clock is in
 *    the candle's bucket. It is valid only when the book was in sync when
 *    the clock entered the bucket and stayed in sync until the sample
 *    (a resync in between would pair a stale quote with a new one).
 *  - Partial candles are dropped, never written: the first candle when its
 *    bucket opened before the capture's first exchange time (the recording
 *    started inside it), and every candle still open at the end whose
 *    bucket the clock did not reach the end of (the recording stopped
 *    inside it). Both are counted.
 *
 * Errors: a malformed message returns the decoder's error with err filled
 * (field, expected, got; the caller adds file:line) and changes nothing;
 * a message of a stream we do not use is SC_OK (counted). A trade with a
 * price or size <= 0 or a negative time is SC_ERR_RANGE and changes
 * nothing; a depth level the book refuses (price beyond SC_BOOK_PX_MAX) is
 * SC_ERR_RANGE and a trade whose candle sums would overflow int64 is
 * SC_ERR_OVERFLOW, both after the clock moved to the message's time.
 *
 * Output: completed bars wait in a queue of SC_CAPTURE_BARS_QUEUE; drain it
 * with sc_capture_bars_next after every call (one message completes at most
 * two bars; a call with fewer than SC_CAPTURE_BARS_PER_CALL free slots is
 * refused with SC_ERR_FULL and changes nothing).
 *
 * Thread: one owner. Allocates: in create only. No clock, no I/O.
 * Invariants (asserted): the clock never goes back; a bar's sample belongs
 * to its bucket; the queue never holds more than its capacity.
 */
#ifndef SC_ENGINE_CAPTURE_BARS_H
#define SC_ENGINE_CAPTURE_BARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/instrument.h"
#include "engine/feature_row.h"
#include "market/book.h"
#include "market/candles.h"

enum {
    SC_CAPTURE_BARS_QUEUE = 8,
    SC_CAPTURE_BARS_PER_CALL = 4, /* an aggregator call closes at most 2; flush 2 more */
    SC_CAPTURE_BARS_IMBALANCE_LEVELS = 5,
    SC_CAPTURE_BARS_DEPTH_BPS = 10
};
_Static_assert(SC_CAPTURE_BARS_PER_CALL <= SC_CAPTURE_BARS_QUEUE, "queue holds one call's bars");

typedef struct sc_capture_bars sc_capture_bars;

typedef struct {
    const sc_instrument *ins; /* required */
    sc_ns tf_ns;              /* whole seconds, 1 s .. 1 day */
    sc_book_config book;      /* ins is filled in by create; 0 fields = defaults */
} sc_capture_bars_config;

typedef struct {
    sc_candle candle;
    sc_feature_book book; /* all flags false when unsampled */
    bool sampled;
} sc_capture_bar;

typedef struct {
    uint64_t messages;          /* decoded, any kind */
    uint64_t unknown;           /* well-formed, of a stream we do not use */
    uint64_t trades;            /* taken into candles */
    uint64_t trades_other_kind; /* trade or aggTrade of the kind not chosen */
    uint64_t trades_not_market; /* insurance-fund/ADL fills: not market prices, left out */
    uint64_t trades_late;       /* refused by the aggregator: bucket already closed */
    uint64_t bars;              /* written to the queue */
    uint64_t unsampled;         /* of those, without a book sample */
    uint64_t dropped_first;     /* partial: bucket opened before the first clock time */
    uint64_t dropped_last;      /* partial candles at the end */
    uint64_t empty_buckets;     /* buckets without a trade between bars (never invented) */
    uint64_t empty_runs;        /* runs of those */
    sc_book_stats book;
    sc_ns first_ns; /* first and last stream clock; 0 before any */
    sc_ns last_ns;
} sc_capture_bars_stats;

sc_err sc_capture_bars_create(const sc_capture_bars_config *cfg, sc_capture_bars **out);
void sc_capture_bars_destroy(sc_capture_bars *cb);

/* One captured message (the JSON of one capture line). */
sc_err sc_capture_bars_on_message(sc_capture_bars *cb, sc_ns ts_local_ns, const char *json,
                                  size_t len, sc_errinfo *err);
/* The same, for a message already decoded by the caller with a decoder of
 * the same instrument (engine/paper.c: one decode per message). */
sc_err sc_capture_bars_on_event(sc_capture_bars *cb, const sc_event *ev, sc_errinfo *err);
/* End of input: closes the candles whose end the clock reached and drops
 * the rest (see above). Call once; on_message is refused afterwards. */
sc_err sc_capture_bars_finish(sc_capture_bars *cb);
/* Oldest completed bar; false when none. */
bool sc_capture_bars_next(sc_capture_bars *cb, sc_capture_bar *out);

void sc_capture_bars_get_stats(const sc_capture_bars *cb, sc_capture_bars_stats *out);

#endif
