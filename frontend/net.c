/*
 * frontend/net.c: the virtio-net driver; contract in frontend/net.h, control
 * commands in net_ctrl.c.
 *
 * Implements 3.1.1 for a network device (the order of drv_net_start), 5.1.2
 * (queue numbering), 5.1.4.2#1 (config only read), #3 and #4 (the MAC), #5
 * and #6 (link status), #8 (receive buffers large enough for mtu + 14), #9
 * (no frame above mtu + 14), #14 (CTRL_RX_EXTRA only with CTRL_VQ, in
 * the core's negotiation),
 * 5.1.9.2.1#1-#3 (the tx header: 12 bytes, num_buffers 0, flags 0),
 * 5.1.9.3.1 (receive buffer sizes), 5.1.9.4 and 5.1.9.4.2#1 (receive
 * processing, merged buffers, unknown flags ignored), 4.2.3.4.1 (interrupt
 * handling), 3.3.1 (buffers reclaimed only after reset).
 *
 * Implementation notes:
 *  - Guest memory is carved once per start: the three rings, rx_count
 *    receive buffers, tx_slot_count transmit buffers (header + largest
 *    frame) and one control buffer. drv_net_reset gives all of it back.
 *  - Frames: a tx frame is made (counted by the NIC) in drv_net_send and
 *    queued as a drv_net_frame_ref in the backlog; draining the backlog
 *    rebuilds its bytes into a free tx slot and makes it available. From the
 *    ledger's point of view a frame is the driver's until the device uses its
 *    buffer; drv_net_reset drops whatever is still the driver's.
 *  - Interrupts: read InterruptStatus, handle, then acknowledge what was
 *    handled (4.2.3.4.1#1, #3). Used buffers are taken until the ring is
 *    empty, then notifications re-enabled and the ring re-checked (2.7.14).
 *  - The device is hostile: a ring violation breaks the driver (FAILED); a
 *    transient bus error (an injected fault) is retried by a later poll, a
 *    bounded number of times.
 *  - Misbehaviours (frontend/misbehave.h): cfg.misbehave goes to the core,
 *    the transport and (the ring ones) to each queue; those of virtio-net
 *    are wired here and in net_ctrl.c, marked "misbehave:":
 *    notify-before-driver-ok, read-unoffered-config, write-config,
 *    wide-config-access, no-irq-ack, no-isr-read, misaligned-ring (handed
 *    to the receive queue), write-before-read (the chain built here), the
 *    tx header ones, short-tx-header, wrong-src-mac, tx-oversize, tiny-
 *    and small-rx-buffer, rx-buffer-below-mtu, reclaim-without-reset (in
 *    drv_net_queue_stop) and the reclaiming side of reuse-inflight-head. A
 *    one-shot is spent when the action it spoils succeeded.
 */
#include "frontend/net.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/net_internal.h"
#include "model/split.h"
#include "model/virtio.h"

#define DRV_NET_ALLOC_BLOCKS (2u * MODEL_QUEUE_SIZE_MAX + 256u)
#define DRV_NET_SCRATCH_SIZE (MODEL_NET_HDR_SIZE + SIM_FRAME_MAX_SIZE + 1u)
#define DRV_NET_RETRY_TICKS  64u
#define DRV_NET_RETRY_MAX    8u

/* Ring misbehaviours every queue commits, and those only the transmit
 * queue does (the one-shots that spoil one chain: on tx, the chain is
 * known to be published and notified at once). */
static const unsigned drv_net_mis_vq_all[] = {
    DRV_MISBEHAVE_BAD_AVAIL_FLAGS,
    DRV_MISBEHAVE_DIRTY_USED_RING,
    DRV_MISBEHAVE_NOTIFY_WHILE_SUPPRESSED,
    DRV_MISBEHAVE_SKIP_NOTIFY,
};
static const unsigned drv_net_mis_vq_tx[] = {
    DRV_MISBEHAVE_WRITE_BEFORE_READ,     DRV_MISBEHAVE_DESCRIPTOR_LOOP,
    DRV_MISBEHAVE_INDIRECT_UNNEGOTIATED, DRV_MISBEHAVE_NESTED_INDIRECT,
    DRV_MISBEHAVE_CHAIN_TOO_LONG,        DRV_MISBEHAVE_INDIRECT_WITH_NEXT,
    DRV_MISBEHAVE_AVAIL_IDX_BACKWARDS,   DRV_MISBEHAVE_PUBLISH_IDX_BEFORE_DESCRIPTOR,
    DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD,   DRV_MISBEHAVE_CHAIN_WITH_GAP,
    DRV_MISBEHAVE_LIST_DOES_NOT_FIT,     DRV_MISBEHAVE_CHANGE_EXPOSED_DESCRIPTOR,
};
/* misbehave tiny-rx-buffer: its length; small-rx-buffer: theirs. */
#define DRV_NET_MIS_TINY_RX_BYTES  8u
#define DRV_NET_MIS_SMALL_RX_BYTES 1024u
/* misbehave write-before-read: the block holding its writable byte. */
#define DRV_NET_MIS_SCRATCH_BYTES 16u
/* The tx GSO header misbehaviours. */
static const unsigned drv_net_mis_tx_gso[] = {
    DRV_MISBEHAVE_TX_GSO,
    DRV_MISBEHAVE_TX_GSO_NO_CSUM,
    DRV_MISBEHAVE_TX_GSO_NO_SIZE,
};
/* The tx header misbehaviours (one-shots, each spoiling the first frame). */
static const unsigned drv_net_mis_tx_hdr[] = {
    DRV_MISBEHAVE_TX_NUM_BUFFERS, DRV_MISBEHAVE_TX_CSUM_OUT_OF_RANGE, DRV_MISBEHAVE_TX_GSO,
    DRV_MISBEHAVE_TX_GSO_NO_CSUM, DRV_MISBEHAVE_TX_GSO_NO_SIZE,       DRV_MISBEHAVE_TX_DATA_VALID,
};
/* The config misbehaviours (net_cfg_misbehave). */
static const unsigned drv_net_mis_cfg[] = {
    DRV_MISBEHAVE_WIDE_CONFIG_ACCESS,
    DRV_MISBEHAVE_READ_UNOFFERED_CONFIG,
};
/* One of the lists above as a set. */
#define DRV_NET_MIS_SET(list) net_mis_set((list), sizeof(list) / sizeof((list)[0]))

static struct drv_misbehave_set net_mis_set(const unsigned *bits, size_t count) {
  struct drv_misbehave_set set = drv_misbehave_none();
  for (size_t i = 0; i < count; i++)
    drv_misbehave_add(&set, bits[i]);
  return set;
}

static void net_irq(void *ctx);

void drv_net_config_default(struct drv_net_config *cfg) {
  memset(cfg, 0, sizeof(*cfg));
  cfg->features_wanted = DRV_NET_FEATURES_KNOWN | DRV_CORE_FEATURES_TRANSPORT;
  cfg->features_required = model_feature_mask(VIRTIO_F_VERSION_1);
  cfg->tx_segments = 2;
  cfg->tx_interrupts = true;
  cfg->guest_mem_base = 0x10000000u;
  cfg->guest_mem_size = 64u * 1024u * 1024u;
  cfg->seed = 1;
}

/* ---- life cycle ------------------------------------------------------- */

