/* bar_events.h: closed candles (1m klines) to synthetic market events, so
 * the paper engine's event path (book, fill simulator, veto gate's book
 * checks, metrics) runs on bars. THIS IS BARS FIDELITY: every figure a run
 * on these events produces must say so (see engine/decision_path.h).
 *
 * Per candle k (sc_bar_events_begin, then sc_bar_events_next until false):
 *   1. the path: open, the extreme nearer the open, the other extreme, the
 *      close (|open - high| <= |open - low|: high first, ties included),
 *      three legs walked in points; the first point is the open;
 *   2. per point, a book SNAPSHOT whose touch is at the point's price on
 *      the side the point's trade hits, then that TRADE (market kind);
 *   3. a final SNAPSHOT at the close: bid = close, ask = close + spread;
 *   4. a MARK_PRICE at the close.
 * The first event is the snapshot with its touch at the open.
 *
 * Model (one assumption per line; the fill rules lean against our makers):
 *  Path     The real order of the extremes is unknown; the nearer one first
 *           is the common convention (and the shorter path). The path is
 *           three straight legs: no intrabar wiggles, so a bar's range is
 *           crossed once or twice, never more.
 *  Steps    One step size per bar, s = ceil(path length / path_points)
 *           ticks (1 tick when the path is short). A leg of d ticks is
 *           walked in ceil(d / s) points at from +- floor(d * i / n), so
 *           its end (an extreme, the close) is hit exactly and no step is
 *           longer than s. A price between two points is not printed but
 *           is traded THROUGH by the next point, which is what fills a
 *           resting order (below), so skipped prices change no fill; they
 *           only coarsen the touch a taker meets (at most s ticks off).
 *  Side     A point reached moving up is a taker BUY, moving down a taker
 *           SELL. The open is reached from the previous bar's close when it
 *           differs (a gap down is a sell through the bids in between),
 *           else it takes the side of the bar's first move; a flat bar
 *           that opens at the previous close takes the larger side of the
 *           taker split, else SELL.
 *  Touch    A buy lifts the ask, a sell hits the bid: before a trade at p
 *           the snapshot has ask = p, bid = p - spread (buy) or bid = p,
 *           ask = p + spread (sell). So every print happens at a touch that
 *           exists, and after every trade the touch is at its price. (Not
 *           "bid = trade price" for buys too: a buy printed below the ask
 *           would fill a resting sell at that price with an empty queue.)
 *  Depth    `levels` levels per side, one tick apart, `level_qty` each (5
 *           BTC by default: about the median touch size of the USD-M
 *           captures in ../shared/data, bookTicker 2.7 / 4.1 / 9.7 BTC on
 *           2024-08-08 / 2023-04-05 / 2024-07-19; ten times a 0.5 BTC
 *           position, so our exits fill at the touch as they usually do,
 *           and 20 levels cap a taker at 100 BTC: finite). The touch level
 *           that a trade hits holds max(level_qty, the trade's qty): what
 *           trades at a price was resting there. Bars carry no depth, so
 *           nothing else about the book is known.
 *  Spread   1 tick by default: the USD-M captures show one tick 94-99 % of
 *           the time (engine/market_sim.c) and decision_path's bars touch
 *           is close / close + 1 tick.
 *  Books    Snapshots only, no depth diffs: sc_book takes a snapshot at any
 *           time when its id is newer than the book (it replaces the book,
 *           it is not a resync), so a valid U/u/pu chain is not needed.
 *           Levels at prices below 1 tick are left out (absurd prices).
 *           The caller gives each applied snapshot to
 *           sc_fill_sim_on_book_reset (engine/paper.c does): resting orders
 *           go to the back of the queue at their price, taken liquidity is
 *           forgotten. Snapshot ids are 1, 2, 3, ... across bars: give the
 *           events to a book that has seen nothing else.
 *  Queue    So queue position is unknown (it is): every trade at a resting
 *           order's price meets a fresh queue of at least its own size and
 *           never reaches the order. With exec/fill_sim.h a resting limit
 *           fills only when the path trades strictly THROUGH its price (a
 *           buy: a sell printed below it; a low equal to the limit does not
 *           fill it), at the limit, as maker, up to the qty of the trades
 *           through it. The same rule as sc_fill_sim_on_candle and the
 *           decision path's study. A taker walks the synthetic book at its
 *           activation (the touch of the latest point).
 *  Volume   Exactly the candle's volume, in steps, over the trades. With
 *           the taker split (SC_CANDLE_HAS_SPLIT) buy_volume goes to the
 *           buy points and sell_volume to the sell points, exactly; a side
 *           with volume but no point of its own (an up bar from its low to
 *           its high with sellers in it) gets one extra trade at the close,
 *           after the path (counted in extra_trades). Without the split,
 *           the volume is shared over all points whatever their side. In a
 *           group, the key points (open, extremes, close) get 1 step first,
 *           then the rest evenly (floor(rest / n) each, the remainder's
 *           single steps spread evenly over the group). A point left with
 *           0 steps (volume smaller than the points) moves the book and
 *           prints no trade (silent_points): no trade has qty 0, and a
 *           zero-volume candle prints no trade at all.
 *  Time     The bar's N events are stamped open + (i + 1) * (tf - 1) / N,
 *           i = 0..N-1: strictly inside [open, open + tf), strictly
 *           increasing, the last one 1 ns before the close (so the book is
 *           fresh when the decision is taken at the close). Exchange times
 *           (E, T) equal the local time: no feed latency at bars fidelity.
 *           The first event comes (tf - 1) / N after the open (0.3 s for a
 *           1m bar of 200 events): an order sent at the previous close
 *           with less latency than that meets the whole path.
 *  Funding  Bars carry no funding rate: the mark event has rate 0 and next
 *           funding time 0 (none known), so risk/metrics never settles
 *           funding: funding is 0 at bars fidelity. mark = index = close.
 *  Other    quote volume and the trade count of the candle are not used.
 *
 * Cost, measured (tests/engine/test_bar_events.c, default config): 176
 * events per bar on the 10 days of USD-M 1m klines (coarsest step 98 ticks,
 * 9.80 USDT), 199 on a month of spot 1m klines (coarsest 32.41 USDT); 11.4M
 * events through this module, a book and a fill simulator in about 4 s.
 *
 * Limits: path_points <= SC_BAR_EVENTS_POINTS_MAX per bar, so a bar has at
 * most SC_BAR_EVENTS_BAR_POINTS_MAX(path_points) points (the open, the
 * three legs' rounding and one extra trade) and twice that plus 2 events.
 * Candles are refused (SC_ERR_RANGE, nothing changes, counted) when
 * sc_candle_valid fails, tf_ns is outside 1 s .. 1 day, open_ns < 0, the
 * bar starts before the previous bar's end (bars go forward in time, gaps
 * allowed), or its prices do not fit the book (high + spread + levels >
 * SC_BOOK_PX_MAX) or a mark in e8.
 *
 * Output: event pointers (snapshot levels) point into buffers owned here,
 * valid until the next sc_bar_events_next / begin / destroy call.
 *
 * Thread: one owner (the engine thread). Allocates: in create only (the
 * state, the path, the two level buffers); never afterwards. No clock, no
 * I/O, no randomness: the same config and candles give the same events.
 * Invariants (asserted): event times strictly increase and stay inside the
 * bar; snapshot ids and trade ids strictly increase; every snapshot has
 * bid < ask, levels best first; trade qty > 0; the trades of a bar sum to
 * its volume (per side with the split); the path's points run monotonically
 * within each leg and hit open, both extremes and the close exactly.
 */
