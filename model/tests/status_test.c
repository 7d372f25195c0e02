/*
 * model/tests/status_test.c: model_status_transition_ok() and
 * model_status_format() (2.1, 2.1.1, 2.4, 3.1.1). Every accepting case has a
 * rejecting twin one step past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/virtio.h"

#define ACK VIRTIO_STATUS_ACKNOWLEDGE
#define DRV VIRTIO_STATUS_DRIVER
#define FOK VIRTIO_STATUS_FEATURES_OK
#define DOK VIRTIO_STATUS_DRIVER_OK
#define NRS VIRTIO_STATUS_DEVICE_NEEDS_RESET
#define FLD VIRTIO_STATUS_FAILED

/* The states the 3.1.1 sequence passes through, in order. */
static const uint8_t init_states[] = {
    0, ACK, ACK | DRV, ACK | DRV | FOK, ACK | DRV | FOK | DOK,
};
#define INIT_STATE_COUNT (sizeof init_states / sizeof init_states[0])

/* Every state a device can show: each init prefix, with or without
 * DEVICE_NEEDS_RESET and FAILED. */
static size_t all_states(uint8_t *out) {
  size_t count = 0;
  for (size_t i = 0; i < INIT_STATE_COUNT; i++) {
    out[count++] = init_states[i];
    out[count++] = (uint8_t)(init_states[i] | NRS);
    out[count++] = (uint8_t)(init_states[i] | FLD);
    out[count++] = (uint8_t)(init_states[i] | NRS | FLD);
  }
  return count;
}

static void test_3_1_1_1_each_init_step_in_order_is_legal(void **state) {
  (void)state;
  for (size_t i = 0; i + 1 < INIT_STATE_COUNT; i++)
    assert_true(model_status_transition_ok(init_states[i], init_states[i + 1]));
}

static void test_3_1_1_1_skipping_a_step_is_rejected(void **state) {
  (void)state;
  /* From each state, jumping two or more steps ahead. */
  for (size_t i = 0; i < INIT_STATE_COUNT; i++) {
    for (size_t j = i + 2; j < INIT_STATE_COUNT; j++)
      assert_false(model_status_transition_ok(init_states[i], init_states[j]));
  }
  /* A later step without an earlier one. */
  assert_false(model_status_transition_ok(0, DRV));
  assert_false(model_status_transition_ok(0, FOK));
  assert_false(model_status_transition_ok(ACK, ACK | FOK));
  assert_false(model_status_transition_ok(ACK, ACK | DOK));
  assert_false(model_status_transition_ok(ACK | DRV, ACK | DRV | DOK));
}

static void test_2_4_reset_is_legal_from_every_state(void **state) {
  (void)state;
  uint8_t states[4 * INIT_STATE_COUNT];
  size_t count = all_states(states);
  for (size_t i = 0; i < count; i++)
    assert_true(model_status_transition_ok(states[i], 0));
  assert_true(model_status_transition_ok(0xff, 0));
}

static void test_status_failed_is_legal_from_every_state(void **state) {
  (void)state;
  uint8_t states[4 * INIT_STATE_COUNT];
  size_t count = all_states(states);
  for (size_t i = 0; i < count; i++)
    assert_true(model_status_transition_ok(states[i], (uint8_t)(states[i] | FLD)));
}

static void test_2_1_1_3_no_init_step_after_failed(void **state) {
  (void)state;
  for (size_t i = 0; i + 1 < INIT_STATE_COUNT; i++) {
    uint8_t failed = (uint8_t)(init_states[i] | FLD);
    assert_false(model_status_transition_ok(failed, (uint8_t)(init_states[i + 1] | FLD)));
    /* twin: rewriting the failed value itself adds nothing */
    assert_true(model_status_transition_ok(failed, failed));
  }
  /* FAILED and the next step in the same write */
  assert_false(model_status_transition_ok(ACK, ACK | DRV | FLD));
}

static void test_2_1_1_2_driver_never_clears_a_status_bit(void **state) {
  (void)state;
  /* Each nonzero state, each of its bits cleared (writing 0 is a reset). */
  uint8_t states[4 * INIT_STATE_COUNT];
  size_t count = all_states(states);
  for (size_t i = 0; i < count; i++) {
    for (unsigned b = 0; b < 8; b++) {
      uint8_t bit = (uint8_t)(1u << b);
      uint8_t cleared = (uint8_t)(states[i] & (uint8_t)~bit);
      if ((states[i] & bit) == 0 || cleared == 0)
        continue;
      assert_false(model_status_transition_ok(states[i], cleared));
    }
  }
  /* twin: keeping every bit and adding the next step is fine */
  assert_true(model_status_transition_ok(ACK | DRV, ACK | DRV | FOK));
}

