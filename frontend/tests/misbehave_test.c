/*
 * frontend/tests/misbehave_test.c: the misbehaving driver
 * (frontend/misbehave.h). The name table: every bit named, described and
 * tied to a clause, names unique and kebab-case, lookups exact. Then, for a
 * handful of misbehaviours, that the driver really does the wrong thing,
 * seen from the fake device (register log) or from guest memory, each next
 * to the well-behaved run it departs from.
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
#include "frontend/core.h"
#include "frontend/misbehave.h"
#include "frontend/vq.h"
#include "model/mmio.h"
#include "model/packed.h"
#include "model/split.h"
#include "model/virtio.h"

#define RAM_BASE   0x10000000u
#define RAM_SIZE   (1u << 20)
#define BUF_BASE   (RAM_BASE + RAM_SIZE / 2u) /* data buffers: outside the allocator */
#define WRITES_MAX 64u

#define M(bit)   model_feature_mask(bit)
#define MIS(bit) drv_misbehave_one(bit)

struct fixture {
  struct sim_sched sched;
  struct sim_bus bus;
  struct fake_dev dev;
  struct drv_alloc alloc;
  struct drv_core core;
  struct drv_vq vq;
  bool vq_live;
  unsigned notifies;
  uint64_t writes[WRITES_MAX]; /* driver guest-memory write addresses */
  size_t write_count;
};

static void record_writes(void *ctx, const struct sim_bus_event *ev) {
  struct fixture *f = ctx;
  if (ev->kind == SIM_EV_MEM_WRITE && ev->actor == SIM_ACTOR_DRIVER && f->write_count < WRITES_MAX)
    f->writes[f->write_count++] = ev->addr;
}

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  fake_bus_setup(&f->bus, &f->sched, RAM_BASE, RAM_SIZE);
  fake_dev_init(&f->dev, &f->bus);
  fake_dev_attach(&f->dev);
  assert_int_equal(drv_alloc_init(&f->alloc, RAM_BASE, RAM_SIZE / 2u, 256), MODEL_OK);
  assert_int_equal(sim_bus_add_observer(&f->bus, record_writes, f), MODEL_OK);
  drv_core_init(&f->core, &f->bus);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;
  if (f->vq_live)
    drv_vq_fini(&f->vq);
  drv_alloc_fini(&f->alloc);
  sim_bus_fini(&f->bus);
  sim_sched_fini(&f->sched);
  free(f);
  return 0;
}

/* ---- the table ---------------------------------------------------------- */

static bool kebab(const char *s) {
  if (s == NULL || s[0] == '\0' || s[0] == '-')
    return false;
  for (const char *p = s; *p != '\0'; p++) {
    bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-';
    if (!ok || (p[0] == '-' && (p[1] == '-' || p[1] == '\0')))
      return false;
  }
  return true;
}

static void test_misbehave_names_round_trip(void **state) {
  (void)state;
  assert_int_equal(drv_misbehave_count(), DRV_MISBEHAVE_COUNT);
  for (unsigned bit = 0; bit < drv_misbehave_count(); bit++) {
    const char *name = drv_misbehave_name(bit);
    assert_non_null(name);
    unsigned back = 999;
    assert_true(drv_misbehave_lookup(name, &back));
    assert_int_equal(back, bit);
  }
  unsigned bit = 0;
  assert_true(drv_misbehave_lookup("avail-idx-backwards", &bit));
  assert_int_equal(bit, DRV_MISBEHAVE_AVAIL_IDX_BACKWARDS);
}

static void test_misbehave_names_unique_and_described(void **state) {
  (void)state;
  for (unsigned i = 0; i < DRV_MISBEHAVE_COUNT; i++) {
    assert_true(kebab(drv_misbehave_name(i)));
    const char *d = drv_misbehave_describe(i);
    assert_non_null(d);
    assert_true(strlen(d) > 10u);
    assert_non_null(drv_misbehave_clause(i));
    assert_true(strlen(drv_misbehave_clause(i)) >= 3u);
    for (unsigned j = i + 1u; j < DRV_MISBEHAVE_COUNT; j++)
      assert_string_not_equal(drv_misbehave_name(i), drv_misbehave_name(j));
  }
  /* past the end: nothing */
  assert_null(drv_misbehave_name(DRV_MISBEHAVE_COUNT));
  assert_null(drv_misbehave_describe(DRV_MISBEHAVE_COUNT));
  assert_null(drv_misbehave_clause(DRV_MISBEHAVE_COUNT));
}

static void test_misbehave_lookup_rejects_unknown(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",          "avail_idx_backwards", "Avail-idx-backwards", "avail-idx-backwards ",
      "avail-idx", "skip-notify-",        "nothing-wrong",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    unsigned bit = 12345;
    assert_false(drv_misbehave_lookup(bad[i], &bit));
    assert_int_equal(bit, 12345); /* untouched */
  }
  unsigned bit = 12345;
  assert_false(drv_misbehave_lookup(NULL, &bit));
}

static void test_misbehave_set_fits_every_misbehaviour(void **state) {
  (void)state;
  const unsigned room = 64u * DRV_MISBEHAVE_WORDS;
  assert_true(DRV_MISBEHAVE_COUNT <= room);
  assert_true(room >= 128u);
  struct drv_misbehave_set all = drv_misbehave_all();
  unsigned n = 0;
  for (unsigned b = 0; b < room; b++)
    n += drv_misbehave_has(all, b) ? 1u : 0u;
  assert_int_equal(n, DRV_MISBEHAVE_COUNT);
  assert_true(drv_misbehave_is_empty(drv_misbehave_one(room))); /* past the room: nothing */
  assert_false(drv_misbehave_has(all, room));
  assert_true(drv_misbehave_has(all, DRV_MISBEHAVE_SKIP_NOTIFY));
  assert_false(drv_misbehave_has(drv_misbehave_none(), DRV_MISBEHAVE_SKIP_NOTIFY));
}

/* Bits on both sides of a word boundary stay apart; add, remove and the
 * set operations act on the named bits only. */
static void test_misbehave_set_operations(void **state) {
  (void)state;
  struct drv_misbehave_set s = drv_misbehave_none();
  assert_true(drv_misbehave_is_empty(s));
  drv_misbehave_add(&s, 63u);
  drv_misbehave_add(&s, 64u);
  drv_misbehave_add(&s, 127u);
  assert_false(drv_misbehave_is_empty(s));
  assert_true(drv_misbehave_has(s, 63u) && drv_misbehave_has(s, 64u) && drv_misbehave_has(s, 127u));
  assert_false(drv_misbehave_has(s, 0u) || drv_misbehave_has(s, 65u) || drv_misbehave_has(s, 126u));
  drv_misbehave_remove(&s, 64u);
  assert_false(drv_misbehave_has(s, 64u));
  assert_true(drv_misbehave_has(s, 63u));
  struct drv_misbehave_set hi = drv_misbehave_one(127u);
  struct drv_misbehave_set both = drv_misbehave_intersect(s, hi);
  assert_true(drv_misbehave_has(both, 127u) && !drv_misbehave_has(both, 63u));
  struct drv_misbehave_set rest = drv_misbehave_minus(s, hi);
  assert_true(drv_misbehave_has(rest, 63u) && !drv_misbehave_has(rest, 127u));
  struct drv_misbehave_set again = drv_misbehave_union(rest, hi);
  assert_memory_equal(&again, &s, sizeof(s));
  drv_misbehave_remove(&s, 63u);
  drv_misbehave_remove(&s, 127u);
  assert_true(drv_misbehave_is_empty(s));
}

/* ---- registers and the core -------------------------------------------- */

