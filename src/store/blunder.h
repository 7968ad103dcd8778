/* blunder.h: BlunderAnalyzer. Labels a closed trade once its look-ahead
 * window has passed: maximum favourable / adverse excursion during the hold,
 * the best / worst move after the exit, and labels from one fixed taxonomy.
 *
 * Two parts:
 *  - sc_blunder_analyze(): a pure function of one trade and its price path.
 *  - sc_blunder (the tracker): the caller feeds every price it wants used
 *    (sc_blunder_on_price), opens a slot when an entry fills, closes it with
 *    the finished trade, and polls; a trade matures when the feed's time (or
 *    the poll time) is strictly past exit_ns + lookahead_ns, and poll returns
 *    its report and frees the slot.
 *
 * Notation. dir = +1 for a long (SC_SIDE_BUY), -1 for a short. For prices in
 * ticks, fav(p, ref) = dir * (p - ref): positive is in the trade's favour.
 * stop_dist = |entry_px - stop_px| ticks (> 0). bps(x, ref) = floor(x * 10000
 * / ref) for x >= 0. "A >= k bps of ref" is tested exactly in integers as
 * A * 10000 >= k * ref (no rounding).
 *
 * Windows over the path (point times in ns, all ends inclusive):
 *  - chase   C = [decision_ns - SC_BLUNDER_CHASE_WINDOW_NS, decision_ns]
 *  - hold    H = [entry_ns, exit_ns]; the entry and exit fills count as
 *              points of H (at entry_px and exit_px)
 *  - after   A = (exit_ns, exit_ns + lookahead_ns]: a point exactly at the
 *              window end counts; a point at exit_ns belongs to H
 *  - adverse S = [entry_ns, entry_ns + SC_BLUNDER_ADVSEL_WINDOW_NS], across
 *              the exit if the hold was shorter
 *
 * Figures (all >= 0):
 *  - mfe_ticks = max(0, max over H of fav(p, entry_px))
 *  - mae_ticks = max(0, max over H of -fav(p, entry_px))
 *  - after_best_ticks  = max(0, max over A of fav(p, exit_px))
 *  - after_worst_ticks = max(0, max over A of -fav(p, exit_px))
 *  - each also in bps of its reference (entry_px for mfe/mae, exit_px after)
 *  - exit_gain_ticks = fav(exit_px, entry_px) (signed)
 *  - slippage_ticks = dir * (entry_px - decision_touch_px): how much worse
 *    the fill was than the touch at decision time (signed; > 0 is worse)
 *  - chase_ticks = max(0, max over C of dir * (decision_touch_px - p)): how
 *    far price had already run our way before we decided
 *  - adverse_ticks = max(0, max over S of -fav(p, entry_px))
 *
 * Labels: SC_BLUNDER_LABELS below is the one table (name, definition); the
 * definition text is the contract and each label has a test that fires and a
 * near miss. Labels co-occur freely except: clean_win and lucky_win exclude
 * each other (1/3 < 80 %), and stopped_then_reversed and premature_exit
 * exclude each other (the exit reason splits them). Both are asserted.
 *
 * Thresholds are named constants for now; they should become parameters
 * (core/params) once the analyzer feeds the advisor.
 *
 * Limits. Each slot holds at most points_max path points; points that arrive
 * when it is full are dropped and the report says truncated = true with NO
 * labels (a label like clean_win claims an absence, which an incomplete path
 * cannot show); the figures then cover the points kept. The recent ring
 * (recent_max points, oldest overwritten) supplies the chase window at open;
 * if it wrapped and no longer reaches back to the window start the report is
 * truncated the same way. Opening with every slot busy is SC_ERR_FULL and
 * the trade is not analyzed (counted in opens_refused).
 *
 * Thread: the engine's (or the writer's); one owner. Allocates: everything in
 * create; nothing after. Deterministic: no clock, no I/O; poll order is by
 * exit_ns, then trade id.
 */
#ifndef SC_STORE_BLUNDER_H
#define SC_STORE_BLUNDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/limits.h"
#include "core/time.h"
#include "market/event.h"
#include "strategy/signal.h"

/* Thresholds (future parameters). Plain literals, so the definition texts
 * below quote them through SC_BLUNDER_STR and cannot drift from the code. */
/* clean_win: MAE below 1/SC_BLUNDER_CLEAN_MAE_DIV of the stop distance. */
#define SC_BLUNDER_CLEAN_MAE_DIV 3
/* lucky_win: MAE at least this percentage of the stop distance. */
#define SC_BLUNDER_LUCKY_MAE_PCT 80
/* late_entry: fill worse than the decision's touch by at least this. */
#define SC_BLUNDER_LATE_ENTRY_BPS 2
/* chased_entry: run-up before the decision of at least this, within ... */
#define SC_BLUNDER_CHASE_BPS 5
/* ... this window before the decision. */
#define SC_BLUNDER_CHASE_WINDOW_S 30
#define SC_BLUNDER_CHASE_WINDOW_NS (SC_BLUNDER_CHASE_WINDOW_S * SC_NS_PER_S)
/* adverse_selection: a move against a maker entry of at least this, ... */
#define SC_BLUNDER_ADVSEL_BPS 3
/* ... within this long after the fill. */
#define SC_BLUNDER_ADVSEL_WINDOW_S 5
#define SC_BLUNDER_ADVSEL_WINDOW_NS (SC_BLUNDER_ADVSEL_WINDOW_S * SC_NS_PER_S)

