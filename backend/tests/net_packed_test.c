/*
 * backend/tests/net_packed_test.c: the virtio-net device on packed rings
 * and with IN_ORDER, through the register file as a driver would set it
 * up: RING_PACKED and IN_ORDER offered only on request, QueueSize legal per
 * negotiated format (any number with RING_PACKED, 2.8.10.1), transmission
 * across both wrap-counter flips of a ring of 3, and a merged receive
 * packet whose two buffers come back as one used descriptor (2.8.8), and
 * injected buffer faults reported under packed clause ids. Every frame is
 * accounted for at the end (DESIGN.md rule 5).
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
#include "model/packed.h"

#define QMAX      16u
#define PRING(q)  (0x10400000u + (uint64_t)(q)*0x1000u)
#define RX_BUF(n) (TD_BUF_BASE + (uint64_t)(n)*0x1000u)
#define TX_BUF(n) (TD_BUF_BASE + 0x100000u + (uint64_t)(n)*0x1000u)

/* The driver's view of one packed ring. */
struct pring {
  uint64_t desc, drv, dev;
  uint16_t size;
  struct model_packed_pos avail, used;
};

struct fx {
  struct sim_world world;
  struct dev_net net;
  struct pring rx, tx;
};

static void on_irq(void *ctx) {
  struct fx *fx = ctx;
  uint32_t isr = 0;
  assert_int_equal(
      sim_bus_reg_read(&fx->world.bus, SIM_ACTOR_DRIVER, MODEL_MMIO_INTERRUPT_STATUS, 4, &isr),
      MODEL_OK);
  assert_int_equal(
      sim_bus_reg_write(&fx->world.bus, SIM_ACTOR_DRIVER, MODEL_MMIO_INTERRUPT_ACK, 4, isr),
      MODEL_OK);
}

static int setup_cfg(void **state, bool offer) {
  struct fx *fx = calloc(1, sizeof(*fx));
  assert_non_null(fx);
  td_world_init(&fx->world);
  struct dev_net_config cfg;
  dev_net_config_default(&cfg);
  cfg.queue_size_max = QMAX;
  if (offer)
    cfg.features_offered |=
        model_feature_mask(VIRTIO_F_RING_PACKED) | model_feature_mask(VIRTIO_F_IN_ORDER);
  assert_int_equal(dev_net_init(&fx->net, &fx->world.bus, &fx->world.nic, &cfg), MODEL_OK);
  sim_bus_attach_driver(&fx->world.bus, on_irq, fx);
  *state = fx;
  return 0;
}

static int setup(void **state) {
  return setup_cfg(state, true);
}
static int setup_default(void **state) {
  return setup_cfg(state, false);
}

static int teardown(void **state) {
  struct fx *fx = *state;
  dev_net_fini(&fx->net);
  sim_world_fini(&fx->world);
  free(fx);
  return 0;
}

static uint64_t features(bool in_order, bool mrg) {
  uint64_t f = model_feature_mask(VIRTIO_F_VERSION_1) | model_feature_mask(VIRTIO_NET_F_MAC) |
               model_feature_mask(VIRTIO_F_RING_PACKED);
  if (in_order)
    f |= model_feature_mask(VIRTIO_F_IN_ORDER);
  if (mrg)
    f |= model_feature_mask(VIRTIO_NET_F_MRG_RXBUF);
  return f;
}

static void pring_setup(struct fx *fx, unsigned q, struct pring *r, uint16_t size) {
  struct sim_bus *bus = &fx->world.bus;
  memset(r, 0, sizeof(*r));
  r->size = size;
  r->desc = PRING(q);
  r->drv = r->desc + model_packed_ring_size(size);
  r->dev = r->drv + MODEL_PACKED_EVENT_SIZE;
  r->avail = model_packed_pos_start();
  r->used = model_packed_pos_start();
  static const uint8_t zero[0x1000];
  td_write_bytes(bus, r->desc, zero, sizeof(zero));
  td_reg_set(bus, MODEL_MMIO_QUEUE_SEL, q);
  td_reg_set(bus, MODEL_MMIO_QUEUE_SIZE, size);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)r->desc);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DESC_HIGH, 0);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)r->drv);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DRIVER_HIGH, 0);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)r->dev);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DEVICE_HIGH, 0);
  td_reg_set(bus, MODEL_MMIO_QUEUE_READY, 1);
}

