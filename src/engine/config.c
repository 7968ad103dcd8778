#include "engine/config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/assert.h"
#include "core/limits.h"

/* inih hands our reader a buffer of INI_MAX_LINE bytes and needs room for
 * the newline and the NUL; a longer line would be split silently by inih,
 * and its tail parsed as a line of its own, so our reader refuses it. */
_Static_assert(SC_CONFIG_LINE_MAX + 3 <= INI_MAX_LINE, "a config line must fit inih's buffer");
_Static_assert(SC_CONFIG_STR_MAX > SC_CONFIG_LINE_MAX, "any value of a line fits a string field");

/* Hard limits in the units of the config keys. */
#define HOLD_S_MIN (SC_LIMIT_MIN_HOLD_NS / SC_NS_PER_S)
#define HOLD_S_MAX (SC_LIMIT_MAX_HOLD_NS / SC_NS_PER_S)
_Static_assert(HOLD_S_MIN *SC_NS_PER_S == SC_LIMIT_MIN_HOLD_NS, "min hold is whole seconds");
_Static_assert(HOLD_S_MAX *SC_NS_PER_S == SC_LIMIT_MAX_HOLD_NS, "max hold is whole seconds");
_Static_assert(HOLD_S_MIN <= HOLD_S_MAX, "the hold limits leave room");

typedef enum {
    S_EXCHANGE,
    S_RISK,
    S_FORBIDDEN,
    S_STRATEGY,
    S_SMC,
    S_REGIME,
    S_AI,
    S_PAPER,
    S_STORE,
    S_SERVER,
    S_COUNT
} section_id;

typedef struct {
    const char *name;
    bool params; /* keys K here may be the parameters "<name>.K" */
    const char *help;
} section_def;

static const section_def k_sections[S_COUNT] = {
    {"exchange", false, "Where scalper trades and how it reaches Binance USD-M futures."},
    {"risk", false,
     "Hard risk limits. Each is compiled into scalper; this file may only tighten them: a "
     "value that would loosen one is refused."},
    {"forbidden", true,
     "Forbidden conditions: market states in which no entry is made; broken data, clocks or "
     "order paths also stop signal exits. Protective exits always go out. Parameters (see "
     "src/risk/forbidden.h)."},
    {"strategy", true, "Base strategy: entry signal, order size, exits (parameters)."},
    {"smc", true, "Smart money concepts detector (parameters)."},
    {"regime", true, "Regime detector (parameters)."},
    {"ai", true, "AI advisor and the bounds its answers are held to (parameters)."},
    {"paper", false, "Fill simulator of paper and backtest modes."},
    {"store", false, "Audit trail: trade store and decision log."},
    {"server", false, "HTTP/WebSocket API and dashboard."},
};

typedef enum { K_ENUM, K_STR, K_INT, K_DEC, K_BOOL } key_kind;
typedef enum { C_NONE, C_SYMBOL, C_HTTP_URL, C_WS_URL, C_ENV_NAME, C_PATH, C_LISTEN } str_check;

enum {
    F_HARD_MIN = 1, /* min is a compiled hard limit: config may only raise the value */
    F_HARD_MAX = 2, /* max is a compiled hard limit: config may only lower the value */
    F_EMPTY_OK = 4, /* an empty value is allowed */
    F_HIDE = 8      /* never echo the value: it might be a pasted secret */
};

typedef struct {
    section_id section;
    const char *key;
    key_kind kind;
    size_t offset;       /* of the field in sc_config */
    int scale;           /* K_DEC: the field counts 10^-scale of the key's unit */
    int64_t min;         /* K_INT, K_DEC: in field units */
    int64_t max;         /* K_INT, K_DEC; K_ENUM: last choice that may be used */
    unsigned flags;      /* F_* */
    const char *choices; /* K_ENUM: "a|b|c", the field holds the index */
    str_check check;     /* K_STR */
    const char *accepts; /* K_ENUM, K_STR: what a valid value is, for people */
    const char *def;     /* the default, as it is written in the file */
    const char *unit;
    const char *help;
} key_def;

#define OFF(member) offsetof(sc_config, member)
#define WHOLE(sec, name, member, lo, hi, fl, dflt, un, hlp)                                        \
    { sec, name, K_INT, OFF(member), 0, lo, hi, fl, NULL, C_NONE, NULL, dflt, un, hlp }
#define DEC(sec, name, member, sc, lo, hi, fl, dflt, un, hlp)                                      \
    { sec, name, K_DEC, OFF(member), sc, lo, hi, fl, NULL, C_NONE, NULL, dflt, un, hlp }
#define STR(sec, name, member, chk, fl, acc, dflt, hlp)                                            \
    { sec, name, K_STR, OFF(member), 0, 0, 0, fl, NULL, chk, acc, dflt, "text", hlp }
#define BOOLEAN(sec, name, member, dflt, hlp)                                                      \
    { sec, name, K_BOOL, OFF(member), 0, 0, 1, 0, NULL, C_NONE, NULL, dflt, "bool", hlp }

/* Every key that is not a parameter. Order is the order of the example
 * file and of the canonical text: append, never reorder. */
