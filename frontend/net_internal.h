/*
 * frontend/net_internal.h: private to frontend/: what net.c and net_ctrl.c
 * share. The public contract is frontend/net.h.
 */
#ifndef VIOSIM_FRONTEND_NET_INTERNAL_H
#define VIOSIM_FRONTEND_NET_INTERNAL_H

#include "frontend/misbehave.h"
#include "frontend/net.h"

/* Misbehaviour `bit` is still to be committed (frontend/misbehave.h). */
static inline bool drv_net_mis(const struct drv_net *net, unsigned bit) {
  return drv_misbehave_has(net->misbehave, bit);
}
/* A one-shot misbehaviour: true the first time, then spent. */
static inline bool drv_net_mis_once(struct drv_net *net, unsigned bit) {
  if (!drv_net_mis(net, bit))
    return false;
  drv_misbehave_remove(&net->misbehave, bit);
  return true;
}

/* Control buffer layout in guest memory: class, command, data, ack. */
#define DRV_NET_CTRL_DATA_OFF MODEL_NET_CTRL_HDR_SIZE
#define DRV_NET_CTRL_DATA_MAX (2u * (4u + DRV_NET_MAC_TABLE_MAX * MODEL_NET_MAC_LEN))
#define DRV_NET_CTRL_ACK_OFF  (DRV_NET_CTRL_DATA_OFF + DRV_NET_CTRL_DATA_MAX)
#define DRV_NET_CTRL_BUF_SIZE (DRV_NET_CTRL_ACK_OFF + MODEL_NET_CTRL_ACK_SIZE)

/* The device broke a rule or needs a reset: mark the driver broken, set
 * FAILED (3.1.1#4), drop the backlog with SIM_DROP_BROKEN. */
void drv_net_break(struct drv_net *net, model_err err);

/* The control queue returned the command in flight with used len `len`. */
void drv_net_ctrl_complete(struct drv_net *net, uint32_t len);

#endif
