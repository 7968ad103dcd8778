/* Seeded property test of the risk hierarchy and the paper execution
 * (engine/paper.h): thousands of short random sessions, each a synthetic
 * BTCUSDT market built by hand (a snapshot, then depth diffs with a
 * consistent pu chain, trades at the touch, marks with funding) with stress
 * paths (a 10 % crash within one second, spread blowouts, a frozen feed,
 * sequence gaps healed by a new snapshot, funding spikes), and an
 * adversarial advisor behind the real sc_advisor driver (maximum size,
 * random sides, garbage, late answers). After every event:
 *   - |position| <= 0.5 BTC;
 *   - an entry that left: leverage after it <= 3x at its price, the day's
 *     loss and the drawdown below their limits, fewer than 5 losses in a
 *     row, the kill switch not tripped before it;
 *   - a position is never held past 5 min plus the exit grace;
 *   - every order step is a legal cell of the transition table;
 *   - every veto carries a level and a reason of that level.
 * At the end of a session whose kill switch tripped: flat, no live order.
 *
 * SC_PROPERTY_SESSIONS sets the number of sessions (default 10000);
 * SC_PROPERTY_SEED runs that one seed (a failure prints it). */
#include "support/support.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/advisor.h"
#include "core/instrument.h"
#include "core/limits.h"
#include "core/rng.h"
#include "engine/paper.h"

enum { SESSIONS_DEFAULT = 10000, EVENTS = 300, LEVELS = 5, SEED_BASE = 0x5ca1, ADV_BUF = 512 };
#define MID0_TICKS INT64_C(600000) /* 60 000 USDT */
#define HOLD_GRACE_NS (10 * SC_NS_PER_S)
#define T0_NS (INT64_C(1723100000) * SC_NS_PER_S) /* 2024-08-08, away from funding */

typedef struct {
    sc_rng rng;
    int mode;     /* what the next answer is */
    bool pending; /* asynchronous: answered at answer_ns */
    sc_ns answer_ns;
    char buf[ADV_BUF];
    size_t len;
} adversary;

typedef struct {
    uint64_t seed;
    sc_rng rng;
    sc_paper *p;
    sc_advisor *adv;
    adversary ad;
    sc_params prm;
    sc_ns t;
    int64_t mid;
    int64_t half;
    int64_t last_u;
    bool gap_open;
    sc_level bids[2 * LEVELS];
    sc_level asks[2 * LEVELS];
    int64_t prev_bid;
    int64_t prev_ask;
    bool tripped;
    bool have_pend;
    sc_signal pend_sig;
    int64_t req_id;
} session;

#define PCHECK(s, cond)                                                                            \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            print_message("property failed: %s (seed %" PRIu64 ", t %" PRId64                      \
                          "); replay with SC_PROPERTY_SEED=%" PRIu64 "\n",                         \
                          #cond, (s)->seed, (s)->t, (s)->seed);                                    \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* ---- the adversarial advisor ------------------------------------------------- */

static void adv_answer(adversary *a) {
    static const char *const acts[] = {"enter_long", "enter_short", "exit", "hold", "skip"};
    uint64_t k = sc_rng_below(&a->rng, 10);
    if (k < 2) { /* garbage */
        static const char *const junk[] = {"",
                                           "{",
                                           "null",
                                           "{\"action\":\"buy\"}",
                                           "{\"action\":\"enter_long\",\"confidence\":1e999}",
                                           "[1,2,3]",
                                           "\xff\xfe"};
        const char *j = junk[sc_rng_below(&a->rng, sizeof(junk) / sizeof(junk[0]))];
        a->len = (size_t)snprintf(a->buf, sizeof(a->buf), "%s", j);
        return;
    }
    const char *act = k < 8 ? acts[sc_rng_below(&a->rng, 2)] : acts[2 + sc_rng_below(&a->rng, 3)];
    a->len =
        (size_t)snprintf(a->buf, sizeof(a->buf),
                         "{\"action\":\"%s\",\"confidence\":1,\"size_fraction\":1,"
                         "\"sl_bps\":%d,\"tp_bps\":%d,\"ttl_ms\":3600000,\"reason\":\"max\"}",
                         act, (int)sc_rng_below(&a->rng, 10001), (int)sc_rng_below(&a->rng, 10001));
}

