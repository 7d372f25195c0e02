/*
 * backend/vq.h: the device side of one virtqueue, format-neutral. Callers
 * (the device core, the virtio-net device) see chains of checked segments,
 * used elements and notification decisions; the ring format behind them is
 * chosen by enum dev_vq_format and implemented per format (vq_split.c for the
 * split ring of 2.7, vq_packed.c for the packed ring of 2.8). The format is
 * chosen by negotiation: VIRTIO_F_RING_PACKED makes every queue packed.
 *
 * In-order use (2.7.9, 2.8.8), with VIRTIO_F_IN_ORDER, for both formats:
 * flush writes one used entry for each run of consecutive, completely used
 * buffers (len equal to the writable bytes, or none writable) that were
 * popped one after the other; the entry carries the run's last buffer. A
 * partly written buffer ends a run. Skipped buffers count as used whole.
 *
 * Implements, for the device: 2.7.4.1 (no assumption about framing), 2.7.5.1
 * (never writes the descriptor table or device-readable buffers), 2.7.5.3.2
 * (indirect tables), 2.7.7.2 (used buffer notification suppression), 2.7.8.2
 * (len before idx), 2.7.10.2 (available buffer notification suppression),
 * 4.2.2.1#7 (no ring access while the queue is not ready).
 *
 * Everything the driver wrote into the rings is hostile (DESIGN.md rule 4):
 * each value is checked once, where it is read, and decoded into a struct
 * dev_chain of checked segments. A violation marks the queue broken (it does
 * nothing more until it is reset), records what happened (clause, values,
 * virtual time) in vq->violation, and calls the violation hook, through which
 * the device core sets DEVICE_NEEDS_RESET and raises a configuration change
 * interrupt (2.1.2#2, #3).
 *
 * For packed queues, also: 2.8.1 (both wrap counters), 2.8.3 (WRITE in a
 * used descriptor), 2.8.6 (one used descriptor per list, the rest skipped),
 * 2.8.8 (in-order batches), 2.8.10 (both event suppression structures),
 * 2.8.12 (lists taken in ring order), 2.8.15 (descriptors used only once
 * available, never changed after being marked used), 2.8.18. With
 * IN_ORDER: 2.7.9 and 6.2#3 (buffers used in the order they came).
 *
 * Invariants: size is 0 or a legal size no larger than size_max; while ready,
 * the three areas were checked mapped for the device at enable; the chain
 * scratch (segs) is allocated once at init with size_max entries and is
 * overwritten by every pop; used_idx - used_idx_flushed (mod 2^16) is the
 * number of pushed but unpublished used elements; only popped chains are
 * pushed (in_flight). Packed queues and in-order split queues keep a record
 * of every chain popped and not yet pushed (inflight[], in pop order) and
 * of every push not yet flushed (pending[], in push order); both hold at
 * most the queue size, which the pop checks against the driver.
 */
#ifndef VIOSIM_BACKEND_VQ_H
#define VIOSIM_BACKEND_VQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/misbehave.h"
#include "model/packed.h"
#include "model/result.h"
#include "sim/bus.h"

enum dev_vq_format {
  DEV_VQ_FORMAT_SPLIT,  /* 2.7 */
  DEV_VQ_FORMAT_PACKED, /* 2.8, with VIRTIO_F_RING_PACKED */
};

/* One checked buffer element: [addr, addr + len) is mapped for the device
 * (readable, or writable if writable) and does not wrap. */
struct dev_seg {
  uint64_t addr;
  uint32_t len;
  bool writable;
};

/* A descriptor chain as the device sees it after checking. segs points into
 * the queue's scratch (owned by the vq, valid until the next pop); readable
 * segments come first, then writable ones. */
struct dev_chain {
  uint16_t id; /* split: the head; packed: the buffer id of the last
                * descriptor (any value the driver chose, 2.8.13) */
  uint16_t seg_count;
  struct dev_seg *segs;
  uint64_t readable_bytes;
  uint64_t writable_bytes;
};

/* What the device records about the driver's violation on this queue. */
struct dev_violation {
  model_err err;      /* MODEL_OK: none */
  const char *clause; /* "2.7.5.3.1#3", or a section id where no statement applies */
  uint64_t time_ticks;
  uint64_t value_a, value_b; /* the offending values (index, len, ...) */
};

/* A chain popped and not yet pushed (packed, or split with IN_ORDER). */
struct dev_vq_inflight {
  uint32_t seq; /* pop sequence number: consecutive pops differ by 1 */
  uint16_t id;
  uint16_t desc_count;               /* ring descriptors the chain took */
  struct model_packed_pos avail_pos; /* packed: the device's position before it */
  uint64_t writable_bytes;
  bool pushed;
};

/* A push not yet written to the ring (packed, or split with IN_ORDER). */
struct dev_vq_pending {
  uint32_t seq;
  uint16_t id;
  uint16_t desc_count;
  uint32_t len;
  bool complete; /* len is the whole writable part (or none is writable) */
};

