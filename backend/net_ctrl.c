/*
 * backend/net_ctrl.c: the virtio-net control queue (5.1.9.5): each chain
 * carries { u8 class; u8 command; data...; } in its readable part and gets
 * one ack byte in its writable part (used len 1).
 *
 * Commands: VIRTIO_NET_CTRL_RX, all six (5.1.9.5.1.1; PROMISC and ALLMULTI
 * with CTRL_RX, the other four with CTRL_RX_EXTRA); VIRTIO_NET_CTRL_MAC
 * TABLE_SET (with CTRL_RX) and ADDR_SET (with CTRL_MAC_ADDR); ANNOUNCE_ACK
 * (with GUEST_ANNOUNCE). Anything else, a command whose feature was not
 * negotiated, or malformed data is answered VIRTIO_NET_ERR and changes
 * nothing. A chain that cannot carry a command at all (no class and
 * command, or nowhere to put the ack) is a violation of 5.1.9.5: the queue
 * breaks.
 *
 * A MAC table larger than the device's is accepted as the spec's footnote
 * to 5.1.9.5.2 allows: the kind that overflows (unicast or multicast) is
 * then all accepted.
 */
#include <string.h>

#include "backend/net.h"
#include "backend/net_impl.h"
#include "model/net.h"
#include "model/virtio.h"

static uint8_t ctrl_rx(struct dev_net *net, struct dev_vq *vq, const struct dev_chain *chain,
                       uint8_t command, uint64_t data_len, model_err *err) {
  bool *mode = NULL;
  bool extra = dev_net_has(net, VIRTIO_NET_F_CTRL_RX_EXTRA);
  switch (command) {
  case VIRTIO_NET_CTRL_RX_PROMISC:
    mode = &net->promisc;
    break;
  case VIRTIO_NET_CTRL_RX_ALLMULTI:
    mode = &net->allmulti;
    break;
  case VIRTIO_NET_CTRL_RX_ALLUNI:
    mode = extra ? &net->alluni : NULL;
    break;
  case VIRTIO_NET_CTRL_RX_NOMULTI:
    mode = extra ? &net->nomulti : NULL;
    break;
  case VIRTIO_NET_CTRL_RX_NOUNI:
    mode = extra ? &net->nouni : NULL;
    break;
  case VIRTIO_NET_CTRL_RX_NOBCAST:
    mode = extra ? &net->nobcast : NULL;
    break;
  default:
    break;
  }
  if (mode == NULL || !dev_net_has(net, VIRTIO_NET_F_CTRL_RX) || data_len != 1)
    return VIRTIO_NET_ERR;
  uint8_t on = 0;
  *err = dev_vq_chain_read(vq, chain, MODEL_NET_CTRL_HDR_SIZE, &on, 1);
  if (*err != MODEL_OK || on > 1)
    return VIRTIO_NET_ERR;
  *mode = on == 1;
  return VIRTIO_NET_OK;
}

static model_err read_le32(struct dev_vq *vq, const struct dev_chain *chain, uint64_t off,
                           uint32_t *value) {
  uint8_t b[4];
  MODEL_TRY(dev_vq_chain_read(vq, chain, off, b, sizeof(b)));
  *value = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
  return MODEL_OK;
}

/* Copy up to `room` of `entries` MACs at data offset off into the table
 * from slot `first`; returns how many were stored, or sets *overflow. */
static model_err store_macs(struct dev_net *net, struct dev_vq *vq, const struct dev_chain *chain,
                            uint64_t off, uint32_t entries, uint32_t first, uint32_t *stored,
                            bool *overflow) {
  uint32_t room = net->cfg.mac_table_max - first;
  *stored = 0;
  *overflow = entries > room;
  if (*overflow)
    return MODEL_OK; /* all of this kind accepted instead */
  for (uint32_t i = 0; i < entries; i++) {
    MODEL_TRY(dev_vq_chain_read(vq, chain, off + (uint64_t)i * MODEL_NET_MAC_LEN,
                                net->mac_table[first + i].addr, MODEL_NET_MAC_LEN));
  }
  *stored = entries;
  return MODEL_OK;
}

/* VIRTIO_NET_CTRL_MAC_TABLE_SET: le32 n, n unicast MACs, le32 m, m
 * multicast MACs (5.1.9.5.2.2#3), exactly filling the data. */
static uint8_t ctrl_mac_table(struct dev_net *net, struct dev_vq *vq, const struct dev_chain *chain,
                              uint64_t data_len, model_err *err) {
  const uint64_t base = MODEL_NET_CTRL_HDR_SIZE;
  uint32_t n_uni = 0, n_multi = 0;
  if (!dev_net_has(net, VIRTIO_NET_F_CTRL_RX) || data_len < 8)
    return VIRTIO_NET_ERR;
  if ((*err = read_le32(vq, chain, base, &n_uni)) != MODEL_OK)
    return VIRTIO_NET_ERR;
  /* Guest-controlled counts: compared by division, never multiplied first. */
  if (n_uni > (data_len - 8) / MODEL_NET_MAC_LEN)
    return VIRTIO_NET_ERR;
  uint64_t multi_off = 4 + (uint64_t)n_uni * MODEL_NET_MAC_LEN;
  if ((*err = read_le32(vq, chain, base + multi_off, &n_multi)) != MODEL_OK)
    return VIRTIO_NET_ERR;
  if ((uint64_t)n_multi * MODEL_NET_MAC_LEN != data_len - multi_off - 4)
    return VIRTIO_NET_ERR;
  /* 5.1.9.5.2.1#2: the table is updated before the command is consumed. */
  uint32_t stored = 0;
  *err = store_macs(net, vq, chain, base + 4, n_uni, 0, &stored, &net->mac_uni_overflow);
  net->mac_uni_count = stored;
  if (*err == MODEL_OK)
    *err = store_macs(net, vq, chain, base + multi_off + 4, n_multi, net->mac_uni_count, &stored,
                      &net->mac_multi_overflow);
  net->mac_multi_count = stored;
  return (uint8_t)(*err == MODEL_OK ? VIRTIO_NET_OK : VIRTIO_NET_ERR);
}

