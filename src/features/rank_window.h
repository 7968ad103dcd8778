/* rank_window.h: the last M values of a series, with rank queries.
 *
 * A sliding window of doubles (the newest M; a push onto a full window
 * evicts the oldest) answering "how many values are < x" and "<= x" in
 * O(log M). The volatility regime uses it for the rolling percentile.
 *
 * Structure: a treap (binary search tree ordered by (value, insertion
 * number), heap-ordered by a priority) with subtree sizes, over a node pool
 * of exactly M nodes allocated in create: node i holds ring slot i, so an
 * eviction reuses the evicted node. Priorities are a splitmix64 hash of the
 * insertion number: no random generator, the same inputs give the same
 * tree. Push, evict and both counts are O(log M) expected (the tree depth
 * of a random treap, ~2.5 ln M); split and merge recurse to that depth.
 *
 * Inputs: any non-NaN double (SC_ASSERT; infinities are ordered normally).
 * Thread: the owner's. Allocates: the node pool in create only.
 * Invariants (asserted): len <= M; the root's subtree size == len.
 */
#ifndef SC_FEATURES_RANK_WINDOW_H
#define SC_FEATURES_RANK_WINDOW_H

#include <stdint.h>

#include "core/err.h"

enum { SC_RANK_WINDOW_CAPACITY_MAX = 1 << 20 };

typedef struct sc_rank_window sc_rank_window;

typedef struct {
    uint32_t capacity; /* M, 1..SC_RANK_WINDOW_CAPACITY_MAX */
} sc_rank_window_config;

sc_err sc_rank_window_create(const sc_rank_window_config *cfg, sc_rank_window **out);
void sc_rank_window_destroy(sc_rank_window *w);

/* Appends x, evicting the oldest value when the window holds M. */
void sc_rank_window_push(sc_rank_window *w, double x);
uint32_t sc_rank_window_len(const sc_rank_window *w);
/* Number of values in the window < x, and <= x. */
uint32_t sc_rank_window_count_below(const sc_rank_window *w, double x);
uint32_t sc_rank_window_count_at_most(const sc_rank_window *w, double x);

#endif
