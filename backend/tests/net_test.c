/*
 * backend/tests/net_test.c: the virtio-net device (backend/net.h) in a
 * default world, driven by a hand-written driver: transmission to the wire,
 * reception with and without MRG_RXBUF, drops with their reasons, the
 * control queue and receive filtering, link state, a malformed header,
 * reset of pending work, polling. Each run ends with every frame accounted
 * for (DESIGN.md rule 5) unless the test is about one that is not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend/net.h"
#include "dev_test_driver.h"
#include "model/net.h"

#define QSIZE     16u
#define RX_BUF(n) (TD_BUF_BASE + (uint64_t)(n)*0x1000u)
#define TX_BUF(n) (TD_BUF_BASE + 0x100000u + (uint64_t)(n)*0x1000u)
#define CTRL_BUF  (TD_BUF_BASE + 0x200000u)

struct fx {
  struct sim_world world;
  struct dev_net net;
  struct td_ring rx, tx, ctrl;
  uint16_t rx_next_desc, tx_next_desc;
  uint32_t irqs;
};

static void on_irq(void *ctx) {
  struct fx *fx = ctx;
  fx->irqs++;
  uint32_t isr = 0;
  assert_int_equal(
      sim_bus_reg_read(&fx->world.bus, SIM_ACTOR_DRIVER, MODEL_MMIO_INTERRUPT_STATUS, 4, &isr),
      MODEL_OK);
  assert_int_equal(
      sim_bus_reg_write(&fx->world.bus, SIM_ACTOR_DRIVER, MODEL_MMIO_INTERRUPT_ACK, 4, isr),
      MODEL_OK);
}

static int setup_cfg(void **state, void (*tune)(struct dev_net_config *)) {
  struct fx *fx = calloc(1, sizeof(*fx));
  assert_non_null(fx);
  td_world_init(&fx->world);
  struct dev_net_config cfg;
  dev_net_config_default(&cfg);
  cfg.queue_size_max = QSIZE;
  if (tune != NULL)
    tune(&cfg);
  assert_int_equal(dev_net_init(&fx->net, &fx->world.bus, &fx->world.nic, &cfg), MODEL_OK);
  sim_bus_attach_driver(&fx->world.bus, on_irq, fx);
  *state = fx;
  return 0;
}

static int setup(void **state) {
  return setup_cfg(state, NULL);
}

static void tune_poll(struct dev_net_config *cfg) {
  cfg->poll_interval_ticks = 10;
}
static int setup_poll(void **state) {
  return setup_cfg(state, tune_poll);
}

static void tune_extra(struct dev_net_config *cfg) {
  cfg->features_offered |= model_feature_mask(VIRTIO_NET_F_CTRL_RX_EXTRA) |
                           model_feature_mask(VIRTIO_NET_F_GUEST_ANNOUNCE);
}
static int setup_extra(void **state) {
  return setup_cfg(state, tune_extra);
}

static int teardown(void **state) {
  struct fx *fx = *state;
  dev_net_fini(&fx->net);
  sim_world_fini(&fx->world);
  free(fx);
  return 0;
}

static const unsigned base_bits[] = {
    VIRTIO_F_VERSION_1,   VIRTIO_NET_F_MAC,           VIRTIO_NET_F_STATUS,     VIRTIO_NET_F_CTRL_VQ,
    VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_CTRL_MAC_ADDR, VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_CSUM};

static uint64_t base_features(void) {
  return td_features(base_bits, sizeof(base_bits) / sizeof(base_bits[0]));
}

/* 3.1.1 with the given features; all three queues; DRIVER_OK. */
static void bring_up(struct fx *fx, uint64_t features) {
  struct sim_bus *bus = &fx->world.bus;
  assert_true((td_negotiate(bus, features) & VIRTIO_STATUS_FEATURES_OK) != 0);
  td_ring_layout(&fx->rx, 0, QSIZE);
  td_ring_layout(&fx->tx, 1, QSIZE);
  td_ring_layout(&fx->ctrl, 2, QSIZE);
  td_queue_setup(bus, 0, &fx->rx);
  td_queue_setup(bus, 1, &fx->tx);
  if (model_features_has(features, VIRTIO_NET_F_CTRL_VQ))
    td_queue_setup(bus, 2, &fx->ctrl);
  td_driver_ok(bus);
}

static void run(struct fx *fx) {
  sim_world_run(&fx->world, UINT64_MAX, 1000000);
}

static void notify(struct fx *fx, unsigned queue) {
  td_reg_set(&fx->world.bus, MODEL_MMIO_QUEUE_NOTIFY, queue);
}

static void assert_accounted(struct fx *fx) {
  char why[160];
  bool ok = sim_nic_check_accounted(&fx->world.nic, why, sizeof(why));
  if (!ok)
    fail_msg("not accounted: %s", why);
}

static void add_rx_buffer(struct fx *fx, uint32_t len) {
  uint16_t d = fx->rx_next_desc++;
  td_desc(&fx->world.bus, &fx->rx, d, RX_BUF(d), len, VIRTQ_DESC_F_WRITE, 0);
  td_avail_add(&fx->world.bus, &fx->rx, d);
}

/* Make a TX frame of `len` bytes to the peer and put it with a zero header
 * into one descriptor (split: header and frame in two). */
static uint64_t add_tx_frame(struct fx *fx, uint32_t len, bool split) {
  struct sim_bus *bus = &fx->world.bus;
  uint8_t frame[2048];
  uint64_t seq = 0;
  assert_true(len <= sizeof(frame));
  assert_int_equal(sim_nic_frame_make(&fx->world.nic, SIM_STREAM_TX, frame, len,
                                      fx->world.cfg.nic.peer_mac, fx->net.mac, &seq),
                   MODEL_OK);
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  uint16_t d = fx->tx_next_desc;
  uint64_t buf = TX_BUF(d);
  td_write_bytes(bus, buf, hdr, sizeof(hdr));
  if (split) {
    td_write_bytes(bus, buf + 0x800u, frame, len);
    td_desc(bus, &fx->tx, d, buf, MODEL_NET_HDR_SIZE, VIRTQ_DESC_F_NEXT, (uint16_t)(d + 1u));
    td_desc(bus, &fx->tx, (uint16_t)(d + 1u), buf + 0x800u, len, 0, 0);
    fx->tx_next_desc = (uint16_t)(d + 2u);
  } else {
    td_write_bytes(bus, buf + MODEL_NET_HDR_SIZE, frame, len);
    td_desc(bus, &fx->tx, d, buf, MODEL_NET_HDR_SIZE + len, 0, 0);
    fx->tx_next_desc = (uint16_t)(d + 1u);
  }
  td_avail_add(bus, &fx->tx, d);
  return seq;
}

/* A raw transmit chain (header bytes given), not a frame the NIC made. */
static void add_tx_raw(struct fx *fx, const uint8_t *hdr, const uint8_t *frame, uint32_t len) {
  struct sim_bus *bus = &fx->world.bus;
  uint16_t d = fx->tx_next_desc++;
  td_write_bytes(bus, TX_BUF(d), hdr, MODEL_NET_HDR_SIZE);
  td_write_bytes(bus, TX_BUF(d) + MODEL_NET_HDR_SIZE, frame, len);
  td_desc(bus, &fx->tx, d, TX_BUF(d), MODEL_NET_HDR_SIZE + len, 0, 0);
  td_avail_add(bus, &fx->tx, d);
}

/* The driver takes the frame of a used receive buffer and hands it to the
 * NIC's ledger, as the final consumer. */
static void consume_rx(struct fx *fx, uint64_t addr, uint32_t used_len) {
  uint8_t buf[4096];
  assert_true(used_len >= MODEL_NET_HDR_SIZE && used_len <= sizeof(buf));
  td_read_bytes(&fx->world.bus, addr, buf, used_len);
  assert_int_equal(sim_nic_deliver(&fx->world.nic, SIM_ACTOR_DRIVER, buf + MODEL_NET_HDR_SIZE,
                                   used_len - MODEL_NET_HDR_SIZE),
                   MODEL_OK);
}

/* Send a control command; returns the ack byte. */
static uint8_t ctrl_cmd(struct fx *fx, uint8_t class, uint8_t command, const uint8_t *data,
                        uint32_t data_len) {
  struct sim_bus *bus = &fx->world.bus;
  uint8_t hdr[2] = {class, command};
  uint8_t ack = 0xaa;
  td_write_bytes(bus, CTRL_BUF, hdr, 2);
  if (data_len > 0)
    td_write_bytes(bus, CTRL_BUF + 0x100u, data, data_len);
  td_write_bytes(bus, CTRL_BUF + 0x800u, &ack, 1);
  uint16_t d = (uint16_t)(model_split_slot(fx->ctrl.avail_idx, QSIZE / 4u) * 4u);
  td_desc(bus, &fx->ctrl, d, CTRL_BUF, 2, VIRTQ_DESC_F_NEXT, (uint16_t)(d + 1u));
  td_desc(bus, &fx->ctrl, (uint16_t)(d + 1u), CTRL_BUF + 0x100u, data_len, VIRTQ_DESC_F_NEXT,
          (uint16_t)(d + 2u));
  td_desc(bus, &fx->ctrl, (uint16_t)(d + 2u), CTRL_BUF + 0x800u, 1, VIRTQ_DESC_F_WRITE, 0);
  uint16_t before = td_used_idx(bus, &fx->ctrl);
  td_avail_add(bus, &fx->ctrl, d);
  notify(fx, MODEL_NET_CTRLQ);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->ctrl), (uint16_t)(before + 1u));
  uint32_t id = 0, len = 0;
  td_used_elem(bus, &fx->ctrl, before, &id, &len);
  assert_int_equal(id, d);
  assert_int_equal(len, 1);
  td_read_bytes(bus, CTRL_BUF + 0x800u, &ack, 1);
  return ack;
}

