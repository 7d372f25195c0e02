/*
 * reports/coverage.h: code coverage per module, as the conformance report
 * shows it. The coverage preset's `make check` writes the figures into
 * modules.tsv (cmake/coverage.py, format in reports/README.md); `viosim run
 * ... --report DIR --coverage FILE` and `viosim report ... --coverage FILE`
 * load that file into the report set, and every format but JUnit then has a
 * "Code coverage" section (module, lines, branches).
 *
 * The file is untrusted input: the loader checks every line (the header,
 * seven tab-separated fields, a module name of [A-Za-z0-9_.-], counts of at
 * most 12 digits with covered <= total, lines_total > 0, each percentage
 * equal to the one the counts give, each module once) and on the first
 * error returns MODEL_ERR_INVALID_ARG with "path:line: what is wrong",
 * leaving `cov` empty. A percentage is covered/total floored to two
 * decimals, in integer arithmetic (the same rule as cmake/coverage.py and
 * .ci/coverage-gate), "100.00" for a module with no branches.
 */
#ifndef VIOSIM_REPORTS_COVERAGE_H
#define VIOSIM_REPORTS_COVERAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/result.h"

#define REPORT_COVERAGE_MODULES_MAX 32u
#define REPORT_COVERAGE_NAME_MAX    32u           /* with the terminator */
#define REPORT_COVERAGE_COUNT_MAX   999999999999u /* 12 digits: covered * 10000 fits */
#define REPORT_COVERAGE_PCT_SIZE    8u            /* "100.00" and the terminator */

struct report_coverage_module {
  char name[REPORT_COVERAGE_NAME_MAX];
  uint64_t lines_covered, lines_total;
  uint64_t branches_covered, branches_total;
};

/* The modules in file order; module_count 0: no coverage was given. */
struct report_coverage {
  struct report_coverage_module modules[REPORT_COVERAGE_MODULES_MAX];
  size_t module_count;
};

/* The header line of modules.tsv, without its newline. */
#define REPORT_COVERAGE_HEADER                                                                     \
  "module\tlines_covered\tlines_total\tline_pct\tbranches_covered\tbranches_total\tbranch_pct"

/* Replace `cov` with the modules of the file `in`; `path` names it in
 * messages. MODEL_ERR_INVALID_ARG on malformed input, MODEL_ERR_IO on a read
 * error (err: "path: read error"); `cov` is then empty. */
MODEL_MUST_USE model_err report_load_coverage(FILE *in, const char *path,
                                              struct report_coverage *cov, char *err,
                                              size_t err_size);

/* covered/total as "95.40" (floored to two decimals; "100.00" when total is
 * 0). Both at most REPORT_COVERAGE_COUNT_MAX. */
void report_coverage_pct(uint64_t covered, uint64_t total, char buf[REPORT_COVERAGE_PCT_SIZE]);

#endif
