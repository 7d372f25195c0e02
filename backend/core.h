/*
 * backend/core.h: the generic virtio device, independent of transport and
 * device type. It owns the device status, the feature negotiation, the
 * virtqueues, the interrupt status, the configuration generation and device
 * reset; a transport register file (backend/mmio.h) maps registers onto it
 * and a device type (backend/net.h) plugs in through struct dev_core_ops.
 *
 * Implements, for the device: 2.1.2 (no buffers consumed and no used buffer
 * notification before DRIVER_OK; DEVICE_NEEDS_RESET with a configuration
 * change notification), 2.2.2 (FEATURES_OK kept only for a valid subset of
 * the offered features), 2.4.1 (reset clears the status and everything the
 * device does), 2.5 (configuration generation), 2.6.1.1.1 (queue reset),
 * 3.1.1 (the initialisation order, checked with model/'s status table),
 * 4.2.2.1#3-#6 (interrupt status and its reset).
 *
 * Implementation notes: the negotiated feature set is latched when the
 * device keeps FEATURES_OK; before that dev_core_features() is 0. The device
 * is live between DRIVER_OK and the next reset or DEVICE_NEEDS_RESET. A
 * violation (from a queue or from the device type) is recorded once per
 * reset: the first one is kept in core->violation.
 */
#ifndef VIOSIM_BACKEND_CORE_H
#define VIOSIM_BACKEND_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/vq.h"
#include "model/result.h"
#include "model/virtio.h"
#include "sim/bus.h"

/* The device type's hooks. Any may be NULL. */
struct dev_core_ops {
  /* Device-specific configuration space, offset from its start; width 1, 2
   * or 4. The transport checked alignment; the hook checks the layout
   * (MODEL_ERR_REG_UNDEFINED past the end, MODEL_ERR_REG_WIDTH across a
   * field, MODEL_ERR_REG_DIRECTION for a read-only field). */
  model_err (*config_read)(void *ctx, uint32_t offset, uint32_t width, uint32_t *value);
  model_err (*config_write)(void *ctx, uint32_t offset, uint32_t width, uint32_t value);
  /* Available buffer notification for a queue, while the device is live. */
  void (*queue_notify)(void *ctx, uint16_t index);
  /* Device reset: cancel pending device work, drop what the device holds
   * (SIM_DROP_RESET), restore the device-type state. The core has already
   * reset status, features, queues and ISR. */
  void (*reset)(void *ctx);
  /* The driver set DRIVER_OK: the device is live. */
  void (*driver_ok)(void *ctx);
  /* One queue was reset (VIRTIO_F_RING_RESET): cancel its pending work. */
  void (*queue_reset)(void *ctx, uint16_t index);
  /* The driver set a queue ready (QueueReady = 1 accepted). */
  void (*queue_ready)(void *ctx, uint16_t index);
};

struct dev_core_config {
  uint32_t device_id; /* VIRTIO_ID_NET */
  uint32_t vendor_id;
  uint64_t features_offered;
  uint16_t queue_count;
  uint16_t queue_size_max; /* QueueSizeMax of every queue */
};

struct dev_core {
  struct sim_bus *bus; /* borrowed */
  struct dev_core_config cfg;
  const struct dev_core_ops *ops; /* borrowed */
  void *ops_ctx;

  uint8_t status;
  uint64_t features_driver;   /* DriverFeatures words 0 and 1 as written */
  bool features_driver_high;  /* a nonzero DriverFeatures word above 1 */
  uint64_t features;          /* negotiated: latched when FEATURES_OK is kept */
  model_err features_verdict; /* why FEATURES_OK was last refused; MODEL_OK if not */
  unsigned features_bad_bit;  /* the offending bit of that refusal */
  uint32_t isr;               /* MODEL_MMIO_INT_* bits */
  uint32_t config_generation;

  struct dev_vq *vqs; /* owned, cfg.queue_count entries */

  struct dev_violation violation; /* the first since reset; err MODEL_OK if none */
  int32_t violation_queue;        /* its queue, or -1 for the device */
  uint64_t misbehave;             /* dev_misbehave_mask() bits (backend/misbehave.h) */
  bool driver_ok_seen;            /* DRIVER_OK was kept once; survives resets */
  bool features_ok_kept;          /* FEATURES_OK was kept once; survives resets */
  uint64_t reset_count;
};

/* Allocate the queues; the device starts reset. MODEL_ERR_INVALID_ARG for a
 * bad configuration, MODEL_ERR_NO_MEMORY. */
MODEL_MUST_USE model_err dev_core_init(struct dev_core *core, struct sim_bus *bus,
                                       const struct dev_core_config *cfg,
                                       const struct dev_core_ops *ops, void *ops_ctx);
void dev_core_fini(struct dev_core *core);

