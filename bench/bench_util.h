/* bench_util.h: timing and data helpers shared by the bench/ programs.
 * Benchmarks print figures; they never decide pass or fail. */
#ifndef SC_BENCH_UTIL_H
#define SC_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic clock in ns (benchmarks may read clocks; the engine may not). */
uint64_t sc_bench_now_ns(void);

/* Sorts v in place and returns the value at quantile q (0..1). */
uint64_t sc_bench_quantile(uint64_t *v, size_t n, double q);

/* Reads a whole file into memory, decompressing zstd; NULL when absent. */
char *sc_bench_load(const char *path, size_t *len_out);

/* Path under the shared data folder; 0 when the file is missing. */
int sc_bench_shared(const char *rel, char *buf, size_t cap);

/* One line describing the CPU, for the figures in README.md. */
void sc_bench_print_machine(void);

#endif
