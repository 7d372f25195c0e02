/*
 * sim/monitor.h: the glue between the world and the conformance monitor
 * (model/monitor.h). It creates the monitor on the world's guest memory,
 * turns every bus event into the matching model_mon_* observation, and
 * gives the monitor its synchronisation points.
 *
 * The monitor reads guest memory itself through sim_bus_peek() (or in
 * place, sim_monitor_view()), and the device's configuration space through
 * sim_monitor_config_peek(), all untraced, unobserved and never faulted:
 * attaching a monitor leaves the trace, and so the trace hash, exactly as
 * it was.
 *
 * Event mapping (the actor: driver -> MODEL_MON_DRIVER, device ->
 * MODEL_MON_DEVICE, everyone else -> MODEL_MON_OTHER; model_mon_set_clock()
 * with the event's time and trace position comes first):
 *   SIM_EV_MEM_READ / MEM_WRITE -> model_mon_mem_read / mem_write (both
 *                                  with the clock: model_mon_mem_access)
 *   SIM_EV_REG_READ / REG_WRITE -> model_mon_reg_read / reg_write
 *     (a QueueNotify write is the notification; SIM_EV_NOTIFY adds nothing)
 *   SIM_EV_IRQ_RAISE            -> model_mon_irq_raise
 *   SIM_EV_IRQ_DELIVER          -> model_mon_irq_deliver
 *   SIM_EV_FAULT                -> model_mon_fault
 *   NOTIFY, NOTIFY_DELIVER, NIC, NOTE: only the clock.
 */
#ifndef VIOSIM_SIM_MONITOR_H
#define VIOSIM_SIM_MONITOR_H

#include "model/monitor.h"
#include "model/result.h"
#include "sim/bus.h"
#include "sim/world.h"

/*
 * Create a monitor for the world's virtio-net device (VIRTIO_ID_NET) that
 * observes as `observe` says (MODEL_MON_OBSERVE_ bits), register it as a
 * bus observer, and hand it to the world (world->monitor, destroyed by
 * sim_world_fini). *out borrows it. Attach it before either half touches
 * the bus, so that it sees the whole run. MODEL_ERR_INVALID_ARG if a
 * monitor is already attached or observe is not valid; MODEL_ERR_CAPACITY
 * if the bus has no observer slot left; MODEL_ERR_NO_MEMORY.
 */
MODEL_MUST_USE model_err sim_world_attach_monitor(struct sim_world *world, unsigned observe,
                                                  struct model_mon **out);
/* The same for a device of another type (5.x device ID): the monitor then
 * judges the transport and the rings, and payloads only of the devices it
 * models (model/virtio.h). viosim-bench's ring loop uses it. */
MODEL_MUST_USE model_err sim_world_attach_monitor_for(struct sim_world *world, uint32_t device_id,
                                                      unsigned observe, struct model_mon **out);

/* A synchronisation point for the attached monitor (none: nothing).
 * sim_world_run gives MODEL_MON_SYNC_EVENT_END after every event itself;
 * whoever runs driver work outside events (an interpreter action) calls
 * this after it. */
void sim_world_monitor_sync(struct sim_world *world, enum model_mon_sync kind);

/* The bus observer (ctx: the struct model_mon), for tests that build a bus
 * without a world. */
void sim_monitor_observe(void *ctx, const struct sim_bus_event *ev);

/* The monitor's memory reads on a bus (ctx: the struct sim_bus). */
bool sim_monitor_peek(void *ctx, uint64_t addr, void *dst, size_t len);

/* The monitor's view of a bus's memory (ctx: the struct sim_bus): the
 * region that holds addr, its base and size, or NULL. A region's bytes stay
 * in place until sim_bus_fini, and reading them is what sim_bus_peek does;
 * a bus that ever made writes visible late (a store buffer) would have to
 * return NULL here. */
const uint8_t *sim_monitor_view(void *ctx, uint64_t addr, uint64_t *base, uint64_t *size);

/* The monitor's reads of the device-specific configuration (ctx: the
 * struct sim_bus): the register file's own read at MODEL_MMIO_CONFIG +
 * offset, called directly, so it is neither traced, observed, counted nor
 * faulted. It relies on config reads having no effect on the device (true
 * of backend/: a config read only returns the field). False if no device
 * is attached or the register file refuses the access. */
bool sim_monitor_config_peek(void *ctx, uint32_t offset, uint32_t width, uint32_t *value);

#endif
