/* trade_store.h: TradeStore, the audit trail of design.md §8 in SQLite.
 *
 * One database file holds runs (config hash, rulebook hash, inputs, seed,
 * build version), orders and their lifecycle events, fills, round-trip
 * trades, decisions (a JSON context), risk verdicts, kill-switch events and
 * blunder labels. Parameter versions live in the same file, written by
 * ai/param_store.h: both keep their schema in the one table
 * schema_version(component, version), this store as component "trades",
 * each with its own ordered, append-only list of migrations. A file whose
 * "trades" component is newer than this build is refused at open.
 *
 * Rows are never updated or deleted (triggers refuse it), with one
 * exception: a run's ended_ns and status are set once, by end_run.
 *
 * Read-only (config read_only, for reports): the file must exist; nothing
 * is created, migrated or written, so a report can run beside a backtest
 * that is writing the same file (WAL: it sees the committed rows). A file
 * of an older "trades" schema (1..SC_TRADE_STORE_SCHEMA) reads as it is,
 * the columns it lacks read as their defaults (schema 1: regime
 * "unknown"); a newer one is refused as at any open, and so is a file with
 * no "trades" component (SC_ERR_UNSUPPORTED, field "schema_version").
 * Every write call on a read-only handle is SC_ERR_STATE and writes nothing.
 *
 * Modes:
 *  - DURABLE (paper, live): every record call is its own transaction, in WAL
 *    mode with synchronous=FULL, and returns only after the commit, so the
 *    WAL has been fsynced: a record the call acknowledged survives a crash
 *    or power loss at any later moment. record_order is called before the
 *    order is sent, so no order can reach the exchange unrecorded.
 *  - BATCH (backtest): records go into one open write transaction that is
 *    committed every batch_records records, by flush, by begin_run and
 *    end_run, and by close. A crash loses at most the open batch, never
 *    leaves a torn one (SQLite's atomic commit). While a batch is open this
 *    connection holds the file's write lock: other writers (the parameter
 *    store) wait up to the busy timeout, so flush before writing elsewhere.
 * Either way a crash leaves a database that opens and reads: WAL recovery
 * happens at the next open.
 *
 * Ids: every record call returns the row id (> 0), unique in the file.
 * Order events, fills and blunder labels refer to rows by those ids, and a
 * reference to a row that does not exist is refused (foreign keys).
 *
 * Errors: SC_ERR_IO for any SQLite failure, with the statement's name in
 * err->field, its SQL (cut) in err->expected and SQLite's message in
 * err->got; SC_ERR_INVALID_ARG, with the same detail, for a value a
 * constraint of the schema refuses (a client id twice in a run, a reference
 * to a row that does not exist, a non-JSON decision context, a label not of
 * [a-z0-9_], text over its limit); SC_ERR_UNSUPPORTED for a file
 * from a newer build. A failed record writes nothing. In batch mode an I/O
 * failure after which SQLite rolled the whole transaction back is reported
 * as such (the open batch is lost: expected says so).
 *
 * Thread: single-threaded. One thread at a time calls every function of one
 * handle (the writer thread); never the engine thread (file I/O, SQLite
 * allocates). Reads no clock: every time is the caller's. Allocates: the
 * handle and the prepared statements in open (reused for every record),
 * freed in close; SQLite allocates inside its calls.
 */
#ifndef SC_STORE_TRADE_STORE_H
#define SC_STORE_TRADE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/hash.h"
#include "core/time.h"
#include "exec/order_manager.h"
#include "risk/killswitch.h"
#include "risk/metrics.h"
#include "risk/order.h"
#include "risk/veto_reason.h"
#include "store/blunder.h"

enum {
    SC_TRADE_STORE_SCHEMA = 2,           /* migrations of the "trades" component */
    SC_TRADE_STORE_BATCH_DEFAULT = 1000, /* batch_records when 0 is given */
    SC_TRADE_STORE_BATCH_MAX = 1000000,  /* a larger batch is refused at open */
    SC_TRADE_STORE_TEXT_MAX = 1000,      /* run version, inputs; status; label detail */
    SC_TRADE_STORE_JSON_MAX = 1 << 20,   /* a decision's context, bytes */
    SC_TRADE_STORE_LABEL_MAX = 64,       /* a blunder label name, bytes */
    SC_TRADE_STORE_LIST_PAGE_MAX = 1000, /* most rows one list call returns */
    SC_TRADE_STORE_REGIME_MAX = 32,      /* a trade's regime name, bytes */
    SC_TRADE_STORE_NAME_MAX = 64         /* a group name of count_by, bytes (longer: cut) */
};

