/* regime.c: RegimeDetector (definitions and precedence in regime.h).
 *
 * The candidate of a candle is a pure function of its inputs; all state is
 * the hysteresis run (pending regime and its length), the last change and
 * the counters, in one fixed-size struct allocated in create.
 */
#include "strategy/regime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "features/ema.h"

/* The longest run the parameter table allows; the run counter is an
 * int32_t well inside it. */
enum { REGIME_HYSTERESIS_CEIL = 100 };

struct sc_regime_detector {
    sc_regime_config cfg;
    bool has_time;
    sc_ns last_ts_ns;
    sc_regime current;
    sc_regime pending;    /* candidate of the run in progress; current when none */
    int32_t run_bars;     /* 0 .. H - 1 */
    bool changed_on_last; /* the last accepted candle made a change */
    sc_regime_change last;
    sc_regime_counters counters;
};

static bool regime_valid(sc_regime r) {
    return (int)r >= 0 && (int)r < SC_REGIME_COUNT;
}

static bool regime_param_ok(sc_param_id id, double value) {
    return sc_param_check(sc_param_def_of(id), value, NULL) == SC_OK;
}

static bool regime_config_ok(const sc_regime_config *c) {
    return regime_param_ok(SC_P_REGIME_TREND_BPS, c->trend_bps) &&
           regime_param_ok(SC_P_REGIME_VOLATILE_PCT, c->volatile_pct) &&
           regime_param_ok(SC_P_REGIME_ILLIQUID_SPREAD_BPS, c->illiquid_spread_bps) &&
           regime_param_ok(SC_P_REGIME_ILLIQUID_DEPTH_STEPS, (double)c->illiquid_depth_steps) &&
           regime_param_ok(SC_P_REGIME_HYSTERESIS_BARS, (double)c->hysteresis_bars) &&
           c->ema_fast_n >= 1 && c->ema_fast_n < c->ema_slow_n &&
           c->ema_slow_n <= SC_EMA_PERIOD_MAX;
}

/* An INT parameter as an integer; -1 (refused by create) when the value is
 * outside its bounds or not whole, so no out-of-range double is converted.
 * Every INT regime.* parameter's bounds lie inside 0..INT32_MAX. */
static int64_t regime_int_param(const sc_params *p, sc_param_id id) {
    const sc_param_def *def = sc_param_def_of(id);
    SC_ASSERT(def->type == SC_PARAM_INT && def->min >= 0.0 && def->max <= (double)INT32_MAX);
    double v = sc_params_get(p, id);
    return sc_param_check(def, v, NULL) == SC_OK ? (int64_t)v : -1;
}

void sc_regime_config_from_params(const sc_params *p, sc_regime_config *out) {
    SC_ASSERT(p != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    out->trend_bps = sc_params_get(p, SC_P_REGIME_TREND_BPS);
    out->volatile_pct = sc_params_get(p, SC_P_REGIME_VOLATILE_PCT);
    out->illiquid_spread_bps = sc_params_get(p, SC_P_REGIME_ILLIQUID_SPREAD_BPS);
    out->illiquid_depth_steps = regime_int_param(p, SC_P_REGIME_ILLIQUID_DEPTH_STEPS);
    out->hysteresis_bars = (int32_t)regime_int_param(p, SC_P_REGIME_HYSTERESIS_BARS);
    out->ema_fast_n = SC_REGIME_EMA_FAST_DEFAULT;
    out->ema_slow_n = SC_REGIME_EMA_SLOW_DEFAULT;
}

sc_err sc_regime_create(const sc_regime_config *cfg, sc_regime_detector **out) {
    if (cfg == NULL || out == NULL || !regime_config_ok(cfg)) {
        return SC_ERR_INVALID_ARG;
    }
    SC_ASSERT(cfg->hysteresis_bars >= 1 && cfg->hysteresis_bars <= REGIME_HYSTERESIS_CEIL);
    sc_regime_detector *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        return SC_ERR_NOMEM;
    }
    d->cfg = *cfg;
    d->current = SC_REGIME_UNKNOWN;
    d->pending = SC_REGIME_UNKNOWN;
    *out = d;
    return SC_OK;
}

