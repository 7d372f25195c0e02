/*
 * frontend/tests/core_test.c: discovery, the status sequence, feature
 * negotiation and reset against the fake device, checked register by
 * register.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fake_device.h"
#include "frontend/core.h"
#include "model/mmio.h"
#include "model/virtio.h"

struct fixture {
  struct sim_sched sched;
  struct sim_bus bus;
  struct fake_dev dev;
  struct drv_core core;
};

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  fake_bus_setup(&f->bus, &f->sched, 0x10000000u, 1u << 20);
  fake_dev_init(&f->dev, &f->bus);
  fake_dev_attach(&f->dev);
  drv_core_init(&f->core, &f->bus);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;
  sim_bus_fini(&f->bus);
  sim_sched_fini(&f->sched);
  free(f);
  return 0;
}

#define M(bit) model_feature_mask(bit)

struct step {
  bool write;
  uint32_t offset;
  uint32_t value; /* checked for writes */
};

static void expect_log(const struct fake_dev *d, const struct step *steps, size_t n) {
  assert_int_equal(d->log_count, n);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(d->log[i].write, steps[i].write);
    assert_int_equal(d->log[i].offset, steps[i].offset);
    if (steps[i].write)
      assert_int_equal(d->log[i].value, steps[i].value);
  }
}

static void test_3_1_1_1_init_sequence_register_order(void **state) {
  struct fixture *f = *state;
  f->dev.features_offered = M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_MAC) | M(VIRTIO_NET_F_CSUM);
  drv_core_set_known_features(&f->core, M(VIRTIO_NET_F_MAC));
  uint64_t neg = 0;
  assert_int_equal(drv_core_probe(&f->core, VIRTIO_ID_NET), MODEL_OK);
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER), MODEL_OK);
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, M(VIRTIO_F_VERSION_1), &neg),
                   MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER_OK), MODEL_OK);
  /* CSUM offered but not known to the driver: never accepted (2.2.1#4) */
  assert_int_equal(neg, M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_MAC));
  assert_int_equal(drv_core_features(&f->core), neg);
  const struct step steps[] = {
      {false, MODEL_MMIO_MAGIC_VALUE, 0},
      {false, MODEL_MMIO_VERSION_REG, 0},
      {false, MODEL_MMIO_DEVICE_ID, 0},
      {false, MODEL_MMIO_VENDOR_ID, 0},
      {true, MODEL_MMIO_STATUS, 0},
      {false, MODEL_MMIO_STATUS, 0},
      {true, MODEL_MMIO_STATUS, 1},
      {true, MODEL_MMIO_STATUS, 3},
      {true, MODEL_MMIO_DEVICE_FEATURES_SEL, 0},
      {false, MODEL_MMIO_DEVICE_FEATURES, 0},
      {true, MODEL_MMIO_DEVICE_FEATURES_SEL, 1},
      {false, MODEL_MMIO_DEVICE_FEATURES, 0},
      {true, MODEL_MMIO_DRIVER_FEATURES_SEL, 0},
      {true, MODEL_MMIO_DRIVER_FEATURES, (uint32_t)M(VIRTIO_NET_F_MAC)},
      {true, MODEL_MMIO_DRIVER_FEATURES_SEL, 1},
      {true, MODEL_MMIO_DRIVER_FEATURES, 1},
      {true, MODEL_MMIO_STATUS, 0xb},
      {false, MODEL_MMIO_STATUS, 0},
      {true, MODEL_MMIO_STATUS, 0xf},
  };
  expect_log(&f->dev, steps, sizeof(steps) / sizeof(steps[0]));
}

static void test_3_1_1_4_features_ok_not_kept_sets_failed(void **state) {
  struct fixture *f = *state;
  f->dev.refuse_features_ok = true;
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_OK);
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER), MODEL_OK);
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, 0, NULL), MODEL_ERR_FEATURE_REJECTED);
  assert_true(drv_core_is_failed(&f->core));
  assert_true((f->dev.status & VIRTIO_STATUS_FAILED) != 0);
  assert_int_equal(drv_core_features(&f->core), 0);
  /* 3.1.1#5: nothing continues after FAILED */
  size_t before = f->dev.log_count;
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER_OK),
                   MODEL_ERR_STATUS_TRANSITION);
  assert_int_equal(f->dev.log_count, before);
  /* twin: after a reset, a device keeping FEATURES_OK is accepted */
  f->dev.refuse_features_ok = false;
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER), MODEL_OK);
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, 0, NULL), MODEL_OK);
  assert_false(drv_core_is_failed(&f->core));
}

