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
 * The conformance monitor (model/monitor.h) watches every run, in the mode
 * the script's `monitor` line asks for (accesses by default) unless the
 * caller forces one. The interpreter gives it a synchronisation point after
 * every action (MODEL_MON_SYNC_EVENT_END: the driver's or the device's work
 * for that action is over; the world does the same after every scheduler
 * event) and whenever the world is idle (MODEL_MON_SYNC_IDLE), and finishes
 * it at the end of a run that got there. Then every `expect violation` must
 * have fired, and no other clause may have been violated: a script without
 * `expect violation` lines expects none.
 *
 * Determinism: the outcome, the trace hash included, depends only on the
 * script and the seed (DESIGN.md rule 1).
 */
#ifndef VIOSIM_SCENARIOS_INTERP_H
#define VIOSIM_SCENARIOS_INTERP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/monitor.h"
#include "scenarios/lang.h"
#include "sim/bus.h"
#include "sim/nic.h"

/* Events one `run` (and the final run to idle) may execute by default. */
#define SCN_RUN_EVENTS_DEFAULT 20000000u
/* Size of an outcome's message: room for a list of unexpected verdicts. */
#define SCN_MESSAGE_MAX 4096u
/* Unexpected violations listed one by one in a message; the rest counted. */
#define SCN_MESSAGE_VERDICTS_MAX 8u

struct scn_run_opts {
  FILE *trace_dump; /* borrowed; NULL: hash only */
  /* 0: the script's `monitor` line chooses (accesses if it has none);
   * otherwise the MODEL_MON_OBSERVE_ bits every run uses, whatever the
   * script says (scenario/snapshot-mode forces snapshots). */
  unsigned monitor_observe;
  /* The ring format of the run (split by default): VIRTIO_F_RING_PACKED is
   * added to (packed) or removed from (split) the device's offered and the
   * driver's wanted features after the script's own feature lines, except
   * in a set a pinned script's lines name it for (lang.h). */
  enum scn_ring ring;
};

struct scn_outcome {
  bool passed;
  uint32_t fail_line;            /* the script line that failed; 0 if none applies */
  char message[SCN_MESSAGE_MAX]; /* "path:line: what failed" when !passed; may span lines */
  uint64_t trace_hash;
  enum scn_ring ring; /* the run's ring format (scn_run_opts.ring) */
  uint64_t counters[SIM_CTR_COUNT];
  struct sim_nic_stream_stats frames[SIM_STREAM_COUNT];
  uint64_t events;    /* scheduler events executed */
  uint64_t end_ticks; /* virtual time at the end */

  /* The monitor's results. All zero / NULL if the world was never built. */
  bool monitor_suite;              /* the script selects a misbehaviour or expects a violation */
  unsigned observe;                /* MODEL_MON_OBSERVE_ bits the monitor used */
  uint64_t features_seen;          /* model_mon_features_seen() */
  uint64_t violation_count;        /* model_mon_violation_count(): every violation */
  struct model_mon_tally *tallies; /* owned; model_catalog_count() entries, by catalog index */
  size_t verdict_count;            /* min(violation_count, MODEL_MON_VERDICTS_MAX) */
  struct model_verdict *verdicts;  /* owned copy, in the order they happened */
};

/* Run `script` with `seed`; the outcome is always filled (it is cleared
 * first, so scn_outcome_fini() it before reusing it). */
void scn_run(const struct scn_script *script, uint64_t seed, const struct scn_run_opts *opts,
             struct scn_outcome *out);
/* Free what an outcome owns (tallies, verdicts); it can be filled again. */
void scn_outcome_fini(struct scn_outcome *out);

#endif
