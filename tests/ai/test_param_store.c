/* The parameter store: versions are immutable and hashed, one is active,
 * rollback walks to the parent, every refusal leaves the database as it was,
 * and a stored version this build cannot use is reported, never activated. */
#include "support/support.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/param_store.h"

enum { DUMP_MAX = 1 << 16 };

static const sc_ns T0 = INT64_C(1700000000000000000);

typedef struct {
    char dir[SC_TEST_PATH_MAX];
    char path[SC_TEST_PATH_MAX + 32];
    sc_param_store *s;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    sc_test_tmpdir(f->dir, sizeof(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/params.db", f->dir);
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_param_store_open(f->path, &f->s, &ei), SC_OK);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    sc_param_store_close(f->s);
    char p[SC_TEST_PATH_MAX + 64];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s%s", f->path, suffixes[i]);
        remove(p);
    }
    remove(f->dir);
    free(f);
    return 0;
}

static sc_param_audit audit(const char *reason, int64_t i) {
    sc_param_audit a = {SC_PARAM_AUTHOR_HUMAN, reason, T0 + i};
    return a;
}

static int64_t set2(sc_param_store *s, const char *k1, double v1, const char *k2, double v2) {
    sc_param_change ch[2] = {{k1, v1}, {k2, v2}};
    sc_param_audit a = audit("test", 1);
    int64_t id = -1;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_param_store_set(s, ch, k2 ? 2 : 1, &a, &id, &ei), SC_OK);
    return id;
}

static int64_t active_id(sc_param_store *s) {
    int64_t id = -1;
    assert_int_equal(sc_param_store_active_id(s, &id, NULL), SC_OK);
    return id;
}

/* Every row of every table, as text: equal dumps mean nothing changed. */
typedef struct {
    char buf[DUMP_MAX];
    size_t len;
} dump_buf;

static int dump_row(void *ctx, int n, char **vals, char **cols) {
    dump_buf *d = ctx;
    (void)cols;
    for (int i = 0; i < n; i++) {
        int w = snprintf(d->buf + d->len, DUMP_MAX - d->len, "%s|", vals[i] ? vals[i] : "NULL");
        assert_true(w >= 0 && (size_t)w < DUMP_MAX - d->len);
        d->len += (size_t)w;
    }
    assert_true(d->len + 1 < DUMP_MAX);
    d->buf[d->len++] = '\n';
    d->buf[d->len] = '\0';
    return 0;
}

static void dump(const char *path, dump_buf *d) {
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    d->len = 0;
    d->buf[0] = '\0';
    static const char *const q[] = {
        "SELECT * FROM schema_version ORDER BY component",
        "SELECT * FROM param_versions ORDER BY id",
        "SELECT * FROM param_activations ORDER BY seq",
        "SELECT type, name, sql FROM sqlite_master ORDER BY name",
    };
    for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
        assert_int_equal(sqlite3_exec(db, q[i], dump_row, d, NULL), SQLITE_OK);
    }
    sqlite3_close(db);
}

/* Runs SQL straight on the file, outside the store; the SQLite result code. */
static int raw_exec(const char *path, const char *sql, char *msg, size_t cap) {
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *m = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &m);
    if (msg != NULL) {
        snprintf(msg, cap, "%s", m ? m : "");
    }
    sqlite3_free(m);
    sqlite3_close(db);
    return rc;
}

/* Stores a version row as another build would: text as given, hash of
 * the text (or a wrong one). */
static void raw_version(const char *path, int64_t schema, const char *text, bool good_hash) {
    char hash[SC_SHA256_HEX_LEN + 1];
    assert_int_equal(sc_sha256_hex(text, strlen(text), hash), SC_OK);
    if (!good_hash) {
        hash[0] = hash[0] == '0' ? '1' : '0';
    }
    char *sql = sqlite3_mprintf("INSERT INTO param_versions (parent, author, reason, created_ns,"
                                " schema_version, values_json, hash)"
                                " VALUES (0, 'walkforward', 'raw', 1, %lld, %Q, %Q)",
                                (long long)schema, text, hash);
    assert_non_null(sql);
    char msg[256];
    assert_int_equal(raw_exec(path, sql, msg, sizeof(msg)), SQLITE_OK);
    sqlite3_free(sql);
}

