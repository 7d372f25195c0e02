/*
 * backend/tests/dev_test_packed.h: the packed-ring half of the hand-written
 * test driver (dev_test_driver.h has the split half and the registers). It
 * writes descriptors and the driver event suppression structure through the
 * bus as SIM_ACTOR_DRIVER and reads back what the device used. Include
 * after <cmocka.h> and dev_test_driver.h.
 */
#ifndef VIOSIM_BACKEND_TESTS_DEV_TEST_PACKED_H
#define VIOSIM_BACKEND_TESTS_DEV_TEST_PACKED_H

#include <stdbool.h>
#include <stdint.h>

#include "model/packed.h"
#include "model/virtio.h"
#include "sim/bus.h"

/* The driver's view of one packed ring. */
struct tdp_ring {
  uint64_t desc, drv, dev;
  uint16_t size;
  struct model_packed_pos pos; /* where the next list goes */
};

/* The ring at base, then the driver and the device event structures; all
 * of it zeroed (2.8.13: a fresh ring). */
static inline void tdp_layout(struct sim_bus *bus, struct tdp_ring *p, uint64_t base,
                              uint16_t size) {
  static const uint8_t zero[4096];
  p->size = size;
  p->desc = base;
  p->drv = base + model_packed_ring_size(size);
  p->dev = p->drv + MODEL_PACKED_EVENT_SIZE;
  p->pos = model_packed_pos_start();
  uint64_t total = model_packed_ring_size(size) + 2u * MODEL_PACKED_EVENT_SIZE;
  for (uint64_t off = 0; off < total; off += sizeof(zero)) {
    uint64_t left = total - off;
    td_write_bytes(bus, base + off, zero, left < sizeof(zero) ? (size_t)left : sizeof(zero));
  }
}

static inline void tdp_desc(struct sim_bus *bus, const struct tdp_ring *p, uint16_t slot,
                            uint64_t addr, uint32_t len, uint16_t id) {
  uint64_t d = p->desc + model_packed_desc_off(slot);
  assert_int_equal(sim_bus_write_le64(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_ADDR, addr),
                   MODEL_OK);
  assert_int_equal(sim_bus_write_le32(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_LEN, len),
                   MODEL_OK);
  assert_int_equal(sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_ID, id),
                   MODEL_OK);
}

static inline void tdp_flags(struct sim_bus *bus, const struct tdp_ring *p, uint16_t slot,
                             uint16_t flags) {
  assert_int_equal(sim_bus_write_le16(
                       bus, SIM_ACTOR_DRIVER,
                       p->desc + model_packed_desc_off(slot) + MODEL_PACKED_DESC_OFF_FLAGS, flags),
                   MODEL_OK);
}

static inline uint64_t tdp_flags_addr(const struct tdp_ring *p, uint16_t slot) {
  return p->desc + model_packed_desc_off(slot) + MODEL_PACKED_DESC_OFF_FLAGS;
}

/* Make one descriptor available at the driver's position (2.8.21.1: the
 * flags last): extra_flags (WRITE, NEXT, INDIRECT) with the lap's
 * AVAIL/USED bits. */
static inline void tdp_add(struct sim_bus *bus, struct tdp_ring *p, uint64_t addr, uint32_t len,
                           uint16_t id, uint16_t extra_flags) {
  tdp_desc(bus, p, p->pos.idx, addr, len, id);
  tdp_flags(bus, p, p->pos.idx, (uint16_t)(extra_flags | model_packed_avail_bits(p->pos.wrap)));
  p->pos = model_packed_pos_advance(p->pos, 1, p->size);
}

static inline void tdp_used(struct sim_bus *bus, const struct tdp_ring *p, uint16_t slot,
                            uint16_t *id, uint32_t *len, uint16_t *flags) {
  uint64_t d = p->desc + model_packed_desc_off(slot);
  *id = td_read16(bus, d + MODEL_PACKED_DESC_OFF_ID);
  *len = td_read32(bus, d + MODEL_PACKED_DESC_OFF_LEN);
  *flags = td_read16(bus, d + MODEL_PACKED_DESC_OFF_FLAGS);
}

static inline void tdp_driver_event(struct sim_bus *bus, const struct tdp_ring *p, uint16_t flags,
                                    uint16_t off_wrap) {
  assert_int_equal(
      sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, p->drv + MODEL_PACKED_EVENT_OFF_DESC, off_wrap),
      MODEL_OK);
  assert_int_equal(
      sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, p->drv + MODEL_PACKED_EVENT_OFF_FLAGS, flags),
      MODEL_OK);
}

#endif