/* ---- transmission ---- */

static void test_5_1_9_2_2_tx_one_frame_reaches_wire(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features());
  add_tx_frame(fx, 200, false);
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->tx), 1);
  uint32_t id = 9, len = 9;
  td_used_elem(bus, &fx->tx, 0, &id, &len);
  assert_int_equal(id, 0);
  assert_int_equal(len, 0); /* nothing written */
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_TX].delivered, 1);
  assert_int_equal(dev_net_stats(&fx->net)->tx_frames, 1);
  assert_true(fx->irqs >= 1);
  assert_accounted(fx);
}

static void test_2_7_4_1_1_tx_header_in_its_own_descriptor(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  add_tx_frame(fx, 100, true);
  add_tx_frame(fx, 60, false);
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 2);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_TX].delivered, 2);
  assert_accounted(fx);
}

static void test_5_1_9_2_1_24_tx_gso_without_feature_breaks_queue(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_GSO_TYPE] = VIRTIO_NET_HDR_GSO_TCPV4;
  uint8_t frame[64] = {0};
  add_tx_raw(fx, hdr, frame, sizeof(frame));
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  const struct dev_core *core = dev_net_core(&fx->net);
  assert_true((dev_core_status(core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0);
  assert_int_equal(core->violation.err, MODEL_ERR_NET_HDR);
  assert_string_equal(core->violation.clause, "5.1.9.2.1#24");
  assert_int_equal(core->violation_queue, MODEL_NET_TXQ);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 0);
  assert_int_equal(fx->world.bus.counters[SIM_CTR_CONFIG_IRQ], 1); /* 2.1.2#3 */
  assert_int_equal(dev_net_stats(&fx->net)->tx_frames, 0);
}

static void test_5_1_9_2_1_23_csum_offset_outside_packet(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_FLAGS] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  hdr[MODEL_NET_HDR_OFF_CSUM_START] = 60;
  hdr[MODEL_NET_HDR_OFF_CSUM_OFFSET] = 3; /* 60 + 3 + 2 > 64 */
  uint8_t frame[64] = {0};
  add_tx_raw(fx, hdr, frame, sizeof(frame));
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  assert_int_equal(dev_net_core(&fx->net)->violation.err, MODEL_ERR_NET_HDR);
  assert_string_equal(dev_net_core(&fx->net)->violation.clause, "5.1.9.2.1#23");
}

static void test_5_1_9_2_csum_completed_when_needed(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_FLAGS] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  hdr[MODEL_NET_HDR_OFF_CSUM_START] = 20;
  hdr[MODEL_NET_HDR_OFF_CSUM_OFFSET] = 42; /* 20 + 42 + 2 == 64: the last word */
  uint8_t frame[64];
  for (unsigned i = 0; i < sizeof(frame); i++)
    frame[i] = (uint8_t)(i * 7u);
  frame[62] = 0;
  frame[63] = 0;
  add_tx_raw(fx, hdr, frame, sizeof(frame));
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  assert_int_equal(dev_net_stats(&fx->net)->tx_frames, 1);
  /* The ones' complement sum over [20, 64) with the stored checksum is all ones. */
  const uint8_t *sent = fx->net.frame_buf;
  uint32_t sum = 0;
  for (unsigned i = 20; i < 64; i += 2) {
    sum += (uint32_t)(sent[i] << 8 | sent[i + 1]);
    sum = (sum & 0xffffu) + (sum >> 16);
  }
  assert_int_equal(sum, 0xffffu);
}

static void test_net_tx_link_down_drops(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  dev_net_set_link(&fx->net, false);
  add_tx_frame(fx, 100, false);
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 1); /* buffer returned */
  assert_int_equal(dev_net_stats(&fx->net)->tx_dropped[SIM_DROP_LINK_DOWN], 1);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_TX].dropped[SIM_DROP_LINK_DOWN], 1);
  assert_accounted(fx);
}

static void test_5_1_4_2_9_tx_larger_than_mtu_dropped(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_MTU));
  add_tx_frame(fx, 1514, false); /* mtu + 14: passes */
  add_tx_frame(fx, 1515, false); /* one more: dropped */
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 2);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_TX].delivered, 1);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_TX].dropped[SIM_DROP_TOO_BIG], 1);
  assert_accounted(fx);
}

static void test_net_tx_event_idx_batch_and_avail_event(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_F_EVENT_IDX));
  td_set_used_event(bus, &fx->tx, 2); /* notify only once entry 2 is used */
  for (int i = 0; i < 4; i++)
    add_tx_frame(fx, 80, false);
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->tx), 4);
  assert_int_equal(fx->irqs, 1);
  assert_int_equal(td_avail_event(bus, &fx->tx), 4); /* the next entry it wants to hear of */
  assert_int_equal(td_used_flags(bus, &fx->tx), 0);
  assert_accounted(fx);
}

static void test_net_reset_cancels_pending_tx(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  add_tx_frame(fx, 100, false);
  notify(fx, MODEL_NET_TXQ);
  /* Let the doorbell arrive, then reset before the delayed processing. */
  while (!fx->net.work_pending[MODEL_NET_TXQ])
    assert_true(sim_sched_step(&fx->world.sched));
  td_reg_set(&fx->world.bus, MODEL_MMIO_STATUS, 0);
  assert_false(fx->net.work_pending[MODEL_NET_TXQ]);
  run(fx);
  assert_int_equal(dev_net_stats(&fx->net)->tx_frames, 0);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 0); /* 2.4.1#2 */
  assert_int_equal(fx->world.bus.counters[SIM_CTR_RESETS], 2);
}

static void test_net_poll_mode_transmits_without_notify(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features());
  add_tx_frame(fx, 100, false);
  sim_world_run(&fx->world, 100, 100000); /* polling never idles: bounded */
  assert_int_equal(td_used_idx(bus, &fx->tx), 1);
  assert_int_equal(td_used_flags(bus, &fx->tx), VIRTQ_USED_F_NO_NOTIFY);
  assert_int_equal(td_used_flags(bus, &fx->rx), VIRTQ_USED_F_NO_NOTIFY);
  sim_world_run(&fx->world, 200, 100000);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_TX].delivered, 1);
  assert_accounted(fx);
}

/* ---- reception ---- */

static void test_5_1_9_4_1_1_rx_single_buffer(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features());
  add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  notify(fx, MODEL_NET_RXQ);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 300, 300, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->rx), 1);
  uint32_t id = 0, len = 0;
  td_used_elem(bus, &fx->rx, 0, &id, &len);
  assert_int_equal(id, 0);
  assert_int_equal(len, MODEL_NET_HDR_SIZE + 300u);
  uint8_t hdr[MODEL_NET_HDR_SIZE];
  td_read_bytes(bus, RX_BUF(0), hdr, sizeof(hdr));
  assert_int_equal(hdr[MODEL_NET_HDR_OFF_FLAGS], VIRTIO_NET_HDR_F_DATA_VALID); /* GUEST_CSUM */
  assert_int_equal(hdr[MODEL_NET_HDR_OFF_GSO_TYPE], VIRTIO_NET_HDR_GSO_NONE);
  assert_int_equal(hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS], 1);
  assert_int_equal(hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS + 1], 0);
  consume_rx(fx, RX_BUF(0), len);
  assert_true(fx->irqs >= 1);
  assert_accounted(fx);
}

static void test_5_1_9_4_1_5_rx_flags_zero_without_guest_csum(void **state) {
  struct fx *fx = *state;
  bring_up(fx, model_feature_mask(VIRTIO_F_VERSION_1));
  add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, fx->net.mac, 1), MODEL_OK);
  run(fx);
  uint8_t hdr[MODEL_NET_HDR_SIZE];
  td_read_bytes(&fx->world.bus, RX_BUF(0), hdr, sizeof(hdr));
  assert_int_equal(hdr[MODEL_NET_HDR_OFF_FLAGS], 0);
  consume_rx(fx, RX_BUF(0), MODEL_NET_HDR_SIZE + 60u);
  assert_accounted(fx);
}

static void test_net_rx_buffer_one_byte_short_dropped_too_big(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features());
  add_rx_buffer(fx, MODEL_NET_HDR_SIZE + 99u);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 100, 100, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->rx), 0); /* the buffer stays available */
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_TOO_BIG], 1);
  /* The twin: a frame that fits exactly takes it. */
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 99, 99, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->rx), 1);
  consume_rx(fx, RX_BUF(0), MODEL_NET_HDR_SIZE + 99u);
  assert_accounted(fx);
}

static void test_5_1_9_4_1_2_rx_merged_buffers(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_MRG_RXBUF));
  for (int i = 0; i < 6; i++)
    add_rx_buffer(fx, 256);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 1000, 1000, fx->net.mac, 1), MODEL_OK);
  run(fx);
  /* 12 + 1000 = 1012 bytes: 256 + 256 + 256 + 244 (#3: all but the last full). */
  assert_int_equal(td_used_idx(bus, &fx->rx), 4);
  uint32_t expect[4] = {256, 256, 256, 244};
  uint8_t packet[1012];
  uint32_t at = 0;
  for (uint16_t i = 0; i < 4; i++) {
    uint32_t id = 0, len = 0;
    td_used_elem(bus, &fx->rx, i, &id, &len);
    assert_int_equal(id, i);
    assert_int_equal(len, expect[i]);
    td_read_bytes(bus, RX_BUF(id), packet + at, len);
    at += len;
  }
  assert_int_equal(packet[MODEL_NET_HDR_OFF_NUM_BUFFERS], 4); /* #2 */
  assert_int_equal(
      sim_nic_deliver(&fx->world.nic, SIM_ACTOR_DRIVER, packet + MODEL_NET_HDR_SIZE, 1000),
      MODEL_OK);
  assert_int_equal(fx->irqs, 1); /* #4: published together */
  assert_accounted(fx);
}