static const key_def k_keys[] = {
    {S_EXCHANGE, "mode", K_ENUM, OFF(exchange.mode), 0, 0, 2, 0, "paper|live|backtest", C_NONE,
     "paper, live or backtest", "paper", "mode",
     "where orders go: paper = simulated fills on the live Binance book; live = real orders "
     "on Binance (also needs NODE_ENV=live in the environment); backtest = recorded data and "
     "simulated fills"},
    STR(S_EXCHANGE, "symbol", exchange.symbol, C_SYMBOL, 0, "BTCUSDT (the only symbol supported)",
        "BTCUSDT", "the instrument: the BTCUSDT perpetual on USD-M futures"),
    STR(S_EXCHANGE, "rest_url", exchange.rest_url, C_HTTP_URL, 0,
        "an https:// URL (http:// only to a loopback host)", "https://fapi.binance.com",
        "REST base URL of Binance USD-M futures"),
    STR(S_EXCHANGE, "ws_public_url", exchange.ws_public_url, C_WS_URL, 0,
        "a wss:// URL (ws:// only to a loopback host)", "wss://fstream.binance.com/public",
        "WebSocket base URL of the high-frequency public streams (depth, bookTicker)"),
    STR(S_EXCHANGE, "ws_market_url", exchange.ws_market_url, C_WS_URL, 0,
        "a wss:// URL (ws:// only to a loopback host)", "wss://fstream.binance.com/market",
        "WebSocket base URL of the market streams (aggTrade, markPrice, kline)"),
    STR(S_EXCHANGE, "api_key_env", exchange.api_key_env, C_ENV_NAME, F_HIDE,
        "the name of an environment variable ([A-Z_][A-Z0-9_]*, at most 64 bytes)",
        "BINANCE_API_KEY",
        "name of the environment variable that holds the API key (live mode); the key itself "
        "never goes in this file"),
    STR(S_EXCHANGE, "api_secret_env", exchange.api_secret_env, C_ENV_NAME, F_HIDE,
        "the name of an environment variable ([A-Z_][A-Z0-9_]*, at most 64 bytes)",
        "BINANCE_API_SECRET",
        "name of the environment variable that holds the API secret (live mode); the secret "
        "itself never goes in this file"),
    WHOLE(S_EXCHANGE, "recv_window_ms", exchange.recv_window_ms, 1, 60000, 0, "5000", "ms",
          "recvWindow of signed requests: how long after its timestamp Binance still accepts "
          "a request"),
    /* lot steps of BTCUSDT are 0.001 BTC: scale 3 gives steps directly */
    DEC(S_RISK, "max_position_btc", risk.position_steps_max, 3, 1, SC_LIMIT_MAX_POSITION_STEPS,
        F_HARD_MAX, "0.5", "BTC", "largest absolute position"),
    DEC(S_RISK, "max_daily_loss_pct", risk.daily_loss_bps_max, 2, 1, SC_LIMIT_MAX_DAILY_LOSS_BPS,
        F_HARD_MAX, "2", "%",
        "entries stop for the rest of the UTC day once the day's loss reaches this share of "
        "start-of-day equity"),
    DEC(S_RISK, "max_drawdown_pct", risk.drawdown_bps_max, 2, 1, SC_LIMIT_MAX_DRAWDOWN_BPS,
        F_HARD_MAX, "5", "%", "entries stop once equity falls this far below its peak"),
    DEC(S_RISK, "max_spread_bps", risk.spread_bps_x100_max, 2, 1, SC_LIMIT_MAX_SPREAD_BPS * 100,
        F_HARD_MAX, "10", "bps", "no entry while the bid-ask spread is wider than this"),
    WHOLE(S_RISK, "min_hold_s", risk.hold_s_min, HOLD_S_MIN, HOLD_S_MAX, F_HARD_MIN, "5", "s",
          "the strategy does not close a position sooner (protective exits are exempt)"),
    WHOLE(S_RISK, "max_hold_s", risk.hold_s_max, HOLD_S_MIN, HOLD_S_MAX, F_HARD_MAX, "300", "s",
          "a position is closed after this long; at least min_hold_s"),
    WHOLE(S_RISK, "max_consecutive_losses", risk.consecutive_losses_max, 1,
          SC_LIMIT_MAX_CONSECUTIVE_LOSSES, F_HARD_MAX, "5", "trades",
          "entries stop after this many losing trades in a row"),
    DEC(S_RISK, "max_leverage", risk.leverage_x100_max, 2, 100, SC_LIMIT_MAX_LEVERAGE_X100,
        F_HARD_MAX, "3", "x", "highest leverage set on the exchange and used for margin"),
    DEC(S_RISK, "starting_equity_usdt", risk.starting_equity.e8, 8, INT64_C(1000000000),
        INT64_C(10000000000000000), 0, "10000", "USDT",
        "account equity at the start of a paper or backtest run (live mode reads the account)"),
    {S_AI, "advisor", K_ENUM, OFF(ai.advisor), 0, 0, 0, 0, "rules|model|llm", C_NONE,
     "rules (model and llm are not available yet)", "rules", "advisor",
     "who answers the decision API: rules (deterministic); model and llm are not available "
     "yet"},
    DEC(S_PAPER, "maker_fee_bps", paper.maker_fee_bps_x100, 2, 0, 10000, 0, "2", "bps",
        "fee on maker fills (2 bps = 0.02 %)"),
    DEC(S_PAPER, "taker_fee_bps", paper.taker_fee_bps_x100, 2, 0, 10000, 0, "5", "bps",
        "fee on taker fills (5 bps = 0.05 %)"),
    WHOLE(S_PAPER, "latency_ms", paper.latency_ms, 0, 10000, 0, "20", "ms",
          "simulated time from sending an order to the exchange acting on it"),
    WHOLE(S_PAPER, "latency_jitter_ms", paper.latency_jitter_ms, 0, 10000, 0, "5", "ms",
          "random extra latency, uniform in 0..this, from the seeded generator"),
    WHOLE(S_PAPER, "seed", paper.seed, 0, INT64_MAX, 0, "1", "seed",
          "seed of the simulator's random generator: the same seed gives the same run"),
    DEC(S_PAPER, "queue_cancel_share", paper.queue_cancel_share_x10000, 4, 0, 10000, 0, "0.5",
        "share",
        "share of the cancellations at our price level taken to come from ahead of our "
        "resting order in the queue"),
    STR(S_STORE, "path", store.path, C_PATH, 0, "a file path", "./scalper.db",
        "SQLite trade store and decision log"),
    STR(S_STORE, "jsonl_path", store.jsonl_path, C_PATH, F_EMPTY_OK, "a file path, or empty", "",
        "also write decision records as JSON lines to this file; empty = off"),
    BOOLEAN(S_SERVER, "enabled", server.enabled, "true",
            "serve the HTTP/WebSocket API and the dashboard"),
    STR(S_SERVER, "listen", server.listen, C_LISTEN, 0,
        "host:port (a loopback host unless allow_remote = true)", "127.0.0.1:8080",
        "address of the API and dashboard"),
    BOOLEAN(S_SERVER, "allow_remote", server.allow_remote, "false",
            "allow listen on a non-loopback address such as 0.0.0.0 (the API would be "
            "reachable from the network: only behind an authenticating proxy)"),
};

enum { KEY_COUNT = 29 };
_Static_assert(sizeof(k_keys) / sizeof(k_keys[0]) == KEY_COUNT, "KEY_COUNT matches the table");

#undef OFF
#undef WHOLE
#undef DEC
#undef STR
#undef BOOLEAN