static void test_4_2_3_1_1_1_skip_magic_check_starts_with_device_id(void **state) {
  struct fixture *f = *state;
  struct drv_mmio_ident id;
  assert_int_equal(drv_mmio_ident_read(&f->core.mmio, &id), MODEL_OK);
  assert_int_equal(f->dev.log[0].offset, MODEL_MMIO_MAGIC_VALUE); /* well-behaved */
  f->dev.log_count = 0;
  f->core.mmio.misbehave = MIS(DRV_MISBEHAVE_SKIP_MAGIC_CHECK);
  assert_int_equal(drv_mmio_ident_read(&f->core.mmio, &id), MODEL_OK);
  assert_int_equal(f->dev.log[0].offset, MODEL_MMIO_DEVICE_ID);
  assert_int_equal(fake_log_count_offset(&f->dev, false, MODEL_MMIO_MAGIC_VALUE), 0);
  assert_int_equal(fake_log_count_offset(&f->dev, false, MODEL_MMIO_VERSION_REG), 0);
  assert_int_equal(id.magic, MODEL_MMIO_MAGIC); /* taken on trust */
}

static void test_4_2_2_2_10_no_features_sel_reads_unselected(void **state) {
  struct fixture *f = *state;
  uint64_t offered = 0;
  assert_int_equal(drv_mmio_features_read(&f->core.mmio, &offered), MODEL_OK);
  assert_int_equal(f->dev.log[0].offset, MODEL_MMIO_DEVICE_FEATURES_SEL); /* well-behaved */
  f->dev.log_count = 0;
  f->core.mmio.misbehave = MIS(DRV_MISBEHAVE_NO_FEATURES_SEL);
  assert_int_equal(drv_mmio_features_read(&f->core.mmio, &offered), MODEL_OK);
  assert_false(f->dev.log[0].write);
  assert_int_equal(f->dev.log[0].offset, MODEL_MMIO_DEVICE_FEATURES);
}

static void test_4_2_2_2_12_oversize_queue_writes_twice_the_max(void **state) {
  struct fixture *f = *state;
  f->core.mmio.misbehave = MIS(DRV_MISBEHAVE_OVERSIZE_QUEUE);
  uint32_t max = 0;
  assert_int_equal(drv_mmio_queue_size_max(&f->core.mmio, 0, &max), MODEL_OK);
  struct drv_mmio_queue_layout layout = {.size = 64,
                                         .desc_addr = RAM_BASE,
                                         .driver_addr = RAM_BASE + 0x1000u,
                                         .device_addr = RAM_BASE + 0x2000u};
  size_t from = f->dev.log_count;
  assert_int_equal(drv_mmio_queue_program(&f->core.mmio, 0, &layout), MODEL_OK);
  size_t first = fake_log_find(&f->dev, from, true, MODEL_MMIO_QUEUE_SIZE);
  assert_true(first != SIZE_MAX);
  assert_int_equal(f->dev.log[first].value, 2u * max);
  size_t second = fake_log_find(&f->dev, first + 1u, true, MODEL_MMIO_QUEUE_SIZE);
  assert_true(second != SIZE_MAX);
  assert_int_equal(f->dev.log[second].value, 64);
}

static void test_4_2_2_2_18_ack_carries_an_undefined_bit(void **state) {
  struct fixture *f = *state;
  assert_int_equal(drv_mmio_isr_ack(&f->core.mmio, MODEL_MMIO_INT_VRING), MODEL_OK);
  assert_int_equal(f->dev.log[f->dev.log_count - 1u].value, MODEL_MMIO_INT_VRING);
  f->core.mmio.misbehave = MIS(DRV_MISBEHAVE_ACK_UNDEFINED_BITS);
  assert_int_equal(drv_mmio_isr_ack(&f->core.mmio, MODEL_MMIO_INT_VRING), MODEL_OK);
  uint32_t ack = f->dev.log[f->dev.log_count - 1u].value;
  assert_int_equal(f->dev.log[f->dev.log_count - 1u].offset, MODEL_MMIO_INTERRUPT_ACK);
  assert_true((ack & MODEL_MMIO_INT_VRING) != 0);
  assert_true((ack & ~MODEL_MMIO_INT_MASK) != 0);
}

/* Probe, reset, ACKNOWLEDGE, DRIVER. */
static void core_to_driver(struct fixture *f) {
  assert_int_equal(drv_core_probe(&f->core, VIRTIO_ID_NET), MODEL_OK);
  assert_int_equal(drv_core_reset(&f->core), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(drv_core_add_status(&f->core, VIRTIO_STATUS_DRIVER), MODEL_OK);
}

static void test_2_2_1_1_accept_unoffered_once(void **state) {
  struct fixture *f = *state;
  f->dev.features_offered = M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_CTRL_VQ);
  drv_core_set_known_features(&f->core, M(VIRTIO_NET_F_CTRL_VQ) | M(VIRTIO_NET_F_CTRL_VLAN));
  f->core.misbehave = MIS(DRV_MISBEHAVE_ACCEPT_UNOFFERED);
  core_to_driver(f);
  uint64_t got = 0;
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, M(VIRTIO_F_VERSION_1), &got),
                   MODEL_OK); /* the fake device keeps FEATURES_OK */
  assert_true((f->dev.driver_features & M(VIRTIO_NET_F_CTRL_VLAN)) != 0);
  assert_true((f->dev.driver_features & ~f->dev.features_offered) != 0);
  /* one-shot: the next negotiation, after a reset, is well-behaved */
  core_to_driver(f);
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, M(VIRTIO_F_VERSION_1), &got),
                   MODEL_OK);
  assert_int_equal(f->dev.driver_features & ~f->dev.features_offered, 0);
}

static void test_4_2_3_1_1_4_ignore_device_id_zero_goes_on(void **state) {
  struct fixture *f = *state;
  f->dev.device_id = 0;
  assert_int_equal(drv_core_probe(&f->core, VIRTIO_ID_NET), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(f->dev.log[f->dev.log_count - 1u].offset, MODEL_MMIO_DEVICE_ID); /* stops */
  f->dev.log_count = 0;
  /* and stays away: probing again touches nothing */
  assert_int_equal(drv_core_probe(&f->core, VIRTIO_ID_NET), MODEL_ERR_DEVICE_ABSENT);
  assert_int_equal(f->dev.log_count, 0);
  drv_core_init(&f->core, &f->bus);
  f->core.misbehave = MIS(DRV_MISBEHAVE_IGNORE_DEVICE_ID_ZERO);
  f->core.mmio.misbehave = MIS(DRV_MISBEHAVE_IGNORE_DEVICE_ID_ZERO);
  assert_int_equal(drv_core_probe(&f->core, VIRTIO_ID_NET), MODEL_OK);
  assert_int_equal(fake_log_count_offset(&f->dev, false, MODEL_MMIO_VENDOR_ID), 1);
  assert_int_equal(f->core.ident.device_id, VIRTIO_ID_NET); /* taken on trust */
}

/* refuse-mac, refuse-mtu: the offered feature left out once, then taken. */
static void refuse_once(struct fixture *f, unsigned bit, unsigned feature) {
  f->dev.features_offered = M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_MAC) | M(VIRTIO_NET_F_MTU);
  drv_core_set_known_features(&f->core, M(VIRTIO_NET_F_MAC) | M(VIRTIO_NET_F_MTU));
  f->core.misbehave = MIS(bit);
  core_to_driver(f);
  uint64_t got = 0;
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, M(VIRTIO_F_VERSION_1), &got),
                   MODEL_OK);
  assert_int_equal(f->dev.driver_features & M(feature), 0);
  assert_int_equal(f->dev.driver_features, f->dev.features_offered & ~M(feature));
  core_to_driver(f);
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, M(VIRTIO_F_VERSION_1), &got),
                   MODEL_OK);
  assert_int_equal(f->dev.driver_features, f->dev.features_offered);
}

static void test_5_1_4_2_2_refuse_mac_once(void **state) {
  refuse_once(*state, DRV_MISBEHAVE_REFUSE_MAC, VIRTIO_NET_F_MAC);
}