/* The canonical text of the defaults with one entry replaced or added. */
static void edited_text(const char *from, const char *to, char *out, size_t cap) {
    sc_params p;
    sc_params_defaults(&p);
    char text[SC_PARAM_TEXT_MAX];
    sc_param_canonical(&p, text, sizeof(text));
    char *at = strstr(text, from);
    assert_non_null(at);
    snprintf(out, cap, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static void test_fresh_store_is_version_0(void **state) {
    fixture *f = *state;
    assert_int_equal(active_id(f->s), 0);
    sc_param_version v;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_param_store_active(f->s, &v, &ei), SC_OK);
    sc_params d;
    sc_params_defaults(&d);
    assert_memory_equal(v.values.v, d.v, sizeof(d.v));
    assert_int_equal(v.values.version, 0);
    assert_int_equal(v.meta.parent, -1);
    assert_int_equal(v.meta.author, SC_PARAM_AUTHOR_BUILTIN);
    char hash[SC_SHA256_HEX_LEN + 1];
    assert_int_equal(sc_param_hash(&d, hash), SC_OK);
    assert_string_equal(v.meta.hash, hash);
    sc_param_meta rows[4];
    size_t n = 99;
    assert_int_equal(sc_param_store_list(f->s, 0, rows, 4, &n, &ei), SC_OK);
    assert_int_equal(n, 0);
    sc_param_activation acts[4];
    assert_int_equal(sc_param_store_history(f->s, 0, acts, 4, &n, &ei), SC_OK);
    assert_int_equal(n, 0);
    assert_int_equal(sc_param_store_get(f->s, 1, &v, &ei), SC_ERR_NOT_FOUND);
    assert_string_equal(ei.got, "1");
}

static void test_set_activate_rollback(void **state) {
    fixture *f = *state;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    int64_t v1 = set2(f->s, "strategy.sl_bps", 15, "strategy.tp_bps", 24);
    assert_int_equal(v1, 1);
    assert_int_equal(active_id(f->s), 1);
    sc_param_version v;
    assert_int_equal(sc_param_store_active(f->s, &v, &ei), SC_OK);
    assert_true(sc_params_get(&v.values, SC_P_STRAT_SL_BPS) == 15.0);
    assert_true(sc_params_get(&v.values, SC_P_STRAT_TP_BPS) == 24.0);
    assert_true(sc_params_get(&v.values, SC_P_STRAT_COOLDOWN_S) == 10.0);
    assert_int_equal(v.values.version, 1); /* signals carry this id */
    assert_int_equal(v.meta.parent, 0);
    assert_string_equal(v.meta.reason, "test");
    assert_int_equal(v.meta.created_ns, T0 + 1);
    /* create does not activate */
    sc_param_change ch = {"strategy.cooldown_s", 30};
    sc_param_audit a = {SC_PARAM_AUTHOR_WALKFORWARD, "fold 3 best", T0 + 2};
    int64_t v2 = -1;
    assert_int_equal(sc_param_store_create(f->s, v1, &ch, 1, &a, &v2, &ei), SC_OK);
    assert_int_equal(v2, 2);
    assert_int_equal(active_id(f->s), 1);
    assert_int_equal(sc_param_store_activate(f->s, v2, &a, &ei), SC_OK);
    assert_int_equal(active_id(f->s), 2);
    assert_int_equal(sc_param_store_activate(f->s, v2, &a, &ei), SC_ERR_STATE);
    assert_int_equal(sc_param_store_activate(f->s, 77, &a, &ei), SC_ERR_NOT_FOUND);
    int64_t to = -1;
    assert_int_equal(sc_param_store_rollback(f->s, &a, &to, &ei), SC_OK);
    assert_int_equal(to, 1);
    assert_int_equal(sc_param_store_rollback(f->s, &a, &to, &ei), SC_OK);
    assert_int_equal(to, 0);
    assert_int_equal(active_id(f->s), 0);
    assert_int_equal(sc_param_store_rollback(f->s, &a, &to, &ei), SC_ERR_STATE);
    assert_string_equal(ei.field, "rollback");
    assert_int_equal(sc_param_store_activate(f->s, 2, &a, &ei), SC_OK);
    /* The log: who, when, why, newest first. */
    sc_param_activation h[8];
    size_t n = 0;
    assert_int_equal(sc_param_store_history(f->s, 0, h, 8, &n, &ei), SC_OK);
    assert_int_equal(n, 5);
    static const sc_param_act_kind kinds[] = {SC_PARAM_ACT_ACTIVATE, SC_PARAM_ACT_ROLLBACK,
                                              SC_PARAM_ACT_ROLLBACK, SC_PARAM_ACT_ACTIVATE,
                                              SC_PARAM_ACT_SET};
    static const int64_t to_ids[] = {2, 0, 1, 2, 1};
    static const int64_t from_ids[] = {0, 1, 2, 1, 0};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(h[i].kind, kinds[i]);
        assert_int_equal(h[i].version_id, to_ids[i]);
        assert_int_equal(h[i].previous_id, from_ids[i]);
        assert_int_equal(h[i].seq, (int64_t)(n - i));
    }
    assert_int_equal(h[0].author, SC_PARAM_AUTHOR_WALKFORWARD);
    assert_string_equal(h[0].reason, "fold 3 best");
    assert_int_equal(h[4].author, SC_PARAM_AUTHOR_HUMAN);
    assert_int_equal(sc_param_store_history(f->s, 3, h, 8, &n, &ei), SC_OK);
    assert_int_equal(n, 2);
}

