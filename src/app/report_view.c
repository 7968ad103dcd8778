/* The filter, figures and text forms of `scalper report`. */
#include "app/report_view.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/assert.h"
#include "core/instrument.h"
#include "strategy/signal.h"

/* ---- filter ------------------------------------------------------------------ */

void sc_report_filter_any(sc_report_filter *f) {
    SC_ASSERT(f != NULL);
    memset(f, 0, sizeof(*f));
    f->side = -1;
    f->hour_from = -1;
    f->hour_to = -1;
}

bool sc_report_parse_label(const char *name, uint32_t *bit_out) {
    SC_ASSERT(name != NULL && bit_out != NULL);
    for (int l = 0; l < SC_BLUNDER_LABEL_COUNT; l++) {
        if (strcmp(name, sc_blunder_label_name((sc_blunder_label)l)) == 0) {
            *bit_out = SC_BLUNDER_BIT(l);
            return true;
        }
    }
    return false;
}

bool sc_report_parse_regime(const char *name, sc_report_filter *f) {
    SC_ASSERT(name != NULL && f != NULL);
    for (int r = 0; r < SC_REGIME_COUNT; r++) {
        const char *known = sc_regime_name((sc_regime)r);
        if (strcmp(name, known) == 0) {
            _Static_assert(SC_TRADE_STORE_REGIME_MAX + 1 > 16, "every regime name fits");
            snprintf(f->regime, sizeof(f->regime), "%s", known);
            return true;
        }
    }
    return false;
}

bool sc_report_parse_side(const char *name, sc_report_filter *f) {
    SC_ASSERT(name != NULL && f != NULL);
    if (strcmp(name, "buy") == 0 || strcmp(name, "long") == 0) {
        f->side = SC_SIDE_BUY;
    } else if (strcmp(name, "sell") == 0 || strcmp(name, "short") == 0) {
        f->side = SC_SIDE_SELL;
    } else {
        return false;
    }
    return true;
}

/* One hour 0..23 from s[0..n): one or two decimal digits. */
static bool parse_hour(const char *s, size_t n, int *out) {
    if (n < 1 || n > 2) {
        return false;
    }
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    if (v >= SC_REPORT_HOURS) {
        return false;
    }
    *out = v;
    return true;
}

bool sc_report_parse_hours(const char *text, sc_report_filter *f) {
    SC_ASSERT(text != NULL && f != NULL);
    const char *dash = strchr(text, '-');
    int from = 0;
    int to = 0;
    if (dash == NULL) {
        if (!parse_hour(text, strlen(text), &from)) {
            return false;
        }
        to = from;
    } else if (!parse_hour(text, (size_t)(dash - text), &from) ||
               !parse_hour(dash + 1, strlen(dash + 1), &to)) {
        return false;
    }
    f->hour_from = from;
    f->hour_to = to;
    return true;
}

static const char *join_names(const char *(*name_of)(int), int n, char *buf, size_t cap) {
    SC_ASSERT(buf != NULL && cap > 0);
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        int k = snprintf(buf + used, cap - used, "%s%s", i == 0 ? "" : ", ", name_of(i));
        if (k < 0 || (size_t)k >= cap - used) {
            break; /* cut: the text is for people */
        }
        used += (size_t)k;
    }
    return buf;
}

static const char *label_name_at(int i) {
    return sc_blunder_label_name((sc_blunder_label)i);
}

static const char *regime_name_at(int i) {
    return sc_regime_name((sc_regime)i);
}

const char *sc_report_label_names(char *buf, size_t cap) {
    return join_names(label_name_at, SC_BLUNDER_LABEL_COUNT, buf, cap);
}

const char *sc_report_regime_names(char *buf, size_t cap) {
    return join_names(regime_name_at, SC_REGIME_COUNT, buf, cap);
}

bool sc_report_filter_is_any(const sc_report_filter *f) {
    SC_ASSERT(f != NULL);
    return f->labels == 0 && f->regime[0] == '\0' && f->side < 0 && f->hour_from < 0;
}

static bool hour_in(const sc_report_filter *f, int h) {
    SC_ASSERT(f->hour_from >= 0 && f->hour_from < SC_REPORT_HOURS);
    SC_ASSERT(f->hour_to >= 0 && f->hour_to < SC_REPORT_HOURS);
    if (f->hour_from <= f->hour_to) {
        return h >= f->hour_from && h <= f->hour_to;
    }
    return h >= f->hour_from || h <= f->hour_to; /* e.g. 22-2: 22, 23, 0, 1, 2 */
}

