/* bench_decision: wall time per decision of the path features -> strategy
 * -> advisor -> veto gate, one sample per call, on real data.
 *
 * Every sample is one call bracketed by two reads of CLOCK_MONOTONIC
 * (sc_bench_now_ns); the cost of such a pair with nothing between is
 * measured first and printed: it is included in every figure. Samples go
 * to a histogram, exact below 1024 ns and log-linear (1/64 of an octave)
 * above; p50, p99, p99.9 and max are printed in ns. Timed:
 *
 *  A. The whole engine (the headline): sc_paper_on_message over the four
 *     USD-M capture windows in memory, the engine configured as `scalper
 *     backtest` (config defaults, rules advisor) but on 1 s candles so that
 *     many candles close. A message in which a candle closed (the engine's
 *     `bars` counter moved) is one decision-path sample: decode, book, fill
 *     simulator, candle close, features, SMC and regime, strategy, rules
 *     advisor and, when a signal comes, the veto gate and the order
 *     manager. Those with a decision are shown apart, and the other
 *     messages as the baseline the candle's work sits on.
 *  B. sc_decision_path_on_bar alone (features -> SMC -> regime -> strategy
 *     -> rules advisor; no veto gate: the decision path does not call it),
 *     L2 fidelity: the 1 s candles of the same captures with the book
 *     sampled at each close, collected beforehand with engine/capture_bars.
 *  C. The same, bars fidelity, on 1m klines: Binance USD-M (10 days, with
 *     the taker split) and Bybit linear (30 days, a month), as
 *     `scalper signals` runs them.
 *  D. sc_veto_check alone on the intents built from the accepted and
 *     declined entry decisions of B and C (as the paper engine builds
 *     them: LIMIT at the signal's price, GTX or IOC, qty x size fraction,
 *     the advisor's answer), flat position, calm market at the sampled
 *     touch (B) or close (C), start-of-run account. Exits are left out
 *     (their size needs the paper position).
 * Figures only; nothing fails but missing or unreadable inputs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "core/time.h"
#include "engine/capture_bars.h"
#include "engine/config.h"
#include "engine/decision_path.h"
#include "engine/paper.h"
#include "exec/order_manager.h"
#include "market/klines_csv.h"
#include "risk/veto.h"

enum {
    WINDOWS = SC_BENCH_USDM_WINDOWS,
    FILES_MAX = 2,
    PASSES_ENGINE = 5,
    PASSES_L2 = 20,
    PASSES_BARS = 3,
    KLINE_FILES = 2,
    CASES_MAX = 1 << 16,       /* veto cases kept; more are dropped (counted) */
    VETO_SAMPLES_MIN = 200000, /* the cases are replayed until this many samples */
    TIMER_PAIRS = 1000000,
    ERR_TEXT_MAX = 1024,
    PATH_TEXT_MAX = 4096
};

static const char *const k_klines[KLINE_FILES] = {
    "binance_usdm_klines_1m_signalbot/BTCUSDT_PERP_1m_20250606_20250616.csv.zst",
    "bybit_linear_klines_1m_crypto_backtester/BTCUSDT_linear_1m_20250530_20250629.csv.zst",
};
static const char *const k_kline_names[KLINE_FILES] = {"binance usdm 10 d", "bybit linear 30 d"};

/* Candles of one source, with the book at each close (L2) or none. */
typedef struct {
    sc_capture_bar *bars;
    size_t n;
    bool has_split;
} series;

/* One entry decision, ready for the gate. */
typedef struct {
    sc_order_intent intent;
    sc_forbidden_inputs market;
    sc_decision_answer answer;
    sc_decision_verdict verdict;
    sc_ns now_ns;
} veto_case;

typedef struct {
    sc_config cfg;
    sc_rulebook_limits limits; /* the config's [risk], as cmd_backtest builds them */
    const sc_instrument *ins;
    sc_bench_capture ws[WINDOWS];
    series l2[WINDOWS];
    series kl[KLINE_FILES];
    veto_case *cases;
    size_t n_cases;
    uint64_t cases_dropped;
    const sc_capture_bar *cur; /* the bar being taken (for the record callback) */
    bool collect;              /* the callback keeps veto cases */
    uint64_t decisions_seen;   /* DECISION records so far */
    sc_bench_hist h;
    sc_bench_hist h_dec; /* the bars that produced a decision */
} bench;

