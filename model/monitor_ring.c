/*
 * model/monitor_ring.c: the monitor's shadow of each split ring (2.7) and
 * the checks publications trigger (see model/monitor_impl.h).
 *
 * Publications. The driver publishes by moving avail idx, the device by
 * moving used idx. A movement is noticed from the write itself (accesses
 * mode) or from a snapshot read that differs (snapshot mode), and is judged
 * at the next synchronisation point (a register access, an interrupt, the
 * end of an event): the monitor then reads the newly published entries and
 * walks their chains through model_mon_mem_ops, so a chain is judged as the
 * other side can first see it. Walks are bounded: each table by its size, a
 * chain by the queue size (a loop is reported, never followed).
 *
 * Driver rules: 2.7.1#1, 2.7.10.1#1 (at QueueReady), 2.7.4.2#1, 2.7.5.2#1,
 * 2.7.5.3.1#1-#4 (each chain), 2.7.6.1#1 (idx movement), 2.7.7.1#1, #2 (avail
 * flags), 2.7.10.1#3, #4, #6, #7 (available buffer notifications), 3.3.1#1
 * (a head made available again while outstanding, a chain sharing an
 * outstanding chain's descriptor). Device rules: 2.7.7.2#2, #3, #5, #6 (used
 * buffer notifications), 2.7.8.2#1 (element before idx, accesses only),
 * 2.7.8.2#2 (len within the writable bytes), 2.7.10.2#1, #2 (used flags),
 * 2.1.2#1, 2.4.1#2 (the used ring worked without DRIVER_OK: each device
 * write to it with accesses, a used idx movement with snapshots only).
 *
 * In-order use (VIRTIO_F_IN_ORDER): driver rules 2.7.5.2#2 and 2.7.5.3.1#5
 * (each chain walk); device rule 6.2#3: one used entry stands for the
 * oldest outstanding buffers up to the head it names (a batch, 2.7.9), and
 * the used idx must cover the whole batch; a head named while older ones
 * are outstanding and the idx does not cover them is used out of order.
 * With batches the slots a batch skips hold stale entries, so only the
 * first slot of each idx write is held to 2.7.8.2#1, and the payload checks
 * at use (monitor_net.c) read a publication only if it has no batch.
 *
 * A packed queue (VIRTIO_F_RING_PACKED) has no split shadow: the QueueReady
 * and QueueNotify hooks here hand it to monitor_packed.c.
 *
 * Notification windows: the driver owes a notification for a publication
 * that crosses avail_event (or while used flags is 0) and must send it
 * before its event ends; a notification is judged against everything
 * published since the previous one, a superset of what the driver itself
 * looked at, so a driver that follows 2.7.10.1 is never blamed. The device
 * side is the mirror image with used_event and avail flags.
 */
#include <stdlib.h>
#include <string.h>

#include "model/monitor_impl.h"
#include "model/net.h"
#include "model/split.h"
#include "model/virtio.h"

static bool driver_rules(const struct model_mon *mon) {
  return !model_mon_driver_excused(mon);
}

static bool is_live(const struct model_mon *mon) {
  return (mon->status & VIRTIO_STATUS_DRIVER_OK) != 0;
}

static uint32_t queue_num(const struct mon_queue *mq) {
  if (mq->size_written)
    return mq->size;
  return mq->size_max_known ? mq->size_max : 0u;
}

void model_mon_queues_update(struct model_mon *mon) {
  mon->split_live = mon->packed_live = 0;
  for (uint16_t q = 0; q < MODEL_MON_QUEUES_MAX; q++) {
    const struct mon_queue *mq = &mon->queues[q];
    if (mq->ready && mq->ring != NULL)
      mon->split_live |= 1u << q;
    if (mq->ready && mq->pring != NULL)
      mon->packed_live |= 1u << q;
  }
}

/* ---- life cycle -------------------------------------------------------- */

void model_mon_ring_free(struct mon_ring *ring) {
  if (ring == NULL)
    return;
  model_mon_ranges_fini(ring);
  free(ring->heads);
  free(ring->desc_owner);
  free(ring->desc_chain_next);
  free(ring->desc_pub_mark);
  free(ring->desc_write_mark);
  free(ring->desc_pub_ready);
  free(ring->used_written);
  free(ring->segs);
  free(ring->order);
  free(ring);
}

static model_err ring_arrays(struct mon_ring *ring, uint32_t num) {
  ring->heads = calloc(num, sizeof(*ring->heads));
  ring->desc_owner = malloc(num * sizeof(*ring->desc_owner));
  ring->desc_chain_next = malloc(num * sizeof(*ring->desc_chain_next));
  ring->desc_pub_mark = calloc(num, sizeof(*ring->desc_pub_mark));
  ring->desc_write_mark = calloc(num, sizeof(*ring->desc_write_mark));
  ring->desc_pub_ready = calloc(num, sizeof(*ring->desc_pub_ready));
  ring->used_written = calloc(num, sizeof(*ring->used_written));
  ring->segs = calloc(num + 1u, sizeof(*ring->segs));
  ring->order = calloc(num, sizeof(*ring->order));
  MODEL_ENSURE(ring->heads != NULL && ring->desc_owner != NULL && ring->desc_chain_next != NULL &&
                   ring->desc_pub_mark != NULL && ring->desc_write_mark != NULL &&
                   ring->desc_pub_ready != NULL && ring->used_written != NULL &&
                   ring->segs != NULL && ring->order != NULL,
               MODEL_ERR_NO_MEMORY);
  for (uint32_t i = 0; i < num; i++) {
    ring->desc_owner[i] = MON_NONE16;
    ring->desc_chain_next[i] = MON_NONE16;
    ring->heads[i].first_range = MON_NONE32;
    ring->heads[i].last_range = MON_NONE32;
    ring->heads[i].first_desc = MON_NONE16;
  }
  uint32_t cap = MON_RANGES_PER_HEAD * num;
  return model_mon_ranges_init(ring, cap < 16u ? 16u : cap);
}

static uint64_t area_end(uint64_t addr, uint64_t size) {
  return size > UINT64_MAX - addr ? UINT64_MAX : addr + size;
}

