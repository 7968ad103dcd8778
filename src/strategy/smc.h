/* smc.h: SMCDetector, Smart Money Concepts patterns over closed candles.
 *
 * One detector watches one series of closed candles of one timeframe (any:
 * 1m, 5m, 1h, ...). Candles go in one at a time with sc_smc_on_candle; the
 * events that candle produced are read with sc_smc_events until the next
 * one. It finds swing highs and lows, breaks of structure (BOS), changes of
 * character (CHoCH), fair value gaps (FVG) and order blocks (OB), and keeps
 * the current structure bias. Prices stay exact ticks (sc_px); a double
 * appears only in the ATR comparison that defines a displacement.
 *
 * Time and look-ahead
 *  - A bar is a candle received; bars are counted in the order received. A
 *    missing candle is not invented, so N bars may span a data gap (the
 *    FVG is the exception: see below).
 *  - A candle opens at open_ns and is known at its close,
 *    close_ns = open_ns + tf_ns. Every event carries ts_ns = the close_ns of
 *    the candle that produced it: the first instant anyone could know it.
 *    origin_ns names the (older) bar the event is about and confirm_ns when
 *    that pattern was confirmed; always origin_ns < confirm_ns <= ts_ns.
 *
 * Definitions (N = smc.swing_n)
 *  Swing high. Bar s is a swing high when high[s] is strictly greater than
 *   the high of every one of the N bars before it and the N bars after it.
 *   Ties exclude: when any of those 2N bars has the same high, s is not a
 *   swing high, so two equal highs (a double top to the tick) within N bars
 *   of each other make no swing high at all. The first N bars of a series
 *   can never be swings (they lack N bars before them). Swing low: the
 *   mirror, with lows strictly lower. One bar can be both (an outside bar).
 *   Confirmation: at the close of bar s + N, never earlier. Event
 *   SC_SMC_SWING_HIGH / SC_SMC_SWING_LOW: dir none, level = price = the
 *   high (low) of s, origin_ns = open of s, confirm_ns = ts_ns = close of
 *   s + N.
 *  Reference swings. The last confirmed swing high and the last confirmed
 *   swing low are the references for breaks. A newly confirmed swing
 *   replaces the reference of its side (unbroken), whatever the old one's
 *   state. Each reference can be broken once.
 *  Break, close-based. A candle whose close is strictly above the unbroken
 *   reference swing high breaks it bullishly; a close strictly below the
 *   unbroken reference swing low breaks it bearishly. Wicks do not count: a
 *   high above the level with a close at or below it is no break, and a
 *   close equal to the level is no break. The break is a BOS when the bias
 *   before it was the same direction or none (the first break of a series
 *   is a BOS: there is no character yet to change), a CHoCH when the bias
 *   was the opposite direction. Afterwards the bias is the break's
 *   direction and that reference is broken. A candle is tested against the
 *   references confirmed before it (a swing it confirms itself cannot be
 *   broken by it anyway: all N bars after a swing high close below it).
 *   At most one break per candle: a bullish and a bearish break at once is
 *   impossible (proof in smc.c). Event SC_SMC_BOS / SC_SMC_CHOCH: dir,
 *   level = the swing level, price = the close, origin_ns and confirm_ns =
 *   the broken swing's bar and confirmation.
 *  Bias (sc_smc_bias). SC_BIAS_NONE until the first break, then the
 *   direction of the last break.
 *  Fair value gap. Three consecutive candles a, b, c, c the newest. They
 *   must be consecutive in time (open times tf_ns apart): across a missing
 *   candle the test is skipped (counted in fvg_gap_skipped), since a hole
 *   in the data is not a hole in the trading. Bullish when low[c] > high[a]:
 *   the zone is bottom = high[a] .. top = low[c]. Bearish when high[c] <
 *   low[a]: bottom = high[c] .. top = low[a]. The size top - bottom in
 *   ticks must be >= smc.fvg_min_ticks (smaller ones: fvg_too_small). Event
 *   SC_SMC_FVG: top, bottom, price = 0, origin_ns = open of b (the candle
 *   that left the gap), confirm_ns = ts_ns = close of c.
 *  Fill. Candles after c fill a gap with their wicks. The unfilled part of
 *   a bullish gap is bottom .. open_top, with open_top = top at first; a low
 *   below open_top lowers it to max(low, bottom). The gap is filled when a
 *   low reaches its bottom (low <= bottom): price has traded back through
 *   the whole gap. Then SC_SMC_FVG_FILLED is emitted once (price = that
 *   low; top, bottom, origin_ns, confirm_ns as at creation) and the gap is
 *   no longer tracked. A partial fill only moves open_top (see
 *   sc_smc_zone_at) and emits nothing. Bearish: the mirror (open_bottom
 *   rises with the highs; filled when high >= top).
 *  Displacement. A candle whose body |close - open| in ticks is
 *   >= smc.displacement_atr x ATR(SC_SMC_ATR_PERIOD), the ATR of features/
 *   atr.h (Wilder) computed on ticks over the candles before it, not
 *   including it (a big candle does not widen its own yardstick). There is
 *   no displacement until that ATR exists (SC_SMC_ATR_PERIOD + 1 candles
 *   before it). Bullish when close > open, bearish when close < open.
 *  Order block. A bullish displacement candle whose own close makes a
 *   bullish break (BOS or CHoCH) creates a bullish order block: the last
 *   bearish candle (close < open; a doji is neither colour) before it,
 *   searched among the SC_SMC_OB_LOOKBACK bars before it. Its zone is that
 *   candle's whole range: bottom = its low .. top = its high, wicks
 *   included. No block when there is no such candle in reach or when that
 *   candle already made a bullish block (a candle makes at most one block
 *   per direction): counted in ob_no_origin. A displacement without a break
 *   in its own direction makes no block (counted in ob_no_break), nor does
 *   a break by a candle that is no displacement. Bearish: the mirror (the
 *   last bullish candle before a bearish displacement that breaks
 *   bearishly). Event SC_SMC_OB: top, bottom, price = 0, origin_ns = open
 *   of the block candle, confirm_ns = ts_ns = close of the displacement.
 *  Mitigation. From the candle after the displacement on, the first candle
 *   whose wick reaches into the zone mitigates the block: low <= top for a
 *   bullish block, high >= bottom for a bearish one (touching the edge
 *   counts). SC_SMC_OB_MITIGATED is emitted once (price = that low or
 *   high; top, bottom, origin_ns, confirm_ns as at creation) and the block
 *   is no longer tracked.
 *
 * One candle, in this order: (1) fills and mitigations of the zones that
 * existed before it, (2) the break test, (3) the order block, (4) the FVG
 * ending at it, (5) the swing high, then the swing low, confirmed by it,
 * (6) the ATR takes it in. The event list holds the structure events first
 * (break, OB, FVG, swing high, swing low: at most SC_SMC_STRUCT_EVENTS_MAX)
 * and then the fills and mitigations, oldest zone first, FVGs before OBs.
 *
 * Limits, each with its behaviour when reached
 *  - Zones: at most smc.max_tracked open FVGs and, separately, open OBs
 *    (<= SC_SMC_TRACKED_MAX). A new zone when the table is full drops the
 *    oldest zone of that kind (zones_evicted): it will never be reported
 *    filled or mitigated.
 *  - Events per candle: events_max (SC_SMC_EVENTS_MIN ..
 *    SC_SMC_EVENTS_MAX). The structure events always fit (asserted). Fills
 *    and mitigations past the limit still happen (the zone leaves, counters
 *    count it) but are not listed: events_dropped says how many.
 *  - History: the last SC_SMC_HISTORY bars are kept; enough for 2N + 1
 *    and the order block search (static asserts in smc.c).
 *  - Reason text: SC_SMC_REASON_MAX bytes with the NUL; longer text is cut.
 *
 * Thread: the engine thread (one owner). Allocates: in create only (the
 * state, the zone tables, the event lists); never afterwards.
 * Invariants (asserted): zones have bottom < top (FVG) or bottom <= top
 * (OB) and their unfilled part stays inside; tables and event lists stay
 * within their limits; the bias is the direction of the last break.
 */
