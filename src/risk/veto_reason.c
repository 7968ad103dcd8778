#include "risk/veto_reason.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/assert.h"

typedef struct {
    sc_veto_reason reason;
    const char *name;
    sc_veto_level level;
    const char *help;
} reason_def;

static const reason_def k_reasons[SC_VETO_REASON_COUNT] = {
#define SC__VETO_REASON_DEF(n, value, text, lvl, hlp)                                              \
    {SC_VETO_R_##n, text, SC_VETO_LEVEL_##lvl, hlp},
    SC_VETO_REASON_LIST(SC__VETO_REASON_DEF)
#undef SC__VETO_REASON_DEF
};

/* The table is dense: code i sits at index i. The count is checked here;
 * a gap or a repeated value trips the assertion in reason_known (and the
 * unit test walks every code). */
#define SC__VETO_REASON_ONE(n, value, text, lvl, hlp) +1
_Static_assert(0 SC_VETO_REASON_LIST(SC__VETO_REASON_ONE) == SC_VETO_REASON_COUNT,
               "SC_VETO_REASON_COUNT matches the table");
#undef SC__VETO_REASON_ONE
#define SC__VETO_LEVEL_ONE(n, value, text) +1
_Static_assert(0 SC_VETO_LEVEL_LIST(SC__VETO_LEVEL_ONE) == SC_VETO_LEVEL_COUNT,
               "SC_VETO_LEVEL_COUNT matches the table");
#undef SC__VETO_LEVEL_ONE

static bool reason_known(sc_veto_reason r) {
    if ((int)r < 0 || (int)r >= SC_VETO_REASON_COUNT) {
        return false;
    }
    SC_ASSERT(k_reasons[r].reason == r); /* dense table */
    return true;
}

const char *sc_veto_level_name(sc_veto_level l) {
    switch (l) {
#define SC__VETO_LEVEL_CASE(n, value, text)                                                        \
    case SC_VETO_LEVEL_##n:                                                                        \
        return text;
        SC_VETO_LEVEL_LIST(SC__VETO_LEVEL_CASE)
#undef SC__VETO_LEVEL_CASE
    }
    return "?";
}

const char *sc_veto_reason_name(sc_veto_reason r) {
    return reason_known(r) ? k_reasons[r].name : "?";
}

const char *sc_veto_reason_help(sc_veto_reason r) {
    return reason_known(r) ? k_reasons[r].help : "?";
}

sc_veto_level sc_veto_reason_level(sc_veto_reason r) {
    return reason_known(r) ? k_reasons[r].level : SC_VETO_LEVEL_NONE;
}

void sc_veto_verdict_allow(sc_veto_verdict *v) {
    SC_ASSERT(v != NULL);
    memset(v, 0, sizeof(*v));
    v->allowed = true;
    v->level = SC_VETO_LEVEL_NONE;
    v->reason = SC_VETO_R_OK;
    v->unit = "";
    SC_ASSERT(v->detail[0] == '\0');
    SC_ASSERT(v->rulebook_hash[0] == '\0');
}

bool sc_veto_verdict_deny(sc_veto_verdict *v, sc_veto_reason r, double value, double limit,
                          const char *unit, const char *fmt, ...) {
    SC_ASSERT(v != NULL);
    SC_ASSERT(fmt != NULL);
    SC_ASSERT(reason_known(r));
    SC_ASSERT(r != SC_VETO_R_OK);
    v->allowed = false;
    v->reason = r;
    v->level = k_reasons[r].level;
    v->has_values = unit != NULL;
    v->value = unit != NULL ? value : 0.0;
    v->limit = unit != NULL ? limit : 0.0;
    v->unit = unit != NULL ? unit : "";
    va_list ap;
    va_start(ap, fmt);
    /* A detail longer than the buffer is cut; values in range never are. */
    vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
    va_end(ap);
    SC_ASSERT(v->level != SC_VETO_LEVEL_NONE);
    return false;
}

const char *sc_veto_verdict_format(const sc_veto_verdict *v, char *buf, size_t cap) {
    SC_ASSERT(v != NULL);
    SC_ASSERT(buf != NULL);
    SC_ASSERT(cap > 0);
    const char *hash = v->rulebook_hash[0] != '\0' ? v->rulebook_hash : "(none)";
    const char *tail = v->exit_required ? "; exit required" : "";
    if (v->allowed) {
        snprintf(buf, cap, "allowed; rulebook %.12s%s", hash, tail);
    } else {
        snprintf(buf, cap, "vetoed at %s (%s): %s; rulebook %.12s%s", sc_veto_level_name(v->level),
                 sc_veto_reason_name(v->reason), v->detail, hash, tail);
    }
    return buf;
}