static sc_advisor_status adv_ask(void *ctx, const sc_decision_request *req, const sc_params *active,
                                 sc_ns deadline_ns, sc_advisor_reply *reply) {
    adversary *a = ctx;
    (void)req;
    (void)active;
    adv_answer(a);
    a->mode = (int)sc_rng_below(&a->rng, 4);
    if (a->mode == 0) { /* late or on time, later */
        a->pending = true;
        sc_ns span = deadline_ns - req->ts_ns;
        a->answer_ns = req->ts_ns + (sc_ns)sc_rng_below(&a->rng, (uint64_t)(3 * span + 1));
        return SC_ADVISOR_PENDING;
    }
    if (a->mode == 1 && sc_rng_below(&a->rng, 4) == 0) {
        return SC_ADVISOR_FAILED;
    }
    reply->json = a->buf;
    reply->len = a->len;
    return SC_ADVISOR_ANSWERED;
}

static sc_advisor_status adv_poll(void *ctx, sc_ns now_ns, sc_advisor_reply *reply) {
    adversary *a = ctx;
    if (!a->pending || now_ns < a->answer_ns) {
        return SC_ADVISOR_PENDING;
    }
    a->pending = false;
    reply->json = a->buf;
    reply->len = a->len;
    return SC_ADVISOR_ANSWERED;
}

static void adv_cancel(void *ctx) {
    adversary *a = ctx;
    a->pending = false;
}

static const sc_advisor_vtable k_adv_vt = {"adversary", adv_ask, adv_poll, adv_cancel};

/* ---- checks ---------------------------------------------------------------------- */

static void check_entry(session *s, const sc_paper_record *r) {
    sc_risk_metrics_snapshot m;
    sc_paper_metrics(s->p, &m);
    PCHECK(s, !s->tripped);
    PCHECK(s, m.daily_loss_bps < SC_LIMIT_MAX_DAILY_LOSS_BPS);
    PCHECK(s, m.drawdown_bps < SC_LIMIT_MAX_DRAWDOWN_BPS);
    PCHECK(s, m.consecutive_losses < SC_LIMIT_MAX_CONSECUTIVE_LOSSES);
    int64_t q =
        sc_paper_position(s->p).qty_steps + (r->side == SC_SIDE_BUY ? 1 : -1) * r->qty.steps;
    q = q < 0 ? -q : q;
    PCHECK(s, q <= SC_LIMIT_MAX_POSITION_STEPS);
    /* notional e8 = ticks x steps x 1e4 on usdm:BTCUSDT; at most 3x equity */
    PCHECK(s, r->px.ticks > 0 && r->px.ticks < INT64_C(1000000000));
    int64_t notional = q * r->px.ticks * 10000;
    PCHECK(s, notional * 100 <= m.equity.e8 * SC_LIMIT_MAX_LEVERAGE_X100);
}

