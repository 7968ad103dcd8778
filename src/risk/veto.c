#include "risk/veto.h"

#include <string.h>

#include "core/assert.h"

/* Level 1. The switch asks for cancel-all and flatten itself; only orders
 * that reduce risk may still go out. */
static bool check_kill_switch(const sc_veto_input *in, bool protective, sc_veto_verdict *v) {
    SC_ASSERT(in != NULL);
    SC_ASSERT(v != NULL);
    SC_ASSERT(v->allowed); /* the first level */
    if (!in->kill_switch_tripped || protective) {
        return true;
    }
    const char *why = in->kill_switch_reason != NULL ? in->kill_switch_reason : "(no reason)";
    return sc_veto_verdict_deny(v, SC_VETO_R_KILL_SWITCH, 0.0, 0.0, NULL,
                                "kill switch tripped: %.120s", why);
}

static bool check_ai_entry(const sc_order_intent *it, const sc_decision_answer *ans,
                           const sc_decision_verdict *why, sc_veto_verdict *v) {
    SC_ASSERT(it->purpose == SC_PURPOSE_ENTRY);
    if (ans == NULL || why == NULL) {
        return sc_veto_verdict_deny(v, SC_VETO_R_AI_NO_ANSWER, 0.0, 0.0, NULL,
                                    "no advisor answer for this entry");
    }
    if (why->reason != SC_DECISION_R_OK) {
        return sc_veto_verdict_deny(v, SC_VETO_R_AI_REJECTED, 0.0, 0.0, NULL,
                                    "advisor answer refused: %s (%.40s: expected %.30s, got %.30s)",
                                    sc_decision_reason_name(why->reason), why->info.field,
                                    why->info.expected, why->info.got);
    }
    sc_decision_action want =
        it->side == SC_SIDE_BUY ? SC_DECISION_ENTER_LONG : SC_DECISION_ENTER_SHORT;
    if (ans->action == want) {
        return true;
    }
    if (sc_decision_is_entry(ans->action)) {
        return sc_veto_verdict_deny(
            v, SC_VETO_R_AI_OTHER_SIDE, 0.0, 0.0, NULL, "advisor says %s, order is a %s entry",
            sc_decision_action_name(ans->action), it->side == SC_SIDE_BUY ? "buy" : "sell");
    }
    return sc_veto_verdict_deny(v, SC_VETO_R_AI_DECLINED, ans->confidence, 0.0, NULL,
                                "advisor says %s (confidence %.2f): %.60s",
                                sc_decision_action_name(ans->action), ans->confidence, ans->reason);
}

/* Level 5. Protective orders never wait for an advisor. */
static bool check_ai(const sc_veto_input *in, sc_veto_verdict *v) {
    SC_ASSERT(in != NULL);
    SC_ASSERT(v != NULL);
    const sc_order_intent *it = in->intent;
    const sc_decision_answer *ans = in->ai_answer;
    const sc_decision_verdict *why = in->ai_verdict;
    SC_ASSERT((ans == NULL) == (why == NULL)); /* an answer comes with its verdict */
    switch (it->purpose) {
    case SC_PURPOSE_ENTRY:
        return check_ai_entry(it, ans, why, v);
    case SC_PURPOSE_EXIT:
        if (ans != NULL && why != NULL && why->reason == SC_DECISION_R_OK &&
            ans->action == SC_DECISION_HOLD) {
            return sc_veto_verdict_deny(v, SC_VETO_R_AI_DECLINED, ans->confidence, 0.0, NULL,
                                        "advisor says hold (confidence %.2f): %.60s",
                                        ans->confidence, ans->reason);
        }
        return true;
    case SC_PURPOSE_PROTECTIVE_EXIT:
    case SC_PURPOSE_FLATTEN:
        return true;
    }
    SC_ASSERT(!"unknown order purpose");
    return false;
}

bool sc_veto_check(const sc_rulebook *rb, const sc_sanity_filters *filters, const sc_params *params,
                   const sc_veto_input *in, sc_veto_verdict *out) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(filters != NULL);
    SC_ASSERT(params != NULL);
    SC_ASSERT(in != NULL);
    SC_ASSERT(out != NULL);
    SC_ASSERT(in->intent != NULL);
    SC_ASSERT(in->now_ns >= 0);
    const sc_order_intent *it = in->intent;
    bool protective = sc_order_purpose_is_protective(it->purpose);
    sc_veto_verdict_allow(out);
    memcpy(out->rulebook_hash, sc_rulebook_hash(rb), sizeof(out->rulebook_hash));
    out->exit_required = sc_rulebook_max_hold_due(rb, &in->pos, in->now_ns);

    sc_rulebook_input rin = {
        filters->ins, it, in->pos, in->now_ns, in->account, in->market.bid.px, in->market.ask.px};
    sc_sanity_input sin = {it, in->pos, 0, in->entry_working};
    int64_t mid_x2;
    if (in->market.bid.px.ticks > 0 && in->market.ask.px.ticks > 0 &&
        sc_add_i64(in->market.bid.px.ticks, in->market.ask.px.ticks, &mid_x2)) {
        sin.mid_x2 = mid_x2; /* 0 = unknown otherwise */
    }
    bool ok = check_kill_switch(in, protective, out) &&
              sc_forbidden_check(params, &in->market, it->purpose, in->now_ns, out) &&
              sc_rulebook_check(rb, &rin, out) && sc_sanity_check(filters, &sin, out) &&
              check_ai(in, out);

    SC_ASSERT(ok == out->allowed);
    SC_ASSERT(ok ? out->reason == SC_VETO_R_OK
                 : out->level != SC_VETO_LEVEL_NONE &&
                       out->level == sc_veto_reason_level(out->reason));
    return ok;
}