void sc_regime_destroy(sc_regime_detector *d) {
    free(d);
}

static bool regime_inputs_ok(const sc_regime_inputs *in) {
    if (!isfinite(in->mid) || in->mid <= 0.0) {
        return false;
    }
    if (in->ema_ready && !(isfinite(in->ema_fast) && in->ema_fast > 0.0 && isfinite(in->ema_slow) &&
                           in->ema_slow > 0.0)) {
        return false;
    }
    if (in->vol_ready && !(isfinite(in->vol_pct) && in->vol_pct >= 0.0 && in->vol_pct <= 100.0)) {
        return false;
    }
    if (in->spread_known && !(isfinite(in->spread_bps) && in->spread_bps >= 0.0)) {
        return false;
    }
    if (in->depth_known && (in->depth_bid_qty.steps < 0 || in->depth_ask_qty.steps < 0)) {
        return false;
    }
    return true;
}

static int64_t regime_depth_min(const sc_regime_inputs *in) {
    return in->depth_bid_qty.steps < in->depth_ask_qty.steps ? in->depth_bid_qty.steps
                                                             : in->depth_ask_qty.steps;
}

static bool regime_spread_wide(const sc_regime_config *cfg, const sc_regime_inputs *in) {
    return in->spread_known && in->spread_bps >= cfg->illiquid_spread_bps;
}

static bool regime_depth_thin(const sc_regime_config *cfg, const sc_regime_inputs *in) {
    return in->depth_known && regime_depth_min(in) < cfg->illiquid_depth_steps;
}

static double regime_sep_bps(const sc_regime_inputs *in) {
    SC_ASSERT(in->ema_ready && in->mid > 0.0);
    return (in->ema_fast - in->ema_slow) / in->mid * 1e4;
}

sc_regime sc_regime_classify(const sc_regime_config *cfg, const sc_regime_inputs *in) {
    SC_ASSERT(cfg != NULL && in != NULL);
    SC_ASSERT(regime_inputs_ok(in));
    if (in->news_shock) {
        return SC_REGIME_NEWS_SHOCK;
    }
    if (regime_spread_wide(cfg, in) || regime_depth_thin(cfg, in)) {
        return SC_REGIME_ILLIQUID;
    }
    if (!in->vol_ready) {
        return SC_REGIME_UNKNOWN;
    }
    if (in->vol_pct >= cfg->volatile_pct) {
        return SC_REGIME_VOLATILE;
    }
    if (!in->ema_ready) {
        return SC_REGIME_UNKNOWN;
    }
    double sep = regime_sep_bps(in);
    if (sep >= cfg->trend_bps) {
        return SC_REGIME_TREND_UP;
    }
    if (sep <= -cfg->trend_bps) {
        return SC_REGIME_TREND_DOWN;
    }
    SC_ASSERT(fabs(sep) < cfg->trend_bps && in->vol_pct < cfg->volatile_pct);
    return SC_REGIME_RANGING;
}

/* Reason texts. Each names the deciding values of the candle and the
 * thresholds they were compared with, then the run length. */

static void reason_illiquid(const sc_regime_config *c, const sc_regime_inputs *in, int32_t bars,
                            char *buf, size_t cap) {
    bool wide = regime_spread_wide(c, in);
    bool thin = regime_depth_thin(c, in);
    SC_ASSERT(wide || thin);
    long long bid = (long long)in->depth_bid_qty.steps;
    long long ask = (long long)in->depth_ask_qty.steps;
    long long min = (long long)c->illiquid_depth_steps;
    if (wide && thin) {
        snprintf(buf, cap,
                 "illiquid: spread %.2f bps >= %g bps; depth bid %lld ask %lld steps within "
                 "%g bps < %lld steps for %d bars",
                 in->spread_bps, c->illiquid_spread_bps, bid, ask, SC_REGIME_DEPTH_BPS, min,
                 (int)bars);
    } else if (wide) {
        snprintf(buf, cap, "illiquid: spread %.2f bps >= %g bps for %d bars", in->spread_bps,
                 c->illiquid_spread_bps, (int)bars);
    } else {
        snprintf(buf, cap,
                 "illiquid: depth bid %lld ask %lld steps within %g bps < %lld steps "
                 "for %d bars",
                 bid, ask, SC_REGIME_DEPTH_BPS, min, (int)bars);
    }
}

