/* param_store.h: parameter versions in SQLite (the ParameterManager's store).
 *
 * A parameter version is an immutable record: id, parent, author (human, ai
 * or walkforward), reason, time, the full set of values and their hash. One
 * version is active. Which one is derived from an append-only activation log
 * (what, who, when, why), so no row of either table is ever updated or
 * deleted; triggers refuse it.
 *
 * Version 0 is the compiled defaults of the running build (core/params.h,
 * sc_params_defaults). It is not stored: it means the same in a backtest
 * without a database as in a live session, and a database cannot freeze
 * defaults that a later build changes. Its hash is computed from the build,
 * so records that carry the hash beside the id stay exact. An empty database
 * has version 0 active; the first stored version has parent 0, and rolling
 * back from it activates version 0 again.
 *
 * Values are stored as canonical JSON text,
 *   {"schema":2,"values":{"strategy.entry_score_min":0.6,...}}
 * every key of the schema in table order, each value written by
 * sc_param_format (true/false for BOOL). The hash is the SHA-256 hex of
 * exactly that text, schema number included: equal values under the same
 * schema have the same hash on any machine.
 *
 * Loading a version checks it against this build: the hash, unknown keys
 * (written by a newer scalper), values outside today's bounds (bounds
 * tightened since), malformed text. Such a version is loaded for display with
 * status and problem set, and is never activated: activate, rollback and
 * set from it are refused, and sc_param_store_active fails when the active
 * version is one (fail closed). Keys missing from a version stored under an
 * older schema take their compiled default and are counted (n_defaulted).
 *
 * The file is shared with later stores (trades, decisions): each component
 * keeps its own ordered, append-only list of migrations, and its version in
 * the table schema_version(component, version). A database whose params
 * component is newer than this build is refused at open.
 *
 * Thread: one thread at a time; never the engine thread (it does file I/O,
 * and SQLite and jansson allocate). The store reads no clock: times come from
 * the caller. Allocates: the handle in open, freed in close.
 */
#ifndef SC_AI_PARAM_STORE_H
#define SC_AI_PARAM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/params.h"
#include "core/time.h"

/* Longest reason, in bytes (a macro: the SQL CHECK uses the same number). */
#define SC_PARAM_REASON_MAX 500

enum {
    SC_PARAM_STORE_SCHEMA = 1,   /* migrations of the params component */
    SC_PARAM_TEXT_MAX = 8192,    /* longest canonical text stored or loaded */
    SC_PARAM_LIST_PAGE_MAX = 100 /* most rows one list or history call returns */
};

typedef enum {
    SC_PARAM_AUTHOR_BUILTIN = 0, /* version 0 only; never stored */
    SC_PARAM_AUTHOR_HUMAN = 1,
    SC_PARAM_AUTHOR_AI = 2,
    SC_PARAM_AUTHOR_WALKFORWARD = 3
} sc_param_author;

typedef enum {
    SC_PARAM_ACT_SET = 0, /* a version created and activated at once */
    SC_PARAM_ACT_ACTIVATE = 1,
    SC_PARAM_ACT_ROLLBACK = 2 /* the parent of the active version */
} sc_param_act_kind;

/* Who, why and when, for every write. */
typedef struct {
    sc_param_author author; /* human, ai or walkforward */
    const char *reason;     /* 1..SC_PARAM_REASON_MAX bytes, printable, not blank */
    sc_ns time_ns;          /* the caller's clock; >= 0 */
} sc_param_audit;

/* One changed value, by key (a key outside the schema is refused). */
typedef struct {
    const char *key;
    double value;
} sc_param_change;

typedef struct {
    int64_t id;     /* 0 = compiled defaults */
    int64_t parent; /* -1 for version 0 */
    sc_param_author author;
    sc_ns created_ns; /* 0 for version 0 */
    int64_t schema_version;
    char reason[SC_PARAM_REASON_MAX + 1];
    char hash[SC_SHA256_HEX_LEN + 1];
} sc_param_meta;

typedef struct {
    sc_param_meta meta;
    /* values.version == meta.id. When status is not SC_OK a value may be
     * outside its bounds: show it, never use it. */
    sc_params values;
    sc_err status;        /* SC_OK: usable; else the first problem's class */
    sc_errinfo problem;   /* the first problem ("version 5: key: expected .., got .."). */
    uint32_t n_unknown;   /* keys this build does not know (ignored) */
    uint32_t n_defaulted; /* keys absent (older schema): compiled default */
} sc_param_version;

