/*
 * backend/vq_packed.c: the device side of the packed virtqueue (2.8), behind
 * vq.h (see vq_packed.h). It reads the descriptors the driver made
 * available at the device's position, checks every value once where it is
 * read, writes used descriptors at the device's used position, and applies
 * both event suppression structures (2.8.10, 2.8.14).
 *
 * Implementation notes. The device keeps two positions (model/packed.h):
 * avail_pos, where the next list starts (its wrap is the lap the driver
 * must be in there), and used_pos, where the next used descriptor goes (its
 * wrap is the Device Ring Wrap Counter, 2.8.1). A list of n descriptors
 * moves avail_pos by n; its used descriptor moves used_pos by n (the rest
 * of the list is skipped, 2.8.6), and with IN_ORDER one used descriptor
 * stands for a run of buffers and moves used_pos by all their descriptors
 * (2.8.8). Pushes are only recorded (vq.c); the flush writes them: id and
 * len of each used descriptor, then its flags, except that the flags of the
 * flush's first used descriptor are written last of all, so the driver,
 * which polls that descriptor, never sees part of a flush (2.8.9, 2.8.21).
 * outstanding_desc_count counts the descriptors of chains popped and not
 * yet written used: a conformant driver never has more than the queue size
 * out (it may only reuse a descriptor it saw used, 2.8.16#1, and exposes a
 * list only when all of it fits in the descriptors it owns, 2.8.17#5).
 *
 * Checks on driver-written values, with the rule each enforces (a section
 * id where the spec states the layout but no MUST):
 *   next descriptor not marked used in the device's lap ... 2.8.1    (RING_DESC_FLAGS)
 *   later descriptors of a list available in their lap .... 2.8.17#6 (RING_DESC_FLAGS)
 *   no list longer than the queue size .................... 2.8.17#2 (RING_LOOP)
 *   no list head in a descriptor still out ................ 2.8.16#1 (RING_LOOP)
 *   no list running into descriptors still out ............ 2.8.17#5 (RING_LOOP)
 *   no readable descriptor after a writable one ........... 2.8.17#3 (RING_WRITE_ORDER)
 *   INDIRECT only with VIRTIO_F_INDIRECT_DESC ............. 2.8.19#1 (RING_INDIRECT_UNNEGOTIATED)
 *   no INDIRECT in a NEXT list (with NEXT or after it) .... 2.8.19#4 (RING_INDIRECT_FLAGS)
 *   indirect len a nonzero multiple of 16 ................. 2.8.7    (RING_INDIRECT_LEN)
 *   no indirect table longer than the queue size .......... 2.8.19#3 (RING_LOOP)
 *   only WRITE inside an indirect table ................... 2.8.19#2 (RING_INDIRECT_NESTED
 *                                                           for INDIRECT, else INDIRECT_FLAGS)
 *   addr + len neither wraps nor leaves memory ............ 2.8.4    (MEM_WRAP, MEM_UNMAPPED)
 * The buffer id comes from the last descriptor of a list (2.8.6); the spec
 * puts no bound on it (2.8.13), so any value is kept and given back. The
 * WRITE flag of an INDIRECT descriptor is ignored (2.8.7). Zero-length
 * descriptors carry nothing. In the driver event suppression structure,
 * DESC without EVENT_IDX, the reserved mode 3 and a DESC offset outside the
 * ring are the driver's error (the monitor judges it); the device then
 * notifies, which can never lose an event.
 *
 * Misbehaviours (backend/misbehave.h) acting here, at the points marked
 * "misbehave point": start-next-list-first (pop), skip-used-slot,
 * use-out-of-order, write-descriptor-table and use-unavailable (flush).
 *
 * Counters: SIM_CTR_RING_WRAPS when avail_pos passes the last slot,
 * SIM_CTR_IRQ_SUPPRESSED when a flush owes no notification. *
 * Cost: the helpers on the per-buffer path are static inline (gcc -O2
 * would keep them out of line, a frame per descriptor or buffer); the bus
 * accesses are the same either way.
 */
#include "backend/vq_packed.h"

#include <assert.h>
#include <string.h>

#include "backend/vq_impl.h"
#include "model/packed.h"
#include "model/virtio.h"
#include "sim/bus.h"

static uint16_t dec_le16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}
static uint32_t dec_le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t dec_le64(const uint8_t *p) {
  return (uint64_t)dec_le32(p) | ((uint64_t)dec_le32(p + 4) << 32);
}

