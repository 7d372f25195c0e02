/*
 * backend/misbehave.c: the names and descriptions of the device's
 * misbehaviours (see misbehave.h). One table, in enum order; a static
 * assertion keeps it as long as the enum. Where each one acts is marked
 * "misbehave point" in core.c, mmio.c, net.c, net_rx.c, vq.c, vq_split.c and
 * vq_packed.c.
 */
#include "backend/misbehave.h"

#include <stddef.h>
#include <string.h>

struct misbehave_entry {
  const char *name;
  const char *describe;
};

static const struct misbehave_entry table[] = {
    [DEV_MISBEHAVE_USE_BEFORE_DRIVER_OK] =
        {"use-before-driver-ok",
         "services the transmit queue as soon as it is ready, before DRIVER_OK, and sends a "
         "used buffer notification (2.1.2#1)"},
    [DEV_MISBEHAVE_WORK_AFTER_RESET] =
        {"work-after-reset",
         "after a reset that followed DRIVER_OK, services the transmit queue and notifies as "
         "soon as it is ready again, before DRIVER_OK (2.4.1#2)"},
    [DEV_MISBEHAVE_TOUCH_UNREADY_QUEUE] =
        {"touch-unready-queue",
         "reads a queue's available ring while QueueReady is still 0, on the write that sets it "
         "(4.2.2.1#7)"},
    [DEV_MISBEHAVE_SILENT_NEEDS_RESET] =
        {"silent-needs-reset",
         "sets DEVICE_NEEDS_RESET (and the config bit of InterruptStatus) but raises no "
         "configuration change interrupt (2.1.2#3)"},
    [DEV_MISBEHAVE_OFFER_WITHOUT_DEPENDENCY] =
        {"offer-without-dependency",
         "offers CTRL_RX without CTRL_VQ, which it depends on (2.2.2#1)"},
    [DEV_MISBEHAVE_NO_VERSION_1] = {"no-version-1",
                                    "leaves VERSION_1 out of the offered features (6.2#1)"},
    [DEV_MISBEHAVE_REFUSE_FEATURES] =
        {"refuse-features", "clears FEATURES_OK even for a valid subset of its offer (2.2.2#2)"},
    [DEV_MISBEHAVE_ACCEPT_ANY_FEATURES] =
        {"accept-any-features",
         "keeps FEATURES_OK whatever the driver accepted, unoffered bits or broken dependencies "
         "included (2.2.2#3)"},
    [DEV_MISBEHAVE_IGNORE_RESET] =
        {"ignore-reset", "ignores a write of 0 to Status: the status never reads 0 (2.4.1#1)"},
    [DEV_MISBEHAVE_BAD_MAGIC] = {"bad-magic", "MagicValue reads 0x76697274, not 0x74726976 "
                                              "(4.2.2.1#1)"},
    [DEV_MISBEHAVE_BAD_VERSION] = {"bad-version", "Version reads 1 (legacy), not 2 (4.2.2.1#2)"},
    [DEV_MISBEHAVE_CLEAR_ISR_EARLY] =
        {"clear-isr-early",
         "clears each InterruptStatus bit right after raising its interrupt, before the driver "
         "acknowledges it (4.2.2.1#3)"},
    [DEV_MISBEHAVE_SPURIOUS_ISR] =
        {"spurious-isr",
         "InterruptStatus shows the used buffer bit whenever any bit is pending, used buffers or "
         "not (4.2.2.1#4)"},
    [DEV_MISBEHAVE_KEEP_STATE_ON_RESET] =
        {"keep-state-on-reset",
         "a reset leaves InterruptStatus and the queues (QueueReady included) as they were "
         "(4.2.2.1#5)"},
    [DEV_MISBEHAVE_NO_GENERATION_BUMP] =
        {"no-generation-bump",
         "changes configuration fields (link status, mac) without changing ConfigGeneration "
         "(4.2.2.1#6)"},
    [DEV_MISBEHAVE_WRITE_READABLE_BUFFER] =
        {"write-readable-buffer",
         "writes back the first byte of each chain's device-readable part (2.7.5.1#1; packed "
         "2.8.15#1)"},
    [DEV_MISBEHAVE_READ_WRITABLE_BUFFER] =
        {"read-writable-buffer",
         "reads the first byte of each chain's device-writable part before filling it "
         "(2.7.5.1#2; packed 2.8.15#2)"},
    [DEV_MISBEHAVE_WRITE_DESCRIPTOR_TABLE] =
        {"write-descriptor-table",
         "writes back the flags of each chain's head descriptor (split) or, once marked used, "
         "of each flush's first used descriptor (packed) (2.7.5.1#3; packed 2.8.15#4)"},
    [DEV_MISBEHAVE_IRQ_WHILE_SUPPRESSED] =
        {"irq-while-suppressed",
         "raises a used buffer interrupt on every publication, suppressed or not (2.7.7.2#2, "
         "#6)"},
    [DEV_MISBEHAVE_SKIP_IRQ] = {"skip-irq",
                                "never raises a used buffer interrupt, even when one is owed "
                                "(2.7.7.2#3, #5)"},
    [DEV_MISBEHAVE_PUBLISH_USED_BEFORE_ELEM] =
        {"publish-used-before-elem",
         "writes the used idx that publishes an element before the element itself (2.7.8.2#1)"},
    [DEV_MISBEHAVE_USED_LEN_TOO_BIG] =
        {"used-len-too-big",
         "reports a used len one past the chain's writable bytes on the transmit and control "
         "queues (2.7.8.2#2)"},
    [DEV_MISBEHAVE_BAD_USED_FLAGS] =
        {"bad-used-flags",
         "sets an undefined bit (2) in the used ring flags (2.7.10.2#1; with EVENT_IDX #2)"},
    [DEV_MISBEHAVE_RX_NUM_BUFFERS] =
        {"rx-num-buffers",
         "writes num_buffers 0 in every receive header (5.1.9.4.1#1; with MRG_RXBUF #2)"},
    [DEV_MISBEHAVE_RX_FLAGS_WITHOUT_CSUM] =
        {"rx-flags-without-csum",
         "sets DATA_VALID in receive headers without GUEST_CSUM (5.1.9.4.1#5)"},
    [DEV_MISBEHAVE_RX_GSO] = {"rx-gso",
                              "sets gso_type TCPV4 in receive headers without GUEST_TSO4 or "
                              "any guest GSO feature (5.1.9.4.1#7, #24)"},
    [DEV_MISBEHAVE_RX_RSC_INFO] =
        {"rx-rsc-info", "sets RSC_INFO in receive header flags without RSC_EXT (5.1.9.4.1#28)"},
    [DEV_MISBEHAVE_RX_OVERSIZE] =
        {"rx-oversize",
         "with MTU, delivers received frames longer than mtu + 14 whenever the buffers hold "
         "them (5.1.4.1#5)"},
    [DEV_MISBEHAVE_BAD_MTU] = {"bad-mtu", "the mtu field reads 64, below the minimum of 68 "
                                          "(5.1.4.1#2)"},
    [DEV_MISBEHAVE_RX_SPLIT_PUBLISH] =
        {"rx-split-publish",
         "with MRG_RXBUF, publishes the used idx after each buffer of a packet spread over "
         "several, not once for all of them (5.1.9.4.1#4)"},
    [DEV_MISBEHAVE_RX_PARTIAL_FILL] =
        {"rx-partial-fill",
         "with MRG_RXBUF, leaves the last byte of every buffer but a packet's last one unfilled "
         "(5.1.9.4.1#3)"},
    [DEV_MISBEHAVE_MTU_CHANGES] =
        {"mtu-changes",
         "with MTU, the mtu field reads another value (one less, one more at the minimum) from "
         "the first link change on, announced with a new generation (5.1.4.1#4)"},
    [DEV_MISBEHAVE_OFFER_RESERVED_BIT] =
        {"offer-reserved-bit", "offers feature bit 42, which virtio-net leaves reserved (2.2.2#4)"},
    [DEV_MISBEHAVE_REFUSE_AFTER_RESET] =
        {"refuse-after-reset",
         "once it has kept FEATURES_OK, clears it for every later set, the one it kept included "
         "(2.2.2#5)"},
    [DEV_MISBEHAVE_DEVICE_ID_ZERO] =
        {"device-id-zero",
         "DeviceID reads 0, the placeholder for no device; a driver that goes on breaks "
         "4.2.3.1.1#4 and 4.2.2.2#8 (no device rule)"},
    [DEV_MISBEHAVE_OFFER_RX_EXTRA_WITHOUT_CTRL_VQ] =
        {"offer-rx-extra-without-ctrl-vq",
         "offers CTRL_RX_EXTRA and HASH_REPORT without CTRL_VQ, leaving out CTRL_VQ and what "
         "requires it (5.1.4.1#12, #13)"},
    [DEV_MISBEHAVE_RX_GSO_TCPV6] = {"rx-gso-tcpv6",
                                    "sets gso_type TCPV6 in receive headers without GUEST_TSO6 "
                                    "or any guest GSO feature (5.1.9.4.1#9, #24)"},
    [DEV_MISBEHAVE_RX_EMPTY_TAIL] =
        {"rx-empty-tail",
         "with MRG_RXBUF, adds one more receive buffer, used with len 0, to every packet and "
         "counts it in num_buffers (5.1.9.3.2#1)"},
    [DEV_MISBEHAVE_RX_GSO_UDP] = {"rx-gso-udp",
                                  "sets gso_type UDP in receive headers without GUEST_UFO or any "
                                  "guest GSO feature (5.1.9.4.1#8, #24)"},
    [DEV_MISBEHAVE_RX_GSO_UDP_L4] = {"rx-gso-udp-l4",
                                     "sets gso_type UDP_L4 in receive headers without GUEST_USO4, "
                                     "GUEST_USO6 or any guest GSO feature (5.1.9.4.1#10, #24)"},
    [DEV_MISBEHAVE_RX_SPREAD_WITHOUT_MRG] =
        {"rx-spread-without-mrg",
         "without MRG_RXBUF, places each received packet in two buffers, half of the frame in "
         "each, with num_buffers 2 (5.1.9.3.2#2, 5.1.9.4.1#1)"},
    [DEV_MISBEHAVE_MAC_SET_LATE] =
        {"mac-set-late", "marks a MAC_ADDR_SET used (OK) with the old config mac; the new one is "
                         "set when the next control command comes (5.1.9.5.2.1#3)"},
    [DEV_MISBEHAVE_CONFIG_ZERO_BEFORE_FEATURES_OK] =
        {"config-zero-before-features-ok",
         "the mac and status fields read 0 until FEATURES_OK is set, then their values, in "
         "the same generation (2.5.2#1, 4.2.2.1#6)"},
    [DEV_MISBEHAVE_START_NEXT_LIST_FIRST] =
        {"start-next-list-first",
         "packed: before taking the list at its position, reads the first descriptor of the "
         "list after it, when that one is available (2.8.12#1)"},
    [DEV_MISBEHAVE_SKIP_USED_SLOT] =
        {"skip-used-slot",
         "packed: writes each flush's used descriptors one slot past its used position (2.8.12#2)"},
    [DEV_MISBEHAVE_USE_UNAVAILABLE] =
        {"use-unavailable",
         "packed: after a flush that leaves nothing outstanding, marks the next slot used with "
         "the id found there, though the driver has not made it available (2.8.15#3)"},
    [DEV_MISBEHAVE_USE_OUT_OF_ORDER] =
        {"use-out-of-order",
         "packed, with IN_ORDER: in a flush of two or more buffers, writes the second buffer's "
         "used descriptor before the first one's (6.2#3)"},
};

_Static_assert(sizeof(table) / sizeof(table[0]) == DEV_MISBEHAVE_COUNT,
               "one table entry per misbehaviour");

unsigned dev_misbehave_count(void) {
  return DEV_MISBEHAVE_COUNT;
}

bool dev_misbehave_lookup(const char *name, unsigned *bit) {
  if (name == NULL)
    return false;
  for (unsigned i = 0; i < DEV_MISBEHAVE_COUNT; i++) {
    if (strcmp(table[i].name, name) == 0) {
      *bit = i;
      return true;
    }
  }
  return false;
}

const char *dev_misbehave_name(unsigned bit) {
  return bit < DEV_MISBEHAVE_COUNT ? table[bit].name : NULL;
}

const char *dev_misbehave_describe(unsigned bit) {
  return bit < DEV_MISBEHAVE_COUNT ? table[bit].describe : NULL;
}
