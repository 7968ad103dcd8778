#include "core/time.h"

#include <stdio.h>
#include <time.h>

#include "core/fixed.h"

bool sc_ms_to_ns(int64_t ms, sc_ns *out) {
    return sc_mul_i64(ms, SC_NS_PER_MS, out);
}

bool sc_us_to_ns(int64_t us, sc_ns *out) {
    return sc_mul_i64(us, SC_NS_PER_US, out);
}

sc_ns sc_ns_utc_day_start(sc_ns t) {
    sc_ns r = t % SC_NS_PER_DAY;
    if (r < 0) {
        r += SC_NS_PER_DAY;
    }
    return t - r;
}

const char *sc_ns_format_utc(sc_ns t, char *buf, size_t cap) {
    int64_t secs = t / SC_NS_PER_S;
    int64_t frac = t % SC_NS_PER_S;
    if (frac < 0) {
        frac += SC_NS_PER_S;
        secs -= 1;
    }
    time_t tt = (time_t)secs;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL) {
        snprintf(buf, cap, "%lldns", (long long)t);
        return buf;
    }
    snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)frac);
    return buf;
}
