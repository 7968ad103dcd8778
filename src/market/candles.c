#include "market/candles.h"

#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

/* How it works
 *
 * Each timeframe keeps at most one open candle and a floor: the smallest
 * bucket start that may still receive input. Closing a candle, or a
 * close_until(now), raises the floor; an input whose bucket lies below the
 * floor of any timeframe is late and refused everywhere, so the timeframes
 * never disagree about which inputs they contain.
 *
 * Every input first closes what its time has ended (close_to), then is
 * applied. Before anything changes, the input is checked completely
 * (validity, queue room, lateness, overflow of the sums it would touch), so
 * a refused input leaves no trace.
 *
 * The time reached (clock_ns) is the newest of: trade times, kline end
 * times, and the `now`s given to close_until. It decides truncation at flush
 * and how many kline intervals of a merged candle are missing so far. */

#define NONE_NS INT64_MIN

typedef struct {
    sc_ns tf_ns;
    sc_ns floor_ns;     /* smallest bucket start still accepted */
    sc_ns last_open_ns; /* open_ns of the newest candle opened; NONE_NS before any */
    bool open;
    sc_candle cur;
} tf_state;

struct sc_candles {
    const sc_instrument *ins;
    sc_candles_source source;
    sc_ns kline_tf_ns; /* 0 for the trades source */
    uint32_t n_tf;
    sc_ns clock_ns; /* NONE_NS before any input */
    /* Klines source: the smallest kline start still accepted. A timeframe
     * equal to kline_tf_ns would give the same, but none may be configured,
     * and without this a repeated kline would be merged twice. */
    sc_ns kline_floor_ns;
    tf_state tf[SC_CANDLES_TF_MAX];
    sc_candles_counters counters;
    uint32_t q_cap;
    uint32_t q_head;
    uint32_t q_len;
    sc_candle q[]; /* ring of closed candles, q_cap entries */
};

static const sc_ns k_default_tf_ns[] = {SC_NS_PER_S, SC_NS_PER_MIN, 5 * SC_NS_PER_MIN,
                                        15 * SC_NS_PER_MIN, 60 * SC_NS_PER_MIN};
_Static_assert(sizeof(k_default_tf_ns) / sizeof(k_default_tf_ns[0]) <= SC_CANDLES_TF_MAX,
               "the default timeframes fit the table");
_Static_assert(SC_CANDLES_QUEUE_MIN >= 2 * SC_CANDLES_TF_MAX,
               "one input closes at most two candles per timeframe");
_Static_assert(SC_CANDLES_QUEUE_DEFAULT >= SC_CANDLES_QUEUE_MIN &&
                   SC_CANDLES_QUEUE_DEFAULT <= SC_CANDLES_QUEUE_MAX,
               "the default queue size is within its bounds");

static bool tf_ok(sc_ns tf) {
    return tf > 0 && tf <= SC_CANDLES_TF_NS_MAX && tf % SC_NS_PER_S == 0;
}

/* Fills the resolved timeframes into tfs; false when the config breaks a
 * rule of candles.h. */
static bool resolve_tfs(const sc_candles_config *cfg, sc_ns unit, sc_ns *tfs, uint32_t *n) {
    *n = 0;
    if (cfg->n_tf == 0) {
        for (size_t i = 0; i < sizeof(k_default_tf_ns) / sizeof(k_default_tf_ns[0]); i++) {
            if (k_default_tf_ns[i] % unit == 0) {
                tfs[(*n)++] = k_default_tf_ns[i];
            }
        }
        return *n > 0;
    }
    if (cfg->n_tf > SC_CANDLES_TF_MAX) {
        return false;
    }
    for (uint32_t i = 0; i < cfg->n_tf; i++) {
        sc_ns tf = cfg->tf_ns[i];
        if (!tf_ok(tf) || tf % unit != 0 || (i > 0 && tf <= cfg->tf_ns[i - 1])) {
            return false;
        }
        tfs[i] = tf;
    }
    *n = cfg->n_tf;
    return true;
}

