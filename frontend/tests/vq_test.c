/*
 * frontend/tests/vq_test.c: the driver side of the split virtqueue, with
 * the test acting as the device through the bus (fake_device.h helpers):
 * layout, write order, the last slot, 16-bit index wrap, a full ring, a chain
 * as long as the queue, indirect tables, hostile used entries, notification
 * suppression in both directions, detaching after reset, IN_ORDER chains
 * and batches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_device.h"
#include "frontend/alloc.h"
#include "frontend/misbehave.h"
#include "frontend/vq.h"
#include "model/split.h"
#include "model/virtio.h"

#define RAM_BASE 0x10000000u
#define RAM_SIZE (1u << 20)
#define BUF_BASE (RAM_BASE + RAM_SIZE / 2u) /* data buffers: outside the allocator */

struct fixture {
  struct sim_sched sched;
  struct sim_bus bus;
  struct drv_alloc alloc;
  struct fake_dev dev;
  struct drv_vq vq;
  unsigned notifies;
  uint64_t writes[64]; /* driver write addresses, for order checks */
  size_t write_count;
  bool record;
  /* the fault that fails one driver access (each_access_failing) */
  struct sim_fault_plan faults;
  /* the queue each_access_failing builds afresh */
  uint32_t size;
  uint64_t features;
  struct drv_misbehave_set misbehave;
  uint64_t baseline; /* allocator bytes in use once the queue is set up */
};

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  fake_bus_setup(&f->bus, &f->sched, RAM_BASE, RAM_SIZE);
  fake_dev_init(&f->dev, &f->bus);
  assert_int_equal(drv_alloc_init(&f->alloc, RAM_BASE, RAM_SIZE / 2u, 256), MODEL_OK);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;
  drv_vq_fini(&f->vq);
  drv_alloc_fini(&f->alloc);
  sim_bus_fini(&f->bus);
  sim_sched_fini(&f->sched);
  free(f);
  return 0;
}

static model_err count_notify(void *ctx, uint16_t index, uint32_t value) {
  struct fixture *f = ctx;
  assert_int_equal(index, value);
  f->notifies++;
  return MODEL_OK;
}

static void vq_make(struct fixture *f, uint32_t size, uint64_t features) {
  assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, size, features), MODEL_OK);
  drv_vq_set_notify(&f->vq, count_notify, f);
  fake_queue_set(&f->dev, 0, size, f->vq.desc_addr, f->vq.avail_addr, f->vq.used_addr);
}

/* One device-writable buffer of len bytes. */
static model_err add_in(struct fixture *f, uint64_t token, uint32_t len) {
  struct drv_sg sg = {.addr = BUF_BASE + token * 64u, .len = len, .device_writable = true};
  return drv_vq_add(&f->vq, &sg, 0, 1, token, false);
}

static uint16_t rd16(struct fixture *f, uint64_t addr) {
  uint16_t v = 0;
  assert_int_equal(sim_bus_read_le16(&f->bus, SIM_ACTOR_WORLD, addr, &v), MODEL_OK);
  return v;
}

static void wr16(struct fixture *f, uint64_t addr, uint16_t v) {
  assert_int_equal(sim_bus_write_le16(&f->bus, SIM_ACTOR_DEVICE, addr, v), MODEL_OK);
}

/* The device uses every available buffer in order with the given len. */
static unsigned device_use_all(struct fixture *f, uint32_t len) {
  uint16_t head = 0;
  unsigned n = 0;
  while (fake_avail_pop(&f->dev, 0, &head)) {
    fake_used_push(&f->dev, 0, head, len);
    n++;
  }
  return n;
}

#define M(bit) model_feature_mask(bit)

static void test_2_7_1_1_areas_aligned_and_rings_zeroed(void **state) {
  struct fixture *f = *state;
  static uint8_t junk[8192];
  memset(junk, 0xff, sizeof(junk));
  assert_int_equal(sim_bus_write_bytes(&f->bus, SIM_ACTOR_WORLD, RAM_BASE, junk, sizeof(junk)),
                   MODEL_OK);
  vq_make(f, 256, M(VIRTIO_F_EVENT_IDX));
  assert_int_equal(f->vq.desc_addr % MODEL_SPLIT_DESC_ALIGN, 0);
  assert_int_equal(f->vq.avail_addr % MODEL_SPLIT_AVAIL_ALIGN, 0);
  assert_int_equal(f->vq.used_addr % MODEL_SPLIT_USED_ALIGN, 0);
  /* 2.7.10.1#1: used flags 0; and every other ring field starts at 0 */
  assert_int_equal(rd16(f, f->vq.used_addr + MODEL_SPLIT_USED_OFF_FLAGS), 0);
  assert_int_equal(rd16(f, f->vq.used_addr + MODEL_SPLIT_USED_OFF_IDX), 0);
  assert_int_equal(rd16(f, f->vq.used_addr + model_split_avail_event_off(256)), 0);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS), 0);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX), 0);
  assert_int_equal(rd16(f, f->vq.avail_addr + model_split_used_event_off(256)), 0);
  assert_int_equal(drv_vq_free_count(&f->vq), 256);
}

static void test_vq_init_rejects_illegal_size(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, 12, 0), MODEL_ERR_QUEUE_SIZE);
  assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, 65536, 0), MODEL_ERR_QUEUE_SIZE);
  /* twin: the smallest and a large legal size work */
  assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, 1, 0), MODEL_OK);
  drv_vq_fini(&f->vq);
  assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, 4096, 0), MODEL_OK);
}

static void record_writes(void *ctx, const struct sim_bus_event *ev) {
  struct fixture *f = ctx;
  if (!f->record || ev->kind != SIM_EV_MEM_WRITE || ev->actor != SIM_ACTOR_DRIVER)
    return;
  assert_true(ev->len <= 8); /* one access per field */
  if (f->write_count < 64)
    f->writes[f->write_count++] = ev->addr;
}

static void test_2_7_13_3_1_descriptors_then_entry_then_idx(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  assert_int_equal(sim_bus_add_observer(&f->bus, record_writes, f), MODEL_OK);
  struct drv_sg sg[2] = {{.addr = BUF_BASE, .len = 12},
                         {.addr = BUF_BASE + 64u, .len = 100, .device_writable = true}};
  f->record = true;
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 1, 7, false), MODEL_OK);
  f->record = false;
  assert_int_equal(f->write_count, 2u * 4u + 2u);
  uint64_t desc_end = f->vq.desc_addr + model_split_desc_table_size(8);
  for (size_t i = 0; i < 8; i++)
    assert_true(f->writes[i] >= f->vq.desc_addr && f->writes[i] < desc_end);
  assert_int_equal(f->writes[8], f->vq.avail_addr + model_split_avail_ring_off(0));
  assert_int_equal(f->writes[9], f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX);
  struct fake_desc d0 = fake_desc_read(&f->dev, f->vq.desc_addr, 0);
  assert_int_equal(d0.flags, VIRTQ_DESC_F_NEXT);
  struct fake_desc d1 = fake_desc_read(&f->dev, f->vq.desc_addr, d0.next);
  assert_int_equal(d1.flags, VIRTQ_DESC_F_WRITE);
  assert_int_equal(d1.len, 100);
}

