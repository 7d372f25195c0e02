/*
 * frontend/vq_impl.h: private to frontend/: what the ring formats
 * (vq_split.c, vq_packed.c) share beside the public frontend/vq.h: the
 * misbehaviour tests of a queue, the driver's own bus accessors, giving
 * back ring memory, zeroing an area, the bookkeeping that ends every add
 * and kick, and the record of a device violation.
 *
 * Implementation note: the formats end an add, kick or get_used themselves
 * (drv_vq_added, drv_vq_kick_decided, stats.used), so that vq.c dispatches
 * with a tail call and the per-buffer path keeps one frame per call.
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

/* The end of every add that put a buffer on the ring, in the format's code
 * (so that drv_vq_add dispatches with a tail call): the count, then the
 * publish a large batch needs. The add has succeeded whatever the publish
 * meets (an error would have the caller place the buffer a second time): a
 * notification it cannot send stays owed to the next kick. */
static inline model_err drv_vq_added(struct drv_vq *vq) {
  vq->stats.added++;
  sim_bus_count(vq->bus, SIM_CTR_BUFFERS_ADDED, 1);
  model_err publish = MODEL_OK;
  /* The batch since the last kick must stay below 2^16 for the event-index
   * test to see it whole: publish it now if it got that large. */
  if (vq->added_since_kick >= 0xffffu)
    publish = drv_vq_kick(vq, NULL);
  /* Packed: the descriptor-event test sees positions modulo 2 * num, so
   * the batch is published once it reaches num descriptors. */
  if (vq->format == DRV_VQ_PACKED && vq->descs_since_kick >= vq->size)
    publish = drv_vq_kick(vq, NULL);
  (void)publish;
  return MODEL_OK;
}

/* Send the notification a kick decided on (vq.c): it stays owed until it
 * goes out. */
MODEL_MUST_USE model_err drv_vq_kick_notify(struct drv_vq *vq, bool *notified);

/* The end of every kick that published a batch, in the format's code (so
 * that drv_vq_kick dispatches with a tail call): need says whether the
 * device asked for the notification. */
MODEL_MUST_USE static inline model_err drv_vq_kick_decided(struct drv_vq *vq, bool need,
                                                           bool *notified) {
  vq->stats.kicks++;
  if (!need && !vq->notify_owed) {
    vq->stats.suppressed++;
    sim_bus_count(vq->bus, SIM_CTR_NOTIFY_SUPPRESSED, 1);
    return MODEL_OK;
  }
  return drv_vq_kick_notify(vq, notified);
}

/* Record a ring violation by the device, mark the queue broken, note it in
 * the trace; returns err. */
MODEL_MUST_USE model_err drv_vq_break(struct drv_vq *vq, model_err err, const char *clause,
                                      uint64_t value, uint64_t limit);

#endif
