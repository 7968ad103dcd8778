/* paper.c: paper trading wired through the risk hierarchy. The definitions
 * are in paper.h; the reasons are here.
 *
 *  - Client ids are needed by the sanity level, before the order manager
 *    has the order: the id is predicted from the manager's next sequence
 *    number (seq_start 1, one add per allowed intent) and checked after the
 *    add, so the id the gate judged is the id that is sent.
 *  - One live exit order at a time (any purpose but entry). Two reduce-only
 *    orders that each fit the position could together flip it: the
 *    simulator, like a gateway before the exchange answers, cannot see the
 *    other. A protective exit needed while a passive exit works cancels the
 *    passive one and follows up with the protective market order once the
 *    cancel is answered (the escalate path).
 *  - Every entry signal becomes an intent, whatever the advisor answered:
 *    the AI level of the gate is what refuses a declined entry, so every
 *    refusal is a veto with a reason in the records, not a silent skip.
 *  - The position here is exact in steps; its cost basis is rounded when a
 *    partial close removes a share of it (the rulebook and sanity levels do
 *    not read the cost; risk/metrics.h keeps the exact PnL).
 */
#include "engine/paper.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "engine/bar_events.h"
#include "engine/capture_bars.h"
#include "engine/decision_path.h"
#include "exec/fill_sim.h"
#include "exec/retry.h"
#include "market/book.h"
#include "market/decoder.h"
#include "risk/forbidden.h"
#include "risk/sanity.h"
#include "risk/veto.h"

#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME UINT64_C(1099511628211)

typedef enum { FOLLOW_NONE = 0, FOLLOW_REPLACE = 1, FOLLOW_ESCALATE = 2 } follow_kind;

/* A resting order followed for retry, with what it was decided on. */
typedef struct {
    bool used;
    int64_t seq;
    sc_ns submitted_ns;
    int32_t replaces_n;
    sc_ns last_replace_ns;
    bool cancel_pending;
    follow_kind follow;
    sc_px follow_px;
    bool has_ai;
    sc_decision_answer ans;
    sc_decision_verdict why;
} tracked;

typedef struct {
    int64_t sec;
    int64_t min_x2;
    int64_t max_x2;
} vol_slot;

struct sc_paper {
    sc_paper_config cfg;
    sc_params params;
    char prefix[SC_ORDER_PREFIX_MAX + 1];
    sc_decoder *dec;
    sc_book *book;
    sc_fill_sim *fs;
    sc_order_manager *om;
    sc_retry *rt;
    sc_killswitch *ks;
    sc_risk_metrics *mx;
    sc_rulebook *rb;
    sc_sanity_filters filters;
    sc_capture_bars *cb; /* L2 fidelity: candles from the messages */
    sc_bar_events *be;   /* bars fidelity: market events from the candles */
    sc_decision_path *dp;
    sc_position pos;
    sc_px pos_stop;
    sc_px pos_target;
    sc_ns last_exit_ns;
    sc_ns now_ns;
    sc_ns book_update_ns;
    bool book_ever_synced;
    int trade_kind; /* 0 none yet, else SC_EV_TRADE or SC_EV_AGG_TRADE */
    sc_ns vol_first_ns;
    vol_slot vol[SC_PAPER_VOL_SECONDS_MAX];
    tracked tr[SC_PAPER_TRACKED_MAX];
    sc_paper_record ring[SC_PAPER_RECORDS_MAX];
    size_t ring_head;
    size_t ring_len;
    sc_paper_stats st;
    bool finished;
    bool stopping;           /* sc_paper_stop: entries refused, the kill path flattens */
    sc_event ev;             /* the last message decoded */
    bool ev_valid;           /* ev is the last on_message's, decoded */
    sc_veto_verdict verdict; /* scratch */
    /* the decision being acted on (see "Decisions" in paper.h) */
    sc_paper_decision dcur;
    bool dec_open;
    bool dec_emitted;
    int64_t entry_decision_id; /* the decision of the last entry sent */
    sc_regime entry_regime;    /* ... and the regime it was made in */
    int64_t pos_decision_id;   /* ... of the open position's first fill */
    sc_regime pos_regime;      /* the regime when the position opened */
    bool mark_stream;          /* a markPrice stream is present (book_mark) */
    int64_t book_mark_ticks;   /* the touch last given as a mark; 0 none */
    int64_t mark_e8_per_tick;  /* a price tick in e8 USDT */
};

const char *sc_paper_rec_kind_name(sc_paper_rec_kind k) {
    static const char *const names[SC_PAPER_REC_KIND_COUNT] = {"veto",     "order", "kill_switch",
                                                               "not_sent", "fill",  "trade"};
    return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

/* ---- records -------------------------------------------------------------- */

static uint64_t fnv(uint64_t h, int64_t v) {
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++) {
        h ^= (u >> (8 * i)) & 0xffu;
        h *= FNV_PRIME;
    }
    return h;
}

static void rec_push(sc_paper *p, const sc_paper_record *r) {
    SC_ASSERT(r->kind != SC_PAPER_REC_VETO || r->reason != SC_VETO_R_OK);
    SC_ASSERT(p->ring_len <= SC_PAPER_RECORDS_MAX);
    int64_t f[] = {
        r->kind,    r->ts_ns,       r->seq,       r->purpose,         r->side,
        r->type,    r->px.ticks,    r->qty.steps, r->level,           r->reason,
        r->ev_kind, r->from,        r->to,        r->fill_qty.steps,  r->fill_px.ticks,
        r->trigger, r->decision_id, r->fee.e8,    r->pos_after_steps, r->trade.net_pnl.e8};
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        p->st.event_hash = fnv(p->st.event_hash, f[i]);
    }
    p->st.records++;
    if (p->ring_len == SC_PAPER_RECORDS_MAX) {
        p->ring_head = (p->ring_head + 1) % SC_PAPER_RECORDS_MAX; /* oldest overwritten */
        p->ring_len--;
        p->st.records_lost++;
    }
    p->ring[(p->ring_head + p->ring_len) % SC_PAPER_RECORDS_MAX] = *r;
    p->ring_len++;
}

static void rec_base(const sc_paper *p, sc_paper_rec_kind kind, const sc_order_intent *it,
                     sc_paper_record *r) {
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->ts_ns = p->now_ns;
    r->unit = "";
    if (it != NULL) {
        r->purpose = it->purpose;
        r->side = it->side;
        r->type = it->type;
        r->px = it->px;
        r->qty = it->qty;
    }
}

bool sc_paper_next_record(sc_paper *p, sc_paper_record *out) {
    SC_ASSERT(p != NULL && out != NULL);
    if (p->ring_len == 0) {
        return false;
    }
    *out = p->ring[p->ring_head];
    p->ring_head = (p->ring_head + 1) % SC_PAPER_RECORDS_MAX;
    p->ring_len--;
    return true;
}

/* ---- market state ----------------------------------------------------------- */

static sc_level best(const sc_paper *p, sc_side side) {
    sc_level l = {{0}, {0}};
    if (sc_book_best(p->book, side, &l) != SC_OK) {
        memset(&l, 0, sizeof(l));
    }
    return l;
}

