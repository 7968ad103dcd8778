/* retry.c: the retry policy (rules in retry.h). */
#include "exec/retry.h"

#include <stdlib.h>

#include "core/assert.h"

struct sc_retry {
    sc_retry_config cfg;
    sc_retry_stats stats;
};

_Static_assert(SC_RETRY_DRIFT_TICKS_DEFAULT <= SC_RETRY_DRIFT_TICKS_CEIL, "drift default");
_Static_assert(SC_RETRY_REPLACES_DEFAULT <= SC_RETRY_REPLACES_CEIL, "replaces default");
_Static_assert(SC_RETRY_INTERVAL_NS_FLOOR <= SC_RETRY_INTERVAL_NS_DEFAULT &&
                   SC_RETRY_INTERVAL_NS_DEFAULT <= SC_RETRY_INTERVAL_NS_CEIL,
               "interval default");
_Static_assert(SC_RETRY_WAIT_NS_FLOOR <= SC_RETRY_EXIT_ESCALATE_NS_DEFAULT &&
                   SC_RETRY_EXIT_ESCALATE_NS_DEFAULT < SC_RETRY_GIVE_UP_NS_DEFAULT &&
                   SC_RETRY_GIVE_UP_NS_DEFAULT <= SC_RETRY_WAIT_NS_CEIL,
               "wait defaults");

static const char *const action_names[SC_RETRY_ACTION_COUNT] = {"none", "cancel_replace", "cancel",
                                                                "escalate"};

static const struct {
    const char *name;
    const char *text;
} reasons[SC_RETRY_REASON_COUNT] = {
    {"cancel_pending", "a cancel is pending: wait for its answer"},
    {"not_synced", "the book is not in sync: no passive change"},
    {"in_range", "within the allowed drift from the touch"},
    {"interval", "drifted, but the last replace is too recent"},
    {"waiting", "exit not filled yet, before its escalation time"},
    {"drift", "drifted from the touch: replace at the touch"},
    {"give_up_time", "entry not filled within the give-up time"},
    {"replaces_spent", "drifted with every replace spent"},
    {"exit_timeout", "exit not filled within the escalation time: take"},
    {"through", "the book moved through the protective exit's limit: take"},
};

sc_retry_config sc_retry_config_default(void) {
    sc_retry_config c = {
        .drift_ticks_max = SC_RETRY_DRIFT_TICKS_DEFAULT,
        .replaces_max = SC_RETRY_REPLACES_DEFAULT,
        .replace_interval_ns_min = SC_RETRY_INTERVAL_NS_DEFAULT,
        .give_up_ns = SC_RETRY_GIVE_UP_NS_DEFAULT,
        .exit_escalate_ns = SC_RETRY_EXIT_ESCALATE_NS_DEFAULT,
    };
    SC_ASSERT(c.replace_interval_ns_min < c.exit_escalate_ns);
    SC_ASSERT(c.exit_escalate_ns < c.give_up_ns);
    return c;
}

static bool config_valid(const sc_retry_config *c) {
    return c != NULL && c->drift_ticks_max >= 0 &&
           c->drift_ticks_max <= SC_RETRY_DRIFT_TICKS_CEIL && c->replaces_max >= 0 &&
           c->replaces_max <= SC_RETRY_REPLACES_CEIL &&
           c->replace_interval_ns_min >= SC_RETRY_INTERVAL_NS_FLOOR &&
           c->replace_interval_ns_min <= SC_RETRY_INTERVAL_NS_CEIL &&
           c->give_up_ns >= SC_RETRY_WAIT_NS_FLOOR && c->give_up_ns <= SC_RETRY_WAIT_NS_CEIL &&
           c->exit_escalate_ns >= SC_RETRY_WAIT_NS_FLOOR &&
           c->exit_escalate_ns <= SC_RETRY_WAIT_NS_CEIL;
}

sc_err sc_retry_create(const sc_retry_config *cfg, sc_retry **out) {
    if (out == NULL || !config_valid(cfg)) {
        return SC_ERR_INVALID_ARG;
    }
    *out = NULL;
    sc_retry *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return SC_ERR_NOMEM;
    }
    r->cfg = *cfg;
    SC_ASSERT(config_valid(&r->cfg));
    SC_ASSERT(r->stats.decisions_n == 0);
    *out = r;
    return SC_OK;
}