static void test_5_1_4_2_7_refuse_mtu_once(void **state) {
  refuse_once(*state, DRV_MISBEHAVE_REFUSE_MTU, VIRTIO_NET_F_MTU);
}

static void test_2_1_1_2_clear_status_bit_drops_driver_once(void **state) {
  struct fixture *f = *state;
  f->core.misbehave = MIS(DRV_MISBEHAVE_CLEAR_STATUS_BIT);
  core_to_driver(f);
  uint8_t ack = VIRTIO_STATUS_ACKNOWLEDGE;
  uint8_t both = (uint8_t)(ack | VIRTIO_STATUS_DRIVER);
  const uint32_t want[] = {0, ack, both, ack, both};
  size_t n = 0;
  for (size_t i = 0; i < f->dev.log_count; i++) {
    if (!f->dev.log[i].write || f->dev.log[i].offset != MODEL_MMIO_STATUS)
      continue;
    assert_true(n < sizeof(want) / sizeof(want[0]));
    assert_int_equal(f->dev.log[i].value, want[n]);
    n++;
  }
  assert_int_equal(n, sizeof(want) / sizeof(want[0]));
  assert_int_equal(f->core.status_shadow, both);
  assert_false(drv_misbehave_has(f->core.misbehave, DRV_MISBEHAVE_CLEAR_STATUS_BIT));
}

/* ---- rings ---------------------------------------------------------------- */

static model_err count_notify(void *ctx, uint16_t index, uint32_t value) {
  struct fixture *f = ctx;
  assert_int_equal(index, value);
  f->notifies++;
  return MODEL_OK;
}

static void vq_make(struct fixture *f, uint32_t size, uint64_t features,
                    struct drv_misbehave_set misbehave) {
  assert_int_equal(drv_vq_init_ex(&f->vq, &f->bus, &f->alloc, 0, size, features, misbehave),
                   MODEL_OK);
  f->vq_live = true;
  drv_vq_set_notify(&f->vq, count_notify, f);
  fake_queue_set(&f->dev, 0, size, f->vq.desc_addr, f->vq.avail_addr, f->vq.used_addr);
}

/* A transmit-like buffer: two device-readable elements. */
static model_err add_out2(struct fixture *f, uint64_t token) {
  struct drv_sg sg[2] = {
      {.addr = BUF_BASE + token * 256u, .len = 12, .device_writable = false},
      {.addr = BUF_BASE + token * 256u + 12u, .len = 100, .device_writable = false},
  };
  return drv_vq_add(&f->vq, sg, 2, 0, token, false);
}

static uint16_t rd16(struct fixture *f, uint64_t addr) {
  uint16_t v = 0;
  assert_int_equal(sim_bus_read_le16(&f->bus, SIM_ACTOR_WORLD, addr, &v), MODEL_OK);
  return v;
}

static void test_2_7_1_1_misaligned_ring_skews_the_used_ring(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, 0, MIS(DRV_MISBEHAVE_MISALIGNED_RING));
  assert_int_equal(f->vq.used_addr % MODEL_SPLIT_USED_ALIGN, 2);
  assert_int_equal(f->vq.desc_addr % MODEL_SPLIT_DESC_ALIGN, 0);
  assert_int_equal(f->vq.avail_addr % MODEL_SPLIT_AVAIL_ALIGN, 0);
  assert_int_equal(add_out2(f, 1), MODEL_OK); /* still a working ring */
}

static void test_2_7_10_1_1_dirty_used_ring_flags(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, 0, MIS(DRV_MISBEHAVE_DIRTY_USED_RING));
  assert_int_equal(rd16(f, f->vq.used_addr + MODEL_SPLIT_USED_OFF_FLAGS), VIRTQ_USED_F_NO_NOTIFY);
}

static void test_2_7_6_1_1_avail_idx_goes_back_once(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, 0, MIS(DRV_MISBEHAVE_AVAIL_IDX_BACKWARDS));
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX), 1);
  bool notified = false;
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  /* 1 - 16 - 1 mod 2^16: behind anything the device can have taken */
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX), (uint16_t)(1u - 17u));
  assert_true(drv_misbehave_has(f->vq.misbehave_spent, DRV_MISBEHAVE_AVAIL_IDX_BACKWARDS));
  /* the next publication writes the idx the driver meant */
  assert_int_equal(add_out2(f, 2), MODEL_OK);
  assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX), 2);
}

static void test_2_7_5_2_1_descriptor_loop_links_back(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, 0, MIS(DRV_MISBEHAVE_DESCRIPTOR_LOOP));
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  uint16_t head = rd16(f, f->vq.avail_addr + model_split_avail_ring_off(0));
  struct fake_desc d0 = fake_desc_read(&f->dev, f->vq.desc_addr, head);
  assert_true((d0.flags & VIRTQ_DESC_F_NEXT) != 0);
  struct fake_desc d1 = fake_desc_read(&f->dev, f->vq.desc_addr, d0.next);
  assert_true((d1.flags & VIRTQ_DESC_F_NEXT) != 0);
  assert_int_equal(d1.next, head);
  /* one-shot: the second chain ends as it should */
  assert_int_equal(add_out2(f, 2), MODEL_OK);
  uint16_t head2 = rd16(f, f->vq.avail_addr + model_split_avail_ring_off(1));
  struct fake_desc e0 = fake_desc_read(&f->dev, f->vq.desc_addr, head2);
  struct fake_desc e1 = fake_desc_read(&f->dev, f->vq.desc_addr, e0.next);
  assert_int_equal(e1.flags & VIRTQ_DESC_F_NEXT, 0);
}

static void test_2_7_5_3_1_3_chain_too_long_table(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, M(VIRTIO_F_INDIRECT_DESC), MIS(DRV_MISBEHAVE_CHAIN_TOO_LONG));
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  uint16_t head = rd16(f, f->vq.avail_addr + model_split_avail_ring_off(0));
  struct fake_desc d = fake_desc_read(&f->dev, f->vq.desc_addr, head);
  assert_true((d.flags & VIRTQ_DESC_F_INDIRECT) != 0);
  assert_int_equal(d.len, 17u * MODEL_SPLIT_DESC_SIZE);
  /* 17 entries linked in order, carrying the 112 bytes of the buffer */
  uint64_t bytes = 0;
  for (uint32_t i = 0; i < 17u; i++) {
    struct fake_desc e = fake_desc_read(&f->dev, d.addr, i);
    bytes += e.len;
    assert_true(e.len > 0);
    if (i + 1u < 17u) {
      assert_true((e.flags & VIRTQ_DESC_F_NEXT) != 0);
      assert_int_equal(e.next, i + 1u);
    } else {
      assert_int_equal(e.flags & VIRTQ_DESC_F_NEXT, 0);
    }
  }
  assert_int_equal(bytes, 112);
}

static void test_2_7_5_3_1_2_nested_indirect_table(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, M(VIRTIO_F_INDIRECT_DESC), MIS(DRV_MISBEHAVE_NESTED_INDIRECT));
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  uint16_t head = rd16(f, f->vq.avail_addr + model_split_avail_ring_off(0));
  struct fake_desc d = fake_desc_read(&f->dev, f->vq.desc_addr, head);
  assert_true((d.flags & VIRTQ_DESC_F_INDIRECT) != 0);
  struct fake_desc e1 = fake_desc_read(&f->dev, d.addr, 1);
  assert_true((e1.flags & VIRTQ_DESC_F_INDIRECT) != 0); /* inside a table */
  struct fake_desc inner = fake_desc_read(&f->dev, e1.addr, 0);
  assert_int_equal(inner.len, 100);
  /* freeing it gives every descriptor and the table back */
  uint16_t h = 0;
  assert_true(fake_avail_pop(&f->dev, 0, &h));
  fake_used_push(&f->dev, 0, h, 0);
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  assert_int_equal(drv_vq_free_count(&f->vq), 16);
}

