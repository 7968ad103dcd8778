#include "core/rng.h"

#include <stddef.h>

#include "core/assert.h"

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

void sc_rng_seed(sc_rng *r, uint64_t seed) {
    SC_ASSERT(r != NULL);
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) {
        r->s[i] = splitmix64(&x);
    }
    /* splitmix64 never yields four zeros in a row, the one bad state. */
    SC_ASSERT((r->s[0] | r->s[1] | r->s[2] | r->s[3]) != 0);
}

uint64_t sc_rng_next(sc_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t sc_rng_below(sc_rng *r, uint64_t bound) {
    SC_ASSERT(bound > 0);
    /* Reject the top partial range so every value is equally likely. */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
    enum { REJECT_TRIES_MAX = 1000 }; /* p(reject) < 1/2 each try */
    for (int i = 0; i < REJECT_TRIES_MAX; i++) {
        uint64_t v = sc_rng_next(r);
        if (v < limit) {
            return v % bound;
        }
    }
    SC_ASSERT(0 && "rng rejection loop exceeded its bound");
    return 0;
}

double sc_rng_unit(sc_rng *r) {
    return (double)(sc_rng_next(r) >> 11) * 0x1.0p-53;
}