static void reason_trend(const sc_regime_config *c, const sc_regime_inputs *in, sc_regime r,
                         int32_t bars, char *buf, size_t cap) {
    double sep = regime_sep_bps(in);
    bool up = r == SC_REGIME_TREND_UP;
    SC_ASSERT(up ? sep >= c->trend_bps : sep <= -c->trend_bps);
    snprintf(buf, cap, "%s: EMA%d %.1f %s EMA%d %.1f by %.2f bps >= %g bps for %d bars",
             sc_regime_name(r), (int)c->ema_fast_n, in->ema_fast, up ? "above" : "below",
             (int)c->ema_slow_n, in->ema_slow, fabs(sep), c->trend_bps, (int)bars);
}

static void reason_ranging(const sc_regime_config *c, const sc_regime_inputs *in, int32_t bars,
                           char *buf, size_t cap) {
    double sep = regime_sep_bps(in);
    SC_ASSERT(fabs(sep) < c->trend_bps);
    snprintf(buf, cap,
             "ranging: EMA%d %.1f vs EMA%d %.1f apart %.2f bps < %g bps, vol pct %.1f < %g "
             "for %d bars",
             (int)c->ema_fast_n, in->ema_fast, (int)c->ema_slow_n, in->ema_slow, fabs(sep),
             c->trend_bps, in->vol_pct, c->volatile_pct, (int)bars);
}

static void regime_reason(const sc_regime_config *c, const sc_regime_inputs *in, sc_regime r,
                          int32_t bars, char *buf, size_t cap) {
    SC_ASSERT(buf != NULL && cap > 0);
    SC_ASSERT(sc_regime_classify(c, in) == r);
    switch (r) {
    case SC_REGIME_NEWS_SHOCK:
        snprintf(buf, cap, "news_shock: news flag set (forced, no hysteresis)");
        return;
    case SC_REGIME_ILLIQUID:
        reason_illiquid(c, in, bars, buf, cap);
        return;
    case SC_REGIME_VOLATILE:
        snprintf(buf, cap, "volatile: vol pct %.1f >= %g for %d bars", in->vol_pct, c->volatile_pct,
                 (int)bars);
        return;
    case SC_REGIME_TREND_UP:
    case SC_REGIME_TREND_DOWN:
        reason_trend(c, in, r, bars, buf, cap);
        return;
    case SC_REGIME_RANGING:
        reason_ranging(c, in, bars, buf, cap);
        return;
    case SC_REGIME_UNKNOWN:
        if (!in->vol_ready) {
            snprintf(buf, cap, "unknown: vol percentile not ready for %d bars", (int)bars);
        } else {
            snprintf(buf, cap, "unknown: EMA%d/EMA%d not ready for %d bars", (int)c->ema_fast_n,
                     (int)c->ema_slow_n, (int)bars);
        }
        return;
    }
    SC_ASSERT(false && "regime out of range");
}

static void regime_change(sc_regime_detector *d, const sc_regime_inputs *in, sc_regime to,
                          int32_t bars, sc_ns ts_ns) {
    SC_ASSERT(to != d->current && regime_valid(to));
    SC_ASSERT(bars >= 1 && bars <= d->cfg.hysteresis_bars);
    sc_regime_change *ev = &d->last;
    memset(ev, 0, sizeof(*ev));
    ev->seq = d->counters.changes + 1;
    ev->ts_ns = ts_ns;
    ev->old_regime = d->current;
    ev->new_regime = to;
    ev->bars = bars;
    ev->forced = to == SC_REGIME_NEWS_SHOCK;
    ev->inputs = *in;
    regime_reason(&d->cfg, in, to, bars, ev->reason, sizeof(ev->reason));
    d->current = to;
    d->pending = to;
    d->run_bars = 0;
    d->changed_on_last = true;
    d->counters.changes++;
    d->counters.changes_to[to]++;
}

