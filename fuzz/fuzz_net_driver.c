/*
 * fuzz/fuzz_net_driver.c: attacks the virtio-net driver (frontend/net.h)
 * with a hostile device. The stand-in is a virtio-mmio register file whose
 * answers the input picks (offered features, FEATURES_OK kept or not, mac,
 * status, max_virtqueue_pairs, mtu, ConfigGeneration that moves under the
 * driver, InterruptStatus with any bits) on top of the device side of the
 * rings (backend/vq.h, split and packed, so that the ring mechanics are
 * right and the attack lands on the net layer; fuzz_driver_ring attacks the
 * rings themselves). The stand-in then, as the input says: fills receive
 * buffers with honest packets or with hostile ones (any header: flags,
 * gso fields, csum_start and csum_offset, num_buffers; used lengths shorter
 * than the header, between, or the whole buffer; packets spread over
 * buffers whatever MRG_RXBUF says), uses transmit and control buffers
 * (any ack value, used len 0 or 1, or on a split ring a used len rewritten
 * past the chain), changes its configuration, asks for a reset
 * (DEVICE_NEEDS_RESET), raises interrupts; the driver sends frames, issues
 * control commands, and is reset and started again.
 *
 * Oracles, besides the sanitizers:
 * - the driver reads a receive buffer only within what the device marked
 *   used (the bus observer checks every driver read of the receive area);
 * - an honest packet (well-formed header, num_buffers right, every byte
 *   there) given to a running driver that is not inside a merged packet is
 *   delivered, intact (the NIC ledger: delivered + 1, no corrupt);
 * - a control command used with len 1 leaves that ack as the driver's last
 *   (ctrl_ok for VIRTIO_NET_OK, ctrl_err otherwise), with len 0 no ack
 *   (-1) and ctrl_err; a used len past the chain breaks the driver;
 * - DEVICE_NEEDS_RESET with a configuration interrupt breaks a running
 *   driver; a broken driver refuses send with RING_BROKEN and drops the
 *   frames (ledger dropped.broken);
 * - the driver never runs with an mtu below 68, acknowledges no undefined
 *   InterruptStatus bit (4.2.2.2#18) and reads no configuration field whose
 *   feature was not offered (2.5.1#3);
 * - at the end, with the device honest again, drv_net_reset succeeds and
 *   every transmitted frame is accounted for (delivered, on the wire, or
 *   dropped with a reason); drv_net_start then succeeds and the driver
 *   receives an honest packet and transmits an intact frame.
 * Exceptions: a frame the device put on the wire while the driver was
 * broken is dropped again by the reset (2.1.1#4: nothing in flight is
 * relied upon), so the transmit check is per frame, not by the ledger's
 * sums; a control command may find the driver broken by an earlier hostile
 * used len it only now processes; a receive buffer is filled up to the used
 * len the device reports (else the driver would read what memory held
 * before, earlier frames among them, and the ledger count them twice).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "backend/vq.h"
#include "frontend/net.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_input.h"
#include "model/mmio.h"
#include "model/net.h"
#include "model/split.h"
#include "model/virtio.h"
#include "sim/world.h"

#define RAM_BASE    0x10000000u
#define RAM_SIZE    (2u * 1024u * 1024u)
#define INPUT_MAX   1024u
#define OPS_MAX     64u
#define QUEUES      3u
#define SEGS_MAX    64u /* buffers one hostile packet may take */
#define RUN_EVENTS  20000u
#define FRAME_BYTES (MODEL_NET_HDR_SIZE + SIM_FRAME_MAX_SIZE)
#define FRAMES_MAX  1024u /* the NIC's ledger size */

struct hd {
  struct sim_world world;
  struct drv_net drv;
  bool drv_up;
  /* the register file */
  uint64_t offered, accepted;
  uint32_t dev_features_sel, drv_features_sel;
  uint8_t status;
  bool refuse_features_ok;
  uint32_t queue_sel;
  uint32_t size_max[QUEUES];
  struct dev_vq vq[QUEUES];
  uint32_t isr, isr_extra;
  uint32_t generation;
  unsigned generation_storm; /* ConfigGeneration reads that still move */
  uint8_t cfg[MODEL_NET_CFG_SIZE];
  /* receive buffers: how far the driver may read each (0: not used) */
  uint32_t rx_span[256];
  uint64_t rx_base, rx_area;
  uint32_t rx_buf_size; /* 0: the driver has no receive buffers (observer off) */
  int rx_last;          /* the buffer the last published used element names; -1: none */
  bool rewrote_len;     /* a used len past its chain was written since the start */
  /* transmitted frames, per seq, from the NIC's events: bit 0 made, bit 1
   * delivered or dropped (a frame may get both outcomes, see finish) */
  uint8_t tx_fate[FRAMES_MAX];
  uint8_t buf[FRAME_BYTES];
};

/* A result the stand-in does not care about (the driver's doing). */
static void shrug(model_err err) {
  (void)err;
}

static void must(model_err err, const char *what) {
  if (err != MODEL_OK)
    fuzz_fail("%s: %s", what, model_err_name(err));
}

