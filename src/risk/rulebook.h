/* rulebook.h: RulebookEngine, level 3 of the risk hierarchy (design.md §6).
 *
 * The rulebook holds the hard limits of core/limits.h, compiled in:
 *   max position 0.5 BTC, max daily loss 2 % of start-of-day equity (UTC
 *   day), max drawdown 5 % from peak equity, max spread 10 bps, min hold
 *   5 s, max hold 5 min, max 5 consecutive losses, max leverage 3x.
 * A config (the [risk] section, mapped field by field from sc_config_risk
 * by the engine) may tighten any of them. sc_rulebook_create checks again
 * that it only tightens (defence in depth: engine/config.c checks first) and
 * refuses a looser value with SC_ERR_RANGE and an error naming the key, the
 * hard limit and the value: "risk.max_spread_bps: expected at most 10.00
 * (the hard limit: a config may only tighten it), got 12.00".
 *
 * Canonical text: one line per limit, in the order above, with the
 * effective value and the compiled one, so both a tightening and a rebuild
 * with other limits change it:
 *   scalper-rulebook 1
 *   max_position_btc = 0.500 (hard 0.500)
 *   max_daily_loss_pct = 2.00 (hard 2.00)
 *   max_drawdown_pct = 5.00 (hard 5.00)
 *   max_spread_bps = 10.00 (hard 10.00)
 *   min_hold_s = 5 (hard 5)
 *   max_hold_s = 300 (hard 300)
 *   max_consecutive_losses = 5 (hard 5)
 *   max_leverage = 3.00 (hard 3.00)
 * The rulebook hash is the SHA-256 (core/hash.h) of this text, as lower-case
 * hex; the app prints it at start and the veto gate stamps it on every
 * verdict.
 *
 * Checks (each returns true when allowed; otherwise fills the verdict with
 * level rulebook, the reason code and the deciding values). Limits are
 * reached AT the limit for accumulated losses and over it for sizes:
 *   account       equity, start-of-day equity and peak equity > 0; else no
 *                 entry (account_invalid: fail closed).
 *   position      |position + order| > max position          (entries)
 *   daily loss    start-of-day equity - equity >= max daily loss x
 *                 start-of-day equity                          (entries)
 *   drawdown      peak - equity >= max drawdown x peak          (entries)
 *   losses        consecutive losses >= max                     (entries)
 *   spread        (ask - bid) / mid > max spread; no valid bid and ask is
 *                 a veto too                                    (entries)
 *   leverage      |position + order| x price / equity > max leverage: the
 *                 position after the order, valued at the order's price,
 *                 notional rounded up                           (entries)
 *   min hold      an exit (purpose exit) before the position has been open
 *                 min hold; protective exits and flatten orders are exempt
 *   max hold      a position open max hold or longer must be closed: the
 *                 gate sets exit_required; any order but an exit is vetoed.
 * Exact arithmetic throughout: ratios are compared as 128-bit products, no
 * floating point decides (doubles only fill the verdict's values).
 *
 * Thread: any, once created (immutable). Allocates: the rulebook in create
 * (and OpenSSL's digest there); nothing afterwards.
 * Invariants (asserted): every effective limit is within its hard limit;
 * hold_s_min <= hold_s_max.
 */
#ifndef SC_RISK_RULEBOOK_H
#define SC_RISK_RULEBOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/hash.h"
#include "core/instrument.h"
#include "core/time.h"
#include "risk/order.h"
#include "risk/veto_reason.h"

#define SC_RULEBOOK_VERSION 1

enum { SC_RULEBOOK_TEXT_MAX = 1024 }; /* the canonical text is about 300 bytes */

/* The limits, in the units of the config's [risk] fields (engine/config.h,
 * sc_config_risk), so the engine copies them one to one. Each is at most
 * its hard limit (hold_s_min: at least). */
typedef struct {
    int64_t position_steps_max;     /* lot steps of 0.001 BTC: 1..500 */
    int64_t daily_loss_bps_max;     /* of start-of-day equity: 1..200 */
    int64_t drawdown_bps_max;       /* from peak equity: 1..500 */
    int64_t spread_bps_x100_max;    /* hundredths of a bp: 1..1000 */
    int64_t hold_s_min;             /* 5..hold_s_max */
    int64_t hold_s_max;             /* hold_s_min..300 */
    int64_t consecutive_losses_max; /* 1..5 */
    int64_t leverage_x100_max;      /* hundredths: 100..300 */
} sc_rulebook_limits;

typedef struct {
    sc_rulebook_limits limits; /* start from sc_rulebook_limits_hard() and tighten */
} sc_rulebook_config;

/* The account values the checks need, as plain numbers (risk/metrics.h
 * keeps them; the caller copies them in). */
typedef struct {
    sc_money equity;           /* now, marked to market, fees and funding included */
    sc_money day_start_equity; /* at 00:00 UTC of the current day */
    sc_money peak_equity;      /* highest equity so far (equity above it counts as the peak) */
    int64_t consecutive_losses;
} sc_rulebook_account;

