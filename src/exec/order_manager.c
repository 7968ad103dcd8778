#include "exec/order_manager.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"

/* A slot is free when seq is 0: sequence numbers start at 1. */
typedef struct {
    sc_order_rec rec;
} sc_order_slot;

struct sc_order_manager {
    sc_order_manager_config cfg;
    sc_order_slot *slots; /* cfg.orders_max, allocated in create */
    int64_t next_seq;
    sc_order_manager_stats stats;
};

/* The transition table, documented in order_manager.h. One row per state,
 * one column per sc_order_col. */
#define X                                                                                          \
    { SC_ORDER_CELL_ILLEGAL, SC_ORDER_NEW }
#define GO(s)                                                                                      \
    { SC_ORDER_CELL_LEGAL, SC_ORDER_##s }
#define ST(s)                                                                                      \
    { SC_ORDER_CELL_STALE, SC_ORDER_##s }
#define AN(s)                                                                                      \
    { SC_ORDER_CELL_ANOMALY, SC_ORDER_##s }
static const sc_order_cell k_table[SC_ORDER_STATE_COUNT][SC_ORDER_COL_COUNT] = {
    /* sent, ack, fill<, fill=, c_ack, rej, exp, tmo,
     * q_open, q_part, q_fill, q_canc, q_exp, q_nf */
    [SC_ORDER_NEW] = {GO(SUBMITTING), X, X, X, X, X, X, X, X, X, X, X, X, X},
    [SC_ORDER_SUBMITTING] = {X, GO(OPEN), GO(PARTIALLY_FILLED), GO(FILLED), GO(CANCELED),
                             GO(REJECTED), GO(EXPIRED), GO(UNKNOWN), X, X, X, X, X, X},
    [SC_ORDER_OPEN] = {X, ST(OPEN), GO(PARTIALLY_FILLED), GO(FILLED), GO(CANCELED), AN(OPEN),
                       GO(EXPIRED), GO(UNKNOWN), ST(OPEN), ST(OPEN), ST(OPEN), ST(OPEN), ST(OPEN),
                       ST(OPEN)},
    [SC_ORDER_PARTIALLY_FILLED] = {X, ST(PARTIALLY_FILLED), GO(PARTIALLY_FILLED), GO(FILLED),
                                   GO(CANCELED), AN(PARTIALLY_FILLED), GO(EXPIRED), GO(UNKNOWN),
                                   ST(PARTIALLY_FILLED), ST(PARTIALLY_FILLED), ST(PARTIALLY_FILLED),
                                   ST(PARTIALLY_FILLED), ST(PARTIALLY_FILLED),
                                   ST(PARTIALLY_FILLED)},
    [SC_ORDER_FILLED] = {X, ST(FILLED), X, X, AN(FILLED), AN(FILLED), AN(FILLED), X, ST(FILLED),
                         ST(FILLED), ST(FILLED), ST(FILLED), ST(FILLED), ST(FILLED)},
    [SC_ORDER_CANCELED] = {X, ST(CANCELED), AN(CANCELED), AN(FILLED), ST(CANCELED), AN(CANCELED),
                           AN(CANCELED), X, ST(CANCELED), ST(CANCELED), ST(CANCELED), ST(CANCELED),
                           ST(CANCELED), ST(CANCELED)},
    [SC_ORDER_REJECTED] = {X, AN(OPEN), AN(PARTIALLY_FILLED), AN(FILLED), AN(CANCELED),
                           ST(REJECTED), AN(EXPIRED), X, ST(REJECTED), ST(REJECTED), ST(REJECTED),
                           ST(REJECTED), ST(REJECTED), ST(REJECTED)},
    [SC_ORDER_EXPIRED] = {X, ST(EXPIRED), AN(EXPIRED), AN(FILLED), AN(EXPIRED), AN(EXPIRED),
                          ST(EXPIRED), X, ST(EXPIRED), ST(EXPIRED), ST(EXPIRED), ST(EXPIRED),
                          ST(EXPIRED), ST(EXPIRED)},
    [SC_ORDER_UNKNOWN] = {X, GO(OPEN), GO(PARTIALLY_FILLED), GO(FILLED), GO(CANCELED), GO(REJECTED),
                          GO(EXPIRED), GO(UNKNOWN), GO(OPEN), GO(PARTIALLY_FILLED), GO(FILLED),
                          GO(CANCELED), GO(EXPIRED), GO(REJECTED)},
};
#undef X
#undef GO
#undef ST
#undef AN

_Static_assert(SC_ORDER_PREFIX_MAX + 3 + SC_ORDER_SEQ_DIGITS_MAX <= SC_CLIENT_ID_MAX,
               "the longest client id must fit Binance's 36 characters");
_Static_assert(SC_ORDER_SEQ_MAX == INT64_C(999999999999),
               "SC_ORDER_SEQ_MAX has SC_ORDER_SEQ_DIGITS_MAX digits");
_Static_assert(SC_ORDER_MANAGER_ORDERS_DEFAULT <= SC_ORDER_MANAGER_ORDERS_MAX,
               "the default table fits the ceiling");

static bool state_valid(sc_order_state s) {
    return (int)s >= 0 && (int)s < SC_ORDER_STATE_COUNT;
}

bool sc_order_state_is_final(sc_order_state s) {
    SC_ASSERT(state_valid(s));
    _Static_assert(SC_ORDER_UNKNOWN == SC_ORDER_STATE_COUNT - 1, "unknown is the last state");
    return s == SC_ORDER_FILLED || s == SC_ORDER_CANCELED || s == SC_ORDER_REJECTED ||
           s == SC_ORDER_EXPIRED;
}

const char *sc_order_state_name(sc_order_state s) {
    static const char *const names[SC_ORDER_STATE_COUNT] = {
        "new",      "submitting", "open",    "partially_filled", "filled",
        "canceled", "rejected",   "expired", "unknown"};
    return state_valid(s) ? names[s] : "?";
}

const char *sc_order_col_name(sc_order_col c) {
    static const char *const names[SC_ORDER_COL_COUNT] = {
        "submit_sent", "ack",        "fill_partial", "fill_full",  "cancel_ack",
        "reject",      "expire",     "timeout",      "q_open",     "q_partially_filled",
        "q_filled",    "q_canceled", "q_expired",    "q_not_found"};
    return ((int)c >= 0 && (int)c < SC_ORDER_COL_COUNT) ? names[c] : "?";
}

sc_order_cell sc_order_manager_cell(sc_order_state s, sc_order_col c) {
    SC_ASSERT(state_valid(s));
    SC_ASSERT((int)c >= 0 && (int)c < SC_ORDER_COL_COUNT);
    return k_table[s][c];
}

static char purpose_letter(sc_order_purpose p) {
    switch (p) {
    case SC_PURPOSE_ENTRY:
        return 'e';
    case SC_PURPOSE_EXIT:
        return 'x';
    case SC_PURPOSE_PROTECTIVE_EXIT:
        return 'p';
    case SC_PURPOSE_FLATTEN:
        return 'f';
    }
    return '\0';
}

/* Alphanumeric only, so an id splits on '-' unambiguously; and never one of
 * the prefixes Binance gives its own orders (liquidation, ADL, settlement),
 * so a stream event for those can never be mistaken for ours. */
static bool prefix_valid(const char *p) {
    SC_ASSERT(p != NULL);
    size_t n = strnlen(p, SC_ORDER_PREFIX_MAX + 1);
    if (n == 0 || n > SC_ORDER_PREFIX_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
            return false;
        }
    }
    static const char *const reserved[] = {"autoclose", "adl", "settlement"};
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        if (strncmp(p, reserved[i], strlen(reserved[i])) == 0) {
            return false;
        }
    }
    return true;
}

bool sc_order_client_id_format(const char *prefix, sc_order_purpose p, int64_t seq, char *buf,
                               size_t cap) {
    SC_ASSERT(prefix != NULL && buf != NULL);
    char letter = purpose_letter(p);
    if (!prefix_valid(prefix) || letter == '\0' || seq < 1 || seq > SC_ORDER_SEQ_MAX) {
        return false;
    }
    int n = snprintf(buf, cap, "%s-%c-%0*" PRId64, prefix, letter, SC_ORDER_SEQ_DIGITS_MIN, seq);
    if (n < 0 || (size_t)n >= cap) {
        return false;
    }
    return sc_client_id_valid(buf);
}

sc_err sc_order_manager_create(const sc_order_manager_config *cfg, sc_order_manager **out) {
    if (cfg == NULL || out == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    *out = NULL;
    sc_order_manager_config c = *cfg;
    c.id_prefix[SC_ORDER_PREFIX_MAX] = '\0';
    if (c.orders_max == 0) {
        c.orders_max = SC_ORDER_MANAGER_ORDERS_DEFAULT;
    }
    if (c.seq_start == 0) {
        c.seq_start = 1;
    }
    if (!prefix_valid(c.id_prefix) || c.orders_max > SC_ORDER_MANAGER_ORDERS_MAX ||
        c.seq_start < 1 || c.seq_start > SC_ORDER_SEQ_MAX) {
        return SC_ERR_INVALID_ARG;
    }
    sc_order_manager *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        return SC_ERR_NOMEM;
    }
    m->slots = calloc(c.orders_max, sizeof(*m->slots));
    if (m->slots == NULL) {
        free(m);
        return SC_ERR_NOMEM;
    }
    m->cfg = c;
    m->next_seq = c.seq_start;
    SC_ASSERT(m->next_seq >= 1 && m->next_seq <= SC_ORDER_SEQ_MAX);
    SC_ASSERT(m->stats.live_n == 0 && m->slots[0].rec.seq == 0);
    *out = m;
    return SC_OK;
}

void sc_order_manager_destroy(sc_order_manager *m) {
    if (m == NULL) {
        return;
    }
    SC_ASSERT(m->slots != NULL); /* create never hands out a half-built manager */
    free(m->slots);
    free(m);
}

static sc_order_rec *find_seq(const sc_order_manager *m, int64_t seq) {
    SC_ASSERT(m != NULL);
    if (seq < 1) {
        return NULL;
    }
    for (uint32_t i = 0; i < m->cfg.orders_max; i++) {
        if (m->slots[i].rec.seq == seq) {
            SC_ASSERT(state_valid(m->slots[i].rec.state));
            return &m->slots[i].rec;
        }
    }
    return NULL;
}

/* A free slot, else the final order with the smallest seq, else NULL. */
static sc_order_rec *pick_slot(sc_order_manager *m) {
    SC_ASSERT(m != NULL && m->cfg.orders_max > 0);
    sc_order_rec *oldest = NULL;
    for (uint32_t i = 0; i < m->cfg.orders_max; i++) {
        sc_order_rec *r = &m->slots[i].rec;
        if (r->seq == 0) {
            return r;
        }
        if (sc_order_state_is_final(r->state) && (oldest == NULL || r->seq < oldest->seq)) {
            oldest = r;
        }
    }
    SC_ASSERT(oldest != NULL || m->stats.live_n == (int64_t)m->cfg.orders_max);
    return oldest;
}

sc_err sc_order_manager_add(sc_order_manager *m, const sc_order_intent *intent, sc_ns ts_ns,
                            int64_t *seq_out) {
    SC_ASSERT(m != NULL && intent != NULL && seq_out != NULL);
    if (intent->qty.steps <= 0 || intent->px.ticks < 0 || ts_ns < 0 ||
        purpose_letter(intent->purpose) == '\0') {
        return SC_ERR_INVALID_ARG;
    }
    if (m->next_seq > SC_ORDER_SEQ_MAX) {
        return SC_ERR_LIMIT;
    }
    sc_order_rec *r = pick_slot(m);
    if (r == NULL) {
        m->stats.refused_full_n++;
        return SC_ERR_FULL;
    }
    SC_ASSERT(r->seq == 0 || sc_order_state_is_final(r->state)); /* never a live order */
    sc_order_rec rec;
    memset(&rec, 0, sizeof(rec));
    rec.seq = m->next_seq;
    rec.intent = *intent;
    bool ok = sc_order_client_id_format(m->cfg.id_prefix, intent->purpose, rec.seq,
                                        rec.intent.client_id, sizeof(rec.intent.client_id));
    SC_ASSERT(ok); /* the prefix, purpose and seq were all checked */
    rec.state = SC_ORDER_NEW;
    for (int s = 0; s < SC_ORDER_STATE_COUNT; s++) {
        rec.entered_ns[s] = -1;
    }
    rec.entered_ns[SC_ORDER_NEW] = ts_ns;
    rec.last_event_ns = ts_ns;
    rec.cancel_requested_ns = -1;
    *r = rec;
    m->next_seq++;
    m->stats.added_n++;
    m->stats.live_n++;
    SC_ASSERT(m->stats.live_n <= (int64_t)m->cfg.orders_max);
    *seq_out = rec.seq;
    return SC_OK;
}

sc_order_col sc_order_manager_column(const sc_order_rec *o, const sc_order_event *ev) {
    SC_ASSERT(o != NULL && ev != NULL);
    SC_ASSERT((int)ev->kind >= 0 && (int)ev->kind < SC_ORDER_EV_KIND_COUNT);
    static const sc_order_col by_kind[SC_ORDER_EV_KIND_COUNT] = {
        SC_ORDER_COL_SENT,   SC_ORDER_COL_ACK,    SC_ORDER_COL_FILL_PART, SC_ORDER_COL_CANCEL_ACK,
        SC_ORDER_COL_REJECT, SC_ORDER_COL_EXPIRE, SC_ORDER_COL_TIMEOUT,   SC_ORDER_COL_Q_OPEN};
    if (ev->kind == SC_ORDER_EV_FILL) {
        /* Overflow-safe: both are within [0, qty] or validated > 0. */
        bool full = ev->fill.qty.steps >= o->intent.qty.steps - o->filled.steps;
        return full ? SC_ORDER_COL_FILL_FULL : SC_ORDER_COL_FILL_PART;
    }
    if (ev->kind == SC_ORDER_EV_QUERY) {
        SC_ASSERT((int)ev->query.status >= 0 && (int)ev->query.status <= SC_ORDER_QS_NOT_FOUND);
        return (sc_order_col)(SC_ORDER_COL_Q_OPEN + (int)ev->query.status);
    }
    return by_kind[ev->kind];
}

/* Checks the event's own data (outside input): SC_OK or SC_ERR_INVALID_ARG. */
static sc_err validate_event(const sc_order_rec *o, const sc_order_event *ev) {
    SC_ASSERT(o != NULL && ev != NULL);
    if ((int)ev->kind < 0 || (int)ev->kind >= SC_ORDER_EV_KIND_COUNT || ev->ts_ns < 0 ||
        ev->exch_order_id < 0) {
        return SC_ERR_INVALID_ARG;
    }
    if (ev->kind == SC_ORDER_EV_FILL) {
        return (ev->fill.qty.steps > 0 && ev->fill.px.ticks > 0) ? SC_OK : SC_ERR_INVALID_ARG;
    }
    if (ev->kind != SC_ORDER_EV_QUERY) {
        return SC_OK;
    }
    int64_t cum = ev->query.cum_qty.steps;
    int64_t qty = o->intent.qty.steps;
    SC_ASSERT(qty > 0); /* add refused anything else */
    if (cum < 0 || cum > qty || (cum == 0) != (ev->query.cum_cost_ticks_steps == 0) ||
        ev->query.cum_cost_ticks_steps < cum) { /* every fill price is >= 1 tick */
        return SC_ERR_INVALID_ARG;
    }
    switch (ev->query.status) {
    case SC_ORDER_QS_OPEN:
    case SC_ORDER_QS_NOT_FOUND:
        return cum == 0 ? SC_OK : SC_ERR_INVALID_ARG;
    case SC_ORDER_QS_PARTIALLY_FILLED:
        return (cum > 0 && cum < qty) ? SC_OK : SC_ERR_INVALID_ARG;
    case SC_ORDER_QS_FILLED:
        return cum == qty ? SC_OK : SC_ERR_INVALID_ARG;
    case SC_ORDER_QS_CANCELED:
    case SC_ORDER_QS_EXPIRED:
        return cum < qty ? SC_OK : SC_ERR_INVALID_ARG;
    }
    return SC_ERR_INVALID_ARG;
}

/* New fill totals into *r (a copy); SC_ERR_OVERFLOW leaves the order as is. */
static sc_err apply_fill(sc_order_rec *r, const sc_order_event *ev) {
    SC_ASSERT(ev->fill.qty.steps > 0 && ev->fill.px.ticks > 0); /* validated */
    int64_t filled = r->filled.steps + ev->fill.qty.steps;
    /* Overfill: Binance never fills past the quantity, so the gateway counted
     * a trade twice (e.g. TRADE_LITE and ORDER_TRADE_UPDATE of one trade). */
    SC_ASSERT(filled <= r->intent.qty.steps && "overfill");
    int64_t cost = 0;
    int64_t cost_sum = 0;
    int64_t fee = 0;
    if (!sc_mul_i64(ev->fill.px.ticks, ev->fill.qty.steps, &cost) ||
        !sc_add_i64(r->cost_ticks_steps, cost, &cost_sum) ||
        !sc_add_i64(r->fee.e8, ev->fill.fee.e8, &fee)) {
        return SC_ERR_OVERFLOW;
    }
    r->filled.steps = filled;
    r->cost_ticks_steps = cost_sum;
    r->fee.e8 = fee;
    r->fills_n++;
    r->maker_fills_n += ev->fill.maker ? 1 : 0;
    SC_ASSERT(r->filled.steps > 0 && r->cost_ticks_steps >= r->filled.steps);
    return SC_OK;
}

static void copy_reject(sc_order_rec *r, const sc_order_event *ev) {
    SC_ASSERT(r != NULL && ev != NULL && ev->kind == SC_ORDER_EV_REJECT);
    r->reject_code = ev->reject.code;
    memset(r->reject_msg, 0, sizeof(r->reject_msg));
    const char *msg = ev->reject.msg != NULL ? ev->reject.msg : "";
    for (size_t i = 0; i < SC_ORDER_REJECT_MSG_MAX && msg[i] != '\0'; i++) {
        char c = msg[i];
        r->reject_msg[i] = (c >= 0x20 && c < 0x7f) ? c : '?'; /* printable for the logs */
    }
    SC_ASSERT(r->reject_msg[SC_ORDER_REJECT_MSG_MAX] == '\0');
}

/* Takes a query's totals. Fewer than we counted is bad data: the exchange's
 * cumulative quantity never goes down. */
static sc_err apply_query(sc_order_rec *r, const sc_order_event *ev) {
    SC_ASSERT(r->state == SC_ORDER_UNKNOWN);
    if (ev->query.cum_qty.steps < r->filled.steps ||
        (ev->query.cum_qty.steps == r->filled.steps &&
         ev->query.cum_cost_ticks_steps != r->cost_ticks_steps)) {
        return SC_ERR_INVALID_ARG;
    }
    SC_ASSERT(ev->query.cum_qty.steps <= r->intent.qty.steps); /* validated */
    r->filled = ev->query.cum_qty;
    r->cost_ticks_steps = ev->query.cum_cost_ticks_steps;
    SC_ASSERT(r->filled.steps <= r->intent.qty.steps);
    return SC_OK;
}

/* Applies the event's data to the copy r. */
static sc_err apply_payload(sc_order_rec *r, const sc_order_event *ev) {
    SC_ASSERT(r != NULL && ev != NULL);
    SC_ASSERT(!sc_order_state_is_final(r->state) || ev->kind != SC_ORDER_EV_TIMEOUT);
    switch (ev->kind) {
    case SC_ORDER_EV_FILL:
        return apply_fill(r, ev);
    case SC_ORDER_EV_REJECT:
        copy_reject(r, ev);
        return SC_OK;
    case SC_ORDER_EV_QUERY:
        return apply_query(r, ev);
    case SC_ORDER_EV_TIMEOUT:
        /* Ours: from open or partially filled only the cancel can time out. */
        SC_ASSERT(r->state != SC_ORDER_OPEN || r->cancel_requested);
        SC_ASSERT(r->state != SC_ORDER_PARTIALLY_FILLED || r->cancel_requested);
        return SC_OK;
    case SC_ORDER_EV_SUBMIT_SENT:
    case SC_ORDER_EV_ACK:
    case SC_ORDER_EV_CANCEL_ACK:
    case SC_ORDER_EV_EXPIRE:
    case SC_ORDER_EV_KIND_COUNT:
        return SC_OK;
    }
    return SC_OK;
}

static void check_invariants(const sc_order_rec *r) {
    SC_ASSERT(state_valid(r->state));
    SC_ASSERT(r->filled.steps >= 0 && r->filled.steps <= r->intent.qty.steps);
    SC_ASSERT((r->filled.steps == 0) == (r->cost_ticks_steps == 0));
    SC_ASSERT(r->state != SC_ORDER_FILLED || r->filled.steps == r->intent.qty.steps);
    SC_ASSERT(r->state != SC_ORDER_PARTIALLY_FILLED ||
              (r->filled.steps > 0 && r->filled.steps < r->intent.qty.steps));
}

sc_err sc_order_manager_apply(sc_order_manager *m, int64_t seq, const sc_order_event *ev,
                              sc_order_outcome *outcome) {
    SC_ASSERT(m != NULL && ev != NULL);
    sc_order_rec *o = find_seq(m, seq);
    if (o == NULL) {
        return SC_ERR_NOT_FOUND;
    }
    sc_err e = validate_event(o, ev);
    if (e != SC_OK) {
        return e;
    }
    sc_order_col col = sc_order_manager_column(o, ev);
    sc_order_cell cell = k_table[o->state][col];
    SC_ASSERT(state_valid(cell.next));
    SC_ASSERT(cell.kind != SC_ORDER_CELL_ILLEGAL && "illegal order transition");
    sc_order_rec r = *o; /* work on a copy: an error leaves the order untouched */
    r.last_event_ns = ev->ts_ns;
    if (r.exch_order_id == 0) {
        r.exch_order_id = ev->exch_order_id; /* also from stale news: the id never changes */
    }
    sc_order_outcome out = SC_ORDER_APPLIED;
    if (cell.kind == SC_ORDER_CELL_STALE) {
        SC_ASSERT(cell.next == o->state);
        r.stale_n++;
        m->stats.stale_n++;
        out = SC_ORDER_STALE;
    } else {
        e = apply_payload(&r, ev);
        if (e != SC_OK) {
            return e;
        }
        if (cell.kind == SC_ORDER_CELL_ANOMALY) {
            r.anomalies_n++;
            r.last_anomaly_col = col;
            r.last_anomaly_state = o->state;
            m->stats.anomalies_n++;
            out = SC_ORDER_ANOMALY;
        }
        r.state = cell.next;
        if (r.entered_ns[r.state] < 0) {
            r.entered_ns[r.state] = ev->ts_ns;
        }
    }
    check_invariants(&r);
    bool was_final = sc_order_state_is_final(o->state);
    bool is_final = sc_order_state_is_final(r.state);
    m->stats.live_n += (was_final ? 1 : 0) - (is_final ? 1 : 0);
    *o = r;
    SC_ASSERT(m->stats.live_n >= 0 && m->stats.live_n <= (int64_t)m->cfg.orders_max);
    if (outcome != NULL) {
        *outcome = out;
    }
    return SC_OK;
}

sc_err sc_order_manager_request_cancel(sc_order_manager *m, int64_t seq, sc_ns ts_ns) {
    SC_ASSERT(m != NULL);
    SC_ASSERT(ts_ns >= 0);
    sc_order_rec *o = find_seq(m, seq);
    if (o == NULL) {
        return SC_ERR_NOT_FOUND;
    }
    if (o->state != SC_ORDER_OPEN && o->state != SC_ORDER_PARTIALLY_FILLED) {
        return SC_ERR_STATE;
    }
    if (!o->cancel_requested) {
        o->cancel_requested = true;
        o->cancel_requested_ns = ts_ns;
    }
    o->last_event_ns = ts_ns;
    return SC_OK;
}

const sc_order_rec *sc_order_manager_get(const sc_order_manager *m, int64_t seq) {
    const sc_order_rec *r = find_seq(m, seq);
    SC_ASSERT(r == NULL || r->seq == seq);
    return r;
}

sc_err sc_order_manager_find(const sc_order_manager *m, const char *client_id, int64_t *seq_out) {
    SC_ASSERT(m != NULL && seq_out != NULL);
    if (client_id == NULL) {
        return SC_ERR_INVALID_ARG;
    }
    for (uint32_t i = 0; i < m->cfg.orders_max; i++) {
        const sc_order_rec *r = &m->slots[i].rec;
        if (r->seq != 0 && strncmp(r->intent.client_id, client_id, SC_CLIENT_ID_MAX + 1) == 0) {
            SC_ASSERT(state_valid(r->state));
            *seq_out = r->seq;
            return SC_OK;
        }
    }
    return SC_ERR_NOT_FOUND;
}

size_t sc_order_manager_live(const sc_order_manager *m, int64_t *seqs, size_t cap) {
    SC_ASSERT(m != NULL);
    SC_ASSERT(seqs != NULL || cap == 0);
    size_t n = 0;
    for (uint32_t i = 0; i < m->cfg.orders_max; i++) {
        const sc_order_rec *r = &m->slots[i].rec;
        if (r->seq == 0 || sc_order_state_is_final(r->state)) {
            continue;
        }
        /* Insertion into the ascending list, keeping the cap smallest seqs. */
        size_t j = n < cap ? n : cap;
        while (j > 0 && seqs[j - 1] > r->seq) {
            if (j < cap) {
                seqs[j] = seqs[j - 1];
            }
            j--;
        }
        if (j < cap) {
            seqs[j] = r->seq;
        }
        n++;
    }
    SC_ASSERT(n == (size_t)m->stats.live_n);
    return n;
}

bool sc_order_manager_working_entry(const sc_order_manager *m) {
    SC_ASSERT(m != NULL);
    SC_ASSERT(m->stats.live_n >= 0);
    for (uint32_t i = 0; i < m->cfg.orders_max; i++) {
        const sc_order_rec *r = &m->slots[i].rec;
        if (r->seq != 0 && r->intent.purpose == SC_PURPOSE_ENTRY &&
            !sc_order_state_is_final(r->state)) {
            return true;
        }
    }
    return false;
}

size_t sc_order_manager_count(const sc_order_manager *m, sc_order_state s) {
    SC_ASSERT(m != NULL);
    SC_ASSERT(state_valid(s));
    size_t n = 0;
    for (uint32_t i = 0; i < m->cfg.orders_max; i++) {
        const sc_order_rec *r = &m->slots[i].rec;
        n += (r->seq != 0 && r->state == s) ? 1 : 0;
    }
    return n;
}

sc_order_manager_stats sc_order_manager_stats_get(const sc_order_manager *m) {
    SC_ASSERT(m != NULL);
    SC_ASSERT(m->stats.live_n >= 0);
    return m->stats;
}
