/* sanity.h: sanity checks, level 4 of the risk hierarchy (design.md §6):
 * an order that passes is one the exchange would accept and that fits the
 * position.
 *
 * Checks, in order (the first that fails decides):
 *   client_id_invalid   1..36 characters of [A-Za-z0-9.:/_-] (order.h);
 *   px_invalid          price (limit, or the reference of a market order)
 *                       <= 0 or above SC_BOOK_PX_MAX ticks;
 *   px_off_tick         price not a multiple of the exchange's tick;
 *   qty_invalid         quantity <= 0;
 *   qty_off_step        quantity not a multiple of the exchange's step;
 *   qty_too_large       above the exchange's max quantity (LOT_SIZE for
 *                       LIMIT, MARKET_LOT_SIZE for MARKET);
 *   position fit        entries: not reduce-only (reduce_only_mismatch); not
 *                       against an open position (side_mismatch: exit
 *                       first); no other entry working (duplicate_entry).
 *                       Exits of every purpose: reduce-only
 *                       (reduce_only_mismatch); a position to close
 *                       (nothing_to_close); the side that closes it
 *                       (side_mismatch); at most its size
 *                       (exceeds_position);
 *   min_notional        price x quantity >= the exchange's min notional, for
 *                       orders that are not reduce-only (the exchange exempts
 *                       reduce-only orders);
 *   price band          no mid (no_mid) for entries and exits; |price - mid|
 *                       within px_band_bps of mid (px_out_of_band). Protective
 *                       exits and flatten orders are held only to the
 *                       exchange's own band (px_band_protective_bps) and pass
 *                       without a mid: a stop must go out on a broken book;
 *   stop and target     entries: a buy needs stop < price < target, a sell
 *                       target < price < stop (stop_wrong_side,
 *                       target_wrong_side; 0 = missing is wrong too).
 * The min-hold rule is the rulebook's (level 3), not a sanity check;
 * protective exits (stop-loss, max hold, kill-switch flatten) are never
 * blocked by it.
 *
 * Exchange filters of usdm:BTCUSDT (binance-usdm-reference.md §3.4; they
 * change over time: the app should load exchangeInfo at start and hourly
 * and fill sc_sanity_filters from it):
 *   PRICE_FILTER tickSize 0.10 = our tick; LOT_SIZE stepSize 0.001 = our
 *   step, maxQty 1000; MARKET_LOT_SIZE maxQty 120 (earlier 300);
 *   MIN_NOTIONAL 100 USDT in the 2023-24 captures, 50 in a 2026 capture (the
 *   stricter 100 is kept); PERCENT_PRICE 0.95..1.05 of mark.
 *
 * Thread: any (pure functions of their arguments). Allocates: nothing.
 */
#ifndef SC_RISK_SANITY_H
#define SC_RISK_SANITY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/instrument.h"
#include "risk/order.h"
#include "risk/veto_reason.h"

/* MIN_NOTIONAL: 100 USDT, in 1e-8 USDT. */
#define SC_SANITY_MIN_NOTIONAL_E8 (INT64_C(100) * INT64_C(100000000))
/* LOT_SIZE maxQty 1000 BTC and MARKET_LOT_SIZE maxQty 120 BTC, in steps. */
#define SC_SANITY_QTY_STEPS_MAX_LIMIT INT64_C(1000000)
#define SC_SANITY_QTY_STEPS_MAX_MARKET INT64_C(120000)
/* Our band: an entry or exit priced more than 1 % from mid is a bug (a
 * scalper with at most a 10 bps spread never needs one), not a trade. */
#define SC_SANITY_PX_BAND_BPS INT64_C(100)
/* The exchange's band (PERCENT_PRICE 0.95..1.05): protective orders are
 * held to it only. */
#define SC_SANITY_PX_BAND_PROTECTIVE_BPS INT64_C(500)

typedef struct {
    const sc_instrument *ins;
    int64_t tick_mult;            /* exchange tick in instrument ticks, >= 1 */
    int64_t step_mult;            /* exchange step in instrument steps, >= 1 */
    sc_money min_notional;        /* > 0 */
    int64_t qty_steps_max_limit;  /* LIMIT orders, > 0 */
    int64_t qty_steps_max_market; /* MARKET orders, > 0 */
    int64_t px_band_bps;          /* 1..px_band_protective_bps */
    int64_t px_band_protective_bps;
} sc_sanity_filters;

typedef struct {
    const sc_order_intent *intent; /* required */
    sc_position pos;               /* before the order */
    int64_t mid_x2;                /* best bid + best ask in ticks; 0 = unknown */
    bool entry_working;            /* another entry order is working */
} sc_sanity_input;

/* The constants above, for ins. */
void sc_sanity_filters_default(const sc_instrument *ins, sc_sanity_filters *out);
/* SC_ERR_INVALID_ARG when a field is outside the range noted above. */
sc_err sc_sanity_filters_check(const sc_sanity_filters *f);

/* The checks above; true when the order passes, else *v is the veto (level
 * sanity). f must pass sc_sanity_filters_check. */
bool sc_sanity_check(const sc_sanity_filters *f, const sc_sanity_input *in, sc_veto_verdict *v);

#endif
