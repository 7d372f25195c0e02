/*
 * backend/mmio.c: the virtio-mmio v2 register file (see mmio.h). Register
 * names, offsets and directions come from model/mmio.h; this file maps each
 * one onto struct dev_core and gives each access its verdict.
 *
 * Order of the checks for a control register access: an offset whose
 * aligned word names no register is MODEL_ERR_REG_UNDEFINED (4.2.2.2#1);
 * then anything but a 32-bit aligned access is MODEL_ERR_REG_WIDTH
 * (4.2.2.2#4); then the direction (4.2.2.2#2, #3). A refused access has no
 * effect and reads as 0.
 *
 * Misbehaviours acting here (backend/misbehave.h): bad-magic, bad-version
 * and spurious-isr, in what those registers read.
 */
#include "backend/mmio.h"

#include <string.h>

#include "model/mmio.h"
#include "model/virtio.h"

void dev_mmio_init(struct dev_mmio *mmio, struct dev_core *core) {
  memset(mmio, 0, sizeof(*mmio));
  mmio->core = core;
}

void dev_mmio_attach(struct dev_mmio *mmio, struct sim_bus *bus) {
  sim_bus_attach_device(bus, &dev_mmio_regfile_ops, mmio);
}

void dev_mmio_reset(struct dev_mmio *mmio) {
  mmio->device_features_sel = 0;
  mmio->driver_features_sel = 0;
  mmio->queue_sel = 0;
  mmio->shm_sel = 0;
}

/* What the misbehaving device puts in MagicValue ("virt" byte-swapped) and
 * Version (the legacy interface's). */
#define MISBEHAVE_MAGIC   0x76697274u
#define MISBEHAVE_VERSION 1u

static struct dev_vq *selected_vq(struct dev_mmio *mmio) {
  return dev_core_vq(mmio->core, mmio->queue_sel);
}

static model_err read_control(struct dev_mmio *mmio, uint32_t offset, uint32_t *value) {
  struct dev_core *core = mmio->core;
  const struct dev_vq *vq = selected_vq(mmio);
  switch (offset) {
  case MODEL_MMIO_MAGIC_VALUE:
    /* 4.2.2.1#1 (misbehave point: bad-magic) */
    *value = dev_misbehave_has(core->misbehave, DEV_MISBEHAVE_BAD_MAGIC) ? MISBEHAVE_MAGIC
                                                                         : MODEL_MMIO_MAGIC;
    return MODEL_OK;
  case MODEL_MMIO_VERSION_REG:
    /* 4.2.2.1#2 (misbehave point: bad-version) */
    *value = dev_misbehave_has(core->misbehave, DEV_MISBEHAVE_BAD_VERSION) ? MISBEHAVE_VERSION
                                                                           : MODEL_MMIO_VERSION;
    return MODEL_OK;
  case MODEL_MMIO_DEVICE_ID:
    /* misbehave point, device-id-zero: the placeholder id 0 (no device rule
     * broken; the driver then owes 4.2.3.1.1#3, #4) */
    *value =
        dev_misbehave_has(core->misbehave, DEV_MISBEHAVE_DEVICE_ID_ZERO) ? 0u : core->cfg.device_id;
    return MODEL_OK;
  case MODEL_MMIO_VENDOR_ID:
    *value = core->cfg.vendor_id;
    return MODEL_OK;
  case MODEL_MMIO_DEVICE_FEATURES:
    *value = dev_core_device_features_word(core, mmio->device_features_sel);
    return MODEL_OK;
  case MODEL_MMIO_QUEUE_SIZE_MAX:
    *value = vq != NULL ? vq->size_max : 0u;
    return MODEL_OK;
  case MODEL_MMIO_QUEUE_READY:
    *value = vq != NULL && vq->ready ? 1u : 0u;
    return MODEL_OK;
  case MODEL_MMIO_INTERRUPT_STATUS:
    *value = dev_core_isr(core);
    /* 4.2.2.1#4 (misbehave point, spurious-isr: the used buffer bit shows
     * with any other, whether or not a buffer was used) */
    if (*value != 0 && dev_misbehave_has(core->misbehave, DEV_MISBEHAVE_SPURIOUS_ISR))
      *value |= MODEL_MMIO_INT_VRING;
    return MODEL_OK;
  case MODEL_MMIO_STATUS:
    *value = dev_core_status(core);
    return MODEL_OK;
  case MODEL_MMIO_SHM_LEN_LOW:
  case MODEL_MMIO_SHM_LEN_HIGH:
  case MODEL_MMIO_SHM_BASE_LOW:
  case MODEL_MMIO_SHM_BASE_HIGH:
    *value = 0xffffffffu; /* no shared memory region: length and base all ones */
    return MODEL_OK;
  case MODEL_MMIO_QUEUE_RESET:
    /* 4.2.2.1#8-#12: a queue reset completes within the write, so the
     * register always reads 0. */
    *value = 0;
    return MODEL_OK;
  case MODEL_MMIO_CONFIG_GENERATION:
    *value = core->config_generation;
    return MODEL_OK;
  default:
    /* model/mmio.h calls it readable but this file has no handler: our bug,
     * but reachable by a driver's offset, so answered, not asserted. The
     * unit test reads every register of the table. */
    return MODEL_ERR_REG_UNDEFINED;
  }
}