static void bring_up(struct fx *fx, uint64_t f, uint16_t size) {
  struct sim_bus *bus = &fx->world.bus;
  assert_true((td_negotiate(bus, f) & VIRTIO_STATUS_FEATURES_OK) != 0);
  pring_setup(fx, MODEL_NET_RXQ, &fx->rx, size);
  pring_setup(fx, MODEL_NET_TXQ, &fx->tx, size);
  td_driver_ok(bus);
}

/* One single-descriptor buffer made available (flags last). */
static void pring_add(struct fx *fx, struct pring *r, uint64_t addr, uint32_t len, uint16_t id,
                      bool writable) {
  struct sim_bus *bus = &fx->world.bus;
  uint64_t d = r->desc + model_packed_desc_off(r->avail.idx);
  assert_int_equal(sim_bus_write_le64(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_ADDR, addr),
                   MODEL_OK);
  assert_int_equal(sim_bus_write_le32(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_LEN, len),
                   MODEL_OK);
  assert_int_equal(sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_ID, id),
                   MODEL_OK);
  uint16_t flags =
      (uint16_t)(model_packed_avail_bits(r->avail.wrap) | (writable ? VIRTQ_DESC_F_WRITE : 0u));
  assert_int_equal(
      sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_FLAGS, flags), MODEL_OK);
  r->avail = model_packed_pos_advance(r->avail, 1, r->size);
}

/* The used descriptor at the driver's used position, if there is one. */
static bool pring_used(struct fx *fx, struct pring *r, uint16_t *id, uint32_t *len) {
  struct sim_bus *bus = &fx->world.bus;
  uint64_t d = r->desc + model_packed_desc_off(r->used.idx);
  uint16_t flags = td_read16(bus, d + MODEL_PACKED_DESC_OFF_FLAGS);
  if (!model_packed_is_used(flags, r->used.wrap))
    return false;
  *id = td_read16(bus, d + MODEL_PACKED_DESC_OFF_ID);
  *len = td_read32(bus, d + MODEL_PACKED_DESC_OFF_LEN);
  assert_int_equal((flags & VIRTQ_DESC_F_WRITE) != 0, *len > 0); /* 2.8.3 */
  return true;
}

static void run(struct fx *fx) {
  sim_world_run(&fx->world, UINT64_MAX, 1000000);
}

static void notify(struct fx *fx, unsigned queue) {
  td_reg_set(&fx->world.bus, MODEL_MMIO_QUEUE_NOTIFY, queue);
}

static void assert_accounted(struct fx *fx) {
  char why[160];
  if (!sim_nic_check_accounted(&fx->world.nic, why, sizeof(why)))
    fail_msg("not accounted: %s", why);
}

static void test_net_packed_offered_only_on_request(void **state) {
  struct fx *fx = *state;
  td_reg_set(&fx->world.bus, MODEL_MMIO_DEVICE_FEATURES_SEL, 1);
  uint32_t high = td_reg(&fx->world.bus, MODEL_MMIO_DEVICE_FEATURES);
  assert_int_equal(high & (1u << (VIRTIO_F_RING_PACKED - 32u)), 0);
  assert_int_equal(high & (1u << (VIRTIO_F_IN_ORDER - 32u)), 0);
}