void sc_retry_destroy(sc_retry *r) {
    free(r);
}

static sc_retry_action make(sc_retry_action_kind kind, sc_retry_reason why, sc_px px, bool has_px) {
    SC_ASSERT((unsigned)kind < SC_RETRY_ACTION_COUNT && (unsigned)why < SC_RETRY_REASON_COUNT);
    SC_ASSERT(!has_px || px.ticks > 0);
    sc_retry_action a = {
        .kind = kind, .reason = why, .px = px, .has_px = has_px, .why = reasons[why].text};
    return a;
}

static sc_retry_action none(sc_retry_reason why) {
    SC_ASSERT(why <= SC_RETRY_R_WAITING);
    sc_px zero = {0};
    return make(SC_RETRY_NONE, why, zero, false);
}

static sc_retry_action cancel(sc_retry_reason why) {
    SC_ASSERT(why == SC_RETRY_R_GIVE_UP_TIME || why == SC_RETRY_R_REPLACES_SPENT);
    sc_px zero = {0};
    return make(SC_RETRY_CANCEL, why, zero, false);
}

/* With a synced book the reference price is the far touch, what a taker
 * order of this side meets first; without one there is no price (retry.h). */
static sc_retry_action escalate(const sc_retry_order *o, const sc_retry_touch *t, bool synced,
                                sc_retry_reason why) {
    SC_ASSERT(why == SC_RETRY_R_EXIT_TIMEOUT || why == SC_RETRY_R_THROUGH);
    SC_ASSERT(o->purpose != SC_PURPOSE_ENTRY);
    sc_px zero = {0};
    if (!synced) {
        return make(SC_RETRY_ESCALATE, why, zero, false);
    }
    return make(SC_RETRY_ESCALATE, why, o->side == SC_SIDE_BUY ? t->best_ask : t->best_bid, true);
}

/* Ticks behind the touch on the order's own side. Both prices are > 0, so
 * the difference cannot overflow. */
static int64_t drift_ticks(const sc_retry_order *o, const sc_retry_touch *t) {
    SC_ASSERT(o->px.ticks > 0 && t->best_bid.ticks > 0);
    SC_ASSERT(t->best_ask.ticks > t->best_bid.ticks);
    if (o->side == SC_SIDE_BUY) {
        return t->best_bid.ticks - o->px.ticks;
    }
    return o->px.ticks - t->best_ask.ticks;
}

static sc_retry_action decide_entry(const sc_retry_config *c, const sc_retry_order *o,
                                    const sc_retry_touch *t, bool synced, sc_ns now_ns) {
    SC_ASSERT(o->purpose == SC_PURPOSE_ENTRY);
    if (now_ns - o->submitted_ns >= c->give_up_ns) {
        return cancel(SC_RETRY_R_GIVE_UP_TIME);
    }
    if (!synced) {
        return none(SC_RETRY_R_NOT_SYNCED);
    }
    if (drift_ticks(o, t) <= c->drift_ticks_max) {
        return none(SC_RETRY_R_IN_RANGE);
    }
    if (o->replaces_n >= c->replaces_max) {
        return cancel(SC_RETRY_R_REPLACES_SPENT);
    }
    sc_ns last_ns = o->replaces_n > 0 ? o->last_replace_ns : o->submitted_ns;
    SC_ASSERT(last_ns >= o->submitted_ns && last_ns <= now_ns);
    if (now_ns - last_ns < c->replace_interval_ns_min) {
        return none(SC_RETRY_R_INTERVAL);
    }
    /* Drift > max >= 0: the own touch is strictly better than px, so moving
     * to it goes toward the touch and stays on our side of the book. */
    sc_px to = o->side == SC_SIDE_BUY ? t->best_bid : t->best_ask;
    SC_ASSERT(o->side == SC_SIDE_BUY ? to.ticks > o->px.ticks : to.ticks < o->px.ticks);
    SC_ASSERT(o->side == SC_SIDE_BUY ? to.ticks < t->best_ask.ticks : to.ticks > t->best_bid.ticks);
    return make(SC_RETRY_CANCEL_REPLACE, SC_RETRY_R_DRIFT, to, true);
}

