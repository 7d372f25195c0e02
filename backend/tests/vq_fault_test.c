/*
 * backend/tests/vq_fault_test.c: the device side of both ring formats
 * (backend/vq.h) when the bus fails it, and at the edges the format tests
 * leave: an injected fault on each ring access the device makes (the queue
 * breaks with the format's clause, and what the driver sees stays
 * consistent), a refused ring layout, a chain of exactly 2^32 bytes and one
 * longer, an in-order head made available again while in use, and the
 * misbehaviours whose own accesses fail or find nothing to act on (each
 * only ends the misbehaviour: the queue stays usable).
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
#include "dev_test_packed.h"
#include "model/packed.h"

#define QMAX     256u
#define PD_RING  0x10400000u
#define BUF(n)   (TD_BUF_BASE + (uint64_t)(n)*0x1000u)
#define TABLE(n) (TD_INDIRECT_BASE + (uint64_t)(n)*0x100u)
#define UNMAPPED 0x1000u
#define W        VIRTQ_DESC_F_WRITE
#define RD       SIM_FAULT_ACCESS_READ
#define WR       SIM_FAULT_ACCESS_WRITE

/* The device's memory accesses, in order (reads and writes, failed or not). */
struct access_log {
  enum sim_ev_kind kind[64];
  uint64_t addr[64], len[64];
  model_err result[64];
  unsigned count;
};

struct fx {
  struct sim_world world;
  struct dev_vq vq;
  struct td_ring r;
  struct tdp_ring p;
  int violations;
  struct access_log log;
};

static void on_violation(void *ctx, struct dev_vq *vq) {
  (void)vq;
  ((struct fx *)ctx)->violations++;
}

static void log_access(void *ctx, const struct sim_bus_event *ev) {
  struct access_log *l = ctx;
  if ((ev->kind != SIM_EV_MEM_READ && ev->kind != SIM_EV_MEM_WRITE) ||
      ev->actor != SIM_ACTOR_DEVICE || l->count >= 64u)
    return;
  l->kind[l->count] = ev->kind;
  l->addr[l->count] = ev->addr;
  l->len[l->count] = ev->len;
  l->result[l->count++] = ev->result;
}

/* How many successful device accesses of this kind touched [lo, hi). */
static unsigned logged(const struct fx *fx, enum sim_ev_kind kind, uint64_t lo, uint64_t hi) {
  unsigned n = 0;
  for (unsigned i = 0; i < fx->log.count; i++)
    if (fx->log.kind[i] == kind && fx->log.result[i] == MODEL_OK && fx->log.addr[i] < hi &&
        fx->log.addr[i] + fx->log.len[i] > lo)
      n++;
  return n;
}

static int setup(void **state) {
  struct fx *fx = calloc(1, sizeof(*fx));
  assert_non_null(fx);
  td_world_init(&fx->world);
  assert_int_equal(dev_vq_init(&fx->vq, &fx->world.bus, 1, QMAX), MODEL_OK);
  dev_vq_set_violation_hook(&fx->vq, on_violation, fx);
  assert_int_equal(sim_bus_add_observer(&fx->world.bus, log_access, &fx->log), MODEL_OK);
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

/* The next device access of that kind overlapping [lo, hi), after `skip`
 * such accesses passed, fails (once). */
static void fault(struct fx *fx, unsigned access, uint64_t lo, uint64_t hi, uint64_t skip) {
  struct sim_fault_rule rule = {
      .kind = SIM_FAULT_MEM_FAIL,
      .actor = SIM_ACTOR_DEVICE,
      .access = access,
      .addr_lo = lo,
      .addr_hi = hi,
      .skip_count = skip,
      .fire_count = 1,
      .prob_ppm = SIM_PPM_ONE,
  };
  assert_int_equal(sim_world_add_fault(&fx->world, &rule), MODEL_OK);
}

static uint64_t fired(const struct fx *fx) {
  return fx->world.faults.fired_by_kind[SIM_FAULT_MEM_FAIL];
}

static uint64_t f(unsigned bit) {
  return model_feature_mask(bit);
}

/* The register file's configuration of the areas, without QueueReady. */
static void set_areas(struct fx *fx, uint64_t desc, uint64_t drv, uint64_t dev) {
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DESC, false, (uint32_t)desc),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DRIVER, false, (uint32_t)drv),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(&fx->vq, DEV_VQ_AREA_DEVICE, false, (uint32_t)dev),
                   MODEL_OK);
}

static void start_split(struct fx *fx, uint64_t features, uint16_t size) {
  td_ring_layout(&fx->r, 1, size);
  td_avail_publish(&fx->world.bus, &fx->r);
  dev_vq_reset(&fx->vq);
  dev_vq_set_features(&fx->vq, features);
  assert_int_equal(dev_vq_set_size(&fx->vq, size), MODEL_OK);
  set_areas(fx, fx->r.desc, fx->r.avail, fx->r.used);
  assert_int_equal(dev_vq_enable(&fx->vq, features), MODEL_OK);
  assert_int_equal(fx->vq.format, DEV_VQ_FORMAT_SPLIT);
}

static void start_packed(struct fx *fx, uint64_t features, uint16_t size) {
  features |= f(VIRTIO_F_RING_PACKED);
  tdp_layout(&fx->world.bus, &fx->p, PD_RING, size);
  dev_vq_reset(&fx->vq);
  dev_vq_set_features(&fx->vq, features);
  assert_int_equal(dev_vq_set_size(&fx->vq, size), MODEL_OK);
  set_areas(fx, fx->p.desc, fx->p.drv, fx->p.dev);
  assert_int_equal(dev_vq_enable(&fx->vq, features), MODEL_OK);
  assert_int_equal(fx->vq.format, DEV_VQ_FORMAT_PACKED);
}

/* The queue broke once, for err under clause. */
static void assert_broken(struct fx *fx, model_err err, const char *clause) {
  assert_true(dev_vq_is_broken(&fx->vq));
  assert_int_equal(fx->violations, 1);
  assert_int_equal(fx->vq.violation.err, err);
  assert_string_equal(fx->vq.violation.clause, clause);
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_BROKEN);
}

static void pop_ok(struct fx *fx, struct dev_chain *chain) {
  assert_int_equal(dev_vq_pop(&fx->vq, chain), MODEL_OK);
  assert_false(dev_vq_is_broken(&fx->vq));
}

/* Split: head `head` is one writable descriptor of 64 bytes, made available. */
static void split_one(struct fx *fx, uint16_t head) {
  td_desc(&fx->world.bus, &fx->r, head, BUF(head), 64, W, 0);
  td_avail_add(&fx->world.bus, &fx->r, head);
}

static uint64_t used_elem(const struct fx *fx, uint16_t idx) {
  return fx->r.used + model_split_used_ring_off(model_split_slot(idx, fx->r.size));
}

