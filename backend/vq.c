/*
 * backend/vq.c: the format-neutral part of the device side of a virtqueue
 * (see vq.h): configuration from the register file, the queue state checks
 * every operation starts with, the dispatch to the ring format, violation
 * recording, and gather/scatter over a checked chain.
 *
 * Misbehaviours acting here (backend/misbehave.h): write-readable-buffer
 * and read-writable-buffer, on every chain popped.
 *
 * Invariant kept here: the format code is only reached for a usable queue
 * (ready, not broken), so it never touches ring memory while QueueReady is
 * zero (4.2.2.1#7) or after it reported a violation.
 *
 * The records of popped chains (inflight, a ring in pop order) and of
 * pushes not yet written (pending, in push order) are kept here for packed
 * queues and in-order split queues (vq.h). A push marks its chain's record
 * and the oldest records leave once pushed; records of chains completed
 * out of pop order wait behind the older ones and are compacted away when
 * the ring fills. Unpushed records never exceed the queue size (checked
 * against the driver at each pop).
 */
#include "backend/vq.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/vq_impl.h"
#include "backend/vq_packed.h"
#include "backend/vq_split.h"
#include "model/packed.h"
#include "model/split.h"
#include "model/virtio.h"

model_err dev_vq_init(struct dev_vq *vq, struct sim_bus *bus, uint16_t index, uint16_t size_max) {
  memset(vq, 0, sizeof(*vq));
  vq->bus = bus;
  vq->index = index;
  vq->format = DEV_VQ_FORMAT_SPLIT;
  MODEL_ENSURE(size_max == 0 || model_split_queue_size_ok(size_max), MODEL_ERR_QUEUE_SIZE);
  vq->size_max = size_max;
  if (size_max != 0) {
    vq->segs = calloc(size_max, sizeof(*vq->segs));
    MODEL_ENSURE(vq->segs != NULL, MODEL_ERR_NO_MEMORY);
    vq->seg_capacity = size_max;
    vq->inflight = calloc(size_max, sizeof(*vq->inflight));
    vq->pending = calloc(size_max, sizeof(*vq->pending));
    if (vq->inflight == NULL || vq->pending == NULL) {
      dev_vq_fini(vq);
      return MODEL_ERR_NO_MEMORY;
    }
  }
  dev_vq_reset(vq);
  return MODEL_OK;
}

void dev_vq_fini(struct dev_vq *vq) {
  free(vq->segs);
  free(vq->inflight);
  free(vq->pending);
  vq->segs = NULL;
  vq->inflight = NULL;
  vq->pending = NULL;
  vq->seg_capacity = 0;
}

void dev_vq_set_violation_hook(struct dev_vq *vq, dev_vq_violation_fn fn, void *ctx) {
  vq->on_violation = fn;
  vq->violation_ctx = ctx;
}

static void dev_vq_reset_indices(struct dev_vq *vq) {
  vq->last_avail_idx = vq->start_idx;
  vq->avail_idx_shadow = vq->start_idx;
  vq->used_idx = vq->start_idx;
  vq->used_idx_flushed = vq->start_idx;
  vq->in_flight = 0;
  /* 2.8.1: both wrap counters start at 1, at the ring's first slot. */
  vq->avail_pos = model_packed_pos_start();
  vq->used_pos = model_packed_pos_start();
  vq->outstanding_desc_count = 0;
  vq->inflight_head = 0;
  vq->inflight_count = 0;
  vq->pending_count = 0;
  vq->pop_seq = 0;
}

void dev_vq_reset(struct dev_vq *vq) {
  /* 2.6.1.1.1#2, 4.2.2.1#5: back to the default state, not ready. QueueSize
   * reads as its maximum until the driver writes a smaller one. */
  vq->size = vq->size_max;
  vq->size_rejected = false;
  vq->desc_addr = 0;
  vq->driver_addr = 0;
  vq->device_addr = 0;
  vq->ready = false;
  vq->features = 0;
  vq->format = DEV_VQ_FORMAT_SPLIT;
  vq->notify_enabled = true;
  vq->broken = false;
  memset(&vq->violation, 0, sizeof(vq->violation));
  dev_vq_reset_indices(vq);
}

void dev_vq_set_start_idx(struct dev_vq *vq, uint16_t idx) {
  vq->start_idx = idx;
}

