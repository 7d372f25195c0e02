/*
 * model/features.c: feature bit names (2.2, 6, 5.1.3) and the dependency rules
 * between feature bits (5.1.3.1; SHOULD-level pairings of 5.1.4.1 and
 * 5.1.4.2). Contracts in model/virtio.h.
 *
 * Implementation notes. Both tables are plain data searched linearly: they
 * are short and not on any per-buffer path. Reserved bits (chapter 6) are
 * named for every device type; device-type bits only for their device id.
 * The short form of a name is whatever follows "_F_" in the spec name, so the
 * two can never disagree. Rules whose bits are 64 or above cannot be
 * represented in a uint64_t feature set and are left out (listed below).
 */
#include "model/virtio.h"

#include <string.h>

/* Marks a name valid for every device type (the chapter 6 reserved bits). */
#define FEATURE_ANY_DEVICE 0xffffffffu

struct feature_name {
  uint32_t device_id;
  unsigned bit;
  const char *name;
};

static const struct feature_name feature_names[] = {
    /* 6: reserved feature bits, every device type */
    {FEATURE_ANY_DEVICE, VIRTIO_F_INDIRECT_DESC, "VIRTIO_F_INDIRECT_DESC"},
    {FEATURE_ANY_DEVICE, VIRTIO_F_EVENT_IDX, "VIRTIO_F_EVENT_IDX"},
    {FEATURE_ANY_DEVICE, VIRTIO_F_VERSION_1, "VIRTIO_F_VERSION_1"},
    {FEATURE_ANY_DEVICE, VIRTIO_F_ACCESS_PLATFORM, "VIRTIO_F_ACCESS_PLATFORM"},
    {FEATURE_ANY_DEVICE, VIRTIO_F_RING_PACKED, "VIRTIO_F_RING_PACKED"},
    {FEATURE_ANY_DEVICE, VIRTIO_F_IN_ORDER, "VIRTIO_F_IN_ORDER"},
    {FEATURE_ANY_DEVICE, VIRTIO_F_ORDER_PLATFORM, "VIRTIO_F_ORDER_PLATFORM"},
    {FEATURE_ANY_DEVICE, VIRTIO_F_SR_IOV, "VIRTIO_F_SR_IOV"},
    {FEATURE_ANY_DEVICE, VIRTIO_F_NOTIFICATION_DATA, "VIRTIO_F_NOTIFICATION_DATA"},
    {FEATURE_ANY_DEVICE, VIRTIO_F_NOTIF_CONFIG_DATA, "VIRTIO_F_NOTIF_CONFIG_DATA"},
    {FEATURE_ANY_DEVICE, VIRTIO_F_RING_RESET, "VIRTIO_F_RING_RESET"},
    {FEATURE_ANY_DEVICE, VIRTIO_F_ADMIN_VQ, "VIRTIO_F_ADMIN_VQ"},
    {FEATURE_ANY_DEVICE, VIRTIO_F_SUSPEND, "VIRTIO_F_SUSPEND"},
    /* 5.1.3: virtio-net */
    {VIRTIO_ID_NET, VIRTIO_NET_F_CSUM, "VIRTIO_NET_F_CSUM"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_GUEST_CSUM, "VIRTIO_NET_F_GUEST_CSUM"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_CTRL_GUEST_OFFLOADS, "VIRTIO_NET_F_CTRL_GUEST_OFFLOADS"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_MTU, "VIRTIO_NET_F_MTU"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_MAC, "VIRTIO_NET_F_MAC"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_GUEST_TSO4, "VIRTIO_NET_F_GUEST_TSO4"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_GUEST_TSO6, "VIRTIO_NET_F_GUEST_TSO6"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_GUEST_ECN, "VIRTIO_NET_F_GUEST_ECN"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_GUEST_UFO, "VIRTIO_NET_F_GUEST_UFO"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_HOST_TSO4, "VIRTIO_NET_F_HOST_TSO4"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_HOST_TSO6, "VIRTIO_NET_F_HOST_TSO6"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_HOST_ECN, "VIRTIO_NET_F_HOST_ECN"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_HOST_UFO, "VIRTIO_NET_F_HOST_UFO"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_MRG_RXBUF, "VIRTIO_NET_F_MRG_RXBUF"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_STATUS, "VIRTIO_NET_F_STATUS"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_CTRL_VQ, "VIRTIO_NET_F_CTRL_VQ"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_CTRL_RX, "VIRTIO_NET_F_CTRL_RX"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_CTRL_VLAN, "VIRTIO_NET_F_CTRL_VLAN"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_CTRL_RX_EXTRA, "VIRTIO_NET_F_CTRL_RX_EXTRA"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_GUEST_ANNOUNCE, "VIRTIO_NET_F_GUEST_ANNOUNCE"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_MQ, "VIRTIO_NET_F_MQ"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_CTRL_MAC_ADDR, "VIRTIO_NET_F_CTRL_MAC_ADDR"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_DEVICE_STATS, "VIRTIO_NET_F_DEVICE_STATS"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_HASH_TUNNEL, "VIRTIO_NET_F_HASH_TUNNEL"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_VQ_NOTF_COAL, "VIRTIO_NET_F_VQ_NOTF_COAL"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_NOTF_COAL, "VIRTIO_NET_F_NOTF_COAL"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_GUEST_USO4, "VIRTIO_NET_F_GUEST_USO4"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_GUEST_USO6, "VIRTIO_NET_F_GUEST_USO6"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_HOST_USO, "VIRTIO_NET_F_HOST_USO"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_HASH_REPORT, "VIRTIO_NET_F_HASH_REPORT"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_GUEST_HDRLEN, "VIRTIO_NET_F_GUEST_HDRLEN"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_RSS, "VIRTIO_NET_F_RSS"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_RSC_EXT, "VIRTIO_NET_F_RSC_EXT"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_STANDBY, "VIRTIO_NET_F_STANDBY"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_SPEED_DUPLEX, "VIRTIO_NET_F_SPEED_DUPLEX"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_RSS_CONTEXT, "VIRTIO_NET_F_RSS_CONTEXT"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO, "VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_CSUM,
     "VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_CSUM"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO, "VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM, "VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_OUT_NET_HEADER, "VIRTIO_NET_F_OUT_NET_HEADER"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_IPSEC, "VIRTIO_NET_F_IPSEC"},
};

