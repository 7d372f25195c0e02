/*
 * frontend/tests/mmio_test.c: the virtio-mmio transport against the
 * fake device: register widths, identification order, feature word
 * selection, the generation loop, queue programming discipline, interrupt
 * status masking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fake_device.h"
#include "frontend/mmio.h"
#include "model/mmio.h"
#include "model/virtio.h"

struct fixture {
  struct sim_sched sched;
  struct sim_bus bus;
  struct fake_dev dev;
  struct drv_mmio m;
};

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  fake_bus_setup(&f->bus, &f->sched, 0x10000000u, 1u << 20);
  fake_dev_init(&f->dev, &f->bus);
  fake_dev_attach(&f->dev);
  drv_mmio_init(&f->m, &f->bus);
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

static void test_4_2_2_2_4_control_registers_are_32_bit(void **state) {
  struct fixture *f = *state;
  uint32_t v = 0;
  assert_int_equal(drv_mmio_read(&f->m, MODEL_MMIO_STATUS, &v), MODEL_OK);
  assert_int_equal(drv_mmio_write(&f->m, MODEL_MMIO_STATUS, 1), MODEL_OK);
  for (size_t i = 0; i < f->dev.log_count; i++)
    assert_int_equal(f->dev.log[i].width, 4);
  /* twin: a misaligned or config-space offset is refused before the bus */
  size_t before = f->dev.log_count;
  assert_int_equal(drv_mmio_read(&f->m, MODEL_MMIO_STATUS + 2u, &v), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_mmio_read(&f->m, MODEL_MMIO_CONFIG, &v), MODEL_ERR_INVALID_ARG);
  assert_int_equal(f->dev.log_count, before);
}

static void test_4_2_2_2_5_config_fields_use_their_width(void **state) {
  struct fixture *f = *state;
  f->dev.config[0] = 0x11;
  f->dev.config[6] = 0x34;
  f->dev.config[7] = 0x12;
  for (unsigned i = 0; i < 8; i++)
    f->dev.config[8 + i] = (uint8_t)(0xa0u + i);
  uint8_t b = 0;
  uint16_t h = 0;
  uint64_t q = 0;
  assert_int_equal(drv_mmio_config_u8(&f->m, 0, &b), MODEL_OK);
  assert_int_equal(b, 0x11);
  assert_int_equal(f->dev.log[f->dev.log_count - 1].width, 1);
  assert_int_equal(drv_mmio_config_le16(&f->m, 6, &h), MODEL_OK);
  assert_int_equal(h, 0x1234);
  assert_int_equal(f->dev.log[f->dev.log_count - 1].width, 2);
  assert_int_equal(drv_mmio_config_le64(&f->m, 8, &q), MODEL_OK);
  assert_int_equal(q, 0xa7a6a5a4a3a2a1a0ull);
  assert_int_equal(f->dev.log[f->dev.log_count - 1].width, 4);
  assert_int_equal(f->dev.log[f->dev.log_count - 2].width, 4);
  /* twin: a misaligned 16-bit field is refused */
  assert_int_equal(drv_mmio_config_le16(&f->m, 7, &h), MODEL_ERR_INVALID_ARG);
}

static void test_4_2_3_1_1_3_device_id_zero_stops_reading(void **state) {
  struct fixture *f = *state;
  f->dev.device_id = 0;
  struct drv_mmio_ident id;
  assert_int_equal(drv_mmio_ident_read(&f->m, &id), MODEL_OK);
  assert_int_equal(id.read_count, 3);
  assert_int_equal(f->dev.log_count, 3);
  assert_int_equal(f->dev.log[0].offset, MODEL_MMIO_MAGIC_VALUE);
  assert_int_equal(f->dev.log[1].offset, MODEL_MMIO_VERSION_REG);
  assert_int_equal(f->dev.log[2].offset, MODEL_MMIO_DEVICE_ID);
  /* twin: a real device id goes on to VendorID */
  f->dev.device_id = 1;
  f->dev.log_count = 0;
  assert_int_equal(drv_mmio_ident_read(&f->m, &id), MODEL_OK);
  assert_int_equal(id.read_count, 4);
}

static void test_4_2_3_1_1_2_bad_version_skips_device_id(void **state) {
  struct fixture *f = *state;
  f->dev.version = 1;
  struct drv_mmio_ident id;
  assert_int_equal(drv_mmio_ident_read(&f->m, &id), MODEL_OK);
  assert_int_equal(id.read_count, 2);
  assert_int_equal(f->dev.log_count, 2);
}