#ifndef SC_STRATEGY_SMC_H
#define SC_STRATEGY_SMC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/instrument.h"
#include "core/params.h"
#include "core/time.h"
#include "market/candles.h"
#include "strategy/signal.h"

enum {
    SC_SMC_ATR_PERIOD = 14,       /* the ATR that measures a displacement */
    SC_SMC_OB_LOOKBACK = 20,      /* bars searched back for the order block candle */
    SC_SMC_HISTORY = 32,          /* bars kept */
    SC_SMC_SWING_N_MAX = 10,      /* largest smc.swing_n (the parameter's bound) */
    SC_SMC_TRACKED_MAX = 1024,    /* largest smc.max_tracked (the parameter's bound) */
    SC_SMC_STRUCT_EVENTS_MAX = 5, /* break, OB, FVG, swing high, swing low */
    SC_SMC_EVENTS_MIN = 8,
    SC_SMC_EVENTS_DEFAULT = 32,
    /* Room for every event one candle can make: all zones of both kinds. */
    SC_SMC_EVENTS_MAX = 2 * SC_SMC_TRACKED_MAX + SC_SMC_STRUCT_EVENTS_MAX,
    SC_SMC_REASON_MAX = 160
};

typedef enum {
    SC_SMC_SWING_HIGH = 0,
    SC_SMC_SWING_LOW = 1,
    SC_SMC_BOS = 2,
    SC_SMC_CHOCH = 3,
    SC_SMC_FVG = 4,
    SC_SMC_FVG_FILLED = 5,
    SC_SMC_OB = 6,
    SC_SMC_OB_MITIGATED = 7
} sc_smc_kind;
enum { SC_SMC_KIND_COUNT = 8 };

