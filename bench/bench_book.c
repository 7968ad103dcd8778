/* bench_book.c: OrderBookManager level-update and query cost.
 *
 * A seeded stream of level updates around a drifting touch (distances in
 * the proportions of the real depth@0ms capture, 4% far away like its
 * 1000.00 bids; 30% are deletes) is cut into depth diffs
 * chained by pu and fed to sc_book_on_depth after a 1000-level snapshot.
 * Every prefix of the stream is an uncrossed book, so every diff applies.
 * The stream is generated before timing. Prints figures; never fails.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "core/instrument.h"
#include "core/rng.h"
#include "market/book.h"

enum {
    SEED = 20240808,
    START_TOUCH = 618003,  /* 61800.3 on the usdm grid */
    SNAP_LEVELS = 1000,    /* per side, like the REST snapshot */
    SINGLE_MSGS = 1000000, /* one-level diffs */
    BATCH = 64,            /* one-level diffs per amortized sample */
    WIDE_MSGS = 20000,     /* 50-level diffs */
    WIDE_LEVELS = 50,
    MIXED_MSGS = 200000, /* 1..30-level diffs */
    MIXED_LEVELS_MAX = 30,
    QUERY_BATCH = 1000,
    QUERY_SAMPLES = 2000,
    FIRST_U = 1000 /* the snapshot's lastUpdateId; the first diff straddles it */
};

/* Benchmarks never fail a run: without memory there are just no figures. */
static void *need(void *p) {
    if (p == NULL) {
        printf("bench_book: out of memory; no figures\n");
        exit(0);
    }
    return p;
}

/* One level op of the stream. */
typedef struct {
    sc_level lv;
    int side; /* 0 bid, 1 ask */
} op;

typedef struct {
    sc_rng rng;
    int64_t touch; /* bids < touch <= asks after every op */
    op *ops;
    size_t n;
    size_t cap;
} gen;

static void gen_push(gen *g, int side, int64_t px, int64_t qty) {
    if (g->n < g->cap) {
        g->ops[g->n++] = (op){{{px}, {qty}}, side};
    }
}

/* Moves the touch; deletes the levels that would now cross it first. */
static void gen_drift(gen *g, int64_t step) {
    int64_t old = g->touch;
    int64_t t = old + step;
    for (int64_t px = t; px < old; px++) {
        gen_push(g, 0, px, 0); /* touch went down: bids at or above it go */
    }
    for (int64_t px = old; px < t; px++) {
        gen_push(g, 1, px, 0); /* touch went up: asks below it go */
    }
    g->touch = t;
}

/* Distance from the touch in ticks, in the proportions measured on the real
 * depth@0ms capture usdm/btcusdt_20240808 (443k level updates): 3% within
 * 10 ticks, 25% within 200, 57% within 2000, 11% within 32768, 4% farther
 * (returned as -1). */
static int64_t gen_dist(gen *g) {
    uint64_t r = sc_rng_below(&g->rng, 100);
    if (r < 3) {
        return (int64_t)sc_rng_below(&g->rng, 10);
    }
    if (r < 28) {
        return 10 + (int64_t)sc_rng_below(&g->rng, 190);
    }
    if (r < 85) {
        return 200 + (int64_t)sc_rng_below(&g->rng, 1800);
    }
    if (r < 96) {
        return 2000 + (int64_t)sc_rng_below(&g->rng, 30000);
    }
    return -1;
}

/* Far levels come from a pool of 1000 prices per side (the capture had
 * ~1700 distinct far prices in 6 minutes, mostly updated, rarely new). */