static void test_2_7_13_3_1_1_idx_written_before_descriptors(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, 0, MIS(DRV_MISBEHAVE_PUBLISH_IDX_BEFORE_DESCRIPTOR));
  f->write_count = 0;
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  uint64_t idx = f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX;
  assert_true(f->write_count > 2u);
  assert_int_equal(f->writes[0], idx); /* first of all */
  /* one-shot: the second add writes idx last */
  f->write_count = 0;
  assert_int_equal(add_out2(f, 2), MODEL_OK);
  assert_int_equal(f->writes[f->write_count - 1u], idx);
}

static void test_3_3_1_1_reuse_inflight_head_rewrites_outstanding_chain(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, 0, MIS(DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD));
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  uint16_t head = rd16(f, f->vq.avail_addr + model_split_avail_ring_off(0));
  assert_int_equal(add_out2(f, 2), MODEL_OK);
  /* buffer 2 went into buffer 1's (outstanding) descriptors, unpublished */
  assert_true(f->vq.reused);
  assert_int_equal(f->vq.reused_token, 1);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX), 1);
  struct fake_desc d = fake_desc_read(&f->dev, f->vq.desc_addr, head);
  assert_int_equal(d.addr, BUF_BASE + 2u * 256u);
  assert_int_equal(drv_vq_outstanding(&f->vq), 1);
  /* the device uses the one chain: the driver gets buffer 2 back */
  uint16_t h = 0;
  assert_true(fake_avail_pop(&f->dev, 0, &h));
  fake_used_push(&f->dev, 0, h, 0);
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  assert_int_equal(token, 2);
  assert_int_equal(drv_vq_free_count(&f->vq), 16);
}

/* The device suppresses notifications (used flags NO_NOTIFY, no EVENT_IDX):
 * how many kicks of one buffer each notify. */
static unsigned kicks_notifying(struct fixture *f, struct drv_misbehave_set misbehave) {
  vq_make(f, 16, 0, misbehave);
  assert_int_equal(sim_bus_write_le16(&f->bus, SIM_ACTOR_DEVICE,
                                      f->vq.used_addr + MODEL_SPLIT_USED_OFF_FLAGS,
                                      VIRTQ_USED_F_NO_NOTIFY),
                   MODEL_OK);
  for (uint64_t t = 1; t <= 3; t++) {
    assert_int_equal(add_out2(f, t), MODEL_OK);
    assert_int_equal(drv_vq_kick(&f->vq, NULL), MODEL_OK);
  }
  unsigned n = f->notifies;
  drv_vq_fini(&f->vq);
  f->vq_live = false;
  f->notifies = 0;
  return n;
}

static void test_2_7_10_1_3_notify_while_suppressed(void **state) {
  struct fixture *f = *state;
  assert_int_equal(kicks_notifying(f, drv_misbehave_none()), 0);
  assert_int_equal(kicks_notifying(f, MIS(DRV_MISBEHAVE_NOTIFY_WHILE_SUPPRESSED)), 3);
}

static void test_2_7_10_1_4_skip_notify_never_notifies(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, M(VIRTIO_F_EVENT_IDX), MIS(DRV_MISBEHAVE_SKIP_NOTIFY));
  for (uint64_t t = 1; t <= 3; t++) {
    assert_int_equal(add_out2(f, t), MODEL_OK);
    bool notified = true;
    assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
    assert_false(notified);
  }
  assert_int_equal(f->notifies, 0);
}

static void test_2_7_7_1_1_bad_avail_flags(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, 0, MIS(DRV_MISBEHAVE_BAD_AVAIL_FLAGS));
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  uint16_t flags = rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS);
  assert_true((flags & VIRTQ_AVAIL_F_NO_INTERRUPT) != 0);
  assert_true((flags & ~VIRTQ_AVAIL_F_NO_INTERRUPT) != 0);
  bool pending = false;
  assert_int_equal(drv_vq_enable_cb(&f->vq, &pending), MODEL_OK);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS), 0);
}

static void test_2_7_7_1_2_bad_avail_flags_with_event_idx(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, M(VIRTIO_F_EVENT_IDX), MIS(DRV_MISBEHAVE_BAD_AVAIL_FLAGS));
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS),
                   VIRTQ_AVAIL_F_NO_INTERRUPT);
  bool pending = false;
  assert_int_equal(drv_vq_enable_cb(&f->vq, &pending), MODEL_OK);
  assert_int_equal(rd16(f, f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS), 0);
}

static void test_2_7_4_2_1_write_before_read_accepted_only_misbehaving(void **state) {
  struct fixture *f = *state;
  struct drv_sg sg[2] = {
      {.addr = BUF_BASE, .len = 1, .device_writable = true},
      {.addr = BUF_BASE + 64u, .len = 60, .device_writable = false},
  };
  vq_make(f, 16, 0, drv_misbehave_none());
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 1, 7, false), MODEL_ERR_INVALID_ARG);
  drv_vq_fini(&f->vq);
  vq_make(f, 16, 0, MIS(DRV_MISBEHAVE_WRITE_BEFORE_READ));
  assert_int_equal(drv_vq_add(&f->vq, sg, 1, 1, 7, false), MODEL_OK);
  uint16_t head = rd16(f, f->vq.avail_addr + model_split_avail_ring_off(0));
  struct fake_desc d0 = fake_desc_read(&f->dev, f->vq.desc_addr, head);
  struct fake_desc d1 = fake_desc_read(&f->dev, f->vq.desc_addr, d0.next);
  assert_true((d0.flags & VIRTQ_DESC_F_WRITE) != 0);
  assert_int_equal(d1.flags & VIRTQ_DESC_F_WRITE, 0);
}

/* ---- packed rings (vq_packed.c) and IN_ORDER ---------------------------- */

#define PACKED M(VIRTIO_F_RING_PACKED)

/* One packed ring descriptor as guest memory holds it. */
struct pdesc {
  uint64_t addr;
  uint32_t len;
  uint16_t id, flags;
};

static struct pdesc pdesc_at(struct fixture *f, uint64_t table, uint32_t slot) {
  uint64_t d = table + model_packed_desc_off(slot);
  struct pdesc p = {0};
  assert_int_equal(
      sim_bus_read_le64(&f->bus, SIM_ACTOR_WORLD, d + MODEL_PACKED_DESC_OFF_ADDR, &p.addr),
      MODEL_OK);
  assert_int_equal(
      sim_bus_read_le32(&f->bus, SIM_ACTOR_WORLD, d + MODEL_PACKED_DESC_OFF_LEN, &p.len), MODEL_OK);
  p.id = rd16(f, d + MODEL_PACKED_DESC_OFF_ID);
  p.flags = rd16(f, d + MODEL_PACKED_DESC_OFF_FLAGS);
  return p;
}

/* Available in the first lap (wrap 1), with these other flags. */
static uint16_t avail1(uint16_t flags) {
  return (uint16_t)(flags | model_packed_avail_bits(true));
}

static void test_2_8_11_1_misaligned_ring_skews_the_device_area(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, PACKED, MIS(DRV_MISBEHAVE_MISALIGNED_RING));
  assert_int_equal(f->vq.used_addr % MODEL_PACKED_EVENT_ALIGN, 2);
  assert_int_equal(f->vq.desc_addr % MODEL_PACKED_DESC_ALIGN, 0);
  assert_int_equal(f->vq.avail_addr % MODEL_PACKED_EVENT_ALIGN, 0);
  assert_int_equal(add_out2(f, 1), MODEL_OK); /* still a working ring */
}