/* ---- split ring: faults on each access ---- */

static void test_2_7_5_desc_read_fault_breaks_queue(void **state) {
  struct fx *fx = *state;
  start_split(fx, 0, 8);
  split_one(fx, 2);
  fault(fx, RD, fx->r.desc, fx->r.avail, 0);
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_MEM_FAULT);
  assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.7.5");
  assert_int_equal(fx->vq.violation.value_a, fx->r.desc); /* the table */
  assert_int_equal(fx->vq.violation.value_b, 2);          /* the descriptor */
  assert_int_equal(fx->vq.last_avail_idx, 0);
}

static void test_2_7_6_avail_ring_read_fault_breaks_queue(void **state) {
  struct fx *fx = *state;
  start_split(fx, 0, 8);
  split_one(fx, 0);
  fault(fx, RD, fx->r.avail + model_split_avail_ring_off(0),
        fx->r.avail + model_split_avail_ring_off(8), 0);
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_MEM_FAULT);
  assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.7.6");
  assert_int_equal(fx->vq.violation.value_b, 0); /* the slot */
}

static void test_2_7_6_has_available_read_fault_breaks_queue(void **state) {
  struct fx *fx = *state;
  start_split(fx, 0, 8);
  split_one(fx, 0);
  fault(fx, RD, fx->r.avail + MODEL_SPLIT_AVAIL_OFF_IDX,
        fx->r.avail + MODEL_SPLIT_AVAIL_OFF_IDX + 2u, 0);
  bool available = true;
  assert_int_equal(dev_vq_has_available(&fx->vq, &available), MODEL_ERR_MEM_FAULT);
  assert_false(available);
  assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.7.6");
}

/* A failed write of the element's id or len: nothing is published. */
static void test_2_7_8_used_elem_write_fault_publishes_nothing(void **state) {
  struct fx *fx = *state;
  static const uint32_t offs[2] = {MODEL_SPLIT_USED_ELEM_OFF_ID, MODEL_SPLIT_USED_ELEM_OFF_LEN};
  for (unsigned k = 0; k < 2; k++) {
    start_split(fx, 0, 8);
    fx->violations = 0;
    split_one(fx, 3);
    struct dev_chain chain;
    pop_ok(fx, &chain);
    fault(fx, WR, used_elem(fx, 0) + offs[k], used_elem(fx, 0) + offs[k] + 4u, 0);
    assert_int_equal(dev_vq_push(&fx->vq, 3, 10), MODEL_ERR_MEM_FAULT);
    assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.7.8");
    assert_int_equal(fx->vq.violation.value_a, used_elem(fx, 0));
    bool need = true;
    assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_ERR_RING_BROKEN);
    assert_false(need);
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->r), 0);
  }
}

/* publish-used-before-elem whose early idx write fails: the element is
 * never written either. */
static void test_2_7_8_2_1_early_idx_write_fault_writes_no_element(void **state) {
  struct fx *fx = *state;
  start_split(fx, 0, 8);
  fx->vq.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_PUBLISH_USED_BEFORE_ELEM);
  split_one(fx, 3);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  fault(fx, WR, fx->r.used + MODEL_SPLIT_USED_OFF_IDX, fx->r.used + MODEL_SPLIT_USED_OFF_IDX + 2u,
        0);
  assert_int_equal(dev_vq_push(&fx->vq, 3, 10), MODEL_ERR_MEM_FAULT);
  assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.7.8");
  uint32_t id = 0, len = 0;
  td_used_elem(&fx->world.bus, &fx->r, 0, &id, &len);
  assert_int_equal(id, 0);
  assert_int_equal(len, 0);
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->r), 0);
}

static void test_2_7_8_used_idx_write_fault_at_flush(void **state) {
  struct fx *fx = *state;
  start_split(fx, 0, 8);
  split_one(fx, 1);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(dev_vq_push(&fx->vq, 1, 10), MODEL_OK);
  fault(fx, WR, fx->r.used + MODEL_SPLIT_USED_OFF_IDX, fx->r.used + MODEL_SPLIT_USED_OFF_IDX + 2u,
        0);
  bool need = true;
  assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_ERR_MEM_FAULT);
  assert_false(need);
  assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.7.8");
  assert_int_equal(fx->vq.violation.value_b, 1); /* the idx it could not publish */
  assert_int_equal(td_used_idx(&fx->world.bus, &fx->r), 0);
  assert_int_equal(fx->vq.irq_count + fx->vq.irq_suppressed_count, 0);
}

/* The suppression state cannot be read after publishing: the queue breaks
 * (the idx is out, the interrupt decision is not made). Without EVENT_IDX
 * the flags, with it used_event. */
static void test_2_7_7_suppression_read_fault_at_flush(void **state) {
  struct fx *fx = *state;
  for (unsigned evidx = 0; evidx < 2; evidx++) {
    start_split(fx, evidx ? f(VIRTIO_F_EVENT_IDX) : 0, 8);
    fx->violations = 0;
    split_one(fx, 1);
    struct dev_chain chain;
    pop_ok(fx, &chain);
    assert_int_equal(dev_vq_push(&fx->vq, 1, 10), MODEL_OK);
    uint64_t at =
        fx->r.avail + (evidx ? model_split_used_event_off(8) : MODEL_SPLIT_AVAIL_OFF_FLAGS);
    fault(fx, RD, at, at + 2u, 0);
    bool need = true;
    assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_ERR_MEM_FAULT);
    assert_false(need);
    assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.7.7");
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->r), 1);
    assert_int_equal(fx->vq.irq_count + fx->vq.irq_suppressed_count, 0);
  }
}

/* IN_ORDER: the flush writes the run's element; a failed id or len write
 * publishes nothing. */
static void test_2_7_9_in_order_elem_write_fault_at_flush(void **state) {
  struct fx *fx = *state;
  static const uint32_t offs[2] = {MODEL_SPLIT_USED_ELEM_OFF_ID, MODEL_SPLIT_USED_ELEM_OFF_LEN};
  for (unsigned k = 0; k < 2; k++) {
    start_split(fx, f(VIRTIO_F_IN_ORDER), 8);
    fx->violations = 0;
    split_one(fx, 0);
    split_one(fx, 1);
    struct dev_chain chain;
    pop_ok(fx, &chain);
    pop_ok(fx, &chain);
    assert_int_equal(dev_vq_push(&fx->vq, 0, 64), MODEL_OK);
    assert_int_equal(dev_vq_push(&fx->vq, 1, 64), MODEL_OK);
    fault(fx, WR, used_elem(fx, 0) + offs[k], used_elem(fx, 0) + offs[k] + 4u, 0);
    bool need = true;
    assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_ERR_MEM_FAULT);
    assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.7.8");
    assert_int_equal(fx->vq.violation.value_b, 0); /* the slot */
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->r), 0);
  }
}

