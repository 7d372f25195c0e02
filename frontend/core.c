/*
 * frontend/core.c: discovery, status sequence, negotiation and reset; see
 * frontend/core.h. Implements 2.1.1#1-#3, 2.2.1, 2.4.2#1, 3.1.1 steps 1-6
 * and 8, 4.2.3.1.1#1-#4.
 *
 * Implementation notes: every status write goes through status_put(), which
 * consults the model's transition table first (a rule point for the later
 * misbehaving driver) and keeps status_shadow; every status read goes through
 * status_get(), which notes DEVICE_NEEDS_RESET. The values the device
 * returns (magic, version, ids, feature words, status) are only compared,
 * never used to index or size anything.
 *
 * Misbehaviours (frontend/misbehave.h) wired here, marked "misbehave:":
 * clear-status-bit, init-after-failed, skip-features-ok,
 * features-after-features-ok, no-reset-readback, accept-unoffered,
 * accept-without-dependency, refuse-version-1, refuse-mac, refuse-mtu,
 * no-failed-on-refusal, ignore-features-refused, ignore-bad-device and
 * ignore-device-id-zero (with mmio.c). The one-shots among them clear their
 * bit in core->misbehave when they fire.
 */
#include "frontend/core.h"

#include <string.h>

#include "frontend/misbehave.h"

void drv_core_init(struct drv_core *core, struct sim_bus *bus) {
  memset(core, 0, sizeof(*core));
  core->bus = bus;
  drv_mmio_init(&core->mmio, bus);
  core->state = DRV_CORE_UNPROBED;
}

static bool mis(const struct drv_core *core, unsigned bit) {
  return drv_misbehave_has(core->misbehave, bit);
}

/* A one-shot misbehaviour: true the first time, then spent. */
static bool mis_once(struct drv_core *core, unsigned bit) {
  if (!mis(core, bit))
    return false;
  drv_misbehave_remove(&core->misbehave, bit);
  return true;
}

static bool core_has_device(const struct drv_core *core) {
  return core->state == DRV_CORE_PROBED || core->state == DRV_CORE_FAILED;
}

