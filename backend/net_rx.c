/*
 * backend/net_rx.c: reception for the virtio-net device (see net.h): the
 * receive filters (5.1.9.5.1.1, 5.1.9.5.2.1) and the writing of a frame
 * into receive buffers (5.1.9.3.2, 5.1.9.4.1).
 *
 * Buffer discipline. Without VIRTIO_NET_F_MRG_RXBUF a frame takes exactly
 * one buffer (5.1.9.3.2#2), which must hold the 12-byte header and the
 * whole frame; a smaller buffer is given back untouched in the ring
 * (dev_vq_unpop) and the frame is dropped TOO_BIG. With MRG_RXBUF, buffers
 * are taken one after the other, each filled completely but the last
 * (5.1.9.4.1#3); num_buffers in the first one's header is written once the
 * count is known (5.1.9.4.1#2), then all are pushed together and published
 * with one flush (5.1.9.4.1#4). If the ring runs dry half-way, every buffer
 * taken is given back and the frame is dropped NO_RX_BUFFER: a frame is
 * delivered whole or not at all. The first buffer's segments are copied to
 * net->rx_head_segs because the queue's chain scratch is reused by the next
 * pop.
 *
 * Misbehaviours acting here (backend/misbehave.h), at "misbehave point"s:
 * rx-num-buffers, rx-flags-without-csum, rx-gso, rx-gso-tcpv6, rx-rsc-info
 * (the header), rx-oversize (the size limit), rx-partial-fill,
 * rx-split-publish and rx-empty-tail (the merged buffers).
 */
#include <string.h>

#include "backend/net.h"
#include "backend/net_impl.h"
#include "model/net.h"
#include "model/virtio.h"

void dev_net_filters_reset(struct dev_net *net) {
  net->promisc = net->cfg.rx_promisc_at_reset;
  net->allmulti = false;
  net->alluni = false;
  net->nomulti = false;
  net->nouni = false;
  net->nobcast = false;
  /* 5.1.9.5.2.1#1: the MAC table is empty after reset. */
  net->mac_uni_count = 0;
  net->mac_multi_count = 0;
  net->mac_uni_overflow = false;
  net->mac_multi_overflow = false;
}

static bool table_has(const struct dev_net_mac *table, uint32_t count, const uint8_t *dst) {
  for (uint32_t i = 0; i < count; i++) {
    if (memcmp(table[i].addr, dst, MODEL_NET_MAC_LEN) == 0)
      return true;
  }
  return false;
}

