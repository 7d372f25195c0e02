/*
 * frontend/mmio.h: the virtio-mmio transport, driver side (4.2).
 *
 * Every access goes through the bus as SIM_ACTOR_DRIVER. Control registers
 * are read and written 32 bits wide and aligned (4.2.2.2#4); configuration
 * space fields are accessed with the width their type asks for (4.2.2.2#5):
 * 8-bit fields 8 bits wide, 16-bit fields 16 bits wide and aligned, 32-bit
 * fields 32 bits wide, 64-bit fields as two aligned 32-bit halves. The
 * driver never reads a write-only register nor writes a read-only one
 * (4.2.2.2#2, #3), and never uses the shared-memory registers (4.2.3.1.1#5).
 *
 * What the device returns is hostile: register values are checked where they
 * are used; every wait on the device (the configuration generation loop of
 * 2.5.1, a queue-disable read-back) is bounded and ends in MODEL_ERR_TIMEOUT.
 *
 * Queue programming follows 4.2.3.2 and never touches QueueSize or the
 * address registers of a queue whose QueueReady reads non-zero (4.2.2.2#13).
 */
#ifndef VIOSIM_FRONTEND_MMIO_H
#define VIOSIM_FRONTEND_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/misbehave.h"
#include "model/mmio.h"
#include "model/result.h"
#include "sim/bus.h"

/* How many times the generation loop re-reads before giving up. */
#define DRV_MMIO_GENERATION_TRIES_MAX 8u
/* How many times a register that must settle (QueueReady after writing 0)
 * is read back before giving up. */
#define DRV_MMIO_READBACK_TRIES_MAX 8u

struct drv_mmio {
  struct sim_bus *bus; /* borrowed */
  /* Misbehaviours (frontend/misbehave.h) this transport commits at its rule
   * points (marked in mmio.c); empty after drv_mmio_init. The owner sets it. */
  struct drv_misbehave_set misbehave;
  uint32_t queue_size_max_seen; /* QueueSizeMax last read */
  uint64_t generation_retries;  /* times the generation loop had to re-read */
};

void drv_mmio_init(struct drv_mmio *m, struct sim_bus *bus);

/* A 32-bit control register (offset below MODEL_MMIO_CONFIG). */
MODEL_MUST_USE model_err drv_mmio_read(struct drv_mmio *m, uint32_t offset, uint32_t *value);
MODEL_MUST_USE model_err drv_mmio_write(struct drv_mmio *m, uint32_t offset, uint32_t value);

/* Identification registers (4.2.3.1.1): magic, version, device id and vendor
 * id, read in that order. Stops after the first value that makes the device
 * one to ignore (bad magic, bad version, device id 0): *read_count says how
 * many of the four registers were read. */
struct drv_mmio_ident {
  uint32_t magic, version, device_id, vendor_id;
  unsigned read_count;
};
MODEL_MUST_USE model_err drv_mmio_ident_read(struct drv_mmio *m, struct drv_mmio_ident *id);

/* Status register. */
MODEL_MUST_USE model_err drv_mmio_status_read(struct drv_mmio *m, uint8_t *status);
MODEL_MUST_USE model_err drv_mmio_status_write(struct drv_mmio *m, uint8_t status);

/* Feature words 0 and 1: select, then read/write (4.2.2.2#10, #11). */
MODEL_MUST_USE model_err drv_mmio_features_read(struct drv_mmio *m, uint64_t *features);
MODEL_MUST_USE model_err drv_mmio_features_write(struct drv_mmio *m, uint64_t features);

/* Configuration space, one field at a time, at offset from MODEL_MMIO_CONFIG.
 * These do no generation check: wrap them in drv_mmio_config_read(). */
MODEL_MUST_USE model_err drv_mmio_config_u8(struct drv_mmio *m, uint32_t offset, uint8_t *value);
MODEL_MUST_USE model_err drv_mmio_config_le16(struct drv_mmio *m, uint32_t offset, uint16_t *value);
MODEL_MUST_USE model_err drv_mmio_config_le32(struct drv_mmio *m, uint32_t offset, uint32_t *value);
MODEL_MUST_USE model_err drv_mmio_config_le64(struct drv_mmio *m, uint32_t offset, uint64_t *value);
MODEL_MUST_USE model_err drv_mmio_config_generation(struct drv_mmio *m, uint32_t *generation);
/* Write one byte of configuration space. Only the misbehaving driver uses
 * it: no virtio-net config field may be written (5.1.4.2#1). */
MODEL_MUST_USE model_err drv_mmio_config_write_u8(struct drv_mmio *m, uint32_t offset,
                                                  uint8_t value);

/* The generation loop (2.5.1#2): read ConfigGeneration, call read_fields,
 * read ConfigGeneration again, and repeat while the two differ, at most
 * DRV_MMIO_GENERATION_TRIES_MAX times (then MODEL_ERR_TIMEOUT). read_fields
 * must be idempotent: it fills its ctx again on each try. */
typedef model_err (*drv_mmio_config_fn)(struct drv_mmio *m, void *ctx);
MODEL_MUST_USE model_err drv_mmio_config_read(struct drv_mmio *m, drv_mmio_config_fn read_fields,
                                              void *ctx);

/* Where a queue's three areas are and how large it is. */
struct drv_mmio_queue_layout {
  uint32_t size;
  uint64_t desc_addr;
  uint64_t driver_addr;
  uint64_t device_addr;
};

/* Select queue `index` and read its QueueSizeMax (4.2.3.2 steps 1-3).
 * MODEL_ERR_QUEUE_UNAVAILABLE if QueueReady already reads non-zero (the queue
 * is in use: its registers are not touched) or QueueSizeMax is 0. */
MODEL_MUST_USE model_err drv_mmio_queue_size_max(struct drv_mmio *m, uint16_t index,
                                                 uint32_t *size_max);
/* Program queue `index` (4.2.3.2 steps 1, 2, 5-7): select it, check that
 * QueueReady reads 0, write QueueSize and the six address registers, then
 * write 1 to QueueReady. MODEL_ERR_QUEUE_UNAVAILABLE if QueueReady reads
 * non-zero; MODEL_ERR_QUEUE_SIZE if layout->size is 0. */
MODEL_MUST_USE model_err drv_mmio_queue_program(struct drv_mmio *m, uint16_t index,
                                                const struct drv_mmio_queue_layout *layout);
/* Stop using queue `index`: write 0 to QueueReady and read it back until it
 * reads 0 (4.2.2.2#14, #15); MODEL_ERR_TIMEOUT if it never does. */
MODEL_MUST_USE model_err drv_mmio_queue_disable(struct drv_mmio *m, uint16_t index);

/* Available buffer notification (4.2.3.3): write the queue index (or the
 * notification data) to QueueNotify. */
MODEL_MUST_USE model_err drv_mmio_notify(struct drv_mmio *m, uint32_t value);

/* InterruptStatus, with the undefined bits dropped (4.2.2.2#16); *raw gets
 * the value as read (may be NULL). */
MODEL_MUST_USE model_err drv_mmio_isr_read(struct drv_mmio *m, uint32_t *bits, uint32_t *raw);
/* InterruptACK with the handled bits; undefined bits are never set
 * (4.2.2.2#17, #18). Nothing is written when no defined bit is left. */
MODEL_MUST_USE model_err drv_mmio_isr_ack(struct drv_mmio *m, uint32_t bits);

#endif
