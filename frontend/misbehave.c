/*
 * frontend/misbehave.c: the table of the driver's misbehaviours: name,
 * statement broken and a one-line description each; see frontend/
 * misbehave.h. The behaviour itself lives at the rule points (core.c,
 * mmio.c, vq.c, vq_split.c, vq_packed.c, net.c, net_ctrl.c).
 *
 * Invariant: entry i of the table describes bit i, in enum order (checked
 * by the unit test), with a unique kebab-case name.
 */
#include "frontend/misbehave.h"

#include <stddef.h>
#include <string.h>

_Static_assert(DRV_MISBEHAVE_COUNT <= 64 * DRV_MISBEHAVE_WORDS,
               "every misbehaviour has its bit in struct drv_misbehave_set");
_Static_assert(DRV_MISBEHAVE_WORDS >= 2, "a misbehaviour set has room for at least 128");

struct misbehave_entry {
  const char *name;
  const char *clause;
  const char *description;
};

static const struct misbehave_entry misbehave_table[DRV_MISBEHAVE_COUNT] = {
    [DRV_MISBEHAVE_CLEAR_STATUS_BIT] =
        {"clear-status-bit", "2.1.1#2",
         "once: after setting DRIVER, writes ACKNOWLEDGE alone (clearing DRIVER), then rewrites "
         "ACKNOWLEDGE|DRIVER and goes on"},
    [DRV_MISBEHAVE_INIT_AFTER_FAILED] =
        {"init-after-failed", "2.1.1#3",
         "once: after ACKNOWLEDGE, writes FAILED and then adds DRIVER with no reset in between; "
         "that initialisation ends in STATUS_TRANSITION"},
    [DRV_MISBEHAVE_SKIP_FEATURES_OK] =
        {"skip-features-ok", "3.1.1#1",
         "once: writes its features but never sets FEATURES_OK, then writes DRIVER_OK; a correct "
         "device refuses it"},
    [DRV_MISBEHAVE_FEATURES_AFTER_FEATURES_OK] =
        {"features-after-features-ok", "3.1.1#3",
         "writes the DriverFeatures words again (same value) after FEATURES_OK was kept"},
    [DRV_MISBEHAVE_NOTIFY_BEFORE_DRIVER_OK] =
        {"notify-before-driver-ok", "3.1.1#6",
         "once: notifies the receive queue when its queues are set up, before DRIVER_OK"},
    [DRV_MISBEHAVE_NO_RESET_READBACK] =
        {"no-reset-readback", "2.4.2#1",
         "writes 0 to Status and goes on without reading Status back until it shows 0"},
    [DRV_MISBEHAVE_NO_FAILED_ON_REFUSAL] =
        {"no-failed-on-refusal", "3.1.1#4",
         "once: when the device refuses FEATURES_OK, resets it at once without setting FAILED "
         "first"},
    [DRV_MISBEHAVE_IGNORE_FEATURES_REFUSED] =
        {"ignore-features-refused", "3.1.1#5",
         "once: when the device refuses FEATURES_OK, goes on setting up its queues as if it had "
         "kept it; DRIVER_OK is then refused by its own status rules"},
    [DRV_MISBEHAVE_ACCEPT_UNOFFERED] =
        {"accept-unoffered", "2.2.1#1, #5",
         "once: accepts one device-type feature the device did not offer (CTRL_VLAN, or the "
         "first other one whose dependencies are met), and every offered bit the spec leaves "
         "reserved for the device type (none from a conformant device); a correct device "
         "refuses FEATURES_OK"},
    [DRV_MISBEHAVE_ACCEPT_WITHOUT_DEPENDENCY] =
        {"accept-without-dependency", "2.2.1#2, 5.1.4.2#14",
         "once: leaves out of its accepted set a feature another accepted one requires (CTRL_VQ "
         "under CTRL_RX by default, and under CTRL_RX_EXTRA when that is offered too); a correct "
         "device refuses FEATURES_OK"},
    [DRV_MISBEHAVE_REFUSE_VERSION_1] =
        {"refuse-version-1", "6.1#1",
         "once: does not accept VERSION_1 although it is offered (nor requires it); a device "
         "without a legacy interface refuses FEATURES_OK"},
    [DRV_MISBEHAVE_REFUSE_MAC] =
        {"refuse-mac", "5.1.4.2#2",
         "once: does not accept MAC although it is offered, and makes up its own address"},
    [DRV_MISBEHAVE_REFUSE_MTU] =
        {"refuse-mtu", "5.1.4.2#7",
         "once: does not accept MTU although it is offered, and keeps to 1514-byte frames"},
    [DRV_MISBEHAVE_NO_GENERATION_LOOP] =
        {"no-generation-loop", "2.5.1#2",
         "reads the device configuration without reading ConfigGeneration before and after"},
    [DRV_MISBEHAVE_READ_UNOFFERED_CONFIG] =
        {"read-unoffered-config", "2.5.1#3",
         "with every configuration read, also reads the first optional field whose feature was "
         "not offered (max_virtqueue_pairs, mtu or status)"},
    [DRV_MISBEHAVE_WRITE_CONFIG] =
        {"write-config", "5.1.4.2#1",
         "after reading the configuration, writes the first mac byte back (needs MAC)"},
    [DRV_MISBEHAVE_TOUCH_UNDEFINED_REGISTER] =
        {"touch-undefined-register", "4.2.2.2#1",
         "after identifying the device, reads the reserved offset 0x018"},
    [DRV_MISBEHAVE_WRITE_READONLY_REGISTER] =
        {"write-readonly-register", "4.2.2.2#2",
         "after identifying the device, writes VendorID back with the value it read"},
    [DRV_MISBEHAVE_READ_WRITEONLY_REGISTER] =
        {"read-writeonly-register", "4.2.2.2#3",
         "after identifying the device, reads DriverFeaturesSel"},
    [DRV_MISBEHAVE_NARROW_REGISTER_ACCESS] =
        {"narrow-register-access", "4.2.2.2#4",
         "after identifying the device, reads VendorID 16 bits wide"},
    [DRV_MISBEHAVE_WIDE_CONFIG_ACCESS] =
        {"wide-config-access", "4.2.2.2#5",
         "with every configuration read, also reads the first four mac bytes as one 32-bit "
         "access (needs MAC)"},
    [DRV_MISBEHAVE_IGNORE_BAD_DEVICE] =
        {"ignore-bad-device", "4.2.2.2#6, #7",
         "goes on identifying and initialising a device whatever MagicValue and Version it "
         "read"},
    [DRV_MISBEHAVE_NO_FEATURES_SEL] =
        {"no-features-sel", "4.2.2.2#10",
         "reads DeviceFeatures word 0 without writing DeviceFeaturesSel first"},
    [DRV_MISBEHAVE_NO_DRIVER_FEATURES_SEL] =
        {"no-driver-features-sel", "4.2.2.2#11",
         "writes DriverFeatures word 0 without writing DriverFeaturesSel first"},
    [DRV_MISBEHAVE_OVERSIZE_QUEUE] =
        {"oversize-queue", "4.2.2.2#12",
         "writes twice QueueSizeMax to QueueSize before the size it means; a correct device "
         "refuses the first"},
    [DRV_MISBEHAVE_TOUCH_READY_QUEUE] =
        {"touch-ready-queue", "4.2.2.2#13",
         "writes QueueDescLow again (same value) right after setting QueueReady to 1"},
    [DRV_MISBEHAVE_NO_QUEUE_READY_READBACK] =
        {"no-queue-ready-readback", "4.2.2.2#15",
         "when it stops a queue (scenario `queue stop`), writes 0 to QueueReady and, without "
         "reading it back, notifies that queue"},
    [DRV_MISBEHAVE_NO_IRQ_ACK] =
        {"no-irq-ack", "4.2.2.2#17",
         "once: its first interrupt handler reads InterruptStatus, handles it and acknowledges "
         "nothing"},
    [DRV_MISBEHAVE_ACK_UNDEFINED_BITS] =
        {"ack-undefined-bits", "4.2.2.2#18",
         "sets the undefined bit 2 in every InterruptACK write besides the handled bits"},
    [DRV_MISBEHAVE_SKIP_MAGIC_CHECK] =
        {"skip-magic-check", "4.2.3.1.1#1",
         "identifies the device by DeviceID alone, never reading MagicValue or Version"},
    [DRV_MISBEHAVE_SKIP_DEVICE_ID] =
        {"skip-device-id", "4.2.3.1.1#2",
         "after a valid MagicValue and Version, reads VendorID before DeviceID"},
    [DRV_MISBEHAVE_IGNORE_DEVICE_ID_ZERO] =
        {"ignore-device-id-zero", "4.2.3.1.1#4, 4.2.2.2#8",
         "after DeviceID reads 0, goes on: reads VendorID and initialises the device as the "
         "one it expected"},
    [DRV_MISBEHAVE_TOUCH_SHM] =
        {"touch-shm", "4.2.3.1.1#5",
         "after identifying the device, writes 0 to SHMSel and reads SHMLenLow, expecting no "
         "shared memory"},
    [DRV_MISBEHAVE_NO_ISR_READ] =
        {"no-isr-read", "4.2.3.4.1#1",
         "once: its first interrupt handler processes every queue without reading "
         "InterruptStatus (and so acknowledges nothing)"},
    [DRV_MISBEHAVE_MISALIGNED_RING] =
        {"misaligned-ring", "2.7.1#1, 2.8.11#1",
         "once: places the used ring (packed: the Device Event Suppression area) of its first "
         "queue 2 bytes past a 4-byte boundary; a correct device refuses QueueReady"},
    [DRV_MISBEHAVE_WRITE_BEFORE_READ] =
        {"write-before-read", "2.7.4.2#1, 2.8.17#3",
         "once: the first transmitted frame's chain has a 1-byte device-writable descriptor "
         "between its header and its frame"},
    [DRV_MISBEHAVE_DESCRIPTOR_LOOP] =
        {"descriptor-loop", "2.7.5.2#1, 2.8.17#1, #2",
         "once: the first transmitted frame's last descriptor links back to its head (a direct "
         "chain that loops); packed, on an empty ring: the frame goes as a direct list of queue "
         "size descriptors (its last element cut into pieces), every one with NEXT, so the list "
         "runs on past the queue size"},
    [DRV_MISBEHAVE_INDIRECT_UNNEGOTIATED] =
        {"indirect-unnegotiated", "2.7.5.3.1#1, 2.8.19#1",
         "once: sends the first transmitted frame through an indirect table although "
         "INDIRECT_DESC was not negotiated"},
    [DRV_MISBEHAVE_NESTED_INDIRECT] =
        {"nested-indirect", "2.7.5.3.1#2, 2.8.19#2",
         "once: sends the first transmitted frame through an indirect table whose last entry is "
         "an INDIRECT descriptor naming a second table (needs INDIRECT_DESC)"},
    [DRV_MISBEHAVE_CHAIN_TOO_LONG] =
        {"chain-too-long", "2.7.5.3.1#3, 2.8.19#3",
         "once: sends the first transmitted frame as an indirect table of queue size + 1 "
         "descriptors, the frame split into pieces (needs INDIRECT_DESC, a small tx queue)"},
    [DRV_MISBEHAVE_INDIRECT_WITH_NEXT] =
        {"indirect-with-next", "2.7.5.3.1#4, 2.8.19#4",
         "once: sends the first transmitted frame through an indirect table whose ring "
         "descriptor has NEXT set besides INDIRECT (needs INDIRECT_DESC); packed: the table "
         "holds all but the last element, which follows as a direct descriptor of the same "
         "list (needs two elements)"},
    [DRV_MISBEHAVE_AVAIL_IDX_BACKWARDS] =
        {"avail-idx-backwards", "2.7.6.1#1",
         "once: at its first kick of the transmit queue, rewrites avail idx to queue size + 1 "
         "below the value it just published"},
    [DRV_MISBEHAVE_BAD_AVAIL_FLAGS] =
        {"bad-avail-flags", "2.7.7.1#1, #2",
         "when it turns used-buffer notifications off, writes avail flags 3 without EVENT_IDX, "
         "and NO_INTERRUPT (besides used_event) with EVENT_IDX"},
    [DRV_MISBEHAVE_DIRTY_USED_RING] =
        {"dirty-used-ring", "2.7.10.1#1",
         "sets up every queue with used flags NO_NOTIFY instead of 0"},
    [DRV_MISBEHAVE_NOTIFY_WHILE_SUPPRESSED] =
        {"notify-while-suppressed", "2.7.10.1#3, #7",
         "notifies on every kick, ignoring used flags and avail_event"},
    [DRV_MISBEHAVE_SKIP_NOTIFY] = {"skip-notify", "2.7.10.1#4, #6, 2.8.21.3.1#1",
                                   "never sends an available buffer notification"},
    [DRV_MISBEHAVE_PUBLISH_IDX_BEFORE_DESCRIPTOR] =
        {"publish-idx-before-descriptor", "2.7.13.3.1#1, 2.8.21.1.1#1, 2.8.17#6",
         "once: for the first transmitted frame, writes avail idx before the descriptors and the "
         "avail ring entry; packed: writes the flags that make its first descriptor available "
         "before that descriptor's id and before the rest of the list"},
    [DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD] =
        {"reuse-inflight-head", "3.3.1#1, 2.8.16#1",
         "once: a transmit add takes the head of the previous chain, still outstanding, and "
         "rewrites its descriptors for the new frame (the old frame is dropped as broken); "
         "packed: the previous list, of as many descriptors, rewritten in place, flags too"},
    [DRV_MISBEHAVE_RECLAIM_WITHOUT_RESET] =
        {"reclaim-without-reset", "3.3.1#2",
         "once: right after stopping a queue (scenario `queue stop`) that may still hold exposed "
         "buffers, sets it up again (ring addresses, QueueReady 1) without a device reset, as if "
         "it had reclaimed them; the driver itself leaves the queue unused until the reset"},
    [DRV_MISBEHAVE_CHAIN_WITH_GAP] =
        {"chain-with-gap", "2.7.5.2#2, 2.7.5.3.1#5",
         "once, with IN_ORDER on a split ring: the first transmitted frame's chain links its "
         "head to the slot after next, leaving one descriptor out (direct, needs two elements), "
         "or its indirect table links entry 0 to entry 2 (with `driver tx_indirect on`)"},
    [DRV_MISBEHAVE_LIST_DOES_NOT_FIT] =
        {"list-does-not-fit", "2.8.17#5",
         "once, on a packed ring: when a direct transmit list needs more descriptors than are "
         "free (at least one is), writes the ones that fit, each with NEXT, and makes the list "
         "available"},
    [DRV_MISBEHAVE_CHANGE_EXPOSED_DESCRIPTOR] =
        {"change-exposed-descriptor", "2.8.16#2",
         "once, on a packed ring: the first transmitted list of two or more descriptors goes "
         "out with its last descriptor's len 0 and all but its first descriptor available; the "
         "next add (a later event) writes that len right, then makes the first one available"},
    [DRV_MISBEHAVE_SHORT_TX_HEADER] =
        {"short-tx-header", "5.1.9.2.1#1",
         "once: the first transmitted frame goes out as a chain of its first 10 header bytes "
         "only (the frame itself is dropped as broken)"},
    [DRV_MISBEHAVE_TX_NUM_BUFFERS] =
        {"tx-num-buffers", "5.1.9.2.1#2",
         "once: the first transmitted frame's header has num_buffers 1"},
    [DRV_MISBEHAVE_TX_CSUM_OUT_OF_RANGE] =
        {"tx-csum-out-of-range", "5.1.9.2.1#3, #23",
         "once: the first transmitted frame's header has NEEDS_CSUM with csum_start just past "
         "the frame; without CSUM the flag alone is wrong, with CSUM (`driver features +CSUM`) "
         "the checksum field lies outside the frame"},
    [DRV_MISBEHAVE_TX_GSO] =
        {"tx-gso", "5.1.9.2.1#24, #5-#8",
         "once: the first transmitted frame's header has a gso_type the negotiated set does "
         "not allow: TCPV4 with no HOST_ GSO feature, else the first of TCPV4, TCPV6, UDP, "
         "UDP_L4 whose HOST_ feature is missing (NEEDS_CSUM and gso_size set as they should "
         "be); the driver also accepts CSUM and the HOST_ GSO features (if offered)"},
    [DRV_MISBEHAVE_TX_GSO_NO_CSUM] =
        {"tx-gso-no-csum", "5.1.9.2.1#25",
         "once: the first transmitted frame's header has the gso_type of a negotiated HOST_ "
         "GSO feature and gso_size 1448, but flags 0 (no NEEDS_CSUM); the driver also "
         "accepts CSUM and the HOST_ GSO features (if offered)"},
    [DRV_MISBEHAVE_TX_GSO_NO_SIZE] =
        {"tx-gso-no-size", "5.1.9.2.1#26",
         "once: the first transmitted frame's header has the gso_type of a negotiated HOST_ "
         "GSO feature and NEEDS_CSUM, but gso_size 0; the driver also accepts CSUM and the "
         "HOST_ GSO features (if offered)"},
    [DRV_MISBEHAVE_TX_DATA_VALID] =
        {"tx-data-valid", "5.1.9.2.1#36",
         "once: the first transmitted frame's header has DATA_VALID; the driver also accepts "
         "CSUM (if offered) so that no other flag rule is broken"},
    [DRV_MISBEHAVE_TX_OVERSIZE] =
        {"tx-oversize", "5.1.4.2#9",
         "ignores the MTU when it transmits: frames (and transmit buffers) up to 1514 bytes "
         "even when mtu + 14 is smaller"},
    [DRV_MISBEHAVE_WRONG_SRC_MAC] =
        {"wrong-src-mac", "5.1.4.2#3",
         "once, with MAC: the first transmitted frame's source address has its last bit "
         "flipped, not the mac read from the configuration"},
    [DRV_MISBEHAVE_RX_BUFFER_BELOW_MTU] =
        {"rx-buffer-below-mtu", "5.1.4.2#8",
         "with MTU and without MRG_RXBUF, posts receive buffers one byte short of a header plus "
         "mtu + 14 (with an mtu above 1500 they still meet the 1526 of 5.1.9.3.1#2)"},
    [DRV_MISBEHAVE_TINY_RX_BUFFER] =
        {"tiny-rx-buffer", "5.1.9.3.1#3",
         "once, with MRG_RXBUF: the first receive buffer it posts is 8 bytes long"},
    [DRV_MISBEHAVE_SMALL_RX_BUFFER] =
        {"small-rx-buffer", "5.1.9.3.1#2",
         "posts 1024-byte receive buffers (raised only to what a negotiated MTU strictly "
         "needs), below the 1526 asked for without MRG_RXBUF"},
    [DRV_MISBEHAVE_CTRL_RX_WITHOUT_FEATURE] =
        {"ctrl-rx-without-feature", "5.1.9.5.1.2#1",
         "sends RX_PROMISC and RX_ALLMULTI commands without CTRL_RX negotiated"},
    [DRV_MISBEHAVE_CTRL_MAC_WITHOUT_FEATURE] =
        {"ctrl-mac-without-feature", "5.1.9.5.2.2#1",
         "sends MAC_TABLE_SET and MAC_ADDR_SET commands without CTRL_RX negotiated"},
    [DRV_MISBEHAVE_CTRL_RX_EXTRA_WITHOUT_FEATURE] =
        {"ctrl-rx-extra-without-feature", "5.1.9.5.1.2#2",
         "sends RX_ALLUNI, RX_NOMULTI, RX_NOUNI and RX_NOBCAST commands without CTRL_RX_EXTRA "
         "negotiated"},
    [DRV_MISBEHAVE_BAD_MAC_TABLE] =
        {"bad-mac-table", "5.1.9.5.2.2#3",
         "in MAC_TABLE_SET, writes a unicast count one larger than the addresses that follow"},
};

bool drv_misbehave_lookup(const char *name, unsigned *bit) {
  if (name == NULL)
    return false;
  for (unsigned i = 0; i < DRV_MISBEHAVE_COUNT; i++) {
    if (strcmp(misbehave_table[i].name, name) == 0) {
      *bit = i;
      return true;
    }
  }
  return false;
}

const char *drv_misbehave_name(unsigned bit) {
  return bit < DRV_MISBEHAVE_COUNT ? misbehave_table[bit].name : NULL;
}

const char *drv_misbehave_describe(unsigned bit) {
  return bit < DRV_MISBEHAVE_COUNT ? misbehave_table[bit].description : NULL;
}

const char *drv_misbehave_clause(unsigned bit) {
  return bit < DRV_MISBEHAVE_COUNT ? misbehave_table[bit].clause : NULL;
}

unsigned drv_misbehave_count(void) {
  return DRV_MISBEHAVE_COUNT;
}

struct drv_misbehave_set drv_misbehave_all(void) {
  struct drv_misbehave_set all = drv_misbehave_none();
  for (unsigned i = 0; i < DRV_MISBEHAVE_COUNT; i++)
    drv_misbehave_add(&all, i);
  return all;
}