struct dev_vq;
/* Called once when the queue becomes broken. */
typedef void (*dev_vq_violation_fn)(void *ctx, struct dev_vq *vq);

struct dev_vq {
  struct sim_bus *bus; /* borrowed */
  uint16_t index;
  uint16_t size_max; /* QueueSizeMax; 0: the queue is unavailable */
  enum dev_vq_format format;

  /* Driver-written configuration (through the register file). */
  uint16_t size;      /* QueueSize; size_max until written */
  bool size_rejected; /* the last QueueSize write was illegal: unusable */
  uint64_t desc_addr, driver_addr, device_addr;
  bool ready;
  uint64_t features; /* negotiated features the ring consults */

  /* Device-side ring state. */
  uint16_t start_idx;        /* where indices start after reset (tests) */
  uint16_t last_avail_idx;   /* next available entry to take */
  uint16_t avail_idx_shadow; /* last avail idx read and checked */
  uint16_t used_idx;         /* next used entry to write */
  uint16_t used_idx_flushed; /* used idx last published */
  uint32_t in_flight;        /* popped, neither pushed nor given back */
  /* Packed ring state (2.8.1): next position to read (its wrap is the lap
   * the device expects the driver to be in), next position to write a used
   * descriptor at (its wrap is the Device Ring Wrap Counter), and the
   * descriptors taken by chains popped and not yet written used. */
  struct model_packed_pos avail_pos;
  struct model_packed_pos used_pos;
  uint32_t outstanding_desc_count;
  bool notify_enabled; /* available buffer notifications wanted */
  bool broken;
  struct dev_violation violation;

  dev_vq_violation_fn on_violation;
  void *violation_ctx;
  uint64_t misbehave; /* dev_misbehave_mask() bits (backend/misbehave.h) */

  /* Chain scratch, owned, capacity size_max (a legal chain never has more
   * segments than the queue size, 2.7.5.3.1#3). */
  struct dev_seg *segs;
  uint32_t seg_capacity;
  /* Records (owned, capacity size_max each): see the header comment. */
  struct dev_vq_inflight *inflight; /* ring: first at inflight_head */
  uint32_t inflight_head, inflight_count;
  struct dev_vq_pending *pending;
  uint32_t pending_count;
  uint32_t pop_seq;

  /* Statistics. */
  uint64_t popped_count;
  uint64_t used_count;
  uint64_t irq_count;
  uint64_t irq_suppressed_count;
};

/* Allocate the chain scratch; the queue starts reset. size_max 0 makes an
 * unavailable queue; otherwise it must be a legal split size
 * (MODEL_ERR_QUEUE_SIZE). MODEL_ERR_NO_MEMORY. */
MODEL_MUST_USE model_err dev_vq_init(struct dev_vq *vq, struct sim_bus *bus, uint16_t index,
                                     uint16_t size_max);
void dev_vq_fini(struct dev_vq *vq);
void dev_vq_set_violation_hook(struct dev_vq *vq, dev_vq_violation_fn fn, void *ctx);

/* Device or queue reset (2.4.1, 2.6.1.1.1#2): configuration back to defaults,
 * not ready, indices back to start_idx, not broken. */
void dev_vq_reset(struct dev_vq *vq);
/* Tests and scenarios: indices start here after the next reset/enable
 * (exercises the 16-bit wrap without 65536 buffers). */
void dev_vq_set_start_idx(struct dev_vq *vq, uint16_t idx);

/* Register-file configuration. Each is refused while the queue is ready
 * (the driver breaks 4.2.2.2#13): MODEL_ERR_INVALID_ARG, no effect. */
/* QueueSize: no larger than size_max, and a power of two unless
 * VIRTIO_F_RING_PACKED was negotiated (then any number from 1, 2.8.10.1), else
 * MODEL_ERR_QUEUE_SIZE and the queue stays unusable until a legal write. */
MODEL_MUST_USE model_err dev_vq_set_size(struct dev_vq *vq, uint32_t size);
enum dev_vq_area { DEV_VQ_AREA_DESC, DEV_VQ_AREA_DRIVER, DEV_VQ_AREA_DEVICE };
/* Set the low (high == false) or high 32 bits of an area's address. */
MODEL_MUST_USE model_err dev_vq_set_addr_half(struct dev_vq *vq, enum dev_vq_area area, bool high,
                                              uint32_t value);
/* QueueReady = 1: picks the format from the features (RING_PACKED: packed),
 * checks the layout (size legal, each area aligned as 2.7 or 2.8.10.1
 * says and mapped for the device: descriptor table and driver area
 * readable, device area writable; a packed ring also writable) and the format;
 * MODEL_ERR_QUEUE_SIZE, MODEL_ERR_QUEUE_UNAVAILABLE or MODEL_ERR_QUEUE_LAYOUT leave it not ready.
 * Indices start at start_idx. features: the negotiated set. */
