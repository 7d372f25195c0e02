/*
 * backend/vq_split.h: internal to backend/. The split-ring (2.7)
 * implementation behind the format-neutral functions of vq.h, which check
 * the queue's state (ready, not broken) before calling these. A pop or push
 * that succeeds ends here with the shared bookkeeping of vq_impl.h
 * (dev_vq_popped, dev_vq_count_push), so that vq.c dispatches with a tail
 * call. See vq.h for the contracts; vq_split.c for the checks.
 */
#ifndef VIOSIM_BACKEND_VQ_SPLIT_H
#define VIOSIM_BACKEND_VQ_SPLIT_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/vq.h"
#include "model/result.h"

/* The three areas are legal for vq->size: MODEL_OK or MODEL_ERR_QUEUE_LAYOUT. */
MODEL_MUST_USE model_err dev_vq_layout_check_split(const struct dev_vq *vq);
MODEL_MUST_USE model_err dev_vq_pop_split(struct dev_vq *vq, struct dev_chain *chain);
MODEL_MUST_USE model_err dev_vq_push_split(struct dev_vq *vq, uint16_t id, uint32_t len_written);
MODEL_MUST_USE model_err dev_vq_flush_split(struct dev_vq *vq, bool *need_irq);
MODEL_MUST_USE model_err dev_vq_notify_enable_split(struct dev_vq *vq, bool enable,
                                                    bool *more_available);
MODEL_MUST_USE model_err dev_vq_has_available_split(struct dev_vq *vq, bool *available);

#endif
