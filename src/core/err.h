/* err.h: the one error table of scalper.
 *
 * Every fallible function returns an sc_err. The list below is append-only:
 * codes are never renumbered or reused, so a code written in a log or a
 * database keeps its meaning. Domain outcomes (a veto, a skip, an exchange
 * rejection) are not errors and have their own reason codes.
 *
 * Functions that read outside input also fill a caller-owned sc_errinfo so
 * the user sees "file:line: field: expected ..., got ...".
 *
 * Thread: any. Allocates: nothing.
 */
#ifndef SC_CORE_ERR_H
#define SC_CORE_ERR_H

#include <stddef.h>
#include <stdint.h>

/* X(name, value, message) */
#define SC_ERR_LIST(X)                                                                             \
    X(SC_OK, 0, "success")                                                                         \
    X(SC_ERR_INVALID_ARG, 1, "invalid argument")                                                   \
    X(SC_ERR_NOMEM, 2, "out of memory")                                                            \
    X(SC_ERR_PARSE, 3, "malformed input")                                                          \
    X(SC_ERR_OVERFLOW, 4, "numeric overflow")                                                      \
    X(SC_ERR_PRECISION, 5, "value is finer than the instrument's tick or step")                    \
    X(SC_ERR_RANGE, 6, "value out of range")                                                       \
    X(SC_ERR_LIMIT, 7, "a named limit was reached")                                                \
    X(SC_ERR_IO, 8, "input/output error")                                                          \
    X(SC_ERR_EOF, 9, "end of input")                                                               \
    X(SC_ERR_UNSUPPORTED, 10, "unsupported input")                                                 \
    X(SC_ERR_STATE, 11, "operation not valid in the current state")                                \
    X(SC_ERR_NOT_SYNCED, 12, "order book is not in sync")                                          \
    X(SC_ERR_EMPTY, 13, "empty")                                                                   \
    X(SC_ERR_FULL, 14, "full")                                                                     \
    X(SC_ERR_COMPRESSION, 15, "compressed stream is corrupt")                                      \
    X(SC_ERR_UNKNOWN_STREAM, 16, "unknown stream")                                                 \
    X(SC_ERR_NOT_FOUND, 17, "not found")                                                           \
    X(SC_ERR_USAGE, 18, "bad command-line usage")

typedef enum {
#define SC__ERR_ENUM(name, value, msg) name = value,
    SC_ERR_LIST(SC__ERR_ENUM)
#undef SC__ERR_ENUM
} sc_err;

/* "SC_ERR_PARSE"; "SC_ERR_?" for a value outside the table. */
const char *sc_err_name(sc_err e);
/* "malformed input"; "unknown error" for a value outside the table. */
const char *sc_err_str(sc_err e);

/* Detailed context for an error caused by outside input. */
enum { SC_ERRINFO_TEXT_MAX = 160 };
typedef struct {
    const char *source; /* file name or "<stdin>"; not owned */
    int64_t line;       /* 1-based; 0 when not applicable */
    char field[64];
    char expected[SC_ERRINFO_TEXT_MAX];
    char got[SC_ERRINFO_TEXT_MAX];
} sc_errinfo;

void sc_errinfo_clear(sc_errinfo *info);
/* Sets field/expected, and got from the first got_len bytes of got
 * (non-printable bytes shown as '?', long text cut with "..."). */
void sc_errinfo_set(sc_errinfo *info, const char *field, const char *expected, const char *got,
                    size_t got_len);
/* "source:line: field: expected X, got Y" into buf; returns buf. */
const char *sc_errinfo_format(const sc_errinfo *info, char *buf, size_t cap);

#endif
