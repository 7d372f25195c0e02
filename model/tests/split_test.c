/*
 * model/tests/split_test.c: the split virtqueue layout of model/split.h (2.7:
 * area sizes, field offsets, alignments, legal queue sizes) and the
 * event-index test model_vring_need_event() (2.7.7.2#5-6, 2.7.10.1#6-7) at
 * the 16-bit wrap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model/split.h"

struct layout_case {
  uint32_t num;
  uint64_t desc_size;
  uint64_t avail_size;
  uint64_t used_size;
  uint64_t used_event_off;
  uint64_t avail_event_off;
};

/* Sizes computed by hand from 2.7's table: 16*n, 6+2*n, 6+8*n. */
static const struct layout_case layout_cases[] = {
    {1, 16, 8, 14, 6, 12},
    {2, 32, 10, 22, 8, 20},
    {256, 4096, 518, 2054, 516, 2052},
    {32768, 524288, 65542, 262150, 65540, 262148},
};

static void test_split_layout_sizes(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof layout_cases / sizeof layout_cases[0]; i++) {
    const struct layout_case *c = &layout_cases[i];
    assert_int_equal(model_split_desc_table_size(c->num), c->desc_size);
    assert_int_equal(model_split_avail_size(c->num), c->avail_size);
    assert_int_equal(model_split_used_size(c->num), c->used_size);
  }
}

static void test_split_layout_event_fields_end_their_areas(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof layout_cases / sizeof layout_cases[0]; i++) {
    const struct layout_case *c = &layout_cases[i];
    assert_int_equal(model_split_used_event_off(c->num), c->used_event_off);
    assert_int_equal(model_split_avail_event_off(c->num), c->avail_event_off);
    /* each is the last le16 of its area */
    assert_int_equal(model_split_used_event_off(c->num) + 2u, model_split_avail_size(c->num));
    assert_int_equal(model_split_avail_event_off(c->num) + 2u, model_split_used_size(c->num));
  }
}

static void test_split_layout_slot_offsets(void **state) {
  (void)state;
  assert_int_equal(model_split_desc_off(0), 0);
  assert_int_equal(model_split_desc_off(1), 16);
  assert_int_equal(model_split_desc_off(32767), 524272);
  assert_int_equal(model_split_avail_ring_off(0), 4);
  assert_int_equal(model_split_avail_ring_off(255), 514);
  assert_int_equal(model_split_used_ring_off(0), 4);
  assert_int_equal(model_split_used_ring_off(255), 2044);
  /* the last slot ends where the event field starts */
  assert_int_equal(model_split_avail_ring_off(255) + 2u, model_split_used_event_off(256));
  assert_int_equal(model_split_used_ring_off(255) + 8u, model_split_avail_event_off(256));
}

static void test_split_layout_field_offsets(void **state) {
  (void)state;
  assert_int_equal(MODEL_SPLIT_DESC_OFF_ADDR, 0);
  assert_int_equal(MODEL_SPLIT_DESC_OFF_LEN, 8);
  assert_int_equal(MODEL_SPLIT_DESC_OFF_FLAGS, 12);
  assert_int_equal(MODEL_SPLIT_DESC_OFF_NEXT, 14);
  assert_int_equal(MODEL_SPLIT_DESC_SIZE, 16);
  assert_int_equal(MODEL_SPLIT_AVAIL_OFF_IDX, 2);
  assert_int_equal(MODEL_SPLIT_USED_OFF_IDX, 2);
  assert_int_equal(MODEL_SPLIT_USED_ELEM_SIZE, 8);
  assert_int_equal(MODEL_SPLIT_DESC_ALIGN, 16);
  assert_int_equal(MODEL_SPLIT_AVAIL_ALIGN, 2);
  assert_int_equal(MODEL_SPLIT_USED_ALIGN, 4);
}

static void test_split_queue_size_powers_of_two_accepted(void **state) {
  (void)state;
  for (uint32_t num = 1; num <= MODEL_QUEUE_SIZE_MAX; num *= 2u)
    assert_true(model_split_queue_size_ok(num));
}