model_err model_mon_ring_create(struct model_mon *mon, uint16_t q) {
  struct mon_queue *mq = &mon->queues[q];
  model_mon_ring_free(mq->ring);
  mq->ring = NULL;
  model_mon_packed_free(mq->pring);
  mq->pring = NULL;
  if (model_mon_has(mon, VIRTIO_F_RING_PACKED))
    return model_mon_packed_create(mon, q); /* the format follows FEATURES_OK */
  uint32_t num = queue_num(mq);
  MODEL_ENSURE(model_split_queue_size_ok(num), MODEL_ERR_QUEUE_SIZE);
  mq->last_ready = (struct mon_areas){
      .valid = true,
      .num = num,
      .desc = mq->desc_addr,
      .avail = mq->driver_addr,
      .used = mq->device_addr,
  };
  struct mon_ring *ring = calloc(1, sizeof(*ring));
  MODEL_ENSURE(ring != NULL, MODEL_ERR_NO_MEMORY);
  ring->num = num;
  ring->desc = mq->desc_addr;
  ring->avail = mq->driver_addr;
  ring->used = mq->device_addr;
  ring->desc_end = area_end(ring->desc, model_split_desc_table_size(num));
  ring->avail_end = area_end(ring->avail, model_split_avail_size(num));
  ring->used_end = area_end(ring->used, model_split_used_size(num));
  ring->prio_state = 0x9e3779b9u;
  model_err err = ring_arrays(ring, num);
  if (err != MODEL_OK) {
    model_mon_ring_free(ring);
    return err;
  }
  /* Indices start at 0 (2.7.6, 2.7.8); flags and event fields as found. */
  (void)model_mon_peek_le16(mon, ring->avail + MODEL_SPLIT_AVAIL_OFF_FLAGS, &ring->avail_flags);
  (void)model_mon_peek_le16(mon, ring->avail + model_split_used_event_off(num), &ring->used_event);
  (void)model_mon_peek_le16(mon, ring->used + MODEL_SPLIT_USED_OFF_FLAGS, &ring->used_flags);
  (void)model_mon_peek_le16(mon, ring->used + model_split_avail_event_off(num), &ring->avail_event);
  mq->ring = ring;
  return MODEL_OK;
}

void model_mon_ring_judge_ready(struct model_mon *mon, uint16_t q) {
  const struct mon_queue *mq = &mon->queues[q];
  if (model_mon_has(mon, VIRTIO_F_RING_PACKED)) {
    model_mon_packed_judge_ready(mon, q); /* it knows when the driver is excused */
    return;
  }
  if (!driver_rules(mon))
    return;
  /* 2.7.1#1: each area at its alignment */
  bool aligned = mq->desc_addr % MODEL_SPLIT_DESC_ALIGN == 0 &&
                 mq->driver_addr % MODEL_SPLIT_AVAIL_ALIGN == 0 &&
                 mq->device_addr % MODEL_SPLIT_USED_ALIGN == 0;
  (void)model_mon_judge(mon, MON_C_2_7_1_1, aligned, mq->desc_addr, mq->driver_addr,
                        mq->device_addr, "queue %u areas 0x%llx/0x%llx/0x%llx misaligned",
                        (unsigned)q, (unsigned long long)mq->desc_addr,
                        (unsigned long long)mq->driver_addr, (unsigned long long)mq->device_addr);
  /* 2.7.10.1#1: used flags start at 0 */
  uint16_t flags = 0;
  if (model_mon_peek_le16(mon, mq->device_addr + MODEL_SPLIT_USED_OFF_FLAGS, &flags))
    (void)model_mon_judge(mon, MON_C_2_7_10_1_1, flags == 0, flags, q, 0,
                          "queue %u used flags 0x%x at QueueReady", (unsigned)q, (unsigned)flags);
}

/* ---- chains ------------------------------------------------------------- */

struct desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};

static bool desc_read(const struct model_mon *mon, uint64_t table, uint32_t i, struct desc *d) {
  uint8_t b[MODEL_SPLIT_DESC_SIZE];
  if (!model_mon_peek(mon, table + model_split_desc_off(i), b, sizeof(b)))
    return false;
  d->addr = mon_le64(b + MODEL_SPLIT_DESC_OFF_ADDR);
  d->len = mon_le32(b + MODEL_SPLIT_DESC_OFF_LEN);
  d->flags = mon_le16(b + MODEL_SPLIT_DESC_OFF_FLAGS);
  d->next = mon_le16(b + MODEL_SPLIT_DESC_OFF_NEXT);
  return true;
}

/* Ring descriptor i joins head's chain, unless another outstanding chain
 * holds it (3.3.1#1: the driver altered an exposed buffer's entry). */
static void chain_own(struct model_mon *mon, uint16_t q, struct mon_ring *ring, uint16_t head,
                      uint32_t i, uint16_t *last) {
  uint16_t owner = ring->desc_owner[i];
  if (owner == head)
    return; /* revisited: the walk's bound reports the loop */
  if (owner != MON_NONE16) {
    if (is_live(mon) && driver_rules(mon))
      model_mon_violate(mon, MON_C_3_3_1_1, i, head, owner,
                        "queue %u: chain at head %u uses descriptor %u of the outstanding chain "
                        "at head %u",
                        (unsigned)q, (unsigned)head, (unsigned)i, (unsigned)owner);
    return;
  }
  ring->desc_owner[i] = head;
  ring->desc_chain_next[i] = MON_NONE16;
  if (*last == MON_NONE16)
    ring->heads[head].first_desc = (uint16_t)i;
  else
    ring->desc_chain_next[*last] = (uint16_t)i;
  *last = (uint16_t)i;
}

/* What a walk found wrong; each flag false once the rule broke. */
struct walk_result {
  bool order_ok, loop_ok, count_ok, ind_feature_ok, ind_nested_ok, ind_flags_ok;
  bool in_order_ok, in_order_ind_ok; /* IN_ORDER: next = x + 1 (2.7.5.2#2, 2.7.5.3.1#5) */
  bool indirect_seen;
  uint64_t bytes;
  uint32_t count, bad_value;
};

struct walk {
  uint64_t table;
  uint32_t table_size, steps, i;
  bool indirect, seen_writable;
  uint16_t last_desc;
};

