/*
 * backend/tests/dev_test_driver.h: a hand-written driver for the backend's
 * unit tests. It writes ring memory and registers directly through the bus
 * (as SIM_ACTOR_DRIVER), so each test states exactly what the driver did,
 * including what a conformant driver never does. Include after <cmocka.h>.
 *
 * Guest RAM is the default world's: 64 MiB at 0x10000000. Queue q's rings
 * live at TD_RING_BASE + q * 64 KiB, buffers from TD_BUF_BASE up.
 */
#ifndef VIOSIM_BACKEND_TESTS_DEV_TEST_DRIVER_H
#define VIOSIM_BACKEND_TESTS_DEV_TEST_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "model/mmio.h"
#include "model/split.h"
#include "model/virtio.h"
#include "sim/bus.h"
#include "sim/world.h"

#define TD_RAM_BASE      0x10000000u
#define TD_RAM_SIZE      (64u * 1024u * 1024u)
#define TD_RING_BASE     0x10000000u
#define TD_BUF_BASE      0x10100000u
#define TD_INDIRECT_BASE 0x10080000u

/* The driver's view of one split ring. */
struct td_ring {
  uint64_t desc, avail, used;
  uint16_t size;
  uint16_t avail_idx; /* next avail idx the driver will publish */
};

static inline void td_world_init(struct sim_world *world) {
  struct sim_world_config cfg;
  sim_world_config_default(&cfg);
  assert_int_equal(sim_world_init(world, &cfg), MODEL_OK);
}

static inline void td_ring_layout(struct td_ring *r, unsigned queue, uint16_t size) {
  memset(r, 0, sizeof(*r));
  r->size = size;
  r->desc = TD_RING_BASE + (uint64_t)queue * 0x10000u;
  r->avail = r->desc + model_split_desc_table_size(size);
  r->used = (r->avail + model_split_avail_size(size) + 3u) & ~(uint64_t)3u;
}

static inline void td_desc_at(struct sim_bus *bus, uint64_t table, uint32_t i, uint64_t addr,
                              uint32_t len, uint16_t flags, uint16_t next) {
  uint64_t d = table + model_split_desc_off(i);
  assert_int_equal(sim_bus_write_le64(bus, SIM_ACTOR_DRIVER, d + MODEL_SPLIT_DESC_OFF_ADDR, addr),
                   MODEL_OK);
  assert_int_equal(sim_bus_write_le32(bus, SIM_ACTOR_DRIVER, d + MODEL_SPLIT_DESC_OFF_LEN, len),
                   MODEL_OK);
  assert_int_equal(sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, d + MODEL_SPLIT_DESC_OFF_FLAGS, flags),
                   MODEL_OK);
  assert_int_equal(sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, d + MODEL_SPLIT_DESC_OFF_NEXT, next),
                   MODEL_OK);
}

static inline void td_desc(struct sim_bus *bus, const struct td_ring *r, uint32_t i, uint64_t addr,
                           uint32_t len, uint16_t flags, uint16_t next) {
  td_desc_at(bus, r->desc, i, addr, len, flags, next);
}

/* Put head in the next available slot without publishing idx. */
static inline void td_avail_put(struct sim_bus *bus, struct td_ring *r, uint16_t head) {
  uint16_t slot = model_split_slot(r->avail_idx, r->size);
  assert_int_equal(
      sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, r->avail + model_split_avail_ring_off(slot), head),
      MODEL_OK);
  r->avail_idx = (uint16_t)(r->avail_idx + 1u);
}

static inline void td_avail_publish(struct sim_bus *bus, const struct td_ring *r) {
  assert_int_equal(
      sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, r->avail + MODEL_SPLIT_AVAIL_OFF_IDX, r->avail_idx),
      MODEL_OK);
}

static inline void td_avail_add(struct sim_bus *bus, struct td_ring *r, uint16_t head) {
  td_avail_put(bus, r, head);
  td_avail_publish(bus, r);
}

/* Write any avail idx (hostile drivers). */
static inline void td_avail_set_idx(struct sim_bus *bus, struct td_ring *r, uint16_t idx) {
  r->avail_idx = idx;
  td_avail_publish(bus, r);
}

static inline void td_avail_set_flags(struct sim_bus *bus, const struct td_ring *r,
                                      uint16_t flags) {
  assert_int_equal(
      sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, r->avail + MODEL_SPLIT_AVAIL_OFF_FLAGS, flags),
      MODEL_OK);
}

static inline void td_set_used_event(struct sim_bus *bus, const struct td_ring *r, uint16_t ev) {
  assert_int_equal(
      sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, r->avail + model_split_used_event_off(r->size), ev),
      MODEL_OK);
}

