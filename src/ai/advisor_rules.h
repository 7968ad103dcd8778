/* advisor_rules.h: the `rules` advisor, the default: the strategy's signal,
 * restated as a decision answer, deterministically.
 *
 * It answers synchronously, and as JSON text like every other advisor, so
 * its answer takes the same parse / validate / clamp path on every
 * decision (and a backtest exercises that path as much as live trading).
 * The same request and parameters always give the same bytes.
 *
 * The answer, from req->signal and the position:
 *   - enter_long / enter_short: that action; confidence = signal score;
 *     size_fraction 1 (the validator clamps it to ai.size_fraction_max);
 *     sl_bps = |entry - stop| / entry * 10^4 and tp_bps = |target - entry| /
 *     entry * 10^4, computed in integers from the ticks and truncated to
 *     1e-6 bps (both round toward zero: a nearer stop and a nearer target),
 *     signed so that a stop or target on the wrong side of the entry comes
 *     out negative and the validator refuses it (out_of_range); a score
 *     below ai.min_confidence becomes low_confidence there too;
 *   - exit: exit (confidence 1); an exit while flat becomes inconsistent;
 *   - no signal: hold with a position, skip when flat (nothing to do; an
 *     advised skip, verdict ok);
 *   - an entry whose price is not positive, or whose distance overflows
 *     the integer arithmetic: an advised skip saying so.
 * ttl_ms is ai.ttl_ms_max. The reason is ASCII, e.g. "rules: enter_long
 * maker score 0.8", cut to ai.reason_len_max bytes.
 *
 * Thread: one owner. Allocates: in create only (the answer buffer).
 */
#ifndef SC_AI_ADVISOR_RULES_H
#define SC_AI_ADVISOR_RULES_H

#include <stddef.h>

#include "ai/advisor.h"
#include "ai/decision.h"
#include "core/err.h"
#include "core/params.h"

/* Longest answer the rules advisor writes (its reason is at most ~64 bytes). */
enum { SC_ADVISOR_RULES_JSON_MAX = 512 };

typedef struct sc_advisor_rules sc_advisor_rules;

/* No configuration: everything comes from the request and the parameters. */
sc_err sc_advisor_rules_create(sc_advisor_rules **out);
void sc_advisor_rules_destroy(sc_advisor_rules *r);

/* The implementation to put in an sc_advisor_config. */
sc_advisor_config sc_advisor_rules_config(sc_advisor_rules *r);

/* The answer text for req into buf (NUL-terminated); returns its length.
 * cap must be at least SC_ADVISOR_RULES_JSON_MAX. */
size_t sc_advisor_rules_answer(const sc_decision_request *req, const sc_params *active, char *buf,
                               size_t cap);

#endif
