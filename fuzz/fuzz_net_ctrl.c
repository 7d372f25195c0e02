/*
 * fuzz/fuzz_net_ctrl.c: attacks the virtio-net device (backend/net.h) through
 * its control queue and its transmit and receive headers, with a driver
 * stand-in that writes split rings and registers through the bus. The input
 * picks the features the driver accepts (of those offered, plus
 * CTRL_RX_EXTRA and GUEST_ANNOUNCE offered or not), then operations: a
 * control command (any class, command and data, the readable part cut in one
 * or two descriptors, sometimes with no header or no room for the ack), a
 * transmitted frame behind any virtio-net header (any flags, gso type,
 * hdr_len, csum_start and csum_offset, num_buffers), receive buffers of any
 * size with frames arriving from the wire. The virtual world runs to idle
 * after each operation; a device that needs a reset gets one.
 *
 * Oracles, besides the sanitizers:
 * - a well-formed control command (a header, room for the ack) on a live
 *   device is used with len 1, acked VIRTIO_NET_OK or VIRTIO_NET_ERR, counted
 *   in ctrl_ok or ctrl_err, and never breaks the device;
 * - a malformed control chain breaks the control queue (the device then
 *   shows DEVICE_NEEDS_RESET, 2.1.2);
 * - a hostile transmit header breaks no other queue;
 * - whatever broke the device does not outlive a reset: the stand-in resets
 *   and brings it up again, and a control command is then acked;
 * - a used receive buffer names a buffer the driver posted, with a len
 *   within it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "backend/net.h"
#include "backend/vq.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_input.h"
#include "model/mmio.h"
#include "model/net.h"
#include "model/split.h"
#include "model/virtio.h"
#include "sim/world.h"

#define QSIZE     16u
#define RAM_BASE  0x10000000u
#define RAM_SIZE  0x40000u /* rings, then 16 buffers of 4 KiB per queue */
#define RING(q)   (RAM_BASE + (uint64_t)(q)*0x1000u)
#define BUF(q, d) (RAM_BASE + 0x10000u + (uint64_t)(q)*0x10000u + (uint64_t)(d)*0x1000u)
#define BUF_MAX   0x1000u /* bytes per descriptor buffer */
#define INPUT_MAX 2048u
#define OPS_MAX   64u

struct ring {
  uint64_t desc, avail, used;
  uint16_t avail_idx;
  uint16_t used_seen; /* used idx the stand-in has checked up to */
  uint32_t posted_len[QSIZE];
};

struct fx {
  struct sim_world world;
  struct dev_net net;
  struct ring r[3];
  bool has_ctrl;
};

static void must(model_err err, const char *what) {
  if (err != MODEL_OK)
    fuzz_fail("%s: %s", what, model_err_name(err));
}

/* Register accesses: the stand-in makes only legal ones, but a refused one
 * (a broken device) is the device's verdict, not a finding. */
static void reg_set(struct fx *fx, uint32_t off, uint32_t v) {
  model_err err = sim_bus_reg_write(&fx->world.bus, SIM_ACTOR_DRIVER, off, 4, v);
  (void)err;
}
static uint32_t reg_get(struct fx *fx, uint32_t off) {
  uint32_t v = 0;
  model_err err = sim_bus_reg_read(&fx->world.bus, SIM_ACTOR_DRIVER, off, 4, &v);
  (void)err;
  return v;
}
static void wr16(struct fx *fx, uint64_t a, uint16_t v) {
  must(sim_bus_write_le16(&fx->world.bus, SIM_ACTOR_DRIVER, a, v), "write16");
}
static uint16_t rd16(struct fx *fx, uint64_t a) {
  uint16_t v = 0;
  must(sim_bus_read_le16(&fx->world.bus, SIM_ACTOR_DRIVER, a, &v), "read16");
  return v;
}
static uint32_t rd32(struct fx *fx, uint64_t a) {
  uint32_t v = 0;
  must(sim_bus_read_le32(&fx->world.bus, SIM_ACTOR_DRIVER, a, &v), "read32");
  return v;
}