static inline uint16_t td_read16(struct sim_bus *bus, uint64_t addr) {
  uint16_t v = 0;
  assert_int_equal(sim_bus_read_le16(bus, SIM_ACTOR_DRIVER, addr, &v), MODEL_OK);
  return v;
}

static inline uint32_t td_read32(struct sim_bus *bus, uint64_t addr) {
  uint32_t v = 0;
  assert_int_equal(sim_bus_read_le32(bus, SIM_ACTOR_DRIVER, addr, &v), MODEL_OK);
  return v;
}

static inline uint16_t td_used_idx(struct sim_bus *bus, const struct td_ring *r) {
  return td_read16(bus, r->used + MODEL_SPLIT_USED_OFF_IDX);
}
static inline uint16_t td_used_flags(struct sim_bus *bus, const struct td_ring *r) {
  return td_read16(bus, r->used + MODEL_SPLIT_USED_OFF_FLAGS);
}
static inline uint16_t td_avail_event(struct sim_bus *bus, const struct td_ring *r) {
  return td_read16(bus, r->used + model_split_avail_event_off(r->size));
}
/* The used element written at used idx `idx`. */
static inline void td_used_elem(struct sim_bus *bus, const struct td_ring *r, uint16_t idx,
                                uint32_t *id, uint32_t *len) {
  uint64_t e = r->used + model_split_used_ring_off(model_split_slot(idx, r->size));
  *id = td_read32(bus, e + MODEL_SPLIT_USED_ELEM_OFF_ID);
  *len = td_read32(bus, e + MODEL_SPLIT_USED_ELEM_OFF_LEN);
}

static inline void td_write_bytes(struct sim_bus *bus, uint64_t addr, const void *src, size_t len) {
  assert_int_equal(sim_bus_write_bytes(bus, SIM_ACTOR_DRIVER, addr, src, len), MODEL_OK);
}
static inline void td_read_bytes(struct sim_bus *bus, uint64_t addr, void *dst, size_t len) {
  assert_int_equal(sim_bus_read_bytes(bus, SIM_ACTOR_DRIVER, addr, dst, len), MODEL_OK);
}

/* Registers. */
static inline uint32_t td_reg(struct sim_bus *bus, uint32_t offset) {
  uint32_t v = 0;
  assert_int_equal(sim_bus_reg_read(bus, SIM_ACTOR_DRIVER, offset, 4, &v), MODEL_OK);
  return v;
}
static inline void td_reg_set(struct sim_bus *bus, uint32_t offset, uint32_t value) {
  assert_int_equal(sim_bus_reg_write(bus, SIM_ACTOR_DRIVER, offset, 4, value), MODEL_OK);
}

/* Program queue `index`'s size and areas and set it ready. */
static inline void td_queue_setup(struct sim_bus *bus, unsigned index, const struct td_ring *r) {
  td_reg_set(bus, MODEL_MMIO_QUEUE_SEL, index);
  td_reg_set(bus, MODEL_MMIO_QUEUE_SIZE, r->size);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)r->desc);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DESC_HIGH, (uint32_t)(r->desc >> 32));
  td_reg_set(bus, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)r->avail);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(r->avail >> 32));
  td_reg_set(bus, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)r->used);
  td_reg_set(bus, MODEL_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(r->used >> 32));
  td_reg_set(bus, MODEL_MMIO_QUEUE_READY, 1);
}

/* 3.1.1 up to FEATURES_OK: reset, ACKNOWLEDGE, DRIVER, features. Returns the
 * status read back after FEATURES_OK. */
static inline uint32_t td_negotiate(struct sim_bus *bus, uint64_t features) {
  td_reg_set(bus, MODEL_MMIO_STATUS, 0);
  td_reg_set(bus, MODEL_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
  td_reg_set(bus, MODEL_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  td_reg_set(bus, MODEL_MMIO_DRIVER_FEATURES_SEL, 0);
  td_reg_set(bus, MODEL_MMIO_DRIVER_FEATURES, (uint32_t)features);
  td_reg_set(bus, MODEL_MMIO_DRIVER_FEATURES_SEL, 1);
  td_reg_set(bus, MODEL_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
  td_reg_set(bus, MODEL_MMIO_STATUS,
             VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
  return td_reg(bus, MODEL_MMIO_STATUS);
}

static inline void td_driver_ok(struct sim_bus *bus) {
  td_reg_set(bus, MODEL_MMIO_STATUS,
             VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
                 VIRTIO_STATUS_DRIVER_OK);
}

static inline uint64_t td_features(const unsigned *bits, size_t count) {
  uint64_t f = 0;
  for (size_t i = 0; i < count; i++)
    f |= model_feature_mask(bits[i]);
  return f;
}

#endif