static void test_4_2_2_2_10_features_selected_before_each_access(void **state) {
  struct fixture *f = *state;
  f->dev.features_offered = 0x0000000300010020ull;
  uint64_t feat = 0;
  assert_int_equal(drv_mmio_features_read(&f->m, &feat), MODEL_OK);
  assert_int_equal(feat, 0x0000000300010020ull);
  assert_int_equal(f->dev.log_count, 4);
  assert_true(f->dev.log[0].write && f->dev.log[0].offset == MODEL_MMIO_DEVICE_FEATURES_SEL &&
              f->dev.log[0].value == 0);
  assert_true(!f->dev.log[1].write && f->dev.log[1].offset == MODEL_MMIO_DEVICE_FEATURES);
  assert_true(f->dev.log[2].write && f->dev.log[2].value == 1);
  assert_int_equal(drv_mmio_features_write(&f->m, 0x0000000100000020ull), MODEL_OK);
  assert_int_equal(f->dev.driver_features, 0x0000000100000020ull);
  assert_true(f->dev.log[4].offset == MODEL_MMIO_DRIVER_FEATURES_SEL && f->dev.log[4].value == 0);
  assert_true(f->dev.log[6].offset == MODEL_MMIO_DRIVER_FEATURES_SEL && f->dev.log[6].value == 1);
}

struct gen_ctx {
  unsigned calls;
};

static model_err read_one(struct drv_mmio *m, void *ctx) {
  struct gen_ctx *g = ctx;
  g->calls++;
  uint8_t b = 0;
  return drv_mmio_config_u8(m, 0, &b);
}

static void test_2_5_1_2_generation_loop_retries_until_stable(void **state) {
  struct fixture *f = *state;
  struct gen_ctx g = {0};
  f->dev.generation_bumps = 1; /* the first read sees a change under it */
  assert_int_equal(drv_mmio_config_read(&f->m, read_one, &g), MODEL_OK);
  assert_int_equal(g.calls, 2);
  assert_int_equal(f->m.generation_retries, 1);
}

static void test_2_5_1_2_generation_loop_is_bounded(void **state) {
  struct fixture *f = *state;
  struct gen_ctx g = {0};
  f->dev.generation_bumps = 1000; /* a device that never settles */
  assert_int_equal(drv_mmio_config_read(&f->m, read_one, &g), MODEL_ERR_TIMEOUT);
  assert_int_equal(g.calls, DRV_MMIO_GENERATION_TRIES_MAX);
  /* twin: one change fewer than the bound still succeeds */
  struct gen_ctx g2 = {0};
  f->dev.generation_bumps = DRV_MMIO_GENERATION_TRIES_MAX - 1u;
  assert_int_equal(drv_mmio_config_read(&f->m, read_one, &g2), MODEL_OK);
}

static void test_4_2_3_2_queue_program_order(void **state) {
  struct fixture *f = *state;
  struct drv_mmio_queue_layout l = {
      .size = 64, .desc_addr = 0x1234567890ull, .driver_addr = 0x2000, .device_addr = 0x3000};
  uint32_t max = 0;
  assert_int_equal(drv_mmio_queue_size_max(&f->m, 1, &max), MODEL_OK);
  assert_int_equal(max, 256);
  assert_int_equal(drv_mmio_queue_program(&f->m, 1, &l), MODEL_OK);
  assert_int_equal(f->dev.q[1].size, 64);
  assert_int_equal(f->dev.q[1].desc, 0x1234567890ull);
  assert_int_equal(f->dev.q[1].driver, 0x2000);
  assert_int_equal(f->dev.q[1].device, 0x3000);
  assert_int_equal(f->dev.q[1].ready, 1);
  size_t ready_write = fake_log_find(&f->dev, 0, true, MODEL_MMIO_QUEUE_READY);
  size_t size_write = fake_log_find(&f->dev, 0, true, MODEL_MMIO_QUEUE_SIZE);
  assert_true(size_write < ready_write);
  assert_int_equal(f->dev.log[f->dev.log_count - 1].offset, MODEL_MMIO_QUEUE_READY);
}