/* One buffer descriptor; false ends the walk. */
static bool walk_buffer(struct mon_ring *ring, uint16_t head, struct walk *w, const struct desc *d,
                        struct walk_result *r) {
  bool writable = (d->flags & VIRTQ_DESC_F_WRITE) != 0;
  if (!writable && w->seen_writable && r->order_ok) {
    r->order_ok = false;
    r->bad_value = w->i;
  }
  if (++r->count > ring->num) {
    r->count_ok = false;
    return false;
  }
  r->bytes += d->len;
  if (r->bytes > ((uint64_t)1 << 32)) {
    r->loop_ok = false;
    return false;
  }
  ring->segs[ring->seg_count++] =
      (struct mon_seg){.addr = d->addr, .len = d->len, .writable = writable};
  if (d->len > 0)
    (void)model_mon_ranges_add(ring, head, d->addr, d->len,
                               writable ? MON_RANGE_WRITE : MON_RANGE_READ);
  struct mon_head *h = &ring->heads[head];
  if (writable) {
    w->seen_writable = true;
    h->writable += d->len;
  } else {
    h->readable += d->len;
  }
  return true;
}

/* An INDIRECT descriptor; false ends the walk. */
static bool walk_indirect(struct model_mon *mon, struct mon_ring *ring, uint16_t head,
                          struct walk *w, const struct desc *d, struct walk_result *r) {
  if (!model_mon_has(mon, VIRTIO_F_INDIRECT_DESC)) {
    r->ind_feature_ok = false;
    return false;
  }
  if (w->indirect) {
    r->ind_nested_ok = false;
    return false;
  }
  if ((d->flags & VIRTQ_DESC_F_NEXT) != 0) {
    r->ind_flags_ok = false;
    return false;
  }
  if (d->len == 0 || d->len % MODEL_SPLIT_DESC_SIZE != 0)
    return false; /* 2.7.5.3: no statement of ours; the device refuses it */
  (void)model_mon_ranges_add(ring, head, d->addr, d->len, MON_RANGE_TABLE);
  w->table = d->addr;
  w->table_size = d->len / MODEL_SPLIT_DESC_SIZE;
  w->indirect = true;
  r->indirect_seen = true;
  w->steps = 0;
  w->i = 0;
  return true;
}

static void walk_chain(struct model_mon *mon, uint16_t q, struct mon_ring *ring, uint16_t head,
                       struct walk_result *r) {
  struct walk w = {
      .table = ring->desc, .table_size = ring->num, .i = head, .last_desc = MON_NONE16};
  for (;;) {
    if (w.steps >= w.table_size) {
      r->loop_ok = false; /* 2.7.5.2#1: longer than its table: a loop */
      return;
    }
    w.steps++;
    struct desc d;
    if (!desc_read(mon, w.table, w.i, &d))
      return;
    if (!w.indirect)
      chain_own(mon, q, ring, head, w.i, &w.last_desc);
    if ((d.flags & VIRTQ_DESC_F_INDIRECT) != 0) {
      if (!walk_indirect(mon, ring, head, &w, &d, r))
        return;
      continue;
    }
    if (!walk_buffer(ring, head, &w, &d, r))
      return;
    if ((d.flags & VIRTQ_DESC_F_NEXT) == 0 || d.next >= w.table_size)
      return; /* the end, or a next out of range (2.7.5: the device's to refuse) */
    if (model_mon_has(mon, VIRTIO_F_IN_ORDER)) {
      if (w.indirect)
        r->in_order_ind_ok = r->in_order_ind_ok && d.next == w.i + 1u;
      else
        r->in_order_ok = r->in_order_ok && d.next == (w.i + 1u) % ring->num;
    }
    w.i = d.next;
  }
}

static void judge_chain(struct model_mon *mon, uint16_t q, uint16_t head,
                        const struct walk_result *r) {
  unsigned qq = q, hh = head;
  if (!model_mon_holds(mon, MON_C_2_7_4_2_1, r->order_ok))
    model_mon_violate(mon, MON_C_2_7_4_2_1, q, head, r->bad_value,
                      "queue %u chain at head %u: readable descriptor after a writable one", qq,
                      hh);
  if (!model_mon_holds(mon, MON_C_2_7_5_2_1, r->loop_ok))
    model_mon_violate(mon, MON_C_2_7_5_2_1, q, head, r->bytes,
                      "queue %u chain at head %u loops or exceeds 2^32 bytes", qq, hh);
  if (!model_mon_holds(mon, MON_C_2_7_5_3_1_3, r->count_ok))
    model_mon_violate(mon, MON_C_2_7_5_3_1_3, q, head, r->count,
                      "queue %u chain at head %u has more descriptors than the queue size", qq, hh);
  if (!model_mon_holds(mon, MON_C_2_7_5_3_1_1, r->ind_feature_ok))
    model_mon_violate(mon, MON_C_2_7_5_3_1_1, q, head, 0,
                      "queue %u chain at head %u: INDIRECT without INDIRECT_DESC", qq, hh);
  if (!model_mon_holds(mon, MON_C_2_7_5_3_1_2, r->ind_nested_ok))
    model_mon_violate(mon, MON_C_2_7_5_3_1_2, q, head, 0,
                      "queue %u chain at head %u: INDIRECT inside an indirect table", qq, hh);
  if (!model_mon_holds(mon, MON_C_2_7_5_3_1_4, r->ind_flags_ok))
    model_mon_violate(mon, MON_C_2_7_5_3_1_4, q, head, 0,
                      "queue %u chain at head %u: INDIRECT together with NEXT", qq, hh);
  if (!model_mon_has(mon, VIRTIO_F_IN_ORDER))
    return;
  if (!model_mon_holds(mon, MON_C_2_7_5_2_2, r->in_order_ok))
    model_mon_violate(mon, MON_C_2_7_5_2_2, q, head, 0,
                      "queue %u chain at head %u: with IN_ORDER a next is not the following "
                      "slot",
                      qq, hh);
  if (r->indirect_seen && !model_mon_holds(mon, MON_C_2_7_5_3_1_5, r->in_order_ind_ok))
    model_mon_violate(mon, MON_C_2_7_5_3_1_5, q, head, 0,
                      "queue %u chain at head %u: with IN_ORDER indirect entries are not "
                      "sequential",
                      qq, hh);
}

