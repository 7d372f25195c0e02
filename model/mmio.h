/*
 * model/mmio.h: the virtio-mmio version 2 register map (4.2.2): offsets,
 * directions, magic and version, interrupt status bits.
 */
#ifndef VIOSIM_MODEL_MMIO_H
#define VIOSIM_MODEL_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MODEL_MMIO_MAGIC   0x74726976u /* "virt" little-endian */
#define MODEL_MMIO_VERSION 2u

#define MODEL_MMIO_MAGIC_VALUE         0x000u
#define MODEL_MMIO_VERSION_REG         0x004u
#define MODEL_MMIO_DEVICE_ID           0x008u
#define MODEL_MMIO_VENDOR_ID           0x00cu
#define MODEL_MMIO_DEVICE_FEATURES     0x010u
#define MODEL_MMIO_DEVICE_FEATURES_SEL 0x014u
#define MODEL_MMIO_DRIVER_FEATURES     0x020u
#define MODEL_MMIO_DRIVER_FEATURES_SEL 0x024u
#define MODEL_MMIO_QUEUE_SEL           0x030u
#define MODEL_MMIO_QUEUE_SIZE_MAX      0x034u
#define MODEL_MMIO_QUEUE_SIZE          0x038u
#define MODEL_MMIO_QUEUE_READY         0x044u
#define MODEL_MMIO_QUEUE_NOTIFY        0x050u
#define MODEL_MMIO_INTERRUPT_STATUS    0x060u
#define MODEL_MMIO_INTERRUPT_ACK       0x064u
#define MODEL_MMIO_STATUS              0x070u
#define MODEL_MMIO_QUEUE_DESC_LOW      0x080u
#define MODEL_MMIO_QUEUE_DESC_HIGH     0x084u
#define MODEL_MMIO_QUEUE_DRIVER_LOW    0x090u
#define MODEL_MMIO_QUEUE_DRIVER_HIGH   0x094u
#define MODEL_MMIO_QUEUE_DEVICE_LOW    0x0a0u
#define MODEL_MMIO_QUEUE_DEVICE_HIGH   0x0a4u
#define MODEL_MMIO_SHM_SEL             0x0acu
#define MODEL_MMIO_SHM_LEN_LOW         0x0b0u
#define MODEL_MMIO_SHM_LEN_HIGH        0x0b4u
#define MODEL_MMIO_SHM_BASE_LOW        0x0b8u
#define MODEL_MMIO_SHM_BASE_HIGH       0x0bcu
#define MODEL_MMIO_QUEUE_RESET         0x0c0u
#define MODEL_MMIO_CONFIG_GENERATION   0x0fcu
#define MODEL_MMIO_CONFIG              0x100u
/* The size of the register window viosim's device exposes. */
#define MODEL_MMIO_WINDOW_SIZE 0x200u

/* InterruptStatus / InterruptACK bits */
#define MODEL_MMIO_INT_VRING  1u
#define MODEL_MMIO_INT_CONFIG 2u
#define MODEL_MMIO_INT_MASK   (MODEL_MMIO_INT_VRING | MODEL_MMIO_INT_CONFIG)

/* VIRTIO_F_NOTIFICATION_DATA layout of a QueueNotify write (2.9) */
#define MODEL_NOTIFY_DATA_VQ_MASK 0xffffu

enum model_mmio_dir {
  MODEL_MMIO_DIR_NONE = 0, /* not a register */
  MODEL_MMIO_DIR_R = 1,
  MODEL_MMIO_DIR_W = 2,
  MODEL_MMIO_DIR_RW = 3,
};

struct model_mmio_reg {
  uint32_t offset;
  const char *name; /* the spec's register name, "QueueSizeMax" */
  enum model_mmio_dir dir;
};

/*
 * The control register at `offset` (below MODEL_MMIO_CONFIG), or NULL if the
 * offset names no register (4.2.2.2: the driver must not access it).
 */
const struct model_mmio_reg *model_mmio_reg_find(uint32_t offset);

/* The control registers of table 4.2 in offset order, for iteration. */
size_t model_mmio_reg_count(void);
const struct model_mmio_reg *model_mmio_reg_at(size_t index); /* NULL past the end */

#endif
