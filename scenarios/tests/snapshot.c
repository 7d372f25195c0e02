/*
 * scenarios/tests/snapshot.c: ctest scenario/snapshot-mode. Usage:
 * scn_snapshot_test SCENARIO_DIR.
 *
 * The monitor's snapshot mode (MODEL_MON_OBSERVE_SNAPSHOTS) is for halves
 * that write guest memory behind the bus's back; it must judge our own
 * well-behaved halves as the access mode does. So every scenario outside
 * scenarios/monitor/ runs here with the mode forced to snapshots
 * (scn_run_opts.monitor_observe) and must pass: the violations it expects
 * (a scenario that breaks a rule on purpose says so) and no other.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "model/monitor.h"
#include "scenarios/interp.h"
#include "suite.h"

struct tally {
  unsigned passed, failed;
};

static bool normal_suite(const char *rel) {
  return !scn_suite_in_monitor_dir(rel);
}

static void on_run(void *ctx, const char *path, uint64_t seed, const struct scn_outcome *out) {
  struct tally *t = ctx;
  if (out->passed && out->observe == MODEL_MON_OBSERVE_SNAPSHOTS) {
    t->passed++;
    return;
  }
  t->failed++;
  if (out->passed)
    printf("FAIL %s seed=%" PRIu64 " ring=%s: the monitor ran in mode %u, not snapshots\n", path,
           seed, scn_ring_name(out->ring), out->observe);
  else
    printf("FAIL %s seed=%" PRIu64 " ring=%s (monitor in snapshot mode)\n  %s\n", path, seed,
           scn_ring_name(out->ring), out->message);
}

int main(int argc, char **argv) {
  struct tally t = {0};
  struct scn_run_opts opts = {.monitor_observe = MODEL_MON_OBSERVE_SNAPSHOTS};
  if (argc != 2) {
    fprintf(stderr, "usage: scn_snapshot_test SCENARIO_DIR\n");
    return 2;
  }
  long runs = scn_suite_run_dir(argv[1], normal_suite, &opts, on_run, &t);
  if (runs < 0)
    return 2;
  printf("snapshot-mode: %u passed, %u failed\n", t.passed, t.failed);
  return t.failed == 0 && t.passed > 0 ? 0 : 1;
}
