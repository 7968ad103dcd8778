/* The trade store: the schema is created once and reopened without change,
 * it shares its file with the parameter store, every table reads back what
 * was written, batch mode commits on flush and close, and durable mode loses
 * no acknowledged order or fill when the writer is killed with SIGKILL.
 * The read side of reports: trades with their regime and labels, counts by
 * name, runs newest first, all paged; a read-only handle creates, migrates
 * and writes nothing and reads a schema-1 file; migration 2 on a file with
 * rows keeps them and their immutability. */
#include "support/support.h"

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ai/param_store.h"
#include "core/rng.h"
#include "store/trade_store.h"

enum {
    CRASH_ROUNDS = 6,          /* kills per test, each at a seeded moment */
    CRASH_RECORDS_MAX = 20000, /* orders the child writes before it gives up */
    CRASH_ACK_BYTES = 9,       /* kind ('o' or 'f') and the id */
    CRASH_WAIT_ACKS_MAX = 300  /* the parent kills after 0..this many acks */
};

static const sc_ns T0 = INT64_C(1700000000000000000);
static const char HASH_A[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char HASH_B[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

typedef struct {
    char dir[SC_TEST_PATH_MAX];
    char path[SC_TEST_PATH_MAX + 32];
    int64_t *acked; /* crash test: freed in teardown, also after a failure */
} fixture;

static void path_in(const fixture *f, const char *name, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%s", f->dir, name);
}

static void remove_db(const char *path) {
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[SC_TEST_PATH_MAX + 64];
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        remove(p);
    }
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    sc_test_tmpdir(f->dir, sizeof(f->dir));
    path_in(f, "audit.db", f->path, sizeof(f->path));
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    remove_db(f->path);
    char p[SC_TEST_PATH_MAX + 32];
    for (int i = 0; i < CRASH_ROUNDS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "crash%d.db", i);
        path_in(f, name, p, sizeof(p));
        remove_db(p);
    }
    path_in(f, "both.db", p, sizeof(p));
    remove_db(p);
    remove(f->dir);
    free(f->acked);
    free(f);
    return 0;
}

static sc_trade_store *open_store(const char *path, sc_trade_store_mode mode, uint32_t batch) {
    sc_trade_store_config cfg = {.path = path, .mode = mode, .batch_records = batch};
    sc_trade_store *s = NULL;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    sc_err e = sc_trade_store_open(&cfg, &s, &ei);
    if (e != SC_OK) {
        char buf[512];
        fail_msg("open %s: %s: %s", path, sc_err_name(e), sc_errinfo_format(&ei, buf, sizeof(buf)));
    }
    return s;
}

static int64_t begin_run(sc_trade_store *s, uint64_t seed) {
    sc_run_info run = {.mode = SC_RUN_PAPER,
                       .started_ns = T0,
                       .version = "0.1.0-test",
                       .config_hash = HASH_A,
                       .rulebook_hash = HASH_B,
                       .inputs = "captures/2026-01-01.jsonl.zst",
                       .seed = seed,
                       .params_version = 0};
    int64_t id = 0;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_begin_run(s, &run, &id, &ei), SC_OK);
    assert_true(id > 0);
    return id;
}

static sc_order_intent intent(int64_t seq) {
    sc_order_intent in;
    memset(&in, 0, sizeof(in));
    snprintf(in.client_id, sizeof(in.client_id), "t-e-%06lld", (long long)seq);
    in.side = seq % 2 == 0 ? SC_SIDE_SELL : SC_SIDE_BUY;
    in.type = SC_ORD_LIMIT;
    in.tif = SC_TIF_GTX;
    in.px = (sc_px){6500000 + seq};
    in.qty = (sc_qty){2};
    in.purpose = SC_PURPOSE_ENTRY;
    in.stop_px = (sc_px){6490000};
    in.target_px = (sc_px){6520000};
    in.ts_ns = T0 + seq;
    in.params_version = 0;
    return in;
}

static int64_t add_order(sc_trade_store *s, int64_t run, int64_t seq) {
    sc_order_intent in = intent(seq);
    int64_t id = 0;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_record_order(s, run, seq, &in, T0 + seq, &id, &ei), SC_OK);
    return id;
}

/* One integer from a query on its own connection (sees committed rows
 * only); ?1, when the query has it, is id. */
static int64_t query_id(const char *path, const char *sql, int64_t id) {
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_bind_parameter_count(st) > 0) {
        assert_int_equal(sqlite3_bind_int64(st, 1, id), SQLITE_OK);
    }
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static int64_t query_i64(const char *path, const char *sql) {
    return query_id(path, sql, 0);
}

/* ---- schema ---------------------------------------------------------------- */

static void test_schema_created_and_reopen_idempotent(void **state) {
    fixture *f = *state;
    sc_trade_store *s = open_store(f->path, SC_TRADE_STORE_DURABLE, 0);
    int64_t run = begin_run(s, 7);
    add_order(s, run, 1);
    sc_trade_store_close(s);
    const char *objects = "SELECT count(*) FROM sqlite_master";
    int64_t n_objects = query_i64(f->path, objects);
    assert_true(n_objects >= 9 + 9 + 16); /* tables, indexes, triggers */
    assert_int_equal(query_i64(f->path, "SELECT version FROM schema_version"
                                        " WHERE component = 'trades'"),
                     SC_TRADE_STORE_SCHEMA);
    assert_int_equal(query_i64(f->path, "SELECT count(*) FROM pragma_journal_mode"
                                        " WHERE journal_mode = 'wal'"),
                     1);
    for (int i = 0; i < 3; i++) {
        s = open_store(f->path, SC_TRADE_STORE_DURABLE, 0);
        sc_trade_store_counts c;
        sc_errinfo ei;
        assert_int_equal(sc_trade_store_counts_get(s, run, &c, &ei), SC_OK);
        assert_int_equal(c.orders, 1);
        sc_trade_store_close(s);
        assert_int_equal(query_i64(f->path, objects), n_objects);
        assert_int_equal(query_i64(f->path, "SELECT count(*) FROM schema_version"), 1);
    }
}

