/*
 * backend/net.c: the virtio-net device (see net.h): setup, the
 * configuration space (5.1.4), link and announce state, the device-type
 * hooks of the core (reset, DRIVER_OK, notify, queue reset), the servicing
 * loop shared by the transmit and control queues, and transmission
 * (5.1.9.2.2). Reception is in net_rx.c, the control queue in net_ctrl.c.
 *
 * Implementation notes: the servicing loop. A doorbell on transmitq1 or the
 * controlq schedules one servicing event after tx_delay_ticks (never two for
 * the same queue). The event waives further notifications, takes and
 * handles chains up to a budget of one ring's worth, publishes them (one
 * flush: one interrupt decision per batch), then asks for notifications
 * again and re-checks for buffers that arrived meanwhile (2.7.10.2 and the
 * note in 2.7.14), looping while there are some. A batch that exhausts the
 * budget reschedules itself instead, so one event stays bounded. In polling
 * mode notifications stay waived and a periodic event services the queues.
 *
 * Misbehaviours acting here (backend/misbehave.h), at "misbehave point"s:
 * offer-without-dependency, offer-rx-extra-without-ctrl-vq, no-version-1
 * and offer-reserved-bit (the offer), bad-mtu and mtu-changes (the mtu
 * field), used-len-too-big (transmit and control used elements), and the
 * servicing of the transmit queue, with a used buffer notification, before
 * DRIVER_OK for use-before-driver-ok and work-after-reset (queue_ready
 * hook).
 */
#include "backend/net.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "backend/mmio.h"
#include "backend/net_impl.h"
#include "model/net.h"
#include "model/split.h"
#include "model/virtio.h"

/* Features this device implements; it offers nothing else (2.2.2#4).
 * RING_PACKED and IN_ORDER are offered only on request (not in
 * dev_net_config_default): virtio-net uses its buffers in the order they
 * were made available, as IN_ORDER asks (6.2#3). */
static uint64_t supported_features(void) {
  static const unsigned bits[] = {
      VIRTIO_F_VERSION_1,
      VIRTIO_F_EVENT_IDX,
      VIRTIO_F_INDIRECT_DESC,
      VIRTIO_F_RING_RESET,
      VIRTIO_F_NOTIFICATION_DATA,
      VIRTIO_F_RING_PACKED,
      VIRTIO_F_IN_ORDER,
      VIRTIO_NET_F_CSUM,
      VIRTIO_NET_F_GUEST_CSUM,
      VIRTIO_NET_F_MTU,
      VIRTIO_NET_F_MAC,
      VIRTIO_NET_F_MRG_RXBUF,
      VIRTIO_NET_F_STATUS,
      VIRTIO_NET_F_CTRL_VQ,
      VIRTIO_NET_F_CTRL_RX,
      VIRTIO_NET_F_CTRL_RX_EXTRA,
      VIRTIO_NET_F_GUEST_ANNOUNCE,
      VIRTIO_NET_F_CTRL_MAC_ADDR,
      VIRTIO_NET_F_HOST_TSO4,
      VIRTIO_NET_F_HOST_TSO6,
      VIRTIO_NET_F_HOST_UFO,
      VIRTIO_NET_F_HOST_USO,
  };
  uint64_t mask = 0;
  for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
    mask |= model_feature_mask(bits[i]);
  return mask;
}

void dev_net_config_default(struct dev_net_config *cfg) {
  static const unsigned bits[] = {
      VIRTIO_F_VERSION_1,         VIRTIO_F_EVENT_IDX,   VIRTIO_F_INDIRECT_DESC,
      VIRTIO_NET_F_MAC,           VIRTIO_NET_F_STATUS,  VIRTIO_NET_F_MTU,
      VIRTIO_NET_F_MRG_RXBUF,     VIRTIO_NET_F_CTRL_VQ, VIRTIO_NET_F_CTRL_RX,
      VIRTIO_NET_F_CTRL_MAC_ADDR, VIRTIO_NET_F_CSUM,    VIRTIO_NET_F_GUEST_CSUM,
  };
  static const uint8_t mac[MODEL_NET_MAC_LEN] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  memset(cfg, 0, sizeof(*cfg));
  for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
    cfg->features_offered |= model_feature_mask(bits[i]);
  memcpy(cfg->mac, mac, sizeof(mac));
  cfg->mtu = MODEL_NET_DEFAULT_MTU;
  cfg->link_up = true;
  cfg->queue_size_max = 256;
  cfg->tx_delay_ticks = 1;
  cfg->poll_interval_ticks = 0;
  cfg->mac_table_max = 64;
  cfg->rx_promisc_at_reset = true;
}

