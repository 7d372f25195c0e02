/*
 * model/split.h: the split virtqueue layout (2.7) and event-index arithmetic
 * (2.7.7, 2.7.10). One offset/size constant per field, in the spec's order.
 * Guest memory is never cast to a struct: these constants are what the
 * le16/le32/le64 bus accessors are pointed at.
 *
 *   Descriptor Table  16 * num bytes, 16-byte aligned
 *   Available Ring    6 + 2 * num bytes (flags, idx, ring[num], used_event),
 *                     2-byte aligned
 *   Used Ring         6 + 8 * num bytes (flags, idx, ring[num], avail_event),
 *                     4-byte aligned
 *
 * A legal split queue size is a power of two from 1 to 32768.
 */
#ifndef VIOSIM_MODEL_SPLIT_H
#define VIOSIM_MODEL_SPLIT_H

#include <stdbool.h>
#include <stdint.h>

#include "model/ring.h"

/* struct virtq_desc */
#define MODEL_SPLIT_DESC_OFF_ADDR  0u  /* le64 */
#define MODEL_SPLIT_DESC_OFF_LEN   8u  /* le32 */
#define MODEL_SPLIT_DESC_OFF_FLAGS 12u /* le16 */
#define MODEL_SPLIT_DESC_OFF_NEXT  14u /* le16 */
#define MODEL_SPLIT_DESC_SIZE      16u
_Static_assert(MODEL_SPLIT_DESC_OFF_NEXT + 2u == MODEL_SPLIT_DESC_SIZE, "virtq_desc is 16 bytes");

/* VIRTQ_DESC_F_NEXT, _WRITE and _INDIRECT: model/ring.h */

/* struct virtq_avail */
#define MODEL_SPLIT_AVAIL_OFF_FLAGS 0u /* le16 */
#define MODEL_SPLIT_AVAIL_OFF_IDX   2u /* le16 */
#define MODEL_SPLIT_AVAIL_OFF_RING  4u /* le16[num] */
#define MODEL_SPLIT_AVAIL_ELEM_SIZE 2u
#define VIRTQ_AVAIL_F_NO_INTERRUPT  1u

/* struct virtq_used */
#define MODEL_SPLIT_USED_OFF_FLAGS    0u /* le16 */
#define MODEL_SPLIT_USED_OFF_IDX      2u /* le16 */
#define MODEL_SPLIT_USED_OFF_RING     4u /* struct virtq_used_elem[num] */
#define MODEL_SPLIT_USED_ELEM_OFF_ID  0u /* le32 */
#define MODEL_SPLIT_USED_ELEM_OFF_LEN 4u /* le32 */
#define MODEL_SPLIT_USED_ELEM_SIZE    8u
_Static_assert(MODEL_SPLIT_USED_ELEM_OFF_LEN + 4u == MODEL_SPLIT_USED_ELEM_SIZE,
               "used elem is 8 bytes");
#define VIRTQ_USED_F_NO_NOTIFY 1u

/* 2.7 alignment of each area */
#define MODEL_SPLIT_DESC_ALIGN  16u
#define MODEL_SPLIT_AVAIL_ALIGN 2u
#define MODEL_SPLIT_USED_ALIGN  4u

static inline bool model_split_queue_size_ok(uint32_t num) {
  return num >= 1u && num <= MODEL_QUEUE_SIZE_MAX && (num & (num - 1u)) == 0;
}

static inline uint64_t model_split_desc_table_size(uint32_t num) {
  return (uint64_t)MODEL_SPLIT_DESC_SIZE * num;
}
static inline uint64_t model_split_avail_size(uint32_t num) {
  return 6u + (uint64_t)MODEL_SPLIT_AVAIL_ELEM_SIZE * num;
}
static inline uint64_t model_split_used_size(uint32_t num) {
  return 6u + (uint64_t)MODEL_SPLIT_USED_ELEM_SIZE * num;
}
_Static_assert(6u + 2u * 256u == 518u, "avail ring of 256 is 518 bytes");
_Static_assert(6u + 8u * 256u == 2054u, "used ring of 256 is 2054 bytes");

/* Offset of a field within its area, for ring slot `slot` (< num). */
static inline uint64_t model_split_desc_off(uint32_t slot) {
  return (uint64_t)MODEL_SPLIT_DESC_SIZE * slot;
}
static inline uint64_t model_split_avail_ring_off(uint32_t slot) {
  return MODEL_SPLIT_AVAIL_OFF_RING + (uint64_t)MODEL_SPLIT_AVAIL_ELEM_SIZE * slot;
}
static inline uint64_t model_split_used_event_off(uint32_t num) {
  return MODEL_SPLIT_AVAIL_OFF_RING + (uint64_t)MODEL_SPLIT_AVAIL_ELEM_SIZE * num;
}
static inline uint64_t model_split_used_ring_off(uint32_t slot) {
  return MODEL_SPLIT_USED_OFF_RING + (uint64_t)MODEL_SPLIT_USED_ELEM_SIZE * slot;
}
static inline uint64_t model_split_avail_event_off(uint32_t num) {
  return MODEL_SPLIT_USED_OFF_RING + (uint64_t)MODEL_SPLIT_USED_ELEM_SIZE * num;
}

/* The ring slot of a free-running 16-bit index; num is a power of two. */
static inline uint16_t model_split_slot(uint16_t idx, uint32_t num) {
  return (uint16_t)(idx & (num - 1u));
}

/*
 * Event-index test (2.7.7.2, 2.7.10.1): true when moving the index from
 * old_idx to new_idx crosses event_idx, i.e. event_idx lies in
 * [old_idx, new_idx). All arithmetic is modulo 2^16 on purpose.
 */
static inline bool model_vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx) {
  return (uint16_t)(new_idx - event_idx - 1u) < (uint16_t)(new_idx - old_idx);
}

#endif