static void test_net_rx_merged_ring_runs_dry_gives_all_back(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_MRG_RXBUF));
  add_rx_buffer(fx, 256);
  add_rx_buffer(fx, 256);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 1000, 1000, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->rx), 0);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_NO_RX_BUFFER], 1);
  /* The two buffers are still there for a frame that fits. */
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 400, 400, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->rx), 2);
  uint32_t id = 9, len = 0;
  td_used_elem(bus, &fx->rx, 0, &id, &len);
  assert_int_equal(id, 0);
  assert_int_equal(len, 256);
  td_used_elem(bus, &fx->rx, 1, &id, &len);
  assert_int_equal(id, 1);
  assert_int_equal(len, MODEL_NET_HDR_SIZE + 400u - 256u);
  uint8_t packet[MODEL_NET_HDR_SIZE + 400u];
  td_read_bytes(bus, RX_BUF(0), packet, 256);
  td_read_bytes(bus, RX_BUF(1), packet + 256, len);
  assert_int_equal(packet[MODEL_NET_HDR_OFF_NUM_BUFFERS], 2);
  assert_int_equal(
      sim_nic_deliver(&fx->world.nic, SIM_ACTOR_DRIVER, packet + MODEL_NET_HDR_SIZE, 400),
      MODEL_OK);
  assert_accounted(fx);
}

static void test_5_1_9_3_1_3_merged_buffer_smaller_than_header(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_MRG_RXBUF));
  add_rx_buffer(fx, MODEL_NET_HDR_SIZE - 1u);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, fx->net.mac, 1), MODEL_OK);
  run(fx);
  const struct dev_core *core = dev_net_core(&fx->net);
  assert_int_equal(core->violation.err, MODEL_ERR_NET_FRAME_SIZE);
  assert_string_equal(core->violation.clause, "5.1.9.3.1#3");
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_BROKEN], 1);
  assert_accounted(fx);
}

static void test_net_rx_write_fault_breaks_queue_frame_accounted(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  struct sim_fault_rule rule = {
      .kind = SIM_FAULT_MEM_FAIL,
      .actor = SIM_ACTOR_DEVICE,
      .access = SIM_FAULT_ACCESS_WRITE,
      .addr_lo = RX_BUF(0),
      .addr_hi = RX_BUF(1),
      .prob_ppm = SIM_PPM_ONE,
  };
  assert_int_equal(sim_world_add_fault(&fx->world, &rule), MODEL_OK);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_true((dev_core_status(dev_net_core(&fx->net)) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0);
  assert_int_equal(dev_net_core(&fx->net)->violation.err, MODEL_ERR_MEM_FAULT);
  /* Split: a failed write of what the used ring publishes. */
  assert_string_equal(dev_net_core(&fx->net)->violation.clause, "2.7.8.2");
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_BROKEN], 1);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), 0);
  assert_accounted(fx);
}

static void test_net_tx_read_fault_breaks_queue(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  static const uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  static const uint8_t frame[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  add_tx_raw(fx, hdr, frame, sizeof(frame));
  struct sim_fault_rule rule = {
      .kind = SIM_FAULT_MEM_FAIL,
      .actor = SIM_ACTOR_DEVICE,
      .access = SIM_FAULT_ACCESS_READ,
      .addr_lo = TX_BUF(0),
      .addr_hi = TX_BUF(1),
      .prob_ppm = SIM_PPM_ONE,
  };
  assert_int_equal(sim_world_add_fault(&fx->world, &rule), MODEL_OK);
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  const struct dev_core *core = dev_net_core(&fx->net);
  assert_true((dev_core_status(core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0);
  assert_int_equal(core->violation.err, MODEL_ERR_MEM_FAULT);
  /* Split: a failed access to a buffer the descriptor table describes. */
  assert_string_equal(core->violation.clause, "2.7.5");
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 0);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_TX].delivered, 0);
}

static void test_net_rx_without_buffer_dropped(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  assert_int_equal(sim_nic_generate(&fx->world.nic, 3, 60, 60, fx->net.mac, 5), MODEL_OK);
  run(fx);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_NO_RX_BUFFER], 3);
  assert_accounted(fx);
}

static void test_2_1_2_1_rx_before_driver_ok_dropped(void **state) {
  struct fx *fx = *state;
  td_negotiate(&fx->world.bus, base_features());
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_NO_RX_BUFFER], 1);
  assert_accounted(fx);
}

static void test_5_1_4_1_4_rx_larger_than_mtu_dropped(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_MRG_RXBUF) |
                   model_feature_mask(VIRTIO_NET_F_MTU));
  for (int i = 0; i < 12; i++)
    add_rx_buffer(fx, 4000);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 1515, 1515, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_TOO_BIG], 1);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 1514, 1514, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), 1);
  consume_rx(fx, RX_BUF(0), MODEL_NET_HDR_SIZE + 1514u);
  assert_accounted(fx);
}

static void test_net_link_down_rx_dropped_and_config_change(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  uint32_t gen = td_reg(&fx->world.bus, MODEL_MMIO_CONFIG_GENERATION);
  dev_net_set_link(&fx->net, false);
  assert_int_equal(fx->world.bus.counters[SIM_CTR_CONFIG_IRQ], 1);
  assert_int_not_equal(td_reg(&fx->world.bus, MODEL_MMIO_CONFIG_GENERATION), gen);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_LINK_DOWN], 1);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), 0);
  assert_accounted(fx);
}

/* ---- control queue and filtering ---- */

static void test_5_1_9_5_1_1_promisc_off_filters_other_macs(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features());
  for (int i = 0; i < 4; i++)
    add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  static const uint8_t other[6] = {0x52, 0x54, 0x00, 0x99, 0x99, 0x99};
  static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  assert_true(dev_net_rx_filter_accepts(&fx->net, other)); /* promiscuous at reset */
  uint8_t off = 0;
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &off, 1),
                   VIRTIO_NET_OK);
  assert_false(dev_net_rx_filter_accepts(&fx->net, other)); /* 5.1.9.5.2.1#4 */
  assert_true(dev_net_rx_filter_accepts(&fx->net, fx->net.mac));
  assert_true(dev_net_rx_filter_accepts(&fx->net, bcast));
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, other, 1), MODEL_OK);
  run(fx);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_FILTERED], 1);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->rx), 1);
  consume_rx(fx, RX_BUF(0), MODEL_NET_HDR_SIZE + 60u);
  assert_int_equal(dev_net_stats(&fx->net)->ctrl_ok, 1);
  assert_accounted(fx);
}

static void test_5_1_9_5_ctrl_bad_commands_answer_err(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  uint8_t one = 1, two = 2;
  assert_int_equal(ctrl_cmd(fx, 42, 0, &one, 1), VIRTIO_NET_ERR); /* unknown class */
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, 9, &one, 1), VIRTIO_NET_ERR);
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &two, 1),
                   VIRTIO_NET_ERR);
  /* 5.1.9.5.1.2#2: NOUNI needs CTRL_RX_EXTRA, not offered here. */
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_NOUNI, &one, 1),
                   VIRTIO_NET_ERR);
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0),
                   VIRTIO_NET_ERR);
  assert_true(fx->net.promisc); /* nothing changed */
  assert_int_equal(dev_net_stats(&fx->net)->ctrl_err, 5);
}

static void test_5_1_9_5_1_1_rx_extra_modes(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_CTRL_RX_EXTRA));
  static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
  static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  uint8_t on = 1, off = 0;
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &off, 1),
                   VIRTIO_NET_OK);
  assert_false(dev_net_rx_filter_accepts(&fx->net, mcast));
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLMULTI, &on, 1),
                   VIRTIO_NET_OK);
  assert_true(dev_net_rx_filter_accepts(&fx->net, mcast));
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_NOMULTI, &on, 1),
                   VIRTIO_NET_OK);
  assert_false(dev_net_rx_filter_accepts(&fx->net, mcast)); /* #8: wins over ALLMULTI */
  assert_true(dev_net_rx_filter_accepts(&fx->net, bcast));  /* #9: spares broadcast */
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_NOBCAST, &on, 1),
                   VIRTIO_NET_OK);
  assert_false(dev_net_rx_filter_accepts(&fx->net, bcast));
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_NOUNI, &on, 1),
                   VIRTIO_NET_OK);
  assert_false(dev_net_rx_filter_accepts(&fx->net, fx->net.mac));
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &on, 1),
                   VIRTIO_NET_OK);
  assert_true(dev_net_rx_filter_accepts(&fx->net, bcast)); /* #3: promisc wins */
}

static void test_5_1_9_5_2_1_mac_table_and_addr_set(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features());
  uint8_t off = 0;
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &off, 1),
                   VIRTIO_NET_OK);
  static const uint8_t uni[6] = {0x02, 0, 0, 0, 0, 0x11};
  static const uint8_t multi[6] = {0x01, 0, 0x5e, 0, 0, 0x22};
  static const uint8_t stranger[6] = {0x02, 0, 0, 0, 0, 0x33};
  uint8_t table[4 + 6 + 4 + 6] = {1, 0, 0, 0};
  memcpy(table + 4, uni, 6);
  table[10] = 1;
  memcpy(table + 14, multi, 6);
  assert_int_equal(
      ctrl_cmd(fx, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table, sizeof(table)),
      VIRTIO_NET_OK);
  assert_true(dev_net_rx_filter_accepts(&fx->net, uni));
  assert_true(dev_net_rx_filter_accepts(&fx->net, multi));
  assert_false(dev_net_rx_filter_accepts(&fx->net, stranger));
  /* A table whose counts do not match its length is refused. */
  table[0] = 2;
  assert_int_equal(
      ctrl_cmd(fx, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table, sizeof(table)),
      VIRTIO_NET_ERR);
  assert_true(dev_net_rx_filter_accepts(&fx->net, uni));
  /* ADDR_SET: shown in config space before the command is used (#3). */
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, stranger, 6),
                   VIRTIO_NET_OK);
  uint32_t v = 0;
  assert_int_equal(sim_bus_reg_read(bus, SIM_ACTOR_DRIVER,
                                    MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_MAC + 5u, 1, &v),
                   MODEL_OK);
  assert_int_equal(v, 0x33);
  assert_true(dev_net_rx_filter_accepts(&fx->net, stranger));
  /* 5.1.9.5.2.1#1: reset empties the table and restores the mac. */
  td_reg_set(bus, MODEL_MMIO_STATUS, 0);
  assert_int_equal(fx->net.mac_uni_count + fx->net.mac_multi_count, 0);
  assert_memory_equal(fx->net.mac, fx->net.cfg.mac, 6);
}

