/*
 * backend/vq_split.c: the device side of the split virtqueue (2.7), behind
 * vq.h (see vq_split.h). It reads the available ring and descriptor tables
 * the driver wrote, checks every value once where it is read, writes used
 * elements and the used idx, and applies both notification suppression
 * schemes (flags, and the event indices of VIRTIO_F_EVENT_IDX).
 *
 * Checks on driver-written values, with the rule each enforces (a section
 * id where the spec states the layout but no MUST):
 *   avail idx moves by at most the queue size .......... 2.7.6.1#1 (RING_AVAIL_IDX)
 *   head below the queue size .......................... 2.7.5      (RING_HEAD_RANGE)
 *   next below the size of its table ................... 2.7.5      (RING_NEXT_RANGE)
 *   walk of each table bounded by its size ............. 2.7.5.2#1  (RING_LOOP)
 *   no more segments than the queue size ............... 2.7.5.3.1#3 (RING_LOOP)
 *   total length within 2^32 bytes ..................... 2.7.5.2#1  (RING_LOOP)
 *   no readable descriptor after a writable one ........ 2.7.4.2#1  (RING_WRITE_ORDER)
 *   INDIRECT only with VIRTIO_F_INDIRECT_DESC .......... 2.7.5.3.1#1 (RING_INDIRECT_UNNEGOTIATED)
 *   no INDIRECT inside an indirect table ............... 2.7.5.3.1#2 (RING_INDIRECT_NESTED)
 *   no NEXT together with INDIRECT ..................... 2.7.5.3.1#4 (RING_INDIRECT_FLAGS)
 *   indirect len a nonzero multiple of 16 .............. 2.7.5.3    (RING_INDIRECT_LEN)
 *   addr + len neither wraps nor leaves memory ......... 2.7.5      (MEM_WRAP, MEM_UNMAPPED)
 *   IN_ORDER: next of the queue's slot x is x + 1 (0
 *   after the last slot) ............................... 2.7.5.2#2  (RING_IN_ORDER)
 *   IN_ORDER: next of indirect entry i is i + 1 ......... 2.7.5.3.1#5 (RING_IN_ORDER)
 * The WRITE flag of a descriptor that points to an indirect table is
 * ignored (2.7.5.3.2#1); direct descriptors followed by one indirect one
 * are accepted (2.7.5.3.2#2). Zero-length descriptors are accepted and carry
 * nothing. The lower bit of avail flags is all the device consults
 * (2.7.7.2#2, #3); other bits are the driver's error (2.7.7.1) for the
 * monitor to judge.
 *
 * With IN_ORDER, push only advances the used idx (vq.c records the push)
 * and the flush writes one used element per run of buffers (2.7.9): at the
 * slot of the run's first buffer, with the id and len of its last.
 *
 * Misbehaviours (backend/misbehave.h) acting here, at the points marked
 * "misbehave point": write-descriptor-table (pop), publish-used-before-elem
 * (push), irq-while-suppressed and skip-irq (flush), bad-used-flags
 * (notify_enable).
 *
 * Counters: SIM_CTR_RING_WRAPS when last_avail_idx comes back to slot 0,
 * SIM_CTR_IDX_WRAPS when last_avail_idx or the used idx wraps past 65535,
 * SIM_CTR_IRQ_SUPPRESSED when a flush owes no notification.
 *
 * Cost: the helpers on the per-buffer path are static inline (gcc -O2
 * would keep them out of line, a frame per descriptor or buffer); the bus
 * accesses are the same either way.
 */
#include "backend/vq_split.h"

#include <assert.h>
#include <string.h>

#include "backend/vq_impl.h"
#include "model/split.h"
#include "model/virtio.h"
#include "sim/bus.h"

/* The undefined used flags bit bad-used-flags sets. */
#define MISBEHAVE_USED_FLAGS_BIT 2u

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