typedef enum {
    SC_TRADE_STORE_DURABLE = 0, /* one synchronous transaction per record */
    SC_TRADE_STORE_BATCH = 1    /* commit every batch_records, on flush, on close */
} sc_trade_store_mode;

typedef struct {
    const char *path; /* file (":memory:" for a private in-memory one) */
    sc_trade_store_mode mode;
    uint32_t batch_records; /* BATCH: 0 = default; 1..SC_TRADE_STORE_BATCH_MAX */
    bool read_only;         /* an existing file, read only (see the top); mode ignored */
} sc_trade_store_config;

typedef enum { SC_RUN_BACKTEST = 0, SC_RUN_PAPER = 1, SC_RUN_LIVE = 2 } sc_run_mode;

/* A run as begin_run takes it. Strings are copied; NULL is stored as "". */
typedef struct {
    sc_run_mode mode;
    sc_ns started_ns;          /* >= 0 */
    const char *version;       /* build version; at most SC_TRADE_STORE_TEXT_MAX bytes */
    const char *config_hash;   /* SHA-256 hex of the config (64), or "" when none */
    const char *rulebook_hash; /* SHA-256 hex of the rulebook (64), or "" when none */
    const char *inputs;        /* what was read: capture files, stream names; <= TEXT_MAX */
    uint64_t seed;             /* stored as its int64 bit pattern, read back exactly */
    int64_t params_version;    /* the active parameter version at start (>= 0) */
} sc_run_info;

/* A run as read back. ended_ns is -1 and status "" while it is open. */
typedef struct {
    int64_t id;
    sc_run_mode mode;
    sc_ns started_ns;
    sc_ns ended_ns;
    char version[SC_TRADE_STORE_TEXT_MAX + 1];
    char config_hash[SC_SHA256_HEX_LEN + 1];
    char rulebook_hash[SC_SHA256_HEX_LEN + 1];
    char inputs[SC_TRADE_STORE_TEXT_MAX + 1];
    uint64_t seed;
    int64_t params_version;
    char status[SC_TRADE_STORE_TEXT_MAX + 1];
} sc_run_row;

/* One fill of one of our orders. */
typedef struct {
    int64_t order_id; /* a row id from record_order */
    sc_ns ts_ns;      /* >= 0 */
    sc_px px;         /* > 0 */
    sc_qty qty;       /* > 0 */
    bool maker;
    sc_money fee;          /* negative for a rebate */
    int64_t exch_trade_id; /* Binance trade id; 0 when not known (paper) */
} sc_fill_rec;

/* One decision: who asked what and what came back. */
typedef struct {
    sc_ns ts_ns;               /* >= 0 */
    int64_t request_id;        /* >= 0 */
    int64_t params_version;    /* >= 0 */
    const char *rulebook_hash; /* 64 hex characters, or NULL/"" when none */
    const char *action;        /* "enter_long", "skip", ...: 1..32 bytes */
    const char *reason;        /* the verdict's reason name ("ok", "late", ...): 1..32 bytes */
    sc_ns latency_ns;          /* answer - request; -1 when there was no answer */
    const char *context_json;  /* features, signal, answer, levels: valid JSON, <= JSON_MAX */
} sc_decision_rec;

/* One blunder label of a closed trade (one row per label). */
typedef struct {
    int64_t trade_id;   /* a row id from record_trade */
    sc_ns ts_ns;        /* when the label was decided; >= 0 */
    const char *label;  /* 1..SC_TRADE_STORE_LABEL_MAX bytes of [a-z0-9_] */
    const char *detail; /* figures behind it; may be NULL; <= TEXT_MAX */
} sc_blunder_label_rec;

/* A stored round trip. */
typedef struct {
    int64_t id;
    int64_t run_id;
    sc_risk_trade trade;
} sc_trade_row;

/* A stored round trip with its context: the regime at entry and the
 * blunder labels it carries. */
typedef struct {
    sc_trade_row row;
    char regime[SC_TRADE_STORE_REGIME_MAX + 1]; /* "unknown" when none was recorded */
    uint32_t labels;       /* SC_BLUNDER_BIT(l) for each label of store/blunder.h it has */
    uint32_t labels_other; /* labels it has that this build's taxonomy does not know */
} sc_trade_ctx_row;

