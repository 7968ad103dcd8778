#include "risk/rulebook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/assert.h"
#include "core/limits.h"

/* Hold limits in the config's unit (whole seconds). */
#define HOLD_S_MIN (SC_LIMIT_MIN_HOLD_NS / SC_NS_PER_S)
#define HOLD_S_MAX (SC_LIMIT_MAX_HOLD_NS / SC_NS_PER_S)
_Static_assert(HOLD_S_MIN *SC_NS_PER_S == SC_LIMIT_MIN_HOLD_NS, "min hold is whole seconds");
_Static_assert(HOLD_S_MAX *SC_NS_PER_S == SC_LIMIT_MAX_HOLD_NS, "max hold is whole seconds");
_Static_assert(HOLD_S_MIN <= HOLD_S_MAX, "the hold limits leave room");
_Static_assert(SC_LIMIT_MAX_DAILY_LOSS_BPS <= 10000 && SC_LIMIT_MAX_DRAWDOWN_BPS <= 10000,
               "loss limits are shares of equity");
/* Lot steps of 0.001 BTC (limits.h): position values print at scale 3. */
enum { POSITION_SCALE = 3 };
#define STEPS_PER_BTC 1000.0

struct sc_rulebook {
    sc_rulebook_limits limits;
    sc_ns hold_min_ns;
    sc_ns hold_max_ns;
    bool tightened;
    size_t text_len;
    char text[SC_RULEBOOK_TEXT_MAX];
    char hash[SC_SHA256_HEX_LEN + 1];
};

/* One limit: its config key, its field, how it prints, its floor and
 * ceiling. The compiled limit is hi, except for min hold where it is lo (a
 * config may only raise a minimum). Order = order of the canonical text. */
typedef struct {
    const char *key;
    size_t offset; /* of the int64_t field in sc_rulebook_limits */
    int scale;     /* the field counts 10^-scale of the key's unit */
    int64_t lo;
    int64_t hi;
    bool hard_is_lo;
} limit_def;

#define LIM(key, field, scale, lo, hi, hard_lo)                                                    \
    { key, offsetof(sc_rulebook_limits, field), scale, lo, hi, hard_lo }
static const limit_def k_limits[] = {
    LIM("max_position_btc", position_steps_max, POSITION_SCALE, 1, SC_LIMIT_MAX_POSITION_STEPS,
        false),
    LIM("max_daily_loss_pct", daily_loss_bps_max, 2, 1, SC_LIMIT_MAX_DAILY_LOSS_BPS, false),
    LIM("max_drawdown_pct", drawdown_bps_max, 2, 1, SC_LIMIT_MAX_DRAWDOWN_BPS, false),
    LIM("max_spread_bps", spread_bps_x100_max, 2, 1, SC_LIMIT_MAX_SPREAD_BPS * 100, false),
    LIM("min_hold_s", hold_s_min, 0, HOLD_S_MIN, HOLD_S_MAX, true),
    LIM("max_hold_s", hold_s_max, 0, HOLD_S_MIN, HOLD_S_MAX, false),
    LIM("max_consecutive_losses", consecutive_losses_max, 0, 1, SC_LIMIT_MAX_CONSECUTIVE_LOSSES,
        false),
    LIM("max_leverage", leverage_x100_max, 2, 100, SC_LIMIT_MAX_LEVERAGE_X100, false),
};
#undef LIM
enum { LIMIT_COUNT = sizeof(k_limits) / sizeof(k_limits[0]) };
_Static_assert(LIMIT_COUNT * sizeof(int64_t) == sizeof(sc_rulebook_limits),
               "every field of sc_rulebook_limits is in the table");

static int64_t limit_get(const sc_rulebook_limits *l, const limit_def *d) {
    SC_ASSERT(l != NULL);
    SC_ASSERT(d != NULL);
    SC_ASSERT(d->offset + sizeof(int64_t) <= sizeof(*l));
    int64_t v;
    memcpy(&v, (const char *)l + d->offset, sizeof(v));
    return v;
}

static int64_t limit_hard(const limit_def *d) {
    SC_ASSERT(d->lo <= d->hi);
    return d->hard_is_lo ? d->lo : d->hi;
}

static void limit_text(const limit_def *d, int64_t v, char *buf, size_t cap) {
    SC_ASSERT(cap >= SC_DEC_TEXT_MAX);
    int n = sc_dec_format(v, d->scale, d->scale, buf, cap);
    SC_ASSERT(n > 0);
}