static void head_release(struct mon_ring *ring, uint16_t head) {
  struct mon_head *h = &ring->heads[head];
  model_mon_ranges_release(ring, head);
  uint16_t d = h->first_desc;
  for (uint32_t n = 0; d != MON_NONE16 && n < ring->num; n++) {
    uint16_t next = ring->desc_chain_next[d];
    if (ring->desc_owner[d] == head)
      ring->desc_owner[d] = MON_NONE16;
    ring->desc_chain_next[d] = MON_NONE16;
    d = next;
  }
  h->first_desc = MON_NONE16;
  h->outstanding = false;
  h->ranges_partial = false;
  h->readable = h->writable = 0;
}

/* One newly published avail entry. */
static void publish_entry(struct model_mon *mon, uint16_t q, struct mon_ring *ring, uint16_t idx) {
  uint16_t slot = model_split_slot(idx, ring->num);
  uint16_t head = 0;
  if (!model_mon_peek_le16(mon, ring->avail + model_split_avail_ring_off(slot), &head) ||
      head >= ring->num)
    return; /* unreadable, or a head out of range: 2.7.5 has no statement for it */
  bool judge = driver_rules(mon);
  if (ring->heads[head].outstanding) {
    /* 3.3.1#1: an exposed buffer is not made available again */
    if (judge && is_live(mon))
      (void)model_mon_judge(mon, MON_C_3_3_1_1, false, q, head, idx,
                            "queue %u: head %u made available again while outstanding", (unsigned)q,
                            (unsigned)head);
    return;
  }
  if (judge && is_live(mon))
    model_mon_eval(mon, MON_C_3_3_1_1);
  struct mon_head *h = &ring->heads[head];
  *h = (struct mon_head){.first_range = MON_NONE32,
                         .last_range = MON_NONE32,
                         .first_desc = MON_NONE16,
                         .outstanding = true};
  if (ring->pub_event == mon->event_id + 1u)
    h->pub_event = ring->pub_event;
  if (model_mon_has(mon, VIRTIO_F_IN_ORDER) && ring->order_count < ring->num) {
    ring->order[(ring->order_first + ring->order_count) % ring->num] = head;
    ring->order_count++;
  }
  ring->seg_count = 0;
  struct walk_result r = {true, true, true, true, true, true, true, true, false, 0, 0, 0};
  walk_chain(mon, q, ring, head, &r);
  if (!judge)
    return;
  judge_chain(mon, q, head, &r);
  bool well_formed = r.order_ok && r.loop_ok && r.count_ok && r.ind_feature_ok && r.ind_nested_ok &&
                     r.ind_flags_ok;
  if (well_formed) /* a payload is read only from a chain that has one */
    model_mon_net_published(mon, q, ring, head);
}

/* ---- available ring ------------------------------------------------------ */

/* Judge and catch up with everything published up to avail_idx_written. */
static void avail_process(struct model_mon *mon, uint16_t q, struct mon_ring *ring) {
  uint16_t count = (uint16_t)(ring->avail_idx_written - ring->avail_idx);
  if (count == 0)
    return;
  uint16_t old = ring->avail_idx;
  if (count > ring->num) /* cannot happen after 2.7.6.1#1; the last ring's worth */
    ring->avail_idx = (uint16_t)(ring->avail_idx_written - ring->num);
  for (uint16_t k = (uint16_t)(ring->avail_idx - old); k < count; k++)
    publish_entry(mon, q, ring, (uint16_t)(old + k));
  ring->avail_idx = ring->avail_idx_written;
  if (!driver_rules(mon) || !is_live(mon) || (mon->status & VIRTIO_STATUS_FAILED) != 0)
    return;
  /* 2.7.10.1#4 / #6: is a notification due for this publication? */
  ring->published_in_event = true;
  if (model_mon_has(mon, VIRTIO_F_EVENT_IDX)) {
    uint16_t avail_event = 0;
    if (model_mon_peek_le16(mon, ring->used + model_split_avail_event_off(ring->num),
                            &avail_event) &&
        model_vring_need_event(avail_event, ring->avail_idx, old))
      ring->notify_owed = true;
  } else {
    uint16_t flags = 0;
    if (model_mon_peek_le16(mon, ring->used + MODEL_SPLIT_USED_OFF_FLAGS, &flags) && flags == 0)
      ring->notify_owed = true;
  }
}

/* The driver's avail idx now reads new_idx (written, or seen by a snapshot). */
static void avail_idx_moved(struct model_mon *mon, uint16_t q, struct mon_ring *ring,
                            uint16_t new_idx) {
  uint16_t delta = (uint16_t)(new_idx - ring->avail_idx_written);
  if (delta != 0) /* 4.2.2.2#15: not on a stopped queue before the readback */
    model_mon_queue_stop_use(mon, q, "avail idx write");
  if (driver_rules(mon) && !model_mon_holds(mon, MON_C_2_7_6_1_1, delta <= ring->num))
    model_mon_violate(mon, MON_C_2_7_6_1_1, ring->avail_idx_written, new_idx, q,
                      "queue %u avail idx %u -> %u", (unsigned)q, (unsigned)ring->avail_idx_written,
                      (unsigned)new_idx);
  if (delta > ring->num) {
    avail_process(mon, q, ring);
    ring->avail_idx_written = new_idx;
    ring->avail_idx = new_idx; /* nothing to walk: resynchronised */
    return;
  }
  if (ring->pub_event != mon->event_id + 1u) {
    ring->pub_event = mon->event_id + 1u;
    ring->pub_from = ring->avail_idx_written;
  }
  ring->avail_idx_written = new_idx;
}

static void judge_avail_flags(struct model_mon *mon, uint16_t q, uint16_t flags) {
  if (!driver_rules(mon))
    return;
  if (model_mon_has(mon, VIRTIO_F_EVENT_IDX))
    (void)model_mon_judge(mon, MON_C_2_7_7_1_2, flags == 0, flags, q, 0,
                          "queue %u avail flags 0x%x with EVENT_IDX", (unsigned)q, (unsigned)flags);
  else
    (void)model_mon_judge(mon, MON_C_2_7_7_1_1, flags <= 1u, flags, q, 0,
                          "queue %u avail flags 0x%x", (unsigned)q, (unsigned)flags);
}