/* A blunder label as read back (detail "" when none was given). */
typedef struct {
    int64_t id;
    int64_t trade_id;
    sc_ns ts_ns;
    char label[SC_TRADE_STORE_LABEL_MAX + 1];
    char detail[SC_TRADE_STORE_TEXT_MAX + 1];
} sc_blunder_label_row;

/* What count_by groups a run's rows by. */
typedef enum {
    SC_TRADE_STORE_BY_VETO_REASON = 0,     /* verdicts with allowed = 0, by reason name */
    SC_TRADE_STORE_BY_VETO_LEVEL = 1,      /* verdicts with allowed = 0, by level name */
    SC_TRADE_STORE_BY_DECISION_ACTION = 2, /* decisions by action */
    SC_TRADE_STORE_BY_DECISION_REASON = 3, /* decisions by reason */
    SC_TRADE_STORE_BY_LABEL = 4,           /* blunder labels of the run's trades, by label */
    SC_TRADE_STORE_BY_COUNT = 5
} sc_trade_store_by;

/* One group of count_by: a name and its number of rows (> 0). */
typedef struct {
    char name[SC_TRADE_STORE_NAME_MAX + 1];
    int64_t n;
} sc_trade_store_group;

/* Rows of one run in each table. */
typedef struct {
    int64_t orders;
    int64_t order_events;
    int64_t fills;
    int64_t trades;
    int64_t decisions;
    int64_t verdicts;
    int64_t kill_events;
    int64_t blunder_labels;
} sc_trade_store_counts;

typedef struct sc_trade_store sc_trade_store;

/* Opens (creating when absent) and migrates the database: WAL,
 * synchronous=FULL, foreign keys, a busy timeout; prepares every statement.
 * read_only: opens an existing file as it is and prepares the reads only
 * (see the top); a missing file is SC_ERR_IO and is not created. */
sc_err sc_trade_store_open(const sc_trade_store_config *cfg, sc_trade_store **out, sc_errinfo *err);
/* Commits an open batch, finalizes and closes. Accepts NULL. A commit that
 * fails here is lost: call sc_trade_store_flush first to see its error. */
void sc_trade_store_close(sc_trade_store *s);
/* Commits the open batch (BATCH); nothing to do in DURABLE mode. */
sc_err sc_trade_store_flush(sc_trade_store *s, sc_errinfo *err);
/* Records written but not yet committed (always 0 in DURABLE mode). */
uint32_t sc_trade_store_pending(const sc_trade_store *s);

/* ---- writing ---- */

/* A new run; committed before it returns in both modes. */
sc_err sc_trade_store_begin_run(sc_trade_store *s, const sc_run_info *run, int64_t *run_id_out,
                                sc_errinfo *err);
/* Closes a run once: status 1..TEXT_MAX bytes ("ok", "error: ...", "killed").
 * Commits (flushes) in both modes. SC_ERR_NOT_FOUND for an unknown run,
 * SC_ERR_STATE when it already ended. */
sc_err sc_trade_store_end_run(sc_trade_store *s, int64_t run_id, sc_ns ended_ns, const char *status,
                              sc_errinfo *err);

/* An order, before it is sent (seq: the order manager's handle; the
 * intent's client_id is required and unique within the run). DURABLE: the
 * row is on disk when this returns SC_OK. */
sc_err sc_trade_store_record_order(sc_trade_store *s, int64_t run_id, int64_t seq,
                                   const sc_order_intent *intent, sc_ns ts_ns,
                                   int64_t *order_id_out, sc_errinfo *err);
/* One lifecycle event of an order and the state it left the order in. */
sc_err sc_trade_store_record_order_event(sc_trade_store *s, int64_t order_id,
                                         const sc_order_event *ev, sc_order_state state_after,
                                         int64_t *event_id_out, sc_errinfo *err);
sc_err sc_trade_store_record_fill(sc_trade_store *s, const sc_fill_rec *fill, int64_t *fill_id_out,
                                  sc_errinfo *err);
/* A closed round trip; its seq is unique within the run. Its regime is
 * stored as "unknown". */
sc_err sc_trade_store_record_trade(sc_trade_store *s, int64_t run_id, const sc_risk_trade *t,
                                   int64_t *trade_id_out, sc_errinfo *err);
