/*
 * frontend/vq_split.c: the driver side of a split virtqueue (2.7); the
 * contract is in frontend/vq.h, the dispatch in vq.c.
 *
 * Implements: 2.7.1#1 (area alignment), 2.7.4.2#1 and 2.7.5.2#1 (checked in
 * vq.c), 2.7.5.3.1#1-#4 (indirect tables), 2.7.6.1#1 (avail idx only grows),
 * 2.7.7.1#1-#3 (used buffer notification suppression), 2.7.8.3#1 (used len
 * bounded by the writable bytes), 2.7.10.1#1-#7 (available buffer
 * notification suppression), 2.7.13 (supplying buffers; 2.7.13.3.1#1 and
 * 2.7.13.4.1#1 as the order of separate bus accesses), 2.7.14 (receiving);
 * with VIRTIO_F_IN_ORDER 2.7.5.2#2 (chains in consecutive slots), 2.7.5.3.1#5
 * (sequential indirect tables, as always here) and 2.7.9 (used batches).
 *
 * Implementation notes (buffer discipline):
 *  - desc_next[] is the host copy of every descriptor's link. Free
 *    descriptors form a list from free_head; a chain is taken from the front
 *    of that list in order, so its links are the list's links and freeing it
 *    splices it back whole. The driver never reads the descriptor table.
 *  - heads[h] describes the chain whose head is descriptor h while it is
 *    outstanding: the used id the device returns must name one of those.
 *  - avail_idx_shadow is the avail idx last written; it is written after the
 *    ring entry, which is written after the descriptors, one bus access per
 *    field, so a store-buffer model in the bus can reorder nothing the spec
 *    orders. used_event / avail flags are written only when they change.
 *  - Nothing here loops on a device-controlled value: used idx is checked
 *    against the outstanding count before any element is read.
 *
 * Misbehaviours (frontend/misbehave.h) wired here, marked "misbehave:":
 * misaligned-ring, dirty-used-ring (init); descriptor-loop,
 * indirect-unnegotiated, nested-indirect, chain-too-long,
 * indirect-with-next, publish-idx-before-descriptor, reuse-inflight-head,
 * chain-with-gap (add; one-shots, at most one per add); avail-idx-backwards,
 * notify-while-suppressed, skip-notify (kick); bad-avail-flags
 * (callbacks). A misbehaving chain still lives in descriptors the host
 * arrays account for, so freeing it stays exact. *
 * Cost: the helpers on the per-buffer path are static inline (gcc -O2
 * would keep them out of line, a frame per descriptor field or buffer);
 * the bus accesses are the same either way.
 */
#include <assert.h>
#include <string.h>

#include "frontend/misbehave.h"
#include "frontend/vq_impl.h"
#include "frontend/vq_split.h"
#include "model/split.h"

/* misbehave misaligned-ring: how far past its alignment the used ring goes
 * (its 16-bit fields stay 2-byte aligned). */
#define MISALIGN_USED_BYTES 2u
/* misbehave bad-avail-flags: an avail flags bit with no meaning (2.7.7.1#1). */
#define AVAIL_F_UNDEFINED 2u

