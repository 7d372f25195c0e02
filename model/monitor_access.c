/*
 * model/monitor_access.c: guest-memory accesses, accesses mode only (see
 * model/monitor_impl.h). Each successful access by the driver or the device
 * is classified against what the monitor knows: the three areas of every
 * queue (ready, or known from an earlier QueueReady or the registers), the
 * ranges of every outstanding chain, and the indirect tables published in
 * the current event.
 *
 * Driver rules: 2.7.13.3.1#1 (a descriptor, indirect table or avail ring
 * entry written after the idx write that published it, in the same event:
 * the idx was not the last thing written), 3.3.1#1 (a descriptor or an
 * indirect table of an outstanding chain of a live queue rewritten later).
 * Device rules: 4.2.2.1#7 (a ring of a queue that is not ready touched; it
 * takes precedence over 2.1.2#1 and 2.4.1#2), 2.7.5.1#1 (a device-readable
 * buffer written), #2 (a device-writable buffer read), #3 (a descriptor table
 * or indirect table written). Writes to the avail ring (driver) and used ring
 * (device) go to monitor_ring.c, which follows idx, flags and event fields.
 *
 * Implementation notes: every access is classified, so the loops over
 * queues visit only those with a split shadow (mon->split_live: ready, with
 * a ring), in queue order as a loop over all of them would, and test each
 * ring's areas against their ends computed at QueueReady.
 */
#include "model/monitor_impl.h"
#include "model/packed.h"
#include "model/split.h"
#include "model/virtio.h"

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen) {
  uint64_t aend = alen > UINT64_MAX - a ? UINT64_MAX : a + alen;
  uint64_t bend = blen > UINT64_MAX - b ? UINT64_MAX : b + blen;
  return a < bend && b < aend;
}

static bool areas_hit(const struct mon_areas *ar, uint64_t addr, uint64_t len) {
  if (!ar->valid)
    return false;
  if (ar->packed)
    return overlaps(addr, len, ar->desc, model_packed_ring_size(ar->num)) ||
           overlaps(addr, len, ar->avail, MODEL_PACKED_EVENT_SIZE) ||
           overlaps(addr, len, ar->used, MODEL_PACKED_EVENT_SIZE);
  return overlaps(addr, len, ar->desc, model_split_desc_table_size(ar->num)) ||
         overlaps(addr, len, ar->avail, model_split_avail_size(ar->num)) ||
         overlaps(addr, len, ar->used, model_split_used_size(ar->num));
}

/* Does [addr, addr + len) lie in the device area of ar and nowhere else? */
static bool device_area_only(const struct mon_areas *ar, uint64_t addr, uint64_t len) {
  uint64_t size = ar->packed ? MODEL_PACKED_EVENT_SIZE : model_split_used_size(ar->num);
  uint64_t end = len > UINT64_MAX - addr ? UINT64_MAX : addr + len;
  bool inside = addr >= ar->used && end <= ar->used + size;
  return ar->valid && inside &&
         !overlaps(addr, len, ar->desc,
                   ar->packed ? model_packed_ring_size(ar->num)
                              : model_split_desc_table_size(ar->num)) &&
         !overlaps(addr, len, ar->avail,
                   ar->packed ? MODEL_PACKED_EVENT_SIZE : model_split_avail_size(ar->num));
}

/* The areas the registers of a not-ready queue describe, if complete. */
static struct mon_areas configured_areas(const struct model_mon *mon, const struct mon_queue *mq) {
  uint32_t num = mq->size_written ? mq->size : mq->size_max_known ? mq->size_max : 0u;
  struct mon_areas ar = {.valid = num != 0 && num <= MODEL_QUEUE_SIZE_MAX && mq->desc_addr != 0 &&
                                  mq->driver_addr != 0 && mq->device_addr != 0,
                         .packed = model_mon_has(mon, VIRTIO_F_RING_PACKED),
                         .num = num,
                         .desc = mq->desc_addr,
                         .avail = mq->driver_addr,
                         .used = mq->device_addr};
  return ar;
}

static bool is_live(const struct model_mon *mon) {
  return (mon->status & VIRTIO_STATUS_DRIVER_OK) != 0 && !model_mon_driver_excused(mon);
}

/* ---- driver ---------------------------------------------------------------- */