static void test_newer_schema_refused(void **state) {
    fixture *f = *state;
    sc_trade_store_close(open_store(f->path, SC_TRADE_STORE_DURABLE, 0));
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    sc_trade_store_config cfg = {.path = f->path, .mode = SC_TRADE_STORE_DURABLE};
    sc_trade_store *s = NULL;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_open(&cfg, &s, &ei), SC_ERR_UNSUPPORTED);
    assert_null(s);
    assert_string_equal(ei.field, "schema_version");
}

static void test_coexists_with_param_store(void **state) {
    fixture *f = *state;
    char both[SC_TEST_PATH_MAX + 32];
    path_in(f, "both.db", both, sizeof(both));
    /* Either may create the file; here the trade store first, then params. */
    const char *paths[2] = {f->path, both};
    for (int order = 0; order < 2; order++) {
        sc_param_store *ps = NULL;
        sc_trade_store *ts = NULL;
        sc_errinfo ei;
        if (order == 0) {
            ts = open_store(paths[order], SC_TRADE_STORE_DURABLE, 0);
        }
        assert_int_equal(sc_param_store_open(paths[order], &ps, &ei), SC_OK);
        if (order == 1) {
            ts = open_store(paths[order], SC_TRADE_STORE_DURABLE, 0);
        }
        sc_param_change ch = {"strategy.sl_bps", 15};
        sc_param_audit a = {SC_PARAM_AUTHOR_HUMAN, "coexistence test", T0};
        int64_t pv = 0;
        assert_int_equal(sc_param_store_set(ps, &ch, 1, &a, &pv, &ei), SC_OK);
        int64_t run = begin_run(ts, 1);
        add_order(ts, run, 1);
        sc_trade_store_close(ts);
        sc_param_store_close(ps);
        assert_int_equal(query_i64(paths[order], "SELECT count(*) FROM schema_version"), 2);
        assert_int_equal(query_i64(paths[order], "SELECT version FROM schema_version"
                                                 " WHERE component = 'params'"),
                         SC_PARAM_STORE_SCHEMA);
        assert_int_equal(query_i64(paths[order], "SELECT count(*) FROM param_versions"), 1);
        assert_int_equal(query_i64(paths[order], "SELECT count(*) FROM orders"), 1);
        /* Both reopen on the shared file without migrating anything again. */
        assert_int_equal(sc_param_store_open(paths[order], &ps, &ei), SC_OK);
        ts = open_store(paths[order], SC_TRADE_STORE_DURABLE, 0);
        sc_trade_store_close(ts);
        sc_param_store_close(ps);
    }
}

/* ---- round trip --------------------------------------------------------------- */

static sc_risk_trade sample_trade(int64_t seq) {
    sc_risk_trade t;
    memset(&t, 0, sizeof(t));
    t.seq = seq;
    t.side = SC_SIDE_SELL;
    t.opened_ns = T0 + 10;
    t.closed_ns = T0 + 5000000010;
    t.hold_ns = 5000000000;
    t.entry_qty_steps = 3;
    t.exit_qty_steps = 3;
    t.entry_value = (sc_money){INT64_C(19500000000000)};
    t.exit_value = (sc_money){INT64_C(19490000000000)};
    t.entry_avg_px = (sc_money){INT64_C(6500000000000)};
    t.exit_avg_px = (sc_money){INT64_C(6496666666667)};
    t.realized_pnl = (sc_money){INT64_C(10000000000)};
    t.fees = (sc_money){INT64_C(780000000)};
    t.funding = (sc_money){-INT64_C(12)};
    t.net_pnl = (sc_money){INT64_C(9220000012)};
    t.outcome = SC_RISK_TRADE_WIN;
    return t;
}

static void write_each_table(sc_trade_store *s, int64_t run, int64_t ids[9]) {
    sc_errinfo ei;
    ids[0] = add_order(s, run, 1);
    sc_order_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SC_ORDER_EV_FILL;
    ev.ts_ns = T0 + 20;
    ev.exch_order_id = 987654321;
    ev.fill.qty = (sc_qty){2};
    ev.fill.px = (sc_px){6500001};
    ev.fill.maker = true;
    ev.fill.fee = (sc_money){-3};
    assert_int_equal(
        sc_trade_store_record_order_event(s, ids[0], &ev, SC_ORDER_FILLED, &ids[1], &ei), SC_OK);
    sc_fill_rec fill = {ids[0], T0 + 20, {6500001}, {2}, true, {-3}, 555};
    assert_int_equal(sc_trade_store_record_fill(s, &fill, &ids[2], &ei), SC_OK);
    sc_risk_trade t = sample_trade(1);
    assert_int_equal(sc_trade_store_record_trade(s, run, &t, &ids[3], &ei), SC_OK);
    sc_decision_rec d = {T0 + 5,
                         42,
                         0,
                         HASH_B,
                         "enter_long",
                         "ok",
                         1500000,
                         "{\"features\":{\"ofi\":0.25},\"answer\":{\"action\":\"enter_long\"}}"};
    assert_int_equal(sc_trade_store_record_decision(s, run, &d, &ids[4], &ei), SC_OK);
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    (void)sc_veto_verdict_deny(&v, SC_VETO_R_SPREAD_LIMIT, 12.5, 10.0, "bps",
                               "spread %.2f bps > max %.2f bps", 12.5, 10.0);
    memcpy(v.rulebook_hash, HASH_B, sizeof(HASH_B));
    assert_int_equal(sc_trade_store_record_verdict(s, run, ids[4], T0 + 6, &v, &ids[5], &ei),
                     SC_OK);
    sc_ks_event k;
    memset(&k, 0, sizeof(k));
    k.kind = SC_KS_EVENT_TRIP;
    k.trigger = SC_KS_TRIG_DAILY_LOSS;
    k.values = (sc_ks_values){310, 300};
    k.ts_ns = T0 + 30;
    k.seq = 1;
    k.actions = SC_KS_ACT_BLOCK_ENTRIES | SC_KS_ACT_FLATTEN;
    snprintf(k.reason, sizeof(k.reason), "daily loss 3.10%% >= 3.00%%");
    assert_int_equal(sc_trade_store_record_kill_event(s, run, &k, &ids[6], &ei), SC_OK);
    sc_blunder_label_rec b = {ids[3], T0 + 40, "premature_exit", "after_best 12 ticks"};
    assert_int_equal(sc_trade_store_record_blunder_label(s, &b, &ids[7], &ei), SC_OK);
    sc_veto_verdict_allow(&v);
    assert_int_equal(sc_trade_store_record_verdict(s, run, 0, T0 + 7, &v, &ids[8], &ei), SC_OK);
}

