/* One backtest run; see backtest_run.h for what comes from where. */
#include "app/backtest_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/cli.h"
#include "app/signals.h"
#include "core/assert.h"
#include "market/candles.h"
#include "market/capture.h"
#include "market/klines_csv.h"
#include "engine/decision_context.h"
#include "store/blunder.h"
#include "store/decision_logger.h"
#include "store/trade_store.h"

enum {
    BT_SLOTS = 16,          /* trades the analyzer follows at once */
    BT_POINTS = 1 << 16,    /* path points per trade */
    BT_RECENT = 1 << 14,    /* recent prices for the chase window */
    BT_DETAIL_MAX = 256,    /* one blunder label's figures */
    BT_ERR_TEXT_MAX = 1024, /* one printed error */
    BT_PROGRESS_EVERY = 4096
};

#define BT_DRAIN_NS (10 * SC_NS_PER_S) /* event time given to the final flatten */

/* The entry of the open trade, for the analyzer. */
typedef struct {
    bool open;  /* a blunder slot is open for it */
    int64_t id; /* trade seq it will close as */
    sc_order_intent intent;
    sc_px entry_px;
    sc_ns entry_ns;
} bt_entry;

typedef struct {
    int64_t row_id;
    sc_ns closed_ns;
} bt_trade_ref;

typedef struct {
    const sc_bt_run_config *cfg;
    sc_bt_result *res;
    sc_paper *paper;
    sc_dlog *dlog;
    sc_blunder *bl;
    sc_trade_store *st;
    sc_shutdown *sd;
    int64_t run_id;
    int64_t *order_rows; /* by order seq; 0 = not recorded */
    size_t order_cap;
    bt_trade_ref *trades; /* by trade seq */
    size_t trade_cap;
    bt_entry entry;
    sc_px last_fill_px;
    bool pending_open; /* a fill opened a position; the analyzer takes it next */
    sc_order_intent open_intent;
    sc_px open_px;
    sc_ns open_ns;
    int64_t ks_seq;
    sc_ns last_ns;
    bool failed;
    sc_errinfo ei;
} bt;

static void fail(bt *b, const char *what, sc_err e) {
    char buf[BT_ERR_TEXT_MAX];
    if (!b->failed) {
        fprintf(stderr, "scalper backtest: %s: %s: %s\n", what, sc_err_name(e),
                sc_errinfo_format(&b->ei, buf, sizeof(buf)));
    }
    b->failed = true;
}

static bool grow(void **arr, size_t *cap, size_t need, size_t elem, size_t max) {
    if (need < *cap) {
        return true;
    }
    if (need >= max) {
        return false;
    }
    size_t n = *cap == 0 ? 1024 : *cap * 2;
    n = n > max ? max : n;
    n = n <= need ? need + 1 : n;
    void *p = realloc(*arr, n * elem);
    if (p == NULL) {
        return false;
    }
    memset((char *)p + *cap * elem, 0, (n - *cap) * elem);
    *arr = p;
    *cap = n;
    return true;
}

/* ---- records into the store ---------------------------------------------------- */

/* A veto. One judged on a decision is already in the store with it (the
 * DecisionLogger wrote the verdict row); the engine's own orders are
 * recorded here with decision id 0. */
static void on_veto(bt *b, const sc_paper_record *r) {
    SC_ASSERT(r->reason != SC_VETO_R_OK && (int)r->reason < SC_VETO_REASON_COUNT);
    b->res->vetoes[r->reason]++;
    if (r->decision_id != 0) {
        return;
    }
    sc_veto_verdict v;
    memset(&v, 0, sizeof(v));
    v.allowed = false;
    v.level = r->level;
    v.reason = r->reason;
    v.has_values = r->unit != NULL && r->unit[0] != '\0';
    v.value = r->value;
    v.limit = r->limit;
    v.unit = r->unit != NULL ? r->unit : "";
    snprintf(v.detail, sizeof(v.detail), "%s", r->detail);
    snprintf(v.rulebook_hash, sizeof(v.rulebook_hash), "%s", b->res->rulebook_hash);
    int64_t id = 0;
    sc_err e = sc_trade_store_record_verdict(b->st, b->run_id, 0, r->ts_ns, &v, &id, &b->ei);
    if (e != SC_OK) {
        fail(b, "recording a verdict", e);
    }
}

