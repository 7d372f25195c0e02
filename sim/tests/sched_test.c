/*
 * sim/tests/sched_test.c: the event scheduler (sim/sched.h): (time, seq)
 * ordering with ties (also in a deep heap under churn), clamping to now,
 * the fixed capacity (and the array growing to it), cancel and pending, and
 * the clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim/sched.h"

struct log {
  uint64_t args[64];
  uint64_t times[64];
  size_t count;
  struct sim_sched *sched;
};

static void log_fn(void *ctx, uint64_t arg) {
  struct log *log = ctx;
  assert_true(log->count < 64);
  log->args[log->count] = arg;
  log->times[log->count] = sim_sched_now(log->sched);
  log->count++;
}

static void other_fn(void *ctx, uint64_t arg) {
  log_fn(ctx, arg + 1000u);
}

static int setup(void **state) {
  static struct sim_sched sched;
  static struct log log;
  log = (struct log){.sched = &sched};
  if (sim_sched_init(&sched, 16) != MODEL_OK)
    return -1;
  *state = &log;
  return 0;
}

static int teardown(void **state) {
  struct log *log = *state;
  sim_sched_fini(log->sched);
  return 0;
}

static void run_all(struct sim_sched *s) {
  for (int i = 0; i < 100 && sim_sched_step(s); i++) {
  }
}

static void test_sched_orders_by_time_then_insertion(void **state) {
  struct log *log = *state;
  struct sim_sched *s = log->sched;
  const uint64_t times[] = {30, 10, 20, 10, 30, 0, 10};
  for (uint64_t i = 0; i < 7; i++)
    assert_int_equal(sim_sched_at(s, times[i], log_fn, log, i), MODEL_OK);
  run_all(s);
  const uint64_t want[] = {5, 1, 3, 6, 2, 0, 4};
  assert_int_equal(log->count, 7);
  for (size_t i = 0; i < 7; i++)
    assert_int_equal(log->args[i], want[i]);
  assert_int_equal(sim_sched_now(s), 30);
  assert_int_equal(s->executed_count, 7);
}

static void test_sched_past_clamps_to_now(void **state) {
  struct log *log = *state;
  struct sim_sched *s = log->sched;
  assert_int_equal(sim_sched_at(s, 50, log_fn, log, 1), MODEL_OK);
  assert_true(sim_sched_step(s));
  assert_int_equal(sim_sched_at(s, 10, log_fn, log, 2), MODEL_OK);
  assert_int_equal(sim_sched_after(s, 0, log_fn, log, 3), MODEL_OK);
  uint64_t t = 0;
  assert_true(sim_sched_peek_time(s, &t));
  assert_int_equal(t, 50);
  run_all(s);
  assert_int_equal(log->times[1], 50);
  assert_int_equal(log->args[1], 2); /* clamped, and still before the later insert */
  assert_int_equal(log->args[2], 3);
}

static void test_sched_after_saturates(void **state) {
  struct log *log = *state;
  struct sim_sched *s = log->sched;
  assert_int_equal(sim_sched_at(s, 5, log_fn, log, 0), MODEL_OK);
  assert_true(sim_sched_step(s));
  assert_int_equal(sim_sched_after(s, UINT64_MAX, log_fn, log, 1), MODEL_OK);
  uint64_t t = 0;
  assert_true(sim_sched_peek_time(s, &t));
  assert_true(t == UINT64_MAX);
}

static void test_sched_capacity_full(void **state) {
  struct log *log = *state;
  struct sim_sched *s = log->sched;
  for (uint64_t i = 0; i < 15; i++)
    assert_int_equal(sim_sched_after(s, i, log_fn, log, i), MODEL_OK);
  /* the last slot is accepted, one more is refused */
  assert_int_equal(sim_sched_after(s, 1, log_fn, log, 15), MODEL_OK);
  assert_int_equal(sim_sched_after(s, 1, log_fn, log, 16), MODEL_ERR_CAPACITY);
  assert_int_equal(s->count, 16);
  assert_true(sim_sched_step(s));
  assert_int_equal(sim_sched_after(s, 1, log_fn, log, 17), MODEL_OK);
}

static void count_fn(void *ctx, uint64_t arg) {
  uint64_t *next = ctx;
  assert_true(arg == *next); /* (time, seq) order: see the test below */
  (*next)++;
}

/* The heap array starts small and grows to the capacity as events are
 * scheduled: the limit and the pop order are those of a full-size array. */
static void test_sched_grows_to_capacity(void **state) {
  (void)state;
  struct sim_sched s;
  const size_t cap = 1000; /* not a multiple of the initial slots */
  assert_int_equal(sim_sched_init(&s, cap), MODEL_OK);
  assert_true(s.heap_slots == SIM_SCHED_SLOTS_INITIAL);
  uint64_t next = 0;
  /* event i runs at time cap - i / 2: pairs at the same time run in
   * insertion order, later pairs first; arg says the expected run order */
  for (uint64_t i = 0; i < cap; i++) {
    uint64_t pair = i / 2u, run = (cap / 2u - 1u - pair) * 2u + i % 2u;
    assert_int_equal(sim_sched_at(&s, cap - pair, count_fn, &next, run), MODEL_OK);
  }
  assert_true(s.heap_slots == cap && s.count == cap);
  assert_int_equal(sim_sched_at(&s, 1, count_fn, &next, 0), MODEL_ERR_CAPACITY);
  assert_true(s.heap_slots == cap);
  while (sim_sched_step(&s)) {
  }
  assert_true(next == cap);
  sim_sched_fini(&s);
  assert_null(s.heap);
  assert_true(s.heap_slots == 0);
}

