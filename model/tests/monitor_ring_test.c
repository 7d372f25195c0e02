/*
 * model/tests/monitor_ring_test.c: the monitor's ring shadows (model/
 * monitor_ring.c, monitor_packed.c) and its classification of guest-memory
 * accesses (model/monitor_access.c), at the edges monitor_test.c leaves:
 * queue sizes taken from QueueSizeMax, unreadable ring fields, chains that
 * share descriptors or end early, indirect tables rewritten, used entries
 * the shadow cannot follow, the driver excused after an injected reset,
 * accesses by the injector, and the packed ring's lost and boundary states.
 * Regression: test_packed_duplicate_id_used_twice (two outstanding packed
 * buffers with one id: a use takes the oldest; the device was blamed).
 * test_ring_view_reads_as_read holds a monitor that reads guest memory in
 * place (model_mon_mem_ops.view) to the one that calls read for each peek.
 *
 * As in monitor_test.c, a twin case runs its sequence twice on a fresh
 * fixture: bad breaks a rule (exactly that clause must be violated, and be
 * counted), the twin stays on the right side of the boundary (no verdict at
 * all). The other tests assert the state the path exists for: what is
 * judged, what is not, and what the shadow still knows afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/tests/monitor_fixture.h"

#define IND_FEATURES  (BASE_FEATURES | F(VIRTIO_F_INDIRECT_DESC))
#define EVI_FEATURES  (BASE_FEATURES | F(VIRTIO_F_EVENT_IDX))
#define IO_FEATURES   (BASE_FEATURES | F(VIRTIO_F_IN_ORDER))
#define MODES_ALL     (MODEL_MON_OBSERVE_ACCESSES | MODEL_MON_OBSERVE_SNAPSHOTS)
#define VIRTIO_ID_BLK 2u

static const unsigned modes[] = {MODEL_MON_OBSERVE_ACCESSES, MODEL_MON_OBSERVE_SNAPSHOTS,
                                 MODEL_MON_OBSERVE_ACCESSES | MODEL_MON_OBSERVE_SNAPSHOTS};

/* ---- results ------------------------------------------------------------------------------ */

static const struct model_mon_tally *tally(const struct fx *f, const char *id) {
  const struct model_clause *c = model_catalog_find(id);
  assert_non_null(c);
  size_t index = 0;
  while (model_catalog_at(index) != c)
    index++;
  return model_mon_tally(f->mon, index);
}

static uint64_t evaluated(const struct fx *f, const char *id) {
  return tally(f, id)->evaluated;
}

static uint64_t violated(const struct fx *f, const char *id) {
  return tally(f, id)->violations;
}

/* ---- twin cases --------------------------------------------------------------------------- */

typedef void (*case_fn)(struct fx *f, bool bad);

struct ring_case {
  const char *id;   /* the clause the bad run violates */
  const char *name; /* the cmocka test */
  case_fn fn;
  unsigned modes; /* observe modes it applies to: every mode holding one of these bits */
};

static void run_twin(const struct ring_case *c, unsigned observe, bool bad) {
  static struct fx f;
  fx_open(&f, observe, BASE_FEATURES, BASE_FEATURES);
  c->fn(&f, bad);
  model_mon_finish(f.mon);
  if (bad) {
    expect_only(&f, c->id);
    assert_true(evaluated(&f, c->id) > 0);
    assert_true(violated(&f, c->id) > 0);
  } else {
    expect_clean(&f);
  }
  fx_close(&f);
}

static void test_ring_case(void **state) {
  const struct ring_case *c = *state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    if ((modes[m] & c->modes) == 0)
      continue;
    current_mode = modes[m];
    run_twin(c, modes[m], false);
    run_twin(c, modes[m], true);
  }
}

/* ---- split ring helpers ------------------------------------------------------------------- */

/* Up to FEATURES_OK with the fixture's features. */
static void negotiate(struct fx *f) {
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, true);
  config_mtu(f);
}

/* Queue q set up with these areas; the size is written if size != 0, and
 * QueueSizeMax is read as size_max if size_max != 0. */
