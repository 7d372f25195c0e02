/*
 * frontend/vq_split.h: private to frontend/: the split-ring half of
 * frontend/vq.h. vq.c checks arguments and state common to every format and
 * dispatches here; these functions assume that was done. The per-buffer
 * ones finish what is common themselves (drv_vq_added, drv_vq_kick_decided,
 * the used count; vq_impl.h), so that the dispatch is a tail call.
 */
#ifndef VIOSIM_FRONTEND_VQ_SPLIT_H
#define VIOSIM_FRONTEND_VQ_SPLIT_H

#include "frontend/vq.h"

MODEL_MUST_USE model_err drv_vq_init_split(struct drv_vq *vq);
void drv_vq_fini_split(struct drv_vq *vq);
MODEL_MUST_USE model_err drv_vq_add_split(struct drv_vq *vq, const struct drv_sg *sg,
                                          unsigned total, uint64_t writable_bytes, uint64_t token,
                                          bool use_indirect);
MODEL_MUST_USE model_err drv_vq_kick_split(struct drv_vq *vq, bool *notified);
MODEL_MUST_USE model_err drv_vq_get_used_split(struct drv_vq *vq, uint64_t *token, uint32_t *len);
MODEL_MUST_USE model_err drv_vq_has_used_split(struct drv_vq *vq, bool *has_used);
MODEL_MUST_USE model_err drv_vq_disable_cb_split(struct drv_vq *vq);
MODEL_MUST_USE model_err drv_vq_enable_cb_split(struct drv_vq *vq, bool *pending);
MODEL_MUST_USE model_err drv_vq_detach_unused_split(struct drv_vq *vq, uint64_t *token);
MODEL_MUST_USE model_err drv_vq_test_set_idx_split(struct drv_vq *vq, uint16_t idx);

#endif