static void test_net_packed_offered_when_asked(void **state) {
  struct fx *fx = *state;
  td_reg_set(&fx->world.bus, MODEL_MMIO_DEVICE_FEATURES_SEL, 1);
  uint32_t high = td_reg(&fx->world.bus, MODEL_MMIO_DEVICE_FEATURES);
  assert_int_not_equal(high & (1u << (VIRTIO_F_RING_PACKED - 32u)), 0);
  assert_int_not_equal(high & (1u << (VIRTIO_F_IN_ORDER - 32u)), 0);
}

static void test_2_8_10_1_queue_size_per_format(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  /* split: a power of two */
  uint64_t split = features(false, false) & ~model_feature_mask(VIRTIO_F_RING_PACKED);
  assert_true((td_negotiate(bus, split) & VIRTIO_STATUS_FEATURES_OK) != 0);
  td_reg_set(bus, MODEL_MMIO_QUEUE_SEL, MODEL_NET_TXQ);
  assert_int_not_equal(sim_bus_reg_write(bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_SIZE, 4, 3),
                       MODEL_OK);
  /* packed: any number up to QueueSizeMax */
  assert_true((td_negotiate(bus, features(false, false)) & VIRTIO_STATUS_FEATURES_OK) != 0);
  td_reg_set(bus, MODEL_MMIO_QUEUE_SEL, MODEL_NET_TXQ);
  assert_int_equal(sim_bus_reg_write(bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_SIZE, 4, 3), MODEL_OK);
  assert_int_not_equal(
      sim_bus_reg_write(bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_SIZE, 4, QMAX + 1u), MODEL_OK);
}

static void test_net_packed_tx_across_wraps(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, features(false, false), 3);
  for (uint16_t i = 0; i < 7; i++) {
    uint8_t frame[200];
    uint64_t seq = 0;
    assert_int_equal(sim_nic_frame_make(&fx->world.nic, SIM_STREAM_TX, frame, sizeof(frame),
                                        fx->world.cfg.nic.peer_mac, fx->net.mac, &seq),
                     MODEL_OK);
    uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
    td_write_bytes(bus, TX_BUF(i), hdr, sizeof(hdr));
    td_write_bytes(bus, TX_BUF(i) + MODEL_NET_HDR_SIZE, frame, sizeof(frame));
    pring_add(fx, &fx->tx, TX_BUF(i), MODEL_NET_HDR_SIZE + sizeof(frame), (uint16_t)(100u + i),
              false);
    notify(fx, MODEL_NET_TXQ);
    run(fx);
    uint16_t id = 0;
    uint32_t len = 9;
    assert_true(pring_used(fx, &fx->tx, &id, &len));
    assert_int_equal(id, 100u + i);
    assert_int_equal(len, 0);
    fx->tx.used = model_packed_pos_advance(fx->tx.used, 1, fx->tx.size);
  }
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_TX].delivered, 7);
  assert_int_equal(bus->counters[SIM_CTR_RING_WRAPS], 2);
  assert_false(dev_vq_is_broken(dev_core_vq(&fx->net.core, MODEL_NET_TXQ)));
  assert_accounted(fx);
}

static void test_2_8_8_net_merged_rx_one_used_descriptor(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, features(true, true), 4);
  for (uint16_t i = 0; i < 3; i++)
    pring_add(fx, &fx->rx, RX_BUF(i), 200, (uint16_t)(7u + i), true);
  notify(fx, MODEL_NET_RXQ);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 300, 300, fx->net.mac, 1), MODEL_OK);
  run(fx);
  /* 12 + 300 bytes: buffer 7 filled, buffer 8 holds 112: one used
   * descriptor, for the last (8), at the first's position. */
  uint16_t id = 0;
  uint32_t len = 0;
  assert_true(pring_used(fx, &fx->rx, &id, &len));
  assert_int_equal(id, 8);
  assert_int_equal(len, MODEL_NET_HDR_SIZE + 300u - 200u);
  uint8_t hdr[MODEL_NET_HDR_SIZE];
  td_read_bytes(bus, RX_BUF(0), hdr, sizeof(hdr));
  assert_int_equal(hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS], 2);
  /* The skipped buffer 7 is used whole (2.8.8): the driver reassembles. */
  uint8_t frame[300];
  td_read_bytes(bus, RX_BUF(0) + MODEL_NET_HDR_SIZE, frame, 200u - MODEL_NET_HDR_SIZE);
  td_read_bytes(bus, RX_BUF(1), frame + 200u - MODEL_NET_HDR_SIZE, len);
  assert_int_equal(sim_nic_deliver(&fx->world.nic, SIM_ACTOR_DRIVER, frame, sizeof(frame)),
                   MODEL_OK);
  fx->rx.used = model_packed_pos_advance(fx->rx.used, 2, fx->rx.size);
  assert_false(pring_used(fx, &fx->rx, &id, &len));
  assert_accounted(fx);
}