static void check_columns(const char *path, const int64_t ids[9]) {
    /* Each query is 1 only when every checked column holds what was written. */
    const char *checks[] = {
        "SELECT client_id = 't-e-000001' AND side = 'buy' AND type = 'LIMIT' AND tif = 'GTX'"
        " AND px_ticks = 6500001 AND qty_steps = 2 AND purpose = 'entry'"
        " AND stop_px_ticks = 6490000 FROM orders WHERE id = ?1",
        "SELECT kind = 'fill' AND state_after = 'filled' AND exch_order_id = 987654321"
        " AND fill_qty_steps = 2 AND fill_maker = 1 AND fill_fee_e8 = -3"
        " FROM order_events WHERE id = ?1",
        "SELECT px_ticks = 6500001 AND qty_steps = 2 AND maker = 1 AND fee_e8 = -3"
        " AND exch_trade_id = 555 FROM fills WHERE id = ?1",
        "SELECT outcome = 'win' AND net_pnl_e8 = 9220000012 AND funding_e8 = -12"
        " FROM trades WHERE id = ?1",
        "SELECT request_id = 42 AND action = 'enter_long' AND latency_ns = 1500000"
        " AND json_extract(context_json, '$.features.ofi') = 0.25 FROM decisions WHERE id = ?1",
        "SELECT allowed = 0 AND level = 'rulebook' AND reason = 'spread_limit' AND value = 12.5"
        " AND limit_value = 10.0 AND unit = 'bps' AND detail LIKE 'spread 12.50%'"
        " AND decision_id IS NOT NULL FROM verdicts WHERE id = ?1",
        "SELECT kind = 'trip' AND trigger_name = 'daily_loss' AND observed = 310"
        " AND limit_value = 300 AND actions = 5 FROM kill_events WHERE id = ?1",
        "SELECT label = 'premature_exit' AND detail = 'after_best 12 ticks'"
        " FROM blunder_labels WHERE id = ?1",
        "SELECT allowed = 1 AND reason = 'ok' AND decision_id IS NULL AND value IS NULL"
        " FROM verdicts WHERE id = ?1",
    };
    for (int i = 0; i < 9; i++) {
        if (query_id(path, checks[i], ids[i]) != 1) {
            fail_msg("round trip mismatch (id %lld): %s", (long long)ids[i], checks[i]);
        }
    }
}

static void test_round_trip_every_table(void **state) {
    fixture *f = *state;
    sc_trade_store *s = open_store(f->path, SC_TRADE_STORE_DURABLE, 0);
    int64_t run = begin_run(s, UINT64_C(0xfedcba9876543210));
    int64_t ids[9];
    write_each_table(s, run, ids);
    sc_errinfo ei;
    sc_trade_store_counts c;
    assert_int_equal(sc_trade_store_counts_get(s, run, &c, &ei), SC_OK);
    assert_int_equal(c.orders, 1);
    assert_int_equal(c.order_events, 1);
    assert_int_equal(c.fills, 1);
    assert_int_equal(c.trades, 1);
    assert_int_equal(c.decisions, 1);
    assert_int_equal(c.verdicts, 2);
    assert_int_equal(c.kill_events, 1);
    assert_int_equal(c.blunder_labels, 1);
    sc_trade_row rows[4];
    size_t n = 0;
    assert_int_equal(sc_trade_store_list_trades(s, run, 0, rows, 4, &n, &ei), SC_OK);
    assert_int_equal(n, 1);
    sc_risk_trade want = sample_trade(1);
    assert_int_equal(rows[0].id, ids[3]);
    assert_int_equal(rows[0].run_id, run);
    assert_memory_equal(&rows[0].trade, &want, sizeof(want));
    assert_int_equal(sc_trade_store_end_run(s, run, T0 + 99, "ok", &ei), SC_OK);
    assert_int_equal(sc_trade_store_end_run(s, run, T0 + 100, "ok", &ei), SC_ERR_STATE);
    assert_int_equal(sc_trade_store_end_run(s, run + 1, T0 + 100, "ok", &ei), SC_ERR_NOT_FOUND);
    sc_run_row r;
    assert_int_equal(sc_trade_store_get_run(s, run, &r, &ei), SC_OK);
    assert_int_equal(r.mode, SC_RUN_PAPER);
    assert_true(r.seed == UINT64_C(0xfedcba9876543210));
    assert_int_equal(r.started_ns, T0);
    assert_int_equal(r.ended_ns, T0 + 99);
    assert_string_equal(r.status, "ok");
    assert_string_equal(r.config_hash, HASH_A);
    assert_string_equal(r.rulebook_hash, HASH_B);
    assert_string_equal(r.inputs, "captures/2026-01-01.jsonl.zst");
    assert_string_equal(r.version, "0.1.0-test");
    sc_trade_store_close(s);
    check_columns(f->path, ids);
}

