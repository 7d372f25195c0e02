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
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