static void on_kill(bt *b, const sc_paper_record *r) {
    b->res->kill_events++;
    if ((int)r->trigger >= 0 && (int)r->trigger < SC_KS_TRIG_COUNT) {
        b->res->ks_trips[r->trigger]++;
    }
    sc_ks_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SC_KS_EVENT_TRIP;
    ev.trigger = r->trigger;
    ev.ts_ns = r->ts_ns;
    ev.seq = ++b->ks_seq;
    ev.actions = SC_KS_ACT_BLOCK_ENTRIES | SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN;
    snprintf(ev.reason, sizeof(ev.reason), "backtest: %s", sc_ks_trigger_name(r->trigger));
    int64_t id = 0;
    sc_err e = sc_trade_store_record_kill_event(b->st, b->run_id, &ev, &id, &b->ei);
    if (e != SC_OK) {
        fail(b, "recording a kill-switch event", e);
    }
}

/* The store's row of order seq, recorded now if it is new; 0 on failure. */
static int64_t order_row(bt *b, int64_t seq, sc_ns ts_ns, const sc_order_intent **intent) {
    SC_ASSERT(seq > 0);
    const sc_order_rec *o = sc_order_manager_get(sc_paper_orders(b->paper), seq);
    if (o == NULL || !grow((void **)&b->order_rows, &b->order_cap, (size_t)seq,
                           sizeof(*b->order_rows), SC_BT_ORDERS_MAX)) {
        fail(b, "an order the engine no longer knows, or too many orders", SC_ERR_LIMIT);
        return 0;
    }
    *intent = &o->intent;
    if (b->order_rows[seq] == 0) {
        sc_err e = sc_trade_store_record_order(b->st, b->run_id, seq, &o->intent, ts_ns,
                                               &b->order_rows[seq], &b->ei);
        if (e != SC_OK) {
            fail(b, "recording an order", e);
            return 0;
        }
    }
    SC_ASSERT(b->order_rows[seq] > 0);
    return b->order_rows[seq];
}

/* ---- closed trades and the analyzer -------------------------------------------- */

/* An exit reason from what closed the trade (the paper engine does not say
 * which protective rule fired): a protective exit held max hold is max_hold,
 * else stop_loss; an exit that reached the target is take_profit; anything
 * else (signal exit, flatten) is signal. */
static sc_exit_reason exit_reason(const bt *b, const sc_order_intent *closer,
                                  const sc_risk_trade *t, sc_px exit_px) {
    const sc_order_intent *in = &b->entry.intent;
    if (closer->purpose == SC_PURPOSE_PROTECTIVE_EXIT) {
        return t->hold_ns >= (sc_ns)b->cfg->limits->hold_s_max * SC_NS_PER_S ? SC_EXIT_MAX_HOLD
                                                                             : SC_EXIT_STOP_LOSS;
    }
    int64_t dir = in->side == SC_SIDE_BUY ? 1 : -1;
    if (closer->purpose == SC_PURPOSE_EXIT && dir * (exit_px.ticks - in->target_px.ticks) >= 0) {
        return SC_EXIT_TAKE_PROFIT;
    }
    return SC_EXIT_SIGNAL;
}

static void blunder_close(bt *b, const sc_risk_trade *t, const sc_order_intent *closer,
                          sc_px exit_px, sc_regime regime) {
    if (!b->entry.open) {
        return;
    }
    const sc_order_intent *in = &b->entry.intent;
    sc_blunder_trade bt_;
    memset(&bt_, 0, sizeof(bt_));
    bt_.id = b->entry.id;
    bt_.side = t->side;
    bt_.entry_style = in->tif == SC_TIF_GTX ? SC_ENTRY_MAKER : SC_ENTRY_TAKER;
    bt_.decision_ns = in->ts_ns < b->entry.entry_ns ? in->ts_ns : b->entry.entry_ns;
    bt_.entry_ns = b->entry.entry_ns;
    bt_.exit_ns = t->closed_ns > bt_.entry_ns ? t->closed_ns : bt_.entry_ns;
    bt_.decision_touch_px = in->px; /* the entry's limit, at the touch when decided */
    bt_.entry_px = b->entry.entry_px;
    bt_.exit_px = exit_px;
    bt_.stop_px = in->stop_px;
    bt_.target_px = in->target_px;
    bt_.qty.steps = t->entry_qty_steps;
    bt_.gross_pnl = t->realized_pnl;
    bt_.fees = t->fees;
    bt_.net_pnl = t->net_pnl;
    bt_.exit_reason = exit_reason(b, closer, t, exit_px);
    bt_.regime = regime; /* the regime of the entry decision */
    if (sc_blunder_close(b->bl, &bt_) != SC_OK) {
        b->res->blunder_skipped++; /* its slot stays taken: counted, not fatal */
    }
    b->entry.open = false;
}