static void test_diff(void **state) {
    fixture *f = *state;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    int64_t v1 = set2(f->s, "strategy.tp_bps", 24, "strategy.sl_bps", 15);
    int64_t v2 = set2(f->s, "strategy.htf_filter", 0, NULL, 0);
    sc_param_id ids[SC_PARAM_COUNT];
    size_t n = 0;
    assert_int_equal(sc_param_store_diff(f->s, 0, v1, ids, &n, &ei), SC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], SC_P_STRAT_SL_BPS); /* table order, not the order given */
    assert_int_equal(ids[1], SC_P_STRAT_TP_BPS);
    assert_int_equal(sc_param_store_diff(f->s, v2, 0, ids, &n, &ei), SC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], SC_P_STRAT_HTF_FILTER);
    assert_int_equal(sc_param_store_diff(f->s, v2, v2, ids, &n, &ei), SC_OK);
    assert_int_equal(n, 0);
    assert_int_equal(sc_param_store_diff(f->s, v2, 42, ids, &n, &ei), SC_ERR_NOT_FOUND);
}

static void test_hash_is_stable(void **state) {
    fixture *f = *state;
    sc_params p;
    sc_params_defaults(&p);
    char text[SC_PARAM_TEXT_MAX];
    size_t len = sc_param_canonical(&p, text, sizeof(text));
    assert_int_equal(len, strlen(text));
    char head[80];
    snprintf(head, sizeof(head), "{\"schema\":%d,\"values\":{\"strategy.entry_score_min\":0.6,",
             SC_PARAM_SCHEMA_VERSION);
    assert_memory_equal(text, head, strlen(head));
    assert_non_null(strstr(text, "\"strategy.htf_filter\":true,"));
    assert_non_null(strstr(text, "\"strategy.order_qty_steps\":10,"));
    assert_string_equal(text + len - 2, "}}");
    /* Valid JSON, every key once, in table order. */
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(root);
    json_t *vals = json_object_get(root, "values");
    assert_int_equal(json_object_size(vals), SC_PARAM_COUNT);
    json_decref(root);
    /* Same values, reached two ways, in either order: one hash. */
    int64_t a = set2(f->s, "strategy.sl_bps", 15, "strategy.tp_bps", 24);
    int64_t b = set2(f->s, "strategy.sl_bps", 20, NULL, 0);
    int64_t c = set2(f->s, "strategy.tp_bps", 24, "strategy.sl_bps", 15);
    sc_param_version va;
    sc_param_version vb;
    sc_param_version vc;
    assert_int_equal(sc_param_store_get(f->s, a, &va, NULL), SC_OK);
    assert_int_equal(sc_param_store_get(f->s, b, &vb, NULL), SC_OK);
    assert_int_equal(sc_param_store_get(f->s, c, &vc, NULL), SC_OK);
    assert_string_equal(va.meta.hash, vc.meta.hash);
    assert_string_not_equal(va.meta.hash, vb.meta.hash);
    char hex[SC_SHA256_HEX_LEN + 1];
    assert_int_equal(sc_param_hash(&va.values, hex), SC_OK);
    assert_string_equal(hex, va.meta.hash);
    /* -0 is 0: it cannot give the same values another hash. */
    int64_t z1 = set2(f->s, "strategy.trail_bps", -0.0, "strategy.sl_bps", 33);
    int64_t z2 = set2(f->s, "strategy.trail_bps", 5, NULL, 0);
    int64_t z3 = set2(f->s, "strategy.trail_bps", 0.0, NULL, 0);
    sc_param_version v1;
    sc_param_version v3;
    assert_int_equal(sc_param_store_get(f->s, z1, &v1, NULL), SC_OK);
    assert_int_equal(sc_param_store_get(f->s, z3, &v3, NULL), SC_OK);
    assert_true(z2 > z1);
    assert_string_equal(v1.meta.hash, v3.meta.hash);
    assert_false(signbit(v1.values.v[SC_P_STRAT_TRAIL_BPS]));
}