static void test_5_1_9_5_4_2_announce_ack_clears_bit(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_GUEST_ANNOUNCE));
  assert_int_equal(dev_net_announce(&fx->net), MODEL_OK);
  assert_true((fx->net.net_status & VIRTIO_NET_S_ANNOUNCE) != 0);
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0),
                   VIRTIO_NET_OK);
  assert_true((fx->net.net_status & VIRTIO_NET_S_ANNOUNCE) == 0);
}

static void test_5_1_9_5_ctrl_chain_without_ack_room_breaks_queue(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features());
  uint8_t hdr[2] = {VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC};
  td_write_bytes(bus, CTRL_BUF, hdr, 2);
  td_desc(bus, &fx->ctrl, 0, CTRL_BUF, 3, 0, 0); /* no writable byte */
  td_avail_add(bus, &fx->ctrl, 0);
  notify(fx, MODEL_NET_CTRLQ);
  run(fx);
  assert_int_equal(dev_net_core(&fx->net)->violation.err, MODEL_ERR_NET_CTRL);
  assert_int_equal(dev_net_core(&fx->net)->violation_queue, MODEL_NET_CTRLQ);
}

static void test_net_config_default_is_consistent(void **state) {
  (void)state;
  struct dev_net_config cfg;
  dev_net_config_default(&cfg);
  unsigned bit = 0;
  uint64_t missing = 0;
  /* 2.2.2#1 */
  assert_int_equal(model_features_check_deps(VIRTIO_ID_NET, cfg.features_offered, &bit, &missing),
                   MODEL_OK);
  assert_true(model_features_has(cfg.features_offered, VIRTIO_F_VERSION_1));
  assert_int_equal(cfg.mtu, 1500);
  assert_int_equal(cfg.queue_size_max, 256);
}

static void test_2_2_2_4_init_refuses_unsupported_features(void **state) {
  struct fx *fx = *state;
  struct dev_net net2;
  struct dev_net_config cfg;
  dev_net_config_default(&cfg);
  cfg.features_offered |= model_feature_mask(VIRTIO_NET_F_GUEST_TSO4);
  assert_int_equal(dev_net_init(&net2, &fx->world.bus, NULL, &cfg), MODEL_ERR_INVALID_ARG);
  dev_net_config_default(&cfg);
  cfg.features_offered &= ~model_feature_mask(VIRTIO_NET_F_CTRL_VQ); /* CTRL_RX needs it */
  assert_int_equal(dev_net_init(&net2, &fx->world.bus, NULL, &cfg), MODEL_ERR_INVALID_ARG);
}

/* ---- edges: configuration, faults, misbehaviours that find nothing to do ---- */

static void add_fault(struct fx *fx, unsigned access, uint64_t lo, uint64_t hi, uint64_t skip) {
  struct sim_fault_rule rule = {
      .kind = SIM_FAULT_MEM_FAIL,
      .actor = SIM_ACTOR_DEVICE,
      .access = access,
      .addr_lo = lo,
      .addr_hi = hi,
      .skip_count = skip,
      .fire_count = 1,
      .prob_ppm = SIM_PPM_ONE,
  };
  assert_int_equal(sim_world_add_fault(&fx->world, &rule), MODEL_OK);
}

static uint64_t used_elem_addr(const struct td_ring *r, uint16_t idx) {
  return r->used + model_split_used_ring_off(model_split_slot(idx, r->size));
}

/* The device needs a reset for err under clause, on queue. */
static void assert_needs_reset(struct fx *fx, model_err err, const char *clause, int32_t queue) {
  const struct dev_core *core = dev_net_core(&fx->net);
  assert_true((dev_core_status(core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0);
  assert_int_equal(core->violation.err, err);
  assert_string_equal(core->violation.clause, clause);
  assert_int_equal(core->violation_queue, queue);
}

static uint32_t cfg_read(struct fx *fx, uint32_t off, uint32_t width) {
  uint32_t v = 0;
  assert_int_equal(
      sim_bus_reg_read(&fx->world.bus, SIM_ACTOR_DRIVER, MODEL_MMIO_CONFIG + off, width, &v),
      MODEL_OK);
  return v;
}

/* Post a control command without waiting for its use (the queue may
 * break on it). */
static void ctrl_post(struct fx *fx, uint8_t class, uint8_t command, const uint8_t *data,
                      uint32_t data_len) {
  struct sim_bus *bus = &fx->world.bus;
  uint8_t hdr[2] = {class, command};
  uint8_t ack = 0xaa;
  td_write_bytes(bus, CTRL_BUF, hdr, 2);
  if (data_len > 0)
    td_write_bytes(bus, CTRL_BUF + 0x100u, data, data_len);
  td_write_bytes(bus, CTRL_BUF + 0x800u, &ack, 1);
  td_desc(bus, &fx->ctrl, 0, CTRL_BUF, 2, VIRTQ_DESC_F_NEXT, 1);
  td_desc(bus, &fx->ctrl, 1, CTRL_BUF + 0x100u, data_len, VIRTQ_DESC_F_NEXT, 2);
  td_desc(bus, &fx->ctrl, 2, CTRL_BUF + 0x800u, 1, VIRTQ_DESC_F_WRITE, 0);
  td_avail_add(bus, &fx->ctrl, 0);
  notify(fx, MODEL_NET_CTRLQ);
  run(fx);
}

static void test_net_init_refuses_bad_configs(void **state) {
  struct fx *fx = *state;
  struct sim_world w2;
  td_world_init(&w2);
  struct dev_net net2;
  struct dev_net_config cfg;
  for (unsigned k = 0; k < 6; k++) {
    dev_net_config_default(&cfg);
    if (k == 0)
      cfg.queue_size_max = 65536; /* above 32768 */
    if (k == 1)
      cfg.queue_size_max = 100; /* not a power of two */
    if (k == 2)
      cfg.features_offered &= ~model_feature_mask(VIRTIO_F_VERSION_1);
    if (k == 3)
      cfg.mtu = MODEL_NET_MTU_MIN - 1u; /* 5.1.4.1#2, with MTU offered */
    if (k == 4)
      cfg.mac_table_max = 4097;
    assert_int_equal(dev_net_init(&net2, k == 5 ? NULL : &w2.bus, NULL, &cfg),
                     MODEL_ERR_INVALID_ARG);
    dev_net_fini(&net2); /* nothing to release */
    assert_null(net2.frame_buf);
  }
  assert_int_equal(dev_net_init(&net2, &w2.bus, NULL, NULL), MODEL_ERR_INVALID_ARG);
  /* The twins at the limits; a large mtu grows the frame scratch. */
  dev_net_config_default(&cfg);
  cfg.mtu = 65535;
  cfg.mac_table_max = 4096;
  cfg.queue_size_max = 32768;
  assert_int_equal(dev_net_init(&net2, &w2.bus, NULL, &cfg), MODEL_OK);
  assert_int_equal(net2.frame_buf_size, 65535u + MODEL_ETH_HDR_SIZE);
  dev_net_fini(&net2);
  dev_net_config_default(&cfg);
  cfg.mtu = MODEL_NET_MTU_MIN;
  assert_int_equal(dev_net_init(&net2, &w2.bus, NULL, &cfg), MODEL_OK);
  dev_net_fini(&net2);
  sim_world_fini(&w2);
  (void)fx;
}

/* A device with no NIC: frames are only counted. */
static void test_net_without_nic_counts_frames(void **state) {
  struct fx *fx = *state;
  dev_net_fini(&fx->net);
  struct dev_net_config cfg;
  dev_net_config_default(&cfg);
  cfg.queue_size_max = QSIZE;
  assert_int_equal(dev_net_init(&fx->net, &fx->world.bus, NULL, &cfg), MODEL_OK);
  bring_up(fx, base_features());
  static const uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  uint8_t frame[60] = {0};
  memcpy(frame, fx->net.mac, MODEL_NET_MAC_LEN);
  add_tx_raw(fx, hdr, frame, sizeof(frame));
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  assert_int_equal(dev_net_stats(&fx->net)->tx_frames, 1);
  dev_net_set_link(&fx->net, false);
  add_tx_raw(fx, hdr, frame, sizeof(frame));
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  assert_int_equal(dev_net_stats(&fx->net)->tx_dropped[SIM_DROP_LINK_DOWN], 1);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 2);
  dev_net_rx_frame(&fx->net, frame, sizeof(frame));
  assert_int_equal(dev_net_stats(&fx->net)->rx_dropped[SIM_DROP_LINK_DOWN], 1);
  dev_net_set_link(&fx->net, true);
  add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  dev_net_rx_frame(&fx->net, frame, sizeof(frame));
  assert_int_equal(dev_net_stats(&fx->net)->rx_frames, 1);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), 1);
  /* GUEST_CSUM negotiated, but these bytes are no frame the NIC made:
   * DATA_VALID is not claimed. */
  uint8_t rx_hdr[MODEL_NET_HDR_SIZE];
  td_read_bytes(&fx->world.bus, RX_BUF(0), rx_hdr, sizeof(rx_hdr));
  assert_int_equal(rx_hdr[MODEL_NET_HDR_OFF_FLAGS], 0);
}