static void gen_level(gen *g) {
    int side = (int)sc_rng_below(&g->rng, 2);
    int64_t d = gen_dist(g);
    /* Zero qty: 30% near; 10% far, where the capture's level ops were 76%
     * updates, 8% inserts, 4% deletes and 11% deletes of unknown levels. */
    uint64_t zero_pct = d >= 0 ? 30 : 10;
    int64_t qty =
        sc_rng_below(&g->rng, 100) < zero_pct ? 0 : 1 + (int64_t)sc_rng_below(&g->rng, 5000);
    int64_t px;
    if (d >= 0) {
        px = side == 0 ? g->touch - 1 - d : g->touch + d;
    } else if (side == 0) {
        px = 10000 + 500 * (int64_t)sc_rng_below(&g->rng, 1000); /* 1000.0 .. 50950.0 */
    } else {
        px = 700000 + 2000 * (int64_t)sc_rng_below(&g->rng, 1000); /* 70000.0 .. 269800.0 */
    }
    gen_push(g, side, px, qty);
}

/* The touch random-walks (2% of ops move it by 1..3 ticks); a trending
 * stream moves it up instead, so it crosses the window and recentres. */
static void gen_stream(gen *g, size_t n_ops, bool trend) {
    while (g->n < n_ops) {
        if (sc_rng_below(&g->rng, 100) < 2) {
            int64_t step = 1 + (int64_t)sc_rng_below(&g->rng, 3);
            gen_drift(g, trend || sc_rng_below(&g->rng, 2) ? step : -step);
        }
        gen_level(g);
    }
}

/* Diffs over the op stream: message k holds sizes[k] ops, bids first. */
typedef struct {
    sc_depth *msgs;
    sc_level *levels;
    size_t n_msgs;
    size_t n_levels;
} stream;

static void build_msgs(const gen *g, const uint32_t *sizes, size_t n_msgs, int64_t first_u,
                       stream *s) {
    s->msgs = need(calloc(n_msgs, sizeof(*s->msgs)));
    s->levels = need(calloc(g->n, sizeof(*s->levels)));
    s->n_msgs = 0;
    s->n_levels = 0;
    size_t at = 0;
    int64_t prev_u = first_u - 1;
    for (size_t k = 0; k < n_msgs && at + sizes[k] <= g->n; k++) {
        sc_level *base = s->levels + at;
        uint32_t nb = 0;
        for (uint32_t i = 0; i < sizes[k]; i++) {
            nb += g->ops[at + i].side == 0 ? 1u : 0u;
        }
        uint32_t ib = 0;
        uint32_t ia = nb;
        for (uint32_t i = 0; i < sizes[k]; i++) {
            const op *o = &g->ops[at + i];
            base[o->side == 0 ? ib++ : ia++] = o->lv;
        }
        sc_depth *d = &s->msgs[k];
        d->first_id = prev_u + 1;
        d->final_id = prev_u + sizes[k];
        d->prev_final_id = prev_u;
        d->bids = base;
        d->n_bids = nb;
        d->asks = base + nb;
        d->n_asks = sizes[k] - nb;
        prev_u = d->final_id;
        at += sizes[k];
        s->n_msgs++;
        s->n_levels += sizes[k];
    }
}

static void stream_free(stream *s) {
    free(s->msgs);
    free(s->levels);
}

/* A book (default config) synced on a 1000-level snapshot around
 * START_TOUCH at id L. */
static sc_book *make_book(int64_t L, uint64_t seed, bool print) {
    sc_book_config cfg = {sc_instrument_find("usdm:BTCUSDT"), 0, 0, 0, 0};
    sc_book *b = NULL;
    if (sc_book_create(&cfg, &b) != SC_OK) {
        need(NULL);
    }
    static sc_level bids[SNAP_LEVELS];
    static sc_level asks[SNAP_LEVELS];
    sc_rng r;
    sc_rng_seed(&r, seed);
    for (int64_t i = 0; i < SNAP_LEVELS; i++) {
        bids[i] = (sc_level){{START_TOUCH - 1 - i}, {1 + (int64_t)sc_rng_below(&r, 5000)}};
        asks[i] = (sc_level){{START_TOUCH + i}, {1 + (int64_t)sc_rng_below(&r, 5000)}};
    }
    sc_snapshot s = {L, 0, 0, bids, asks, SNAP_LEVELS, SNAP_LEVELS};
    sc_book_result res;
    uint64_t t0 = sc_bench_now_ns();
    sc_book_on_snapshot(b, &s, &res);
    uint64_t t1 = sc_bench_now_ns();
    if (print) {
        printf("snapshot load (1000 + 1000 levels):   %llu ns\n", (unsigned long long)(t1 - t0));
    }
    return b;
}