static void test_vq_last_slot_add_and_use(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, 0);
  for (uint64_t t = 0; t < 4; t++)
    assert_int_equal(add_in(f, t, 32), MODEL_OK);
  assert_int_equal(rd16(f, f->vq.avail_addr + model_split_avail_ring_off(3)), 3);
  assert_int_equal(device_use_all(f, 32), 4);
  for (uint64_t t = 0; t < 4; t++) {
    uint64_t token = 99;
    uint32_t len = 0;
    assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
    assert_int_equal(token, t);
    assert_int_equal(len, 32);
  }
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_ERR_RING_EMPTY);
  /* after the last slot, slot 0 again */
  assert_int_equal(add_in(f, 9, 32), MODEL_OK);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX), 5);
  assert_int_equal(f->vq.stats.added, 5);
  assert_int_equal(f->bus.counters[SIM_CTR_BUFFERS_ADDED], 5);
}

static void cycle(struct fixture *f, uint64_t token) {
  assert_int_equal(add_in(f, token, 16), MODEL_OK);
  assert_int_equal(device_use_all(f, 8), 1);
  uint64_t got = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &got, &len), MODEL_OK);
  assert_int_equal(got, token);
  assert_int_equal(len, 8);
}

static void test_vq_idx_wraps_past_65535(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, 0);
  assert_int_equal(drv_vq_test_set_idx(&f->vq, 65533), MODEL_OK);
  f->dev.q[0].last_avail_idx = 65533;
  fake_used_idx_write(&f->dev, 0, 65533);
  for (uint64_t t = 0; t < 6; t++)
    cycle(f, t);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX), 3);
  assert_int_equal(f->vq.last_used_idx, 3);
  /* twin: the hook refuses a queue with buffers outstanding */
  assert_int_equal(add_in(f, 7, 16), MODEL_OK);
  assert_int_equal(drv_vq_test_set_idx(&f->vq, 1), MODEL_ERR_INVALID_ARG);
}

static void test_vq_idx_wraps_naturally(void **state) {
  struct fixture *f = *state;
  vq_make(f, 1, 0);
  for (uint64_t t = 0; t < 65536u + 3u; t++)
    cycle(f, t);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX), 3);
  assert_int_equal(f->vq.stats.used, 65539);
}

static void test_vq_full_ring_is_reported(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  for (uint64_t t = 0; t < 6; t++)
    assert_int_equal(add_in(f, t, 16), MODEL_OK);
  struct drv_sg sg[3] = {
      {.addr = BUF_BASE, .len = 1}, {.addr = BUF_BASE, .len = 1}, {.addr = BUF_BASE, .len = 1}};
  /* two free descriptors: a chain of three does not fit, one of two does */
  assert_int_equal(drv_vq_add(&f->vq, sg, 3, 0, 100, false), MODEL_ERR_RING_FULL);
  assert_int_equal(drv_vq_free_count(&f->vq), 2);
  assert_int_equal(drv_vq_add(&f->vq, sg, 2, 0, 100, false), MODEL_OK);
  assert_int_equal(add_in(f, 101, 16), MODEL_ERR_RING_FULL);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX), 7);
}

static void test_2_7_5_3_1_3_chain_as_long_as_the_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  struct drv_sg sg[9];
  for (unsigned i = 0; i < 9; i++)
    sg[i] = (struct drv_sg){.addr = BUF_BASE + i * 16u, .len = 16, .device_writable = i >= 4};
  /* twin first: one element more than the queue size is refused */
  sg[8].device_writable = true;
  assert_int_equal(drv_vq_add(&f->vq, sg, 4, 5, 1, false), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_vq_add(&f->vq, sg, 4, 4, 1, false), MODEL_OK);
  assert_int_equal(drv_vq_free_count(&f->vq), 0);
  uint16_t head = rd16(f, f->vq.avail_addr + model_split_avail_ring_off(0));
  uint32_t i = head;
  for (unsigned k = 0; k < 8; k++) {
    struct fake_desc d = fake_desc_read(&f->dev, f->vq.desc_addr, i);
    assert_int_equal(d.addr, BUF_BASE + k * 16u);
    uint16_t want =
        (uint16_t)((k < 7 ? VIRTQ_DESC_F_NEXT : 0u) | (k >= 4 ? VIRTQ_DESC_F_WRITE : 0u));
    assert_int_equal(d.flags, want);
    i = d.next;
  }
  assert_int_equal(device_use_all(f, 64), 1);
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  assert_int_equal(drv_vq_free_count(&f->vq), 8);
}

static void test_2_7_4_2_1_readable_after_writable_refused(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  struct drv_sg sg[2] = {{.addr = BUF_BASE, .len = 16, .device_writable = true},
                         {.addr = BUF_BASE, .len = 16, .device_writable = false}};
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 1, 1, false), MODEL_ERR_INVALID_ARG);
  struct drv_sg empty = {.addr = BUF_BASE, .len = 0};
  assert_int_equal(drv_vq_add(&f->vq, &empty, 1, 0, 1, false), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_vq_add(&f->vq, sg, 0, 0, 1, false), MODEL_ERR_INVALID_ARG);
  /* twin: readable then writable is fine */
  sg[0].device_writable = false;
  sg[1].device_writable = true;
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 1, 1, false), MODEL_OK);
}

static void test_2_7_5_3_indirect_table_layout(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, M(VIRTIO_F_INDIRECT_DESC));
  uint64_t baseline = f->alloc.bytes_used;
  struct drv_sg sg[5];
  for (unsigned i = 0; i < 5; i++)
    sg[i] = (struct drv_sg){.addr = BUF_BASE + i * 16u, .len = 16, .device_writable = i >= 2};
  assert_int_equal(drv_vq_add(&f->vq, sg, 2, 3, 42, true), MODEL_OK);
  assert_int_equal(drv_vq_free_count(&f->vq), 7);
  uint16_t head = rd16(f, f->vq.avail_addr + model_split_avail_ring_off(0));
  struct fake_desc d = fake_desc_read(&f->dev, f->vq.desc_addr, head);
  /* 2.7.5.3.1#4: INDIRECT without NEXT; the length a multiple of 16 */
  assert_int_equal(d.flags, VIRTQ_DESC_F_INDIRECT);
  assert_int_equal(d.len, 5u * 16u);
  assert_int_equal(d.addr % 16u, 0);
  for (unsigned k = 0; k < 5; k++) {
    struct fake_desc e = fake_desc_read(&f->dev, d.addr, k);
    uint16_t want =
        (uint16_t)((k < 4 ? VIRTQ_DESC_F_NEXT : 0u) | (k >= 2 ? VIRTQ_DESC_F_WRITE : 0u));
    assert_int_equal(e.flags, want); /* 2.7.5.3.1#2: no INDIRECT inside */
    if (k < 4)
      assert_int_equal(e.next, k + 1u);
    assert_int_equal(e.addr, BUF_BASE + k * 16u);
  }
  assert_int_equal(device_use_all(f, 48), 1);
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  assert_int_equal(token, 42);
  assert_int_equal(f->alloc.bytes_used, baseline);
  assert_int_equal(drv_vq_free_count(&f->vq), 8);
}