model_err drv_net_init(struct drv_net *net, struct sim_bus *bus, struct sim_nic *nic,
                       const struct drv_net_config *cfg) {
  memset(net, 0, sizeof(*net));
  MODEL_ENSURE(cfg->tx_segments == 1 || cfg->tx_segments == 2, MODEL_ERR_INVALID_ARG);
  net->bus = bus;
  net->nic = nic;
  net->cfg = *cfg;
  net->backlog_max = cfg->tx_backlog_max != 0 ? cfg->tx_backlog_max : DRV_NET_TX_BACKLOG_DEFAULT;
  net->ctrl_last_ack = -1;
  net->state = DRV_NET_STOPPED;
  drv_core_init(&net->core, bus);
  drv_core_set_known_features(&net->core, DRV_NET_FEATURES_KNOWN | DRV_NET_FEATURES_ON_REQUEST);
  net->misbehave = cfg->misbehave;
  net->core.misbehave = cfg->misbehave;
  net->core.mmio.misbehave = cfg->misbehave;
  if (drv_net_mis(net, DRV_MISBEHAVE_TX_DATA_VALID)) {
    /* misbehave tx-data-valid: with CSUM accepted (never used), DATA_VALID
     * is the only flag rule its header breaks */
    net->cfg.features_wanted |= model_feature_mask(VIRTIO_NET_F_CSUM);
  }
  if (!drv_misbehave_is_empty(
          drv_misbehave_intersect(net->misbehave, DRV_NET_MIS_SET(drv_net_mis_tx_gso)))) {
    /* misbehave tx-gso, tx-gso-no-csum, tx-gso-no-size: whatever the device
     * offers of CSUM and the HOST_ GSO features, so that the one rule each
     * breaks depends on the offer alone */
    net->cfg.features_wanted |= DRV_NET_FEATURES_ON_REQUEST;
  }
  sim_prng_init(&net->prng, cfg->seed, "driver");
  /* 5.1.4.2#4: without VIRTIO_NET_F_MAC, a locally administered unicast
   * address, drawn once so that it survives resets */
  for (unsigned i = 0; i < 6u; i++)
    net->local_mac[i] = (uint8_t)(sim_prng_next(&net->prng) & 0xffu);
  net->local_mac[0] = (uint8_t)((net->local_mac[0] & 0xfcu) | 0x02u);

  MODEL_TRY(
      drv_alloc_init(&net->alloc, cfg->guest_mem_base, cfg->guest_mem_size, DRV_NET_ALLOC_BLOCKS));
  net->rx_scratch_size = DRV_NET_SCRATCH_SIZE;
  net->rx_scratch = malloc(net->rx_scratch_size);
  net->tx_scratch = malloc(DRV_NET_SCRATCH_SIZE);
  net->backlog_slots = net->backlog_max < DRV_NET_BACKLOG_SLOTS_INITIAL
                           ? net->backlog_max
                           : DRV_NET_BACKLOG_SLOTS_INITIAL;
  net->backlog = calloc(net->backlog_slots, sizeof(net->backlog[0]));
  if (net->rx_scratch == NULL || net->tx_scratch == NULL || net->backlog == NULL) {
    drv_net_fini(net);
    return MODEL_ERR_NO_MEMORY;
  }
  sim_bus_attach_driver(bus, net_irq, net);
  return MODEL_OK;
}

static void net_retry(void *ctx, uint64_t arg);

/* Everything a start set up, host and guest side; the device is not touched. */
static void net_teardown(struct drv_net *net) {
  for (unsigned q = 0; q < DRV_NET_QUEUE_COUNT; q++) {
    if (net->vq_live[q]) {
      /* one-shots stay spent */
      net->misbehave = drv_misbehave_minus(net->misbehave, net->vq[q].misbehave_spent);
      drv_vq_fini(&net->vq[q]);
    }
    net->vq_live[q] = false;
    net->vq_stopped[q] = false;
  }
  free(net->tx_slots);
  free(net->tx_free);
  net->tx_slots = NULL;
  net->tx_free = NULL;
  net->tx_slot_count = net->tx_free_count = 0;
  net->rx_count = 0;
  net->merge_remaining = 0;
  net->merge_len = 0;
  net->merge_discard = false;
  net->merge_malformed = false;
  net->merge_fault = false;
  net->ctrl_busy = false;
  net->misbehave_scratch = 0;
  drv_alloc_reset(&net->alloc);
  net->state = DRV_NET_STOPPED;
}

void drv_net_fini(struct drv_net *net) {
  if (net->bus != NULL) {
    if (net->bus->irq_ctx == net)
      sim_bus_attach_driver(net->bus, NULL, NULL);
    (void)sim_sched_cancel(net->bus->sched, net_retry, net);
  }
  if (net->alloc.blocks != NULL)
    net_teardown(net);
  drv_alloc_fini(&net->alloc);
  free(net->rx_scratch);
  free(net->tx_scratch);
  free(net->backlog);
  memset(net, 0, sizeof(*net));
}

/* ---- frames ------------------------------------------------------------ */

static void frame_rebuild(const struct drv_net_frame_ref *f, uint8_t *buf) {
  sim_frame_build(buf, f->frame_len, f->dst, f->src, SIM_STREAM_TX, f->seq);
}

static void frame_drop(struct drv_net *net, const struct drv_net_frame_ref *f,
                       enum sim_drop_reason reason) {
  frame_rebuild(f, net->tx_scratch);
  sim_nic_drop(net->nic, SIM_ACTOR_DRIVER, net->tx_scratch, f->frame_len, reason);
  if (reason == SIM_DROP_BROKEN)
    net->stats.tx_dropped_broken++;
  else
    net->stats.tx_dropped_reset++;
}

/* The backlog ring's slot after slot i (< backlog_slots, which need not be
 * a power of two): a compare, no division, per frame. */
static uint32_t backlog_next(const struct drv_net *net, uint32_t i) {
  return i + 1u < net->backlog_slots ? i + 1u : 0u;
}

static void backlog_drop_all(struct drv_net *net, enum sim_drop_reason reason) {
  while (net->backlog_count > 0) {
    frame_drop(net, &net->backlog[net->backlog_head], reason);
    net->backlog_head = backlog_next(net, net->backlog_head);
    net->backlog_count--;
  }
  net->backlog_head = 0;
}

void drv_net_break(struct drv_net *net, model_err err) {
  if (net->broken)
    return;
  net->broken = true;
  net->broken_err = err;
  /* 3.1.1#4: give up on the device; it stays FAILED until drv_net_reset */
  if (!drv_core_is_failed(&net->core) && drv_core_fail(&net->core) != MODEL_OK)
    net->stats.poll_errors++;
  backlog_drop_all(net, SIM_DROP_BROKEN);
}

/* Errors that mean the device broke the contract (as opposed to a transient
 * bus error, which a later poll retries). */
static bool err_is_violation(model_err err) {
  return err == MODEL_ERR_RING_USED_ID || err == MODEL_ERR_RING_USED_LEN ||
         err == MODEL_ERR_RING_USED_IDX || err == MODEL_ERR_RING_BROKEN ||
         err == MODEL_ERR_NEEDS_RESET;
}

/* ---- configuration ----------------------------------------------------- */

struct net_cfg_snapshot {
  uint64_t features;
  uint64_t offered;                   /* misbehave read-unoffered-config: what was offered */
  struct drv_misbehave_set misbehave; /* the config misbehaviours to commit */
  uint8_t mac[6];
  uint16_t status;
  uint16_t mtu;
};

/* misbehave read-unoffered-config: the offset of the first optional field
 * whose feature was not offered, or 0 (mac is not optional here: it is
 * the one read without a check) if every one was. */
static uint32_t unoffered_field(uint64_t offered) {
  uint64_t mq = model_feature_mask(VIRTIO_NET_F_MQ) | model_feature_mask(VIRTIO_NET_F_RSS);
  if ((offered & mq) == 0)
    return MODEL_NET_CFG_OFF_MAX_VQ_PAIRS;
  if (!model_features_has(offered, VIRTIO_NET_F_MTU))
    return MODEL_NET_CFG_OFF_MTU;
  if (!model_features_has(offered, VIRTIO_NET_F_STATUS))
    return MODEL_NET_CFG_OFF_STATUS;
  return 0;
}

/* The config misbehaviours, inside the generation loop so that they break
 * nothing but their own rule; what they read is thrown away. */
