/*
 * reports/report.h: the conformance report in four formats, from a set of
 * runs (reports/results.h) aggregated per statement (reports/aggregate.h):
 *
 *  - Markdown (conformance.md): summary, failures with replay commands, a
 *    table per target in spec order, the runs, the monitor self-test suite;
 *  - HTML (conformance.html): the same in one self-contained page (inline
 *    CSS and script, no external resource), verdicts in colour, filters by
 *    area and verdict with live counts; the script sets
 *    document.body.dataset.ready = "1" once it has run;
 *  - JSON (conformance.json): schema "viosim-conformance/1", documented in
 *    reports/README.md and described by reports/conformance.schema.json;
 *  - JUnit XML (junit.xml): a testcase per scenario and seed and one per
 *    statement (FAIL a failure with the replay command, NOT EXERCISED and
 *    N/A skipped), and the monitor's checks in their own testsuite (passed
 *    when a passing run of the monitor suite made the check fire).
 *
 * Every writer's output is a function of the set alone (no clock, no host
 * name), so reports of the same runs are identical byte for byte. Untrusted
 * text (paths, messages, details) is escaped for each format (reports/
 * text.h). Writers return MODEL_ERR_IO when the stream reports an error,
 * MODEL_ERR_NO_MEMORY if aggregation cannot allocate.
 */
#ifndef VIOSIM_REPORTS_REPORT_H
#define VIOSIM_REPORTS_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "model/result.h"
#include "reports/results.h"

#define REPORT_JSON_SCHEMA "viosim-conformance/1"

MODEL_MUST_USE model_err report_write_markdown(FILE *out, const struct report_set *set);
MODEL_MUST_USE model_err report_write_html(FILE *out, const struct report_set *set);
MODEL_MUST_USE model_err report_write_json(FILE *out, const struct report_set *set);
MODEL_MUST_USE model_err report_write_junit(FILE *out, const struct report_set *set);

/* The file names report_write_dir writes, in the order it writes them. */
#define REPORT_FILE_COUNT 5u
extern const char *const report_file_names[REPORT_FILE_COUNT];

/*
 * Write conformance.md, conformance.html, conformance.json, junit.xml and
 * results.tsv (report_save_results) into `dir`, creating it and its missing
 * parents. On failure err holds "PATH: reason"; MODEL_ERR_IO for a file
 * system error, or the writer's error.
 */
MODEL_MUST_USE model_err report_write_dir(const struct report_set *set, const char *dir, char *err,
                                          size_t err_size);

#endif
