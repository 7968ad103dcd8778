/* feature_row.c: the calculators of src/features wired to closed candles.
 *
 * Every calculator sees every candle, in order, and is read right after its
 * update; a "false" from a getter (warming up, undefined) leaves the cell
 * absent. Validation happens once, up front (check_candle), so that no
 * calculator can refuse a candle another one has already taken: a refusal
 * after validation is a bug and trips SC_ASSERT.
 *
 * Prices go to the calculators as doubles in quote units (ticks x tick),
 * computed as (ticks x tick_units) / 10^px_scale: one correctly rounded
 * division, so 1043675 ticks of 0.1 is the double nearest 104367.5.
 */
#include "engine/feature_row.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "features/atr.h"
#include "features/bollinger.h"
#include "features/ema.h"
#include "features/macd.h"
#include "features/microstructure.h"
#include "features/returns.h"
#include "features/rsi.h"
#include "features/volatility.h"
#include "features/volume_profile.h"
#include "features/vwap.h"

/* The parameters the column names carry. */
enum {
    EMA_FAST = 9,
    EMA_MID = 21,
    EMA_SLOW = 50,
    RSI_N = 14,
    MACD_FAST = 12,
    MACD_SLOW = 26,
    MACD_SIGNAL = 9,
    ATR_N = 14,
    BB_N = 20,
    VWAP_ROLLING_N = 60,
    RET_SHORT = 1,
    RET_LONG = 5,
    VOL_N = 30,
    VOL_HISTORY = 1440,
    VOL_HISTORY_MIN = 240,
    VP_WINDOW_CANDLES = 240,
    VP_BUCKETS = 4096, /* grid: 4096 x 10 USDT = 41k USDT around the price at 1m */
    VP_ENTRIES = VP_WINDOW_CANDLES + 16
};
#define BB_K 2.0
#define VP_VALUE_AREA 0.70
#define VOL_LOW_PCT 25.0
#define VOL_NORMAL_PCT 75.0
#define VOL_HIGH_PCT 95.0

/* At most one bar per candle length enters the window (end times step by
 * at least tf), so the entry ring can never fill. */
_Static_assert(VP_ENTRIES > VP_WINDOW_CANDLES, "profile entries must hold the whole window");
_Static_assert(VOL_HISTORY_MIN <= VOL_HISTORY, "regime needs at most its history");