static void net_cfg_misbehave(struct drv_mmio *m, const struct net_cfg_snapshot *snap) {
  uint16_t v16 = 0;
  uint32_t v32 = 0;
  /* misbehave: wide-config-access breaks 4.2.2.2#5 (mac is 8-bit) */
  if (drv_misbehave_has(snap->misbehave, DRV_MISBEHAVE_WIDE_CONFIG_ACCESS) &&
      model_features_has(snap->features, VIRTIO_NET_F_MAC))
    drv_misbehave_ignore(drv_mmio_config_le32(m, MODEL_NET_CFG_OFF_MAC, &v32));
  /* misbehave: read-unoffered-config breaks 2.5.1#3 */
  uint32_t off = unoffered_field(snap->offered);
  if (drv_misbehave_has(snap->misbehave, DRV_MISBEHAVE_READ_UNOFFERED_CONFIG) && off != 0)
    drv_misbehave_ignore(drv_mmio_config_le16(m, off, &v16));
}

/* Read inside the generation loop; only fields whose feature was
 * negotiated, each at its own width (2.5.1#3, 4.2.2.2#5). */
static model_err net_cfg_fields(struct drv_mmio *m, void *ctx) {
  struct net_cfg_snapshot *snap = ctx;
  if (model_features_has(snap->features, VIRTIO_NET_F_MAC)) {
    for (uint32_t i = 0; i < MODEL_NET_MAC_LEN; i++)
      MODEL_TRY(drv_mmio_config_u8(m, MODEL_NET_CFG_OFF_MAC + i, &snap->mac[i]));
  }
  if (model_features_has(snap->features, VIRTIO_NET_F_STATUS))
    MODEL_TRY(drv_mmio_config_le16(m, MODEL_NET_CFG_OFF_STATUS, &snap->status));
  if (model_features_has(snap->features, VIRTIO_NET_F_MTU))
    MODEL_TRY(drv_mmio_config_le16(m, MODEL_NET_CFG_OFF_MTU, &snap->mtu));
  if (!drv_misbehave_is_empty(snap->misbehave))
    net_cfg_misbehave(m, snap);
  return MODEL_OK;
}

static model_err net_read_config(struct drv_net *net, bool with_mtu) {
  struct net_cfg_snapshot snap = {
      .features = net->features,
      .offered = net->core.device_features,
      .misbehave = drv_misbehave_intersect(net->misbehave, DRV_NET_MIS_SET(drv_net_mis_cfg)),
  };
  if (!with_mtu)
    snap.features &= ~model_feature_mask(VIRTIO_NET_F_MTU);
  MODEL_TRY(drv_mmio_config_read(&net->core.mmio, net_cfg_fields, &snap));
  if (model_features_has(net->features, VIRTIO_NET_F_MAC))
    memcpy(net->mac, snap.mac, sizeof(net->mac)); /* 5.1.4.2#3 */
  /* 5.1.4.2#5, #6: link state from status, or up without the feature */
  net->net_status = snap.status;
  net->link_up = !model_features_has(net->features, VIRTIO_NET_F_STATUS) ||
                 (snap.status & VIRTIO_NET_S_LINK_UP) != 0;
  if (with_mtu && model_features_has(net->features, VIRTIO_NET_F_MTU)) {
    /* 5.1.4.1#1: a device offering MTU keeps mtu at 68 or more */
    MODEL_ENSURE(snap.mtu >= MODEL_NET_MTU_MIN, MODEL_ERR_CONFIG_VALUE);
    net->mtu = snap.mtu;
  }
  return MODEL_OK;
}

/* ---- setup ------------------------------------------------------------- */

static model_err net_notify(void *ctx, uint16_t index, uint32_t value) {
  struct drv_net *net = ctx;
  (void)index;
  /* rule point: 3.1.1#6, no available buffer notification before DRIVER_OK
   * (misbehave notify-before-driver-ok notifies past it, in drv_net_setup) */
  MODEL_ENSURE((net->core.status_shadow & VIRTIO_STATUS_DRIVER_OK) != 0, MODEL_ERR_QUEUE_NOT_READY);
  return drv_mmio_notify(&net->core.mmio, value);
}

static uint32_t pow2_floor(uint32_t v) {
  uint32_t p = 1;
  while (p <= v / 2u)
    p *= 2u;
  return p;
}

static model_err net_queue_setup(struct drv_net *net, unsigned q) {
  uint32_t size_max = 0;
  MODEL_TRY(drv_mmio_queue_size_max(&net->core.mmio, (uint16_t)q, &size_max));
  uint32_t size = net->cfg.queue_size[q];
  uint32_t size_cap = size_max < MODEL_QUEUE_SIZE_MAX ? size_max : MODEL_QUEUE_SIZE_MAX;
  /* the largest legal size the device allows: packed takes any number
   * (2.8.10.1), split a power of two */
  if (size == 0)
    size =
        model_features_has(net->features, VIRTIO_F_RING_PACKED) ? size_cap : pow2_floor(size_cap);
  /* 4.2.2.2#12: QueueSize no larger than QueueSizeMax */
  MODEL_ENSURE(size <= size_max, MODEL_ERR_QUEUE_SIZE);
  struct drv_misbehave_set ring = DRV_NET_MIS_SET(drv_net_mis_vq_all);
  if (q == MODEL_NET_TXQ)
    ring = drv_misbehave_union(ring, DRV_NET_MIS_SET(drv_net_mis_vq_tx));
  struct drv_misbehave_set mis = drv_misbehave_intersect(net->misbehave, ring);
  /* misbehave: misaligned-ring, one-shot, spoils the first queue */
  if (drv_net_mis_once(net, DRV_MISBEHAVE_MISALIGNED_RING))
    drv_misbehave_add(&mis, DRV_MISBEHAVE_MISALIGNED_RING);
  MODEL_TRY(
      drv_vq_init_ex(&net->vq[q], net->bus, &net->alloc, (uint16_t)q, size, net->features, mis));
  net->vq_live[q] = true;
  drv_vq_set_notify(&net->vq[q], net_notify, net);
  struct drv_mmio_queue_layout layout = {
      .size = size,
      .desc_addr = net->vq[q].desc_addr,
      .driver_addr = net->vq[q].avail_addr,
      .device_addr = net->vq[q].used_addr,
  };
  return drv_mmio_queue_program(&net->core.mmio, (uint16_t)q, &layout);
}

/* 5.1.9.3.1 and 5.1.4.2#8: the receive buffer size. */
static uint32_t net_rx_buf_size(const struct drv_net *net) {
  uint32_t frame_max = net->mtu != 0 ? net->mtu + MODEL_ETH_HDR_SIZE : MODEL_ETH_MAX_FRAME;
  if (frame_max < MODEL_ETH_MAX_FRAME)
    frame_max = MODEL_ETH_MAX_FRAME;
  uint32_t whole = MODEL_NET_HDR_SIZE + frame_max; /* what the SHOULD asks */
  if (drv_net_mis(net, DRV_MISBEHAVE_RX_BUFFER_BELOW_MTU) && net->mtu != 0 &&
      !model_features_has(net->features, VIRTIO_NET_F_MRG_RXBUF))
    /* misbehave: rx-buffer-below-mtu breaks 5.1.4.2#8 by one byte */
    return MODEL_NET_HDR_SIZE + net->mtu + MODEL_ETH_HDR_SIZE - 1u;
  bool small = drv_net_mis(net, DRV_MISBEHAVE_SMALL_RX_BUFFER);
  if (net->cfg.rx_buf_size == 0 && !small)
    return whole;
  /* misbehave: small-rx-buffer breaks 5.1.9.3.1#2, keeping the MUSTs */
  uint32_t asked = small ? DRV_NET_MIS_SMALL_RX_BYTES : net->cfg.rx_buf_size;
  uint32_t must = MODEL_NET_HDR_SIZE; /* 5.1.9.3.1#3 with MRG_RXBUF */
  if (net->mtu != 0) {
    uint32_t need = MODEL_NET_HDR_SIZE + net->mtu + MODEL_ETH_HDR_SIZE;
    if (model_features_has(net->features, VIRTIO_NET_F_MRG_RXBUF))
      need = (need + net->rx_count - 1u) / net->rx_count; /* spread over every buffer */
    must = need > must ? need : must;
  }
  return asked > must ? asked : must;
}

