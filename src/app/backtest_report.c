/* The reports of `scalper backtest`. Money goes from exact e8 integers to
 * decimal text with sc_dec_format; the few ratios (win rate, profit
 * factor, Sharpe) are doubles computed in one fixed order, so they too are
 * the same in every run on one build. */
#include "app/backtest_report.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/assert.h"

enum { NUM_TEXT_MAX = 48 };

void sc_bt_latency_add(sc_bt_latency *h, uint64_t ns) {
    SC_ASSERT(h != NULL);
    size_t idx = 0;
    if (ns < SC_BT_LAT_LINEAR) {
        idx = (size_t)ns;
    } else {
        int e = 0; /* ns >> e lands in [512, 1024) */
        while ((ns >> e) >= 2 * SC_BT_LAT_SUB) {
            e++;
        }
        SC_ASSERT(e >= 1 && e <= SC_BT_LAT_OCTAVES);
        idx = SC_BT_LAT_LINEAR + (size_t)(e - 1) * SC_BT_LAT_SUB +
              (size_t)((ns >> e) - SC_BT_LAT_SUB);
    }
    SC_ASSERT(idx < SC_BT_LAT_BUCKETS);
    h->buckets[idx]++;
    h->n++;
    h->max_ns = ns > h->max_ns ? ns : h->max_ns;
}

static uint64_t bucket_upper(size_t idx) {
    if (idx < SC_BT_LAT_LINEAR) {
        return idx;
    }
    size_t k = idx - SC_BT_LAT_LINEAR;
    unsigned e = (unsigned)(k / SC_BT_LAT_SUB) + 1;
    uint64_t sub = (uint64_t)(k % SC_BT_LAT_SUB) + SC_BT_LAT_SUB;
    return ((sub + 1) << e) - 1;
}

uint64_t sc_bt_latency_quantile(const sc_bt_latency *h, uint64_t q_ppm) {
    SC_ASSERT(h != NULL && q_ppm <= 1000000);
    if (h->n == 0) {
        return 0;
    }
    uint64_t rank = (h->n * q_ppm + 999999) / 1000000; /* 1-based, rounded up */
    rank = rank == 0 ? 1 : rank;
    uint64_t seen = 0;
    for (size_t i = 0; i < SC_BT_LAT_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t up = bucket_upper(i);
            return up < h->max_ns ? up : h->max_ns;
        }
    }
    return h->max_ns;
}

static json_t *money(sc_money m) {
    char buf[NUM_TEXT_MAX];
    int n = sc_dec_format(m.e8, 8, 8, buf, sizeof(buf));
    SC_ASSERT(n > 0);
    return json_string(buf);
}

static json_t *dec(int64_t v, int scale, int decimals) {
    char buf[NUM_TEXT_MAX];
    int n = sc_dec_format(v, scale, decimals, buf, sizeof(buf));
    SC_ASSERT(n > 0);
    return json_string(buf);
}

static json_t *real_or_null(bool ok, double v) {
    return ok && isfinite(v) ? json_real(v) : json_null();
}

/* Sharpe: mean / sample standard deviation of the per-trade net PnL, times
 * sqrt(number of trades); null for fewer than two trades or no spread. */
static json_t *sharpe(const sc_bt_result *r) {
    if (r->trades < 2) {
        return json_null();
    }
    double n = (double)r->trades;
    double mean = r->net_sum_usdt / n;
    double var = (r->net_sq_sum_usdt - n * mean * mean) / (n - 1.0);
    if (!(var > 0.0)) {
        return json_null();
    }
    return real_or_null(true, mean / sqrt(var) * sqrt(n));
}

static json_t *perf(const sc_bt_result *r) {
    json_t *o = json_object();
    json_object_set_new(
        o, "win_rate",
        real_or_null(r->trades > 0, (double)r->wins / (double)(r->trades > 0 ? r->trades : 1)));
    json_object_set_new(
        o, "profit_factor",
        real_or_null(r->loss_sum.e8 > 0,
                     (double)r->win_sum.e8 / (double)(r->loss_sum.e8 > 0 ? r->loss_sum.e8 : 1)));
    sc_money exp = {r->trades > 0 ? r->trades_net.e8 / (int64_t)r->trades : 0};
    json_object_set_new(o, "expectancy_usdt", r->trades > 0 ? money(exp) : json_null());
    json_object_set_new(o, "sharpe", sharpe(r));
    return o;
}