/* An injected fault on the device's access to a buffer breaks the queue
 * under the packed clause (2.8.4: the element's addr and len; for a used
 * descriptor, the bytes written), not the split one. */
static void add_fault(struct fx *fx, unsigned access, uint64_t lo, uint64_t hi) {
  struct sim_fault_rule rule = {
      .kind = SIM_FAULT_MEM_FAIL,
      .actor = SIM_ACTOR_DEVICE,
      .access = access,
      .addr_lo = lo,
      .addr_hi = hi,
      .prob_ppm = SIM_PPM_ONE,
  };
  assert_int_equal(sim_world_add_fault(&fx->world, &rule), MODEL_OK);
}

static void expect_broken(struct fx *fx, const char *clause) {
  const struct dev_core *core = dev_net_core(&fx->net);
  assert_true((dev_core_status(core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0);
  assert_int_equal(core->violation.err, MODEL_ERR_MEM_FAULT);
  assert_string_equal(core->violation.clause, clause);
}

static void test_2_8_4_net_packed_rx_write_fault_clause(void **state) {
  struct fx *fx = *state;
  bring_up(fx, features(false, false), 4);
  pring_add(fx, &fx->rx, RX_BUF(0), MODEL_NET_RX_BUF_MIN, 1, true);
  notify(fx, MODEL_NET_RXQ);
  add_fault(fx, SIM_FAULT_ACCESS_WRITE, RX_BUF(0), RX_BUF(1));
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, fx->net.mac, 1), MODEL_OK);
  run(fx);
  expect_broken(fx, "2.8.4");
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_BROKEN], 1);
  uint16_t id = 0;
  uint32_t len = 0;
  assert_false(pring_used(fx, &fx->rx, &id, &len));
  assert_accounted(fx);
}

static void test_2_8_4_net_packed_tx_read_fault_clause(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  bring_up(fx, features(false, false), 4);
  static const uint8_t raw[MODEL_NET_HDR_SIZE + 60] = {0};
  td_write_bytes(bus, TX_BUF(0), raw, sizeof(raw));
  pring_add(fx, &fx->tx, TX_BUF(0), sizeof(raw), 5, false);
  add_fault(fx, SIM_FAULT_ACCESS_READ, TX_BUF(0), TX_BUF(1));
  notify(fx, MODEL_NET_TXQ);
  run(fx);
  expect_broken(fx, "2.8.4");
  assert_int_equal(fx->world.nic.stats[SIM_STREAM_TX].delivered, 0);
  uint16_t id = 0;
  uint32_t len = 0;
  assert_false(pring_used(fx, &fx->tx, &id, &len));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_net_packed_offered_only_on_request, setup_default,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_net_packed_offered_when_asked, setup, teardown),
      cmocka_unit_test_setup_teardown(test_2_8_10_1_queue_size_per_format, setup, teardown),
      cmocka_unit_test_setup_teardown(test_net_packed_tx_across_wraps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_2_8_8_net_merged_rx_one_used_descriptor, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_2_8_4_net_packed_rx_write_fault_clause, setup, teardown),
      cmocka_unit_test_setup_teardown(test_2_8_4_net_packed_tx_read_fault_clause, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
