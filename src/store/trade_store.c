#include "store/trade_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

enum {
    BUSY_TIMEOUT_MS = 5000 /* wait this long for another writer, then fail */
};

/* The schema text mixes SQL literals with column macros; clang-format would
 * scatter it, so it is laid out by hand. BYTES: length() of TEXT counts
 * characters, the limits are in bytes. */
/* clang-format off */
#define BYTES(col) "length(CAST(" col " AS BLOB))"
#define TEXT_COL(col) " " col " TEXT NOT NULL CHECK (" BYTES(col) " <= 1000),"
#define HASH_COL(col) " " col " TEXT NOT NULL CHECK (length(" col ") IN (0, 64)),"
#define TIME_COL(col) " " col " INTEGER NOT NULL CHECK (" col " >= 0),"
#define BOOL_COL(col) " " col " INTEGER NOT NULL CHECK (" col " IN (0, 1)),"
#define SIDE_COL " side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),"
_Static_assert(SC_TRADE_STORE_TEXT_MAX == 1000, "TEXT_COL checks the same bound");
_Static_assert(SC_TRADE_STORE_LABEL_MAX == 64, "the label CHECK uses the same bound");
_Static_assert(SC_TRADE_STORE_JSON_MAX == 1048576, "the context CHECK uses the same bound");
_Static_assert(SC_TRADE_STORE_REGIME_MAX == 32, "the regime CHECK uses the same bound");
_Static_assert(SC_TRADE_STORE_NAME_MAX == 64, "NAME_OF_COL cuts at the same bound");

#define NO_CHANGE(table, op)                                                   \
    "CREATE TRIGGER " table "_no_" op " BEFORE " op " ON " table               \
    " BEGIN SELECT RAISE(ABORT, '" table " rows are immutable'); END;"
#define IMMUTABLE(table) NO_CHANGE(table, "UPDATE") NO_CHANGE(table, "DELETE")

#define RUNS_TABLE                                                             \
    "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT,"                 \
    " mode TEXT NOT NULL CHECK (mode IN ('backtest', 'paper', 'live')),"       \
    TIME_COL("started_ns")                                                     \
    " ended_ns INTEGER CHECK (ended_ns IS NULL OR ended_ns >= started_ns),"    \
    " status TEXT CHECK (status IS NULL OR " BYTES("status") " BETWEEN 1 AND 1000)," \
    TEXT_COL("version") HASH_COL("config_hash") HASH_COL("rulebook_hash")      \
    TEXT_COL("inputs")                                                         \
    " seed INTEGER NOT NULL,"                                                  \
    " params_version INTEGER NOT NULL CHECK (params_version >= 0));"           \
    "CREATE TRIGGER runs_no_DELETE BEFORE DELETE ON runs"                      \
    " BEGIN SELECT RAISE(ABORT, 'runs rows are immutable'); END;"              \
    "CREATE TRIGGER runs_end_once BEFORE UPDATE ON runs"                       \
    " WHEN OLD.ended_ns IS NOT NULL OR NEW.ended_ns IS NULL"                   \
    " OR NEW.id IS NOT OLD.id OR NEW.mode IS NOT OLD.mode"                     \
    " OR NEW.started_ns IS NOT OLD.started_ns OR NEW.version IS NOT OLD.version" \
    " OR NEW.config_hash IS NOT OLD.config_hash"                               \
    " OR NEW.rulebook_hash IS NOT OLD.rulebook_hash"                           \
    " OR NEW.inputs IS NOT OLD.inputs OR NEW.seed IS NOT OLD.seed"             \
    " OR NEW.params_version IS NOT OLD.params_version"                         \
    " BEGIN SELECT RAISE(ABORT, 'a run ends once; its other columns are immutable'); END;"

#define ORDERS_TABLE                                                           \
    "CREATE TABLE orders (id INTEGER PRIMARY KEY AUTOINCREMENT,"               \
    " run_id INTEGER NOT NULL REFERENCES runs (id),"                           \
    " seq INTEGER NOT NULL CHECK (seq >= 1),"                                  \
    " client_id TEXT NOT NULL CHECK (length(client_id) BETWEEN 1 AND 36),"     \
    SIDE_COL                                                                   \
    " type TEXT NOT NULL, tif TEXT NOT NULL,"                                  \
    " px_ticks INTEGER NOT NULL CHECK (px_ticks >= 0),"                        \
    " qty_steps INTEGER NOT NULL CHECK (qty_steps > 0),"                       \
    BOOL_COL("reduce_only")                                                    \
    " purpose TEXT NOT NULL,"                                                  \
    " stop_px_ticks INTEGER NOT NULL, target_px_ticks INTEGER NOT NULL,"       \
    TIME_COL("decided_ns") TIME_COL("recorded_ns")                             \
    " params_version INTEGER NOT NULL CHECK (params_version >= 0),"            \
    " UNIQUE (run_id, client_id), UNIQUE (run_id, seq));"                      \
    "CREATE INDEX orders_run_time ON orders (run_id, recorded_ns);"            \
    IMMUTABLE("orders")

#define EVENTS_TABLE                                                           \
    "CREATE TABLE order_events (id INTEGER PRIMARY KEY AUTOINCREMENT,"         \
    " order_id INTEGER NOT NULL REFERENCES orders (id),"                       \
    " kind TEXT NOT NULL,"                                                     \
    TIME_COL("ts_ns")                                                          \
    " exch_order_id INTEGER NOT NULL, state_after TEXT NOT NULL,"              \
    " fill_qty_steps INTEGER NOT NULL, fill_px_ticks INTEGER NOT NULL,"        \
    BOOL_COL("fill_maker")                                                     \
    " fill_fee_e8 INTEGER NOT NULL,"                                           \
    " reject_code INTEGER NOT NULL, reject_msg TEXT NOT NULL,"                 \
    " query_status TEXT NOT NULL, query_cum_qty_steps INTEGER NOT NULL,"       \
    " query_cum_cost_ticks_steps INTEGER NOT NULL);"                           \
    "CREATE INDEX order_events_order_time ON order_events (order_id, ts_ns);"  \
    IMMUTABLE("order_events")

#define FILLS_TABLE                                                            \
    "CREATE TABLE fills (id INTEGER PRIMARY KEY AUTOINCREMENT,"                \
    " order_id INTEGER NOT NULL REFERENCES orders (id),"                       \
    TIME_COL("ts_ns")                                                          \
    " px_ticks INTEGER NOT NULL CHECK (px_ticks > 0),"                         \
    " qty_steps INTEGER NOT NULL CHECK (qty_steps > 0),"                       \
    BOOL_COL("maker")                                                          \
    " fee_e8 INTEGER NOT NULL, exch_trade_id INTEGER NOT NULL);"               \
    "CREATE INDEX fills_order_time ON fills (order_id, ts_ns);"                \
    IMMUTABLE("fills")

#define TRADES_TABLE                                                           \
    "CREATE TABLE trades (id INTEGER PRIMARY KEY AUTOINCREMENT,"               \
    " run_id INTEGER NOT NULL REFERENCES runs (id),"                           \
    " seq INTEGER NOT NULL CHECK (seq >= 1),"                                  \
    SIDE_COL                                                                   \
    TIME_COL("opened_ns")                                                      \
    " closed_ns INTEGER NOT NULL CHECK (closed_ns >= opened_ns),"              \
    " hold_ns INTEGER NOT NULL CHECK (hold_ns >= 0),"                          \
    " entry_qty_steps INTEGER NOT NULL, exit_qty_steps INTEGER NOT NULL,"      \
    " entry_value_e8 INTEGER NOT NULL, exit_value_e8 INTEGER NOT NULL,"        \
    " entry_avg_px_e8 INTEGER NOT NULL, exit_avg_px_e8 INTEGER NOT NULL,"      \
    " realized_pnl_e8 INTEGER NOT NULL, fees_e8 INTEGER NOT NULL,"             \
    " funding_e8 INTEGER NOT NULL, net_pnl_e8 INTEGER NOT NULL,"               \
    " outcome TEXT NOT NULL CHECK (outcome IN ('scratch', 'win', 'loss')),"    \
    " UNIQUE (run_id, seq));"                                                  \
    "CREATE INDEX trades_run_time ON trades (run_id, closed_ns);"              \
    IMMUTABLE("trades")