static void test_immutability_trigger(void **state) {
    fixture *f = *state;
    set2(f->s, "strategy.sl_bps", 15, NULL, 0);
    dump_buf *before = malloc(sizeof(*before));
    dump_buf *after = malloc(sizeof(*after));
    dump(f->path, before);
    char msg[256];
    static const char *const bad[] = {
        "UPDATE param_versions SET reason = 'rewritten'",
        "UPDATE param_versions SET values_json = '{}'",
        "DELETE FROM param_versions",
        "UPDATE param_activations SET version_id = 0",
        "DELETE FROM param_activations",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(raw_exec(f->path, bad[i], msg, sizeof(msg)), SQLITE_CONSTRAINT);
        assert_non_null(strstr(msg, "rows are immutable"));
    }
    /* References must exist: no version from a missing parent, no
     * activation of a missing version. */
    assert_int_equal(raw_exec(f->path,
                              "INSERT INTO param_activations (version_id, previous_id, kind,"
                              " author, reason, created_ns) VALUES (9, 1, 'activate', 'human',"
                              " 'x', 1)",
                              msg, sizeof(msg)),
                     SQLITE_CONSTRAINT);
    assert_int_equal(raw_exec(f->path,
                              "INSERT INTO param_versions (parent, author, reason, created_ns,"
                              " schema_version, values_json, hash) VALUES (9, 'human', 'x', 1,"
                              " 1, '{}', printf('%064d', 0))",
                              msg, sizeof(msg)),
                     SQLITE_CONSTRAINT);
    assert_non_null(strstr(msg, "parent does not exist"));
    dump(f->path, after);
    assert_string_equal(before->buf, after->buf);
    free(before);
    free(after);
}

