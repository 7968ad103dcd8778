#include "support/support.h"

#include <string.h>

#include "core/instrument.h"
#include "core/rng.h"
#include "risk/metrics.h"

/* usdm:BTCUSDT: 1 tick = 0.10 USDT, 1 step = 0.001 BTC, so p ticks x q steps
 * are worth p * q * 1e-4 USDT = p * q * 1e4 e8. A mark of X USDT is X * 1e8. */
#define E8 INT64_C(100000000)
#define USDT(x) ((int64_t)(x)*E8)
#define PX(usdt_x10) ((sc_px){(usdt_x10)}) /* ticks: USDT x 10 */
/* 2024-01-01T00:00:00Z */
#define DAY0 (INT64_C(1704067200) * SC_NS_PER_S)
#define HOUR (INT64_C(3600) * SC_NS_PER_S)
#define MAKER INT64_C(20000) /* 0.02 % */
#define TAKER INT64_C(50000) /* 0.05 % */

static sc_risk_metrics *make(int64_t start_e8) {
    sc_risk_metrics_config cfg = {sc_instrument_find("usdm:BTCUSDT"), {start_e8}};
    sc_risk_metrics *m = NULL;
    assert_int_equal(sc_risk_metrics_create(&cfg, &m), SC_OK);
    assert_non_null(m);
    return m;
}

static sc_err fill(sc_risk_metrics *m, sc_side side, int64_t ticks, int64_t steps, int64_t rate_e8,
                   sc_ns ts) {
    sc_risk_fill f = {side, {ticks}, {steps}, rate_e8, rate_e8 == MAKER, ts};
    return sc_risk_metrics_on_fill(m, &f);
}

static sc_err mark(sc_risk_metrics *m, int64_t mark_e8, int64_t rate_e8, sc_ns next_funding,
                   sc_ns ts) {
    sc_mark_price mk;
    memset(&mk, 0, sizeof(mk));
    mk.ts_exch_ns = ts;
    mk.mark_px.e8 = mark_e8;
    mk.index_px.e8 = mark_e8;
    mk.funding_rate.e8 = rate_e8;
    mk.next_funding_ns = next_funding;
    return sc_risk_metrics_on_mark(m, &mk);
}

static sc_risk_metrics_snapshot snap(const sc_risk_metrics *m) {
    sc_risk_metrics_snapshot s;
    sc_risk_metrics_snapshot_get(m, &s);
    /* The identity holds exactly after every event. */
    assert_int_equal(s.equity.e8, s.start_equity.e8 + s.realized_pnl.e8 + s.unrealized_pnl.e8 -
                                      s.fees_paid.e8 - s.funding_paid.e8);
    return s;
}

static sc_risk_trade last_trade(const sc_risk_metrics *m) {
    sc_risk_trade t;
    assert_true(sc_risk_metrics_last_trade(m, &t));
    return t;
}

static void test_create_and_refusals(void **state) {
    (void)state;
    sc_risk_metrics *m = NULL;
    sc_risk_metrics_config cfg = {sc_instrument_find("usdm:BTCUSDT"), {0}};
    assert_int_equal(sc_risk_metrics_create(&cfg, &m), SC_ERR_RANGE);
    cfg.start_equity.e8 = SC_RISK_METRICS_EQUITY_MAX_E8 + 1;
    assert_int_equal(sc_risk_metrics_create(&cfg, &m), SC_ERR_RANGE);
    cfg.start_equity.e8 = USDT(1000);
    cfg.instrument = sc_instrument_find("spot:BTCUSDT"); /* grid finer than e8 */
    assert_int_equal(sc_risk_metrics_create(&cfg, &m), SC_ERR_UNSUPPORTED);
    cfg.instrument = sc_instrument_find("coinm:BTCUSD_PERP"); /* inverse contract */
    assert_int_equal(sc_risk_metrics_create(&cfg, &m), SC_ERR_UNSUPPORTED);
    cfg.instrument = NULL;
    assert_int_equal(sc_risk_metrics_create(&cfg, &m), SC_ERR_INVALID_ARG);
    assert_null(m);
    sc_risk_metrics_destroy(NULL);

    m = make(USDT(1000));
    sc_risk_trade t;
    assert_false(sc_risk_metrics_last_trade(m, &t));
    assert_int_equal(fill(m, SC_SIDE_BUY, 0, 1, 0, DAY0), SC_ERR_RANGE);
    assert_int_equal(fill(m, SC_SIDE_BUY, 1, 0, 0, DAY0), SC_ERR_RANGE);
    assert_int_equal(fill(m, (sc_side)7, 1, 1, 0, DAY0), SC_ERR_RANGE);
    assert_int_equal(fill(m, SC_SIDE_BUY, 1, 1, SC_RISK_METRICS_FEE_RATE_MAX_E8 + 1, DAY0),
                     SC_ERR_RANGE);
    assert_int_equal(mark(m, 0, 0, 0, DAY0), SC_ERR_RANGE);
    assert_int_equal(mark(m, USDT(1), SC_RISK_METRICS_FUNDING_RATE_MAX_E8 + 1, 0, DAY0),
                     SC_ERR_RANGE);
    sc_risk_metrics_counters c;
    sc_risk_metrics_counters_get(m, &c);
    assert_int_equal(c.refused, 6);
    assert_int_equal(c.fills + c.marks, 0);
    sc_risk_metrics_snapshot s = snap(m);
    assert_int_equal(s.equity.e8, USDT(1000));
    assert_int_equal(s.now_ns, 0);
    assert_string_equal(sc_risk_trade_outcome_name(SC_RISK_TRADE_LOSS), "loss");
    sc_risk_metrics_destroy(m);
}