static void test_4_2_3_1_1_4_device_id_zero_touches_nothing_else(void **state) {
  struct fixture *f = *state;
  f->dev.device_id = 0;
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(f->dev.log_count, 3);
  /* every later step refuses without touching a register */
  assert_int_equal(drv_core_reset(&f->core), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE),
                   MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(drv_core_fail(&f->core), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(f->dev.log_count, 3);
  assert_int_equal(f->dev.status, 0);
}

static void test_4_2_2_2_6_bad_magic_is_ignored(void **state) {
  struct fixture *f = *state;
  f->dev.magic = 0x12345678u;
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(f->dev.log_count, 2);
  /* twin: a net driver does not take a device of another type */
  f->dev.magic = MODEL_MMIO_MAGIC;
  f->dev.device_id = 2;
  assert_int_equal(drv_core_probe(&f->core, VIRTIO_ID_NET), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_OK);
}

static void test_2_4_2_1_reset_waits_for_zero_boundedly(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_OK);
  f->dev.reset_slow_reads = DRV_CORE_RESET_POLLS_MAX - 1u;
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_int_equal(fake_log_count_offset(&f->dev, false, MODEL_MMIO_STATUS),
                   DRV_CORE_RESET_POLLS_MAX);
  /* twin: one read more than the bound and the driver gives up */
  f->dev.reset_slow_reads = DRV_CORE_RESET_POLLS_MAX;
  assert_int_equal(drv_core_reset(&f->core), MODEL_ERR_TIMEOUT);
}

static void test_2_2_1_2_dependencies_dropped(void **state) {
  struct fixture *f = *state;
  /* CTRL_RX requires CTRL_VQ, which is not offered */
  f->dev.features_offered = M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_CTRL_RX);
  drv_core_set_known_features(&f->core, M(VIRTIO_NET_F_CTRL_RX) | M(VIRTIO_NET_F_CTRL_VQ));
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_OK);
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER), MODEL_OK);
  uint64_t neg = 0;
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, 0, &neg), MODEL_OK);
  assert_int_equal(neg, M(VIRTIO_F_VERSION_1));
  assert_int_equal(f->dev.driver_features, M(VIRTIO_F_VERSION_1));
}

static void test_2_2_1_2_dependency_met_is_kept(void **state) {
  struct fixture *f = *state;
  f->dev.features_offered =
      M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_CTRL_RX) | M(VIRTIO_NET_F_CTRL_VQ);
  drv_core_set_known_features(&f->core, M(VIRTIO_NET_F_CTRL_RX) | M(VIRTIO_NET_F_CTRL_VQ));
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_OK);
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER), MODEL_OK);
  uint64_t neg = 0;
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, 0, &neg), MODEL_OK);
  assert_int_equal(neg, f->dev.features_offered);
}

static void test_2_8_ring_packed_and_in_order_accepted(void **state) {
  struct fixture *f = *state;
  f->dev.features_offered = M(VIRTIO_F_VERSION_1) | M(VIRTIO_F_RING_PACKED) | M(VIRTIO_F_IN_ORDER) |
                            M(VIRTIO_F_ORDER_PLATFORM);
  drv_core_set_known_features(&f->core, 0);
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_OK);
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER), MODEL_OK);
  uint64_t neg = 0;
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, 0, &neg), MODEL_OK);
  /* the ring formats this driver implements are taken; ORDER_PLATFORM is not */
  assert_int_equal(neg, M(VIRTIO_F_VERSION_1) | M(VIRTIO_F_RING_PACKED) | M(VIRTIO_F_IN_ORDER));
}

