/* forbidden.h: ForbiddenConditionsChecker, level 2 of the risk hierarchy
 * (design.md §6): market and system states in which scalper does not trade.
 *
 * Each condition's bound is a parameter of the "forbidden.*" group
 * (core/params.h), with bounds; the caller passes the active parameters and
 * the observed state as plain values (sc_forbidden_inputs). Conditions, in
 * the order they are checked (the first that holds decides):
 *
 *  integrity: judged for entries and for non-protective exits (an exit
 *  decided on broken data is not to be trusted either):
 *   book_not_synced  the book is out of sync, or a best bid or ask is
 *                    missing (price <= 0);
 *   book_crossed     best bid >= best ask;
 *   data_stale       no book update yet, or the last one is older than
 *                    forbidden.stale_ms at now_ns (event time);
 *   clock_skew       exchange - local clock offset unknown, or its absolute
 *                    value above forbidden.clock_skew_ms (Binance refuses a
 *                    request stamped more than 1000 ms ahead of it:
 *                    binance-usdm-reference.md §3.2);
 *   rate_headroom    hook: when known, less than forbidden.rate_headroom_pct
 *                    of the order rate limit left (the exec layer will report
 *                    it; unknown = not judged, until it exists);
 *   latency          hook: when known, order latency above
 *                    forbidden.latency_ms (unknown = not judged).
 *  market: judged for entries only (reasons not to open risk; closing it
 *  under them is fine, and getting out before funding is even welcome):
 *   spread_wide      spread above forbidden.spread_bps (at most the 10 bps
 *                    hard limit; the rulebook's exact check follows);
 *   thin_top         best bid or ask quantity below forbidden.thin_top_steps
 *                    (0 = off);
 *   vol_shock        the mid's move within forbidden.vol_window_s (move_bps,
 *                    measured by the caller over that window) at least
 *                    forbidden.vol_shock_bps; unknown (NaN: not enough
 *                    history yet) counts as a shock: fail closed;
 *   funding_window   |now - nearest funding time| < forbidden.funding_window_s;
 *                    funding is at 00:00, 08:00 and 16:00 UTC (an 8 h
 *                    interval for BTCUSDT: binance-usdm-reference.md §7;
 *                    0 = off);
 *   news_blackout    the news flag (the news issue will set it).
 * Protective exits and flatten orders are never blocked here.
 *
 * Thread: any (pure functions of their arguments). Allocates: nothing.
 */
#ifndef SC_RISK_FORBIDDEN_H
#define SC_RISK_FORBIDDEN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/params.h"
#include "core/time.h"
#include "market/event.h"
#include "risk/order.h"
#include "risk/veto_reason.h"

/* Funding times are the multiples of this since the epoch (00:00, 08:00,
 * 16:00 UTC). */
#define SC_FORBIDDEN_FUNDING_INTERVAL_NS (8 * 60 * SC_NS_PER_MIN)

typedef struct {
    bool book_synced;         /* sc_book_is_synced */
    sc_level bid;             /* best bid (px and qty); px 0 when none */
    sc_level ask;             /* best ask */
    sc_ns book_update_ns;     /* event time of the last book update; 0 = none yet */
    double move_bps;          /* largest mid move within forbidden.vol_window_s; NaN = unknown */
    bool clock_offset_known;  /* false until measured (live: GET /fapi/v1/time) */
    sc_ns clock_offset_ns;    /* exchange clock - local clock; backtest: 0, known */
    bool news_blackout;       /* hook for the news issue */
    bool rate_headroom_known; /* hook for the exec layer */
    double rate_headroom_pct; /* share of the order rate limit left, 0..100 */
    bool latency_known;       /* hook for the exec layer */
    sc_ns latency_ns;         /* recent order latency */
} sc_forbidden_inputs;

/* Inputs that pass every check at any time outside a funding window: a
 * synced book at bid/ask, updated at now_ns, no move, clock in step, no
 * news, hooks unknown. For tests and as a starting point. */
void sc_forbidden_inputs_calm(sc_forbidden_inputs *in, sc_level bid, sc_level ask, sc_ns now_ns);

/* The conditions that apply to an order of this purpose, in the order
 * above; true when none holds, else *v is the veto (level forbidden).
 * `active` must be valid parameters. */
bool sc_forbidden_check(const sc_params *active, const sc_forbidden_inputs *in,
                        sc_order_purpose purpose, sc_ns now_ns, sc_veto_verdict *v);

/* Distance from t (>= 0) to the nearest funding time, >= 0. */
sc_ns sc_forbidden_funding_distance_ns(sc_ns t);

#endif
