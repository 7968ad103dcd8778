#include "features/microstructure.h"

#include <math.h>
#include <stddef.h>

#include "core/assert.h"

bool sc_microstructure_spread_bps(sc_px bid, sc_px ask, double *out) {
    SC_ASSERT(out != NULL);
    if (bid.ticks <= 0 || ask.ticks < bid.ticks) {
        return false;
    }
    double b = (double)bid.ticks;
    double a = (double)ask.ticks;
    *out = (a - b) / ((a + b) / 2.0) * 1e4;
    SC_ASSERT(*out >= 0.0);
    return true;
}

bool sc_microstructure_microprice_ticks(sc_level bid, sc_level ask, double *out) {
    SC_ASSERT(out != NULL);
    if (bid.px.ticks <= 0 || ask.px.ticks < bid.px.ticks || bid.qty.steps < 0 ||
        ask.qty.steps < 0 || bid.qty.steps + ask.qty.steps == 0) {
        return false;
    }
    double bq = (double)bid.qty.steps;
    double aq = (double)ask.qty.steps;
    *out = ((double)bid.px.ticks * aq + (double)ask.px.ticks * bq) / (bq + aq);
    SC_ASSERT(*out >= (double)bid.px.ticks && *out <= (double)ask.px.ticks);
    return true;
}

/* Sum of the first n quantities; asserts the side's price order. */
static int64_t micro_sum(const sc_level *lv, uint32_t n, bool bids) {
    int64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        SC_ASSERT(i == 0 || (bids ? lv[i].px.ticks < lv[i - 1].px.ticks
                                  : lv[i].px.ticks > lv[i - 1].px.ticks));
        SC_ASSERT(lv[i].qty.steps >= 0);
        bool ok = sc_add_i64(sum, lv[i].qty.steps, &sum);
        SC_ASSERT(ok);
    }
    return sum;
}

bool sc_microstructure_imbalance(const sc_level *bids, uint32_t n_bids, const sc_level *asks,
                                 uint32_t n_asks, uint32_t levels, double *out) {
    SC_ASSERT(out != NULL);
    SC_ASSERT((bids != NULL || n_bids == 0) && (asks != NULL || n_asks == 0));
    uint32_t nb = n_bids < levels ? n_bids : levels;
    uint32_t na = n_asks < levels ? n_asks : levels;
    double b = (double)micro_sum(bids, nb, true);
    double a = (double)micro_sum(asks, na, false);
    if (b + a <= 0.0) {
        return false;
    }
    *out = (b - a) / (b + a);
    SC_ASSERT(*out >= -1.0 && *out <= 1.0);
    return true;
}

/* Quantity of the levels from the best down to the first one past limit;
 * the side's order makes the rest farther still. */
static int64_t micro_depth_side(const sc_level *lv, uint32_t n, bool bids, double limit) {
    int64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        double px = (double)lv[i].px.ticks;
        if (bids ? px < limit : px > limit) {
            break;
        }
        SC_ASSERT(i == 0 || (bids ? lv[i].px.ticks < lv[i - 1].px.ticks
                                  : lv[i].px.ticks > lv[i - 1].px.ticks));
        SC_ASSERT(lv[i].qty.steps >= 0);
        bool ok = sc_add_i64(sum, lv[i].qty.steps, &sum);
        SC_ASSERT(ok);
    }
    return sum;
}

bool sc_microstructure_depth_within(const sc_level *bids, uint32_t n_bids, const sc_level *asks,
                                    uint32_t n_asks, double bps, sc_qty *bid_qty, sc_qty *ask_qty) {
    SC_ASSERT(bid_qty != NULL && ask_qty != NULL);
    if (n_bids == 0 || n_asks == 0 || !isfinite(bps) || bps < 0.0) {
        return false;
    }
    SC_ASSERT(bids != NULL && asks != NULL);
    if (bids[0].px.ticks <= 0 || asks[0].px.ticks < bids[0].px.ticks) {
        return false;
    }
    double mid = ((double)bids[0].px.ticks + (double)asks[0].px.ticks) / 2.0;
    double frac = bps / 1e4;
    bid_qty->steps = micro_depth_side(bids, n_bids, true, mid * (1.0 - frac));
    ask_qty->steps = micro_depth_side(asks, n_asks, false, mid * (1.0 + frac));
    return true;
}