static void queue_setup_at(struct fx *f, unsigned q, uint32_t size, uint32_t size_max,
                           uint64_t desc, uint64_t avail, uint64_t used) {
  rw(f, MODEL_MMIO_QUEUE_SEL, q);
  rr(f, MODEL_MMIO_QUEUE_READY, 0);
  if (size_max != 0)
    rr(f, MODEL_MMIO_QUEUE_SIZE_MAX, size_max);
  if (size != 0)
    rw(f, MODEL_MMIO_QUEUE_SIZE, size);
  rw(f, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
  rw(f, MODEL_MMIO_QUEUE_DESC_HIGH, 0);
  rw(f, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
  rw(f, MODEL_MMIO_QUEUE_DRIVER_HIGH, 0);
  rw(f, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
  rw(f, MODEL_MMIO_QUEUE_DEVICE_HIGH, 0);
  rw(f, MODEL_MMIO_QUEUE_READY, 1);
  f->avail_idx[q] = f->used_idx[q] = f->next_desc[q] = 0;
}

static void driver_ok(struct fx *f) {
  status_add(f, VIRTIO_STATUS_DRIVER_OK);
  end_event(f);
}

/* A two-descriptor chain at head 0 of queue q that loops (bad) or ends. */
static void loop_chain(struct fx *f, unsigned q, bool loops) {
  uint64_t a = buf(f, 128);
  desc_at(f, q_desc(q), 0, a, 64, VIRTQ_DESC_F_NEXT, 1);
  desc_at(f, q_desc(q), 1, a + 64, 64, loops ? VIRTQ_DESC_F_NEXT : 0, 0);
  publish_head(f, q, 0);
  notify(f, q);
  end_event(f);
}

/* One readable buffer on queue q, published and notified. */
static uint16_t send1(struct fx *f, unsigned q) {
  uint16_t d = add1(f, q, buf(f, 64), 64, false);
  notify(f, q);
  end_event(f);
  return d;
}

/* ---- packed ring cases -------------------------------------------------------------------- */

/* 2.8.11#1: the device area on its 4-byte alignment */
static void c_2_8_11_1_device_area(struct fx *f, bool bad) {
  pk_reset(f, 0);
  negotiate(f);
  queue_setup_at(f, PQ, NUM, 0, q_desc(PQ), q_avail(PQ), q_used(PQ) + (bad ? 2u : 4u));
}

/* Without a QueueSize write a packed queue has QueueSizeMax entries */
static void c_packed_size_from_size_max(struct fx *f, bool bad) {
  pk_reset(f, 0);
  negotiate(f);
  queue_setup_at(f, PQ, 0, NUM, q_desc(PQ), q_avail(PQ), q_used(PQ));
  driver_ok(f);
  const uint16_t kinds[2] = {bad ? VIRTQ_DESC_F_WRITE : 0, bad ? 0 : VIRTQ_DESC_F_WRITE};
  (void)pk_add_flags(f, 2, 64, kinds);
  notify(f, PQ);
  end_event(f);
}

/* 2.8.17#3: one verdict per list, naming the first readable descriptor
 * after a writable one */
static void c_2_8_17_3_twice_in_a_list(struct fx *f, bool bad) {
  pk_up(f, 0);
  const uint16_t kinds[3] = {bad ? VIRTQ_DESC_F_WRITE : 0, 0, bad ? 0 : VIRTQ_DESC_F_WRITE};
  (void)pk_add_flags(f, 3, 64, kinds);
  notify(f, PQ);
  end_event(f);
  if (bad) {
    assert_int_equal(violated(f, "2.8.17#3"), 1);
    assert_int_equal(model_mon_verdict_at(f->mon, 0)->values[2], 1);
  }
}

/* 2.8.19#2: one verdict per table, naming the first entry with a flag
 * other than WRITE */
static void c_2_8_19_2_twice_in_a_table(struct fx *f, bool bad) {
  pk_up(f, F(VIRTIO_F_INDIRECT_DESC));
  uint64_t table = buf(f, 3u * MODEL_PACKED_DESC_SIZE), a = buf(f, 192);
  for (uint32_t i = 0; i < 3u; i++) {
    uint64_t e = table + model_packed_desc_off(i);
    wle(f, DRV, e + MODEL_PACKED_DESC_OFF_ADDR, a + 64u * i, 8);
    wle(f, DRV, e + MODEL_PACKED_DESC_OFF_LEN, 64, 4);
    wle(f, DRV, e + MODEL_PACKED_DESC_OFF_FLAGS,
        VIRTQ_DESC_F_WRITE | (bad && i > 0 ? VIRTQ_DESC_F_NEXT : 0), 2);
  }
  pk_desc(f, pk_slot_addr(0), table, 3u * MODEL_PACKED_DESC_SIZE, 0,
          pk_flags(0, 1, VIRTQ_DESC_F_INDIRECT));
  notify(f, PQ);
  end_event(f);
  if (bad) {
    assert_int_equal(violated(f, "2.8.19#2"), 1);
    assert_int_equal(model_mon_verdict_at(f->mon, 0)->values[2], 1);
  }
}

/* 2.8.15#3 with IN_ORDER: a used descriptor for an id never made
 * available */
static void c_2_8_15_3_in_order(struct fx *f, bool bad) {
  pk_up(f, F(VIRTIO_F_IN_ORDER));
  uint16_t a = pk_send(f, 1);
  pk_used_at(f, bad ? (uint16_t)(a + 7u) : a, 0, model_packed_used_bits(true), 1);
  end_event(f);
}

/* 2.8.12#2 with IN_ORDER: a used descriptor written in a slot the use at
 * the used position skips, for a buffer that batch did not cover */
static void c_2_8_12_2_in_order_flush(struct fx *f, bool bad) {
  pk_up(f, F(VIRTIO_F_IN_ORDER));
  uint16_t a = pk_add(f, 2), b = pk_add(f, 1);
  notify(f, PQ);
  end_event(f);
  uint64_t first = pk_slot_addr(0), second = pk_slot_addr(bad ? 1u : 2u);
  wle(f, DEV, first + MODEL_PACKED_DESC_OFF_LEN, 0, 4);
  wle(f, DEV, first + MODEL_PACKED_DESC_OFF_ID, a, 2);
  wle(f, DEV, second + MODEL_PACKED_DESC_OFF_LEN, 0, 4);
  wle(f, DEV, second + MODEL_PACKED_DESC_OFF_ID, b, 2);
  wle(f, DEV, second + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(true), 2);
  wle(f, DEV, first + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(true), 2);
  end_event(f);
}

/* 2.8.12#2: the device writes no slot outside the region it owns */
static void c_2_8_12_2_driver_slot(struct fx *f, bool bad) {
  pk_up(f, 0);
  uint16_t a = pk_send(f, 1);
  if (bad)
    wle(f, DEV, pk_slot_addr(2) + MODEL_PACKED_DESC_OFF_LEN, 0, 4);
  pk_use(f, a);
  end_event(f);
}

/* 2.8.12#2: nor a slot while it owns none */
static void c_2_8_12_2_nothing_owned(struct fx *f, bool bad) {
  pk_up(f, 0);
  uint16_t a = pk_send(f, 1);
  pk_use(f, a);
  end_event(f);
  if (bad)
    wle(f, DEV, pk_slot_addr(3) + MODEL_PACKED_DESC_OFF_LEN, 0, 4);
  end_event(f);
}

/* 2.1.2#1 on a packed ring: no used descriptor before DRIVER_OK */
static void c_2_1_2_1_packed(struct fx *f, bool bad) {
  pk_reset(f, 0);
  setup(f);
  if (!bad)
    driver_ok(f);
  wle(f, DEV, pk_slot_addr(0) + MODEL_PACKED_DESC_OFF_ID, 0, 2);
  end_event(f);
}

/* 2.8.21.3.1#1 is judged only on a device event area the monitor reads */
static void c_2_8_21_3_1_1_unreadable(struct fx *f, bool bad) {
  pk_up(f, 0);
  pk_dev_event(f, RING_EVENT_FLAGS_ENABLE, 0);
  end_event(f);
  if (!bad)
    fx_hole(f, q_used(PQ), MODEL_PACKED_EVENT_SIZE);
  (void)pk_add(f, 1);
  end_event(f);
}

/* 2.8.21.3.1#1: nothing owed once the driver gave up (FAILED) */
static void c_2_8_21_3_1_1_failed(struct fx *f, bool bad) {
  pk_up(f, 0);
  pk_dev_event(f, RING_EVENT_FLAGS_ENABLE, 0);
  end_event(f);
  (void)pk_add(f, 1);
  rr(f, MODEL_MMIO_STATUS, f->status); /* the monitor catches up here */
  if (!bad)
    status_add(f, VIRTIO_STATUS_FAILED);
  end_event(f);
}

/* 2.8.21.3.1#1: a driver whose read failed is excused */
static void c_2_8_21_3_1_1_failed_access(struct fx *f, bool bad) {
  pk_up(f, 0);
  pk_dev_event(f, RING_EVENT_FLAGS_ENABLE, 0);
  end_event(f);
  (void)pk_add(f, 1);
  if (!bad) {
    model_mon_fault(f->mon, MODEL_MON_FAULT_MEM, q_used(PQ), 4);
    model_mon_mem_read(f->mon, MODEL_MON_DRIVER, q_used(PQ), 4, false);
  }
  end_event(f);
}

/* 4.2.2.1#7: the device leaves a stopped packed queue's driver event area
 * alone */
static void c_4_2_2_1_7_packed_stopped(struct fx *f, bool bad) {
  pk_up(f, 0);
  rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  rw(f, MODEL_MMIO_QUEUE_READY, 0);
  rr(f, MODEL_MMIO_QUEUE_READY, 0);
  end_event(f);
  rmem(f, DEV, bad ? q_avail(0) : BUF_BASE + 0x1000u, 2);
  end_event(f);
}

/* 2.8.21.3.1#1: a notification of another, stopped packed queue settles
 * nothing */
static void c_2_8_21_3_1_1_stopped_queue_notified(struct fx *f, bool bad) {
  pk_up(f, 0);
  rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  rw(f, MODEL_MMIO_QUEUE_READY, 0);
  rr(f, MODEL_MMIO_QUEUE_READY, 0);
  pk_dev_event(f, RING_EVENT_FLAGS_ENABLE, 0);
  end_event(f);
  (void)pk_add(f, 1);
  notify(f, bad ? 0u : PQ);
  end_event(f);
}

/* ---- split ring cases --------------------------------------------------------------------- */

/* Without a QueueSize write the queue has QueueSizeMax entries (4.2.2):
 * the shadow exists and judges the chain. */
static void c_ring_size_from_size_max(struct fx *f, bool bad) {
  negotiate(f);
  queue_setup_at(f, PQ, 0, NUM, q_desc(PQ), q_avail(PQ), q_used(PQ));
  driver_ok(f);
  loop_chain(f, PQ, bad);
}

/* 2.7.1#1: the driver area on its 2-byte alignment */
static void c_2_7_1_1_driver_area(struct fx *f, bool bad) {
  negotiate(f);
  queue_setup_at(f, PQ, NUM, 0, q_desc(PQ), q_avail(PQ) + (bad ? 1u : 2u), q_used(PQ));
}

/* 2.7.1#1: the device area on its 4-byte alignment */
static void c_2_7_1_1_device_area(struct fx *f, bool bad) {
  negotiate(f);
  queue_setup_at(f, PQ, NUM, 0, q_desc(PQ), q_avail(PQ), q_used(PQ) + (bad ? 2u : 4u));
}

/* 3.3.1#1: a chain does not take a descriptor an outstanding chain holds */
static void c_3_3_1_1_shared_descriptor(struct fx *f, bool bad) {
  up(f);
  uint64_t a = buf(f, 256);
  desc_at(f, q_desc(PQ), 0, a, 64, VIRTQ_DESC_F_NEXT, 1);
  desc_at(f, q_desc(PQ), 1, a + 64, 64, 0, 0);
  desc_at(f, q_desc(PQ), 3, a + 192, 64, 0, 0);
  publish_head(f, PQ, 0);
  notify(f, PQ);
  end_event(f);
  desc_at(f, q_desc(PQ), 2, a + 128, 64, VIRTQ_DESC_F_NEXT, bad ? 1u : 3u);
  publish_head(f, PQ, 2);
  notify(f, PQ);
  end_event(f);
}

/* 2.7.5.2#1: a chain of exactly 2^32 bytes is allowed, one more is not */
static void c_2_7_5_2_1_bytes(struct fx *f, bool bad) {
  up(f);
  uint32_t len = bad ? 0x80000001u : 0x80000000u;
  desc_at(f, q_desc(PQ), 0, BUF_BASE, len, VIRTQ_DESC_F_NEXT, 1);
  desc_at(f, q_desc(PQ), 1, BUF_BASE, len, 0, 0);
  publish_head(f, PQ, 0);
  notify(f, PQ);
  end_event(f);
}

/* 2.7.5.2#2 at the end of the table: with IN_ORDER the last slot's next
 * is slot 0 */
static void c_2_7_5_2_2_wrap(struct fx *f, bool bad) {
  f->accepted = f->offered = IO_FEATURES;
  up(f);
  uint64_t a = buf(f, 128);
  desc_at(f, q_desc(PQ), NUM - 1u, a, 64, VIRTQ_DESC_F_NEXT, bad ? 1u : 0u);
  desc_at(f, q_desc(PQ), bad ? 1u : 0u, a + 64, 64, VIRTQ_DESC_F_WRITE, 0);
  publish_head(f, PQ, NUM - 1u);
  notify(f, PQ);
  end_event(f);
}

/* 3.3.1#1: a head the device did not use stays outstanding; one it used
 * (an in-range id of an outstanding head) is released. Ids out of range or
 * not outstanding release nothing. */
static void c_3_3_1_1_used_id_not_outstanding(struct fx *f, bool bad) {
  up(f);
  uint16_t d = send1(f, PQ);
  dev_use(f, PQ, NUM + 1u, 0); /* out of range: the driver's to find */
  dev_use(f, PQ, 5, 0);        /* in range, not outstanding */
  if (!bad)
    dev_use(f, PQ, d, 0);
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
  handler(f, MODEL_MMIO_INT_VRING);
  publish_head(f, PQ, d);
  notify(f, PQ);
  end_event(f);
}

/* 6.2#3: the middle one of three outstanding buffers named alone */
static void c_6_2_3_split_middle(struct fx *f, bool bad) {
  f->accepted = f->offered = IO_FEATURES;
  up(f);
  uint64_t a = buf(f, 192);
  (void)add1(f, PQ, a, 64, true);
  (void)add1(f, PQ, a + 64, 64, true);
  (void)add1(f, PQ, a + 128, 64, true);
  notify(f, PQ);
  end_event(f);
  dev_used_elem(f, PQ, 1, 64);
  dev_used_idx(f, PQ, bad ? 1u : 2u);
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 2.7.10.1#4 owed, unless the driver gave up (FAILED): no notification */
static void c_2_7_10_1_4_failed(struct fx *f, bool bad) {
  up(f);
  if (!bad)
    status_add(f, VIRTIO_STATUS_FAILED);
  (void)add1(f, PQ, buf(f, 64), 64, false);
  end_event(f);
}

/* 2.7.10.1#4 owed only if used flags could be read: no notification */
static void c_2_7_10_1_4_flags_unreadable(struct fx *f, bool bad) {
  up(f);
  if (!bad)
    fx_hole(f, q_used(PQ) + MODEL_SPLIT_USED_OFF_FLAGS, 2);
  (void)add1(f, PQ, buf(f, 64), 64, false);
  end_event(f);
}

/* 2.7.10.1#6 owed only if avail_event could be read */
static void c_2_7_10_1_6_event_unreadable(struct fx *f, bool bad) {
  f->accepted = f->offered = EVI_FEATURES;
  up(f);
  if (!bad)
    fx_hole(f, q_used(PQ) + model_split_avail_event_off(NUM), 2);
  (void)add1(f, PQ, buf(f, 64), 64, false);
  end_event(f);
}

/* 2.7.10.1#4: a QueueNotify for an index beyond every queue settles
 * nothing; with NOTIFICATION_DATA only the low 16 bits name the queue */
static void c_2_7_10_1_4_notification_data(struct fx *f, bool bad) {
  f->accepted = f->offered = BASE_FEATURES | F(VIRTIO_F_NOTIFICATION_DATA);
  up(f);
  (void)add1(f, PQ, buf(f, 64), 64, false);
  notify(f, bad ? MODEL_MON_QUEUES_MAX + PQ : (1u << 16) | PQ);
  end_event(f);
}

/* 2.7.7.2#3 owed only if avail flags could be read */
static void c_2_7_7_2_3_flags_unreadable(struct fx *f, bool bad) {
  up(f);
  uint16_t d = send1(f, PQ);
  if (!bad)
    fx_hole(f, q_avail(PQ) + MODEL_SPLIT_AVAIL_OFF_FLAGS, 2);
  dev_use(f, PQ, d, 0);
  end_event(f);
}

/* 2.7.7.2#5 owed only if used_event could be read */
static void c_2_7_7_2_5_event_unreadable(struct fx *f, bool bad) {
  f->accepted = f->offered = EVI_FEATURES;
  up(f);
  uint16_t d = send1(f, PQ);
  if (!bad)
    fx_hole(f, q_avail(PQ) + model_split_used_event_off(NUM), 2);
  dev_use(f, PQ, d, 0);
  end_event(f);
}

/* 2.7.7.2#6: an interrupt is judged against used_event only if it can be
 * read */
static void c_2_7_7_2_6_event_unreadable(struct fx *f, bool bad) {
  f->accepted = f->offered = EVI_FEATURES;
  up(f);
  uint16_t d = send1(f, PQ);
  wle(f, DRV, q_avail(PQ) + model_split_used_event_off(NUM), 5, 2); /* not crossed */
  end_event(f);
  if (!bad)
    fx_hole(f, q_avail(PQ) + model_split_used_event_off(NUM), 2);
  dev_use(f, PQ, d, 0);
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 2.7.7.2#3: a failed device access excuses what the device owed */
static void c_2_7_7_2_3_failed_access(struct fx *f, bool bad) {
  up(f);
  uint16_t d = send1(f, PQ);
  dev_use(f, PQ, d, 0);
  if (!bad) {
    model_mon_fault(f->mon, MODEL_MON_FAULT_MEM, q_avail(PQ), 2);
    model_mon_mem_read(f->mon, MODEL_MON_DEVICE, q_avail(PQ), 2, false);
  }
  end_event(f);
}

/* 2.7.10.1#7: a driver whose read failed may notify to be safe */
static void c_2_7_10_1_7_failed_access(struct fx *f, bool bad) {
  f->accepted = f->offered = EVI_FEATURES;
  up(f);
  wle(f, DEV, q_used(PQ) + model_split_avail_event_off(NUM), 5, 2);
  end_event(f);
  (void)add1(f, PQ, buf(f, 64), 64, false);
  if (!bad) {
    model_mon_fault(f->mon, MODEL_MON_FAULT_MEM, q_used(PQ), 2);
    model_mon_mem_read(f->mon, MODEL_MON_DRIVER, q_used(PQ), 2, false);
  }
  notify(f, PQ);
  end_event(f);
}

/* 2.7.13.3.1#1 with a full ring published at once: any avail entry written
 * after that idx write was published by it */
static void c_2_7_13_3_1_1_full_ring(struct fx *f, bool bad) {
  up(f);
  uint64_t a = buf(f, 64u * NUM);
  for (uint16_t d = 0; d < NUM; d++) {
    desc_at(f, q_desc(PQ), d, a + 64u * d, 64, 0, 0);
    if (bad || d != 3u)
      avail_entry(f, PQ, d);
    f->avail_idx[PQ]++;
  }
  if (!bad)
    wle(f, DRV, q_avail(PQ) + model_split_avail_ring_off(3), 3, 2);
  avail_idx_write(f, PQ, NUM);
  if (bad)
    wle(f, DRV, q_avail(PQ) + model_split_avail_ring_off(3), 3, 2);
  notify(f, PQ);
  end_event(f);
}

/* An indirect chain at head 0 of PQ: a table of two entries, a readable
 * buffer and a writable one (at *writable if not NULL). */
static uint64_t indirect_at_head0(struct fx *f, uint64_t *writable) {
  uint64_t table = buf(f, 2u * MODEL_SPLIT_DESC_SIZE), a = buf(f, 128);
  if (writable != NULL)
    *writable = a + 64;
  desc_at(f, table, 0, a, 64, VIRTQ_DESC_F_NEXT, 1);
  desc_at(f, table, 1, a + 64, 64, VIRTQ_DESC_F_WRITE, 0);
  desc_at(f, q_desc(PQ), 0, table, 2u * MODEL_SPLIT_DESC_SIZE, VIRTQ_DESC_F_INDIRECT, 0);
  return table;
}

/* 2.7.13.3.1#1: an indirect table written after the idx that published it */
static void c_2_7_13_3_1_1_table(struct fx *f, bool bad) {
  f->accepted = f->offered = IND_FEATURES;
  up(f);
  uint64_t table = indirect_at_head0(f, NULL);
  if (!bad)
    wle(f, DRV, table + MODEL_SPLIT_DESC_OFF_LEN, 32, 4);
  publish_head(f, PQ, 0);
  if (bad)
    wle(f, DRV, table + MODEL_SPLIT_DESC_OFF_LEN, 32, 4);
  notify(f, PQ);
  end_event(f);
}

/* 3.3.1#1: the table of an outstanding chain is left alone until used */
static void c_3_3_1_1_table(struct fx *f, bool bad) {
  f->accepted = f->offered = IND_FEATURES;
  up(f);
  uint64_t table = indirect_at_head0(f, NULL);
  publish_head(f, PQ, 0);
  notify(f, PQ);
  end_event(f);
  if (!bad) {
    dev_use(f, PQ, 0, 0);
    irq(f, MODEL_MMIO_INT_VRING);
    end_event(f);
    handler(f, MODEL_MMIO_INT_VRING);
  }
  wle(f, DRV, table + MODEL_SPLIT_DESC_OFF_LEN, 32, 4);
  end_event(f);
}

/* 2.7.5.1#3: the device does not write an indirect table */
static void c_2_7_5_1_3_table(struct fx *f, bool bad) {
  f->accepted = f->offered = IND_FEATURES;
  up(f);
  uint64_t writable = 0, table = indirect_at_head0(f, &writable);
  publish_head(f, PQ, 0);
  notify(f, PQ);
  end_event(f);
  uint8_t x[4] = {1, 2, 3, 4};
  wmem(f, DEV, bad ? table : writable, x, sizeof(x));
  dev_use(f, PQ, 0, 4);
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 4.2.2.1#7: the device leaves the rings of a stopped queue alone, but the
 * memory may be a ready queue's buffer now */
static void c_4_2_2_1_7_memory_reused(struct fx *f, bool bad) {
  up(f);
  rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  rw(f, MODEL_MMIO_QUEUE_READY, 0);
  rr(f, MODEL_MMIO_QUEUE_READY, 0);
  end_event(f);
  /* queue 0's old descriptor table becomes a writable buffer of PQ */
  (void)add1(f, PQ, q_desc(0), 64, true);
  notify(f, PQ);
  end_event(f);
  uint8_t x[4] = {1, 2, 3, 4};
  wmem(f, DEV, bad ? q_avail(0) : q_desc(0), x, sizeof(x));
  end_event(f);
}

/* 4.2.2.1#7: a device read of a stopped queue's used ring */
static void c_4_2_2_1_7_read(struct fx *f, bool bad) {
  up(f);
  rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  rw(f, MODEL_MMIO_QUEUE_READY, 0);
  rr(f, MODEL_MMIO_QUEUE_READY, 0);
  end_event(f);
  rmem(f, DEV, bad ? q_used(0) : BUF_BASE + 0x1000u, 2);
  end_event(f);
}

/* 4.2.2.1#7 on a queue configured from QueueSizeMax only, not selected */
static void c_4_2_2_1_7_size_max(struct fx *f, bool bad) {
  negotiate(f);
  rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  rr(f, MODEL_MMIO_QUEUE_READY, 0);
  rr(f, MODEL_MMIO_QUEUE_SIZE_MAX, NUM);
  rw(f, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)q_desc(0));
  rw(f, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q_avail(0));
  rw(f, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q_used(0));
  rw(f, MODEL_MMIO_QUEUE_SEL, 1);
  uint8_t x[2] = {0, 0};
  wmem(f, DEV, bad ? q_used(0) : BUF_BASE, x, sizeof(x));
  end_event(f);
}

/* 4.2.2.1#7: two device writes to the device area of the selected queue,
 * held, then the QueueReady write of that queue (twin) or another
 * register access */
static void c_4_2_2_1_7_held_twice(struct fx *f, bool bad) {
  negotiate(f);
  rw(f, MODEL_MMIO_QUEUE_SEL, PQ);
  rr(f, MODEL_MMIO_QUEUE_READY, 0);
  rw(f, MODEL_MMIO_QUEUE_SIZE, NUM);
  rw(f, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)q_desc(PQ));
  rw(f, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q_avail(PQ));
  rw(f, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q_used(PQ));
  wle(f, DEV, q_used(PQ) + MODEL_SPLIT_USED_OFF_FLAGS, 0, 2);
  wle(f, DEV, q_used(PQ) + MODEL_SPLIT_USED_OFF_IDX, 0, 2);
  if (bad)
    rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  rw(f, MODEL_MMIO_QUEUE_READY, 1);
}

/* 2.7.10.1#4: a publication seen before FAILED is owed its notification
 * only while the driver has not given up by the end of its event */
static void c_2_7_10_1_4_failed_later(struct fx *f, bool bad) {
  up(f);
  (void)add1(f, PQ, buf(f, 64), 64, false);
  rr(f, MODEL_MMIO_STATUS, f->status); /* the monitor catches up here */
  if (!bad)
    status_add(f, VIRTIO_STATUS_FAILED);
  end_event(f);
}

/* 2.7.10.1#3 is judged only on used flags the monitor can read */
static void c_2_7_10_1_3_flags_unreadable(struct fx *f, bool bad) {
  up(f);
  wle(f, DEV, q_used(PQ) + MODEL_SPLIT_USED_OFF_FLAGS, VIRTQ_USED_F_NO_NOTIFY, 2);
  end_event(f);
  (void)add1(f, PQ, buf(f, 64), 64, false);
  if (!bad)
    fx_hole(f, q_used(PQ) + MODEL_SPLIT_USED_OFF_FLAGS, 2);
  notify(f, PQ);
  end_event(f);
}

/* 2.7.10.1#7 is judged only on an avail_event the monitor can read */
static void c_2_7_10_1_7_event_unreadable(struct fx *f, bool bad) {
  f->accepted = f->offered = EVI_FEATURES;
  up(f);
  wle(f, DEV, q_used(PQ) + model_split_avail_event_off(NUM), 5, 2);
  end_event(f);
  (void)add1(f, PQ, buf(f, 64), 64, false);
  if (!bad)
    fx_hole(f, q_used(PQ) + model_split_avail_event_off(NUM), 2);
  notify(f, PQ);
  end_event(f);
}

/* 2.7.7.2#2: an interrupt is judged against avail flags only if they can
 * be read */
static void c_2_7_7_2_2_flags_unreadable(struct fx *f, bool bad) {
  up(f);
  uint16_t d = send1(f, PQ);
  wle(f, DRV, q_avail(PQ) + MODEL_SPLIT_AVAIL_OFF_FLAGS, VIRTQ_AVAIL_F_NO_INTERRUPT, 2);
  end_event(f);
  if (!bad)
    fx_hole(f, q_avail(PQ) + MODEL_SPLIT_AVAIL_OFF_FLAGS, 2);
  dev_use(f, PQ, d, 0);
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 2.7.4.2#1: one verdict per chain, naming the first readable descriptor
 * after a writable one */
static void c_2_7_4_2_1_twice_in_a_chain(struct fx *f, bool bad) {
  up(f);
  uint64_t a = buf(f, 192);
  desc_at(f, q_desc(PQ), 0, a, 64, VIRTQ_DESC_F_NEXT | (bad ? VIRTQ_DESC_F_WRITE : 0), 1);
  desc_at(f, q_desc(PQ), 1, a + 64, 64, VIRTQ_DESC_F_NEXT, 2);
  desc_at(f, q_desc(PQ), 2, a + 128, 64, bad ? 0 : VIRTQ_DESC_F_WRITE, 0);
  publish_head(f, PQ, 0);
  notify(f, PQ);
  end_event(f);
  if (bad) {
    assert_int_equal(violated(f, "2.7.4.2#1"), 1);
    assert_int_equal(model_mon_verdict_at(f->mon, 0)->values[2], 1);
  }
}

/* 2.7.5.2#2: one verdict per chain however many nexts skip a slot */
static void c_2_7_5_2_2_twice_in_a_chain(struct fx *f, bool bad) {
  f->accepted = f->offered = IO_FEATURES;
  up(f);
  uint64_t a = buf(f, 192);
  uint16_t second = bad ? 2u : 1u, third = bad ? 4u : 2u;
  desc_at(f, q_desc(PQ), 0, a, 64, VIRTQ_DESC_F_NEXT, second);
  desc_at(f, q_desc(PQ), second, a + 64, 64, VIRTQ_DESC_F_NEXT, third);
  desc_at(f, q_desc(PQ), third, a + 128, 64, 0, 0);
  publish_head(f, PQ, 0);
  notify(f, PQ);
  end_event(f);
  if (bad)
    assert_int_equal(violated(f, "2.7.5.2#2"), 1);
}

/* 2.7.13.3.1#1: a descriptor made INDIRECT after the idx, then (after the
 * monitor caught up) its table written: both after the idx */
static void c_2_7_13_3_1_1_table_after_late_indirect(struct fx *f, bool bad) {
  f->accepted = f->offered = IND_FEATURES;
  up(f);
  uint64_t table = buf(f, 2u * MODEL_SPLIT_DESC_SIZE), a = buf(f, 128);
  desc_at(f, table, 0, a, 64, 0, 0);
  if (!bad)
    desc_at(f, q_desc(PQ), 0, table, MODEL_SPLIT_DESC_SIZE, VIRTQ_DESC_F_INDIRECT, 0);
  publish_head(f, PQ, 0);
  if (bad)
    desc_at(f, q_desc(PQ), 0, table, MODEL_SPLIT_DESC_SIZE, VIRTQ_DESC_F_INDIRECT, 0);
  rr(f, MODEL_MMIO_STATUS, f->status); /* the monitor walks the chain here */
  if (bad)
    desc_at(f, table, 0, a, 32, 0, 0);
  notify(f, PQ);
  end_event(f);
  if (bad) /* the four fields of the descriptor, then the four of the table entry */
    assert_int_equal(violated(f, "2.7.13.3.1#1"), 8);
}

static const struct ring_case cases[] = {
    {"2.7.5.2#1", "test_ring_size_from_queue_size_max", c_ring_size_from_size_max, MODES_ALL},
    {"2.7.1#1", "test_2_7_1_1_driver_area_alignment", c_2_7_1_1_driver_area, MODES_ALL},
    {"2.7.1#1", "test_2_7_1_1_device_area_alignment", c_2_7_1_1_device_area, MODES_ALL},
    {"3.3.1#1", "test_3_3_1_1_chain_takes_outstanding_descriptor", c_3_3_1_1_shared_descriptor,
     MODES_ALL},
    {"2.7.5.2#1", "test_2_7_5_2_1_chain_of_2_32_bytes", c_2_7_5_2_1_bytes, MODES_ALL},
    {"2.7.5.2#2", "test_2_7_5_2_2_last_slot_next_is_0", c_2_7_5_2_2_wrap, MODES_ALL},
    {"3.3.1#1", "test_3_3_1_1_used_id_not_outstanding_releases_nothing",
     c_3_3_1_1_used_id_not_outstanding, MODES_ALL},
    {"6.2#3", "test_6_2_3_split_middle_buffer_named_alone", c_6_2_3_split_middle, MODES_ALL},
    {"2.7.10.1#4", "test_2_7_10_1_4_nothing_owed_after_failed", c_2_7_10_1_4_failed, MODES_ALL},
    {"2.7.10.1#4", "test_2_7_10_1_4_nothing_owed_on_unreadable_used_flags",
     c_2_7_10_1_4_flags_unreadable, MODES_ALL},
    {"2.7.10.1#6", "test_2_7_10_1_6_nothing_owed_on_unreadable_avail_event",
     c_2_7_10_1_6_event_unreadable, MODES_ALL},
    {"2.7.10.1#4", "test_2_7_10_1_4_notification_data_names_the_queue",
     c_2_7_10_1_4_notification_data, MODES_ALL},
    {"2.7.7.2#3", "test_2_7_7_2_3_nothing_owed_on_unreadable_avail_flags",
     c_2_7_7_2_3_flags_unreadable, MODES_ALL},
    {"2.7.7.2#5", "test_2_7_7_2_5_nothing_owed_on_unreadable_used_event",
     c_2_7_7_2_5_event_unreadable, MODES_ALL},
    {"2.7.7.2#6", "test_2_7_7_2_6_not_judged_on_unreadable_used_event",
     c_2_7_7_2_6_event_unreadable, MODES_ALL},
    {"2.7.7.2#3", "test_2_7_7_2_3_failed_access_excuses_the_device", c_2_7_7_2_3_failed_access,
     MODES_ALL},
    {"2.7.10.1#7", "test_2_7_10_1_7_failed_access_excuses_the_driver", c_2_7_10_1_7_failed_access,
     MODES_ALL},
    {"2.7.13.3.1#1", "test_2_7_13_3_1_1_avail_entry_after_full_ring_idx", c_2_7_13_3_1_1_full_ring,
     MODEL_MON_OBSERVE_ACCESSES},
    {"2.7.13.3.1#1", "test_2_7_13_3_1_1_indirect_table_after_idx", c_2_7_13_3_1_1_table,
     MODEL_MON_OBSERVE_ACCESSES},
    {"3.3.1#1", "test_3_3_1_1_outstanding_indirect_table_rewritten", c_3_3_1_1_table,
     MODEL_MON_OBSERVE_ACCESSES},
    {"2.7.5.1#3", "test_2_7_5_1_3_device_writes_indirect_table", c_2_7_5_1_3_table,
     MODEL_MON_OBSERVE_ACCESSES},
    {"4.2.2.1#7", "test_4_2_2_1_7_stopped_queue_memory_reused_as_buffer", c_4_2_2_1_7_memory_reused,
     MODEL_MON_OBSERVE_ACCESSES},
    {"4.2.2.1#7", "test_4_2_2_1_7_device_reads_stopped_used_ring", c_4_2_2_1_7_read,
     MODEL_MON_OBSERVE_ACCESSES},
    {"4.2.2.1#7", "test_4_2_2_1_7_areas_from_queue_size_max", c_4_2_2_1_7_size_max,
     MODEL_MON_OBSERVE_ACCESSES},
    {"4.2.2.1#7", "test_4_2_2_1_7_held_writes_judged_unless_queue_ready", c_4_2_2_1_7_held_twice,
     MODEL_MON_OBSERVE_ACCESSES},
    {"2.7.10.1#4", "test_2_7_10_1_4_nothing_owed_once_failed_by_event_end",
     c_2_7_10_1_4_failed_later, MODES_ALL},
    {"2.7.10.1#3", "test_2_7_10_1_3_not_judged_on_unreadable_used_flags",
     c_2_7_10_1_3_flags_unreadable, MODES_ALL},
    {"2.7.10.1#7", "test_2_7_10_1_7_not_judged_on_unreadable_avail_event",
     c_2_7_10_1_7_event_unreadable, MODES_ALL},
    {"2.7.7.2#2", "test_2_7_7_2_2_not_judged_on_unreadable_avail_flags",
     c_2_7_7_2_2_flags_unreadable, MODES_ALL},
    {"2.7.4.2#1", "test_2_7_4_2_1_one_verdict_per_chain", c_2_7_4_2_1_twice_in_a_chain, MODES_ALL},
    {"2.7.5.2#2", "test_2_7_5_2_2_one_verdict_per_chain", c_2_7_5_2_2_twice_in_a_chain, MODES_ALL},
    {"2.7.13.3.1#1", "test_2_7_13_3_1_1_table_of_a_late_indirect_descriptor",
     c_2_7_13_3_1_1_table_after_late_indirect, MODEL_MON_OBSERVE_ACCESSES},
    {"2.8.11#1", "test_2_8_11_1_device_area_alignment", c_2_8_11_1_device_area, MODES_ALL},
    {"2.8.17#3", "test_packed_size_from_queue_size_max", c_packed_size_from_size_max, MODES_ALL},
    {"2.8.17#3", "test_2_8_17_3_one_verdict_per_list", c_2_8_17_3_twice_in_a_list, MODES_ALL},
    {"2.8.19#2", "test_2_8_19_2_one_verdict_per_table", c_2_8_19_2_twice_in_a_table, MODES_ALL},
    {"2.8.15#3", "test_2_8_15_3_unknown_id_with_in_order", c_2_8_15_3_in_order, MODES_ALL},
    {"2.8.12#2", "test_2_8_12_2_in_order_used_in_a_skipped_slot", c_2_8_12_2_in_order_flush,
     MODEL_MON_OBSERVE_ACCESSES},
    {"2.8.12#2", "test_2_8_12_2_device_writes_a_driver_slot", c_2_8_12_2_driver_slot,
     MODEL_MON_OBSERVE_ACCESSES},
    {"2.8.12#2", "test_2_8_12_2_device_writes_while_owning_none", c_2_8_12_2_nothing_owned,
     MODEL_MON_OBSERVE_ACCESSES},
    {"2.1.2#1", "test_2_1_2_1_packed_used_before_driver_ok", c_2_1_2_1_packed,
     MODEL_MON_OBSERVE_ACCESSES},
    {"2.8.21.3.1#1", "test_2_8_21_3_1_1_not_judged_on_unreadable_event_area",
     c_2_8_21_3_1_1_unreadable, MODES_ALL},
    {"2.8.21.3.1#1", "test_2_8_21_3_1_1_nothing_owed_once_failed", c_2_8_21_3_1_1_failed,
     MODES_ALL},
    {"2.8.21.3.1#1", "test_2_8_21_3_1_1_failed_access_excuses_the_driver",
     c_2_8_21_3_1_1_failed_access, MODES_ALL},
    {"4.2.2.1#7", "test_4_2_2_1_7_device_reads_stopped_packed_event_area",
     c_4_2_2_1_7_packed_stopped, MODEL_MON_OBSERVE_ACCESSES},
    {"2.8.21.3.1#1", "test_2_8_21_3_1_1_stopped_queue_notified",
     c_2_8_21_3_1_1_stopped_queue_notified, MODES_ALL},
};

/* ---- split ring: beyond twins ------------------------------------------------------------- */

/* Neither QueueSize written nor QueueSizeMax read: the monitor does not
 * know the size and keeps no shadow, so nothing on the ring is judged. */
static void test_ring_no_shadow_without_a_queue_size(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    negotiate(&f);
    queue_setup_at(&f, PQ, 0, 0, q_desc(PQ), q_avail(PQ), q_used(PQ));
    driver_ok(&f);
    loop_chain(&f, PQ, true);
    model_mon_finish(f.mon);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "2.7.5.2#1"), 0);
    assert_int_equal(evaluated(&f, "2.7.10.1#4"), 0);
    fx_close(&f);
    fx_open(&f, modes[m], PK_FEATURES, PK_FEATURES);
    negotiate(&f);
    queue_setup_at(&f, PQ, 0, 0, q_desc(PQ), q_avail(PQ), q_used(PQ));
    driver_ok(&f);
    pk_reset(&f, 0);
    (void)pk_send(&f, 1);
    model_mon_finish(f.mon);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "2.8.17#2"), 0);
    fx_close(&f);
  }
}

