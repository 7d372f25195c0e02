/*
 * backend/tests/mmio_test.c: the virtio-mmio register file
 * (backend/mmio.h) of the virtio-net device, reached through the bus as the
 * driver reaches it: identification, every register's direction, width and
 * alignment, undefined offsets, queue configuration, interrupt
 * acknowledge, configuration space and its generation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend/mmio.h"
#include "backend/net.h"
#include "dev_test_driver.h"
#include "model/mmio.h"
#include "model/net.h"

struct fx {
  struct sim_world world;
  struct dev_net net;
};

static int setup_with(void **state, uint64_t extra_features) {
  struct fx *fx = calloc(1, sizeof(*fx));
  assert_non_null(fx);
  td_world_init(&fx->world);
  struct dev_net_config cfg;
  dev_net_config_default(&cfg);
  cfg.features_offered |= extra_features;
  cfg.queue_size_max = 16;
  assert_int_equal(dev_net_init(&fx->net, &fx->world.bus, &fx->world.nic, &cfg), MODEL_OK);
  *state = fx;
  return 0;
}

static int setup(void **state) {
  return setup_with(state, 0);
}
static int setup_ring_reset(void **state) {
  return setup_with(state, model_feature_mask(VIRTIO_F_RING_RESET));
}

static int teardown(void **state) {
  struct fx *fx = *state;
  dev_net_fini(&fx->net);
  sim_world_fini(&fx->world);
  free(fx);
  return 0;
}

static model_err rd(struct fx *fx, uint32_t off, uint32_t width, uint32_t *v) {
  return sim_bus_reg_read(&fx->world.bus, SIM_ACTOR_DRIVER, off, width, v);
}
static model_err wr(struct fx *fx, uint32_t off, uint32_t width, uint32_t v) {
  return sim_bus_reg_write(&fx->world.bus, SIM_ACTOR_DRIVER, off, width, v);
}

static void test_4_2_2_1_1_identification(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  assert_int_equal(td_reg(bus, MODEL_MMIO_MAGIC_VALUE), MODEL_MMIO_MAGIC);
  assert_int_equal(td_reg(bus, MODEL_MMIO_VERSION_REG), 2); /* 4.2.2.1#2 */
  assert_int_equal(td_reg(bus, MODEL_MMIO_DEVICE_ID), VIRTIO_ID_NET);
  assert_int_equal(td_reg(bus, MODEL_MMIO_VENDOR_ID), DEV_MMIO_VENDOR_ID);
}

/* Every register of table 4.2 answers in its direction and refuses the
 * other; every other offset below 0x100 is undefined. */
static void test_4_2_2_2_every_register_direction(void **state) {
  struct fx *fx = *state;
  for (uint32_t off = 0; off < MODEL_MMIO_CONFIG; off += 4) {
    const struct model_mmio_reg *reg = model_mmio_reg_find(off);
    uint32_t v = 0xdeadbeefu;
    model_err r = rd(fx, off, 4, &v);
    if (reg == NULL) {
      assert_int_equal(r, MODEL_ERR_REG_UNDEFINED);
      assert_int_equal(wr(fx, off, 4, 0), MODEL_ERR_REG_UNDEFINED);
      continue;
    }
    if (((unsigned)reg->dir & MODEL_MMIO_DIR_R) != 0) {
      assert_int_equal(r, MODEL_OK);
    } else {
      assert_int_equal(r, MODEL_ERR_REG_DIRECTION); /* 4.2.2.2#3 */
      assert_int_equal(v, 0);
    }
    if (((unsigned)reg->dir & MODEL_MMIO_DIR_W) == 0) /* 4.2.2.2#2 */
      assert_int_equal(wr(fx, off, 4, 0x12345678u), MODEL_ERR_REG_DIRECTION);
  }
}

