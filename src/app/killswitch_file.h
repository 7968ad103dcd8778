/* killswitch_file.h: the kill switch's persisted state and its audit log.
 *
 * The state file holds the canonical text of risk/killswitch.h. It is
 * written atomically (a temp file beside it, fsync, rename over the old one,
 * fsync of the folder), so a crash leaves either the old state or the new
 * one, never half of either. It is read at every start. A state file that is
 * present but cannot be read or parsed means TRIPPED (trigger corrupt_state):
 * fail closed; only an absent file means a fresh, untripped switch.
 *
 * Writers (scalper kill, later the engine's control thread for automatic
 * trips) hold an exclusive fcntl lock on PATH.lock across read-modify-write,
 * so two writers cannot lose each other's trip. Readers take no lock: rename
 * is atomic, a reader sees the old file or the new one.
 *
 * Every trip and reset is also appended as one JSON line to the audit log,
 * PATH.jsonl, and fsync'ed. The log is append-only: nothing here truncates or
 * rewrites it.
 *
 * Paths: --state PATH, else $SCALPER_KILL_FILE, else next to the database:
 * the --db path (else $SCALPER_DB, else ./scalper.db) with its ".db" ending
 * replaced by ".kill" (".kill" appended when it has none): ./scalper.kill.
 *
 * Thread: the caller's; never the engine thread (file I/O). Allocates: the
 * audit line (jansson), freed before returning. Reads no clock.
 */
#ifndef SC_APP_KILLSWITCH_FILE_H
#define SC_APP_KILLSWITCH_FILE_H

#include <stdbool.h>

#include "core/err.h"
#include "core/time.h"
#include "risk/killswitch.h"

enum {
    SC_KS_PATH_MAX = 1024,   /* longest state path (the others add a suffix) */
    SC_KS_LOCK_TRIES = 500,  /* attempts to take the lock ... */
    SC_KS_LOCK_WAIT_MS = 10, /* ... this far apart: 5 s, then SC_ERR_IO */
    SC_KS_AUDIT_LINE_MAX = 2048
};

typedef struct {
    char state[SC_KS_PATH_MAX];
    char audit[SC_KS_PATH_MAX + 8];
    char lock[SC_KS_PATH_MAX + 8];
    char temp[SC_KS_PATH_MAX + 8];
    char corrupt[SC_KS_PATH_MAX + 16]; /* where a corrupt state file is kept */
} sc_ks_paths;

typedef enum {
    SC_KS_FILE_ABSENT = 0,    /* no file: a fresh switch, not tripped */
    SC_KS_FILE_OK = 1,        /* read and parsed */
    SC_KS_FILE_CORRUPT = 2,   /* read, did not parse: tripped (fail closed) */
    SC_KS_FILE_UNREADABLE = 3 /* present, could not be read: tripped */
} sc_ks_file_status;

/* state_opt and db_opt may be NULL (not given). SC_ERR_RANGE when a path is
 * longer than SC_KS_PATH_MAX - 1, SC_ERR_INVALID_ARG when empty. */
sc_err sc_ks_paths_resolve(const char *state_opt, const char *db_opt, sc_ks_paths *out,
                           sc_errinfo *err);

/* Reads the state file into ks. On CORRUPT and UNREADABLE, ks is tripped by
 * corrupt_state at now_ns and err says why (source = path). */
sc_ks_file_status sc_ks_file_read(const sc_ks_paths *p, sc_killswitch *ks, sc_ns now_ns,
                                  sc_errinfo *err);

/* Writes ks atomically to the state file. SC_ERR_IO with err on failure (the
 * old file is then untouched). */
sc_err sc_ks_file_write(const sc_ks_paths *p, const sc_killswitch *ks, sc_errinfo *err);

/* Moves a corrupt state file aside to p->corrupt (replacing an older one),
 * so a rewrite does not destroy the evidence. */
sc_err sc_ks_file_keep_corrupt(const sc_ks_paths *p, sc_errinfo *err);

/* Appends ev as one JSON line to the audit log (created when absent) and
 * fsyncs it. source says who wrote it ("cli", later "engine", "dashboard"). */
sc_err sc_ks_audit_append(const sc_ks_paths *p, const sc_ks_event *ev, const char *source,
                          sc_errinfo *err);

/* Takes the writers' lock (creating PATH.lock); *fd_out holds it until
 * sc_ks_file_unlock. SC_ERR_IO when it cannot be had within
 * SC_KS_LOCK_TRIES x SC_KS_LOCK_WAIT_MS. */
sc_err sc_ks_file_lock(const sc_ks_paths *p, int *fd_out, sc_errinfo *err);
void sc_ks_file_unlock(int fd);

#endif
