/* signal.h: what the strategy layer says, as plain values.
 *
 * A signal is an entry (long or short) or an exit, with a score in [0, 1],
 * the prices it proposes (exact ticks), and human-readable reasons, each
 * with its contribution to the score. It always names the parameter version
 * that produced it. Regime and structure bias are the strategy layer's
 * vocabulary for the market context.
 */
#ifndef SC_STRATEGY_SIGNAL_H
#define SC_STRATEGY_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/fixed.h"
#include "core/time.h"

typedef enum {
    SC_REGIME_UNKNOWN = 0, /* not enough data yet */
    SC_REGIME_TREND_UP = 1,
    SC_REGIME_TREND_DOWN = 2,
    SC_REGIME_RANGING = 3,
    SC_REGIME_VOLATILE = 4,
    SC_REGIME_ILLIQUID = 5,
    SC_REGIME_NEWS_SHOCK = 6 /* arrives with the news issue */
} sc_regime;
enum { SC_REGIME_COUNT = 7 };

/* Higher-timeframe market structure (from the SMC detector's last break). */
typedef enum { SC_BIAS_NONE = 0, SC_BIAS_BULLISH = 1, SC_BIAS_BEARISH = 2 } sc_bias;

typedef enum {
    SC_SIG_NONE = 0,
    SC_SIG_ENTER_LONG = 1,
    SC_SIG_ENTER_SHORT = 2,
    SC_SIG_EXIT = 3
} sc_signal_kind;

typedef enum { SC_ENTRY_MAKER = 0, SC_ENTRY_TAKER = 1 } sc_entry_style;

typedef enum {
    SC_EXIT_NONE = 0,
    SC_EXIT_STOP_LOSS = 1, /* protective: never blocked by the min-hold rule */
    SC_EXIT_TAKE_PROFIT = 2,
    SC_EXIT_TRAILING_STOP = 3, /* protective */
    SC_EXIT_MAX_HOLD = 4,      /* protective */
    SC_EXIT_SIGNAL = 5         /* the entry's reason has reversed */
} sc_exit_reason;

enum { SC_SIGNAL_REASONS_MAX = 8, SC_REASON_TEXT_MAX = 96 };

typedef struct {
    char text[SC_REASON_TEXT_MAX]; /* e.g. "book imbalance +0.42 over 5 levels" */
    double contribution;           /* signed share of the score */
} sc_reason;

typedef struct {
    sc_signal_kind kind;
    sc_ns ts_ns;          /* event time that produced it */
    double score;         /* 0..1; entries only */
    sc_entry_style style; /* maker (post-only) unless the score is strong */
    sc_px entry_px;       /* proposed limit price (entries) */
    sc_qty qty;           /* proposed size */
    sc_px stop_px;        /* protective stop, on the losing side of entry */
    sc_px target_px;      /* take profit, on the winning side of entry */
    sc_ns max_hold_ns;
    sc_exit_reason exit_reason; /* exits only */
    sc_regime regime;
    sc_bias htf_bias;
    int64_t params_version;
    uint32_t n_reasons;
    sc_reason reasons[SC_SIGNAL_REASONS_MAX];
} sc_signal;

const char *sc_regime_name(sc_regime r);
const char *sc_bias_name(sc_bias b);
const char *sc_signal_kind_name(sc_signal_kind k);
const char *sc_exit_reason_name(sc_exit_reason r);
/* True for exits the min-hold rule must never block. */
bool sc_exit_is_protective(sc_exit_reason r);

#endif
