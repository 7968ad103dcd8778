/* scalper backtest, run as a user runs it: usage errors, kline input
 * mixed with a capture or split to a finer timeframe refused (exit 2), then
 * on the demo capture (and the real one when the
 * shared data is present, with a low entry threshold so trades happen):
 * exit 0, report.json parses with every required key, scalper.db's row
 * counts match the report, every decision is in the database and in the
 * JSONL file with its context (each risk level's verdict), two runs with
 * --no-timing give byte-identical report.json files and the same rows in
 * every table, and a run with timing differs from them only in the four
 * clock-measured keys. On the real capture, a
 * tripped kill-switch state file stops every entry, and a simulated SIGINT
 * (--interrupt-after-events) ends the run flat with exit 0. A SIGKILL in the
 * middle of a run leaves a database that opens, checks and reads. */
#include "support/support.h"

#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/hash.h"

enum { CMD_MAX = 4 * SC_TEST_PATH_MAX };

#define CAPTURE_REL "binance_ws_capture_hftbacktest/usdm/btcusdt_20240808.txt.zst"
#define KLINES_USDM_REL "binance_usdm_klines_1m_signalbot/BTCUSDT_PERP_1m_20250606_20250616.csv.zst"
#define KLINES_MONTH_REL                                                                           \
    "bybit_linear_klines_1m_crypto_backtester/BTCUSDT_linear_1m_20250530_20250629.csv.zst"

static int run(const char *args) {
    char cmd[CMD_MAX];
    snprintf(cmd, sizeof(cmd), "'%s' %s >/dev/null 2>&1", SC_SCALPER_BIN, args);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static const char *const k_required[] = {
    "events",           "events",           "fidelity",        "trades",
    "net_pnl_usdt",     "gross_pnl_usdt",   "fees_usdt",       "funding_usdt",
    "win_rate",         "profit_factor",    "expectancy_usdt", "sharpe",
    "max_drawdown_pct", "max_position_btc", "max_leverage",    "avg_hold_s",
    "decisions",        "vetoes",           "blunders",        "rulebook_hash",
    "params_version",   "db_rows",          "events_per_sec",  "decision_latency_ns"};

/* The clock-measured keys (null with --no-timing). */
static const char *const k_timed[] = {"wall_s", "events_per_sec", "decision_latency_ns",
                                      "message_latency_ns"};

static json_t *load_report(const char *dir) {
    char path[CMD_MAX];
    snprintf(path, sizeof(path), "%s/report.json", dir);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_PRESERVE_ORDER, &je);
    if (root == NULL) {
        fail_msg("report.json does not parse: %s", je.text);
    }
    for (size_t i = 0; i < sizeof(k_required) / sizeof(k_required[0]); i++) {
        if (json_object_get(root, k_required[i]) == NULL) {
            fail_msg("report.json lacks %s", k_required[i]);
        }
    }
    assert_int_equal(strlen(json_string_value(json_object_get(root, "rulebook_hash"))), 64);
    return root;
}

/* report.json without the clock-measured keys, as text. */
static char *untimed_text(json_t *root) {
    json_t *copy = json_deep_copy(root);
    for (size_t i = 0; i < sizeof(k_timed) / sizeof(k_timed[0]); i++) {
        assert_non_null(json_object_get(copy, k_timed[i]));
        json_object_del(copy, k_timed[i]);
    }
    char *text = json_dumps(copy, JSON_PRESERVE_ORDER | JSON_COMPACT);
    json_decref(copy);
    return text;
}

static void file_sha(const char *dir, const char *name, char hex[SC_SHA256_HEX_LEN + 1]) {
    char path[CMD_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof(buf), f);
    assert_true(n < sizeof(buf));
    fclose(f);
    assert_int_equal(sc_sha256_hex(buf, n, hex), SC_OK);
}

