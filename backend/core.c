/*
 * backend/core.c: the generic device (see core.h): status, feature
 * negotiation, queues, interrupt status, configuration generation, reset and
 * DEVICE_NEEDS_RESET.
 *
 * Status discipline: the driver owns every bit but DEVICE_NEEDS_RESET, which
 * only the device sets and only a reset clears. A status write is checked
 * against model/'s transition table with that bit taken out on both sides,
 * so a driver that writes back what it read (including the bit) and one
 * that does not are judged alike.
 *
 * Misbehaviours acting here (backend/misbehave.h), each at a "misbehave
 * point": use-before-driver-ok and work-after-reset (the DRIVER_OK gate),
 * touch-unready-queue (queue enable), silent-needs-reset, refuse-features,
 * refuse-after-reset and accept-any-features (FEATURES_OK), ignore-reset,
 * clear-isr-early, keep-state-on-reset, no-generation-bump.
 */
#include "backend/core.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/mmio.h"
#include "model/split.h"
#include "model/virtio.h"

static void dev_core_on_vq_violation(void *ctx, struct dev_vq *vq) {
  struct dev_core *core = ctx;
  dev_core_needs_reset(core, vq->index, &vq->violation);
}

model_err dev_core_init(struct dev_core *core, struct sim_bus *bus,
                        const struct dev_core_config *cfg, const struct dev_core_ops *ops,
                        void *ops_ctx) {
  memset(core, 0, sizeof(*core));
  MODEL_ENSURE(bus != NULL && cfg != NULL && ops != NULL, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(cfg->queue_count > 0, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(model_split_queue_size_ok(cfg->queue_size_max), MODEL_ERR_INVALID_ARG);
  core->bus = bus;
  core->cfg = *cfg;
  core->ops = ops;
  core->ops_ctx = ops_ctx;
  core->vqs = calloc(cfg->queue_count, sizeof(*core->vqs));
  MODEL_ENSURE(core->vqs != NULL, MODEL_ERR_NO_MEMORY);
  for (uint16_t i = 0; i < cfg->queue_count; i++) {
    model_err err = dev_vq_init(&core->vqs[i], bus, i, cfg->queue_size_max);
    if (err != MODEL_OK) {
      dev_core_fini(core);
      return err;
    }
    dev_vq_set_violation_hook(&core->vqs[i], dev_core_on_vq_violation, core);
  }
  core->violation_queue = -1;
  return MODEL_OK;
}

void dev_core_fini(struct dev_core *core) {
  if (core->vqs != NULL) {
    for (uint16_t i = 0; i < core->cfg.queue_count; i++)
      dev_vq_fini(&core->vqs[i]);
  }
  free(core->vqs);
  core->vqs = NULL;
}

static bool misbehaves(const struct dev_core *core, enum dev_misbehave bit) {
  return dev_misbehave_has(core->misbehave, bit);
}

void dev_core_reset(struct dev_core *core) {
  /* 2.4.1#1: status back to 0. 4.2.2.1#5: ISR and every QueueReady cleared
   * (misbehave point, keep-state-on-reset: both kept, with the rest of the
   * queues' state). Features are renegotiated from scratch (2.2). */
  bool keep_state = misbehaves(core, DEV_MISBEHAVE_KEEP_STATE_ON_RESET);
  core->status = 0;
  core->features_driver = 0;
  core->features_driver_high = false;
  core->features = 0;
  core->features_verdict = MODEL_OK;
  core->features_bad_bit = 0;
  if (!keep_state)
    core->isr = 0;
  memset(&core->violation, 0, sizeof(core->violation));
  core->violation_queue = -1;
  for (uint16_t i = 0; i < core->cfg.queue_count && !keep_state; i++)
    dev_vq_reset(&core->vqs[i]);
  core->reset_count++;
  sim_bus_count(core->bus, SIM_CTR_RESETS, 1);
  /* 2.4.1#2: the device type cancels whatever it had scheduled. */
  if (core->ops->reset != NULL)
    core->ops->reset(core->ops_ctx);
}

/* 2.2.2#2, #3: keep FEATURES_OK for a valid subset of the offered set, and
 * only for one. */
static model_err features_verdict(struct dev_core *core, unsigned *bad_bit) {
  uint64_t accepted = core->features_driver;
  *bad_bit = 0;
  if (core->features_driver_high) {
    *bad_bit = 64; /* a bit above 63: never offered */
    return MODEL_ERR_FEATURE_UNOFFERED;
  }
  uint64_t unoffered = accepted & ~core->cfg.features_offered;
  if (unoffered != 0) {
    for (unsigned bit = 0; bit < 64; bit++) {
      if (model_features_has(unoffered, bit)) {
        *bad_bit = bit;
        break;
      }
    }
    return MODEL_ERR_FEATURE_UNOFFERED;
  }
  uint64_t missing = 0;
  model_err err = model_features_check_deps(core->cfg.device_id, accepted, bad_bit, &missing);
  if (err != MODEL_OK)
    return err;
  /* viosim's device has no legacy interface (2.2.3): without VERSION_1 it
   * cannot operate. (Only a device that misbehaves leaves it unoffered,
   * no-version-1; it then takes what it offered.) */
  if (model_features_has(core->cfg.features_offered, VIRTIO_F_VERSION_1) &&
      !model_features_has(accepted, VIRTIO_F_VERSION_1)) {
    *bad_bit = VIRTIO_F_VERSION_1;
    return MODEL_ERR_FEATURE_REQUIRED;
  }
  return MODEL_OK;
}

static void set_features_ok(struct dev_core *core, uint8_t *new_status) {
  unsigned bad_bit = 0;
  model_err verdict = features_verdict(core, &bad_bit);
  /* misbehave points: refuse-features refuses a valid subset (2.2.2#2);
   * refuse-after-reset refuses every set once it kept one, so the same set
   * again after a reset too (2.2.2#5); accept-any-features keeps an invalid
   * one (2.2.2#3). */
  if (misbehaves(core, DEV_MISBEHAVE_REFUSE_FEATURES) && verdict == MODEL_OK)
    verdict = MODEL_ERR_FEATURE_REJECTED;
  if (misbehaves(core, DEV_MISBEHAVE_REFUSE_AFTER_RESET) && core->features_ok_kept &&
      verdict == MODEL_OK)
    verdict = MODEL_ERR_FEATURE_REJECTED;
  if (misbehaves(core, DEV_MISBEHAVE_ACCEPT_ANY_FEATURES))
    verdict = MODEL_OK;
  core->features_verdict = verdict;
  core->features_bad_bit = bad_bit;
  if (verdict != MODEL_OK) {
    *new_status = (uint8_t)(*new_status & ~VIRTIO_STATUS_FEATURES_OK);
    char note[96];
    (void)snprintf(note, sizeof(note), "FEATURES_OK refused: %s (bit %u)", model_err_name(verdict),
                   bad_bit);
    sim_bus_note(core->bus, SIM_ACTOR_DEVICE, note);
    return;
  }
  core->features = core->features_driver;
  core->features_ok_kept = true;
  for (uint16_t i = 0; i < core->cfg.queue_count; i++)
    dev_vq_set_features(&core->vqs[i], core->features);
}

/* DRIVER_OK: each usable queue sets up its notification suppression state
 * (dev_vq_driver_ok). A failure broke that queue (reported through its
 * violation hook); the others go on. */
static void queues_driver_ok(struct dev_core *core) {
  for (uint16_t i = 0; i < core->cfg.queue_count; i++) {
    if (dev_vq_driver_ok(&core->vqs[i]) != MODEL_OK)
      sim_bus_note(core->bus, SIM_ACTOR_DEVICE, "queue setup at DRIVER_OK failed");
  }
}

model_err dev_core_write_status(struct dev_core *core, uint8_t status) {
  if (status == 0) {
    /* misbehave point (ignore-reset, 2.4.1#1): the write does nothing. */
    if (!misbehaves(core, DEV_MISBEHAVE_IGNORE_RESET))
      dev_core_reset(core);
    return MODEL_OK;
  }
  uint8_t device_bits = (uint8_t)(core->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  uint8_t old_status = (uint8_t)(core->status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  uint8_t new_status = (uint8_t)(status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  /* 2.1.1#2, 3.1.1#1: bits only added, in the initialisation order. A
   * write of the device's bit alone is no reset (that is a write of 0):
   * masked, it would clear every bit the driver set (found by
   * fuzz/fuzz_transport). */
  MODEL_ENSURE(new_status != 0 || old_status == 0, MODEL_ERR_STATUS_TRANSITION);
  MODEL_ENSURE(model_status_transition_ok(old_status, new_status), MODEL_ERR_STATUS_TRANSITION);
  uint8_t added = (uint8_t)(new_status & ~old_status);
  if ((added & VIRTIO_STATUS_FEATURES_OK) != 0)
    set_features_ok(core, &new_status);
  /* DRIVER_OK only counts on top of an accepted FEATURES_OK. */
  if ((added & VIRTIO_STATUS_DRIVER_OK) != 0 && (new_status & VIRTIO_STATUS_FEATURES_OK) == 0)
    new_status = (uint8_t)(new_status & ~VIRTIO_STATUS_DRIVER_OK);
  core->status = (uint8_t)(new_status | device_bits);
  if ((new_status & VIRTIO_STATUS_DRIVER_OK) != 0)
    core->driver_ok_seen = true;
  if ((added & VIRTIO_STATUS_DRIVER_OK) != 0 && (new_status & VIRTIO_STATUS_DRIVER_OK) != 0)
    queues_driver_ok(core);
  if ((added & VIRTIO_STATUS_DRIVER_OK) != 0 && (new_status & VIRTIO_STATUS_DRIVER_OK) != 0 &&
      core->ops->driver_ok != NULL)
    core->ops->driver_ok(core->ops_ctx);
  return MODEL_OK;
}

uint32_t dev_core_device_features_word(const struct dev_core *core, uint32_t sel) {
  switch (sel) {
  case 0:
    return (uint32_t)(core->cfg.features_offered & 0xffffffffu);
  case 1:
    return (uint32_t)(core->cfg.features_offered >> 32);
  default:
    return 0;
  }
}

void dev_core_write_driver_features_word(struct dev_core *core, uint32_t sel, uint32_t value) {
  /* 3.1.1#3: nothing new is accepted after FEATURES_OK. */
  if ((core->status & VIRTIO_STATUS_FEATURES_OK) != 0)
    return;
  switch (sel) {
  case 0:
    core->features_driver = (core->features_driver & ~(uint64_t)0xffffffffu) | value;
    break;
  case 1:
    core->features_driver = (core->features_driver & 0xffffffffu) | ((uint64_t)value << 32);
    break;
  default:
    /* Bits above 63 are never offered: remember a nonzero word so that
     * FEATURES_OK is refused (model/virtio.h). */
    if (value != 0)
      core->features_driver_high = true;
    break;
  }
}

bool dev_core_is_live(const struct dev_core *core) {
  return (core->status & VIRTIO_STATUS_DRIVER_OK) != 0 &&
         (core->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) == 0;
}

bool dev_core_may_service(const struct dev_core *core) {
  if (dev_core_is_live(core))
    return true;
  if ((core->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0)
    return false;
  /* misbehave points: 2.1.2#1 before the first DRIVER_OK, 2.4.1#2 after a
   * reset that followed one; the queue itself must still be ready. */
  if (!core->driver_ok_seen)
    return misbehaves(core, DEV_MISBEHAVE_USE_BEFORE_DRIVER_OK);
  return misbehaves(core, DEV_MISBEHAVE_WORK_AFTER_RESET);
}

struct dev_vq *dev_core_vq(struct dev_core *core, uint32_t index) {
  return index < core->cfg.queue_count ? &core->vqs[index] : NULL;
}

const struct dev_vq *dev_core_vq_const(const struct dev_core *core, uint32_t index) {
  return index < core->cfg.queue_count ? &core->vqs[index] : NULL;
}

/* misbehave point (touch-unready-queue, 4.2.2.1#7): read the available
 * idx of a queue that is not ready yet (on the write that will make it
 * ready, before it takes effect). The value is not used; a failed read
 * (an unmapped or unset address) is harmless. */
static void misbehave_peek_unready(struct dev_core *core, const struct dev_vq *vq) {
  uint16_t idx = 0;
  if (vq->ready || vq->size_max == 0)
    return;
  if (sim_bus_read_le16(core->bus, SIM_ACTOR_DEVICE, vq->driver_addr + MODEL_SPLIT_AVAIL_OFF_IDX,
                        &idx) != MODEL_OK)
    sim_bus_note(core->bus, SIM_ACTOR_DEVICE, "misbehave: read of an unready ring failed");
}

model_err dev_core_queue_enable(struct dev_core *core, uint32_t index) {
  struct dev_vq *vq = dev_core_vq(core, index);
  MODEL_ENSURE(vq != NULL, MODEL_ERR_QUEUE_INDEX);
  if (misbehaves(core, DEV_MISBEHAVE_TOUCH_UNREADY_QUEUE))
    misbehave_peek_unready(core, vq);
  bool was_ready = vq->ready;
  MODEL_TRY(dev_vq_enable(vq, core->features));
  if (!was_ready && core->ops->queue_ready != NULL)
    core->ops->queue_ready(core->ops_ctx, (uint16_t)index);
  return MODEL_OK;
}

model_err dev_core_queue_reset(struct dev_core *core, uint32_t index) {
  struct dev_vq *vq = dev_core_vq(core, index);
  MODEL_ENSURE(vq != NULL, MODEL_ERR_QUEUE_INDEX);
  /* 2.6.1.1.1#1, #2: no more requests from it, and back to the defaults. */
  dev_vq_reset(vq);
  if (core->ops->queue_reset != NULL)
    core->ops->queue_reset(core->ops_ctx, (uint16_t)index);
  return MODEL_OK;
}

void dev_core_notify(struct dev_core *core, uint32_t index) {
  /* 2.1.2#1: nothing is consumed before DRIVER_OK; 2.7.10.2#3: a spurious or
   * out-of-range doorbell is harmless. */
  if (!dev_core_may_service(core) || index >= core->cfg.queue_count)
    return;
  if (core->ops->queue_notify != NULL)
    core->ops->queue_notify(core->ops_ctx, (uint16_t)index);
}

void dev_core_raise_used_irq(struct dev_core *core) {
  /* 2.1.2#1 (misbehave point: dev_core_may_service lets the misbehaving
   * device notify before DRIVER_OK) */
  if (!dev_core_may_service(core))
    return;
  /* 4.2.2.1#3: the bit stays set until acknowledged (misbehave point,
   * clear-isr-early: it is cleared as soon as the interrupt is raised). */
  core->isr |= MODEL_MMIO_INT_VRING;
  sim_bus_raise_irq(core->bus, core->isr);
  if (misbehaves(core, DEV_MISBEHAVE_CLEAR_ISR_EARLY))
    core->isr &= ~MODEL_MMIO_INT_VRING;
}

void dev_core_config_generation_bump(struct dev_core *core) {
  /* 4.2.2.1#6 (misbehave point, no-generation-bump: it stays). */
  if (!misbehaves(core, DEV_MISBEHAVE_NO_GENERATION_BUMP))
    core->config_generation++;
}

/* A configuration change: new generation, the ISR bit, and with `raise`
 * the interrupt (only once DRIVER_OK is set). */
static void config_changed(struct dev_core *core, bool raise) {
  dev_core_config_generation_bump(core);
  if ((core->status & VIRTIO_STATUS_DRIVER_OK) == 0)
    return;
  core->isr |= MODEL_MMIO_INT_CONFIG;
  if (!raise)
    return;
  sim_bus_count(core->bus, SIM_CTR_CONFIG_IRQ, 1);
  sim_bus_raise_irq(core->bus, core->isr);
  if (misbehaves(core, DEV_MISBEHAVE_CLEAR_ISR_EARLY))
    core->isr &= ~MODEL_MMIO_INT_CONFIG;
}

void dev_core_config_changed(struct dev_core *core) {
  config_changed(core, true);
}

void dev_core_isr_ack(struct dev_core *core, uint32_t bits) {
  core->isr &= ~(bits & MODEL_MMIO_INT_MASK);
}

model_err dev_core_config_read(struct dev_core *core, uint32_t offset, uint32_t width,
                               uint32_t *value) {
  *value = 0;
  MODEL_ENSURE(core->ops->config_read != NULL, MODEL_ERR_REG_UNDEFINED);
  return core->ops->config_read(core->ops_ctx, offset, width, value);
}

model_err dev_core_config_write(struct dev_core *core, uint32_t offset, uint32_t width,
                                uint32_t value) {
  MODEL_ENSURE(core->ops->config_write != NULL, MODEL_ERR_REG_DIRECTION);
  return core->ops->config_write(core->ops_ctx, offset, width, value);
}

void dev_core_needs_reset(struct dev_core *core, int32_t queue, const struct dev_violation *why) {
  bool first = (core->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) == 0;
  if (core->violation.err == MODEL_OK && why != NULL) {
    core->violation = *why;
    core->violation_queue = queue;
  }
  if (!first)
    return;
  char note[128];
  (void)snprintf(note, sizeof(note), "DEVICE_NEEDS_RESET: queue %" PRId32 " %s (%s)", queue,
                 why != NULL ? model_err_name(why->err) : "?",
                 why != NULL && why->clause != NULL ? why->clause : "-");
  sim_bus_note(core->bus, SIM_ACTOR_DEVICE, note);
  /* 2.1.2#2: the error state is shown; #3: with DRIVER_OK, the driver is
   * told by a configuration change notification. */
  core->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
  /* misbehave point (silent-needs-reset, 2.1.2#3): InterruptStatus shows
   * the change, but no interrupt tells the driver. */
  config_changed(core, !misbehaves(core, DEV_MISBEHAVE_SILENT_NEEDS_RESET));
}