static void judge_used_flags(struct model_mon *mon, uint16_t q, uint16_t flags) {
  if (model_mon_has(mon, VIRTIO_F_EVENT_IDX))
    (void)model_mon_judge(mon, MON_C_2_7_10_2_2, flags == 0, flags, q, 0,
                          "queue %u used flags 0x%x with EVENT_IDX", (unsigned)q, (unsigned)flags);
  else
    (void)model_mon_judge(mon, MON_C_2_7_10_2_1, flags <= 1u, flags, q, 0,
                          "queue %u used flags 0x%x", (unsigned)q, (unsigned)flags);
}

/* Accesses mode: the descriptors of what an idx write just published are
 * marked now, before the chains are judged at the next synchronisation
 * point, so that a write to one of them later in the same event is seen:
 * one written before the idx write in this event is an exposed buffer
 * altered (3.3.1#1), one not yet written is being filled in after its idx
 * (2.7.13.3.1#1). Bounded like a walk; an INDIRECT descriptor ends it (its
 * next means nothing) and its table is noted for the same purpose. */
static void mark_published(struct model_mon *mon, struct mon_ring *ring, uint16_t from,
                           uint16_t to) {
  uint32_t mark = mon->event_id + 1u;
  for (uint16_t idx = from; idx != to; idx = (uint16_t)(idx + 1u)) {
    uint16_t head = 0;
    uint16_t slot = model_split_slot(idx, ring->num);
    if (!model_mon_peek_le16(mon, ring->avail + model_split_avail_ring_off(slot), &head) ||
        head >= ring->num)
      continue;
    uint32_t i = head;
    for (uint32_t steps = 0; steps < ring->num; steps++) {
      struct desc d;
      if (!desc_read(mon, ring->desc, i, &d))
        break;
      ring->desc_pub_mark[i] = mark;
      ring->desc_pub_ready[i] = ring->desc_write_mark[i] == mark;
      if ((d.flags & VIRTQ_DESC_F_INDIRECT) != 0) {
        if (mon->pub_table_count < MON_PUB_TABLES_MAX) {
          mon->pub_tables[mon->pub_table_count].addr = d.addr;
          mon->pub_tables[mon->pub_table_count].len = d.len;
          mon->pub_table_count++;
        }
        break;
      }
      if ((d.flags & VIRTQ_DESC_F_NEXT) == 0 || d.next >= ring->num)
        break;
      i = d.next;
    }
  }
}

/* 2.7.13.3.1#1: avail ring entries published earlier in this event. */
static void avail_slots_written(struct model_mon *mon, uint16_t q, struct mon_ring *ring,
                                uint64_t first, uint64_t last) {
  if (ring->pub_event != mon->event_id + 1u)
    return;
  uint16_t published = (uint16_t)(ring->avail_idx_written - ring->pub_from);
  for (uint64_t s = first; s <= last; s++) {
    uint16_t offset = (uint16_t)((s - ring->pub_from) & (ring->num - 1u));
    bool after = published >= ring->num || offset < published;
    (void)model_mon_judge(mon, MON_C_2_7_13_3_1_1, !after, q, s, ring->avail_idx_written,
                          "queue %u avail ring entry %u written after the idx that published it",
                          (unsigned)q, (unsigned)s);
  }
}

void model_mon_ring_driver_area_write(struct model_mon *mon, uint16_t q, uint64_t off,
                                      uint64_t len) {
  struct mon_ring *ring = model_mon_ring_of(mon, q);
  if (ring == NULL)
    return;
  uint64_t end = off + len;
  uint64_t ring_end = model_split_avail_ring_off(ring->num);
  if (off < ring_end && end > MODEL_SPLIT_AVAIL_OFF_RING)
    avail_slots_written(mon, q, ring,
                        (off > MODEL_SPLIT_AVAIL_OFF_RING ? off - MODEL_SPLIT_AVAIL_OFF_RING : 0) /
                            MODEL_SPLIT_AVAIL_ELEM_SIZE,
                        ((end < ring_end ? end : ring_end) - MODEL_SPLIT_AVAIL_OFF_RING - 1u) /
                            MODEL_SPLIT_AVAIL_ELEM_SIZE);
  uint16_t v = 0;
  if (off < MODEL_SPLIT_AVAIL_OFF_FLAGS + 2u &&
      model_mon_peek_le16(mon, ring->avail + MODEL_SPLIT_AVAIL_OFF_FLAGS, &v)) {
    judge_avail_flags(mon, q, v);
    ring->avail_flags = v;
  }
  if (off < MODEL_SPLIT_AVAIL_OFF_IDX + 2u && end > MODEL_SPLIT_AVAIL_OFF_IDX &&
      model_mon_peek_le16(mon, ring->avail + MODEL_SPLIT_AVAIL_OFF_IDX, &v)) {
    uint16_t from = ring->avail_idx_written;
    avail_idx_moved(mon, q, ring, v);
    if (ring->avail_idx_written == v && ring->avail_idx != v)
      mark_published(mon, ring, from, v);
  }
  uint64_t ue = model_split_used_event_off(ring->num);
  if (end > ue && off < ue + 2u)
    (void)model_mon_peek_le16(mon, ring->avail + ue, &ring->used_event);
}

bool model_mon_ring_head_published_now(const struct model_mon *mon, const struct mon_ring *ring,
                                       uint16_t head) {
  return ring->heads[head].pub_event == mon->event_id + 1u;
}

/* ---- used ring ------------------------------------------------------------ */

/* ---- in-order use (6.2#3) ------------------------------------------------------ */

static uint16_t order_at(const struct mon_ring *ring, uint32_t j) {
  return ring->order[(ring->order_first + j) % ring->num];
}

static void order_remove(struct mon_ring *ring, uint32_t j) {
  for (uint32_t k = j; k + 1u < ring->order_count; k++)
    ring->order[(ring->order_first + k) % ring->num] = order_at(ring, k + 1u);
  ring->order_count--;
}