static void test_2_7_10_used_flags_write_fault(void **state) {
  struct fx *fx = *state;
  start_split(fx, 0, 8);
  fault(fx, WR, fx->r.used + MODEL_SPLIT_USED_OFF_FLAGS,
        fx->r.used + MODEL_SPLIT_USED_OFF_FLAGS + 2u, 0);
  bool more = true;
  assert_int_equal(dev_vq_notify_enable(&fx->vq, true, &more), MODEL_ERR_MEM_FAULT);
  assert_false(more);
  assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.7.10");
  assert_int_equal(fx->vq.violation.value_a, fx->r.used);
  assert_int_equal(fx->vq.violation.value_b, 1); /* enable */
}

static void test_2_7_10_avail_event_write_fault(void **state) {
  struct fx *fx = *state;
  start_split(fx, f(VIRTIO_F_EVENT_IDX), 8);
  uint64_t at = fx->r.used + model_split_avail_event_off(8);
  fault(fx, WR, at, at + 2u, 0);
  /* Disabling writes nothing with EVENT_IDX (2.7.10.2#3): no fault. */
  assert_int_equal(dev_vq_notify_enable(&fx->vq, false, NULL), MODEL_OK);
  assert_int_equal(fired(fx), 0);
  assert_int_equal(dev_vq_notify_enable(&fx->vq, true, NULL), MODEL_ERR_MEM_FAULT);
  assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.7.10");
}

/* write-descriptor-table (2.7.5.1#3) whose read or write back fails: the
 * pop goes on, the descriptor is unchanged. */
static void test_2_7_5_1_3_write_descriptor_table_fault_is_harmless(void **state) {
  struct fx *fx = *state;
  for (unsigned k = 0; k < 2; k++) {
    start_split(fx, 0, 8);
    fx->vq.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_WRITE_DESCRIPTOR_TABLE);
    split_one(fx, 4);
    uint64_t flags_at = fx->r.desc + model_split_desc_off(4) + MODEL_SPLIT_DESC_OFF_FLAGS;
    /* k 0: the flags read back fails (the descriptor's own read passes);
     * k 1: the write fails. */
    fault(fx, k == 0 ? RD : WR, flags_at, flags_at + 2u, k == 0 ? 1u : 0u);
    fx->log.count = 0;
    struct dev_chain chain;
    pop_ok(fx, &chain);
    assert_int_equal(chain.id, 4);
    assert_int_equal(fired(fx), k + 1u);
    assert_int_equal(logged(fx, SIM_EV_MEM_WRITE, fx->r.desc, fx->r.avail), 0);
    assert_int_equal(td_read16(&fx->world.bus, flags_at), W);
    assert_int_equal(fx->vq.last_avail_idx, 1);
  }
}

/* ---- split ring: layout and limits ---- */

static void test_vq_split_layout_refused(void **state) {
  struct fx *fx = *state;
  td_ring_layout(&fx->r, 1, 8);
  /* The driver area misaligned (2.7: 2 bytes). */
  assert_int_equal(dev_vq_set_size(&fx->vq, 8), MODEL_OK);
  set_areas(fx, fx->r.desc, fx->r.avail + 1u, fx->r.used);
  assert_int_equal(dev_vq_enable(&fx->vq, 0), MODEL_ERR_QUEUE_LAYOUT);
  assert_false(dev_vq_is_ready(&fx->vq));
  /* A size that was legal for the packed format only. */
  dev_vq_reset(&fx->vq);
  dev_vq_set_features(&fx->vq, f(VIRTIO_F_RING_PACKED));
  assert_int_equal(dev_vq_set_size(&fx->vq, 3), MODEL_OK);
  set_areas(fx, fx->r.desc, fx->r.avail, fx->r.used);
  assert_int_equal(dev_vq_enable(&fx->vq, 0), MODEL_ERR_QUEUE_SIZE);
  assert_false(dev_vq_is_ready(&fx->vq));
  /* The twin: a power of two goes ready. */
  assert_int_equal(dev_vq_set_size(&fx->vq, 4), MODEL_OK);
  assert_int_equal(dev_vq_enable(&fx->vq, 0), MODEL_OK);
  assert_true(dev_vq_is_ready(&fx->vq));
}

/* 2.7.5.2#1: a chain of 64 descriptors of 64 MiB each is exactly 2^32
 * bytes and is taken; one more descriptor is too long. */
static void test_2_7_5_2_1_chain_of_2_pow_32_bytes(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  for (uint16_t n = 64; n <= 65; n++) {
    start_split(fx, 0, 128);
    fx->violations = 0;
    for (uint16_t i = 0; i < n; i++)
      td_desc(bus, &fx->r, i, TD_RAM_BASE, TD_RAM_SIZE,
              (uint16_t)(i + 1u < n ? VIRTQ_DESC_F_NEXT : 0u), (uint16_t)(i + 1u));
    td_avail_add(bus, &fx->r, 0);
    struct dev_chain chain;
    if (n == 64) {
      pop_ok(fx, &chain);
      assert_int_equal(chain.seg_count, 64);
      assert_true(chain.readable_bytes == ((uint64_t)1 << 32));
    } else {
      assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_LOOP);
      assert_broken(fx, MODEL_ERR_RING_LOOP, "2.7.5.2#1");
      assert_true(fx->vq.violation.value_b == ((uint64_t)65 << 26));
    }
  }
}

static void test_2_7_5_3_indirect_table_unmapped(void **state) {
  struct fx *fx = *state;
  start_split(fx, f(VIRTIO_F_INDIRECT_DESC), 8);
  td_desc(&fx->world.bus, &fx->r, 0, UNMAPPED, 32, VIRTQ_DESC_F_INDIRECT, 0);
  td_avail_add(&fx->world.bus, &fx->r, 0);
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_MEM_UNMAPPED);
  assert_broken(fx, MODEL_ERR_MEM_UNMAPPED, "2.7.5.3");
  assert_int_equal(fx->vq.violation.value_a, UNMAPPED);
}

/* 2.7.6.1#1 with IN_ORDER: the records show a head made available again
 * while all the ring's buffers are out (one pushed, not yet flushed). */
static void test_2_7_6_1_1_in_order_more_out_than_the_ring(void **state) {
  struct fx *fx = *state;
  start_split(fx, f(VIRTIO_F_IN_ORDER), 4);
  struct dev_chain chain;
  for (uint16_t i = 0; i < 4; i++)
    split_one(fx, i);
  for (uint16_t i = 0; i < 4; i++)
    pop_ok(fx, &chain);
  assert_int_equal(dev_vq_push(&fx->vq, 0, 64), MODEL_OK);
  td_avail_add(&fx->world.bus, &fx->r, 0); /* head 0 again, before its use is published */
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_AVAIL_IDX);
  assert_broken(fx, MODEL_ERR_RING_AVAIL_IDX, "2.7.6.1#1");
  assert_int_equal(fx->vq.violation.value_a, 0); /* the head */
  assert_int_equal(fx->vq.violation.value_b, 4); /* out: 3 in flight, 1 pending */
}

