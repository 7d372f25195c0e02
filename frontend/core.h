/*
 * frontend/core.h: the generic driver core: device discovery, the status
 * sequence, feature negotiation and reset (2.1, 2.2, 2.4, 3.1, 4.2.3.1).
 *
 * The core is stepwise so that a scenario can walk any status path one step
 * at a time; drv_net_start() (frontend/net.h) strings the steps together in
 * the order 3.1.1 asks for:
 *
 *   drv_core_probe        magic, version, device id (4.2.3.1.1)
 *   drv_core_reset        write 0, read back until 0 (2.4.2#1), bounded
 *   drv_core_add_status   ACKNOWLEDGE, DRIVER (3.1.1 steps 2, 3)
 *   drv_core_negotiate    read features, write the accepted subset, set
 *                         FEATURES_OK, re-read it (3.1.1 steps 4-6)
 *   ... device-specific setup (queues, config) ...
 *   drv_core_add_status   DRIVER_OK (3.1.1 step 8)
 *
 * Status: the core keeps the value it last wrote (status_shadow) and writes
 * status_shadow | bit, so it never clears a bit (2.1.1#2). A step that is not
 * a legal transition from the model's table (model_status_transition_ok) is
 * refused with MODEL_ERR_STATUS_TRANSITION and nothing is written. When a step
 * goes irrecoverably wrong the core sets FAILED (3.1.1#4) and refuses every
 * further step but reset (3.1.1#5, 2.1.1#3).
 *
 * DEVICE_NEEDS_RESET: every status read that shows it sets a sticky
 * observation (drv_core_needs_reset) that only a reset clears, and adds the
 * bit to status_shadow, so that a later write (FAILED) does not clear it
 * (2.1.1#2).
 *
 * The transport is virtio-mmio today (struct drv_mmio); a PCI transport would
 * become a second member selected by a transport enum, as the ring formats
 * are in frontend/vq.h.
 */
#ifndef VIOSIM_FRONTEND_CORE_H
#define VIOSIM_FRONTEND_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "frontend/mmio.h"
#include "model/result.h"
#include "model/virtio.h"
#include "sim/bus.h"

/* How many status reads a reset waits for the device to show 0. */
#define DRV_CORE_RESET_POLLS_MAX 16u

/*
 * Features this driver core knows how to handle at the transport and ring
 * level. Anything else the device offers is ignored (2.2.1#4, #5), however a
 * caller's `wanted` mask is set.
 */
#define DRV_CORE_FEATURES_TRANSPORT                                                                \
  (((uint64_t)1 << VIRTIO_F_INDIRECT_DESC) | ((uint64_t)1 << VIRTIO_F_EVENT_IDX) |                 \
   ((uint64_t)1 << VIRTIO_F_VERSION_1) | ((uint64_t)1 << VIRTIO_F_RING_PACKED) |                   \
   ((uint64_t)1 << VIRTIO_F_IN_ORDER))

enum drv_core_state {
  DRV_CORE_UNPROBED, /* nothing read yet */
  DRV_CORE_ABSENT,   /* probe found no device to drive: left alone */
  DRV_CORE_PROBED,   /* identified; status sequence may start */
  DRV_CORE_FAILED,   /* FAILED written: only a reset is allowed */
};

struct drv_core {
  struct sim_bus *bus; /* borrowed */
  struct drv_mmio mmio;
  enum drv_core_state state;
  struct drv_mmio_ident ident;
  uint8_t status_shadow;    /* what the driver last wrote to Status, plus
                             * DEVICE_NEEDS_RESET once a read showed it */
  uint8_t status_last_read; /* what Status last read back */
  bool needs_reset_seen;    /* sticky: DEVICE_NEEDS_RESET was read */
  uint64_t device_features; /* offered, as last read */
  uint64_t driver_features; /* accepted, as last written */
  bool features_ok;         /* FEATURES_OK set and kept */
  uint64_t driver_known;    /* device-type bits the caller understands */
  /* Misbehaviours (frontend/misbehave.h) the core commits; empty after init.
   * The owner sets it (and mmio.misbehave); a one-shot clears its own bit
   * here when it fires, so it stays spent across resets. */
  struct drv_misbehave_set misbehave;
  bool features_ok_skipped; /* misbehave skip-features-ok: DRIVER_OK may follow */
  uint64_t reset_count;
  bool ignored; /* sticky: a bad magic or version, or DeviceID 0, was read */
};

