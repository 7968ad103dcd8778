/* decoder.h: Binance market-data JSON to sc_event, exactly and fast.
 *
 * Accepts, per line of a capture or per WebSocket frame:
 *  - the combined-stream envelope {"stream":"<name>","data":{...}} and the
 *    bare event object of raw mode;
 *  - depthUpdate (USD-M with T and pu; spot without; COIN-M with ps),
 *    bookTicker (spot: no e/E/T), trade, aggTrade, markPriceUpdate, kline;
 *  - the bare REST depth snapshot {"lastUpdateId":..,"bids":..,"asks":..}.
 * Prices and quantities go straight from their decimal text onto the
 * instrument's grid; nothing passes through floating point.
 *
 * Outcomes: SC_OK with *out filled; SC_ERR_UNKNOWN_STREAM for a well-formed
 * message of a stream we do not use, or of another symbol (skip and count);
 * SC_ERR_PARSE / SC_ERR_PRECISION / SC_ERR_OVERFLOW / SC_ERR_RANGE /
 * SC_ERR_LIMIT for malformed input, with err->field, expected and got set
 * (the caller adds file and line). Malformed input never crashes and never
 * yields a partial event.
 *
 * The JSON reader is our own, specialised to these messages: a strict
 * RFC 8259 scanner (any valid JSON is walked, unknown keys are skipped,
 * strings with escapes are handled) that converts only the fields it needs.
 * Nesting is bounded by SC_DECODER_DEPTH_MAX.
 *
 * Thread: one owner. Allocates: in create only (level scratch). The level
 * arrays of the returned event live in that scratch until the next call.
 */
#ifndef SC_MARKET_DECODER_H
#define SC_MARKET_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/instrument.h"
#include "market/event.h"

enum {
    SC_DECODER_LEVELS_DEFAULT = 5000, /* per side per message (spot snapshots reach 5000) */
    SC_DECODER_LEVELS_MAX = 1 << 20,
    SC_DECODER_DEPTH_MAX = 16,        /* JSON nesting bound */
    SC_DECODER_MESSAGE_MAX = 64 << 20 /* longest message accepted */
};

typedef struct sc_decoder sc_decoder;

typedef struct {
    const sc_instrument *ins; /* required: grid and symbol to accept */
    uint32_t levels_max;      /* 0 = default */
} sc_decoder_config;

sc_err sc_decoder_create(const sc_decoder_config *cfg, sc_decoder **out);
void sc_decoder_destroy(sc_decoder *d);

/* Decodes one message. ts_local_ns is copied into out->ts_local_ns. */
sc_err sc_decoder_decode(sc_decoder *d, const char *json, size_t len, sc_ns ts_local_ns,
                         sc_event *out, sc_errinfo *err);

/* Guesses the instrument of a capture from one of its lines: the stream
 * prefix picks the symbol; spot vs USD-M is told by a depthUpdate without
 * "pu", a bookTicker without "e", or a snapshot without "E". Returns NULL
 * when this line cannot tell. */
const sc_instrument *sc_decoder_sniff_instrument(const char *json, size_t len);

#endif