static void test_4_2_2_2_13_ready_queue_registers_untouched(void **state) {
  struct fixture *f = *state;
  f->dev.q[0].ready = 1;
  struct drv_mmio_queue_layout l = {.size = 64, .desc_addr = 0x1000};
  assert_int_equal(drv_mmio_queue_program(&f->m, 0, &l), MODEL_ERR_QUEUE_UNAVAILABLE);
  assert_int_equal(fake_log_count_offset(&f->dev, true, MODEL_MMIO_QUEUE_SIZE), 0);
  assert_int_equal(fake_log_count_offset(&f->dev, true, MODEL_MMIO_QUEUE_DESC_LOW), 0);
  uint32_t max = 0;
  assert_int_equal(drv_mmio_queue_size_max(&f->m, 0, &max), MODEL_ERR_QUEUE_UNAVAILABLE);
  /* twin: QueueSizeMax 0 is an unavailable queue too */
  f->dev.q[0].ready = 0;
  f->dev.q[0].size_max = 0;
  assert_int_equal(drv_mmio_queue_size_max(&f->m, 0, &max), MODEL_ERR_QUEUE_UNAVAILABLE);
}

static void test_4_2_2_2_15_queue_disable_reads_back(void **state) {
  struct fixture *f = *state;
  f->dev.q[2].ready = 1;
  assert_int_equal(drv_mmio_queue_disable(&f->m, 2), MODEL_OK);
  assert_int_equal(fake_log_count_offset(&f->dev, false, MODEL_MMIO_QUEUE_READY), 1);
  /* twin: a device whose QueueReady never drops is given up on, boundedly */
  f->dev.q[2].ready = 1;
  f->dev.q[2].ready_sticks = true;
  assert_int_equal(drv_mmio_queue_disable(&f->m, 2), MODEL_ERR_TIMEOUT);
  assert_int_equal(fake_log_count_offset(&f->dev, false, MODEL_MMIO_QUEUE_READY),
                   1u + DRV_MMIO_READBACK_TRIES_MAX);
}

static void test_4_2_2_2_16_isr_undefined_bits_ignored(void **state) {
  struct fixture *f = *state;
  f->dev.isr = MODEL_MMIO_INT_VRING;
  f->dev.isr_extra = 0xf0u;
  uint32_t bits = 0, raw = 0;
  assert_int_equal(drv_mmio_isr_read(&f->m, &bits, &raw), MODEL_OK);
  assert_int_equal(bits, MODEL_MMIO_INT_VRING);
  assert_int_equal(raw, 0xf1u);
}

static void test_4_2_2_2_18_ack_sets_no_undefined_bit(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_mmio_isr_ack(&f->m, 0xf3u), MODEL_OK);
  assert_int_equal(f->dev.log_count, 1);
  assert_int_equal(f->dev.log[0].value, MODEL_MMIO_INT_MASK);
  /* twin: nothing defined to acknowledge, nothing written */
  assert_int_equal(drv_mmio_isr_ack(&f->m, 0xf0u), MODEL_OK);
  assert_int_equal(f->dev.log_count, 1);
}

/* ---- refused register accesses ------------------------------------------ */

/* The error the fake device answers a refused access with: one it never
 * gives otherwise, so that seeing it proves it was passed on unchanged. */
#define REFUSED MODEL_ERR_REG_NO_DEVICE

typedef model_err (*mmio_op)(struct fixture *f);

/* Run op with register access n refused, for n = 1, 2, ... until op gets
 * through untouched: each time the refusal comes back unchanged and the
 * refused access is the last one the driver made (it stops at the first
 * error). Returns how many accesses op makes. */
static unsigned each_access_refused(struct fixture *f, mmio_op op) {
  for (unsigned n = 1; n < 64u; n++) {
    f->dev.log_count = 0;
    fake_fail_register(&f->dev, n, REFUSED);
    model_err err = op(f);
    if (f->dev.access_count < n) {
      assert_int_equal(err, MODEL_OK);
      fake_fail_register(&f->dev, 0, MODEL_OK);
      return n - 1u;
    }
    assert_int_equal(err, REFUSED);
    assert_int_equal(f->dev.log_count, n);
  }
  fail();
  return 0;
}

