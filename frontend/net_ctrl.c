/*
 * frontend/net_ctrl.c: virtio-net control commands over the controlq
 * (5.1.9.5); contract in frontend/net.h.
 *
 * Implements 5.1.9.5 (command layout: class, command, data, ack),
 * 5.1.9.5.1.2#1, #2 (receive-mode commands only with their feature),
 * 5.1.9.5.2.2#1 (MAC class commands only with CTRL_RX) and #3 (the table
 * layout: le32 count, unicast addresses, le32 count, multicast addresses).
 *
 * Implementation notes: one control buffer in guest memory (layout in
 * net_internal.h) and one command in flight. The command is written with
 * byte-wide bus writes for u8 fields and le32 for the counts; the ack byte is
 * read only if the used len says the device wrote it (2.7.8.3#1).
 *
 * Misbehaviours wired here, marked "misbehave:": ctrl-rx-without-feature,
 * ctrl-rx-extra-without-feature, ctrl-mac-without-feature (the feature
 * check left out), bad-mac-table (a unicast count one too large).
 */
#include <string.h>

#include "frontend/net_internal.h"
#include "model/virtio.h"

static model_err ctrl_ready(const struct drv_net *net) {
  MODEL_ENSURE(!net->broken, MODEL_ERR_RING_BROKEN);
  MODEL_ENSURE(net->state == DRV_NET_RUNNING, MODEL_ERR_QUEUE_NOT_READY);
  MODEL_ENSURE(model_features_has(net->features, VIRTIO_NET_F_CTRL_VQ) &&
                   net->vq_live[MODEL_NET_CTRLQ],
               MODEL_ERR_FEATURE_REQUIRED);
  MODEL_ENSURE(!net->vq_stopped[MODEL_NET_CTRLQ], MODEL_ERR_QUEUE_NOT_READY);
  MODEL_ENSURE(!net->ctrl_busy, MODEL_ERR_CAPACITY);
  return MODEL_OK;
}

/* Write class and command, then make the buffer available and notify. The
 * data (data_len bytes at DRV_NET_CTRL_DATA_OFF) is already written; every
 * command sent here carries some, so the chain is always header, data,
 * ack. */
static model_err ctrl_submit(struct drv_net *net, uint8_t cls, uint8_t cmd, uint32_t data_len) {
  struct sim_bus *bus = net->bus;
  uint64_t base = net->ctrl_addr;
  MODEL_TRY(sim_bus_write_u8(bus, SIM_ACTOR_DRIVER, base + MODEL_NET_CTRL_OFF_CLASS, cls));
  MODEL_TRY(sim_bus_write_u8(bus, SIM_ACTOR_DRIVER, base + MODEL_NET_CTRL_OFF_COMMAND, cmd));
  struct drv_sg sg[3] = {
      {.addr = base, .len = MODEL_NET_CTRL_HDR_SIZE, .device_writable = false},
      {.addr = base + DRV_NET_CTRL_DATA_OFF, .len = data_len, .device_writable = false},
      {.addr = base + DRV_NET_CTRL_ACK_OFF,
       .len = MODEL_NET_CTRL_ACK_SIZE,
       .device_writable = true},
  };
  struct drv_vq *vq = &net->vq[MODEL_NET_CTRLQ];
  MODEL_TRY(drv_vq_add(vq, sg, 2, 1, 0, false));
  net->ctrl_busy = true;
  net->ctrl_class = cls;
  net->ctrl_cmd = cmd;
  net->stats.ctrl_commands++;
  return drv_vq_kick(vq, NULL);
}

model_err drv_net_ctrl_rx(struct drv_net *net, uint8_t cmd, bool on) {
  MODEL_TRY(ctrl_ready(net));
  unsigned needs = 0;
  switch (cmd) {
  case VIRTIO_NET_CTRL_RX_PROMISC:
  case VIRTIO_NET_CTRL_RX_ALLMULTI:
    needs = VIRTIO_NET_F_CTRL_RX; /* 5.1.9.5.1.2#1 */
    break;
  case VIRTIO_NET_CTRL_RX_ALLUNI:
  case VIRTIO_NET_CTRL_RX_NOMULTI:
  case VIRTIO_NET_CTRL_RX_NOUNI:
  case VIRTIO_NET_CTRL_RX_NOBCAST:
    needs = VIRTIO_NET_F_CTRL_RX_EXTRA; /* 5.1.9.5.1.2#2 */
    break;
  default:
    return MODEL_ERR_INVALID_ARG;
  }
  /* rule point: the command's feature; misbehave: ctrl-rx-without-feature
   * breaks 5.1.9.5.1.2#1, sending PROMISC and ALLMULTI without CTRL_RX;
   * ctrl-rx-extra-without-feature breaks #2, sending the other four
   * without CTRL_RX_EXTRA */
  bool unchecked =
      (needs == VIRTIO_NET_F_CTRL_RX && drv_net_mis(net, DRV_MISBEHAVE_CTRL_RX_WITHOUT_FEATURE)) ||
      (needs == VIRTIO_NET_F_CTRL_RX_EXTRA &&
       drv_net_mis(net, DRV_MISBEHAVE_CTRL_RX_EXTRA_WITHOUT_FEATURE));
  MODEL_ENSURE(unchecked || model_features_has(net->features, needs), MODEL_ERR_FEATURE_REQUIRED);
  MODEL_TRY(sim_bus_write_u8(net->bus, SIM_ACTOR_DRIVER, net->ctrl_addr + DRV_NET_CTRL_DATA_OFF,
                             on ? 1u : 0u));
  return ctrl_submit(net, VIRTIO_NET_CTRL_RX, cmd, 1u);
}