static void test_4_2_2_2_2_write_to_read_only_has_no_effect(void **state) {
  struct fx *fx = *state;
  uint32_t before = td_reg(&fx->world.bus, MODEL_MMIO_DEVICE_FEATURES);
  assert_int_equal(wr(fx, MODEL_MMIO_DEVICE_FEATURES, 4, 0), MODEL_ERR_REG_DIRECTION);
  assert_int_equal(wr(fx, MODEL_MMIO_MAGIC_VALUE, 4, 0), MODEL_ERR_REG_DIRECTION);
  assert_int_equal(td_reg(&fx->world.bus, MODEL_MMIO_DEVICE_FEATURES), before);
  assert_int_equal(td_reg(&fx->world.bus, MODEL_MMIO_MAGIC_VALUE), MODEL_MMIO_MAGIC);
}

static void test_4_2_2_2_4_control_registers_32_bit_aligned(void **state) {
  struct fx *fx = *state;
  uint32_t v = 0;
  assert_int_equal(rd(fx, MODEL_MMIO_STATUS, 4, &v), MODEL_OK);
  assert_int_equal(rd(fx, MODEL_MMIO_STATUS, 2, &v), MODEL_ERR_REG_WIDTH);
  assert_int_equal(rd(fx, MODEL_MMIO_STATUS, 1, &v), MODEL_ERR_REG_WIDTH);
  assert_int_equal(rd(fx, MODEL_MMIO_STATUS + 1u, 1, &v), MODEL_ERR_REG_WIDTH);
  assert_int_equal(rd(fx, MODEL_MMIO_MAGIC_VALUE + 2u, 4, &v), MODEL_ERR_REG_WIDTH);
  assert_int_equal(wr(fx, MODEL_MMIO_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_ERR_REG_WIDTH);
  assert_int_equal(td_reg(&fx->world.bus, MODEL_MMIO_STATUS), 0); /* no effect */
}

static void test_4_2_2_2_1_undefined_offsets(void **state) {
  struct fx *fx = *state;
  uint32_t v = 0;
  assert_int_equal(rd(fx, 0x018, 4, &v), MODEL_ERR_REG_UNDEFINED);
  assert_int_equal(rd(fx, 0x0f8, 4, &v), MODEL_ERR_REG_UNDEFINED);
  assert_int_equal(rd(fx, MODEL_MMIO_WINDOW_SIZE, 4, &v), MODEL_ERR_REG_UNDEFINED);
  assert_int_equal(wr(fx, 0x040, 4, 1), MODEL_ERR_REG_UNDEFINED);
}

static void test_mmio_feature_words(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  uint64_t offered = fx->net.cfg.features_offered;
  td_reg_set(bus, MODEL_MMIO_DEVICE_FEATURES_SEL, 0);
  assert_int_equal(td_reg(bus, MODEL_MMIO_DEVICE_FEATURES), (uint32_t)offered);
  td_reg_set(bus, MODEL_MMIO_DEVICE_FEATURES_SEL, 1);
  assert_int_equal(td_reg(bus, MODEL_MMIO_DEVICE_FEATURES), (uint32_t)(offered >> 32));
  td_reg_set(bus, MODEL_MMIO_DEVICE_FEATURES_SEL, 2);
  assert_int_equal(td_reg(bus, MODEL_MMIO_DEVICE_FEATURES), 0);
  assert_true(
      (td_negotiate(bus, model_feature_mask(VIRTIO_F_VERSION_1)) & VIRTIO_STATUS_FEATURES_OK) != 0);
  assert_int_equal(dev_core_features(dev_net_core(&fx->net)),
                   model_feature_mask(VIRTIO_F_VERSION_1));
}

static void test_4_2_2_2_12_queue_size_above_max_unusable(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  td_negotiate(bus, model_feature_mask(VIRTIO_F_VERSION_1));
  struct td_ring r;
  td_ring_layout(&r, 0, 16);
  td_reg_set(bus, MODEL_MMIO_QUEUE_SEL, 0);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_SIZE_MAX), 16);
  assert_int_equal(wr(fx, MODEL_MMIO_QUEUE_SIZE, 4, 32), MODEL_ERR_QUEUE_SIZE);
  assert_int_equal(wr(fx, MODEL_MMIO_QUEUE_SIZE, 4, 12), MODEL_ERR_QUEUE_SIZE);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)r.desc);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)r.avail);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)r.used);
  assert_int_equal(wr(fx, MODEL_MMIO_QUEUE_READY, 4, 1), MODEL_ERR_QUEUE_SIZE);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_READY), 0);
  /* The twin: the maximum itself is legal. */
  td_reg_set(bus, MODEL_MMIO_QUEUE_SIZE, 16);
  td_reg_set(bus, MODEL_MMIO_QUEUE_READY, 1);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_READY), 1);
  /* 4.2.2.2#13: no reconfiguration while ready. */
  assert_int_equal(wr(fx, MODEL_MMIO_QUEUE_SIZE, 4, 8), MODEL_ERR_INVALID_ARG);
  td_reg_set(bus, MODEL_MMIO_QUEUE_READY, 0);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_READY), 0);
}

