/* decision_context.h: one decision of the paper engine (engine/paper.h,
 * sc_paper_decision) as the DecisionLogger's entry (store/
 * decision_logger.h): its columns and its context JSON.
 *
 * The context is one JSON object:
 *   decision_id, ts_ns, time      the engine's decision id and time
 *   decision                      the decision path's record (candle,
 *                                 signal with its reasons, the advisor's
 *                                 answer and verdict, regime, SMC bias,
 *                                 parameter version and hash, fidelity);
 *                                 null for a decision handed in directly
 *   features                      the candle's feature row, every column by
 *                                 name (null when absent); null likewise
 *   position                      before the decision (signed steps)
 *   order                         the intent judged, or null
 *   risk                          each level of the veto gate in its order:
 *                                 {"level", "verdict"} with verdict "pass",
 *                                 "veto" (with reason, value, limit, unit,
 *                                 detail) or "not_reached" (a level below the
 *                                 veto); "not_judged" for all when no order
 *                                 was built
 *   latency                       event-time stamps: candle_close_ns (the
 *                                 request), answer_ns and advisor_latency_ns
 *                                 (null without an answer), gate_ns (the
 *                                 message that closed the candle) and
 *                                 close_to_gate_ns
 *   note                          why no order was built, or ""
 * Prices and quantities are exact decimal strings. Deterministic: the same
 * decision gives the same bytes.
 *
 * Thread: the caller's. Allocates: nothing. */
#ifndef SC_ENGINE_DECISION_CONTEXT_H
#define SC_ENGINE_DECISION_CONTEXT_H

#include <stddef.h>

#include "core/err.h"
#include "core/instrument.h"
#include "engine/paper.h"
#include "store/decision_logger.h"

/* The context JSON into buf; its length, or -1 when cap is too small
 * (SC_DLOG_CONTEXT_MAX always fits). */
int sc_decision_context_format(const sc_paper_decision *d, const sc_instrument *ins, char *buf,
                               size_t cap);

/* A whole logger entry (columns and context). rulebook_hash: the engine's.
 * SC_ERR_LIMIT when the context does not fit (never with the bounds of
 * paper.h; asserted in debug builds). */
sc_err sc_decision_context_fill(const sc_paper_decision *d, const sc_instrument *ins,
                                const char *rulebook_hash, sc_dlog_entry *e);

/* The action a decision is counted under: the advisor's answer ("enter_long",
 * "skip", ...), or "none" when no advisor was asked. */
const char *sc_decision_context_action(const sc_paper_decision *d);

#endif