#define SC_BLUNDER_STR_(x) #x
#define SC_BLUNDER_STR(x) SC_BLUNDER_STR_(x)

_Static_assert(SC_BLUNDER_CLEAN_MAE_DIV *SC_BLUNDER_LUCKY_MAE_PCT > 100,
               "clean_win and lucky_win must exclude each other");

/* Limits. */
#define SC_BLUNDER_LOOKAHEAD_NS_DEFAULT SC_LIMIT_MAX_HOLD_NS
#define SC_BLUNDER_LOOKAHEAD_NS_MAX SC_NS_PER_DAY
enum {
    SC_BLUNDER_SLOTS_DEFAULT = 4,
    SC_BLUNDER_SLOTS_MAX = 64,
    /* 5 min hold + 5 min look-ahead + 30 s chase at ~10 prices/s. */
    SC_BLUNDER_POINTS_DEFAULT = 8192,
    SC_BLUNDER_POINTS_MAX = 1 << 20,
    SC_BLUNDER_RECENT_DEFAULT = 1024,
    SC_BLUNDER_RECENT_MAX = 1 << 16
};
/* Prices above this are refused, so every bps product fits int64. */
#define SC_BLUNDER_PX_TICKS_MAX INT64_C(1000000000000)

/* X(NAME, "name", "definition") in bit order; append only. */
#define SC_BLUNDER_LABELS(X)                                                                                                                            \
    X(CLEAN_WIN, "clean_win",                                                                                                                           \
      "net_pnl > 0 and mae_ticks * " SC_BLUNDER_STR(SC_BLUNDER_CLEAN_MAE_DIV) " < stop_dist")                                                           \
    X(LUCKY_WIN, "lucky_win",                                                                                                                           \
      "net_pnl > 0 and mae_ticks * 100 >= " SC_BLUNDER_STR(                                                                                             \
          SC_BLUNDER_LUCKY_MAE_PCT) " * stop_dist")                                                                                                     \
    X(STOPPED_THEN_REVERSED, "stopped_then_reversed",                                                                                                   \
      "exit_reason is stop_loss or trailing_stop and some point p in the after window A has "                                                           \
      "fav(p, target_px) >= 0 (price reached the original target)")                                                                                     \
    X(PREMATURE_EXIT, "premature_exit",                                                                                                                 \
      "exit_reason is neither stop_loss nor trailing_stop, exit_gain_ticks > 0 and "                                                                    \
      "after_best_ticks >= exit_gain_ticks (price went on in our favour by at least the gain)")                                                         \
    X(LATE_ENTRY, "late_entry",                                                                                                                         \
      "slippage_ticks > 0 and slippage_ticks * 10000 >= " SC_BLUNDER_STR(                                                                               \
          SC_BLUNDER_LATE_ENTRY_BPS) " * decision_touch_px (fill worse than the decision's "                                                            \
                                     "touch by at least that many bps)")                                                                                \
    X(                                                                                                                                                  \
        CHASED_ENTRY, "chased_entry",                                                                                                                   \
        "entry_style is taker and chase_ticks * 10000 >= " SC_BLUNDER_STR(SC_BLUNDER_CHASE_BPS) " * decision_touch_px, chase over the " SC_BLUNDER_STR( \
            SC_BLUNDER_CHASE_WINDOW_S) " s before the decision (price had already run our way)")                                                        \
    X(FEE_DRAG, "fee_drag", "gross_pnl > 0 and net_pnl <= 0")                                                                                           \
    X(AGAINST_REGIME, "against_regime",                                                                                                                 \
      "long with regime trending_down at entry, or short with regime trending_up")                                                                      \
    X(ADVERSE_SELECTION, "adverse_selection",                                                                                                           \
      "entry_style is maker and adverse_ticks * 10000 >= " SC_BLUNDER_STR(SC_BLUNDER_ADVSEL_BPS) " * entry_px, adverse over the " SC_BLUNDER_STR(       \
          SC_BLUNDER_ADVSEL_WINDOW_S) " s after the fill (filled as price went through us)")                                                            \
    X(MAX_HOLD_TIMEOUT, "max_hold_timeout", "exit_reason is max_hold")

typedef enum {
#define SC_BLUNDER_X_ENUM(n, s, d) SC_BLUNDER_##n,
    SC_BLUNDER_LABELS(SC_BLUNDER_X_ENUM)
#undef SC_BLUNDER_X_ENUM
        SC_BLUNDER_LABEL_COUNT
} sc_blunder_label;