#define DECISIONS_TABLE                                                        \
    "CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT,"            \
    " run_id INTEGER NOT NULL REFERENCES runs (id),"                           \
    TIME_COL("ts_ns")                                                          \
    " request_id INTEGER NOT NULL CHECK (request_id >= 0),"                    \
    " params_version INTEGER NOT NULL CHECK (params_version >= 0),"            \
    HASH_COL("rulebook_hash")                                                  \
    " action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 32),"           \
    " reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 32),"           \
    " latency_ns INTEGER NOT NULL CHECK (latency_ns >= -1),"                   \
    " context_json TEXT NOT NULL CHECK (" BYTES("context_json") " <= 1048576"  \
    " AND json_valid(context_json)));"                                         \
    "CREATE INDEX decisions_run_time ON decisions (run_id, ts_ns);"            \
    IMMUTABLE("decisions")

#define VERDICTS_TABLE                                                         \
    "CREATE TABLE verdicts (id INTEGER PRIMARY KEY AUTOINCREMENT,"             \
    " run_id INTEGER NOT NULL REFERENCES runs (id),"                           \
    " decision_id INTEGER REFERENCES decisions (id),"                          \
    TIME_COL("ts_ns") BOOL_COL("allowed")                                      \
    " level TEXT NOT NULL, reason TEXT NOT NULL, reason_code INTEGER NOT NULL," \
    BOOL_COL("exit_required") BOOL_COL("has_values")                           \
    " value REAL, limit_value REAL, unit TEXT NOT NULL,"                       \
    TEXT_COL("detail") HASH_COL("rulebook_hash")                               \
    " CHECK (allowed = (reason = 'ok')));"                                     \
    "CREATE INDEX verdicts_run_time ON verdicts (run_id, ts_ns);"              \
    "CREATE INDEX verdicts_decision ON verdicts (decision_id);"                \
    IMMUTABLE("verdicts")

#define KILL_TABLE                                                             \
    "CREATE TABLE kill_events (id INTEGER PRIMARY KEY AUTOINCREMENT,"          \
    " run_id INTEGER NOT NULL REFERENCES runs (id),"                           \
    TIME_COL("ts_ns")                                                          \
    " seq INTEGER NOT NULL CHECK (seq >= 1),"                                  \
    " kind TEXT NOT NULL CHECK (kind IN ('trip', 'reset')),"                   \
    " trigger_name TEXT NOT NULL,"                                             \
    " observed INTEGER NOT NULL, limit_value INTEGER NOT NULL,"                \
    TEXT_COL("reason")                                                         \
    " actions INTEGER NOT NULL CHECK (actions >= 0));"                         \
    "CREATE INDEX kill_events_run_time ON kill_events (run_id, ts_ns);"        \
    IMMUTABLE("kill_events")

#define LABELS_TABLE                                                           \
    "CREATE TABLE blunder_labels (id INTEGER PRIMARY KEY AUTOINCREMENT,"       \
    " trade_id INTEGER NOT NULL REFERENCES trades (id),"                       \
    TIME_COL("ts_ns")                                                          \
    " label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 64"               \
    " AND label NOT GLOB '*[^a-z0-9_]*'),"                                     \
    TEXT_COL("detail")                                                         \
    " UNIQUE (trade_id, label));"                                              \
    "CREATE INDEX blunder_labels_time ON blunder_labels (ts_ns);"              \
    IMMUTABLE("blunder_labels")

/* ADD COLUMN keeps the rows and the triggers (they name no column); the
 * CHECK is tested against the existing rows, which all get the default. */
#define TRADES_REGIME                                                          \
    "ALTER TABLE trades ADD COLUMN regime TEXT NOT NULL DEFAULT 'unknown'"     \
    " CHECK (length(regime) BETWEEN 1 AND 32 AND regime NOT GLOB '*[^a-z_]*');"

/* A group name of count_by: its first SC_TRADE_STORE_NAME_MAX bytes. */
#define NAME_OF_COL(col) "CAST(substr(CAST(" col " AS BLOB), 1, 64) AS TEXT)"
#define COUNT_BY(col, from_where)                                              \
    "SELECT " NAME_OF_COL(col) " AS k, count(*) " from_where                   \
    " GROUP BY k HAVING k > ?2 ORDER BY k LIMIT ?3"
/* clang-format on */

/* The "trades" component's migrations, in order: entry i takes it from
 * version i to i + 1. Append only; never edit a step once released. The
 * "params" component (ai/param_store.c) keeps its own list in the same
 * schema_version table.
 *   1: runs, orders, order_events, fills, trades, decisions, verdicts,
 *      kill_events, blunder_labels; their indexes and immutability.
 *   2: trades.regime (the regime at entry; "unknown" for older rows). */
static const char *const k_migrations[] = {
    RUNS_TABLE ORDERS_TABLE EVENTS_TABLE FILLS_TABLE TRADES_TABLE DECISIONS_TABLE VERDICTS_TABLE
        KILL_TABLE LABELS_TABLE,
    TRADES_REGIME,
};
_Static_assert(sizeof(k_migrations) / sizeof(k_migrations[0]) == SC_TRADE_STORE_SCHEMA,
               "one migration per trades schema version");

#define RUN_COLS                                                                                   \
    "id, mode, started_ns, ended_ns, status, version, config_hash, rulebook_hash, inputs, seed,"   \
    " params_version"
#define TRADE_COLS                                                                                 \
    "id, run_id, seq, side, opened_ns, closed_ns, hold_ns, entry_qty_steps, exit_qty_steps,"       \
    " entry_value_e8, exit_value_e8, entry_avg_px_e8, exit_avg_px_e8, realized_pnl_e8, fees_e8,"   \
    " funding_e8, net_pnl_e8, outcome"

/* Every statement, prepared once at open and reused (reset after each use).
 * Writes come first: a read-only handle prepares from ST_FIRST_READ on. */
typedef enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_INS_RUN,
    ST_END_RUN,
    ST_INS_ORDER,
    ST_INS_EVENT,
    ST_INS_FILL,
    ST_INS_TRADE,
    ST_INS_DECISION,
    ST_INS_VERDICT,
    ST_INS_KILL,
    ST_INS_LABEL,
    ST_GET_RUN,
    ST_COUNTS,
    ST_LIST_TRADES,
    ST_LATEST_RUN,
    ST_LIST_RUNS,
    ST_LIST_TRADES_CTX,
    ST_TRADE_LABEL_NAMES,
    ST_LIST_LABELS,
    ST_BY_VETO_REASON, /* count_by, in sc_trade_store_by order */
    ST_BY_VETO_LEVEL,
    ST_BY_DECISION_ACTION,
    ST_BY_DECISION_REASON,
    ST_BY_LABEL,
    ST_COUNT,
    ST_FIRST_READ = ST_GET_RUN
} stmt_id;
_Static_assert(ST_BY_LABEL - ST_BY_VETO_REASON + 1 == SC_TRADE_STORE_BY_COUNT,
               "one count_by statement per sc_trade_store_by");

typedef struct {
    const char *name;
    const char *sql;
} stmt_def;

