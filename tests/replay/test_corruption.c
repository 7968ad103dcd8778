/* A real capture corrupted on purpose, one fault at a time: a dropped depth
 * message, a duplicated one, two swapped, a broken number, a truncated
 * line. Each must be detected; after a sequence fault the book must be out
 * of sync (every query refuses) until a snapshot lets it resync, and no
 * bookTicker may be compared against a stale book in between. The snapshot
 * used for the resync is written from a clean replay of the same capture,
 * so after it the corrupted replay must agree with the exchange again. */
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/replay.h"
#include "support/lines.h"

#define CAPTURE "binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst"

enum { SNAP_LEVELS = 1000, SNAP_TEXT_MAX = 1 << 17 };

typedef struct {
    sc_test_lines src;
    size_t first_synced_depth; /* index of the first depth line after the snapshot */
} fixture;

static bool is_depth(const sc_test_line *l) {
    return strstr(l->json, "\"depthUpdate\"") != NULL;
}

static bool is_ticker(const sc_test_line *l) {
    return strstr(l->json, "\"bookTicker\"") != NULL;
}

static int setup(void **state) {
    char path[SC_TEST_PATH_MAX];
    if (!sc_test_shared_path(CAPTURE, path, sizeof(path))) {
        *state = NULL;
        return 0;
    }
    fixture *f = calloc(1, sizeof(*f));
    const char *pp[] = {path};
    sc_test_lines_load(&f->src, pp, 1);
    size_t i = 0;
    while (i < f->src.n && strstr(f->src.v[i].json, "lastUpdateId") == NULL) {
        i++;
    }
    while (i < f->src.n && !is_depth(&f->src.v[i])) {
        i++;
    }
    f->first_synced_depth = i;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    if (f != NULL) {
        sc_test_lines_free(&f->src);
        free(f);
    }
    return 0;
}

static fixture *need(void **state) {
    if (*state == NULL) {
        print_message("SKIP: shared data %s is absent\n", CAPTURE);
        skip();
    }
    return *state;
}

static sc_replay *new_replay(void) {
    sc_replay *rp = NULL;
    sc_replay_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.ins = sc_instrument_find("usdm:BTCUSDT");
    assert_int_equal(sc_replay_create(&cfg, &rp), SC_OK);
    return rp;
}

static void feed(sc_replay *rp, const sc_test_line *l, int64_t line_no) {
    sc_replay_on_message(rp, l->ts, l->json, l->len, "corrupted", line_no);
}

/* The k-th depth line at or after index from. */
static size_t nth_depth(const fixture *f, size_t from, int k) {
    for (size_t i = from; i < f->src.n; i++) {
        if (is_depth(&f->src.v[i]) && k-- == 0) {
            return i;
        }
    }
    fail_msg("capture has too few depth lines");
    return 0;
}

/* A REST-style snapshot of a book, as a capture line would carry it. */
static char *snapshot_json(const sc_book *b) {
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    sc_level *lv = calloc(SNAP_LEVELS, sizeof(*lv));
    char *out = malloc(SNAP_TEXT_MAX);
    assert_non_null(lv);
    assert_non_null(out);
    size_t n = (size_t)snprintf(out, SNAP_TEXT_MAX, "{\"lastUpdateId\":%lld",
                                (long long)sc_book_last_update_id(b));
    for (int side = 0; side < 2; side++) {
        uint32_t got = 0;
        assert_int_equal(sc_book_top(b, side ? SC_SIDE_SELL : SC_SIDE_BUY, SNAP_LEVELS, lv, &got),
                         SC_OK);
        n += (size_t)snprintf(out + n, SNAP_TEXT_MAX - n, ",\"%s\":[", side ? "asks" : "bids");
        for (uint32_t i = 0; i < got; i++) {
            char px[40];
            char qty[40];
            sc_px_format(ins, lv[i].px, px, sizeof(px));
            sc_qty_format(ins, lv[i].qty, qty, sizeof(qty));
            n += (size_t)snprintf(out + n, SNAP_TEXT_MAX - n, "%s[\"%s\",\"%s\"]", i ? "," : "", px,
                                  qty);
        }
        n += (size_t)snprintf(out + n, SNAP_TEXT_MAX - n, "]");
    }
    snprintf(out + n, SNAP_TEXT_MAX - n, "}");
    assert_true(n + 2 < SNAP_TEXT_MAX);
    free(lv);
    return out;
}

/* Clean replay up to and including line `upto`; returns a snapshot of its
 * book there. */
static char *clean_snapshot_at(const fixture *f, size_t upto) {
    sc_replay *clean = new_replay();
    for (size_t i = 0; i <= upto; i++) {
        feed(clean, &f->src.v[i], (int64_t)i + 1);
    }
    assert_true(sc_book_is_synced(sc_replay_book(clean)));
    char *snap = snapshot_json(sc_replay_book(clean));
    sc_replay_destroy(clean);
    return snap;
}

typedef enum { FAULT_DROP, FAULT_DUP, FAULT_SWAP } fault;

/* Replays the capture with one sequence fault at depth line `at`, checks
 * the book is out of sync and refuses queries until the snapshot inserted
 * after line `resync_at`, then agrees with the exchange to the end. */