static void test_2_7_5_3_1_1_no_indirect_without_feature(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  struct drv_sg sg[3] = {{.addr = BUF_BASE, .len = 16},
                         {.addr = BUF_BASE, .len = 16},
                         {.addr = BUF_BASE, .len = 16, .device_writable = true}};
  assert_int_equal(drv_vq_add(&f->vq, sg, 2, 1, 1, true), MODEL_OK);
  assert_int_equal(drv_vq_free_count(&f->vq), 5);
  struct fake_desc d = fake_desc_read(&f->dev, f->vq.desc_addr, 0);
  assert_int_equal(d.flags, VIRTQ_DESC_F_NEXT);
  assert_int_equal(f->vq.stats.indirect, 0);
}

static void test_vq_indirect_falls_back_without_table_memory(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, M(VIRTIO_F_INDIRECT_DESC));
  uint64_t hog = 0;
  assert_int_equal(drv_alloc_get(&f->alloc, drv_alloc_largest_free(&f->alloc), 1, &hog), MODEL_OK);
  struct drv_sg sg[2] = {{.addr = BUF_BASE, .len = 16},
                         {.addr = BUF_BASE, .len = 16, .device_writable = true}};
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 1, 1, true), MODEL_OK);
  assert_int_equal(f->vq.stats.indirect_fallback, 1);
  assert_int_equal(drv_vq_free_count(&f->vq), 6);
  /* twin: with memory back, the next one is indirect */
  assert_int_equal(drv_alloc_put(&f->alloc, hog), MODEL_OK);
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 1, 2, true), MODEL_OK);
  assert_int_equal(f->vq.stats.indirect, 1);
  assert_int_equal(drv_vq_free_count(&f->vq), 5);
}

static void expect_broken(struct fixture *f, model_err err) {
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), err);
  assert_true(drv_vq_is_broken(&f->vq));
  assert_int_equal(f->vq.violation.err, err);
  assert_non_null(f->vq.violation.clause);
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_ERR_RING_BROKEN);
  assert_int_equal(add_in(f, 50, 16), MODEL_ERR_RING_BROKEN);
  bool notified = true;
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_ERR_RING_BROKEN);
  /* a spurious notification too (found by fuzz/fuzz_driver_ring.c) */
  assert_int_equal(drv_vq_notify(&f->vq), MODEL_ERR_RING_BROKEN);
}

static void test_vq_used_id_out_of_range_breaks_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  uint64_t token = 0;
  uint32_t len = 0;
  /* accepting twin: the highest real head */
  fake_used_push(&f->dev, 0, 1, 16);
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  assert_int_equal(token, 2);
  /* rejecting: id == queue size */
  fake_used_push(&f->dev, 0, 8, 0);
  expect_broken(f, MODEL_ERR_RING_USED_ID);
  assert_int_equal(f->vq.violation.value, 8);
}

static void test_vq_used_id_not_a_head_breaks_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  struct drv_sg sg[2] = {{.addr = BUF_BASE, .len = 16},
                         {.addr = BUF_BASE, .len = 16, .device_writable = true}};
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 1, 1, false), MODEL_OK);
  fake_used_push(&f->dev, 0, 1, 0); /* descriptor 1 is inside the chain at 0 */
  expect_broken(f, MODEL_ERR_RING_USED_ID);
}

static void test_vq_used_id_twice_breaks_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  fake_used_push(&f->dev, 0, 0, 0);
  fake_used_push(&f->dev, 0, 0, 0);
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  expect_broken(f, MODEL_ERR_RING_USED_ID);
}

static void test_2_7_8_3_1_used_len_beyond_writable_breaks_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  struct drv_sg sg[3] = {{.addr = BUF_BASE, .len = 1000},
                         {.addr = BUF_BASE, .len = 60, .device_writable = true},
                         {.addr = BUF_BASE, .len = 40, .device_writable = true}};
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 2, 1, false), MODEL_OK);
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 2, 2, false), MODEL_OK);
  uint64_t token = 0;
  uint32_t len = 0;
  /* accepting twin: exactly the writable bytes (the readable 1000 do not count) */
  fake_used_push(&f->dev, 0, 0, 100);
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  assert_int_equal(len, 100);
  fake_used_push(&f->dev, 0, 3, 101);
  expect_broken(f, MODEL_ERR_RING_USED_LEN);
  assert_int_equal(f->vq.violation.limit, 100);
}

static void test_vq_used_idx_jump_breaks_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  for (uint64_t t = 0; t < 3; t++)
    assert_int_equal(add_in(f, t, 16), MODEL_OK);
  fake_used_elem(&f->dev, 0, 0, 0, 0);
  fake_used_elem(&f->dev, 0, 1, 1, 0);
  fake_used_idx_write(&f->dev, 0, 2); /* two at once: fine */
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  /* one outstanding, idx moves by two */
  fake_used_elem(&f->dev, 0, 2, 2, 0);
  fake_used_idx_write(&f->dev, 0, 4);
  expect_broken(f, MODEL_ERR_RING_USED_IDX);
  /* the violation names the idx the device wrote */
  assert_int_equal(f->vq.violation.value, 4);
}

static void test_2_7_10_1_4_no_notify_flag_suppresses(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  /* avail_event is ignored without EVENT_IDX (2.7.10.1#2) */
  wr16(f, f->vq.used_addr + model_split_avail_event_off(8), 0x1234);
  bool notified = false;
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_true(notified);
  assert_int_equal(f->notifies, 1);
  wr16(f, f->vq.used_addr + MODEL_SPLIT_USED_OFF_FLAGS, VIRTQ_USED_F_NO_NOTIFY);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified);
  assert_int_equal(f->notifies, 1);
  assert_int_equal(f->bus.counters[SIM_CTR_NOTIFY_SUPPRESSED], 1);
  /* nothing added: no kick at all */
  wr16(f, f->vq.used_addr + MODEL_SPLIT_USED_OFF_FLAGS, 0);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified);
  assert_int_equal(f->vq.stats.kicks, 2);
}

static void event_idx_at(struct fixture *f, uint16_t idx) {
  vq_make(f, 8, M(VIRTIO_F_EVENT_IDX));
  assert_int_equal(drv_vq_test_set_idx(&f->vq, idx), MODEL_OK);
  f->dev.q[0].last_avail_idx = idx;
  fake_used_idx_write(&f->dev, 0, idx);
}