static void test_long_round_trip_win(void **state) {
    (void)state;
    sc_risk_metrics *m = make(USDT(10000));
    /* Buy 0.010 BTC at 65000.0, maker 0.02 %: value 650 USDT = 65e9 e8,
     * fee 650 * 0.0002 = 0.13 USDT = 13,000,000 e8. */
    assert_int_equal(fill(m, SC_SIDE_BUY, 650000, 10, MAKER, DAY0 + HOUR), SC_OK);
    sc_risk_metrics_snapshot s = snap(m);
    assert_int_equal(s.position_steps, 10);
    assert_int_equal(s.position_cost.e8, INT64_C(65000000000));
    assert_int_equal(s.fees_paid.e8, 13000000);
    assert_int_equal(s.unrealized_pnl.e8, 0); /* the fill price stands in for the mark */
    assert_int_equal(s.position_opened_ns, DAY0 + HOUR);
    /* Sell at 65100.0, taker 0.05 %: value 651 USDT, fee 0.3255 = 32,550,000
     * e8. Realized 651 - 650 = 1 USDT; fees 0.4555; net 0.5445 USDT. */
    assert_int_equal(fill(m, SC_SIDE_SELL, 651000, 10, TAKER, DAY0 + HOUR + 30 * SC_NS_PER_S),
                     SC_OK);
    s = snap(m);
    assert_int_equal(s.position_steps, 0);
    assert_int_equal(s.position_cost.e8, 0);
    assert_int_equal(s.position_opened_ns, 0);
    assert_int_equal(s.realized_pnl.e8, USDT(1));
    assert_int_equal(s.fees_paid.e8, 45550000);
    assert_int_equal(s.equity.e8, USDT(10000) + 54450000);
    assert_int_equal(s.exposure.e8, 0);
    sc_risk_trade t = last_trade(m);
    assert_int_equal(t.seq, 1);
    assert_int_equal(t.side, SC_SIDE_BUY);
    assert_int_equal(t.hold_ns, 30 * SC_NS_PER_S);
    assert_int_equal(t.entry_qty_steps, 10);
    assert_int_equal(t.exit_qty_steps, 10);
    assert_int_equal(t.entry_avg_px.e8, USDT(65000));
    assert_int_equal(t.exit_avg_px.e8, USDT(65100));
    assert_int_equal(t.realized_pnl.e8, USDT(1));
    assert_int_equal(t.fees.e8, 45550000);
    assert_int_equal(t.net_pnl.e8, 54450000);
    assert_int_equal(t.outcome, SC_RISK_TRADE_WIN);
    sc_risk_metrics_counters c;
    sc_risk_metrics_counters_get(m, &c);
    assert_int_equal(c.fills, 2);
    assert_int_equal(c.maker_fills, 1);
    assert_int_equal(c.wins, 1);
    sc_risk_metrics_destroy(m);
}

static void test_long_round_trip_loss(void **state) {
    (void)state;
    sc_risk_metrics *m = make(USDT(10000));
    /* Buy 10 steps at 65000.0 taker: fee 650 * 0.0005 = 0.325 USDT.
     * Sell at 64990.0 maker: value 649.9, fee 0.12998 USDT.
     * Realized -0.10; fees 0.45498; net -0.55498 USDT. */
    assert_int_equal(fill(m, SC_SIDE_BUY, 650000, 10, TAKER, DAY0), SC_OK);
    assert_int_equal(fill(m, SC_SIDE_SELL, 649900, 10, MAKER, DAY0 + 10 * SC_NS_PER_S), SC_OK);
    sc_risk_metrics_snapshot s = snap(m);
    assert_int_equal(s.realized_pnl.e8, -10000000);
    assert_int_equal(s.fees_paid.e8, 32500000 + 12998000);
    assert_int_equal(s.equity.e8, USDT(10000) - 55498000);
    assert_int_equal(s.consecutive_losses, 1);
    sc_risk_trade t = last_trade(m);
    assert_int_equal(t.net_pnl.e8, -55498000);
    assert_int_equal(t.outcome, SC_RISK_TRADE_LOSS);
    assert_int_equal(t.exit_avg_px.e8, USDT(64990));
    sc_risk_metrics_destroy(m);
}

