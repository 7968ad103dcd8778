#include "ai/param_store.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

enum {
    BUSY_TIMEOUT_MS = 5000, /* wait this long for another writer, then fail */
    SUGGEST_LEN_MAX = 64,   /* keys longer than this get no suggestion */
    VALUE_TEXT_MAX = 48     /* one formatted value */
};

/* Each canonical entry is a key, a value and four bytes of punctuation. */
_Static_assert((SUGGEST_LEN_MAX + VALUE_TEXT_MAX + 4) * SC_PARAM_COUNT + 64 < SC_PARAM_TEXT_MAX,
               "canonical text of every parameter fits SC_PARAM_TEXT_MAX");

#define SC__STR(x) #x
#define SC__XSTR(x) SC__STR(x)
#define REASON_CHECK "CHECK (length(reason) BETWEEN 1 AND " SC__XSTR(SC_PARAM_REASON_MAX) ")"
#define AUTHOR_CHECK "CHECK (author IN ('human', 'ai', 'walkforward'))"
#define NO_CHANGE(table, op)                                                                       \
    "CREATE TRIGGER " table "_no_" op " BEFORE " op " ON " table                                   \
    " BEGIN SELECT RAISE(ABORT, '" table " rows are immutable'); END;"

#define VERSIONS_TABLE                                                                             \
    "CREATE TABLE param_versions ("                                                                \
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"                                                       \
    " parent INTEGER NOT NULL CHECK (parent >= 0),"                                                \
    " author TEXT NOT NULL " AUTHOR_CHECK ","                                                      \
    " reason TEXT NOT NULL " REASON_CHECK ","                                                      \
    " created_ns INTEGER NOT NULL CHECK (created_ns >= 0),"                                        \
    " schema_version INTEGER NOT NULL CHECK (schema_version >= 1),"                                \
    " values_json TEXT NOT NULL,"                                                                  \
    " hash TEXT NOT NULL CHECK (length(hash) = 64));"                                              \
    "CREATE TRIGGER param_versions_parent_exists BEFORE INSERT ON param_versions"                  \
    " WHEN NEW.parent <> 0 AND NOT EXISTS (SELECT 1 FROM param_versions WHERE id = NEW.parent)"    \
    " BEGIN SELECT RAISE(ABORT, 'param_versions: the parent does not exist'); END;"

#define ACTIVATIONS_TABLE                                                                          \
    "CREATE TABLE param_activations ("                                                             \
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"                                                      \
    " version_id INTEGER NOT NULL CHECK (version_id >= 0),"                                        \
    " previous_id INTEGER NOT NULL CHECK (previous_id >= 0),"                                      \
    " kind TEXT NOT NULL CHECK (kind IN ('set', 'activate', 'rollback')),"                         \
    " author TEXT NOT NULL " AUTHOR_CHECK ","                                                      \
    " reason TEXT NOT NULL " REASON_CHECK ","                                                      \
    " created_ns INTEGER NOT NULL CHECK (created_ns >= 0));"                                       \
    "CREATE TRIGGER param_activations_version_exists BEFORE INSERT ON param_activations"           \
    " WHEN NEW.version_id <> 0"                                                                    \
    " AND NOT EXISTS (SELECT 1 FROM param_versions WHERE id = NEW.version_id)"                     \
    " BEGIN SELECT RAISE(ABORT, 'param_activations: the version does not exist'); END;"

#define VERSIONS_IMMUTABLE                                                                         \
    NO_CHANGE("param_versions", "UPDATE") NO_CHANGE("param_versions", "DELETE")
#define ACTIVATIONS_IMMUTABLE                                                                      \
    NO_CHANGE("param_activations", "UPDATE") NO_CHANGE("param_activations", "DELETE")

/* The params component's migrations, in order: entry i takes the component
 * from version i to i + 1. Append only; never edit a step once released.
 * Other components (the trade store) keep their own lists under their own
 * name in schema_version.
 *   1: versions, the activation log (the active version is its last row),
 *      immutability of both. Version 0 (the compiled defaults) is not a row,
 *      so parent 0 and version_id 0 need none; other references must exist. */
static const char *const k_migrations[] = {
    VERSIONS_TABLE VERSIONS_IMMUTABLE ACTIVATIONS_TABLE ACTIVATIONS_IMMUTABLE,
};
_Static_assert(sizeof(k_migrations) / sizeof(k_migrations[0]) == SC_PARAM_STORE_SCHEMA,
               "one migration per params schema version");

#define META_COLS "id, parent, author, reason, created_ns, schema_version, hash"
#define ACT_COLS "seq, version_id, previous_id, kind, author, reason, created_ns"

struct sc_param_store {
    sqlite3 *db;
};

static const char *const k_author_names[] = {"builtin", "human", "ai", "walkforward"};
static const char *const k_kind_names[] = {"set", "activate", "rollback"};

const char *sc_param_author_name(sc_param_author a) {
    if ((unsigned)a >= sizeof(k_author_names) / sizeof(k_author_names[0])) {
        return "?";
    }
    return k_author_names[a];
}

bool sc_param_author_parse(const char *text, sc_param_author *out) {
    SC_ASSERT(out != NULL);
    for (int a = SC_PARAM_AUTHOR_HUMAN; a <= SC_PARAM_AUTHOR_WALKFORWARD; a++) {
        if (text != NULL && strcmp(text, k_author_names[a]) == 0) {
            *out = (sc_param_author)a;
            return true;
        }
    }
    return false;
}

