#include "features_fixture.h"

#include "features/volume_profile.h"

#define S(x) ((sc_ns)(x)*SC_NS_PER_S)

static sc_volume_profile *vp_new(int64_t bt, uint32_t buckets, sc_ns w, uint32_t entries,
                                 uint32_t smooth, uint32_t nodes) {
    sc_volume_profile_config cfg = {.bucket_ticks = bt,
                                    .buckets = buckets,
                                    .window_ns = w,
                                    .entries_max = entries,
                                    .value_area = 0.70,
                                    .smooth_halfwidth = smooth,
                                    .nodes_max = nodes};
    sc_volume_profile *vp = NULL;
    assert_int_equal(sc_volume_profile_create(&cfg, &vp), SC_OK);
    return vp;
}

static void trade(sc_volume_profile *vp, sc_ns t, int64_t px, int64_t qty) {
    assert_int_equal(sc_volume_profile_add_trade(vp, t, (sc_px){px}, (sc_qty){qty}), SC_OK);
}

/* Buckets of 10 ticks, window 100 s. A zero-quantity trade at 0 starts the
 * clock; trades at 1..7 s put (bucket: qty) 100:5, 101:10, 102:30, 103:20,
 * 104:25, 105:5, 106:5 (total 100); the last price goes back to 1025.
 *   POC = 102 (30) -> 1020.
 *   VA, target 0.7 * 100 = 70: start 30; above pair 103+104 = 45, below
 *   pair 101+100 = 15 -> above: 75 >= 70, stop. VA = [1020, 1050), 75.
 *   Nodes, w = 0 (s = h), over 99..107: 0 5 10 30 20 25 5 5 0.
 *   HVN: 30 (10 < 30 > 20) at 102, 25 (20 < 25 > 5) at 104.
 *   LVN: 20 (30 > 20 < 25) at 103. The plateau 5 5 has 25 > 5 > 0: none.
 *   w = 1: s(99..107) = 5 15 45 60 75 50 35 10 5 -> one HVN at 103. */
static void hand_trades(sc_volume_profile *vp) {
    trade(vp, S(0), 1000, 0);
    const int64_t px[] = {1005, 1015, 1025, 1035, 1045, 1055, 1065, 1025};
    const int64_t qty[] = {5, 10, 30, 20, 25, 5, 5, 0};
    for (int i = 0; i < 8; i++) {
        trade(vp, S(1 + i), px[i], qty[i]);
    }
}

static void test_volume_profile_by_hand(void **state) {
    (void)state;
    sc_volume_profile *vp = vp_new(10, 16, S(100), 64, 0, 4);
    sc_volume_profile_value v;
    hand_trades(vp);
    assert_false(sc_volume_profile_get(vp, &v)); /* 100 s not yet covered */
    assert_int_equal(sc_volume_profile_advance(vp, S(100)), SC_OK);
    assert_true(sc_volume_profile_get(vp, &v));
    assert_int_equal(v.poc.ticks, 1020);
    assert_int_equal(v.poc_qty.steps, 30);
    assert_int_equal(v.va_low.ticks, 1020);
    assert_int_equal(v.va_high.ticks, 1050);
    assert_int_equal(v.va_qty.steps, 75);
    assert_int_equal(v.total_qty.steps, 100);
    assert_int_equal(v.overflow_below_qty.steps + v.overflow_above_qty.steps, 0);
    assert_int_equal(v.n_hvn, 2);
    assert_int_equal(v.hvn[0].ticks, 1020);
    assert_int_equal(v.hvn[1].ticks, 1040);
    assert_int_equal(v.n_lvn, 1);
    assert_int_equal(v.lvn[0].ticks, 1030);
    /* At 102 the trades at 1 and 2 s have left: 85 left, f = 102, so the
     * VA (target 59.5) can only grow upwards: 30 + 45 = 75. */
    assert_int_equal(sc_volume_profile_advance(vp, S(102)), SC_OK);
    assert_true(sc_volume_profile_get(vp, &v));
    assert_int_equal(v.total_qty.steps, 85);
    assert_int_equal(v.va_low.ticks, 1020);
    assert_int_equal(v.va_high.ticks, 1050);
    sc_volume_profile_destroy(vp);

    vp = vp_new(10, 16, S(100), 64, 1, 4);
    hand_trades(vp);
    assert_int_equal(sc_volume_profile_advance(vp, S(100)), SC_OK);
    assert_true(sc_volume_profile_get(vp, &v));
    assert_int_equal(v.n_hvn, 1);
    assert_int_equal(v.hvn[0].ticks, 1030);
    assert_int_equal(v.n_lvn, 0);
    sc_volume_profile_destroy(vp);
}

