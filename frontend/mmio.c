/*
 * frontend/mmio.c: the virtio-mmio transport, driver side; see
 * frontend/mmio.h. Implements 4.2.2.2 (register widths and directions,
 * feature word selection, queue register discipline, interrupt bits),
 * 4.2.3.1.1 (identification order), 4.2.3.2 (queue setup) and 4.2.3.3
 * (notification), and the generation loop of 2.5.1#2.
 *
 * Rule points (where a misbehaving driver would break a rule, for the later
 * `misbehave` flags): the 32-bit width of control registers, the field
 * widths in config space, selecting before a features access, the QueueReady
 * check before queue registers, the read-back after disabling a queue, the
 * masking of InterruptACK.
 *
 * Misbehaviours (frontend/misbehave.h) wired here, each at its rule point
 * and marked "misbehave:": skip-magic-check, touch-undefined-register,
 * write-readonly-register, read-writeonly-register, narrow-register-access
 * (after identification), no-features-sel, no-driver-features-sel,
 * no-generation-loop, oversize-queue, touch-ready-queue, ack-undefined-bits,
 * ignore-bad-device and ignore-device-id-zero (with core.c), skip-device-id,
 * touch-shm, no-queue-ready-readback.
 */
#include "frontend/mmio.h"

#include <string.h>

#include "frontend/misbehave.h"

/* An offset inside the control registers that names none (0x018-0x01f
 * are reserved in table 4.2). */
#define DRV_MMIO_RESERVED_OFFSET 0x018u
/* An InterruptACK bit with no meaning (4.2.2.2#18). */
#define DRV_MMIO_INT_UNDEFINED 4u

static bool mis(const struct drv_mmio *m, unsigned bit) {
  return drv_misbehave_has(m->misbehave, bit);
}

void drv_mmio_init(struct drv_mmio *m, struct sim_bus *bus) {
  memset(m, 0, sizeof(*m));
  m->bus = bus;
}

model_err drv_mmio_read(struct drv_mmio *m, uint32_t offset, uint32_t *value) {
  *value = 0;
  /* rule point: control registers only 32 bits wide and aligned (4.2.2.2#4) */
  MODEL_ENSURE(offset < MODEL_MMIO_CONFIG && (offset & 3u) == 0, MODEL_ERR_INVALID_ARG);
  return sim_bus_reg_read(m->bus, SIM_ACTOR_DRIVER, offset, 4u, value);
}

model_err drv_mmio_write(struct drv_mmio *m, uint32_t offset, uint32_t value) {
  MODEL_ENSURE(offset < MODEL_MMIO_CONFIG && (offset & 3u) == 0, MODEL_ERR_INVALID_ARG);
  return sim_bus_reg_write(m->bus, SIM_ACTOR_DRIVER, offset, 4u, value);
}

/* misbehave: the register misbehaviours that need only an identified
 * device. A correct device refuses each access and nothing changes, so the
 * results are ignored. */
static void ident_misbehave(struct drv_mmio *m, uint32_t vendor_id) {
  uint32_t v = 0;
  if (mis(m, DRV_MISBEHAVE_TOUCH_UNDEFINED_REGISTER)) /* breaks 4.2.2.2#1 */
    drv_misbehave_ignore(
        sim_bus_reg_read(m->bus, SIM_ACTOR_DRIVER, DRV_MMIO_RESERVED_OFFSET, 4u, &v));
  if (mis(m, DRV_MISBEHAVE_WRITE_READONLY_REGISTER)) /* breaks 4.2.2.2#2 */
    drv_misbehave_ignore(
        sim_bus_reg_write(m->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_VENDOR_ID, 4u, vendor_id));
  if (mis(m, DRV_MISBEHAVE_READ_WRITEONLY_REGISTER)) /* breaks 4.2.2.2#3 */
    drv_misbehave_ignore(
        sim_bus_reg_read(m->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_DRIVER_FEATURES_SEL, 4u, &v));
  if (mis(m, DRV_MISBEHAVE_NARROW_REGISTER_ACCESS)) /* breaks 4.2.2.2#4 */
    drv_misbehave_ignore(sim_bus_reg_read(m->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_VENDOR_ID, 2u, &v));
  if (mis(m, DRV_MISBEHAVE_TOUCH_SHM)) { /* breaks 4.2.3.1.1#5 */
    drv_misbehave_ignore(drv_mmio_write(m, MODEL_MMIO_SHM_SEL, 0));
    drv_misbehave_ignore(drv_mmio_read(m, MODEL_MMIO_SHM_LEN_LOW, &v));
  }
}

