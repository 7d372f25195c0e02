/*
 * frontend/tests/vq_packed_test.c: the driver side of the packed virtqueue
 * (2.8), with the test acting as the device through the bus (a small packed
 * device stand-in below): layout, write order, the wrap-counter flip at the
 * last slot, odd queue sizes, chains straddling the end and as long as the
 * queue, id reuse, indirect tables, event suppression both ways, hostile used
 * descriptors, in-order batches, detaching after reset.
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
#include "model/packed.h"
#include "model/virtio.h"

#define RAM_BASE 0x10000000u
#define RAM_SIZE (4u << 20)
#define BUF_BASE (RAM_BASE + RAM_SIZE / 2u) /* data buffers: outside the allocator */

struct fixture {
  struct sim_sched sched;
  struct sim_bus bus;
  struct drv_alloc alloc;
  struct fake_dev dev;
  struct drv_vq vq;
  unsigned notifies;
  /* the device's side of the ring */
  struct model_packed_pos dev_avail;
  struct model_packed_pos dev_used;
  uint64_t writes[64]; /* driver write addresses, for order checks */
  size_t write_count;
  bool record;
  /* the fault that fails one driver access (each_access_failing) */
  struct sim_fault_plan faults;
  /* the queue each_access_failing builds afresh */
  uint32_t size;
  uint64_t features;
  struct drv_misbehave_set misbehave;
};

/* One chain as the device stand-in read it. */
struct pchain {
  uint16_t id;
  uint16_t count;   /* ring descriptors */
  uint16_t flags0;  /* the first descriptor's flags */
  uint32_t entries; /* descriptors in the chain (table entries if indirect) */
  uint64_t addr0;
  uint32_t len0;
};

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  fake_bus_setup(&f->bus, &f->sched, RAM_BASE, RAM_SIZE);
  fake_dev_init(&f->dev, &f->bus);
  assert_int_equal(drv_alloc_init(&f->alloc, RAM_BASE, RAM_SIZE / 2u, 256), MODEL_OK);
  f->dev_avail = model_packed_pos_start();
  f->dev_used = model_packed_pos_start();
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

#define M(bit) model_feature_mask(bit)
#define PACKED M(VIRTIO_F_RING_PACKED)

static void vq_make(struct fixture *f, uint32_t size, uint64_t features) {
  assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, size, features | PACKED), MODEL_OK);
  assert_int_equal(f->vq.format, DRV_VQ_PACKED);
  drv_vq_set_notify(&f->vq, count_notify, f);
}

static uint16_t rd16(struct fixture *f, uint64_t addr) {
  uint16_t v = 0;
  assert_int_equal(sim_bus_read_le16(&f->bus, SIM_ACTOR_WORLD, addr, &v), MODEL_OK);
  return v;
}
static uint32_t rd32(struct fixture *f, uint64_t addr) {
  uint32_t v = 0;
  assert_int_equal(sim_bus_read_le32(&f->bus, SIM_ACTOR_WORLD, addr, &v), MODEL_OK);
  return v;
}
static uint64_t rd64(struct fixture *f, uint64_t addr) {
  uint64_t v = 0;
  assert_int_equal(sim_bus_read_le64(&f->bus, SIM_ACTOR_WORLD, addr, &v), MODEL_OK);
  return v;
}
static void wr16(struct fixture *f, uint64_t addr, uint16_t v) {
  assert_int_equal(sim_bus_write_le16(&f->bus, SIM_ACTOR_DEVICE, addr, v), MODEL_OK);
}
static void wr32(struct fixture *f, uint64_t addr, uint32_t v) {
  assert_int_equal(sim_bus_write_le32(&f->bus, SIM_ACTOR_DEVICE, addr, v), MODEL_OK);
}

static uint64_t desc_at(struct fixture *f, uint16_t slot) {
  return f->vq.desc_addr + model_packed_desc_off(slot);
}
static uint16_t flags_at(struct fixture *f, uint16_t slot) {
  return rd16(f, desc_at(f, slot) + MODEL_PACKED_DESC_OFF_FLAGS);
}
static uint16_t id_at(struct fixture *f, uint16_t slot) {
  return rd16(f, desc_at(f, slot) + MODEL_PACKED_DESC_OFF_ID);
}

/* The device takes the next available chain, if any. */
static bool dev_pop(struct fixture *f, struct pchain *c) {
  uint32_t num = f->vq.size;
  struct model_packed_pos pos = f->dev_avail;
  uint16_t flags = flags_at(f, pos.idx);
  if (!model_packed_is_avail(flags, pos.wrap))
    return false;
  memset(c, 0, sizeof(*c));
  c->flags0 = flags;
  c->addr0 = rd64(f, desc_at(f, pos.idx) + MODEL_PACKED_DESC_OFF_ADDR);
  c->len0 = rd32(f, desc_at(f, pos.idx) + MODEL_PACKED_DESC_OFF_LEN);
  for (;;) {
    flags = flags_at(f, pos.idx);
    assert_true(model_packed_is_avail(flags, pos.wrap));
    c->id = id_at(f, pos.idx);
    c->count++;
    assert_true(c->count <= num);
    pos = model_packed_pos_advance(pos, 1, num);
    if ((flags & VIRTQ_DESC_F_NEXT) == 0)
      break;
  }
  c->entries =
      (c->flags0 & VIRTQ_DESC_F_INDIRECT) != 0 ? c->len0 / MODEL_PACKED_DESC_SIZE : c->count;
  f->dev_avail = pos;
  return true;
}

/* The device writes a used descriptor at its used position (id, len, then
 * flags) and skips `count` descriptors. */
static void dev_push(struct fixture *f, uint16_t id, uint32_t len, uint16_t count) {
  uint64_t d = desc_at(f, f->dev_used.idx);
  wr16(f, d + MODEL_PACKED_DESC_OFF_ID, id);
  wr32(f, d + MODEL_PACKED_DESC_OFF_LEN, len);
  wr16(f, d + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(f->dev_used.wrap));
  f->dev_used = model_packed_pos_advance(f->dev_used, count, f->vq.size);
}

/* The device uses every available chain in order with the given len. */
static unsigned dev_use_all(struct fixture *f, uint32_t len) {
  struct pchain c;
  unsigned n = 0;
  while (dev_pop(f, &c)) {
    dev_push(f, c.id, len, c.count);
    n++;
  }
  return n;
}

static model_err add_in(struct fixture *f, uint64_t token, uint32_t len) {
  struct drv_sg sg = {.addr = BUF_BASE + token * 64u, .len = len, .device_writable = true};
  return drv_vq_add(&f->vq, &sg, 0, 1, token, false);
}

/* A chain of n writable elements of 8 bytes each. */
static model_err add_chain(struct fixture *f, uint64_t token, unsigned n, bool indirect) {
  struct drv_sg sg[64];
  assert_true(n <= 64);
  for (unsigned k = 0; k < n; k++)
    sg[k] = (struct drv_sg){.addr = BUF_BASE + k * 8u, .len = 8, .device_writable = true};
  return drv_vq_add(&f->vq, sg, 0, n, token, indirect);
}

static void get_used_expect(struct fixture *f, uint64_t token, uint32_t len) {
  uint64_t got = 0;
  uint32_t got_len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &got, &got_len), MODEL_OK);
  assert_int_equal(got, token);
  assert_int_equal(got_len, len);
}