static void add_counts(json_t *root, const sc_bt_result *r) {
    json_t *d = json_object();
    for (int i = 0; i <= SC_DECISION_ACTION_COUNT; i++) {
        const char *name =
            i < SC_DECISION_ACTION_COUNT ? sc_decision_action_name((sc_decision_action)i) : "none";
        json_object_set_new(d, name, json_integer((json_int_t)r->decision_actions[i]));
    }
    json_object_set_new(root, "decisions", d);
    json_t *g = json_object();
    json_object_set_new(g, "decisions", json_integer((json_int_t)r->paper.decisions));
    json_object_set_new(g, "decisions_logged", json_integer((json_int_t)r->decisions_logged));
    json_object_set_new(g, "decisions_unlogged",
                        json_integer((json_int_t)r->paper.decisions_unlogged));
    json_object_set_new(g, "intents", json_integer((json_int_t)r->paper.intents));
    json_object_set_new(g, "allowed", json_integer((json_int_t)r->paper.allowed));
    json_object_set_new(g, "vetoed", json_integer((json_int_t)r->paper.vetoed));
    json_object_set_new(g, "not_sent", json_integer((json_int_t)r->paper.not_sent));
    json_object_set_new(root, "orders_flow", g);
    json_t *v = json_object();
    for (int i = 0; i < SC_VETO_REASON_COUNT; i++) {
        if (r->vetoes[i] > 0) {
            json_object_set_new(v, sc_veto_reason_name((sc_veto_reason)i),
                                json_integer((json_int_t)r->vetoes[i]));
        }
    }
    json_object_set_new(root, "vetoes", v);
    json_t *b = json_object();
    for (int i = 0; i < SC_BLUNDER_LABEL_COUNT; i++) {
        json_object_set_new(b, sc_blunder_label_name((sc_blunder_label)i),
                            json_integer((json_int_t)r->blunders[i]));
    }
    json_object_set_new(root, "blunders", b);
    json_t *k = json_object();
    for (int i = 0; i < SC_KS_TRIG_COUNT; i++) {
        if (r->ks_trips[i] > 0) {
            json_object_set_new(k, sc_ks_trigger_name((sc_ks_trigger)i),
                                json_integer((json_int_t)r->ks_trips[i]));
        }
    }
    json_object_set_new(root, "kill_switch_trips", k);
}

static json_t *rows(const sc_bt_result *r) {
    return json_pack("{sI sI sI sI sI sI sI sI}", "decisions", (json_int_t)r->rows_decisions,
                     "orders", (json_int_t)r->rows_orders, "order_events",
                     (json_int_t)r->rows_order_events, "fills", (json_int_t)r->rows_fills, "trades",
                     (json_int_t)r->rows_trades, "verdicts", (json_int_t)r->rows_verdicts,
                     "kill_events", (json_int_t)r->rows_kill_events, "blunder_labels",
                     (json_int_t)r->rows_blunder_labels);
}

static json_t *histogram(const sc_bt_latency *h, const char *what) {
    json_t *l = json_object();
    json_object_set_new(l, "what", json_string(what));
    json_object_set_new(l, "samples", json_integer((json_int_t)h->n));
    json_object_set_new(l, "p50", json_integer((json_int_t)sc_bt_latency_quantile(h, 500000)));
    json_object_set_new(l, "p99", json_integer((json_int_t)sc_bt_latency_quantile(h, 990000)));
    json_object_set_new(l, "p999", json_integer((json_int_t)sc_bt_latency_quantile(h, 999000)));
    json_object_set_new(l, "max", json_integer((json_int_t)h->max_ns));
    return l;
}

/* The clock-measured figures; null with no_timing. */
static void add_timing(json_t *root, const sc_bt_result *r) {
    bool on = !r->no_timing;
    json_object_set_new(root, "wall_s", on ? json_real(r->wall_s) : json_null());
    json_object_set_new(
        root, "events_per_sec",
        real_or_null(on && r->wall_s > 0, (double)r->events / (r->wall_s > 0 ? r->wall_s : 1)));
    json_object_set_new(root, "decision_latency_ns",
                        on ? histogram(r->decision_latency,
                                       "wall time of one engine call in which a candle closed "
                                       "(features, strategy, advisor, veto gate, order)")
                           : json_null());
    json_object_set_new(root, "message_latency_ns",
                        on ? histogram(r->latency, "wall time of one engine call per message "
                                                   "(decode, book, fills, risk, strategy)")
                           : json_null());
}