static const sc_feature_column k_columns[SC_FEATURE_COUNT] = {
#define SC__FEATURE_ROW(id, name, fmt, set, unit, def)                                             \
    {name, unit, def, SC_FEATURE_FMT_##fmt, SC_FEATURE_SET_##set},
    SC_FEATURE_COLUMNS(SC__FEATURE_ROW)
#undef SC__FEATURE_ROW
};

struct sc_feature_pipeline {
    sc_feature_pipeline_config cfg;
    double px_pow10;  /* 10^px_scale */
    double qty_pow10; /* 10^qty_scale */
    uint32_t n_cols;
    sc_ema ema_fast;
    sc_ema ema_mid;
    sc_ema ema_slow;
    sc_rsi rsi;
    sc_macd macd;
    sc_atr atr;
    sc_bollinger *bb;
    sc_vwap *vwap;
    sc_volatility *vol;
    sc_returns *ret_short;
    sc_returns *ret_long;
    sc_volume_profile *vp;
    bool has_last;
    sc_ns last_open_ns;
    uint64_t rows;
};

const sc_feature_column *sc_feature_column_at(uint32_t id) {
    return id < SC_FEATURE_COUNT ? &k_columns[id] : NULL;
}

int64_t sc_feature_vp_bucket_quote(sc_ns tf_ns) {
    SC_ASSERT(tf_ns > 0);
    if (tf_ns < SC_NS_PER_MIN) {
        return 1;
    }
    if (tf_ns < 5 * SC_NS_PER_MIN) {
        return 10;
    }
    if (tf_ns < 15 * SC_NS_PER_MIN) {
        return 25;
    }
    if (tf_ns < 60 * SC_NS_PER_MIN) {
        return 50;
    }
    return 100;
}

static double pow10_of(int n) {
    SC_ASSERT(n >= 0 && n <= SC_DEC_SCALE_MAX);
    double v = 1.0;
    for (int i = 0; i < n; i++) {
        v *= 10.0;
    }
    return v;
}

/* Bucket width in ticks: quote units x 10^px_scale / tick_units, exact. */
static int64_t vp_bucket_ticks(const sc_instrument *ins, sc_ns tf_ns) {
    int64_t units = sc_feature_vp_bucket_quote(tf_ns);
    for (int i = 0; i < ins->px_scale; i++) {
        units *= 10;
    }
    SC_ASSERT(ins->tick_units > 0 && units % ins->tick_units == 0);
    int64_t ticks = units / ins->tick_units;
    SC_ASSERT(ticks >= 1 && ticks <= SC_VOLUME_PROFILE_BUCKET_TICKS_MAX);
    return ticks;
}

static sc_err init_value_calcs(sc_feature_pipeline *p) {
    SC_ASSERT(p != NULL && p->rows == 0);
    sc_macd_config mc = {MACD_FAST, MACD_SLOW, MACD_SIGNAL};
    if (sc_ema_init(&p->ema_fast, EMA_FAST) != SC_OK ||
        sc_ema_init(&p->ema_mid, EMA_MID) != SC_OK ||
        sc_ema_init(&p->ema_slow, EMA_SLOW) != SC_OK || sc_rsi_init(&p->rsi, RSI_N) != SC_OK ||
        sc_macd_init(&p->macd, &mc) != SC_OK || sc_atr_init(&p->atr, ATR_N) != SC_OK) {
        return SC_ERR_INVALID_ARG;
    }
    return SC_OK;
}

static sc_err create_window_calcs(sc_feature_pipeline *p) {
    SC_ASSERT(p->bb == NULL && p->vp == NULL); /* created once */
    SC_ASSERT(VP_WINDOW_CANDLES * p->cfg.tf_ns > 0);
    sc_bollinger_config bc = {BB_N, BB_K};
    sc_vwap_config wc = {VWAP_ROLLING_N};
    sc_volatility_config vc = {
        VOL_N, 0.0, VOL_HISTORY, VOL_HISTORY_MIN, VOL_LOW_PCT, VOL_NORMAL_PCT, VOL_HIGH_PCT};
    sc_returns_config rs = {RET_SHORT, 0, 0};
    sc_returns_config rl = {RET_LONG, 0, 0};
    sc_volume_profile_config pc = {vp_bucket_ticks(p->cfg.ins, p->cfg.tf_ns),
                                   VP_BUCKETS,
                                   VP_WINDOW_CANDLES * p->cfg.tf_ns,
                                   VP_ENTRIES,
                                   VP_VALUE_AREA,
                                   0,
                                   0};
    sc_err e = sc_bollinger_create(&bc, &p->bb);
    if (e == SC_OK) {
        e = sc_vwap_create(&wc, &p->vwap);
    }
    if (e == SC_OK) {
        e = sc_volatility_create(&vc, &p->vol);
    }
    if (e == SC_OK) {
        e = sc_returns_create(&rs, &p->ret_short);
    }
    if (e == SC_OK) {
        e = sc_returns_create(&rl, &p->ret_long);
    }
    if (e == SC_OK) {
        e = sc_volume_profile_create(&pc, &p->vp);
    }
    return e;
}

static bool tf_valid(sc_ns tf_ns) {
    return tf_ns >= SC_NS_PER_S && tf_ns <= SC_CANDLES_TF_NS_MAX && tf_ns % SC_NS_PER_S == 0;
}

sc_err sc_feature_pipeline_create(const sc_feature_pipeline_config *cfg,
                                  sc_feature_pipeline **out) {
    if (cfg == NULL || out == NULL || cfg->ins == NULL || !tf_valid(cfg->tf_ns)) {
        return SC_ERR_INVALID_ARG;
    }
    sc_feature_pipeline *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return SC_ERR_NOMEM;
    }
    p->cfg = *cfg;
    p->px_pow10 = pow10_of(cfg->ins->px_scale);
    p->qty_pow10 = pow10_of(cfg->ins->qty_scale);
    /* The base set comes first in the table: output column i is id i. */
    for (uint32_t i = 0; i < SC_FEATURE_COUNT; i++) {
        if (k_columns[i].set == SC_FEATURE_SET_BASE) {
            SC_ASSERT(p->n_cols == i);
            p->n_cols++;
        } else if (cfg->with_book) {
            p->n_cols = i + 1;
        }
    }
    SC_ASSERT(p->n_cols > 0 && p->n_cols <= SC_FEATURE_COUNT);
    sc_err e = init_value_calcs(p);
    if (e == SC_OK) {
        e = create_window_calcs(p);
    }
    if (e != SC_OK) {
        sc_feature_pipeline_destroy(p);
        return e;
    }
    *out = p;
    return SC_OK;
}

