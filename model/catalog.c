/*
 * model/catalog.c: the clause catalog (contract in model/catalog.h). One entry
 * per MUST / SHOULD keyword (MUST NOT and SHOULD NOT count once, MAY is not an
 * entry) of every "Driver/Device Requirements" section viosim covers:
 * 2.1, 2.2, 2.4, 2.5, 2.6, 2.7 (split ring), 3.1, 3.3, 4.2 (MMIO), 5.1.4,
 * 5.1.9.2, 5.1.9.3, 5.1.9.4.1, 5.1.9.4.2, 5.1.9.5.1, 5.1.9.5.2, 6.1 and 6.2.
 * Section scope is by whole id components: 5.1.9.5.1 covers 5.1.9.5.1.1 and
 * 5.1.9.5.1.2, not 5.1.9.5.10 or 5.1.9.5.11.
 *
 * Invariants (checked by model/tests/catalog_test.c against
 * ../shared/spec/clauses.tsv and the spec text):
 *  - entries are in spec order; a section's entries are contiguous and
 *    numbered #1..#n, n being its MUST plus SHOULD count;
 *  - each entry's level is the keyword at that position in the spec text,
 *    its target and area are the section's row in clauses.tsv;
 *  - summaries are one line in our own words, never the spec's sentence,
 *    and start with the target they bind ("driver:" / "device:").
 *
 * `feature` names the bit the statement is conditional on, with
 * feature_when saying how (model/catalog.h). Statements whose condition is a
 * combination of several features (e.g. "none of HOST_TSO4, TSO6, USO, UFO"),
 * or a header field rather than a feature, carry MODEL_CLAUSE_NO_FEATURE.
 * Spec slips kept as the spec has them: 5.1.9.4.1#8 names a
 * "VIRTIO_NET_F_GUEST_UDP" bit that does not exist (GUEST_UFO is meant);
 * "MOST NOT" in 5.1.9.2.2 and 5.1.9.4.2 is no keyword and has no entry.
 */
#include "model/catalog.h"

#include <string.h>

#include "model/virtio.h"

/* An entry that applies when `feat` is negotiated / not negotiated / offered. */
#define CF(sec, n, tgt, area_name, lvl, feat, when, text)                                          \
  {                                                                                                \
    .id = sec "#" #n, .section = sec, .target = MODEL_TARGET_##tgt, .area = area_name,             \
    .level = MODEL_LEVEL_##lvl, .feature = feat, .summary = text,                                  \
    .feature_when = MODEL_FEATURE_WHEN_##when,                                                     \
  }
/* An entry with no feature condition. */
#define C(sec, n, tgt, area_name, lvl, text)                                                       \
  CF(sec, n, tgt, area_name, lvl, MODEL_CLAUSE_NO_FEATURE, NEGOTIATED, text)