static void vol_note(sc_paper *p) {
    int64_t mid_x2 = 0;
    if (sc_book_mid_x2(p->book, &mid_x2) != SC_OK) {
        return;
    }
    int64_t sec = p->now_ns / SC_NS_PER_S;
    vol_slot *s = &p->vol[sec % SC_PAPER_VOL_SECONDS_MAX];
    if (p->vol_first_ns == 0) {
        p->vol_first_ns = p->now_ns;
    }
    if (s->sec != sec) {
        s->sec = sec;
        s->min_x2 = mid_x2;
        s->max_x2 = mid_x2;
    }
    s->min_x2 = mid_x2 < s->min_x2 ? mid_x2 : s->min_x2;
    s->max_x2 = mid_x2 > s->max_x2 ? mid_x2 : s->max_x2;
}

/* Largest mid move within forbidden.vol_window_s; NaN until that much
 * history (fail closed, as forbidden.h asks). */
static double vol_move_bps(const sc_paper *p) {
    int64_t w = (int64_t)sc_params_get(&p->params, SC_P_FORBID_VOL_WINDOW_S);
    SC_ASSERT(w >= 1 && w < SC_PAPER_VOL_SECONDS_MAX);
    if (p->vol_first_ns == 0 || p->now_ns - p->vol_first_ns < w * SC_NS_PER_S) {
        return NAN;
    }
    int64_t cur = p->now_ns / SC_NS_PER_S;
    int64_t lo = INT64_MAX;
    int64_t hi = 0;
    for (int64_t s = cur - w; s <= cur; s++) {
        const vol_slot *v = &p->vol[s % SC_PAPER_VOL_SECONDS_MAX];
        if (v->sec == s) {
            lo = v->min_x2 < lo ? v->min_x2 : lo;
            hi = v->max_x2 > hi ? v->max_x2 : hi;
        }
    }
    if (hi == 0) {
        return 0.0; /* no book change in the window: no move */
    }
    return (double)(hi - lo) * 1e4 / (double)lo;
}

static void forbidden_inputs(const sc_paper *p, sc_forbidden_inputs *in) {
    memset(in, 0, sizeof(*in));
    in->book_synced = sc_book_is_synced(p->book);
    in->bid = best(p, SC_SIDE_BUY);
    in->ask = best(p, SC_SIDE_SELL);
    in->book_update_ns = p->book_update_ns;
    in->move_bps = vol_move_bps(p);
    in->clock_offset_known = true; /* replay: one clock */
    in->clock_offset_ns = 0;
    in->news_blackout = false;
}

/* ---- the gate and the send path -------------------------------------------- */

static void account_of(const sc_paper *p, sc_rulebook_account *a) {
    sc_risk_metrics_snapshot s;
    sc_risk_metrics_snapshot_get(p->mx, &s);
    a->equity = s.equity;
    a->day_start_equity = s.day_start_equity;
    a->peak_equity = s.peak_equity;
    a->consecutive_losses = s.consecutive_losses;
}

static void rec_veto(sc_paper *p, const sc_order_intent *it, const sc_veto_verdict *v) {
    sc_paper_record r;
    rec_base(p, SC_PAPER_REC_VETO, it, &r);
    r.level = v->level;
    r.reason = v->reason;
    r.value = v->has_values ? v->value : 0.0;
    r.limit = v->has_values ? v->limit : 0.0;
    r.unit = v->has_values && v->unit != NULL ? v->unit : "";
    snprintf(r.detail, sizeof(r.detail), "%s", v->detail);
    r.decision_id = p->dec_open ? p->dcur.id : 0;
    rec_push(p, &r);
}

/* The decision being acted on goes to the logger once, before any order
 * from it is sent. False: the logger refused it. */
static bool dec_emit(sc_paper *p, const sc_order_intent *it, const sc_veto_verdict *v,
                     const char *note) {
    if (!p->dec_open || p->dec_emitted) {
        return true;
    }
    p->dec_emitted = true;
    p->dcur.gated = it != NULL;
    p->dcur.intent = it;
    p->dcur.veto = v;
    p->dcur.note = note != NULL ? note : "";
    if (p->cfg.on_decision == NULL || p->cfg.on_decision(p->cfg.decision_ctx, &p->dcur)) {
        return true;
    }
    p->st.decisions_unlogged++;
    return false;
}

static void rec_not_sent(sc_paper *p, const sc_order_intent *it, int64_t seq, const char *why);

/* The gate: true when allowed (the intent's client id is filled). */
static bool gate(sc_paper *p, sc_order_intent *it, const sc_decision_answer *ans,
                 const sc_decision_verdict *why) {
    sc_order_manager_stats ms = sc_order_manager_stats_get(p->om);
    bool id_ok = sc_order_client_id_format(p->prefix, it->purpose, ms.added_n + 1, it->client_id,
                                           sizeof(it->client_id));
    SC_ASSERT(id_ok);
    sc_veto_input in;
    memset(&in, 0, sizeof(in));
    in.intent = it;
    in.pos = p->pos;
    in.now_ns = p->now_ns;
    in.kill_switch_tripped = sc_killswitch_is_tripped(p->ks, p->now_ns);
    sc_ks_trip cause;
    in.kill_switch_reason = NULL;
    if (in.kill_switch_tripped && sc_killswitch_cause(p->ks, p->now_ns, &cause)) {
        in.kill_switch_reason = sc_ks_trigger_name(cause.trigger);
    } else if (p->stopping) {
        in.kill_switch_tripped = true; /* level 1 refuses entries, passes the flatten */
        in.kill_switch_reason = "shutdown";
    }
    forbidden_inputs(p, &in.market);
    account_of(p, &in.account);
    in.entry_working = sc_order_manager_working_entry(p->om);
    in.ai_answer = ans;
    in.ai_verdict = why;
    p->st.intents++;
    bool ok = sc_veto_check(p->rb, &p->filters, &p->params, &in, &p->verdict);
    SC_ASSERT(ok == p->verdict.allowed);
    bool logged = dec_emit(p, it, &p->verdict, NULL);
    if (!ok) {
        SC_ASSERT(p->verdict.reason != SC_VETO_R_OK && p->verdict.level != SC_VETO_LEVEL_NONE);
        p->st.vetoed++;
        p->st.vetoed_by_level[p->verdict.level]++;
        rec_veto(p, it, &p->verdict);
        return false;
    }
    p->st.allowed++;
    if (!logged && it->purpose == SC_PURPOSE_ENTRY) {
        rec_not_sent(p, it, 0, "the decision log did not take the decision: fail closed");
        return false;
    }
    p->st.protective += it->purpose == SC_PURPOSE_PROTECTIVE_EXIT ? 1 : 0;
    p->st.flattens += it->purpose == SC_PURPOSE_FLATTEN ? 1 : 0;
    return true;
}

static void rec_not_sent(sc_paper *p, const sc_order_intent *it, int64_t seq, const char *why) {
    sc_paper_record r;
    rec_base(p, SC_PAPER_REC_NOT_SENT, it, &r);
    r.seq = seq;
    r.reason = SC_VETO_R_OK;
    r.decision_id = p->dec_open ? p->dcur.id : 0;
    snprintf(r.detail, sizeof(r.detail), "%s", why);
    p->st.not_sent++;
    rec_push(p, &r);
}

static tracked *track_find(sc_paper *p, int64_t seq) {
    for (size_t i = 0; i < SC_PAPER_TRACKED_MAX; i++) {
        if (p->tr[i].used && p->tr[i].seq == seq) {
            return &p->tr[i];
        }
    }
    return NULL;
}

