/* test_smc.c: the SMCDetector on hand-built candle sequences and on real
 * Binance USD-M 1m klines.
 *
 * Hand-built scenarios list every event they expect, candle by candle; the
 * runner asserts that each candle produces exactly those events (so an event
 * that fires early, late or not at all fails), and replays each scenario
 * mirrored (prices reflected around a pivot: highs become lows, bullish
 * becomes bearish) so each rule is checked in both directions. Prices are in
 * ticks of usdm:BTCUSDT (0.1 USDT): 1050 ticks print as "105.00" (the instrument
 * writes two decimals). */
#include "support/support.h"

#include <stdlib.h>
#include <string.h>

#include "core/instrument.h"
#include "core/params.h"
#include "market/klines_csv.h"
#include "strategy/smc.h"

#define T0 (INT64_C(1723075200) * SC_NS_PER_S) /* 2024-08-08T00:00:00Z */
#define TF SC_NS_PER_MIN
#define PIVOT 2100 /* mirror: p -> PIVOT - p */

typedef struct {
    int64_t o, h, l, c;
} px4;

typedef struct {
    int bar; /* candle that produces it */
    sc_smc_kind kind;
    sc_bias dir;
    int origin_bar;  /* origin_ns = open of this bar */
    int confirm_bar; /* confirm_ns = close of this bar */
    int64_t level, price, top, bottom;
    const char *reason; /* checked exactly when not mirrored; NULL: not checked */
} exp_ev;

static const sc_instrument *usdm(void) {
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    assert_non_null(ins);
    return ins;
}

static sc_smc *make(int swing_n, int fvg_min, int max_tracked, uint32_t events_max) {
    sc_params p;
    sc_params_defaults(&p);
    p.v[SC_P_SMC_SWING_N] = swing_n;
    p.v[SC_P_SMC_FVG_MIN_TICKS] = fvg_min;
    p.v[SC_P_SMC_MAX_TRACKED] = max_tracked;
    sc_smc_config cfg = {.params = &p, .ins = usdm(), .events_max = events_max};
    sc_smc *s = NULL;
    assert_int_equal(sc_smc_create(&cfg, &s), SC_OK);
    assert_non_null(s);
    return s;
}

static sc_candle candle_at(sc_ns open_ns, px4 p) {
    sc_candle k;
    memset(&k, 0, sizeof(k));
    k.open_ns = open_ns;
    k.tf_ns = TF;
    k.open.ticks = p.o;
    k.high.ticks = p.h;
    k.low.ticks = p.l;
    k.close.ticks = p.c;
    k.parts = 1;
    k.closed = true;
    return k;
}

static px4 mirror_px(px4 p) {
    return (px4){.o = PIVOT - p.o, .h = PIVOT - p.l, .l = PIVOT - p.h, .c = PIVOT - p.c};
}

static sc_bias flip(sc_bias d) {
    return d == SC_BIAS_BULLISH ? SC_BIAS_BEARISH
                                : (d == SC_BIAS_BEARISH ? SC_BIAS_BULLISH : SC_BIAS_NONE);
}

static sc_smc_kind flip_kind(sc_smc_kind k) {
    return k == SC_SMC_SWING_HIGH ? SC_SMC_SWING_LOW
                                  : (k == SC_SMC_SWING_LOW ? SC_SMC_SWING_HIGH : k);
}

static int64_t mpx(int64_t v, bool mirrored) {
    return v == 0 || !mirrored ? v : PIVOT - v;
}

static const sc_smc_event *feed(sc_smc *s, sc_ns open_ns, px4 p, uint32_t *n) {
    sc_candle k = candle_at(open_ns, p);
    assert_int_equal(sc_smc_on_candle(s, &k), SC_OK);
    return sc_smc_events(s, n);
}

static void check_event(const sc_smc_event *got, const exp_ev *x, bool mirrored, sc_ns ts_ns) {
    assert_int_equal(got->kind, mirrored ? flip_kind(x->kind) : x->kind);
    assert_int_equal(got->dir, mirrored ? flip(x->dir) : x->dir);
    assert_int_equal(got->ts_ns, ts_ns);
    assert_int_equal(got->origin_ns, T0 + x->origin_bar * TF);
    assert_int_equal(got->confirm_ns, T0 + (x->confirm_bar + 1) * TF);
    assert_true(got->origin_ns < got->confirm_ns && got->confirm_ns <= got->ts_ns);
    assert_int_equal(got->level.ticks, mpx(x->level, mirrored));
    assert_int_equal(got->price.ticks, mpx(x->price, mirrored));
    /* Mirroring swaps the zone's edges. */
    assert_int_equal(got->top.ticks, mirrored ? mpx(x->bottom, true) : x->top);
    assert_int_equal(got->bottom.ticks, mirrored ? mpx(x->top, true) : x->bottom);
    assert_true(got->reason[0] != '\0');
    if (!mirrored && x->reason != NULL) {
        assert_string_equal(got->reason, x->reason);
    }
}

/* Feeds bars[0..n) and asserts each candle produces exactly the expected
 * events, in order, and that the bias follows the last expected break. */
static void run_scenario(sc_smc *s, const px4 *bars, int n, const exp_ev *ex, int n_ex,
                         bool mirrored) {
    int next = 0;
    sc_bias bias = SC_BIAS_NONE;
    for (int i = 0; i < n; i++) {
        uint32_t got_n = 0;
        px4 p = mirrored ? mirror_px(bars[i]) : bars[i];
        const sc_smc_event *ev = feed(s, T0 + i * TF, p, &got_n);
        uint32_t want = 0;
        for (int j = next; j < n_ex && ex[j].bar == i; j++) {
            want++;
        }
        if (got_n != want) {
            fail_msg("bar %d: %u events, expected %u (first: %s)", i, got_n, want,
                     got_n > 0 ? ev[0].reason : "-");
        }
        for (uint32_t j = 0; j < want; j++, next++) {
            check_event(&ev[j], &ex[next], mirrored, T0 + (i + 1) * TF);
            if (ex[next].kind == SC_SMC_BOS || ex[next].kind == SC_SMC_CHOCH) {
                bias = mirrored ? flip(ex[next].dir) : ex[next].dir;
            }
        }
        assert_int_equal(sc_smc_bias(s), bias);
    }
    assert_int_equal(next, n_ex);
}

/* ---- configuration and input checks ---- */