static bool has_event_idx(const struct dev_vq *vq) {
  return model_features_has(vq->features, VIRTIO_F_EVENT_IDX);
}

model_err dev_vq_layout_check_packed(const struct dev_vq *vq) {
  uint32_t num = vq->size;
  MODEL_ENSURE(model_packed_queue_size_ok(num) && num <= vq->size_max, MODEL_ERR_QUEUE_SIZE);
  /* 2.8.10.1: each part aligned (the driver's duty, 2.8.11#1; the device
   * refuses to go ready on a misaligned one). The device reads and writes
   * the descriptor ring, reads the driver area, writes the device area. */
  MODEL_ENSURE(vq->desc_addr % MODEL_PACKED_DESC_ALIGN == 0, MODEL_ERR_QUEUE_LAYOUT);
  MODEL_ENSURE(vq->driver_addr % MODEL_PACKED_EVENT_ALIGN == 0, MODEL_ERR_QUEUE_LAYOUT);
  MODEL_ENSURE(vq->device_addr % MODEL_PACKED_EVENT_ALIGN == 0, MODEL_ERR_QUEUE_LAYOUT);
  uint64_t ring = model_packed_ring_size(num);
  MODEL_ENSURE(dev_vq_range_check(vq, vq->desc_addr, ring, false) == MODEL_OK &&
                   dev_vq_range_check(vq, vq->desc_addr, ring, true) == MODEL_OK,
               MODEL_ERR_QUEUE_LAYOUT);
  MODEL_ENSURE(dev_vq_range_check(vq, vq->driver_addr, MODEL_PACKED_EVENT_SIZE, false) == MODEL_OK,
               MODEL_ERR_QUEUE_LAYOUT);
  MODEL_ENSURE(dev_vq_range_check(vq, vq->device_addr, MODEL_PACKED_EVENT_SIZE, true) == MODEL_OK,
               MODEL_ERR_QUEUE_LAYOUT);
  return MODEL_OK;
}

struct pdesc {
  uint64_t addr;
  uint32_t len;
  uint16_t id;
  uint16_t flags;
};

static inline model_err read_pdesc(struct dev_vq *vq, uint64_t table, uint32_t i, struct pdesc *d) {
  uint8_t raw[MODEL_PACKED_DESC_SIZE];
  model_err err = sim_bus_read_bytes(vq->bus, SIM_ACTOR_DEVICE, table + model_packed_desc_off(i),
                                     raw, sizeof(raw));
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.8.13", table, i);
  d->addr = dec_le64(raw + MODEL_PACKED_DESC_OFF_ADDR);
  d->len = dec_le32(raw + MODEL_PACKED_DESC_OFF_LEN);
  d->id = dec_le16(raw + MODEL_PACKED_DESC_OFF_ID);
  d->flags = dec_le16(raw + MODEL_PACKED_DESC_OFF_FLAGS);
  return MODEL_OK;
}

/*
 * Is the descriptor at the device's position available? Reads its flags
 * only (the gate: the rest is read after it, 2.8.21.1). Marked used in the
 * device's current lap is something only the driver can have written there
 * (the device's used position never passes its available position): a
 * violation. Anything else that is not available is an empty ring.
 */
static inline model_err peek_head(struct dev_vq *vq, bool *available) {
  *available = false;
  uint64_t addr =
      vq->desc_addr + model_packed_desc_off(vq->avail_pos.idx) + MODEL_PACKED_DESC_OFF_FLAGS;
  uint16_t flags = 0;
  model_err err = sim_bus_read_le16(vq->bus, SIM_ACTOR_DEVICE, addr, &flags);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.8.13", addr, vq->avail_pos.idx);
  if (model_packed_is_used(flags, vq->avail_pos.wrap))
    return dev_vq_report_violation(vq, MODEL_ERR_RING_DESC_FLAGS, "2.8.1", vq->avail_pos.idx,
                                   flags);
  *available = model_packed_is_avail(flags, vq->avail_pos.wrap);
  return MODEL_OK;
}