/* Everything one order is checked against. */
typedef struct {
    const sc_instrument *ins;      /* its grid values the position (leverage) */
    const sc_order_intent *intent; /* required */
    sc_position pos;               /* before the order */
    sc_ns now_ns;                  /* event time of the decision */
    sc_rulebook_account account;
    sc_px bid; /* best bid and ask (spread); 0 when unknown */
    sc_px ask;
} sc_rulebook_input;

typedef struct sc_rulebook sc_rulebook;

/* The compiled limits of core/limits.h. */
sc_rulebook_limits sc_rulebook_limits_hard(void);
/* SC_OK when every limit is within its hard limit and its floor and
 * hold_s_min <= hold_s_max; else SC_ERR_RANGE and err (when not NULL) names
 * the first bad key ("risk.max_spread_bps"), what was expected and the
 * value, in the config's units. */
sc_err sc_rulebook_limits_check(const sc_rulebook_limits *l, sc_errinfo *err);

/* cfg NULL: the compiled limits. SC_ERR_RANGE (err filled, *out untouched)
 * when cfg would loosen a limit; SC_ERR_NOMEM. */
sc_err sc_rulebook_create(const sc_rulebook_config *cfg, sc_rulebook **out, sc_errinfo *err);
void sc_rulebook_destroy(sc_rulebook *rb);

const sc_rulebook_limits *sc_rulebook_limits_of(const sc_rulebook *rb);
/* True when some limit is tighter than the compiled one. */
bool sc_rulebook_is_tightened(const sc_rulebook *rb);
/* The canonical text (NUL-terminated) and its SHA-256 in hex. */
const char *sc_rulebook_text(const sc_rulebook *rb);
const char *sc_rulebook_hash(const sc_rulebook *rb);
sc_ns sc_rulebook_hold_min_ns(const sc_rulebook *rb);
sc_ns sc_rulebook_hold_max_ns(const sc_rulebook *rb);

/* The single checks; true when allowed, else *v is the veto. */
bool sc_rulebook_check_account(const sc_rulebook *rb, const sc_rulebook_account *a,
                               sc_veto_verdict *v);
/* An order of side and qty added to a position of pos_steps (signed). */
bool sc_rulebook_check_position(const sc_rulebook *rb, int64_t pos_steps, sc_side side, sc_qty qty,
                                sc_veto_verdict *v);
bool sc_rulebook_check_daily_loss(const sc_rulebook *rb, const sc_rulebook_account *a,
                                  sc_veto_verdict *v);
bool sc_rulebook_check_drawdown(const sc_rulebook *rb, const sc_rulebook_account *a,
                                sc_veto_verdict *v);
bool sc_rulebook_check_losses(const sc_rulebook *rb, const sc_rulebook_account *a,
                              sc_veto_verdict *v);
bool sc_rulebook_check_spread(const sc_rulebook *rb, sc_px bid, sc_px ask, sc_veto_verdict *v);
/* The position after the order, pos_after_steps (signed), valued at px. */
bool sc_rulebook_check_leverage(const sc_rulebook *rb, const sc_instrument *ins,
                                int64_t pos_after_steps, sc_px px, const sc_rulebook_account *a,
                                sc_veto_verdict *v);
/* Vetoes a purpose-exit order before min hold; everything else passes. */
bool sc_rulebook_check_min_hold(const sc_rulebook *rb, const sc_position *pos,
                                sc_order_purpose purpose, sc_ns now_ns, sc_veto_verdict *v);
/* True when a position is open and has been for max hold or longer. */
bool sc_rulebook_max_hold_due(const sc_rulebook *rb, const sc_position *pos, sc_ns now_ns);
/* Vetoes any order but an exit (of any purpose) while max hold is due. */
bool sc_rulebook_check_max_hold(const sc_rulebook *rb, const sc_position *pos,
                                sc_order_purpose purpose, sc_ns now_ns, sc_veto_verdict *v);

/* Every check that applies to in->intent, in a fixed order:
 *   entries:            max hold, account, daily loss, drawdown, losses,
 *                       spread, position, leverage;
 *   exits:              min hold;
 *   protective, flatten: none (they only reduce risk).
 * The first veto wins. */
bool sc_rulebook_check(const sc_rulebook *rb, const sc_rulebook_input *in, sc_veto_verdict *v);

/* -1, 0 or 1 as a*b is below, equal to or above c*d, exactly (no
 * overflow) for any non-negative int64 values. */
int sc_rulebook_cmp_products(int64_t a, int64_t b, int64_t c, int64_t d);
/* |steps| lots at px on ins's grid, in 1e-8 of the quote asset; round_up
 * picks the direction when the grid is finer than 1e-8 (never for
 * usdm:BTCUSDT). false when it does not fit int64 (*out untouched). */
bool sc_rulebook_notional_e8(const sc_instrument *ins, sc_px px, int64_t steps, bool round_up,
                             int64_t *out);

#endif