static void expect_empty(struct fixture *f) {
  uint64_t got = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &got, &len), MODEL_ERR_RING_EMPTY);
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
  /* and a spurious notification (found by fuzz/fuzz_driver_ring.c) */
  assert_int_equal(drv_vq_notify(&f->vq), MODEL_ERR_RING_BROKEN);
}

static uint16_t drv_event_flags(struct fixture *f) {
  return rd16(f, f->vq.avail_addr + MODEL_PACKED_EVENT_OFF_FLAGS);
}
static struct model_packed_pos drv_event_pos(struct fixture *f) {
  return model_packed_event_decode(rd16(f, f->vq.avail_addr + MODEL_PACKED_EVENT_OFF_DESC));
}
static void dev_event_write(struct fixture *f, uint16_t flags, struct model_packed_pos pos) {
  wr16(f, f->vq.used_addr + MODEL_PACKED_EVENT_OFF_DESC, model_packed_event_encode(pos));
  wr16(f, f->vq.used_addr + MODEL_PACKED_EVENT_OFF_FLAGS, flags);
}

static void test_2_8_11_1_areas_aligned_and_zeroed(void **state) {
  struct fixture *f = *state;
  static uint8_t junk[8192];
  memset(junk, 0xff, sizeof(junk));
  assert_int_equal(sim_bus_write_bytes(&f->bus, SIM_ACTOR_WORLD, RAM_BASE, junk, sizeof(junk)),
                   MODEL_OK);
  vq_make(f, 100, 0);
  assert_int_equal(f->vq.desc_addr % MODEL_PACKED_DESC_ALIGN, 0);
  assert_int_equal(f->vq.avail_addr % MODEL_PACKED_EVENT_ALIGN, 0);
  assert_int_equal(f->vq.used_addr % MODEL_PACKED_EVENT_ALIGN, 0);
  for (uint16_t s = 0; s < 100; s++)
    assert_int_equal(flags_at(f, s), 0);
  assert_int_equal(drv_event_flags(f), RING_EVENT_FLAGS_ENABLE);
  assert_int_equal(rd16(f, f->vq.used_addr + MODEL_PACKED_EVENT_OFF_FLAGS), 0);
  assert_int_equal(drv_vq_free_count(&f->vq), 100);
}

static void test_vq_packed_sizes(void **state) {
  struct fixture *f = *state;
  uint64_t packed = PACKED;
  assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, 0, packed), MODEL_ERR_QUEUE_SIZE);
  assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, 32769, packed), MODEL_ERR_QUEUE_SIZE);
  static const uint32_t sizes[] = {1, 2, 3, 255, 32768};
  for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    uint32_t num = sizes[i];
    vq_make(f, num, 0);
    f->dev_avail = model_packed_pos_start();
    f->dev_used = model_packed_pos_start();
    /* two full laps and a bit, a full ring at a time */
    uint64_t token = 0;
    for (unsigned round = 0; round < 3; round++) {
      uint32_t n = round < 2 ? num : 1u;
      for (uint32_t k = 0; k < n; k++)
        assert_int_equal(add_in(f, token + k, 16), MODEL_OK);
      if (round < 2)
        assert_int_equal(add_in(f, 999, 16), MODEL_ERR_RING_FULL);
      assert_int_equal(drv_vq_kick(&f->vq, NULL), MODEL_OK);
      assert_int_equal(dev_use_all(f, 4), n);
      for (uint32_t k = 0; k < n; k++)
        get_used_expect(f, token + k, 4);
      expect_empty(f);
      token += n;
    }
    /* 2 * num + 1 descriptors: the wrap counter flipped once per lap */
    assert_int_equal(f->vq.avail_pos.wrap, ((2u * num + 1u) / num) % 2u == 0);
    assert_int_equal(f->vq.used_pos.wrap, f->vq.avail_pos.wrap);
    assert_int_equal(f->vq.avail_pos.idx, 1u % num);
    assert_int_equal(drv_vq_free_count(&f->vq), num);
    drv_vq_fini(&f->vq);
  }
}

static void record_writes(void *ctx, const struct sim_bus_event *ev) {
  struct fixture *f = ctx;
  if (!f->record || ev->kind != SIM_EV_MEM_WRITE || ev->actor != SIM_ACTOR_DRIVER)
    return;
  assert_true(ev->len <= 8); /* one access per field */
  if (f->write_count < 64)
    f->writes[f->write_count++] = ev->addr;
}

static void test_2_8_17_6_first_flags_written_last(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  assert_int_equal(sim_bus_add_observer(&f->bus, record_writes, f), MODEL_OK);
  struct drv_sg sg[3] = {{.addr = BUF_BASE, .len = 12},
                         {.addr = BUF_BASE + 64u, .len = 100, .device_writable = true},
                         {.addr = BUF_BASE + 256u, .len = 50, .device_writable = true}};
  f->record = true;
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 2, 7, false), MODEL_OK);
  f->record = false;
  /* addr, len, id, flags for each of the three */
  assert_int_equal(f->write_count, 12);
  assert_int_equal(f->writes[11], desc_at(f, 0) + MODEL_PACKED_DESC_OFF_FLAGS);
  for (size_t i = 0; i < 11; i++)
    assert_true(f->writes[i] != desc_at(f, 0) + MODEL_PACKED_DESC_OFF_FLAGS);
  uint16_t avail = model_packed_avail_bits(true);
  assert_int_equal(flags_at(f, 0), VIRTQ_DESC_F_NEXT | avail);
  assert_int_equal(flags_at(f, 1), VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE | avail);
  assert_int_equal(flags_at(f, 2), VIRTQ_DESC_F_WRITE | avail);
  assert_int_equal(id_at(f, 0), id_at(f, 2));
  assert_int_equal(rd32(f, desc_at(f, 1) + MODEL_PACKED_DESC_OFF_LEN), 100);
  struct pchain c;
  assert_true(dev_pop(f, &c));
  assert_int_equal(c.count, 3);
  dev_push(f, c.id, 150, c.count);
  get_used_expect(f, 7, 150);
  assert_int_equal(f->vq.used_pos.idx, 3);
}

static void test_2_8_1_wrap_counter_flips_at_last_slot(void **state) {
  struct fixture *f = *state;
  vq_make(f, 3, 0);
  for (uint64_t t = 0; t < 3; t++) {
    assert_int_equal(add_in(f, t, 16), MODEL_OK);
    assert_int_equal(flags_at(f, (uint16_t)t), VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_AVAIL);
  }
  /* past the last slot: wrap counter 0, AVAIL 0 and USED 1 */
  assert_int_equal(f->vq.avail_pos.idx, 0);
  assert_false(f->vq.avail_pos.wrap);
  assert_int_equal(dev_use_all(f, 16), 3);
  /* used in lap 1: both bits 1 */
  assert_int_equal(flags_at(f, 2) & (VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED),
                   VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED);
  for (uint64_t t = 0; t < 3; t++)
    get_used_expect(f, t, 16);
  assert_false(f->vq.used_pos.wrap);
  assert_int_equal(add_in(f, 10, 16), MODEL_OK);
  assert_int_equal(flags_at(f, 0), VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_USED);
  /* the lap-0 descriptor is not used yet, however its old bits look */
  expect_empty(f);
  assert_int_equal(dev_use_all(f, 3), 1);
  assert_int_equal(flags_at(f, 0) & (VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED), 0);
  get_used_expect(f, 10, 3);
}

