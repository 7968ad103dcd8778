/* Tests of the decision API (ai/decision.h), the advisor driver
 * (ai/advisor.h) and the rules advisor (ai/advisor_rules.h).
 *
 * The hostile table gives each bad answer with the exact reason code and
 * field it must produce. A scripted advisor (below, test-only) returns
 * given JSON texts after given delays to drive the asynchronous, late and
 * abandoned paths. */
#include "support/support.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ai/advisor.h"
#include "ai/advisor_rules.h"
#include "ai/decision.h"
#include "ai/decision_ref.h"

/* Every answer this file parses is also compared with the jansson reference
 * (decision_ref.h): the wrappers run ref_check first, then the real call. */
static sc_decision_reason checked_parse(const char *json, size_t len, const sc_params *active,
                                        sc_decision_answer *out, sc_decision_verdict *why) {
    (void)ref_check(json != NULL ? json : "", json != NULL ? len : 0, active);
    return sc_decision_answer_parse(json, len, active, out, why);
}

static sc_decision_reason checked_evaluate(const sc_decision_request *req, const sc_params *active,
                                           const char *json, size_t len, sc_ns arrived_ns,
                                           sc_decision_answer *out, sc_decision_verdict *why) {
    (void)ref_check(json != NULL ? json : "", json != NULL ? len : 0, active);
    return sc_decision_evaluate(req, active, json, len, arrived_ns, out, why);
}
#define sc_decision_answer_parse checked_parse
#define sc_decision_evaluate checked_evaluate

#define T0_NS INT64_C(1700000000000000000)
#define MS(x) ((sc_ns)(x)*SC_NS_PER_MS)

static sc_params defaults(void) {
    sc_params p;
    sc_params_defaults(&p);
    return p;
}

/* ---- building answers ----------------------------------------------------------------------- */

enum { ANSWER_BUF = 4096 };

static const char *const k_keys[SC_DECISION_FIELD_COUNT] = {
    "action", "confidence", "size_fraction", "sl_bps", "tp_bps", "ttl_ms", "reason"};
static const char *const k_good[SC_DECISION_FIELD_COUNT] = {
    "\"enter_long\"", "0.8", "0.5", "12", "18", "1000", "\"test\""};

/* The good answer with one field's value replaced (value) or removed
 * (value NULL); field NULL changes nothing. extra is appended verbatim
 * before the closing brace when not NULL. */
static const char *answer_with(char *buf, const char *field, const char *value, const char *extra) {
    size_t n = 0;
    n += (size_t)snprintf(buf + n, ANSWER_BUF - n, "{");
    bool first = true;
    for (int i = 0; i < SC_DECISION_FIELD_COUNT; i++) {
        const char *v = k_good[i];
        if (field != NULL && strcmp(field, k_keys[i]) == 0) {
            v = value;
        }
        if (v == NULL) {
            continue;
        }
        n += (size_t)snprintf(buf + n, ANSWER_BUF - n, "%s\"%s\":%s", first ? "" : ",", k_keys[i],
                              v);
        first = false;
    }
    if (extra != NULL) {
        n += (size_t)snprintf(buf + n, ANSWER_BUF - n, "%s", extra);
    }
    n += (size_t)snprintf(buf + n, ANSWER_BUF - n, "}");
    assert_true(n < ANSWER_BUF);
    return buf;
}

static sc_decision_reason parse_str(const char *json, const sc_params *p, sc_decision_answer *out,
                                    sc_decision_verdict *why) {
    return sc_decision_answer_parse(json, strlen(json), p, out, why);
}

static void assert_is_skip(const sc_decision_answer *a) {
    assert_int_equal(a->action, SC_DECISION_SKIP);
    assert_true(a->confidence == 0.0 && a->size_fraction == 0.0);
    assert_true(a->sl_bps == 0.0 && a->tp_bps == 0.0);
    assert_int_equal(a->ttl_ms, 0);
}

/* ---- good answers --------------------------------------------------------------------------- */

static void test_good_entry(void **state) {
    (void)state;
    sc_params p = defaults();
    sc_decision_answer a;
    sc_decision_verdict why;
    char buf[ANSWER_BUF];
    assert_int_equal(parse_str(answer_with(buf, NULL, NULL, NULL), &p, &a, &why), SC_DECISION_R_OK);
    assert_int_equal(a.action, SC_DECISION_ENTER_LONG);
    assert_int_equal(why.advised, SC_DECISION_ENTER_LONG);
    assert_true(a.confidence == 0.8 && a.size_fraction == 0.5);
    assert_true(a.sl_bps == 12.0 && a.tp_bps == 18.0);
    assert_int_equal(a.ttl_ms, 1000);
    assert_string_equal(a.reason, "test");
    assert_int_equal(why.n_clamps, 0);

    /* Any key order; whitespace; integers and reals alike for numbers;
     * a reason with escapes and non-ASCII text. */
    const char *j = " {\n \"reason\" : \"short \\u00e9 \\\"q\\\" \xe2\x82\xac\", \"ttl_ms\": 5000,"
                    "\"tp_bps\":4E1,\"sl_bps\":1.5e1,\"size_fraction\":1,\"confidence\":1,"
                    "\"action\":\"enter_short\"}\n";
    assert_int_equal(parse_str(j, &p, &a, &why), SC_DECISION_R_OK);
    assert_int_equal(a.action, SC_DECISION_ENTER_SHORT);
    assert_true(a.confidence == 1.0 && a.size_fraction == 1.0);
    assert_true(a.sl_bps == 15.0 && a.tp_bps == 40.0);
    assert_int_equal(a.ttl_ms, 5000);
    assert_string_equal(a.reason, "short \xc3\xa9 \"q\" \xe2\x82\xac");

    /* Exactly at the bounds: confidence at ai.min_confidence, a reason of
     * exactly ai.reason_len_max bytes, sl/tp at the parameter bounds. */
    char reason[260];
    memset(reason, 'r', 200);
    reason[200] = '\0';
    char quoted[300];
    snprintf(quoted, sizeof(quoted), "\"%s\"", reason);
    assert_int_equal(parse_str(answer_with(buf, "reason", quoted, NULL), &p, &a, &why),
                     SC_DECISION_R_OK);
    assert_int_equal(strlen(a.reason), 200);
    assert_int_equal(parse_str(answer_with(buf, "confidence", "0.5", NULL), &p, &a, &why),
                     SC_DECISION_R_OK);
    assert_int_equal(parse_str(answer_with(buf, "sl_bps", "200", NULL), &p, &a, &why),
                     SC_DECISION_R_OK);
    assert_int_equal(why.n_clamps, 0);
    assert_int_equal(parse_str(answer_with(buf, "sl_bps", "1", NULL), &p, &a, &why),
                     SC_DECISION_R_OK);
    assert_int_equal(why.n_clamps, 0);
    /* -0 is read as 0, and the empty reason is allowed. */
    assert_int_equal(parse_str("{\"action\":\"skip\",\"confidence\":-0.0,\"size_fraction\":0,"
                               "\"sl_bps\":0,\"tp_bps\":0,\"ttl_ms\":1,\"reason\":\"\"}",
                               &p, &a, &why),
                     SC_DECISION_R_OK);
    assert_true(a.confidence == 0.0 && !signbit(a.confidence));
}

static void test_good_non_entries(void **state) {
    (void)state;
    sc_params p = defaults();
    sc_decision_answer a;
    sc_decision_verdict why;
    char buf[ANSWER_BUF];
    static const struct {
        const char *action;
        sc_decision_action want;
    } cases[] = {{"\"exit\"", SC_DECISION_EXIT},
                 {"\"hold\"", SC_DECISION_HOLD},
                 {"\"skip\"", SC_DECISION_SKIP}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(parse_str(answer_with(buf, "action", cases[i].action, NULL), &p, &a, &why),
                         SC_DECISION_R_OK);
        assert_int_equal(a.action, cases[i].want);
        assert_int_equal(why.advised, cases[i].want);
        /* Not used by these actions: zeroed; confidence and ttl kept. */
        assert_true(a.size_fraction == 0.0 && a.sl_bps == 0.0 && a.tp_bps == 0.0);
        assert_true(a.confidence == 0.8);
        assert_int_equal(a.ttl_ms, 1000);
        assert_string_equal(a.reason, "test");
    }
    /* An exit is never refused for its (unused) size or stop, nor for a
     * low confidence; the schema ranges still apply to them. */
    const char *exit0 = "{\"action\":\"exit\",\"confidence\":0,\"size_fraction\":0,"
                        "\"sl_bps\":0,\"tp_bps\":0,\"ttl_ms\":1,\"reason\":\"out\"}";
    assert_int_equal(parse_str(exit0, &p, &a, &why), SC_DECISION_R_OK);
    assert_int_equal(a.action, SC_DECISION_EXIT);
    const char *exit_bad = "{\"action\":\"exit\",\"confidence\":0,\"size_fraction\":0,"
                           "\"sl_bps\":-1,\"tp_bps\":0,\"ttl_ms\":1,\"reason\":\"out\"}";
    assert_int_equal(parse_str(exit_bad, &p, &a, &why), SC_DECISION_R_OUT_OF_RANGE);
}