static void test_refusals_write_nothing(void **state) {
    fixture *f = *state;
    sc_trade_store *s = open_store(f->path, SC_TRADE_STORE_DURABLE, 0);
    int64_t run = begin_run(s, 3);
    int64_t oid = add_order(s, run, 1);
    sc_errinfo ei;
    int64_t id = -7;
    /* The same client id twice in a run (UNIQUE). */
    sc_order_intent in = intent(1);
    assert_int_equal(sc_trade_store_record_order(s, run, 2, &in, T0, &id, &ei), SC_ERR_INVALID_ARG);
    assert_string_equal(ei.field, "insert_order");
    assert_non_null(strstr(ei.expected, "INSERT INTO orders"));
    assert_non_null(strstr(ei.got, "UNIQUE"));
    /* A fill of an order that does not exist (FOREIGN KEY). */
    sc_fill_rec fill = {oid + 100, T0, {1}, {1}, false, {0}, 0};
    assert_int_equal(sc_trade_store_record_fill(s, &fill, &id, &ei), SC_ERR_INVALID_ARG);
    assert_non_null(strstr(ei.got, "FOREIGN KEY"));
    /* A decision whose context is not JSON (CHECK). */
    sc_decision_rec d = {T0, 1, 0, "", "skip", "late", -1, "{not json"};
    assert_int_equal(sc_trade_store_record_decision(s, run, &d, &id, &ei), SC_ERR_INVALID_ARG);
    assert_string_equal(ei.field, "insert_decision");
    /* A label that is not [a-z0-9_]. */
    sc_blunder_label_rec b = {1, T0, "Bad Label", NULL};
    assert_int_equal(sc_trade_store_record_blunder_label(s, &b, &id, &ei), SC_ERR_INVALID_ARG);
    assert_int_equal(id, -7);
    sc_trade_store_counts c;
    assert_int_equal(sc_trade_store_counts_get(s, run, &c, &ei), SC_OK);
    assert_int_equal(c.orders + c.fills + c.decisions + c.blunder_labels, 1);
    sc_trade_store_close(s);
    /* Rows are immutable. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE orders SET qty_steps = 9", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM orders", NULL, NULL, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE runs SET seed = 1", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* ---- batch mode ------------------------------------------------------------------ */

static void test_batch_commits_on_flush_and_close(void **state) {
    fixture *f = *state;
    sc_trade_store *s = open_store(f->path, SC_TRADE_STORE_BATCH, 1000);
    int64_t run = begin_run(s, 5); /* committed at once */
    const char *orders = "SELECT count(*) FROM orders";
    for (int64_t i = 1; i <= 10; i++) {
        add_order(s, run, i);
    }
    assert_int_equal(sc_trade_store_pending(s), 10);
    assert_int_equal(query_i64(f->path, orders), 0); /* not committed yet */
    sc_trade_store_counts c;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_counts_get(s, run, &c, &ei), SC_OK);
    assert_int_equal(c.orders, 10); /* the handle sees its own batch */
    assert_int_equal(sc_trade_store_flush(s, &ei), SC_OK);
    assert_int_equal(sc_trade_store_pending(s), 0);
    assert_int_equal(query_i64(f->path, orders), 10);
    for (int64_t i = 11; i <= 15; i++) {
        add_order(s, run, i);
    }
    assert_int_equal(query_i64(f->path, orders), 10);
    sc_trade_store_close(s);
    assert_int_equal(query_i64(f->path, orders), 15);
}

static void test_batch_commits_every_n(void **state) {
    fixture *f = *state;
    sc_trade_store *s = open_store(f->path, SC_TRADE_STORE_BATCH, 4);
    int64_t run = begin_run(s, 5);
    for (int64_t i = 1; i <= 9; i++) {
        add_order(s, run, i);
        assert_int_equal(sc_trade_store_pending(s), (uint32_t)(i % 4));
        assert_int_equal(query_i64(f->path, "SELECT count(*) FROM orders"), i - i % 4);
    }
    /* A refused record in a batch leaves the batch intact. */
    sc_order_intent in = intent(1);
    int64_t id = 0;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_record_order(s, run, 99, &in, T0, &id, &ei),
                     SC_ERR_INVALID_ARG);
    assert_int_equal(sc_trade_store_pending(s), 1);
    assert_int_equal(sc_trade_store_end_run(s, run, T0 + 1, "ok", &ei), SC_OK);
    assert_int_equal(sc_trade_store_pending(s), 0);
    assert_int_equal(query_i64(f->path, "SELECT count(*) FROM orders"), 9);
    assert_int_equal(query_i64(f->path, "SELECT count(*) FROM runs WHERE status = 'ok'"), 1);
    sc_trade_store_close(s);
}

static void test_durable_commits_each_record(void **state) {
    fixture *f = *state;
    sc_trade_store *s = open_store(f->path, SC_TRADE_STORE_DURABLE, 0);
    int64_t run = begin_run(s, 5);
    for (int64_t i = 1; i <= 5; i++) {
        int64_t id = add_order(s, run, i);
        assert_int_equal(sc_trade_store_pending(s), 0);
        /* Visible to another connection as soon as the call returns. */
        assert_int_equal(query_id(f->path, "SELECT count(*) FROM orders WHERE id = ?1", id), 1);
    }
    sc_trade_store_close(s);
}

/* ---- the read side: regimes, labels, counts by name, runs ------------------------ */

static int64_t add_trade(sc_trade_store *s, int64_t run, int64_t seq, const char *regime,
                         int64_t net_e8) {
    sc_risk_trade t = sample_trade(seq);
    t.side = seq % 2 == 0 ? SC_SIDE_SELL : SC_SIDE_BUY;
    t.opened_ns = T0 + seq * 1000;
    t.closed_ns = t.opened_ns + 10;
    t.hold_ns = 10;
    t.net_pnl = (sc_money){net_e8};
    t.outcome = net_e8 > 0   ? SC_RISK_TRADE_WIN
                : net_e8 < 0 ? SC_RISK_TRADE_LOSS
                             : SC_RISK_TRADE_SCRATCH;
    int64_t id = 0;
    sc_errinfo ei;
    sc_err e = regime != NULL ? sc_trade_store_record_trade_ctx(s, run, &t, regime, &id, &ei)
                              : sc_trade_store_record_trade(s, run, &t, &id, &ei);
    assert_int_equal(e, SC_OK);
    return id;
}

static void add_label(sc_trade_store *s, int64_t trade_id, const char *label, const char *detail) {
    sc_blunder_label_rec b = {trade_id, T0 + 50, label, detail};
    int64_t id = 0;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_record_blunder_label(s, &b, &id, &ei), SC_OK);
}