/* A driver write into ring descriptors [first, last] of queue q. */
static void desc_rewrite(struct model_mon *mon, uint16_t q, struct mon_ring *ring, uint64_t first,
                         uint64_t last) {
  uint32_t now = mon->event_id + 1u;
  for (uint64_t d = first; d <= last && d < ring->num; d++) {
    bool published_now = ring->desc_pub_mark[d] == now;
    ring->desc_write_mark[d] = now;
    if (published_now && !ring->desc_pub_ready[d]) {
      (void)model_mon_judge(mon, MON_C_2_7_13_3_1_1, false, q, d, 0,
                            "queue %u descriptor %u written after the avail idx that published it",
                            (unsigned)q, (unsigned)d);
      continue;
    }
    model_mon_eval(mon, MON_C_2_7_13_3_1_1);
    uint16_t owner = ring->desc_owner[d];
    if (!is_live(mon))
      continue;
    if (published_now)
      model_mon_violate(mon, MON_C_3_3_1_1, q, d, 0,
                        "queue %u descriptor %u rewritten after an avail idx exposed it",
                        (unsigned)q, (unsigned)d);
    else if (!model_mon_holds(mon, MON_C_3_3_1_1, owner == MON_NONE16))
      model_mon_violate(mon, MON_C_3_3_1_1, q, d, owner,
                        "queue %u descriptor %u of the outstanding chain at head %u "
                        "rewritten",
                        (unsigned)q, (unsigned)d, (unsigned)owner);
  }
}

/* A driver write into an indirect table: one published in this event (not
 * yet judged), or one of an outstanding chain. */
static bool table_rewrite(struct model_mon *mon, uint64_t addr, uint64_t len) {
  for (size_t i = 0; i < mon->pub_table_count; i++) {
    if (overlaps(addr, len, mon->pub_tables[i].addr, mon->pub_tables[i].len)) {
      (void)model_mon_judge(mon, MON_C_2_7_13_3_1_1, false, addr, len, 0,
                            "indirect table at 0x%llx written after the avail idx that published "
                            "it",
                            (unsigned long long)mon->pub_tables[i].addr);
      return true;
    }
  }
  for (uint32_t live = mon->split_live; live != 0; live &= live - 1u) {
    uint16_t q = model_mon_live_first(live);
    struct mon_ring *ring = mon->queues[q].ring; /* live: ready, with a ring */
    if (ring->table_count == 0)
      continue;
    const struct mon_range *r = model_mon_ranges_find(ring, addr, len, 1u << MON_RANGE_TABLE);
    if (r == NULL)
      continue;
    if (model_mon_ring_head_published_now(mon, ring, r->head)) {
      (void)model_mon_judge(mon, MON_C_2_7_13_3_1_1, false, q, r->head, addr,
                            "queue %u indirect table of head %u written after its avail idx",
                            (unsigned)q, (unsigned)r->head);
      return true;
    }
    if (is_live(mon))
      (void)model_mon_judge(mon, MON_C_3_3_1_1, false, q, r->head, addr,
                            "queue %u indirect table of the outstanding chain at head %u "
                            "rewritten",
                            (unsigned)q, (unsigned)r->head);
    return true;
  }
  return false;
}

static void driver_write(struct model_mon *mon, uint64_t addr, uint64_t len) {
  uint64_t end = len > UINT64_MAX - addr ? UINT64_MAX : addr + len;
  for (uint32_t live = mon->split_live; live != 0; live &= live - 1u) {
    uint16_t q = model_mon_live_first(live);
    struct mon_ring *ring = mon->queues[q].ring; /* live: ready, with a ring */
    if (addr < ring->desc_end && ring->desc < end) {
      uint64_t lo = addr > ring->desc ? addr - ring->desc : 0;
      uint64_t hi = (end < ring->desc_end ? end : ring->desc_end) - ring->desc - 1u;
      desc_rewrite(mon, q, ring, lo / MODEL_SPLIT_DESC_SIZE, hi / MODEL_SPLIT_DESC_SIZE);
    }
    if (addr < ring->avail_end && ring->avail < end) {
      uint64_t lo = addr > ring->avail ? addr - ring->avail : 0;
      uint64_t hi = (end < ring->avail_end ? end : ring->avail_end) - ring->avail;
      model_mon_ring_driver_area_write(mon, q, lo, hi - lo);
    }
  }
  (void)table_rewrite(mon, addr, len);
}

