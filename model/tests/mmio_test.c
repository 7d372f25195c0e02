/*
 * model/tests/mmio_test.c: the virtio-mmio register map (4.2.2, table 4.2).
 * The expected table is written out here from the spec; model/mmio.c must
 * agree with it, and every other offset must name no register (the offsets a
 * driver must not touch, 4.2.2.2#1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/mmio.h"

static const struct model_mmio_reg expected[] = {
    {0x000, "MagicValue", MODEL_MMIO_DIR_R},       {0x004, "Version", MODEL_MMIO_DIR_R},
    {0x008, "DeviceID", MODEL_MMIO_DIR_R},         {0x00c, "VendorID", MODEL_MMIO_DIR_R},
    {0x010, "DeviceFeatures", MODEL_MMIO_DIR_R},   {0x014, "DeviceFeaturesSel", MODEL_MMIO_DIR_W},
    {0x020, "DriverFeatures", MODEL_MMIO_DIR_W},   {0x024, "DriverFeaturesSel", MODEL_MMIO_DIR_W},
    {0x030, "QueueSel", MODEL_MMIO_DIR_W},         {0x034, "QueueSizeMax", MODEL_MMIO_DIR_R},
    {0x038, "QueueSize", MODEL_MMIO_DIR_W},        {0x044, "QueueReady", MODEL_MMIO_DIR_RW},
    {0x050, "QueueNotify", MODEL_MMIO_DIR_W},      {0x060, "InterruptStatus", MODEL_MMIO_DIR_R},
    {0x064, "InterruptACK", MODEL_MMIO_DIR_W},     {0x070, "Status", MODEL_MMIO_DIR_RW},
    {0x080, "QueueDescLow", MODEL_MMIO_DIR_W},     {0x084, "QueueDescHigh", MODEL_MMIO_DIR_W},
    {0x090, "QueueDriverLow", MODEL_MMIO_DIR_W},   {0x094, "QueueDriverHigh", MODEL_MMIO_DIR_W},
    {0x0a0, "QueueDeviceLow", MODEL_MMIO_DIR_W},   {0x0a4, "QueueDeviceHigh", MODEL_MMIO_DIR_W},
    {0x0ac, "SHMSel", MODEL_MMIO_DIR_W},           {0x0b0, "SHMLenLow", MODEL_MMIO_DIR_R},
    {0x0b4, "SHMLenHigh", MODEL_MMIO_DIR_R},       {0x0b8, "SHMBaseLow", MODEL_MMIO_DIR_R},
    {0x0bc, "SHMBaseHigh", MODEL_MMIO_DIR_R},      {0x0c0, "QueueReset", MODEL_MMIO_DIR_RW},
    {0x0fc, "ConfigGeneration", MODEL_MMIO_DIR_R},
};
#define EXPECTED_COUNT (sizeof expected / sizeof expected[0])

static const struct model_mmio_reg *expected_at(uint32_t offset) {
  for (size_t i = 0; i < EXPECTED_COUNT; i++) {
    if (expected[i].offset == offset)
      return &expected[i];
  }
  return NULL;
}

static void test_mmio_every_register_found_with_its_direction(void **state) {
  (void)state;
  for (size_t i = 0; i < EXPECTED_COUNT; i++) {
    const struct model_mmio_reg *reg = model_mmio_reg_find(expected[i].offset);
    assert_non_null(reg);
    assert_int_equal(reg->offset, expected[i].offset);
    assert_string_equal(reg->name, expected[i].name);
    assert_int_equal(reg->dir, expected[i].dir);
  }
}

static void test_mmio_table_has_nothing_else(void **state) {
  (void)state;
  assert_int_equal(model_mmio_reg_count(), EXPECTED_COUNT);
  for (size_t i = 0; i < model_mmio_reg_count(); i++) {
    const struct model_mmio_reg *reg = model_mmio_reg_at(i);
    assert_non_null(reg);
    assert_non_null(expected_at(reg->offset));
    if (i > 0)
      assert_true(model_mmio_reg_at(i - 1)->offset < reg->offset);
  }
  assert_null(model_mmio_reg_at(model_mmio_reg_count()));
}

static void test_mmio_header_constants_match_the_table(void **state) {
  (void)state;
  assert_string_equal(model_mmio_reg_find(MODEL_MMIO_MAGIC_VALUE)->name, "MagicValue");
  assert_string_equal(model_mmio_reg_find(MODEL_MMIO_QUEUE_SIZE_MAX)->name, "QueueSizeMax");
  assert_string_equal(model_mmio_reg_find(MODEL_MMIO_INTERRUPT_ACK)->name, "InterruptACK");
  assert_string_equal(model_mmio_reg_find(MODEL_MMIO_QUEUE_DEVICE_HIGH)->name, "QueueDeviceHigh");
  assert_string_equal(model_mmio_reg_find(MODEL_MMIO_QUEUE_RESET)->name, "QueueReset");
  assert_string_equal(model_mmio_reg_find(MODEL_MMIO_CONFIG_GENERATION)->name, "ConfigGeneration");
}

static void test_4_2_2_2_1_undefined_offsets_name_no_register(void **state) {
  (void)state;
  assert_null(model_mmio_reg_find(0x018));
  assert_null(model_mmio_reg_find(0x0fe));
  assert_null(model_mmio_reg_find(0x1000));
  assert_null(model_mmio_reg_find(0x0c4));
  assert_null(model_mmio_reg_find(0x0f8));
  assert_null(model_mmio_reg_find(0xffffffffu));
  /* the config space is not a control register */
  assert_null(model_mmio_reg_find(MODEL_MMIO_CONFIG));
  /* every offset below the config space that the spec does not list */
  for (uint32_t offset = 0; offset < MODEL_MMIO_CONFIG; offset++) {
    if (expected_at(offset) == NULL)
      assert_null(model_mmio_reg_find(offset));
  }
}

static void test_mmio_unaligned_offsets_name_no_register(void **state) {
  (void)state;
  /* twin of the found case: one byte into MagicValue and Status */
  assert_non_null(model_mmio_reg_find(0x000));
  assert_null(model_mmio_reg_find(0x001));
  assert_non_null(model_mmio_reg_find(0x070));
  assert_null(model_mmio_reg_find(0x072));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mmio_every_register_found_with_its_direction),
      cmocka_unit_test(test_mmio_table_has_nothing_else),
      cmocka_unit_test(test_mmio_header_constants_match_the_table),
      cmocka_unit_test(test_4_2_2_2_1_undefined_offsets_name_no_register),
      cmocka_unit_test(test_mmio_unaligned_offsets_name_no_register),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
