/*
 * backend/tests/vq_packed_test.c: the device side of the packed virtqueue
 * (backend/vq_packed.c behind backend/vq.h), driven by a small packed
 * driver stand-in that writes the ring through the bus. Boundaries: the
 * wrap-counter flip at the last slot, queue sizes 1, 2, 3 and 32768, a list
 * straddling the ring's end, a list of queue-size length and one longer, id
 * reuse, a list that just fits in the descriptors the driver owns and one
 * that does not, indirect tables, all three event suppression modes (a
 * descriptor event across the wrap), in-order batches; each accepting case
 * has a rejecting twin that expects the violation code and clause.
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
#include "model/packed.h"

#define QMAX       32768u
#define PD_RING    0x10400000u /* up to 512 KiB of descriptors */
#define BUF(n)     (TD_BUF_BASE + (uint64_t)(n)*0x1000u)
#define TABLE(n)   (TD_INDIRECT_BASE + (uint64_t)(n)*0x100u)
#define W          VIRTQ_DESC_F_WRITE
#define R          0u
#define LAST_FLAGS 0xffffu /* pd_list: no flags override */

/* The driver stand-in's view of one packed ring. */
struct pd {
  uint64_t desc, drv, dev;
  uint16_t size;
  struct model_packed_pos pos; /* where the next list goes */
};

struct fx {
  struct sim_world world;
  struct dev_vq vq;
  struct pd p;
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
  assert_int_equal(dev_vq_init(&fx->vq, &fx->world.bus, 0, QMAX), MODEL_OK);
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

static uint64_t f_packed(void) {
  return model_feature_mask(VIRTIO_F_RING_PACKED);
}

/* Negotiated features (with RING_PACKED), QueueSize, areas, QueueReady. */
static void start(struct fx *fx, uint64_t features, uint16_t size) {
  struct sim_bus *bus = &fx->world.bus;
  features |= f_packed();
  memset(&fx->p, 0, sizeof(fx->p));
  fx->p.size = size;
  fx->p.desc = PD_RING;
  fx->p.drv = PD_RING + model_packed_ring_size(size);
  fx->p.dev = fx->p.drv + MODEL_PACKED_EVENT_SIZE;
  fx->p.pos = model_packed_pos_start();
  /* 2.8.13: the ring starts zeroed; so do both event structures. */
  static const uint8_t zero[4096];
  for (uint64_t off = 0; off < model_packed_ring_size(size) + 8u; off += sizeof(zero)) {
    uint64_t left = model_packed_ring_size(size) + 8u - off;
    td_write_bytes(bus, PD_RING + off, zero, left < sizeof(zero) ? (size_t)left : sizeof(zero));
  }
  dev_vq_reset(&fx->vq);
  dev_vq_set_features(&fx->vq, features);
  assert_int_equal(dev_vq_set_size(&fx->vq, size), MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DESC, false, (uint32_t)fx->p.desc),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DRIVER, false, (uint32_t)fx->p.drv),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DEVICE, false, (uint32_t)fx->p.dev),
                   MODEL_OK);
  assert_int_equal(dev_vq_enable(&fx->vq, features), MODEL_OK);
  assert_int_equal(fx->vq.format, DEV_VQ_FORMAT_PACKED);
}

static void pd_write_desc(struct fx *fx, uint16_t slot, uint64_t addr, uint32_t len, uint16_t id) {
  struct sim_bus *bus = &fx->world.bus;
  uint64_t d = fx->p.desc + model_packed_desc_off(slot);
  assert_int_equal(sim_bus_write_le64(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_ADDR, addr),
                   MODEL_OK);
  assert_int_equal(sim_bus_write_le32(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_LEN, len),
                   MODEL_OK);
  assert_int_equal(sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_ID, id),
                   MODEL_OK);
}

static void pd_write_flags(struct fx *fx, uint16_t slot, uint16_t flags) {
  assert_int_equal(
      sim_bus_write_le16(&fx->world.bus, SIM_ACTOR_DRIVER,
                         fx->p.desc + model_packed_desc_off(slot) + MODEL_PACKED_DESC_OFF_FLAGS,
                         flags),
      MODEL_OK);
}

/*
 * Make a list of n descriptors available at the driver's position, as
 * 2.8.21.1 says: each with AVAIL/USED for its lap, NEXT on all but the
 * last, id on the last (the others get id + 100, which the device must
 * ignore), the first one's flags written last. dir[k] is R or W (or
 * VIRTQ_DESC_F_INDIRECT); descriptor k points at BUF(buf + k), len bytes.
 */
static void pd_list(struct fx *fx, const uint16_t *dir, uint16_t n, uint16_t id, uint16_t buf,
                    uint32_t len) {
  uint16_t first_slot = fx->p.pos.idx;
  uint16_t first_flags = 0;
  for (uint16_t k = 0; k < n; k++) {
    uint16_t flags = (uint16_t)(dir[k] | model_packed_avail_bits(fx->p.pos.wrap));
    if (k + 1u < n)
      flags = (uint16_t)(flags | VIRTQ_DESC_F_NEXT);
    pd_write_desc(fx, fx->p.pos.idx, BUF(buf + k), len, k + 1u < n ? (uint16_t)(id + 100u) : id);
    if (k == 0)
      first_flags = flags;
    else
      pd_write_flags(fx, fx->p.pos.idx, flags);
    fx->p.pos = model_packed_pos_advance(fx->p.pos, 1, fx->p.size);
  }
  pd_write_flags(fx, first_slot, first_flags);
}

static void pd_one(struct fx *fx, uint16_t dir, uint16_t id, uint16_t buf, uint32_t len) {
  pd_list(fx, &dir, 1, id, buf, len);
}

static void pd_used(struct fx *fx, uint16_t slot, uint16_t *id, uint32_t *len, uint16_t *flags) {
  struct sim_bus *bus = &fx->world.bus;
  uint64_t d = fx->p.desc + model_packed_desc_off(slot);
  *id = td_read16(bus, d + MODEL_PACKED_DESC_OFF_ID);
  *len = td_read32(bus, d + MODEL_PACKED_DESC_OFF_LEN);
  *flags = td_read16(bus, d + MODEL_PACKED_DESC_OFF_FLAGS);
}