sc_rulebook_limits sc_rulebook_limits_hard(void) {
    sc_rulebook_limits l;
    memset(&l, 0, sizeof(l));
    for (size_t i = 0; i < LIMIT_COUNT; i++) {
        int64_t v = limit_hard(&k_limits[i]);
        memcpy((char *)&l + k_limits[i].offset, &v, sizeof(v));
    }
    SC_ASSERT(l.position_steps_max == SC_LIMIT_MAX_POSITION_STEPS);
    SC_ASSERT(l.hold_s_min * SC_NS_PER_S == SC_LIMIT_MIN_HOLD_NS);
    return l;
}

static sc_err limit_refuse(const limit_def *d, int64_t v, sc_errinfo *err) {
    SC_ASSERT(d != NULL);
    SC_ASSERT(v < d->lo || v > d->hi);
    char field[64];
    char lo[SC_DEC_TEXT_MAX];
    char hi[SC_DEC_TEXT_MAX];
    char got[SC_DEC_TEXT_MAX];
    char expected[SC_ERRINFO_TEXT_MAX];
    limit_text(d, d->lo, lo, sizeof(lo));
    limit_text(d, d->hi, hi, sizeof(hi));
    limit_text(d, v, got, sizeof(got));
    bool loosens = d->hard_is_lo ? v < d->lo : v > d->hi;
    if (loosens) {
        snprintf(expected, sizeof(expected),
                 "at %s %s (the hard limit: a config may only tighten it)",
                 d->hard_is_lo ? "least" : "most", d->hard_is_lo ? lo : hi);
    } else {
        snprintf(expected, sizeof(expected), "%s..%s", lo, hi);
    }
    snprintf(field, sizeof(field), "risk.%s", d->key);
    sc_errinfo_set(err, field, expected, got, strlen(got));
    return SC_ERR_RANGE;
}

sc_err sc_rulebook_limits_check(const sc_rulebook_limits *l, sc_errinfo *err) {
    SC_ASSERT(l != NULL);
    for (size_t i = 0; i < LIMIT_COUNT; i++) {
        const limit_def *d = &k_limits[i];
        int64_t v = limit_get(l, d);
        if (v < d->lo || v > d->hi) {
            return limit_refuse(d, v, err);
        }
    }
    if (l->hold_s_max < l->hold_s_min) {
        char expected[SC_ERRINFO_TEXT_MAX];
        char got[32];
        snprintf(expected, sizeof(expected), "at least risk.min_hold_s (%lld)",
                 (long long)l->hold_s_min);
        int n = snprintf(got, sizeof(got), "%lld", (long long)l->hold_s_max);
        sc_errinfo_set(err, "risk.max_hold_s", expected, got, n > 0 ? (size_t)n : 0);
        return SC_ERR_RANGE;
    }
    return SC_OK;
}

/* The canonical text (see rulebook.h); true when it fits. */
static bool write_text(sc_rulebook *rb) {
    SC_ASSERT(rb != NULL);
    size_t len = 0;
    int n = snprintf(rb->text, sizeof(rb->text), "scalper-rulebook %d\n", SC_RULEBOOK_VERSION);
    SC_ASSERT(n > 0);
    len = (size_t)n;
    for (size_t i = 0; i < LIMIT_COUNT && len < sizeof(rb->text); i++) {
        const limit_def *d = &k_limits[i];
        char eff[SC_DEC_TEXT_MAX];
        char hard[SC_DEC_TEXT_MAX];
        int64_t v = limit_get(&rb->limits, d);
        limit_text(d, v, eff, sizeof(eff));
        limit_text(d, limit_hard(d), hard, sizeof(hard));
        rb->tightened = rb->tightened || v != limit_hard(d);
        n = snprintf(rb->text + len, sizeof(rb->text) - len, "%s = %s (hard %s)\n", d->key, eff,
                     hard);
        SC_ASSERT(n > 0);
        len += (size_t)n;
    }
    rb->text_len = len;
    return len < sizeof(rb->text);
}