static uint32_t cfg_read(const struct hd *d, uint64_t off, uint32_t width) {
  uint32_t v = 0;
  for (uint32_t i = 0; i < width && off + i < sizeof d->cfg; i++)
    v |= (uint32_t)d->cfg[off + i] << (8u * i);
  return v;
}

static struct dev_vq *sel_vq(struct hd *d) {
  return d->queue_sel < QUEUES ? &d->vq[d->queue_sel] : NULL;
}

static model_err hd_read(void *ctx, uint64_t offset, uint32_t width, uint32_t *value) {
  struct hd *d = ctx;
  struct dev_vq *vq = sel_vq(d);
  uint32_t v = 0;
  if (offset >= MODEL_MMIO_CONFIG) {
    *value = cfg_read(d, offset - MODEL_MMIO_CONFIG, width);
    return MODEL_OK;
  }
  switch (offset) {
  case MODEL_MMIO_MAGIC_VALUE:
    v = MODEL_MMIO_MAGIC;
    break;
  case MODEL_MMIO_VERSION_REG:
    v = MODEL_MMIO_VERSION;
    break;
  case MODEL_MMIO_DEVICE_ID:
    v = VIRTIO_ID_NET;
    break;
  case MODEL_MMIO_VENDOR_ID:
    v = 0x554d4551u;
    break;
  case MODEL_MMIO_DEVICE_FEATURES:
    v = d->dev_features_sel == 0   ? (uint32_t)d->offered
        : d->dev_features_sel == 1 ? (uint32_t)(d->offered >> 32)
                                   : 0u;
    break;
  case MODEL_MMIO_QUEUE_SIZE_MAX:
    v = vq != NULL ? d->size_max[d->queue_sel] : 0u;
    break;
  case MODEL_MMIO_QUEUE_READY:
    v = vq != NULL && dev_vq_is_ready(vq);
    break;
  case MODEL_MMIO_INTERRUPT_STATUS:
    v = d->isr | d->isr_extra;
    break;
  case MODEL_MMIO_STATUS:
    v = d->status;
    break;
  case MODEL_MMIO_CONFIG_GENERATION:
    if (d->generation_storm > 0) {
      d->generation_storm--;
      d->generation++;
    }
    v = d->generation;
    break;
  default:
    return MODEL_ERR_REG_UNDEFINED;
  }
  *value = v;
  return MODEL_OK;
}

static void hd_reset(struct hd *d) {
  d->status = 0;
  d->isr = 0;
  d->accepted = 0;
  for (unsigned q = 0; q < QUEUES; q++)
    dev_vq_reset(&d->vq[q]);
  /* the driver takes its buffers back; a new start carves new ones */
  memset(d->rx_span, 0, sizeof d->rx_span);
  d->rx_last = -1;
  d->rx_buf_size = 0;
  d->rx_area = 0;
}

static void hd_status(struct hd *d, uint32_t value) {
  if (value == 0) {
    hd_reset(d);
    return;
  }
  uint8_t old = d->status;
  d->status = (uint8_t)value;
  if ((value & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK)) {
    if (d->refuse_features_ok)
      d->status = (uint8_t)(d->status & ~VIRTIO_STATUS_FEATURES_OK);
    for (unsigned q = 0; q < QUEUES; q++)
      dev_vq_set_features(&d->vq[q], d->accepted);
  }
  if ((value & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK))
    for (unsigned q = 0; q < QUEUES; q++)
      if (dev_vq_is_ready(&d->vq[q]))
        shrug(dev_vq_driver_ok(&d->vq[q]));
}

static model_err hd_write(void *ctx, uint64_t offset, uint32_t width, uint32_t value) {
  struct hd *d = ctx;
  struct dev_vq *vq = sel_vq(d);
  (void)width;
  if (offset >= MODEL_MMIO_CONFIG)
    return MODEL_ERR_REG_DIRECTION;
  switch (offset) {
  case MODEL_MMIO_DEVICE_FEATURES_SEL:
    d->dev_features_sel = value;
    break;
  case MODEL_MMIO_DRIVER_FEATURES_SEL:
    d->drv_features_sel = value;
    break;
  case MODEL_MMIO_DRIVER_FEATURES:
    if (d->drv_features_sel == 0)
      d->accepted = (d->accepted & ~(uint64_t)0xffffffffu) | value;
    else if (d->drv_features_sel == 1)
      d->accepted = (d->accepted & 0xffffffffu) | (uint64_t)value << 32;
    break;
  case MODEL_MMIO_QUEUE_SEL:
    d->queue_sel = value;
    break;
  case MODEL_MMIO_QUEUE_SIZE:
    if (vq != NULL)
      shrug(dev_vq_set_size(vq, value));
    break;
  case MODEL_MMIO_QUEUE_READY:
    if (vq != NULL && value == 1)
      shrug(dev_vq_enable(vq, d->accepted));
    else if (vq != NULL)
      dev_vq_disable(vq);
    break;
  case MODEL_MMIO_QUEUE_DESC_LOW:
  case MODEL_MMIO_QUEUE_DESC_HIGH:
  case MODEL_MMIO_QUEUE_DRIVER_LOW:
  case MODEL_MMIO_QUEUE_DRIVER_HIGH:
  case MODEL_MMIO_QUEUE_DEVICE_LOW:
  case MODEL_MMIO_QUEUE_DEVICE_HIGH: {
    enum dev_vq_area area = offset < MODEL_MMIO_QUEUE_DRIVER_LOW   ? DEV_VQ_AREA_DESC
                            : offset < MODEL_MMIO_QUEUE_DEVICE_LOW ? DEV_VQ_AREA_DRIVER
                                                                   : DEV_VQ_AREA_DEVICE;
    if (vq != NULL)
      shrug(dev_vq_set_addr_half(vq, area, (offset & 4u) != 0, value));
    break;
  }
  case MODEL_MMIO_QUEUE_NOTIFY:
    break; /* the input decides when the device works */
  case MODEL_MMIO_INTERRUPT_ACK:
    d->isr &= ~value;
    break;
  case MODEL_MMIO_STATUS:
    hd_status(d, value);
    break;
  default:
    return MODEL_ERR_REG_UNDEFINED;
  }
  return MODEL_OK;
}