static void test_reopen_persists(void **state) {
    fixture *f = *state;
    int64_t v1 = set2(f->s, "strategy.sl_bps", 15, "ai.deadline_ms", 150);
    sc_param_version was;
    assert_int_equal(sc_param_store_get(f->s, v1, &was, NULL), SC_OK);
    sc_param_store_close(f->s);
    f->s = NULL;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_param_store_open(f->path, &f->s, &ei), SC_OK);
    assert_int_equal(active_id(f->s), v1);
    sc_param_version now;
    assert_int_equal(sc_param_store_active(f->s, &now, &ei), SC_OK);
    assert_memory_equal(now.values.v, was.values.v, sizeof(was.values.v));
    assert_string_equal(now.meta.hash, was.meta.hash);
    assert_int_equal(now.status, SC_OK);
    /* Opening again migrated nothing: the params component is at 1. */
    dump_buf *d = malloc(sizeof(*d));
    dump(f->path, d);
    assert_non_null(strstr(d->buf, "params|1|\n"));
    free(d);
}

static void expect_refused(sc_param_store *s, const sc_param_change *ch, size_t n,
                           const char *reason, sc_err want, const char *field) {
    sc_param_audit a = audit(reason, 5);
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    int64_t id = -7;
    assert_int_equal(sc_param_store_set(s, ch, n, &a, &id, &ei), want);
    assert_int_equal(id, -7);
    if (field != NULL) {
        assert_string_equal(ei.field, field);
    }
}

static void test_refusals_change_nothing(void **state) {
    fixture *f = *state;
    set2(f->s, "strategy.sl_bps", 15, NULL, 0);
    dump_buf *before = malloc(sizeof(*before));
    dump_buf *after = malloc(sizeof(*after));
    dump(f->path, before);
    sc_param_change unknown[2] = {{"strategy.tp_bps", 20}, {"strategy.sl_bsp", 3}};
    expect_refused(f->s, unknown, 2, "r", SC_ERR_NOT_FOUND, "strategy.sl_bsp");
    sc_param_change oob[2] = {{"strategy.tp_bps", 20}, {"strategy.sl_bps", 500}};
    expect_refused(f->s, oob, 2, "r", SC_ERR_RANGE, "strategy.sl_bps");
    sc_param_change nan[1] = {{"strategy.sl_bps", NAN}};
    expect_refused(f->s, nan, 1, "r", SC_ERR_RANGE, "strategy.sl_bps");
    sc_param_change frac[1] = {{"strategy.max_hold_s", 60.5}};
    expect_refused(f->s, frac, 1, "r", SC_ERR_RANGE, "strategy.max_hold_s");
    sc_param_change twice[2] = {{"strategy.tp_bps", 20}, {"strategy.tp_bps", 21}};
    expect_refused(f->s, twice, 2, "r", SC_ERR_INVALID_ARG, "strategy.tp_bps");
    sc_param_change good[1] = {{"strategy.tp_bps", 20}};
    expect_refused(f->s, good, 1, "", SC_ERR_INVALID_ARG, "reason");
    expect_refused(f->s, good, 1, "   ", SC_ERR_INVALID_ARG, "reason");
    expect_refused(f->s, good, 1, NULL, SC_ERR_INVALID_ARG, "reason");
    expect_refused(f->s, good, 1, "two\nlines", SC_ERR_INVALID_ARG, "reason");
    char long_reason[SC_PARAM_REASON_MAX + 2];
    memset(long_reason, 'r', sizeof(long_reason) - 1);
    long_reason[sizeof(long_reason) - 1] = '\0';
    expect_refused(f->s, good, 1, long_reason, SC_ERR_LIMIT, "reason");
    expect_refused(f->s, good, 0, "r", SC_ERR_INVALID_ARG, NULL);
    sc_param_change same[1] = {{"strategy.sl_bps", 15}};
    expect_refused(f->s, same, 1, "r", SC_ERR_STATE, "values");
    sc_param_audit a = audit("r", 6);
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    a.author = SC_PARAM_AUTHOR_BUILTIN;
    int64_t id = -7;
    assert_int_equal(sc_param_store_set(f->s, good, 1, &a, &id, &ei), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_param_store_activate(f->s, 1, &a, &ei), SC_ERR_INVALID_ARG);
    a.author = SC_PARAM_AUTHOR_AI;
    assert_int_equal(sc_param_store_activate(f->s, 99, &a, &ei), SC_ERR_NOT_FOUND);
    assert_int_equal(sc_param_store_activate(f->s, 1, &a, &ei), SC_ERR_STATE);
    assert_int_equal(sc_param_store_create(f->s, 99, good, 1, &a, &id, &ei), SC_ERR_NOT_FOUND);
    assert_int_equal(id, -7);
    dump(f->path, after);
    assert_string_equal(before->buf, after->buf);
    free(before);
    free(after);
}