static void sequence_fault(const fixture *f, fault kind, sc_replay_summary *sum) {
    size_t at = nth_depth(f, f->first_synced_depth, 100);
    size_t next = nth_depth(f, at + 1, 0);
    size_t resync_at = nth_depth(f, at, 400);
    char *snap = clean_snapshot_at(f, resync_at);
    sc_replay *rp = new_replay();
    uint64_t unsynced_before = 0;
    bool went_out = false;
    for (size_t i = 0; i < f->src.n; i++) {
        const sc_test_line *l = &f->src.v[i];
        if (kind == FAULT_DROP && i == at) {
            continue;
        }
        if (kind == FAULT_SWAP && i == at) {
            feed(rp, &f->src.v[next], (int64_t)next + 1); /* the later one first */
        }
        if (kind == FAULT_SWAP && i == next) {
            feed(rp, &f->src.v[at], (int64_t)at + 1);
            continue;
        }
        feed(rp, l, (int64_t)i + 1);
        if (kind == FAULT_DUP && i == at) {
            feed(rp, l, (int64_t)i + 1);
        }
        const sc_book *b = sc_replay_book(rp);
        if (i >= next && i <= resync_at && kind != FAULT_DUP) {
            /* Out of sync from the fault to the resync: never served. */
            sc_level lv;
            assert_false(sc_book_is_synced(b));
            assert_int_equal(sc_book_best(b, SC_SIDE_BUY, &lv), SC_ERR_NOT_SYNCED);
            assert_int_equal(sc_book_qty_at(b, SC_SIDE_SELL, (sc_px){618000}, &lv.qty),
                             SC_ERR_NOT_SYNCED);
            went_out = true;
            if (is_ticker(l)) {
                unsynced_before++;
            }
        }
        if (i == resync_at) {
            sc_replay_summary mid;
            sc_replay_get_summary(rp, &mid);
            assert_true(mid.bbo_unsynced >= unsynced_before);
            sc_replay_on_message(rp, l->ts, snap, strlen(snap), "injected-snapshot", 1);
            assert_true(sc_book_is_synced(sc_replay_book(rp)) || kind == FAULT_DUP);
        }
    }
    sc_replay_finish(rp);
    sc_replay_get_summary(rp, sum);
    assert_true(went_out || kind == FAULT_DUP);
    assert_int_equal(sum->bbo_mismatch, 0); /* never compared against a stale book */
    assert_int_equal(sum->book.crossed, 0);
    assert_true(sum->book_synced);
    assert_true(sum->bbo_checked > 100);
    sc_replay_destroy(rp);
    free(snap);
}

static void test_dropped_depth(void **state) {
    fixture *f = need(state);
    sc_replay_summary s;
    sequence_fault(f, FAULT_DROP, &s);
    assert_int_equal(s.book.gaps, 1);
    assert_int_equal(s.book.resyncs, 1);
}

static void test_swapped_depth(void **state) {
    fixture *f = need(state);
    sc_replay_summary s;
    sequence_fault(f, FAULT_SWAP, &s);
    assert_true(s.book.gaps >= 1);
    assert_int_equal(s.book.resyncs, 1);
}

static void test_duplicated_depth(void **state) {
    fixture *f = need(state);
    sc_replay_summary s;
    sequence_fault(f, FAULT_DUP, &s);
    /* A repeat is older than the book: dropped and counted, harmless. */
    assert_int_equal(s.book.gaps, 0);
    assert_true(s.book.stale_dropped >= 1);
}

/* A broken number and a truncated line: counted as malformed with the line
 * number, never half-applied. */
static void test_broken_lines(void **state) {
    fixture *f = need(state);
    size_t bad_ticker = 0;
    for (size_t i = f->first_synced_depth + 500; i < f->src.n; i++) {
        if (is_ticker(&f->src.v[i])) {
            bad_ticker = i;
            break;
        }
    }
    size_t cut = nth_depth(f, f->first_synced_depth, 300);
    sc_replay *rp = new_replay();
    for (size_t i = 0; i < f->src.n; i++) {
        sc_test_line l = f->src.v[i];
        char *copy = NULL;
        if (i == bad_ticker) {
            copy = strdup(l.json);
            char *b = strstr(copy, "\"b\":\"");
            assert_non_null(b);
            b[6] = 'x'; /* "61800.20" -> "6x800.20" */
            l.json = copy;
        }
        if (i == cut) {
            l.len /= 2; /* a truncated line */
        }
        feed(rp, &l, (int64_t)i + 1);
        free(copy);
    }
    sc_replay_finish(rp);
    sc_replay_summary s;
    sc_replay_get_summary(rp, &s);
    assert_int_equal(s.malformed, 2);
    /* Losing a depth line to truncation is also a sequence gap. */
    assert_int_equal(s.book.gaps, 1);
    assert_int_equal(s.bbo_mismatch, 0);
    char want[64];
    snprintf(want, sizeof(want), "corrupted:%zu: malformed", bad_ticker + 1);
    bool named = false;
    for (uint32_t i = 0; i < sc_replay_problem_count(rp); i++) {
        named = named || strstr(sc_replay_problem(rp, i), want) != NULL;
        print_message("problem: %s\n", sc_replay_problem(rp, i));
    }
    assert_true(named);
    sc_replay_destroy(rp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dropped_depth),
        cmocka_unit_test(test_swapped_depth),
        cmocka_unit_test(test_duplicated_depth),
        cmocka_unit_test(test_broken_lines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
