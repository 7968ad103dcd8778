/* replay.c: decoder -> book -> tape, and the BBO agreement check. */
#include "engine/replay.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "core/ring.h"
#include "market/decoder.h"
#include "market/tape.h"

/* The best levels right after an applied diff. */
typedef struct {
    int64_t u;
    sc_level bid;
    sc_level ask;
    bool bid_ok;
    bool ask_ok;
} bbo_rec;

/* A bookTicker waiting for the diff with its u. */
typedef struct {
    sc_book_ticker bt;
    const char *source;
    int64_t line;
} pending_bt;

struct sc_replay {
    const sc_instrument *ins;
    sc_decoder *dec;
    sc_book *book;
    sc_tape *tape;
    sc_ring *history; /* bbo_rec, u increasing */
    sc_ring *pending; /* pending_bt, u increasing */
    sc_replay_summary sum;
    uint32_t n_problems;
    char problems[SC_REPLAY_PROBLEMS_MAX][SC_REPLAY_PROBLEM_TEXT_MAX];
};

static sc_err make_rings(sc_replay *r) {
    sc_ring_config hc = {sizeof(bbo_rec), SC_REPLAY_BBO_HISTORY};
    sc_ring_config pc = {sizeof(pending_bt), SC_REPLAY_BBO_PENDING};
    sc_err e = sc_ring_create(&hc, &r->history);
    if (e == SC_OK) {
        e = sc_ring_create(&pc, &r->pending);
    }
    return e;
}

sc_err sc_replay_create(const sc_replay_config *cfg, sc_replay **out) {
    if (cfg == NULL || out == NULL || cfg->ins == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    sc_replay *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return SC_ERR_NOMEM;
    }
    r->ins = cfg->ins;
    sc_decoder_config dc = {cfg->ins, 0};
    sc_book_config bc = cfg->book;
    bc.ins = cfg->ins;
    sc_tape_config tc = {cfg->ins, 0, 0};
    sc_err e = sc_decoder_create(&dc, &r->dec);
    if (e == SC_OK) {
        e = sc_book_create(&bc, &r->book);
    }
    if (e == SC_OK) {
        e = sc_tape_create(&tc, &r->tape);
    }
    if (e == SC_OK) {
        e = make_rings(r);
    }
    if (e != SC_OK) {
        sc_replay_destroy(r);
        return e;
    }
    *out = r;
    return SC_OK;
}

void sc_replay_destroy(sc_replay *r) {
    if (r == NULL) {
        return;
    }
    sc_decoder_destroy(r->dec);
    sc_book_destroy(r->book);
    sc_tape_destroy(r->tape);
    sc_ring_destroy(r->history);
    sc_ring_destroy(r->pending);
    free(r);
}

static void problem(sc_replay *r, const char *source, int64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(sc_replay *r, const char *source, int64_t line, const char *fmt, ...) {
    if (r->n_problems >= SC_REPLAY_PROBLEMS_MAX) {
        return; /* counted by the caller's counters; details are bounded */
    }
    char *dst = r->problems[r->n_problems++];
    int n = snprintf(dst, SC_REPLAY_PROBLEM_TEXT_MAX, "%s:%lld: ", source ? source : "<input>",
                     (long long)line);
    if (n < 0 || n >= SC_REPLAY_PROBLEM_TEXT_MAX) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst + n, (size_t)(SC_REPLAY_PROBLEM_TEXT_MAX - n), fmt, ap);
    va_end(ap);
}

static void level_text(const sc_instrument *ins, bool ok, sc_level l, char *buf, size_t cap) {
    if (!ok) {
        snprintf(buf, cap, "(empty)");
        return;
    }
    char px[40];
    char qty[40];
    sc_px_format(ins, l.px, px, sizeof(px));
    sc_qty_format(ins, l.qty, qty, sizeof(qty));
    snprintf(buf, cap, "%s x %s", px, qty);
}

static bool level_eq(bool ok, sc_level a, sc_level b) {
    return ok && a.px.ticks == b.px.ticks && a.qty.steps == b.qty.steps;
}

static void compare_bbo(sc_replay *r, const bbo_rec *rec, const pending_bt *p) {
    SC_ASSERT(rec->u == p->bt.update_id);
    r->sum.bbo_checked++;
    if (level_eq(rec->bid_ok, rec->bid, p->bt.bid) && level_eq(rec->ask_ok, rec->ask, p->bt.ask)) {
        return;
    }
    r->sum.bbo_mismatch++;
    char ob[96], oa[96], tb[96], ta[96];
    level_text(r->ins, rec->bid_ok, rec->bid, ob, sizeof(ob));
    level_text(r->ins, rec->ask_ok, rec->ask, oa, sizeof(oa));
    level_text(r->ins, true, p->bt.bid, tb, sizeof(tb));
    level_text(r->ins, true, p->bt.ask, ta, sizeof(ta));
    problem(r, p->source, p->line,
            "BBO mismatch at u=%lld: book bid %s / ask %s, bookTicker bid %s / ask %s",
            (long long)rec->u, ob, oa, tb, ta);
}

