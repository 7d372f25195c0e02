/*
 * sim/world.h: the deterministic world. It owns the scheduler, the trace, the
 * fault plan, the bus with its guest memory, and the NIC; the two halves
 * attach to its bus (the device with sim_bus_attach_device and
 * sim_nic_attach_device, the driver with sim_bus_attach_driver). The world
 * never includes frontend/ or backend/: whoever assembles a run (scenarios/,
 * fuzz/, tests) creates both halves on world->bus.
 */
#ifndef VIOSIM_SIM_WORLD_H
#define VIOSIM_SIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/monitor.h"
#include "model/result.h"
#include "sim/bus.h"
#include "sim/fault.h"
#include "sim/nic.h"
#include "sim/sched.h"
#include "sim/trace.h"

struct sim_world_config {
  uint64_t seed;
  uint64_t mem_base;
  uint64_t mem_size;
  struct sim_bus_latency latency;
  struct sim_nic_config nic;
  size_t sched_capacity;
  FILE *trace_dump; /* borrowed; NULL: hash only */
};

/* seed 1; 64 MiB of guest RAM at 0x10000000; latencies of a few ticks;
 * a perfect wire with delay 10..20 ticks; 4096 scheduler slots. */
void sim_world_config_default(struct sim_world_config *cfg);

struct sim_world {
  struct sim_world_config cfg;
  struct sim_sched sched;
  struct sim_trace trace;
  struct sim_fault_plan faults;
  struct sim_bus bus;
  struct sim_nic nic;
  /* The conformance monitor, if one is attached (sim/monitor.h); owned:
   * sim_world_fini destroys it. sim_world_run gives it a synchronisation
   * point (MODEL_MON_SYNC_EVENT_END) after every event it executes. */
  struct model_mon *monitor;
};

MODEL_MUST_USE model_err sim_world_init(struct sim_world *world,
                                        const struct sim_world_config *cfg);
void sim_world_fini(struct sim_world *world);

/* Add a fault rule; SIM_FAULT_DEVICE_RESET rules are scheduled here (the
 * injector writes 0 to the device's Status register at at_ticks). */
MODEL_MUST_USE model_err sim_world_add_fault(struct sim_world *world,
                                             const struct sim_fault_rule *rule);

/* Run events until none is left, virtual time would pass until_ticks, or
 * max_events have run. Returns the number of events executed. */
uint64_t sim_world_run(struct sim_world *world, uint64_t until_ticks, uint64_t max_events);
bool sim_world_idle(const struct sim_world *world);

#endif
