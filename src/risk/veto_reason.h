/* veto_reason.h: the verdict vocabulary of the veto gate (risk/veto.h).
 *
 * Every verdict names the level of the risk hierarchy that decided it
 * (design.md §6), one reason code, and the values that decided it ("spread
 * 12.30 bps > max 10.00 bps"). The codes are one X-macro table, append-only:
 * a code is never renumbered or reused, so a code in the decision log keeps
 * its meaning. Each code belongs to exactly one level. A veto is a domain
 * outcome, not an error (core/err.h).
 *
 * The check functions of each level (killswitch input, risk/forbidden.h,
 * risk/rulebook.h, risk/sanity.h, the AI step in veto.c) fill a verdict
 * through sc_veto_verdict_deny; the gate stamps the rulebook hash.
 *
 * Thread: any. Allocates: nothing.
 */
#ifndef SC_RISK_VETO_REASON_H
#define SC_RISK_VETO_REASON_H

#include <stdbool.h>
#include <stddef.h>

#include "core/hash.h"

/* The levels, in the order the gate walks them. X(NAME, value, "name") */
#define SC_VETO_LEVEL_LIST(X)                                                                      \
    X(NONE, 0, "none")                                                                             \
    X(KILL_SWITCH, 1, "kill_switch")                                                               \
    X(FORBIDDEN, 2, "forbidden")                                                                   \
    X(RULEBOOK, 3, "rulebook")                                                                     \
    X(SANITY, 4, "sanity")                                                                         \
    X(AI, 5, "ai")

typedef enum {
#define SC__VETO_LEVEL_ENUM(name, value, text) SC_VETO_LEVEL_##name = value,
    SC_VETO_LEVEL_LIST(SC__VETO_LEVEL_ENUM)
#undef SC__VETO_LEVEL_ENUM
} sc_veto_level;
enum { SC_VETO_LEVEL_COUNT = 6 };

/* Append-only. X(NAME, value, "name", LEVEL, "meaning") */
#define SC_VETO_REASON_LIST(X)                                                                     \
    X(OK, 0, "ok", NONE, "allowed: every level passed")                                            \
    X(KILL_SWITCH, 1, "kill_switch", KILL_SWITCH,                                                  \
      "the kill switch is tripped: only protective exits and flatten orders pass")                 \
    X(BOOK_NOT_SYNCED, 2, "book_not_synced", FORBIDDEN,                                            \
      "the order book is out of sync or lacks a best bid or ask")                                  \
    X(BOOK_CROSSED, 3, "book_crossed", FORBIDDEN, "the best bid is at or above the best ask")      \
    X(DATA_STALE, 4, "data_stale", FORBIDDEN, "no book update within forbidden.stale_ms")          \
    X(CLOCK_SKEW, 5, "clock_skew", FORBIDDEN,                                                      \
      "local and exchange clocks differ by more than forbidden.clock_skew_ms, or unknown")         \
    X(SPREAD_WIDE, 6, "spread_wide", FORBIDDEN, "spread wider than forbidden.spread_bps")          \
    X(THIN_TOP, 7, "thin_top", FORBIDDEN,                                                          \
      "the best bid or ask holds less than forbidden.thin_top_steps")                              \
    X(VOL_SHOCK, 8, "vol_shock", FORBIDDEN,                                                        \
      "mid moved at least forbidden.vol_shock_bps within forbidden.vol_window_s, or unknown")      \
    X(FUNDING_WINDOW, 9, "funding_window", FORBIDDEN,                                              \
      "within forbidden.funding_window_s of a funding time (00:00, 08:00, 16:00 UTC)")             \
    X(NEWS_BLACKOUT, 10, "news_blackout", FORBIDDEN, "a news blackout is in force")                \
    X(RATE_HEADROOM, 11, "rate_headroom", FORBIDDEN,                                               \
      "less than forbidden.rate_headroom_pct of the order rate limit left")                        \
    X(LATENCY, 12, "latency", FORBIDDEN, "order latency above forbidden.latency_ms")               \
    X(ACCOUNT_INVALID, 13, "account_invalid", RULEBOOK,                                            \
      "equity, start-of-day equity or peak equity is not positive: no entry")                      \
    X(POSITION_LIMIT, 14, "position_limit", RULEBOOK,                                              \
      "the position after the order would exceed the max position")                                \
    X(DAILY_LOSS, 15, "daily_loss", RULEBOOK,                                                      \
      "the day's loss has reached the max daily loss of start-of-day equity")                      \
    X(DRAWDOWN, 16, "drawdown", RULEBOOK, "equity has fallen the max drawdown below its peak")     \
    X(CONSECUTIVE_LOSSES, 17, "consecutive_losses", RULEBOOK,                                      \
      "the max number of losing trades in a row has been reached")                                 \
    X(SPREAD_LIMIT, 18, "spread_limit", RULEBOOK, "spread wider than the max spread")              \
    X(LEVERAGE, 19, "leverage", RULEBOOK,                                                          \
      "position notional over equity after the order would exceed the max leverage")               \
    X(MIN_HOLD, 20, "min_hold", RULEBOOK, "a non-protective exit before the min hold time")        \
    X(MAX_HOLD, 21, "max_hold", RULEBOOK,                                                          \
      "the position is past its max hold time: only an exit may pass, and one is required")        \
    X(PX_INVALID, 22, "px_invalid", SANITY, "price not positive or beyond the book's range")       \
    X(PX_OFF_TICK, 23, "px_off_tick", SANITY, "price not a multiple of the exchange tick")         \
    X(QTY_INVALID, 24, "qty_invalid", SANITY, "quantity not positive")                             \
    X(QTY_OFF_STEP, 25, "qty_off_step", SANITY, "quantity not a multiple of the exchange step")    \
    X(QTY_TOO_LARGE, 26, "qty_too_large", SANITY, "quantity above the exchange's max quantity")    \
    X(MIN_NOTIONAL, 27, "min_notional", SANITY,                                                    \
      "price x quantity below the exchange's min notional (reduce-only orders are exempt)")        \
    X(NO_MID, 28, "no_mid", SANITY, "no mid price to check an entry or exit price against")        \
    X(PX_OUT_OF_BAND, 29, "px_out_of_band", SANITY, "price too far from mid")                      \
    X(REDUCE_ONLY_MISMATCH, 30, "reduce_only_mismatch", SANITY,                                    \
      "an entry marked reduce-only, or an exit not marked reduce-only")                            \
    X(SIDE_MISMATCH, 31, "side_mismatch", SANITY,                                                  \
      "the side does not fit the position (an exit that adds, an entry that reverses)")            \
    X(NOTHING_TO_CLOSE, 32, "nothing_to_close", SANITY, "an exit while flat")                      \
    X(EXCEEDS_POSITION, 33, "exceeds_position", SANITY, "an exit larger than the position")        \
    X(STOP_WRONG_SIDE, 34, "stop_wrong_side", SANITY,                                              \
      "an entry's stop-loss missing or not on the losing side of its price")                       \
    X(TARGET_WRONG_SIDE, 35, "target_wrong_side", SANITY,                                          \
      "an entry's take-profit missing or not on the winning side of its price")                    \
    X(DUPLICATE_ENTRY, 36, "duplicate_entry", SANITY, "an entry while another entry is working")   \
    X(CLIENT_ID_INVALID, 37, "client_id_invalid", SANITY,                                          \
      "client order id not 1..36 characters of [A-Za-z0-9.:/_-]")                                  \
    X(AI_NO_ANSWER, 38, "ai_no_answer", AI, "an entry without an advisor answer")                  \
    X(AI_REJECTED, 39, "ai_rejected", AI,                                                          \
      "the advisor's answer was refused (invalid, late, inconsistent: see its decision reason)")   \
    X(AI_DECLINED, 40, "ai_declined", AI,                                                          \
      "the advisor did not advise this order (hold or skip for an entry, hold for an exit)")       \
    X(AI_OTHER_SIDE, 41, "ai_other_side", AI, "the advisor advised an entry on the other side")