#define FEATURE_NAME_COUNT (sizeof feature_names / sizeof feature_names[0])

static bool feature_name_applies(const struct feature_name *entry, uint32_t device_id) {
  return entry->device_id == FEATURE_ANY_DEVICE || entry->device_id == device_id;
}

/* "EVENT_IDX" for "VIRTIO_F_EVENT_IDX": the text after the first "_F_". */
static const char *feature_short_name(const char *name) {
  const char *tag = strstr(name, "_F_");
  return tag != NULL ? tag + 3 : name;
}

const char *model_feature_name(uint32_t device_id, unsigned bit) {
  for (size_t i = 0; i < FEATURE_NAME_COUNT; i++) {
    if (feature_names[i].bit == bit && feature_name_applies(&feature_names[i], device_id))
      return feature_names[i].name;
  }
  return NULL;
}

bool model_feature_lookup(uint32_t device_id, const char *name, unsigned *bit) {
  if (name == NULL)
    return false;
  for (size_t i = 0; i < FEATURE_NAME_COUNT; i++) {
    const struct feature_name *entry = &feature_names[i];
    if (!feature_name_applies(entry, device_id))
      continue;
    if (strcmp(name, entry->name) != 0 && strcmp(name, feature_short_name(entry->name)) != 0)
      continue;
    if (bit != NULL)
      *bit = entry->bit;
    return true;
  }
  return false;
}

#define M(bit) ((uint64_t)1 << (bit))
#define REQUIRED(bit, all, any)                                                                    \
  { VIRTIO_ID_NET, (bit), (all), (any), MODEL_FEATURE_DEP_REQUIRED, "2.2.1#2", "2.2.2#1" }

/*
 * 5.1.3.1, in the spec's order. Left out because a bit is 64 or above:
 * GUEST_UDP_TUNNEL_GSO (65) needs GUEST_TSO4, GUEST_TSO6, GUEST_USO4 and
 * GUEST_USO6; GUEST_UDP_TUNNEL_GSO_CSUM (66) needs GUEST_UDP_TUNNEL_GSO;
 * HOST_UDP_TUNNEL_GSO (67) needs HOST_TSO4, HOST_TSO6 and HOST_USO;
 * HOST_UDP_TUNNEL_GSO_CSUM (68) needs HOST_UDP_TUNNEL_GSO; RSS_CONTEXT (64)
 * needs CTRL_VQ and RSS.
 */
