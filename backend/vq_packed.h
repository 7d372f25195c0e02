/*
 * backend/vq_packed.h: internal to backend/. The packed-ring (2.8)
 * implementation behind the format-neutral functions of vq.h, which check
 * the queue's state (ready, not broken) and keep the records of popped and
 * pushed chains (vq_impl.h; a pop that succeeds ends here with
 * dev_vq_popped, so that vq.c dispatches with a tail call). See vq.h for
 * the contracts, vq_packed.c for the checks.
 */
#ifndef VIOSIM_BACKEND_VQ_PACKED_H
#define VIOSIM_BACKEND_VQ_PACKED_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/vq.h"
#include "model/result.h"

/* The three areas are legal for vq->size: MODEL_OK, MODEL_ERR_QUEUE_SIZE or
 * MODEL_ERR_QUEUE_LAYOUT. */
MODEL_MUST_USE model_err dev_vq_layout_check_packed(const struct dev_vq *vq);
/* Take the list at the device's position (the position moves by the ring
 * descriptors it took), and finish the pop (dev_vq_popped, vq_impl.h). */
MODEL_MUST_USE model_err dev_vq_pop_packed(struct dev_vq *vq, struct dev_chain *chain);
/* Write every pending push as used descriptors (batched with IN_ORDER),
 * the first one's flags last, and decide on the notification. */
MODEL_MUST_USE model_err dev_vq_flush_packed(struct dev_vq *vq, bool *need_irq);
MODEL_MUST_USE model_err dev_vq_notify_enable_packed(struct dev_vq *vq, bool enable,
                                                     bool *more_available);
/* At DRIVER_OK (dev_vq_driver_ok): with EVENT_IDX, the device event structure
 * names the ring's first descriptor (DESC), the packed counterpart of the
 * split ring's zeroed avail_event; without it, the zeroed structure already
 * says ENABLE and nothing is written. A failed write breaks the queue. */
MODEL_MUST_USE model_err dev_vq_enable_events_packed(struct dev_vq *vq);
MODEL_MUST_USE model_err dev_vq_has_available_packed(struct dev_vq *vq, bool *available);

#endif