void sc_feature_pipeline_destroy(sc_feature_pipeline *p) {
    if (p == NULL) {
        return;
    }
    sc_bollinger_destroy(p->bb);
    sc_vwap_destroy(p->vwap);
    sc_volatility_destroy(p->vol);
    sc_returns_destroy(p->ret_short);
    sc_returns_destroy(p->ret_long);
    sc_volume_profile_destroy(p->vp);
    free(p);
}

uint32_t sc_feature_pipeline_columns(const sc_feature_pipeline *p) {
    SC_ASSERT(p != NULL);
    return p->n_cols;
}

uint64_t sc_feature_pipeline_rows(const sc_feature_pipeline *p) {
    SC_ASSERT(p != NULL);
    return p->rows;
}

/* ---- one candle --------------------------------------------------------- */

static sc_err refuse(sc_errinfo *err, sc_err e, const char *field, const char *expected,
                     const char *got) {
    SC_ASSERT(e != SC_OK);
    SC_ASSERT(field != NULL && expected != NULL && got != NULL);
    if (err != NULL) {
        sc_errinfo_set(err, field, expected, got, strlen(got));
    }
    return e;
}

static sc_err check_candle(const sc_feature_pipeline *p, const sc_candle *k, sc_errinfo *err) {
    SC_ASSERT(p->cfg.tf_ns >= SC_NS_PER_S);
    char want[96];
    char got[96];
    if (k->tf_ns != p->cfg.tf_ns || !k->closed || k->open_ns < 0 || k->open_ns % k->tf_ns != 0) {
        snprintf(want, sizeof(want), "a closed candle of %lld s, aligned",
                 (long long)(p->cfg.tf_ns / SC_NS_PER_S));
        snprintf(got, sizeof(got), "%lld ns at open %lld ns%s", (long long)k->tf_ns,
                 (long long)k->open_ns, k->closed ? "" : ", still open");
        return refuse(err, SC_ERR_INVALID_ARG, "candle", want, got);
    }
    if (p->has_last && k->open_ns <= p->last_open_ns) {
        char prev[40];
        char now[40];
        snprintf(want, sizeof(want), "after the previous candle's %s",
                 sc_ns_format_utc(p->last_open_ns, prev, sizeof(prev)));
        return refuse(err, SC_ERR_STATE, "open_time", want,
                      sc_ns_format_utc(k->open_ns, now, sizeof(now)));
    }
    const char *why = NULL;
    if (!sc_candle_valid(k, &why)) {
        return refuse(err, SC_ERR_RANGE, "candle", "a consistent candle", why ? why : "?");
    }
    if (k->high.ticks > SC_FEATURE_PX_TICKS_MAX) {
        snprintf(want, sizeof(want), "at most %lld ticks", (long long)SC_FEATURE_PX_TICKS_MAX);
        snprintf(got, sizeof(got), "%lld", (long long)k->high.ticks);
        return refuse(err, SC_ERR_RANGE, "high", want, got);
    }
    return SC_OK;
}

static double px_d(const sc_feature_pipeline *p, int64_t ticks) {
    int64_t units;
    SC_ASSERT(ticks > 0 && ticks <= SC_FEATURE_PX_TICKS_MAX);
    SC_ASSERT(sc_mul_i64(ticks, p->cfg.ins->tick_units, &units));
    return (double)units / p->px_pow10;
}