static void test_trades_with_regime_and_labels(void **state) {
    fixture *f = *state;
    sc_trade_store *s = open_store(f->path, SC_TRADE_STORE_DURABLE, 0);
    int64_t run = begin_run(s, 1);
    int64_t other = begin_run(s, 2);
    int64_t ids[5];
    const char *regimes[5] = {"ranging", NULL, "trending_up", "news_shock", "ranging"};
    for (int i = 0; i < 5; i++) {
        ids[i] = add_trade(s, run, i + 1, regimes[i], (i % 2 == 0 ? 1 : -1) * (i + 1));
    }
    add_trade(s, other, 1, "volatile", 5);
    add_label(s, ids[0], "fee_drag", "gross 1.2 net -0.3");
    add_label(s, ids[0], "late_entry", NULL);
    add_label(s, ids[0], "zz_not_in_taxonomy", "from a newer build");
    add_label(s, ids[3], "max_hold_timeout", "held 300 s");
    /* A regime that is not 1..32 bytes of [a-z_] is refused; nothing written. */
    const char *bad[] = {"", "Ranging", "trend-up", "r2", "abcdefghijklmnopqrstuvwxyzabcdefg"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sc_risk_trade t = sample_trade(100 + (int64_t)i);
        int64_t id = -1;
        sc_errinfo ei;
        assert_int_equal(sc_trade_store_record_trade_ctx(s, run, &t, bad[i], &id, &ei),
                         SC_ERR_INVALID_ARG);
        assert_string_equal(ei.field, "insert_trade");
        assert_int_equal(id, -1);
    }
    sc_risk_trade t32 = sample_trade(99);
    int64_t id32 = 0;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_record_trade_ctx(
                         s, other, &t32, "abcdefghijklmnopqrstuvwxyz_abcde", &id32, &ei),
                     SC_OK); /* exactly 32 bytes */
    /* Pages of 2: seqs 1-2, 3-4, 5. */
    sc_trade_ctx_row rows[2];
    int64_t after = 0;
    size_t got = 0;
    size_t n = 0;
    do {
        assert_int_equal(sc_trade_store_list_trades_ctx(s, run, after, rows, 2, &n, &ei), SC_OK);
        for (size_t i = 0; i < n; i++) {
            size_t k = got + i;
            assert_int_equal(rows[i].row.trade.seq, (int64_t)k + 1);
            assert_int_equal(rows[i].row.id, ids[k]);
            assert_int_equal(rows[i].row.run_id, run);
            assert_string_equal(rows[i].regime, regimes[k] != NULL ? regimes[k] : "unknown");
            uint32_t want =
                k == 0 ? SC_BLUNDER_BIT(SC_BLUNDER_FEE_DRAG) | SC_BLUNDER_BIT(SC_BLUNDER_LATE_ENTRY)
                : k == 3 ? SC_BLUNDER_BIT(SC_BLUNDER_MAX_HOLD_TIMEOUT)
                         : 0;
            assert_int_equal(rows[i].labels, want);
            assert_int_equal(rows[i].labels_other, k == 0 ? 1 : 0);
            sc_risk_trade want_t = sample_trade((int64_t)k + 1);
            assert_int_equal(rows[i].row.trade.entry_value.e8, want_t.entry_value.e8);
            assert_int_equal(rows[i].row.trade.net_pnl.e8,
                             (k % 2 == 0 ? 1 : -1) * (int64_t)(k + 1));
        }
        got += n;
        after = n > 0 ? rows[n - 1].row.trade.seq : after;
    } while (n == 2);
    assert_int_equal(got, 5);
    /* Labels of trade 1 with their detail, one per page, by id. */
    sc_blunder_label_row lr[1];
    const char *want_l[] = {"fee_drag", "late_entry", "zz_not_in_taxonomy"};
    const char *want_d[] = {"gross 1.2 net -0.3", "", "from a newer build"};
    int64_t lafter = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(sc_trade_store_list_labels(s, ids[0], lafter, lr, 1, &n, &ei), SC_OK);
        assert_int_equal(n, i < 3 ? 1 : 0);
        if (n == 1) {
            assert_string_equal(lr[0].label, want_l[i]);
            assert_string_equal(lr[0].detail, want_d[i]);
            assert_int_equal(lr[0].trade_id, ids[0]);
            assert_int_equal(lr[0].ts_ns, T0 + 50);
            assert_true(lr[0].id > lafter);
            lafter = lr[0].id;
        }
    }
    /* A run or trade that does not exist has nothing. */
    assert_int_equal(sc_trade_store_list_trades_ctx(s, other + 5, 0, rows, 2, &n, &ei), SC_OK);
    assert_int_equal(n, 0);
    assert_int_equal(sc_trade_store_list_labels(s, ids[4] + 100, 0, lr, 1, &n, &ei), SC_OK);
    assert_int_equal(n, 0);
    sc_trade_store_close(s);
    assert_int_equal(query_i64(f->path, "SELECT count(*) FROM trades"), 7);
    assert_int_equal(query_i64(f->path, "SELECT count(*) FROM trades WHERE regime = 'unknown'"), 1);
}

static void add_verdict(sc_trade_store *s, int64_t run, sc_veto_reason r) {
    sc_veto_verdict v;
    sc_veto_verdict_allow(&v);
    if (r != SC_VETO_R_OK) {
        (void)sc_veto_verdict_deny(&v, r, 1.0, 2.0, "bps", "test %d", (int)r);
    }
    int64_t id = 0;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_record_verdict(s, run, 0, T0, &v, &id, &ei), SC_OK);
}

static void add_decision(sc_trade_store *s, int64_t run, const char *action, const char *reason) {
    sc_decision_rec d = {T0, 1, 0, "", action, reason, -1, "{}"};
    int64_t id = 0;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_record_decision(s, run, &d, &id, &ei), SC_OK);
}

/* Every group of one count_by, read one per page, as "name=n name=n". */
static void groups_text(sc_trade_store *s, int64_t run, sc_trade_store_by by, char *buf,
                        size_t cap) {
    sc_trade_store_group g[1];
    char after[SC_TRADE_STORE_NAME_MAX + 1] = "";
    size_t used = 0;
    size_t n = 0;
    buf[0] = '\0';
    sc_errinfo ei;
    do {
        assert_int_equal(sc_trade_store_count_by(s, run, by, after, g, 1, &n, &ei), SC_OK);
        if (n == 1) {
            used += (size_t)snprintf(buf + used, cap - used, "%s%s=%lld", used ? " " : "",
                                     g[0].name, (long long)g[0].n);
            snprintf(after, sizeof(after), "%s", g[0].name);
        }
    } while (n == 1);
}