static void test_create_rejects_bad_config(void **state) {
    (void)state;
    sc_params p;
    sc_params_defaults(&p);
    sc_smc *s = NULL;
    sc_smc_config cfg = {.params = &p, .ins = usdm()};
    assert_int_equal(sc_smc_create(NULL, &s), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_smc_create(&cfg, NULL), SC_ERR_INVALID_ARG);
    sc_smc_config no_params = {.ins = usdm()};
    assert_int_equal(sc_smc_create(&no_params, &s), SC_ERR_INVALID_ARG);
    sc_smc_config no_ins = {.params = &p};
    assert_int_equal(sc_smc_create(&no_ins, &s), SC_ERR_INVALID_ARG);
    const struct {
        sc_param_id id;
        double v;
    } bad[] = {{SC_P_SMC_SWING_N, 0},          {SC_P_SMC_SWING_N, 11},
               {SC_P_SMC_SWING_N, 2.5},        {SC_P_SMC_FVG_MIN_TICKS, 0},
               {SC_P_SMC_DISPLACEMENT_ATR, 0}, {SC_P_SMC_MAX_TRACKED, 3},
               {SC_P_SMC_MAX_TRACKED, 1025}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sc_params q = p;
        q.v[bad[i].id] = bad[i].v;
        sc_smc_config c = {.params = &q, .ins = usdm()};
        assert_int_equal(sc_smc_create(&c, &s), SC_ERR_INVALID_ARG);
    }
    cfg.events_max = SC_SMC_EVENTS_MIN - 1;
    assert_int_equal(sc_smc_create(&cfg, &s), SC_ERR_INVALID_ARG);
    cfg.events_max = SC_SMC_EVENTS_MAX + 1;
    assert_int_equal(sc_smc_create(&cfg, &s), SC_ERR_INVALID_ARG);
    assert_null(s);
    cfg.events_max = SC_SMC_EVENTS_MAX;
    assert_int_equal(sc_smc_create(&cfg, &s), SC_OK);
    sc_smc_destroy(s);
    sc_smc_destroy(NULL);
}

static void test_candle_checks_change_nothing(void **state) {
    (void)state;
    sc_smc *s = make(2, 1, 64, 0);
    uint32_t n = 99;
    sc_smc_events(s, &n);
    assert_int_equal(n, 0);
    assert_int_equal(sc_smc_bias(s), SC_BIAS_NONE);
    sc_candle k = candle_at(T0, (px4){1000, 1010, 990, 1005});
    k.closed = false;
    assert_int_equal(sc_smc_on_candle(s, &k), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_smc_on_candle(s, NULL), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_smc_on_candle(NULL, &k), SC_ERR_INVALID_ARG);
    k.closed = true;
    k.low.ticks = 1006; /* low above the close */
    assert_int_equal(sc_smc_on_candle(s, &k), SC_ERR_RANGE);
    k.low.ticks = 990;
    k.tf_ns = 0;
    assert_int_equal(sc_smc_on_candle(s, &k), SC_ERR_RANGE);
    k.tf_ns = TF;
    k.open_ns = -TF;
    assert_int_equal(sc_smc_on_candle(s, &k), SC_ERR_RANGE);
    k.open_ns = T0;
    assert_int_equal(sc_smc_on_candle(s, &k), SC_OK);
    /* Same time, earlier time: SC_ERR_STATE; another timeframe: RANGE. */
    assert_int_equal(sc_smc_on_candle(s, &k), SC_ERR_STATE);
    k.open_ns = T0 - TF;
    assert_int_equal(sc_smc_on_candle(s, &k), SC_ERR_STATE);
    k.open_ns = T0 + 5 * TF;
    k.tf_ns = 5 * TF;
    assert_int_equal(sc_smc_on_candle(s, &k), SC_ERR_RANGE);
    sc_smc_counters c;
    sc_smc_get_counters(s, &c);
    assert_int_equal(c.candles, 1);
    /* The refusals moved neither the time nor the timeframe. */
    k.open_ns = T0 + TF;
    k.tf_ns = TF;
    assert_int_equal(sc_smc_on_candle(s, &k), SC_OK);
    sc_smc_get_counters(s, &c);
    assert_int_equal(c.candles, 2);
    sc_smc_swing sw;
    sc_smc_last_swing(s, SC_SMC_SWING_HIGH, &sw);
    assert_false(sw.valid);
    sc_smc_destroy(s);
}

static void test_names(void **state) {
    (void)state;
    const char *want[SC_SMC_KIND_COUNT] = {"swing_high", "swing_low",  "bos", "choch",
                                           "fvg",        "fvg_filled", "ob",  "ob_mitigated"};
    for (int k = 0; k < SC_SMC_KIND_COUNT; k++) {
        assert_string_equal(sc_smc_kind_name((sc_smc_kind)k), want[k]);
    }
    assert_string_equal(sc_smc_kind_name((sc_smc_kind)99), "?");
    assert_string_equal(sc_smc_zone_kind_name(SC_SMC_ZONE_FVG), "fvg");
    assert_string_equal(sc_smc_zone_kind_name(SC_SMC_ZONE_OB), "ob");
    assert_string_equal(sc_smc_zone_kind_name((sc_smc_zone_kind)7), "?");
}

/* ---- swings ---- */

static const px4 swing_bars[] = {
    {1000, 1010, 990, 1000},  /* 0 */
    {1000, 1020, 995, 1010},  /* 1 */
    {1010, 1050, 1000, 1040}, /* 2: the swing high */
    {1040, 1045, 1020, 1030}, /* 3 */
    {1030, 1040, 1010, 1020}, /* 4: confirms it (2 bars after) */
    {1020, 1030, 1012, 1025}, /* 5 */
};

static void test_swing_high_confirmed_n_bars_later(void **state) {
    (void)state;
    const exp_ev ex[] = {
        {4, SC_SMC_SWING_HIGH, SC_BIAS_NONE, 2, 4, 1050, 1050, 0, 0,
         "swing high 105.00 at 2024-08-08T00:02:00Z, confirmed 2 bars later"},
    };
    for (int m = 0; m < 2; m++) {
        sc_smc *s = make(2, 1, 64, 0);
        run_scenario(s, swing_bars, 6, ex, 1, m == 1);
        sc_smc_swing sw;
        sc_smc_last_swing(s, m == 1 ? SC_SMC_SWING_LOW : SC_SMC_SWING_HIGH, &sw);
        assert_true(sw.valid && !sw.broken);
        assert_int_equal(sw.level.ticks, m == 1 ? PIVOT - 1050 : 1050);
        assert_int_equal(sw.origin_ns, T0 + 2 * TF);
        assert_int_equal(sw.confirm_ns, T0 + 5 * TF);
        sc_smc_last_swing(s, m == 1 ? SC_SMC_SWING_HIGH : SC_SMC_SWING_LOW, &sw);
        assert_false(sw.valid);
        sc_smc_counters c;
        sc_smc_get_counters(s, &c);
        assert_int_equal(c.events[m == 1 ? SC_SMC_SWING_LOW : SC_SMC_SWING_HIGH], 1);
        assert_int_equal(c.bullish[SC_SMC_SWING_HIGH] + c.bearish[SC_SMC_SWING_HIGH], 0);
        sc_smc_destroy(s);
    }
    /* With N = 3 the same bar has only 2 bars before it: never a swing. */
    sc_smc *s = make(3, 1, 64, 0);
    run_scenario(s, swing_bars, 6, NULL, 0, false);
    sc_smc_destroy(s);
}