/* A buffer descriptor: check it and append it to the chain. */
static inline model_err add_segment(struct dev_vq *vq, const struct pdesc *d,
                                    struct dev_chain *chain, uint32_t limit,
                                    const char *limit_clause) {
  bool writable = (d->flags & VIRTQ_DESC_F_WRITE) != 0;
  if (!writable && chain->seg_count > 0 && chain->segs[chain->seg_count - 1u].writable)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_WRITE_ORDER, "2.8.17#3", d->addr, d->flags);
  model_err err = dev_vq_range_check(vq, d->addr, d->len, writable);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.8.4", d->addr, d->len);
  if (chain->seg_count >= limit)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_LOOP, limit_clause, chain->id,
                                   chain->seg_count);
  assert(chain->seg_count < vq->seg_capacity);
  struct dev_seg *seg = &chain->segs[chain->seg_count++];
  seg->addr = d->addr;
  seg->len = d->len;
  seg->writable = writable;
  if (writable)
    chain->writable_bytes += d->len;
  else
    chain->readable_bytes += d->len;
  return MODEL_OK;
}

/* The list's only descriptor refers to an indirect table: walk it. */
static model_err walk_indirect(struct dev_vq *vq, const struct pdesc *d, struct dev_chain *chain) {
  if (!model_features_has(vq->features, VIRTIO_F_INDIRECT_DESC))
    return dev_vq_report_violation(vq, MODEL_ERR_RING_INDIRECT_UNNEGOTIATED, "2.8.19#1", d->addr,
                                   d->flags);
  if (d->len == 0 || d->len % MODEL_PACKED_DESC_SIZE != 0)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_INDIRECT_LEN, "2.8.7", d->addr, d->len);
  uint32_t count = d->len / MODEL_PACKED_DESC_SIZE;
  /* 2.8.19#3: the device allows no more than the queue size in a table. */
  if (count > vq->size)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_LOOP, "2.8.19#3", d->addr, count);
  model_err err = dev_vq_range_check(vq, d->addr, d->len, false);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.8.7", d->addr, d->len);
  for (uint32_t i = 0; i < count; i++) {
    struct pdesc e = {0};
    MODEL_TRY(read_pdesc(vq, d->addr, i, &e));
    /* 2.8.19#2: WRITE is the only flag an entry may carry. */
    if ((e.flags & VIRTQ_DESC_F_INDIRECT) != 0)
      return dev_vq_report_violation(vq, MODEL_ERR_RING_INDIRECT_NESTED, "2.8.19#2", i, e.flags);
    if ((e.flags & ~VIRTQ_DESC_F_WRITE) != 0)
      return dev_vq_report_violation(vq, MODEL_ERR_RING_INDIRECT_FLAGS, "2.8.19#2", i, e.flags);
    MODEL_TRY(add_segment(vq, &e, chain, vq->size, "2.8.19#3"));
  }
  return MODEL_OK;
}

/* One ring descriptor of a list at pos (the count-th, from 0): checked and
 * added; *more: the list goes on. */
static model_err take_desc(struct dev_vq *vq, struct model_packed_pos pos, uint32_t count,
                           struct dev_chain *chain, bool *more) {
  struct pdesc d = {0};
  MODEL_TRY(read_pdesc(vq, vq->desc_addr, pos.idx, &d));
  /* 2.8.17#6: the head is made available last, so every later descriptor
   * must already be available in its own lap (which flips past the end). */
  if (count > 0 && !model_packed_is_avail(d.flags, pos.wrap))
    return dev_vq_report_violation(vq, MODEL_ERR_RING_DESC_FLAGS, "2.8.17#6", pos.idx, d.flags);
  *more = (d.flags & VIRTQ_DESC_F_NEXT) != 0;
  chain->id = d.id; /* 2.8.6: the last descriptor's id is the buffer's */
  if ((d.flags & VIRTQ_DESC_F_INDIRECT) != 0) {
    if (count > 0 || *more)
      return dev_vq_report_violation(vq, MODEL_ERR_RING_INDIRECT_FLAGS, "2.8.19#4", pos.idx,
                                     d.flags);
    return walk_indirect(vq, &d, chain);
  }
  return add_segment(vq, &d, chain, vq->size, "2.8.17#2");
}

static bool misbehaves(const struct dev_vq *vq, enum dev_misbehave bit) {
  return dev_misbehave_has(vq->misbehave, bit);
}

/* Read the flags of the descriptor at pos: false if the read fails. */
static bool misbehave_flags(struct dev_vq *vq, struct model_packed_pos pos, uint16_t *flags) {
  uint64_t addr = vq->desc_addr + model_packed_desc_off(pos.idx) + MODEL_PACKED_DESC_OFF_FLAGS;
  return sim_bus_read_le16(vq->bus, SIM_ACTOR_DEVICE, addr, flags) == MODEL_OK;
}