model_err dev_vq_layout_check_split(const struct dev_vq *vq) {
  uint32_t num = vq->size;
  MODEL_ENSURE(model_split_queue_size_ok(num) && num <= vq->size_max, MODEL_ERR_QUEUE_SIZE);
  /* 2.7: each area aligned as its table says (the driver's duty, 2.7.1#1;
   * the device refuses to go ready on a misaligned one). */
  MODEL_ENSURE(vq->desc_addr % MODEL_SPLIT_DESC_ALIGN == 0, MODEL_ERR_QUEUE_LAYOUT);
  MODEL_ENSURE(vq->driver_addr % MODEL_SPLIT_AVAIL_ALIGN == 0, MODEL_ERR_QUEUE_LAYOUT);
  MODEL_ENSURE(vq->device_addr % MODEL_SPLIT_USED_ALIGN == 0, MODEL_ERR_QUEUE_LAYOUT);
  MODEL_ENSURE(dev_vq_range_check(vq, vq->desc_addr, model_split_desc_table_size(num), false) ==
                   MODEL_OK,
               MODEL_ERR_QUEUE_LAYOUT);
  MODEL_ENSURE(dev_vq_range_check(vq, vq->driver_addr, model_split_avail_size(num), false) ==
                   MODEL_OK,
               MODEL_ERR_QUEUE_LAYOUT);
  MODEL_ENSURE(dev_vq_range_check(vq, vq->device_addr, model_split_used_size(num), true) ==
                   MODEL_OK,
               MODEL_ERR_QUEUE_LAYOUT);
  return MODEL_OK;
}

/* Read the available idx and check how far it moved (2.7.6.1#1: it never
 * goes back, and never runs more than a ring ahead of what the device
 * took; both show as a distance above the queue size). */
static inline model_err read_avail_idx(struct dev_vq *vq, uint16_t *idx) {
  model_err err = sim_bus_read_le16(vq->bus, SIM_ACTOR_DEVICE,
                                    vq->driver_addr + MODEL_SPLIT_AVAIL_OFF_IDX, idx);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.7.6", vq->driver_addr, 0);
  uint16_t ahead = (uint16_t)(*idx - vq->last_avail_idx); /* mod 2^16 on purpose */
  if (ahead > vq->size)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_AVAIL_IDX, "2.7.6.1#1", *idx,
                                   vq->last_avail_idx);
  vq->avail_idx_shadow = *idx;
  return MODEL_OK;
}

struct desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};

static model_err read_desc(struct dev_vq *vq, uint64_t table, uint32_t i, struct desc *d) {
  uint8_t raw[MODEL_SPLIT_DESC_SIZE];
  model_err err = sim_bus_read_bytes(vq->bus, SIM_ACTOR_DEVICE, table + model_split_desc_off(i),
                                     raw, sizeof(raw));
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.7.5", table, i);
  d->addr = dec_le64(raw + MODEL_SPLIT_DESC_OFF_ADDR);
  d->len = dec_le32(raw + MODEL_SPLIT_DESC_OFF_LEN);
  d->flags = dec_le16(raw + MODEL_SPLIT_DESC_OFF_FLAGS);
  d->next = dec_le16(raw + MODEL_SPLIT_DESC_OFF_NEXT);
  return MODEL_OK;
}

/* The table being walked: the queue's own, or one indirect table. */
struct walk {
  uint64_t table;
  uint32_t table_size; /* descriptors in it */
  bool indirect;
  bool seen_writable;
};

/* An INDIRECT descriptor: check it and switch the walk to its table. */
static model_err enter_indirect(struct dev_vq *vq, struct walk *w, const struct desc *d) {
  if (w->indirect)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_INDIRECT_NESTED, "2.7.5.3.1#2", d->addr,
                                   d->flags);
  if (!model_features_has(vq->features, VIRTIO_F_INDIRECT_DESC))
    return dev_vq_report_violation(vq, MODEL_ERR_RING_INDIRECT_UNNEGOTIATED, "2.7.5.3.1#1", d->addr,
                                   d->flags);
  if ((d->flags & VIRTQ_DESC_F_NEXT) != 0)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_INDIRECT_FLAGS, "2.7.5.3.1#4", d->flags,
                                   d->next);
  if (d->len == 0 || d->len % MODEL_SPLIT_DESC_SIZE != 0)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_INDIRECT_LEN, "2.7.5.3", d->addr, d->len);
  model_err err = dev_vq_range_check(vq, d->addr, d->len, false);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.7.5.3", d->addr, d->len);
  w->table = d->addr;
  w->table_size = d->len / MODEL_SPLIT_DESC_SIZE;
  w->indirect = true;
  /* 2.7.5.3.2#1: the WRITE flag of this descriptor means nothing. */
  return MODEL_OK;
}

