/*
 * frontend/vq.h: the driver side of one virtqueue, behind a ring-format
 * neutral interface. The split format is in vq_split.c (2.7); the packed
 * format (2.8) is vq_packed.c; the negotiated features choose (a queue is
 * packed iff VIRTIO_F_RING_PACKED was negotiated). VIRTIO_F_IN_ORDER works
 * with both (2.7.9, 2.8.8).
 *
 * What the driver side keeps, and why: the descriptor table, available ring
 * and used ring live in guest memory, where the device can read (and, if it
 * is hostile, write) them. The driver never reads back what it wrote there:
 * chain links, lengths, tokens and the free list are kept in host arrays
 * (allocated at init; nothing is allocated on the per-buffer path except
 * indirect tables, which come from the guest-memory allocator). What the
 * device writes (used idx, used elements, flags, avail_event) is read once,
 * checked, and decoded; a value that breaks the ring's contract makes the
 * queue *broken*: the violation is recorded with its clause, every later call
 * answers MODEL_ERR_RING_BROKEN, and only drv_vq_detach_unused (after the
 * owner reset the device) and drv_vq_fini work. The owner decides what the
 * device gets told; virtio-net sets FAILED (see frontend/net.h).
 *
 * Ownership: struct drv_vq owns its host arrays and its three ring areas in
 * the allocator; it borrows the bus and the allocator.
 */
#ifndef VIOSIM_FRONTEND_VQ_H
#define VIOSIM_FRONTEND_VQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/alloc.h"
#include "frontend/misbehave.h"
#include "model/packed.h"
#include "model/result.h"
#include "sim/bus.h"

enum drv_vq_format {
  DRV_VQ_SPLIT,  /* 2.7, vq_split.c */
  DRV_VQ_PACKED, /* 2.8, vq_packed.c: chosen when VIRTIO_F_RING_PACKED is negotiated */
};

/* One element of a buffer: device-readable ones first, then writable ones. */
struct drv_sg {
  uint64_t addr;
  uint32_t len;
  bool device_writable;
};

/* Sends an available buffer notification for queue `index`; value is what
 * the transport writes (the queue index without NOTIFICATION_DATA). */
typedef model_err (*drv_vq_notify_fn)(void *ctx, uint16_t index, uint32_t value);

/* What the driver knows about one outstanding buffer. Split: indexed by the
 * descriptor-table slot of the chain's head. Packed: indexed by buffer id. */
struct drv_vq_head {
  uint64_t token;
  uint64_t writable_bytes; /* the most the device may report as used len */
  uint64_t indirect_addr;  /* the indirect table in the allocator, if indirect */
  uint16_t desc_count;     /* ring descriptors the chain occupies */
  uint16_t first_slot;     /* packed: ring slot of the chain's first descriptor */
  bool indirect;           /* the chain is one descriptor naming an indirect table */
  bool outstanding;        /* made available and not yet used */
};

/* A violation of the ring contract by the device, as first observed. */
struct drv_vq_violation {
  model_err err;      /* MODEL_ERR_RING_USED_ID, _LEN, _IDX */
  const char *clause; /* the clause id the device broke */
  uint64_t time_ticks;
  uint64_t value; /* the offending id, len or idx */
  uint64_t limit; /* what it had to stay within */
};

struct drv_vq_stats {
  uint64_t added;             /* buffers made available */
  uint64_t used;              /* buffers taken back used */
  uint64_t detached;          /* buffers reclaimed unused after a reset */
  uint64_t kicks;             /* drv_vq_kick calls with something to publish */
  uint64_t notified;          /* notifications sent */
  uint64_t suppressed;        /* notifications the device let the driver skip */
  uint64_t indirect;          /* buffers sent as an indirect table */
  uint64_t indirect_fallback; /* indirect wanted but sent direct (no table memory) */
  uint64_t write_retries;     /* packed: failed writes tried again inside an exposed list */
};

