/* assert.h: SC_ASSERT, on in every build, release included.
 *
 * An assertion states an invariant of our own code; a failure is a bug, so
 * the process stops at once with the place and the expression. Outside input
 * is never checked with SC_ASSERT: it gets an sc_err and an sc_errinfo.
 */
#ifndef SC_CORE_ASSERT_H
#define SC_CORE_ASSERT_H

_Noreturn void sc_assert_fail(const char *file, int line, const char *expr);

#define SC_ASSERT(expr) ((expr) ? (void)0 : sc_assert_fail(__FILE__, __LINE__, #expr))

#endif