/* The payload checks for the `count` entries from old, before any head is
 * released. With IN_ORDER an entry may stand for a batch (2.7.9): the
 * oldest outstanding buffers up to the head it names, each at its own used
 * index from the entry's on; the skipped ones were used completely, so
 * their len is their writable bytes. A cursor into the order list follows
 * what in_order_batch will release; once an entry does not fit it (6.2#3
 * broken, or a head published before IN_ORDER was known) the rest are
 * checked one entry each. */
static void used_net(struct model_mon *mon, uint16_t q, struct mon_ring *ring, uint16_t old,
                     uint16_t count) {
  if (mon->cfg.device_id != VIRTIO_ID_NET)
    return; /* the only device with payload checks */
  bool batches = model_mon_has(mon, VIRTIO_F_IN_ORDER);
  uint32_t pos = 0; /* order entries the entries before have covered */
  for (uint16_t k = 0; k < count; k++) {
    uint64_t elem =
        ring->used + model_split_used_ring_off(model_split_slot((uint16_t)(old + k), ring->num));
    uint32_t id = 0, len = 0;
    if (!model_mon_peek_le32(mon, elem + MODEL_SPLIT_USED_ELEM_OFF_ID, &id) ||
        !model_mon_peek_le32(mon, elem + MODEL_SPLIT_USED_ELEM_OFF_LEN, &len) || id >= ring->num ||
        !ring->heads[id].outstanding) {
      model_mon_net_used_gap(ring);
      continue;
    }
    uint32_t j = pos;
    while (batches && j < ring->order_count && order_at(ring, j) != id)
      j++;
    if (batches && (j == ring->order_count || j - pos >= (uint32_t)(count - k)))
      batches = false;
    for (; batches && pos < j; pos++, k++) {
      uint16_t x = order_at(ring, pos);
      uint64_t w = ring->heads[x].writable;
      model_mon_net_used(mon, q, ring, x, w < UINT32_MAX ? (uint32_t)w : UINT32_MAX,
                         (uint16_t)(old + k), (uint16_t)(count - k));
    }
    pos = j + 1u;
    model_mon_net_used(mon, q, ring, (uint16_t)id, len, (uint16_t)(old + k), (uint16_t)(count - k));
  }
}

/* IN_ORDER: the used entry names head, with `left` entries of the
 * publication left (this one included). One entry stands for the oldest
 * outstanding buffers up to head (a batch, 2.7.9); the ones before head
 * are released here. Returns how many entries the batch takes. */
static uint16_t in_order_batch(struct model_mon *mon, uint16_t q, struct mon_ring *ring,
                               uint16_t head, uint16_t left) {
  uint32_t j = 0;
  while (j < ring->order_count && order_at(ring, j) != head)
    j++;
  if (j == ring->order_count)
    return 1; /* published before IN_ORDER was known: not followed */
  if (!model_mon_judge(mon, MON_C_6_2_3, j < left, q, head, j,
                       "queue %u: head %u used while %u older buffers are outstanding", (unsigned)q,
                       (unsigned)head, (unsigned)j)) {
    order_remove(ring, j);
    return 1;
  }
  for (uint32_t k = 0; k < j; k++) {
    head_release(ring, order_at(ring, 0)); /* skipped: used completely (2.7.9) */
    ring->order_first = (ring->order_first + 1u) % ring->num;
    ring->order_count--;
  }
  ring->order_first = (ring->order_first + 1u) % ring->num;
  ring->order_count--;
  return (uint16_t)(j + 1u);
}

/* Judge and catch up with everything the device published. */
static void used_process(struct model_mon *mon, uint16_t q, struct mon_ring *ring) {
  uint16_t count = (uint16_t)(ring->used_idx_written - ring->used_idx);
  if (count == 0)
    return;
  uint16_t old = ring->used_idx;
  ring->used_idx = ring->used_idx_written;
  mon->used_moved_since_ack = true;
  if (count > ring->num) {
    ring->used_mark_count = 0;
    return; /* no device statement of ours; the driver finds it (2.7.8) */
  }
  if (!model_mon_accesses(mon) && !is_live(mon)) {
    /* snapshot mode: used entries without DRIVER_OK (2.1.2#1, 2.4.1#2) */
    enum mon_chk chk = model_mon_driver_ok_chk(mon);
    (void)model_mon_judge(mon, chk, false, q, old, ring->used_idx,
                          "queue %u used idx %u -> %u without DRIVER_OK", (unsigned)q,
                          (unsigned)old, (unsigned)ring->used_idx);
  }
  bool in_order = model_mon_has(mon, VIRTIO_F_IN_ORDER);
  used_net(mon, q, ring, old, count);
  ring->used_mark_count = 0;
  for (uint16_t k = 0, step = 1; k < count; k = (uint16_t)(k + step)) {
    uint64_t elem =
        ring->used + model_split_used_ring_off(model_split_slot((uint16_t)(old + k), ring->num));
    uint32_t id = 0, len = 0;
    step = 1;
    if (!model_mon_peek_le32(mon, elem + MODEL_SPLIT_USED_ELEM_OFF_ID, &id) ||
        !model_mon_peek_le32(mon, elem + MODEL_SPLIT_USED_ELEM_OFF_LEN, &len) || id >= ring->num ||
        !ring->heads[id].outstanding)
      continue; /* not an outstanding head: the driver's to find (2.7.8) */
    if (in_order)
      step = in_order_batch(mon, q, ring, (uint16_t)id, (uint16_t)(count - k));
    /* 2.7.8.2#2: no more than the chain let the device write */
    if (!model_mon_holds(mon, MON_C_2_7_8_2_2, len <= ring->heads[id].writable))
      model_mon_violate(mon, MON_C_2_7_8_2_2, len, ring->heads[id].writable, id,
                        "queue %u used len %u for head %u with %llu writable bytes", (unsigned)q,
                        (unsigned)len, (unsigned)id, (unsigned long long)ring->heads[id].writable);
    head_release(ring, (uint16_t)id);
  }
  if (!is_live(mon))
    return;
  /* 2.7.7.2#3 / #5: is a used buffer notification due? */
  ring->used_in_event = true;
  if (model_mon_has(mon, VIRTIO_F_EVENT_IDX)) {
    uint16_t used_event = 0;
    if (model_mon_peek_le16(mon, ring->avail + model_split_used_event_off(ring->num),
                            &used_event) &&
        model_vring_need_event(used_event, ring->used_idx, old))
      ring->irq_owed = true;
  } else {
    uint16_t flags = 0;
    if (model_mon_peek_le16(mon, ring->avail + MODEL_SPLIT_AVAIL_OFF_FLAGS, &flags) && flags == 0)
      ring->irq_owed = true;
  }
}