static model_err net_pools_setup(struct drv_net *net) {
  const struct drv_vq *rxq = &net->vq[MODEL_NET_RXQ];
  const struct drv_vq *txq = &net->vq[MODEL_NET_TXQ];
  net->rx_count = net->cfg.rx_buf_count != 0 && net->cfg.rx_buf_count < rxq->size
                      ? net->cfg.rx_buf_count
                      : rxq->size;
  net->rx_buf_size = net_rx_buf_size(net);
  MODEL_TRY(
      drv_alloc_get(&net->alloc, (uint64_t)net->rx_count * net->rx_buf_size, 16u, &net->rx_base));
  net->tx_slot_count = txq->size;
  net->tx_slot_size = MODEL_NET_HDR_SIZE + net->tx_frame_max;
  MODEL_TRY(drv_alloc_get(&net->alloc, (uint64_t)net->tx_slot_count * net->tx_slot_size, 16u,
                          &net->tx_base));
  net->tx_slots = calloc(net->tx_slot_count, sizeof(net->tx_slots[0]));
  net->tx_free = calloc(net->tx_slot_count, sizeof(net->tx_free[0]));
  MODEL_ENSURE(net->tx_slots != NULL && net->tx_free != NULL, MODEL_ERR_NO_MEMORY);
  for (uint32_t i = 0; i < net->tx_slot_count; i++)
    net->tx_free[i] = net->tx_slot_count - 1u - i; /* pops 0, 1, 2, ... */
  net->tx_free_count = net->tx_slot_count;
  if (net->vq_live[MODEL_NET_CTRLQ])
    MODEL_TRY(drv_alloc_get(&net->alloc, DRV_NET_CTRL_BUF_SIZE, 16u, &net->ctrl_addr));
  if (drv_net_mis(net, DRV_MISBEHAVE_WRITE_BEFORE_READ))
    MODEL_TRY(drv_alloc_get(&net->alloc, DRV_NET_MIS_SCRATCH_BYTES, 16u, &net->misbehave_scratch));
  return MODEL_OK;
}

/* After the configuration was read and the queues set up, before
 * DRIVER_OK: the setup misbehaviours. */
static void net_setup_misbehave(struct drv_net *net) {
  /* misbehave: write-config breaks 5.1.4.2#1 (the byte it read) */
  if (drv_net_mis(net, DRV_MISBEHAVE_WRITE_CONFIG) &&
      model_features_has(net->features, VIRTIO_NET_F_MAC))
    drv_misbehave_ignore(
        drv_mmio_config_write_u8(&net->core.mmio, MODEL_NET_CFG_OFF_MAC, net->mac[0]));
  /* misbehave: notify-before-driver-ok breaks 3.1.1#6 */
  if (drv_net_mis_once(net, DRV_MISBEHAVE_NOTIFY_BEFORE_DRIVER_OK))
    drv_misbehave_ignore(drv_mmio_notify(&net->core.mmio, MODEL_NET_RXQ));
}

/* The largest frame the driver sends: mtu + 14 with MTU (5.1.4.2#9), else
 * the Ethernet maximum. */
static uint32_t net_tx_frame_max(const struct drv_net *net) {
  uint32_t frame_max = net->mtu != 0 ? net->mtu + MODEL_ETH_HDR_SIZE : MODEL_ETH_MAX_FRAME;
  /* misbehave: tx-oversize ignores the MTU below the Ethernet maximum */
  if (drv_net_mis(net, DRV_MISBEHAVE_TX_OVERSIZE) && frame_max < MODEL_ETH_MAX_FRAME)
    frame_max = MODEL_ETH_MAX_FRAME;
  return frame_max < SIM_FRAME_MAX_SIZE ? frame_max : SIM_FRAME_MAX_SIZE;
}

