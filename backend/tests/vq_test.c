/*
 * backend/tests/vq_test.c: the device side of the split virtqueue
 * (backend/vq.h), driven by a hand-written driver on a default world's bus.
 * Boundaries: the last slot, a full ring, the 16-bit index wrap, a chain as
 * long as the queue and one longer, indirect table lengths around 16, the
 * used_event crossing at the wrap; each accepting case has a rejecting twin
 * that expects the violation code and clause.
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

#define QSIZE  8u
#define BUF(n) (TD_BUF_BASE + (uint64_t)(n)*0x1000u)

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
  td_ring_layout(&fx->r, 1, QSIZE);
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

/* Configure the queue as the register file would and set it ready. */
static void start(struct fx *fx, uint64_t features, uint16_t start_idx, uint16_t size) {
  fx->r.size = size;
  td_ring_layout(&fx->r, 1, size);
  fx->r.avail_idx = start_idx;
  td_avail_publish(&fx->world.bus, &fx->r);
  dev_vq_set_start_idx(&fx->vq, start_idx);
  dev_vq_reset(&fx->vq);
  assert_int_equal(dev_vq_set_size(&fx->vq, size), MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DESC, false, (uint32_t)fx->r.desc),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DRIVER, false, (uint32_t)fx->r.avail),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DEVICE, false, (uint32_t)fx->r.used),
                   MODEL_OK);
  assert_int_equal(dev_vq_enable(&fx->vq, features), MODEL_OK);
}

static uint64_t f_evidx(void) {
  return model_feature_mask(VIRTIO_F_EVENT_IDX);
}
static uint64_t f_indirect(void) {
  return model_feature_mask(VIRTIO_F_INDIRECT_DESC);
}

static void expect_violation(struct fx *fx, model_err err, const char *clause) {
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), err);
  assert_true(dev_vq_is_broken(&fx->vq));
  assert_int_equal(fx->violations, 1);
  assert_int_equal(fx->vq.violation.err, err);
  assert_string_equal(fx->vq.violation.clause, clause);
  /* A broken queue does nothing more until reset. */
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_BROKEN);
  assert_int_equal(fx->violations, 1);
}

static void pop_ok(struct fx *fx, struct dev_chain *chain) {
  assert_int_equal(dev_vq_pop(&fx->vq, chain), MODEL_OK);
  assert_false(dev_vq_is_broken(&fx->vq));
}

/* ---- basic operation ---- */

static void test_vq_pop_push_flush_one_chain(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  td_desc(bus, &fx->r, 3, BUF(0), 100, VIRTQ_DESC_F_NEXT, 5);
  td_desc(bus, &fx->r, 5, BUF(1), 200, VIRTQ_DESC_F_WRITE, 0);
  td_avail_add(bus, &fx->r, 3);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.id, 3);
  assert_int_equal(chain.seg_count, 2);
  assert_int_equal(chain.readable_bytes, 100);
  assert_int_equal(chain.writable_bytes, 200);
  assert_false(chain.segs[0].writable);
  assert_true(chain.segs[1].writable);
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_EMPTY);
  assert_int_equal(dev_vq_push(&fx->vq, 3, 50), MODEL_OK);
  /* 2.7.8.2#1: nothing published before the flush. */
  assert_int_equal(td_used_idx(bus, &fx->r), 0);
  bool need = false;
  assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
  assert_true(need); /* 2.7.7.2#3: flags 0 */
  assert_int_equal(td_used_idx(bus, &fx->r), 1);
  uint32_t id = 0, len = 0;
  td_used_elem(bus, &fx->r, 0, &id, &len);
  assert_int_equal(id, 3);
  assert_int_equal(len, 50);
  assert_int_equal(bus->counters[SIM_CTR_BUFFERS_USED], 1);
  /* A flush with nothing pushed publishes nothing and owes nothing. */
  assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
  assert_false(need);
}

