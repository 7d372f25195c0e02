/*
 * frontend/tests/net_test.c: the virtio-net driver in a whole world
 * (sim/world.h, allowed in tests), against a small virtio-net device written
 * here on top of the fake register file: it transmits what the driver
 * queues onto the NIC's wire, writes arriving frames into receive buffers
 * (merging with MRG_RXBUF), answers control commands, honours notification
 * suppression, and can be told to pause, lie or ask for a reset.
 *
 * Covered: the 3.1.1 sequence end to end, its failure paths, frames both
 * ways with every frame accounted by the NIC's ledger, the tx backlog,
 * indirect tx, lazy tx reclaim, merged rx buffers, reset with frames queued,
 * a hostile used id, control commands, configuration change interrupts,
 * spurious interrupts, mtu limits.
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

struct tdev {
  struct fake_dev dev;
  struct sim_world *w;
  bool tx_paused;
  bool lie_used_id; /* report tx completions with an id past the queue */
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
    for (unsigned i = 0; i < n; i++) {
      assert_false(segs[i].writable);
      assert_int_equal(sim_bus_read_bytes(&t->w->bus, SIM_ACTOR_DEVICE, segs[i].addr,
                                          t->frame + len, segs[i].len),
                       MODEL_OK);
      len += segs[i].len;
    }
    assert_true(len >= MODEL_NET_HDR_SIZE);
    for (unsigned i = 0; i < MODEL_NET_HDR_SIZE; i++)
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
    fake_used_push(&t->dev, MODEL_NET_CTRLQ, head, 1);
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
  assert_int_equal(sim_bus_write_le16(&t->w->bus, SIM_ACTOR_DEVICE,
                                      first_addr + MODEL_NET_HDR_OFF_NUM_BUFFERS, (uint16_t)used),
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
  fake_dev_attach(&f->t.dev);
  sim_nic_attach_device(&f->w.nic, dev_rx, &f->t);
  drv_net_config_default(&f->cfg);
  *state = f;
  return 0;
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

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_3_1_1_1_net_start_runs_the_sequence),
      T(test_3_1_1_4_net_start_features_rejected),
      T(test_4_2_3_1_1_net_ignores_device_id_zero),
      T(test_net_frames_reach_the_peer),
      T(test_net_tx_backlog_drains),
      T(test_net_tx_backlog_is_bounded),
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
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