/* POC ties: 100 and 104 both hold 10. Last price 1041 (in 104): 104.
 * Last price 1025 (centre of 102): centres 1005 and 1045 are both 20 ticks
 * away, so the lower bucket, 100, wins. */
static void test_volume_profile_poc_tie(void **state) {
    (void)state;
    for (int k = 0; k < 2; k++) {
        sc_volume_profile *vp = vp_new(10, 16, S(10), 8, 0, 0);
        trade(vp, S(0), 1000, 0);
        trade(vp, S(1), 1005, 10);
        trade(vp, S(2), 1045, 10);
        trade(vp, S(3), k == 0 ? 1041 : 1025, 0);
        assert_int_equal(sc_volume_profile_advance(vp, S(10)), SC_OK);
        sc_volume_profile_value v;
        assert_true(sc_volume_profile_get(vp, &v));
        assert_int_equal(v.poc.ticks, k == 0 ? 1040 : 1000);
        assert_int_equal(v.n_hvn + v.n_lvn, 0); /* nodes_max 0 */
        sc_volume_profile_destroy(vp);
    }
}

/* A grid of 8 buckets re-centres on the last price; volume outside it is
 * counted in the overflows, and comes back when the price does. */
static void test_volume_profile_overflow(void **state) {
    (void)state;
    sc_volume_profile *vp = vp_new(10, 8, S(10), 8, 0, 2);
    sc_volume_profile_value v;
    trade(vp, S(0), 1000, 7); /* b100 */
    trade(vp, S(1), 2000, 3); /* b200: grid moves, 7 below */
    trade(vp, S(2), 3000, 0); /* grid at b300: 10 below */
    assert_int_equal(sc_volume_profile_advance(vp, S(10)), SC_OK);
    assert_false(sc_volume_profile_get(vp, &v)); /* nothing in the grid */
    trade(vp, S(10), 3005, 1);                   /* (the trade at 0 left at 10) */
    assert_true(sc_volume_profile_get(vp, &v));
    assert_int_equal(v.total_qty.steps, 1);
    assert_int_equal(v.overflow_below_qty.steps, 3);
    assert_int_equal(v.overflow_above_qty.steps, 0);
    trade(vp, S(10), 2001, 0); /* back to b200: b300 above */
    assert_true(sc_volume_profile_get(vp, &v));
    assert_int_equal(v.total_qty.steps, 3);
    assert_int_equal(v.poc.ticks, 2000);
    assert_int_equal(v.overflow_above_qty.steps, 1);
    assert_int_equal(v.overflow_below_qty.steps, 0);
    sc_volume_profile_destroy(vp);
}

/* Entry limit 2: the third trade is lost (SC_ERR_FULL); the profile is not
 * ready until its time (3 s) has left the window. */
