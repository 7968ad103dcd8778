/* decision_context.c: see decision_context.h. */
#include "engine/decision_context.h"

#include <stdio.h>
#include <string.h>

#include "core/assert.h"
#include "engine/json_out.h"
#include "features/volatility.h"

static void w_feature(sc_jw *w, const sc_feature_column *c, const sc_feature_value *v) {
    sc_jw_key(w, c->name);
    if (!v->present) {
        sc_jw_raw(w, "null");
        return;
    }
    char b[48];
    switch (c->fmt) {
    case SC_FEATURE_FMT_TIME_MS:
        snprintf(b, sizeof(b), "%lld", (long long)(v->i / 1000000));
        sc_jw_raw(w, b);
        break;
    case SC_FEATURE_FMT_INT:
        snprintf(b, sizeof(b), "%lld", (long long)v->i);
        sc_jw_raw(w, b);
        break;
    case SC_FEATURE_FMT_PX:
        SC_ASSERT(sc_px_format(w->ins, (sc_px){v->i}, b, sizeof(b)) > 0);
        sc_jw_str(w, b);
        break;
    case SC_FEATURE_FMT_QTY:
        SC_ASSERT(sc_qty_format(w->ins, (sc_qty){v->i}, b, sizeof(b)) > 0);
        sc_jw_str(w, b);
        break;
    case SC_FEATURE_FMT_REAL:
        SC_ASSERT(sc_decision_format_number(v->d, b, sizeof(b)) > 0);
        sc_jw_raw(w, b);
        break;
    case SC_FEATURE_FMT_REGIME:
        sc_jw_str(w, sc_volatility_regime_name((sc_volatility_regime)v->i));
        break;
    }
}

static void w_features(sc_jw *w, const sc_feature_row *row) {
    sc_jw_key(w, "features");
    if (row == NULL) {
        sc_jw_raw(w, "null");
        return;
    }
    sc_jw_raw(w, "{");
    for (uint32_t i = 0; i < SC_FEATURE_COUNT; i++) {
        size_t at = w->len;
        w_feature(w, sc_feature_column_at(i), &row->v[i]);
        if (i == 0 && !w->full) { /* the first member has no comma */
            memmove(w->buf + at, w->buf + at + 1, w->len - at);
            w->len--;
        }
    }
    sc_jw_raw(w, "}");
}

static void w_order(sc_jw *w, const sc_paper_decision *d) {
    sc_jw_key(w, "order");
    if (!d->gated) {
        sc_jw_raw(w, "null");
        return;
    }
    const sc_order_intent *it = d->intent;
    sc_jw_raw(w, "{\"purpose\":");
    sc_jw_str(w, sc_order_purpose_name(it->purpose));
    sc_jw_text(w, "side", it->side == SC_SIDE_BUY ? "buy" : "sell");
    sc_jw_text(w, "type", sc_order_type_name(it->type));
    sc_jw_text(w, "tif", sc_tif_name(it->tif));
    sc_jw_px(w, "px", it->px);
    sc_jw_qty(w, "qty", it->qty);
    sc_jw_px(w, "stop_px", it->stop_px);
    sc_jw_px(w, "target_px", it->target_px);
    sc_jw_bool(w, "reduce_only", it->reduce_only);
    sc_jw_text(w, "client_id", it->client_id);
    sc_jw_raw(w, "}");
}

static const char *level_verdict(const sc_paper_decision *d, int level) {
    if (!d->gated) {
        return "not_judged";
    }
    if (d->veto->allowed || level < (int)d->veto->level) {
        return "pass";
    }
    return level == (int)d->veto->level ? "veto" : "not_reached";
}

static void w_risk(sc_jw *w, const sc_paper_decision *d) {
    sc_jw_key(w, "risk");
    sc_jw_raw(w, "[");
    for (int l = SC_VETO_LEVEL_KILL_SWITCH; l < SC_VETO_LEVEL_COUNT; l++) {
        const char *v = level_verdict(d, l);
        sc_jw_raw(w, l == SC_VETO_LEVEL_KILL_SWITCH ? "{\"level\":" : ",{\"level\":");
        sc_jw_str(w, sc_veto_level_name((sc_veto_level)l));
        sc_jw_text(w, "verdict", v);
        if (strcmp(v, "veto") == 0) {
            const sc_veto_verdict *x = d->veto;
            sc_jw_text(w, "reason", sc_veto_reason_name(x->reason));
            if (x->has_values) {
                sc_jw_num(w, "value", x->value);
                sc_jw_num(w, "limit", x->limit);
                sc_jw_text(w, "unit", x->unit);
            }
            sc_jw_text(w, "detail", x->detail);
        }
        sc_jw_raw(w, "}");
    }
    sc_jw_raw(w, "]");
    if (d->gated) {
        sc_jw_bool(w, "allowed", d->veto->allowed);
        sc_jw_bool(w, "exit_required", d->veto->exit_required);
    }
}

