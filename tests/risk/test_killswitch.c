/* The kill switch state machine: each trigger, its clearing rule (at exactly
 * the UTC day boundary for daily loss), resets, required actions, the
 * automatic triggers at their thresholds and one below, and the canonical
 * text: round trip, and every kind of corruption loading as tripped. */
#include "support/support.h"

#include <stdio.h>
#include <string.h>

#include "risk/killswitch.h"

/* 2024-08-08T00:00:00Z and the next midnight. */
#define DAY0 (INT64_C(1723075200) * SC_NS_PER_S)
#define DAY1 (DAY0 + SC_NS_PER_DAY)
#define YEARS10 (3650 * SC_NS_PER_DAY)

enum { ALL_ACTIONS = SC_KS_ACT_BLOCK_ENTRIES | SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN };

static sc_killswitch *make(void) {
    sc_killswitch_config cfg;
    sc_killswitch_config_default(&cfg);
    sc_killswitch *ks = NULL;
    assert_int_equal(sc_killswitch_create(&cfg, &ks), SC_OK);
    assert_non_null(ks);
    return ks;
}

static void test_trip_each_trigger(void **state) {
    (void)state;
    for (int t = 0; t < SC_KS_TRIG_COUNT; t++) {
        if (t == SC_KS_TRIG_CORRUPT_STATE) {
            continue; /* only a failed load sets it */
        }
        sc_killswitch *ks = make();
        sc_ns ts = DAY0 + 3600 * SC_NS_PER_S;
        assert_false(sc_killswitch_is_tripped(ks, ts));
        assert_int_equal(sc_killswitch_actions(ks, ts), SC_KS_ACT_NONE);
        bool now = false;
        sc_ks_event ev;
        sc_ks_values v = {7, 5};
        assert_int_equal(sc_killswitch_trip(ks, (sc_ks_trigger)t, "why", ts, v, &now, &ev), SC_OK);
        assert_true(now);
        assert_int_equal(ev.kind, SC_KS_EVENT_TRIP);
        assert_int_equal(ev.trigger, t);
        assert_int_equal(ev.seq, 1);
        assert_int_equal(ev.ts_ns, ts);
        assert_int_equal(ev.values.observed, 7);
        assert_int_equal(ev.values.limit, 5);
        assert_string_equal(ev.reason, "why");
        assert_int_equal(ev.actions, ALL_ACTIONS);
        assert_true(sc_killswitch_is_tripped(ks, ts));
        assert_int_equal(sc_killswitch_actions(ks, ts), ALL_ACTIONS);
        sc_ks_trip cause;
        assert_true(sc_killswitch_cause(ks, ts, &cause));
        assert_int_equal(cause.trigger, t);
        /* Done and verified: only the block stays, as long as it is tripped. */
        sc_killswitch_ack(ks, SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN);
        assert_int_equal(sc_killswitch_actions(ks, ts + 1), SC_KS_ACT_BLOCK_ENTRIES);
        /* Tripping again changes nothing: the first trip stands. */
        assert_int_equal(sc_killswitch_trip(ks, (sc_ks_trigger)t, "again", ts + 5, v, &now, &ev),
                         SC_OK);
        assert_false(now);
        assert_true(sc_killswitch_cause(ks, ts + 5, &cause));
        assert_string_equal(cause.reason, "why");
        assert_int_equal(cause.seq, 1);
        assert_int_equal(sc_killswitch_actions(ks, ts + 5), SC_KS_ACT_BLOCK_ENTRIES);
        sc_killswitch_destroy(ks);
    }
    sc_killswitch_destroy(NULL);
}

