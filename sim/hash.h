/*
 * sim/hash.h: FNV-1a hashes shared inside sim/ (byte hashes in the trace,
 * frame checksums). Private to sim/: the halves do not include it.
 */
#ifndef VIOSIM_SIM_HASH_H
#define VIOSIM_SIM_HASH_H

#include <stddef.h>
#include <stdint.h>

#define SIM_FNV64_OFFSET 0xcbf29ce484222325ull
#define SIM_FNV64_PRIME  0x100000001b3ull
#define SIM_FNV32_OFFSET 0x811c9dc5u
#define SIM_FNV32_PRIME  0x01000193u

static inline uint64_t sim_fnv1a64_update(uint64_t hash, const uint8_t *bytes, size_t len) {
  for (size_t i = 0; i < len; i++) {
    hash ^= bytes[i];
    hash *= SIM_FNV64_PRIME;
  }
  return hash;
}

static inline uint64_t sim_fnv1a64(const void *bytes, size_t len) {
  return sim_fnv1a64_update(SIM_FNV64_OFFSET, (const uint8_t *)bytes, len);
}

static inline uint32_t sim_fnv1a32_update(uint32_t hash, const uint8_t *bytes, size_t len) {
  for (size_t i = 0; i < len; i++) {
    hash ^= bytes[i];
    hash *= SIM_FNV32_PRIME;
  }
  return hash;
}

#endif