/* ---- hostile answers ------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *field; /* field replaced (value) or removed (value NULL); NULL: whole text */
    const char *value;
    const char *extra;
    sc_decision_reason want;
    const char *want_field; /* verdict field, or NULL to not check */
} hostile;

static const hostile k_hostile[] = {
    /* wrong types, each field */
    {"action number", "action", "1", NULL, SC_DECISION_R_WRONG_TYPE, "action"},
    {"action null", "action", "null", NULL, SC_DECISION_R_WRONG_TYPE, "action"},
    {"action array", "action", "[\"enter_long\"]", NULL, SC_DECISION_R_WRONG_TYPE, "action"},
    {"confidence string", "confidence", "\"0.8\"", NULL, SC_DECISION_R_WRONG_TYPE, "confidence"},
    {"confidence bool", "confidence", "true", NULL, SC_DECISION_R_WRONG_TYPE, "confidence"},
    {"confidence object", "confidence", "{}", NULL, SC_DECISION_R_WRONG_TYPE, "confidence"},
    {"size string", "size_fraction", "\"1\"", NULL, SC_DECISION_R_WRONG_TYPE, "size_fraction"},
    {"size null", "size_fraction", "null", NULL, SC_DECISION_R_WRONG_TYPE, "size_fraction"},
    {"sl string", "sl_bps", "\"12\"", NULL, SC_DECISION_R_WRONG_TYPE, "sl_bps"},
    {"sl false", "sl_bps", "false", NULL, SC_DECISION_R_WRONG_TYPE, "sl_bps"},
    {"tp array", "tp_bps", "[]", NULL, SC_DECISION_R_WRONG_TYPE, "tp_bps"},
    {"tp string", "tp_bps", "\"18\"", NULL, SC_DECISION_R_WRONG_TYPE, "tp_bps"},
    {"ttl real", "ttl_ms", "1000.0", NULL, SC_DECISION_R_WRONG_TYPE, "ttl_ms"},
    {"ttl exponent", "ttl_ms", "1e3", NULL, SC_DECISION_R_WRONG_TYPE, "ttl_ms"},
    {"ttl string", "ttl_ms", "\"1000\"", NULL, SC_DECISION_R_WRONG_TYPE, "ttl_ms"},
    {"ttl bool", "ttl_ms", "true", NULL, SC_DECISION_R_WRONG_TYPE, "ttl_ms"},
    {"reason number", "reason", "5", NULL, SC_DECISION_R_WRONG_TYPE, "reason"},
    {"reason null", "reason", "null", NULL, SC_DECISION_R_WRONG_TYPE, "reason"},
    {"reason array", "reason", "[\"x\"]", NULL, SC_DECISION_R_WRONG_TYPE, "reason"},
    /* enums */
    {"action upper", "action", "\"ENTER_LONG\"", NULL, SC_DECISION_R_BAD_ENUM, "action"},
    {"action buy", "action", "\"buy\"", NULL, SC_DECISION_R_BAD_ENUM, "action"},
    {"action empty", "action", "\"\"", NULL, SC_DECISION_R_BAD_ENUM, "action"},
    {"action space", "action", "\"enter_long \"", NULL, SC_DECISION_R_BAD_ENUM, "action"},
    {"action prefix", "action", "\"enter\"", NULL, SC_DECISION_R_BAD_ENUM, "action"},
    /* missing, each field */
    {"no action", "action", NULL, NULL, SC_DECISION_R_MISSING_FIELD, "action"},
    {"no confidence", "confidence", NULL, NULL, SC_DECISION_R_MISSING_FIELD, "confidence"},
    {"no size", "size_fraction", NULL, NULL, SC_DECISION_R_MISSING_FIELD, "size_fraction"},
    {"no sl", "sl_bps", NULL, NULL, SC_DECISION_R_MISSING_FIELD, "sl_bps"},
    {"no tp", "tp_bps", NULL, NULL, SC_DECISION_R_MISSING_FIELD, "tp_bps"},
    {"no ttl", "ttl_ms", NULL, NULL, SC_DECISION_R_MISSING_FIELD, "ttl_ms"},
    {"no reason", "reason", NULL, NULL, SC_DECISION_R_MISSING_FIELD, "reason"},
    {"empty object", NULL, "{}", NULL, SC_DECISION_R_MISSING_FIELD, "action"},
    /* unknown fields (reported before anything missing) */
    {"extra field", NULL, NULL, ",\"foo\":1", SC_DECISION_R_UNKNOWN_FIELD, "foo"},
    {"extra null", NULL, NULL, ",\"leverage\":null", SC_DECISION_R_UNKNOWN_FIELD, "leverage"},
    {"first unknown in document order", NULL, NULL, ",\"zzz\":1,\"aaa\":2",
     SC_DECISION_R_UNKNOWN_FIELD, "zzz"},
    {"key case", "action", NULL, ",\"Action\":\"hold\"", SC_DECISION_R_UNKNOWN_FIELD, "Action"},
    {"empty key", NULL, NULL, ",\"\":1", SC_DECISION_R_UNKNOWN_FIELD, ""},
    /* duplicates */
    {"duplicate action", NULL, NULL, ",\"action\":\"exit\"", SC_DECISION_R_DUPLICATE_KEY, "answer"},
    {"duplicate same", NULL, NULL, ",\"ttl_ms\":1000", SC_DECISION_R_DUPLICATE_KEY, "answer"},
    /* ranges */
    {"confidence 1.5", "confidence", "1.5", NULL, SC_DECISION_R_OUT_OF_RANGE, "confidence"},
    {"confidence -0.1", "confidence", "-0.1", NULL, SC_DECISION_R_OUT_OF_RANGE, "confidence"},
    {"confidence 1+", "confidence", "1.0000000001", NULL, SC_DECISION_R_OUT_OF_RANGE, "confidence"},
    {"size 2", "size_fraction", "2", NULL, SC_DECISION_R_OUT_OF_RANGE, "size_fraction"},
    {"size -1", "size_fraction", "-1", NULL, SC_DECISION_R_OUT_OF_RANGE, "size_fraction"},
    {"sl -1", "sl_bps", "-1", NULL, SC_DECISION_R_OUT_OF_RANGE, "sl_bps"},
    {"sl 1e6", "sl_bps", "1e6", NULL, SC_DECISION_R_OUT_OF_RANGE, "sl_bps"},
    {"sl 1e308", "sl_bps", "1e308", NULL, SC_DECISION_R_OUT_OF_RANGE, "sl_bps"},
    {"sl 10000.5", "sl_bps", "10000.5", NULL, SC_DECISION_R_OUT_OF_RANGE, "sl_bps"},
    {"tp 10001", "tp_bps", "10001", NULL, SC_DECISION_R_OUT_OF_RANGE, "tp_bps"},
    {"ttl 0", "ttl_ms", "0", NULL, SC_DECISION_R_OUT_OF_RANGE, "ttl_ms"},
    {"ttl -5", "ttl_ms", "-5", NULL, SC_DECISION_R_OUT_OF_RANGE, "ttl_ms"},
    {"ttl past schema", "ttl_ms", "3600001", NULL, SC_DECISION_R_OUT_OF_RANGE, "ttl_ms"},
    {"ttl past int64", "ttl_ms", "123456789012345678901234567890", NULL, SC_DECISION_R_OUT_OF_RANGE,
     "answer"},
    {"entry size 0", "size_fraction", "0", NULL, SC_DECISION_R_OUT_OF_RANGE, "size_fraction"},
    {"entry sl 0", "sl_bps", "0", NULL, SC_DECISION_R_OUT_OF_RANGE, "sl_bps"},
    {"entry tp 0", "tp_bps", "0.0", NULL, SC_DECISION_R_OUT_OF_RANGE, "tp_bps"},
    /* non-finite */
    {"NaN", "confidence", "NaN", NULL, SC_DECISION_R_NON_FINITE, "answer"},
    {"nan", "sl_bps", "nan", NULL, SC_DECISION_R_NON_FINITE, "answer"},
    {"Infinity", "sl_bps", "Infinity", NULL, SC_DECISION_R_NON_FINITE, "answer"},
    {"-Infinity", "tp_bps", "-Infinity", NULL, SC_DECISION_R_NON_FINITE, "answer"},
    {"inf", "size_fraction", "inf", NULL, SC_DECISION_R_NON_FINITE, "answer"},
    {"1e999", "sl_bps", "1e999", NULL, SC_DECISION_R_NON_FINITE, "answer"},
    {"-1e999", "confidence", "-1e999", NULL, SC_DECISION_R_NON_FINITE, "answer"},
    {"top NaN", NULL, "NaN", NULL, SC_DECISION_R_NON_FINITE, "answer"},
    /* strings */
    {"reason 201 bytes", "reason",
     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "a"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaa\"",
     NULL, SC_DECISION_R_STRING_TOO_LONG, "reason"},
    {"reason newline", "reason", "\"a\\nb\"", NULL, SC_DECISION_R_CONTROL_CHAR, "reason"},
    {"reason tab escape", "reason", "\"a\\tb\"", NULL, SC_DECISION_R_CONTROL_CHAR, "reason"},
    {"reason ESC", "reason", "\"\\u001b[31mred\"", NULL, SC_DECISION_R_CONTROL_CHAR, "reason"},
    {"reason DEL", "reason", "\"\\u007f\"", NULL, SC_DECISION_R_CONTROL_CHAR, "reason"},
    {"reason C1 CSI", "reason", "\"\\u009b2J\"", NULL, SC_DECISION_R_CONTROL_CHAR, "reason"},
    {"reason NUL escape", "reason", "\"a\\u0000b\"", NULL, SC_DECISION_R_CONTROL_CHAR, "answer"},
    {"reason raw newline", "reason", "\"a\nb\"", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    /* invalid UTF-8 */
    {"utf8 0xff", "reason", "\"a\xff\"", NULL, SC_DECISION_R_INVALID_UTF8, "answer"},
    {"utf8 overlong", "reason", "\"\xc0\xaf\"", NULL, SC_DECISION_R_INVALID_UTF8, "answer"},
    {"utf8 cut", "reason", "\"\xe2\x82\"", NULL, SC_DECISION_R_INVALID_UTF8, "answer"},
    {"utf8 surrogate bytes", "reason", "\"\xed\xa0\x80\"", NULL, SC_DECISION_R_INVALID_UTF8,
     "answer"},
    {"utf8 lone surrogate escape", "reason", "\"\\ud800\"", NULL, SC_DECISION_R_INVALID_UTF8,
     "answer"},
    {"utf8 in key", NULL, NULL, ",\"\xc3\x28\":1", SC_DECISION_R_INVALID_UTF8, "answer"},
    {"utf8 in action", "action", "\"enter_long\x80\"", NULL, SC_DECISION_R_INVALID_UTF8, "answer"},
    /* whole documents */
    {"null", NULL, "null", NULL, SC_DECISION_R_WRONG_TYPE, "answer"},
    {"array", NULL, "[]", NULL, SC_DECISION_R_WRONG_TYPE, "answer"},
    {"string", NULL, "\"enter_long\"", NULL, SC_DECISION_R_WRONG_TYPE, "answer"},
    {"number", NULL, "42", NULL, SC_DECISION_R_WRONG_TYPE, "answer"},
    {"true", NULL, "true", NULL, SC_DECISION_R_WRONG_TYPE, "answer"},
    {"empty", NULL, "", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    {"spaces", NULL, "  \n ", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    {"plain text", NULL, "I think you should buy now.", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    {"brace", NULL, "{", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    {"unterminated string", NULL, "{\"action\":\"enter_l", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    {"trailing comma", NULL, NULL, ",", SC_DECISION_R_NOT_JSON, "answer"},
    {"single quotes", NULL, "{'action':'hold'}", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    {"comment", NULL, "{/* hi */}", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    {"bom", NULL, "\xef\xbb\xbf{}", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    {"two objects", NULL, "{}{}", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    {"hex number", "sl_bps", "0x10", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    {"leading zero", "ttl_ms", "0100", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    {"plus sign", "sl_bps", "+12", NULL, SC_DECISION_R_NOT_JSON, "answer"},
    /* nesting: depth 4 is read (and refused by type), depth 5 is not */
    {"depth 4 value", "confidence", "[[[0]]]", NULL, SC_DECISION_R_WRONG_TYPE, "confidence"},
    {"depth 5 value", "confidence", "[[[[0]]]]", NULL, SC_DECISION_R_TOO_DEEP, "answer"},
    {"brackets in strings", "reason", "\"[[[[[[{{{{{{\"", NULL, SC_DECISION_R_OK, NULL},
};

static void check_hostile(const hostile *h, const char *json, size_t len) {
    sc_params p = defaults();
    sc_decision_answer a;
    sc_decision_verdict why;
    sc_decision_reason r = sc_decision_answer_parse(json, len, &p, &a, &why);
    if (r != h->want || (h->want_field != NULL && strcmp(why.info.field, h->want_field) != 0)) {
        char line[512];
        print_message("case '%s': got %s (%s)\n", h->name, sc_decision_reason_name(r),
                      sc_decision_verdict_format(&a, &why, line, sizeof(line)));
    }
    assert_int_equal(r, h->want);
    assert_int_equal(why.reason, r);
    if (h->want_field != NULL) {
        assert_string_equal(why.info.field, h->want_field);
    }
    if (r != SC_DECISION_R_OK) {
        assert_is_skip(&a);
        assert_int_equal(why.n_clamps, 0);
        assert_true(why.info.expected[0] != '\0');
    }
}

static void test_hostile_table(void **state) {
    (void)state;
    char buf[ANSWER_BUF];
    for (size_t i = 0; i < sizeof(k_hostile) / sizeof(k_hostile[0]); i++) {
        const hostile *h = &k_hostile[i];
        const char *json = (h->field == NULL && h->extra == NULL && h->value != NULL)
                               ? h->value
                               : answer_with(buf, h->field, h->value, h->extra);
        check_hostile(h, json, strlen(json));
        sc_params p = defaults();
        ref_check_mutations(300 + i, json, strlen(json), 40, &p); /* near misses of each case */
    }
}

static const char *why_got_of(const char *json) {
    static char got[SC_ERRINFO_TEXT_MAX];
    sc_params p = defaults();
    sc_decision_answer a;
    sc_decision_verdict why;
    sc_decision_answer_parse(json, strlen(json), &p, &a, &why);
    memcpy(got, why.info.got, sizeof(got));
    return got;
}

static void test_hostile_big(void **state) {
    (void)state;
    enum { MB = 1 << 20, DEEP = 10000 };
    char with_nul[ANSWER_BUF];
    sc_params p = defaults();
    sc_decision_answer a;
    sc_decision_verdict why;
    char *big = malloc(MB + 256);
    assert_non_null(big);
    /* A 1 MB reason: refused by size before any parse. */
    int n = snprintf(big, 256, "{\"action\":\"hold\",\"reason\":\"");
    memset(big + n, 'x', MB);
    memcpy(big + n + MB, "\"}", 3);
    const hostile h1 = {"1 MB reason", NULL, NULL, NULL, SC_DECISION_R_TOO_LARGE, "answer"};
    check_hostile(&h1, big, strlen(big));
    /* 10000 levels of nesting, at the top and inside a value: refused by
     * the pre-scan, no recursion, no stack overflow. */
    memset(big, '[', DEEP);
    memset(big + DEEP, ']', DEEP);
    const hostile h2 = {"10000 deep", NULL, NULL, NULL, SC_DECISION_R_TOO_DEEP, "answer"};
    check_hostile(&h2, big, 2 * DEEP);
    n = snprintf(big, 256, "{\"action\":\"hold\",\"confidence\":");
    memset(big + n, '{', DEEP); /* unbalanced as well: depth is refused first */
    check_hostile(&h2, big, (size_t)n + DEEP);
    /* An answer within the size bound but with a too-long reason. */
    n = snprintf(big, 256, "%s", answer_with(with_nul, "reason", NULL, ",\"reason\":\""));
    n -= 1; /* drop the closing brace */
    memset(big + n, 'y', 60000);
    memcpy(big + n + 60000, "\"}", 3);
    const hostile h3 = {"60 kB reason", NULL, NULL, NULL, SC_DECISION_R_STRING_TOO_LONG, "reason"};
    check_hostile(&h3, big, strlen(big));
    assert_string_equal(why_got_of(big), "60000 bytes");
    free(big);

    /* A NUL byte inside the given length is not JSON. */
    const char *good = answer_with(with_nul, NULL, NULL, NULL);
    size_t len = strlen(good);
    const hostile h4 = {"trailing NUL", NULL, NULL, NULL, SC_DECISION_R_NOT_JSON, "answer"};
    check_hostile(&h4, good, len + 1);
    /* A truncated good answer, at every length, is never accepted. */
    for (size_t cut = 0; cut < len; cut++) {
        assert_int_not_equal(sc_decision_answer_parse(good, cut, &p, &a, &why), SC_DECISION_R_OK);
        assert_is_skip(&a);
    }
    assert_int_equal(sc_decision_answer_parse(NULL, 0, &p, &a, &why), SC_DECISION_R_NOT_JSON);
}

static void test_reason_kept_on_late_failure(void **state) {
    (void)state;
    sc_params p = defaults();
    p.v[SC_P_AI_MIN_CONFIDENCE] = 0.9;
    sc_decision_answer a;
    sc_decision_verdict why;
    char buf[ANSWER_BUF];
    /* Low confidence: the reason was read, so it is kept for the log. */
    assert_int_equal(parse_str(answer_with(buf, NULL, NULL, NULL), &p, &a, &why),
                     SC_DECISION_R_LOW_CONFIDENCE);
    assert_is_skip(&a);
    assert_string_equal(a.reason, "test");
    assert_int_equal(why.advised, SC_DECISION_ENTER_LONG);
    assert_string_equal(why.info.field, "confidence");
    char line[256];
    sc_decision_verdict_format(&a, &why, line, sizeof(line));
    assert_string_equal(line, "skip low_confidence: confidence: expected at least "
                              "ai.min_confidence 0.90000000000000002, got '0.8'");
    /* A failure before the reason: empty reason. */
    assert_int_equal(parse_str(answer_with(buf, "sl_bps", "-3", NULL), &p, &a, &why),
                     SC_DECISION_R_OUT_OF_RANGE);
    assert_string_equal(a.reason, "");
    assert_string_equal(why.info.got, "-3");
    assert_string_equal(why.info.expected, "a number 0..10000");
}

/* ---- clamps --------------------------------------------------------------------------------- */

static void test_clamps(void **state) {
    (void)state;
    sc_params p = defaults();
    sc_decision_answer a;
    sc_decision_verdict why;
    char buf[ANSWER_BUF];
    char line[256];

    /* size 1.0 under a lowered ai.size_fraction_max */
    p.v[SC_P_AI_SIZE_FRACTION_MAX] = 0.25;
    assert_int_equal(parse_str(answer_with(buf, "size_fraction", "1.0", NULL), &p, &a, &why),
                     SC_DECISION_R_OK);
    assert_true(a.size_fraction == 0.25);
    assert_int_equal(why.n_clamps, 1);
    assert_int_equal(why.clamps[0].field, SC_DECISION_F_SIZE_FRACTION);
    assert_true(why.clamps[0].advised == 1.0 && why.clamps[0].applied == 0.25);
    assert_string_equal(sc_decision_verdict_format(&a, &why, line, sizeof(line)),
                        "enter_long ok; clamped size_fraction 1 -> 0.25");

    /* sl/tp into the bounds of the parameter definitions, ttl to the max:
     * all four at once, listed in order. */
    p.v[SC_P_AI_TTL_MS_MAX] = 100;
    const char *j = "{\"action\":\"enter_short\",\"confidence\":0.9,\"size_fraction\":0.5,"
                    "\"sl_bps\":500,\"tp_bps\":0.5,\"ttl_ms\":60000,\"reason\":\"wide\"}";
    assert_int_equal(parse_str(j, &p, &a, &why), SC_DECISION_R_OK);
    assert_true(a.size_fraction == 0.25 && a.sl_bps == 200.0 && a.tp_bps == 1.0);
    assert_int_equal(a.ttl_ms, 100);
    assert_int_equal(why.n_clamps, 4);
    assert_string_equal(sc_decision_verdict_format(&a, &why, line, sizeof(line)),
                        "enter_short ok; clamped size_fraction 0.5 -> 0.25, sl_bps 500 -> 200, "
                        "tp_bps 0.5 -> 1, ttl_ms 60000 -> 100");
    /* tp past the parameter max but within the schema: clamped */
    assert_int_equal(parse_str(answer_with(buf, "tp_bps", "9999", NULL), &p, &a, &why),
                     SC_DECISION_R_OK);
    assert_true(a.tp_bps == 400.0);
    /* sl 1e6 is past the schema: a skip, not a clamp */
    assert_int_equal(parse_str(answer_with(buf, "sl_bps", "1000000", NULL), &p, &a, &why),
                     SC_DECISION_R_OUT_OF_RANGE);
    assert_int_equal(why.n_clamps, 0);
    assert_string_equal(why.info.got, "1000000");

    /* ai.size_fraction_max = 0: every entry clamps to nothing. */
    p.v[SC_P_AI_SIZE_FRACTION_MAX] = 0.0;
    assert_int_equal(parse_str(answer_with(buf, NULL, NULL, NULL), &p, &a, &why),
                     SC_DECISION_R_SIZE_ZERO);
    assert_is_skip(&a);
    assert_int_equal(why.n_clamps, 0);
    /* ...but an exit still goes through. */
    assert_int_equal(parse_str(answer_with(buf, "action", "\"exit\"", NULL), &p, &a, &why),
                     SC_DECISION_R_OK);

    /* A lowered ai.reason_len_max is applied. */
    p = defaults();
    p.v[SC_P_AI_REASON_LEN_MAX] = 16;
    assert_int_equal(
        parse_str(answer_with(buf, "reason", "\"0123456789abcdef\"", NULL), &p, &a, &why),
        SC_DECISION_R_OK);
    assert_int_equal(
        parse_str(answer_with(buf, "reason", "\"0123456789abcdefg\"", NULL), &p, &a, &why),
        SC_DECISION_R_STRING_TOO_LONG);
    assert_string_equal(why.info.got, "17 bytes");
}

static void test_low_confidence(void **state) {
    (void)state;
    sc_params p = defaults();
    sc_decision_answer a;
    sc_decision_verdict why;
    char buf[ANSWER_BUF];
    assert_int_equal(parse_str(answer_with(buf, "confidence", "0.49", NULL), &p, &a, &why),
                     SC_DECISION_R_LOW_CONFIDENCE);
    assert_int_equal(parse_str(answer_with(buf, "confidence", "0.5", NULL), &p, &a, &why),
                     SC_DECISION_R_OK);
    p.v[SC_P_AI_MIN_CONFIDENCE] = 0.0;
    assert_int_equal(parse_str(answer_with(buf, "confidence", "0", NULL), &p, &a, &why),
                     SC_DECISION_R_OK);
    p.v[SC_P_AI_MIN_CONFIDENCE] = 1.0;
    assert_int_equal(parse_str(answer_with(buf, "confidence", "0.9999999", NULL), &p, &a, &why),
                     SC_DECISION_R_LOW_CONFIDENCE);
    /* Only entries need confidence. */
    assert_int_equal(parse_str(answer_with(buf, "action", "\"hold\"", NULL), &p, &a, &why),
                     SC_DECISION_R_OK);
}

/* ---- consistency with the position ---------------------------------------------------------- */

static sc_decision_request request_at(sc_ns ts, sc_decision_side side) {
    sc_decision_request req;
    sc_decision_request_init(&req, 1, ts, 0);
    req.position.side = side;
    req.position.qty.steps = side == SC_DECISION_SIDE_FLAT ? 0 : 10;
    req.position.entry_px.ticks = side == SC_DECISION_SIDE_FLAT ? 0 : 500000;
    /* The default answer enters long: the strategy signalled it. */
    req.signal.kind = SC_SIG_ENTER_LONG;
    return req;
}

static void test_consistency(void **state) {
    (void)state;
    sc_params p = defaults();
    static const char *const actions[] = {"\"enter_long\"", "\"enter_short\"", "\"exit\"",
                                          "\"hold\"", "\"skip\""};
    /* ok[action][side]: flat, long, short */
    static const bool ok[5][3] = {{true, false, false},
                                  {true, false, false},
                                  {false, true, true},
                                  {true, true, true},
                                  {true, true, true}};
    char buf[ANSWER_BUF];
    for (int a = 0; a < 5; a++) {
        for (int s = 0; s < 3; s++) {
            sc_decision_request req = request_at(T0_NS, (sc_decision_side)s);
            /* The signal agrees with the entry, so only the position rule decides. */
            req.signal.kind = a == 0   ? SC_SIG_ENTER_LONG
                              : a == 1 ? SC_SIG_ENTER_SHORT
                                       : SC_SIG_NONE;
            const char *json = answer_with(buf, "action", actions[a], NULL);
            sc_decision_answer out;
            sc_decision_verdict why;
            sc_decision_reason r =
                sc_decision_evaluate(&req, &p, json, strlen(json), T0_NS, &out, &why);
            assert_int_equal(r, ok[a][s] ? SC_DECISION_R_OK : SC_DECISION_R_INCONSISTENT);
            assert_int_equal(why.advised, (sc_decision_action)a);
            if (!ok[a][s]) {
                assert_is_skip(&out);
                assert_string_equal(why.info.field, "action");
            } else {
                assert_int_equal(out.action, (sc_decision_action)a);
            }
        }
    }
    /* The detail names both sides of the contradiction. */
    sc_decision_request req = request_at(T0_NS, SC_DECISION_SIDE_LONG);
    const char *json = answer_with(buf, "action", "\"enter_short\"", NULL);
    sc_decision_answer out;
    sc_decision_verdict why;
    sc_decision_evaluate(&req, &p, json, strlen(json), T0_NS, &out, &why);
    assert_string_equal(why.info.got, "enter_short while long");
    /* An answer already refused keeps its first reason. */
    json = answer_with(buf, "ttl_ms", "-1", NULL);
    assert_int_equal(sc_decision_evaluate(&req, &p, json, strlen(json), T0_NS, &out, &why),
                     SC_DECISION_R_OUT_OF_RANGE);
}

/* The advisor confirms, resizes or refuses the strategy's entry; it never
 * invents one or turns it around. Exits need no signal. */
static void test_against_signal(void **state) {
    (void)state;
    sc_params p = defaults();
    char buf[ANSWER_BUF];
    static const struct {
        const char *action;
        sc_signal_kind sig;
        sc_decision_side side;
        sc_decision_reason want;
    } cases[] = {
        {"\"enter_long\"", SC_SIG_NONE, SC_DECISION_SIDE_FLAT, SC_DECISION_R_AGAINST_SIGNAL},
        {"\"enter_long\"", SC_SIG_ENTER_SHORT, SC_DECISION_SIDE_FLAT, SC_DECISION_R_AGAINST_SIGNAL},
        {"\"enter_short\"", SC_SIG_ENTER_LONG, SC_DECISION_SIDE_FLAT, SC_DECISION_R_AGAINST_SIGNAL},
        {"\"enter_short\"", SC_SIG_EXIT, SC_DECISION_SIDE_FLAT, SC_DECISION_R_AGAINST_SIGNAL},
        {"\"enter_long\"", SC_SIG_ENTER_LONG, SC_DECISION_SIDE_FLAT, SC_DECISION_R_OK},
        {"\"enter_short\"", SC_SIG_ENTER_SHORT, SC_DECISION_SIDE_FLAT, SC_DECISION_R_OK},
        {"\"exit\"", SC_SIG_NONE, SC_DECISION_SIDE_LONG, SC_DECISION_R_OK},
        {"\"hold\"", SC_SIG_ENTER_SHORT, SC_DECISION_SIDE_FLAT, SC_DECISION_R_OK},
        /* The position rule comes first: entering while long is inconsistent. */
        {"\"enter_long\"", SC_SIG_NONE, SC_DECISION_SIDE_LONG, SC_DECISION_R_INCONSISTENT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sc_decision_request req = request_at(T0_NS, cases[i].side);
        req.signal.kind = cases[i].sig;
        const char *json = answer_with(buf, "action", cases[i].action, NULL);
        sc_decision_answer out;
        sc_decision_verdict why;
        sc_decision_reason r =
            sc_decision_evaluate(&req, &p, json, strlen(json), T0_NS, &out, &why);
        if (r != cases[i].want) {
            fail_msg("case %zu: got %s, want %s", i, sc_decision_reason_name(r),
                     sc_decision_reason_name(cases[i].want));
        }
        if (r != SC_DECISION_R_OK) {
            assert_is_skip(&out);
            assert_string_equal(why.info.field, "action");
        }
    }
}

static void test_late_by_evaluate(void **state) {
    (void)state;
    sc_params p = defaults(); /* ai.deadline_ms 200 */
    sc_decision_request req = request_at(T0_NS, SC_DECISION_SIDE_FLAT);
    req.signal.kind = SC_SIG_ENTER_LONG; /* the default answer enters long */
    req.request_id = 99;
    char buf[ANSWER_BUF];
    const char *json = answer_with(buf, NULL, NULL, NULL);
    sc_decision_answer out;
    sc_decision_verdict why;
    assert_int_equal(sc_decision_deadline(&req, &p), T0_NS + MS(200));
    /* At the deadline: on time. One nanosecond later: late, not parsed. */
    assert_int_equal(
        sc_decision_evaluate(&req, &p, json, strlen(json), T0_NS + MS(200), &out, &why),
        SC_DECISION_R_OK);
    assert_int_equal(why.latency_ns, MS(200));
    assert_int_equal(why.request_id, 99);
    assert_int_equal(
        sc_decision_evaluate(&req, &p, json, strlen(json), T0_NS + MS(200) + 1, &out, &why),
        SC_DECISION_R_LATE);
    assert_is_skip(&out);
    assert_string_equal(out.reason, "");
    assert_int_equal(why.request_id, 99);
    assert_int_equal(why.latency_ns, MS(200) + 1);
    assert_int_equal(why.advised, SC_DECISION_SKIP);
    /* Late wins over garbage: the text is not even looked at. */
    assert_int_equal(sc_decision_evaluate(&req, &p, "garbage", 7, T0_NS + MS(300), &out, &why),
                     SC_DECISION_R_LATE);
    /* A deadline that would overflow saturates. */
    req.ts_ns = INT64_MAX - 5;
    assert_int_equal(sc_decision_deadline(&req, &p), INT64_MAX);
}

/* ---- scripted advisor (test-only) ----------------------------------------------------------- */

typedef struct {
    const char *json; /* NULL: the advisor fails */
    int64_t delay_ms; /* 0: answers inside ask */
} script_step;

typedef struct {
    const script_step *steps;
    size_t n_steps;
    size_t next;
    const script_step *cur;
    sc_ns asked_ns;
    sc_ns deadline_ns;
    bool pending;
    int asks;
    int polls;
    int cancels;
} scripted;

static sc_advisor_status scripted_ask(void *ctx, const sc_decision_request *req,
                                      const sc_params *active, sc_ns deadline_ns,
                                      sc_advisor_reply *reply) {
    scripted *s = ctx;
    (void)active;
    assert_false(s->pending);
    assert_true(s->next < s->n_steps);
    s->cur = &s->steps[s->next++];
    s->asks++;
    s->asked_ns = req->ts_ns;
    s->deadline_ns = deadline_ns;
    if (s->cur->json == NULL) {
        return SC_ADVISOR_FAILED;
    }
    if (s->cur->delay_ms == 0) {
        reply->json = s->cur->json;
        reply->len = strlen(s->cur->json);
        return SC_ADVISOR_ANSWERED;
    }
    s->pending = true;
    return SC_ADVISOR_PENDING;
}

static sc_advisor_status scripted_poll(void *ctx, sc_ns now_ns, sc_advisor_reply *reply) {
    scripted *s = ctx;
    assert_true(s->pending);
    s->polls++;
    if (now_ns < s->asked_ns + MS(s->cur->delay_ms)) {
        return SC_ADVISOR_PENDING;
    }
    s->pending = false;
    reply->json = s->cur->json;
    reply->len = strlen(s->cur->json);
    return SC_ADVISOR_ANSWERED;
}

static void scripted_cancel(void *ctx) {
    scripted *s = ctx;
    assert_true(s->pending);
    s->pending = false;
    s->cancels++;
}

static const sc_advisor_vtable k_scripted_vt = {"scripted", scripted_ask, scripted_poll,
                                                scripted_cancel};

static void test_advisor_async(void **state) {
    (void)state;
    char good[ANSWER_BUF];
    answer_with(good, NULL, NULL, NULL);
    const script_step steps[] = {
        {good, 0},   /* synchronous */
        {good, 100}, /* on time */
        {good, 150}, /* ready in time, but polled only after the deadline: late */
        {good, 300}, /* still pending past the deadline: abandoned */
        {NULL, 0},   /* fails */
        {"{}", 50},  /* on time, invalid */
        {good, 200}, /* exactly at the deadline */
    };
    scripted s = {steps, sizeof(steps) / sizeof(steps[0]), 0, NULL, 0, 0, false, 0, 0, 0};
    sc_advisor_config cfg = {&k_scripted_vt, &s};
    sc_advisor *adv = NULL;
    assert_int_equal(sc_advisor_create(&cfg, &adv), SC_OK);
    assert_string_equal(sc_advisor_name(adv), "scripted");
    sc_params p = defaults();
    sc_decision_answer out;
    sc_decision_verdict why;
    sc_ns t = T0_NS;

    assert_int_equal(sc_advisor_poll(adv, t, &out, &why), SC_ADVISOR_IDLE);
    sc_decision_request req = request_at(t, SC_DECISION_SIDE_FLAT);
    assert_int_equal(sc_advisor_ask(adv, &req, &p, &out, &why), SC_ADVISOR_DECIDED);
    assert_int_equal(why.reason, SC_DECISION_R_OK);
    assert_int_equal(out.action, SC_DECISION_ENTER_LONG);
    assert_int_equal(why.latency_ns, 0);
    assert_int_equal(s.deadline_ns, t + MS(200));

    t += MS(1000);
    req = request_at(t, SC_DECISION_SIDE_FLAT);
    req.request_id = 2;
    assert_int_equal(sc_advisor_ask(adv, &req, &p, &out, &why), SC_ADVISOR_WAITING);
    assert_true(sc_advisor_pending(adv));
    req.request_id = 777; /* the driver kept its own copy */
    assert_int_equal(sc_advisor_poll(adv, t + MS(50), &out, &why), SC_ADVISOR_WAITING);
    assert_int_equal(sc_advisor_poll(adv, t + MS(100), &out, &why), SC_ADVISOR_DECIDED);
    assert_int_equal(why.reason, SC_DECISION_R_OK);
    assert_int_equal(why.request_id, 2);
    assert_int_equal(why.latency_ns, MS(100));
    assert_false(sc_advisor_pending(adv));
    assert_int_equal(sc_advisor_poll(adv, t + MS(101), &out, &why), SC_ADVISOR_IDLE);

    t += MS(1000);
    req = request_at(t, SC_DECISION_SIDE_FLAT);
    assert_int_equal(sc_advisor_ask(adv, &req, &p, &out, &why), SC_ADVISOR_WAITING);
    assert_int_equal(sc_advisor_poll(adv, t + MS(100), &out, &why), SC_ADVISOR_WAITING);
    assert_int_equal(sc_advisor_poll(adv, t + MS(250), &out, &why), SC_ADVISOR_DECIDED);
    assert_int_equal(why.reason, SC_DECISION_R_LATE);
    assert_is_skip(&out);
    assert_int_equal(why.latency_ns, MS(250));
    assert_int_equal(s.cancels, 0);

    t += MS(1000);
    req = request_at(t, SC_DECISION_SIDE_FLAT);
    assert_int_equal(sc_advisor_ask(adv, &req, &p, &out, &why), SC_ADVISOR_WAITING);
    assert_int_equal(sc_advisor_poll(adv, t + MS(200), &out, &why), SC_ADVISOR_WAITING);
    assert_int_equal(sc_advisor_poll(adv, t + MS(250), &out, &why), SC_ADVISOR_DECIDED);
    assert_int_equal(why.reason, SC_DECISION_R_ABANDONED);
    assert_is_skip(&out);
    assert_int_equal(s.cancels, 1);
    assert_false(s.pending);
    assert_int_equal(sc_advisor_poll(adv, t + MS(400), &out, &why), SC_ADVISOR_IDLE);

    t += MS(1000);
    req = request_at(t, SC_DECISION_SIDE_FLAT);
    assert_int_equal(sc_advisor_ask(adv, &req, &p, &out, &why), SC_ADVISOR_DECIDED);
    assert_int_equal(why.reason, SC_DECISION_R_ADVISOR_FAILED);
    assert_string_equal(why.info.got, "scripted");

    t += MS(1000);
    req = request_at(t, SC_DECISION_SIDE_FLAT);
    assert_int_equal(sc_advisor_ask(adv, &req, &p, &out, &why), SC_ADVISOR_WAITING);
    assert_int_equal(sc_advisor_poll(adv, t + MS(60), &out, &why), SC_ADVISOR_DECIDED);
    assert_int_equal(why.reason, SC_DECISION_R_MISSING_FIELD);

    /* Parameters change while an answer is pending: it is judged by the
     * ones it was asked under. */
    t += MS(1000);
    req = request_at(t, SC_DECISION_SIDE_FLAT);
    assert_int_equal(sc_advisor_ask(adv, &req, &p, &out, &why), SC_ADVISOR_WAITING);
    p.v[SC_P_AI_MIN_CONFIDENCE] = 0.99;
    p.v[SC_P_AI_DEADLINE_MS] = 1;
    assert_int_equal(sc_advisor_poll(adv, t + MS(200), &out, &why), SC_ADVISOR_DECIDED);
    assert_int_equal(why.reason, SC_DECISION_R_OK);

    const sc_advisor_stats *st = sc_advisor_get_stats(adv);
    assert_int_equal(st->asked, 7);
    assert_int_equal(st->decided, 7);
    assert_int_equal(st->by_reason[SC_DECISION_R_OK], 3);
    assert_int_equal(st->by_reason[SC_DECISION_R_LATE], 1);
    assert_int_equal(st->by_reason[SC_DECISION_R_ABANDONED], 1);
    assert_int_equal(st->by_reason[SC_DECISION_R_ADVISOR_FAILED], 1);
    assert_int_equal(st->by_reason[SC_DECISION_R_MISSING_FIELD], 1);
    sc_advisor_destroy(adv);
}

static void test_advisor_cancel_and_config(void **state) {
    (void)state;
    char good[ANSWER_BUF];
    answer_with(good, NULL, NULL, NULL);
    const script_step steps[] = {{good, 100}, {good, 100}};
    scripted s = {steps, 2, 0, NULL, 0, 0, false, 0, 0, 0};
    sc_advisor_config cfg = {&k_scripted_vt, &s};
    sc_advisor *adv = NULL;
    assert_int_equal(sc_advisor_create(&cfg, &adv), SC_OK);
    sc_params p = defaults();
    sc_decision_answer out;
    sc_decision_verdict why;
    sc_decision_request req = request_at(T0_NS, SC_DECISION_SIDE_FLAT);
    assert_int_equal(sc_advisor_ask(adv, &req, &p, &out, &why), SC_ADVISOR_WAITING);
    sc_advisor_cancel(adv);
    assert_int_equal(s.cancels, 1);
    assert_int_equal(sc_advisor_poll(adv, T0_NS + MS(100), &out, &why), SC_ADVISOR_IDLE);
    sc_advisor_cancel(adv); /* nothing pending: no-op */
    assert_int_equal(s.cancels, 1);
    /* Destroy with a request pending cancels it. */
    assert_int_equal(sc_advisor_ask(adv, &req, &p, &out, &why), SC_ADVISOR_WAITING);
    sc_advisor_destroy(adv);
    assert_int_equal(s.cancels, 2);
    sc_advisor_destroy(NULL);

    /* Bad configurations. */
    static const sc_advisor_vtable no_ask = {"x", NULL, NULL, NULL};
    static const sc_advisor_vtable half = {"x", scripted_ask, scripted_poll, NULL};
    static const sc_advisor_vtable no_name = {NULL, scripted_ask, NULL, NULL};
    sc_advisor_config bad[] = {{NULL, NULL}, {&no_ask, NULL}, {&half, NULL}, {&no_name, NULL}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        adv = (sc_advisor *)&s;
        assert_int_equal(sc_advisor_create(&bad[i], &adv), SC_ERR_INVALID_ARG);
        assert_null(adv);
    }
    assert_int_equal(sc_advisor_create(NULL, &adv), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_advisor_create(&cfg, NULL), SC_ERR_INVALID_ARG);
}

/* ---- the rules advisor ---------------------------------------------------------------------- */

static sc_decision_request rules_request(sc_signal_kind kind, int64_t entry, int64_t stop,
                                         int64_t target, double score, sc_decision_side side) {
    sc_decision_request req = request_at(T0_NS, side);
    req.signal.kind = kind;
    req.signal.ts_ns = T0_NS;
    req.signal.score = score;
    req.signal.entry_px.ticks = entry;
    req.signal.stop_px.ticks = stop;
    req.signal.target_px.ticks = target;
    req.signal.qty.steps = 10;
    if (kind == SC_SIG_EXIT) {
        req.signal.exit_reason = SC_EXIT_STOP_LOSS;
    }
    return req;
}

typedef struct {
    const char *name;
    sc_decision_request req;
    const char *json; /* exact text expected from the rules advisor */
    sc_decision_reason reason;
    sc_decision_action action;
} rules_case;

static void rules_cases(rules_case *c, size_t *n) {
    size_t k = 0;
    c[k++] = (rules_case){
        "long", rules_request(SC_SIG_ENTER_LONG, 500000, 499400, 500900, 0.8, 0),
        "{\"action\":\"enter_long\",\"confidence\":0.8,\"size_fraction\":1,\"sl_bps\":12,"
        "\"tp_bps\":18,\"ttl_ms\":5000,\"reason\":\"rules: enter_long maker score 0.8\"}",
        SC_DECISION_R_OK, SC_DECISION_ENTER_LONG};
    c[k] = (rules_case){
        "short taker", rules_request(SC_SIG_ENTER_SHORT, 500000, 500500, 499000, 0.9, 0),
        "{\"action\":\"enter_short\",\"confidence\":0.9,\"size_fraction\":1,\"sl_bps\":10,"
        "\"tp_bps\":20,\"ttl_ms\":5000,\"reason\":\"rules: enter_short taker score 0.9\"}",
        SC_DECISION_R_OK, SC_DECISION_ENTER_SHORT};
    c[k++].req.signal.style = SC_ENTRY_TAKER;
    c[k++] = (rules_case){
        "inexact bps", rules_request(SC_SIG_ENTER_LONG, 650001, 649900, 650150, 0.7, 0),
        "{\"action\":\"enter_long\",\"confidence\":0.7,\"size_fraction\":1,\"sl_bps\":1.553843,"
        "\"tp_bps\":2.292304,\"ttl_ms\":5000,\"reason\":\"rules: enter_long maker score 0.7\"}",
        SC_DECISION_R_OK, SC_DECISION_ENTER_LONG};
    c[k++] = (rules_case){"exit long", rules_request(SC_SIG_EXIT, 0, 0, 0, 0, 1),
                          "{\"action\":\"exit\",\"confidence\":1,\"size_fraction\":0,\"sl_bps\":0,"
                          "\"tp_bps\":0,\"ttl_ms\":5000,\"reason\":\"rules: exit stop_loss\"}",
                          SC_DECISION_R_OK, SC_DECISION_EXIT};
    c[k++] = (rules_case){"exit flat", rules_request(SC_SIG_EXIT, 0, 0, 0, 0, 0), NULL,
                          SC_DECISION_R_INCONSISTENT, SC_DECISION_SKIP};
    c[k++] = (rules_case){"none flat", rules_request(SC_SIG_NONE, 0, 0, 0, 0, 0),
                          "{\"action\":\"skip\",\"confidence\":1,\"size_fraction\":0,\"sl_bps\":0,"
                          "\"tp_bps\":0,\"ttl_ms\":5000,\"reason\":\"rules: no signal\"}",
                          SC_DECISION_R_OK, SC_DECISION_SKIP};
    c[k++] = (rules_case){"none short", rules_request(SC_SIG_NONE, 0, 0, 0, 0, 2), NULL,
                          SC_DECISION_R_OK, SC_DECISION_HOLD};
    c[k++] =
        (rules_case){"low score", rules_request(SC_SIG_ENTER_LONG, 500000, 499400, 500900, 0.3, 0),
                     NULL, SC_DECISION_R_LOW_CONFIDENCE, SC_DECISION_SKIP};
    c[k++] = (rules_case){"long while long",
                          rules_request(SC_SIG_ENTER_LONG, 500000, 499400, 500900, 0.8, 1), NULL,
                          SC_DECISION_R_INCONSISTENT, SC_DECISION_SKIP};
    c[k++] = (rules_case){"stop above long entry",
                          rules_request(SC_SIG_ENTER_LONG, 500000, 500100, 500900, 0.8, 0), NULL,
                          SC_DECISION_R_OUT_OF_RANGE, SC_DECISION_SKIP};
    c[k++] = (rules_case){"no entry price", rules_request(SC_SIG_ENTER_SHORT, 0, 10, -10, 0.8, 0),
                          NULL, SC_DECISION_R_OK, SC_DECISION_SKIP};
    c[k++] = (rules_case){"overflow", rules_request(SC_SIG_ENTER_LONG, 1, INT64_MIN, 5, 0.8, 0),
                          NULL, SC_DECISION_R_OK, SC_DECISION_SKIP};
    c[k++] =
        (rules_case){"NaN score", rules_request(SC_SIG_ENTER_LONG, 500000, 499400, 500900, NAN, 0),
                     NULL, SC_DECISION_R_WRONG_TYPE, SC_DECISION_SKIP};
    *n = k;
}

static void test_rules_advisor(void **state) {
    (void)state;
    static rules_case cases[16];
    size_t n = 0;
    rules_cases(cases, &n);
    sc_params p = defaults();
    sc_advisor_rules *rules = NULL;
    assert_int_equal(sc_advisor_rules_create(&rules), SC_OK);
    sc_advisor_config cfg = sc_advisor_rules_config(rules);
    sc_advisor *adv = NULL;
    assert_int_equal(sc_advisor_create(&cfg, &adv), SC_OK);
    assert_string_equal(sc_advisor_name(adv), "rules");
    for (size_t i = 0; i < n; i++) {
        char text[SC_ADVISOR_RULES_JSON_MAX];
        size_t len = sc_advisor_rules_answer(&cases[i].req, &p, text, sizeof(text));
        assert_int_equal(len, strlen(text));
        if (cases[i].json != NULL) {
            assert_string_equal(text, cases[i].json);
        }
        sc_decision_answer out;
        sc_decision_verdict why;
        assert_int_equal(sc_advisor_ask(adv, &cases[i].req, &p, &out, &why), SC_ADVISOR_DECIDED);
        if (why.reason != cases[i].reason || out.action != cases[i].action) {
            char line[256];
            print_message("rules case '%s': %s from %s\n", cases[i].name,
                          sc_decision_verdict_format(&out, &why, line, sizeof(line)), text);
        }
        assert_int_equal(why.reason, cases[i].reason);
        assert_int_equal(out.action, cases[i].action);
        assert_int_equal(why.latency_ns, 0);
    }
    /* The numbers of the inexact case read back to the decimals written. */
    sc_decision_answer out;
    sc_decision_verdict why;
    assert_int_equal(sc_advisor_ask(adv, &cases[2].req, &p, &out, &why), SC_ADVISOR_DECIDED);
    assert_true(out.sl_bps == strtod("1.553843", NULL));
    assert_true(out.tp_bps == strtod("2.292304", NULL));
    assert_true(out.confidence == 0.7 && out.size_fraction == 1.0);
    assert_int_equal(out.ttl_ms, 5000);
    sc_advisor_destroy(adv);
    sc_advisor_rules_destroy(rules);
    sc_advisor_rules_destroy(NULL);
}

static void test_rules_clamped_and_cut(void **state) {
    (void)state;
    sc_params p = defaults();
    p.v[SC_P_AI_SIZE_FRACTION_MAX] = 0.5;
    p.v[SC_P_AI_REASON_LEN_MAX] = 16;
    p.v[SC_P_AI_TTL_MS_MAX] = 250;
    /* A 3 % stop (300 bps) is clamped to strategy.sl_bps's max of 200. */
    sc_decision_request req = rules_request(SC_SIG_ENTER_LONG, 500000, 485000, 500900, 0.8, 0);
    char text[SC_ADVISOR_RULES_JSON_MAX];
    sc_advisor_rules_answer(&req, &p, text, sizeof(text));
    assert_string_equal(text, "{\"action\":\"enter_long\",\"confidence\":0.8,\"size_fraction\":1,"
                              "\"sl_bps\":300,\"tp_bps\":18,\"ttl_ms\":250,"
                              "\"reason\":\"rules: enter_lon\"}");
    sc_decision_answer out;
    sc_decision_verdict why;
    assert_int_equal(sc_decision_evaluate(&req, &p, text, strlen(text), T0_NS, &out, &why),
                     SC_DECISION_R_OK);
    assert_true(out.sl_bps == 200.0 && out.size_fraction == 0.5);
    assert_int_equal(out.ttl_ms, 250);
    assert_string_equal(out.reason, "rules: enter_lon");
    assert_int_equal(why.n_clamps, 2);
    assert_int_equal(why.clamps[0].field, SC_DECISION_F_SIZE_FRACTION);
    assert_int_equal(why.clamps[1].field, SC_DECISION_F_SL_BPS);
    assert_true(why.clamps[1].advised == 300.0 && why.clamps[1].applied == 200.0);
}

static void test_rules_deterministic(void **state) {
    (void)state;
    static rules_case cases[16];
    size_t n = 0;
    rules_cases(cases, &n);
    sc_params p = defaults();
    sc_advisor_rules *r1 = NULL;
    sc_advisor_rules *r2 = NULL;
    assert_int_equal(sc_advisor_rules_create(&r1), SC_OK);
    assert_int_equal(sc_advisor_rules_create(&r2), SC_OK);
    sc_advisor_config c1 = sc_advisor_rules_config(r1);
    sc_advisor_config c2 = sc_advisor_rules_config(r2);
    sc_advisor *a1 = NULL;
    sc_advisor *a2 = NULL;
    assert_int_equal(sc_advisor_create(&c1, &a1), SC_OK);
    assert_int_equal(sc_advisor_create(&c2, &a2), SC_OK);
    /* Two instances, cases in opposite orders, each asked twice: the
     * answers and verdicts are identical byte for byte (the golden texts
     * above pin them across runs and builds). */
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < n; i++) {
            size_t j = n - 1 - i;
            sc_decision_answer o1;
            sc_decision_answer o2;
            sc_decision_verdict w1;
            sc_decision_verdict w2;
            memset(&o1, 0xA5, sizeof(o1));
            memset(&o2, 0x5A, sizeof(o2));
            sc_advisor_ask(a1, &cases[i].req, &p, &o1, &w1);
            sc_advisor_ask(a2, &cases[i].req, &p, &o2, &w2);
            assert_int_equal(o1.action, o2.action);
            assert_true(o1.confidence == o2.confidence && o1.size_fraction == o2.size_fraction);
            assert_true(o1.sl_bps == o2.sl_bps && o1.tp_bps == o2.tp_bps);
            assert_int_equal(o1.ttl_ms, o2.ttl_ms);
            assert_memory_equal(o1.reason, o2.reason, sizeof(o1.reason));
            assert_int_equal(w1.reason, w2.reason);
            assert_memory_equal(&w1.info, &w2.info, sizeof(w1.info));
            char t1[SC_ADVISOR_RULES_JSON_MAX];
            char t2[SC_ADVISOR_RULES_JSON_MAX];
            size_t l1 = sc_advisor_rules_answer(&cases[j].req, &p, t1, sizeof(t1));
            size_t l2 = sc_advisor_rules_answer(&cases[j].req, &p, t2, sizeof(t2));
            assert_int_equal(l1, l2);
            assert_memory_equal(t1, t2, l1);
        }
    }
    sc_advisor_destroy(a1);
    sc_advisor_destroy(a2);
    sc_advisor_rules_destroy(r1);
    sc_advisor_rules_destroy(r2);
}

/* ---- request JSON --------------------------------------------------------------------------- */

static sc_decision_request golden_request(void) {
    sc_decision_request req;
    sc_decision_request_init(&req, 7, T0_NS, 3);
    req.regime = SC_REGIME_TREND_UP;
    sc_signal *s = &req.signal;
    s->kind = SC_SIG_ENTER_LONG;
    s->ts_ns = T0_NS;
    s->score = 0.75;
    s->entry_px.ticks = 650001;
    s->qty.steps = 10;
    s->stop_px.ticks = 649900;
    s->target_px.ticks = 650150;
    s->max_hold_ns = 180 * SC_NS_PER_S;
    s->regime = SC_REGIME_TREND_UP;
    s->htf_bias = SC_BIAS_BULLISH;
    s->n_reasons = 1;
    snprintf(s->reasons[0].text, sizeof(s->reasons[0].text), "imbalance \"strong\"\n\xff");
    s->reasons[0].contribution = 0.3;
    req.headroom.daily_loss_left.e8 = 1000000000;
    req.headroom.position_left.steps = 500;
    assert_int_equal(sc_decision_request_add_feature(&req, "imbalance_5", 0.42), SC_OK);
    assert_int_equal(sc_decision_request_add_feature(&req, "rsi_14", NAN), SC_OK);
    assert_int_equal(sc_decision_request_add_feature(&req, "ofi.z", -1.0 / 3.0), SC_OK);
    return req;
}

static void test_request_json(void **state) {
    (void)state;
    sc_decision_request req = golden_request();
    char buf[SC_DECISION_REQUEST_JSON_MAX];
    size_t len = 0;
    assert_int_equal(sc_decision_request_to_json(&req, buf, sizeof(buf), &len), SC_OK);
    const char *want =
        "{\"schema_version\":1,\"request_id\":7,\"ts_ns\":1700000000000000000,"
        "\"params_version\":3,\"regime\":\"trending_up\",\"signal\":{\"kind\":\"enter_long\","
        "\"ts_ns\":1700000000000000000,\"score\":0.75,\"style\":\"maker\","
        "\"entry_px_ticks\":650001,\"qty_steps\":10,\"stop_px_ticks\":649900,"
        "\"target_px_ticks\":650150,\"max_hold_ns\":180000000000,\"exit_reason\":\"none\","
        "\"regime\":\"trending_up\",\"htf_bias\":\"bullish\",\"params_version\":3,"
        "\"reasons\":[{\"text\":\"imbalance \\\"strong\\\"\\u000a\\ufffd\",\"contribution\":0.3}]},"
        "\"position\":{\"side\":\"flat\",\"qty_steps\":0,\"entry_px_ticks\":0,"
        "\"unrealized_pnl_e8\":0},\"headroom\":{\"daily_loss_left_e8\":1000000000,"
        "\"position_left_steps\":500},\"features\":{\"imbalance_5\":0.42,\"rsi_14\":null,"
        "\"ofi.z\":-0.3333333333333333}}";
    assert_string_equal(buf, want);
    assert_int_equal(len, strlen(want));
    /* It is JSON, and the numbers read back exactly. */
    json_error_t err;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    assert_non_null(root);
    json_t *f = json_object_get(root, "features");
    assert_true(json_real_value(json_object_get(f, "ofi.z")) == -1.0 / 3.0);
    assert_true(json_is_null(json_object_get(f, "rsi_14")));
    json_decref(root);
    /* Too small a buffer: SC_ERR_FULL, a NUL-terminated prefix. */
    char small[64];
    memset(small, 'z', sizeof(small));
    assert_int_equal(sc_decision_request_to_json(&req, small, sizeof(small), &len), SC_ERR_FULL);
    assert_int_equal(len, 0);
    assert_true(strlen(small) < sizeof(small));
    assert_memory_equal(small, want, strlen(small));
    /* Exactly enough room, and one byte less. */
    char *exact = malloc(strlen(want) + 1);
    assert_int_equal(sc_decision_request_to_json(&req, exact, strlen(want) + 1, &len), SC_OK);
    assert_int_equal(sc_decision_request_to_json(&req, exact, strlen(want), &len), SC_ERR_FULL);
    free(exact);
}

static void test_request_features(void **state) {
    (void)state;
    sc_decision_request req;
    sc_decision_request_init(&req, 1, T0_NS, 0);
    assert_int_equal(sc_decision_request_add_feature(&req, "", 1), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_decision_request_add_feature(&req, "Upper", 1), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_decision_request_add_feature(&req, "a\"b", 1), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_decision_request_add_feature(&req, "0123456789012345678901234567890", 1),
                     SC_OK); /* 31 bytes */
    assert_int_equal(sc_decision_request_add_feature(&req, "01234567890123456789012345678901", 1),
                     SC_ERR_INVALID_ARG); /* 32 bytes */
    assert_int_equal(sc_decision_request_add_feature(&req, "0123456789012345678901234567890", 2),
                     SC_ERR_INVALID_ARG); /* duplicate */
    for (int i = 1; i < SC_DECISION_FEATURES_MAX; i++) {
        char name[16];
        snprintf(name, sizeof(name), "f%d", i);
        assert_int_equal(sc_decision_request_add_feature(&req, name, i), SC_OK);
    }
    assert_int_equal(req.n_features, SC_DECISION_FEATURES_MAX);
    assert_int_equal(sc_decision_request_add_feature(&req, "one_more", 1), SC_ERR_FULL);
    /* A name written directly, bypassing add_feature, is still checked. */
    char buf[SC_DECISION_REQUEST_JSON_MAX];
    size_t len = 0;
    assert_int_equal(sc_decision_request_to_json(&req, buf, sizeof(buf), &len), SC_OK);
    memcpy(req.features[3].name, "f1", 3); /* now a duplicate */
    assert_int_equal(sc_decision_request_to_json(&req, buf, sizeof(buf), &len), SC_ERR_INVALID_ARG);
}

static void test_request_worst_case_fits(void **state) {
    (void)state;
    sc_decision_request req;
    sc_decision_request_init(&req, INT64_MAX, INT64_MIN, INT64_MIN);
    req.position.side = SC_DECISION_SIDE_SHORT;
    req.position.qty.steps = INT64_MAX;
    req.position.entry_px.ticks = INT64_MIN;
    req.position.unrealized_pnl.e8 = INT64_MIN;
    req.headroom.daily_loss_left.e8 = INT64_MIN;
    req.headroom.position_left.steps = INT64_MIN;
    req.regime = SC_REGIME_NEWS_SHOCK;
    req.signal.kind = SC_SIG_ENTER_SHORT;
    req.signal.score = -1.2345678901234567e-300;
    req.signal.exit_reason = SC_EXIT_TRAILING_STOP;
    req.signal.n_reasons = SC_SIGNAL_REASONS_MAX;
    for (int i = 0; i < SC_SIGNAL_REASONS_MAX; i++) {
        memset(req.signal.reasons[i].text, 0x01, SC_REASON_TEXT_MAX); /* not even terminated */
        req.signal.reasons[i].contribution = -1.0 / 7.0;
    }
    for (int i = 0; i < SC_DECISION_FEATURES_MAX; i++) {
        char name[SC_DECISION_FEATURE_NAME_MAX];
        snprintf(name, sizeof(name), "feature_with_a_long_name_%06d", i);
        assert_int_equal(sc_decision_request_add_feature(&req, name, -2.2250738585072014e-308 / 3),
                         SC_OK);
    }
    char *buf = malloc(SC_DECISION_REQUEST_JSON_MAX);
    size_t len = 0;
    assert_int_equal(sc_decision_request_to_json(&req, buf, SC_DECISION_REQUEST_JSON_MAX, &len),
                     SC_OK);
    print_message("worst-case request: %zu bytes of %d\n", len, SC_DECISION_REQUEST_JSON_MAX);
    json_error_t err;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        print_message("not JSON: %s at %d: %.80s\n", err.text, err.position,
                      buf + (err.position > 40 ? err.position - 40 : 0));
    }
    free(buf);
    assert_non_null(root);
    json_decref(root);
}

static void test_names(void **state) {
    (void)state;
    for (int r = 0; r < SC_DECISION_REASON_COUNT; r++) {
        const char *name = sc_decision_reason_name((sc_decision_reason)r);
        assert_string_not_equal(name, "?");
        assert_string_not_equal(sc_decision_reason_help((sc_decision_reason)r), "?");
        for (int q = 0; q < r; q++) {
            assert_string_not_equal(name, sc_decision_reason_name((sc_decision_reason)q));
        }
    }
    assert_string_equal(sc_decision_reason_name((sc_decision_reason)SC_DECISION_REASON_COUNT), "?");
    assert_string_equal(sc_decision_reason_name(SC_DECISION_R_NON_FINITE), "non_finite");
    assert_string_equal(sc_decision_action_name(SC_DECISION_ENTER_SHORT), "enter_short");
    assert_string_equal(sc_decision_action_name((sc_decision_action)9), "?");
    assert_string_equal(sc_decision_field_name(SC_DECISION_F_TTL_MS), "ttl_ms");
    assert_string_equal(sc_decision_side_name(SC_DECISION_SIDE_SHORT), "short");
    char t[32];
    assert_int_equal(sc_decision_format_number(0.1, t, sizeof(t)), 3);
    assert_string_equal(t, "0.1");
    sc_decision_format_number(-0.0, t, sizeof(t));
    assert_string_equal(t, "0");
    sc_decision_format_number(INFINITY, t, sizeof(t));
    assert_string_equal(t, "null");
    sc_decision_format_number(1e300, t, sizeof(t));
    assert_string_equal(t, "1e+300");
    assert_int_equal(sc_decision_format_number(1.0 / 3.0, t, 8), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_entry),
        cmocka_unit_test(test_good_non_entries),
        cmocka_unit_test(test_hostile_table),
        cmocka_unit_test(test_hostile_big),
        cmocka_unit_test(test_reason_kept_on_late_failure),
        cmocka_unit_test(test_clamps),
        cmocka_unit_test(test_low_confidence),
        cmocka_unit_test(test_consistency),
        cmocka_unit_test(test_against_signal),
        cmocka_unit_test(test_late_by_evaluate),
        cmocka_unit_test(test_advisor_async),
        cmocka_unit_test(test_advisor_cancel_and_config),
        cmocka_unit_test(test_rules_advisor),
        cmocka_unit_test(test_rules_clamped_and_cut),
        cmocka_unit_test(test_rules_deterministic),
        cmocka_unit_test(test_request_json),
        cmocka_unit_test(test_request_features),
        cmocka_unit_test(test_request_worst_case_fits),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
