#include "risk/forbidden.h"

#include <math.h>
#include <string.h>

#include "core/assert.h"
#include "core/limits.h"

_Static_assert(SC_FORBIDDEN_FUNDING_INTERVAL_NS == 8 * 3600 * SC_NS_PER_S,
               "funding every 8 h (binance-usdm-reference.md §7)");

void sc_forbidden_inputs_calm(sc_forbidden_inputs *in, sc_level bid, sc_level ask, sc_ns now_ns) {
    SC_ASSERT(in != NULL);
    SC_ASSERT(now_ns >= 0);
    memset(in, 0, sizeof(*in));
    in->book_synced = true;
    in->bid = bid;
    in->ask = ask;
    in->book_update_ns = now_ns;
    in->move_bps = 0.0;
    in->clock_offset_known = true;
}

sc_ns sc_forbidden_funding_distance_ns(sc_ns t) {
    SC_ASSERT(t >= 0);
    sc_ns r = t % SC_FORBIDDEN_FUNDING_INTERVAL_NS;
    sc_ns d = r < SC_FORBIDDEN_FUNDING_INTERVAL_NS - r ? r : SC_FORBIDDEN_FUNDING_INTERVAL_NS - r;
    SC_ASSERT(d >= 0);
    SC_ASSERT(d <= SC_FORBIDDEN_FUNDING_INTERVAL_NS / 2);
    return d;
}

static double ms_of(sc_ns ns) {
    return (double)ns / (double)SC_NS_PER_MS;
}

static bool check_book(const sc_forbidden_inputs *in, sc_ns now_ns, int64_t stale_ms,
                       sc_veto_verdict *v) {
    SC_ASSERT(in != NULL);
    SC_ASSERT(v != NULL);
    SC_ASSERT(stale_ms > 0);
    if (!in->book_synced || in->bid.px.ticks <= 0 || in->ask.px.ticks <= 0) {
        return sc_veto_verdict_deny(v, SC_VETO_R_BOOK_NOT_SYNCED, 0.0, 0.0, NULL,
                                    "book %s, best bid %lld, best ask %lld ticks",
                                    in->book_synced ? "in sync" : "out of sync",
                                    (long long)in->bid.px.ticks, (long long)in->ask.px.ticks);
    }
    if (in->bid.px.ticks >= in->ask.px.ticks) {
        return sc_veto_verdict_deny(v, SC_VETO_R_BOOK_CROSSED, (double)in->bid.px.ticks,
                                    (double)in->ask.px.ticks, "ticks",
                                    "best bid %lld >= best ask %lld ticks",
                                    (long long)in->bid.px.ticks, (long long)in->ask.px.ticks);
    }
    /* An update stamped after now (event times of two streams) is fresh. */
    if (in->book_update_ns <= 0) {
        return sc_veto_verdict_deny(v, SC_VETO_R_DATA_STALE, 0.0, 0.0, NULL, "no book update yet");
    }
    sc_ns age = now_ns > in->book_update_ns ? now_ns - in->book_update_ns : 0;
    if (age > stale_ms * SC_NS_PER_MS) {
        return sc_veto_verdict_deny(v, SC_VETO_R_DATA_STALE, ms_of(age), (double)stale_ms, "ms",
                                    "last book update %.1f ms ago > max %lld ms", ms_of(age),
                                    (long long)stale_ms);
    }
    return true;
}

static bool check_system(const sc_params *p, const sc_forbidden_inputs *in, sc_veto_verdict *v) {
    SC_ASSERT(p != NULL);
    SC_ASSERT(in != NULL);
    SC_ASSERT(v != NULL);
    int64_t skew_ms = sc_params_get_int(p, SC_P_FORBID_CLOCK_SKEW_MS);
    double headroom_min = sc_params_get(p, SC_P_FORBID_RATE_HEADROOM_PCT);
    int64_t latency_ms = sc_params_get_int(p, SC_P_FORBID_LATENCY_MS);
    SC_ASSERT(skew_ms > 0);
    SC_ASSERT(latency_ms > 0);
    if (!in->clock_offset_known) {
        return sc_veto_verdict_deny(v, SC_VETO_R_CLOCK_SKEW, 0.0, 0.0, NULL,
                                    "exchange clock offset not measured yet");
    }
    sc_ns off = in->clock_offset_ns;
    sc_ns skew = off < 0 ? (off > INT64_MIN ? -off : INT64_MAX) : off;
    if (skew > skew_ms * SC_NS_PER_MS) {
        return sc_veto_verdict_deny(v, SC_VETO_R_CLOCK_SKEW, ms_of(skew), (double)skew_ms, "ms",
                                    "clock skew %.1f ms > max %lld ms", ms_of(skew),
                                    (long long)skew_ms);
    }
    if (in->rate_headroom_known &&
        !(in->rate_headroom_pct >= headroom_min)) { /* NaN fails closed */
        return sc_veto_verdict_deny(v, SC_VETO_R_RATE_HEADROOM, in->rate_headroom_pct, headroom_min,
                                    "%", "rate-limit headroom %.1f %% < min %.1f %%",
                                    in->rate_headroom_pct, headroom_min);
    }
    if (in->latency_known && in->latency_ns > latency_ms * SC_NS_PER_MS) {
        return sc_veto_verdict_deny(v, SC_VETO_R_LATENCY, ms_of(in->latency_ns), (double)latency_ms,
                                    "ms", "order latency %.1f ms > max %lld ms",
                                    ms_of(in->latency_ns), (long long)latency_ms);
    }
    return true;
}

