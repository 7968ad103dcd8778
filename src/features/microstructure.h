/* microstructure.h: pure functions of the top of the book.
 *
 * Inputs are plain numbers (the book module hands over levels): prices in
 * ticks, quantities in lot steps, level arrays best first (bids descending,
 * asks ascending; asserted). Results in ticks are doubles in ticks: multiply
 * by the instrument's tick to get a price. Every function returns false
 * (and leaves its outputs untouched) when its value is undefined; it never
 * returns a made-up 0.
 *
 * Thread: any. Allocates: nothing. O(1), or O(levels used) for the arrays.
 */
#ifndef SC_FEATURES_MICROSTRUCTURE_H
#define SC_FEATURES_MICROSTRUCTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/fixed.h"
#include "market/event.h"

/* (ask - bid) / mid * 1e4 with mid = (bid + ask) / 2; the tick size
 * cancels. False when bid <= 0 or the book is crossed (ask < bid); a locked
 * book (ask == bid) gives 0. */
bool sc_microstructure_spread_bps(sc_px bid, sc_px ask, double *out);

/* Microprice, in ticks: (bid * ask_qty + ask * bid_qty) / (bid_qty +
 * ask_qty), the mid tilted towards the side with less quantity. False when
 * both quantities are 0, a quantity is negative, or the book is crossed. */
bool sc_microstructure_microprice_ticks(sc_level bid, sc_level ask, double *out);

/* Top-N imbalance: (B - A) / (B + A) where B and A are the summed
 * quantities of the first `levels` bids and asks (fewer if an array is
 * shorter). In -1..1, +1 all bids. False when B + A == 0 or levels == 0. */
bool sc_microstructure_imbalance(const sc_level *bids, uint32_t n_bids, const sc_level *asks,
                                 uint32_t n_asks, uint32_t levels, double *out);

/* Depth within `bps` of the mid, mid = (best bid + best ask) / 2: the
 * summed quantity of bids with px >= mid * (1 - bps/1e4) and of asks with
 * px <= mid * (1 + bps/1e4), bounds inclusive, compared in double ticks.
 * False when either side is empty, the book is crossed, or bps is not
 * finite and >= 0. */
bool sc_microstructure_depth_within(const sc_level *bids, uint32_t n_bids, const sc_level *asks,
                                    uint32_t n_asks, double bps, sc_qty *bid_qty, sc_qty *ask_qty);

#endif
