#include "market/event.h"

const char *sc_ev_kind_name(sc_ev_kind k) {
    switch (k) {
    case SC_EV_NONE:
        return "none";
    case SC_EV_DEPTH:
        return "depth";
    case SC_EV_SNAPSHOT:
        return "snapshot";
    case SC_EV_BOOK_TICKER:
        return "book_ticker";
    case SC_EV_TRADE:
        return "trade";
    case SC_EV_AGG_TRADE:
        return "agg_trade";
    case SC_EV_MARK_PRICE:
        return "mark_price";
    case SC_EV_KLINE:
        return "kline";
    }
    return "?";
}