static void test_short_round_trip(void **state) {
    (void)state;
    sc_risk_metrics *m = make(USDT(10000));
    /* Sell 0.020 BTC at 60000.0 taker: value 1200, fee 0.6 USDT.
     * Buy back at 59900.0 maker: value 1198, fee 0.2396 USDT.
     * Realized 1200 - 1198 = +2; net 2 - 0.8396 = 1.1604 USDT. */
    assert_int_equal(fill(m, SC_SIDE_SELL, 600000, 20, TAKER, DAY0), SC_OK);
    sc_risk_metrics_snapshot s = snap(m);
    assert_int_equal(s.position_steps, -20);
    assert_int_equal(s.position_cost.e8, -USDT(1200));
    /* Mark 59950.0: value -0.02 * 59950 = -1199; unrealized -1199 + 1200 = +1. */
    assert_int_equal(mark(m, USDT(59950), 0, 0, DAY0 + SC_NS_PER_S), SC_OK);
    s = snap(m);
    assert_int_equal(s.unrealized_pnl.e8, USDT(1));
    assert_int_equal(s.exposure.e8, USDT(1199));
    assert_int_equal(fill(m, SC_SIDE_BUY, 599000, 20, MAKER, DAY0 + 2 * SC_NS_PER_S), SC_OK);
    s = snap(m);
    assert_int_equal(s.realized_pnl.e8, USDT(2));
    assert_int_equal(s.unrealized_pnl.e8, 0);
    assert_int_equal(s.fees_paid.e8, 60000000 + 23960000);
    sc_risk_trade t = last_trade(m);
    assert_int_equal(t.side, SC_SIDE_SELL);
    assert_int_equal(t.net_pnl.e8, 116040000);
    assert_int_equal(t.outcome, SC_RISK_TRADE_WIN);
    assert_int_equal(t.entry_avg_px.e8, USDT(60000));
    assert_int_equal(t.exit_avg_px.e8, USDT(59900));
    sc_risk_metrics_destroy(m);
}

static void test_partial_close_and_average(void **state) {
    (void)state;
    sc_risk_metrics *m = make(USDT(10000));
    /* Buy 1 at 65000.0 and 2 at 65000.1: cost 6,500,000,000 + 2 * 650001e4 =
     * 19,500,020,000 e8 for 3 steps; average 65000.0666... */
    assert_int_equal(fill(m, SC_SIDE_BUY, 650000, 1, 0, DAY0), SC_OK);
    assert_int_equal(fill(m, SC_SIDE_BUY, 650001, 2, 0, DAY0 + 1), SC_OK);
    sc_risk_metrics_snapshot s = snap(m);
    assert_int_equal(s.position_cost.e8, INT64_C(19500020000));
    assert_int_equal(s.position_opened_ns, DAY0); /* adding keeps the open time */
    /* Sell 1 at 65010.0: exit value 6,501,000,000. Cost share
     * ceil(19,500,020,000 / 3) = ceil(6,500,006,666.67) = 6,500,006,667.
     * Realized 6,501,000,000 - 6,500,006,667 = 993,333. */
    assert_int_equal(fill(m, SC_SIDE_SELL, 650100, 1, 0, DAY0 + 2), SC_OK);
    s = snap(m);
    assert_int_equal(s.position_steps, 2);
    assert_int_equal(s.position_cost.e8, INT64_C(13000013333));
    assert_int_equal(s.realized_pnl.e8, 993333);
    assert_int_equal(s.open_trade_realized.e8, 993333);
    sc_risk_metrics_counters c;
    sc_risk_metrics_counters_get(m, &c);
    assert_int_equal(c.trades, 0);
    /* Sell 2 at 65010.0: 13,002,000,000 - 13,000,013,333 = 1,986,667.
     * Total 2,980,000 = (3 * 650100 - 650000 - 2 * 650001) * 1e4: exact. */
    assert_int_equal(fill(m, SC_SIDE_SELL, 650100, 2, 0, DAY0 + 3), SC_OK);
    s = snap(m);
    assert_int_equal(s.realized_pnl.e8, 2980000);
    sc_risk_trade t = last_trade(m);
    assert_int_equal(t.realized_pnl.e8, 2980000);
    assert_int_equal(t.entry_qty_steps, 3);
    /* Entry average 19,500,020,000 * 1000 / 3 = 6,500,006,666,666.67, up for
     * a long; exit 65010.0 exactly. */
    assert_int_equal(t.entry_avg_px.e8, INT64_C(6500006666667));
    assert_int_equal(t.exit_avg_px.e8, USDT(65010));
    sc_risk_metrics_destroy(m);
}

