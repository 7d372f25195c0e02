/*
 * reports/write_json.c: conformance.json, schema "viosim-conformance/1"
 * (contract in reports/report.h; fields documented in reports/README.md,
 * described by reports/conformance.schema.json).
 *
 * Written by hand, two-space indented, keys in a fixed order, so that the
 * same runs give the same bytes. Integers are written as JSON integers
 * (64-bit values may exceed 2^53: parse with a reader that keeps them);
 * hashes and feature sets as 16 hex digits in strings.
 */
#include <inttypes.h>
#include <stdio.h>

#include "model/catalog.h"
#include "reports/aggregate.h"
#include "reports/report.h"
#include "reports/text.h"

static void json_string(FILE *out, const char *s) {
  fputc('"', out);
  report_text_json(out, s);
  fputc('"', out);
}

static void json_target_counts(FILE *out, const struct report_target_counts *c) {
  fprintf(out,
          "{\"in_scope\": %zu, \"observable\": %zu, \"exercised\": %zu, \"PASS\": %zu, "
          "\"FAIL\": %zu, \"NOT_EXERCISED\": %zu, \"N_A\": %zu}",
          c->in_scope, c->observable, c->exercised, c->verdicts[REPORT_VERDICT_PASS],
          c->verdicts[REPORT_VERDICT_FAIL], c->verdicts[REPORT_VERDICT_NOT_EXERCISED],
          c->verdicts[REPORT_VERDICT_NA]);
}

static void json_summary(FILE *out, const struct report_aggregate *agg) {
  fputs("  \"summary\": {\n", out);
  for (unsigned s = 0; s < REPORT_SUITE_COUNT; s++) {
    const struct report_suite_summary *sum = &agg->suites[s];
    fprintf(out,
            "    \"%s\": {\n      \"runs\": %zu,\n      \"runs_passed\": %zu,\n"
            "      \"runs_failed\": %zu,\n",
            report_suite_name((enum report_suite)s), sum->runs, sum->runs_passed, sum->runs_failed);
    if (s == REPORT_SUITE_MONITOR)
      fprintf(out, "      \"checks\": %zu,\n      \"checks_fired\": %zu,\n", agg->check_count,
              agg->checks_fired);
    fputs("      \"targets\": {\n", out);
    for (unsigned t = 0; t < 2; t++) {
      fprintf(out, "        \"%s\": ", model_target_name((enum model_target)t));
      json_target_counts(out, &sum->targets[t]);
      fputs(t == 0 ? ",\n" : "\n", out);
    }
    fprintf(out, "      }\n    }%s\n", s + 1 < REPORT_SUITE_COUNT ? "," : "");
  }
  fputs("  },\n", out);
}

static void json_features(FILE *out, uint64_t features) {
  char buf[32];
  bool first = true;
  fputc('[', out);
  for (unsigned bit = 0; bit < 64; bit++) {
    if ((features >> bit & 1u) == 0)
      continue;
    fputs(first ? "" : ", ", out);
    json_string(out, report_feature_name(bit, buf, sizeof buf));
    first = false;
  }
  fputc(']', out);
}

static void json_run(FILE *out, const struct report_run *run) {
  uint64_t violations = 0;
  for (size_t k = 0; k < run->tally_count; k++)
    violations += run->tallies[k].violations;
  fputs("    {\"path\": ", out);
  json_string(out, run->path);
  fprintf(out,
          ", \"seed\": %" PRIu64 ", \"ring\": \"%s\", \"suite\": \"%s\", \"passed\": %s,\n"
          "     \"message\": ",
          run->seed, report_ring_name(run->ring), report_suite_name(report_run_suite(run)),
          run->passed ? "true" : "false");
  json_string(out, run->message);
  fputs(", \"replay\": ", out);
  json_string(out, run->replay);
  fprintf(out,
          ",\n     \"trace_hash\": \"%016" PRIx64 "\", \"features_seen\": \"%016" PRIx64
          "\", \"features\": ",
          run->trace_hash, run->features_seen);
  json_features(out, run->features_seen);
  fprintf(out, ",\n     \"statements_evaluated\": %zu, \"violations\": %" PRIu64 ",\n",
          run->tally_count, violations);
  fputs("     \"counters\": {", out);
  for (size_t k = 0; k < run->counter_count; k++) {
    fputs(k == 0 ? "" : ", ", out);
    json_string(out, run->counters[k].name);
    fprintf(out, ": %" PRIu64, run->counters[k].value);
  }
  fputs("}}", out);
}

static void json_runs(FILE *out, const struct report_set *set) {
  fputs("  \"runs\": [", out);
  for (size_t r = 0; r < set->run_count; r++) {
    fputs(r == 0 ? "\n" : ",\n", out);
    json_run(out, &set->runs[r]);
  }
  fputs(set->run_count == 0 ? "],\n" : "\n  ],\n", out);
}