static model_err write_queue_ready(struct dev_mmio *mmio, uint32_t value) {
  struct dev_vq *vq = selected_vq(mmio);
  MODEL_ENSURE(vq != NULL, MODEL_ERR_QUEUE_INDEX);
  switch (value) {
  case 0:
    dev_vq_disable(vq);
    return MODEL_OK;
  case 1:
    return dev_core_queue_enable(mmio->core, mmio->queue_sel);
  default:
    return MODEL_ERR_INVALID_ARG;
  }
}

static model_err write_queue_addr(struct dev_mmio *mmio, enum dev_vq_area area, bool high,
                                  uint32_t value) {
  struct dev_vq *vq = selected_vq(mmio);
  MODEL_ENSURE(vq != NULL, MODEL_ERR_QUEUE_INDEX);
  return dev_vq_set_addr_half(vq, area, high, value);
}

static model_err write_queue_reset(struct dev_mmio *mmio, uint32_t value) {
  /* Without VIRTIO_F_RING_RESET the register does nothing. */
  if (!dev_core_has_feature(mmio->core, VIRTIO_F_RING_RESET) || value != 1)
    return MODEL_OK;
  return dev_core_queue_reset(mmio->core, mmio->queue_sel);
}

static model_err write_control(struct dev_mmio *mmio, uint32_t offset, uint32_t value) {
  struct dev_core *core = mmio->core;
  switch (offset) {
  case MODEL_MMIO_DEVICE_FEATURES_SEL:
    mmio->device_features_sel = value;
    return MODEL_OK;
  case MODEL_MMIO_DRIVER_FEATURES:
    dev_core_write_driver_features_word(core, mmio->driver_features_sel, value);
    return MODEL_OK;
  case MODEL_MMIO_DRIVER_FEATURES_SEL:
    mmio->driver_features_sel = value;
    return MODEL_OK;
  case MODEL_MMIO_QUEUE_SEL:
    mmio->queue_sel = value;
    return MODEL_OK;
  case MODEL_MMIO_QUEUE_SIZE: {
    struct dev_vq *vq = selected_vq(mmio);
    MODEL_ENSURE(vq != NULL, MODEL_ERR_QUEUE_INDEX);
    return dev_vq_set_size(vq, value);
  }
  case MODEL_MMIO_QUEUE_READY:
    return write_queue_ready(mmio, value);
  case MODEL_MMIO_QUEUE_NOTIFY:
    /* The bus delivers the doorbell to dev_mmio_notify after its delay. */
    return MODEL_OK;
  case MODEL_MMIO_INTERRUPT_ACK:
    dev_core_isr_ack(core, value);
    return MODEL_OK;
  case MODEL_MMIO_STATUS:
    MODEL_ENSURE(value <= 0xffu, MODEL_ERR_INVALID_ARG);
    return dev_core_write_status(core, (uint8_t)value);
  case MODEL_MMIO_QUEUE_DESC_LOW:
    return write_queue_addr(mmio, DEV_VQ_AREA_DESC, false, value);
  case MODEL_MMIO_QUEUE_DESC_HIGH:
    return write_queue_addr(mmio, DEV_VQ_AREA_DESC, true, value);
  case MODEL_MMIO_QUEUE_DRIVER_LOW:
    return write_queue_addr(mmio, DEV_VQ_AREA_DRIVER, false, value);
  case MODEL_MMIO_QUEUE_DRIVER_HIGH:
    return write_queue_addr(mmio, DEV_VQ_AREA_DRIVER, true, value);
  case MODEL_MMIO_QUEUE_DEVICE_LOW:
    return write_queue_addr(mmio, DEV_VQ_AREA_DEVICE, false, value);
  case MODEL_MMIO_QUEUE_DEVICE_HIGH:
    return write_queue_addr(mmio, DEV_VQ_AREA_DEVICE, true, value);
  case MODEL_MMIO_SHM_SEL:
    mmio->shm_sel = value;
    return MODEL_OK;
  case MODEL_MMIO_QUEUE_RESET:
    return write_queue_reset(mmio, value);
  default:
    /* As in read_control: a table/handler mismatch, answered. */
    return MODEL_ERR_REG_UNDEFINED;
  }
}