static void test_count_by_name(void **state) {
    fixture *f = *state;
    sc_trade_store *s = open_store(f->path, SC_TRADE_STORE_BATCH, 0); /* sees its own batch */
    int64_t run = begin_run(s, 1);
    int64_t other = begin_run(s, 2);
    add_verdict(s, run, SC_VETO_R_SPREAD_LIMIT);
    add_verdict(s, run, SC_VETO_R_SPREAD_LIMIT);
    add_verdict(s, run, SC_VETO_R_DATA_STALE);
    add_verdict(s, run, SC_VETO_R_OK); /* allowed: not a veto */
    add_verdict(s, run, SC_VETO_R_OK);
    add_verdict(s, other, SC_VETO_R_LATENCY);
    add_decision(s, run, "enter_long", "ok");
    add_decision(s, run, "skip", "late");
    add_decision(s, run, "skip", "ok");
    add_decision(s, other, "hold", "ok");
    int64_t t1 = add_trade(s, run, 1, "ranging", 1);
    int64_t t2 = add_trade(s, run, 2, "ranging", 1);
    int64_t t3 = add_trade(s, other, 1, "ranging", 1);
    add_label(s, t1, "fee_drag", NULL);
    add_label(s, t2, "fee_drag", NULL);
    add_label(s, t2, "clean_win", NULL);
    add_label(s, t3, "lucky_win", NULL);
    char buf[512];
    groups_text(s, run, SC_TRADE_STORE_BY_VETO_REASON, buf, sizeof(buf));
    assert_string_equal(buf, "data_stale=1 spread_limit=2");
    groups_text(s, run, SC_TRADE_STORE_BY_VETO_LEVEL, buf, sizeof(buf));
    assert_string_equal(buf, "forbidden=1 rulebook=2");
    groups_text(s, run, SC_TRADE_STORE_BY_DECISION_ACTION, buf, sizeof(buf));
    assert_string_equal(buf, "enter_long=1 skip=2");
    groups_text(s, run, SC_TRADE_STORE_BY_DECISION_REASON, buf, sizeof(buf));
    assert_string_equal(buf, "late=1 ok=2");
    groups_text(s, run, SC_TRADE_STORE_BY_LABEL, buf, sizeof(buf));
    assert_string_equal(buf, "clean_win=1 fee_drag=2");
    groups_text(s, other, SC_TRADE_STORE_BY_LABEL, buf, sizeof(buf));
    assert_string_equal(buf, "lucky_win=1");
    groups_text(s, other + 1, SC_TRADE_STORE_BY_VETO_REASON, buf, sizeof(buf));
    assert_string_equal(buf, "");
    /* One page with room for all, from the start (NULL cursor). */
    sc_trade_store_group g[8];
    size_t n = 0;
    sc_errinfo ei;
    assert_int_equal(
        sc_trade_store_count_by(s, run, SC_TRADE_STORE_BY_VETO_REASON, NULL, g, 8, &n, &ei), SC_OK);
    assert_int_equal(n, 2);
    assert_string_equal(g[1].name, "spread_limit");
    assert_int_equal(g[1].n, 2);
    sc_trade_store_counts c;
    assert_int_equal(sc_trade_store_counts_get(s, run, &c, &ei), SC_OK);
    assert_int_equal(c.verdicts, 5);
    sc_trade_store_close(s);
}

static void test_latest_and_list_runs(void **state) {
    fixture *f = *state;
    sc_trade_store *s = open_store(f->path, SC_TRADE_STORE_DURABLE, 0);
    int64_t id = -1;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_latest_run(s, &id, &ei), SC_ERR_NOT_FOUND);
    sc_run_row runs[2];
    size_t n = 9;
    assert_int_equal(sc_trade_store_list_runs(s, 0, runs, 2, &n, &ei), SC_OK);
    assert_int_equal(n, 0);
    int64_t r1 = begin_run(s, 11);
    int64_t r2 = begin_run(s, 12);
    int64_t r3 = begin_run(s, UINT64_MAX);
    assert_true(r1 < r2 && r2 < r3);
    assert_int_equal(sc_trade_store_latest_run(s, &id, &ei), SC_OK);
    assert_int_equal(id, r3);
    assert_int_equal(sc_trade_store_list_runs(s, 0, runs, 2, &n, &ei), SC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(runs[0].id, r3);
    assert_true(runs[0].seed == UINT64_MAX);
    assert_int_equal(runs[1].id, r2);
    assert_int_equal(runs[1].seed, 12);
    assert_int_equal(sc_trade_store_list_runs(s, runs[1].id, runs, 2, &n, &ei), SC_OK);
    assert_int_equal(n, 1);
    assert_int_equal(runs[0].id, r1);
    assert_string_equal(runs[0].inputs, "captures/2026-01-01.jsonl.zst");
    assert_int_equal(runs[0].ended_ns, -1);
    sc_trade_store_close(s);
}

static sc_trade_store *open_ro(const char *path, sc_err want) {
    sc_trade_store_config cfg = {.path = path, .read_only = true};
    sc_trade_store *s = NULL;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    sc_err e = sc_trade_store_open(&cfg, &s, &ei);
    if (e != want) {
        char buf[512];
        fail_msg("read-only open %s: %s: %s", path, sc_err_name(e),
                 sc_errinfo_format(&ei, buf, sizeof(buf)));
    }
    assert_true((s != NULL) == (want == SC_OK));
    return s;
}