static model_err areas_get(struct drv_vq *vq) {
  uint32_t num = vq->size;
  /* 2.7.1#1: each part at its own alignment */
  MODEL_TRY(drv_alloc_get(vq->alloc, model_split_desc_table_size(num), MODEL_SPLIT_DESC_ALIGN,
                          &vq->desc_addr));
  model_err err = drv_alloc_get(vq->alloc, model_split_avail_size(num), MODEL_SPLIT_AVAIL_ALIGN,
                                &vq->avail_addr);
  if (err != MODEL_OK) {
    drv_vq_put_owned(vq->alloc, vq->desc_addr);
    return err;
  }
  /* misbehave: misaligned-ring breaks 2.7.1#1 (the block is that much longer) */
  uint64_t skew = drv_vq_mis(vq, DRV_MISBEHAVE_MISALIGNED_RING) ? MISALIGN_USED_BYTES : 0u;
  err = drv_alloc_get(vq->alloc, model_split_used_size(num) + skew, MODEL_SPLIT_USED_ALIGN,
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

model_err drv_vq_init_split(struct drv_vq *vq) {
  MODEL_TRY(areas_get(vq));
  /* 2.7.10.1#1: used flags start at 0; avail flags, idx and used_event too
   * (4.2.3.2 step 4 zeroes the queue memory). */
  model_err err = drv_vq_zero_area(vq->bus, vq->avail_addr, model_split_avail_size(vq->size));
  if (err == MODEL_OK)
    err = drv_vq_zero_area(vq->bus, vq->used_addr, model_split_used_size(vq->size));
  /* misbehave: dirty-used-ring breaks 2.7.10.1#1: used flags not 0 */
  if (err == MODEL_OK && drv_vq_mis(vq, DRV_MISBEHAVE_DIRTY_USED_RING))
    err = drv_vq_wr16(vq, vq->used_addr + MODEL_SPLIT_USED_OFF_FLAGS, VIRTQ_USED_F_NO_NOTIFY);
  if (err != MODEL_OK) {
    drv_vq_fini_split(vq);
    return err;
  }
  /* With IN_ORDER the free descriptors are a window of the table in ring
   * order, links x -> x + 1 and the last slot -> 0 (2.7.5.2#2): a chain
   * takes consecutive slots, and buffers coming back in order (2.7.9) only
   * widen the window (chain_free). */
  for (uint32_t i = 0; i < vq->size; i++)
    vq->desc_next[i] = (uint16_t)(vq->in_order ? (i + 1u) & (vq->size - 1u) : (i + 1u) & 0xffffu);
  vq->free_head = 0;
  vq->free_count = vq->size;
  vq->in_order_head = 0;
  return MODEL_OK;
}

void drv_vq_fini_split(struct drv_vq *vq) {
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

/* One descriptor, one bus write per field. */
static inline model_err desc_write(struct drv_vq *vq, uint64_t table, uint32_t i, uint64_t addr,
                                   uint32_t len, uint16_t flags, uint16_t next) {
  uint64_t d = table + model_split_desc_off(i);
  struct sim_bus *bus = vq->bus;
  MODEL_TRY(sim_bus_write_le64(bus, SIM_ACTOR_DRIVER, d + MODEL_SPLIT_DESC_OFF_ADDR, addr));
  MODEL_TRY(sim_bus_write_le32(bus, SIM_ACTOR_DRIVER, d + MODEL_SPLIT_DESC_OFF_LEN, len));
  MODEL_TRY(sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, d + MODEL_SPLIT_DESC_OFF_FLAGS, flags));
  return sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, d + MODEL_SPLIT_DESC_OFF_NEXT, next);
}

static uint16_t elem_flags(const struct drv_sg *sg, bool has_next) {
  uint16_t flags = sg->device_writable ? (uint16_t)VIRTQ_DESC_F_WRITE : 0u;
  return has_next ? (uint16_t)(flags | VIRTQ_DESC_F_NEXT) : flags;
}

/* How an add lays out its chain: as asked, or one misbehaviour's shape. */
enum add_shape {
  SHAPE_NORMAL,
  SHAPE_LOOP,      /* descriptor-loop: direct, the last element links to the head */
  SHAPE_NESTED,    /* nested-indirect: the last element in a second table */
  SHAPE_TOO_LONG,  /* chain-too-long: a table of queue size + 1 entries */
  SHAPE_WITH_NEXT, /* indirect-with-next: the ring descriptor also has NEXT */
  SHAPE_GAP,       /* chain-with-gap: the head (or entry 0) skips a descriptor */
};

/* Write `total` elements into ring descriptors, following the links from
 * `start` (the head of the free list, or of the chain being reused); the
 * free list itself is only advanced by the caller on success. */
static inline model_err chain_write_direct(struct drv_vq *vq, const struct drv_sg *sg,
                                           unsigned total, uint16_t start, bool loop, bool gap) {
  uint16_t cur = start;
  for (unsigned k = 0; k < total; k++) {
    bool more = k + 1u < total;
    uint16_t after = vq->desc_next[cur];
    if (k == 0 && gap)
      after = vq->desc_next[after]; /* misbehave: chain-with-gap breaks 2.7.5.2#2 */
    uint16_t next = more ? after : 0u;
    uint16_t flags = elem_flags(&sg[k], more);
    if (!more && loop) {
      /* misbehave: descriptor-loop breaks 2.7.5.2#1 */
      flags = (uint16_t)(flags | VIRTQ_DESC_F_NEXT);
      next = start;
    }
    MODEL_TRY(desc_write(vq, vq->desc_addr, cur, sg[k].addr, sg[k].len, flags, next));
    cur = after;
  }
  return MODEL_OK;
}

/* Table entries 0..count-1 for elements 0..count-1, each linked to the next. */
static model_err table_write_linked(struct drv_vq *vq, const struct drv_sg *sg, unsigned count,
                                    unsigned total, uint64_t table) {
  for (unsigned k = 0; k < count; k++) {
    bool more = k + 1u < total;
    MODEL_TRY(desc_write(vq, table, k, sg[k].addr, sg[k].len, elem_flags(&sg[k], more),
                         more ? (uint16_t)(k + 1u) : 0u));
  }
  return MODEL_OK;
}

/* misbehave: nested-indirect breaks 2.7.5.3.1#2: elements 0..total-2 as
 * usual, then an INDIRECT entry naming a one-entry second table (placed
 * right after the first) that holds the last element. */
static model_err table_write_nested(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                                    uint64_t table) {
  const struct drv_sg *last = &sg[total - 1u];
  uint64_t inner = table + (uint64_t)total * MODEL_SPLIT_DESC_SIZE;
  MODEL_TRY(table_write_linked(vq, sg, total - 1u, total, table));
  MODEL_TRY(desc_write(vq, table, total - 1u, inner, MODEL_SPLIT_DESC_SIZE,
                       (uint16_t)VIRTQ_DESC_F_INDIRECT, 0u));
  return desc_write(vq, inner, 0, last->addr, last->len, elem_flags(last, false), 0u);
}

/* misbehave: chain-too-long breaks 2.7.5.3.1#3: the last element cut into
 * pieces so that the table holds `entries` descriptors (the caller checked
 * that every piece gets at least one byte). */
static model_err table_write_split(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                                   uint64_t table, unsigned entries) {
  const struct drv_sg *last = &sg[total - 1u];
  unsigned pieces = entries - (total - 1u);
  uint32_t piece_len = last->len / pieces;
  MODEL_TRY(table_write_linked(vq, sg, total - 1u, entries, table));
  for (unsigned p = 0; p < pieces; p++) {
    unsigned i = total - 1u + p;
    bool more = p + 1u < pieces;
    uint32_t len = more ? piece_len : last->len - piece_len * (pieces - 1u);
    MODEL_TRY(desc_write(vq, table, i, last->addr + (uint64_t)p * piece_len, len,
                         elem_flags(last, more), more ? (uint16_t)(i + 1u) : 0u));
  }
  return MODEL_OK;
}

/* misbehave: chain-with-gap breaks 2.7.5.3.1#5: entry 0 links to entry 2,
 * entry 1 is left out (an empty descriptor), the rest follow in order. */
static model_err table_write_gap(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                                 uint64_t table) {
  for (unsigned k = 0; k < total; k++) {
    unsigned i = k == 0 ? 0u : k + 1u;
    bool more = k + 1u < total;
    uint16_t next = more ? (uint16_t)(k == 0 ? 2u : i + 1u) : 0u;
    MODEL_TRY(desc_write(vq, table, i, sg[k].addr, sg[k].len, elem_flags(&sg[k], more), next));
  }
  return desc_write(vq, table, 1, 0, 0, 0, 0);
}

/* Descriptors in the table of a chain of this shape, and how many the
 * table block holds (a nested table sits right after the first). */
static unsigned table_entries(const struct drv_vq *vq, unsigned total, enum add_shape shape) {
  if (shape == SHAPE_GAP)
    return total + 1u;
  return shape == SHAPE_TOO_LONG ? vq->size + 1u : total;
}
static unsigned table_block_entries(const struct drv_vq *vq, unsigned total, enum add_shape shape) {
  return shape == SHAPE_NESTED ? total + 1u : table_entries(vq, total, shape);
}

/* An indirect table: elements at 0..total-1 chained in order (2.7.5.3),
 * never INDIRECT inside it (2.7.5.3.1#2); then one ring descriptor naming it
 * with INDIRECT and without NEXT (2.7.5.3.1#1 checked by the caller, #4). */
static model_err chain_write_indirect(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                                      uint64_t table, enum add_shape shape) {
  unsigned entries = table_entries(vq, total, shape);
  switch (shape) {
  case SHAPE_NESTED:
    MODEL_TRY(table_write_nested(vq, sg, total, table));
    break;
  case SHAPE_TOO_LONG:
    MODEL_TRY(table_write_split(vq, sg, total, table, entries));
    break;
  case SHAPE_GAP:
    MODEL_TRY(table_write_gap(vq, sg, total, table));
    break;
  case SHAPE_NORMAL:
  case SHAPE_LOOP:
  case SHAPE_WITH_NEXT:
    MODEL_TRY(table_write_linked(vq, sg, total, total, table));
    break;
  }
  uint32_t table_len = entries * MODEL_SPLIT_DESC_SIZE; /* a multiple of 16 */
  uint16_t flags = (uint16_t)VIRTQ_DESC_F_INDIRECT;
  uint16_t next = 0;
  if (shape == SHAPE_WITH_NEXT) {
    /* misbehave: indirect-with-next breaks 2.7.5.3.1#4; next names a free
     * descriptor, in range */
    flags = (uint16_t)(flags | VIRTQ_DESC_F_NEXT);
    next = vq->desc_next[vq->free_head];
  }
  return desc_write(vq, vq->desc_addr, vq->free_head, table, table_len, flags, next);
}

/* The avail ring entry for the next idx, and the idx that publishes it. */
static model_err avail_entry_write(struct drv_vq *vq, uint16_t head) {
  uint16_t slot = model_split_slot(vq->avail_idx_shadow, vq->size);
  return drv_vq_wr16(vq, vq->avail_addr + model_split_avail_ring_off(slot), head);
}
static model_err avail_idx_write(struct drv_vq *vq) {
  /* 2.7.6.1#1: it only grows, wrapping at 2^16 on purpose */
  return drv_vq_wr16(vq, vq->avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX,
                     (uint16_t)(vq->avail_idx_shadow + 1u));
}

/* Write the chain, place its head in the next avail ring entry, then
 * publish avail idx (2.7.13.3.1#1: idx after the entry and the
 * descriptors). */
static model_err chain_publish(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                               uint64_t table, bool indirect, enum add_shape shape) {
  uint16_t head = vq->free_head;
  /* misbehave: publish-idx-before-descriptor breaks 2.7.13.3.1#1 */
  bool idx_first = drv_vq_mis_once(vq, DRV_MISBEHAVE_PUBLISH_IDX_BEFORE_DESCRIPTOR);
  if (idx_first)
    MODEL_TRY(avail_idx_write(vq));
  MODEL_TRY(indirect
                ? chain_write_indirect(vq, sg, total, table, shape)
                : chain_write_direct(vq, sg, total, head, shape == SHAPE_LOOP, shape == SHAPE_GAP));
  MODEL_TRY(avail_entry_write(vq, head));
  if (!idx_first)
    MODEL_TRY(avail_idx_write(vq));
  vq->avail_idx_shadow = (uint16_t)(vq->avail_idx_shadow + 1u);
  vq->added_since_kick++;
  return MODEL_OK;
}

/* Take `count` descriptors from the free list as the chain at its head. */
static uint16_t free_list_take(struct drv_vq *vq, unsigned count) {
  uint16_t head = vq->free_head;
  uint16_t cur = head;
  for (unsigned k = 0; k < count; k++)
    cur = vq->desc_next[cur];
  vq->free_head = cur;
  vq->free_count -= count;
  return head;
}

/* The shape of this add, and whether it goes indirect: at most one
 * misbehaviour per add, each one-shot; the rest wait for the next add. */
static enum add_shape add_shape_pick(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                                     bool *indirect) {
  if (!vq->has_indirect && drv_vq_mis_once(vq, DRV_MISBEHAVE_INDIRECT_UNNEGOTIATED)) {
    *indirect = true; /* misbehave: indirect-unnegotiated breaks 2.7.5.3.1#1 */
    return SHAPE_NORMAL;
  }
  if (vq->has_indirect) {
    if (drv_vq_mis_once(vq, DRV_MISBEHAVE_NESTED_INDIRECT)) {
      *indirect = true;
      return SHAPE_NESTED;
    }
    /* every piece of the last element must get at least one byte */
    if (drv_vq_mis(vq, DRV_MISBEHAVE_CHAIN_TOO_LONG) &&
        sg[total - 1u].len >= vq->size + 2u - total) {
      drv_vq_mis_spend(vq, DRV_MISBEHAVE_CHAIN_TOO_LONG);
      *indirect = true;
      return SHAPE_TOO_LONG;
    }
    if (drv_vq_mis_once(vq, DRV_MISBEHAVE_INDIRECT_WITH_NEXT)) {
      *indirect = true;
      return SHAPE_WITH_NEXT;
    }
  }
  if (drv_vq_mis_once(vq, DRV_MISBEHAVE_DESCRIPTOR_LOOP)) {
    *indirect = false;
    return SHAPE_LOOP;
  }
  /* misbehave: chain-with-gap, with IN_ORDER and two elements; direct, a
   * descriptor more than the chain must be free */
  if (vq->in_order && total >= 2u && drv_vq_mis(vq, DRV_MISBEHAVE_CHAIN_WITH_GAP) &&
      (*indirect || vq->free_count >= total + 1u)) {
    drv_vq_mis_spend(vq, DRV_MISBEHAVE_CHAIN_WITH_GAP);
    return SHAPE_GAP;
  }
  return SHAPE_NORMAL;
}

/* misbehave: reuse-inflight-head breaks 3.3.1#1: the new buffer goes into
 * the descriptors of the chain added last, still outstanding, which is not
 * published again; that chain's token goes back to the caller through
 * vq->reused (its buffer is no longer on the ring). */
static bool reuse_fits(const struct drv_vq *vq, unsigned total, bool indirect) {
  const struct drv_vq_head *h = &vq->heads[vq->last_head];
  return !indirect && h->outstanding && !h->indirect && h->desc_count >= total;
}
static model_err add_reuse(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                           uint64_t writable_bytes, uint64_t token) {
  struct drv_vq_head *h = &vq->heads[vq->last_head];
  MODEL_TRY(chain_write_direct(vq, sg, total, vq->last_head, false, false));
  vq->reused = true;
  vq->reused_token = h->token;
  h->token = token;
  h->writable_bytes = writable_bytes;
  return MODEL_OK;
}

static model_err add_chain(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                           uint64_t writable_bytes, uint64_t token, bool use_indirect) {
  MODEL_ENSURE(vq->free_count >= 1u, MODEL_ERR_RING_FULL);
  /* rule point: 2.7.5.3.1#1, INDIRECT only with VIRTIO_F_INDIRECT_DESC */
  bool indirect = use_indirect && vq->has_indirect;
  if (drv_vq_mis(vq, DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD) && reuse_fits(vq, total, indirect)) {
    drv_vq_mis_spend(vq, DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD);
    return add_reuse(vq, sg, total, writable_bytes, token);
  }
  enum add_shape shape = !drv_misbehave_is_empty(vq->misbehave)
                             ? add_shape_pick(vq, sg, total, &indirect)
                             : SHAPE_NORMAL;
  uint64_t table = 0;
  if (indirect) {
    uint64_t entries = table_block_entries(vq, total, shape);
    model_err err =
        drv_alloc_get(vq->alloc, entries * MODEL_SPLIT_DESC_SIZE, MODEL_SPLIT_DESC_ALIGN, &table);
    if (err == MODEL_ERR_NO_MEMORY || err == MODEL_ERR_CAPACITY) {
      indirect = false; /* no table memory: fall back to a direct chain */
      shape = SHAPE_NORMAL;
      vq->stats.indirect_fallback++;
    } else {
      MODEL_TRY(err);
    }
  }
  /* misbehave: chain-with-gap, direct, takes the descriptor it leaves out */
  unsigned ring_descs = indirect ? 1u : shape == SHAPE_GAP ? total + 1u : total;
  model_err err = MODEL_ERR_RING_FULL;
  if (vq->free_count >= ring_descs)
    err = chain_publish(vq, sg, total, table, indirect, shape);
  if (err != MODEL_OK) {
    if (indirect)
      drv_vq_put_owned(vq->alloc, table);
    return err;
  }
  uint16_t head = free_list_take(vq, ring_descs);
  vq->heads[head] = (struct drv_vq_head){
      .token = token,
      .writable_bytes = writable_bytes,
      .indirect_addr = table,
      .desc_count = (uint16_t)ring_descs,
      .indirect = indirect,
      .outstanding = true,
  };
  vq->outstanding++;
  vq->last_head = head;
  if (indirect)
    vq->stats.indirect++;
  return MODEL_OK;
}

model_err drv_vq_add_split(struct drv_vq *vq, const struct drv_sg *sg, unsigned total,
                           uint64_t writable_bytes, uint64_t token, bool use_indirect) {
  MODEL_TRY(add_chain(vq, sg, total, writable_bytes, token, use_indirect));
  return drv_vq_added(vq);
}

/* Publish the batch; *need_notify: the device asked for a notification. */
static model_err kick_decide(struct drv_vq *vq, bool *need_notify) {
  uint16_t old_idx = vq->kicked_avail_idx;
  uint16_t new_idx = vq->avail_idx_shadow;
  vq->kicked_avail_idx = new_idx;
  vq->added_since_kick = 0;
  /* misbehave: avail-idx-backwards breaks 2.7.6.1#1: queue size + 1 below
   * what was just published, so behind anything the device can have taken */
  if (drv_vq_mis_once(vq, DRV_MISBEHAVE_AVAIL_IDX_BACKWARDS))
    MODEL_TRY(drv_vq_wr16(vq, vq->avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX,
                          (uint16_t)(new_idx - vq->size - 1u)));
  /* 2.7.13.4.1#1: idx is already written (a separate, earlier access) when
   * the suppression fields are read. A read that fails leaves the decision
   * to notify: a spurious notification is harmless (2.7.10.2), a missing one
   * is not. */
  *need_notify = true;
  if (drv_vq_mis(vq, DRV_MISBEHAVE_SKIP_NOTIFY)) {
    *need_notify = false; /* misbehave: skip-notify breaks 2.7.10.1#4, #6 */
    return MODEL_OK;
  }
  if (vq->has_event_idx) {
    /* 2.7.10.1#5-#7: flags are ignored; notify iff the batch crossed avail_event */
    uint16_t avail_event = 0;
    if (drv_vq_rd16(vq, vq->used_addr + model_split_avail_event_off(vq->size), &avail_event) ==
        MODEL_OK)
      *need_notify = model_vring_need_event(avail_event, new_idx, old_idx);
  } else {
    /* 2.7.10.1#2-#4: avail_event is ignored; NO_NOTIFY skips the notification */
    uint16_t flags = 0;
    if (drv_vq_rd16(vq, vq->used_addr + MODEL_SPLIT_USED_OFF_FLAGS, &flags) == MODEL_OK)
      *need_notify = (flags & VIRTQ_USED_F_NO_NOTIFY) == 0;
  }
  /* misbehave: notify-while-suppressed breaks 2.7.10.1#3, #7 */
  if (drv_vq_mis(vq, DRV_MISBEHAVE_NOTIFY_WHILE_SUPPRESSED))
    *need_notify = true;
  return MODEL_OK;
}

model_err drv_vq_kick_split(struct drv_vq *vq, bool *notified) {
  bool need = true;
  MODEL_TRY(kick_decide(vq, &need));
  return drv_vq_kick_decided(vq, need, notified);
}

/* Return the chain at `head` to the free list. */
static inline void chain_free(struct drv_vq *vq, uint16_t head) {
  struct drv_vq_head *h = &vq->heads[head];
  if (vq->in_order) {
    /* the oldest chain: it sits right after the free window (a reset's
     * detach frees in any order, but the queue is re-initialised next) */
    vq->free_count += h->desc_count;
  } else {
    uint16_t last = head;
    for (unsigned k = 1; k < h->desc_count; k++)
      last = vq->desc_next[last];
    vq->desc_next[last] = vq->free_head;
    vq->free_head = head;
    vq->free_count += h->desc_count;
  }
  if (h->indirect)
    drv_vq_put_owned(vq->alloc, h->indirect_addr);
  h->outstanding = false;
  h->indirect = false;
  vq->outstanding--;
}

static model_err used_event_write(struct drv_vq *vq, uint16_t value) {
  return drv_vq_wr16(vq, vq->avail_addr + model_split_used_event_off(vq->size), value);
}

/* With callbacks on, ask for a notification at the next used entry
 * (2.7.7.1: used_event), past a batch still being handed out (the device's
 * used idx is already there). A failed write only risks a late
 * notification. */
static void used_event_update(struct drv_vq *vq) {
  if (vq->cb_enabled && vq->has_event_idx)
    (void)used_event_write(vq, (uint16_t)(vq->last_used_idx + vq->batch_left));
}

/* IN_ORDER: hand out the oldest outstanding chain, part of the batch in
 * progress; a skipped one counts as used completely (2.7.9). */
static void batch_next(struct drv_vq *vq, uint64_t *token, uint32_t *len) {
  uint16_t head = vq->in_order_head;
  const struct drv_vq_head *h = &vq->heads[head];
  bool last = head == vq->batch_last_id;
  assert(h->outstanding && (vq->batch_left > 1u || last));
  *token = h->token;
  /* (a chain of exactly 2^32 writable bytes reports the most len holds) */
  *len = last ? vq->batch_len
              : (h->writable_bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)h->writable_bytes);
  vq->in_order_head = (uint16_t)((head + h->desc_count) & (vq->size - 1u));
  chain_free(vq, head);
  vq->last_used_idx = (uint16_t)(vq->last_used_idx + 1u);
  vq->batch_left = last ? 0u : vq->batch_left - 1u;
}