typedef struct {
    int64_t seq; /* order of activation, from 1 */
    int64_t version_id;
    int64_t previous_id;
    sc_param_act_kind kind;
    sc_param_author author;
    sc_ns created_ns;
    char reason[SC_PARAM_REASON_MAX + 1];
} sc_param_activation;

typedef struct sc_param_store sc_param_store;

/* Opens (creating when absent) and migrates the database at path
 * (":memory:" for a private in-memory one). WAL, synchronous=FULL, a busy
 * timeout. SC_ERR_IO when SQLite fails, SC_ERR_UNSUPPORTED when the file was
 * written by a newer schema. */
sc_err sc_param_store_open(const char *path, sc_param_store **out, sc_errinfo *err);
void sc_param_store_close(sc_param_store *s);

/* A version by id (0 = compiled defaults). SC_ERR_NOT_FOUND for an unknown
 * id. A loaded version with problems still returns SC_OK: see status. */
sc_err sc_param_store_get(sc_param_store *s, int64_t id, sc_param_version *out, sc_errinfo *err);
sc_err sc_param_store_active_id(sc_param_store *s, int64_t *id_out, sc_errinfo *err);
/* The active version. When it is not usable under this build, out is still
 * filled for display, err gets its problem and its status is returned. */
sc_err sc_param_store_active(sc_param_store *s, sc_param_version *out, sc_errinfo *err);

/* Creates a version from parent with changes, without activating it. Refused
 * (nothing written) when a key is unknown (SC_ERR_NOT_FOUND), a value out of
 * bounds (SC_ERR_RANGE), a key given twice, the audit invalid, the parent
 * unknown or unusable, or when no value differs from the parent
 * (SC_ERR_STATE). */
sc_err sc_param_store_create(sc_param_store *s, int64_t parent, const sc_param_change *changes,
                             size_t n, const sc_param_audit *audit, int64_t *id_out,
                             sc_errinfo *err);
/* Creates a version from the active one and activates it, in one
 * transaction; refused as sc_param_store_create. */
sc_err sc_param_store_set(sc_param_store *s, const sc_param_change *changes, size_t n,
                          const sc_param_audit *audit, int64_t *id_out, sc_errinfo *err);
/* Activates a version. Refused when it is unknown, unusable (its status) or
 * already active (SC_ERR_STATE). */
sc_err sc_param_store_activate(sc_param_store *s, int64_t id, const sc_param_audit *audit,
                               sc_errinfo *err);
/* Activates the parent of the active version (SC_ERR_STATE when version 0 is
 * active); the activated id into id_out. */
sc_err sc_param_store_rollback(sc_param_store *s, const sc_param_audit *audit, int64_t *id_out,
                               sc_errinfo *err);

/* Stored versions with id < before_id (before_id <= 0: from the newest),
 * newest first, at most cap (<= SC_PARAM_LIST_PAGE_MAX). Version 0 is not a
 * row: callers show it after the last page. */
sc_err sc_param_store_list(sc_param_store *s, int64_t before_id, sc_param_meta *out, size_t cap,
                           size_t *n_out, sc_errinfo *err);
/* Activations with seq < before_seq (<= 0: from the newest), newest first. */
sc_err sc_param_store_history(sc_param_store *s, int64_t before_seq, sc_param_activation *out,
                              size_t cap, size_t *n_out, sc_errinfo *err);
/* Keys whose values differ between versions a and b, in table order. */
sc_err sc_param_store_diff(sc_param_store *s, int64_t a, int64_t b, sc_param_id out[SC_PARAM_COUNT],
                           size_t *n_out, sc_errinfo *err);

/* Keys whose values differ, in table order; returns how many. */
size_t sc_param_diff(const sc_params *a, const sc_params *b, sc_param_id out[SC_PARAM_COUNT]);
/* The canonical text of p into buf (cap >= SC_PARAM_TEXT_MAX); its length. */
size_t sc_param_canonical(const sc_params *p, char *buf, size_t cap);
/* SHA-256 hex of the canonical text. */
sc_err sc_param_hash(const sc_params *p, char hex[SC_SHA256_HEX_LEN + 1]);
/* The known key closest to an unknown one (a typo, or a key without its
 * group), or NULL when none is close. */
const char *sc_param_suggest_key(const char *key);

const char *sc_param_author_name(sc_param_author a);
/* human, ai or walkforward (builtin is never an author of a stored version). */
bool sc_param_author_parse(const char *text, sc_param_author *out);
const char *sc_param_act_kind_name(sc_param_act_kind k);

#endif