static void test_vq_not_ready_is_not_accessed(void **state) {
  struct fx *fx = *state;
  struct dev_chain chain;
  /* 4.2.2.1#7: no ring access while QueueReady is 0. */
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_QUEUE_NOT_READY);
  start(fx, 0, 0, QSIZE);
  dev_vq_disable(&fx->vq);
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_QUEUE_NOT_READY);
}

static void test_vq_chain_gather_scatter_across_segments(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  uint8_t a[5] = {1, 2, 3, 4, 5}, b[3] = {6, 7, 8};
  td_write_bytes(bus, BUF(0), a, sizeof(a));
  td_write_bytes(bus, BUF(1), b, sizeof(b));
  td_desc(bus, &fx->r, 0, BUF(0), 5, VIRTQ_DESC_F_NEXT, 1);
  td_desc(bus, &fx->r, 1, BUF(1), 3, VIRTQ_DESC_F_NEXT, 2);
  td_desc(bus, &fx->r, 2, BUF(2), 0, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
  td_desc(bus, &fx->r, 3, BUF(3), 2, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 4);
  td_desc(bus, &fx->r, 4, BUF(4), 4, VIRTQ_DESC_F_WRITE, 0);
  td_avail_add(bus, &fx->r, 0);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  uint8_t got[6] = {0};
  assert_int_equal(dev_vq_chain_read(&fx->vq, &chain, 2, got, 6), MODEL_OK);
  uint8_t want[6] = {3, 4, 5, 6, 7, 8};
  assert_memory_equal(got, want, 6);
  /* Ending inside a segment: only the bytes asked for, across the two. */
  uint8_t part[7] = {0};
  assert_int_equal(dev_vq_chain_read(&fx->vq, &chain, 0, part, 6), MODEL_OK);
  assert_memory_equal(part, a, 5);
  assert_int_equal(part[5], 6);
  assert_int_equal(part[6], 0);
  /* Past the readable part: refused, nothing read. */
  assert_int_equal(dev_vq_chain_read(&fx->vq, &chain, 3, got, 6), MODEL_ERR_INVALID_ARG);
  uint8_t out[5] = {9, 10, 11, 12, 13};
  assert_int_equal(dev_vq_chain_write(&fx->vq, &chain, 1, out, 5), MODEL_OK);
  uint8_t at3[2] = {0}, at4[4] = {0};
  td_read_bytes(bus, BUF(3), at3, 2);
  td_read_bytes(bus, BUF(4), at4, 4);
  assert_int_equal(at3[1], 9);
  assert_int_equal(at4[0], 10);
  assert_int_equal(at4[3], 13);
  assert_int_equal(dev_vq_chain_write(&fx->vq, &chain, 2, out, 5), MODEL_ERR_INVALID_ARG);
}

static void test_vq_unpop_gives_chains_back(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  td_desc(bus, &fx->r, 0, BUF(0), 10, VIRTQ_DESC_F_WRITE, 0);
  td_desc(bus, &fx->r, 1, BUF(1), 10, VIRTQ_DESC_F_WRITE, 0);
  td_avail_add(bus, &fx->r, 0);
  td_avail_add(bus, &fx->r, 1);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  pop_ok(fx, &chain);
  dev_vq_unpop(&fx->vq, 2);
  pop_ok(fx, &chain);
  assert_int_equal(chain.id, 0);
}

/* ---- ring boundaries ---- */

static void test_vq_last_slot_and_full_ring(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  for (uint16_t i = 0; i < QSIZE; i++) {
    td_desc(bus, &fx->r, i, BUF(i), 64, VIRTQ_DESC_F_WRITE, 0);
    td_avail_put(bus, &fx->r, (uint16_t)(QSIZE - 1u - i));
  }
  td_avail_publish(bus, &fx->r); /* a full ring: idx is exactly size ahead */
  struct dev_chain chain;
  for (uint16_t i = 0; i < QSIZE; i++) {
    pop_ok(fx, &chain);
    assert_int_equal(chain.id, QSIZE - 1u - i);
    assert_int_equal(dev_vq_push(&fx->vq, chain.id, 64), MODEL_OK);
  }
  assert_int_equal(chain.id, 0); /* the last slot held head 0 */
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_EMPTY);
  assert_int_equal(bus->counters[SIM_CTR_RING_WRAPS], 1);
  bool need = false;
  assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
  assert_int_equal(td_used_idx(bus, &fx->r), QSIZE);
  uint32_t id = 0, len = 0;
  td_used_elem(bus, &fx->r, QSIZE - 1u, &id, &len);
  assert_int_equal(id, 0);
}

