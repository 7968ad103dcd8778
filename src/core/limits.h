/* limits.h: the hard risk limits, compiled in.
 *
 * These are the promises scalper makes to its users. Nothing at run time can
 * loosen them: not a parameter (parameter bounds stay inside them), not a
 * config file (it may only tighten: see the rulebook), not an advisor. They
 * are constants, so they cannot be written to.
 */
#ifndef SC_CORE_LIMITS_H
#define SC_CORE_LIMITS_H

#include <stdint.h>

#include "core/time.h"

/* Max position: 0.5 BTC, in lot steps of 0.001 BTC. */
#define SC_LIMIT_MAX_POSITION_STEPS INT64_C(500)
/* Max daily loss: 2 % of start-of-day equity (UTC day), in basis points. */
#define SC_LIMIT_MAX_DAILY_LOSS_BPS INT64_C(200)
/* Max drawdown: 5 % from peak equity, in basis points. */
#define SC_LIMIT_MAX_DRAWDOWN_BPS INT64_C(500)
/* Max spread at entry: 10 bps. */
#define SC_LIMIT_MAX_SPREAD_BPS INT64_C(10)
/* Min hold: 5 s (protective exits are exempt). */
#define SC_LIMIT_MIN_HOLD_NS (5 * SC_NS_PER_S)
/* Max hold: 5 min. */
#define SC_LIMIT_MAX_HOLD_NS (5 * SC_NS_PER_MIN)
/* Max consecutive losing trades before entries stop. */
#define SC_LIMIT_MAX_CONSECUTIVE_LOSSES INT64_C(5)
/* Max leverage: 3x, in hundredths. */
#define SC_LIMIT_MAX_LEVERAGE_X100 INT64_C(300)

#endif