static void json_violation(FILE *out, const struct report_aggregate *agg,
                           const struct report_statement *st) {
  const struct report_violation *v = st->first;
  fprintf(out, "{\"run\": %zu, \"path\": ", (size_t)(st->first_run - agg->set->runs));
  json_string(out, st->first_run->path);
  fprintf(out, ", \"seed\": %" PRIu64 ", \"ring\": \"%s\", \"replay\": ", st->first_run->seed,
          report_ring_name(st->first_run->ring));
  json_string(out, st->first_run->replay);
  fprintf(out,
          ", \"time_ticks\": %" PRIu64 ", \"trace_pos\": %" PRIu64 ", \"values\": [%" PRIu64
          ", %" PRIu64 ", %" PRIu64 "], \"detail\": ",
          v->time_ticks, v->trace_pos, v->values[0], v->values[1], v->values[2]);
  json_string(out, v->detail);
  fputc('}', out);
}

static void json_suite_verdict(FILE *out, const struct report_aggregate *agg,
                               const struct report_statement *st) {
  const char *reason = report_reason_token(st->reason);
  fprintf(out, "{\"verdict\": \"%s\", \"reason\": ", report_verdict_token(st->verdict));
  if (reason == NULL)
    fputs("null", out);
  else
    json_string(out, reason);
  fprintf(out,
          ", \"evaluated\": %" PRIu64 ", \"violations\": %" PRIu64
          ", \"runs_evaluated\": %zu, \"runs_violated\": %zu, \"runs_violated_passed\": %zu,\n"
          "       \"first_violation\": ",
          st->evaluated, st->violations, st->runs_evaluated, st->runs_violated,
          st->runs_violated_passed);
  if (st->first_run == NULL)
    fputs("null", out);
  else
    json_violation(out, agg, st);
  fputc('}', out);
}

static void json_statement(FILE *out, const struct report_aggregate *agg, size_t i) {
  const struct model_clause *c = model_catalog_at(i);
  char buf[32];
  fputs("    {\"id\": ", out);
  json_string(out, c->id);
  fputs(", \"section\": ", out);
  json_string(out, c->section);
  fprintf(out, ", \"target\": \"%s\", \"area\": ", model_target_name(c->target));
  json_string(out, c->area);
  fprintf(out, ", \"level\": \"%s\",\n     \"summary\": ", model_level_name(c->level));
  json_string(out, c->summary);
  fputs(",\n     \"feature\": ", out);
  if (c->feature == MODEL_CLAUSE_NO_FEATURE) {
    fputs("null", out);
  } else {
    fputs("{\"name\": ", out);
    json_string(out, report_feature_name(c->feature, buf, sizeof buf));
    fprintf(out, ", \"bit\": %u, \"when\": ", c->feature);
    json_string(out, model_feature_when_name(c->feature_when));
    fputc('}', out);
  }
  fprintf(out, ", \"observable\": %s,\n     \"normal\": ", agg->observable[i] ? "true" : "false");
  json_suite_verdict(out, agg, &agg->statements[REPORT_SUITE_NORMAL][i]);
  fputs(",\n     \"monitor\": ", out);
  json_suite_verdict(out, agg, &agg->statements[REPORT_SUITE_MONITOR][i]);
  fputc('}', out);
}

/* "coverage": null, or a module per element with its counts and the
 * percentages (floored to two decimals) as JSON numbers. */
static void json_coverage(FILE *out, const struct report_coverage *cov) {
  char lines[REPORT_COVERAGE_PCT_SIZE], branches[REPORT_COVERAGE_PCT_SIZE];
  if (cov->module_count == 0) {
    fputs("  \"coverage\": null\n", out);
    return;
  }
  fputs("  \"coverage\": [", out);
  for (size_t i = 0; i < cov->module_count; i++) {
    const struct report_coverage_module *m = &cov->modules[i];
    report_coverage_pct(m->lines_covered, m->lines_total, lines);
    report_coverage_pct(m->branches_covered, m->branches_total, branches);
    fputs(i == 0 ? "\n    {\"module\": " : ",\n    {\"module\": ", out);
    json_string(out, m->name);
    fprintf(out,
            ", \"lines_covered\": %" PRIu64 ", \"lines_total\": %" PRIu64
            ", \"line_pct\": %s,\n     \"branches_covered\": %" PRIu64
            ", \"branches_total\": %" PRIu64 ", \"branch_pct\": %s}",
            m->lines_covered, m->lines_total, lines, m->branches_covered, m->branches_total,
            branches);
  }
  fputs("\n  ]\n", out);
}

model_err report_write_json(FILE *out, const struct report_set *set) {
  struct report_aggregate agg;
  MODEL_TRY(report_aggregate_init(&agg, set));
  fputs("{\n  \"schema\": \"" REPORT_JSON_SCHEMA "\",\n", out);
  fputs("  \"spec\": \"VIRTIO 1.4 (virtio-v1.4-cs01)\",\n", out);
  json_summary(out, &agg);
  json_runs(out, set);
  fputs("  \"statements\": [", out);
  for (size_t i = 0; i < agg.statement_count; i++) {
    fputs(i == 0 ? "\n" : ",\n", out);
    json_statement(out, &agg, i);
  }
  fputs(agg.statement_count == 0 ? "],\n" : "\n  ],\n", out);
  json_coverage(out, &set->coverage);
  fputs("}\n", out);
  report_aggregate_fini(&agg);
  return ferror(out) ? MODEL_ERR_IO : MODEL_OK;
}