static void test_2_7_6_1_1_avail_idx_more_than_size_ahead(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  for (uint16_t i = 0; i < QSIZE; i++)
    td_desc(bus, &fx->r, i, BUF(i), 64, VIRTQ_DESC_F_WRITE, 0);
  td_avail_set_idx(bus, &fx->r, QSIZE + 1u); /* one past a full ring */
  expect_violation(fx, MODEL_ERR_RING_AVAIL_IDX, "2.7.6.1#1");
}

static void test_2_7_6_1_1_avail_idx_decremented(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 4, QSIZE);
  td_avail_set_idx(bus, &fx->r, 3);
  expect_violation(fx, MODEL_ERR_RING_AVAIL_IDX, "2.7.6.1#1");
}

static void test_vq_16bit_index_wrap(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 65534, QSIZE);
  for (uint16_t i = 0; i < 4; i++) {
    td_desc(bus, &fx->r, i, BUF(i), 64, VIRTQ_DESC_F_WRITE, 0);
    td_avail_put(bus, &fx->r, i);
  }
  td_avail_publish(bus, &fx->r);
  assert_int_equal(fx->r.avail_idx, 2); /* wrapped */
  struct dev_chain chain;
  for (uint16_t i = 0; i < 4; i++) {
    pop_ok(fx, &chain);
    assert_int_equal(chain.id, i);
    assert_int_equal(dev_vq_push(&fx->vq, chain.id, 1), MODEL_OK);
  }
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_EMPTY);
  bool need = false;
  assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
  assert_int_equal(td_used_idx(bus, &fx->r), 2);
  uint32_t id = 0, len = 0;
  td_used_elem(bus, &fx->r, 65535, &id, &len);
  assert_int_equal(id, 1);
  td_used_elem(bus, &fx->r, 0, &id, &len);
  assert_int_equal(id, 2);
  /* last_avail_idx and used idx each wrapped once. */
  assert_int_equal(bus->counters[SIM_CTR_IDX_WRAPS], 2);
}

static void test_2_7_5_head_below_queue_size(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  td_desc(bus, &fx->r, QSIZE - 1u, BUF(0), 8, 0, 0);
  td_avail_add(bus, &fx->r, QSIZE - 1u);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.id, QSIZE - 1u);
}

static void test_2_7_5_head_out_of_range(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  td_avail_add(bus, &fx->r, QSIZE);
  expect_violation(fx, MODEL_ERR_RING_HEAD_RANGE, "2.7.5");
}

static void test_2_7_5_next_last_in_range(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  td_desc(bus, &fx->r, 0, BUF(0), 8, VIRTQ_DESC_F_NEXT, QSIZE - 1u);
  td_desc(bus, &fx->r, QSIZE - 1u, BUF(1), 8, 0, 0);
  td_avail_add(bus, &fx->r, 0);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.seg_count, 2);
}

static void test_2_7_5_next_out_of_range(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  td_desc(bus, &fx->r, 0, BUF(0), 8, VIRTQ_DESC_F_NEXT, QSIZE);
  td_avail_add(bus, &fx->r, 0);
  expect_violation(fx, MODEL_ERR_RING_NEXT_RANGE, "2.7.5");
}

static void test_2_7_5_3_1_3_chain_as_long_as_queue(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  for (uint16_t i = 0; i < QSIZE; i++)
    td_desc(bus, &fx->r, i, BUF(i), 16, (uint16_t)(i + 1u < QSIZE ? VIRTQ_DESC_F_NEXT : 0u),
            (uint16_t)(i + 1u));
  td_avail_add(bus, &fx->r, 0);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.seg_count, QSIZE);
  assert_int_equal(chain.readable_bytes, 16u * QSIZE);
}