static void test_flip_long_to_short(void **state) {
    (void)state;
    sc_risk_metrics *m = make(USDT(10000));
    /* Long 10 at 65000.0 without fee; sell 30 at 65100.0 taker: value
     * 651000 * 30 * 1e4 = 195,300,000,000 e8, fee 97,650,000 (0.9765 USDT).
     * Closing share: 10 of 30 -> ceil(97,650,000 / 3) = 32,550,000. */
    assert_int_equal(fill(m, SC_SIDE_BUY, 650000, 10, 0, DAY0), SC_OK);
    assert_int_equal(fill(m, SC_SIDE_SELL, 651000, 30, TAKER, DAY0 + 60 * SC_NS_PER_S), SC_OK);
    sc_risk_trade t = last_trade(m);
    assert_int_equal(t.side, SC_SIDE_BUY);
    assert_int_equal(t.realized_pnl.e8, USDT(1));
    assert_int_equal(t.fees.e8, 32550000);
    assert_int_equal(t.net_pnl.e8, USDT(1) - 32550000);
    assert_int_equal(t.hold_ns, 60 * SC_NS_PER_S);
    sc_risk_metrics_snapshot s = snap(m);
    /* The rest opens a short of 20 at 65100.0: cost -1302 USDT. */
    assert_int_equal(s.position_steps, -20);
    assert_int_equal(s.position_cost.e8, -USDT(1302));
    assert_int_equal(s.position_opened_ns, DAY0 + 60 * SC_NS_PER_S);
    assert_int_equal(s.open_trade_fees.e8, 97650000 - 32550000);
    assert_int_equal(s.open_trade_realized.e8, 0);
    assert_int_equal(s.fees_paid.e8, 97650000);
    /* Close the short at 65000.0: +2 USDT on the second trade. */
    assert_int_equal(fill(m, SC_SIDE_BUY, 650000, 20, 0, DAY0 + 120 * SC_NS_PER_S), SC_OK);
    t = last_trade(m);
    assert_int_equal(t.seq, 2);
    assert_int_equal(t.side, SC_SIDE_SELL);
    assert_int_equal(t.realized_pnl.e8, USDT(2));
    assert_int_equal(t.fees.e8, 65100000);
    s = snap(m);
    assert_int_equal(s.realized_pnl.e8, USDT(3));
    sc_risk_metrics_destroy(m);
}

static void test_unrealized_at_mark(void **state) {
    (void)state;
    sc_risk_metrics *m = make(USDT(10000));
    /* 10 at 65000.0 and 10 at 65100.0: cost 1301 USDT for 0.020 BTC. */
    assert_int_equal(fill(m, SC_SIDE_BUY, 650000, 10, 0, DAY0), SC_OK);
    assert_int_equal(fill(m, SC_SIDE_BUY, 651000, 10, 0, DAY0 + 1), SC_OK);
    sc_risk_metrics_snapshot s = snap(m);
    /* No mark yet: the last fill (65100.0) stands in: 1302 - 1301 = +1. */
    assert_false(s.mark_seen);
    assert_int_equal(s.mark_px.e8, USDT(65100));
    assert_int_equal(s.unrealized_pnl.e8, USDT(1));
    /* Mark 65200.0: 0.02 * 65200 = 1304 -> +3 USDT. */
    assert_int_equal(mark(m, USDT(65200), 0, 0, DAY0 + 2), SC_OK);
    s = snap(m);
    assert_true(s.mark_seen);
    assert_int_equal(s.unrealized_pnl.e8, USDT(3));
    assert_int_equal(s.equity.e8, USDT(10003));
    /* Mark 65000.12345678 (finer than the tick): value
     * 6,500,012,345,678 * 20 / 1000 = 130,000,246,913.56 -> floor
     * 130,000,246,913; unrealized 130,000,246,913 - 130,100,000,000 =
     * -99,753,087; exposure rounds up to 130,000,246,914. */
    assert_int_equal(mark(m, INT64_C(6500012345678), 0, 0, DAY0 + 3), SC_OK);
    s = snap(m);
    assert_int_equal(s.unrealized_pnl.e8, -99753087);
    assert_int_equal(s.exposure.e8, INT64_C(130000246914));
    /* A later fill does not move the mark once one has arrived. */
    assert_int_equal(fill(m, SC_SIDE_SELL, 660000, 10, 0, DAY0 + 4), SC_OK);
    s = snap(m);
    assert_int_equal(s.mark_px.e8, INT64_C(6500012345678));
    sc_risk_metrics_destroy(m);
}

/* Position `steps` (signed) at 65000.0, funding at DAY0 + 8h with rate_e8;
 * returns funding_paid after the settlement. */
static int64_t funding_case(int64_t steps, int64_t mark_e8, int64_t rate_e8) {
    sc_risk_metrics *m = make(USDT(10000));
    sc_ns t_fund = DAY0 + 8 * HOUR;
    sc_side side = steps > 0 ? SC_SIDE_BUY : SC_SIDE_SELL;
    assert_int_equal(fill(m, side, 650000, steps > 0 ? steps : -steps, 0, t_fund - 2 * HOUR),
                     SC_OK);
    assert_int_equal(mark(m, mark_e8, rate_e8, t_fund, t_fund - SC_NS_PER_S), SC_OK);
    assert_int_equal(snap(m).funding_paid.e8, 0); /* not yet */
    /* The first event at or after T settles, with the mark and rate known
     * before it; the event's own values are for the next period. This one
     * lags and still quotes the same T. */
    assert_int_equal(mark(m, mark_e8 * 2, 0, t_fund, t_fund), SC_OK);
    int64_t paid = snap(m).funding_paid.e8;
    /* Later events do not settle that T twice, and an older T is ignored. */
    assert_int_equal(mark(m, mark_e8, rate_e8, t_fund, t_fund + SC_NS_PER_S), SC_OK);
    assert_int_equal(mark(m, mark_e8, rate_e8, t_fund + 8 * HOUR, t_fund + 2 * SC_NS_PER_S), SC_OK);
    assert_int_equal(mark(m, mark_e8, rate_e8, t_fund, t_fund + 3 * SC_NS_PER_S), SC_OK);
    assert_int_equal(snap(m).next_funding_ns, t_fund + 8 * HOUR);
    assert_int_equal(snap(m).funding_paid.e8, paid);
    sc_risk_metrics_counters c;
    sc_risk_metrics_counters_get(m, &c);
    assert_int_equal(c.funding_settlements, 1);
    sc_risk_metrics_destroy(m);
    return paid;
}

