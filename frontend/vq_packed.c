/*
 * frontend/vq_packed.c: the driver side of a packed virtqueue (2.8); the
 * contract is in frontend/vq.h, the dispatch in vq.c.
 *
 * Implements: 2.8.11#1 (area alignment), 2.8.16#1-#2 (a descriptor is
 * written only while the driver owns it, never after its AVAIL bit flipped),
 * 2.8.17#2-#3 (checked in vq.c), 2.8.17#5 (a chain goes out only when all of
 * it fits), 2.8.17#6 and 2.8.21.1.1#1 (the first descriptor's flags are the
 * last write of a chain, each field its own bus access), 2.8.19#1-#2, #4
 * (indirect tables: only WRITE inside, never nested), 2.8.21.3.1#1 (the
 * flags are written before the Device Event Suppression area is read),
 * 2.8.22 (receiving used descriptors) and 2.8.8 (in-order batches).
 *
 * Implementation notes:
 *  - Buffer ids come from a free list of ids (desc_next); heads[id] is the
 *    host record of the outstanding buffer with that id, slot_id[s] the id
 *    of the chain whose first descriptor is at slot s. The driver never
 *    reads back a descriptor it wrote.
 *  - avail_pos / used_pos are the driver's positions with their wrap
 *    counters (2.8.1). The outstanding chains' descriptors are exactly the
 *    slots from used_pos to avail_pos (outstanding_descs of them): the device
 *    writes used descriptors from the same position on and both sides skip
 *    the chain of each used id, so the free descriptors are the rest.
 *  - A used descriptor is read only while a buffer is outstanding; at
 *    used_pos the driver's own descriptor (lap used_pos.wrap) is there, so
 *    the only legal change the device can make is to set USED to the lap's
 *    wrap: an AVAIL bit that moved is a violation (2.8.1).
 *  - Event suppression: the driver writes ENABLE/DISABLE, or with EVENT_IDX
 *    DESC naming its next used position (DISABLE still turns callbacks
 *    off). Of what the device wrote it believes DISABLE and, with
 *    EVENT_IDX, a DESC naming a slot of the ring; anything else notifies (a
 *    spurious notification is harmless, a missing one is not).
 *
 * Misbehaviours (frontend/misbehave.h) wired here, marked "misbehave:":
 * misaligned-ring (init); descriptor-loop, indirect-unnegotiated,
 * nested-indirect, chain-too-long, indirect-with-next,
 * publish-idx-before-descriptor, reuse-inflight-head, list-does-not-fit,
 * change-exposed-descriptor (add; one-shots, at most one per add);
 * skip-notify (kick). write-before-read is vq.c's and applies here too. A
 * misbehaving list still takes ring descriptors the host records account
 * for (heads[id].desc_count), so both positions stay exact. *
 * Cost: the helpers on the per-buffer path are static inline (gcc -O2
 * would keep them out of line, a frame per descriptor field or buffer);
 * the bus accesses are the same either way.
 */
#include <assert.h>
#include <string.h>

#include "frontend/vq_impl.h"
#include "frontend/vq_packed.h"
#include "model/packed.h"

/* misbehave misaligned-ring: how far past its alignment the Device Event
 * Suppression area goes (its 16-bit fields stay 2-byte aligned). */
#define MISALIGN_EVENT_BYTES 2u

static model_err areas_get(struct drv_vq *vq) {
  /* 2.8.11#1: descriptor ring 16-byte aligned, both event areas 4 */
  MODEL_TRY(drv_alloc_get(vq->alloc, model_packed_ring_size(vq->size), MODEL_PACKED_DESC_ALIGN,
                          &vq->desc_addr));
  model_err err =
      drv_alloc_get(vq->alloc, MODEL_PACKED_EVENT_SIZE, MODEL_PACKED_EVENT_ALIGN, &vq->avail_addr);
  if (err != MODEL_OK) {
    drv_vq_put_owned(vq->alloc, vq->desc_addr);
    return err;
  }
  /* misbehave: misaligned-ring breaks 2.8.11#1 (the block is that much longer) */
  uint64_t skew = drv_vq_mis(vq, DRV_MISBEHAVE_MISALIGNED_RING) ? MISALIGN_EVENT_BYTES : 0u;
  err = drv_alloc_get(vq->alloc, MODEL_PACKED_EVENT_SIZE + skew, MODEL_PACKED_EVENT_ALIGN,
                      &vq->used_block);
  if (err != MODEL_OK) {
    drv_vq_put_owned(vq->alloc, vq->avail_addr);
    drv_vq_put_owned(vq->alloc, vq->desc_addr);
    return err;
  }
  vq->used_addr = vq->used_block + skew;
  vq->areas_held = true;
  return MODEL_OK;
}