static tracked *track_new(sc_paper *p, int64_t seq) {
    SC_ASSERT(seq > 0 && track_find(p, seq) == NULL);
    for (size_t i = 0; i < SC_PAPER_TRACKED_MAX; i++) {
        if (!p->tr[i].used) {
            memset(&p->tr[i], 0, sizeof(p->tr[i]));
            p->tr[i].used = true;
            p->tr[i].seq = seq;
            p->tr[i].last_replace_ns = -1;
            return &p->tr[i];
        }
    }
    return NULL; /* full: the order rests without retry (counted as an error) */
}

static sc_err apply_ev(sc_paper *p, int64_t seq, const sc_order_event *ev);

/* Gate, then manager, then simulator. Returns the seq, or 0 when not sent. */
static int64_t send_intent(sc_paper *p, sc_order_intent *it, const sc_decision_answer *ans,
                           const sc_decision_verdict *why) {
    it->ts_ns = p->now_ns;
    it->params_version = p->params.version;
    if (!gate(p, it, ans, why)) {
        return 0;
    }
    int64_t seq = 0;
    if (sc_order_manager_add(p->om, it, p->now_ns, &seq) != SC_OK) {
        rec_not_sent(p, it, 0, "refused by the order manager");
        return 0;
    }
    const sc_order_rec *o = sc_order_manager_get(p->om, seq);
    SC_ASSERT(o != NULL && strcmp(o->intent.client_id, it->client_id) == 0);
    sc_order_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SC_ORDER_EV_SUBMIT_SENT;
    ev.ts_ns = p->now_ns;
    SC_ASSERT(apply_ev(p, seq, &ev) == SC_OK);
    if (sc_fill_sim_submit(p->fs, &o->intent, p->now_ns, NULL) != SC_OK) {
        ev.kind = SC_ORDER_EV_REJECT;
        ev.reject.code = -1;
        ev.reject.msg = "paper: refused by the fill simulator";
        SC_ASSERT(apply_ev(p, seq, &ev) == SC_OK);
        rec_not_sent(p, it, seq, "refused by the fill simulator");
        return 0;
    }
    if (it->purpose == SC_PURPOSE_ENTRY && p->dec_open) {
        p->entry_decision_id = p->dcur.id;
        p->entry_regime = p->dcur.dp != NULL ? p->dcur.dp->regime : SC_REGIME_UNKNOWN;
    }
    if (it->type == SC_ORD_LIMIT && it->tif != SC_TIF_IOC) {
        tracked *t = track_new(p, seq);
        if (t == NULL) {
            p->st.errors++;
            return seq;
        }
        t->submitted_ns = p->now_ns;
        t->has_ai = ans != NULL && why != NULL;
        if (t->has_ai) {
            t->ans = *ans;
            t->why = *why;
        }
    }
    return seq;
}

/* ---- order events and fills ------------------------------------------------- */

static sc_err apply_ev(sc_paper *p, int64_t seq, const sc_order_event *ev) {
    const sc_order_rec *o = sc_order_manager_get(p->om, seq);
    SC_ASSERT(o != NULL);
    sc_paper_record r;
    rec_base(p, SC_PAPER_REC_ORDER, &o->intent, &r);
    r.seq = seq;
    r.ev_kind = ev->kind;
    r.from = o->state;
    r.col = sc_order_manager_column(o, ev);
    SC_ASSERT(sc_order_manager_cell(r.from, r.col).kind != SC_ORDER_CELL_ILLEGAL);
    sc_err e = sc_order_manager_apply(p->om, seq, ev, &r.outcome);
    if (e != SC_OK) {
        p->st.errors++;
        return e;
    }
    o = sc_order_manager_get(p->om, seq);
    r.to = o->state;
    r.fill_qty = ev->kind == SC_ORDER_EV_FILL ? ev->fill.qty : (sc_qty){0};
    r.fill_px = ev->kind == SC_ORDER_EV_FILL ? ev->fill.px : (sc_px){0};
    r.maker = ev->kind == SC_ORDER_EV_FILL && ev->fill.maker;
    rec_push(p, &r);
    return SC_OK;
}

/* The paper position takes one fill (exact in steps; see the top). */
static void position_fill(sc_paper *p, sc_side side, sc_px px, sc_qty q, const sc_order_rec *o) {
    int64_t d = side == SC_SIDE_BUY ? q.steps : -q.steps;
    sc_position *ps = &p->pos;
    if (ps->qty_steps == 0) {
        ps->qty_steps = d;
        ps->cost_ticks_steps = px.ticks * d;
        ps->opened_ns = p->now_ns;
        p->pos_stop = o->intent.stop_px;
        p->pos_target = o->intent.target_px;
        return;
    }
    if ((ps->qty_steps > 0) == (d > 0)) {
        ps->qty_steps += d;
        ps->cost_ticks_steps += px.ticks * d;
        return;
    }
    int64_t have = ps->qty_steps > 0 ? ps->qty_steps : -ps->qty_steps;
    int64_t c = q.steps < have ? q.steps : have;
    ps->cost_ticks_steps -= ps->cost_ticks_steps / have * c;
    ps->qty_steps += ps->qty_steps > 0 ? -c : c;
    if (ps->qty_steps == 0) {
        ps->cost_ticks_steps = 0;
        ps->opened_ns = 0;
        p->last_exit_ns = p->now_ns;
        p->pos_stop = (sc_px){0};
        p->pos_target = (sc_px){0};
    }
    if (q.steps > c) { /* a flip: the rest opens the other way */
        sc_qty rest = {q.steps - c};
        position_fill(p, side, px, rest, o);
    }
}

/* The FILL record, and the TRADE record when the fill closed a round trip
 * (c0: the metrics' counters before the fill). */
static void rec_fill(sc_paper *p, int64_t seq, const sc_fill_report *r, const sc_order_rec *o,
                     const sc_risk_metrics_snapshot *s0, int64_t trades_before) {
    sc_risk_metrics_snapshot s1;
    sc_risk_metrics_snapshot_get(p->mx, &s1);
    sc_paper_record f;
    rec_base(p, SC_PAPER_REC_FILL, &o->intent, &f);
    f.seq = seq;
    f.side = r->side;
    f.fill_qty = r->qty;
    f.fill_px = r->px;
    f.maker = r->maker;
    f.fee.e8 = s1.fees_paid.e8 - s0->fees_paid.e8;
    f.pos_before_steps = s0->position_steps;
    f.pos_after_steps = s1.position_steps;
    rec_push(p, &f);
    sc_risk_metrics_counters c;
    sc_risk_metrics_counters_get(p->mx, &c);
    if (c.trades > trades_before) {
        sc_paper_record t;
        rec_base(p, SC_PAPER_REC_TRADE, &o->intent, &t);
        t.seq = seq;
        bool have = sc_risk_metrics_last_trade(p->mx, &t.trade);
        SC_ASSERT(have && c.trades == trades_before + 1);
        t.regime = p->pos_regime;
        t.decision_id = p->pos_decision_id;
        rec_push(p, &t);
    }
    if (s1.position_steps != 0 && (s0->position_steps == 0 || c.trades > trades_before)) {
        bool entry = o->intent.purpose == SC_PURPOSE_ENTRY;
        p->pos_regime = entry ? p->entry_regime : SC_REGIME_UNKNOWN;
        p->pos_decision_id = entry ? p->entry_decision_id : 0;
    }
}