static void test_swing_ties_exclude(void **state) {
    (void)state;
    for (int m = 0; m < 2; m++) {
        /* An equal high 2 bars after: neither bar is a swing high. */
        px4 after[8];
        memcpy(after, swing_bars, sizeof(swing_bars));
        after[4].h = 1050;
        after[6] = (px4){1025, 1030, 1015, 1020};
        after[7] = (px4){1020, 1028, 1014, 1016};
        sc_smc *s = make(2, 1, 64, 0);
        run_scenario(s, after, 8, NULL, 0, m == 1);
        sc_smc_destroy(s);
        /* An equal high 2 bars before. */
        px4 before[6];
        memcpy(before, swing_bars, sizeof(swing_bars));
        before[0].h = 1050;
        s = make(2, 1, 64, 0);
        run_scenario(s, before, 6, NULL, 0, m == 1);
        sc_smc_destroy(s);
    }
}

/* ---- breaks of structure and changes of character ---- */

static const px4 structure_bars[] = {
    {1000, 1010, 990, 1000},  /* 0 */
    {1000, 1020, 995, 1010},  /* 1 */
    {1010, 1050, 1000, 1040}, /* 2: swing high 1050 */
    {1040, 1045, 1020, 1030}, /* 3 */
    {1030, 1040, 1010, 1020}, /* 4: confirms 1050 */
    {1020, 1060, 1015, 1050}, /* 5: wick above, close equal: no break */
    {1050, 1055, 1030, 1045}, /* 6: wick above, close below: no break */
    {1045, 1070, 1040, 1051}, /* 7: close above: bullish BOS */
    {1051, 1075, 1045, 1070}, /* 8: close above again: broken once only */
    {1070, 1072, 1040, 1045}, /* 9 */
    {1045, 1050, 1030, 1035}, /* 10: swing low 1030; confirms swing high 1075 (8) */
    {1035, 1060, 1032, 1055}, /* 11 */
    {1055, 1065, 1040, 1060}, /* 12: confirms 1030 */
    {1060, 1065, 1025, 1028}, /* 13: close below 1030 with a bullish bias: CHoCH; the */
                              /*     high ties bar 12's: neither is a swing high */
    {1028, 1040, 1020, 1022}, /* 14: close below again: nothing */
};

static const exp_ev structure_ex[] = {
    {4, SC_SMC_SWING_HIGH, SC_BIAS_NONE, 2, 4, 1050, 1050, 0, 0, NULL},
    {7, SC_SMC_BOS, SC_BIAS_BULLISH, 2, 4, 1050, 1051, 0, 0,
     "bullish BOS: close 105.10 above swing high 105.00 (2024-08-08T00:02:00Z)"},
    {10, SC_SMC_SWING_HIGH, SC_BIAS_NONE, 8, 10, 1075, 1075, 0, 0, NULL},
    {12, SC_SMC_SWING_LOW, SC_BIAS_NONE, 10, 12, 1030, 1030, 0, 0,
     "swing low 103.00 at 2024-08-08T00:10:00Z, confirmed 2 bars later"},
    {13, SC_SMC_CHOCH, SC_BIAS_BEARISH, 10, 12, 1030, 1028, 0, 0,
     "bearish CHoCH: close 102.80 below swing low 103.00 (2024-08-08T00:10:00Z), structure was "
     "bullish"},
};

static void test_bos_and_choch_close_based(void **state) {
    (void)state;
    for (int m = 0; m < 2; m++) {
        sc_smc *s = make(2, 1, 64, 0);
        run_scenario(s, structure_bars, 15, structure_ex, 5, m == 1);
        sc_smc_swing sw;
        sc_smc_last_swing(s, m == 1 ? SC_SMC_SWING_HIGH : SC_SMC_SWING_LOW, &sw);
        assert_true(sw.valid && sw.broken);
        sc_smc_last_swing(s, m == 1 ? SC_SMC_SWING_LOW : SC_SMC_SWING_HIGH, &sw);
        assert_true(sw.valid && !sw.broken); /* 1075, replaced the broken 1050 */
        assert_int_equal(sw.level.ticks, mpx(1075, m == 1));
        sc_smc_counters c;
        sc_smc_get_counters(s, &c);
        assert_int_equal(c.events[SC_SMC_BOS], 1);
        assert_int_equal(c.events[SC_SMC_CHOCH], 1);
        assert_int_equal(m == 1 ? c.bearish[SC_SMC_BOS] : c.bullish[SC_SMC_BOS], 1);
        assert_int_equal(m == 1 ? c.bullish[SC_SMC_CHOCH] : c.bearish[SC_SMC_CHOCH], 1);
        sc_smc_destroy(s);
    }
}

static void test_bos_continues_trend(void **state) {
    (void)state;
    /* After the CHoCH down (bar 13), a new swing low and a close below it
     * is a bearish BOS: the structure already was bearish. */
    px4 bars[20];
    memcpy(bars, structure_bars, sizeof(structure_bars));
    bars[15] = (px4){1022, 1030, 1010, 1026}; /* 15: swing low 1010 */
    bars[16] = (px4){1026, 1034, 1018, 1030};
    bars[17] = (px4){1030, 1032, 1012, 1020}; /* 17: confirms swing low 1010 (15) */
    bars[18] = (px4){1020, 1025, 1005, 1009}; /* 18: close 1009 < 1010: bearish BOS */
    exp_ev ex[8];
    memcpy(ex, structure_ex, sizeof(structure_ex));
    ex[5] = (exp_ev){17, SC_SMC_SWING_LOW, SC_BIAS_NONE, 15, 17, 1010, 1010, 0, 0, NULL};
    ex[6] = (exp_ev){.bar = 18,
                     .kind = SC_SMC_BOS,
                     .dir = SC_BIAS_BEARISH,
                     .origin_bar = 15,
                     .confirm_bar = 17,
                     .level = 1010,
                     .price = 1009,
                     .reason =
                         "bearish BOS: close 100.90 below swing low 101.00 (2024-08-08T00:15:00Z)"};
    for (int m = 0; m < 2; m++) {
        sc_smc *s = make(2, 1, 64, 0);
        run_scenario(s, bars, 19, ex, 7, m == 1);
        sc_smc_destroy(s);
    }
}