/* Link changes: only a change counts; without STATUS offered no
 * configuration change is announced (mtu-changes without MTU offered does
 * nothing). */
static void test_net_link_change_without_status_is_silent(void **state) {
  struct fx *fx = *state;
  dev_net_fini(&fx->net);
  struct dev_net_config cfg;
  dev_net_config_default(&cfg);
  cfg.queue_size_max = QSIZE;
  cfg.features_offered &=
      ~(model_feature_mask(VIRTIO_NET_F_STATUS) | model_feature_mask(VIRTIO_NET_F_MTU));
  cfg.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_MTU_CHANGES);
  assert_int_equal(dev_net_init(&fx->net, &fx->world.bus, &fx->world.nic, &cfg), MODEL_OK);
  bring_up(fx, model_feature_mask(VIRTIO_F_VERSION_1));
  uint32_t gen = td_reg(&fx->world.bus, MODEL_MMIO_CONFIG_GENERATION);
  dev_net_set_link(&fx->net, true); /* no change */
  dev_net_set_link(&fx->net, false);
  assert_false(fx->net.cfg.link_up);
  assert_false(fx->net.mtu_changed);
  assert_int_equal(td_reg(&fx->world.bus, MODEL_MMIO_CONFIG_GENERATION), gen);
  assert_int_equal(fx->world.bus.counters[SIM_CTR_CONFIG_IRQ], 0);
  /* 5.1.9.5.4: announce needs GUEST_ANNOUNCE. */
  assert_int_equal(dev_net_announce(&fx->net), MODEL_ERR_FEATURE_REQUIRED);
  assert_int_equal(fx->net.net_status & VIRTIO_NET_S_ANNOUNCE, 0);
}

/* mtu-changes at the smallest mtu: the field shows 69 (it cannot go lower),
 * announced as a configuration change even without STATUS offered. */
static void test_5_1_4_1_4_mtu_changes_at_the_minimum(void **state) {
  struct fx *fx = *state;
  dev_net_fini(&fx->net);
  struct dev_net_config cfg;
  dev_net_config_default(&cfg);
  cfg.queue_size_max = QSIZE;
  cfg.mtu = MODEL_NET_MTU_MIN;
  cfg.features_offered &= ~model_feature_mask(VIRTIO_NET_F_STATUS);
  cfg.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_MTU_CHANGES);
  assert_int_equal(dev_net_init(&fx->net, &fx->world.bus, &fx->world.nic, &cfg), MODEL_OK);
  assert_int_equal(cfg_read(fx, MODEL_NET_CFG_OFF_MTU, 2), MODEL_NET_MTU_MIN);
  uint32_t gen = td_reg(&fx->world.bus, MODEL_MMIO_CONFIG_GENERATION);
  dev_net_set_link(&fx->net, false);
  assert_int_equal(cfg_read(fx, MODEL_NET_CFG_OFF_MTU, 2), MODEL_NET_MTU_MIN + 1u);
  assert_int_not_equal(td_reg(&fx->world.bus, MODEL_MMIO_CONFIG_GENERATION), gen);
  /* 4.2.2.2#5: a field's bytes are read at its own offset only. */
  uint32_t v = 0;
  assert_int_equal(sim_bus_reg_read(&fx->world.bus, SIM_ACTOR_DRIVER,
                                    MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_MTU + 1u, 1, &v),
                   MODEL_ERR_REG_WIDTH);
}

static void tune_host_tso4(struct dev_net_config *cfg) {
  cfg->features_offered |= model_feature_mask(VIRTIO_NET_F_HOST_TSO4);
}
static int setup_tso4(void **state) {
  return setup_cfg(state, tune_host_tso4);
}

/* With a HOST_ GSO feature: a GSO type this device does not know (#24),
 * and a known one without its MSS (#26); the twin, with its MSS, goes out
 * whole (one segment). */
static void test_5_1_9_2_1_gso_unknown_type_and_zero_size(void **state) {
  struct fx *fx = *state;
  uint64_t features = base_features() | model_feature_mask(VIRTIO_NET_F_HOST_TSO4);
  for (unsigned k = 0; k < 3; k++) {
    td_reg_set(&fx->world.bus, MODEL_MMIO_STATUS, 0);
    fx->tx_next_desc = 0;
    bring_up(fx, features);
    uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
    hdr[MODEL_NET_HDR_OFF_FLAGS] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    hdr[MODEL_NET_HDR_OFF_GSO_TYPE] = k == 0 ? 7u : VIRTIO_NET_HDR_GSO_TCPV4;
    hdr[MODEL_NET_HDR_OFF_GSO_SIZE] = k == 2 ? 100u : 0u;
    uint8_t frame[64] = {0};
    add_tx_raw(fx, hdr, frame, sizeof(frame));
    notify(fx, MODEL_NET_TXQ);
    run(fx);
    if (k == 2) {
      assert_false(dev_core_status(dev_net_core(&fx->net)) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
      assert_int_equal(dev_net_stats(&fx->net)->tx_frames, 1);
      break;
    }
    assert_needs_reset(fx, MODEL_ERR_NET_HDR, k == 0 ? "5.1.9.2.1#24" : "5.1.9.2.1#26",
                       MODEL_NET_TXQ);
    assert_int_equal(dev_net_stats(&fx->net)->tx_frames, 0);
  }
}

/* The checksum over an odd number of bytes: the last byte is the high half
 * of a word padded with zero. */
static void test_5_1_9_2_csum_over_odd_length(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_FLAGS] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  hdr[MODEL_NET_HDR_OFF_CSUM_START] = 20;
  hdr[MODEL_NET_HDR_OFF_CSUM_OFFSET] = 0;
  uint8_t frame[61];
  for (unsigned i = 0; i < sizeof(frame); i++)
    frame[i] = (uint8_t)(i * 13u + 1u);
  frame[20] = 0;
  frame[21] = 0;
  add_tx_raw(fx, hdr, frame, sizeof(frame));
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  assert_int_equal(dev_net_stats(&fx->net)->tx_frames, 1);
  const uint8_t *sent = fx->net.frame_buf;
  uint32_t sum = 0;
  for (unsigned i = 20; i < 61; i += 2) {
    uint32_t low = i + 1u < 61u ? sent[i + 1] : 0u;
    sum += ((uint32_t)sent[i] << 8) | low;
    sum = (sum & 0xffffu) + (sum >> 16);
  }
  assert_int_equal(sum, 0xffffu);
}

/* A chain with the header and no frame: used, nothing sent. */
static void test_net_tx_header_only_sends_nothing(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  static const uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  td_write_bytes(&fx->world.bus, TX_BUF(0), hdr, sizeof(hdr));
  td_desc(&fx->world.bus, &fx->tx, 0, TX_BUF(0), MODEL_NET_HDR_SIZE, 0, 0);
  td_avail_add(&fx->world.bus, &fx->tx, 0);
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 1);
  assert_int_equal(dev_net_stats(&fx->net)->tx_frames, 0);
  assert_int_equal(dev_net_stats(&fx->net)->queue[MODEL_NET_TXQ].used, 1);
  assert_accounted(fx);
}

/* Injected faults on the transmit path: the frame's read, the used
 * element, the used idx, the used flags (waiving notifications). Each
 * breaks the queue; nothing reaches the wire. */
static void test_net_tx_faults_break_the_queue(void **state) {
  struct fx *fx = *state;
  static const char *const clauses[4] = {"2.7.5", "2.7.8", "2.7.8", "2.7.10"};
  static const uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  uint8_t frame[60] = {0};
  for (unsigned k = 0; k < 4; k++) {
    td_reg_set(&fx->world.bus, MODEL_MMIO_STATUS, 0);
    fx->tx_next_desc = 0;
    bring_up(fx, base_features());
    uint64_t frames_before = dev_net_stats(&fx->net)->tx_frames;
    add_tx_raw(fx, hdr, frame, sizeof(frame));
    if (k == 0)
      add_fault(fx, SIM_FAULT_ACCESS_READ, TX_BUF(0) + MODEL_NET_HDR_SIZE,
                TX_BUF(0) + MODEL_NET_HDR_SIZE + 1u, 0);
    if (k == 1)
      add_fault(fx, SIM_FAULT_ACCESS_WRITE, used_elem_addr(&fx->tx, 0),
                used_elem_addr(&fx->tx, 0) + 8u, 0);
    if (k == 2)
      add_fault(fx, SIM_FAULT_ACCESS_WRITE, fx->tx.used + MODEL_SPLIT_USED_OFF_IDX,
                fx->tx.used + MODEL_SPLIT_USED_OFF_IDX + 2u, 0);
    if (k == 3)
      add_fault(fx, SIM_FAULT_ACCESS_WRITE, fx->tx.used + MODEL_SPLIT_USED_OFF_FLAGS,
                fx->tx.used + MODEL_SPLIT_USED_OFF_FLAGS + 2u, 0);
    notify(fx, MODEL_NET_TXQ);
    run(fx);
    assert_needs_reset(fx, MODEL_ERR_MEM_FAULT, clauses[k], MODEL_NET_TXQ);
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 0);
    assert_int_equal(dev_net_stats(&fx->net)->tx_frames - frames_before, k == 0 || k == 3 ? 0 : 1);
  }
}

/* Polling: a batch that spends the whole budget waits for the next poll
 * (no extra event); all frames go out. */
