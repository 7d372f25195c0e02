/*
 * backend/tests/vq_in_order_test.c: VIRTIO_F_IN_ORDER on the split ring
 * (backend/vq_split.c): the device's checks that the driver chains in ring
 * order (2.7.5.2#2, 2.7.5.3.1#5) with their rejecting twins, and batched
 * used elements (2.7.9): one element for a run of completely used buffers,
 * at the slot of the run's first buffer, used idx advanced by the run; a
 * partly written buffer ends a run. The packed twins are in
 * vq_packed_test.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend/vq.h"
#include "dev_test_driver.h"

#define QSIZE  4u
#define BUF(n) (TD_BUF_BASE + (uint64_t)(n)*0x1000u)
#define W      VIRTQ_DESC_F_WRITE
#define N      VIRTQ_DESC_F_NEXT

struct fx {
  struct sim_world world;
  struct dev_vq vq;
  struct td_ring r;
  int violations;
};

static void on_violation(void *ctx, struct dev_vq *vq) {
  (void)vq;
  ((struct fx *)ctx)->violations++;
}

static int setup(void **state) {
  struct fx *fx = calloc(1, sizeof(*fx));
  assert_non_null(fx);
  td_world_init(&fx->world);
  assert_int_equal(dev_vq_init(&fx->vq, &fx->world.bus, 1, QSIZE), MODEL_OK);
  dev_vq_set_violation_hook(&fx->vq, on_violation, fx);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  struct fx *fx = *state;
  dev_vq_fini(&fx->vq);
  sim_world_fini(&fx->world);
  free(fx);
  return 0;
}

static uint64_t f_in_order(void) {
  return model_feature_mask(VIRTIO_F_IN_ORDER);
}

static void start(struct fx *fx, uint64_t features) {
  td_ring_layout(&fx->r, 1, QSIZE);
  td_avail_publish(&fx->world.bus, &fx->r);
  dev_vq_reset(&fx->vq);
  dev_vq_set_features(&fx->vq, features);
  assert_int_equal(dev_vq_set_size(&fx->vq, QSIZE), MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DESC, false, (uint32_t)fx->r.desc),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DRIVER, false, (uint32_t)fx->r.avail),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DEVICE, false, (uint32_t)fx->r.used),
                   MODEL_OK);
  assert_int_equal(dev_vq_enable(&fx->vq, features), MODEL_OK);
  assert_int_equal(fx->vq.format, DEV_VQ_FORMAT_SPLIT);
}

static void pop_ok(struct fx *fx, struct dev_chain *chain) {
  assert_int_equal(dev_vq_pop(&fx->vq, chain), MODEL_OK);
  assert_false(dev_vq_is_broken(&fx->vq));
}

static void expect_violation(struct fx *fx, model_err err, const char *clause) {
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), err);
  assert_true(dev_vq_is_broken(&fx->vq));
  assert_int_equal(fx->violations, 1);
  assert_int_equal(fx->vq.violation.err, err);
  assert_string_equal(fx->vq.violation.clause, clause);
}

static bool flush(struct fx *fx) {
  bool need = false;
  assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
  return need;
}

/* Three buffers in ring order: a chain 0 -> 1 and singles at 2 and 3, each
 * with 8 writable bytes per descriptor; all popped. */
static void three_buffers(struct fx *fx) {
  struct sim_bus *bus = &fx->world.bus;
  td_desc(bus, &fx->r, 0, BUF(0), 8, N, 1);
  td_desc(bus, &fx->r, 1, BUF(1), 8, W, 0);
  td_desc(bus, &fx->r, 2, BUF(2), 8, W, 0);
  td_desc(bus, &fx->r, 3, BUF(3), 8, W, 0);
  td_avail_put(bus, &fx->r, 0);
  td_avail_put(bus, &fx->r, 2);
  td_avail_put(bus, &fx->r, 3);
  td_avail_publish(bus, &fx->r);
  struct dev_chain c;
  for (int i = 0; i < 3; i++)
    pop_ok(fx, &c);
}

static void test_2_7_9_batch_one_used_element(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_in_order());
  three_buffers(fx);
  assert_int_equal(dev_vq_push(&fx->vq, 0, 8), MODEL_OK);
  assert_int_equal(dev_vq_push(&fx->vq, 2, 8), MODEL_OK);
  assert_int_equal(dev_vq_push(&fx->vq, 3, 6), MODEL_OK); /* the last may be partial */
  (void)flush(fx);
  assert_int_equal(td_used_idx(bus, &fx->r), 3); /* by the batch size */
  uint32_t id = 0, len = 0;
  td_used_elem(bus, &fx->r, 0, &id, &len);
  assert_int_equal(id, 3);
  assert_int_equal(len, 6);
  td_used_elem(bus, &fx->r, 1, &id, &len); /* never written */
  assert_int_equal(id, 0);
  assert_int_equal(len, 0);
}

static void test_2_7_9_partial_buffer_ends_a_batch(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_in_order());
  three_buffers(fx);
  assert_int_equal(dev_vq_push(&fx->vq, 0, 5), MODEL_OK); /* partial: its own entry */
  assert_int_equal(dev_vq_push(&fx->vq, 2, 8), MODEL_OK);
  assert_int_equal(dev_vq_push(&fx->vq, 3, 8), MODEL_OK);
  (void)flush(fx);
  assert_int_equal(td_used_idx(bus, &fx->r), 3);
  uint32_t id = 0, len = 0;
  td_used_elem(bus, &fx->r, 0, &id, &len);
  assert_int_equal(id, 0);
  assert_int_equal(len, 5);
  td_used_elem(bus, &fx->r, 1, &id, &len); /* the run 2, 3 at the slot of 2 */
  assert_int_equal(id, 3);
  assert_int_equal(len, 8);
}