static void desc_put(struct fx *fx, unsigned q, uint16_t slot, uint64_t addr, uint32_t len,
                     uint16_t flags, uint16_t next) {
  uint64_t d = fx->r[q].desc + model_split_desc_off(slot);
  must(sim_bus_write_le64(&fx->world.bus, SIM_ACTOR_DRIVER, d + MODEL_SPLIT_DESC_OFF_ADDR, addr),
       "desc");
  must(sim_bus_write_le32(&fx->world.bus, SIM_ACTOR_DRIVER, d + MODEL_SPLIT_DESC_OFF_LEN, len),
       "desc");
  wr16(fx, d + MODEL_SPLIT_DESC_OFF_FLAGS, flags);
  wr16(fx, d + MODEL_SPLIT_DESC_OFF_NEXT, next);
}

/* Publish head on queue q's available ring. */
static void avail_add(struct fx *fx, unsigned q, uint16_t head) {
  struct ring *r = &fx->r[q];
  wr16(fx, r->avail + model_split_avail_ring_off(model_split_slot(r->avail_idx, QSIZE)), head);
  r->avail_idx++;
  wr16(fx, r->avail + MODEL_SPLIT_AVAIL_OFF_IDX, r->avail_idx);
}

static void kick_and_run(struct fx *fx, unsigned q) {
  reg_set(fx, MODEL_MMIO_QUEUE_NOTIFY, q);
  (void)sim_world_run(&fx->world, UINT64_MAX, 100000);
}

static bool queue_broken(struct fx *fx, unsigned q) {
  return dev_core_vq(&fx->net.core, q)->broken;
}