model_err drv_mmio_ident_read(struct drv_mmio *m, struct drv_mmio_ident *id) {
  memset(id, 0, sizeof(*id));
  if (mis(m, DRV_MISBEHAVE_SKIP_MAGIC_CHECK)) {
    /* misbehave: skip-magic-check breaks 4.2.3.1.1#1: both taken on trust */
    id->magic = MODEL_MMIO_MAGIC;
    id->version = MODEL_MMIO_VERSION;
  } else {
    /* 4.2.3.1.1#1: magic and version first; #2: device id only if both are
     * valid; #3, #4: a device id of 0 ends it with no further access. */
    MODEL_TRY(drv_mmio_read(m, MODEL_MMIO_MAGIC_VALUE, &id->magic));
    id->read_count++;
    MODEL_TRY(drv_mmio_read(m, MODEL_MMIO_VERSION_REG, &id->version));
    id->read_count++;
    /* misbehave: ignore-bad-device breaks 4.2.2.2#6, #7: on regardless */
    if ((id->magic != MODEL_MMIO_MAGIC || id->version != MODEL_MMIO_VERSION) &&
        !mis(m, DRV_MISBEHAVE_IGNORE_BAD_DEVICE))
      return MODEL_OK;
  }
  if (mis(m, DRV_MISBEHAVE_SKIP_DEVICE_ID)) {
    /* misbehave: skip-device-id breaks 4.2.3.1.1#2: VendorID first */
    uint32_t v = 0;
    drv_misbehave_ignore(drv_mmio_read(m, MODEL_MMIO_VENDOR_ID, &v));
  }
  MODEL_TRY(drv_mmio_read(m, MODEL_MMIO_DEVICE_ID, &id->device_id));
  id->read_count++;
  /* misbehave: ignore-device-id-zero breaks 4.2.3.1.1#4: on regardless */
  if (id->device_id == 0 && !mis(m, DRV_MISBEHAVE_IGNORE_DEVICE_ID_ZERO))
    return MODEL_OK;
  MODEL_TRY(drv_mmio_read(m, MODEL_MMIO_VENDOR_ID, &id->vendor_id));
  id->read_count++;
  ident_misbehave(m, id->vendor_id);
  return MODEL_OK;
}

model_err drv_mmio_status_read(struct drv_mmio *m, uint8_t *status) {
  uint32_t v = 0;
  *status = 0;
  MODEL_TRY(drv_mmio_read(m, MODEL_MMIO_STATUS, &v));
  /* Status is an 8-bit field in a 32-bit register; upper bits are ignored. */
  *status = (uint8_t)(v & 0xffu);
  return MODEL_OK;
}

model_err drv_mmio_status_write(struct drv_mmio *m, uint8_t status) {
  return drv_mmio_write(m, MODEL_MMIO_STATUS, status);
}

model_err drv_mmio_features_read(struct drv_mmio *m, uint64_t *features) {
  uint32_t lo = 0, hi = 0;
  *features = 0;
  /* rule point: select before each read (4.2.2.2#10); misbehave:
   * no-features-sel relies on the selector's reset value instead */
  if (!mis(m, DRV_MISBEHAVE_NO_FEATURES_SEL))
    MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_DEVICE_FEATURES_SEL, 0));
  MODEL_TRY(drv_mmio_read(m, MODEL_MMIO_DEVICE_FEATURES, &lo));
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_DEVICE_FEATURES_SEL, 1));
  MODEL_TRY(drv_mmio_read(m, MODEL_MMIO_DEVICE_FEATURES, &hi));
  *features = ((uint64_t)hi << 32) | lo;
  return MODEL_OK;
}

model_err drv_mmio_features_write(struct drv_mmio *m, uint64_t features) {
  /* rule point: select before each write (4.2.2.2#11); misbehave:
   * no-driver-features-sel relies on the selector's reset value instead */
  if (!mis(m, DRV_MISBEHAVE_NO_DRIVER_FEATURES_SEL))
    MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_DRIVER_FEATURES_SEL, 0));
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_DRIVER_FEATURES, (uint32_t)(features & 0xffffffffu)));
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_DRIVER_FEATURES_SEL, 1));
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32)));
  return MODEL_OK;
}