static const struct model_feature_dep feature_deps[] = {
    REQUIRED(VIRTIO_NET_F_GUEST_TSO4, M(VIRTIO_NET_F_GUEST_CSUM), 0),
    REQUIRED(VIRTIO_NET_F_GUEST_TSO6, M(VIRTIO_NET_F_GUEST_CSUM), 0),
    REQUIRED(VIRTIO_NET_F_GUEST_ECN, 0, M(VIRTIO_NET_F_GUEST_TSO4) | M(VIRTIO_NET_F_GUEST_TSO6)),
    REQUIRED(VIRTIO_NET_F_GUEST_UFO, M(VIRTIO_NET_F_GUEST_CSUM), 0),
    REQUIRED(VIRTIO_NET_F_GUEST_USO4, M(VIRTIO_NET_F_GUEST_CSUM), 0),
    REQUIRED(VIRTIO_NET_F_GUEST_USO6, M(VIRTIO_NET_F_GUEST_CSUM), 0),
    REQUIRED(VIRTIO_NET_F_HOST_TSO4, M(VIRTIO_NET_F_CSUM), 0),
    REQUIRED(VIRTIO_NET_F_HOST_TSO6, M(VIRTIO_NET_F_CSUM), 0),
    REQUIRED(VIRTIO_NET_F_HOST_ECN, 0, M(VIRTIO_NET_F_HOST_TSO4) | M(VIRTIO_NET_F_HOST_TSO6)),
    REQUIRED(VIRTIO_NET_F_HOST_UFO, M(VIRTIO_NET_F_CSUM), 0),
    REQUIRED(VIRTIO_NET_F_HOST_USO, M(VIRTIO_NET_F_CSUM), 0),
    REQUIRED(VIRTIO_NET_F_CTRL_RX, M(VIRTIO_NET_F_CTRL_VQ), 0),
    REQUIRED(VIRTIO_NET_F_CTRL_VLAN, M(VIRTIO_NET_F_CTRL_VQ), 0),
    REQUIRED(VIRTIO_NET_F_GUEST_ANNOUNCE, M(VIRTIO_NET_F_CTRL_VQ), 0),
    REQUIRED(VIRTIO_NET_F_MQ, M(VIRTIO_NET_F_CTRL_VQ), 0),
    REQUIRED(VIRTIO_NET_F_CTRL_MAC_ADDR, M(VIRTIO_NET_F_CTRL_VQ), 0),
    REQUIRED(VIRTIO_NET_F_NOTF_COAL, M(VIRTIO_NET_F_CTRL_VQ), 0),
    REQUIRED(VIRTIO_NET_F_RSC_EXT, 0, M(VIRTIO_NET_F_HOST_TSO4) | M(VIRTIO_NET_F_HOST_TSO6)),
    REQUIRED(VIRTIO_NET_F_RSS, M(VIRTIO_NET_F_CTRL_VQ), 0),
    REQUIRED(VIRTIO_NET_F_VQ_NOTF_COAL, M(VIRTIO_NET_F_CTRL_VQ), 0),
    REQUIRED(VIRTIO_NET_F_HASH_TUNNEL, M(VIRTIO_NET_F_CTRL_VQ),
             M(VIRTIO_NET_F_RSS) | M(VIRTIO_NET_F_HASH_REPORT)),
    /* SHOULD-level: a device should not offer, and a driver not negotiate,
     * these without CTRL_VQ. */
    {VIRTIO_ID_NET, VIRTIO_NET_F_HASH_REPORT, M(VIRTIO_NET_F_CTRL_VQ), 0, MODEL_FEATURE_DEP_ADVISED,
     "5.1.4.2#13", "5.1.4.1#12"},
    {VIRTIO_ID_NET, VIRTIO_NET_F_CTRL_RX_EXTRA, M(VIRTIO_NET_F_CTRL_VQ), 0,
     MODEL_FEATURE_DEP_ADVISED, "5.1.4.2#14", "5.1.4.1#13"},
};

#undef REQUIRED
#undef M

#define FEATURE_DEP_COUNT (sizeof feature_deps / sizeof feature_deps[0])

/* The bits `features` lacks for `dep`; 0 when the rule holds. */
static uint64_t feature_dep_missing(const struct model_feature_dep *dep, uint64_t features) {
  if (!model_features_has(features, dep->bit))
    return 0;
  uint64_t missing = dep->requires_all & ~features;
  if (dep->requires_any != 0 && (dep->requires_any & features) == 0)
    missing |= dep->requires_any;
  return missing;
}

const struct model_feature_dep *model_features_unmet_dep(uint32_t device_id, uint64_t features,
                                                         enum model_feature_dep_kind kind) {
  for (size_t i = 0; i < FEATURE_DEP_COUNT; i++) {
    const struct model_feature_dep *dep = &feature_deps[i];
    if (dep->device_id != device_id || dep->kind != kind)
      continue;
    if (feature_dep_missing(dep, features) != 0)
      return dep;
  }
  return NULL;
}

static model_err feature_check_kind(uint32_t device_id, uint64_t features,
                                    enum model_feature_dep_kind kind, unsigned *bit,
                                    uint64_t *missing) {
  const struct model_feature_dep *dep = model_features_unmet_dep(device_id, features, kind);
  if (dep == NULL)
    return MODEL_OK;
  if (bit != NULL)
    *bit = dep->bit;
  if (missing != NULL)
    *missing = feature_dep_missing(dep, features);
  return MODEL_ERR_FEATURE_DEPENDENCY;
}

model_err model_features_check_deps(uint32_t device_id, uint64_t features, unsigned *bit,
                                    uint64_t *missing) {
  return feature_check_kind(device_id, features, MODEL_FEATURE_DEP_REQUIRED, bit, missing);
}

model_err model_features_check_advised(uint32_t device_id, uint64_t features, unsigned *bit,
                                       uint64_t *missing) {
  return feature_check_kind(device_id, features, MODEL_FEATURE_DEP_ADVISED, bit, missing);
}

bool model_feature_is_pci_only(unsigned bit) {
  return bit == VIRTIO_F_SR_IOV || bit == VIRTIO_F_ADMIN_VQ;
}