static void test_funding(void **state) {
    (void)state;
    /* 0.010 BTC at mark 65000 = 650 USDT; rate 0.0001: 0.065 USDT =
     * 6,500,000 e8. Longs pay a positive rate, shorts receive it. */
    assert_int_equal(funding_case(10, USDT(65000), 10000), 6500000);
    assert_int_equal(funding_case(-10, USDT(65000), 10000), -6500000);
    /* Negative rate: shorts pay, longs receive. */
    assert_int_equal(funding_case(10, USDT(65000), -10000), -6500000);
    assert_int_equal(funding_case(-10, USDT(65000), -10000), 6500000);
    /* Rounding toward +inf: 0.001 BTC at 65000.12345678 = 65.00012345678
     * USDT; at rate 1e-8 that is 65.00012345678 e8: a long pays 66, a short
     * receives only 65. */
    assert_int_equal(funding_case(1, INT64_C(6500012345678), 1), 66);
    assert_int_equal(funding_case(-1, INT64_C(6500012345678), 1), -65);
    assert_int_equal(funding_case(1, INT64_C(6500012345678), -1), -65);

    /* A fill at or after T settles first, with the position before the fill;
     * the funding belongs to the trade it closes. */
    sc_risk_metrics *m = make(USDT(10000));
    sc_ns t_fund = DAY0 + 16 * HOUR;
    assert_int_equal(fill(m, SC_SIDE_BUY, 650000, 10, 0, t_fund - HOUR), SC_OK);
    assert_int_equal(mark(m, USDT(65000), 10000, t_fund, t_fund - SC_NS_PER_S), SC_OK);
    assert_int_equal(fill(m, SC_SIDE_SELL, 650000, 10, 0, t_fund + SC_NS_PER_S), SC_OK);
    sc_risk_metrics_snapshot s = snap(m);
    assert_int_equal(s.funding_paid.e8, 6500000);
    assert_int_equal(s.equity.e8, USDT(10000) - 6500000);
    sc_risk_trade t = last_trade(m);
    assert_int_equal(t.funding.e8, 6500000);
    assert_int_equal(t.net_pnl.e8, -6500000);
    assert_int_equal(t.outcome, SC_RISK_TRADE_LOSS);
    sc_risk_metrics_destroy(m);

    /* Flat at T: nothing is charged. */
    m = make(USDT(10000));
    assert_int_equal(mark(m, USDT(65000), 10000, t_fund, t_fund - SC_NS_PER_S), SC_OK);
    assert_int_equal(mark(m, USDT(65000), 10000, t_fund + 8 * HOUR, t_fund), SC_OK);
    assert_int_equal(snap(m).funding_paid.e8, 0);
    sc_risk_metrics_destroy(m);
}

static void test_daily_reset(void **state) {
    (void)state;
    sc_risk_metrics *m = make(USDT(10000));
    /* The first event opens day 1 with the start equity. */
    assert_int_equal(fill(m, SC_SIDE_BUY, 650000, 10, 0, DAY0 + 10 * HOUR), SC_OK);
    sc_risk_metrics_snapshot s = snap(m);
    assert_int_equal(s.day_start_ns, DAY0);
    assert_int_equal(s.day_start_equity.e8, USDT(10000));
    /* Mark 64000.0: 640 - 650 = -10 USDT; loss 10 / 10000 = 10 bps. */
    assert_int_equal(mark(m, USDT(64000), 0, 0, DAY0 + 23 * HOUR), SC_OK);
    s = snap(m);
    assert_int_equal(s.daily_pnl.e8, -USDT(10));
    assert_int_equal(s.daily_loss_bps, 10);
    /* An event stamped earlier than the clock runs at the clock's time. */
    assert_int_equal(mark(m, USDT(64000), 0, 0, DAY0 + 22 * HOUR), SC_OK);
    assert_int_equal(snap(m).now_ns, DAY0 + 23 * HOUR);
    /* First event of day 2: the equity before it (9990) opens the day. */
    sc_ns day1 = DAY0 + 24 * HOUR;
    assert_int_equal(mark(m, USDT(64000), 0, 0, day1 + 5 * SC_NS_PER_S), SC_OK);
    s = snap(m);
    assert_int_equal(s.day_start_ns, day1);
    assert_int_equal(s.day_start_equity.e8, USDT(9990));
    assert_int_equal(s.daily_pnl.e8, 0);
    assert_int_equal(s.daily_loss_bps, 0);
    /* Mark 63900.0: another -1 USDT; 1 / 9990 = 1.001 bps -> 2 (up). */
    assert_int_equal(mark(m, USDT(63900), 0, 0, day1 + 6 * SC_NS_PER_S), SC_OK);
    s = snap(m);
    assert_int_equal(s.daily_pnl.e8, -USDT(1));
    assert_int_equal(s.daily_loss_bps, 2);
    /* A gain on the day reads 0 bps of loss. */
    assert_int_equal(mark(m, USDT(64100), 0, 0, day1 + 7 * SC_NS_PER_S), SC_OK);
    s = snap(m);
    assert_int_equal(s.daily_pnl.e8, USDT(1));
    assert_int_equal(s.daily_loss_bps, 0);
    sc_risk_metrics_destroy(m);
}

