/* book.c: OrderBookManager (the sync rules are in book.h).
 *
 * Data structure. Prices are int64 ticks. Each side keeps:
 *  - a dense array of quantities over a power-of-two window of prices
 *    [base, base + window) (default 65536 ticks = 6553.6 USDT on BTCUSDT),
 *    shared by both sides and indexed as a ring: the slot of px is
 *    px mod window, so setting a level is one array store and moving the
 *    window leaves the levels that stay in it where they are;
 *  - a two-level bitmap over the slots (one bit per tick, one summary bit per
 *    64-bit word), so the next level after a deleted best is found with a
 *    few ctz/clz steps, never a scan;
 *  - a sorted array of the levels outside the window (binary search and
 *    memmove), bounded by far_levels_max, worst level first so the best far
 *    level is the last one. It lives in the middle of a buffer twice its
 *    bound, so an insert or delete moves the shorter side: inserting next
 *    to either end is nearly free (after a trend the levels left behind by
 *    the window pile up between the deep 1000.00-style levels and the
 *    window, and moving them all cost 1-2 us per deep insert);
 *  - the best price, kept on every set.
 * A price-ordered walk (top-N, depth within bps, imbalance) merges the
 * bitmap walk with the far array, so it is exact across the boundary.
 *
 * Recentring: after a diff, when the mid is more than window/8 from the
 * window's centre, the window moves to centre on it. For a move shorter
 * than the window only the slice that leaves it (into the far store) and the
 * far levels that enter it move; a longer jump drains every level in price
 * order through a preallocated scratch array. Everything is allocated in
 * create.
 *
 * Why: a level update is the hot operation. On the real depth@0ms capture
 * (usdm 2024-08-08, 443k level updates) 3% land within 10 ticks of the
 * touch, 82% within 2000, 11% within 32768 and 4% farther (1000.00 bids and
 * the like, 76% of them updates of a level already there). An indexed array
 * has no pointer chasing and no allocation; the bitmap gives it the order a
 * hash map lacks; a tree would pay a cache miss per level of depth.
 *
 * Measured (bench/bench_book.c, RelWithDebInfo, AMD EPYC VM with 2 cores,
 * 1M updates in the capture's proportions; a clock read pair costs 20-31 ns
 * and is inside every per-call figure):
 *   1-level diff, per call:           p50 40 ns, p99 140-160 ns, p999 ~220 ns
 *   same, trending 40000 ticks up:    p50 40 ns, p99 160-180 ns, p999 ~260 ns (4 recentres)
 *   1-level diff, amortized over 64:  p50 ~26 ns, p99 ~40 ns
 *   50-level diff, per message:       p50 ~0.68 us, p99 ~1.15 us (p50 14 ns, p99 23 ns/level)
 *   1..30-level diff, per level:      p50 ~15 ns, p99 ~51 ns
 *   best bid query ~4 ns; top-10 ~80 ns; 1000+1000-level snapshot ~30 us
 * Steps that moved these: a full drain-and-rebuild recentre (trend p99
 * 291 ns) became the ring shift; the far store's both-ends slack took the
 * trend's p999 from ~1.4 us to ~250 ns. Max figures (35-70 us) are the VM:
 * the bare clock pair shows the same.
 * The target was p99 <= 200 ns per level update.
 */
#include "market/book.h"

#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

enum {
    WORD_BITS = 64,
    SUMMARY_SPAN = WORD_BITS * WORD_BITS, /* ticks covered by one summary word */
    BPS_ONE = 10000,                      /* basis points in 1 */
    RECENTER_DRIFT_DIV = 8                /* recentre when the mid is window/8 off centre */
};
_Static_assert((int)SC_BOOK_WINDOW_TICKS_MIN >= (int)WORD_BITS, "window holds at least one word");
_Static_assert((int)SC_BOOK_WINDOW_TICKS_MIN % (int)WORD_BITS == 0, "window is whole words");
_Static_assert(SC_BOOK_WINDOW_TICKS_DEFAULT >= SC_BOOK_WINDOW_TICKS_MIN &&
                   SC_BOOK_WINDOW_TICKS_DEFAULT <= SC_BOOK_WINDOW_TICKS_MAX,
               "default window within its bounds");
_Static_assert(SC_BOOK_FAR_LEVELS_DEFAULT <= SC_BOOK_FAR_LEVELS_MAX, "far default");
_Static_assert(SC_BOOK_BUFFER_EVENTS_DEFAULT <= SC_BOOK_BUFFER_EVENTS_MAX, "buffer default");
_Static_assert(SC_BOOK_BUFFER_LEVELS_DEFAULT <= SC_BOOK_BUFFER_LEVELS_MAX, "buffer default");
_Static_assert((int64_t)SC_BOOK_WINDOW_TICKS_MAX + SC_BOOK_FAR_LEVELS_MAX <= UINT32_MAX,
               "scratch size fits uint32");
_Static_assert(2 * (int64_t)SC_BOOK_FAR_LEVELS_MAX <= UINT32_MAX, "far buffer fits uint32");

#define BID_NONE INT64_MIN /* best of an empty bid side: worse than any bid */
#define ASK_NONE INT64_MAX /* best of an empty ask side: worse than any ask */
#define PX_NONE (-1)       /* no dense level (valid prices are >= 0) */

typedef struct {
    int64_t *qty;      /* [window] steps of the level in slot px mod window; 0: none */
    uint64_t *bits;    /* [words] bit i set iff qty[i] > 0 */
    uint64_t *summary; /* [summary_words] bit j set iff bits[j] != 0 */
    sc_level *far_buf; /* [2 * far_levels_max]: the far store with slack at both ends */
    sc_level *far;     /* far_buf + far_off: far_n levels outside the window, worst first */
    uint32_t far_off;
    uint32_t far_n;
    uint32_t dense_n;
    int64_t best; /* best px; BID_NONE / ASK_NONE when the side is empty */
    bool is_bid;
} book_side;

typedef struct {
    sc_depth d;     /* bids and asks point into buf_levels */
    uint32_t off;   /* first slot in buf_levels */
    uint32_t slots; /* n_bids + n_asks, at least 1 so offsets stay ordered */
} buffered;

struct sc_book {
    sc_book_config cfg; /* defaults filled in */
    bool spot;          /* spot continuity rule (U == last u + 1) */
    uint32_t words;
    uint32_t summary_words;
    uint64_t mask; /* window - 1 */
    int64_t base;  /* lowest px of the window, shared by both sides */
    book_side sides[2];
    sc_level *scratch;    /* [window + far_levels_max]: recentre workspace */
    buffered *buf;        /* [buffer_events_max] ring of diffs awaiting a snapshot */
    sc_level *buf_levels; /* [buffer_levels_max] their levels */
    uint32_t buf_head;
    uint32_t buf_n;
    bool synced;
    bool ever_synced;
    bool need_bridge; /* snapshot applied, bridging diff not yet seen */
    int64_t last_u;
    int64_t bridge_id; /* the id the bridging diff must straddle */
    sc_book_stats st;
};