static void print_q(const char *what, uint64_t *v, size_t n, double div) {
    uint64_t p50 = sc_bench_quantile(v, n, 0.50);
    uint64_t p99 = sc_bench_quantile(v, n, 0.99);
    uint64_t p999 = sc_bench_quantile(v, n, 0.999);
    uint64_t mx = sc_bench_quantile(v, n, 1.0);
    printf("%-38s p50 %7.1f  p99 %7.1f  p999 %7.1f  max %9.1f ns  (n=%zu)\n", what,
           (double)p50 / div, (double)p99 / div, (double)p999 / div, (double)mx / div, n);
}

/* What two back-to-back clock reads cost: the floor under every per-call
 * figure below. */
static void print_clock_overhead(void) {
    enum { N = 1000000 };
    static uint64_t v[N];
    for (size_t i = 0; i < N; i++) {
        uint64_t t0 = sc_bench_now_ns();
        uint64_t t1 = sc_bench_now_ns();
        v[i] = t1 - t0;
    }
    print_q("clock read pair (timer floor):", v, N, 1.0);
}

/* Feeds every message, timing each; returns the count not applied. */
static size_t run_timed(sc_book *b, const stream *s, uint64_t *ns) {
    size_t bad = 0;
    for (size_t k = 0; k < s->n_msgs; k++) {
        sc_book_result res;
        uint64_t t0 = sc_bench_now_ns();
        sc_book_on_depth(b, &s->msgs[k], &res);
        uint64_t t1 = sc_bench_now_ns();
        ns[k] = t1 - t0;
        bad += res != SC_BOOK_APPLIED ? 1u : 0u;
    }
    return bad;
}

/* Feeds the messages in batches, one sample per batch. */
static size_t run_batched(sc_book *b, const stream *s, uint64_t *ns, size_t *n_samples) {
    size_t bad = 0;
    size_t n = 0;
    for (size_t k = 0; k + BATCH <= s->n_msgs; k += BATCH) {
        sc_book_result res[BATCH];
        uint64_t t0 = sc_bench_now_ns();
        for (size_t i = 0; i < BATCH; i++) {
            sc_book_on_depth(b, &s->msgs[k + i], &res[i]);
        }
        uint64_t t1 = sc_bench_now_ns();
        for (size_t i = 0; i < BATCH; i++) {
            bad += res[i] != SC_BOOK_APPLIED ? 1u : 0u;
        }
        ns[n++] = t1 - t0;
    }
    *n_samples = n;
    return bad;
}

static void report_book(sc_book *b, size_t bad) {
    sc_book_stats st;
    sc_book_get_stats(b, &st);
    printf("    diffs %llu, levels %llu, not applied %zu, recentres %llu, far overflows %llu, "
           "synced %s\n",
           (unsigned long long)st.diffs_applied, (unsigned long long)st.levels_applied, bad,
           (unsigned long long)st.recenters, (unsigned long long)st.far_overflows,
           sc_book_is_synced(b) ? "yes" : "NO");
}

static stream make_stream(uint64_t seed, size_t n_ops, const uint32_t *sizes, size_t n_msgs,
                          bool trend) {
    gen g = {.touch = START_TOUCH, .cap = n_ops + 4096};
    sc_rng_seed(&g.rng, seed);
    g.ops = need(calloc(g.cap, sizeof(*g.ops)));
    gen_stream(&g, n_ops, trend);
    stream s;
    build_msgs(&g, sizes, n_msgs, FIRST_U, &s);
    free(g.ops);
    return s;
}