/* ---- values: text to field and back ------------------------------------ */

static void *field_of(sc_config *cfg, const key_def *k) {
    SC_ASSERT(k->offset < sizeof(*cfg));
    return (char *)cfg + k->offset;
}

static const void *cfield_of(const sc_config *cfg, const key_def *k) {
    SC_ASSERT(k->offset < sizeof(*cfg));
    return (const char *)cfg + k->offset;
}

/* Shortest exact decimal form: 0.500 at scale 3 is "0.5", 2.00 is "2". */
static void format_units(const key_def *k, int64_t v, char *buf, size_t cap) {
    SC_ASSERT(k->kind == K_INT || k->kind == K_DEC);
    SC_ASSERT(cap >= SC_DEC_TEXT_MAX);
    int n = sc_dec_format(v, k->scale, k->scale, buf, cap);
    SC_ASSERT(n > 0);
    if (k->scale == 0) {
        return;
    }
    size_t len = (size_t)n;
    while (buf[len - 1] == '0') {
        len--;
    }
    if (buf[len - 1] == '.') {
        len--;
    }
    buf[len] = '\0';
}

/* What a valid value of k is, for people: errors, --help, the example. */
static void key_accepts(const key_def *k, char *buf, size_t cap) {
    SC_ASSERT(k != NULL && buf != NULL && cap > 0);
    char lo[SC_DEC_TEXT_MAX];
    char hi[SC_DEC_TEXT_MAX];
    switch (k->kind) {
    case K_ENUM:
    case K_STR:
        snprintf(buf, cap, "%s", k->accepts);
        return;
    case K_BOOL:
        snprintf(buf, cap, "true or false");
        return;
    case K_INT:
    case K_DEC:
        break;
    }
    format_units(k, k->min, lo, sizeof(lo));
    format_units(k, k->max, hi, sizeof(hi));
    snprintf(buf, cap, "%s %s..%s (%s)%s", k->kind == K_INT ? "a whole number" : "a decimal number",
             lo, hi, k->unit,
             (k->flags & F_HARD_MAX)   ? "; hard limit: may only be lowered"
             : (k->flags & F_HARD_MIN) ? "; hard limit: may only be raised"
                                       : "");
}

static void set_err(sc_errinfo *ei, const char *field, const char *expected, const char *got,
                    bool hide) {
    if (hide) {
        got = "(hidden)";
    }
    sc_errinfo_set(ei, field, expected, got, strlen(got));
}

static bool number_set(const key_def *k, const char *field, const char *text, int64_t *dst,
                       sc_errinfo *ei) {
    SC_ASSERT(k->kind == K_INT || k->kind == K_DEC);
    SC_ASSERT(k->min <= k->max && k->scale >= 0 && k->scale <= SC_DEC_SCALE_MAX);
    int64_t v = 0;
    char bound[SC_DEC_TEXT_MAX];
    char expected[SC_ERRINFO_TEXT_MAX];
    sc_err e = sc_dec_parse(text, strlen(text), k->scale, true, &v);
    if (e == SC_ERR_PRECISION && k->scale > 0) {
        snprintf(expected, sizeof(expected), "at most %d digits after the point (%s)", k->scale,
                 k->unit);
    } else if (e != SC_OK) {
        key_accepts(k, expected, sizeof(expected));
    } else if (v > k->max) {
        format_units(k, k->max, bound, sizeof(bound));
        snprintf(expected, sizeof(expected), "at most %s %s", bound,
                 (k->flags & F_HARD_MAX) ? "(hard limit; config may only tighten)" : k->unit);
    } else if (v < k->min) {
        format_units(k, k->min, bound, sizeof(bound));
        snprintf(expected, sizeof(expected), "at least %s %s", bound,
                 (k->flags & F_HARD_MIN) ? "(hard limit; config may only tighten)" : k->unit);
    } else {
        SC_ASSERT(v >= k->min && v <= k->max);
        *dst = v;
        return true;
    }
    set_err(ei, field, expected, text, (k->flags & F_HIDE) != 0);
    return false;
}

static bool parse_bool(const char *t, bool *out) {
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(t, yes[i]) == 0 || strcasecmp(t, no[i]) == 0) {
            *out = strcasecmp(t, yes[i]) == 0;
            return true;
        }
    }
    return false;
}

/* Index of text among "a|b|c", or -1. */
static int choice_index(const char *choices, const char *text) {
    SC_ASSERT(choices != NULL && choices[0] != '\0');
    size_t n = strlen(text);
    int i = 0;
    for (const char *p = choices; *p != '\0'; i++) {
        size_t len = strcspn(p, "|");
        if (len == n && n > 0 && memcmp(p, text, n) == 0) {
            return i;
        }
        p += len + (p[len] == '|' ? 1 : 0);
    }
    return -1;
}

/* Choice i of "a|b|c" into buf. */
static void choice_name(const char *choices, int i, char *buf, size_t cap) {
    const char *p = choices;
    for (int j = 0; j < i && *p != '\0'; j++) {
        p += strcspn(p, "|");
        p += *p == '|' ? 1 : 0;
    }
    size_t len = strcspn(p, "|");
    SC_ASSERT(len > 0 && len < cap);
    memcpy(buf, p, len);
    buf[len] = '\0';
}

/* ---- string checks ------------------------------------------------------ */

static bool is_digits(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return n > 0;
}

static bool is_loopback_host(const char *h, size_t n) {
    SC_ASSERT(h != NULL);
    if ((n == 9 && memcmp(h, "localhost", 9) == 0) || (n == 5 && memcmp(h, "[::1]", 5) == 0)) {
        return true;
    }
    if (n < 7 || memcmp(h, "127.", 4) != 0) {
        return false;
    }
    /* 127.a.b.c: three more parts of 1..3 digits, each at most 255 */
    int parts = 1;
    for (size_t i = 4; i <= n; parts++) {
        size_t len = strcspn(h + i, ".");
        len = i + len > n ? n - i : len;
        if (len == 0 || len > 3 || !is_digits(h + i, len)) {
            return false;
        }
        int v = 0;
        for (size_t j = 0; j < len; j++) {
            v = v * 10 + (h[i + j] - '0');
        }
        if (v > 255) {
            return false;
        }
        i += len + 1;
    }
    return parts == 4;
}

/* Length of a host at s: a name or IPv4 address ([A-Za-z0-9.-]) or a
 * bracketed IPv6 address; 0 when there is none. */