/* Injected reset: the driver, unaware, sets the device up again without a
 * reset of its own and breaks ring rules on the way; none of it is held
 * against it until it resets the device itself. */
static void test_ring_excused_driver_not_judged(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    up(&f);
    model_mon_fault(f.mon, MODEL_MON_FAULT_DEVICE_RESET, MODEL_MMIO_STATUS, 0);
    model_mon_reg_write(f.mon, MODEL_MON_OTHER, MODEL_MMIO_STATUS, 4, 0, true);
    end_event(&f);
    f.status = 0;
    status_add(&f, VIRTIO_STATUS_ACKNOWLEDGE);
    status_add(&f, VIRTIO_STATUS_DRIVER);
    features_read(&f);
    features_write(&f);
    features_ok(&f, true);
    wle(&f, DRV, q_used(PQ), VIRTQ_USED_F_NO_NOTIFY, 2);                      /* 2.7.10.1#1 */
    queue_setup_at(&f, PQ, NUM, 0, q_desc(PQ) + 8u, q_avail(PQ), q_used(PQ)); /* 2.7.1#1 */
    driver_ok(&f);
    uint64_t a = buf(&f, 128), t = q_desc(PQ) + 8u;
    desc_at(&f, t, 0, a, 64, VIRTQ_DESC_F_NEXT, 1);
    desc_at(&f, t, 1, a + 64, 64, VIRTQ_DESC_F_NEXT, 0); /* 2.7.5.2#1 */
    publish_head(&f, PQ, 0);
    publish_head(&f, PQ, 0);                                       /* 3.3.1#1 */
    wle(&f, DRV, q_avail(PQ) + MODEL_SPLIT_AVAIL_OFF_FLAGS, 2, 2); /* 2.7.7.1#1 */
    notify(&f, PQ);                                                /* 2.7.10.1#3 */
    end_event(&f);
    desc_at(&f, t, 1, a + 64, 32, 0, 0); /* 3.3.1#1 (accesses) */
    (void)add1(&f, PQ, a, 64, false);    /* 2.7.10.1#4: no notification */
    end_event(&f);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "2.7.1#1"), 3); /* the three queues of up() only */
    assert_int_equal(evaluated(&f, "2.7.10.1#1"), 3);
    assert_int_equal(evaluated(&f, "2.7.5.2#1"), 0);
    assert_int_equal(evaluated(&f, "2.7.7.1#1"), 0);
    fx_close(&f);
  }
}