bool sc_report_filter_match(const sc_report_filter *f, const sc_trade_ctx_row *r) {
    SC_ASSERT(f != NULL && r != NULL);
    const sc_risk_trade *t = &r->row.trade;
    if ((r->labels & f->labels) != f->labels) {
        return false;
    }
    if (f->regime[0] != '\0' && strcmp(f->regime, r->regime) != 0) {
        return false;
    }
    if (f->side >= 0 && (int)t->side != f->side) {
        return false;
    }
    return f->hour_from < 0 || hour_in(f, sc_report_hour_utc(t->opened_ns));
}

json_t *sc_report_filter_json(const sc_report_filter *f) {
    SC_ASSERT(f != NULL);
    json_t *o = json_object();
    json_t *labels = json_array();
    for (int l = 0; l < SC_BLUNDER_LABEL_COUNT; l++) {
        if ((f->labels & SC_BLUNDER_BIT(l)) != 0) {
            json_array_append_new(labels, json_string(label_name_at(l)));
        }
    }
    json_object_set_new(o, "labels", labels);
    json_object_set_new(o, "regime", f->regime[0] != '\0' ? json_string(f->regime) : json_null());
    json_object_set_new(o, "side",
                        f->side < 0 ? json_null()
                                    : json_string(f->side == SC_SIDE_BUY ? "long" : "short"));
    json_object_set_new(o, "hours_utc",
                        f->hour_from < 0 ? json_null()
                                         : json_sprintf("%d-%d", f->hour_from, f->hour_to));
    return o;
}

/* ---- summary ----------------------------------------------------------------- */

bool sc_report_summary_add(sc_report_summary *s, const sc_risk_trade *t) {
    SC_ASSERT(s != NULL && t != NULL);
    SC_ASSERT(t->hold_ns >= 0);
    const sc_money *win = t->net_pnl.e8 > 0 ? &t->net_pnl : NULL;
    int64_t loss = t->net_pnl.e8 < 0 ? t->net_pnl.e8 : 0;
    bool ok = sc_add_i64(s->net.e8, t->net_pnl.e8, &s->net.e8) &&
              sc_add_i64(s->gross.e8, t->realized_pnl.e8, &s->gross.e8) &&
              sc_add_i64(s->fees.e8, t->fees.e8, &s->fees.e8) &&
              sc_add_i64(s->funding.e8, t->funding.e8, &s->funding.e8) &&
              sc_add_i64(s->win_sum.e8, win != NULL ? win->e8 : 0, &s->win_sum.e8) &&
              loss != INT64_MIN && sc_add_i64(s->loss_sum.e8, -loss, &s->loss_sum.e8) &&
              sc_add_i64(s->hold_sum_ns, t->hold_ns, &s->hold_sum_ns);
    s->overflow = s->overflow || !ok;
    s->trades++;
    if (t->outcome == SC_RISK_TRADE_WIN) {
        s->wins++;
        s->loss_streak = 0;
    } else if (t->outcome == SC_RISK_TRADE_LOSS) {
        s->losses++;
        s->loss_streak++;
    } else {
        s->scratches++; /* the streak neither grows nor ends */
    }
    s->loss_streak_max = s->loss_streak > s->loss_streak_max ? s->loss_streak : s->loss_streak_max;
    SC_ASSERT(s->wins + s->losses + s->scratches == s->trades);
    return ok;
}

static json_t *money_json(int64_t e8) {
    char buf[SC_REPORT_NUM_TEXT_MAX];
    return json_string(sc_report_money(e8, buf, sizeof(buf)));
}

static json_t *ratio_json(int64_t num, int64_t den) {
    return den > 0 ? json_real((double)num / (double)den) : json_null();
}

json_t *sc_report_summary_json(const sc_report_summary *s) {
    SC_ASSERT(s != NULL && !s->overflow);
    json_t *o = json_object();
    json_object_set_new(o, "trades", json_integer((json_int_t)s->trades));
    json_object_set_new(o, "wins", json_integer((json_int_t)s->wins));
    json_object_set_new(o, "losses", json_integer((json_int_t)s->losses));
    json_object_set_new(o, "scratches", json_integer((json_int_t)s->scratches));
    json_object_set_new(o, "win_rate", ratio_json(s->wins, s->trades));
    json_object_set_new(o, "net_pnl_usdt", money_json(s->net.e8));
    json_object_set_new(o, "gross_pnl_usdt", money_json(s->gross.e8));
    json_object_set_new(o, "fees_usdt", money_json(s->fees.e8));
    json_object_set_new(o, "funding_usdt", money_json(s->funding.e8));
    json_object_set_new(o, "profit_factor", ratio_json(s->win_sum.e8, s->loss_sum.e8));
    json_object_set_new(o, "expectancy_usdt",
                        s->trades > 0 ? money_json(s->net.e8 / s->trades) : json_null());
    char buf[SC_REPORT_NUM_TEXT_MAX];
    int n = sc_dec_format(s->trades > 0 ? s->hold_sum_ns / s->trades / SC_NS_PER_MS : 0, 3, 3, buf,
                          sizeof(buf));
    SC_ASSERT(n > 0);
    json_object_set_new(o, "avg_hold_s", s->trades > 0 ? json_string(buf) : json_null());
    json_object_set_new(o, "max_consecutive_losses", json_integer((json_int_t)s->loss_streak_max));
    return o;
}