static void test_2_8_6_chain_straddles_the_end(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, 0);
  for (uint64_t t = 0; t < 3; t++)
    assert_int_equal(add_in(f, t, 16), MODEL_OK);
  assert_int_equal(dev_use_all(f, 16), 3);
  for (uint64_t t = 0; t < 3; t++)
    get_used_expect(f, t, 16);
  /* slots 3 (lap 1), 0 and 1 (lap 0) */
  assert_int_equal(add_chain(f, 20, 3, false), MODEL_OK);
  assert_int_equal(flags_at(f, 3), VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_AVAIL);
  assert_int_equal(flags_at(f, 0), VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_USED);
  assert_int_equal(flags_at(f, 1), VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_USED);
  assert_int_equal(id_at(f, 3), id_at(f, 1));
  assert_int_equal(drv_vq_free_count(&f->vq), 1);
  assert_int_equal(add_chain(f, 21, 2, false), MODEL_ERR_RING_FULL);
  struct pchain c;
  assert_true(dev_pop(f, &c));
  assert_int_equal(c.count, 3);
  dev_push(f, c.id, 24, c.count);
  get_used_expect(f, 20, 24);
  assert_int_equal(f->vq.used_pos.idx, 2);
  assert_false(f->vq.used_pos.wrap);
  assert_int_equal(drv_vq_free_count(&f->vq), 4);
}

static void test_2_8_17_2_chain_as_long_as_the_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 7, 0);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(dev_use_all(f, 16), 1);
  get_used_expect(f, 1, 16);
  /* seven descriptors from slot 1 round to slot 0 */
  assert_int_equal(add_chain(f, 2, 7, false), MODEL_OK);
  assert_int_equal(drv_vq_free_count(&f->vq), 0);
  assert_int_equal(add_in(f, 3, 16), MODEL_ERR_RING_FULL);
  /* longer than the queue: refused (2.8.17#2) */
  drv_vq_fini(&f->vq);
  vq_make(f, 7, 0);
  f->dev_avail = f->dev_used = model_packed_pos_start();
  assert_int_equal(add_chain(f, 4, 8, false), MODEL_ERR_INVALID_ARG);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(dev_use_all(f, 16), 1);
  get_used_expect(f, 1, 16);
  assert_int_equal(add_chain(f, 2, 7, false), MODEL_OK);
  struct pchain c;
  assert_true(dev_pop(f, &c));
  assert_int_equal(c.count, 7);
  dev_push(f, c.id, 56, c.count);
  get_used_expect(f, 2, 56);
  assert_int_equal(drv_vq_free_count(&f->vq), 7);
  assert_int_equal(f->vq.used_pos.idx, 1);
  assert_false(f->vq.used_pos.wrap);
}

static void test_2_8_21_buffer_ids_reused_out_of_order(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  struct pchain c[3];
  for (uint64_t t = 0; t < 3; t++)
    assert_int_equal(add_chain(f, 100 + t, (unsigned)t + 1u, false), MODEL_OK);
  for (int k = 0; k < 3; k++)
    assert_true(dev_pop(f, &c[k]));
  assert_true(c[0].id != c[1].id && c[1].id != c[2].id && c[0].id != c[2].id);
  /* the device finishes the second, then the third, then the first */
  dev_push(f, c[1].id, 5, c[1].count);
  get_used_expect(f, 101, 5);
  /* the freed id comes back for the next buffer */
  assert_int_equal(add_in(f, 103, 16), MODEL_OK);
  struct pchain d;
  assert_true(dev_pop(f, &d));
  assert_int_equal(d.id, c[1].id);
  dev_push(f, c[2].id, 6, c[2].count);
  dev_push(f, c[0].id, 7, c[0].count);
  dev_push(f, d.id, 8, d.count);
  get_used_expect(f, 102, 6);
  get_used_expect(f, 100, 7);
  get_used_expect(f, 103, 8);
  expect_empty(f);
  assert_int_equal(drv_vq_free_count(&f->vq), 8);
  assert_int_equal(drv_vq_outstanding(&f->vq), 0);
}

static void test_2_8_19_indirect_table(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, M(VIRTIO_F_INDIRECT_DESC));
  struct drv_sg sg[3] = {{.addr = BUF_BASE, .len = 12},
                         {.addr = BUF_BASE + 64u, .len = 100, .device_writable = true},
                         {.addr = BUF_BASE + 256u, .len = 50, .device_writable = true}};
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 2, 5, true), MODEL_OK);
  assert_int_equal(drv_vq_free_count(&f->vq), 3);
  assert_int_equal(f->vq.stats.indirect, 1);
  struct pchain c;
  assert_true(dev_pop(f, &c));
  assert_int_equal(c.count, 1);
  assert_int_equal(c.flags0, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_AVAIL);
  assert_int_equal(c.len0, 3u * MODEL_PACKED_DESC_SIZE);
  assert_int_equal(c.addr0 % MODEL_PACKED_DESC_ALIGN, 0);
  /* 2.8.19#2: only WRITE in the table, entries in order */
  static const uint16_t want[3] = {0, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_WRITE};
  for (unsigned k = 0; k < 3; k++) {
    uint64_t e = c.addr0 + model_packed_desc_off(k);
    assert_int_equal(rd16(f, e + MODEL_PACKED_DESC_OFF_FLAGS), want[k]);
    assert_int_equal(rd64(f, e + MODEL_PACKED_DESC_OFF_ADDR), sg[k].addr);
    assert_int_equal(rd32(f, e + MODEL_PACKED_DESC_OFF_LEN), sg[k].len);
  }
  dev_push(f, c.id, 150, 1);
  get_used_expect(f, 5, 150);
  assert_int_equal(drv_vq_free_count(&f->vq), 4);
  /* 2.8.19#1: without the feature the same request goes direct */
  drv_vq_fini(&f->vq);
  vq_make(f, 4, 0);
  f->dev_avail = model_packed_pos_start();
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 2, 6, true), MODEL_OK);
  assert_true(dev_pop(f, &c));
  assert_int_equal(c.count, 3);
  assert_int_equal(c.flags0 & VIRTQ_DESC_F_INDIRECT, 0);
}

/* The counts of vq.h's stats and the bus counters move once per event:
 * each ring format does this bookkeeping itself (vq_impl.h), so a packed
 * queue is checked here as vq_test.c checks a split one. */
static void test_packed_stats_count_each_event_once(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  bool notified = true;
  dev_event_write(f, RING_EVENT_FLAGS_DISABLE, model_packed_pos_start());
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified);
  /* nothing new to publish: no kick */
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  dev_event_write(f, RING_EVENT_FLAGS_ENABLE, model_packed_pos_start());
  assert_int_equal(add_in(f, 3, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_true(notified);
  struct pchain c;
  for (uint64_t token = 1; token <= 3; token++) {
    assert_true(dev_pop(f, &c));
    dev_push(f, c.id, 8, c.count);
    get_used_expect(f, token, 8);
  }
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_ERR_RING_EMPTY);
  assert_int_equal(f->vq.stats.added, 3);
  assert_int_equal(f->vq.stats.kicks, 2);
  assert_int_equal(f->vq.stats.suppressed, 1);
  assert_int_equal(f->vq.stats.notified, 1);
  assert_int_equal(f->notifies, 1);
  assert_int_equal(f->vq.stats.used, 3);
  assert_int_equal(f->bus.counters[SIM_CTR_BUFFERS_ADDED], 3);
  assert_int_equal(f->bus.counters[SIM_CTR_NOTIFY_SUPPRESSED], 1);
}

