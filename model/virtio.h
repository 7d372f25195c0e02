/*
 * model/virtio.h: device status (2.1), feature bits (2.2, 6, 5.1.3) and the
 * dependency rules between them (5.1.3.1, 6), device ids (5).
 *
 * Feature constants are bit numbers with the spec's names; masks come from
 * model_feature_mask(). Feature sets are uint64_t: viosim's device offers no
 * bit above 63, and a driver that writes one is caught as accepting an
 * unoffered feature by the transport (feature words above 1 read as zero).
 */
#ifndef VIOSIM_MODEL_VIRTIO_H
#define VIOSIM_MODEL_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/result.h"

/* 2.1 device status bits */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER      2u
#define VIRTIO_STATUS_DRIVER_OK   4u
#define VIRTIO_STATUS_FEATURES_OK 8u
/* 2.1 / 3.4: only meaningful with VIRTIO_F_SUSPEND, which viosim never
 * offers; named so traces can print it, never a legal driver addition. */
#define VIRTIO_STATUS_SUSPEND            16u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED             128u

/* 5 device ids */
#define VIRTIO_ID_NET 1u

/* 6 reserved (transport / ring) feature bits */
#define VIRTIO_F_INDIRECT_DESC     28u
#define VIRTIO_F_EVENT_IDX         29u
#define VIRTIO_F_VERSION_1         32u
#define VIRTIO_F_ACCESS_PLATFORM   33u
#define VIRTIO_F_RING_PACKED       34u
#define VIRTIO_F_IN_ORDER          35u
#define VIRTIO_F_ORDER_PLATFORM    36u
#define VIRTIO_F_SR_IOV            37u
#define VIRTIO_F_NOTIFICATION_DATA 38u
#define VIRTIO_F_NOTIF_CONFIG_DATA 39u
#define VIRTIO_F_RING_RESET        40u
#define VIRTIO_F_ADMIN_VQ          41u
#define VIRTIO_F_SUSPEND           43u

/* 5.1.3 virtio-net feature bits (those below 64) */
#define VIRTIO_NET_F_CSUM                0u
#define VIRTIO_NET_F_GUEST_CSUM          1u
#define VIRTIO_NET_F_CTRL_GUEST_OFFLOADS 2u
#define VIRTIO_NET_F_MTU                 3u
#define VIRTIO_NET_F_MAC                 5u
#define VIRTIO_NET_F_GUEST_TSO4          7u
#define VIRTIO_NET_F_GUEST_TSO6          8u
#define VIRTIO_NET_F_GUEST_ECN           9u
#define VIRTIO_NET_F_GUEST_UFO           10u
#define VIRTIO_NET_F_HOST_TSO4           11u
#define VIRTIO_NET_F_HOST_TSO6           12u
#define VIRTIO_NET_F_HOST_ECN            13u
#define VIRTIO_NET_F_HOST_UFO            14u
#define VIRTIO_NET_F_MRG_RXBUF           15u
#define VIRTIO_NET_F_STATUS              16u
#define VIRTIO_NET_F_CTRL_VQ             17u
#define VIRTIO_NET_F_CTRL_RX             18u
#define VIRTIO_NET_F_CTRL_VLAN           19u
#define VIRTIO_NET_F_CTRL_RX_EXTRA       20u
#define VIRTIO_NET_F_GUEST_ANNOUNCE      21u
#define VIRTIO_NET_F_MQ                  22u
#define VIRTIO_NET_F_CTRL_MAC_ADDR       23u
#define VIRTIO_NET_F_DEVICE_STATS        50u
#define VIRTIO_NET_F_HASH_TUNNEL         51u
#define VIRTIO_NET_F_VQ_NOTF_COAL        52u
#define VIRTIO_NET_F_NOTF_COAL           53u
#define VIRTIO_NET_F_GUEST_USO4          54u
#define VIRTIO_NET_F_GUEST_USO6          55u
#define VIRTIO_NET_F_HOST_USO            56u
#define VIRTIO_NET_F_HASH_REPORT         57u
#define VIRTIO_NET_F_GUEST_HDRLEN        59u
#define VIRTIO_NET_F_RSS                 60u
#define VIRTIO_NET_F_RSC_EXT             61u
#define VIRTIO_NET_F_STANDBY             62u
#define VIRTIO_NET_F_SPEED_DUPLEX        63u

/* 5.1.3 virtio-net feature bits at 64 and above: named for the clause catalog
 * and for traces; model_feature_mask() gives 0 for them, so a uint64_t feature
 * set never holds them (viosim's device never offers them). */
#define VIRTIO_NET_F_RSS_CONTEXT               64u
#define VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO      65u
#define VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_CSUM 66u
#define VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO       67u
#define VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM  68u
#define VIRTIO_NET_F_OUT_NET_HEADER            69u
#define VIRTIO_NET_F_IPSEC                     70u

