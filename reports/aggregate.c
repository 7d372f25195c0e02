/*
 * reports/aggregate.c: verdicts per statement and suite (contract and rules
 * in reports/aggregate.h).
 *
 * One pass over the runs sums each statement's tallies into its suite; a
 * second pass over the catalog decides the verdicts and counts them. The
 * result depends only on the set's contents and order, so a report made
 * from a saved results.tsv is the report of the run that saved it.
 */
#include "reports/aggregate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/monitor.h"
#include "model/virtio.h"

enum report_suite report_run_suite(const struct report_run *run) {
  return run->monitor_suite ? REPORT_SUITE_MONITOR : REPORT_SUITE_NORMAL;
}

bool report_condition_met(const struct model_clause *clause, const struct report_run *run) {
  if (clause->feature == MODEL_CLAUSE_NO_FEATURE)
    return true;
  if (run->features_seen == 0) /* never reached DRIVER_OK: no feature was in use */
    return false;
  bool has = model_features_has(run->features_seen, clause->feature);
  switch (clause->feature_when) {
  case MODEL_FEATURE_WHEN_NEGOTIATED:
  case MODEL_FEATURE_WHEN_OFFERED: /* negotiated stands in for offered */
    return has;
  case MODEL_FEATURE_WHEN_NOT_NEGOTIATED:
  case MODEL_FEATURE_WHEN_NOT_OFFERED:
    return !has;
  }
  return false;
}

const char *report_feature_name(unsigned bit, char *buf, size_t size) {
  const char *name = model_feature_name(VIRTIO_ID_NET, bit);
  if (name != NULL)
    return name;
  snprintf(buf, size, "feature bit %u", bit);
  return buf;
}

void report_condition_text(const struct model_clause *clause, char *buf, size_t size) {
  char bit_name[32];
  if (size == 0)
    return;
  buf[0] = 0;
  if (clause->feature == MODEL_CLAUSE_NO_FEATURE)
    return;
  snprintf(buf, size, "%s %s", report_feature_name(clause->feature, bit_name, sizeof bit_name),
           model_feature_when_name(clause->feature_when));
}

/* Sum the tallies of every run into its suite's statements; note which
 * statements had their condition met somewhere (in `met`, per suite). */
static void sum_runs(struct report_aggregate *agg, bool *met[REPORT_SUITE_COUNT]) {
  const struct report_set *set = agg->set;
  for (size_t r = 0; r < set->run_count; r++) {
    const struct report_run *run = &set->runs[r];
    enum report_suite suite = report_run_suite(run);
    struct report_suite_summary *sum = &agg->suites[suite];
    sum->runs++;
    if (run->passed)
      sum->runs_passed++;
    else
      sum->runs_failed++;
    for (size_t i = 0; i < agg->statement_count; i++) {
      if (!met[suite][i] && report_condition_met(model_catalog_at(i), run))
        met[suite][i] = true;
    }
    for (size_t k = 0; k < run->tally_count; k++) {
      const struct report_tally *t = &run->tallies[k];
      struct report_statement *st = &agg->statements[suite][t->catalog_index];
      st->evaluated += t->evaluated;
      st->violations += t->violations;
      if (t->evaluated != 0)
        st->runs_evaluated++;
      if (t->violations != 0 && st->runs_violated++ == 0) {
        st->first_run = run;
        st->first = &t->first;
      }
      if (t->violations != 0 && run->passed && st->runs_violated_passed++ == 0)
        st->first_passed_run = run;
    }
  }
}

static void decide(struct report_statement *st, bool observable, bool met) {
  if (st->violations != 0) {
    st->verdict = REPORT_VERDICT_FAIL;
    st->reason = REPORT_REASON_NONE;
  } else if (st->evaluated != 0) {
    st->verdict = REPORT_VERDICT_PASS;
    st->reason = REPORT_REASON_NONE;
  } else if (!met) {
    st->verdict = REPORT_VERDICT_NA;
    st->reason = REPORT_REASON_CONDITION;
  } else {
    st->verdict = REPORT_VERDICT_NOT_EXERCISED;
    st->reason = observable ? REPORT_REASON_NOT_REACHED : REPORT_REASON_NOT_OBSERVABLE;
  }
}