/* ---- fair value gaps ---- */

static const px4 fvg_bars[] = {
    {1000, 1010, 990, 1005},  /* 0 */
    {1005, 1040, 1004, 1038}, /* 1: leaves the gap */
    {1038, 1045, 1020, 1040}, /* 2: low 1020 > high[0] 1010: bullish FVG 1010..1020 */
    {1040, 1050, 1035, 1045}, /* 3 */
    {1045, 1048, 1015, 1030}, /* 4: low 1015: partly filled */
    {1030, 1042, 1012, 1040}, /* 5: low 1012: more, not all; confirms swing high 1050 (3) */
    {1040, 1041, 1010, 1012}, /* 6: low 1010 = bottom: filled */
    {1012, 1013, 1000, 1005}, /* 7: nothing more to fill */
    {1005, 1006, 990, 992},   /* 8: high 1006 < low[6] 1010: 4 ticks < 5, too small */
    {992, 1001, 970, 975},    /* 9 */
    {975, 990, 960, 965},     /* 10: high 990 = low[8]: no gap */
    {965, 970, 940, 945},     /* 11: high 970 = low[9]: no gap */
    {945, 950, 930, 935},     /* 12: high 950 < low[10] 960: bearish FVG 950..960 */
    {935, 955, 925, 950},     /* 13: high 955: partly filled */
    {950, 959, 945, 958},     /* 14: high 959 */
    {958, 960, 950, 955},     /* 15: high 960 = top: filled; confirms swing low 925 (13) */
};

static void test_fvg_partial_and_full_fill(void **state) {
    (void)state;
    const exp_ev ex[] = {
        {2, SC_SMC_FVG, SC_BIAS_BULLISH, 1, 2, 0, 0, 1020, 1010,
         "bullish FVG 101.00-102.00 (10 ticks) left by the candle of 2024-08-08T00:01:00Z"},
        {5, SC_SMC_SWING_HIGH, SC_BIAS_NONE, 3, 5, 1050, 1050, 0, 0, NULL},
        {6, SC_SMC_FVG_FILLED, SC_BIAS_BULLISH, 1, 2, 0, 1010, 1020, 1010,
         "bullish FVG 101.00-102.00 (2024-08-08T00:01:00Z) filled: low 101.00"},
        {12, SC_SMC_FVG, SC_BIAS_BEARISH, 11, 12, 0, 0, 960, 950, NULL},
        {15, SC_SMC_SWING_LOW, SC_BIAS_NONE, 13, 15, 925, 925, 0, 0, NULL},
        {15, SC_SMC_FVG_FILLED, SC_BIAS_BEARISH, 11, 12, 0, 960, 960, 950,
         "bearish FVG 95.00-96.00 (2024-08-08T00:11:00Z) filled: high 96.00"},
    };
    for (int m = 0; m < 2; m++) {
        bool mir = m == 1;
        sc_smc *s = make(2, 5, 64, 0);
        run_scenario(s, fvg_bars, 5, ex, 1, mir); /* through the first partial fill */
        sc_smc_zone z;
        assert_int_equal(sc_smc_zone_count(s, SC_SMC_ZONE_FVG), 1);
        assert_true(sc_smc_zone_at(s, SC_SMC_ZONE_FVG, 0, &z));
        assert_false(sc_smc_zone_at(s, SC_SMC_ZONE_FVG, 1, &z));
        /* Unfilled part: 1010..1015 (mirrored: 1085..1090). */
        assert_int_equal(z.open_top.ticks, mir ? mpx(1010, true) : 1015);
        assert_int_equal(z.open_bottom.ticks, mir ? mpx(1015, true) : 1010);
        assert_int_equal(z.top.ticks, mir ? mpx(1010, true) : 1020);
        assert_int_equal(z.created_ns, T0 + 3 * TF);
        sc_smc_destroy(s);
        s = make(2, 5, 64, 0);
        run_scenario(s, fvg_bars, 16, ex, 6, mir);
        assert_int_equal(sc_smc_zone_count(s, SC_SMC_ZONE_FVG), 0);
        sc_smc_counters c;
        sc_smc_get_counters(s, &c);
        assert_int_equal(c.fvg_too_small, 1);
        assert_int_equal(c.events[SC_SMC_FVG], 2);
        assert_int_equal(c.events[SC_SMC_FVG_FILLED], 2);
        sc_smc_destroy(s);
    }
    /* With a 4-tick minimum the 4-tick gap at bar 8 counts. */
    sc_smc *s = make(2, 4, 64, 0);
    for (int i = 0; i < 9; i++) {
        uint32_t n = 0;
        const sc_smc_event *ev = feed(s, T0 + i * TF, fvg_bars[i], &n);
        if (i == 8) {
            assert_int_equal(n, 1);
            assert_int_equal(ev[0].kind, SC_SMC_FVG);
            assert_int_equal(ev[0].top.ticks - ev[0].bottom.ticks, 4);
        }
    }
    sc_smc_destroy(s);
}

static void test_fvg_not_across_missing_candle(void **state) {
    (void)state;
    sc_smc *s = make(2, 1, 64, 0);
    uint32_t n = 0;
    feed(s, T0, fvg_bars[0], &n);
    feed(s, T0 + TF, fvg_bars[1], &n);
    /* The candle of minute 2 is missing: the next one has a "gap" that is
     * a hole in the data. */
    feed(s, T0 + 3 * TF, fvg_bars[2], &n);
    assert_int_equal(n, 0);
    feed(s, T0 + 4 * TF, fvg_bars[3], &n);
    assert_int_equal(n, 0);
    sc_smc_counters c;
    sc_smc_get_counters(s, &c);
    assert_int_equal(c.fvg_gap_skipped, 2);
    assert_int_equal(c.events[SC_SMC_FVG], 0);
    /* Three consecutive candles again: tested (bullish gap 1045..1050). */
    const sc_smc_event *ev = feed(s, T0 + 5 * TF, (px4){1050, 1060, 1050, 1055}, &n);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].kind, SC_SMC_FVG);
    assert_int_equal(ev[0].bottom.ticks, 1045);
    assert_int_equal(ev[0].top.ticks, 1050);
    sc_smc_destroy(s);
}

/* A staircase up: each bar from the third leaves a 10-tick bullish gap. */
static px4 stair(int i) {
    int64_t b = 1000 + 10 * i;
    return (px4){b - 2, b + 5, b - 5, b + 2};
}