static inline uint64_t model_feature_mask(unsigned bit) {
  return bit < 64u ? (uint64_t)1 << bit : 0u;
}

static inline bool model_features_has(uint64_t features, unsigned bit) {
  return (features & model_feature_mask(bit)) != 0;
}

/*
 * Feature names. model_feature_name() returns the spec name
 * ("VIRTIO_F_EVENT_IDX", "VIRTIO_NET_F_MAC") or NULL for a bit with no name
 * for device_id. model_feature_lookup() accepts the spec name or the short
 * form after the "VIRTIO_F_" / "VIRTIO_NET_F_" prefix ("EVENT_IDX", "MAC"),
 * case-sensitive; false if unknown.
 */
const char *model_feature_name(uint32_t device_id, unsigned bit);
bool model_feature_lookup(uint32_t device_id, const char *name, unsigned *bit);

/*
 * Dependency rules (5.1.3.1 for virtio-net, 6 for the reserved bits): a
 * feature set where some accepted bit lacks what it requires. On a violation,
 * fills *bit with the offending feature and *missing with the mask of what it
 * needed (for "any of" rules, the whole alternative set) and returns
 * MODEL_ERR_FEATURE_DEPENDENCY.
 */
MODEL_MUST_USE model_err model_features_check_deps(uint32_t device_id, uint64_t features,
                                                   unsigned *bit, uint64_t *missing);

/*
 * The dependency table behind model_features_check_deps(), for callers that
 * need the clause a broken rule maps to. A rule holds when `bit` is absent,
 * or every bit of requires_all is present and (requires_any is 0 or) at least
 * one bit of requires_any is present.
 *  - REQUIRED rules are the hard "requires" list of 5.1.3.1: accepting such a
 *    set breaks 2.2.1#2 (driver), offering it breaks 2.2.2#1 (device).
 *  - ADVISED rules are SHOULD-level pairings stated elsewhere (5.1.4.1#12-13,
 *    5.1.4.2#13-14): breaking one is not a FEATURES_OK failure.
 * Chapter 6 states no feature-to-feature dependency for the reserved bits
 * (EVENT_IDX, IN_ORDER, NOTIF_CONFIG_DATA, ... each stand alone), so every
 * rule here is virtio-net's.
 */
enum model_feature_dep_kind { MODEL_FEATURE_DEP_REQUIRED, MODEL_FEATURE_DEP_ADVISED };

struct model_feature_dep {
  uint32_t device_id;
  unsigned bit;
  uint64_t requires_all;
  uint64_t requires_any;
  enum model_feature_dep_kind kind;
  const char *driver_clause; /* broken by a driver accepting the set: "2.2.1#2" */
  const char *device_clause; /* broken by a device offering the set: "2.2.2#1" */
};

/* The first rule of `kind` that `features` breaks (table order), or NULL. */
const struct model_feature_dep *model_features_unmet_dep(uint32_t device_id, uint64_t features,
                                                         enum model_feature_dep_kind kind);

/* As model_features_check_deps() for the ADVISED rules. */
MODEL_MUST_USE model_err model_features_check_advised(uint32_t device_id, uint64_t features,
                                                      unsigned *bit, uint64_t *missing);

/*
 * Chapter 6: VIRTIO_F_SR_IOV and VIRTIO_F_ADMIN_VQ exist only on the PCI
 * transport; over MMIO a device offering them breaks 2.2.2#4 (and 6.2#5 for
 * SR_IOV) and a driver accepting them breaks 2.2.1#5 (and 6.1#8).
 */
bool model_feature_is_pci_only(unsigned bit);

/*
 * Status transitions written by the driver (2.1, 3.1.1, 2.4): writing 0 is a
 * reset and always legal; otherwise the new value must keep every bit that
 * was set (2.1.1: the driver never clears a bit), add only driver-owned bits,
 * and follow the initialisation order ACKNOWLEDGE, DRIVER, FEATURES_OK,
 * DRIVER_OK (3.1.1); FAILED may be added at any point.
 * DEVICE_NEEDS_RESET is the device's bit: the driver never sets it.
 * Precisely (model/status.c): each write adds at most one step, the next one
 * in that order (setting two steps at once skips the checks between them,
 * e.g. the FEATURES_OK re-read of 3.1.1 step 6); no step is added once FAILED
 * is set (2.1.1#3, 3.1.1#5); rewriting the current value is legal; bits 16
 * (SUSPEND, never offered by viosim) and 32 are never driver additions.
 */
bool model_status_transition_ok(uint8_t old_status, uint8_t new_status);

/* "ACKNOWLEDGE|DRIVER" style rendering into buf; returns buf. */
const char *model_status_format(uint8_t status, char *buf, size_t buf_size);

#endif
