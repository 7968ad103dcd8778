/* decision.h: the AI decision API of design.md §6, as JSON.
 *
 * The engine asks an advisor (advisor.h) for a recommendation with a
 * request: a feature snapshot, the strategy's signal, the regime, the
 * position, the risk headroom and the parameter version. The advisor's
 * answer is JSON text, whoever wrote it (the rules advisor, a model, an LLM):
 * every answer goes through sc_decision_answer_parse, a strict schema check
 * followed by clamping to the active parameter bounds. Anything invalid, out
 * of bounds, inconsistent with the position or late becomes `skip`, and the
 * verdict says why (a reason code, the field and the value) and lists every
 * clamp. A verdict is a domain outcome, not an error: it is what the
 * decision log records.
 *
 * Request JSON (sc_decision_request_to_json; keys always in this order,
 * integers exact (all int64, so any JSON reader with int64 takes them), doubles in the shortest
 * text that reads back to the same double, a non-finite double as null, strings escaped with
 * invalid UTF-8 replaced by U+FFFD):
 *   {"schema_version":1, "request_id":<int>, "ts_ns":<int>,
 *    "params_version":<int>, "regime":<regime name>,
 *    "signal":{"kind":"none"|"enter_long"|"enter_short"|"exit", "ts_ns":<int>,
 *              "score":<num>, "style":"maker"|"taker", "entry_px_ticks":<int>,
 *              "qty_steps":<int>, "stop_px_ticks":<int>, "target_px_ticks":<int>,
 *              "max_hold_ns":<int>, "exit_reason":<exit reason name>,
 *              "regime":<regime name>, "htf_bias":"none"|"bullish"|"bearish",
 *              "params_version":<int>,
 *              "reasons":[{"text":<string>, "contribution":<num>}, ...]},
 *    "position":{"side":"flat"|"long"|"short", "qty_steps":<int>,
 *                "entry_px_ticks":<int>, "unrealized_pnl_e8":<int>},
 *    "headroom":{"daily_loss_left_e8":<int>, "position_left_steps":<int>},
 *    "features":{<name>:<num or null>, ...}}   (names in insertion order)
 *
 * Answer JSON: one object with exactly these seven fields, all required,
 * in any order; no other field, no duplicate key, nesting at most
 * SC_DECISION_DEPTH_MAX, at most SC_DECISION_ANSWER_BYTES_MAX bytes:
 *   "action":        "enter_long" | "enter_short" | "exit" | "hold" | "skip"
 *                    (exact, case-sensitive)
 *   "confidence":    number, 0..1
 *   "size_fraction": number, 0..1   (share of strategy.order_qty_steps)
 *   "sl_bps":        number, 0..SC_DECISION_BPS_SCHEMA_MAX
 *   "tp_bps":        number, 0..SC_DECISION_BPS_SCHEMA_MAX
 *   "ttl_ms":        integer (no fraction, no exponent),
 *                    1..SC_DECISION_TTL_MS_SCHEMA_MAX
 *   "reason":        string of at most ai.reason_len_max bytes (UTF-8), no
 *                    control characters (C0, DEL, C1)
 * "Number" means any JSON number, integer or not. JSON has no NaN or
 * Infinity: those words, and a literal that overflows a double (1e999,
 * -1e999), are non_finite; an integer literal past int64 is out_of_range.
 * Two reader limits no valid answer comes near: an object (at any depth)
 * with more than 16 keys, and a real number literal longer than 512 bytes,
 * are too_large.
 *
 * Then, for an entry (enter_long / enter_short) only:
 *   - size_fraction, sl_bps and tp_bps must be above 0 (out_of_range);
 *   - confidence below ai.min_confidence is a skip (low_confidence);
 *   - size_fraction is clamped to ai.size_fraction_max, and a size that
 *     clamps to 0 (ai.size_fraction_max = 0) is a skip (size_zero);
 *   - sl_bps and tp_bps are clamped into the bounds of the definitions of
 *     strategy.sl_bps and strategy.tp_bps (e.g. 500 -> 200, 0.5 -> 1), while
 *     a value past the schema range (sl_bps 1e6) is out_of_range, a skip.
 * For every action ttl_ms is clamped to ai.ttl_ms_max. For exit, hold and
 * skip, size_fraction, sl_bps and tp_bps are checked against the schema but
 * not used: the accepted answer carries 0 for them. Each clamp is listed in
 * the verdict with the advised and the applied value.
 *
 * Checks run in a fixed order, so one answer always gets one reason: size,
 * nesting depth, JSON syntax (with UTF-8, duplicate keys, overflow), top
 * level is an object, unknown fields (in document order), then the fields
 * in schema order (missing, type, enum or range, string length and
 * characters), then the entry rules and clamps above, then (in
 * sc_decision_evaluate) lateness first and consistency with the position
 * last.
 *
 * Consistency with the position (sc_decision_check_position):
 *   flat:  enter_long, enter_short, hold, skip; exit is inconsistent;
 *   long:  exit, hold, skip; enter_long (no pyramiding) and enter_short (no
 *          reversal in one decision: exit first) are inconsistent;
 *   short: the mirror image.
 *
 * Consistency with the signal (sc_decision_check_signal, after the position
 * check): an advisor may confirm, resize or refuse the strategy's entry, but
 * never invent or reverse one: enter_long needs an enter_long signal and
 * enter_short an enter_short signal, else against_signal. Exits, holds and
 * skips need no signal (leaving a position only lowers risk).
 *
 * Thread: any; every function here works on caller-owned values.
 * Allocates: nothing (the answer reader is bounded and allocation-free, so
 * the engine thread may call it after start).
 */