sc_err sc_rulebook_create(const sc_rulebook_config *cfg, sc_rulebook **out, sc_errinfo *err) {
    SC_ASSERT(out != NULL);
    sc_rulebook_limits l = cfg != NULL ? cfg->limits : sc_rulebook_limits_hard();
    sc_err e = sc_rulebook_limits_check(&l, err);
    if (e != SC_OK) {
        return e;
    }
    sc_rulebook *rb = calloc(1, sizeof(*rb));
    if (rb == NULL) {
        return SC_ERR_NOMEM;
    }
    rb->limits = l;
    rb->hold_min_ns = l.hold_s_min * SC_NS_PER_S;
    rb->hold_max_ns = l.hold_s_max * SC_NS_PER_S;
    bool fits = write_text(rb);
    SC_ASSERT(fits); /* SC_RULEBOOK_TEXT_MAX is several times the text */
    e = sc_sha256_hex(rb->text, rb->text_len, rb->hash);
    if (e != SC_OK) {
        free(rb);
        return e;
    }
    SC_ASSERT(rb->hold_min_ns >= SC_LIMIT_MIN_HOLD_NS);
    SC_ASSERT(rb->hold_max_ns <= SC_LIMIT_MAX_HOLD_NS);
    *out = rb;
    return SC_OK;
}

void sc_rulebook_destroy(sc_rulebook *rb) {
    free(rb);
}

const sc_rulebook_limits *sc_rulebook_limits_of(const sc_rulebook *rb) {
    SC_ASSERT(rb != NULL);
    return &rb->limits;
}

bool sc_rulebook_is_tightened(const sc_rulebook *rb) {
    SC_ASSERT(rb != NULL);
    return rb->tightened;
}

const char *sc_rulebook_text(const sc_rulebook *rb) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(rb->text_len > 0);
    return rb->text;
}

const char *sc_rulebook_hash(const sc_rulebook *rb) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(strlen(rb->hash) == SC_SHA256_HEX_LEN);
    return rb->hash;
}

sc_ns sc_rulebook_hold_min_ns(const sc_rulebook *rb) {
    SC_ASSERT(rb != NULL);
    return rb->hold_min_ns;
}

sc_ns sc_rulebook_hold_max_ns(const sc_rulebook *rb) {
    SC_ASSERT(rb != NULL);
    return rb->hold_max_ns;
}

/* ---- exact arithmetic ---------------------------------------------------- */

/* a*b as a 128-bit number in (hi, lo), from 32-bit halves. */
static void mul_u64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo) {
    const uint64_t m32 = UINT64_C(0xffffffff);
    uint64_t p0 = (a & m32) * (b & m32);
    uint64_t p1 = (a & m32) * (b >> 32);
    uint64_t p2 = (a >> 32) * (b & m32);
    uint64_t p3 = (a >> 32) * (b >> 32);
    uint64_t mid = (p0 >> 32) + (p1 & m32) + (p2 & m32);
    *lo = (p0 & m32) | (mid << 32);
    *hi = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
    SC_ASSERT(*lo == a * b);       /* the low half is the product modulo 2^64 */
    SC_ASSERT(a == 0 || *hi <= b); /* a*b < 2^64 * b */
}

int sc_rulebook_cmp_products(int64_t a, int64_t b, int64_t c, int64_t d) {
    SC_ASSERT(a >= 0);
    SC_ASSERT(b >= 0);
    SC_ASSERT(c >= 0);
    SC_ASSERT(d >= 0);
    uint64_t h1;
    uint64_t l1;
    uint64_t h2;
    uint64_t l2;
    mul_u64((uint64_t)a, (uint64_t)b, &h1, &l1);
    mul_u64((uint64_t)c, (uint64_t)d, &h2, &l2);
    if (h1 != h2) {
        return h1 < h2 ? -1 : 1;
    }
    return l1 < l2 ? -1 : l1 > l2 ? 1 : 0;
}

bool sc_rulebook_notional_e8(const sc_instrument *ins, sc_px px, int64_t steps, bool round_up,
                             int64_t *out) {
    SC_ASSERT(ins != NULL);
    SC_ASSERT(out != NULL);
    SC_ASSERT(px.ticks >= 0);
    SC_ASSERT(steps > INT64_MIN);
    int64_t p;
    int64_t q;
    int64_t v;
    int64_t mag = steps < 0 ? -steps : steps;
    if (!sc_mul_i64(px.ticks, ins->tick_units, &p) || !sc_mul_i64(mag, ins->step_units, &q) ||
        !sc_mul_i64(p, q, &v)) {
        return false;
    }
    /* v counts 10^-(px_scale + qty_scale) of the quote asset. */
    int exp = 8 - ins->px_scale - ins->qty_scale;
    for (; exp > 0; exp--) {
        if (!sc_mul_i64(v, 10, &v)) {
            return false;
        }
    }
    for (; exp < 0; exp++) {
        v = v / 10 + (round_up && v % 10 != 0 ? 1 : 0);
    }
    *out = v;
    return true;
}