static void test_unknown_key_in_stored_json(void **state) {
    fixture *f = *state;
    /* A newer build (the next schema) added a key and wrote this version. */
    char text[SC_PARAM_TEXT_MAX];
    char ours[32];
    char next[32];
    edited_text("\"strategy.cooldown_s\":10,",
                "\"strategy.cooldown_s\":10,\"strategy.future_knob\":7,", text, sizeof(text));
    snprintf(ours, sizeof(ours), "{\"schema\":%d,", SC_PARAM_SCHEMA_VERSION);
    assert_memory_equal(text, ours, strlen(ours));
    assert_true(SC_PARAM_SCHEMA_VERSION < 9); /* one digit, replaced in place */
    text[10] = (char)('0' + SC_PARAM_SCHEMA_VERSION + 1);
    raw_version(f->path, SC_PARAM_SCHEMA_VERSION + 1, text, true);
    sc_param_version v;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_param_store_get(f->s, 1, &v, &ei), SC_OK);
    assert_int_equal(v.status, SC_ERR_UNSUPPORTED);
    assert_int_equal(v.n_unknown, 1);
    assert_string_equal(v.problem.field, "version 1: strategy.future_knob");
    snprintf(ours, sizeof(ours), "schema %d", SC_PARAM_SCHEMA_VERSION);
    snprintf(next, sizeof(next), "schema %d", SC_PARAM_SCHEMA_VERSION + 1);
    assert_non_null(strstr(v.problem.expected, ours));
    assert_non_null(strstr(v.problem.expected, next));
    assert_true(v.values.v[SC_P_STRAT_COOLDOWN_S] == 10.0); /* known keys still read */
    dump_buf *before = malloc(sizeof(*before));
    dump_buf *after = malloc(sizeof(*after));
    dump(f->path, before);
    sc_param_audit a = audit("try it", 1);
    assert_int_equal(sc_param_store_activate(f->s, 1, &a, &ei), SC_ERR_UNSUPPORTED);
    assert_string_equal(ei.field, "version 1: strategy.future_knob");
    sc_param_change ch = {"strategy.sl_bps", 20};
    int64_t id = -1;
    assert_int_equal(sc_param_store_create(f->s, 1, &ch, 1, &a, &id, &ei), SC_ERR_UNSUPPORTED);
    dump(f->path, after);
    assert_string_equal(before->buf, after->buf);
    assert_int_equal(active_id(f->s), 0);
    free(before);
    free(after);
}

