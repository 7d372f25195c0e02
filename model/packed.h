/*
 * model/packed.h: the packed virtqueue layout (2.8) and its wrap-counter and
 * event-suppression arithmetic. As in model/split.h, guest memory is never
 * cast to a struct: these offsets are what the bus accessors are pointed at.
 *
 *   Descriptor Ring           16 * num bytes, 16-byte aligned
 *                             (addr le64, len le32, id le16, flags le16)
 *   Driver Event Suppression  4 bytes, 4-byte aligned (the Driver Area):
 *                             written by the driver, read by the device
 *   Device Event Suppression  4 bytes, 4-byte aligned (the Device Area):
 *                             written by the device, read by the driver
 *
 * A legal packed queue size is any number from 1 to 32768 (2.8.10.1: not
 * necessarily a power of two).
 *
 * Positions. Each side walks the ring with an index in [0, num) and a
 * one-bit wrap counter that starts at 1 and flips each time the index passes
 * the last slot (2.8.1). struct model_packed_pos is that pair. Over two laps
 * the pair is a number modulo 2 * num (model_packed_pos_linear): the event
 * test below works on those numbers, so no 16-bit overflow is involved.
 *
 * Descriptor states, from the AVAIL (bit 7) and USED (bit 15) flags and the
 * wrap counter w of the lap that is looking (2.8.1):
 *   available in lap w:  AVAIL == w and USED != w
 *   used in lap w:       AVAIL == w and USED == w
 * Anything else (e.g. the zero-initialised ring, or a descriptor still
 * holding the previous lap's bits) is neither for that lap.
 */
#ifndef VIOSIM_MODEL_PACKED_H
#define VIOSIM_MODEL_PACKED_H

#include <stdbool.h>
#include <stdint.h>

#include "model/ring.h"

/* struct pvirtq_desc */
#define MODEL_PACKED_DESC_OFF_ADDR  0u  /* le64 */
#define MODEL_PACKED_DESC_OFF_LEN   8u  /* le32 */
#define MODEL_PACKED_DESC_OFF_ID    12u /* le16 */
#define MODEL_PACKED_DESC_OFF_FLAGS 14u /* le16 */
#define MODEL_PACKED_DESC_SIZE      16u
_Static_assert(MODEL_PACKED_DESC_OFF_FLAGS + 2u == MODEL_PACKED_DESC_SIZE,
               "pvirtq_desc is 16 bytes");

#define VIRTQ_DESC_F_AVAIL (1u << 7)
#define VIRTQ_DESC_F_USED  (1u << 15)

/* struct pvirtq_event_suppress */
#define MODEL_PACKED_EVENT_OFF_DESC                                                                \
  0u /* le16: desc_event_off (15 bits), desc_event_wrap (bit 15) */
#define MODEL_PACKED_EVENT_OFF_FLAGS  2u /* le16: desc_event_flags (2 bits), 14 reserved bits */
#define MODEL_PACKED_EVENT_SIZE       4u
#define MODEL_PACKED_EVENT_WRAP_BIT   15u
#define MODEL_PACKED_EVENT_FLAGS_MASK 0x3u

#define RING_EVENT_FLAGS_ENABLE  0x0u
#define RING_EVENT_FLAGS_DISABLE 0x1u
#define RING_EVENT_FLAGS_DESC    0x2u /* only with VIRTIO_F_EVENT_IDX */
/* 0x3 is reserved */

/* 2.8.10.1 alignment of each area */
#define MODEL_PACKED_DESC_ALIGN  16u
#define MODEL_PACKED_EVENT_ALIGN 4u

static inline bool model_packed_queue_size_ok(uint32_t num) {
  return num >= 1u && num <= MODEL_QUEUE_SIZE_MAX;
}

static inline uint64_t model_packed_ring_size(uint32_t num) {
  return (uint64_t)MODEL_PACKED_DESC_SIZE * num;
}
static inline uint64_t model_packed_desc_off(uint32_t slot) {
  return (uint64_t)MODEL_PACKED_DESC_SIZE * slot;
}