static double qty_d(const sc_feature_pipeline *p, int64_t steps) {
    int64_t units;
    SC_ASSERT(steps >= 0);
    SC_ASSERT(sc_mul_i64(steps, p->cfg.ins->step_units, &units));
    return (double)units / p->qty_pow10;
}

static void put_i(sc_feature_row *row, sc_feature_id id, int64_t v) {
    SC_ASSERT(k_columns[id].fmt != SC_FEATURE_FMT_REAL);
    row->v[id].present = true;
    row->v[id].i = v;
}

static void put_d(sc_feature_row *row, sc_feature_id id, double v) {
    SC_ASSERT(k_columns[id].fmt == SC_FEATURE_FMT_REAL);
    SC_ASSERT(isfinite(v));
    row->v[id].present = true;
    row->v[id].d = v;
}

static void put_candle(const sc_feature_pipeline *p, const sc_candle *k, sc_feature_row *row) {
    SC_ASSERT(k->open_ns % SC_NS_PER_MS == 0); /* written in whole ms */
    SC_ASSERT(k->gap_before >= 0 && k->missing_parts >= 0);
    put_i(row, SC_FEATURE_OPEN_TIME, k->open_ns);
    put_i(row, SC_FEATURE_OPEN, k->open.ticks);
    put_i(row, SC_FEATURE_HIGH, k->high.ticks);
    put_i(row, SC_FEATURE_LOW, k->low.ticks);
    put_i(row, SC_FEATURE_CLOSE, k->close.ticks);
    put_i(row, SC_FEATURE_VOLUME, k->volume.steps);
    put_i(row, SC_FEATURE_GAP_BEFORE, k->gap_before);
    put_i(row, SC_FEATURE_MISSING_INSIDE, k->missing_parts);
    if (k->flags & SC_CANDLE_HAS_SPLIT) {
        SC_ASSERT(k->buy_volume.steps + k->sell_volume.steps == k->volume.steps);
        put_i(row, SC_FEATURE_BUY_VOLUME, k->buy_volume.steps);
        put_i(row, SC_FEATURE_SELL_VOLUME, k->sell_volume.steps);
        if (k->volume.steps > 0) {
            double d = (double)(k->buy_volume.steps - k->sell_volume.steps);
            put_d(row, SC_FEATURE_TRADE_IMBALANCE, d / (double)k->volume.steps);
        }
    }
    if (k->flags & SC_CANDLE_HAS_TRADES) {
        put_i(row, SC_FEATURE_TRADES, k->trades);
    }
    double vwap_ticks = 0.0;
    if (sc_candle_vwap(p->cfg.ins, k, &vwap_ticks)) {
        put_d(row, SC_FEATURE_VWAP, vwap_ticks * (double)p->cfg.ins->tick_units / p->px_pow10);
    }
}

static void update_momentum(sc_feature_pipeline *p, const sc_candle *k, double h, double l,
                            double c, sc_feature_row *row) {
    SC_ASSERT(isfinite(h) && isfinite(l) && isfinite(c));
    double v;
    sc_ema *emas[3] = {&p->ema_fast, &p->ema_mid, &p->ema_slow};
    const sc_feature_id ids[3] = {SC_FEATURE_EMA_9, SC_FEATURE_EMA_21, SC_FEATURE_EMA_50};
    for (int i = 0; i < 3; i++) {
        sc_ema_update(emas[i], c);
        if (sc_ema_get(emas[i], &v)) {
            put_d(row, ids[i], v);
        }
    }
    sc_rsi_update(&p->rsi, c);
    if (sc_rsi_get(&p->rsi, &v)) {
        put_d(row, SC_FEATURE_RSI_14, v);
    }
    sc_macd_update(&p->macd, c);
    sc_macd_value mv;
    if (sc_macd_line_get(&p->macd, &v)) {
        put_d(row, SC_FEATURE_MACD, v);
    }
    if (sc_macd_get(&p->macd, &mv)) {
        SC_ASSERT(row->v[SC_FEATURE_MACD].present && row->v[SC_FEATURE_MACD].d == mv.line);
        put_d(row, SC_FEATURE_MACD_SIGNAL, mv.signal);
        put_d(row, SC_FEATURE_MACD_HIST, mv.hist);
    }
    sc_atr_update(&p->atr, h, l, c);
    if (sc_atr_get(&p->atr, &v)) {
        put_d(row, SC_FEATURE_ATR_14, v);
    }
    sc_ns end_ns = k->open_ns + k->tf_ns;
    sc_returns_value rv;
    SC_ASSERT(sc_returns_update(p->ret_short, end_ns, c) == SC_OK);
    SC_ASSERT(sc_returns_update(p->ret_long, end_ns, c) == SC_OK);
    if (sc_returns_bars_get(p->ret_short, &rv)) {
        put_d(row, SC_FEATURE_LOGRET_1, rv.log);
    }
    if (sc_returns_bars_get(p->ret_long, &rv)) {
        put_d(row, SC_FEATURE_LOGRET_5, rv.log);
    }
}