static void check_records(session *s) {
    sc_paper_record r;
    while (sc_paper_next_record(s->p, &r)) {
        if (r.kind == SC_PAPER_REC_KILL_SWITCH) {
            s->tripped = true;
        } else if (r.kind == SC_PAPER_REC_VETO) {
            PCHECK(s, r.reason != SC_VETO_R_OK && r.level != SC_VETO_LEVEL_NONE);
            PCHECK(s, sc_veto_reason_level(r.reason) == r.level && r.detail[0] != '\0');
        } else if (r.kind == SC_PAPER_REC_ORDER) {
            sc_order_cell c = sc_order_manager_cell(r.from, r.col);
            PCHECK(s, c.kind != SC_ORDER_CELL_ILLEGAL);
            PCHECK(s, c.kind == SC_ORDER_CELL_STALE || r.to == c.next ||
                          (c.kind == SC_ORDER_CELL_ANOMALY && r.to == r.from));
            if (r.ev_kind == SC_ORDER_EV_SUBMIT_SENT && r.purpose == SC_PURPOSE_ENTRY) {
                check_entry(s, &r);
            }
        }
    }
    sc_position pos = sc_paper_position(s->p);
    int64_t a = pos.qty_steps < 0 ? -pos.qty_steps : pos.qty_steps;
    PCHECK(s, a <= SC_LIMIT_MAX_POSITION_STEPS);
    PCHECK(s, pos.qty_steps == 0 || s->t - pos.opened_ns <= SC_LIMIT_MAX_HOLD_NS + HOLD_GRACE_NS);
}

/* ---- the synthetic market ------------------------------------------------------- */

static void levels(session *s, sc_level *b, sc_level *a, uint32_t *nb, uint32_t *na) {
    int64_t bid = s->mid - s->half;
    int64_t ask = s->mid + s->half;
    *nb = 0;
    *na = 0;
    for (int i = 0; i < LEVELS; i++) {
        b[(*nb)++] = (sc_level){{bid - i}, {(int64_t)(1 + sc_rng_below(&s->rng, 3000))}};
        a[(*na)++] = (sc_level){{ask + i}, {(int64_t)(1 + sc_rng_below(&s->rng, 3000))}};
    }
    /* the old levels that the new ones do not cover are deleted */
    for (int i = 0; i < LEVELS; i++) {
        int64_t ob = s->prev_bid - i;
        int64_t oa = s->prev_ask + i;
        if (s->prev_bid > 0 && (ob > bid || ob <= bid - LEVELS)) {
            b[(*nb)++] = (sc_level){{ob}, {0}};
        }
        if (s->prev_ask > 0 && (oa < ask || oa >= ask + LEVELS)) {
            a[(*na)++] = (sc_level){{oa}, {0}};
        }
    }
    s->prev_bid = bid;
    s->prev_ask = ask;
}

static void snapshot(session *s) {
    sc_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SC_EV_SNAPSHOT;
    ev.ts_local_ns = s->t;
    s->last_u += 10;
    uint32_t nb = 0;
    uint32_t na = 0;
    s->prev_bid = 0;
    s->prev_ask = 0;
    levels(s, s->bids, s->asks, &nb, &na);
    ev.u.snapshot = (sc_snapshot){s->last_u, s->t, s->t, s->bids, s->asks, nb, na};
    sc_paper_on_event(s->p, &ev);
    /* the bridging diff */
    memset(&ev, 0, sizeof(ev));
    ev.kind = SC_EV_DEPTH;
    ev.ts_local_ns = s->t;
    ev.u.depth =
        (sc_depth){s->t, s->t, s->last_u, s->last_u + 1, s->last_u - 1, s->bids, s->asks, 0, 0};
    s->last_u++;
    sc_paper_on_event(s->p, &ev);
    s->gap_open = false;
}

static void depth(session *s, bool gap) {
    sc_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SC_EV_DEPTH;
    ev.ts_local_ns = s->t;
    uint32_t nb = 0;
    uint32_t na = 0;
    levels(s, s->bids, s->asks, &nb, &na);
    int64_t pu = gap ? s->last_u + 5 : s->last_u;
    ev.u.depth = (sc_depth){s->t, s->t, pu + 1, pu + 2, pu, s->bids, s->asks, nb, na};
    s->last_u = pu + 2;
    s->gap_open = s->gap_open || gap;
    sc_paper_on_event(s->p, &ev);
}

