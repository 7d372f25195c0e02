/*
 * model/tests/packed_test.c: the packed virtqueue layout of model/packed.h
 * (2.8.10.1 sizes and alignments, 2.8.13 descriptor offsets, 2.8.14 event
 * structure), the AVAIL/USED encoding of 2.8.1 for both wrap counters,
 * positions across the last slot, and the descriptor-event test at the wrap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "model/packed.h"

static void test_packed_layout(void **state) {
  (void)state;
  assert_int_equal(model_packed_ring_size(1), 16);
  assert_int_equal(model_packed_ring_size(3), 48);
  assert_int_equal(model_packed_ring_size(32768), 524288);
  assert_int_equal(model_packed_desc_off(255), 4080);
  assert_int_equal(MODEL_PACKED_DESC_OFF_ID, 12);
  assert_int_equal(MODEL_PACKED_DESC_OFF_FLAGS, 14);
  assert_int_equal(MODEL_PACKED_EVENT_OFF_FLAGS, 2);
  assert_int_equal(VIRTQ_DESC_F_AVAIL, 0x80);
  assert_int_equal(VIRTQ_DESC_F_USED, 0x8000);
}

static void test_packed_queue_sizes(void **state) {
  (void)state;
  assert_false(model_packed_queue_size_ok(0));
  assert_true(model_packed_queue_size_ok(1));
  assert_true(model_packed_queue_size_ok(3)); /* not a power of two: legal (2.8.10.1) */
  assert_true(model_packed_queue_size_ok(255));
  assert_true(model_packed_queue_size_ok(32768));
  assert_false(model_packed_queue_size_ok(32769));
}

static void test_packed_avail_used_bits(void **state) {
  (void)state;
  for (int w = 0; w <= 1; w++) {
    bool wrap = w != 0;
    uint16_t avail = model_packed_avail_bits(wrap);
    uint16_t used = model_packed_used_bits(wrap);
    assert_true(model_packed_is_avail(avail, wrap));
    assert_false(model_packed_is_used(avail, wrap));
    assert_true(model_packed_is_used(used, wrap));
    assert_false(model_packed_is_avail(used, wrap));
    /* the other lap sees neither state in this lap's bits */
    assert_false(model_packed_is_avail(avail, !wrap));
    assert_false(model_packed_is_used(avail, !wrap));
    /* other flag bits do not matter */
    assert_true(
        model_packed_is_avail((uint16_t)(avail | VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE), wrap));
  }
  /* the zero-initialised ring: nothing is available in the first lap (wrap 1) */
  assert_false(model_packed_is_avail(0, true));
  assert_false(model_packed_is_used(0, true));
  /* ... while zero is "used" for a lap with wrap 0 */
  assert_true(model_packed_is_used(0, false));
  assert_int_equal(model_packed_avail_bits(true), VIRTQ_DESC_F_AVAIL);
  assert_int_equal(model_packed_avail_bits(false), VIRTQ_DESC_F_USED);
  assert_int_equal(model_packed_used_bits(true), VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED);
  assert_int_equal(model_packed_used_bits(false), 0);
}

static void test_packed_pos_advance_flips_wrap_at_last_slot(void **state) {
  (void)state;
  struct model_packed_pos p = model_packed_pos_start();
  assert_int_equal(p.idx, 0);
  assert_true(p.wrap);
  p = model_packed_pos_advance(p, 2, 3);
  assert_int_equal(p.idx, 2);
  assert_true(p.wrap);
  p = model_packed_pos_advance(p, 1, 3); /* past the last slot */
  assert_int_equal(p.idx, 0);
  assert_false(p.wrap);
  p = model_packed_pos_advance(p, 3, 3); /* a whole lap */
  assert_int_equal(p.idx, 0);
  assert_true(p.wrap);
  /* queue size 1: every step is a lap */
  struct model_packed_pos q = model_packed_pos_start();
  q = model_packed_pos_advance(q, 1, 1);
  assert_int_equal(q.idx, 0);
  assert_false(q.wrap);
  /* the largest queue */
  struct model_packed_pos r = {.idx = 32767, .wrap = false};
  r = model_packed_pos_advance(r, 2, 32768);
  assert_int_equal(r.idx, 1);
  assert_true(r.wrap);
}

static void test_packed_pos_distance(void **state) {
  (void)state;
  struct model_packed_pos a = {.idx = 250, .wrap = true};
  struct model_packed_pos b = {.idx = 4, .wrap = false};
  assert_int_equal(model_packed_pos_distance(a, b, 255), 9);
  assert_int_equal(model_packed_pos_distance(b, a, 255), 510 - 9);
  assert_int_equal(model_packed_pos_distance(a, a, 255), 0);
  /* two laps bring the linear position back */
  assert_int_equal(model_packed_pos_linear((struct model_packed_pos){7, true}, 10), 7);
  assert_int_equal(model_packed_pos_linear((struct model_packed_pos){7, false}, 10), 17);
}

static void test_packed_event_encoding(void **state) {
  (void)state;
  struct model_packed_pos p = {.idx = 0x1234, .wrap = true};
  assert_int_equal(model_packed_event_encode(p), 0x9234);
  struct model_packed_pos d = model_packed_event_decode(0x9234);
  assert_int_equal(d.idx, 0x1234);
  assert_true(d.wrap);
  d = model_packed_event_decode(0x7fff);
  assert_int_equal(d.idx, 0x7fff);
  assert_false(d.wrap);
}

static void test_packed_need_event(void **state) {
  (void)state;
  const uint32_t num = 5;
  struct model_packed_pos old_pos = {.idx = 3, .wrap = true};
  struct model_packed_pos new_pos = {.idx = 1, .wrap = false}; /* moved 3: slots 3, 4, 0 */
  /* the event fires for the first and the last slot passed, not for new_pos itself */
  assert_true(model_packed_need_event((struct model_packed_pos){3, true}, new_pos, old_pos, num));
  assert_true(model_packed_need_event((struct model_packed_pos){0, false}, new_pos, old_pos, num));
  assert_false(model_packed_need_event((struct model_packed_pos){1, false}, new_pos, old_pos, num));
  assert_false(model_packed_need_event((struct model_packed_pos){2, true}, new_pos, old_pos, num));
  /* the wrap counter matters: slot 0 of the previous lap is not passed */
  assert_false(model_packed_need_event((struct model_packed_pos){0, true}, new_pos, old_pos, num));
  /* no movement, no event */
  assert_false(model_packed_need_event(old_pos, old_pos, old_pos, num));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_packed_layout),
      cmocka_unit_test(test_packed_queue_sizes),
      cmocka_unit_test(test_packed_avail_used_bits),
      cmocka_unit_test(test_packed_pos_advance_flips_wrap_at_last_slot),
      cmocka_unit_test(test_packed_pos_distance),
      cmocka_unit_test(test_packed_event_encoding),
      cmocka_unit_test(test_packed_need_event),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