static void pd_set_driver_event(struct fx *fx, uint16_t flags, uint16_t off_wrap) {
  struct sim_bus *bus = &fx->world.bus;
  assert_int_equal(
      sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, fx->p.drv + MODEL_PACKED_EVENT_OFF_DESC, off_wrap),
      MODEL_OK);
  assert_int_equal(
      sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, fx->p.drv + MODEL_PACKED_EVENT_OFF_FLAGS, flags),
      MODEL_OK);
}

static void pop_ok(struct fx *fx, struct dev_chain *chain) {
  assert_int_equal(dev_vq_pop(&fx->vq, chain), MODEL_OK);
  assert_false(dev_vq_is_broken(&fx->vq));
}

static bool flush(struct fx *fx) {
  bool need = false;
  assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
  return need;
}

static void expect_violation(struct fx *fx, model_err err, const char *clause) {
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), err);
  assert_true(dev_vq_is_broken(&fx->vq));
  assert_int_equal(fx->violations, 1);
  assert_int_equal(fx->vq.violation.err, err);
  assert_string_equal(fx->vq.violation.clause, clause);
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_BROKEN);
  assert_int_equal(fx->violations, 1);
}

/* One single-descriptor writable buffer through the ring: made available,
 * popped, used with len bytes, flushed; checks the used descriptor. */
static void cycle_one(struct fx *fx, uint16_t id, uint32_t len) {
  struct model_packed_pos at = fx->p.pos;
  pd_one(fx, W, id, 0, 64);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.id, id);
  assert_int_equal(dev_vq_push(&fx->vq, id, len), MODEL_OK);
  (void)flush(fx);
  uint16_t uid = 0, flags = 0;
  uint32_t ulen = 0;
  pd_used(fx, at.idx, &uid, &ulen, &flags);
  assert_int_equal(uid, id);
  assert_int_equal(ulen, len);
  /* 2.8.1: both bits equal the device's wrap counter; 2.8.3: WRITE iff
   * something was written. */
  assert_true(model_packed_is_used(flags, at.wrap));
  assert_int_equal((flags & VIRTQ_DESC_F_WRITE) != 0, len > 0);
}

/* ---- basic operation ---- */

static void test_packed_pop_push_flush_one_list(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  static const uint16_t dir[] = {R, W};
  pd_list(fx, dir, 2, 9, 0, 100);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.id, 9); /* 2.8.6: from the last descriptor */
  assert_int_equal(chain.seg_count, 2);
  assert_int_equal(chain.readable_bytes, 100);
  assert_int_equal(chain.writable_bytes, 100);
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_EMPTY);
  assert_int_equal(dev_vq_push(&fx->vq, 9, 40), MODEL_OK);
  /* Nothing visible before the flush. */
  uint16_t id = 0, flags = 0;
  uint32_t len = 0;
  pd_used(fx, 0, &id, &len, &flags);
  assert_true(model_packed_is_avail(flags, true));
  assert_true(flush(fx)); /* ENABLE (zero) */
  pd_used(fx, 0, &id, &len, &flags);
  assert_int_equal(id, 9);
  assert_int_equal(len, 40);
  assert_int_equal(flags, VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED | VIRTQ_DESC_F_WRITE);
  /* the list's second descriptor is skipped: next used goes to slot 2 */
  assert_int_equal(fx->vq.used_pos.idx, 2);
  assert_false(flush(fx)); /* nothing pushed: nothing owed */
}

static void test_packed_used_without_write_has_no_write_flag(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  pd_one(fx, R, 3, 0, 10);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(dev_vq_push(&fx->vq, 3, 0), MODEL_OK);
  (void)flush(fx);
  uint16_t id = 0, flags = 0;
  uint32_t len = 0;
  pd_used(fx, 0, &id, &len, &flags);
  assert_int_equal(flags, VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED); /* 2.8.3 */
}

/* ---- wrap counters and sizes ---- */

static void test_packed_wrap_counter_flips_at_last_slot(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 3);
  for (uint16_t i = 0; i < 3; i++)
    cycle_one(fx, i, 8);
  assert_int_equal(fx->vq.avail_pos.idx, 0);
  assert_false(fx->vq.avail_pos.wrap);
  assert_false(fx->vq.used_pos.wrap);
  assert_int_equal(fx->world.bus.counters[SIM_CTR_RING_WRAPS], 1);
  /* The next lap: the driver's bits flipped, the used bits now both 0. */
  cycle_one(fx, 7, 8);
  uint16_t id = 0, flags = 0;
  uint32_t len = 0;
  pd_used(fx, 0, &id, &len, &flags);
  assert_int_equal(flags & (VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED), 0);
  /* A stale descriptor of the old lap is no new buffer. */
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_EMPTY);
}

static void run_size(struct fx *fx, uint16_t size, uint32_t buffers) {
  start(fx, 0, size);
  for (uint32_t i = 0; i < buffers; i++)
    cycle_one(fx, (uint16_t)(i % 1000u), (uint32_t)(i % 64u));
  assert_false(dev_vq_is_broken(&fx->vq));
  assert_int_equal(fx->world.bus.counters[SIM_CTR_RING_WRAPS], buffers / size);
}

static void test_packed_sizes_1_2_3_many_laps(void **state) {
  struct fx *fx = *state;
  run_size(fx, 1, 9);
  fx->world.bus.counters[SIM_CTR_RING_WRAPS] = 0;
  run_size(fx, 2, 11);
  fx->world.bus.counters[SIM_CTR_RING_WRAPS] = 0;
  run_size(fx, 3, 13);
}

static void test_packed_size_32768_wraps(void **state) {
  struct fx *fx = *state;
  run_size(fx, 32768, 32768u + 3u);
  assert_true(fx->vq.avail_pos.idx == 3 && !fx->vq.avail_pos.wrap);
}

