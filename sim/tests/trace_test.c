/*
 * sim/tests/trace_test.c: the trace (sim/trace.h): the hash as the header
 * defines it (a known answer worked by hand), order sensitivity, positions,
 * notes, and the dump format.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sim/trace.h"

/* The header's definition, spelled out step by step for one event. */
static uint64_t by_hand(uint64_t h, const uint64_t x[6]) {
  for (int i = 0; i < 6; i++) {
    h ^= x[i];
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  return h;
}

static void test_trace_hash_known_answer(void **state) {
  (void)state;
  struct sim_trace t;
  sim_trace_init(&t, NULL);
  assert_true(t.hash == 0xcbf29ce484222325ull);
  assert_int_equal(
      sim_trace_record(&t, 5, SIM_EV_MEM_WRITE, SIM_ACTOR_DRIVER, 0x1000, 4, 0xdeadbeef), 0);
  const uint64_t ev1[6] = {5, SIM_EV_MEM_WRITE, SIM_ACTOR_DRIVER, 0x1000, 4, 0xdeadbeef};
  uint64_t h = by_hand(0xcbf29ce484222325ull, ev1);
  assert_true(t.hash == h);
  /* and an independent computation of the same fold */
  assert_true(t.hash == 0xb7d79c1d730e63ebull);
  assert_int_equal(sim_trace_record(&t, 7, SIM_EV_REG_WRITE, SIM_ACTOR_DEVICE, 0x50, 4, 2), 1);
  assert_true(t.hash == 0x82c656d52d19b85full);
  assert_int_equal(t.pos, 2);
}

static void test_trace_order_matters(void **state) {
  (void)state;
  struct sim_trace a, b;
  sim_trace_init(&a, NULL);
  sim_trace_init(&b, NULL);
  (void)sim_trace_record(&a, 1, SIM_EV_MEM_READ, SIM_ACTOR_DEVICE, 0x10, 2, 3);
  (void)sim_trace_record(&a, 1, SIM_EV_MEM_READ, SIM_ACTOR_DEVICE, 0x12, 2, 3);
  (void)sim_trace_record(&b, 1, SIM_EV_MEM_READ, SIM_ACTOR_DEVICE, 0x12, 2, 3);
  (void)sim_trace_record(&b, 1, SIM_EV_MEM_READ, SIM_ACTOR_DEVICE, 0x10, 2, 3);
  assert_true(a.hash != b.hash);
  /* the same events in the same order agree */
  struct sim_trace c;
  sim_trace_init(&c, NULL);
  (void)sim_trace_record(&c, 1, SIM_EV_MEM_READ, SIM_ACTOR_DEVICE, 0x10, 2, 3);
  (void)sim_trace_record(&c, 1, SIM_EV_MEM_READ, SIM_ACTOR_DEVICE, 0x12, 2, 3);
  assert_true(a.hash == c.hash);
  /* swapping two fields of one event changes it too */
  struct sim_trace d;
  sim_trace_init(&d, NULL);
  (void)sim_trace_record(&d, 1, SIM_EV_MEM_READ, SIM_ACTOR_DEVICE, 2, 0x10, 3);
  (void)sim_trace_record(&d, 1, SIM_EV_MEM_READ, SIM_ACTOR_DEVICE, 0x12, 2, 3);
  assert_true(a.hash != d.hash);
}

static void test_trace_note_hashes_text(void **state) {
  (void)state;
  struct sim_trace a, b;
  sim_trace_init(&a, NULL);
  sim_trace_init(&b, NULL);
  assert_int_equal(sim_trace_note(&a, 9, "abc"), 0);
  /* FNV-1a 64 of "abc" */
  (void)sim_trace_record(&b, 9, SIM_EV_NOTE, SIM_ACTOR_WORLD, 0xe71fa2190541574bull, 3, 0);
  assert_true(a.hash == b.hash);
  struct sim_trace c;
  sim_trace_init(&c, NULL);
  (void)sim_trace_note(&c, 9, "abd");
  assert_true(c.hash != a.hash);
  (void)sim_trace_note_by(&c, 9, SIM_ACTOR_INJECTOR, "abc");
  assert_int_equal(c.pos, 2);
}

static void test_trace_dump_lines(void **state) {
  (void)state;
  FILE *f = tmpfile();
  assert_non_null(f);
  struct sim_trace t;
  sim_trace_init(&t, f);
  (void)sim_trace_record(&t, 12, SIM_EV_MEM_READ, SIM_ACTOR_DEVICE, 0x10000000, 2, 0xab);
  (void)sim_trace_note(&t, 13, "hello\nworld\x7f");
  (void)sim_trace_record_result(&t, 14, SIM_EV_MEM_WRITE, SIM_ACTOR_DRIVER, 0x5, 1, 0x7,
                                MODEL_ERR_MEM_UNMAPPED);
  rewind(f);
  char buf[512];
  size_t n = fread(buf, 1, sizeof(buf) - 1u, f);
  buf[n] = '\0';
  fclose(f);
  assert_string_equal(buf, "0 t=12 device mem_read a=0x10000000 b=0x2 c=0xab\n"
                           "1 t=13 world note hello?world?\n"
                           "2 t=14 driver mem_write a=0x5 b=0x1 c=0x7 err=MEM_UNMAPPED\n");
}

/* The widest fields: 20-digit decimals, 16-digit hex, the longest names;
 * and zero, which prints as one digit. The line is the one the header's
 * printf-style format gives. */
static void test_trace_dump_extreme_values(void **state) {
  (void)state;
  FILE *f = tmpfile();
  assert_non_null(f);
  struct sim_trace t;
  sim_trace_init(&t, f);
  t.pos = UINT64_MAX;
  (void)sim_trace_record(&t, UINT64_MAX, SIM_EV_NOTIFY_DELIVER, SIM_ACTOR_INJECTOR, UINT64_MAX, 0,
                         0x0123456789abcdefull);
  rewind(f);
  char buf[512];
  size_t n = fread(buf, 1, sizeof(buf) - 1u, f);
  buf[n] = '\0';
  fclose(f);
  assert_string_equal(buf, "18446744073709551615 t=18446744073709551615 injector notify_deliver "
                           "a=0xffffffffffffffff b=0x0 c=0x123456789abcdef\n");
  char want[512];
  (void)snprintf(want, sizeof(want),
                 "%" PRIu64 " t=%" PRIu64 " %s %s a=0x%" PRIx64 " b=0x%" PRIx64 " c=0x%" PRIx64
                 "\n",
                 UINT64_MAX, UINT64_MAX, "injector", "notify_deliver", UINT64_MAX, (uint64_t)0,
                 (uint64_t)0x0123456789abcdefull);
  assert_string_equal(buf, want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trace_hash_known_answer),   cmocka_unit_test(test_trace_order_matters),
      cmocka_unit_test(test_trace_note_hashes_text),    cmocka_unit_test(test_trace_dump_lines),
      cmocka_unit_test(test_trace_dump_extreme_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
