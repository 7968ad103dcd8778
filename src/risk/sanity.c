#include "risk/sanity.h"

#include <string.h>

#include "core/assert.h"
#include "market/book.h"
#include "risk/rulebook.h"

_Static_assert(SC_SANITY_PX_BAND_BPS <= SC_SANITY_PX_BAND_PROTECTIVE_BPS,
               "protective orders are never held to a tighter band than others");
_Static_assert(SC_SANITY_QTY_STEPS_MAX_MARKET <= SC_SANITY_QTY_STEPS_MAX_LIMIT,
               "MARKET_LOT_SIZE is the tighter lot filter");

void sc_sanity_filters_default(const sc_instrument *ins, sc_sanity_filters *out) {
    SC_ASSERT(ins != NULL);
    SC_ASSERT(out != NULL);
    memset(out, 0, sizeof(*out));
    out->ins = ins;
    out->tick_mult = 1;
    out->step_mult = 1;
    out->min_notional.e8 = SC_SANITY_MIN_NOTIONAL_E8;
    out->qty_steps_max_limit = SC_SANITY_QTY_STEPS_MAX_LIMIT;
    out->qty_steps_max_market = SC_SANITY_QTY_STEPS_MAX_MARKET;
    out->px_band_bps = SC_SANITY_PX_BAND_BPS;
    out->px_band_protective_bps = SC_SANITY_PX_BAND_PROTECTIVE_BPS;
    SC_ASSERT(sc_sanity_filters_check(out) == SC_OK);
}

sc_err sc_sanity_filters_check(const sc_sanity_filters *f) {
    SC_ASSERT(f != NULL);
    bool ok = f->ins != NULL && f->tick_mult >= 1 && f->step_mult >= 1 && f->min_notional.e8 > 0 &&
              f->qty_steps_max_limit > 0 && f->qty_steps_max_market > 0 && f->px_band_bps >= 1 &&
              f->px_band_bps <= f->px_band_protective_bps && f->px_band_protective_bps <= 10000;
    return ok ? SC_OK : SC_ERR_INVALID_ARG;
}

static bool check_fields(const sc_sanity_filters *f, const sc_order_intent *it,
                         sc_veto_verdict *v) {
    SC_ASSERT(f != NULL);
    SC_ASSERT(it != NULL);
    SC_ASSERT(v != NULL);
    SC_ASSERT(it->type == SC_ORD_LIMIT || it->type == SC_ORD_MARKET);
    int64_t qmax = it->type == SC_ORD_MARKET ? f->qty_steps_max_market : f->qty_steps_max_limit;
    if (!sc_client_id_valid(it->client_id)) {
        return sc_veto_verdict_deny(v, SC_VETO_R_CLIENT_ID_INVALID, 0.0, 0.0, NULL,
                                    "client order id '%.40s' (%zu bytes)", it->client_id,
                                    strnlen(it->client_id, sizeof(it->client_id)));
    }
    if (it->px.ticks <= 0 || it->px.ticks > SC_BOOK_PX_MAX) {
        return sc_veto_verdict_deny(v, SC_VETO_R_PX_INVALID, (double)it->px.ticks, 0.0, "ticks",
                                    "price %lld ticks", (long long)it->px.ticks);
    }
    if (it->px.ticks % f->tick_mult != 0) {
        return sc_veto_verdict_deny(v, SC_VETO_R_PX_OFF_TICK, (double)it->px.ticks,
                                    (double)f->tick_mult, "ticks",
                                    "price %lld ticks is not a multiple of the tick (%lld)",
                                    (long long)it->px.ticks, (long long)f->tick_mult);
    }
    if (it->qty.steps <= 0) {
        return sc_veto_verdict_deny(v, SC_VETO_R_QTY_INVALID, (double)it->qty.steps, 0.0, "steps",
                                    "quantity %lld steps", (long long)it->qty.steps);
    }
    if (it->qty.steps % f->step_mult != 0) {
        return sc_veto_verdict_deny(v, SC_VETO_R_QTY_OFF_STEP, (double)it->qty.steps,
                                    (double)f->step_mult, "steps",
                                    "quantity %lld steps is not a multiple of the step (%lld)",
                                    (long long)it->qty.steps, (long long)f->step_mult);
    }
    if (it->qty.steps > qmax) {
        return sc_veto_verdict_deny(v, SC_VETO_R_QTY_TOO_LARGE, (double)it->qty.steps, (double)qmax,
                                    "steps", "quantity %lld steps > max %lld (%s)",
                                    (long long)it->qty.steps, (long long)qmax,
                                    sc_order_type_name(it->type));
    }
    return true;
}