static void hd_notify(void *ctx, uint32_t value) {
  (void)ctx;
  (void)value;
}

static const struct sim_regfile_ops hd_ops = {
    .read = hd_read,
    .write = hd_write,
    .notify = hd_notify,
    .notify_offset = MODEL_MMIO_QUEUE_NOTIFY,
};

/* The transmitted frames' fates, from the NIC's events (a = the event,
 * b = the stream, c = the seq). */
static void observe_nic(struct hd *d, const struct sim_bus_event *ev) {
  unsigned what = (unsigned)(ev->addr & 0xffu);
  if (ev->len != SIM_STREAM_TX || ev->value >= FRAMES_MAX)
    return;
  if (what == SIM_NIC_EV_GENERATED)
    d->tx_fate[ev->value] |= 1u;
  else if (what == SIM_NIC_EV_DELIVERED || what == SIM_NIC_EV_DROPPED)
    d->tx_fate[ev->value] |= 2u;
}

/* Oracles on the driver's register accesses: it acknowledges only defined
 * interrupt bits (4.2.2.2#18) and reads no configuration field whose
 * feature the device did not offer (2.5.1#3; max_virtqueue_pairs needs MQ
 * or RSS, never offered here). */
static void observe_reg(struct hd *d, const struct sim_bus_event *ev) {
  if (ev->kind == SIM_EV_REG_WRITE && ev->addr == MODEL_MMIO_INTERRUPT_ACK &&
      (ev->value & ~(uint64_t)MODEL_MMIO_INT_MASK) != 0)
    fuzz_fail("the driver acknowledged interrupt bits 0x%llx", (unsigned long long)ev->value);
  if (ev->kind != SIM_EV_REG_READ || ev->addr < MODEL_MMIO_CONFIG)
    return;
  uint64_t off = ev->addr - MODEL_MMIO_CONFIG;
  unsigned need = off < MODEL_NET_CFG_OFF_STATUS         ? VIRTIO_NET_F_MAC
                  : off < MODEL_NET_CFG_OFF_MAX_VQ_PAIRS ? VIRTIO_NET_F_STATUS
                  : off < MODEL_NET_CFG_OFF_MTU          ? VIRTIO_NET_F_MQ
                  : off < MODEL_NET_CFG_OFF_SPEED        ? VIRTIO_NET_F_MTU
                                                         : VIRTIO_NET_F_SPEED_DUPLEX;
  if (!model_features_has(d->offered, need))
    fuzz_fail("the driver read config offset %llu, whose feature %u is not offered",
              (unsigned long long)off, need);
}

/* Oracle: a driver read of the receive area stays within a used span. */
static void observe(void *ctx, const struct sim_bus_event *ev) {
  struct hd *d = ctx;
  if (ev->kind == SIM_EV_NIC)
    observe_nic(d, ev);
  if (ev->actor == SIM_ACTOR_DRIVER)
    observe_reg(d, ev);
  if (ev->kind != SIM_EV_MEM_READ || ev->actor != SIM_ACTOR_DRIVER || d->rx_buf_size == 0 ||
      ev->addr < d->rx_base || ev->addr >= d->rx_base + d->rx_area)
    return;
  uint64_t i = (ev->addr - d->rx_base) / d->rx_buf_size;
  uint64_t off = (ev->addr - d->rx_base) % d->rx_buf_size;
  if (i >= 256u || off + ev->len > d->rx_span[i])
    fuzz_fail("the driver read receive buffer %llu at [%llu, %llu), the device used %u bytes",
              (unsigned long long)i, (unsigned long long)off, (unsigned long long)(off + ev->len),
              i < 256u ? (unsigned)d->rx_span[i] : 0u);
}

/* Where the driver's receive buffers are, once it started. */
static void learn_rx(struct hd *d) {
  d->rx_base = d->drv.rx_base;
  d->rx_buf_size = d->drv.rx_buf_size;
  d->rx_area = (uint64_t)d->drv.rx_count * d->drv.rx_buf_size;
  if (d->drv.rx_count > 256u)
    fuzz_fail("more than 256 receive buffers");
}