/* Before DRIVER_OK the driver may prepare buffers: the rules about
 * outstanding chains (3.3.1#1) start with DRIVER_OK, and a chain shared,
 * made available twice or rewritten before it is not held against it. */
static void test_ring_outstanding_rules_start_at_driver_ok(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], IND_FEATURES, IND_FEATURES);
    setup(&f);
    uint64_t a = buf(&f, 256);
    desc_at(&f, q_desc(PQ), 0, a, 64, VIRTQ_DESC_F_NEXT, 1);
    desc_at(&f, q_desc(PQ), 1, a + 64, 64, 0, 0);
    publish_head(&f, PQ, 0);
    end_event(&f);
    desc_at(&f, q_desc(PQ), 2, a + 128, 64, VIRTQ_DESC_F_NEXT, 1); /* shares 1 */
    publish_head(&f, PQ, 2);
    publish_head(&f, PQ, 0); /* again */
    end_event(&f);
    desc_at(&f, q_desc(PQ), 1, a + 64, 32, 0, 0); /* rewritten */
    uint64_t table = buf(&f, MODEL_SPLIT_DESC_SIZE);
    desc_at(&f, table, 0, a + 192, 64, 0, 0);
    desc_at(&f, q_desc(PQ), 3, table, MODEL_SPLIT_DESC_SIZE, VIRTQ_DESC_F_INDIRECT, 0);
    publish_head(&f, PQ, 3);
    end_event(&f);
    desc_at(&f, table, 0, a + 192, 32, 0, 0); /* its table rewritten */
    end_event(&f);
    status_add(&f, VIRTIO_STATUS_DRIVER_OK);
    notify(&f, PQ);
    end_event(&f);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "3.3.1#1"), 0);
    fx_close(&f);
  }
}