const char *sc_param_act_kind_name(sc_param_act_kind k) {
    if ((unsigned)k >= sizeof(k_kind_names) / sizeof(k_kind_names[0])) {
        return "?";
    }
    return k_kind_names[k];
}

static bool kind_parse(const char *text, sc_param_act_kind *out) {
    for (int k = SC_PARAM_ACT_SET; k <= SC_PARAM_ACT_ROLLBACK; k++) {
        if (text != NULL && strcmp(text, k_kind_names[k]) == 0) {
            *out = (sc_param_act_kind)k;
            return true;
        }
    }
    return false;
}

/* ---- values: canonical text, hash, diff, key suggestions ---------------- */

size_t sc_param_canonical(const sc_params *p, char *buf, size_t cap) {
    SC_ASSERT(p != NULL && buf != NULL);
    SC_ASSERT(cap >= SC_PARAM_TEXT_MAX);
    int n = snprintf(buf, cap, "{\"schema\":%d,\"values\":{", SC_PARAM_SCHEMA_VERSION);
    SC_ASSERT(n > 0 && (size_t)n < cap);
    size_t len = (size_t)n;
    for (int i = 0; i < SC_PARAM_COUNT; i++) {
        const sc_param_def *d = sc_param_def_of((sc_param_id)i);
        /* Keys are plain identifiers: nothing to escape. Values are finite:
         * NaN or infinity would not be JSON. */
        SC_ASSERT(strcspn(d->key, "\"\\") == strlen(d->key) && strlen(d->key) <= SUGGEST_LEN_MAX);
        SC_ASSERT(isfinite(p->v[i]));
        char val[VALUE_TEXT_MAX];
        int vn = sc_param_format(d, p->v[i], val, sizeof(val));
        SC_ASSERT(vn > 0 && (size_t)vn < sizeof(val));
        n = snprintf(buf + len, cap - len, "%s\"%s\":%s", i == 0 ? "" : ",", d->key, val);
        SC_ASSERT(n > 0 && (size_t)n < cap - len);
        len += (size_t)n;
    }
    SC_ASSERT(len + 3 <= cap);
    memcpy(buf + len, "}}", 3);
    return len + 2;
}

sc_err sc_param_hash(const sc_params *p, char hex[SC_SHA256_HEX_LEN + 1]) {
    SC_ASSERT(p != NULL && hex != NULL);
    char text[SC_PARAM_TEXT_MAX];
    size_t len = sc_param_canonical(p, text, sizeof(text));
    return sc_sha256_hex(text, len, hex);
}

size_t sc_param_diff(const sc_params *a, const sc_params *b, sc_param_id out[SC_PARAM_COUNT]) {
    SC_ASSERT(a != NULL && b != NULL && out != NULL);
    size_t n = 0;
    for (int i = 0; i < SC_PARAM_COUNT; i++) {
        if (a->v[i] != b->v[i]) {
            out[n++] = (sc_param_id)i;
        }
    }
    SC_ASSERT(n <= SC_PARAM_COUNT);
    return n;
}

/* Levenshtein distance, two rows; both strings at most SUGGEST_LEN_MAX. */
static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a);
    size_t lb = strlen(b);
    SC_ASSERT(la <= SUGGEST_LEN_MAX && lb <= SUGGEST_LEN_MAX);
    size_t prev[SUGGEST_LEN_MAX + 1];
    size_t cur[SUGGEST_LEN_MAX + 1];
    for (size_t j = 0; j <= lb; j++) {
        prev[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t best = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0u : 1u);
            best = prev[j] + 1 < best ? prev[j] + 1 : best;
            best = cur[j - 1] + 1 < best ? cur[j - 1] + 1 : best;
            cur[j] = best;
        }
        memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
    }
    return prev[lb];
}

const char *sc_param_suggest_key(const char *key) {
    if (key == NULL || key[0] == '\0' || strlen(key) > SUGGEST_LEN_MAX) {
        return NULL;
    }
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (int i = 0; i < SC_PARAM_COUNT; i++) {
        const char *k = sc_param_def_of((sc_param_id)i)->key;
        size_t d = edit_distance(key, k);
        const char *dot = strchr(k, '.');
        if (dot != NULL) {
            /* "sl_bps" for "strategy.sl_bps": the group was left out. */
            size_t d2 = edit_distance(key, dot + 1);
            d = d2 < d ? d2 : d;
        }
        if (d < best_d) {
            best_d = d;
            best = k;
        }
    }
    size_t allowed = strlen(key) / 3 > 2 ? strlen(key) / 3 : 2;
    return best_d <= allowed ? best : NULL;
}

/* ---- SQLite helpers ------------------------------------------------------ */

/* op says what we were doing ("insert a version"); SQLite says what failed. */
static sc_err db_error(sqlite3 *db, const char *op, sc_errinfo *err) {
    const char *msg = db != NULL ? sqlite3_errmsg(db) : "out of memory";
    sc_errinfo_set(err, "database", op, msg, strlen(msg));
    return SC_ERR_IO;
}