/* The Driver Event Suppression structure: off_wrap before flags, so a
 * device that sees the new flags sees the new position too. */
static model_err driver_event_write(struct drv_vq *vq, uint16_t flags,
                                    struct model_packed_pos event) {
  if (flags == RING_EVENT_FLAGS_DESC)
    MODEL_TRY(drv_vq_wr16(vq, vq->avail_addr + MODEL_PACKED_EVENT_OFF_DESC,
                          model_packed_event_encode(event)));
  if (flags != vq->event_flags_shadow) {
    MODEL_TRY(drv_vq_wr16(vq, vq->avail_addr + MODEL_PACKED_EVENT_OFF_FLAGS, flags));
    vq->event_flags_shadow = flags;
  }
  return MODEL_OK;
}

/* Where the driver wants the next used buffer notification: its next used
 * position, or past a batch being handed out (the device is already there). */
static struct model_packed_pos event_pos(const struct drv_vq *vq) {
  return vq->batch_left > 0 ? vq->batch_end_pos : vq->used_pos;
}

model_err drv_vq_init_packed(struct drv_vq *vq) {
  MODEL_TRY(areas_get(vq));
  /* Zeroed flags are neither available nor used in the first lap (wrap 1);
   * both event structures start as ENABLE. */
  model_err err = drv_vq_zero_area(vq->bus, vq->desc_addr, model_packed_ring_size(vq->size));
  if (err == MODEL_OK)
    err = drv_vq_zero_area(vq->bus, vq->avail_addr, MODEL_PACKED_EVENT_SIZE);
  if (err == MODEL_OK)
    err = drv_vq_zero_area(vq->bus, vq->used_addr, MODEL_PACKED_EVENT_SIZE);
  vq->avail_pos = model_packed_pos_start();
  vq->used_pos = vq->avail_pos;
  vq->kicked_pos = vq->avail_pos;
  vq->event_flags_shadow = RING_EVENT_FLAGS_ENABLE;
  if (err == MODEL_OK && vq->has_event_idx)
    err = driver_event_write(vq, RING_EVENT_FLAGS_DESC, vq->used_pos);
  if (err != MODEL_OK) {
    drv_vq_fini_packed(vq);
    return err;
  }
  for (uint32_t i = 0; i < vq->size; i++)
    vq->desc_next[i] = (uint16_t)((i + 1u) & 0xffffu);
  vq->free_head = 0;
  vq->free_count = vq->size;
  return MODEL_OK;
}

void drv_vq_fini_packed(struct drv_vq *vq) {
  for (uint32_t i = 0; i < vq->size; i++) {
    if (vq->heads[i].outstanding && vq->heads[i].indirect)
      drv_vq_put_owned(vq->alloc, vq->heads[i].indirect_addr);
    vq->heads[i].outstanding = false;
  }
  if (vq->areas_held) {
    drv_vq_put_owned(vq->alloc, vq->used_block);
    drv_vq_put_owned(vq->alloc, vq->avail_addr);
    drv_vq_put_owned(vq->alloc, vq->desc_addr);
    vq->areas_held = false;
  }
}

/* Once a list's later descriptors are available (their flags written), the
 * driver may not change them (2.8.16#2) nor take them back: the rest of the
 * list must go out. A write that fails then is tried again, at most this
 * many times in all, before the queue is given up (drv_vq_add_packed). */
#define EXPOSED_WRITE_TRIES 8u

/* One write of a descriptor field `width` bytes wide. */
static model_err desc_write_once(struct drv_vq *vq, uint64_t a, uint64_t v, unsigned width) {
  struct sim_bus *bus = vq->bus;
  return width == 8u   ? sim_bus_write_le64(bus, SIM_ACTOR_DRIVER, a, v)
         : width == 4u ? sim_bus_write_le32(bus, SIM_ACTOR_DRIVER, a, (uint32_t)v)
                       : drv_vq_wr16(vq, a, (uint16_t)v);
}

/* A write that failed (err): tried again while it faults inside an
 * exposed list, EXPOSED_WRITE_TRIES tries in all, the failed one included. */
static model_err desc_write_retry(struct drv_vq *vq, uint64_t a, uint64_t v, unsigned width,
                                  model_err err) {
  for (unsigned t = 1; err == MODEL_ERR_MEM_FAULT && vq->exposing && t < EXPOSED_WRITE_TRIES; t++) {
    vq->stats.write_retries++;
    err = desc_write_once(vq, a, v, width);
  }
  return err;
}

/* The fields of a descriptor, each one write on the usual path (small
 * enough to inline); a failure goes to desc_write_retry. */
