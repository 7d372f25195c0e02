/*
 * model/mmio.c: the control registers of the virtio-mmio register layout
 * (4.2.2, table 4.2), with the spec's names and directions. Contract in
 * model/mmio.h.
 *
 * Invariant: the table is sorted by offset, every offset is 32-bit aligned
 * and below MODEL_MMIO_CONFIG. The device-specific configuration space at
 * 0x100 and above is not a control register and is not listed: its layout
 * belongs to the device type (5.1.4 for virtio-net).
 */
#include "model/mmio.h"

static const struct model_mmio_reg mmio_regs[] = {
    {MODEL_MMIO_MAGIC_VALUE, "MagicValue", MODEL_MMIO_DIR_R},
    {MODEL_MMIO_VERSION_REG, "Version", MODEL_MMIO_DIR_R},
    {MODEL_MMIO_DEVICE_ID, "DeviceID", MODEL_MMIO_DIR_R},
    {MODEL_MMIO_VENDOR_ID, "VendorID", MODEL_MMIO_DIR_R},
    {MODEL_MMIO_DEVICE_FEATURES, "DeviceFeatures", MODEL_MMIO_DIR_R},
    {MODEL_MMIO_DEVICE_FEATURES_SEL, "DeviceFeaturesSel", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_DRIVER_FEATURES, "DriverFeatures", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_DRIVER_FEATURES_SEL, "DriverFeaturesSel", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_QUEUE_SEL, "QueueSel", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_QUEUE_SIZE_MAX, "QueueSizeMax", MODEL_MMIO_DIR_R},
    {MODEL_MMIO_QUEUE_SIZE, "QueueSize", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_QUEUE_READY, "QueueReady", MODEL_MMIO_DIR_RW},
    {MODEL_MMIO_QUEUE_NOTIFY, "QueueNotify", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_INTERRUPT_STATUS, "InterruptStatus", MODEL_MMIO_DIR_R},
    {MODEL_MMIO_INTERRUPT_ACK, "InterruptACK", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_STATUS, "Status", MODEL_MMIO_DIR_RW},
    {MODEL_MMIO_QUEUE_DESC_LOW, "QueueDescLow", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_QUEUE_DESC_HIGH, "QueueDescHigh", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_QUEUE_DRIVER_LOW, "QueueDriverLow", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_QUEUE_DRIVER_HIGH, "QueueDriverHigh", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_QUEUE_DEVICE_LOW, "QueueDeviceLow", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_QUEUE_DEVICE_HIGH, "QueueDeviceHigh", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_SHM_SEL, "SHMSel", MODEL_MMIO_DIR_W},
    {MODEL_MMIO_SHM_LEN_LOW, "SHMLenLow", MODEL_MMIO_DIR_R},
    {MODEL_MMIO_SHM_LEN_HIGH, "SHMLenHigh", MODEL_MMIO_DIR_R},
    {MODEL_MMIO_SHM_BASE_LOW, "SHMBaseLow", MODEL_MMIO_DIR_R},
    {MODEL_MMIO_SHM_BASE_HIGH, "SHMBaseHigh", MODEL_MMIO_DIR_R},
    {MODEL_MMIO_QUEUE_RESET, "QueueReset", MODEL_MMIO_DIR_RW},
    {MODEL_MMIO_CONFIG_GENERATION, "ConfigGeneration", MODEL_MMIO_DIR_R},
};

#define MMIO_REG_COUNT (sizeof mmio_regs / sizeof mmio_regs[0])
_Static_assert(MODEL_MMIO_CONFIG_GENERATION < MODEL_MMIO_CONFIG,
               "control registers end below the config space");

const struct model_mmio_reg *model_mmio_reg_find(uint32_t offset) {
  for (size_t i = 0; i < MMIO_REG_COUNT; i++) {
    if (mmio_regs[i].offset == offset)
      return &mmio_regs[i];
    if (mmio_regs[i].offset > offset)
      break; /* sorted: no later entry can match */
  }
  return NULL;
}

size_t model_mmio_reg_count(void) {
  return MMIO_REG_COUNT;
}

const struct model_mmio_reg *model_mmio_reg_at(size_t index) {
  return index < MMIO_REG_COUNT ? &mmio_regs[index] : NULL;
}