static void on_fill(sc_paper *p, int64_t seq, const sc_fill_report *r) {
    const sc_order_rec *o = sc_order_manager_get(p->om, seq);
    SC_ASSERT(o != NULL && r->qty.steps > 0);
    sc_risk_metrics_snapshot s0;
    sc_risk_metrics_counters c0;
    sc_risk_metrics_snapshot_get(p->mx, &s0);
    sc_risk_metrics_counters_get(p->mx, &c0);
    bool first_entry_fill = o->intent.purpose == SC_PURPOSE_ENTRY && o->fills_n == 1;
    p->st.fills++;
    p->st.entries_filled += first_entry_fill ? 1 : 0;
    sc_risk_fill f;
    memset(&f, 0, sizeof(f));
    f.side = r->side;
    f.px = r->px;
    f.qty = r->qty;
    f.maker = r->maker;
    f.fee_rate_e8 = (r->maker ? p->cfg.maker_fee_bps_x100 : p->cfg.taker_fee_bps_x100) * 100;
    f.ts_ns = p->now_ns;
    if (sc_risk_metrics_on_fill(p->mx, &f) != SC_OK) {
        p->st.errors++;
    }
    position_fill(p, r->side, r->px, r->qty, o);
    rec_fill(p, seq, r, o, &s0, c0.trades);
    int64_t a = p->pos.qty_steps < 0 ? -p->pos.qty_steps : p->pos.qty_steps;
    p->st.max_abs_position_steps =
        a > p->st.max_abs_position_steps ? a : p->st.max_abs_position_steps;
    sc_risk_metrics_snapshot s;
    sc_risk_metrics_snapshot_get(p->mx, &s);
    SC_ASSERT(s.position_steps == p->pos.qty_steps);
}

static void follow_up(sc_paper *p, tracked *t, const sc_order_rec *o);

static void handle_report(sc_paper *p, const sc_fill_report *r) {
    int64_t seq = 0;
    if (sc_order_manager_find(p->om, r->client_id, &seq) != SC_OK) {
        SC_ASSERT(r->kind == SC_FILL_REP_CANCEL_REJECTED); /* others come while it lives */
        return;
    }
    sc_order_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.ts_ns = p->now_ns;
    switch (r->kind) {
    case SC_FILL_REP_NEW:
        ev.kind = SC_ORDER_EV_ACK;
        break;
    case SC_FILL_REP_FILL:
        ev.kind = SC_ORDER_EV_FILL;
        ev.fill.qty = r->qty;
        ev.fill.px = r->px;
        ev.fill.maker = r->maker;
        ev.fill.fee = r->fee;
        break;
    case SC_FILL_REP_REJECTED:
        ev.kind = SC_ORDER_EV_REJECT;
        ev.reject.code = -(int32_t)r->reason;
        ev.reject.msg = sc_fill_reject_name(r->reason);
        break;
    case SC_FILL_REP_EXPIRED:
        ev.kind = SC_ORDER_EV_EXPIRE;
        break;
    case SC_FILL_REP_CANCELED:
        ev.kind = SC_ORDER_EV_CANCEL_ACK;
        break;
    case SC_FILL_REP_CANCEL_REJECTED:
    default:
        return; /* the order's own reports say how it ended */
    }
    if (apply_ev(p, seq, &ev) != SC_OK) {
        return;
    }
    if (r->kind == SC_FILL_REP_FILL) {
        on_fill(p, seq, r);
    }
    const sc_order_rec *o = sc_order_manager_get(p->om, seq);
    tracked *t = track_find(p, seq);
    if (t != NULL && sc_order_state_is_final(o->state)) {
        follow_up(p, t, o);
    }
}

static void drain(sc_paper *p) {
    sc_fill_report r;
    while (sc_fill_sim_next_report(p->fs, &r)) {
        handle_report(p, &r);
    }
}

/* ---- exits, flatten, retry -------------------------------------------------- */

static bool exit_intent(sc_paper *p, sc_order_purpose purpose, sc_order_type type, sc_px px,
                        int64_t qty_steps, sc_order_intent *it) {
    if (p->pos.qty_steps == 0 || qty_steps <= 0) {
        return false;
    }
    memset(it, 0, sizeof(*it));
    it->side = p->pos.qty_steps > 0 ? SC_SIDE_SELL : SC_SIDE_BUY;
    it->type = type;
    it->tif = type == SC_ORD_MARKET ? SC_TIF_IOC : SC_TIF_GTX;
    int64_t have = p->pos.qty_steps > 0 ? p->pos.qty_steps : -p->pos.qty_steps;
    it->qty.steps = qty_steps < have ? qty_steps : have;
    it->reduce_only = true;
    it->purpose = purpose;
    it->px = px;
    if (px.ticks <= 0 || type == SC_ORD_MARKET) { /* reference: the far touch */
        sc_level far = best(p, it->side == SC_SIDE_SELL ? SC_SIDE_BUY : SC_SIDE_SELL);
        it->px = far.px.ticks > 0 ? far.px : px;
    }
    return true;
}

/* Sends the remainder of a canceled order: the replacement or the taker
 * escalation. */
static void follow_up(sc_paper *p, tracked *t, const sc_order_rec *o) {
    tracked keep = *t;
    t->used = false;
    int64_t rest = o->intent.qty.steps - o->filled.steps;
    if (keep.follow == FOLLOW_NONE || rest <= 0 || o->state != SC_ORDER_CANCELED) {
        return;
    }
    sc_order_intent it;
    if (keep.follow == FOLLOW_ESCALATE) {
        sc_order_purpose pu =
            o->intent.purpose == SC_PURPOSE_EXIT ? SC_PURPOSE_EXIT : o->intent.purpose;
        if (exit_intent(p, pu, SC_ORD_MARKET, keep.follow_px, rest, &it)) {
            p->st.escalations++;
            (void)send_intent(p, &it, keep.has_ai ? &keep.ans : NULL,
                              keep.has_ai ? &keep.why : NULL);
        }
        return;
    }
    it = o->intent;
    it.qty.steps = rest;
    it.px = keep.follow_px;
    p->st.replaces++;
    int64_t seq =
        send_intent(p, &it, keep.has_ai ? &keep.ans : NULL, keep.has_ai ? &keep.why : NULL);
    tracked *n = seq > 0 ? track_find(p, seq) : NULL;
    if (n != NULL) {
        n->submitted_ns = keep.submitted_ns;
        n->replaces_n = keep.replaces_n + 1;
        n->last_replace_ns = p->now_ns;
    }
}

/* Asks for a cancel; false when it cannot be asked now (still submitting). */
static bool cancel_order(sc_paper *p, int64_t seq, follow_kind follow, sc_px px) {
    const sc_order_rec *o = sc_order_manager_get(p->om, seq);
    SC_ASSERT(o != NULL);
    if (o->cancel_requested ||
        (o->state != SC_ORDER_OPEN && o->state != SC_ORDER_PARTIALLY_FILLED)) {
        return false;
    }
    if (sc_fill_sim_cancel(p->fs, o->intent.client_id, p->now_ns, NULL) != SC_OK) {
        return false;
    }
    SC_ASSERT(sc_order_manager_request_cancel(p->om, seq, p->now_ns) == SC_OK);
    tracked *t = track_find(p, seq);
    if (t != NULL) {
        t->cancel_pending = true;
        t->follow = follow;
        t->follow_px = px;
    }
    return true;
}