static void w_latency(sc_jw *w, const sc_paper_decision *d) {
    sc_ns close = d->dp != NULL ? d->dp->ts_ns : d->ts_ns;
    sc_jw_key(w, "latency");
    sc_jw_raw(w, "{\"candle_close_ns\":");
    char b[24];
    snprintf(b, sizeof(b), "%lld", (long long)close);
    sc_jw_raw(w, b);
    bool ans = d->verdict != NULL && d->verdict->latency_ns >= 0;
    if (ans) {
        sc_jw_i64(w, "answer_ns", close + d->verdict->latency_ns);
        sc_jw_i64(w, "advisor_latency_ns", d->verdict->latency_ns);
    } else {
        sc_jw_raw(w, ",\"answer_ns\":null,\"advisor_latency_ns\":null");
    }
    sc_jw_i64(w, "gate_ns", d->ts_ns);
    sc_jw_i64(w, "close_to_gate_ns", d->ts_ns - close);
    sc_jw_raw(w, "}");
}

static void w_decision(sc_jw *w, const sc_paper_decision *d) {
    sc_jw_key(w, "decision");
    if (d->dp == NULL) {
        sc_jw_raw(w, "null");
        return;
    }
    int n = sc_decision_path_format_json(d->path, d->dp, w->buf + w->len, w->cap - w->len);
    if (n < 0 || (size_t)n >= w->cap - w->len) {
        w->full = true;
        return;
    }
    w->len += (size_t)n;
}

int sc_decision_context_format(const sc_paper_decision *d, const sc_instrument *ins, char *buf,
                               size_t cap) {
    SC_ASSERT(d != NULL && d->signal != NULL && ins != NULL && buf != NULL && cap > 0);
    SC_ASSERT(!d->gated || (d->intent != NULL && d->veto != NULL));
    sc_jw w = {buf, cap, 0, false, ins};
    buf[0] = '\0';
    char b[40];
    snprintf(b, sizeof(b), "{\"decision_id\":%lld", (long long)d->id);
    sc_jw_raw(&w, b);
    sc_jw_i64(&w, "ts_ns", d->ts_ns);
    sc_jw_text(&w, "time", sc_ns_format_utc(d->ts_ns, b, sizeof(b)));
    w_decision(&w, d);
    if (!w.full) {
        w_features(&w, d->features);
        sc_jw_key(&w, "position");
        snprintf(b, sizeof(b), "{\"qty_steps\":%lld}", (long long)d->position.qty_steps);
        sc_jw_raw(&w, b);
        w_order(&w, d);
        w_risk(&w, d);
        w_latency(&w, d);
        sc_jw_text(&w, "note", d->note != NULL ? d->note : "");
        sc_jw_raw(&w, "}");
    }
    return w.full ? -1 : (int)w.len;
}

const char *sc_decision_context_action(const sc_paper_decision *d) {
    SC_ASSERT(d != NULL);
    return d->answer != NULL ? sc_decision_action_name(d->answer->action) : "none";
}

sc_err sc_decision_context_fill(const sc_paper_decision *d, const sc_instrument *ins,
                                const char *rulebook_hash, sc_dlog_entry *e) {
    SC_ASSERT(d != NULL && e != NULL);
    int n = sc_decision_context_format(d, ins, e->context, sizeof(e->context));
    SC_ASSERT(n > 0);
    if (n <= 0) {
        return SC_ERR_LIMIT;
    }
    e->context_len = (size_t)n;
    e->ts_ns = d->ts_ns;
    e->request_id = d->verdict != NULL ? d->verdict->request_id : 0;
    e->params_version = d->signal->params_version;
    snprintf(e->rulebook_hash, sizeof(e->rulebook_hash), "%s",
             rulebook_hash != NULL ? rulebook_hash : "");
    snprintf(e->action, sizeof(e->action), "%s", sc_decision_context_action(d));
    snprintf(e->reason, sizeof(e->reason), "%s",
             d->verdict != NULL ? sc_decision_reason_name(d->verdict->reason) : "no_advisor");
    e->latency_ns = d->verdict != NULL && d->verdict->latency_ns >= 0 ? d->verdict->latency_ns : -1;
    e->has_verdict = d->gated;
    if (d->gated) {
        e->verdict = *d->veto;
    }
    return SC_OK;
}