static void test_volume_profile_limit_and_order(void **state) {
    (void)state;
    sc_volume_profile *vp = vp_new(10, 8, S(10), 2, 0, 2);
    sc_volume_profile_value v;
    trade(vp, S(0), 1000, 0);
    trade(vp, S(1), 1000, 1);
    trade(vp, S(2), 1000, 1);
    assert_int_equal(sc_volume_profile_add_trade(vp, S(3), (sc_px){1000}, (sc_qty){1}),
                     SC_ERR_FULL);
    trade(vp, S(12), 1000, 2);
    assert_false(sc_volume_profile_get(vp, &v)); /* 3 > 12 - 10 */
    assert_int_equal(sc_volume_profile_advance(vp, S(13)), SC_OK);
    assert_true(sc_volume_profile_get(vp, &v));
    assert_int_equal(v.total_qty.steps, 2);
    /* Order and kinds: no going back in time, no bars into a trade profile,
     * no bad values; none of these changes anything. */
    assert_int_equal(sc_volume_profile_add_trade(vp, S(12), (sc_px){1000}, (sc_qty){1}),
                     SC_ERR_STATE);
    assert_int_equal(sc_volume_profile_advance(vp, S(12)), SC_ERR_STATE);
    assert_int_equal(
        sc_volume_profile_add_bar(vp, S(14), (sc_px){1}, (sc_px){1}, (sc_px){1}, (sc_qty){1}),
        SC_ERR_STATE);
    assert_int_equal(sc_volume_profile_add_trade(vp, S(14), (sc_px){0}, (sc_qty){1}), SC_ERR_RANGE);
    assert_int_equal(sc_volume_profile_add_trade(vp, S(14), (sc_px){1000}, (sc_qty){-1}),
                     SC_ERR_RANGE);
    assert_true(sc_volume_profile_get(vp, &v));
    assert_int_equal(v.total_qty.steps, 2);
    sc_volume_profile_destroy(vp);
}

/* Bars, window 120 s: the typical price is floored to its bucket exactly
 * in ticks: (1009 + 1000 + 1001) / 3 = 1003.33 -> b100; (1012 + 1008 +
 * 1010) / 3 = 1010 exactly -> b101 (an edge belongs to the bucket above);
 * (1005 + 1000 + 1003) / 3 = 1002.67 -> b100. A bar enters at its end
 * time; the same end time twice is refused. At 180 the window (60, 180]
 * holds the bars ending at 120 (b101: 6) and 180 (b100: 3): POC 1010;
 * VA target 6.3 > 6, nothing above, so b100 joins: [1000, 1020), 9. */
static void test_volume_profile_bars(void **state) {
    (void)state;
    sc_volume_profile *vp = vp_new(10, 16, S(120), 8, 0, 2);
    sc_volume_profile_value v;
    assert_int_equal(sc_volume_profile_add_bar(vp, S(60), (sc_px){1009}, (sc_px){1000},
                                               (sc_px){1001}, (sc_qty){4}),
                     SC_OK);
    assert_int_equal(sc_volume_profile_add_bar(vp, S(120), (sc_px){1012}, (sc_px){1008},
                                               (sc_px){1010}, (sc_qty){6}),
                     SC_OK);
    assert_int_equal(sc_volume_profile_add_bar(vp, S(120), (sc_px){1012}, (sc_px){1008},
                                               (sc_px){1010}, (sc_qty){6}),
                     SC_ERR_STATE);
    assert_false(sc_volume_profile_get(vp, &v)); /* 60 s of 120 covered */
    assert_int_equal(sc_volume_profile_add_bar(vp, S(180), (sc_px){1005}, (sc_px){1000},
                                               (sc_px){1003}, (sc_qty){3}),
                     SC_OK);
    assert_true(sc_volume_profile_get(vp, &v));
    assert_int_equal(v.poc.ticks, 1010);
    assert_int_equal(v.total_qty.steps, 9);
    assert_int_equal(v.va_low.ticks, 1000);
    assert_int_equal(v.va_high.ticks, 1020);
    assert_int_equal(v.va_qty.steps, 9);
    sc_volume_profile_config bad = {
        .bucket_ticks = 0, .buckets = 16, .window_ns = 1, .entries_max = 1, .value_area = 0.7};
    sc_volume_profile *x = NULL;
    assert_int_equal(sc_volume_profile_create(&bad, &x), SC_ERR_INVALID_ARG);
    bad.bucket_ticks = 1;
    bad.value_area = 1.5;
    assert_int_equal(sc_volume_profile_create(&bad, &x), SC_ERR_INVALID_ARG);
    bad.value_area = 0.7;
    bad.buckets = 4;
    assert_int_equal(sc_volume_profile_create(&bad, &x), SC_ERR_INVALID_ARG);
    sc_volume_profile_destroy(NULL);
    sc_volume_profile_destroy(vp);
}