static sc_retry_action decide_exit(const sc_retry_config *c, const sc_retry_order *o,
                                   const sc_retry_touch *t, bool synced, sc_ns now_ns) {
    SC_ASSERT(o->purpose != SC_PURPOSE_ENTRY);
    bool protective = sc_order_purpose_is_protective(o->purpose);
    bool timed_out = now_ns - o->submitted_ns >= c->exit_escalate_ns;
    if (protective) {
        if (synced && drift_ticks(o, t) > 0) {
            return escalate(o, t, synced, SC_RETRY_R_THROUGH);
        }
    } else if (!synced) {
        return none(SC_RETRY_R_NOT_SYNCED);
    }
    SC_ASSERT(synced || protective);
    if (timed_out) {
        return escalate(o, t, synced, SC_RETRY_R_EXIT_TIMEOUT);
    }
    SC_ASSERT(now_ns - o->submitted_ns < c->exit_escalate_ns);
    return none(SC_RETRY_R_WAITING);
}

static bool touch_valid(const sc_retry_touch *t) {
    SC_ASSERT(t != NULL);
    return t->best_bid.ticks > 0 && t->best_ask.ticks > t->best_bid.ticks;
}

static void check_order(const sc_retry_order *o, sc_ns now_ns) {
    SC_ASSERT((unsigned)o->purpose <= (unsigned)SC_PURPOSE_FLATTEN);
    SC_ASSERT(o->side == SC_SIDE_BUY || o->side == SC_SIDE_SELL);
    SC_ASSERT(o->px.ticks > 0 && o->replaces_n >= 0);
    SC_ASSERT(o->submitted_ns >= 0 && o->submitted_ns <= now_ns);
    SC_ASSERT(o->last_replace_ns == -1 ||
              (o->last_replace_ns >= o->submitted_ns && o->last_replace_ns <= now_ns));
    SC_ASSERT(o->replaces_n == 0 || o->last_replace_ns >= 0);
}

sc_retry_action sc_retry_decide(sc_retry *r, const sc_retry_order *o, const sc_retry_touch *t,
                                sc_ns now_ns) {
    SC_ASSERT(r != NULL && o != NULL && t != NULL);
    check_order(o, now_ns);
    bool synced = t->synced;
    if (synced && !touch_valid(t)) {
        synced = false; /* fail closed: a crossed or empty touch is no touch */
        r->stats.touch_invalid_n++;
    }
    sc_retry_action a;
    if (o->cancel_pending) {
        a = none(SC_RETRY_R_CANCEL_PENDING);
    } else if (o->purpose == SC_PURPOSE_ENTRY) {
        a = decide_entry(&r->cfg, o, t, synced, now_ns);
    } else {
        a = decide_exit(&r->cfg, o, t, synced, now_ns);
    }
    SC_ASSERT(a.kind != SC_RETRY_CANCEL_REPLACE || (o->purpose == SC_PURPOSE_ENTRY && synced));
    SC_ASSERT(a.kind != SC_RETRY_ESCALATE || o->purpose != SC_PURPOSE_ENTRY);
    SC_ASSERT(a.kind != SC_RETRY_CANCEL || o->purpose == SC_PURPOSE_ENTRY);
    SC_ASSERT(a.why == reasons[a.reason].text && r->stats.decisions_n < INT64_MAX);
    r->stats.decisions_n++;
    r->stats.actions_n[a.kind]++;
    r->stats.reasons_n[a.reason]++;
    return a;
}

sc_retry_stats sc_retry_stats_get(const sc_retry *r) {
    SC_ASSERT(r != NULL);
    SC_ASSERT(r->stats.decisions_n >= 0);
    return r->stats;
}

const char *sc_retry_action_name(sc_retry_action_kind k) {
    if ((unsigned)k >= SC_RETRY_ACTION_COUNT) {
        return "?";
    }
    SC_ASSERT(action_names[k] != NULL);
    return action_names[k];
}

const char *sc_retry_reason_name(sc_retry_reason why) {
    if ((unsigned)why >= SC_RETRY_REASON_COUNT) {
        return "?";
    }
    SC_ASSERT(reasons[why].name != NULL);
    return reasons[why].name;
}

const char *sc_retry_reason_str(sc_retry_reason why) {
    if ((unsigned)why >= SC_RETRY_REASON_COUNT) {
        return "?";
    }
    SC_ASSERT(reasons[why].text != NULL);
    return reasons[why].text;
}