static void decide_all(struct report_aggregate *agg, bool *met[REPORT_SUITE_COUNT]) {
  for (size_t s = 0; s < REPORT_SUITE_COUNT; s++) {
    for (size_t i = 0; i < agg->statement_count; i++) {
      const struct model_clause *clause = model_catalog_at(i);
      struct report_statement *st = &agg->statements[s][i];
      struct report_target_counts *counts = &agg->suites[s].targets[clause->target];
      /* a statement without a feature applies in every run, even with none */
      decide(st, agg->observable[i], met[s][i] || clause->feature == MODEL_CLAUSE_NO_FEATURE);
      counts->in_scope++;
      if (agg->observable[i])
        counts->observable++;
      counts->verdicts[st->verdict]++;
      if (st->verdict == REPORT_VERDICT_PASS || st->verdict == REPORT_VERDICT_FAIL)
        counts->exercised++;
      if (s == REPORT_SUITE_MONITOR && agg->observable[i]) {
        agg->check_count++;
        if (st->runs_violated_passed != 0)
          agg->checks_fired++;
      }
    }
  }
}

model_err report_aggregate_init(struct report_aggregate *agg, const struct report_set *set) {
  size_t n = model_catalog_count();
  bool *met[REPORT_SUITE_COUNT] = {0};
  *agg = (struct report_aggregate){.set = set, .statement_count = n};
  agg->observable = calloc(n, sizeof *agg->observable);
  for (size_t s = 0; s < REPORT_SUITE_COUNT; s++) {
    agg->statements[s] = calloc(n, sizeof *agg->statements[s]);
    met[s] = calloc(n, sizeof *met[s]);
  }
  bool ok = agg->observable != NULL;
  for (size_t s = 0; s < REPORT_SUITE_COUNT; s++)
    ok = ok && agg->statements[s] != NULL && met[s] != NULL;
  if (ok) {
    for (size_t c = 0; c < model_mon_check_count(); c++) {
      const struct model_clause *clause = model_catalog_find(model_mon_check_id(c));
      if (clause != NULL)
        agg->observable[(size_t)(clause - model_catalog_at(0))] = true;
    }
    sum_runs(agg, met);
    decide_all(agg, met);
  }
  for (size_t s = 0; s < REPORT_SUITE_COUNT; s++)
    free(met[s]);
  if (!ok) {
    report_aggregate_fini(agg);
    return MODEL_ERR_NO_MEMORY;
  }
  return MODEL_OK;
}

void report_aggregate_fini(struct report_aggregate *agg) {
  free(agg->observable);
  for (size_t s = 0; s < REPORT_SUITE_COUNT; s++)
    free(agg->statements[s]);
  *agg = (struct report_aggregate){0};
}

const char *report_verdict_token(enum report_verdict verdict) {
  switch (verdict) {
  case REPORT_VERDICT_PASS:
    return "PASS";
  case REPORT_VERDICT_FAIL:
    return "FAIL";
  case REPORT_VERDICT_NOT_EXERCISED:
    return "NOT_EXERCISED";
  case REPORT_VERDICT_NA:
    return "N_A";
  }
  return "?";
}

const char *report_verdict_label(enum report_verdict verdict) {
  switch (verdict) {
  case REPORT_VERDICT_PASS:
    return "PASS";
  case REPORT_VERDICT_FAIL:
    return "FAIL";
  case REPORT_VERDICT_NOT_EXERCISED:
    return "NOT EXERCISED";
  case REPORT_VERDICT_NA:
    return "N/A";
  }
  return "?";
}

const char *report_reason_token(enum report_reason reason) {
  switch (reason) {
  case REPORT_REASON_NONE:
    return NULL;
  case REPORT_REASON_NOT_OBSERVABLE:
    return "not-observable";
  case REPORT_REASON_NOT_REACHED:
    return "not-reached";
  case REPORT_REASON_CONDITION:
    return "feature-condition";
  }
  return NULL;
}

const char *report_reason_text(enum report_reason reason) {
  switch (reason) {
  case REPORT_REASON_NONE:
    return "";
  case REPORT_REASON_NOT_OBSERVABLE:
    return "not observable by the monitor";
  case REPORT_REASON_NOT_REACHED:
    return "the monitor checks it; no run reached it";
  case REPORT_REASON_CONDITION:
    return "its feature condition held in no run";
  }
  return "";
}

const char *report_suite_name(enum report_suite suite) {
  switch (suite) {
  case REPORT_SUITE_NORMAL:
    return "normal";
  case REPORT_SUITE_MONITOR:
    return "monitor";
  }
  return "?";
}