/* ---- device ------------------------------------------------------------------ */

/* The areas of ready queues; true if one was hit. */
static bool device_rings(struct model_mon *mon, uint64_t addr, uint64_t len, bool write) {
  uint64_t end = len > UINT64_MAX - addr ? UINT64_MAX : addr + len;
  bool hit = false;
  for (uint32_t live = mon->split_live; live != 0; live &= live - 1u) {
    uint16_t q = model_mon_live_first(live);
    struct mon_ring *ring = mon->queues[q].ring; /* live: ready, with a ring */
    bool in_desc = addr < ring->desc_end && ring->desc < end;
    bool in_used = addr < ring->used_end && ring->used < end;
    if (!in_desc && !in_used && !(addr < ring->avail_end && ring->avail < end))
      continue;
    hit = true;
    model_mon_eval(mon, MON_C_4_2_2_1_7);
    if (write && in_desc)
      model_mon_violate(mon, MON_C_2_7_5_1_3, q, addr, len,
                        "device write of 0x%llx+%llu in the descriptor table of queue %u",
                        (unsigned long long)addr, (unsigned long long)len, (unsigned)q);
    if (write && in_used) {
      uint64_t lo = addr > ring->used ? addr - ring->used : 0;
      uint64_t hi = (end < ring->used_end ? end : ring->used_end) - ring->used;
      model_mon_ring_device_area_write(mon, q, lo, hi - lo);
    }
  }
  return hit;
}

/* 2.7.5.1#1-#3 against the outstanding chains of every ready queue; true if
 * the access broke one of them. */
static bool device_buffers(struct model_mon *mon, uint64_t addr, uint64_t len, bool write) {
  unsigned bad = write ? (1u << MON_RANGE_READ) | (1u << MON_RANGE_TABLE) : 1u << MON_RANGE_WRITE;
  for (uint32_t live = mon->split_live; live != 0; live &= live - 1u) {
    uint16_t q = model_mon_live_first(live);
    struct mon_ring *ring = mon->queues[q].ring; /* live: ready, with a ring */
    const struct mon_range *r = model_mon_ranges_find(ring, addr, len, bad);
    if (r == NULL)
      continue;
    if (!write)
      model_mon_violate(mon, MON_C_2_7_5_1_2, q, r->head, addr,
                        "device read of 0x%llx+%llu in a device-writable buffer of head %u, "
                        "queue %u",
                        (unsigned long long)addr, (unsigned long long)len, (unsigned)r->head,
                        (unsigned)q);
    else if (r->kind == MON_RANGE_TABLE)
      model_mon_violate(mon, MON_C_2_7_5_1_3, q, r->head, addr,
                        "device write of 0x%llx+%llu in the indirect table of head %u, queue %u",
                        (unsigned long long)addr, (unsigned long long)len, (unsigned)r->head,
                        (unsigned)q);
    else
      model_mon_violate(mon, MON_C_2_7_5_1_1, q, r->head, addr,
                        "device write of 0x%llx+%llu in a device-readable buffer of head %u, "
                        "queue %u",
                        (unsigned long long)addr, (unsigned long long)len, (unsigned)r->head,
                        (unsigned)q);
    return true;
  }
  return false;
}

/* Does the access touch any outstanding chain of a ready queue? */
static bool in_outstanding(struct model_mon *mon, uint64_t addr, uint64_t len) {
  unsigned all = (1u << MON_RANGE_READ) | (1u << MON_RANGE_WRITE) | (1u << MON_RANGE_TABLE);
  for (uint32_t live = mon->split_live; live != 0; live &= live - 1u) {
    uint16_t q = model_mon_live_first(live);
    if (model_mon_ranges_find(mon->queues[q].ring, addr, len, all) != NULL)
      return true;
  }
  return false;
}

/* 4.2.2.1#7: an access that is neither in a ready queue's rings nor in an
 * outstanding buffer, but in the rings a not-ready queue had or is given. */
