/* answer_rules.h: the checks of an advisor's answer around the JSON
 * reading (ai/decision.h, sc_decision_answer_parse): the verdict's first
 * failure, the pass over the raw bytes before reading (nesting depth,
 * NaN/Infinity words), and the bounds and clamps applied to the fields
 * read. Shared by ai/decision.c and its test oracle
 * (tests/ai/decision_ref.h), so that the two differ only in how they read
 * JSON. Internal to the ai layer.
 *
 * Thread: any. Allocates: nothing. */
#ifndef SC_AI_ANSWER_RULES_H
#define SC_AI_ANSWER_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "ai/decision.h"
#include "core/params.h"

/* Records the first failure (why->reason must still be ok) and returns r. */
sc_decision_reason sc_answer_fail(sc_decision_verdict *why, sc_decision_reason r, const char *field,
                                  const char *expected, const char *got);
/* The same with got written as a number. */
sc_decision_reason sc_answer_fail_num(sc_decision_verdict *why, sc_decision_reason r,
                                      const char *field, const char *expected, double got);
/* A skip: action skip, every number 0 (the reason text is kept). */
void sc_answer_skip(sc_decision_answer *out);
/* An empty verdict: reason ok, advised skip. */
void sc_answer_verdict_init(sc_decision_verdict *why);
/* One pass over s[0..n) (n <= SC_DECISION_ANSWER_BYTES_MAX) outside strings:
 * too_deep past SC_DECISION_DEPTH_MAX; *saw_nonfinite when a NaN or
 * Infinity word appears (its syntax error then gets its own reason). */
sc_decision_reason sc_answer_prescan(const char *s, size_t n, bool *saw_nonfinite,
                                     sc_decision_verdict *why);
/* The entry rules (sizes above 0, ai.min_confidence) and the clamps
 * (ai.size_fraction_max, strategy.sl_bps / tp_bps bounds, ai.ttl_ms_max),
 * recorded in why; exits get their entry-only numbers zeroed. */
sc_decision_reason sc_answer_apply_bounds(const sc_params *active, sc_decision_answer *a,
                                          sc_decision_verdict *why);

#endif
