/* vwap.h: session VWAP (reset at 00:00 UTC) and rolling VWAP over bars.
 *
 * Definitions:
 *  - From bars: each closed bar contributes price = (high + low + close)/3
 *    (the typical price) weighted by its volume. From trades: each trade
 *    contributes its own price weighted by its quantity (exact, so prefer
 *    trades when they are available). One sc_vwap takes one kind of input:
 *    the first update fixes it, and the other kind is then refused with
 *    SC_ERR_STATE (mixing would count the same volume twice).
 *  - Session VWAP = sum(price * volume) / sum(volume) over the inputs of the
 *    current session. The session is the UTC day containing the bar's OPEN
 *    time (a bar 23:59-00:00 belongs to the day it opened in) or the trade's
 *    time; the first input of a new day resets the sums. The value refers
 *    to the day of the latest input and stays until the next input.
 *    Not ready while the session's volume is 0.
 *  - Rolling VWAP = the same ratio over the last `rolling_bars` bars,
 *    regardless of sessions (bars only; trades never feed it). Not ready
 *    before that many bars, or while their volume is 0.
 *  - Distance = (price - vwap) / vwap * 10000, in bps (pure function).
 * Numerics: the session sums only grow (no cancellation). The rolling sums
 * subtract the bar leaving the window, and are recomputed exactly from the
 * ring every time it wraps (every rolling_bars bars): amortised O(1).
 *
 * Inputs: prices finite and > 0, volumes finite and >= 0, else SC_ERR_RANGE;
 * bar open times strictly increasing and trade times non-decreasing, else
 * SC_ERR_STATE. A refused input changes nothing.
 *
 * Thread: the owner's. Allocates: the ring (rolling_bars entries) in create.
 */
#ifndef SC_FEATURES_VWAP_H
#define SC_FEATURES_VWAP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/time.h"

enum { SC_VWAP_ROLLING_BARS_MAX = 100000 };

typedef struct sc_vwap sc_vwap;

typedef struct {
    int32_t rolling_bars; /* 1..SC_VWAP_ROLLING_BARS_MAX */
} sc_vwap_config;

sc_err sc_vwap_create(const sc_vwap_config *cfg, sc_vwap **out);
void sc_vwap_destroy(sc_vwap *v);

/* One closed bar. */
sc_err sc_vwap_update_bar(sc_vwap *v, sc_ns open_ns, double high, double low, double close,
                          double volume);
/* One trade. */
sc_err sc_vwap_update_trade(sc_vwap *v, sc_ns ts_ns, double px, double qty);

/* False (out untouched) while not ready, see above. */
bool sc_vwap_session_get(const sc_vwap *v, double *out);
bool sc_vwap_rolling_get(const sc_vwap *v, double *out);
/* Start (00:00 UTC) of the current session; false before any input. */
bool sc_vwap_session_start_get(const sc_vwap *v, sc_ns *out);

/* (px - vwap) / vwap * 1e4; false when vwap is not finite and > 0. */
bool sc_vwap_distance_bps(double px, double vwap, double *out);

#endif
