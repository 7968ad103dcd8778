#include "features/rank_window.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/assert.h"

/* Node indices; NIL is "no node". */
#define RW_NIL (-1)

typedef struct {
    double value;
    uint64_t seq;  /* insertion number: breaks ties so keys are unique */
    uint64_t prio; /* heap order: a parent's prio >= its children's */
    int32_t left;
    int32_t right;
    uint32_t size; /* nodes in this subtree */
} rw_node;

struct sc_rank_window {
    rw_node *nodes; /* node i is ring slot i */
    uint32_t capacity;
    uint32_t len;
    uint32_t head; /* ring slot of the oldest value */
    uint64_t next_seq;
    int32_t root;
};

sc_err sc_rank_window_create(const sc_rank_window_config *cfg, sc_rank_window **out) {
    if (cfg == NULL || out == NULL || cfg->capacity < 1 ||
        cfg->capacity > SC_RANK_WINDOW_CAPACITY_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    sc_rank_window *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return SC_ERR_NOMEM;
    }
    w->nodes = calloc(cfg->capacity, sizeof(rw_node));
    if (w->nodes == NULL) {
        free(w);
        return SC_ERR_NOMEM;
    }
    w->capacity = cfg->capacity;
    w->root = RW_NIL;
    *out = w;
    return SC_OK;
}

void sc_rank_window_destroy(sc_rank_window *w) {
    if (w == NULL) {
        return;
    }
    free(w->nodes);
    free(w);
}

/* splitmix64's finaliser: a fixed, well-mixed priority per insertion. */
static uint64_t rw_hash(uint64_t x) {
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

static uint32_t rw_size(const sc_rank_window *w, int32_t t) {
    return t == RW_NIL ? 0 : w->nodes[t].size;
}

static void rw_fix(sc_rank_window *w, int32_t t) {
    SC_ASSERT(t >= 0 && (uint32_t)t < w->capacity);
    rw_node *n = &w->nodes[t];
    n->size = 1 + rw_size(w, n->left) + rw_size(w, n->right);
    SC_ASSERT(n->size <= w->len);
}

/* Key order: by value, then by insertion number. */
static bool rw_less(const rw_node *a, double value, uint64_t seq) {
    return a->value < value || (a->value == value && a->seq < seq);
}

/* Splits t into keys < (value, seq) and keys >= it. */
static void rw_split(sc_rank_window *w, int32_t t, double value, uint64_t seq, int32_t *lo,
                     int32_t *hi) {
    if (t == RW_NIL) {
        *lo = RW_NIL;
        *hi = RW_NIL;
        return;
    }
    rw_node *n = &w->nodes[t];
    if (rw_less(n, value, seq)) {
        rw_split(w, n->right, value, seq, &n->right, hi);
        *lo = t;
    } else {
        rw_split(w, n->left, value, seq, lo, &n->left);
        *hi = t;
    }
    rw_fix(w, t);
}

/* Joins a and b, every key of a being below every key of b. */
static int32_t rw_merge(sc_rank_window *w, int32_t a, int32_t b) {
    if (a == RW_NIL) {
        return b;
    }
    if (b == RW_NIL) {
        return a;
    }
    SC_ASSERT(rw_less(&w->nodes[a], w->nodes[b].value, w->nodes[b].seq));
    if (w->nodes[a].prio >= w->nodes[b].prio) {
        w->nodes[a].right = rw_merge(w, w->nodes[a].right, b);
        rw_fix(w, a);
        return a;
    }
    w->nodes[b].left = rw_merge(w, a, w->nodes[b].left);
    rw_fix(w, b);
    return b;
}

/* Removes node `id` from the subtree t; returns the new subtree root. */
static int32_t rw_erase(sc_rank_window *w, int32_t t, int32_t id) {
    SC_ASSERT(t != RW_NIL); /* the node is in the tree */
    rw_node *n = &w->nodes[t];
    if (t == id) {
        return rw_merge(w, n->left, n->right);
    }
    if (rw_less(&w->nodes[id], n->value, n->seq)) {
        n->left = rw_erase(w, n->left, id);
    } else {
        n->right = rw_erase(w, n->right, id);
    }
    rw_fix(w, t);
    return t;
}

void sc_rank_window_push(sc_rank_window *w, double x) {
    SC_ASSERT(w != NULL && !isnan(x));
    SC_ASSERT(w->len <= w->capacity);
    uint32_t slot;
    if (w->len == w->capacity) {
        slot = w->head; /* evict the oldest and reuse its node */
        w->root = rw_erase(w, w->root, (int32_t)slot);
        w->head = (w->head + 1) % w->capacity;
    } else {
        slot = (w->head + w->len) % w->capacity;
        w->len++;
    }
    uint64_t seq = w->next_seq++;
    w->nodes[slot] = (rw_node){
        .value = x, .seq = seq, .prio = rw_hash(seq), .left = RW_NIL, .right = RW_NIL, .size = 1};
    int32_t lo;
    int32_t hi;
    rw_split(w, w->root, x, seq, &lo, &hi);
    w->root = rw_merge(w, rw_merge(w, lo, (int32_t)slot), hi);
    SC_ASSERT(rw_size(w, w->root) == w->len);
}

uint32_t sc_rank_window_len(const sc_rank_window *w) {
    SC_ASSERT(w != NULL);
    return w->len;
}

/* Values < x (or <= x when inclusive), by one descent. */
static uint32_t rw_count(const sc_rank_window *w, double x, bool inclusive) {
    SC_ASSERT(!isnan(x));
    uint32_t count = 0;
    int32_t t = w->root;
    while (t != RW_NIL) {
        const rw_node *n = &w->nodes[t];
        if (n->value < x || (inclusive && n->value == x)) {
            count += rw_size(w, n->left) + 1;
            t = n->right;
        } else {
            t = n->left;
        }
    }
    SC_ASSERT(count <= w->len);
    return count;
}

uint32_t sc_rank_window_count_below(const sc_rank_window *w, double x) {
    SC_ASSERT(w != NULL);
    return rw_count(w, x, false);
}

uint32_t sc_rank_window_count_at_most(const sc_rank_window *w, double x) {
    SC_ASSERT(w != NULL);
    return rw_count(w, x, true);
}