/* A buffer descriptor: check it and append it to the chain. */
static model_err add_segment(struct dev_vq *vq, struct walk *w, const struct desc *d,
                             struct dev_chain *chain) {
  bool writable = (d->flags & VIRTQ_DESC_F_WRITE) != 0;
  if (!writable && w->seen_writable)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_WRITE_ORDER, "2.7.4.2#1", d->addr, d->flags);
  model_err err = dev_vq_range_check(vq, d->addr, d->len, writable);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.7.5", d->addr, d->len);
  if (chain->seg_count >= vq->size)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_LOOP, "2.7.5.3.1#3", chain->id,
                                   chain->seg_count);
  uint64_t total = chain->readable_bytes + chain->writable_bytes + d->len;
  if (total > ((uint64_t)1 << 32))
    return dev_vq_report_violation(vq, MODEL_ERR_RING_LOOP, "2.7.5.2#1", chain->id, total);
  assert(chain->seg_count < vq->seg_capacity);
  struct dev_seg *seg = &chain->segs[chain->seg_count++];
  seg->addr = d->addr;
  seg->len = d->len;
  seg->writable = writable;
  if (writable) {
    w->seen_writable = true;
    chain->writable_bytes += d->len;
  } else {
    chain->readable_bytes += d->len;
  }
  return MODEL_OK;
}

/* 2.7.5.2#2, 2.7.5.3.1#5: with IN_ORDER, a chain goes on at the next
 * slot of the queue's table (0 after the last), and at the next entry of an
 * indirect table. */
static model_err check_in_order_next(struct dev_vq *vq, const struct walk *w, uint32_t i,
                                     uint16_t next) {
  if (!dev_vq_has_in_order(vq))
    return MODEL_OK;
  uint32_t expect = i + 1u;
  if (w->indirect && next != expect)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_IN_ORDER, "2.7.5.3.1#5", i, next);
  /* the queue's own table: its size is the queue size, a power of two */
  if (!w->indirect && next != (expect & (w->table_size - 1u)))
    return dev_vq_report_violation(vq, MODEL_ERR_RING_IN_ORDER, "2.7.5.2#2", i, next);
  return MODEL_OK;
}

/*
 * Walk the chain from `head`. Each table's walk is bounded by the table's
 * size: a chain that has not ended after visiting as many descriptors as
 * the table holds revisits one, i.e. loops (reported, never followed).
 */
static model_err walk_chain(struct dev_vq *vq, uint16_t head, struct dev_chain *chain) {
  struct walk w = {.table = vq->desc_addr, .table_size = vq->size};
  uint32_t i = head;
  uint32_t steps = 0;
  for (;;) {
    if (steps >= w.table_size)
      return dev_vq_report_violation(vq, MODEL_ERR_RING_LOOP, "2.7.5.2#1", head, steps);
    steps++;
    struct desc d = {0};
    MODEL_TRY(read_desc(vq, w.table, i, &d));
    if ((d.flags & VIRTQ_DESC_F_INDIRECT) != 0) {
      MODEL_TRY(enter_indirect(vq, &w, &d));
      i = 0;
      steps = 0;
      continue;
    }
    MODEL_TRY(add_segment(vq, &w, &d, chain));
    if ((d.flags & VIRTQ_DESC_F_NEXT) == 0)
      return MODEL_OK;
    if (d.next >= w.table_size)
      return dev_vq_report_violation(vq, MODEL_ERR_RING_NEXT_RANGE, "2.7.5", d.next, w.table_size);
    MODEL_TRY(check_in_order_next(vq, &w, i, d.next));
    i = d.next;
  }
}

static void count_avail_advance(struct dev_vq *vq) {
  vq->last_avail_idx = (uint16_t)(vq->last_avail_idx + 1u); /* wraps at 2^16 on purpose */
  if (model_split_slot(vq->last_avail_idx, vq->size) == 0)
    sim_bus_count(vq->bus, SIM_CTR_RING_WRAPS, 1);
  if (vq->last_avail_idx == 0)
    sim_bus_count(vq->bus, SIM_CTR_IDX_WRAPS, 1);
}

/* misbehave point (write-descriptor-table, 2.7.5.1#3): write the head
 * descriptor's flags back as they were read. The driver sees no change;
 * the monitor sees the device write into the descriptor table. */
static void misbehave_touch_head_desc(struct dev_vq *vq, uint16_t head) {
  uint64_t flags_addr = vq->desc_addr + model_split_desc_off(head) + MODEL_SPLIT_DESC_OFF_FLAGS;
  uint16_t flags = 0;
  if (sim_bus_read_le16(vq->bus, SIM_ACTOR_DEVICE, flags_addr, &flags) != MODEL_OK)
    return;
  if (sim_bus_write_le16(vq->bus, SIM_ACTOR_DEVICE, flags_addr, flags) != MODEL_OK)
    return; /* a refused write changed nothing: the misbehaviour just failed */
}