static void test_zone_limit_and_event_limit(void **state) {
    (void)state;
    /* max_tracked 4: the 5th gap evicts the oldest, which is never reported. */
    sc_smc *s = make(2, 1, 4, 0);
    uint32_t n = 0;
    for (int i = 0; i < 7; i++) {
        const sc_smc_event *ev = feed(s, T0 + i * TF, stair(i), &n);
        assert_int_equal(n, i >= 2 ? 1 : 0);
        if (i >= 2) {
            assert_int_equal(ev[0].kind, SC_SMC_FVG);
        }
    }
    sc_smc_counters c;
    sc_smc_get_counters(s, &c);
    assert_int_equal(c.zones_evicted[SC_SMC_ZONE_FVG], 1);
    assert_int_equal(sc_smc_zone_count(s, SC_SMC_ZONE_FVG), 4);
    sc_smc_zone z;
    assert_true(sc_smc_zone_at(s, SC_SMC_ZONE_FVG, 0, &z));
    assert_int_equal(z.origin_ns, T0 + 2 * TF); /* the gap of bars 1..3 */
    /* A bar down to 900 fills all four, oldest first. */
    const sc_smc_event *ev = feed(s, T0 + 7 * TF, (px4){1062, 1065, 900, 905}, &n);
    assert_int_equal(n, 4);
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(ev[i].kind, SC_SMC_FVG_FILLED);
        assert_int_equal(ev[i].origin_ns, T0 + (int64_t)(i + 2) * TF);
        assert_int_equal(ev[i].price.ticks, 900);
    }
    sc_smc_destroy(s);

    /* events_max 8 with 12 gaps filled at once: 8 listed, 4 counted. */
    s = make(2, 1, 16, 8);
    for (int i = 0; i < 14; i++) {
        feed(s, T0 + i * TF, stair(i), &n);
    }
    assert_int_equal(sc_smc_zone_count(s, SC_SMC_ZONE_FVG), 12);
    ev = feed(s, T0 + 14 * TF, (px4){1132, 1135, 900, 905}, &n);
    assert_int_equal(n, 8);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(ev[i].kind, SC_SMC_FVG_FILLED);
    }
    sc_smc_get_counters(s, &c);
    assert_int_equal(c.events[SC_SMC_FVG_FILLED], 12);
    assert_int_equal(c.events_dropped, 4);
    assert_int_equal(sc_smc_zone_count(s, SC_SMC_ZONE_FVG), 0);
    sc_smc_destroy(s);
}

/* ---- order blocks ---- */

/* 16 identical doji bars: ATR(14) = 10 ticks, no swings (equal highs and
 * lows exclude each other), no gaps, no colour. */
static void warm_up(px4 *bars) {
    for (int i = 0; i < 16; i++) {
        bars[i] = (px4){1000, 1005, 995, 1000};
    }
}

static void test_order_block_and_mitigation(void **state) {
    (void)state;
    px4 bars[26];
    warm_up(bars);
    bars[16] = (px4){1000, 1010, 998, 1004}; /* swing high 1010 */
    bars[17] = (px4){1004, 1006, 996, 998};
    bars[18] = (px4){998, 1002, 990, 992};    /* confirms 1010; swing low 990 */
    bars[19] = (px4){994, 996, 991, 992};     /* the last bearish candle */
    bars[20] = (px4){992, 1030, 992, 1028};   /* displacement (3.6 ATR) closing above 1010 */
    bars[21] = (px4){1028, 1035, 1020, 1030}; /* bullish FVG 996..1020 */
    bars[22] = (px4){1030, 1032, 1000, 1015}; /* low 1000: FVG partly filled, block untouched */
    bars[23] = (px4){1010, 1020, 996, 1000};  /* low 996: block mitigated, FVG filled */
    bars[24] = (px4){1000, 1005, 985, 990};   /* deeper: nothing reported twice; close = 990 */
    bars[25] = (px4){990, 992, 980, 985};     /* close < 990: CHoCH, no displacement: no block */
    const exp_ev ex[] = {
        {18, SC_SMC_SWING_HIGH, SC_BIAS_NONE, 16, 18, 1010, 1010, 0, 0, NULL},
        {20, SC_SMC_BOS, SC_BIAS_BULLISH, 16, 18, 1010, 1028, 0, 0, NULL},
        {20, SC_SMC_OB, SC_BIAS_BULLISH, 19, 20, 0, 0, 996, 991,
         "bullish OB 99.10-99.60 (2024-08-08T00:19:00Z): last bearish candle before a 3.6 ATR "
         "displacement with BOS"},
        {20, SC_SMC_SWING_LOW, SC_BIAS_NONE, 18, 20, 990, 990, 0, 0, NULL},
        {21, SC_SMC_FVG, SC_BIAS_BULLISH, 20, 21, 0, 0, 1020, 996, NULL},
        {23, SC_SMC_SWING_HIGH, SC_BIAS_NONE, 21, 23, 1035, 1035, 0, 0, NULL},
        {23, SC_SMC_FVG_FILLED, SC_BIAS_BULLISH, 20, 21, 0, 996, 1020, 996, NULL},
        {23, SC_SMC_OB_MITIGATED, SC_BIAS_BULLISH, 19, 20, 0, 996, 996, 991,
         "bullish OB 99.10-99.60 (2024-08-08T00:19:00Z) mitigated: low 99.60"},
        {25, SC_SMC_CHOCH, SC_BIAS_BEARISH, 18, 20, 990, 985, 0, 0, NULL},
        {25, SC_SMC_FVG, SC_BIAS_BEARISH, 24, 25, 0, 0, 996, 992, NULL}, /* 992 < low[23] */
    };
    for (int m = 0; m < 2; m++) {
        sc_smc *s = make(2, 1, 64, 0);
        run_scenario(s, bars, 21, ex, 4, m == 1);
        sc_smc_zone z;
        assert_int_equal(sc_smc_zone_count(s, SC_SMC_ZONE_OB), 1);
        assert_true(sc_smc_zone_at(s, SC_SMC_ZONE_OB, 0, &z));
        assert_int_equal(z.open_top.ticks, z.top.ticks);
        assert_int_equal(z.open_bottom.ticks, z.bottom.ticks);
        sc_smc_destroy(s);
        s = make(2, 1, 64, 0);
        run_scenario(s, bars, 26, ex, 10, m == 1);
        assert_int_equal(sc_smc_zone_count(s, SC_SMC_ZONE_OB), 0);
        sc_smc_counters c;
        sc_smc_get_counters(s, &c);
        assert_int_equal(c.displacements, 1);
        assert_int_equal(c.events[SC_SMC_OB], 1);
        assert_int_equal(c.events[SC_SMC_OB_MITIGATED], 1);
        assert_int_equal(c.ob_no_break + c.ob_no_origin, 0);
        sc_smc_destroy(s);
    }
}

