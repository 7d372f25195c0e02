/*
 * backend/vq_impl.h: internal to backend/. What vq.c shares with the
 * format files (vq_split.c, vq_packed.c): the records of popped and pushed
 * chains kept for packed queues and in-order use (see vq.h), the
 * bookkeeping that ends every pop and push, and the range check every
 * format applies to guest addresses.
 *
 * Implementation note: the format files end a pop or push themselves
 * (dev_vq_popped, dev_vq_count_push), so that vq.c can dispatch with a
 * tail call and the per-buffer path keeps one frame per call; what each
 * pop, push, segment and flush asks is inline here for the same reason.
 */
#ifndef VIOSIM_BACKEND_VQ_IMPL_H
#define VIOSIM_BACKEND_VQ_IMPL_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend/vq.h"
#include "model/result.h"
#include "model/virtio.h"
#include "sim/bus.h"

/* With VIRTIO_F_IN_ORDER negotiated. Inline: every pop, push and flush
 * asks. */
static inline bool dev_vq_has_in_order(const struct dev_vq *vq) {
  return model_features_has(vq->features, VIRTIO_F_IN_ORDER);
}

/* Packed queues and in-order split queues keep records (vq.h, vq.c). */
static inline bool dev_vq_keeps_records(const struct dev_vq *vq) {
  return vq->format == DEV_VQ_FORMAT_PACKED || dev_vq_has_in_order(vq);
}

/* Record a chain just popped (desc_count descriptors from avail_pos).
 * Returns the violation if the driver has more buffers out than the ring
 * can hold (split: a head made available again while in use). */
MODEL_MUST_USE model_err dev_vq_record_pop(struct dev_vq *vq, const struct dev_chain *chain,
                                           uint16_t desc_count, struct model_packed_pos avail_pos);

/* misbehave points write-readable-buffer and read-writable-buffer, on a
 * chain just popped (vq.c). */
void dev_vq_misbehave_after_pop(struct dev_vq *vq, const struct dev_chain *chain);

/* The end of every pop that took a chain, in the format's code (so that
 * dev_vq_pop dispatches with a tail call): the record (desc_count ring
 * descriptors from avail_pos), the misbehaviours after a pop, the count. */
MODEL_MUST_USE static inline model_err dev_vq_popped(struct dev_vq *vq,
                                                     const struct dev_chain *chain,
                                                     uint16_t desc_count,
                                                     struct model_packed_pos avail_pos) {
  if (dev_vq_keeps_records(vq))
    MODEL_TRY(dev_vq_record_pop(vq, chain, desc_count, avail_pos));
  if (vq->misbehave != 0)
    dev_vq_misbehave_after_pop(vq, chain);
  vq->in_flight++;
  vq->popped_count++;
  return MODEL_OK;
}

/* A push taken (written, or recorded for the flush): the chain is no
 * longer in flight and counts as used. */
static inline void dev_vq_count_push(struct dev_vq *vq) {
  vq->in_flight--;
  vq->used_count++;
  sim_bus_count(vq->bus, SIM_CTR_BUFFERS_USED, 1);
}

/* The index of the last push of the run that starts at pending[first]: with
 * IN_ORDER, pushes of chains popped one after the other, each used
 * completely but the run's last (2.7.9, 2.8.8); without it, first itself.
 * This and the next are inline: each flush asks them. */
static inline uint32_t dev_vq_pending_run_end(const struct dev_vq *vq, uint32_t first) {
  assert(first < vq->pending_count);
  uint32_t last = first;
  if (!dev_vq_has_in_order(vq))
    return last;
  /* 2.7.9, 2.8.8: skipped buffers count as used whole, so only complete
   * ones are skipped; a run needs consecutive pops. */
  while (last + 1u < vq->pending_count && vq->pending[last].complete &&
         vq->pending[last + 1u].seq == vq->pending[last].seq + 1u)
    last++;
  return last;
}

/* The used buffer notification decision of a flush (need from the ring's
 * suppression state): applies the irq misbehaviours and counts. */
static inline void dev_vq_count_notification(struct dev_vq *vq, bool *need) {
  /* misbehave points: irq-while-suppressed (2.7.7.2#2, #6) notifies
   * whatever suppression says; skip-irq (2.7.7.2#3, #5) never does. */
  if (dev_misbehave_has(vq->misbehave, DEV_MISBEHAVE_IRQ_WHILE_SUPPRESSED))
    *need = true;
  if (dev_misbehave_has(vq->misbehave, DEV_MISBEHAVE_SKIP_IRQ))
    *need = false;
  if (*need) {
    vq->irq_count++;
  } else {
    vq->irq_suppressed_count++;
    sim_bus_count(vq->bus, SIM_CTR_IRQ_SUPPRESSED, 1);
  }
}

/* A range the device will access: no wrap, mapped with the permission.
 * MODEL_OK, MODEL_ERR_MEM_WRAP or MODEL_ERR_MEM_UNMAPPED (not reported).
 * Inline: every segment of every chain popped is checked. */
MODEL_MUST_USE static inline model_err dev_vq_range_check(const struct dev_vq *vq, uint64_t addr,
                                                          uint64_t len, bool write) {
  if (len == 0)
    return MODEL_OK;
  MODEL_ENSURE(addr + (len - 1u) >= addr, MODEL_ERR_MEM_WRAP);
  MODEL_ENSURE(sim_bus_range_ok(vq->bus, SIM_ACTOR_DEVICE, addr, len, write),
               MODEL_ERR_MEM_UNMAPPED);
  return MODEL_OK;
}

#endif