model_err drv_vq_get_used_split(struct drv_vq *vq, uint64_t *token, uint32_t *len) {
  if (vq->batch_left > 0) {
    batch_next(vq, token, len);
    used_event_update(vq);
    vq->stats.used++;
    return MODEL_OK;
  }
  uint16_t used_idx = 0;
  MODEL_TRY(drv_vq_rd16(vq, vq->used_addr + MODEL_SPLIT_USED_OFF_IDX, &used_idx));
  uint16_t pending = (uint16_t)(used_idx - vq->last_used_idx);
  if (pending == 0)
    return MODEL_ERR_RING_EMPTY;
  if (pending > vq->outstanding)
    return drv_vq_break(vq, MODEL_ERR_RING_USED_IDX, "2.7.8", used_idx,
                        (uint16_t)(vq->last_used_idx + vq->outstanding));

  uint64_t elem =
      vq->used_addr + model_split_used_ring_off(model_split_slot(vq->last_used_idx, vq->size));
  uint32_t id = 0, used_len = 0;
  MODEL_TRY(sim_bus_read_le32(vq->bus, SIM_ACTOR_DRIVER, elem + MODEL_SPLIT_USED_ELEM_OFF_ID, &id));
  MODEL_TRY(sim_bus_read_le32(vq->bus, SIM_ACTOR_DRIVER, elem + MODEL_SPLIT_USED_ELEM_OFF_LEN,
                              &used_len));
  if (id >= vq->size || !vq->heads[id].outstanding)
    return drv_vq_break(vq, MODEL_ERR_RING_USED_ID, "2.7.8", id, vq->size);
  /* 2.7.8.3#1: nothing beyond len is trusted, and len itself cannot exceed
   * what the chain let the device write (2.7.8.2#2) */
  if (used_len > vq->heads[id].writable_bytes)
    return drv_vq_break(vq, MODEL_ERR_RING_USED_LEN, "2.7.8.2#2", used_len,
                        vq->heads[id].writable_bytes);

  if (vq->in_order) {
    /* 2.7.9: the entry stands for the batch from the oldest outstanding
     * chain through id (chains are consecutive in ring order from
     * in_order_head), and used idx moved by the batch size at least */
    uint32_t count = 1;
    for (uint16_t cur = vq->in_order_head; cur != id; count++) {
      assert(count <= vq->outstanding);
      cur = (uint16_t)((cur + vq->heads[cur].desc_count) & (vq->size - 1u));
    }
    if (count > pending)
      return drv_vq_break(vq, MODEL_ERR_RING_USED_IDX, "2.7.9", used_idx,
                          (uint16_t)(vq->last_used_idx + count));
    vq->batch_left = count;
    vq->batch_len = used_len;
    vq->batch_last_id = (uint16_t)id;
    batch_next(vq, token, len);
  } else {
    *token = vq->heads[id].token;
    *len = used_len;
    chain_free(vq, (uint16_t)id);
    vq->last_used_idx = (uint16_t)(vq->last_used_idx + 1u);
  }
  /* the buffer is taken: a failed used_event write does not undo that */
  used_event_update(vq);
  vq->stats.used++;
  return MODEL_OK;
}

