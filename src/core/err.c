#include "core/err.h"

#include <stdio.h>
#include <string.h>

const char *sc_err_name(sc_err e) {
    switch (e) {
#define SC__ERR_NAME(name, value, msg)                                                             \
    case name:                                                                                     \
        return #name;
        SC_ERR_LIST(SC__ERR_NAME)
#undef SC__ERR_NAME
    }
    return "SC_ERR_?";
}

const char *sc_err_str(sc_err e) {
    switch (e) {
#define SC__ERR_STR(name, value, msg)                                                              \
    case name:                                                                                     \
        return msg;
        SC_ERR_LIST(SC__ERR_STR)
#undef SC__ERR_STR
    }
    return "unknown error";
}

void sc_errinfo_clear(sc_errinfo *info) {
    if (info == NULL) {
        return;
    }
    const char *source = info->source;
    memset(info, 0, sizeof(*info));
    info->source = source; /* the source outlives individual errors */
}

static void copy_text(char *dst, size_t cap, const char *src, size_t len) {
    /* Show outside bytes safely: printable ASCII only, cut long text. */
    size_t n = len < cap - 1 ? len : cap - 1;
    size_t i = 0;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[i] = '\0';
    if (len > n && cap > 4) {
        memcpy(dst + cap - 4, "...", 4);
    }
}

void sc_errinfo_set(sc_errinfo *info, const char *field, const char *expected, const char *got,
                    size_t got_len) {
    if (info == NULL) {
        return;
    }
    copy_text(info->field, sizeof(info->field), field ? field : "", field ? strlen(field) : 0);
    copy_text(info->expected, sizeof(info->expected), expected ? expected : "",
              expected ? strlen(expected) : 0);
    copy_text(info->got, sizeof(info->got), got ? got : "", got ? got_len : 0);
}

const char *sc_errinfo_format(const sc_errinfo *info, char *buf, size_t cap) {
    if (buf == NULL || cap == 0) {
        return "";
    }
    if (info == NULL) {
        buf[0] = '\0';
        return buf;
    }
    char where[256];
    if (info->line > 0) {
        snprintf(where, sizeof(where), "%s:%lld: ", info->source ? info->source : "<input>",
                 (long long)info->line);
    } else {
        snprintf(where, sizeof(where), "%s: ", info->source ? info->source : "<input>");
    }
    snprintf(buf, cap, "%s%s%sexpected %s, got '%s'", where, info->field,
             info->field[0] ? ": " : "", info->expected[0] ? info->expected : "valid input",
             info->got);
    return buf;
}
