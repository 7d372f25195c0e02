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
  /* ignored for good: probing again touches nothing, even if the magic
   * would now read right */
  f->dev.magic = MODEL_MMIO_MAGIC;
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(f->dev.log_count, 2);
  /* twin: a net driver does not take a device of another type, and that
   * device is not ignored: a driver for any type takes it */
  drv_core_init(&f->core, &f->bus);
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

/* ---- refused register accesses ------------------------------------------ */

/* The error the fake device answers a refused access with: one it never
 * gives otherwise, so that seeing it proves it was passed on unchanged. */
#define REFUSED MODEL_ERR_REG_NO_DEVICE

typedef void (*core_prep)(struct fixture *f);
typedef model_err (*core_op)(struct fixture *f);

/* A fresh device and core, brought to a step by prep. */
static void core_fresh(struct fixture *f, core_prep prep) {
  fake_dev_init(&f->dev, &f->bus); /* still attached: the bus holds &f->dev */
  f->dev.features_offered = M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_MAC);
  drv_core_init(&f->core, &f->bus);
  drv_core_set_known_features(&f->core, M(VIRTIO_NET_F_MAC));
  prep(f);
  f->dev.log_count = 0;
}

/* The last Status value the device accepted since the log was cleared
 * (`before` if none): the refused access, number fail_at, does not count. */
static uint8_t last_accepted_status(const struct fake_dev *d, uint8_t before) {
  uint8_t v = before;
  for (size_t i = 0; i < d->log_count; i++) {
    bool refused = d->access_count >= d->fail_at && i + 1u == d->fail_at;
    if (d->log[i].write && d->log[i].offset == MODEL_MMIO_STATUS && !refused)
      v = (uint8_t)d->log[i].value;
  }
  return v;
}

/*
 * Run op on a fresh core with register access n refused, for n = 1, 2, ...
 * until op gets through untouched (returning `through`): each time the
 * refusal comes back unchanged, the refused access is the last one made, and
 * status_shadow holds what the device last accepted (2.1.1#2: the driver's
 * idea of the status never runs ahead of the device's; after a refused
 * FEATURES_OK it drops that bit, as the device did). Returns how many
 * accesses op makes.
 */
static unsigned each_access_refused(struct fixture *f, core_prep prep, core_op op,
                                    model_err through) {
  for (unsigned n = 1; n < 64u; n++) {
    core_fresh(f, prep);
    uint8_t before = f->core.status_shadow;
    fake_fail_register(&f->dev, n, REFUSED);
    model_err err = op(f);
    uint8_t accepted = last_accepted_status(&f->dev, before);
    if (f->dev.refuse_features_ok)
      assert_int_equal(f->core.status_shadow & ~accepted, 0);
    else
      assert_int_equal(f->core.status_shadow, accepted);
    if (f->dev.access_count < n) {
      assert_int_equal(err, through);
      return n - 1u;
    }
    assert_int_equal(err, REFUSED);
    assert_int_equal(f->dev.log_count, n);
  }
  fail();
  return 0;
}

static void prep_none(struct fixture *f) {
  (void)f;
}
static void prep_probed(struct fixture *f) {
  assert_int_equal(drv_core_probe(&f->core, VIRTIO_ID_NET), MODEL_OK);
}
static void prep_reset(struct fixture *f) {
  prep_probed(f);
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
}
static void prep_ack(struct fixture *f) {
  prep_reset(f);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
}
static void prep_driver(struct fixture *f) {
  prep_ack(f);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER), MODEL_OK);
}
static void prep_no_version_1(struct fixture *f) {
  prep_driver(f);
  f->dev.features_offered = M(VIRTIO_NET_F_MAC);
}
static void prep_written_refused(struct fixture *f) {
  prep_driver(f);
  assert_int_equal(drv_core_features_write(&f->core, M(VIRTIO_F_VERSION_1)), MODEL_OK);
  f->dev.refuse_features_ok = true;
}
static void prep_written_refused_no_failed(struct fixture *f) {
  prep_written_refused(f);
  f->core.misbehave = drv_misbehave_one(DRV_MISBEHAVE_NO_FAILED_ON_REFUSAL);
}
static void prep_features_ok_skipped(struct fixture *f) {
  prep_driver(f);
  f->core.misbehave = drv_misbehave_one(DRV_MISBEHAVE_SKIP_FEATURES_OK);
  assert_int_equal(drv_core_features_ok(&f->core), MODEL_OK);
}

