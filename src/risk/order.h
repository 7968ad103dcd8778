/* order.h: the order vocabulary shared by the risk and execution layers.
 *
 * An order intent is what the engine wants to send: it passes the veto gate
 * before the order manager may act on it. A position is exact: signed lot
 * steps and the exact cost basis (ticks x steps), so its average price never
 * passes through floating point.
 */
#ifndef SC_RISK_ORDER_H
#define SC_RISK_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/fixed.h"
#include "core/time.h"
#include "market/event.h"

typedef enum { SC_ORD_LIMIT = 0, SC_ORD_MARKET = 1 } sc_order_type;

typedef enum {
    SC_TIF_GTC = 0, /* good till cancel */
    SC_TIF_IOC = 1, /* immediate or cancel */
    SC_TIF_GTX = 2  /* post-only: rejected if it would take liquidity */
} sc_tif;

typedef enum {
    SC_PURPOSE_ENTRY = 0,
    SC_PURPOSE_EXIT = 1, /* take profit or signal exit */
    SC_PURPOSE_PROTECTIVE_EXIT =
        2,                 /* stop loss, trailing stop, max hold: never blocked by min hold */
    SC_PURPOSE_FLATTEN = 3 /* kill switch or shutdown: reduce-only, never blocked */
} sc_order_purpose;

/* Binance: newClientOrderId is 1..36 characters of [A-Za-z0-9.:/_-]. */
enum { SC_CLIENT_ID_MAX = 36 };

typedef struct {
    char client_id[SC_CLIENT_ID_MAX + 1];
    sc_side side;
    sc_order_type type;
    sc_tif tif;
    sc_px px; /* limit price; for market orders the reference price used by checks */
    sc_qty qty;
    bool reduce_only;
    sc_order_purpose purpose;
    sc_px stop_px;   /* entries: the protective stop, on the losing side */
    sc_px target_px; /* entries: the take profit, on the winning side */
    sc_ns ts_ns;     /* event time at which it was decided */
    int64_t params_version;
} sc_order_intent;

/* A position: qty_steps > 0 long, < 0 short, 0 flat. cost is the signed sum
 * of fill px ticks x qty steps of the open quantity (exact). */
typedef struct {
    int64_t qty_steps;
    int64_t cost_ticks_steps;
    sc_ns opened_ns; /* when it last went from flat to open; 0 when flat */
} sc_position;

static inline bool sc_position_is_flat(const sc_position *p) {
    return p->qty_steps == 0;
}

const char *sc_order_type_name(sc_order_type t);
const char *sc_tif_name(sc_tif t);
const char *sc_order_purpose_name(sc_order_purpose p);
/* True when the min-hold rule must never block an order of this purpose. */
bool sc_order_purpose_is_protective(sc_order_purpose p);
/* True when s is a valid Binance client order id. */
bool sc_client_id_valid(const char *s);

#endif