static void trade(session *s) {
    sc_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SC_EV_TRADE;
    ev.ts_local_ns = s->t;
    bool buy = sc_rng_below(&s->rng, 2) == 0;
    int64_t px = buy ? s->mid + s->half : s->mid - s->half;
    px += (int64_t)sc_rng_below(&s->rng, 3) - 1; /* sometimes through the touch */
    ev.u.trade = (sc_trade){s->req_id,
                            s->req_id,
                            s->req_id,
                            s->t,
                            s->t,
                            {px},
                            {(int64_t)(1 + sc_rng_below(&s->rng, 2000))},
                            buy ? SC_SIDE_BUY : SC_SIDE_SELL,
                            SC_TRADE_MARKET};
    sc_paper_on_event(s->p, &ev);
}

static void mark(session *s, bool spike) {
    sc_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SC_EV_MARK_PRICE;
    ev.ts_local_ns = s->t;
    int64_t rate = spike ? (int64_t)sc_rng_below(&s->rng, 1000001) - 500000 : 100;
    sc_ns next = spike ? s->t + (sc_ns)sc_rng_below(&s->rng, 3) * SC_NS_PER_S
                       : (s->t / SC_NS_PER_S / 28800 + 1) * 28800 * SC_NS_PER_S;
    ev.u.mark = (sc_mark_price){s->t, {s->mid * 10000000}, {s->mid * 10000000}, {rate}, next};
    sc_paper_on_event(s->p, &ev);
}

/* ---- decisions --------------------------------------------------------------------- */

static void make_signal(session *s, sc_signal *sig) {
    memset(sig, 0, sizeof(*sig));
    uint64_t k = sc_rng_below(&s->rng, 4);
    sig->ts_ns = s->t;
    sig->params_version = s->prm.version;
    sig->n_reasons = 1;
    snprintf(sig->reasons[0].text, sizeof(sig->reasons[0].text), "property");
    sig->reasons[0].contribution = 1.0;
    if (k == 3) {
        sig->kind = SC_SIG_EXIT;
        sig->exit_reason = (sc_exit_reason)(1 + sc_rng_below(&s->rng, 5));
        sig->entry_px.ticks = s->mid;
        return;
    }
    bool lng = sc_rng_below(&s->rng, 2) == 0;
    sig->kind = lng ? SC_SIG_ENTER_LONG : SC_SIG_ENTER_SHORT;
    sig->score = 1.0;
    sig->style = sc_rng_below(&s->rng, 3) == 0 ? SC_ENTRY_TAKER : SC_ENTRY_MAKER;
    int64_t touch = lng ? s->mid - s->half : s->mid + s->half;
    if (sig->style == SC_ENTRY_TAKER) {
        touch = lng ? s->mid + s->half : s->mid - s->half;
    }
    sig->entry_px.ticks = touch;
    sig->qty.steps = (int64_t)(1 + sc_rng_below(&s->rng, 600)); /* may exceed the cap */
    int64_t d = touch * 12 / 10000;
    bool garbage = sc_rng_below(&s->rng, 10) == 0;
    sig->stop_px.ticks = garbage ? 0 : (lng ? touch - d : touch + d);
    sig->target_px.ticks = lng ? touch + 2 * d : touch - 2 * d;
    sig->max_hold_ns = 180 * SC_NS_PER_S;
}

static void ask(session *s) {
    if (sc_advisor_pending(s->adv)) {
        return;
    }
    sc_signal sig;
    make_signal(s, &sig);
    sc_decision_request req;
    sc_decision_request_init(&req, ++s->req_id, s->t, s->prm.version);
    req.signal = sig;
    sc_position pos = sc_paper_position(s->p);
    req.position.side = pos.qty_steps > 0   ? SC_DECISION_SIDE_LONG
                        : pos.qty_steps < 0 ? SC_DECISION_SIDE_SHORT
                                            : SC_DECISION_SIDE_FLAT;
    req.position.qty.steps = pos.qty_steps < 0 ? -pos.qty_steps : pos.qty_steps;
    req.position.entry_px.ticks = pos.qty_steps != 0 ? pos.cost_ticks_steps / pos.qty_steps : 0;
    sc_decision_answer ans;
    sc_decision_verdict why;
    if (sc_advisor_ask(s->adv, &req, &s->prm, &ans, &why) == SC_ADVISOR_DECIDED) {
        sc_paper_on_decision(s->p, s->t, &sig, &ans, &why);
        return;
    }
    s->have_pend = true;
    s->pend_sig = sig;
}