/* Accesses mode: used idx written; 2.7.8.2#1 for the slots it publishes. */
static void used_idx_written(struct model_mon *mon, uint16_t q, struct mon_ring *ring,
                             uint16_t new_idx) {
  uint16_t delta = (uint16_t)(new_idx - ring->used_idx_written);
  /* With IN_ORDER a batch's one entry is at its first slot and the slots
   * it skips keep stale values: only the first published slot is judged. */
  bool in_order = model_mon_has(mon, VIRTIO_F_IN_ORDER);
  if (delta <= ring->num) {
    for (uint16_t k = 0; k < delta; k++) {
      uint16_t slot = model_split_slot((uint16_t)(ring->used_idx_written + k), ring->num);
      uint8_t wrote = ring->used_written[slot];
      if (in_order && k > 0) {
        ring->used_written[slot] = 0;
        continue;
      }
      if (!model_mon_holds(mon, MON_C_2_7_8_2_1, wrote == (MON_USED_WROTE_ID | MON_USED_WROTE_LEN)))
        model_mon_violate(mon, MON_C_2_7_8_2_1, q, slot, wrote,
                          "queue %u used idx %u published slot %u before its %s was written",
                          (unsigned)q, (unsigned)new_idx, (unsigned)slot,
                          (wrote & MON_USED_WROTE_LEN) == 0 ? "len" : "id");
      ring->used_written[slot] = 0;
    }
  }
  ring->used_idx_written = new_idx;
  /* 5.1.9.4.1#4 needs to know every value the idx showed (monitor_net.c) */
  if (ring->used_mark_count < MON_USED_MARKS_MAX)
    ring->used_marks[ring->used_mark_count++] = new_idx;
}

void model_mon_ring_device_area_write(struct model_mon *mon, uint16_t q, uint64_t off,
                                      uint64_t len) {
  struct mon_ring *ring = model_mon_ring_of(mon, q);
  if (ring == NULL)
    return;
  uint64_t end = off + len;
  uint64_t ring_end = model_split_used_ring_off(ring->num);
  uint16_t v = 0;
  /* 2.1.2#1, 2.4.1#2: the device works its used ring only with DRIVER_OK */
  enum mon_chk chk = model_mon_driver_ok_chk(mon);
  if (!model_mon_holds(mon, chk, is_live(mon)))
    model_mon_violate(mon, chk, q, off, len,
                      "queue %u used ring written at offset %u without DRIVER_OK", (unsigned)q,
                      (unsigned)off);
  if (off < MODEL_SPLIT_USED_OFF_FLAGS + 2u &&
      model_mon_peek_le16(mon, ring->used + MODEL_SPLIT_USED_OFF_FLAGS, &v)) {
    judge_used_flags(mon, q, v);
    ring->used_flags = v;
  }
  if (off < ring_end && end > MODEL_SPLIT_USED_OFF_RING) {
    uint64_t lo = off > MODEL_SPLIT_USED_OFF_RING ? off - MODEL_SPLIT_USED_OFF_RING : 0;
    uint64_t hi = (end < ring_end ? end : ring_end) - MODEL_SPLIT_USED_OFF_RING; /* exclusive */
    /* each element the bytes [lo, hi) touch: its id, its len or both */
    for (uint64_t slot = lo / MODEL_SPLIT_USED_ELEM_SIZE; slot * MODEL_SPLIT_USED_ELEM_SIZE < hi;
         slot++) {
      uint64_t len_at = slot * MODEL_SPLIT_USED_ELEM_SIZE + MODEL_SPLIT_USED_ELEM_OFF_LEN;
      if (lo < len_at)
        ring->used_written[slot] |= MON_USED_WROTE_ID;
      if (hi > len_at)
        ring->used_written[slot] |= MON_USED_WROTE_LEN;
    }
  }
  if (off < MODEL_SPLIT_USED_OFF_IDX + 2u && end > MODEL_SPLIT_USED_OFF_IDX &&
      model_mon_peek_le16(mon, ring->used + MODEL_SPLIT_USED_OFF_IDX, &v))
    used_idx_written(mon, q, ring, v);
  uint64_t ae = model_split_avail_event_off(ring->num);
  if (end > ae && off < ae + 2u)
    (void)model_mon_peek_le16(mon, ring->used + ae, &ring->avail_event);
}

/* ---- synchronisation -------------------------------------------------------- */

static void snapshot(struct model_mon *mon, uint16_t q, struct mon_ring *ring) {
  uint16_t v = 0;
  if (model_mon_peek_le16(mon, ring->avail + MODEL_SPLIT_AVAIL_OFF_IDX, &v) &&
      v != ring->avail_idx_written)
    avail_idx_moved(mon, q, ring, v);
  if (model_mon_peek_le16(mon, ring->avail + MODEL_SPLIT_AVAIL_OFF_FLAGS, &v) &&
      v != ring->avail_flags) {
    judge_avail_flags(mon, q, v);
    ring->avail_flags = v;
  }
  (void)model_mon_peek_le16(mon, ring->avail + model_split_used_event_off(ring->num),
                            &ring->used_event);
  if (model_mon_peek_le16(mon, ring->used + MODEL_SPLIT_USED_OFF_IDX, &v) &&
      v != ring->used_idx_written)
    ring->used_idx_written = v;
  if (model_mon_peek_le16(mon, ring->used + MODEL_SPLIT_USED_OFF_FLAGS, &v) &&
      v != ring->used_flags) {
    judge_used_flags(mon, q, v);
    ring->used_flags = v;
  }
  (void)model_mon_peek_le16(mon, ring->used + model_split_avail_event_off(ring->num),
                            &ring->avail_event);
}