static inline model_err desc_write64(struct drv_vq *vq, uint64_t a, uint64_t v) {
  model_err err = sim_bus_write_le64(vq->bus, SIM_ACTOR_DRIVER, a, v);
  return err == MODEL_OK ? MODEL_OK : desc_write_retry(vq, a, v, 8u, err);
}
static inline model_err desc_write32(struct drv_vq *vq, uint64_t a, uint32_t v) {
  model_err err = sim_bus_write_le32(vq->bus, SIM_ACTOR_DRIVER, a, v);
  return err == MODEL_OK ? MODEL_OK : desc_write_retry(vq, a, v, 4u, err);
}
static inline model_err desc_write16(struct drv_vq *vq, uint64_t a, uint16_t v) {
  model_err err = drv_vq_wr16(vq, a, v);
  return err == MODEL_OK ? MODEL_OK : desc_write_retry(vq, a, v, 2u, err);
}

/* addr, len and id of one descriptor (of the ring or of a table). */
static inline model_err desc_body_write(struct drv_vq *vq, uint64_t d, uint64_t addr, uint32_t len,
                                        uint16_t id) {
  MODEL_TRY(desc_write64(vq, d + MODEL_PACKED_DESC_OFF_ADDR, addr));
  MODEL_TRY(desc_write32(vq, d + MODEL_PACKED_DESC_OFF_LEN, len));
  return desc_write16(vq, d + MODEL_PACKED_DESC_OFF_ID, id);
}

static model_err desc_flags_write(struct drv_vq *vq, uint64_t d, uint16_t flags) {
  return desc_write16(vq, d + MODEL_PACKED_DESC_OFF_FLAGS, flags);
}

static uint64_t ring_desc(const struct drv_vq *vq, uint16_t slot) {
  return vq->desc_addr + model_packed_desc_off(slot);
}

/* How an add lays out its list: as asked, or one misbehaviour's shape. */
enum list_shape {
  LIST_NORMAL,
  LIST_ENDLESS,     /* descriptor-loop: queue size descriptors, every one with NEXT */
  LIST_SHORT,       /* list-does-not-fit: the free descriptors, every one with NEXT */
  LIST_HELD,        /* change-exposed-descriptor: first descriptor held back */
  LIST_FLAGS_FIRST, /* publish-idx-before-descriptor: first flags before the rest */
  TABLE_NESTED,     /* nested-indirect: the last element in a second table */
  TABLE_TOO_LONG,   /* chain-too-long: a table of queue size + 1 entries */
  TABLE_WITH_NEXT,  /* indirect-with-next: INDIRECT | NEXT, then the last element */
};

/* Element k of a list of `count` made from sg[0, total): the first total - 1
 * as given, the last one cut into count - total + 1 pieces (the caller
 * checked each gets a byte). A count below total keeps its elements whole. */
static struct drv_sg piece_at(const struct drv_sg *sg, unsigned total, unsigned count, unsigned k) {
  if (k + 1u < total || count <= total)
    return sg[k];
  const struct drv_sg *last = &sg[total - 1u];
  unsigned pieces = count - (total - 1u);
  unsigned p = k - (total - 1u);
  uint32_t piece_len = last->len / pieces;
  struct drv_sg e = *last;
  e.addr = last->addr + (uint64_t)p * piece_len;
  e.len = p + 1u < pieces ? piece_len : last->len - piece_len * (pieces - 1u);
  return e;
}

static uint16_t elem_flags(const struct drv_sg *e) {
  return e->device_writable ? (uint16_t)VIRTQ_DESC_F_WRITE : 0u;
}

/* Table entries of each shape, and the entries its block holds (a nested
 * table sits right after the first). */
static unsigned table_entries(const struct drv_vq *vq, unsigned total, enum list_shape shape) {
  if (shape == TABLE_TOO_LONG)
    return vq->size + 1u;
  return shape == TABLE_WITH_NEXT ? total - 1u : total;
}
static unsigned table_block_entries(const struct drv_vq *vq, unsigned total,
                                    enum list_shape shape) {
  return shape == TABLE_NESTED ? total + 1u : table_entries(vq, total, shape);
}

/* An indirect table: entries in order, only WRITE among their flags
 * (2.8.19#2: no NEXT, no INDIRECT, 2.8.19#4), unless a misbehaviour's
 * shape says otherwise. */