/* A queue violation stops the whole device until a reset (2.1.2). */
static bool needs_reset(struct fx *fx) {
  return (reg_get(fx, MODEL_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0;
}

/* A control command: the header and data in one or two readable
 * descriptors, then the ack descriptor (or, malformed, less). */
static void op_ctrl(struct fx *fx, struct fuzz_input *in) {
  if (!fx->has_ctrl)
    return;
  struct ring *r = &fx->r[MODEL_NET_CTRLQ];
  uint8_t shape = fuzz_u8(in);
  uint8_t cmd[2 + 64];
  uint32_t data_len = fuzz_u8(in) % 40u;
  cmd[0] = fuzz_u8(in) % 8u; /* class: the known ones and a few beyond */
  cmd[1] = fuzz_u8(in) % 8u;
  for (uint32_t i = 0; i < data_len; i++)
    cmd[2 + i] = fuzz_u8(in);
  uint32_t total = 2u + data_len;
  if (shape & 0x80u)
    total = shape & 1u; /* no header: 0 or 1 byte */
  uint32_t cut = (shape & 0x10u) ? fuzz_u8(in) % (total + 1u) : 0;
  bool no_ack = (shape & 0x40u) != 0;
  bool well_formed = total >= 2u && !no_ack;
  uint16_t base = (uint16_t)((r->avail_idx * 4u) % QSIZE);
  uint16_t slot = base;
  uint64_t buf = BUF(MODEL_NET_CTRLQ, base / 4u);
  if (total > 0)
    must(sim_bus_write_bytes(&fx->world.bus, SIM_ACTOR_DRIVER, buf, cmd, total), "cmd");
  if (cut > 0 && cut < total) {
    desc_put(fx, MODEL_NET_CTRLQ, slot, buf, cut, VIRTQ_DESC_F_NEXT, (uint16_t)(slot + 1u));
    slot++;
    desc_put(fx, MODEL_NET_CTRLQ, slot, buf + cut, total - cut,
             (uint16_t)(no_ack ? 0u : VIRTQ_DESC_F_NEXT), (uint16_t)(slot + 1u));
  } else {
    desc_put(fx, MODEL_NET_CTRLQ, slot, buf, total, (uint16_t)(no_ack ? 0u : VIRTQ_DESC_F_NEXT),
             (uint16_t)(slot + 1u));
  }
  uint64_t ack = buf + 0x800u;
  uint8_t poison = 0xaa;
  must(sim_bus_write_bytes(&fx->world.bus, SIM_ACTOR_DRIVER, ack, &poison, 1), "ack");
  if (!no_ack)
    desc_put(fx, MODEL_NET_CTRLQ, (uint16_t)(slot + 1u), ack, 1, VIRTQ_DESC_F_WRITE, 0);
  bool was_broken = needs_reset(fx);
  uint64_t acks = fx->net.stats.ctrl_ok + fx->net.stats.ctrl_err;
  avail_add(fx, MODEL_NET_CTRLQ, base);
  kick_and_run(fx, MODEL_NET_CTRLQ);
  if (was_broken)
    return;
  if (!well_formed) {
    if (!queue_broken(fx, MODEL_NET_CTRLQ) || !needs_reset(fx))
      fuzz_fail("malformed control chain (%u readable, ack %d) did not break the queue",
                (unsigned)total, !no_ack);
    return;
  }
  if (needs_reset(fx))
    fuzz_fail("well-formed control command %u/%u broke the device", cmd[0], cmd[1]);
  uint16_t used_idx = rd16(fx, r->used + MODEL_SPLIT_USED_OFF_IDX);
  if (used_idx != r->avail_idx)
    fuzz_fail("control command %u/%u not used (used idx %u, avail idx %u)", cmd[0], cmd[1],
              (unsigned)used_idx, (unsigned)r->avail_idx);
  uint64_t e =
      r->used + model_split_used_ring_off(model_split_slot((uint16_t)(used_idx - 1u), QSIZE));
  uint32_t id = rd32(fx, e + MODEL_SPLIT_USED_ELEM_OFF_ID);
  uint32_t len = rd32(fx, e + MODEL_SPLIT_USED_ELEM_OFF_LEN);
  uint8_t a = 0xaa;
  must(sim_bus_read_bytes(&fx->world.bus, SIM_ACTOR_DRIVER, ack, &a, 1), "ack read");
  if (id != base || len != 1 || (a != VIRTIO_NET_OK && a != VIRTIO_NET_ERR))
    fuzz_fail("control command %u/%u: used id %u len %u ack 0x%02x", cmd[0], cmd[1], (unsigned)id,
              (unsigned)len, a);
  if (fx->net.stats.ctrl_ok + fx->net.stats.ctrl_err != acks + 1u)
    fuzz_fail("control command %u/%u acked but not counted", cmd[0], cmd[1]);
}

/* A frame behind a hostile header, in one or two descriptors. */
static void op_tx(struct fx *fx, struct fuzz_input *in) {
  struct ring *r = &fx->r[MODEL_NET_TXQ];
  uint8_t shape = fuzz_u8(in);
  uint8_t pkt[MODEL_NET_HDR_SIZE + 64];
  for (unsigned i = 0; i < MODEL_NET_HDR_SIZE; i++)
    pkt[i] = fuzz_u8(in);
  if (shape & 1u) /* mostly-sane header: zero but for flags */
    memset(pkt + 1, 0, MODEL_NET_HDR_SIZE - 1u);
  for (unsigned i = MODEL_NET_HDR_SIZE; i < sizeof(pkt); i++)
    pkt[i] = (uint8_t)(i < MODEL_NET_HDR_SIZE + 6u ? 0xff : i); /* broadcast */
  uint32_t frame_len = (shape & 2u) ? fuzz_u16(in) % 2000u : 60u;
  uint32_t total = MODEL_NET_HDR_SIZE + frame_len;
  if (shape & 0x80u)
    total = fuzz_u8(in) % MODEL_NET_HDR_SIZE; /* shorter than the header */
  uint16_t base = (uint16_t)((r->avail_idx * 2u) % QSIZE);
  uint64_t buf = BUF(MODEL_NET_TXQ, base / 2u);
  uint32_t copy = total < sizeof(pkt) ? total : (uint32_t)sizeof(pkt);
  if (copy > 0)
    must(sim_bus_write_bytes(&fx->world.bus, SIM_ACTOR_DRIVER, buf, pkt, copy), "tx");
  if ((shape & 4u) && total > MODEL_NET_HDR_SIZE) {
    desc_put(fx, MODEL_NET_TXQ, base, buf, MODEL_NET_HDR_SIZE, VIRTQ_DESC_F_NEXT,
             (uint16_t)(base + 1u));
    desc_put(fx, MODEL_NET_TXQ, (uint16_t)(base + 1u), buf + MODEL_NET_HDR_SIZE,
             total - MODEL_NET_HDR_SIZE, 0, 0);
  } else {
    desc_put(fx, MODEL_NET_TXQ, base, buf, total, 0, 0);
  }
  avail_add(fx, MODEL_NET_TXQ, base);
  kick_and_run(fx, MODEL_NET_TXQ);
  if (queue_broken(fx, MODEL_NET_RXQ) || (fx->has_ctrl && queue_broken(fx, MODEL_NET_CTRLQ)))
    fuzz_fail("a transmit header broke another queue");
}

/* Receive buffers of any size, then frames from the wire. */
static void op_rx(struct fx *fx, struct fuzz_input *in) {
  struct ring *r = &fx->r[MODEL_NET_RXQ];
  uint8_t shape = fuzz_u8(in);
  unsigned count = 1u + (shape & 3u);
  for (unsigned k = 0; k < count; k++) {
    if ((uint16_t)(r->avail_idx - r->used_seen) >= QSIZE)
      break;
    uint16_t slot = (uint16_t)(r->avail_idx % QSIZE);
    uint32_t len = (shape & 4u) ? fuzz_u16(in) % BUF_MAX : 1526u;
    r->posted_len[slot] = len;
    desc_put(fx, MODEL_NET_RXQ, slot, BUF(MODEL_NET_RXQ, slot), len, VIRTQ_DESC_F_WRITE, 0);
    avail_add(fx, MODEL_NET_RXQ, slot);
  }
  reg_set(fx, MODEL_MMIO_QUEUE_NOTIFY, MODEL_NET_RXQ);
  uint32_t frames = (shape >> 4) & 3u;
  if (frames > 0) {
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint32_t lo = SIM_FRAME_MIN_SIZE + fuzz_u8(in);
    uint32_t hi = lo + fuzz_u8(in) * 4u;
    if (hi > SIM_FRAME_MAX_SIZE)
      hi = SIM_FRAME_MAX_SIZE;
    if (lo > hi)
      lo = hi;
    must(sim_nic_generate(&fx->world.nic, frames, lo, hi, (shape & 8u) ? bcast : fx->net.mac, 5),
         "generate");
  }
  (void)sim_world_run(&fx->world, UINT64_MAX, 100000);
  if (queue_broken(fx, MODEL_NET_RXQ))
    return;
  uint16_t used_idx = rd16(fx, r->used + MODEL_SPLIT_USED_OFF_IDX);
  for (; r->used_seen != used_idx; r->used_seen++) {
    uint64_t e = r->used + model_split_used_ring_off(model_split_slot(r->used_seen, QSIZE));
    uint32_t id = rd32(fx, e + MODEL_SPLIT_USED_ELEM_OFF_ID);
    uint32_t len = rd32(fx, e + MODEL_SPLIT_USED_ELEM_OFF_LEN);
    if (id >= QSIZE || len > r->posted_len[id])
      fuzz_fail("receive used id %u len %u (posted %u)", (unsigned)id, (unsigned)len,
                id < QSIZE ? (unsigned)r->posted_len[id] : 0u);
  }
}

static bool bring_up(struct fx *fx, uint64_t features) {
  static const uint8_t zeros[0x100]; /* an avail or a used ring of QSIZE entries */
  reg_set(fx, MODEL_MMIO_STATUS, 0);
  reg_set(fx, MODEL_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
  reg_set(fx, MODEL_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  reg_set(fx, MODEL_MMIO_DRIVER_FEATURES_SEL, 0);
  reg_set(fx, MODEL_MMIO_DRIVER_FEATURES, (uint32_t)features);
  reg_set(fx, MODEL_MMIO_DRIVER_FEATURES_SEL, 1);
  reg_set(fx, MODEL_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
  uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
  reg_set(fx, MODEL_MMIO_STATUS, st);
  if ((reg_get(fx, MODEL_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) == 0)
    return false;
  fx->has_ctrl = model_features_has(features, VIRTIO_NET_F_CTRL_VQ);
  memset(fx->r, 0, sizeof(fx->r));
  for (unsigned q = 0; q < (fx->has_ctrl ? 3u : 2u); q++) {
    struct ring *r = &fx->r[q];
    r->desc = RING(q);
    r->avail = r->desc + model_split_desc_table_size(QSIZE);
    r->used = (r->avail + model_split_avail_size(QSIZE) + 3u) & ~(uint64_t)3u;
    /* zero the two rings the device reads (a reset may have left them
     * written); the descriptor table is read only through them */
    must(sim_bus_write_bytes(&fx->world.bus, SIM_ACTOR_DRIVER, r->avail, zeros,
                             model_split_avail_size(QSIZE)),
         "avail ring");
    must(sim_bus_write_bytes(&fx->world.bus, SIM_ACTOR_DRIVER, r->used, zeros,
                             model_split_used_size(QSIZE)),
         "used ring");
    reg_set(fx, MODEL_MMIO_QUEUE_SEL, q);
    reg_set(fx, MODEL_MMIO_QUEUE_SIZE, QSIZE);
    reg_set(fx, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)r->desc);
    reg_set(fx, MODEL_MMIO_QUEUE_DESC_HIGH, 0);
    reg_set(fx, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)r->avail);
    reg_set(fx, MODEL_MMIO_QUEUE_DRIVER_HIGH, 0);
    reg_set(fx, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)r->used);
    reg_set(fx, MODEL_MMIO_QUEUE_DEVICE_HIGH, 0);
    reg_set(fx, MODEL_MMIO_QUEUE_READY, 1);
  }
  reg_set(fx, MODEL_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
  return true;
}

static void on_irq(void *ctx) {
  struct fx *fx = ctx;
  reg_set(fx, MODEL_MMIO_INTERRUPT_ACK, reg_get(fx, MODEL_MMIO_INTERRUPT_STATUS));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct fx fx;
  memset(&fx, 0, sizeof(fx));
  struct fuzz_input in = {.data = data, .size = size < INPUT_MAX ? size : INPUT_MAX, .pos = 0};
  struct sim_world_config wcfg;
  sim_world_config_default(&wcfg);
  wcfg.mem_base = RAM_BASE;
  wcfg.mem_size = RAM_SIZE;
  wcfg.sched_capacity = 256; /* small: the world is set up for every input */
  wcfg.nic.frames_max = 4096;
  must(sim_world_init(&fx.world, &wcfg), "sim_world_init");
  struct dev_net_config cfg;
  dev_net_config_default(&cfg);
  cfg.queue_size_max = QSIZE;
  uint8_t offer = fuzz_u8(&in);
  if (offer & 1u)
    cfg.features_offered |= model_feature_mask(VIRTIO_NET_F_CTRL_RX_EXTRA);
  if (offer & 2u)
    cfg.features_offered |= model_feature_mask(VIRTIO_NET_F_GUEST_ANNOUNCE);
  cfg.rx_promisc_at_reset = (offer & 4u) == 0;
  must(dev_net_init(&fx.net, &fx.world.bus, &fx.world.nic, &cfg), "dev_net_init");
  sim_bus_attach_driver(&fx.world.bus, on_irq, &fx);
  /* the driver accepts what is offered, less what the input masks off;
   * VERSION_1 always */
  uint32_t mask = (uint32_t)fuzz_u8(&in) << 8 | fuzz_u8(&in);
  uint64_t features = cfg.features_offered;
  unsigned bit = 0;
  for (unsigned b = 0; b < 64 && bit < 16; b++) {
    if (!model_features_has(cfg.features_offered, b) || b == VIRTIO_F_VERSION_1)
      continue;
    if (mask & (1u << bit))
      features &= ~model_feature_mask(b);
    bit++;
  }
  if (bring_up(&fx, features)) {
    for (unsigned n = 0; n < OPS_MAX && in.pos < in.size; n++) {
      if (needs_reset(&fx)) {
        /* the driver resets and starts again; then the device must work:
         * whatever broke it broke nothing that outlives a reset */
        if (!bring_up(&fx, features))
          fuzz_fail("bring-up after a reset refused");
        static const uint8_t probe[] = {0, 1, 0, 0, 1}; /* RX PROMISC on */
        struct fuzz_input p = {.data = probe, .size = sizeof(probe), .pos = 0};
        op_ctrl(&fx, &p);
        if (needs_reset(&fx))
          fuzz_fail("the device needs a reset right after one");
      }
      uint8_t op = fuzz_u8(&in);
      switch (op % 4u) {
      case 0:
      case 3:
        op_ctrl(&fx, &in);
        break;
      case 1:
        op_tx(&fx, &in);
        break;
      default:
        op_rx(&fx, &in);
        break;
      }
    }
  }
  dev_net_fini(&fx.net);
  sim_world_fini(&fx.world);
  return 0;
}