static sc_err exec(sqlite3 *db, const char *sql, const char *op, sc_errinfo *err) {
    SC_ASSERT(db != NULL && sql != NULL);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        return db_error(db, op, err);
    }
    return SC_OK;
}

static sc_err prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, sc_errinfo *err) {
    SC_ASSERT(db != NULL && st != NULL);
    *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        return db_error(db, "prepare a statement", err);
    }
    return SC_OK;
}

/* Writers take the write lock at BEGIN, so what they read (the active
 * version, the parent) cannot change before they commit. */
static sc_err begin_write(sqlite3 *db, sc_errinfo *err) {
    return exec(db, "BEGIN IMMEDIATE", "begin a write transaction", err);
}

/* Commits when e is SC_OK, else rolls back; returns the first error. */
static sc_err tx_end(sqlite3 *db, sc_err e, sc_errinfo *err) {
    if (e == SC_OK) {
        e = exec(db, "COMMIT", "commit", err);
        if (e == SC_OK) {
            return SC_OK;
        }
    }
    /* Keeps the first error; a failed ROLLBACK leaves nothing to report. */
    (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    SC_ASSERT(sqlite3_get_autocommit(db) != 0);
    return e;
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

static sc_err not_found(int64_t id, sc_errinfo *err) {
    char got[32];
    int n = snprintf(got, sizeof(got), "%lld", (long long)id);
    sc_errinfo_set(err, "version", "an existing version id", got, n > 0 ? (size_t)n : 0);
    return SC_ERR_NOT_FOUND;
}

/* ---- open, migrations, close --------------------------------------------- */

static sc_err component_version(sqlite3 *db, const char *component, int64_t *out, sc_errinfo *err) {
    sqlite3_stmt *st = NULL;
    sc_err e = prepare(db, "SELECT version FROM schema_version WHERE component = ?1", &st, err);
    if (e != SC_OK) {
        return e;
    }
    *out = 0;
    int rc = sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
    rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
    } else if (rc != SQLITE_DONE) {
        e = db_error(db, "read the schema version", err);
    }
    sqlite3_finalize(st);
    return e;
}

static sc_err set_component_version(sqlite3 *db, const char *component, int64_t v,
                                    sc_errinfo *err) {
    sqlite3_stmt *st = NULL;
    sc_err e = prepare(db,
                       "INSERT INTO schema_version (component, version) VALUES (?1, ?2)"
                       " ON CONFLICT (component) DO UPDATE SET version = excluded.version",
                       &st, err);
    if (e != SC_OK) {
        return e;
    }
    int rc = sqlite3_bind_text(st, 1, component, -1, SQLITE_STATIC);
    rc = rc == SQLITE_OK ? sqlite3_bind_int64(st, 2, v) : rc;
    rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    if (rc != SQLITE_DONE) {
        e = db_error(db, "record the schema version", err);
    }
    sqlite3_finalize(st);
    return e;
}

/* Brings one component from its recorded version to n, all steps in one
 * transaction: a failed step leaves the file as it was. */
static sc_err migrate(sqlite3 *db, const char *component, const char *const *steps, int64_t n,
                      sc_errinfo *err) {
    SC_ASSERT(steps != NULL && n >= 1);
    sc_err e = begin_write(db, err);
    if (e != SC_OK) {
        return e;
    }
    e = exec(db,
             "CREATE TABLE IF NOT EXISTS schema_version (component TEXT PRIMARY KEY,"
             " version INTEGER NOT NULL CHECK (version >= 0))",
             "create the schema_version table", err);
    int64_t cur = 0;
    if (e == SC_OK) {
        e = component_version(db, component, &cur, err);
    }
    if (e == SC_OK && (cur < 0 || cur > n)) {
        char expected[96];
        char got[96];
        snprintf(expected, sizeof(expected), "%s schema 0..%lld (this build)", component,
                 (long long)n);
        int gn = snprintf(got, sizeof(got), "%lld (written by a newer scalper?)", (long long)cur);
        sc_errinfo_set(err, "schema_version", expected, got, gn > 0 ? (size_t)gn : 0);
        e = SC_ERR_UNSUPPORTED;
    }
    for (int64_t i = cur; e == SC_OK && i < n; i++) {
        e = exec(db, steps[i], "apply a schema migration", err);
    }
    if (e == SC_OK && cur != n) {
        e = set_component_version(db, component, n, err);
    }
    return tx_end(db, e, err);
}

static sc_err configure(sqlite3 *db, sc_errinfo *err) {
    (void)sqlite3_extended_result_codes(db, 1);
    if (sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS) != SQLITE_OK) {
        return db_error(db, "set the busy timeout", err);
    }
    sqlite3_stmt *st = NULL;
    sc_err e = prepare(db, "PRAGMA journal_mode=WAL", &st, err);
    if (e != SC_OK) {
        return e;
    }
    char mode[16] = "";
    if (sqlite3_step(st) == SQLITE_ROW) {
        copy_column(st, 0, mode, sizeof(mode));
    } else {
        e = db_error(db, "switch to WAL mode", err);
    }
    sqlite3_finalize(st);
    /* An in-memory database reports "memory": it has no journal to switch. */
    if (e == SC_OK && strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0) {
        sc_errinfo_set(err, "journal_mode", "wal", mode, strlen(mode));
        return SC_ERR_IO;
    }
    if (e == SC_OK) {
        e = exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", "set pragmas", err);
    }
    return e;
}

