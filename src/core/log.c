#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

/* The one mutable global allowed by style.md: written once by sc_log_setup
 * before any thread starts, read-only afterwards. */
static struct {
    sc_log_sink_fn sink;
    void *ctx;
    sc_log_level level;
} g_log = {NULL, NULL, SC_LOG_INFO};

void sc_log_setup(sc_log_sink_fn sink, void *ctx, sc_log_level level) {
    g_log.sink = sink;
    g_log.ctx = ctx;
    g_log.level = level;
}

const char *sc_log_level_name(sc_log_level level) {
    switch (level) {
    case SC_LOG_DEBUG:
        return "debug";
    case SC_LOG_INFO:
        return "info";
    case SC_LOG_WARN:
        return "warn";
    case SC_LOG_ERROR:
        return "error";
    }
    return "?";
}

void sc_log(sc_log_level level, const char *fmt, ...) {
    if (level < g_log.level) {
        return;
    }
    enum { LOG_LINE_MAX = 1024 };
    char msg[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (g_log.sink != NULL) {
        g_log.sink(g_log.ctx, level, msg);
    } else {
        fprintf(stderr, "scalper: %s: %s\n", sc_log_level_name(level), msg);
    }
}