static void test_packed_size_rules_follow_the_format(void **state) {
  struct fx *fx = *state;
  /* 2.8.10.1: any size with RING_PACKED; a split queue needs a power of 2. */
  dev_vq_reset(&fx->vq);
  assert_int_equal(dev_vq_set_size(&fx->vq, 3), MODEL_ERR_QUEUE_SIZE);
  dev_vq_set_features(&fx->vq, f_packed());
  assert_int_equal(dev_vq_set_size(&fx->vq, 3), MODEL_OK);
  assert_int_equal(dev_vq_set_size(&fx->vq, 0), MODEL_ERR_QUEUE_SIZE);
  assert_int_equal(dev_vq_set_size(&fx->vq, QMAX + 1u), MODEL_ERR_QUEUE_SIZE);
}

static void test_packed_misaligned_ring_refused(void **state) {
  struct fx *fx = *state;
  dev_vq_reset(&fx->vq);
  dev_vq_set_features(&fx->vq, f_packed());
  assert_int_equal(dev_vq_set_size(&fx->vq, 4), MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DESC, false, PD_RING + 8u), MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DRIVER, false, PD_RING + 0x100u),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DEVICE, false, PD_RING + 0x104u),
                   MODEL_OK);
  assert_int_equal(dev_vq_enable(&fx->vq, f_packed()), MODEL_ERR_QUEUE_LAYOUT);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DESC, false, PD_RING), MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DEVICE, false, PD_RING + 0x106u),
                   MODEL_OK);
  assert_int_equal(dev_vq_enable(&fx->vq, f_packed()), MODEL_ERR_QUEUE_LAYOUT);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DEVICE, false, PD_RING + 0x104u),
                   MODEL_OK);
  assert_int_equal(dev_vq_enable(&fx->vq, f_packed()), MODEL_OK);
}

/* ---- lists ---- */

static void test_packed_list_straddles_the_end(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  for (uint16_t i = 0; i < 3; i++)
    cycle_one(fx, i, 1);
  static const uint16_t dir[] = {R, W};
  pd_list(fx, dir, 2, 5, 0, 32); /* slot 3 (lap 1) and slot 0 (lap 0) */
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.id, 5);
  assert_int_equal(chain.seg_count, 2);
  assert_int_equal(chain.segs[1].addr, BUF(1));
  assert_int_equal(dev_vq_push(&fx->vq, 5, 32), MODEL_OK);
  (void)flush(fx);
  uint16_t id = 0, flags = 0;
  uint32_t len = 0;
  pd_used(fx, 3, &id, &len, &flags);
  assert_int_equal(id, 5);
  assert_true(model_packed_is_used(flags, true));
  assert_int_equal(fx->vq.used_pos.idx, 1);
  assert_false(fx->vq.used_pos.wrap);
  cycle_one(fx, 6, 2); /* slot 1, lap 0 */
}

static void test_packed_list_of_queue_size(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  static const uint16_t dir[] = {R, R, W, W};
  pd_list(fx, dir, 4, 77, 0, 16);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.id, 77);
  assert_int_equal(chain.seg_count, 4);
  assert_int_equal(fx->vq.avail_pos.idx, 0);
  assert_false(fx->vq.avail_pos.wrap);
  assert_int_equal(dev_vq_push(&fx->vq, 77, 32), MODEL_OK);
  (void)flush(fx);
  assert_int_equal(fx->vq.used_pos.idx, 0);
  assert_false(fx->vq.used_pos.wrap);
  cycle_one(fx, 78, 1);
}

static void test_2_8_17_2_list_longer_than_queue_size(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  static const uint16_t dir[] = {R, R, W, W};
  pd_list(fx, dir, 4, 77, 0, 16);
  /* The last descriptor says NEXT: the list would run into its own head. */
  pd_write_flags(fx, 3, (uint16_t)(W | VIRTQ_DESC_F_NEXT | model_packed_avail_bits(true)));
  expect_violation(fx, MODEL_ERR_RING_LOOP, "2.8.17#2");
}

static void test_packed_id_reuse_after_use(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  cycle_one(fx, 0xbeef, 4); /* any id: 2.8.13 sets no bound */
  cycle_one(fx, 0xbeef, 5);
  cycle_one(fx, 0xbeef, 6);
  assert_int_equal(fx->vq.used_count, 3);
}

static void test_packed_unpop_gives_the_list_back(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  static const uint16_t dir[] = {W, W, W};
  pd_list(fx, dir, 3, 1, 0, 8);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  dev_vq_unpop(&fx->vq, 1);
  assert_int_equal(fx->vq.avail_pos.idx, 0);
  assert_int_equal(fx->vq.outstanding_desc_count, 0);
  pop_ok(fx, &chain);
  assert_int_equal(chain.seg_count, 3);
  assert_int_equal(fx->vq.avail_pos.idx, 3);
}

/* ---- indirect ---- */

static uint64_t f_indirect(void) {
  return model_feature_mask(VIRTIO_F_INDIRECT_DESC);
}

/* An indirect table of n entries at TABLE(0), entry k with flags[k]. */
static void pd_table(struct fx *fx, const uint16_t *flags, uint16_t n) {
  struct sim_bus *bus = &fx->world.bus;
  for (uint16_t k = 0; k < n; k++) {
    uint64_t d = TABLE(0) + model_packed_desc_off(k);
    assert_int_equal(
        sim_bus_write_le64(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_ADDR, BUF(10 + k)),
        MODEL_OK);
    assert_int_equal(sim_bus_write_le32(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_LEN, 24),
                     MODEL_OK);
    assert_int_equal(sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_ID, 0),
                     MODEL_OK);
    assert_int_equal(
        sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_FLAGS, flags[k]),
        MODEL_OK);
  }
}

static void pd_indirect(struct fx *fx, uint32_t table_len, uint16_t id) {
  uint16_t dir = VIRTQ_DESC_F_INDIRECT;
  pd_write_desc(fx, fx->p.pos.idx, TABLE(0), table_len, id);
  pd_write_flags(fx, fx->p.pos.idx, (uint16_t)(dir | model_packed_avail_bits(fx->p.pos.wrap)));
  fx->p.pos = model_packed_pos_advance(fx->p.pos, 1, fx->p.size);
}