sc_err sc_param_store_open(const char *path, sc_param_store **out, sc_errinfo *err) {
    SC_ASSERT(path != NULL && out != NULL);
    *out = NULL;
    sc_param_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        sc_errinfo_set(err, "memory", "a store handle", "out of memory", 13);
        return SC_ERR_NOMEM;
    }
    sc_err e = SC_OK;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        e = db_error(s->db, "open the database", err);
    }
    if (e == SC_OK) {
        e = configure(s->db, err);
    }
    if (e == SC_OK) {
        e = migrate(s->db, "params", k_migrations, SC_PARAM_STORE_SCHEMA, err);
    }
    if (e != SC_OK) {
        sc_param_store_close(s);
        return e;
    }
    *out = s;
    return SC_OK;
}

void sc_param_store_close(sc_param_store *s) {
    if (s == NULL) {
        return;
    }
    /* Every statement is finalized where it was prepared, so close cannot
     * find one still open. */
    int rc = sqlite3_close(s->db);
    SC_ASSERT(rc == SQLITE_OK);
    free(s);
}

/* ---- loading a version ----------------------------------------------------- */

static sc_err builtin_version(sc_param_version *out, sc_errinfo *err) {
    memset(out, 0, sizeof(*out));
    out->meta.id = 0;
    out->meta.parent = -1;
    out->meta.author = SC_PARAM_AUTHOR_BUILTIN;
    out->meta.schema_version = SC_PARAM_SCHEMA_VERSION;
    snprintf(out->meta.reason, sizeof(out->meta.reason), "compiled defaults of this build");
    sc_params_defaults(&out->values);
    out->status = SC_OK;
    if (sc_param_hash(&out->values, out->meta.hash) != SC_OK) {
        sc_errinfo_set(err, "hash", "SHA-256 from libcrypto", "unavailable", 11);
        return SC_ERR_UNSUPPORTED;
    }
    return SC_OK;
}

static sc_err read_meta(sqlite3_stmt *st, sc_param_meta *m, sc_errinfo *err) {
    memset(m, 0, sizeof(*m));
    m->id = sqlite3_column_int64(st, 0);
    m->parent = sqlite3_column_int64(st, 1);
    char author[16];
    copy_column(st, 2, author, sizeof(author));
    copy_column(st, 3, m->reason, sizeof(m->reason));
    m->created_ns = sqlite3_column_int64(st, 4);
    m->schema_version = sqlite3_column_int64(st, 5);
    copy_column(st, 6, m->hash, sizeof(m->hash));
    if (!sc_param_author_parse(author, &m->author)) {
        char field[64];
        snprintf(field, sizeof(field), "version %lld: author", (long long)m->id);
        sc_errinfo_set(err, field, "human, ai or walkforward", author, strlen(author));
        return SC_ERR_PARSE;
    }
    return SC_OK;
}

/* Records the first problem of a loaded version; later ones are counted by
 * the caller but the first is the one shown. */
static void note(sc_param_version *v, sc_err e, const char *key, const char *expected,
                 const char *got) {
    SC_ASSERT(e != SC_OK);
    if (v->status != SC_OK) {
        return;
    }
    v->status = e;
    char field[64];
    snprintf(field, sizeof(field), "version %lld: %s", (long long)v->meta.id, key);
    sc_errinfo_set(&v->problem, field, expected, got, strlen(got));
}

static void read_value(sc_param_version *v, const char *key, json_t *jv, bool *seen) {
    const sc_param_def *d = sc_param_find(key);
    if (d == NULL) {
        char expected[SC_ERRINFO_TEXT_MAX];
        snprintf(expected, sizeof(expected),
                 "a key of this build's parameter schema %d (stored under schema %lld)",
                 SC_PARAM_SCHEMA_VERSION, (long long)v->meta.schema_version);
        v->n_unknown++;
        note(v, SC_ERR_UNSUPPORTED, key, expected, "a key this build does not know");
        return;
    }
    double x;
    if (json_is_boolean(jv)) {
        x = json_is_true(jv) ? 1.0 : 0.0;
    } else if (json_is_number(jv)) {
        x = json_number_value(jv);
    } else {
        note(v, SC_ERR_PARSE, key, "a number or true/false", "another JSON type");
        return;
    }
    seen[d->id] = true;
    v->values.v[d->id] = x; /* kept even when out of bounds, for display */
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    if (sc_param_check(d, x, &ei) != SC_OK) {
        note(v, SC_ERR_RANGE, key, ei.expected, ei.got);
    }
}

static void read_values(sc_param_version *v, json_t *vals) {
    bool seen[SC_PARAM_COUNT] = {false};
    const char *key;
    json_t *jv;
    json_object_foreach(vals, key, jv) {
        read_value(v, key, jv, seen);
    }
    for (int i = 0; i < SC_PARAM_COUNT; i++) {
        if (seen[i]) {
            continue;
        }
        const char *k = sc_param_def_of((sc_param_id)i)->key;
        if (v->meta.schema_version >= SC_PARAM_SCHEMA_VERSION) {
            /* Keys are only appended: this schema (or a newer one) has it. */
            note(v, SC_ERR_PARSE, k, "a value for every key of its schema", "none");
        } else {
            v->n_defaulted++; /* added after the version was stored */
        }
    }
}

