/*
 * scenarios/tests/suite.c: running a directory of scenarios (see suite.h).
 */
#include "suite.h"

#include <stdio.h>
#include <string.h>

#include "scenarios/lang.h"
#include "scenarios/paths.h"

bool scn_suite_in_monitor_dir(const char *rel) {
  return strncmp(rel, "monitor/", 8) == 0;
}

/* The path below dir ("net/x.vsc"): what scn_paths_add put after dir. */
static const char *relative(const char *dir, const char *path) {
  size_t len = strlen(dir);
  if (strncmp(path, dir, len) != 0)
    return path;
  path += len;
  while (*path == '/')
    path++;
  return path;
}

static void run_file(const char *path, const struct scn_run_opts *opts, scn_suite_run_fn fn,
                     void *ctx, long *runs) {
  struct scn_script script;
  struct scn_outcome out;
  char err[SCN_ERROR_MAX];
  if (scn_script_parse_file(&script, path, err, sizeof err) != MODEL_OK) {
    memset(&out, 0, sizeof out);
    (void)snprintf(out.message, sizeof out.message, "%s", err);
    fn(ctx, path, 0, &out);
    (*runs)++;
    scn_script_fini(&script);
    return;
  }
  for (size_t k = 0; k < script.seed_count; k++) {
    for (unsigned r = 0; r < (unsigned)SCN_RING_COUNT; r++) {
      struct scn_run_opts ring_opts = opts != NULL ? *opts : (struct scn_run_opts){0};
      if ((script.rings & SCN_RING_BIT(r)) == 0)
        continue;
      ring_opts.ring = (enum scn_ring)r;
      scn_run(&script, script.seeds[k], &ring_opts, &out);
      fn(ctx, path, script.seeds[k], &out);
      scn_outcome_fini(&out);
      (*runs)++;
    }
  }
  scn_script_fini(&script);
}

long scn_suite_run_dir(const char *dir, scn_suite_filter_fn filter, const struct scn_run_opts *opts,
                       scn_suite_run_fn fn, void *ctx) {
  struct scn_paths paths = {0};
  char err[SCN_ERROR_MAX];
  long runs = 0;
  if (scn_paths_add(&paths, dir, err, sizeof err) != MODEL_OK) {
    fprintf(stderr, "%s\n", err);
    scn_paths_fini(&paths);
    return -1;
  }
  for (size_t i = 0; i < paths.count; i++) {
    if (filter == NULL || filter(relative(dir, paths.items[i])))
      run_file(paths.items[i], opts, fn, ctx, &runs);
  }
  scn_paths_fini(&paths);
  return runs;
}