static bool check_entry_fit(const sc_order_intent *it, const sc_sanity_input *in,
                            sc_veto_verdict *v) {
    SC_ASSERT(it->purpose == SC_PURPOSE_ENTRY);
    int64_t pos = in->pos.qty_steps;
    bool against = (pos > 0 && it->side == SC_SIDE_SELL) || (pos < 0 && it->side == SC_SIDE_BUY);
    if (it->reduce_only) {
        return sc_veto_verdict_deny(v, SC_VETO_R_REDUCE_ONLY_MISMATCH, 0.0, 0.0, NULL,
                                    "an entry marked reduce-only");
    }
    if (against) {
        return sc_veto_verdict_deny(v, SC_VETO_R_SIDE_MISMATCH, (double)pos, 0.0, "steps",
                                    "%s entry against a position of %lld steps (exit first)",
                                    it->side == SC_SIDE_BUY ? "buy" : "sell", (long long)pos);
    }
    if (in->entry_working) {
        return sc_veto_verdict_deny(v, SC_VETO_R_DUPLICATE_ENTRY, 0.0, 0.0, NULL,
                                    "another entry is working");
    }
    return true;
}

static bool check_exit_fit(const sc_order_intent *it, const sc_sanity_input *in,
                           sc_veto_verdict *v) {
    SC_ASSERT(it->purpose != SC_PURPOSE_ENTRY);
    int64_t pos = in->pos.qty_steps;
    SC_ASSERT(pos > INT64_MIN);
    bool closes = (pos > 0 && it->side == SC_SIDE_SELL) || (pos < 0 && it->side == SC_SIDE_BUY);
    int64_t size = pos < 0 ? -pos : pos;
    const char *what = sc_order_purpose_name(it->purpose);
    if (!it->reduce_only) {
        return sc_veto_verdict_deny(v, SC_VETO_R_REDUCE_ONLY_MISMATCH, 0.0, 0.0, NULL,
                                    "%s order not marked reduce-only", what);
    }
    if (pos == 0) {
        return sc_veto_verdict_deny(v, SC_VETO_R_NOTHING_TO_CLOSE, 0.0, 0.0, NULL,
                                    "%s order while flat", what);
    }
    if (!closes) {
        return sc_veto_verdict_deny(v, SC_VETO_R_SIDE_MISMATCH, (double)pos, 0.0, "steps",
                                    "%s %s would add to a position of %lld steps", what,
                                    it->side == SC_SIDE_BUY ? "buy" : "sell", (long long)pos);
    }
    if (it->qty.steps > size) {
        return sc_veto_verdict_deny(v, SC_VETO_R_EXCEEDS_POSITION, (double)it->qty.steps,
                                    (double)size, "steps", "%s of %lld steps > position %lld steps",
                                    what, (long long)it->qty.steps, (long long)size);
    }
    return true;
}

static bool check_notional(const sc_sanity_filters *f, const sc_order_intent *it,
                           sc_veto_verdict *v) {
    SC_ASSERT(it->px.ticks > 0);
    SC_ASSERT(it->qty.steps > 0); /* check_fields */
    SC_ASSERT(f->min_notional.e8 > 0);
    if (it->reduce_only) {
        return true; /* the exchange exempts reduce-only orders (-4164) */
    }
    int64_t n;
    if (!sc_rulebook_notional_e8(f->ins, it->px, it->qty.steps, false, &n)) {
        return true; /* beyond int64 of 1e-8: far above any minimum */
    }
    if (n >= f->min_notional.e8) {
        return true;
    }
    return sc_veto_verdict_deny(
        v, SC_VETO_R_MIN_NOTIONAL, (double)n / 1e8, (double)f->min_notional.e8 / 1e8, "USDT",
        "notional %.2f USDT < min %.2f USDT", (double)n / 1e8, (double)f->min_notional.e8 / 1e8);
}