/* Reference for the real series: the same definitions, written plainly
 * over a histogram of absolute buckets covering the whole series (no grid,
 * no overflow, no streaming), recomputed from scratch at every bar. */
enum { REF_NODES = 8, REF_SMOOTH = 2, REF_PAD = 8 };

typedef struct {
    int64_t poc, va_lo, va_hi, va_qty, total;
    uint32_t n_hvn, n_lvn;
    int64_t hvn[REF_NODES], lvn[REF_NODES];
} ref_profile;

typedef struct {
    const int64_t *h; /* h[i] = volume of bucket i, 0 <= i < n */
    int64_t n;
    int64_t bt;
    int64_t minb; /* absolute bucket of h[0] */
    int64_t last_px;
} ref_hist;

static int64_t ref_h(const ref_hist *r, int64_t i) {
    return i < 0 || i >= r->n ? 0 : r->h[i];
}

static int64_t ref_dist(const ref_hist *r, int64_t i) {
    int64_t d = 2 * (r->minb + i) * r->bt + r->bt - 2 * r->last_px;
    return d < 0 ? -d : d;
}

static int64_t ref_sum(const ref_hist *r, int64_t a, int64_t b) {
    int64_t s = 0;
    for (int64_t i = a; i <= b; i++) {
        s += ref_h(r, i);
    }
    return s;
}

static void ref_value_area(const ref_hist *r, int64_t f, int64_t l, ref_profile *out) {
    int64_t lo = out->poc;
    int64_t hi = out->poc;
    int64_t in = r->h[out->poc];
    while ((double)in < 0.70 * (double)out->total) {
        int64_t up = hi < l ? ref_sum(r, hi + 1, hi + 2 < l ? hi + 2 : l) : -1;
        int64_t down = lo > f ? ref_sum(r, lo - 2 > f ? lo - 2 : f, lo - 1) : -1;
        if (up < 0 && down < 0) {
            break;
        }
        if (up >= 0 && up >= down) {
            hi = hi + 2 < l ? hi + 2 : l;
            in += up;
        } else {
            lo = lo - 2 > f ? lo - 2 : f;
            in += down;
        }
    }
    out->va_lo = lo;
    out->va_hi = hi;
    out->va_qty = in;
}

/* Keeps the REF_NODES strongest of (idx, s) pairs, then orders by price. */
static uint32_t ref_pick(int64_t *idx, int64_t *s, uint32_t n, bool high, int64_t *out) {
    for (uint32_t a = 0; a < n; a++) { /* selection sort: strongest first */
        uint32_t best = a;
        for (uint32_t b = a + 1; b < n; b++) {
            bool better = high ? s[b] > s[best] : s[b] < s[best];
            if (better || (s[b] == s[best] && idx[b] < idx[best])) {
                best = b;
            }
        }
        int64_t t = idx[a];
        idx[a] = idx[best];
        idx[best] = t;
        t = s[a];
        s[a] = s[best];
        s[best] = t;
    }
    uint32_t k = n < REF_NODES ? n : REF_NODES;
    for (uint32_t a = 0; a < k; a++) {
        out[a] = idx[a];
    }
    for (uint32_t a = 0; a < k; a++) { /* then by price */
        for (uint32_t b = a + 1; b < k; b++) {
            if (out[b] < out[a]) {
                int64_t t = out[a];
                out[a] = out[b];
                out[b] = t;
            }
        }
    }
    return k;
}