#ifndef SC_AI_DECISION_H
#define SC_AI_DECISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/fixed.h"
#include "core/params.h"
#include "core/time.h"
#include "strategy/signal.h"

#define SC_DECISION_SCHEMA_VERSION 1

enum {
    /* Features in one request; a snapshot is a summary, not a dump. */
    SC_DECISION_FEATURES_MAX = 32,
    /* Bytes of a feature name, NUL included: [a-z0-9_.], 1..31 bytes. */
    SC_DECISION_FEATURE_NAME_MAX = 32,
    /* Longest request JSON: 32 features, 8 signal reasons of 95 bytes each
     * escaped at 6 bytes per byte (about 4.6 kB), and the fixed fields. */
    SC_DECISION_REQUEST_JSON_MAX = 16384,
    /* Longest answer text accepted. The largest valid answer is about
     * 6.1 kB (a 1000-byte reason written entirely as \u escapes); the
     * margin is for whitespace. Larger text is refused before it is read,
     * which also bounds every pass of the reader. */
    SC_DECISION_ANSWER_BYTES_MAX = 65536,
    /* Deepest nesting accepted. A valid answer is one flat object (depth
     * 1); room is left so that a nested value is reported as wrong_type. */
    SC_DECISION_DEPTH_MAX = 4,
    /* Longest reason kept, in bytes; ai.reason_len_max stays within it
     * (checked at compile time in decision.c). */
    SC_DECISION_REASON_MAX = 1000,
    /* Schema ranges, past which an answer is out_of_range rather than
     * clamped: a stop or target beyond 100 % of the price, a TTL beyond an
     * hour. Parameter bounds stay within them (checked in decision.c). */
    SC_DECISION_BPS_SCHEMA_MAX = 10000,
    SC_DECISION_TTL_MS_SCHEMA_MAX = 3600000
};

typedef enum {
    SC_DECISION_ENTER_LONG = 0,
    SC_DECISION_ENTER_SHORT = 1,
    SC_DECISION_EXIT = 2,
    SC_DECISION_HOLD = 3,
    SC_DECISION_SKIP = 4
} sc_decision_action;
enum { SC_DECISION_ACTION_COUNT = 5 };

/* The answer's fields, in schema order: X(NAME, "json key") */
#define SC_DECISION_FIELD_LIST(X)                                                                  \
    X(ACTION, "action")                                                                            \
    X(CONFIDENCE, "confidence")                                                                    \
    X(SIZE_FRACTION, "size_fraction")                                                              \
    X(SL_BPS, "sl_bps")                                                                            \
    X(TP_BPS, "tp_bps")                                                                            \
    X(TTL_MS, "ttl_ms")                                                                            \
    X(REASON, "reason")

typedef enum {
#define SC__DECISION_FIELD_ENUM(name, key) SC_DECISION_F_##name,
    SC_DECISION_FIELD_LIST(SC__DECISION_FIELD_ENUM)
#undef SC__DECISION_FIELD_ENUM
        SC_DECISION_FIELD_COUNT
} sc_decision_field;

/* Why an answer became skip. Append-only: codes are never renumbered or
 * reused, so a code in the decision log keeps its meaning.
 * X(NAME, value, "name", "meaning") */
