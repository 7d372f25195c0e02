/*
 * reports/tests/aggregate_test.c: the verdict rules of reports/aggregate.h.
 * Each verdict is made to happen, with its twin just past the boundary:
 * PASS (evaluated, no violation) against FAIL (one violation, with the
 * replay command of the first violating run); N/A (feature condition never
 * met: NEGOTIATED, NOT_NEGOTIATED, a run that never reached DRIVER_OK)
 * against NOT EXERCISED (condition met once); NOT EXERCISED split into
 * "not observable" (no monitor check) and "not reached"; the two suites
 * kept apart; the summary counts adding up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/catalog.h"
#include "model/monitor.h"
#include "model/virtio.h"
#include "reports/aggregate.h"
#include "reports/results.h"

#define FEATURES_BASE                                                                              \
  (model_feature_mask(VIRTIO_F_VERSION_1) | model_feature_mask(VIRTIO_NET_F_MAC))
#define FEATURES_EVENT_IDX (FEATURES_BASE | model_feature_mask(VIRTIO_F_EVENT_IDX))

static size_t index_of(const char *id) {
  const struct model_clause *c = model_catalog_find(id);
  assert_non_null(c);
  return (size_t)(c - model_catalog_at(0));
}

static bool has_check(size_t index) {
  for (size_t i = 0; i < model_mon_check_count(); i++) {
    if (strcmp(model_mon_check_id(i), model_catalog_at(index)->id) == 0)
      return true;
  }
  return false;
}

/* A clause with no feature condition, with (or without) a monitor check. */
static size_t plain_clause(bool observable) {
  for (size_t i = 0; i < model_catalog_count(); i++) {
    if (model_catalog_at(i)->feature == MODEL_CLAUSE_NO_FEATURE && has_check(i) == observable)
      return i;
  }
  fail_msg("no clause without a feature that is %sobservable", observable ? "" : "not ");
  return 0;
}

/* Add a run with one tally (evaluated, violations) for `index`, or none if
 * index is SIZE_MAX. */
static void add(struct report_set *set, const char *path, bool monitor, uint64_t features,
                size_t index, uint64_t evaluated, uint64_t violations) {
  char replay[128];
  snprintf(replay, sizeof replay, "viosim run %s --seed 1", path);
  struct report_tally tally = {
      .catalog_index = index, .evaluated = evaluated, .violations = violations};
  tally.first.time_ticks = 77;
  snprintf(tally.first.detail, sizeof tally.first.detail, "detail of %s", path);
  struct report_run run = {.path = path,
                           .seed = 1,
                           .passed = true,
                           .message = "",
                           .replay = replay,
                           .monitor_suite = monitor,
                           .features_seen = features,
                           .tallies = &tally,
                           .tally_count = index == SIZE_MAX ? 0 : 1};
  assert_int_equal(report_set_add_run(set, &run), MODEL_OK);
}

static const struct report_statement *verdict_of(struct report_aggregate *agg,
                                                 const struct report_set *set,
                                                 enum report_suite suite, size_t index) {
  assert_int_equal(report_aggregate_init(agg, set), MODEL_OK);
  return &agg->statements[suite][index];
}

