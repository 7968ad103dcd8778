/* market_sim.h: a seeded generator of BTCUSDT USD-M sessions in the
 * capture format ('<local ns> <raw JSON>', the lines a capture holds).
 *
 * What it produces, in the shapes of the real 2024 captures: depth@0ms diffs
 * (U/u/pu chain with id jumps, far-away levels now and then), a REST
 * snapshot after the first diffs with its bridging diff before it,
 * bookTickers whose u equals a diff's u and whose best bid and ask equal the
 * book after that diff, raw trades that take quantity from the touch (the
 * next diff shows it), and a mark price every second. The mid follows a
 * regime-switching random walk (range, trend, volatile). Scripted stress
 * events come from the config: flash crash (>= 10 % down within one second,
 * spread blown out), spread blowout, frozen feed (no message for N seconds)
 * and a sequence gap (one diff dropped: pu breaks; the simulator then sends
 * a fresh snapshot so a replayer can resync).
 *
 * Determinism: the output is a function of the config alone (seed included):
 * no clock, no file, no global state. Times are made up from start_ns.
 *
 * Thread: one owner. Allocates: in create only (the book window, the dirty
 * lists and two line buffers); step and run never allocate.
 * Invariants (asserted): the book is never crossed and both touches hold
 * quantity after every step; ids only grow; every line fits its buffer.
 */
#ifndef SC_ENGINE_MARKET_SIM_H
#define SC_ENGINE_MARKET_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/time.h"

enum {
    SC_MARKET_SIM_SECONDS_MAX = 7 * 86400, /* longest session */
    SC_MARKET_SIM_SPREAD_HIST = 64         /* spread histogram bins, ticks; last = ">= 63" */
};

/* Stress events, at whole seconds from the start of the session; 0 = off.
 * Each must start after the first snapshot (second >= 2) and end before the
 * session does. */
typedef struct {
    uint32_t crash_at_s;   /* mid falls 10.5 % within 0.6 s; spread blown out 3 s */
    uint32_t blowout_at_s; /* spread blown out for blowout_s seconds */
    uint32_t blowout_s;
    uint32_t freeze_at_s; /* no message at all for freeze_s seconds */
    uint32_t freeze_s;
    uint32_t gap_at_s; /* the first diff at or after this second is not sent */
} sc_market_sim_stress;

typedef struct {
    uint64_t seed;
    uint32_t seconds;       /* session length, 1..SC_MARKET_SIM_SECONDS_MAX */
    sc_ns start_ns;         /* exchange time at the start */
    int64_t start_px_ticks; /* first mid, ticks of 0.10 */
    double vol_1s_bps;      /* standard deviation of 1 s returns (regime average) */
    double trades_per_s;
    double diffs_per_s;
    double book_ticker_per_diff; /* probability of a bookTicker after a diff, 0..1 */
    double spread_1tick_frac;    /* share of time the spread is one tick, 0..1 */
    double levels_per_diff;      /* mean levels carried by one diff */
    double trade_qty_median_steps;
    double trade_qty_sigma; /* of ln(qty) */
    double regime_mean_s;   /* mean time between regime switches */
    sc_market_sim_stress stress;
} sc_market_sim_config;

typedef enum {
    SC_MARKET_SIM_RANGE = 0,
    SC_MARKET_SIM_TREND = 1,
    SC_MARKET_SIM_VOLATILE = 2
} sc_market_sim_regime;

typedef struct {
    uint64_t lines;
    uint64_t depth;
    uint64_t depth_dropped; /* the gap stress */
    uint64_t snapshots;
    uint64_t book_ticker;
    uint64_t trades;
    uint64_t mark_price;
    uint64_t regime_switches;
    uint64_t spread_hist[SC_MARKET_SIM_SPREAD_HIST]; /* at each bookTicker */
    int64_t last_u;
    sc_ns last_local_ns;
} sc_market_sim_stats;

/* Receives one line: the JSON (not NUL-terminated, valid during the call)
 * and its local receive time. A non-OK return stops the simulator, which
 * returns that error. */
typedef sc_err (*sc_market_sim_emit_fn)(void *ctx, sc_ns ts_local_ns, const char *json, size_t len);

typedef struct sc_market_sim sc_market_sim;

/* The calibrated defaults (figures in market_sim.c), no stress, 300 s. */
void sc_market_sim_config_default(sc_market_sim_config *cfg);
/* SC_ERR_INVALID_ARG for a value out of its range (a stress outside the
 * session included), SC_ERR_NOMEM. */
sc_err sc_market_sim_create(const sc_market_sim_config *cfg, sc_market_sim **out);
void sc_market_sim_destroy(sc_market_sim *s);

/* One diff period (the lines it yields, possibly none while frozen). *done
 * is set once the session is over; further calls do nothing. */
sc_err sc_market_sim_step(sc_market_sim *s, sc_market_sim_emit_fn emit, void *ctx, bool *done);
/* Steps until the end of the session. */
sc_err sc_market_sim_run(sc_market_sim *s, sc_market_sim_emit_fn emit, void *ctx);

void sc_market_sim_get_stats(const sc_market_sim *s, sc_market_sim_stats *out);
sc_market_sim_regime sc_market_sim_regime_now(const sc_market_sim *s);
/* Median spread in ticks over the bookTickers sent so far (0 if none). */
uint32_t sc_market_sim_spread_median_ticks(const sc_market_sim_stats *st);

#endif
