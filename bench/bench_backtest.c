/* bench_backtest: end-to-end backtest throughput on the real USD-M captures.
 *
 * Setup (not timed): every USD-M BTCUSDT capture window under the data
 * folder (the three hftbacktest windows and the collect-binancefutures
 * sample) is read through market/capture.h's reader into memory (times in
 * ns whatever the file's unit). The engine is configured as `scalper
 * backtest` configures it with no --config: sc_config_defaults (parameters,
 * [risk] limits and starting equity, [paper] fees, latency, jitter, seed),
 * id prefix "bt", strategy on, rules advisor, timeframe 1m (its default)
 * and also 1s (more candles, so more of the strategy path per message).
 *
 * Timed, per window, from the first message to the last: for each message
 * sc_paper_on_message, then sc_paper_next_record until the ring is empty.
 *   - "engine only": the records are drained and dropped;
 *   - "engine + store": the records go to a sc_trade_store in BATCH mode on
 *     a file in a temp dir, at a simple level of app/backtest_run.c's drain:
 *     a verdict row per VETO record, the order row at the first record of
 *     each order (the intent from the order manager) then an order-event
 *     row per ORDER record, a fill row per FILL event (fee 0: the shadow
 *     tracker that computes it is not run), a kill-switch row per trip. The
 *     final commit (end_run) is inside the timed region. Not done here:
 *     backtest_run.c's second decode of each message (shadow metrics and
 *     blunder analyzer), trades and blunder labels, the progress bar.
 * Engine creation, store open and begin_run, and the end-of-run flatten are
 * outside the timed region. Events/s = messages / timed seconds over all
 * windows; each configuration runs RUNS times: best and median printed.
 * Figures only; nothing fails but missing or unreadable inputs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "core/time.h"
#include "engine/config.h"
#include "engine/paper.h"
#include "store/trade_store.h"

enum { RUNS = 5, WINDOWS = SC_BENCH_USDM_WINDOWS, ERR_TEXT_MAX = 1024, PATH_MAX_ = 4096 };

typedef struct {
    sc_config cfg;
    sc_rulebook_limits limits;
    sc_paper_config pc;
    char dir[PATH_MAX_]; /* the temp dir of the store's file */
    char db[PATH_MAX_ + 16];
} setup;

/* What one pass over one window did. */
typedef struct {
    double secs;
    uint64_t messages;
    uint64_t msg_errors; /* on_message refused (decoder) */
    uint64_t records;
    uint64_t rows;
    uint64_t bars;
    uint64_t decisions;
    uint64_t intents;
    uint64_t fills;
} pass;

/* The store side of a pass. */
typedef struct {
    sc_trade_store *st;
    const sc_paper *paper;
    int64_t run_id;
    int64_t *order_rows; /* by order seq; 0 = not recorded yet */
    size_t order_cap;
    const char *rulebook_hash;
    uint64_t rows;
    bool failed;
    sc_errinfo ei;
} sink;

static void sink_fail(sink *k, const char *what, sc_err e) {
    char buf[ERR_TEXT_MAX];
    if (!k->failed) {
        fprintf(stderr, "bench_backtest: %s: %s: %s\n", what, sc_err_name(e),
                sc_errinfo_format(&k->ei, buf, sizeof(buf)));
    }
    k->failed = true;
}

/* ---- setup ---------------------------------------------------------------------- */

static void setup_engine(setup *s, sc_ns tf_ns) {
    sc_config_defaults(&s->cfg);
    const sc_config_risk *k = &s->cfg.risk;
    s->limits =
        (sc_rulebook_limits){k->position_steps_max,     k->daily_loss_bps_max, k->drawdown_bps_max,
                             k->spread_bps_x100_max,    k->hold_s_min,         k->hold_s_max,
                             k->consecutive_losses_max, k->leverage_x100_max};
    sc_paper_config *pc = &s->pc;
    memset(pc, 0, sizeof(*pc));
    pc->ins = sc_instrument_find("usdm:BTCUSDT");
    pc->params = &s->cfg.params;
    pc->limits = &s->limits;
    pc->start_equity = s->cfg.risk.starting_equity;
    pc->maker_fee_bps_x100 = s->cfg.paper.maker_fee_bps_x100;
    pc->taker_fee_bps_x100 = s->cfg.paper.taker_fee_bps_x100;
    pc->latency_ns = s->cfg.paper.latency_ms * SC_NS_PER_MS;
    pc->jitter_ns = s->cfg.paper.latency_jitter_ms * SC_NS_PER_MS;
    pc->seed = (uint64_t)s->cfg.paper.seed;
    pc->id_prefix = "bt";
    pc->strategy = true;
    pc->tf_ns = tf_ns;
}