static void test_packed_indirect_table(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 4);
  static const uint16_t flags[] = {R, W, W};
  pd_table(fx, flags, 3);
  pd_indirect(fx, 3 * MODEL_PACKED_DESC_SIZE, 12);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.id, 12);
  assert_int_equal(chain.seg_count, 3);
  assert_int_equal(chain.readable_bytes, 24);
  assert_int_equal(chain.writable_bytes, 48);
  assert_int_equal(fx->vq.avail_pos.idx, 1); /* one ring descriptor */
  assert_int_equal(dev_vq_push(&fx->vq, 12, 48), MODEL_OK);
  (void)flush(fx);
  assert_int_equal(fx->vq.used_pos.idx, 1);
}

static void test_2_8_19_2_indirect_inside_indirect(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 4);
  static const uint16_t flags[] = {R, VIRTQ_DESC_F_INDIRECT};
  pd_table(fx, flags, 2);
  pd_indirect(fx, 2 * MODEL_PACKED_DESC_SIZE, 12);
  expect_violation(fx, MODEL_ERR_RING_INDIRECT_NESTED, "2.8.19#2");
}

static void test_2_8_19_2_next_inside_indirect(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 4);
  static const uint16_t flags[] = {VIRTQ_DESC_F_NEXT, W};
  pd_table(fx, flags, 2);
  pd_indirect(fx, 2 * MODEL_PACKED_DESC_SIZE, 12);
  expect_violation(fx, MODEL_ERR_RING_INDIRECT_FLAGS, "2.8.19#2");
}

static void test_2_8_7_indirect_len_not_multiple_of_16(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 4);
  static const uint16_t flags[] = {W};
  pd_table(fx, flags, 1);
  pd_indirect(fx, MODEL_PACKED_DESC_SIZE + 1u, 12);
  expect_violation(fx, MODEL_ERR_RING_INDIRECT_LEN, "2.8.7");
}

static void test_2_8_7_indirect_len_zero(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 4);
  pd_indirect(fx, 0, 12);
  expect_violation(fx, MODEL_ERR_RING_INDIRECT_LEN, "2.8.7");
}

static void test_2_8_19_3_indirect_table_longer_than_queue(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 4);
  static const uint16_t flags[] = {W, W, W, W, W};
  pd_table(fx, flags, 5);
  pd_indirect(fx, 4 * MODEL_PACKED_DESC_SIZE, 1); /* four: accepted */
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.seg_count, 4);
  pd_indirect(fx, 5 * MODEL_PACKED_DESC_SIZE, 2); /* five: not */
  expect_violation(fx, MODEL_ERR_RING_LOOP, "2.8.19#3");
}

static void test_2_8_19_1_indirect_not_negotiated(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  static const uint16_t flags[] = {W};
  pd_table(fx, flags, 1);
  pd_indirect(fx, MODEL_PACKED_DESC_SIZE, 12);
  expect_violation(fx, MODEL_ERR_RING_INDIRECT_UNNEGOTIATED, "2.8.19#1");
}

static void test_2_8_19_4_indirect_in_a_next_list(void **state) {
  struct fx *fx = *state;
  start(fx, f_indirect(), 4);
  static const uint16_t flags[] = {W};
  pd_table(fx, flags, 1);
  static const uint16_t dir[] = {R, VIRTQ_DESC_F_INDIRECT};
  pd_list(fx, dir, 2, 4, 0, 16);
  expect_violation(fx, MODEL_ERR_RING_INDIRECT_FLAGS, "2.8.19#4");
}

/* ---- hostile flags and lengths ---- */

static void test_2_8_1_head_marked_used_in_the_device_lap(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  pd_write_desc(fx, 0, BUF(0), 8, 1);
  pd_write_flags(fx, 0, model_packed_used_bits(true));
  expect_violation(fx, MODEL_ERR_RING_DESC_FLAGS, "2.8.1");
}

static void test_packed_zero_ring_is_empty(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_EMPTY);
  bool more = true;
  assert_int_equal(dev_vq_has_available(&fx->vq, &more), MODEL_OK);
  assert_false(more);
  /* both bits for the other lap: not available either */
  pd_write_flags(fx, 0, model_packed_avail_bits(false));
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_EMPTY);
  assert_false(dev_vq_is_broken(&fx->vq));
}

static void test_2_8_17_6_later_descriptor_not_available(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  static const uint16_t dir[] = {R, W};
  pd_list(fx, dir, 2, 4, 0, 16);
  pd_write_flags(fx, 1, (uint16_t)(W | model_packed_avail_bits(false))); /* wrong lap */
  expect_violation(fx, MODEL_ERR_RING_DESC_FLAGS, "2.8.17#6");
}

static void test_2_8_17_3_readable_after_writable(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  static const uint16_t dir[] = {W, R};
  pd_list(fx, dir, 2, 4, 0, 16);
  expect_violation(fx, MODEL_ERR_RING_WRITE_ORDER, "2.8.17#3");
}

static void test_2_8_16_1_more_out_than_the_ring(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 2);
  pd_one(fx, W, 1, 0, 8);
  pd_one(fx, W, 2, 1, 8);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  pop_ok(fx, &chain);
  /* Nothing used yet, but the driver overwrites slot 0 for the next lap. */
  pd_one(fx, W, 3, 2, 8);
  expect_violation(fx, MODEL_ERR_RING_LOOP, "2.8.16#1");
}

static void test_2_8_17_5_list_that_just_fits(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 3);
  pd_one(fx, W, 1, 0, 8);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  /* One descriptor out, a list of the two the driver still owns. */
  static const uint16_t dir[] = {R, W};
  pd_list(fx, dir, 2, 2, 1, 8);
  pop_ok(fx, &chain);
  assert_int_equal(chain.id, 2);
  assert_int_equal(fx->vq.outstanding_desc_count, 3);
}

static void test_2_8_17_5_list_one_longer_than_fits(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 3);
  pd_one(fx, W, 1, 0, 8);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  /* One descriptor out, a list of three: its last would be slot 0. */
  static const uint16_t dir[] = {R, W, W};
  pd_list(fx, dir, 3, 2, 1, 8);
  expect_violation(fx, MODEL_ERR_RING_LOOP, "2.8.17#5");
}