static void update_bands(sc_feature_pipeline *p, const sc_candle *k, double h, double l, double c,
                         sc_feature_row *row) {
    SC_ASSERT(sc_bollinger_update(p->bb, c) == SC_OK);
    sc_bollinger_value bv;
    if (sc_bollinger_get(p->bb, &bv)) {
        put_d(row, SC_FEATURE_BB_MID, bv.mid);
        put_d(row, SC_FEATURE_BB_UPPER, bv.upper);
        put_d(row, SC_FEATURE_BB_LOWER, bv.lower);
        put_d(row, SC_FEATURE_BB_PCTB, bv.pct_b);
        put_d(row, SC_FEATURE_BB_WIDTH, bv.bandwidth);
    }
    double vol = qty_d(p, k->volume.steps);
    SC_ASSERT(sc_vwap_update_bar(p->vwap, k->open_ns, h, l, c, vol) == SC_OK);
    double v;
    double dist;
    if (sc_vwap_session_get(p->vwap, &v)) {
        put_d(row, SC_FEATURE_VWAP_SESSION, v);
        if (sc_vwap_distance_bps(c, v, &dist)) {
            put_d(row, SC_FEATURE_VWAP_SESSION_DIST, dist);
        }
    }
    if (sc_vwap_rolling_get(p->vwap, &v)) {
        put_d(row, SC_FEATURE_VWAP_ROLLING, v);
    }
    SC_ASSERT(sc_volatility_update(p->vol, c) == SC_OK);
    if (sc_volatility_get(p->vol, &v)) {
        put_d(row, SC_FEATURE_REALIZED_VOL, v);
    }
    sc_volatility_class vc;
    if (sc_volatility_regime_get(p->vol, &vc)) {
        put_i(row, SC_FEATURE_VOL_REGIME, (int64_t)vc.regime);
        put_d(row, SC_FEATURE_VOL_REGIME_PCT, vc.pct);
    }
}

static void update_profile(sc_feature_pipeline *p, const sc_candle *k, sc_feature_row *row) {
    sc_err e = sc_volume_profile_add_bar(p->vp, k->open_ns + k->tf_ns, k->high, k->low, k->close,
                                         k->volume);
    SC_ASSERT(e == SC_OK);
    sc_volume_profile_value pv;
    if (sc_volume_profile_get(p->vp, &pv)) {
        SC_ASSERT(pv.va_low.ticks <= pv.poc.ticks && pv.poc.ticks < pv.va_high.ticks);
        put_i(row, SC_FEATURE_POC, pv.poc.ticks);
        put_i(row, SC_FEATURE_VA_LOW, pv.va_low.ticks);
        put_i(row, SC_FEATURE_VA_HIGH, pv.va_high.ticks);
    }
}