static void test_2_7_5_2_1_chain_one_longer_is_loop(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  /* Every descriptor chains on; the last back to the first. */
  for (uint16_t i = 0; i < QSIZE; i++)
    td_desc(bus, &fx->r, i, BUF(i), 16, VIRTQ_DESC_F_NEXT, (uint16_t)((i + 1u) % QSIZE));
  td_avail_add(bus, &fx->r, 0);
  expect_violation(fx, MODEL_ERR_RING_LOOP, "2.7.5.2#1");
}

static void test_2_7_4_2_1_writable_after_readable(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  td_desc(bus, &fx->r, 0, BUF(0), 8, VIRTQ_DESC_F_NEXT, 1);
  td_desc(bus, &fx->r, 1, BUF(1), 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
  td_desc(bus, &fx->r, 2, BUF(2), 8, VIRTQ_DESC_F_WRITE, 0);
  td_avail_add(bus, &fx->r, 0);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.writable_bytes, 16);
}

static void test_2_7_4_2_1_readable_after_writable(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  td_desc(bus, &fx->r, 0, BUF(0), 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
  td_desc(bus, &fx->r, 1, BUF(1), 8, 0, 0);
  td_avail_add(bus, &fx->r, 0);
  expect_violation(fx, MODEL_ERR_RING_WRITE_ORDER, "2.7.4.2#1");
}

static void test_2_7_5_buffer_ends_at_last_mapped_byte(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  td_desc(bus, &fx->r, 0, TD_RAM_BASE + TD_RAM_SIZE - 16u, 16, 0, 0);
  td_avail_add(bus, &fx->r, 0);
  struct dev_chain chain;
  pop_ok(fx, &chain);
}

static void test_2_7_5_buffer_past_mapped_memory(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  td_desc(bus, &fx->r, 0, TD_RAM_BASE + TD_RAM_SIZE - 16u, 17, 0, 0);
  td_avail_add(bus, &fx->r, 0);
  expect_violation(fx, MODEL_ERR_MEM_UNMAPPED, "2.7.5");
}

static void test_2_7_5_buffer_address_wraps(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  td_desc(bus, &fx->r, 0, UINT64_MAX - 7u, 16, 0, 0);
  td_avail_add(bus, &fx->r, 0);
  expect_violation(fx, MODEL_ERR_MEM_WRAP, "2.7.5");
}

/* ---- indirect descriptors ---- */

/* head -> indirect table at `table` of `len` bytes holding `entries`
 * chained readable descriptors. */
static void put_indirect_at(struct fx *fx, uint16_t head, uint64_t table, uint32_t len,
                            uint16_t entries, uint16_t flags) {
  struct sim_bus *bus = &fx->world.bus;
  for (uint16_t i = 0; i < entries; i++)
    td_desc_at(bus, table, i, BUF(i), 32, (uint16_t)(i + 1u < entries ? VIRTQ_DESC_F_NEXT : 0u),
               (uint16_t)(i + 1u));
  td_desc(bus, &fx->r, head, table, len, flags, 0);
  td_avail_add(bus, &fx->r, head);
}

static void put_indirect(struct fx *fx, uint32_t len, uint16_t entries, uint16_t flags) {
  put_indirect_at(fx, 0, TD_INDIRECT_BASE, len, entries, flags);
}

static void test_2_7_5_3_indirect_len_16_and_32(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 0, QSIZE);
  put_indirect_at(fx, 0, TD_INDIRECT_BASE, 16, 1, VIRTQ_DESC_F_INDIRECT);
  put_indirect_at(fx, 1, TD_INDIRECT_BASE + 0x100u, 32, 2, VIRTQ_DESC_F_INDIRECT);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.seg_count, 1);
  pop_ok(fx, &chain);
  assert_int_equal(chain.seg_count, 2);
  assert_int_equal(chain.readable_bytes, 64);
}