/* ---- bitmap ------------------------------------------------------------ */

static inline uint32_t top_bit(uint64_t m) {
    SC_ASSERT(m != 0); /* clz of 0 is undefined */
    return (uint32_t)(63 - __builtin_clzll(m));
}
static inline uint32_t low_bit(uint64_t m) {
    SC_ASSERT(m != 0); /* ctz of 0 is undefined */
    return (uint32_t)__builtin_ctzll(m);
}
/* Bits 0..bit set. (2 << 63) wraps to 0, so bit 63 gives all ones. */
static inline uint64_t mask_le(uint32_t bit) {
    SC_ASSERT(bit < WORD_BITS);
    return (UINT64_C(2) << bit) - 1;
}

/* The ring slot of a price. Unsigned conversion is modulo 2^64, which the
 * window divides, so this is px mod window also for a negative base. */
static inline uint32_t slot_of(const sc_book *b, int64_t px) {
    SC_ASSERT(b->mask + 1 == b->cfg.window_ticks);
    return (uint32_t)((uint64_t)px & b->mask);
}

static inline bool in_window(const sc_book *b, int64_t px) {
    return (uint64_t)(px - b->base) < b->cfg.window_ticks;
}

/* Highest set slot <= i, or -1. */
static int64_t bits_highest_le(const sc_book *b, const book_side *s, uint32_t i) {
    SC_ASSERT(i < b->cfg.window_ticks);
    uint32_t w = i / WORD_BITS;
    uint64_t m = s->bits[w] & mask_le(i % WORD_BITS);
    if (m != 0) {
        return (int64_t)w * WORD_BITS + top_bit(m);
    }
    if (w == 0) {
        return -1;
    }
    uint32_t sw = (w - 1) / WORD_BITS;
    uint64_t sm = s->summary[sw] & mask_le((w - 1) % WORD_BITS);
    for (;;) {
        if (sm != 0) {
            uint32_t word = sw * WORD_BITS + top_bit(sm);
            SC_ASSERT(word < b->words && s->bits[word] != 0);
            return (int64_t)word * WORD_BITS + top_bit(s->bits[word]);
        }
        if (sw == 0) {
            return -1;
        }
        sw--;
        sm = s->summary[sw];
    }
}

/* Lowest set slot >= i, or -1. */
static int64_t bits_lowest_ge(const sc_book *b, const book_side *s, uint32_t i) {
    SC_ASSERT(i < b->cfg.window_ticks);
    uint32_t w = i / WORD_BITS;
    uint64_t m = s->bits[w] & (~UINT64_C(0) << (i % WORD_BITS));
    if (m != 0) {
        return (int64_t)w * WORD_BITS + low_bit(m);
    }
    uint32_t ww = w + 1;
    if (ww >= b->words) {
        return -1;
    }
    uint32_t sw = ww / WORD_BITS;
    uint64_t sm = s->summary[sw] & (~UINT64_C(0) << (ww % WORD_BITS));
    for (;;) {
        if (sm != 0) {
            uint32_t word = sw * WORD_BITS + low_bit(sm);
            SC_ASSERT(word < b->words && s->bits[word] != 0);
            return (int64_t)word * WORD_BITS + low_bit(s->bits[word]);
        }
        sw++;
        if (sw >= b->summary_words) {
            return -1;
        }
        sm = s->summary[sw];
    }
}

/* The price held in a slot: the one px of the window with that slot. */
static inline int64_t px_of_slot(const sc_book *b, int64_t slot) {
    SC_ASSERT(slot >= 0 && slot < (int64_t)b->cfg.window_ticks);
    int64_t px = b->base + (int64_t)(((uint64_t)slot - (uint64_t)b->base) & b->mask);
    SC_ASSERT(in_window(b, px));
    return px;
}

/* Highest dense px below px (px itself may lie past the window), or PX_NONE.
 * The window is the slot range from slot(base) up, wrapping at the end. */
static int64_t dense_prev(const sc_book *b, const book_side *s, int64_t px) {
    SC_ASSERT(s->dense_n <= b->cfg.window_ticks);
    int64_t top = b->base + (int64_t)b->cfg.window_ticks;
    px = px > top ? top : px;
    if (px <= b->base) {
        return PX_NONE;
    }
    uint32_t from = slot_of(b, px - 1);
    uint32_t start = slot_of(b, b->base);
    int64_t i = bits_highest_le(b, s, from);
    if (from >= start) { /* [start, from] does not wrap */
        return i >= start ? px_of_slot(b, i) : PX_NONE;
    }
    if (i < 0) { /* [0, from] empty: go on in [start, window) */
        i = bits_highest_le(b, s, b->cfg.window_ticks - 1);
        i = i >= start ? i : -1;
    }
    int64_t got = i >= 0 ? px_of_slot(b, i) : PX_NONE;
    SC_ASSERT(got == PX_NONE || (got < px && s->qty[i] > 0));
    return got;
}

/* Lowest dense px above px (px itself may lie before the window), or PX_NONE. */
static int64_t dense_next(const sc_book *b, const book_side *s, int64_t px) {
    SC_ASSERT(s->dense_n <= b->cfg.window_ticks);
    int64_t last = b->base + (int64_t)b->cfg.window_ticks - 1;
    px = px < b->base - 1 ? b->base - 1 : px;
    if (px >= last) {
        return PX_NONE;
    }
    uint32_t from = slot_of(b, px + 1);
    uint32_t end = slot_of(b, last);
    int64_t i = bits_lowest_ge(b, s, from);
    if (from <= end) { /* [from, end] does not wrap */
        return (i >= 0 && i <= end) ? px_of_slot(b, i) : PX_NONE;
    }
    if (i < 0) { /* [from, window) empty: go on in [0, end] */
        i = bits_lowest_ge(b, s, 0);
        i = i <= end ? i : -1;
    }
    int64_t got = i >= 0 ? px_of_slot(b, i) : PX_NONE;
    SC_ASSERT(got == PX_NONE || (got > px && s->qty[i] > 0));
    return got;
}

static inline void dense_put(book_side *s, uint32_t i, int64_t qty) {
    SC_ASSERT(qty > 0 && s->qty[i] == 0);
    uint32_t w = i / WORD_BITS;
    s->qty[i] = qty;
    s->bits[w] |= UINT64_C(1) << (i % WORD_BITS);
    s->summary[w / WORD_BITS] |= UINT64_C(1) << (w % WORD_BITS);
    s->dense_n++;
    SC_ASSERT(s->dense_n > 0);
}

static inline void dense_del(book_side *s, uint32_t i) {
    SC_ASSERT(s->qty[i] > 0 && s->dense_n > 0);
    uint32_t w = i / WORD_BITS;
    s->qty[i] = 0;
    s->bits[w] &= ~(UINT64_C(1) << (i % WORD_BITS));
    if (s->bits[w] == 0) {
        s->summary[w / WORD_BITS] &= ~(UINT64_C(1) << (w % WORD_BITS));
    }
    s->dense_n--;
    SC_ASSERT((s->bits[w] & (UINT64_C(1) << (i % WORD_BITS))) == 0);
}