/* misbehave point (start-next-list-first, 2.8.12#1): before taking the
 * list at avail_pos, find its end by the flags alone and read the whole
 * first descriptor of the list after it, if that one is available. The
 * reads change nothing; a failed one ends the misbehaviour. */
static void misbehave_read_next_list(struct dev_vq *vq) {
  struct model_packed_pos pos = vq->avail_pos;
  uint16_t flags = 0;
  for (uint32_t n = 0;; n++) {
    if (n >= vq->size || !misbehave_flags(vq, pos, &flags) ||
        !model_packed_is_avail(flags, pos.wrap))
      return;
    pos = model_packed_pos_advance(pos, 1, vq->size);
    if ((flags & VIRTQ_DESC_F_NEXT) == 0)
      break;
  }
  uint8_t raw[MODEL_PACKED_DESC_SIZE];
  if (pos.idx == vq->avail_pos.idx || !misbehave_flags(vq, pos, &flags) ||
      !model_packed_is_avail(flags, pos.wrap))
    return;
  if (sim_bus_read_bytes(vq->bus, SIM_ACTOR_DEVICE, vq->desc_addr + model_packed_desc_off(pos.idx),
                         raw, sizeof(raw)) != MODEL_OK)
    sim_bus_note(vq->bus, SIM_ACTOR_DEVICE, "misbehave: read of the next list failed");
}

model_err dev_vq_pop_packed(struct dev_vq *vq, struct dev_chain *chain) {
  bool available = false;
  MODEL_TRY(peek_head(vq, &available));
  MODEL_ENSURE(available, MODEL_ERR_RING_EMPTY);
  if (misbehaves(vq, DEV_MISBEHAVE_START_NEXT_LIST_FIRST))
    misbehave_read_next_list(vq);
  chain->segs = vq->segs;
  struct model_packed_pos pos = vq->avail_pos;
  uint32_t count = 0;
  bool more = true;
  while (more) {
    /* 2.8.17#2: a list never longer than the queue size (so a list that
     * would run into its own head is reported, never followed). */
    if (count >= vq->size)
      return dev_vq_report_violation(vq, MODEL_ERR_RING_LOOP, "2.8.17#2", vq->avail_pos.idx, count);
    /* No more descriptors out than the ring holds. At the head, the driver
     * rewrote a descriptor the device has not given back (2.8.16#1); past
     * the head, it exposed a list the descriptors it owns cannot hold
     * (2.8.17#5), whether or not it also rewrote the rest. */
    if (vq->outstanding_desc_count + count >= vq->size)
      return dev_vq_report_violation(vq, MODEL_ERR_RING_LOOP, count == 0 ? "2.8.16#1" : "2.8.17#5",
                                     pos.idx, vq->outstanding_desc_count);
    MODEL_TRY(take_desc(vq, pos, count, chain, &more));
    count++;
    pos = model_packed_pos_advance(pos, 1, vq->size);
    if (pos.idx == 0)
      sim_bus_count(vq->bus, SIM_CTR_RING_WRAPS, 1);
  }
  struct model_packed_pos start = vq->avail_pos;
  vq->avail_pos = pos;
  vq->outstanding_desc_count += count;
  return dev_vq_popped(vq, chain, (uint16_t)count, start);
}

/*
 * 2.8.10: is a used buffer notification owed for moving the used position
 * from old_pos to new_pos? Read from the driver event suppression area.
 */
static model_err need_notification(struct dev_vq *vq, struct model_packed_pos old_pos,
                                   struct model_packed_pos new_pos, bool *need) {
  uint16_t flags = 0, off_wrap = 0;
  model_err err = sim_bus_read_le16(vq->bus, SIM_ACTOR_DEVICE,
                                    vq->driver_addr + MODEL_PACKED_EVENT_OFF_FLAGS, &flags);
  if (err == MODEL_OK)
    err = sim_bus_read_le16(vq->bus, SIM_ACTOR_DEVICE,
                            vq->driver_addr + MODEL_PACKED_EVENT_OFF_DESC, &off_wrap);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.8.10", vq->driver_addr, 0);
  *need = true;
  switch (flags & MODEL_PACKED_EVENT_FLAGS_MASK) {
  case RING_EVENT_FLAGS_DISABLE:
    *need = false;
    break;
  case RING_EVENT_FLAGS_DESC: {
    struct model_packed_pos event = model_packed_event_decode(off_wrap);
    if (has_event_idx(vq) && event.idx < vq->size)
      *need = model_packed_need_event(event, new_pos, old_pos, vq->size);
    break;
  }
  default: /* ENABLE, or the reserved value (notify: nothing is lost) */
    break;
  }
  return MODEL_OK;
}