static void test_reason_rules_and_reset(void **state) {
    (void)state;
    sc_killswitch *ks = make();
    bool now = true;
    sc_ks_values v = {0, 0};
    char long_reason[SC_KS_REASON_MAX + 2];
    memset(long_reason, 'x', sizeof(long_reason) - 1);
    long_reason[SC_KS_REASON_MAX + 1] = '\0';
    const char *bad[] = {NULL, "", "   ", "tab\there", "new\nline", long_reason};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(sc_killswitch_trip(ks, SC_KS_TRIG_MANUAL, bad[i], DAY0, v, &now, NULL),
                         SC_ERR_INVALID_ARG);
        assert_false(now);
    }
    long_reason[SC_KS_REASON_MAX] = '\0'; /* exactly the maximum is fine */
    assert_true(sc_ks_reason_valid(long_reason));
    assert_false(sc_killswitch_is_tripped(ks, DAY0));
    sc_ks_event ev;
    assert_int_equal(sc_killswitch_reset(ks, "nothing to do", DAY0, &ev), SC_ERR_STATE);
    assert_int_equal(sc_killswitch_trip(ks, SC_KS_TRIG_MANUAL, "op", DAY0, v, &now, NULL), SC_OK);
    assert_int_equal(sc_killswitch_trip(ks, SC_KS_TRIG_DRAWDOWN, "dd", DAY0 + 1, v, &now, NULL),
                     SC_OK);
    /* A reset needs a reason; without one nothing changes. */
    assert_int_equal(sc_killswitch_reset(ks, NULL, DAY0 + 2, &ev), SC_ERR_INVALID_ARG);
    assert_int_equal(sc_killswitch_reset(ks, " ", DAY0 + 2, &ev), SC_ERR_INVALID_ARG);
    assert_true(sc_killswitch_is_tripped(ks, DAY0 + 2));
    sc_ks_trip trips[SC_KS_TRIG_COUNT];
    assert_int_equal(sc_killswitch_trips(ks, trips), 2);
    sc_ks_trip cause;
    assert_true(sc_killswitch_cause(ks, DAY0 + 2, &cause));
    assert_int_equal(cause.trigger, SC_KS_TRIG_MANUAL); /* the earliest */
    assert_int_equal(sc_killswitch_reset(ks, "checked, resuming", DAY0 + 3, &ev), SC_OK);
    assert_int_equal(ev.kind, SC_KS_EVENT_RESET);
    assert_int_equal(ev.seq, 3);
    assert_int_equal(ev.actions, SC_KS_ACT_NONE);
    assert_string_equal(ev.reason, "checked, resuming");
    assert_false(sc_killswitch_is_tripped(ks, DAY0 + 3));
    assert_int_equal(sc_killswitch_trips(ks, trips), 0);
    /* Cancel and flatten that were asked for stay until acknowledged. */
    assert_int_equal(sc_killswitch_actions(ks, DAY0 + 3), SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN);
    sc_killswitch_ack(ks, SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN);
    assert_int_equal(sc_killswitch_actions(ks, DAY0 + 3), SC_KS_ACT_NONE);
    sc_killswitch_destroy(ks);
}

static void test_daily_loss_clears_at_utc_midnight(void **state) {
    (void)state;
    sc_killswitch *ks = make();
    sc_ns late = DAY1 - 1; /* 23:59:59.999999999 */
    sc_ks_event ev;
    assert_false(sc_killswitch_on_daily_loss(ks, late, SC_LIMIT_MAX_DAILY_LOSS_BPS - 1, &ev));
    assert_false(sc_killswitch_is_tripped(ks, late));
    assert_true(sc_killswitch_on_daily_loss(ks, late, SC_LIMIT_MAX_DAILY_LOSS_BPS, &ev));
    assert_int_equal(ev.trigger, SC_KS_TRIG_DAILY_LOSS);
    assert_int_equal(ev.values.observed, SC_LIMIT_MAX_DAILY_LOSS_BPS);
    assert_int_equal(ev.values.limit, SC_LIMIT_MAX_DAILY_LOSS_BPS);
    assert_non_null(strstr(ev.reason, "200 bps"));
    sc_ns clear = 0;
    assert_true(sc_killswitch_clears_at(SC_KS_TRIG_DAILY_LOSS, late, &clear));
    assert_int_equal(clear, DAY1);
    assert_true(sc_killswitch_is_tripped(ks, DAY1 - 1));
    assert_false(sc_killswitch_is_tripped(ks, DAY1)); /* exactly at midnight */
    assert_int_equal(sc_killswitch_actions(ks, DAY1) & SC_KS_ACT_BLOCK_ENTRIES, 0);
    /* Its slot is kept for display until reset or replaced by a new trip. */
    sc_ks_trip trips[SC_KS_TRIG_COUNT];
    assert_int_equal(sc_killswitch_trips(ks, trips), 1);
    sc_ks_trip cause;
    assert_false(sc_killswitch_cause(ks, DAY1, &cause));
    assert_true(sc_killswitch_on_daily_loss(ks, DAY1, 250, &ev)); /* a new day, a new trip */
    assert_int_equal(ev.seq, 2);
    /* A trip at exactly midnight holds that whole day. */
    assert_true(sc_killswitch_clears_at(SC_KS_TRIG_DAILY_LOSS, DAY1, &clear));
    assert_int_equal(clear, DAY1 + SC_NS_PER_DAY);
    assert_true(sc_killswitch_is_tripped(ks, DAY1 + SC_NS_PER_DAY - 1));
    assert_false(sc_killswitch_is_tripped(ks, DAY1 + SC_NS_PER_DAY));
    sc_killswitch_destroy(ks);
}