bool dev_net_rx_filter_accepts(const struct dev_net *net, const uint8_t dst[MODEL_NET_MAC_LEN]) {
  static const uint8_t bcast[MODEL_NET_MAC_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  /* 5.1.9.5.1.1#2, #3: promiscuous takes everything, whatever else is set. */
  if (net->promisc)
    return true;
  /* #12, #13: NOBCAST, even with ALLMULTI; #9: NOMULTI spares broadcast. */
  if (memcmp(dst, bcast, sizeof(bcast)) == 0)
    return !net->nobcast;
  if ((dst[0] & 1u) != 0) {
    /* #7, #8: NOMULTI wins over ALLMULTI; #4: ALLMULTI. */
    if (net->nomulti)
      return false;
    if (net->allmulti || net->mac_multi_overflow)
      return true;
    return table_has(net->mac_table + net->mac_uni_count, net->mac_multi_count, dst);
  }
  /* #10, #11: NOUNI wins over ALLUNI; #6: ALLUNI. */
  if (net->nouni)
    return false;
  if (net->alluni || net->mac_uni_overflow)
    return true;
  /* 5.1.9.5.2.1#4: the device's own mac, or one in the table. */
  if (memcmp(dst, net->mac, MODEL_NET_MAC_LEN) == 0)
    return true;
  return table_has(net->mac_table, net->mac_uni_count, dst);
}

void dev_net_drop_rx(struct dev_net *net, const uint8_t *frame, size_t len,
                     enum sim_drop_reason reason) {
  net->stats.rx_dropped[reason]++;
  if (net->nic != NULL)
    sim_nic_drop(net->nic, SIM_ACTOR_DEVICE, frame, len, reason);
}

/* The header of a received packet (5.1.9.4.1): no GSO feature is offered,
 * so gso_type is NONE (#36) and flags only ever DATA_VALID, set with
 * GUEST_CSUM negotiated once the frame's own checksum was verified (#39);
 * without GUEST_CSUM flags is 0 (#5). num_buffers is filled by the caller. */
static void build_rx_hdr(const struct dev_net *net, const uint8_t *frame, size_t len,
                         uint8_t hdr[MODEL_NET_HDR_SIZE]) {
  uint64_t misbehave = net->cfg.misbehave;
  memset(hdr, 0, MODEL_NET_HDR_SIZE);
  hdr[MODEL_NET_HDR_OFF_GSO_TYPE] = VIRTIO_NET_HDR_GSO_NONE;
  struct sim_frame_info info;
  if (dev_net_has(net, VIRTIO_NET_F_GUEST_CSUM) && sim_frame_parse(frame, len, &info) == MODEL_OK)
    hdr[MODEL_NET_HDR_OFF_FLAGS] = VIRTIO_NET_HDR_F_DATA_VALID;
  if (misbehave == 0)
    return; /* a conformant device: none of the tests below can hold */
  /* misbehave points: #5 DATA_VALID without GUEST_CSUM (rx-flags-without-
   * csum), #28 RSC_INFO without RSC_EXT (rx-rsc-info), #24 a GSO type
   * without a guest GSO feature: TCPV4 (rx-gso, also #7), UDP (rx-gso-
   * udp, also #8), TCPV6 (rx-gso-tcpv6, also #9) or UDP_L4 (rx-gso-udp-l4,
   * also #10). */
  if (dev_misbehave_has(misbehave, DEV_MISBEHAVE_RX_FLAGS_WITHOUT_CSUM))
    hdr[MODEL_NET_HDR_OFF_FLAGS] |= VIRTIO_NET_HDR_F_DATA_VALID;
  if (dev_misbehave_has(misbehave, DEV_MISBEHAVE_RX_RSC_INFO))
    hdr[MODEL_NET_HDR_OFF_FLAGS] |= VIRTIO_NET_HDR_F_RSC_INFO;
  if (dev_misbehave_has(misbehave, DEV_MISBEHAVE_RX_GSO))
    hdr[MODEL_NET_HDR_OFF_GSO_TYPE] = VIRTIO_NET_HDR_GSO_TCPV4;
  if (dev_misbehave_has(misbehave, DEV_MISBEHAVE_RX_GSO_TCPV6))
    hdr[MODEL_NET_HDR_OFF_GSO_TYPE] = VIRTIO_NET_HDR_GSO_TCPV6;
  if (dev_misbehave_has(misbehave, DEV_MISBEHAVE_RX_GSO_UDP))
    hdr[MODEL_NET_HDR_OFF_GSO_TYPE] = VIRTIO_NET_HDR_GSO_UDP;
  if (dev_misbehave_has(misbehave, DEV_MISBEHAVE_RX_GSO_UDP_L4))
    hdr[MODEL_NET_HDR_OFF_GSO_TYPE] = VIRTIO_NET_HDR_GSO_UDP_L4;
}

/* num_buffers as written: count, or (misbehave point, rx-num-buffers) 0,
 * which is never right (5.1.9.4.1#1: 1 without MRG_RXBUF; #2: the count). */
static uint16_t num_buffers_value(const struct dev_net *net, uint16_t count) {
  return dev_misbehave_has(net->cfg.misbehave, DEV_MISBEHAVE_RX_NUM_BUFFERS) ? 0u : count;
}

static void set_num_buffers(uint8_t hdr[MODEL_NET_HDR_SIZE], uint16_t count) {
  hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS] = (uint8_t)count;
  hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS + 1] = (uint8_t)(count >> 8);
}

/* The clause a failed write of a received frame or of its used entry
 * breaks the queue under (an injected fault, the buffers being checked):
 * what the device writes before it hands a buffer back, per ring format
 * (split: the used ring's requirements; packed: a used descriptor's len). */
static const char *rx_used_clause(const struct dev_vq *vq) {
  return dev_vq_clause(vq, "2.7.8.2", "2.8.4");
}

/* Publish the pushed buffers: the frame is then the driver's. */
static void rx_publish(struct dev_net *net, struct dev_vq *vq, const uint8_t *frame, size_t len) {
  bool need_irq = false;
  if (dev_vq_flush(vq, &need_irq) != MODEL_OK) {
    /* The queue broke on the way (reported): never published, so lost. */
    dev_net_drop_rx(net, frame, len, SIM_DROP_BROKEN);
    return;
  }
  net->stats.rx_frames++;
  net->stats.rx_bytes += len;
  dev_net_after_flush(net, MODEL_NET_RXQ, need_irq);
}

