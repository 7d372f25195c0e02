/*
 * model/monitor_net.c: virtio-net payloads as the monitor reads them (see
 * model/monitor_impl.h). Queue roles come from the device id (5.1.2 with one
 * queue pair): 0 receiveq1, 1 transmitq1, 2 controlq (with CTRL_VQ).
 * Transmit headers, receive buffer sizes and control commands are judged
 * when the driver publishes the chain; receive headers when the device
 * publishes the used entries, reading the bytes back from the chain's
 * device-writable buffers.
 *
 * Driver rules: 5.1.9.2.1#1 (a whole tx header), #2, #3, #5-#8, #23-#26,
 * #36 (tx header), 5.1.4.2#3 (tx source is the config mac), 5.1.4.2#9 (tx frame
 * within mtu + 14 with MTU), 5.1.9.3.1#2, #3 and 5.1.4.2#8 (rx buffer
 * sizes), 5.1.9.5.1.2#1, #2 and 5.1.9.5.2.2#1 (control commands without
 * their feature), 5.1.9.5.2.2#3 (the MAC_TABLE_SET data layout).
 * Device rules: 5.1.9.4.1#1, #2 (num_buffers), 5.1.9.3.2#1 (no empty buffer
 * counted last), 5.1.9.3.2#2 (one buffer a packet without MRG_RXBUF),
 * 5.1.9.4.1#3 (merged buffers filled), #4 (published together), #5, #7 to
 * #10, #24, #28 (rx header flags and gso_type), 5.1.4.1#5 (rx frame within
 * mtu + 14 with MTU), 5.1.9.5.2.1#3 (config mac set before a MAC_ADDR_SET
 * is used).
 *
 * num_buffers with MRG_RXBUF: the monitor cannot see the frame length, so it
 * holds the count to what the used entries show: at least 1 (#2), all of
 * them visible with the first one (#4: no used idx value, written or
 * snapshot, shows only part of the packet), and every buffer but the last
 * one filled completely (#3), and the last one holding some of it
 * (5.1.9.3.2#1: not an empty buffer counted after the packet's end), which
 * is what makes the count the number of buffers the packet took. A packet published in parts is
 * followed into the next publication (struct mon_ring rx_ fields), so its later buffers are never
 * mistaken for packet starts.
 *
 * With IN_ORDER one used entry can stand for a batch (2.7.9): the rings
 * pass each buffer it covers here one by one, those it skips with their
 * writable bytes as len (they were used completely), so a batch is judged
 * as the same buffers used one entry each would be.
 */
#include <string.h>

#include "model/monitor_impl.h"
#include "model/net.h"
#include "model/virtio.h"

#define HDR_SIZE_HASH 20u /* with VIRTIO_NET_F_HASH_REPORT */

static uint16_t le16_at(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}

static bool has_any(const struct model_mon *mon, const unsigned *bits, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (model_mon_has(mon, bits[i]))
      return true;
  }
  return false;
}

static bool has_host_gso(const struct model_mon *mon) {
  static const unsigned bits[] = {VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_HOST_TSO6,
                                  VIRTIO_NET_F_HOST_UFO, VIRTIO_NET_F_HOST_USO};
  return has_any(mon, bits, sizeof(bits) / sizeof(bits[0]));
}

static bool has_guest_gso(const struct model_mon *mon) {
  static const unsigned bits[] = {VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO6,
                                  VIRTIO_NET_F_GUEST_UFO, VIRTIO_NET_F_GUEST_USO4,
                                  VIRTIO_NET_F_GUEST_USO6};
  return has_any(mon, bits, sizeof(bits) / sizeof(bits[0]));
}