static void test_peak_and_drawdown(void **state) {
    (void)state;
    sc_risk_metrics *m = make(USDT(10000));
    assert_int_equal(fill(m, SC_SIDE_BUY, 650000, 10, 0, DAY0), SC_OK);
    /* Mark 66000.0: +10 USDT, equity 10010 = the new peak. */
    assert_int_equal(mark(m, USDT(66000), 0, 0, DAY0 + 1), SC_OK);
    sc_risk_metrics_snapshot s = snap(m);
    assert_int_equal(s.peak_equity.e8, USDT(10010));
    assert_int_equal(s.drawdown_bps, 0);
    /* Back to 65000.0: equity 10000; 10 / 10010 = 9.99 bps -> 10 (up). */
    assert_int_equal(mark(m, USDT(65000), 0, 0, DAY0 + 2), SC_OK);
    s = snap(m);
    assert_int_equal(s.peak_equity.e8, USDT(10010));
    assert_int_equal(s.drawdown_bps, 10);
    assert_int_equal(s.max_drawdown_bps, 10);
    /* 66500.0: equity 10015, a new peak; the worst drawdown stays. */
    assert_int_equal(mark(m, USDT(66500), 0, 0, DAY0 + 3), SC_OK);
    s = snap(m);
    assert_int_equal(s.peak_equity.e8, USDT(10015));
    assert_int_equal(s.drawdown_bps, 0);
    assert_int_equal(s.max_drawdown_bps, 10);
    sc_risk_metrics_destroy(m);
}

static void round_trip(sc_risk_metrics *m, int64_t entry, int64_t exit_px, sc_ns ts) {
    assert_int_equal(fill(m, SC_SIDE_BUY, entry, 10, 0, ts), SC_OK);
    assert_int_equal(fill(m, SC_SIDE_SELL, exit_px, 10, 0, ts + SC_NS_PER_S), SC_OK);
}

static void test_consecutive_losses(void **state) {
    (void)state;
    sc_risk_metrics *m = make(USDT(10000));
    for (int i = 0; i < 3; i++) {
        round_trip(m, 650000, 649990, DAY0 + i * HOUR); /* -0.01 USDT each */
        assert_int_equal(snap(m).consecutive_losses, i + 1);
    }
    /* A scratch (net exactly 0) leaves the streak alone. */
    round_trip(m, 650000, 650000, DAY0 + 4 * HOUR);
    assert_int_equal(last_trade(m).outcome, SC_RISK_TRADE_SCRATCH);
    assert_int_equal(snap(m).consecutive_losses, 3);
    /* Fees count: +0.01 USDT gross, but 0.13 + 0.130002 of fees: a loss. */
    assert_int_equal(fill(m, SC_SIDE_BUY, 650000, 10, MAKER, DAY0 + 5 * HOUR), SC_OK);
    assert_int_equal(fill(m, SC_SIDE_SELL, 650010, 10, MAKER, DAY0 + 6 * HOUR), SC_OK);
    assert_int_equal(last_trade(m).outcome, SC_RISK_TRADE_LOSS);
    assert_int_equal(snap(m).consecutive_losses, 4);
    /* A win resets it. */
    round_trip(m, 650000, 650010, DAY0 + 7 * HOUR);
    assert_int_equal(snap(m).consecutive_losses, 0);
    sc_risk_metrics_counters c;
    sc_risk_metrics_counters_get(m, &c);
    assert_int_equal(c.trades, 6);
    assert_int_equal(c.losses, 4);
    assert_int_equal(c.wins, 1);
    assert_int_equal(c.scratches, 1);
    assert_int_equal(c.max_consecutive_losses, 4);
    sc_risk_metrics_destroy(m);
}