uint32_t dev_net_frame_max(const struct dev_net *net) {
  if (dev_net_has(net, VIRTIO_NET_F_MTU))
    return (uint32_t)net->cfg.mtu + MODEL_ETH_HDR_SIZE;
  return MODEL_ETH_MAX_FRAME;
}

/* What bad-mtu shows in the mtu field: below MODEL_NET_MTU_MIN. */
#define MISBEHAVE_MTU 64u

static bool has_ctrl_vq(const struct dev_net *net) {
  return model_features_has(net->cfg.features_offered, VIRTIO_NET_F_CTRL_VQ);
}

/* ---- configuration space (5.1.4) ---- */

/* Which field covers `offset`, if it exists for the offered features
 * (2.5.2#1: readable from the start; 2.5.1#3: only when offered). */
static bool config_field(const struct dev_net *net, uint32_t offset, uint32_t *field_off,
                         uint32_t *field_size) {
  uint64_t offered = net->cfg.features_offered;
  if (offset < MODEL_NET_CFG_OFF_STATUS) { /* mac always exists (5.1.4) */
    *field_off = offset;
    *field_size = 1;
    return true;
  }
  if (offset < MODEL_NET_CFG_OFF_MAX_VQ_PAIRS) {
    *field_off = MODEL_NET_CFG_OFF_STATUS;
    *field_size = 2;
    return model_features_has(offered, VIRTIO_NET_F_STATUS);
  }
  if (offset >= MODEL_NET_CFG_OFF_MTU && offset < MODEL_NET_CFG_OFF_SPEED) {
    *field_off = MODEL_NET_CFG_OFF_MTU;
    *field_size = 2;
    return model_features_has(offered, VIRTIO_NET_F_MTU);
  }
  /* max_virtqueue_pairs, speed, duplex, rss and hash fields: their features
   * are never offered. */
  return false;
}

/* The mtu field: cfg.mtu, or (misbehave points) bad-mtu's value below the
 * minimum (5.1.4.1#2), or, once mtu-changes acted, a neighbour of cfg.mtu
 * (5.1.4.1#4); the device itself keeps using cfg.mtu. */
static uint32_t mtu_shown(const struct dev_net *net) {
  if (dev_misbehave_has(net->cfg.misbehave, DEV_MISBEHAVE_BAD_MTU))
    return MISBEHAVE_MTU;
  if (net->mtu_changed)
    return net->cfg.mtu > MODEL_NET_MTU_MIN ? net->cfg.mtu - 1u : net->cfg.mtu + 1u;
  return net->cfg.mtu;
}

static model_err net_config_read(void *ctx, uint32_t offset, uint32_t width, uint32_t *value) {
  struct dev_net *net = ctx;
  uint32_t field_off = 0, field_size = 0;
  *value = 0;
  MODEL_ENSURE(config_field(net, offset, &field_off, &field_size), MODEL_ERR_REG_UNDEFINED);
  /* 4.2.2.2#5: a field is read with its own width, at its offset. */
  MODEL_ENSURE(offset == field_off && width == field_size, MODEL_ERR_REG_WIDTH);
  /* 2.5.2#1: every field is served before FEATURES_OK too. misbehave
   * point (config-zero-before-features-ok): mac and status are not, and
   * their real values appear with no generation change (4.2.2.1#6); mtu is
   * served (0 would break 5.1.4.1#2 besides). */
  if (dev_misbehave_has(net->cfg.misbehave, DEV_MISBEHAVE_CONFIG_ZERO_BEFORE_FEATURES_OK) &&
      (dev_core_status(&net->core) & VIRTIO_STATUS_FEATURES_OK) == 0 &&
      field_off != MODEL_NET_CFG_OFF_MTU)
    return MODEL_OK;
  switch (field_off) {
  case MODEL_NET_CFG_OFF_STATUS:
    *value = net->net_status;
    break;
  case MODEL_NET_CFG_OFF_MTU:
    /* 5.1.4.1#4: never changes; #2: at least 68 */
    *value = mtu_shown(net);
    break;
  default:
    assert(field_off < MODEL_NET_MAC_LEN);
    *value = net->mac[field_off];
    break;
  }
  return MODEL_OK;
}

static model_err net_config_write(void *ctx, uint32_t offset, uint32_t width, uint32_t value) {
  (void)ctx;
  (void)offset;
  (void)width;
  (void)value;
  /* 5.1.4: every field is read-only for the driver (5.1.4.2#1). */
  return MODEL_ERR_REG_DIRECTION;
}

/* ---- link and announce ---- */