static model_err op_ident(struct fixture *f) {
  struct drv_mmio_ident id;
  model_err err = drv_mmio_ident_read(&f->m, &id);
  /* what was read before the refusal is kept, nothing after it */
  if (err != MODEL_OK)
    assert_int_equal(id.read_count, f->dev.access_count - 1u);
  return err;
}
static model_err op_status(struct fixture *f) {
  uint8_t st = 0xee;
  model_err err = drv_mmio_status_read(&f->m, &st);
  assert_int_equal(st, err == MODEL_OK ? f->dev.status : 0);
  return err;
}
static model_err op_features_read(struct fixture *f) {
  uint64_t feat = 1;
  model_err err = drv_mmio_features_read(&f->m, &feat);
  assert_int_equal(feat, err == MODEL_OK ? f->dev.features_offered : 0);
  return err;
}
static model_err op_features_write(struct fixture *f) {
  return drv_mmio_features_write(&f->m, 0x0000000100000020ull);
}
static model_err op_config_le64(struct fixture *f) {
  uint64_t q = 1;
  model_err err = drv_mmio_config_le64(&f->m, 8, &q);
  if (err != MODEL_OK)
    assert_int_equal(q, 0);
  return err;
}
static model_err op_config_u8(struct fixture *f) {
  uint8_t b = 1;
  model_err err = drv_mmio_config_u8(&f->m, 3, &b);
  if (err != MODEL_OK)
    assert_int_equal(b, 0);
  return err;
}
static model_err op_config_le16(struct fixture *f) {
  uint16_t h = 1;
  model_err err = drv_mmio_config_le16(&f->m, 4, &h);
  if (err != MODEL_OK)
    assert_int_equal(h, 0);
  return err;
}
static model_err read_u8_field(struct drv_mmio *m, void *ctx) {
  uint8_t *b = ctx;
  return drv_mmio_config_u8(m, 0, b);
}
static model_err op_config_read(struct fixture *f) {
  uint8_t b = 0;
  return drv_mmio_config_read(&f->m, read_u8_field, &b);
}
static model_err op_queue_size_max(struct fixture *f) {
  uint32_t max = 1;
  model_err err = drv_mmio_queue_size_max(&f->m, 1, &max);
  if (err != MODEL_OK)
    assert_int_equal(max, 0);
  return err;
}
static model_err op_queue_program(struct fixture *f) {
  struct drv_mmio_queue_layout l = {
      .size = 64, .desc_addr = 0x1234567890ull, .driver_addr = 0x2000, .device_addr = 0x3000};
  f->dev.q[1].ready = 0;
  model_err err = drv_mmio_queue_program(&f->m, 1, &l);
  /* the queue goes live only with the last access, QueueReady = 1 */
  assert_int_equal(f->dev.q[1].ready, err == MODEL_OK ? 1u : 0u);
  return err;
}
static model_err op_queue_disable(struct fixture *f) {
  f->dev.q[2].ready = 1;
  return drv_mmio_queue_disable(&f->m, 2);
}
static model_err op_isr_read(struct fixture *f) {
  uint32_t bits = 7, raw = 7;
  model_err err = drv_mmio_isr_read(&f->m, &bits, &raw);
  if (err != MODEL_OK) {
    assert_int_equal(bits, 0);
    assert_int_equal(raw, 0);
  }
  return err;
}
static model_err op_notify(struct fixture *f) {
  return drv_mmio_notify(&f->m, 1);
}

static void test_mmio_refused_access_stops_each_sequence(void **state) {
  struct fixture *f = *state;
  f->dev.status = VIRTIO_STATUS_ACKNOWLEDGE;
  f->dev.features_offered = 0x0000000300010020ull;
  /* each operation's length is the register discipline of its clause */
  assert_int_equal(each_access_refused(f, op_ident), 4);          /* 4.2.3.1.1 */
  assert_int_equal(each_access_refused(f, op_status), 1);         /* 4.2.2.2#4 */
  assert_int_equal(each_access_refused(f, op_features_read), 4);  /* 4.2.2.2#10 */
  assert_int_equal(each_access_refused(f, op_features_write), 4); /* 4.2.2.2#11 */
  assert_int_equal(each_access_refused(f, op_config_u8), 1);      /* 4.2.2.2#5 */
  assert_int_equal(each_access_refused(f, op_config_le16), 1);    /* 4.2.2.2#5 */
  assert_int_equal(each_access_refused(f, op_config_le64), 2);    /* 4.2.2.2#5 */
  assert_int_equal(each_access_refused(f, op_config_read), 3);    /* 2.5.1#2 */
  assert_int_equal(each_access_refused(f, op_queue_size_max), 3); /* 4.2.3.2 */
  assert_int_equal(each_access_refused(f, op_queue_program), 10); /* 4.2.3.2 */
  assert_int_equal(each_access_refused(f, op_queue_disable), 3);  /* 4.2.2.2#15 */
  assert_int_equal(each_access_refused(f, op_isr_read), 1);       /* 4.2.2.2#16 */
  assert_int_equal(each_access_refused(f, op_notify), 1);         /* 4.2.3.3 */
  assert_int_equal(f->dev.driver_features, 0x0000000100000020ull);
}