static void poll(session *s) {
    if (!s->have_pend) {
        return;
    }
    sc_decision_answer ans;
    sc_decision_verdict why;
    if (sc_advisor_poll(s->adv, s->t, &ans, &why) == SC_ADVISOR_DECIDED) {
        s->have_pend = false;
        sc_paper_on_decision(s->p, s->t, &s->pend_sig, &ans, &why);
    }
}

/* ---- one session ------------------------------------------------------------------ */

static void step(session *s, int i, int *crash_left, int *blowout_left) {
    uint64_t k = sc_rng_below(&s->rng, 100);
    s->t += (sc_ns)(1 + sc_rng_below(&s->rng, 200)) * SC_NS_PER_MS;
    if (*crash_left > 0) { /* 10 % down within one second, in ten steps */
        s->mid -= MID0_TICKS / 100;
        (*crash_left)--;
    } else {
        s->mid += (int64_t)sc_rng_below(&s->rng, 7) - 3;
    }
    if (*blowout_left > 0 && --(*blowout_left) == 0) {
        s->half = 1;
    }
    if (k < 2 && *crash_left == 0) {
        *crash_left = 10;
    } else if (k < 4) {
        s->half = 20 + (int64_t)sc_rng_below(&s->rng, 200); /* spread blowout */
        *blowout_left = 5 + (int)sc_rng_below(&s->rng, 20);
    } else if (k < 6) { /* frozen feed: timers only */
        for (int j = 0; j < 5; j++) {
            s->t += (sc_ns)sc_rng_below(&s->rng, SC_NS_PER_S);
            sc_paper_on_timer(s->p, s->t);
            check_records(s);
        }
    } else if (k < 8) {
        depth(s, true); /* sequence gap */
    } else if (k < 10) {
        mark(s, true); /* funding spike */
    } else if (k == 10 && i > EVENTS / 2 && sc_rng_below(&s->rng, 8) == 0) {
        sc_paper_kill(s->p, s->t, "property: operator trip");
    }
    if (s->gap_open && sc_rng_below(&s->rng, 3) == 0) {
        snapshot(s);
    }
    uint64_t m = sc_rng_below(&s->rng, 10);
    if (m < 4) {
        depth(s, false);
    } else if (m < 7) {
        trade(s);
    } else if (m < 8) {
        mark(s, false);
    } else {
        ask(s);
    }
    poll(s);
    check_records(s);
}

