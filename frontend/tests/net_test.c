/*
 * frontend/tests/net_test.c: the virtio-net driver in a whole world
 * (sim/world.h, allowed in tests), against a small virtio-net device written
 * here on top of the fake register file: it transmits what the driver
 * queues onto the NIC's wire, writes arriving frames into receive buffers
 * (merging with MRG_RXBUF), answers control commands, honours notification
 * suppression, and can be told to pause, lie or ask for a reset. Its
 * register file can fail or doctor one register access (struct
 * reg_fault); guest-memory faults come from the world's fault plan.
 *
 * Covered: the 3.1.1 sequence end to end, its failure paths (each step,
 * each config field, guest memory running out), the stepwise start, frames
 * both ways with every frame accounted by the NIC's ledger, the tx backlog,
 * indirect tx, lazy tx reclaim and its edges, merged rx buffers and
 * malformed ones, reset with frames queued or a packet half merged, hostile
 * used ids and lens, transient bus errors and their retries, control
 * commands and their refusals, configuration change interrupts, spurious
 * interrupts, mtu limits, the misbehaviours that need a precondition.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_device.h"
#include "frontend/misbehave.h"
#include "frontend/net.h"
#include "model/mmio.h"
#include "model/net.h"
#include "model/split.h"
#include "model/virtio.h"
#include "sim/world.h"

#define M(bit)   model_feature_mask(bit)
#define SEGS_MAX 64u

static const uint8_t dev_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t peer_mac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};

/* ---- the test device ---------------------------------------------------- */

/* A register access the test device fails (MODEL_ERR_MEM_FAULT, a
 * transient bus error) or, for a read with or_bits, shows with extra bits:
 * the first `skip` matching accesses pass, the next `count` are hit. */
struct reg_fault {
  bool write;
  uint32_t offset;
  unsigned skip;
  unsigned count;
  uint32_t or_bits;
  unsigned hits;
};

struct tdev {
  struct fake_dev dev;
  struct sim_world *w;
  bool tx_paused;
  bool lie_used_id; /* report tx completions with an id past the queue */
  /* take any tx header and device-writable elements (misbehaving drivers):
   * the readable bytes go to the wire, the header is kept in tx_hdr */
  bool tx_lenient;
  uint8_t tx_hdr[MODEL_NET_HDR_SIZE];
  struct seg_info {
    unsigned count;
    bool first_writable;
  } tx_chain; /* the last tx chain */
  struct reg_fault rf;
  uint32_t ctrl_used_len;  /* what a control command is used with (1: the ack) */
  uint16_t rx_num_buffers; /* nonzero: the num_buffers written, whatever was used */
  /* a busy device: this many more receive queue notifications each return
   * one buffer used at once (with no packet in it), before the driver's
   * next look at the used ring */
  unsigned rx_busy;
  uint8_t ctrl_ack;
  uint8_t ctrl_last[2];
  uint8_t ctrl_data[64];
  uint32_t ctrl_data_len;
  uint64_t rx_too_big;
  uint8_t frame[SIM_FRAME_MAX_SIZE + 64u];
};

struct seg {
  uint64_t addr;
  uint32_t len;
  bool writable;
};

static bool dev_running(const struct tdev *t, unsigned qi) {
  return (t->dev.status & VIRTIO_STATUS_DRIVER_OK) != 0 && t->dev.q[qi].ready != 0;
}

/* The chain at head, direct or through one indirect table; bounded. */
static unsigned chain_walk(struct tdev *t, unsigned qi, uint16_t head, struct seg *segs) {
  struct fake_queue *q = &t->dev.q[qi];
  struct fake_desc d = fake_desc_read(&t->dev, q->desc, head);
  uint64_t table = q->desc;
  uint32_t limit = q->size;
  if ((d.flags & VIRTQ_DESC_F_INDIRECT) != 0) {
    table = d.addr;
    limit = d.len / 16u;
    d = fake_desc_read(&t->dev, table, 0);
  }
  unsigned n = 0;
  for (;;) {
    assert_true(n < limit && n < SEGS_MAX);
    segs[n++] =
        (struct seg){.addr = d.addr, .len = d.len, .writable = (d.flags & VIRTQ_DESC_F_WRITE) != 0};
    if ((d.flags & VIRTQ_DESC_F_NEXT) == 0)
      return n;
    d = fake_desc_read(&t->dev, table, d.next);
  }
}

/* Used buffer notification unless the driver suppressed it (2.7.7.2). */
static void dev_interrupt(struct tdev *t, unsigned qi, uint16_t old_used) {
  struct fake_queue *q = &t->dev.q[qi];
  struct sim_bus *bus = &t->w->bus;
  bool want = true;
  uint16_t v = 0;
  if ((t->dev.driver_features & M(VIRTIO_F_EVENT_IDX)) != 0) {
    assert_int_equal(sim_bus_read_le16(bus, SIM_ACTOR_DEVICE,
                                       q->driver + model_split_used_event_off(q->size), &v),
                     MODEL_OK);
    want = model_vring_need_event(v, q->used_idx, old_used);
  } else {
    assert_int_equal(sim_bus_read_le16(bus, SIM_ACTOR_DEVICE, q->driver, &v), MODEL_OK);
    want = (v & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
  }
  if (!want)
    return;
  t->dev.isr |= MODEL_MMIO_INT_VRING;
  sim_bus_raise_irq(bus, t->dev.isr);
}

/* With EVENT_IDX, ask for a notification at the next entry (2.7.10). */
static void dev_avail_event(struct tdev *t, unsigned qi) {
  struct fake_queue *q = &t->dev.q[qi];
  if ((t->dev.driver_features & M(VIRTIO_F_EVENT_IDX)) == 0)
    return;
  assert_int_equal(sim_bus_write_le16(&t->w->bus, SIM_ACTOR_DEVICE,
                                      q->device + model_split_avail_event_off(q->size),
                                      q->last_avail_idx),
                   MODEL_OK);
}

static void dev_tx(struct tdev *t) {
  struct fake_queue *q = &t->dev.q[MODEL_NET_TXQ];
  uint16_t old_used = q->used_idx;
  uint16_t head = 0;
  while (!t->tx_paused && fake_avail_pop(&t->dev, MODEL_NET_TXQ, &head)) {
    struct seg segs[SEGS_MAX];
    unsigned n = chain_walk(t, MODEL_NET_TXQ, head, segs);
    size_t len = 0;
    t->tx_chain = (struct seg_info){.count = n, .first_writable = segs[0].writable};
    for (unsigned i = 0; i < n; i++) {
      if (t->tx_lenient && segs[i].writable)
        continue;
      assert_false(segs[i].writable);
      assert_int_equal(sim_bus_read_bytes(&t->w->bus, SIM_ACTOR_DEVICE, segs[i].addr,
                                          t->frame + len, segs[i].len),
                       MODEL_OK);
      len += segs[i].len;
    }
    assert_true(len >= MODEL_NET_HDR_SIZE);
    memcpy(t->tx_hdr, t->frame, MODEL_NET_HDR_SIZE);
    for (unsigned i = 0; i < MODEL_NET_HDR_SIZE && !t->tx_lenient; i++)
      assert_int_equal(t->frame[i], 0); /* 5.1.9.2.1: flags 0, num_buffers 0 */
    sim_nic_device_tx(&t->w->nic, t->frame + MODEL_NET_HDR_SIZE, len - MODEL_NET_HDR_SIZE);
    fake_used_push(&t->dev, MODEL_NET_TXQ, t->lie_used_id ? 4096u : head, 0);
  }
  dev_avail_event(t, MODEL_NET_TXQ);
  if (q->used_idx != old_used)
    dev_interrupt(t, MODEL_NET_TXQ, old_used);
}

static void dev_ctrl(struct tdev *t) {
  uint16_t old_used = t->dev.q[MODEL_NET_CTRLQ].used_idx;
  uint16_t head = 0;
  while (fake_avail_pop(&t->dev, MODEL_NET_CTRLQ, &head)) {
    struct seg segs[SEGS_MAX];
    unsigned n = chain_walk(t, MODEL_NET_CTRLQ, head, segs);
    assert_true(n >= 2 && segs[0].len == 2 && segs[n - 1].writable && segs[n - 1].len == 1);
    struct sim_bus *bus = &t->w->bus;
    assert_int_equal(sim_bus_read_bytes(bus, SIM_ACTOR_DEVICE, segs[0].addr, t->ctrl_last, 2),
                     MODEL_OK);
    t->ctrl_data_len = n == 3 ? segs[1].len : 0;
    if (t->ctrl_data_len > 0 && t->ctrl_data_len <= sizeof(t->ctrl_data))
      assert_int_equal(
          sim_bus_read_bytes(bus, SIM_ACTOR_DEVICE, segs[1].addr, t->ctrl_data, t->ctrl_data_len),
          MODEL_OK);
    assert_int_equal(sim_bus_write_u8(bus, SIM_ACTOR_DEVICE, segs[n - 1].addr, t->ctrl_ack),
                     MODEL_OK);
    fake_used_push(&t->dev, MODEL_NET_CTRLQ, head, t->ctrl_used_len);
  }
  dev_avail_event(t, MODEL_NET_CTRLQ);
  dev_interrupt(t, MODEL_NET_CTRLQ, old_used);
}

static void dev_notify(void *ctx, uint32_t value) {
  struct tdev *t = ctx;
  if (value >= 3 || !dev_running(t, value))
    return;
  if (value == MODEL_NET_TXQ)
    dev_tx(t);
  else if (value == MODEL_NET_CTRLQ)
    dev_ctrl(t);
}

/* A frame from the wire: into one buffer, or several with MRG_RXBUF. */
static void dev_rx(void *ctx, const uint8_t *frame, size_t len) {
  struct tdev *t = ctx;
  struct sim_nic *nic = &t->w->nic;
  if (!dev_running(t, MODEL_NET_RXQ)) {
    sim_nic_drop(nic, SIM_ACTOR_DEVICE, frame, len, SIM_DROP_LINK_DOWN);
    return;
  }
  bool mrg = (t->dev.driver_features & M(VIRTIO_NET_F_MRG_RXBUF)) != 0;
  struct fake_queue *q = &t->dev.q[MODEL_NET_RXQ];
  uint16_t old_used = q->used_idx;
  uint16_t saved_avail = q->last_avail_idx;
  uint16_t heads[64];
  uint32_t lens[64];
  uint64_t first_addr = 0;
  size_t from = 0; /* frame bytes placed so far */
  unsigned used = 0;
  while (used == 0 || from < len) {
    uint16_t head = 0;
    if (used == 64 || (used > 0 && !mrg) || !fake_avail_pop(&t->dev, MODEL_NET_RXQ, &head)) {
      q->last_avail_idx = saved_avail; /* give the buffers back */
      t->rx_too_big += used > 0;
      sim_nic_drop(nic, SIM_ACTOR_DEVICE, frame, len,
                   used > 0 ? SIM_DROP_TOO_BIG : SIM_DROP_NO_RX_BUFFER);
      return;
    }
    struct seg s[SEGS_MAX];
    assert_int_equal(chain_walk(t, MODEL_NET_RXQ, head, s), 1);
    size_t off = 0;
    if (used == 0) {
      static const uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
      assert_true(s[0].len >= MODEL_NET_HDR_SIZE);
      first_addr = s[0].addr;
      assert_int_equal(
          sim_bus_write_bytes(&t->w->bus, SIM_ACTOR_DEVICE, s[0].addr, hdr, sizeof(hdr)), MODEL_OK);
      off = MODEL_NET_HDR_SIZE;
    }
    size_t n = len - from;
    if (n > s[0].len - off)
      n = s[0].len - off;
    assert_int_equal(
        sim_bus_write_bytes(&t->w->bus, SIM_ACTOR_DEVICE, s[0].addr + off, frame + from, n),
        MODEL_OK);
    heads[used] = head;
    lens[used] = (uint32_t)(off + n);
    used++;
    from += n;
  }
  uint16_t shown = t->rx_num_buffers != 0 ? t->rx_num_buffers : (uint16_t)used;
  assert_int_equal(sim_bus_write_le16(&t->w->bus, SIM_ACTOR_DEVICE,
                                      first_addr + MODEL_NET_HDR_OFF_NUM_BUFFERS, shown),
                   MODEL_OK);
  for (unsigned i = 0; i < used; i++)
    fake_used_push(&t->dev, MODEL_NET_RXQ, heads[i], lens[i]);
  dev_interrupt(t, MODEL_NET_RXQ, old_used);
}

static void dev_config_change(struct tdev *t) {
  t->dev.generation++;
  t->dev.isr |= MODEL_MMIO_INT_CONFIG;
  sim_bus_raise_irq(&t->w->bus, t->dev.isr);
}

/* Acting as a hostile device by hand: take the next receive buffer... */
static uint16_t dev_rx_take(struct tdev *t, uint64_t *addr) {
  uint16_t head = 0;
  assert_true(fake_avail_pop(&t->dev, MODEL_NET_RXQ, &head));
  struct seg s[SEGS_MAX];
  assert_int_equal(chain_walk(t, MODEL_NET_RXQ, head, s), 1);
  *addr = s[0].addr;
  return head;
}

/* ... and return it used with len, interrupting. */
static void dev_rx_used(struct tdev *t, uint16_t head, uint32_t len) {
  uint16_t old_used = t->dev.q[MODEL_NET_RXQ].used_idx;
  fake_used_push(&t->dev, MODEL_NET_RXQ, head, len);
  dev_interrupt(t, MODEL_NET_RXQ, old_used);
}

/* The register file the driver sees: the fake one, with t->rf applied. */
static bool reg_fault_hit(struct tdev *t, bool write, uint64_t offset) {
  struct reg_fault *rf = &t->rf;
  if (rf->count == 0 || rf->write != write || rf->offset != offset)
    return false;
  if (rf->skip > 0) {
    rf->skip--;
    return false;
  }
  rf->count--;
  rf->hits++;
  return true;
}

static model_err tdev_reg_read(void *ctx, uint64_t offset, uint32_t width, uint32_t *value) {
  struct tdev *t = ctx;
  bool hit = reg_fault_hit(t, false, offset);
  if (hit && t->rf.or_bits == 0)
    return MODEL_ERR_MEM_FAULT;
  model_err err = fake_dev_ops.read(&t->dev, offset, width, value);
  if (hit && err == MODEL_OK)
    *value |= t->rf.or_bits;
  return err;
}

static model_err tdev_reg_write(void *ctx, uint64_t offset, uint32_t width, uint32_t value) {
  struct tdev *t = ctx;
  if (reg_fault_hit(t, true, offset))
    return MODEL_ERR_MEM_FAULT;
  model_err err = fake_dev_ops.write(&t->dev, offset, width, value);
  uint16_t head = 0;
  if (offset == MODEL_MMIO_QUEUE_NOTIFY && value == MODEL_NET_RXQ && t->rx_busy > 0 &&
      fake_avail_pop(&t->dev, MODEL_NET_RXQ, &head)) {
    t->rx_busy--;
    fake_used_push(&t->dev, MODEL_NET_RXQ, head, 0);
  }
  return err;
}

static void tdev_notify(void *ctx, uint32_t value) {
  struct tdev *t = ctx;
  fake_dev_ops.notify(&t->dev, value);
}

static const struct sim_regfile_ops tdev_ops = {
    .read = tdev_reg_read,
    .write = tdev_reg_write,
    .notify = tdev_notify,
    .notify_offset = MODEL_MMIO_QUEUE_NOTIFY,
};

static void reg_fault_set(struct tdev *t, bool write, uint32_t offset, unsigned skip,
                          unsigned count) {
  t->rf = (struct reg_fault){.write = write, .offset = offset, .skip = skip, .count = count};
}

/* ---- fixture ------------------------------------------------------------ */

struct fixture {
  struct sim_world w;
  struct tdev t;
  struct drv_net net;
  struct drv_net_config cfg;
};

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  struct sim_world_config wc;
  sim_world_config_default(&wc);
  assert_int_equal(sim_world_init(&f->w, &wc), MODEL_OK);
  fake_dev_init(&f->t.dev, &f->w.bus);
  f->t.w = &f->w;
  f->t.dev.on_notify = dev_notify;
  f->t.dev.hook_ctx = &f->t;
  f->t.dev.features_offered = M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_MAC) | M(VIRTIO_NET_F_STATUS);
  memcpy(f->t.dev.config + MODEL_NET_CFG_OFF_MAC, dev_mac, 6);
  f->t.dev.config[MODEL_NET_CFG_OFF_STATUS] = VIRTIO_NET_S_LINK_UP;
  sim_bus_attach_device(&f->w.bus, &tdev_ops, &f->t);
  f->t.ctrl_used_len = 1;
  sim_nic_attach_device(&f->w.nic, dev_rx, &f->t);
  drv_net_config_default(&f->cfg);
  *state = f;
  return 0;
}

