/* backtest_report.h: the figures `scalper backtest` gathers over one run,
 * and its two reports, DIR/report.json and DIR/report.md.
 *
 * report.json is one object whose keys come in a fixed order (jansson with
 * JSON_PRESERVE_ORDER, inserted in the order of sc_bt_report_json). Every
 * key except wall_s, events_per_sec, decision_latency_ns and
 * message_latency_ns is a function of the inputs, the configuration, the
 * parameters and the seed only. Those four are what a clock measured; with
 * no_timing they are written as null, and two runs then give byte-identical
 * text.
 *
 * Money is a decimal string in USDT with 8 decimals, converted from the
 * exact e8 integers (never through a double). Ratios that have no value
 * (no trades, no losses, fewer than two trades) are null.
 *
 * Plain functions on the caller's thread; allocate only through jansson. */
#ifndef SC_APP_BACKTEST_REPORT_H
#define SC_APP_BACKTEST_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ai/decision.h"
#include "core/fixed.h"
#include "core/hash.h"
#include "core/instrument.h"
#include "engine/paper.h"
#include "risk/killswitch.h"
#include "risk/metrics.h"
#include "risk/veto_reason.h"
#include "store/blunder.h"

enum {
    SC_BT_LAT_LINEAR = 1024, /* exact buckets below this many ns */
    SC_BT_LAT_SUB = 512,     /* buckets per power of two above it */
    SC_BT_LAT_OCTAVES = 54,  /* up to 2^63 ns */
    SC_BT_LAT_BUCKETS = SC_BT_LAT_LINEAR + SC_BT_LAT_SUB * SC_BT_LAT_OCTAVES,
    SC_BT_TEXT_MAX = 1000
};

/* A latency histogram: exact below 1024 ns, then 512 buckets per power of
 * two (at most 0.2 % coarser than the value). */
typedef struct {
    uint64_t n;
    uint64_t max_ns;
    uint64_t buckets[SC_BT_LAT_BUCKETS];
} sc_bt_latency;

void sc_bt_latency_add(sc_bt_latency *h, uint64_t ns);
/* The value at quantile q_ppm / 1e6 (the bucket's upper bound); 0 when empty. */
uint64_t sc_bt_latency_quantile(const sc_bt_latency *h, uint64_t q_ppm);

/* Everything the reports print. */
typedef struct {
    const sc_instrument *ins;
    const char *fidelity; /* "l2" for captures */
    char inputs[SC_BT_TEXT_MAX + 1];
    uint64_t seed;
    int64_t params_version;
    char params_source[SC_BT_TEXT_MAX + 1];
    char config_hash[SC_SHA256_HEX_LEN + 1];
    char rulebook_hash[SC_SHA256_HEX_LEN + 1];
    uint64_t events;   /* capture messages fed to the engine */
    uint64_t problems; /* input lines refused (counted, skipped) */
    sc_paper_stats paper;
    sc_risk_metrics_snapshot end; /* the paper engine's metrics at the end */
    int64_t max_leverage_x100;    /* over every event */
    /* Closed trades, from the store's copy of every trade. */
    uint64_t trades;
    uint64_t wins;
    uint64_t losses;
    sc_money win_sum;  /* sum of net > 0 */
    sc_money loss_sum; /* sum of |net| over net < 0 */
    sc_money trades_net;
    sc_ns hold_sum_ns;
    double net_sum_usdt; /* for the Sharpe figure only */
    double net_sq_sum_usdt;
    /* Decisions logged, by the advisor's action ([SC_DECISION_ACTION_COUNT]:
     * no advisor was asked). */
    uint64_t decision_actions[SC_DECISION_ACTION_COUNT + 1];
    uint64_t decisions_logged;
    uint64_t vetoes[SC_VETO_REASON_COUNT];
    uint64_t not_sent;
    uint64_t kill_events;
    uint64_t ks_trips[SC_KS_TRIG_COUNT]; /* trips during the run, by trigger */
    uint64_t blunders[SC_BLUNDER_LABEL_COUNT];
    uint64_t blunder_reports;
    uint64_t blunder_truncated;
    uint64_t blunder_skipped; /* trades the analyzer could not take */
    /* Rows written to the store, per table. */
    int64_t rows_orders;
    int64_t rows_order_events;
    int64_t rows_fills;
    int64_t rows_trades;
    int64_t rows_decisions;
    int64_t rows_verdicts;
    int64_t rows_kill_events;
    int64_t rows_blunder_labels;
    /* The persisted kill switch read at the start of the run. */
    bool ks_tripped;
    char ks_trigger[32];
    char ks_reason[256];
    /* A SIGINT/SIGTERM (or --interrupt-after-events) during the run. */
    bool interrupted;
    const char *shutdown_phase; /* sc_shutdown_phase_name; NULL: none */
    const char *shutdown_reason;
    int shutdown_exit; /* sc_shutdown_exit_code once finished */
    char shutdown_text[256];
    /* Clock-measured (the "timing" object). */
    double wall_s;
    sc_bt_latency *latency;          /* per sc_paper_on_message call */
    sc_bt_latency *decision_latency; /* per call in which a candle closed */
    bool no_timing; /* write the clock-measured figures as null (byte-identical runs) */
} sc_bt_result;

/* Writes path (JSON, key order fixed, "timing" last). SC_ERR_IO on failure. */
sc_err sc_bt_report_json(const sc_bt_result *r, const char *path);
/* Writes path (Markdown, for people). SC_ERR_IO on failure. */
sc_err sc_bt_report_md(const sc_bt_result *r, const char *path);

#endif
