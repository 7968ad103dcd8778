/* time.h: time is int64 nanoseconds since the Unix epoch (UTC).
 *
 * The engine never reads a clock: time comes from the events. These helpers
 * convert units with overflow checks and format a time for people.
 *
 * Thread: any. Allocates: nothing.
 */
#ifndef SC_CORE_TIME_H
#define SC_CORE_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t sc_ns;

#define SC_NS_PER_US INT64_C(1000)
#define SC_NS_PER_MS INT64_C(1000000)
#define SC_NS_PER_S INT64_C(1000000000)
#define SC_NS_PER_MIN (60 * SC_NS_PER_S)
#define SC_NS_PER_DAY (86400 * SC_NS_PER_S)

/* Milliseconds since the epoch to ns; false when it does not fit. */
bool sc_ms_to_ns(int64_t ms, sc_ns *out);
bool sc_us_to_ns(int64_t us, sc_ns *out);

/* "2024-08-08T23:54:16.123456789Z"; returns buf. */
const char *sc_ns_format_utc(sc_ns t, char *buf, size_t cap);

/* Start of the UTC day containing t. */
sc_ns sc_ns_utc_day_start(sc_ns t);

#endif
