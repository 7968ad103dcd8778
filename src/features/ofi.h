/* ofi.h: order-flow imbalance at the touch over a time window (queue
 * pressure), after Cont, Kukanov and Stoikov (2014).
 *
 * Each update is the best bid and ask (price in ticks, quantity in steps)
 * after a change of the top of the book, at time ts. For consecutive states
 * n-1 -> n, with bid (Pb, qb) and ask (Pa, qa):
 *   e_n = [Pb_n >= Pb_{n-1}] qb_n - [Pb_n <= Pb_{n-1}] qb_{n-1}
 *       - [Pa_n <= Pa_{n-1}] qa_n + [Pa_n >= Pa_{n-1}] qa_{n-1}
 * ([.] is 1 when true, else 0). So a bid that grows or steps up adds, a bid
 * that shrinks or steps down subtracts, and the ask side the other way
 * round: e > 0 is buying pressure. The first update has no predecessor and
 * gives no e. e is exact (int64 steps).
 * OFI(t) = sum of e_n over the updates with t - W < ts_n <= t, where t is
 * the latest update or advance time. Updates with e == 0 are not stored.
 *
 * Warm-up: not ready until W has passed since the first update (so the
 * window is fully observed). After a gap the window simply holds what was
 * seen in it (possibly nothing: OFI 0); staleness is the stale-stream
 * check's business. Limit: at most `capacity` stored updates; one more
 * fails with SC_ERR_FULL, its e is lost (the quote still becomes the
 * previous state), and the OFI reports not ready until that time has left
 * the window (fail closed).
 *
 * Input: bid price > 0, ask price > bid price, quantities >= 0 (else
 * SC_ERR_RANGE), times non-decreasing (else SC_ERR_STATE); a refused input
 * changes nothing. O(1) amortised per update.
 * Thread: the owner's. Allocates: the ring in create only.
 */
#ifndef SC_FEATURES_OFI_H
#define SC_FEATURES_OFI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/time.h"
#include "market/event.h"

enum { SC_OFI_CAPACITY_MAX = 1 << 22 };

typedef struct sc_ofi sc_ofi;

typedef struct {
    sc_ns window_ns;   /* W > 0 */
    uint32_t capacity; /* 1..SC_OFI_CAPACITY_MAX */
} sc_ofi_config;

sc_err sc_ofi_create(const sc_ofi_config *cfg, sc_ofi **out);
void sc_ofi_destroy(sc_ofi *o);

sc_err sc_ofi_update(sc_ofi *o, sc_ns ts_ns, sc_level bid, sc_level ask);
/* Moves the window to now_ns; SC_ERR_STATE when now goes back. */
sc_err sc_ofi_advance(sc_ofi *o, sc_ns now_ns);
/* OFI over the window, in steps; false (out untouched) while not ready. */
bool sc_ofi_get(const sc_ofi *o, int64_t *out_steps);
/* e of one transition (pure): the formula above. */
int64_t sc_ofi_event(sc_level bid_prev, sc_level ask_prev, sc_level bid, sc_level ask);

#endif
