/*
 * reports/aggregate.h: from runs to verdicts. For every catalogued
 * statement (model/catalog.h) and each suite, one verdict:
 *
 *   FAIL           a run of the suite violated it (violations > 0); the
 *                  first such run, in set order, gives the replay command;
 *   PASS           runs evaluated it (evaluated > 0) and none violated it;
 *   N/A            its feature condition (feature + feature_when) held in no
 *                  run of the suite, so it never applied (a statement with
 *                  no feature condition is never N/A);
 *   NOT EXERCISED  none of the above; `reason` says why: the monitor has no
 *                  check for it (NOT_OBSERVABLE: model_mon_check_id does not
 *                  list it), or it has one that no run reached (NOT_REACHED).
 *
 * The verdicts are tried in that order: what the monitor saw wins over what
 * the features predict.
 *
 * Feature conditions are judged per run from features_seen, the features the
 * device reached DRIVER_OK with; a run that never reached DRIVER_OK meets no
 * condition. NEGOTIATED: the bit is in the set. NOT_NEGOTIATED: it is not.
 * OFFERED / NOT_OFFERED: a run records what was negotiated, not all that was
 * offered, so negotiated stands in for offered (a negotiated feature was
 * offered); a statement about an offered feature the driver then declined in
 * every run shows N/A. Bits above 63 are never in a run's set.
 *
 * Suites (the rule): runs that select a misbehaviour or expect a
 * violation are the monitor's own test suite (MONITOR); every other run is
 * the NORMAL suite, which judges the project's driver and device. In the
 * monitor suite a FAIL is what a passing self-test wants: the check fired.
 */
#ifndef VIOSIM_REPORTS_AGGREGATE_H
#define VIOSIM_REPORTS_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/catalog.h"
#include "model/result.h"
#include "reports/results.h"

enum report_verdict {
  REPORT_VERDICT_PASS,
  REPORT_VERDICT_FAIL,
  REPORT_VERDICT_NOT_EXERCISED,
  REPORT_VERDICT_NA,
};
#define REPORT_VERDICT_COUNT 4u

enum report_reason {
  REPORT_REASON_NONE,           /* PASS, FAIL */
  REPORT_REASON_NOT_OBSERVABLE, /* NOT EXERCISED: the monitor has no check for it */
  REPORT_REASON_NOT_REACHED,    /* NOT EXERCISED: it has one; no run evaluated it */
  REPORT_REASON_CONDITION,      /* N/A: its feature condition held in no run */
};

enum report_suite { REPORT_SUITE_NORMAL, REPORT_SUITE_MONITOR };
#define REPORT_SUITE_COUNT 2u

/* One statement in one suite. */
struct report_statement {
  enum report_verdict verdict;
  enum report_reason reason;
  uint64_t evaluated;    /* summed over the suite's runs */
  uint64_t violations;   /* summed */
  size_t runs_evaluated; /* runs with evaluated > 0 */
  size_t runs_violated;  /* runs with violations > 0 */
  /* FAIL: the first run (in set order) that violated it, and that run's
   * first violation of it. NULL otherwise. Borrowed from the set. */
  const struct report_run *first_run;
  const struct report_violation *first;
  /* Runs that violated it and passed: their scenario expected exactly
   * their violations (only the monitor suite has them). A monitor check is
   * proven by such a run; the first one is kept. */
  size_t runs_violated_passed;
  const struct report_run *first_passed_run;
};

/* Per suite and target: the summary line of a report. */
struct report_target_counts {
  size_t in_scope;   /* catalogued statements with this target */
  size_t observable; /* of which the monitor has a check for */
  size_t exercised;  /* PASS + FAIL */
  size_t verdicts[REPORT_VERDICT_COUNT];
};

struct report_suite_summary {
  size_t runs, runs_passed, runs_failed;
  struct report_target_counts targets[2]; /* by enum model_target */
};

struct report_aggregate {
  const struct report_set *set;                            /* borrowed */
  size_t statement_count;                                  /* model_catalog_count() */
  bool *observable;                                        /* owned, by catalog index */
  struct report_statement *statements[REPORT_SUITE_COUNT]; /* owned, by catalog index */
  struct report_suite_summary suites[REPORT_SUITE_COUNT];
  size_t check_count;  /* statements the monitor has a check for */
  size_t checks_fired; /* of which a passing run of the monitor suite violated */
};

/* Aggregate `set` (borrowed: it must outlive the aggregate). MODEL_ERR_NO_MEMORY. */
MODEL_MUST_USE model_err report_aggregate_init(struct report_aggregate *agg,
                                               const struct report_set *set);
void report_aggregate_fini(struct report_aggregate *agg);

/* Whether `run` met the feature condition of `clause` (see above). */
bool report_condition_met(const struct model_clause *clause, const struct report_run *run);

enum report_suite report_run_suite(const struct report_run *run);

/* The condition in words: "VIRTIO_F_EVENT_IDX negotiated", "VIRTIO_NET_F_MTU
 * not offered" (a feature with no name: "feature bit 70 ..."); "" for a
 * statement with no feature. Truncated to size. */
void report_condition_text(const struct model_clause *clause, char *buf, size_t size);
/* The spec name of a virtio-net feature bit, or "feature bit N" in buf. */
const char *report_feature_name(unsigned bit, char *buf, size_t size);

/* Names used in every format: "PASS", "FAIL", "NOT_EXERCISED", "N_A" (JSON
 * tokens), "NOT EXERCISED", "N/A" (display); reasons "not-observable",
 * "not-reached", "feature-condition" and display sentences; suites "normal",
 * "monitor". */
const char *report_verdict_token(enum report_verdict verdict);
const char *report_verdict_label(enum report_verdict verdict);
const char *report_reason_token(enum report_reason reason); /* NULL for NONE */
const char *report_reason_text(enum report_reason reason);  /* "" for NONE */
const char *report_suite_name(enum report_suite suite);

#endif