static void test_2_8_17_2_descriptor_loop_fills_the_ring_with_next(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, PACKED, MIS(DRV_MISBEHAVE_DESCRIPTOR_LOOP));
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  /* the header, then 100 bytes in 3 pieces; NEXT on every one */
  uint32_t lens[4] = {12, 33, 33, 34};
  for (uint32_t s = 0; s < 4; s++) {
    struct pdesc d = pdesc_at(f, f->vq.desc_addr, s);
    assert_int_equal(d.len, lens[s]);
    assert_int_equal(d.flags, avail1(VIRTQ_DESC_F_NEXT));
  }
  assert_int_equal(drv_vq_free_count(&f->vq), 0);
  assert_true(drv_misbehave_has(f->vq.misbehave_spent, DRV_MISBEHAVE_DESCRIPTOR_LOOP));
}

static void test_2_8_17_5_list_does_not_fit_goes_out_short(void **state) {
  struct fixture *f = *state;
  vq_make(f, 3, PACKED, MIS(DRV_MISBEHAVE_LIST_DOES_NOT_FIT));
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  assert_int_equal(pdesc_at(f, f->vq.desc_addr, 1).flags, avail1(0));
  /* one descriptor free, two needed: written and made available anyway */
  assert_int_equal(add_out2(f, 2), MODEL_OK);
  struct pdesc d = pdesc_at(f, f->vq.desc_addr, 2);
  assert_int_equal(d.len, 12);
  assert_int_equal(d.flags, avail1(VIRTQ_DESC_F_NEXT));
  assert_int_equal(drv_vq_free_count(&f->vq), 0);
  assert_int_equal(add_out2(f, 3), MODEL_ERR_RING_FULL);
}

static void test_2_8_16_2_change_exposed_descriptor(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, PACKED, MIS(DRV_MISBEHAVE_CHANGE_EXPOSED_DESCRIPTOR));
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  /* the second descriptor is available with len 0; the first is held */
  assert_int_equal(pdesc_at(f, f->vq.desc_addr, 0).flags, 0);
  struct pdesc d1 = pdesc_at(f, f->vq.desc_addr, 1);
  assert_int_equal(d1.flags, avail1(0));
  assert_int_equal(d1.len, 0);
  /* the driver does not mistake its held list for a broken used one */
  uint64_t token = 0;
  uint32_t len = 0;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_ERR_RING_EMPTY);
  assert_false(drv_vq_is_broken(&f->vq));
  /* the next add sets the len, then exposes the held list, then its own */
  assert_int_equal(add_out2(f, 2), MODEL_OK);
  assert_int_equal(pdesc_at(f, f->vq.desc_addr, 1).len, 100);
  assert_int_equal(pdesc_at(f, f->vq.desc_addr, 0).flags, avail1(VIRTQ_DESC_F_NEXT));
  assert_int_equal(pdesc_at(f, f->vq.desc_addr, 2).flags, avail1(VIRTQ_DESC_F_NEXT));
  assert_false(f->vq.held);
}

static void test_2_8_21_1_1_1_flags_written_before_the_id(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, PACKED, MIS(DRV_MISBEHAVE_PUBLISH_IDX_BEFORE_DESCRIPTOR));
  f->write_count = 0;
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  uint64_t d0 = f->vq.desc_addr;
  size_t flags_at = WRITES_MAX, id_at = WRITES_MAX, second_at = WRITES_MAX;
  for (size_t i = 0; i < f->write_count; i++) {
    if (f->writes[i] == d0 + MODEL_PACKED_DESC_OFF_FLAGS && flags_at == WRITES_MAX)
      flags_at = i;
    if (f->writes[i] == d0 + MODEL_PACKED_DESC_OFF_ID)
      id_at = i;
    if (f->writes[i] == d0 + MODEL_PACKED_DESC_SIZE && second_at == WRITES_MAX)
      second_at = i;
  }
  assert_true(flags_at < id_at && id_at < second_at && second_at < f->write_count);
  /* one-shot: the second add writes its first flags last */
  f->write_count = 0;
  assert_int_equal(add_out2(f, 2), MODEL_OK);
  assert_int_equal(f->writes[f->write_count - 1u],
                   d0 + model_packed_desc_off(2) + MODEL_PACKED_DESC_OFF_FLAGS);
}

static void test_2_8_16_1_reuse_inflight_head_rewrites_the_list(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, PACKED, MIS(DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD));
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  assert_int_equal(add_out2(f, 2), MODEL_OK);
  assert_true(f->vq.reused);
  assert_int_equal(f->vq.reused_token, 1);
  /* buffer 2 is in buffer 1's slots, which stay available; no new slot */
  struct pdesc d0 = pdesc_at(f, f->vq.desc_addr, 0);
  assert_int_equal(d0.addr, BUF_BASE + 2u * 256u);
  assert_int_equal(d0.flags, avail1(VIRTQ_DESC_F_NEXT));
  assert_int_equal(pdesc_at(f, f->vq.desc_addr, 2).flags, 0);
  assert_int_equal(drv_vq_outstanding(&f->vq), 1);
  assert_int_equal(drv_vq_free_count(&f->vq), 6);
}

static void test_2_8_19_4_indirect_with_next_packed(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, PACKED | M(VIRTIO_F_INDIRECT_DESC), MIS(DRV_MISBEHAVE_INDIRECT_WITH_NEXT));
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  struct pdesc d0 = pdesc_at(f, f->vq.desc_addr, 0);
  assert_int_equal(d0.flags, avail1(VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT));
  assert_int_equal(d0.len, MODEL_PACKED_DESC_SIZE); /* the header alone */
  assert_int_equal(pdesc_at(f, d0.addr, 0).len, 12);
  struct pdesc d1 = pdesc_at(f, f->vq.desc_addr, 1);
  assert_int_equal(d1.len, 100);
  assert_int_equal(d1.flags, avail1(0));
  assert_int_equal(drv_vq_free_count(&f->vq), 6);
}

static void test_2_8_21_3_1_1_skip_notify_packed(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, PACKED, MIS(DRV_MISBEHAVE_SKIP_NOTIFY));
  for (uint64_t t = 1; t <= 3; t++) {
    assert_int_equal(add_out2(f, t), MODEL_OK);
    bool notified = true;
    assert_int_equal(drv_vq_kick(&f->vq, &notified), MODEL_OK);
    assert_false(notified);
  }
  assert_int_equal(f->notifies, 0);
}

static void test_2_7_5_2_2_chain_with_gap_skips_a_slot(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, M(VIRTIO_F_IN_ORDER), MIS(DRV_MISBEHAVE_CHAIN_WITH_GAP));
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  struct fake_desc d0 = fake_desc_read(&f->dev, f->vq.desc_addr, 0);
  assert_true((d0.flags & VIRTQ_DESC_F_NEXT) != 0);
  assert_int_equal(d0.next, 2);
  assert_int_equal(fake_desc_read(&f->dev, f->vq.desc_addr, 2).len, 100);
  assert_int_equal(drv_vq_free_count(&f->vq), 13); /* the gap is taken too */
  /* one-shot: the next chain starts after the gap, in consecutive slots */
  assert_int_equal(add_out2(f, 2), MODEL_OK);
  assert_int_equal(rd16(f, f->vq.avail_addr + model_split_avail_ring_off(1)), 3);
  assert_int_equal(fake_desc_read(&f->dev, f->vq.desc_addr, 3).next, 4);
}