typedef enum { SC_SMC_ZONE_FVG = 0, SC_SMC_ZONE_OB = 1 } sc_smc_zone_kind;
enum { SC_SMC_ZONE_KIND_COUNT = 2 };

typedef struct {
    const sc_params *params;  /* required: the smc.* values are copied at create */
    const sc_instrument *ins; /* required: writes the prices in the reason texts */
    uint32_t events_max;      /* events listed per candle; 0 = SC_SMC_EVENTS_DEFAULT */
    bool skip_text;           /* events carry an empty reason (nobody reads it); all else equal */
} sc_smc_config;

/* One event. Fields a kind does not use are 0 (see the definitions). */
typedef struct {
    sc_smc_kind kind;
    sc_bias dir;      /* bullish or bearish; SC_BIAS_NONE for swings */
    sc_ns ts_ns;      /* close of the candle that produced it */
    sc_ns origin_ns;  /* open of the bar it is about */
    sc_ns confirm_ns; /* when that pattern was confirmed; <= ts_ns */
    sc_px level;      /* swings and breaks: the swing's high or low */
    sc_px price;      /* swing: its level; break: the close; fill/mitigation: the wick */
    sc_px top;        /* zones (FVG, OB and their ends): the zone as created */
    sc_px bottom;
    char reason[SC_SMC_REASON_MAX]; /* e.g. "bullish BOS: close 61850.0 above swing high ..." */
} sc_smc_event;

/* An open zone (FVG or OB) as it stands. */
typedef struct {
    sc_smc_zone_kind kind;
    sc_bias dir;
    sc_px top; /* as created */
    sc_px bottom;
    sc_px open_top; /* the part not traded through yet (FVG); top and bottom for an OB */
    sc_px open_bottom;
    sc_ns origin_ns;  /* FVG: the middle candle; OB: the block candle */
    sc_ns created_ns; /* ts_ns of its creation event */
} sc_smc_zone;