/* ---- inputs --------------------------------------------------------------------- */

static int load_captures(bench *b, const char *dir) {
    return sc_bench_usdm_windows_load(dir, "bench_decision", b->ws);
}

static int push_bar(series *s, size_t *cap, const sc_capture_bar *bar) {
    if (s->n == *cap) {
        size_t n = *cap == 0 ? 1024 : *cap * 2;
        sc_capture_bar *p = realloc(s->bars, n * sizeof(*p));
        if (p == NULL) {
            fprintf(stderr, "bench_decision: out of memory\n");
            return 1;
        }
        s->bars = p;
        *cap = n;
    }
    s->bars[s->n++] = *bar;
    return 0;
}

/* The 1 s candles of one window with their book samples, as the paper
 * engine's capture_bars makes them. */
static int collect_l2(bench *b, int w) {
    sc_capture_bars_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = b->ins;
    cfg.tf_ns = SC_NS_PER_S;
    sc_capture_bars *cb = NULL;
    if (sc_capture_bars_create(&cfg, &cb) != SC_OK) {
        fprintf(stderr, "bench_decision: sc_capture_bars_create failed\n");
        return 1;
    }
    size_t cap = 0;
    int rc = 0;
    sc_capture_bar bar;
    const sc_bench_capture *c = &b->ws[w];
    for (size_t i = 0; i <= c->n && rc == 0; i++) {
        sc_errinfo ei;
        memset(&ei, 0, sizeof(ei));
        if (i < c->n) {
            (void)sc_capture_bars_on_message(cb, c->msgs[i].ts_ns, c->msgs[i].json, c->msgs[i].len,
                                             &ei); /* refusals: the candles go on */
        } else {
            (void)sc_capture_bars_finish(cb);
        }
        while (rc == 0 && sc_capture_bars_next(cb, &bar)) {
            rc = push_bar(&b->l2[w], &cap, &bar);
        }
    }
    sc_capture_bars_destroy(cb);
    return rc;
}

static int load_klines(bench *b, int k, const char *path) {
    sc_klines_csv_config cfg = {b->ins, SC_NS_PER_MIN, 0};
    sc_klines_csv *rd = NULL;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    char buf[ERR_TEXT_MAX];
    if (sc_klines_csv_open(&cfg, path, &rd, &ei) != SC_OK) {
        fprintf(stderr, "bench_decision: %s\n", sc_errinfo_format(&ei, buf, sizeof(buf)));
        return 1;
    }
    size_t cap = 0;
    int rc = 0;
    sc_capture_bar bar;
    memset(&bar, 0, sizeof(bar));
    for (;;) {
        sc_err e = sc_klines_csv_next(rd, &bar.candle, &ei);
        if (e == SC_ERR_EOF) {
            break;
        }
        if (e == SC_ERR_IO || e == SC_ERR_COMPRESSION) {
            fprintf(stderr, "bench_decision: %s\n", sc_errinfo_format(&ei, buf, sizeof(buf)));
            rc = 1;
            break;
        }
        if (e == SC_OK && (rc = push_bar(&b->kl[k], &cap, &bar)) != 0) {
            break;
        }
    }
    sc_klines_csv_stats st;
    sc_klines_csv_get_stats(rd, &st);
    b->kl[k].has_split = (st.has & SC_CANDLE_HAS_SPLIT) != 0;
    sc_klines_csv_close(rd);
    return rc;
}

/* -1: the data folder is absent (skip); 1: a problem (printed); 0: ready. */
static int load_all(bench *b, const char *dir) {
    if (access(dir, R_OK) != 0) {
        printf("bench_decision: skipped: the shared data folder %s is absent\n", dir);
        return -1;
    }
    if (load_captures(b, dir) != 0) {
        return 1;
    }
    for (int w = 0; w < WINDOWS; w++) {
        if (collect_l2(b, w) != 0) {
            return 1;
        }
    }
    for (int k = 0; k < KLINE_FILES; k++) {
        char path[PATH_TEXT_MAX];
        if (!sc_bench_path(dir, k_klines[k], path, sizeof(path))) {
            fprintf(stderr, "bench_decision: %s: missing or unreadable\n", path);
            return 1;
        }
        if (load_klines(b, k, path) != 0) {
            return 1;
        }
    }
    return 0;
}