static void blunder_open(bt *b, const sc_order_intent *in, sc_px px, sc_ns ts_ns, int64_t id) {
    b->entry.open = false;
    b->entry.intent = *in;
    b->entry.entry_px = px;
    b->entry.entry_ns = ts_ns;
    b->entry.id = id;
    int64_t dir = in->side == SC_SIDE_BUY ? 1 : -1;
    bool usable = in->purpose == SC_PURPOSE_ENTRY && in->stop_px.ticks > 0 &&
                  in->target_px.ticks > 0 && dir * (px.ticks - in->stop_px.ticks) > 0 &&
                  dir * (in->target_px.ticks - px.ticks) > 0;
    if (!usable || sc_blunder_open(b->bl, id, in->ts_ns < ts_ns ? in->ts_ns : ts_ns) != SC_OK) {
        b->res->blunder_skipped++;
        return;
    }
    b->entry.open = true;
}

/* A TRADE record: the engine's own closed round trip, stored with the
 * regime of its entry decision, and handed to the analyzer. */
static void on_trade(bt *b, const sc_paper_record *r) {
    const sc_risk_trade *t = &r->trade;
    SC_ASSERT(t->seq > 0);
    if (!grow((void **)&b->trades, &b->trade_cap, (size_t)t->seq, sizeof(*b->trades),
              SC_BT_TRADES_MAX)) {
        fail(b, "too many trades", SC_ERR_LIMIT);
        return;
    }
    sc_err e = sc_trade_store_record_trade_ctx(b->st, b->run_id, t, sc_regime_name(r->regime),
                                               &b->trades[t->seq].row_id, &b->ei);
    if (e != SC_OK) {
        fail(b, "recording a trade", e);
        return;
    }
    b->trades[t->seq].closed_ns = t->closed_ns;
    sc_bt_result *res = b->res;
    res->trades++;
    res->wins += t->net_pnl.e8 > 0 ? 1 : 0;
    res->losses += t->net_pnl.e8 < 0 ? 1 : 0;
    res->win_sum.e8 += t->net_pnl.e8 > 0 ? t->net_pnl.e8 : 0;
    res->loss_sum.e8 += t->net_pnl.e8 < 0 ? -t->net_pnl.e8 : 0;
    res->trades_net.e8 += t->net_pnl.e8;
    res->hold_sum_ns += t->hold_ns;
    double usdt = (double)t->net_pnl.e8 / 1e8;
    res->net_sum_usdt += usdt;
    res->net_sq_sum_usdt += usdt * usdt;
    const sc_order_rec *o = sc_order_manager_get(sc_paper_orders(b->paper), r->seq);
    SC_ASSERT(o != NULL);
    blunder_close(b, t, &o->intent, b->last_fill_px, r->regime);
}

/* A FILL record (after its ORDER record, so the order has its row). */
static void on_fill(bt *b, const sc_paper_record *r) {
    const sc_order_intent *in = NULL;
    int64_t order_id = order_row(b, r->seq, r->ts_ns, &in);
    if (order_id == 0) {
        return;
    }
    sc_fill_rec fr = {order_id, r->ts_ns, r->fill_px, r->fill_qty, r->maker, r->fee, 0};
    int64_t id = 0;
    sc_err e = sc_trade_store_record_fill(b->st, &fr, &id, &b->ei);
    if (e != SC_OK) {
        fail(b, "recording a fill", e);
        return;
    }
    b->last_fill_px = r->fill_px;
    bool flipped = (r->pos_before_steps > 0 && r->pos_after_steps < 0) ||
                   (r->pos_before_steps < 0 && r->pos_after_steps > 0);
    if (r->pos_after_steps != 0 && (r->pos_before_steps == 0 || flipped)) {
        b->pending_open = true; /* opened after the TRADE record of a flip, if any */
        b->open_intent = *in;
        b->open_px = r->fill_px;
        b->open_ns = r->ts_ns;
    }
}