static void test_aggregate_pass_when_evaluated_without_violation(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  size_t i = plain_clause(true);
  report_set_init(&set);
  add(&set, "a.vsc", false, FEATURES_BASE, i, 5, 0);
  add(&set, "b.vsc", false, FEATURES_BASE, i, 3, 0);
  const struct report_statement *st = verdict_of(&agg, &set, REPORT_SUITE_NORMAL, i);
  assert_int_equal(st->verdict, REPORT_VERDICT_PASS);
  assert_int_equal(st->reason, REPORT_REASON_NONE);
  assert_int_equal(st->evaluated, 8);
  assert_int_equal(st->runs_evaluated, 2);
  assert_null(st->first_run);
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

static void test_aggregate_fail_gives_first_violating_run(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  size_t i = plain_clause(true);
  report_set_init(&set);
  add(&set, "clean.vsc", false, FEATURES_BASE, i, 5, 0);
  add(&set, "first-bad.vsc", false, FEATURES_BASE, i, 4, 1);
  add(&set, "second-bad.vsc", false, FEATURES_BASE, i, 4, 2);
  const struct report_statement *st = verdict_of(&agg, &set, REPORT_SUITE_NORMAL, i);
  assert_int_equal(st->verdict, REPORT_VERDICT_FAIL);
  assert_int_equal(st->violations, 3);
  assert_int_equal(st->runs_violated, 2);
  assert_non_null(st->first_run);
  assert_string_equal(st->first_run->replay, "viosim run first-bad.vsc --seed 1");
  assert_string_equal(st->first->detail, "detail of first-bad.vsc");
  assert_int_equal(st->first->time_ticks, 77);
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

static void test_aggregate_not_exercised_without_a_check(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  size_t i = plain_clause(false);
  report_set_init(&set);
  add(&set, "a.vsc", false, FEATURES_BASE, SIZE_MAX, 0, 0);
  const struct report_statement *st = verdict_of(&agg, &set, REPORT_SUITE_NORMAL, i);
  assert_int_equal(st->verdict, REPORT_VERDICT_NOT_EXERCISED);
  assert_int_equal(st->reason, REPORT_REASON_NOT_OBSERVABLE);
  assert_false(agg.observable[i]);
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

static void test_aggregate_not_exercised_check_not_reached(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  size_t i = plain_clause(true);
  report_set_init(&set);
  add(&set, "a.vsc", false, FEATURES_BASE, SIZE_MAX, 0, 0);
  const struct report_statement *st = verdict_of(&agg, &set, REPORT_SUITE_NORMAL, i);
  assert_int_equal(st->verdict, REPORT_VERDICT_NOT_EXERCISED);
  assert_int_equal(st->reason, REPORT_REASON_NOT_REACHED);
  assert_true(agg.observable[i]);
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

/* 2.7.7.2#4 applies when EVENT_IDX is negotiated. */
static void test_aggregate_na_when_feature_never_negotiated(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  size_t i = index_of("2.7.7.2#4");
  assert_int_equal(model_catalog_at(i)->feature_when, MODEL_FEATURE_WHEN_NEGOTIATED);
  report_set_init(&set);
  add(&set, "a.vsc", false, FEATURES_BASE, SIZE_MAX, 0, 0);
  add(&set, "b.vsc", false, FEATURES_BASE, SIZE_MAX, 0, 0);
  const struct report_statement *st = verdict_of(&agg, &set, REPORT_SUITE_NORMAL, i);
  assert_int_equal(st->verdict, REPORT_VERDICT_NA);
  assert_int_equal(st->reason, REPORT_REASON_CONDITION);
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

static void test_aggregate_not_na_once_feature_negotiated(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  size_t i = index_of("2.7.7.2#4");
  report_set_init(&set);
  add(&set, "a.vsc", false, FEATURES_BASE, SIZE_MAX, 0, 0);
  add(&set, "b.vsc", false, FEATURES_EVENT_IDX, SIZE_MAX, 0, 0);
  const struct report_statement *st = verdict_of(&agg, &set, REPORT_SUITE_NORMAL, i);
  assert_int_equal(st->verdict, REPORT_VERDICT_NOT_EXERCISED);
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

/* 2.7.7.2#1 applies when EVENT_IDX is not negotiated. */
static void test_aggregate_na_when_feature_always_negotiated(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  size_t i = index_of("2.7.7.2#1");
  assert_int_equal(model_catalog_at(i)->feature_when, MODEL_FEATURE_WHEN_NOT_NEGOTIATED);
  report_set_init(&set);
  add(&set, "a.vsc", false, FEATURES_EVENT_IDX, SIZE_MAX, 0, 0);
  const struct report_statement *st = verdict_of(&agg, &set, REPORT_SUITE_NORMAL, i);
  assert_int_equal(st->verdict, REPORT_VERDICT_NA);
  report_aggregate_fini(&agg);
  add(&set, "b.vsc", false, FEATURES_BASE, SIZE_MAX, 0, 0);
  st = verdict_of(&agg, &set, REPORT_SUITE_NORMAL, i);
  assert_int_equal(st->verdict, REPORT_VERDICT_NOT_EXERCISED);
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

/* A run that never reached DRIVER_OK (features_seen 0) meets no condition,
 * not even "EVENT_IDX not negotiated". */
static void test_aggregate_run_without_driver_ok_meets_no_condition(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  size_t i = index_of("2.7.7.2#1");
  report_set_init(&set);
  add(&set, "refused.vsc", false, 0, SIZE_MAX, 0, 0);
  const struct report_statement *st = verdict_of(&agg, &set, REPORT_SUITE_NORMAL, i);
  assert_int_equal(st->verdict, REPORT_VERDICT_NA);
  assert_false(report_condition_met(model_catalog_at(i), &set.runs[0]));
  /* a statement without a feature always applies */
  assert_true(report_condition_met(model_catalog_at(plain_clause(true)), &set.runs[0]));
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

/* What the monitor saw wins over what the features predict. */
static void test_aggregate_evaluated_wins_over_na(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  size_t i = index_of("2.7.7.2#4");
  report_set_init(&set);
  add(&set, "a.vsc", false, FEATURES_BASE, i, 1, 0);
  const struct report_statement *st = verdict_of(&agg, &set, REPORT_SUITE_NORMAL, i);
  assert_int_equal(st->verdict, REPORT_VERDICT_PASS);
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

static void test_aggregate_suites_are_kept_apart(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  size_t i = plain_clause(true);
  report_set_init(&set);
  add(&set, "normal.vsc", false, FEATURES_BASE, i, 2, 0);
  add(&set, "monitor/evil.vsc", true, FEATURES_BASE, i, 1, 1);
  assert_int_equal(report_aggregate_init(&agg, &set), MODEL_OK);
  assert_int_equal(agg.statements[REPORT_SUITE_NORMAL][i].verdict, REPORT_VERDICT_PASS);
  assert_int_equal(agg.statements[REPORT_SUITE_MONITOR][i].verdict, REPORT_VERDICT_FAIL);
  assert_string_equal(agg.statements[REPORT_SUITE_MONITOR][i].first_run->path, "monitor/evil.vsc");
  assert_int_equal(agg.suites[REPORT_SUITE_NORMAL].runs, 1);
  assert_int_equal(agg.suites[REPORT_SUITE_MONITOR].runs, 1);
  assert_int_equal(agg.checks_fired, 1);
  assert_int_equal(agg.check_count, model_mon_check_count());
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

/* A check is proven by a passing run of the monitor suite only; its twin: the
 * same violation in a failing run (it saw something unexpected) proves nothing. */
static void test_aggregate_check_proven_by_passing_run_only(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  size_t i = plain_clause(true);
  report_set_init(&set);
  add(&set, "monitor/failing.vsc", true, FEATURES_BASE, i, 1, 1);
  set.runs[0].passed = false;
  assert_int_equal(report_aggregate_init(&agg, &set), MODEL_OK);
  const struct report_statement *st = &agg.statements[REPORT_SUITE_MONITOR][i];
  assert_int_equal(st->verdict, REPORT_VERDICT_FAIL);
  assert_int_equal(st->runs_violated, 1);
  assert_int_equal(st->runs_violated_passed, 0);
  assert_null(st->first_passed_run);
  assert_int_equal(agg.checks_fired, 0);
  report_aggregate_fini(&agg);
  add(&set, "monitor/passing.vsc", true, FEATURES_BASE, i, 1, 1);
  assert_int_equal(report_aggregate_init(&agg, &set), MODEL_OK);
  st = &agg.statements[REPORT_SUITE_MONITOR][i];
  assert_int_equal(st->runs_violated_passed, 1);
  assert_string_equal(st->first_passed_run->path, "monitor/passing.vsc");
  assert_string_equal(st->first_run->path, "monitor/failing.vsc");
  assert_int_equal(agg.checks_fired, 1);
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

static void test_aggregate_summary_counts_add_up(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  report_set_init(&set);
  add(&set, "a.vsc", false, FEATURES_BASE, plain_clause(true), 1, 0);
  add(&set, "b.vsc", false, FEATURES_EVENT_IDX, index_of("2.7.7.2#4"), 1, 1);
  add(&set, "c.vsc", false, FEATURES_BASE, SIZE_MAX, 0, 0);
  set.runs[2].passed = false;
  assert_int_equal(report_aggregate_init(&agg, &set), MODEL_OK);
  const struct report_suite_summary *sum = &agg.suites[REPORT_SUITE_NORMAL];
  assert_int_equal(sum->runs, 3);
  assert_int_equal(sum->runs_passed, 2);
  assert_int_equal(sum->runs_failed, 1);
  size_t in_scope = 0, observable = 0;
  for (unsigned t = 0; t < 2; t++) {
    const struct report_target_counts *c = &sum->targets[t];
    size_t total = 0;
    for (unsigned v = 0; v < REPORT_VERDICT_COUNT; v++)
      total += c->verdicts[v];
    assert_int_equal(total, c->in_scope);
    assert_int_equal(c->exercised,
                     c->verdicts[REPORT_VERDICT_PASS] + c->verdicts[REPORT_VERDICT_FAIL]);
    in_scope += c->in_scope;
    observable += c->observable;
  }
  assert_int_equal(in_scope, model_catalog_count());
  assert_int_equal(observable, agg.check_count);
  assert_int_equal(sum->targets[0].verdicts[REPORT_VERDICT_PASS] +
                       sum->targets[1].verdicts[REPORT_VERDICT_PASS],
                   1);
  assert_int_equal(sum->targets[MODEL_TARGET_DEVICE].verdicts[REPORT_VERDICT_FAIL], 1);
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

static void test_aggregate_empty_set(void **state) {
  (void)state;
  struct report_set set;
  struct report_aggregate agg;
  report_set_init(&set);
  assert_int_equal(report_aggregate_init(&agg, &set), MODEL_OK);
  for (size_t i = 0; i < agg.statement_count; i++) {
    enum report_verdict v = agg.statements[REPORT_SUITE_NORMAL][i].verdict;
    bool has_feature = model_catalog_at(i)->feature != MODEL_CLAUSE_NO_FEATURE;
    assert_int_equal(v, has_feature ? REPORT_VERDICT_NA : REPORT_VERDICT_NOT_EXERCISED);
  }
  report_aggregate_fini(&agg);
  report_set_fini(&set);
}

static void test_aggregate_names(void **state) {
  (void)state;
  assert_string_equal(report_verdict_token(REPORT_VERDICT_NA), "N_A");
  assert_string_equal(report_verdict_label(REPORT_VERDICT_NA), "N/A");
  assert_string_equal(report_verdict_label(REPORT_VERDICT_NOT_EXERCISED), "NOT EXERCISED");
  assert_null(report_reason_token(REPORT_REASON_NONE));
  assert_string_equal(report_reason_token(REPORT_REASON_NOT_OBSERVABLE), "not-observable");
  assert_string_equal(report_reason_text(REPORT_REASON_NOT_OBSERVABLE),
                      "not observable by the monitor");
  char buf[96];
  report_condition_text(model_catalog_find("2.7.7.2#1"), buf, sizeof buf);
  assert_string_equal(buf, "VIRTIO_F_EVENT_IDX not negotiated");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_aggregate_pass_when_evaluated_without_violation),
      cmocka_unit_test(test_aggregate_fail_gives_first_violating_run),
      cmocka_unit_test(test_aggregate_not_exercised_without_a_check),
      cmocka_unit_test(test_aggregate_not_exercised_check_not_reached),
      cmocka_unit_test(test_aggregate_na_when_feature_never_negotiated),
      cmocka_unit_test(test_aggregate_not_na_once_feature_negotiated),
      cmocka_unit_test(test_aggregate_na_when_feature_always_negotiated),
      cmocka_unit_test(test_aggregate_run_without_driver_ok_meets_no_condition),
      cmocka_unit_test(test_aggregate_evaluated_wins_over_na),
      cmocka_unit_test(test_aggregate_suites_are_kept_apart),
      cmocka_unit_test(test_aggregate_check_proven_by_passing_run_only),
      cmocka_unit_test(test_aggregate_summary_counts_add_up),
      cmocka_unit_test(test_aggregate_empty_set),
      cmocka_unit_test(test_aggregate_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
