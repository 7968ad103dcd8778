/* log.h: leveled logging through one sink.
 *
 * The sink is the one piece of process-wide state in scalper: set it once,
 * before any thread starts, and never again. The default sink writes to
 * stderr. Engine code logs rarely and never on the per-event hot path.
 *
 * Thread: any (the sink must be thread-safe). Allocates: nothing.
 */
#ifndef SC_CORE_LOG_H
#define SC_CORE_LOG_H

typedef enum { SC_LOG_DEBUG = 0, SC_LOG_INFO = 1, SC_LOG_WARN = 2, SC_LOG_ERROR = 3 } sc_log_level;

typedef void (*sc_log_sink_fn)(void *ctx, sc_log_level level, const char *msg);

/* Call once at start, before threads; level is the minimum that is written. */
void sc_log_setup(sc_log_sink_fn sink, void *ctx, sc_log_level level);
void sc_log(sc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *sc_log_level_name(sc_log_level level);

#endif