static void add_money(json_t *root, const sc_bt_result *r) {
    const sc_risk_metrics_snapshot *e = &r->end;
    sc_money net = {e->equity.e8 - e->start_equity.e8};
    json_object_set_new(root, "net_pnl_usdt", money(net));
    json_object_set_new(root, "gross_pnl_usdt", money(e->realized_pnl));
    json_object_set_new(root, "unrealized_pnl_usdt", money(e->unrealized_pnl));
    json_object_set_new(root, "fees_usdt", money(e->fees_paid));
    json_object_set_new(root, "funding_usdt", money(e->funding_paid));
    /* marks taken from the touch: the input had no markPrice stream */
    json_object_set_new(root, "book_marks", json_integer((json_int_t)r->paper.book_marks));
    json_object_set_new(root, "start_equity_usdt", money(e->start_equity));
    json_object_set_new(root, "end_equity_usdt", money(e->equity));
    json_t *p = perf(r);
    json_object_update(root, p); /* copies the references */
    json_decref(p);
}

static void add_run_state(json_t *root, const sc_bt_result *r) {
    json_t *k = json_object();
    json_object_set_new(k, "tripped", json_boolean(r->ks_tripped));
    json_object_set_new(k, "trigger", r->ks_tripped ? json_string(r->ks_trigger) : json_null());
    json_object_set_new(k, "reason", r->ks_tripped ? json_string(r->ks_reason) : json_null());
    json_object_set_new(root, "kill_switch_at_start", k);
    json_object_set_new(root, "interrupted", json_boolean(r->interrupted));
    if (r->shutdown_phase == NULL) {
        json_object_set_new(root, "shutdown", json_null());
        return;
    }
    json_t *s = json_object();
    json_object_set_new(s, "outcome", json_string(r->shutdown_phase));
    json_object_set_new(s, "reason", json_string(r->shutdown_reason));
    json_object_set_new(s, "exit_code", json_integer(r->shutdown_exit));
    json_object_set_new(s, "flat", json_boolean(r->end.position_steps == 0));
    json_object_set_new(s, "description", json_string(r->shutdown_text));
    json_object_set_new(root, "shutdown", s);
}

static json_t *build(const sc_bt_result *r) {
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string("scalper-backtest-report 1"));
    json_object_set_new(root, "instrument", json_string(r->ins->name));
    json_object_set_new(root, "inputs", json_string(r->inputs));
    json_object_set_new(root, "seed", json_integer((json_int_t)r->seed));
    json_object_set_new(root, "fidelity", json_string(r->fidelity));
    json_object_set_new(root, "events", json_integer((json_int_t)r->events));
    add_timing(root, r);
    json_object_set_new(root, "input_problems", json_integer((json_int_t)r->problems));
    json_object_set_new(root, "trades", json_integer((json_int_t)r->trades));
    add_money(root, r);
    json_object_set_new(root, "max_drawdown_pct", dec(r->end.max_drawdown_bps, 2, 2));
    const sc_instrument *ins = r->ins;
    json_object_set_new(
        root, "max_position_btc",
        dec(r->paper.max_abs_position_steps * ins->step_units, ins->qty_scale, ins->qty_scale));
    json_object_set_new(root, "max_leverage", dec(r->max_leverage_x100, 2, 2));
    json_object_set_new(root, "avg_hold_s",
                        r->trades > 0 ? dec(r->hold_sum_ns / (int64_t)r->trades / 1000000, 3, 3)
                                      : json_null());
    add_counts(root, r);
    json_object_set_new(root, "rulebook_hash", json_string(r->rulebook_hash));
    json_object_set_new(root, "config_hash", json_string(r->config_hash));
    json_object_set_new(root, "params_version", json_integer((json_int_t)r->params_version));
    json_object_set_new(root, "params_source", json_string(r->params_source));
    json_object_set_new(root, "event_hash",
                        json_sprintf("%016llx", (unsigned long long)r->paper.event_hash));
    json_object_set_new(root, "db_rows", rows(r));
    add_run_state(root, r);
    return root;
}

