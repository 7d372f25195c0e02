/*
 * backend/net_impl.h: internal to backend/. What the parts of the
 * virtio-net device share: net.c (setup, configuration space, reset, queue
 * servicing, transmission), net_rx.c (reception and filtering), net_ctrl.c
 * (the control queue). The public contract is net.h.
 */
#ifndef VIOSIM_BACKEND_NET_IMPL_H
#define VIOSIM_BACKEND_NET_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/net.h"
#include "backend/vq.h"
#include "model/result.h"
#include "sim/nic.h"

static inline bool dev_net_has(const struct dev_net *net, unsigned bit) {
  return dev_core_has_feature(&net->core, bit);
}

/* The largest frame (without the virtio-net header) the device passes in
 * either direction: mtu + 14 with VIRTIO_NET_F_MTU negotiated (5.1.4.1#4,
 * #5), else 1514 (5.1.9.3: no GSO feature is offered). */
uint32_t dev_net_frame_max(const struct dev_net *net);

/* Restore the receive filters to their reset state (5.1.9.5.2.1#1). */
void dev_net_filters_reset(struct dev_net *net);

/* Handle one control command chain; *used_len is what was written (the ack
 * byte). A malformed chain is a violation (the queue is broken). */
MODEL_MUST_USE model_err dev_net_ctrl_chain(struct dev_net *net, struct dev_vq *vq,
                                            const struct dev_chain *chain, uint32_t *used_len);

/* Account a frame the device could not deliver. */
void dev_net_drop_rx(struct dev_net *net, const uint8_t *frame, size_t len,
                     enum sim_drop_reason reason);

/* Raise the used buffer notification for a queue after a flush that asked
 * for one, and keep the per-queue statistics. */
void dev_net_after_flush(struct dev_net *net, uint16_t index, bool need_irq);

#endif