/* Write one used descriptor at pos for pending push p (2.8.1, 2.8.3,
 * 2.8.4): id and len, then the flags unless this is the flush's first
 * (*first_flags keeps those for later). */
static inline model_err write_used(struct dev_vq *vq, struct model_packed_pos pos,
                                   const struct dev_vq_pending *p, bool first,
                                   uint16_t *first_flags) {
  uint64_t d = vq->desc_addr + model_packed_desc_off(pos.idx);
  /* 2.8.3: WRITE says that data was written into the buffer. */
  uint16_t flags = model_packed_used_bits(pos.wrap);
  if (p->len > 0)
    flags = (uint16_t)(flags | VIRTQ_DESC_F_WRITE);
  model_err err =
      sim_bus_write_le16(vq->bus, SIM_ACTOR_DEVICE, d + MODEL_PACKED_DESC_OFF_ID, p->id);
  if (err == MODEL_OK)
    err = sim_bus_write_le32(vq->bus, SIM_ACTOR_DEVICE, d + MODEL_PACKED_DESC_OFF_LEN, p->len);
  if (err == MODEL_OK && !first)
    err = sim_bus_write_le16(vq->bus, SIM_ACTOR_DEVICE, d + MODEL_PACKED_DESC_OFF_FLAGS, flags);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.8.13", d, pos.idx);
  if (first)
    *first_flags = flags;
  return MODEL_OK;
}

/* misbehave point (use-unavailable, 2.8.15#3): with nothing outstanding
 * and nothing available at the device's position, mark that slot used
 * anyway, with the id it holds and len 0. The positions stay; a failed
 * access ends the misbehaviour. */
static void misbehave_use_unavailable(struct dev_vq *vq) {
  uint16_t flags = 0, id = 0;
  struct model_packed_pos pos = vq->used_pos;
  uint64_t d = vq->desc_addr + model_packed_desc_off(pos.idx);
  if (vq->outstanding_desc_count != 0 || pos.idx != vq->avail_pos.idx ||
      pos.wrap != vq->avail_pos.wrap || !misbehave_flags(vq, pos, &flags) ||
      model_packed_is_avail(flags, pos.wrap) || model_packed_is_used(flags, pos.wrap))
    return;
  if (sim_bus_read_le16(vq->bus, SIM_ACTOR_DEVICE, d + MODEL_PACKED_DESC_OFF_ID, &id) != MODEL_OK ||
      sim_bus_write_le32(vq->bus, SIM_ACTOR_DEVICE, d + MODEL_PACKED_DESC_OFF_LEN, 0) != MODEL_OK ||
      sim_bus_write_le16(vq->bus, SIM_ACTOR_DEVICE, d + MODEL_PACKED_DESC_OFF_FLAGS,
                         model_packed_used_bits(pos.wrap)) != MODEL_OK)
    sim_bus_note(vq->bus, SIM_ACTOR_DEVICE, "misbehave: use of an unavailable slot failed");
}