sc_err sc_bt_report_json(const sc_bt_result *r, const char *path) {
    SC_ASSERT(r != NULL && path != NULL && r->latency != NULL);
    json_t *root = build(r);
    if (root == NULL) {
        return SC_ERR_NOMEM;
    }
    int rc =
        json_dump_file(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    json_decref(root);
    return rc == 0 ? SC_OK : SC_ERR_IO;
}

static const char *jtext(json_t *root, const char *key, char *buf, size_t cap) {
    json_t *v = json_object_get(root, key);
    if (json_is_string(v)) {
        snprintf(buf, cap, "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        snprintf(buf, cap, "%.4f", json_real_value(v));
    } else if (json_is_boolean(v)) {
        snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
    } else {
        snprintf(buf, cap, "n/a");
    }
    return buf;
}

static void md_run_state(FILE *f, const sc_bt_result *r) {
    if (r->ks_tripped) {
        fprintf(f, "\nKill switch at start: TRIPPED (%s: %s): no entries sent.\n", r->ks_trigger,
                r->ks_reason);
    } else {
        fprintf(f, "\nKill switch at start: not tripped.\n");
    }
    if (r->shutdown_phase != NULL) {
        fprintf(f, "\nInterrupted: %s\n", r->shutdown_text);
    }
}

static void md_counts(FILE *f, const char *title, json_t *obj) {
    fprintf(f, "\n## %s\n\n", title);
    const char *k;
    json_t *v;
    bool any = false;
    json_object_foreach(obj, k, v) {
        fprintf(f, "- %s: %lld\n", k, (long long)json_integer_value(v));
        any = true;
    }
    if (!any) {
        fprintf(f, "- none\n");
    }
}

static void md_latency(FILE *f, json_t *l, const char *title) {
    char buf[NUM_TEXT_MAX];
    if (!json_is_object(l)) {
        fprintf(f, "- %s: not measured (--no-timing)\n", title);
        return;
    }
    fprintf(f, "- %s, ns: p50 %s", title, jtext(l, "p50", buf, sizeof(buf)));
    fprintf(f, ", p99 %s", jtext(l, "p99", buf, sizeof(buf)));
    fprintf(f, ", p999 %s", jtext(l, "p999", buf, sizeof(buf)));
    fprintf(f, ", max %s", jtext(l, "max", buf, sizeof(buf)));
    fprintf(f, " (%s samples)\n", jtext(l, "samples", buf, sizeof(buf)));
}

static void md_blunders(FILE *f, const sc_bt_result *r) {
    fprintf(f, "\n## Blunders by label (%llu trades analysed)\n\n",
            (unsigned long long)r->blunder_reports);
    for (int i = 0; i < SC_BLUNDER_LABEL_COUNT; i++) {
        fprintf(f, "- %s: %llu: %s\n", sc_blunder_label_name((sc_blunder_label)i),
                (unsigned long long)r->blunders[i],
                sc_blunder_label_definition((sc_blunder_label)i));
    }
}

static void md_timing(FILE *f, json_t *root) {
    char buf[NUM_TEXT_MAX];
    fprintf(f, "\n## Timing (wall clock; not deterministic)\n\n- wall_s: %s\n",
            jtext(root, "wall_s", buf, sizeof(buf)));
    fprintf(f, "- events_per_sec: %s\n", jtext(root, "events_per_sec", buf, sizeof(buf)));
    md_latency(f, json_object_get(root, "decision_latency_ns"), "decision latency");
    md_latency(f, json_object_get(root, "message_latency_ns"), "engine latency per message");
}

sc_err sc_bt_report_md(const sc_bt_result *r, const char *path) {
    static const char *const k_keys[] = {
        "inputs",        "fidelity",        "seed",          "events",           "trades",
        "net_pnl_usdt",  "gross_pnl_usdt",  "fees_usdt",     "funding_usdt",     "win_rate",
        "profit_factor", "expectancy_usdt", "sharpe",        "max_drawdown_pct", "max_position_btc",
        "max_leverage",  "avg_hold_s",      "rulebook_hash", "config_hash",      "params_version",
        "params_source", "interrupted"};
    SC_ASSERT(r != NULL && path != NULL);
    json_t *root = build(r);
    FILE *f = root != NULL ? fopen(path, "w") : NULL;
    if (f == NULL) {
        json_decref(root);
        return SC_ERR_IO;
    }
    fprintf(f, "# scalper backtest\n\n| figure | value |\n|---|---|\n");
    char buf[SC_BT_TEXT_MAX + 1];
    for (size_t i = 0; i < sizeof(k_keys) / sizeof(k_keys[0]); i++) {
        fprintf(f, "| %s | %s |\n", k_keys[i], jtext(root, k_keys[i], buf, sizeof(buf)));
    }
    md_run_state(f, r);
    md_counts(f, "Decisions by the advisor's action", json_object_get(root, "decisions"));
    md_counts(f, "Veto gate and orders", json_object_get(root, "orders_flow"));
    md_counts(f, "Vetoes by reason", json_object_get(root, "vetoes"));
    md_blunders(f, r);
    md_counts(f, "Kill-switch trips by trigger", json_object_get(root, "kill_switch_trips"));
    md_counts(f, "Database rows", json_object_get(root, "db_rows"));
    md_timing(f, root);
    json_decref(root);
    return fclose(f) == 0 ? SC_OK : SC_ERR_IO;
}
