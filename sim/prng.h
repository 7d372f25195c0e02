/*
 * sim/prng.h: the one PRNG of the simulated world. xoshiro256** seeded with
 * splitmix64; each actor's stream is derived from the root seed and a fixed
 * label (FNV-1a of the label mixed into the seed), so adding a stream never
 * perturbs the others. The output is fixed by the seed and the call sequence
 * on every compiler and optimisation level: integer arithmetic only.
 */
#ifndef VIOSIM_SIM_PRNG_H
#define VIOSIM_SIM_PRNG_H

#include <stdbool.h>
#include <stdint.h>

struct sim_prng {
  uint64_t s[4];
};

/* Derive the stream named `label` ("driver", "device", "nic.wire") from root_seed. */
void sim_prng_init(struct sim_prng *prng, uint64_t root_seed, const char *label);
uint64_t sim_prng_next(struct sim_prng *prng);
/* Uniform in [0, bound), unbiased (rejection); bound 0 returns 0. */
uint64_t sim_prng_below(struct sim_prng *prng, uint64_t bound);
/* Uniform in [lo, hi] inclusive; lo <= hi. */
uint64_t sim_prng_range(struct sim_prng *prng, uint64_t lo, uint64_t hi);
/* True with probability ppm / 1e6. 0 never draws; 1e6 or more always true
 * without drawing. */
bool sim_prng_chance_ppm(struct sim_prng *prng, uint32_t ppm);

#define SIM_PPM_ONE 1000000u

#endif