static void test_no_order_block_without_break(void **state) {
    (void)state;
    px4 bars[22];
    warm_up(bars);
    /* A displacement with no swing to break: no block. */
    bars[16] = (px4){1000, 1040, 1000, 1038};
    for (int m = 0; m < 2; m++) {
        sc_smc *s = make(2, 1, 64, 0);
        run_scenario(s, bars, 17, NULL, 0, m == 1);
        sc_smc_counters c;
        sc_smc_get_counters(s, &c);
        assert_int_equal(c.displacements, 1);
        assert_int_equal(c.ob_no_break, 1);
        assert_int_equal(sc_smc_zone_count(s, SC_SMC_ZONE_OB), 0);
        sc_smc_destroy(s);
    }
    /* A bearish displacement that closes above the swing high (a gap up):
     * a bullish BOS, but the displacement is not in its direction. */
    bars[16] = (px4){1000, 1010, 998, 1004};
    bars[17] = (px4){1004, 1006, 996, 998};
    bars[18] = (px4){998, 1002, 990, 992};
    bars[19] = (px4){994, 996, 991, 992};
    bars[20] = (px4){1060, 1062, 1035, 1040}; /* body -20, close 1040 > 1010 */
    const exp_ev ex[] = {
        {18, SC_SMC_SWING_HIGH, SC_BIAS_NONE, 16, 18, 1010, 1010, 0, 0, NULL},
        {20, SC_SMC_BOS, SC_BIAS_BULLISH, 16, 18, 1010, 1040, 0, 0, NULL},
        {20, SC_SMC_FVG, SC_BIAS_BULLISH, 19, 20, 0, 0, 1035, 1002, NULL},
        {20, SC_SMC_SWING_LOW, SC_BIAS_NONE, 18, 20, 990, 990, 0, 0, NULL},
    };
    for (int m = 0; m < 2; m++) {
        sc_smc *s = make(2, 1, 64, 0);
        run_scenario(s, bars, 21, ex, 4, m == 1);
        sc_smc_counters c;
        sc_smc_get_counters(s, &c);
        assert_int_equal(c.displacements, 1);
        assert_int_equal(c.ob_no_break, 1);
        assert_int_equal(c.events[SC_SMC_OB], 0);
        sc_smc_destroy(s);
    }
}

static void test_no_order_block_without_origin(void **state) {
    (void)state;
    px4 bars[20];
    warm_up(bars); /* dojis: neither colour */
    bars[16] = (px4){1000, 1010, 998, 1004};
    bars[17] = (px4){1004, 1006, 999, 1005};
    bars[18] = (px4){1005, 1007, 1000, 1006}; /* confirms swing high 1010 */
    bars[19] = (px4){1006, 1040, 1006, 1038}; /* displacement + BOS, no bearish candle */
    const exp_ev ex[] = {
        {18, SC_SMC_SWING_HIGH, SC_BIAS_NONE, 16, 18, 1010, 1010, 0, 0, NULL},
        {19, SC_SMC_BOS, SC_BIAS_BULLISH, 16, 18, 1010, 1038, 0, 0, NULL},
    };
    for (int m = 0; m < 2; m++) {
        sc_smc *s = make(2, 1, 64, 0);
        /* low[19] 1006 = high[17] 1006: no gap either. */
        run_scenario(s, bars, 20, ex, 2, m == 1);
        sc_smc_counters c;
        sc_smc_get_counters(s, &c);
        assert_int_equal(c.displacements, 1);
        assert_int_equal(c.ob_no_origin, 1);
        assert_int_equal(c.events[SC_SMC_OB], 0);
        sc_smc_destroy(s);
    }
}

static void test_order_block_candle_used_once(void **state) {
    (void)state;
    px4 bars[25];
    warm_up(bars);
    bars[16] = (px4){1000, 1010, 998, 1004};
    bars[17] = (px4){1004, 1006, 996, 998};
    bars[18] = (px4){998, 1002, 990, 992};
    bars[19] = (px4){994, 996, 991, 992};     /* the last bearish candle */
    bars[20] = (px4){992, 1030, 992, 1028};   /* displacement + BOS: block from bar 19 */
    bars[21] = (px4){1028, 1035, 1026, 1030}; /* swing high 1035 */
    bars[22] = (px4){1029, 1031, 1027, 1029}; /* doji */
    bars[23] = (px4){1029, 1030, 1026, 1029}; /* doji; confirms 1035 */
    bars[24] = (px4){1029, 1070, 1029, 1068}; /* displacement + BOS; last bearish: bar 19 */
    const exp_ev ex[] = {
        {18, SC_SMC_SWING_HIGH, SC_BIAS_NONE, 16, 18, 1010, 1010, 0, 0, NULL},
        {20, SC_SMC_BOS, SC_BIAS_BULLISH, 16, 18, 1010, 1028, 0, 0, NULL},
        {20, SC_SMC_OB, SC_BIAS_BULLISH, 19, 20, 0, 0, 996, 991, NULL},
        {20, SC_SMC_SWING_LOW, SC_BIAS_NONE, 18, 20, 990, 990, 0, 0, NULL},
        {21, SC_SMC_FVG, SC_BIAS_BULLISH, 20, 21, 0, 0, 1026, 996, NULL},
        {23, SC_SMC_SWING_HIGH, SC_BIAS_NONE, 21, 23, 1035, 1035, 0, 0, NULL},
        {24, SC_SMC_BOS, SC_BIAS_BULLISH, 21, 23, 1035, 1068, 0, 0, NULL},
    };
    for (int m = 0; m < 2; m++) {
        sc_smc *s = make(2, 1, 64, 0);
        run_scenario(s, bars, 25, ex, 7, m == 1);
        sc_smc_counters c;
        sc_smc_get_counters(s, &c);
        assert_int_equal(c.displacements, 2);
        assert_int_equal(c.ob_no_origin, 1);
        assert_int_equal(c.events[SC_SMC_OB], 1);
        assert_int_equal(sc_smc_zone_count(s, SC_SMC_ZONE_OB), 1);
        sc_smc_destroy(s);
    }
}

/* ---- real data ---- */

#define REAL_REL "binance_usdm_klines_1m_signalbot/BTCUSDT_PERP_1m_20250606_20250616.csv.zst"

typedef struct {
    sc_ns origin_ns, created_ns;
    bool done;
} real_zone;