static void test_4_2_2_2_4_write_offset_checked_before_the_bus(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_mmio_write(&f->m, MODEL_MMIO_STATUS + 1u, 1), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_mmio_write(&f->m, MODEL_MMIO_CONFIG, 1), MODEL_ERR_INVALID_ARG);
  assert_int_equal(f->dev.log_count, 0);
  /* twin: the last control offset, aligned, goes to the device (which
   * answers for itself: nothing is defined there) */
  assert_int_equal(drv_mmio_write(&f->m, MODEL_MMIO_CONFIG - 4u, 0), MODEL_ERR_REG_UNDEFINED);
  assert_int_equal(f->dev.log_count, 1);
}

static void test_mmio_config_offsets_stay_in_the_window(void **state) {
  struct fixture *f = *state;
  uint32_t last = MODEL_MMIO_WINDOW_SIZE - MODEL_MMIO_CONFIG;
  uint8_t b = 0;
  uint32_t w = 0;
  /* the last byte and the last word of the window are in it */
  assert_int_equal(drv_mmio_config_u8(&f->m, last - 1u, &b), MODEL_OK);
  assert_int_equal(drv_mmio_config_le32(&f->m, last - 4u, &w), MODEL_OK);
  size_t before = f->dev.log_count;
  /* twins: one past them is refused before the bus */
  assert_int_equal(drv_mmio_config_u8(&f->m, last, &b), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_mmio_config_le32(&f->m, last - 3u, &w), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_mmio_config_le32(&f->m, 2, &w), MODEL_ERR_INVALID_ARG); /* misaligned */
  assert_int_equal(drv_mmio_config_write_u8(&f->m, last, 1), MODEL_ERR_INVALID_ARG);
  assert_int_equal(f->dev.log_count, before);
  /* and an in-window byte write reaches the device, one byte wide */
  assert_int_equal(drv_mmio_config_write_u8(&f->m, 0, 1), MODEL_ERR_REG_UNDEFINED);
  assert_int_equal(f->dev.log_count, before + 1u);
  assert_int_equal(f->dev.log[before].width, 1);
}

static void test_4_2_3_2_queue_program_refuses_size_zero(void **state) {
  struct fixture *f = *state;
  struct drv_mmio_queue_layout l = {.size = 0, .desc_addr = 0x1000};
  assert_int_equal(drv_mmio_queue_program(&f->m, 0, &l), MODEL_ERR_QUEUE_SIZE);
  assert_int_equal(f->dev.log_count, 0);
  assert_int_equal(f->dev.q[0].ready, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_4_2_2_2_4_control_registers_are_32_bit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_4_2_2_2_5_config_fields_use_their_width, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_4_2_3_1_1_3_device_id_zero_stops_reading, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_4_2_3_1_1_2_bad_version_skips_device_id, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_4_2_2_2_10_features_selected_before_each_access, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_2_5_1_2_generation_loop_retries_until_stable, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_2_5_1_2_generation_loop_is_bounded, setup, teardown),
      cmocka_unit_test_setup_teardown(test_4_2_3_2_queue_program_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_4_2_2_2_13_ready_queue_registers_untouched, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_4_2_2_2_15_queue_disable_reads_back, setup, teardown),
      cmocka_unit_test_setup_teardown(test_4_2_2_2_16_isr_undefined_bits_ignored, setup, teardown),
      cmocka_unit_test_setup_teardown(test_4_2_2_2_18_ack_sets_no_undefined_bit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_mmio_refused_access_stops_each_sequence, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_4_2_2_2_4_write_offset_checked_before_the_bus, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_mmio_config_offsets_stay_in_the_window, setup, teardown),
      cmocka_unit_test_setup_teardown(test_4_2_3_2_queue_program_refuses_size_zero, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