/* ---- format-neutral (vq.c) ---- */

static void test_vq_init_refuses_illegal_size_max(void **state) {
  struct fx *fx = *state;
  struct dev_vq vq;
  assert_int_equal(dev_vq_init(&vq, &fx->world.bus, 0, 3), MODEL_ERR_QUEUE_SIZE);
  assert_null(vq.segs);
  dev_vq_fini(&vq);
}

/* QueueSizeMax 0: the queue is unavailable, whatever the driver writes. */
static void test_vq_unavailable_queue_refuses_size_and_ready(void **state) {
  struct fx *fx = *state;
  struct dev_vq vq;
  assert_int_equal(dev_vq_init(&vq, &fx->world.bus, 2, 0), MODEL_OK);
  assert_int_equal(vq.size, 0);
  assert_int_equal(dev_vq_set_size(&vq, 8), MODEL_ERR_QUEUE_SIZE);
  assert_true(vq.size_rejected);
  assert_int_equal(dev_vq_enable(&vq, 0), MODEL_ERR_QUEUE_UNAVAILABLE);
  assert_false(dev_vq_is_ready(&vq));
  dev_vq_fini(&vq);
}

/* QueueReady = 1 again on a ready queue changes nothing. */
static void test_vq_enable_twice_keeps_state(void **state) {
  struct fx *fx = *state;
  start_split(fx, 0, 8);
  split_one(fx, 5);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(dev_vq_enable(&fx->vq, f(VIRTIO_F_RING_PACKED)), MODEL_OK);
  assert_int_equal(fx->vq.format, DEV_VQ_FORMAT_SPLIT);
  assert_int_equal(fx->vq.last_avail_idx, 1);
  assert_int_equal(fx->vq.in_flight, 1);
  assert_int_equal(dev_vq_push(&fx->vq, 5, 1), MODEL_OK);
}

static void test_vq_violation_without_hook_is_recorded(void **state) {
  struct fx *fx = *state;
  dev_vq_set_violation_hook(&fx->vq, NULL, NULL);
  start_split(fx, 0, 8);
  td_avail_add(&fx->world.bus, &fx->r, 8); /* head out of range */
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_RING_HEAD_RANGE);
  assert_true(dev_vq_is_broken(&fx->vq));
  assert_string_equal(fx->vq.violation.clause, "2.7.5");
  assert_int_equal(fx->violations, 0);
}

static void test_vq_push_refused_on_unready_queue(void **state) {
  struct fx *fx = *state;
  start_split(fx, 0, 8);
  split_one(fx, 0);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  dev_vq_disable(&fx->vq);
  assert_int_equal(dev_vq_push(&fx->vq, 0, 1), MODEL_ERR_QUEUE_NOT_READY);
  assert_int_equal(fx->vq.in_flight, 1);
  assert_int_equal(fx->vq.used_count, 0);
}

static void test_vq_chain_copy_offset_past_the_part(void **state) {
  struct fx *fx = *state;
  start_split(fx, 0, 8);
  td_desc(&fx->world.bus, &fx->r, 0, BUF(0), 10, VIRTQ_DESC_F_NEXT, 1);
  td_desc(&fx->world.bus, &fx->r, 1, BUF(1), 6, W, 0);
  td_avail_add(&fx->world.bus, &fx->r, 0);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  uint8_t b[4] = {1, 2, 3, 4};
  /* At the very end, nothing to move: accepted; one past it: refused. */
  assert_int_equal(dev_vq_chain_read(&fx->vq, &chain, 10, b, 0), MODEL_OK);
  assert_int_equal(dev_vq_chain_read(&fx->vq, &chain, 11, b, 0), MODEL_ERR_INVALID_ARG);
  assert_int_equal(dev_vq_chain_write(&fx->vq, &chain, 6, b, 0), MODEL_OK);
  assert_int_equal(dev_vq_chain_write(&fx->vq, &chain, 7, b, 0), MODEL_ERR_INVALID_ARG);
  assert_int_equal(logged(fx, SIM_EV_MEM_WRITE, BUF(1), BUF(2)), 0);
}

/* An injected fault on a copy across segments: the failed piece's error
 * comes back and nothing after it is moved. */
static void test_vq_chain_copy_fault_across_segments(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start_split(fx, 0, 8);
  td_desc(bus, &fx->r, 0, BUF(0), 4, VIRTQ_DESC_F_NEXT, 1);
  td_desc(bus, &fx->r, 1, BUF(1), 4, VIRTQ_DESC_F_NEXT, 2);
  td_desc(bus, &fx->r, 2, BUF(2), 4, W | VIRTQ_DESC_F_NEXT, 3);
  td_desc(bus, &fx->r, 3, BUF(3), 4, W, 0);
  td_avail_add(bus, &fx->r, 0);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  fault(fx, RD, BUF(1), BUF(1) + 4u, 0);
  assert_int_equal(dev_vq_chain_read(&fx->vq, &chain, 2, b, 6), MODEL_ERR_MEM_FAULT);
  fault(fx, WR, BUF(2), BUF(2) + 4u, 0);
  assert_int_equal(dev_vq_chain_write(&fx->vq, &chain, 0, b, 8), MODEL_ERR_MEM_FAULT);
  assert_int_equal(fired(fx), 2);
  assert_int_equal(logged(fx, SIM_EV_MEM_WRITE, BUF(2), BUF(4)), 0);
}

/* misbehave points write-readable-buffer and read-writable-buffer
 * (2.7.5.1#1, #2) act on the first non-empty segment of their direction. */
static void test_2_7_5_1_misbehave_buffer_access_skips_empty_segments(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start_split(fx, 0, 8);
  fx->vq.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_WRITE_READABLE_BUFFER) |
                     dev_misbehave_mask(DEV_MISBEHAVE_READ_WRITABLE_BUFFER);
  uint8_t byte = 0x5a;
  td_write_bytes(bus, BUF(1), &byte, 1);
  td_desc(bus, &fx->r, 0, BUF(0), 0, VIRTQ_DESC_F_NEXT, 1);
  td_desc(bus, &fx->r, 1, BUF(1), 4, VIRTQ_DESC_F_NEXT, 2);
  td_desc(bus, &fx->r, 2, BUF(2), 0, W | VIRTQ_DESC_F_NEXT, 3);
  td_desc(bus, &fx->r, 3, BUF(3), 4, W, 0);
  td_avail_add(bus, &fx->r, 0);
  fx->log.count = 0;
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.seg_count, 4);
  assert_int_equal(logged(fx, SIM_EV_MEM_WRITE, BUF(1), BUF(1) + 1u), 1);
  assert_int_equal(logged(fx, SIM_EV_MEM_READ, BUF(3), BUF(3) + 1u), 1);
  assert_int_equal(logged(fx, SIM_EV_MEM_WRITE, BUF(0), BUF(1)), 0);
  assert_int_equal(logged(fx, SIM_EV_MEM_READ, BUF(2), BUF(3)), 0);
  td_read_bytes(bus, BUF(1), &byte, 1);
  assert_int_equal(byte, 0x5a); /* written back as it was */
}

