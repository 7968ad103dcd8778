/* market_sim.c: the seeded session generator (see market_sim.h).
 *
 * Calibration (measured on the real USD-M BTCUSDT captures in
 * ../shared/data/binance_ws_capture_hftbacktest/usdm, with a python script
 * over `zstd -dc`; spreads from bookTicker, volatility of log(mid) sampled
 * at the last bookTicker of each exchange second):
 *
 *                             20230405  20240719  20240808
 *   seconds                   415       301       345
 *   spread ticks med/p90/p99  1/1/1     1/1/5     1/1/29
 *   spread 1-tick share       0.992     0.975     0.942
 *   trade qty steps med       12        13        16
 *   trade qty steps p90       212       230       265
 *   trade qty steps p99       1212      1673      1146
 *   trades /s                 25.9      32.3      61.8
 *   depth diffs /s            28.4      18.9      19.0
 *   bookTicker /s             90.3      150.1     191.7
 *   levels/diff med/p90/mean  15/37/22  30/106/57 34/142/68
 *   u jump med/p90            1122/2027 2924/6328 3125/7039
 *   1 s return vol, bps       0.37      0.60      1.21
 *
 * Defaults taken from them: spread one tick 97 % of the time (mean share),
 * else 2 + geometric; trade size log-normal with median 14 steps and
 * sigma 2.0 of ln (p90 ~ 182, p99 ~ 1460); 40 trades/s; 22 diffs/s; 40 levels
 * per diff (mean of the 2024 means and the 2023 one, rounded); u jumps
 * log-normal with median 2900; 1 s volatility 0.7 bps averaged over the
 * regimes. A bookTicker follows every diff: the real stream sends 90-190 a
 * second, more than the diffs, but a simulated bookTicker has to carry a
 * diff's u for the BBO check to mean anything, so its rate is the diff rate.
 *
 * The book is a dense array of quantities per side over a window of
 * WINDOW_TICKS around the start price (index = price - base). Each side
 * holds levels only within BAND_TICKS of its touch (levels that fall out of
 * the band are deleted in the next diff), so the 1000-level snapshot always
 * carries the whole near book and a replayer's book equals ours. A few
 * far-away levels (a bid at 1000.00, as in the real stream) live outside the
 * window; they change now and then and never reach the snapshot.
 * Every changed level is marked dirty; a step sends them all in one diff.
 */
#include "engine/market_sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "core/fixed.h"
#include "core/instrument.h"
#include "core/rng.h"

enum {
    WINDOW_TICKS = 1 << 19,   /* dense book window; 52 k USDT at tick 0.10 */
    BAND_TICKS = 999,         /* levels kept behind each touch: <= 1000 levels */
    MOVE_MAX_TICKS = 2000,    /* most a touch moves in one step (a crash takes several) */
    SPREAD_MAX_TICKS = 500,   /* widest spread drawn */
    TRADES_STEP_MAX = 64,     /* trades in one step; more are not drawn */
    CHURN_STEP_MAX = 1000,    /* random level changes in one step */
    FAR_LEVELS = 3,           /* far-away levels outside the window */
    SNAPSHOT_LEVELS = 1000,   /* per side, as the REST limit=1000 */
    SNAPSHOT_AFTER_DIFFS = 3, /* the snapshot is taken at this diff, sent after the next */
    RESYNC_AFTER_DIFFS = 10,  /* after the gap stress, a new snapshot this many diffs later */
    EDGE_MARGIN_TICKS = BAND_TICKS + MOVE_MAX_TICKS + SPREAD_MAX_TICKS + 100,
    DIFF_SIDE_MAX = 12288, /* dirty levels per side in one diff */
    LEVEL_TEXT_MAX = 48,   /* ["123456.70","123456.789"], */
    LINE_CAP = 2 * DIFF_SIDE_MAX * LEVEL_TEXT_MAX + 1024,
    SNAP_CAP = 2 * SNAPSHOT_LEVELS * LEVEL_TEXT_MAX + 1024,
    QTY_MAX_STEPS = 2000000, /* 2000 BTC on one level */
    CRASH_MS = 600,
    CRASH_BLOWOUT_MS = 3000,
    PX_MIN_TICKS = 400000, /* 40 000 USDT */
    PX_MAX_TICKS = 2000000 /* 200 000 USDT */
};

/* Per side per step: deletions inside the move, inward fill, band prune and
 * band fill, churn and trades must fit one diff. */
_Static_assert(3 * (MOVE_MAX_TICKS + SPREAD_MAX_TICKS) + BAND_TICKS + CHURN_STEP_MAX +
                       TRADES_STEP_MAX <
                   DIFF_SIDE_MAX,
               "dirty levels of one step fit a diff");
_Static_assert(BAND_TICKS + 1 <= SNAPSHOT_LEVELS, "the snapshot carries the whole band");
_Static_assert((WINDOW_TICKS / 2) > PX_MAX_TICKS / 10 + EDGE_MARGIN_TICKS,
               "a 10.5 % crash stays inside the window");

#define CRASH_DROP 0.105
#define LEVEL_QTY_MEDIAN 150.0
#define TOUCH_QTY_MEDIAN 1500.0
#define CHURN_OFFSET_MEAN_TICKS 30.0
#define CHURN_DELETE_P 0.35
#define FILL_P 0.6
#define FAR_CHANGE_P 0.01
#define UJUMP_MEDIAN 2900.0
#define RANGE_REVERT_S 10.0
#define TREND_DRIFT_BPS_S 0.4

typedef enum { BID = 0, ASK = 1 } side_ix;

