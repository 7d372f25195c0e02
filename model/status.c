/*
 * model/status.c: the device status field (2.1) as the driver may write it.
 * Implements model_status_transition_ok() and model_status_format() (see
 * model/virtio.h for the contract).
 *
 * Implementation notes. A driver write is judged against the status it
 * replaces:
 *  - 0 is a reset (2.4, 3.1.1 step 1) and always legal;
 *  - no bit of the old value may disappear (2.1.1#2), which also keeps the
 *    device's DEVICE_NEEDS_RESET if the device had set it;
 *  - the bits added must be driver-owned: the four init steps and FAILED.
 *    DEVICE_NEEDS_RESET belongs to the device (2.1), SUSPEND needs
 *    VIRTIO_F_SUSPEND which viosim never offers (3.4.1), bit 32 is undefined;
 *  - the steps ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK (3.1.1#1) are
 *    added one write at a time, each only on top of all earlier ones;
 *  - after FAILED no step may be added (2.1.1#3: reset first; 3.1.1#5).
 * The old value's own steps need not form a prefix (the device clears
 * FEATURES_OK to refuse features, 2.2.2#3); the next step is then the first
 * one missing, and the value as a whole must still be a prefix.
 */
#include "model/virtio.h"

#include <assert.h>
#include <stdio.h>

#define STATUS_STEP_COUNT 4u

/* 3.1.1: the initialisation steps in the order the driver takes them. */
static const uint8_t status_steps[STATUS_STEP_COUNT] = {
    VIRTIO_STATUS_ACKNOWLEDGE,
    VIRTIO_STATUS_DRIVER,
    VIRTIO_STATUS_FEATURES_OK,
    VIRTIO_STATUS_DRIVER_OK,
};

#define STATUS_STEP_BITS                                                                           \
  (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |                  \
   VIRTIO_STATUS_DRIVER_OK)
#define STATUS_DRIVER_BITS (STATUS_STEP_BITS | VIRTIO_STATUS_FAILED)

/* True when the step bits of `status` are exactly the first k steps. */
static bool status_steps_are_prefix(uint8_t status) {
  unsigned count = 0;
  while (count < STATUS_STEP_COUNT && (status & status_steps[count]) != 0)
    count++;
  for (unsigned i = count; i < STATUS_STEP_COUNT; i++) {
    if ((status & status_steps[i]) != 0)
      return false;
  }
  return true;
}

bool model_status_transition_ok(uint8_t old_status, uint8_t new_status) {
  if (new_status == 0)
    return true; /* reset */
  if ((old_status & (uint8_t)~new_status) != 0)
    return false; /* 2.1.1#2: a bit was cleared */
  uint8_t added = (uint8_t)(new_status & (uint8_t)~old_status);
  if ((added & (uint8_t)~STATUS_DRIVER_BITS) != 0)
    return false; /* not the driver's bit to set */
  uint8_t added_steps = (uint8_t)(added & STATUS_STEP_BITS);
  if (added_steps == 0)
    return true; /* nothing but FAILED, or a rewrite of the same value */
  if ((old_status & VIRTIO_STATUS_FAILED) != 0 || (added & VIRTIO_STATUS_FAILED) != 0)
    return false; /* 2.1.1#3, 3.1.1#5: no init step once FAILED */
  if ((added_steps & (uint8_t)(added_steps - 1u)) != 0)
    return false; /* two steps in one write skip the checks between them */
  return status_steps_are_prefix(new_status);
}

/* Names in bit order; FAILED last because it is the highest bit. */
static const struct {
  uint8_t bit;
  const char *name;
} status_names[] = {
    {VIRTIO_STATUS_ACKNOWLEDGE, "ACKNOWLEDGE"},
    {VIRTIO_STATUS_DRIVER, "DRIVER"},
    {VIRTIO_STATUS_DRIVER_OK, "DRIVER_OK"},
    {VIRTIO_STATUS_FEATURES_OK, "FEATURES_OK"},
    {VIRTIO_STATUS_SUSPEND, "SUSPEND"},
    {VIRTIO_STATUS_DEVICE_NEEDS_RESET, "DEVICE_NEEDS_RESET"},
    {VIRTIO_STATUS_FAILED, "FAILED"},
};

/* Appends text at *used, truncating at buf_size - 1; keeps buf terminated. */
static void status_append(char *buf, size_t buf_size, size_t *used, const char *text) {
  int n = snprintf(buf + *used, buf_size - *used, "%s", text);
  if (n < 0)
    return;
  size_t want = (size_t)n;
  *used += want < buf_size - *used ? want : buf_size - *used - 1u;
}

const char *model_status_format(uint8_t status, char *buf, size_t buf_size) {
  assert(buf != NULL);
  if (buf_size == 0)
    return buf;
  buf[0] = '\0';
  size_t used = 0;
  uint8_t known = 0;
  for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++) {
    known = (uint8_t)(known | status_names[i].bit);
    if ((status & status_names[i].bit) == 0)
      continue;
    if (used > 0)
      status_append(buf, buf_size, &used, "|");
    status_append(buf, buf_size, &used, status_names[i].name);
  }
  uint8_t unknown = (uint8_t)(status & (uint8_t)~known);
  if (unknown != 0) {
    char hex[8];
    (void)snprintf(hex, sizeof hex, "0x%02x", (unsigned)unknown);
    if (used > 0)
      status_append(buf, buf_size, &used, "|");
    status_append(buf, buf_size, &used, hex);
  }
  if (status == 0)
    status_append(buf, buf_size, &used, "0");
  return buf;
}