static void test_2_8_17_5_list_head_exposed_without_the_rest(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 3);
  static const uint16_t dir[] = {R, R};
  pd_list(fx, dir, 2, 1, 0, 8);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  /* Slot 2 made available with NEXT: the rest would need slot 0, still
   * the device's, which the driver leaves alone. */
  pd_write_desc(fx, 2, BUF(2), 8, 2);
  pd_write_flags(fx, 2, (uint16_t)(VIRTQ_DESC_F_NEXT | model_packed_avail_bits(true)));
  expect_violation(fx, MODEL_ERR_RING_LOOP, "2.8.17#5");
}

static void test_packed_unmapped_buffer(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  pd_write_desc(fx, 0, 0x1000, 8, 1); /* below guest RAM */
  pd_write_flags(fx, 0, (uint16_t)(W | model_packed_avail_bits(true)));
  expect_violation(fx, MODEL_ERR_MEM_UNMAPPED, "2.8.4");
}

/* ---- event suppression ---- */

static uint64_t f_evidx(void) {
  return model_feature_mask(VIRTIO_F_EVENT_IDX);
}

static void test_packed_driver_event_enable_disable(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  pd_set_driver_event(fx, RING_EVENT_FLAGS_DISABLE, 0);
  cycle_one(fx, 1, 1);
  bool need = true;
  /* cycle_one flushed; check the counters of that flush */
  assert_int_equal(fx->vq.irq_suppressed_count, 1);
  pd_set_driver_event(fx, RING_EVENT_FLAGS_ENABLE, 0);
  pd_one(fx, W, 2, 0, 8);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(dev_vq_push(&fx->vq, 2, 1), MODEL_OK);
  assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
  assert_true(need);
  /* DESC without EVENT_IDX is the driver's error: the device notifies. */
  pd_set_driver_event(
      fx, RING_EVENT_FLAGS_DESC,
      model_packed_event_encode((struct model_packed_pos){.idx = 3, .wrap = false}));
  pd_one(fx, W, 3, 0, 8);
  pop_ok(fx, &chain);
  assert_int_equal(dev_vq_push(&fx->vq, 3, 1), MODEL_OK);
  assert_true(flush(fx));
}

/* Use one list of n descriptors and report whether a notification is due. */
static bool use_list(struct fx *fx, uint16_t n, uint16_t id) {
  static const uint16_t dir[] = {W, W, W, W};
  pd_list(fx, dir, n, id, 0, 8);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(dev_vq_push(&fx->vq, id, 8), MODEL_OK);
  return flush(fx);
}

static void test_packed_descriptor_event_across_the_wrap(void **state) {
  struct fx *fx = *state;
  start(fx, f_evidx(), 4);
  struct model_packed_pos ev0 = {.idx = 0, .wrap = false};
  pd_set_driver_event(fx, RING_EVENT_FLAGS_DESC, model_packed_event_encode(ev0));
  assert_false(use_list(fx, 3, 1)); /* used 0..2 of lap 1: not it */
  /* A list at slots 3 (lap 1) and 0 (lap 0): the used position moves past
   * {0, lap 0}, the descriptor named. */
  assert_true(use_list(fx, 2, 2));
  /* Named position already passed: no more until the driver moves it. */
  assert_false(use_list(fx, 1, 3));
  /* The same offset with the other wrap is a different descriptor. */
  struct model_packed_pos ev1 = {.idx = 3, .wrap = true};
  pd_set_driver_event(fx, RING_EVENT_FLAGS_DESC, model_packed_event_encode(ev1));
  assert_false(use_list(fx, 2, 4)); /* slots 2, 3 of lap 0 */
  struct model_packed_pos ev2 = {.idx = 1, .wrap = true};
  pd_set_driver_event(fx, RING_EVENT_FLAGS_DESC, model_packed_event_encode(ev2));
  assert_true(use_list(fx, 2, 5)); /* slots 0, 1 of lap 1 */
}

static void test_packed_device_event_structure(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, 0, 4);
  /* Without EVENT_IDX nothing is written: the zeroed area says ENABLE. */
  assert_int_equal(dev_vq_driver_ok(&fx->vq), MODEL_OK);
  assert_int_equal(td_read16(bus, fx->p.dev + MODEL_PACKED_EVENT_OFF_FLAGS),
                   RING_EVENT_FLAGS_ENABLE);
  bool more = true;
  assert_int_equal(dev_vq_notify_enable(&fx->vq, false, &more), MODEL_OK);
  assert_int_equal(td_read16(bus, fx->p.dev + MODEL_PACKED_EVENT_OFF_FLAGS),
                   RING_EVENT_FLAGS_DISABLE);
  pd_one(fx, W, 1, 0, 8);
  assert_int_equal(dev_vq_notify_enable(&fx->vq, true, &more), MODEL_OK);
  assert_true(more); /* arrived while disabled: re-checked */
  assert_int_equal(td_read16(bus, fx->p.dev + MODEL_PACKED_EVENT_OFF_FLAGS),
                   RING_EVENT_FLAGS_ENABLE);
}

static void test_packed_device_event_desc_with_event_idx(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start(fx, f_evidx(), 3);
  /* Nothing written at QueueReady (4.2.2.1#7); at DRIVER_OK the ring's
   * first descriptor is named (the split ring's zeroed avail_event). */
  assert_int_equal(td_read16(bus, fx->p.dev + MODEL_PACKED_EVENT_OFF_FLAGS), 0);
  assert_int_equal(dev_vq_driver_ok(&fx->vq), MODEL_OK);
  assert_int_equal(td_read16(bus, fx->p.dev + MODEL_PACKED_EVENT_OFF_FLAGS), RING_EVENT_FLAGS_DESC);
  assert_int_equal(td_read16(bus, fx->p.dev + MODEL_PACKED_EVENT_OFF_DESC),
                   model_packed_event_encode(model_packed_pos_start()));
  for (uint16_t i = 0; i < 3; i++)
    cycle_one(fx, i, 1);
  bool more = true;
  assert_int_equal(dev_vq_notify_enable(&fx->vq, true, &more), MODEL_OK);
  assert_false(more);
  assert_int_equal(td_read16(bus, fx->p.dev + MODEL_PACKED_EVENT_OFF_FLAGS), RING_EVENT_FLAGS_DESC);
  /* the next position to be made available: slot 0 of lap 0 */
  struct model_packed_pos next = {.idx = 0, .wrap = false};
  assert_int_equal(td_read16(bus, fx->p.dev + MODEL_PACKED_EVENT_OFF_DESC),
                   model_packed_event_encode(next));
  assert_int_equal(dev_vq_notify_enable(&fx->vq, false, &more), MODEL_OK);
  assert_int_equal(td_read16(bus, fx->p.dev + MODEL_PACKED_EVENT_OFF_FLAGS),
                   RING_EVENT_FLAGS_DISABLE);
}

