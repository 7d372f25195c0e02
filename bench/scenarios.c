/*
 * bench/scenarios.c: one run of the scenario suite (see bench.h), as
 * `viosim run DIR --quiet` runs it: the files scenarios/paths.h finds under
 * DIR (sorted), each parsed (scenarios/lang.h) and run (scenarios/interp.h)
 * with each seed its `seeds` line lists, on each ring format its `ring`
 * line allows, split first; nothing printed. The wall time covers finding,
 * parsing and running; the virtual time is the sum of every run's end time.
 */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "scenarios/interp.h"
#include "scenarios/lang.h"
#include "scenarios/paths.h"

static void suite_file(const char *path, struct bench_suite_run *out) {
  struct scn_script script;
  char err[SCN_ERROR_MAX];
  out->files++;
  if (scn_script_parse_file(&script, path, err, sizeof err) != MODEL_OK) {
    out->failed++;
    scn_script_fini(&script);
    return;
  }
  for (size_t k = 0; k < script.seed_count; k++) {
    for (unsigned r = 0; r < (unsigned)SCN_RING_COUNT; r++) {
      if ((script.rings & SCN_RING_BIT(r)) == 0)
        continue;
      struct scn_run_opts opts = {.ring = (enum scn_ring)r};
      struct scn_outcome o;
      scn_run(&script, script.seeds[k], &opts, &o);
      out->runs++;
      out->failed += o.passed ? 0u : 1u;
      out->ticks += o.end_ticks;
      out->events += o.events;
      scn_outcome_fini(&o);
    }
  }
  scn_script_fini(&script);
}

bool bench_suite_run(const char *dir, struct bench_suite_run *out, char *err, size_t err_size) {
  struct scn_paths paths = {0};
  char why[SCN_ERROR_MAX];
  memset(out, 0, sizeof(*out));
  uint64_t t0 = bench_now_ns();
  if (scn_paths_add(&paths, dir, why, sizeof why) != MODEL_OK) {
    snprintf(err, err_size, "scenarios: %s", why);
    scn_paths_fini(&paths);
    return false;
  }
  for (size_t i = 0; i < paths.count; i++)
    suite_file(paths.items[i], out);
  out->wall_ns = bench_now_ns() - t0;
  scn_paths_fini(&paths);
  return true;
}