/* misbehave point (rx-spread-without-mrg, 5.1.9.3.2#2): without MRG_RXBUF,
 * the packet whose first buffer `chain` was popped (and holds it all) goes
 * into two buffers, the header and the first half of the frame in `chain`,
 * the rest in the next one, with num_buffers 2 (5.1.9.4.1#1 broken too).
 * Returns false, with nothing written, when there is no second buffer that
 * holds the rest: the caller then places the packet as it should. */
static bool rx_spread(struct dev_net *net, struct dev_vq *vq, struct dev_chain *chain,
                      const uint8_t *frame, size_t len) {
  if (!dev_misbehave_has(net->cfg.misbehave, DEV_MISBEHAVE_RX_SPREAD_WITHOUT_MRG) || len < 2)
    return false;
  size_t half = len / 2;
  memcpy(net->rx_head_segs, chain->segs, chain->seg_count * sizeof(*chain->segs));
  chain->segs = net->rx_head_segs;
  struct dev_chain next;
  if (dev_vq_pop(vq, &next) != MODEL_OK)
    return false;
  if (next.writable_bytes < len - half) {
    dev_vq_unpop(vq, 1);
    return false;
  }
  net->stats.queue[MODEL_NET_RXQ].chains++;
  uint8_t hdr[MODEL_NET_HDR_SIZE];
  build_rx_hdr(net, frame, len, hdr);
  set_num_buffers(hdr, 2);
  model_err err = dev_vq_chain_write(vq, &next, 0, frame + half, len - half);
  if (err == MODEL_OK)
    err = dev_vq_chain_write(vq, chain, 0, hdr, sizeof(hdr));
  if (err == MODEL_OK)
    err = dev_vq_chain_write(vq, chain, MODEL_NET_HDR_SIZE, frame, half);
  if (err == MODEL_OK)
    err = dev_vq_push(vq, chain->id, (uint32_t)(MODEL_NET_HDR_SIZE + half));
  if (err == MODEL_OK)
    err = dev_vq_push(vq, next.id, (uint32_t)(len - half));
  if (err != MODEL_OK) {
    (void)dev_vq_report_violation(vq, err, rx_used_clause(vq), chain->id, len);
    dev_net_drop_rx(net, frame, len, SIM_DROP_BROKEN);
    return true;
  }
  net->stats.queue[MODEL_NET_RXQ].used += 2;
  rx_publish(net, vq, frame, len);
  return true;
}

/* Without MRG_RXBUF: the whole packet in one buffer. */
static void rx_single(struct dev_net *net, struct dev_vq *vq, const uint8_t *frame, size_t len) {
  struct dev_chain chain;
  model_err err = dev_vq_pop(vq, &chain);
  if (err != MODEL_OK) {
    dev_net_drop_rx(net, frame, len,
                    err == MODEL_ERR_RING_EMPTY ? SIM_DROP_NO_RX_BUFFER : SIM_DROP_BROKEN);
    return;
  }
  net->stats.queue[MODEL_NET_RXQ].chains++;
  uint64_t need = MODEL_NET_HDR_SIZE + (uint64_t)len;
  if (chain.writable_bytes < need) {
    /* Smaller than 5.1.9.3.1#2 asks: left in the ring, frame dropped. */
    dev_vq_unpop(vq, 1);
    dev_net_drop_rx(net, frame, len, SIM_DROP_TOO_BIG);
    return;
  }
  if (rx_spread(net, vq, &chain, frame, len))
    return;
  uint8_t hdr[MODEL_NET_HDR_SIZE];
  build_rx_hdr(net, frame, len, hdr);
  set_num_buffers(hdr, num_buffers_value(net, 1)); /* 5.1.9.4.1#1 */
  err = dev_vq_chain_write(vq, &chain, 0, hdr, sizeof(hdr));
  if (err == MODEL_OK)
    err = dev_vq_chain_write(vq, &chain, MODEL_NET_HDR_SIZE, frame, len);
  if (err == MODEL_OK)
    err = dev_vq_push(vq, chain.id, (uint32_t)need);
  if (err != MODEL_OK) {
    (void)dev_vq_report_violation(vq, err, rx_used_clause(vq), chain.id, need);
    dev_net_drop_rx(net, frame, len, SIM_DROP_BROKEN);
    return;
  }
  net->stats.queue[MODEL_NET_RXQ].used++;
  rx_publish(net, vq, frame, len);
}