/* ---- in-order ---- */

static uint64_t f_in_order(void) {
  return model_feature_mask(VIRTIO_F_IN_ORDER);
}

static void test_2_8_8_in_order_batch_one_used_descriptor(void **state) {
  struct fx *fx = *state;
  start(fx, f_in_order(), 4);
  static const uint16_t two[] = {R, W};
  pd_one(fx, W, 10, 0, 8);
  pd_list(fx, two, 2, 11, 1, 8);
  pd_one(fx, W, 12, 3, 8);
  struct dev_chain c[3];
  for (int i = 0; i < 3; i++)
    pop_ok(fx, &c[i]);
  assert_int_equal(dev_vq_push(&fx->vq, 10, 8), MODEL_OK);
  assert_int_equal(dev_vq_push(&fx->vq, 11, 8), MODEL_OK);
  assert_int_equal(dev_vq_push(&fx->vq, 12, 5), MODEL_OK); /* last may be partial */
  (void)flush(fx);
  uint16_t id = 0, flags = 0;
  uint32_t len = 0;
  pd_used(fx, 0, &id, &len, &flags);
  assert_int_equal(id, 12);
  assert_int_equal(len, 5);
  assert_true(model_packed_is_used(flags, true));
  /* the other slots keep the driver's bits: skipped */
  pd_used(fx, 1, &id, &len, &flags);
  assert_true(model_packed_is_avail(flags, true));
  pd_used(fx, 3, &id, &len, &flags);
  assert_true(model_packed_is_avail(flags, true));
  assert_int_equal(fx->vq.used_pos.idx, 0);
  assert_false(fx->vq.used_pos.wrap);
  cycle_one(fx, 13, 8); /* next lap goes on at slot 0 */
}

static void test_2_8_8_in_order_partial_buffer_ends_a_batch(void **state) {
  struct fx *fx = *state;
  start(fx, f_in_order(), 4);
  pd_one(fx, W, 10, 0, 8);
  pd_one(fx, W, 11, 1, 8);
  pd_one(fx, W, 12, 2, 8);
  struct dev_chain c[3];
  for (int i = 0; i < 3; i++)
    pop_ok(fx, &c[i]);
  assert_int_equal(dev_vq_push(&fx->vq, 10, 8), MODEL_OK);
  assert_int_equal(dev_vq_push(&fx->vq, 11, 3), MODEL_OK); /* partial */
  assert_int_equal(dev_vq_push(&fx->vq, 12, 8), MODEL_OK);
  (void)flush(fx);
  uint16_t id = 0, flags = 0;
  uint32_t len = 0;
  pd_used(fx, 0, &id, &len, &flags); /* the run 10, 11 */
  assert_int_equal(id, 11);
  assert_int_equal(len, 3);
  assert_true(model_packed_is_used(flags, true));
  pd_used(fx, 1, &id, &len, &flags); /* skipped */
  assert_true(model_packed_is_avail(flags, true));
  pd_used(fx, 2, &id, &len, &flags); /* 12 alone */
  assert_int_equal(id, 12);
  assert_int_equal(len, 8);
  assert_true(model_packed_is_used(flags, true));
  assert_int_equal(fx->vq.used_pos.idx, 3);
}

static void test_packed_without_in_order_one_descriptor_each(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  pd_one(fx, W, 10, 0, 8);
  pd_one(fx, W, 11, 1, 8);
  struct dev_chain c[2];
  pop_ok(fx, &c[0]);
  pop_ok(fx, &c[1]);
  /* completed out of order: used descriptors in completion order */
  assert_int_equal(dev_vq_push(&fx->vq, 11, 8), MODEL_OK);
  assert_int_equal(dev_vq_push(&fx->vq, 10, 8), MODEL_OK);
  (void)flush(fx);
  uint16_t id = 0, flags = 0;
  uint32_t len = 0;
  pd_used(fx, 0, &id, &len, &flags);
  assert_int_equal(id, 11);
  pd_used(fx, 1, &id, &len, &flags);
  assert_int_equal(id, 10);
  assert_true(model_packed_is_used(flags, true));
}

static void test_packed_one_chain_held_while_others_cycle(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 2);
  pd_one(fx, W, 1000, 0, 8); /* held by the device throughout */
  struct dev_chain held;
  pop_ok(fx, &held);
  /* More cycles than the record ring holds (QMAX): the records of chains
   * completed behind the held one must not run it out. */
  for (uint32_t i = 0; i < QMAX + 100u; i++) {
    uint16_t id = (uint16_t)(i % 999u);
    pd_one(fx, W, id, 1, 8);
    struct dev_chain c;
    pop_ok(fx, &c);
    assert_int_equal(c.id, id);
    assert_int_equal(dev_vq_push(&fx->vq, id, 8), MODEL_OK);
    (void)flush(fx);
  }
  assert_int_equal(dev_vq_push(&fx->vq, 1000, 4), MODEL_OK);
  (void)flush(fx);
  uint16_t id = 0, flags = 0;
  uint32_t len = 0;
  struct model_packed_pos last = fx->vq.used_pos;
  last.idx = (uint16_t)(last.idx == 0 ? 1u : 0u);
  if (last.idx == 1)
    last.wrap = !last.wrap;
  pd_used(fx, last.idx, &id, &len, &flags);
  assert_int_equal(id, 1000);
  assert_int_equal(len, 4);
  assert_true(model_packed_is_used(flags, last.wrap));
  assert_false(dev_vq_is_broken(&fx->vq));
}

