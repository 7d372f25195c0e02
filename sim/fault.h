/*
 * sim/fault.h: fault injection. A plan is a list of rules the bus consults at
 * each memory access, notification and interrupt, and the world consults for
 * scheduled device resets. Rules fire deterministically: a rule lets
 * skip_count matching occurrences pass, then fires on each further one with
 * probability prob_ppm (stream "faults"), at most fire_count times.
 * Private to the world: the halves do not see this header.
 *
 * Matching: rules are tried in the order they were added; the first one that
 * fires decides (later rules do not count that occurrence). A MEM_FAIL rule
 * with access 0 matches reads and writes; addr_hi 0 means no upper bound.
 * prob_ppm 0 never fires (set SIM_PPM_ONE for "every time"). A NOTIFY_DELAY
 * or IRQ_DELAY rule that fires adds its delay_ticks.
 * DEVICE_RESET rules are the world's business (sim_world_add_fault); the
 * plan stores them but the bus never consults them.
 */
#ifndef VIOSIM_SIM_FAULT_H
#define VIOSIM_SIM_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include "model/result.h"
#include "sim/bus.h"
#include "sim/prng.h"

enum sim_fault_kind {
  SIM_FAULT_MEM_FAIL,     /* a guest memory access fails with MODEL_ERR_MEM_FAULT */
  SIM_FAULT_NOTIFY_DROP,  /* an available-buffer notification never arrives */
  SIM_FAULT_NOTIFY_DELAY, /* ... arrives delay_ticks late */
  SIM_FAULT_IRQ_DROP,     /* an interrupt is never delivered */
  SIM_FAULT_IRQ_DELAY,    /* ... is delivered delay_ticks late */
  SIM_FAULT_DEVICE_RESET, /* the injector resets the device at at_ticks */
  SIM_FAULT_KIND_COUNT
};
const char *sim_fault_kind_name(enum sim_fault_kind kind); /* "mem_fail" */

#define SIM_FAULT_RULES_MAX    16u
#define SIM_FAULT_ACCESS_READ  1u
#define SIM_FAULT_ACCESS_WRITE 2u

struct sim_fault_rule {
  enum sim_fault_kind kind;
  enum sim_actor actor;      /* MEM_FAIL: whose accesses; SIM_ACTOR_COUNT for any */
  unsigned access;           /* MEM_FAIL: SIM_FAULT_ACCESS_READ | _WRITE */
  uint64_t addr_lo, addr_hi; /* MEM_FAIL: accesses overlapping [lo, hi) */
  uint64_t skip_count;
  uint64_t fire_count; /* 0: unlimited */
  uint32_t prob_ppm;   /* SIM_PPM_ONE: every time */
  uint64_t delay_ticks;
  uint64_t at_ticks;
};

struct sim_fault_plan {
  struct sim_fault_rule rules[SIM_FAULT_RULES_MAX];
  uint64_t seen[SIM_FAULT_RULES_MAX];
  uint64_t fired[SIM_FAULT_RULES_MAX];
  size_t rule_count;
  struct sim_prng prng;
  uint64_t fired_by_kind[SIM_FAULT_KIND_COUNT];
};

void sim_fault_plan_init(struct sim_fault_plan *plan, uint64_t seed);
MODEL_MUST_USE model_err sim_fault_plan_add(struct sim_fault_plan *plan,
                                            const struct sim_fault_rule *rule);

/* Consulted by the bus. True if the access must fail. */
bool sim_fault_mem(struct sim_fault_plan *plan, enum sim_actor actor, uint64_t addr, uint64_t len,
                   bool write);

enum sim_fault_verdict { SIM_FAULT_PASS, SIM_FAULT_DROP, SIM_FAULT_DELAY };
/* Notifications and interrupts: drop, delay (adds to *extra_ticks) or pass. */
enum sim_fault_verdict sim_fault_notify(struct sim_fault_plan *plan, uint64_t *extra_ticks);
enum sim_fault_verdict sim_fault_irq(struct sim_fault_plan *plan, uint64_t *extra_ticks);

#endif