static void put_book(const sc_feature_pipeline *p, const sc_feature_book *b, sc_feature_row *row) {
    SC_ASSERT(p->cfg.with_book);
    SC_ASSERT(!b->top_ok || (b->bid.px.ticks > 0 && b->bid.px.ticks < b->ask.px.ticks));
    if (b->top_ok) {
        put_i(row, SC_FEATURE_BID, b->bid.px.ticks);
        put_i(row, SC_FEATURE_ASK, b->ask.px.ticks);
        put_i(row, SC_FEATURE_BID_QTY, b->bid.qty.steps);
        put_i(row, SC_FEATURE_ASK_QTY, b->ask.qty.steps);
        double v;
        if (sc_microstructure_spread_bps(b->bid.px, b->ask.px, &v)) {
            put_d(row, SC_FEATURE_SPREAD_BPS, v);
        }
        if (sc_microstructure_microprice_ticks(b->bid, b->ask, &v)) {
            put_d(row, SC_FEATURE_MICROPRICE, v * (double)p->cfg.ins->tick_units / p->px_pow10);
        }
    }
    if (b->imbalance_ok) {
        put_d(row, SC_FEATURE_BOOK_IMBALANCE, b->imbalance);
    }
    if (b->depth_ok) {
        put_i(row, SC_FEATURE_DEPTH_BID, b->depth_bid.steps);
        put_i(row, SC_FEATURE_DEPTH_ASK, b->depth_ask.steps);
    }
    if (b->ofi_ok) {
        put_i(row, SC_FEATURE_OFI, b->ofi_steps);
    }
}

sc_err sc_feature_pipeline_on_candle(sc_feature_pipeline *p, const sc_candle *k,
                                     const sc_feature_book *book, sc_feature_row *row,
                                     sc_errinfo *err) {
    SC_ASSERT(p != NULL && k != NULL && row != NULL);
    sc_err e = check_candle(p, k, err);
    if (e != SC_OK) {
        return e;
    }
    memset(row, 0, sizeof(*row));
    row->open_ns = k->open_ns;
    double h = px_d(p, k->high.ticks);
    double l = px_d(p, k->low.ticks);
    double c = px_d(p, k->close.ticks);
    SC_ASSERT(l > 0.0 && l <= c && c <= h);
    put_candle(p, k, row);
    update_momentum(p, k, h, l, c, row);
    update_bands(p, k, h, l, c, row);
    update_profile(p, k, row);
    if (p->cfg.with_book && book != NULL) {
        put_book(p, book, row);
    }
    p->has_last = true;
    p->last_open_ns = k->open_ns;
    p->rows++;
    return SC_OK;
}

/* ---- text ---------------------------------------------------------------- */

/* Decimal digits of v (v >= 0) into buf, no terminator; returns the count. */
static int put_digits(uint64_t v, char *buf) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + (v % 10));
        v /= 10;
    } while (v != 0);
    SC_ASSERT(n >= 1 && n <= 20);
    for (int i = 0; i < n; i++) {
        buf[i] = tmp[n - 1 - i];
    }
    return n;
}

static int fmt_i64(int64_t v, char *buf, size_t cap) {
    SC_ASSERT(buf != NULL);
    if (cap < 24) {
        return -1;
    }
    int n = 0;
    uint64_t mag = (uint64_t)v;
    if (v < 0) {
        buf[n++] = '-';
        mag = (uint64_t)0 - mag;
    }
    return n + put_digits(mag, buf + n);
}

/* 10 significant digits, like %.10g but without exponents for 1e-4 <= |x|
 * < 1e10 (the common case, done in integers: printf is the slow part of a
 * row); other magnitudes go through %.10g. Trailing zeros are dropped. */