static void test_2_7_5_3_1_5_chain_with_gap_in_a_table(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, M(VIRTIO_F_IN_ORDER) | M(VIRTIO_F_INDIRECT_DESC),
          MIS(DRV_MISBEHAVE_CHAIN_WITH_GAP));
  struct drv_sg sg[2] = {
      {.addr = BUF_BASE, .len = 12, .device_writable = false},
      {.addr = BUF_BASE + 12u, .len = 100, .device_writable = false},
  };
  assert_int_equal(drv_vq_add(&f->vq, sg, 2, 0, 1, true), MODEL_OK);
  struct fake_desc d = fake_desc_read(&f->dev, f->vq.desc_addr, 0);
  assert_true((d.flags & VIRTQ_DESC_F_INDIRECT) != 0);
  assert_int_equal(d.len, 3u * MODEL_SPLIT_DESC_SIZE);
  struct fake_desc e0 = fake_desc_read(&f->dev, d.addr, 0);
  assert_int_equal(e0.next, 2);
  assert_int_equal(fake_desc_read(&f->dev, d.addr, 1).len, 0);
  assert_int_equal(fake_desc_read(&f->dev, d.addr, 2).len, 100);
}
/* ---- edges of the misbehaviours above ---------------------------------- */

static void test_misbehave_set_ignores_bits_past_its_room(void **state) {
  (void)state;
  const unsigned room = 64u * DRV_MISBEHAVE_WORDS;
  struct drv_misbehave_set s = drv_misbehave_none();
  drv_misbehave_add(&s, room);
  assert_true(drv_misbehave_is_empty(s));
  drv_misbehave_add(&s, room - 1u);
  drv_misbehave_remove(&s, room); /* nothing past the room to remove */
  assert_true(drv_misbehave_has(s, room - 1u));
  drv_misbehave_remove(&s, room - 1u);
  assert_true(drv_misbehave_is_empty(s));
}

/* oversize-queue before any QueueSizeMax read: twice the size it means. */
static void test_4_2_2_2_12_oversize_queue_without_size_max_read(void **state) {
  struct fixture *f = *state;
  f->core.mmio.misbehave = MIS(DRV_MISBEHAVE_OVERSIZE_QUEUE);
  struct drv_mmio_queue_layout layout = {.size = 64, .desc_addr = RAM_BASE};
  assert_int_equal(drv_mmio_queue_program(&f->core.mmio, 0, &layout), MODEL_OK);
  size_t first = fake_log_find(&f->dev, 0, true, MODEL_MMIO_QUEUE_SIZE);
  assert_true(first != SIZE_MAX);
  assert_int_equal(f->dev.log[first].value, 128);
  assert_int_equal(f->dev.q[0].size, 64); /* the size it means comes last */
}

/* oversize-queue with a QueueSizeMax that doubled would wrap: the most a
 * 32-bit register holds instead. */
static void test_4_2_2_2_12_oversize_queue_saturates(void **state) {
  struct fixture *f = *state;
  f->core.mmio.misbehave = MIS(DRV_MISBEHAVE_OVERSIZE_QUEUE);
  f->dev.q[0].size_max = 0x80000001u;
  uint32_t max = 0;
  assert_int_equal(drv_mmio_queue_size_max(&f->core.mmio, 0, &max), MODEL_OK);
  struct drv_mmio_queue_layout layout = {.size = 64, .desc_addr = RAM_BASE};
  size_t from = f->dev.log_count;
  assert_int_equal(drv_mmio_queue_program(&f->core.mmio, 0, &layout), MODEL_OK);
  size_t first = fake_log_find(&f->dev, from, true, MODEL_MMIO_QUEUE_SIZE);
  assert_true(first != SIZE_MAX);
  assert_int_equal(f->dev.log[first].value, UINT32_MAX);
  /* twin: just below the wrap, exactly twice */
  f->dev.q[0].ready = 0;
  f->dev.q[0].size_max = 0x7fffffffu;
  assert_int_equal(drv_mmio_queue_size_max(&f->core.mmio, 0, &max), MODEL_OK);
  from = f->dev.log_count;
  assert_int_equal(drv_mmio_queue_program(&f->core.mmio, 0, &layout), MODEL_OK);
  first = fake_log_find(&f->dev, from, true, MODEL_MMIO_QUEUE_SIZE);
  assert_int_equal(f->dev.log[first].value, 0xfffffffeu);
}

/* accept-unoffered when no unoffered device-type feature can be taken (the
 * one left out needs CTRL_VQ, which is not accepted): only the reserved
 * bits the device offered (4 and 6, unnamed for virtio-net) go in. */
static void test_2_2_1_5_accept_unoffered_takes_reserved_offered_bits(void **state) {
  struct fixture *f = *state;
  const uint64_t low24 = ((uint64_t)1 << 24) - 1u;
  f->dev.features_offered = (low24 & ~M(VIRTIO_NET_F_CTRL_VLAN)) | M(VIRTIO_F_VERSION_1);
  drv_core_set_known_features(&f->core, M(VIRTIO_NET_F_MAC));
  f->core.misbehave = MIS(DRV_MISBEHAVE_ACCEPT_UNOFFERED);
  core_to_driver(f);
  uint64_t got = 0;
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, M(VIRTIO_F_VERSION_1), &got),
                   MODEL_OK);
  assert_int_equal(f->dev.driver_features & ~f->dev.features_offered, 0);
  assert_int_equal(f->dev.driver_features,
                   M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_MAC) | M(4) | M(6));
  /* twin: well-behaved (spent), the reserved bits stay out */
  core_to_driver(f);
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, M(VIRTIO_F_VERSION_1), &got),
                   MODEL_OK);
  assert_int_equal(f->dev.driver_features, M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_MAC));
}

/* accept-without-dependency with no accepted feature that another needs:
 * nothing to leave out, the set stays as the well-behaved driver's. */
static void test_2_2_1_2_accept_without_dependency_needs_a_dependency(void **state) {
  struct fixture *f = *state;
  f->dev.features_offered = M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_MAC);
  drv_core_set_known_features(&f->core, M(VIRTIO_NET_F_MAC));
  f->core.misbehave = MIS(DRV_MISBEHAVE_ACCEPT_WITHOUT_DEPENDENCY);
  core_to_driver(f);
  uint64_t got = 0;
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, M(VIRTIO_F_VERSION_1), &got),
                   MODEL_OK);
  assert_int_equal(got, M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_MAC));
  assert_int_equal(f->dev.driver_features, got);
  /* twin: CTRL_RX needs CTRL_VQ; misbehaving, CTRL_VQ is left out */
  f->dev.features_offered |= M(VIRTIO_NET_F_CTRL_VQ) | M(VIRTIO_NET_F_CTRL_RX);
  drv_core_set_known_features(&f->core, M(VIRTIO_NET_F_CTRL_VQ) | M(VIRTIO_NET_F_CTRL_RX));
  f->core.misbehave = MIS(DRV_MISBEHAVE_ACCEPT_WITHOUT_DEPENDENCY);
  core_to_driver(f);
  assert_int_equal(drv_core_negotiate(&f->core, ~(uint64_t)0, M(VIRTIO_F_VERSION_1), &got),
                   MODEL_OK);
  assert_int_equal(got, M(VIRTIO_F_VERSION_1) | M(VIRTIO_NET_F_CTRL_RX));
}

/* One device-readable element of len bytes. */
static model_err add_one(struct fixture *f, uint64_t token, uint32_t len, bool indirect) {
  struct drv_sg sg = {.addr = BUF_BASE + token * 256u, .len = len};
  return drv_vq_add(&f->vq, &sg, 1, 0, token, indirect);
}

static void vq_drop(struct fixture *f) {
  drv_vq_fini(&f->vq);
  f->vq_live = false;
}

/* chain-too-long waits for a last element it can cut into a queue's worth
 * of one-byte pieces: 17 bytes for one element in a queue of 16. */
