/*
 * frontend/vq_impl.h: private to frontend/: what the ring formats
 * (vq_split.c, vq_packed.c) share beside the public frontend/vq.h: the
 * misbehaviour tests of a queue, the driver's own bus accessors, giving
 * back ring memory, zeroing an area, and the record of a device violation.
 */
#ifndef VIOSIM_FRONTEND_VQ_IMPL_H
#define VIOSIM_FRONTEND_VQ_IMPL_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "frontend/misbehave.h"
#include "frontend/vq.h"

/* The queue commits misbehaviour `bit`. */
static inline bool drv_vq_mis(const struct drv_vq *vq, unsigned bit) {
  return drv_misbehave_has(vq->misbehave, bit);
}

/* Spend one-shot misbehaviour `bit`, which the queue commits now. */
static inline void drv_vq_mis_spend(struct drv_vq *vq, unsigned bit) {
  drv_misbehave_remove(&vq->misbehave, bit);
  drv_misbehave_add(&vq->misbehave_spent, bit);
}

/* A one-shot misbehaviour: true the first time, then spent. */
static inline bool drv_vq_mis_once(struct drv_vq *vq, unsigned bit) {
  if (!drv_vq_mis(vq, bit))
    return false;
  drv_vq_mis_spend(vq, bit);
  return true;
}

static inline model_err drv_vq_wr16(struct drv_vq *vq, uint64_t addr, uint16_t v) {
  return sim_bus_write_le16(vq->bus, SIM_ACTOR_DRIVER, addr, v);
}

static inline model_err drv_vq_rd16(struct drv_vq *vq, uint64_t addr, uint16_t *v) {
  return sim_bus_read_le16(vq->bus, SIM_ACTOR_DRIVER, addr, v);
}

/* Give back a block this queue allocated: a failure is our own bug. */
static inline void drv_vq_put_owned(struct drv_alloc *alloc, uint64_t addr) {
  model_err err = drv_alloc_put(alloc, addr);
  assert(err == MODEL_OK);
  (void)err;
}

/* Write len zero bytes at addr through the bus, as the driver. */
MODEL_MUST_USE model_err drv_vq_zero_area(struct sim_bus *bus, uint64_t addr, uint64_t len);

/* Record a ring violation by the device, mark the queue broken, note it in
 * the trace; returns err. */
MODEL_MUST_USE model_err drv_vq_break(struct drv_vq *vq, model_err err, const char *clause,
                                      uint64_t value, uint64_t limit);

#endif