/* A fresh world (for a NIC configured otherwise), the test device on it. */
static void world_redo(struct fixture *f, uint64_t frames_max) {
  sim_world_fini(&f->w);
  struct sim_world_config wc;
  sim_world_config_default(&wc);
  wc.nic.frames_max = frames_max;
  assert_int_equal(sim_world_init(&f->w, &wc), MODEL_OK);
  sim_bus_attach_device(&f->w.bus, &tdev_ops, &f->t);
  sim_nic_attach_device(&f->w.nic, dev_rx, &f->t);
}

static int teardown(void **state) {
  struct fixture *f = *state;
  drv_net_fini(&f->net);
  sim_world_fini(&f->w);
  free(f);
  return 0;
}

static void net_up(struct fixture *f) {
  assert_int_equal(drv_net_init(&f->net, &f->w.bus, &f->w.nic, &f->cfg), MODEL_OK);
  assert_int_equal(drv_net_start(&f->net), MODEL_OK);
  assert_true(drv_net_is_running(&f->net));
}

static void run(struct fixture *f) {
  (void)sim_world_run(&f->w, UINT64_MAX, 10000000u);
  assert_true(sim_world_idle(&f->w));
}

static void expect_accounted(struct fixture *f) {
  char why[256] = {0};
  bool ok = sim_nic_check_accounted(&f->w.nic, why, sizeof(why));
  if (!ok)
    fail_msg("unaccounted: %s", why);
}

/* The driver's guest-memory accesses (access: SIM_FAULT_ACCESS_*) to
 * [lo, hi) fail, after `skip` pass, `count` times. */
static void mem_fault(struct fixture *f, unsigned access, uint64_t lo, uint64_t hi, uint64_t skip,
                      uint64_t count) {
  struct sim_fault_rule r = {
      .kind = SIM_FAULT_MEM_FAIL,
      .actor = SIM_ACTOR_DRIVER,
      .access = access,
      .addr_lo = lo,
      .addr_hi = hi,
      .skip_count = skip,
      .fire_count = count,
      .prob_ppm = SIM_PPM_ONE,
  };
  assert_int_equal(sim_world_add_fault(&f->w, &r), MODEL_OK);
}

static bool status_has(const struct fixture *f, uint8_t bit) {
  return (f->t.dev.status & bit) != 0;
}

/* Config space reads the driver made at field offset off. */
static size_t config_reads(const struct fixture *f, uint32_t off) {
  return fake_log_count_offset(&f->t.dev, false, MODEL_MMIO_CONFIG + off);
}

/* ---- tests -------------------------------------------------------------- */

static void test_3_1_1_1_net_start_runs_the_sequence(void **state) {
  struct fixture *f = *state;
  net_up(f);
  assert_int_equal(f->t.dev.status, 0x0f);
  uint8_t mac[6];
  drv_net_mac(&f->net, mac);
  assert_memory_equal(mac, dev_mac, 6); /* 5.1.4.2#3 */
  assert_true(drv_net_link_up(&f->net));
  assert_int_equal(drv_net_features(&f->net), f->t.dev.features_offered);
  /* every rx buffer posted, and the first notification after DRIVER_OK */
  assert_int_equal(f->net.vq[MODEL_NET_RXQ].avail_idx_shadow, 256);
  size_t ok = SIZE_MAX;
  for (size_t i = 0; i < f->t.dev.log_count; i++) {
    if (f->t.dev.log[i].write && f->t.dev.log[i].offset == MODEL_MMIO_STATUS &&
        f->t.dev.log[i].value == 0x0f)
      ok = i;
  }
  size_t notify = fake_log_find(&f->t.dev, 0, true, MODEL_MMIO_QUEUE_NOTIFY);
  assert_true(ok != SIZE_MAX && notify != SIZE_MAX && ok < notify); /* 3.1.1#6 */
  /* 5.1.9.3.1: 1526-byte buffers without MRG_RXBUF */
  assert_int_equal(f->net.rx_buf_size, MODEL_NET_RX_BUF_MIN);
  run(f);
}

static void test_3_1_1_4_net_start_features_rejected(void **state) {
  struct fixture *f = *state;
  f->t.dev.refuse_features_ok = true;
  assert_int_equal(drv_net_init(&f->net, &f->w.bus, &f->w.nic, &f->cfg), MODEL_OK);
  assert_int_equal(drv_net_start(&f->net), MODEL_ERR_FEATURE_REJECTED);
  assert_true((f->t.dev.status & VIRTIO_STATUS_FAILED) != 0);
  assert_true(drv_net_is_broken(&f->net));
  assert_int_equal(fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_QUEUE_READY), 0);
  /* a frame sent now is made and dropped, so still accounted */
  assert_int_equal(drv_net_send(&f->net, 2, 60, 60, peer_mac), MODEL_ERR_RING_BROKEN);
  assert_int_equal(drv_net_stats(&f->net)->tx_dropped_broken, 2);
  /* twin: reset, and a device that keeps FEATURES_OK */
  f->t.dev.refuse_features_ok = false;
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_int_equal(drv_net_start(&f->net), MODEL_OK);
  run(f);
  expect_accounted(f);
}

static void test_4_2_3_1_1_net_ignores_device_id_zero(void **state) {
  struct fixture *f = *state;
  f->t.dev.device_id = 0;
  assert_int_equal(drv_net_init(&f->net, &f->w.bus, &f->w.nic, &f->cfg), MODEL_OK);
  assert_int_equal(drv_net_start(&f->net), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(f->t.dev.log_count, 3);
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_int_equal(f->t.dev.log_count, 3);
}

static void test_net_frames_reach_the_peer(void **state) {
  struct fixture *f = *state;
  net_up(f);
  assert_int_equal(drv_net_send(&f->net, 100, 60, 1514, peer_mac), MODEL_OK);
  run(f);
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  assert_int_equal(s->tx_accepted, 100);
  assert_int_equal(s->tx_completed, 100);
  assert_int_equal(f->w.nic.stats[SIM_STREAM_TX].delivered, 100);
  expect_accounted(f);
  /* twin: a frame above 1514 bytes is refused (5.1.4.2#9 without MTU) */
  assert_int_equal(drv_net_send(&f->net, 1, 60, 1515, peer_mac), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_net_send(&f->net, 1, 59, 60, peer_mac), MODEL_ERR_INVALID_ARG);
}

static void test_net_tx_backlog_drains(void **state) {
  struct fixture *f = *state;
  f->cfg.queue_size[MODEL_NET_TXQ] = 4; /* two frames of two descriptors */
  net_up(f);
  assert_int_equal(drv_net_send(&f->net, 50, 60, 200, peer_mac), MODEL_OK);
  assert_int_equal(drv_net_tx_backlog(&f->net), 48);
  run(f);
  assert_int_equal(drv_net_tx_backlog(&f->net), 0);
  assert_int_equal(drv_net_stats(&f->net)->tx_completed, 50);
  expect_accounted(f);
}

static void test_net_tx_backlog_is_bounded(void **state) {
  struct fixture *f = *state;
  f->cfg.queue_size[MODEL_NET_TXQ] = 4;
  f->cfg.tx_backlog_max = 8;
  net_up(f);
  f->t.tx_paused = true;
  /* 2 on the ring, 8 in the backlog: the 11th is not made */
  assert_int_equal(drv_net_send(&f->net, 10, 60, 60, peer_mac), MODEL_OK);
  assert_int_equal(drv_net_send(&f->net, 1, 60, 60, peer_mac), MODEL_ERR_CAPACITY);
  assert_int_equal(drv_net_stats(&f->net)->tx_accepted, 10);
  f->t.tx_paused = false;
  assert_int_equal(drv_vq_notify(&f->net.vq[MODEL_NET_TXQ]), MODEL_OK);
  run(f);
  assert_int_equal(drv_net_stats(&f->net)->tx_completed, 10);
  expect_accounted(f);
}

/* The backlog ring grows from DRV_NET_BACKLOG_SLOTS_INITIAL entries up to
 * tx_backlog_max; growing a ring that has wrapped keeps its frames in order,
 * each sent once. */
static void test_net_tx_backlog_grows_in_order(void **state) {
  struct fixture *f = *state;
  f->cfg.queue_size[MODEL_NET_TXQ] = 4; /* two frames of two descriptors */
  f->cfg.tx_backlog_max = 600;
  net_up(f);
  assert_int_equal(f->net.backlog_slots, DRV_NET_BACKLOG_SLOTS_INITIAL);
  /* move the ring's head off 0 */
  assert_int_equal(drv_net_send(&f->net, 102, 60, 60, peer_mac), MODEL_OK);
  run(f);
  assert_int_equal(drv_net_tx_backlog(&f->net), 0);
  assert_int_equal(f->net.backlog_head, 102); /* every frame passed through it */
  /* 2 on the ring and 598 waiting: the ring wraps, then grows (to 512,
   * then to its bound) */
  f->t.tx_paused = true;
  assert_int_equal(drv_net_send(&f->net, 600, 60, 60, peer_mac), MODEL_OK);
  assert_int_equal(drv_net_tx_backlog(&f->net), 598);
  assert_int_equal(f->net.backlog_slots, 600);
  /* two more fill it to tx_backlog_max; the third is not made */
  assert_int_equal(drv_net_send(&f->net, 3, 60, 60, peer_mac), MODEL_ERR_CAPACITY);
  assert_int_equal(drv_net_tx_backlog(&f->net), 600);
  assert_int_equal(f->net.backlog_slots, 600);
  /* oldest first: the frames wait in the order they were made */
  for (uint32_t i = 1; i < 600u; i++) {
    const struct drv_net_frame_ref *prev =
        &f->net.backlog[(f->net.backlog_head + i - 1u) % f->net.backlog_slots];
    const struct drv_net_frame_ref *cur =
        &f->net.backlog[(f->net.backlog_head + i) % f->net.backlog_slots];
    assert_true(cur->seq == prev->seq + 1u);
  }
  f->t.tx_paused = false;
  assert_int_equal(drv_vq_notify(&f->net.vq[MODEL_NET_TXQ]), MODEL_OK);
  run(f);
  const struct sim_nic_stream_stats *st = &f->w.nic.stats[SIM_STREAM_TX];
  assert_int_equal(drv_net_stats(&f->net)->tx_completed, 704);
  assert_int_equal(st->delivered, 704);
  assert_int_equal(st->delivered_dup, 0);
  expect_accounted(f);
}

static void test_net_tx_indirect(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_F_INDIRECT_DESC);
  f->cfg.queue_size[MODEL_NET_TXQ] = 4;
  f->cfg.tx_indirect = true;
  net_up(f);
  assert_int_equal(drv_net_send(&f->net, 20, 60, 1514, peer_mac), MODEL_OK);
  assert_int_equal(drv_net_tx_backlog(&f->net), 16); /* four frames fit, one descriptor each */
  run(f);
  assert_int_equal(f->net.vq[MODEL_NET_TXQ].stats.indirect, 20);
  expect_accounted(f);
}