static void test_2_2_1_7_required_feature_missing_fails(void **state) {
  struct fixture *f = *state;
  f->dev.features_offered = M(VIRTIO_NET_F_MAC); /* no VERSION_1 */
  drv_core_set_known_features(&f->core, M(VIRTIO_NET_F_MAC));
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_OK);
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER), MODEL_OK);
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, M(VIRTIO_F_VERSION_1), NULL),
                   MODEL_ERR_FEATURE_REQUIRED);
  assert_true((f->dev.status & VIRTIO_STATUS_FAILED) != 0);
  /* FEATURES_OK was never attempted, no feature written */
  assert_int_equal(fake_log_count_offset(&f->dev, true, MODEL_MMIO_DRIVER_FEATURES), 0);
}

static void test_2_1_1_2_illegal_status_step_is_refused(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_OK);
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  size_t before = f->dev.log_count;
  /* DRIVER before ACKNOWLEDGE is out of order (3.1.1#1) */
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER),
                   MODEL_ERR_STATUS_TRANSITION);
  /* DEVICE_NEEDS_RESET is the device's bit */
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DEVICE_NEEDS_RESET),
                   MODEL_ERR_STATUS_TRANSITION);
  assert_int_equal(f->dev.log_count, before);
  /* twin: in order, it is written */
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(f->dev.log_count, before + 1u);
}

static void test_core_needs_reset_is_sticky_until_reset(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_OK);
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  f->dev.status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
  uint8_t st = 0;
  assert_int_equal(drv_core_status_read(&f->core, &st), MODEL_OK);
  assert_true(drv_core_needs_reset(&f->core));
  f->dev.status &= (uint8_t)~VIRTIO_STATUS_DEVICE_NEEDS_RESET;
  assert_int_equal(drv_core_status_read(&f->core, &st), MODEL_OK);
  assert_true(drv_core_needs_reset(&f->core));
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_false(drv_core_needs_reset(&f->core));
}

/* The status value of the last Status write in the fake device's log. */
static uint32_t last_status_write(const struct fake_dev *d) {
  for (size_t i = d->log_count; i > 0; i--) {
    if (d->log[i - 1u].write && d->log[i - 1u].offset == MODEL_MMIO_STATUS)
      return d->log[i - 1u].value;
  }
  fail();
  return 0;
}

static void test_2_1_1_2_failed_keeps_device_needs_reset(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_OK);
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  f->dev.status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
  uint8_t st = 0;
  assert_int_equal(drv_core_status_read(&f->core, &st), MODEL_OK);
  assert_int_equal(drv_core_fail(&f->core), MODEL_OK);
  /* the device's bit stays: writing FAILED does not clear it */
  assert_int_equal(last_status_write(&f->dev), VIRTIO_STATUS_ACKNOWLEDGE |
                                                   VIRTIO_STATUS_DEVICE_NEEDS_RESET |
                                                   VIRTIO_STATUS_FAILED);
}

static void test_2_1_1_2_failed_without_needs_reset_adds_only_failed(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_OK);
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  uint8_t st = 0;
  assert_int_equal(drv_core_status_read(&f->core, &st), MODEL_OK);
  assert_int_equal(drv_core_fail(&f->core), MODEL_OK);
  assert_int_equal(last_status_write(&f->dev), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FAILED);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_3_1_1_1_init_sequence_register_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_3_1_1_4_features_ok_not_kept_sets_failed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_4_2_3_1_1_4_device_id_zero_touches_nothing_else, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_4_2_2_2_6_bad_magic_is_ignored, setup, teardown),
      cmocka_unit_test_setup_teardown(test_2_4_2_1_reset_waits_for_zero_boundedly, setup, teardown),
      cmocka_unit_test_setup_teardown(test_2_2_1_2_dependencies_dropped, setup, teardown),
      cmocka_unit_test_setup_teardown(test_2_2_1_2_dependency_met_is_kept, setup, teardown),
      cmocka_unit_test_setup_teardown(test_2_8_ring_packed_and_in_order_accepted, setup, teardown),
      cmocka_unit_test_setup_teardown(test_2_2_1_7_required_feature_missing_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(test_2_1_1_2_illegal_status_step_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_core_needs_reset_is_sticky_until_reset, setup, teardown),
      cmocka_unit_test_setup_teardown(test_2_1_1_2_failed_keeps_device_needs_reset, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_2_1_1_2_failed_without_needs_reset_adds_only_failed,
                                      setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