static const struct model_clause catalog[] = {
    /* 2.1.1 driver: Device Status Field */
    C("2.1.1", 1, DRIVER, "status", MUST,
      "driver: sets status bits to record each completed step of the 3.1 init sequence"),
    C("2.1.1", 2, DRIVER, "status", MUST,
      "driver: never clears a device status bit; only a reset (write of 0) returns status to 0"),
    C("2.1.1", 3, DRIVER, "status", MUST,
      "driver: after setting FAILED, resets the device before any new init attempt"),
    C("2.1.1", 4, DRIVER, "status", SHOULD,
      "driver: does not count on in-flight requests completing once DEVICE_NEEDS_RESET is set"),
    /* 2.1.2 device: Device Status Field */
    C("2.1.2", 1, DEVICE, "status", MUST,
      "device: consumes no buffer and sends no used buffer notification before DRIVER_OK"),
    C("2.1.2", 2, DEVICE, "status", SHOULD,
      "device: sets DEVICE_NEEDS_RESET when it hits an error that only a reset can clear"),
    C("2.1.2", 3, DEVICE, "status", MUST,
      "device: with DRIVER_OK set, sends a config change notification after setting "
      "DEVICE_NEEDS_RESET"),
    /* 2.2.1 driver: Feature Bits */
    C("2.2.1", 1, DRIVER, "features", MUST,
      "driver: accepts no feature bit the device did not offer"),
    C("2.2.1", 2, DRIVER, "features", MUST,
      "driver: accepts no feature without every feature it depends on (e.g. 5.1.3.1)"),
    C("2.2.1", 3, DRIVER, "features", MUST, "driver: validates the feature bits the device offers"),
    C("2.2.1", 4, DRIVER, "features", MUST,
      "driver: ignores offered bits that are unspecified, reserved, or invalid for the transport "
      "or device type"),
    C("2.2.1", 5, DRIVER, "features", MUST,
      "driver: never accepts an unspecified, reserved, transport-unsupported or "
      "wrong-device-type bit"),
    C("2.2.1", 6, DRIVER, "features", SHOULD,
      "driver: when a feature it relies on is not offered, falls back to a compatible mode if it "
      "has one"),
    C("2.2.1", 7, DRIVER, "features", MUST,
      "driver: lacking such a fallback, sets FAILED and stops initialising"),
    C("2.2.1", 8, DRIVER, "features", MUST,
      "driver: does not fail merely because the device offers a feature it does not know"),
    /* 2.2.2 device: Feature Bits */
    C("2.2.2", 1, DEVICE, "features", MUST,
      "device: offers no feature without also offering every feature it depends on"),
    C("2.2.2", 2, DEVICE, "features", SHOULD,
      "device: accepts any valid subset of its offer that the driver accepts"),
    C("2.2.2", 3, DEVICE, "features", MUST,
      "device: for a subset it cannot take, leaves FEATURES_OK clear when the driver writes it"),
    C("2.2.2", 4, DEVICE, "features", MUST,
      "device: offers no bit it could not honour if accepted (unspecified, reserved, wrong "
      "transport or type)"),
    C("2.2.2", 5, DEVICE, "features", SHOULD,
      "device: after a reset, does not refuse a feature set it once accepted with FEATURES_OK"),
    /* 2.4.1 device: Device Reset */
    C("2.4.1", 1, DEVICE, "reset", MUST, "device: sets device status back to 0 on reset"),
    C("2.4.1", 2, DEVICE, "reset", MUST,
      "device: once status reads 0 after reset, sends no notification and touches no queue until "
      "re-init"),
    /* 2.4.2 driver: Device Reset */
    C("2.4.2", 1, DRIVER, "reset", SHOULD,
      "driver: considers its reset done only when the status register reads back 0"),
    /* 2.5.1 driver: Device Configuration Space */
    C("2.5.1", 1, DRIVER, "config", MUST,
      "driver: assumes no atomicity for config reads wider than 32 bits or spanning several "
      "fields"),
    C("2.5.1", 2, DRIVER, "config", SHOULD,
      "driver: reads config inside a config generation loop, retrying until the generation is "
      "unchanged"),
    C("2.5.1", 3, DRIVER, "config", MUST,
      "driver: accesses an optional config field only if the device offered its feature"),
    C("2.5.1", 4, DRIVER, "config", MUST,
      "driver: does not cap the config structure or config space at the size it knows"),
    C("2.5.1", 5, DRIVER, "config", SHOULD,
      "driver: only checks that config space is large enough for the fields it uses"),
    /* 2.5.2 device: Device Configuration Space */
    C("2.5.2", 1, DEVICE, "config", MUST,
      "device: serves reads of every device config field (offered-feature ones too) before "
      "FEATURES_OK"),
    /* 2.6.1.1.1 device: Virtqueue Reset */
    CF("2.6.1.1.1", 1, DEVICE, "virtqueue", MUST, VIRTIO_F_RING_RESET, NEGOTIATED,
       "device: after a queue reset, runs no request from that queue and sends no notification "
       "for it"),
    CF("2.6.1.1.1", 2, DEVICE, "virtqueue", MUST, VIRTIO_F_RING_RESET, NEGOTIATED,
       "device: returns all state of a reset queue, available and used sides included, to "
       "defaults"),
    /* 2.6.1.1.2 driver: Virtqueue Reset */
    CF("2.6.1.1.2", 1, DRIVER, "virtqueue", MUST, VIRTIO_F_RING_RESET, NEGOTIATED,
       "driver: after requesting a queue reset, confirms the queue really is reset"),
    /* 2.6.1.2.1 device: Virtqueue Re-enable */
    CF("2.6.1.2.1", 1, DEVICE, "virtqueue", MUST, VIRTIO_F_RING_RESET, NEGOTIATED,
       "device: on queue re-enable, honours queue settings the driver changed (e.g. queue size)"),
    /* 2.6.1.2.2 driver: Virtqueue Re-enable */
    CF("2.6.1.2.2", 1, DRIVER, "virtqueue", MUST, VIRTIO_F_RING_RESET, NEGOTIATED,
       "driver: re-enabling a queue, sets it up as in initial virtqueue discovery"),
    /* 2.7.1 driver: Virtqueues */
    C("2.7.1", 1, DRIVER, "split", MUST,
      "driver: places descriptor table, available ring and used ring at their required alignment"),
    /* 2.7.4.1 device: Message Framing */
    C("2.7.4.1", 1, DEVICE, "split", MUST,
      "device: assumes nothing about how a buffer is split into descriptors"),
    /* 2.7.4.2 driver: Message Framing */
    C("2.7.4.2", 1, DRIVER, "split", MUST,
      "driver: puts every device-writable descriptor after all device-readable ones in a chain"),
    C("2.7.4.2", 2, DRIVER, "split", SHOULD,
      "driver: does not spread a buffer over an excessive number of descriptors"),
    /* 2.7.5.1 device: The Virtqueue Descriptor Table */
    C("2.7.5.1", 1, DEVICE, "split", MUST, "device: never writes into a device-readable buffer"),
    C("2.7.5.1", 2, DEVICE, "split", SHOULD,
      "device: leaves device-writable buffers unread (except for debugging)"),
    C("2.7.5.1", 3, DEVICE, "split", MUST, "device: never writes to a descriptor table entry"),
    /* 2.7.5.2 driver: The Virtqueue Descriptor Table */
    C("2.7.5.2", 1, DRIVER, "split", MUST,
      "driver: no chain totals more than 2^32 bytes, so descriptor loops are impossible"),
    CF("2.7.5.2", 2, DRIVER, "split", MUST, VIRTIO_F_IN_ORDER, NEGOTIATED,
       "driver: with IN_ORDER, a chained descriptor at slot x has next x+1, or 0 at the last slot"),
    /* 2.7.5.3.1 driver: Indirect Descriptors */
    CF("2.7.5.3.1", 1, DRIVER, "split", MUST, VIRTIO_F_INDIRECT_DESC, NOT_NEGOTIATED,
       "driver: sets VIRTQ_DESC_F_INDIRECT only if INDIRECT_DESC was negotiated"),
    CF("2.7.5.3.1", 2, DRIVER, "split", MUST, VIRTIO_F_INDIRECT_DESC, NEGOTIATED,
       "driver: no INDIRECT flag inside an indirect table (one table per descriptor)"),
    C("2.7.5.3.1", 3, DRIVER, "split", MUST,
      "driver: a chain never holds more descriptors than the queue size"),
    CF("2.7.5.3.1", 4, DRIVER, "split", MUST, VIRTIO_F_INDIRECT_DESC, NEGOTIATED,
       "driver: never sets both INDIRECT and NEXT in one descriptor's flags"),
    CF("2.7.5.3.1", 5, DRIVER, "split", MUST, VIRTIO_F_IN_ORDER, NEGOTIATED,
       "driver: with IN_ORDER, indirect table entries are sequential (next = 1, 2, ...)"),
    /* 2.7.5.3.2 device: Indirect Descriptors */
    CF("2.7.5.3.2", 1, DEVICE, "split", MUST, VIRTIO_F_INDIRECT_DESC, NEGOTIATED,
       "device: ignores the WRITE flag of a descriptor that points to an indirect table"),
    CF("2.7.5.3.2", 2, DEVICE, "split", MUST, VIRTIO_F_INDIRECT_DESC, NEGOTIATED,
       "device: handles a chain of normal descriptors ending in one indirect descriptor"),
    /* 2.7.6.1 driver: The Virtqueue Available Ring */
    C("2.7.6.1", 1, DRIVER, "split", MUST, "driver: never moves the available ring idx backwards"),
    /* 2.7.7.1 driver: Used Buffer Notification Suppression */
    CF("2.7.7.1", 1, DRIVER, "event-suppression", MUST, VIRTIO_F_EVENT_IDX, NOT_NEGOTIATED,
       "driver: without EVENT_IDX, writes only 0 or 1 to the available ring flags"),
    CF("2.7.7.1", 2, DRIVER, "event-suppression", MUST, VIRTIO_F_EVENT_IDX, NEGOTIATED,
       "driver: with EVENT_IDX, writes 0 to the available ring flags"),
    C("2.7.7.1", 3, DRIVER, "event-suppression", MUST,
      "driver: copes with spurious used buffer notifications"),
    /* 2.7.7.2 device: Used Buffer Notification Suppression */
    CF("2.7.7.2", 1, DEVICE, "event-suppression", MUST, VIRTIO_F_EVENT_IDX, NOT_NEGOTIATED,
       "device: without EVENT_IDX, ignores used_event"),
    CF("2.7.7.2", 2, DEVICE, "event-suppression", SHOULD, VIRTIO_F_EVENT_IDX, NOT_NEGOTIATED,
       "device: without EVENT_IDX, sends no used buffer notification while avail flags is 1"),
    CF("2.7.7.2", 3, DEVICE, "event-suppression", MUST, VIRTIO_F_EVENT_IDX, NOT_NEGOTIATED,
       "device: without EVENT_IDX, notifies after adding used entries while avail flags is 0"),
    CF("2.7.7.2", 4, DEVICE, "event-suppression", MUST, VIRTIO_F_EVENT_IDX, NEGOTIATED,
       "device: with EVENT_IDX, ignores bit 0 of the available ring flags"),
    CF("2.7.7.2", 5, DEVICE, "event-suppression", MUST, VIRTIO_F_EVENT_IDX, NEGOTIATED,
       "device: with EVENT_IDX, notifies when the used idx update crosses used_event"),
    CF("2.7.7.2", 6, DEVICE, "event-suppression", SHOULD, VIRTIO_F_EVENT_IDX, NEGOTIATED,
       "device: with EVENT_IDX, no interrupt when used_event was not crossed by the used idx "
       "update"),
    /* 2.7.8.2 device: The Virtqueue Used Ring */
    C("2.7.8.2", 1, DEVICE, "split", MUST,
      "device: writes the used element's len before publishing the used idx"),
    C("2.7.8.2", 2, DEVICE, "split", MUST,
      "device: writes at least len bytes from the first writable buffer before publishing the "
      "used idx"),
    /* 2.7.8.3 driver: The Virtqueue Used Ring */
    C("2.7.8.3", 1, DRIVER, "split", MUST,
      "driver: assumes nothing about writable buffer bytes past the used len"),
    C("2.7.8.3", 2, DRIVER, "split", SHOULD,
      "driver: ignores writable buffer bytes past the used len"),
    /* 2.7.10.1 driver: Available Buffer Notification Suppression */
    C("2.7.10.1", 1, DRIVER, "event-suppression", MUST,
      "driver: zeroes the used ring flags when it sets up the used ring"),
    CF("2.7.10.1", 2, DRIVER, "event-suppression", MUST, VIRTIO_F_EVENT_IDX, NOT_NEGOTIATED,
       "driver: without EVENT_IDX, ignores avail_event"),
    CF("2.7.10.1", 3, DRIVER, "event-suppression", SHOULD, VIRTIO_F_EVENT_IDX, NOT_NEGOTIATED,
       "driver: without EVENT_IDX, sends no available buffer notification while used flags is 1"),
    CF("2.7.10.1", 4, DRIVER, "event-suppression", MUST, VIRTIO_F_EVENT_IDX, NOT_NEGOTIATED,
       "driver: without EVENT_IDX, notifies after adding buffers while used flags is 0"),
    CF("2.7.10.1", 5, DRIVER, "event-suppression", MUST, VIRTIO_F_EVENT_IDX, NEGOTIATED,
       "driver: with EVENT_IDX, ignores bit 0 of the used ring flags"),
    CF("2.7.10.1", 6, DRIVER, "event-suppression", MUST, VIRTIO_F_EVENT_IDX, NEGOTIATED,
       "driver: with EVENT_IDX, notifies when the avail idx update crosses avail_event"),
    CF("2.7.10.1", 7, DRIVER, "event-suppression", SHOULD, VIRTIO_F_EVENT_IDX, NEGOTIATED,
       "driver: with EVENT_IDX, no notification when avail_event was not crossed by the avail idx "
       "update"),
    /* 2.7.10.2 device: Available Buffer Notification Suppression */
    CF("2.7.10.2", 1, DEVICE, "event-suppression", MUST, VIRTIO_F_EVENT_IDX, NOT_NEGOTIATED,
       "device: without EVENT_IDX, writes only 0 or 1 to the used ring flags"),
    CF("2.7.10.2", 2, DEVICE, "event-suppression", MUST, VIRTIO_F_EVENT_IDX, NEGOTIATED,
       "device: with EVENT_IDX, writes 0 to the used ring flags"),
    C("2.7.10.2", 3, DEVICE, "event-suppression", MUST,
      "device: copes with spurious available buffer notifications"),
    /* 2.7.13.3.1 driver: Updating idx */
    C("2.7.13.3.1", 1, DRIVER, "split", MUST,
      "driver: issues a memory barrier before publishing a new available idx"),
    /* 2.7.13.4.1 driver: Notifying The Device */
    C("2.7.13.4.1", 1, DRIVER, "event-suppression", MUST,
      "driver: issues a memory barrier before reading used flags or avail_event to decide on "
      "notifying"),
    /* 2.8.11 driver: Packed Virtqueues */
    CF("2.8.11", 1, DRIVER, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "driver: aligns the descriptor ring to 16 bytes and both event suppression areas to 4"),
    /* 2.8.12 device: Packed Virtqueues */
    CF("2.8.12", 1, DEVICE, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "device: starts processing available descriptors in ring order"),
    CF("2.8.12", 2, DEVICE, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "device: starts writing used descriptors in the order the buffers complete"),
    /* 2.8.15 device: The Virtqueue Descriptor Table */
    CF("2.8.15", 1, DEVICE, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "device: never writes into a device-readable buffer"),
    CF("2.8.15", 2, DEVICE, "packed", SHOULD, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "device: leaves device-writable buffers unread"),
    CF("2.8.15", 3, DEVICE, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "device: uses a descriptor only once its AVAIL bit has changed to mark it available"),
    CF("2.8.15", 4, DEVICE, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "device: never changes a descriptor after flipping its USED bit"),
    /* 2.8.16 driver: The Virtqueue Descriptor Table */
    CF("2.8.16", 1, DRIVER, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "driver: changes a descriptor only after seeing its USED bit change"),
    CF("2.8.16", 2, DRIVER, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "driver: never changes a descriptor after flipping its AVAIL bit"),
    CF("2.8.16", 3, DRIVER, "packed", MUST, VIRTIO_F_NOTIFICATION_DATA, NEGOTIATED,
       "driver: a notification's next_off and next_wrap name the next descriptor not yet "
       "available"),
    /* 2.8.17 driver: Scatter-Gather Support */
    CF("2.8.17", 1, DRIVER, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "driver: no descriptor list longer than the device allows"),
    CF("2.8.17", 2, DRIVER, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "driver: no descriptor list longer than the queue size (so no loops)"),
    CF("2.8.17", 3, DRIVER, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "driver: puts device-writable elements after all device-readable ones"),
    CF("2.8.17", 4, DRIVER, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "driver: does not rely on the device using extra descriptors to write out a list"),
    CF("2.8.17", 5, DRIVER, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "driver: makes the first descriptor of a list available only if the whole list fits"),
    CF("2.8.17", 6, DRIVER, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "driver: makes the first descriptor of a list available last"),
    /* 2.8.18 device: Scatter-Gather Support */
    CF("2.8.18", 1, DEVICE, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "device: uses the descriptors of a NEXT-chained list in the order they were made "
       "available"),
    /* 2.8.19 driver: Indirect Descriptors */
    CF("2.8.19", 1, DRIVER, "packed", MUST, VIRTIO_F_INDIRECT_DESC, NOT_NEGOTIATED,
       "driver: sets VIRTQ_DESC_F_INDIRECT only if INDIRECT_DESC was negotiated"),
    CF("2.8.19", 2, DRIVER, "packed", MUST, VIRTIO_F_INDIRECT_DESC, NEGOTIATED,
       "driver: sets no flag but WRITE in an indirect table entry"),
    CF("2.8.19", 3, DRIVER, "packed", MUST, VIRTIO_F_INDIRECT_DESC, NEGOTIATED,
       "driver: no indirect chain longer than the device allows"),
    CF("2.8.19", 4, DRIVER, "packed", MUST, VIRTIO_F_INDIRECT_DESC, NEGOTIATED,
       "driver: no INDIRECT descriptor inside a NEXT-linked list"),
    /* 2.8.21.1.1 driver: Updating flags */
    CF("2.8.21.1.1", 1, DRIVER, "packed", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "driver: orders its descriptor writes before the flags write that exposes them"),
    /* 2.8.21.3.1 driver: Sending Available Buffer Notifications */
    CF("2.8.21.3.1", 1, DRIVER, "event-suppression", MUST, VIRTIO_F_RING_PACKED, NEGOTIATED,
       "driver: orders the flags update before reading the device event suppression area"),
    /* 3.1.1 driver: Device Initialization */
    C("3.1.1", 1, DRIVER, "init", MUST,
      "driver: initialises in order: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, re-read, "
      "setup, DRIVER_OK"),
    C("3.1.1", 2, DRIVER, "init", MUST,
      "driver: writes no device-specific config field while negotiating features (reading is "
      "allowed)"),
    C("3.1.1", 3, DRIVER, "init", MUST,
      "driver: accepts no new feature bit once FEATURES_OK is set"),
    C("3.1.1", 4, DRIVER, "init", SHOULD,
      "driver: sets FAILED when an init step fails beyond recovery"),
    C("3.1.1", 5, DRIVER, "init", MUST,
      "driver: does not carry on initialising after such a failure"),
    C("3.1.1", 6, DRIVER, "init", MUST,
      "driver: sends no available buffer notification before DRIVER_OK"),
    /* 3.3.1 driver: Device Cleanup */
    C("3.3.1", 1, DRIVER, "reset", MUST,
      "driver: does not alter ring entries of buffers exposed to a live queue"),
    C("3.3.1", 2, DRIVER, "reset", MUST,
      "driver: takes the queue out of service by device reset before reclaiming exposed buffers"),
    /* 4.2.2.1 device: MMIO Device Register Layout */
    C("4.2.2.1", 1, DEVICE, "mmio", MUST, "device: MagicValue reads 0x74726976"),
    C("4.2.2.1", 2, DEVICE, "mmio", MUST, "device: Version reads 0x2"),
    C("4.2.2.1", 3, DEVICE, "mmio", MUST,
      "device: keeps an event's InterruptStatus bit set from the event until the driver acks it "
      "in InterruptACK"),
    C("4.2.2.1", 4, DEVICE, "mmio", MUST,
      "device: InterruptStatus bits with no pending event read as 0"),
    C("4.2.2.1", 5, DEVICE, "mmio", MUST,
      "device: reset clears InterruptStatus and every queue's QueueReady"),
    C("4.2.2.1", 6, DEVICE, "mmio", MUST,
      "device: changes ConfigGeneration whenever the driver could otherwise see an inconsistent "
      "config"),
    C("4.2.2.1", 7, DEVICE, "mmio", MUST,
      "device: does not touch a queue's rings while its QueueReady is 0"),
    CF("4.2.2.1", 8, DEVICE, "mmio", MUST, VIRTIO_F_RING_RESET, NEGOTIATED,
       "device: QueueReset reads 0 after a device reset"),
    CF("4.2.2.1", 9, DEVICE, "mmio", MUST, VIRTIO_F_RING_RESET, NEGOTIATED,
       "device: QueueReset reads 0 once the queue has been enabled through QueueReady"),
    CF("4.2.2.1", 10, DEVICE, "mmio", MUST, VIRTIO_F_RING_RESET, NEGOTIATED,
       "device: writing 1 to QueueReset resets the selected queue"),
    CF("4.2.2.1", 11, DEVICE, "mmio", MUST, VIRTIO_F_RING_RESET, NEGOTIATED,
       "device: QueueReset reads 1 while a queue reset is in progress"),
    CF("4.2.2.1", 12, DEVICE, "mmio", MUST, VIRTIO_F_RING_RESET, NEGOTIATED,
       "device: when a queue reset completes, QueueReset and QueueReady both read 0"),
    /* 4.2.2.2 driver: MMIO Device Register Layout */
    C("4.2.2.2", 1, DRIVER, "mmio", MUST,
      "driver: accesses no offset outside table 4.2 and the device type's config layout"),
    C("4.2.2.2", 2, DRIVER, "mmio", MUST, "driver: never writes a read-only (R) register"),
    C("4.2.2.2", 3, DRIVER, "mmio", MUST, "driver: never reads a write-only (W) register"),
    C("4.2.2.2", 4, DRIVER, "mmio", MUST,
      "driver: uses only aligned 32-bit accesses for the control registers"),
    C("4.2.2.2", 5, DRIVER, "mmio", MUST,
      "driver: accesses config fields at their width (8, 16, 32 bits; 64-bit ones as 32-bit "
      "halves), aligned"),
    C("4.2.2.2", 6, DRIVER, "mmio", MUST,
      "driver: ignores a device whose MagicValue is not 0x74726976"),
    C("4.2.2.2", 7, DRIVER, "mmio", MUST, "driver: ignores a device whose Version is not 0x2"),
    C("4.2.2.2", 8, DRIVER, "mmio", MUST, "driver: ignores a device whose DeviceID is 0"),
    C("4.2.2.2", 9, DRIVER, "mmio", MUST, "driver: reports no error for a DeviceID 0 placeholder"),
    C("4.2.2.2", 10, DRIVER, "mmio", MUST,
      "driver: writes DeviceFeaturesSel before reading DeviceFeatures"),
    C("4.2.2.2", 11, DRIVER, "mmio", MUST,
      "driver: writes DriverFeaturesSel before writing DriverFeatures"),
    C("4.2.2.2", 12, DRIVER, "mmio", MUST,
      "driver: writes a QueueSize no larger than QueueSizeMax"),
    C("4.2.2.2", 13, DRIVER, "mmio", MUST,
      "driver: leaves QueueSize and the ring address registers alone while QueueReady is nonzero"),
    C("4.2.2.2", 14, DRIVER, "mmio", MUST, "driver: stops a queue by writing 0 to QueueReady"),
    C("4.2.2.2", 15, DRIVER, "mmio", MUST,
      "driver: reads QueueReady back after writing 0 to it, to synchronise"),
    C("4.2.2.2", 16, DRIVER, "mmio", MUST, "driver: ignores undefined InterruptStatus bits"),
    C("4.2.2.2", 17, DRIVER, "mmio", MUST,
      "driver: after handling an interrupt, writes the handled event bits to InterruptACK"),
    C("4.2.2.2", 18, DRIVER, "mmio", MUST,
      "driver: sets no undefined bit in an InterruptACK write"),
    CF("4.2.2.2", 19, DRIVER, "mmio", MUST, VIRTIO_F_RING_RESET, NEGOTIATED,
       "driver: treats a queue reset as finished only after reading QueueReset as 0"),
    /* 4.2.3.1.1 driver: Device Initialization */
    C("4.2.3.1.1", 1, DRIVER, "mmio", MUST,
      "driver: starts init by reading and checking MagicValue and Version"),
    C("4.2.3.1.1", 2, DRIVER, "mmio", MUST,
      "driver: with valid magic and version, reads DeviceID next"),
    C("4.2.3.1.1", 3, DRIVER, "mmio", MUST, "driver: abandons init if DeviceID is 0"),
    C("4.2.3.1.1", 4, DRIVER, "mmio", MUST,
      "driver: touches no other register after reading DeviceID 0"),
    C("4.2.3.1.1", 5, DRIVER, "mmio", MUST,
      "driver: a driver that expects no shared memory never uses the SHM registers"),
    C("4.2.3.1.1", 6, DRIVER, "mmio", MUST,
      "driver: carries on with the generic init sequence of 3.1"),
    /* 4.2.3.4.1 driver: Notifications From The Device */
    C("4.2.3.4.1", 1, DRIVER, "mmio", MUST,
      "driver: reads InterruptStatus after each interrupt to learn its cause"),
    C("4.2.3.4.1", 2, DRIVER, "mmio", SHOULD,
      "driver: handles the InterruptStatus used-buffer bit as a notification for each active "
      "queue"),
    C("4.2.3.4.1", 3, DRIVER, "mmio", MUST,
      "driver: acknowledges handled events by writing their bits to InterruptACK"),
    /* 5.1.4.1 device: Device configuration layout */
    CF("5.1.4.1", 1, DEVICE, "net", MUST, VIRTIO_NET_F_MQ, OFFERED,
       "device: offering MQ, max_virtqueue_pairs is within 1..0x8000"),
    CF("5.1.4.1", 2, DEVICE, "net", MUST, VIRTIO_NET_F_MTU, OFFERED,
       "device: offering MTU, mtu is within 68..65535"),
    CF("5.1.4.1", 3, DEVICE, "net", SHOULD, VIRTIO_NET_F_MTU, OFFERED,
       "device: offering MTU, mtu is at least 1280"),
    CF("5.1.4.1", 4, DEVICE, "net", MUST, VIRTIO_NET_F_MTU, OFFERED,
       "device: never changes mtu after setting it"),
    CF("5.1.4.1", 5, DEVICE, "net", MUST, VIRTIO_NET_F_MTU, NEGOTIATED,
       "device: with MTU, delivers no non-GSO rx frame longer than mtu plus the Ethernet header"),
    CF("5.1.4.1", 6, DEVICE, "net", MUST, VIRTIO_NET_F_MTU, NEGOTIATED,
       "device: with MTU, transmits non-GSO frames up to mtu plus Ethernet header, unfragmented"),
    CF("5.1.4.1", 7, DEVICE, "net", MUST, VIRTIO_NET_F_RSS, OFFERED,
       "device: offering RSS or HASH_REPORT, rss_max_key_size is at least 40"),
    CF("5.1.4.1", 8, DEVICE, "net", MUST, VIRTIO_NET_F_RSS, OFFERED,
       "device: offering RSS, rss_max_indirection_table_length is at least 128"),
    CF("5.1.4.1", 9, DEVICE, "net", MUST, VIRTIO_NET_F_SPEED_DUPLEX, NEGOTIATED,
       "device: with SPEED_DUPLEX, speed holds the link speed in Mbit/s or the unknown value"),
    CF("5.1.4.1", 10, DEVICE, "net", MUST, VIRTIO_NET_F_SPEED_DUPLEX, NEGOTIATED,
       "device: with SPEED_DUPLEX, duplex is 0x00 (full), 0x01 (half) or 0xff (unknown)"),
    CF("5.1.4.1", 11, DEVICE, "net", SHOULD, VIRTIO_NET_F_SPEED_DUPLEX, NEGOTIATED,
       "device: with SPEED_DUPLEX and STATUS, speed and duplex stay fixed while the link is up"),
    CF("5.1.4.1", 12, DEVICE, "net", SHOULD, VIRTIO_NET_F_HASH_REPORT, OFFERED,
       "device: does not offer HASH_REPORT without also offering CTRL_VQ"),
    CF("5.1.4.1", 13, DEVICE, "net", SHOULD, VIRTIO_NET_F_CTRL_RX_EXTRA, OFFERED,
       "device: does not offer CTRL_RX_EXTRA without also offering CTRL_VQ"),
    /* 5.1.4.2 driver: Device configuration layout */
    C("5.1.4.2", 1, DRIVER, "net", MUST, "driver: never writes a virtio-net config field"),
    CF("5.1.4.2", 2, DRIVER, "net", SHOULD, VIRTIO_NET_F_MAC, OFFERED,
       "driver: negotiates MAC when the device offers it"),
    CF("5.1.4.2", 3, DRIVER, "net", MUST, VIRTIO_NET_F_MAC, NEGOTIATED,
       "driver: with MAC, uses the config mac as the NIC's address"),
    CF("5.1.4.2", 4, DRIVER, "net", SHOULD, VIRTIO_NET_F_MAC, NOT_NEGOTIATED,
       "driver: without MAC, picks a locally administered MAC address"),
    CF("5.1.4.2", 5, DRIVER, "net", SHOULD, VIRTIO_NET_F_STATUS, NOT_NEGOTIATED,
       "driver: without STATUS, treats the link as up"),
    CF("5.1.4.2", 6, DRIVER, "net", SHOULD, VIRTIO_NET_F_STATUS, NEGOTIATED,
       "driver: with STATUS, takes the link state from bit 0 of the config status"),
    CF("5.1.4.2", 7, DRIVER, "net", SHOULD, VIRTIO_NET_F_MTU, OFFERED,
       "driver: negotiates MTU when the device offers it"),
    CF("5.1.4.2", 8, DRIVER, "net", MUST, VIRTIO_NET_F_MTU, NEGOTIATED,
       "driver: with MTU, posts rx buffers that fit one non-GSO frame of mtu plus Ethernet header"),
    CF("5.1.4.2", 9, DRIVER, "net", MUST, VIRTIO_NET_F_MTU, NEGOTIATED,
       "driver: with MTU, sends no non-GSO frame longer than mtu plus the Ethernet header"),
    CF("5.1.4.2", 10, DRIVER, "net", SHOULD, VIRTIO_NET_F_STANDBY, OFFERED,
       "driver: negotiates STANDBY when the device offers it"),
    CF("5.1.4.2", 11, DRIVER, "net", MUST, VIRTIO_NET_F_SPEED_DUPLEX, NEGOTIATED,
       "driver: with SPEED_DUPLEX, takes speed above 0x7fffffff or duplex not 0/1 as unknown"),
    CF("5.1.4.2", 12, DRIVER, "net", SHOULD, VIRTIO_NET_F_SPEED_DUPLEX, NEGOTIATED,
       "driver: with SPEED_DUPLEX, re-reads speed and duplex on a config change notification"),
    CF("5.1.4.2", 13, DRIVER, "net", SHOULD, VIRTIO_NET_F_HASH_REPORT, NEGOTIATED,
       "driver: does not negotiate HASH_REPORT without CTRL_VQ"),
    CF("5.1.4.2", 14, DRIVER, "net", SHOULD, VIRTIO_NET_F_CTRL_RX_EXTRA, NEGOTIATED,
       "driver: does not negotiate CTRL_RX_EXTRA without CTRL_VQ"),
    /* 5.1.9.2.1 driver: Packet Transmission */
    C("5.1.9.2.1", 1, DRIVER, "net", MUST, "driver: tx header has the same size as the rx header"),
    C("5.1.9.2.1", 2, DRIVER, "net", MUST, "driver: writes num_buffers as 0 in tx headers"),
    CF("5.1.9.2.1", 3, DRIVER, "net", MUST, VIRTIO_NET_F_CSUM, NOT_NEGOTIATED,
       "driver: without CSUM, tx header flags are 0"),
    CF("5.1.9.2.1", 4, DRIVER, "net", SHOULD, VIRTIO_NET_F_CSUM, NOT_NEGOTIATED,
       "driver: without CSUM, sends fully checksummed packets"),
    CF("5.1.9.2.1", 5, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_TSO4, NOT_NEGOTIATED,
       "driver: no GSO_TCPV4 tx gso_type without HOST_TSO4"),
    CF("5.1.9.2.1", 6, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_TSO6, NOT_NEGOTIATED,
       "driver: no GSO_TCPV6 tx gso_type without HOST_TSO6"),
    CF("5.1.9.2.1", 7, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UFO, NOT_NEGOTIATED,
       "driver: no GSO_UDP tx gso_type without HOST_UFO"),
    CF("5.1.9.2.1", 8, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_USO, NOT_NEGOTIATED,
       "driver: no GSO_UDP_L4 tx gso_type without HOST_USO"),
    CF("5.1.9.2.1", 9, DRIVER, "net", SHOULD, VIRTIO_NET_F_HOST_ECN, NOT_NEGOTIATED,
       "driver: without HOST_ECN, sends no TSO packet that has the ECN bit set"),
    CF("5.1.9.2.1", 10, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_ECN, NEGOTIATED,
       "driver: with HOST_ECN, a TSO packet carrying ECN has GSO_ECN set in gso_type"),
    CF("5.1.9.2.1", 11, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO, NOT_NEGOTIATED,
       "driver: without HOST_UDP_TUNNEL_GSO, requests no UDP tunnel segmentation in gso_type"),
    CF("5.1.9.2.1", 12, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO, NEGOTIATED,
       "driver: tunnel GSO with an IPv4 inner header sets GSO_UDP_TUNNEL_IPV4"),
    CF("5.1.9.2.1", 13, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO, NEGOTIATED,
       "driver: tunnel GSO with an IPv6 inner header sets GSO_UDP_TUNNEL_IPV6"),
    CF("5.1.9.2.1", 14, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM, NOT_NEGOTIATED,
       "driver: sends tunnel GSO with outer UDP csum offload only if both tunnel GSO features are "
       "negotiated"),
    CF("5.1.9.2.1", 15, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM, NEGOTIATED,
       "driver: tunnel GSO with outer checksum offload sets a tunnel gso_type bit and "
       "UDP_TUNNEL_CSUM"),
    CF("5.1.9.2.1", 16, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM, NOT_NEGOTIATED,
       "driver: without HOST_UDP_TUNNEL_GSO_CSUM, leaves UDP_TUNNEL_CSUM clear in tx flags"),
    CF("5.1.9.2.1", 17, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM, NOT_NEGOTIATED,
       "driver: without HOST_UDP_TUNNEL_GSO_CSUM, sends no tunnel GSO needing outer checksum "
       "offload"),
    CF("5.1.9.2.1", 18, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO, NEGOTIATED,
       "driver: never combines a UDP tunnel gso_type bit with GSO_UDP"),
    CF("5.1.9.2.1", 19, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO, NEGOTIATED,
       "driver: never sets the IPv4 and IPv6 UDP tunnel gso_type bits together"),
    CF("5.1.9.2.1", 20, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM, NEGOTIATED,
       "driver: sets UDP_TUNNEL_CSUM only together with a UDP tunnel gso_type bit"),
    CF("5.1.9.2.1", 21, DRIVER, "net", MUST, VIRTIO_NET_F_CSUM, NEGOTIATED,
       "driver: setting NEEDS_CSUM, has checked the checksums in front of csum_start + "
       "csum_offset"),
    CF("5.1.9.2.1", 22, DRIVER, "net", MUST, VIRTIO_NET_F_CSUM, NEGOTIATED,
       "driver: setting NEEDS_CSUM, seeds the packet's checksum field with the TCP/UDP "
       "pseudo-header sum"),
    CF("5.1.9.2.1", 23, DRIVER, "net", MUST, VIRTIO_NET_F_CSUM, NEGOTIATED,
       "driver: setting NEEDS_CSUM, picks csum_start/csum_offset so summing from csum_start "
       "completes the packet"),
    C("5.1.9.2.1", 24, DRIVER, "net", MUST,
      "driver: tx gso_type is GSO_NONE unless HOST_TSO4, HOST_TSO6, HOST_USO or HOST_UFO was "
      "negotiated"),
    C("5.1.9.2.1", 25, DRIVER, "net", MUST,
      "driver: a tx gso_type other than NONE comes with NEEDS_CSUM set"),
    C("5.1.9.2.1", 26, DRIVER, "net", MUST,
      "driver: a tx gso_type other than NONE sets gso_size to the MSS"),
    CF("5.1.9.2.1", 27, DRIVER, "net", MUST, VIRTIO_NET_F_GUEST_HDRLEN, NEGOTIATED,
       "driver: with GUEST_HDRLEN and a GSO type, hdr_len is exactly the headers' length up to "
       "the transport header"),
    C("5.1.9.2.1", 28, DRIVER, "net", SHOULD,
      "driver: without GUEST_HDRLEN or for GSO_NONE, hdr_len is at least the headers' length"),
    CF("5.1.9.2.1", 29, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO, NEGOTIATED,
       "driver: tunnel GSO fills outer_th_offset and inner_nh_offset with the outer UDP and inner "
       "network headers"),
    CF("5.1.9.2.1", 30, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM, NEGOTIATED,
       "driver: setting UDP_TUNNEL_CSUM, seeds the outer UDP checksum with its pseudo-header sum"),
    CF("5.1.9.2.1", 31, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM, NOT_NEGOTIATED,
       "driver: tunnel GSO without the tunnel CSUM feature needs no outer UDP checksum validation"),
    CF("5.1.9.2.1", 32, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM, NOT_NEGOTIATED,
       "driver: tunnel GSO without the tunnel CSUM feature has an outer UDP checksum of 0 or "
       "already complete"),
    CF("5.1.9.2.1", 33, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO, NOT_NEGOTIATED,
       "driver: without HOST_UDP_TUNNEL_GSO, never sets a UDP tunnel gso_type bit"),
    CF("5.1.9.2.1", 34, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM, NOT_NEGOTIATED,
       "driver: without HOST_UDP_TUNNEL_GSO_CSUM, never sets UDP_TUNNEL_CSUM in tx flags"),
    CF("5.1.9.2.1", 35, DRIVER, "net", SHOULD, VIRTIO_NET_F_GUEST_HDRLEN, OFFERED,
       "driver: accepts GUEST_HDRLEN when offered, if it can give exact header lengths"),
    C("5.1.9.2.1", 36, DRIVER, "net", MUST,
      "driver: never sets DATA_VALID or RSC_INFO in tx header flags"),
    CF("5.1.9.2.1", 37, DRIVER, "net", MUST, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO, NEGOTIATED,
       "driver: never sets DATA_VALID together with a UDP tunnel gso_type bit"),
    CF("5.1.9.2.1", 38, DRIVER, "net", MUST, VIRTIO_NET_F_IPSEC, NEGOTIATED,
       "driver: marking a packet SECURITY, has created an IPsec outbound SA resource object"),
    CF("5.1.9.2.1", 39, DRIVER, "net", MUST, VIRTIO_NET_F_IPSEC, NEGOTIATED,
       "driver: marking a packet SECURITY, sets resource_id to a valid outbound SA object id"),
    /* 5.1.9.2.2 device: Packet Transmission */
    C("5.1.9.2.2", 1, DEVICE, "net", MUST, "device: ignores tx header flag bits it does not know"),
    C("5.1.9.2.2", 2, DEVICE, "net", MUST,
      "device: without NEEDS_CSUM, makes no use of csum_start or csum_offset"),
    C("5.1.9.2.2", 3, DEVICE, "net", MUST,
      "device: uses outer_nh_offset only with OUT_NET_HEADER negotiated and a nonzero value"),
    C("5.1.9.2.2", 4, DEVICE, "net", MUST,
      "device: without GUEST_HDRLEN (or for GSO_NONE), treats hdr_len as a hint, never as correct"),
    C("5.1.9.2.2", 5, DEVICE, "net", MUST,
      "device: rejects a tx packet with both UDP tunnel gso_type bits set"),
    C("5.1.9.2.2", 6, DEVICE, "net", MUST,
      "device: without a UDP tunnel gso_type bit, ignores outer_th_offset and inner_nh_offset"),
    C("5.1.9.2.2", 7, DEVICE, "net", MUST,
      "device: rejects tunnel tx packets lacking NEEDS_CSUM, carrying DATA_VALID, or with no "
      "inner GSO type"),
    C("5.1.9.2.2", 8, DEVICE, "net", MUST,
      "device: without NEEDS_CSUM, does not assume the packet checksum is correct"),
    C("5.1.9.2.2", 9, DEVICE, "net", MUST,
      "device: without the SECURITY flag, ignores resource_id and resource_type"),
    /* 5.1.9.3.1 driver: Setting Up Receive Buffers */
    CF("5.1.9.3.1", 1, DRIVER, "net", SHOULD, VIRTIO_NET_F_MRG_RXBUF, NOT_NEGOTIATED,
       "driver: no MRG_RXBUF but guest GSO: rx buffers of at least 65601 bytes (65609 with "
       "HASH_REPORT)"),
    CF("5.1.9.3.1", 2, DRIVER, "net", SHOULD, VIRTIO_NET_F_MRG_RXBUF, NOT_NEGOTIATED,
       "driver: no MRG_RXBUF nor guest GSO: rx buffers of at least 1526 bytes (1534 with "
       "HASH_REPORT)"),
    CF("5.1.9.3.1", 3, DRIVER, "net", MUST, VIRTIO_NET_F_MRG_RXBUF, NEGOTIATED,
       "driver: with MRG_RXBUF, each rx buffer holds at least a virtio_net_hdr (12, or 20 with "
       "HASH_REPORT)"),
    C("5.1.9.3.1", 4, DRIVER, "net", MUST,
      "driver: sizes virtio_net_hdr from the negotiated features (12, 20, 24 or 32 bytes)"),
    CF("5.1.9.3.1", 5, DRIVER, "net", SHOULD, VIRTIO_NET_F_MQ, NEGOTIATED,
       "driver: with MQ, fills every receive queue it will use with buffers"),
    /* 5.1.9.3.2 device: Setting Up Receive Buffers */
    C("5.1.9.3.2", 1, DEVICE, "net", MUST,
      "device: sets num_buffers to the count of descriptors holding the received packet"),
    CF("5.1.9.3.2", 2, DEVICE, "net", MUST, VIRTIO_NET_F_MRG_RXBUF, NOT_NEGOTIATED,
       "device: without MRG_RXBUF, places each received packet in a single buffer"),
    /* 5.1.9.4.1 device: Processing of Incoming Packets */
    CF("5.1.9.4.1", 1, DEVICE, "net", MUST, VIRTIO_NET_F_MRG_RXBUF, NOT_NEGOTIATED,
       "device: without MRG_RXBUF, num_buffers is 1"),
    CF("5.1.9.4.1", 2, DEVICE, "net", MUST, VIRTIO_NET_F_MRG_RXBUF, NEGOTIATED,
       "device: with MRG_RXBUF, num_buffers counts the buffers the packet and header occupy"),
    CF("5.1.9.4.1", 3, DEVICE, "net", MUST, VIRTIO_NET_F_MRG_RXBUF, NEGOTIATED,
       "device: a packet spread over several buffers fills all but the last one completely"),
    CF("5.1.9.4.1", 4, DEVICE, "net", MUST, VIRTIO_NET_F_MRG_RXBUF, NEGOTIATED,
       "device: publishes all buffers of one packet together, so num_buffers of them are seen as "
       "used"),
    CF("5.1.9.4.1", 5, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_CSUM, NOT_NEGOTIATED,
       "device: without GUEST_CSUM, rx header flags are 0"),
    CF("5.1.9.4.1", 6, DEVICE, "net", SHOULD, VIRTIO_NET_F_GUEST_CSUM, NOT_NEGOTIATED,
       "device: without GUEST_CSUM, delivers fully checksummed packets"),
    CF("5.1.9.4.1", 7, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_TSO4, NOT_NEGOTIATED,
       "device: no GSO_TCPV4 rx gso_type without GUEST_TSO4"),
    CF("5.1.9.4.1", 8, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_UFO, NOT_NEGOTIATED,
       "device: no GSO_UDP rx gso_type without GUEST_UFO (the spec text says GUEST_UDP)"),
    CF("5.1.9.4.1", 9, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_TSO6, NOT_NEGOTIATED,
       "device: no GSO_TCPV6 rx gso_type without GUEST_TSO6"),
    C("5.1.9.4.1", 10, DEVICE, "net", MUST,
      "device: no GSO_UDP_L4 rx gso_type unless GUEST_USO4 or GUEST_USO6 was negotiated"),
    CF("5.1.9.4.1", 11, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO, NOT_NEGOTIATED,
       "device: without GUEST_UDP_TUNNEL_GSO, sets no UDP tunnel bit in rx gso_type"),
    CF("5.1.9.4.1", 12, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_CSUM, NOT_NEGOTIATED,
       "device: without GUEST_UDP_TUNNEL_GSO_CSUM, never sets UDP_TUNNEL_CSUM in rx flags"),
    CF("5.1.9.4.1", 13, DEVICE, "net", SHOULD, VIRTIO_NET_F_GUEST_ECN, NOT_NEGOTIATED,
       "device: without GUEST_ECN, delivers no TSO packet that has the ECN bit set"),
    CF("5.1.9.4.1", 14, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_ECN, NEGOTIATED,
       "device: with GUEST_ECN, a TSO packet carrying ECN has GSO_ECN set in gso_type"),
    C("5.1.9.4.1", 15, DEVICE, "net", MUST,
      "device: leaves outer_nh_offset unused unless OUT_NET_HEADER is negotiated and the header "
      "is valid"),
    CF("5.1.9.4.1", 16, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_CSUM, NEGOTIATED,
       "device: setting NEEDS_CSUM, has checked the checksums in front of csum_start + "
       "csum_offset"),
    CF("5.1.9.4.1", 17, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_CSUM, NEGOTIATED,
       "device: setting NEEDS_CSUM, seeds the packet's checksum field with the TCP/UDP "
       "pseudo-header sum"),
    CF("5.1.9.4.1", 18, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_CSUM, NEGOTIATED,
       "device: setting NEEDS_CSUM, picks csum_start/csum_offset so summing from csum_start "
       "completes the packet"),
    CF("5.1.9.4.1", 19, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO, NOT_NEGOTIATED,
       "device: without GUEST_UDP_TUNNEL_GSO, delivers no UDP-tunnelled packet that needs "
       "segmentation"),
    CF("5.1.9.4.1", 20, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO, NEGOTIATED,
       "device: tunnel GSO rx sets the UDP tunnel gso_type bit matching the inner network header"),
    CF("5.1.9.4.1", 21, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO, NEGOTIATED,
       "device: tunnel GSO rx fills outer_th_offset and inner_nh_offset"),
    CF("5.1.9.4.1", 22, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO, NEGOTIATED,
       "device: tunnel GSO rx leaves no outer UDP checksum for the driver to offload"),
    CF("5.1.9.4.1", 23, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_CSUM, NOT_NEGOTIATED,
       "device: without GUEST_UDP_TUNNEL_GSO_CSUM, delivers no tunnel GSO needing outer checksum "
       "offload"),
    C("5.1.9.4.1", 24, DEVICE, "net", MUST,
      "device: rx gso_type is GSO_NONE unless a guest TSO4/TSO6/UFO/USO4/USO6 feature was "
      "negotiated"),
    C("5.1.9.4.1", 25, DEVICE, "net", MUST,
      "device: an rx gso_type other than NONE comes with NEEDS_CSUM set"),
    C("5.1.9.4.1", 26, DEVICE, "net", MUST,
      "device: an rx gso_type other than NONE sets gso_size to the MSS"),
    CF("5.1.9.4.1", 27, DEVICE, "net", MUST, VIRTIO_NET_F_RSC_EXT, NEGOTIATED,
       "device: with RSC_EXT, GSO rx sets RSC_INFO and reports coalesced segments and dup ACKs in "
       "the csum fields"),
    CF("5.1.9.4.1", 28, DEVICE, "net", MUST, VIRTIO_NET_F_RSC_EXT, NOT_NEGOTIATED,
       "device: without RSC_EXT, never sets RSC_INFO in rx flags"),
    C("5.1.9.4.1", 29, DEVICE, "net", SHOULD,
      "device: with a guest GSO feature, hdr_len is at least the headers' length (inner "
      "transport for tunnels)"),
    CF("5.1.9.4.1", 30, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_CSUM, NEGOTIATED,
       "device: setting DATA_VALID, has validated the packet checksum"),
    CF("5.1.9.4.1", 31, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO, NEGOTIATED,
       "device: never sets DATA_VALID together with a UDP tunnel gso_type bit"),
    CF("5.1.9.4.1", 32, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_CSUM, NEGOTIATED,
       "device: setting UDP_TUNNEL_CSUM, seeds the outer UDP checksum with its pseudo-header sum"),
    CF("5.1.9.4.1", 33, DEVICE, "net", MUST, VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_CSUM, NEGOTIATED,
       "device: tunnel rx without UDP_TUNNEL_CSUM has an outer UDP checksum of 0 or fully "
       "computed"),
    CF("5.1.9.4.1", 34, DEVICE, "net", MUST, VIRTIO_NET_F_IPSEC, NEGOTIATED,
       "device: sets SECURITY in rx flags for a packet that went through IPsec processing"),
    CF("5.1.9.4.1", 35, DEVICE, "net", MUST, VIRTIO_NET_F_IPSEC, NEGOTIATED,
       "device: clears SECURITY in rx flags for a packet without IPsec processing"),
    CF("5.1.9.4.1", 36, DEVICE, "net", MUST, VIRTIO_NET_F_IPSEC, NEGOTIATED,
       "device: decides SECURITY independently of SECURITY_ERR and SA_SOFT_EXPIRY_WARN"),
    CF("5.1.9.4.1", 37, DEVICE, "net", MUST, VIRTIO_NET_F_IPSEC, NEGOTIATED,
       "device: sets SECURITY_ERR when IPsec processing hit an error"),
    CF("5.1.9.4.1", 38, DEVICE, "net", MUST, VIRTIO_NET_F_IPSEC, NEGOTIATED,
       "device: clears SECURITY_ERR when IPsec processing had no error"),
    CF("5.1.9.4.1", 39, DEVICE, "net", MUST, VIRTIO_NET_F_IPSEC, NEGOTIATED,
       "device: decides SECURITY_ERR independently of SA_SOFT_EXPIRY_WARN"),
    CF("5.1.9.4.1", 40, DEVICE, "net", MUST, VIRTIO_NET_F_IPSEC, NEGOTIATED,
       "device: sets SA_SOFT_EXPIRY_WARN once the packet's SA reaches its soft lifetime limit"),
    /* 5.1.9.4.2 driver: Processing of Incoming Packets */
    C("5.1.9.4.2", 1, DRIVER, "net", MUST, "driver: ignores rx header flag bits it does not know"),
    C("5.1.9.4.2", 2, DRIVER, "net", MUST,
      "driver: uses outer_nh_offset only with OUT_NET_HEADER negotiated and a nonzero value"),
    C("5.1.9.4.2", 3, DRIVER, "net", MUST,
      "driver: ignores csum_start/csum_offset unless NEEDS_CSUM is set and RSC_INFO is clear"),
    C("5.1.9.4.2", 4, DRIVER, "net", MUST,
      "driver: treats rx hdr_len as a hint only, never as correct"),
    C("5.1.9.4.2", 5, DRIVER, "net", MUST,
      "driver: with neither NEEDS_CSUM nor DATA_VALID, does not assume the packet checksum is "
      "correct"),
    C("5.1.9.4.2", 6, DRIVER, "net", MUST,
      "driver: drops an rx packet with both UDP tunnel gso_type bits set"),
    C("5.1.9.4.2", 7, DRIVER, "net", MUST,
      "driver: without a UDP tunnel gso_type bit, ignores outer_th_offset and inner_nh_offset"),
    C("5.1.9.4.2", 8, DRIVER, "net", MUST,
      "driver: drops tunnel rx packets lacking NEEDS_CSUM, carrying DATA_VALID, or with no inner "
      "GSO type"),
    /* 5.1.9.5.1.1 device: Packet Receive Filtering */
    CF("5.1.9.5.1.1", 1, DEVICE, "net", MUST, VIRTIO_NET_F_CTRL_RX, NEGOTIATED,
       "device: with CTRL_RX, implements the RX_PROMISC and RX_ALLMULTI commands"),
    CF("5.1.9.5.1.1", 2, DEVICE, "net", SHOULD, VIRTIO_NET_F_CTRL_RX, NEGOTIATED,
       "device: in promiscuous mode, receives every incoming packet"),
    CF("5.1.9.5.1.1", 3, DEVICE, "net", SHOULD, VIRTIO_NET_F_CTRL_RX, NEGOTIATED,
       "device: promiscuous mode takes effect whatever other RX class modes are on"),
    CF("5.1.9.5.1.1", 4, DEVICE, "net", SHOULD, VIRTIO_NET_F_CTRL_RX, NEGOTIATED,
       "device: with all-multicast on, passes every incoming multicast packet"),
    CF("5.1.9.5.1.1", 5, DEVICE, "net", MUST, VIRTIO_NET_F_CTRL_RX_EXTRA, NEGOTIATED,
       "device: with CTRL_RX_EXTRA, implements RX_ALLUNI, RX_NOMULTI, RX_NOUNI and RX_NOBCAST"),
    CF("5.1.9.5.1.1", 6, DEVICE, "net", SHOULD, VIRTIO_NET_F_CTRL_RX_EXTRA, NEGOTIATED,
       "device: with all-unicast on, passes every incoming unicast packet"),
    CF("5.1.9.5.1.1", 7, DEVICE, "net", SHOULD, VIRTIO_NET_F_CTRL_RX_EXTRA, NEGOTIATED,
       "device: with NOMULTI on, delivers no multicast packet"),
    CF("5.1.9.5.1.1", 8, DEVICE, "net", SHOULD, VIRTIO_NET_F_CTRL_RX_EXTRA, NEGOTIATED,
       "device: NOMULTI wins over ALLMULTI"),
    CF("5.1.9.5.1.1", 9, DEVICE, "net", SHOULD, VIRTIO_NET_F_CTRL_RX_EXTRA, NEGOTIATED,
       "device: NOMULTI does not filter broadcast packets"),
    CF("5.1.9.5.1.1", 10, DEVICE, "net", SHOULD, VIRTIO_NET_F_CTRL_RX_EXTRA, NEGOTIATED,
       "device: with NOUNI on, delivers no unicast packet"),
    CF("5.1.9.5.1.1", 11, DEVICE, "net", SHOULD, VIRTIO_NET_F_CTRL_RX_EXTRA, NEGOTIATED,
       "device: NOUNI wins over ALLUNI"),
    CF("5.1.9.5.1.1", 12, DEVICE, "net", SHOULD, VIRTIO_NET_F_CTRL_RX_EXTRA, NEGOTIATED,
       "device: with NOBCAST on, delivers no broadcast packet"),
    CF("5.1.9.5.1.1", 13, DEVICE, "net", SHOULD, VIRTIO_NET_F_CTRL_RX_EXTRA, NEGOTIATED,
       "device: NOBCAST holds even with ALLMULTI on"),
    /* 5.1.9.5.1.2 driver: Packet Receive Filtering */
    CF("5.1.9.5.1.2", 1, DRIVER, "net", MUST, VIRTIO_NET_F_CTRL_RX, NOT_NEGOTIATED,
       "driver: issues no RX_PROMISC or RX_ALLMULTI command without CTRL_RX"),
    CF("5.1.9.5.1.2", 2, DRIVER, "net", MUST, VIRTIO_NET_F_CTRL_RX_EXTRA, NOT_NEGOTIATED,
       "driver: issues no RX_ALLUNI, RX_NOMULTI, RX_NOUNI or RX_NOBCAST command without "
       "CTRL_RX_EXTRA"),
    /* 5.1.9.5.2.1 device: Setting MAC Address Filtering */
    CF("5.1.9.5.2.1", 1, DEVICE, "net", MUST, VIRTIO_NET_F_CTRL_RX, NEGOTIATED,
       "device: its MAC filter table is empty after reset"),
    CF("5.1.9.5.2.1", 2, DEVICE, "net", MUST, VIRTIO_NET_F_CTRL_RX, NEGOTIATED,
       "device: applies a MAC_TABLE_SET to the filter table before marking the command used"),
    CF("5.1.9.5.2.1", 3, DEVICE, "net", MUST, VIRTIO_NET_F_MAC, NEGOTIATED,
       "device: with MAC, updates config mac before marking a MAC_ADDR_SET command used"),
    C("5.1.9.5.2.1", 4, DEVICE, "net", SHOULD,
      "device: drops rx packets whose destination matches neither its mac nor the MAC filter "
      "table"),
    /* 5.1.9.5.2.2 driver: Setting MAC Address Filtering */
    CF("5.1.9.5.2.2", 1, DRIVER, "net", MUST, VIRTIO_NET_F_CTRL_RX, NOT_NEGOTIATED,
       "driver: issues no MAC class command without CTRL_RX"),
    CF("5.1.9.5.2.2", 2, DRIVER, "net", SHOULD, VIRTIO_NET_F_CTRL_RX, NEGOTIATED,
       "driver: with CTRL_RX, sends MAC_ADDR_SET when its default mac differs from the config mac"),
    CF("5.1.9.5.2.2", 3, DRIVER, "net", MUST, VIRTIO_NET_F_CTRL_RX, NEGOTIATED,
       "driver: MAC_TABLE_SET data is le32 count + unicast macs, then le32 count + multicast macs"),
    /* 6.1 driver: Reserved Feature Bits */
    CF("6.1", 1, DRIVER, "features", MUST, VIRTIO_F_VERSION_1, OFFERED,
       "driver: accepts VERSION_1 whenever it is offered"),
    CF("6.1", 2, DRIVER, "features", SHOULD, VIRTIO_F_ACCESS_PLATFORM, OFFERED,
       "driver: accepts ACCESS_PLATFORM when offered"),
    CF("6.1", 3, DRIVER, "features", MUST, VIRTIO_F_ACCESS_PLATFORM, NEGOTIATED,
       "driver: having accepted ACCESS_PLATFORM, disables the IOMMU or programs it for the device"),
    CF("6.1", 4, DRIVER, "features", MUST, VIRTIO_F_ACCESS_PLATFORM, NOT_OFFERED,
       "driver: without an ACCESS_PLATFORM offer, gives the device only physical addresses"),
    CF("6.1", 5, DRIVER, "features", SHOULD, VIRTIO_F_RING_PACKED, OFFERED,
       "driver: accepts RING_PACKED when offered"),
    CF("6.1", 6, DRIVER, "features", SHOULD, VIRTIO_F_ORDER_PLATFORM, OFFERED,
       "driver: accepts ORDER_PLATFORM when offered"),
    CF("6.1", 7, DRIVER, "features", MUST, VIRTIO_F_ORDER_PLATFORM, NEGOTIATED,
       "driver: with ORDER_PLATFORM, uses the barriers meant for hardware devices"),
    CF("6.1", 8, DRIVER, "features", MUST, VIRTIO_F_SR_IOV, NEGOTIATED,
       "driver: negotiates SR_IOV only for a PCI device that has an SR-IOV capability"),
    CF("6.1", 9, DRIVER, "features", MUST, VIRTIO_F_SR_IOV, NEGOTIATED,
       "driver: enables virtual functions only after negotiating SR_IOV through FEATURES_OK"),
    CF("6.1", 10, DRIVER, "features", SHOULD, VIRTIO_F_NOTIF_CONFIG_DATA, OFFERED,
       "driver: accepts NOTIF_CONFIG_DATA when offered"),
    /* 6.2 device: Reserved Feature Bits */
    C("6.2", 1, DEVICE, "features", MUST, "device: always offers VERSION_1"),
    C("6.2", 2, DEVICE, "features", SHOULD,
      "device: offers ACCESS_PLATFORM if the platform translates or restricts its memory access"),
    CF("6.2", 3, DEVICE, "features", MUST, VIRTIO_F_IN_ORDER, NEGOTIATED,
       "device: with IN_ORDER, uses buffers in the order they were made available"),
    C("6.2", 4, DEVICE, "features", SHOULD,
      "device: offers SR_IOV when it is PCI and has an SR-IOV capability"),
    CF("6.2", 5, DEVICE, "features", MUST, VIRTIO_F_SR_IOV, OFFERED,
       "device: never offers SR_IOV unless it is PCI with an SR-IOV capability"),

};