static void test_2_8_10_device_event_flags(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  bool notified = true;
  /* DISABLE: skipped */
  dev_event_write(f, RING_EVENT_FLAGS_DISABLE, model_packed_pos_start());
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified);
  assert_int_equal(f->vq.stats.suppressed, 1);
  /* ENABLE: notified */
  dev_event_write(f, RING_EVENT_FLAGS_ENABLE, model_packed_pos_start());
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_true(notified);
  /* DESC without EVENT_IDX means nothing: notified */
  dev_event_write(f, RING_EVENT_FLAGS_DESC, (struct model_packed_pos){.idx = 7, .wrap = true});
  assert_int_equal(add_in(f, 3, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_true(notified);
  assert_int_equal(f->notifies, 2);
  /* nothing added: no kick at all */
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified);
}

static void test_2_8_10_device_event_desc(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, M(VIRTIO_F_EVENT_IDX));
  bool notified = true;
  /* the device wants to hear when slot 2 of lap 1 becomes available */
  dev_event_write(f, RING_EVENT_FLAGS_DESC, (struct model_packed_pos){.idx = 2, .wrap = true});
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified); /* slots 0, 1 */
  assert_int_equal(add_in(f, 3, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_true(notified); /* slot 2 */
  assert_int_equal(dev_use_all(f, 1), 3);
  for (uint64_t t = 1; t <= 3; t++)
    get_used_expect(f, t, 1);
  /* an event across the end: slot 0 of lap 0 */
  dev_event_write(f, RING_EVENT_FLAGS_DESC, (struct model_packed_pos){.idx = 0, .wrap = false});
  assert_int_equal(add_in(f, 4, 16), MODEL_OK); /* slot 3, lap 1 */
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified);
  assert_int_equal(add_in(f, 5, 16), MODEL_OK); /* slot 0, lap 0 */
  assert_int_equal(add_in(f, 6, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_true(notified);
  /* the same slot in the wrong lap is not crossed */
  dev_event_write(f, RING_EVENT_FLAGS_DESC, (struct model_packed_pos){.idx = 2, .wrap = true});
  assert_int_equal(dev_use_all(f, 1), 3);
  for (uint64_t t = 4; t <= 6; t++)
    get_used_expect(f, t, 1);
  assert_int_equal(add_in(f, 7, 16), MODEL_OK); /* slot 2, lap 0 */
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified);
  /* an offset outside the ring: notified */
  dev_event_write(f, RING_EVENT_FLAGS_DESC, (struct model_packed_pos){.idx = 9, .wrap = false});
  assert_int_equal(add_in(f, 8, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_true(notified);
  assert_int_equal(f->notifies, 3);
}

static void test_2_8_10_driver_event_suppression(void **state) {
  struct fixture *f = *state;
  bool pending = true;
  /* without EVENT_IDX: ENABLE and DISABLE */
  vq_make(f, 4, 0);
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  assert_int_equal(drv_event_flags(f), RING_EVENT_FLAGS_DISABLE);
  assert_int_equal(drv_vq_enable_cb(&f->vq, &pending), MODEL_OK);
  assert_false(pending);
  assert_int_equal(drv_event_flags(f), RING_EVENT_FLAGS_ENABLE);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  assert_int_equal(dev_use_all(f, 2), 1);
  /* used while disabled: enable reports it */
  assert_int_equal(drv_vq_enable_cb(&f->vq, &pending), MODEL_OK);
  assert_true(pending);
  get_used_expect(f, 1, 2);
  drv_vq_fini(&f->vq);

  /* with EVENT_IDX: DESC naming the next used position */
  vq_make(f, 3, M(VIRTIO_F_EVENT_IDX));
  f->dev_avail = f->dev_used = model_packed_pos_start();
  assert_int_equal(drv_event_flags(f), RING_EVENT_FLAGS_DESC);
  assert_int_equal(drv_event_pos(f).idx, 0);
  assert_true(drv_event_pos(f).wrap);
  for (uint64_t t = 0; t < 3; t++)
    assert_int_equal(add_in(f, t, 16), MODEL_OK);
  assert_int_equal(dev_use_all(f, 2), 3);
  get_used_expect(f, 0, 2);
  assert_int_equal(drv_event_pos(f).idx, 1);
  get_used_expect(f, 1, 2);
  get_used_expect(f, 2, 2);
  assert_int_equal(drv_event_pos(f).idx, 0);
  assert_false(drv_event_pos(f).wrap);
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  assert_int_equal(drv_event_flags(f), RING_EVENT_FLAGS_DISABLE);
  assert_int_equal(drv_vq_enable_cb(&f->vq, &pending), MODEL_OK);
  assert_int_equal(drv_event_flags(f), RING_EVENT_FLAGS_DESC);
  assert_false(pending);
}

static void test_2_8_1_used_flags_with_wrong_avail_bit_break_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, 0);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  /* accepting twin: a proper used descriptor */
  struct pchain c;
  assert_true(dev_pop(f, &c));
  dev_push(f, c.id, 16, 1);
  get_used_expect(f, 1, 16);
  /* USED set for lap 1 but AVAIL cleared */
  wr16(f, desc_at(f, 1) + MODEL_PACKED_DESC_OFF_FLAGS, VIRTQ_DESC_F_USED);
  bool has = false;
  assert_int_equal(drv_vq_has_used(&f->vq, &has), MODEL_OK);
  assert_true(has);
  expect_broken(f, MODEL_ERR_RING_DESC_FLAGS);
  assert_string_equal(f->vq.violation.clause, "2.8.1");
}

static void test_2_8_22_unknown_used_id_breaks_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, 0);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  struct pchain c;
  assert_true(dev_pop(f, &c));
  dev_push(f, c.id, 16, 1);
  get_used_expect(f, 1, 16);
  /* the same id again: no longer outstanding */
  dev_push(f, c.id, 16, 1);
  expect_broken(f, MODEL_ERR_RING_USED_ID);
  assert_int_equal(f->vq.violation.value, c.id);
}

static void test_2_8_22_used_id_out_of_range_breaks_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, 0);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  dev_push(f, 4, 0, 1);
  expect_broken(f, MODEL_ERR_RING_USED_ID);
  assert_int_equal(f->vq.violation.value, 4);
}

static void test_2_8_15_used_len_beyond_writable_breaks_queue(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, 0);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  struct pchain c;
  assert_true(dev_pop(f, &c));
  dev_push(f, c.id, 16, 1); /* twin: exactly the writable bytes */
  get_used_expect(f, 1, 16);
  assert_true(dev_pop(f, &c));
  dev_push(f, c.id, 17, 1);
  expect_broken(f, MODEL_ERR_RING_USED_LEN);
  assert_int_equal(f->vq.violation.value, 17);
  assert_int_equal(f->vq.violation.limit, 16);
}