static void test_split_queue_size_others_rejected(void **state) {
  (void)state;
  assert_false(model_split_queue_size_ok(0));
  assert_false(model_split_queue_size_ok(3));
  assert_false(model_split_queue_size_ok(255));
  assert_false(model_split_queue_size_ok(257));
  assert_false(model_split_queue_size_ok(32767));
  assert_false(model_split_queue_size_ok(32769));
  assert_false(model_split_queue_size_ok(65536));
  assert_false(model_split_queue_size_ok(0x80000000u));
  assert_false(model_split_queue_size_ok(0xffffffffu));
}

static void test_split_slot_wraps_with_the_index(void **state) {
  (void)state;
  assert_int_equal(model_split_slot(0, 256), 0);
  assert_int_equal(model_split_slot(255, 256), 255);
  assert_int_equal(model_split_slot(256, 256), 0);
  assert_int_equal(model_split_slot(65535, 256), 255);
  assert_int_equal(model_split_slot(65535, 32768), 32767);
  assert_int_equal(model_split_slot(65535, 1), 0);
}

static void test_2_7_7_2_5_event_crossed_at_the_wrap(void **state) {
  (void)state;
  /* one entry written, the index wraps from 65535 to 0 */
  assert_true(model_vring_need_event(65535, 0, 65535));
  /* two entries across the wrap: both 65535 and 0 are crossed */
  assert_true(model_vring_need_event(65535, 1, 65535));
  assert_true(model_vring_need_event(0, 1, 65535));
  /* from 65534 over the wrap */
  assert_true(model_vring_need_event(65534, 1, 65534));
  /* plain one-step cases either side of the wrap */
  assert_true(model_vring_need_event(65534, 65535, 65534));
  assert_true(model_vring_need_event(0, 1, 0));
}

static void test_2_7_7_2_6_event_not_crossed_at_the_wrap(void **state) {
  (void)state;
  /* twins, one past each boundary */
  assert_false(model_vring_need_event(0, 0, 65535));     /* event is the new idx */
  assert_false(model_vring_need_event(65534, 0, 65535)); /* event is behind old */
  assert_false(model_vring_need_event(1, 1, 65535));
  assert_false(model_vring_need_event(65533, 1, 65534));
  assert_false(model_vring_need_event(65535, 65535, 65534));
  assert_false(model_vring_need_event(1, 1, 0));
  /* nothing written: never a notification */
  assert_false(model_vring_need_event(65535, 65535, 65535));
  assert_false(model_vring_need_event(0, 0, 0));
}

static void test_split_need_event_covers_exactly_old_to_new(void **state) {
  (void)state;
  /* a batch of 8 over the wrap: events 65532..3 fire, nothing else */
  uint16_t old_idx = 65532;
  uint16_t new_idx = 4;
  unsigned fired = 0;
  for (uint32_t e = 0; e <= 0xffffu; e++) {
    bool need = model_vring_need_event((uint16_t)e, new_idx, old_idx);
    bool inside = (uint16_t)((uint16_t)e - old_idx) < (uint16_t)(new_idx - old_idx);
    assert_int_equal(need, inside);
    fired += need ? 1u : 0u;
  }
  assert_int_equal(fired, 8);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_split_layout_sizes),
      cmocka_unit_test(test_split_layout_event_fields_end_their_areas),
      cmocka_unit_test(test_split_layout_slot_offsets),
      cmocka_unit_test(test_split_layout_field_offsets),
      cmocka_unit_test(test_split_queue_size_powers_of_two_accepted),
      cmocka_unit_test(test_split_queue_size_others_rejected),
      cmocka_unit_test(test_split_slot_wraps_with_the_index),
      cmocka_unit_test(test_2_7_7_2_5_event_crossed_at_the_wrap),
      cmocka_unit_test(test_2_7_7_2_6_event_not_crossed_at_the_wrap),
      cmocka_unit_test(test_split_need_event_covers_exactly_old_to_new),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
