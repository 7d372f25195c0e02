/*
 * frontend/vq.c: the format-neutral half of the driver's virtqueue; see
 * frontend/vq.h. Owns argument and state checks common to every ring format
 * (2.7.4.2#1 readable before writable, 2.7.5.2#1 chain bytes, 2.7.5.3.1#3
 * chain length), the host arrays, the notification hook, the record of a
 * violation, and the dispatch on vq->format. The split ring is vq_split.c,
 * the packed ring vq_packed.c; VIRTIO_F_RING_PACKED picks the format.
 * Misbehaviour wired here: write-before-read (2.7.4.2#1 not enforced on a
 * queue that commits it; the caller builds the chain).
 */
#include "frontend/vq.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/misbehave.h"
#include "frontend/vq_impl.h"
#include "frontend/vq_packed.h"
#include "frontend/vq_split.h"
#include "model/packed.h"
#include "model/split.h"
#include "model/virtio.h"

model_err drv_vq_init(struct drv_vq *vq, struct sim_bus *bus, struct drv_alloc *alloc,
                      uint16_t index, uint32_t size, uint64_t features) {
  return drv_vq_init_ex(vq, bus, alloc, index, size, features, drv_misbehave_none());
}

model_err drv_vq_init_ex(struct drv_vq *vq, struct sim_bus *bus, struct drv_alloc *alloc,
                         uint16_t index, uint32_t size, uint64_t features,
                         struct drv_misbehave_set misbehave) {
  memset(vq, 0, sizeof(*vq));
  vq->misbehave = misbehave;
  /* the negotiated features choose the ring format of every queue */
  vq->format = model_features_has(features, VIRTIO_F_RING_PACKED) ? DRV_VQ_PACKED : DRV_VQ_SPLIT;
  vq->bus = bus;
  vq->alloc = alloc;
  vq->index = index;
  vq->size = size;
  vq->features = features;
  vq->has_event_idx = model_features_has(features, VIRTIO_F_EVENT_IDX);
  vq->has_indirect = model_features_has(features, VIRTIO_F_INDIRECT_DESC);
  vq->in_order = model_features_has(features, VIRTIO_F_IN_ORDER);
  vq->cb_enabled = true;
  bool packed = vq->format == DRV_VQ_PACKED;
  MODEL_ENSURE(packed ? model_packed_queue_size_ok(size) : model_split_queue_size_ok(size),
               MODEL_ERR_QUEUE_SIZE);

  vq->desc_next = calloc(size, sizeof(vq->desc_next[0]));
  vq->heads = calloc(size, sizeof(vq->heads[0]));
  if (packed)
    vq->slot_id = calloc(size, sizeof(vq->slot_id[0]));
  model_err err = MODEL_ERR_NO_MEMORY;
  if (vq->desc_next != NULL && vq->heads != NULL && (!packed || vq->slot_id != NULL)) {
    switch (vq->format) {
    case DRV_VQ_SPLIT:
      err = drv_vq_init_split(vq);
      break;
    case DRV_VQ_PACKED:
      err = drv_vq_init_packed(vq);
      break;
    }
  }
  if (err != MODEL_OK) {
    free(vq->desc_next);
    free(vq->heads);
    free(vq->slot_id);
    vq->desc_next = NULL;
    vq->heads = NULL;
    vq->slot_id = NULL;
  }
  return err;
}

void drv_vq_fini(struct drv_vq *vq) {
  if (vq->heads != NULL) {
    switch (vq->format) {
    case DRV_VQ_SPLIT:
      drv_vq_fini_split(vq);
      break;
    case DRV_VQ_PACKED:
      drv_vq_fini_packed(vq);
      break;
    }
  }
  free(vq->desc_next);
  free(vq->heads);
  free(vq->slot_id);
  memset(vq, 0, sizeof(*vq));
}

void drv_vq_set_notify(struct drv_vq *vq, drv_vq_notify_fn fn, void *ctx) {
  vq->notify_fn = fn;
  vq->notify_ctx = ctx;
}