static void test_net_poll_batch_spends_the_budget(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  for (unsigned i = 0; i < QSIZE; i++)
    add_tx_frame(fx, 80, false);
  sim_world_run(&fx->world, 15, 100000); /* one poll */
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), QSIZE);
  assert_false(fx->net.work_pending[MODEL_NET_TXQ]);
  sim_world_run(&fx->world, 400, 100000);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_TX].delivered, QSIZE);
  assert_accounted(fx);
}

/* Polling stops once the device needs a reset; a failed waiver of the
 * receive queue's notifications is one way to get there. */
static void test_net_poll_stops_when_not_live(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  add_fault(fx, SIM_FAULT_ACCESS_WRITE, fx->rx.used + MODEL_SPLIT_USED_OFF_FLAGS,
            fx->rx.used + MODEL_SPLIT_USED_OFF_FLAGS + 2u, 0);
  add_tx_frame(fx, 80, false);
  sim_world_run(&fx->world, 200, 100000);
  assert_needs_reset(fx, MODEL_ERR_MEM_FAULT, "2.7.10", MODEL_NET_RXQ);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 0); /* the poll gave up first */
  assert_false(fx->net.poll_pending);
  assert_true(sim_world_idle(&fx->world));
}

static void tune_poll_no_ctrl(struct dev_net_config *cfg) {
  cfg->poll_interval_ticks = 10;
  cfg->features_offered &=
      ~(model_feature_mask(VIRTIO_NET_F_CTRL_VQ) | model_feature_mask(VIRTIO_NET_F_CTRL_RX) |
        model_feature_mask(VIRTIO_NET_F_CTRL_MAC_ADDR));
}
static int setup_poll_no_ctrl(void **state) {
  return setup_cfg(state, tune_poll_no_ctrl);
}

static void test_net_poll_without_control_queue(void **state) {
  struct fx *fx = *state;
  bring_up(fx, model_feature_mask(VIRTIO_F_VERSION_1));
  assert_int_equal(fx->net.core.cfg.queue_count, 2);
  add_tx_frame(fx, 80, false);
  sim_world_run(&fx->world, 100, 100000);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 1);
  sim_world_run(&fx->world, 200, 100000);
  assert_accounted(fx);
}

/* A doorbell for the control queue when CTRL_VQ was not negotiated: counted,
 * nothing scheduled. */
static void test_net_ctrl_doorbell_without_ctrl_vq_ignored(void **state) {
  struct fx *fx = *state;
  bring_up(fx, model_feature_mask(VIRTIO_F_VERSION_1));
  notify(fx, MODEL_NET_CTRLQ);
  while (dev_net_stats(&fx->net)->queue[MODEL_NET_CTRLQ].notifies == 0)
    assert_true(sim_sched_step(&fx->world.sched));
  assert_false(fx->net.work_pending[MODEL_NET_CTRLQ]);
  run(fx);
  assert_int_equal(dev_net_stats(&fx->net)->queue[MODEL_NET_CTRLQ].chains, 0);
}

/* use-before-driver-ok whose early service finds the device already
 * live: it does nothing (no notification of its own). */
static void test_2_1_2_1_early_service_after_driver_ok_does_nothing(void **state) {
  struct fx *fx = *state;
  fx->net.core.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_USE_BEFORE_DRIVER_OK);
  bring_up(fx, base_features());
  run(fx);
  assert_int_equal(dev_net_stats(&fx->net)->queue[MODEL_NET_TXQ].irqs, 0);
  assert_int_equal(fx->irqs, 0);
}

static void tune_ring_reset(struct dev_net_config *cfg) {
  cfg->features_offered |= model_feature_mask(VIRTIO_F_RING_RESET);
}
static int setup_ring_reset(void **state) {
  return setup_cfg(state, tune_ring_reset);
}

/* 2.6.1.1.1#1: a reset control queue does nothing more, even for a command
 * already scheduled; the receive queue's reset takes no frame. */
static void test_2_6_1_1_1_queue_reset_cancels_ctrl_work(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_F_RING_RESET));
  uint8_t off = 0;
  td_write_bytes(bus, CTRL_BUF + 0x100u, &off, 1);
  uint8_t hdr[2] = {VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC};
  td_write_bytes(bus, CTRL_BUF, hdr, 2);
  td_desc(bus, &fx->ctrl, 0, CTRL_BUF, 2, VIRTQ_DESC_F_NEXT, 1);
  td_desc(bus, &fx->ctrl, 1, CTRL_BUF + 0x100u, 1, VIRTQ_DESC_F_NEXT, 2);
  td_desc(bus, &fx->ctrl, 2, CTRL_BUF + 0x800u, 1, VIRTQ_DESC_F_WRITE, 0);
  td_avail_add(bus, &fx->ctrl, 0);
  notify(fx, MODEL_NET_CTRLQ);
  while (!fx->net.work_pending[MODEL_NET_CTRLQ])
    assert_true(sim_sched_step(&fx->world.sched));
  td_reg_set(bus, MODEL_MMIO_QUEUE_SEL, MODEL_NET_CTRLQ);
  td_reg_set(bus, MODEL_MMIO_QUEUE_RESET, 1);
  assert_false(fx->net.work_pending[MODEL_NET_CTRLQ]);
  td_reg_set(bus, MODEL_MMIO_QUEUE_SEL, MODEL_NET_RXQ);
  td_reg_set(bus, MODEL_MMIO_QUEUE_RESET, 1);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->ctrl), 0);
  assert_true(fx->net.promisc);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_NO_RX_BUFFER], 1);
  assert_accounted(fx);
}

/* ---- reception edges ---- */

static void tune_small_mac_table(struct dev_net_config *cfg) {
  cfg->mac_table_max = 1;
  cfg->features_offered |= model_feature_mask(VIRTIO_NET_F_CTRL_RX_EXTRA);
}
static int setup_small_mac_table(void **state) {
  return setup_cfg(state, tune_small_mac_table);
}

/* 5.1.9.5.2 footnote: a table kind larger than the device's is accepted
 * as "all of that kind"; ALLUNI takes every unicast. */
static void test_5_1_9_5_2_mac_table_overflow_accepts_the_kind(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_CTRL_RX_EXTRA));
  static const uint8_t stranger[6] = {0x02, 0, 0, 0, 0, 0x33};
  static const uint8_t mcast[6] = {0x01, 0, 0x5e, 0, 0, 0x44};
  uint8_t off = 0, on = 1;
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &off, 1),
                   VIRTIO_NET_OK);
  assert_false(dev_net_rx_filter_accepts(&fx->net, stranger));
  assert_false(dev_net_rx_filter_accepts(&fx->net, mcast));
  /* Two multicast entries for a table of one. */
  uint8_t table[4 + 4 + 12] = {0, 0, 0, 0, 2, 0, 0, 0};
  memcpy(table + 8, mcast, 6);
  memcpy(table + 14, mcast, 6);
  table[19] = 0x45;
  assert_int_equal(
      ctrl_cmd(fx, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table, sizeof(table)),
      VIRTIO_NET_OK);
  assert_true(fx->net.mac_multi_overflow);
  static const uint8_t other_mcast[6] = {0x01, 0, 0x5e, 0, 0, 0x99};
  assert_true(dev_net_rx_filter_accepts(&fx->net, other_mcast));
  assert_false(dev_net_rx_filter_accepts(&fx->net, stranger));
  /* Two unicast entries: all unicast accepted. */
  uint8_t table2[4 + 12 + 4] = {2, 0, 0, 0};
  memcpy(table2 + 4, stranger, 6);
  memcpy(table2 + 10, stranger, 6);
  assert_int_equal(
      ctrl_cmd(fx, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table2, sizeof(table2)),
      VIRTIO_NET_OK);
  assert_true(fx->net.mac_uni_overflow);
  assert_false(fx->net.mac_multi_overflow);
  static const uint8_t other[6] = {0x02, 0, 0, 0, 0, 0x77};
  assert_true(dev_net_rx_filter_accepts(&fx->net, other));
  /* ALLUNI with a table that fits. */
  uint8_t empty[8] = {0};
  assert_int_equal(
      ctrl_cmd(fx, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, empty, sizeof(empty)),
      VIRTIO_NET_OK);
  assert_false(dev_net_rx_filter_accepts(&fx->net, other));
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLUNI, &on, 1),
                   VIRTIO_NET_OK);
  assert_true(dev_net_rx_filter_accepts(&fx->net, other));
}

/* The used idx cannot be published after the frame was written: the frame
 * is lost with the broken queue, and accounted so. */
static void test_net_rx_publish_fault_drops_broken(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  add_fault(fx, SIM_FAULT_ACCESS_WRITE, fx->rx.used + MODEL_SPLIT_USED_OFF_IDX,
            fx->rx.used + MODEL_SPLIT_USED_OFF_IDX + 2u, 0);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_needs_reset(fx, MODEL_ERR_MEM_FAULT, "2.7.8", MODEL_NET_RXQ);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_BROKEN], 1);
  assert_int_equal(dev_net_stats(&fx->net)->rx_frames, 0);
  assert_accounted(fx);
}

/* A receive buffer whose head is out of range: the queue breaks, the frame
 * is dropped BROKEN (not "no buffer"). */
static void test_net_rx_bad_head_drops_broken(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  td_avail_add(&fx->world.bus, &fx->rx, QSIZE);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_needs_reset(fx, MODEL_ERR_RING_HEAD_RANGE, "2.7.5", MODEL_NET_RXQ);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_BROKEN], 1);
  assert_accounted(fx);
}

/* rx-spread-without-mrg (5.1.9.3.2#2) without a second buffer that holds
 * the rest, or for a packet too short to split: the packet goes whole into
 * one buffer, as it should. */