static bool check_spread_depth(const sc_params *p, const sc_forbidden_inputs *in,
                               sc_veto_verdict *v) {
    SC_ASSERT(in->bid.px.ticks > 0);
    SC_ASSERT(in->ask.px.ticks > in->bid.px.ticks); /* check_book */
    double max_bps = sc_params_get(p, SC_P_FORBID_SPREAD_BPS);
    int64_t thin = sc_params_get_int(p, SC_P_FORBID_THIN_TOP_STEPS);
    SC_ASSERT(max_bps > 0.0);
    SC_ASSERT(max_bps <= (double)SC_LIMIT_MAX_SPREAD_BPS);
    double width = (double)(in->ask.px.ticks - in->bid.px.ticks);
    double bps = width * 2e4 / ((double)in->bid.px.ticks + (double)in->ask.px.ticks);
    if (bps > max_bps) {
        return sc_veto_verdict_deny(v, SC_VETO_R_SPREAD_WIDE, bps, max_bps, "bps",
                                    "spread %.2f bps > max %.2f bps", bps, max_bps);
    }
    int64_t top = in->bid.qty.steps < in->ask.qty.steps ? in->bid.qty.steps : in->ask.qty.steps;
    if (top < thin) {
        return sc_veto_verdict_deny(v, SC_VETO_R_THIN_TOP, (double)top, (double)thin, "steps",
                                    "top of book %lld steps (bid %lld, ask %lld) < min %lld steps",
                                    (long long)top, (long long)in->bid.qty.steps,
                                    (long long)in->ask.qty.steps, (long long)thin);
    }
    return true;
}

static bool check_events(const sc_params *p, const sc_forbidden_inputs *in, sc_ns now_ns,
                         sc_veto_verdict *v) {
    SC_ASSERT(p != NULL);
    SC_ASSERT(in != NULL);
    SC_ASSERT(v != NULL);
    double shock = sc_params_get(p, SC_P_FORBID_VOL_SHOCK_BPS);
    int64_t window_s = sc_params_get_int(p, SC_P_FORBID_VOL_WINDOW_S);
    int64_t funding_s = sc_params_get_int(p, SC_P_FORBID_FUNDING_WINDOW_S);
    SC_ASSERT(shock > 0.0);
    SC_ASSERT(window_s > 0);
    SC_ASSERT(funding_s >= 0);
    if (!(fabs(in->move_bps) < shock)) { /* NaN (unknown) fails closed */
        return sc_veto_verdict_deny(v, SC_VETO_R_VOL_SHOCK, fabs(in->move_bps), shock, "bps",
                                    "mid moved %.2f bps within %lld s >= max %.2f bps",
                                    fabs(in->move_bps), (long long)window_s, shock);
    }
    sc_ns dist = sc_forbidden_funding_distance_ns(now_ns);
    if (dist < funding_s * SC_NS_PER_S) {
        double dist_s = (double)dist / (double)SC_NS_PER_S;
        return sc_veto_verdict_deny(v, SC_VETO_R_FUNDING_WINDOW, dist_s, (double)funding_s, "s",
                                    "%.3f s from a funding time (00:00/08:00/16:00 UTC) < %lld s",
                                    dist_s, (long long)funding_s);
    }
    if (in->news_blackout) {
        return sc_veto_verdict_deny(v, SC_VETO_R_NEWS_BLACKOUT, 0.0, 0.0, NULL,
                                    "news blackout in force");
    }
    return true;
}

bool sc_forbidden_check(const sc_params *active, const sc_forbidden_inputs *in,
                        sc_order_purpose purpose, sc_ns now_ns, sc_veto_verdict *v) {
    SC_ASSERT(active != NULL);
    SC_ASSERT(in != NULL);
    SC_ASSERT(v != NULL);
    SC_ASSERT(now_ns >= 0);
    if (sc_order_purpose_is_protective(purpose)) {
        return true; /* a stop-loss or a flatten goes out whatever the market */
    }
    int64_t stale_ms = sc_params_get_int(active, SC_P_FORBID_STALE_MS);
    if (!check_book(in, now_ns, stale_ms, v) || !check_system(active, in, v)) {
        return false;
    }
    if (purpose != SC_PURPOSE_ENTRY) {
        return true;
    }
    return check_spread_depth(active, in, v) && check_events(active, in, now_ns, v);
}
