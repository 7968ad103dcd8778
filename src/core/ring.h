/* ring.h: a bounded FIFO of fixed-size items, allocated once.
 *
 * Capacity is fixed at create. A push onto a full ring fails with
 * SC_ERR_FULL and changes nothing: the caller decides how to fail closed.
 * Single-threaded; the cross-thread queue is a separate module.
 *
 * Thread: the owner's. Allocates: in create only.
 */
#ifndef SC_CORE_RING_H
#define SC_CORE_RING_H

#include <stddef.h>

#include "core/err.h"

/* Upper bound on capacity, so a bad config cannot ask for the whole RAM. */
enum { SC_RING_CAPACITY_MAX = 1 << 24 };

typedef struct sc_ring sc_ring;

typedef struct {
    size_t item_size; /* bytes per item, > 0 */
    size_t capacity;  /* items, 1..SC_RING_CAPACITY_MAX */
} sc_ring_config;

sc_err sc_ring_create(const sc_ring_config *cfg, sc_ring **out);
void sc_ring_destroy(sc_ring *r);

sc_err sc_ring_push(sc_ring *r, const void *item);
/* Copies the oldest item out (when item != NULL) and removes it. */
sc_err sc_ring_pop(sc_ring *r, void *item);
/* Pointer to the i-th oldest item (0 = oldest), or NULL past the end. The
 * pointer is valid until the next push or pop. */
void *sc_ring_at(const sc_ring *r, size_t i);
size_t sc_ring_len(const sc_ring *r);
size_t sc_ring_capacity(const sc_ring *r);
void sc_ring_clear(sc_ring *r);

#endif
