/*
 * sim/tests/prng_test.c: the PRNG streams (sim/prng.h): a known answer (so
 * gcc and clang, -O0 and -O2 agree), determinism, stream independence,
 * bounds of below() and range(), and the no-draw extremes of chance_ppm().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/prng.h"

/* Reference values from an independent implementation of splitmix64 and
 * xoshiro256** with the seed 1 XOR FNV-1a 64("driver"). */
static void test_prng_known_answer(void **state) {
  (void)state;
  struct sim_prng p;
  sim_prng_init(&p, 1, "driver");
  assert_true(sim_prng_next(&p) == 0x1dbc8591efe32027ull);
  assert_true(sim_prng_next(&p) == 0xde84a10cfd97f9e4ull);
  assert_true(sim_prng_next(&p) == 0x8aa91a4a336679edull);
  sim_prng_init(&p, 0, "");
  assert_true(sim_prng_next(&p) == 0x21382ef092ed7068ull);
}

static void test_prng_same_seed_same_sequence(void **state) {
  (void)state;
  struct sim_prng a, b;
  sim_prng_init(&a, 42, "device");
  sim_prng_init(&b, 42, "device");
  for (int i = 0; i < 1000; i++)
    assert_true(sim_prng_next(&a) == sim_prng_next(&b));
}

static void test_prng_different_seed_or_label_differs(void **state) {
  (void)state;
  struct sim_prng a, b, c;
  sim_prng_init(&a, 42, "device");
  sim_prng_init(&b, 43, "device");
  sim_prng_init(&c, 42, "driver");
  uint64_t va = sim_prng_next(&a);
  assert_true(va != sim_prng_next(&b));
  assert_true(va != sim_prng_next(&c));
}

/* Drawing from one stream, or creating streams in another order, never
 * changes what another stream yields. */
static void test_prng_streams_independent(void **state) {
  (void)state;
  struct sim_prng ref, x, y;
  sim_prng_init(&ref, 7, "nic.wire");
  uint64_t expect[16];
  for (int i = 0; i < 16; i++)
    expect[i] = sim_prng_next(&ref);

  sim_prng_init(&x, 7, "bus");
  for (int i = 0; i < 100; i++)
    (void)sim_prng_next(&x);
  sim_prng_init(&y, 7, "nic.wire");
  for (int i = 0; i < 16; i++) {
    (void)sim_prng_next(&x);
    assert_true(sim_prng_next(&y) == expect[i]);
  }
}

static void test_prng_below_bounds(void **state) {
  (void)state;
  struct sim_prng p;
  sim_prng_init(&p, 3, "t");
  assert_true(sim_prng_below(&p, 0) == 0);
  assert_true(sim_prng_below(&p, 1) == 0);
  unsigned seen[7] = {0};
  for (int i = 0; i < 7000; i++) {
    uint64_t v = sim_prng_below(&p, 7);
    assert_true(v < 7);
    seen[v]++;
  }
  for (int i = 0; i < 7; i++)
    assert_true(seen[i] > 800 && seen[i] < 1200);
  /* a bound just past 2^63 rejects almost half the draws */
  const uint64_t big = (1ull << 63) + 1u;
  for (int i = 0; i < 1000; i++)
    assert_true(sim_prng_below(&p, big) < big);
  for (int i = 0; i < 1000; i++)
    assert_true(sim_prng_below(&p, UINT64_MAX) < UINT64_MAX);
}

static void test_prng_range_inclusive(void **state) {
  (void)state;
  struct sim_prng p;
  sim_prng_init(&p, 3, "t");
  assert_true(sim_prng_range(&p, 9, 9) == 9);
  bool hit_lo = false, hit_hi = false;
  for (int i = 0; i < 1000; i++) {
    uint64_t v = sim_prng_range(&p, 5, 7);
    assert_true(v >= 5 && v <= 7);
    hit_lo = hit_lo || v == 5;
    hit_hi = hit_hi || v == 7;
  }
  assert_true(hit_lo && hit_hi);
  (void)sim_prng_range(&p, 0, UINT64_MAX); /* the full span must not overflow */
  uint64_t top = sim_prng_range(&p, UINT64_MAX - 1u, UINT64_MAX);
  assert_true(top >= UINT64_MAX - 1u);
}

static void test_prng_chance_extremes_do_not_draw(void **state) {
  (void)state;
  struct sim_prng p, before;
  sim_prng_init(&p, 5, "t");
  before = p;
  for (int i = 0; i < 100; i++)
    assert_false(sim_prng_chance_ppm(&p, 0));
  assert_memory_equal(&p, &before, sizeof(p));
  for (int i = 0; i < 100; i++) {
    assert_true(sim_prng_chance_ppm(&p, SIM_PPM_ONE));
    assert_true(sim_prng_chance_ppm(&p, SIM_PPM_ONE + 1u));
  }
  assert_memory_equal(&p, &before, sizeof(p));
  /* just inside the extremes: draws happen and the odds show */
  unsigned ones = 0, almost = 0;
  for (int i = 0; i < 10000; i++) {
    ones += sim_prng_chance_ppm(&p, 1) ? 1u : 0u;
    almost += sim_prng_chance_ppm(&p, SIM_PPM_ONE - 1u) ? 1u : 0u;
  }
  assert_true(memcmp(&p, &before, sizeof(p)) != 0);
  assert_true(ones <= 2);
  assert_true(almost >= 9998);
  unsigned half = 0;
  for (int i = 0; i < 10000; i++)
    half += sim_prng_chance_ppm(&p, SIM_PPM_ONE / 2u) ? 1u : 0u;
  assert_true(half > 4700 && half < 5300);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prng_known_answer),
      cmocka_unit_test(test_prng_same_seed_same_sequence),
      cmocka_unit_test(test_prng_different_seed_or_label_differs),
      cmocka_unit_test(test_prng_streams_independent),
      cmocka_unit_test(test_prng_below_bounds),
      cmocka_unit_test(test_prng_range_inclusive),
      cmocka_unit_test(test_prng_chance_extremes_do_not_draw),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