static const stmt_def k_stmts[ST_COUNT] = {
    [ST_BEGIN] = {"begin", "BEGIN IMMEDIATE"},
    [ST_COMMIT] = {"commit", "COMMIT"},
    [ST_INS_RUN] = {"insert_run",
                    "INSERT INTO runs (mode, started_ns, version, config_hash, rulebook_hash,"
                    " inputs, seed, params_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
    [ST_END_RUN] = {"end_run", "UPDATE runs SET ended_ns = ?2, status = ?3 WHERE id = ?1"},
    [ST_INS_ORDER] = {"insert_order",
                      "INSERT INTO orders (run_id, seq, client_id, side, type, tif, px_ticks,"
                      " qty_steps, reduce_only, purpose, stop_px_ticks, target_px_ticks,"
                      " decided_ns, recorded_ns, params_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                      " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"},
    [ST_INS_EVENT] = {"insert_order_event",
                      "INSERT INTO order_events (order_id, kind, ts_ns, exch_order_id,"
                      " state_after, fill_qty_steps, fill_px_ticks, fill_maker, fill_fee_e8,"
                      " reject_code, reject_msg, query_status, query_cum_qty_steps,"
                      " query_cum_cost_ticks_steps) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                      " ?10, ?11, ?12, ?13, ?14)"},
    [ST_INS_FILL] = {"insert_fill",
                     "INSERT INTO fills (order_id, ts_ns, px_ticks, qty_steps, maker, fee_e8,"
                     " exch_trade_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
    [ST_INS_TRADE] = {"insert_trade",
                      "INSERT INTO trades (run_id, seq, side, opened_ns, closed_ns, hold_ns,"
                      " entry_qty_steps, exit_qty_steps, entry_value_e8, exit_value_e8,"
                      " entry_avg_px_e8, exit_avg_px_e8, realized_pnl_e8, fees_e8, funding_e8,"
                      " net_pnl_e8, outcome, regime) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                      " ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"},
    [ST_INS_DECISION] = {"insert_decision",
                         "INSERT INTO decisions (run_id, ts_ns, request_id, params_version,"
                         " rulebook_hash, action, reason, latency_ns, context_json)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
    [ST_INS_VERDICT] = {"insert_verdict",
                        "INSERT INTO verdicts (run_id, decision_id, ts_ns, allowed, level, reason,"
                        " reason_code, exit_required, has_values, value, limit_value, unit,"
                        " detail, rulebook_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                        " ?11, ?12, ?13, ?14)"},
    [ST_INS_KILL] = {"insert_kill_event",
                     "INSERT INTO kill_events (run_id, ts_ns, seq, kind, trigger_name, observed,"
                     " limit_value, actions, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
    [ST_INS_LABEL] = {"insert_blunder_label",
                      "INSERT INTO blunder_labels (trade_id, ts_ns, label, detail)"
                      " VALUES (?1, ?2, ?3, ?4)"},
    [ST_GET_RUN] = {"get_run", "SELECT " RUN_COLS " FROM runs WHERE id = ?1"},
    [ST_COUNTS] = {"count_rows",
                   "SELECT (SELECT count(*) FROM orders WHERE run_id = ?1),"
                   " (SELECT count(*) FROM order_events e JOIN orders o ON e.order_id = o.id"
                   "  WHERE o.run_id = ?1),"
                   " (SELECT count(*) FROM fills f JOIN orders o ON f.order_id = o.id"
                   "  WHERE o.run_id = ?1),"
                   " (SELECT count(*) FROM trades WHERE run_id = ?1),"
                   " (SELECT count(*) FROM decisions WHERE run_id = ?1),"
                   " (SELECT count(*) FROM verdicts WHERE run_id = ?1),"
                   " (SELECT count(*) FROM kill_events WHERE run_id = ?1),"
                   " (SELECT count(*) FROM blunder_labels b JOIN trades t ON b.trade_id = t.id"
                   "  WHERE t.run_id = ?1)"},
    [ST_LIST_TRADES] = {"list_trades", "SELECT " TRADE_COLS " FROM trades WHERE run_id = ?1"
                                       " AND seq > ?2 ORDER BY seq LIMIT ?3"},
    [ST_LATEST_RUN] = {"latest_run", "SELECT max(id) FROM runs"},
    [ST_LIST_RUNS] = {"list_runs", "SELECT " RUN_COLS " FROM runs WHERE ?1 <= 0 OR id < ?1"
                                   " ORDER BY id DESC LIMIT ?2"},
    [ST_LIST_TRADES_CTX] = {"list_trades_ctx",
                            "SELECT " TRADE_COLS ", regime FROM trades WHERE run_id = ?1"
                            " AND seq > ?2 ORDER BY seq LIMIT ?3"},
    [ST_TRADE_LABEL_NAMES] = {"trade_label_names",
                              "SELECT label FROM blunder_labels WHERE trade_id = ?1"},
    [ST_LIST_LABELS] = {"list_labels",
                        "SELECT id, trade_id, ts_ns, label, detail FROM blunder_labels"
                        " WHERE trade_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"},
    [ST_BY_VETO_REASON] = {"count_veto_reasons",
                           COUNT_BY("reason", "FROM verdicts WHERE run_id = ?1 AND allowed = 0")},
    [ST_BY_VETO_LEVEL] = {"count_veto_levels",
                          COUNT_BY("level", "FROM verdicts WHERE run_id = ?1 AND allowed = 0")},
    [ST_BY_DECISION_ACTION] = {"count_decision_actions",
                               COUNT_BY("action", "FROM decisions WHERE run_id = ?1")},
    [ST_BY_DECISION_REASON] = {"count_decision_reasons",
                               COUNT_BY("reason", "FROM decisions WHERE run_id = ?1")},
    [ST_BY_LABEL] = {"count_labels",
                     COUNT_BY("b.label", "FROM blunder_labels b JOIN trades t ON b.trade_id = t.id"
                                         " WHERE t.run_id = ?1")},
};

/* A read-only handle on an older file prepares these instead (a column
 * the file does not have reads as its default). */
static const char *const k_sql_v1[ST_COUNT] = {
    [ST_LIST_TRADES_CTX] = "SELECT " TRADE_COLS ", 'unknown' FROM trades WHERE run_id = ?1"
                           " AND seq > ?2 ORDER BY seq LIMIT ?3",
};

struct sc_trade_store {
    sqlite3 *db;
    bool read_only;
    int64_t schema; /* the file's "trades" version: SC_TRADE_STORE_SCHEMA unless read_only */
    sc_trade_store_mode mode;
    uint32_t batch_records; /* BATCH: commit when pending reaches it */
    uint32_t pending;       /* records in the open batch */
    sqlite3_stmt *st[ST_COUNT];
};

static const char *const k_run_modes[] = {"backtest", "paper", "live"};
static const char *const k_sides[] = {"buy", "sell"};
static const char *const k_event_kinds[SC_ORDER_EV_KIND_COUNT] = {
    "submit_sent", "ack", "fill", "cancel_ack", "reject", "expire", "timeout", "query"};
static const char *const k_query_statuses[] = {"open",     "partially_filled", "filled",
                                               "canceled", "expired",          "not_found"};

static const char *name_of(const char *const *names, size_t n, int v) {
    return v >= 0 && (size_t)v < n ? names[v] : "?";
}
#define NAME_OF(table, v) name_of(table, sizeof(table) / sizeof(table[0]), (int)(v))

static bool parse_name(const char *const *names, size_t n, const char *text, int *out) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(names[i], text) == 0) {
            *out = (int)i;
            return true;
        }
    }
    return false;
}

const char *sc_run_mode_name(sc_run_mode m) {
    return NAME_OF(k_run_modes, m);
}

/* ---- SQLite helpers ------------------------------------------------------ */

/* The statement's name and SQL, and SQLite's message. A constraint (CHECK,
 * UNIQUE, FOREIGN KEY, NOT NULL, a trigger) is a refused value, not an I/O
 * failure: the caller passed something the schema does not allow. */
static sc_err db_error(sqlite3 *db, const char *name, const char *sql, sc_errinfo *err) {
    const char *msg = db != NULL ? sqlite3_errmsg(db) : "out of memory";
    sc_errinfo_set(err, name, sql, msg, strlen(msg));
    if (db != NULL && (sqlite3_extended_errcode(db) & 0xff) == SQLITE_CONSTRAINT) {
        return SC_ERR_INVALID_ARG;
    }
    return SC_ERR_IO;
}

static sc_err exec(sqlite3 *db, const char *name, const char *sql, sc_errinfo *err) {
    SC_ASSERT(db != NULL && sql != NULL);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        return db_error(db, name, sql, err);
    }
    return SC_OK;
}

static sc_err stmt_error(sc_trade_store *s, stmt_id id, sc_errinfo *err) {
    return db_error(s->db, k_stmts[id].name, k_stmts[id].sql, err);
}

/* Binders that keep the first failure: rc = b_i64(st, 1, x, rc). */
static int b_i64(sqlite3_stmt *st, int col, int64_t v, int rc) {
    return rc == SQLITE_OK ? sqlite3_bind_int64(st, col, v) : rc;
}

static int b_text(sqlite3_stmt *st, int col, const char *v, int rc) {
    return rc == SQLITE_OK ? sqlite3_bind_text(st, col, v != NULL ? v : "", -1, SQLITE_STATIC) : rc;
}

static int b_real(sqlite3_stmt *st, int col, double v, int rc) {
    return rc == SQLITE_OK ? sqlite3_bind_double(st, col, v) : rc;
}

static void copy_column(sqlite3_stmt *st, int col, char *dst, size_t cap) {
    SC_ASSERT(dst != NULL && cap > 0);
    const unsigned char *t = sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    size_t len = (t == NULL || n < 0) ? 0 : (size_t)n;
    len = len < cap ? len : cap - 1;
    if (len > 0) {
        memcpy(dst, t, len);
    }
    dst[len] = '\0';
}

static void stmt_done(sqlite3_stmt *st) {
    (void)sqlite3_reset(st); /* its error was read from the step */
    (void)sqlite3_clear_bindings(st);
}

/* ---- transactions -------------------------------------------------------- */

static sc_err commit_batch(sc_trade_store *s, sc_errinfo *err) {
    if (sqlite3_get_autocommit(s->db) != 0) {
        SC_ASSERT(s->pending == 0);
        return SC_OK;
    }
    sqlite3_stmt *st = s->st[ST_COMMIT];
    int rc = sqlite3_step(st);
    sc_err e = rc == SQLITE_DONE ? SC_OK : stmt_error(s, ST_COMMIT, err);
    stmt_done(st);
    if (e != SC_OK && sqlite3_get_autocommit(s->db) == 0) {
        /* A COMMIT that fails keeps the transaction; drop it, so the next
         * record does not go into a batch that can no longer commit. */
        (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    SC_ASSERT(sqlite3_get_autocommit(s->db) != 0);
    s->pending = 0;
    return e;
}

/* Before a record: BATCH opens a transaction when none is open; DURABLE
 * runs each record in autocommit (its own synchronous transaction). */
static sc_err write_begin(sc_trade_store *s, sc_errinfo *err) {
    if (s->mode == SC_TRADE_STORE_DURABLE) {
        SC_ASSERT(sqlite3_get_autocommit(s->db) != 0);
        SC_ASSERT(s->pending == 0);
        return SC_OK;
    }
    if (sqlite3_get_autocommit(s->db) == 0) {
        SC_ASSERT(s->pending < s->batch_records);
        return SC_OK;
    }
    SC_ASSERT(s->pending == 0);
    sqlite3_stmt *st = s->st[ST_BEGIN];
    sc_err e = sqlite3_step(st) == SQLITE_DONE ? SC_OK : stmt_error(s, ST_BEGIN, err);
    stmt_done(st);
    return e;
}

/* Steps an insert whose values are bound; the row id into id_out. */
static sc_err write_step(sc_trade_store *s, stmt_id id, int rc, int64_t *id_out, sc_errinfo *err) {
    SC_ASSERT(id_out != NULL);
    sqlite3_stmt *st = s->st[id];
    bool was_open = sqlite3_get_autocommit(s->db) == 0;
    sc_err e = write_begin(s, err);
    if (e != SC_OK) {
        stmt_done(st);
        return e;
    }
    rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    if (rc == SQLITE_DONE) {
        *id_out = sqlite3_last_insert_rowid(s->db);
        SC_ASSERT(*id_out > 0);
    } else {
        e = stmt_error(s, id, err);
    }
    stmt_done(st);
    if (s->mode == SC_TRADE_STORE_DURABLE) {
        SC_ASSERT(sqlite3_get_autocommit(s->db) != 0); /* committed, or nothing written */
        return e;
    }
    if (e != SC_OK) {
        if (sqlite3_get_autocommit(s->db) != 0 && was_open && s->pending > 0) {
            /* An I/O error or a full disk: SQLite rolled the batch back. */
            char what[SC_ERRINFO_TEXT_MAX];
            snprintf(what, sizeof(what), "%s; the open batch of %u records was rolled back",
                     k_stmts[id].name, (unsigned)s->pending);
            const char *msg = sqlite3_errmsg(s->db);
            sc_errinfo_set(err, "batch", what, msg, strlen(msg));
            s->pending = 0;
        }
        return e;
    }
    s->pending++;
    return s->pending >= s->batch_records ? commit_batch(s, err) : SC_OK;
}

/* ---- open, migrations, close --------------------------------------------- */

static sc_err component_version(sqlite3 *db, const char *component, int64_t *out, sc_errinfo *err) {
    static const char sql[] = "SELECT version FROM schema_version WHERE component = ?1";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        return db_error(db, "schema_version", sql, err);
    }
    *out = 0;
    sc_err e = SC_OK;
    int rc = b_text(st, 1, component, SQLITE_OK);
    rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
    } else if (rc != SQLITE_DONE) {
        e = db_error(db, "schema_version", sql, err);
    }
    sqlite3_finalize(st);
    return e;
}

static sc_err set_component_version(sqlite3 *db, const char *component, int64_t v,
                                    sc_errinfo *err) {
    static const char sql[] = "INSERT INTO schema_version (component, version) VALUES (?1, ?2)"
                              " ON CONFLICT (component) DO UPDATE SET version = excluded.version";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        return db_error(db, "schema_version", sql, err);
    }
    int rc = b_text(st, 1, component, SQLITE_OK);
    rc = b_i64(st, 2, v, rc);
    rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    sc_err e = rc == SQLITE_DONE ? SC_OK : db_error(db, "schema_version", sql, err);
    sqlite3_finalize(st);
    return e;
}

/* The file's component version cur is outside lo..n (this build's). */
static sc_err schema_refused(const char *component, int64_t lo, int64_t n, int64_t cur,
                             sc_errinfo *err) {
    char expected[96];
    char got[96];
    snprintf(expected, sizeof(expected), "%s schema %lld..%lld (this build)", component,
             (long long)lo, (long long)n);
    int gn = cur == 0
                 ? snprintf(got, sizeof(got), "none (no %s tables in this file)", component)
                 : snprintf(got, sizeof(got), "%lld (written by a newer scalper?)", (long long)cur);
    sc_errinfo_set(err, "schema_version", expected, got, gn > 0 ? (size_t)gn : 0);
    return SC_ERR_UNSUPPORTED;
}

/* Brings the component from its recorded version to n in one transaction
 * (a failed step leaves the file as it was). The schema_version table is
 * created exactly as ai/param_store.c creates it: whichever opens first. */
static sc_err migrate(sqlite3 *db, const char *component, const char *const *steps, int64_t n,
                      sc_errinfo *err) {
    SC_ASSERT(steps != NULL && n >= 1);
    sc_err e = exec(db, "begin", "BEGIN IMMEDIATE", err);
    if (e != SC_OK) {
        return e;
    }
    e = exec(db, "schema_version",
             "CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY,"
             " version INTEGER NOT NULL CHECK (version >= 0))",
             err);
    int64_t cur = 0;
    e = e == SC_OK ? component_version(db, component, &cur, err) : e;
    if (e == SC_OK && (cur < 0 || cur > n)) {
        e = schema_refused(component, 0, n, cur, err);
    }
    for (int64_t i = cur; e == SC_OK && i < n; i++) {
        e = exec(db, "migration", steps[i], err);
    }
    if (e == SC_OK && cur != n) {
        e = set_component_version(db, component, n, err);
    }
    if (e == SC_OK) {
        e = exec(db, "commit", "COMMIT", err);
    }
    if (e != SC_OK) {
        (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL); /* keeps the first error */
    }
    SC_ASSERT(sqlite3_get_autocommit(db) != 0);
    return e;
}

static sc_err configure(sqlite3 *db, sc_errinfo *err) {
    (void)sqlite3_extended_result_codes(db, 1);
    if (sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS) != SQLITE_OK) {
        return db_error(db, "busy_timeout", "sqlite3_busy_timeout", err);
    }
    static const char wal[] = "PRAGMA journal_mode=WAL";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, wal, -1, &st, NULL) != SQLITE_OK) {
        return db_error(db, "journal_mode", wal, err);
    }
    char mode[16] = "";
    sc_err e = SC_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        copy_column(st, 0, mode, sizeof(mode));
    } else {
        e = db_error(db, "journal_mode", wal, err);
    }
    sqlite3_finalize(st);
    /* An in-memory database reports "memory": it has no journal to switch. */
    if (e == SC_OK && strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0) {
        sc_errinfo_set(err, "journal_mode", "wal", mode, strlen(mode));
        return SC_ERR_IO;
    }
    /* FULL: a WAL commit is fsynced before COMMIT returns (NORMAL would
     * leave the last commits to the next checkpoint, lost on power loss). */
    return e == SC_OK ? exec(db, "pragmas", "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", err)
                      : e;
}