/* ---- A. the whole engine ---------------------------------------------------------- */

static sc_paper *engine_create(bench *b) {
    sc_paper_config pc;
    memset(&pc, 0, sizeof(pc));
    pc.ins = b->ins;
    pc.params = &b->cfg.params;
    pc.limits = &b->limits;
    pc.start_equity = b->cfg.risk.starting_equity;
    pc.maker_fee_bps_x100 = b->cfg.paper.maker_fee_bps_x100;
    pc.taker_fee_bps_x100 = b->cfg.paper.taker_fee_bps_x100;
    pc.latency_ns = b->cfg.paper.latency_ms * SC_NS_PER_MS;
    pc.jitter_ns = b->cfg.paper.latency_jitter_ms * SC_NS_PER_MS;
    pc.seed = (uint64_t)b->cfg.paper.seed;
    pc.id_prefix = "bt";
    pc.strategy = true;
    pc.tf_ns = SC_NS_PER_S;
    sc_paper *p = NULL;
    return sc_paper_create(&pc, &p) == SC_OK ? p : NULL;
}

static int run_engine(bench *b) {
    sc_bench_hist *hs = calloc(3, sizeof(*hs)); /* candle closed, with a decision, none */
    if (hs == NULL) {
        return 1;
    }
    for (int pass = 0; pass < PASSES_ENGINE; pass++) {
        for (int w = 0; w < WINDOWS; w++) {
            sc_paper *p = engine_create(b);
            if (p == NULL) {
                fprintf(stderr, "bench_decision: sc_paper_create failed\n");
                free(hs);
                return 1;
            }
            sc_paper_stats s0, s1;
            sc_paper_get_stats(p, &s0);
            sc_errinfo ei;
            sc_paper_record r;
            for (size_t i = 0; i < b->ws[w].n; i++) {
                const sc_bench_msg *m = &b->ws[w].msgs[i];
                uint64_t t0 = sc_bench_now_ns();
                (void)sc_paper_on_message(p, m->ts_ns, m->json, m->len, &ei);
                uint64_t dt = sc_bench_now_ns() - t0;
                sc_paper_get_stats(p, &s1);
                bool bar = s1.bars != s0.bars;
                sc_bench_hist_add(&hs[bar ? 0 : 2], dt);
                if (bar && s1.decisions != s0.decisions) {
                    sc_bench_hist_add(&hs[1], dt);
                }
                s0 = s1;
                while (sc_paper_next_record(p, &r)) {
                }
            }
            sc_paper_destroy(p);
        }
    }
    printf("A. sc_paper_on_message, whole engine, 1s candles (%d passes over %d windows):\n",
           PASSES_ENGINE, WINDOWS);
    sc_bench_hist_print(&hs[0], "  messages closing a candle");
    sc_bench_hist_print(&hs[1], "    of which with a decision");
    sc_bench_hist_print(&hs[2], "  other messages (baseline)");
    printf("  target: decision path p99 <= 5000 ns: %s\n",
           sc_bench_hist_quantile(&hs[0], 0.99) <= 5000 ? "met" : "NOT met");
    free(hs);
    return 0;
}

/* ---- B, C. the decision path alone ----------------------------------------------------- */

static void keep_case(bench *b, const sc_dp_record *rec) {
    const sc_signal *sig = rec->signal;
    if (sig->kind != SC_SIG_ENTER_LONG && sig->kind != SC_SIG_ENTER_SHORT) {
        return;
    }
    if (b->n_cases == CASES_MAX) {
        b->cases_dropped++;
        return;
    }
    veto_case *c = &b->cases[b->n_cases];
    memset(c, 0, sizeof(*c));
    sc_order_intent *it = &c->intent;
    it->side = sig->kind == SC_SIG_ENTER_LONG ? SC_SIDE_BUY : SC_SIDE_SELL;
    it->type = SC_ORD_LIMIT;
    it->tif = sig->style == SC_ENTRY_TAKER ? SC_TIF_IOC : SC_TIF_GTX;
    it->px = sig->entry_px;
    double f = rec->answer->size_fraction > 0.0 ? rec->answer->size_fraction : 1.0;
    double q = floor((double)sig->qty.steps * f);
    it->qty.steps = q < 1.0 ? 1 : (int64_t)q;
    it->purpose = SC_PURPOSE_ENTRY;
    it->stop_px = sig->stop_px;
    it->target_px = sig->target_px;
    it->ts_ns = rec->ts_ns;
    it->params_version = rec->params_version;
    (void)sc_order_client_id_format("bt", it->purpose, (int64_t)b->n_cases + 1, it->client_id,
                                    sizeof(it->client_id));
    const sc_capture_bar *bar = b->cur;
    sc_level bid = {bar->candle.close, {1}};
    sc_level ask = {{bar->candle.close.ticks + 1}, {1}};
    if (bar->sampled && bar->book.top_ok) {
        bid = bar->book.bid;
        ask = bar->book.ask;
    }
    sc_forbidden_inputs_calm(&c->market, bid, ask, rec->ts_ns);
    c->answer = *rec->answer;
    c->verdict = *rec->verdict;
    c->now_ns = rec->ts_ns;
    b->n_cases++;
}

