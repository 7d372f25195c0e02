/*
 * sim/prng.c: the world's one PRNG (see sim/prng.h). xoshiro256** (Blackman
 * and Vigna) for the stream, splitmix64 to expand a 64-bit stream seed into
 * its 256-bit state. A stream's seed is the root seed XOR the FNV-1a 64 hash
 * of its label, so streams are independent of one another and of the order
 * in which they are created.
 *
 * Invariants: integer arithmetic only (no floating point, no __int128), so
 * the output depends on nothing but the seed, the label and the call
 * sequence; the state is never all zero.
 */
#include "sim/prng.h"

#include <assert.h>
#include <stddef.h>

#define FNV64_OFFSET 0xcbf29ce484222325ull
#define FNV64_PRIME  0x100000001b3ull

static uint64_t fnv1a64_str(const char *text) {
  uint64_t hash = FNV64_OFFSET;
  for (const char *p = text; *p != '\0'; p++) {
    hash ^= (uint64_t)(unsigned char)*p;
    hash *= FNV64_PRIME;
  }
  return hash;
}

static uint64_t splitmix64(uint64_t *x) {
  *x += 0x9e3779b97f4a7c15ull;
  uint64_t z = *x;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t rotl64(uint64_t x, unsigned k) {
  return (x << k) | (x >> (64u - k));
}

void sim_prng_init(struct sim_prng *prng, uint64_t root_seed, const char *label) {
  assert(prng != NULL && label != NULL);
  uint64_t x = root_seed ^ fnv1a64_str(label);
  for (unsigned i = 0; i < 4u; i++)
    prng->s[i] = splitmix64(&x);
  /* splitmix64 is a bijection of its counter, so four consecutive outputs
   * cannot all be zero; keep the invariant explicit anyway. */
  if ((prng->s[0] | prng->s[1] | prng->s[2] | prng->s[3]) == 0)
    prng->s[0] = 1;
}

uint64_t sim_prng_next(struct sim_prng *prng) {
  uint64_t *s = prng->s;
  const uint64_t result = rotl64(s[1] * 5u, 7u) * 9u;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl64(s[3], 45u);
  return result;
}

/* Rejection keeps the draw unbiased: values below (2^64 mod bound) would make
 * the low residues more likely, so they are redrawn. Each draw is rejected
 * with probability below 1/2, so the bound of 128 draws is reached with
 * probability below 2^-128; past it the last draw is used, which keeps the
 * function total and still deterministic. */
#define PRNG_BELOW_DRAWS_MAX 128u

uint64_t sim_prng_below(struct sim_prng *prng, uint64_t bound) {
  if (bound == 0)
    return 0;
  const uint64_t threshold = (0u - bound) % bound;
  uint64_t r = 0;
  for (unsigned i = 0; i < PRNG_BELOW_DRAWS_MAX; i++) {
    r = sim_prng_next(prng);
    if (r >= threshold)
      break;
  }
  return r % bound;
}

uint64_t sim_prng_range(struct sim_prng *prng, uint64_t lo, uint64_t hi) {
  assert(lo <= hi);
  const uint64_t span = hi - lo;
  if (span == UINT64_MAX)
    return sim_prng_next(prng);
  return lo + sim_prng_below(prng, span + 1u);
}

bool sim_prng_chance_ppm(struct sim_prng *prng, uint32_t ppm) {
  if (ppm == 0)
    return false;
  if (ppm >= SIM_PPM_ONE)
    return true;
  return sim_prng_below(prng, SIM_PPM_ONE) < ppm;
}