#define SC_BLUNDER_BIT(l) (UINT32_C(1) << (unsigned)(l))

/* Name and definition of a label; "?" for an unknown one. */
const char *sc_blunder_label_name(sc_blunder_label l);
const char *sc_blunder_label_definition(sc_blunder_label l);

typedef struct {
    sc_ns ts_ns;
    sc_px px; /* a trade or mid price, as the caller chooses; > 0 */
} sc_blunder_point;

/* A closed round trip, as the caller knows it. */
typedef struct {
    int64_t id;
    sc_side side;
    sc_entry_style entry_style;
    sc_ns decision_ns; /* <= entry_ns */
    sc_ns entry_ns;
    sc_ns exit_ns;           /* >= entry_ns */
    sc_px decision_touch_px; /* best ask for a long, best bid for a short */
    sc_px entry_px;
    sc_px exit_px;
    sc_px stop_px;   /* strictly on the losing side of entry_px */
    sc_px target_px; /* strictly on the winning side of entry_px */
    sc_qty qty;      /* > 0 */
    sc_money gross_pnl;
    sc_money fees;
    sc_money net_pnl;
    sc_exit_reason exit_reason;
    sc_regime regime; /* at entry */
} sc_blunder_trade;

typedef struct {
    int64_t id;
    uint32_t labels; /* SC_BLUNDER_BIT(label) set for each label that applies */
    bool truncated;  /* path incomplete: labels == 0, figures partial */
    int64_t points_n;
    int64_t mfe_ticks;
    int64_t mae_ticks;
    int64_t mfe_bps;
    int64_t mae_bps;
    int64_t after_best_ticks;
    int64_t after_worst_ticks;
    int64_t after_best_bps;
    int64_t after_worst_bps;
    int64_t exit_gain_ticks;
    int64_t slippage_ticks;
    int64_t chase_ticks;
    int64_t adverse_ticks;
} sc_blunder_report;

/* Pure analysis. pts[0..n) in non-decreasing time (points outside every
 * window are ignored). SC_ERR_RANGE for an invalid trade (see the field
 * comments; prices in (0, SC_BLUNDER_PX_TICKS_MAX], times >= 0, a known side,
 * style, exit reason and regime), an unsorted path or a bad point, and
 * SC_ERR_INVALID_ARG for lookahead_ns outside [0, max]; *out is untouched on
 * error. The report's truncated is false. */
sc_err sc_blunder_analyze(const sc_blunder_trade *t, const sc_blunder_point *pts, size_t n,
                          sc_ns lookahead_ns, sc_blunder_report *out);

typedef struct sc_blunder sc_blunder;

typedef struct {
    sc_ns lookahead_ns;  /* [0, SC_BLUNDER_LOOKAHEAD_NS_MAX] */
    uint32_t slots_max;  /* trades tracked at once, [1, SC_BLUNDER_SLOTS_MAX] */
    uint32_t points_max; /* path points per slot, [2, SC_BLUNDER_POINTS_MAX] */
    uint32_t recent_max; /* recent ring for the chase window, [1, ..._MAX] */
} sc_blunder_config;

typedef struct {
    int64_t prices;         /* points accepted */
    int64_t prices_refused; /* px <= 0 or time going backwards */
    int64_t points_dropped; /* slot full */
    int64_t opens_refused;  /* every slot busy */
    int64_t reports;        /* returned by poll */
    int64_t reports_truncated;
} sc_blunder_counters;

sc_blunder_config sc_blunder_config_default(void);
sc_err sc_blunder_create(const sc_blunder_config *cfg, sc_blunder **out);
void sc_blunder_destroy(sc_blunder *b);

/* A price. SC_ERR_RANGE (nothing kept) for px outside (0, max] or ts_ns
 * before the latest time seen; an equal time is fine. */
sc_err sc_blunder_on_price(sc_blunder *b, sc_ns ts_ns, sc_px px);
/* An entry filled for trade id, decided at decision_ns. Copies the recent
 * points inside the chase window into the slot. SC_ERR_STATE when id is
 * already tracked, SC_ERR_FULL when no slot is free. */
sc_err sc_blunder_open(sc_blunder *b, int64_t id, sc_ns decision_ns);
/* The trade closed. SC_ERR_NOT_FOUND when id is not open, SC_ERR_RANGE for
 * an invalid trade (the slot stays open). */
sc_err sc_blunder_close(sc_blunder *b, const sc_blunder_trade *t);
/* The earliest (exit_ns, then id) closed trade with max(now_ns, latest
 * price time) > exit_ns + lookahead_ns: its report in *out, slot freed,
 * true. False when none has matured. */
bool sc_blunder_poll(sc_blunder *b, sc_ns now_ns, sc_blunder_report *out);
void sc_blunder_counters_get(const sc_blunder *b, sc_blunder_counters *out);

#endif