static void test_5_1_9_3_2_2_spread_without_second_buffer(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features());
  fx->net.cfg.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_RX_SPREAD_WITHOUT_MRG);
  add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 200, 200, fx->net.mac, 1), MODEL_OK);
  run(fx); /* no second buffer */
  add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  add_rx_buffer(fx, 50); /* too small for the second half */
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 200, 200, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->rx), 2);
  for (uint16_t i = 0; i < 2; i++) {
    uint32_t id = 9, len = 0;
    td_used_elem(bus, &fx->rx, i, &id, &len);
    assert_int_equal(id, i);
    assert_int_equal(len, MODEL_NET_HDR_SIZE + 200u);
    uint8_t hdr[MODEL_NET_HDR_SIZE];
    td_read_bytes(bus, RX_BUF(id), hdr, sizeof(hdr));
    assert_int_equal(hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS], 1);
    consume_rx(fx, RX_BUF(id), len);
  }
  /* The small buffer was given back: still available. */
  assert_int_equal(fx->net.core.vqs[MODEL_NET_RXQ].last_avail_idx, 2);
  /* A 1-byte packet (not even a MAC to filter on) is never split. */
  static const uint8_t one = 0x42;
  dev_net_rx_frame(&fx->net, &one, 1);
  assert_int_equal(td_used_idx(bus, &fx->rx), 3);
  uint32_t id = 0, len = 0;
  td_used_elem(bus, &fx->rx, 2, &id, &len);
  assert_int_equal(id, 2);
  assert_int_equal(len, MODEL_NET_HDR_SIZE + 1u);
}

/* rx-spread-without-mrg whose writes fail: the queue breaks, the frame is
 * dropped BROKEN. */
static void test_5_1_9_3_2_2_spread_write_fault(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  fx->net.cfg.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_RX_SPREAD_WITHOUT_MRG);
  add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  add_fault(fx, SIM_FAULT_ACCESS_WRITE, RX_BUF(1), RX_BUF(2), 0);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 200, 200, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_needs_reset(fx, MODEL_ERR_MEM_FAULT, "2.7.8.2", MODEL_NET_RXQ);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_BROKEN], 1);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), 0);
  assert_accounted(fx);
}

/* With MRG_RXBUF, a packet larger than every buffer of the ring together
 * is dropped TOO_BIG and the buffers stay available. */
static void test_net_rx_merged_larger_than_the_ring(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_MRG_RXBUF));
  for (unsigned i = 0; i < QSIZE; i++)
    add_rx_buffer(fx, 64);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 1500, 1500, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_TOO_BIG], 1);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), 0);
  assert_int_equal(fx->net.core.vqs[MODEL_NET_RXQ].last_avail_idx, 0);
  /* The twin: 16 x 64 = 1024 bytes hold 12 + 1012 exactly. */
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 1012, 1012, fx->net.mac, 1), MODEL_OK);
  fx->net.cfg.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_RX_EMPTY_TAIL); /* the ring is full */
  run(fx);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), QSIZE);
  uint8_t packet[1024];
  for (uint16_t i = 0; i < QSIZE; i++) {
    uint32_t id = 0, len = 0;
    td_used_elem(&fx->world.bus, &fx->rx, i, &id, &len);
    assert_int_equal(len, 64);
    td_read_bytes(&fx->world.bus, RX_BUF(id), packet + 64u * i, 64);
  }
  assert_int_equal(packet[MODEL_NET_HDR_OFF_NUM_BUFFERS], QSIZE);
  assert_int_equal(
      sim_nic_deliver(&fx->world.nic, SIM_ACTOR_DRIVER, packet + MODEL_NET_HDR_SIZE, 1012),
      MODEL_OK);
  assert_accounted(fx);
}

/* rx-empty-tail (5.1.9.3.2#1) with no buffer left after the packet: the
 * packet goes without it; with a tail buffer whose head is bad, the queue
 * breaks. */
static void test_5_1_9_3_2_1_empty_tail_edges(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_MRG_RXBUF));
  fx->net.cfg.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_RX_EMPTY_TAIL);
  add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 100, 100, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->rx), 1);
  uint8_t hdr[MODEL_NET_HDR_SIZE];
  td_read_bytes(bus, RX_BUF(0), hdr, sizeof(hdr));
  assert_int_equal(hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS], 1);
  consume_rx(fx, RX_BUF(0), MODEL_NET_HDR_SIZE + 100u);
  add_rx_buffer(fx, MODEL_NET_RX_BUF_MIN);
  td_avail_add(bus, &fx->rx, QSIZE); /* the tail: out of range */
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 100, 100, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_needs_reset(fx, MODEL_ERR_RING_HEAD_RANGE, "2.7.5", MODEL_NET_RXQ);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_BROKEN], 1);
  assert_accounted(fx);
}

/* rx-partial-fill leaves a buffer of exactly the header full (nothing to
 * leave out of it). */
static void test_5_1_9_4_1_3_partial_fill_header_only_buffer(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_MRG_RXBUF));
  fx->net.cfg.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_RX_PARTIAL_FILL);
  add_rx_buffer(fx, MODEL_NET_HDR_SIZE);
  add_rx_buffer(fx, 256);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 100, 100, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->rx), 2);
  uint32_t id = 0, len = 0;
  td_used_elem(bus, &fx->rx, 0, &id, &len);
  assert_int_equal(len, MODEL_NET_HDR_SIZE);
  td_used_elem(bus, &fx->rx, 1, &id, &len);
  assert_int_equal(len, 100);
  uint8_t packet[MODEL_NET_HDR_SIZE + 100u];
  td_read_bytes(bus, RX_BUF(0), packet, MODEL_NET_HDR_SIZE);
  td_read_bytes(bus, RX_BUF(1), packet + MODEL_NET_HDR_SIZE, 100);
  assert_int_equal(
      sim_nic_deliver(&fx->world.nic, SIM_ACTOR_DRIVER, packet + MODEL_NET_HDR_SIZE, 100),
      MODEL_OK);
  assert_accounted(fx);
}

/* Injected faults on the merged path: the header write, a later buffer's
 * write, a used element, the mid-packet publication of rx-split-publish.
 * Each breaks the queue and drops the frame BROKEN. */
static void test_net_rx_merged_faults_drop_broken(void **state) {
  struct fx *fx = *state;
  for (unsigned k = 0; k < 4; k++) {
    td_reg_set(&fx->world.bus, MODEL_MMIO_STATUS, 0);
    fx->rx_next_desc = 0;
    bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_MRG_RXBUF));
    fx->net.cfg.misbehave = k == 3 ? dev_misbehave_mask(DEV_MISBEHAVE_RX_SPLIT_PUBLISH) : 0;
    add_rx_buffer(fx, 256);
    add_rx_buffer(fx, 256);
    if (k == 0)
      add_fault(fx, SIM_FAULT_ACCESS_WRITE, RX_BUF(0), RX_BUF(0) + 1u, 0);
    if (k == 1)
      add_fault(fx, SIM_FAULT_ACCESS_WRITE, RX_BUF(1), RX_BUF(2), 0);
    if (k == 2)
      add_fault(fx, SIM_FAULT_ACCESS_WRITE, used_elem_addr(&fx->rx, 1),
                used_elem_addr(&fx->rx, 1) + 8u, 0);
    if (k == 3)
      add_fault(fx, SIM_FAULT_ACCESS_WRITE, fx->rx.used + MODEL_SPLIT_USED_OFF_IDX,
                fx->rx.used + MODEL_SPLIT_USED_OFF_IDX + 2u, 0);
    uint64_t broken_before = fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_BROKEN];
    assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 400, 400, fx->net.mac, 1), MODEL_OK);
    run(fx);
    /* the data (2.7.8.2); the used ring itself (2.7.8) */
    assert_needs_reset(fx, MODEL_ERR_MEM_FAULT, k >= 2 ? "2.7.8" : "2.7.8.2", MODEL_NET_RXQ);
    assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_BROKEN] - broken_before,
                     1);
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), 0);
  }
  assert_accounted(fx);
}

/* rx-oversize needs MTU negotiated: without it the 1514 limit stands. */
static void test_5_1_4_1_5_oversize_needs_mtu(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_MRG_RXBUF));
  fx->net.cfg.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_RX_OVERSIZE);
  for (int i = 0; i < 2; i++)
    add_rx_buffer(fx, 4000);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 1515, 1515, fx->net.mac, 1), MODEL_OK);
  run(fx);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_TOO_BIG], 1);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), 0);
  assert_accounted(fx);
}

/* ---- control queue edges ---- */

static void test_5_1_9_5_ctrl_more_commands_answer_err(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features() | model_feature_mask(VIRTIO_NET_F_GUEST_ANNOUNCE));
  uint8_t one = 1;
  /* 5.1.9.5.1.2#2: NOMULTI and NOBCAST need CTRL_RX_EXTRA. */
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_NOMULTI, &one, 1),
                   VIRTIO_NET_ERR);
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_NOBCAST, &one, 1),
                   VIRTIO_NET_ERR);
  /* An unknown MAC command; ADDR_SET of the wrong length. */
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_MAC, 7, &one, 1), VIRTIO_NET_ERR);
  static const uint8_t mac7[7] = {0x02, 1, 2, 3, 4, 5, 6};
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac7, 7),
                   VIRTIO_NET_ERR);
  /* ANNOUNCE: another command, or ACK with data. */
  assert_int_equal(dev_net_announce(&fx->net), MODEL_OK);
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_ANNOUNCE, 1, NULL, 0), VIRTIO_NET_ERR);
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, &one, 1),
                   VIRTIO_NET_ERR);
  assert_true((fx->net.net_status & VIRTIO_NET_S_ANNOUNCE) != 0);
  assert_false(fx->net.nomulti || fx->net.nobcast);
  assert_memory_equal(fx->net.mac, fx->net.cfg.mac, 6);
  assert_int_equal(dev_net_stats(&fx->net)->ctrl_err, 6);
  assert_int_equal(dev_net_stats(&fx->net)->ctrl_ok, 0);
}