static void test_leverage_at_3x(void **state) {
    (void)state;
    sc_risk_metrics *m = make(USDT(1000));
    /* 0.050 BTC at 60000.0 = 3000 USDT on 1000 of equity: exactly 3.00x. */
    assert_int_equal(fill(m, SC_SIDE_BUY, 600000, 50, 0, DAY0), SC_OK);
    assert_int_equal(mark(m, USDT(60000), 0, 0, DAY0 + 1), SC_OK);
    sc_risk_metrics_snapshot s = snap(m);
    assert_int_equal(s.exposure.e8, USDT(3000));
    assert_int_equal(s.leverage_x100, 300);
    /* Mark 59999.99: exposure 2999.9995, equity 999.9995: 3.000001x -> 301. */
    assert_int_equal(mark(m, INT64_C(5999999000000), 0, 0, DAY0 + 2), SC_OK);
    s = snap(m);
    assert_int_equal(s.exposure.e8, INT64_C(299999950000));
    assert_int_equal(s.equity.e8, INT64_C(99999950000));
    assert_int_equal(s.leverage_x100, 301);
    /* Mark 60000.01: 3000.0005 / 1000.0005 = 2.999999x -> 300. */
    assert_int_equal(mark(m, INT64_C(6000001000000), 0, 0, DAY0 + 3), SC_OK);
    assert_int_equal(snap(m).leverage_x100, 300);
    /* Equity at or below zero: leverage is unbounded (fail closed). */
    assert_int_equal(mark(m, USDT(40000), 0, 0, DAY0 + 4), SC_OK);
    s = snap(m);
    assert_true(s.equity.e8 <= 0);
    assert_int_equal(s.leverage_x100, SC_RISK_METRICS_UNBOUNDED);
    assert_true(s.drawdown_bps >= 10000);
    sc_risk_metrics_destroy(m);
}

static void test_overflow_guard(void **state) {
    (void)state;
    sc_risk_metrics *m = make(USDT(10000));
    assert_int_equal(fill(m, SC_SIDE_BUY, 650000, 10, 0, DAY0), SC_OK);
    sc_risk_metrics_snapshot before = snap(m);
    /* p * q * 1e4 does not fit int64: refused, nothing changes. */
    assert_int_equal(fill(m, SC_SIDE_BUY, INT64_MAX / 2, 1, 0, DAY0 + 1), SC_ERR_OVERFLOW);
    assert_int_equal(fill(m, SC_SIDE_SELL, 1, INT64_MAX / 4, 0, DAY0 + 1), SC_ERR_OVERFLOW);
    sc_risk_metrics_snapshot after = snap(m);
    assert_memory_equal(&before, &after, sizeof(before));
    sc_risk_metrics_destroy(m);

    /* A large position valued at an absurd mark: the product overflows. */
    m = make(USDT(10000));
    assert_int_equal(fill(m, SC_SIDE_BUY, 1, 1000000, 0, DAY0), SC_OK);
    before = snap(m);
    assert_int_equal(mark(m, INT64_MAX, 0, 0, DAY0 + 1), SC_ERR_OVERFLOW);
    after = snap(m);
    assert_memory_equal(&before, &after, sizeof(before));
    sc_risk_metrics_counters c;
    sc_risk_metrics_counters_get(m, &c);
    assert_int_equal(c.refused, 1);
    assert_int_equal(c.marks, 0);
    sc_risk_metrics_destroy(m);
}

static void test_fee_rounding(void **state) {
    (void)state;
    sc_risk_metrics *m = make(USDT(10000));
    /* 1 step at 0.1 USDT = 0.0001 USDT; at 0.005 % the fee is 0.000000005
     * USDT = 0.5 e8, which rounds up to 1 e8. */
    assert_int_equal(fill(m, SC_SIDE_BUY, 1, 1, 5000, DAY0), SC_OK);
    assert_int_equal(snap(m).fees_paid.e8, 1);
    /* A rebate of 0.5 e8 rounds toward zero: 0. */
    assert_int_equal(fill(m, SC_SIDE_SELL, 1, 1, -5000, DAY0 + 1), SC_OK);
    assert_int_equal(snap(m).fees_paid.e8, 1);
    /* A rebate of 1.5 e8 (3 steps) pays back 1. */
    assert_int_equal(fill(m, SC_SIDE_BUY, 1, 3, -5000, DAY0 + 2), SC_OK);
    assert_int_equal(snap(m).fees_paid.e8, 0);
    sc_risk_metrics_destroy(m);
}

/* ---- seeded property test ------------------------------------------------ */

typedef struct {
    int64_t pos_steps;       /* sum of signed fills */
    int64_t closed_realized; /* sum over closed trades */
    int64_t closed_fees;
    int64_t closed_funding;
    int64_t trades;
    int64_t streak;
} model;

