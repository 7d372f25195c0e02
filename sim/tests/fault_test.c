/*
 * sim/tests/fault_test.c: the fault plan (sim/fault.h): skip and fire
 * counts, deterministic probabilistic rules that draw only when they must,
 * the actor, access and address filters at their edges, notify and
 * interrupt verdicts, and the plan's capacity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/fault.h"

static struct sim_fault_rule mem_rule(void) {
  struct sim_fault_rule r = {.kind = SIM_FAULT_MEM_FAIL,
                             .actor = SIM_ACTOR_COUNT,
                             .access = SIM_FAULT_ACCESS_READ | SIM_FAULT_ACCESS_WRITE,
                             .addr_lo = 0x100,
                             .addr_hi = 0x200,
                             .prob_ppm = SIM_PPM_ONE};
  return r;
}

static void test_fault_skip_then_fire_count(void **state) {
  (void)state;
  struct sim_fault_plan plan;
  sim_fault_plan_init(&plan, 1);
  struct sim_fault_rule r = mem_rule();
  r.skip_count = 2;
  r.fire_count = 3;
  assert_int_equal(sim_fault_plan_add(&plan, &r), MODEL_OK);
  const bool want[8] = {false, false, true, true, true, false, false, false};
  for (int i = 0; i < 8; i++)
    assert_int_equal(sim_fault_mem(&plan, SIM_ACTOR_DRIVER, 0x100, 4, false), want[i]);
  assert_true(plan.seen[0] == 8 && plan.fired[0] == 3);
  assert_true(plan.fired_by_kind[SIM_FAULT_MEM_FAIL] == 3);
}

static void test_fault_unlimited_when_fire_count_zero(void **state) {
  (void)state;
  struct sim_fault_plan plan;
  sim_fault_plan_init(&plan, 1);
  struct sim_fault_rule r = mem_rule();
  assert_int_equal(sim_fault_plan_add(&plan, &r), MODEL_OK);
  for (int i = 0; i < 100; i++)
    assert_true(sim_fault_mem(&plan, SIM_ACTOR_DEVICE, 0x1ff, 1, true));
}

static void test_fault_certain_rules_never_draw(void **state) {
  (void)state;
  struct sim_fault_plan plan;
  sim_fault_plan_init(&plan, 1);
  struct sim_prng before = plan.prng;
  struct sim_fault_rule r = mem_rule();
  r.fire_count = 2;
  assert_int_equal(sim_fault_plan_add(&plan, &r), MODEL_OK);
  for (int i = 0; i < 10; i++)
    (void)sim_fault_mem(&plan, SIM_ACTOR_DEVICE, 0x100, 1, true);
  assert_memory_equal(&plan.prng, &before, sizeof(before));
}

static unsigned fire_pattern(uint64_t seed, uint64_t *pattern) {
  struct sim_fault_plan plan;
  sim_fault_plan_init(&plan, seed);
  struct sim_fault_rule r = mem_rule();
  r.prob_ppm = SIM_PPM_ONE / 4u;
  assert_int_equal(sim_fault_plan_add(&plan, &r), MODEL_OK);
  unsigned fired = 0;
  *pattern = 0;
  for (unsigned i = 0; i < 64; i++) {
    if (sim_fault_mem(&plan, SIM_ACTOR_DRIVER, 0x150, 2, false)) {
      fired++;
      *pattern |= 1ull << i;
    }
  }
  return fired;
}

static void test_fault_probability_is_deterministic(void **state) {
  (void)state;
  uint64_t a = 0, b = 0, c = 0;
  unsigned na = fire_pattern(11, &a);
  unsigned nb = fire_pattern(11, &b);
  (void)fire_pattern(12, &c);
  assert_true(a == b && na == nb);
  assert_true(a != c);
  assert_true(na > 4 && na < 40);
}

static void test_fault_actor_and_access_filters(void **state) {
  (void)state;
  struct sim_fault_plan plan;
  sim_fault_plan_init(&plan, 1);
  struct sim_fault_rule r = mem_rule();
  r.actor = SIM_ACTOR_DEVICE;
  r.access = SIM_FAULT_ACCESS_WRITE;
  assert_int_equal(sim_fault_plan_add(&plan, &r), MODEL_OK);
  assert_true(sim_fault_mem(&plan, SIM_ACTOR_DEVICE, 0x100, 1, true));
  assert_false(sim_fault_mem(&plan, SIM_ACTOR_DEVICE, 0x100, 1, false));
  assert_false(sim_fault_mem(&plan, SIM_ACTOR_DRIVER, 0x100, 1, true));
  /* access 0 matches both directions */
  struct sim_fault_plan any;
  sim_fault_plan_init(&any, 1);
  r.access = 0;
  assert_int_equal(sim_fault_plan_add(&any, &r), MODEL_OK);
  assert_true(sim_fault_mem(&any, SIM_ACTOR_DEVICE, 0x100, 1, false));
  assert_true(sim_fault_mem(&any, SIM_ACTOR_DEVICE, 0x100, 1, true));
}

