#include "strategy/signal.h"

const char *sc_regime_name(sc_regime r) {
    switch (r) {
    case SC_REGIME_UNKNOWN:
        return "unknown";
    case SC_REGIME_TREND_UP:
        return "trending_up";
    case SC_REGIME_TREND_DOWN:
        return "trending_down";
    case SC_REGIME_RANGING:
        return "ranging";
    case SC_REGIME_VOLATILE:
        return "volatile";
    case SC_REGIME_ILLIQUID:
        return "illiquid";
    case SC_REGIME_NEWS_SHOCK:
        return "news_shock";
    }
    return "?";
}

const char *sc_bias_name(sc_bias b) {
    switch (b) {
    case SC_BIAS_NONE:
        return "none";
    case SC_BIAS_BULLISH:
        return "bullish";
    case SC_BIAS_BEARISH:
        return "bearish";
    }
    return "?";
}

const char *sc_signal_kind_name(sc_signal_kind k) {
    switch (k) {
    case SC_SIG_NONE:
        return "none";
    case SC_SIG_ENTER_LONG:
        return "enter_long";
    case SC_SIG_ENTER_SHORT:
        return "enter_short";
    case SC_SIG_EXIT:
        return "exit";
    }
    return "?";
}

const char *sc_exit_reason_name(sc_exit_reason r) {
    switch (r) {
    case SC_EXIT_NONE:
        return "none";
    case SC_EXIT_STOP_LOSS:
        return "stop_loss";
    case SC_EXIT_TAKE_PROFIT:
        return "take_profit";
    case SC_EXIT_TRAILING_STOP:
        return "trailing_stop";
    case SC_EXIT_MAX_HOLD:
        return "max_hold";
    case SC_EXIT_SIGNAL:
        return "signal";
    }
    return "?";
}

bool sc_exit_is_protective(sc_exit_reason r) {
    return r == SC_EXIT_STOP_LOSS || r == SC_EXIT_TRAILING_STOP || r == SC_EXIT_MAX_HOLD;
}
