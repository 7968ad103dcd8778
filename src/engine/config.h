/* config.h: the scalper configuration file (one INI file, read with inih).
 *
 * Sections: [exchange] [risk] [forbidden] [strategy] [smc] [regime] [ai]
 * [paper] [store] [server]. Every key is declared once, with its type,
 * default, bounds and meaning, in the table in config.c; validation,
 * `scalper config --help`, the example file (config/scalper.ini) and the
 * canonical text all come from that table. In [forbidden], [strategy],
 * [smc], [regime] and [ai] a key K is the parameter "<section>.K" of
 * core/params.h, checked against its bounds there.
 *
 * Rules, all enforced by sc_config_load:
 *  - unknown sections and keys, repeated sections and repeated keys are
 *    errors (a repeat names the line of the first);
 *  - every value is parsed whole: trailing bytes, empty values (unless the
 *    key allows empty) and quotes around strings are errors;
 *  - money-like values are decimal text parsed straight to integers
 *    (core/fixed.h), never through a double;
 *  - [risk] may only tighten the compiled hard limits (core/limits.h): a
 *    value that would loosen one is refused, naming the limit;
 *  - secrets never live in the file: a key that looks like one (api_key,
 *    api_secret, secret, password, token ...) is refused; [exchange]
 *    api_key_env / api_secret_env name the environment variables instead;
 *  - [server] listen must be a loopback address unless allow_remote = true.
 *
 * Syntax, as inih (Debian libinih 55) reads it with our line reader in
 * front: comments are lines whose first non-blank byte is ';' or '#'. An
 * inline comment is ';' preceded by a space or tab ("key = 5 ; note");
 * '#' after a value is NOT a comment: it stays in the value, which then
 * fails to parse. Leading blanks are ignored, so indented lines are plain
 * lines (inih's multi-line continuation values are thereby turned off).
 * The separator is '='. Lines are at most SC_CONFIG_LINE_MAX bytes.
 *
 * All errors of a file are collected (up to SC_CONFIG_ERRORS_MAX, all are
 * counted) and nothing is applied unless the whole file is valid.
 *
 * mode = live is accepted here; the caller must additionally require
 * NODE_ENV=live in the environment before trading live.
 *
 * Thread: any (no shared state; inih is used with its stack line buffer).
 * Allocates: nothing (the C library's FILE aside). Reads the file named by
 * the caller: this runs before the engine starts, never on the event path.
 */
#ifndef SC_ENGINE_CONFIG_H
#define SC_ENGINE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/params.h"

enum {
    SC_CONFIG_LINE_MAX = 196,      /* bytes per line, newline excluded (inih's buffer is 200) */
    SC_CONFIG_LINES_MAX = 10000,   /* lines per file; a longer file is refused */
    SC_CONFIG_STR_MAX = 200,       /* bytes of a string value, NUL included */
    SC_CONFIG_ERRORS_MAX = 20,     /* errors kept per load (all are counted) */
    SC_CONFIG_CANONICAL_MAX = 8192 /* enough for the canonical text of any config */
};

typedef enum {
    SC_CONFIG_MODE_PAPER = 0,
    SC_CONFIG_MODE_LIVE = 1,
    SC_CONFIG_MODE_BACKTEST = 2
} sc_config_mode;

typedef enum {
    SC_CONFIG_ADVISOR_RULES = 0,
    SC_CONFIG_ADVISOR_MODEL = 1, /* refused for now: not available yet */
    SC_CONFIG_ADVISOR_LLM = 2    /* refused for now: not available yet */
} sc_config_advisor;

typedef struct {
    int mode; /* sc_config_mode */
    char symbol[SC_CONFIG_STR_MAX];
    char rest_url[SC_CONFIG_STR_MAX];
    char ws_public_url[SC_CONFIG_STR_MAX];
    char ws_market_url[SC_CONFIG_STR_MAX];
    char api_key_env[SC_CONFIG_STR_MAX];    /* name of the variable, never the key */
    char api_secret_env[SC_CONFIG_STR_MAX]; /* name of the variable, never the secret */
    int64_t recv_window_ms;
} sc_config_exchange;