static void test_mmio_queue_ready_refused_for_misaligned_ring(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  td_negotiate(bus, model_feature_mask(VIRTIO_F_VERSION_1));
  struct td_ring r;
  td_ring_layout(&r, 0, 16);
  r.used += 2u;
  td_reg_set(bus, MODEL_MMIO_QUEUE_SEL, 0);
  td_reg_set(bus, MODEL_MMIO_QUEUE_SIZE, 16);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)r.desc);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)r.avail);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)r.used);
  assert_int_equal(wr(fx, MODEL_MMIO_QUEUE_READY, 4, 1), MODEL_ERR_QUEUE_LAYOUT);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_READY), 0);
}

static void test_mmio_absent_queue_unavailable(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  td_reg_set(bus, MODEL_MMIO_QUEUE_SEL, 3);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_SIZE_MAX), 0);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_READY), 0);
  assert_int_equal(wr(fx, MODEL_MMIO_QUEUE_READY, 4, 1), MODEL_ERR_QUEUE_INDEX);
}

static void test_mmio_shared_memory_absent(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  td_reg_set(bus, MODEL_MMIO_SHM_SEL, 0);
  assert_int_equal(td_reg(bus, MODEL_MMIO_SHM_LEN_LOW), 0xffffffffu);
  assert_int_equal(td_reg(bus, MODEL_MMIO_SHM_LEN_HIGH), 0xffffffffu);
  assert_int_equal(td_reg(bus, MODEL_MMIO_SHM_BASE_LOW), 0xffffffffu);
  assert_int_equal(td_reg(bus, MODEL_MMIO_SHM_BASE_HIGH), 0xffffffffu);
}

static void test_4_2_2_1_3_interrupt_status_until_ack(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  td_negotiate(bus,
               model_feature_mask(VIRTIO_F_VERSION_1) | model_feature_mask(VIRTIO_NET_F_STATUS));
  td_driver_ok(bus);
  dev_net_set_link(&fx->net, false);
  assert_int_equal(td_reg(bus, MODEL_MMIO_INTERRUPT_STATUS), MODEL_MMIO_INT_CONFIG);
  assert_int_equal(td_reg(bus, MODEL_MMIO_INTERRUPT_STATUS), MODEL_MMIO_INT_CONFIG);
  td_reg_set(bus, MODEL_MMIO_INTERRUPT_ACK, MODEL_MMIO_INT_VRING); /* not that one */
  assert_int_equal(td_reg(bus, MODEL_MMIO_INTERRUPT_STATUS), MODEL_MMIO_INT_CONFIG);
  td_reg_set(bus, MODEL_MMIO_INTERRUPT_ACK, MODEL_MMIO_INT_CONFIG);
  assert_int_equal(td_reg(bus, MODEL_MMIO_INTERRUPT_STATUS), 0);
}