static void check_new_trade(const sc_risk_metrics *m, model *md) {
    sc_risk_metrics_counters c;
    sc_risk_metrics_counters_get(m, &c);
    if (c.trades == md->trades) {
        return;
    }
    assert_int_equal(c.trades, md->trades + 1);
    sc_risk_trade t = last_trade(m);
    md->trades = c.trades;
    md->closed_realized += t.realized_pnl.e8;
    md->closed_fees += t.fees.e8;
    md->closed_funding += t.funding.e8;
    /* A whole round trip is exact: exit minus entry values. */
    int64_t gross = t.exit_value.e8 - t.entry_value.e8;
    assert_int_equal(t.realized_pnl.e8, t.side == SC_SIDE_BUY ? gross : -gross);
    assert_int_equal(t.entry_qty_steps, t.exit_qty_steps);
    assert_int_equal(t.net_pnl.e8, t.realized_pnl.e8 - t.fees.e8 - t.funding.e8);
    assert_true(t.hold_ns >= 0);
    md->streak = t.outcome == SC_RISK_TRADE_LOSS  ? md->streak + 1
                 : t.outcome == SC_RISK_TRADE_WIN ? 0
                                                  : md->streak;
}

static void check_invariants(const sc_risk_metrics *m, model *md) {
    check_new_trade(m, md);
    sc_risk_metrics_snapshot s = snap(m); /* checks the equity identity */
    assert_int_equal(s.position_steps, md->pos_steps);
    assert_int_equal(s.realized_pnl.e8, md->closed_realized + s.open_trade_realized.e8);
    assert_int_equal(s.fees_paid.e8, md->closed_fees + s.open_trade_fees.e8);
    assert_int_equal(s.consecutive_losses, md->streak);
    assert_true(s.peak_equity.e8 >= s.equity.e8);
    assert_true(s.max_drawdown_bps >= s.drawdown_bps);
    assert_true(s.exposure.e8 >= 0 && s.daily_loss_bps >= 0);
    if (s.position_steps == 0) {
        assert_int_equal(s.position_cost.e8, 0);
        assert_int_equal(s.unrealized_pnl.e8, 0);
        assert_int_equal(s.funding_paid.e8, md->closed_funding);
    }
}

static void random_event(sc_risk_metrics *m, sc_rng *r, model *md, sc_ns *ts, int64_t *mid) {
    *ts += (sc_ns)sc_rng_below(r, 20 * SC_NS_PER_MIN);
    *mid += (int64_t)sc_rng_below(r, 201) - 100; /* ticks */
    if (*mid < 100000) {
        *mid = 100000;
    }
    sc_ns jitter = (sc_ns)sc_rng_below(r, 3) * SC_NS_PER_S; /* sometimes out of order */
    if (sc_rng_below(r, 3) == 0) {
        int64_t mark_e8 = *mid * 10000000 + (int64_t)sc_rng_below(r, 10000000);
        int64_t rate = (int64_t)sc_rng_below(r, 2001) - 1000;
        sc_ns next = sc_ns_utc_day_start(*ts) + 8 * HOUR * (1 + (*ts % SC_NS_PER_DAY) / (8 * HOUR));
        assert_int_equal(mark(m, mark_e8, rate, next, *ts - jitter), SC_OK);
        return;
    }
    static const int64_t rates[] = {0, MAKER, TAKER, -2500, 12345};
    int64_t steps = 1 + (int64_t)sc_rng_below(r, 40);
    sc_side side = sc_rng_below(r, 2) == 0 ? SC_SIDE_BUY : SC_SIDE_SELL;
    if (md->pos_steps > 300) {
        side = SC_SIDE_SELL;
    } else if (md->pos_steps < -300) {
        side = SC_SIDE_BUY;
    }
    int64_t px = *mid + (int64_t)sc_rng_below(r, 21) - 10;
    assert_int_equal(fill(m, side, px, steps, rates[sc_rng_below(r, 5)], *ts - jitter), SC_OK);
    md->pos_steps += side == SC_SIDE_BUY ? steps : -steps;
}

static void test_random_property(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        sc_rng r;
        sc_rng_seed(&r, seed);
        sc_risk_metrics *m = make(USDT(5000));
        model md;
        memset(&md, 0, sizeof(md));
        sc_ns ts = DAY0;
        int64_t mid = 650000;
        for (int i = 0; i < 5000; i++) {
            random_event(m, &r, &md, &ts, &mid);
            check_invariants(m, &md);
        }
        sc_risk_metrics_counters c;
        sc_risk_metrics_counters_get(m, &c);
        assert_true(c.trades > 50);
        assert_true(c.funding_settlements > 10);
        assert_int_equal(c.refused, 0);
        sc_risk_metrics_destroy(m);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_refusals),
        cmocka_unit_test(test_long_round_trip_win),
        cmocka_unit_test(test_long_round_trip_loss),
        cmocka_unit_test(test_short_round_trip),
        cmocka_unit_test(test_partial_close_and_average),
        cmocka_unit_test(test_flip_long_to_short),
        cmocka_unit_test(test_unrealized_at_mark),
        cmocka_unit_test(test_funding),
        cmocka_unit_test(test_daily_reset),
        cmocka_unit_test(test_peak_and_drawdown),
        cmocka_unit_test(test_consecutive_losses),
        cmocka_unit_test(test_leverage_at_3x),
        cmocka_unit_test(test_overflow_guard),
        cmocka_unit_test(test_fee_rounding),
        cmocka_unit_test(test_random_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
