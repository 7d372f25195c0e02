/*
 * sim/tests/trace_test.c: the trace (sim/trace.h): the hash as the header
 * defines it (known answers worked by hand and in Python), the byte digest
 * of sim/hash.h, order sensitivity, positions, notes, and the dump format.
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

static uint64_t rotl(uint64_t x, unsigned r) {
  return (x << r) | (x >> (64u - r));
}

/* The header's definition, spelled out for one event, with the constants
 * written out rather than taken from sim/hash.h. */
static uint64_t by_hand(uint64_t h, const uint64_t x[6]) {
  uint64_t d = rotl(x[0] * 0x9e3779b185ebca87ull, 17) +
               (x[1] + 256u * x[2]) * 0x85ebca77c2b2ae63ull +
               rotl(x[3] * 0xc2b2ae3d27d4eb4full, 31) + rotl(x[4] * 0x165667b19e3779f9ull, 43) +
               x[5] * 0x27d4eb2f165667c5ull;
  uint64_t m = (h ^ d) * 0x9e3779b185ebca87ull;
  return m ^ (m >> 29);
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
  /* and an independent computation of the same fold (Python, arbitrary
   * precision integers reduced mod 2^64) */
  assert_true(t.hash == 0x365813411e97d7eaull);
  assert_int_equal(sim_trace_record(&t, 7, SIM_EV_REG_WRITE, SIM_ACTOR_DEVICE, 0x50, 4, 2), 1);
  const uint64_t ev2[6] = {7, SIM_EV_REG_WRITE, SIM_ACTOR_DEVICE, 0x50, 4, 2};
  assert_true(t.hash == by_hand(h, ev2));
  assert_true(t.hash == 0x0ab03d4c4d85a7a3ull);
  assert_int_equal(t.pos, 2);
}

/* A change of any one field of one event changes the hash, whichever
 * field and however small the change. */
static void test_trace_hash_sees_every_field(void **state) {
  (void)state;
  const uint64_t base[6] = {3, SIM_EV_MEM_READ, SIM_ACTOR_DEVICE, 0x2000, 2, 0x1234};
  struct sim_trace ref;
  sim_trace_init(&ref, NULL);
  (void)sim_trace_record(&ref, base[0], (enum sim_ev_kind)base[1], (enum sim_actor)base[2], base[3],
                         base[4], base[5]);
  for (int field = 0; field < 6; field++) {
    for (unsigned bit = 0; bit < 64; bit++) {
      uint64_t x[6];
      memcpy(x, base, sizeof(x));
      x[field] ^= 1ull << bit;
      if ((field == 1 && x[1] >= SIM_EV_KIND_COUNT) || (field == 2 && x[2] >= SIM_ACTOR_COUNT))
        continue;
      struct sim_trace t;
      sim_trace_init(&t, NULL);
      (void)sim_trace_record(&t, x[0], (enum sim_ev_kind)x[1], (enum sim_actor)x[2], x[3], x[4],
                             x[5]);
      assert_true(t.hash != ref.hash);
    }
  }
}

/* The byte digest (sim/hash.h) on ranges around its word and lane
 * boundaries, against values computed independently by its definition
 * (Python); byte i of each range is i * 7 + 1. */
static void test_hash_bytes_known_answers(void **state) {
  (void)state;
  static const struct {
    size_t len;
    uint64_t digest;
  } known[] = {
      {0, 0x743719905ae6a46cull},  {1, 0x8710fdfd658a2775ull},   {7, 0x985993dc4064d1b3ull},
      {8, 0xb4beda66eee72757ull},  {9, 0x588a0539f717ad09ull},   {31, 0x020d32bf1b0764a3ull},
      {32, 0x1c7c5d00396bbd17ull}, {33, 0xbdd03c6ca0250a3aull},  {40, 0xcf8062b3a715cb4aull},
      {64, 0x71c01297e345726aull}, {100, 0x0e7d5b07669d2557ull},
  };
  uint8_t bytes[100];
  for (size_t i = 0; i < sizeof(bytes); i++)
    bytes[i] = (uint8_t)(i * 7u + 1u);
  for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
    assert_true(sim_hash_bytes(bytes, known[k].len) == known[k].digest);
  /* zero padding of the last word does not hide the length */
  assert_true(sim_hash_bytes("ab", 2) != sim_hash_bytes("ab\0", 3));
}

/* Ranges of one length that differ in one byte never share a digest:
 * every position of every length up to five lane rounds, two flips each. */
static void test_hash_bytes_one_byte_changes(void **state) {
  (void)state;
  uint8_t bytes[160];
  for (size_t i = 0; i < sizeof(bytes); i++)
    bytes[i] = (uint8_t)(i * 13u + 5u);
  for (size_t len = 1; len <= sizeof(bytes); len++) {
    uint64_t ref = sim_hash_bytes(bytes, len);
    for (size_t i = 0; i < len; i++) {
      for (unsigned flip = 0x01; flip <= 0x80; flip <<= 7) {
        bytes[i] ^= (uint8_t)flip;
        assert_true(sim_hash_bytes(bytes, len) != ref);
        bytes[i] ^= (uint8_t)flip;
      }
    }
  }
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
  /* the byte digest of "abc" (Python, by sim/hash.h's definition) */
  (void)sim_trace_record(&b, 9, SIM_EV_NOTE, SIM_ACTOR_WORLD, 0xa2c55fd762a20487ull, 3, 0);
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
      cmocka_unit_test(test_trace_hash_known_answer),
      cmocka_unit_test(test_trace_hash_sees_every_field),
      cmocka_unit_test(test_hash_bytes_known_answers),
      cmocka_unit_test(test_hash_bytes_one_byte_changes),
      cmocka_unit_test(test_trace_order_matters),
      cmocka_unit_test(test_trace_note_hashes_text),
      cmocka_unit_test(test_trace_dump_lines),
      cmocka_unit_test(test_trace_dump_extreme_values),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