static void on_record(void *ctx, const sc_dp_record *rec) {
    bench *b = ctx;
    b->decisions_seen += rec->kind == SC_DP_REC_DECISION ? 1 : 0;
    if (b->collect && rec->kind == SC_DP_REC_DECISION && rec->position == SC_DECISION_SIDE_FLAT) {
        keep_case(b, rec);
    }
}

/* Passes over the series through fresh decision paths; one sample per bar. */
static int time_path(bench *b, const series *ss, size_t n_series, sc_dp_fidelity fid, int passes,
                     const char *label) {
    sc_bench_hist_clear(&b->h);
    sc_bench_hist_clear(&b->h_dec);
    for (int pass = 0; pass < passes; pass++) {
        b->collect = pass == 0;
        for (size_t w = 0; w < n_series; w++) {
            sc_decision_path_config cfg;
            memset(&cfg, 0, sizeof(cfg));
            cfg.ins = b->ins;
            cfg.params = &b->cfg.params;
            cfg.tf_ns = ss[w].n > 0 ? ss[w].bars[0].candle.tf_ns : SC_NS_PER_S;
            cfg.fidelity = fid;
            cfg.bars_flow = fid == SC_DP_FIDELITY_BARS && ss[w].has_split;
            cfg.on_record = on_record;
            cfg.ctx = b;
            cfg.quiet = true; /* as engine/paper.c: only decisions are read */
            sc_decision_path *dp = NULL;
            if (sc_decision_path_create(&cfg, &dp) != SC_OK) {
                fprintf(stderr, "bench_decision: sc_decision_path_create failed (%s)\n", label);
                return 1;
            }
            sc_errinfo ei;
            for (size_t i = 0; i < ss[w].n; i++) {
                const sc_capture_bar *bar = &ss[w].bars[i];
                const sc_feature_book *book = bar->sampled ? &bar->book : NULL;
                b->cur = bar;
                uint64_t d0 = b->decisions_seen;
                uint64_t t0 = sc_bench_now_ns();
                (void)sc_decision_path_on_bar(dp, &bar->candle, book, &ei);
                uint64_t dt = sc_bench_now_ns() - t0;
                sc_bench_hist_add(&b->h, dt);
                if (b->decisions_seen != d0) {
                    sc_bench_hist_add(&b->h_dec, dt);
                }
            }
            sc_decision_path_destroy(dp);
        }
    }
    char line[96];
    snprintf(line, sizeof(line), "  %s", label);
    sc_bench_hist_print(&b->h, line);
    sc_bench_hist_print(&b->h_dec, "    of which with a decision");
    printf("  target: p99 <= 5000 ns: %s\n",
           sc_bench_hist_quantile(&b->h, 0.99) <= 5000 ? "met" : "NOT met");
    return 0;
}

/* ---- D. the veto gate alone ------------------------------------------------------------ */