/* One table: le32 entries (n, or n + 1 for misbehave bad-mac-table), then
 * the n addresses; returns the bytes written. */
static model_err mac_table_write(struct drv_net *net, uint64_t at, const uint8_t (*macs)[6],
                                 uint32_t n, bool overcount, uint32_t *written) {
  uint32_t shown = overcount ? n + 1u : n;
  MODEL_TRY(
      sim_bus_write_le32(net->bus, SIM_ACTOR_DRIVER, at + MODEL_NET_CTRL_MAC_OFF_ENTRIES, shown));
  if (n > 0)
    MODEL_TRY(sim_bus_write_bytes(net->bus, SIM_ACTOR_DRIVER, at + MODEL_NET_CTRL_MAC_OFF_MACS,
                                  macs, (size_t)n * MODEL_NET_MAC_LEN));
  *written = MODEL_NET_CTRL_MAC_OFF_MACS + n * MODEL_NET_MAC_LEN;
  return MODEL_OK;
}

model_err drv_net_ctrl_mac_table(struct drv_net *net, const uint8_t (*uni)[6], uint32_t n_uni,
                                 const uint8_t (*multi)[6], uint32_t n_multi) {
  MODEL_TRY(ctrl_ready(net));
  /* rule point: 5.1.9.5.2.2#1, MAC commands only with CTRL_RX (misbehave:
   * ctrl-mac-without-feature leaves the check out) */
  MODEL_ENSURE(drv_net_mis(net, DRV_MISBEHAVE_CTRL_MAC_WITHOUT_FEATURE) ||
                   model_features_has(net->features, VIRTIO_NET_F_CTRL_RX),
               MODEL_ERR_FEATURE_REQUIRED);
  MODEL_ENSURE(n_uni <= DRV_NET_MAC_TABLE_MAX && n_multi <= DRV_NET_MAC_TABLE_MAX,
               MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE((n_uni == 0 || uni != NULL) && (n_multi == 0 || multi != NULL),
               MODEL_ERR_INVALID_ARG);
  /* 5.1.9.5.2.2#3: unicast table, then multicast table */
  uint64_t at = net->ctrl_addr + DRV_NET_CTRL_DATA_OFF;
  uint32_t len_uni = 0, len_multi = 0;
  /* misbehave: bad-mac-table breaks 5.1.9.5.2.2#3, the unicast count one
   * larger than the addresses written */
  bool overcount = drv_net_mis(net, DRV_MISBEHAVE_BAD_MAC_TABLE);
  MODEL_TRY(mac_table_write(net, at, uni, n_uni, overcount, &len_uni));
  MODEL_TRY(mac_table_write(net, at + len_uni, multi, n_multi, false, &len_multi));
  return ctrl_submit(net, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, len_uni + len_multi);
}

model_err drv_net_ctrl_mac_addr(struct drv_net *net, const uint8_t mac[6]) {
  MODEL_TRY(ctrl_ready(net));
  /* rule point: 5.1.9.5.2.2#1 (CTRL_RX; misbehave: ctrl-mac-without-feature
   * leaves it out) and the command's own feature */
  MODEL_ENSURE((drv_net_mis(net, DRV_MISBEHAVE_CTRL_MAC_WITHOUT_FEATURE) ||
                model_features_has(net->features, VIRTIO_NET_F_CTRL_RX)) &&
                   model_features_has(net->features, VIRTIO_NET_F_CTRL_MAC_ADDR),
               MODEL_ERR_FEATURE_REQUIRED);
  MODEL_TRY(sim_bus_write_bytes(net->bus, SIM_ACTOR_DRIVER, net->ctrl_addr + DRV_NET_CTRL_DATA_OFF,
                                mac, MODEL_NET_MAC_LEN));
  memcpy(net->ctrl_mac, mac, sizeof(net->ctrl_mac));
  return ctrl_submit(net, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, MODEL_NET_MAC_LEN);
}

void drv_net_ctrl_complete(struct drv_net *net, uint32_t len) {
  net->ctrl_busy = false;
  net->ctrl_last_ack = -1;
  uint8_t ack = 0;
  /* 2.7.8.3#1: the ack byte counts only if the device said it wrote it */
  if (len < MODEL_NET_CTRL_ACK_SIZE ||
      sim_bus_read_u8(net->bus, SIM_ACTOR_DRIVER, net->ctrl_addr + DRV_NET_CTRL_ACK_OFF, &ack) !=
          MODEL_OK) {
    net->stats.ctrl_err++;
    return;
  }
  net->ctrl_last_ack = ack;
  if (ack != VIRTIO_NET_OK) {
    net->stats.ctrl_err++;
    return;
  }
  net->stats.ctrl_ok++;
  if (net->ctrl_class == VIRTIO_NET_CTRL_MAC && net->ctrl_cmd == VIRTIO_NET_CTRL_MAC_ADDR_SET)
    memcpy(net->mac, net->ctrl_mac, sizeof(net->mac)); /* frames now leave from it */
}

bool drv_net_ctrl_busy(const struct drv_net *net) {
  return net->ctrl_busy;
}

int drv_net_ctrl_last_ack(const struct drv_net *net) {
  return net->ctrl_last_ack;
}