model_err drv_vq_has_used_split(struct drv_vq *vq, bool *has_used) {
  uint16_t used_idx = 0;
  MODEL_TRY(drv_vq_rd16(vq, vq->used_addr + MODEL_SPLIT_USED_OFF_IDX, &used_idx));
  *has_used = used_idx != vq->last_used_idx;
  return MODEL_OK;
}

model_err drv_vq_disable_cb_split(struct drv_vq *vq) {
  vq->cb_enabled = false;
  /* misbehave: bad-avail-flags breaks 2.7.7.1#1 (flags 3 without EVENT_IDX)
   * and #2 (NO_INTERRUPT with EVENT_IDX) */
  bool bad = drv_vq_mis(vq, DRV_MISBEHAVE_BAD_AVAIL_FLAGS);
  if (vq->has_event_idx) {
    /* 2.7.7.1#2: flags stay 0. used_event one behind the next entry: the
     * device would cross it only after 2^16 - 1 more used buffers, which
     * the outstanding count (at most 32768) never allows. */
    MODEL_TRY(used_event_write(vq, (uint16_t)(vq->last_used_idx - 1u)));
    if (!bad || vq->avail_flags_shadow != 0)
      return MODEL_OK;
  } else if ((vq->avail_flags_shadow & VIRTQ_AVAIL_F_NO_INTERRUPT) != 0) {
    return MODEL_OK;
  }
  /* 2.7.7.1#1: flags is 0 or 1 */
  uint16_t flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
  if (bad && !vq->has_event_idx)
    flags = (uint16_t)(flags | AVAIL_F_UNDEFINED);
  MODEL_TRY(drv_vq_wr16(vq, vq->avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS, flags));
  vq->avail_flags_shadow = flags;
  return MODEL_OK;
}