static int fmt_real(double x, char *buf, size_t cap) {
    SC_ASSERT(isfinite(x));
    double ax = fabs(x);
    if (ax == 0.0) {
        return cap >= 2 ? (buf[0] = '0', 1) : -1;
    }
    if (ax < 1e-4 || ax >= 1e10 || cap < 32) {
        int n = snprintf(buf, cap, "%.10g", x);
        return n < 0 || (size_t)n >= cap ? -1 : n;
    }
    static const double k_pow10[14] = {1e0, 1e1, 1e2, 1e3,  1e4,  1e5,  1e6,
                                       1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13};
    /* dec = digits after the point for 10 significant ones: 9 - floor(log10 ax),
     * found by comparison (log10 costs more than the rest of the cell). */
    int dec = 13;
    while (dec > 0 && ax * k_pow10[dec] >= 1e10) {
        dec--;
    }
    SC_ASSERT(dec >= 0 && dec <= 13 && ax * k_pow10[dec] >= 1e9 * (1.0 - 1e-15));
    uint64_t m = (uint64_t)(ax * k_pow10[dec] + 0.5); /* ax > 0: round half up */
    char digits[24];
    int nd = put_digits(m, digits);
    int n = 0;
    if (x < 0) {
        buf[n++] = '-';
    }
    int int_digits = nd - dec;
    if (int_digits <= 0) {
        buf[n++] = '0';
        buf[n++] = '.';
        for (int i = int_digits; i < 0; i++) {
            buf[n++] = '0';
        }
        memcpy(buf + n, digits, (size_t)nd);
        n += nd;
    } else {
        memcpy(buf + n, digits, (size_t)int_digits);
        n += int_digits;
        buf[n++] = '.';
        memcpy(buf + n, digits + int_digits, (size_t)dec);
        n += dec;
    }
    while (buf[n - 1] == '0') {
        n--;
    }
    if (buf[n - 1] == '.') {
        n--;
    }
    return n;
}

static int format_cell(const sc_feature_pipeline *p, sc_feature_fmt fmt, const sc_feature_value *v,
                       char *buf, size_t cap) {
    if (!v->present) {
        return 0;
    }
    switch (fmt) {
    case SC_FEATURE_FMT_TIME_MS:
        SC_ASSERT(v->i % SC_NS_PER_MS == 0);
        return fmt_i64(v->i / SC_NS_PER_MS, buf, cap);
    case SC_FEATURE_FMT_INT:
        return fmt_i64(v->i, buf, cap);
    case SC_FEATURE_FMT_PX:
        return sc_px_format(p->cfg.ins, (sc_px){v->i}, buf, cap);
    case SC_FEATURE_FMT_QTY:
        return sc_qty_format(p->cfg.ins, (sc_qty){v->i}, buf, cap);
    case SC_FEATURE_FMT_REAL:
        return fmt_real(v->d, buf, cap);
    case SC_FEATURE_FMT_REGIME: {
        SC_ASSERT(v->i >= SC_VOLATILITY_REGIME_LOW && v->i <= SC_VOLATILITY_REGIME_EXTREME);
        const char *name = sc_volatility_regime_name((sc_volatility_regime)v->i);
        size_t n = strlen(name);
        if (n >= cap) {
            return -1;
        }
        memcpy(buf, name, n);
        return (int)n;
    }
    }
    SC_ASSERT(false && "unknown cell format");
    return -1;
}

int sc_feature_pipeline_format(const sc_feature_pipeline *p, const sc_feature_row *row, char *buf,
                               size_t cap) {
    SC_ASSERT(p != NULL && row != NULL && buf != NULL);
    size_t n = 0;
    for (uint32_t i = 0; i < p->n_cols; i++) {
        if (cap - n < SC_FEATURE_CELL_MAX + 2) {
            return -1;
        }
        int w = format_cell(p, k_columns[i].fmt, &row->v[i], buf + n, SC_FEATURE_CELL_MAX);
        if (w < 0) {
            return -1;
        }
        n += (size_t)w;
        buf[n++] = i + 1 < p->n_cols ? ',' : '\n';
    }
    SC_ASSERT(n < cap);
    buf[n] = '\0';
    return (int)n;
}

int sc_feature_pipeline_header(const sc_feature_pipeline *p, char *buf, size_t cap) {
    SC_ASSERT(p != NULL && buf != NULL);
    size_t n = 0;
    for (uint32_t i = 0; i < p->n_cols; i++) {
        size_t len = strlen(k_columns[i].name);
        if (cap - n < len + 2) {
            return -1;
        }
        memcpy(buf + n, k_columns[i].name, len);
        n += len;
        buf[n++] = i + 1 < p->n_cols ? ',' : '\n';
    }
    SC_ASSERT(n < cap);
    buf[n] = '\0';
    return (int)n;
}
