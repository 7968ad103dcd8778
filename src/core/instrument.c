#include "core/instrument.h"

#include <string.h>

#include "core/assert.h"

/* Values from exchangeInfo (binance-usdm-reference.md §3.4) and from the
 * recorded captures: spot quantities carry up to 8 decimals in the wire
 * format and older resting orders use steps finer than today's 0.00001, so
 * the spot quantity grid is the wire precision. */
static const sc_instrument k_instruments[] = {
    {"usdm:BTCUSDT", "BTCUSDT", "btcusdt@", SC_VENUE_USDM, 1, 1, 2, 3, 1, 3},
    {"spot:BTCUSDT", "BTCUSDT", "btcusdt@", SC_VENUE_SPOT, 2, 1, 2, 8, 1, 8},
    {"coinm:BTCUSD_PERP", "BTCUSD_PERP", "btcusd_perp@", SC_VENUE_COINM, 1, 1, 1, 0, 1, 0},
};

const sc_instrument *sc_instrument_find(const char *name) {
    if (name == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(k_instruments) / sizeof(k_instruments[0]); i++) {
        if (strcmp(k_instruments[i].name, name) == 0) {
            return &k_instruments[i];
        }
    }
    return NULL;
}

const sc_instrument *sc_instrument_at(size_t i) {
    return i < sizeof(k_instruments) / sizeof(k_instruments[0]) ? &k_instruments[i] : NULL;
}

const char *sc_venue_name(sc_venue v) {
    switch (v) {
    case SC_VENUE_USDM:
        return "usdm";
    case SC_VENUE_SPOT:
        return "spot";
    case SC_VENUE_COINM:
        return "coinm";
    }
    return "?";
}

static sc_err parse_grid(const char *s, size_t len, int scale, int64_t unit, int64_t *out) {
    SC_ASSERT(unit > 0);
    int64_t v;
    sc_err e = sc_dec_parse(s, len, scale, false, &v);
    if (e != SC_OK) {
        return e;
    }
    if (unit == 1) {
        *out = v;
        return SC_OK;
    }
    if (v % unit != 0) {
        return SC_ERR_PRECISION;
    }
    *out = v / unit;
    return SC_OK;
}

sc_err sc_px_parse(const sc_instrument *ins, const char *s, size_t len, sc_px *out) {
    SC_ASSERT(ins != NULL && out != NULL);
    return parse_grid(s, len, ins->px_scale, ins->tick_units, &out->ticks);
}

sc_err sc_qty_parse(const sc_instrument *ins, const char *s, size_t len, sc_qty *out) {
    SC_ASSERT(ins != NULL && out != NULL);
    return parse_grid(s, len, ins->qty_scale, ins->step_units, &out->steps);
}

sc_err sc_money_parse(const char *s, size_t len, bool allow_negative, sc_money *out) {
    SC_ASSERT(out != NULL);
    return sc_dec_parse(s, len, 8, allow_negative, &out->e8);
}

int sc_px_format(const sc_instrument *ins, sc_px px, char *buf, size_t cap) {
    int64_t v;
    if (!sc_mul_i64(px.ticks, ins->tick_units, &v)) {
        return -1;
    }
    return sc_dec_format(v, ins->px_scale, ins->px_text_decimals, buf, cap);
}

int sc_qty_format(const sc_instrument *ins, sc_qty qty, char *buf, size_t cap) {
    int64_t v;
    if (!sc_mul_i64(qty.steps, ins->step_units, &v)) {
        return -1;
    }
    return sc_dec_format(v, ins->qty_scale, ins->qty_text_decimals, buf, cap);
}

int sc_money_format(sc_money m, char *buf, size_t cap) {
    return sc_dec_format(m.e8, 8, 8, buf, cap);
}
