#include "risk/killswitch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

#define KS_MAGIC "scalper-killswitch 1"
#define KS_FNV_OFFSET UINT64_C(14695981039346656037)
#define KS_FNV_PRIME UINT64_C(1099511628211)
/* Latest event time accepted: a day before the end of int64, so the clearing
 * time of a daily-loss trip always exists (year 2262). */
#define KS_TS_MAX_NS (INT64_MAX - SC_NS_PER_DAY)

enum {
    KS_CHECK_HEX = 16,   /* hex digits of the checksum */
    KS_LINE_MAX = 400,   /* longest trip line of the canonical text */
    KS_NUM_TEXT_MAX = 20 /* digits and sign of an int64 */
};

/* A full text: header, seq, one trip line per trigger, checksum. */
/* Header, seq line, one trip line per trigger, checksum line. */
_Static_assert(sizeof(KS_MAGIC) + (5 + KS_NUM_TEXT_MAX) + SC_KS_TRIG_COUNT * KS_LINE_MAX +
                       (9 + KS_CHECK_HEX) <
                   SC_KS_TEXT_MAX,
               "a full text fits SC_KS_TEXT_MAX");
_Static_assert(SC_KS_REASON_MAX + 6 * (KS_NUM_TEXT_MAX + 1) + 32 < KS_LINE_MAX,
               "a trip line fits a line");
_Static_assert(SC_KS_ERROR_BURST_COUNT >= 1 &&
                   SC_KS_ERROR_BURST_COUNT <= SC_KS_ERROR_BURST_COUNT_MAX,
               "default burst fits the ring");
_Static_assert(SC_KS_LATENCY_SAMPLES_MAX >= 1, "latency run of at least one sample");

/* What the canonical text holds. */
typedef struct {
    bool active[SC_KS_TRIG_COUNT];
    sc_ks_trip slot[SC_KS_TRIG_COUNT];
    int64_t seq; /* last used */
} ks_image;

struct sc_killswitch {
    sc_killswitch_config cfg;
    ks_image st;
    sc_ks_actions latched;
    /* error burst: the last cfg.error_burst_count error times */
    sc_ns err_ring[SC_KS_ERROR_BURST_COUNT_MAX];
    uint32_t err_head; /* next slot to write: the oldest when full */
    uint32_t err_n;
    /* latency: samples above the bound in a row */
    uint32_t lat_run;
    /* data integrity: failing since */
    bool integ_failing;
    sc_ns integ_since_ns;
};

static const struct {
    const char *name;
    const char *unit;
    const char *help;
} k_trig[SC_KS_TRIG_COUNT] = {
    {"manual", "-", "an operator ('scalper kill --reason TEXT'); never clears by itself"},
    {"daily_loss", "bps",
     "loss of the UTC day >= the max daily loss; clears at the next UTC midnight"},
    {"drawdown", "bps", "drawdown from peak equity >= the max drawdown; never clears by itself"},
    {"consec_losses", "trades", "losing trades in a row >= the maximum; never clears by itself"},
    {"data_integrity", "ns",
     "market data out of sync and not healed within the bound; never clears by itself"},
    {"error_burst", "errors", "too many errors within the window; never clears by itself"},
    {"latency", "ns",
     "latency above its bound for too many samples in a row; never clears by itself"},
    {"corrupt_state", "-",
     "the persisted state could not be read (fail closed); never clears by itself"},
};

const char *sc_ks_trigger_name(sc_ks_trigger t) {
    return (unsigned)t < SC_KS_TRIG_COUNT ? k_trig[t].name : "?";
}

const char *sc_ks_trigger_unit(sc_ks_trigger t) {
    return (unsigned)t < SC_KS_TRIG_COUNT ? k_trig[t].unit : "?";
}

const char *sc_ks_trigger_help(sc_ks_trigger t) {
    return (unsigned)t < SC_KS_TRIG_COUNT ? k_trig[t].help : "?";
}

