#include "core/params.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/assert.h"

static const sc_param_def k_defs[SC_PARAM_COUNT] = {
#define SC__PARAM_DEF(id, key, type, def, min, max, unit, help)                                    \
    {SC_P_##id, key, SC_PARAM_##type, def, min, max, unit, help},
    SC_PARAM_LIST(SC__PARAM_DEF)
#undef SC__PARAM_DEF
};

const sc_param_def *sc_param_def_of(sc_param_id id) {
    SC_ASSERT(id >= 0 && id < SC_PARAM_COUNT);
    SC_ASSERT(k_defs[id].id == id);
    return &k_defs[id];
}

const sc_param_def *sc_param_find(const char *key) {
    if (key == NULL) {
        return NULL;
    }
    for (int i = 0; i < SC_PARAM_COUNT; i++) {
        if (strcmp(k_defs[i].key, key) == 0) {
            return &k_defs[i];
        }
    }
    return NULL;
}

const char *sc_param_type_name(sc_param_type t) {
    switch (t) {
    case SC_PARAM_INT:
        return "int";
    case SC_PARAM_REAL:
        return "real";
    case SC_PARAM_BOOL:
        return "bool";
    }
    return "?";
}

void sc_params_defaults(sc_params *out) {
    SC_ASSERT(out != NULL);
    for (int i = 0; i < SC_PARAM_COUNT; i++) {
        SC_ASSERT(k_defs[i].min <= k_defs[i].def && k_defs[i].def <= k_defs[i].max);
        out->v[i] = k_defs[i].def;
    }
    out->version = 0;
}

static void bounds_text(const sc_param_def *def, char *buf, size_t cap) {
    char lo[32];
    char hi[32];
    if (def->type == SC_PARAM_BOOL) {
        snprintf(buf, cap, "true or false");
        return;
    }
    sc_param_format(def, def->min, lo, sizeof(lo));
    sc_param_format(def, def->max, hi, sizeof(hi));
    snprintf(buf, cap, "%s %s..%s (%s)", def->type == SC_PARAM_INT ? "a whole number" : "a number",
             lo, hi, def->unit);
}

sc_err sc_param_check(const sc_param_def *def, double value, sc_errinfo *err) {
    SC_ASSERT(def != NULL);
    bool ok = isfinite(value) && value >= def->min && value <= def->max;
    if (ok && def->type == SC_PARAM_INT) {
        ok = value == floor(value);
    }
    if (ok && def->type == SC_PARAM_BOOL) {
        ok = value == 0.0 || value == 1.0;
    }
    if (ok) {
        return SC_OK;
    }
    char expected[96];
    char got[40];
    bounds_text(def, expected, sizeof(expected));
    int n = snprintf(got, sizeof(got), "%.17g", value);
    sc_errinfo_set(err, def->key, expected, got, n > 0 ? (size_t)n : 0);
    return SC_ERR_RANGE;
}

static bool parse_bool_text(const char *t, double *out) {
    static const char *const yes[] = {"true", "1", "yes", "on"};
    static const char *const no[] = {"false", "0", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(t, yes[i]) == 0) {
            *out = 1.0;
            return true;
        }
        if (strcasecmp(t, no[i]) == 0) {
            *out = 0.0;
            return true;
        }
    }
    return false;
}

sc_err sc_param_parse(const sc_param_def *def, const char *text, double *out, sc_errinfo *err) {
    SC_ASSERT(def != NULL && out != NULL);
    double v = 0.0;
    bool ok;
    if (text == NULL) {
        text = "";
    }
    if (def->type == SC_PARAM_BOOL) {
        ok = parse_bool_text(text, &v);
    } else {
        char *end = NULL;
        v = strtod(text, &end);
        /* No hex, no inf/nan words, no trailing bytes, nothing empty. */
        ok = text[0] != '\0' && end != NULL && *end == '\0' && strpbrk(text, "xXnNiI") == NULL;
    }
    if (!ok) {
        char expected[96];
        bounds_text(def, expected, sizeof(expected));
        sc_errinfo_set(err, def->key, expected, text, strlen(text));
        return SC_ERR_PARSE;
    }
    sc_err e = sc_param_check(def, v, err);
    if (e == SC_OK) {
        *out = v;
    }
    return e;
}

int sc_param_format(const sc_param_def *def, double value, char *buf, size_t cap) {
    SC_ASSERT(def != NULL && buf != NULL);
    if (def->type == SC_PARAM_BOOL) {
        return snprintf(buf, cap, "%s", value != 0.0 ? "true" : "false");
    }
    if (def->type == SC_PARAM_INT) {
        return snprintf(buf, cap, "%lld", (long long)value);
    }
    /* Shortest %g form that reads back to the same double. */
    for (int prec = 6; prec <= 17; prec++) {
        int n = snprintf(buf, cap, "%.*g", prec, value);
        if (n > 0 && (size_t)n < cap && strtod(buf, NULL) == value) {
            return n;
        }
    }
    return snprintf(buf, cap, "%.17g", value);
}

double sc_param_clamp(const sc_param_def *def, double value) {
    SC_ASSERT(def != NULL);
    if (isnan(value)) {
        return def->def;
    }
    double v = value < def->min ? def->min : value > def->max ? def->max : value;
    if (def->type == SC_PARAM_INT) {
        v = floor(v + 0.5);
        v = v > def->max ? def->max : v;
    } else if (def->type == SC_PARAM_BOOL) {
        v = v >= 0.5 ? 1.0 : 0.0;
    }
    SC_ASSERT(sc_param_check(def, v, NULL) == SC_OK);
    return v;
}

sc_err sc_params_validate(const sc_params *p, sc_errinfo *err) {
    SC_ASSERT(p != NULL);
    for (int i = 0; i < SC_PARAM_COUNT; i++) {
        sc_err e = sc_param_check(&k_defs[i], p->v[i], err);
        if (e != SC_OK) {
            return e;
        }
    }
    return SC_OK;
}