static int64_t count_rows(sqlite3 *db, const char *table) {
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* SHA-256 over every row of every table, tables by name, rows by rowid. */
static void db_digest(sqlite3 *db, char hex[SC_SHA256_HEX_LEN + 1]) {
    static const char *const k_tables[] = {"blunder_labels", "decisions", "fills", "kill_events",
                                           "order_events",   "orders",    "runs",  "schema_version",
                                           "trades",         "verdicts"};
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (size_t t = 0; t < sizeof(k_tables) / sizeof(k_tables[0]); t++) {
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY rowid", k_tables[t]);
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const unsigned char *v = sqlite3_column_text(st, c);
                size_t len = v != NULL ? strlen((const char *)v) : 4;
                while (n + len + 2 > cap) {
                    cap *= 2;
                    buf = realloc(buf, cap);
                    assert_non_null(buf);
                }
                memcpy(buf + n, v != NULL ? (const char *)v : "NULL", len);
                n += len;
                buf[n++] = '|';
            }
            buf[n++] = '\n';
        }
        sqlite3_finalize(st);
    }
    assert_int_equal(sc_sha256_hex(buf, n, hex), SC_OK);
    free(buf);
}

static void check_db(const char *dir, json_t *root, char hex[SC_SHA256_HEX_LEN + 1]) {
    char path[CMD_MAX];
    snprintf(path, sizeof(path), "%s/scalper.db", dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    json_t *rows = json_object_get(root, "db_rows");
    const char *k;
    json_t *v;
    json_object_foreach(rows, k, v) {
        assert_int_equal(count_rows(db, k), json_integer_value(v));
    }
    assert_int_equal(count_rows(db, "trades"), json_integer_value(json_object_get(root, "trades")));
    assert_int_equal(count_rows(db, "runs"), 1);
    int64_t labels = 0;
    json_object_foreach(json_object_get(root, "blunders"), k, v) {
        labels += json_integer_value(v);
    }
    assert_int_equal(count_rows(db, "blunder_labels"), labels);
    int64_t vetoes = 0;
    json_object_foreach(json_object_get(root, "vetoes"), k, v) {
        vetoes += json_integer_value(v);
    }
    assert_int_equal(count_rows(db, "verdicts WHERE allowed = 0"), vetoes);
    int64_t decisions = 0;
    json_object_foreach(json_object_get(root, "decisions"), k, v) {
        decisions += json_integer_value(v);
    }
    json_t *flow = json_object_get(root, "orders_flow");
    assert_int_equal(count_rows(db, "decisions"), decisions);
    assert_int_equal(decisions, json_integer_value(json_object_get(flow, "decisions")));
    /* every decision that built an order has its verdict, pointing to it */
    assert_int_equal(count_rows(db, "decisions WHERE json_extract(context_json, '$.order') IS NOT "
                                    "NULL AND id NOT IN (SELECT decision_id FROM verdicts WHERE "
                                    "decision_id IS NOT NULL)"),
                     0);
    db_digest(db, hex);
    sqlite3_close(db);
}

/* The JSONL file: one line per decision row, each with its context and
 * the five risk levels in the gate's order. */
static void check_jsonl(const char *dir, json_t *root) {
    char path[CMD_MAX];
    snprintf(path, sizeof(path), "%s/decisions.jsonl", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char line[1 << 20];
    static const char *const k_levels[] = {"kill_switch", "forbidden", "rulebook", "sanity", "ai"};
    json_int_t n = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        if (o == NULL) {
            fail_msg("decisions.jsonl line %lld: %s", (long long)n + 1, je.text);
        }
        n++;
        assert_int_equal(json_integer_value(json_object_get(o, "decision_id")), n);
        json_t *risk = json_object_get(json_object_get(o, "context"), "risk");
        assert_int_equal(json_array_size(risk), 5);
        for (size_t i = 0; i < 5; i++) {
            assert_string_equal(
                json_string_value(json_object_get(json_array_get(risk, i), "level")), k_levels[i]);
        }
        assert_non_null(json_object_get(json_object_get(o, "context"), "features"));
        json_decref(o);
    }
    fclose(f);
    assert_int_equal(
        n, json_integer_value(json_object_get(json_object_get(root, "db_rows"), "decisions")));
}

/* Two runs with --no-timing and one with timing into three directories;
 * returns the number of trades. */
static json_int_t twice(const char *data, const char *extra) {
    char tmp[SC_TEST_PATH_MAX];
    sc_test_tmpdir(tmp, sizeof(tmp));
    char dir[3][SC_TEST_PATH_MAX + 16];
    char hex[3][SC_SHA256_HEX_LEN + 1];
    char rep_hex[2][SC_SHA256_HEX_LEN + 1];
    json_t *root[3];
    for (int i = 0; i < 3; i++) {
        snprintf(dir[i], sizeof(dir[i]), "%s/run%d", tmp, i);
        char args[3 * CMD_MAX];
        snprintf(args, sizeof(args),
                 "backtest --data '%s' --out '%s' --seed 7 --quiet %s --jsonl '%s/decisions.jsonl' "
                 "%s",
                 data, dir[i], i < 2 ? "--no-timing" : "", dir[i], extra);
        assert_int_equal(run(args), 0);
        root[i] = load_report(dir[i]);
        check_db(dir[i], root[i], hex[i]);
        check_jsonl(dir[i], root[i]);
        if (i < 2) {
            file_sha(dir[i], "report.json", rep_hex[i]);
            assert_true(json_is_null(json_object_get(root[i], "decision_latency_ns")));
        }
    }
    assert_string_equal(rep_hex[0], rep_hex[1]); /* byte-identical */
    assert_string_equal(hex[0], hex[1]);
    assert_string_equal(hex[0], hex[2]);
    json_t *lat = json_object_get(root[2], "decision_latency_ns");
    assert_non_null(json_object_get(lat, "p50"));
    assert_non_null(json_object_get(lat, "p999"));
    char *t0 = untimed_text(root[0]);
    char *t2 = untimed_text(root[2]);
    assert_string_equal(t0, t2);
    free(t0);
    free(t2);
    json_int_t trades = json_integer_value(json_object_get(root[0], "trades"));
    print_message("backtest: %s: %lld trades; report.json sha256 %.16s in both untimed runs, "
                  "database identical in all three (sha256 %.16s)\n",
                  data, (long long)trades, rep_hex[0], hex[0]);
    for (int i = 0; i < 3; i++) {
        json_decref(root[i]);
    }
    return trades;
}

static void test_usage(void **state) {
    (void)state;
    assert_int_equal(run("backtest"), 2);
    assert_int_equal(run("backtest --data"), 2);
    assert_int_equal(run("backtest --help"), 0);
    assert_int_equal(run("backtest --data x --seed -1"), 2);
    assert_int_equal(run("backtest --data /nonexistent/file.txt"), 3);
    char tmp[SC_TEST_PATH_MAX];
    sc_test_tmpdir(tmp, sizeof(tmp));
    char kl[SC_TEST_PATH_MAX + 32];
    snprintf(kl, sizeof(kl), "%s/k.csv", tmp);
    FILE *f = fopen(kl, "w");
    assert_non_null(f);
    fprintf(f, "open_time,open,high,low,close,volume\n1717632000000,1,2,0.5,1.5,10\n"
               "1717632060000,1.5,2,1,1.5,10\n1717632120000,1.5,2,1,1.5,10\n");
    fclose(f);
    char args[CMD_MAX];
    snprintf(args, sizeof(args), "backtest --data '%s' --out '%s/o' --timeframe 1s", kl, tmp);
    assert_int_equal(run(args), 2); /* klines are merged up, never split */
    char demo[SC_TEST_PATH_MAX];
    sc_test_source_path("tests/data/demo_capture.txt", demo, sizeof(demo));
    snprintf(args, sizeof(args), "backtest --data '%s' '%s' --out '%s/o'", demo, kl, tmp);
    assert_int_equal(run(args), 2); /* a capture and a kline CSV in one run */
    snprintf(args, sizeof(args), "backtest --data '%s' --out '%s'", demo, kl);
    assert_int_equal(run(args), 2); /* --out is a file */
    snprintf(args, sizeof(args), "backtest --data '%s' --out '%s/o' --jsonl '%s/none/d.jsonl'",
             demo, tmp, tmp);
    assert_int_equal(run(args), 2); /* --jsonl cannot be created */
}

/* Bars fidelity: the 10 days of Binance USD-M 1m klines (twice untimed and
 * once timed, as above), then a whole month of perpetual 1m klines (Bybit:
 * the only full month on the perpetual's grid in the shared data). */
static void test_klines(void **state) {
    (void)state;
    char data[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(KLINES_USDM_REL, data);
    char tmp[SC_TEST_PATH_MAX];
    sc_test_tmpdir(tmp, sizeof(tmp));
    char state_arg[SC_TEST_PATH_MAX + 32];
    snprintf(state_arg, sizeof(state_arg), "--state '%s/none.kill'", tmp);
    (void)twice(data, state_arg);
    char month[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(KLINES_MONTH_REL, month);
    char args[3 * CMD_MAX], dir[SC_TEST_PATH_MAX + 16], hex[SC_SHA256_HEX_LEN + 1];
    snprintf(dir, sizeof(dir), "%s/month", tmp);
    snprintf(args, sizeof(args), "backtest --data '%s' --out '%s' --quiet --no-timing %s", month,
             dir, state_arg);
    assert_int_equal(run(args), 0);
    json_t *r = load_report(dir);
    assert_string_equal(json_string_value(json_object_get(r, "fidelity")), "bars");
    assert_int_equal(json_integer_value(json_object_get(r, "events")), 43200); /* 30 days */
    assert_string_equal(json_string_value(json_object_get(r, "funding_usdt")), "0.00000000");
    check_db(dir, r, hex);
    print_message(
        "backtest: a month of 1m klines: %lld trades, %lld decisions\n",
        (long long)json_integer_value(json_object_get(r, "trades")),
        (long long)json_integer_value(json_object_get(json_object_get(r, "db_rows"), "decisions")));
    json_decref(r);
}

static void test_demo(void **state) {
    (void)state;
    char data[SC_TEST_PATH_MAX];
    sc_test_source_path("tests/data/demo_capture.txt", data, sizeof(data));
    twice(data, "");
}

static void test_real(void **state) {
    (void)state;
    char data[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(CAPTURE_REL, data);
    char tmp[SC_TEST_PATH_MAX];
    sc_test_tmpdir(tmp, sizeof(tmp));
    char cfg[SC_TEST_PATH_MAX + 32];
    snprintf(cfg, sizeof(cfg), "%s/low.ini", tmp);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    fprintf(f, "[strategy]\nentry_score_min = 0.2\ncooldown_s = 0\n");
    fclose(f);
    char extra[CMD_MAX];
    snprintf(extra, sizeof(extra), "--config '%s' --timeframe 1s --state '%s/none.kill'", cfg, tmp);
    assert_true(twice(data, extra) > 0);
}

static json_t *report(const char *dir) {
    char p[SC_TEST_PATH_MAX + 32];
    snprintf(p, sizeof(p), "%s/report.json", dir);
    json_t *r = json_load_file(p, 0, NULL);
    assert_non_null(r);
    return r;
}

static int64_t entry_orders(const char *dir) {
    char p[SC_TEST_PATH_MAX + 32];
    snprintf(p, sizeof(p), "%s/scalper.db", dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT count(*) FROM orders WHERE purpose = 'entry'", -1, &q, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* One backtest of the real capture with the low threshold into tmp/name;
 * returns its exit status. */
static int run_real(const char *data, const char *tmp, const char *name, const char *extra) {
    char args[3 * CMD_MAX];
    snprintf(args, sizeof(args),
             "backtest --data '%s' --out '%s/%s' --config '%s/low.ini' --timeframe 1s --seed 7 "
             "--quiet %s",
             data, tmp, name, tmp, extra);
    return run(args);
}

/* On the real capture: with no state file it trades; with a tripped state
 * file no entry order is sent and the report says tripped; a simulated
 * SIGINT mid-run exits 0, interrupted, shutdown done, flat. */
static void test_kill_and_interrupt(void **state) {
    (void)state;
    char data[SC_TEST_PATH_MAX];
    SC_REQUIRE_SHARED(CAPTURE_REL, data);
    char tmp[SC_TEST_PATH_MAX];
    sc_test_tmpdir(tmp, sizeof(tmp));
    char p[SC_TEST_PATH_MAX + 32];
    snprintf(p, sizeof(p), "%s/low.ini", tmp);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fprintf(f, "[strategy]\nentry_score_min = 0.2\ncooldown_s = 0\n");
    fclose(f);
    char extra[CMD_MAX];
    char dir[SC_TEST_PATH_MAX + 16];
    snprintf(extra, sizeof(extra), "--state '%s/none.kill'", tmp);
    assert_int_equal(run_real(data, tmp, "free", extra), 0);
    snprintf(dir, sizeof(dir), "%s/free", tmp);
    assert_true(entry_orders(dir) > 0);
    json_t *r = report(dir);
    assert_false(
        json_is_true(json_object_get(json_object_get(r, "kill_switch_at_start"), "tripped")));
    json_int_t events = json_integer_value(json_object_get(r, "events"));
    json_decref(r);
    snprintf(extra, sizeof(extra), "kill --state '%s/s.kill' --reason test", tmp);
    assert_int_equal(run(extra), 0);
    snprintf(extra, sizeof(extra), "--state '%s/s.kill'", tmp);
    assert_int_equal(run_real(data, tmp, "killed", extra), 0);
    snprintf(dir, sizeof(dir), "%s/killed", tmp);
    assert_int_equal(entry_orders(dir), 0);
    r = report(dir);
    json_t *k = json_object_get(r, "kill_switch_at_start");
    assert_true(json_is_true(json_object_get(k, "tripped")));
    assert_string_equal(json_string_value(json_object_get(k, "trigger")), "manual");
    assert_string_equal(json_string_value(json_object_get(k, "reason")), "test");
    json_decref(r);
    snprintf(extra, sizeof(extra), "--state '%s/none.kill' --interrupt-after-events %lld", tmp,
             (long long)(events / 2));
    assert_int_equal(run_real(data, tmp, "int", extra), 0);
    snprintf(dir, sizeof(dir), "%s/int", tmp);
    r = report(dir);
    assert_true(json_is_true(json_object_get(r, "interrupted")));
    json_t *sd = json_object_get(r, "shutdown");
    assert_string_equal(json_string_value(json_object_get(sd, "outcome")), "done");
    assert_true(json_is_true(json_object_get(sd, "flat")));
    assert_true(json_integer_value(json_object_get(r, "events")) < events);
    json_decref(r);
}

/* Decisions rows committed in db so far (0 while it cannot be read). */
static int64_t committed_decisions(const char *db) {
    sqlite3 *h = NULL;
    int64_t n = 0;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(h, "SELECT count(*) FROM decisions", -1, &q, NULL) == SQLITE_OK &&
            sqlite3_step(q) == SQLITE_ROW) {
            n = sqlite3_column_int64(q, 0);
        }
        sqlite3_finalize(q);
    }
    sqlite3_close(h);
    return n;
}

/* SHA-256 of the first n decisions rows (all columns, by id). */
static void prefix_sha(sqlite3 *db, int64_t n, char hex[SC_SHA256_HEX_LEN + 1]) {
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT id, ts_ns, action, reason, context_json FROM "
                                        "decisions WHERE id <= ?1 ORDER BY id",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(q, 1, n);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    while (sqlite3_step(q) == SQLITE_ROW) {
        for (int i = 0; i < 5; i++) {
            const char *v = (const char *)sqlite3_column_text(q, i);
            size_t k = strlen(v) + 1;
            while (len + k > cap) {
                cap *= 2;
                buf = realloc(buf, cap);
                assert_non_null(buf);
            }
            memcpy(buf + len, v, k);
            len += k;
        }
    }
    sqlite3_finalize(q);
    assert_int_equal(sc_sha256_hex(buf, len, hex), SC_OK);
    free(buf);
}

/* A SIGKILL in the middle of a backtest (a long simulated session, the demo's
 * parameters so that decisions and orders are being written): the database
 * opens, passes SQLite's integrity and foreign-key checks, holds the run,
 * keeps decisions numbered without a hole, `scalper report` reads it, and
 * the decisions it holds are exactly the first ones of an uninterrupted run
 * (--batch 10: a crash loses at most the open batch). */
static void test_sigkill_mid_run(void **state) {
    (void)state;
    char tmp[SC_TEST_PATH_MAX];
    sc_test_tmpdir(tmp, sizeof(tmp));
    char args[3 * CMD_MAX], sim[SC_TEST_PATH_MAX + 32], ini[SC_TEST_PATH_MAX + 32];
    char out[SC_TEST_PATH_MAX + 32], db[SC_TEST_PATH_MAX + 64];
    snprintf(sim, sizeof(sim), "%s/long.txt", tmp);
    snprintf(ini, sizeof(ini), "%s/demo.ini", tmp);
    snprintf(out, sizeof(out), "%s/out", tmp);
    snprintf(db, sizeof(db), "%s/scalper.db", out);
    snprintf(args, sizeof(args), "simulate --seed 3 --seconds 7200 --stress crash --out '%s'", sim);
    assert_int_equal(run(args), 0);
    FILE *f = fopen(ini, "w");
    assert_non_null(f);
    fprintf(f, "[strategy]\nentry_score_min = 0.3\ncooldown_s = 0\n[ai]\nmin_confidence = 0.3\n");
    fclose(f);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        execl(SC_SCALPER_BIN, SC_SCALPER_BIN, "backtest", "--quiet", "--data", sim, "--config", ini,
              "--timeframe", "1s", "--batch", "10", "--out", out, (char *)NULL);
        _exit(127);
    }
    /* Kill once a few batches are committed: mid-run on any machine. */
    struct timespec ms = {0, 5000000};
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 12000 && !exited && committed_decisions(db) < 20; i++) {
        nanosleep(&ms, NULL);
        exited = waitpid(pid, &status, WNOHANG) == pid;
    }
    if (!exited) {
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
    }
    if (!WIFSIGNALED(status)) {
        skip(); /* it finished before a batch was seen: nothing was killed */
    }
    sqlite3 *h = NULL;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    assert_int_equal(count_rows(h, "runs"), 1);
    int64_t n = count_rows(h, "decisions");
    assert_int_equal(count_rows(h, "decisions WHERE id > (SELECT count(*) FROM decisions)"), 0);
    int64_t orders = count_rows(h, "orders");
    char got[SC_SHA256_HEX_LEN + 1], want[SC_SHA256_HEX_LEN + 1];
    prefix_sha(h, n, got);
    sqlite3_close(h);
    snprintf(args, sizeof(args), "report '%s'", out);
    assert_int_equal(run(args), 0);
    /* What was committed is exactly the start of the uninterrupted run. */
    snprintf(args, sizeof(args),
             "backtest --quiet --data '%s' --config '%s' --timeframe 1s --out '%s/full'", sim, ini,
             tmp);
    assert_int_equal(run(args), 0);
    snprintf(db, sizeof(db), "%s/full/scalper.db", tmp);
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_true(count_rows(h, "decisions") >= n);
    prefix_sha(h, n, want);
    sqlite3_close(h);
    assert_string_equal(got, want);
    assert_true(n > 0);
    print_message("killed mid-run: %lld decisions and %lld orders committed, database reads\n",
                  (long long)n, (long long)orders);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_demo),
        cmocka_unit_test(test_real),
        cmocka_unit_test(test_klines),
        cmocka_unit_test(test_kill_and_interrupt),
        cmocka_unit_test(test_sigkill_mid_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