bool sc_ks_trigger_parse(const char *name, size_t len, sc_ks_trigger *out) {
    SC_ASSERT(name != NULL && out != NULL);
    for (int i = 0; i < SC_KS_TRIG_COUNT; i++) {
        if (strlen(k_trig[i].name) == len && memcmp(k_trig[i].name, name, len) == 0) {
            *out = (sc_ks_trigger)i;
            return true;
        }
    }
    return false;
}

bool sc_ks_reason_valid(const char *reason) {
    if (reason == NULL) {
        return false;
    }
    size_t n = 0;
    bool blank = true;
    for (const char *p = reason; *p != '\0'; p++, n++) {
        if (*p < 0x20 || *p > 0x7E || n >= SC_KS_REASON_MAX) {
            return false;
        }
        blank = blank && *p == ' ';
    }
    return n > 0 && !blank;
}

bool sc_killswitch_clears_at(sc_ks_trigger trigger, sc_ns trip_ns, sc_ns *clear_ns) {
    SC_ASSERT((unsigned)trigger < SC_KS_TRIG_COUNT);
    SC_ASSERT(clear_ns != NULL);
    if (trigger != SC_KS_TRIG_DAILY_LOSS) {
        return false;
    }
    /* The first UTC midnight strictly after the trip: a trip at exactly
     * 00:00:00 holds for that whole day. */
    SC_ASSERT(trip_ns >= 0 && trip_ns <= KS_TS_MAX_NS);
    *clear_ns = sc_ns_utc_day_start(trip_ns) + SC_NS_PER_DAY;
    return true;
}

/* ---- lifecycle -------------------------------------------------------------- */

void sc_killswitch_config_default(sc_killswitch_config *cfg) {
    SC_ASSERT(cfg != NULL);
    memset(cfg, 0, sizeof(*cfg));
    cfg->daily_loss_bps_max = SC_LIMIT_MAX_DAILY_LOSS_BPS;
    cfg->drawdown_bps_max = SC_LIMIT_MAX_DRAWDOWN_BPS;
    cfg->consec_losses_max = SC_LIMIT_MAX_CONSECUTIVE_LOSSES;
    cfg->error_burst_count = SC_KS_ERROR_BURST_COUNT;
    cfg->error_burst_window_ns = SC_KS_ERROR_BURST_WINDOW_NS;
    cfg->latency_bound_ns = SC_KS_LATENCY_BOUND_NS;
    cfg->latency_samples_max = SC_KS_LATENCY_SAMPLES_MAX;
    cfg->integrity_heal_max_ns = SC_KS_INTEGRITY_HEAL_MAX_NS;
}

static bool config_ok(const sc_killswitch_config *c) {
    /* A config may tighten the hard limits, never loosen them. */
    return c->daily_loss_bps_max >= 1 && c->daily_loss_bps_max <= SC_LIMIT_MAX_DAILY_LOSS_BPS &&
           c->drawdown_bps_max >= 1 && c->drawdown_bps_max <= SC_LIMIT_MAX_DRAWDOWN_BPS &&
           c->consec_losses_max >= 1 && c->consec_losses_max <= SC_LIMIT_MAX_CONSECUTIVE_LOSSES &&
           c->error_burst_count >= 1 && c->error_burst_count <= SC_KS_ERROR_BURST_COUNT_MAX &&
           c->error_burst_window_ns > 0 && c->latency_bound_ns > 0 && c->latency_samples_max >= 1 &&
           c->integrity_heal_max_ns >= 0;
}

sc_err sc_killswitch_create(const sc_killswitch_config *cfg, sc_killswitch **out) {
    SC_ASSERT(cfg != NULL && out != NULL);
    *out = NULL;
    if (!config_ok(cfg)) {
        return SC_ERR_RANGE;
    }
    sc_killswitch *ks = calloc(1, sizeof(*ks));
    if (ks == NULL) {
        return SC_ERR_NOMEM;
    }
    ks->cfg = *cfg;
    *out = ks;
    return SC_OK;
}