/* Read-only: nothing is created or migrated; the file's "trades" version
 * must be one this build reads (1..SC_TRADE_STORE_SCHEMA). */
static sc_err check_read_only(sqlite3 *db, int64_t *schema_out, sc_errinfo *err) {
    static const char sql[] = "SELECT count(*) FROM sqlite_master"
                              " WHERE type = 'table' AND name = 'schema_version'";
    (void)sqlite3_extended_result_codes(db, 1);
    if (sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS) != SQLITE_OK) {
        return db_error(db, "busy_timeout", "sqlite3_busy_timeout", err);
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        return db_error(db, "schema_version", sql, err); /* e.g. not a database */
    }
    int rc = sqlite3_step(st);
    bool has = rc == SQLITE_ROW && sqlite3_column_int64(st, 0) == 1;
    sc_err e = rc == SQLITE_ROW ? SC_OK : db_error(db, "schema_version", sql, err);
    sqlite3_finalize(st);
    int64_t cur = 0;
    e = e == SC_OK && has ? component_version(db, "trades", &cur, err) : e;
    if (e == SC_OK && (cur < 1 || cur > SC_TRADE_STORE_SCHEMA)) {
        e = schema_refused("trades", 1, SC_TRADE_STORE_SCHEMA, cur, err);
    }
    *schema_out = cur;
    return e;
}