static void ref_nodes(const ref_hist *r, int64_t f, int64_t l, ref_profile *out) {
    int64_t a0 = f - REF_SMOOTH - 1;
    int64_t len = (l + REF_SMOOTH + 1) - a0 + 1;
    int64_t *s = calloc((size_t)len, sizeof(int64_t));
    int64_t *ci = calloc((size_t)len, sizeof(int64_t));
    int64_t *cs = calloc((size_t)len, sizeof(int64_t));
    int64_t *di = calloc((size_t)len, sizeof(int64_t));
    int64_t *ds = calloc((size_t)len, sizeof(int64_t));
    assert_true(s && ci && cs && di && ds);
    for (int64_t k = 0; k < len; k++) {
        s[k] = ref_sum(r, a0 + k - REF_SMOOTH, a0 + k + REF_SMOOTH);
    }
    uint32_t nh = 0;
    uint32_t nl = 0;
    for (int64_t a = 0; a < len;) {
        int64_t b = a;
        while (b + 1 < len && s[b + 1] == s[a]) {
            b++;
        }
        if (a > 0 && b < len - 1) {
            int64_t mid = a0 + a + (b - a) / 2;
            mid = mid < f ? f : mid > l ? l : mid;
            if (s[a - 1] < s[a] && s[b + 1] < s[a]) {
                ci[nh] = mid;
                cs[nh++] = s[a];
            } else if (s[a - 1] > s[a] && s[b + 1] > s[a]) {
                di[nl] = mid;
                ds[nl++] = s[a];
            }
        }
        a = b + 1;
    }
    out->n_hvn = ref_pick(ci, cs, nh, true, out->hvn);
    out->n_lvn = ref_pick(di, ds, nl, false, out->lvn);
    free(ds);
    free(di);
    free(cs);
    free(ci);
    free(s);
}

static void ref_compute(const ref_hist *r, ref_profile *out) {
    int64_t f = -1;
    int64_t l = -1;
    out->total = 0;
    out->poc = -1;
    for (int64_t i = 0; i < r->n; i++) {
        if (r->h[i] == 0) {
            continue;
        }
        f = f < 0 ? i : f;
        l = i;
        out->total += r->h[i];
        if (out->poc < 0 || r->h[i] > r->h[out->poc] ||
            (r->h[i] == r->h[out->poc] && ref_dist(r, i) < ref_dist(r, out->poc))) {
            out->poc = i;
        }
    }
    assert_true(out->poc >= 0);
    ref_value_area(r, f, l, out);
    ref_nodes(r, f, l, out);
}

static void vp_check(const sc_volume_profile_value *v, const ref_profile *want, const ref_hist *r,
                     size_t i) {
    int64_t bt = r->bt;
    if (v->poc.ticks != (r->minb + want->poc) * bt || v->va_qty.steps != want->va_qty ||
        v->va_low.ticks != (r->minb + want->va_lo) * bt ||
        v->va_high.ticks != (r->minb + want->va_hi + 1) * bt || v->total_qty.steps != want->total ||
        v->n_hvn != want->n_hvn || v->n_lvn != want->n_lvn) {
        fail_msg("profile differs at bar %zu: poc %lld/%lld va %lld-%lld/%lld-%lld nodes "
                 "%u,%u/%u,%u",
                 i, (long long)v->poc.ticks, (long long)((r->minb + want->poc) * bt),
                 (long long)v->va_low.ticks, (long long)v->va_high.ticks,
                 (long long)((r->minb + want->va_lo) * bt),
                 (long long)((r->minb + want->va_hi + 1) * bt), v->n_hvn, v->n_lvn, want->n_hvn,
                 want->n_lvn);
    }
    for (uint32_t k = 0; k < v->n_hvn; k++) {
        assert_int_equal(v->hvn[k].ticks, (r->minb + want->hvn[k]) * bt);
    }
    for (uint32_t k = 0; k < v->n_lvn; k++) {
        assert_int_equal(v->lvn[k].ticks, (r->minb + want->lvn[k]) * bt);
    }
}