/* Hysteresis step with the candle's candidate (rules in regime.h). */
static void regime_step(sc_regime_detector *d, const sc_regime_inputs *in, sc_regime cand,
                        sc_ns ts_ns) {
    int32_t h = d->cfg.hysteresis_bars;
    SC_ASSERT(d->run_bars >= 0 && d->run_bars < h);
    SC_ASSERT(d->run_bars == 0 || d->pending != d->current);
    if (cand == SC_REGIME_NEWS_SHOCK) {
        if (d->current != SC_REGIME_NEWS_SHOCK) {
            regime_change(d, in, cand, 1, ts_ns);
        }
        d->pending = d->current;
        d->run_bars = 0;
        return;
    }
    if (cand == d->current) {
        d->pending = d->current;
        d->run_bars = 0;
        return;
    }
    d->run_bars = cand == d->pending ? d->run_bars + 1 : 1;
    d->pending = cand;
    if (d->run_bars >= h) {
        SC_ASSERT(d->run_bars == h);
        regime_change(d, in, cand, h, ts_ns);
    }
}

sc_err sc_regime_on_candle(sc_regime_detector *d, const sc_regime_inputs *in, sc_ns ts_ns) {
    SC_ASSERT(d != NULL && in != NULL);
    SC_ASSERT(regime_valid(d->current) && regime_valid(d->pending));
    if (d->has_time && ts_ns <= d->last_ts_ns) {
        return SC_ERR_STATE;
    }
    if (!regime_inputs_ok(in)) {
        return SC_ERR_RANGE;
    }
    d->has_time = true;
    d->last_ts_ns = ts_ns;
    d->changed_on_last = false;
    sc_regime cand = sc_regime_classify(&d->cfg, in);
    SC_ASSERT(regime_valid(cand));
    regime_step(d, in, cand, ts_ns);
    sc_regime_counters *k = &d->counters;
    k->bars++;
    k->bars_without_book += (!in->spread_known && !in->depth_known) ? 1u : 0u;
    k->bars_in[d->current]++;
    k->candidate_bars[cand]++;
    SC_ASSERT(k->changes <= k->bars && k->bars_without_book <= k->bars);
    return SC_OK;
}

sc_regime sc_regime_current(const sc_regime_detector *d) {
    SC_ASSERT(d != NULL && regime_valid(d->current));
    return d->current;
}

sc_regime sc_regime_pending(const sc_regime_detector *d, int32_t *run_bars) {
    SC_ASSERT(d != NULL && run_bars != NULL);
    SC_ASSERT(d->run_bars >= 0 && d->run_bars < d->cfg.hysteresis_bars);
    *run_bars = d->run_bars;
    return d->run_bars > 0 ? d->pending : d->current;
}

bool sc_regime_last_change(const sc_regime_detector *d, sc_regime_change *out) {
    SC_ASSERT(d != NULL && out != NULL);
    SC_ASSERT(d->last.seq == d->counters.changes);
    *out = d->last;
    return d->changed_on_last;
}

void sc_regime_get_counters(const sc_regime_detector *d, sc_regime_counters *out) {
    SC_ASSERT(d != NULL && out != NULL);
    uint64_t in_sum = 0;
    uint64_t to_sum = 0;
    for (int i = 0; i < SC_REGIME_COUNT; i++) {
        in_sum += d->counters.bars_in[i];
        to_sum += d->counters.changes_to[i];
    }
    SC_ASSERT(in_sum == d->counters.bars && to_sum == d->counters.changes);
    *out = d->counters;
}