static bbo_rec current_bbo(const sc_replay *r) {
    bbo_rec rec;
    memset(&rec, 0, sizeof(rec));
    rec.u = sc_book_last_update_id(r->book);
    rec.bid_ok = sc_book_best(r->book, SC_SIDE_BUY, &rec.bid) == SC_OK;
    rec.ask_ok = sc_book_best(r->book, SC_SIDE_SELL, &rec.ask) == SC_OK;
    return rec;
}

/* Called after every applied diff or snapshot while the book is in sync. */
static void on_book_advanced(sc_replay *r) {
    SC_ASSERT(sc_book_is_synced(r->book));
    bbo_rec rec = current_bbo(r);
    if (sc_ring_len(r->history) == sc_ring_capacity(r->history)) {
        sc_ring_pop(r->history, NULL);
    }
    const bbo_rec *newest = sc_ring_at(r->history, sc_ring_len(r->history) - 1);
    SC_ASSERT(newest == NULL || newest->u < rec.u || sc_ring_len(r->history) == 0);
    sc_ring_push(r->history, &rec);
    /* Tickers that waited for this diff, or that no diff will ever match. */
    pending_bt *p;
    while ((p = sc_ring_at(r->pending, 0)) != NULL && p->bt.update_id <= rec.u) {
        if (p->bt.update_id == rec.u) {
            compare_bbo(r, &rec, p);
        } else {
            r->sum.bbo_unmatched++;
        }
        sc_ring_pop(r->pending, NULL);
    }
}

