/* backtest_run.h: one backtest over capture files: the paper engine
 * (engine/paper.h, strategy on) over every message, its records drained into
 * the TradeStore (store/trade_store.h, batch mode) after every call, closed
 * trades labelled by the BlunderAnalyzer (store/blunder.h), and the figures
 * of app/backtest_report.h gathered on the way.
 *
 * What goes where:
 *  - decisions: every decision the engine acts on (entries, exits, skips,
 *    vetoes) goes through the DecisionLogger (store/decision_logger.h,
 *    inline) with its context (engine/decision_context.h) before any order
 *    from it is sent: a decisions row, a verdicts row pointing to it when an
 *    order was judged, and a JSONL line when jsonl_path is set;
 *  - orders and order events: from the engine's records; the order's intent
 *    is read from its order manager at the first record of each order;
 *  - vetoes of the engine's own orders (protective exits, retries): verdict
 *    rows with decision id 0;
 *  - fills (with their fee) and closed trades (with the regime of their
 *    entry decision): the engine's FILL and TRADE records.
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
    const char *jsonl_path;   /* NULL: no decisions JSONL */
    /* Kline CSVs instead of captures: bars fidelity (paper->fidelity BARS),
     * rows of kline_ns merged up to paper->tf_ns; events are klines. */
    bool klines;
    sc_ns kline_ns;
    uint32_t batch_records; /* records per commit; 0 = the store's default */
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
