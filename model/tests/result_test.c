/*
 * model/tests/result_test.c: the error table of model/result.h: every code
 * has a distinct name and a message, out-of-range codes are safe, and the
 * MODEL_TRY / MODEL_ENSURE macros return early exactly when they should.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/result.h"

static void test_result_every_code_has_name_and_message(void **state) {
  (void)state;
  for (int i = 0; i < (int)MODEL_ERR_COUNT; i++) {
    const char *name = model_err_name((model_err)i);
    const char *message = model_err_message((model_err)i);
    assert_non_null(name);
    assert_non_null(message);
    assert_true(strlen(name) > 0);
    assert_true(strlen(message) > 0);
    assert_string_not_equal(name, "?");
  }
}

static void test_result_names_are_distinct(void **state) {
  (void)state;
  for (int i = 0; i < (int)MODEL_ERR_COUNT; i++) {
    for (int j = i + 1; j < (int)MODEL_ERR_COUNT; j++)
      assert_string_not_equal(model_err_name((model_err)i), model_err_name((model_err)j));
  }
}

static void test_result_name_is_the_table_name(void **state) {
  (void)state;
  assert_string_equal(model_err_name(MODEL_OK), "OK");
  assert_string_equal(model_err_name(MODEL_ERR_MEM_UNMAPPED), "MEM_UNMAPPED");
  assert_string_equal(model_err_name(MODEL_ERR_INVALID_ARG), "INVALID_ARG");
  assert_string_equal(model_err_message(MODEL_ERR_STATUS_TRANSITION),
                      "illegal device status transition");
}

static void test_result_out_of_range_is_safe(void **state) {
  (void)state;
  assert_string_equal(model_err_name(MODEL_ERR_COUNT), "?");
  assert_string_equal(model_err_name((model_err)-1), "?");
  assert_string_equal(model_err_name((model_err)1000), "?");
  assert_non_null(model_err_message(MODEL_ERR_COUNT));
  assert_non_null(model_err_message((model_err)-1));
}

static int try_calls;

static model_err result_step(model_err err) {
  try_calls++;
  return err;
}

static model_err result_try_twice(model_err first, model_err second) {
  MODEL_TRY(result_step(first));
  MODEL_TRY(result_step(second));
  return MODEL_OK;
}

static void test_result_try_returns_first_failure(void **state) {
  (void)state;
  try_calls = 0;
  assert_int_equal(result_try_twice(MODEL_OK, MODEL_OK), MODEL_OK);
  assert_int_equal(try_calls, 2);
  try_calls = 0;
  assert_int_equal(result_try_twice(MODEL_ERR_RING_FULL, MODEL_OK), MODEL_ERR_RING_FULL);
  assert_int_equal(try_calls, 1); /* evaluated once, then returned */
  try_calls = 0;
  assert_int_equal(result_try_twice(MODEL_OK, MODEL_ERR_CAPACITY), MODEL_ERR_CAPACITY);
  assert_int_equal(try_calls, 2);
}

static model_err result_ensure_below(uint32_t value, uint32_t limit) {
  MODEL_ENSURE(value < limit, MODEL_ERR_QUEUE_INDEX);
  return MODEL_OK;
}

static void test_result_ensure_at_the_boundary(void **state) {
  (void)state;
  assert_int_equal(result_ensure_below(2, 3), MODEL_OK);
  assert_int_equal(result_ensure_below(3, 3), MODEL_ERR_QUEUE_INDEX);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_result_every_code_has_name_and_message),
      cmocka_unit_test(test_result_names_are_distinct),
      cmocka_unit_test(test_result_name_is_the_table_name),
      cmocka_unit_test(test_result_out_of_range_is_safe),
      cmocka_unit_test(test_result_try_returns_first_failure),
      cmocka_unit_test(test_result_ensure_at_the_boundary),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