static void test_5_1_9_2_3_tx_lazy_reclaim(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_F_EVENT_IDX);
  f->cfg.queue_size[MODEL_NET_TXQ] = 8;
  f->cfg.tx_interrupts = false;
  f->cfg.tx_segments = 1;
  net_up(f);
  assert_int_equal(drv_net_send(&f->net, 5, 60, 100, peer_mac), MODEL_OK);
  run(f);
  /* completions not reclaimed: no interrupt was asked for */
  assert_int_equal(drv_net_stats(&f->net)->tx_completed, 0);
  assert_int_equal(drv_net_stats(&f->net)->interrupts, 0);
  /* the next send reclaims; a backlog asks for a completion */
  assert_int_equal(drv_net_send(&f->net, 30, 60, 100, peer_mac), MODEL_OK);
  run(f);
  assert_int_equal(drv_net_tx_backlog(&f->net), 0);
  assert_true(drv_net_stats(&f->net)->tx_completed >= 27);
  expect_accounted(f);
}

static void test_net_rx_frames_delivered(void **state) {
  struct fixture *f = *state;
  f->cfg.queue_size[MODEL_NET_RXQ] = 16; /* buffers recycle many times */
  net_up(f);
  assert_int_equal(sim_nic_generate(&f->w.nic, 200, 60, 1514, dev_mac, 3), MODEL_OK);
  run(f);
  assert_int_equal(drv_net_stats(&f->net)->rx_frames, f->w.nic.stats[SIM_STREAM_RX].delivered);
  assert_true(drv_net_stats(&f->net)->rx_frames > 100);
  assert_int_equal(drv_net_stats(&f->net)->rx_corrupt, 0);
  expect_accounted(f);
}

static void test_5_1_9_4_rx_merged_buffers(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_MRG_RXBUF);
  f->cfg.rx_buf_size = 256;
  net_up(f);
  assert_int_equal(f->net.rx_buf_size, 256);
  assert_int_equal(sim_nic_generate(&f->w.nic, 40, 60, 1514, dev_mac, 50), MODEL_OK);
  run(f);
  assert_int_equal(drv_net_stats(&f->net)->rx_frames, 40);
  assert_true(drv_net_stats(&f->net)->rx_buffers_used > 80);
  assert_int_equal(drv_net_stats(&f->net)->rx_errors, 0);
  expect_accounted(f);
}

static void test_5_1_9_3_1_small_buffers_without_mrg(void **state) {
  struct fixture *f = *state;
  f->cfg.rx_buf_size = 256; /* a SHOULD, not a MUST: honoured */
  net_up(f);
  assert_int_equal(f->net.rx_buf_size, 256);
  assert_int_equal(sim_nic_generate(&f->w.nic, 10, 1000, 1514, dev_mac, 50), MODEL_OK);
  run(f);
  assert_int_equal(drv_net_stats(&f->net)->rx_frames, 0);
  assert_int_equal(f->t.rx_too_big, 10);
  expect_accounted(f);
}

static void test_3_3_1_reset_drops_queued_frames(void **state) {
  struct fixture *f = *state;
  f->cfg.queue_size[MODEL_NET_TXQ] = 8;
  net_up(f);
  f->t.tx_paused = true;
  assert_int_equal(drv_net_send(&f->net, 10, 60, 60, peer_mac), MODEL_OK);
  run(f);
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  assert_int_equal(s->tx_dropped_reset, 10); /* 4 on the ring, 6 in the backlog */
  assert_int_equal(f->t.dev.status, 0);
  assert_int_equal(f->net.alloc.bytes_used, 0);
  expect_accounted(f);
  /* twin: a restarted driver sends again */
  f->t.tx_paused = false;
  assert_int_equal(drv_net_start(&f->net), MODEL_OK);
  assert_int_equal(drv_net_send(&f->net, 10, 60, 60, peer_mac), MODEL_OK);
  run(f);
  assert_int_equal(s->tx_completed, 10);
  expect_accounted(f);
}

static void test_net_hostile_used_id_fails_the_device(void **state) {
  struct fixture *f = *state;
  net_up(f);
  f->t.lie_used_id = true;
  assert_int_equal(drv_net_send(&f->net, 3, 60, 60, peer_mac), MODEL_OK);
  run(f);
  assert_true(drv_net_is_broken(&f->net));
  assert_int_equal(f->net.broken_err, MODEL_ERR_RING_USED_ID);
  assert_true((f->t.dev.status & VIRTIO_STATUS_FAILED) != 0);
  assert_int_equal(drv_net_send(&f->net, 1, 60, 60, peer_mac), MODEL_ERR_RING_BROKEN);
  /* the three frames did reach the peer: only the fourth is the driver's */
  assert_int_equal(drv_net_stats(&f->net)->tx_dropped_broken, 1);
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_false(drv_net_is_broken(&f->net));
}

static void test_net_ctrl_commands(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |=
      M(VIRTIO_NET_F_CTRL_VQ) | M(VIRTIO_NET_F_CTRL_RX) | M(VIRTIO_NET_F_CTRL_MAC_ADDR);
  net_up(f);
  static const uint8_t new_mac[6] = {0x02, 0, 0, 0, 0, 0x77};
  assert_int_equal(drv_net_ctrl_mac_addr(&f->net, new_mac), MODEL_OK);
  assert_true(drv_net_ctrl_busy(&f->net));
  assert_int_equal(drv_net_ctrl_rx(&f->net, VIRTIO_NET_CTRL_RX_PROMISC, true), MODEL_ERR_CAPACITY);
  run(f);
  assert_false(drv_net_ctrl_busy(&f->net));
  assert_int_equal(drv_net_ctrl_last_ack(&f->net), VIRTIO_NET_OK);
  assert_int_equal(f->t.ctrl_last[0], VIRTIO_NET_CTRL_MAC);
  assert_int_equal(f->t.ctrl_last[1], VIRTIO_NET_CTRL_MAC_ADDR_SET);
  uint8_t mac[6];
  drv_net_mac(&f->net, mac);
  assert_memory_equal(mac, new_mac, 6);
  /* MAC table: le32 count, addresses, le32 count, addresses */
  const uint8_t uni[2][6] = {{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}};
  const uint8_t multi[1][6] = {{0x01, 0, 0x5e, 0, 0, 1}};
  assert_int_equal(drv_net_ctrl_mac_table(&f->net, uni, 2, multi, 1), MODEL_OK);
  run(f);
  assert_int_equal(f->t.ctrl_data_len, 4u + 12u + 4u + 6u);
  assert_int_equal(f->t.ctrl_data[0], 2);
  assert_int_equal(f->t.ctrl_data[16], 1);
  /* an ERR ack is reported as such */
  f->t.ctrl_ack = VIRTIO_NET_ERR;
  assert_int_equal(drv_net_ctrl_rx(&f->net, VIRTIO_NET_CTRL_RX_PROMISC, true), MODEL_OK);
  run(f);
  assert_int_equal(drv_net_ctrl_last_ack(&f->net), VIRTIO_NET_ERR);
  assert_int_equal(f->t.ctrl_data[0], 1);
  /* twin: a command whose feature is not negotiated is refused */
  assert_int_equal(drv_net_ctrl_rx(&f->net, VIRTIO_NET_CTRL_RX_NOBCAST, true),
                   MODEL_ERR_FEATURE_REQUIRED);
}

static void test_5_1_9_5_2_2_1_ctrl_needs_its_features(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_CTRL_VQ) | M(VIRTIO_NET_F_CTRL_MAC_ADDR);
  net_up(f);
  static const uint8_t new_mac[6] = {0x02, 0, 0, 0, 0, 0x77};
  /* CTRL_MAC_ADDR alone is not enough: MAC class commands need CTRL_RX */
  assert_int_equal(drv_net_ctrl_mac_addr(&f->net, new_mac), MODEL_ERR_FEATURE_REQUIRED);
  assert_int_equal(drv_net_ctrl_mac_table(&f->net, NULL, 0, NULL, 0), MODEL_ERR_FEATURE_REQUIRED);
  assert_int_equal(f->net.stats.ctrl_commands, 0);
}

/* 5.1.9.5.2.2#3: misbehave bad-mac-table counts one unicast address too
 * many; the data written is the same length (twin: test_net_ctrl_commands). */
static void test_5_1_9_5_2_2_3_bad_mac_table_overcounts(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_CTRL_VQ) | M(VIRTIO_NET_F_CTRL_RX);
  f->cfg.misbehave = drv_misbehave_one(DRV_MISBEHAVE_BAD_MAC_TABLE);
  net_up(f);
  const uint8_t uni[1][6] = {{2, 0, 0, 0, 0, 1}};
  const uint8_t multi[1][6] = {{0x01, 0, 0x5e, 0, 0, 7}};
  assert_int_equal(drv_net_ctrl_mac_table(&f->net, uni, 1, multi, 1), MODEL_OK);
  run(f);
  assert_int_equal(f->t.ctrl_data_len, 4u + 6u + 4u + 6u);
  assert_int_equal(f->t.ctrl_data[0], 2);  /* one address follows */
  assert_int_equal(f->t.ctrl_data[10], 1); /* the multicast table is right */
}

static void test_net_config_change_reads_link_state(void **state) {
  struct fixture *f = *state;
  net_up(f);
  assert_true(drv_net_link_up(&f->net));
  f->t.dev.config[MODEL_NET_CFG_OFF_STATUS] = 0;
  dev_config_change(&f->t);
  run(f);
  assert_false(drv_net_link_up(&f->net));
  assert_int_equal(f->t.dev.isr, 0); /* acknowledged */
  assert_int_equal(drv_net_stats(&f->net)->config_changes, 1);
  assert_false(drv_net_is_broken(&f->net));
}

static void test_2_1_1_4_needs_reset_stops_the_driver(void **state) {
  struct fixture *f = *state;
  net_up(f);
  f->t.dev.status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
  dev_config_change(&f->t);
  run(f);
  assert_true(drv_net_is_broken(&f->net));
  assert_int_equal(f->net.broken_err, MODEL_ERR_NEEDS_RESET);
  assert_true((f->t.dev.status & VIRTIO_STATUS_FAILED) != 0);
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_int_equal(drv_net_start(&f->net), MODEL_OK);
}

static void test_2_7_7_1_3_spurious_interrupt_is_harmless(void **state) {
  struct fixture *f = *state;
  net_up(f);
  size_t acks = fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_INTERRUPT_ACK);
  sim_bus_raise_irq(&f->w.bus, 0);
  f->t.dev.isr_extra = 0x80; /* an undefined bit only */
  run(f);
  assert_int_equal(drv_net_stats(&f->net)->interrupts_spurious, 1);
  assert_int_equal(fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_INTERRUPT_ACK), acks);
  assert_false(drv_net_is_broken(&f->net));
}

static void test_5_1_4_2_9_mtu_bounds_frames(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_MTU);
  f->t.dev.config[MODEL_NET_CFG_OFF_MTU] = (uint8_t)(9000u & 0xffu);
  f->t.dev.config[MODEL_NET_CFG_OFF_MTU + 1] = (uint8_t)(9000u >> 8);
  net_up(f);
  assert_int_equal(f->net.rx_buf_size, MODEL_NET_HDR_SIZE + 9000u + MODEL_ETH_HDR_SIZE);
  assert_int_equal(drv_net_send(&f->net, 1, 9014, 9014, peer_mac), MODEL_OK);
  assert_int_equal(drv_net_send(&f->net, 1, 9015, 9015, peer_mac), MODEL_ERR_INVALID_ARG);
  run(f);
  expect_accounted(f);
}

static void test_5_1_4_1_2_mtu_below_68_fails_start(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_MTU);
  f->t.dev.config[MODEL_NET_CFG_OFF_MTU] = 67;
  assert_int_equal(drv_net_init(&f->net, &f->w.bus, &f->w.nic, &f->cfg), MODEL_OK);
  assert_int_equal(drv_net_start(&f->net), MODEL_ERR_CONFIG_VALUE);
  assert_true((f->t.dev.status & VIRTIO_STATUS_FAILED) != 0);
  /* twin: 68 is fine */
  f->t.dev.config[MODEL_NET_CFG_OFF_MTU] = 68;
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_int_equal(drv_net_start(&f->net), MODEL_OK);
}

/* 4.2.2.2#14, #15: a stopped queue shows QueueReady 0 and stays out of
 * service until the reset, which reclaims what it held (3.3.1#2). */