static sc_err prepare_all(sc_trade_store *s, sc_errinfo *err) {
    SC_ASSERT(s->schema >= 1 && s->schema <= SC_TRADE_STORE_SCHEMA);
    SC_ASSERT(s->read_only || s->schema == SC_TRADE_STORE_SCHEMA);
    _Static_assert(SC_TRADE_STORE_SCHEMA == 2, "k_sql_v1 covers the one older version");
    for (int i = s->read_only ? ST_FIRST_READ : 0; i < ST_COUNT; i++) {
        SC_ASSERT(k_stmts[i].name != NULL && k_stmts[i].sql != NULL);
        const char *sql = s->schema == 1 && k_sql_v1[i] != NULL ? k_sql_v1[i] : k_stmts[i].sql;
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) !=
            SQLITE_OK) {
            return stmt_error(s, (stmt_id)i, err);
        }
        SC_ASSERT(s->st[i] != NULL);
    }
    return SC_OK;
}

static sc_err check_config(const sc_trade_store_config *cfg, sc_errinfo *err) {
    if (cfg->path == NULL || cfg->path[0] == '\0') {
        sc_errinfo_set(err, "path", "a database file", "", 0);
        return SC_ERR_INVALID_ARG;
    }
    if (cfg->mode != SC_TRADE_STORE_DURABLE && cfg->mode != SC_TRADE_STORE_BATCH) {
        sc_errinfo_set(err, "mode", "durable or batch", "?", 1);
        return SC_ERR_INVALID_ARG;
    }
    if (cfg->batch_records > SC_TRADE_STORE_BATCH_MAX) {
        char got[32];
        int n = snprintf(got, sizeof(got), "%u", (unsigned)cfg->batch_records);
        sc_errinfo_set(err, "batch_records", "0..1000000", got, n > 0 ? (size_t)n : 0);
        return SC_ERR_LIMIT;
    }
    return SC_OK;
}

sc_err sc_trade_store_open(const sc_trade_store_config *cfg, sc_trade_store **out,
                           sc_errinfo *err) {
    SC_ASSERT(cfg != NULL && out != NULL);
    *out = NULL;
    sc_err e = check_config(cfg, err);
    if (e != SC_OK) {
        return e;
    }
    sc_trade_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        sc_errinfo_set(err, "memory", "a store handle", "out of memory", 13);
        return SC_ERR_NOMEM;
    }
    s->read_only = cfg->read_only;
    s->schema = SC_TRADE_STORE_SCHEMA;
    /* Read-only: no writes, so no batch (pending stays 0). */
    s->mode = cfg->read_only ? SC_TRADE_STORE_DURABLE : cfg->mode;
    s->batch_records = s->mode == SC_TRADE_STORE_DURABLE ? 1u
                       : cfg->batch_records == 0         ? (uint32_t)SC_TRADE_STORE_BATCH_DEFAULT
                                                         : cfg->batch_records;
    int flags = cfg->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(cfg->path, &s->db, flags, NULL) != SQLITE_OK) {
        e = db_error(s->db, "open", cfg->path, err);
    }
    if (cfg->read_only) {
        e = e == SC_OK ? check_read_only(s->db, &s->schema, err) : e;
    } else {
        e = e == SC_OK ? configure(s->db, err) : e;
        e = e == SC_OK ? migrate(s->db, "trades", k_migrations, SC_TRADE_STORE_SCHEMA, err) : e;
    }
    e = e == SC_OK ? prepare_all(s, err) : e;
    if (e != SC_OK) {
        sc_trade_store_close(s);
        return e;
    }
    *out = s;
    return SC_OK;
}

void sc_trade_store_close(sc_trade_store *s) {
    if (s == NULL) {
        return;
    }
    if (s->db != NULL && s->st[ST_COMMIT] != NULL) {
        (void)commit_batch(s, NULL); /* see the header: flush first to see an error */
    }
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(s->st[i]); /* NULL is a no-op */
    }
    int rc = sqlite3_close(s->db);
    SC_ASSERT(rc == SQLITE_OK); /* every statement is finalized above */
    free(s);
}

sc_err sc_trade_store_flush(sc_trade_store *s, sc_errinfo *err) {
    SC_ASSERT(s != NULL);
    return commit_batch(s, err);
}

uint32_t sc_trade_store_pending(const sc_trade_store *s) {
    SC_ASSERT(s != NULL);
    SC_ASSERT(s->mode == SC_TRADE_STORE_BATCH || s->pending == 0);
    return s->pending;
}

/* ---- writing ------------------------------------------------------------- */

/* Every write call on a read-only handle, before anything is bound (its
 * write statements are not even prepared). */
static sc_err read_only_refused(sc_errinfo *err) {
    static const char got[] = "a read-only handle";
    sc_errinfo_set(err, "read_only", "a handle opened for writing", got, sizeof(got) - 1);
    return SC_ERR_STATE;
}

sc_err sc_trade_store_begin_run(sc_trade_store *s, const sc_run_info *run, int64_t *run_id_out,
                                sc_errinfo *err) {
    SC_ASSERT(s != NULL && run != NULL && run_id_out != NULL);
    if (s->read_only) {
        return read_only_refused(err);
    }
    sqlite3_stmt *st = s->st[ST_INS_RUN];
    int rc = b_text(st, 1, sc_run_mode_name(run->mode), SQLITE_OK);
    rc = b_i64(st, 2, run->started_ns, rc);
    rc = b_text(st, 3, run->version, rc);
    rc = b_text(st, 4, run->config_hash, rc);
    rc = b_text(st, 5, run->rulebook_hash, rc);
    rc = b_text(st, 6, run->inputs, rc);
    rc = b_i64(st, 7, (int64_t)run->seed, rc); /* the bit pattern; read back as uint64 */
    rc = b_i64(st, 8, run->params_version, rc);
    sc_err e = write_step(s, ST_INS_RUN, rc, run_id_out, err);
    return e == SC_OK ? commit_batch(s, err) : e;
}

sc_err sc_trade_store_end_run(sc_trade_store *s, int64_t run_id, sc_ns ended_ns, const char *status,
                              sc_errinfo *err) {
    SC_ASSERT(s != NULL);
    if (s->read_only) {
        return read_only_refused(err);
    }
    sc_run_row row;
    sc_err e = sc_trade_store_get_run(s, run_id, &row, err);
    if (e != SC_OK) {
        return e;
    }
    if (row.ended_ns >= 0) {
        sc_errinfo_set(err, "run", "a run that has not ended", row.status, strlen(row.status));
        return SC_ERR_STATE;
    }
    sqlite3_stmt *st = s->st[ST_END_RUN];
    int rc = b_i64(st, 1, run_id, SQLITE_OK);
    rc = b_i64(st, 2, ended_ns, rc);
    rc = b_text(st, 3, status, rc);
    e = write_begin(s, err);
    if (e == SC_OK) {
        rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
        e = rc == SQLITE_DONE ? SC_OK : stmt_error(s, ST_END_RUN, err);
        SC_ASSERT(e != SC_OK || sqlite3_changes(s->db) == 1);
    }
    stmt_done(st);
    if (e != SC_OK) {
        return e;
    }
    s->pending += s->mode == SC_TRADE_STORE_BATCH ? 1u : 0u;
    return commit_batch(s, err);
}