/* -1: the data folder is absent (skip); 1: a problem (printed); 0: loaded. */
static int load_windows(const char *dir, sc_bench_capture *ws, size_t *msgs) {
    if (access(dir, R_OK) != 0) {
        printf("bench_backtest: skipped: the shared data folder %s is absent\n", dir);
        return -1;
    }
    if (sc_bench_usdm_windows_load(dir, "bench_backtest", ws) != 0) {
        return 1;
    }
    *msgs = 0;
    for (int w = 0; w < WINDOWS; w++) {
        *msgs += ws[w].n;
    }
    return 0;
}

/* ---- the store's drain ------------------------------------------------------------ */

static int64_t order_row(sink *k, int64_t seq, sc_ns ts_ns) {
    const sc_order_rec *o = sc_order_manager_get(sc_paper_orders(k->paper), seq);
    if (seq <= 0 || o == NULL) {
        sink_fail(k, "an order the engine does not know", SC_ERR_NOT_FOUND);
        return 0;
    }
    if ((size_t)seq >= k->order_cap) {
        size_t n = k->order_cap == 0 ? 1024 : k->order_cap;
        while (n <= (size_t)seq) {
            n *= 2;
        }
        int64_t *p = realloc(k->order_rows, n * sizeof(*p));
        if (p == NULL) {
            sink_fail(k, "order table", SC_ERR_NOMEM);
            return 0;
        }
        memset(p + k->order_cap, 0, (n - k->order_cap) * sizeof(*p));
        k->order_rows = p;
        k->order_cap = n;
    }
    if (k->order_rows[seq] == 0) {
        sc_err e = sc_trade_store_record_order(k->st, k->run_id, seq, &o->intent, ts_ns,
                                               &k->order_rows[seq], &k->ei);
        if (e != SC_OK) {
            sink_fail(k, "recording an order", e);
            return 0;
        }
        k->rows++;
    }
    return k->order_rows[seq];
}

static void store_veto(sink *k, const sc_paper_record *r) {
    sc_veto_verdict v;
    memset(&v, 0, sizeof(v));
    v.level = r->level;
    v.reason = r->reason;
    v.has_values = r->unit != NULL && r->unit[0] != '\0';
    v.value = r->value;
    v.limit = r->limit;
    v.unit = r->unit != NULL ? r->unit : "";
    snprintf(v.detail, sizeof(v.detail), "%s", r->detail);
    snprintf(v.rulebook_hash, sizeof(v.rulebook_hash), "%s", k->rulebook_hash);
    int64_t id = 0;
    sc_err e = sc_trade_store_record_verdict(k->st, k->run_id, 0, r->ts_ns, &v, &id, &k->ei);
    if (e != SC_OK) {
        sink_fail(k, "recording a verdict", e);
    }
    k->rows++;
}