static void test_2_7_5_3_1_3_chain_too_long_waits_for_enough_bytes(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, M(VIRTIO_F_INDIRECT_DESC), MIS(DRV_MISBEHAVE_CHAIN_TOO_LONG));
  assert_int_equal(add_one(f, 1, 16, false), MODEL_OK);
  struct fake_desc d = fake_desc_read(&f->dev, f->vq.desc_addr, 0);
  assert_int_equal(d.flags, 0); /* as asked: direct, one descriptor */
  assert_int_equal(d.len, 16);
  assert_true(drv_misbehave_has(f->vq.misbehave, DRV_MISBEHAVE_CHAIN_TOO_LONG));
  /* twin: 17 bytes are enough */
  assert_int_equal(add_one(f, 2, 17, false), MODEL_OK);
  d = fake_desc_read(&f->dev, f->vq.desc_addr, 1);
  assert_int_equal(d.flags, VIRTQ_DESC_F_INDIRECT);
  assert_int_equal(d.len, 17u * MODEL_SPLIT_DESC_SIZE);
  assert_true(drv_misbehave_has(f->vq.misbehave_spent, DRV_MISBEHAVE_CHAIN_TOO_LONG));
}

/* chain-with-gap waits for a free descriptor beyond the chain, and an
 * IN_ORDER queue without it leaves no gap at all. */
static void test_2_7_5_2_2_chain_with_gap_waits_for_room(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, M(VIRTIO_F_IN_ORDER), MIS(DRV_MISBEHAVE_CHAIN_WITH_GAP));
  assert_int_equal(add_one(f, 1, 8, false), MODEL_OK);
  assert_int_equal(add_one(f, 2, 8, false), MODEL_OK);
  assert_int_equal(add_out2(f, 3), MODEL_OK); /* two free: no room for a gap */
  assert_int_equal(fake_desc_read(&f->dev, f->vq.desc_addr, 2).next, 3);
  assert_int_equal(drv_vq_free_count(&f->vq), 0);
  assert_true(drv_misbehave_has(f->vq.misbehave, DRV_MISBEHAVE_CHAIN_WITH_GAP));
  vq_drop(f);
  vq_make(f, 4, M(VIRTIO_F_IN_ORDER), MIS(DRV_MISBEHAVE_SKIP_NOTIFY));
  assert_int_equal(add_out2(f, 1), MODEL_OK);
  assert_int_equal(fake_desc_read(&f->dev, f->vq.desc_addr, 0).next, 1);
  assert_int_equal(drv_vq_free_count(&f->vq), 2);
}

/* reuse-inflight-head takes only a direct chain still outstanding, with
 * descriptors enough, for a direct buffer; else the add goes as asked. */
static void test_3_3_1_1_reuse_inflight_head_only_when_it_fits(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, M(VIRTIO_F_INDIRECT_DESC), MIS(DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD));
  assert_int_equal(add_one(f, 1, 8, true), MODEL_OK); /* indirect */
  assert_int_equal(add_one(f, 2, 8, false), MODEL_OK);
  assert_false(f->vq.reused);
  assert_int_equal(add_out2(f, 3), MODEL_OK); /* longer than the one before */
  assert_false(f->vq.reused);
  struct drv_sg sg[2] = {{.addr = BUF_BASE, .len = 8}, {.addr = BUF_BASE, .len = 8}};
  assert_int_equal(drv_vq_add(&f->vq, sg, 2, 0, 4, true), MODEL_OK); /* indirect asked */
  assert_false(f->vq.reused);
  assert_int_equal(drv_vq_outstanding(&f->vq), 4);
  /* the last one, used and taken, is no longer in flight */
  uint16_t h = 0;
  while (fake_avail_pop(&f->dev, 0, &h))
    fake_used_push(&f->dev, 0, h, 0);
  uint64_t token = 0;
  uint32_t len = 0;
  for (unsigned i = 0; i < 4; i++)
    assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  assert_int_equal(add_one(f, 5, 8, false), MODEL_OK);
  assert_false(f->vq.reused);
  assert_int_equal(drv_vq_outstanding(&f->vq), 1);
  /* twin: now it fits, and the bit is spent */
  assert_int_equal(add_one(f, 6, 8, false), MODEL_OK);
  assert_true(f->vq.reused);
  assert_int_equal(f->vq.reused_token, 5);
  assert_int_equal(drv_vq_outstanding(&f->vq), 1);
}

/* bad-avail-flags with EVENT_IDX: the flags are written once, not again
 * on a second disable. */
static void test_2_7_7_1_2_bad_avail_flags_written_once(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, M(VIRTIO_F_EVENT_IDX), MIS(DRV_MISBEHAVE_BAD_AVAIL_FLAGS));
  uint64_t flags = f->vq.avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS;
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  f->write_count = 0;
  assert_int_equal(drv_vq_disable_cb(&f->vq), MODEL_OK);
  assert_int_equal(f->write_count, 1); /* used_event only */
  assert_true(f->writes[0] != flags);
  assert_int_equal(rd16(f, flags), VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* Packed: chain-too-long waits for a last element of 17 bytes (queue 16). */
static void test_2_8_19_3_chain_too_long_waits_for_enough_bytes(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, PACKED | M(VIRTIO_F_INDIRECT_DESC), MIS(DRV_MISBEHAVE_CHAIN_TOO_LONG));
  assert_int_equal(add_one(f, 1, 16, false), MODEL_OK);
  struct pdesc d = pdesc_at(f, f->vq.desc_addr, 0);
  assert_int_equal(d.flags, avail1(0)); /* as asked */
  assert_true(drv_misbehave_has(f->vq.misbehave, DRV_MISBEHAVE_CHAIN_TOO_LONG));
  assert_int_equal(add_one(f, 2, 17, false), MODEL_OK);
  d = pdesc_at(f, f->vq.desc_addr, 1);
  assert_int_equal(d.flags, avail1(VIRTQ_DESC_F_INDIRECT));
  assert_int_equal(d.len, 17u * MODEL_PACKED_DESC_SIZE);
}

/* Packed descriptor-loop waits for an empty ring, a byte for each of its
 * pieces, and a buffer sent direct. */
static void test_2_8_17_2_descriptor_loop_waits_for_its_chance(void **state) {
  struct fixture *f = *state;
  vq_make(f, 4, PACKED | M(VIRTIO_F_INDIRECT_DESC), MIS(DRV_MISBEHAVE_DESCRIPTOR_LOOP));
  assert_int_equal(add_one(f, 1, 3, false), MODEL_OK); /* 3 bytes, 4 pieces: too few */
  assert_int_equal(pdesc_at(f, f->vq.desc_addr, 0).flags, avail1(0));
  assert_int_equal(add_one(f, 2, 64, false), MODEL_OK); /* the ring is not empty */
  assert_int_equal(pdesc_at(f, f->vq.desc_addr, 1).flags, avail1(0));
  assert_int_equal(drv_vq_free_count(&f->vq), 2);
  assert_true(drv_misbehave_has(f->vq.misbehave, DRV_MISBEHAVE_DESCRIPTOR_LOOP));
  vq_drop(f);
  vq_make(f, 4, PACKED | M(VIRTIO_F_INDIRECT_DESC), MIS(DRV_MISBEHAVE_DESCRIPTOR_LOOP));
  assert_int_equal(add_one(f, 1, 64, true), MODEL_OK); /* indirect asked: as asked */
  assert_int_equal(pdesc_at(f, f->vq.desc_addr, 0).flags, avail1(VIRTQ_DESC_F_INDIRECT));
  assert_true(drv_misbehave_has(f->vq.misbehave, DRV_MISBEHAVE_DESCRIPTOR_LOOP));
  vq_drop(f);
  /* twin: empty ring, 4 bytes, direct: every descriptor with NEXT */
  vq_make(f, 4, PACKED, MIS(DRV_MISBEHAVE_DESCRIPTOR_LOOP));
  assert_int_equal(add_one(f, 1, 4, false), MODEL_OK);
  for (uint32_t s = 0; s < 4; s++)
    assert_int_equal(pdesc_at(f, f->vq.desc_addr, s).flags, avail1(VIRTQ_DESC_F_NEXT));
}

/* The device marks the (read-only) buffer whose list starts at slot used,
 * in the first lap, with len 0: its id is already there. */