/* Empties the dense part, visiting only non-empty words. */
static void dense_clear(const sc_book *b, book_side *s) {
    uint32_t n = 0;
    for (uint32_t sw = 0; sw < b->summary_words; sw++) {
        for (uint64_t sm = s->summary[sw]; sm != 0; sm &= sm - 1) {
            uint32_t w = sw * WORD_BITS + low_bit(sm);
            for (uint64_t m = s->bits[w]; m != 0; m &= m - 1) {
                uint32_t i = w * WORD_BITS + low_bit(m);
                SC_ASSERT(s->qty[i] > 0);
                s->qty[i] = 0;
                n++;
            }
            s->bits[w] = 0;
        }
        s->summary[sw] = 0;
    }
    SC_ASSERT(n == s->dense_n);
    s->dense_n = 0;
}

/* Removes the dense levels with px in [lo, hi) and writes them to out in
 * ascending px. Returns the count. */
static uint32_t dense_take(const sc_book *b, book_side *s, int64_t lo, int64_t hi, sc_level *out) {
    SC_ASSERT(lo <= hi && out != NULL);
    uint32_t n = 0;
    for (int64_t px = dense_next(b, s, lo - 1); px != PX_NONE && px < hi;
         px = dense_next(b, s, px)) {
        uint32_t i = slot_of(b, px);
        out[n++] = (sc_level){{px}, {s->qty[i]}};
        dense_del(s, i);
    }
    SC_ASSERT(n <= b->cfg.window_ticks);
    return n;
}

/* ---- one side ---------------------------------------------------------- */

static inline bool better(const book_side *s, int64_t a, int64_t than) {
    return s->is_bid ? a > than : a < than;
}

static inline bool side_empty(const book_side *s) {
    return s->dense_n == 0 && s->far_n == 0;
}

/* The far store's sort key: ascending key is worst first (bids by px, asks
 * by -px). Prices are in [0, SC_BOOK_PX_MAX], so -px is safe. */
static inline int64_t far_key(const book_side *s, int64_t px) {
    SC_ASSERT(px >= 0 && px <= SC_BOOK_PX_MAX);
    return s->is_bid ? px : -px;
}