model_err drv_vq_zero_area(struct sim_bus *bus, uint64_t addr, uint64_t len) {
  static const uint8_t zeros[4096];
  while (len > 0) {
    size_t n = len < sizeof(zeros) ? (size_t)len : sizeof(zeros);
    MODEL_TRY(sim_bus_write_bytes(bus, SIM_ACTOR_DRIVER, addr, zeros, n));
    addr += n;
    len -= n;
  }
  return MODEL_OK;
}

model_err drv_vq_break(struct drv_vq *vq, model_err err, const char *clause, uint64_t value,
                       uint64_t limit) {
  if (!vq->broken) {
    vq->broken = true;
    vq->violation = (struct drv_vq_violation){
        .err = err,
        .clause = clause,
        .time_ticks = sim_bus_now(vq->bus),
        .value = value,
        .limit = limit,
    };
    char note[160];
    (void)snprintf(note, sizeof(note),
                   "driver: vq %u broken: %s (%s) value %" PRIu64 " limit %" PRIu64,
                   (unsigned)vq->index, model_err_name(err), clause, value, limit);
    sim_bus_note(vq->bus, SIM_ACTOR_DRIVER, note);
  }
  return err;
}

/* The checks every format shares; *writable gets the device-writable bytes. */
static model_err add_check(const struct drv_vq *vq, const struct drv_sg *sg, unsigned out_count,
                           unsigned in_count, uint64_t *writable) {
  *writable = 0;
  MODEL_ENSURE(!vq->broken, MODEL_ERR_RING_BROKEN);
  MODEL_ENSURE(sg != NULL && out_count <= vq->size && in_count <= vq->size, MODEL_ERR_INVALID_ARG);
  unsigned total = out_count + in_count;
  /* 2.7.5.3.1#3 (split), 2.8.17#2 (packed): no chain longer than the queue
   * size. A packed indirect table is bounded by what the device allows
   * (2.8.19#3): viosim's monitor reads that as the queue size too, and the
   * driver keeps within both readings. */
  MODEL_ENSURE(total > 0 && total <= vq->size, MODEL_ERR_INVALID_ARG);
  uint64_t bytes = 0;
  bool any_order = drv_misbehave_has(vq->misbehave, DRV_MISBEHAVE_WRITE_BEFORE_READ);
  for (unsigned k = 0; k < total; k++) {
    /* rule point: 2.7.4.2#1, readable elements before writable ones;
     * misbehave: write-before-read takes them in whatever order given */
    MODEL_ENSURE(any_order || sg[k].device_writable == (k >= out_count), MODEL_ERR_INVALID_ARG);
    bytes += sg[k].len;
    if (sg[k].device_writable)
      *writable += sg[k].len;
  }
  /* rule point: 2.7.5.2#1, at most 2^32 bytes; and a chain carries something */
  MODEL_ENSURE(bytes > 0 && bytes <= ((uint64_t)1 << 32), MODEL_ERR_INVALID_ARG);
  return MODEL_OK;
}

model_err drv_vq_add(struct drv_vq *vq, const struct drv_sg *sg, unsigned out_count,
                     unsigned in_count, uint64_t token, bool use_indirect) {
  uint64_t writable = 0;
  MODEL_TRY(add_check(vq, sg, out_count, in_count, &writable));
  /* Each format ends an add that put the buffer on the ring with
   * drv_vq_added (vq_impl.h): tail calls, one frame per add. */
  if (vq->format == DRV_VQ_PACKED)
    return drv_vq_add_packed(vq, sg, out_count + in_count, writable, token, use_indirect);
  return drv_vq_add_split(vq, sg, out_count + in_count, writable, token, use_indirect);
}

model_err drv_vq_notify(struct drv_vq *vq) {
  /* a broken queue refuses everything but detach and fini (vq.h) */
  MODEL_ENSURE(!vq->broken, MODEL_ERR_RING_BROKEN);
  MODEL_ENSURE(vq->notify_fn != NULL, MODEL_ERR_INVALID_ARG);
  /* Without VIRTIO_F_NOTIFICATION_DATA the value is the queue index (2.9). */
  MODEL_TRY(vq->notify_fn(vq->notify_ctx, vq->index, vq->index));
  vq->stats.notified++;
  return MODEL_OK;
}

