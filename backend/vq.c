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
 */
#include "backend/vq.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/vq_split.h"
#include "model/split.h"

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
  }
  dev_vq_reset(vq);
  return MODEL_OK;
}

void dev_vq_fini(struct dev_vq *vq) {
  free(vq->segs);
  vq->segs = NULL;
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
  /* 4.2.2.2#12: no larger than QueueSizeMax; 2.7: a power of two. An
   * illegal size leaves the queue unusable until a legal one is written. */
  if (vq->size_max == 0 || size > vq->size_max || !model_split_queue_size_ok(size)) {
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
  switch (vq->format) {
  case DEV_VQ_FORMAT_SPLIT:
    MODEL_TRY(dev_vq_layout_check_split(vq));
    break;
  }
  dev_vq_reset_indices(vq);
  vq->notify_enabled = true;
  vq->broken = false;
  memset(&vq->violation, 0, sizeof(vq->violation));
  vq->ready = true;
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
static void misbehave_after_pop(struct dev_vq *vq, const struct dev_chain *chain) {
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

model_err dev_vq_pop(struct dev_vq *vq, struct dev_chain *chain) {
  memset(chain, 0, sizeof(*chain));
  MODEL_TRY(dev_vq_check_usable(vq));
  switch (vq->format) {
  case DEV_VQ_FORMAT_SPLIT:
    MODEL_TRY(dev_vq_pop_split(vq, chain));
    break;
  }
  if (vq->misbehave != 0)
    misbehave_after_pop(vq, chain);
  vq->in_flight++;
  vq->popped_count++;
  return MODEL_OK;
}

void dev_vq_unpop(struct dev_vq *vq, uint16_t count) {
  assert(count <= vq->in_flight);
  vq->last_avail_idx = (uint16_t)(vq->last_avail_idx - count);
  vq->in_flight -= count;
}

model_err dev_vq_push(struct dev_vq *vq, uint16_t id, uint32_t len_written) {
  MODEL_TRY(dev_vq_check_usable(vq));
  /* Our own invariant: only chains we popped go back. */
  assert(vq->in_flight > 0);
  assert(id < vq->size);
  switch (vq->format) {
  case DEV_VQ_FORMAT_SPLIT:
    MODEL_TRY(dev_vq_push_split(vq, id, len_written));
    break;
  }
  vq->in_flight--;
  vq->used_count++;
  sim_bus_count(vq->bus, SIM_CTR_BUFFERS_USED, 1);
  return MODEL_OK;
}

model_err dev_vq_flush(struct dev_vq *vq, bool *need_irq) {
  *need_irq = false;
  MODEL_TRY(dev_vq_check_usable(vq));
  switch (vq->format) {
  case DEV_VQ_FORMAT_SPLIT:
    MODEL_TRY(dev_vq_flush_split(vq, need_irq));
    break;
  }
  return MODEL_OK;
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
  }
  return MODEL_OK;
}

/*
 * Walk the segments of one direction (readable or writable) of a chain,
 * skipping `offset` bytes, and move len bytes: into dst from the readable
 * part, or from src into the writable part (exactly one of them is set).
 * The segments were checked when the chain was popped; a failure here is an
 * injected fault or a mapping change, returned as is.
 */
static model_err dev_vq_chain_copy(struct dev_vq *vq, const struct dev_chain *chain,
                                   uint64_t offset, uint8_t *dst, const uint8_t *src, size_t len) {
  bool writable = src != NULL;
  uint64_t total = writable ? chain->writable_bytes : chain->readable_bytes;
  MODEL_ENSURE(offset <= total && len <= total - offset, MODEL_ERR_INVALID_ARG);
  size_t done = 0;
  for (uint16_t i = 0; i < chain->seg_count && done < len; i++) {
    const struct dev_seg *seg = &chain->segs[i];
    if (seg->writable != writable)
      continue;
    if (offset >= seg->len) {
      offset -= seg->len;
      continue;
    }
    uint64_t room = seg->len - offset;
    size_t piece = (len - done) < room ? (len - done) : (size_t)room;
    uint64_t addr = seg->addr + offset;
    if (writable)
      MODEL_TRY(sim_bus_write_bytes(vq->bus, SIM_ACTOR_DEVICE, addr, src + done, piece));
    else
      MODEL_TRY(sim_bus_read_bytes(vq->bus, SIM_ACTOR_DEVICE, addr, dst + done, piece));
    done += piece;
    offset = 0;
  }
  assert(done == len);
  return MODEL_OK;
}

model_err dev_vq_chain_read(struct dev_vq *vq, const struct dev_chain *chain, uint64_t offset,
                            void *dst, size_t len) {
  assert(dst != NULL);
  return dev_vq_chain_copy(vq, chain, offset, dst, NULL, len);
}

model_err dev_vq_chain_write(struct dev_vq *vq, const struct dev_chain *chain, uint64_t offset,
                             const void *src, size_t len) {
  assert(src != NULL);
  return dev_vq_chain_copy(vq, chain, offset, NULL, src, len);
}