sc_err sc_trade_store_record_order(sc_trade_store *s, int64_t run_id, int64_t seq,
                                   const sc_order_intent *in, sc_ns ts_ns, int64_t *order_id_out,
                                   sc_errinfo *err) {
    SC_ASSERT(s != NULL && in != NULL && order_id_out != NULL);
    SC_ASSERT(run_id > 0);
    if (s->read_only) {
        return read_only_refused(err);
    }
    sqlite3_stmt *st = s->st[ST_INS_ORDER];
    int rc = b_i64(st, 1, run_id, SQLITE_OK);
    rc = b_i64(st, 2, seq, rc);
    rc = b_text(st, 3, in->client_id, rc);
    rc = b_text(st, 4, NAME_OF(k_sides, in->side), rc);
    rc = b_text(st, 5, sc_order_type_name(in->type), rc);
    rc = b_text(st, 6, sc_tif_name(in->tif), rc);
    rc = b_i64(st, 7, in->px.ticks, rc);
    rc = b_i64(st, 8, in->qty.steps, rc);
    rc = b_i64(st, 9, in->reduce_only ? 1 : 0, rc);
    rc = b_text(st, 10, sc_order_purpose_name(in->purpose), rc);
    rc = b_i64(st, 11, in->stop_px.ticks, rc);
    rc = b_i64(st, 12, in->target_px.ticks, rc);
    rc = b_i64(st, 13, in->ts_ns, rc);
    rc = b_i64(st, 14, ts_ns, rc);
    rc = b_i64(st, 15, in->params_version, rc);
    /* DURABLE: write_step returns after the autocommit, i.e. after the
     * fsync of the WAL (synchronous=FULL): the order is on disk. */
    return write_step(s, ST_INS_ORDER, rc, order_id_out, err);
}

sc_err sc_trade_store_record_order_event(sc_trade_store *s, int64_t order_id,
                                         const sc_order_event *ev, sc_order_state state_after,
                                         int64_t *event_id_out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && ev != NULL && event_id_out != NULL);
    SC_ASSERT(order_id > 0);
    if (s->read_only) {
        return read_only_refused(err);
    }
    bool fill = ev->kind == SC_ORDER_EV_FILL;
    bool rej = ev->kind == SC_ORDER_EV_REJECT;
    bool query = ev->kind == SC_ORDER_EV_QUERY;
    sqlite3_stmt *st = s->st[ST_INS_EVENT];
    int rc = b_i64(st, 1, order_id, SQLITE_OK);
    rc = b_text(st, 2, NAME_OF(k_event_kinds, ev->kind), rc);
    rc = b_i64(st, 3, ev->ts_ns, rc);
    rc = b_i64(st, 4, ev->exch_order_id, rc);
    rc = b_text(st, 5, sc_order_state_name(state_after), rc);
    rc = b_i64(st, 6, fill ? ev->fill.qty.steps : 0, rc);
    rc = b_i64(st, 7, fill ? ev->fill.px.ticks : 0, rc);
    rc = b_i64(st, 8, fill && ev->fill.maker ? 1 : 0, rc);
    rc = b_i64(st, 9, fill ? ev->fill.fee.e8 : 0, rc);
    rc = b_i64(st, 10, rej ? ev->reject.code : 0, rc);
    rc = b_text(st, 11, rej ? ev->reject.msg : "", rc);
    rc = b_text(st, 12, query ? NAME_OF(k_query_statuses, ev->query.status) : "", rc);
    rc = b_i64(st, 13, query ? ev->query.cum_qty.steps : 0, rc);
    rc = b_i64(st, 14, query ? ev->query.cum_cost_ticks_steps : 0, rc);
    return write_step(s, ST_INS_EVENT, rc, event_id_out, err);
}

sc_err sc_trade_store_record_fill(sc_trade_store *s, const sc_fill_rec *f, int64_t *fill_id_out,
                                  sc_errinfo *err) {
    SC_ASSERT(s != NULL && f != NULL && fill_id_out != NULL);
    SC_ASSERT(f->order_id > 0);
    if (s->read_only) {
        return read_only_refused(err);
    }
    sqlite3_stmt *st = s->st[ST_INS_FILL];
    int rc = b_i64(st, 1, f->order_id, SQLITE_OK);
    rc = b_i64(st, 2, f->ts_ns, rc);
    rc = b_i64(st, 3, f->px.ticks, rc);
    rc = b_i64(st, 4, f->qty.steps, rc);
    rc = b_i64(st, 5, f->maker ? 1 : 0, rc);
    rc = b_i64(st, 6, f->fee.e8, rc);
    rc = b_i64(st, 7, f->exch_trade_id, rc);
    return write_step(s, ST_INS_FILL, rc, fill_id_out, err);
}

sc_err sc_trade_store_record_trade(sc_trade_store *s, int64_t run_id, const sc_risk_trade *t,
                                   int64_t *trade_id_out, sc_errinfo *err) {
    return sc_trade_store_record_trade_ctx(s, run_id, t, "unknown", trade_id_out, err);
}

sc_err sc_trade_store_record_trade_ctx(sc_trade_store *s, int64_t run_id, const sc_risk_trade *t,
                                       const char *regime, int64_t *trade_id_out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && t != NULL && trade_id_out != NULL);
    SC_ASSERT(run_id > 0);
    if (s->read_only) {
        return read_only_refused(err);
    }
    sqlite3_stmt *st = s->st[ST_INS_TRADE];
    int rc = b_i64(st, 1, run_id, SQLITE_OK);
    rc = b_i64(st, 2, t->seq, rc);
    rc = b_text(st, 3, NAME_OF(k_sides, t->side), rc);
    rc = b_i64(st, 4, t->opened_ns, rc);
    rc = b_i64(st, 5, t->closed_ns, rc);
    rc = b_i64(st, 6, t->hold_ns, rc);
    rc = b_i64(st, 7, t->entry_qty_steps, rc);
    rc = b_i64(st, 8, t->exit_qty_steps, rc);
    rc = b_i64(st, 9, t->entry_value.e8, rc);
    rc = b_i64(st, 10, t->exit_value.e8, rc);
    rc = b_i64(st, 11, t->entry_avg_px.e8, rc);
    rc = b_i64(st, 12, t->exit_avg_px.e8, rc);
    rc = b_i64(st, 13, t->realized_pnl.e8, rc);
    rc = b_i64(st, 14, t->fees.e8, rc);
    rc = b_i64(st, 15, t->funding.e8, rc);
    rc = b_i64(st, 16, t->net_pnl.e8, rc);
    rc = b_text(st, 17, sc_risk_trade_outcome_name(t->outcome), rc);
    rc = b_text(st, 18, regime, rc); /* its length and alphabet: the CHECK */
    return write_step(s, ST_INS_TRADE, rc, trade_id_out, err);
}

sc_err sc_trade_store_record_decision(sc_trade_store *s, int64_t run_id, const sc_decision_rec *d,
                                      int64_t *decision_id_out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && d != NULL && decision_id_out != NULL);
    SC_ASSERT(run_id > 0);
    if (s->read_only) {
        return read_only_refused(err);
    }
    sqlite3_stmt *st = s->st[ST_INS_DECISION];
    int rc = b_i64(st, 1, run_id, SQLITE_OK);
    rc = b_i64(st, 2, d->ts_ns, rc);
    rc = b_i64(st, 3, d->request_id, rc);
    rc = b_i64(st, 4, d->params_version, rc);
    rc = b_text(st, 5, d->rulebook_hash, rc);
    rc = b_text(st, 6, d->action, rc);
    rc = b_text(st, 7, d->reason, rc);
    rc = b_i64(st, 8, d->latency_ns, rc);
    rc = b_text(st, 9, d->context_json, rc); /* json_valid and the size: CHECKs */
    return write_step(s, ST_INS_DECISION, rc, decision_id_out, err);
}

sc_err sc_trade_store_record_verdict(sc_trade_store *s, int64_t run_id, int64_t decision_id,
                                     sc_ns ts_ns, const sc_veto_verdict *v, int64_t *verdict_id_out,
                                     sc_errinfo *err) {
    SC_ASSERT(s != NULL && v != NULL && verdict_id_out != NULL);
    SC_ASSERT(run_id > 0 && decision_id >= 0);
    if (s->read_only) {
        return read_only_refused(err);
    }
    sqlite3_stmt *st = s->st[ST_INS_VERDICT];
    int rc = b_i64(st, 1, run_id, SQLITE_OK);
    /* 0 is "no decision": NULL, which the foreign key lets through. */
    rc = rc == SQLITE_OK && decision_id == 0 ? sqlite3_bind_null(st, 2)
                                             : b_i64(st, 2, decision_id, rc);
    rc = b_i64(st, 3, ts_ns, rc);
    rc = b_i64(st, 4, v->allowed ? 1 : 0, rc);
    rc = b_text(st, 5, sc_veto_level_name(v->level), rc);
    rc = b_text(st, 6, sc_veto_reason_name(v->reason), rc);
    rc = b_i64(st, 7, (int64_t)v->reason, rc);
    rc = b_i64(st, 8, v->exit_required ? 1 : 0, rc);
    rc = b_i64(st, 9, v->has_values ? 1 : 0, rc);
    if (v->has_values) {
        rc = b_real(st, 10, v->value, rc); /* NaN is stored as NULL */
        rc = b_real(st, 11, v->limit, rc);
    }
    rc = b_text(st, 12, v->has_values ? v->unit : "", rc);
    rc = b_text(st, 13, v->detail, rc);
    rc = b_text(st, 14, v->rulebook_hash, rc);
    return write_step(s, ST_INS_VERDICT, rc, verdict_id_out, err);
}