void sc_killswitch_destroy(sc_killswitch *ks) {
    free(ks);
}

/* ---- state ------------------------------------------------------------------ */

static bool slot_live(const sc_killswitch *ks, int t, sc_ns ts_ns) {
    if (!ks->st.active[t]) {
        return false;
    }
    sc_ns clear_ns = 0;
    return !sc_killswitch_clears_at((sc_ks_trigger)t, ks->st.slot[t].ts_ns, &clear_ns) ||
           ts_ns < clear_ns;
}

bool sc_killswitch_is_tripped(const sc_killswitch *ks, sc_ns ts_ns) {
    SC_ASSERT(ks != NULL);
    for (int t = 0; t < SC_KS_TRIG_COUNT; t++) {
        if (slot_live(ks, t, ts_ns)) {
            return true;
        }
    }
    return false;
}

bool sc_killswitch_cause(const sc_killswitch *ks, sc_ns ts_ns, sc_ks_trip *out) {
    SC_ASSERT(ks != NULL && out != NULL);
    int best = -1;
    for (int t = 0; t < SC_KS_TRIG_COUNT; t++) {
        if (slot_live(ks, t, ts_ns) && (best < 0 || ks->st.slot[t].seq < ks->st.slot[best].seq)) {
            best = t;
        }
    }
    if (best >= 0) {
        *out = ks->st.slot[best];
    }
    return best >= 0;
}

size_t sc_killswitch_trips(const sc_killswitch *ks, sc_ks_trip out[SC_KS_TRIG_COUNT]) {
    SC_ASSERT(ks != NULL && out != NULL);
    size_t n = 0;
    for (int t = 0; t < SC_KS_TRIG_COUNT; t++) {
        if (ks->st.active[t]) {
            out[n++] = ks->st.slot[t];
        }
    }
    SC_ASSERT(n <= SC_KS_TRIG_COUNT);
    return n;
}

sc_ks_actions sc_killswitch_actions(const sc_killswitch *ks, sc_ns ts_ns) {
    SC_ASSERT(ks != NULL);
    sc_ks_actions a = ks->latched;
    if (sc_killswitch_is_tripped(ks, ts_ns)) {
        a |= SC_KS_ACT_BLOCK_ENTRIES;
    }
    return a;
}

void sc_killswitch_ack(sc_killswitch *ks, sc_ks_actions done) {
    SC_ASSERT(ks != NULL);
    /* Blocking entries is a state, not a task: it cannot be acknowledged. */
    SC_ASSERT((done & ~(sc_ks_actions)(SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN)) == 0);
    ks->latched &= ~done;
}

static void clear_helpers(sc_killswitch *ks) {
    ks->err_head = 0;
    ks->err_n = 0;
    ks->lat_run = 0;
    ks->integ_failing = false;
    ks->integ_since_ns = 0;
}

/* Fills a trip slot and its event; the caller checked everything. */
static void record_trip(sc_killswitch *ks, sc_ks_trigger trigger, const char *reason, sc_ns ts_ns,
                        sc_ks_values values, sc_ks_event *ev) {
    SC_ASSERT(ks->st.seq < INT64_MAX);
    SC_ASSERT(strlen(reason) <= SC_KS_REASON_MAX);
    sc_ks_trip *s = &ks->st.slot[trigger];
    memset(s, 0, sizeof(*s));
    s->trigger = trigger;
    s->values = values;
    s->ts_ns = ts_ns;
    s->seq = ++ks->st.seq;
    memcpy(s->reason, reason, strlen(reason) + 1);
    ks->st.active[trigger] = true;
    ks->latched |= SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN;
    if (ev != NULL) {
        memset(ev, 0, sizeof(*ev));
        ev->kind = SC_KS_EVENT_TRIP;
        ev->trigger = trigger;
        ev->values = values;
        ev->ts_ns = ts_ns;
        ev->seq = s->seq;
        ev->actions = SC_KS_ACT_BLOCK_ENTRIES | SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN;
        memcpy(ev->reason, s->reason, sizeof(ev->reason));
    }
}