model_err dev_vq_pop_split(struct dev_vq *vq, struct dev_chain *chain) {
  if (vq->last_avail_idx == vq->avail_idx_shadow) {
    uint16_t idx;
    MODEL_TRY(read_avail_idx(vq, &idx));
    MODEL_ENSURE(idx != vq->last_avail_idx, MODEL_ERR_RING_EMPTY);
  }
  uint16_t slot = model_split_slot(vq->last_avail_idx, vq->size);
  uint16_t head;
  model_err err = sim_bus_read_le16(vq->bus, SIM_ACTOR_DEVICE,
                                    vq->driver_addr + model_split_avail_ring_off(slot), &head);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.7.6", vq->driver_addr, slot);
  if (head >= vq->size)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_HEAD_RANGE, "2.7.5", head, vq->size);
  chain->id = head;
  chain->segs = vq->segs;
  MODEL_TRY(walk_chain(vq, head, chain));
  if (dev_misbehave_has(vq->misbehave, DEV_MISBEHAVE_WRITE_DESCRIPTOR_TABLE))
    misbehave_touch_head_desc(vq, head);
  count_avail_advance(vq);
  return dev_vq_popped(vq, chain, 1, vq->avail_pos);
}

/* Advance the used idx past one more used buffer. */
static void used_idx_advance(struct dev_vq *vq) {
  vq->used_idx = (uint16_t)(vq->used_idx + 1u); /* wraps at 2^16 on purpose */
  if (vq->used_idx == 0)
    sim_bus_count(vq->bus, SIM_CTR_IDX_WRAPS, 1);
}

model_err dev_vq_push_split(struct dev_vq *vq, uint16_t id, uint32_t len_written) {
  if (dev_vq_has_in_order(vq)) {
    used_idx_advance(vq); /* the element is written by the flush */
    dev_vq_count_push(vq);
    return MODEL_OK;
  }
  uint16_t slot = model_split_slot(vq->used_idx, vq->size);
  uint64_t elem = vq->device_addr + model_split_used_ring_off(slot);
  model_err err = MODEL_OK;
  /* misbehave point (publish-used-before-elem, 2.7.8.2#1): publish this
   * element's slot with the used idx first, then write the element. The
   * flush writes the same idx again, so the driver's view after the event
   * is unchanged. (used-len-too-big acts in the caller, net.c, which knows
   * the chain's writable bytes.) */
  if (dev_misbehave_has(vq->misbehave, DEV_MISBEHAVE_PUBLISH_USED_BEFORE_ELEM))
    err = sim_bus_write_le16(vq->bus, SIM_ACTOR_DEVICE, vq->device_addr + MODEL_SPLIT_USED_OFF_IDX,
                             (uint16_t)(vq->used_idx + 1u));
  if (err == MODEL_OK)
    err = sim_bus_write_le32(vq->bus, SIM_ACTOR_DEVICE, elem + MODEL_SPLIT_USED_ELEM_OFF_ID, id);
  if (err == MODEL_OK)
    err = sim_bus_write_le32(vq->bus, SIM_ACTOR_DEVICE, elem + MODEL_SPLIT_USED_ELEM_OFF_LEN,
                             len_written);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.7.8", elem, slot);
  used_idx_advance(vq);
  dev_vq_count_push(vq);
  return MODEL_OK;
}

/* 2.7.9: the pending pushes as used elements, one per run, each at the
 * used idx of its run's first buffer. */
static model_err write_pending_split(struct dev_vq *vq) {
  uint16_t idx = vq->used_idx_flushed;
  for (uint32_t i = 0; i < vq->pending_count;) {
    uint32_t last = dev_vq_pending_run_end(vq, i);
    const struct dev_vq_pending *p = &vq->pending[last];
    uint16_t slot = model_split_slot(idx, vq->size);
    uint64_t elem = vq->device_addr + model_split_used_ring_off(slot);
    model_err err =
        sim_bus_write_le32(vq->bus, SIM_ACTOR_DEVICE, elem + MODEL_SPLIT_USED_ELEM_OFF_ID, p->id);
    if (err == MODEL_OK)
      err = sim_bus_write_le32(vq->bus, SIM_ACTOR_DEVICE, elem + MODEL_SPLIT_USED_ELEM_OFF_LEN,
                               p->len);
    if (err != MODEL_OK)
      return dev_vq_report_violation(vq, err, "2.7.8", elem, slot);
    idx = (uint16_t)(idx + (last + 1u - i)); /* mod 2^16 on purpose */
    i = last + 1u;
  }
  assert(idx == vq->used_idx);
  vq->pending_count = 0;
  return MODEL_OK;
}

/* 2.7.7.2: is a used buffer notification owed for moving the used idx from
 * old_idx to new_idx? */
