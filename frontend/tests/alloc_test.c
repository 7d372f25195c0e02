/*
 * frontend/tests/alloc_test.c: the driver's guest-memory allocator:
 * first fit, alignment, exhaustion and reuse, the block-table bound, merges,
 * bad frees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "frontend/alloc.h"

#define BASE 0x1000u

static void test_alloc_init_rejects_empty_range(void **state) {
  (void)state;
  struct drv_alloc a;
  assert_int_equal(drv_alloc_init(&a, BASE, 0, 8), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_alloc_init(&a, UINT64_MAX - 15u, 32, 8), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_alloc_init(&a, UINT64_MAX - 15u, 16, 8), MODEL_OK);
  drv_alloc_fini(&a);
}

static void test_alloc_first_fit_and_alignment(void **state) {
  (void)state;
  struct drv_alloc a;
  assert_int_equal(drv_alloc_init(&a, BASE + 2u, 4096, 16), MODEL_OK);
  uint64_t p1 = 0, p2 = 0, p3 = 0;
  assert_int_equal(drv_alloc_get(&a, 10, 1, &p1), MODEL_OK);
  assert_int_equal(p1, BASE + 2u);
  assert_int_equal(drv_alloc_get(&a, 32, 16, &p2), MODEL_OK);
  assert_int_equal(p2 % 16u, 0);
  assert_true(p2 >= p1 + 10u);
  /* the alignment slack before p2 stays free and is found first */
  assert_int_equal(drv_alloc_get(&a, 4, 2, &p3), MODEL_OK);
  assert_true(p3 >= p1 + 10u && p3 + 4u <= p2);
  assert_int_equal(p3 % 2u, 0);
  assert_int_equal(drv_alloc_get(&a, 8, 3, &p3), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_alloc_get(&a, 0, 1, &p3), MODEL_ERR_INVALID_ARG);
  drv_alloc_fini(&a);
}

static void test_alloc_exhaustion_and_reuse(void **state) {
  (void)state;
  struct drv_alloc a;
  assert_int_equal(drv_alloc_init(&a, BASE, 256, 16), MODEL_OK);
  uint64_t p[4];
  for (unsigned i = 0; i < 4; i++)
    assert_int_equal(drv_alloc_get(&a, 64, 16, &p[i]), MODEL_OK);
  uint64_t q = 0;
  /* exactly full: one byte more fails */
  assert_int_equal(drv_alloc_get(&a, 1, 1, &q), MODEL_ERR_NO_MEMORY);
  assert_int_equal(drv_alloc_put(&a, p[1]), MODEL_OK);
  assert_int_equal(drv_alloc_get(&a, 65, 1, &q), MODEL_ERR_NO_MEMORY);
  assert_int_equal(drv_alloc_get(&a, 64, 1, &q), MODEL_OK);
  assert_int_equal(q, p[1]); /* reuse of the hole */
  /* freeing neighbours merges them back into one block */
  for (unsigned i = 0; i < 4; i++)
    assert_int_equal(drv_alloc_put(&a, i == 1 ? q : p[i]), MODEL_OK);
  assert_int_equal(a.block_count, 1);
  assert_int_equal(drv_alloc_largest_free(&a), 256);
  assert_int_equal(a.bytes_used, 0);
  drv_alloc_fini(&a);
}

static void test_alloc_block_table_bound(void **state) {
  (void)state;
  struct drv_alloc a;
  /* 3 blocks: [used][used][free tail] is the most this table holds */
  assert_int_equal(drv_alloc_init(&a, BASE, 1024, 3), MODEL_OK);
  uint64_t p = 0;
  assert_int_equal(drv_alloc_get(&a, 16, 1, &p), MODEL_OK);
  assert_int_equal(drv_alloc_get(&a, 16, 1, &p), MODEL_OK);
  assert_int_equal(drv_alloc_get(&a, 16, 1, &p), MODEL_ERR_CAPACITY);
  /* a request that consumes the whole tail needs no extra block */
  assert_int_equal(drv_alloc_get(&a, 1024 - 32, 1, &p), MODEL_OK);
  drv_alloc_fini(&a);
}

/* The block table starts small and grows to block_capacity: the bound is
 * the same as with the whole table allocated at init. */
static void test_alloc_block_table_grows_to_bound(void **state) {
  (void)state;
  struct drv_alloc a;
  const size_t cap = 301; /* not a multiple of the initial slots */
  assert_int_equal(drv_alloc_init(&a, BASE, 1u << 20, cap), MODEL_OK);
  assert_true(a.block_slots == DRV_ALLOC_SLOTS_INITIAL);
  uint64_t p = 0, prev = 0;
  /* each get takes one more block; the last one leaves no free tail */
  for (size_t i = 0; i + 1u < cap; i++) {
    assert_int_equal(drv_alloc_get(&a, 16, 1, &p), MODEL_OK);
    assert_true(i == 0 || p == prev + 16u);
    prev = p;
  }
  assert_true(a.block_count == cap && a.block_slots == cap);
  assert_int_equal(drv_alloc_get(&a, 16, 1, &p), MODEL_ERR_CAPACITY);
  assert_int_equal(drv_alloc_get(&a, (1u << 20) - 16u * (cap - 1u), 1, &p), MODEL_OK);
  assert_true(a.block_slots == cap);
  /* everything given back merges into one block again */
  for (size_t i = 0; i < cap; i++)
    assert_int_equal(drv_alloc_put(&a, BASE + 16u * i), MODEL_OK);
  assert_true(a.block_count == 1 && a.bytes_used == 0);
  drv_alloc_fini(&a);
}