static void store_order(sink *k, const sc_paper_record *r) {
    int64_t oid = order_row(k, r->seq, r->ts_ns);
    if (oid == 0) {
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
    sc_err e = sc_trade_store_record_order_event(k->st, oid, &ev, r->to, &id, &k->ei);
    if (e == SC_OK && r->ev_kind == SC_ORDER_EV_FILL) {
        k->rows++;
        sc_fill_rec f = {oid, r->ts_ns, r->fill_px, r->fill_qty, r->maker, {0}, 0};
        e = sc_trade_store_record_fill(k->st, &f, &id, &k->ei);
    }
    if (e != SC_OK) {
        sink_fail(k, "recording an order event or fill", e);
    }
    k->rows++;
}

static void store_kill(sink *k, const sc_paper_record *r) {
    sc_ks_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SC_KS_EVENT_TRIP;
    ev.trigger = r->trigger;
    ev.ts_ns = r->ts_ns;
    ev.seq = (int64_t)k->rows + 1;
    ev.actions = SC_KS_ACT_BLOCK_ENTRIES | SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN;
    snprintf(ev.reason, sizeof(ev.reason), "bench: %s", sc_ks_trigger_name(r->trigger));
    int64_t id = 0;
    sc_err e = sc_trade_store_record_kill_event(k->st, k->run_id, &ev, &id, &k->ei);
    if (e != SC_OK) {
        sink_fail(k, "recording a kill-switch event", e);
    }
    k->rows++;
}

/* Other record kinds (not-sent, and any the engine adds) are drained and
 * not stored. */
static uint64_t drain(sc_paper *p, sink *k) {
    uint64_t n = 0;
    sc_paper_record r;
    while (sc_paper_next_record(p, &r)) {
        n++;
        if (k == NULL || k->failed) {
            continue;
        }
        if (r.kind == SC_PAPER_REC_VETO) {
            store_veto(k, &r);
        } else if (r.kind == SC_PAPER_REC_ORDER) {
            store_order(k, &r);
        } else if (r.kind == SC_PAPER_REC_KILL_SWITCH) {
            store_kill(k, &r);
        }
    }
    return n;
}

/* ---- one pass -------------------------------------------------------------------- */

static int store_begin(setup *s, sink *k, const sc_paper *p, sc_ns t0_ns) {
    static const char *const k_suffix[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char f[PATH_MAX_ + 32];
        snprintf(f, sizeof(f), "%s%s", s->db, k_suffix[i]);
        if (unlink(f) != 0 && errno != ENOENT) {
            fprintf(stderr, "bench_backtest: %s: %s\n", f, strerror(errno));
            return 1;
        }
    }
    k->paper = p;
    k->rulebook_hash = sc_rulebook_hash(sc_paper_rulebook(p));
    sc_trade_store_config sc;
    memset(&sc, 0, sizeof(sc)); /* batch_records 0: the default batch */
    sc.path = s->db;
    sc.mode = SC_TRADE_STORE_BATCH;
    sc_err e = sc_trade_store_open(&sc, &k->st, &k->ei);
    if (e != SC_OK) {
        sink_fail(k, "opening the store", e);
        return 1;
    }
    sc_run_info ri;
    memset(&ri, 0, sizeof(ri));
    ri.mode = SC_RUN_BACKTEST;
    ri.started_ns = t0_ns;
    ri.version = "bench_backtest";
    ri.rulebook_hash = k->rulebook_hash;
    ri.inputs = "bench";
    ri.seed = s->pc.seed;
    ri.params_version = s->cfg.params.version;
    e = sc_trade_store_begin_run(k->st, &ri, &k->run_id, &k->ei);
    if (e != SC_OK) {
        sink_fail(k, "beginning the run", e);
        return 1;
    }
    return 0;
}

static void feed(sc_paper *p, const sc_bench_capture *w, sink *k, pass *out) {
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    for (size_t i = 0; i < w->n; i++) {
        const sc_bench_msg *m = &w->msgs[i];
        if (sc_paper_on_message(p, m->ts_ns, m->json, m->len, &ei) != SC_OK) {
            out->msg_errors++;
        }
        out->records += drain(p, k);
    }
}

/* One window through a fresh engine (and store when with_store). 0 or 1. */
static int run_window(setup *s, const sc_bench_capture *w, bool with_store, pass *out) {
    sc_paper *p = NULL;
    sc_err e = sc_paper_create(&s->pc, &p);
    if (e != SC_OK) {
        fprintf(stderr, "bench_backtest: sc_paper_create: %s\n", sc_err_name(e));
        return 1;
    }
    sink k;
    memset(&k, 0, sizeof(k));
    int rc = with_store ? store_begin(s, &k, p, w->msgs[0].ts_ns) : 0;
    if (rc == 0) {
        uint64_t t0 = sc_bench_now_ns();
        feed(p, w, with_store ? &k : NULL, out);
        if (with_store && !k.failed) {
            e = sc_trade_store_end_run(k.st, k.run_id, w->msgs[w->n - 1].ts_ns, "ok", &k.ei);
            if (e != SC_OK) {
                sink_fail(&k, "ending the run", e);
            }
        }
        out->secs += (double)(sc_bench_now_ns() - t0) * 1e-9;
        rc = k.failed ? 1 : 0;
    }
    sc_paper_stats st;
    sc_paper_get_stats(p, &st);
    out->messages += w->n;
    out->rows += k.rows;
    out->bars += st.bars;
    out->decisions += st.decisions;
    out->intents += st.intents;
    out->fills += st.fills;
    sc_trade_store_close(k.st);
    free(k.order_rows);
    sc_paper_destroy(p);
    return rc;
}

/* ---- report ----------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

/* RUNS passes over every window; prints best and median; 0 or 1. */
static int measure(setup *s, const sc_bench_capture *ws, bool with_store, const char *label,
                   double *best_out) {
    double secs[RUNS];
    pass last;
    for (int r = 0; r < RUNS; r++) {
        memset(&last, 0, sizeof(last));
        for (int w = 0; w < WINDOWS; w++) {
            if (run_window(s, &ws[w], with_store, &last) != 0) {
                return 1;
            }
        }
        secs[r] = last.secs;
    }
    qsort(secs, RUNS, sizeof(secs[0]), cmp_double);
    double n = (double)last.messages;
    printf("%-28s best %7.3f s %10.0f events/s   median %7.3f s %10.0f events/s\n", label, secs[0],
           n / secs[0], secs[RUNS / 2], n / secs[RUNS / 2]);
    printf("%-28s (%llu messages, %llu refused; %llu candles, %llu decisions, %llu intents, "
           "%llu fills; %llu records, %llu rows stored)\n",
           "", (unsigned long long)last.messages, (unsigned long long)last.msg_errors,
           (unsigned long long)last.bars, (unsigned long long)last.decisions,
           (unsigned long long)last.intents, (unsigned long long)last.fills,
           (unsigned long long)last.records, (unsigned long long)last.rows);
    *best_out = secs[0];
    return 0;
}

static int run_tf(setup *s, const sc_bench_capture *ws, size_t msgs, sc_ns tf_ns, const char *tf) {
    setup_engine(s, tf_ns);
    char label[64];
    double eng = 0.0;
    double sto = 0.0;
    snprintf(label, sizeof(label), "tf %s, engine only:", tf);
    if (measure(s, ws, false, label, &eng) != 0) {
        return 1;
    }
    snprintf(label, sizeof(label), "tf %s, engine + store:", tf);
    if (measure(s, ws, true, label, &sto) != 0) {
        return 1;
    }
    printf("  tf %s: the store costs %.0f ns per message (best vs best); end to end %.2f M "
           "events/s: target >= 1,000,000: %s\n",
           tf, (sto - eng) * 1e9 / (double)msgs, (double)msgs / sto / 1e6,
           (double)msgs / sto >= 1e6 ? "met" : "NOT met");
    return 0;
}

int main(int argc, char **argv) {
    const char *dir = sc_bench_data_dir(argc, argv);
    sc_bench_capture ws[WINDOWS];
    memset(ws, 0, sizeof(ws));
    size_t msgs = 0;
    int rc = load_windows(dir, ws, &msgs);
    setup *s = rc == 0 ? calloc(1, sizeof(*s)) : NULL;
    if (rc == 0 && s == NULL) {
        rc = 1;
    }
    if (rc == 0) {
        const char *tmp = getenv("TMPDIR");
        snprintf(s->dir, sizeof(s->dir), "%s/bench_backtest.XXXXXX",
                 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
        rc = mkdtemp(s->dir) == NULL ? 1 : 0;
        if (rc != 0) {
            fprintf(stderr, "bench_backtest: mkdtemp %s: %s\n", s->dir, strerror(errno));
        }
        snprintf(s->db, sizeof(s->db), "%s/bench.db", s->dir);
    }
    if (rc == 0) {
        sc_bench_print_machine();
        printf("input: %zu messages in %d USD-M windows (in memory); timed: sc_paper_on_message "
               "+ draining its records (+ the store); best and median of %d runs\n",
               msgs, WINDOWS, RUNS);
        rc = run_tf(s, ws, msgs, SC_NS_PER_MIN, "1m");
        rc = rc == 0 ? run_tf(s, ws, msgs, SC_NS_PER_S, "1s") : rc;
        static const char *const k_suffix[] = {"", "-wal", "-shm"};
        for (size_t i = 0; i < 3; i++) {
            char f[PATH_MAX_ + 32];
            snprintf(f, sizeof(f), "%s%s", s->db, k_suffix[i]);
            (void)unlink(f);
        }
        (void)rmdir(s->dir);
    }
    for (int w = 0; w < WINDOWS; w++) {
        sc_bench_capture_free(&ws[w]);
    }
    free(s);
    return rc < 0 ? 0 : rc;
}
