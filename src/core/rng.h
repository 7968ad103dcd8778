/* rng.h: the seeded random generator (xoshiro256**, seeded by splitmix64).
 *
 * Every random choice in scalper (simulator, latency jitter, property tests)
 * comes from an sc_rng seeded from the config, so a run is reproduced from
 * its seed. A plain value type: copy it to fork a stream.
 *
 * Thread: the owner's. Allocates: nothing.
 */
#ifndef SC_CORE_RNG_H
#define SC_CORE_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} sc_rng;

void sc_rng_seed(sc_rng *r, uint64_t seed);
uint64_t sc_rng_next(sc_rng *r);
/* Uniform in [0, bound), bound > 0, without modulo bias. */
uint64_t sc_rng_below(sc_rng *r, uint64_t bound);
/* Uniform in [0, 1) with 53 random bits. */
double sc_rng_unit(sc_rng *r);

#endif