static void raise_vring(struct hd *d) {
  d->isr |= MODEL_MMIO_INT_VRING;
  sim_bus_raise_irq(&d->world.bus, d->isr);
}

static void run(struct hd *d) {
  (void)sim_world_run(&d->world, UINT64_MAX, RUN_EVENTS);
}

/* A chain popped from the receive queue: which buffer, or -1. */
static int rx_index(const struct hd *d, const struct dev_chain *c) {
  if (c->seg_count == 0 || d->rx_buf_size == 0 || c->segs[0].addr < d->rx_base ||
      c->segs[0].addr >= d->rx_base + d->rx_area)
    return -1;
  return (int)((c->segs[0].addr - d->rx_base) / d->rx_buf_size);
}

/* Rewrite the len of the last published used element (split only, and
 * not IN_ORDER: a batch's one element sits at its first slot, not at used
 * idx - 1). */
static bool used_len_rewrite(struct hd *d, unsigned q, uint32_t len) {
  struct dev_vq *vq = &d->vq[q];
  if (vq->format != DEV_VQ_FORMAT_SPLIT || vq->size == 0 ||
      model_features_has(vq->features, VIRTIO_F_IN_ORDER))
    return false;
  /* The driver may read what the element says when it reads it: a
   * rewrite after the driver took the element (a merged packet whose
   * frame it gathers later) changes nothing it may read. */
  bool taken = d->drv.vq[q].last_used_idx == vq->used_idx_flushed;
  if (q == MODEL_NET_RXQ && d->rx_last >= 0 && !taken)
    d->rx_span[d->rx_last] = len;
  d->rewrote_len = true;
  uint32_t slot = (uint16_t)(vq->used_idx_flushed - 1u) & (vq->size - 1u);
  uint64_t a = vq->device_addr + model_split_used_ring_off(slot) + MODEL_SPLIT_USED_ELEM_OFF_LEN;
  shrug(sim_bus_write_le32(&d->world.bus, SIM_ACTOR_DEVICE, a, len));
  return true;
}

/* Honest or hostile, a packet over up to `want` buffers: header (12 bytes
 * of hdr) then frame, each buffer filled in turn; lens[k] the used len of
 * buffer k (clamped to the buffer). Returns the buffers used, 0 if the
 * queue had fewer than want (then nothing is used). */
static unsigned rx_put(struct hd *d, const uint8_t *bytes, uint32_t total, unsigned want,
                       const uint32_t *lens) {
  struct dev_vq *vq = &d->vq[MODEL_NET_RXQ];
  struct dev_chain c[SEGS_MAX];
  struct dev_seg segs[SEGS_MAX];
  unsigned got = 0;
  if (!dev_vq_is_usable(vq) || !(d->status & VIRTIO_STATUS_DRIVER_OK))
    return 0;
  for (; got < want; got++) {
    if (dev_vq_pop(vq, &c[got]) != MODEL_OK)
      break;
    if (c[got].seg_count != 1 || rx_index(d, &c[got]) < 0)
      fuzz_fail("receive chain of %u segments outside the buffers", (unsigned)c[got].seg_count);
    segs[got] = c[got].segs[0]; /* the scratch is overwritten by the next pop */
    c[got].segs = &segs[got];
    d->rx_span[rx_index(d, &c[got])] = 0; /* posted again: not the driver's to read */
  }
  if (got < want) {
    dev_vq_unpop(vq, (uint16_t)got);
    return 0;
  }
  uint32_t off = 0;
  for (unsigned k = 0; k < got; k++) {
    uint32_t cap = segs[k].len;
    uint32_t n = total - off < cap ? total - off : cap;
    uint32_t len = lens != NULL ? (lens[k] < cap ? lens[k] : cap) : n;
    /* every byte the used len covers is the device's: the filler first
     * (else the driver reads what the memory held before, frames of an
     * earlier run among them, and the ledger counts them twice) */
    static const uint8_t filler[1024];
    for (uint32_t at = n; at < len; at += (uint32_t)sizeof filler) {
      uint32_t m = len - at < sizeof filler ? len - at : (uint32_t)sizeof filler;
      must(dev_vq_chain_write(vq, &c[k], at, filler, m), "rx filler");
    }
    if (n > 0)
      must(dev_vq_chain_write(vq, &c[k], 0, bytes + off, n), "rx write");
    off += n;
    must(dev_vq_push(vq, c[k].id, len), "rx push");
    d->rx_last = rx_index(d, &c[k]);
    d->rx_span[d->rx_last] = len;
  }
  bool need_irq = false;
  shrug(dev_vq_flush(vq, &need_irq));
  return got;
}

static bool driver_receiving(const struct hd *d) {
  return drv_net_is_running(&d->drv) && !drv_net_is_broken(&d->drv) &&
         d->drv.merge_remaining == 0 && !d->drv.vq_stopped[MODEL_NET_RXQ];
}