/* First far index whose key is >= the key of px. */
static uint32_t far_lower_bound(const book_side *s, int64_t px) {
    int64_t key = far_key(s, px);
    uint32_t lo = 0;
    uint32_t hi = s->far_n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (far_key(s, s->far[mid].px.ticks) < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    SC_ASSERT(lo <= s->far_n);
    SC_ASSERT(lo == 0 || far_key(s, s->far[lo - 1].px.ticks) < key);
    return lo;
}

/* The best level after the best, at gone_px, was removed. */
static int64_t side_next_best(const sc_book *b, const book_side *s, int64_t gone_px) {
    int64_t none = s->is_bid ? BID_NONE : ASK_NONE;
    int64_t far = s->far_n > 0 ? s->far[s->far_n - 1].px.ticks : none;
    int64_t d = s->is_bid ? dense_prev(b, s, gone_px) : dense_next(b, s, gone_px);
    d = d == PX_NONE ? none : d;
    SC_ASSERT(d != gone_px && far != gone_px);
    int64_t next = better(s, d, far) ? d : far;
    SC_ASSERT(!better(s, next, gone_px)); /* nothing was better than the best */
    return next;
}

/* Moves the far store's live range to start at off in far_buf. */
static void far_place(sc_book *b, book_side *s, uint32_t off) {
    SC_ASSERT((uint64_t)off + s->far_n <= 2 * (uint64_t)b->cfg.far_levels_max);
    memmove(s->far_buf + off, s->far, s->far_n * sizeof(s->far[0]));
    s->far_off = off;
    s->far = s->far_buf + off;
    SC_ASSERT(s->far_n <= b->cfg.far_levels_max);
}

/* Inserts at index i, moving the shorter side. */
static void far_insert_at(sc_book *b, book_side *s, uint32_t i, sc_level lv) {
    uint32_t cap = 2 * b->cfg.far_levels_max;
    SC_ASSERT(i <= s->far_n && s->far_n < b->cfg.far_levels_max);
    bool left = i < s->far_n - i;
    if (left ? s->far_off == 0 : s->far_off + s->far_n == cap) {
        far_place(b, s, (cap - s->far_n) / 2); /* slack on both sides again */
    }
    if (left) {
        memmove(s->far - 1, s->far, i * sizeof(s->far[0]));
        s->far--;
        s->far_off--;
    } else {
        memmove(&s->far[i + 1], &s->far[i], (s->far_n - i) * sizeof(s->far[0]));
    }
    s->far[i] = lv;
    s->far_n++;
    SC_ASSERT(s->far == s->far_buf + s->far_off && s->far_off + s->far_n <= cap);
}

/* Deletes index i, moving the shorter side. */
static void far_delete_at(book_side *s, uint32_t i) {
    SC_ASSERT(i < s->far_n);
    if (i < s->far_n - 1 - i) {
        memmove(s->far + 1, s->far, i * sizeof(s->far[0]));
        s->far++;
        s->far_off++;
    } else {
        memmove(&s->far[i], &s->far[i + 1], (s->far_n - i - 1) * sizeof(s->far[0]));
    }
    s->far_n--;
    SC_ASSERT(s->far == s->far_buf + s->far_off);
}

/* Sets a level outside the window; false when the far store is full. */
static bool far_set(sc_book *b, book_side *s, int64_t px, int64_t qty) {
    uint32_t i = far_lower_bound(s, px);
    bool found = i < s->far_n && s->far[i].px.ticks == px;
    if (qty > 0) {
        if (found) {
            s->far[i].qty.steps = qty;
            return true;
        }
        if (s->far_n == b->cfg.far_levels_max) {
            b->st.far_overflows++;
            return false;
        }
        far_insert_at(b, s, i, (sc_level){{px}, {qty}});
        if (better(s, px, s->best)) {
            s->best = px;
        }
        SC_ASSERT(i + 1 == s->far_n || far_key(s, s->far[i + 1].px.ticks) > far_key(s, px));
        return true;
    }
    if (!found) {
        return true; /* deleting a level we do not have is normal */
    }
    far_delete_at(s, i);
    if (px == s->best) {
        s->best = side_next_best(b, s, px);
    }
    SC_ASSERT(s->far_n < b->cfg.far_levels_max);
    return true;
}

/* Sets one level (qty 0 deletes); false when the far store is full. */
static inline bool side_set(sc_book *b, book_side *s, int64_t px, int64_t qty) {
    SC_ASSERT(qty >= 0 && px >= 0 && px <= SC_BOOK_PX_MAX);
    if (!in_window(b, px)) {
        return far_set(b, s, px, qty);
    }
    uint32_t i = slot_of(b, px);
    int64_t old = s->qty[i];
    if (qty > 0) {
        if (old == 0) {
            dense_put(s, i, qty);
            if (better(s, px, s->best)) {
                s->best = px;
            }
        } else {
            s->qty[i] = qty;
        }
        return true;
    }
    if (old != 0) { /* deleting a level we do not have is normal */
        dense_del(s, i);
        if (px == s->best) {
            s->best = side_next_best(b, s, px);
        }
    }
    SC_ASSERT(s->best != px); /* a deleted level is never the best */
    return true;
}

static int64_t side_qty(const sc_book *b, const book_side *s, int64_t px) {
    SC_ASSERT(px >= 0 && px <= SC_BOOK_PX_MAX);
    if (in_window(b, px)) {
        return s->qty[slot_of(b, px)];
    }
    uint32_t i = far_lower_bound(s, px);
    int64_t q = (i < s->far_n && s->far[i].px.ticks == px) ? s->far[i].qty.steps : 0;
    SC_ASSERT(q >= 0);
    return q;
}

static void side_clear(sc_book *b, book_side *s) {
    dense_clear(b, s);
    s->far_n = 0;
    far_place(b, s, b->cfg.far_levels_max / 2);
    s->best = s->is_bid ? BID_NONE : ASK_NONE;
    SC_ASSERT(side_empty(s));
    SC_ASSERT(s->far == s->far_buf + s->far_off);
}

static void levels_reverse(sc_level *lv, uint32_t n) {
    SC_ASSERT(lv != NULL || n == 0);
    for (uint32_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
        sc_level t = lv[i];
        lv[i] = lv[j];
        lv[j] = t;
    }
}

/* The window moves by less than its width. The levels leaving it (a slice
 * at one end) and the far levels entering it (a run of the far store) are
 * next to each other in the far store's order, so one memmove swaps them. */
static bool side_shift(sc_book *b, book_side *s, int64_t new_base) {
    int64_t w = (int64_t)b->cfg.window_ticks;
    bool up = new_base > b->base;
    int64_t lo = up ? b->base : new_base + w;
    int64_t hi = up ? new_base : b->base + w;
    uint32_t n_out = dense_take(b, s, lo, hi, b->scratch);
    if (!s->is_bid) {
        levels_reverse(b->scratch, n_out); /* into the far store's order */
    }
    uint32_t a = far_lower_bound(s, s->is_bid ? new_base : new_base + w - 1);
    uint32_t c = a; /* far[a, c): the far levels inside the new window */
    while (c < s->far_n && (uint64_t)(s->far[c].px.ticks - new_base) < (uint64_t)w) {
        c++;
    }
    uint32_t new_n = s->far_n - (c - a) + n_out; /* no wrap: c - a <= far_n */
    if (new_n > b->cfg.far_levels_max) {
        b->st.far_overflows++;
        return false;
    }
    if ((uint64_t)s->far_off + new_n > 2 * (uint64_t)b->cfg.far_levels_max) {
        far_place(b, s, (2 * b->cfg.far_levels_max - s->far_n) / 2);
    }
    SC_ASSERT((uint64_t)s->far_off + new_n <= 2 * (uint64_t)b->cfg.far_levels_max);
    for (uint32_t k = a; k < c; k++) {
        dense_put(s, slot_of(b, s->far[k].px.ticks), s->far[k].qty.steps);
    }
    memmove(&s->far[a + n_out], &s->far[c], (s->far_n - c) * sizeof(s->far[0]));
    memcpy(&s->far[a], b->scratch, n_out * sizeof(s->far[0]));
    s->far_n = new_n;
    SC_ASSERT(a == 0 || a + n_out >= s->far_n ||
              better(s, s->far[a + n_out].px.ticks, s->far[a - 1].px.ticks));
    return true;
}

/* The window jumps by its width or more: drain every level worst first
 * (the far store's order) into scratch, then put each back, in the window or
 * in the far store. False when the far store cannot hold what is outside. */
static bool side_rebase(sc_book *b, book_side *s, int64_t new_base) {
    int64_t w = (int64_t)b->cfg.window_ticks;
    uint32_t worse = far_lower_bound(s, s->is_bid ? b->base : b->base + w - 1);
    uint32_t n = worse;
    memcpy(b->scratch, s->far, worse * sizeof(s->far[0]));
    uint32_t nd = dense_take(b, s, b->base, b->base + w, b->scratch + n);
    if (!s->is_bid) {
        levels_reverse(b->scratch + n, nd);
    }
    n += nd;
    memcpy(b->scratch + n, s->far + worse, (s->far_n - worse) * sizeof(s->far[0]));
    n += s->far_n - worse;
    SC_ASSERT(n <= b->cfg.window_ticks + b->cfg.far_levels_max && s->dense_n == 0);
    s->far_n = 0;
    far_place(b, s, b->cfg.far_levels_max / 2);
    for (uint32_t k = 0; k < n; k++) {
        SC_ASSERT(k == 0 || better(s, b->scratch[k].px.ticks, b->scratch[k - 1].px.ticks));
        int64_t px = b->scratch[k].px.ticks;
        if ((uint64_t)(px - new_base) < (uint64_t)w) {
            dense_put(s, slot_of(b, px), b->scratch[k].qty.steps);
        } else if (s->far_n < b->cfg.far_levels_max) {
            s->far[s->far_n++] = b->scratch[k];
        } else {
            b->st.far_overflows++;
            return false;
        }
    }
    return true;
}

/* ---- whole book -------------------------------------------------------- */

static inline bool book_crossed(const sc_book *b) {
    SC_ASSERT(b->sides[SC_SIDE_BUY].is_bid && !b->sides[SC_SIDE_SELL].is_bid);
    return b->sides[SC_SIDE_BUY].best >= b->sides[SC_SIDE_SELL].best;
}

/* Centre for the window: the mid, or the one touch there is; false if none. */
static bool book_center(const sc_book *b, int64_t bid, int64_t ask, int64_t *center) {
    if (bid != BID_NONE && ask != ASK_NONE) {
        *center = bid + (ask - bid) / 2;
    } else if (bid != BID_NONE) {
        *center = bid;
    } else if (ask != ASK_NONE) {
        *center = ask;
    } else {
        return false;
    }
    SC_ASSERT(*center >= 0 && *center <= SC_BOOK_PX_MAX);
    SC_ASSERT(b->cfg.window_ticks >= SC_BOOK_WINDOW_TICKS_MIN);
    return true;
}

/* Recentres when the mid has drifted window/8 from the centre; false when
 * the far store overflowed (the caller fails closed). A book whose spread
 * is wider than the window stays centred on its mid and does not move. */
static bool book_maybe_recenter(sc_book *b) {
    int64_t w = (int64_t)b->cfg.window_ticks;
    int64_t bid = b->sides[SC_SIDE_BUY].best;
    int64_t ask = b->sides[SC_SIDE_SELL].best;
    int64_t center;
    if (!book_center(b, bid, ask, &center)) {
        return true;
    }
    int64_t drift = center - (b->base + w / 2);
    if (drift <= w / RECENTER_DRIFT_DIV && drift >= -w / RECENTER_DRIFT_DIV) {
        return true;
    }
    int64_t new_base = center - w / 2;
    bool near = drift < w && drift > -w;
    for (int k = 0; k < 2; k++) {
        book_side *s = &b->sides[k];
        if (!(near ? side_shift(b, s, new_base) : side_rebase(b, s, new_base))) {
            return false;
        }
    }
    b->base = new_base;
    b->st.recenters++;
    SC_ASSERT(in_window(b, center));
    SC_ASSERT(b->sides[SC_SIDE_BUY].best == bid && b->sides[SC_SIDE_SELL].best == ask);
    return true;
}

static void book_lose_sync(sc_book *b) {
    SC_ASSERT(b->synced);
    b->synced = false;
    b->need_bridge = false;
    SC_ASSERT(!sc_book_is_synced(b));
}

/* Applies the levels of a diff whose ids were checked. */
static sc_book_result book_apply_levels(sc_book *b, const sc_depth *d) {
    SC_ASSERT(b->synced && (d->n_bids == 0 || d->bids != NULL));
    SC_ASSERT(d->n_asks == 0 || d->asks != NULL);
    book_side *bids = &b->sides[SC_SIDE_BUY];
    book_side *asks = &b->sides[SC_SIDE_SELL];
    for (uint32_t i = 0; i < d->n_bids; i++) {
        if (!side_set(b, bids, d->bids[i].px.ticks, d->bids[i].qty.steps)) {
            book_lose_sync(b);
            return SC_BOOK_OVERFLOW;
        }
    }
    for (uint32_t i = 0; i < d->n_asks; i++) {
        if (!side_set(b, asks, d->asks[i].px.ticks, d->asks[i].qty.steps)) {
            book_lose_sync(b);
            return SC_BOOK_OVERFLOW;
        }
    }
    b->need_bridge = false;
    b->last_u = d->final_id;
    b->st.diffs_applied++;
    b->st.levels_applied += (uint64_t)d->n_bids + d->n_asks;
    if (book_crossed(b)) {
        b->st.crossed++;
        book_lose_sync(b);
        return SC_BOOK_CROSSED;
    }
    if (!book_maybe_recenter(b)) {
        book_lose_sync(b);
        return SC_BOOK_OVERFLOW;
    }
    return SC_BOOK_APPLIED;
}

/* One diff against a synced book: stale, gap or applied. */
static sc_book_result book_apply(sc_book *b, const sc_depth *d) {
    SC_ASSERT(b->synced);
    if (b->need_bridge) {
        if (d->final_id < b->bridge_id) {
            b->st.stale_dropped++;
            return SC_BOOK_STALE;
        }
        if (d->first_id > b->bridge_id) {
            b->st.gaps++;
            book_lose_sync(b);
            return SC_BOOK_GAP;
        }
        return book_apply_levels(b, d);
    }
    if (d->final_id <= b->last_u) {
        b->st.stale_dropped++;
        return SC_BOOK_STALE;
    }
    SC_ASSERT(b->last_u != SC_ID_NONE && b->last_u < INT64_MAX);
    bool chained = b->spot ? d->first_id == b->last_u + 1 : d->prev_final_id == b->last_u;
    if (!chained) {
        b->st.gaps++;
        book_lose_sync(b);
        return SC_BOOK_GAP;
    }
    return book_apply_levels(b, d);
}

/* ---- the buffer of diffs waiting for a snapshot ------------------------ */

static buffered *buf_at(const sc_book *b, uint32_t k) {
    SC_ASSERT(k < b->buf_n);
    SC_ASSERT(b->buf_head < b->cfg.buffer_events_max);
    return &b->buf[(b->buf_head + k) % b->cfg.buffer_events_max];
}

static void buf_pop(sc_book *b) {
    SC_ASSERT(b->buf_n > 0);
    b->buf_head = (b->buf_head + 1) % b->cfg.buffer_events_max;
    b->buf_n--;
    SC_ASSERT(b->buf_head < b->cfg.buffer_events_max);
}

/* Where `slots` contiguous level slots fit after the newest diff, never
 * overwriting the oldest one's; false when they do not fit. */
static bool buf_fit(const sc_book *b, uint32_t slots, uint32_t *off) {
    uint32_t cap = b->cfg.buffer_levels_max;
    SC_ASSERT(slots >= 1 && slots <= cap);
    if (b->buf_n == 0) {
        *off = 0;
        return true;
    }
    const buffered *head = buf_at(b, 0);
    const buffered *tail = buf_at(b, b->buf_n - 1);
    uint32_t end = tail->off + tail->slots;
    SC_ASSERT(end <= cap);
    if (tail->off >= head->off) { /* not wrapped: free at the end and before head */
        if (slots <= cap - end) {
            *off = end;
            return true;
        }
        if (slots <= head->off) {
            *off = 0;
            return true;
        }
        return false;
    }
    SC_ASSERT(end <= head->off);
    if (slots <= head->off - end) {
        *off = end;
        return true;
    }
    return false;
}

/* Copies a diff into the buffer, dropping the oldest ones to make room. */
static sc_book_result buf_push(sc_book *b, const sc_depth *d) {
    SC_ASSERT(!b->synced);
    uint64_t n = (uint64_t)d->n_bids + d->n_asks;
    uint32_t slots = n > 0 ? (uint32_t)(n < UINT32_MAX ? n : UINT32_MAX) : 1;
    if (n > b->cfg.buffer_levels_max) {
        b->st.buffer_overflows++; /* can never fit: dropped itself */
        return SC_BOOK_OVERFLOW;
    }
    bool dropped = false;
    uint32_t off = 0;
    while (b->buf_n == b->cfg.buffer_events_max || !buf_fit(b, slots, &off)) {
        buf_pop(b); /* ends: an empty buffer always fits */
        b->st.buffer_overflows++;
        dropped = true;
    }
    sc_level *lv = b->buf_levels + off;
    if (d->n_bids > 0) { /* memcpy from NULL is undefined even for 0 bytes */
        memcpy(lv, d->bids, d->n_bids * sizeof(*lv));
    }
    if (d->n_asks > 0) {
        memcpy(lv + d->n_bids, d->asks, d->n_asks * sizeof(*lv));
    }
    buffered *e = &b->buf[(b->buf_head + b->buf_n) % b->cfg.buffer_events_max];
    e->d = *d;
    e->d.bids = lv;
    e->d.asks = lv + d->n_bids;
    e->off = off;
    e->slots = slots;
    b->buf_n++;
    SC_ASSERT(b->buf_n <= b->cfg.buffer_events_max);
    return dropped ? SC_BOOK_OVERFLOW : SC_BOOK_BUFFERED;
}

/* Applies the buffered diffs after a snapshot. A gap leaves the breaking
 * diff and the rest buffered for the next snapshot. */
static sc_book_result buf_replay(sc_book *b) {
    SC_ASSERT(b->synced && b->need_bridge);
    uint32_t rounds = b->buf_n;
    while (b->buf_n > 0) {
        SC_ASSERT(rounds-- > 0);
        sc_book_result r = book_apply(b, &buf_at(b, 0)->d);
        if (r == SC_BOOK_GAP) {
            return r;
        }
        buf_pop(b);
        if (r == SC_BOOK_CROSSED || r == SC_BOOK_OVERFLOW) {
            return r;
        }
    }
    return SC_BOOK_APPLIED;
}

/* ---- lifecycle --------------------------------------------------------- */

static bool is_pow2(uint32_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}

static sc_err config_fill(const sc_book_config *in, sc_book_config *out) {
    *out = *in;
    out->window_ticks = in->window_ticks ? in->window_ticks : SC_BOOK_WINDOW_TICKS_DEFAULT;
    out->far_levels_max = in->far_levels_max ? in->far_levels_max : SC_BOOK_FAR_LEVELS_DEFAULT;
    out->buffer_events_max =
        in->buffer_events_max ? in->buffer_events_max : SC_BOOK_BUFFER_EVENTS_DEFAULT;
    out->buffer_levels_max =
        in->buffer_levels_max ? in->buffer_levels_max : SC_BOOK_BUFFER_LEVELS_DEFAULT;
    if (in->ins == NULL || !is_pow2(out->window_ticks) ||
        out->window_ticks < SC_BOOK_WINDOW_TICKS_MIN ||
        out->window_ticks > SC_BOOK_WINDOW_TICKS_MAX ||
        out->far_levels_max > SC_BOOK_FAR_LEVELS_MAX ||
        out->buffer_events_max > SC_BOOK_BUFFER_EVENTS_MAX ||
        out->buffer_levels_max > SC_BOOK_BUFFER_LEVELS_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    SC_ASSERT(out->window_ticks % WORD_BITS == 0);
    SC_ASSERT(out->far_levels_max > 0 && out->buffer_levels_max > 0);
    return SC_OK;
}

static bool side_init(sc_book *b, book_side *s, bool is_bid) {
    s->qty = calloc(b->cfg.window_ticks, sizeof(*s->qty));
    s->bits = calloc(b->words, sizeof(*s->bits));
    s->summary = calloc(b->summary_words, sizeof(*s->summary));
    s->far_buf = calloc(2 * (size_t)b->cfg.far_levels_max, sizeof(*s->far_buf));
    s->far_off = b->cfg.far_levels_max / 2;
    s->far = s->far_buf + s->far_off;
    SC_ASSERT(s->far_off <= b->cfg.far_levels_max && s->far_n == 0);
    s->is_bid = is_bid;
    s->best = is_bid ? BID_NONE : ASK_NONE;
    return s->qty != NULL && s->bits != NULL && s->summary != NULL && s->far_buf != NULL;
}

sc_err sc_book_create(const sc_book_config *cfg, sc_book **out) {
    if (cfg == NULL || out == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    *out = NULL;
    sc_book_config c;
    sc_err e = config_fill(cfg, &c);
    if (e != SC_OK) {
        return e;
    }
    sc_book *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        return SC_ERR_NOMEM;
    }
    b->cfg = c;
    b->spot = c.ins->venue == SC_VENUE_SPOT;
    b->words = c.window_ticks / WORD_BITS;
    b->mask = (uint64_t)c.window_ticks - 1;
    b->summary_words = (c.window_ticks + SUMMARY_SPAN - 1) / SUMMARY_SPAN;
    b->last_u = SC_ID_NONE;
    b->bridge_id = SC_ID_NONE;
    bool ok = side_init(b, &b->sides[SC_SIDE_BUY], true);
    ok = side_init(b, &b->sides[SC_SIDE_SELL], false) && ok;
    b->scratch = calloc((size_t)c.window_ticks + c.far_levels_max, sizeof(*b->scratch));
    b->buf = calloc(c.buffer_events_max, sizeof(*b->buf));
    b->buf_levels = calloc(c.buffer_levels_max, sizeof(*b->buf_levels));
    if (!ok || b->scratch == NULL || b->buf == NULL || b->buf_levels == NULL) {
        goto fail;
    }
    SC_ASSERT(b->words >= 1 && b->summary_words >= 1);
    SC_ASSERT(b->mask + 1 == c.window_ticks && b->words * WORD_BITS == c.window_ticks);
    *out = b;
    return SC_OK;
fail:
    sc_book_destroy(b);
    return SC_ERR_NOMEM;
}

void sc_book_destroy(sc_book *b) {
    if (b == NULL) {
        return;
    }
    for (int k = 0; k < 2; k++) {
        free(b->sides[k].qty);
        free(b->sides[k].bits);
        free(b->sides[k].summary);
        free(b->sides[k].far_buf);
    }
    free(b->scratch);
    free(b->buf);
    free(b->buf_levels);
    free(b);
}

/* ---- feeding ----------------------------------------------------------- */

static bool levels_valid(const sc_level *lv, uint32_t n) {
    if (n > 0 && lv == NULL) {
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (lv[i].px.ticks < 0 || lv[i].px.ticks > SC_BOOK_PX_MAX || lv[i].qty.steps < 0) {
            return false;
        }
    }
    return true;
}

sc_err sc_book_on_depth(sc_book *b, const sc_depth *d, sc_book_result *res) {
    if (b == NULL || d == NULL || res == NULL || !levels_valid(d->bids, d->n_bids) ||
        !levels_valid(d->asks, d->n_asks)) {
        return SC_ERR_INVALID_ARG;
    }
    SC_ASSERT(b->synced || !b->need_bridge);
    if (!b->synced) {
        *res = buf_push(b, d);
        return SC_OK;
    }
    SC_ASSERT(b->buf_n == 0); /* a synced book never holds diffs */
    sc_book_result r = book_apply(b, d);
    if (r == SC_BOOK_GAP) {
        (void)buf_push(b, d); /* the diff after a gap may bridge the next snapshot */
    }
    *res = r;
    return SC_OK;
}

/* Replaces the book with the snapshot levels, centring the window on them.
 * False when the far store overflowed. */
static bool book_load(sc_book *b, const sc_snapshot *s) {
    SC_ASSERT(!b->synced);
    side_clear(b, &b->sides[SC_SIDE_BUY]);
    side_clear(b, &b->sides[SC_SIDE_SELL]);
    int64_t bid = BID_NONE;
    int64_t ask = ASK_NONE;
    for (uint32_t i = 0; i < s->n_bids; i++) {
        int64_t px = s->bids[i].px.ticks;
        bid = s->bids[i].qty.steps > 0 && px > bid ? px : bid;
    }
    for (uint32_t i = 0; i < s->n_asks; i++) {
        int64_t px = s->asks[i].px.ticks;
        ask = s->asks[i].qty.steps > 0 && px < ask ? px : ask;
    }
    int64_t center;
    if (book_center(b, bid, ask, &center)) {
        b->base = center - (int64_t)b->cfg.window_ticks / 2;
    }
    for (uint32_t i = 0; i < s->n_bids; i++) {
        if (!side_set(b, &b->sides[SC_SIDE_BUY], s->bids[i].px.ticks, s->bids[i].qty.steps)) {
            return false;
        }
    }
    for (uint32_t i = 0; i < s->n_asks; i++) {
        if (!side_set(b, &b->sides[SC_SIDE_SELL], s->asks[i].px.ticks, s->asks[i].qty.steps)) {
            return false;
        }
    }
    SC_ASSERT(b->sides[SC_SIDE_BUY].dense_n + b->sides[SC_SIDE_BUY].far_n <= s->n_bids);
    /* A later zero entry for the same price may have removed a touch. */
    SC_ASSERT(b->sides[SC_SIDE_BUY].best <= bid && b->sides[SC_SIDE_SELL].best >= ask);
    return true;
}

/* The snapshot passed its checks: load it, then replay the buffer. */
static sc_book_result snapshot_accept(sc_book *b, const sc_snapshot *s, int64_t bridge_id) {
    SC_ASSERT(!b->synced || b->buf_n == 0);
    SC_ASSERT(b->buf_n == 0 || buf_at(b, 0)->d.first_id <= bridge_id);
    bool was_lost = b->ever_synced && !b->synced;
    if (b->synced) {
        b->synced = false; /* the book is being replaced */
        b->need_bridge = false;
    }
    if (!book_load(b, s)) {
        return SC_BOOK_OVERFLOW;
    }
    b->st.snapshots_applied++;
    b->st.resyncs += was_lost ? 1 : 0;
    b->ever_synced = true;
    b->synced = true;
    b->need_bridge = true;
    b->last_u = s->last_update_id;
    b->bridge_id = bridge_id;
    if (book_crossed(b)) {
        b->st.crossed++;
        book_lose_sync(b);
        return SC_BOOK_CROSSED;
    }
    return buf_replay(b);
}

sc_err sc_book_on_snapshot(sc_book *b, const sc_snapshot *s, sc_book_result *res) {
    if (b == NULL || s == NULL || res == NULL || s->last_update_id < 0 ||
        s->last_update_id == INT64_MAX || !levels_valid(s->bids, s->n_bids) ||
        !levels_valid(s->asks, s->n_asks)) {
        return SC_ERR_INVALID_ARG;
    }
    SC_ASSERT(!b->synced || b->buf_n == 0);
    if (b->synced && s->last_update_id <= b->last_u) {
        b->st.stale_dropped++; /* older than the book we have */
        *res = SC_BOOK_STALE;
        return SC_OK;
    }
    /* Spot: drop u <= L, bridge U <= L+1 <= u; futures: drop u < L, U <= L <= u. */
    int64_t bridge_id = b->spot ? s->last_update_id + 1 : s->last_update_id;
    while (b->buf_n > 0 && buf_at(b, 0)->d.final_id < bridge_id) {
        buf_pop(b);
        b->st.stale_dropped++;
    }
    if (b->buf_n > 0 && buf_at(b, 0)->d.first_id > bridge_id) {
        b->st.snapshots_rejected++;
        *res = SC_BOOK_SNAPSHOT_OLD;
        return SC_OK;
    }
    *res = snapshot_accept(b, s, bridge_id);
    SC_ASSERT(b->synced || *res != SC_BOOK_APPLIED);
    return SC_OK;
}

/* ---- queries ----------------------------------------------------------- */

bool sc_book_is_synced(const sc_book *b) {
    SC_ASSERT(b != NULL);
    SC_ASSERT(b->synced || !b->need_bridge);
    return b->synced;
}

int64_t sc_book_last_update_id(const sc_book *b) {
    SC_ASSERT(b != NULL);
    SC_ASSERT(!b->synced || b->last_u != SC_ID_NONE);
    return b->last_u;
}

void sc_book_get_stats(const sc_book *b, sc_book_stats *out) {
    SC_ASSERT(b != NULL && out != NULL);
    SC_ASSERT(b->st.resyncs < b->st.snapshots_applied || b->st.snapshots_applied == 0);
    *out = b->st;
}

static sc_err query_side(const sc_book *b, sc_side side, const book_side **s) {
    if (b == NULL || (side != SC_SIDE_BUY && side != SC_SIDE_SELL)) {
        return SC_ERR_INVALID_ARG;
    }
    if (!b->synced) {
        return SC_ERR_NOT_SYNCED;
    }
    *s = &b->sides[side];
    SC_ASSERT((*s)->is_bid == (side == SC_SIDE_BUY));
    SC_ASSERT(b->buf_n == 0); /* a synced book holds no buffered diffs */
    return SC_OK;
}

sc_err sc_book_best(const sc_book *b, sc_side side, sc_level *out) {
    const book_side *s = NULL;
    sc_err e = query_side(b, side, &s);
    if (e != SC_OK || out == NULL) {
        return e != SC_OK ? e : SC_ERR_INVALID_ARG;
    }
    if (side_empty(s)) {
        return SC_ERR_EMPTY;
    }
    SC_ASSERT(s->best >= 0 && s->best <= SC_BOOK_PX_MAX);
    out->px.ticks = s->best;
    out->qty.steps = side_qty(b, s, s->best);
    SC_ASSERT(out->qty.steps > 0);
    return SC_OK;
}

sc_err sc_book_qty_at(const sc_book *b, sc_side side, sc_px px, sc_qty *out) {
    const book_side *s = NULL;
    sc_err e = query_side(b, side, &s);
    if (e != SC_OK || out == NULL) {
        return e != SC_OK ? e : SC_ERR_INVALID_ARG;
    }
    SC_ASSERT(s != NULL);
    out->steps = (px.ticks < 0 || px.ticks > SC_BOOK_PX_MAX) ? 0 : side_qty(b, s, px.ticks);
    SC_ASSERT(out->steps >= 0);
    return SC_OK;
}

/* Walks a side best first, merging the dense window with the far store. */
typedef struct {
    const sc_book *b;
    const book_side *s;
    int64_t far_i;    /* next far entry, walking down from the best (the last) */
    int64_t dense_px; /* next dense level, PX_NONE when none is left */
} level_iter;

static void iter_init(level_iter *it, const sc_book *b, const book_side *s) {
    it->b = b;
    it->s = s;
    it->far_i = (int64_t)s->far_n - 1;
    SC_ASSERT(s->far == s->far_buf + s->far_off);
    int64_t w = (int64_t)b->cfg.window_ticks;
    it->dense_px = s->is_bid ? dense_prev(b, s, b->base + w) : dense_next(b, s, b->base - 1);
    SC_ASSERT(it->dense_px == PX_NONE || in_window(b, it->dense_px));
}

static bool iter_next(level_iter *it, sc_level *out) {
    const book_side *s = it->s;
    const sc_book *b = it->b;
    bool has_far = it->far_i >= 0;
    bool has_dense = it->dense_px != PX_NONE;
    if (!has_far && !has_dense) {
        return false;
    }
    int64_t dpx = it->dense_px;
    if (has_far && (!has_dense || better(s, s->far[it->far_i].px.ticks, dpx))) {
        *out = s->far[it->far_i];
        SC_ASSERT(!in_window(b, out->px.ticks) && out->qty.steps > 0);
        it->far_i--;
        return true;
    }
    *out = (sc_level){{dpx}, {s->qty[slot_of(b, dpx)]}};
    SC_ASSERT(out->qty.steps > 0);
    it->dense_px = s->is_bid ? dense_prev(b, s, dpx) : dense_next(b, s, dpx);
    return true;
}

sc_err sc_book_top(const sc_book *b, sc_side side, uint32_t n, sc_level *out, uint32_t *n_out) {
    const book_side *s = NULL;
    sc_err e = query_side(b, side, &s);
    if (e != SC_OK) {
        return e;
    }
    if (n_out == NULL || n > SC_BOOK_TOP_MAX || (n > 0 && out == NULL)) {
        return SC_ERR_INVALID_ARG;
    }
    *n_out = 0;
    if (side_empty(s)) {
        return SC_ERR_EMPTY;
    }
    level_iter it;
    iter_init(&it, b, s);
    uint32_t k = 0;
    while (k < n && iter_next(&it, &out[k])) {
        SC_ASSERT(k == 0 || better(s, out[k - 1].px.ticks, out[k].px.ticks));
        k++;
    }
    SC_ASSERT(k <= n);
    *n_out = k;
    return SC_OK;
}

/* Both touches, for the two-sided queries. */
static sc_err query_touches(const sc_book *b, int64_t *bid, int64_t *ask) {
    const book_side *s = NULL;
    sc_err e = query_side(b, SC_SIDE_BUY, &s);
    if (e != SC_OK) {
        return e;
    }
    if (side_empty(&b->sides[SC_SIDE_BUY]) || side_empty(&b->sides[SC_SIDE_SELL])) {
        return SC_ERR_EMPTY;
    }
    *bid = b->sides[SC_SIDE_BUY].best;
    *ask = b->sides[SC_SIDE_SELL].best;
    SC_ASSERT(s == &b->sides[SC_SIDE_BUY] && *bid >= 0);
    SC_ASSERT(*bid < *ask);
    return SC_OK;
}

sc_err sc_book_mid_x2(const sc_book *b, int64_t *mid_x2_out) {
    int64_t bid = 0;
    int64_t ask = 0;
    sc_err e = query_touches(b, &bid, &ask);
    if (e != SC_OK || mid_x2_out == NULL) {
        return e != SC_OK ? e : SC_ERR_INVALID_ARG;
    }
    SC_ASSERT(bid >= 0 && ask <= SC_BOOK_PX_MAX);
    *mid_x2_out = bid + ask; /* both <= SC_BOOK_PX_MAX: no overflow */
    SC_ASSERT(*mid_x2_out > 2 * bid && *mid_x2_out < 2 * ask);
    return SC_OK;
}

/* The px limit bps away from mid, rounded inwards (toward the mid) so the
 * limit itself counts only when it is exactly on the boundary. */
static sc_err bps_limit(int64_t mid_x2, uint32_t bps, bool is_bid, int64_t *limit) {
    int64_t factor =
        is_bid ? BPS_ONE - (bps < BPS_ONE ? (int64_t)bps : BPS_ONE) : BPS_ONE + (int64_t)bps;
    SC_ASSERT(factor >= 0 && mid_x2 >= 0);
    int64_t num;
    if (!sc_mul_i64(mid_x2, factor, &num)) {
        return SC_ERR_OVERFLOW;
    }
    SC_ASSERT(num >= 0);
    int64_t den = 2 * BPS_ONE;
    *limit = num / den + ((is_bid && num % den != 0) ? 1 : 0); /* ceil for bids */
    return SC_OK;
}

sc_err sc_book_depth_within_bps(const sc_book *b, sc_side side, uint32_t bps, sc_qty *out) {
    const book_side *s = NULL;
    int64_t bid = 0;
    int64_t ask = 0;
    int64_t limit = 0;
    sc_err e = query_side(b, side, &s);
    e = e == SC_OK ? query_touches(b, &bid, &ask) : e;
    e = e == SC_OK ? bps_limit(bid + ask, bps, s->is_bid, &limit) : e;
    if (e != SC_OK || out == NULL) {
        return e != SC_OK ? e : SC_ERR_INVALID_ARG;
    }
    SC_ASSERT(limit >= 0);
    level_iter it;
    iter_init(&it, b, s);
    sc_level lv;
    int64_t sum = 0;
    while (iter_next(&it, &lv) && !better(s, limit, lv.px.ticks)) {
        if (!sc_add_i64(sum, lv.qty.steps, &sum)) {
            return SC_ERR_OVERFLOW;
        }
    }
    SC_ASSERT(sum >= 0);
    out->steps = sum;
    return SC_OK;
}

static sc_err top_sum(const sc_book *b, const book_side *s, uint32_t n, int64_t *sum) {
    SC_ASSERT(n >= 1 && !side_empty(s));
    level_iter it;
    iter_init(&it, b, s);
    sc_level lv;
    *sum = 0;
    for (uint32_t k = 0; k < n && iter_next(&it, &lv); k++) {
        if (!sc_add_i64(*sum, lv.qty.steps, sum)) {
            return SC_ERR_OVERFLOW;
        }
    }
    SC_ASSERT(*sum > 0);
    return SC_OK;
}

sc_err sc_book_imbalance(const sc_book *b, uint32_t n, double *out) {
    int64_t bid = 0;
    int64_t ask = 0;
    sc_err e = query_touches(b, &bid, &ask);
    if (e != SC_OK || out == NULL || n == 0 || n > SC_BOOK_TOP_MAX) {
        return e != SC_OK ? e : SC_ERR_INVALID_ARG;
    }
    int64_t bq = 0;
    int64_t aq = 0;
    int64_t total = 0;
    e = top_sum(b, &b->sides[SC_SIDE_BUY], n, &bq);
    e = e == SC_OK ? top_sum(b, &b->sides[SC_SIDE_SELL], n, &aq) : e;
    if (e == SC_OK && !sc_add_i64(bq, aq, &total)) {
        e = SC_ERR_OVERFLOW;
    }
    if (e != SC_OK) {
        return e;
    }
    SC_ASSERT(bq > 0 && aq > 0 && total > 0);
    *out = (double)(bq - aq) / (double)total;
    SC_ASSERT(*out >= -1.0 && *out <= 1.0);
    return SC_OK;
}