/* VIRTIO_NET_CTRL_MAC_ADDR_SET: the 6-byte default MAC, shown in mac
 * before the command is consumed (5.1.9.5.2.1#3). */
static uint8_t ctrl_mac_addr(struct dev_net *net, struct dev_vq *vq, const struct dev_chain *chain,
                             uint64_t data_len, model_err *err) {
  uint8_t mac[MODEL_NET_MAC_LEN];
  if (!dev_net_has(net, VIRTIO_NET_F_CTRL_MAC_ADDR) || data_len != MODEL_NET_MAC_LEN)
    return VIRTIO_NET_ERR;
  if ((*err = dev_vq_chain_read(vq, chain, MODEL_NET_CTRL_HDR_SIZE, mac, sizeof(mac))) != MODEL_OK)
    return VIRTIO_NET_ERR;
  if (dev_misbehave_has(net->cfg.misbehave, DEV_MISBEHAVE_MAC_SET_LATE)) {
    /* misbehave point (mac-set-late): kept aside, see mac_late_apply */
    memcpy(net->mac_late, mac, sizeof(mac));
    net->mac_late_pending = true;
    return VIRTIO_NET_OK;
  }
  memcpy(net->mac, mac, sizeof(mac));
  dev_core_config_generation_bump(&net->core); /* 4.2.2.1#6; the driver asked, no notification */
  return VIRTIO_NET_OK;
}

/* misbehave point (mac-set-late, 5.1.9.5.2.1#3): the mac of an earlier
 * MAC_ADDR_SET, long marked used, takes effect only now, when the next
 * control command arrives. */
static void mac_late_apply(struct dev_net *net) {
  if (!net->mac_late_pending)
    return;
  memcpy(net->mac, net->mac_late, sizeof(net->mac));
  net->mac_late_pending = false;
  dev_core_config_generation_bump(&net->core);
}

static uint8_t ctrl_announce(struct dev_net *net, uint8_t command, uint64_t data_len) {
  if (!dev_net_has(net, VIRTIO_NET_F_GUEST_ANNOUNCE) || command != VIRTIO_NET_CTRL_ANNOUNCE_ACK ||
      data_len != 0)
    return VIRTIO_NET_ERR;
  /* 5.1.9.5.4.2#1: cleared before the buffer is used. */
  net->net_status = (uint16_t)(net->net_status & ~VIRTIO_NET_S_ANNOUNCE);
  dev_core_config_generation_bump(&net->core);
  return VIRTIO_NET_OK;
}

static uint8_t run_command(struct dev_net *net, struct dev_vq *vq, const struct dev_chain *chain,
                           uint8_t class, uint8_t command, uint64_t data_len, model_err *err) {
  switch (class) {
  case VIRTIO_NET_CTRL_RX:
    return ctrl_rx(net, vq, chain, command, data_len, err);
  case VIRTIO_NET_CTRL_MAC:
    if (command == VIRTIO_NET_CTRL_MAC_TABLE_SET)
      return ctrl_mac_table(net, vq, chain, data_len, err);
    if (command == VIRTIO_NET_CTRL_MAC_ADDR_SET)
      return ctrl_mac_addr(net, vq, chain, data_len, err);
    return VIRTIO_NET_ERR;
  case VIRTIO_NET_CTRL_ANNOUNCE:
    return ctrl_announce(net, command, data_len);
  default:
    return VIRTIO_NET_ERR; /* VLAN, MQ, offloads...: never offered */
  }
}

model_err dev_net_ctrl_chain(struct dev_net *net, struct dev_vq *vq, const struct dev_chain *chain,
                             uint32_t *used_len) {
  *used_len = 0;
  if (chain->readable_bytes < MODEL_NET_CTRL_HDR_SIZE ||
      chain->writable_bytes < MODEL_NET_CTRL_ACK_SIZE)
    return dev_vq_report_violation(vq, MODEL_ERR_NET_CTRL, "5.1.9.5", chain->readable_bytes,
                                   chain->writable_bytes);
  mac_late_apply(net);
  uint8_t hdr[MODEL_NET_CTRL_HDR_SIZE];
  MODEL_TRY(dev_vq_chain_read(vq, chain, 0, hdr, sizeof(hdr)));
  model_err err = MODEL_OK;
  uint8_t ack =
      run_command(net, vq, chain, hdr[MODEL_NET_CTRL_OFF_CLASS], hdr[MODEL_NET_CTRL_OFF_COMMAND],
                  chain->readable_bytes - MODEL_NET_CTRL_HDR_SIZE, &err);
  MODEL_TRY(err); /* a failed access to checked buffers: an injected fault */
  MODEL_TRY(dev_vq_chain_write(vq, chain, 0, &ack, sizeof(ack)));
  *used_len = MODEL_NET_CTRL_ACK_SIZE;
  if (ack == VIRTIO_NET_OK)
    net->stats.ctrl_ok++;
  else
    net->stats.ctrl_err++;
  return MODEL_OK;
}