static void test_2_7_9_batches_end_at_a_flush(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_in_order());
  three_buffers(fx);
  assert_int_equal(dev_vq_push(&fx->vq, 0, 8), MODEL_OK);
  assert_true(flush(fx));
  assert_int_equal(dev_vq_push(&fx->vq, 2, 8), MODEL_OK);
  assert_int_equal(dev_vq_push(&fx->vq, 3, 8), MODEL_OK);
  (void)flush(fx);
  assert_int_equal(td_used_idx(bus, &fx->r), 3);
  uint32_t id = 0, len = 0;
  td_used_elem(bus, &fx->r, 0, &id, &len);
  assert_int_equal(id, 0);
  td_used_elem(bus, &fx->r, 1, &id, &len);
  assert_int_equal(id, 3);
}

static void test_split_without_in_order_one_element_each(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0);
  three_buffers(fx);
  assert_int_equal(dev_vq_push(&fx->vq, 0, 8), MODEL_OK);
  assert_int_equal(dev_vq_push(&fx->vq, 2, 8), MODEL_OK);
  (void)flush(fx);
  uint32_t id = 0, len = 0;
  td_used_elem(bus, &fx->r, 1, &id, &len);
  assert_int_equal(id, 2);
}

static void test_2_7_5_2_2_next_wraps_to_slot_0(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_in_order());
  /* After three singles, a chain at the last slot goes on at slot 0. */
  for (uint16_t i = 0; i < 3; i++) {
    td_desc(bus, &fx->r, i, BUF(i), 8, W, 0);
    td_avail_add(bus, &fx->r, i);
    struct dev_chain c;
    pop_ok(fx, &c);
    assert_int_equal(dev_vq_push(&fx->vq, i, 8), MODEL_OK);
  }
  (void)flush(fx);
  td_desc(bus, &fx->r, 3, BUF(3), 8, N, 0);
  td_desc(bus, &fx->r, 0, BUF(0), 8, W, 0);
  td_avail_add(bus, &fx->r, 3);
  struct dev_chain c;
  pop_ok(fx, &c);
  assert_int_equal(c.seg_count, 2);
}

static void test_2_7_5_2_2_next_not_the_following_slot(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_in_order());
  td_desc(bus, &fx->r, 0, BUF(0), 8, N, 2); /* skips slot 1 */
  td_desc(bus, &fx->r, 2, BUF(2), 8, W, 0);
  td_avail_add(bus, &fx->r, 0);
  expect_violation(fx, MODEL_ERR_RING_IN_ORDER, "2.7.5.2#2");
}

static void test_split_without_in_order_any_next(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0);
  td_desc(bus, &fx->r, 0, BUF(0), 8, N, 2);
  td_desc(bus, &fx->r, 2, BUF(2), 8, W, 0);
  td_avail_add(bus, &fx->r, 0);
  struct dev_chain c;
  pop_ok(fx, &c);
}

static void put_indirect(struct fx *fx, uint16_t second_next) {
  struct sim_bus *bus = &fx->world.bus;
  td_desc_at(bus, TD_INDIRECT_BASE, 0, BUF(5), 8, N, second_next);
  td_desc_at(bus, TD_INDIRECT_BASE, 1, BUF(6), 8, W, 0);
  td_desc_at(bus, TD_INDIRECT_BASE, 2, BUF(7), 8, W, 0);
  td_desc(bus, &fx->r, 0, TD_INDIRECT_BASE, 48, VIRTQ_DESC_F_INDIRECT, 0);
  td_avail_add(bus, &fx->r, 0);
}

static void test_2_7_5_3_1_5_indirect_sequential(void **state) {
  struct fx *fx = *state;
  start(fx, f_in_order() | model_feature_mask(VIRTIO_F_INDIRECT_DESC));
  put_indirect(fx, 1);
  struct dev_chain c;
  pop_ok(fx, &c);
  assert_int_equal(c.seg_count, 2);
}

static void test_2_7_5_3_1_5_indirect_not_sequential(void **state) {
  struct fx *fx = *state;
  start(fx, f_in_order() | model_feature_mask(VIRTIO_F_INDIRECT_DESC));
  put_indirect(fx, 2);
  expect_violation(fx, MODEL_ERR_RING_IN_ORDER, "2.7.5.3.1#5");
}

static void test_in_order_unpop_then_batch(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_in_order());
  three_buffers(fx);
  dev_vq_unpop(&fx->vq, 1); /* buffer 3 goes back */
  struct dev_chain c;
  pop_ok(fx, &c);
  assert_int_equal(c.id, 3);
  assert_int_equal(dev_vq_push(&fx->vq, 0, 8), MODEL_OK);
  assert_int_equal(dev_vq_push(&fx->vq, 2, 8), MODEL_OK);
  assert_int_equal(dev_vq_push(&fx->vq, 3, 8), MODEL_OK);
  (void)flush(fx);
  uint32_t id = 0, len = 0;
  td_used_elem(bus, &fx->r, 0, &id, &len);
  assert_int_equal(id, 3);
  assert_int_equal(td_used_idx(bus, &fx->r), 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
      T(test_2_7_9_batch_one_used_element),        T(test_2_7_9_partial_buffer_ends_a_batch),
      T(test_2_7_9_batches_end_at_a_flush),        T(test_split_without_in_order_one_element_each),
      T(test_2_7_5_2_2_next_wraps_to_slot_0),      T(test_2_7_5_2_2_next_not_the_following_slot),
      T(test_split_without_in_order_any_next),     T(test_2_7_5_3_1_5_indirect_sequential),
      T(test_2_7_5_3_1_5_indirect_not_sequential), T(test_in_order_unpop_then_batch),
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