static void test_2_7_10_1_6_avail_event_at_the_wrap(void **state) {
  struct fixture *f = *state;
  event_idx_at(f, 65534);
  /* notify once the entry at 65535 is written; flags are ignored (#5) */
  wr16(f, f->vq.used_addr + model_split_avail_event_off(8), 65535);
  wr16(f, f->vq.used_addr + MODEL_SPLIT_USED_OFF_FLAGS, VIRTQ_USED_F_NO_NOTIFY);
  bool notified = true;
  assert_int_equal(add_in(f, 1, 16), MODEL_OK); /* entry 65534 */
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK); /* entry 65535: idx wraps to 0 */
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_true(notified);
  assert_int_equal(f->bus.counters[SIM_CTR_NOTIFY_SUPPRESSED], 1);
}

static void test_2_7_10_1_6_batch_crossing_avail_event(void **state) {
  struct fixture *f = *state;
  event_idx_at(f, 65534);
  wr16(f, f->vq.used_addr + model_split_avail_event_off(8), 0);
  for (uint64_t t = 0; t < 3; t++) /* entries 65534, 65535, 0 */
    assert_int_equal(add_in(f, t, 16), MODEL_OK);
  bool notified = false;
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_true(notified);
  /* twin: the next batch (entries 1, 2) stops short of avail_event 3 */
  wr16(f, f->vq.used_addr + model_split_avail_event_off(8), 3);
  assert_int_equal(add_in(f, 3, 16), MODEL_OK);
  assert_int_equal(add_in(f, 4, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified);
}

static void test_2_7_7_1_used_event_placement(void **state) {
  struct fixture *f = *state;
  event_idx_at(f, 65535);
  uint64_t ue = f->vq.avail_addr + model_split_used_event_off(8);
  assert_int_equal(rd16(f, ue), 65535);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  uint16_t head = 0;
  assert_true(fake_avail_pop(&f->dev, 0, &head));
  fake_used_push(&f->dev, 0, head, 0);
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  /* a notification wanted for the next used entry, at the wrap */
  assert_int_equal(rd16(f, ue), 0);
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  assert_int_equal(rd16(f, ue), 65535);
  /* 2.7.7.1#2: flags stay 0 with EVENT_IDX */
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS), 0);
  bool pending = true;
  assert_int_equal(drv_vq_enable_cb(&f->vq, &pending), MODEL_OK);
  assert_false(pending);
  assert_int_equal(rd16(f, ue), 0);
  /* used while disabled: enable_cb reports it */
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  assert_int_equal(device_use_all(f, 0), 1);
  assert_int_equal(drv_vq_enable_cb(&f->vq, &pending), MODEL_OK);
  assert_true(pending);
}

static void test_2_7_7_1_1_no_interrupt_flag(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  uint64_t flags = f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS;
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  assert_int_equal(rd16(f, flags), VIRTQ_AVAIL_F_NO_INTERRUPT);
  bool pending = true;
  assert_int_equal(drv_vq_enable_cb(&f->vq, &pending), MODEL_OK);
  assert_int_equal(rd16(f, flags), 0);
  assert_false(pending);
  /* used_event is left alone without EVENT_IDX */
  assert_int_equal(rd16(f, f->vq.avail_addr + model_split_used_event_off(8)), 0);
}

static void test_3_3_1_2_detach_unused_after_reset(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, M(VIRTIO_F_INDIRECT_DESC));
  uint64_t baseline = f->alloc.bytes_used;
  struct drv_sg sg[3] = {{.addr = BUF_BASE, .len = 16},
                         {.addr = BUF_BASE, .len = 16},
                         {.addr = BUF_BASE, .len = 16, .device_writable = true}};
  uint64_t seen = 0;
  for (uint64_t t = 0; t < 3; t++)
    assert_int_equal(add_in(f, t, 16), MODEL_OK);
  assert_int_equal(drv_vq_add(&f->vq, sg, 2, 1, 3, false), MODEL_OK);
  assert_int_equal(drv_vq_add(&f->vq, sg, 2, 1, 4, true), MODEL_OK);
  assert_int_equal(drv_vq_add(&f->vq, sg, 2, 1, 5, true), MODEL_OK);
  uint16_t head = 0;
  assert_true(fake_avail_pop(&f->dev, 0, &head));
  fake_used_push(&f->dev, 0, head, 0);
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  seen |= 1u << token;
  /* the device is reset here; the queue is no longer live */
  unsigned detached = 0;
  while (drv_vq_detach_unused(&f->vq, &token) == MODEL_OK) {
    assert_true(token < 6);
    assert_false((seen >> token) & 1u);
    seen |= 1u << token;
    detached++;
  }
  assert_int_equal(detached, 5);
  assert_int_equal(seen, 0x3f);
  assert_int_equal(drv_vq_free_count(&f->vq), 16);
  assert_int_equal(drv_vq_outstanding(&f->vq), 0);
  assert_int_equal(f->alloc.bytes_used, baseline);
  assert_int_equal(drv_vq_detach_unused(&f->vq, &token), MODEL_ERR_RING_EMPTY);
}

static void test_vq_detach_works_on_a_broken_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  fake_used_push(&f->dev, 0, 7, 0);
  expect_broken(f, MODEL_ERR_RING_USED_ID);
  uint64_t token = 0;
  assert_int_equal(drv_vq_detach_unused(&f->vq, &token), MODEL_OK);
  assert_int_equal(drv_vq_detach_unused(&f->vq, &token), MODEL_OK);
  assert_int_equal(drv_vq_detach_unused(&f->vq, &token), MODEL_ERR_RING_EMPTY);
}

/* A chain of n writable elements of 8 bytes each. */
static model_err add_chain(struct fixture *f, uint64_t token, unsigned n) {
  struct drv_sg sg[8];
  assert_true(n <= 8);
  for (unsigned k = 0; k < n; k++)
    sg[k] = (struct drv_sg){.addr = BUF_BASE + k * 8u, .len = 8, .device_writable = true};
  return drv_vq_add(&f->vq, sg, 0, n, token, false);
}

static void get_used_expect(struct fixture *f, uint64_t token, uint32_t len) {
  uint64_t got = 0;
  uint32_t got_len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &got, &got_len), MODEL_OK);
  assert_int_equal(got, token);
  assert_int_equal(got_len, len);
}