static void device_unready(struct model_mon *mon, uint64_t addr, uint64_t len, bool write) {
  for (uint16_t q = 0; q < MODEL_MON_QUEUES_MAX; q++) {
    const struct mon_queue *mq = &mon->queues[q];
    if (mq->ready)
      continue;
    if (!mq->last_ready.valid && mq->desc_addr == 0)
      continue; /* no areas at all (configured_areas needs a desc_addr) */
    struct mon_areas now = configured_areas(mon, mq);
    if (!areas_hit(&mq->last_ready, addr, len) && !areas_hit(&now, addr, len))
      continue;
    if (in_outstanding(mon, addr, len))
      return; /* memory a ready queue's buffer now uses */
    /* the device initialising its own area (a write to the device area of
     * the selected, configured queue) may be part of the QueueReady = 1
     * write that is about to be reported: held until then */
    if (write && q == mon->queue_sel && device_area_only(&now, addr, len) &&
        (!mon->unready_pend.valid || mon->unready_pend.q == q)) {
      if (!mon->unready_pend.valid) {
        mon->unready_pend.valid = true;
        mon->unready_pend.q = q;
        mon->unready_pend.write = write;
        mon->unready_pend.addr = addr;
        mon->unready_pend.len = len;
        mon->unready_pend.count = 0;
        mon->unready_pend.time_ticks = mon->now_ticks;
        mon->unready_pend.trace_pos = mon->trace_pos;
      }
      mon->unready_pend.count++;
      return;
    }
    (void)model_mon_judge(mon, MON_C_4_2_2_1_7, false, q, addr, len,
                          "device %s of 0x%llx+%llu in the rings of queue %u, not ready",
                          write ? "write" : "read", (unsigned long long)addr,
                          (unsigned long long)len, (unsigned)q);
    return;
  }
}

void model_mon_unready_flush(struct model_mon *mon, bool queue_ready_write) {
  if (!mon->unready_pend.valid)
    return;
  mon->unready_pend.valid = false;
  if (queue_ready_write && mon->queue_sel == mon->unready_pend.q) {
    /* the device set the queue up as it became ready */
    for (uint64_t i = 0; i < mon->unready_pend.count; i++)
      model_mon_eval(mon, MON_C_4_2_2_1_7);
    return;
  }
  uint64_t now_ticks = mon->now_ticks, now_pos = mon->trace_pos;
  mon->now_ticks = mon->unready_pend.time_ticks;
  mon->trace_pos = mon->unready_pend.trace_pos;
  for (uint64_t i = 0; i < mon->unready_pend.count; i++)
    (void)model_mon_judge(
        mon, MON_C_4_2_2_1_7, false, mon->unready_pend.q, mon->unready_pend.addr,
        mon->unready_pend.len, "device %s of 0x%llx+%llu in the rings of queue %u, not ready",
        mon->unready_pend.write ? "write" : "read", (unsigned long long)mon->unready_pend.addr,
        (unsigned long long)mon->unready_pend.len, (unsigned)mon->unready_pend.q);
  mon->unready_pend.count = 0;
  mon->now_ticks = now_ticks;
  mon->trace_pos = now_pos;
}

static void device_access(struct model_mon *mon, uint64_t addr, uint64_t len, bool write) {
  if (write) {
    model_mon_eval(mon, MON_C_2_7_5_1_1);
    model_mon_eval(mon, MON_C_2_7_5_1_3);
  } else {
    model_mon_eval(mon, MON_C_2_7_5_1_2);
  }
  if (device_rings(mon, addr, len, write) || device_buffers(mon, addr, len, write))
    return;
  device_unready(mon, addr, len, write);
}

void model_mon_access(struct model_mon *mon, enum model_mon_actor actor, uint64_t addr,
                      uint64_t len, bool write) {
  /* a packed queue is rare: its handler is not even called without one */
  if (actor != MODEL_MON_OTHER && model_mon_packed_any(mon) &&
      model_mon_packed_access(mon, actor, addr, len, write))
    return;
  if (actor == MODEL_MON_DEVICE && model_mon_packed_any(mon)) {
    device_unready(mon, addr, len, write); /* the split rules have no ring to judge */
    return;
  }
  switch (actor) {
  case MODEL_MON_DRIVER:
    if (write)
      driver_write(mon, addr, len);
    return;
  case MODEL_MON_DEVICE:
    device_access(mon, addr, len, write);
    return;
  case MODEL_MON_OTHER:
    return;
  }
}
