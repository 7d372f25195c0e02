/*
 * reports/write_md.c: conformance.md (contract in reports/report.h).
 *
 * Layout: a title and the run counts; the summary per target (statements
 * exercised out of those in scope, and each verdict); code coverage per
 * module when the set has it; the failures with
 * their replay commands; a table per target in spec (catalog) order; the
 * runs; then the monitor's self-test suite (which checks fired) and its
 * runs. GitHub-flavoured Markdown tables; every cell's text is escaped
 * (reports/text.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "model/catalog.h"
#include "reports/aggregate.h"
#include "reports/report.h"
#include "reports/text.h"

static const char *target_title(enum model_target target) {
  return target == MODEL_TARGET_DRIVER ? "Driver" : "Device";
}

/* "40 of 145 (27.5%)", rounded down to a tenth of a percent. */
static void md_fraction(FILE *out, size_t part, size_t whole) {
  size_t permille = whole == 0 ? 0 : part * 1000u / whole;
  fprintf(out, "%zu of %zu (%zu.%zu%%)", part, whole, permille / 10u, permille % 10u);
}

static void md_summary(FILE *out, const struct report_aggregate *agg, enum report_suite suite) {
  fputs("| target | exercised of in scope | PASS | FAIL | NOT EXERCISED | N/A "
        "| observable by the monitor |\n",
        out);
  fputs("|---|---|--:|--:|--:|--:|--:|\n", out);
  for (unsigned t = 0; t < 2; t++) {
    const struct report_target_counts *c = &agg->suites[suite].targets[t];
    fprintf(out, "| %s | ", model_target_name((enum model_target)t));
    md_fraction(out, c->exercised, c->in_scope);
    fprintf(out, " | %zu | %zu | %zu | %zu | %zu |\n", c->verdicts[REPORT_VERDICT_PASS],
            c->verdicts[REPORT_VERDICT_FAIL], c->verdicts[REPORT_VERDICT_NOT_EXERCISED],
            c->verdicts[REPORT_VERDICT_NA], c->observable);
  }
  fputc('\n', out);
}

/* The note cell of a statement: why it failed or was not exercised. */
static void md_note(FILE *out, const struct model_clause *clause,
                    const struct report_statement *st) {
  char cond[96];
  switch (st->verdict) {
  case REPORT_VERDICT_PASS:
    break;
  case REPORT_VERDICT_FAIL:
    fprintf(out, "%" PRIu64 " violation%s in %zu run%s; first: ", st->violations,
            report_plural(st->violations), st->runs_violated, report_plural(st->runs_violated));
    report_text_md(out, st->first->detail);
    fputs("; replay: ", out);
    report_text_md_code(out, st->first_run->replay);
    break;
  case REPORT_VERDICT_NOT_EXERCISED:
    report_text_md(out, report_reason_text(st->reason));
    break;
  case REPORT_VERDICT_NA:
    report_condition_text(clause, cond, sizeof cond);
    fputs("needs ", out);
    report_text_md(out, cond);
    fputs("; no run met that", out);
    break;
  }
}

static void md_statements(FILE *out, const struct report_aggregate *agg, enum model_target target) {
  fprintf(out, "## %s statements\n\n", target_title(target));
  fputs("| id | level | area | verdict | evaluated | summary | note |\n", out);
  fputs("|---|---|---|---|---|---|---|\n", out);
  for (size_t i = 0; i < agg->statement_count; i++) {
    const struct model_clause *clause = model_catalog_at(i);
    const struct report_statement *st = &agg->statements[REPORT_SUITE_NORMAL][i];
    if (clause->target != target)
      continue;
    fputs("| ", out);
    report_text_md(out, clause->id);
    fprintf(out, " | %s | ", model_level_name(clause->level));
    report_text_md(out, clause->area);
    fprintf(out, " | **%s** | ", report_verdict_label(st->verdict));
    if (st->evaluated != 0)
      fprintf(out, "%" PRIu64 " in %zu run%s", st->evaluated, st->runs_evaluated,
              report_plural(st->runs_evaluated));
    fputs(" | ", out);
    report_text_md(out, clause->summary);
    fputs(" | ", out);
    md_note(out, clause, st);
    fputs(" |\n", out);
  }
  fputc('\n', out);
}

static void md_failures(FILE *out, const struct report_aggregate *agg) {
  size_t n = 0;
  fputs("## Failures\n\n", out);
  for (size_t i = 0; i < agg->statement_count; i++) {
    const struct model_clause *clause = model_catalog_at(i);
    const struct report_statement *st = &agg->statements[REPORT_SUITE_NORMAL][i];
    if (st->verdict != REPORT_VERDICT_FAIL)
      continue;
    n++;
    fputs("- **", out);
    report_text_md(out, clause->id);
    fprintf(out, "** (%s, %s) ", model_target_name(clause->target),
            model_level_name(clause->level));
    report_text_md(out, clause->summary);
    fputs(": ", out);
    report_text_md(out, st->first->detail);
    fprintf(out, " (time %" PRIu64 ", trace position %" PRIu64 "). Replay: ", st->first->time_ticks,
            st->first->trace_pos);
    report_text_md_code(out, st->first_run->replay);
    fputc('\n', out);
  }
  fputs(n == 0 ? "None: no run of the normal suite violated a statement.\n\n" : "\n", out);
}

static void md_runs(FILE *out, const struct report_set *set, enum report_suite suite) {
  fputs("| result | scenario | seed | ring | trace hash | note |\n|---|---|--:|---|---|---|\n",
        out);
  for (size_t r = 0; r < set->run_count; r++) {
    const struct report_run *run = &set->runs[r];
    if (report_run_suite(run) != suite)
      continue;
    fprintf(out, "| %s | ", run->passed ? "PASS" : "**FAIL**");
    report_text_md(out, run->path);
    fprintf(out, " | %" PRIu64 " | %s | %016" PRIx64 " | ", run->seed, report_ring_name(run->ring),
            run->trace_hash);
    if (!run->passed) {
      report_text_md(out, run->message);
      fputs("; replay: ", out);
      report_text_md_code(out, run->replay);
    }
    fputs(" |\n", out);
  }
  fputc('\n', out);
}