static bool check_band(const sc_sanity_filters *f, const sc_order_intent *it, int64_t mid_x2,
                       sc_veto_verdict *v) {
    SC_ASSERT(it->px.ticks > 0);
    SC_ASSERT(it->px.ticks <= SC_BOOK_PX_MAX); /* check_fields */
    bool protective = sc_order_purpose_is_protective(it->purpose);
    int64_t band = protective ? f->px_band_protective_bps : f->px_band_bps;
    if (mid_x2 <= 0) {
        if (protective) {
            return true; /* no mid to hold it to; the exchange's band applies */
        }
        return sc_veto_verdict_deny(v, SC_VETO_R_NO_MID, 0.0, 0.0, NULL,
                                    "no mid price to check %lld ticks against",
                                    (long long)it->px.ticks);
    }
    int64_t px_x2 = it->px.ticks * 2;
    int64_t diff = px_x2 > mid_x2 ? px_x2 - mid_x2 : mid_x2 - px_x2;
    if (sc_rulebook_cmp_products(diff, 10000, band, mid_x2) <= 0) {
        return true;
    }
    double dev = (double)diff * 1e4 / (double)mid_x2;
    return sc_veto_verdict_deny(v, SC_VETO_R_PX_OUT_OF_BAND, dev, (double)band, "bps",
                                "price %lld ticks is %.2f bps from mid %.1f ticks > max %lld bps",
                                (long long)it->px.ticks, dev, (double)mid_x2 / 2.0,
                                (long long)band);
}

static bool check_stop_target(const sc_order_intent *it, sc_veto_verdict *v) {
    SC_ASSERT(it->purpose == SC_PURPOSE_ENTRY);
    SC_ASSERT(it->side == SC_SIDE_BUY || it->side == SC_SIDE_SELL);
    int64_t px = it->px.ticks;
    int64_t sl = it->stop_px.ticks;
    int64_t tp = it->target_px.ticks;
    bool buy = it->side == SC_SIDE_BUY;
    bool sl_ok = sl > 0 && (buy ? sl < px : sl > px);
    bool tp_ok = tp > 0 && (buy ? tp > px : tp < px);
    if (!sl_ok) {
        return sc_veto_verdict_deny(v, SC_VETO_R_STOP_WRONG_SIDE, (double)sl, (double)px, "ticks",
                                    "%s entry at %lld ticks with stop-loss %lld (must be %s)",
                                    buy ? "buy" : "sell", (long long)px, (long long)sl,
                                    buy ? "below" : "above");
    }
    if (!tp_ok) {
        return sc_veto_verdict_deny(v, SC_VETO_R_TARGET_WRONG_SIDE, (double)tp, (double)px, "ticks",
                                    "%s entry at %lld ticks with take-profit %lld (must be %s)",
                                    buy ? "buy" : "sell", (long long)px, (long long)tp,
                                    buy ? "above" : "below");
    }
    return true;
}

bool sc_sanity_check(const sc_sanity_filters *f, const sc_sanity_input *in, sc_veto_verdict *v) {
    SC_ASSERT(f != NULL);
    SC_ASSERT(in != NULL);
    SC_ASSERT(v != NULL);
    SC_ASSERT(in->intent != NULL);
    SC_ASSERT(sc_sanity_filters_check(f) == SC_OK);
    const sc_order_intent *it = in->intent;
    bool entry = it->purpose == SC_PURPOSE_ENTRY;
    if (!check_fields(f, it, v)) {
        return false;
    }
    if (entry ? !check_entry_fit(it, in, v) : !check_exit_fit(it, in, v)) {
        return false;
    }
    if (!check_notional(f, it, v) || !check_band(f, it, in->mid_x2, v)) {
        return false;
    }
    return !entry || check_stop_target(it, v);
}