static void test_4_2_2_2_15_queue_stop(void **state) {
  struct fixture *f = *state;
  net_up(f);
  assert_int_equal(drv_net_send(&f->net, 3, 60, 60, peer_mac), MODEL_OK);
  run(f);
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  assert_int_equal(s->tx_completed, 3);
  assert_int_equal(drv_net_queue_stop(&f->net, MODEL_NET_TXQ), MODEL_OK);
  assert_int_equal(f->t.dev.q[MODEL_NET_TXQ].ready, 0);
  assert_int_equal(drv_net_queue_stop(&f->net, MODEL_NET_TXQ), MODEL_ERR_QUEUE_NOT_READY);
  assert_int_equal(drv_net_send(&f->net, 2, 60, 60, peer_mac), MODEL_OK);
  run(f);
  assert_int_equal(s->tx_completed, 3);
  assert_int_equal(drv_net_tx_backlog(&f->net), 2);
  /* a QueueReady that never shows 0: the stop times out */
  f->t.dev.q[MODEL_NET_RXQ].ready_sticks = true;
  assert_int_equal(drv_net_queue_stop(&f->net, MODEL_NET_RXQ), MODEL_ERR_TIMEOUT);
  f->t.dev.q[MODEL_NET_RXQ].ready_sticks = false;
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_int_equal(s->tx_dropped_reset, 2);
  expect_accounted(f);
  /* twin: after the reset every queue works again */
  assert_int_equal(drv_net_start(&f->net), MODEL_OK);
  assert_int_equal(drv_net_send(&f->net, 2, 60, 60, peer_mac), MODEL_OK);
  run(f);
  assert_int_equal(s->tx_completed, 5);
  expect_accounted(f);
}

/* ---- life cycle edges ---------------------------------------------------- */

/* A configuration the driver cannot use is refused at init, before the
 * bus is touched; fini is safe on what init left (twin: a good init
 * attaches the interrupt handler). */
static void test_net_init_refuses_bad_config(void **state) {
  struct fixture *f = *state;
  f->cfg.tx_segments = 3;
  assert_int_equal(drv_net_init(&f->net, &f->w.bus, &f->w.nic, &f->cfg), MODEL_ERR_INVALID_ARG);
  assert_null(f->w.bus.irq_ctx);
  drv_net_fini(&f->net);
  f->cfg.tx_segments = 2;
  f->cfg.guest_mem_size = 0; /* no guest memory to allocate from */
  assert_int_equal(drv_net_init(&f->net, &f->w.bus, &f->w.nic, &f->cfg), MODEL_ERR_INVALID_ARG);
  assert_null(f->w.bus.irq_ctx);
  drv_net_fini(&f->net);
  assert_null(f->net.bus);
  f->cfg.guest_mem_size = 1u << 20;
  assert_int_equal(drv_net_init(&f->net, &f->w.bus, &f->w.nic, &f->cfg), MODEL_OK);
  assert_ptr_equal(f->w.bus.irq_ctx, &f->net);
  assert_int_equal(f->t.dev.log_count, 0);
}

/* Before drv_net_start: frames are made and dropped as reset, nothing is
 * polled, stopped or commanded, an interrupt reads no register, and a
 * reset touches nothing. */
static void test_net_not_started_does_nothing(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_net_init(&f->net, &f->w.bus, &f->w.nic, &f->cfg), MODEL_OK);
  assert_int_equal(drv_net_send(&f->net, 3, 60, 100, peer_mac), MODEL_ERR_QUEUE_NOT_READY);
  assert_int_equal(drv_net_stats(&f->net)->tx_accepted, 3);
  assert_int_equal(drv_net_stats(&f->net)->tx_dropped_reset, 3);
  assert_int_equal(drv_net_tx_backlog(&f->net), 0);
  expect_accounted(f);
  assert_int_equal(drv_net_send(&f->net, 1, 100, 60, peer_mac), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_net_poll(&f->net), MODEL_ERR_QUEUE_NOT_READY);
  assert_int_equal(drv_net_queue_stop(&f->net, MODEL_NET_RXQ), MODEL_ERR_QUEUE_NOT_READY);
  assert_int_equal(drv_net_ctrl_rx(&f->net, VIRTIO_NET_CTRL_RX_PROMISC, true),
                   MODEL_ERR_QUEUE_NOT_READY);
  assert_null(drv_net_vq(&f->net, MODEL_NET_RXQ));
  sim_bus_raise_irq(&f->w.bus, MODEL_MMIO_INT_VRING);
  run(f);
  assert_int_equal(drv_net_stats(&f->net)->interrupts, 1);
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_int_equal(f->t.dev.log_count, 0);
}

/* 4.2.2.2#12: a queue size above QueueSizeMax fails the start (FAILED);
 * a broken driver does not start again before a reset. */
static void test_4_2_2_2_12_queue_size_above_max_fails_start(void **state) {
  struct fixture *f = *state;
  f->cfg.queue_size[MODEL_NET_RXQ] = 512;
  assert_int_equal(drv_net_init(&f->net, &f->w.bus, &f->w.nic, &f->cfg), MODEL_OK);
  assert_int_equal(drv_net_start(&f->net), MODEL_ERR_QUEUE_SIZE);
  assert_true(status_has(f, VIRTIO_STATUS_FAILED));
  assert_true(drv_net_is_broken(&f->net));
  assert_int_equal(drv_net_start(&f->net), MODEL_ERR_INVALID_ARG);
  /* twin: 256, the device's maximum, after a reset */
  f->net.cfg.queue_size[MODEL_NET_RXQ] = 256;
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_int_equal(drv_net_start(&f->net), MODEL_OK);
  assert_int_equal(drv_net_start(&f->net), MODEL_ERR_INVALID_ARG); /* already running */
}

/* Guest memory carved at start, in order: the three rings, rx buffers, tx
 * slots, the control buffer, the write-before-read byte. Each one that does
 * not fit fails the start with MODEL_ERR_NO_MEMORY and FAILED. */
static void test_net_start_fails_when_guest_memory_runs_out(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_CTRL_VQ);
  f->cfg.misbehave = drv_misbehave_one(DRV_MISBEHAVE_WRITE_BEFORE_READ);
  net_up(f); /* where each block lands with room to spare */
  uint64_t base = f->cfg.guest_mem_base;
  const uint64_t ends[] = {
      64u,                                  /* the first ring */
      f->net.rx_base - base + 1u,           /* rx buffers */
      f->net.tx_base - base + 1u,           /* tx slots */
      f->net.ctrl_addr - base + 1u,         /* the control buffer */
      f->net.misbehave_scratch - base + 1u, /* the misbehaviour's byte */
  };
  assert_true(f->net.misbehave_scratch > f->net.ctrl_addr);
  for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
    drv_net_fini(&f->net);
    f->t.dev.status = 0;
    f->cfg.guest_mem_size = ends[i];
    assert_int_equal(drv_net_init(&f->net, &f->w.bus, &f->w.nic, &f->cfg), MODEL_OK);
    assert_int_equal(drv_net_start(&f->net), MODEL_ERR_NO_MEMORY);
    assert_true(drv_net_is_broken(&f->net));
    assert_true(status_has(f, VIRTIO_STATUS_FAILED));
    assert_false(status_has(f, VIRTIO_STATUS_DRIVER_OK));
  }
}

/* 3.1.1#4: every step of the sequence that fails stops it with FAILED
 * (unless writing FAILED fails too: counted); the driver never reaches
 * DRIVER_OK, and a reset recovers. */
static void test_3_1_1_4_net_start_stops_at_a_failed_step(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_net_init(&f->net, &f->w.bus, &f->w.nic, &f->cfg), MODEL_OK);
  /* step 1: Status never reads 0 after the reset (2.4.2#1) */
  f->t.dev.reset_slow_reads = DRV_CORE_RESET_POLLS_MAX + 4u;
  assert_int_equal(drv_net_start(&f->net), MODEL_ERR_TIMEOUT);
  assert_true(status_has(f, VIRTIO_STATUS_FAILED));
  f->t.dev.reset_slow_reads = 0;
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  /* step 2: the ACKNOWLEDGE write fails, and so does FAILED after it */
  reg_fault_set(&f->t, true, MODEL_MMIO_STATUS, 1, 2);
  assert_int_equal(drv_net_start(&f->net), MODEL_ERR_MEM_FAULT);
  assert_int_equal(f->t.rf.hits, 2);
  assert_int_equal(f->t.dev.status, 0);
  assert_int_equal(drv_net_stats(&f->net)->poll_errors, 1);
  assert_true(drv_net_is_broken(&f->net));
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  /* before step 8: the Status read fails (reads: reset, FEATURES_OK, this) */
  reg_fault_set(&f->t, false, MODEL_MMIO_STATUS, 2, 1);
  assert_int_equal(drv_net_start(&f->net), MODEL_ERR_MEM_FAULT);
  assert_true(status_has(f, VIRTIO_STATUS_FAILED));
  assert_false(status_has(f, VIRTIO_STATUS_DRIVER_OK));
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  /* ... or shows DEVICE_NEEDS_RESET: no DRIVER_OK on top of it (2.1.1#4) */
  reg_fault_set(&f->t, false, MODEL_MMIO_STATUS, 2, 1);
  f->t.rf.or_bits = VIRTIO_STATUS_DEVICE_NEEDS_RESET;
  assert_int_equal(drv_net_start(&f->net), MODEL_ERR_NEEDS_RESET);
  assert_true(status_has(f, VIRTIO_STATUS_FAILED));
  assert_false(status_has(f, VIRTIO_STATUS_DRIVER_OK));
  assert_int_equal(drv_net_activate(&f->net), MODEL_ERR_INVALID_ARG); /* set up, but broken */
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  /* step 7: each config field read failing (mac, status, mtu) */
  f->t.dev.features_offered |= M(VIRTIO_NET_F_MTU);
  f->t.dev.config[MODEL_NET_CFG_OFF_MTU] = (uint8_t)(1500u & 0xffu);
  f->t.dev.config[MODEL_NET_CFG_OFF_MTU + 1] = (uint8_t)(1500u >> 8);
  static const uint32_t fields[] = {MODEL_NET_CFG_OFF_MAC + 3u, MODEL_NET_CFG_OFF_STATUS,
                                    MODEL_NET_CFG_OFF_MTU};
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
    size_t ready_writes = fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_QUEUE_READY);
    reg_fault_set(&f->t, false, MODEL_MMIO_CONFIG + fields[i], 0, 1);
    assert_int_equal(drv_net_start(&f->net), MODEL_ERR_MEM_FAULT);
    assert_int_equal(f->t.rf.hits, 1);
    assert_true(status_has(f, VIRTIO_STATUS_FAILED));
    /* no queue was set up: the configuration comes first */
    assert_int_equal(fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_QUEUE_READY), ready_writes);
    assert_int_equal(drv_net_setup(&f->net), MODEL_ERR_INVALID_ARG); /* broken */
    assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  }
  /* step 8: DRIVER_OK set, then filling the receive ring fails (a
   * descriptor write: the first the driver makes in the rx table) */
  mem_fault(f, SIM_FAULT_ACCESS_WRITE, f->cfg.guest_mem_base, f->cfg.guest_mem_base + 16u, 0, 1);
  assert_int_equal(drv_net_start(&f->net), MODEL_ERR_MEM_FAULT);
  assert_true(status_has(f, VIRTIO_STATUS_FAILED));
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  /* twin: nothing fails */
  assert_int_equal(drv_net_start(&f->net), MODEL_OK);
  assert_int_equal(f->t.dev.status, 0x0f);
}

/* 3.1.1#6: the stepwise start. No available buffer notification before
 * DRIVER_OK; setup and activate only in their order. */
static void test_3_1_1_6_stepwise_start_notifies_only_after_driver_ok(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_net_init(&f->net, &f->w.bus, &f->w.nic, &f->cfg), MODEL_OK);
  struct drv_core *core = drv_net_core(&f->net);
  assert_int_equal(drv_net_setup(&f->net), MODEL_ERR_FEATURE_REJECTED); /* no FEATURES_OK */
  assert_int_equal(drv_net_activate(&f->net), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_core_probe(core, VIRTIO_ID_NET), MODEL_OK);
  assert_int_equal(drv_core_reset(core), MODEL_OK);
  assert_int_equal(drv_core_add_status(core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(drv_core_add_status(core, VIRTIO_STATUS_DRIVER), MODEL_OK);
  assert_int_equal(drv_core_negotiate(core, f->cfg.features_wanted, f->cfg.features_required, NULL),
                   MODEL_OK);
  assert_int_equal(drv_net_setup(&f->net), MODEL_OK);
  assert_int_equal(drv_net_setup(&f->net), MODEL_ERR_INVALID_ARG);
  assert_non_null(drv_net_vq(&f->net, MODEL_NET_TXQ));
  assert_null(drv_net_vq(&f->net, MODEL_NET_CTRLQ)); /* CTRL_VQ not offered */
  assert_null(drv_net_vq(&f->net, DRV_NET_QUEUE_COUNT));
  assert_int_equal(drv_net_activate(&f->net), MODEL_ERR_QUEUE_NOT_READY);
  /* rule point: the queue's notification is refused before DRIVER_OK */
  assert_int_equal(drv_vq_notify(drv_net_vq(&f->net, MODEL_NET_RXQ)), MODEL_ERR_QUEUE_NOT_READY);
  assert_int_equal(fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_QUEUE_NOTIFY), 0);
  /* a used buffer interrupt now is acknowledged, but no queue is taken */
  f->t.dev.isr |= MODEL_MMIO_INT_VRING;
  sim_bus_raise_irq(&f->w.bus, f->t.dev.isr);
  run(f);
  assert_int_equal(drv_net_stats(&f->net)->interrupts, 1);
  assert_int_equal(f->t.dev.isr, 0);
  assert_int_equal(drv_net_stats(&f->net)->rx_buffers_used, 0);
  assert_int_equal(f->net.vq[MODEL_NET_RXQ].stats.added, 0);
  assert_int_equal(drv_core_add_status(core, VIRTIO_STATUS_DRIVER_OK), MODEL_OK);
  assert_int_equal(drv_net_activate(&f->net), MODEL_OK);
  assert_true(drv_net_is_running(&f->net));
  assert_int_equal(fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_QUEUE_NOTIFY), 1);
}