static void test_2_8_8_in_order_batch(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, M(VIRTIO_F_IN_ORDER) | M(VIRTIO_F_EVENT_IDX));
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_chain(f, 2, 2, false), MODEL_OK); /* 16 writable bytes */
  assert_int_equal(add_in(f, 3, 30), MODEL_OK);
  assert_int_equal(add_in(f, 4, 40), MODEL_OK);
  struct pchain c[4];
  for (int k = 0; k < 4; k++)
    assert_true(dev_pop(f, &c[k]));
  /* one used descriptor at slot 0 for the first three, the third's id */
  dev_push(f, c[2].id, 7, (uint16_t)(c[0].count + c[1].count + c[2].count));
  get_used_expect(f, 1, 16);
  /* the event names the position after the batch, not inside it */
  assert_int_equal(drv_event_pos(f).idx, 4);
  bool has = false;
  assert_int_equal(drv_vq_has_used(&f->vq, &has), MODEL_OK);
  assert_true(has);
  get_used_expect(f, 2, 16);
  get_used_expect(f, 3, 7);
  assert_int_equal(f->vq.used_pos.idx, 4);
  expect_empty(f);
  /* then one alone */
  dev_push(f, c[3].id, 9, c[3].count);
  get_used_expect(f, 4, 9);
  assert_int_equal(drv_vq_free_count(&f->vq), 8);
  assert_int_equal(drv_event_pos(f).idx, 5);
  /* a batch's last len is checked too */
  assert_int_equal(add_in(f, 5, 16), MODEL_OK);
  assert_int_equal(add_in(f, 6, 16), MODEL_OK);
  assert_true(dev_pop(f, &c[0]));
  assert_true(dev_pop(f, &c[1]));
  dev_push(f, c[1].id, 17, 2);
  expect_broken(f, MODEL_ERR_RING_USED_LEN);
}

static void test_3_3_1_2_detach_unused_after_reset(void **state) {
  struct fixture *f = *state;
  vq_make(f, 5, M(VIRTIO_F_INDIRECT_DESC));
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_chain(f, 2, 3, true), MODEL_OK);
  assert_int_equal(add_chain(f, 3, 2, false), MODEL_OK);
  uint64_t seen = 0;
  for (int k = 0; k < 3; k++) {
    uint64_t token = 0;
    assert_int_equal(drv_vq_detach_unused(&f->vq, &token), MODEL_OK);
    seen |= 1u << token;
  }
  assert_int_equal(seen, 0xe);
  uint64_t token = 0;
  assert_int_equal(drv_vq_detach_unused(&f->vq, &token), MODEL_ERR_RING_EMPTY);
  assert_int_equal(drv_vq_outstanding(&f->vq), 0);
  assert_int_equal(f->vq.stats.detached, 3);
}

static void test_vq_packed_test_set_idx(void **state) {
  struct fixture *f = *state;
  vq_make(f, 3, 0);
  /* four descriptors gone through: slot 1 of lap 0 */
  assert_int_equal(drv_vq_test_set_idx(&f->vq, 4), MODEL_OK);
  f->dev_avail = f->dev_used = (struct model_packed_pos){.idx = 1, .wrap = false};
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(flags_at(f, 1), VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_USED);
  assert_int_equal(dev_use_all(f, 3), 1);
  get_used_expect(f, 1, 3);
}

static void test_2_8_8_in_order_batch_across_the_end(void **state) {
  struct fixture *f = *state;
  vq_make(f, 3, M(VIRTIO_F_IN_ORDER));
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  assert_int_equal(dev_use_all(f, 16), 2);
  get_used_expect(f, 1, 16);
  get_used_expect(f, 2, 16);
  /* slot 2 of lap 1, then slots 0 and 1 of lap 0 */
  struct pchain c[3];
  for (uint64_t t = 3; t < 6; t++)
    assert_int_equal(add_in(f, t, 20), MODEL_OK);
  for (int k = 0; k < 3; k++)
    assert_true(dev_pop(f, &c[k]));
  dev_push(f, c[2].id, 11, 3);
  get_used_expect(f, 3, 20);
  get_used_expect(f, 4, 20);
  get_used_expect(f, 5, 11);
  expect_empty(f);
  assert_int_equal(f->vq.used_pos.idx, 2);
  assert_false(f->vq.used_pos.wrap);
  assert_int_equal(drv_vq_free_count(&f->vq), 3);
}

static void test_vq_packed_publishes_a_ring_of_unkicked_buffers(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, 0);
  /* the descriptor-event test sees at most 2 * num slots: after num
   * descriptors without a kick the driver kicks by itself */
  for (uint64_t t = 0; t < 3; t++)
    assert_int_equal(add_in(f, t, 16), MODEL_OK);
  assert_int_equal(f->notifies, 0);
  assert_int_equal(add_in(f, 3, 16), MODEL_OK);
  assert_int_equal(f->notifies, 1);
  assert_int_equal(f->vq.descs_since_kick, 0);
}

/* ---- a failing guest-memory access -------------------------------------- */

typedef void (*vq_step)(struct fixture *f);

/* A fresh packed queue of f->size, f->features and f->misbehave, with the
 * allocator holding nothing else and the device at the start. */
static void vq_fresh(struct fixture *f) {
  drv_vq_fini(&f->vq);
  drv_alloc_reset(&f->alloc);
  f->notifies = 0;
  f->dev_avail = model_packed_pos_start();
  f->dev_used = model_packed_pos_start();
  assert_int_equal(
      drv_vq_init_ex(&f->vq, &f->bus, &f->alloc, 0, f->size, f->features | PACKED, f->misbehave),
      MODEL_OK);
  drv_vq_set_notify(&f->vq, count_notify, f);
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
 * chain-too-long and descriptor-loop to cut it into one-byte pieces). */
static model_err add_three(struct fixture *f, uint64_t token, bool indirect) {
  struct drv_sg sg[3] = {{.addr = BUF_BASE, .len = 16},
                         {.addr = BUF_BASE + 64u, .len = 16, .device_writable = true},
                         {.addr = BUF_BASE + 128u, .len = 64, .device_writable = true}};
  return drv_vq_add(&f->vq, sg, 1, 2, token, indirect);
}

/* An add that failed left nothing behind: no descriptor, no table, no id
 * taken. With check_slot, the device cannot see it either: the slot it
 * would start at is not available. A fault after one of the list's later
 * descriptors became available does not fail the add: those descriptors
 * may not change (2.8.16#2), so the failed write is tried again. */