static void on_order(bt *b, const sc_paper_record *r) {
    const sc_order_intent *in = NULL;
    int64_t order_id = order_row(b, r->seq, r->ts_ns, &in);
    if (order_id == 0) {
        return;
    }
    sc_order_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = r->ev_kind;
    ev.ts_ns = r->ts_ns;
    ev.fill.qty = r->fill_qty;
    ev.fill.px = r->fill_px;
    ev.fill.maker = r->maker;
    int64_t id = 0;
    sc_err e = sc_trade_store_record_order_event(b->st, order_id, &ev, r->to, &id, &b->ei);
    if (e != SC_OK) {
        fail(b, "recording an order event", e);
    }
}

/* A position opened by the last fill: the analyzer follows it as the next
 * trade (the one its close will number). */
static void open_pending(bt *b) {
    if (!b->pending_open) {
        return;
    }
    b->pending_open = false;
    blunder_open(b, &b->open_intent, b->open_px, b->open_ns, (int64_t)b->res->trades + 1);
}

static void drain(bt *b) {
    sc_paper_record r;
    while (sc_paper_next_record(b->paper, &r)) {
        if (b->failed) {
            continue; /* keep the ring empty; the run is already lost */
        }
        switch (r.kind) {
        case SC_PAPER_REC_VETO:
            on_veto(b, &r);
            break;
        case SC_PAPER_REC_ORDER:
            on_order(b, &r);
            break;
        case SC_PAPER_REC_KILL_SWITCH:
            on_kill(b, &r);
            break;
        case SC_PAPER_REC_NOT_SENT:
            b->res->not_sent++;
            break;
        case SC_PAPER_REC_FILL:
            on_fill(b, &r);
            break;
        case SC_PAPER_REC_TRADE:
            on_trade(b, &r);
            break;
        }
        if (r.kind != SC_PAPER_REC_FILL) {
            open_pending(b); /* after a flip's TRADE, or at the next record */
        }
    }
    open_pending(b);
}

/* The paper engine's decision, before any order from it is sent: into the
 * DecisionLogger (inline: the same rows in the same order every run). False
 * (the engine then sends no entry from it) when it could not be written. */
static bool on_decision(void *ctx, const sc_paper_decision *d) {
    bt *b = ctx;
    if (b->dlog == NULL || b->failed) {
        return false;
    }
    sc_dlog_entry *e = sc_dlog_reserve(b->dlog);
    if (e == NULL) {
        return false;
    }
    sc_err rc = sc_decision_context_fill(d, b->cfg->paper->ins, b->res->rulebook_hash, e);
    int64_t id = 0;
    rc = rc == SC_OK ? sc_dlog_commit(b->dlog, &id, &b->ei) : rc;
    if (rc != SC_OK) {
        fail(b, "recording a decision", rc);
        return false;
    }
    size_t a = d->answer != NULL && (int)d->answer->action < SC_DECISION_ACTION_COUNT
                   ? (size_t)d->answer->action
                   : (size_t)SC_DECISION_ACTION_COUNT;
    b->res->decision_actions[a]++;
    b->res->decisions_logged++;
    return true;
}

static void poll_blunders(bt *b, sc_ns now_ns) {
    sc_blunder_report rep;
    while (sc_blunder_poll(b->bl, now_ns, &rep)) {
        SC_ASSERT(rep.id > 0 && (size_t)rep.id < b->trade_cap);
        const bt_trade_ref *tr = &b->trades[rep.id];
        SC_ASSERT(tr->row_id > 0);
        b->res->blunder_reports++;
        b->res->blunder_truncated += rep.truncated ? 1 : 0;
        char detail[BT_DETAIL_MAX];
        snprintf(detail, sizeof(detail),
                 "mfe_ticks=%lld mae_ticks=%lld after_best_ticks=%lld after_worst_ticks=%lld "
                 "exit_gain_ticks=%lld slippage_ticks=%lld",
                 (long long)rep.mfe_ticks, (long long)rep.mae_ticks,
                 (long long)rep.after_best_ticks, (long long)rep.after_worst_ticks,
                 (long long)rep.exit_gain_ticks, (long long)rep.slippage_ticks);
        for (int l = 0; l < SC_BLUNDER_LABEL_COUNT && !b->failed; l++) {
            if ((rep.labels & SC_BLUNDER_BIT(l)) == 0) {
                continue;
            }
            b->res->blunders[l]++;
            sc_blunder_label_rec lr = {tr->row_id, tr->closed_ns + SC_BLUNDER_LOOKAHEAD_NS_DEFAULT,
                                       sc_blunder_label_name((sc_blunder_label)l), detail};
            int64_t id = 0;
            sc_err e = sc_trade_store_record_blunder_label(b->st, &lr, &id, &b->ei);
            if (e != SC_OK) {
                fail(b, "recording a blunder label", e);
            }
        }
    }
}