void dev_net_set_link(struct dev_net *net, bool up) {
  if (net->cfg.link_up == up)
    return;
  net->cfg.link_up = up;
  if (up)
    net->net_status |= VIRTIO_NET_S_LINK_UP;
  else
    net->net_status = (uint16_t)(net->net_status & ~VIRTIO_NET_S_LINK_UP);
  /* misbehave point (mtu-changes, 5.1.4.1#4): the mtu field changes with
   * the link, announced as a configuration change (new generation). */
  bool mtu_change = dev_misbehave_has(net->cfg.misbehave, DEV_MISBEHAVE_MTU_CHANGES) &&
                    model_features_has(net->cfg.features_offered, VIRTIO_NET_F_MTU);
  if (mtu_change)
    net->mtu_changed = true;
  if (model_features_has(net->cfg.features_offered, VIRTIO_NET_F_STATUS) || mtu_change)
    dev_core_config_changed(&net->core);
}

model_err dev_net_announce(struct dev_net *net) {
  MODEL_ENSURE(dev_net_has(net, VIRTIO_NET_F_GUEST_ANNOUNCE), MODEL_ERR_FEATURE_REQUIRED);
  net->net_status |= VIRTIO_NET_S_ANNOUNCE;
  dev_core_config_changed(&net->core);
  return MODEL_OK;
}

/* ---- servicing the transmit and control queues ---- */

static void net_tx_event(void *ctx, uint64_t arg);
static void net_ctrl_event(void *ctx, uint64_t arg);
static void net_poll_event(void *ctx, uint64_t arg);
static void net_early_event(void *ctx, uint64_t arg);

static bool is_polling(const struct dev_net *net) {
  return net->cfg.poll_interval_ticks != 0;
}

static void schedule_service_after(struct dev_net *net, uint16_t index, uint64_t delay_ticks) {
  if (net->work_pending[index])
    return;
  sim_event_fn fn = index == MODEL_NET_TXQ ? net_tx_event : net_ctrl_event;
  if (sim_bus_schedule(net->bus, delay_ticks, fn, net, index) != MODEL_OK) {
    /* The scheduler is full: the world is misconfigured, the doorbell is
     * lost; the trace says so. */
    sim_bus_note(net->bus, SIM_ACTOR_DEVICE, "virtio-net: scheduler full, doorbell lost");
    return;
  }
  net->work_pending[index] = true;
}

static void schedule_service(struct dev_net *net, uint16_t index) {
  schedule_service_after(net, index, net->cfg.tx_delay_ticks);
}

/* The wire pushes back: transmit waits, buffers stay in the ring. */
static bool tx_blocked(const struct dev_net *net, const struct dev_vq *vq) {
  return vq->index == MODEL_NET_TXQ && net->nic != NULL && !sim_nic_tx_ready(net->nic);
}

void dev_net_after_flush(struct dev_net *net, uint16_t index, bool need_irq) {
  assert(index < 3);
  if (need_irq) {
    net->stats.queue[index].irqs++;
    dev_core_raise_used_irq(&net->core);
  } else {
    net->stats.queue[index].irqs_suppressed++;
  }
}

/* 5.1.9.2.1#5-#8, #24: the HOST_ feature a GSO type needs; false for a
 * type this device does not know. */
static bool gso_type_allowed(const struct dev_net *net, uint8_t gso_type, const char **clause) {
  static const struct {
    uint8_t type;
    unsigned feature;
    const char *clause;
  } types[] = {
      {VIRTIO_NET_HDR_GSO_TCPV4, VIRTIO_NET_F_HOST_TSO4, "5.1.9.2.1#5"},
      {VIRTIO_NET_HDR_GSO_TCPV6, VIRTIO_NET_F_HOST_TSO6, "5.1.9.2.1#6"},
      {VIRTIO_NET_HDR_GSO_UDP, VIRTIO_NET_F_HOST_UFO, "5.1.9.2.1#7"},
      {VIRTIO_NET_HDR_GSO_UDP_L4, VIRTIO_NET_F_HOST_USO, "5.1.9.2.1#8"},
  };
  bool any = false;
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
    any = any || dev_net_has(net, types[i].feature);
  *clause = "5.1.9.2.1#24";
  if (!any)
    return false;
  for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
    if (types[i].type == (gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN)) {
      *clause = types[i].clause;
      return dev_net_has(net, types[i].feature);
    }
  }
  return false;
}