static model_err table_write(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                             uint64_t table, uint16_t id, enum list_shape shape) {
  unsigned entries = table_entries(vq, total, shape);
  unsigned plain = shape == TABLE_NESTED ? total - 1u : entries;
  for (unsigned k = 0; k < plain; k++) {
    uint64_t d = table + model_packed_desc_off(k);
    struct drv_sg e = piece_at(sg, total, entries, k);
    MODEL_TRY(desc_body_write(vq, d, e.addr, e.len, id));
    MODEL_TRY(desc_flags_write(vq, d, elem_flags(&e)));
  }
  if (shape == TABLE_NESTED) {
    /* misbehave: nested-indirect breaks 2.8.19#2: the last entry is
     * INDIRECT, naming a one-entry table that holds the last element */
    const struct drv_sg *last = &sg[total - 1u];
    uint64_t inner = table + model_packed_desc_off(total);
    uint64_t d = table + model_packed_desc_off(total - 1u);
    MODEL_TRY(desc_body_write(vq, d, inner, MODEL_PACKED_DESC_SIZE, id));
    MODEL_TRY(desc_flags_write(vq, d, (uint16_t)VIRTQ_DESC_F_INDIRECT));
    MODEL_TRY(desc_body_write(vq, inner, last->addr, last->len, id));
    MODEL_TRY(desc_flags_write(vq, inner, elem_flags(last)));
  }
  return MODEL_OK;
}

/* Write the list at avail_pos: `ring_descs` ring descriptors. Every
 * descriptor but the first is complete (flags included) as it goes; the
 * first one's flags, which make the whole list available, are the last
 * write (2.8.17#6, 2.8.21.1.1#1). */
static model_err chain_write(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                             uint64_t table, bool indirect, uint16_t id, enum list_shape shape,
                             unsigned ring_descs) {
  struct model_packed_pos first = vq->avail_pos;
  uint16_t first_flags = 0;
  if (indirect) {
    MODEL_TRY(table_write(vq, sg, total, table, id, shape));
    MODEL_TRY(desc_body_write(vq, ring_desc(vq, first.idx), table,
                              (uint32_t)model_packed_desc_off(table_entries(vq, total, shape)),
                              id));
    first_flags = (uint16_t)VIRTQ_DESC_F_INDIRECT;
    if (shape == TABLE_WITH_NEXT) {
      /* misbehave: indirect-with-next breaks 2.8.19#4: the INDIRECT
       * descriptor goes on (NEXT) to the last element, direct */
      struct model_packed_pos pos = model_packed_pos_advance(first, 1, vq->size);
      const struct drv_sg *last = &sg[total - 1u];
      uint64_t d = ring_desc(vq, pos.idx);
      MODEL_TRY(desc_body_write(vq, d, last->addr, last->len, id));
      MODEL_TRY(desc_flags_write(vq, d,
                                 (uint16_t)(elem_flags(last) | model_packed_avail_bits(pos.wrap))));
      first_flags = (uint16_t)(first_flags | VIRTQ_DESC_F_NEXT);
    }
  } else {
    /* misbehave: descriptor-loop (2.8.17#2) and list-does-not-fit
     * (2.8.17#5) set NEXT on the last descriptor too */
    bool endless = shape == LIST_ENDLESS || shape == LIST_SHORT;
    struct model_packed_pos pos = first;
    for (unsigned k = 0; k < ring_descs; k++) {
      struct drv_sg e = piece_at(sg, total, ring_descs, k);
      uint16_t flags = elem_flags(&e);
      if (k + 1u < ring_descs || endless)
        flags = (uint16_t)(flags | VIRTQ_DESC_F_NEXT);
      uint64_t d = ring_desc(vq, pos.idx);
      uint32_t len = e.len;
      if (shape == LIST_HELD && k + 1u == ring_descs) {
        /* misbehave: change-exposed-descriptor, the len it changes later */
        vq->held_len_addr = d + MODEL_PACKED_DESC_OFF_LEN;
        vq->held_len = len;
        len = 0;
      }
      if (k == 0 && shape == LIST_FLAGS_FIRST) {
        /* misbehave: publish-idx-before-descriptor breaks 2.8.21.1.1#1 (the
         * id after the flags) and, for a longer list, 2.8.17#6 (the rest
         * after the first descriptor) */
        MODEL_TRY(
            sim_bus_write_le64(vq->bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_ADDR, e.addr));
        MODEL_TRY(
            sim_bus_write_le32(vq->bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_LEN, len));
        MODEL_TRY(desc_flags_write(vq, d, (uint16_t)(flags | model_packed_avail_bits(pos.wrap))));
        MODEL_TRY(drv_vq_wr16(vq, d + MODEL_PACKED_DESC_OFF_ID, id));
      } else {
        MODEL_TRY(desc_body_write(vq, d, e.addr, len, id));
      }
      if (k == 0) {
        first_flags = flags;
      } else {
        MODEL_TRY(desc_flags_write(vq, d, (uint16_t)(flags | model_packed_avail_bits(pos.wrap))));
        vq->exposing = true;
      }
      pos = model_packed_pos_advance(pos, 1, vq->size);
    }
  }
  uint16_t flags = (uint16_t)(first_flags | model_packed_avail_bits(first.wrap));
  if (shape == LIST_FLAGS_FIRST)
    return MODEL_OK;
  if (shape == LIST_HELD) {
    vq->held = true;
    vq->held_pos = first;
    vq->held_flags = flags;
    return MODEL_OK;
  }
  return desc_flags_write(vq, ring_desc(vq, first.idx), flags);
}