static void bench_single(bool trend) {
    static uint32_t sizes[SINGLE_MSGS];
    for (size_t i = 0; i < SINGLE_MSGS; i++) {
        sizes[i] = 1;
    }
    stream s = make_stream(SEED, SINGLE_MSGS, sizes, SINGLE_MSGS, trend);
    uint64_t *ns = need(calloc(s.n_msgs, sizeof(*ns)));
    sc_book *b = make_book(FIRST_U, SEED, !trend);
    size_t bad = run_timed(b, &s, ns);
    print_q(trend ? "1-level diff, per call, trending:" : "1-level diff, per call:", ns, s.n_msgs,
            1.0);
    report_book(b, bad);
    sc_book_destroy(b);
    if (!trend) {
        b = make_book(FIRST_U, SEED, false);
        size_t n = 0;
        bad = run_batched(b, &s, ns, &n);
        print_q("1-level diff, amortized over 64:", ns, n, (double)BATCH);
        report_book(b, bad);
        sc_book_destroy(b);
    }
    free(ns);
    stream_free(&s);
}

static void bench_sized(const char *label, uint32_t lo, uint32_t hi, size_t n_msgs) {
    uint32_t *sizes = need(calloc(n_msgs, sizeof(*sizes)));
    sc_rng r;
    sc_rng_seed(&r, SEED + lo);
    size_t total = 0;
    for (size_t i = 0; i < n_msgs; i++) {
        sizes[i] = lo + (uint32_t)sc_rng_below(&r, hi - lo + 1);
        total += sizes[i];
    }
    stream s = make_stream(SEED + hi, total, sizes, n_msgs, false);
    uint64_t *ns = need(calloc(s.n_msgs, sizeof(*ns)));
    uint64_t *per_level = need(calloc(s.n_msgs, sizeof(*per_level)));
    sc_book *b = make_book(FIRST_U, SEED, false);
    size_t bad = run_timed(b, &s, ns);
    for (size_t k = 0; k < s.n_msgs; k++) {
        uint32_t n = s.msgs[k].n_bids + s.msgs[k].n_asks;
        per_level[k] = ns[k] * 16 / (n ? n : 1); /* 1/16 ns resolution */
    }
    char what[96];
    snprintf(what, sizeof(what), "%s, per message:", label);
    print_q(what, ns, s.n_msgs, 1.0);
    snprintf(what, sizeof(what), "%s, per level:", label);
    print_q(what, per_level, s.n_msgs, 16.0);
    report_book(b, bad);
    sc_book_destroy(b);
    free(per_level);
    free(ns);
    free(sizes);
    stream_free(&s);
}

static void bench_queries(void) {
    sc_book *b = make_book(FIRST_U, SEED, false);
    static uint64_t ns[QUERY_SAMPLES];
    static sc_level top[10];
    int64_t sink = 0;
    for (size_t k = 0; k < QUERY_SAMPLES; k++) {
        uint64_t t0 = sc_bench_now_ns();
        for (size_t i = 0; i < QUERY_BATCH; i++) {
            sc_level l = {{0}, {0}};
            sc_book_best(b, (sc_side)(i & 1), &l);
            sink += l.qty.steps;
        }
        ns[k] = sc_bench_now_ns() - t0;
    }
    print_q("best bid/ask query:", ns, QUERY_SAMPLES, (double)QUERY_BATCH);
    for (size_t k = 0; k < QUERY_SAMPLES; k++) {
        uint64_t t0 = sc_bench_now_ns();
        for (size_t i = 0; i < QUERY_BATCH / 10; i++) {
            uint32_t n = 0;
            sc_book_top(b, SC_SIDE_BUY, 10, top, &n);
            sink += top[n - 1].qty.steps;
        }
        ns[k] = sc_bench_now_ns() - t0;
    }
    print_q("top-10 query:", ns, QUERY_SAMPLES, (double)QUERY_BATCH / 10);
    printf("    (checksum %lld)\n", (long long)sink);
    sc_book_destroy(b);
}

int main(void) {
    sc_bench_print_machine();
    print_clock_overhead();
    bench_single(false);
    bench_sized("50-level diff", WIDE_LEVELS, WIDE_LEVELS, WIDE_MSGS);
    bench_sized("1..30-level diff", 1, MIXED_LEVELS_MAX, MIXED_MSGS);
    bench_queries();
    bench_single(true);
    return 0;
}