typedef struct {
    sc_candle *bars;
    size_t n;
    size_t cap;
    sc_smc_event *swings; /* every swing event, in order */
    size_t n_swings;
    sc_smc_event *fvgs; /* every FVG event, in order */
    size_t n_fvgs;
    real_zone *zones[SC_SMC_ZONE_KIND_COUNT]; /* every zone created */
    size_t n_zones[SC_SMC_ZONE_KIND_COUNT];
    sc_smc_event ref[2]; /* last swing high, low from the stream */
    bool ref_valid[2], ref_broken[2];
    sc_bias bias;
} real_run;

static void real_zone_end(real_run *r, sc_smc_zone_kind kind, const sc_smc_event *e) {
    for (size_t i = 0; i < r->n_zones[kind]; i++) {
        real_zone *z = &r->zones[kind][i];
        if (z->origin_ns == e->origin_ns && z->created_ns == e->confirm_ns) {
            assert_false(z->done); /* reported once */
            z->done = true;
            return;
        }
    }
    fail_msg("%s refers to no zone created before", e->reason);
}

static void real_break(real_run *r, const sc_smc_event *e) {
    int side = e->dir == SC_BIAS_BULLISH ? 0 : 1;
    assert_true(r->ref_valid[side] && !r->ref_broken[side]);
    assert_int_equal(e->origin_ns, r->ref[side].origin_ns);
    assert_int_equal(e->confirm_ns, r->ref[side].confirm_ns);
    assert_int_equal(e->level.ticks, r->ref[side].level.ticks);
    assert_true(e->confirm_ns < e->ts_ns);
    bool choch = r->bias != SC_BIAS_NONE && r->bias != e->dir;
    assert_int_equal(e->kind, choch ? SC_SMC_CHOCH : SC_SMC_BOS);
    r->ref_broken[side] = true;
    r->bias = e->dir;
}

static void real_event(real_run *r, const sc_smc_event *e, const sc_candle *k) {
    assert_int_equal(e->ts_ns, k->open_ns + k->tf_ns);
    assert_true(e->origin_ns < e->confirm_ns && e->confirm_ns <= e->ts_ns);
    switch (e->kind) {
    case SC_SMC_SWING_HIGH:
    case SC_SMC_SWING_LOW: {
        int side = e->kind == SC_SMC_SWING_HIGH ? 0 : 1;
        r->ref[side] = *e;
        r->ref_valid[side] = true;
        r->ref_broken[side] = false;
        r->swings[r->n_swings++] = *e;
        break;
    }
    case SC_SMC_BOS:
    case SC_SMC_CHOCH:
        real_break(r, e);
        break;
    case SC_SMC_FVG:
    case SC_SMC_OB: {
        sc_smc_zone_kind zk = e->kind == SC_SMC_FVG ? SC_SMC_ZONE_FVG : SC_SMC_ZONE_OB;
        r->zones[zk][r->n_zones[zk]++] = (real_zone){e->origin_ns, e->confirm_ns, false};
        if (e->kind == SC_SMC_FVG) {
            r->fvgs[r->n_fvgs++] = *e;
        }
        break;
    }
    case SC_SMC_FVG_FILLED:
        real_zone_end(r, SC_SMC_ZONE_FVG, e);
        break;
    case SC_SMC_OB_MITIGATED:
        real_zone_end(r, SC_SMC_ZONE_OB, e);
        break;
    }
}

/* The rule, restated: a close beyond an unbroken reference must break it. */
static void real_expect_break(const real_run *r, const sc_candle *k, const sc_smc_event *ev,
                              uint32_t n) {
    bool want = (r->ref_valid[0] && !r->ref_broken[0] && k->close.ticks > r->ref[0].level.ticks) ||
                (r->ref_valid[1] && !r->ref_broken[1] && k->close.ticks < r->ref[1].level.ticks);
    bool got = n > 0 && (ev[0].kind == SC_SMC_BOS || ev[0].kind == SC_SMC_CHOCH);
    assert_int_equal(want, got);
}

static void real_feed_all(real_run *r, sc_smc *s) {
    for (size_t i = 0; i < r->n; i++) {
        const sc_candle *k = &r->bars[i];
        assert_int_equal(sc_smc_on_candle(s, k), SC_OK);
        uint32_t n = 0;
        const sc_smc_event *ev = sc_smc_events(s, &n);
        real_expect_break(r, k, ev, n);
        for (uint32_t j = 0; j < n; j++) {
            real_event(r, &ev[j], k);
        }
        assert_int_equal(sc_smc_bias(s), r->bias);
    }
}

/* Brute force over the whole series: the swing events are exactly the
 * strict N-bar fractals, in confirmation order (high before low). */
static void real_check_swings(const real_run *r, int n_swing) {
    size_t j = 0;
    size_t nb = (size_t)n_swing;
    for (size_t c = nb; c + nb < r->n; c++) {
        for (int side = 0; side < 2; side++) {
            bool ok = true;
            for (size_t o = c - nb; o <= c + nb && ok; o++) {
                if (o != c) {
                    ok = side == 0 ? r->bars[o].high.ticks < r->bars[c].high.ticks
                                   : r->bars[o].low.ticks > r->bars[c].low.ticks;
                }
            }
            if (!ok) {
                continue;
            }
            assert_true(j < r->n_swings);
            const sc_smc_event *e = &r->swings[j++];
            assert_int_equal(e->kind, side == 0 ? SC_SMC_SWING_HIGH : SC_SMC_SWING_LOW);
            assert_int_equal(e->origin_ns, r->bars[c].open_ns);
            assert_int_equal(e->ts_ns, r->bars[c + nb].open_ns + TF);
        }
    }
    assert_int_equal(j, r->n_swings);
}

/* Brute force: the FVG events are exactly the three-candle gaps >= min. */
static void real_check_fvgs(const real_run *r, int64_t min_ticks) {
    size_t j = 0;
    for (size_t c = 2; c < r->n; c++) {
        const sc_candle *a = &r->bars[c - 2];
        const sc_candle *k = &r->bars[c];
        if (k->open_ns - a->open_ns != 2 * TF) {
            continue;
        }
        int64_t up = k->low.ticks - a->high.ticks;
        int64_t down = a->low.ticks - k->high.ticks;
        if (up < min_ticks && down < min_ticks) {
            continue;
        }
        assert_true(j < r->n_fvgs);
        const sc_smc_event *e = &r->fvgs[j++];
        assert_int_equal(e->dir, up >= min_ticks ? SC_BIAS_BULLISH : SC_BIAS_BEARISH);
        assert_int_equal(e->ts_ns, k->open_ns + TF);
        assert_int_equal(e->top.ticks - e->bottom.ticks, up >= min_ticks ? up : down);
    }
    assert_int_equal(j, r->n_fvgs);
}