static void test_other_triggers_never_clear(void **state) {
    (void)state;
    sc_killswitch *ks = make();
    sc_ks_event ev;
    assert_false(sc_killswitch_on_drawdown(ks, DAY0, SC_LIMIT_MAX_DRAWDOWN_BPS - 1, &ev));
    assert_true(sc_killswitch_on_drawdown(ks, DAY0, SC_LIMIT_MAX_DRAWDOWN_BPS, &ev));
    assert_int_equal(ev.trigger, SC_KS_TRIG_DRAWDOWN);
    assert_true(sc_killswitch_is_tripped(ks, DAY0 + YEARS10));
    assert_true(sc_killswitch_is_tripped(ks, DAY1));
    sc_killswitch_destroy(ks);
    ks = make();
    assert_false(
        sc_killswitch_on_consec_losses(ks, DAY0, SC_LIMIT_MAX_CONSECUTIVE_LOSSES - 1, &ev));
    assert_true(sc_killswitch_on_consec_losses(ks, DAY0, SC_LIMIT_MAX_CONSECUTIVE_LOSSES, &ev));
    assert_true(sc_killswitch_is_tripped(ks, DAY0 + YEARS10));
    sc_killswitch_destroy(ks);
    sc_ns clear = 0;
    for (int t = 0; t < SC_KS_TRIG_COUNT; t++) {
        bool clears = sc_killswitch_clears_at((sc_ks_trigger)t, DAY0, &clear);
        assert_int_equal(clears, t == SC_KS_TRIG_DAILY_LOSS);
        assert_non_null(strstr(sc_ks_trigger_help((sc_ks_trigger)t), "clear"));
        sc_ks_trigger back;
        const char *name = sc_ks_trigger_name((sc_ks_trigger)t);
        assert_true(sc_ks_trigger_parse(name, strlen(name), &back));
        assert_int_equal(back, t);
    }
}

static void test_error_burst_threshold(void **state) {
    (void)state;
    sc_killswitch *ks = make();
    sc_ks_event ev;
    /* Nine errors in a burst: one below the count. */
    for (int i = 0; i < SC_KS_ERROR_BURST_COUNT - 1; i++) {
        assert_false(sc_killswitch_on_error(ks, DAY0 + i * SC_NS_PER_S, &ev));
    }
    /* The tenth exactly at the end of the window trips. */
    assert_true(sc_killswitch_on_error(ks, DAY0 + SC_KS_ERROR_BURST_WINDOW_NS, &ev));
    assert_int_equal(ev.trigger, SC_KS_TRIG_ERROR_BURST);
    assert_int_equal(ev.values.observed, SC_KS_ERROR_BURST_COUNT);
    sc_killswitch_destroy(ks);
    /* Ten errors spread over one nanosecond more than the window: no trip. */
    ks = make();
    sc_ns step = SC_KS_ERROR_BURST_WINDOW_NS / (SC_KS_ERROR_BURST_COUNT - 1);
    sc_ns t = DAY0;
    for (int i = 0; i < SC_KS_ERROR_BURST_COUNT - 1; i++, t += step) {
        assert_false(sc_killswitch_on_error(ks, t, &ev));
    }
    assert_false(sc_killswitch_on_error(ks, DAY0 + SC_KS_ERROR_BURST_WINDOW_NS + 1, &ev));
    /* The eleventh: the last ten now span less than the window. */
    assert_true(sc_killswitch_on_error(ks, DAY0 + SC_KS_ERROR_BURST_WINDOW_NS + 2, &ev));
    sc_killswitch_destroy(ks);
    /* A reset forgets the errors seen; times running backwards count as the
     * newest. */
    ks = make();
    for (int i = 0; i < SC_KS_ERROR_BURST_COUNT; i++) {
        sc_killswitch_on_error(ks, DAY0 + 100 - i, NULL);
    }
    assert_true(sc_killswitch_is_tripped(ks, DAY0 + 100));
    assert_int_equal(sc_killswitch_reset(ks, "fixed the key", DAY0 + 200, NULL), SC_OK);
    assert_false(sc_killswitch_on_error(ks, DAY0 + 201, &ev));
    assert_false(sc_killswitch_is_tripped(ks, DAY0 + 201));
    sc_killswitch_destroy(ks);
}