/* misbehave: change-exposed-descriptor breaks 2.8.16#2: the held list's
 * last descriptor, available since an earlier add, gets its len; then the
 * first descriptor makes the list available, and the next kick covers it. */
static model_err held_release(struct drv_vq *vq) {
  if (!vq->held)
    return MODEL_OK;
  vq->held = false;
  MODEL_TRY(sim_bus_write_le32(vq->bus, SIM_ACTOR_DRIVER, vq->held_len_addr, vq->held_len));
  MODEL_TRY(desc_flags_write(vq, ring_desc(vq, vq->held_pos.idx), vq->held_flags));
  vq->kicked_pos = vq->held_pos;
  vq->added_since_kick++;
  return MODEL_OK;
}

/* The shape of this add, and whether it goes indirect: at most one
 * misbehaviour per add, each one-shot; the rest wait for the next add. */
static enum list_shape shape_pick(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                                  bool *indirect) {
  if (!vq->has_indirect && drv_vq_mis_once(vq, DRV_MISBEHAVE_INDIRECT_UNNEGOTIATED)) {
    *indirect = true; /* misbehave: indirect-unnegotiated breaks 2.8.19#1 */
    return LIST_NORMAL;
  }
  if (vq->has_indirect) {
    if (drv_vq_mis_once(vq, DRV_MISBEHAVE_NESTED_INDIRECT)) {
      *indirect = true;
      return TABLE_NESTED;
    }
    /* misbehave: chain-too-long breaks 2.8.19#3; every piece of the last
     * element must get at least one byte */
    if (drv_vq_mis(vq, DRV_MISBEHAVE_CHAIN_TOO_LONG) &&
        sg[total - 1u].len >= vq->size + 2u - total) {
      drv_vq_mis_spend(vq, DRV_MISBEHAVE_CHAIN_TOO_LONG);
      *indirect = true;
      return TABLE_TOO_LONG;
    }
    if (total >= 2u && drv_vq_mis_once(vq, DRV_MISBEHAVE_INDIRECT_WITH_NEXT)) {
      *indirect = true;
      return TABLE_WITH_NEXT;
    }
  }
  if (*indirect)
    return LIST_NORMAL;
  /* misbehave: descriptor-loop breaks 2.8.17#2, on an empty ring, with a
   * byte for every piece */
  if (drv_vq_mis(vq, DRV_MISBEHAVE_DESCRIPTOR_LOOP) && vq->free_count == vq->size &&
      sg[total - 1u].len >= vq->size + 1u - total) {
    drv_vq_mis_spend(vq, DRV_MISBEHAVE_DESCRIPTOR_LOOP);
    return LIST_ENDLESS;
  }
  /* misbehave: list-does-not-fit breaks 2.8.17#5 */
  if (drv_vq_mis(vq, DRV_MISBEHAVE_LIST_DOES_NOT_FIT) && vq->free_count < total) {
    drv_vq_mis_spend(vq, DRV_MISBEHAVE_LIST_DOES_NOT_FIT);
    return LIST_SHORT;
  }
  if (total >= 2u && drv_vq_mis_once(vq, DRV_MISBEHAVE_CHANGE_EXPOSED_DESCRIPTOR))
    return LIST_HELD;
  if (drv_vq_mis_once(vq, DRV_MISBEHAVE_PUBLISH_IDX_BEFORE_DESCRIPTOR))
    return LIST_FLAGS_FIRST;
  return LIST_NORMAL;
}

static unsigned ring_descs_of(const struct drv_vq *vq, unsigned total, bool indirect,
                              enum list_shape shape) {
  if (shape == LIST_ENDLESS)
    return vq->size;
  if (shape == LIST_SHORT)
    return vq->free_count;
  if (shape == TABLE_WITH_NEXT)
    return 2u;
  return indirect ? 1u : total;
}

/* misbehave: reuse-inflight-head breaks 2.8.16#1: the new buffer goes into
 * the descriptors of the list added last, still outstanding (so the
 * device's), rewritten in place with their AVAIL bits as they were; that
 * list's token goes back to the caller through vq->reused. */
