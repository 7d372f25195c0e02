/*
 * scenarios/interp.h: the scenario interpreter. One call runs one parsed
 * script with one seed in a fresh world: the world (sim/world.h) is built
 * from the script's setup lines, the virtio-net device (backend/net.h) and
 * driver (frontend/net.h) are created on its bus and NIC, and the commands
 * run in file order: actions call the driver (or the device, the NIC, the
 * fault plan) directly, `run` advances the scheduler, expectations compare.
 *
 * At the end of every script, whatever it did: the world is run until it is
 * idle (bounded by the event budget: a world that never goes idle fails the
 * run with a message, it never hangs), and every frame must be accounted for
 * (sim_nic_check_accounted) unless the script said `option accounting off`.
 * Everything is freed before returning, on success and on failure.
 *
 * Determinism: the outcome, the trace hash included, depends only on the
 * script and the seed (DESIGN.md rule 1).
 */
#ifndef VIOSIM_SCENARIOS_INTERP_H
#define VIOSIM_SCENARIOS_INTERP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenarios/lang.h"
#include "sim/bus.h"
#include "sim/nic.h"

/* Events one `run` (and the final run to idle) may execute by default. */
#define SCN_RUN_EVENTS_DEFAULT 20000000u

struct scn_run_opts {
  FILE *trace_dump; /* borrowed; NULL: hash only */
};

struct scn_outcome {
  bool passed;
  uint32_t fail_line;          /* the script line that failed; 0 if none applies */
  char message[SCN_ERROR_MAX]; /* "path:line: what failed" when !passed */
  uint64_t trace_hash;
  uint64_t counters[SIM_CTR_COUNT];
  struct sim_nic_stream_stats frames[SIM_STREAM_COUNT];
  uint64_t events;    /* scheduler events executed */
  uint64_t end_ticks; /* virtual time at the end */
};

/* Run `script` with `seed`; the outcome is always filled. */
void scn_run(const struct scn_script *script, uint64_t seed, const struct scn_run_opts *opts,
             struct scn_outcome *out);

#endif