static void test_latency_threshold(void **state) {
    (void)state;
    sc_killswitch *ks = make();
    sc_ks_event ev;
    sc_ns above = SC_KS_LATENCY_BOUND_NS + 1;
    sc_ns t = DAY0;
    for (int i = 0; i < SC_KS_LATENCY_SAMPLES_MAX - 1; i++) {
        assert_false(sc_killswitch_on_latency(ks, t++, above, &ev));
    }
    /* A sample at the bound is not above it: the run starts again. */
    assert_false(sc_killswitch_on_latency(ks, t++, SC_KS_LATENCY_BOUND_NS, &ev));
    for (int i = 0; i < SC_KS_LATENCY_SAMPLES_MAX - 1; i++) {
        assert_false(sc_killswitch_on_latency(ks, t++, above, &ev));
    }
    assert_false(sc_killswitch_is_tripped(ks, t));
    assert_true(sc_killswitch_on_latency(ks, t, above + 7, &ev));
    assert_int_equal(ev.trigger, SC_KS_TRIG_LATENCY);
    assert_int_equal(ev.values.observed, above + 7);
    assert_int_equal(ev.values.limit, SC_KS_LATENCY_BOUND_NS);
    assert_true(sc_killswitch_is_tripped(ks, t + YEARS10));
    sc_killswitch_destroy(ks);
}

static void test_integrity_heal_bound(void **state) {
    (void)state;
    sc_killswitch *ks = make();
    sc_ks_event ev;
    sc_ns b = SC_KS_INTEGRITY_HEAL_MAX_NS;
    assert_false(sc_killswitch_on_integrity(ks, DAY0, false, &ev));
    assert_false(sc_killswitch_on_integrity(ks, DAY0 + b, false, &ev));     /* at the bound */
    assert_false(sc_killswitch_on_integrity(ks, DAY0 + b + 1, true, &ev));  /* healed */
    assert_false(sc_killswitch_on_integrity(ks, DAY0 + b + 2, false, &ev)); /* a new failure */
    assert_false(sc_killswitch_on_integrity(ks, DAY0 + 2 * b + 2, false, &ev));
    assert_true(sc_killswitch_on_integrity(ks, DAY0 + 2 * b + 3, false, &ev));
    assert_int_equal(ev.trigger, SC_KS_TRIG_DATA_INTEGRITY);
    assert_int_equal(ev.values.observed, b + 1);
    assert_int_equal(ev.values.limit, b);
    /* Healing afterwards does not clear the trip. */
    assert_false(sc_killswitch_on_integrity(ks, DAY0 + 3 * b, true, &ev));
    assert_true(sc_killswitch_is_tripped(ks, DAY0 + YEARS10));
    sc_killswitch_destroy(ks);
}

static void test_config_may_only_tighten(void **state) {
    (void)state;
    sc_killswitch_config cfg;
    sc_killswitch_config_default(&cfg);
    sc_killswitch *ks = NULL;
    cfg.daily_loss_bps_max = SC_LIMIT_MAX_DAILY_LOSS_BPS + 1;
    assert_int_equal(sc_killswitch_create(&cfg, &ks), SC_ERR_RANGE);
    assert_null(ks);
    sc_killswitch_config_default(&cfg);
    cfg.error_burst_count = SC_KS_ERROR_BURST_COUNT_MAX + 1;
    assert_int_equal(sc_killswitch_create(&cfg, &ks), SC_ERR_RANGE);
    sc_killswitch_config_default(&cfg);
    cfg.daily_loss_bps_max = 100;
    assert_int_equal(sc_killswitch_create(&cfg, &ks), SC_OK);
    assert_false(sc_killswitch_on_daily_loss(ks, DAY0, 99, NULL));
    assert_true(sc_killswitch_on_daily_loss(ks, DAY0, 100, NULL));
    sc_killswitch_destroy(ks);
}