static bool gso_none(uint8_t gso_type) {
  return (gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_NONE;
}

/* Gather len bytes from the start of the readable part of the chain just
 * walked (ring->segs). */
static bool segs_gather(const struct model_mon *mon, const struct mon_ring *ring, uint8_t *dst,
                        size_t len) {
  size_t done = 0;
  for (uint32_t i = 0; i < ring->seg_count && done < len; i++) {
    const struct mon_seg *s = &ring->segs[i];
    if (s->writable)
      break;
    size_t piece = (len - done) < s->len ? (len - done) : s->len;
    if (!model_mon_peek(mon, s->addr, dst + done, piece))
      return false;
    done += piece;
  }
  return done == len;
}

/* Read len bytes at offset off of the readable part of the chain just
 * walked (ring->segs); false if they are not all there or not mapped. */
static bool segs_read_at(const struct model_mon *mon, const struct mon_ring *ring, uint64_t off,
                         uint8_t *dst, size_t len) {
  size_t done = 0;
  uint64_t skip = off;
  for (uint32_t i = 0; i < ring->seg_count && done < len; i++) {
    const struct mon_seg *s = &ring->segs[i];
    if (s->writable)
      break;
    if (skip >= s->len) {
      skip -= s->len;
      continue;
    }
    uint64_t left = s->len - skip;
    size_t piece = (uint64_t)(len - done) < left ? len - done : (size_t)left;
    if (!model_mon_peek(mon, s->addr + skip, dst + done, piece))
      return false;
    done += piece;
    skip = 0;
  }
  return done == len;
}

/* ---- published by the driver ------------------------------------------------ */

/* 5.1.9.2.1#5-#8: each GSO type needs its own HOST_ feature. Every header
 * is judged against each rule whose feature is missing (so a conforming
 * driver shows them PASS); #24 is the general rule beside them, as on the
 * receive side. */
static void tx_gso_type(struct model_mon *mon, uint8_t gso, uint16_t head, uint16_t q) {
  static const struct {
    uint8_t type;
    unsigned feature;
    enum mon_chk check;
  } rules[] = {
      {VIRTIO_NET_HDR_GSO_TCPV4, VIRTIO_NET_F_HOST_TSO4, MON_C_5_1_9_2_1_5},
      {VIRTIO_NET_HDR_GSO_TCPV6, VIRTIO_NET_F_HOST_TSO6, MON_C_5_1_9_2_1_6},
      {VIRTIO_NET_HDR_GSO_UDP, VIRTIO_NET_F_HOST_UFO, MON_C_5_1_9_2_1_7},
      {VIRTIO_NET_HDR_GSO_UDP_L4, VIRTIO_NET_F_HOST_USO, MON_C_5_1_9_2_1_8},
  };
  uint8_t type = (uint8_t)(gso & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN);
  for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
    if (!model_mon_has(mon, rules[i].feature))
      (void)model_mon_judge(mon, rules[i].check, rules[i].type != type, gso, head, q,
                            "tx header of head %u: gso_type 0x%x without feature %u",
                            (unsigned)head, (unsigned)gso, rules[i].feature);
  }
}

/* 5.1.4.2#3: with MAC, frames leave from the mac the driver read (all six
 * bytes of it), or the one a MAC_ADDR_SET set (ctrl_used): the device shows
 * that one in mac when it acknowledges it (5.1.9.5.2.1#3), so the driver
 * need not read it back. A frame the driver made before it saw the ack may
 * still carry the mac before. */
static void tx_src_mac(struct model_mon *mon, const struct mon_ring *ring, uint16_t head) {
  uint8_t pre[MODEL_NET_HDR_SIZE + 12u];
  if (!model_mon_has(mon, VIRTIO_NET_F_MAC) || mon->mac_known != 0x3fu ||
      ring->heads[head].readable < sizeof(pre) || !segs_gather(mon, ring, pre, sizeof(pre)))
    return;
  const uint8_t *src = pre + MODEL_NET_HDR_SIZE + 6u;
  bool ok = memcmp(src, mon->mac, sizeof(mon->mac)) == 0 ||
            (mon->mac_prev_known && memcmp(src, mon->mac_prev, sizeof(mon->mac_prev)) == 0);
  (void)model_mon_judge(mon, MON_C_5_1_4_2_3, ok, head, src[5], mon->mac[5],
                        "tx frame of head %u from %02x:%02x:%02x:%02x:%02x:%02x, not the "
                        "config mac",
                        (unsigned)head, src[0], src[1], src[2], src[3], src[4], src[5]);
}