/* 5.1.9.2.1 / 5.1.9.2.2: the header of a transmitted packet. */
static model_err check_tx_hdr(struct dev_net *net, struct dev_vq *vq, const uint8_t *hdr) {
  uint8_t flags = hdr[MODEL_NET_HDR_OFF_FLAGS];
  uint8_t gso_type = hdr[MODEL_NET_HDR_OFF_GSO_TYPE];
  uint16_t num_buffers = (uint16_t)(hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS] |
                                    (hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS + 1] << 8));
  /* 5.1.9.2.2#1: unknown flag bits are ignored; the known ones are judged. */
  if ((flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0 && !dev_net_has(net, VIRTIO_NET_F_CSUM))
    return dev_vq_report_violation(vq, MODEL_ERR_NET_HDR, "5.1.9.2.1#3", flags, gso_type);
  if ((flags & (VIRTIO_NET_HDR_F_DATA_VALID | VIRTIO_NET_HDR_F_RSC_INFO)) != 0)
    return dev_vq_report_violation(vq, MODEL_ERR_NET_HDR, "5.1.9.2.1#36", flags, gso_type);
  if (gso_type != VIRTIO_NET_HDR_GSO_NONE) {
    /* A GSO frame: a type whose HOST_ feature was negotiated, asking for
     * its checksum and with its MSS. */
    const char *clause = NULL;
    uint16_t gso_size =
        (uint16_t)(hdr[MODEL_NET_HDR_OFF_GSO_SIZE] | (hdr[MODEL_NET_HDR_OFF_GSO_SIZE + 1] << 8));
    if (!gso_type_allowed(net, gso_type, &clause))
      return dev_vq_report_violation(vq, MODEL_ERR_NET_HDR, clause, flags, gso_type);
    if ((flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) == 0)
      return dev_vq_report_violation(vq, MODEL_ERR_NET_HDR, "5.1.9.2.1#25", flags, gso_type);
    if (gso_size == 0)
      return dev_vq_report_violation(vq, MODEL_ERR_NET_HDR, "5.1.9.2.1#26", gso_type, gso_size);
  }
  if (num_buffers != 0)
    return dev_vq_report_violation(vq, MODEL_ERR_NET_HDR, "5.1.9.2.1#2", num_buffers, 0);
  return MODEL_OK;
}

/* VIRTIO_NET_HDR_F_NEEDS_CSUM: complete the ones' complement checksum from
 * csum_start to the end, stored at csum_start + csum_offset (5.1.9.2). */
static model_err complete_csum(struct dev_vq *vq, const uint8_t *hdr, uint8_t *frame,
                               uint32_t len) {
  uint32_t start =
      (uint32_t)(hdr[MODEL_NET_HDR_OFF_CSUM_START] | (hdr[MODEL_NET_HDR_OFF_CSUM_START + 1] << 8));
  uint32_t off = (uint32_t)(hdr[MODEL_NET_HDR_OFF_CSUM_OFFSET] |
                            (hdr[MODEL_NET_HDR_OFF_CSUM_OFFSET + 1] << 8));
  if (start + off + 2u > len) /* 5.1.9.2.1#23: the field lies inside the packet */
    return dev_vq_report_violation(vq, MODEL_ERR_NET_HDR, "5.1.9.2.1#23", start, off);
  uint32_t sum = 0;
  for (uint32_t i = start; i < len; i += 2) {
    uint32_t word = (uint32_t)frame[i] << 8;
    if (i + 1 < len)
      word |= frame[i + 1];
    sum += word;
    sum = (sum & 0xffffu) + (sum >> 16);
  }
  uint16_t csum = (uint16_t)~sum;
  frame[start + off] = (uint8_t)(csum >> 8);
  frame[start + off + 1] = (uint8_t)csum;
  return MODEL_OK;
}

static void tx_drop(struct dev_net *net, const uint8_t *frame, size_t len,
                    enum sim_drop_reason reason) {
  net->stats.tx_dropped[reason]++;
  if (net->nic != NULL && len > 0)
    sim_nic_drop(net->nic, SIM_ACTOR_DEVICE, frame, len, reason);
}

/* One transmit chain: header checked, frame gathered and sent (or dropped
 * with its reason). Used length 0: the device writes nothing. */