static const bbo_rec *history_find(const sc_replay *r, int64_t u) {
    size_t lo = 0;
    size_t hi = sc_ring_len(r->history);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const bbo_rec *m = sc_ring_at(r->history, mid);
        if (m->u == u) {
            return m;
        }
        if (m->u < u) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

static void on_book_ticker(sc_replay *r, const sc_book_ticker *bt, const char *src, int64_t line) {
    r->sum.book_ticker++;
    if (!sc_book_is_synced(r->book)) {
        r->sum.bbo_unsynced++; /* never compared against a stale book */
        return;
    }
    pending_bt p = {*bt, src, line};
    int64_t last_u = sc_book_last_update_id(r->book);
    if (bt->update_id > last_u) {
        if (sc_ring_push(r->pending, &p) == SC_ERR_FULL) {
            sc_ring_pop(r->pending, NULL);
            r->sum.bbo_unmatched++;
            sc_ring_push(r->pending, &p);
        }
        return;
    }
    const bbo_rec *rec = history_find(r, bt->update_id);
    if (rec == NULL) {
        r->sum.bbo_unmatched++;
        return;
    }
    compare_bbo(r, rec, &p);
}

static void on_depth(sc_replay *r, const sc_depth *d, const char *src, int64_t line) {
    r->sum.depth_updates++;
    int64_t before_u = sc_book_last_update_id(r->book);
    sc_book_stats before;
    sc_book_get_stats(r->book, &before);
    sc_book_result res;
    sc_err e = sc_book_on_depth(r->book, d, &res);
    SC_ASSERT(e == SC_OK);
    switch (res) {
    case SC_BOOK_APPLIED:
        on_book_advanced(r);
        break;
    case SC_BOOK_GAP:
        problem(r, src, line,
                "sequence gap: diff U=%lld u=%lld pu=%lld after last applied u=%lld; book out "
                "of sync until the next snapshot",
                (long long)d->first_id, (long long)d->final_id, (long long)d->prev_final_id,
                (long long)before_u);
        break;
    case SC_BOOK_CROSSED:
        problem(r, src, line, "book crossed after diff u=%lld; taken out of sync",
                (long long)d->final_id);
        break;
    case SC_BOOK_OVERFLOW: {
        sc_book_stats after;
        sc_book_get_stats(r->book, &after);
        if (after.far_overflows > before.far_overflows) {
            problem(r, src, line, "far-level store full: book taken out of sync (fail closed)");
        } else {
            problem(r, src, line, "diff buffer full while waiting for a snapshot; oldest dropped");
        }
        break;
    }
    case SC_BOOK_BUFFERED:
    case SC_BOOK_STALE:
    case SC_BOOK_SNAPSHOT_OLD:
        break;
    }
}

static void on_snapshot(sc_replay *r, const sc_snapshot *s, const char *src, int64_t line) {
    r->sum.snapshots++;
    sc_book_result res;
    sc_err e = sc_book_on_snapshot(r->book, s, &res);
    SC_ASSERT(e == SC_OK);
    if (res == SC_BOOK_APPLIED && sc_book_is_synced(r->book)) {
        on_book_advanced(r);
    } else if (res == SC_BOOK_SNAPSHOT_OLD) {
        problem(r, src, line,
                "snapshot lastUpdateId=%lld is older than every buffered diff; waiting for "
                "another",
                (long long)s->last_update_id);
    } else if (res == SC_BOOK_CROSSED) {
        problem(r, src, line, "book crossed after snapshot lastUpdateId=%lld",
                (long long)s->last_update_id);
    }
}

static void on_trade(sc_replay *r, const sc_trade *t, bool is_agg) {
    r->sum.trades++;
    sc_trade agg;
    bool ready = false;
    sc_err e = sc_tape_on_trade(r->tape, t, &agg, &ready);
    SC_ASSERT(e == SC_OK);
    if (is_agg) {
        r->sum.agg_trades++;
    } else if (ready) {
        r->sum.agg_trades++;
    }
}

static void note_time(sc_replay *r, const sc_event *ev) {
    sc_ns t = 0;
    switch (ev->kind) {
    case SC_EV_DEPTH:
        t = ev->u.depth.ts_exch_ns;
        break;
    case SC_EV_BOOK_TICKER:
        t = ev->u.book_ticker.ts_exch_ns;
        break;
    case SC_EV_TRADE:
    case SC_EV_AGG_TRADE:
        t = ev->u.trade.ts_exch_ns;
        break;
    case SC_EV_MARK_PRICE:
        t = ev->u.mark.ts_exch_ns;
        break;
    default:
        break;
    }
    if (t > 0) {
        if (r->sum.first_exch_ns == 0) {
            r->sum.first_exch_ns = t;
        }
        if (t > r->sum.last_exch_ns) {
            r->sum.last_exch_ns = t;
        }
    }
}

void sc_replay_on_message(sc_replay *r, sc_ns ts_local_ns, const char *json, size_t len,
                          const char *source, int64_t line) {
    SC_ASSERT(r != NULL && json != NULL);
    r->sum.messages++;
    sc_event ev;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    ei.source = source;
    ei.line = line;
    sc_err e = sc_decoder_decode(r->dec, json, len, ts_local_ns, &ev, &ei);
    if (e == SC_ERR_UNKNOWN_STREAM) {
        r->sum.unknown++;
        return;
    }
    if (e != SC_OK) {
        r->sum.malformed++;
        char buf[SC_REPLAY_PROBLEM_TEXT_MAX];
        sc_errinfo_format(&ei, buf, sizeof(buf));
        problem(r, source, line, "malformed message (%s): %s", sc_err_str(e),
                strstr(buf, ": ") ? strstr(buf, ": ") + 2 : buf);
        return;
    }
    note_time(r, &ev);
    switch (ev.kind) {
    case SC_EV_DEPTH:
        on_depth(r, &ev.u.depth, source, line);
        break;
    case SC_EV_SNAPSHOT:
        on_snapshot(r, &ev.u.snapshot, source, line);
        break;
    case SC_EV_BOOK_TICKER:
        on_book_ticker(r, &ev.u.book_ticker, source, line);
        break;
    case SC_EV_TRADE:
    case SC_EV_AGG_TRADE:
        on_trade(r, &ev.u.trade, ev.kind == SC_EV_AGG_TRADE);
        break;
    case SC_EV_MARK_PRICE:
        r->sum.mark_price++;
        break;
    case SC_EV_KLINE:
        r->sum.klines++;
        break;
    case SC_EV_NONE:
        SC_ASSERT(0 && "decoder returned SC_OK without an event");
        break;
    }
}

void sc_replay_on_bad_line(sc_replay *r, const sc_errinfo *why) {
    SC_ASSERT(r != NULL && why != NULL);
    r->sum.messages++;
    r->sum.malformed++;
    char buf[SC_REPLAY_PROBLEM_TEXT_MAX];
    sc_errinfo_format(why, buf, sizeof(buf));
    const char *rest = strstr(buf, ": ");
    problem(r, why->source, why->line, "unreadable line: %s", rest ? rest + 2 : buf);
}

void sc_replay_finish(sc_replay *r) {
    SC_ASSERT(r != NULL);
    sc_trade agg;
    bool ready = false;
    sc_tape_flush(r->tape, &agg, &ready);
    if (ready) {
        r->sum.agg_trades++;
    }
    r->sum.bbo_unmatched += sc_ring_len(r->pending);
    sc_ring_clear(r->pending);
}

void sc_replay_get_summary(const sc_replay *r, sc_replay_summary *out) {
    SC_ASSERT(r != NULL && out != NULL);
    *out = r->sum;
    sc_book_get_stats(r->book, &out->book);
    sc_tape_counters tc;
    sc_tape_get_counters(r->tape, &tc);
    out->missing_trades = tc.missing_trades;
    out->trades_out_of_order = tc.out_of_order;
    out->book_synced = sc_book_is_synced(r->book);
}

uint32_t sc_replay_problem_count(const sc_replay *r) {
    return r->n_problems;
}

const char *sc_replay_problem(const sc_replay *r, uint32_t i) {
    SC_ASSERT(i < r->n_problems);
    return r->problems[i];
}

const sc_book *sc_replay_book(const sc_replay *r) {
    return r->book;
}

const sc_instrument *sc_replay_instrument(const sc_replay *r) {
    return r->ins;
}