static void test_2_7_5_3_indirect_len_0(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 0, QSIZE);
  put_indirect(fx, 0, 1, VIRTQ_DESC_F_INDIRECT);
  expect_violation(fx, MODEL_ERR_RING_INDIRECT_LEN, "2.7.5.3");
}

static void test_2_7_5_3_indirect_len_15(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 0, QSIZE);
  put_indirect(fx, 15, 1, VIRTQ_DESC_F_INDIRECT);
  expect_violation(fx, MODEL_ERR_RING_INDIRECT_LEN, "2.7.5.3");
}

static void test_2_7_5_3_indirect_len_17(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 0, QSIZE);
  put_indirect(fx, 17, 1, VIRTQ_DESC_F_INDIRECT);
  expect_violation(fx, MODEL_ERR_RING_INDIRECT_LEN, "2.7.5.3");
}

static void test_2_7_5_3_1_1_indirect_without_feature(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 0, QSIZE);
  put_indirect(fx, 16, 1, VIRTQ_DESC_F_INDIRECT);
  expect_violation(fx, MODEL_ERR_RING_INDIRECT_UNNEGOTIATED, "2.7.5.3.1#1");
}

static void test_2_7_5_3_1_2_nested_indirect(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_indirect(), 0, QSIZE);
  td_desc_at(bus, TD_INDIRECT_BASE, 0, TD_INDIRECT_BASE + 0x100u, 16, VIRTQ_DESC_F_INDIRECT, 0);
  td_desc(bus, &fx->r, 0, TD_INDIRECT_BASE, 16, VIRTQ_DESC_F_INDIRECT, 0);
  td_avail_add(bus, &fx->r, 0);
  expect_violation(fx, MODEL_ERR_RING_INDIRECT_NESTED, "2.7.5.3.1#2");
}

static void test_2_7_5_3_1_4_indirect_with_next(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 0, QSIZE);
  put_indirect(fx, 16, 1, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT);
  expect_violation(fx, MODEL_ERR_RING_INDIRECT_FLAGS, "2.7.5.3.1#4");
}

static void test_2_7_5_3_2_1_write_flag_of_indirect_ignored(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 0, QSIZE);
  put_indirect(fx, 32, 2, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.readable_bytes, 64);
  assert_int_equal(chain.writable_bytes, 0);
}

static void test_2_7_5_3_2_2_direct_then_indirect(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_indirect(), 0, QSIZE);
  td_desc_at(bus, TD_INDIRECT_BASE, 0, BUF(1), 20, VIRTQ_DESC_F_WRITE, 0);
  td_desc(bus, &fx->r, 2, BUF(0), 12, VIRTQ_DESC_F_NEXT, 4);
  td_desc(bus, &fx->r, 4, TD_INDIRECT_BASE, 16, VIRTQ_DESC_F_INDIRECT, 0);
  td_avail_add(bus, &fx->r, 2);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.id, 2);
  assert_int_equal(chain.readable_bytes, 12);
  assert_int_equal(chain.writable_bytes, 20);
}

static void test_2_7_5_indirect_next_out_of_table(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_indirect(), 0, QSIZE);
  /* Two entries; the first's next names a third. */
  td_desc_at(bus, TD_INDIRECT_BASE, 0, BUF(0), 8, VIRTQ_DESC_F_NEXT, 2);
  td_desc(bus, &fx->r, 0, TD_INDIRECT_BASE, 32, VIRTQ_DESC_F_INDIRECT, 0);
  td_avail_add(bus, &fx->r, 0);
  expect_violation(fx, MODEL_ERR_RING_NEXT_RANGE, "2.7.5");
}