static void add_op(struct fixture *f, bool indirect, bool check_slot) {
  uint32_t free_before = drv_vq_free_count(&f->vq);
  uint32_t out_before = drv_vq_outstanding(&f->vq);
  struct model_packed_pos pos_before = f->vq.avail_pos;
  uint64_t bytes_before = f->alloc.bytes_used;
  uint64_t added_before = f->vq.stats.added;
  uint64_t retries_before = f->vq.stats.write_retries;
  unsigned notifies_before = f->notifies;
  model_err err = add_three(f, 77, indirect);
  if (!fake_mem_fired(&f->faults)) {
    assert_int_equal(err, MODEL_OK);
    return;
  }
  if (err == MODEL_OK) {
    /* either the fault hit the read of the publish that follows a full
     * ring's worth of descriptors: it notified (2.8.10: spurious, not
     * missing); or it hit a write inside an exposed list, tried again */
    bool retried = f->vq.stats.write_retries == retries_before + 1u;
    assert_true(retried || f->notifies == notifies_before + 1u);
    assert_int_equal(drv_vq_outstanding(&f->vq), out_before + 1u);
    assert_false(drv_vq_is_broken(&f->vq));
    return;
  }
  assert_int_equal(err, MODEL_ERR_MEM_FAULT);
  assert_int_equal(drv_vq_free_count(&f->vq), free_before);
  assert_int_equal(drv_vq_outstanding(&f->vq), out_before);
  assert_int_equal(f->vq.avail_pos.idx, pos_before.idx);
  assert_int_equal(f->vq.avail_pos.wrap, pos_before.wrap);
  assert_int_equal(f->alloc.bytes_used, bytes_before);
  assert_int_equal(f->vq.stats.added, added_before);
  if (check_slot)
    assert_false(model_packed_is_avail(flags_at(f, pos_before.idx), pos_before.wrap));
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
static void prep_seven_added(struct fixture *f) {
  for (uint64_t t = 0; t < 7; t++)
    assert_int_equal(add_in(f, t, 8), MODEL_OK);
}

static void test_2_8_21_1_failed_add_leaves_nothing_behind(void **state) {
  struct fixture *f = *state;
  f->size = 8;
  f->features = M(VIRTIO_F_INDIRECT_DESC);
  /* addr, len, id, flags per descriptor (2.8.21.1.1#1) */
  assert_int_equal(each_access_failing(f, prep_nothing, op_add_direct), 3u * 4u);
  /* the table, then the ring descriptor naming it */
  assert_int_equal(each_access_failing(f, prep_nothing, op_add_indirect), 3u * 4u + 4u);
  static const unsigned shapes[] = {
      DRV_MISBEHAVE_NESTED_INDIRECT, DRV_MISBEHAVE_CHAIN_TOO_LONG, DRV_MISBEHAVE_INDIRECT_WITH_NEXT,
      DRV_MISBEHAVE_PUBLISH_IDX_BEFORE_DESCRIPTOR, DRV_MISBEHAVE_CHANGE_EXPOSED_DESCRIPTOR};
  for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
    f->misbehave = drv_misbehave_one(shapes[i]);
    uint64_t n = each_access_failing(f, prep_nothing, op_add_misbehaving);
    assert_true(n >= 3u * 3u);
  }
  f->features = 0;
  static const unsigned direct_shapes[] = {
      DRV_MISBEHAVE_INDIRECT_UNNEGOTIATED, DRV_MISBEHAVE_DESCRIPTOR_LOOP,
      DRV_MISBEHAVE_PUBLISH_IDX_BEFORE_DESCRIPTOR, DRV_MISBEHAVE_CHANGE_EXPOSED_DESCRIPTOR};
  for (size_t i = 0; i < sizeof(direct_shapes) / sizeof(direct_shapes[0]); i++) {
    f->misbehave = drv_misbehave_one(direct_shapes[i]);
    uint64_t n = each_access_failing(f, prep_nothing, op_add_misbehaving);
    assert_true(n >= 3u * 3u);
  }
  /* list-does-not-fit: one descriptor left, the list goes out short; the
   * ring's worth of descriptors is then published (the device's flags read) */
  f->misbehave = drv_misbehave_one(DRV_MISBEHAVE_LIST_DOES_NOT_FIT);
  assert_int_equal(each_access_failing(f, prep_seven_added, op_add_direct), 4u + 1u);
  /* reuse-inflight-head rewrites the list added before, in place */
  f->misbehave = drv_misbehave_one(DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD);
  assert_int_equal(each_access_failing(f, prep_one_added, op_add_direct), 3u * 4u);
}

/* A write that keeps failing after a list's later descriptors became
 * available: they stay as they are (2.8.16#2), the list's first descriptor
 * never becomes available, and the queue is given up until a reset. */
static void test_2_8_16_2_exposed_list_that_cannot_finish_breaks_the_queue(void **state) {
  struct fixture *f = *state;
  f->size = 8;
  f->features = 0;
  vq_fresh(f);
  /* 4 accesses per descriptor (addr, len, id, flags): the second
   * descriptor's flags are access 7; fail every access from the third
   * descriptor's addr on */
  sim_fault_plan_init(&f->faults, 1);
  struct sim_fault_rule rule = {.kind = SIM_FAULT_MEM_FAIL,
                                .actor = SIM_ACTOR_DRIVER,
                                .access = SIM_FAULT_ACCESS_WRITE,
                                .skip_count = 8,
                                .fire_count = 1000,
                                .prob_ppm = SIM_PPM_ONE};
  assert_int_equal(sim_fault_plan_add(&f->faults, &rule), MODEL_OK);
  f->bus.faults = &f->faults;
  struct model_packed_pos first = f->vq.avail_pos;
  assert_int_equal(add_three(f, 77, false), MODEL_ERR_MEM_FAULT);
  fake_mem_fail_clear(&f->bus);
  assert_true(drv_vq_is_broken(&f->vq));
  assert_string_equal(f->vq.violation.clause, "2.8.16#2");
  assert_int_equal(f->vq.stats.write_retries, 7u);
  assert_int_equal(drv_vq_outstanding(&f->vq), 0);
  assert_false(model_packed_is_avail(flags_at(f, first.idx), first.wrap));
  struct model_packed_pos second = model_packed_pos_advance(first, 1, f->vq.size);
  assert_true(model_packed_is_avail(flags_at(f, second.idx), second.wrap));
}

/* change-exposed-descriptor: the held list's len and first flags are the
 * next add's first writes; either failing fails that add. */
static void prep_held(struct fixture *f) {
  assert_int_equal(add_three(f, 1, false), MODEL_OK);
  assert_true(f->vq.held);
}
static void op_add_after_held(struct fixture *f) {
  model_err err = add_in(f, 2, 8);
  if (fake_mem_fired(&f->faults) && err != MODEL_OK) {
    assert_int_equal(err, MODEL_ERR_MEM_FAULT);
    assert_int_equal(drv_vq_outstanding(&f->vq), 1);
    return;
  }
  assert_int_equal(err, MODEL_OK);
  assert_false(f->vq.held);
}

static void test_2_8_16_2_failed_release_of_a_held_list(void **state) {
  struct fixture *f = *state;
  f->size = 8;
  f->features = 0;
  f->misbehave = drv_misbehave_one(DRV_MISBEHAVE_CHANGE_EXPOSED_DESCRIPTOR);
  /* the held len, the held flags, then the new descriptor */
  assert_int_equal(each_access_failing(f, prep_held, op_add_after_held), 2u + 4u);
}

static void prep_two_one_used(struct fixture *f) {
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  struct pchain c;
  assert_true(dev_pop(f, &c));
  dev_push(f, c.id, 8, c.count);
}

/* A get_used whose read fails takes nothing: the same buffer comes back
 * once the bus works again. A failed event write does not undo the take. */