/* ---- checks -------------------------------------------------------------- */

static double steps_btc(int64_t steps) {
    return (double)steps / STEPS_PER_BTC;
}

static double e8_units(int64_t e8) {
    return (double)e8 / 1e8;
}

static int64_t abs_i64(int64_t v) {
    SC_ASSERT(v > INT64_MIN);
    return v < 0 ? -v : v;
}

bool sc_rulebook_check_account(const sc_rulebook *rb, const sc_rulebook_account *a,
                               sc_veto_verdict *v) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(a != NULL);
    SC_ASSERT(v != NULL);
    if (a->equity.e8 > 0 && a->day_start_equity.e8 > 0 && a->peak_equity.e8 > 0) {
        return true;
    }
    return sc_veto_verdict_deny(v, SC_VETO_R_ACCOUNT_INVALID, 0.0, 0.0, NULL,
                                "equity %.2f, start-of-day %.2f, peak %.2f USDT: each must be > 0",
                                e8_units(a->equity.e8), e8_units(a->day_start_equity.e8),
                                e8_units(a->peak_equity.e8));
}

bool sc_rulebook_check_position(const sc_rulebook *rb, int64_t pos_steps, sc_side side, sc_qty qty,
                                sc_veto_verdict *v) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(v != NULL);
    SC_ASSERT(side == SC_SIDE_BUY || side == SC_SIDE_SELL);
    /* A quantity that is not positive is the sanity level's to refuse; here
     * it only must not overflow. */
    int64_t after;
    int64_t q = qty.steps > INT64_MIN ? qty.steps : INT64_MAX;
    int64_t delta = side == SC_SIDE_BUY ? q : -q;
    int64_t max = rb->limits.position_steps_max;
    if (sc_add_i64(pos_steps, delta, &after) && after > INT64_MIN && abs_i64(after) <= max) {
        return true;
    }
    double after_btc = steps_btc(pos_steps) + steps_btc(delta);
    return sc_veto_verdict_deny(
        v, SC_VETO_R_POSITION_LIMIT, after_btc < 0 ? -after_btc : after_btc, steps_btc(max), "BTC",
        "position %.3f BTC %s %.3f BTC = %.3f BTC > max %.3f BTC", steps_btc(pos_steps),
        side == SC_SIDE_BUY ? "+ buy" : "+ sell", steps_btc(qty.steps), after_btc, steps_btc(max));
}

bool sc_rulebook_check_daily_loss(const sc_rulebook *rb, const sc_rulebook_account *a,
                                  sc_veto_verdict *v) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(a != NULL);
    SC_ASSERT(v != NULL);
    int64_t sod = a->day_start_equity.e8;
    int64_t max = rb->limits.daily_loss_bps_max;
    SC_ASSERT(sod > 0); /* sc_rulebook_check_account first */
    int64_t loss;
    if (!sc_add_i64(sod, a->equity.e8 > INT64_MIN ? -a->equity.e8 : INT64_MAX, &loss)) {
        loss = INT64_MAX; /* equity hugely negative: a loss past any limit */
    }
    if (loss <= 0 || sc_rulebook_cmp_products(loss, 10000, max, sod) < 0) {
        return true;
    }
    double pct = (double)loss / (double)sod * 100.0;
    return sc_veto_verdict_deny(
        v, SC_VETO_R_DAILY_LOSS, pct, (double)max / 100.0, "%",
        "daily loss %.2f %% of start-of-day equity %.2f USDT >= max %.2f %%", pct, e8_units(sod),
        (double)max / 100.0);
}

bool sc_rulebook_check_drawdown(const sc_rulebook *rb, const sc_rulebook_account *a,
                                sc_veto_verdict *v) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(a != NULL);
    SC_ASSERT(v != NULL);
    int64_t eq = a->equity.e8;
    int64_t peak = a->peak_equity.e8 > eq ? a->peak_equity.e8 : eq;
    int64_t max = rb->limits.drawdown_bps_max;
    SC_ASSERT(peak > 0); /* sc_rulebook_check_account first */
    int64_t dd;
    if (!sc_add_i64(peak, eq > INT64_MIN ? -eq : INT64_MAX, &dd)) {
        dd = INT64_MAX;
    }
    if (dd <= 0 || sc_rulebook_cmp_products(dd, 10000, max, peak) < 0) {
        return true;
    }
    double pct = (double)dd / (double)peak * 100.0;
    return sc_veto_verdict_deny(v, SC_VETO_R_DRAWDOWN, pct, (double)max / 100.0, "%",
                                "drawdown %.2f %% from peak equity %.2f USDT >= max %.2f %%", pct,
                                e8_units(peak), (double)max / 100.0);
}