model_err drv_net_setup(struct drv_net *net) {
  MODEL_ENSURE(net->state == DRV_NET_STOPPED && !net->broken, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(net->core.features_ok, MODEL_ERR_FEATURE_REJECTED);
  net->features = drv_core_features(&net->core);
  memcpy(net->mac, net->local_mac, sizeof(net->mac));
  net->mtu = 0;
  net->rx_refill = true;
  model_err err = net_read_config(net, true);
  net->tx_frame_max = net_tx_frame_max(net);
  if (err == MODEL_OK)
    err = net_queue_setup(net, MODEL_NET_RXQ);
  if (err == MODEL_OK)
    err = net_queue_setup(net, MODEL_NET_TXQ);
  if (err == MODEL_OK && model_features_has(net->features, VIRTIO_NET_F_CTRL_VQ))
    err = net_queue_setup(net, MODEL_NET_CTRLQ);
  if (err == MODEL_OK)
    err = net_pools_setup(net);
  if (err == MODEL_OK && !net->cfg.tx_interrupts)
    err = drv_vq_disable_cb(&net->vq[MODEL_NET_TXQ]); /* 5.1.9.2.3 */
  if (err != MODEL_OK)
    return err;
  if (!drv_misbehave_is_empty(net->misbehave))
    net_setup_misbehave(net);
  net->state = DRV_NET_SETUP;
  return MODEL_OK;
}

static model_err rx_post(struct drv_net *net, uint32_t i) {
  struct drv_sg sg = {
      .addr = net->rx_base + (uint64_t)i * net->rx_buf_size,
      .len = net->rx_buf_size,
      .device_writable = true,
  };
  /* misbehave: tiny-rx-buffer breaks 5.1.9.3.1#3 (only with MRG_RXBUF) */
  bool tiny = drv_net_mis(net, DRV_MISBEHAVE_TINY_RX_BUFFER) &&
              model_features_has(net->features, VIRTIO_NET_F_MRG_RXBUF);
  if (tiny)
    sg.len = DRV_NET_MIS_TINY_RX_BYTES;
  MODEL_TRY(drv_vq_add(&net->vq[MODEL_NET_RXQ], &sg, 0, 1, i, false));
  if (tiny)
    drv_misbehave_remove(&net->misbehave, DRV_MISBEHAVE_TINY_RX_BUFFER);
  return MODEL_OK;
}

model_err drv_net_activate(struct drv_net *net) {
  MODEL_ENSURE(net->state == DRV_NET_SETUP && !net->broken, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE((net->core.status_shadow & VIRTIO_STATUS_DRIVER_OK) != 0, MODEL_ERR_QUEUE_NOT_READY);
  net->state = DRV_NET_RUNNING;
  for (uint32_t i = 0; i < net->rx_count; i++)
    MODEL_TRY(rx_post(net, i));
  return drv_vq_kick(&net->vq[MODEL_NET_RXQ], NULL);
}

static model_err net_start_steps(struct drv_net *net) {
  struct drv_core *core = &net->core;
  MODEL_TRY(drv_core_reset(core));                                 /* 3.1.1 step 1 */
  MODEL_TRY(drv_core_add_status(core, VIRTIO_STATUS_ACKNOWLEDGE)); /* step 2 */
  MODEL_TRY(drv_core_add_status(core, VIRTIO_STATUS_DRIVER));      /* step 3 */
  /* steps 4-6; the core drops CTRL_RX_EXTRA without CTRL_VQ (5.1.4.2#14) */
  MODEL_TRY(drv_core_negotiate(core, net->cfg.features_wanted, net->cfg.features_required, NULL));
  MODEL_TRY(drv_net_setup(net)); /* 7 */
  uint8_t status = 0;
  MODEL_TRY(drv_core_status_read(core, &status));
  MODEL_ENSURE(!drv_core_needs_reset(core), MODEL_ERR_NEEDS_RESET);
  MODEL_TRY(drv_core_add_status(core, VIRTIO_STATUS_DRIVER_OK)); /* step 8 */
  return drv_net_activate(net);
}

model_err drv_net_start(struct drv_net *net) {
  MODEL_ENSURE(net->state == DRV_NET_STOPPED && !net->broken, MODEL_ERR_INVALID_ARG);
  /* 4.2.3.1.1: identify first; a device to ignore is left untouched */
  MODEL_TRY(drv_core_probe(&net->core, VIRTIO_ID_NET));
  model_err err = net_start_steps(net);
  if (err != MODEL_OK) {
    /* 3.1.1#4, #5: give up and stop here; drv_net_reset recovers */
    net->broken = true;
    net->broken_err = err;
    if (!drv_core_is_failed(&net->core) && drv_core_fail(&net->core) != MODEL_OK)
      net->stats.poll_errors++;
  }
  return err;
}

struct drv_core *drv_net_core(struct drv_net *net) {
  return &net->core;
}

/* ---- transmit ---------------------------------------------------------- */

/* misbehave tx-gso, tx-gso-no-csum, tx-gso-no-size: the segment size they
 * ask for (0 for tx-gso-no-size). */
#define DRV_NET_MIS_GSO_SIZE 1448u

static void hdr_put_le16(uint8_t *hdr, uint32_t off, uint16_t v) {
  hdr[off] = (uint8_t)(v & 0xffu);
  hdr[off + 1u] = (uint8_t)(v >> 8);
}

/* The GSO types with the HOST_ feature each needs (5.1.9.2.1#5-#8). */
static const struct {
  uint8_t type;
  unsigned feature;
} tx_gso_types[] = {
    {VIRTIO_NET_HDR_GSO_TCPV4, VIRTIO_NET_F_HOST_TSO4},
    {VIRTIO_NET_HDR_GSO_TCPV6, VIRTIO_NET_F_HOST_TSO6},
    {VIRTIO_NET_HDR_GSO_UDP, VIRTIO_NET_F_HOST_UFO},
    {VIRTIO_NET_HDR_GSO_UDP_L4, VIRTIO_NET_F_HOST_USO},
};

/* The first GSO type whose feature is (allowed) or is not negotiated;
 * TCPV4 if there is none. */
static uint8_t tx_gso_pick(uint64_t features, bool allowed) {
  for (size_t i = 0; i < sizeof(tx_gso_types) / sizeof(tx_gso_types[0]); i++) {
    if (model_features_has(features, tx_gso_types[i].feature) == allowed)
      return tx_gso_types[i].type;
  }
  return VIRTIO_NET_HDR_GSO_TCPV4;
}

/* misbehave: the GSO ones, on a zeroed header. NEEDS_CSUM (but for
 * tx-gso-no-csum) only with CSUM, over the whole frame: csum_start 0,
 * csum_offset 0. */
static void tx_hdr_gso_misbehave(uint8_t *hdr, struct drv_misbehave_set mis, uint64_t features) {
  bool csum = model_features_has(features, VIRTIO_NET_F_CSUM);
  uint16_t gso_size = DRV_NET_MIS_GSO_SIZE;
  if (drv_misbehave_has(mis, DRV_MISBEHAVE_TX_GSO)) { /* breaks 5.1.9.2.1#24, or #5-#8 */
    hdr[MODEL_NET_HDR_OFF_GSO_TYPE] = tx_gso_pick(features, false);
  } else {
    hdr[MODEL_NET_HDR_OFF_GSO_TYPE] = tx_gso_pick(features, true);
    if (drv_misbehave_has(mis, DRV_MISBEHAVE_TX_GSO_NO_CSUM)) /* breaks 5.1.9.2.1#25 */
      csum = false;
    if (drv_misbehave_has(mis, DRV_MISBEHAVE_TX_GSO_NO_SIZE)) /* breaks 5.1.9.2.1#26 */
      gso_size = 0;
  }
  if (csum)
    hdr[MODEL_NET_HDR_OFF_FLAGS] |= VIRTIO_NET_HDR_F_NEEDS_CSUM;
  hdr_put_le16(hdr, MODEL_NET_HDR_OFF_GSO_SIZE, gso_size);
}

/* misbehave: the tx header ones, on a zeroed header for a frame of
 * frame_len bytes. */
static void tx_hdr_misbehave(uint8_t *hdr, struct drv_misbehave_set mis, uint64_t features,
                             uint32_t frame_len) {
  if (drv_misbehave_has(mis, DRV_MISBEHAVE_TX_NUM_BUFFERS)) /* breaks 5.1.9.2.1#2 */
    hdr_put_le16(hdr, MODEL_NET_HDR_OFF_NUM_BUFFERS, 1u);
  if (drv_misbehave_has(mis, DRV_MISBEHAVE_TX_CSUM_OUT_OF_RANGE)) {
    /* breaks 5.1.9.2.1#3 (without CSUM) or #23: the field starts at the
     * frame's end */
    hdr[MODEL_NET_HDR_OFF_FLAGS] |= VIRTIO_NET_HDR_F_NEEDS_CSUM;
    hdr_put_le16(hdr, MODEL_NET_HDR_OFF_CSUM_START, (uint16_t)frame_len);
  }
  if (!drv_misbehave_is_empty(drv_misbehave_intersect(mis, DRV_NET_MIS_SET(drv_net_mis_tx_gso))))
    tx_hdr_gso_misbehave(hdr, mis, features);
  if (drv_misbehave_has(mis, DRV_MISBEHAVE_TX_DATA_VALID)) /* breaks 5.1.9.2.1#36 */
    hdr[MODEL_NET_HDR_OFF_FLAGS] |= VIRTIO_NET_HDR_F_DATA_VALID;
}

/* misbehave: write-before-read breaks 2.7.4.2#1: a 1-byte device-writable
 * element after the header (first, with one segment), readable ones after
 * it. Returns the new element count; sg has room for one more. */
static unsigned tx_sg_write_before_read(const struct drv_net *net, struct drv_sg *sg,
                                        unsigned count) {
  struct drv_sg w = {.addr = net->misbehave_scratch, .len = 1u, .device_writable = true};
  if (count == 2u) {
    sg[2] = sg[1];
    sg[1] = w;
    return 3u;
  }
  sg[1] = sg[0];
  sg[0] = w;
  return 2u;
}

static model_err tx_place(struct drv_net *net, const struct drv_net_frame_ref *f, uint32_t slot) {
  uint64_t addr = net->tx_base + (uint64_t)slot * net->tx_slot_size;
  uint8_t *buf = net->tx_scratch;
  /* 5.1.9.2.1#1-#3: a 12-byte header, flags 0 (no CSUM), gso NONE,
   * num_buffers 0 */
  memset(buf, 0, MODEL_NET_HDR_SIZE);
  /* The well-behaved driver (an empty set) skips every misbehave test. */
  bool mis = !drv_misbehave_is_empty(net->misbehave);
  struct drv_misbehave_set spent = drv_misbehave_none();
  if (mis)
    spent = drv_misbehave_intersect(net->misbehave, DRV_NET_MIS_SET(drv_net_mis_tx_hdr));
  if (!drv_misbehave_is_empty(spent))
    tx_hdr_misbehave(buf, spent, drv_core_features(&net->core), f->frame_len);
  frame_rebuild(f, buf + MODEL_NET_HDR_SIZE);
  MODEL_TRY(sim_bus_write_bytes(net->bus, SIM_ACTOR_DRIVER, addr, buf,
                                MODEL_NET_HDR_SIZE + (size_t)f->frame_len));
  struct drv_sg sg[3] = {
      {.addr = addr, .len = MODEL_NET_HDR_SIZE + f->frame_len, .device_writable = false},
      {.addr = addr + MODEL_NET_HDR_SIZE, .len = f->frame_len, .device_writable = false},
  };
  unsigned count = net->cfg.tx_segments, writable = 0;
  /* A queue smaller than the chain takes no chain of it, direct or
   * indirect (2.7.5.3.1#3, 2.8.19#3): header and frame then go in one
   * descriptor, a framing the device must accept (2.7.4.1), rather than
   * the frame waiting for ever. */
  if (count > net->vq[MODEL_NET_TXQ].size)
    count = 1;
  if (count == 2)
    sg[0].len = MODEL_NET_HDR_SIZE;
  if (mis && drv_net_mis(net, DRV_MISBEHAVE_SHORT_TX_HEADER)) {
    /* misbehave: short-tx-header breaks 5.1.9.2.1#1: 10 header bytes only */
    sg[0].len = MODEL_NET_HDR_SIZE - 2u;
    count = 1;
    drv_misbehave_add(&spent, DRV_MISBEHAVE_SHORT_TX_HEADER);
  }
  if (mis && drv_net_mis(net, DRV_MISBEHAVE_WRITE_BEFORE_READ) && net->misbehave_scratch != 0) {
    count = tx_sg_write_before_read(net, sg, count);
    writable = 1;
    drv_misbehave_add(&spent, DRV_MISBEHAVE_WRITE_BEFORE_READ);
  }
  MODEL_TRY(drv_vq_add(&net->vq[MODEL_NET_TXQ], sg, count - writable, writable, slot,
                       net->cfg.tx_indirect));
  if (!mis)
    return MODEL_OK;
  net->misbehave =
      drv_misbehave_minus(net->misbehave, spent); /* the spoiled frame is on the ring */
  if (drv_misbehave_has(spent, DRV_MISBEHAVE_SHORT_TX_HEADER))
    frame_drop(net, f, SIM_DROP_BROKEN); /* short-tx-header: the frame stayed behind */
  return MODEL_OK;
}

/* misbehave reuse-inflight-head: the frame whose chain the transmit queue
 * reused never reaches the device. The driver broke it: drop it so, and
 * free its slot. */
static void tx_reuse_reclaim(struct drv_net *net) {
  struct drv_vq *txq = &net->vq[MODEL_NET_TXQ];
  txq->reused = false;
  uint64_t token = txq->reused_token;
  if (token >= net->tx_slot_count)
    return;
  frame_drop(net, &net->tx_slots[token], SIM_DROP_BROKEN);
  net->tx_free[net->tx_free_count++] = (uint32_t)token;
}

/* Move backlog frames onto the ring while slots and descriptors last. */
static model_err tx_drain(struct drv_net *net) {
  if (net->vq_stopped[MODEL_NET_TXQ])
    return MODEL_OK; /* out of service: frames wait for the reset */
  while (net->backlog_count > 0 && net->tx_free_count > 0) {
    const struct drv_net_frame_ref *f = &net->backlog[net->backlog_head];
    uint32_t slot = net->tx_free[net->tx_free_count - 1u];
    model_err err = tx_place(net, f, slot);
    if (err == MODEL_ERR_RING_FULL)
      break;
    MODEL_TRY(err);
    net->tx_free_count--;
    net->tx_slots[slot] = *f;
    net->backlog_head = backlog_next(net, net->backlog_head);
    net->backlog_count--;
    net->stats.tx_queued++;
    if (net->vq[MODEL_NET_TXQ].reused)
      tx_reuse_reclaim(net);
  }
  struct drv_vq *txq = &net->vq[MODEL_NET_TXQ];
  MODEL_TRY(drv_vq_kick(txq, NULL));
  if (net->cfg.tx_interrupts)
    return MODEL_OK;
  /* Completions are reclaimed lazily; but frames waiting in the backlog need
   * a completion to wake them, so ask for one only then. */
  if (net->backlog_count == 0)
    return txq->cb_enabled ? drv_vq_disable_cb(txq) : MODEL_OK;
  return MODEL_OK;
}

static void tx_complete(struct drv_net *net, uint64_t token) {
  assert(token < net->tx_slot_count); /* our own token, returned by the vq */
  net->tx_free[net->tx_free_count++] = (uint32_t)token;
  net->stats.tx_completed++;
}

static model_err queue_process(struct drv_net *net, unsigned q, bool rearm);

/* Room for one more backlog frame (backlog_count < backlog_max): a full
 * ring doubles, up to backlog_max, its frames moved to the front in order.
 * The backlog is not allocated whole at init: an idle driver would carry
 * backlog_max frame references (384 KiB by default). */
static model_err backlog_reserve(struct drv_net *net) {
  if (net->backlog_count < net->backlog_slots)
    return MODEL_OK;
  uint32_t slots =
      net->backlog_slots > net->backlog_max / 2u ? net->backlog_max : 2u * net->backlog_slots;
  struct drv_net_frame_ref *backlog = calloc(slots, sizeof(backlog[0]));
  MODEL_ENSURE(backlog != NULL, MODEL_ERR_NO_MEMORY);
  for (uint32_t i = 0; i < net->backlog_count; i++)
    backlog[i] = net->backlog[(net->backlog_head + i) % net->backlog_slots];
  free(net->backlog);
  net->backlog = backlog;
  net->backlog_slots = slots;
  net->backlog_head = 0;
  return MODEL_OK;
}

static model_err send_one(struct drv_net *net, uint32_t len, const uint8_t dst[6]) {
  /* before the frame is made: a frame made must reach the backlog or a
   * drop (nothing lost) */
  MODEL_TRY(backlog_reserve(net));
  struct drv_net_frame_ref f = {.frame_len = len};
  memcpy(f.dst, dst, sizeof(f.dst));
  memcpy(f.src, net->mac, sizeof(f.src));
  if (model_features_has(net->features, VIRTIO_NET_F_MAC) &&
      drv_net_mis_once(net, DRV_MISBEHAVE_WRONG_SRC_MAC))
    f.src[5] ^= 1u; /* misbehave: wrong-src-mac breaks 5.1.4.2#3 */
  /* numbered now, built where it is placed or dropped (frame_rebuild) */
  MODEL_TRY(sim_nic_frame_number(net->nic, SIM_STREAM_TX, len, &f.seq));
  net->stats.tx_accepted++;
  if (net->state != DRV_NET_RUNNING || net->broken) {
    frame_drop(net, &f, net->broken ? SIM_DROP_BROKEN : SIM_DROP_RESET);
    return MODEL_OK;
  }
  /* head < slots and count < slots (backlog_reserve): one wrap at most */
  uint32_t at = net->backlog_head + net->backlog_count;
  if (at >= net->backlog_slots)
    at -= net->backlog_slots;
  net->backlog[at] = f;
  net->backlog_count++;
  return MODEL_OK;
}

/* A violation found on the transmit path breaks the driver as one found by
 * the interrupt handler does; any error is passed on. */
static model_err tx_check(struct drv_net *net, model_err err) {
  if (err_is_violation(err))
    drv_net_break(net, err);
  return err;
}

static void retry_schedule(struct drv_net *net);

model_err drv_net_send(struct drv_net *net, uint64_t count, uint32_t len_min, uint32_t len_max,
                       const uint8_t dst[6]) {
  uint32_t limit = net->state != DRV_NET_STOPPED ? net->tx_frame_max : MODEL_ETH_MAX_FRAME;
  /* rule point: 5.1.4.2#9, nothing above mtu + 14 */
  MODEL_ENSURE(len_min >= SIM_FRAME_MIN_SIZE && len_min <= len_max && len_max <= limit,
               MODEL_ERR_INVALID_ARG);
  if (drv_net_is_running(net) && !net->cfg.tx_interrupts)
    (void)tx_check(net, queue_process(net, MODEL_NET_TXQ, false)); /* lazy reclaim */
  /* A frame that cannot be made (backlog or ledger full) ends the loop, but
   * not the send: those made still go on the ring and, lazily reclaimed,
   * still ask for the completion that frees a slot; else they would wait
   * for the next send. */
  model_err made = MODEL_OK;
  for (uint64_t n = 0; n < count && made == MODEL_OK; n++) {
    if (drv_net_is_running(net) && net->backlog_count == net->backlog_max)
      MODEL_TRY(tx_check(net, tx_drain(net)));
    if (net->backlog_count == net->backlog_max) {
      made = MODEL_ERR_CAPACITY;
      break;
    }
    uint32_t len = (uint32_t)sim_prng_range(&net->prng, len_min, len_max);
    made = send_one(net, len, dst);
  }
  if (made != MODEL_OK && !drv_net_is_running(net))
    return made;
  if (net->broken)
    return MODEL_ERR_RING_BROKEN;
  if (net->state != DRV_NET_RUNNING)
    return MODEL_ERR_QUEUE_NOT_READY;
  MODEL_TRY(tx_check(net, tx_drain(net)));
  if (net->cfg.tx_interrupts || net->backlog_count == 0 || net->vq_stopped[MODEL_NET_TXQ])
    return made;
  /* frames wait for a slot: ask for the completion that frees one */
  bool pending = false;
  MODEL_TRY(drv_vq_enable_cb(&net->vq[MODEL_NET_TXQ], &pending));
  if (pending && tx_check(net, queue_process(net, MODEL_NET_TXQ, true)) != MODEL_OK && !net->broken)
    retry_schedule(net);
  return net->broken ? net->broken_err : made;
}

/* ---- receive ----------------------------------------------------------- */

static void rx_deliver(struct drv_net *net) {
  if (net->merge_discard) {
    net->stats.rx_errors++;
  } else if (net->merge_fault) {
    /* An injected fault kept bytes of the packet from the driver: lost to
     * the fault, and the ledger told so (DESIGN.md rule 5). */
    net->stats.rx_errors++;
    sim_nic_drop(net->nic, SIM_ACTOR_DRIVER, net->rx_scratch, net->merge_len, SIM_DROP_FAULT);
  } else if (net->merge_malformed) {
    /* The device broke a header rule for this packet: discard it, and
     * tell the ledger so the frame is accounted (dropped, malformed). */
    net->stats.rx_errors++;
    sim_nic_drop(net->nic, SIM_ACTOR_DRIVER, net->rx_scratch, net->merge_len, SIM_DROP_MALFORMED);
  } else {
    net->stats.rx_frames++;
    if (sim_nic_deliver(net->nic, SIM_ACTOR_DRIVER, net->rx_scratch, net->merge_len) != MODEL_OK)
      net->stats.rx_corrupt++;
  }
  net->merge_len = 0;
  net->merge_discard = false;
  net->merge_malformed = false;
  net->merge_fault = false;
}

/* Append bytes [off, len) of receive buffer i to the frame being gathered. */
static model_err rx_gather(struct drv_net *net, uint64_t addr, uint32_t off, uint32_t len) {
  if (net->merge_discard || len <= off)
    return MODEL_OK;
  uint32_t n = len - off;
  if ((size_t)net->merge_len + n > net->rx_scratch_size) {
    net->merge_discard = true; /* larger than any frame: malformed */
    return MODEL_OK;
  }
  if (sim_bus_read_bytes(net->bus, SIM_ACTOR_DRIVER, addr + off, net->rx_scratch + net->merge_len,
                         n) != MODEL_OK) {
    /* The read failed (an injected fault): the packet is lost. Its bytes
     * are copied once more for the ledger alone, to name the frame lost
     * (sim_bus_peek: not traced, never faulted); nothing the driver does
     * depends on them. */
    if (!sim_bus_peek(net->bus, addr + off, net->rx_scratch + net->merge_len, n))
      return MODEL_ERR_MEM_FAULT;
    net->merge_fault = true;
  }
  net->merge_len += n;
  return MODEL_OK;
}

/* The first buffer of a packet: the header says how many buffers follow. */
static model_err rx_first(struct drv_net *net, uint64_t addr, uint32_t len) {
  net->merge_len = 0;
  net->merge_discard = false;
  net->merge_malformed = false;
  net->merge_fault = false;
  net->merge_remaining = 0;
  if (len < MODEL_NET_HDR_SIZE) { /* no room for the header: malformed */
    net->merge_discard = true;
    return MODEL_OK;
  }
  uint16_t num_buffers = 1;
  if (model_features_has(net->features, VIRTIO_NET_F_MRG_RXBUF)) {
    if (sim_bus_read_le16(net->bus, SIM_ACTOR_DRIVER, addr + MODEL_NET_HDR_OFF_NUM_BUFFERS,
                          &num_buffers) != MODEL_OK) {
      /* an injected fault hid the count: this buffer alone is taken, as
       * a packet lost to the fault */
      net->merge_fault = true;
      num_buffers = 1;
    }
    /* A count of 0, or more buffers than were ever posted, is malformed
     * (5.1.9.4.1#2): take this buffer alone as the packet, and drop it. */
    if (num_buffers == 0 || num_buffers > net->rx_count) {
      net->merge_malformed = true;
      num_buffers = 1;
    }
  } /* without MRG_RXBUF num_buffers is 1 whatever the header says (5.1.9.3.2) */
  net->merge_remaining = (uint16_t)(num_buffers - 1u);
  return rx_gather(net, addr, MODEL_NET_HDR_SIZE, len);
}

static model_err rx_complete(struct drv_net *net, uint64_t token, uint32_t len) {
  assert(token < net->rx_count); /* our own token, returned by the vq */
  uint32_t i = (uint32_t)token;
  uint64_t addr = net->rx_base + (uint64_t)i * net->rx_buf_size;
  net->stats.rx_buffers_used++;
  model_err err = MODEL_OK;
  if (net->merge_remaining == 0) {
    err = rx_first(net, addr, len);
  } else {
    net->merge_remaining--;
    err = rx_gather(net, addr, 0, len);
  }
  if (err != MODEL_OK) /* the bytes could not be read: the packet is lost */
    net->merge_discard = true;
  if (net->merge_remaining == 0)
    rx_deliver(net);
  if (net->rx_refill)
    MODEL_TRY(rx_post(net, i));
  return MODEL_OK;
}

/* ---- queue processing and interrupts ------------------------------------ */

static model_err queue_take_all(struct drv_net *net, unsigned q) {
  struct drv_vq *vq = &net->vq[q];
  /* Each round takes one outstanding buffer; nothing the device does during
   * this event can add more, so 2 * size rounds are plenty. */
  for (uint32_t n = 0; n < 2u * vq->size; n++) {
    uint64_t token = 0;
    uint32_t len = 0;
    model_err err = drv_vq_get_used(vq, &token, &len);
    if (err == MODEL_ERR_RING_EMPTY)
      return MODEL_OK;
    MODEL_TRY(err);
    if (q == MODEL_NET_RXQ)
      MODEL_TRY(rx_complete(net, token, len));
    else if (q == MODEL_NET_TXQ)
      tx_complete(net, token);
    else
      drv_net_ctrl_complete(net, len);
  }
  return MODEL_OK;
}

/* Take every used buffer of queue q; with rearm, re-enable notifications
 * and take what arrived meanwhile (2.7.14), a bounded number of times. */
static model_err queue_process(struct drv_net *net, unsigned q, bool rearm) {
  if (!net->vq_live[q] || net->vq_stopped[q])
    return MODEL_OK;
  struct drv_vq *vq = &net->vq[q];
  for (unsigned round = 0; round < DRV_NET_POLL_ROUNDS_MAX; round++) {
    MODEL_TRY(queue_take_all(net, q));
    if (q == MODEL_NET_RXQ && net->rx_refill)
      MODEL_TRY(drv_vq_kick(vq, NULL));
    if (q == MODEL_NET_TXQ && net->rx_refill)
      MODEL_TRY(tx_drain(net));
    if (!rearm || (q == MODEL_NET_TXQ && !vq->cb_enabled))
      return MODEL_OK;
    bool pending = false;
    MODEL_TRY(drv_vq_enable_cb(vq, &pending));
    if (!pending)
      return MODEL_OK;
  }
  return MODEL_ERR_TIMEOUT; /* still busy: a retry poll picks it up */
}

static void retry_schedule(struct drv_net *net) {
  net->stats.poll_errors++;
  if (net->retry_pending || net->retry_count >= DRV_NET_RETRY_MAX)
    return;
  if (sim_bus_schedule(net->bus, DRV_NET_RETRY_TICKS, net_retry, net, 0) == MODEL_OK) {
    net->retry_pending = true;
    net->retry_count++;
  }
}

static void net_process_all(struct drv_net *net) {
  if (net->state != DRV_NET_RUNNING || net->broken)
    return;
  bool failed = false;
  for (unsigned q = 0; q < DRV_NET_QUEUE_COUNT && !net->broken; q++) {
    model_err err = queue_process(net, q, true);
    if (err_is_violation(err))
      drv_net_break(net, err);
    else if (err != MODEL_OK)
      failed = true;
  }
  if (failed)
    retry_schedule(net);
  else
    net->retry_count = 0;
}

static void net_retry(void *ctx, uint64_t arg) {
  struct drv_net *net = ctx;
  (void)arg;
  net->retry_pending = false;
  net_process_all(net);
}

model_err drv_net_poll(struct drv_net *net) {
  MODEL_ENSURE(net->state == DRV_NET_RUNNING, MODEL_ERR_QUEUE_NOT_READY);
  net_process_all(net);
  return net->broken ? net->broken_err : MODEL_OK;
}

/* Configuration change (3.2.1): Status first (DEVICE_NEEDS_RESET also comes
 * this way, 2.1.2), then the link state through the generation loop. */
static void net_config_change(struct drv_net *net) {
  net->stats.config_changes++;
  uint8_t status = 0;
  if (drv_core_status_read(&net->core, &status) != MODEL_OK) {
    net->stats.poll_errors++;
    return;
  }
  if (drv_core_needs_reset(&net->core)) {
    /* 2.1.1#4: nothing in flight is relied upon; the owner resets */
    drv_net_break(net, MODEL_ERR_NEEDS_RESET);
    return;
  }
  if (net->state != DRV_NET_STOPPED && net->features != 0 &&
      net_read_config(net, false) != MODEL_OK)
    net->stats.poll_errors++;
}

static void net_irq(void *ctx) {
  struct drv_net *net = ctx;
  net->stats.interrupts++;
  if (net->core.state != DRV_CORE_PROBED && net->core.state != DRV_CORE_FAILED)
    return; /* no device being driven: no register to ask */
  if (drv_net_mis_once(net, DRV_MISBEHAVE_NO_ISR_READ)) {
    /* misbehave: no-isr-read breaks 4.2.3.4.1#1: every queue processed, the
     * cause never asked, so nothing to acknowledge */
    net_process_all(net);
    return;
  }
  uint32_t bits = 0;
  /* 4.2.3.4.1#1: find out why */
  if (drv_mmio_isr_read(&net->core.mmio, &bits, NULL) != MODEL_OK) {
    net->stats.poll_errors++;
    return;
  }
  if (bits == 0) {
    net->stats.interrupts_spurious++; /* 2.7.7.1#3: harmless */
    return;
  }
  if ((bits & MODEL_MMIO_INT_CONFIG) != 0)
    net_config_change(net);
  /* 4.2.3.4.1#2: the used buffer bit means every active queue */
  if ((bits & MODEL_MMIO_INT_VRING) != 0)
    net_process_all(net);
  /* 4.2.3.4.1#3: acknowledge what was handled, once handled (misbehave:
   * no-irq-ack breaks 4.2.2.2#17 in the first handler) */
  if (drv_net_mis_once(net, DRV_MISBEHAVE_NO_IRQ_ACK))
    return;
  if (drv_mmio_isr_ack(&net->core.mmio, bits) != MODEL_OK)
    net->stats.poll_errors++;
}

/* ---- stopping a queue ---------------------------------------------------- */

model_err drv_net_queue_stop(struct drv_net *net, unsigned index) {
  MODEL_ENSURE(net->state == DRV_NET_RUNNING && !net->broken && index < DRV_NET_QUEUE_COUNT &&
                   net->vq_live[index] && !net->vq_stopped[index],
               MODEL_ERR_QUEUE_NOT_READY);
  /* From here on the queue is out of service, whether or not the device
   * showed the stop: its buffers stay exposed until the reset. */
  net->vq_stopped[index] = true;
  MODEL_TRY(drv_mmio_queue_disable(&net->core.mmio, (uint16_t)index));
  if (drv_net_mis_once(net, DRV_MISBEHAVE_RECLAIM_WITHOUT_RESET)) {
    /* misbehave: reclaim-without-reset breaks 3.3.1#2: the queue back in
     * service with no reset, its exposed buffers taken as reclaimed. It
     * stays stopped here, so nothing is published on it until the reset
     * (which reclaims them for real). */
    const struct drv_vq *vq = &net->vq[index];
    struct drv_mmio_queue_layout layout = {
        .size = vq->size,
        .desc_addr = vq->desc_addr,
        .driver_addr = vq->avail_addr,
        .device_addr = vq->used_addr,
    };
    drv_misbehave_ignore(drv_mmio_queue_program(&net->core.mmio, (uint16_t)index, &layout));
  }
  return MODEL_OK;
}

/* ---- reset ------------------------------------------------------------- */

/* After the device reset: take what the device used before it (those frames
 * were sent or received), then reclaim the rest (3.3.1#2). */
static void net_reclaim(struct drv_net *net) {
  net->rx_refill = false;
  for (unsigned q = 0; q < DRV_NET_QUEUE_COUNT; q++) {
    if (!net->vq_live[q])
      continue;
    struct drv_vq *vq = &net->vq[q];
    /* a transient bus error (an injected fault) is retried here and now, a
     * bounded number of times: no later poll comes, and a used buffer not
     * taken would be reclaimed unseen, its frame lost unaccounted */
    model_err err = MODEL_ERR_TIMEOUT;
    for (unsigned n = 0; n < DRV_NET_RETRY_MAX && err != MODEL_OK && !drv_vq_is_broken(vq); n++) {
      err = queue_take_all(net, q);
      if (err != MODEL_OK)
        net->stats.poll_errors++;
    }
    enum sim_drop_reason reason = drv_vq_is_broken(vq) ? SIM_DROP_BROKEN : SIM_DROP_RESET;
    uint64_t token = 0;
    while (drv_vq_detach_unused(vq, &token) == MODEL_OK) {
      if (q == MODEL_NET_TXQ && token < net->tx_slot_count)
        frame_drop(net, &net->tx_slots[token], reason);
    }
  }
  if (net->merge_remaining > 0 || net->merge_len > 0)
    net->stats.rx_errors++; /* a merged packet cut short by the reset */
  backlog_drop_all(net, net->broken ? SIM_DROP_BROKEN : SIM_DROP_RESET);
}

model_err drv_net_reset(struct drv_net *net) {
  if (net->core.state == DRV_CORE_UNPROBED || net->core.state == DRV_CORE_ABSENT) {
    net_teardown(net);
    net->broken = false;
    return MODEL_OK;
  }
  /* 3.3.1#2: the queues stop being live only once the reset is complete;
   * until then nothing is reclaimed */
  MODEL_TRY(drv_core_reset(&net->core));
  (void)sim_sched_cancel(net->bus->sched, net_retry, net);
  net->retry_pending = false;
  net->retry_count = 0;
  net_reclaim(net);
  net_teardown(net);
  net->broken = false;
  net->broken_err = MODEL_OK;
  net->features = 0;
  net->link_up = false;
  return MODEL_OK;
}

/* ---- accessors ---------------------------------------------------------- */

const struct drv_net_stats *drv_net_stats(const struct drv_net *net) {
  return &net->stats;
}
bool drv_net_link_up(const struct drv_net *net) {
  return net->link_up;
}
uint64_t drv_net_features(const struct drv_net *net) {
  return net->features;
}
bool drv_net_is_broken(const struct drv_net *net) {
  return net->broken;
}
bool drv_net_is_running(const struct drv_net *net) {
  return net->state == DRV_NET_RUNNING && !net->broken;
}
void drv_net_mac(const struct drv_net *net, uint8_t mac[6]) {
  memcpy(mac, net->mac, 6);
}
uint32_t drv_net_tx_backlog(const struct drv_net *net) {
  return net->backlog_count;
}
struct drv_vq *drv_net_vq(struct drv_net *net, unsigned index) {
  return index < DRV_NET_QUEUE_COUNT && net->vq_live[index] ? &net->vq[index] : NULL;
}