/* ---- transmit edges ------------------------------------------------------ */

/* A tx buffer write that fails (a transient fault) is reported by the send
 * that hit it, whether draining a full backlog or at the end; the frame
 * stays in the backlog and leaves with the next send. */
static void test_net_tx_write_fault_keeps_the_frame(void **state) {
  struct fixture *f = *state;
  f->cfg.tx_backlog_max = 2;
  net_up(f);
  uint64_t lo = f->net.tx_base;
  uint64_t hi = lo + (uint64_t)f->net.tx_slot_count * f->net.tx_slot_size;
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  /* the drain at the end of the send */
  mem_fault(f, SIM_FAULT_ACCESS_WRITE, lo, hi, 0, 1);
  assert_int_equal(drv_net_send(&f->net, 1, 60, 100, peer_mac), MODEL_ERR_MEM_FAULT);
  assert_int_equal(drv_net_tx_backlog(&f->net), 1);
  /* the drain of a full backlog, before the third frame is made */
  mem_fault(f, SIM_FAULT_ACCESS_WRITE, lo, hi, 0, 1);
  assert_int_equal(drv_net_send(&f->net, 3, 60, 100, peer_mac), MODEL_ERR_MEM_FAULT);
  assert_int_equal(s->tx_accepted, 2);
  assert_int_equal(drv_net_tx_backlog(&f->net), 2);
  assert_int_equal(s->tx_queued, 0);
  assert_false(drv_net_is_broken(&f->net));
  /* twin: the fault gone, everything leaves */
  assert_int_equal(drv_net_send(&f->net, 1, 60, 100, peer_mac), MODEL_OK);
  run(f);
  assert_int_equal(drv_net_tx_backlog(&f->net), 0);
  assert_int_equal(s->tx_completed, 3);
  expect_accounted(f);
}

/* 5.1.9.2.3: lazy reclaim's edges. A stopped tx queue asks for no
 * completion; a failed callback re-enable is reported; a completion found
 * while re-enabling is taken at once, and a read error then is retried
 * later (nothing lost). */
static void test_5_1_9_2_3_lazy_reclaim_edges(void **state) {
  struct fixture *f = *state;
  f->cfg.queue_size[MODEL_NET_TXQ] = 4; /* two frames of two descriptors */
  f->cfg.tx_interrupts = false;
  net_up(f);
  struct drv_vq *txq = drv_net_vq(&f->net, MODEL_NET_TXQ);
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  /* the re-enable's flags write fails */
  mem_fault(f, SIM_FAULT_ACCESS_WRITE, txq->avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS,
            txq->avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS + 2u, 0, 1);
  assert_int_equal(drv_net_send(&f->net, 3, 60, 100, peer_mac), MODEL_ERR_MEM_FAULT);
  assert_int_equal(txq->avail_flags_shadow, VIRTQ_AVAIL_F_NO_INTERRUPT); /* not written */
  assert_int_equal(drv_net_tx_backlog(&f->net), 1);
  run(f); /* the device sent two; no interrupt asked, none taken */
  assert_int_equal(s->tx_completed, 0);
  /* the reclaim's used idx read fails, the re-enable's passes (so it
   * finds completions pending), and the next read fails again */
  uint64_t idx = txq->used_addr + MODEL_SPLIT_USED_OFF_IDX;
  mem_fault(f, SIM_FAULT_ACCESS_READ, idx, idx + 2u, 0, 1);
  mem_fault(f, SIM_FAULT_ACCESS_READ, idx, idx + 2u, 1, 1);
  uint64_t errors = s->poll_errors;
  assert_int_equal(drv_net_send(&f->net, 2, 60, 100, peer_mac), MODEL_OK);
  assert_int_equal(s->poll_errors, errors + 1);
  assert_true(f->net.retry_pending);
  run(f); /* the retry takes them, and the interrupt it asked for the rest */
  assert_false(f->net.retry_pending);
  assert_int_equal(drv_net_tx_backlog(&f->net), 0);
  assert_int_equal(s->tx_completed, 4); /* the last one is reclaimed lazily */
  /* the reclaim's read fails alone: the re-enable's re-check finds the
   * completion and takes it at once */
  assert_int_equal(drv_net_send(&f->net, 2, 60, 100, peer_mac), MODEL_OK); /* fills the ring */
  run(f);
  mem_fault(f, SIM_FAULT_ACCESS_READ, idx, idx + 2u, 0, 1);
  errors = s->poll_errors;
  assert_int_equal(drv_net_send(&f->net, 1, 60, 100, peer_mac), MODEL_OK);
  assert_int_equal(s->poll_errors, errors);
  assert_false(f->net.retry_pending);
  assert_int_equal(s->tx_completed, 7); /* the two the device used, taken at once */
  run(f);
  assert_int_equal(drv_net_tx_backlog(&f->net), 0);
  /* a stopped tx queue: frames wait, no completion is asked for */
  assert_int_equal(drv_net_queue_stop(&f->net, MODEL_NET_TXQ), MODEL_OK);
  bool cb = txq->cb_enabled;
  assert_int_equal(drv_net_send(&f->net, 2, 60, 100, peer_mac), MODEL_OK);
  assert_int_equal(drv_net_tx_backlog(&f->net), 2);
  assert_int_equal(txq->cb_enabled, cb);
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_int_equal(s->tx_completed, 8);
  assert_int_equal(s->tx_dropped_reset, 2);
  expect_accounted(f);
}

/* misbehave tx-gso with every HOST_ GSO feature negotiated: no type is
 * left unnegotiated, so TCPV4 (its feature held) with NEEDS_CSUM and a
 * segment size; the device sees that header. */
static void test_5_1_9_2_1_tx_gso_with_every_gso_feature(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_CSUM) | M(VIRTIO_NET_F_HOST_TSO4) |
                               M(VIRTIO_NET_F_HOST_TSO6) | M(VIRTIO_NET_F_HOST_UFO) |
                               M(VIRTIO_NET_F_HOST_USO);
  f->cfg.misbehave = drv_misbehave_one(DRV_MISBEHAVE_TX_GSO);
  f->t.tx_lenient = true;
  net_up(f);
  assert_int_equal(drv_net_features(&f->net) & f->t.dev.features_offered,
                   f->t.dev.features_offered);
  assert_int_equal(drv_net_send(&f->net, 1, 60, 60, peer_mac), MODEL_OK);
  run(f);
  assert_int_equal(f->t.tx_hdr[MODEL_NET_HDR_OFF_GSO_TYPE], VIRTIO_NET_HDR_GSO_TCPV4);
  assert_int_equal(f->t.tx_hdr[MODEL_NET_HDR_OFF_FLAGS], VIRTIO_NET_HDR_F_NEEDS_CSUM);
  assert_int_equal(f->t.tx_hdr[MODEL_NET_HDR_OFF_GSO_SIZE], 1448u & 0xffu);
  assert_int_equal(f->t.tx_hdr[MODEL_NET_HDR_OFF_GSO_SIZE + 1], 1448u >> 8);
  /* twin: a one-shot, so the next frame's header is clean */
  assert_int_equal(drv_net_send(&f->net, 1, 60, 60, peer_mac), MODEL_OK);
  run(f);
  static const uint8_t clean[MODEL_NET_HDR_SIZE] = {0};
  assert_memory_equal(f->t.tx_hdr, clean, MODEL_NET_HDR_SIZE);
  expect_accounted(f);
}

/* misbehave write-before-read with one segment: the writable byte goes
 * first, the header and frame after it (2.7.4.2#1 broken once). */
static void test_2_7_4_2_1_write_before_read_one_segment(void **state) {
  struct fixture *f = *state;
  f->cfg.tx_segments = 1;
  f->cfg.misbehave = drv_misbehave_one(DRV_MISBEHAVE_WRITE_BEFORE_READ);
  f->t.tx_lenient = true;
  net_up(f);
  assert_int_equal(drv_net_send(&f->net, 1, 60, 60, peer_mac), MODEL_OK);
  run(f);
  assert_int_equal(f->t.tx_chain.count, 2);
  assert_true(f->t.tx_chain.first_writable);
  /* twin: the next frame is one readable descriptor */
  assert_int_equal(drv_net_send(&f->net, 1, 60, 60, peer_mac), MODEL_OK);
  run(f);
  assert_int_equal(f->t.tx_chain.count, 1);
  assert_false(f->t.tx_chain.first_writable);
  expect_accounted(f);
}

/* ---- receive edges ------------------------------------------------------- */

/* 5.1.9.4: a receive buffer used with fewer bytes than the header holds no
 * packet: counted as an error, nothing delivered, the buffer reposted. */
static void test_5_1_9_4_rx_used_shorter_than_the_header(void **state) {
  struct fixture *f = *state;
  net_up(f);
  uint64_t addr = 0;
  uint16_t head = dev_rx_take(&f->t, &addr);
  dev_rx_used(&f->t, head, MODEL_NET_HDR_SIZE - 1u);
  run(f);
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  assert_int_equal(s->rx_buffers_used, 1);
  assert_int_equal(s->rx_errors, 1);
  assert_int_equal(s->rx_frames, 0);
  assert_false(drv_net_is_broken(&f->net));
  assert_int_equal(f->net.vq[MODEL_NET_RXQ].outstanding, f->net.rx_count);
  /* twin: a real frame after it is delivered */
  assert_int_equal(sim_nic_generate(&f->w.nic, 1, 60, 60, dev_mac, 5), MODEL_OK);
  run(f);
  assert_int_equal(s->rx_frames, 1);
  expect_accounted(f);
}

/* 5.1.9.4.1: a merged packet whose buffers add up to more than any frame
 * can be is consumed whole and not delivered. */
static void test_5_1_9_4_1_merged_packet_larger_than_any_frame(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_MRG_RXBUF);
  net_up(f);
  uint32_t size = f->net.rx_buf_size;
  uint16_t n = (uint16_t)((SIM_FRAME_MAX_SIZE + MODEL_NET_HDR_SIZE) / size + 2u);
  assert_true(n <= f->net.rx_count);
  uint16_t heads[64];
  uint64_t first = 0, addr = 0;
  for (uint16_t i = 0; i < n; i++)
    heads[i] = dev_rx_take(&f->t, i == 0 ? &first : &addr);
  assert_int_equal(
      sim_bus_write_le16(&f->w.bus, SIM_ACTOR_DEVICE, first + MODEL_NET_HDR_OFF_NUM_BUFFERS, n),
      MODEL_OK);
  for (uint16_t i = 0; i < n; i++)
    dev_rx_used(&f->t, heads[i], size);
  run(f);
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  assert_int_equal(s->rx_buffers_used, n);
  assert_int_equal(s->rx_errors, 1);
  assert_int_equal(s->rx_frames, 0);
  assert_int_equal(f->net.merge_remaining, 0);
  /* twin: the next packet is taken normally */
  assert_int_equal(sim_nic_generate(&f->w.nic, 1, 3000, 3000, dev_mac, 5), MODEL_OK);
  run(f);
  assert_int_equal(s->rx_frames, 1);
  expect_accounted(f);
}

/* 3.3.1: a reset in the middle of a merged packet: the part received is an
 * error, the buffers still out are reclaimed. */
static void test_3_3_1_reset_cuts_a_merged_packet(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_MRG_RXBUF);
  net_up(f);
  uint64_t addr = 0;
  uint16_t head = dev_rx_take(&f->t, &addr);
  assert_int_equal(
      sim_bus_write_le16(&f->w.bus, SIM_ACTOR_DEVICE, addr + MODEL_NET_HDR_OFF_NUM_BUFFERS, 3),
      MODEL_OK);
  dev_rx_used(&f->t, head, f->net.rx_buf_size);
  run(f);
  assert_int_equal(f->net.merge_remaining, 2);
  assert_int_equal(drv_net_stats(&f->net)->rx_errors, 0);
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_int_equal(drv_net_stats(&f->net)->rx_errors, 1);
  assert_int_equal(drv_net_stats(&f->net)->rx_frames, 0);
  assert_int_equal(f->net.merge_remaining, 0);
}

/* A receive buffer the driver cannot read (an injected fault): with
 * MRG_RXBUF the header's num_buffers, without it the frame bytes. The
 * packet is counted as an error, not delivered, and dropped to the ledger
 * as lost to the fault; the next one is taken normally. */