static int time_veto(bench *b) {
    sc_rulebook *rb = NULL;
    const sc_config_risk *k = &b->cfg.risk;
    sc_rulebook_config rc = {b->limits};
    if (sc_rulebook_create(&rc, &rb, NULL) != SC_OK) {
        fprintf(stderr, "bench_decision: sc_rulebook_create failed\n");
        return 1;
    }
    sc_sanity_filters filters;
    sc_sanity_filters_default(b->ins, &filters);
    sc_veto_input in;
    memset(&in, 0, sizeof(in));
    in.account =
        (sc_rulebook_account){k->starting_equity, k->starting_equity, k->starting_equity, 0};
    sc_bench_hist_clear(&b->h);
    uint64_t allowed = 0;
    sc_veto_verdict v;
    while (b->n_cases > 0 && b->h.count < VETO_SAMPLES_MIN) {
        for (size_t i = 0; i < b->n_cases; i++) {
            const veto_case *c = &b->cases[i];
            in.intent = &c->intent;
            in.now_ns = c->now_ns;
            in.market = c->market;
            in.ai_answer = &c->answer;
            in.ai_verdict = &c->verdict;
            uint64_t t0 = sc_bench_now_ns();
            bool ok = sc_veto_check(rb, &filters, &b->cfg.params, &in, &v);
            sc_bench_hist_add(&b->h, sc_bench_now_ns() - t0);
            allowed += ok ? 1 : 0;
        }
    }
    printf("D. sc_veto_check alone, on the entry decisions of B and C (%zu intents, %llu dropped; "
           "replayed):\n",
           b->n_cases, (unsigned long long)b->cases_dropped);
    sc_bench_hist_print(&b->h, "  veto gate");
    printf("  %-32s (%.1f %% allowed)\n", "",
           b->h.count > 0 ? 100.0 * (double)allowed / (double)b->h.count : 0.0);
    sc_rulebook_destroy(rb);
    return 0;
}

/* ---- main ---------------------------------------------------------------------------- */

static int run_all(bench *b) {
    sc_bench_timer_overhead(&b->h, TIMER_PAIRS);
    printf("timer: a pair of CLOCK_MONOTONIC reads costs (included in every figure below):\n");
    sc_bench_hist_print(&b->h, "  clock read pair");
    if (run_engine(b) != 0) {
        return 1;
    }
    size_t n_l2 = 0;
    for (int w = 0; w < WINDOWS; w++) {
        n_l2 += b->l2[w].n;
    }
    printf("B. sc_decision_path_on_bar alone, L2 fidelity, %zu 1s candles of the captures "
           "(%d passes):\n",
           n_l2, PASSES_L2);
    if (time_path(b, b->l2, WINDOWS, SC_DP_FIDELITY_L2, PASSES_L2, "l2 book, 1s") != 0) {
        return 1;
    }
    printf("C. sc_decision_path_on_bar alone, bars fidelity, 1m klines (%d passes):\n",
           PASSES_BARS);
    for (int k = 0; k < KLINE_FILES; k++) {
        char label[64];
        snprintf(label, sizeof(label), "bars, %s (%zu)", k_kline_names[k], b->kl[k].n);
        if (time_path(b, &b->kl[k], 1, SC_DP_FIDELITY_BARS, PASSES_BARS, label) != 0) {
            return 1;
        }
    }
    return time_veto(b);
}

int main(int argc, char **argv) {
    const char *dir = sc_bench_data_dir(argc, argv);
    bench *b = calloc(1, sizeof(*b));
    veto_case *cases = calloc(CASES_MAX, sizeof(*cases));
    if (b == NULL || cases == NULL) {
        fprintf(stderr, "bench_decision: out of memory\n");
        free(b);
        free(cases);
        return 1;
    }
    b->cases = cases;
    b->ins = sc_instrument_find("usdm:BTCUSDT");
    sc_config_defaults(&b->cfg);
    const sc_config_risk *k = &b->cfg.risk;
    b->limits =
        (sc_rulebook_limits){k->position_steps_max,     k->daily_loss_bps_max, k->drawdown_bps_max,
                             k->spread_bps_x100_max,    k->hold_s_min,         k->hold_s_max,
                             k->consecutive_losses_max, k->leverage_x100_max};
    int rc = load_all(b, dir);
    if (rc == 0) {
        sc_bench_print_machine();
        rc = run_all(b);
    }
    for (int w = 0; w < WINDOWS; w++) {
        sc_bench_capture_free(&b->ws[w]);
        free(b->l2[w].bars);
    }
    for (int i = 0; i < KLINE_FILES; i++) {
        free(b->kl[i].bars);
    }
    free(cases);
    free(b);
    return rc < 0 ? 0 : rc;
}
