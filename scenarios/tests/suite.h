/*
 * scenarios/tests/suite.h: running a directory of scenarios from a test
 * program, as `viosim run DIR` does (the same file list, in the same order,
 * each with the seeds its `seeds` line names, on each ring format its `ring`
 * line allows, split first; the outcome names the format), handing every run's outcome
 * to a callback. Shared by scenario/monitor-coverage and
 * scenario/snapshot-mode.
 */
#ifndef VIOSIM_SCENARIOS_TESTS_SUITE_H
#define VIOSIM_SCENARIOS_TESTS_SUITE_H

#include <stdbool.h>
#include <stdint.h>

#include "scenarios/interp.h"

/* Which files to run: `rel` is the path below the directory ("net/x.vsc"). */
typedef bool (*scn_suite_filter_fn)(const char *rel);
/* One run. A file that does not parse is one failed run with seed 0, its
 * outcome carrying the parse error and no monitor results. */
typedef void (*scn_suite_run_fn)(void *ctx, const char *path, uint64_t seed,
                                 const struct scn_outcome *out);

/* Run every scenario under dir that filter accepts (NULL: all). Returns the
 * number of runs, or -1 (with a message on stderr) if dir cannot be read. */
long scn_suite_run_dir(const char *dir, scn_suite_filter_fn filter, const struct scn_run_opts *opts,
                       scn_suite_run_fn fn, void *ctx);

/* True if rel lies in the monitor's own folder (monitor/...). */
bool scn_suite_in_monitor_dir(const char *rel);

#endif