static void test_net_rx_read_fault_loses_the_packet(void **state) {
  struct fixture *f = *state;
  for (unsigned mrg = 0; mrg < 2; mrg++) {
    if (mrg == 1) {
      drv_net_fini(&f->net);
      f->t.dev.features_offered |= M(VIRTIO_NET_F_MRG_RXBUF);
    }
    net_up(f);
    uint64_t lo = f->net.rx_base;
    uint64_t hi = lo + (uint64_t)f->net.rx_count * f->net.rx_buf_size;
    mem_fault(f, SIM_FAULT_ACCESS_READ, lo, hi, 0, 1);
    uint64_t delivered = f->w.nic.stats[SIM_STREAM_RX].delivered;
    assert_int_equal(sim_nic_generate(&f->w.nic, 2, 100, 100, dev_mac, 50), MODEL_OK);
    run(f);
    const struct drv_net_stats *s = drv_net_stats(&f->net);
    assert_int_equal(s->rx_buffers_used, 2);
    assert_int_equal(s->rx_errors, 1);
    assert_int_equal(s->rx_frames, 1);
    assert_int_equal(f->w.nic.stats[SIM_STREAM_RX].delivered, delivered + 1);
    assert_int_equal(f->w.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_FAULT], mrg + 1u);
    assert_false(drv_net_is_broken(&f->net));
    expect_accounted(f);
  }
}

/* 2.7.8.2#2: a receive buffer used with more bytes than it holds breaks
 * the driver (FAILED; a failed FAILED write is counted); a broken driver
 * refuses stop, poll and commands, and a later violation changes nothing. */
static void test_2_7_8_2_2_rx_used_len_past_the_buffer(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_CTRL_VQ) | M(VIRTIO_NET_F_CTRL_RX);
  net_up(f);
  uint64_t addr = 0;
  uint16_t head = dev_rx_take(&f->t, &addr);
  reg_fault_set(&f->t, true, MODEL_MMIO_STATUS, 0, 1); /* FAILED does not get through */
  dev_rx_used(&f->t, head, f->net.rx_buf_size + 1u);
  run(f);
  assert_true(drv_net_is_broken(&f->net));
  assert_int_equal(f->net.broken_err, MODEL_ERR_RING_USED_LEN);
  assert_int_equal(f->t.rf.hits, 1);
  assert_false(status_has(f, VIRTIO_STATUS_FAILED));
  assert_int_equal(drv_net_stats(&f->net)->poll_errors, 1);
  assert_int_equal(drv_net_poll(&f->net), MODEL_ERR_RING_USED_LEN);
  assert_int_equal(drv_net_queue_stop(&f->net, MODEL_NET_TXQ), MODEL_ERR_QUEUE_NOT_READY);
  assert_int_equal(drv_net_ctrl_rx(&f->net, VIRTIO_NET_CTRL_RX_PROMISC, true),
                   MODEL_ERR_RING_BROKEN);
  /* DEVICE_NEEDS_RESET on top: still broken for the first reason */
  f->t.dev.status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
  dev_config_change(&f->t);
  run(f);
  assert_int_equal(drv_net_stats(&f->net)->config_changes, 1);
  assert_int_equal(f->net.broken_err, MODEL_ERR_RING_USED_LEN);
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_false(drv_net_is_broken(&f->net));
}

/* ---- interrupts and polling ---------------------------------------------- */

/* 4.2.3.4.1: register errors in the handler are counted, not fatal: an
 * unreadable InterruptStatus (nothing handled, nothing acknowledged), a
 * failed acknowledgement, an unreadable Status or config field on a
 * configuration change (the link state stays as it was). */
static void test_4_2_3_4_1_irq_register_errors_are_counted(void **state) {
  struct fixture *f = *state;
  net_up(f);
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  size_t acks = fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_INTERRUPT_ACK);
  reg_fault_set(&f->t, false, MODEL_MMIO_INTERRUPT_STATUS, 0, 1);
  f->t.dev.config[MODEL_NET_CFG_OFF_STATUS] = 0;
  dev_config_change(&f->t);
  run(f);
  assert_int_equal(s->poll_errors, 1);
  assert_int_equal(s->config_changes, 0);
  assert_true(drv_net_link_up(&f->net));
  assert_int_equal(fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_INTERRUPT_ACK), acks);
  /* the acknowledgement fails: the change is handled all the same */
  reg_fault_set(&f->t, true, MODEL_MMIO_INTERRUPT_ACK, 0, 1);
  dev_config_change(&f->t);
  run(f);
  assert_int_equal(s->poll_errors, 2);
  assert_int_equal(s->config_changes, 1);
  assert_false(drv_net_link_up(&f->net));
  assert_int_equal(f->t.dev.isr, MODEL_MMIO_INT_CONFIG);
  /* Status unreadable on a configuration change */
  f->t.dev.config[MODEL_NET_CFG_OFF_STATUS] = VIRTIO_NET_S_LINK_UP;
  reg_fault_set(&f->t, false, MODEL_MMIO_STATUS, 0, 1);
  dev_config_change(&f->t);
  run(f);
  assert_int_equal(s->poll_errors, 3);
  assert_int_equal(s->config_changes, 2);
  assert_false(drv_net_link_up(&f->net));
  assert_int_equal(f->t.dev.isr, 0);
  /* the status field unreadable */
  reg_fault_set(&f->t, false, MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_STATUS, 0, 1);
  dev_config_change(&f->t);
  run(f);
  assert_int_equal(s->poll_errors, 4);
  assert_false(drv_net_link_up(&f->net));
  /* twin: the next change is read */
  dev_config_change(&f->t);
  run(f);
  assert_int_equal(s->poll_errors, 4);
  assert_true(drv_net_link_up(&f->net));
  assert_false(drv_net_is_broken(&f->net));
}

/* 3.2.1: a configuration change while no queue is set up (after a reset)
 * reads Status only. */
static void test_3_2_1_config_change_while_stopped_reads_no_config(void **state) {
  struct fixture *f = *state;
  net_up(f);
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  size_t reads = config_reads(f, MODEL_NET_CFG_OFF_STATUS);
  size_t status_reads = fake_log_count_offset(&f->t.dev, false, MODEL_MMIO_STATUS);
  dev_config_change(&f->t);
  run(f);
  assert_int_equal(drv_net_stats(&f->net)->config_changes, 1);
  assert_int_equal(config_reads(f, MODEL_NET_CFG_OFF_STATUS), reads);
  assert_int_equal(fake_log_count_offset(&f->t.dev, false, MODEL_MMIO_STATUS), status_reads + 1);
  assert_false(drv_net_is_broken(&f->net));
  /* nor while running with no feature negotiated: no field to read */
  drv_net_fini(&f->net);
  f->cfg.features_wanted = 0;
  f->cfg.features_required = 0;
  net_up(f);
  assert_int_equal(drv_net_features(&f->net), 0);
  f->t.dev.log_count = 0;
  dev_config_change(&f->t);
  run(f);
  assert_int_equal(drv_net_stats(&f->net)->config_changes, 1);
  assert_int_equal(config_reads(f, MODEL_NET_CFG_OFF_STATUS), 0);
  assert_true(drv_net_link_up(&f->net)); /* 5.1.4.2#6: up without STATUS */
}

/* A transient error while processing a queue is retried by a later poll,
 * at most DRV_NET_RETRY_MAX (net.c: 8) times in a row; a poll while a retry is pending
 * schedules no second one; drv_net_poll takes what is left. */
#define NET_RETRY_MAX 8u /* DRV_NET_RETRY_MAX, private to net.c */

static void test_net_transient_errors_are_retried(void **state) {
  struct fixture *f = *state;
  net_up(f);
  struct drv_vq *rxq = drv_net_vq(&f->net, MODEL_NET_RXQ);
  uint64_t idx = rxq->used_addr + MODEL_SPLIT_USED_OFF_IDX;
  mem_fault(f, SIM_FAULT_ACCESS_READ, idx, idx + 2u, 0, 0); /* every read */
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  assert_int_equal(sim_nic_generate(&f->w.nic, 1, 60, 60, dev_mac, 5), MODEL_OK);
  while (s->poll_errors == 0) /* up to the interrupt that fails */
    assert_int_equal(sim_world_run(&f->w, UINT64_MAX, 1), 1);
  assert_true(f->net.retry_pending);
  assert_int_equal(f->net.retry_count, 1);
  assert_int_equal(drv_net_poll(&f->net), MODEL_OK); /* fails again, nothing new scheduled */
  assert_int_equal(s->poll_errors, 2);
  assert_int_equal(f->net.retry_count, 1);
  run(f);
  assert_int_equal(f->net.retry_count, NET_RETRY_MAX);
  assert_int_equal(s->poll_errors, 2u + NET_RETRY_MAX);
  assert_int_equal(s->rx_frames, 0);
  /* the fault gone: a poll takes the frame and clears the count */
  f->w.faults.rules[0].prob_ppm = 0;
  assert_int_equal(drv_net_poll(&f->net), MODEL_OK);
  assert_int_equal(s->rx_frames, 1);
  assert_int_equal(f->net.retry_count, 0);
  expect_accounted(f);
}

/* 3.3.1#2: a used ring unreadable at reset: what the device may have used
 * is reclaimed as unused (counted), and the frames dropped as reset. */
static void test_3_3_1_reset_with_unreadable_used_ring(void **state) {
  struct fixture *f = *state;
  net_up(f);
  f->t.tx_paused = true;
  assert_int_equal(drv_net_send(&f->net, 3, 60, 60, peer_mac), MODEL_OK);
  run(f);
  struct drv_vq *txq = drv_net_vq(&f->net, MODEL_NET_TXQ);
  uint64_t idx = txq->used_addr + MODEL_SPLIT_USED_OFF_IDX;
  mem_fault(f, SIM_FAULT_ACCESS_READ, idx, idx + 2u, 0, 1);
  uint64_t errors = drv_net_stats(&f->net)->poll_errors;
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_int_equal(drv_net_stats(&f->net)->poll_errors, errors + 1);
  assert_int_equal(drv_net_stats(&f->net)->tx_dropped_reset, 3);
  expect_accounted(f);
}

/* 4.2.2.2#14: only a live queue of a running, healthy device stops. */
static void test_4_2_2_2_14_queue_stop_refuses_what_is_not_there(void **state) {
  struct fixture *f = *state;
  net_up(f);
  size_t ready = fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_QUEUE_READY);
  assert_int_equal(drv_net_queue_stop(&f->net, DRV_NET_QUEUE_COUNT), MODEL_ERR_QUEUE_NOT_READY);
  assert_int_equal(drv_net_queue_stop(&f->net, MODEL_NET_CTRLQ), MODEL_ERR_QUEUE_NOT_READY);
  assert_int_equal(fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_QUEUE_READY), ready);
  /* twin: a live queue stops */
  assert_int_equal(drv_net_queue_stop(&f->net, MODEL_NET_RXQ), MODEL_OK);
  assert_int_equal(fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_QUEUE_READY), ready + 1u);
  assert_int_equal(f->t.dev.q[MODEL_NET_RXQ].ready, 0);
}

/* ---- control queue edges -------------------------------------------------- */

/* 5.1.9.5: commands the driver refuses before touching the queue. */
static void test_5_1_9_5_ctrl_refuses_bad_commands(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_CTRL_VQ) | M(VIRTIO_NET_F_CTRL_RX);
  net_up(f);
  const uint8_t one[1][6] = {{2, 0, 0, 0, 0, 1}};
  static const uint8_t many[DRV_NET_MAC_TABLE_MAX + 1u][6];
  static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x42};
  assert_int_equal(drv_net_ctrl_rx(&f->net, 0x7f, true), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_net_ctrl_mac_table(&f->net, many, DRV_NET_MAC_TABLE_MAX + 1u, one, 1),
                   MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_net_ctrl_mac_table(&f->net, one, 1, many, DRV_NET_MAC_TABLE_MAX + 1u),
                   MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_net_ctrl_mac_table(&f->net, NULL, 1, one, 1), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_net_ctrl_mac_table(&f->net, one, 1, NULL, 1), MODEL_ERR_INVALID_ARG);
  /* MAC_ADDR_SET needs its own feature besides CTRL_RX */
  assert_int_equal(drv_net_ctrl_mac_addr(&f->net, mac), MODEL_ERR_FEATURE_REQUIRED);
  assert_int_equal(drv_net_stats(&f->net)->ctrl_commands, 0);
  assert_false(drv_net_ctrl_busy(&f->net));
  /* twin: the largest tables are sent */
  assert_int_equal(
      drv_net_ctrl_mac_table(&f->net, many, DRV_NET_MAC_TABLE_MAX, many, DRV_NET_MAC_TABLE_MAX),
      MODEL_OK);
  run(f);
  assert_int_equal(drv_net_ctrl_last_ack(&f->net), VIRTIO_NET_OK);
  /* and an empty unicast table */
  assert_int_equal(drv_net_ctrl_mac_table(&f->net, NULL, 0, one, 1), MODEL_OK);
  run(f);
  assert_int_equal(f->t.ctrl_data_len, 4u + 4u + 6u);
  assert_int_equal(f->t.ctrl_data[0], 0);
  assert_int_equal(f->t.ctrl_data[4], 1);
}

/* 5.1.9.5.2.2#1: misbehave ctrl-mac-without-feature sends MAC_ADDR_SET
 * without CTRL_RX (still not without CTRL_MAC_ADDR). */