struct drv_vq {
  enum drv_vq_format format;
  struct sim_bus *bus;     /* borrowed */
  struct drv_alloc *alloc; /* borrowed */
  uint16_t index;
  uint32_t size;     /* queue size (num): a power of two (split); 1..32768 (packed) */
  uint64_t features; /* negotiated features */
  bool has_event_idx;
  bool has_indirect;
  bool in_order; /* VIRTIO_F_IN_ORDER negotiated */
  drv_vq_notify_fn notify_fn;
  void *notify_ctx;

  /* ring areas in guest memory (owned, from alloc, while areas_held) */
  uint64_t desc_addr;  /* Descriptor Area: 16-byte aligned */
  uint64_t avail_addr; /* Driver Area: 2-byte aligned (packed: Driver Event Suppression, 4) */
  uint64_t used_addr;  /* Device Area: 4-byte aligned (packed: Device Event Suppression, 4) */
  uint64_t used_block; /* the allocator block holding it (used_addr, unless misaligned) */
  bool areas_held;

  /* host state (owned arrays of `size` entries). Split: desc_next holds
   * the chain links and the free list of descriptors, heads is indexed by
   * head slot. Packed: desc_next is the free list of buffer ids, heads is
   * indexed by buffer id; free_count counts free ring descriptors. */
  uint16_t *desc_next;
  struct drv_vq_head *heads;
  uint16_t free_head;
  uint32_t free_count;
  uint32_t outstanding; /* chains made available, not yet used */

  uint16_t avail_idx_shadow; /* next avail idx to publish (= last published) */
  uint16_t avail_flags_shadow;
  uint16_t kicked_avail_idx; /* avail idx at the last kick */
  uint32_t added_since_kick;
  bool notify_owed;       /* a kick decided to notify and the notification failed */
  uint16_t last_used_idx; /* next used idx to consume */
  bool cb_enabled;        /* used buffer notifications wanted */
  uint32_t detach_cursor; /* where drv_vq_detach_unused resumes its scan */
  uint16_t last_head;     /* head of the chain added last */

  /* IN_ORDER (both formats): a used entry that stands for a batch is
   * handed out one buffer per drv_vq_get_used; batch_left buffers of it
   * are still to go, the last of them (id batch_last_id) with batch_len,
   * the others with their writable bytes (2.7.9, 2.8.8). */
  uint32_t batch_left;
  uint32_t batch_len;
  uint16_t batch_last_id;
  struct model_packed_pos batch_end_pos; /* packed: used position after the batch */
  uint16_t in_order_head; /* split IN_ORDER: head slot of the oldest outstanding chain */

  /* packed (vq_packed.c): positions and the driver's wrap counters (2.8.1) */
  struct model_packed_pos avail_pos;  /* where the next chain goes */
  struct model_packed_pos used_pos;   /* where the next used descriptor is read */
  struct model_packed_pos kicked_pos; /* avail_pos at the last kick */
  uint32_t descs_since_kick;          /* descriptors made available since the last kick */
  uint16_t *slot_id;                  /* per slot: id of the chain starting there */
  uint16_t event_flags_shadow;        /* Driver Event Suppression flags last written */
  uint32_t outstanding_descs;         /* ring descriptors of outstanding buffers */

  bool broken;
  struct drv_vq_violation violation;
  /* Misbehaviours (frontend/misbehave.h) this queue commits, as given to
   * drv_vq_init_ex; a one-shot moves its bit to misbehave_spent when it
   * fires (the owner reads it back before drv_vq_fini). */
  struct drv_misbehave_set misbehave;
  struct drv_misbehave_set misbehave_spent;
  /* misbehave reuse-inflight-head: the last add overwrote the outstanding
   * chain of this token instead of taking free descriptors; the caller
   * takes it back (and clears the flag). */
  bool reused;
  uint64_t reused_token;
  /* packed (vq_packed.c): where the chain added last starts (for
   * reuse-inflight-head), and misbehave change-exposed-descriptor: a list
   * whose first descriptor is held back, with the len its last descriptor
   * still needs, until the next add. */
  struct model_packed_pos last_first_pos;
  bool held;
  struct model_packed_pos held_pos; /* the held list's first descriptor */
  uint16_t held_flags;              /* its flags, AVAIL bits included */
  uint64_t held_len_addr;           /* the len field of its last descriptor */
  uint32_t held_len;
  /* packed: inside the add being written, a descriptor after the list's
   * first one is already available (vq_packed.c retries its writes) */
  bool exposing;
  struct drv_vq_stats stats;
};