/* The flags' AVAIL and USED bits, each as 0 or 1. */
static inline bool model_packed_flag_avail(uint16_t flags) {
  return (flags & VIRTQ_DESC_F_AVAIL) != 0;
}
static inline bool model_packed_flag_used(uint16_t flags) {
  return (flags & VIRTQ_DESC_F_USED) != 0;
}

/* The AVAIL/USED bits the driver writes to make a descriptor available in a
 * lap with wrap counter wrap: AVAIL = wrap, USED = !wrap (2.8.1). */
static inline uint16_t model_packed_avail_bits(bool wrap) {
  return (uint16_t)(wrap ? VIRTQ_DESC_F_AVAIL : VIRTQ_DESC_F_USED);
}
/* The bits the device writes to mark a descriptor used: both equal wrap. */
static inline uint16_t model_packed_used_bits(bool wrap) {
  return (uint16_t)(wrap ? (VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED) : 0u);
}

static inline bool model_packed_is_avail(uint16_t flags, bool wrap) {
  return model_packed_flag_avail(flags) == wrap && model_packed_flag_used(flags) != wrap;
}
static inline bool model_packed_is_used(uint16_t flags, bool wrap) {
  return model_packed_flag_avail(flags) == wrap && model_packed_flag_used(flags) == wrap;
}

/* A position in the ring: slot index in [0, num) and wrap counter. */
struct model_packed_pos {
  uint16_t idx;
  bool wrap;
};

/* Where both counters start (2.8.1). */
static inline struct model_packed_pos model_packed_pos_start(void) {
  return (struct model_packed_pos){.idx = 0, .wrap = true};
}

/* pos moved on by n slots (n <= num), flipping the wrap counter when it
 * passes the last slot. */
static inline struct model_packed_pos model_packed_pos_advance(struct model_packed_pos pos,
                                                               uint32_t n, uint32_t num) {
  uint32_t idx = (uint32_t)pos.idx + n;
  if (idx >= num) {
    idx -= num;
    pos.wrap = !pos.wrap;
  }
  pos.idx = (uint16_t)idx;
  return pos;
}

/* The position as a number modulo 2 * num: laps with wrap 1 come first. */
static inline uint32_t model_packed_pos_linear(struct model_packed_pos pos, uint32_t num) {
  return (uint32_t)pos.idx + (pos.wrap ? 0u : num);
}

/* Slots from a to b going forward, modulo 2 * num (0 when equal). */
static inline uint32_t model_packed_pos_distance(struct model_packed_pos a,
                                                 struct model_packed_pos b, uint32_t num) {
  uint32_t span = 2u * num;
  return (model_packed_pos_linear(b, num) + span - model_packed_pos_linear(a, num)) % span;
}

/* The desc field of an event suppression structure (2.8.14). */
static inline uint16_t model_packed_event_encode(struct model_packed_pos pos) {
  return (uint16_t)(pos.idx | (pos.wrap ? 1u << MODEL_PACKED_EVENT_WRAP_BIT : 0u));
}
static inline struct model_packed_pos model_packed_event_decode(uint16_t off_wrap) {
  return (struct model_packed_pos){
      .idx = (uint16_t)(off_wrap & ~(1u << MODEL_PACKED_EVENT_WRAP_BIT)),
      .wrap = (off_wrap >> MODEL_PACKED_EVENT_WRAP_BIT) != 0,
  };
}

/*
 * Descriptor-event test (2.8.10, RING_EVENT_FLAGS_DESC): moving a side's
 * position from old_pos to new_pos (by fewer than 2 * num slots) makes or
 * uses the descriptor at event, i.e. event lies in [old_pos, new_pos) in ring
 * order. The packed counterpart of model_vring_need_event; the caller has
 * checked event.idx < num.
 */
static inline bool model_packed_need_event(struct model_packed_pos event,
                                           struct model_packed_pos new_pos,
                                           struct model_packed_pos old_pos, uint32_t num) {
  uint32_t moved = model_packed_pos_distance(old_pos, new_pos, num);
  uint32_t from_event = model_packed_pos_distance(event, new_pos, num);
  /* event in [old, new) iff new is 1..moved slots ahead of it */
  return from_event >= 1u && from_event <= moved;
}

#endif
