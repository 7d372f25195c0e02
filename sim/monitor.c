/*
 * sim/monitor.c: the world's conformance-monitor glue (see sim/monitor.h).
 * Owns the mapping of bus events to monitor observations; the monitor
 * itself (model/monitor.c) owns every judgement.
 *
 * Invariant: the observer only reads the event and calls the monitor; the
 * monitor reads guest memory only through sim_bus_peek() or in place in a
 * region sim_monitor_view() gave it (the same bytes), and the device's
 * configuration space only through sim_monitor_config_peek(). Nothing here
 * records in the trace, draws from a PRNG stream or schedules an event, so
 * a run's trace is the same with or without a monitor.
 */
#include "sim/monitor.h"

#include "model/mmio.h"
#include "model/virtio.h"
#include "sim/fault.h"

bool sim_monitor_peek(void *ctx, uint64_t addr, void *dst, size_t len) {
  return sim_bus_peek(ctx, addr, dst, len);
}

const uint8_t *sim_monitor_view(void *ctx, uint64_t addr, uint64_t *base, uint64_t *size) {
  const struct sim_bus *bus = ctx;
  for (size_t i = 0; i < bus->region_count; i++) {
    const struct sim_mem_region *r = &bus->regions[i];
    if (addr >= r->base && addr - r->base < r->size) {
      *base = r->base;
      *size = r->size;
      return r->bytes;
    }
  }
  return NULL;
}

bool sim_monitor_config_peek(void *ctx, uint32_t offset, uint32_t width, uint32_t *value) {
  const struct sim_bus *bus = ctx;
  *value = 0;
  if (bus->regfile == NULL || bus->regfile->read == NULL)
    return false;
  return bus->regfile->read(bus->regfile_ctx, (uint64_t)MODEL_MMIO_CONFIG + offset, width, value) ==
         MODEL_OK;
}

static enum model_mon_actor mon_actor(enum sim_actor actor) {
  switch (actor) {
  case SIM_ACTOR_DRIVER:
    return MODEL_MON_DRIVER;
  case SIM_ACTOR_DEVICE:
    return MODEL_MON_DEVICE;
  case SIM_ACTOR_NIC:
  case SIM_ACTOR_INJECTOR:
  case SIM_ACTOR_MONITOR:
  case SIM_ACTOR_WORLD:
  case SIM_ACTOR_COUNT:
    break;
  }
  return MODEL_MON_OTHER;
}

static void mon_fault(struct model_mon *mon, const struct sim_bus_event *ev) {
  enum model_mon_fault_kind kind = MODEL_MON_FAULT_KIND_COUNT;
  switch ((enum sim_fault_kind)ev->addr) {
  case SIM_FAULT_MEM_FAIL:
    kind = MODEL_MON_FAULT_MEM;
    break;
  case SIM_FAULT_NOTIFY_DROP:
    kind = MODEL_MON_FAULT_NOTIFY_DROP;
    break;
  case SIM_FAULT_NOTIFY_DELAY:
    kind = MODEL_MON_FAULT_NOTIFY_DELAY;
    break;
  case SIM_FAULT_IRQ_DROP:
    kind = MODEL_MON_FAULT_IRQ_DROP;
    break;
  case SIM_FAULT_IRQ_DELAY:
    kind = MODEL_MON_FAULT_IRQ_DELAY;
    break;
  case SIM_FAULT_DEVICE_RESET:
    kind = MODEL_MON_FAULT_DEVICE_RESET;
    break;
  case SIM_FAULT_KIND_COUNT:
    break;
  }
  if (kind != MODEL_MON_FAULT_KIND_COUNT)
    model_mon_fault(mon, kind, ev->len, ev->value);
}

void sim_monitor_observe(void *ctx, const struct sim_bus_event *ev) {
  struct model_mon *mon = ctx;
  enum model_mon_actor actor = mon_actor(ev->actor);
  bool ok = ev->result == MODEL_OK;
  if (ev->kind == SIM_EV_MEM_READ || ev->kind == SIM_EV_MEM_WRITE) {
    /* the clock and the access in one call (most events are these); the
     * monitor reads what a write wrote from guest memory */
    model_mon_mem_access(mon, actor, ev->addr, ev->len, ev->kind == SIM_EV_MEM_WRITE, ok,
                         ev->time_ticks, ev->trace_pos);
    return;
  }
  model_mon_set_clock(mon, ev->time_ticks, ev->trace_pos);
  switch (ev->kind) {
  case SIM_EV_REG_READ:
    model_mon_reg_read(mon, actor, (uint32_t)ev->addr, (uint32_t)ev->len, (uint32_t)ev->value, ok);
    break;
  case SIM_EV_REG_WRITE:
    model_mon_reg_write(mon, actor, (uint32_t)ev->addr, (uint32_t)ev->len, (uint32_t)ev->value, ok);
    break;
  case SIM_EV_IRQ_RAISE:
    model_mon_irq_raise(mon, (uint32_t)ev->value);
    break;
  case SIM_EV_IRQ_DELIVER:
    model_mon_irq_deliver(mon, (uint32_t)ev->value);
    break;
  case SIM_EV_FAULT:
    mon_fault(mon, ev);
    break;
  case SIM_EV_MEM_READ:  /* above */
  case SIM_EV_MEM_WRITE: /* above */
  case SIM_EV_NOTIFY:
  case SIM_EV_NOTIFY_DELIVER:
  case SIM_EV_NIC:
  case SIM_EV_NOTE:
  case SIM_EV_KIND_COUNT:
    break;
  }
}

model_err sim_world_attach_monitor(struct sim_world *world, unsigned observe,
                                   struct model_mon **out) {
  return sim_world_attach_monitor_for(world, VIRTIO_ID_NET, observe, out);
}

model_err sim_world_attach_monitor_for(struct sim_world *world, uint32_t device_id,
                                       unsigned observe, struct model_mon **out) {
  *out = NULL;
  MODEL_ENSURE(world->monitor == NULL, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(world->bus.observer_count < SIM_BUS_OBSERVERS_MAX, MODEL_ERR_CAPACITY);
  struct model_mon_config cfg = {
      .device_id = device_id,
      .observe = observe,
      .mem = {.read = sim_monitor_peek, .ctx = &world->bus, .view = sim_monitor_view},
      .config_peek = {.read = sim_monitor_config_peek, .ctx = &world->bus},
  };
  struct model_mon *mon = NULL;
  MODEL_TRY(model_mon_create(&cfg, &mon));
  model_err err = sim_bus_add_observer(&world->bus, sim_monitor_observe, mon);
  if (err != MODEL_OK) {
    model_mon_destroy(mon);
    return err;
  }
  world->monitor = mon;
  *out = mon;
  return MODEL_OK;
}

void sim_world_monitor_sync(struct sim_world *world, enum model_mon_sync kind) {
  if (world->monitor != NULL)
    model_mon_sync(world->monitor, kind);
}