/*
 * Set up queue `index` of `size` entries for the negotiated features: with
 * VIRTIO_F_RING_PACKED a packed queue (any size 1..32768; descriptor ring and
 * both event suppression areas as model/packed.h lays them out, 2.8.11#1,
 * all zeroed), else a split one (a power of two; the three areas with the
 * alignments of model/split.h, 2.7.1#1, the available and used rings zeroed
 * through the bus, 2.7.10.1#1: used flags start at 0). Then the free list
 * (split: of descriptors; packed: of buffer ids). Callbacks start enabled. The caller programs the
 * transport with the three addresses. MODEL_ERR_QUEUE_SIZE for an illegal size;
 * MODEL_ERR_NO_MEMORY/_CAPACITY from the allocator or the host.
 */
MODEL_MUST_USE model_err drv_vq_init(struct drv_vq *vq, struct sim_bus *bus,
                                     struct drv_alloc *alloc, uint16_t index, uint32_t size,
                                     uint64_t features);
/* The same, for a queue that commits the misbehaviours in `misbehave`
 * (frontend/misbehave.h; the ring ones). drv_vq_init is this with the
 * empty set. */
MODEL_MUST_USE model_err drv_vq_init_ex(struct drv_vq *vq, struct sim_bus *bus,
                                        struct drv_alloc *alloc, uint16_t index, uint32_t size,
                                        uint64_t features, struct drv_misbehave_set misbehave);
/* Free the host arrays, the ring areas and any indirect table still held. */
void drv_vq_fini(struct drv_vq *vq);

void drv_vq_set_notify(struct drv_vq *vq, drv_vq_notify_fn fn, void *ctx);

/*
 * Make one buffer available: sg[0, out_count) device-readable, then
 * sg[out_count, out_count + in_count) device-writable (2.7.4.2#1; the
 * device_writable flags must agree, else MODEL_ERR_INVALID_ARG). With
 * use_indirect and VIRTIO_F_INDIRECT_DESC negotiated the chain goes into an
 * indirect table taken from the allocator (one ring descriptor); without the
 * feature, or if no table memory is left, it goes direct. Descriptors are
 * written before the available ring entry, the entry before idx
 * (2.7.13.3.1#1), each field with its own bus write. MODEL_ERR_RING_FULL if
 * there are not enough free descriptors; MODEL_ERR_INVALID_ARG for an empty
 * chain, one longer than the queue size (2.7.5.3.1#3), or more than 2^32
 * bytes (2.7.5.2#1). Packed (2.8.21.1): the chain is written at the next
 * available position, every descriptor but the first complete as it goes,
 * the first one's flags last (2.8.17#6); an indirect table stays within
 * the queue size too (2.8.17#2, 2.8.19#3 as the monitor reads it). A
 * failed write before any of the list is available fails the add with
 * nothing left behind; once a later descriptor is available it may not
 * change (2.8.16#2), so a failed write is tried again (8 tries), and one
 * that never succeeds breaks the queue until a reset. With
 * VIRTIO_F_IN_ORDER a split chain takes consecutive slots (2.7.5.2#2).
 * Once the buffer is on the ring the add succeeds: when the batch is
 * published on the way (2^16 - 1 buffers, or a packed ring's worth of
 * descriptors, since the last kick), a notification that fails is owed to
 * the next drv_vq_kick, not reported here.
 */
MODEL_MUST_USE model_err drv_vq_add(struct drv_vq *vq, const struct drv_sg *sg, unsigned out_count,
                                    unsigned in_count, uint64_t token, bool use_indirect);