static void test_2_7_5_2_2_in_order_chain_at_consecutive_slots(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, M(VIRTIO_F_IN_ORDER));
  for (uint64_t t = 0; t < 6; t++)
    assert_int_equal(add_in(f, t, 16), MODEL_OK);
  assert_int_equal(device_use_all(f, 16), 6);
  for (uint64_t t = 0; t < 6; t++)
    get_used_expect(f, t, 16);
  /* slots 6, 7, 0: next = x + 1, and 0 after the last slot */
  assert_int_equal(add_chain(f, 10, 3), MODEL_OK);
  uint16_t head = 0;
  assert_true(fake_avail_pop(&f->dev, 0, &head));
  assert_int_equal(head, 6);
  struct fake_desc d6 = fake_desc_read(&f->dev, f->vq.desc_addr, 6);
  struct fake_desc d7 = fake_desc_read(&f->dev, f->vq.desc_addr, 7);
  struct fake_desc d0 = fake_desc_read(&f->dev, f->vq.desc_addr, 0);
  assert_int_equal(d6.flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
  assert_int_equal(d6.next, 7);
  assert_int_equal(d7.flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
  assert_int_equal(d7.next, 0);
  assert_int_equal(d0.flags, VIRTQ_DESC_F_WRITE);
  fake_used_push(&f->dev, 0, head, 24);
  get_used_expect(f, 10, 24);
  assert_int_equal(drv_vq_free_count(&f->vq), 8);
  /* the free descriptors stay in ring order: the next chain starts at 1 */
  assert_int_equal(add_chain(f, 11, 2), MODEL_OK);
  assert_true(fake_avail_pop(&f->dev, 0, &head));
  assert_int_equal(head, 1);
  assert_int_equal(fake_desc_read(&f->dev, f->vq.desc_addr, 1).next, 2);
}

static void test_2_7_9_in_order_batch(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, M(VIRTIO_F_IN_ORDER) | M(VIRTIO_F_EVENT_IDX));
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);   /* head 0 */
  assert_int_equal(add_chain(f, 2, 2), MODEL_OK); /* heads 1-2, 16 writable bytes */
  assert_int_equal(add_in(f, 3, 30), MODEL_OK);   /* head 3 */
  assert_int_equal(add_in(f, 4, 40), MODEL_OK);   /* head 4 */
  /* one used entry, at the first buffer's slot, for the first three */
  fake_used_elem(&f->dev, 0, 0, 3, 7);
  fake_used_idx_write(&f->dev, 0, 3);
  get_used_expect(f, 1, 16);
  /* used_event past the batch: the device's used idx is already there */
  assert_int_equal(rd16(f, f->vq.avail_addr + model_split_used_event_off(8)), 3);
  bool has = false;
  assert_int_equal(drv_vq_has_used(&f->vq, &has), MODEL_OK);
  assert_true(has);
  get_used_expect(f, 2, 16);
  get_used_expect(f, 3, 7);
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_ERR_RING_EMPTY);
  /* then one alone */
  fake_used_elem(&f->dev, 0, 3, 4, 9);
  fake_used_idx_write(&f->dev, 0, 4);
  get_used_expect(f, 4, 9);
  assert_int_equal(rd16(f, f->vq.avail_addr + model_split_used_event_off(8)), 4);
  assert_int_equal(drv_vq_free_count(&f->vq), 8);
  assert_int_equal(drv_vq_outstanding(&f->vq), 0);
}

static void test_2_7_9_in_order_batch_short_used_idx_breaks_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, M(VIRTIO_F_IN_ORDER));
  for (uint64_t t = 0; t < 3; t++)
    assert_int_equal(add_in(f, t, 16), MODEL_OK);
  /* the entry names the third buffer, used idx moved by two */
  fake_used_elem(&f->dev, 0, 0, 2, 16);
  fake_used_idx_write(&f->dev, 0, 2);
  expect_broken(f, MODEL_ERR_RING_USED_IDX);
  assert_string_equal(f->vq.violation.clause, "2.7.9");
}

/* ---- a failing guest-memory access -------------------------------------- */

typedef void (*vq_step)(struct fixture *f);

/* A fresh queue of f->size, f->features and f->misbehave, programmed into
 * the fake device, with the allocator holding nothing else. */
static void vq_fresh(struct fixture *f) {
  drv_vq_fini(&f->vq);
  drv_alloc_reset(&f->alloc);
  memset(&f->dev.q[0], 0, sizeof(f->dev.q[0]));
  f->notifies = 0;
  assert_int_equal(
      drv_vq_init_ex(&f->vq, &f->bus, &f->alloc, 0, f->size, f->features, f->misbehave), MODEL_OK);
  drv_vq_set_notify(&f->vq, count_notify, f);
  fake_queue_set(&f->dev, 0, f->size, f->vq.desc_addr, f->vq.avail_addr, f->vq.used_addr);
  f->baseline = f->alloc.bytes_used;
}

/* Run op on a fresh queue (brought to its step by prep) with the driver's
 * guest-memory access n failing, for n = 0, 1, ... until op runs without
 * reaching it; op checks its own outcome, fault or none. Returns how many
 * driver accesses op makes. */
static uint64_t each_access_failing(struct fixture *f, vq_step prep, vq_step op) {
  for (uint64_t n = 0; n < 1024u; n++) {
    vq_fresh(f);
    prep(f);
    fake_mem_fail(&f->bus, &f->faults, SIM_FAULT_ACCESS_READ | SIM_FAULT_ACCESS_WRITE, n);
    op(f);
    bool fired = fake_mem_fired(&f->faults);
    fake_mem_fail_clear(&f->bus);
    if (!fired)
      return n;
  }
  fail();
  return 0;
}

static void prep_nothing(struct fixture *f) {
  (void)f;
}

/* Three elements: one readable, two writable (the last long enough for
 * chain-too-long to cut it into a queue's worth of pieces). */
static model_err add_three(struct fixture *f, uint64_t token, bool indirect) {
  struct drv_sg sg[3] = {{.addr = BUF_BASE, .len = 16},
                         {.addr = BUF_BASE + 64u, .len = 16, .device_writable = true},
                         {.addr = BUF_BASE + 128u, .len = 64, .device_writable = true}};
  return drv_vq_add(&f->vq, sg, 1, 2, token, indirect);
}

/* An add that failed left nothing behind: no descriptor, no table, no
 * buffer outstanding. With check_idx, the device cannot see it either: the
 * avail idx in guest memory is the one last published. */
static void add_op(struct fixture *f, bool indirect, bool check_idx) {
  uint32_t free_before = drv_vq_free_count(&f->vq);
  uint32_t out_before = drv_vq_outstanding(&f->vq);
  uint16_t idx_before = f->vq.avail_idx_shadow;
  uint64_t bytes_before = f->alloc.bytes_used;
  uint64_t added_before = f->vq.stats.added;
  model_err err = add_three(f, 77, indirect);
  if (!fake_mem_fired(&f->faults)) {
    assert_int_equal(err, MODEL_OK);
    return;
  }
  assert_int_equal(err, MODEL_ERR_MEM_FAULT);
  assert_int_equal(drv_vq_free_count(&f->vq), free_before);
  assert_int_equal(drv_vq_outstanding(&f->vq), out_before);
  assert_int_equal(f->vq.avail_idx_shadow, idx_before);
  assert_int_equal(f->alloc.bytes_used, bytes_before);
  assert_false(f->vq.reused);
  assert_int_equal(f->vq.stats.added, added_before);
  if (check_idx)
    assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX), idx_before);
}
static void op_add_direct(struct fixture *f) {
  add_op(f, false, true);
}
static void op_add_indirect(struct fixture *f) {
  add_op(f, true, true);
}
static void op_add_misbehaving(struct fixture *f) {
  add_op(f, true, false);
}
static void prep_one_added(struct fixture *f) {
  assert_int_equal(add_three(f, 1, false), MODEL_OK);
}