/* Real 1m bars, 4 h window, $5 buckets. A 4096-bucket grid (+-$10k) holds
 * the whole series' range, so it must equal the reference exactly; a
 * 16-bucket grid overflows often, and must still account for every step. */
static void test_volume_profile_real_series(void **state) {
    (void)state;
    size_t n = 0;
    fx_bar *bars = fx_load_klines(&n);
    const int64_t bt = 50;
    const sc_ns w = 4 * 60 * SC_NS_PER_MIN;
    sc_volume_profile *vp = vp_new(bt, 4096, w, 512, REF_SMOOTH, REF_NODES);
    sc_volume_profile *small = vp_new(bt, 16, w, 512, REF_SMOOTH, REF_NODES);
    int64_t minb = INT64_MAX;
    int64_t maxb = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t b =
            (bars[i].high_px.ticks + bars[i].low_px.ticks + bars[i].close_px.ticks) / (3 * bt);
        minb = b < minb ? b : minb;
        maxb = b > maxb ? b : maxb;
    }
    assert_true(n > 0 && minb <= maxb);
    minb -= REF_PAD;
    int64_t nb = maxb + REF_PAD - minb + 1;
    enum { REF_BUCKETS_MAX = 1 << 24 }; /* bounds the reference histogram */
    if (nb <= 0 || nb > REF_BUCKETS_MAX) {
        fail_msg("reference histogram of %lld buckets is out of bounds", (long long)nb);
        return;
    }
    int64_t *h = calloc((size_t)nb, sizeof(int64_t));
    assert_non_null(h);
    size_t j0 = 0;
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        const fx_bar *b = &bars[i];
        assert_int_equal(sc_volume_profile_add_bar(vp, b->end_ns, b->high_px, b->low_px,
                                                   b->close_px, b->volume_qty),
                         SC_OK);
        assert_int_equal(sc_volume_profile_add_bar(small, b->end_ns, b->high_px, b->low_px,
                                                   b->close_px, b->volume_qty),
                         SC_OK);
        while (bars[j0].end_ns <= b->end_ns - w) {
            j0++;
        }
        for (int64_t k = 0; k < nb; k++) {
            h[k] = 0;
        }
        int64_t window_total = 0;
        for (size_t j = j0; j <= i; j++) {
            const fx_bar *c = &bars[j];
            h[(c->high_px.ticks + c->low_px.ticks + c->close_px.ticks) / (3 * bt) - minb] +=
                c->volume_qty.steps;
            window_total += c->volume_qty.steps;
        }
        sc_volume_profile_value v;
        bool ready = sc_volume_profile_get(vp, &v);
        assert_int_equal(ready, b->end_ns - bars[0].end_ns >= w && window_total > 0);
        if (!ready) {
            continue;
        }
        ref_hist r = {.h = h, .n = nb, .bt = bt, .minb = minb, .last_px = b->close_px.ticks};
        ref_profile want;
        ref_compute(&r, &want);
        vp_check(&v, &want, &r, i);
        checked++;
        sc_volume_profile_value sv;
        if (sc_volume_profile_get(small, &sv)) {
            assert_int_equal(sv.total_qty.steps + sv.overflow_below_qty.steps +
                                 sv.overflow_above_qty.steps,
                             window_total);
        }
    }
    assert_true(checked > n - 300);
    free(h);
    sc_volume_profile_destroy(small);
    sc_volume_profile_destroy(vp);
    free(bars);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_volume_profile_by_hand),
        cmocka_unit_test(test_volume_profile_poc_tie),
        cmocka_unit_test(test_volume_profile_overflow),
        cmocka_unit_test(test_volume_profile_limit_and_order),
        cmocka_unit_test(test_volume_profile_bars),
        cmocka_unit_test(test_volume_profile_real_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