/* The message's trade price for the analyzer, from the engine's own decode.
 * Messages the decoder refused are the engine's to report. */
static void side_feed(bt *b) {
    const sc_event *ev = sc_paper_last_event(b->paper);
    if (ev != NULL && (ev->kind == SC_EV_TRADE || ev->kind == SC_EV_AGG_TRADE)) {
        (void)sc_blunder_on_price(b->bl, ev->ts_local_ns, ev->u.trade.px); /* refusals counted */
    }
}

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static void after_event(bt *b, sc_ns ts_ns) {
    drain(b);
    poll_blunders(b, ts_ns);
    sc_risk_metrics_snapshot s;
    sc_paper_metrics(b->paper, &s);
    if (s.leverage_x100 != SC_RISK_METRICS_UNBOUNDED &&
        s.leverage_x100 > b->res->max_leverage_x100) {
        b->res->max_leverage_x100 = s.leverage_x100;
    }
}

static bool begin(bt *b, sc_ns ts_ns) {
    sc_run_info ri;
    memset(&ri, 0, sizeof(ri));
    ri.mode = SC_RUN_BACKTEST;
    ri.started_ns = ts_ns; /* event time, not the wall clock: runs compare */
    ri.version = b->cfg->version;
    ri.config_hash = b->res->config_hash;
    ri.rulebook_hash = b->res->rulebook_hash;
    ri.inputs = b->res->inputs;
    ri.seed = b->res->seed;
    ri.params_version = b->res->params_version;
    sc_err e = sc_trade_store_begin_run(b->st, &ri, &b->run_id, &b->ei);
    if (e != SC_OK) {
        fail(b, "starting the run", e);
        return false;
    }
    sc_dlog_config lc = {SC_DLOG_INLINE, b->st, b->run_id, b->cfg->jsonl_path, 0};
    e = sc_dlog_create(&lc, &b->dlog, &b->ei);
    if (e != SC_OK) {
        fail(b, "starting the decision log", e);
        return false;
    }
    if (e == SC_OK && b->cfg->kill_at_start) {
        sc_paper_kill(b->paper, ts_ns, b->cfg->kill_reason != NULL ? b->cfg->kill_reason : "");
        after_event(b, ts_ns);
    }
    return e == SC_OK;
}

/* After each message: signals (and the simulated one) become shutdown
 * requests; an under-way shutdown steps. True when it is finished. */
static bool poll_shutdown(bt *b, sc_ns ts_ns) {
    sc_signals_seen seen = sc_signals_poll();
    if (b->cfg->interrupt_after > 0 && b->res->events == b->cfg->interrupt_after) {
        seen.sigint_n++;
    }
    bool asked = seen.sigint_n > 0 || seen.sigterm_n > 0;
    if (asked) {
        if (!b->res->interrupted) {
            fprintf(stderr, "scalper backtest: interrupted: stopping entries, flattening\n");
        }
        b->res->interrupted = true;
        (void)sc_signals_feed(&seen, b->sd, ts_ns);
        after_event(b, ts_ns);
    } else if (b->res->interrupted) {
        (void)sc_shutdown_step(b->sd, ts_ns);
    }
    return b->res->interrupted && sc_shutdown_finished(b->sd);
}