/* Checks stored text against the row's hash and this build's schema. */
static void check_text(sc_param_version *v, const char *text, size_t len) {
    if (len > SC_PARAM_TEXT_MAX) {
        note(v, SC_ERR_LIMIT, "values", "at most " SC__XSTR(SC_PARAM_TEXT_MAX) " bytes", "more");
        return;
    }
    char hex[SC_SHA256_HEX_LEN + 1];
    if (sc_sha256_hex(text, len, hex) != SC_OK || strcmp(hex, v->meta.hash) != 0) {
        note(v, SC_ERR_PARSE, "hash", "values whose SHA-256 is the stored hash",
             "other values (the row is damaged)");
    }
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    json_t *schema = json_object_get(root, "schema");
    json_t *vals = json_object_get(root, "values");
    if (root == NULL) {
        note(v, SC_ERR_PARSE, "values", "canonical JSON text", je.text);
    } else if (json_object_size(root) != 2 || !json_is_integer(schema) ||
               json_integer_value(schema) != v->meta.schema_version || !json_is_object(vals)) {
        note(v, SC_ERR_PARSE, "values", "{\"schema\":N,\"values\":{...}} with the row's schema",
             "another shape");
    } else {
        read_values(v, vals);
    }
    json_decref(root);
}

static sc_err load_version(sqlite3 *db, int64_t id, sc_param_version *out, sc_errinfo *err) {
    SC_ASSERT(out != NULL);
    if (id == 0) {
        return builtin_version(out, err);
    }
    if (id < 0) {
        return not_found(id, err);
    }
    sqlite3_stmt *st = NULL;
    sc_err e = prepare(db, "SELECT " META_COLS ", values_json FROM param_versions WHERE id = ?1",
                       &st, err);
    if (e != SC_OK) {
        return e;
    }
    int rc = sqlite3_bind_int64(st, 1, id);
    rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        e = read_meta(st, &out->meta, err);
        SC_ASSERT(e != SC_OK || out->meta.id == id);
        if (e == SC_OK) {
            sc_params_defaults(&out->values);
            out->values.version = id;
            const char *text = (const char *)sqlite3_column_text(st, 7);
            int n = sqlite3_column_bytes(st, 7);
            check_text(out, text != NULL ? text : "", text != NULL && n > 0 ? (size_t)n : 0);
        }
    } else if (rc == SQLITE_DONE) {
        e = not_found(id, err);
    } else {
        e = db_error(db, "read a version", err);
    }
    sqlite3_finalize(st);
    return e;
}

/* A version with a problem is refused with that problem. */
static sc_err refuse_unusable(const sc_param_version *v, sc_errinfo *err) {
    SC_ASSERT(v->status != SC_OK);
    if (err != NULL) {
        const char *source = err->source;
        *err = v->problem;
        err->source = source;
    }
    return v->status;
}

static sc_err read_active(sqlite3 *db, int64_t *id, sc_errinfo *err) {
    sqlite3_stmt *st = NULL;
    sc_err e =
        prepare(db, "SELECT version_id FROM param_activations ORDER BY seq DESC LIMIT 1", &st, err);
    if (e != SC_OK) {
        return e;
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
    } else if (rc == SQLITE_DONE) {
        *id = 0; /* nothing ever activated: the compiled defaults */
    } else {
        e = db_error(db, "read the active version", err);
    }
    sqlite3_finalize(st);
    SC_ASSERT(e != SC_OK || *id >= 0);
    return e;
}

sc_err sc_param_store_get(sc_param_store *s, int64_t id, sc_param_version *out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && out != NULL);
    return load_version(s->db, id, out, err);
}

sc_err sc_param_store_active_id(sc_param_store *s, int64_t *id_out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && id_out != NULL);
    return read_active(s->db, id_out, err);
}

sc_err sc_param_store_active(sc_param_store *s, sc_param_version *out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && out != NULL);
    int64_t id = 0;
    sc_err e = read_active(s->db, &id, err);
    if (e == SC_OK) {
        e = load_version(s->db, id, out, err);
    }
    if (e == SC_OK && out->status != SC_OK) {
        return refuse_unusable(out, err); /* never run on a version this build rejects */
    }
    return e;
}

/* ---- writing ------------------------------------------------------------- */

static sc_err check_audit(const sc_param_audit *a, sc_errinfo *err) {
    SC_ASSERT(a != NULL);
    SC_ASSERT(a->time_ns >= 0);
    if (a->author < SC_PARAM_AUTHOR_HUMAN || a->author > SC_PARAM_AUTHOR_WALKFORWARD) {
        const char *name = sc_param_author_name(a->author);
        sc_errinfo_set(err, "author", "human, ai or walkforward", name, strlen(name));
        return SC_ERR_INVALID_ARG;
    }
    const char *r = a->reason != NULL ? a->reason : "";
    size_t len = strlen(r);
    bool blank = true;
    bool printable = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)r[i];
        printable = printable && c >= 0x20 && c != 0x7f;
        blank = blank && c == ' ';
    }
    if (blank) {
        sc_errinfo_set(err, "reason", "a reason (the audit trail needs one)", r, len);
        return SC_ERR_INVALID_ARG;
    }
    if (len > SC_PARAM_REASON_MAX) {
        sc_errinfo_set(err, "reason", "at most " SC__XSTR(SC_PARAM_REASON_MAX) " bytes", r, len);
        return SC_ERR_LIMIT;
    }
    if (!printable) {
        sc_errinfo_set(err, "reason", "one line of printable text", r, len);
        return SC_ERR_INVALID_ARG;
    }
    return SC_OK;
}