struct sc_market_sim {
    sc_market_sim_config cfg;
    const sc_instrument *ins;
    sc_rng rng;
    int64_t base_ticks;     /* price of index 0 */
    int32_t *qty[2];        /* per side, per index, steps */
    uint8_t *dirty[2];      /* 1 when the level is in dirty_list */
    int32_t *dirty_list[2]; /* indices changed since the last diff */
    uint32_t dirty_n[2];    /* entries in dirty_list */
    int32_t touch[2];       /* index of the best bid / ask */
    int64_t far_px[FAR_LEVELS];
    int32_t far_qty[FAR_LEVELS];
    bool far_dirty[FAR_LEVELS];
    double fair_ticks;    /* the walk the touches follow */
    double anchor_ticks;  /* range regime pulls towards it */
    double drift_ticks_s; /* trend regime */
    sc_market_sim_regime regime;
    int64_t t_ms; /* exchange time now */
    int64_t end_ms;
    int64_t next_sec_ms; /* next whole second of per-second work */
    int64_t crash_ms, freeze_from_ms, freeze_to_ms, blow_from_ms, blow_to_ms, gap_ms;
    double crash_from_ticks; /* the fair price at the crash start; 0 before */
    bool crash_done, gap_done, done;
    uint32_t snap_countdown; /* diffs until the snapshot is taken; 0 none */
    bool snap_pending;       /* taken; sent after the next diff */
    int64_t trade_id;
    char *line;
    char *snap;
    size_t snap_len;
    sc_market_sim_stats st;
};

/* ---- text buffer ------------------------------------------------------- */

typedef struct {
    char *p;
    size_t len;
    size_t cap;
} sbuf;