static void test_read_only_handle(void **state) {
    fixture *f = *state;
    /* A missing file is an error and stays missing. */
    assert_null(open_ro(f->path, SC_ERR_IO));
    assert_int_equal(access(f->path, F_OK), -1);
    /* A writer in batch mode with an open batch: the reader sees the
     * committed rows only, and is not blocked. */
    sc_trade_store *w = open_store(f->path, SC_TRADE_STORE_BATCH, 1000);
    int64_t run = begin_run(w, 3);
    add_trade(w, run, 1, "volatile", 7);
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_flush(w, &ei), SC_OK);
    int64_t t2 = add_trade(w, run, 2, "volatile", 8); /* still in the open batch */
    sc_trade_store *r = open_ro(f->path, SC_OK);
    sc_trade_ctx_row rows[4];
    size_t n = 0;
    assert_int_equal(sc_trade_store_list_trades_ctx(r, run, 0, rows, 4, &n, &ei), SC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].regime, "volatile");
    /* Every write is refused on the read-only handle, and writes nothing. */
    int64_t id = -1;
    sc_run_info info = {SC_RUN_BACKTEST, T0, "", "", "", "", 1, 0};
    assert_int_equal(sc_trade_store_begin_run(r, &info, &id, &ei), SC_ERR_STATE);
    assert_string_equal(ei.field, "read_only");
    sc_risk_trade t = sample_trade(9);
    assert_int_equal(sc_trade_store_record_trade(r, run, &t, &id, &ei), SC_ERR_STATE);
    sc_blunder_label_rec b = {t2, T0, "fee_drag", NULL};
    assert_int_equal(sc_trade_store_record_blunder_label(r, &b, &id, &ei), SC_ERR_STATE);
    assert_int_equal(sc_trade_store_end_run(r, run, T0 + 1, "ok", &ei), SC_ERR_STATE);
    assert_int_equal(id, -1);
    assert_int_equal(sc_trade_store_flush(r, &ei), SC_OK);
    sc_trade_store_close(r);
    sc_trade_store_close(w);
    assert_int_equal(query_i64(f->path, "SELECT count(*) FROM trades"), 2);
    assert_int_equal(query_i64(f->path, "SELECT count(*) FROM runs WHERE ended_ns IS NULL"), 1);
    /* A newer file is refused read-only too; a file of parameters only has
     * no trades component. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 3", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_null(open_ro(f->path, SC_ERR_UNSUPPORTED));
    char both[SC_TEST_PATH_MAX + 32];
    path_in(f, "both.db", both, sizeof(both));
    sc_param_store *ps = NULL;
    assert_int_equal(sc_param_store_open(both, &ps, &ei), SC_OK);
    sc_param_store_close(ps);
    assert_null(open_ro(both, SC_ERR_UNSUPPORTED));
}

/* A file as schema 1 left it: regime dropped, version 1. */
static void make_v1(const char *path) {
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "ALTER TABLE trades DROP COLUMN regime;"
                                  " UPDATE schema_version SET version = 1"
                                  " WHERE component = 'trades'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
}

static void test_schema_1_read_then_migrated(void **state) {
    fixture *f = *state;
    sc_trade_store *s = open_store(f->path, SC_TRADE_STORE_DURABLE, 0);
    int64_t run = begin_run(s, 1);
    int64_t t1 = add_trade(s, run, 1, "ranging", 3);
    add_label(s, t1, "clean_win", "x");
    sc_trade_store_close(s);
    make_v1(f->path);
    int64_t objects = query_i64(f->path, "SELECT count(*) FROM sqlite_master");
    /* Read-only: read as it is, regime "unknown", nothing migrated. */
    s = open_ro(f->path, SC_OK);
    sc_trade_ctx_row rows[2];
    size_t n = 0;
    sc_errinfo ei;
    assert_int_equal(sc_trade_store_list_trades_ctx(s, run, 0, rows, 2, &n, &ei), SC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].regime, "unknown");
    assert_int_equal(rows[0].labels, SC_BLUNDER_BIT(SC_BLUNDER_CLEAN_WIN));
    sc_trade_store_close(s);
    assert_int_equal(query_i64(f->path, "SELECT version FROM schema_version"
                                        " WHERE component = 'trades'"),
                     1);
    /* Read-write: migration 2 adds the column; the old row reads "unknown",
     * new rows take a regime, and trades stay immutable. */
    s = open_store(f->path, SC_TRADE_STORE_DURABLE, 0);
    add_trade(s, run, 2, "trending_down", -4);
    assert_int_equal(sc_trade_store_list_trades_ctx(s, run, 0, rows, 2, &n, &ei), SC_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].regime, "unknown");
    assert_string_equal(rows[1].regime, "trending_down");
    sc_trade_store_close(s);
    assert_int_equal(query_i64(f->path, "SELECT version FROM schema_version"
                                        " WHERE component = 'trades'"),
                     SC_TRADE_STORE_SCHEMA);
    assert_int_equal(query_i64(f->path, "SELECT count(*) FROM sqlite_master"), objects);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE trades SET regime = 'ranging'", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM trades", NULL, NULL, NULL), SQLITE_OK);
    /* The CHECK holds for rows written outside the store as well. */
    assert_int_not_equal(sqlite3_exec(db,
                                      "INSERT INTO trades (run_id, seq, side, opened_ns, closed_ns,"
                                      " hold_ns, entry_qty_steps, exit_qty_steps, entry_value_e8,"
                                      " exit_value_e8, entry_avg_px_e8, exit_avg_px_e8,"
                                      " realized_pnl_e8, fees_e8, funding_e8, net_pnl_e8, outcome,"
                                      " regime) VALUES (1, 9, 'buy', 0, 0, 0, 1, 1, 0, 0, 0, 0, 0,"
                                      " 0, 0, 0, 'scratch', 'Bad')",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);
}

/* ---- durable mode: SIGKILL at seeded moments -------------------------------------- */

static void send_ack(int fd, char kind, int64_t id) {
    unsigned char buf[CRASH_ACK_BYTES];
    buf[0] = (unsigned char)kind;
    memcpy(buf + 1, &id, sizeof(id));
    if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) { /* <= PIPE_BUF: atomic */
        _exit(3);
    }
}

/* The child: records orders and fills until it is killed; after each
 * acknowledged record (the call returned SC_OK) its id goes to the pipe. */