sc_err sc_killswitch_trip(sc_killswitch *ks, sc_ks_trigger trigger, const char *reason, sc_ns ts_ns,
                          sc_ks_values values, bool *tripped_now, sc_ks_event *ev) {
    SC_ASSERT(ks != NULL && tripped_now != NULL);
    SC_ASSERT((unsigned)trigger < SC_KS_TRIG_COUNT && trigger != SC_KS_TRIG_CORRUPT_STATE);
    SC_ASSERT(ts_ns >= 0 && ts_ns <= KS_TS_MAX_NS);
    *tripped_now = false;
    if (!sc_ks_reason_valid(reason)) {
        return SC_ERR_INVALID_ARG;
    }
    if (slot_live(ks, (int)trigger, ts_ns)) {
        return SC_OK; /* the first trip, its time and its reason stand */
    }
    record_trip(ks, trigger, reason, ts_ns, values, ev);
    *tripped_now = true;
    return SC_OK;
}

sc_err sc_killswitch_reset(sc_killswitch *ks, const char *reason, sc_ns ts_ns, sc_ks_event *ev) {
    SC_ASSERT(ks != NULL);
    SC_ASSERT(ts_ns >= 0);
    if (!sc_ks_reason_valid(reason)) {
        return SC_ERR_INVALID_ARG;
    }
    bool any = false;
    for (int t = 0; t < SC_KS_TRIG_COUNT; t++) {
        any = any || ks->st.active[t];
    }
    if (!any) {
        return SC_ERR_STATE;
    }
    SC_ASSERT(ks->st.seq < INT64_MAX);
    memset(ks->st.active, 0, sizeof(ks->st.active));
    memset(ks->st.slot, 0, sizeof(ks->st.slot));
    clear_helpers(ks);
    /* Latched cancel/flatten stay until acknowledged: a reset resumes
     * trading, it does not undo a flatten that was asked for. */
    ks->st.seq++;
    if (ev != NULL) {
        memset(ev, 0, sizeof(*ev));
        ev->kind = SC_KS_EVENT_RESET;
        ev->trigger = SC_KS_TRIG_MANUAL;
        ev->ts_ns = ts_ns;
        ev->seq = ks->st.seq;
        ev->actions = SC_KS_ACT_NONE;
        memcpy(ev->reason, reason, strlen(reason) + 1);
    }
    return SC_OK;
}

/* ---- automatic triggers ----------------------------------------------------- */

/* Trips trigger with a reason made of what, the values and the unit. */
static bool auto_trip(sc_killswitch *ks, sc_ks_trigger trigger, sc_ns ts_ns, const char *what,
                      sc_ks_values v, sc_ks_event *ev) {
    char reason[SC_KS_REASON_MAX + 1];
    snprintf(reason, sizeof(reason), "%s: %lld %s (limit %lld %s)", what, (long long)v.observed,
             k_trig[trigger].unit, (long long)v.limit, k_trig[trigger].unit);
    bool now = false;
    sc_err e = sc_killswitch_trip(ks, trigger, reason, ts_ns, v, &now, ev);
    SC_ASSERT(e == SC_OK); /* our own reason is always valid */
    return now;
}

bool sc_killswitch_on_daily_loss(sc_killswitch *ks, sc_ns ts_ns, int64_t loss_bps,
                                 sc_ks_event *ev) {
    SC_ASSERT(ks != NULL && ts_ns >= 0);
    sc_ks_values v = {loss_bps, ks->cfg.daily_loss_bps_max};
    return loss_bps >= v.limit &&
           auto_trip(ks, SC_KS_TRIG_DAILY_LOSS, ts_ns, "daily loss reached its limit", v, ev);
}