static void sb_raw(sbuf *b, const char *s, size_t n) {
    SC_ASSERT(b->len + n < b->cap); /* the caps are sized by the limits above */
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void sb_str(sbuf *b, const char *s) {
    sb_raw(b, s, strlen(s));
}

static void sb_i64(sbuf *b, int64_t v) {
    char t[32];
    int n = snprintf(t, sizeof(t), "%lld", (long long)v);
    SC_ASSERT(n > 0 && (size_t)n < sizeof(t));
    sb_raw(b, t, (size_t)n);
}

static void sb_px(sbuf *b, const sc_instrument *ins, int64_t ticks) {
    char t[SC_DEC_TEXT_MAX];
    int n = sc_px_format(ins, (sc_px){ticks}, t, sizeof(t));
    SC_ASSERT(n > 0);
    sb_raw(b, t, (size_t)n);
}

static void sb_qty(sbuf *b, const sc_instrument *ins, int64_t steps) {
    char t[SC_DEC_TEXT_MAX];
    int n = sc_qty_format(ins, (sc_qty){steps}, t, sizeof(t));
    SC_ASSERT(n > 0);
    sb_raw(b, t, (size_t)n);
}

static void sb_money(sbuf *b, int64_t e8) {
    char t[SC_DEC_TEXT_MAX];
    int n = sc_dec_format(e8, 8, 8, t, sizeof(t));
    SC_ASSERT(n > 0);
    sb_raw(b, t, (size_t)n);
}

static void sb_level(sbuf *b, const sc_instrument *ins, int64_t px, int64_t qty, bool comma) {
    sb_str(b, comma ? ",[\"" : "[\"");
    sb_px(b, ins, px);
    sb_str(b, "\",\"");
    sb_qty(b, ins, qty);
    sb_str(b, "\"]");
}

/* ---- random draws ------------------------------------------------------ */

static double unit_open(sc_rng *r) {
    return (sc_rng_unit(r) + 0x1p-54); /* (0, 1): safe for log */
}

static double normal(sc_rng *r) {
    double u1 = unit_open(r);
    double u2 = sc_rng_unit(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static double lognormal(sc_rng *r, double median, double sigma) {
    return median * exp(sigma * normal(r));
}

static double expo(sc_rng *r, double mean) {
    return -log(unit_open(r)) * mean;
}

static int32_t level_qty(sc_rng *r, double median) {
    double q = lognormal(r, median, 1.3);
    if (q < 1.0) {
        q = 1.0;
    }
    if (q > (double)QTY_MAX_STEPS) {
        q = (double)QTY_MAX_STEPS;
    }
    return (int32_t)q;
}

/* Poisson by inversion, capped at TRADES_STEP_MAX. */
static uint32_t poisson(sc_rng *r, double mean) {
    SC_ASSERT(mean >= 0.0);
    double p = exp(-mean), cdf = p, u = sc_rng_unit(r);
    uint32_t k = 0;
    while (u > cdf && k < TRADES_STEP_MAX) {
        k++;
        p *= mean / (double)k;
        cdf += p;
    }
    return k;
}

/* ---- the book ---------------------------------------------------------- */

static void set_level(sc_market_sim *s, side_ix sd, int32_t i, int32_t q) {
    SC_ASSERT(i >= 0 && i < WINDOW_TICKS);
    SC_ASSERT(q >= 0 && q <= QTY_MAX_STEPS);
    s->qty[sd][i] = q;
    if (!s->dirty[sd][i]) {
        SC_ASSERT(s->dirty_n[sd] < DIFF_SIDE_MAX);
        s->dirty[sd][i] = 1;
        s->dirty_list[sd][s->dirty_n[sd]++] = i;
    }
}

static void clear_level(sc_market_sim *s, side_ix sd, int32_t i) {
    if (s->qty[sd][i] != 0) {
        set_level(s, sd, i, 0);
    }
}

/* The side's direction away from the touch: bids go down, asks up. */
static int32_t away(side_ix sd) {
    return sd == BID ? -1 : 1;
}

static void fill_range(sc_market_sim *s, side_ix sd, int32_t lo, int32_t hi) {
    for (int32_t i = lo; i <= hi; i++) {
        if (s->qty[sd][i] == 0 && sc_rng_unit(&s->rng) < FILL_P) {
            set_level(s, sd, i, level_qty(&s->rng, LEVEL_QTY_MEDIAN));
        }
    }
}

static void clear_range(sc_market_sim *s, side_ix sd, int32_t lo, int32_t hi) {
    for (int32_t i = lo; i <= hi; i++) {
        clear_level(s, sd, i);
    }
}

/* Moves one side's touch to t (the other side already cleared of anything
 * that would cross): deletes what is now inside the spread, fills towards
 * the book's inside, keeps the band [t - BAND, t] (bids) filled and pruned. */
static void move_touch(sc_market_sim *s, side_ix sd, int32_t t) {
    int32_t old = s->touch[sd];
    int32_t a = away(sd);
    int32_t old_edge = old + a * BAND_TICKS, new_edge = t + a * BAND_TICKS;
    if (sd == BID) {
        if (t > old) {
            fill_range(s, sd, (old + 1 > new_edge ? old + 1 : new_edge), t - 1);
        }
        clear_range(s, sd, old_edge, (new_edge - 1 < old ? new_edge - 1 : old));
        fill_range(s, sd, new_edge, (old_edge - 1 < t - 1 ? old_edge - 1 : t - 1));
    } else {
        if (t < old) {
            fill_range(s, sd, t + 1, (old - 1 < new_edge ? old - 1 : new_edge));
        }
        clear_range(s, sd, (new_edge + 1 > old ? new_edge + 1 : old), old_edge);
        fill_range(s, sd, (old_edge + 1 > t + 1 ? old_edge + 1 : t + 1), new_edge);
    }
    if (s->qty[sd][t] == 0) {
        set_level(s, sd, t, level_qty(&s->rng, TOUCH_QTY_MEDIAN));
    }
    s->touch[sd] = t;
}

/* Places the touches at bid index b and ask index a (b < a). */
static void set_touches(sc_market_sim *s, int32_t b, int32_t a) {
    SC_ASSERT(b < a);
    SC_ASSERT(b - BAND_TICKS >= 0 && a + BAND_TICKS < WINDOW_TICKS);
    /* Remove what would cross first, then move. */
    if (b < s->touch[BID]) {
        clear_range(s, BID, b + 1, s->touch[BID]);
    }
    if (a > s->touch[ASK]) {
        clear_range(s, ASK, s->touch[ASK], a - 1);
    }
    move_touch(s, BID, b);
    move_touch(s, ASK, a);
    SC_ASSERT(s->qty[BID][s->touch[BID]] > 0 && s->qty[ASK][s->touch[ASK]] > 0);
    SC_ASSERT(s->touch[BID] < s->touch[ASK]);
}

/* After the touch level emptied: the next level outwards inside the band,
 * or a fresh touch level when the band is empty. */
static void touch_emptied(sc_market_sim *s, side_ix sd) {
    int32_t t = s->touch[sd], a = away(sd);
    for (int32_t k = 1; k <= BAND_TICKS; k++) {
        int32_t i = t + a * k;
        if (s->qty[sd][i] > 0) {
            s->touch[sd] = i;
            return;
        }
    }
    set_level(s, sd, t, level_qty(&s->rng, TOUCH_QTY_MEDIAN));
}

/* ---- lines ------------------------------------------------------------- */

/* Local receive time: the exchange time plus 0.5..3 ms, never going back. */
static sc_err emit_line(sc_market_sim *s, sc_market_sim_emit_fn emit, void *ctx, int64_t e_ms,
                        const char *json, size_t len) {
    SC_ASSERT(len > 0 && json[0] == '{');
    sc_ns t = e_ms * SC_NS_PER_MS + 500 * SC_NS_PER_US +
              (sc_ns)sc_rng_below(&s->rng, 2500) * SC_NS_PER_US;
    if (t <= s->st.last_local_ns) {
        t = s->st.last_local_ns + SC_NS_PER_US;
    }
    s->st.last_local_ns = t;
    s->st.lines++;
    return emit(ctx, t, json, len);
}

static sbuf line_start(sc_market_sim *s, const char *stream, const char *event, int64_t e_ms) {
    sbuf b = {s->line, 0, LINE_CAP};
    sb_str(&b, "{\"stream\":\"");
    sb_str(&b, s->ins->stream_prefix);
    sb_str(&b, stream);
    sb_str(&b, "\",\"data\":{\"e\":\"");
    sb_str(&b, event);
    sb_str(&b, "\",\"E\":");
    sb_i64(&b, e_ms);
    return b;
}

static bool frozen_at(const sc_market_sim *s, int64_t ms) {
    return ms >= s->freeze_from_ms && ms < s->freeze_to_ms;
}

static int64_t tick_e8(const sc_market_sim *s) {
    int64_t e8 = s->ins->tick_units;
    for (int k = s->ins->px_scale; k < 8; k++) {
        e8 *= 10;
    }
    return e8;
}

static sc_err send_mark(sc_market_sim *s, sc_market_sim_emit_fn emit, void *ctx, int64_t e_ms) {
    int64_t half_tick_e8 = tick_e8(s) / 2;
    int64_t mid_x2 = 2 * s->base_ticks + s->touch[BID] + s->touch[ASK];
    int64_t mark = mid_x2 * half_tick_e8 + (int64_t)(normal(&s->rng) * 0.3 * (double)tick_e8(s));
    int64_t index = mark - 2 * tick_e8(s) + (int64_t)(normal(&s->rng) * (double)tick_e8(s));
    const int64_t funding_ms = 8 * 3600 * 1000;
    sbuf b = line_start(s, "markPrice@1s", "markPriceUpdate", e_ms);
    sb_str(&b, ",\"s\":\"");
    sb_str(&b, s->ins->symbol);
    sb_str(&b, "\",\"p\":\"");
    sb_money(&b, mark);
    sb_str(&b, "\",\"P\":\"");
    sb_money(&b, mark + (int64_t)(normal(&s->rng) * (double)tick_e8(s)));
    sb_str(&b, "\",\"i\":\"");
    sb_money(&b, index);
    sb_str(&b, "\",\"r\":\"0.00010000\",\"T\":");
    sb_i64(&b, (e_ms / funding_ms + 1) * funding_ms);
    sb_str(&b, "}}");
    s->st.mark_price++;
    return emit_line(s, emit, ctx, e_ms, b.p, b.len);
}

static sc_err send_trade(sc_market_sim *s, sc_market_sim_emit_fn emit, void *ctx, int64_t e_ms,
                         bool buyer, int64_t px, int64_t q) {
    sbuf b = line_start(s, "trade", "trade", e_ms);
    sb_str(&b, ",\"T\":");
    sb_i64(&b, e_ms);
    sb_str(&b, ",\"s\":\"");
    sb_str(&b, s->ins->symbol);
    sb_str(&b, "\",\"t\":");
    sb_i64(&b, ++s->trade_id);
    sb_str(&b, ",\"p\":\"");
    sb_px(&b, s->ins, px);
    sb_str(&b, "\",\"q\":\"");
    sb_qty(&b, s->ins, q);
    /* m: the buyer is the maker, i.e. the seller aggressed. */
    sb_str(&b, buyer ? "\",\"X\":\"MARKET\",\"m\":false}}" : "\",\"X\":\"MARKET\",\"m\":true}}");
    s->st.trades++;
    return emit_line(s, emit, ctx, e_ms, b.p, b.len);
}

static sc_err send_book_ticker(sc_market_sim *s, sc_market_sim_emit_fn emit, void *ctx) {
    int32_t bi = s->touch[BID], ai = s->touch[ASK];
    SC_ASSERT(bi < ai && s->qty[BID][bi] > 0 && s->qty[ASK][ai] > 0);
    sbuf b = {s->line, 0, LINE_CAP};
    sb_str(&b, "{\"stream\":\"");
    sb_str(&b, s->ins->stream_prefix);
    sb_str(&b, "bookTicker\",\"data\":{\"e\":\"bookTicker\",\"u\":");
    sb_i64(&b, s->st.last_u);
    sb_str(&b, ",\"s\":\"");
    sb_str(&b, s->ins->symbol);
    sb_str(&b, "\",\"b\":\"");
    sb_px(&b, s->ins, s->base_ticks + bi);
    sb_str(&b, "\",\"B\":\"");
    sb_qty(&b, s->ins, s->qty[BID][bi]);
    sb_str(&b, "\",\"a\":\"");
    sb_px(&b, s->ins, s->base_ticks + ai);
    sb_str(&b, "\",\"A\":\"");
    sb_qty(&b, s->ins, s->qty[ASK][ai]);
    sb_str(&b, "\",\"T\":");
    sb_i64(&b, s->t_ms);
    sb_str(&b, ",\"E\":");
    sb_i64(&b, s->t_ms);
    sb_str(&b, "}}");
    int32_t sp = ai - bi;
    s->st.spread_hist[sp < SC_MARKET_SIM_SPREAD_HIST ? sp : SC_MARKET_SIM_SPREAD_HIST - 1]++;
    s->st.book_ticker++;
    return emit_line(s, emit, ctx, s->t_ms, b.p, b.len);
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The dirty levels of one side in ascending price (as the real stream),
 * with the far levels of that side where their price puts them. */
static void diff_side(sc_market_sim *s, sbuf *b, side_ix sd) {
    bool comma = false;
    qsort(s->dirty_list[sd], s->dirty_n[sd], sizeof(int32_t), cmp_i32);
    for (int k = 0; k < FAR_LEVELS && sd == BID; k++) {
        if (s->far_dirty[k] && s->far_px[k] < s->base_ticks) {
            sb_level(b, s->ins, s->far_px[k], s->far_qty[k], comma);
            comma = true;
        }
    }
    for (uint32_t k = 0; k < s->dirty_n[sd]; k++) {
        int32_t i = s->dirty_list[sd][k];
        SC_ASSERT(s->dirty[sd][i] == 1);
        sb_level(b, s->ins, s->base_ticks + i, s->qty[sd][i], comma);
        comma = true;
        s->dirty[sd][i] = 0;
    }
    s->dirty_n[sd] = 0;
    for (int k = 0; k < FAR_LEVELS && sd == ASK; k++) {
        if (s->far_dirty[k] && s->far_px[k] >= s->base_ticks + WINDOW_TICKS) {
            sb_level(b, s->ins, s->far_px[k], s->far_qty[k], comma);
            comma = true;
        }
    }
}

/* Sends the diff of this step (or drops it: the gap stress). */
static sc_err send_diff(sc_market_sim *s, sc_market_sim_emit_fn emit, void *ctx, bool *sent) {
    int64_t pu = s->st.last_u;
    int64_t U = pu + 1 + (int64_t)sc_rng_below(&s->rng, 40);
    int64_t u = U + (int64_t)lognormal(&s->rng, UJUMP_MEDIAN, 0.8);
    SC_ASSERT(u >= U && U > pu);
    sbuf b = line_start(s, "depth@0ms", "depthUpdate", s->t_ms);
    sb_str(&b, ",\"T\":");
    sb_i64(&b, s->t_ms - 1 - (int64_t)sc_rng_below(&s->rng, 10));
    sb_str(&b, ",\"s\":\"");
    sb_str(&b, s->ins->symbol);
    sb_str(&b, "\",\"U\":");
    sb_i64(&b, U);
    sb_str(&b, ",\"u\":");
    sb_i64(&b, u);
    sb_str(&b, ",\"pu\":");
    sb_i64(&b, pu);
    sb_str(&b, ",\"b\":[");
    diff_side(s, &b, BID);
    sb_str(&b, "],\"a\":[");
    diff_side(s, &b, ASK);
    sb_str(&b, "]}}");
    memset(s->far_dirty, 0, sizeof(s->far_dirty));
    s->st.last_u = u;
    *sent = !(s->gap_ms > 0 && !s->gap_done && s->t_ms >= s->gap_ms);
    if (!*sent) {
        /* Dropped on the way: the next diff's pu names a u never seen. A
         * recorder would fetch a new snapshot; so do we. */
        s->gap_done = true;
        s->st.depth_dropped++;
        s->snap_countdown = RESYNC_AFTER_DIFFS;
        s->snap_pending = false;
        return SC_OK;
    }
    s->st.depth++;
    return emit_line(s, emit, ctx, s->t_ms, b.p, b.len);
}

static void snapshot_side(sc_market_sim *s, sbuf *b, side_ix sd) {
    int32_t t = s->touch[sd], a = away(sd);
    int n = 0;
    for (int32_t k = 0; k <= BAND_TICKS && n < SNAPSHOT_LEVELS; k++) {
        int32_t i = t + a * k;
        if (s->qty[sd][i] > 0) {
            sb_level(b, s->ins, s->base_ticks + i, s->qty[sd][i], n > 0);
            n++;
        }
    }
    SC_ASSERT(n > 0);
}

/* The REST snapshot at the last u (sent after the next diff, which is how
 * the 2024 captures have it: the bridging diff first). */
static void take_snapshot(sc_market_sim *s) {
    sbuf b = {s->snap, 0, SNAP_CAP};
    sb_str(&b, "{\"lastUpdateId\":");
    sb_i64(&b, s->st.last_u);
    sb_str(&b, ",\"E\":");
    sb_i64(&b, s->t_ms);
    sb_str(&b, ",\"T\":");
    sb_i64(&b, s->t_ms - 1);
    sb_str(&b, ",\"bids\":[");
    snapshot_side(s, &b, BID);
    sb_str(&b, "],\"asks\":[");
    snapshot_side(s, &b, ASK);
    sb_str(&b, "]}");
    s->snap_len = b.len;
    s->snap_pending = true;
}

/* ---- dynamics ---------------------------------------------------------- */

/* Volatility multipliers per regime, normalised by their root mean square
 * so that the session average is vol_1s_bps when each regime takes a third
 * of the time. Trade and message rates rise in the volatile regime. */
static const double REGIME_VOL[3] = {0.6, 0.9, 1.6};
static const double REGIME_RATE[3] = {0.8, 1.0, 1.6};
#define REGIME_VOL_RMS 1.1150 /* sqrt((0.36 + 0.81 + 2.56) / 3) */

static bool blown_out(const sc_market_sim *s) {
    bool blow = s->t_ms >= s->blow_from_ms && s->t_ms < s->blow_to_ms;
    bool crash = s->crash_from_ticks > 0.0 && s->t_ms < s->crash_ms + CRASH_BLOWOUT_MS;
    return blow || crash;
}

static bool crashing(const sc_market_sim *s) {
    return s->crash_ms > 0 && !s->crash_done && s->t_ms >= s->crash_ms;
}

static void switch_regime(sc_market_sim *s) {
    s->regime = (sc_market_sim_regime)((s->regime + 1 + sc_rng_below(&s->rng, 2)) % 3);
    s->anchor_ticks = s->fair_ticks;
    double drift = TREND_DRIFT_BPS_S * 1e-4 * s->fair_ticks;
    s->drift_ticks_s =
        s->regime == SC_MARKET_SIM_TREND ? (sc_rng_below(&s->rng, 2) == 0 ? drift : -drift) : 0.0;
    s->st.regime_switches++;
}

/* The fair price: random walk with the regime's volatility and drift, a
 * pull to the anchor in the range regime, the crash script, and a
 * reflection at the window's edges. */
static void walk(sc_market_sim *s, double dt_s) {
    SC_ASSERT(dt_s > 0.0 && dt_s <= 1.0);
    double vol = s->cfg.vol_1s_bps * 1e-4 * s->fair_ticks * REGIME_VOL[s->regime] / REGIME_VOL_RMS;
    s->fair_ticks += s->drift_ticks_s * dt_s + vol * sqrt(dt_s) * normal(&s->rng);
    if (s->regime == SC_MARKET_SIM_RANGE) {
        s->fair_ticks += (s->anchor_ticks - s->fair_ticks) * dt_s / RANGE_REVERT_S;
    }
    if (crashing(s)) {
        if (s->crash_from_ticks == 0.0) {
            s->crash_from_ticks = s->fair_ticks;
        }
        double prog = (double)(s->t_ms - s->crash_ms) / CRASH_MS;
        if (prog >= 1.0) {
            prog = 1.0;
            s->crash_done = true;
        }
        s->fair_ticks = s->crash_from_ticks * (1.0 - CRASH_DROP * prog);
        s->anchor_ticks = s->fair_ticks;
    }
    double lo = (double)(s->base_ticks + EDGE_MARGIN_TICKS);
    double hi = (double)(s->base_ticks + WINDOW_TICKS - EDGE_MARGIN_TICKS);
    if (s->fair_ticks < lo) {
        s->fair_ticks = 2.0 * lo - s->fair_ticks;
    } else if (s->fair_ticks > hi) {
        s->fair_ticks = 2.0 * hi - s->fair_ticks;
    }
    SC_ASSERT(s->fair_ticks >= lo - 1.0 && s->fair_ticks <= hi + 1.0);
}

static int32_t draw_spread(sc_market_sim *s) {
    if (blown_out(s)) {
        return 50 + (int32_t)sc_rng_below(&s->rng, SPREAD_MAX_TICKS - 50);
    }
    double p1 = s->cfg.spread_1tick_frac;
    if (s->regime == SC_MARKET_SIM_VOLATILE) {
        p1 = 1.0 - 2.0 * (1.0 - p1);
    }
    if (sc_rng_unit(&s->rng) < p1) {
        return 1;
    }
    int32_t sp = 2 + (int32_t)expo(&s->rng, 2.0);
    return sp > 40 ? 40 : sp;
}

/* Puts the touches around the fair price with a fresh spread, each touch
 * moving at most MOVE_MAX_TICKS per step. */
static void requote(sc_market_sim *s) {
    int32_t sp = draw_spread(s);
    SC_ASSERT(sp >= 1 && sp <= SPREAD_MAX_TICKS);
    double f = s->fair_ticks - (double)s->base_ticks;
    int32_t b = (int32_t)floor(f - (double)sp / 2.0 + 0.5);
    int32_t ob = s->touch[BID];
    if (b > ob + MOVE_MAX_TICKS) {
        b = ob + MOVE_MAX_TICKS;
    } else if (b < ob - MOVE_MAX_TICKS) {
        b = ob - MOVE_MAX_TICKS;
    }
    set_touches(s, b, b + sp);
}

/* Quotes added, changed and cancelled near the touches; now and then a far
 * level changes. */
static void churn(sc_market_sim *s) {
    double mean =
        (s->cfg.levels_per_diff - 2.0) * (s->regime == SC_MARKET_SIM_VOLATILE ? 1.5 : 1.0);
    double nd = expo(&s->rng, mean > 0.0 ? mean : 0.1);
    uint32_t n = nd > (double)CHURN_STEP_MAX ? CHURN_STEP_MAX : (uint32_t)nd;
    for (uint32_t k = 0; k < n; k++) {
        side_ix sd = sc_rng_below(&s->rng, 2) == 0 ? BID : ASK;
        double off = expo(&s->rng, CHURN_OFFSET_MEAN_TICKS);
        if (off > (double)BAND_TICKS) {
            continue;
        }
        int32_t i = s->touch[sd] + away(sd) * (int32_t)off;
        if (i == s->touch[sd]) {
            set_level(s, sd, i, level_qty(&s->rng, TOUCH_QTY_MEDIAN));
        } else if (sc_rng_unit(&s->rng) < CHURN_DELETE_P) {
            set_level(s, sd, i, 0); /* also deletes of unknown levels, as Binance sends */
        } else {
            set_level(s, sd, i, level_qty(&s->rng, LEVEL_QTY_MEDIAN));
        }
    }
    if (sc_rng_unit(&s->rng) < FAR_CHANGE_P) {
        uint64_t k = sc_rng_below(&s->rng, FAR_LEVELS);
        s->far_qty[k] = level_qty(&s->rng, 2000.0);
        s->far_dirty[k] = true;
    }
}

/* Trades between the previous diff and this one, each taking quantity from
 * the touch it hits (the diff shows the new quantity). */
static sc_err trade_burst(sc_market_sim *s, sc_market_sim_emit_fn emit, void *ctx,
                          int64_t prev_ms) {
    int64_t dt = s->t_ms - prev_ms;
    double rate = s->cfg.trades_per_s * REGIME_RATE[s->regime] * (crashing(s) ? 4.0 : 1.0);
    uint32_t n = poisson(&s->rng, rate * (double)dt / 1000.0);
    double p_buy = s->drift_ticks_s > 0.0 ? 0.55 : s->drift_ticks_s < 0.0 ? 0.45 : 0.5;
    p_buy = crashing(s) ? 0.2 : p_buy;
    for (uint32_t k = 0; k < n; k++) {
        bool buyer = sc_rng_unit(&s->rng) < p_buy;
        side_ix hit = buyer ? ASK : BID;
        int32_t i = s->touch[hit];
        int32_t have = s->qty[hit][i];
        SC_ASSERT(have > 0);
        double qd =
            floor(lognormal(&s->rng, s->cfg.trade_qty_median_steps, s->cfg.trade_qty_sigma));
        int32_t q = qd < 1.0 ? 1 : qd > (double)have ? have : (int32_t)qd;
        set_level(s, hit, i, have - q);
        if (have == q) {
            touch_emptied(s, hit);
        }
        int64_t e_ms = prev_ms + (dt * (int64_t)(k + 1)) / (int64_t)(n + 1);
        sc_err e = send_trade(s, emit, ctx, e_ms, buyer, s->base_ticks + i, q);
        if (e != SC_OK) {
            return e;
        }
    }
    return SC_OK;
}

/* ---- the session ------------------------------------------------------- */

/* Work of each whole second passed: regime switches and the mark price. */
static sc_err each_second(sc_market_sim *s, sc_market_sim_emit_fn emit, void *ctx, int64_t upto) {
    while (s->next_sec_ms <= upto) {
        int64_t sec = s->next_sec_ms;
        s->next_sec_ms += 1000;
        if (sc_rng_unit(&s->rng) < 1.0 / s->cfg.regime_mean_s) {
            switch_regime(s);
        }
        if (!frozen_at(s, sec)) {
            sc_err e = send_mark(s, emit, ctx, sec);
            if (e != SC_OK) {
                return e;
            }
        }
    }
    return SC_OK;
}

/* After a sent diff: a bookTicker for its u, then the snapshot schedule. */
static sc_err after_diff(sc_market_sim *s, sc_market_sim_emit_fn emit, void *ctx) {
    if (sc_rng_unit(&s->rng) < s->cfg.book_ticker_per_diff) {
        sc_err e = send_book_ticker(s, emit, ctx);
        if (e != SC_OK) {
            return e;
        }
    }
    if (s->snap_pending) {
        s->snap_pending = false;
        s->st.snapshots++;
        return emit_line(s, emit, ctx, s->t_ms, s->snap, s->snap_len);
    }
    return SC_OK;
}

static int64_t next_dt_ms(sc_market_sim *s) {
    double rate = s->cfg.diffs_per_s * REGIME_RATE[s->regime];
    int64_t cap = 200;
    if (crashing(s) || (s->crash_ms > 0 && !s->crash_done && s->t_ms + cap >= s->crash_ms)) {
        rate *= 4.0; /* a crash is busy; short steps also keep each touch move small */
        cap = 20;
    }
    int64_t dt = 1 + (int64_t)expo(&s->rng, 1000.0 / rate);
    return dt > cap ? cap : dt;
}

sc_err sc_market_sim_step(sc_market_sim *s, sc_market_sim_emit_fn emit, void *ctx, bool *done) {
    SC_ASSERT(s != NULL && emit != NULL && done != NULL);
    if (s->done) {
        *done = true;
        return SC_OK;
    }
    int64_t prev = s->t_ms;
    int64_t dt = next_dt_ms(s);
    sc_err e = each_second(s, emit, ctx, prev + dt);
    s->t_ms = prev + dt;
    SC_ASSERT(s->t_ms > prev);
    walk(s, (double)dt / 1000.0);
    if (e == SC_OK && !frozen_at(s, s->t_ms)) {
        e = trade_burst(s, emit, ctx, prev);
        if (e == SC_OK) {
            requote(s);
            churn(s);
            bool sent = false;
            e = send_diff(s, emit, ctx, &sent);
            if (e == SC_OK && sent) {
                e = after_diff(s, emit, ctx);
            }
            if (s->snap_countdown > 0 && --s->snap_countdown == 0) {
                take_snapshot(s);
            }
        }
    }
    s->done = s->t_ms >= s->end_ms;
    *done = s->done;
    return e;
}

sc_err sc_market_sim_run(sc_market_sim *s, sc_market_sim_emit_fn emit, void *ctx) {
    SC_ASSERT(s != NULL && emit != NULL);
    /* Every step advances at least 1 ms: the loop is bounded. */
    uint64_t steps_max = (uint64_t)s->cfg.seconds * 1000u + 2u;
    bool done = s->done;
    for (uint64_t k = 0; k < steps_max && !done; k++) {
        sc_err e = sc_market_sim_step(s, emit, ctx, &done);
        if (e != SC_OK) {
            return e;
        }
    }
    SC_ASSERT(done);
    return SC_OK;
}

/* ---- lifecycle --------------------------------------------------------- */

void sc_market_sim_config_default(sc_market_sim_config *cfg) {
    SC_ASSERT(cfg != NULL);
    memset(cfg, 0, sizeof(*cfg));
    cfg->seed = 1;
    cfg->seconds = 300;
    cfg->start_ns = INT64_C(1723161256000) * SC_NS_PER_MS; /* 2024-08-08 23:54:16 UTC */
    cfg->start_px_ticks = 618002;                          /* 61800.20 */
    cfg->vol_1s_bps = 0.7;
    cfg->trades_per_s = 40.0;
    cfg->diffs_per_s = 22.0;
    cfg->book_ticker_per_diff = 1.0;
    cfg->spread_1tick_frac = 0.97;
    cfg->levels_per_diff = 40.0;
    cfg->trade_qty_median_steps = 14.0;
    cfg->trade_qty_sigma = 2.0;
    cfg->regime_mean_s = 60.0;
}

static bool in_range(double v, double lo, double hi) {
    return v >= lo && v <= hi; /* false for NaN */
}

static bool stress_ok(uint32_t at_s, uint32_t len_s, uint32_t seconds) {
    return at_s == 0 || (at_s >= 2 && (uint64_t)at_s + len_s < seconds);
}

static bool config_ok(const sc_market_sim_config *c) {
    const sc_market_sim_stress *x = &c->stress;
    return c->seconds >= 1 && c->seconds <= SC_MARKET_SIM_SECONDS_MAX && c->start_ns >= 0 &&
           c->start_ns <= INT64_C(4102444800) * SC_NS_PER_S && c->start_px_ticks >= PX_MIN_TICKS &&
           c->start_px_ticks <= PX_MAX_TICKS && in_range(c->vol_1s_bps, 0.0, 20.0) &&
           in_range(c->trades_per_s, 0.0, 500.0) && in_range(c->diffs_per_s, 1.0, 200.0) &&
           in_range(c->book_ticker_per_diff, 0.0, 1.0) &&
           in_range(c->spread_1tick_frac, 0.0, 1.0) && in_range(c->levels_per_diff, 1.0, 500.0) &&
           in_range(c->trade_qty_median_steps, 1.0, 100000.0) &&
           in_range(c->trade_qty_sigma, 0.0, 4.0) && in_range(c->regime_mean_s, 1.0, 1e6) &&
           stress_ok(x->crash_at_s, CRASH_BLOWOUT_MS / 1000, c->seconds) &&
           stress_ok(x->blowout_at_s, x->blowout_s, c->seconds) &&
           stress_ok(x->freeze_at_s, x->freeze_s, c->seconds) &&
           stress_ok(x->gap_at_s, 1, c->seconds) && x->blowout_s <= c->seconds &&
           x->freeze_s <= c->seconds;
}

/* Times of the stress events; a window that is off is [0, 0). */
static void schedule(sc_market_sim *s) {
    const sc_market_sim_stress *x = &s->cfg.stress;
    int64_t t0 = s->t_ms;
    s->crash_ms = x->crash_at_s ? t0 + (int64_t)x->crash_at_s * 1000 : 0;
    s->gap_ms = x->gap_at_s ? t0 + (int64_t)x->gap_at_s * 1000 : 0;
    if (x->freeze_at_s && x->freeze_s) {
        s->freeze_from_ms = t0 + (int64_t)x->freeze_at_s * 1000;
        s->freeze_to_ms = s->freeze_from_ms + (int64_t)x->freeze_s * 1000;
    }
    if (x->blowout_at_s && x->blowout_s) {
        s->blow_from_ms = t0 + (int64_t)x->blowout_at_s * 1000;
        s->blow_to_ms = s->blow_from_ms + (int64_t)x->blowout_s * 1000;
    }
}

/* The opening book (not dirty: the snapshot carries it), ids, far levels. */
static void open_book(sc_market_sim *s) {
    int32_t mid = WINDOW_TICKS / 2;
    s->touch[BID] = mid;
    s->touch[ASK] = mid + 1;
    fill_range(s, BID, mid - BAND_TICKS, mid - 1);
    fill_range(s, ASK, mid + 2, mid + 1 + BAND_TICKS);
    set_level(s, BID, mid, level_qty(&s->rng, TOUCH_QTY_MEDIAN));
    set_level(s, ASK, mid + 1, level_qty(&s->rng, TOUCH_QTY_MEDIAN));
    for (side_ix sd = BID; sd <= ASK; sd++) {
        for (uint32_t k = 0; k < s->dirty_n[sd]; k++) {
            s->dirty[sd][s->dirty_list[sd][k]] = 0;
        }
        s->dirty_n[sd] = 0;
    }
    /* As in the real stream: bids at 1000.00 and 5000.00 (10 ticks per
     * USDT at tick 0.10), and an ask far above the window. */
    int64_t per_usdt = 10 / s->ins->tick_units;
    s->far_px[0] = 1000 * per_usdt;
    s->far_px[1] = 5000 * per_usdt;
    s->far_px[2] = ((s->base_ticks + WINDOW_TICKS) / (10000 * per_usdt) + 1) * 10000 * per_usdt;
    s->far_qty[0] = 606675;
    s->far_qty[1] = 2321;
    s->far_qty[2] = 1500;
    s->fair_ticks = (double)(s->base_ticks + mid) + 0.5;
    s->anchor_ticks = s->fair_ticks;
    s->st.last_u = INT64_C(5123107800000) + (int64_t)sc_rng_below(&s->rng, 1000000);
    s->trade_id = INT64_C(5266583900) + (int64_t)sc_rng_below(&s->rng, 100000);
    s->snap_countdown = SNAPSHOT_AFTER_DIFFS;
}

sc_err sc_market_sim_create(const sc_market_sim_config *cfg, sc_market_sim **out) {
    if (cfg == NULL || out == NULL || !config_ok(cfg)) {
        return SC_ERR_INVALID_ARG;
    }
    *out = NULL;
    sc_market_sim *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return SC_ERR_NOMEM;
    }
    s->cfg = *cfg;
    s->ins = sc_instrument_find("usdm:BTCUSDT");
    SC_ASSERT(s->ins != NULL && s->ins->tick_units == 1 && s->ins->px_scale == 1);
    for (side_ix sd = BID; sd <= ASK; sd++) {
        s->qty[sd] = calloc(WINDOW_TICKS, sizeof(int32_t));
        s->dirty[sd] = calloc(WINDOW_TICKS, 1);
        s->dirty_list[sd] = calloc(DIFF_SIDE_MAX, sizeof(int32_t));
    }
    s->line = malloc(LINE_CAP);
    s->snap = malloc(SNAP_CAP);
    for (side_ix sd = BID; sd <= ASK; sd++) {
        if (!s->qty[sd] || !s->dirty[sd] || !s->dirty_list[sd] || !s->line || !s->snap) {
            sc_market_sim_destroy(s);
            return SC_ERR_NOMEM;
        }
    }
    sc_rng_seed(&s->rng, cfg->seed);
    s->base_ticks = cfg->start_px_ticks - WINDOW_TICKS / 2;
    s->t_ms = cfg->start_ns / SC_NS_PER_MS;
    s->end_ms = s->t_ms + (int64_t)cfg->seconds * 1000;
    s->next_sec_ms = (s->t_ms / 1000 + 1) * 1000;
    s->regime = SC_MARKET_SIM_RANGE;
    schedule(s);
    open_book(s);
    *out = s;
    return SC_OK;
}

void sc_market_sim_destroy(sc_market_sim *s) {
    if (s == NULL) {
        return;
    }
    for (side_ix sd = BID; sd <= ASK; sd++) {
        free(s->qty[sd]);
        free(s->dirty[sd]);
        free(s->dirty_list[sd]);
    }
    free(s->line);
    free(s->snap);
    free(s);
}

void sc_market_sim_get_stats(const sc_market_sim *s, sc_market_sim_stats *out) {
    SC_ASSERT(s != NULL && out != NULL);
    *out = s->st;
}

sc_market_sim_regime sc_market_sim_regime_now(const sc_market_sim *s) {
    SC_ASSERT(s != NULL);
    return s->regime;
}

uint32_t sc_market_sim_spread_median_ticks(const sc_market_sim_stats *st) {
    SC_ASSERT(st != NULL);
    uint64_t half = (st->book_ticker + 1) / 2, cum = 0;
    for (uint32_t k = 0; k < SC_MARKET_SIM_SPREAD_HIST; k++) {
        cum += st->spread_hist[k];
        if (cum >= half && cum > 0) {
            return k;
        }
    }
    return 0;
}