/* The device's writes into the descriptor ring, in order. */
struct ring_writes {
  uint64_t lo, hi;
  uint64_t addr[16];
  unsigned count;
};

static void watch_ring(void *ctx, const struct sim_bus_event *ev) {
  struct ring_writes *w = ctx;
  if (ev->kind != SIM_EV_MEM_WRITE || ev->actor != SIM_ACTOR_DEVICE || ev->addr < w->lo ||
      ev->addr >= w->hi || w->count >= 16u)
    return;
  w->addr[w->count++] = ev->addr;
}

static void test_packed_first_used_flags_written_last(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 4);
  pd_one(fx, W, 10, 0, 8);
  pd_one(fx, W, 11, 1, 8);
  struct dev_chain c;
  pop_ok(fx, &c);
  pop_ok(fx, &c);
  assert_int_equal(dev_vq_push(&fx->vq, 10, 8), MODEL_OK);
  assert_int_equal(dev_vq_push(&fx->vq, 11, 8), MODEL_OK);
  struct ring_writes w = {.lo = fx->p.desc, .hi = fx->p.desc + model_packed_ring_size(4)};
  assert_int_equal(sim_bus_add_observer(&fx->world.bus, watch_ring, &w), MODEL_OK);
  (void)flush(fx);
  /* id, len of the first; id, len, flags of the second; first's flags */
  assert_int_equal(w.count, 6);
  assert_int_equal(w.addr[4], fx->p.desc + 16u + MODEL_PACKED_DESC_OFF_FLAGS);
  assert_int_equal(w.addr[5], fx->p.desc + MODEL_PACKED_DESC_OFF_FLAGS);
}

static void test_packed_reset_restarts_both_counters(void **state) {
  struct fx *fx = *state;
  start(fx, 0, 3);
  for (uint16_t i = 0; i < 4; i++)
    cycle_one(fx, i, 1);
  dev_vq_reset(&fx->vq);
  assert_false(dev_vq_is_ready(&fx->vq));
  assert_int_equal(fx->vq.format, DEV_VQ_FORMAT_SPLIT);
  start(fx, 0, 3);
  assert_int_equal(fx->vq.avail_pos.idx, 0);
  assert_true(fx->vq.avail_pos.wrap);
  assert_true(fx->vq.used_pos.wrap);
  cycle_one(fx, 9, 1);
}

/* ---- misbehaviours (backend/misbehave.h) on the packed ring ---- */

/* The device's accesses to the descriptor ring, in order. */
struct ring_log {
  uint64_t lo, hi;
  enum sim_ev_kind kind[32];
  uint64_t addr[32];
  unsigned count;
};

static void log_ring(void *ctx, const struct sim_bus_event *ev) {
  struct ring_log *l = ctx;
  if ((ev->kind != SIM_EV_MEM_WRITE && ev->kind != SIM_EV_MEM_READ) ||
      ev->actor != SIM_ACTOR_DEVICE || ev->addr < l->lo || ev->addr >= l->hi || l->count >= 32u)
    return;
  l->kind[l->count] = ev->kind;
  l->addr[l->count++] = ev->addr;
}

/* From now on, log the device's accesses to the ring (l lives as long as
 * the test's world). */
static void log_start(struct fx *fx, struct ring_log *l) {
  *l = (struct ring_log){.lo = fx->p.desc, .hi = fx->p.desc + model_packed_ring_size(fx->p.size)};
  assert_int_equal(sim_bus_add_observer(&fx->world.bus, log_ring, l), MODEL_OK);
}

/* start-next-list-first (2.8.12#1): the first whole descriptor the device
 * reads is the second list's; the twin reads the first list's. */
static void test_2_8_12_1_start_next_list_first(void **state) {
  struct fx *fx = *state;
  struct ring_log l;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, 0, 4);
    fx->vq.misbehave = misbehave ? dev_misbehave_mask(DEV_MISBEHAVE_START_NEXT_LIST_FIRST) : 0;
    pd_one(fx, W, 10, 0, 8);
    pd_one(fx, W, 11, 1, 8);
    if (misbehave == 0)
      log_start(fx, &l);
    l.count = 0;
    struct dev_chain c;
    pop_ok(fx, &c);
    assert_int_equal(c.id, 10);
    uint64_t first_whole = 0;
    for (unsigned i = 0; i < l.count && first_whole == 0; i++)
      if (l.kind[i] == SIM_EV_MEM_READ && (l.addr[i] - fx->p.desc) % MODEL_PACKED_DESC_SIZE == 0)
        first_whole = l.addr[i];
    assert_int_equal(first_whole, fx->p.desc + (misbehave ? MODEL_PACKED_DESC_SIZE : 0u));
    assert_int_equal(fx->vq.avail_pos.idx, 1); /* nothing else changes */
  }
}

/* skip-used-slot (2.8.12#2): the used descriptor lands one slot further;
 * the device's own position is the twin's. */
static void test_2_8_12_2_skip_used_slot(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, 0, 4);
    fx->vq.misbehave = misbehave ? dev_misbehave_mask(DEV_MISBEHAVE_SKIP_USED_SLOT) : 0;
    pd_one(fx, W, 10, 0, 8);
    struct dev_chain c;
    pop_ok(fx, &c);
    assert_int_equal(dev_vq_push(&fx->vq, 10, 8), MODEL_OK);
    (void)flush(fx);
    uint16_t id = 0, flags = 0;
    uint32_t len = 0;
    pd_used(fx, misbehave ? 1 : 0, &id, &len, &flags);
    assert_int_equal(id, 10);
    assert_true(model_packed_is_used(flags, true));
    pd_used(fx, 0, &id, &len, &flags);
    assert_int_equal(model_packed_is_avail(flags, true), misbehave != 0);
    assert_int_equal(fx->vq.used_pos.idx, 1);
  }
}

