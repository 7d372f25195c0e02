/*
 * scenarios/paths.h: turning the command line's PATH arguments into the list
 * of scenario files to run. A file argument is taken as is (whatever its
 * extension); a directory is searched recursively for *.vsc files. Each
 * directory's entries are visited in byte order of their names, so the list
 * (and the order of the run's output) is fixed by the tree alone, never by
 * readdir order. Recursion depth and the number of files are bounded.
 */
#ifndef VIOSIM_SCENARIOS_PATHS_H
#define VIOSIM_SCENARIOS_PATHS_H

#include <stddef.h>

#include "model/result.h"

#define SCN_PATHS_DEPTH_MAX 16u
#define SCN_PATHS_FILES_MAX 100000u

struct scn_paths {
  char **items; /* owned strings */
  size_t count;
  size_t capacity;
};

/*
 * Append the scenario files named by `arg` to paths. Errors, with a message
 * in err: "ARG: no such file or directory" (or the system's reason),
 * "ARG: no scenario files (*.vsc) in this directory", a tree too deep or too
 * large. MODEL_ERR_INVALID_ARG for those, MODEL_ERR_NO_MEMORY.
 */
MODEL_MUST_USE model_err scn_paths_add(struct scn_paths *paths, const char *arg, char *err,
                                       size_t err_size);
void scn_paths_fini(struct scn_paths *paths);

#endif