/* Chains the device is to refuse (2.7.5: a next out of range, an indirect
 * table whose length is no multiple of 16) have no statement of ours and
 * end the walk; a head out of range is not walked at all; a zero-length
 * descriptor is a descriptor like any other. */
static void test_ring_malformed_chains_end_the_walk(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], IND_FEATURES, IND_FEATURES);
    up(&f);
    uint64_t a = buf(&f, 256);
    desc_at(&f, q_desc(PQ), 0, a, 64, VIRTQ_DESC_F_NEXT, NUM + 3u);
    desc_at(&f, q_desc(PQ), 1, a + 64, 24, VIRTQ_DESC_F_INDIRECT, 0);
    desc_at(&f, q_desc(PQ), 2, a + 128, 0, 0, 0);
    desc_at(&f, q_desc(PQ), 3, a + 192, 0, VIRTQ_DESC_F_INDIRECT, 0);
    publish_head(&f, PQ, 0);
    publish_head(&f, PQ, 1);
    publish_head(&f, PQ, 2);
    publish_head(&f, PQ, 3);
    avail_entry(&f, PQ, NUM + 1u);
    avail_idx_write(&f, PQ, (uint16_t)(f.avail_idx[PQ] + 1u));
    avail_idx_write(&f, PQ, f.avail_idx[PQ]); /* the same idx again: no publication */
    notify(&f, PQ);
    end_event(&f);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "2.7.5.2#1"), 4);
    assert_true(evaluated(&f, "3.3.1#1") >= 4u); /* one per walked head, at least */
    /* the three walked heads are outstanding: made available again, each
     * is a violation */
    publish_head(&f, PQ, 0);
    publish_head(&f, PQ, 1);
    publish_head(&f, PQ, 2);
    notify(&f, PQ);
    end_event(&f);
    assert_int_equal(violated(&f, "3.3.1#1"), 3);
    fx_close(&f);
  }
}

/* Ring memory the monitor cannot read: an unreadable descriptor ends the
 * walk (judged as far as it went), an unreadable avail entry is not
 * walked. */
static void test_ring_unreadable_ring_memory_not_walked(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    up(&f);
    uint64_t a = buf(&f, 128);
    desc_at(&f, q_desc(PQ), 0, a, 64, VIRTQ_DESC_F_NEXT, 1);
    desc_at(&f, q_desc(PQ), 1, a + 64, 64, VIRTQ_DESC_F_NEXT, 0); /* would loop */
    fx_hole(&f, q_desc(PQ) + model_split_desc_off(1), MODEL_SPLIT_DESC_SIZE);
    publish_head(&f, PQ, 0);
    notify(&f, PQ);
    end_event(&f);
    assert_int_equal(evaluated(&f, "2.7.5.2#1"), 1);
    fx_hole(&f, q_avail(PQ) + model_split_avail_ring_off(1), 2);
    desc_at(&f, q_desc(PQ), 2, a, 64, VIRTQ_DESC_F_NEXT, 2); /* loops on itself */
    publish_head(&f, PQ, 2);
    notify(&f, PQ);
    end_event(&f);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "2.7.5.2#1"), 1);
    fx_close(&f);
  }
}

/* Snapshots: an idx the monitor cannot read shows no movement; once it can
 * read it again the publication is judged. */
static void test_ring_snapshot_of_unreadable_idx(void **state) {
  (void)state;
  static struct fx f;
  current_mode = MODEL_MON_OBSERVE_SNAPSHOTS;
  fx_open(&f, MODEL_MON_OBSERVE_SNAPSHOTS, BASE_FEATURES, BASE_FEATURES);
  up(&f);
  uint64_t moves = evaluated(&f, "2.7.6.1#1");
  fx_hole(&f, q_avail(PQ) + MODEL_SPLIT_AVAIL_OFF_IDX, 2);
  uint16_t d = send1(&f, PQ);
  assert_int_equal(evaluated(&f, "2.7.6.1#1"), moves);
  fx_hole(&f, 0, 0);
  notify(&f, PQ);
  end_event(&f);
  assert_int_equal(evaluated(&f, "2.7.6.1#1"), moves + 1u);
  fx_hole(&f, q_used(PQ) + MODEL_SPLIT_USED_OFF_IDX, 2);
  dev_use(&f, PQ, d, 100); /* more than the chain's 0 writable bytes */
  end_event(&f);
  assert_int_equal(evaluated(&f, "2.7.8.2#2"), 0);
  fx_hole(&f, 0, 0);
  irq(&f, MODEL_MMIO_INT_VRING);
  end_event(&f);
  expect_only(&f, "2.7.8.2#2");
  fx_close(&f);
}

/* Accesses: ring fields written where the monitor cannot read them are
 * not judged (flags) and move nothing (idx). */
static void test_ring_unreadable_fields_written(void **state) {
  (void)state;
  static struct fx f;
  current_mode = MODEL_MON_OBSERVE_ACCESSES;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
  up(&f);
  fx_hole(&f, q_avail(PQ), 4); /* avail flags and idx */
  wle(&f, DRV, q_avail(PQ) + MODEL_SPLIT_AVAIL_OFF_FLAGS, 2, 2);
  (void)add1(&f, PQ, buf(&f, 64), 64, false);
  end_event(&f);
  fx_hole(&f, q_used(PQ), 4); /* used flags and idx */
  wle(&f, DEV, q_used(PQ) + MODEL_SPLIT_USED_OFF_FLAGS, 2, 2);
  dev_use(&f, PQ, 0, 0);
  end_event(&f);
  expect_clean(&f);
  assert_int_equal(evaluated(&f, "2.7.7.1#1"), 0);
  assert_int_equal(evaluated(&f, "2.7.10.2#1"), 0);
  assert_int_equal(evaluated(&f, "2.7.8.2#1"), 0);
  fx_close(&f);
}

/* A used idx moved by more than the queue size: no statement of ours (the
 * driver finds it, 2.7.8); nothing is released, so the head is still
 * outstanding when the driver makes it available again. */
static void test_ring_used_idx_jump_releases_nothing(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    up(&f);
    uint16_t d = send1(&f, PQ);
    dev_used_elem(&f, PQ, d, 0);
    dev_used_idx(&f, PQ, NUM + 1u);
    irq(&f, MODEL_MMIO_INT_VRING);
    end_event(&f);
    handler(&f, MODEL_MMIO_INT_VRING);
    expect_clean(&f);
    publish_head(&f, PQ, d);
    notify(&f, PQ);
    end_event(&f);
    expect_only(&f, "3.3.1#1");
    fx_close(&f);
  }
}

/* Accesses: two avail idx writes in one event, each within the queue
 * size, together more than it: only the last ring's worth is walked (and
 * the entries written after the first idx write are 2.7.13.3.1#1). */
static void test_ring_avail_idx_two_writes_past_the_size(void **state) {
  (void)state;
  static struct fx f;
  current_mode = MODEL_MON_OBSERVE_ACCESSES;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
  up(&f);
  uint64_t a = buf(&f, 64u * NUM);
  for (uint16_t d = 0; d < NUM; d++)
    desc_at(&f, q_desc(PQ), d, a + 64u * d, 64, 0, 0);
  uint64_t before = evaluated(&f, "3.3.1#1");
  for (uint16_t k = 0; k < NUM + 2u; k++) {
    avail_entry(&f, PQ, (uint16_t)(k % NUM));
    f.avail_idx[PQ]++;
    if (k == 4u)
      avail_idx_write(&f, PQ, 5);
  }
  avail_idx_write(&f, PQ, NUM + 2u);
  notify(&f, PQ);
  end_event(&f);
  expect_only(&f, "2.7.13.3.1#1");
  assert_int_equal(violated(&f, "2.7.13.3.1#1"), 2);
  assert_int_equal(evaluated(&f, "3.3.1#1") - before, NUM);
  fx_close(&f);
}

/* Accesses: more used idx writes in one event than the monitor keeps
 * marks for: the use is still followed. */
static void test_ring_many_used_idx_writes(void **state) {
  (void)state;
  static struct fx f;
  current_mode = MODEL_MON_OBSERVE_ACCESSES;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
  up(&f);
  uint16_t d = send1(&f, PQ);
  dev_used_elem(&f, PQ, d, 4);
  for (unsigned i = 0; i < 20u; i++)
    dev_used_idx(&f, PQ, 1);
  irq(&f, MODEL_MMIO_INT_VRING);
  end_event(&f);
  expect_only(&f, "2.7.8.2#2"); /* 4 bytes written into a readable-only chain */
  fx_close(&f);
}