/* use-unavailable (2.8.15#3): after the flush the next slot, never made
 * available, is marked used; the twin leaves it zero. */
static void test_2_8_15_3_use_unavailable(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, 0, 4);
    fx->vq.misbehave = misbehave ? dev_misbehave_mask(DEV_MISBEHAVE_USE_UNAVAILABLE) : 0;
    cycle_one(fx, 10, 8);
    uint16_t id = 0, flags = 0;
    uint32_t len = 0;
    pd_used(fx, 1, &id, &len, &flags);
    assert_int_equal(flags, misbehave ? model_packed_used_bits(true) : 0u);
    assert_int_equal(len, 0);
    assert_int_equal(fx->vq.used_pos.idx, 1);
    assert_int_equal(fx->vq.avail_pos.idx, 1);
  }
}

/* write-descriptor-table on the packed ring (2.8.15#4): the used flags are
 * written a second time after the flush's marking. */
static void test_2_8_15_4_write_descriptor_table(void **state) {
  struct fx *fx = *state;
  struct ring_log l;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, 0, 4);
    fx->vq.misbehave = misbehave ? dev_misbehave_mask(DEV_MISBEHAVE_WRITE_DESCRIPTOR_TABLE) : 0;
    pd_one(fx, W, 10, 0, 8);
    struct dev_chain c;
    pop_ok(fx, &c);
    assert_int_equal(dev_vq_push(&fx->vq, 10, 8), MODEL_OK);
    if (misbehave == 0)
      log_start(fx, &l);
    l.count = 0;
    (void)flush(fx);
    /* id, len, flags; then the flags again */
    assert_int_equal(l.count, misbehave ? 4u : 3u);
    assert_int_equal(l.addr[l.count - 1u], fx->p.desc + MODEL_PACKED_DESC_OFF_FLAGS);
    assert_int_equal(l.kind[l.count - 1u], SIM_EV_MEM_WRITE);
    uint16_t id = 0, flags = 0;
    uint32_t len = 0;
    pd_used(fx, 0, &id, &len, &flags);
    assert_int_equal(id, 10);
    assert_true(model_packed_is_used(flags, true));
  }
}

/* use-out-of-order (6.2#3): with IN_ORDER, two complete buffers get one
 * used descriptor each, the second buffer's first; the twin writes one for
 * the batch. Positions agree. */
static void test_6_2_3_use_out_of_order(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, f_in_order(), 4);
    fx->vq.misbehave = misbehave ? dev_misbehave_mask(DEV_MISBEHAVE_USE_OUT_OF_ORDER) : 0;
    pd_one(fx, R, 10, 0, 8);
    pd_one(fx, R, 11, 1, 8);
    struct dev_chain c[2];
    pop_ok(fx, &c[0]);
    pop_ok(fx, &c[1]);
    assert_int_equal(dev_vq_push(&fx->vq, 10, 0), MODEL_OK);
    assert_int_equal(dev_vq_push(&fx->vq, 11, 0), MODEL_OK);
    (void)flush(fx);
    uint16_t id = 0, flags = 0;
    uint32_t len = 0;
    pd_used(fx, 0, &id, &len, &flags);
    assert_int_equal(id, 11);
    assert_true(model_packed_is_used(flags, true));
    pd_used(fx, 1, &id, &len, &flags);
    if (misbehave) {
      assert_int_equal(id, 10);
      assert_true(model_packed_is_used(flags, true));
    } else {
      assert_true(model_packed_is_avail(flags, true)); /* skipped */
    }
    assert_int_equal(fx->vq.used_pos.idx, 2);
    assert_int_equal(fx->vq.outstanding_desc_count, 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
      T(test_packed_pop_push_flush_one_list),
      T(test_packed_used_without_write_has_no_write_flag),
      T(test_packed_wrap_counter_flips_at_last_slot),
      T(test_packed_sizes_1_2_3_many_laps),
      T(test_packed_size_32768_wraps),
      T(test_packed_size_rules_follow_the_format),
      T(test_packed_misaligned_ring_refused),
      T(test_packed_list_straddles_the_end),
      T(test_packed_list_of_queue_size),
      T(test_2_8_17_2_list_longer_than_queue_size),
      T(test_packed_id_reuse_after_use),
      T(test_packed_unpop_gives_the_list_back),
      T(test_packed_indirect_table),
      T(test_2_8_19_2_indirect_inside_indirect),
      T(test_2_8_19_2_next_inside_indirect),
      T(test_2_8_7_indirect_len_not_multiple_of_16),
      T(test_2_8_7_indirect_len_zero),
      T(test_2_8_19_3_indirect_table_longer_than_queue),
      T(test_2_8_19_1_indirect_not_negotiated),
      T(test_2_8_19_4_indirect_in_a_next_list),
      T(test_2_8_1_head_marked_used_in_the_device_lap),
      T(test_packed_zero_ring_is_empty),
      T(test_2_8_17_6_later_descriptor_not_available),
      T(test_2_8_17_3_readable_after_writable),
      T(test_2_8_16_1_more_out_than_the_ring),
      T(test_2_8_17_5_list_that_just_fits),
      T(test_2_8_17_5_list_one_longer_than_fits),
      T(test_2_8_17_5_list_head_exposed_without_the_rest),
      T(test_packed_unmapped_buffer),
      T(test_packed_driver_event_enable_disable),
      T(test_packed_descriptor_event_across_the_wrap),
      T(test_packed_device_event_structure),
      T(test_packed_device_event_desc_with_event_idx),
      T(test_2_8_8_in_order_batch_one_used_descriptor),
      T(test_2_8_8_in_order_partial_buffer_ends_a_batch),
      T(test_packed_without_in_order_one_descriptor_each),
      T(test_packed_one_chain_held_while_others_cycle),
      T(test_packed_first_used_flags_written_last),
      T(test_packed_reset_restarts_both_counters),
      T(test_2_8_12_1_start_next_list_first),
      T(test_2_8_12_2_skip_used_slot),
      T(test_2_8_15_3_use_unavailable),
      T(test_2_8_15_4_write_descriptor_table),
      T(test_6_2_3_use_out_of_order),
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