static void session_run(uint64_t seed, sc_paper_stats *tot) {
    session s;
    memset(&s, 0, sizeof(s));
    s.seed = seed;
    sc_rng_seed(&s.rng, seed);
    sc_rng_seed(&s.ad.rng, seed ^ UINT64_C(0x9e3779b97f4a7c15));
    sc_params_defaults(&s.prm);
    s.prm.v[SC_P_FORBID_VOL_WINDOW_S] = 1;
    s.prm.v[SC_P_FORBID_THIN_TOP_STEPS] = 0;
    sc_paper_config c;
    memset(&c, 0, sizeof(c));
    c.ins = sc_instrument_find("usdm:BTCUSDT");
    c.params = &s.prm;
    /* 2 000 .. 200 000 USDT: small accounts make leverage and losses bind */
    c.start_equity.e8 = (int64_t)(2000 + sc_rng_below(&s.rng, 198001)) * INT64_C(100000000);
    c.maker_fee_bps_x100 = 200;
    c.taker_fee_bps_x100 = 500;
    c.latency_ns = (sc_ns)(1 + sc_rng_below(&s.rng, 20)) * SC_NS_PER_MS;
    c.jitter_ns = 5 * SC_NS_PER_MS;
    c.seed = seed;
    c.id_prefix = "prop";
    c.book_window_ticks = 1u << 12;
    assert_int_equal(sc_paper_create(&c, &s.p), SC_OK);
    sc_advisor_config ac = {&k_adv_vt, &s.ad};
    assert_int_equal(sc_advisor_create(&ac, &s.adv), SC_OK);
    s.t = T0_NS + (sc_ns)sc_rng_below(&s.rng, 3600) * SC_NS_PER_S;
    s.mid = MID0_TICKS;
    s.half = 1;
    s.last_u = 1000;
    mark(&s, false);
    snapshot(&s);
    int crash_left = 0;
    int blowout_left = 0;
    for (int i = 0; i < EVENTS; i++) {
        step(&s, i, &crash_left, &blowout_left);
    }
    if (s.tripped) { /* the kill switch always ends flat */
        s.half = 1;
        snapshot(&s);
        for (int j = 0; j < 20; j++) {
            s.t += 100 * SC_NS_PER_MS;
            depth(&s, false);
            check_records(&s);
        }
        PCHECK(&s, sc_paper_position(s.p).qty_steps == 0);
        PCHECK(&s, sc_paper_live_orders(s.p) == 0);
    }
    sc_paper_stats st;
    sc_paper_get_stats(s.p, &st);
    tot->entries_filled += st.entries_filled;
    tot->fills += st.fills;
    tot->vetoed += st.vetoed;
    tot->allowed += st.allowed;
    tot->ks_trips += st.ks_trips;
    tot->protective += st.protective;
    tot->flattens += st.flattens;
    for (int l = 0; l < SC_VETO_LEVEL_COUNT; l++) {
        tot->vetoed_by_level[l] += st.vetoed_by_level[l];
    }
    sc_advisor_destroy(s.adv);
    sc_paper_destroy(s.p);
}

static uint64_t env_u64(const char *name, uint64_t def, bool *set) {
    const char *v = getenv(name);
    *set = v != NULL && v[0] != '\0';
    if (!*set) {
        return def;
    }
    char *end = NULL;
    unsigned long long x = strtoull(v, &end, 0);
    assert_true(end != NULL && *end == '\0');
    return (uint64_t)x;
}

static void test_risk_sessions(void **state) {
    (void)state;
    bool one = false;
    bool set = false;
    uint64_t seed = env_u64("SC_PROPERTY_SEED", 0, &one);
    uint64_t n = env_u64("SC_PROPERTY_SESSIONS", SESSIONS_DEFAULT, &set);
    sc_paper_stats t;
    memset(&t, 0, sizeof(t));
    if (one) {
        session_run(seed, &t);
        return;
    }
    for (uint64_t i = 0; i < n; i++) {
        session_run(SEED_BASE + i, &t);
    }
    print_message("risk properties: %" PRIu64 " sessions of %d events held; allowed %" PRIu64
                  " vetoed %" PRIu64 " (ks %" PRIu64 " forbidden %" PRIu64 " rulebook %" PRIu64
                  " sanity %" PRIu64 " ai %" PRIu64 ") fills %" PRIu64 " entries filled %" PRIu64
                  " protective %" PRIu64 " flattens %" PRIu64 " trips %" PRIu64 "\n",
                  n, EVENTS, t.allowed, t.vetoed, t.vetoed_by_level[1], t.vetoed_by_level[2],
                  t.vetoed_by_level[3], t.vetoed_by_level[4], t.vetoed_by_level[5], t.fills,
                  t.entries_filled, t.protective, t.flattens, t.ks_trips);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_risk_sessions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
