/* bench_features.c: cost per closed 1m bar of the candle-based feature
 * calculators (src/features), on the real USD-M BTCUSDT 1m klines.
 *
 * The series (14,400 bars) is replayed REPS times, its times shifted by the
 * series' span each time so they keep increasing. Per bar the full set is
 * updated and read: EMA 9 and 21, RSI 14, MACD 12/26/9, ATR 14, Bollinger
 * 20/2, VWAP (session + rolling 60), volatility 30 (regime over 1440),
 * returns (5 bars + 15 min), volume profile (4 h, $5 buckets, 1024-bucket
 * grid: add + full query). Then each calculator alone. Every sample is one
 * bar timed with the monotonic clock, whose own cost is printed first.
 * Prints figures; never fails.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "core/fixed.h"
#include "core/time.h"
#include "features/atr.h"
#include "features/bollinger.h"
#include "features/ema.h"
#include "features/macd.h"
#include "features/returns.h"
#include "features/rsi.h"
#include "features/volatility.h"
#include "features/volume_profile.h"
#include "features/vwap.h"

#define KLINES "binance_usdm_klines_1m_signalbot/BTCUSDT_PERP_1m_20250606_20250616.csv.zst"

enum { REPS = 20, BAR_MAX = 20000, N_CALC = 10 };

typedef struct {
    sc_ns open_ns;
    sc_px high, low, close;
    sc_qty volume;
    double h, l, c, v;
} bar;

typedef struct {
    sc_ema ema9, ema21;
    sc_rsi rsi;
    sc_macd macd;
    sc_atr atr;
    sc_bollinger *bb;
    sc_vwap *vwap;
    sc_volatility *vol;
    sc_returns *ret;
    sc_volume_profile *vp;
    double sink; /* keeps the reads alive */
} calcs;

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static int64_t num(const char *s, size_t n) {
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* One CSV row: open_time,open,high,low,close,volume,taker_buy. */
static bool parse_row(const char *s, size_t len, bar *b) {
    const char *f[7];
    size_t fl[7];
    size_t n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len && n < 7; i++) {
        if (i == len || s[i] == ',') {
            f[n] = s + start;
            fl[n++] = i - start;
            start = i + 1;
        }
    }
    if (n != 7 || fl[0] != 25) {
        return false;
    }
    int64_t days = days_from_civil(num(f[0], 4), num(f[0] + 5, 2), num(f[0] + 8, 2));
    int64_t secs = num(f[0] + 11, 2) * 3600 + num(f[0] + 14, 2) * 60 + num(f[0] + 17, 2);
    b->open_ns = (days * 86400 + secs) * SC_NS_PER_S;
    if (sc_dec_parse(f[2], fl[2], 1, false, &b->high.ticks) != SC_OK ||
        sc_dec_parse(f[3], fl[3], 1, false, &b->low.ticks) != SC_OK ||
        sc_dec_parse(f[4], fl[4], 1, false, &b->close.ticks) != SC_OK ||
        sc_dec_parse(f[5], fl[5], 3, false, &b->volume.steps) != SC_OK) {
        return false;
    }
    b->h = (double)b->high.ticks / 10.0;
    b->l = (double)b->low.ticks / 10.0;
    b->c = (double)b->close.ticks / 10.0;
    b->v = (double)b->volume.steps / 1000.0;
    return true;
}

static size_t load_bars(bar *bars, size_t cap) {
    char path[1024];
    if (!sc_bench_shared(KLINES, path, sizeof(path))) {
        printf("bench_features: %s is absent; skipped\n", path);
        return 0;
    }
    size_t len = 0;
    char *text = sc_bench_load(path, &len);
    if (text == NULL) {
        printf("bench_features: cannot read %s; skipped\n", path);
        return 0;
    }
    size_t n = 0;
    size_t pos = 0;
    bool header = true;
    while (pos < len && n < cap) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        if (!header && end > pos && parse_row(text + pos, end - pos, &bars[n])) {
            n++;
        }
        header = false;
        pos = end + 1;
    }
    free(text);
    return n;
}

static bool calcs_create(calcs *k) {
    memset(k, 0, sizeof(*k));
    sc_macd_config mc = {12, 26, 9};
    sc_bollinger_config bc = {20, 2.0};
    sc_vwap_config wc = {60};
    sc_volatility_config vc = {30, 525600.0, 1440, 60, 25, 75, 95};
    sc_returns_config rc = {5, 15 * SC_NS_PER_MIN, 64};
    sc_volume_profile_config pc = {50, 1024, 4 * 60 * SC_NS_PER_MIN, 512, 0.70, 2, 8};
    return sc_ema_init(&k->ema9, 9) == SC_OK && sc_ema_init(&k->ema21, 21) == SC_OK &&
           sc_rsi_init(&k->rsi, 14) == SC_OK && sc_macd_init(&k->macd, &mc) == SC_OK &&
           sc_atr_init(&k->atr, 14) == SC_OK && sc_bollinger_create(&bc, &k->bb) == SC_OK &&
           sc_vwap_create(&wc, &k->vwap) == SC_OK && sc_volatility_create(&vc, &k->vol) == SC_OK &&
           sc_returns_create(&rc, &k->ret) == SC_OK &&
           sc_volume_profile_create(&pc, &k->vp) == SC_OK;
}