/*
 * Publish what was added since the last kick and notify the device unless it
 * suppressed notifications: with VIRTIO_F_EVENT_IDX, notify iff the batch
 * moved avail idx across avail_event; without it, notify iff used flags lack
 * VIRTQ_USED_F_NO_NOTIFY (2.7.10.1). A skipped notification counts
 * SIM_CTR_NOTIFY_SUPPRESSED. *notified (may be NULL) says what happened. A
 * notification the transport refused is returned as its error and stays
 * owed: the next drv_vq_kick sends it, even with nothing new to publish.
 */
MODEL_MUST_USE model_err drv_vq_kick(struct drv_vq *vq, bool *notified);

/* Notify unconditionally (a spurious notification is legal: 2.7.10.2). */
MODEL_MUST_USE model_err drv_vq_notify(struct drv_vq *vq);

/*
 * Take the next used buffer: its token and the used len. MODEL_ERR_RING_EMPTY
 * when there is none. A device that breaks the ring contract gets a
 * violation and a broken queue: used idx moved by more than the outstanding
 * buffers (MODEL_ERR_RING_USED_IDX), an id that is not the head of an
 * outstanding chain (MODEL_ERR_RING_USED_ID), a len above the chain's
 * writable bytes (MODEL_ERR_RING_USED_LEN: the driver relies on no byte
 * beyond what it gave, 2.7.8.3#1). Packed: a used descriptor whose AVAIL bit
 * is not the lap's (MODEL_ERR_RING_DESC_FLAGS), an id that is not an
 * outstanding buffer's, a len above its writable bytes. With
 * VIRTIO_F_IN_ORDER one used entry may stand for a batch (2.7.9, 2.8.8):
 * its buffers come back one per call, all but the last with len = their
 * writable bytes; a split batch whose used idx moved by less than its size
 * is MODEL_ERR_RING_USED_IDX.
 */
MODEL_MUST_USE model_err drv_vq_get_used(struct drv_vq *vq, uint64_t *token, uint32_t *len);

/* True if the device has used buffers the driver has not taken (reads used idx). */
MODEL_MUST_USE model_err drv_vq_has_used(struct drv_vq *vq, bool *has_used);

/*
 * Used buffer notifications (2.7.7.1): without EVENT_IDX by avail flags
 * (VIRTQ_AVAIL_F_NO_INTERRUPT), with EVENT_IDX by used_event (flags stay 0).
 * enable_cb re-reads used idx after enabling and says in *pending whether
 * used buffers arrived meanwhile (the caller must then poll: no notification
 * will come for those).
 */
MODEL_MUST_USE model_err drv_vq_disable_cb(struct drv_vq *vq);
MODEL_MUST_USE model_err drv_vq_enable_cb(struct drv_vq *vq, bool *pending);

/*
 * After the device was reset (the queue is no longer live, 3.3.1#2): reclaim
 * one buffer that was made available and never used; its token in *token.
 * MODEL_ERR_RING_EMPTY when none is left. Works on a broken queue. The
 * device's indices restarted at 0: a queue is re-initialised (fini, init)
 * before it is used again.
 */
MODEL_MUST_USE model_err drv_vq_detach_unused(struct drv_vq *vq, uint64_t *token);

/* Test hook: move every index of a fresh queue (nothing outstanding) to idx,
 * writing the new avail idx, as if idx buffers had gone through it. The
 * device side must be told the same. Packed: idx counts descriptors, so
 * both positions go to slot idx % size in lap idx / size (the wrap counter
 * is 1 in even laps). MODEL_ERR_INVALID_ARG if buffers are outstanding. */
MODEL_MUST_USE model_err drv_vq_test_set_idx(struct drv_vq *vq, uint16_t idx);

static inline bool drv_vq_is_broken(const struct drv_vq *vq) {
  return vq->broken;
}
static inline uint32_t drv_vq_free_count(const struct drv_vq *vq) {
  return vq->free_count;
}
static inline uint32_t drv_vq_outstanding(const struct drv_vq *vq) {
  return vq->outstanding;
}

#endif