model_err drv_vq_enable_cb_split(struct drv_vq *vq, bool *pending) {
  vq->cb_enabled = true;
  if (vq->has_event_idx)
    MODEL_TRY(used_event_write(vq, (uint16_t)(vq->last_used_idx + vq->batch_left)));
  /* flags are nonzero with EVENT_IDX only when misbehaving (bad-avail-flags) */
  if (vq->avail_flags_shadow != 0) {
    MODEL_TRY(drv_vq_wr16(vq, vq->avail_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS, 0));
    vq->avail_flags_shadow = 0;
  }
  /* 2.7.14: re-check after enabling, or a buffer used in between would
   * never be noticed */
  return drv_vq_has_used_split(vq, pending);
}

model_err drv_vq_detach_unused_split(struct drv_vq *vq, uint64_t *token) {
  vq->batch_left = 0;
  for (uint32_t n = 0; n < vq->size; n++) {
    uint32_t i = (vq->detach_cursor + n) & (vq->size - 1u);
    if (!vq->heads[i].outstanding)
      continue;
    *token = vq->heads[i].token;
    chain_free(vq, (uint16_t)i);
    vq->detach_cursor = i;
    return MODEL_OK;
  }
  vq->detach_cursor = 0;
  return MODEL_ERR_RING_EMPTY;
}

model_err drv_vq_test_set_idx_split(struct drv_vq *vq, uint16_t idx) {
  MODEL_TRY(drv_vq_wr16(vq, vq->avail_addr + MODEL_SPLIT_AVAIL_OFF_IDX, idx));
  vq->avail_idx_shadow = idx;
  vq->kicked_avail_idx = idx;
  vq->last_used_idx = idx;
  if (vq->has_event_idx)
    MODEL_TRY(used_event_write(vq, vq->cb_enabled ? idx : (uint16_t)(idx - 1u)));
  return MODEL_OK;
}
