/*
 * backend/vq_impl.h: internal to backend/. What vq.c shares with the
 * format files (vq_split.c, vq_packed.c): the records of popped and pushed
 * chains kept for packed queues and in-order use (see vq.h), and the range
 * check every format applies to guest addresses.
 */
#ifndef VIOSIM_BACKEND_VQ_IMPL_H
#define VIOSIM_BACKEND_VQ_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/vq.h"
#include "model/result.h"

/* With VIRTIO_F_IN_ORDER negotiated. */
bool dev_vq_has_in_order(const struct dev_vq *vq);

/* The index of the last push of the run that starts at pending[first]: with
 * IN_ORDER, pushes of chains popped one after the other, each used
 * completely but the run's last (2.7.9, 2.8.8); without it, first itself. */
uint32_t dev_vq_pending_run_end(const struct dev_vq *vq, uint32_t first);

/* The used buffer notification decision of a flush (need from the ring's
 * suppression state): applies the irq misbehaviours and counts. */
void dev_vq_count_notification(struct dev_vq *vq, bool *need);

/* A range the device will access: no wrap, mapped with the permission.
 * MODEL_OK, MODEL_ERR_MEM_WRAP or MODEL_ERR_MEM_UNMAPPED (not reported). */
MODEL_MUST_USE model_err dev_vq_range_check(const struct dev_vq *vq, uint64_t addr, uint64_t len,
                                            bool write);

#endif
