/* instrument.h: the trading rules of an instrument, as data.
 *
 * A price grid is (px_scale, tick_units): prices are integers at 10^-px_scale
 * and must be multiples of tick_units there. BTCUSDT on USD-M has tick 0.10:
 * px_scale 1, tick_units 1. Quantities likewise with qty_scale and step_units.
 * The known instruments live in one table in instrument.c; nothing else in
 * the code base knows a tick size.
 *
 * Thread: any. Allocates: nothing.
 */
#ifndef SC_CORE_INSTRUMENT_H
#define SC_CORE_INSTRUMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "core/fixed.h"

typedef enum {
    SC_VENUE_USDM = 0, /* USD-M futures: depth has pu and T */
    SC_VENUE_SPOT = 1, /* spot: no pu, bookTicker without e/E/T */
    SC_VENUE_COINM = 2 /* COIN-M futures: like USD-M plus "ps", qty in contracts */
} sc_venue;

enum { SC_SYMBOL_MAX = 24 };

typedef struct {
    const char *name;          /* our name, e.g. "usdm:BTCUSDT" */
    const char *symbol;        /* exchange symbol as in "s", e.g. "BTCUSDT" */
    const char *stream_prefix; /* lower-case prefix of stream names, "btcusdt@" */
    sc_venue venue;
    int px_scale;          /* decimal digits of the price grid */
    int64_t tick_units;    /* tick in units of 10^-px_scale */
    int px_text_decimals;  /* digits written when printing a price */
    int qty_scale;         /* decimal digits of the quantity grid */
    int64_t step_units;    /* step in units of 10^-qty_scale */
    int qty_text_decimals; /* digits written when printing a quantity */
} sc_instrument;

/* The table of known instruments; NULL when name is unknown. Names are
 * "usdm:BTCUSDT", "spot:BTCUSDT", "coinm:BTCUSD_PERP". */
const sc_instrument *sc_instrument_find(const char *name);
/* Entry i of the table, or NULL past its end (for listing in --help). */
const sc_instrument *sc_instrument_at(size_t i);
const char *sc_venue_name(sc_venue v);

/* Decimal text to the instrument's grid. SC_ERR_PRECISION when the value is
 * off the grid, SC_ERR_RANGE for a negative value. */
sc_err sc_px_parse(const sc_instrument *ins, const char *s, size_t len, sc_px *out);
sc_err sc_qty_parse(const sc_instrument *ins, const char *s, size_t len, sc_qty *out);
/* Quote-asset amounts and derived prices (mark, index) at 1e-8. */
sc_err sc_money_parse(const char *s, size_t len, bool allow_negative, sc_money *out);

/* Decimal text of a price or quantity with the instrument's text decimals.
 * Returns the length, or -1 when cap is too small. */
int sc_px_format(const sc_instrument *ins, sc_px px, char *buf, size_t cap);
int sc_qty_format(const sc_instrument *ins, sc_qty qty, char *buf, size_t cap);
int sc_money_format(sc_money m, char *buf, size_t cap);

#endif
