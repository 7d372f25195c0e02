/*
 * reports/write_junit.c: junit.xml (contract in reports/report.h), in the
 * common JUnit XML dialect CI systems read (Jenkins, GitLab, GitHub
 * actions): <testsuites> of <testsuite> of <testcase>, with <failure> and
 * <skipped>.
 *
 * Test suites, in order:
 *  - "scenarios": a testcase per run of the normal suite (scenario, seed);
 *  - "conformance.driver", "conformance.device": a testcase per statement,
 *    judged by the normal suite; FAIL a failure carrying the first
 *    violation and its replay command, NOT EXERCISED and N/A skipped;
 *  - when the report has monitor self-test runs: "monitor-selftest.scenarios"
 *    (a testcase per run) and "monitor-selftest.checks" (a testcase per
 *    monitor check: passed when a passing run made it fire, skipped
 *    otherwise).
 * Times are 0: the runs are in virtual time, and a report must not depend
 * on the host's clock.
 */
#include <inttypes.h>
#include <stdio.h>

#include "model/catalog.h"
#include "reports/aggregate.h"
#include "reports/report.h"
#include "reports/text.h"

struct junit_counts {
  size_t tests, failures, skipped;
};

static void xml_attr(FILE *out, const char *name, const char *value) {
  fprintf(out, " %s=\"", name);
  report_text_xml(out, value);
  fputc('"', out);
}

static void suite_open(FILE *out, const char *name, struct junit_counts c) {
  fputs("  <testsuite", out);
  xml_attr(out, "name", name);
  fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"0\">\n",
          c.tests, c.failures, c.skipped);
}

static void run_case(FILE *out, const struct report_run *run, const char *classname) {
  char name[64];
  fputs("    <testcase", out);
  xml_attr(out, "classname", classname);
  fputs(" name=\"", out);
  report_text_xml(out, run->path);
  snprintf(name, sizeof name, " seed=%" PRIu64 " ring=%s", run->seed, report_ring_name(run->ring));
  fprintf(out, "%s\" time=\"0\"", name);
  if (run->passed) {
    fputs("/>\n", out);
    return;
  }
  fputs(">\n      <failure type=\"scenario\"", out);
  xml_attr(out, "message", run->message);
  fputc('>', out);
  report_text_xml(out, run->message);
  fputs("&#10;replay: ", out);
  report_text_xml(out, run->replay);
  fputs("</failure>\n    </testcase>\n", out);
}

static void run_suite(FILE *out, const struct report_set *set, enum report_suite suite,
                      const char *name) {
  struct junit_counts c = {0};
  for (size_t r = 0; r < set->run_count; r++) {
    if (report_run_suite(&set->runs[r]) != suite)
      continue;
    c.tests++;
    c.failures += set->runs[r].passed ? 0u : 1u;
  }
  suite_open(out, name, c);
  for (size_t r = 0; r < set->run_count; r++) {
    if (report_run_suite(&set->runs[r]) == suite)
      run_case(out, &set->runs[r], name);
  }
  fputs("  </testsuite>\n", out);
}

/* <testcase classname="conformance.driver.status" name="2.1.1#1 MUST: ..."> */
static void statement_open(FILE *out, const char *prefix, const struct model_clause *clause) {
  fprintf(out, "    <testcase classname=\"%s.%s.", prefix, model_target_name(clause->target));
  report_text_xml(out, clause->area);
  fputs("\" name=\"", out);
  report_text_xml(out, clause->id);
  fprintf(out, " %s: ", model_level_name(clause->level));
  report_text_xml(out, clause->summary);
  fputs("\" time=\"0\"", out);
}

static void statement_case(FILE *out, const struct model_clause *clause,
                           const struct report_statement *st) {
  char cond[96];
  statement_open(out, "conformance", clause);
  switch (st->verdict) {
  case REPORT_VERDICT_PASS:
    fputs("/>\n", out);
    return;
  case REPORT_VERDICT_FAIL:
    fprintf(out,
            ">\n      <failure type=\"FAIL\" message=\"violated %" PRIu64 " time%s in %zu run%s: ",
            st->violations, report_plural(st->violations), st->runs_violated,
            report_plural(st->runs_violated));
    report_text_xml(out, st->first->detail);
    fputs("\">first violation: ", out);
    report_text_xml(out, st->first->detail);
    fprintf(out, " (time %" PRIu64 ", trace position %" PRIu64 ")&#10;in: ", st->first->time_ticks,
            st->first->trace_pos);
    report_text_xml(out, st->first_run->path);
    fputs("&#10;replay: ", out);
    report_text_xml(out, st->first_run->replay);
    fputs("</failure>\n    </testcase>\n", out);
    return;
  case REPORT_VERDICT_NOT_EXERCISED:
    fputs(">\n      <skipped message=\"NOT EXERCISED: ", out);
    report_text_xml(out, report_reason_text(st->reason));
    fputs("\"/>\n    </testcase>\n", out);
    return;
  case REPORT_VERDICT_NA:
    report_condition_text(clause, cond, sizeof cond);
    fputs(">\n      <skipped message=\"N/A: needs ", out);
    report_text_xml(out, cond);
    fputs("; no run met that\"/>\n    </testcase>\n", out);
    return;
  }
}