static bool reuse_fits(const struct drv_vq *vq, unsigned total, bool indirect) {
  const struct drv_vq_head *h = &vq->heads[vq->last_head];
  return !indirect && h->outstanding && !h->indirect && h->desc_count == total;
}
static model_err add_reuse(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                           uint64_t writable_bytes, uint64_t token) {
  struct drv_vq_head *h = &vq->heads[vq->last_head];
  struct model_packed_pos pos = vq->last_first_pos;
  for (unsigned k = 0; k < total; k++) {
    uint16_t flags = elem_flags(&sg[k]);
    if (k + 1u < total)
      flags = (uint16_t)(flags | VIRTQ_DESC_F_NEXT);
    uint64_t d = ring_desc(vq, pos.idx);
    MODEL_TRY(desc_body_write(vq, d, sg[k].addr, sg[k].len, vq->last_head));
    MODEL_TRY(desc_flags_write(vq, d, (uint16_t)(flags | model_packed_avail_bits(pos.wrap))));
    pos = model_packed_pos_advance(pos, 1, vq->size);
  }
  vq->reused = true;
  vq->reused_token = h->token;
  h->token = token;
  h->writable_bytes = writable_bytes;
  return MODEL_OK;
}

static model_err add_list(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                          uint64_t writable_bytes, uint64_t token, bool use_indirect) {
  MODEL_TRY(held_release(vq));
  MODEL_ENSURE(vq->free_count >= 1u, MODEL_ERR_RING_FULL);
  /* rule point: 2.8.19#1, INDIRECT only with VIRTIO_F_INDIRECT_DESC */
  bool indirect = use_indirect && vq->has_indirect;
  enum list_shape shape = LIST_NORMAL;
  if (!drv_misbehave_is_empty(vq->misbehave)) {
    if (drv_vq_mis(vq, DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD) && reuse_fits(vq, total, indirect)) {
      drv_vq_mis_spend(vq, DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD);
      return add_reuse(vq, sg, total, writable_bytes, token);
    }
    shape = shape_pick(vq, sg, total, &indirect);
  }
  uint64_t table = 0;
  if (indirect) {
    model_err err =
        drv_alloc_get(vq->alloc, model_packed_desc_off(table_block_entries(vq, total, shape)),
                      MODEL_PACKED_DESC_ALIGN, &table);
    if (err == MODEL_ERR_NO_MEMORY || err == MODEL_ERR_CAPACITY) {
      indirect = false; /* no table memory: fall back to a direct chain */
      shape = LIST_NORMAL;
      vq->stats.indirect_fallback++;
    } else {
      MODEL_TRY(err);
    }
  }
  unsigned ring_descs = ring_descs_of(vq, total, indirect, shape);
  /* 2.8.17#5: nothing goes out unless the whole chain fits. Buffers never
   * outnumber descriptors, so a free id exists when a descriptor does. */
  model_err err = MODEL_ERR_RING_FULL;
  uint16_t id = vq->free_head;
  if (vq->free_count >= ring_descs) {
    assert(vq->outstanding < vq->size && id < vq->size);
    vq->exposing = false;
    err = chain_write(vq, sg, total, table, indirect, id, shape, ring_descs);
  }
  bool exposed = vq->exposing;
  vq->exposing = false;
  if (err != MODEL_OK) {
    if (indirect)
      drv_vq_put_owned(vq->alloc, table);
    /* Descriptors already available stay as they are (2.8.16#2); the
     * list's first one is not, so the device never sees them. Only a
     * reset gives the ring back. */
    if (exposed)
      return drv_vq_break(vq, err, "2.8.16#2", vq->avail_pos.idx, ring_descs);
    return err;
  }
  vq->free_head = vq->desc_next[id];
  vq->heads[id] = (struct drv_vq_head){
      .token = token,
      .writable_bytes = writable_bytes,
      .indirect_addr = table,
      .desc_count = (uint16_t)ring_descs,
      .first_slot = vq->avail_pos.idx,
      .indirect = indirect,
      .outstanding = true,
  };
  vq->slot_id[vq->avail_pos.idx] = id;
  vq->last_first_pos = vq->avail_pos;
  vq->avail_pos = model_packed_pos_advance(vq->avail_pos, ring_descs, vq->size);
  vq->free_count -= ring_descs;
  vq->outstanding_descs += ring_descs;
  vq->outstanding++;
  vq->descs_since_kick += ring_descs;
  vq->added_since_kick++;
  vq->last_head = id;
  if (indirect)
    vq->stats.indirect++;
  return MODEL_OK;
}

model_err drv_vq_add_packed(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                            uint64_t writable_bytes, uint64_t token, bool use_indirect) {
  MODEL_TRY(add_list(vq, sg, total, writable_bytes, token, use_indirect));
  return drv_vq_added(vq);
}

/* Publish the batch; *need_notify: the device asked for a notification
 * (a failed read leaves it set). */