/* The same misbehaviours with nothing of their direction, or whose access
 * fails: nothing happens, the queue stays usable. */
static void test_2_7_5_1_misbehave_buffer_access_without_target(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  for (unsigned k = 0; k < 5; k++) {
    start_split(fx, 0, 8);
    fx->vq.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_WRITE_READABLE_BUFFER) |
                       dev_misbehave_mask(DEV_MISBEHAVE_READ_WRITABLE_BUFFER);
    /* k 0: writable only; 1: readable only; 2: the readable byte's read
     * fails; 3: its write back fails; 4: the writable byte's read fails. */
    td_desc(bus, &fx->r, 0, BUF(0), 4, k == 0 ? W : 0u, 0);
    if (k >= 2) {
      td_desc(bus, &fx->r, 0, BUF(0), 4, VIRTQ_DESC_F_NEXT, 1);
      td_desc(bus, &fx->r, 1, BUF(1), 4, W, 0);
    }
    td_avail_add(bus, &fx->r, 0);
    uint64_t before = fired(fx);
    if (k == 2)
      fault(fx, RD, BUF(0), BUF(0) + 1u, 0);
    if (k == 3)
      fault(fx, WR, BUF(0), BUF(0) + 1u, 0);
    if (k == 4)
      fault(fx, RD, BUF(1), BUF(1) + 1u, 0);
    fx->log.count = 0;
    struct dev_chain chain;
    pop_ok(fx, &chain);
    assert_int_equal(fired(fx) - before, k >= 2 ? 1u : 0u);
    /* the write back happens where the readable byte was read and the
     * write did not fail */
    assert_int_equal(logged(fx, SIM_EV_MEM_WRITE, BUF(0), BUF(2)), k == 1 || k == 4 ? 1u : 0u);
    assert_int_equal(fx->vq.in_flight, 1);
    assert_int_equal(dev_vq_push(&fx->vq, 0, 0), MODEL_OK);
  }
}

/* ---- packed ring: layout ---- */

static void test_packed_layout_refused(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  /* 64 KiB the driver may write but the device may only read. */
  const uint64_t ro = 0x20000000u;
  assert_int_equal(sim_bus_add_region(bus, ro, 0x10000u,
                                      SIM_PERM_R(SIM_ACTOR_DEVICE) | SIM_PERM_R(SIM_ACTOR_DRIVER) |
                                          SIM_PERM_W(SIM_ACTOR_DRIVER)),
                   MODEL_OK);
  tdp_layout(bus, &fx->p, PD_RING, 8);
  const struct {
    uint64_t desc, drv, dev;
  } bad[] = {
      {fx->p.desc, fx->p.drv + 2u, fx->p.dev}, /* driver area misaligned (2.8.10.1: 4) */
      {UNMAPPED, fx->p.drv, fx->p.dev},        /* ring unmapped */
      {ro, fx->p.drv, fx->p.dev},              /* ring not writable by the device */
      {fx->p.desc, UNMAPPED, fx->p.dev},       /* driver area unmapped */
      {fx->p.desc, fx->p.drv, UNMAPPED},       /* device area unmapped */
      {fx->p.desc, fx->p.drv, ro},             /* device area not writable */
  };
  for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    dev_vq_reset(&fx->vq);
    dev_vq_set_features(&fx->vq, f(VIRTIO_F_RING_PACKED));
    assert_int_equal(dev_vq_set_size(&fx->vq, 8), MODEL_OK);
    set_areas(fx, bad[i].desc, bad[i].drv, bad[i].dev);
    assert_int_equal(dev_vq_enable(&fx->vq, f(VIRTIO_F_RING_PACKED)), MODEL_ERR_QUEUE_LAYOUT);
    assert_false(dev_vq_is_ready(&fx->vq));
  }
  set_areas(fx, fx->p.desc, fx->p.drv, fx->p.dev);
  assert_int_equal(dev_vq_enable(&fx->vq, f(VIRTIO_F_RING_PACKED)), MODEL_OK);
}

/* ---- packed ring: faults and edges of the pop ---- */

static void test_2_8_13_desc_read_fault_breaks_queue(void **state) {
  struct fx *fx = *state;
  start_packed(fx, 0, 4);
  tdp_add(&fx->world.bus, &fx->p, BUF(0), 8, 7, W);
  /* The flags peek passes, the whole descriptor's read fails. */
  fault(fx, RD, fx->p.desc, fx->p.desc + MODEL_PACKED_DESC_SIZE, 1);
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_MEM_FAULT);
  assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.8.13");
  assert_int_equal(fx->vq.violation.value_a, fx->p.desc);
  assert_int_equal(fx->vq.avail_pos.idx, 0);
}

static void test_2_8_1_has_available_reports_a_used_head(void **state) {
  struct fx *fx = *state;
  start_packed(fx, 0, 4);
  tdp_flags(&fx->world.bus, &fx->p, 0, model_packed_used_bits(true));
  bool available = true;
  assert_int_equal(dev_vq_has_available(&fx->vq, &available), MODEL_ERR_RING_DESC_FLAGS);
  assert_false(available);
  assert_broken(fx, MODEL_ERR_RING_DESC_FLAGS, "2.8.1");
}

/* A zero-length descriptor carries nothing (and needs no memory); an
 * address range that wraps is refused. */
static void test_2_8_4_zero_length_accepted_wrapping_refused(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  start_packed(fx, 0, 4);
  tdp_add(bus, &fx->p, UNMAPPED, 0, 1, VIRTQ_DESC_F_NEXT);
  tdp_add(bus, &fx->p, BUF(0), 8, 2, W);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(chain.id, 2);
  assert_int_equal(chain.seg_count, 2);
  assert_int_equal(chain.readable_bytes, 0);
  assert_int_equal(chain.writable_bytes, 8);
  tdp_add(bus, &fx->p, UINT64_MAX - 7u, 16, 3, 0);
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_MEM_WRAP);
  assert_broken(fx, MODEL_ERR_MEM_WRAP, "2.8.4");
}

static void test_2_8_7_indirect_table_unmapped(void **state) {
  struct fx *fx = *state;
  start_packed(fx, f(VIRTIO_F_INDIRECT_DESC), 4);
  tdp_add(&fx->world.bus, &fx->p, UNMAPPED, 32, 1, VIRTQ_DESC_F_INDIRECT);
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(&fx->vq, &chain), MODEL_ERR_MEM_UNMAPPED);
  assert_broken(fx, MODEL_ERR_MEM_UNMAPPED, "2.8.7");
}

