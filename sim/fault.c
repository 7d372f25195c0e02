/*
 * sim/fault.c: fault injection rules (see sim/fault.h). A rule counts the
 * occurrences it matches; the first skip_count pass, then each further one
 * fires with probability prob_ppm, at most fire_count times.
 *
 * Invariants: a draw from the "faults" stream happens only for a matching
 * rule past its skip count, not yet exhausted, with prob_ppm below
 * SIM_PPM_ONE; so a plan of certain rules never consumes randomness and a
 * run's fault pattern is fixed by its seed and the sequence of accesses.
 */
#include "sim/fault.h"

#include <string.h>

const char *sim_fault_kind_name(enum sim_fault_kind kind) {
  switch (kind) {
  case SIM_FAULT_MEM_FAIL:
    return "mem_fail";
  case SIM_FAULT_NOTIFY_DROP:
    return "notify_drop";
  case SIM_FAULT_NOTIFY_DELAY:
    return "notify_delay";
  case SIM_FAULT_IRQ_DROP:
    return "irq_drop";
  case SIM_FAULT_IRQ_DELAY:
    return "irq_delay";
  case SIM_FAULT_DEVICE_RESET:
    return "device_reset";
  case SIM_FAULT_KIND_COUNT:
    break;
  }
  return "?";
}

void sim_fault_plan_init(struct sim_fault_plan *plan, uint64_t seed) {
  memset(plan, 0, sizeof(*plan));
  sim_prng_init(&plan->prng, seed, "faults");
}

model_err sim_fault_plan_add(struct sim_fault_plan *plan, const struct sim_fault_rule *rule) {
  MODEL_ENSURE((unsigned)rule->kind < (unsigned)SIM_FAULT_KIND_COUNT, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE((unsigned)rule->actor <= (unsigned)SIM_ACTOR_COUNT, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(rule->addr_hi == 0 || rule->addr_lo < rule->addr_hi, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(plan->rule_count < SIM_FAULT_RULES_MAX, MODEL_ERR_CAPACITY);
  size_t i = plan->rule_count++;
  plan->rules[i] = *rule;
  plan->seen[i] = 0;
  plan->fired[i] = 0;
  return MODEL_OK;
}

/* One matching occurrence for rule i: true if the rule fires on it. */
static bool rule_fires(struct sim_fault_plan *plan, size_t i) {
  const struct sim_fault_rule *rule = &plan->rules[i];
  plan->seen[i]++;
  if (plan->seen[i] <= rule->skip_count)
    return false;
  if (rule->fire_count != 0 && plan->fired[i] >= rule->fire_count)
    return false;
  if (rule->prob_ppm < SIM_PPM_ONE && !sim_prng_chance_ppm(&plan->prng, rule->prob_ppm))
    return false;
  plan->fired[i]++;
  plan->fired_by_kind[rule->kind]++;
  return true;
}

static bool mem_rule_matches(const struct sim_fault_rule *rule, enum sim_actor actor, uint64_t addr,
                             uint64_t len, bool write) {
  if (rule->kind != SIM_FAULT_MEM_FAIL)
    return false;
  if (rule->actor != SIM_ACTOR_COUNT && rule->actor != actor)
    return false;
  unsigned want = write ? SIM_FAULT_ACCESS_WRITE : SIM_FAULT_ACCESS_READ;
  if (rule->access != 0 && (rule->access & want) == 0)
    return false;
  /* [addr, addr + len) overlaps [lo, hi); len > 0. The bus refuses ranges
   * that wrap before it asks, but clamp anyway. */
  uint64_t last = len - 1u > UINT64_MAX - addr ? UINT64_MAX : addr + (len - 1u);
  if (last < rule->addr_lo)
    return false;
  return rule->addr_hi == 0 || addr < rule->addr_hi;
}

bool sim_fault_mem(struct sim_fault_plan *plan, enum sim_actor actor, uint64_t addr, uint64_t len,
                   bool write) {
  if (len == 0)
    return false;
  for (size_t i = 0; i < plan->rule_count; i++) {
    if (mem_rule_matches(&plan->rules[i], actor, addr, len, write) && rule_fires(plan, i))
      return true;
  }
  return false;
}

/* Notifications and interrupts share one shape: a drop kind and a delay kind. */
static enum sim_fault_verdict signal_verdict(struct sim_fault_plan *plan, enum sim_fault_kind drop,
                                             enum sim_fault_kind delay, uint64_t *extra_ticks) {
  for (size_t i = 0; i < plan->rule_count; i++) {
    const struct sim_fault_rule *rule = &plan->rules[i];
    if (rule->kind != drop && rule->kind != delay)
      continue;
    if (!rule_fires(plan, i))
      continue;
    if (rule->kind == drop)
      return SIM_FAULT_DROP;
    *extra_ticks = rule->delay_ticks > UINT64_MAX - *extra_ticks ? UINT64_MAX
                                                                 : *extra_ticks + rule->delay_ticks;
    return SIM_FAULT_DELAY;
  }
  return SIM_FAULT_PASS;
}

enum sim_fault_verdict sim_fault_notify(struct sim_fault_plan *plan, uint64_t *extra_ticks) {
  return signal_verdict(plan, SIM_FAULT_NOTIFY_DROP, SIM_FAULT_NOTIFY_DELAY, extra_ticks);
}

enum sim_fault_verdict sim_fault_irq(struct sim_fault_plan *plan, uint64_t *extra_ticks) {
  return signal_verdict(plan, SIM_FAULT_IRQ_DROP, SIM_FAULT_IRQ_DELAY, extra_ticks);
}