static void kick_decide(struct drv_vq *vq, bool *need_notify) {
  struct model_packed_pos old_pos = vq->kicked_pos;
  struct model_packed_pos new_pos = vq->avail_pos;
  vq->kicked_pos = new_pos;
  vq->added_since_kick = 0;
  vq->descs_since_kick = 0;
  /* 2.8.21.3.1#1: the flags that made the chains available were earlier,
   * separate accesses. A failed read leaves the decision to notify. */
  *need_notify = true;
  if (drv_vq_mis(vq, DRV_MISBEHAVE_SKIP_NOTIFY)) {
    *need_notify = false; /* misbehave: skip-notify breaks 2.8.21.3.1#1 */
    return;
  }
  uint16_t flags = 0;
  if (drv_vq_rd16(vq, vq->used_addr + MODEL_PACKED_EVENT_OFF_FLAGS, &flags) != MODEL_OK)
    return;
  switch (flags & MODEL_PACKED_EVENT_FLAGS_MASK) {
  case RING_EVENT_FLAGS_DISABLE:
    *need_notify = false;
    break;
  case RING_EVENT_FLAGS_DESC: {
    /* meaningful only with EVENT_IDX, and only naming a slot of the ring */
    uint16_t off_wrap = 0;
    if (!vq->has_event_idx ||
        drv_vq_rd16(vq, vq->used_addr + MODEL_PACKED_EVENT_OFF_DESC, &off_wrap) != MODEL_OK)
      break;
    struct model_packed_pos event = model_packed_event_decode(off_wrap);
    if (event.idx < vq->size)
      *need_notify = model_packed_need_event(event, new_pos, old_pos, vq->size);
    break;
  }
  default: /* ENABLE, or the reserved value */
    break;
  }
}

model_err drv_vq_kick_packed(struct drv_vq *vq, bool *notified) {
  bool need = true;
  kick_decide(vq, &need);
  return drv_vq_kick_decided(vq, need, notified);
}

/* Take buffer id back: host records, its table, the id to the free list,
 * its descriptors to the free count (the caller moves used_pos). */
static inline void buffer_complete(struct drv_vq *vq, uint16_t id) {
  struct drv_vq_head *h = &vq->heads[id];
  assert(h->outstanding);
  if (h->indirect)
    drv_vq_put_owned(vq->alloc, h->indirect_addr);
  h->outstanding = false;
  h->indirect = false;
  vq->desc_next[id] = vq->free_head;
  vq->free_head = id;
  vq->free_count += h->desc_count;
  vq->outstanding_descs -= h->desc_count;
  vq->outstanding--;
}

/* Hand out the oldest buffer of the batch in progress (IN_ORDER). */
static void batch_next(struct drv_vq *vq, uint64_t *token, uint32_t *len) {
  uint16_t id = vq->slot_id[vq->used_pos.idx];
  const struct drv_vq_head *h = &vq->heads[id];
  bool last = id == vq->batch_last_id;
  assert(h->outstanding && (vq->batch_left > 1u || last));
  *token = h->token;
  /* 2.8.8: a skipped buffer counts as used completely */
  /* (a chain of exactly 2^32 writable bytes reports the most len holds) */
  *len = last ? vq->batch_len
              : (h->writable_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)h->writable_bytes);
  vq->used_pos = model_packed_pos_advance(vq->used_pos, h->desc_count, vq->size);
  buffer_complete(vq, id);
  vq->batch_left = last ? 0u : vq->batch_left - 1u;
}