static void test_vq_failed_add_leaves_nothing_behind(void **state) {
  struct fixture *f = *state;
  f->size = 8;
  f->features = M(VIRTIO_F_INDIRECT_DESC);
  /* 2.7.13.3.1#1: four writes per descriptor, then the entry, then idx */
  assert_int_equal(each_access_failing(f, prep_nothing, op_add_direct), 3u * 4u + 2u);
  /* the table, the ring descriptor naming it, the entry, idx */
  assert_int_equal(each_access_failing(f, prep_nothing, op_add_indirect), 3u * 4u + 4u + 2u);
  /* each misbehaving shape gives its memory back as well */
  static const unsigned indirect_shapes[] = {
      DRV_MISBEHAVE_NESTED_INDIRECT, DRV_MISBEHAVE_CHAIN_TOO_LONG, DRV_MISBEHAVE_INDIRECT_WITH_NEXT,
      DRV_MISBEHAVE_PUBLISH_IDX_BEFORE_DESCRIPTOR, DRV_MISBEHAVE_DESCRIPTOR_LOOP};
  for (size_t i = 0; i < sizeof(indirect_shapes) / sizeof(indirect_shapes[0]); i++) {
    f->misbehave = drv_misbehave_one(indirect_shapes[i]);
    assert_true(each_access_failing(f, prep_nothing, op_add_misbehaving) > 3u * 4u);
  }
  f->features = 0;
  f->misbehave = drv_misbehave_one(DRV_MISBEHAVE_INDIRECT_UNNEGOTIATED);
  assert_true(each_access_failing(f, prep_nothing, op_add_misbehaving) > 3u * 4u);
  f->features = M(VIRTIO_F_IN_ORDER) | M(VIRTIO_F_INDIRECT_DESC);
  f->misbehave = drv_misbehave_one(DRV_MISBEHAVE_CHAIN_WITH_GAP);
  assert_true(each_access_failing(f, prep_nothing, op_add_misbehaving) > 3u * 4u);
  assert_true(each_access_failing(f, prep_nothing, op_add_direct) > 3u * 4u);
  /* reuse-inflight-head rewrites the chain added before: three descriptors */
  f->features = 0;
  f->misbehave = drv_misbehave_one(DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD);
  assert_int_equal(each_access_failing(f, prep_one_added, op_add_direct), 3u * 4u);
}

static void prep_two_one_used(struct fixture *f) {
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  assert_int_equal(device_use_all(f, 8), 2);
}

/* A get_used whose read fails takes nothing: the same buffer comes back
 * once the bus works again (none is lost). A failed used_event write does
 * not undo the take. */
static void op_get_used(struct fixture *f) {
  uint16_t last = f->vq.last_used_idx;
  uint64_t token = 0;
  uint32_t len = 0;
  model_err err = drv_vq_get_used(&f->vq, &token, &len);
  if (err == MODEL_ERR_MEM_FAULT) {
    assert_true(fake_mem_fired(&f->faults));
    assert_int_equal(f->vq.last_used_idx, last);
    assert_int_equal(drv_vq_outstanding(&f->vq), 2);
    assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  } else {
    assert_int_equal(err, MODEL_OK);
  }
  assert_int_equal(token, 1);
  assert_int_equal(len, 8);
  assert_int_equal(drv_vq_outstanding(&f->vq), 1);
}

static void prep_in_order_batch(struct fixture *f) {
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  fake_used_elem(&f->dev, 0, 0, 1, 8); /* one entry for both */
  fake_used_idx_write(&f->dev, 0, 2);
}
static void op_get_used_batch(struct fixture *f) {
  uint64_t token = 0;
  uint32_t len = 0;
  model_err err = drv_vq_get_used(&f->vq, &token, &len);
  if (err == MODEL_ERR_MEM_FAULT) {
    assert_int_equal(drv_vq_outstanding(&f->vq), 2);
    assert_int_equal(f->vq.batch_left, 0);
    assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  }
  assert_int_equal(token, 1);
  assert_int_equal(len, 16); /* 2.7.9: used in full */
  get_used_expect(f, 2, 8);
}

static void op_has_used(struct fixture *f) {
  bool has = false;
  model_err err = drv_vq_has_used(&f->vq, &has);
  assert_int_equal(err, fake_mem_fired(&f->faults) ? MODEL_ERR_MEM_FAULT : MODEL_OK);
  assert_int_equal(has, err == MODEL_OK);
}

static void test_vq_failed_read_loses_no_used_buffer(void **state) {
  struct fixture *f = *state;
  f->size = 8;
  f->features = M(VIRTIO_F_EVENT_IDX);
  /* used idx, id, len, then used_event */
  assert_int_equal(each_access_failing(f, prep_two_one_used, op_get_used), 4);
  f->features = 0;
  assert_int_equal(each_access_failing(f, prep_two_one_used, op_get_used), 3);
  assert_int_equal(each_access_failing(f, prep_two_one_used, op_has_used), 1);
  f->features = M(VIRTIO_F_IN_ORDER) | M(VIRTIO_F_EVENT_IDX);
  /* the batch's second buffer: only used_event is written, and its failure
   * takes nothing back */
  assert_int_equal(each_access_failing(f, prep_in_order_batch, op_get_used_batch), 5);
}

static void prep_one_suppressed(struct fixture *f) {
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  wr16(f, f->vq.used_addr + MODEL_SPLIT_USED_OFF_FLAGS, VIRTQ_USED_F_NO_NOTIFY);
  wr16(f, f->vq.used_addr + model_split_avail_event_off(f->size), 5); /* far ahead */
}

/* 2.7.10.1: a suppression field that cannot be read leaves the decision
 * to notify: a spurious notification is harmless, a missing one is not. */
static void op_kick(struct fixture *f) {
  bool notified = false;
  model_err err = drv_vq_kick(&f->vq, &notified);
  bool fired = fake_mem_fired(&f->faults);
  assert_int_equal(err, MODEL_OK);
  assert_int_equal(notified, fired);
  assert_int_equal(f->notifies, fired ? 1u : 0u);
}

/* misbehave avail-idx-backwards: its write failing fails the kick */
static void op_kick_backwards(struct fixture *f) {
  bool notified = false;
  model_err err = drv_vq_kick(&f->vq, &notified);
  if (err == MODEL_ERR_MEM_FAULT) {
    assert_false(notified);
    return;
  }
  assert_int_equal(err, MODEL_OK);
  assert_int_equal(notified, fake_mem_fired(&f->faults));
}