static size_t host_len(const char *s) {
    if (s[0] == '[') {
        size_t n = strspn(s + 1, "0123456789abcdefABCDEF:.");
        return s[1 + n] == ']' && n > 0 ? n + 2 : 0;
    }
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
}

static bool port_ok(const char *s, size_t n) {
    if (!is_digits(s, n) || n > 5) {
        return false;
    }
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

/* secure://host[:port][/path], or plain://host... to a loopback host only
 * (a fake exchange in tests). No blanks or quotes anywhere. */
static bool url_ok(const char *v, const char *secure, const char *plain) {
    bool tls = strncmp(v, secure, strlen(secure)) == 0;
    if (!tls && strncmp(v, plain, strlen(plain)) != 0) {
        return false;
    }
    for (const char *p = v; *p != '\0'; p++) {
        if ((unsigned char)*p <= 0x20 || *p == '"' || *p == '\'' || *p == '@' || *p == 0x7f) {
            return false;
        }
    }
    const char *h = v + strlen(tls ? secure : plain);
    size_t hn = host_len(h);
    if (hn == 0 || (!tls && !is_loopback_host(h, hn))) {
        return false;
    }
    const char *rest = h + hn;
    if (*rest == ':') {
        size_t pn = strcspn(rest + 1, "/");
        if (!port_ok(rest + 1, pn)) {
            return false;
        }
        rest += 1 + pn;
    }
    return *rest == '\0' || *rest == '/';
}

static bool env_name_ok(const char *v) {
    size_t n = strlen(v);
    if (n == 0 || n > 64 || (v[0] >= '0' && v[0] <= '9')) {
        return false;
    }
    return strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

/* host:port with the port required; *hn gets the host's length. */
static bool listen_ok(const char *v, size_t *hn) {
    *hn = host_len(v);
    if (*hn == 0 || v[*hn] != ':') {
        return false;
    }
    return port_ok(v + *hn + 1, strlen(v + *hn + 1));
}

static bool str_check_ok(str_check c, const char *v) {
    size_t hn = 0;
    switch (c) {
    case C_NONE:
    case C_PATH:
        return true; /* the reader already refused control bytes */
    case C_SYMBOL:
        return strcmp(v, "BTCUSDT") == 0;
    case C_HTTP_URL:
        return url_ok(v, "https://", "http://");
    case C_WS_URL:
        return url_ok(v, "wss://", "ws://");
    case C_ENV_NAME:
        return env_name_ok(v);
    case C_LISTEN:
        return listen_ok(v, &hn);
    }
    return false;
}

static bool str_set(const key_def *k, const char *field, const char *text, char *dst,
                    sc_errinfo *ei) {
    SC_ASSERT(k->kind == K_STR && k->accepts != NULL);
    size_t n = strlen(text);
    /* user:password@host in a URL is refused (no '@' passes url_ok) and
     * never echoed. */
    bool url = k->check == C_HTTP_URL || k->check == C_WS_URL;
    bool hide = (k->flags & F_HIDE) != 0 || (url && strchr(text, '@') != NULL);
    char expected[SC_ERRINFO_TEXT_MAX];
    if (n == 0 && (k->flags & F_EMPTY_OK) != 0) {
        dst[0] = '\0';
        return true;
    }
    if (n > 0 && (text[0] == '"' || text[0] == '\'')) {
        snprintf(expected, sizeof(expected), "%s, without quotes", k->accepts);
        set_err(ei, field, expected, text, hide);
        return false;
    }
    if (n == 0 || n >= SC_CONFIG_STR_MAX || !str_check_ok(k->check, text)) {
        set_err(ei, field, k->accepts, text, hide);
        return false;
    }
    SC_ASSERT(n < SC_CONFIG_STR_MAX);
    memcpy(dst, text, n + 1);
    return true;
}

/* Parses text as the value of k into cfg; on failure cfg is unchanged and
 * ei (may be NULL) says why. */
static bool key_set(const key_def *k, const char *field, const char *text, sc_config *cfg,
                    sc_errinfo *ei) {
    SC_ASSERT(k != NULL && text != NULL && cfg != NULL);
    void *dst = field_of(cfg, k);
    switch (k->kind) {
    case K_INT:
    case K_DEC:
        return number_set(k, field, text, (int64_t *)dst, ei);
    case K_STR:
        return str_set(k, field, text, (char *)dst, ei);
    case K_BOOL:
        if (parse_bool(text, (bool *)dst)) {
            return true;
        }
        break;
    case K_ENUM: {
        int i = choice_index(k->choices, text);
        if (i >= 0 && i <= k->max) {
            *(int *)dst = i;
            return true;
        }
        break;
    }
    }
    char expected[SC_ERRINFO_TEXT_MAX];
    key_accepts(k, expected, sizeof(expected));
    set_err(ei, field, expected, text, (k->flags & F_HIDE) != 0);
    return false;
}

/* The value of k in cfg as it is written in the file. */
static void key_format(const key_def *k, const sc_config *cfg, char *buf, size_t cap) {
    const void *src = cfield_of(cfg, k);
    switch (k->kind) {
    case K_INT:
    case K_DEC:
        format_units(k, *(const int64_t *)src, buf, cap);
        return;
    case K_STR:
        snprintf(buf, cap, "%s", (const char *)src);
        return;
    case K_BOOL:
        snprintf(buf, cap, "%s", *(const bool *)src ? "true" : "false");
        return;
    case K_ENUM:
        choice_name(k->choices, *(const int *)src, buf, cap);
        return;
    }
}

/* ---- reading a file ----------------------------------------------------- */

typedef struct {
    FILE *f;
    const char *source;
    sc_config_errors *errs;
    sc_config cfg; /* defaults, then the file's values; copied out only when all is valid */
    int64_t line;
    int section;       /* section_id of the current header; -1 before the first */
    bool skip_section; /* the current header was refused: its keys are not looked at */
    bool read_failed;
    bool too_long;
    int64_t section_line[S_COUNT];
    int64_t key_line[KEY_COUNT]; /* 0 = not set in the file */
    bool key_bad[KEY_COUNT];
    int64_t param_line[SC_PARAM_COUNT];
    char raw[SC_CONFIG_LINE_MAX + 2]; /* one more for a final '\r' */
} parse_state;

/* A new error at line; NULL (which sc_errinfo_set accepts) once the list
 * is full: from then on errors are only counted. */
static sc_errinfo *err_add(parse_state *ps, int64_t line) {
    sc_config_errors *es = ps->errs;
    es->total++;
    if (es->count == SC_CONFIG_ERRORS_MAX) {
        return NULL;
    }
    sc_errinfo *e = &es->items[es->count++];
    memset(e, 0, sizeof(*e));
    e->source = ps->source;
    e->line = line;
    return e;
}

static bool has_error_at(const parse_state *ps, int64_t line) {
    for (size_t i = 0; i < ps->errs->count; i++) {
        if (ps->errs->items[i].line == line) {
            return true;
        }
    }
    return ps->errs->total > ps->errs->count; /* a dropped one may have been there */
}

typedef enum { RAW_LINE, RAW_EOF, RAW_BAD_BYTE, RAW_TOO_LONG } raw_status;

/* Reads one physical line into ps->raw without its newline (and without a
 * final '\r'); *len gets its length. */
static raw_status read_raw(parse_state *ps, size_t *len) {
    size_t n = 0;
    bool overlong = false;
    bool bad = false;
    int c;
    while ((c = getc(ps->f)) != EOF && c != '\n') {
        if (n < SC_CONFIG_LINE_MAX + 1) {
            ps->raw[n++] = (char)c;
        } else {
            overlong = true; /* keep reading to the end of the line */
        }
    }
    if (c == EOF && (ferror(ps->f) || (n == 0 && !overlong))) {
        ps->read_failed = ferror(ps->f) != 0;
        return RAW_EOF;
    }
    if (n > 0 && ps->raw[n - 1] == '\r') {
        n--;
    }
    if (n > SC_CONFIG_LINE_MAX) {
        overlong = true;
        n = SC_CONFIG_LINE_MAX;
    }
    SC_ASSERT(n <= SC_CONFIG_LINE_MAX);
    ps->raw[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        unsigned char u = (unsigned char)ps->raw[i];
        bad = bad || (u < 0x20 && u != '\t') || u == 0x7f;
    }
    *len = n;
    return overlong ? RAW_TOO_LONG : bad ? RAW_BAD_BYTE : RAW_LINE;
}

static bool mentions_secret(const char *text);

/* An error about a whole line. The line is shown unless it mentions a
 * secret ("api_secret: ..." is malformed, and must not be echoed either). */
static void line_error(parse_state *ps, const char *expected, const char *got) {
    set_err(err_add(ps, ps->line), "", expected, got, mentions_secret(got));
}

static int section_find(const char *name, size_t n) {
    for (int s = 0; s < S_COUNT; s++) {
        if (strlen(k_sections[s].name) == n && memcmp(k_sections[s].name, name, n) == 0) {
            return s;
        }
    }
    return -1;
}

static void sections_list(char *buf, size_t cap) {
    size_t len = (size_t)snprintf(buf, cap, "one of");
    for (int s = 0; s < S_COUNT && len < cap; s++) {
        len +=
            (size_t)snprintf(buf + len, cap - len, "%s %s", s == 0 ? "" : ",", k_sections[s].name);
    }
}

/* "[name]" and then nothing but blanks or a comment. out gets the header
 * for inih, or "" when it was refused (its keys are then skipped). */
static void on_header(parse_state *ps, const char *p, char *out, size_t cap) {
    SC_ASSERT(p[0] == '[' && cap > SC_CONFIG_LINE_MAX);
    const char *close = strchr(p, ']');
    ps->skip_section = true;
    out[0] = '\0';
    if (close == NULL) {
        line_error(ps, "a section header '[name]'", p);
        return;
    }
    const char *rest = close + 1 + strspn(close + 1, " \t");
    if (*rest != '\0' && *rest != ';' && *rest != '#') {
        line_error(ps, "nothing after ']' but a comment", p);
        return;
    }
    size_t n = (size_t)(close - p - 1);
    int s = section_find(p + 1, n);
    char expected[SC_ERRINFO_TEXT_MAX];
    if (s < 0) {
        sections_list(expected, sizeof(expected));
        sc_errinfo_set(err_add(ps, ps->line), "section", expected, p + 1, n);
        return;
    }
    if (ps->section_line[s] != 0) {
        /* Refused, but its keys are still checked so every error shows. */
        snprintf(expected, sizeof(expected), "each section once (first at line %lld)",
                 (long long)ps->section_line[s]);
        sc_errinfo_set(err_add(ps, ps->line), "section", expected, p + 1, n);
    } else {
        ps->section_line[s] = ps->line;
    }
    ps->section = s;
    ps->skip_section = false;
    snprintf(out, cap, "[%s]", k_sections[s].name);
}

/* "key = value": '=' comes before any ':' (inih would split at either), and
 * the key holds no ';' or '#' (inih would take it for a comment). */
static bool pair_line_ok(const char *p) {
    size_t eq = strcspn(p, "=:");
    if (p[eq] != '=') {
        return false;
    }
    size_t k = eq;
    while (k > 0 && (p[k - 1] == ' ' || p[k - 1] == '\t')) {
        k--;
    }
    return k > 0 && strcspn(p, ";#") >= k;
}

/* inih's line source. It numbers the lines as inih does (one call, one
 * line), refuses what inih would misread (over-long lines, control bytes,
 * lines that are neither header, pair nor comment) and hands inih the line
 * without leading blanks, so that no line is a continuation of the one
 * before. */
static char *reader(char *str, int num, void *stream) {
    parse_state *ps = stream;
    SC_ASSERT(ps != NULL && str != NULL);
    SC_ASSERT(num >= SC_CONFIG_LINE_MAX + 3);
    size_t len = 0;
    raw_status st = ps->too_long ? RAW_EOF : read_raw(ps, &len);
    if (st == RAW_EOF) {
        return NULL;
    }
    if (++ps->line > SC_CONFIG_LINES_MAX) {
        char expected[64];
        snprintf(expected, sizeof(expected), "a file of at most %d lines", SC_CONFIG_LINES_MAX);
        ps->too_long = true;
        line_error(ps, expected, "more");
        return NULL;
    }
    const char *p = ps->raw;
    if (ps->line == 1 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3; /* UTF-8 byte order mark */
    }
    p += strspn(p, " \t");
    str[0] = '\0';
    if (st == RAW_TOO_LONG) {
        char expected[64];
        snprintf(expected, sizeof(expected), "a line of at most %d bytes", SC_CONFIG_LINE_MAX);
        line_error(ps, expected, p);
    } else if (st == RAW_BAD_BYTE) {
        line_error(ps, "printable text (no control bytes)", p);
    } else if (*p == '\0' || *p == ';' || *p == '#') {
        /* blank or comment: nothing for inih */
    } else if (*p == '[') {
        on_header(ps, p, str, (size_t)num);
    } else if (pair_line_ok(p)) {
        snprintf(str, (size_t)num, "%s", p);
    } else {
        line_error(ps, "'key = value', '[section]' or a comment", p);
    }
    size_t n = strlen(str);
    SC_ASSERT(n + 2 <= (size_t)num);
    str[n] = '\n';
    str[n + 1] = '\0';
    return str;
}

static int key_find(int section, const char *name) {
    for (int k = 0; k < KEY_COUNT; k++) {
        if ((int)k_keys[k].section == section && strcmp(k_keys[k].key, name) == 0) {
            return k;
        }
    }
    return -1;
}

static int key_index(section_id section, const char *name) {
    int k = key_find((int)section, name);
    SC_ASSERT(k >= 0);
    return k;
}

/* Copies a detail found by a parser into a new error at the current line. */
static void err_push(parse_state *ps, const sc_errinfo *detail) {
    sc_errinfo *e = err_add(ps, ps->line);
    if (e != NULL) {
        sc_errinfo_set(e, detail->field, detail->expected, detail->got, strlen(detail->got));
    }
}

static void dup_error(parse_state *ps, const char *field, int64_t first, const char *value,
                      bool hide) {
    char expected[SC_ERRINFO_TEXT_MAX];
    snprintf(expected, sizeof(expected), "each key once (first set at line %lld)",
             (long long)first);
    set_err(err_add(ps, ps->line), field, expected, value, hide);
}

static void on_config_key(parse_state *ps, int k, const char *field, const char *value) {
    SC_ASSERT(k >= 0 && k < KEY_COUNT);
    const key_def *kd = &k_keys[k];
    if (ps->key_line[k] != 0) {
        dup_error(ps, field, ps->key_line[k], value, (kd->flags & F_HIDE) != 0);
        return;
    }
    ps->key_line[k] = ps->line;
    sc_errinfo detail;
    memset(&detail, 0, sizeof(detail));
    if (!key_set(kd, field, value, &ps->cfg, &detail)) {
        ps->key_bad[k] = true;
        err_push(ps, &detail);
    }
}

static void on_param_key(parse_state *ps, const sc_param_def *pd, const char *value) {
    SC_ASSERT(pd->id >= 0 && pd->id < SC_PARAM_COUNT);
    if (ps->param_line[pd->id] != 0) {
        dup_error(ps, pd->key, ps->param_line[pd->id], value, false);
        return;
    }
    ps->param_line[pd->id] = ps->line;
    sc_errinfo detail;
    memset(&detail, 0, sizeof(detail));
    double v = 0.0;
    if (sc_param_parse(pd, value, &v, &detail) == SC_OK) {
        ps->cfg.params.v[pd->id] = v;
    } else {
        err_push(ps, &detail);
    }
}

static bool contains_ci(const char *s, const char *needle) {
    size_t n = strlen(needle);
    for (; *s != '\0'; s++) {
        if (strncasecmp(s, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

static bool mentions_secret(const char *text) {
    static const char *const words[] = {"secret",  "password",    "passwd",    "passphrase",
                                        "token",   "api_key",     "apikey",    "private_key",
                                        "privkey", "signing_key", "credential"};
    SC_ASSERT(text != NULL);
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (contains_ci(text, words[i])) {
            return true;
        }
    }
    return false;
}

/* A key that would hold a credential. The *_env keys name a variable. */
static bool looks_secret(const char *name) {
    size_t n = strlen(name);
    if (n >= 4 && strcasecmp(name + n - 4, "_env") == 0) {
        return false;
    }
    return strcasecmp(name, "key") == 0 || mentions_secret(name);
}

/* inih's handler: one call per "key = value" line that the reader passed. */
static int on_pair(void *user, const char *section, const char *name, const char *value) {
    parse_state *ps = user;
    SC_ASSERT(ps != NULL && section != NULL && name != NULL && value != NULL);
    if (ps->skip_section) {
        return 1; /* the header was refused and reported */
    }
    if (ps->section < 0) {
        SC_ASSERT(section[0] == '\0');
        set_err(err_add(ps, ps->line), name, "a [section] header before the first key", name,
                false);
        return 1;
    }
    SC_ASSERT(strcmp(section, k_sections[ps->section].name) == 0);
    char field[SC_CONFIG_LINE_MAX + 16];
    snprintf(field, sizeof(field), "%s.%s", section, name);
    int k = key_find(ps->section, name);
    const sc_param_def *pd = k_sections[ps->section].params ? sc_param_find(field) : NULL;
    if (k >= 0) {
        on_config_key(ps, k, field, value);
    } else if (pd != NULL) {
        on_param_key(ps, pd, value);
    } else if (looks_secret(name)) {
        set_err(err_add(ps, ps->line), field,
                "no secrets in this file: name the environment variable that holds it with "
                "api_key_env or api_secret_env in [exchange]",
                value, true);
    } else {
        char expected[SC_ERRINFO_TEXT_MAX];
        snprintf(expected, sizeof(expected), "a key of [%s] (see 'scalper config example')",
                 section);
        set_err(err_add(ps, ps->line), field, expected, name, false);
    }
    return 1; /* keep going: every error of the file is reported */
}

/* Rules between keys, checked once every line has been read. */
static void cross_checks(parse_state *ps) {
    int kmin = key_index(S_RISK, "min_hold_s");
    int kmax = key_index(S_RISK, "max_hold_s");
    const sc_config_risk *r = &ps->cfg.risk;
    char expected[SC_ERRINFO_TEXT_MAX];
    char got[SC_DEC_TEXT_MAX];
    if (!ps->key_bad[kmin] && !ps->key_bad[kmax] && r->hold_s_max < r->hold_s_min) {
        int64_t line = ps->key_line[kmax] != 0 ? ps->key_line[kmax] : ps->key_line[kmin];
        SC_ASSERT(line > 0); /* the defaults are consistent */
        snprintf(expected, sizeof(expected), "at least risk.min_hold_s (%lld)",
                 (long long)r->hold_s_min);
        snprintf(got, sizeof(got), "%lld", (long long)r->hold_s_max);
        set_err(err_add(ps, line), "risk.max_hold_s", expected, got, false);
    }
    int klisten = key_index(S_SERVER, "listen");
    int kremote = key_index(S_SERVER, "allow_remote");
    const sc_config_server *sv = &ps->cfg.server;
    size_t hn = 0;
    bool listen_valid = listen_ok(sv->listen, &hn);
    SC_ASSERT(listen_valid || ps->key_bad[klisten]);
    if (listen_valid && !ps->key_bad[kremote] && !sv->allow_remote &&
        !is_loopback_host(sv->listen, hn)) {
        SC_ASSERT(ps->key_line[klisten] > 0); /* the default is loopback */
        set_err(err_add(ps, ps->key_line[klisten]), "server.listen",
                "a loopback host (127.0.0.1, localhost or [::1]) unless allow_remote = true",
                sv->listen, false);
    }
}

static void sort_errors(sc_config_errors *es) {
    /* Insertion sort by line, stable: at most SC_CONFIG_ERRORS_MAX items. */
    for (size_t i = 1; i < es->count; i++) {
        sc_errinfo cur = es->items[i];
        size_t j = i;
        while (j > 0 && es->items[j - 1].line > cur.line) {
            es->items[j] = es->items[j - 1];
            j--;
        }
        es->items[j] = cur;
    }
}

static void file_error(parse_state *ps, int errnum) {
    char why[SC_ERRINFO_TEXT_MAX];
    if (strerror_r(errnum, why, sizeof(why)) != 0) {
        snprintf(why, sizeof(why), "error %d", errnum);
    }
    sc_errinfo_set(err_add(ps, 0), "", "a readable file", why, strlen(why));
}

sc_err sc_config_load(const char *path, sc_config *out, sc_config_errors *errs) {
    SC_ASSERT(path != NULL && out != NULL && errs != NULL);
    memset(errs, 0, sizeof(*errs));
    parse_state ps;
    memset(&ps, 0, sizeof(ps));
    ps.source = path;
    ps.errs = errs;
    ps.section = -1;
    sc_config_defaults(&ps.cfg);
    ps.f = fopen(path, "r");
    if (ps.f == NULL) {
        file_error(&ps, errno);
        return SC_ERR_IO;
    }
    int r = ini_parse_stream(reader, &ps, on_pair, &ps);
    int read_errno = errno;
    fclose(ps.f);
    /* -2: an inih built without its stack buffer ran out of memory. A
     * positive r is a line inih refused that the reader let through, which
     * the reader is meant to make impossible: reported all the same. */
    SC_ASSERT(r >= -2);
    if (r < 0) {
        sc_errinfo_set(err_add(&ps, 0), "", "memory for inih's line buffer", "", 0);
        return SC_ERR_NOMEM;
    }
    if (r > 0 && !has_error_at(&ps, r)) {
        sc_errinfo_set(err_add(&ps, r), "", "a line inih can read", "", 0);
    }
    if (ps.read_failed) {
        file_error(&ps, read_errno);
    } else {
        cross_checks(&ps);
    }
    sort_errors(errs);
    if (errs->total == 0) {
        *out = ps.cfg;
        return SC_OK;
    }
    return ps.read_failed ? SC_ERR_IO : ps.too_long ? SC_ERR_LIMIT : SC_ERR_PARSE;
}

/* ---- defaults and text forms -------------------------------------------- */

void sc_config_defaults(sc_config *out) {
    SC_ASSERT(out != NULL);
    memset(out, 0, sizeof(*out));
    sc_params_defaults(&out->params);
    for (int k = 0; k < KEY_COUNT; k++) {
        const key_def *kd = &k_keys[k];
        SC_ASSERT(kd->section < S_COUNT && kd->help != NULL && kd->def != NULL);
        /* a config key never shadows a parameter of the same section */
        char name[96];
        snprintf(name, sizeof(name), "%s.%s", k_sections[kd->section].name, kd->key);
        SC_ASSERT(!k_sections[kd->section].params || sc_param_find(name) == NULL);
        bool ok = key_set(kd, kd->key, kd->def, out, NULL);
        SC_ASSERT(ok); /* every default in the table is a valid value */
    }
    SC_ASSERT(out->risk.hold_s_min <= out->risk.hold_s_max);
    SC_ASSERT(out->risk.position_steps_max <= SC_LIMIT_MAX_POSITION_STEPS);
}

const char *sc_config_mode_name(sc_config_mode m) {
    switch (m) {
    case SC_CONFIG_MODE_PAPER:
        return "paper";
    case SC_CONFIG_MODE_LIVE:
        return "live";
    case SC_CONFIG_MODE_BACKTEST:
        return "backtest";
    }
    return "?";
}

/* True when param key belongs to section s ("strategy.x" to [strategy]). */
static bool param_in(const sc_param_def *pd, int s) {
    size_t n = strlen(k_sections[s].name);
    return k_sections[s].params && strncmp(pd->key, k_sections[s].name, n) == 0 &&
           pd->key[n] == '.';
}

static void param_accepts(const sc_param_def *pd, char *buf, size_t cap) {
    char lo[32];
    char hi[32];
    if (pd->type == SC_PARAM_BOOL) {
        snprintf(buf, cap, "true or false");
        return;
    }
    sc_param_format(pd, pd->min, lo, sizeof(lo));
    sc_param_format(pd, pd->max, hi, sizeof(hi));
    snprintf(buf, cap, "%s %s..%s (%s)", pd->type == SC_PARAM_INT ? "a whole number" : "a number",
             lo, hi, pd->unit);
}

/* A bounded text sink: never writes past cap, always NUL-terminated, and
 * counts the full length so the caller can tell it was cut. */
typedef struct {
    char *buf;
    size_t cap;
    size_t len;
} text_sink;

static void put(text_sink *t, const char *s) {
    SC_ASSERT(t != NULL && s != NULL);
    SC_ASSERT(t->cap == 0 || t->buf != NULL);
    size_t n = strlen(s);
    if (t->cap > 0 && t->len < t->cap - 1) {
        size_t room = t->cap - 1 - t->len;
        size_t c = n < room ? n : room;
        memcpy(t->buf + t->len, s, c);
        t->buf[t->len + c] = '\0';
    }
    t->len += n;
}

static void put_pair(text_sink *t, const char *key, const char *value) {
    put(t, key);
    put(t, value[0] != '\0' ? " = " : " =");
    put(t, value);
    put(t, "\n");
}

static void canonical_section(const sc_config *cfg, int s, text_sink *t) {
    SC_ASSERT(s >= 0 && s < S_COUNT);
    char value[SC_CONFIG_STR_MAX];
    put(t, "[");
    put(t, k_sections[s].name);
    put(t, "]\n");
    for (int k = 0; k < KEY_COUNT; k++) {
        if ((int)k_keys[k].section == s) {
            key_format(&k_keys[k], cfg, value, sizeof(value));
            put_pair(t, k_keys[k].key, value);
        }
    }
    for (int i = 0; i < SC_PARAM_COUNT; i++) {
        const sc_param_def *pd = sc_param_def_of((sc_param_id)i);
        if (param_in(pd, s)) {
            sc_param_format(pd, cfg->params.v[i], value, sizeof(value));
            put_pair(t, pd->key + strlen(k_sections[s].name) + 1, value);
        }
    }
}

size_t sc_config_canonical(const sc_config *cfg, char *buf, size_t cap) {
    SC_ASSERT(cfg != NULL && (buf != NULL || cap == 0));
    text_sink t = {buf, cap, 0};
    if (cap > 0) {
        buf[0] = '\0';
    }
    for (int s = 0; s < S_COUNT; s++) {
        if (s > 0) {
            put(&t, "\n");
        }
        canonical_section(cfg, s, &t);
    }
    return t.len;
}

size_t sc_config_canonical_section(const sc_config *cfg, const char *section, char *buf,
                                   size_t cap) {
    SC_ASSERT(cfg != NULL && section != NULL && (buf != NULL || cap == 0));
    text_sink t = {buf, cap, 0};
    if (cap > 0) {
        buf[0] = '\0';
    }
    int s = section_find(section, strlen(section));
    if (s >= 0) {
        canonical_section(cfg, s, &t);
    }
    return t.len;
}

/* text as comment lines of at most width columns, each starting with
 * prefix; words longer than a line are cut. */
static void write_wrapped(FILE *f, const char *prefix, const char *text, size_t width) {
    size_t room = width - strlen(prefix);
    SC_ASSERT(strlen(prefix) + 20 < width);
    const char *p = text;
    while (*p != '\0') {
        size_t n = strlen(p);
        size_t cut = n;
        if (n > room) {
            cut = room;
            while (cut > 0 && p[cut] != ' ') {
                cut--;
            }
            cut = cut == 0 ? room : cut;
        }
        fprintf(f, "%s%.*s\n", prefix, (int)cut, p);
        p += cut;
        p += strspn(p, " ");
    }
}

enum { TEXT_WIDTH = 100 };

static void example_header(FILE *f) {
    static const char *const lines[] = {
        "scalper.ini: the example configuration of scalper, every key at its default.",
        "Generated by 'scalper config example' from the key table in src/engine/config.c; a "
        "test checks that this file equals the generated text.",
        "",
        "Syntax: '[section]' headers and 'key = value' lines. Comments are lines that start "
        "with ';' or '#'. After a value only ' ;' (a blank, then ';') starts a comment: a '#' "
        "there is part of the value, which then fails to parse. Unknown sections or keys, "
        "repeated keys and malformed values are errors, all of them are reported, and nothing "
        "is applied unless the whole file is valid. Check a file with 'scalper config check "
        "FILE'.",
        "",
        "Secrets never go in this file: api_key_env and api_secret_env name the environment "
        "variables that hold them.",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        if (lines[i][0] == '\0') {
            fprintf(f, ";\n");
        } else {
            write_wrapped(f, "; ", lines[i], TEXT_WIDTH);
        }
    }
}

static void write_entry(FILE *f, bool example, const char *key, const char *help,
                        const char *accepts, const char *def) {
    char text[SC_ERRINFO_TEXT_MAX * 3];
    if (example) {
        snprintf(text, sizeof(text), "%s: %s", key, help);
        fprintf(f, "\n");
        write_wrapped(f, "; ", text, TEXT_WIDTH);
        write_wrapped(f, "; ", accepts, TEXT_WIDTH);
        fprintf(f, "%s%s%s\n", key, def[0] != '\0' ? " = " : " =", def);
        return;
    }
    snprintf(text, sizeof(text), "%s (default %s%s%s)", accepts, def[0] != '\0' ? "" : "'", def,
             def[0] != '\0' ? "" : "'");
    fprintf(f, "  %s\n", key);
    write_wrapped(f, "      ", text, TEXT_WIDTH);
    write_wrapped(f, "      ", help, TEXT_WIDTH);
}

/* Every key of section s, config keys first, then parameters, in the order
 * of their tables. */
static void write_section(FILE *f, int s, bool example) {
    char accepts[SC_ERRINFO_TEXT_MAX];
    char def[SC_CONFIG_STR_MAX];
    fprintf(f, "\n[%s]\n", k_sections[s].name);
    if (example) {
        write_wrapped(f, "; ", k_sections[s].help, TEXT_WIDTH);
    }
    for (int k = 0; k < KEY_COUNT; k++) {
        if ((int)k_keys[k].section == s) {
            key_accepts(&k_keys[k], accepts, sizeof(accepts));
            write_entry(f, example, k_keys[k].key, k_keys[k].help, accepts, k_keys[k].def);
        }
    }
    for (int i = 0; i < SC_PARAM_COUNT; i++) {
        const sc_param_def *pd = sc_param_def_of((sc_param_id)i);
        if (param_in(pd, s)) {
            param_accepts(pd, accepts, sizeof(accepts));
            sc_param_format(pd, pd->def, def, sizeof(def));
            write_entry(f, example, pd->key + strlen(k_sections[s].name) + 1, pd->help, accepts,
                        def);
        }
    }
}

void sc_config_write_example(FILE *f) {
    SC_ASSERT(f != NULL);
    example_header(f);
    for (int s = 0; s < S_COUNT; s++) {
        write_section(f, s, true);
    }
}

void sc_config_write_keys(FILE *f) {
    SC_ASSERT(f != NULL);
    for (int s = 0; s < S_COUNT; s++) {
        write_section(f, s, false);
    }
}