static void test_5_1_9_5_2_2_1_mac_addr_without_ctrl_rx(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_CTRL_VQ) | M(VIRTIO_NET_F_CTRL_MAC_ADDR);
  f->cfg.misbehave = drv_misbehave_one(DRV_MISBEHAVE_CTRL_MAC_WITHOUT_FEATURE);
  net_up(f);
  assert_false(model_features_has(drv_net_features(&f->net), VIRTIO_NET_F_CTRL_RX));
  static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x43};
  assert_int_equal(drv_net_ctrl_mac_addr(&f->net, mac), MODEL_OK);
  run(f);
  assert_int_equal(f->t.ctrl_last[0], VIRTIO_NET_CTRL_MAC);
  assert_int_equal(f->t.ctrl_last[1], VIRTIO_NET_CTRL_MAC_ADDR_SET);
  assert_memory_equal(f->t.ctrl_data, mac, 6);
}

/* 2.7.8.3#1: the ack counts only if the used len covers it, and only if it
 * can be read; otherwise the command is an error with no ack, and the MAC
 * it would have set is not taken. */
static void test_2_7_8_3_1_ctrl_ack_only_when_written(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |=
      M(VIRTIO_NET_F_CTRL_VQ) | M(VIRTIO_NET_F_CTRL_RX) | M(VIRTIO_NET_F_CTRL_MAC_ADDR);
  net_up(f);
  static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x44};
  f->t.ctrl_used_len = 0;
  assert_int_equal(drv_net_ctrl_mac_addr(&f->net, mac), MODEL_OK);
  run(f);
  assert_false(drv_net_ctrl_busy(&f->net));
  assert_int_equal(drv_net_ctrl_last_ack(&f->net), -1);
  assert_int_equal(drv_net_stats(&f->net)->ctrl_err, 1);
  uint8_t now[6];
  drv_net_mac(&f->net, now);
  assert_memory_equal(now, dev_mac, 6);
  /* the ack byte unreadable */
  f->t.ctrl_used_len = 1;
  uint64_t ack = f->net.ctrl_addr + MODEL_NET_CTRL_HDR_SIZE + 2u * (4u + 64u * 6u);
  mem_fault(f, SIM_FAULT_ACCESS_READ, ack, ack + 1u, 0, 1);
  assert_int_equal(drv_net_ctrl_mac_addr(&f->net, mac), MODEL_OK);
  run(f);
  assert_int_equal(drv_net_ctrl_last_ack(&f->net), -1);
  assert_int_equal(drv_net_stats(&f->net)->ctrl_err, 2);
  drv_net_mac(&f->net, now);
  assert_memory_equal(now, dev_mac, 6);
  /* twin: written and readable */
  assert_int_equal(drv_net_ctrl_mac_addr(&f->net, mac), MODEL_OK);
  run(f);
  assert_int_equal(drv_net_ctrl_last_ack(&f->net), VIRTIO_NET_OK);
  drv_net_mac(&f->net, now);
  assert_memory_equal(now, mac, 6);
}

/* A control buffer write that fails (an injected fault) fails the command
 * before it is made available: nothing in flight, the next one works. */
static void test_net_ctrl_write_faults_fail_the_command(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |=
      M(VIRTIO_NET_F_CTRL_VQ) | M(VIRTIO_NET_F_CTRL_RX) | M(VIRTIO_NET_F_CTRL_MAC_ADDR);
  net_up(f);
  uint64_t base = f->net.ctrl_addr;
  uint64_t data = base + MODEL_NET_CTRL_HDR_SIZE;
  const uint8_t uni[1][6] = {{2, 0, 0, 0, 0, 1}};
  const uint8_t multi[1][6] = {{1, 0, 0x5e, 0, 0, 1}};
  static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x45};
  struct {
    uint64_t lo, hi; /* the bytes whose write fails */
    int cmd;         /* 0 rx, 1 mac table, 2 mac addr */
  } cases[] = {
      {data, data + 1u, 0},                  /* the rx command's byte */
      {base, base + 1u, 0},                  /* class */
      {base + 1u, base + 2u, 0},             /* command */
      {data, data + 4u, 1},                  /* unicast entries */
      {data + 4u, data + 10u, 1},            /* unicast addresses */
      {data + 10u, data + 14u, 1},           /* multicast entries */
      {data, data + 6u, 2},                  /* the address */
      {f->net.vq[MODEL_NET_CTRLQ].desc_addr, /* the queue's descriptors */
       f->net.vq[MODEL_NET_CTRLQ].desc_addr + 16u * 4u, 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    mem_fault(f, SIM_FAULT_ACCESS_WRITE, cases[i].lo, cases[i].hi, 0, 1);
    model_err err = cases[i].cmd == 0 ? drv_net_ctrl_rx(&f->net, VIRTIO_NET_CTRL_RX_ALLMULTI, true)
                    : cases[i].cmd == 1 ? drv_net_ctrl_mac_table(&f->net, uni, 1, multi, 1)
                                        : drv_net_ctrl_mac_addr(&f->net, mac);
    assert_int_equal(err, MODEL_ERR_MEM_FAULT);
    assert_false(drv_net_ctrl_busy(&f->net));
    assert_int_equal(drv_net_stats(&f->net)->ctrl_commands, 0);
  }
  assert_int_equal(drv_net_ctrl_rx(&f->net, VIRTIO_NET_CTRL_RX_ALLMULTI, true), MODEL_OK);
  run(f);
  assert_int_equal(drv_net_ctrl_last_ack(&f->net), VIRTIO_NET_OK);
  assert_int_equal(f->t.ctrl_last[1], VIRTIO_NET_CTRL_RX_ALLMULTI);
}

/* ---- misbehaviours that need their precondition ---------------------------- */

/* misbehave read-unoffered-config reads the first optional field whose
 * feature was not offered (2.5.1#3): max_virtqueue_pairs, else mtu, else
 * status; none when all were offered. */
static void test_2_5_1_3_read_unoffered_config_picks_the_field(void **state) {
  struct fixture *f = *state;
  f->cfg.misbehave = drv_misbehave_one(DRV_MISBEHAVE_READ_UNOFFERED_CONFIG);
  f->t.dev.config[MODEL_NET_CFG_OFF_MTU] = (uint8_t)(1500u & 0xffu);
  f->t.dev.config[MODEL_NET_CFG_OFF_MTU + 1] = (uint8_t)(1500u >> 8);
  const struct {
    uint64_t offered;
    uint32_t field; /* read although not offered; 0: none */
  } cases[] = {
      {M(VIRTIO_NET_F_MQ) | M(VIRTIO_NET_F_STATUS), MODEL_NET_CFG_OFF_MTU},
      {M(VIRTIO_NET_F_MQ) | M(VIRTIO_NET_F_MTU), MODEL_NET_CFG_OFF_STATUS},
      {M(VIRTIO_NET_F_MQ) | M(VIRTIO_NET_F_MTU) | M(VIRTIO_NET_F_STATUS), 0},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    drv_net_fini(&f->net);
    f->t.dev.log_count = 0;
    f->t.dev.features_offered = M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_MAC) | cases[i].offered;
    net_up(f);
    assert_int_equal(config_reads(f, MODEL_NET_CFG_OFF_MAX_VQ_PAIRS), 0);
    if (cases[i].field != 0)
      assert_true(config_reads(f, cases[i].field) > 0);
    else
      assert_true(config_reads(f, MODEL_NET_CFG_OFF_MTU) > 0 &&
                  config_reads(f, MODEL_NET_CFG_OFF_STATUS) > 0); /* offered: read anyway */
  }
}

/* The config misbehaviours about the MAC do nothing without
 * VIRTIO_NET_F_MAC: no 32-bit read there (4.2.2.2#5), no write
 * (5.1.4.2#1); and the driver's own address is used. */
static void test_net_mac_misbehaviours_need_the_mac_feature(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered = M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_STATUS);
  drv_misbehave_add(&f->cfg.misbehave, DRV_MISBEHAVE_WIDE_CONFIG_ACCESS);
  drv_misbehave_add(&f->cfg.misbehave, DRV_MISBEHAVE_WRITE_CONFIG);
  drv_misbehave_add(&f->cfg.misbehave, DRV_MISBEHAVE_WRONG_SRC_MAC);
  net_up(f);
  assert_int_equal(config_reads(f, MODEL_NET_CFG_OFF_MAC), 0);
  assert_int_equal(fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_CONFIG), 0);
  uint8_t mac[6];
  drv_net_mac(&f->net, mac);
  assert_memory_equal(mac, f->net.local_mac, 6);
  assert_int_equal(mac[0] & 0x03u, 0x02u); /* 5.1.4.2#4: local, unicast */
  assert_int_equal(drv_net_send(&f->net, 1, 60, 60, peer_mac), MODEL_OK);
  run(f);
  assert_int_equal(f->w.nic.stats[SIM_STREAM_TX].delivered, 1);
  assert_memory_equal(f->t.frame + MODEL_NET_HDR_SIZE + SIM_FRAME_OFF_SRC, mac, 6);
  expect_accounted(f);
}

/* The buffer-size misbehaviours need their precondition: rx-buffer-below-
 * mtu an mtu and no MRG_RXBUF, tiny-rx-buffer MRG_RXBUF, tx-oversize an mtu
 * below 1500; without it the well-behaved sizes stand. */
static void test_net_size_misbehaviours_need_their_precondition(void **state) {
  struct fixture *f = *state;
  drv_misbehave_add(&f->cfg.misbehave, DRV_MISBEHAVE_RX_BUFFER_BELOW_MTU);
  drv_misbehave_add(&f->cfg.misbehave, DRV_MISBEHAVE_TINY_RX_BUFFER);
  /* no mtu, no MRG_RXBUF */
  net_up(f);
  assert_int_equal(f->net.rx_buf_size, MODEL_NET_RX_BUF_MIN);
  struct drv_vq *rxq = drv_net_vq(&f->net, MODEL_NET_RXQ);
  struct fake_desc d = fake_desc_read(&f->t.dev, rxq->desc_addr, 0);
  assert_int_equal(d.len, MODEL_NET_RX_BUF_MIN);
  /* an mtu with MRG_RXBUF: not below it either */
  drv_net_fini(&f->net);
  f->t.dev.features_offered |= M(VIRTIO_NET_F_MTU) | M(VIRTIO_NET_F_MRG_RXBUF);
  f->t.dev.config[MODEL_NET_CFG_OFF_MTU] = (uint8_t)(9000u & 0xffu);
  f->t.dev.config[MODEL_NET_CFG_OFF_MTU + 1] = (uint8_t)(9000u >> 8);
  f->cfg.misbehave = drv_misbehave_one(DRV_MISBEHAVE_RX_BUFFER_BELOW_MTU);
  drv_misbehave_add(&f->cfg.misbehave, DRV_MISBEHAVE_TX_OVERSIZE);
  net_up(f);
  assert_int_equal(f->net.rx_buf_size, MODEL_NET_HDR_SIZE + 9000u + MODEL_ETH_HDR_SIZE);
  assert_int_equal(f->net.tx_frame_max, 9000u + MODEL_ETH_HDR_SIZE); /* the mtu's, not more */
  assert_int_equal(drv_net_send(&f->net, 1, 9015, 9015, peer_mac), MODEL_ERR_INVALID_ARG);
}

/* The NIC's ledger full: frames past it are not made, the send says so,
 * and those made go out (regression: they waited in the backlog). */
static void test_net_send_stops_when_no_frame_can_be_made(void **state) {
  struct fixture *f = *state;
  world_redo(f, 2);
  net_up(f);
  assert_int_equal(drv_net_send(&f->net, 5, 60, 60, peer_mac), MODEL_ERR_CAPACITY);
  assert_int_equal(drv_net_stats(&f->net)->tx_accepted, 2);
  run(f);
  assert_int_equal(drv_net_stats(&f->net)->tx_completed, 2);
  expect_accounted(f);
  /* stopped, the same: nothing made, the ledger's verdict reported */
  assert_int_equal(drv_net_reset(&f->net), MODEL_OK);
  assert_int_equal(drv_net_send(&f->net, 1, 60, 60, peer_mac), MODEL_ERR_CAPACITY);
  assert_int_equal(drv_net_stats(&f->net)->tx_accepted, 2);
  assert_int_equal(drv_net_stats(&f->net)->tx_dropped_reset, 0);
}

/* 5.1.9.2.3: a send that fills the backlog with the ring full still asks
 * for the completion that frees a slot, so nothing waits for the next
 * send (regression: it returned MODEL_ERR_CAPACITY before asking). */
static void test_5_1_9_2_3_full_backlog_still_asks_for_a_completion(void **state) {
  struct fixture *f = *state;
  f->cfg.queue_size[MODEL_NET_TXQ] = 4; /* two frames of two descriptors */
  f->cfg.tx_interrupts = false;
  f->cfg.tx_backlog_max = 4;
  net_up(f);
  /* 4 made, 2 onto the ring, 2 more made, then the backlog is full */
  assert_int_equal(drv_net_send(&f->net, 10, 60, 60, peer_mac), MODEL_ERR_CAPACITY);
  assert_int_equal(drv_net_stats(&f->net)->tx_accepted, 6);
  assert_int_equal(drv_net_tx_backlog(&f->net), 4);
  assert_true(f->net.vq[MODEL_NET_TXQ].cb_enabled);
  run(f);
  assert_int_equal(drv_net_tx_backlog(&f->net), 0);
  assert_int_equal(drv_net_stats(&f->net)->tx_queued, 6);
  assert_int_equal(f->w.nic.stats[SIM_STREAM_TX].delivered, 6);
  expect_accounted(f);
}