static model_err need_notification(struct dev_vq *vq, uint16_t old_idx, uint16_t new_idx,
                                   bool *need) {
  model_err err;
  if (has_event_idx(vq)) {
    /* #4: flags ignored; #5/#6: notify exactly when used_event is crossed. */
    uint16_t used_event;
    err = sim_bus_read_le16(vq->bus, SIM_ACTOR_DEVICE,
                            vq->driver_addr + model_split_used_event_off(vq->size), &used_event);
    if (err == MODEL_OK)
      *need = model_vring_need_event(used_event, new_idx, old_idx);
  } else {
    /* #1: used_event ignored; #2/#3: flags bit 0 decides. */
    uint16_t flags;
    err = sim_bus_read_le16(vq->bus, SIM_ACTOR_DEVICE,
                            vq->driver_addr + MODEL_SPLIT_AVAIL_OFF_FLAGS, &flags);
    if (err == MODEL_OK)
      *need = (flags & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
  }
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.7.7", vq->driver_addr, 0);
  return MODEL_OK;
}

model_err dev_vq_flush_split(struct dev_vq *vq, bool *need_irq) {
  *need_irq = false;
  if (vq->used_idx == vq->used_idx_flushed)
    return MODEL_OK;
  if (vq->pending_count > 0)
    MODEL_TRY(write_pending_split(vq));
  /* 2.7.8.2#1, #2: the elements (and the data) were written before idx
   * (publish-used-before-elem breaks this in push). */
  model_err err = sim_bus_write_le16(vq->bus, SIM_ACTOR_DEVICE,
                                     vq->device_addr + MODEL_SPLIT_USED_OFF_IDX, vq->used_idx);
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.7.8", vq->device_addr, vq->used_idx);
  uint16_t old_idx = vq->used_idx_flushed;
  vq->used_idx_flushed = vq->used_idx;
  bool need = false;
  MODEL_TRY(need_notification(vq, old_idx, vq->used_idx, &need));
  /* misbehave points irq-while-suppressed and skip-irq: in the count. */
  dev_vq_count_notification(vq, &need);
  *need_irq = need;
  return MODEL_OK;
}

model_err dev_vq_has_available_split(struct dev_vq *vq, bool *available) {
  uint16_t idx;
  MODEL_TRY(read_avail_idx(vq, &idx));
  *available = idx != vq->last_avail_idx;
  return MODEL_OK;
}

model_err dev_vq_notify_enable_split(struct dev_vq *vq, bool enable, bool *more_available) {
  *more_available = false;
  vq->notify_enabled = enable;
  model_err err = MODEL_OK;
  /* misbehave point (bad-used-flags): an undefined flags bit, written with
   * every change, in either mode (2.7.10.2#1 without EVENT_IDX, #2 with
   * it). Bit 1 leaves NO_NOTIFY as it should be. */
  bool bad_flags = dev_misbehave_has(vq->misbehave, DEV_MISBEHAVE_BAD_USED_FLAGS);
  if (!has_event_idx(vq) || bad_flags) {
    /* 2.7.10.2#1: flags is 0 or 1; #2: 0 with EVENT_IDX (written only by
     * the misbehaviour: the conformant device leaves it at 0). */
    uint16_t flags = (uint16_t)(enable || has_event_idx(vq) ? 0u : VIRTQ_USED_F_NO_NOTIFY);
    if (bad_flags)
      flags = (uint16_t)(flags | MISBEHAVE_USED_FLAGS_BIT);
    err = sim_bus_write_le16(vq->bus, SIM_ACTOR_DEVICE,
                             vq->device_addr + MODEL_SPLIT_USED_OFF_FLAGS, flags);
  }
  if (err == MODEL_OK && has_event_idx(vq) && enable) {
    /* 2.7.10.2#2: flags stays 0; ask to be notified once the driver makes
     * available the entry after the last one seen. Disabling writes
     * nothing: the stale avail_event lets at most one more notification
     * through, which the device tolerates (2.7.10.2#3). */
    err = sim_bus_write_le16(vq->bus, SIM_ACTOR_DEVICE,
                             vq->device_addr + model_split_avail_event_off(vq->size),
                             vq->avail_idx_shadow);
  }
  if (err != MODEL_OK)
    return dev_vq_report_violation(vq, err, "2.7.10", vq->device_addr, enable);
  if (!enable)
    return MODEL_OK;
  /* Buffers made available before the driver saw the request bring no
   * notification: re-check now. */
  return dev_vq_has_available_split(vq, more_available);
}