static void test_sched_init_rejects_zero_capacity(void **state) {
  (void)state;
  struct sim_sched s;
  assert_int_equal(sim_sched_init(&s, 0), MODEL_ERR_INVALID_ARG);
  sim_sched_fini(&s);
  /* a capacity whose byte size would overflow size_t */
  assert_int_equal(sim_sched_init(&s, SIZE_MAX), MODEL_ERR_INVALID_ARG);
  assert_null(s.heap);
  sim_sched_fini(&s);
  assert_int_equal(sim_sched_init(&s, 1), MODEL_OK);
  sim_sched_fini(&s);
}

static void test_sched_cancel_removes_only_matching(void **state) {
  struct log *log = *state;
  struct sim_sched *s = log->sched;
  struct log other = {.sched = s};
  for (uint64_t i = 0; i < 12; i++) {
    sim_event_fn fn = (i % 3u == 0) ? other_fn : log_fn;
    void *ctx = (i % 4u == 0) ? (void *)&other : (void *)log;
    assert_int_equal(sim_sched_at(s, 100u - i, fn, ctx, i), MODEL_OK);
  }
  assert_true(sim_sched_pending(s, log_fn, log));
  /* (log_fn, log): i in {1,2,5,7,10,11} minus multiples of 3 or 4 -> {1,2,5,7,10,11} */
  assert_int_equal(sim_sched_cancel(s, log_fn, log), 6);
  assert_false(sim_sched_pending(s, log_fn, log));
  assert_int_equal(sim_sched_cancel(s, log_fn, log), 0);
  assert_true(sim_sched_pending(s, other_fn, log));
  run_all(s);
  /* what is left still runs in time order */
  for (size_t i = 1; i < log->count; i++)
    assert_true(log->times[i - 1] <= log->times[i]);
  uint64_t last = 0;
  for (size_t i = 0; i < other.count; i++) {
    assert_true(other.times[i] >= last);
    last = other.times[i];
  }
  assert_int_equal(log->count + other.count, 6);
}

static void chain_fn(void *ctx, uint64_t arg) {
  struct log *log = ctx;
  log_fn(ctx, arg);
  if (arg < 3)
    assert_int_equal(sim_sched_after(log->sched, 2, chain_fn, log, arg + 1u), MODEL_OK);
}

static void test_sched_events_schedule_events(void **state) {
  struct log *log = *state;
  struct sim_sched *s = log->sched;
  assert_false(sim_sched_step(s));
  uint64_t t = 0;
  assert_false(sim_sched_peek_time(s, &t));
  assert_int_equal(sim_sched_at(s, 1, chain_fn, log, 0), MODEL_OK);
  run_all(s);
  assert_int_equal(log->count, 4);
  assert_int_equal(log->times[3], 7);
  assert_int_equal(s->count, 0);
}

/* A deep heap under churn: each pop is the least (time, insertion) pair
 * pending, so the keys popped never go backwards. Two contexts share the
 * check, so that one can be cancelled half-way (cancel rebuilds the heap). */
struct churn_order {
  struct sim_sched *sched;
  uint64_t last_time, last_seq; /* the previous pop's key */
  uint64_t popped_count;
};

struct churn_ctx {
  struct churn_order *order;
};

static void churn_fn(void *ctx, uint64_t arg) {
  struct churn_order *o = ((struct churn_ctx *)ctx)->order;
  uint64_t now = sim_sched_now(o->sched);
  /* arg is the insertion number */
  assert_true(o->popped_count == 0 || now > o->last_time ||
              (now == o->last_time && arg > o->last_seq));
  o->last_time = now;
  o->last_seq = arg;
  o->popped_count++;
}

static void test_sched_deep_heap_pops_in_order(void **state) {
  (void)state;
  struct sim_sched s;
  assert_int_equal(sim_sched_init(&s, 4096), MODEL_OK);
  struct churn_order order = {.sched = &s};
  struct churn_ctx kept = {.order = &order}, doomed = {.order = &order};
  uint64_t x = 12345u, scheduled = 0;
  size_t cancelled = 0;
  for (unsigned round = 0; round < 600u; round++) {
    /* three in, two out: the heap grows to hundreds of events, with many
     * ties (delays in [0, 16)) */
    for (unsigned k = 0; k < 3u; k++) {
      x = x * 6364136223846793005u + 1442695040888963407u;
      struct churn_ctx *ctx = (x >> 61) == 0 ? &doomed : &kept;
      assert_int_equal(sim_sched_after(&s, (x >> 33) % 16u, churn_fn, ctx, scheduled++), MODEL_OK);
    }
    assert_true(sim_sched_step(&s));
    assert_true(sim_sched_step(&s));
    if (round == 300u)
      cancelled = sim_sched_cancel(&s, churn_fn, &doomed);
  }
  assert_true(cancelled > 0);
  assert_true(s.count > 500u);
  while (sim_sched_step(&s)) {
  }
  assert_int_equal(order.popped_count + cancelled, scheduled);
  sim_sched_fini(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_sched_orders_by_time_then_insertion, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sched_past_clamps_to_now, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sched_after_saturates, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sched_capacity_full, setup, teardown),
      cmocka_unit_test(test_sched_grows_to_capacity),
      cmocka_unit_test(test_sched_init_rejects_zero_capacity),
      cmocka_unit_test_setup_teardown(test_sched_cancel_removes_only_matching, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sched_events_schedule_events, setup, teardown),
      cmocka_unit_test(test_sched_deep_heap_pops_in_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