static void real_load(real_run *r, const char *path) {
    sc_klines_csv_config cfg = {.ins = usdm(), .interval_ns = TF};
    sc_klines_csv *rd = NULL;
    sc_errinfo err;
    assert_int_equal(sc_klines_csv_open(&cfg, path, &rd, &err), SC_OK);
    r->cap = 1 << 15;
    r->bars = malloc(r->cap * sizeof(*r->bars));
    assert_non_null(r->bars);
    sc_candle k;
    sc_err e;
    while ((e = sc_klines_csv_next(rd, &k, &err)) == SC_OK) {
        assert_true(r->n < r->cap);
        r->bars[r->n++] = k;
    }
    assert_int_equal(e, SC_ERR_EOF);
    sc_klines_csv_close(rd);
    r->swings = calloc(r->n * 2, sizeof(*r->swings));
    r->fvgs = calloc(r->n, sizeof(*r->fvgs));
    for (int z = 0; z < SC_SMC_ZONE_KIND_COUNT; z++) {
        r->zones[z] = calloc(r->n, sizeof(*r->zones[z]));
        assert_non_null(r->zones[z]);
    }
    assert_true(r->swings != NULL && r->fvgs != NULL);
}

static void real_free(real_run *r) {
    free(r->bars);
    free(r->swings);
    free(r->fvgs);
    for (int z = 0; z < SC_SMC_ZONE_KIND_COUNT; z++) {
        free(r->zones[z]);
    }
}

static void test_real_klines(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(REAL_REL, path);
    real_run r;
    memset(&r, 0, sizeof(r));
    real_load(&r, path);
    assert_int_equal(r.n, 14400);
    sc_params p;
    sc_params_defaults(&p);
    sc_smc *s = make((int)p.v[SC_P_SMC_SWING_N], (int)p.v[SC_P_SMC_FVG_MIN_TICKS],
                     (int)p.v[SC_P_SMC_MAX_TRACKED], 0);
    real_feed_all(&r, s);
    real_check_swings(&r, (int)p.v[SC_P_SMC_SWING_N]);
    real_check_fvgs(&r, (int64_t)p.v[SC_P_SMC_FVG_MIN_TICKS]);
    sc_smc_counters c;
    sc_smc_get_counters(s, &c);
    assert_int_equal(c.candles, r.n);
    assert_true(c.events[SC_SMC_FVG] > 0);
    assert_true(c.events[SC_SMC_BOS] > 0 && c.events[SC_SMC_CHOCH] > 0);
    assert_true(c.events[SC_SMC_OB] > 0);
    assert_int_equal(c.events_dropped, 0);
    print_message("%s: %zu candles, final bias %s\n", REAL_REL, r.n, sc_bias_name(sc_smc_bias(s)));
    for (int k = 0; k < SC_SMC_KIND_COUNT; k++) {
        print_message("  %-13s %6llu  (bullish %llu, bearish %llu)\n",
                      sc_smc_kind_name((sc_smc_kind)k), (unsigned long long)c.events[k],
                      (unsigned long long)c.bullish[k], (unsigned long long)c.bearish[k]);
    }
    print_message("  open: %u fvg, %u ob; evicted: %llu fvg, %llu ob; displacements %llu "
                  "(no break %llu, no origin %llu); fvg too small %llu\n",
                  sc_smc_zone_count(s, SC_SMC_ZONE_FVG), sc_smc_zone_count(s, SC_SMC_ZONE_OB),
                  (unsigned long long)c.zones_evicted[SC_SMC_ZONE_FVG],
                  (unsigned long long)c.zones_evicted[SC_SMC_ZONE_OB],
                  (unsigned long long)c.displacements, (unsigned long long)c.ob_no_break,
                  (unsigned long long)c.ob_no_origin, (unsigned long long)c.fvg_too_small);
    sc_smc_destroy(s);
    real_free(&r);
}

/* skip_text: the same events, counts and bias on a real stream, only the
 * reason texts empty. */
static void test_skip_text_changes_only_texts(void **state) {
    (void)state;
    char path[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(REAL_REL, path);
    real_run r;
    memset(&r, 0, sizeof(r));
    real_load(&r, path);
    sc_params p;
    sc_params_defaults(&p);
    sc_smc *s[2] = {NULL, NULL};
    for (int i = 0; i < 2; i++) {
        sc_smc_config cfg = {.params = &p, .ins = usdm(), .skip_text = i == 1};
        assert_int_equal(sc_smc_create(&cfg, &s[i]), SC_OK);
    }
    uint64_t events = 0;
    for (size_t b = 0; b < r.n; b++) {
        uint32_t n[2];
        const sc_smc_event *ev[2];
        for (int i = 0; i < 2; i++) {
            assert_int_equal(sc_smc_on_candle(s[i], &r.bars[b]), SC_OK);
            ev[i] = sc_smc_events(s[i], &n[i]);
        }
        assert_int_equal(n[0], n[1]);
        for (uint32_t e = 0; e < n[0]; e++) {
            sc_smc_event a = ev[0][e];
            assert_true(a.reason[0] != '\0');
            assert_string_equal(ev[1][e].reason, "");
            memset(a.reason, 0, sizeof(a.reason));
            assert_memory_equal(&a, &ev[1][e], sizeof(a));
        }
        events += n[0];
        assert_int_equal(sc_smc_bias(s[0]), sc_smc_bias(s[1]));
    }
    sc_smc_counters c[2];
    sc_smc_get_counters(s[0], &c[0]);
    sc_smc_get_counters(s[1], &c[1]);
    assert_memory_equal(&c[0], &c[1], sizeof(c[0]));
    assert_true(events > 1000);
    sc_smc_destroy(s[0]);
    sc_smc_destroy(s[1]);
    real_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_rejects_bad_config),
        cmocka_unit_test(test_candle_checks_change_nothing),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_swing_high_confirmed_n_bars_later),
        cmocka_unit_test(test_swing_ties_exclude),
        cmocka_unit_test(test_bos_and_choch_close_based),
        cmocka_unit_test(test_bos_continues_trend),
        cmocka_unit_test(test_fvg_partial_and_full_fill),
        cmocka_unit_test(test_fvg_not_across_missing_candle),
        cmocka_unit_test(test_zone_limit_and_event_limit),
        cmocka_unit_test(test_order_block_and_mitigation),
        cmocka_unit_test(test_no_order_block_without_break),
        cmocka_unit_test(test_no_order_block_without_origin),
        cmocka_unit_test(test_order_block_candle_used_once),
        cmocka_unit_test(test_real_klines),
        cmocka_unit_test(test_skip_text_changes_only_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