model_err dev_vq_set_size(struct dev_vq *vq, uint32_t size) {
  MODEL_ENSURE(!vq->ready, MODEL_ERR_INVALID_ARG);
  /* 4.2.2.2#12: no larger than QueueSizeMax; 2.7: a power of two, 2.8.10.1:
   * any number from 1 for a packed ring (the negotiated features say which;
   * QueueSize is written after FEATURES_OK). An illegal size leaves the
   * queue unusable until a legal one is written. */
  bool packed = model_features_has(vq->features, VIRTIO_F_RING_PACKED);
  bool legal = packed ? model_packed_queue_size_ok(size) : model_split_queue_size_ok(size);
  if (vq->size_max == 0 || size > vq->size_max || !legal) {
    vq->size_rejected = true;
    return MODEL_ERR_QUEUE_SIZE;
  }
  vq->size = (uint16_t)size;
  vq->size_rejected = false;
  return MODEL_OK;
}

model_err dev_vq_set_addr_half(struct dev_vq *vq, enum dev_vq_area area, bool high,
                               uint32_t value) {
  MODEL_ENSURE(!vq->ready, MODEL_ERR_INVALID_ARG);
  uint64_t *addr = NULL;
  switch (area) {
  case DEV_VQ_AREA_DESC:
    addr = &vq->desc_addr;
    break;
  case DEV_VQ_AREA_DRIVER:
    addr = &vq->driver_addr;
    break;
  case DEV_VQ_AREA_DEVICE:
    addr = &vq->device_addr;
    break;
  }
  assert(addr != NULL);
  if (high)
    *addr = (*addr & 0xffffffffu) | ((uint64_t)value << 32);
  else
    *addr = (*addr & ~(uint64_t)0xffffffffu) | value;
  return MODEL_OK;
}

model_err dev_vq_enable(struct dev_vq *vq, uint64_t features) {
  MODEL_ENSURE(vq->size_max != 0, MODEL_ERR_QUEUE_UNAVAILABLE);
  MODEL_ENSURE(!vq->size_rejected, MODEL_ERR_QUEUE_SIZE);
  if (vq->ready)
    return MODEL_OK;
  vq->features = features;
  vq->format = model_features_has(features, VIRTIO_F_RING_PACKED) ? DEV_VQ_FORMAT_PACKED
                                                                  : DEV_VQ_FORMAT_SPLIT;
  switch (vq->format) {
  case DEV_VQ_FORMAT_SPLIT:
    MODEL_TRY(dev_vq_layout_check_split(vq));
    break;
  case DEV_VQ_FORMAT_PACKED:
    MODEL_TRY(dev_vq_layout_check_packed(vq));
    break;
  }
  dev_vq_reset_indices(vq);
  vq->notify_enabled = true;
  vq->broken = false;
  memset(&vq->violation, 0, sizeof(vq->violation));
  vq->ready = true;
  return MODEL_OK;
}

model_err dev_vq_driver_ok(struct dev_vq *vq) {
  if (!dev_vq_is_usable(vq))
    return MODEL_OK;
  switch (vq->format) {
  case DEV_VQ_FORMAT_SPLIT:
    break; /* the zeroed avail_event already names idx 0 */
  case DEV_VQ_FORMAT_PACKED:
    MODEL_TRY(dev_vq_enable_events_packed(vq));
    break;
  }
  return MODEL_OK;
}

void dev_vq_disable(struct dev_vq *vq) {
  vq->ready = false;
}

void dev_vq_set_features(struct dev_vq *vq, uint64_t features) {
  vq->features = features;
}

model_err dev_vq_report_violation(struct dev_vq *vq, model_err err, const char *clause,
                                  uint64_t value_a, uint64_t value_b) {
  assert(err != MODEL_OK);
  if (vq->broken)
    return err;
  vq->broken = true;
  vq->violation.err = err;
  vq->violation.clause = clause;
  vq->violation.time_ticks = sim_bus_now(vq->bus);
  vq->violation.value_a = value_a;
  vq->violation.value_b = value_b;
  char note[160];
  (void)snprintf(note, sizeof(note), "vq %u broken: %s (%s) a=0x%" PRIx64 " b=0x%" PRIx64,
                 (unsigned)vq->index, model_err_name(err), clause, value_a, value_b);
  sim_bus_note(vq->bus, SIM_ACTOR_DEVICE, note);
  if (vq->on_violation != NULL)
    vq->on_violation(vq->violation_ctx, vq);
  return err;
}