static int feed(bt *b, sc_capture_reader *rd) {
    sc_progress *pg =
        sc_progress_create("backtest", sc_capture_reader_bytes_total(rd), b->cfg->progress);
    sc_capture_line ln;
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    int rc = 0;
    for (;;) {
        sc_err e = sc_capture_reader_next(rd, &ln, &ei);
        if (e == SC_ERR_EOF || b->failed) {
            break;
        }
        if (e != SC_OK) {
            b->res->problems++;
            rc = e == SC_ERR_IO || e == SC_ERR_COMPRESSION ? SC_EXIT_INPUT : rc;
            continue;
        }
        if (b->res->events == 0 && !begin(b, ln.ts_local_ns)) {
            break;
        }
        uint64_t bars0 = b->res->paper.bars;
        uint64_t t0 = mono_ns();
        e = sc_paper_on_message(b->paper, ln.ts_local_ns, ln.json, ln.json_len, &ei);
        uint64_t dt = mono_ns() - t0;
        sc_bt_latency_add(b->res->latency, dt);
        sc_paper_get_stats(b->paper, &b->res->paper);
        if (b->res->paper.bars != bars0) { /* a candle closed: the decision path ran */
            sc_bt_latency_add(b->res->decision_latency, dt);
        }
        side_feed(b);
        b->res->problems += e != SC_OK ? 1 : 0;
        b->res->events++;
        b->last_ns = ln.ts_local_ns > b->last_ns ? ln.ts_local_ns : b->last_ns;
        after_event(b, ln.ts_local_ns);
        if (b->res->events % BT_PROGRESS_EVERY == 0) {
            sc_progress_update(pg, sc_capture_reader_bytes_done(rd));
        }
        if (poll_shutdown(b, ln.ts_local_ns)) {
            break;
        }
    }
    sc_progress_done(pg);
    sc_progress_destroy(pg);
    return rc;
}

/* ---- kline input (bars fidelity) ------------------------------------------------ */

/* The analyzer's prices of one kline: its path as engine/bar_events.h
 * walks it (open, the nearer extreme, the other, close), a quarter bar
 * apart. */
static void bar_prices(bt *b, const sc_candle *k) {
    bool high_first = k->high.ticks - k->open.ticks <= k->open.ticks - k->low.ticks;
    sc_px path[4] = {k->open, high_first ? k->high : k->low, high_first ? k->low : k->high,
                     k->close};
    for (int i = 0; i < 4; i++) {
        (void)sc_blunder_on_price(b->bl, k->open_ns + (sc_ns)i * (k->tf_ns / 4), path[i]);
    }
}

/* One kline: begin the run at the first, its events, then every candle of
 * the strategy's timeframe it closed is decided on. */
static void kline_in(bt *b, sc_candles *agg, const sc_candle *k) {
    if (b->res->events == 0 && !begin(b, k->open_ns)) {
        return;
    }
    sc_ns close_ns = k->open_ns + k->tf_ns;
    bar_prices(b, k);
    b->res->problems += sc_paper_on_bar_events(b->paper, k) != SC_OK ? 1 : 0;
    b->res->events++;
    b->last_ns = close_ns > b->last_ns ? close_ns : b->last_ns;
    after_event(b, close_ns - 1);
    if (sc_candles_on_candle(agg, k) != SC_OK) {
        b->res->problems++;
    }
    sc_candle c;
    while (sc_candles_next(agg, &c) && !b->failed) {
        sc_errinfo ei;
        sc_errinfo_clear(&ei);
        uint64_t t0 = mono_ns();
        b->res->problems += sc_paper_on_bar_close(b->paper, &c, &ei) != SC_OK ? 1 : 0;
        uint64_t dt = mono_ns() - t0;
        sc_bt_latency_add(b->res->latency, dt);
        sc_bt_latency_add(b->res->decision_latency, dt);
        after_event(b, c.open_ns + c.tf_ns);
    }
}

static int klines_file(bt *b, sc_candles *agg, const char *path, bool *stop) {
    sc_klines_csv_config kc = {b->cfg->paper->ins, b->cfg->kline_ns, 0};
    sc_klines_csv *rd = NULL;
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    char buf[BT_ERR_TEXT_MAX];
    if (sc_klines_csv_open(&kc, path, &rd, &ei) != SC_OK) {
        ei.source = path;
        fprintf(stderr, "scalper backtest: %s\n", sc_errinfo_format(&ei, buf, sizeof(buf)));
        return SC_EXIT_INPUT;
    }
    int rc = 0;
    for (;;) {
        sc_candle k;
        sc_err e = sc_klines_csv_next(rd, &k, &ei);
        if (e == SC_ERR_EOF || b->failed) {
            break;
        }
        if (e != SC_OK) {
            ei.source = path;
            fprintf(stderr, "scalper backtest: %s (row skipped)\n",
                    sc_errinfo_format(&ei, buf, sizeof(buf)));
            b->res->problems++;
            rc = e == SC_ERR_IO || e == SC_ERR_COMPRESSION ? SC_EXIT_INPUT : rc;
            if (rc != 0) {
                break;
            }
            continue;
        }
        kline_in(b, agg, &k);
        if (poll_shutdown(b, k.open_ns + k.tf_ns)) {
            *stop = true;
            break;
        }
    }
    sc_klines_csv_close(rd);
    return rc;
}

