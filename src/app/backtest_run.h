/* backtest_run.h: one backtest over capture files: the paper engine
 * (engine/paper.h, strategy on) over every message, its records drained into
 * the TradeStore (store/trade_store.h, batch mode) after every call, closed
 * trades labelled by the BlunderAnalyzer (store/blunder.h), and the figures
 * of app/backtest_report.h gathered on the way.
 *
 * What the paper engine's public API gives and what is rebuilt here:
 *  - orders and order events: from its records; the order's intent is read
 *    from its order manager at the first record of each order;
 *  - verdicts: its VETO records (the gate's allowed verdicts are not
 *    recorded by the paper engine, so only vetoes have rows);
 *  - fills and closed trades: a shadow risk/metrics.h tracker fed the same
 *    fills (same fee rates) and the capture's mark prices gives each fill's
 *    fee and every sc_risk_trade; the report's money figures come from the
 *    paper engine's own metrics;
 *  - decisions: the paper engine does not surface the strategy's decisions,
 *    so the decisions table stays empty and the report gives its counters.
 * The run starts and ends at event times (the first and last message): no
 * wall clock reaches the database. At the end of input the engine is stopped
 * (sc_paper_stop: cancel all, flatten) and given 10 s of event time.
 *
 * Single-threaded (the caller's); allocates in sc_bt_run only. */
#ifndef SC_APP_BACKTEST_RUN_H
#define SC_APP_BACKTEST_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/backtest_report.h"
#include "app/progress.h"
#include "core/err.h"
#include "engine/paper.h"

enum {
    SC_BT_ORDERS_MAX = 1 << 22, /* orders of one run; more is an internal error */
    SC_BT_TRADES_MAX = 1 << 22  /* closed trades of one run; likewise */
};

typedef struct {
    const char *const *files;
    size_t n_files;
    const char *db_path;
    const char *version;
    const sc_paper_config *paper;
    const sc_rulebook_limits *limits;
    int64_t maker_fee_bps_x100; /* as in paper (the shadow tracker's fees) */
    int64_t taker_fee_bps_x100;
    bool progress;
    bool kill_at_start;       /* the persisted kill switch is tripped: sc_paper_kill */
    const char *kill_reason;  /* for sc_paper_kill */
    uint64_t interrupt_after; /* > 0: a simulated SIGINT after this many events */
} sc_bt_run_config;

/* Signals (app/signals.h, installed by the caller) are polled after every
 * message; the first asks for an orderly shutdown (engine/shutdown.h), fed
 * the capture's next messages until it is finished; then the run ends as at
 * the end of input, with res->interrupted and the shutdown's outcome set.
 *
 * 0, SC_EXIT_INPUT (files unreadable) or SC_EXIT_INTERNAL (engine or store
 * failure, printed). res must be zeroed with latency set. */
int sc_bt_run(const sc_bt_run_config *cfg, sc_bt_result *res);

#endif