static void packed_dev_use(struct fixture *f, uint32_t slot) {
  uint64_t d = f->vq.desc_addr + model_packed_desc_off(slot);
  assert_int_equal(sim_bus_write_le32(&f->bus, SIM_ACTOR_DEVICE, d + MODEL_PACKED_DESC_OFF_LEN, 0),
                   MODEL_OK);
  assert_int_equal(sim_bus_write_le16(&f->bus, SIM_ACTOR_DEVICE, d + MODEL_PACKED_DESC_OFF_FLAGS,
                                      model_packed_used_bits(true)),
                   MODEL_OK);
}

/* Packed reuse-inflight-head takes only a direct list still outstanding,
 * of as many descriptors, for a direct buffer. */
static void test_2_8_16_1_reuse_inflight_head_only_when_it_fits(void **state) {
  struct fixture *f = *state;
  vq_make(f, 16, PACKED | M(VIRTIO_F_INDIRECT_DESC), MIS(DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD));
  assert_int_equal(add_one(f, 1, 8, true), MODEL_OK); /* indirect */
  assert_int_equal(add_one(f, 2, 8, false), MODEL_OK);
  assert_false(f->vq.reused);
  assert_int_equal(add_out2(f, 3), MODEL_OK); /* two descriptors, not one */
  assert_false(f->vq.reused);
  struct drv_sg sg[2] = {{.addr = BUF_BASE, .len = 8}, {.addr = BUF_BASE, .len = 8}};
  assert_int_equal(drv_vq_add(&f->vq, sg, 2, 0, 4, true), MODEL_OK); /* indirect asked */
  assert_false(f->vq.reused);
  assert_int_equal(drv_vq_outstanding(&f->vq), 4);
  /* the device uses all four in order: each used descriptor goes where the
   * buffer's list starts (its id is already there), and the lists are of
   * 1, 1, 2 and 1 descriptors */
  static const uint32_t starts[4] = {0, 1, 2, 4};
  for (unsigned i = 0; i < 4; i++)
    packed_dev_use(f, starts[i]);
  uint64_t token = 0;
  uint32_t len = 0;
  for (unsigned i = 0; i < 4; i++)
    assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  assert_int_equal(add_one(f, 5, 8, false), MODEL_OK);
  assert_false(f->vq.reused);
  /* twin: now it fits, and the bit is spent */
  assert_int_equal(add_one(f, 6, 8, false), MODEL_OK);
  assert_true(f->vq.reused);
  assert_int_equal(f->vq.reused_token, 5);
}

/* A held list blocks the used side only where it starts: buffers before
 * it are read and taken as usual. */
static void test_2_8_16_2_held_list_blocks_only_its_own_slot(void **state) {
  struct fixture *f = *state;
  vq_make(f, 8, PACKED, MIS(DRV_MISBEHAVE_CHANGE_EXPOSED_DESCRIPTOR));
  assert_int_equal(add_one(f, 1, 8, false), MODEL_OK); /* one element: not held */
  assert_int_equal(add_out2(f, 2), MODEL_OK);          /* held, at slot 1 */
  assert_true(f->vq.held);
  uint64_t token = 0;
  uint32_t len = 0;
  bool has = true;
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_ERR_RING_EMPTY);
  assert_int_equal(drv_vq_has_used(&f->vq, &has), MODEL_OK);
  assert_false(has);
  packed_dev_use(f, 0); /* the device uses buffer 1 */
  assert_int_equal(drv_vq_has_used(&f->vq, &has), MODEL_OK);
  assert_true(has);
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_OK);
  assert_int_equal(token, 1);
  /* now at the held list: nothing, and no read that could misjudge it (a
   * read would fail here) */
  struct sim_fault_plan plan;
  fake_mem_fail(&f->bus, &plan, SIM_FAULT_ACCESS_READ, 0);
  assert_int_equal(drv_vq_get_used(&f->vq, &token, &len), MODEL_ERR_RING_EMPTY);
  assert_int_equal(drv_vq_has_used(&f->vq, &has), MODEL_OK);
  assert_false(fake_mem_fired(&plan));
  fake_mem_fail_clear(&f->bus);
  assert_false(has);
  assert_false(drv_vq_is_broken(&f->vq));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_misbehave_names_round_trip),
      cmocka_unit_test(test_misbehave_names_unique_and_described),
      cmocka_unit_test(test_misbehave_lookup_rejects_unknown),
      cmocka_unit_test(test_misbehave_set_fits_every_misbehaviour),
      cmocka_unit_test(test_misbehave_set_operations),
      T(test_4_2_3_1_1_1_skip_magic_check_starts_with_device_id),
      T(test_4_2_2_2_10_no_features_sel_reads_unselected),
      T(test_4_2_2_2_12_oversize_queue_writes_twice_the_max),
      T(test_4_2_2_2_18_ack_carries_an_undefined_bit),
      T(test_2_2_1_1_accept_unoffered_once),
      T(test_4_2_3_1_1_4_ignore_device_id_zero_goes_on),
      T(test_5_1_4_2_2_refuse_mac_once),
      T(test_5_1_4_2_7_refuse_mtu_once),
      T(test_2_1_1_2_clear_status_bit_drops_driver_once),
      T(test_2_7_1_1_misaligned_ring_skews_the_used_ring),
      T(test_2_7_10_1_1_dirty_used_ring_flags),
      T(test_2_7_6_1_1_avail_idx_goes_back_once),
      T(test_2_7_5_2_1_descriptor_loop_links_back),
      T(test_2_7_5_3_1_3_chain_too_long_table),
      T(test_2_7_5_3_1_2_nested_indirect_table),
      T(test_2_7_13_3_1_1_idx_written_before_descriptors),
      T(test_3_3_1_1_reuse_inflight_head_rewrites_outstanding_chain),
      T(test_2_7_10_1_3_notify_while_suppressed),
      T(test_2_7_10_1_4_skip_notify_never_notifies),
      T(test_2_7_7_1_1_bad_avail_flags),
      T(test_2_7_7_1_2_bad_avail_flags_with_event_idx),
      T(test_2_7_4_2_1_write_before_read_accepted_only_misbehaving),
      T(test_2_8_11_1_misaligned_ring_skews_the_device_area),
      T(test_2_8_17_2_descriptor_loop_fills_the_ring_with_next),
      T(test_2_8_17_5_list_does_not_fit_goes_out_short),
      T(test_2_8_16_2_change_exposed_descriptor),
      T(test_2_8_21_1_1_1_flags_written_before_the_id),
      T(test_2_8_16_1_reuse_inflight_head_rewrites_the_list),
      T(test_2_8_19_4_indirect_with_next_packed),
      T(test_2_8_21_3_1_1_skip_notify_packed),
      T(test_2_7_5_2_2_chain_with_gap_skips_a_slot),
      T(test_2_7_5_3_1_5_chain_with_gap_in_a_table),
      cmocka_unit_test(test_misbehave_set_ignores_bits_past_its_room),
      T(test_4_2_2_2_12_oversize_queue_without_size_max_read),
      T(test_4_2_2_2_12_oversize_queue_saturates),
      T(test_2_2_1_5_accept_unoffered_takes_reserved_offered_bits),
      T(test_2_2_1_2_accept_without_dependency_needs_a_dependency),
      T(test_2_7_5_3_1_3_chain_too_long_waits_for_enough_bytes),
      T(test_2_7_5_2_2_chain_with_gap_waits_for_room),
      T(test_3_3_1_1_reuse_inflight_head_only_when_it_fits),
      T(test_2_7_7_1_2_bad_avail_flags_written_once),
      T(test_2_8_19_3_chain_too_long_waits_for_enough_bytes),
      T(test_2_8_17_2_descriptor_loop_waits_for_its_chance),
      T(test_2_8_16_1_reuse_inflight_head_only_when_it_fits),
      T(test_2_8_16_2_held_list_blocks_only_its_own_slot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