bool sc_rulebook_check_losses(const sc_rulebook *rb, const sc_rulebook_account *a,
                              sc_veto_verdict *v) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(a != NULL);
    SC_ASSERT(v != NULL);
    int64_t n = a->consecutive_losses;
    int64_t max = rb->limits.consecutive_losses_max;
    SC_ASSERT(max >= 1);
    if (n < max) {
        return true;
    }
    return sc_veto_verdict_deny(v, SC_VETO_R_CONSECUTIVE_LOSSES, (double)n, (double)max, "trades",
                                "%lld losing trades in a row >= max %lld", (long long)n,
                                (long long)max);
}

bool sc_rulebook_check_spread(const sc_rulebook *rb, sc_px bid, sc_px ask, sc_veto_verdict *v) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(v != NULL);
    int64_t max = rb->limits.spread_bps_x100_max;
    SC_ASSERT(max >= 1);
    SC_ASSERT(max <= SC_LIMIT_MAX_SPREAD_BPS * 100);
    int64_t sum;
    if (bid.ticks <= 0 || ask.ticks <= bid.ticks || !sc_add_i64(bid.ticks, ask.ticks, &sum)) {
        return sc_veto_verdict_deny(v, SC_VETO_R_SPREAD_LIMIT, 0.0, 0.0, NULL,
                                    "no valid best bid and ask (bid %lld, ask %lld ticks)",
                                    (long long)bid.ticks, (long long)ask.ticks);
    }
    /* spread_bps_x100 = (ask - bid) / mid * 1e6 = (ask - bid) * 2e6 / (ask + bid) */
    int64_t width = ask.ticks - bid.ticks;
    if (sc_rulebook_cmp_products(width, 2000000, max, sum) <= 0) {
        return true;
    }
    double bps = (double)width * 2e4 / (double)sum;
    return sc_veto_verdict_deny(v, SC_VETO_R_SPREAD_LIMIT, bps, (double)max / 100.0, "bps",
                                "spread %.2f bps > max %.2f bps", bps, (double)max / 100.0);
}

bool sc_rulebook_check_leverage(const sc_rulebook *rb, const sc_instrument *ins,
                                int64_t pos_after_steps, sc_px px, const sc_rulebook_account *a,
                                sc_veto_verdict *v) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(ins != NULL);
    SC_ASSERT(a != NULL);
    SC_ASSERT(v != NULL);
    int64_t max = rb->limits.leverage_x100_max;
    int64_t eq = a->equity.e8;
    SC_ASSERT(eq > 0); /* sc_rulebook_check_account first */
    int64_t notional;
    if (px.ticks < 0 || pos_after_steps == INT64_MIN ||
        !sc_rulebook_notional_e8(ins, px, pos_after_steps, true, &notional)) {
        return sc_veto_verdict_deny(v, SC_VETO_R_LEVERAGE, 0.0, 0.0, NULL,
                                    "position %lld steps at %lld ticks has no int64 notional",
                                    (long long)pos_after_steps, (long long)px.ticks);
    }
    if (sc_rulebook_cmp_products(notional, 100, max, eq) <= 0) {
        return true;
    }
    double lev = (double)notional / (double)eq;
    return sc_veto_verdict_deny(
        v, SC_VETO_R_LEVERAGE, lev, (double)max / 100.0, "x",
        "leverage %.4fx (notional %.2f USDT / equity %.2f USDT) > max %.2fx", lev,
        e8_units(notional), e8_units(eq), (double)max / 100.0);
}

static double held_s(const sc_position *pos, sc_ns now_ns) {
    return (double)(now_ns - pos->opened_ns) / (double)SC_NS_PER_S;
}