static model_err op_probe(struct fixture *f) {
  model_err err = drv_core_probe(&f->core, VIRTIO_ID_NET);
  /* a device half identified is not driven */
  assert_int_equal(f->core.state, err == MODEL_OK ? DRV_CORE_PROBED : DRV_CORE_UNPROBED);
  return err;
}
static model_err op_reset(struct fixture *f) {
  return drv_core_reset(&f->core);
}
static model_err op_ack(struct fixture *f) {
  return drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE);
}
static model_err op_status_read(struct fixture *f) {
  uint8_t st = 0xff;
  model_err err = drv_core_status_read(&f->core, &st);
  assert_int_equal(st, err == MODEL_OK ? VIRTIO_STATUS_ACKNOWLEDGE : 0);
  return err;
}
static model_err op_negotiate(struct fixture *f) {
  uint64_t neg = 1;
  model_err err = drv_core_negotiate(&f->core, ~(uint64_t)0, M(VIRTIO_F_VERSION_1), &neg);
  /* features count only once FEATURES_OK stuck */
  uint64_t want = err == MODEL_OK ? M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_MAC) : 0;
  assert_int_equal(neg, want);
  assert_int_equal(drv_core_features(&f->core), want);
  return err;
}
static model_err op_fail(struct fixture *f) {
  model_err err = drv_core_fail(&f->core);
  /* the driver has given up either way (3.1.1#4) */
  assert_true(drv_core_is_failed(&f->core));
  return err;
}
static model_err op_features_ok(struct fixture *f) {
  model_err err = drv_core_features_ok(&f->core);
  assert_int_equal(drv_core_features(&f->core), 0);
  return err;
}
static model_err op_driver_ok(struct fixture *f) {
  return drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER_OK);
}

static void test_core_refused_access_stops_each_step(void **state) {
  struct fixture *f = *state;
  assert_int_equal(each_access_refused(f, prep_none, op_probe, MODEL_OK), 4);
  assert_int_equal(each_access_refused(f, prep_probed, op_reset, MODEL_OK), 2);
  assert_int_equal(each_access_refused(f, prep_reset, op_ack, MODEL_OK), 1);
  assert_int_equal(each_access_refused(f, prep_ack, op_status_read, MODEL_OK), 1);
  assert_int_equal(each_access_refused(f, prep_driver, op_negotiate, MODEL_OK), 10);
  assert_int_equal(each_access_refused(f, prep_driver, op_fail, MODEL_OK), 1);
  /* 2.2.1#7: features read, then FAILED, nothing written */
  assert_int_equal(
      each_access_refused(f, prep_no_version_1, op_negotiate, MODEL_ERR_FEATURE_REQUIRED), 5);
  /* 3.1.1 step 6: FEATURES_OK, the read-back, then FAILED */
  assert_int_equal(
      each_access_refused(f, prep_written_refused, op_features_ok, MODEL_ERR_FEATURE_REJECTED), 3);
  assert_true(drv_core_is_failed(&f->core));
  /* misbehave no-failed-on-refusal: a reset (write 0, read back) instead */
  assert_int_equal(each_access_refused(f, prep_written_refused_no_failed, op_features_ok,
                                       MODEL_ERR_FEATURE_REJECTED),
                   4);
  assert_false(drv_core_is_failed(&f->core));
  assert_int_equal(f->dev.status, 0);
  /* misbehave skip-features-ok: DRIVER_OK alone */
  assert_int_equal(each_access_refused(f, prep_features_ok_skipped, op_driver_ok, MODEL_OK), 1);
}