/* Config-space offsets stay inside the window the transport exposes. */
static model_err config_check(uint32_t offset, uint32_t width) {
  MODEL_ENSURE(offset <= MODEL_MMIO_WINDOW_SIZE - MODEL_MMIO_CONFIG - width, MODEL_ERR_INVALID_ARG);
  /* rule point: 16- and 32-bit fields aligned (4.2.2.2#5) */
  MODEL_ENSURE((offset & (width - 1u)) == 0, MODEL_ERR_INVALID_ARG);
  return MODEL_OK;
}

model_err drv_mmio_config_u8(struct drv_mmio *m, uint32_t offset, uint8_t *value) {
  uint32_t v = 0;
  *value = 0;
  MODEL_TRY(config_check(offset, 1u));
  MODEL_TRY(sim_bus_reg_read(m->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_CONFIG + offset, 1u, &v));
  *value = (uint8_t)(v & 0xffu);
  return MODEL_OK;
}

model_err drv_mmio_config_le16(struct drv_mmio *m, uint32_t offset, uint16_t *value) {
  uint32_t v = 0;
  *value = 0;
  MODEL_TRY(config_check(offset, 2u));
  MODEL_TRY(sim_bus_reg_read(m->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_CONFIG + offset, 2u, &v));
  *value = (uint16_t)(v & 0xffffu);
  return MODEL_OK;
}

model_err drv_mmio_config_le32(struct drv_mmio *m, uint32_t offset, uint32_t *value) {
  *value = 0;
  MODEL_TRY(config_check(offset, 4u));
  return sim_bus_reg_read(m->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_CONFIG + offset, 4u, value);
}

model_err drv_mmio_config_le64(struct drv_mmio *m, uint32_t offset, uint64_t *value) {
  uint32_t lo = 0, hi = 0;
  *value = 0;
  /* 4.2.2.2#5: a 64-bit field is read as two aligned 32-bit halves; the
   * generation loop around the caller makes the pair consistent (2.5.1#1). */
  MODEL_TRY(drv_mmio_config_le32(m, offset, &lo));
  MODEL_TRY(drv_mmio_config_le32(m, offset + 4u, &hi));
  *value = ((uint64_t)hi << 32) | lo;
  return MODEL_OK;
}

model_err drv_mmio_config_generation(struct drv_mmio *m, uint32_t *generation) {
  return drv_mmio_read(m, MODEL_MMIO_CONFIG_GENERATION, generation);
}

model_err drv_mmio_config_write_u8(struct drv_mmio *m, uint32_t offset, uint8_t value) {
  MODEL_TRY(config_check(offset, 1u));
  return sim_bus_reg_write(m->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_CONFIG + offset, 1u, value);
}

model_err drv_mmio_config_read(struct drv_mmio *m, drv_mmio_config_fn read_fields, void *ctx) {
  /* misbehave: no-generation-loop breaks 2.5.1#2: the fields, unbracketed */
  if (mis(m, DRV_MISBEHAVE_NO_GENERATION_LOOP))
    return read_fields(m, ctx);
  for (unsigned tries = 0; tries < DRV_MMIO_GENERATION_TRIES_MAX; tries++) {
    uint32_t before = 0, after = 0;
    MODEL_TRY(drv_mmio_config_generation(m, &before));
    MODEL_TRY(read_fields(m, ctx));
    MODEL_TRY(drv_mmio_config_generation(m, &after));
    if (before == after)
      return MODEL_OK;
    m->generation_retries++;
  }
  /* The device kept changing its configuration: give up rather than spin. */
  return MODEL_ERR_TIMEOUT;
}

static model_err queue_select_idle(struct drv_mmio *m, uint16_t index) {
  uint32_t ready = 0;
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_QUEUE_SEL, index));
  /* 4.2.3.2 step 2; rule point: a queue whose QueueReady is not 0 keeps its
   * size and address registers untouched (4.2.2.2#13). */
  MODEL_TRY(drv_mmio_read(m, MODEL_MMIO_QUEUE_READY, &ready));
  MODEL_ENSURE(ready == 0, MODEL_ERR_QUEUE_UNAVAILABLE);
  return MODEL_OK;
}