const char *dev_vq_clause(const struct dev_vq *vq, const char *split_clause,
                          const char *packed_clause) {
  switch (vq->format) {
  case DEV_VQ_FORMAT_SPLIT:
    break;
  case DEV_VQ_FORMAT_PACKED:
    return packed_clause;
  }
  return split_clause;
}

/* The state every ring operation needs: ready (4.2.2.1#7) and not broken. */
static model_err dev_vq_check_usable(const struct dev_vq *vq) {
  MODEL_ENSURE(vq->ready, MODEL_ERR_QUEUE_NOT_READY);
  MODEL_ENSURE(!vq->broken, MODEL_ERR_RING_BROKEN);
  return MODEL_OK;
}

/* The first segment of one direction with at least one byte, or NULL. */
static const struct dev_seg *first_seg(const struct dev_chain *chain, bool writable) {
  for (uint16_t i = 0; i < chain->seg_count; i++) {
    if (chain->segs[i].writable == writable && chain->segs[i].len > 0)
      return &chain->segs[i];
  }
  return NULL;
}

/* misbehave points, on a chain just popped: write-readable-buffer
 * (2.7.5.1#1) writes the first readable byte back as it was read;
 * read-writable-buffer (2.7.5.1#2) reads the first writable byte. Neither
 * changes what the driver sees; a failed access just ends the misbehaviour
 * (the segments were checked mapped, so only an injected fault fails). */
void dev_vq_misbehave_after_pop(struct dev_vq *vq, const struct dev_chain *chain) {
  const struct dev_seg *seg = NULL;
  uint8_t byte = 0;
  if (dev_misbehave_has(vq->misbehave, DEV_MISBEHAVE_WRITE_READABLE_BUFFER) &&
      (seg = first_seg(chain, false)) != NULL &&
      sim_bus_read_u8(vq->bus, SIM_ACTOR_DEVICE, seg->addr, &byte) == MODEL_OK &&
      sim_bus_write_u8(vq->bus, SIM_ACTOR_DEVICE, seg->addr, byte) != MODEL_OK)
    sim_bus_note(vq->bus, SIM_ACTOR_DEVICE, "misbehave: write into a readable buffer failed");
  if (dev_misbehave_has(vq->misbehave, DEV_MISBEHAVE_READ_WRITABLE_BUFFER) &&
      (seg = first_seg(chain, true)) != NULL &&
      sim_bus_read_u8(vq->bus, SIM_ACTOR_DEVICE, seg->addr, &byte) != MODEL_OK)
    sim_bus_note(vq->bus, SIM_ACTOR_DEVICE, "misbehave: read of a writable buffer failed");
}

/* The record ring's slot for n places after its head. Its capacity,
 * size_max, is a legal split size (dev_vq_init), so a power of two: a mask
 * instead of a division on every pop and push. */
static uint32_t inflight_slot(const struct dev_vq *vq, uint32_t n) {
  return (vq->inflight_head + n) & (vq->seg_capacity - 1u);
}

static struct dev_vq_inflight *inflight_at(struct dev_vq *vq, uint32_t i) {
  assert(i < vq->inflight_count);
  return &vq->inflight[inflight_slot(vq, i)];
}

/* Drop the records of pushed chains that wait behind an older one still in
 * use (chains completed out of pop order), keeping the order of the rest. */
static void inflight_compact(struct dev_vq *vq) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < vq->inflight_count; i++) {
    struct dev_vq_inflight rec = *inflight_at(vq, i);
    if (!rec.pushed)
      vq->inflight[inflight_slot(vq, kept++)] = rec;
  }
  vq->inflight_count = kept;
}

model_err dev_vq_record_pop(struct dev_vq *vq, const struct dev_chain *chain, uint16_t desc_count,
                            struct model_packed_pos avail_pos) {
  /* in_flight: popped and not pushed (this one not counted yet). On a
   * packed ring the pop's own descriptor count check fires first. */
  if (vq->in_flight + vq->pending_count >= vq->size)
    return dev_vq_report_violation(vq, MODEL_ERR_RING_AVAIL_IDX,
                                   dev_vq_clause(vq, "2.7.6.1#1", "2.8.16#1"), chain->id,
                                   vq->in_flight + vq->pending_count);
  if (vq->inflight_count == vq->seg_capacity)
    inflight_compact(vq);
  assert(vq->inflight_count < vq->seg_capacity);
  vq->inflight_count++;
  struct dev_vq_inflight *rec = inflight_at(vq, vq->inflight_count - 1u);
  rec->seq = vq->pop_seq++;
  rec->id = chain->id;
  rec->desc_count = desc_count;
  rec->avail_pos = avail_pos;
  rec->writable_bytes = chain->writable_bytes;
  rec->pushed = false;
  return MODEL_OK;
}