static void test_4_2_2_1_5_reset_clears_isr_and_queue_ready(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  td_negotiate(bus,
               model_feature_mask(VIRTIO_F_VERSION_1) | model_feature_mask(VIRTIO_NET_F_STATUS));
  struct td_ring r;
  td_ring_layout(&r, 0, 16);
  td_queue_setup(bus, 0, &r);
  td_driver_ok(bus);
  dev_net_set_link(&fx->net, false);
  td_reg_set(bus, MODEL_MMIO_STATUS, 0);
  assert_int_equal(td_reg(bus, MODEL_MMIO_STATUS), 0); /* 2.4.1#1 */
  assert_int_equal(td_reg(bus, MODEL_MMIO_INTERRUPT_STATUS), 0);
  td_reg_set(bus, MODEL_MMIO_QUEUE_SEL, 0);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_READY), 0);
}

static void test_4_2_2_1_8_queue_reset_with_ring_reset(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  td_negotiate(bus,
               model_feature_mask(VIRTIO_F_VERSION_1) | model_feature_mask(VIRTIO_F_RING_RESET));
  struct td_ring r;
  td_ring_layout(&r, 1, 16);
  td_queue_setup(bus, 1, &r);
  td_driver_ok(bus);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_RESET), 0);
  /* Only 1 resets the queue. */
  td_reg_set(bus, MODEL_MMIO_QUEUE_RESET, 2);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_READY), 1);
  td_reg_set(bus, MODEL_MMIO_QUEUE_RESET, 1);
  /* #12: reset complete at once: both read 0. */
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_RESET), 0);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_READY), 0);
  /* Re-enable (2.6.1.2). */
  td_queue_setup(bus, 1, &r);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_READY), 1);
}

static void test_mmio_queue_reset_ignored_without_ring_reset(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  td_negotiate(bus, model_feature_mask(VIRTIO_F_VERSION_1));
  struct td_ring r;
  td_ring_layout(&r, 1, 16);
  td_queue_setup(bus, 1, &r);
  td_reg_set(bus, MODEL_MMIO_QUEUE_RESET, 1);
  assert_int_equal(td_reg(bus, MODEL_MMIO_QUEUE_READY), 1);
}

static void test_4_2_2_2_5_config_space_widths(void **state) {
  struct fx *fx = *state;
  uint32_t v = 0;
  for (uint32_t i = 0; i < MODEL_NET_MAC_LEN; i++) {
    assert_int_equal(rd(fx, MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_MAC + i, 1, &v), MODEL_OK);
    assert_int_equal(v, fx->net.cfg.mac[i]);
  }
  assert_int_equal(rd(fx, MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_STATUS, 2, &v), MODEL_OK);
  assert_int_equal(v, VIRTIO_NET_S_LINK_UP);
  assert_int_equal(rd(fx, MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_MTU, 2, &v), MODEL_OK);
  assert_int_equal(v, 1500);
  /* Wrong width for the field, across fields, misaligned. */
  assert_int_equal(rd(fx, MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_MAC, 4, &v), MODEL_ERR_REG_WIDTH);
  assert_int_equal(rd(fx, MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_STATUS, 1, &v),
                   MODEL_ERR_REG_WIDTH);
  assert_int_equal(rd(fx, MODEL_MMIO_CONFIG + 1u, 2, &v), MODEL_ERR_REG_WIDTH);
  /* Fields whose feature is not offered (max_virtqueue_pairs, speed). */
  assert_int_equal(rd(fx, MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_MAX_VQ_PAIRS, 2, &v),
                   MODEL_ERR_REG_UNDEFINED);
  assert_int_equal(rd(fx, MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_SPEED, 4, &v),
                   MODEL_ERR_REG_UNDEFINED);
  /* 5.1.4.2#1: read-only for the driver. */
  assert_int_equal(wr(fx, MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_MAC, 1, 0),
                   MODEL_ERR_REG_DIRECTION);
  assert_int_equal(rd(fx, MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_MAC, 1, &v), MODEL_OK);
  assert_int_equal(v, fx->net.cfg.mac[0]);
}

