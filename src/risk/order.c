#include "risk/order.h"

#include <string.h>

const char *sc_order_type_name(sc_order_type t) {
    switch (t) {
    case SC_ORD_LIMIT:
        return "LIMIT";
    case SC_ORD_MARKET:
        return "MARKET";
    }
    return "?";
}

const char *sc_tif_name(sc_tif t) {
    switch (t) {
    case SC_TIF_GTC:
        return "GTC";
    case SC_TIF_IOC:
        return "IOC";
    case SC_TIF_GTX:
        return "GTX";
    }
    return "?";
}

const char *sc_order_purpose_name(sc_order_purpose p) {
    switch (p) {
    case SC_PURPOSE_ENTRY:
        return "entry";
    case SC_PURPOSE_EXIT:
        return "exit";
    case SC_PURPOSE_PROTECTIVE_EXIT:
        return "protective_exit";
    case SC_PURPOSE_FLATTEN:
        return "flatten";
    }
    return "?";
}

bool sc_order_purpose_is_protective(sc_order_purpose p) {
    return p == SC_PURPOSE_PROTECTIVE_EXIT || p == SC_PURPOSE_FLATTEN;
}

bool sc_client_id_valid(const char *s) {
    if (s == NULL) {
        return false;
    }
    size_t n = strlen(s);
    if (n == 0 || n > SC_CLIENT_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == ':' || c == '/' || c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}