static int feed_klines(bt *b) {
    sc_candles_config cc;
    memset(&cc, 0, sizeof(cc));
    cc.ins = b->cfg->paper->ins;
    cc.source = SC_CANDLES_FROM_KLINES;
    cc.kline_tf_ns = b->cfg->kline_ns;
    cc.n_tf = 1;
    cc.tf_ns[0] = b->cfg->paper->tf_ns;
    sc_candles *agg = NULL;
    if (sc_candles_create(&cc, &agg) != SC_OK) {
        fail(b, "starting the candle builder", SC_ERR_NOMEM);
        return SC_EXIT_INTERNAL;
    }
    sc_progress *pg = sc_progress_create("backtest", b->cfg->n_files, b->cfg->progress);
    int rc = 0;
    bool stop = false;
    for (size_t i = 0; i < b->cfg->n_files && rc == 0 && !stop && !b->failed; i++) {
        rc = klines_file(b, agg, b->cfg->files[i], &stop);
        sc_progress_update(pg, i + 1);
    }
    sc_progress_done(pg);
    sc_progress_destroy(pg);
    sc_candles_destroy(agg); /* a last partial candle is not decided on */
    return rc;
}

/* The shutdown's outcome for the reports. A shutdown the input ran out on
 * is stepped once more after the final flatten. */
static void record_shutdown(bt *b) {
    if (!b->res->interrupted) {
        return;
    }
    if (!sc_shutdown_finished(b->sd)) {
        (void)sc_shutdown_step(b->sd, b->last_ns + BT_DRAIN_NS);
    }
    sc_shutdown_status st;
    sc_shutdown_status_get(b->sd, &st);
    b->res->shutdown_phase = sc_shutdown_phase_name(st.phase);
    b->res->shutdown_reason = sc_shutdown_reason_name(st.reason);
    b->res->shutdown_exit =
        sc_shutdown_finished(b->sd) ? sc_shutdown_exit_code(b->sd) : SC_SHUTDOWN_EXIT_NOT_FLAT;
    sc_shutdown_describe(b->sd, b->res->shutdown_text, sizeof(b->res->shutdown_text));
    fprintf(stderr, "scalper backtest: %s\n", b->res->shutdown_text);
}

/* End of input: stop (cancel all, flatten), give the flatten event time,
 * close the candles, then let every trade's look-ahead pass. */
static void finish(bt *b) {
    if (b->res->events == 0 || b->failed) {
        return;
    }
    sc_paper_stop(b->paper, b->last_ns);
    after_event(b, b->last_ns);
    sc_paper_on_timer(b->paper, b->last_ns + BT_DRAIN_NS);
    after_event(b, b->last_ns + BT_DRAIN_NS);
    record_shutdown(b);
    sc_paper_finish(b->paper);
    after_event(b, b->last_ns + BT_DRAIN_NS);
    poll_blunders(b, b->last_ns + BT_DRAIN_NS + SC_BLUNDER_LOOKAHEAD_NS_DEFAULT + 1);
    sc_paper_get_stats(b->paper, &b->res->paper);
    sc_paper_metrics(b->paper, &b->res->end);
    if (b->res->end.position_steps != 0 || sc_paper_live_orders(b->paper) != 0) {
        fprintf(stderr, "scalper backtest: warning: not flat at the end of the run\n");
    }
}