/* Live orders: the entry and the exit (any other purpose), 0 when none. */
static void live_orders(const sc_paper *p, int64_t *entry, int64_t *exit_seq) {
    int64_t seqs[SC_ORDER_MANAGER_ORDERS_DEFAULT];
    size_t n = sc_order_manager_live(p->om, seqs, SC_ORDER_MANAGER_ORDERS_DEFAULT);
    SC_ASSERT(n <= SC_ORDER_MANAGER_ORDERS_DEFAULT);
    *entry = 0;
    *exit_seq = 0;
    for (size_t i = 0; i < n; i++) {
        const sc_order_rec *o = sc_order_manager_get(p->om, seqs[i]);
        if (o->intent.purpose == SC_PURPOSE_ENTRY) {
            *entry = seqs[i];
        } else {
            *exit_seq = seqs[i];
        }
    }
}

/* A protective exit is due (max hold, or the touch through the stop). */
static sc_order_purpose protect_due(const sc_paper *p) {
    if (sc_rulebook_max_hold_due(p->rb, &p->pos, p->now_ns)) {
        return SC_PURPOSE_PROTECTIVE_EXIT;
    }
    if (p->pos_stop.ticks > 0 && sc_book_is_synced(p->book)) {
        sc_level bid = best(p, SC_SIDE_BUY);
        sc_level ask = best(p, SC_SIDE_SELL);
        bool hit = p->pos.qty_steps > 0 ? (bid.px.ticks > 0 && bid.px.ticks <= p->pos_stop.ticks)
                                        : (ask.px.ticks > 0 && ask.px.ticks >= p->pos_stop.ticks);
        if (hit) {
            return SC_PURPOSE_PROTECTIVE_EXIT;
        }
    }
    return SC_PURPOSE_ENTRY; /* none due */
}

/* Protective exits and the kill switch's flatten. */
static void protect_step(sc_paper *p) {
    if (p->pos.qty_steps == 0 && sc_order_manager_stats_get(p->om).live_n == 0) {
        return; /* flat with nothing live: nothing to protect, cancel or flatten */
    }
    bool killed = p->stopping || sc_killswitch_is_tripped(p->ks, p->now_ns);
    sc_order_purpose due = killed ? SC_PURPOSE_FLATTEN : SC_PURPOSE_ENTRY;
    if (p->pos.qty_steps != 0 && due == SC_PURPOSE_ENTRY) {
        due = protect_due(p);
    }
    int64_t entry = 0;
    int64_t ex = 0;
    live_orders(p, &entry, &ex);
    if (killed && entry > 0) {
        (void)cancel_order(p, entry, FOLLOW_NONE, (sc_px){0});
    }
    if (due == SC_PURPOSE_ENTRY || p->pos.qty_steps == 0) {
        return;
    }
    if (entry > 0) {
        (void)cancel_order(p, entry, FOLLOW_NONE, (sc_px){0});
    }
    if (ex > 0) {
        const sc_order_rec *o = sc_order_manager_get(p->om, ex);
        if (!sc_order_purpose_is_protective(o->intent.purpose)) {
            (void)cancel_order(p, ex, FOLLOW_ESCALATE, (sc_px){0});
        }
        return; /* one exit at a time; retry escalates a resting protective one */
    }
    sc_order_intent it;
    if (exit_intent(p, due, SC_ORD_MARKET, (sc_px){0}, INT64_MAX, &it)) {
        (void)send_intent(p, &it, NULL, NULL);
    }
}

/* The kill switch's latched actions are done once flat with no live order. */
static void kill_ack(sc_paper *p) {
    sc_ks_actions a = sc_killswitch_actions(p->ks, p->now_ns);
    if ((a & (SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN)) == 0) {
        return;
    }
    sc_order_manager_stats ms = sc_order_manager_stats_get(p->om);
    if (p->pos.qty_steps == 0 && ms.live_n == 0) {
        sc_killswitch_ack(p->ks, a & (SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN));
    }
}

static void retry_step(sc_paper *p) {
    sc_retry_touch touch;
    touch.synced = sc_book_is_synced(p->book);
    touch.best_bid = best(p, SC_SIDE_BUY).px;
    touch.best_ask = best(p, SC_SIDE_SELL).px;
    for (size_t i = 0; i < SC_PAPER_TRACKED_MAX; i++) {
        tracked *t = &p->tr[i];
        const sc_order_rec *o = t->used ? sc_order_manager_get(p->om, t->seq) : NULL;
        if (o == NULL || (o->state != SC_ORDER_OPEN && o->state != SC_ORDER_PARTIALLY_FILLED)) {
            continue;
        }
        sc_retry_order ro;
        ro.purpose = o->intent.purpose;
        ro.side = o->intent.side;
        ro.px = o->intent.px;
        ro.submitted_ns = t->submitted_ns;
        ro.replaces_n = t->replaces_n;
        ro.last_replace_ns = t->last_replace_ns;
        ro.cancel_pending = t->cancel_pending || o->cancel_requested;
        sc_retry_action a = sc_retry_decide(p->rt, &ro, &touch, p->now_ns);
        if (a.kind == SC_RETRY_CANCEL_REPLACE) {
            (void)cancel_order(p, t->seq, FOLLOW_REPLACE, a.px);
        } else if (a.kind == SC_RETRY_CANCEL) {
            (void)cancel_order(p, t->seq, FOLLOW_NONE, (sc_px){0});
        } else if (a.kind == SC_RETRY_ESCALATE) {
            (void)cancel_order(p, t->seq, FOLLOW_ESCALATE, a.has_px ? a.px : (sc_px){0});
        }
    }
}

/* ---- risk triggers ----------------------------------------------------------- */

static void rec_trip(sc_paper *p, bool tripped, sc_ks_trigger trig) {
    if (!tripped) {
        return;
    }
    sc_paper_record r;
    rec_base(p, SC_PAPER_REC_KILL_SWITCH, NULL, &r);
    r.trigger = trig;
    snprintf(r.detail, sizeof(r.detail), "kill switch tripped: %s", sc_ks_trigger_name(trig));
    p->st.ks_trips++;
    rec_push(p, &r);
}

static void risk_step(sc_paper *p) {
    sc_risk_metrics_snapshot s;
    sc_risk_metrics_snapshot_get(p->mx, &s);
    SC_ASSERT(s.position_steps == p->pos.qty_steps);
    if (s.day_start_equity.e8 > 0) {
        rec_trip(p, sc_killswitch_on_daily_loss(p->ks, p->now_ns, s.daily_loss_bps, NULL),
                 SC_KS_TRIG_DAILY_LOSS);
    }
    rec_trip(p, sc_killswitch_on_drawdown(p->ks, p->now_ns, s.drawdown_bps, NULL),
             SC_KS_TRIG_DRAWDOWN);
    rec_trip(p, sc_killswitch_on_consec_losses(p->ks, p->now_ns, s.consecutive_losses, NULL),
             SC_KS_TRIG_CONSEC_LOSSES);
    if (p->book_ever_synced) {
        rec_trip(p, sc_killswitch_on_integrity(p->ks, p->now_ns, sc_book_is_synced(p->book), NULL),
                 SC_KS_TRIG_DATA_INTEGRITY);
    }
}

/* After every event: triggers, protection, retries, and their reports. */
static void after_event(sc_paper *p) {
    drain(p);
    risk_step(p);
    protect_step(p);
    drain(p);
    retry_step(p);
    drain(p);
    kill_ack(p);
    int64_t a = p->pos.qty_steps < 0 ? -p->pos.qty_steps : p->pos.qty_steps;
    SC_ASSERT(a <= sc_rulebook_limits_of(p->rb)->position_steps_max);
}

/* ---- decisions ----------------------------------------------------------------- */

