/* book.h: OrderBookManager, the L2 book kept exactly as Binance's.
 *
 * Sync procedure (binance-usdm-reference.md §2), futures (USD-M, COIN-M):
 *  - Until a snapshot is applied, every diff is copied into a bounded buffer.
 *    (In the 2024 captures the bridging diff arrives before the snapshot.)
 *  - On a snapshot with lastUpdateId L: buffered diffs with u < L are
 *    dropped; the first diff applied must straddle L (U <= L <= u). If the
 *    oldest remaining diff has U > L the snapshot is too old: it is rejected
 *    and the book keeps waiting for the next one. If nothing remains, the
 *    book waits for the bridging diff: later diffs with u < L are dropped.
 *  - Once synced, every diff must have pu == the previous applied u. A diff
 *    with u <= the last applied u is stale (a duplicate): dropped, counted,
 *    harmless. Any other break is a gap: the book goes out of sync, queries
 *    fail with SC_ERR_NOT_SYNCED, and the buffering starts again until the
 *    next snapshot.
 * Spot: no pu. Drop u <= L; the first diff must have U <= L+1 <= u; then
 *    each diff must have U == previous u + 1 (u <= last u is stale).
 * Levels: qty is absolute; 0 deletes; deleting an unknown level is normal;
 *    within one diff the later entry for a price wins.
 * After every applied diff the book must not be crossed (best bid < best
 *    ask); a crossed book is counted and taken out of sync.
 * A stale or out-of-sync book is never served: every query returns
 *    SC_ERR_NOT_SYNCED then.
 * The book is in sync (and served, at L) from the moment a snapshot is
 *    applied, also while it waits for the bridging diff. A snapshot that
 *    arrives while in sync replaces the book when it is newer than the last
 *    applied u (not a resync) and is dropped as stale otherwise.
 * Limits: a far level that does not fit in far_levels_max takes the book out
 *    of sync (SC_BOOK_OVERFLOW, far_overflows counted: fail closed). Prices
 *    must lie in [0, SC_BOOK_PX_MAX] and quantities be >= 0, else
 *    SC_ERR_INVALID_ARG and nothing changes.
 *
 * Data structure: see the comment at the top of book.c (chosen by benchmark,
 * bench/bench_book.c).
 *
 * Thread: the engine thread. Allocates: in create only; never afterwards.
 * Invariants (asserted): levels hold qty > 0; best bid < best ask while
 * synced; buffered levels never exceed buffer_levels_max.
 */
#ifndef SC_MARKET_BOOK_H
#define SC_MARKET_BOOK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/instrument.h"
#include "market/event.h"

/* Defaults and ceilings for the config (0 in a config field = default). */
enum {
    SC_BOOK_WINDOW_TICKS_MIN = 1 << 6, /* one bitmap word */
    SC_BOOK_WINDOW_TICKS_DEFAULT = 1 << 16,
    SC_BOOK_WINDOW_TICKS_MAX = 1 << 22,
    SC_BOOK_FAR_LEVELS_DEFAULT = 16384,
    SC_BOOK_FAR_LEVELS_MAX = 1 << 20,
    SC_BOOK_BUFFER_EVENTS_DEFAULT = 8192,
    SC_BOOK_BUFFER_EVENTS_MAX = 1 << 20,
    SC_BOOK_BUFFER_LEVELS_DEFAULT = 1 << 20,
    SC_BOOK_BUFFER_LEVELS_MAX = 1 << 24,
    SC_BOOK_TOP_MAX = 1000 /* most levels one top-N query returns */
};

typedef struct sc_book sc_book;

typedef struct {
    const sc_instrument *ins;   /* required; its venue picks the sync rule */
    uint32_t window_ticks;      /* dense window width, power of two */
    uint32_t far_levels_max;    /* levels per side kept outside the window */
    uint32_t buffer_events_max; /* diffs buffered while waiting for a snapshot */
    uint32_t buffer_levels_max; /* levels across all buffered diffs */
} sc_book_config;

typedef enum {
    SC_BOOK_APPLIED = 0,      /* the diff (or snapshot) changed the book */
    SC_BOOK_BUFFERED = 1,     /* kept until a snapshot arrives */
    SC_BOOK_STALE = 2,        /* dropped: older than the book (u < L, or u <= last u) */
    SC_BOOK_GAP = 3,          /* sequence broke: now out of sync */
    SC_BOOK_CROSSED = 4,      /* applied, book crossed: now out of sync */
    SC_BOOK_SNAPSHOT_OLD = 5, /* snapshot rejected: older than every buffered diff */
    SC_BOOK_OVERFLOW = 6      /* buffer full: oldest buffered diff dropped (counted);
                                 or far store full: now out of sync (far_overflows) */
} sc_book_result;

/* Highest price accepted, in ticks: keeps every sum of prices in int64. */
#define SC_BOOK_PX_MAX (INT64_C(1) << 60)

typedef struct {
    uint64_t diffs_applied;
    uint64_t levels_applied;
    uint64_t snapshots_applied;
    uint64_t resyncs;       /* snapshots applied after sync had been lost */
    uint64_t gaps;          /* sequence breaks detected */
    uint64_t stale_dropped; /* diffs older than the book, incl. duplicates */
    uint64_t crossed;       /* crossed-book events */
    uint64_t snapshots_rejected;
    uint64_t buffer_overflows;
    uint64_t far_overflows; /* a far level could not be stored: out of sync */
    uint64_t recenters;     /* dense window moved */
} sc_book_stats;

sc_err sc_book_create(const sc_book_config *cfg, sc_book **out);
void sc_book_destroy(sc_book *b);

/* Feed a diff or a snapshot. *res says what happened. Returns SC_OK except
 * for programming errors (SC_ERR_INVALID_ARG): every market-data problem is
 * a result, counted in the stats, never an error. */
sc_err sc_book_on_depth(sc_book *b, const sc_depth *d, sc_book_result *res);
sc_err sc_book_on_snapshot(sc_book *b, const sc_snapshot *s, sc_book_result *res);

bool sc_book_is_synced(const sc_book *b);
/* u of the last applied diff (or L of the snapshot); SC_ID_NONE if none. */
int64_t sc_book_last_update_id(const sc_book *b);
void sc_book_get_stats(const sc_book *b, sc_book_stats *out);

/* Queries: SC_ERR_NOT_SYNCED when the book is out of sync, SC_ERR_EMPTY
 * when the side has no level (mid, depth and imbalance need both sides;
 * qty_at answers 0 on an empty side). */
sc_err sc_book_best(const sc_book *b, sc_side side, sc_level *out);
/* 0 when there is no level at px. */
sc_err sc_book_qty_at(const sc_book *b, sc_side side, sc_px px, sc_qty *out);
/* Up to n (<= SC_BOOK_TOP_MAX) best levels of a side, best first. */
sc_err sc_book_top(const sc_book *b, sc_side side, uint32_t n, sc_level *out, uint32_t *n_out);
/* Mid price in half ticks (bid + ask), exact. */
sc_err sc_book_mid_x2(const sc_book *b, int64_t *mid_x2_out);
/* Sum of quantity on a side at prices within bps basis points of mid
 * (bids >= mid*(1-bps/1e4), asks <= mid*(1+bps/1e4)). */
sc_err sc_book_depth_within_bps(const sc_book *b, sc_side side, uint32_t bps, sc_qty *out);
/* (bid qty - ask qty) / (bid qty + ask qty) over the top n levels, in [-1, 1]. */
sc_err sc_book_imbalance(const sc_book *b, uint32_t n, double *out);

#endif