static void test_2_1_driver_never_sets_device_needs_reset(void **state) {
  (void)state;
  for (size_t i = 0; i < INIT_STATE_COUNT; i++)
    assert_false(model_status_transition_ok(init_states[i], (uint8_t)(init_states[i] | NRS)));
  /* twin: keeping the bit the device set, while adding a step */
  assert_true(model_status_transition_ok(ACK | NRS, ACK | DRV | NRS));
  assert_true(model_status_transition_ok(ACK | DRV | FOK | NRS, ACK | DRV | FOK | DOK | NRS));
}

static void test_status_undefined_bits_never_added(void **state) {
  (void)state;
  assert_false(model_status_transition_ok(ACK, ACK | VIRTIO_STATUS_SUSPEND));
  assert_false(model_status_transition_ok(ACK | DRV | FOK | DOK,
                                          ACK | DRV | FOK | DOK | VIRTIO_STATUS_SUSPEND));
  assert_false(model_status_transition_ok(ACK, ACK | 32u));
  /* twin */
  assert_true(model_status_transition_ok(ACK, ACK | DRV));
}

static void test_status_rewriting_the_same_value_is_legal(void **state) {
  (void)state;
  for (size_t i = 1; i < INIT_STATE_COUNT; i++)
    assert_true(model_status_transition_ok(init_states[i], init_states[i]));
}

static void test_2_2_2_3_features_ok_retry_after_device_refused(void **state) {
  (void)state;
  /* The device cleared FEATURES_OK to refuse the features. */
  assert_true(model_status_transition_ok(ACK | DRV, ACK | DRV | FOK));
  /* twin: going on to DRIVER_OK without FEATURES_OK */
  assert_false(model_status_transition_ok(ACK | DRV, ACK | DRV | DOK));
}

static void test_status_format_names_bits_in_order(void **state) {
  (void)state;
  char buf[128];
  assert_string_equal(model_status_format(0, buf, sizeof buf), "0");
  assert_string_equal(model_status_format(ACK | DRV, buf, sizeof buf), "ACKNOWLEDGE|DRIVER");
  assert_string_equal(model_status_format(ACK | DRV | FOK | DOK, buf, sizeof buf),
                      "ACKNOWLEDGE|DRIVER|DRIVER_OK|FEATURES_OK");
  assert_string_equal(model_status_format(NRS | FLD, buf, sizeof buf), "DEVICE_NEEDS_RESET|FAILED");
  assert_string_equal(model_status_format(ACK | 32u, buf, sizeof buf), "ACKNOWLEDGE|0x20");
  assert_string_equal(model_status_format(32u, buf, sizeof buf), "0x20");
}

static void test_status_format_truncates_safely(void **state) {
  (void)state;
  char buf[8];
  memset(buf, 'x', sizeof buf);
  const char *out = model_status_format(ACK | DRV, buf, sizeof buf);
  assert_ptr_equal(out, buf);
  assert_string_equal(buf, "ACKNOWL");
  char one[1] = {'x'};
  assert_string_equal(model_status_format(ACK, one, sizeof one), "");
  char exact[12]; /* "ACKNOWLEDGE" plus its terminator */
  assert_string_equal(model_status_format(ACK | DRV, exact, sizeof exact), "ACKNOWLEDGE");
  char none[1] = {'x'}; /* no room at all: nothing is written */
  assert_ptr_equal(model_status_format(ACK, none, 0), none);
  assert_int_equal(none[0], 'x');
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_3_1_1_1_each_init_step_in_order_is_legal),
      cmocka_unit_test(test_3_1_1_1_skipping_a_step_is_rejected),
      cmocka_unit_test(test_2_4_reset_is_legal_from_every_state),
      cmocka_unit_test(test_status_failed_is_legal_from_every_state),
      cmocka_unit_test(test_2_1_1_3_no_init_step_after_failed),
      cmocka_unit_test(test_2_1_1_2_driver_never_clears_a_status_bit),
      cmocka_unit_test(test_2_1_driver_never_sets_device_needs_reset),
      cmocka_unit_test(test_status_undefined_bits_never_added),
      cmocka_unit_test(test_status_rewriting_the_same_value_is_legal),
      cmocka_unit_test(test_2_2_2_3_features_ok_retry_after_device_refused),
      cmocka_unit_test(test_status_format_names_bits_in_order),
      cmocka_unit_test(test_status_format_truncates_safely),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