static void noop_event(void *ctx, uint64_t arg) {
  (void)ctx;
  (void)arg;
}

/* Odd corners of the send and the retry: a notification that fails after
 * the frames are on the ring (the next kick tells the device); a retry the
 * full scheduler cannot take (the next poll does the work); a device the
 * owner already failed is not failed again when it breaks a rule. */
static void test_net_send_and_retry_corners(void **state) {
  struct fixture *f = *state;
  net_up(f);
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  reg_fault_set(&f->t, true, MODEL_MMIO_QUEUE_NOTIFY, 0, 1);
  assert_int_equal(drv_net_send(&f->net, 2, 60, 60, peer_mac), MODEL_ERR_MEM_FAULT);
  assert_int_equal(s->tx_queued, 2);
  run(f);
  assert_int_equal(s->tx_completed, 0); /* the device was not told */
  assert_int_equal(drv_net_send(&f->net, 1, 60, 60, peer_mac), MODEL_OK);
  run(f);
  assert_int_equal(s->tx_completed, 3);
  expect_accounted(f);
  /* the scheduler full when a retry is due */
  struct drv_vq *rxq = drv_net_vq(&f->net, MODEL_NET_RXQ);
  uint64_t idx = rxq->used_addr + MODEL_SPLIT_USED_OFF_IDX;
  mem_fault(f, SIM_FAULT_ACCESS_READ, idx, idx + 2u, 0, 1);
  unsigned fill = 0;
  while (fill < 1u << 20 && sim_bus_schedule(&f->w.bus, 1u << 30, noop_event, NULL, 0) == MODEL_OK)
    fill++;
  assert_true(fill < 1u << 20);
  uint64_t errors = s->poll_errors;
  assert_int_equal(drv_net_poll(&f->net), MODEL_OK);
  assert_int_equal(s->poll_errors, errors + 1);
  assert_false(f->net.retry_pending);
  assert_int_equal(f->net.retry_count, 0);
  run(f);
  /* failed by its owner, then a hostile used id: FAILED is not written again */
  assert_int_equal(drv_core_fail(drv_net_core(&f->net)), MODEL_OK);
  size_t writes = fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_STATUS);
  f->t.lie_used_id = true;
  assert_int_equal(drv_net_send(&f->net, 1, 60, 60, peer_mac), MODEL_OK);
  run(f);
  assert_true(drv_net_is_broken(&f->net));
  assert_int_equal(f->net.broken_err, MODEL_ERR_RING_USED_ID);
  assert_int_equal(fake_log_count_offset(&f->t.dev, true, MODEL_MMIO_STATUS), writes);
}

/* 2.7.14: a device that uses a buffer every time the driver re-enables
 * and re-checks keeps it in the handler DRV_NET_POLL_ROUNDS_MAX rounds at
 * most; the rest is left to a retry, which finishes the work. */
static void test_2_7_14_busy_device_cannot_hold_the_handler(void **state) {
  struct fixture *f = *state;
  net_up(f);
  uint64_t addr = 0;
  uint16_t head = dev_rx_take(&f->t, &addr);
  f->t.rx_busy = 100;
  dev_rx_used(&f->t, head, 0);
  while (drv_net_stats(&f->net)->interrupts == 0)
    assert_int_equal(sim_world_run(&f->w, UINT64_MAX, 1), 1);
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  /* one buffer per round: the first, then one after each of the rounds'
   * notifications but the last */
  assert_int_equal(s->rx_buffers_used, DRV_NET_POLL_ROUNDS_MAX);
  assert_int_equal(f->t.rx_busy, 100u - DRV_NET_POLL_ROUNDS_MAX);
  assert_int_equal(s->poll_errors, 1); /* MODEL_ERR_TIMEOUT: a retry is due */
  assert_true(f->net.retry_pending);
  f->t.rx_busy = 0;
  run(f);
  assert_int_equal(s->rx_buffers_used, DRV_NET_POLL_ROUNDS_MAX + 1u);
  assert_int_equal(s->rx_errors, s->rx_buffers_used); /* none held a packet */
  assert_false(f->net.retry_pending);
  assert_int_equal(f->net.retry_count, 0);
  assert_int_equal(f->net.vq[MODEL_NET_RXQ].outstanding, f->net.rx_count);
  assert_false(drv_net_is_broken(&f->net));
}

/* 5.1.9.4.1#2: num_buffers above the buffers ever posted is malformed:
 * the buffer is taken alone and its frame dropped as such (accounted). */
static void test_5_1_9_4_1_num_buffers_past_the_ring_is_dropped(void **state) {
  struct fixture *f = *state;
  f->t.dev.features_offered |= M(VIRTIO_NET_F_MRG_RXBUF);
  f->cfg.queue_size[MODEL_NET_RXQ] = 16;
  net_up(f);
  f->t.rx_num_buffers = 17;
  assert_int_equal(sim_nic_generate(&f->w.nic, 1, 100, 100, dev_mac, 5), MODEL_OK);
  run(f);
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  assert_int_equal(s->rx_errors, 1);
  assert_int_equal(s->rx_frames, 0);
  assert_int_equal(f->w.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_MALFORMED], 1);
  /* twin: 16, every buffer posted, is a count the driver waits for */
  f->t.rx_num_buffers = 0;
  assert_int_equal(sim_nic_generate(&f->w.nic, 1, 100, 100, dev_mac, 5), MODEL_OK);
  run(f);
  assert_int_equal(s->rx_frames, 1);
  expect_accounted(f);
}

/* 2.7.8: lazy reclaim that finds a hostile used id while re-enabling
 * callbacks breaks the driver there and then; the send reports it. */
static void test_2_7_8_lazy_reclaim_finds_a_hostile_used_id(void **state) {
  struct fixture *f = *state;
  f->cfg.queue_size[MODEL_NET_TXQ] = 4;
  f->cfg.tx_interrupts = false;
  net_up(f);
  assert_int_equal(drv_net_send(&f->net, 2, 60, 60, peer_mac), MODEL_OK);
  f->t.lie_used_id = true;
  run(f); /* used with a lie, no interrupt asked */
  assert_false(drv_net_is_broken(&f->net));
  struct drv_vq *txq = drv_net_vq(&f->net, MODEL_NET_TXQ);
  uint64_t idx = txq->used_addr + MODEL_SPLIT_USED_OFF_IDX;
  mem_fault(f, SIM_FAULT_ACCESS_READ, idx, idx + 2u, 0, 1); /* the reclaim misses it */
  assert_int_equal(drv_net_send(&f->net, 1, 60, 60, peer_mac), MODEL_ERR_RING_USED_ID);
  assert_true(drv_net_is_broken(&f->net));
  assert_true(status_has(f, VIRTIO_STATUS_FAILED));
  assert_int_equal(drv_net_stats(&f->net)->tx_dropped_broken, 1); /* the one in the backlog */
}

/* Transient errors while an interrupt processes the queues (an injected
 * fault each time) are counted and retried; nothing is lost: a receive
 * buffer that could not be reposted, a failed notification after
 * reposting, a failed re-check after re-enabling, a failed tx drain. */
static void test_net_processing_errors_are_retried(void **state) {
  struct fixture *f = *state;
  f->cfg.queue_size[MODEL_NET_TXQ] = 4;
  net_up(f);
  const struct drv_net_stats *s = drv_net_stats(&f->net);
  struct drv_vq *rxq = drv_net_vq(&f->net, MODEL_NET_RXQ);
  /* the repost's descriptor write */
  mem_fault(f, SIM_FAULT_ACCESS_WRITE, rxq->desc_addr, rxq->desc_addr + 16u * rxq->size, 0, 1);
  assert_int_equal(sim_nic_generate(&f->w.nic, 1, 60, 60, dev_mac, 5), MODEL_OK);
  run(f);
  assert_int_equal(s->rx_frames, 1);
  assert_int_equal(s->poll_errors, 1);
  assert_int_equal(rxq->outstanding, f->net.rx_count - 1u); /* back after a reset */
  /* the notification after reposting */
  reg_fault_set(&f->t, true, MODEL_MMIO_QUEUE_NOTIFY, 0, 1);
  assert_int_equal(sim_nic_generate(&f->w.nic, 1, 60, 60, dev_mac, 5), MODEL_OK);
  run(f);
  assert_int_equal(f->t.rf.hits, 1);
  assert_int_equal(s->rx_frames, 2);
  assert_int_equal(s->poll_errors, 2);
  /* the used idx re-check after re-enabling (reads: entry, empty, re-check) */
  uint64_t idx = rxq->used_addr + MODEL_SPLIT_USED_OFF_IDX;
  mem_fault(f, SIM_FAULT_ACCESS_READ, idx, idx + 2u, 2, 1);
  assert_int_equal(sim_nic_generate(&f->w.nic, 1, 60, 60, dev_mac, 5), MODEL_OK);
  run(f);
  assert_int_equal(s->rx_frames, 3);
  assert_int_equal(s->poll_errors, 3);
  /* the tx drain a completion starts */
  assert_int_equal(drv_net_send(&f->net, 6, 60, 60, peer_mac), MODEL_OK);
  assert_int_equal(drv_net_tx_backlog(&f->net), 4);
  mem_fault(f, SIM_FAULT_ACCESS_WRITE, f->net.tx_base,
            f->net.tx_base + (uint64_t)f->net.tx_slot_count * f->net.tx_slot_size, 0, 1);
  run(f);
  assert_int_equal(s->poll_errors, 4);
  assert_int_equal(s->tx_completed, 6);
  assert_int_equal(drv_net_tx_backlog(&f->net), 0);
  assert_false(drv_net_is_broken(&f->net));
  expect_accounted(f);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_3_1_1_1_net_start_runs_the_sequence),
      T(test_3_1_1_4_net_start_features_rejected),
      T(test_4_2_3_1_1_net_ignores_device_id_zero),
      T(test_net_frames_reach_the_peer),
      T(test_net_tx_backlog_drains),
      T(test_net_tx_backlog_is_bounded),
      T(test_net_tx_backlog_grows_in_order),
      T(test_net_tx_indirect),
      T(test_5_1_9_2_3_tx_lazy_reclaim),
      T(test_net_rx_frames_delivered),
      T(test_5_1_9_4_rx_merged_buffers),
      T(test_5_1_9_3_1_small_buffers_without_mrg),
      T(test_3_3_1_reset_drops_queued_frames),
      T(test_net_hostile_used_id_fails_the_device),
      T(test_net_ctrl_commands),
      T(test_5_1_9_5_2_2_1_ctrl_needs_its_features),
      T(test_5_1_9_5_2_2_3_bad_mac_table_overcounts),
      T(test_net_config_change_reads_link_state),
      T(test_2_1_1_4_needs_reset_stops_the_driver),
      T(test_2_7_7_1_3_spurious_interrupt_is_harmless),
      T(test_5_1_4_2_9_mtu_bounds_frames),
      T(test_5_1_4_1_2_mtu_below_68_fails_start),
      T(test_4_2_2_2_15_queue_stop),
      T(test_net_init_refuses_bad_config),
      T(test_net_not_started_does_nothing),
      T(test_4_2_2_2_12_queue_size_above_max_fails_start),
      T(test_net_start_fails_when_guest_memory_runs_out),
      T(test_3_1_1_4_net_start_stops_at_a_failed_step),
      T(test_3_1_1_6_stepwise_start_notifies_only_after_driver_ok),
      T(test_net_tx_write_fault_keeps_the_frame),
      T(test_5_1_9_2_3_lazy_reclaim_edges),
      T(test_5_1_9_2_1_tx_gso_with_every_gso_feature),
      T(test_2_7_4_2_1_write_before_read_one_segment),
      T(test_5_1_9_4_rx_used_shorter_than_the_header),
      T(test_5_1_9_4_1_merged_packet_larger_than_any_frame),
      T(test_3_3_1_reset_cuts_a_merged_packet),
      T(test_net_rx_read_fault_loses_the_packet),
      T(test_2_7_8_2_2_rx_used_len_past_the_buffer),
      T(test_4_2_3_4_1_irq_register_errors_are_counted),
      T(test_3_2_1_config_change_while_stopped_reads_no_config),
      T(test_net_transient_errors_are_retried),
      T(test_3_3_1_reset_with_unreadable_used_ring),
      T(test_4_2_2_2_14_queue_stop_refuses_what_is_not_there),
      T(test_5_1_9_5_ctrl_refuses_bad_commands),
      T(test_5_1_9_5_2_2_1_mac_addr_without_ctrl_rx),
      T(test_2_7_8_3_1_ctrl_ack_only_when_written),
      T(test_net_ctrl_write_faults_fail_the_command),
      T(test_2_5_1_3_read_unoffered_config_picks_the_field),
      T(test_net_mac_misbehaviours_need_the_mac_feature),
      T(test_net_size_misbehaviours_need_their_precondition),
      T(test_net_send_stops_when_no_frame_can_be_made),
      T(test_5_1_9_2_3_full_backlog_still_asks_for_a_completion),
      T(test_net_send_and_retry_corners),
      T(test_2_7_14_busy_device_cannot_hold_the_handler),
      T(test_5_1_9_4_1_num_buffers_past_the_ring_is_dropped),
      T(test_2_7_8_lazy_reclaim_finds_a_hostile_used_id),
      T(test_net_processing_errors_are_retried),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