bool sc_killswitch_on_drawdown(sc_killswitch *ks, sc_ns ts_ns, int64_t drawdown_bps,
                               sc_ks_event *ev) {
    SC_ASSERT(ks != NULL && ts_ns >= 0);
    sc_ks_values v = {drawdown_bps, ks->cfg.drawdown_bps_max};
    return drawdown_bps >= v.limit &&
           auto_trip(ks, SC_KS_TRIG_DRAWDOWN, ts_ns, "drawdown reached its limit", v, ev);
}

bool sc_killswitch_on_consec_losses(sc_killswitch *ks, sc_ns ts_ns, int64_t losses,
                                    sc_ks_event *ev) {
    SC_ASSERT(ks != NULL && ts_ns >= 0);
    sc_ks_values v = {losses, ks->cfg.consec_losses_max};
    return losses >= v.limit &&
           auto_trip(ks, SC_KS_TRIG_CONSEC_LOSSES, ts_ns, "losing trades in a row", v, ev);
}

bool sc_killswitch_on_error(sc_killswitch *ks, sc_ns ts_ns, sc_ks_event *ev) {
    SC_ASSERT(ks != NULL && ts_ns >= 0);
    uint32_t cap = ks->cfg.error_burst_count;
    SC_ASSERT(cap >= 1 && cap <= SC_KS_ERROR_BURST_COUNT_MAX);
    if (ks->err_n > 0) {
        sc_ns newest = ks->err_ring[(ks->err_head + cap - 1) % cap];
        ts_ns = ts_ns < newest ? newest : ts_ns;
    }
    ks->err_ring[ks->err_head] = ts_ns;
    ks->err_head = (ks->err_head + 1) % cap;
    ks->err_n += ks->err_n < cap ? 1u : 0u;
    SC_ASSERT(ks->err_n <= cap);
    if (ks->err_n < cap) {
        return false;
    }
    sc_ns oldest = ks->err_ring[ks->err_head];
    SC_ASSERT(oldest <= ts_ns);
    if (ts_ns - oldest > ks->cfg.error_burst_window_ns) {
        return false;
    }
    sc_ks_values v = {(int64_t)cap, (int64_t)cap};
    char what[96];
    snprintf(what, sizeof(what), "errors within %lld ms",
             (long long)(ts_ns - oldest) / SC_NS_PER_MS);
    return auto_trip(ks, SC_KS_TRIG_ERROR_BURST, ts_ns, what, v, ev);
}

bool sc_killswitch_on_latency(sc_killswitch *ks, sc_ns ts_ns, sc_ns latency_ns, sc_ks_event *ev) {
    SC_ASSERT(ks != NULL && ts_ns >= 0);
    if (latency_ns <= ks->cfg.latency_bound_ns) {
        ks->lat_run = 0;
        return false;
    }
    ks->lat_run += ks->lat_run < UINT32_MAX ? 1u : 0u;
    if (ks->lat_run < ks->cfg.latency_samples_max) {
        return false;
    }
    sc_ks_values v = {latency_ns, ks->cfg.latency_bound_ns};
    char what[96];
    snprintf(what, sizeof(what), "latency above its bound for %u samples in a row", ks->lat_run);
    return auto_trip(ks, SC_KS_TRIG_LATENCY, ts_ns, what, v, ev);
}

bool sc_killswitch_on_integrity(sc_killswitch *ks, sc_ns ts_ns, bool ok, sc_ks_event *ev) {
    SC_ASSERT(ks != NULL && ts_ns >= 0);
    if (ok) {
        ks->integ_failing = false;
        return false;
    }
    if (!ks->integ_failing) {
        ks->integ_failing = true;
        ks->integ_since_ns = ts_ns;
        return false;
    }
    SC_ASSERT(ks->integ_since_ns >= 0);
    sc_ns unhealed_ns = ts_ns - ks->integ_since_ns; /* both >= 0: no overflow */
    if (unhealed_ns <= ks->cfg.integrity_heal_max_ns) {
        return false;
    }
    sc_ks_values v = {unhealed_ns, ks->cfg.integrity_heal_max_ns};
    return auto_trip(ks, SC_KS_TRIG_DATA_INTEGRITY, ts_ns, "market data not healed", v, ev);
}