static void op_get_used(struct fixture *f) {
  uint16_t used_slot = f->vq.used_pos.idx;
  uint64_t token = 0;
  uint32_t len = 0;
  model_err err = drv_vq_get_used(&f->vq, &token, &len);
  if (err == MODEL_ERR_MEM_FAULT) {
    assert_true(fake_mem_fired(&f->faults));
    assert_int_equal(f->vq.used_pos.idx, used_slot);
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
  struct pchain c;
  assert_true(dev_pop(f, &c));
  assert_true(dev_pop(f, &c));
  dev_push(f, c.id, 8, 2); /* one used descriptor for both */
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
  assert_int_equal(len, 16); /* 2.8.8: used in full */
  get_used_expect(f, 2, 8);
}

static void op_has_used(struct fixture *f) {
  bool has = false;
  model_err err = drv_vq_has_used(&f->vq, &has);
  assert_int_equal(err, fake_mem_fired(&f->faults) ? MODEL_ERR_MEM_FAULT : MODEL_OK);
  assert_int_equal(has, err == MODEL_OK);
}

static void test_2_8_22_failed_read_loses_no_used_buffer(void **state) {
  struct fixture *f = *state;
  f->size = 8;
  f->features = M(VIRTIO_F_EVENT_IDX);
  /* flags, id, len, then the driver's event position */
  assert_int_equal(each_access_failing(f, prep_two_one_used, op_get_used), 4);
  f->features = 0;
  assert_int_equal(each_access_failing(f, prep_two_one_used, op_get_used), 3);
  assert_int_equal(each_access_failing(f, prep_two_one_used, op_has_used), 1);
  f->features = M(VIRTIO_F_IN_ORDER) | M(VIRTIO_F_EVENT_IDX);
  assert_int_equal(each_access_failing(f, prep_in_order_batch, op_get_used_batch), 5);
}

static void prep_one_disabled(struct fixture *f) {
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  dev_event_write(f, RING_EVENT_FLAGS_DISABLE, model_packed_pos_start());
}
static void prep_one_desc_far(struct fixture *f) {
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  struct model_packed_pos far = {.idx = 5, .wrap = true};
  dev_event_write(f, RING_EVENT_FLAGS_DESC, far);
}

/* 2.8.10: device event fields that cannot be read leave the decision to
 * notify: a spurious notification is harmless, a missing one is not. */
static void op_kick(struct fixture *f) {
  bool notified = false;
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  bool fired = fake_mem_fired(&f->faults);
  assert_int_equal(notified, fired);
  assert_int_equal(f->notifies, fired ? 1u : 0u);
}

static void test_2_8_10_unreadable_device_event_notifies(void **state) {
  struct fixture *f = *state;
  f->size = 8;
  f->features = 0;
  assert_int_equal(each_access_failing(f, prep_one_disabled, op_kick), 1);
  f->features = M(VIRTIO_F_EVENT_IDX);
  assert_int_equal(each_access_failing(f, prep_one_desc_far, op_kick), 2);
}

static void op_disable_cb(struct fixture *f) {
  model_err err = drv_vq_disable_cb(&f->vq);
  assert_int_equal(err, fake_mem_fired(&f->faults) ? MODEL_ERR_MEM_FAULT : MODEL_OK);
  if (err == MODEL_OK)
    return;
  /* nothing was recorded as written: a second try writes it */
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  assert_int_equal(drv_event_flags(f), RING_EVENT_FLAGS_DISABLE);
}
static void prep_one_cb_disabled(struct fixture *f) {
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
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

static void test_2_8_10_failed_driver_event_write_is_reported(void **state) {
  struct fixture *f = *state;
  f->size = 8;
  f->features = 0;
  assert_int_equal(each_access_failing(f, prep_nothing, op_disable_cb), 1);
  /* ENABLE, then the re-check of the outstanding buffer */
  assert_int_equal(each_access_failing(f, prep_one_cb_disabled, op_enable_cb), 2);
  f->features = M(VIRTIO_F_EVENT_IDX);
  /* off_wrap, flags, then the re-check */
  assert_int_equal(each_access_failing(f, prep_one_cb_disabled, op_enable_cb), 3);
  assert_int_equal(each_access_failing(f, prep_nothing, op_set_idx), 1);
}

/* A queue whose set-up fails on a ring write gives every byte back. */
static void op_init(struct fixture *f) {
  drv_vq_fini(&f->vq);
  drv_alloc_reset(&f->alloc);
  model_err err = drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, f->size, f->features | PACKED);
  if (!fake_mem_fired(&f->faults)) {
    assert_int_equal(err, MODEL_OK);
    return;
  }
  assert_int_equal(err, MODEL_ERR_MEM_FAULT);
  assert_int_equal(f->alloc.bytes_used, 0);
  assert_null(f->vq.heads);
  assert_null(f->vq.slot_id);
}

static void test_2_8_11_failed_init_gives_everything_back(void **state) {
  struct fixture *f = *state;
  f->size = 8;
  f->features = 0;
  /* the descriptor ring, then both event areas, zeroed */
  assert_int_equal(each_access_failing(f, prep_nothing, op_init), 3);
  /* and with EVENT_IDX the driver's event position: off_wrap, flags */
  f->features = M(VIRTIO_F_EVENT_IDX);
  assert_int_equal(each_access_failing(f, prep_nothing, op_init), 5);
}

static void test_2_8_11_init_out_of_guest_memory_gives_everything_back(void **state) {
  struct fixture *f = *state;
  /* queue size 8: a 128-byte ring, then two 4-byte event areas; an
   * allocator short of each in turn */
  static const uint64_t sizes[] = {100, 130, 134};
  for (size_t i = 0; i < 3; i++) {
    drv_alloc_fini(&f->alloc);
    assert_int_equal(drv_alloc_init(&f->alloc, RAM_BASE, sizes[i], 16), MODEL_OK);
    assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, 8, PACKED), MODEL_ERR_NO_MEMORY);
    assert_int_equal(f->alloc.bytes_used, 0);
    assert_int_equal(f->alloc.block_count, 1);
  }
  /* twin: exactly enough */
  drv_alloc_fini(&f->alloc);
  assert_int_equal(drv_alloc_init(&f->alloc, RAM_BASE, 136, 16), MODEL_OK);
  assert_int_equal(drv_vq_init(&f->vq, &f->bus, &f->alloc, 0, 8, PACKED), MODEL_OK);
}

/* ---- arguments and state ----------------------------------------------- */

static void test_2_8_19_indirect_falls_back_without_table_memory(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, M(VIRTIO_F_INDIRECT_DESC));
  uint64_t hog = 0;
  assert_int_equal(drv_alloc_get(&f->alloc, drv_alloc_largest_free(&f->alloc), 1, &hog), MODEL_OK);
  assert_int_equal(add_three(f, 1, true), MODEL_OK);
  assert_int_equal(f->vq.stats.indirect_fallback, 1);
  assert_int_equal(drv_vq_free_count(&f->vq), 5);
  assert_int_equal(flags_at(f, 0) & VIRTQ_DESC_F_INDIRECT, 0);
  /* twin: with memory back, the next one is indirect */
  assert_int_equal(drv_alloc_put(&f->alloc, hog), MODEL_OK);
  assert_int_equal(add_three(f, 2, true), MODEL_OK);
  assert_int_equal(f->vq.stats.indirect, 1);
  assert_int_equal(drv_vq_free_count(&f->vq), 4);
}

static void test_2_8_19_indirect_falls_back_when_the_block_table_is_full(void **state) {
  struct fixture *f = *state;
  /* the three areas and the free tail fill a four-block table */
  drv_alloc_fini(&f->alloc);
  assert_int_equal(drv_alloc_init(&f->alloc, RAM_BASE, 4096, 4), MODEL_OK);
  vq_make(f, 8, M(VIRTIO_F_INDIRECT_DESC));
  assert_int_equal(f->alloc.block_count, 4);
  assert_int_equal(add_three(f, 1, true), MODEL_OK);
  assert_int_equal(f->vq.stats.indirect_fallback, 1);
  assert_int_equal(drv_vq_free_count(&f->vq), 5);
}