/* ADDR_SET without CTRL_MAC_ADDR negotiated. */
static void test_5_1_9_5_2_addr_set_needs_its_feature(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features() & ~model_feature_mask(VIRTIO_NET_F_CTRL_MAC_ADDR));
  static const uint8_t mac[6] = {0x02, 1, 2, 3, 4, 5};
  assert_int_equal(ctrl_cmd(fx, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, mac, 6),
                   VIRTIO_NET_ERR);
  assert_memory_equal(fx->net.mac, fx->net.cfg.mac, 6);
}

/* Injected faults on the control path, one per access: the class and
 * command, the mode byte, each MAC table count, a MAC entry, the ADDR_SET
 * mac, the ack. The queue breaks (2.7.5: a buffer access failed), no ack
 * is used; a command that could not be read changes nothing. */
static void test_5_1_9_5_ctrl_faults_break_the_queue(void **state) {
  struct fx *fx = *state;
  static const uint8_t uni[6] = {0x02, 0, 0, 0, 0, 0x11};
  uint8_t table[4 + 6 + 4] = {1, 0, 0, 0};
  memcpy(table + 4, uni, 6);
  uint8_t off = 0;
  const struct {
    uint8_t class, command;
    const uint8_t *data;
    uint32_t len;
    unsigned access;
    uint64_t at;
  } cases[] = {
      {VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &off, 1, SIM_FAULT_ACCESS_READ, CTRL_BUF},
      {VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &off, 1, SIM_FAULT_ACCESS_READ,
       CTRL_BUF + 0x100u},
      {VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table, sizeof(table),
       SIM_FAULT_ACCESS_READ, CTRL_BUF + 0x100u},
      {VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table, sizeof(table),
       SIM_FAULT_ACCESS_READ, CTRL_BUF + 0x100u + 10u},
      {VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_TABLE_SET, table, sizeof(table),
       SIM_FAULT_ACCESS_READ, CTRL_BUF + 0x100u + 4u},
      {VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET, uni, 6, SIM_FAULT_ACCESS_READ,
       CTRL_BUF + 0x100u},
      {VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC, &off, 1, SIM_FAULT_ACCESS_WRITE,
       CTRL_BUF + 0x800u},
  };
  for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    td_reg_set(&fx->world.bus, MODEL_MMIO_STATUS, 0);
    bring_up(fx, base_features());
    /* the MAC entry's read (k 4) comes after both counts were read */
    add_fault(fx, cases[k].access, cases[k].at, cases[k].at + 1u, 0);
    ctrl_post(fx, cases[k].class, cases[k].command, cases[k].data, cases[k].len);
    assert_needs_reset(fx, MODEL_ERR_MEM_FAULT, "2.7.5", MODEL_NET_CTRLQ);
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->ctrl), 0);
    /* the command took effect before its ack could not be written */
    assert_int_equal(fx->net.promisc, cases[k].access != SIM_FAULT_ACCESS_WRITE);
    assert_int_equal(fx->net.mac_uni_count, 0);
    assert_memory_equal(fx->net.mac, fx->net.cfg.mac, 6);
  }
  assert_int_equal(dev_net_stats(&fx->net)->ctrl_ok + dev_net_stats(&fx->net)->ctrl_err, 0);
}

/* Polling stops once the device needs a reset for what it found while
 * polling (a malformed transmit header). */
static void test_net_poll_stops_after_a_violation(void **state) {
  struct fx *fx = *state;
  bring_up(fx, base_features());
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS] = 1; /* 5.1.9.2.1#2 */
  uint8_t frame[60] = {0};
  add_tx_raw(fx, hdr, frame, sizeof(frame));
  sim_world_run(&fx->world, 200, 100000);
  assert_needs_reset(fx, MODEL_ERR_NET_HDR, "5.1.9.2.1#2", MODEL_NET_TXQ);
  assert_false(fx->net.poll_pending);
  assert_true(sim_world_idle(&fx->world));
}

/* 4.2.2.1#7: a queue the driver set not ready before the scheduled
 * service ran is not touched. */
static void test_4_2_2_1_7_service_skips_a_queue_made_unready(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, base_features());
  add_tx_frame(fx, 80, false);
  notify(fx, MODEL_NET_TXQ);
  while (!fx->net.work_pending[MODEL_NET_TXQ])
    assert_true(sim_sched_step(&fx->world.sched));
  td_reg_set(bus, MODEL_MMIO_QUEUE_SEL, MODEL_NET_TXQ);
  td_reg_set(bus, MODEL_MMIO_QUEUE_READY, 0);
  run(fx);
  assert_int_equal(td_used_idx(bus, &fx->tx), 0);
  assert_int_equal(dev_net_stats(&fx->net)->queue[MODEL_NET_TXQ].chains, 0);
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_TX].delivered, 0);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_5_1_9_2_2_tx_one_frame_reaches_wire),
      T(test_2_7_4_1_1_tx_header_in_its_own_descriptor),
      T(test_5_1_9_2_1_24_tx_gso_without_feature_breaks_queue),
      T(test_5_1_9_2_1_23_csum_offset_outside_packet),
      T(test_5_1_9_2_csum_completed_when_needed),
      T(test_net_tx_link_down_drops),
      T(test_5_1_4_2_9_tx_larger_than_mtu_dropped),
      T(test_net_tx_event_idx_batch_and_avail_event),
      T(test_net_reset_cancels_pending_tx),
      cmocka_unit_test_setup_teardown(test_net_poll_mode_transmits_without_notify, setup_poll,
                                      teardown),
      T(test_5_1_9_4_1_1_rx_single_buffer),
      T(test_5_1_9_4_1_5_rx_flags_zero_without_guest_csum),
      T(test_net_rx_buffer_one_byte_short_dropped_too_big),
      T(test_5_1_9_4_1_2_rx_merged_buffers),
      T(test_net_rx_merged_ring_runs_dry_gives_all_back),
      T(test_5_1_9_3_1_3_merged_buffer_smaller_than_header),
      T(test_net_rx_write_fault_breaks_queue_frame_accounted),
      T(test_net_tx_read_fault_breaks_queue),
      T(test_net_rx_without_buffer_dropped),
      T(test_2_1_2_1_rx_before_driver_ok_dropped),
      T(test_5_1_4_1_4_rx_larger_than_mtu_dropped),
      T(test_net_link_down_rx_dropped_and_config_change),
      T(test_5_1_9_5_1_1_promisc_off_filters_other_macs),
      T(test_5_1_9_5_ctrl_bad_commands_answer_err),
      cmocka_unit_test_setup_teardown(test_5_1_9_5_1_1_rx_extra_modes, setup_extra, teardown),
      T(test_5_1_9_5_2_1_mac_table_and_addr_set),
      cmocka_unit_test_setup_teardown(test_5_1_9_5_4_2_announce_ack_clears_bit, setup_extra,
                                      teardown),
      T(test_5_1_9_5_ctrl_chain_without_ack_room_breaks_queue),
      T(test_net_config_default_is_consistent),
      T(test_2_2_2_4_init_refuses_unsupported_features),
      T(test_net_init_refuses_bad_configs),
      T(test_net_without_nic_counts_frames),
      T(test_net_link_change_without_status_is_silent),
      T(test_5_1_4_1_4_mtu_changes_at_the_minimum),
      cmocka_unit_test_setup_teardown(test_5_1_9_2_1_gso_unknown_type_and_zero_size, setup_tso4,
                                      teardown),
      T(test_5_1_9_2_csum_over_odd_length),
      T(test_net_tx_header_only_sends_nothing),
      T(test_net_tx_faults_break_the_queue),
      cmocka_unit_test_setup_teardown(test_net_poll_batch_spends_the_budget, setup_poll, teardown),
      cmocka_unit_test_setup_teardown(test_net_poll_stops_when_not_live, setup_poll, teardown),
      cmocka_unit_test_setup_teardown(test_net_poll_without_control_queue, setup_poll_no_ctrl,
                                      teardown),
      T(test_net_ctrl_doorbell_without_ctrl_vq_ignored),
      T(test_2_1_2_1_early_service_after_driver_ok_does_nothing),
      cmocka_unit_test_setup_teardown(test_2_6_1_1_1_queue_reset_cancels_ctrl_work,
                                      setup_ring_reset, teardown),
      cmocka_unit_test_setup_teardown(test_5_1_9_5_2_mac_table_overflow_accepts_the_kind,
                                      setup_small_mac_table, teardown),
      T(test_net_rx_publish_fault_drops_broken),
      T(test_net_rx_bad_head_drops_broken),
      T(test_5_1_9_3_2_2_spread_without_second_buffer),
      T(test_5_1_9_3_2_2_spread_write_fault),
      T(test_net_rx_merged_larger_than_the_ring),
      T(test_5_1_9_3_2_1_empty_tail_edges),
      T(test_5_1_9_4_1_3_partial_fill_header_only_buffer),
      T(test_net_rx_merged_faults_drop_broken),
      T(test_5_1_4_1_5_oversize_needs_mtu),
      cmocka_unit_test_setup_teardown(test_5_1_9_5_ctrl_more_commands_answer_err, setup_extra,
                                      teardown),
      T(test_5_1_9_5_2_addr_set_needs_its_feature),
      T(test_5_1_9_5_ctrl_faults_break_the_queue),
      cmocka_unit_test_setup_teardown(test_net_poll_stops_after_a_violation, setup_poll, teardown),
      T(test_4_2_2_1_7_service_skips_a_queue_made_unready),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