static void crash_child(const char *path, int fd) {
    sc_trade_store_config cfg = {.path = path, .mode = SC_TRADE_STORE_DURABLE};
    sc_trade_store *s = NULL;
    sc_errinfo ei;
    if (sc_trade_store_open(&cfg, &s, &ei) != SC_OK) {
        _exit(2);
    }
    sc_run_info run = {SC_RUN_LIVE, T0, "crash", HASH_A, HASH_B, "", 1, 0};
    int64_t rid = 0;
    if (sc_trade_store_begin_run(s, &run, &rid, &ei) != SC_OK) {
        _exit(2);
    }
    send_ack(fd, 'r', rid);
    for (int64_t seq = 1; seq <= CRASH_RECORDS_MAX; seq++) {
        sc_order_intent in = intent(seq);
        int64_t oid = 0;
        if (sc_trade_store_record_order(s, rid, seq, &in, T0 + seq, &oid, &ei) != SC_OK) {
            _exit(4);
        }
        send_ack(fd, 'o', oid);
        sc_fill_rec fill = {oid, T0 + seq, {6500000}, {1}, seq % 2 == 0, {100}, seq};
        int64_t fid = 0;
        if (sc_trade_store_record_fill(s, &fill, &fid, &ei) != SC_OK) {
            _exit(4);
        }
        send_ack(fd, 'f', fid);
    }
    sc_trade_store_close(s);
    _exit(0);
}

typedef struct {
    int64_t *orders;
    int64_t *fills;
    size_t n_orders;
    size_t n_fills;
    size_t n_runs;
} acks;

/* Reads one ack; false at end of file (the child is gone). */
static bool read_ack(int fd, acks *a) {
    unsigned char buf[CRASH_ACK_BYTES];
    size_t got = 0;
    while (got < sizeof(buf)) {
        ssize_t r = read(fd, buf + got, sizeof(buf) - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            assert_int_equal(got, 0); /* acks are written whole */
            return false;
        }
        got += (size_t)r;
    }
    int64_t id = 0;
    memcpy(&id, buf + 1, sizeof(id));
    assert_true(id > 0);
    if (buf[0] == 'o') {
        assert_true(a->n_orders < CRASH_RECORDS_MAX);
        a->orders[a->n_orders++] = id;
    } else if (buf[0] == 'f') {
        assert_true(a->n_fills < CRASH_RECORDS_MAX);
        a->fills[a->n_fills++] = id;
    } else {
        assert_int_equal(buf[0], 'r');
        a->n_runs++;
    }
    return true;
}

static void assert_present(sqlite3 *db, const char *sql, const int64_t *ids, size_t n) {
    if (n == 0) {
        return; /* a kill before or during the migration leaves no tables at all */
    }
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, ids[i]);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        if (sqlite3_column_int64(st, 0) != 1) {
            fail_msg("acknowledged id %lld lost: %s", (long long)ids[i], sql);
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
}

static void check_after_crash(const char *path, const acks *a) {
    sqlite3 *db = NULL;
    /* CREATE: a kill before the child's open leaves no file at all. */
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                     SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE); /* no fill without its order */
    sqlite3_finalize(st);
    /* The migration is one transaction: all of the schema or none of it. */
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                           " AND name IN ('runs', 'orders', 'fills', 'blunder_labels')",
                           -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n_tables = sqlite3_column_int64(st, 0);
    assert_true(n_tables == 0 || n_tables == 4);
    assert_true(n_tables == 4 || a->n_runs == 0);
    sqlite3_finalize(st);
    assert_present(db, "SELECT count(*) FROM orders WHERE id = ?1", a->orders, a->n_orders);
    assert_present(db, "SELECT count(*) FROM fills WHERE id = ?1", a->fills, a->n_fills);
    sqlite3_close(db);
    /* And the store itself opens it (WAL recovered, migrations a no-op). */
    sc_trade_store *s = open_store(path, SC_TRADE_STORE_DURABLE, 0);
    if (a->n_runs > 0) {
        sc_trade_store_counts c;
        sc_errinfo ei;
        assert_int_equal(sc_trade_store_counts_get(s, 1, &c, &ei), SC_OK);
        assert_true((size_t)c.orders >= a->n_orders && (size_t)c.fills >= a->n_fills);
        assert_true(c.fills <= c.orders && c.orders <= c.fills + 1); /* at most one pair torn */
    }
    sc_trade_store_close(s);
}

/* at_start: kill without waiting for an ack, so during open and migration. */
static void crash_once(const char *path, sc_rng *rng, bool at_start, acks *a) {
    uint64_t wait_acks = at_start ? 0 : sc_rng_next(rng) % (CRASH_WAIT_ACKS_MAX + 1);
    long extra_us = (long)(sc_rng_next(rng) % 3000);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        crash_child(path, p[1]);
    }
    close(p[1]);
    size_t seen = 0;
    while (seen < wait_acks && read_ack(p[0], a)) {
        seen++;
    }
    struct timespec ts = {0, extra_us * 1000};
    nanosleep(&ts, NULL); /* the child runs on: the kill lands mid-record */
    assert_int_equal(kill(pid, SIGKILL), 0);
    while (read_ack(p[0], a)) { /* acks already in the pipe count too */
    }
    close(p[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    print_message("crash: kill after %llu acks + %ld us: %zu orders, %zu fills acknowledged\n",
                  (unsigned long long)wait_acks, extra_us, a->n_orders, a->n_fills);
}

static void test_sigkill_loses_no_acknowledged_record(void **state) {
    fixture *f = *state;
    sc_rng rng;
    sc_rng_seed(&rng, UINT64_C(20261124));
    acks a;
    f->acked = calloc(2 * (size_t)CRASH_RECORDS_MAX, sizeof(int64_t));
    assert_non_null(f->acked);
    a.orders = f->acked;
    a.fills = f->acked + CRASH_RECORDS_MAX;
    for (int round = 0; round < CRASH_ROUNDS; round++) {
        char name[32];
        char path[SC_TEST_PATH_MAX + 32];
        snprintf(name, sizeof(name), "crash%d.db", round);
        path_in(f, name, path, sizeof(path));
        a.n_orders = a.n_fills = a.n_runs = 0;
        crash_once(path, &rng, round == 0, &a);
        check_after_crash(path, &a);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema_created_and_reopen_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coexists_with_param_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip_every_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_write_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_commits_on_flush_and_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_commits_every_n, setup, teardown),
        cmocka_unit_test_setup_teardown(test_durable_commits_each_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trades_with_regime_and_labels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_latest_and_list_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_1_read_then_migrated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_loses_no_acknowledged_record, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