/* ---- canonical text --------------------------------------------------------- */

static uint64_t fnv1a64(const char *p, size_t n) {
    uint64_t h = KS_FNV_OFFSET;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint64_t)(unsigned char)p[i];
        h *= KS_FNV_PRIME;
    }
    return h;
}

/* Advances *len by the n bytes snprintf wrote; asserts they fit (the bounds
 * are static, see the asserts at the top). */
static void advance(size_t *len, int n, size_t cap) {
    SC_ASSERT(n >= 0 && (size_t)n < cap - *len);
    *len += (size_t)n;
}

static size_t serialize_image(const ks_image *im, char *buf, size_t cap) {
    SC_ASSERT(cap >= SC_KS_TEXT_MAX);
    size_t len = 0;
    advance(&len, snprintf(buf, cap, "%s\nseq %lld\n", KS_MAGIC, (long long)im->seq), cap);
    for (int t = 0; t < SC_KS_TRIG_COUNT; t++) {
        if (!im->active[t]) {
            continue;
        }
        const sc_ks_trip *s = &im->slot[t];
        advance(&len,
                snprintf(buf + len, cap - len, "trip %s %lld %lld %lld %lld %s\n", k_trig[t].name,
                         (long long)s->ts_ns, (long long)s->values.observed,
                         (long long)s->values.limit, (long long)s->seq, s->reason),
                cap);
    }
    uint64_t sum = fnv1a64(buf, len);
    advance(&len, snprintf(buf + len, cap - len, "fnv1a64 %016llx\n", (unsigned long long)sum),
            cap);
    SC_ASSERT(len < SC_KS_TEXT_MAX);
    return len;
}

size_t sc_killswitch_serialize(const sc_killswitch *ks, char *buf, size_t cap) {
    SC_ASSERT(ks != NULL && buf != NULL);
    return serialize_image(&ks->st, buf, cap);
}

/* A line of the text being parsed. */
typedef struct {
    const char *p;
    size_t len; /* without its '\n' */
    size_t pos; /* next byte of the token reader */
    int64_t no; /* 1-based */
} ks_line;

static bool parse_fail(sc_errinfo *err, const ks_line *l, const char *field, const char *expected) {
    if (err != NULL) {
        err->line = l != NULL ? l->no : 0;
        sc_errinfo_set(err, field, expected, l != NULL ? l->p : "", l != NULL ? l->len : 0);
    }
    return false;
}

/* The next space-separated token; false at the end of the line. */
static bool next_tok(ks_line *l, const char **tok, size_t *n) {
    if (l->pos >= l->len) {
        return false;
    }
    *tok = l->p + l->pos;
    const char *sp = memchr(*tok, ' ', l->len - l->pos);
    *n = sp != NULL ? (size_t)(sp - *tok) : l->len - l->pos;
    l->pos += *n + (sp != NULL ? 1u : 0u);
    return *n > 0;
}

/* A decimal int64 >= min; non-canonical forms (+1, 007) are caught later by
 * the byte-for-byte comparison with the re-serialized text. */
static bool next_i64(ks_line *l, int64_t min, int64_t *out) {
    const char *tok = NULL;
    size_t n = 0;
    if (!next_tok(l, &tok, &n) || n > KS_NUM_TEXT_MAX) {
        return false;
    }
    char num[KS_NUM_TEXT_MAX + 1];
    memcpy(num, tok, n);
    num[n] = '\0';
    char *end = NULL;
    errno = 0;
    long long v = strtoll(num, &end, 10);
    bool starts_ok = num[0] == '-' || (num[0] >= '0' && num[0] <= '9');
    if (errno != 0 || !starts_ok || end != num + n || v < min) {
        return false;
    }
    *out = (int64_t)v;
    return true;
}