/* An indirect table of two entries: the second one's read fails, or it
 * names unmapped memory. */
static void test_2_8_indirect_entry_fault_and_unmapped_buffer(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  for (unsigned k = 0; k < 2; k++) {
    start_packed(fx, f(VIRTIO_F_INDIRECT_DESC), 4);
    fx->violations = 0;
    uint64_t e0 = TABLE(0), e1 = TABLE(0) + MODEL_PACKED_DESC_SIZE;
    assert_int_equal(sim_bus_write_le64(bus, SIM_ACTOR_DRIVER, e0, BUF(0)), MODEL_OK);
    assert_int_equal(sim_bus_write_le32(bus, SIM_ACTOR_DRIVER, e0 + 8u, 8), MODEL_OK);
    assert_int_equal(sim_bus_write_le64(bus, SIM_ACTOR_DRIVER, e1, k == 0 ? BUF(1) : UNMAPPED),
                     MODEL_OK);
    assert_int_equal(sim_bus_write_le32(bus, SIM_ACTOR_DRIVER, e1 + 8u, 8), MODEL_OK);
    tdp_add(bus, &fx->p, TABLE(0), 2u * MODEL_PACKED_DESC_SIZE, 1, VIRTQ_DESC_F_INDIRECT);
    if (k == 0)
      fault(fx, RD, e1, e1 + MODEL_PACKED_DESC_SIZE, 0);
    struct dev_chain chain;
    model_err want = k == 0 ? MODEL_ERR_MEM_FAULT : MODEL_ERR_MEM_UNMAPPED;
    assert_int_equal(dev_vq_pop(&fx->vq, &chain), want);
    assert_broken(fx, want, k == 0 ? "2.8.13" : "2.8.4");
    if (k == 0) {
      assert_int_equal(fx->vq.violation.value_a, TABLE(0));
      assert_int_equal(fx->vq.violation.value_b, 1); /* the entry */
    }
  }
}

/* ---- packed ring: start-next-list-first where there is no next list ---- */

/* How many whole descriptors the device read from the ring. */
static unsigned whole_desc_reads(const struct fx *fx) {
  unsigned n = 0;
  for (unsigned i = 0; i < fx->log.count; i++)
    if (fx->log.kind[i] == SIM_EV_MEM_READ && fx->log.result[i] == MODEL_OK &&
        fx->log.len[i] == MODEL_PACKED_DESC_SIZE && fx->log.addr[i] >= fx->p.desc &&
        fx->log.addr[i] < fx->p.drv)
      n++;
  return n;
}

/* A list that fills the whole ring ends where it began: no next list to
 * read. A single list with nothing after it: likewise. Each pop reads
 * only its own descriptors. */
static void test_2_8_12_1_next_list_first_without_a_next_list(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  for (unsigned k = 0; k < 2; k++) {
    start_packed(fx, 0, k == 0 ? 2 : 4);
    fx->vq.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_START_NEXT_LIST_FIRST);
    if (k == 0)
      tdp_add(bus, &fx->p, BUF(0), 8, 1, VIRTQ_DESC_F_NEXT);
    tdp_add(bus, &fx->p, BUF(1), 8, 2, W);
    fx->log.count = 0;
    struct dev_chain chain;
    pop_ok(fx, &chain);
    assert_int_equal(chain.id, 2);
    assert_int_equal(chain.seg_count, k == 0 ? 2 : 1);
    assert_int_equal(whole_desc_reads(fx), chain.seg_count);
  }
}

/* The misbehaviour gives up on a list that never ends or whose tail is not
 * available; the pop then reports what the driver did. */
static void test_2_8_12_1_next_list_first_on_a_broken_list(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  for (unsigned k = 0; k < 2; k++) {
    start_packed(fx, 0, k == 0 ? 2 : 4);
    fx->violations = 0;
    fx->vq.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_START_NEXT_LIST_FIRST);
    if (k == 0) {
      tdp_add(bus, &fx->p, BUF(0), 8, 1, VIRTQ_DESC_F_NEXT);
      tdp_add(bus, &fx->p, BUF(1), 8, 2, VIRTQ_DESC_F_NEXT); /* and round again */
    } else {
      tdp_add(bus, &fx->p, BUF(0), 8, 1, VIRTQ_DESC_F_NEXT); /* its tail never made available */
    }
    struct dev_chain chain;
    model_err want = k == 0 ? MODEL_ERR_RING_LOOP : MODEL_ERR_RING_DESC_FLAGS;
    assert_int_equal(dev_vq_pop(&fx->vq, &chain), want);
    assert_broken(fx, want, k == 0 ? "2.8.17#2" : "2.8.17#6");
  }
}

/* Its own reads fail: the flags of the next list's head, or that whole
 * descriptor, or (k 2) the flags of the list it walks. The pop goes on;
 * the next list is taken as usual. */
static void test_2_8_12_1_next_list_first_fault_is_harmless(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  for (unsigned k = 0; k < 3; k++) {
    start_packed(fx, 0, 4);
    fx->vq.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_START_NEXT_LIST_FIRST);
    tdp_add(bus, &fx->p, BUF(0), 8, 1, W);
    tdp_add(bus, &fx->p, BUF(1), 8, 2, W);
    uint64_t second = fx->p.desc + MODEL_PACKED_DESC_SIZE;
    uint64_t before = fired(fx);
    if (k < 2)
      fault(fx, RD, second, second + MODEL_PACKED_DESC_SIZE, k);
    else /* the peek passes, the misbehaviour's own read fails */
      fault(fx, RD, tdp_flags_addr(&fx->p, 0), tdp_flags_addr(&fx->p, 0) + 2u, 1);
    fx->log.count = 0;
    struct dev_chain chain;
    pop_ok(fx, &chain);
    assert_int_equal(chain.id, 1);
    assert_int_equal(fired(fx) - before, 1);
    assert_int_equal(whole_desc_reads(fx), 1); /* only the list's own */
    assert_int_equal(dev_vq_push(&fx->vq, 1, 8), MODEL_OK);
    pop_ok(fx, &chain);
    assert_int_equal(chain.id, 2);
  }
}

/* ---- packed ring: faults at the flush and on the event structures ---- */

static void pop_push_one(struct fx *fx, uint16_t id, uint32_t len) {
  tdp_add(&fx->world.bus, &fx->p, BUF(id), 8, id, W);
  struct dev_chain chain;
  pop_ok(fx, &chain);
  assert_int_equal(dev_vq_push(&fx->vq, id, len), MODEL_OK);
}