/* Device reset (2.4.1, 4.2.2.1#5): status, features, queues, ISR back to
 * their initial state, then the device type's reset hook; counted as
 * SIM_CTR_RESETS. */
void dev_core_reset(struct dev_core *core);

/*
 * A Status write. 0 resets. Otherwise the transition must be legal
 * (model_status_transition_ok; the device's own DEVICE_NEEDS_RESET bit is
 * kept whatever the driver writes), else MODEL_ERR_STATUS_TRANSITION and the
 * status is unchanged. Setting FEATURES_OK: kept only if the accepted
 * features are offered, satisfy their dependencies and include
 * VIRTIO_F_VERSION_1 (2.2.2#2, #3); otherwise the other new bits are taken,
 * FEATURES_OK is not, features_verdict says why, and the write returns
 * MODEL_OK (refusing is the device's defined answer, 3.1.1 step 6).
 */
MODEL_MUST_USE model_err dev_core_write_status(struct dev_core *core, uint8_t status);
static inline uint8_t dev_core_status(const struct dev_core *core) {
  return core->status;
}

/* DeviceFeatures word `sel` (0 for bits 0-31, 1 for 32-63, 0 above). */
uint32_t dev_core_device_features_word(const struct dev_core *core, uint32_t sel);
/* DriverFeatures word `sel`. Ignored once FEATURES_OK is set (3.1.1#3). */
void dev_core_write_driver_features_word(struct dev_core *core, uint32_t sel, uint32_t value);
static inline uint64_t dev_core_features(const struct dev_core *core) {
  return core->features;
}
static inline bool dev_core_has_feature(const struct dev_core *core, unsigned bit) {
  return model_features_has(core->features, bit);
}

/* DRIVER_OK set and DEVICE_NEEDS_RESET not: the device may use its queues. */
bool dev_core_is_live(const struct dev_core *core);
/* Live, or (misbehaviours use-before-driver-ok, work-after-reset) not yet
 * live but servicing ready queues anyway: what the queue servicing code
 * asks. Equal to dev_core_is_live() for a conformant device. */
bool dev_core_may_service(const struct dev_core *core);
/* Queue `index`, or NULL if the device has no such queue. */
struct dev_vq *dev_core_vq(struct dev_core *core, uint32_t index);
const struct dev_vq *dev_core_vq_const(const struct dev_core *core, uint32_t index);

/* QueueReady = 1 for a queue: dev_vq_enable with the negotiated features,
 * then the device type's queue_ready hook if the queue was not ready. */
MODEL_MUST_USE model_err dev_core_queue_enable(struct dev_core *core, uint32_t index);
/* QueueReset = 1 (with VIRTIO_F_RING_RESET): the queue back to its reset
 * state (2.6.1.1.1), and the device type's queue_reset hook. */
MODEL_MUST_USE model_err dev_core_queue_reset(struct dev_core *core, uint32_t index);

/* The doorbell for queue `index` (decoded by the transport). Ignored unless
 * the device is live (dev_core_may_service) and the queue exists
 * (2.7.10.2#3: spurious ones are harmless). */
void dev_core_notify(struct dev_core *core, uint32_t index);

/* Used buffer notification: ISR bit 0, then an interrupt on the bus. Only
 * while live (2.1.2#1; dev_core_may_service); otherwise nothing. */
void dev_core_raise_used_irq(struct dev_core *core);
/* The configuration changed: generation incremented (4.2.2.1#6); ISR bit 1
 * and an interrupt if DRIVER_OK is set (SIM_CTR_CONFIG_IRQ). */
void dev_core_config_changed(struct dev_core *core);
static inline uint32_t dev_core_isr(const struct dev_core *core) {
  return core->isr;
}
/* A configuration field changed (no notification: the caller decides):
 * ConfigGeneration moves on (4.2.2.1#6). */
void dev_core_config_generation_bump(struct dev_core *core);
/* InterruptACK: clears the acknowledged bits (undefined bits ignored). */
void dev_core_isr_ack(struct dev_core *core, uint32_t bits);

/* Configuration space access through the device type's hooks. */
MODEL_MUST_USE model_err dev_core_config_read(struct dev_core *core, uint32_t offset,
                                              uint32_t width, uint32_t *value);
MODEL_MUST_USE model_err dev_core_config_write(struct dev_core *core, uint32_t offset,
                                               uint32_t width, uint32_t value);

/* The device entered an error state that needs a reset: DEVICE_NEEDS_RESET,
 * and a configuration change notification if DRIVER_OK is set (2.1.2#2,
 * #3). queue is the queue concerned or -1. Recorded if it is the first since
 * reset. Queues report through this automatically (their violation hook). */
void dev_core_needs_reset(struct dev_core *core, int32_t queue, const struct dev_violation *why);

#endif