/* The injector's accesses (MODEL_MON_OTHER) are no one's to judge, even
 * into an outstanding chain's descriptors or a ring. */
static void test_ring_injector_accesses_not_judged(void **state) {
  (void)state;
  static struct fx f;
  current_mode = MODEL_MON_OBSERVE_ACCESSES;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
  up(&f);
  (void)send1(&f, PQ);
  uint64_t evals = evaluated(&f, "2.7.5.1#3") + evaluated(&f, "2.7.13.3.1#1");
  model_mon_mem_write(f.mon, MODEL_MON_OTHER, q_desc(PQ), MODEL_SPLIT_DESC_SIZE, NULL, true);
  model_mon_mem_write(f.mon, MODEL_MON_OTHER, q_used(PQ), 4, NULL, true);
  model_mon_mem_read(f.mon, MODEL_MON_OTHER, BUF_BASE, 4, true);
  end_event(&f);
  expect_clean(&f);
  assert_int_equal(evaluated(&f, "2.7.5.1#3") + evaluated(&f, "2.7.13.3.1#1"), evals);
  fx_close(&f);
}

/* An access whose end lies past the top of the address space reaches
 * everything above its start: a device write from a descriptor table up
 * hits that table (2.7.5.1#3); the driver's rewrites nothing outstanding. */
static void test_access_to_the_top_of_the_address_space(void **state) {
  (void)state;
  static struct fx f;
  current_mode = MODEL_MON_OBSERVE_ACCESSES;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
  up(&f);
  model_mon_mem_write(f.mon, MODEL_MON_DRIVER, q_desc(PQ), UINT64_MAX, NULL, true);
  end_event(&f);
  expect_clean(&f);
  model_mon_mem_write(f.mon, MODEL_MON_DEVICE, q_desc(PQ), UINT64_MAX, NULL, true);
  end_event(&f);
  expect_only(&f, "2.7.5.1#3");
  assert_int_equal(violated(&f, "2.7.5.1#3"), QUEUES - PQ);
  fx_close(&f);
}

/* 2.7.8.2#1 names the field of the published element that was not
 * written: the id here (monitor_test.c's twin leaves out both, and names
 * the len). */
static void test_2_7_8_2_1_names_the_id_not_written(void **state) {
  (void)state;
  static struct fx f;
  current_mode = MODEL_MON_OBSERVE_ACCESSES;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
  up(&f);
  (void)send1(&f, PQ);
  uint64_t e = q_used(PQ) + model_split_used_ring_off(model_split_slot(f.used_idx[PQ], NUM));
  wle(&f, DEV, e + MODEL_SPLIT_USED_ELEM_OFF_LEN, 0, 4);
  dev_used_idx(&f, PQ, 1);
  irq(&f, MODEL_MMIO_INT_VRING);
  end_event(&f);
  handler(&f, MODEL_MMIO_INT_VRING);
  expect_only(&f, "2.7.8.2#1");
  assert_int_equal(model_mon_verdict_count(f.mon), 1);
  assert_non_null(strstr(model_mon_verdict_at(f.mon, 0)->detail, "before its id was written"));
  fx_close(&f);
}

/* A split queue whose descriptor table and used ring end past the top of
 * the address space: their ends saturate, and a device write up there is
 * still one in the descriptor table. */
static void test_ring_areas_at_the_top_of_the_address_space(void **state) {
  (void)state;
  static struct fx f;
  current_mode = MODEL_MON_OBSERVE_ACCESSES;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
  negotiate(&f);
  uint64_t desc = UINT64_MAX - 63u, avail = UINT64_MAX - 511u, used = UINT64_MAX - 3u;
  rw(&f, MODEL_MMIO_QUEUE_SEL, 0);
  rr(&f, MODEL_MMIO_QUEUE_READY, 0);
  rw(&f, MODEL_MMIO_QUEUE_SIZE, NUM);
  rw(&f, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
  rw(&f, MODEL_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
  rw(&f, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
  rw(&f, MODEL_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
  rw(&f, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
  rw(&f, MODEL_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
  rw(&f, MODEL_MMIO_QUEUE_READY, 1);
  status_add(&f, VIRTIO_STATUS_DRIVER_OK);
  end_event(&f);
  expect_clean(&f);
  model_mon_mem_write(f.mon, MODEL_MON_DEVICE, UINT64_MAX - 8u, 4, NULL, true);
  end_event(&f);
  expect_only(&f, "2.7.5.1#3");
  fx_close(&f);
}

/* 4.2.2.1#7 needs complete areas: a queue whose size or an address is not
 * known describes no rings. */
static void test_access_incomplete_queue_areas_not_judged(void **state) {
  (void)state;
  for (unsigned missing = 0; missing < 4u; missing++) {
    static struct fx f;
    current_mode = MODEL_MON_OBSERVE_ACCESSES;
    fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
    negotiate(&f);
    rw(&f, MODEL_MMIO_QUEUE_SEL, 0);
    rr(&f, MODEL_MMIO_QUEUE_READY, 0);
    if (missing != 0)
      rw(&f, MODEL_MMIO_QUEUE_SIZE, NUM);
    if (missing != 1)
      rw(&f, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)q_desc(0));
    if (missing != 2)
      rw(&f, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q_avail(0));
    if (missing != 3)
      rw(&f, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q_used(0));
    rw(&f, MODEL_MMIO_QUEUE_SEL, 1);
    rmem(&f, DEV, q_used(0), 4);
    rmem(&f, DEV, q_desc(0), 4);
    end_event(&f);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "4.2.2.1#7"), 0);
    fx_close(&f);
  }
}

/* A used buffer notification before DRIVER_OK is not judged against the
 * suppression fields; the used entry itself is the violation. */
static void test_ring_irq_before_driver_ok_not_judged(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    setup(&f);
    uint16_t d = add1(&f, PQ, buf(&f, 64), 64, false);
    wle(&f, DRV, q_avail(PQ) + MODEL_SPLIT_AVAIL_OFF_FLAGS, VIRTQ_AVAIL_F_NO_INTERRUPT, 2);
    end_event(&f);
    dev_use(&f, PQ, d, 0);
    irq(&f, MODEL_MMIO_INT_VRING);
    end_event(&f);
    expect_only(&f, "2.1.2#1");
    assert_int_equal(evaluated(&f, "2.7.7.2#2"), 0);
    fx_close(&f);
  }
}

/* A device that broke 2.7.10.2#1 (used flags 2) leaves the driver's
 * notification unjudged; a driver that broke 2.7.7.1#1 (avail flags 2)
 * the device's interrupt. */
static void test_ring_invalid_flags_leave_the_other_side_unjudged(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    up(&f);
    wle(&f, DEV, q_used(PQ) + MODEL_SPLIT_USED_OFF_FLAGS, 2, 2);
    end_event(&f);
    uint16_t d = send1(&f, PQ);
    expect_only(&f, "2.7.10.2#1");
    assert_int_equal(evaluated(&f, "2.7.10.1#3"), 0);
    fx_close(&f);
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    up(&f);
    d = send1(&f, PQ);
    wle(&f, DRV, q_avail(PQ) + MODEL_SPLIT_AVAIL_OFF_FLAGS, 2, 2);
    end_event(&f);
    dev_use(&f, PQ, d, 0);
    irq(&f, MODEL_MMIO_INT_VRING);
    end_event(&f);
    expect_only(&f, "2.7.7.1#1");
    assert_int_equal(evaluated(&f, "2.7.7.2#2"), 0);
    fx_close(&f);
  }
}

/* A device other than virtio-net: no payload checks at use, and a skipped
 * IN_ORDER buffer with more than 4 GiB writable is fine for virtio-net. */
static void test_ring_other_device_and_huge_batch(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open_device(&f, VIRTIO_ID_BLK, modes[m], F(VIRTIO_F_VERSION_1), F(VIRTIO_F_VERSION_1));
    up(&f);
    uint16_t d = send1(&f, 0);
    dev_use(&f, 0, d, 0);
    irq(&f, MODEL_MMIO_INT_VRING);
    end_event(&f);
    handler(&f, MODEL_MMIO_INT_VRING);
    expect_clean(&f);
    fx_close(&f);
    fx_open(&f, modes[m], IO_FEATURES, IO_FEATURES);
    up(&f);
    desc_at(&f, q_desc(PQ), 0, BUF_BASE, 0x80000000u, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
    desc_at(&f, q_desc(PQ), 1, BUF_BASE, 0x80000000u, VIRTQ_DESC_F_WRITE, 0);
    publish_head(&f, PQ, 0);
    desc_at(&f, q_desc(PQ), 2, BUF_BASE, 64, VIRTQ_DESC_F_WRITE, 0);
    publish_head(&f, PQ, 2);
    notify(&f, PQ);
    end_event(&f);
    dev_used_elem(&f, PQ, 2, 64);
    dev_used_idx(&f, PQ, 2);
    irq(&f, MODEL_MMIO_INT_VRING);
    end_event(&f);
    handler(&f, MODEL_MMIO_INT_VRING);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "6.2#3"), 1);
    fx_close(&f);
  }
}

/* ---- reading guest memory in place (model_mon_mem_ops.view) ------------------------------- */

/* The test memory as two spans, its halves (BUF_BASE starts the upper
 * one, so a buffer may straddle them), and nothing outside it. */
static const uint8_t *mem_view(void *ctx, uint64_t addr, uint64_t *base, uint64_t *size) {
  struct fx *f = ctx;
  if (addr < MEM_BASE || addr - MEM_BASE >= MEM_SIZE)
    return NULL;
  uint64_t half = MEM_SIZE / 2u;
  *base = MEM_BASE + (addr - MEM_BASE) / half * half;
  *size = half;
  return f->mem + (*base - MEM_BASE);
}

/* Transmit traffic whose payload checks peek every kind of place: rings
 * and headers in either span, a header across the two, and one outside
 * guest memory. */
static void view_traffic(struct fx *f) {
  static const uint8_t hdr[MODEL_NET_HDR_SIZE];
  up(f);
  uint16_t d[3];
  d[0] = tx_add(f, hdr, 60);
  wmem(f, DRV, BUF_BASE - 4u, hdr, sizeof(hdr));
  d[1] = add1(f, MODEL_NET_TXQ, BUF_BASE - 4u, MODEL_NET_HDR_SIZE + 60u, false);
  d[2] = add1(f, MODEL_NET_TXQ, MEM_BASE + MEM_SIZE + 64u, MODEL_NET_HDR_SIZE + 60u, false);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
  for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
    dev_use(f, MODEL_NET_TXQ, d[i], 0);
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
  handler(f, MODEL_MMIO_INT_VRING);
  model_mon_finish(f->mon);
}

/* A monitor that reads through a view judges exactly as one that only
 * reads: same evaluations, same violations, clause by clause. */