/* A failed write of a used descriptor's id, len or flags (the second one's
 * flags, or the first one's, written last): the driver sees no used
 * descriptor. */
static void test_2_8_13_used_desc_write_fault_at_flush(void **state) {
  struct fx *fx = *state;
  static const struct {
    uint16_t slot;
    uint32_t off;
  } where[] = {
      {0, MODEL_PACKED_DESC_OFF_ID},
      {0, MODEL_PACKED_DESC_OFF_LEN},
      {1, MODEL_PACKED_DESC_OFF_FLAGS},
      {0, MODEL_PACKED_DESC_OFF_FLAGS},
  };
  for (unsigned k = 0; k < sizeof(where) / sizeof(where[0]); k++) {
    start_packed(fx, 0, 4);
    fx->violations = 0;
    pop_push_one(fx, 10, 8);
    pop_push_one(fx, 11, 8);
    uint64_t at = fx->p.desc + model_packed_desc_off(where[k].slot) + where[k].off;
    fault(fx, WR, at, at + 2u, 0);
    bool need = true;
    assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_ERR_MEM_FAULT);
    assert_false(need);
    assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.8.13");
    assert_int_equal(fx->vq.violation.value_b, where[k].slot);
    uint16_t id = 0, flags = 0;
    uint32_t len = 0;
    tdp_used(&fx->world.bus, &fx->p, 0, &id, &len, &flags);
    assert_false(model_packed_is_used(flags, true));
    assert_int_equal(fx->vq.used_pos.idx, 0);
  }
}

/* use-out-of-order whose first write fails: the same. */
static void test_6_2_3_use_out_of_order_write_fault(void **state) {
  struct fx *fx = *state;
  start_packed(fx, f(VIRTIO_F_IN_ORDER), 4);
  fx->vq.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_USE_OUT_OF_ORDER);
  pop_push_one(fx, 10, 8);
  pop_push_one(fx, 11, 8);
  fault(fx, WR, fx->p.desc + MODEL_PACKED_DESC_OFF_ID, fx->p.desc + MODEL_PACKED_DESC_OFF_ID + 2u,
        0);
  bool need = true;
  assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_ERR_MEM_FAULT);
  assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.8.13");
}

/* use-out-of-order acts only with IN_ORDER and two pushes: otherwise the
 * used descriptors go in order. */
static void test_6_2_3_use_out_of_order_needs_two_in_order_pushes(void **state) {
  struct fx *fx = *state;
  for (unsigned k = 0; k < 2; k++) {
    start_packed(fx, k == 0 ? 0 : f(VIRTIO_F_IN_ORDER), 4);
    fx->vq.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_USE_OUT_OF_ORDER);
    pop_push_one(fx, 10, 8);
    if (k == 0)
      pop_push_one(fx, 11, 8);
    bool need = false;
    assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
    uint16_t id = 0, flags = 0;
    uint32_t len = 0;
    tdp_used(&fx->world.bus, &fx->p, 0, &id, &len, &flags);
    assert_int_equal(id, 10);
    assert_true(model_packed_is_used(flags, true));
    if (k == 0) {
      tdp_used(&fx->world.bus, &fx->p, 1, &id, &len, &flags);
      assert_int_equal(id, 11);
    }
  }
}

/* write-descriptor-table's second write of the flags fails: the first
 * one marked the descriptor used, and nothing breaks. */
static void test_2_8_15_4_write_descriptor_table_fault_is_harmless(void **state) {
  struct fx *fx = *state;
  start_packed(fx, 0, 4);
  fx->vq.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_WRITE_DESCRIPTOR_TABLE);
  pop_push_one(fx, 10, 8);
  uint64_t at = tdp_flags_addr(&fx->p, 0);
  fault(fx, WR, at, at + 2u, 1);
  bool need = false;
  assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
  assert_int_equal(fired(fx), 1);
  assert_false(dev_vq_is_broken(&fx->vq));
  uint16_t id = 0, flags = 0;
  uint32_t len = 0;
  tdp_used(&fx->world.bus, &fx->p, 0, &id, &len, &flags);
  assert_true(model_packed_is_used(flags, true));
}

/* use-unavailable (2.8.15#3) acts only with nothing out and nothing
 * available at the device's position, and its failed accesses end it:
 * the slot after the used one is left as it was. */
static void test_2_8_15_3_use_unavailable_needs_an_idle_empty_slot(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  for (unsigned k = 0; k < 7; k++) {
    start_packed(fx, 0, 4);
    fx->vq.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_USE_UNAVAILABLE);
    /* k 0: a second list still out; 1: the next list already available;
     * 2-5: the flags read, id read, len write or flags write fails; 6: the
     * driver marked the slot used itself (its error, for the next pop). */
    pop_push_one(fx, 10, 8);
    if (k == 0) {
      tdp_add(bus, &fx->p, BUF(1), 8, 11, W);
      struct dev_chain chain;
      pop_ok(fx, &chain);
    }
    if (k == 1)
      tdp_add(bus, &fx->p, BUF(1), 8, 11, W);
    uint16_t slot = k == 0 ? 2 : 1;
    uint64_t d = fx->p.desc + model_packed_desc_off(slot);
    uint64_t before = fired(fx);
    if (k == 2)
      fault(fx, RD, d + MODEL_PACKED_DESC_OFF_FLAGS, d + MODEL_PACKED_DESC_OFF_FLAGS + 2u, 0);
    if (k == 3)
      fault(fx, RD, d + MODEL_PACKED_DESC_OFF_ID, d + MODEL_PACKED_DESC_OFF_ID + 2u, 0);
    if (k == 4)
      fault(fx, WR, d + MODEL_PACKED_DESC_OFF_LEN, d + MODEL_PACKED_DESC_OFF_LEN + 4u, 0);
    if (k == 5)
      fault(fx, WR, d + MODEL_PACKED_DESC_OFF_FLAGS, d + MODEL_PACKED_DESC_OFF_FLAGS + 2u, 0);
    if (k == 6)
      tdp_flags(bus, &fx->p, slot, model_packed_used_bits(true));
    uint16_t flags_before = td_read16(bus, d + MODEL_PACKED_DESC_OFF_FLAGS);
    fx->log.count = 0;
    bool need = false;
    assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
    assert_false(dev_vq_is_broken(&fx->vq));
    assert_int_equal(fired(fx) - before, k >= 2 && k <= 5 ? 1u : 0u);
    assert_int_equal(td_read16(bus, d + MODEL_PACKED_DESC_OFF_FLAGS), flags_before);
    assert_int_equal(logged(fx, SIM_EV_MEM_WRITE, d, d + MODEL_PACKED_DESC_SIZE),
                     k == 5 ? 1u : 0u); /* k 5: only the len got out */
    assert_int_equal(model_packed_is_used(flags_before, true), k == 6);
  }
}