/* With MRG_RXBUF: take buffers until the packet fits, writing as they come.
 * Returns the number taken in *count; MODEL_ERR_RING_EMPTY if the ring ran
 * dry (all given back), a violation code if the queue broke. */
static model_err rx_fill_merged(struct dev_net *net, struct dev_vq *vq, const uint8_t *frame,
                                size_t len, const uint8_t *hdr, struct dev_chain *head,
                                uint16_t *count) {
  uint64_t total = MODEL_NET_HDR_SIZE + (uint64_t)len;
  uint64_t written = 0;
  *count = 0;
  while (written < total) {
    if (*count >= vq->size) {
      /* Larger than the whole ring can hold (never with 5.1.9.3.1 sizes). */
      dev_vq_unpop(vq, *count);
      return MODEL_ERR_CAPACITY;
    }
    struct dev_chain chain;
    model_err err = dev_vq_pop(vq, &chain);
    if (err == MODEL_ERR_RING_EMPTY)
      dev_vq_unpop(vq, *count);
    if (err != MODEL_OK)
      return err;
    net->stats.queue[MODEL_NET_RXQ].chains++;
    /* 5.1.9.3.1#3: with MRG_RXBUF every buffer holds at least a header. */
    if (chain.writable_bytes < MODEL_NET_HDR_SIZE)
      return dev_vq_report_violation(vq, MODEL_ERR_NET_FRAME_SIZE, "5.1.9.3.1#3", chain.id,
                                     chain.writable_bytes);
    /* misbehave point (rx-partial-fill, 5.1.9.4.1#3): one byte short of
     * full, so a packet that goes on leaves this buffer partly empty. */
    uint64_t room = chain.writable_bytes;
    if (dev_misbehave_has(net->cfg.misbehave, DEV_MISBEHAVE_RX_PARTIAL_FILL) &&
        room > MODEL_NET_HDR_SIZE)
      room--;
    uint64_t piece = room < total - written ? room : total - written;
    uint64_t frame_off = 0, buf_off = 0;
    if (*count == 0) {
      memcpy(net->rx_head_segs, chain.segs, chain.seg_count * sizeof(*chain.segs));
      *head = chain;
      head->segs = net->rx_head_segs;
      MODEL_TRY(dev_vq_chain_write(vq, &chain, 0, hdr, MODEL_NET_HDR_SIZE));
      buf_off = MODEL_NET_HDR_SIZE;
    } else {
      frame_off = written - MODEL_NET_HDR_SIZE;
    }
    MODEL_TRY(
        dev_vq_chain_write(vq, &chain, buf_off, frame + frame_off, (size_t)(piece - buf_off)));
    net->rx_used[*count].id = chain.id;
    net->rx_used[*count].len = (uint32_t)piece;
    (*count)++;
    written += piece;
  }
  return MODEL_OK;
}

/* misbehave point (rx-split-publish, 5.1.9.4.1#4): publish the buffers
 * pushed so far, mid-packet, with the interrupt that publication is owed. */
static model_err rx_publish_part(struct dev_net *net, struct dev_vq *vq) {
  bool need_irq = false;
  MODEL_TRY(dev_vq_flush(vq, &need_irq));
  if (need_irq)
    dev_net_after_flush(net, MODEL_NET_RXQ, true);
  return MODEL_OK;
}

/* misbehave point (rx-empty-tail, 5.1.9.3.2#1): one more buffer after the
 * packet's last, used with len 0 and counted in num_buffers. With none
 * left (or the ring full) the packet goes without it. */
static model_err rx_empty_tail(struct dev_net *net, struct dev_vq *vq, uint16_t *count) {
  if (*count >= vq->size)
    return MODEL_OK;
  struct dev_chain chain;
  model_err err = dev_vq_pop(vq, &chain);
  if (err == MODEL_ERR_RING_EMPTY)
    return MODEL_OK;
  MODEL_TRY(err);
  net->stats.queue[MODEL_NET_RXQ].chains++;
  net->rx_used[*count].id = chain.id;
  net->rx_used[*count].len = 0;
  (*count)++;
  return MODEL_OK;
}