sc_err sc_trade_store_record_kill_event(sc_trade_store *s, int64_t run_id, const sc_ks_event *ev,
                                        int64_t *kill_id_out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && ev != NULL && kill_id_out != NULL);
    SC_ASSERT(run_id > 0);
    if (s->read_only) {
        return read_only_refused(err);
    }
    sqlite3_stmt *st = s->st[ST_INS_KILL];
    int rc = b_i64(st, 1, run_id, SQLITE_OK);
    rc = b_i64(st, 2, ev->ts_ns, rc);
    rc = b_i64(st, 3, ev->seq, rc);
    rc = b_text(st, 4, ev->kind == SC_KS_EVENT_TRIP ? "trip" : "reset", rc);
    rc = b_text(st, 5, sc_ks_trigger_name(ev->trigger), rc);
    rc = b_i64(st, 6, ev->values.observed, rc);
    rc = b_i64(st, 7, ev->values.limit, rc);
    rc = b_i64(st, 8, (int64_t)ev->actions, rc);
    rc = b_text(st, 9, ev->reason, rc);
    return write_step(s, ST_INS_KILL, rc, kill_id_out, err);
}

sc_err sc_trade_store_record_blunder_label(sc_trade_store *s, const sc_blunder_label_rec *b,
                                           int64_t *label_id_out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && b != NULL && label_id_out != NULL);
    SC_ASSERT(b->trade_id > 0);
    if (s->read_only) {
        return read_only_refused(err);
    }
    sqlite3_stmt *st = s->st[ST_INS_LABEL];
    int rc = b_i64(st, 1, b->trade_id, SQLITE_OK);
    rc = b_i64(st, 2, b->ts_ns, rc);
    rc = b_text(st, 3, b->label, rc);
    rc = b_text(st, 4, b->detail, rc);
    return write_step(s, ST_INS_LABEL, rc, label_id_out, err);
}

/* ---- reading ------------------------------------------------------------- */

static sc_err not_found(const char *what, int64_t id, sc_errinfo *err) {
    char got[32];
    int n = snprintf(got, sizeof(got), "%lld", (long long)id);
    sc_errinfo_set(err, what, "an existing id", got, n > 0 ? (size_t)n : 0);
    return SC_ERR_NOT_FOUND;
}

static sc_err read_run(sqlite3_stmt *st, sc_run_row *r, sc_errinfo *err) {
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(st, 0);
    char mode[16];
    copy_column(st, 1, mode, sizeof(mode));
    r->started_ns = sqlite3_column_int64(st, 2);
    bool open = sqlite3_column_type(st, 3) == SQLITE_NULL;
    r->ended_ns = open ? -1 : sqlite3_column_int64(st, 3);
    copy_column(st, 4, r->status, sizeof(r->status));
    copy_column(st, 5, r->version, sizeof(r->version));
    copy_column(st, 6, r->config_hash, sizeof(r->config_hash));
    copy_column(st, 7, r->rulebook_hash, sizeof(r->rulebook_hash));
    copy_column(st, 8, r->inputs, sizeof(r->inputs));
    r->seed = (uint64_t)sqlite3_column_int64(st, 9);
    r->params_version = sqlite3_column_int64(st, 10);
    int m = 0;
    if (!parse_name(k_run_modes, 3, mode, &m)) {
        sc_errinfo_set(err, "runs.mode", "backtest, paper or live", mode, strlen(mode));
        return SC_ERR_PARSE;
    }
    r->mode = (sc_run_mode)m;
    return SC_OK;
}

sc_err sc_trade_store_get_run(sc_trade_store *s, int64_t run_id, sc_run_row *out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && out != NULL);
    sqlite3_stmt *st = s->st[ST_GET_RUN];
    int rc = b_i64(st, 1, run_id, SQLITE_OK);
    rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    sc_err e = SC_OK;
    if (rc == SQLITE_ROW) {
        e = read_run(st, out, err);
    } else if (rc == SQLITE_DONE) {
        e = not_found("run", run_id, err);
    } else {
        e = stmt_error(s, ST_GET_RUN, err);
    }
    stmt_done(st);
    return e;
}

sc_err sc_trade_store_counts_get(sc_trade_store *s, int64_t run_id, sc_trade_store_counts *out,
                                 sc_errinfo *err) {
    SC_ASSERT(s != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = s->st[ST_COUNTS];
    int rc = b_i64(st, 1, run_id, SQLITE_OK);
    rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    sc_err e = SC_OK;
    if (rc == SQLITE_ROW) {
        SC_ASSERT(sqlite3_column_count(st) == 8);
        out->orders = sqlite3_column_int64(st, 0);
        out->order_events = sqlite3_column_int64(st, 1);
        out->fills = sqlite3_column_int64(st, 2);
        out->trades = sqlite3_column_int64(st, 3);
        out->decisions = sqlite3_column_int64(st, 4);
        out->verdicts = sqlite3_column_int64(st, 5);
        out->kill_events = sqlite3_column_int64(st, 6);
        out->blunder_labels = sqlite3_column_int64(st, 7);
    } else {
        e = stmt_error(s, ST_COUNTS, err);
    }
    stmt_done(st);
    return e;
}

static sc_err read_trade(sqlite3_stmt *st, sc_trade_row *r, sc_errinfo *err) {
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(st, 0);
    r->run_id = sqlite3_column_int64(st, 1);
    sc_risk_trade *t = &r->trade;
    t->seq = sqlite3_column_int64(st, 2);
    char side[8];
    char outcome[16];
    copy_column(st, 3, side, sizeof(side));
    t->opened_ns = sqlite3_column_int64(st, 4);
    t->closed_ns = sqlite3_column_int64(st, 5);
    t->hold_ns = sqlite3_column_int64(st, 6);
    t->entry_qty_steps = sqlite3_column_int64(st, 7);
    t->exit_qty_steps = sqlite3_column_int64(st, 8);
    t->entry_value.e8 = sqlite3_column_int64(st, 9);
    t->exit_value.e8 = sqlite3_column_int64(st, 10);
    t->entry_avg_px.e8 = sqlite3_column_int64(st, 11);
    t->exit_avg_px.e8 = sqlite3_column_int64(st, 12);
    t->realized_pnl.e8 = sqlite3_column_int64(st, 13);
    t->fees.e8 = sqlite3_column_int64(st, 14);
    t->funding.e8 = sqlite3_column_int64(st, 15);
    t->net_pnl.e8 = sqlite3_column_int64(st, 16);
    copy_column(st, 17, outcome, sizeof(outcome));
    int sd = 0;
    int oc = 0;
    bool ok = parse_name(k_sides, 2, side, &sd);
    for (oc = SC_RISK_TRADE_SCRATCH; ok && oc <= SC_RISK_TRADE_LOSS; oc++) {
        if (strcmp(outcome, sc_risk_trade_outcome_name((sc_risk_trade_outcome)oc)) == 0) {
            break;
        }
    }
    if (!ok || oc > SC_RISK_TRADE_LOSS) {
        sc_errinfo_set(err, "trades.side/outcome", "buy|sell and scratch|win|loss", outcome,
                       strlen(outcome));
        return SC_ERR_PARSE;
    }
    t->side = (sc_side)sd;
    t->outcome = (sc_risk_trade_outcome)oc;
    return SC_OK;
}

/* Reads the current row of st into element i of out. */
typedef sc_err (*row_reader)(sc_trade_store *s, sqlite3_stmt *st, void *out, size_t i,
                             sc_errinfo *err);

/* Steps the list statement id, bound up to rc, with LIMIT cap: each row
 * through read into out[n]. *n_out is 0 on an error. */
static sc_err list_rows(sc_trade_store *s, stmt_id id, int rc, row_reader read, void *out,
                        size_t cap, size_t *n_out, sc_errinfo *err) {
    SC_ASSERT(out != NULL && n_out != NULL);
    SC_ASSERT(cap >= 1 && cap <= SC_TRADE_STORE_LIST_PAGE_MAX);
    sqlite3_stmt *st = s->st[id];
    size_t n = 0;
    sc_err e = SC_OK;
    while (rc == SQLITE_OK && e == SC_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        SC_ASSERT(n < cap); /* the statement's LIMIT */
        e = read(s, st, out, n++, err);
        rc = SQLITE_OK;
    }
    if (e == SC_OK && rc != SQLITE_DONE) {
        e = stmt_error(s, id, err);
    }
    stmt_done(st);
    *n_out = e == SC_OK ? n : 0;
    return e;
}

static sc_err read_trade_at(sc_trade_store *s, sqlite3_stmt *st, void *out, size_t i,
                            sc_errinfo *err) {
    (void)s;
    return read_trade(st, (sc_trade_row *)out + i, err);
}

sc_err sc_trade_store_list_trades(sc_trade_store *s, int64_t run_id, int64_t after_seq,
                                  sc_trade_row *out, size_t cap, size_t *n_out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && out != NULL && n_out != NULL);
    sqlite3_stmt *st = s->st[ST_LIST_TRADES];
    int rc = b_i64(st, 1, run_id, SQLITE_OK);
    rc = b_i64(st, 2, after_seq, rc);
    rc = b_i64(st, 3, (int64_t)cap, rc);
    return list_rows(s, ST_LIST_TRADES, rc, read_trade_at, out, cap, n_out, err);
}