static void test_3_1_1_1_skip_features_ok_then_driver_ok_unchecked(void **state) {
  struct fixture *f = *state;
  core_fresh(f, prep_driver);
  assert_int_equal(drv_core_features_write(&f->core, M(VIRTIO_F_VERSION_1)), MODEL_OK);
  size_t before = f->dev.log_count;
  f->core.misbehave = drv_misbehave_one(DRV_MISBEHAVE_SKIP_FEATURES_OK);
  assert_int_equal(drv_core_features_ok(&f->core), MODEL_OK);
  /* the step is left out: no access at all, and the driver believes its
   * features stand */
  assert_int_equal(f->dev.log_count, before);
  assert_int_equal(drv_core_features(&f->core), M(VIRTIO_F_VERSION_1));
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER_OK), MODEL_OK);
  assert_int_equal(last_status_write(&f->dev),
                   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
  /* twin: well-behaved, DRIVER_OK without FEATURES_OK is refused (3.1.1#1) */
  core_fresh(f, prep_driver);
  before = f->dev.log_count;
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER_OK),
                   MODEL_ERR_STATUS_TRANSITION);
  assert_int_equal(f->dev.log_count, before);
}

static void test_2_1_1_3_init_after_failed_refused_failed_write(void **state) {
  struct fixture *f = *state;
  core_fresh(f, prep_ack);
  f->core.misbehave = drv_misbehave_one(DRV_MISBEHAVE_INIT_AFTER_FAILED);
  fake_fail_register(&f->dev, 1, REFUSED);
  /* the FAILED write is refused: that error, and no DRIVER write after it */
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER), REFUSED);
  assert_int_equal(f->dev.log_count, 1);
  assert_int_equal(f->dev.status, VIRTIO_STATUS_ACKNOWLEDGE);
  /* twin: FAILED accepted, then DRIVER on top of it (2.1.1#3 broken) */
  core_fresh(f, prep_ack);
  f->core.misbehave = drv_misbehave_one(DRV_MISBEHAVE_INIT_AFTER_FAILED);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER),
                   MODEL_ERR_STATUS_TRANSITION);
  assert_int_equal(f->dev.log_count, 2);
  assert_int_equal(f->dev.status,
                   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FAILED | VIRTIO_STATUS_DRIVER);
}

static void test_3_1_1_4_failed_through_add_status(void **state) {
  struct fixture *f = *state;
  core_fresh(f, prep_ack);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_FAILED), MODEL_OK);
  assert_true(drv_core_is_failed(&f->core));
  assert_int_equal(f->dev.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_FAILED);
  /* and FAILED again, in the FAILED state, is still allowed */
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_FAILED), MODEL_OK);
  /* twin: any other step in the FAILED state is refused (3.1.1#5) */
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER),
                   MODEL_ERR_STATUS_TRANSITION);
}

static void test_core_steps_need_a_probed_device(void **state) {
  struct fixture *f = *state;
  uint64_t feat = 1;
  uint8_t st = 1;
  assert_int_equal(drv_core_features_read(&f->core, &feat), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(feat, 0);
  assert_int_equal(drv_core_features_write(&f->core, 1), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(drv_core_features_ok(&f->core), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(drv_core_status_read(&f->core, &st), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(st, 0);
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, 0, NULL), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(f->dev.log_count, 0);
  /* twin: once probed, the same read goes to the device */
  assert_int_equal(drv_core_probe(&f->core, 0), MODEL_OK);
  assert_int_equal(drv_core_features_read(&f->core, &feat), MODEL_OK);
  assert_int_equal(feat, f->dev.features_offered);
}

static void test_3_1_1_3_no_features_written_after_features_ok(void **state) {
  struct fixture *f = *state;
  core_fresh(f, prep_driver);
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, 0, NULL), MODEL_OK);
  size_t before = f->dev.log_count;
  assert_int_equal(drv_core_features_write(&f->core, M(VIRTIO_F_VERSION_1)),
                   MODEL_ERR_STATUS_TRANSITION);
  assert_int_equal(f->dev.log_count, before);
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
      cmocka_unit_test_setup_teardown(test_core_refused_access_stops_each_step, setup, teardown),
      cmocka_unit_test_setup_teardown(test_3_1_1_1_skip_features_ok_then_driver_ok_unchecked, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_2_1_1_3_init_after_failed_refused_failed_write, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_3_1_1_4_failed_through_add_status, setup, teardown),
      cmocka_unit_test_setup_teardown(test_core_steps_need_a_probed_device, setup, teardown),
      cmocka_unit_test_setup_teardown(test_3_1_1_3_no_features_written_after_features_ok, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