static void test_bad_stored_versions(void **state) {
    fixture *f = *state;
    char text[SC_PARAM_TEXT_MAX];
    /* 1: bounds tightened since it was stored */
    edited_text("\"strategy.sl_bps\":12,", "\"strategy.sl_bps\":500,", text, sizeof(text));
    raw_version(f->path, SC_PARAM_SCHEMA_VERSION, text, true);
    /* 2: a damaged row: its hash does not match */
    edited_text("\"strategy.sl_bps\":12,", "\"strategy.sl_bps\":13,", text, sizeof(text));
    raw_version(f->path, SC_PARAM_SCHEMA_VERSION, text, false);
    /* 3: a key missing under the current schema */
    edited_text("\"strategy.sl_bps\":12,", "", text, sizeof(text));
    raw_version(f->path, SC_PARAM_SCHEMA_VERSION, text, true);
    /* 4: not JSON at all */
    raw_version(f->path, SC_PARAM_SCHEMA_VERSION, "{\"schema\":2,\"values\":{", true);
    static const sc_err want[] = {SC_ERR_RANGE, SC_ERR_PARSE, SC_ERR_PARSE, SC_ERR_PARSE};
    static const char *const field[] = {"version 1: strategy.sl_bps", "version 2: hash",
                                        "version 3: strategy.sl_bps", "version 4: values"};
    sc_param_audit a = audit("try it", 1);
    for (int64_t id = 1; id <= 4; id++) {
        sc_param_version v;
        sc_errinfo ei;
        memset(&ei, 0, sizeof(ei));
        assert_int_equal(sc_param_store_get(f->s, id, &v, &ei), SC_OK);
        assert_int_equal(v.status, want[id - 1]);
        assert_string_equal(v.problem.field, field[id - 1]);
        assert_int_equal(sc_param_store_activate(f->s, id, &a, &ei), want[id - 1]);
    }
    assert_int_equal(active_id(f->s), 0);
    /* Activated behind the store's back: active() fails closed, rollback
     * still gets out of it. */
    char msg[256];
    assert_int_equal(raw_exec(f->path,
                              "INSERT INTO param_activations (version_id, previous_id, kind,"
                              " author, reason, created_ns) VALUES (1, 0, 'activate', 'human',"
                              " 'old build', 1)",
                              msg, sizeof(msg)),
                     SQLITE_OK);
    sc_param_version v;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_param_store_active(f->s, &v, &ei), SC_ERR_RANGE);
    assert_string_equal(ei.field, "version 1: strategy.sl_bps");
    assert_non_null(strstr(ei.expected, "1..200"));
    assert_string_equal(ei.got, "500");
    int64_t to = -1;
    assert_int_equal(sc_param_store_rollback(f->s, &a, &to, &ei), SC_OK);
    assert_int_equal(to, 0);
    assert_int_equal(sc_param_store_active(f->s, &v, &ei), SC_OK);
}

/* A version stored before the forbidden.* group was appended (schema 1)
 * still reads: the keys it lacks take their defaults and are counted. */
static void test_older_schema_takes_defaults(void **state) {
    fixture *f = *state;
    sc_params p;
    sc_params_defaults(&p);
    p.v[SC_P_STRAT_SL_BPS] = 15;
    char text[SC_PARAM_TEXT_MAX];
    sc_param_canonical(&p, text, sizeof(text));
    char *cut = strstr(text, ",\"forbidden.");
    assert_non_null(cut);
    memcpy(cut, "}}", 3);
    assert_memory_equal(text, "{\"schema\":2,", 12);
    text[10] = '1';
    raw_version(f->path, 1, text, true);
    sc_param_version v;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_param_store_get(f->s, 1, &v, &ei), SC_OK);
    assert_int_equal(v.status, SC_OK);
    assert_int_equal(v.n_defaulted, SC_PARAM_COUNT - SC_P_FORBID_SPREAD_BPS);
    assert_true(v.values.v[SC_P_STRAT_SL_BPS] == 15.0);
    assert_true(v.values.v[SC_P_FORBID_STALE_MS] == sc_param_def_of(SC_P_FORBID_STALE_MS)->def);
}

static void test_newer_database_refused(void **state) {
    fixture *f = *state;
    sc_param_store_close(f->s);
    f->s = NULL;
    char msg[128];
    assert_int_equal(raw_exec(f->path,
                              "UPDATE schema_version SET version = 99 WHERE component = 'params'",
                              msg, sizeof(msg)),
                     SQLITE_OK);
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_param_store_open(f->path, &f->s, &ei), SC_ERR_UNSUPPORTED);
    assert_null(f->s);
    assert_string_equal(ei.field, "schema_version");
    assert_non_null(strstr(ei.got, "99"));
    /* Another component's row does not disturb ours. */
    assert_int_equal(raw_exec(f->path,
                              "UPDATE schema_version SET version = 1 WHERE component = 'params';"
                              "INSERT INTO schema_version VALUES ('trades', 4)",
                              msg, sizeof(msg)),
                     SQLITE_OK);
    assert_int_equal(sc_param_store_open(f->path, &f->s, &ei), SC_OK);
}