static void test_fault_address_overlap_edges(void **state) {
  (void)state;
  struct sim_fault_plan plan;
  sim_fault_plan_init(&plan, 1);
  struct sim_fault_rule r = mem_rule();
  assert_int_equal(sim_fault_plan_add(&plan, &r), MODEL_OK);
  /* [0xfc, 0x100) ends just before lo; [0xfd, 0x101) touches lo */
  assert_false(sim_fault_mem(&plan, SIM_ACTOR_DRIVER, 0xfc, 4, false));
  assert_true(sim_fault_mem(&plan, SIM_ACTOR_DRIVER, 0xfd, 4, false));
  /* starting at hi - 1 overlaps, at hi does not */
  assert_true(sim_fault_mem(&plan, SIM_ACTOR_DRIVER, 0x1ff, 8, false));
  assert_false(sim_fault_mem(&plan, SIM_ACTOR_DRIVER, 0x200, 8, false));
  /* a range covering the whole window */
  assert_true(sim_fault_mem(&plan, SIM_ACTOR_DRIVER, 0x0, 0x1000, false));
  assert_false(sim_fault_mem(&plan, SIM_ACTOR_DRIVER, 0x100, 0, false));
  /* addr_hi 0: no upper bound */
  struct sim_fault_plan open;
  sim_fault_plan_init(&open, 1);
  r.addr_hi = 0;
  assert_int_equal(sim_fault_plan_add(&open, &r), MODEL_OK);
  assert_true(sim_fault_mem(&open, SIM_ACTOR_DRIVER, UINT64_MAX - 1u, 1, false));
  assert_false(sim_fault_mem(&open, SIM_ACTOR_DRIVER, 0xff, 1, false));
  /* a range that would run past 2^64 is clamped to its last byte, not
   * wrapped round to address 0 (where it would miss a window near the top) */
  struct sim_fault_plan top;
  sim_fault_plan_init(&top, 1);
  r.addr_lo = UINT64_MAX - 3u;
  r.addr_hi = 0;
  assert_int_equal(sim_fault_plan_add(&top, &r), MODEL_OK);
  assert_true(sim_fault_mem(&top, SIM_ACTOR_DRIVER, UINT64_MAX - 7u, 64, false));
  assert_false(sim_fault_mem(&top, SIM_ACTOR_DRIVER, UINT64_MAX - 7u, 4, false));
}

static void test_fault_notify_and_irq_verdicts(void **state) {
  (void)state;
  struct sim_fault_plan plan;
  sim_fault_plan_init(&plan, 1);
  uint64_t extra = 0;
  assert_int_equal(sim_fault_notify(&plan, &extra), SIM_FAULT_PASS);
  struct sim_fault_rule delay = {
      .kind = SIM_FAULT_NOTIFY_DELAY, .fire_count = 1, .prob_ppm = SIM_PPM_ONE, .delay_ticks = 30};
  struct sim_fault_rule drop = {
      .kind = SIM_FAULT_IRQ_DROP, .skip_count = 1, .fire_count = 1, .prob_ppm = SIM_PPM_ONE};
  assert_int_equal(sim_fault_plan_add(&plan, &delay), MODEL_OK);
  assert_int_equal(sim_fault_plan_add(&plan, &drop), MODEL_OK);
  assert_int_equal(sim_fault_irq(&plan, &extra), SIM_FAULT_PASS); /* skipped */
  assert_int_equal(sim_fault_notify(&plan, &extra), SIM_FAULT_DELAY);
  assert_true(extra == 30);
  assert_int_equal(sim_fault_notify(&plan, &extra), SIM_FAULT_PASS);
  assert_int_equal(sim_fault_irq(&plan, &extra), SIM_FAULT_DROP);
  assert_int_equal(sim_fault_irq(&plan, &extra), SIM_FAULT_PASS);
  /* memory accesses never consult signal rules, and vice versa */
  assert_false(sim_fault_mem(&plan, SIM_ACTOR_DRIVER, 0, 1, false));
  assert_true(plan.fired_by_kind[SIM_FAULT_NOTIFY_DELAY] == 1);
  assert_true(plan.fired_by_kind[SIM_FAULT_IRQ_DROP] == 1);
}