/* Bind the core to the bus's register file. Touches no register. */
void drv_core_init(struct drv_core *core, struct sim_bus *bus);

/*
 * Identify the device (4.2.3.1.1#1-#4): read MagicValue and Version and, if
 * both are valid, DeviceID. Bad magic or version (4.2.2.2#6, #7), or device
 * id 0 (4.2.2.2#8, #9: ignored quietly, no other register touched), or a
 * device id other than expected_device_id (0: any) give
 * MODEL_ERR_DEVICE_ABSENT and state DRV_CORE_ABSENT; nothing is written.
 * VendorID is read only for a device that will be driven. A device found
 * with a bad magic, version or DeviceID 0 is ignored for good: later probes
 * of this core give MODEL_ERR_DEVICE_ABSENT touching no register (only
 * drv_core_init starts over); one of another type may be probed again.
 */
MODEL_MUST_USE model_err drv_core_probe(struct drv_core *core, uint32_t expected_device_id);

/*
 * Reset the device: write 0 to Status and read it back until it reads 0, at
 * most DRV_CORE_RESET_POLLS_MAX reads (2.4.2#1); MODEL_ERR_TIMEOUT after
 * that. Clears the FAILED state, the NEEDS_RESET observation and the
 * negotiated features.
 */
MODEL_MUST_USE model_err drv_core_reset(struct drv_core *core);

/*
 * Write status_shadow | bit (one of VIRTIO_STATUS_*). Refused with
 * MODEL_ERR_STATUS_TRANSITION if the model's table forbids the step, with
 * MODEL_ERR_DEVICE_ABSENT before a successful probe, and with
 * MODEL_ERR_STATUS_TRANSITION in the FAILED state (only reset is allowed
 * then). Adding FAILED always works: that is drv_core_fail().
 */
MODEL_MUST_USE model_err drv_core_add_status(struct drv_core *core, uint8_t bit);

/* Read Status; notes DEVICE_NEEDS_RESET. */
MODEL_MUST_USE model_err drv_core_status_read(struct drv_core *core, uint8_t *status);

/* Give up on the device: write FAILED (3.1.1#4) and enter the FAILED state. */
MODEL_MUST_USE model_err drv_core_fail(struct drv_core *core);

/* The device-type feature bits the caller understands (default: none). Bits
 * outside these and DRV_CORE_FEATURES_TRANSPORT are never accepted. */
void drv_core_set_known_features(struct drv_core *core, uint64_t device_known);

/* Step 4 parts, for scenarios that split it: DeviceFeatures words 0 and 1
 * (after selecting each), and DriverFeatures words 0 and 1. */
MODEL_MUST_USE model_err drv_core_features_read(struct drv_core *core, uint64_t *offered);
MODEL_MUST_USE model_err drv_core_features_write(struct drv_core *core, uint64_t accepted);
/* Step 5 and 6: set FEATURES_OK and re-read Status. If FEATURES_OK was not
 * kept: FAILED is set (3.1.1#4) and MODEL_ERR_FEATURE_REJECTED returned. */
MODEL_MUST_USE model_err drv_core_features_ok(struct drv_core *core);

/*
 * The whole of steps 4 to 6: read what the device offers; accept
 * offered & wanted & known, minus every bit whose dependencies
 * (model_features_check_deps) are not accepted with it (2.2.1#1, #2) or
 * that the spec advises against alone (model_features_check_advised); write
 * it; set FEATURES_OK and check it stuck. If a bit of `required` is not in the
 * accepted set, FAILED is set before FEATURES_OK and
 * MODEL_ERR_FEATURE_REQUIRED is returned (2.2.1#7: the device lacks what the
 * driver cannot work without; viosim has no legacy mode to fall back to).
 * *negotiated (may be NULL) gets the accepted set.
 */
MODEL_MUST_USE model_err drv_core_negotiate(struct drv_core *core, uint64_t wanted,
                                            uint64_t required, uint64_t *negotiated);

/* The accepted features once FEATURES_OK was kept; 0 before. */
uint64_t drv_core_features(const struct drv_core *core);
static inline bool drv_core_has(const struct drv_core *core, unsigned bit) {
  return model_features_has(drv_core_features(core), bit);
}
bool drv_core_needs_reset(const struct drv_core *core);
bool drv_core_is_failed(const struct drv_core *core);

#endif