static void test_round_trip(void **state) {
    (void)state;
    sc_killswitch *ks = make();
    char a[SC_KS_TEXT_MAX];
    size_t na = 0;
    bool now = false;
    assert_int_equal(sc_killswitch_trip(ks, SC_KS_TRIG_MANUAL, "maintenance \"window\" \\ 50%",
                                        DAY0 + 5, (sc_ks_values){0, 0}, &now, NULL),
                     SC_OK);
    assert_true(sc_killswitch_on_drawdown(ks, DAY0 + 6, 612, NULL));
    assert_true(sc_killswitch_on_daily_loss(ks, DAY0 + 7, 999, NULL));
    na = sc_killswitch_serialize(ks, a, sizeof(a));
    assert_non_null(strstr(a, "scalper-killswitch 1\nseq 3\n"));
    assert_non_null(strstr(a, "trip drawdown 1723075200000000006 612 500 2 drawdown"));
    sc_killswitch *back = make();
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    assert_int_equal(sc_killswitch_load(back, a, na, DAY0 + 9, &ei), SC_OK);
    char b[SC_KS_TEXT_MAX];
    size_t nb = sc_killswitch_serialize(back, b, sizeof(b));
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    sc_ks_trip trips[SC_KS_TRIG_COUNT];
    assert_int_equal(sc_killswitch_trips(back, trips), 3);
    assert_string_equal(trips[0].reason, "maintenance \"window\" \\ 50%");
    /* A loaded tripped state asks for cancel and flatten again. */
    assert_int_equal(sc_killswitch_actions(back, DAY0 + 9), ALL_ACTIONS);
    /* Sequence numbers continue after a restart. */
    assert_true(sc_killswitch_on_consec_losses(back, DAY0 + 10, 9, NULL));
    sc_ks_event ev;
    assert_int_equal(sc_killswitch_reset(back, "ok", DAY0 + 11, &ev), SC_OK);
    assert_int_equal(ev.seq, 5);
    /* The empty state round-trips and loads as not tripped. */
    sc_killswitch *fresh = make();
    na = sc_killswitch_serialize(fresh, a, sizeof(a));
    assert_int_equal(sc_killswitch_load(back, a, na, DAY0, &ei), SC_OK);
    assert_false(sc_killswitch_is_tripped(back, DAY0));
    assert_int_equal(sc_killswitch_actions(back, DAY0), SC_KS_ACT_NONE);
    sc_killswitch_destroy(fresh);
    sc_killswitch_destroy(back);
    sc_killswitch_destroy(ks);
}

/* FNV-1a 64, to craft texts whose checksum is right but content is not. */
static void with_sum(const char *body, char *out, size_t cap) {
    uint64_t h = UINT64_C(14695981039346656037);
    for (const char *p = body; *p != '\0'; p++) {
        h ^= (uint64_t)(unsigned char)*p;
        h *= UINT64_C(1099511628211);
    }
    snprintf(out, cap, "%sfnv1a64 %016llx\n", body, (unsigned long long)h);
}

static void expect_corrupt(const char *text, size_t len, const char *field) {
    sc_killswitch *ks = make();
    sc_errinfo ei;
    sc_errinfo_clear(&ei);
    if (sc_killswitch_load(ks, text, len, DAY0, &ei) != SC_ERR_PARSE) {
        fail_msg("loaded as good: '%.*s'", (int)len, text);
    }
    if (field != NULL && strcmp(ei.field, field) != 0) {
        fail_msg("field '%s', want '%s' for '%.*s'", ei.field, field, (int)len, text);
    }
    assert_true(sc_killswitch_is_tripped(ks, DAY0 + YEARS10));
    sc_ks_trip cause;
    assert_true(sc_killswitch_cause(ks, DAY0, &cause));
    assert_int_equal(cause.trigger, SC_KS_TRIG_CORRUPT_STATE);
    assert_non_null(strstr(cause.reason, "state text corrupt"));
    assert_int_equal(sc_killswitch_actions(ks, DAY0), ALL_ACTIONS);
    /* An operator can still reset it. */
    assert_int_equal(sc_killswitch_reset(ks, "rewritten", DAY0 + 1, NULL), SC_OK);
    assert_false(sc_killswitch_is_tripped(ks, DAY0 + 1));
    sc_killswitch_destroy(ks);
}