static sc_err check_changes(const sc_param_change *ch, size_t n, sc_errinfo *err) {
    SC_ASSERT(ch != NULL || n == 0);
    if (n == 0 || n > SC_PARAM_COUNT) {
        sc_errinfo_set(err, "values", "1 to one per parameter KEY=VALUE", "", 0);
        return n == 0 ? SC_ERR_INVALID_ARG : SC_ERR_LIMIT;
    }
    bool seen[SC_PARAM_COUNT] = {false};
    for (size_t i = 0; i < n; i++) {
        const char *key = ch[i].key != NULL ? ch[i].key : "";
        const sc_param_def *d = sc_param_find(key);
        if (d == NULL) {
            const char *near = sc_param_suggest_key(key);
            char expected[SC_ERRINFO_TEXT_MAX];
            snprintf(expected, sizeof(expected), "a known key%s%s%s", near ? " (did you mean " : "",
                     near ? near : "", near ? "?)" : "");
            sc_errinfo_set(err, key, expected, key, strlen(key));
            return SC_ERR_NOT_FOUND;
        }
        if (seen[d->id]) {
            sc_errinfo_set(err, key, "each key once", "given twice", 11);
            return SC_ERR_INVALID_ARG;
        }
        seen[d->id] = true;
        sc_err e = sc_param_check(d, ch[i].value, err);
        if (e != SC_OK) {
            return e;
        }
    }
    return SC_OK;
}