bool sc_rulebook_check_min_hold(const sc_rulebook *rb, const sc_position *pos,
                                sc_order_purpose purpose, sc_ns now_ns, sc_veto_verdict *v) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(pos != NULL);
    SC_ASSERT(v != NULL);
    SC_ASSERT(rb->hold_min_ns >= SC_LIMIT_MIN_HOLD_NS);
    /* Protective exits and flatten orders are never held back: a stop-loss
     * that waits for the min hold is not a stop-loss. */
    if (purpose != SC_PURPOSE_EXIT || sc_position_is_flat(pos)) {
        return true;
    }
    /* A time before the open (it cannot happen with event time) counts as
     * no time held: fail closed. */
    if (now_ns >= pos->opened_ns && now_ns - pos->opened_ns >= rb->hold_min_ns) {
        return true;
    }
    double held = now_ns >= pos->opened_ns ? held_s(pos, now_ns) : 0.0;
    return sc_veto_verdict_deny(
        v, SC_VETO_R_MIN_HOLD, held, (double)rb->limits.hold_s_min, "s",
        "exit after %.3f s < min hold %lld s (only protective exits may close sooner)", held,
        (long long)rb->limits.hold_s_min);
}

bool sc_rulebook_max_hold_due(const sc_rulebook *rb, const sc_position *pos, sc_ns now_ns) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(pos != NULL);
    SC_ASSERT(rb->hold_max_ns <= SC_LIMIT_MAX_HOLD_NS);
    return !sc_position_is_flat(pos) && now_ns >= pos->opened_ns &&
           now_ns - pos->opened_ns >= rb->hold_max_ns;
}

bool sc_rulebook_check_max_hold(const sc_rulebook *rb, const sc_position *pos,
                                sc_order_purpose purpose, sc_ns now_ns, sc_veto_verdict *v) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(pos != NULL);
    SC_ASSERT(v != NULL);
    if (purpose != SC_PURPOSE_ENTRY || !sc_rulebook_max_hold_due(rb, pos, now_ns)) {
        return true;
    }
    double held = held_s(pos, now_ns);
    SC_ASSERT(held >= 0.0);
    return sc_veto_verdict_deny(v, SC_VETO_R_MAX_HOLD, held, (double)rb->limits.hold_s_max, "s",
                                "position held %.3f s >= max hold %lld s: it must be closed, "
                                "no entry",
                                held, (long long)rb->limits.hold_s_max);
}

static bool check_entry(const sc_rulebook *rb, const sc_rulebook_input *in, sc_veto_verdict *v) {
    const sc_order_intent *it = in->intent;
    const sc_rulebook_account *a = &in->account;
    SC_ASSERT(it->purpose == SC_PURPOSE_ENTRY);
    SC_ASSERT(in->ins != NULL);
    if (!sc_rulebook_check_max_hold(rb, &in->pos, it->purpose, in->now_ns, v) ||
        !sc_rulebook_check_account(rb, a, v) || !sc_rulebook_check_daily_loss(rb, a, v) ||
        !sc_rulebook_check_drawdown(rb, a, v) || !sc_rulebook_check_losses(rb, a, v) ||
        !sc_rulebook_check_spread(rb, in->bid, in->ask, v) ||
        !sc_rulebook_check_position(rb, in->pos.qty_steps, it->side, it->qty, v)) {
        return false;
    }
    /* The position check passed, so the sum fits and is within the max. */
    int64_t q = it->qty.steps;
    int64_t after = in->pos.qty_steps + (it->side == SC_SIDE_BUY ? q : -q);
    SC_ASSERT(abs_i64(after) <= rb->limits.position_steps_max);
    return sc_rulebook_check_leverage(rb, in->ins, after, it->px, a, v);
}

bool sc_rulebook_check(const sc_rulebook *rb, const sc_rulebook_input *in, sc_veto_verdict *v) {
    SC_ASSERT(rb != NULL);
    SC_ASSERT(in != NULL);
    SC_ASSERT(v != NULL);
    SC_ASSERT(in->intent != NULL);
    SC_ASSERT(in->now_ns >= 0);
    switch (in->intent->purpose) {
    case SC_PURPOSE_ENTRY:
        return check_entry(rb, in, v);
    case SC_PURPOSE_EXIT:
        return sc_rulebook_check_min_hold(rb, &in->pos, in->intent->purpose, in->now_ns, v);
    case SC_PURPOSE_PROTECTIVE_EXIT:
    case SC_PURPOSE_FLATTEN:
        return true;
    }
    SC_ASSERT(!"unknown order purpose");
    return false;
}