static void md_monitor_checks(FILE *out, const struct report_aggregate *agg) {
  fputs("| check | target | level | fired | first fired by | summary |\n", out);
  fputs("|---|---|---|---|---|---|\n", out);
  for (size_t i = 0; i < agg->statement_count; i++) {
    const struct model_clause *clause = model_catalog_at(i);
    const struct report_statement *st = &agg->statements[REPORT_SUITE_MONITOR][i];
    if (!agg->observable[i])
      continue;
    fputs("| ", out);
    report_text_md(out, clause->id);
    fprintf(out, " | %s | %s | ", model_target_name(clause->target),
            model_level_name(clause->level));
    if (st->runs_violated_passed != 0) {
      fprintf(out, "yes, in %zu passing run%s | ", st->runs_violated_passed,
              report_plural(st->runs_violated_passed));
      report_text_md_code(out, st->first_passed_run->replay);
    } else if (st->runs_violated != 0) {
      fputs("**only in failing runs** | ", out);
      report_text_md_code(out, st->first_run->replay);
    } else {
      fputs("**no** | ", out);
    }
    fputs(" | ", out);
    report_text_md(out, clause->summary);
    fputs(" |\n", out);
  }
  fputc('\n', out);
}

static void md_monitor(FILE *out, const struct report_aggregate *agg) {
  const struct report_suite_summary *sum = &agg->suites[REPORT_SUITE_MONITOR];
  fputs("## Monitor self-test suite\n\n", out);
  fputs("Runs that select a misbehaving driver or device, or expect a violation: they test "
        "the monitor, not the project's halves. A check is proven when a passing run made it "
        "fire (a run passes only if every violation it saw was one its scenario expected).\n\n",
        out);
  if (sum->runs == 0) {
    fputs("No run of this report belongs to it.\n", out);
    return;
  }
  fprintf(out,
          "%zu run%s, %zu passed, %zu failed. Checks proven (fired in a passing run): ", sum->runs,
          report_plural(sum->runs), sum->runs_passed, sum->runs_failed);
  md_fraction(out, agg->checks_fired, agg->check_count);
  fputs(".\n\n", out);
  md_monitor_checks(out, agg);
  fputs("### Runs (monitor self-test suite)\n\n", out);
  md_runs(out, agg->set, REPORT_SUITE_MONITOR);
}

/* Code coverage per module, when the set has it. */
static void md_coverage(FILE *out, const struct report_coverage *cov) {
  char lines[REPORT_COVERAGE_PCT_SIZE], branches[REPORT_COVERAGE_PCT_SIZE];
  if (cov->module_count == 0)
    return;
  fputs("## Code coverage\n\nLine and branch coverage of the project's code per module, as "
        "the coverage build measured it (gcov under `make check`, tests excluded):\n\n"
        "| module | lines | branches |\n|---|--:|--:|\n",
        out);
  for (size_t i = 0; i < cov->module_count; i++) {
    const struct report_coverage_module *m = &cov->modules[i];
    report_coverage_pct(m->lines_covered, m->lines_total, lines);
    report_coverage_pct(m->branches_covered, m->branches_total, branches);
    fputs("| ", out);
    report_text_md(out, m->name);
    fprintf(out, " | %s%% (%" PRIu64 " of %" PRIu64 ") | %s%% (%" PRIu64 " of %" PRIu64 ") |\n",
            lines, m->lines_covered, m->lines_total, branches, m->branches_covered,
            m->branches_total);
  }
  fputc('\n', out);
}

static void md_legend(FILE *out) {
  fputs("Verdicts: **PASS** the monitor evaluated the statement and no run violated it; "
        "**FAIL** a run violated it (the first violation's replay command is given); "
        "**NOT EXERCISED** no run evaluated it (the note says whether the monitor has a "
        "check for it at all); **N/A** its feature condition held in no run.\n\n",
        out);
}

model_err report_write_markdown(FILE *out, const struct report_set *set) {
  struct report_aggregate agg;
  MODEL_TRY(report_aggregate_init(&agg, set));
  const struct report_suite_summary *sum = &agg.suites[REPORT_SUITE_NORMAL];
  fputs("# viosim conformance report\n\n", out);
  fprintf(out,
          "Specification: VIRTIO 1.4 (virtio-v1.4-cs01). Normal suite: %zu run%s, %zu passed, "
          "%zu failed. Monitor self-test suite: %zu run%s.\n\n",
          sum->runs, report_plural(sum->runs), sum->runs_passed, sum->runs_failed,
          agg.suites[REPORT_SUITE_MONITOR].runs,
          report_plural(agg.suites[REPORT_SUITE_MONITOR].runs));
  fputs("## Summary\n\nStatements exercised out of those in scope (the normal suite judges "
        "the project's driver and device):\n\n",
        out);
  md_summary(out, &agg, REPORT_SUITE_NORMAL);
  md_legend(out);
  md_coverage(out, &set->coverage);
  md_failures(out, &agg);
  md_statements(out, &agg, MODEL_TARGET_DRIVER);
  md_statements(out, &agg, MODEL_TARGET_DEVICE);
  fputs("## Runs\n\n", out);
  md_runs(out, set, REPORT_SUITE_NORMAL);
  md_monitor(out, &agg);
  report_aggregate_fini(&agg);
  return ferror(out) ? MODEL_ERR_IO : MODEL_OK;
}