static sc_err insert_version(sqlite3 *db, int64_t parent, const sc_params *p,
                             const sc_param_audit *a, int64_t *id_out, sc_errinfo *err) {
    SC_ASSERT(sc_params_validate(p, NULL) == SC_OK);
    char text[SC_PARAM_TEXT_MAX];
    size_t len = sc_param_canonical(p, text, sizeof(text));
    char hash[SC_SHA256_HEX_LEN + 1];
    if (sc_sha256_hex(text, len, hash) != SC_OK) {
        sc_errinfo_set(err, "hash", "SHA-256 from libcrypto", "unavailable", 11);
        return SC_ERR_UNSUPPORTED;
    }
    sqlite3_stmt *st = NULL;
    sc_err e = prepare(db,
                       "INSERT INTO param_versions (parent, author, reason, created_ns,"
                       " schema_version, values_json, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                       &st, err);
    if (e != SC_OK) {
        return e;
    }
    int rc = sqlite3_bind_int64(st, 1, parent);
    rc = rc == SQLITE_OK
             ? sqlite3_bind_text(st, 2, sc_param_author_name(a->author), -1, SQLITE_STATIC)
             : rc;
    rc = rc == SQLITE_OK ? sqlite3_bind_text(st, 3, a->reason, -1, SQLITE_STATIC) : rc;
    rc = rc == SQLITE_OK ? sqlite3_bind_int64(st, 4, a->time_ns) : rc;
    rc = rc == SQLITE_OK ? sqlite3_bind_int64(st, 5, SC_PARAM_SCHEMA_VERSION) : rc;
    rc = rc == SQLITE_OK ? sqlite3_bind_text(st, 6, text, (int)len, SQLITE_STATIC) : rc;
    rc = rc == SQLITE_OK ? sqlite3_bind_text(st, 7, hash, SC_SHA256_HEX_LEN, SQLITE_STATIC) : rc;
    rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    if (rc == SQLITE_DONE) {
        *id_out = sqlite3_last_insert_rowid(db);
        SC_ASSERT(*id_out > parent);
    } else {
        e = db_error(db, "insert a version", err);
    }
    sqlite3_finalize(st);
    return e;
}

static sc_err insert_activation(sqlite3 *db, int64_t id, int64_t previous, sc_param_act_kind kind,
                                const sc_param_audit *a, sc_errinfo *err) {
    SC_ASSERT(id >= 0 && previous >= 0 && id != previous);
    sqlite3_stmt *st = NULL;
    sc_err e = prepare(db,
                       "INSERT INTO param_activations (version_id, previous_id, kind, author,"
                       " reason, created_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                       &st, err);
    if (e != SC_OK) {
        return e;
    }
    int rc = sqlite3_bind_int64(st, 1, id);
    rc = rc == SQLITE_OK ? sqlite3_bind_int64(st, 2, previous) : rc;
    rc = rc == SQLITE_OK ? sqlite3_bind_text(st, 3, sc_param_act_kind_name(kind), -1, SQLITE_STATIC)
                         : rc;
    rc = rc == SQLITE_OK
             ? sqlite3_bind_text(st, 4, sc_param_author_name(a->author), -1, SQLITE_STATIC)
             : rc;
    rc = rc == SQLITE_OK ? sqlite3_bind_text(st, 5, a->reason, -1, SQLITE_STATIC) : rc;
    rc = rc == SQLITE_OK ? sqlite3_bind_int64(st, 6, a->time_ns) : rc;
    rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    if (rc != SQLITE_DONE) {
        e = db_error(db, "record an activation", err);
    }
    sqlite3_finalize(st);
    return e;
}

/* Inside a write transaction: the parent's values with the changes (already
 * checked) applied, stored as a new version. */
static sc_err create_in_tx(sqlite3 *db, int64_t parent, const sc_param_change *ch, size_t n,
                           const sc_param_audit *a, int64_t *id_out, sc_errinfo *err) {
    sc_param_version pv;
    sc_err e = load_version(db, parent, &pv, err);
    if (e != SC_OK) {
        return e;
    }
    if (pv.status != SC_OK) {
        return refuse_unusable(&pv, err);
    }
    sc_params next = pv.values;
    size_t changed = 0;
    for (size_t i = 0; i < n; i++) {
        const sc_param_def *d = sc_param_find(ch[i].key);
        SC_ASSERT(d != NULL);
        /* -0 and 0 are one value; only one of them may reach the text. */
        double x = ch[i].value == 0.0 ? 0.0 : ch[i].value;
        changed += next.v[d->id] != x ? 1u : 0u;
        next.v[d->id] = x;
    }
    if (changed == 0) {
        char expected[64];
        snprintf(expected, sizeof(expected), "a value that differs from version %lld",
                 (long long)parent);
        sc_errinfo_set(err, "values", expected, "the same values", 15);
        return SC_ERR_STATE;
    }
    return insert_version(db, parent, &next, a, id_out, err);
}

sc_err sc_param_store_create(sc_param_store *s, int64_t parent, const sc_param_change *changes,
                             size_t n, const sc_param_audit *audit, int64_t *id_out,
                             sc_errinfo *err) {
    SC_ASSERT(s != NULL && id_out != NULL);
    sc_err e = check_changes(changes, n, err);
    e = e == SC_OK ? check_audit(audit, err) : e;
    e = e == SC_OK ? begin_write(s->db, err) : e;
    if (e != SC_OK) {
        return e;
    }
    int64_t id = 0;
    e = create_in_tx(s->db, parent, changes, n, audit, &id, err);
    e = tx_end(s->db, e, err);
    if (e == SC_OK) {
        *id_out = id;
    }
    return e;
}

sc_err sc_param_store_set(sc_param_store *s, const sc_param_change *changes, size_t n,
                          const sc_param_audit *audit, int64_t *id_out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && id_out != NULL);
    sc_err e = check_changes(changes, n, err);
    e = e == SC_OK ? check_audit(audit, err) : e;
    e = e == SC_OK ? begin_write(s->db, err) : e;
    if (e != SC_OK) {
        return e;
    }
    int64_t active = 0;
    int64_t id = 0;
    e = read_active(s->db, &active, err);
    e = e == SC_OK ? create_in_tx(s->db, active, changes, n, audit, &id, err) : e;
    e = e == SC_OK ? insert_activation(s->db, id, active, SC_PARAM_ACT_SET, audit, err) : e;
    e = tx_end(s->db, e, err);
    if (e == SC_OK) {
        *id_out = id;
    }
    return e;
}

static sc_err activate_in_tx(sqlite3 *db, int64_t id, int64_t active, sc_param_act_kind kind,
                             const sc_param_audit *a, sc_errinfo *err) {
    if (id == active) {
        char field[64];
        snprintf(field, sizeof(field), "version %lld", (long long)id);
        sc_errinfo_set(err, field, "a version that is not active", "the active version", 18);
        return SC_ERR_STATE;
    }
    sc_param_version v;
    sc_err e = load_version(db, id, &v, err);
    if (e != SC_OK) {
        return e;
    }
    if (v.status != SC_OK) {
        return refuse_unusable(&v, err); /* never activated silently */
    }
    return insert_activation(db, id, active, kind, a, err);
}

sc_err sc_param_store_activate(sc_param_store *s, int64_t id, const sc_param_audit *audit,
                               sc_errinfo *err) {
    SC_ASSERT(s != NULL);
    sc_err e = check_audit(audit, err);
    e = e == SC_OK ? begin_write(s->db, err) : e;
    if (e != SC_OK) {
        return e;
    }
    int64_t active = 0;
    e = read_active(s->db, &active, err);
    e = e == SC_OK ? activate_in_tx(s->db, id, active, SC_PARAM_ACT_ACTIVATE, audit, err) : e;
    return tx_end(s->db, e, err);
}

static sc_err rollback_in_tx(sqlite3 *db, const sc_param_audit *a, int64_t *id_out,
                             sc_errinfo *err) {
    int64_t active = 0;
    sc_err e = read_active(db, &active, err);
    if (e != SC_OK) {
        return e;
    }
    if (active == 0) {
        sc_errinfo_set(err, "rollback", "an active version that has a parent",
                       "version 0 (the compiled defaults)", 33);
        return SC_ERR_STATE;
    }
    sc_param_version v;
    e = load_version(db, active, &v, err);
    if (e != SC_OK) {
        return e;
    }
    /* The trigger only lets existing parents in, so a parent is older. */
    if (v.meta.parent < 0 || v.meta.parent >= active) {
        sc_errinfo_set(err, "parent", "an older version", "a newer one (damaged row)", 25);
        return SC_ERR_PARSE;
    }
    e = activate_in_tx(db, v.meta.parent, active, SC_PARAM_ACT_ROLLBACK, a, err);
    if (e == SC_OK) {
        *id_out = v.meta.parent;
    }
    return e;
}

sc_err sc_param_store_rollback(sc_param_store *s, const sc_param_audit *audit, int64_t *id_out,
                               sc_errinfo *err) {
    SC_ASSERT(s != NULL && id_out != NULL);
    sc_err e = check_audit(audit, err);
    e = e == SC_OK ? begin_write(s->db, err) : e;
    if (e != SC_OK) {
        return e;
    }
    int64_t id = 0;
    e = rollback_in_tx(s->db, audit, &id, err);
    e = tx_end(s->db, e, err);
    if (e == SC_OK) {
        *id_out = id;
    }
    return e;
}

/* ---- listing --------------------------------------------------------------- */

/* Reads one row of a page into element i of out. */
typedef sc_err (*page_row_fn)(sqlite3_stmt *st, void *out, size_t i, sc_errinfo *err);

/* Newest-first page of up to cap rows older than `before` (0 = from the
 * newest): the query binds ?1 = before and ?2 = cap. */
static sc_err page_query(sc_param_store *s, const char *sql, int64_t before, size_t cap,
                         page_row_fn row, void *out, const char *what, size_t *n_out,
                         sc_errinfo *err) {
    SC_ASSERT(s != NULL && out != NULL && n_out != NULL);
    SC_ASSERT(cap >= 1 && cap <= SC_PARAM_LIST_PAGE_MAX);
    *n_out = 0;
    sqlite3_stmt *st = NULL;
    sc_err e = prepare(s->db, sql, &st, err);
    if (e != SC_OK) {
        return e;
    }
    int rc = sqlite3_bind_int64(st, 1, before <= 0 ? INT64_MAX : before);
    rc = rc == SQLITE_OK ? sqlite3_bind_int64(st, 2, (sqlite3_int64)cap) : rc;
    size_t n = 0;
    while (rc == SQLITE_OK && e == SC_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        SC_ASSERT(n < cap); /* LIMIT ?2 */
        e = row(st, out, n++, err);
        rc = SQLITE_OK;
    }
    if (e == SC_OK && rc != SQLITE_DONE) {
        e = db_error(s->db, what, err);
    }
    sqlite3_finalize(st);
    *n_out = e == SC_OK ? n : 0;
    return e;
}

static sc_err meta_row(sqlite3_stmt *st, void *out, size_t i, sc_errinfo *err) {
    return read_meta(st, &((sc_param_meta *)out)[i], err);
}

sc_err sc_param_store_list(sc_param_store *s, int64_t before_id, sc_param_meta *out, size_t cap,
                           size_t *n_out, sc_errinfo *err) {
    return page_query(s,
                      "SELECT " META_COLS " FROM param_versions WHERE id < ?1"
                      " ORDER BY id DESC LIMIT ?2",
                      before_id, cap, meta_row, out, "list versions", n_out, err);
}

static sc_err read_activation(sqlite3_stmt *st, sc_param_activation *a, sc_errinfo *err) {
    memset(a, 0, sizeof(*a));
    a->seq = sqlite3_column_int64(st, 0);
    a->version_id = sqlite3_column_int64(st, 1);
    a->previous_id = sqlite3_column_int64(st, 2);
    char kind[16];
    char author[16];
    copy_column(st, 3, kind, sizeof(kind));
    copy_column(st, 4, author, sizeof(author));
    copy_column(st, 5, a->reason, sizeof(a->reason));
    a->created_ns = sqlite3_column_int64(st, 6);
    if (!kind_parse(kind, &a->kind) || !sc_param_author_parse(author, &a->author)) {
        char field[64];
        snprintf(field, sizeof(field), "activation %lld", (long long)a->seq);
        sc_errinfo_set(err, field, "a known kind and author", kind, strlen(kind));
        return SC_ERR_PARSE;
    }
    return SC_OK;
}

static sc_err activation_row(sqlite3_stmt *st, void *out, size_t i, sc_errinfo *err) {
    return read_activation(st, &((sc_param_activation *)out)[i], err);
}

sc_err sc_param_store_history(sc_param_store *s, int64_t before_seq, sc_param_activation *out,
                              size_t cap, size_t *n_out, sc_errinfo *err) {
    return page_query(s,
                      "SELECT " ACT_COLS " FROM param_activations WHERE seq < ?1"
                      " ORDER BY seq DESC LIMIT ?2",
                      before_seq, cap, activation_row, out, "list activations", n_out, err);
}

sc_err sc_param_store_diff(sc_param_store *s, int64_t a, int64_t b, sc_param_id out[SC_PARAM_COUNT],
                           size_t *n_out, sc_errinfo *err) {
    SC_ASSERT(s != NULL && out != NULL && n_out != NULL);
    *n_out = 0;
    sc_param_version va;
    sc_param_version vb;
    sc_err e = load_version(s->db, a, &va, err);
    e = e == SC_OK ? load_version(s->db, b, &vb, err) : e;
    if (e == SC_OK) {
        /* Versions are immutable, so two reads need no transaction. */
        *n_out = sc_param_diff(&va.values, &vb.values, out);
    }
    return e;
}