static bool protective_reason(sc_exit_reason r) {
    return r == SC_EXIT_STOP_LOSS || r == SC_EXIT_TRAILING_STOP || r == SC_EXIT_MAX_HOLD;
}

static void decide_entry(sc_paper *p, const sc_signal *sig, const sc_decision_answer *ans,
                         const sc_decision_verdict *why) {
    sc_order_intent it;
    memset(&it, 0, sizeof(it));
    it.side = sig->kind == SC_SIG_ENTER_LONG ? SC_SIDE_BUY : SC_SIDE_SELL;
    it.type = SC_ORD_LIMIT;
    it.tif = sig->style == SC_ENTRY_TAKER ? SC_TIF_IOC : SC_TIF_GTX;
    it.px = sig->entry_px;
    double frac = ans != NULL && ans->size_fraction > 0.0 ? ans->size_fraction : 1.0;
    double q = floor((double)sig->qty.steps * frac);
    it.qty.steps = q < 1.0 ? 1 : (q > 1e15 ? INT64_C(1000000000000000) : (int64_t)q);
    it.reduce_only = false;
    it.purpose = SC_PURPOSE_ENTRY;
    it.stop_px = sig->stop_px;
    it.target_px = sig->target_px;
    (void)send_intent(p, &it, ans, why);
}

/* Returns why no intent was built, or NULL when one was judged. */
static const char *decide_exit(sc_paper *p, const sc_signal *sig, const sc_decision_answer *ans,
                               const sc_decision_verdict *why) {
    int64_t entry = 0;
    int64_t ex = 0;
    live_orders(p, &entry, &ex);
    if (p->pos.qty_steps == 0) {
        return "no order: no position to close";
    }
    if (ex > 0) {
        return "no order: an exit order is already working"; /* one exit at a time */
    }
    sc_order_intent it;
    if (protective_reason(sig->exit_reason)) {
        if (exit_intent(p, SC_PURPOSE_PROTECTIVE_EXIT, SC_ORD_MARKET, sig->entry_px, INT64_MAX,
                        &it)) {
            (void)send_intent(p, &it, ans, why);
            return NULL;
        }
        return "no order: no protective exit could be built";
    }
    sc_side own = p->pos.qty_steps > 0 ? SC_SIDE_SELL : SC_SIDE_BUY;
    sc_level touch = best(p, own);
    sc_px px = touch.px.ticks > 0 ? touch.px : sig->entry_px;
    if (exit_intent(p, SC_PURPOSE_EXIT, SC_ORD_LIMIT, px, INT64_MAX, &it)) {
        (void)send_intent(p, &it, ans, why);
        return NULL;
    }
    return "no order: no exit could be built";
}

/* A decision is acted on between dec_begin and dec_end (paper.h,
 * "Decisions"). */
static void dec_begin(sc_paper *p, const sc_dp_record *rec, const sc_signal *sig,
                      const sc_decision_answer *ans, const sc_decision_verdict *why) {
    SC_ASSERT(!p->dec_open);
    p->st.decisions++;
    memset(&p->dcur, 0, sizeof(p->dcur));
    p->dcur.id = (int64_t)p->st.decisions;
    p->dcur.ts_ns = p->now_ns;
    p->dcur.dp = rec;
    p->dcur.path = rec != NULL ? p->dp : NULL;
    p->dcur.features = rec != NULL ? sc_decision_path_row(p->dp) : NULL;
    p->dcur.signal = sig;
    p->dcur.answer = ans;
    p->dcur.verdict = why;
    p->dcur.position = p->pos;
    p->dcur.note = "";
    p->dec_open = true;
    p->dec_emitted = false;
}

static void dec_end(sc_paper *p, const char *note) {
    SC_ASSERT(p->dec_open);
    SC_ASSERT(p->dec_emitted == (note == NULL)); /* judged, or a note says why not */
    (void)dec_emit(p, NULL, NULL, note);
    p->dec_open = false;
}

static void decide(sc_paper *p, const sc_dp_record *rec, const sc_signal *sig,
                   const sc_decision_answer *ans, const sc_decision_verdict *why) {
    dec_begin(p, rec, sig, ans, why);
    const char *note = NULL;
    if (sig->kind == SC_SIG_ENTER_LONG || sig->kind == SC_SIG_ENTER_SHORT) {
        decide_entry(p, sig, ans, why);
    } else if (sig->kind == SC_SIG_EXIT) {
        note = decide_exit(p, sig, ans, why);
    } else {
        note = "no order: not an entry or exit signal";
    }
    dec_end(p, note);
}

void sc_paper_on_decision(sc_paper *p, sc_ns now_ns, const sc_signal *sig,
                          const sc_decision_answer *ans, const sc_decision_verdict *why) {
    SC_ASSERT(p != NULL && sig != NULL && !p->finished);
    SC_ASSERT((ans == NULL) == (why == NULL));
    p->now_ns = now_ns > p->now_ns ? now_ns : p->now_ns;
    decide(p, NULL, sig, ans, why);
    after_event(p);
}

static void on_dp_record(void *ctx, const sc_dp_record *rec) {
    sc_paper *p = ctx;
    SC_ASSERT(p != NULL && rec != NULL);
    if (rec->kind != SC_DP_REC_DECISION) {
        return;
    }
    SC_ASSERT(rec->signal != NULL && rec->answer != NULL && rec->verdict != NULL);
    decide(p, rec, rec->signal, rec->answer, rec->verdict);
    drain(p);
}

static sc_strategy_position strategy_position(const sc_paper *p) {
    sc_strategy_position s;
    memset(&s, 0, sizeof(s));
    int64_t q = p->pos.qty_steps;
    s.side = q > 0 ? SC_STRATEGY_LONG : (q < 0 ? SC_STRATEGY_SHORT : SC_STRATEGY_FLAT);
    if (q != 0) {
        s.qty.steps = q > 0 ? q : -q;
        s.entry_px.ticks = p->pos.cost_ticks_steps / q;
        s.entry_ns = p->pos.opened_ns;
        s.stop_px = p->pos_stop;
        s.target_px = p->pos_target;
    }
    s.entry_order_working = sc_order_manager_working_entry(p->om);
    s.last_exit_ns = p->last_exit_ns;
    return s;
}

static void bars_step(sc_paper *p) {
    sc_capture_bar bar;
    while (sc_capture_bars_next(p->cb, &bar)) {
        p->st.bars++;
        sc_strategy_position sp = strategy_position(p);
        sc_decision_path_set_position(p->dp, &sp);
        sc_errinfo ei;
        memset(&ei, 0, sizeof(ei));
        if (sc_decision_path_on_bar(p->dp, &bar.candle, bar.sampled ? &bar.book : NULL, &ei) !=
            SC_OK) {
            p->st.errors++;
        }
    }
}

/* ---- market events ------------------------------------------------------------ */

static void market_depth(sc_paper *p, const sc_event *ev) {
    sc_book_result res = SC_BOOK_STALE;
    if (sc_book_on_depth(p->book, &ev->u.depth, &res) != SC_OK) {
        p->st.errors++;
        return;
    }
    if (res == SC_BOOK_APPLIED) {
        p->book_update_ns = p->now_ns;
        if (sc_fill_sim_on_depth(p->fs, &ev->u.depth, p->now_ns) != SC_OK) {
            p->st.errors++;
        }
        vol_note(p);
    }
}