static void test_2_7_10_1_unreadable_suppression_notifies(void **state) {
  struct fixture *f = *state;
  f->size = 8;
  f->features = 0;
  assert_int_equal(each_access_failing(f, prep_one_suppressed, op_kick), 1);
  f->features = M(VIRTIO_F_EVENT_IDX);
  assert_int_equal(each_access_failing(f, prep_one_suppressed, op_kick), 1);
  f->features = 0;
  f->misbehave = drv_misbehave_one(DRV_MISBEHAVE_AVAIL_IDX_BACKWARDS);
  assert_int_equal(each_access_failing(f, prep_one_suppressed, op_kick_backwards), 2);
}

static void op_disable_cb(struct fixture *f) {
  model_err err = drv_vq_disable_cb(&f->vq);
  assert_int_equal(err, fake_mem_fired(&f->faults) ? MODEL_ERR_MEM_FAULT : MODEL_OK);
  if (err == MODEL_OK)
    return;
  /* nothing was recorded as written: a second try writes it */
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  if (!f->vq.has_event_idx)
    assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS),
                     VIRTQ_AVAIL_F_NO_INTERRUPT);
}
static void prep_disabled(struct fixture *f) {
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
}
static void op_enable_cb(struct fixture *f) {
  bool pending = true;
  model_err err = drv_vq_enable_cb(&f->vq, &pending);
  assert_int_equal(err, fake_mem_fired(&f->faults) ? MODEL_ERR_MEM_FAULT : MODEL_OK);
  assert_false(pending);
}
static void op_set_idx(struct fixture *f) {
  model_err err = drv_vq_test_set_idx(&f->vq, 100);
  assert_int_equal(err, fake_mem_fired(&f->faults) ? MODEL_ERR_MEM_FAULT : MODEL_OK);
}

static void test_vq_failed_write_of_a_control_field_is_reported(void **state) {
  struct fixture *f = *state;
  f->size = 8;
  f->features = 0;
  assert_int_equal(each_access_failing(f, prep_nothing, op_disable_cb), 1); /* flags */
  assert_int_equal(each_access_failing(f, prep_disabled, op_enable_cb), 2); /* flags, idx */
  assert_int_equal(each_access_failing(f, prep_nothing, op_set_idx), 1);    /* avail idx */
  f->features = M(VIRTIO_F_EVENT_IDX);
  assert_int_equal(each_access_failing(f, prep_nothing, op_disable_cb), 1); /* used_event */
  assert_int_equal(each_access_failing(f, prep_disabled, op_enable_cb), 2); /* used_event, idx */
  assert_int_equal(each_access_failing(f, prep_nothing, op_set_idx), 2);    /* idx, used_event */
  /* misbehave bad-avail-flags with EVENT_IDX: used_event, then the flags */
  f->misbehave = drv_misbehave_one(DRV_MISBEHAVE_BAD_AVAIL_FLAGS);
  assert_int_equal(each_access_failing(f, prep_nothing, op_disable_cb), 2);
  assert_int_equal(each_access_failing(f, prep_disabled, op_enable_cb), 3);
}

/* A queue whose set-up fails on a ring write gives every byte back. */
static void op_init(struct fixture *f) {
  drv_vq_fini(&f->vq);
  drv_alloc_reset(&f->alloc);
  model_err err = drv_vq_init_ex(&f->vq, &f->bus, &f->alloc, 0, f->size, f->features, f->misbehave);
  if (!fake_mem_fired(&f->faults)) {
    assert_int_equal(err, MODEL_OK);
    return;
  }
  assert_int_equal(err, MODEL_ERR_MEM_FAULT);
  assert_int_equal(f->alloc.bytes_used, 0);
  assert_null(f->vq.heads);
  assert_null(f->vq.desc_next);
}

static void test_vq_failed_init_gives_everything_back(void **state) {
  struct fixture *f = *state;
  f->size = 8;
  f->features = 0;
  /* 2.7.10.1#1: the available ring, then the used ring, zeroed */
  assert_int_equal(each_access_failing(f, prep_nothing, op_init), 2);
  f->misbehave = drv_misbehave_one(DRV_MISBEHAVE_DIRTY_USED_RING);
  assert_int_equal(each_access_failing(f, prep_nothing, op_init), 3);
}

static void test_vq_init_out_of_guest_memory_gives_everything_back(void **state) {
  struct fixture *f = *state;
  /* queue size 8: descriptors 128 bytes, available ring 22, used ring 70
   * (at 4-byte alignment, from 152); an allocator short of each in turn */
  static const uint64_t sizes[] = {100, 140, 200};
  for (size_t i = 0; i < 3; i++) {
    drv_alloc_fini(&f->alloc);
    assert_int_equal(drv_alloc_init(&f->alloc, RAM_BASE, sizes[i], 16), MODEL_OK);
    assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, 8, 0), MODEL_ERR_NO_MEMORY);
    assert_int_equal(f->alloc.bytes_used, 0);
    assert_int_equal(f->alloc.block_count, 1);
  }
  /* twin: exactly enough */
  drv_alloc_fini(&f->alloc);
  assert_int_equal(drv_alloc_init(&f->alloc, RAM_BASE, 222, 16), MODEL_OK);
  assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, 8, 0), MODEL_OK);
}

/* ---- arguments and state ----------------------------------------------- */

static void test_vq_add_arguments_checked(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  struct drv_sg sg[2] = {{.addr = BUF_BASE, .len = 0xffffffffu},
                         {.addr = BUF_BASE, .len = 2u, .device_writable = true}};
  assert_int_equal(drv_vq_add(&f->vq, NULL, 1, 0, 1, false), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_vq_add(&f->vq, sg, 9, 0, 1, false), MODEL_ERR_INVALID_ARG);
  /* 2.7.5.2#1: 2^32 + 1 bytes is too many */
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 1, 1, false), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_vq_free_count(&f->vq), 8);
  /* twin: exactly 2^32 bytes goes */
  sg[1].len = 1u;
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 1, 1, false), MODEL_OK);
}

/* IN_ORDER: a skipped buffer counts as used in full; one of exactly 2^32
 * writable bytes reports the most a used len holds. */
static void test_2_7_9_skipped_buffer_of_2_to_the_32_bytes(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, M(VIRTIO_F_IN_ORDER));
  struct drv_sg sg[2] = {{.addr = BUF_BASE, .len = 0x80000000u, .device_writable = true},
                         {.addr = BUF_BASE, .len = 0x80000000u, .device_writable = true}};
  assert_int_equal(drv_vq_add(&f->vq, sg, 0, 2, 1, false), MODEL_OK); /* heads 0-1 */
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);                       /* head 2 */
  fake_used_elem(&f->dev, 0, 0, 2, 5);
  fake_used_idx_write(&f->dev, 0, 2);
  get_used_expect(f, 1, UINT32_MAX);
  get_used_expect(f, 2, 5);
}

static model_err refuse_notify(void *ctx, uint16_t index, uint32_t value) {
  struct fixture *f = ctx;
  (void)index;
  (void)value;
  f->notifies++;
  return MODEL_ERR_QUEUE_NOT_READY;
}