static void test_two_handles_one_file(void **state) {
    fixture *f = *state;
    sc_param_store *other = NULL;
    assert_int_equal(sc_param_store_open(f->path, &other, NULL), SC_OK);
    int64_t a = set2(f->s, "strategy.sl_bps", 15, NULL, 0);
    int64_t b = set2(other, "strategy.tp_bps", 30, NULL, 0);
    assert_int_equal(b, a + 1);
    sc_param_version v;
    assert_int_equal(sc_param_store_active(f->s, &v, NULL), SC_OK);
    assert_int_equal(v.meta.parent, a); /* set builds on what is active now */
    assert_true(v.values.v[SC_P_STRAT_SL_BPS] == 15.0);
    assert_true(v.values.v[SC_P_STRAT_TP_BPS] == 30.0);
    sc_param_store_close(other);
}

static void test_list_pages(void **state) {
    fixture *f = *state;
    for (int i = 1; i <= 5; i++) {
        set2(f->s, "strategy.cooldown_s", 20 + i, NULL, 0);
    }
    sc_param_meta rows[2];
    size_t n = 0;
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    int64_t want[] = {5, 4, 3, 2, 1};
    int64_t before = 0;
    for (size_t page = 0; page < 3; page++) {
        assert_int_equal(sc_param_store_list(f->s, before, rows, 2, &n, &ei), SC_OK);
        assert_int_equal(n, page < 2 ? 2 : 1);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(rows[i].id, want[page * 2 + i]);
            assert_int_equal(rows[i].parent, want[page * 2 + i] - 1);
            assert_int_equal(rows[i].author, SC_PARAM_AUTHOR_HUMAN);
            assert_int_equal(strlen(rows[i].hash), SC_SHA256_HEX_LEN);
        }
        before = rows[n - 1].id;
    }
}

static void test_suggest_and_names(void **state) {
    (void)state;
    assert_string_equal(sc_param_suggest_key("strategy.sl_bsp"), "strategy.sl_bps");
    assert_string_equal(sc_param_suggest_key("sl_bps"), "strategy.sl_bps");
    assert_string_equal(sc_param_suggest_key("ai.deadline"), "ai.deadline_ms");
    assert_null(sc_param_suggest_key("completely.unrelated.thing"));
    assert_null(sc_param_suggest_key(""));
    sc_param_author a;
    assert_true(sc_param_author_parse("walkforward", &a));
    assert_int_equal(a, SC_PARAM_AUTHOR_WALKFORWARD);
    assert_false(sc_param_author_parse("builtin", &a));
    assert_false(sc_param_author_parse("Human", &a));
    assert_string_equal(sc_param_act_kind_name(SC_PARAM_ACT_ROLLBACK), "rollback");
}

static void test_memory_store(void **state) {
    (void)state;
    sc_param_store *s = NULL;
    assert_int_equal(sc_param_store_open(":memory:", &s, NULL), SC_OK);
    assert_int_equal(set2(s, "regime.trend_bps", 9.5, NULL, 0), 1);
    sc_param_store_close(s);
    sc_errinfo ei;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(sc_param_store_open("/nonexistent-dir/x/params.db", &s, &ei), SC_ERR_IO);
    assert_null(s);
    assert_string_equal(ei.field, "database");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fresh_store_is_version_0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_activate_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_is_stable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_immutability_trigger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_persists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key_in_stored_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_stored_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_older_schema_takes_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_database_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_handles_one_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_pages, setup, teardown),
        cmocka_unit_test(test_suggest_and_names),
        cmocka_unit_test(test_memory_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
