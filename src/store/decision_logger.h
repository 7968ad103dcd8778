/* decision_logger.h: DecisionLogger, the audit of every decision (design.md
 * §8): skips and vetoes as much as entries, each with its full context.
 *
 * An entry is one decision: its time, advisor request id, parameter version,
 * rulebook hash, the action and reason, the advisor's latency, the veto
 * gate's verdict on the order built from it (when one was built), and the
 * context as one JSON object (features, signal and reasons, the advisor's
 * answer, each risk level's verdict, latency stamps: engine/
 * decision_context.h writes it). The logger writes each entry to the
 * TradeStore (a decisions row, and a verdicts row pointing to it) and, when
 * asked, as one line of a JSONL file.
 *
 * Modes:
 *  - INLINE (backtest): commit writes the entry at once, on the caller's
 *    thread, so a run's rows come out in one order every time and results
 *    are deterministic. The store is the caller's, in whatever mode it is.
 *  - THREAD (paper, live): a writer thread owns the store from create to
 *    destroy; the engine fills a slot of a bounded queue (SC_DLOG_QUEUE_MAX
 *    slots, allocated at create) and commit only publishes it. The engine
 *    never waits for I/O: it takes the queue's mutex to move an index, never
 *    while the writer writes.
 *
 * Fail closed: reserve returns NULL when every slot is taken, or once the
 * writer failed (an I/O error of the store or the JSONL file). The caller
 * must then not act on the decision (engine/paper.h sends no entry from a
 * decision the logger did not take). Refusals are counted in the stats
 * (refused_full, refused_failed) and the writer's error is returned by
 * flush: the caller says so (the library never prints).
 *
 * Durability: THREAD with a DURABLE store: an entry flush reported as
 * written is on disk (the store's synchronous commit). INLINE with a BATCH
 * store: at most the store's open batch is lost on a crash.
 *
 * Allocates: in create (the slots, the thread, the FILE); never after.
 * Thread: reserve, commit and flush from one producer thread; the writer
 * thread is internal. Reads no clock.
 */
#ifndef SC_STORE_DECISION_LOGGER_H
#define SC_STORE_DECISION_LOGGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/time.h"
#include "risk/veto_reason.h"
#include "store/trade_store.h"

enum {
    SC_DLOG_CONTEXT_MAX = 64 * 1024, /* one context JSON, bytes, NUL not included */
    SC_DLOG_QUEUE_DEFAULT = 256,     /* THREAD slots when 0 is given */
    SC_DLOG_QUEUE_MAX = 4096,        /* more slots are refused at create */
    SC_DLOG_NAME_MAX = 32            /* action and reason names, bytes */
};

typedef enum { SC_DLOG_INLINE = 0, SC_DLOG_THREAD = 1 } sc_dlog_mode;

typedef struct {
    sc_dlog_mode mode;
    sc_trade_store *store;  /* required; THREAD: the writer's alone until destroy */
    int64_t run_id;         /* > 0: a run begun in store */
    const char *jsonl_path; /* NULL: no JSONL; else created (truncated) at create */
    uint32_t queue_slots;   /* THREAD: 0 = SC_DLOG_QUEUE_DEFAULT; <= SC_DLOG_QUEUE_MAX */
} sc_dlog_config;

/* One decision, filled in place by the producer between reserve and
 * commit. */
typedef struct {
    sc_ns ts_ns;
    int64_t request_id;
    int64_t params_version;
    char rulebook_hash[SC_SHA256_HEX_LEN + 1]; /* "" when none */
    char action[SC_DLOG_NAME_MAX + 1];         /* "enter_long", "skip", ... */
    char reason[SC_DLOG_NAME_MAX + 1];         /* the advisor verdict's reason */
    sc_ns latency_ns;                          /* answer - request; -1: no answer */
    bool has_verdict;                          /* an order was built and judged */
    sc_veto_verdict verdict;
    size_t context_len;
    char context[SC_DLOG_CONTEXT_MAX + 1]; /* one JSON object, NUL-terminated */
} sc_dlog_entry;

typedef struct {
    uint64_t taken;          /* entries committed */
    uint64_t written;        /* entries written (rows and, with JSONL, a line) */
    uint64_t refused_full;   /* reserve found every slot taken */
    uint64_t refused_failed; /* reserve after the writer failed */
    uint32_t queue_slots;
    uint32_t high_water; /* most slots in use at once */
    bool failed;
} sc_dlog_stats;

typedef struct sc_dlog sc_dlog;

/* SC_ERR_INVALID_ARG for a bad config; SC_ERR_IO when the JSONL file cannot
 * be created (err names it); SC_ERR_NOMEM (memory, or no thread could
 * start). */
sc_err sc_dlog_create(const sc_dlog_config *cfg, sc_dlog **out, sc_errinfo *err);
/* Flushes (THREAD: waits for the queue to empty), stops the writer, closes
 * the JSONL file. Accepts NULL. */
void sc_dlog_destroy(sc_dlog *l);

/* The slot of the next entry, cleared; NULL when full or failed (fail
 * closed, counted). At most one slot is reserved at a time. */
sc_dlog_entry *sc_dlog_reserve(sc_dlog *l);
/* Hands the reserved slot over. INLINE: written now; *decision_id_out is
 * the decisions row (NULL allowed); errors are the store's or SC_ERR_IO
 * for the JSONL file, after which the logger is failed. THREAD: queued;
 * *decision_id_out is 0; SC_OK. */
sc_err sc_dlog_commit(sc_dlog *l, int64_t *decision_id_out, sc_errinfo *err);
/* Waits until every committed entry is written (THREAD) and flushes the
 * JSONL file. The writer's first error, if it failed (err filled). */
sc_err sc_dlog_flush(sc_dlog *l, sc_errinfo *err);
void sc_dlog_stats_get(sc_dlog *l, sc_dlog_stats *out);

#endif