static model_err status_get(struct drv_core *core, uint8_t *status) {
  MODEL_TRY(drv_mmio_status_read(&core->mmio, status));
  core->status_last_read = *status;
  if ((*status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0) {
    core->needs_reset_seen = true;
    /* 2.1.1#2: the device's bit is part of the status now; later writes
     * (FAILED) keep it instead of clearing it */
    core->status_shadow = (uint8_t)(core->status_shadow | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  }
  return MODEL_OK;
}

static model_err status_put(struct drv_core *core, uint8_t status) {
  /* rule point: 2.1.1#1, #2 and 3.1.1#1 through the model's table */
  MODEL_ENSURE(model_status_transition_ok(core->status_shadow, status),
               MODEL_ERR_STATUS_TRANSITION);
  MODEL_TRY(drv_mmio_status_write(&core->mmio, status));
  core->status_shadow = status;
  return MODEL_OK;
}

model_err drv_core_probe(struct drv_core *core, uint32_t expected_device_id) {
  /* 4.2.2.2#6-#8: a device to ignore stays ignored: probing again touches
   * none of its registers */
  MODEL_ENSURE(!core->ignored, MODEL_ERR_DEVICE_ABSENT);
  core->state = DRV_CORE_UNPROBED;
  MODEL_TRY(drv_mmio_ident_read(&core->mmio, &core->ident));
  struct drv_mmio_ident *id = &core->ident;
  /* misbehave: ignore-device-id-zero breaks 4.2.2.2#8: a DeviceID of 0 is
   * taken to be the expected device */
  if (id->device_id == 0 && mis(core, DRV_MISBEHAVE_IGNORE_DEVICE_ID_ZERO))
    id->device_id = expected_device_id;
  /* 4.2.2.2#6-#9: a bad magic or version, or device id 0, is a device to
   * ignore; for id 0 silently (the caller reports nothing). */
  /* misbehave: ignore-bad-device breaks 4.2.2.2#6, #7: magic and version
   * are not looked at */
  bool ident_ok = (id->magic == MODEL_MMIO_MAGIC && id->version == MODEL_MMIO_VERSION) ||
                  mis(core, DRV_MISBEHAVE_IGNORE_BAD_DEVICE);
  bool usable = ident_ok && id->device_id != 0 &&
                (expected_device_id == 0 || id->device_id == expected_device_id);
  if (!usable) {
    core->ignored = !ident_ok || id->device_id == 0;
    core->state = DRV_CORE_ABSENT;
    return MODEL_ERR_DEVICE_ABSENT;
  }
  core->state = DRV_CORE_PROBED;
  return MODEL_OK;
}

model_err drv_core_reset(struct drv_core *core) {
  MODEL_ENSURE(core_has_device(core), MODEL_ERR_DEVICE_ABSENT);
  /* Writing 0 is always legal; it is how 3.1.1 step 1 and 2.1.1#3 reset. */
  MODEL_TRY(drv_mmio_status_write(&core->mmio, 0));
  core->status_shadow = 0;
  core->reset_count++;
  core->features_ok = false;
  core->features_ok_skipped = false;
  core->device_features = 0;
  core->driver_features = 0;
  if (mis(core, DRV_MISBEHAVE_NO_RESET_READBACK)) {
    /* misbehave: no-reset-readback breaks 2.4.2#1: done without a read */
    core->state = DRV_CORE_PROBED;
    core->needs_reset_seen = false;
    return MODEL_OK;
  }
  for (unsigned polls = 0; polls < DRV_CORE_RESET_POLLS_MAX; polls++) {
    uint8_t status = 0xff;
    MODEL_TRY(drv_mmio_status_read(&core->mmio, &status));
    core->status_last_read = status;
    if (status == 0) { /* 2.4.2#1: reset complete when Status reads 0 */
      core->state = DRV_CORE_PROBED;
      core->needs_reset_seen = false;
      return MODEL_OK;
    }
  }
  return MODEL_ERR_TIMEOUT;
}

/* misbehave: init-after-failed breaks 2.1.1#3: FAILED, then the DRIVER
 * step with no reset between; this initialisation attempt then gives up. */
static model_err status_init_after_failed(struct drv_core *core) {
  MODEL_TRY(drv_core_fail(core));
  uint8_t status = (uint8_t)(core->status_shadow | VIRTIO_STATUS_DRIVER);
  drv_misbehave_ignore(drv_mmio_status_write(&core->mmio, status));
  return MODEL_ERR_STATUS_TRANSITION;
}

/* misbehave: clear-status-bit breaks 2.1.1#2: the value without DRIVER,
 * then the whole value again, as if nothing had happened. */
static void status_clear_bit(struct drv_core *core) {
  uint8_t cleared = (uint8_t)(core->status_shadow & ~VIRTIO_STATUS_DRIVER);
  if (cleared == 0)
    return; /* that would be a reset, not a cleared bit */
  drv_misbehave_ignore(drv_mmio_status_write(&core->mmio, cleared));
  drv_misbehave_ignore(drv_mmio_status_write(&core->mmio, core->status_shadow));
}

/* misbehave: skip-features-ok, second half: DRIVER_OK on top of a status
 * without FEATURES_OK, past the model's table (3.1.1#1). */
static model_err status_driver_ok_unchecked(struct drv_core *core) {
  core->features_ok_skipped = false;
  uint8_t status = (uint8_t)(core->status_shadow | VIRTIO_STATUS_DRIVER_OK);
  MODEL_TRY(drv_mmio_status_write(&core->mmio, status));
  core->status_shadow = status;
  return MODEL_OK;
}

model_err drv_core_add_status(struct drv_core *core, uint8_t bit) {
  MODEL_ENSURE(core_has_device(core), MODEL_ERR_DEVICE_ABSENT);
  if (bit == VIRTIO_STATUS_FAILED)
    return drv_core_fail(core);
  /* 3.1.1#5, 2.1.1#3: after FAILED nothing but a reset */
  MODEL_ENSURE(core->state != DRV_CORE_FAILED, MODEL_ERR_STATUS_TRANSITION);
  if (bit == VIRTIO_STATUS_DRIVER && mis_once(core, DRV_MISBEHAVE_INIT_AFTER_FAILED))
    return status_init_after_failed(core);
  if (bit == VIRTIO_STATUS_DRIVER_OK && core->features_ok_skipped)
    return status_driver_ok_unchecked(core);
  MODEL_TRY(status_put(core, (uint8_t)(core->status_shadow | bit)));
  if (bit == VIRTIO_STATUS_DRIVER && mis_once(core, DRV_MISBEHAVE_CLEAR_STATUS_BIT))
    status_clear_bit(core);
  return MODEL_OK;
}

model_err drv_core_status_read(struct drv_core *core, uint8_t *status) {
  *status = 0;
  MODEL_ENSURE(core_has_device(core), MODEL_ERR_DEVICE_ABSENT);
  return status_get(core, status);
}

model_err drv_core_fail(struct drv_core *core) {
  MODEL_ENSURE(core_has_device(core), MODEL_ERR_DEVICE_ABSENT);
  core->state = DRV_CORE_FAILED;
  core->features_ok = false;
  core->features_ok_skipped = false;
  return status_put(core, (uint8_t)(core->status_shadow | VIRTIO_STATUS_FAILED));
}

void drv_core_set_known_features(struct drv_core *core, uint64_t device_known) {
  core->driver_known = device_known;
}

model_err drv_core_features_read(struct drv_core *core, uint64_t *offered) {
  *offered = 0;
  MODEL_ENSURE(core_has_device(core), MODEL_ERR_DEVICE_ABSENT);
  MODEL_TRY(drv_mmio_features_read(&core->mmio, offered));
  core->device_features = *offered;
  return MODEL_OK;
}

model_err drv_core_features_write(struct drv_core *core, uint64_t accepted) {
  MODEL_ENSURE(core_has_device(core), MODEL_ERR_DEVICE_ABSENT);
  /* 3.1.1#3: no new feature bits once FEATURES_OK is set (rule point:
   * misbehave features-after-features-ok writes past it, in
   * drv_core_features_ok) */
  MODEL_ENSURE((core->status_shadow & VIRTIO_STATUS_FEATURES_OK) == 0, MODEL_ERR_STATUS_TRANSITION);
  MODEL_TRY(drv_mmio_features_write(&core->mmio, accepted));
  core->driver_features = accepted;
  return MODEL_OK;
}

model_err drv_core_features_ok(struct drv_core *core) {
  MODEL_ENSURE(core_has_device(core), MODEL_ERR_DEVICE_ABSENT);
  if (core->state != DRV_CORE_FAILED && mis_once(core, DRV_MISBEHAVE_SKIP_FEATURES_OK)) {
    /* misbehave: skip-features-ok breaks 3.1.1#1: the step is left out,
     * the driver believes its features stand, and DRIVER_OK will follow */
    core->features_ok = true;
    core->features_ok_skipped = true;
    return MODEL_OK;
  }
  MODEL_TRY(drv_core_add_status(core, VIRTIO_STATUS_FEATURES_OK));
  uint8_t status = 0;
  MODEL_TRY(status_get(core, &status));
  if ((status & VIRTIO_STATUS_FEATURES_OK) == 0) {
    /* 3.1.1 step 6: the device refused our subset; give up (3.1.1#4).
     * The device cleared FEATURES_OK, so FAILED goes on top of what it
     * shows, not on top of the bit it refused. */
    core->status_shadow = (uint8_t)(core->status_shadow & ~VIRTIO_STATUS_FEATURES_OK);
    if (mis_once(core, DRV_MISBEHAVE_IGNORE_FEATURES_REFUSED)) {
      /* misbehave: ignore-features-refused breaks 3.1.1#5: the driver
       * believes its features stand and sets its queues up; DRIVER_OK is
       * then refused by status_put (no FEATURES_OK under it) */
      core->features_ok = true;
      return MODEL_OK;
    }
    if (mis_once(core, DRV_MISBEHAVE_NO_FAILED_ON_REFUSAL)) {
      /* misbehave: no-failed-on-refusal breaks 3.1.1#4: a bare reset */
      MODEL_TRY(drv_core_reset(core));
      return MODEL_ERR_FEATURE_REJECTED;
    }
    MODEL_TRY(drv_core_fail(core));
    return MODEL_ERR_FEATURE_REJECTED;
  }
  core->features_ok = true;
  /* misbehave: features-after-features-ok breaks 3.1.1#3 (the same words) */
  if (mis(core, DRV_MISBEHAVE_FEATURES_AFTER_FEATURES_OK))
    drv_misbehave_ignore(drv_mmio_features_write(&core->mmio, core->driver_features));
  return MODEL_OK;
}

/* Drop accepted bits whose dependencies are not accepted (2.2.1#2), and
 * bits the spec advises against without a partner (5.1.4.2#13, #14), until
 * the set is closed; each round removes one bit, so 64 rounds suffice. */
static uint64_t features_close_deps(uint32_t device_id, uint64_t accepted) {
  for (unsigned round = 0; round < 64u; round++) {
    unsigned bit = 0;
    uint64_t missing = 0;
    if (model_features_check_deps(device_id, accepted, &bit, &missing) == MODEL_OK &&
        model_features_check_advised(device_id, accepted, &bit, &missing) == MODEL_OK)
      break;
    uint64_t drop = model_feature_mask(bit);
    if ((accepted & drop) == 0)
      break; /* the model named a bit we do not hold: nothing more to drop */
    accepted &= ~drop;
  }
  return accepted;
}

/* misbehave accept-unoffered: a device-type feature the device did not
 * offer and whose dependencies the accepted set meets, or 0. Features that
 * would change what either side does come last. */
static uint64_t unoffered_pick(uint32_t device_id, uint64_t offered, uint64_t accepted) {
  static const unsigned first[] = {VIRTIO_NET_F_CTRL_VLAN, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS};
  /* then bits 0 to 23, the first block of device-type features (6) */
  for (unsigned i = 0; i < 2u + 24u; i++) {
    unsigned bit = i < 2u ? first[i] : i - 2u;
    uint64_t m = model_feature_mask(bit);
    if ((offered & m) == 0 &&
        model_features_check_deps(device_id, accepted | m, NULL, NULL) == MODEL_OK)
      return m;
  }
  return 0;
}

/* misbehave accept-unoffered: the offered bits the spec leaves reserved for
 * this device type (none, from a conformant device). */
static uint64_t reserved_offered(uint32_t device_id, uint64_t offered) {
  uint64_t picked = 0;
  for (unsigned bit = 0; bit < 64u; bit++) {
    if (model_features_has(offered, bit) && model_feature_name(device_id, bit) == NULL)
      picked |= model_feature_mask(bit);
  }
  return picked;
}

/* misbehave accept-without-dependency: accepted minus the first feature
 * another accepted one requires (CTRL_VQ first). VERSION_1 stays: leaving
 * it out is refuse-version-1. */
static uint64_t dependency_drop(uint32_t device_id, uint64_t accepted) {
  static const unsigned first = VIRTIO_NET_F_CTRL_VQ;
  for (unsigned i = 0; i <= 64u; i++) {
    unsigned bit = i == 0 ? first : i - 1u;
    uint64_t m = model_feature_mask(bit);
    if (bit == VIRTIO_F_VERSION_1 || (accepted & m) == 0)
      continue;
    if (model_features_check_deps(device_id, accepted & ~m, NULL, NULL) != MODEL_OK)
      return accepted & ~m;
  }
  return accepted;
}

/* The negotiation misbehaviours, each one-shot, applied to the set the
 * driver would accept. */
static uint64_t negotiate_misbehave(struct drv_core *core, uint64_t offered, uint64_t accepted,
                                    uint64_t *required) {
  uint32_t device_id = core->ident.device_id;
  if (mis_once(core, DRV_MISBEHAVE_ACCEPT_UNOFFERED)) { /* breaks 2.2.1#1 (and #5) */
    accepted |= unoffered_pick(device_id, offered, accepted);
    accepted |= reserved_offered(device_id, offered);
  }
  if (mis_once(core, DRV_MISBEHAVE_ACCEPT_WITHOUT_DEPENDENCY)) /* breaks 2.2.1#2 */
    accepted = dependency_drop(device_id, accepted);
  if (mis_once(core, DRV_MISBEHAVE_REFUSE_VERSION_1)) { /* breaks 6.1#1 */
    accepted &= ~model_feature_mask(VIRTIO_F_VERSION_1);
    *required &= ~model_feature_mask(VIRTIO_F_VERSION_1);
  }
  if (mis_once(core, DRV_MISBEHAVE_REFUSE_MAC)) /* breaks 5.1.4.2#2 */
    accepted &= ~model_feature_mask(VIRTIO_NET_F_MAC);
  if (mis_once(core, DRV_MISBEHAVE_REFUSE_MTU)) /* breaks 5.1.4.2#7 */
    accepted &= ~model_feature_mask(VIRTIO_NET_F_MTU);
  return accepted;
}

model_err drv_core_negotiate(struct drv_core *core, uint64_t wanted, uint64_t required,
                             uint64_t *negotiated) {
  if (negotiated != NULL)
    *negotiated = 0;
  uint64_t offered = 0;
  MODEL_TRY(drv_core_features_read(core, &offered));
  /* 2.2.1#1, #4, #5: only what was offered, and only bits this driver knows */
  uint64_t accepted = offered & wanted & (DRV_CORE_FEATURES_TRANSPORT | core->driver_known);
  accepted = features_close_deps(core->ident.device_id, accepted);
  if (!drv_misbehave_is_empty(core->misbehave))
    accepted = negotiate_misbehave(core, offered, accepted, &required);
  if ((required & ~accepted) != 0) {
    /* 2.2.1#7: without what it needs the driver gives up (no legacy mode) */
    MODEL_TRY(drv_core_fail(core));
    return MODEL_ERR_FEATURE_REQUIRED;
  }
  MODEL_TRY(drv_core_features_write(core, accepted));
  MODEL_TRY(drv_core_features_ok(core));
  if (negotiated != NULL)
    *negotiated = accepted;
  return MODEL_OK;
}

uint64_t drv_core_features(const struct drv_core *core) {
  return core->features_ok ? core->driver_features : 0;
}

bool drv_core_needs_reset(const struct drv_core *core) {
  return core->needs_reset_seen;
}

bool drv_core_is_failed(const struct drv_core *core) {
  return core->state == DRV_CORE_FAILED;
}
