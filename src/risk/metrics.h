/* metrics.h: RiskMetricsTracker. Equity, PnL, fees, funding, drawdown,
 * daily PnL, losing streak, exposure and leverage, exact in fixed point.
 *
 * Units. Money is sc_money (1e-8 USDT). A fill of q steps at p ticks is worth
 * p * q * value_factor e8, value_factor = tick_units * step_units *
 * 10^(8 - px_scale - qty_scale) (1e4 for usdm:BTCUSDT); instruments whose
 * grids are finer than that (px_scale + qty_scale > 8) or that are not USD-M
 * linear contracts are refused at create. The mark price is e8 USDT per one
 * base unit (BTC); q steps at mark m are worth m * q * step_units /
 * 10^qty_scale e8, which is not always an integer: see the roundings below.
 * Every product is checked; an overflow is SC_ERR_OVERFLOW and the event is
 * refused (nothing changes), never wrapped.
 *
 * Definitions.
 *  - Position: signed steps (> 0 long) and the signed cost (e8) of the open
 *    quantity: the sum of p*q*value_factor over the fills that opened it,
 *    less what reductions removed. A fill in the position's direction (or
 *    from flat) adds; an opposite fill reduces; one larger than the position
 *    closes it at the fill price and opens the rest the other way (a flip).
 *  - Realized PnL of a reduction of c steps out of |q|: signed exit value of
 *    the c steps minus the cost share cost * c / |q|. Over a whole round
 *    trip the sum is exact (exit values minus entry values): the share's
 *    rounding only moves PnL between partial closes of the same trade.
 *  - Until the first mark-price event the last fill price stands in for the
 *    mark. Unrealized = value of the position at mark - cost.
 *  - Equity = start + realized + unrealized - fees - funding, exactly (the
 *    snapshot's figures satisfy it with no slack).
 *  - Funding: the mark stream's T is the next settlement. The first event
 *    (fill or mark) whose time is >= T settles it once, with the position,
 *    mark and rate known before that event (a fill at or after T happened
 *    after the settlement). Paid = signed notional at mark * rate: a long
 *    pays a positive rate, a short receives it; a negative rate is the
 *    reverse. funding_paid is what we paid (negative when we received).
 *    Each T settles at most once, and T never moves backwards (a late event
 *    quoting an older T changes nothing). If the stream skipped several
 *    settlements only the known T is charged.
 *  - Clock: the tracker's time is the latest event time seen; an older event
 *    is processed at that time (time never runs backwards here).
 *  - Day: the UTC day of the clock. At the first event of a new day the
 *    equity just before that event (and before a 00:00 funding settlement,
 *    which belongs to the new day) becomes the start-of-day equity. The first
 *    event ever starts the first day with the equity at that moment.
 *    daily_pnl = equity - start-of-day equity.
 *  - Peak equity starts at the start equity and only rises (checked after
 *    every event). Drawdown = (peak - equity) / peak in bps.
 *  - Trade: a position's life from flat to flat (a flip closes one trade and
 *    opens the next at the same fill). net = realized - fees - funding of
 *    that life; a flip fill's fee is split by quantity. net < 0 is a loss
 *    (the losing streak grows), net > 0 a win (the streak resets to 0), and
 *    net == 0 a scratch, which leaves the streak as it is.
 *  - Exposure = |position value at mark|; leverage = exposure / equity.
 *
 * Roundings (all named; each goes against us):
 *  - fee = ceil(fill value * fee_rate_e8 / 1e8): up to the next e8 (a
 *    rebate, a negative rate, rounds toward zero).
 *  - funding = ceil(signed notional at mark * rate_e8 / 1e8): toward +inf
 *    (we pay more, or receive less).
 *  - cost share removed by a reduction = ceil(cost * c / |q|): toward +inf,
 *    so a partial close's realized PnL rounds down.
 *  - position value at mark (unrealized) = floor(...): toward -inf.
 *  - exposure = ceil(|value at mark|); leverage_x100 = ceil(exposure * 100 /
 *    equity); drawdown_bps and daily_loss_bps = ceil(...): all round up.
 *  - trade averages (informational): entry ceil for a long, floor for a
 *    short; exit floor for a long, ceil for a short.
 *  - leverage and daily loss are SC_RISK_METRICS_UNBOUNDED when the
 *    denominator (equity, start-of-day equity) is <= 0: fail closed.
 *
 * Thread: the engine's. Allocates: the tracker in create; nothing after.
 * Deterministic; reads no clock.
 */
#ifndef SC_RISK_METRICS_H
#define SC_RISK_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/instrument.h"
#include "core/time.h"
#include "market/event.h"

/* Largest start equity: 1e9 USDT, far above any account here, so sums of
 * money stay 90x below int64. */
#define SC_RISK_METRICS_EQUITY_MAX_E8 (INT64_C(1000000000) * INT64_C(100000000))
/* Fee rates outside +-1 % are refused (Binance VIP0 taker is 0.05 %). */
#define SC_RISK_METRICS_FEE_RATE_MAX_E8 INT64_C(1000000)
/* Funding rates outside +-5 % are refused (BTCUSDT is capped far lower); the
 * bound also keeps the exact funding product inside int64. */