/* An honest packet: a frame from the ledger behind a correct header. */
static void op_rx_honest(struct hd *d, struct fuzz_input *in, bool must_deliver) {
  uint32_t len = SIM_FRAME_MIN_SIZE + (uint32_t)fuzz_u16(in) % (1514u - SIM_FRAME_MIN_SIZE + 1u);
  bool mrg = model_features_has(d->accepted, VIRTIO_NET_F_MRG_RXBUF);
  uint32_t total = MODEL_NET_HDR_SIZE + len;
  if (d->rx_buf_size == 0 || (!mrg && total > d->rx_buf_size))
    return;
  unsigned want = mrg ? (total + d->rx_buf_size - 1u) / d->rx_buf_size : 1u;
  if (want > SEGS_MAX)
    return;
  uint8_t mac[6];
  drv_net_mac(&d->drv, mac);
  static const uint8_t peer[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
  uint64_t seq = 0;
  memset(d->buf, 0, MODEL_NET_HDR_SIZE);
  if (sim_nic_frame_make(&d->world.nic, SIM_STREAM_RX, d->buf + MODEL_NET_HDR_SIZE, len, mac, peer,
                         &seq) != MODEL_OK)
    return;
  d->buf[MODEL_NET_HDR_OFF_NUM_BUFFERS] = mrg ? (uint8_t)want : 0u;
  /* what is pending (used buffers no interrupt announced) first, so that
   * the driver's state says how it takes this packet */
  raise_vring(d);
  run(d);
  bool receiving = driver_receiving(d);
  const struct sim_nic_stream_stats *st = &d->world.nic.stats[SIM_STREAM_RX];
  uint64_t delivered = st->delivered, corrupt = st->corrupt;
  if (rx_put(d, d->buf, total, want, NULL) == 0) {
    if (must_deliver)
      fuzz_fail("an honest packet found no receive buffer");
    sim_nic_drop(&d->world.nic, SIM_ACTOR_DEVICE, d->buf + MODEL_NET_HDR_SIZE, len,
                 SIM_DROP_NO_RX_BUFFER);
    return;
  }
  raise_vring(d);
  run(d);
  if ((receiving || must_deliver) && (st->delivered != delivered + 1u || st->corrupt != corrupt))
    fuzz_fail("an honest packet of %u bytes in %u buffers: delivered %llu -> %llu, corrupt %llu "
              "-> %llu",
              (unsigned)len, want, (unsigned long long)delivered, (unsigned long long)st->delivered,
              (unsigned long long)corrupt, (unsigned long long)st->corrupt);
}

/* A hostile packet: any header, garbage or a real frame, any used lens. */
static void op_rx_hostile(struct hd *d, struct fuzz_input *in) {
  uint8_t shape = fuzz_u8(in);
  unsigned want = 1u + (shape & 3u);
  uint32_t lens[4];
  for (unsigned i = 0; i < MODEL_NET_HDR_SIZE; i++)
    d->buf[i] = fuzz_u8(in);
  uint32_t len = SIM_FRAME_MIN_SIZE + (uint32_t)fuzz_u8(in) * 4u;
  for (uint32_t i = 0; i < len; i++)
    d->buf[MODEL_NET_HDR_SIZE + i] = (uint8_t)(i * 7u + shape);
  for (unsigned k = 0; k < want; k++) {
    uint8_t l = fuzz_u8(in);
    lens[k] = l == 0xff ? UINT32_MAX : l < 0x20u ? l : (uint32_t)l * 16u;
  }
  (void)rx_put(d, d->buf, MODEL_NET_HDR_SIZE + len, want, (shape & 4u) ? lens : NULL);
  if (shape & 8u)
    (void)used_len_rewrite(d, MODEL_NET_RXQ, (uint32_t)fuzz_u16(in));
  if (!(shape & 0x10u))
    raise_vring(d);
  run(d);
}

/* Use every transmitted chain: frames onto the wire, or dropped. */
static void op_tx_use(struct hd *d, struct fuzz_input *in) {
  uint8_t shape = fuzz_u8(in);
  struct dev_vq *vq = &d->vq[MODEL_NET_TXQ];
  if (!dev_vq_is_usable(vq) || !(d->status & VIRTIO_STATUS_DRIVER_OK))
    return;
  struct dev_chain c;
  unsigned n = 0;
  while (n < 1u + (shape & 7u) && dev_vq_pop(vq, &c) == MODEL_OK) {
    uint64_t bytes = c.readable_bytes < FRAME_BYTES ? c.readable_bytes : FRAME_BYTES;
    must(dev_vq_chain_read(vq, &c, 0, d->buf, (size_t)bytes), "tx read");
    if (bytes > MODEL_NET_HDR_SIZE)
      sim_nic_device_tx(&d->world.nic, d->buf + MODEL_NET_HDR_SIZE,
                        (size_t)bytes - MODEL_NET_HDR_SIZE);
    must(dev_vq_push(vq, c.id, 0), "tx push");
    n++;
  }
  bool need_irq = false;
  shrug(dev_vq_flush(vq, &need_irq));
  if (n > 0 && (shape & 8u))
    (void)used_len_rewrite(d, MODEL_NET_TXQ, 1u + fuzz_u8(in));
  if (!(shape & 0x10u))
    raise_vring(d);
  run(d);
}

/* A control command from the driver, used by the device with any ack. */
static void op_ctrl(struct hd *d, struct fuzz_input *in) {
  uint8_t shape = fuzz_u8(in);
  uint8_t ack = fuzz_u8(in);
  const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x01, 0x02, shape};
  model_err err = (shape & 3u) == 0   ? drv_net_ctrl_rx(&d->drv, shape >> 5, (shape & 4u) != 0)
                  : (shape & 3u) == 1 ? drv_net_ctrl_mac_addr(&d->drv, mac)
                                      : drv_net_ctrl_mac_table(&d->drv, &mac, 1, NULL, 0);
  (void)err;
  struct dev_vq *vq = &d->vq[MODEL_NET_CTRLQ];
  if (!dev_vq_is_usable(vq) || !(d->status & VIRTIO_STATUS_DRIVER_OK))
    return;
  struct dev_chain c;
  if (dev_vq_pop(vq, &c) != MODEL_OK)
    return;
  uint32_t len = (shape & 8u) && c.writable_bytes > 0 ? 1u : 0u;
  if (len > 0)
    must(dev_vq_chain_write(vq, &c, c.writable_bytes - 1u, &ack, 1), "ack write");
  must(dev_vq_push(vq, c.id, len), "ctrl push");
  bool need_irq = false;
  shrug(dev_vq_flush(vq, &need_irq));
  bool rewrite =
      (shape & 0x10u) && used_len_rewrite(d, MODEL_NET_CTRLQ, (uint32_t)c.writable_bytes + 1u);
  bool watching = drv_net_is_running(&d->drv) && !drv_net_is_broken(&d->drv);
  uint64_t ok = d->drv.stats.ctrl_ok, bad = d->drv.stats.ctrl_err;
  raise_vring(d);
  run(d);
  if (!watching || c.writable_bytes != 1u)
    return;
  if (rewrite) {
    if (!drv_net_is_broken(&d->drv))
      fuzz_fail("control used len %u past its 1 writable byte did not break the driver",
                (unsigned)c.writable_bytes + 1u);
    return;
  }
  if (drv_net_is_broken(&d->drv) && d->rewrote_len)
    return; /* an earlier hostile len, seen now that the driver processes its queues */
  if (drv_net_ctrl_busy(&d->drv) || drv_net_is_broken(&d->drv))
    fuzz_fail("control command used (len %u): still busy or broken", (unsigned)len);
  int last = drv_net_ctrl_last_ack(&d->drv);
  bool is_ok = len == 1u && ack == VIRTIO_NET_OK;
  if (last != (len == 1u ? (int)ack : -1) || d->drv.stats.ctrl_ok != ok + is_ok ||
      d->drv.stats.ctrl_err != bad + !is_ok)
    fuzz_fail("control command used with len %u ack %u: last ack %d, ok %llu -> %llu, err %llu "
              "-> %llu",
              (unsigned)len, ack, last, (unsigned long long)ok,
              (unsigned long long)d->drv.stats.ctrl_ok, (unsigned long long)bad,
              (unsigned long long)d->drv.stats.ctrl_err);
}