static void test_2_7_5_2_1_loop_inside_indirect_table(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_indirect(), 0, QSIZE);
  td_desc_at(bus, TD_INDIRECT_BASE, 0, BUF(0), 8, VIRTQ_DESC_F_NEXT, 1);
  td_desc_at(bus, TD_INDIRECT_BASE, 1, BUF(1), 8, VIRTQ_DESC_F_NEXT, 0);
  td_desc(bus, &fx->r, 0, TD_INDIRECT_BASE, 32, VIRTQ_DESC_F_INDIRECT, 0);
  td_avail_add(bus, &fx->r, 0);
  expect_violation(fx, MODEL_ERR_RING_LOOP, "2.7.5.2#1");
}

static void test_2_7_5_3_1_3_indirect_chain_longer_than_queue(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 0, QSIZE);
  /* A table of size + 1 descriptors, all chained: the table is legal but
   * the chain is longer than the queue. */
  put_indirect(fx, 16u * (QSIZE + 1u), QSIZE + 1u, VIRTQ_DESC_F_INDIRECT);
  expect_violation(fx, MODEL_ERR_RING_LOOP, "2.7.5.3.1#3");
}

static void test_2_7_5_3_1_3_indirect_chain_as_long_as_queue(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 0, QSIZE);
  put_indirect(fx, 16u * (QSIZE + 1u), QSIZE, VIRTQ_DESC_F_INDIRECT);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.seg_count, QSIZE);
}

/* ---- used buffer notification suppression (2.7.7.2) ---- */

static bool push_flush(struct fx *fx) {
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(dev_vq_push(&fx->vq, chain.id, 0), MODEL_OK);
  bool need = false;
  assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
  return need;
}

static void add_buffers(struct fx *fx, uint16_t count) {
  struct sim_bus *bus = &fx->world.bus;
  for (uint16_t i = 0; i < count; i++) {
    td_desc(bus, &fx->r, i, BUF(i), 8, VIRTQ_DESC_F_WRITE, 0);
    td_avail_add(bus, &fx->r, i);
  }
}

static void test_2_7_7_2_2_no_interrupt_flag_suppresses(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  add_buffers(fx, 2);
  td_avail_set_flags(bus, &fx->r, VIRTQ_AVAIL_F_NO_INTERRUPT);
  assert_false(push_flush(fx));
  assert_int_equal(bus->counters[SIM_CTR_IRQ_SUPPRESSED], 1);
  td_avail_set_flags(bus, &fx->r, 0);
  assert_true(push_flush(fx)); /* #3 */
}

static void test_2_7_7_2_1_used_event_ignored_without_event_idx(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  add_buffers(fx, 1);
  td_set_used_event(bus, &fx->r, 5); /* would suppress with EVENT_IDX */
  assert_true(push_flush(fx));
}

static void test_2_7_7_2_4_flags_ignored_with_event_idx(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_evidx(), 0, QSIZE);
  add_buffers(fx, 1);
  td_avail_set_flags(bus, &fx->r, VIRTQ_AVAIL_F_NO_INTERRUPT);
  td_set_used_event(bus, &fx->r, 0);
  assert_true(push_flush(fx));
}

static void test_2_7_7_2_5_used_event_crossed(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_evidx(), 0, QSIZE);
  add_buffers(fx, 3);
  td_set_used_event(bus, &fx->r, 1);
  assert_false(push_flush(fx)); /* idx 0 -> 1: entry 0 written, not 1 (#6) */
  assert_true(push_flush(fx));  /* idx 1 -> 2: entry 1 written (#5) */
  assert_false(push_flush(fx)); /* idx 2 -> 3: past it */
}

static void test_2_7_7_2_5_used_event_crossed_at_wrap(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_evidx(), 65535, QSIZE);
  add_buffers(fx, 2);
  td_set_used_event(bus, &fx->r, 65535);
  assert_true(push_flush(fx)); /* used idx 65535 -> 0 writes entry 65535 */
  td_set_used_event(bus, &fx->r, 0);
  assert_true(push_flush(fx)); /* 0 -> 1 writes entry 0 */
}