#undef C
#undef CF

#define CATALOG_COUNT (sizeof catalog / sizeof catalog[0])

size_t model_catalog_count(void) {
  return CATALOG_COUNT;
}

const struct model_clause *model_catalog_at(size_t index) {
  return index < CATALOG_COUNT ? &catalog[index] : NULL;
}

const struct model_clause *model_catalog_find(const char *id) {
  if (id == NULL)
    return NULL;
  for (size_t i = 0; i < CATALOG_COUNT; i++) {
    if (strcmp(catalog[i].id, id) == 0)
      return &catalog[i];
  }
  return NULL;
}

size_t model_catalog_section_first(const char *section) {
  if (section == NULL)
    return CATALOG_COUNT;
  for (size_t i = 0; i < CATALOG_COUNT; i++) {
    if (strcmp(catalog[i].section, section) == 0)
      return i;
  }
  return CATALOG_COUNT;
}

const char *model_target_name(enum model_target target) {
  switch (target) {
  case MODEL_TARGET_DRIVER:
    return "driver";
  case MODEL_TARGET_DEVICE:
    return "device";
  }
  return "?";
}

const char *model_level_name(enum model_level level) {
  switch (level) {
  case MODEL_LEVEL_MUST:
    return "MUST";
  case MODEL_LEVEL_SHOULD:
    return "SHOULD";
  }
  return "?";
}

const char *model_feature_when_name(enum model_feature_when when) {
  switch (when) {
  case MODEL_FEATURE_WHEN_NEGOTIATED:
    return "negotiated";
  case MODEL_FEATURE_WHEN_NOT_NEGOTIATED:
    return "not negotiated";
  case MODEL_FEATURE_WHEN_OFFERED:
    return "offered";
  case MODEL_FEATURE_WHEN_NOT_OFFERED:
    return "not offered";
  }
  return "?";
}