/* Without EVENT_IDX a DESC in the device's flags means nothing: notify. */
static void test_2_8_10_desc_without_event_idx_notifies(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  struct model_packed_pos far = {.idx = 5, .wrap = true};
  dev_event_write(f, RING_EVENT_FLAGS_DESC, far);
  assert_int_equal(add_in(f, 1, 16), MODEL_OK);
  bool notified = false;
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_true(notified);
  /* twin: DISABLE is believed */
  dev_event_write(f, RING_EVENT_FLAGS_DISABLE, far);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_false(notified);
}

/* IN_ORDER: a skipped buffer of exactly 2^32 writable bytes reports the
 * most a used len holds. */
static void test_2_8_8_skipped_buffer_of_2_to_the_32_bytes(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, M(VIRTIO_F_IN_ORDER));
  struct drv_sg sg[2] = {{.addr = BUF_BASE, .len = 0x80000000u, .device_writable = true},
                         {.addr = BUF_BASE, .len = 0x80000000u, .device_writable = true}};
  assert_int_equal(drv_vq_add(&f->vq, sg, 0, 2, 1, false), MODEL_OK);
  assert_int_equal(add_in(f, 2, 16), MODEL_OK);
  struct pchain c;
  assert_true(dev_pop(f, &c));
  assert_true(dev_pop(f, &c));
  dev_push(f, c.id, 5, 3);
  get_used_expect(f, 1, UINT32_MAX);
  get_used_expect(f, 2, 5);
}

static void test_2_8_10_enable_without_event_idx_writes_enable(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, 0);
  bool has = true;
  assert_int_equal(drv_vq_has_used(&f->vq, &has), MODEL_OK); /* nothing outstanding */
  assert_false(has);
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  assert_int_equal(drv_event_flags(f), RING_EVENT_FLAGS_DISABLE);
  /* with callbacks off, moving the indices leaves the event area alone */
  assert_int_equal(drv_vq_test_set_idx(&f->vq, 3), MODEL_OK);
  assert_int_equal(drv_event_flags(f), RING_EVENT_FLAGS_DISABLE);
  bool pending = true;
  assert_int_equal(drv_vq_enable_cb(&f->vq, &pending), MODEL_OK);
  assert_false(pending);
  assert_int_equal(drv_event_flags(f), RING_EVENT_FLAGS_ENABLE);
}

static model_err refuse_notify(void *ctx, uint16_t index, uint32_t value) {
  struct fixture *f = ctx;
  (void)index;
  (void)value;
  f->notifies++;
  return MODEL_ERR_QUEUE_NOT_READY;
}

/* Regression: the add that fills a ring's worth of descriptors publishes
 * the batch; when that notification was refused, drv_vq_add returned the
 * error with the buffer already on the ring, and a caller that believed it
 * would place the buffer a second time. The add succeeds now, and the
 * notification is owed to the next kick. */
static void test_vq_packed_add_succeeds_when_its_publish_cannot_notify(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, 0);
  drv_vq_set_notify(&f->vq, refuse_notify, f);
  for (uint64_t t = 0; t < 3; t++)
    assert_int_equal(add_in(f, t, 16), MODEL_OK);
  assert_int_equal(f->notifies, 0);
  assert_int_equal(add_in(f, 3, 16), MODEL_OK);
  assert_int_equal(f->notifies, 1); /* tried, refused */
  assert_int_equal(drv_vq_outstanding(&f->vq), 4);
  assert_int_equal(f->vq.stats.added, 4);
  assert_int_equal(f->vq.descs_since_kick, 0);
  /* the owed notification goes with the next kick, nothing new added */
  drv_vq_set_notify(&f->vq, count_notify, f);
  bool notified = false;
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_true(notified);
  assert_int_equal(f->notifies, 2);
  /* twin: the device takes all four, once each */
  assert_int_equal(dev_use_all(f, 0), 4);
  for (uint64_t t = 0; t < 4; t++)
    get_used_expect(f, t, 0);
  expect_empty(f);
}

/* With EVENT_IDX and callbacks off, moving the indices leaves the driver's
 * event area as it was (DISABLE); with callbacks on it names the new spot. */
static void test_vq_packed_test_set_idx_with_callbacks_off(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, M(VIRTIO_F_EVENT_IDX));
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  uint16_t off_wrap = rd16(f, f->vq.avail_addr + MODEL_PACKED_EVENT_OFF_DESC);
  assert_int_equal(drv_vq_test_set_idx(&f->vq, 11), MODEL_OK);
  assert_int_equal(drv_event_flags(f), RING_EVENT_FLAGS_DISABLE);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_PACKED_EVENT_OFF_DESC), off_wrap);
  /* twin: callbacks on, slot 3 of the second lap (wrap 0) */
  bool pending = true;
  assert_int_equal(drv_vq_enable_cb(&f->vq, &pending), MODEL_OK);
  assert_int_equal(drv_vq_test_set_idx(&f->vq, 11), MODEL_OK);
  assert_int_equal(drv_event_flags(f), RING_EVENT_FLAGS_DESC);
  assert_int_equal(drv_event_pos(f).idx, 3);
  assert_false(drv_event_pos(f).wrap);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_2_8_11_1_areas_aligned_and_zeroed),
      T(test_vq_packed_sizes),
      T(test_2_8_17_6_first_flags_written_last),
      T(test_2_8_1_wrap_counter_flips_at_last_slot),
      T(test_2_8_6_chain_straddles_the_end),
      T(test_2_8_17_2_chain_as_long_as_the_queue),
      T(test_2_8_21_buffer_ids_reused_out_of_order),
      T(test_2_8_19_indirect_table),
      T(test_packed_stats_count_each_event_once),
      T(test_2_8_10_device_event_flags),
      T(test_2_8_10_device_event_desc),
      T(test_2_8_10_driver_event_suppression),
      T(test_2_8_1_used_flags_with_wrong_avail_bit_break_queue),
      T(test_2_8_22_unknown_used_id_breaks_queue),
      T(test_2_8_22_used_id_out_of_range_breaks_queue),
      T(test_2_8_15_used_len_beyond_writable_breaks_queue),
      T(test_2_8_8_in_order_batch),
      T(test_2_8_8_in_order_batch_across_the_end),
      T(test_vq_packed_publishes_a_ring_of_unkicked_buffers),
      T(test_3_3_1_2_detach_unused_after_reset),
      T(test_vq_packed_test_set_idx),
      T(test_2_8_21_1_failed_add_leaves_nothing_behind),
      T(test_2_8_16_2_exposed_list_that_cannot_finish_breaks_the_queue),
      T(test_2_8_16_2_failed_release_of_a_held_list),
      T(test_2_8_22_failed_read_loses_no_used_buffer),
      T(test_2_8_10_unreadable_device_event_notifies),
      T(test_2_8_10_failed_driver_event_write_is_reported),
      T(test_2_8_11_failed_init_gives_everything_back),
      T(test_2_8_11_init_out_of_guest_memory_gives_everything_back),
      T(test_2_8_19_indirect_falls_back_without_table_memory),
      T(test_2_8_19_indirect_falls_back_when_the_block_table_is_full),
      T(test_2_8_10_desc_without_event_idx_notifies),
      T(test_2_8_8_skipped_buffer_of_2_to_the_32_bytes),
      T(test_2_8_10_enable_without_event_idx_writes_enable),
      T(test_vq_packed_test_set_idx_with_callbacks_off),
      T(test_vq_packed_add_succeeds_when_its_publish_cannot_notify),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