void model_mon_ring_sync(struct model_mon *mon) {
  for (uint32_t live = mon->split_live; live != 0; live &= live - 1u) {
    uint16_t q = model_mon_live_first(live);
    struct mon_ring *ring = mon->queues[q].ring; /* live: ready, with a ring */
    if (model_mon_snapshots(mon))
      snapshot(mon, q, ring);
    avail_process(mon, q, ring);
    used_process(mon, q, ring);
  }
}

void model_mon_ring_notify(struct model_mon *mon, uint32_t value) {
  uint32_t index = value;
  if (model_mon_has(mon, VIRTIO_F_NOTIFICATION_DATA))
    index = value & 0xffffu;
  if (index >= MODEL_MON_QUEUES_MAX)
    return;
  uint16_t q = (uint16_t)index;
  if (mon->queues[q].pring != NULL) {
    model_mon_packed_notify(mon, q); /* nothing while the queue is not ready */
    return;
  }
  struct mon_ring *ring = model_mon_ring_of(mon, q);
  if (ring == NULL)
    return;
  /* A driver whose read of the suppression fields failed notifies to be
   * safe; that is not held against it. */
  bool judge = driver_rules(mon) && is_live(mon) && !mon->failed_access[MON_SLOT_DRIVER];
  uint16_t v = 0;
  if (model_mon_has(mon, VIRTIO_F_EVENT_IDX)) {
    /* 2.7.10.1#7: not unless avail idx crossed avail_event since the last one */
    if (judge && model_mon_peek_le16(mon, ring->used + model_split_avail_event_off(ring->num), &v))
      (void)model_mon_judge(
          mon, MON_C_2_7_10_1_7,
          model_vring_need_event(v, ring->avail_idx, ring->avail_idx_at_notify), q, ring->avail_idx,
          v, "queue %u notified: avail idx %u -> %u did not cross avail_event %u", (unsigned)q,
          (unsigned)ring->avail_idx_at_notify, (unsigned)ring->avail_idx, (unsigned)v);
  } else if (judge && model_mon_peek_le16(mon, ring->used + MODEL_SPLIT_USED_OFF_FLAGS, &v) &&
             v <= 1u) {
    /* 2.7.10.1#3: not while used flags is NO_NOTIFY */
    (void)model_mon_judge(mon, MON_C_2_7_10_1_3, v == 0, q, v, 0,
                          "queue %u notified while used flags is NO_NOTIFY", (unsigned)q);
  }
  ring->notify_owed = false;
  ring->avail_idx_at_notify = ring->avail_idx;
}

void model_mon_ring_used_irq(struct model_mon *mon, bool judge) {
  bool event_idx = model_mon_has(mon, VIRTIO_F_EVENT_IDX);
  bool moved = false, justified = false, unknown = false;
  for (uint32_t live = judge ? mon->split_live : 0u; live != 0; live &= live - 1u) {
    const struct mon_ring *ring = mon->queues[model_mon_live_first(live)].ring;
    if (ring->used_idx == ring->used_idx_at_irq)
      continue;
    moved = true;
    uint16_t v = 0;
    if (event_idx) {
      if (!model_mon_peek_le16(mon, ring->avail + model_split_used_event_off(ring->num), &v))
        unknown = true;
      else if (model_vring_need_event(v, ring->used_idx, ring->used_idx_at_irq))
        justified = true;
    } else if (!model_mon_peek_le16(mon, ring->avail + MODEL_SPLIT_AVAIL_OFF_FLAGS, &v) || v > 1u) {
      unknown = true; /* the driver broke 2.7.7.1: the device owes nothing */
    } else if (v == 0) {
      justified = true;
    }
  }
  if (moved && !unknown && is_live(mon))
    /* 2.7.7.2#2 / #6: no used buffer notification the driver suppressed */
    (void)model_mon_judge(mon, event_idx ? MON_C_2_7_7_2_6 : MON_C_2_7_7_2_2, justified, 0, 0, 0,
                          event_idx ? "used buffer notification though no used idx crossed "
                                      "used_event"
                                    : "used buffer notification while every moved queue has "
                                      "NO_INTERRUPT");
  for (uint32_t live = mon->split_live; live != 0; live &= live - 1u) {
    struct mon_ring *ring = mon->queues[model_mon_live_first(live)].ring;
    ring->used_idx_at_irq = ring->used_idx;
    ring->irq_owed = false;
  }
}

void model_mon_ring_event_end(struct model_mon *mon) {
  bool event_idx = model_mon_has(mon, VIRTIO_F_EVENT_IDX);
  for (uint32_t live = mon->split_live; live != 0; live &= live - 1u) {
    uint16_t q = model_mon_live_first(live);
    struct mon_ring *ring = mon->queues[q].ring; /* live: ready, with a ring */
    enum mon_chk notify_chk = event_idx ? MON_C_2_7_10_1_6 : MON_C_2_7_10_1_4;
    enum mon_chk irq_chk = event_idx ? MON_C_2_7_7_2_5 : MON_C_2_7_7_2_3;
    if (ring->published_in_event && !mon->failed_access[MON_SLOT_DRIVER] && driver_rules(mon) &&
        (mon->status & VIRTIO_STATUS_FAILED) == 0 &&
        !model_mon_holds(mon, notify_chk, !ring->notify_owed))
      model_mon_violate(mon, notify_chk, q, ring->avail_idx, ring->avail_idx_at_notify,
                        "queue %u: buffers published up to avail idx %u and no notification",
                        (unsigned)q, (unsigned)ring->avail_idx);
    if (ring->used_in_event && !mon->failed_access[MON_SLOT_DEVICE] &&
        !model_mon_holds(mon, irq_chk, !ring->irq_owed))
      model_mon_violate(mon, irq_chk, q, ring->used_idx, ring->used_idx_at_irq,
                        "queue %u: used idx moved to %u and no used buffer notification",
                        (unsigned)q, (unsigned)ring->used_idx);
    ring->published_in_event = ring->used_in_event = false;
    ring->notify_owed = ring->irq_owed = false;
  }
}