static int finish_store(bt *b) {
    if (b->run_id == 0) {
        return b->failed ? SC_EXIT_INTERNAL : 0;
    }
    const char *status = b->res->interrupted ? "interrupted" : "ok";
    sc_err e = sc_trade_store_end_run(b->st, b->run_id, b->last_ns + BT_DRAIN_NS,
                                      b->failed ? "error" : status, &b->ei);
    sc_trade_store_counts c;
    if (e == SC_OK) {
        e = sc_trade_store_counts_get(b->st, b->run_id, &c, &b->ei);
    }
    if (e != SC_OK) {
        fail(b, "closing the run", e);
        return SC_EXIT_INTERNAL;
    }
    sc_bt_result *r = b->res;
    r->rows_orders = c.orders;
    r->rows_order_events = c.order_events;
    r->rows_fills = c.fills;
    r->rows_trades = c.trades;
    r->rows_decisions = c.decisions;
    r->rows_verdicts = c.verdicts;
    r->rows_kill_events = c.kill_events;
    r->rows_blunder_labels = c.blunder_labels;
    SC_ASSERT(c.trades == (int64_t)r->trades || b->failed);
    return b->failed ? SC_EXIT_INTERNAL : 0;
}

static sc_err create_all(bt *b) {
    const sc_bt_run_config *cfg = b->cfg;
    sc_trade_store_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.path = cfg->db_path;
    sc.mode = SC_TRADE_STORE_BATCH;
    sc.batch_records = cfg->batch_records;
    sc_err e = sc_trade_store_open(&sc, &b->st, &b->ei);
    if (e != SC_OK) {
        fail(b, "opening the database", e);
        return e;
    }
    sc_blunder_config bc = sc_blunder_config_default();
    bc.slots_max = BT_SLOTS;
    bc.points_max = BT_POINTS;
    bc.recent_max = BT_RECENT;
    sc_paper_config pc = *cfg->paper;
    pc.on_decision = on_decision;
    pc.decision_ctx = b;
    e = sc_paper_create(&pc, &b->paper);
    e = e == SC_OK ? sc_blunder_create(&bc, &b->bl) : e;
    sc_shutdown_config sdc = {b->paper, 0, 0};
    e = e == SC_OK ? sc_shutdown_create(&sdc, &b->sd) : e;
    if (e != SC_OK) {
        sc_errinfo_clear(&b->ei);
        fail(b, "starting the engine", e);
        return e;
    }
    snprintf(b->res->rulebook_hash, sizeof(b->res->rulebook_hash), "%s",
             sc_rulebook_hash(sc_paper_rulebook(b->paper)));
    return SC_OK;
}

static void destroy_all(bt *b) {
    sc_shutdown_destroy(b->sd);
    sc_blunder_destroy(b->bl);
    sc_dlog_destroy(b->dlog);
    sc_paper_destroy(b->paper);
    sc_trade_store_close(b->st);
    free(b->order_rows);
    free(b->trades);
}

static int run_klines(bt *b) {
    int code = SC_EXIT_INTERNAL;
    uint64_t t0 = mono_ns();
    if (create_all(b) == SC_OK) {
        code = feed_klines(b);
        finish(b);
        int c2 = finish_store(b);
        code = c2 != 0 ? c2 : code;
    }
    b->res->wall_s = (double)(mono_ns() - t0) / 1e9;
    destroy_all(b);
    return code;
}

int sc_bt_run(const sc_bt_run_config *cfg, sc_bt_result *res) {
    SC_ASSERT(cfg != NULL && res != NULL && res->latency != NULL && res->decision_latency != NULL);
    SC_ASSERT(cfg->n_files > 0 && cfg->paper != NULL && cfg->limits != NULL);
    bt b;
    memset(&b, 0, sizeof(b));
    b.cfg = cfg;
    b.res = res;
    sc_errinfo_clear(&b.ei);
    if (cfg->klines) {
        return run_klines(&b);
    }
    sc_capture_reader *rd = NULL;
    sc_capture_reader_config rc = {0};
    if (sc_capture_reader_open(&rc, cfg->files, cfg->n_files, &rd, &b.ei) != SC_OK) {
        char buf[BT_ERR_TEXT_MAX];
        fprintf(stderr, "scalper backtest: %s\n", sc_errinfo_format(&b.ei, buf, sizeof(buf)));
        return SC_EXIT_INPUT;
    }
    int code = SC_EXIT_INTERNAL;
    uint64_t t0 = mono_ns();
    if (create_all(&b) == SC_OK) {
        code = feed(&b, rd);
        finish(&b);
        int c2 = finish_store(&b);
        code = c2 != 0 ? c2 : code;
    }
    res->wall_s = (double)(mono_ns() - t0) / 1e9;
    sc_capture_reader_close(rd);
    destroy_all(&b);
    return code;
}