static void test_vq_notify_needs_a_working_hook(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, 8, 0), MODEL_OK);
  assert_int_equal(drv_vq_notify(&f->vq), MODEL_ERR_INVALID_ARG); /* no hook */
  drv_vq_set_notify(&f->vq, refuse_notify, f);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  bool notified = true;
  /* the transport's refusal comes back from the kick, nothing counted */
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_ERR_QUEUE_NOT_READY);
  assert_false(notified);
  assert_int_equal(f->notifies, 1);
  assert_int_equal(f->vq.stats.notified, 0);
  /* twin: a working hook notifies */
  drv_vq_set_notify(&f->vq, count_notify, f);
  assert_int_equal(drv_vq_notify(&f->vq), MODEL_OK);
  assert_int_equal(f->vq.stats.notified, 1);
}

/* Regression: a kick whose notification the transport refused left the
 * batch published and the notification lost; a retried kick did nothing
 * (nothing new added). It is owed now: the next kick sends it. */
static void test_vq_refused_notification_is_owed_to_the_next_kick(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  drv_vq_set_notify(&f->vq, refuse_notify, f);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  bool notified = true;
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_ERR_QUEUE_NOT_READY);
  assert_false(notified);
  assert_int_equal(f->notifies, 1);
  drv_vq_set_notify(&f->vq, count_notify, f);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_true(notified);
  assert_int_equal(f->notifies, 2);
  assert_int_equal(f->vq.stats.notified, 1);
  /* twin: paid, nothing more is owed */
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified);
  assert_int_equal(f->notifies, 2);
  /* and a batch the device suppresses still notifies while one is owed */
  wr16(f, f->vq.used_addr + MODEL_SPLIT_USED_OFF_FLAGS, VIRTQ_USED_F_NO_NOTIFY);
  drv_vq_set_notify(&f->vq, refuse_notify, f);
  assert_int_equal(drv_vq_notify(&f->vq), MODEL_ERR_QUEUE_NOT_READY); /* not a kick: not owed */
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified);
  assert_int_equal(f->vq.stats.suppressed, 1);
}

static void test_vq_test_set_idx_needs_a_quiet_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, M(VIRTIO_F_EVENT_IDX));
  /* used and taken, but never published by a kick */
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(device_use_all(f, 0), 1);
  get_used_expect(f, 1, 0);
  assert_int_equal(drv_vq_test_set_idx(&f->vq, 9), MODEL_ERR_INVALID_ARG);
  assert_int_equal(drv_vq_kick(&f->vq, NULL), MODEL_OK);
  /* with callbacks off, used_event stays one behind (2.7.7.1) */
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  assert_int_equal(drv_vq_test_set_idx(&f->vq, 9), MODEL_OK);
  assert_int_equal(rd16(f, f->vq.avail_addr + model_split_used_event_off(8)), 8);
  /* a broken queue refuses it: used idx moves with nothing outstanding */
  f->dev.q[0].used_idx = 9;
  fake_used_push(&f->dev, 0, 0, 0);
  expect_broken(f, MODEL_ERR_RING_USED_IDX);
  assert_int_equal(drv_vq_test_set_idx(&f->vq, 0), MODEL_ERR_INVALID_ARG);
}

static void test_2_7_7_1_1_disable_twice_writes_once(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  assert_int_equal(sim_bus_add_observer(&f->bus, record_writes, f), MODEL_OK);
  f->record = true;
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  f->record = false;
  assert_int_equal(f->write_count, 1);
  assert_int_equal(f->writes[0], f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS);
}

static void test_vq_indirect_falls_back_when_the_block_table_is_full(void **state) {
  struct fixture *f = *state;
  /* the three ring areas, the used ring's alignment slack and the free
   * tail fill a five-block table */
  drv_alloc_fini(&f->alloc);
  assert_int_equal(drv_alloc_init(&f->alloc, RAM_BASE, 4096, 5), MODEL_OK);
  vq_make(f, 8, M(VIRTIO_F_INDIRECT_DESC));
  assert_int_equal(f->alloc.block_count, 5);
  assert_int_equal(add_three(f, 1, true), MODEL_OK);
  assert_int_equal(f->vq.stats.indirect_fallback, 1);
  assert_int_equal(drv_vq_free_count(&f->vq), 5);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_2_7_1_1_areas_aligned_and_rings_zeroed),
      T(test_vq_init_rejects_illegal_size),
      T(test_2_7_13_3_1_descriptors_then_entry_then_idx),
      T(test_vq_last_slot_add_and_use),
      T(test_vq_idx_wraps_past_65535),
      T(test_vq_idx_wraps_naturally),
      T(test_vq_full_ring_is_reported),
      T(test_2_7_5_3_1_3_chain_as_long_as_the_queue),
      T(test_2_7_4_2_1_readable_after_writable_refused),
      T(test_2_7_5_3_indirect_table_layout),
      T(test_2_7_5_3_1_1_no_indirect_without_feature),
      T(test_vq_indirect_falls_back_without_table_memory),
      T(test_vq_used_id_out_of_range_breaks_queue),
      T(test_vq_used_id_not_a_head_breaks_queue),
      T(test_vq_used_id_twice_breaks_queue),
      T(test_2_7_8_3_1_used_len_beyond_writable_breaks_queue),
      T(test_vq_used_idx_jump_breaks_queue),
      T(test_2_7_10_1_4_no_notify_flag_suppresses),
      T(test_2_7_10_1_6_avail_event_at_the_wrap),
      T(test_2_7_10_1_6_batch_crossing_avail_event),
      T(test_2_7_7_1_used_event_placement),
      T(test_2_7_7_1_1_no_interrupt_flag),
      T(test_3_3_1_2_detach_unused_after_reset),
      T(test_vq_detach_works_on_a_broken_queue),
      T(test_2_7_5_2_2_in_order_chain_at_consecutive_slots),
      T(test_2_7_9_in_order_batch),
      T(test_2_7_9_in_order_batch_short_used_idx_breaks_queue),
      T(test_vq_failed_add_leaves_nothing_behind),
      T(test_vq_failed_read_loses_no_used_buffer),
      T(test_2_7_10_1_unreadable_suppression_notifies),
      T(test_vq_failed_write_of_a_control_field_is_reported),
      T(test_vq_failed_init_gives_everything_back),
      T(test_vq_init_out_of_guest_memory_gives_everything_back),
      T(test_vq_add_arguments_checked),
      T(test_2_7_9_skipped_buffer_of_2_to_the_32_bytes),
      T(test_vq_notify_needs_a_working_hook),
      T(test_vq_refused_notification_is_owed_to_the_next_kick),
      T(test_vq_test_set_idx_needs_a_quiet_queue),
      T(test_2_7_7_1_1_disable_twice_writes_once),
      T(test_vq_indirect_falls_back_when_the_block_table_is_full),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