static bool parse_trip(ks_line *l, ks_image *im, sc_errinfo *err) {
    const char *tok = NULL;
    size_t n = 0;
    sc_ks_trigger t = SC_KS_TRIG_MANUAL;
    if (!next_tok(l, &tok, &n) || n != 4 || memcmp(tok, "trip", 4) != 0) {
        return parse_fail(err, l, "trip", "'trip TRIGGER TS OBSERVED LIMIT SEQ REASON'");
    }
    if (!next_tok(l, &tok, &n) || !sc_ks_trigger_parse(tok, n, &t)) {
        return parse_fail(err, l, "trip", "a known trigger");
    }
    if (im->active[t]) {
        return parse_fail(err, l, "trip", "one line per trigger");
    }
    sc_ks_trip *s = &im->slot[t];
    memset(s, 0, sizeof(*s));
    s->trigger = t;
    if (!next_i64(l, 0, &s->ts_ns) || !next_i64(l, INT64_MIN, &s->values.observed) ||
        !next_i64(l, INT64_MIN, &s->values.limit) || !next_i64(l, 1, &s->seq) || s->seq > im->seq ||
        s->ts_ns > KS_TS_MAX_NS) {
        return parse_fail(err, l, "trip", "numbers TS>=0 OBSERVED LIMIT 1<=SEQ<=seq");
    }
    size_t rlen = l->len - l->pos;
    if (l->pos >= l->len || rlen > SC_KS_REASON_MAX) {
        return parse_fail(err, l, "trip", "a reason of 1..200 bytes");
    }
    memcpy(s->reason, l->p + l->pos, rlen);
    s->reason[rlen] = '\0';
    if (!sc_ks_reason_valid(s->reason)) {
        return parse_fail(err, l, "trip", "a reason of printable ASCII");
    }
    im->active[t] = true;
    return true;
}

/* Splits the next '\n'-terminated line off text; false when none is left. */
static bool next_line(const char *text, size_t len, size_t *at, ks_line *l) {
    if (*at >= len) {
        return false;
    }
    const char *nl = memchr(text + *at, '\n', len - *at);
    if (nl == NULL) {
        return false;
    }
    l->p = text + *at;
    l->len = (size_t)(nl - l->p);
    l->pos = 0;
    l->no++;
    *at += l->len + 1;
    return true;
}

/* The checksum line is the last one; its sum covers body_len bytes. */
static bool check_sum(const char *text, size_t len, size_t *body_len, sc_errinfo *err) {
    static const size_t sum_line = 8 + KS_CHECK_HEX + 1; /* "fnv1a64 " HEX "\n" */
    ks_line l = {text, len, 0, 0};
    if (len < sum_line || text[len - 1] != '\n' ||
        memcmp(text + len - sum_line, "fnv1a64 ", 8) != 0 ||
        (len > sum_line && text[len - sum_line - 1] != '\n')) {
        return parse_fail(err, NULL, "checksum", "a last line 'fnv1a64 HEX' (text cut short?)");
    }
    *body_len = len - sum_line;
    char want[KS_CHECK_HEX + 1];
    snprintf(want, sizeof(want), "%016llx", (unsigned long long)fnv1a64(text, *body_len));
    if (memcmp(text + *body_len + 8, want, KS_CHECK_HEX) != 0) {
        l.p = text + *body_len;
        l.len = sum_line - 1;
        return parse_fail(err, &l, "checksum", "the FNV-1a 64 of the text before it");
    }
    return true;
}