/* A delay adds to what the caller already has, saturating at 2^64 - 1
 * instead of wrapping to a short delay. */
static void test_fault_delay_saturates(void **state) {
  (void)state;
  struct sim_fault_plan plan;
  sim_fault_plan_init(&plan, 1);
  struct sim_fault_rule delay = {
      .kind = SIM_FAULT_IRQ_DELAY, .prob_ppm = SIM_PPM_ONE, .delay_ticks = 10};
  assert_int_equal(sim_fault_plan_add(&plan, &delay), MODEL_OK);
  uint64_t extra = 5;
  assert_int_equal(sim_fault_irq(&plan, &extra), SIM_FAULT_DELAY);
  assert_true(extra == 15);
  extra = UINT64_MAX - 9u;
  assert_int_equal(sim_fault_irq(&plan, &extra), SIM_FAULT_DELAY);
  assert_true(extra == UINT64_MAX);
  extra = UINT64_MAX - 10u; /* exactly reaches the top */
  assert_int_equal(sim_fault_irq(&plan, &extra), SIM_FAULT_DELAY);
  assert_true(extra == UINT64_MAX);
}

static void test_fault_plan_capacity_and_bad_rules(void **state) {
  (void)state;
  struct sim_fault_plan plan;
  sim_fault_plan_init(&plan, 1);
  struct sim_fault_rule r = mem_rule();
  for (size_t i = 0; i < SIM_FAULT_RULES_MAX; i++)
    assert_int_equal(sim_fault_plan_add(&plan, &r), MODEL_OK);
  assert_int_equal(sim_fault_plan_add(&plan, &r), MODEL_ERR_CAPACITY);
  struct sim_fault_plan p2;
  sim_fault_plan_init(&p2, 1);
  r.kind = SIM_FAULT_KIND_COUNT;
  assert_int_equal(sim_fault_plan_add(&p2, &r), MODEL_ERR_INVALID_ARG);
  r = mem_rule();
  r.addr_lo = 0x200;
  r.addr_hi = 0x200;
  assert_int_equal(sim_fault_plan_add(&p2, &r), MODEL_ERR_INVALID_ARG);
  assert_int_equal(p2.rule_count, 0);
  r = mem_rule();
  r.actor = (enum sim_actor)((unsigned)SIM_ACTOR_COUNT + 1u); /* COUNT itself is "any" */
  assert_int_equal(sim_fault_plan_add(&p2, &r), MODEL_ERR_INVALID_ARG);
  assert_int_equal(p2.rule_count, 0);
}

/* The names the trace and the scenario language use, exactly. */
static void test_fault_kind_names(void **state) {
  (void)state;
  static const char *const names[SIM_FAULT_KIND_COUNT] = {
      "mem_fail", "notify_drop", "notify_delay", "irq_drop", "irq_delay", "device_reset"};
  for (unsigned i = 0; i < (unsigned)SIM_FAULT_KIND_COUNT; i++)
    assert_string_equal(sim_fault_kind_name((enum sim_fault_kind)i), names[i]);
  assert_string_equal(sim_fault_kind_name(SIM_FAULT_KIND_COUNT), "?");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fault_skip_then_fire_count),
      cmocka_unit_test(test_fault_unlimited_when_fire_count_zero),
      cmocka_unit_test(test_fault_certain_rules_never_draw),
      cmocka_unit_test(test_fault_probability_is_deterministic),
      cmocka_unit_test(test_fault_actor_and_access_filters),
      cmocka_unit_test(test_fault_address_overlap_edges),
      cmocka_unit_test(test_fault_notify_and_irq_verdicts),
      cmocka_unit_test(test_fault_plan_capacity_and_bad_rules),
      cmocka_unit_test(test_fault_kind_names),
      cmocka_unit_test(test_fault_delay_saturates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