static void test_2_7_7_2_6_used_event_not_crossed_at_wrap(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_evidx(), 65535, QSIZE);
  add_buffers(fx, 1);
  td_set_used_event(bus, &fx->r, 0); /* 65535 -> 0 writes entry 65535, not 0 */
  assert_false(push_flush(fx));
}

static void test_2_7_7_2_5_batch_crossing_used_event(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_evidx(), 0, QSIZE);
  add_buffers(fx, 3);
  td_set_used_event(bus, &fx->r, 1);
  struct dev_chain chain;
  for (int i = 0; i < 3; i++) {
    pop_ok(fx, &chain);
    assert_int_equal(dev_vq_push(&fx->vq, chain.id, 0), MODEL_OK);
  }
  bool need = false;
  assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
  assert_true(need); /* 0 -> 3 passes entry 1 */
}

/* ---- available buffer notification suppression (2.7.10.2) ---- */

static void test_2_7_10_2_1_no_notify_flag(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  bool more = true;
  assert_int_equal(dev_vq_notify_enable(&fx->vq, false, &more), MODEL_OK);
  assert_false(more);
  assert_int_equal(td_used_flags(bus, &fx->r), VIRTQ_USED_F_NO_NOTIFY);
  add_buffers(fx, 1); /* arrives while notifications are off */
  assert_int_equal(dev_vq_notify_enable(&fx->vq, true, &more), MODEL_OK);
  assert_int_equal(td_used_flags(bus, &fx->r), 0);
  assert_true(more); /* the re-check finds it */
}

static void test_2_7_10_2_2_avail_event_with_event_idx(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_evidx(), 0, QSIZE);
  add_buffers(fx, 2);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  pop_ok(fx, &chain);
  bool more = true;
  assert_int_equal(dev_vq_notify_enable(&fx->vq, false, &more), MODEL_OK);
  assert_int_equal(dev_vq_notify_enable(&fx->vq, true, &more), MODEL_OK);
  assert_false(more);
  assert_int_equal(td_used_flags(bus, &fx->r), 0);  /* #2: flags stays 0 */
  assert_int_equal(td_avail_event(bus, &fx->r), 2); /* notify when entry 2 comes */
}

/* ---- configuration ---- */

static void test_vq_queue_size_rules(void **state) {
  struct fx *fx = *state;
  assert_int_equal(dev_vq_set_size(&fx->vq, 0), MODEL_ERR_QUEUE_SIZE);
  assert_int_equal(dev_vq_enable(&fx->vq, 0), MODEL_ERR_QUEUE_SIZE);
  assert_int_equal(dev_vq_set_size(&fx->vq, 3), MODEL_ERR_QUEUE_SIZE);
  assert_int_equal(dev_vq_set_size(&fx->vq, QSIZE * 2u), MODEL_ERR_QUEUE_SIZE);
  assert_int_equal(dev_vq_enable(&fx->vq, 0), MODEL_ERR_QUEUE_SIZE);
  assert_false(dev_vq_is_ready(&fx->vq));
  assert_int_equal(dev_vq_set_size(&fx->vq, 1), MODEL_OK);
  assert_int_equal(dev_vq_set_size(&fx->vq, QSIZE), MODEL_OK);
}

static void test_vq_layout_must_be_aligned_and_mapped(void **state) {
  struct fx *fx = *state;
  assert_int_equal(dev_vq_set_size(&fx->vq, QSIZE), MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DESC, false, TD_RING_BASE + 8u),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DRIVER, false, TD_RING_BASE + 0x200u),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DEVICE, false, TD_RING_BASE + 0x400u),
                   MODEL_OK);
  assert_int_equal(dev_vq_enable(&fx->vq, 0), MODEL_ERR_QUEUE_LAYOUT); /* desc not 16-aligned */
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DESC, false, TD_RING_BASE), MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DEVICE, false, TD_RING_BASE + 0x402u),
                   MODEL_OK);
  assert_int_equal(dev_vq_enable(&fx->vq, 0), MODEL_ERR_QUEUE_LAYOUT); /* used not 4-aligned */
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DEVICE, true, 1u), MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DEVICE, false, TD_RING_BASE + 0x400u),
                   MODEL_OK);
  assert_int_equal(dev_vq_enable(&fx->vq, 0), MODEL_ERR_QUEUE_LAYOUT); /* unmapped */
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DEVICE, true, 0u), MODEL_OK);
  assert_int_equal(dev_vq_enable(&fx->vq, 0), MODEL_OK);
  /* 4.2.2.2#13: no reconfiguration while ready. */
  assert_int_equal(dev_vq_set_size(&fx->vq, 4), MODEL_ERR_INVALID_ARG);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DESC, false, 0),
                   MODEL_ERR_INVALID_ARG);
}