sc_err sc_candles_create(const sc_candles_config *cfg, sc_candles **out) {
    if (cfg == NULL || out == NULL || cfg->ins == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (cfg->source != SC_CANDLES_FROM_TRADES && cfg->source != SC_CANDLES_FROM_KLINES) {
        return SC_ERR_INVALID_ARG;
    }
    sc_ns ktf = 0;
    if (cfg->source == SC_CANDLES_FROM_KLINES) {
        ktf = cfg->kline_tf_ns == 0 ? SC_NS_PER_MIN : cfg->kline_tf_ns;
        if (!tf_ok(ktf)) {
            return SC_ERR_INVALID_ARG;
        }
    }
    sc_ns tfs[SC_CANDLES_TF_MAX];
    uint32_t n_tf = 0;
    if (!resolve_tfs(cfg, ktf != 0 ? ktf : SC_NS_PER_S, tfs, &n_tf)) {
        return SC_ERR_INVALID_ARG;
    }
    uint32_t q_cap = cfg->queue_max == 0 ? SC_CANDLES_QUEUE_DEFAULT : cfg->queue_max;
    if (q_cap < SC_CANDLES_QUEUE_MIN || q_cap > SC_CANDLES_QUEUE_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    sc_candles *c = calloc(1, sizeof(*c) + (size_t)q_cap * sizeof(sc_candle));
    if (c == NULL) {
        return SC_ERR_NOMEM;
    }
    c->ins = cfg->ins;
    c->source = cfg->source;
    c->kline_tf_ns = ktf;
    c->n_tf = n_tf;
    c->clock_ns = NONE_NS;
    c->q_cap = q_cap;
    for (uint32_t i = 0; i < n_tf; i++) {
        c->tf[i].tf_ns = tfs[i];
        c->tf[i].floor_ns = 0; /* times before the epoch are refused anyway */
        c->tf[i].last_open_ns = NONE_NS;
    }
    SC_ASSERT(c->n_tf >= 1 && c->n_tf <= SC_CANDLES_TF_MAX);
    *out = c;
    return SC_OK;
}

void sc_candles_destroy(sc_candles *c) {
    free(c);
}

static sc_ns bucket_of(sc_ns t, sc_ns tf) {
    SC_ASSERT(t >= 0 && tf > 0);
    return t - t % tf;
}

static uint32_t queue_free(const sc_candles *c) {
    SC_ASSERT(c->q_len <= c->q_cap);
    return c->q_cap - c->q_len;
}

static void queue_push(sc_candles *c, const sc_candle *k) {
    SC_ASSERT(c->q_len < c->q_cap);
    SC_ASSERT(k->closed);
    uint32_t at = (c->q_head + c->q_len) % c->q_cap;
    c->q[at] = *k;
    c->q_len++;
}

/* Kline intervals of an open or closing candle that had no kline, counting
 * only the part of the bucket the time has reached. */
static int64_t missing_parts_of(const sc_candles *c, const sc_candle *k) {
    if (c->source != SC_CANDLES_FROM_KLINES) {
        return 0;
    }
    sc_ns end = k->open_ns + k->tf_ns;
    sc_ns reached = c->clock_ns < end ? c->clock_ns : end;
    int64_t expected = (reached - k->open_ns) / c->kline_tf_ns;
    SC_ASSERT(expected >= k->parts); /* each kline covers its own interval */
    return expected - k->parts;
}

static void fill_derived(const sc_candles *c, sc_candle *k) {
    double v = 0.0;
    if (sc_candle_vwap(c->ins, k, &v)) {
        k->flags |= SC_CANDLE_HAS_VWAP;
    } else {
        k->flags &= ~(uint32_t)SC_CANDLE_HAS_VWAP;
    }
    k->vwap_ticks = v;
    k->missing_parts = missing_parts_of(c, k);
}

static void finish(sc_candles *c, uint32_t i, bool truncated) {
    tf_state *s = &c->tf[i];
    SC_ASSERT(s->open);
    const char *why = NULL;
    SC_ASSERT(sc_candle_valid(&s->cur, &why));
    fill_derived(c, &s->cur);
    s->cur.closed = true;
    s->cur.truncated = truncated;
    queue_push(c, &s->cur);
    c->counters.closed[i]++;
    s->floor_ns = s->cur.open_ns + s->tf_ns;
    s->open = false;
}

/* Raises the time reached to now and closes every candle that ended. */
static void close_to(sc_candles *c, sc_ns now) {
    SC_ASSERT(now >= 0);
    if (c->clock_ns != NONE_NS && now <= c->clock_ns) {
        return;
    }
    SC_ASSERT(queue_free(c) >= c->n_tf);
    c->clock_ns = now;
    for (uint32_t i = 0; i < c->n_tf; i++) {
        tf_state *s = &c->tf[i];
        if (s->open && s->cur.open_ns + s->tf_ns <= now) {
            finish(c, i, false);
        }
        sc_ns b = bucket_of(now, s->tf_ns);
        if (b > s->floor_ns) {
            s->floor_ns = b;
        }
    }
    if (c->source == SC_CANDLES_FROM_KLINES && bucket_of(now, c->kline_tf_ns) > c->kline_floor_ns) {
        c->kline_floor_ns = bucket_of(now, c->kline_tf_ns);
    }
}

static bool is_late(const sc_candles *c, sc_ns t) {
    if (c->source == SC_CANDLES_FROM_KLINES && t < c->kline_floor_ns) {
        return true;
    }
    for (uint32_t i = 0; i < c->n_tf; i++) {
        if (bucket_of(t, c->tf[i].tf_ns) < c->tf[i].floor_ns) {
            return true;
        }
    }
    return false;
}

/* Opens a candle at bucket b of timeframe i and accounts for the gap since
 * the previous candle of that timeframe. */
static sc_candle *start_candle(sc_candles *c, uint32_t i, sc_ns b) {
    tf_state *s = &c->tf[i];
    SC_ASSERT(!s->open);
    SC_ASSERT(b >= s->floor_ns && b % s->tf_ns == 0);
    int64_t gap = 0;
    if (s->last_open_ns != NONE_NS) {
        SC_ASSERT(b > s->last_open_ns);
        gap = (b - s->last_open_ns) / s->tf_ns - 1;
    }
    if (gap > 0) {
        c->counters.gaps[i]++;
        c->counters.missing[i] += (uint64_t)gap;
    }
    memset(&s->cur, 0, sizeof(s->cur));
    s->cur.open_ns = b;
    s->cur.tf_ns = s->tf_ns;
    s->cur.gap_before = gap;
    s->cur.tf_index = i;
    s->last_open_ns = b;
    s->floor_ns = b;
    s->open = true;
    return &s->cur;
}

/* The candle of timeframe i that an input at time t would land in, if it is
 * already open (after close_to(t) it stays open exactly when it holds t). */
static const sc_candle *target_of(const sc_candles *c, uint32_t i, sc_ns t) {
    const tf_state *s = &c->tf[i];
    if (s->open && s->cur.open_ns == bucket_of(t, s->tf_ns)) {
        return &s->cur;
    }
    return NULL;
}

/* pxqty += px * qty, or drop the exact VWAP of this candle when it would
 * not fit: OHLCV stay exact, the VWAP is reported unknown. */
static void add_pxqty(sc_candles *c, sc_candle *k, int64_t px_ticks, int64_t qty_steps) {
    if ((k->flags & SC_CANDLE_HAS_PXQTY) == 0) {
        return;
    }
    int64_t prod;
    int64_t sum;
    if (sc_mul_i64(px_ticks, qty_steps, &prod) && sc_add_i64(k->pxqty, prod, &sum)) {
        k->pxqty = sum;
        return;
    }
    k->flags &= ~(uint32_t)SC_CANDLE_HAS_PXQTY;
    k->pxqty = 0;
    c->counters.vwap_overflows++;
}

static bool trade_fits(const sc_candles *c, const sc_trade *tr) {
    for (uint32_t i = 0; i < c->n_tf; i++) {
        const sc_candle *k = target_of(c, i, tr->ts_trade_ns);
        if (k == NULL) {
            continue;
        }
        int64_t v;
        const sc_qty *side = tr->aggressor == SC_SIDE_BUY ? &k->buy_volume : &k->sell_volume;
        if (!sc_add_i64(k->volume.steps, tr->qty.steps, &v) ||
            !sc_add_i64(side->steps, tr->qty.steps, &v) || k->trades == INT64_MAX) {
            return false;
        }
    }
    return true;
}

static void apply_trade(sc_candles *c, uint32_t i, const sc_trade *tr) {
    tf_state *s = &c->tf[i];
    sc_candle *k = s->open ? &s->cur : NULL;
    if (k == NULL) {
        k = start_candle(c, i, bucket_of(tr->ts_trade_ns, s->tf_ns));
        k->open = k->high = k->low = tr->px;
        k->flags = SC_CANDLE_HAS_SPLIT | SC_CANDLE_HAS_TRADES | SC_CANDLE_HAS_PXQTY;
    }
    SC_ASSERT(k->open_ns == bucket_of(tr->ts_trade_ns, s->tf_ns));
    if (tr->px.ticks > k->high.ticks) {
        k->high = tr->px;
    }
    if (tr->px.ticks < k->low.ticks) {
        k->low = tr->px;
    }
    k->close = tr->px;
    k->volume.steps += tr->qty.steps; /* trade_fits checked every sum */
    if (tr->aggressor == SC_SIDE_BUY) {
        k->buy_volume.steps += tr->qty.steps;
    } else {
        k->sell_volume.steps += tr->qty.steps;
    }
    k->trades++;
    k->parts++;
    add_pxqty(c, k, tr->px.ticks, tr->qty.steps);
    SC_ASSERT(k->buy_volume.steps + k->sell_volume.steps == k->volume.steps);
}

sc_err sc_candles_on_trade(sc_candles *c, const sc_trade *tr) {
    SC_ASSERT(c != NULL && tr != NULL);
    if (c->source != SC_CANDLES_FROM_TRADES) {
        return SC_ERR_STATE;
    }
    if (tr->px.ticks <= 0 || tr->qty.steps <= 0 || tr->ts_trade_ns < 0 ||
        (tr->aggressor != SC_SIDE_BUY && tr->aggressor != SC_SIDE_SELL)) {
        return SC_ERR_RANGE;
    }
    if (queue_free(c) < 2 * c->n_tf) {
        return SC_ERR_FULL;
    }
    if (is_late(c, tr->ts_trade_ns)) {
        c->counters.late++;
        return SC_OK;
    }
    if (!trade_fits(c, tr)) {
        return SC_ERR_OVERFLOW;
    }
    close_to(c, tr->ts_trade_ns);
    for (uint32_t i = 0; i < c->n_tf; i++) {
        apply_trade(c, i, tr);
    }
    c->counters.inputs++;
    return SC_OK;
}

/* Sums a kline would add to the open candle k; false on overflow. */
static bool kline_fits_one(const sc_candle *k, const sc_candle *in) {
    int64_t v;
    uint32_t both = k->flags & in->flags;
    if (!sc_add_i64(k->volume.steps, in->volume.steps, &v) || k->parts == INT64_MAX) {
        return false;
    }
    if ((both & SC_CANDLE_HAS_SPLIT) != 0 &&
        (!sc_add_i64(k->buy_volume.steps, in->buy_volume.steps, &v) ||
         !sc_add_i64(k->sell_volume.steps, in->sell_volume.steps, &v))) {
        return false;
    }
    if ((both & SC_CANDLE_HAS_TRADES) != 0 && !sc_add_i64(k->trades, in->trades, &v)) {
        return false;
    }
    if ((both & SC_CANDLE_HAS_QUOTE) != 0 &&
        !sc_add_i64(k->quote_volume.e8, in->quote_volume.e8, &v)) {
        return false;
    }
    return true;
}

static bool kline_fits(const sc_candles *c, const sc_candle *in) {
    for (uint32_t i = 0; i < c->n_tf; i++) {
        const sc_candle *k = target_of(c, i, in->open_ns);
        if (k != NULL && !kline_fits_one(k, in)) {
            return false;
        }
    }
    return true;
}

static const uint32_t k_kline_flags =
    SC_CANDLE_HAS_SPLIT | SC_CANDLE_HAS_TRADES | SC_CANDLE_HAS_QUOTE | SC_CANDLE_HAS_PXQTY;

/* Keeps a field only while every kline merged so far had it; a dropped
 * field reads 0, as candles.h promises. */
static void merge_flags(sc_candle *k, uint32_t in_flags) {
    k->flags &= in_flags;
    if ((k->flags & SC_CANDLE_HAS_SPLIT) == 0) {
        k->buy_volume.steps = 0;
        k->sell_volume.steps = 0;
    }
    if ((k->flags & SC_CANDLE_HAS_TRADES) == 0) {
        k->trades = 0;
    }
    if ((k->flags & SC_CANDLE_HAS_QUOTE) == 0) {
        k->quote_volume.e8 = 0;
    }
    if ((k->flags & SC_CANDLE_HAS_PXQTY) == 0) {
        k->pxqty = 0;
    }
}

static void apply_kline(sc_candles *c, uint32_t i, const sc_candle *in) {
    tf_state *s = &c->tf[i];
    sc_candle *k = s->open ? &s->cur : NULL;
    if (k == NULL) {
        k = start_candle(c, i, bucket_of(in->open_ns, s->tf_ns));
        k->open = k->high = k->low = in->open;
        k->flags = k_kline_flags;
    }
    SC_ASSERT(k->open_ns == bucket_of(in->open_ns, s->tf_ns));
    if (in->high.ticks > k->high.ticks) {
        k->high = in->high;
    }
    if (in->low.ticks < k->low.ticks) {
        k->low = in->low;
    }
    k->close = in->close;
    k->volume.steps += in->volume.steps; /* kline_fits checked every sum */
    k->parts++;
    uint32_t both = k->flags & in->flags & k_kline_flags;
    if ((both & SC_CANDLE_HAS_SPLIT) != 0) {
        k->buy_volume.steps += in->buy_volume.steps;
        k->sell_volume.steps += in->sell_volume.steps;
    }
    if ((both & SC_CANDLE_HAS_TRADES) != 0) {
        k->trades += in->trades;
    }
    if ((both & SC_CANDLE_HAS_QUOTE) != 0) {
        k->quote_volume.e8 += in->quote_volume.e8;
    }
    merge_flags(k, both);
    if ((both & SC_CANDLE_HAS_PXQTY) != 0) {
        add_pxqty(c, k, 1, in->pxqty); /* a sum of products adds as is */
    }
}

/* Input checks of a kline; SC_OK or SC_ERR_RANGE. */
static sc_err kline_check(const sc_candles *c, const sc_candle *in) {
    const char *why = NULL;
    if (in->tf_ns != c->kline_tf_ns || in->open_ns < 0 || in->open_ns % c->kline_tf_ns != 0 ||
        in->open_ns > INT64_MAX - c->kline_tf_ns || !sc_candle_valid(in, &why)) {
        return SC_ERR_RANGE;
    }
    return SC_OK;
}

sc_err sc_candles_on_candle(sc_candles *c, const sc_candle *k) {
    SC_ASSERT(c != NULL && k != NULL);
    if (c->source != SC_CANDLES_FROM_KLINES) {
        return SC_ERR_STATE;
    }
    sc_err e = kline_check(c, k);
    if (e != SC_OK) {
        return e;
    }
    if (queue_free(c) < 2 * c->n_tf) {
        return SC_ERR_FULL;
    }
    if (is_late(c, k->open_ns)) {
        c->counters.late++;
        return SC_OK;
    }
    if (!kline_fits(c, k)) {
        return SC_ERR_OVERFLOW;
    }
    close_to(c, k->open_ns);
    for (uint32_t i = 0; i < c->n_tf; i++) {
        apply_kline(c, i, k);
    }
    /* The kline's end is known to have been reached: the candles ending
     * with it close now instead of waiting for the next kline. */
    close_to(c, k->open_ns + c->kline_tf_ns);
    c->counters.inputs++;
    return SC_OK;
}

sc_err sc_candles_on_kline(sc_candles *c, const sc_kline *k) {
    SC_ASSERT(c != NULL && k != NULL);
    if (c->source != SC_CANDLES_FROM_KLINES) {
        return SC_ERR_STATE;
    }
    if (!k->closed) {
        c->counters.kline_updates_ignored++;
        return SC_OK;
    }
    if (k->open_ns < 0 || k->close_ns < k->open_ns || k->close_ns > INT64_MAX - SC_NS_PER_MS ||
        k->taker_buy_volume.steps > k->volume.steps) {
        return SC_ERR_RANGE;
    }
    sc_candle in;
    memset(&in, 0, sizeof(in));
    in.open_ns = k->open_ns;
    in.tf_ns = k->close_ns - k->open_ns + SC_NS_PER_MS;
    in.open = k->open;
    in.high = k->high;
    in.low = k->low;
    in.close = k->close;
    in.volume = k->volume;
    in.buy_volume = k->taker_buy_volume;
    in.sell_volume.steps = k->volume.steps - k->taker_buy_volume.steps;
    in.quote_volume = k->quote_volume;
    in.trades = k->trades;
    in.parts = 1;
    in.flags = SC_CANDLE_HAS_SPLIT | SC_CANDLE_HAS_TRADES | SC_CANDLE_HAS_QUOTE;
    in.closed = true;
    return sc_candles_on_candle(c, &in);
}

sc_err sc_candles_close_until(sc_candles *c, sc_ns now) {
    SC_ASSERT(c != NULL);
    if (queue_free(c) < 2 * c->n_tf) {
        return SC_ERR_FULL;
    }
    if (now < 0) {
        return SC_ERR_RANGE;
    }
    close_to(c, now);
    return SC_OK;
}

sc_err sc_candles_flush(sc_candles *c) {
    SC_ASSERT(c != NULL);
    if (queue_free(c) < 2 * c->n_tf) {
        return SC_ERR_FULL;
    }
    for (uint32_t i = 0; i < c->n_tf; i++) {
        tf_state *s = &c->tf[i];
        if (s->open) {
            finish(c, i, c->clock_ns < s->cur.open_ns + s->tf_ns);
        }
        SC_ASSERT(!s->open);
    }
    return SC_OK;
}

bool sc_candles_next(sc_candles *c, sc_candle *out) {
    SC_ASSERT(c != NULL && out != NULL);
    if (c->q_len == 0) {
        return false;
    }
    *out = c->q[c->q_head];
    c->q_head = (c->q_head + 1) % c->q_cap;
    c->q_len--;
    SC_ASSERT(out->closed);
    return true;
}

uint32_t sc_candles_pending(const sc_candles *c) {
    SC_ASSERT(c != NULL);
    return c->q_len;
}

bool sc_candles_current(const sc_candles *c, uint32_t tf_index, sc_candle *out) {
    SC_ASSERT(c != NULL && out != NULL);
    if (tf_index >= c->n_tf || !c->tf[tf_index].open) {
        return false;
    }
    *out = c->tf[tf_index].cur;
    fill_derived(c, out);
    SC_ASSERT(!out->closed);
    return true;
}

uint32_t sc_candles_tf_count(const sc_candles *c) {
    SC_ASSERT(c != NULL);
    return c->n_tf;
}

sc_ns sc_candles_tf_ns(const sc_candles *c, uint32_t tf_index) {
    SC_ASSERT(c != NULL && tf_index < c->n_tf);
    return c->tf[tf_index].tf_ns;
}

void sc_candles_get_counters(const sc_candles *c, sc_candles_counters *out) {
    SC_ASSERT(c != NULL && out != NULL);
    *out = c->counters;
}

static double pow10_of(int n) {
    SC_ASSERT(n >= 0 && n <= SC_DEC_SCALE_MAX);
    double r = 1.0;
    for (int i = 0; i < n; i++) {
        r *= 10.0;
    }
    return r;
}

bool sc_candle_vwap(const sc_instrument *ins, const sc_candle *k, double *out) {
    SC_ASSERT(ins != NULL && k != NULL && out != NULL);
    *out = 0.0;
    if (k->volume.steps <= 0) {
        return false;
    }
    if ((k->flags & SC_CANDLE_HAS_PXQTY) != 0) {
        *out = (double)k->pxqty / (double)k->volume.steps;
        return true;
    }
    if ((k->flags & SC_CANDLE_HAS_QUOTE) == 0) {
        return false;
    }
    /* quote (1e-8 units) / base volume, expressed in ticks. */
    double quote = (double)k->quote_volume.e8 / 1e8;
    double base = (double)k->volume.steps * (double)ins->step_units / pow10_of(ins->qty_scale);
    double tick = (double)ins->tick_units / pow10_of(ins->px_scale);
    *out = quote / base / tick;
    return true;
}

bool sc_candle_valid(const sc_candle *k, const char **why) {
    SC_ASSERT(k != NULL && why != NULL);
    *why = NULL;
    int64_t lo = k->open.ticks < k->close.ticks ? k->open.ticks : k->close.ticks;
    int64_t hi = k->open.ticks > k->close.ticks ? k->open.ticks : k->close.ticks;
    if (k->low.ticks <= 0) {
        *why = "low > 0";
    } else if (k->low.ticks > lo) {
        *why = "low <= open and close";
    } else if (k->high.ticks < hi) {
        *why = "high >= open and close";
    } else if (k->volume.steps < 0 || k->trades < 0 || k->quote_volume.e8 < 0) {
        *why = "volume, trades and quote volume >= 0";
    } else if ((k->flags & SC_CANDLE_HAS_SPLIT) != 0 &&
               (k->buy_volume.steps < 0 || k->sell_volume.steps < 0 ||
                k->buy_volume.steps > k->volume.steps ||
                k->sell_volume.steps != k->volume.steps - k->buy_volume.steps)) {
        *why = "0 <= buy volume <= volume and sell = volume - buy";
    }
    return *why == NULL;
}