/* A reference swing (the last confirmed one of its side). */
typedef struct {
    bool valid; /* false before the first swing of that side */
    bool broken;
    sc_px level;
    sc_ns origin_ns;
    sc_ns confirm_ns;
} sc_smc_swing;

typedef struct {
    uint64_t candles;                               /* accepted */
    uint64_t events[SC_SMC_KIND_COUNT];             /* per kind, listed or not */
    uint64_t bullish[SC_SMC_KIND_COUNT];            /* of those, bullish (swings are neither) */
    uint64_t bearish[SC_SMC_KIND_COUNT];            /* of those, bearish */
    uint64_t events_dropped;                        /* happened but not listed (events_max) */
    uint64_t fvg_too_small;                         /* gaps under smc.fvg_min_ticks */
    uint64_t fvg_gap_skipped;                       /* FVG tests skipped: candles not consecutive */
    uint64_t displacements;                         /* displacement candles, either direction */
    uint64_t ob_no_break;                           /* displacements without a break their way */
    uint64_t ob_no_origin;                          /* break + displacement, but no usable candle */
    uint64_t zones_evicted[SC_SMC_ZONE_KIND_COUNT]; /* dropped at max_tracked, by kind */
} sc_smc_counters;

typedef struct sc_smc sc_smc;

/* SC_ERR_INVALID_ARG: NULL pointers, an smc.* value outside its parameter
 * bounds (sc_param_check), events_max outside SC_SMC_EVENTS_MIN..MAX.
 * SC_ERR_NOMEM: allocation failed. *out is set only on SC_OK. */
sc_err sc_smc_create(const sc_smc_config *cfg, sc_smc **out);
/* Accepts NULL. */
void sc_smc_destroy(sc_smc *s);

/* Takes the next closed candle of the series. Errors, after which nothing
 * has changed (the events of the previous candle stay readable):
 *  SC_ERR_INVALID_ARG  NULL, or a candle not closed (closed == false).
 *  SC_ERR_RANGE        not sc_candle_valid, open_ns < 0, tf_ns outside
 *                      1 ns .. SC_CANDLES_TF_NS_MAX or not the tf_ns of the
 *                      first candle taken.
 *  SC_ERR_STATE        open_ns not after the previous candle's. */
sc_err sc_smc_on_candle(sc_smc *s, const sc_candle *k);

/* The events of the last accepted candle, in the order stated above; *n is
 * their number (0 before any candle). Valid until the next
 * sc_smc_on_candle or sc_smc_destroy. */
const sc_smc_event *sc_smc_events(const sc_smc *s, uint32_t *n);

/* The structure bias: the direction of the last break, or none. */
sc_bias sc_smc_bias(const sc_smc *s);

/* The reference swing of a side: kind SC_SMC_SWING_HIGH or _LOW. */
void sc_smc_last_swing(const sc_smc *s, sc_smc_kind side, sc_smc_swing *out);

/* Open zones of a kind, oldest first; false past the end. */
uint32_t sc_smc_zone_count(const sc_smc *s, sc_smc_zone_kind kind);
bool sc_smc_zone_at(const sc_smc *s, sc_smc_zone_kind kind, uint32_t i, sc_smc_zone *out);

void sc_smc_get_counters(const sc_smc *s, sc_smc_counters *out);

/* "swing_high", "swing_low", "bos", "choch", "fvg", "fvg_filled", "ob",
 * "ob_mitigated"; "?" outside the enum. */
const char *sc_smc_kind_name(sc_smc_kind k);
/* "fvg", "ob"; "?" outside the enum. */
const char *sc_smc_zone_kind_name(sc_smc_zone_kind k);

#endif