#define SC_RISK_METRICS_FUNDING_RATE_MAX_E8 INT64_C(5000000)
/* Reported for a ratio whose denominator is <= 0. */
#define SC_RISK_METRICS_UNBOUNDED INT64_MAX

typedef struct sc_risk_metrics sc_risk_metrics;

typedef struct {
    const sc_instrument *instrument; /* not owned; must outlive the tracker */
    sc_money start_equity;           /* > 0, <= SC_RISK_METRICS_EQUITY_MAX_E8 */
} sc_risk_metrics_config;

typedef struct {
    sc_side side;
    sc_px px;            /* > 0 */
    sc_qty qty;          /* > 0 */
    int64_t fee_rate_e8; /* fraction at 1e-8: 0.0002 = 20000; may be negative */
    bool maker;
    sc_ns ts_ns;
} sc_risk_fill;

typedef enum {
    SC_RISK_TRADE_SCRATCH = 0, /* net == 0 */
    SC_RISK_TRADE_WIN = 1,     /* net > 0 */
    SC_RISK_TRADE_LOSS = 2     /* net < 0 */
} sc_risk_trade_outcome;

/* One closed round trip. */
typedef struct {
    int64_t seq;  /* 1 for the first closed trade */
    sc_side side; /* BUY: it was long; SELL: short */
    sc_ns opened_ns;
    sc_ns closed_ns;
    sc_ns hold_ns;
    int64_t entry_qty_steps; /* all steps opened, adds included */
    int64_t exit_qty_steps;  /* equals entry_qty_steps */
    sc_money entry_value;    /* sum of p*q over the opening fills, >= 0 */
    sc_money exit_value;     /* sum of p*q over the closing fills, >= 0 */
    sc_money entry_avg_px;   /* e8 USDT per base unit */
    sc_money exit_avg_px;
    sc_money realized_pnl; /* gross */
    sc_money fees;
    sc_money funding; /* paid while it was open */
    sc_money net_pnl; /* realized - fees - funding */
    sc_risk_trade_outcome outcome;
} sc_risk_trade;

typedef struct {
    sc_ns now_ns; /* latest event time; 0 before any event */
    sc_money start_equity;
    sc_money equity;
    sc_money realized_pnl;
    sc_money unrealized_pnl;
    sc_money fees_paid;
    sc_money funding_paid;
    sc_money peak_equity;
    int64_t drawdown_bps;
    int64_t max_drawdown_bps;
    sc_ns day_start_ns; /* 00:00 UTC of the current day; 0 before any event */
    sc_money day_start_equity;
    sc_money daily_pnl;
    int64_t daily_loss_bps; /* >= 0; 0 when the day is up */
    int64_t consecutive_losses;
    int64_t position_steps;   /* signed */
    sc_money position_cost;   /* signed, see Definitions */
    sc_ns position_opened_ns; /* 0 when flat */
    sc_money mark_px;         /* e8 per base unit; 0 before any fill or mark */
    bool mark_seen;           /* a mark-price event has arrived */
    sc_money funding_rate;    /* last r */
    sc_ns next_funding_ns;    /* last T; 0 before any mark */
    sc_money exposure;
    int64_t leverage_x100;
    sc_money open_trade_realized; /* realized so far by the open trade */
    sc_money open_trade_fees;
} sc_risk_metrics_snapshot;

typedef struct {
    int64_t fills;
    int64_t maker_fills;
    int64_t marks;
    int64_t funding_settlements; /* settlements charged with a position open */
    int64_t trades;
    int64_t wins;
    int64_t losses;
    int64_t scratches;
    int64_t max_consecutive_losses;
    int64_t refused; /* events refused with an error */
} sc_risk_metrics_counters;

sc_err sc_risk_metrics_create(const sc_risk_metrics_config *cfg, sc_risk_metrics **out);
void sc_risk_metrics_destroy(sc_risk_metrics *m);

/* A fill of ours. SC_ERR_RANGE for px or qty <= 0, a bad side or a fee rate
 * out of bounds; SC_ERR_OVERFLOW when a figure would not fit. Either way
 * nothing changes. */
sc_err sc_risk_metrics_on_fill(sc_risk_metrics *m, const sc_risk_fill *f);
/* A markPriceUpdate. SC_ERR_RANGE for mark <= 0, a negative T or a funding
 * rate out of bounds; SC_ERR_OVERFLOW as above. */
sc_err sc_risk_metrics_on_mark(sc_risk_metrics *m, const sc_mark_price *mk);

void sc_risk_metrics_snapshot_get(const sc_risk_metrics *m, sc_risk_metrics_snapshot *out);
/* The last closed trade; false (out untouched) before the first. */
bool sc_risk_metrics_last_trade(const sc_risk_metrics *m, sc_risk_trade *out);
void sc_risk_metrics_counters_get(const sc_risk_metrics *m, sc_risk_metrics_counters *out);
const char *sc_risk_trade_outcome_name(sc_risk_trade_outcome o);

#endif