model_err dev_vq_pop(struct dev_vq *vq, struct dev_chain *chain) {
  memset(chain, 0, sizeof(*chain));
  MODEL_TRY(dev_vq_check_usable(vq));
  /* Each format ends a pop that took a chain with dev_vq_popped
   * (vq_impl.h): these are tail calls, so a pop, empty or not, costs one
   * frame. */
  if (vq->format == DEV_VQ_FORMAT_PACKED)
    return dev_vq_pop_packed(vq, chain);
  return dev_vq_pop_split(vq, chain);
}

void dev_vq_unpop(struct dev_vq *vq, uint16_t count) {
  assert(count <= vq->in_flight);
  vq->in_flight -= count;
  if (!dev_vq_keeps_records(vq)) {
    vq->last_avail_idx = (uint16_t)(vq->last_avail_idx - count);
    return;
  }
  for (uint16_t i = 0; i < count; i++) {
    struct dev_vq_inflight *rec = inflight_at(vq, vq->inflight_count - 1u);
    assert(!rec->pushed);
    vq->inflight_count--;
    vq->pop_seq--;
    if (vq->format == DEV_VQ_FORMAT_PACKED) {
      vq->avail_pos = rec->avail_pos;
      vq->outstanding_desc_count -= rec->desc_count;
    } else {
      vq->last_avail_idx = (uint16_t)(vq->last_avail_idx - 1u);
    }
  }
}

/* Move the push of chain `id` (the oldest popped with that id and not yet
 * pushed) to the pending list. */
static void record_push(struct dev_vq *vq, uint16_t id, uint32_t len_written) {
  struct dev_vq_inflight *rec = NULL;
  for (uint32_t i = 0; i < vq->inflight_count; i++) {
    struct dev_vq_inflight *r = inflight_at(vq, i);
    if (!r->pushed && r->id == id) {
      rec = r;
      break;
    }
  }
  /* Our own invariant: only chains we popped go back. */
  assert(rec != NULL);
  assert(vq->pending_count < vq->seg_capacity);
  rec->pushed = true;
  struct dev_vq_pending *p = &vq->pending[vq->pending_count++];
  p->seq = rec->seq;
  p->id = id;
  p->desc_count = rec->desc_count;
  p->len = len_written;
  p->complete = (uint64_t)len_written == rec->writable_bytes;
  while (vq->inflight_count > 0 && inflight_at(vq, 0)->pushed) {
    vq->inflight_head = inflight_slot(vq, 1u);
    vq->inflight_count--;
  }
}

model_err dev_vq_push(struct dev_vq *vq, uint16_t id, uint32_t len_written) {
  MODEL_TRY(dev_vq_check_usable(vq));
  /* Our own invariant: only chains we popped go back. */
  assert(vq->in_flight > 0);
  if (dev_vq_keeps_records(vq))
    record_push(vq, id, len_written);
  switch (vq->format) {
  case DEV_VQ_FORMAT_SPLIT:
    assert(id < vq->size);
    /* The split ring counts the push once its element is written: a tail
     * call, no second frame on the per-buffer path. */
    return dev_vq_push_split(vq, id, len_written);
  case DEV_VQ_FORMAT_PACKED:
    break; /* written by the flush */
  }
  dev_vq_count_push(vq);
  return MODEL_OK;
}

model_err dev_vq_flush(struct dev_vq *vq, bool *need_irq) {
  *need_irq = false;
  MODEL_TRY(dev_vq_check_usable(vq));
  /* tail calls: nothing is left to do here after the format's flush */
  if (vq->format == DEV_VQ_FORMAT_PACKED)
    return dev_vq_flush_packed(vq, need_irq);
  return dev_vq_flush_split(vq, need_irq);
}

