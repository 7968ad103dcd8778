/* veto.h: VetoGate, the one path from an order intent to the order manager
 * (design.md §6). Every order passes sc_veto_check; there is no switch, flag
 * or mode that skips it or any of its levels.
 *
 * The gate walks the risk hierarchy in order; each level can veto everything
 * below it, and the first veto is the verdict:
 *   1. kill switch   tripped (risk/killswitch.h; the caller passes the state
 *                    and its reason): every order but a protective exit or a
 *                    flatten is vetoed (the switch asks for the flatten);
 *   2. forbidden     risk/forbidden.h (the forbidden.* parameters);
 *   3. rulebook      risk/rulebook.h (the compiled hard limits, tightened);
 *   4. sanity        risk/sanity.h (the exchange's filters, the position);
 *   5. AI            the advisor's answer (ai/decision.h), already checked
 *                    against its schema, bounds and the position there:
 *                    entries need an accepted answer (reason ok) whose action
 *                    is the entry on the intent's side (enter_long = buy,
 *                    enter_short = sell): else ai_no_answer, ai_rejected,
 *                    ai_declined (hold, skip, exit) or ai_other_side. A
 *                    signal exit (purpose exit) is vetoed only by an accepted
 *                    `hold` (ai_declined); no answer lets it pass.
 * Protective exits and flatten orders (sc_order_purpose_is_protective): pass
 * the kill switch, are never blocked by forbidden conditions, the min-hold
 * rule or the AI, and still pass the sanity checks that make them valid
 * orders (reduce-only, the closing side, at most the position, tick and
 * step). Entries are judged by every level.
 *
 * The verdict (risk/veto_reason.h) carries the level, the reason code, the
 * deciding values and text, and the rulebook hash. exit_required is set
 * whenever the position is past the rulebook's max hold, whatever the order:
 * the engine must then send a protective exit (which this gate lets pass).
 *
 * Thread: any (a pure function of its arguments). Allocates: nothing.
 */
#ifndef SC_RISK_VETO_H
#define SC_RISK_VETO_H

#include <stdbool.h>

#include "ai/decision.h"
#include "core/params.h"
#include "risk/forbidden.h"
#include "risk/order.h"
#include "risk/rulebook.h"
#include "risk/sanity.h"
#include "risk/veto_reason.h"

typedef struct {
    const sc_order_intent *intent; /* required */
    sc_position pos;               /* before the order */
    sc_ns now_ns;                  /* event time of the decision, >= 0 */
    /* 1. kill switch */
    bool kill_switch_tripped;
    const char *kill_switch_reason; /* NULL or text; shown in the detail */
    /* 2. forbidden conditions (also the best bid and ask of 3 and 4) */
    sc_forbidden_inputs market;
    /* 3. rulebook */
    sc_rulebook_account account;
    /* 4. sanity */
    bool entry_working; /* another entry order is working */
    /* 5. AI: both NULL when no advisor was asked */
    const sc_decision_answer *ai_answer;
    const sc_decision_verdict *ai_verdict;
} sc_veto_input;

/* The gate. Returns out->allowed. `params` are the active parameters
 * (valid); filters must pass sc_sanity_filters_check. */
bool sc_veto_check(const sc_rulebook *rb, const sc_sanity_filters *filters, const sc_params *params,
                   const sc_veto_input *in, sc_veto_verdict *out);

#endif