static void tx_published(struct model_mon *mon, uint16_t q, const struct mon_ring *ring,
                         uint16_t head) {
  const struct mon_head *h = &ring->heads[head];
  uint8_t hdr[MODEL_NET_HDR_SIZE];
  /* 5.1.9.2.1#1: a whole header in front of every frame */
  if (!model_mon_judge(mon, MON_C_5_1_9_2_1_1, h->readable >= MODEL_NET_HDR_SIZE, h->readable, head,
                       q, "tx chain of head %u: %llu readable bytes, less than a header",
                       (unsigned)head, (unsigned long long)h->readable) ||
      !segs_gather(mon, ring, hdr, sizeof(hdr)))
    return;
  tx_src_mac(mon, ring, head);
  uint8_t flags = hdr[MODEL_NET_HDR_OFF_FLAGS];
  uint8_t gso = hdr[MODEL_NET_HDR_OFF_GSO_TYPE];
  uint16_t num_buffers = le16_at(hdr + MODEL_NET_HDR_OFF_NUM_BUFFERS);
  unsigned hh = head;
  (void)model_mon_judge(mon, MON_C_5_1_9_2_1_2, num_buffers == 0, num_buffers, head, q,
                        "tx header of head %u: num_buffers %u", hh, (unsigned)num_buffers);
  if (!model_mon_has(mon, VIRTIO_NET_F_CSUM))
    (void)model_mon_judge(mon, MON_C_5_1_9_2_1_3, flags == 0, flags, head, q,
                          "tx header of head %u: flags 0x%x without CSUM", hh, (unsigned)flags);
  (void)model_mon_judge(mon, MON_C_5_1_9_2_1_36,
                        (flags & (VIRTIO_NET_HDR_F_DATA_VALID | VIRTIO_NET_HDR_F_RSC_INFO)) == 0,
                        flags, head, q, "tx header of head %u: flags 0x%x", hh, (unsigned)flags);
  if (!has_host_gso(mon))
    (void)model_mon_judge(mon, MON_C_5_1_9_2_1_24, gso == VIRTIO_NET_HDR_GSO_NONE, gso, head, q,
                          "tx header of head %u: gso_type 0x%x without a HOST_ GSO feature", hh,
                          (unsigned)gso);
  tx_gso_type(mon, gso, head, q);
  if (!gso_none(gso)) {
    /* 5.1.9.2.1#25, #26: a GSO frame asks for its checksum and its MSS */
    uint16_t gso_size = le16_at(hdr + MODEL_NET_HDR_OFF_GSO_SIZE);
    (void)model_mon_judge(mon, MON_C_5_1_9_2_1_25, (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0,
                          flags, gso, head, "tx header of head %u: gso_type 0x%x, flags 0x%x", hh,
                          (unsigned)gso, (unsigned)flags);
    (void)model_mon_judge(mon, MON_C_5_1_9_2_1_26, gso_size != 0, gso, gso_size, head,
                          "tx header of head %u: gso_type 0x%x with gso_size 0", hh, (unsigned)gso);
  }
  if (model_mon_has(mon, VIRTIO_NET_F_CSUM) && (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0) {
    /* 5.1.9.2.1#23: the checksum field lies inside the frame */
    uint64_t start = le16_at(hdr + MODEL_NET_HDR_OFF_CSUM_START);
    uint64_t off = le16_at(hdr + MODEL_NET_HDR_OFF_CSUM_OFFSET);
    uint64_t frame = h->readable - MODEL_NET_HDR_SIZE;
    (void)model_mon_judge(mon, MON_C_5_1_9_2_1_23, start + off + 2u <= frame, start, off, frame,
                          "tx header of head %u: csum_start %llu + csum_offset %llu past a "
                          "%llu-byte frame",
                          hh, (unsigned long long)start, (unsigned long long)off,
                          (unsigned long long)frame);
  }
  if (model_mon_has(mon, VIRTIO_NET_F_MTU) && mon->mtu_known && gso_none(gso)) {
    uint64_t frame = h->readable - MODEL_NET_HDR_SIZE;
    (void)model_mon_judge(mon, MON_C_5_1_4_2_9, frame <= (uint64_t)mon->mtu + MODEL_ETH_HDR_SIZE,
                          frame, mon->mtu, head, "tx frame of %llu bytes with mtu %u",
                          (unsigned long long)frame, (unsigned)mon->mtu);
  }
}

static void rx_published(struct model_mon *mon, const struct mon_ring *ring, uint16_t head) {
  uint64_t writable = ring->heads[head].writable;
  uint64_t hdr = model_mon_has(mon, VIRTIO_NET_F_HASH_REPORT) ? HDR_SIZE_HASH : MODEL_NET_HDR_SIZE;
  if (model_mon_has(mon, VIRTIO_NET_F_MTU) && mon->mtu_known &&
      !model_mon_has(mon, VIRTIO_NET_F_MRG_RXBUF)) {
    /* 5.1.4.2#8: room for the header and a frame of mtu + 14 */
    uint64_t fit = hdr + mon->mtu + MODEL_ETH_HDR_SIZE;
    (void)model_mon_judge(mon, MON_C_5_1_4_2_8, writable >= fit, writable, fit, head,
                          "rx buffer of head %u: %llu bytes, below %llu for mtu %u", (unsigned)head,
                          (unsigned long long)writable, (unsigned long long)fit,
                          (unsigned)mon->mtu);
  }
  if (model_mon_has(mon, VIRTIO_NET_F_MRG_RXBUF)) {
    /* 5.1.9.3.1#3: each buffer holds at least a header */
    (void)model_mon_judge(mon, MON_C_5_1_9_3_1_3, writable >= hdr, writable, hdr, head,
                          "rx buffer of head %u: %llu bytes with MRG_RXBUF", (unsigned)head,
                          (unsigned long long)writable);
  } else if (!has_guest_gso(mon)) {
    /* 5.1.9.3.1#2: room for the header and a 1514-byte frame */
    uint64_t need = hdr + MODEL_ETH_MAX_FRAME;
    (void)model_mon_judge(mon, MON_C_5_1_9_3_1_2, writable >= need, writable, need, head,
                          "rx buffer of head %u: %llu bytes, below %llu", (unsigned)head,
                          (unsigned long long)writable, (unsigned long long)need);
  }
}

/* 5.1.9.5.2.2#3: MAC_TABLE_SET data is two tables, unicast then
 * multicast, each a le32 count and that many 6-byte addresses, and they
 * fill the command's readable data exactly. A count that cannot be read
 * (unmapped memory) leaves the command unjudged. */
static void mac_table_judge(struct model_mon *mon, const struct mon_ring *ring, uint16_t head) {
  uint64_t data = ring->heads[head].readable - MODEL_NET_CTRL_HDR_SIZE;
  uint64_t at = 0;
  uint32_t counts[2] = {0, 0};
  bool ok = true;
  for (unsigned t = 0; t < 2u && ok; t++) {
    uint8_t le[4];
    ok = at + MODEL_NET_CTRL_MAC_OFF_MACS <= data;
    if (ok && !segs_read_at(mon, ring, MODEL_NET_CTRL_HDR_SIZE + at, le, sizeof(le)))
      return;
    if (ok) {
      counts[t] = (uint32_t)le[0] | ((uint32_t)le[1] << 8) | ((uint32_t)le[2] << 16) |
                  ((uint32_t)le[3] << 24);
      at += MODEL_NET_CTRL_MAC_OFF_MACS + (uint64_t)counts[t] * MODEL_NET_MAC_LEN;
    }
  }
  (void)model_mon_judge(mon, MON_C_5_1_9_5_2_2_3, ok && at == data, data, counts[0], counts[1],
                        "MAC_TABLE_SET of head %u: %llu data bytes for tables of %u and %u "
                        "entries",
                        (unsigned)head, (unsigned long long)data, (unsigned)counts[0],
                        (unsigned)counts[1]);
}

static void ctrl_published(struct model_mon *mon, const struct mon_ring *ring, uint16_t head) {
  uint8_t cmd[MODEL_NET_CTRL_HDR_SIZE];
  if (ring->heads[head].readable < sizeof(cmd) || !segs_gather(mon, ring, cmd, sizeof(cmd)))
    return;
  uint8_t cls = cmd[MODEL_NET_CTRL_OFF_CLASS], op = cmd[MODEL_NET_CTRL_OFF_COMMAND];
  bool ctrl_rx = model_mon_has(mon, VIRTIO_NET_F_CTRL_RX);
  if (cls == VIRTIO_NET_CTRL_RX &&
      (op == VIRTIO_NET_CTRL_RX_PROMISC || op == VIRTIO_NET_CTRL_RX_ALLMULTI))
    (void)model_mon_judge(mon, MON_C_5_1_9_5_1_2_1, ctrl_rx, cls, op, head,
                          "control command RX %u without CTRL_RX", (unsigned)op);
  if (cls == VIRTIO_NET_CTRL_RX &&
      (op == VIRTIO_NET_CTRL_RX_ALLUNI || op == VIRTIO_NET_CTRL_RX_NOMULTI ||
       op == VIRTIO_NET_CTRL_RX_NOUNI || op == VIRTIO_NET_CTRL_RX_NOBCAST))
    (void)model_mon_judge(mon, MON_C_5_1_9_5_1_2_2, model_mon_has(mon, VIRTIO_NET_F_CTRL_RX_EXTRA),
                          cls, op, head, "control command RX %u without CTRL_RX_EXTRA",
                          (unsigned)op);
  if (cls == VIRTIO_NET_CTRL_MAC)
    (void)model_mon_judge(mon, MON_C_5_1_9_5_2_2_1, ctrl_rx, cls, op, head,
                          "control command MAC %u without CTRL_RX", (unsigned)op);
  if (cls == VIRTIO_NET_CTRL_MAC && op == VIRTIO_NET_CTRL_MAC_TABLE_SET)
    mac_table_judge(mon, ring, head);
}

void model_mon_net_published(struct model_mon *mon, uint16_t q, struct mon_ring *ring,
                             uint16_t head) {
  if (mon->cfg.device_id != VIRTIO_ID_NET)
    return;
  switch (q) {
  case MODEL_NET_RXQ:
    rx_published(mon, ring, head);
    break;
  case MODEL_NET_TXQ:
    tx_published(mon, q, ring, head);
    break;
  case MODEL_NET_CTRLQ:
    if (model_mon_has(mon, VIRTIO_NET_F_CTRL_VQ))
      ctrl_published(mon, ring, head);
    break;
  default:
    break;
  }
}

/* ---- used by the device ------------------------------------------------------- */

/* 5.1.4.1#5: with MTU, no non-GSO frame above mtu + 14. */
static void rx_frame_done(struct model_mon *mon, const struct mon_ring *ring, uint16_t head) {
  if (!model_mon_has(mon, VIRTIO_NET_F_MTU) || !mon->mtu_known || !ring->rx_gso_none)
    return;
  (void)model_mon_judge(mon, MON_C_5_1_4_1_5,
                        ring->rx_payload <= (uint64_t)mon->mtu + MODEL_ETH_HDR_SIZE,
                        ring->rx_payload, mon->mtu, head, "rx frame of %llu bytes with mtu %u",
                        (unsigned long long)ring->rx_payload, (unsigned)mon->mtu);
}

/* 5.1.9.4.1#5, #7 to #10, #24, #28: flags and gso_type of a receive header. */
static void rx_header(struct model_mon *mon, const uint8_t *hdr, uint16_t head) {
  uint8_t flags = hdr[MODEL_NET_HDR_OFF_FLAGS];
  uint8_t gso = hdr[MODEL_NET_HDR_OFF_GSO_TYPE];
  unsigned hh = head;
  if (!model_mon_has(mon, VIRTIO_NET_F_GUEST_CSUM))
    (void)model_mon_judge(mon, MON_C_5_1_9_4_1_5, flags == 0, flags, head, 0,
                          "rx header of head %u: flags 0x%x without GUEST_CSUM", hh,
                          (unsigned)flags);
  if (!has_guest_gso(mon))
    (void)model_mon_judge(mon, MON_C_5_1_9_4_1_24, gso == VIRTIO_NET_HDR_GSO_NONE, gso, head, 0,
                          "rx header of head %u: gso_type 0x%x without a GUEST_ GSO feature", hh,
                          (unsigned)gso);
  /* #7, #8, #9, #10: each type only with its own GUEST_ feature (ECN
   * aside; UDP_L4 with either USO one);
   * #24 above is the general rule, judged along with them */
  uint8_t type = (uint8_t)(gso & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN);
  if (!model_mon_has(mon, VIRTIO_NET_F_GUEST_TSO4))
    (void)model_mon_judge(mon, MON_C_5_1_9_4_1_7, type != VIRTIO_NET_HDR_GSO_TCPV4, gso, head, 0,
                          "rx header of head %u: gso_type TCPV4 without GUEST_TSO4", hh);
  if (!model_mon_has(mon, VIRTIO_NET_F_GUEST_TSO6))
    (void)model_mon_judge(mon, MON_C_5_1_9_4_1_9, type != VIRTIO_NET_HDR_GSO_TCPV6, gso, head, 0,
                          "rx header of head %u: gso_type TCPV6 without GUEST_TSO6", hh);
  if (!model_mon_has(mon, VIRTIO_NET_F_GUEST_UFO))
    (void)model_mon_judge(mon, MON_C_5_1_9_4_1_8, type != VIRTIO_NET_HDR_GSO_UDP, gso, head, 0,
                          "rx header of head %u: gso_type UDP without GUEST_UFO", hh);
  if (!model_mon_has(mon, VIRTIO_NET_F_GUEST_USO4) && !model_mon_has(mon, VIRTIO_NET_F_GUEST_USO6))
    (void)model_mon_judge(mon, MON_C_5_1_9_4_1_10, type != VIRTIO_NET_HDR_GSO_UDP_L4, gso, head, 0,
                          "rx header of head %u: gso_type UDP_L4 without GUEST_USO4 or USO6", hh);
  if (!model_mon_has(mon, VIRTIO_NET_F_RSC_EXT))
    (void)model_mon_judge(mon, MON_C_5_1_9_4_1_28, (flags & VIRTIO_NET_HDR_F_RSC_INFO) == 0, flags,
                          head, 0, "rx header of head %u: RSC_INFO without RSC_EXT", hh);
}

/* 5.1.9.4.1#4: was the idx ever written with a value that shows some but
 * not all of the n entries from start (accesses)? */
static bool split_publication(const struct mon_ring *ring, uint16_t start, uint16_t n) {
  for (uint32_t i = 0; i < ring->used_mark_count; i++) {
    uint16_t seen = (uint16_t)(ring->used_marks[i] - start);
    if (seen > 0 && seen < n)
      return true;
  }
  return false;
}

/* The first buffer of a packet, at used index idx; remaining: entries
 * published from it on. */
static void rx_first(struct model_mon *mon, struct mon_ring *ring, uint16_t head, uint32_t len,
                     uint16_t idx, uint16_t remaining) {
  uint8_t hdr[MODEL_NET_HDR_SIZE];
  ring->rx_left = 0;
  ring->rx_spread = false;
  if (len < MODEL_NET_HDR_SIZE ||
      !model_mon_ranges_gather(mon, ring, head, true, 0, hdr, sizeof(hdr)))
    return;
  rx_header(mon, hdr, head);
  uint16_t num_buffers = le16_at(hdr + MODEL_NET_HDR_OFF_NUM_BUFFERS);
  unsigned hh = head, nb = num_buffers;
  ring->rx_gso_none = gso_none(hdr[MODEL_NET_HDR_OFF_GSO_TYPE]);
  ring->rx_payload = len - MODEL_NET_HDR_SIZE;
  ring->rx_prev_full = len == ring->heads[head].writable;
  if (!model_mon_has(mon, VIRTIO_NET_F_MRG_RXBUF)) {
    (void)model_mon_judge(mon, MON_C_5_1_9_4_1_1, num_buffers == 1u, num_buffers, head, 0,
                          "rx header of head %u: num_buffers %u without MRG_RXBUF", hh, nb);
    /* 5.1.9.3.2#2: a count above 1 is the device saying it spread the
     * packet over that many buffers; the ones published with this one are
     * followed as its continuation, not judged as packets of their own */
    if (!model_mon_judge(mon, MON_C_5_1_9_3_2_2, num_buffers <= 1u, num_buffers, remaining, head,
                         "rx packet of head %u in %u buffers without MRG_RXBUF", hh, nb) &&
        remaining > 1u) {
      ring->rx_left = (uint16_t)((num_buffers < remaining ? num_buffers : remaining) - 1u);
      ring->rx_spread = true;
      return;
    }
    rx_frame_done(mon, ring, head);
    return;
  }
  if (!model_mon_judge(mon, MON_C_5_1_9_4_1_2, num_buffers >= 1u, num_buffers, remaining, head,
                       "rx header of head %u: num_buffers %u", hh, nb))
    return;
  /* #4: the packet's entries become visible together; the rest of a packet
   * published in parts is followed into the next publication */
  (void)model_mon_judge(mon, MON_C_5_1_9_4_1_4,
                        num_buffers <= remaining && !split_publication(ring, idx, num_buffers),
                        num_buffers, remaining, head,
                        "rx packet of %u buffers from head %u: used idx shows only some of them",
                        nb, hh);
  ring->rx_left = (uint16_t)(num_buffers - 1u);
  if (ring->rx_left == 0)
    rx_frame_done(mon, ring, head);
}

/* A further buffer of the packet being followed. */
static void rx_next(struct model_mon *mon, struct mon_ring *ring, uint16_t head, uint32_t len) {
  /* 5.1.9.3.2#1: the last buffer num_buffers counts holds part of the
   * packet; one used with len 0 was counted though the packet ended before
   * it (then the buffer before it is the packet's real last one, and #3
   * does not judge it) */
  bool empty_tail = ring->rx_left == 1u && len == 0;
  if (ring->rx_spread) {
    /* without MRG_RXBUF, judged as a whole by 5.1.9.3.2#2 */
  } else if (ring->rx_left == 1u)
    (void)model_mon_judge(mon, MON_C_5_1_9_3_2_1, !empty_tail, len, head, 0,
                          "rx packet's last counted buffer, head %u, holds none of it",
                          (unsigned)head);
  /* 5.1.9.4.1#3: the buffers before it were filled completely */
  if (!empty_tail && !ring->rx_spread)
    (void)model_mon_judge(mon, MON_C_5_1_9_4_1_3, ring->rx_prev_full, ring->rx_left, head, len,
                          "rx packet continues into head %u after a buffer not filled completely",
                          (unsigned)head);
  ring->rx_payload += len;
  ring->rx_prev_full = len == ring->heads[head].writable;
  if (--ring->rx_left == 0)
    rx_frame_done(mon, ring, head);
}

/* 5.1.9.5.2.1#3: with MAC, a MAC_ADDR_SET the device acknowledged OK is
 * marked used with the new mac already in the config space (read through
 * cfg.config_peek when its used entry is first seen). A command answered
 * ERR changed nothing and is not judged. */
static void ctrl_used(struct model_mon *mon, const struct mon_ring *ring, uint16_t head) {
  const struct model_mon_config_peek *peek = &mon->cfg.config_peek;
  uint8_t cmd[MODEL_NET_CTRL_HDR_SIZE + MODEL_NET_MAC_LEN];
  uint8_t ack = 0;
  if (!model_mon_has(mon, VIRTIO_NET_F_MAC) || ring->heads[head].readable != sizeof(cmd) ||
      !model_mon_ranges_gather(mon, ring, head, false, 0, cmd, sizeof(cmd)) ||
      cmd[MODEL_NET_CTRL_OFF_CLASS] != VIRTIO_NET_CTRL_MAC ||
      cmd[MODEL_NET_CTRL_OFF_COMMAND] != VIRTIO_NET_CTRL_MAC_ADDR_SET ||
      !model_mon_ranges_gather(mon, ring, head, true, 0, &ack, sizeof(ack)) || ack != VIRTIO_NET_OK)
    return;
  const uint8_t *want = cmd + MODEL_NET_CTRL_HDR_SIZE;
  /* 5.1.4.2#3 from here on: the new address (tx_src_mac) */
  if (mon->mac_known == 0x3fu) {
    memcpy(mon->mac_prev, mon->mac, sizeof(mon->mac_prev));
    mon->mac_prev_known = true;
  }
  memcpy(mon->mac, want, sizeof(mon->mac));
  mon->mac_known = 0x3fu;
  if (peek->read == NULL)
    return;
  uint8_t mac[MODEL_NET_MAC_LEN];
  for (uint32_t i = 0; i < MODEL_NET_MAC_LEN; i++) {
    uint32_t v = 0;
    if (!peek->read(peek->ctx, MODEL_NET_CFG_OFF_MAC + i, 1, &v))
      return;
    mac[i] = (uint8_t)v;
  }
  (void)model_mon_judge(mon, MON_C_5_1_9_5_2_1_3, memcmp(mac, want, sizeof(mac)) == 0, head, mac[5],
                        want[5],
                        "MAC_ADDR_SET of head %u to %02x:%02x:%02x:%02x:%02x:%02x used with "
                        "config mac %02x:%02x:%02x:%02x:%02x:%02x",
                        (unsigned)head, want[0], want[1], want[2], want[3], want[4], want[5],
                        mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void model_mon_net_used(struct model_mon *mon, uint16_t q, struct mon_ring *ring, uint16_t head,
                        uint32_t len, uint16_t idx, uint16_t remaining) {
  if (mon->cfg.device_id != VIRTIO_ID_NET)
    return;
  if (q == MODEL_NET_CTRLQ && model_mon_has(mon, VIRTIO_NET_F_CTRL_VQ))
    ctrl_used(mon, ring, head);
  if (q != MODEL_NET_RXQ)
    return;
  if (ring->rx_left == 0)
    rx_first(mon, ring, head, len, idx, remaining);
  else
    rx_next(mon, ring, head, len);
}

void model_mon_net_used_gap(struct mon_ring *ring) {
  ring->rx_left = 0;
}

void model_mon_net_used_packed(struct model_mon *mon, uint16_t q, struct mon_ring *ring,
                               uint16_t head, uint32_t len, uint16_t visible) {
  ring->used_mark_count = 0; /* no idx writes: what is visible is `visible` */
  model_mon_net_used(mon, q, ring, head, len, 0, visible);
}