/* Each field is at most (or, for hold_s_min, at least) its hard limit. */
typedef struct {
    int64_t position_steps_max;     /* lot steps of 0.001 BTC; key max_position_btc */
    int64_t daily_loss_bps_max;     /* of start-of-day equity; key max_daily_loss_pct */
    int64_t drawdown_bps_max;       /* from peak equity; key max_drawdown_pct */
    int64_t spread_bps_x100_max;    /* hundredths of a bp; key max_spread_bps */
    int64_t hold_s_min;             /* key min_hold_s */
    int64_t hold_s_max;             /* key max_hold_s; >= hold_s_min */
    int64_t consecutive_losses_max; /* key max_consecutive_losses */
    int64_t leverage_x100_max;      /* key max_leverage */
    sc_money starting_equity;       /* USDT, paper and backtest; key starting_equity_usdt */
} sc_config_risk;

typedef struct {
    int advisor; /* sc_config_advisor */
} sc_config_ai;

typedef struct {
    int64_t maker_fee_bps_x100; /* hundredths of a bp: 200 = 2 bps = 0.02 % */
    int64_t taker_fee_bps_x100;
    int64_t latency_ms;
    int64_t latency_jitter_ms;
    int64_t seed;
    int64_t queue_cancel_share_x10000; /* 0..10000 = 0..1 */
} sc_config_paper;

typedef struct {
    char path[SC_CONFIG_STR_MAX];
    char jsonl_path[SC_CONFIG_STR_MAX]; /* "" = no JSONL copy */
} sc_config_store;

typedef struct {
    bool enabled;
    char listen[SC_CONFIG_STR_MAX]; /* host:port */
    bool allow_remote;
} sc_config_server;

/* A whole configuration; a plain value type. params holds the starting
 * parameter values ([forbidden], [strategy], [smc], [regime], [ai]),
 * version 0. */
typedef struct {
    sc_config_exchange exchange;
    sc_config_risk risk;
    sc_params params;
    sc_config_ai ai;
    sc_config_paper paper;
    sc_config_store store;
    sc_config_server server;
} sc_config;

/* The errors of one load, in line order. source of each points at the path
 * given to sc_config_load (not owned). */
typedef struct {
    sc_errinfo items[SC_CONFIG_ERRORS_MAX];
    size_t count; /* kept in items */
    size_t total; /* found; total > count when some were left out */
} sc_config_errors;

/* The compiled defaults (the same values as the example file). */
void sc_config_defaults(sc_config *out);

/* Reads path over the defaults. SC_OK: *out is the new configuration.
 * Otherwise *out is untouched and errs holds what was wrong:
 * SC_ERR_IO (file unreadable), SC_ERR_PARSE (bad content, every problem
 * listed), SC_ERR_LIMIT (file longer than SC_CONFIG_LINES_MAX lines). */
sc_err sc_config_load(const char *path, sc_config *out, sc_config_errors *errs);

/* The example file: every section and key with its meaning, bounds and
 * default, as active "key = default" lines. config/scalper.ini is this text. */
void sc_config_write_example(FILE *f);

/* One line per key: name, accepted values, default, meaning (for --help). */
void sc_config_write_keys(FILE *f);

/* Canonical text: every section in a fixed order, every key in a fixed
 * order with its value ("[risk]\nmax_position_btc = 0.5\n..."). Equal
 * configurations give equal text. Writes at most cap bytes, NUL included;
 * returns the full length (>= cap means it was cut). */
size_t sc_config_canonical(const sc_config *cfg, char *buf, size_t cap);
/* The same for one section only (e.g. "risk", for the rulebook hash);
 * 0 and an empty buf for an unknown section. */
size_t sc_config_canonical_section(const sc_config *cfg, const char *section, char *buf,
                                   size_t cap);

const char *sc_config_mode_name(sc_config_mode m);

#endif
