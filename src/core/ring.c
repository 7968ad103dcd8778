#include "core/ring.h"

#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

struct sc_ring {
    unsigned char *items;
    size_t item_size;
    size_t capacity;
    size_t head; /* index of the oldest item */
    size_t len;
};

sc_err sc_ring_create(const sc_ring_config *cfg, sc_ring **out) {
    if (cfg == NULL || out == NULL || cfg->item_size == 0 || cfg->capacity == 0 ||
        cfg->capacity > SC_RING_CAPACITY_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    sc_ring *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return SC_ERR_NOMEM;
    }
    r->items = calloc(cfg->capacity, cfg->item_size);
    if (r->items == NULL) {
        free(r);
        return SC_ERR_NOMEM;
    }
    r->item_size = cfg->item_size;
    r->capacity = cfg->capacity;
    *out = r;
    return SC_OK;
}

void sc_ring_destroy(sc_ring *r) {
    if (r == NULL) {
        return;
    }
    free(r->items);
    free(r);
}

sc_err sc_ring_push(sc_ring *r, const void *item) {
    SC_ASSERT(r != NULL && item != NULL);
    SC_ASSERT(r->len <= r->capacity);
    if (r->len == r->capacity) {
        return SC_ERR_FULL;
    }
    size_t tail = (r->head + r->len) % r->capacity;
    memcpy(r->items + tail * r->item_size, item, r->item_size);
    r->len++;
    return SC_OK;
}

sc_err sc_ring_pop(sc_ring *r, void *item) {
    SC_ASSERT(r != NULL);
    if (r->len == 0) {
        return SC_ERR_EMPTY;
    }
    if (item != NULL) {
        memcpy(item, r->items + r->head * r->item_size, r->item_size);
    }
    r->head = (r->head + 1) % r->capacity;
    r->len--;
    SC_ASSERT(r->head < r->capacity);
    return SC_OK;
}

void *sc_ring_at(const sc_ring *r, size_t i) {
    SC_ASSERT(r != NULL);
    if (i >= r->len) {
        return NULL;
    }
    return r->items + ((r->head + i) % r->capacity) * r->item_size;
}

size_t sc_ring_len(const sc_ring *r) {
    SC_ASSERT(r != NULL);
    return r->len;
}

size_t sc_ring_capacity(const sc_ring *r) {
    SC_ASSERT(r != NULL);
    return r->capacity;
}

void sc_ring_clear(sc_ring *r) {
    SC_ASSERT(r != NULL);
    r->head = 0;
    r->len = 0;
}