model_err drv_vq_kick(struct drv_vq *vq, bool *notified) {
  if (notified != NULL)
    *notified = false;
  MODEL_ENSURE(!vq->broken, MODEL_ERR_RING_BROKEN);
  if (vq->added_since_kick == 0)
    return vq->notify_owed ? drv_vq_kick_notify(vq, notified) : MODEL_OK;
  /* Each format publishes the batch, decides, and ends with
   * drv_vq_kick_decided (vq_impl.h): tail calls, one frame per kick. */
  if (vq->format == DRV_VQ_PACKED)
    return drv_vq_kick_packed(vq, notified);
  return drv_vq_kick_split(vq, notified);
}

model_err drv_vq_kick_notify(struct drv_vq *vq, bool *notified) {
  /* The batch is published and the kicked position moved on: a
   * notification that fails now would never be sent again, and a missing
   * one is not harmless (a spurious one is). It stays owed until it goes
   * out. */
  vq->notify_owed = true;
  MODEL_TRY(drv_vq_notify(vq));
  vq->notify_owed = false;
  if (notified != NULL)
    *notified = true;
  return MODEL_OK;
}

model_err drv_vq_get_used(struct drv_vq *vq, uint64_t *token, uint32_t *len) {
  *token = 0;
  *len = 0;
  MODEL_ENSURE(!vq->broken, MODEL_ERR_RING_BROKEN);
  /* Nothing after the call (the format counts stats.used): a tail call,
   * the one dispatch costs no second frame on the polling path. */
  if (vq->format == DRV_VQ_PACKED)
    return drv_vq_get_used_packed(vq, token, len);
  return drv_vq_get_used_split(vq, token, len);
}

model_err drv_vq_has_used(struct drv_vq *vq, bool *has_used) {
  *has_used = false;
  MODEL_ENSURE(!vq->broken, MODEL_ERR_RING_BROKEN);
  switch (vq->format) {
  case DRV_VQ_SPLIT:
    return drv_vq_has_used_split(vq, has_used);
  case DRV_VQ_PACKED:
    return drv_vq_has_used_packed(vq, has_used);
  }
  return MODEL_ERR_INVALID_ARG;
}

model_err drv_vq_disable_cb(struct drv_vq *vq) {
  MODEL_ENSURE(!vq->broken, MODEL_ERR_RING_BROKEN);
  switch (vq->format) {
  case DRV_VQ_SPLIT:
    return drv_vq_disable_cb_split(vq);
  case DRV_VQ_PACKED:
    return drv_vq_disable_cb_packed(vq);
  }
  return MODEL_ERR_INVALID_ARG;
}

model_err drv_vq_enable_cb(struct drv_vq *vq, bool *pending) {
  *pending = false;
  MODEL_ENSURE(!vq->broken, MODEL_ERR_RING_BROKEN);
  switch (vq->format) {
  case DRV_VQ_SPLIT:
    return drv_vq_enable_cb_split(vq, pending);
  case DRV_VQ_PACKED:
    return drv_vq_enable_cb_packed(vq, pending);
  }
  return MODEL_ERR_INVALID_ARG;
}

model_err drv_vq_detach_unused(struct drv_vq *vq, uint64_t *token) {
  *token = 0;
  model_err err = MODEL_ERR_INVALID_ARG;
  switch (vq->format) {
  case DRV_VQ_SPLIT:
    err = drv_vq_detach_unused_split(vq, token);
    break;
  case DRV_VQ_PACKED:
    err = drv_vq_detach_unused_packed(vq, token);
    break;
  }
  if (err == MODEL_OK)
    vq->stats.detached++;
  return err;
}

model_err drv_vq_test_set_idx(struct drv_vq *vq, uint16_t idx) {
  MODEL_ENSURE(!vq->broken && vq->outstanding == 0 && vq->added_since_kick == 0,
               MODEL_ERR_INVALID_ARG);
  switch (vq->format) {
  case DRV_VQ_SPLIT:
    return drv_vq_test_set_idx_split(vq, idx);
  case DRV_VQ_PACKED:
    return drv_vq_test_set_idx_packed(vq, idx);
  }
  return MODEL_ERR_INVALID_ARG;
}
