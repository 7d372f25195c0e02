/*
 * sim/world.c: the deterministic world (see sim/world.h). It builds, in this
 * order, the scheduler, the trace, the fault plan (stream "faults"), the bus
 * (stream "bus") with one RAM region, and the NIC (streams "nic.wire",
 * "nic.gen"), all from one seed; and it schedules the injector's device
 * resets.
 *
 * Invariants: the world is not moved after sim_world_init() (the bus, the
 * NIC and an attached monitor hold pointers into it); sim_world_fini()
 * releases in reverse order, the monitor (attached last) last of all.
 */
#include "sim/world.h"

#include <string.h>

#include "model/mmio.h"

void sim_world_config_default(struct sim_world_config *cfg) {
  static const uint8_t peer_mac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};
  memset(cfg, 0, sizeof(*cfg));
  cfg->seed = 1;
  cfg->mem_base = 0x10000000u;
  cfg->mem_size = 64u * 1024u * 1024u;
  cfg->latency.notify_min_ticks = 1;
  cfg->latency.notify_max_ticks = 4;
  cfg->latency.irq_min_ticks = 1;
  cfg->latency.irq_max_ticks = 4;
  cfg->nic.delay_min_ticks = 10;
  cfg->nic.delay_max_ticks = 20;
  cfg->nic.reorder_extra_ticks = 25;
  cfg->nic.frames_max = 1u << 20;
  memcpy(cfg->nic.peer_mac, peer_mac, sizeof(peer_mac));
  cfg->sched_capacity = 4096;
  cfg->trace_dump = NULL;
}

/* Everyone the world runs may touch guest RAM. */
#define WORLD_RAM_PERMS                                                                            \
  (SIM_PERM_R(SIM_ACTOR_DRIVER) | SIM_PERM_W(SIM_ACTOR_DRIVER) | SIM_PERM_R(SIM_ACTOR_DEVICE) |    \
   SIM_PERM_W(SIM_ACTOR_DEVICE) | SIM_PERM_R(SIM_ACTOR_NIC) | SIM_PERM_W(SIM_ACTOR_NIC) |          \
   SIM_PERM_R(SIM_ACTOR_INJECTOR) | SIM_PERM_W(SIM_ACTOR_INJECTOR) |                               \
   SIM_PERM_R(SIM_ACTOR_MONITOR) | SIM_PERM_W(SIM_ACTOR_MONITOR))

static bool latency_ok(const struct sim_bus_latency *l) {
  return l->notify_min_ticks <= l->notify_max_ticks && l->irq_min_ticks <= l->irq_max_ticks;
}

model_err sim_world_init(struct sim_world *world, const struct sim_world_config *cfg) {
  memset(world, 0, sizeof(*world));
  MODEL_ENSURE(latency_ok(&cfg->latency), MODEL_ERR_INVALID_ARG);
  world->cfg = *cfg;
  MODEL_TRY(sim_sched_init(&world->sched, cfg->sched_capacity));
  sim_trace_init(&world->trace, cfg->trace_dump);
  sim_fault_plan_init(&world->faults, cfg->seed);
  sim_bus_init(&world->bus, &world->sched, &world->trace, &world->faults, cfg->seed);
  world->bus.latency = cfg->latency;
  model_err err = sim_bus_add_region(&world->bus, cfg->mem_base, cfg->mem_size, WORLD_RAM_PERMS);
  if (err == MODEL_OK)
    err = sim_nic_init(&world->nic, &world->bus, &cfg->nic, cfg->seed);
  if (err != MODEL_OK) {
    sim_bus_fini(&world->bus);
    sim_sched_fini(&world->sched);
    memset(world, 0, sizeof(*world));
  }
  return err;
}

void sim_world_fini(struct sim_world *world) {
  sim_nic_fini(&world->nic);
  sim_bus_fini(&world->bus);
  sim_sched_fini(&world->sched);
  model_mon_destroy(world->monitor);
  world->monitor = NULL;
}

/* The injector resets the device: it writes 0 to the Status register, as a
 * driver would (4.2.2, table 4.2: a write of zero to Status resets the
 * device). */
static void world_device_reset(void *ctx, uint64_t arg) {
  struct sim_world *world = ctx;
  (void)arg;
  (void)sim_bus_record(&world->bus, SIM_EV_FAULT, SIM_ACTOR_INJECTOR,
                       (uint64_t)SIM_FAULT_DEVICE_RESET, MODEL_MMIO_STATUS, 0);
  /* A missing or refusing register file is recorded by the bus with its
   * result; the reset has no one to report to. */
  model_err err = sim_bus_reg_write(&world->bus, SIM_ACTOR_INJECTOR, MODEL_MMIO_STATUS, 4u, 0u);
  (void)err;
}

model_err sim_world_add_fault(struct sim_world *world, const struct sim_fault_rule *rule) {
  if (rule->kind == SIM_FAULT_DEVICE_RESET)
    return sim_sched_at(&world->sched, rule->at_ticks, world_device_reset, world, 0);
  return sim_fault_plan_add(&world->faults, rule);
}

uint64_t sim_world_run(struct sim_world *world, uint64_t until_ticks, uint64_t max_events) {
  uint64_t executed = 0;
  uint64_t next_ticks = 0;
  while (executed < max_events && sim_sched_peek_time(&world->sched, &next_ticks) &&
         next_ticks <= until_ticks) {
    (void)sim_sched_step(&world->sched);
    executed++;
    if (world->monitor != NULL)
      model_mon_sync(world->monitor, MODEL_MON_SYNC_EVENT_END);
  }
  return executed;
}

bool sim_world_idle(const struct sim_world *world) {
  return world->sched.count == 0;
}