sc_err sc_trade_store_latest_run(sc_trade_store *s, int64_t *run_id_out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && run_id_out != NULL);
    *run_id_out = 0;
    sqlite3_stmt *st = s->st[ST_LATEST_RUN];
    int rc = sqlite3_step(st);
    sc_err e = SC_OK;
    if (rc != SQLITE_ROW) {
        e = stmt_error(s, ST_LATEST_RUN, err);
    } else if (sqlite3_column_type(st, 0) == SQLITE_NULL) { /* max() of no rows */
        sc_errinfo_set(err, "run", "at least one run in the file", "none", 4);
        e = SC_ERR_NOT_FOUND;
    } else {
        *run_id_out = sqlite3_column_int64(st, 0);
        SC_ASSERT(*run_id_out > 0); /* AUTOINCREMENT ids start at 1 */
    }
    stmt_done(st);
    return e;
}

static sc_err read_run_at(sc_trade_store *s, sqlite3_stmt *st, void *out, size_t i,
                          sc_errinfo *err) {
    (void)s;
    return read_run(st, (sc_run_row *)out + i, err);
}

sc_err sc_trade_store_list_runs(sc_trade_store *s, int64_t before_id, sc_run_row *out, size_t cap,
                                size_t *n_out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && out != NULL && n_out != NULL);
    sqlite3_stmt *st = s->st[ST_LIST_RUNS];
    int rc = b_i64(st, 1, before_id, SQLITE_OK);
    rc = b_i64(st, 2, (int64_t)cap, rc);
    return list_rows(s, ST_LIST_RUNS, rc, read_run_at, out, cap, n_out, err);
}

/* The label names of one trade as a mask of the taxonomy's bits, plus a
 * count of the names this build does not know. */
static sc_err read_label_mask(sc_trade_store *s, sc_trade_ctx_row *r, sc_errinfo *err) {
    _Static_assert(SC_BLUNDER_LABEL_COUNT <= 32, "the mask is a uint32_t");
    sqlite3_stmt *st = s->st[ST_TRADE_LABEL_NAMES];
    int rc = b_i64(st, 1, r->row.id, SQLITE_OK);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        int l = 0;
        while (name != NULL && l < SC_BLUNDER_LABEL_COUNT &&
               strcmp(name, sc_blunder_label_name((sc_blunder_label)l)) != 0) {
            l++;
        }
        if (name != NULL && l < SC_BLUNDER_LABEL_COUNT) {
            SC_ASSERT((r->labels & SC_BLUNDER_BIT(l)) == 0); /* UNIQUE (trade_id, label) */
            r->labels |= SC_BLUNDER_BIT(l);
        } else {
            r->labels_other++;
        }
        rc = SQLITE_OK;
    }
    sc_err e = rc == SQLITE_DONE ? SC_OK : stmt_error(s, ST_TRADE_LABEL_NAMES, err);
    stmt_done(st);
    return e;
}

static sc_err read_trade_ctx_at(sc_trade_store *s, sqlite3_stmt *st, void *out, size_t i,
                                sc_errinfo *err) {
    sc_trade_ctx_row *r = (sc_trade_ctx_row *)out + i;
    memset(r, 0, sizeof(*r));
    sc_err e = read_trade(st, &r->row, err);
    if (e != SC_OK) {
        return e;
    }
    SC_ASSERT(sqlite3_column_count(st) == 19);
    copy_column(st, 18, r->regime, sizeof(r->regime));
    return read_label_mask(s, r, err);
}

sc_err sc_trade_store_list_trades_ctx(sc_trade_store *s, int64_t run_id, int64_t after_seq,
                                      sc_trade_ctx_row *out, size_t cap, size_t *n_out,
                                      sc_errinfo *err) {
    SC_ASSERT(s != NULL && out != NULL && n_out != NULL);
    sqlite3_stmt *st = s->st[ST_LIST_TRADES_CTX];
    int rc = b_i64(st, 1, run_id, SQLITE_OK);
    rc = b_i64(st, 2, after_seq, rc);
    rc = b_i64(st, 3, (int64_t)cap, rc);
    return list_rows(s, ST_LIST_TRADES_CTX, rc, read_trade_ctx_at, out, cap, n_out, err);
}

static sc_err read_label_at(sc_trade_store *s, sqlite3_stmt *st, void *out, size_t i,
                            sc_errinfo *err) {
    (void)s;
    (void)err;
    sc_blunder_label_row *r = (sc_blunder_label_row *)out + i;
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(st, 0);
    r->trade_id = sqlite3_column_int64(st, 1);
    r->ts_ns = sqlite3_column_int64(st, 2);
    copy_column(st, 3, r->label, sizeof(r->label));
    copy_column(st, 4, r->detail, sizeof(r->detail));
    return SC_OK;
}

sc_err sc_trade_store_list_labels(sc_trade_store *s, int64_t trade_id, int64_t after_id,
                                  sc_blunder_label_row *out, size_t cap, size_t *n_out,
                                  sc_errinfo *err) {
    SC_ASSERT(s != NULL && out != NULL && n_out != NULL);
    sqlite3_stmt *st = s->st[ST_LIST_LABELS];
    int rc = b_i64(st, 1, trade_id, SQLITE_OK);
    rc = b_i64(st, 2, after_id, rc);
    rc = b_i64(st, 3, (int64_t)cap, rc);
    return list_rows(s, ST_LIST_LABELS, rc, read_label_at, out, cap, n_out, err);
}

static sc_err read_group_at(sc_trade_store *s, sqlite3_stmt *st, void *out, size_t i,
                            sc_errinfo *err) {
    (void)s;
    (void)err;
    sc_trade_store_group *g = (sc_trade_store_group *)out + i;
    copy_column(st, 0, g->name, sizeof(g->name));
    g->n = sqlite3_column_int64(st, 1);
    SC_ASSERT(g->n > 0); /* a group has rows */
    return SC_OK;
}

sc_err sc_trade_store_count_by(sc_trade_store *s, int64_t run_id, sc_trade_store_by by,
                               const char *after_name, sc_trade_store_group *out, size_t cap,
                               size_t *n_out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && out != NULL && n_out != NULL);
    SC_ASSERT(by >= SC_TRADE_STORE_BY_VETO_REASON && by < SC_TRADE_STORE_BY_COUNT);
    stmt_id id = (stmt_id)(ST_BY_VETO_REASON + (int)by);
    sqlite3_stmt *st = s->st[id];
    int rc = b_i64(st, 1, run_id, SQLITE_OK);
    rc = b_text(st, 2, after_name, rc); /* NULL binds "": every name is > "" */
    rc = b_i64(st, 3, (int64_t)cap, rc);
    return list_rows(s, id, rc, read_group_at, out, cap, n_out, err);
}