static void test_4_2_2_1_6_generation_changes_with_config(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  uint32_t gen = td_reg(bus, MODEL_MMIO_CONFIG_GENERATION);
  assert_int_equal(td_reg(bus, MODEL_MMIO_CONFIG_GENERATION), gen);
  dev_net_set_link(&fx->net, false);
  assert_int_not_equal(td_reg(bus, MODEL_MMIO_CONFIG_GENERATION), gen);
  uint32_t v = 1;
  assert_int_equal(rd(fx, MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_STATUS, 2, &v), MODEL_OK);
  assert_int_equal(v, 0);
}

static void test_mmio_status_upper_bits_refused(void **state) {
  struct fx *fx = *state;
  assert_int_equal(wr(fx, MODEL_MMIO_STATUS, 4, 0x101u), MODEL_ERR_INVALID_ARG);
  assert_int_equal(td_reg(&fx->world.bus, MODEL_MMIO_STATUS), 0);
}

/* The register file's own range and width checks, for accesses the bus
 * would not make (a foreign bus, or a width the bus allows but the
 * configuration space does not). */
static void test_4_2_2_2_5_register_file_refuses_odd_accesses(void **state) {
  struct fx *fx = *state;
  uint32_t v = 1;
  assert_int_equal(dev_mmio_write(&fx->net.mmio, MODEL_MMIO_WINDOW_SIZE, 4, 0),
                   MODEL_ERR_REG_UNDEFINED);
  assert_int_equal(dev_mmio_read(&fx->net.mmio, MODEL_MMIO_WINDOW_SIZE, 4, &v),
                   MODEL_ERR_REG_UNDEFINED);
  assert_int_equal(v, 0);
  assert_int_equal(dev_mmio_read(&fx->net.mmio, MODEL_MMIO_CONFIG, 3, &v), MODEL_ERR_REG_WIDTH);
  assert_int_equal(dev_mmio_read(&fx->net.mmio, MODEL_MMIO_CONFIG, 8, &v), MODEL_ERR_REG_WIDTH);
  assert_int_equal(dev_mmio_write(&fx->net.mmio, MODEL_MMIO_CONFIG, 3, 0), MODEL_ERR_REG_WIDTH);
  assert_int_equal(dev_mmio_write(&fx->net.mmio, MODEL_MMIO_CONFIG + 1u, 2, 0),
                   MODEL_ERR_REG_WIDTH);
  /* The twin: a 16-bit read of a 16-bit field. */
  assert_int_equal(dev_mmio_read(&fx->net.mmio, MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_MTU, 2, &v),
                   MODEL_OK);
  assert_int_equal(v, 1500);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_4_2_2_1_1_identification),
      T(test_4_2_2_2_every_register_direction),
      T(test_4_2_2_2_2_write_to_read_only_has_no_effect),
      T(test_4_2_2_2_4_control_registers_32_bit_aligned),
      T(test_4_2_2_2_1_undefined_offsets),
      T(test_mmio_feature_words),
      T(test_4_2_2_2_12_queue_size_above_max_unusable),
      T(test_mmio_queue_ready_refused_for_misaligned_ring),
      T(test_mmio_absent_queue_unavailable),
      T(test_mmio_shared_memory_absent),
      T(test_4_2_2_1_3_interrupt_status_until_ack),
      T(test_4_2_2_1_5_reset_clears_isr_and_queue_ready),
      cmocka_unit_test_setup_teardown(test_4_2_2_1_8_queue_reset_with_ring_reset, setup_ring_reset,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_mmio_queue_reset_ignored_without_ring_reset,
                                      setup_ring_reset, teardown),
      T(test_4_2_2_2_5_config_space_widths),
      T(test_4_2_2_1_6_generation_changes_with_config),
      T(test_mmio_status_upper_bits_refused),
      T(test_4_2_2_2_5_register_file_refuses_odd_accesses),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