static void op_send(struct hd *d, struct fuzz_input *in) {
  uint8_t b = fuzz_u8(in);
  uint32_t count = 1u + (b & 7u);
  static const uint8_t peer[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
  bool broken = drv_net_is_broken(&d->drv);
  const struct sim_nic_stream_stats *st = &d->world.nic.stats[SIM_STREAM_TX];
  uint64_t dropped = st->dropped[SIM_DROP_BROKEN];
  uint32_t hi = d->drv.tx_frame_max > SIM_FRAME_MIN_SIZE ? d->drv.tx_frame_max : 1514u;
  model_err err = drv_net_send(&d->drv, count, SIM_FRAME_MIN_SIZE,
                               SIM_FRAME_MIN_SIZE + (uint32_t)(b >> 3) % (hi - 59u), peer);
  if (broken && d->drv.state == DRV_NET_RUNNING &&
      (err != MODEL_ERR_RING_BROKEN || st->dropped[SIM_DROP_BROKEN] != dropped + count))
    fuzz_fail("send of %u on a broken driver: %s, dropped.broken %llu -> %llu", (unsigned)count,
              model_err_name(err), (unsigned long long)dropped,
              (unsigned long long)st->dropped[SIM_DROP_BROKEN]);
}

static void op_config(struct hd *d, struct fuzz_input *in) {
  uint8_t what = fuzz_u8(in);
  d->cfg[what % MODEL_NET_CFG_SIZE] = fuzz_u8(in);
  if (what & 0x80u)
    d->generation++;
  if (what & 0x40u)
    d->generation_storm = what & 7u;
  d->isr |= MODEL_MMIO_INT_CONFIG;
  sim_bus_raise_irq(&d->world.bus, d->isr);
  run(d);
}

static void op_needs_reset(struct hd *d) {
  bool running = drv_net_is_running(&d->drv);
  d->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
  d->isr |= MODEL_MMIO_INT_CONFIG;
  sim_bus_raise_irq(&d->world.bus, d->isr);
  run(d);
  if (running && !drv_net_is_broken(&d->drv) && d->drv.stats.poll_errors == 0)
    fuzz_fail("DEVICE_NEEDS_RESET with a configuration interrupt left the driver working");
}

/* Start the driver; a running one never took an mtu below 68 (a device
 * must not offer one, 5.1.4.1#2; the driver refuses it, CONFIG_VALUE). */
static model_err start(struct hd *d) {
  d->rewrote_len = false;
  model_err err = drv_net_start(&d->drv);
  if (!drv_net_is_running(&d->drv))
    return err;
  learn_rx(d);
  if (model_features_has(drv_net_features(&d->drv), VIRTIO_NET_F_MTU) &&
      d->drv.mtu < MODEL_NET_MTU_MIN)
    fuzz_fail("the driver runs with mtu %u", (unsigned)d->drv.mtu);
  return err;
}

/* The device as a conformant one would be, for the end of the run. */
static void heal(struct hd *d) {
  static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
  memset(d->cfg, 0, sizeof d->cfg);
  memcpy(d->cfg + MODEL_NET_CFG_OFF_MAC, mac, sizeof mac);
  d->cfg[MODEL_NET_CFG_OFF_STATUS] = VIRTIO_NET_S_LINK_UP;
  d->cfg[MODEL_NET_CFG_OFF_MTU] = 1500u & 0xffu;
  d->cfg[MODEL_NET_CFG_OFF_MTU + 1u] = 1500u >> 8;
  d->offered &= ~model_feature_mask(VIRTIO_F_IN_ORDER);
  d->offered |= model_feature_mask(VIRTIO_F_VERSION_1);
  d->refuse_features_ok = false;
  d->isr_extra = 0;
  d->generation_storm = 0;
  for (unsigned q = 0; q < QUEUES; q++)
    if (d->size_max[q] == 0)
      d->size_max[q] = 16;
}

static void finish(struct hd *d) {
  heal(d);
  if (drv_net_reset(&d->drv) != MODEL_OK)
    fuzz_fail("drv_net_reset refused with an honest device");
  run(d);
  const struct sim_nic_stream_stats *st = &d->world.nic.stats[SIM_STREAM_TX];
  /* Per frame, not by the sums: a frame the device put on the wire while
   * the driver was broken is dropped again by the reset (2.1.1#4: the
   * driver relies on nothing in flight), so it has both outcomes. */
  for (uint32_t seq = 0; seq < FRAMES_MAX; seq++)
    if (d->tx_fate[seq] == 1u)
      fuzz_fail("after a reset, transmitted frame seq %u was neither delivered nor dropped",
                (unsigned)seq);
  model_err err = start(d);
  if (err != MODEL_OK)
    fuzz_fail("drv_net_start after a reset, with an honest device: %s", model_err_name(err));
  static const uint8_t one[2] = {60, 0};
  struct fuzz_input in = {.data = one, .size = sizeof one, .pos = 0};
  op_rx_honest(d, &in, true);
  uint64_t sent = st->on_wire + st->delivered, corrupt = st->corrupt;
  static const uint8_t send1[1] = {0};
  in = (struct fuzz_input){.data = send1, .size = 1, .pos = 0};
  op_send(d, &in);
  in = (struct fuzz_input){.data = send1, .size = 1, .pos = 0};
  op_tx_use(d, &in);
  if (st->on_wire + st->delivered != sent + 1u || st->corrupt != corrupt)
    fuzz_fail("after a reset, a frame sent did not reach the wire intact");
}

/* The features the device may offer (toggled from VERSION_1 and the
 * driver's whole set). */
static const unsigned g_bits[16] = {
    VIRTIO_F_RING_PACKED,       VIRTIO_F_EVENT_IDX,
    VIRTIO_F_INDIRECT_DESC,     VIRTIO_NET_F_MRG_RXBUF,
    VIRTIO_NET_F_MAC,           VIRTIO_NET_F_STATUS,
    VIRTIO_NET_F_MTU,           VIRTIO_NET_F_CTRL_VQ,
    VIRTIO_NET_F_CTRL_RX,       VIRTIO_NET_F_CTRL_MAC_ADDR,
    VIRTIO_NET_F_CTRL_RX_EXTRA, VIRTIO_NET_F_GUEST_CSUM,
    VIRTIO_F_IN_ORDER,          VIRTIO_NET_F_CSUM,
    VIRTIO_F_VERSION_1,         VIRTIO_NET_F_GUEST_ANNOUNCE,
};

static void setup_device(struct hd *d, struct fuzz_input *in) {
  static const uint32_t sizes[8] = {16, 1, 2, 4, 8, 32, 16, 16};
  static const uint16_t mtus[8] = {1500, 68, 67, 0, 1280, 9000, 65535, 1514};
  uint16_t toggles = fuzz_u16(in);
  d->offered = model_feature_mask(VIRTIO_F_VERSION_1) | model_feature_mask(VIRTIO_F_EVENT_IDX) |
               model_feature_mask(VIRTIO_NET_F_MRG_RXBUF) | model_feature_mask(VIRTIO_NET_F_MAC) |
               model_feature_mask(VIRTIO_NET_F_STATUS) | model_feature_mask(VIRTIO_NET_F_CTRL_VQ) |
               model_feature_mask(VIRTIO_NET_F_CTRL_RX) | model_feature_mask(VIRTIO_NET_F_MTU);
  for (unsigned i = 0; i < 16u; i++)
    if (toggles & (1u << i))
      d->offered ^= model_feature_mask(g_bits[i]);
  uint8_t q = fuzz_u8(in);
  uint8_t flags = fuzz_u8(in);
  d->size_max[MODEL_NET_RXQ] = sizes[q & 7u];
  d->size_max[MODEL_NET_TXQ] = sizes[(q >> 3) & 7u];
  d->size_max[MODEL_NET_CTRLQ] = (q & 0x40u) ? 0u : sizes[flags & 7u];
  d->refuse_features_ok = (flags & 0x08u) != 0;
  d->generation_storm = (flags & 0x10u) ? 3u : 0u;
  d->isr_extra = (flags & 0x20u) ? 4u : 0u;
  for (unsigned i = 0; i < 6u; i++)
    d->cfg[MODEL_NET_CFG_OFF_MAC + i] = fuzz_u8(in);
  uint16_t status = fuzz_u16(in);
  d->cfg[MODEL_NET_CFG_OFF_STATUS] = (uint8_t)status;
  d->cfg[MODEL_NET_CFG_OFF_STATUS + 1u] = (uint8_t)(status >> 8);
  uint16_t pairs = fuzz_u16(in);
  d->cfg[MODEL_NET_CFG_OFF_MAX_VQ_PAIRS] = (uint8_t)pairs;
  d->cfg[MODEL_NET_CFG_OFF_MAX_VQ_PAIRS + 1u] = (uint8_t)(pairs >> 8);
  uint16_t mtu = mtus[(flags >> 5) & 7u];
  d->cfg[MODEL_NET_CFG_OFF_MTU] = (uint8_t)mtu;
  d->cfg[MODEL_NET_CFG_OFF_MTU + 1u] = (uint8_t)(mtu >> 8);
}

static void driver_config(struct drv_net_config *cfg, uint8_t b) {
  drv_net_config_default(cfg);
  cfg->guest_mem_base = RAM_BASE;
  cfg->guest_mem_size = RAM_SIZE;
  cfg->tx_segments = (b & 1u) ? 1u : 2u;
  cfg->tx_indirect = (b & 2u) != 0;
  cfg->tx_interrupts = (b & 4u) == 0;
  cfg->rx_buf_count = (b >> 3) & 7u;
  cfg->tx_backlog_max = 64;
  if (b & 0x40u)
    cfg->features_wanted |= model_feature_mask(VIRTIO_NET_F_CSUM);
}

static void ops(struct hd *d, struct fuzz_input *in) {
  for (unsigned n = 0; n < OPS_MAX && in->pos < in->size; n++) {
    uint8_t op = fuzz_u8(in);
    switch (op % 11u) {
    case 0:
    case 1:
      op_send(d, in);
      break;
    case 2:
      op_tx_use(d, in);
      break;
    case 3:
      op_rx_honest(d, in, false);
      break;
    case 4:
    case 5:
      op_rx_hostile(d, in);
      break;
    case 6:
      op_ctrl(d, in);
      break;
    case 7:
      op_config(d, in);
      break;
    case 8:
      if (op & 0x80u) {
        op_needs_reset(d);
      } else {
        d->isr |= fuzz_u8(in) & 7u; /* any bits, undefined ones too */
        sim_bus_raise_irq(&d->world.bus, d->isr);
        run(d);
      }
      break;
    case 9:
      run(d);
      break;
    default:
      if (drv_net_reset(&d->drv) == MODEL_OK)
        (void)start(d);
      break;
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct hd d;
  memset(&d, 0, offsetof(struct hd, buf));
  d.rx_last = -1;
  struct fuzz_input in = {.data = data, .size = size < INPUT_MAX ? size : INPUT_MAX, .pos = 0};
  struct sim_world_config wcfg;
  sim_world_config_default(&wcfg);
  wcfg.mem_base = RAM_BASE;
  wcfg.mem_size = RAM_SIZE;
  wcfg.sched_capacity = 256;
  wcfg.nic.frames_max = 1024;
  must(sim_world_init(&d.world, &wcfg), "sim_world_init");
  setup_device(&d, &in);
  for (unsigned q = 0; q < QUEUES; q++)
    must(dev_vq_init(&d.vq[q], &d.world.bus, (uint16_t)q, 32), "dev_vq_init");
  sim_bus_attach_device(&d.world.bus, &hd_ops, &d);
  must(sim_bus_add_observer(&d.world.bus, observe, &d), "observer");
  struct drv_net_config ncfg;
  driver_config(&ncfg, fuzz_u8(&in));
  must(drv_net_init(&d.drv, &d.world.bus, &d.world.nic, &ncfg), "drv_net_init");
  d.drv_up = true;
  (void)start(&d);
  run(&d);
  ops(&d, &in);
  finish(&d);
  drv_net_fini(&d.drv);
  for (unsigned q = 0; q < QUEUES; q++)
    dev_vq_fini(&d.vq[q]);
  sim_world_fini(&d.world);
  return 0;
}