static void market_snapshot(sc_paper *p, const sc_event *ev) {
    sc_book_result res = SC_BOOK_STALE;
    if (sc_book_on_snapshot(p->book, &ev->u.snapshot, &res) != SC_OK) {
        p->st.errors++;
        return;
    }
    if (res == SC_BOOK_APPLIED) {
        p->book_update_ns = p->now_ns;
        p->book_ever_synced = true;
        if (sc_fill_sim_on_book_reset(p->fs, p->now_ns) != SC_OK) {
            p->st.errors++;
        }
        vol_note(p);
    }
}

static void market_trade(sc_paper *p, const sc_event *ev) {
    if (p->trade_kind == 0) {
        p->trade_kind = (int)ev->kind; /* one kind: both would count trades twice */
    }
    if ((int)ev->kind != p->trade_kind || ev->u.trade.kind != SC_TRADE_MARKET) {
        return;
    }
    if (sc_fill_sim_on_trade(p->fs, &ev->u.trade, p->now_ns) != SC_OK) {
        p->st.errors++;
    }
}

/* Without a markPrice stream (captures that did not record it, bars), the
 * metrics would value an open position at its last fill until the next
 * fill, and the daily-loss and drawdown triggers would not see an open
 * loss. So while a position is open, each change of the touch it would
 * close at (the bid for a long, the ask for a short: the side that values
 * it lower) goes to the metrics as a mark, with no funding. */
static void book_mark(sc_paper *p) {
    if (p->pos.qty_steps == 0) {
        p->book_mark_ticks = 0;
        return;
    }
    if (p->mark_stream || !sc_book_is_synced(p->book)) {
        return;
    }
    sc_level l = best(p, p->pos.qty_steps > 0 ? SC_SIDE_BUY : SC_SIDE_SELL);
    if (l.px.ticks <= 0 || l.px.ticks == p->book_mark_ticks ||
        l.px.ticks > INT64_MAX / p->mark_e8_per_tick) {
        return;
    }
    sc_mark_price m;
    memset(&m, 0, sizeof(m));
    m.ts_exch_ns = p->now_ns;
    m.mark_px.e8 = l.px.ticks * p->mark_e8_per_tick;
    m.index_px = m.mark_px;
    if (sc_risk_metrics_on_mark(p->mx, &m) != SC_OK) {
        p->st.errors++;
        return;
    }
    p->book_mark_ticks = l.px.ticks;
    p->st.book_marks++;
}

void sc_paper_on_event(sc_paper *p, const sc_event *ev) {
    SC_ASSERT(p != NULL && ev != NULL && !p->finished);
    p->now_ns = ev->ts_local_ns > p->now_ns ? ev->ts_local_ns : p->now_ns;
    if (sc_fill_sim_advance(p->fs, p->now_ns) != SC_OK) {
        p->st.errors++;
    }
    drain(p); /* orders that arrived before this event saw the book as it was */
    switch (ev->kind) {
    case SC_EV_DEPTH:
        market_depth(p, ev);
        break;
    case SC_EV_SNAPSHOT:
        market_snapshot(p, ev);
        break;
    case SC_EV_TRADE:
    case SC_EV_AGG_TRADE:
        market_trade(p, ev);
        break;
    case SC_EV_MARK_PRICE:
        /* a real markPrice stream carries the next funding time; bars'
         * synthetic marks (engine/bar_events.h) do not */
        p->mark_stream = p->mark_stream || ev->u.mark.next_funding_ns > 0;
        if (sc_risk_metrics_on_mark(p->mx, &ev->u.mark) != SC_OK) {
            p->st.errors++;
        }
        break;
    default:
        break;
    }
    book_mark(p);
    after_event(p);
}

void sc_paper_on_timer(sc_paper *p, sc_ns now_ns) {
    SC_ASSERT(p != NULL && !p->finished);
    p->now_ns = now_ns > p->now_ns ? now_ns : p->now_ns;
    if (sc_fill_sim_advance(p->fs, p->now_ns) != SC_OK) {
        p->st.errors++;
    }
    after_event(p);
}

sc_err sc_paper_on_message(sc_paper *p, sc_ns ts_local_ns, const char *json, size_t len,
                           sc_errinfo *err) {
    SC_ASSERT(p != NULL && json != NULL && !p->finished);
    SC_ASSERT(p->cfg.strategy && p->cfg.fidelity == SC_DP_FIDELITY_L2);
    sc_err e = sc_decoder_decode(p->dec, json, len, ts_local_ns, &p->ev, err);
    p->ev_valid = e == SC_OK;
    if (e != SC_OK) {
        return e;
    }
    p->st.messages++;
    sc_paper_on_event(p, &p->ev);
    e = sc_capture_bars_on_event(p->cb, &p->ev, err); /* decoded once, above */
    if (e != SC_OK && e != SC_ERR_RANGE && e != SC_ERR_OVERFLOW) {
        return e;
    }
    p->st.errors += e != SC_OK ? 1 : 0;
    bars_step(p);
    after_event(p);
    return SC_OK;
}

const sc_event *sc_paper_last_event(const sc_paper *p) {
    SC_ASSERT(p != NULL);
    return p->ev_valid ? &p->ev : NULL;
}

sc_err sc_paper_on_bar_events(sc_paper *p, const sc_candle *k) {
    SC_ASSERT(p != NULL && k != NULL && !p->finished && p->be != NULL);
    sc_err e = sc_bar_events_begin(p->be, k);
    if (e != SC_OK) {
        p->st.errors++;
        return e;
    }
    sc_event ev;
    while (sc_bar_events_next(p->be, &ev)) {
        p->st.messages++;
        sc_paper_on_event(p, &ev);
    }
    return SC_OK;
}

sc_err sc_paper_on_bar_close(sc_paper *p, const sc_candle *k, sc_errinfo *err) {
    SC_ASSERT(p != NULL && k != NULL && !p->finished && p->be != NULL);
    sc_ns close_ns = k->open_ns + k->tf_ns;
    p->now_ns = close_ns > p->now_ns ? close_ns : p->now_ns;
    if (sc_fill_sim_advance(p->fs, p->now_ns) != SC_OK) {
        p->st.errors++;
    }
    drain(p);
    /* The synthetic book is the close's touch by construction (bar_events'
     * final snapshot); its age inside the bar is an artefact of spreading
     * the events over it, not a feed's staleness. */
    if (p->book_ever_synced) {
        p->book_update_ns = p->now_ns;
    }
    p->st.bars++;
    sc_strategy_position sp = strategy_position(p);
    sc_decision_path_set_position(p->dp, &sp);
    sc_err e = sc_decision_path_on_bar(p->dp, k, NULL, err);
    p->st.errors += e != SC_OK ? 1 : 0;
    after_event(p);
    return e;
}

void sc_paper_kill(sc_paper *p, sc_ns now_ns, const char *reason) {
    SC_ASSERT(p != NULL && reason != NULL);
    p->now_ns = now_ns > p->now_ns ? now_ns : p->now_ns;
    bool now = false;
    sc_ks_values v = {0, 0};
    if (sc_killswitch_trip(p->ks, SC_KS_TRIG_MANUAL, reason, p->now_ns, v, &now, NULL) == SC_OK) {
        rec_trip(p, now, SC_KS_TRIG_MANUAL);
    }
    after_event(p);
}

void sc_paper_stop(sc_paper *p, sc_ns now_ns) {
    SC_ASSERT(p != NULL && !p->finished);
    p->now_ns = now_ns > p->now_ns ? now_ns : p->now_ns;
    p->stopping = true;
    after_event(p);
    SC_ASSERT(p->stopping);
}