static void statement_suite(FILE *out, const struct report_aggregate *agg,
                            enum model_target target) {
  struct junit_counts c = {0};
  char name[32];
  for (size_t i = 0; i < agg->statement_count; i++) {
    if (model_catalog_at(i)->target != target)
      continue;
    enum report_verdict v = agg->statements[REPORT_SUITE_NORMAL][i].verdict;
    c.tests++;
    c.failures += v == REPORT_VERDICT_FAIL ? 1u : 0u;
    c.skipped += v == REPORT_VERDICT_NOT_EXERCISED || v == REPORT_VERDICT_NA ? 1u : 0u;
  }
  snprintf(name, sizeof name, "conformance.%s", model_target_name(target));
  suite_open(out, name, c);
  for (size_t i = 0; i < agg->statement_count; i++) {
    const struct model_clause *clause = model_catalog_at(i);
    if (clause->target == target)
      statement_case(out, clause, &agg->statements[REPORT_SUITE_NORMAL][i]);
  }
  fputs("  </testsuite>\n", out);
}

static void check_suite(FILE *out, const struct report_aggregate *agg) {
  struct junit_counts c = {.tests = agg->check_count};
  c.skipped = agg->check_count - agg->checks_fired;
  suite_open(out, "monitor-selftest.checks", c);
  for (size_t i = 0; i < agg->statement_count; i++) {
    const struct model_clause *clause = model_catalog_at(i);
    const struct report_statement *st = &agg->statements[REPORT_SUITE_MONITOR][i];
    if (!agg->observable[i])
      continue;
    statement_open(out, "monitor-selftest", clause);
    if (st->runs_violated_passed != 0) {
      fputs(">\n      <system-out>fired first in: ", out);
      report_text_xml(out, st->first_passed_run->replay);
      fputs("</system-out>\n    </testcase>\n", out);
    } else {
      fputs(">\n      <skipped message=\"no passing run of this report made the check fire\"/>\n"
            "    </testcase>\n",
            out);
    }
  }
  fputs("  </testsuite>\n", out);
}

model_err report_write_junit(FILE *out, const struct report_set *set) {
  struct report_aggregate agg;
  MODEL_TRY(report_aggregate_init(&agg, set));
  const struct report_suite_summary *normal = &agg.suites[REPORT_SUITE_NORMAL];
  const struct report_suite_summary *monitor = &agg.suites[REPORT_SUITE_MONITOR];
  struct junit_counts all = {.tests = normal->runs + agg.statement_count,
                             .failures = normal->runs_failed};
  for (unsigned t = 0; t < 2; t++) {
    const struct report_target_counts *tc = &normal->targets[t];
    all.failures += tc->verdicts[REPORT_VERDICT_FAIL];
    all.skipped += tc->verdicts[REPORT_VERDICT_NOT_EXERCISED] + tc->verdicts[REPORT_VERDICT_NA];
  }
  if (monitor->runs != 0) {
    all.tests += monitor->runs + agg.check_count;
    all.failures += monitor->runs_failed;
    all.skipped += agg.check_count - agg.checks_fired;
  }
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
  fprintf(out,
          "<testsuites name=\"viosim conformance\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
          "skipped=\"%zu\" time=\"0\">\n",
          all.tests, all.failures, all.skipped);
  run_suite(out, set, REPORT_SUITE_NORMAL, "scenarios");
  statement_suite(out, &agg, MODEL_TARGET_DRIVER);
  statement_suite(out, &agg, MODEL_TARGET_DEVICE);
  if (monitor->runs != 0) {
    run_suite(out, set, REPORT_SUITE_MONITOR, "monitor-selftest.scenarios");
    check_suite(out, &agg);
  }
  fputs("</testsuites>\n", out);
  report_aggregate_fini(&agg);
  return ferror(out) ? MODEL_ERR_IO : MODEL_OK;
}