static void test_alloc_put_rejects_foreign_and_double_free(void **state) {
  (void)state;
  struct drv_alloc a;
  assert_int_equal(drv_alloc_init(&a, BASE, 1024, 8), MODEL_OK);
  uint64_t p = 0;
  assert_int_equal(drv_alloc_get(&a, 16, 16, &p), MODEL_OK);
  assert_int_equal(drv_alloc_put(&a, p + 1u), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_alloc_put(&a, p), MODEL_OK);
  assert_int_equal(drv_alloc_put(&a, p), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_alloc_put(&a, 0), MODEL_ERR_INVALID_ARG);
  drv_alloc_fini(&a);
}

static void test_alloc_reset_forgets_everything(void **state) {
  (void)state;
  struct drv_alloc a;
  assert_int_equal(drv_alloc_init(&a, BASE, 1024, 8), MODEL_OK);
  uint64_t p = 0;
  assert_int_equal(drv_alloc_get(&a, 100, 16, &p), MODEL_OK);
  assert_int_equal(drv_alloc_get(&a, 100, 16, &p), MODEL_OK);
  drv_alloc_reset(&a);
  assert_int_equal(a.block_count, 1);
  assert_int_equal(drv_alloc_get(&a, 1024, 1, &p), MODEL_OK);
  assert_int_equal(p, BASE);
  drv_alloc_fini(&a);
}

static void test_alloc_rejects_zero_capacity_and_alignment(void **state) {
  (void)state;
  struct drv_alloc a;
  assert_int_equal(drv_alloc_init(&a, BASE, 1024, 0), MODEL_ERR_INVALID_ARG);
  assert_null(a.blocks);
  /* twin: one block is enough to start */
  assert_int_equal(drv_alloc_init(&a, BASE, 1024, 1), MODEL_OK);
  uint64_t p = 1;
  assert_int_equal(drv_alloc_get(&a, 16, 0, &p), MODEL_ERR_INVALID_ARG);
  assert_int_equal(p, 0);
  assert_int_equal(drv_alloc_get(&a, 1024, 1, &p), MODEL_OK); /* the whole range, no split */
  assert_int_equal(p, BASE);
  drv_alloc_fini(&a);
}

static void test_alloc_put_past_every_block_is_refused(void **state) {
  (void)state;
  struct drv_alloc a;
  assert_int_equal(drv_alloc_init(&a, BASE, 1024, 8), MODEL_OK);
  uint64_t p = 0, q = 0;
  assert_int_equal(drv_alloc_get(&a, 16, 1, &p), MODEL_OK);
  assert_int_equal(drv_alloc_get(&a, 16, 1, &q), MODEL_OK);
  /* beyond the range, and inside the free tail: neither starts a block */
  assert_int_equal(drv_alloc_put(&a, BASE + 4096u), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_alloc_put(&a, q + 32u), MODEL_ERR_INVALID_ARG);
  assert_int_equal(a.alloc_count, 2);
  assert_int_equal(a.bytes_used, 32);
  /* twin: the last used block's start is taken back */
  assert_int_equal(drv_alloc_put(&a, q), MODEL_OK);
  assert_int_equal(a.alloc_count, 1);
  drv_alloc_fini(&a);
}

static void test_alloc_largest_free_of_several(void **state) {
  (void)state;
  struct drv_alloc a;
  assert_int_equal(drv_alloc_init(&a, BASE, 1024, 8), MODEL_OK);
  uint64_t p[3];
  assert_int_equal(drv_alloc_get(&a, 512, 1, &p[0]), MODEL_OK);
  assert_int_equal(drv_alloc_get(&a, 16, 1, &p[1]), MODEL_OK);
  assert_int_equal(drv_alloc_get(&a, 400, 1, &p[2]), MODEL_OK);
  /* free: 512 at the start, 96 at the end; in use: a larger-than-96 block */
  assert_int_equal(drv_alloc_put(&a, p[0]), MODEL_OK);
  assert_int_equal(drv_alloc_largest_free(&a), 512);
  assert_int_equal(drv_alloc_put(&a, p[2]), MODEL_OK);
  assert_int_equal(drv_alloc_largest_free(&a), 512);
  assert_int_equal(drv_alloc_put(&a, p[1]), MODEL_OK);
  assert_int_equal(drv_alloc_largest_free(&a), 1024);
  drv_alloc_fini(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alloc_init_rejects_empty_range),
      cmocka_unit_test(test_alloc_first_fit_and_alignment),
      cmocka_unit_test(test_alloc_exhaustion_and_reuse),
      cmocka_unit_test(test_alloc_block_table_bound),
      cmocka_unit_test(test_alloc_block_table_grows_to_bound),
      cmocka_unit_test(test_alloc_put_rejects_foreign_and_double_free),
      cmocka_unit_test(test_alloc_reset_forgets_everything),
      cmocka_unit_test(test_alloc_rejects_zero_capacity_and_alignment),
      cmocka_unit_test(test_alloc_put_past_every_block_is_refused),
      cmocka_unit_test(test_alloc_largest_free_of_several),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