model_err drv_vq_get_used_packed(struct drv_vq *vq, uint64_t *token, uint32_t *len) {
  if (vq->batch_left == 0) {
    /* misbehave change-exposed-descriptor: a held list is not the device's */
    if (vq->outstanding == 0 || (vq->held && vq->used_pos.idx == vq->held_pos.idx))
      return MODEL_ERR_RING_EMPTY;
    uint64_t d = ring_desc(vq, vq->used_pos.idx);
    uint16_t flags = 0;
    MODEL_TRY(drv_vq_rd16(vq, d + MODEL_PACKED_DESC_OFF_FLAGS, &flags));
    bool wrap = vq->used_pos.wrap;
    /* the driver's own descriptor is here: only USED may have moved */
    if (model_packed_flag_avail(flags) != wrap)
      return drv_vq_break(vq, MODEL_ERR_RING_DESC_FLAGS, "2.8.1", flags,
                          model_packed_used_bits(wrap));
    if (!model_packed_is_used(flags, wrap))
      return MODEL_ERR_RING_EMPTY;
    uint16_t id = 0;
    uint32_t used_len = 0;
    MODEL_TRY(drv_vq_rd16(vq, d + MODEL_PACKED_DESC_OFF_ID, &id));
    MODEL_TRY(
        sim_bus_read_le32(vq->bus, SIM_ACTOR_DRIVER, d + MODEL_PACKED_DESC_OFF_LEN, &used_len));
    if (id >= vq->size || !vq->heads[id].outstanding)
      return drv_vq_break(vq, MODEL_ERR_RING_USED_ID, "2.8.22", id, vq->size);
    /* nothing beyond what the buffer let the device write (2.8.15#1) */
    if (used_len > vq->heads[id].writable_bytes)
      return drv_vq_break(vq, MODEL_ERR_RING_USED_LEN, "2.8.15#1", used_len,
                          vq->heads[id].writable_bytes);
    if (vq->in_order) {
      /* 2.8.8: one used descriptor for the batch up to id: the buffers
       * from used_pos (outstanding chains are contiguous from there in
       * ring order) through id. Walk to it to find the batch's end. */
      uint32_t count = 1;
      struct model_packed_pos pos = vq->used_pos;
      for (uint16_t cur = vq->slot_id[pos.idx]; cur != id; cur = vq->slot_id[pos.idx]) {
        pos = model_packed_pos_advance(pos, vq->heads[cur].desc_count, vq->size);
        count++;
        assert(count <= vq->outstanding);
      }
      vq->batch_left = count;
      vq->batch_len = used_len;
      vq->batch_last_id = id;
      vq->batch_end_pos = model_packed_pos_advance(pos, vq->heads[id].desc_count, vq->size);
    } else {
      /* out of order: the used descriptor names its buffer; both sides
       * skip that buffer's descriptors */
      *token = vq->heads[id].token;
      *len = used_len;
      vq->used_pos = model_packed_pos_advance(vq->used_pos, vq->heads[id].desc_count, vq->size);
      buffer_complete(vq, id);
    }
  }
  if (vq->in_order)
    batch_next(vq, token, len);
  /* With callbacks on, ask for a notification at the next used position
   * (2.8.10, DESC). A failed write only risks a late notification. */
  if (vq->cb_enabled && vq->has_event_idx)
    (void)driver_event_write(vq, RING_EVENT_FLAGS_DESC, event_pos(vq));
  vq->stats.used++;
  return MODEL_OK;
}

model_err drv_vq_has_used_packed(struct drv_vq *vq, bool *has_used) {
  if (vq->batch_left > 0) {
    *has_used = true;
    return MODEL_OK;
  }
  if (vq->outstanding == 0 || (vq->held && vq->used_pos.idx == vq->held_pos.idx))
    return MODEL_OK;
  uint16_t flags = 0;
  MODEL_TRY(drv_vq_rd16(vq, ring_desc(vq, vq->used_pos.idx) + MODEL_PACKED_DESC_OFF_FLAGS, &flags));
  /* anything but the driver's own descriptor unchanged is for get_used to
   * take, or to judge */
  *has_used = !model_packed_is_avail(flags, vq->used_pos.wrap);
  return MODEL_OK;
}

model_err drv_vq_disable_cb_packed(struct drv_vq *vq) {
  vq->cb_enabled = false;
  return driver_event_write(vq, RING_EVENT_FLAGS_DISABLE, vq->used_pos);
}

model_err drv_vq_enable_cb_packed(struct drv_vq *vq, bool *pending) {
  vq->cb_enabled = true;
  MODEL_TRY(driver_event_write(
      vq, vq->has_event_idx ? RING_EVENT_FLAGS_DESC : RING_EVENT_FLAGS_ENABLE, event_pos(vq)));
  /* re-check after enabling: a buffer used in between brings no
   * notification */
  return drv_vq_has_used_packed(vq, pending);
}

model_err drv_vq_detach_unused_packed(struct drv_vq *vq, uint64_t *token) {
  vq->batch_left = 0;
  vq->held = false;
  for (uint32_t n = 0; n < vq->size; n++) {
    uint32_t i = (vq->detach_cursor + n) % vq->size;
    if (!vq->heads[i].outstanding)
      continue;
    *token = vq->heads[i].token;
    buffer_complete(vq, (uint16_t)i);
    vq->detach_cursor = i;
    return MODEL_OK;
  }
  vq->detach_cursor = 0;
  return MODEL_ERR_RING_EMPTY;
}

/* idx counts descriptors gone through the ring: slot idx mod num, in lap
 * idx / num (the wrap counter starts at 1 and flips every lap). */
model_err drv_vq_test_set_idx_packed(struct drv_vq *vq, uint16_t idx) {
  struct model_packed_pos pos = {
      .idx = (uint16_t)(idx % vq->size),
      .wrap = ((idx / vq->size) & 1u) == 0,
  };
  vq->avail_pos = pos;
  vq->used_pos = pos;
  vq->kicked_pos = pos;
  if (vq->has_event_idx && vq->cb_enabled)
    MODEL_TRY(driver_event_write(vq, RING_EVENT_FLAGS_DESC, pos));
  return MODEL_OK;
}