#define SC_DECISION_REASON_LIST(X)                                                                 \
    X(OK, 0, "ok", "accepted (an advised skip is accepted too)")                                   \
    X(NOT_JSON, 1, "not_json", "not JSON: empty, plain text, truncated or trailing bytes")         \
    X(TOO_LARGE, 2, "too_large", "answer longer than SC_DECISION_ANSWER_BYTES_MAX")                \
    X(TOO_DEEP, 3, "too_deep", "nesting deeper than SC_DECISION_DEPTH_MAX")                        \
    X(DUPLICATE_KEY, 4, "duplicate_key", "a key appears twice in one object")                      \
    X(UNKNOWN_FIELD, 5, "unknown_field", "a field the schema does not have")                       \
    X(MISSING_FIELD, 6, "missing_field", "a required field is absent")                             \
    X(WRONG_TYPE, 7, "wrong_type", "a value of the wrong JSON type (or not an object)")            \
    X(BAD_ENUM, 8, "bad_enum", "action is not one of the five names")                              \
    X(OUT_OF_RANGE, 9, "out_of_range", "a number outside its schema range")                        \
    X(NON_FINITE, 10, "non_finite", "NaN, Infinity or a number that overflows a double")           \
    X(STRING_TOO_LONG, 11, "string_too_long", "reason longer than ai.reason_len_max")              \
    X(INVALID_UTF8, 12, "invalid_utf8", "bytes that are not UTF-8, or a lone surrogate escape")    \
    X(CONTROL_CHAR, 13, "control_char", "a control character (or \\u0000) in a string")            \
    X(LOW_CONFIDENCE, 14, "low_confidence", "an entry below ai.min_confidence")                    \
    X(SIZE_ZERO, 15, "size_zero", "an entry whose size clamps to 0")                               \
    X(INCONSISTENT, 16, "inconsistent", "the action contradicts the position")                     \
    X(LATE, 17, "late", "the answer arrived after the deadline")                                   \
    X(ABANDONED, 18, "abandoned", "no answer by the deadline; the request was abandoned")          \
    X(ADVISOR_FAILED, 19, "advisor_failed", "the advisor could not answer")                        \
    X(NO_MEMORY, 20, "no_memory", "the JSON parser ran out of memory")                             \
    X(AGAINST_SIGNAL, 21, "against_signal", "an entry the strategy did not signal")

typedef enum {
#define SC__DECISION_REASON_ENUM(name, value, text, help) SC_DECISION_R_##name = value,
    SC_DECISION_REASON_LIST(SC__DECISION_REASON_ENUM)
#undef SC__DECISION_REASON_ENUM
} sc_decision_reason;
/* One per entry of the list (codes are 0..COUNT-1 without holes). */
#define SC__DECISION_REASON_ONE(name, value, text, meaning) +1
enum { SC_DECISION_REASON_COUNT = 0 SC_DECISION_REASON_LIST(SC__DECISION_REASON_ONE) };
#undef SC__DECISION_REASON_ONE
_Static_assert(SC_DECISION_R_AGAINST_SIGNAL == SC_DECISION_REASON_COUNT - 1,
               "reason codes are contiguous; the newest is the last");

typedef enum {
    SC_DECISION_SIDE_FLAT = 0,
    SC_DECISION_SIDE_LONG = 1,
    SC_DECISION_SIDE_SHORT = 2
} sc_decision_side;

typedef struct {
    char name[SC_DECISION_FEATURE_NAME_MAX];
    double value; /* NaN or infinite = unknown (written as null) */
} sc_decision_feature;

typedef struct {
    sc_decision_side side;
    sc_qty qty;              /* >= 0; 0 exactly when flat */
    sc_px entry_px;          /* average entry; 0 when flat */
    sc_money unrealized_pnl; /* at the mark, fees not included */
} sc_decision_position;

typedef struct {
    sc_money daily_loss_left; /* loss still allowed today */
    sc_qty position_left;     /* steps that may still be added */
} sc_decision_headroom;

typedef struct {
    int64_t request_id;     /* >= 0; chosen by the caller, e.g. a counter */
    sc_ns ts_ns;            /* event time of the request; the deadline runs from it */
    int64_t params_version; /* the version of the active parameters */
    sc_regime regime;
    sc_signal signal;
    sc_decision_position position;
    sc_decision_headroom headroom;
    uint32_t n_features;
    sc_decision_feature features[SC_DECISION_FEATURES_MAX];
} sc_decision_request;

typedef struct {
    sc_decision_action action;
    double confidence;    /* 0..1 */
    double size_fraction; /* entries: (0, ai.size_fraction_max]; else 0 */
    double sl_bps;        /* entries: strategy.sl_bps bounds; else 0 */
    double tp_bps;        /* entries: strategy.tp_bps bounds; else 0 */
    int64_t ttl_ms;       /* 1..ai.ttl_ms_max; 0 on a skip by validation */
    char reason[SC_DECISION_REASON_MAX + 1];
} sc_decision_answer;

enum { SC_DECISION_CLAMPS_MAX = 4 }; /* size_fraction, sl_bps, tp_bps, ttl_ms */

typedef struct {
    sc_decision_field field;
    double advised;
    double applied;
} sc_decision_clamp;

