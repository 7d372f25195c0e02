/*
 * scenarios/tests/coverage.c: ctest scenario/monitor-coverage (DESIGN.md
 * rule 3: a check that cannot fail is a defect). Usage: scn_coverage_test
 * SCENARIO_DIR.
 *
 * Runs every scenario under SCENARIO_DIR with its own seeds and records, for
 * every passing run of the monitor's suite (a run that selects a
 * misbehaviour or expects a violation), the clauses it saw violated and by
 * whom. A passing run saw exactly the violations it expects, so a clause
 * recorded here was made to fire on purpose. Every check of the monitor
 * (model_mon_check_id) must be among them, blamed on its clause's target;
 * the test fails naming each check that never fired, and lists the runs
 * that failed (each is also its own ctest; a failed suite run may be why a
 * check is missing).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/catalog.h"
#include "model/monitor.h"
#include "scenarios/interp.h"
#include "suite.h"

struct coverage {
  bool *fired; /* by catalog index: violated, by its target, in a passing suite run */
  unsigned suite_passed;
  unsigned failed_runs;
};

static void on_run(void *ctx, const char *path, uint64_t seed, const struct scn_outcome *out) {
  struct coverage *cov = ctx;
  if (!out->passed) {
    cov->failed_runs++;
    printf("failed run: %s seed=%" PRIu64 " ring=%s\n  %s\n", path, seed, scn_ring_name(out->ring),
           out->message);
    return;
  }
  if (!out->monitor_suite || out->tallies == NULL)
    return;
  cov->suite_passed++;
  for (size_t i = 0; i < model_catalog_count(); i++) {
    const struct model_mon_tally *t = &out->tallies[i];
    if (t->violations != 0 && t->first.clause != NULL &&
        t->first.clause->target == model_catalog_at(i)->target)
      cov->fired[i] = true;
  }
}

/* The catalog index of a check id, or model_catalog_count() if unknown. */
static size_t check_index(const char *id) {
  const struct model_clause *clause = model_catalog_find(id);
  for (size_t i = 0; clause != NULL && i < model_catalog_count(); i++)
    if (model_catalog_at(i) == clause)
      return i;
  return model_catalog_count();
}

int main(int argc, char **argv) {
  struct coverage cov = {0};
  if (argc != 2) {
    fprintf(stderr, "usage: scn_coverage_test SCENARIO_DIR\n");
    return 2;
  }
  cov.fired = calloc(model_catalog_count(), sizeof *cov.fired);
  if (cov.fired == NULL)
    return 2;
  long runs = scn_suite_run_dir(argv[1], NULL, NULL, on_run, &cov);
  if (runs < 0) {
    free(cov.fired);
    return 2;
  }
  size_t missing = 0;
  for (size_t k = 0; k < model_mon_check_count(); k++) {
    const char *id = model_mon_check_id(k);
    size_t i = check_index(id);
    if (i == model_catalog_count()) {
      printf("check %s is not a catalog id\n", id);
      missing++;
    } else if (!cov.fired[i]) {
      printf("check %s (by %s) never fired in a passing scenario that expects it\n", id,
             model_target_name(model_catalog_at(i)->target));
      missing++;
    }
  }
  printf("monitor-coverage: %zu of %zu checks fired; %ld runs, %u passing runs of the monitor's "
         "suite, %u failed runs\n",
         model_mon_check_count() - missing, model_mon_check_count(), runs, cov.suite_passed,
         cov.failed_runs);
  free(cov.fired);
  return missing == 0 ? 0 : 1;
}