static void test_corrupt_text_trips(void **state) {
    (void)state;
    sc_killswitch *ks = make();
    assert_true(sc_killswitch_on_drawdown(ks, DAY0, 600, NULL));
    char good[SC_KS_TEXT_MAX];
    size_t n = sc_killswitch_serialize(ks, good, sizeof(good));
    sc_killswitch_destroy(ks);
    expect_corrupt("", 0, "checksum");
    expect_corrupt("garbage\n", 8, "checksum");
    expect_corrupt(good, n - 1, "checksum"); /* cut short */
    expect_corrupt(good, n - 20, "checksum");
    char flipped[SC_KS_TEXT_MAX];
    memcpy(flipped, good, n);
    flipped[n / 2] ^= 0x01;
    expect_corrupt(flipped, n, "checksum");
    char over[SC_KS_TEXT_MAX + 8];
    memset(over, 'a', sizeof(over));
    expect_corrupt(over, sizeof(over), "size");
    char t[SC_KS_TEXT_MAX];
    with_sum("scalper-killswitch 2\nseq 0\n", t, sizeof(t));
    expect_corrupt(t, strlen(t), "header");
    with_sum("scalper-killswitch 1\nseq -1\n", t, sizeof(t));
    expect_corrupt(t, strlen(t), "seq");
    with_sum("scalper-killswitch 1\nseq 01\n", t, sizeof(t));
    expect_corrupt(t, strlen(t), "text"); /* not canonical */
    with_sum("scalper-killswitch 1\nseq 1\ntrip frobnicate 1 0 0 1 x\n", t, sizeof(t));
    expect_corrupt(t, strlen(t), "trip");
    with_sum("scalper-killswitch 1\nseq 1\ntrip manual 1 0 0 2 x\n", t, sizeof(t));
    expect_corrupt(t, strlen(t), "trip"); /* a seq after the last one */
    with_sum("scalper-killswitch 1\nseq 2\ntrip manual 1 0 0 1 x\ntrip manual 2 0 0 2 y\n", t,
             sizeof(t));
    expect_corrupt(t, strlen(t), "trip"); /* one line per trigger */
    with_sum("scalper-killswitch 1\nseq 1\ntrip manual 1 0 0 1\n", t, sizeof(t));
    expect_corrupt(t, strlen(t), "trip"); /* no reason */
    with_sum("scalper-killswitch 1\nseq 1\ntrip manual 1 0 0 1 a\x01\n", t, sizeof(t));
    expect_corrupt(t, strlen(t), "trip");
    with_sum("scalper-killswitch 1\nseq 2\ntrip drawdown 1 0 0 1 x\ntrip manual 1 0 0 2 y\n", t,
             sizeof(t));
    expect_corrupt(t, strlen(t), "text"); /* out of trigger order */
    with_sum("scalper-killswitch 1\nseq 1\ntrip manual 99999999999999999999 0 0 1 x\n", t,
             sizeof(t));
    expect_corrupt(t, strlen(t), "trip");
    /* A text that is right in every byte, but with something after it. */
    char tail[SC_KS_TEXT_MAX + 16];
    memcpy(tail, good, n);
    memcpy(tail + n, "extra\n", 6);
    expect_corrupt(tail, n + 6, "checksum");
    /* And the untouched text still loads. */
    ks = make();
    assert_int_equal(sc_killswitch_load(ks, good, n, DAY0, NULL), SC_OK);
    sc_killswitch_destroy(ks);
}

static void test_fail_closed(void **state) {
    (void)state;
    sc_killswitch *ks = make();
    sc_killswitch_fail_closed(ks, "state file unreadable: Permission denied\n", DAY0);
    sc_ks_trip cause;
    assert_true(sc_killswitch_cause(ks, DAY0 + YEARS10, &cause));
    assert_int_equal(cause.trigger, SC_KS_TRIG_CORRUPT_STATE);
    assert_string_equal(cause.reason, "state file unreadable: Permission denied?");
    char text[SC_KS_TEXT_MAX];
    size_t n = sc_killswitch_serialize(ks, text, sizeof(text));
    sc_killswitch *back = make();
    assert_int_equal(sc_killswitch_load(back, text, n, DAY0, NULL), SC_OK);
    assert_true(sc_killswitch_is_tripped(back, DAY0 + YEARS10));
    sc_killswitch_destroy(back);
    sc_killswitch_destroy(ks);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trip_each_trigger),
        cmocka_unit_test(test_reason_rules_and_reset),
        cmocka_unit_test(test_daily_loss_clears_at_utc_midnight),
        cmocka_unit_test(test_other_triggers_never_clear),
        cmocka_unit_test(test_error_burst_threshold),
        cmocka_unit_test(test_latency_threshold),
        cmocka_unit_test(test_integrity_heal_bound),
        cmocka_unit_test(test_config_may_only_tighten),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_corrupt_text_trips),
        cmocka_unit_test(test_fail_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