static model_err tx_chain(struct dev_net *net, struct dev_vq *vq, const struct dev_chain *chain) {
  uint8_t hdr[MODEL_NET_HDR_SIZE];
  /* 5.1.9.2.1#1: the 12-byte header, anywhere in the readable part
   * (2.7.4.1#1: no assumption about the descriptor layout). */
  if (chain->readable_bytes < MODEL_NET_HDR_SIZE)
    return dev_vq_report_violation(vq, MODEL_ERR_NET_HDR, "5.1.9.2.1#1", chain->id,
                                   chain->readable_bytes);
  MODEL_TRY(dev_vq_chain_read(vq, chain, 0, hdr, sizeof(hdr)));
  MODEL_TRY(check_tx_hdr(net, vq, hdr));
  uint64_t len = chain->readable_bytes - MODEL_NET_HDR_SIZE;
  if (len == 0)
    return MODEL_OK; /* nothing to send */
  /* Gather what the buffer holds: the whole frame, or for one too big to
   * be any frame the NIC made, its first frame_buf_size bytes. */
  size_t take = len < net->frame_buf_size ? (size_t)len : net->frame_buf_size;
  MODEL_TRY(dev_vq_chain_read(vq, chain, MODEL_NET_HDR_SIZE, net->frame_buf, take));
  if (len > dev_net_frame_max(net)) {
    /* 5.1.4.2#9 (with MTU) or 5.1.9.3: too big to pass. A GSO frame
     * (HOST_ features, offered on request only) goes out whole when it is
     * one segment; this device does not segment a bigger one, it drops it
     * here as too big. */
    tx_drop(net, net->frame_buf, take, SIM_DROP_TOO_BIG);
    return MODEL_OK;
  }
  if ((hdr[MODEL_NET_HDR_OFF_FLAGS] & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0)
    MODEL_TRY(complete_csum(vq, hdr, net->frame_buf, (uint32_t)len));
  if (!net->cfg.link_up) {
    tx_drop(net, net->frame_buf, (size_t)len, SIM_DROP_LINK_DOWN);
    return MODEL_OK;
  }
  net->stats.tx_frames++;
  net->stats.tx_bytes += len;
  if (net->nic != NULL)
    sim_nic_device_tx(net->nic, net->frame_buf, (size_t)len);
  return MODEL_OK;
}

static model_err handle_chain(struct dev_net *net, struct dev_vq *vq, const struct dev_chain *chain,
                              uint32_t *used_len) {
  *used_len = 0;
  if (vq->index == MODEL_NET_TXQ)
    return tx_chain(net, vq, chain);
  return dev_net_ctrl_chain(net, vq, chain, used_len);
}

/* Take and handle chains until the ring is empty or the budget is spent;
 * publish them. *spent: the budget ran out. Errors: the queue broke or
 * stopped being usable. */
static model_err service_batch(struct dev_net *net, struct dev_vq *vq, uint32_t *budget,
                               bool *spent) {
  struct dev_net_queue_stats *qs = &net->stats.queue[vq->index];
  model_err err = MODEL_OK;
  bool blocked = false;
  *spent = false;
  while (*budget > 0) {
    if (tx_blocked(net, vq)) {
      blocked = true;
      break;
    }
    struct dev_chain chain;
    err = dev_vq_pop(vq, &chain);
    if (err != MODEL_OK)
      break;
    qs->chains++;
    (*budget)--;
    uint32_t used_len = 0;
    err = handle_chain(net, vq, &chain, &used_len);
    if (err != MODEL_OK)
      /* A violation (already reported, a no-op then) or a failed access
       * to checked buffers (an injected fault): the queue cannot go on
       * (the buffer's addr and len: 2.7.5, packed 2.8.4). */
      return dev_vq_report_violation(vq, err, dev_vq_clause(vq, "2.7.5", "2.8.4"), chain.id, 0);
    /* 2.7.8.2#2 (misbehave point, used-len-too-big: one byte more than
     * the chain can hold; a chain is at most 2^32 bytes, 2.7.5.2#1). */
    if (dev_misbehave_has(net->cfg.misbehave, DEV_MISBEHAVE_USED_LEN_TOO_BIG) &&
        chain.writable_bytes < UINT32_MAX)
      used_len = (uint32_t)chain.writable_bytes + 1u;
    MODEL_TRY(dev_vq_push(vq, chain.id, used_len));
    qs->used++;
  }
  if (err != MODEL_OK && err != MODEL_ERR_RING_EMPTY)
    return err;
  *spent = *budget == 0 || blocked;
  bool need_irq = false;
  MODEL_TRY(dev_vq_flush(vq, &need_irq));
  dev_net_after_flush(net, vq->index, need_irq);
  return MODEL_OK;
}

static void service_queue(struct dev_net *net, uint16_t index) {
  struct dev_vq *vq = dev_core_vq(&net->core, index);
  if (vq == NULL || !dev_core_may_service(&net->core) || !dev_vq_is_usable(vq))
    return;
  uint32_t budget = vq->size;
  if (vq->notify_enabled && dev_vq_notify_enable(vq, false, NULL) != MODEL_OK)
    return;
  for (;;) {
    bool spent = false;
    if (service_batch(net, vq, &budget, &spent) != MODEL_OK)
      return; /* broken (reported) or no longer usable */
    if (spent) {
      /* Out of budget: yield to other work and come back; against a full
       * wire, come back once virtual time has moved and frames arrived. */
      if (!is_polling(net))
        schedule_service_after(net, index,
                               tx_blocked(net, vq) ? sim_nic_backoff_ticks(net->nic)
                                                   : net->cfg.tx_delay_ticks);
      return;
    }
    if (is_polling(net))
      return;
    bool more = false;
    if (dev_vq_notify_enable(vq, true, &more) != MODEL_OK || !more)
      return;
    if (dev_vq_notify_enable(vq, false, NULL) != MODEL_OK)
      return;
  }
}

static void net_tx_event(void *ctx, uint64_t arg) {
  struct dev_net *net = ctx;
  (void)arg;
  net->work_pending[MODEL_NET_TXQ] = false;
  service_queue(net, MODEL_NET_TXQ);
}

static void net_ctrl_event(void *ctx, uint64_t arg) {
  struct dev_net *net = ctx;
  (void)arg;
  net->work_pending[MODEL_NET_CTRLQ] = false;
  service_queue(net, MODEL_NET_CTRLQ);
}

static void net_poll_event(void *ctx, uint64_t arg) {
  struct dev_net *net = ctx;
  (void)arg;
  net->poll_pending = false;
  if (!dev_core_is_live(&net->core))
    return;
  /* receiveq1 needs no doorbell either: waive it once it is usable. */
  struct dev_vq *rx = dev_core_vq(&net->core, MODEL_NET_RXQ);
  if (dev_vq_is_usable(rx) && rx->notify_enabled &&
      dev_vq_notify_enable(rx, false, NULL) != MODEL_OK)
    return; /* the queue broke (reported); the device now needs a reset */
  service_queue(net, MODEL_NET_TXQ);
  if (has_ctrl_vq(net))
    service_queue(net, MODEL_NET_CTRLQ);
  if (sim_bus_schedule(net->bus, net->cfg.poll_interval_ticks, net_poll_event, net, 0) == MODEL_OK)
    net->poll_pending = true;
}

/* ---- core hooks ---- */

static void net_queue_notify(void *ctx, uint16_t index) {
  struct dev_net *net = ctx;
  if (index < 3)
    net->stats.queue[index].notifies++;
  /* Polling: a doorbell is spurious (2.7.10.2#3). receiveq1: buffers are
   * taken when frames arrive; the device keeps no backlog to retry. */
  if (is_polling(net))
    return;
  switch (index) {
  case MODEL_NET_TXQ:
    schedule_service(net, MODEL_NET_TXQ);
    break;
  case MODEL_NET_CTRLQ:
    if (dev_net_has(net, VIRTIO_NET_F_CTRL_VQ))
      schedule_service(net, MODEL_NET_CTRLQ);
    break;
  default:
    break;
  }
}

static void cancel_work(struct dev_net *net) {
  (void)sim_sched_cancel(net->bus->sched, net_tx_event, net);
  (void)sim_sched_cancel(net->bus->sched, net_ctrl_event, net);
  (void)sim_sched_cancel(net->bus->sched, net_poll_event, net);
  (void)sim_sched_cancel(net->bus->sched, net_early_event, net);
  memset(net->work_pending, 0, sizeof(net->work_pending));
  net->poll_pending = false;
}

/* The device-type state after a reset (and at init). */
static void net_state_reset(struct dev_net *net) {
  cancel_work(net);
  memcpy(net->mac, net->cfg.mac, sizeof(net->mac));
  net->mac_late_pending = false;
  net->net_status = net->cfg.link_up ? VIRTIO_NET_S_LINK_UP : 0u;
  dev_net_filters_reset(net);
  dev_mmio_reset(&net->mmio);
}

static void net_reset(void *ctx) {
  net_state_reset(ctx);
}

static void net_driver_ok(void *ctx) {
  struct dev_net *net = ctx;
  if (!is_polling(net))
    return;
  if (sim_bus_schedule(net->bus, net->cfg.poll_interval_ticks, net_poll_event, net, 0) == MODEL_OK)
    net->poll_pending = true;
}

/* misbehave point (use-before-driver-ok, work-after-reset: 2.1.2#1,
 * 2.4.1#2): the device takes the transmit queue for live as soon as the
 * driver sets it ready, before DRIVER_OK: a moment later it services it
 * and sends a used buffer notification, whether or not it used a buffer
 * (a driver that makes none available before DRIVER_OK, as ours, sees
 * just the notification). The conformant device never gets here
 * (dev_core_may_service is false before DRIVER_OK). */
static void net_early_event(void *ctx, uint64_t arg) {
  struct dev_net *net = ctx;
  (void)arg;
  if (dev_core_is_live(&net->core) || !dev_core_may_service(&net->core))
    return;
  service_queue(net, MODEL_NET_TXQ);
  dev_net_after_flush(net, MODEL_NET_TXQ, true);
}

static void net_queue_ready(void *ctx, uint16_t index) {
  struct dev_net *net = ctx;
  if (index != MODEL_NET_TXQ || dev_core_is_live(&net->core) || !dev_core_may_service(&net->core))
    return;
  if (sim_bus_schedule(net->bus, net->cfg.tx_delay_ticks, net_early_event, net, index) != MODEL_OK)
    sim_bus_note(net->bus, SIM_ACTOR_DEVICE, "virtio-net: scheduler full, early service lost");
}

static void net_queue_reset(void *ctx, uint16_t index) {
  struct dev_net *net = ctx;
  /* 2.6.1.1.1#1: nothing more from that queue. */
  if (index == MODEL_NET_TXQ)
    (void)sim_sched_cancel(net->bus->sched, net_tx_event, net);
  if (index == MODEL_NET_CTRLQ)
    (void)sim_sched_cancel(net->bus->sched, net_ctrl_event, net);
  if (index < 3)
    net->work_pending[index] = false;
}

static const struct dev_core_ops net_core_ops = {
    .config_read = net_config_read,
    .config_write = net_config_write,
    .queue_notify = net_queue_notify,
    .reset = net_reset,
    .driver_ok = net_driver_ok,
    .queue_reset = net_queue_reset,
    .queue_ready = net_queue_ready,
};

/* ---- setup ---- */

static model_err check_config(const struct dev_net_config *cfg) {
  MODEL_ENSURE(cfg->queue_size_max <= MODEL_QUEUE_SIZE_MAX &&
                   model_split_queue_size_ok(cfg->queue_size_max),
               MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE((cfg->features_offered & ~supported_features()) == 0, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(model_features_has(cfg->features_offered, VIRTIO_F_VERSION_1),
               MODEL_ERR_INVALID_ARG);
  /* 2.2.2#1: never offer a feature without what it depends on (unless
   * told to misbehave so: offer-without-dependency). */
  unsigned bit = 0;
  uint64_t missing = 0;
  MODEL_ENSURE(dev_misbehave_has(cfg->misbehave, DEV_MISBEHAVE_OFFER_WITHOUT_DEPENDENCY) ||
                   model_features_check_deps(VIRTIO_ID_NET, cfg->features_offered, &bit,
                                             &missing) == MODEL_OK,
               MODEL_ERR_INVALID_ARG);
  /* 5.1.4.1#2 */
  MODEL_ENSURE(!model_features_has(cfg->features_offered, VIRTIO_NET_F_MTU) ||
                   cfg->mtu >= MODEL_NET_MTU_MIN,
               MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(cfg->mac_table_max <= 4096u, MODEL_ERR_INVALID_ARG);
  return MODEL_OK;
}

/* What offer-reserved-bit offers: a virtio-net bit the spec leaves
 * reserved. */
#define MISBEHAVE_RESERVED_BIT 42u

/* offer-rx-extra-without-ctrl-vq: CTRL_RX_EXTRA and HASH_REPORT (their
 * SHOULD-level pairing with CTRL_VQ, 5.1.4.1#12, #13) in an offer without
 * CTRL_VQ, from which every feature that hard-requires CTRL_VQ (2.2.2#1) is
 * also taken out, so that only the advised pairing is broken. Each round
 * drops one feature; there are at most 64. */
static uint64_t offer_without_ctrl_vq(uint64_t offered) {
  offered &= ~model_feature_mask(VIRTIO_NET_F_CTRL_VQ);
  offered |=
      model_feature_mask(VIRTIO_NET_F_CTRL_RX_EXTRA) | model_feature_mask(VIRTIO_NET_F_HASH_REPORT);
  for (unsigned round = 0; round < 64u; round++) {
    const struct model_feature_dep *dep =
        model_features_unmet_dep(VIRTIO_ID_NET, offered, MODEL_FEATURE_DEP_REQUIRED);
    if (dep == NULL)
      break;
    offered &= ~model_feature_mask(dep->bit);
  }
  return offered;
}

/* The features the device offers: the configured set, or (misbehave
 * points) CTRL_RX without CTRL_VQ (offer-without-dependency, 2.2.2#1),
 * CTRL_RX_EXTRA and HASH_REPORT without CTRL_VQ (offer-rx-extra-without-
 * ctrl-vq, 5.1.4.1#12, #13), no VERSION_1 (no-version-1, 6.2#1) and a
 * reserved bit (offer-reserved-bit, 2.2.2#4). */
static uint64_t offered_features(const struct dev_net_config *cfg) {
  uint64_t offered = cfg->features_offered;
  if (dev_misbehave_has(cfg->misbehave, DEV_MISBEHAVE_OFFER_RX_EXTRA_WITHOUT_CTRL_VQ))
    offered = offer_without_ctrl_vq(offered);
  if (dev_misbehave_has(cfg->misbehave, DEV_MISBEHAVE_OFFER_WITHOUT_DEPENDENCY))
    offered = (offered & ~model_feature_mask(VIRTIO_NET_F_CTRL_VQ)) |
              model_feature_mask(VIRTIO_NET_F_CTRL_RX);
  if (dev_misbehave_has(cfg->misbehave, DEV_MISBEHAVE_NO_VERSION_1))
    offered &= ~model_feature_mask(VIRTIO_F_VERSION_1);
  if (dev_misbehave_has(cfg->misbehave, DEV_MISBEHAVE_OFFER_RESERVED_BIT))
    offered |= model_feature_mask(MISBEHAVE_RESERVED_BIT);
  return offered;
}

static model_err alloc_scratch(struct dev_net *net) {
  /* Room for any frame the NIC can identify (its ledger needs the whole
   * frame, even of one dropped for its size), and for mtu + 14. */
  uint32_t frame_max = (uint32_t)net->cfg.mtu + MODEL_ETH_HDR_SIZE;
  if (frame_max < SIM_FRAME_MAX_SIZE)
    frame_max = SIM_FRAME_MAX_SIZE;
  net->frame_buf = calloc(frame_max, 1);
  net->frame_buf_size = frame_max;
  net->rx_head_segs = calloc(net->cfg.queue_size_max, sizeof(*net->rx_head_segs));
  net->rx_used = calloc(net->cfg.queue_size_max, sizeof(*net->rx_used));
  net->mac_table = calloc(net->cfg.mac_table_max + 1u, sizeof(*net->mac_table));
  MODEL_ENSURE(net->frame_buf != NULL && net->rx_head_segs != NULL && net->rx_used != NULL &&
                   net->mac_table != NULL,
               MODEL_ERR_NO_MEMORY);
  return MODEL_OK;
}

model_err dev_net_init(struct dev_net *net, struct sim_bus *bus, struct sim_nic *nic,
                       const struct dev_net_config *cfg) {
  memset(net, 0, sizeof(*net));
  MODEL_ENSURE(bus != NULL && cfg != NULL, MODEL_ERR_INVALID_ARG);
  MODEL_TRY(check_config(cfg));
  net->bus = bus;
  net->nic = nic;
  net->cfg = *cfg;
  net->cfg.features_offered = offered_features(cfg);
  struct dev_core_config core_cfg = {
      .device_id = VIRTIO_ID_NET,
      .vendor_id = DEV_MMIO_VENDOR_ID,
      .features_offered = net->cfg.features_offered,
      .queue_count = has_ctrl_vq(net) ? 3u : 2u,
      .queue_size_max = (uint16_t)cfg->queue_size_max,
  };
  model_err err = dev_core_init(&net->core, bus, &core_cfg, &net_core_ops, net);
  if (err == MODEL_OK)
    err = alloc_scratch(net);
  if (err != MODEL_OK) {
    dev_net_fini(net);
    return err;
  }
  net->core.misbehave = cfg->misbehave;
  for (uint16_t i = 0; i < core_cfg.queue_count; i++) {
    struct dev_vq *vq = dev_core_vq(&net->core, i);
    vq->misbehave = cfg->misbehave;
    dev_vq_set_start_idx(vq, cfg->vq_start_idx);
    dev_vq_reset(vq);
  }
  dev_mmio_init(&net->mmio, &net->core);
  net_state_reset(net);
  dev_mmio_attach(&net->mmio, bus);
  if (nic != NULL)
    sim_nic_attach_device(nic, dev_net_rx_frame, net);
  return MODEL_OK;
}

void dev_net_fini(struct dev_net *net) {
  if (net->bus != NULL)
    cancel_work(net);
  dev_core_fini(&net->core);
  free(net->frame_buf);
  free(net->rx_head_segs);
  free(net->rx_used);
  free(net->mac_table);
  net->frame_buf = NULL;
  net->rx_head_segs = NULL;
  net->rx_used = NULL;
  net->mac_table = NULL;
}

const struct dev_core *dev_net_core(const struct dev_net *net) {
  return &net->core;
}
struct dev_core *dev_net_core_mut(struct dev_net *net) {
  return &net->core;
}
const struct dev_net_stats *dev_net_stats(const struct dev_net *net) {
  return &net->stats;
}