static void test_ring_view_reads_as_read(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    view_traffic(&f);
    size_t n = model_catalog_count();
    static struct model_mon_tally want[512];
    assert_true(n <= sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < n; i++)
      want[i] = *model_mon_tally(f.mon, i);
    assert_true(evaluated(&f, "5.1.9.2.1#1") >= 3u);
    fx_close(&f);

    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    model_mon_destroy(f.mon);
    struct model_mon_config cfg = {.device_id = VIRTIO_ID_NET,
                                   .observe = modes[m],
                                   .mem = {.read = mem_read, .ctx = &f, .view = mem_view},
                                   .config_peek = {.read = cfg_peek, .ctx = &f}};
    assert_int_equal(model_mon_create(&cfg, &f.mon), MODEL_OK);
    model_mon_set_clock(f.mon, 0, 0);
    view_traffic(&f);
    for (size_t i = 0; i < n; i++) {
      const struct model_mon_tally *t = model_mon_tally(f.mon, i);
      assert_int_equal(t->evaluated, want[i].evaluated);
      assert_int_equal(t->violations, want[i].violations);
    }
    fx_close(&f);
  }
}

/* ---- packed ring: beyond twins ------------------------------------------------------------ */

/* An injected reset: the driver, unaware, sets a packed queue up again and
 * breaks list rules; nothing is held against it. */
static void test_packed_excused_driver_not_judged(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    pk_up(&f, 0);
    model_mon_fault(f.mon, MODEL_MON_FAULT_DEVICE_RESET, MODEL_MMIO_STATUS, 0);
    model_mon_reg_write(f.mon, MODEL_MON_OTHER, MODEL_MMIO_STATUS, 4, 0, true);
    end_event(&f);
    f.status = 0;
    pk_reset(&f, 0);
    status_add(&f, VIRTIO_STATUS_ACKNOWLEDGE);
    status_add(&f, VIRTIO_STATUS_DRIVER);
    features_read(&f);
    features_write(&f);
    features_ok(&f, true);
    queue_setup_at(&f, PQ, NUM, 0, q_desc(PQ), q_avail(PQ) + 2u, q_used(PQ)); /* 2.8.11#1 */
    driver_ok(&f);
    pk_dev_event(&f, RING_EVENT_FLAGS_ENABLE, 0);
    end_event(&f);
    const uint16_t kinds[2] = {VIRTQ_DESC_F_WRITE, 0};
    (void)pk_add_flags(&f, 2, 64, kinds); /* 2.8.17#3, and no notification */
    end_event(&f);
    uint64_t a = buf(&f, 128);
    pk_desc(&f, pk_slot_addr(2), a, 64, 9, pk_flags(0, 2, VIRTQ_DESC_F_WRITE)); /* 2.8.17#6 */
    end_event(&f);
    wle(&f, DRV, pk_slot_addr(0) + MODEL_PACKED_DESC_OFF_LEN, 1, 4); /* 2.8.16#1 */
    end_event(&f);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "2.8.17#3"), 0);
    assert_int_equal(evaluated(&f, "2.8.17#6"), 0);
    assert_int_equal(evaluated(&f, "2.8.21.3.1#1"), 0);
    fx_close(&f);
  }
}

/* 2.8.17#1 (the device's list limit) is judged only where the limit is
 * known to be the queue size (virtio-net over mmio); 2.8.17#2 always. */
static void test_2_8_17_1_limit_unknown_for_other_devices(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    uint64_t feat = F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_RING_PACKED);
    fx_open_device(&f, VIRTIO_ID_BLK, modes[m], feat, feat);
    pk_reset(&f, 0);
    f.accepted = f.offered = feat;
    up(&f);
    uint16_t id = pk_send(&f, 2);
    assert_int_equal(evaluated(&f, "2.8.17#1"), 0);
    assert_int_equal(evaluated(&f, "2.8.17#2"), 1);
    pk_use(&f, id);
    end_event(&f);
    uint64_t a = buf(&f, 64u * NUM);
    for (uint32_t k = NUM; k-- > 0;) {
      struct model_packed_pos p = model_packed_pos_advance(pk.drv, k, NUM);
      pk_desc(&f, pk_slot_addr(p.idx), a + 64u * k, 64, 1,
              (uint16_t)(pk_flags(k, NUM, VIRTQ_DESC_F_WRITE) | VIRTQ_DESC_F_NEXT));
    }
    notify(&f, PQ);
    end_event(&f);
    expect_only(&f, "2.8.17#2");
    assert_int_equal(evaluated(&f, "2.8.17#1"), 0);
    fx_close(&f);
  }
}

/* Once the shadow lost a packed ring (2.8.12#2 here) nothing more is
 * judged on it: not the driver's writes, not the device's, and at a
 * restart without reset the exposed buffers are not known (3.3.1#2 is not
 * judged). */
static void test_packed_lost_ring_not_judged(void **state) {
  (void)state;
  static struct fx f;
  current_mode = MODEL_MON_OBSERVE_ACCESSES;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
  pk_up(&f, 0);
  uint16_t a = pk_send(&f, 1);
  (void)pk_send(&f, 1);
  pk_used_at(&f, a, 0, VIRTQ_DESC_F_USED, 1); /* no used marking for wrap 1 */
  end_event(&f);
  expect_only(&f, "2.8.12#2");
  wle(&f, DRV, pk_slot_addr(1) + MODEL_PACKED_DESC_OFF_LEN, 1, 4); /* the device's slot */
  wle(&f, DEV, pk_slot_addr(0) + MODEL_PACKED_DESC_OFF_LEN, 1, 4); /* after its marking */
  end_event(&f);
  rw(&f, MODEL_MMIO_QUEUE_SEL, PQ);
  rw(&f, MODEL_MMIO_QUEUE_READY, 0);
  rr(&f, MODEL_MMIO_QUEUE_READY, 0);
  end_event(&f);
  queue_setup(&f, PQ);
  end_event(&f);
  expect_only(&f, "2.8.12#2");
  assert_int_equal(violated(&f, "2.8.12#2"), 1);
  assert_int_equal(evaluated(&f, "3.3.1#2"), 0);
  fx_close(&f);
}

/* Lists the device is to refuse (an indirect table of no multiple of 16
 * bytes, or of none), lists the monitor cannot read (the table, or the
 * descriptor beside its flags), and flags that make nothing available:
 * no statement of ours, and the ring is still followed. */
static void test_packed_lists_not_read_are_not_judged(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    pk_up(&f, F(VIRTIO_F_INDIRECT_DESC));
    uint64_t table = buf(&f, 2u * MODEL_PACKED_DESC_SIZE);
    wle(&f, DRV, table + MODEL_PACKED_DESC_OFF_FLAGS, VIRTQ_DESC_F_NEXT, 2); /* 2.8.19#2 */
    uint32_t lens[3] = {24, 0, 2u * MODEL_PACKED_DESC_SIZE};
    for (unsigned i = 0; i < 3u; i++) {
      if (i == 2u)
        fx_hole(&f, table, MODEL_PACKED_DESC_SIZE);
      pk_desc(&f, pk_slot_addr(pk.drv.idx), table, lens[i], (uint16_t)i,
              pk_flags(0, 1, VIRTQ_DESC_F_INDIRECT));
      pk.drv = model_packed_pos_advance(pk.drv, 1, NUM);
      notify(&f, PQ);
      end_event(&f);
    }
    /* a list whose descriptor cannot be read beside its flags */
    fx_hole(&f, pk_slot_addr(pk.drv.idx), 8);
    pk_desc(&f, pk_slot_addr(pk.drv.idx), BUF_BASE, 64, 3, pk_flags(0, 1, 0));
    pk.drv = model_packed_pos_advance(pk.drv, 1, NUM);
    notify(&f, PQ);
    end_event(&f);
    fx_hole(&f, 0, 0);
    /* flags that make no slot available */
    wle(&f, DRV, pk_slot_addr(6) + MODEL_PACKED_DESC_OFF_FLAGS, 0, 2);
    end_event(&f);
    expect_clean(&f); /* the table's entry has NEXT: never read, never judged */
    assert_int_equal(evaluated(&f, "2.8.19#4"), 4); /* four lists, each judged */
    fx_close(&f);
  }
}

/* A list whose next flags the monitor cannot read is not taken: neither
 * published nor pending. */
static void test_packed_unreadable_flags_not_taken(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    pk_up(&f, 0);
    fx_hole(&f, pk_slot_addr(1) + MODEL_PACKED_DESC_OFF_FLAGS, 2);
    (void)pk_add(&f, 2);
    notify(&f, PQ);
    end_event(&f);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "2.8.17#2"), 0);
    assert_int_equal(evaluated(&f, "2.8.17#6"), 0);
    fx_close(&f);
  }
}

/* 2.8.17#5 at a full ring: the first slot of the next lap made available
 * while the device owns every slot (with accesses the write itself is
 * 2.8.16#1 as well). */
static void test_2_8_17_5_full_ring(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    pk_up(&f, 0);
    for (unsigned i = 0; i < NUM; i++)
      (void)pk_add(&f, 1);
    notify(&f, PQ);
    end_event(&f);
    expect_clean(&f);
    assert_false(pk.drv.wrap);
    (void)pk_add(&f, 1);
    notify(&f, PQ);
    end_event(&f);
    assert_int_equal(violated(&f, "2.8.17#5"), 1);
    assert_int_equal(violated(&f, "2.8.16#1") > 0, (modes[m] & MODEL_MON_OBSERVE_ACCESSES) != 0);
    fx_close(&f);
  }
}

/* Snapshots: a used descriptor whose id the monitor cannot read is not
 * taken; once it can, the buffer is used. */
static void test_packed_unreadable_used_id(void **state) {
  (void)state;
  static struct fx f;
  current_mode = MODEL_MON_OBSERVE_SNAPSHOTS;
  fx_open(&f, MODEL_MON_OBSERVE_SNAPSHOTS, BASE_FEATURES, BASE_FEATURES);
  pk_up(&f, 0);
  uint16_t a = pk_send(&f, 1);
  fx_hole(&f, pk_slot_addr(0) + MODEL_PACKED_DESC_OFF_ID, 2);
  pk_use(&f, a);
  end_event(&f);
  uint64_t uses = evaluated(&f, "2.8.15#3");
  fx_hole(&f, 0, 0);
  end_event(&f);
  expect_clean(&f);
  assert_int_equal(evaluated(&f, "2.8.15#3"), uses + 1u);
  fx_close(&f);
}

/* 2.8.21.3.1#1: no notification owed for DESC without EVENT_IDX (the
 * device broke its own rule) or for an event offset beyond the ring. */
static void test_2_8_21_3_1_1_desc_event_not_owed(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    for (unsigned evi = 0; evi < 2u; evi++) {
      static struct fx f;
      current_mode = modes[m];
      fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
      pk_up(&f, evi ? F(VIRTIO_F_EVENT_IDX) : 0);
      pk_dev_event(&f, RING_EVENT_FLAGS_DESC, evi ? 100u : 0u);
      end_event(&f);
      (void)pk_add(&f, 1);
      rmem(&f, DRV, q_used(PQ), MODEL_PACKED_EVENT_SIZE);
      end_event(&f);
      expect_clean(&f);
      assert_int_equal(evaluated(&f, "2.8.21.3.1#1"), 1);
      fx_close(&f);
    }
  }
}

/* Device reads outside the region it owns, a driver write to the device
 * event area and accesses up to the top of the address space: none starts
 * a list or breaks a packed rule. */
