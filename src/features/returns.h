/* returns.h: returns over the last N inputs and over the last W of time.
 *
 * Each update is one observation (ts, px): a closed bar's close stamped
 * with the bar's END time (when the close became known; stamping with the
 * open time would date the price a bar early), or a trade.
 *
 * Over N bars (bars >= 1): with p_0 the latest price and p_N the price N
 * updates earlier, simple = p_0 / p_N - 1 and log = ln(p_0 / p_N).
 * Ready after N+1 updates.
 *
 * Over W of time (window_ns > 0): the reference is the price as of t - W,
 * i.e. the latest observation with ts <= t - W (t = latest observation
 * time); simple and log as above. Ready once an observation at or before
 * t - W exists. After a gap in the data the reference is still the last
 * price before t - W, however old (a price that did not print did not
 * move); staleness is for the caller's stale-stream check, not this one.
 * The time ring keeps only what the as-of lookup needs: observations with
 * the same ts as the newest replace it, and from the front everything
 * older than the reference is dropped. At most time_capacity observations
 * are kept: a push onto a full ring fails with SC_ERR_FULL, the time ring
 * goes without that observation (it still counts as the latest price and
 * for the bar return), and the time return reports not ready until its
 * reference is at least as new as the lost observation (until then the
 * true reference might be the lost one): fail closed.
 *
 * Input: px finite and > 0 (else SC_ERR_RANGE), ts non-decreasing (else
 * SC_ERR_STATE); those refused inputs change nothing. O(1) amortised per
 * update (each observation enters and leaves the time ring once).
 * Thread: the owner's. Allocates: both rings in create only.
 */
#ifndef SC_FEATURES_RETURNS_H
#define SC_FEATURES_RETURNS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/time.h"

enum { SC_RETURNS_BARS_MAX = 100000, SC_RETURNS_TIME_CAPACITY_MAX = 1 << 22 };

typedef struct sc_returns sc_returns;

typedef struct {
    int32_t bars;           /* N, 0 (off) or 1..SC_RETURNS_BARS_MAX */
    sc_ns window_ns;        /* W, 0 (off) or > 0 */
    uint32_t time_capacity; /* observations kept for W; 2..MAX when W > 0 */
} sc_returns_config;

typedef struct {
    double simple; /* p_0 / p_ref - 1 */
    double log;    /* ln(p_0 / p_ref) */
} sc_returns_value;

/* SC_ERR_INVALID_ARG when both parts are off or a field is out of range. */
sc_err sc_returns_create(const sc_returns_config *cfg, sc_returns **out);
void sc_returns_destroy(sc_returns *r);

sc_err sc_returns_update(sc_returns *r, sc_ns ts_ns, double px);
/* False (out untouched) when that part is off or not ready. */
bool sc_returns_bars_get(const sc_returns *r, sc_returns_value *out);
bool sc_returns_time_get(const sc_returns *r, sc_returns_value *out);

#endif