/* The same with the regime at entry (sc_regime_name of strategy/signal.h):
 * 1..SC_TRADE_STORE_REGIME_MAX bytes of [a-z_], else SC_ERR_INVALID_ARG
 * (NULL counts as ""). */
sc_err sc_trade_store_record_trade_ctx(sc_trade_store *s, int64_t run_id, const sc_risk_trade *t,
                                       const char *regime, int64_t *trade_id_out, sc_errinfo *err);
sc_err sc_trade_store_record_decision(sc_trade_store *s, int64_t run_id, const sc_decision_rec *d,
                                      int64_t *decision_id_out, sc_errinfo *err);
/* A verdict of the veto gate for one order intent; decision_id 0 when it
 * was not taken on an advisor decision. */
sc_err sc_trade_store_record_verdict(sc_trade_store *s, int64_t run_id, int64_t decision_id,
                                     sc_ns ts_ns, const sc_veto_verdict *v, int64_t *verdict_id_out,
                                     sc_errinfo *err);
sc_err sc_trade_store_record_kill_event(sc_trade_store *s, int64_t run_id, const sc_ks_event *ev,
                                        int64_t *kill_id_out, sc_errinfo *err);
sc_err sc_trade_store_record_blunder_label(sc_trade_store *s, const sc_blunder_label_rec *b,
                                           int64_t *label_id_out, sc_errinfo *err);

/* ---- reading (sees committed rows and this handle's open batch) ----
 *
 * The list calls return one page: at most cap rows (1..
 * SC_TRADE_STORE_LIST_PAGE_MAX, asserted) after a cursor; a page shorter
 * than cap is the last. A run, trade or cursor that matches nothing gives
 * *n_out = 0 and SC_OK. On an error *n_out is 0 and out is undefined.
 * SC_ERR_PARSE when a stored value is not one this build can read back
 * (a run mode, a side, an outcome). */

/* SC_ERR_NOT_FOUND for an unknown run. */
sc_err sc_trade_store_get_run(sc_trade_store *s, int64_t run_id, sc_run_row *out, sc_errinfo *err);
/* The newest run (largest id); SC_ERR_NOT_FOUND when the file has none. */
sc_err sc_trade_store_latest_run(sc_trade_store *s, int64_t *run_id_out, sc_errinfo *err);
/* Runs with id < before_id (before_id <= 0: from the newest), newest first. */
sc_err sc_trade_store_list_runs(sc_trade_store *s, int64_t before_id, sc_run_row *out, size_t cap,
                                size_t *n_out, sc_errinfo *err);
/* Rows per table (kill_events: the run's kill-switch trips and resets). */
sc_err sc_trade_store_counts_get(sc_trade_store *s, int64_t run_id, sc_trade_store_counts *out,
                                 sc_errinfo *err);
/* Trades of a run with seq > after_seq, by seq. */
sc_err sc_trade_store_list_trades(sc_trade_store *s, int64_t run_id, int64_t after_seq,
                                  sc_trade_row *out, size_t cap, size_t *n_out, sc_errinfo *err);
/* The same with each trade's regime and blunder labels (one more indexed
 * query per trade for the labels). */
sc_err sc_trade_store_list_trades_ctx(sc_trade_store *s, int64_t run_id, int64_t after_seq,
                                      sc_trade_ctx_row *out, size_t cap, size_t *n_out,
                                      sc_errinfo *err);
/* Blunder labels of one trade (a row id) with id > after_id, by id: the
 * names and their detail text. */
sc_err sc_trade_store_list_labels(sc_trade_store *s, int64_t trade_id, int64_t after_id,
                                  sc_blunder_label_row *out, size_t cap, size_t *n_out,
                                  sc_errinfo *err);
/* A run's rows counted by one column (sc_trade_store_by), one group per
 * distinct name, by name (bytewise), only names > after_name (NULL or "":
 * from the first). A stored name longer than SC_TRADE_STORE_NAME_MAX bytes
 * is grouped and returned by its first SC_TRADE_STORE_NAME_MAX bytes, so
 * the last name of a page is always a valid cursor. */
sc_err sc_trade_store_count_by(sc_trade_store *s, int64_t run_id, sc_trade_store_by by,
                               const char *after_name, sc_trade_store_group *out, size_t cap,
                               size_t *n_out, sc_errinfo *err);

const char *sc_run_mode_name(sc_run_mode m);

#endif