static bool parse_image(const char *text, size_t len, ks_image *im, sc_errinfo *err) {
    memset(im, 0, sizeof(*im));
    size_t body = 0;
    if (len > SC_KS_TEXT_MAX) {
        return parse_fail(err, NULL, "size", "at most 4096 bytes");
    }
    if (!check_sum(text, len, &body, err)) {
        return false;
    }
    size_t at = 0;
    ks_line l = {NULL, 0, 0, 0};
    if (!next_line(text, body, &at, &l) || l.len != strlen(KS_MAGIC) ||
        memcmp(l.p, KS_MAGIC, l.len) != 0) {
        return parse_fail(err, &l, "header", "'" KS_MAGIC "'");
    }
    const char *tok = NULL;
    size_t n = 0;
    if (!next_line(text, body, &at, &l) || !next_tok(&l, &tok, &n) || n != 3 ||
        memcmp(tok, "seq", 3) != 0 || !next_i64(&l, 0, &im->seq) || l.pos < l.len) {
        return parse_fail(err, &l, "seq", "'seq N' with N >= 0");
    }
    while (next_line(text, body, &at, &l)) {
        if (!parse_trip(&l, im, err)) {
            return false;
        }
    }
    SC_ASSERT(at == body);
    return true;
}

static void fail_closed_image(sc_killswitch *ks, const char *reason, sc_ns ts_ns) {
    int64_t seq = ks->st.seq;
    memset(&ks->st, 0, sizeof(ks->st));
    ks->st.seq = seq;
    ks_image *im = &ks->st;
    SC_ASSERT(sc_ks_reason_valid(reason));
    record_trip(ks, SC_KS_TRIG_CORRUPT_STATE, reason, ts_ns, (sc_ks_values){0, 0}, NULL);
    SC_ASSERT(im->active[SC_KS_TRIG_CORRUPT_STATE]);
}

void sc_killswitch_fail_closed(sc_killswitch *ks, const char *reason, sc_ns ts_ns) {
    SC_ASSERT(ks != NULL && ts_ns >= 0 && ts_ns <= KS_TS_MAX_NS);
    char r[SC_KS_REASON_MAX + 1];
    /* The reason comes from an I/O error text: keep it printable. */
    size_t n = 0;
    for (const char *p = reason != NULL ? reason : ""; *p != '\0' && n < SC_KS_REASON_MAX; p++) {
        r[n++] = *p >= 0x20 && *p <= 0x7E ? *p : '?';
    }
    r[n] = '\0';
    fail_closed_image(ks, sc_ks_reason_valid(r) ? r : "state unreadable", ts_ns);
}

sc_err sc_killswitch_load(sc_killswitch *ks, const char *text, size_t len, sc_ns ts_ns,
                          sc_errinfo *err) {
    SC_ASSERT(ks != NULL && (text != NULL || len == 0));
    SC_ASSERT(ts_ns >= 0);
    ks_image im;
    bool ok = parse_image(text != NULL ? text : "", len, &im, err);
    if (ok) {
        /* Canonical means byte for byte what we would write. */
        char again[SC_KS_TEXT_MAX];
        size_t n = serialize_image(&im, again, sizeof(again));
        ok = n == len && memcmp(again, text, len) == 0;
        if (!ok) {
            parse_fail(err, NULL, "text", "the canonical form (a number or a space out of place)");
        }
    }
    if (!ok) {
        char reason[SC_KS_REASON_MAX + 1];
        snprintf(reason, sizeof(reason), "state text corrupt: %.32s: expected %.120s",
                 err != NULL ? err->field : "?", err != NULL ? err->expected : "?");
        sc_killswitch_fail_closed(ks, reason, ts_ns);
        return SC_ERR_PARSE;
    }
    ks->st = im;
    clear_helpers(ks);
    ks->latched = sc_killswitch_is_tripped(ks, ts_ns)
                      ? (sc_ks_actions)(SC_KS_ACT_CANCEL_ALL | SC_KS_ACT_FLATTEN)
                      : SC_KS_ACT_NONE;
    return SC_OK;
}