bool sc_paper_stopping(const sc_paper *p) {
    SC_ASSERT(p != NULL);
    return p->stopping;
}

void sc_paper_finish(sc_paper *p) {
    SC_ASSERT(p != NULL && !p->finished);
    if (p->cfg.strategy) {
        if (p->cb != NULL) {
            (void)sc_capture_bars_finish(p->cb);
            bars_step(p);
        }
        sc_decision_path_finish(p->dp);
        drain(p);
    }
    p->finished = true;
}

/* ---- queries ------------------------------------------------------------------- */

void sc_paper_get_stats(const sc_paper *p, sc_paper_stats *out) {
    SC_ASSERT(p != NULL && out != NULL);
    *out = p->st;
}

sc_position sc_paper_position(const sc_paper *p) {
    SC_ASSERT(p != NULL);
    return p->pos;
}

void sc_paper_metrics(const sc_paper *p, sc_risk_metrics_snapshot *out) {
    SC_ASSERT(p != NULL && out != NULL);
    sc_risk_metrics_snapshot_get(p->mx, out);
}

bool sc_paper_killed(const sc_paper *p, sc_ns now_ns) {
    SC_ASSERT(p != NULL);
    return sc_killswitch_is_tripped(p->ks, now_ns);
}

size_t sc_paper_live_orders(const sc_paper *p) {
    SC_ASSERT(p != NULL);
    sc_order_manager_stats ms = sc_order_manager_stats_get(p->om);
    SC_ASSERT(ms.live_n >= 0);
    return (size_t)ms.live_n;
}

const sc_order_manager *sc_paper_orders(const sc_paper *p) {
    SC_ASSERT(p != NULL);
    return p->om;
}

const sc_rulebook *sc_paper_rulebook(const sc_paper *p) {
    SC_ASSERT(p != NULL);
    return p->rb;
}

/* ---- lifecycle ------------------------------------------------------------------ */

static bool config_ok(const sc_paper_config *c) {
    return c != NULL && c->ins != NULL && c->params != NULL &&
           sc_params_validate(c->params, NULL) == SC_OK && c->start_equity.e8 > 0 &&
           c->id_prefix != NULL && strlen(c->id_prefix) >= 1 &&
           strlen(c->id_prefix) <= SC_ORDER_PREFIX_MAX && (!c->strategy || c->tf_ns > 0) &&
           (c->fidelity == SC_DP_FIDELITY_L2 ||
            (c->fidelity == SC_DP_FIDELITY_BARS && c->strategy));
}

static sc_err create_market(sc_paper *p) {
    const sc_paper_config *c = &p->cfg;
    sc_decoder_config dc = {.ins = c->ins, .levels_max = 0};
    sc_err e = sc_decoder_create(&dc, &p->dec);
    sc_book_config bc = {.ins = c->ins, .window_ticks = c->book_window_ticks};
    e = e == SC_OK ? sc_book_create(&bc, &p->book) : e;
    sc_fill_sim_config fc;
    memset(&fc, 0, sizeof(fc));
    fc.ins = c->ins;
    fc.book = p->book;
    fc.maker_fee_bps_x100 = c->maker_fee_bps_x100;
    fc.taker_fee_bps_x100 = c->taker_fee_bps_x100;
    fc.latency_ns = c->latency_ns;
    fc.jitter_ns = c->jitter_ns;
    fc.seed = c->seed;
    e = e == SC_OK ? sc_fill_sim_create(&fc, &p->fs) : e;
    sc_order_manager_config oc;
    memset(&oc, 0, sizeof(oc));
    snprintf(oc.id_prefix, sizeof(oc.id_prefix), "%s", c->id_prefix);
    oc.seq_start = 1;
    e = e == SC_OK ? sc_order_manager_create(&oc, &p->om) : e;
    sc_retry_config rc = sc_retry_config_default();
    e = e == SC_OK ? sc_retry_create(&rc, &p->rt) : e;
    return e;
}

static sc_err create_risk(sc_paper *p) {
    const sc_paper_config *c = &p->cfg;
    sc_killswitch_config kc;
    sc_killswitch_config_default(&kc);
    sc_err e = sc_killswitch_create(&kc, &p->ks);
    sc_risk_metrics_config mc = {.instrument = c->ins, .start_equity = c->start_equity};
    e = e == SC_OK ? sc_risk_metrics_create(&mc, &p->mx) : e;
    sc_rulebook_config rbc;
    rbc.limits = c->limits != NULL ? *c->limits : sc_rulebook_limits_hard();
    e = e == SC_OK ? sc_rulebook_create(&rbc, &p->rb, NULL) : e;
    sc_sanity_filters_default(c->ins, &p->filters);
    SC_ASSERT(sc_sanity_filters_check(&p->filters) == SC_OK);
    if (e != SC_OK || !c->strategy) {
        return e;
    }
    if (c->fidelity == SC_DP_FIDELITY_BARS) {
        sc_bar_events_config bec;
        memset(&bec, 0, sizeof(bec));
        bec.ins = c->ins;
        e = sc_bar_events_create(&bec, &p->be);
    } else {
        sc_capture_bars_config cbc;
        memset(&cbc, 0, sizeof(cbc));
        cbc.ins = c->ins;
        cbc.tf_ns = c->tf_ns;
        cbc.book.window_ticks = c->book_window_ticks;
        e = sc_capture_bars_create(&cbc, &p->cb);
    }
    sc_decision_path_config dpc;
    memset(&dpc, 0, sizeof(dpc));
    dpc.ins = c->ins;
    dpc.params = &p->params;
    dpc.tf_ns = c->tf_ns;
    dpc.fidelity = c->fidelity;
    dpc.bars_flow = c->bars_flow;
    dpc.advisor = c->advisor;
    dpc.on_record = on_dp_record;
    dpc.ctx = p;
    dpc.external_position = true;
    dpc.quiet = true; /* only DECISION records are read here */
    return e == SC_OK ? sc_decision_path_create(&dpc, &p->dp) : e;
}

sc_err sc_paper_create(const sc_paper_config *cfg, sc_paper **out) {
    if (!config_ok(cfg) || out == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    sc_paper *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return SC_ERR_NOMEM;
    }
    p->cfg = *cfg;
    p->params = *cfg->params;
    snprintf(p->prefix, sizeof(p->prefix), "%s", cfg->id_prefix);
    p->cfg.id_prefix = p->prefix;
    p->cfg.params = &p->params;
    p->st.event_hash = FNV_OFFSET;
    p->mark_e8_per_tick = p->cfg.ins->tick_units;
    for (int i = p->cfg.ins->px_scale; i < 8; i++) {
        p->mark_e8_per_tick *= 10;
    }
    sc_err e = create_market(p);
    e = e == SC_OK ? create_risk(p) : e;
    if (e != SC_OK) {
        sc_paper_destroy(p);
        return e;
    }
    *out = p;
    return SC_OK;
}

void sc_paper_destroy(sc_paper *p) {
    if (p == NULL) {
        return;
    }
    sc_decision_path_destroy(p->dp);
    sc_capture_bars_destroy(p->cb);
    sc_bar_events_destroy(p->be);
    sc_rulebook_destroy(p->rb);
    sc_risk_metrics_destroy(p->mx);
    sc_killswitch_destroy(p->ks);
    sc_retry_destroy(p->rt);
    sc_order_manager_destroy(p->om);
    sc_fill_sim_destroy(p->fs);
    sc_book_destroy(p->book);
    sc_decoder_destroy(p->dec);
    free(p);
}