static void rx_merged(struct dev_net *net, struct dev_vq *vq, const uint8_t *frame, size_t len) {
  uint8_t hdr[MODEL_NET_HDR_SIZE];
  build_rx_hdr(net, frame, len, hdr);
  struct dev_chain head;
  uint16_t count = 0;
  model_err err = rx_fill_merged(net, vq, frame, len, hdr, &head, &count);
  if (err == MODEL_OK && dev_misbehave_has(net->cfg.misbehave, DEV_MISBEHAVE_RX_EMPTY_TAIL))
    err = rx_empty_tail(net, vq, &count);
  if (err == MODEL_OK) {
    uint16_t value = num_buffers_value(net, count); /* 5.1.9.4.1#2 */
    uint8_t num[2];
    num[0] = (uint8_t)value;
    num[1] = (uint8_t)(value >> 8);
    err = dev_vq_chain_write(vq, &head, MODEL_NET_HDR_OFF_NUM_BUFFERS, num, sizeof(num));
  }
  bool split = dev_misbehave_has(net->cfg.misbehave, DEV_MISBEHAVE_RX_SPLIT_PUBLISH);
  for (uint16_t i = 0; err == MODEL_OK && i < count; i++) {
    err = dev_vq_push(vq, net->rx_used[i].id, net->rx_used[i].len);
    if (err == MODEL_OK)
      net->stats.queue[MODEL_NET_RXQ].used++;
    if (err == MODEL_OK && split && i + 1u < count)
      err = rx_publish_part(net, vq);
  }
  if (err == MODEL_ERR_RING_EMPTY) { /* every buffer taken was given back */
    dev_net_drop_rx(net, frame, len, SIM_DROP_NO_RX_BUFFER);
    return;
  }
  if (err == MODEL_ERR_CAPACITY) {
    dev_net_drop_rx(net, frame, len, SIM_DROP_TOO_BIG);
    return;
  }
  if (err != MODEL_OK) {
    /* A violation (already reported: this is then a no-op) or a failed
     * access to checked buffers (an injected fault). */
    (void)dev_vq_report_violation(vq, err, rx_used_clause(vq), count, len);
    dev_net_drop_rx(net, frame, len, SIM_DROP_BROKEN);
    return;
  }
  if (count > 1)
    net->stats.rx_merged_buffers += count;
  rx_publish(net, vq, frame, len);
}

void dev_net_rx_frame(void *ctx, const uint8_t *frame, size_t len) {
  struct dev_net *net = ctx;
  struct dev_vq *vq = dev_core_vq(&net->core, MODEL_NET_RXQ);
  if ((dev_core_status(&net->core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0 ||
      dev_vq_is_broken(vq)) {
    dev_net_drop_rx(net, frame, len, SIM_DROP_BROKEN);
    return;
  }
  /* 2.1.2#1: nothing consumed before DRIVER_OK; 4.2.2.1#7: nor while the
   * queue is not ready. The driver has given no buffer. */
  if (!dev_core_is_live(&net->core) || !dev_vq_is_ready(vq)) {
    dev_net_drop_rx(net, frame, len, SIM_DROP_NO_RX_BUFFER);
    return;
  }
  if (!net->cfg.link_up) {
    dev_net_drop_rx(net, frame, len, SIM_DROP_LINK_DOWN);
    return;
  }
  if (len >= MODEL_NET_MAC_LEN && !dev_net_rx_filter_accepts(net, frame)) {
    dev_net_drop_rx(net, frame, len, SIM_DROP_FILTERED);
    return;
  }
  /* 5.1.4.1#4 (with MTU), 5.1.9.3 (1514 otherwise). misbehave point
   * (rx-oversize, 5.1.4.1#5): no limit with MTU but what the buffers hold
   * (the NIC's frames are at most SIM_FRAME_MAX_SIZE). */
  bool oversize = dev_misbehave_has(net->cfg.misbehave, DEV_MISBEHAVE_RX_OVERSIZE) &&
                  dev_net_has(net, VIRTIO_NET_F_MTU);
  if (!oversize && len > dev_net_frame_max(net)) {
    dev_net_drop_rx(net, frame, len, SIM_DROP_TOO_BIG);
    return;
  }
  if (dev_net_has(net, VIRTIO_NET_F_MRG_RXBUF))
    rx_merged(net, vq, frame, len);
  else
    rx_single(net, vq, frame, len);
}