typedef enum {
#define SC__VETO_REASON_ENUM(name, value, text, level, help) SC_VETO_R_##name = value,
    SC_VETO_REASON_LIST(SC__VETO_REASON_ENUM)
#undef SC__VETO_REASON_ENUM
} sc_veto_reason;
enum { SC_VETO_REASON_COUNT = 42 };

enum { SC_VETO_DETAIL_MAX = 160 };

/* One verdict: a plain value. When allowed: level NONE, reason OK, no
 * values. When vetoed: the level and reason, and the values that decided it
 * (value, limit, unit; has_values false for a plain flag such as news) and
 * the same as text in detail. exit_required is set by the gate whenever the
 * position is past its max hold time, whatever the verdict. */
typedef struct {
    bool allowed;
    sc_veto_level level;
    sc_veto_reason reason;
    bool exit_required;
    bool has_values;
    double value;     /* what was observed, in unit */
    double limit;     /* the bound it was held to, in unit */
    const char *unit; /* a string literal ("bps", "s", "BTC", "x", ...); "" without values */
    char detail[SC_VETO_DETAIL_MAX];
    char rulebook_hash[SC_SHA256_HEX_LEN + 1]; /* stamped by the gate; "" before */
} sc_veto_verdict;

/* "rulebook", ...; "?" outside the table. */
const char *sc_veto_level_name(sc_veto_level l);
/* "spread_limit", ...; "?" outside the table. */
const char *sc_veto_reason_name(sc_veto_reason r);
const char *sc_veto_reason_help(sc_veto_reason r);
/* The level the code belongs to; SC_VETO_LEVEL_NONE outside the table. */
sc_veto_level sc_veto_reason_level(sc_veto_reason r);

/* Sets *v to allowed (reason OK, no values, empty detail and hash). */
void sc_veto_verdict_allow(sc_veto_verdict *v);
/* Sets *v to a veto for reason r (level from the table) with the values
 * (unit NULL: no values) and the detail text from fmt. Returns false, so a
 * check can `return sc_veto_verdict_deny(...)`. Keeps v->exit_required and
 * v->rulebook_hash. */
bool sc_veto_verdict_deny(sc_veto_verdict *v, sc_veto_reason r, double value, double limit,
                          const char *unit, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* One line for logs: "allowed; rulebook 1a2b3c4d5e6f" or "vetoed at rulebook
 * (spread_limit): spread 10.10 bps > max 10.00 bps; rulebook 1a2b3c4d5e6f",
 * plus "; exit required" when set. Returns buf. */
const char *sc_veto_verdict_format(const sc_veto_verdict *v, char *buf, size_t cap);

#endif