#ifndef SC_ENGINE_BAR_EVENTS_H
#define SC_ENGINE_BAR_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/instrument.h"
#include "core/time.h"
#include "market/candles.h"
#include "market/event.h"

enum {
    SC_BAR_EVENTS_LEVELS_DEFAULT = 20,  /* per side */
    SC_BAR_EVENTS_LEVELS_MAX = 1000,    /* SC_BOOK_TOP_MAX: a book serves that many */
    SC_BAR_EVENTS_LEVEL_UNITS = 5,      /* default level qty in base units (BTC) */
    SC_BAR_EVENTS_SPREAD_DEFAULT = 1,   /* ticks */
    SC_BAR_EVENTS_SPREAD_MAX = 10000,   /* ticks; 1000 USDT on BTCUSDT USD-M */
    SC_BAR_EVENTS_POINTS_DEFAULT = 100, /* path points per bar (about 200 events) */
    SC_BAR_EVENTS_POINTS_MAX = 1 << 14, /* 16384: 1-tick steps over a 1600 USDT path */
    SC_BAR_EVENTS_POINTS_EXTRA = 5      /* the open, 3 legs' rounding, 1 extra trade */
};
/* Points of one bar with path_points p; events are 2 per point plus 2. */
#define SC_BAR_EVENTS_BAR_POINTS_MAX(p) ((uint32_t)(p) + SC_BAR_EVENTS_POINTS_EXTRA)
#define SC_BAR_EVENTS_TF_NS_MIN SC_NS_PER_S

typedef struct {
    const sc_instrument *ins; /* required: tick and step grids */
    uint32_t levels;          /* per side; 0 = default; 1 .. SC_BAR_EVENTS_LEVELS_MAX */
    sc_qty level_qty;         /* per level; 0 = SC_BAR_EVENTS_LEVEL_UNITS base units */
    uint32_t spread_ticks;    /* 0 = default; 1 .. SC_BAR_EVENTS_SPREAD_MAX */
    uint32_t path_points;     /* 0 = default; 1 .. SC_BAR_EVENTS_POINTS_MAX */
} sc_bar_events_config;

typedef struct {
    uint64_t bars;    /* candles begun */
    uint64_t refused; /* candles refused by begin */
    uint64_t events;  /* yielded, all kinds */
    uint64_t snapshots;
    uint64_t trades;
    uint64_t marks;
    uint64_t points;        /* path points (a snapshot each) */
    uint64_t silent_points; /* points without volume left: no trade printed */
    uint64_t extra_trades;  /* split: a side without points traded at the close */
    int64_t step_ticks_max; /* coarsest step of any bar so far */
} sc_bar_events_stats;

typedef struct sc_bar_events sc_bar_events;

/* SC_ERR_INVALID_ARG: a field outside its range. SC_ERR_UNSUPPORTED: a grid
 * too fine for a mark in e8 (px_scale > 8) or for the default level qty.
 * SC_ERR_NOMEM. */
sc_err sc_bar_events_create(const sc_bar_events_config *cfg, sc_bar_events **out);
void sc_bar_events_destroy(sc_bar_events *b); /* accepts NULL */

/* Plans the events of one closed candle. SC_ERR_STATE: the previous bar's
 * events are not all read. SC_ERR_RANGE: a candle refused (above). On an
 * error nothing changes. */
sc_err sc_bar_events_begin(sc_bar_events *b, const sc_candle *k);

/* The next event of the bar begun; false when the bar is done (or none was
 * begun). The bar is done after its mark event. */
bool sc_bar_events_next(sc_bar_events *b, sc_event *out);

/* Ready for the next begin: no bar, or every event of the last one read. */
bool sc_bar_events_idle(const sc_bar_events *b);

void sc_bar_events_get_stats(const sc_bar_events *b, sc_bar_events_stats *out);

#endif