static void calcs_destroy(calcs *k) {
    sc_bollinger_destroy(k->bb);
    sc_vwap_destroy(k->vwap);
    sc_volatility_destroy(k->vol);
    sc_returns_destroy(k->ret);
    sc_volume_profile_destroy(k->vp);
}

/* Updates calculator `which` (or all when which < 0) with bar b at open
 * time t, and reads its values. */
static void step(calcs *k, int which, const bar *b, sc_ns t) {
    double x = 0.0;
    bool all = which < 0;
    if (all || which == 0) {
        sc_ema_update(&k->ema9, b->c);
        sc_ema_update(&k->ema21, b->c);
        k->sink += sc_ema_get(&k->ema9, &x) ? x : 0.0;
        k->sink += sc_ema_get(&k->ema21, &x) ? x : 0.0;
    }
    if (all || which == 1) {
        sc_rsi_update(&k->rsi, b->c);
        k->sink += sc_rsi_get(&k->rsi, &x) ? x : 0.0;
    }
    if (all || which == 2) {
        sc_macd_value m;
        sc_macd_update(&k->macd, b->c);
        k->sink += sc_macd_get(&k->macd, &m) ? m.hist : 0.0;
    }
    if (all || which == 3) {
        sc_atr_update(&k->atr, b->h, b->l, b->c);
        k->sink += sc_atr_get(&k->atr, &x) ? x : 0.0;
    }
    if (all || which == 4) {
        sc_bollinger_value v;
        (void)sc_bollinger_update(k->bb, b->c);
        k->sink += sc_bollinger_get(k->bb, &v) ? v.pct_b : 0.0;
    }
    if (all || which == 5) {
        (void)sc_vwap_update_bar(k->vwap, t, b->h, b->l, b->c, b->v);
        k->sink += sc_vwap_session_get(k->vwap, &x) ? x : 0.0;
        k->sink += sc_vwap_rolling_get(k->vwap, &x) ? x : 0.0;
    }
    if (all || which == 6) {
        sc_volatility_class cls;
        (void)sc_volatility_update(k->vol, b->c);
        k->sink += sc_volatility_get(k->vol, &x) ? x : 0.0;
        k->sink += sc_volatility_regime_get(k->vol, &cls) ? cls.pct : 0.0;
    }
    if (all || which == 7) {
        sc_returns_value r;
        (void)sc_returns_update(k->ret, t + SC_NS_PER_MIN, b->c);
        k->sink += sc_returns_bars_get(k->ret, &r) ? r.log : 0.0;
        k->sink += sc_returns_time_get(k->ret, &r) ? r.log : 0.0;
    }
    if (all || which == 8) {
        sc_volume_profile_value p;
        (void)sc_volume_profile_add_bar(k->vp, t + SC_NS_PER_MIN, b->high, b->low, b->close,
                                        b->volume);
        k->sink += sc_volume_profile_get(k->vp, &p) ? (double)p.poc.ticks : 0.0;
    }
}

static const char *const NAMES[N_CALC] = {
    "all (full set)", "ema 9+21",          "rsi 14",  "macd 12/26/9",  "atr 14", "bollinger 20/2",
    "vwap",           "volatility+regime", "returns", "volume profile"};

/* Times REPS replays of the series through `which`; prints p50 and p99. */
static void run(const bar *bars, size_t n, int which, uint64_t *samples) {
    calcs k;
    if (!calcs_create(&k)) {
        printf("bench_features: create failed\n");
        return;
    }
    sc_ns span = bars[n - 1].open_ns - bars[0].open_ns + SC_NS_PER_MIN;
    size_t m = 0;
    for (int rep = 0; rep < REPS; rep++) {
        for (size_t i = 0; i < n; i++) {
            sc_ns t = bars[i].open_ns + (sc_ns)rep * span;
            uint64_t t0 = sc_bench_now_ns();
            step(&k, which, &bars[i], t);
            samples[m++] = sc_bench_now_ns() - t0;
        }
    }
    uint64_t p50 = sc_bench_quantile(samples, m, 0.50);
    uint64_t p99 = sc_bench_quantile(samples, m, 0.99);
    uint64_t p999 = sc_bench_quantile(samples, m, 0.999);
    printf("%-20s p50 %6llu ns  p99 %6llu ns  p99.9 %6llu ns  (%zu bars, sink %.3g)\n",
           NAMES[which + 1], (unsigned long long)p50, (unsigned long long)p99,
           (unsigned long long)p999, m, k.sink);
    calcs_destroy(&k);
}

int main(void) {
    sc_bench_print_machine();
    bar *bars = calloc(BAR_MAX, sizeof(bar));
    if (bars == NULL) {
        return 0;
    }
    size_t n = load_bars(bars, BAR_MAX);
    uint64_t *samples = calloc((size_t)REPS * (n > 0 ? n : 1), sizeof(uint64_t));
    if (n < 2 || samples == NULL) {
        free(samples);
        free(bars);
        return 0;
    }
    for (size_t i = 0; i < (size_t)REPS * n; i++) {
        uint64_t t0 = sc_bench_now_ns();
        samples[i] = sc_bench_now_ns() - t0;
    }
    printf("clock read (included in every figure): p50 %llu ns\n",
           (unsigned long long)sc_bench_quantile(samples, (size_t)REPS * n, 0.50));
    for (int which = -1; which < N_CALC - 1; which++) {
        run(bars, n, which, samples);
    }
    free(samples);
    free(bars);
    return 0;
}