MODEL_MUST_USE model_err dev_vq_enable(struct dev_vq *vq, uint64_t features);
/* The driver set DRIVER_OK and the queue is usable: a packed queue with
 * EVENT_IDX names the ring's first descriptor in its device event structure
 * (DESC), the counterpart of the split ring's zeroed avail_event (which
 * needs no write). Not done at QueueReady = 1: that write is the one that
 * makes the queue ready, and the device stays off the rings until it has
 * taken effect (4.2.2.1#7). A failed write breaks the queue. */
MODEL_MUST_USE model_err dev_vq_driver_ok(struct dev_vq *vq);
/* QueueReady = 0: the device stops using the queue; state is kept. */
void dev_vq_disable(struct dev_vq *vq);
/* Update the negotiated features the ring consults (FEATURES_OK). */
void dev_vq_set_features(struct dev_vq *vq, uint64_t features);

static inline bool dev_vq_is_ready(const struct dev_vq *vq) {
  return vq->ready;
}
static inline bool dev_vq_is_broken(const struct dev_vq *vq) {
  return vq->broken;
}
static inline bool dev_vq_is_usable(const struct dev_vq *vq) {
  return vq->ready && !vq->broken;
}

/*
 * Take the next available chain. MODEL_OK with *chain filled;
 * MODEL_ERR_RING_EMPTY when the driver has made nothing more available;
 * MODEL_ERR_QUEUE_NOT_READY / MODEL_ERR_RING_BROKEN when the queue is not
 * usable; or the violation code (RING_AVAIL_IDX, RING_HEAD_RANGE,
 * RING_NEXT_RANGE, RING_LOOP, RING_WRITE_ORDER, RING_INDIRECT_*, MEM_*),
 * after which the queue is broken.
 */
MODEL_MUST_USE model_err dev_vq_pop(struct dev_vq *vq, struct dev_chain *chain);
/* Give back the last `count` popped chains that were not pushed (the device
 * found it could not use them): they are taken again by the next pops.
 * (For a packed queue, the position moves back over their descriptors.) */
void dev_vq_unpop(struct dev_vq *vq, uint16_t count);
/* Write one used element (id, len_written). len_written is at most the
 * chain's writable bytes (the caller's invariant; asserted by the caller).
 * Packed queues and in-order split queues only record it: flush writes it
 * (and batches it with IN_ORDER). id must be a chain popped and not pushed. */
MODEL_MUST_USE model_err dev_vq_push(struct dev_vq *vq, uint16_t id, uint32_t len_written);
/* Publish every pushed element (used idx; packed: the used descriptors,
 * the first one's flags last, 2.8.9 analogue) and decide whether a used
 * buffer notification is due (2.7.7.2; packed: the driver event suppression
 * structure, 2.8.10); *need_irq says so. Suppressed ones are
 * counted (SIM_CTR_IRQ_SUPPRESSED). Raising it is the caller's job. */
MODEL_MUST_USE model_err dev_vq_flush(struct dev_vq *vq, bool *need_irq);
/*
 * Ask for (enable) or waive (disable) available buffer notifications
 * (2.7.10.2): VIRTQ_USED_F_NO_NOTIFY without EVENT_IDX, avail_event with it.
 * Packed: the device event suppression structure, ENABLE/DISABLE without
 * EVENT_IDX, DESC naming the next position to be made available with it.
 * On enable, re-reads the available idx and sets *more_available if buffers
 * arrived meanwhile (the caller processes them: no notification will come
 * for those). more_available may be NULL.
 */
MODEL_MUST_USE model_err dev_vq_notify_enable(struct dev_vq *vq, bool enable, bool *more_available);
/* True if the driver has made buffers available that were not yet popped
 * (re-reads and checks avail idx). */
MODEL_MUST_USE model_err dev_vq_has_available(struct dev_vq *vq, bool *available);

/* Gather len bytes of the chain's readable part from offset into dst, or
 * scatter len bytes from src into its writable part from offset.
 * MODEL_ERR_INVALID_ARG if the range is outside that part; a bus failure is
 * returned as is (the segments were checked, so it means an injected fault). */
MODEL_MUST_USE model_err dev_vq_chain_read(struct dev_vq *vq, const struct dev_chain *chain,
                                           uint64_t offset, void *dst, size_t len);
MODEL_MUST_USE model_err dev_vq_chain_write(struct dev_vq *vq, const struct dev_chain *chain,
                                            uint64_t offset, const void *src, size_t len);

/* Mark the queue broken for a violation the device type found in the
 * payload (e.g. a malformed virtio-net header): recorded and reported like
 * the ring's own violations. Returns err for chaining. */
model_err dev_vq_report_violation(struct dev_vq *vq, model_err err, const char *clause,
                                  uint64_t value_a, uint64_t value_b);

/* The clause id of a rule both ring formats state, for this queue's format:
 * split_clause on a split queue, packed_clause on a packed one (e.g. a
 * buffer access that failed: 2.7.5 / 2.8.4). Both are static strings. */
const char *dev_vq_clause(const struct dev_vq *vq, const char *split_clause,
                          const char *packed_clause);

#endif