/* The driver event suppression structure cannot be read after the used
 * descriptors went out: flags, then off_wrap. */
static void test_2_8_10_driver_event_read_fault_at_flush(void **state) {
  struct fx *fx = *state;
  static const uint32_t offs[2] = {MODEL_PACKED_EVENT_OFF_FLAGS, MODEL_PACKED_EVENT_OFF_DESC};
  for (unsigned k = 0; k < 2; k++) {
    start_packed(fx, 0, 4);
    fx->violations = 0;
    pop_push_one(fx, 10, 8);
    fault(fx, RD, fx->p.drv + offs[k], fx->p.drv + offs[k] + 2u, 0);
    bool need = true;
    assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_ERR_MEM_FAULT);
    assert_false(need);
    assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.8.10");
    assert_int_equal(fx->vq.violation.value_a, fx->p.drv);
    uint16_t id = 0, flags = 0;
    uint32_t len = 0;
    tdp_used(&fx->world.bus, &fx->p, 0, &id, &len, &flags);
    assert_true(model_packed_is_used(flags, true)); /* already out */
  }
}

/* A descriptor event naming a slot outside the ring is the driver's error;
 * the device notifies (nothing is lost). The twin, inside the ring and not
 * crossed, owes nothing. */
static void test_2_8_10_desc_event_outside_the_ring_notifies(void **state) {
  struct fx *fx = *state;
  for (unsigned k = 0; k < 2; k++) {
    start_packed(fx, f(VIRTIO_F_EVENT_IDX), 4);
    struct model_packed_pos ev = {.idx = k == 0 ? 7u : 2u, .wrap = true};
    tdp_driver_event(&fx->world.bus, &fx->p, RING_EVENT_FLAGS_DESC, model_packed_event_encode(ev));
    pop_push_one(fx, 10, 8);
    bool need = k == 0 ? false : true;
    assert_int_equal(dev_vq_flush(&fx->vq, &need), MODEL_OK);
    assert_int_equal(need, k == 0);
  }
}

/* The device event structure cannot be written: at DRIVER_OK with
 * EVENT_IDX (the desc field), or on a later change (the flags). */
static void test_2_8_10_device_event_write_fault(void **state) {
  struct fx *fx = *state;
  for (unsigned k = 0; k < 2; k++) {
    start_packed(fx, f(VIRTIO_F_EVENT_IDX), 4);
    fx->violations = 0;
    uint32_t off = k == 0 ? MODEL_PACKED_EVENT_OFF_DESC : MODEL_PACKED_EVENT_OFF_FLAGS;
    fault(fx, WR, fx->p.dev + off, fx->p.dev + off + 2u, 0);
    model_err err = k == 0 ? dev_vq_driver_ok(&fx->vq) : dev_vq_notify_enable(&fx->vq, false, NULL);
    assert_int_equal(err, MODEL_ERR_MEM_FAULT);
    assert_broken(fx, MODEL_ERR_MEM_FAULT, "2.8.10");
    assert_int_equal(fx->vq.violation.value_a, fx->p.dev);
    assert_int_equal(td_read16(&fx->world.bus, fx->p.dev + MODEL_PACKED_EVENT_OFF_FLAGS), 0);
  }
}

/* DRIVER_OK on a broken queue: the device stays off the ring. */
static void test_vq_driver_ok_on_broken_queue_writes_nothing(void **state) {
  struct fx *fx = *state;
  start_packed(fx, f(VIRTIO_F_EVENT_IDX), 4);
  assert_int_equal(dev_vq_report_violation(&fx->vq, MODEL_ERR_RING_DESC_FLAGS, "2.8.1", 0, 0),
                   MODEL_ERR_RING_DESC_FLAGS);
  fx->log.count = 0;
  assert_int_equal(dev_vq_driver_ok(&fx->vq), MODEL_OK);
  assert_int_equal(logged(fx, SIM_EV_MEM_WRITE, fx->p.dev, fx->p.dev + MODEL_PACKED_EVENT_SIZE), 0);
  assert_int_equal(fx->violations, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
      T(test_2_7_5_desc_read_fault_breaks_queue),
      T(test_2_7_6_avail_ring_read_fault_breaks_queue),
      T(test_2_7_6_has_available_read_fault_breaks_queue),
      T(test_2_7_8_used_elem_write_fault_publishes_nothing),
      T(test_2_7_8_2_1_early_idx_write_fault_writes_no_element),
      T(test_2_7_8_used_idx_write_fault_at_flush),
      T(test_2_7_7_suppression_read_fault_at_flush),
      T(test_2_7_9_in_order_elem_write_fault_at_flush),
      T(test_2_7_10_used_flags_write_fault),
      T(test_2_7_10_avail_event_write_fault),
      T(test_2_7_5_1_3_write_descriptor_table_fault_is_harmless),
      T(test_vq_split_layout_refused),
      T(test_2_7_5_2_1_chain_of_2_pow_32_bytes),
      T(test_2_7_5_3_indirect_table_unmapped),
      T(test_2_7_6_1_1_in_order_more_out_than_the_ring),
      T(test_vq_init_refuses_illegal_size_max),
      T(test_vq_unavailable_queue_refuses_size_and_ready),
      T(test_vq_enable_twice_keeps_state),
      T(test_vq_violation_without_hook_is_recorded),
      T(test_vq_push_refused_on_unready_queue),
      T(test_vq_chain_copy_offset_past_the_part),
      T(test_vq_chain_copy_fault_across_segments),
      T(test_2_7_5_1_misbehave_buffer_access_skips_empty_segments),
      T(test_2_7_5_1_misbehave_buffer_access_without_target),
      T(test_packed_layout_refused),
      T(test_2_8_13_desc_read_fault_breaks_queue),
      T(test_2_8_1_has_available_reports_a_used_head),
      T(test_2_8_4_zero_length_accepted_wrapping_refused),
      T(test_2_8_7_indirect_table_unmapped),
      T(test_2_8_indirect_entry_fault_and_unmapped_buffer),
      T(test_2_8_12_1_next_list_first_without_a_next_list),
      T(test_2_8_12_1_next_list_first_on_a_broken_list),
      T(test_2_8_12_1_next_list_first_fault_is_harmless),
      T(test_2_8_13_used_desc_write_fault_at_flush),
      T(test_6_2_3_use_out_of_order_write_fault),
      T(test_6_2_3_use_out_of_order_needs_two_in_order_pushes),
      T(test_2_8_15_4_write_descriptor_table_fault_is_harmless),
      T(test_2_8_15_3_use_unavailable_needs_an_idle_empty_slot),
      T(test_2_8_10_driver_event_read_fault_at_flush),
      T(test_2_8_10_desc_event_outside_the_ring_notifies),
      T(test_2_8_10_device_event_write_fault),
      T(test_vq_driver_ok_on_broken_queue_writes_nothing),
#undef T
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