typedef struct {
    sc_decision_reason reason; /* SC_DECISION_R_OK when accepted */
    /* The action the advisor asked for; skip when it could not be read. */
    sc_decision_action advised;
    int64_t request_id; /* set by sc_decision_evaluate */
    sc_ns latency_ns;   /* arrival - request time; set by sc_decision_evaluate */
    sc_errinfo info;    /* field, expected, got (outside bytes made printable) */
    uint32_t n_clamps;
    sc_decision_clamp clamps[SC_DECISION_CLAMPS_MAX];
} sc_decision_verdict;

/* "enter_long", ...; "?" outside the enum. */
const char *sc_decision_action_name(sc_decision_action a);
/* "out_of_range", ...; "?" outside the table. */
const char *sc_decision_reason_name(sc_decision_reason r);
const char *sc_decision_reason_help(sc_decision_reason r);
/* The JSON key, "?" outside the table. */
const char *sc_decision_field_name(sc_decision_field f);
const char *sc_decision_side_name(sc_decision_side s);
static inline bool sc_decision_is_entry(sc_decision_action a) {
    return a == SC_DECISION_ENTER_LONG || a == SC_DECISION_ENTER_SHORT;
}

/* A request with no features, flat, and the given id and time. */
void sc_decision_request_init(sc_decision_request *req, int64_t request_id, sc_ns ts_ns,
                              int64_t params_version);
/* Appends a feature. SC_ERR_INVALID_ARG for a name that is empty, too long,
 * not [a-z0-9_.] or already present; SC_ERR_FULL past
 * SC_DECISION_FEATURES_MAX. The request is unchanged on error. */
sc_err sc_decision_request_add_feature(sc_decision_request *req, const char *name, double value);

/* Writes the request JSON into buf (NUL-terminated) and its length into
 * *len_out. SC_ERR_FULL when cap is too small (buf then holds a cut, still
 * NUL-terminated text that must not be used); SC_ERR_INVALID_ARG for a
 * feature name that add_feature would refuse. Deterministic: the same
 * request gives the same bytes. */
sc_err sc_decision_request_to_json(const sc_decision_request *req, char *buf, size_t cap,
                                   size_t *len_out);

/* Shortest decimal text that reads back (strtod) to the same finite double,
 * as a JSON number; "null" for NaN and infinities. Returns the length, or
 * -1 when cap is too small. */
int sc_decision_format_number(double v, char *buf, size_t cap);

/* The strict schema check, then the clamps (see the top of this file).
 * json[0..len) need not be NUL-terminated. *out is always filled: the
 * accepted, clamped answer, or a skip (reason kept when it was read, all
 * numbers 0). *why says why. Returns why->reason. `active` must be valid
 * parameters (sc_params_validate). */
sc_decision_reason sc_decision_answer_parse(const char *json, size_t len, const sc_params *active,
                                            sc_decision_answer *out, sc_decision_verdict *why);

/* Turns an accepted entry that the signal does not call for into skip
 * (against_signal). */
sc_decision_reason sc_decision_check_signal(const sc_signal *sig, sc_decision_answer *out,
                                            sc_decision_verdict *why);

/* Turns an accepted answer that contradicts pos into skip (inconsistent).
 * An answer already skipped is left alone. Returns why->reason. */
sc_decision_reason sc_decision_check_position(const sc_decision_position *pos,
                                              sc_decision_answer *out, sc_decision_verdict *why);

/* The one path every advisor answer takes: late (arrived_ns after
 * req->ts_ns + ai.deadline_ms) is a skip without parsing; otherwise parse,
 * clamp, and check against the position. Fills why->request_id and
 * why->latency_ns. Returns why->reason. */
sc_decision_reason sc_decision_evaluate(const sc_decision_request *req, const sc_params *active,
                                        const char *json, size_t len, sc_ns arrived_ns,
                                        sc_decision_answer *out, sc_decision_verdict *why);

/* req->ts_ns + ai.deadline_ms: an answer arriving after it is late. */
sc_ns sc_decision_deadline(const sc_decision_request *req, const sc_params *active);

/* Sets *out to a skip (empty reason, all numbers 0) and *why to this reason
 * and detail alone: for late, abandoned and failed advisors, which have no
 * answer text to parse. */
void sc_decision_skip(sc_decision_reason reason, const char *field, const char *expected,
                      const char *got, sc_decision_answer *out, sc_decision_verdict *why);

/* One line for logs: "enter_long ok; clamped size_fraction 1 -> 0.5" or
 * "skip out_of_range: sl_bps: expected 0..10000, got 1000000". Returns buf. */
const char *sc_decision_verdict_format(const sc_decision_answer *ans,
                                       const sc_decision_verdict *why, char *buf, size_t cap);

#endif