static void test_packed_accesses_outside_lists(void **state) {
  (void)state;
  static struct fx f;
  current_mode = MODEL_MON_OBSERVE_ACCESSES;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
  pk_up(&f, 0);
  uint16_t a = pk_send(&f, 1);
  rmem(&f, DEV, pk_slot_addr(5), MODEL_PACKED_DESC_SIZE);
  wle(&f, DRV, q_used(PQ) + MODEL_PACKED_EVENT_OFF_FLAGS, RING_EVENT_FLAGS_DISABLE, 2);
  model_mon_mem_read(f.mon, MODEL_MON_DEVICE, BUF_BASE + 0x10000u, UINT64_MAX, true);
  end_event(&f);
  expect_clean(&f);
  assert_int_equal(evaluated(&f, "2.8.12#1"), 0);
  rmem(&f, DEV, pk_slot_addr(0), MODEL_PACKED_DESC_SIZE);
  rmem(&f, DEV, pk_slot_addr(0), MODEL_PACKED_DESC_SIZE); /* started already */
  pk_use(&f, a);
  end_event(&f);
  model_mon_mem_read(f.mon, MODEL_MON_DEVICE, q_desc(PQ), UINT64_MAX, true); /* owns none */
  end_event(&f);
  expect_clean(&f);
  assert_int_equal(evaluated(&f, "2.8.12#1"), 1);
  fx_close(&f);
}

/* IN_ORDER on a packed ring: a batch skipping a buffer with more than
 * 4 GiB writable is clean. */
static void test_packed_huge_batch(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    pk_up(&f, F(VIRTIO_F_IN_ORDER));
    pk_desc(&f, pk_slot_addr(1), BUF_BASE, 0x80000000u, 0, pk_flags(1, 2, VIRTQ_DESC_F_WRITE));
    pk_desc(&f, pk_slot_addr(0), BUF_BASE, 0x80000000u, 0, pk_flags(0, 2, VIRTQ_DESC_F_WRITE));
    pk.drv = model_packed_pos_advance(pk.drv, 2, NUM);
    pk.slots[0] = 2;
    pk.next_id = 1;
    uint16_t b = pk_add(&f, 1);
    notify(&f, PQ);
    end_event(&f);
    pk_used_at(&f, b, 64, model_packed_used_bits(true), 3);
    end_event(&f);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "6.2#3"), 1);
    fx_close(&f);
  }
}

/* A used element the monitor cannot read (its id, or its len) is not
 * followed: nothing is judged and the head stays outstanding until an
 * element that can be read names it. */
static void test_ring_unreadable_used_element(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    for (unsigned field = 0; field < 2u; field++) {
      static struct fx f;
      current_mode = modes[m];
      fx_open(&f, modes[m], IO_FEATURES, IO_FEATURES);
      up(&f);
      uint16_t d = send1(&f, PQ);
      uint64_t e = q_used(PQ) + model_split_used_ring_off(0);
      fx_hole(&f, e + (field ? MODEL_SPLIT_USED_ELEM_OFF_LEN : MODEL_SPLIT_USED_ELEM_OFF_ID), 4);
      dev_use(&f, PQ, d, 100); /* more than its 0 writable bytes */
      irq(&f, MODEL_MMIO_INT_VRING);
      end_event(&f);
      handler(&f, MODEL_MMIO_INT_VRING);
      fx_hole(&f, 0, 0);
      expect_clean(&f);
      assert_int_equal(evaluated(&f, "2.7.8.2#2"), 0);
      dev_use(&f, PQ, d, 100);
      irq(&f, MODEL_MMIO_INT_VRING);
      end_event(&f);
      expect_only(&f, "2.7.8.2#2");
      fx_close(&f);
    }
  }
}

/* Snapshots and accesses: a packed used descriptor whose flags or len the
 * monitor cannot read is not taken; once it can, the buffer is used. */
static void test_packed_unreadable_used_fields(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    for (unsigned field = 0; field < 2u; field++) {
      static struct fx f;
      current_mode = modes[m];
      fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
      pk_up(&f, 0);
      uint16_t a = pk_send(&f, 1);
      uint64_t at =
          pk_slot_addr(0) + (field ? MODEL_PACKED_DESC_OFF_LEN : MODEL_PACKED_DESC_OFF_FLAGS);
      fx_hole(&f, at, field ? 4u : 2u);
      uint64_t uses = evaluated(&f, "2.8.15#3");
      pk_use(&f, a);
      if (field == 0 || (modes[m] & MODEL_MON_OBSERVE_ACCESSES) == 0)
        end_event(&f); /* with accesses an event end would find the marking ahead */
      assert_int_equal(evaluated(&f, "2.8.15#3"), uses);
      fx_hole(&f, 0, 0);
      end_event(&f);
      expect_clean(&f);
      assert_int_equal(evaluated(&f, "2.8.15#3"), uses + 1u);
      fx_close(&f);
    }
  }
}

/* 2.8.21.3.1#1 needs the event offset as well as the flags */
static void test_2_8_21_3_1_1_unreadable_event_offset(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    pk_up(&f, 0);
    pk_dev_event(&f, RING_EVENT_FLAGS_ENABLE, 0);
    end_event(&f);
    fx_hole(&f, q_used(PQ) + MODEL_PACKED_EVENT_OFF_DESC, 2);
    (void)pk_add(&f, 1);
    end_event(&f);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "2.8.21.3.1#1"), 0);
    fx_close(&f);
  }
}

/* IN_ORDER on a split ring over many wraps of the ring and of the order
 * list: buffers used one entry each or as a batch named by its last
 * buffer, the used idx covering the batch; clean, and each used entry is
 * one 6.2#3 evaluation. */
static void test_ring_in_order_batches_over_wraps_are_clean(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], IO_FEATURES, IO_FEATURES);
    up(&f);
    uint64_t a = buf(&f, 64u * NUM);
    unsigned entries = 0;
    for (unsigned round = 0; round < 21u; round++) {
      uint16_t heads[3];
      for (unsigned i = 0; i < 3u; i++) {
        heads[i] = (uint16_t)(f.next_desc[PQ]++ % NUM);
        desc_at(&f, q_desc(PQ), heads[i], a + 64u * heads[i], 64, VIRTQ_DESC_F_WRITE, 0);
        publish_head(&f, PQ, heads[i]);
      }
      notify(&f, PQ);
      end_event(&f);
      if (round % 3u == 0) {
        dev_used_elem(&f, PQ, heads[2], 64);
        dev_used_idx(&f, PQ, (uint16_t)(f.used_idx[PQ] + 3u));
        entries++;
      } else {
        for (unsigned i = 0; i < 3u; i++) {
          dev_use(&f, PQ, heads[i], 64);
          entries++;
        }
      }
      irq(&f, MODEL_MMIO_INT_VRING);
      end_event(&f);
      handler(&f, MODEL_MMIO_INT_VRING);
    }
    model_mon_finish(f.mon);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "6.2#3"), entries);
    fx_close(&f);
  }
}

/* Two outstanding packed buffers with the same id (no statement forbids
 * it): each used descriptor naming the id uses one of them, the oldest
 * first, and neither use is the device's fault. */
static void test_packed_duplicate_id_used_twice(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    pk_up(&f, 0);
    uint16_t a = pk_add(&f, 2);
    pk.next_id = a; /* the next list gets the same id */
    uint16_t b = pk_add(&f, 1);
    assert_int_equal(a, b);
    pk.slots[a] = 2;
    notify(&f, PQ);
    end_event(&f);
    rmem(&f, DEV, pk_slot_addr(0), MODEL_PACKED_DESC_SIZE); /* started in ring order */
    rmem(&f, DEV, pk_slot_addr(2), MODEL_PACKED_DESC_SIZE);
    pk_use(&f, a); /* the first list: two slots */
    end_event(&f);
    pk.slots[a] = 1;
    pk_use(&f, a); /* the second: one slot */
    end_event(&f);
    uint16_t c = pk_send(&f, 1); /* the ring is still followed */
    pk_use(&f, c);
    end_event(&f);
    expect_clean(&f);
    assert_int_equal(evaluated(&f, "2.8.15#3"), 3);
    assert_int_equal(evaluated(&f, "2.8.12#1"),
                     (modes[m] & MODEL_MON_OBSERVE_ACCESSES) != 0 ? 2u : 0u);
    fx_close(&f);
  }
}

#define CASE_COUNT (sizeof(cases) / sizeof(cases[0]))

int main(void) {
  static const struct CMUnitTest fixed[] = {
      cmocka_unit_test(test_ring_no_shadow_without_a_queue_size),
      cmocka_unit_test(test_ring_excused_driver_not_judged),
      cmocka_unit_test(test_ring_outstanding_rules_start_at_driver_ok),
      cmocka_unit_test(test_ring_malformed_chains_end_the_walk),
      cmocka_unit_test(test_ring_unreadable_ring_memory_not_walked),
      cmocka_unit_test(test_ring_snapshot_of_unreadable_idx),
      cmocka_unit_test(test_ring_unreadable_fields_written),
      cmocka_unit_test(test_ring_used_idx_jump_releases_nothing),
      cmocka_unit_test(test_ring_avail_idx_two_writes_past_the_size),
      cmocka_unit_test(test_ring_many_used_idx_writes),
      cmocka_unit_test(test_ring_injector_accesses_not_judged),
      cmocka_unit_test(test_access_to_the_top_of_the_address_space),
      cmocka_unit_test(test_ring_areas_at_the_top_of_the_address_space),
      cmocka_unit_test(test_2_7_8_2_1_names_the_id_not_written),
      cmocka_unit_test(test_access_incomplete_queue_areas_not_judged),
      cmocka_unit_test(test_ring_irq_before_driver_ok_not_judged),
      cmocka_unit_test(test_ring_invalid_flags_leave_the_other_side_unjudged),
      cmocka_unit_test(test_ring_other_device_and_huge_batch),
      cmocka_unit_test(test_packed_excused_driver_not_judged),
      cmocka_unit_test(test_2_8_17_1_limit_unknown_for_other_devices),
      cmocka_unit_test(test_packed_lost_ring_not_judged),
      cmocka_unit_test(test_packed_lists_not_read_are_not_judged),
      cmocka_unit_test(test_packed_unreadable_flags_not_taken),
      cmocka_unit_test(test_2_8_17_5_full_ring),
      cmocka_unit_test(test_packed_unreadable_used_id),
      cmocka_unit_test(test_2_8_21_3_1_1_desc_event_not_owed),
      cmocka_unit_test(test_packed_accesses_outside_lists),
      cmocka_unit_test(test_packed_huge_batch),
      cmocka_unit_test(test_ring_unreadable_used_element),
      cmocka_unit_test(test_packed_unreadable_used_fields),
      cmocka_unit_test(test_2_8_21_3_1_1_unreadable_event_offset),
      cmocka_unit_test(test_ring_in_order_batches_over_wraps_are_clean),
      cmocka_unit_test(test_packed_duplicate_id_used_twice),
      cmocka_unit_test(test_ring_view_reads_as_read),
  };
  static struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) + CASE_COUNT];
  size_t n = 0;
  for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
    tests[n++] = fixed[i];
  for (size_t i = 0; i < CASE_COUNT; i++) {
    tests[n] = (struct CMUnitTest){.name = cases[i].name, .test_func = test_ring_case};
    tests[n].initial_state = (void *)(uintptr_t)&cases[i];
    n++;
  }
  return _cmocka_run_group_tests("model_monitor_ring_test", tests, n, NULL, NULL);
}