model_err dev_vq_notify_enable(struct dev_vq *vq, bool enable, bool *more_available) {
  bool more = false;
  if (more_available != NULL)
    *more_available = false;
  MODEL_TRY(dev_vq_check_usable(vq));
  switch (vq->format) {
  case DEV_VQ_FORMAT_SPLIT:
    MODEL_TRY(dev_vq_notify_enable_split(vq, enable, &more));
    break;
  case DEV_VQ_FORMAT_PACKED:
    MODEL_TRY(dev_vq_notify_enable_packed(vq, enable, &more));
    break;
  }
  if (more_available != NULL)
    *more_available = more;
  return MODEL_OK;
}

model_err dev_vq_has_available(struct dev_vq *vq, bool *available) {
  *available = false;
  MODEL_TRY(dev_vq_check_usable(vq));
  switch (vq->format) {
  case DEV_VQ_FORMAT_SPLIT:
    MODEL_TRY(dev_vq_has_available_split(vq, available));
    break;
  case DEV_VQ_FORMAT_PACKED:
    MODEL_TRY(dev_vq_has_available_packed(vq, available));
    break;
  }
  return MODEL_OK;
}

/*
 * Gather and scatter walk the segments of one direction (readable or
 * writable) of a chain, skip `offset` bytes, and move len bytes with one bus
 * access per segment touched. The segments were checked when the chain was
 * popped; a failure here is an injected fault or a mapping change, returned
 * as is. The range check up front means a segment holding the next byte
 * always exists (asserted). The common copy, inside one segment, is a tail
 * call from the entry points; longer ones take chain_copy_pieces.
 */

/* From seg on, the first segment of the direction that holds byte *offset
 * of what is left of it; *offset becomes the offset inside that segment. */
static const struct dev_seg *chain_seek(const struct dev_chain *chain, const struct dev_seg *seg,
                                        bool writable, uint64_t *offset) {
  for (;; seg++) {
    assert(seg < chain->segs + chain->seg_count);
    if (seg->writable != writable)
      continue;
    if (*offset < seg->len)
      return seg;
    *offset -= seg->len;
  }
}

/* A copy of len bytes from offset in seg on, over as many segments as it
 * takes: into dst from the readable part, or from src into the writable
 * part (exactly one of them is set). */
static model_err chain_copy_pieces(struct dev_vq *vq, const struct dev_chain *chain,
                                   const struct dev_seg *seg, uint64_t offset, uint8_t *dst,
                                   const uint8_t *src, size_t len) {
  bool writable = src != NULL;
  for (;;) {
    uint64_t room = seg->len - offset;
    size_t piece = len < room ? len : (size_t)room;
    uint64_t addr = seg->addr + offset;
    if (writable) {
      MODEL_TRY(sim_bus_write_bytes(vq->bus, SIM_ACTOR_DEVICE, addr, src, piece));
      src += piece;
    } else {
      MODEL_TRY(sim_bus_read_bytes(vq->bus, SIM_ACTOR_DEVICE, addr, dst, piece));
      dst += piece;
    }
    len -= piece;
    if (len == 0)
      return MODEL_OK;
    offset = 0;
    seg = chain_seek(chain, seg + 1, writable, &offset);
  }
}

model_err dev_vq_chain_read(struct dev_vq *vq, const struct dev_chain *chain, uint64_t offset,
                            void *dst, size_t len) {
  assert(dst != NULL);
  MODEL_ENSURE(offset <= chain->readable_bytes && len <= chain->readable_bytes - offset,
               MODEL_ERR_INVALID_ARG);
  if (len == 0)
    return MODEL_OK;
  const struct dev_seg *seg = chain_seek(chain, chain->segs, false, &offset);
  if (len <= seg->len - offset)
    return sim_bus_read_bytes(vq->bus, SIM_ACTOR_DEVICE, seg->addr + offset, dst, len);
  return chain_copy_pieces(vq, chain, seg, offset, dst, NULL, len);
}

model_err dev_vq_chain_write(struct dev_vq *vq, const struct dev_chain *chain, uint64_t offset,
                             const void *src, size_t len) {
  assert(src != NULL);
  MODEL_ENSURE(offset <= chain->writable_bytes && len <= chain->writable_bytes - offset,
               MODEL_ERR_INVALID_ARG);
  if (len == 0)
    return MODEL_OK;
  const struct dev_seg *seg = chain_seek(chain, chain->segs, true, &offset);
  if (len <= seg->len - offset)
    return sim_bus_write_bytes(vq->bus, SIM_ACTOR_DEVICE, seg->addr + offset, src, len);
  return chain_copy_pieces(vq, chain, seg, offset, NULL, src, len);
}