static void test_vq_reset_clears_broken_state(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 0, QSIZE);
  td_avail_add(bus, &fx->r, QSIZE);
  expect_violation(fx, MODEL_ERR_RING_HEAD_RANGE, "2.7.5");
  dev_vq_reset(&fx->vq);
  assert_false(dev_vq_is_broken(&fx->vq));
  assert_false(dev_vq_is_ready(&fx->vq));
  assert_int_equal(fx->vq.violation.err, MODEL_OK);
  assert_int_equal(fx->vq.size, QSIZE);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_vq_pop_push_flush_one_chain),
      T(test_vq_not_ready_is_not_accessed),
      T(test_vq_chain_gather_scatter_across_segments),
      T(test_vq_unpop_gives_chains_back),
      T(test_vq_last_slot_and_full_ring),
      T(test_2_7_6_1_1_avail_idx_more_than_size_ahead),
      T(test_2_7_6_1_1_avail_idx_decremented),
      T(test_vq_16bit_index_wrap),
      T(test_2_7_5_head_below_queue_size),
      T(test_2_7_5_head_out_of_range),
      T(test_2_7_5_next_last_in_range),
      T(test_2_7_5_next_out_of_range),
      T(test_2_7_5_3_1_3_chain_as_long_as_queue),
      T(test_2_7_5_2_1_chain_one_longer_is_loop),
      T(test_2_7_4_2_1_writable_after_readable),
      T(test_2_7_4_2_1_readable_after_writable),
      T(test_2_7_5_buffer_ends_at_last_mapped_byte),
      T(test_2_7_5_buffer_past_mapped_memory),
      T(test_2_7_5_buffer_address_wraps),
      T(test_2_7_5_3_indirect_len_16_and_32),
      T(test_2_7_5_3_indirect_len_0),
      T(test_2_7_5_3_indirect_len_15),
      T(test_2_7_5_3_indirect_len_17),
      T(test_2_7_5_3_1_1_indirect_without_feature),
      T(test_2_7_5_3_1_2_nested_indirect),
      T(test_2_7_5_3_1_4_indirect_with_next),
      T(test_2_7_5_3_2_1_write_flag_of_indirect_ignored),
      T(test_2_7_5_3_2_2_direct_then_indirect),
      T(test_2_7_5_indirect_next_out_of_table),
      T(test_2_7_5_2_1_loop_inside_indirect_table),
      T(test_2_7_5_3_1_3_indirect_chain_longer_than_queue),
      T(test_2_7_5_3_1_3_indirect_chain_as_long_as_queue),
      T(test_2_7_7_2_2_no_interrupt_flag_suppresses),
      T(test_2_7_7_2_1_used_event_ignored_without_event_idx),
      T(test_2_7_7_2_4_flags_ignored_with_event_idx),
      T(test_2_7_7_2_5_used_event_crossed),
      T(test_2_7_7_2_5_used_event_crossed_at_wrap),
      T(test_2_7_7_2_6_used_event_not_crossed_at_wrap),
      T(test_2_7_7_2_5_batch_crossing_used_event),
      T(test_2_7_10_2_1_no_notify_flag),
      T(test_2_7_10_2_2_avail_event_with_event_idx),
      T(test_vq_queue_size_rules),
      T(test_vq_layout_must_be_aligned_and_mapped),
      T(test_vq_reset_clears_broken_state),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