model_err dev_vq_flush_packed(struct dev_vq *vq, bool *need_irq) {
  *need_irq = false;
  if (vq->pending_count == 0)
    return MODEL_OK;
  struct model_packed_pos old_pos = vq->used_pos;
  struct model_packed_pos pos = old_pos;
  /* misbehave point (skip-used-slot, 2.8.12#2): every used descriptor one
   * slot further than it belongs; the device's own positions stay. */
  uint32_t shift = misbehaves(vq, DEV_MISBEHAVE_SKIP_USED_SLOT) ? 1u : 0u;
  uint16_t first_flags = 0;
  uint32_t freed = 0;
  uint32_t i = 0;
  /* misbehave point (use-out-of-order, 6.2#3): with IN_ORDER, the second
   * buffer's used descriptor first, then the first buffer's, each alone. */
  if (misbehaves(vq, DEV_MISBEHAVE_USE_OUT_OF_ORDER) && dev_vq_has_in_order(vq) &&
      vq->pending_count >= 2u) {
    for (uint32_t k = 0; k < 2u; k++) {
      const struct dev_vq_pending *p = &vq->pending[1u - k];
      MODEL_TRY(
          write_used(vq, model_packed_pos_advance(pos, shift, vq->size), p, k == 0, &first_flags));
      assert(freed + p->desc_count <= vq->outstanding_desc_count);
      pos = model_packed_pos_advance(pos, p->desc_count, vq->size);
      freed += p->desc_count;
    }
    i = 2;
  }
  while (i < vq->pending_count) {
    uint32_t last = dev_vq_pending_run_end(vq, i);
    uint32_t skip = 0;
    for (uint32_t k = i; k <= last; k++)
      skip += vq->pending[k].desc_count;
    MODEL_TRY(write_used(vq, model_packed_pos_advance(pos, shift, vq->size), &vq->pending[last],
                         i == 0, &first_flags));
    /* Our invariant: what is used was popped, so it fits in the ring. */
    assert(skip >= 1 && freed + skip <= vq->outstanding_desc_count);
    pos = model_packed_pos_advance(pos, skip, vq->size);
    freed += skip;
    i = last + 1u;
  }
  /* 2.8.9 / 2.8.21 analogue: the first used descriptor's flags last. */
  uint32_t first_slot = model_packed_pos_advance(old_pos, shift, vq->size).idx;
  uint64_t first = vq->desc_addr + model_packed_desc_off(first_slot) + MODEL_PACKED_DESC_OFF_FLAGS;
  model_err err = sim_bus_write_le16(vq->bus, SIM_ACTOR_DEVICE, first, first_flags);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.8.13", first, first_slot);
  /* misbehave point (write-descriptor-table, 2.8.15#4): the first used
   * descriptor's flags written again, unchanged, after marking it used. */
  if (misbehaves(vq, DEV_MISBEHAVE_WRITE_DESCRIPTOR_TABLE) &&
      sim_bus_write_le16(vq->bus, SIM_ACTOR_DEVICE, first, first_flags) != MODEL_OK)
    sim_bus_note(vq->bus, SIM_ACTOR_DEVICE, "misbehave: write of a used descriptor failed");
  vq->used_pos = pos;
  vq->outstanding_desc_count -= freed;
  vq->pending_count = 0;
  if (misbehaves(vq, DEV_MISBEHAVE_USE_UNAVAILABLE))
    misbehave_use_unavailable(vq);
  bool need = false;
  MODEL_TRY(need_notification(vq, old_pos, pos, &need));
  dev_vq_count_notification(vq, &need);
  *need_irq = need;
  return MODEL_OK;
}

model_err dev_vq_has_available_packed(struct dev_vq *vq, bool *available) {
  return peek_head(vq, available);
}

/* Write the device event structure: DESC naming the device's next
 * position with EVENT_IDX and enable, else ENABLE or DISABLE; desc before
 * flags. */
static model_err write_device_event(struct dev_vq *vq, bool enable) {
  model_err err = MODEL_OK;
  uint16_t flags = (uint16_t)(enable ? RING_EVENT_FLAGS_ENABLE : RING_EVENT_FLAGS_DISABLE);
  if (enable && has_event_idx(vq)) {
    /* The packed avail_event: notify me when the descriptor at my next
     * position is made available. desc before flags. */
    flags = RING_EVENT_FLAGS_DESC;
    err =
        sim_bus_write_le16(vq->bus, SIM_ACTOR_DEVICE, vq->device_addr + MODEL_PACKED_EVENT_OFF_DESC,
                           model_packed_event_encode(vq->avail_pos));
  }
  if (err == MODEL_OK)
    err = sim_bus_write_le16(vq->bus, SIM_ACTOR_DEVICE,
                             vq->device_addr + MODEL_PACKED_EVENT_OFF_FLAGS, flags);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.8.10", vq->device_addr, enable);
  return MODEL_OK;
}

model_err dev_vq_enable_events_packed(struct dev_vq *vq) {
  if (!has_event_idx(vq))
    return MODEL_OK;
  return write_device_event(vq, true);
}

model_err dev_vq_notify_enable_packed(struct dev_vq *vq, bool enable, bool *more_available) {
  *more_available = false;
  vq->notify_enabled = enable;
  MODEL_TRY(write_device_event(vq, enable));
  if (!enable)
    return MODEL_OK;
  /* Lists made available before the driver saw the request bring no
   * notification: re-check now. */
  return peek_head(vq, more_available);
}