/* Checks common to reads and writes of the control registers. */
static model_err check_control(uint32_t offset, uint32_t width, enum model_mmio_dir need) {
  const struct model_mmio_reg *reg = model_mmio_reg_find(offset & ~3u);
  MODEL_ENSURE(reg != NULL, MODEL_ERR_REG_UNDEFINED);
  MODEL_ENSURE(width == 4 && offset % 4u == 0, MODEL_ERR_REG_WIDTH);
  MODEL_ENSURE(((unsigned)reg->dir & (unsigned)need) != 0, MODEL_ERR_REG_DIRECTION);
  return MODEL_OK;
}

/* Configuration space: 8, 16 or 32 bits, naturally aligned (4.2.2.2#5). */
static model_err check_config(uint32_t offset, uint32_t width) {
  MODEL_ENSURE(width == 1 || width == 2 || width == 4, MODEL_ERR_REG_WIDTH);
  MODEL_ENSURE(offset % width == 0, MODEL_ERR_REG_WIDTH);
  MODEL_ENSURE(offset + width <= MODEL_MMIO_WINDOW_SIZE, MODEL_ERR_REG_UNDEFINED);
  return MODEL_OK;
}

model_err dev_mmio_read(struct dev_mmio *mmio, uint64_t offset, uint32_t width, uint32_t *value) {
  *value = 0;
  MODEL_ENSURE(offset < MODEL_MMIO_WINDOW_SIZE, MODEL_ERR_REG_UNDEFINED);
  uint32_t off = (uint32_t)offset;
  if (off >= MODEL_MMIO_CONFIG) {
    MODEL_TRY(check_config(off, width));
    return dev_core_config_read(mmio->core, off - MODEL_MMIO_CONFIG, width, value);
  }
  MODEL_TRY(check_control(off, width, MODEL_MMIO_DIR_R));
  return read_control(mmio, off, value);
}

model_err dev_mmio_write(struct dev_mmio *mmio, uint64_t offset, uint32_t width, uint32_t value) {
  MODEL_ENSURE(offset < MODEL_MMIO_WINDOW_SIZE, MODEL_ERR_REG_UNDEFINED);
  uint32_t off = (uint32_t)offset;
  if (off >= MODEL_MMIO_CONFIG) {
    MODEL_TRY(check_config(off, width));
    return dev_core_config_write(mmio->core, off - MODEL_MMIO_CONFIG, width, value);
  }
  MODEL_TRY(check_control(off, width, MODEL_MMIO_DIR_W));
  return write_control(mmio, off, value);
}

void dev_mmio_notify(struct dev_mmio *mmio, uint32_t value) {
  /* 4.2.3.3: the queue index, or with VIRTIO_F_NOTIFICATION_DATA its low 16
   * bits (next_off / next_wrap are hints the device does not need). */
  uint32_t index = value;
  if (dev_core_has_feature(mmio->core, VIRTIO_F_NOTIFICATION_DATA))
    index = value & MODEL_NOTIFY_DATA_VQ_MASK;
  dev_core_notify(mmio->core, index);
}

static model_err regfile_read(void *ctx, uint64_t offset, uint32_t width, uint32_t *value) {
  return dev_mmio_read(ctx, offset, width, value);
}

static model_err regfile_write(void *ctx, uint64_t offset, uint32_t width, uint32_t value) {
  return dev_mmio_write(ctx, offset, width, value);
}

static void regfile_notify(void *ctx, uint32_t value) {
  dev_mmio_notify(ctx, value);
}

const struct sim_regfile_ops dev_mmio_regfile_ops = {
    .read = regfile_read,
    .write = regfile_write,
    .notify = regfile_notify,
    .notify_offset = MODEL_MMIO_QUEUE_NOTIFY,
};