/* ---- text forms -------------------------------------------------------------- */

const char *sc_report_utc(sc_ns ts, char *buf, size_t cap) {
    SC_ASSERT(buf != NULL && cap > 0);
    time_t secs = (time_t)(ts / SC_NS_PER_S);
    struct tm tm;
    char day[24];
    if (ts < 0 || gmtime_r(&secs, &tm) == NULL ||
        strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(buf, cap, "-");
        return buf;
    }
    snprintf(buf, cap, "%s.%03dZ", day, (int)(ts % SC_NS_PER_S / SC_NS_PER_MS));
    return buf;
}

int sc_report_hour_utc(sc_ns ts) {
    SC_ASSERT(ts >= 0);
    int h = (int)(ts / SC_NS_PER_S % 86400 / 3600); /* UTC days have 86400 s (no leap seconds) */
    SC_ASSERT(h >= 0 && h < SC_REPORT_HOURS);
    return h;
}

const char *sc_report_money(int64_t e8, char *buf, size_t cap) {
    int n = sc_dec_format(e8, 8, 8, buf, cap);
    SC_ASSERT(n > 0); /* every int64 fits SC_REPORT_NUM_TEXT_MAX */
    return buf;
}

const char *sc_report_e8_short(int64_t e8, char *buf, size_t cap) {
    size_t n = strlen(sc_report_money(e8, buf, cap));
    const char *point = strchr(buf, '.');
    SC_ASSERT(point != NULL);
    size_t keep = (size_t)(point - buf) + 2; /* at least one decimal */
    while (n > keep && buf[n - 1] == '0') {
        buf[--n] = '\0';
    }
    return buf;
}

static void labels_text(const sc_trade_ctx_row *r, char *buf, size_t cap) {
    size_t used = 0;
    buf[0] = '\0';
    for (int l = 0; l < SC_BLUNDER_LABEL_COUNT; l++) {
        if ((r->labels & SC_BLUNDER_BIT(l)) == 0) {
            continue;
        }
        int k = snprintf(buf + used, cap - used, "%s%s", used == 0 ? "" : ",", label_name_at(l));
        SC_ASSERT(k > 0 && (size_t)k < cap - used); /* sized for every label */
        used += (size_t)k;
    }
    if (r->labels_other > 0) {
        snprintf(buf + used, cap - used, "%s+%u", used == 0 ? "" : ",", (unsigned)r->labels_other);
    } else if (used == 0) {
        snprintf(buf, cap, "-");
    }
}

void sc_report_trade_text_of(const sc_trade_ctx_row *r, sc_report_trade_text *out) {
    SC_ASSERT(r != NULL && out != NULL);
    const sc_risk_trade *t = &r->row.trade;
    snprintf(out->seq, sizeof(out->seq), "%lld", (long long)t->seq);
    out->side = t->side == SC_SIDE_BUY ? "long" : "short";
    sc_report_utc(t->opened_ns, out->entry_utc, sizeof(out->entry_utc));
    sc_report_utc(t->closed_ns, out->exit_utc, sizeof(out->exit_utc));
    int n = sc_dec_format(t->hold_ns / SC_NS_PER_MS, 3, 3, out->hold_s, sizeof(out->hold_s));
    SC_ASSERT(n > 0);
    sc_report_e8_short(t->entry_avg_px.e8, out->entry_px, sizeof(out->entry_px));
    sc_report_e8_short(t->exit_avg_px.e8, out->exit_px, sizeof(out->exit_px));
    const sc_instrument *ins = sc_instrument_find("usdm:BTCUSDT");
    SC_ASSERT(ins != NULL);
    if (sc_qty_format(ins, (sc_qty){t->entry_qty_steps}, out->qty_btc, sizeof(out->qty_btc)) < 0) {
        snprintf(out->qty_btc, sizeof(out->qty_btc), "?");
    }
    sc_report_money(t->realized_pnl.e8, out->gross, sizeof(out->gross));
    sc_report_money(t->fees.e8, out->fees, sizeof(out->fees));
    sc_report_money(t->net_pnl.e8, out->net, sizeof(out->net));
    labels_text(r, out->labels, sizeof(out->labels));
}