model_err drv_mmio_queue_size_max(struct drv_mmio *m, uint16_t index, uint32_t *size_max) {
  *size_max = 0;
  MODEL_TRY(queue_select_idle(m, index));
  MODEL_TRY(drv_mmio_read(m, MODEL_MMIO_QUEUE_SIZE_MAX, size_max));
  m->queue_size_max_seen = *size_max;
  MODEL_ENSURE(*size_max != 0, MODEL_ERR_QUEUE_UNAVAILABLE);
  return MODEL_OK;
}

model_err drv_mmio_queue_program(struct drv_mmio *m, uint16_t index,
                                 const struct drv_mmio_queue_layout *layout) {
  MODEL_ENSURE(layout->size != 0, MODEL_ERR_QUEUE_SIZE);
  MODEL_TRY(queue_select_idle(m, index));
  if (mis(m, DRV_MISBEHAVE_OVERSIZE_QUEUE)) {
    /* misbehave: oversize-queue breaks 4.2.2.2#12 first, then writes the
     * size it means (which a correct device takes instead) */
    uint32_t max = m->queue_size_max_seen != 0 ? m->queue_size_max_seen : layout->size;
    uint32_t over = max <= UINT32_MAX / 2u ? 2u * max : UINT32_MAX;
    drv_misbehave_ignore(drv_mmio_write(m, MODEL_MMIO_QUEUE_SIZE, over));
  }
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_QUEUE_SIZE, layout->size));
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)layout->desc_addr));
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_QUEUE_DESC_HIGH, (uint32_t)(layout->desc_addr >> 32)));
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)layout->driver_addr));
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(layout->driver_addr >> 32)));
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)layout->device_addr));
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(layout->device_addr >> 32)));
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_QUEUE_READY, 1u));
  /* misbehave: touch-ready-queue breaks 4.2.2.2#13 with a same-value write */
  if (mis(m, DRV_MISBEHAVE_TOUCH_READY_QUEUE))
    drv_misbehave_ignore(drv_mmio_write(m, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)layout->desc_addr));
  return MODEL_OK;
}

model_err drv_mmio_queue_disable(struct drv_mmio *m, uint16_t index) {
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_QUEUE_SEL, index));
  MODEL_TRY(drv_mmio_write(m, MODEL_MMIO_QUEUE_READY, 0));
  if (mis(m, DRV_MISBEHAVE_NO_QUEUE_READY_READBACK)) {
    /* misbehave: no-queue-ready-readback breaks 4.2.2.2#15: no readback, and
     * a notification of the queue at once (to flush it) */
    drv_misbehave_ignore(drv_mmio_notify(m, index));
    return MODEL_OK;
  }
  /* rule point: read QueueReady back until it shows 0 (4.2.2.2#15) */
  for (unsigned tries = 0; tries < DRV_MMIO_READBACK_TRIES_MAX; tries++) {
    uint32_t ready = 1;
    MODEL_TRY(drv_mmio_read(m, MODEL_MMIO_QUEUE_READY, &ready));
    if (ready == 0)
      return MODEL_OK;
  }
  return MODEL_ERR_TIMEOUT;
}

model_err drv_mmio_notify(struct drv_mmio *m, uint32_t value) {
  return drv_mmio_write(m, MODEL_MMIO_QUEUE_NOTIFY, value);
}

model_err drv_mmio_isr_read(struct drv_mmio *m, uint32_t *bits, uint32_t *raw) {
  uint32_t v = 0;
  *bits = 0;
  if (raw != NULL)
    *raw = 0;
  MODEL_TRY(drv_mmio_read(m, MODEL_MMIO_INTERRUPT_STATUS, &v));
  if (raw != NULL)
    *raw = v;
  *bits = v & MODEL_MMIO_INT_MASK; /* 4.2.2.2#16: undefined bits ignored */
  return MODEL_OK;
}

model_err drv_mmio_isr_ack(struct drv_mmio *m, uint32_t bits) {
  /* rule point: only defined bits in InterruptACK (4.2.2.2#18) */
  uint32_t ack = bits & MODEL_MMIO_INT_MASK;
  if (ack == 0)
    return MODEL_OK;
  /* misbehave: ack-undefined-bits breaks 4.2.2.2#18 */
  if (mis(m, DRV_MISBEHAVE_ACK_UNDEFINED_BITS))
    ack |= DRV_MMIO_INT_UNDEFINED;
  return drv_mmio_write(m, MODEL_MMIO_INTERRUPT_ACK, ack);
}
