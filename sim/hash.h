/*
 * sim/hash.h: the trace's digest of a byte range (the written bytes of a
 * SIM_EV_MEM_WRITE, the text of a note) and the constants the trace hash
 * shares with it. Private to sim/: the halves do not include it.
 *
 * The byte digest, as a definition (it is part of the trace hash, so every
 * build must compute exactly this):
 *
 *   the bytes are read as little-endian 64-bit words w[0..n), the last one
 *   zero-padded; four lanes start at l[j] = SIM_HASH_P1 * (j + 1) and word
 *   k goes into lane k % 4 as
 *       l = rotl64(l + w[k] * SIM_HASH_P2, 31) * SIM_HASH_P1;
 *   then h = len * SIM_HASH_P5 + rotl64(l[0], 1) + rotl64(l[1], 7)
 *            + rotl64(l[2], 12) + rotl64(l[3], 18),
 *   finished with h ^= h >> 33; h *= SIM_HASH_P2; h ^= h >> 29;
 *   h *= SIM_HASH_P3; h ^= h >> 32 (all mod 2^64).
 *
 * Every step is a bijection of the lane (or of h) for fixed other inputs,
 * so ranges of the same length that differ in one byte always differ in
 * their digest. Four independent lanes let the multiplies of neighbouring
 * words overlap: about a quarter of a cycle per byte, where a byte-serial
 * FNV-1a spends four or five.
 */
#ifndef VIOSIM_SIM_HASH_H
#define VIOSIM_SIM_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Odd 64-bit constants with well-spread bits (the xxHash64 primes). */
#define SIM_HASH_P1 0x9e3779b185ebca87ull
#define SIM_HASH_P2 0xc2b2ae3d27d4eb4full
#define SIM_HASH_P3 0x165667b19e3779f9ull
#define SIM_HASH_P4 0x85ebca77c2b2ae63ull
#define SIM_HASH_P5 0x27d4eb2f165667c5ull

static inline uint64_t sim_rotl64(uint64_t x, unsigned r) {
  return (x << r) | (x >> (64u - r)); /* r in 1..63 */
}

/* Eight bytes as a little-endian word (compilers make this one load). */
static inline uint64_t sim_load_le64(const uint8_t *p) {
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* The word at p of a range that ends at end: eight bytes, or what is left,
 * zero-padded. */
static inline uint64_t sim_load_le_tail(const uint8_t *p, const uint8_t *end) {
  if (end - p >= 8)
    return sim_load_le64(p);
  uint64_t w = 0;
  for (const uint8_t *q = end; q-- > p;)
    w = (w << 8) | *q;
  return w;
}

static inline uint64_t sim_hash_lane(uint64_t lane, uint64_t word) {
  return sim_rotl64(lane + word * SIM_HASH_P2, 31) * SIM_HASH_P1;
}

/* The byte digest the header defines. */
static inline uint64_t sim_hash_bytes(const void *bytes, size_t len) {
  const uint8_t *p = bytes, *end = p + len;
  uint64_t l0 = SIM_HASH_P1, l1 = 2u * SIM_HASH_P1, l2 = 3u * SIM_HASH_P1, l3 = 4u * SIM_HASH_P1;
  for (; end - p >= 32; p += 32) {
    l0 = sim_hash_lane(l0, sim_load_le64(p));
    l1 = sim_hash_lane(l1, sim_load_le64(p + 8));
    l2 = sim_hash_lane(l2, sim_load_le64(p + 16));
    l3 = sim_hash_lane(l3, sim_load_le64(p + 24));
  }
  /* the last zero to four words (under 32 bytes; the last may be partial),
   * starting again at lane 0 */
  ptrdiff_t rest = end - p;
  if (rest > 0)
    l0 = sim_hash_lane(l0, sim_load_le_tail(p, end));
  if (rest > 8)
    l1 = sim_hash_lane(l1, sim_load_le_tail(p + 8, end));
  if (rest > 16)
    l2 = sim_hash_lane(l2, sim_load_le_tail(p + 16, end));
  if (rest > 24)
    l3 = sim_hash_lane(l3, sim_load_le_tail(p + 24, end));
  uint64_t h = (uint64_t)len * SIM_HASH_P5 + sim_rotl64(l0, 1) + sim_rotl64(l1, 7) +
               sim_rotl64(l2, 12) + sim_rotl64(l3, 18);
  h ^= h >> 33;
  h *= SIM_HASH_P2;
  h ^= h >> 29;
  h *= SIM_HASH_P3;
  return h ^ (h >> 32);
}

#endif
