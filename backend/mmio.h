/*
 * backend/mmio.h: the virtio-mmio version 2 register file (4.2.2) over a
 * struct dev_core. It is what the bus calls for every register access of the
 * driver (struct sim_regfile_ops) and for every doorbell.
 *
 * Implements, for the device: 4.2.2.1 (magic, version, interrupt status and
 * acknowledge, QueueReady and QueueReset semantics, ConfigGeneration) and
 * the access rules of 4.2.2.2 as register-file verdicts: control registers
 * (below 0x100) only 32 bits wide and aligned (MODEL_ERR_REG_WIDTH), no read
 * of a write-only and no write of a read-only register
 * (MODEL_ERR_REG_DIRECTION, the write has no effect), no access to offsets
 * the table does not define (MODEL_ERR_REG_UNDEFINED). Configuration space
 * at 0x100 takes 8, 16 and 32-bit naturally aligned accesses; the device
 * type checks them against its layout.
 *
 * The register file has no shared memory regions: SHMLen reads as all ones
 * and SHMBase as all ones (4.2.2, "non-existent region").
 */
#ifndef VIOSIM_BACKEND_MMIO_H
#define VIOSIM_BACKEND_MMIO_H

#include <stdint.h>

#include "backend/core.h"
#include "model/result.h"
#include "sim/bus.h"

/* VendorID of viosim's device: "VSIM" as a little-endian 32-bit value. */
#define DEV_MMIO_VENDOR_ID 0x4d495356u

struct dev_mmio {
  struct dev_core *core; /* borrowed */
  uint32_t device_features_sel;
  uint32_t driver_features_sel;
  uint32_t queue_sel;
  uint32_t shm_sel;
};

void dev_mmio_init(struct dev_mmio *mmio, struct dev_core *core);
/* Attach as the bus's device register file (sim_bus_attach_device). */
void dev_mmio_attach(struct dev_mmio *mmio, struct sim_bus *bus);
/* Device reset: the selectors back to 0 (called by the owner's reset). */
void dev_mmio_reset(struct dev_mmio *mmio);

/* The register file itself; also reachable through the bus. */
MODEL_MUST_USE model_err dev_mmio_read(struct dev_mmio *mmio, uint64_t offset, uint32_t width,
                                       uint32_t *value);
MODEL_MUST_USE model_err dev_mmio_write(struct dev_mmio *mmio, uint64_t offset, uint32_t width,
                                        uint32_t value);
/* The doorbell: value as written to QueueNotify (a queue index, or
 * notification data with VIRTIO_F_NOTIFICATION_DATA, 4.2.3.3). */
void dev_mmio_notify(struct dev_mmio *mmio, uint32_t value);

/* The ops the bus calls; ctx is a struct dev_mmio. */
extern const struct sim_regfile_ops dev_mmio_regfile_ops;

#endif
