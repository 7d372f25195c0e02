/*
 * model/monitor_regs.c: the monitor's view of the virtio-mmio register file
 * (see model/monitor_impl.h). Every driver register access is judged as an
 * attempt (offset, width, direction, order), whether or not the register
 * file accepted it; only an accepted one changes the shadow, and only an
 * accepted read's value is held against the device.
 *
 * Driver rules: 2.1.1#2, #3 and 3.1.1#1 (status sequence), 2.4.2#1 (reset
 * read back), 2.2.1#1, #2, #5 and 6.1#1 (the set FEATURES_OK is written with),
 * 3.1.1#3 and #6, 3.1.1#4, #5 (a refused FEATURES_OK: FAILED and no
 * further step before the reset), 4.2.2.2#6, #7 and 4.2.3.1.1#2 (what
 * follows the MagicValue and Version reads), 4.2.3.1.1#4 and 4.2.2.2#8 (no
 * register access after DeviceID read 0), 4.2.3.1.1#5 (no shared memory
 * registers), 2.5.1#2 (generation loop: a burst of config reads with a
 * ConfigGeneration read right before and right after it), 2.5.1#3 (optional
 * fields only when offered), 5.1.4.2#1 (no config write), 5.1.4.2#2, #7 (MAC
 * and MTU taken when offered), 5.1.4.2#14 (CTRL_RX_EXTRA with CTRL_VQ),
 * 4.2.2.2#1-#5, #10-#13, #15 (a stopped queue read back before it is used
 * again: its registers, a notification, or an avail idx write from
 * monitor_ring.c), #18, 4.2.3.1.1#1, and the InterruptACK owed after an
 * InterruptStatus read (#17, judged at the event's end in monitor.c).
 * 3.3.1#2: a stopped queue that still held exposed buffers is not set up
 * again (QueueReady 1) before a reset (which passes it, in monitor.c).
 * Device rules: 2.2.2#1-#5, 6.2#1, 5.1.4.1#12, #13 (what it offers and
 * keeps), 2.4.1#1 (status reads 0 after reset), 2.1.2#3 (DEVICE_NEEDS_RESET
 * announced), 4.2.2.1#1-#6 (magic, version, InterruptStatus, reset,
 * generation), 2.5.2#1 (config read before FEATURES_OK served: the same
 * in the same generation after it), 5.1.4.1#2, #3, #4 (mtu).
 *
 * Status shadow: what the driver wrote, plus DEVICE_NEEDS_RESET once a read
 * shows it, minus FEATURES_OK or DRIVER_OK once a read shows the device
 * dropped them (a refused feature set). Other differences a read shows are
 * the device's (2.4.1#1) and are not adopted: the driver is judged against
 * what it may assume.
 */
#include <stdio.h>
#include <string.h>

#include "model/mmio.h"
#include "model/monitor_impl.h"
#include "model/net.h"
#include "model/split.h"
#include "model/virtio.h"

#define STATUS_STEPS                                                                               \
  (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |                  \
   VIRTIO_STATUS_DRIVER_OK)
/* 2.4.1#1: this many consecutive nonzero Status reads after a reset. */
#define RESET_READS_MAX 8u

enum { READBACK_NONE, READBACK_PENDING, READBACK_SEEN };

static uint64_t offered64(const struct model_mon *mon) {
  uint64_t lo = (mon->offered_known & 1u) != 0 ? mon->offered[0] : 0u;
  uint64_t hi = (mon->offered_known & 2u) != 0 ? mon->offered[1] : 0u;
  return lo | (hi << 32);
}

static struct mon_queue *selected_queue(struct model_mon *mon) {
  return mon->queue_sel < MODEL_MON_QUEUES_MAX ? &mon->queues[mon->queue_sel] : NULL;
}

/* ---- access rules --------------------------------------------------------- */

/* 4.2.3.1.1#1: the first register access reads MagicValue, and Version is
 * read before any other register. */
static void ident_check(struct model_mon *mon, uint32_t offset, bool write) {
  bool magic = !write && offset == MODEL_MMIO_MAGIC_VALUE;
  bool version = !write && offset == MODEL_MMIO_VERSION_REG;
  if (mon->ident_state == 2u)
    return;
  if (mon->ident_state == 0u) {
    if (magic) {
      mon->ident_state = 1u;
      return;
    }
    mon->ident_state = 2u;
    (void)model_mon_judge(mon, MON_C_4_2_3_1_1_1, false, offset, write, 0,
                          "first register access is a %s of 0x%03x, not a MagicValue read",
                          write ? "write" : "read", (unsigned)offset);
    return;
  }
  if (magic)
    return;
  mon->ident_state = 2u;
  (void)model_mon_judge(mon, MON_C_4_2_3_1_1_1, version, offset, write, 0,
                        "%s of 0x%03x before Version was read", write ? "write" : "read",
                        (unsigned)offset);
}

/* 4.2.2.2#6, #7: once MagicValue or Version showed no virtio-mmio device
 * the driver leaves it alone (only those two may be read again);
 * 4.2.3.1.1#2: right after a valid pair, DeviceID is read. Judged on every
 * driver register access, before its own value is taken in. */
static void ident_follow(struct model_mon *mon, uint32_t offset, bool write) {
  bool ident_reg = !write && (offset == MODEL_MMIO_MAGIC_VALUE || offset == MODEL_MMIO_VERSION_REG);
  if (!ident_reg) {
    (void)model_mon_judge(mon, MON_C_4_2_2_2_6, !mon->magic_bad, offset, write, 0,
                          "%s of 0x%03x after MagicValue read wrong", write ? "write" : "read",
                          (unsigned)offset);
    (void)model_mon_judge(mon, MON_C_4_2_2_2_7, !mon->version_bad, offset, write, 0,
                          "%s of 0x%03x after Version read wrong", write ? "write" : "read",
                          (unsigned)offset);
  }
  /* 4.2.3.1.1#4: nothing at all after DeviceID read 0; the same access
   * shows the device was not ignored (4.2.2.2#8). */
  (void)model_mon_judge(mon, MON_C_4_2_3_1_1_4, !mon->device_id_zero, offset, write, 0,
                        "%s of 0x%03x after DeviceID read 0", write ? "write" : "read",
                        (unsigned)offset);
  (void)model_mon_judge(mon, MON_C_4_2_2_2_8, !mon->device_id_zero, offset, write, 0,
                        "%s of 0x%03x: device with DeviceID 0 not ignored",
                        write ? "write" : "read", (unsigned)offset);
  if (!mon->device_id_next)
    return;
  mon->device_id_next = false;
  (void)model_mon_judge(mon, MON_C_4_2_3_1_1_2, !write && offset == MODEL_MMIO_DEVICE_ID, offset,
                        write, 0, "%s of 0x%03x right after a valid MagicValue and Version",
                        write ? "write" : "read", (unsigned)offset);
}

/* 4.2.3.1.1#5: this driver expects no shared memory regions, so it never
 * touches SHMSel, SHMLen* or SHMBase*. */
static void shm_check(struct model_mon *mon, uint32_t offset, bool write) {
  uint32_t reg = offset & ~3u;
  bool shm = reg >= MODEL_MMIO_SHM_SEL && reg <= MODEL_MMIO_SHM_BASE_HIGH;
  (void)model_mon_judge(mon, MON_C_4_2_3_1_1_5, !shm, offset, write, 0,
                        "%s of shared memory register 0x%03x", write ? "write" : "read",
                        (unsigned)offset);
}

/* 4.2.2.2#1-#4 for a control register; the register, or NULL. */
static const struct model_mmio_reg *control_rules(struct model_mon *mon, uint32_t offset,
                                                  uint32_t width, bool write) {
  const struct model_mmio_reg *reg = model_mmio_reg_find(offset & ~3u);
  if (!model_mon_judge(mon, MON_C_4_2_2_2_1, reg != NULL, offset, width, write,
                       "%s of 0x%03x: no register there", write ? "write" : "read",
                       (unsigned)offset))
    return NULL;
  (void)model_mon_judge(mon, MON_C_4_2_2_2_4, width == 4u && (offset & 3u) == 0, offset, width,
                        write, "%u-byte %s of %s at 0x%03x", (unsigned)width,
                        write ? "write" : "read", reg->name, (unsigned)offset);
  if (write)
    (void)model_mon_judge(mon, MON_C_4_2_2_2_2, ((unsigned)reg->dir & MODEL_MMIO_DIR_W) != 0,
                          offset, width, 1, "write of read-only %s", reg->name);
  else
    (void)model_mon_judge(mon, MON_C_4_2_2_2_3, ((unsigned)reg->dir & MODEL_MMIO_DIR_R) != 0,
                          offset, width, 0, "read of write-only %s", reg->name);
  return reg;
}

/* ---- configuration space ---------------------------------------------------- */

struct cfg_field {
  uint8_t off, size, elem; /* elem: the width of one access (mac: bytes) */
  uint64_t need_any;       /* offered features of which one makes it exist; 0: always */
  const char *name;
};

#define FM(bit) ((uint64_t)1 << (bit))
static const struct cfg_field net_fields[] = {
    {MODEL_NET_CFG_OFF_MAC, 6, 1, 0, "mac"},
    {MODEL_NET_CFG_OFF_STATUS, 2, 2, FM(VIRTIO_NET_F_STATUS), "status"},
    {MODEL_NET_CFG_OFF_MAX_VQ_PAIRS, 2, 2, FM(VIRTIO_NET_F_MQ) | FM(VIRTIO_NET_F_RSS),
     "max_virtqueue_pairs"},
    {MODEL_NET_CFG_OFF_MTU, 2, 2, FM(VIRTIO_NET_F_MTU), "mtu"},
    {MODEL_NET_CFG_OFF_SPEED, 4, 4, FM(VIRTIO_NET_F_SPEED_DUPLEX), "speed"},
    {MODEL_NET_CFG_OFF_DUPLEX, 1, 1, FM(VIRTIO_NET_F_SPEED_DUPLEX), "duplex"},
    {MODEL_NET_CFG_OFF_RSS_MAX_KEY_SIZE, 1, 1, FM(VIRTIO_NET_F_RSS) | FM(VIRTIO_NET_F_HASH_REPORT),
     "rss_max_key_size"},
    {MODEL_NET_CFG_OFF_RSS_MAX_INDIRECTION_TABLE_LENGTH, 2, 2, FM(VIRTIO_NET_F_RSS),
     "rss_max_indirection_table_length"},
    {MODEL_NET_CFG_OFF_SUPPORTED_HASH_TYPES, 4, 4,
     FM(VIRTIO_NET_F_RSS) | FM(VIRTIO_NET_F_HASH_REPORT), "supported_hash_types"},
    {MODEL_NET_CFG_OFF_SUPPORTED_TUNNEL_TYPES, 4, 4, FM(VIRTIO_NET_F_HASH_TUNNEL),
     "supported_tunnel_types"},
};
#undef FM
_Static_assert(MODEL_NET_CFG_SIZE == MON_CFG_SIZE, "the config layout the monitor follows");

static const struct cfg_field *cfg_field_at(uint32_t off) {
  for (size_t i = 0; i < sizeof(net_fields) / sizeof(net_fields[0]); i++) {
    const struct cfg_field *f = &net_fields[i];
    if (off >= f->off && off < (uint32_t)f->off + f->size)
      return f;
  }
  return NULL;
}

/* 2.5.1#2: a config read outside a generation bracket. */
static void burst_other(struct model_mon *mon) {
  if (mon->burst == MON_BURST_IN)
    (void)model_mon_judge(mon, MON_C_2_5_1_2, false, 0, 0, 0,
                          "config reads not followed by a ConfigGeneration read");
  mon->burst = MON_BURST_IDLE;
}

static void burst_config_read(struct model_mon *mon, uint32_t off) {
  switch (mon->burst) {
  case MON_BURST_IDLE:
    (void)model_mon_judge(mon, MON_C_2_5_1_2, false, off, 0, 0,
                          "config read at %u without a ConfigGeneration read before it",
                          (unsigned)off);
    mon->burst = MON_BURST_UNBRACKETED;
    memset(mon->burst_touched, 0, sizeof(mon->burst_touched));
    break;
  case MON_BURST_OPEN:
    mon->burst = MON_BURST_IN;
    memset(mon->burst_touched, 0, sizeof(mon->burst_touched));
    break;
  case MON_BURST_IN:
  case MON_BURST_UNBRACKETED:
    break;
  }
}

/* 2.5.2#1: a field read before FEATURES_OK was served, so it reads the
 * same after FEATURES_OK while the generation stays the same. A different
 * value is also 4.2.2.1#6, judged with it (the monitor cannot tell a wrong
 * early value from an unannounced change). */
static void early_judge(struct model_mon *mon, uint32_t gen) {
  if ((mon->status & VIRTIO_STATUS_FEATURES_OK) == 0)
    return;
  int bad = -1;
  bool judged = false;
  for (uint32_t b = 0; b < MON_CFG_SIZE; b++) {
    if (!mon->burst_touched[b] || !mon->cfg_committed[b] || !mon->cfg_early[b] ||
        mon->cfg_gen[b] != gen)
      continue;
    judged = true;
    if (bad < 0 && mon->cfg_val[b] != mon->burst_val[b])
      bad = (int)b;
  }
  if (!judged)
    return;
  uint32_t b = bad < 0 ? 0u : (uint32_t)bad;
  (void)model_mon_judge(mon, MON_C_2_5_2_1, bad < 0, gen, mon->cfg_val[b], mon->burst_val[b],
                        "config byte %u read as 0x%02x before FEATURES_OK, 0x%02x after it, "
                        "both in generation %u",
                        (unsigned)b, (unsigned)mon->cfg_val[b], (unsigned)mon->burst_val[b],
                        (unsigned)gen);
}

/* 4.2.2.1#6: what was read inside a bracket whose two generation reads
 * agree belongs to that generation; the same generation never shows two
 * different contents. */
static void burst_commit(struct model_mon *mon, uint32_t gen) {
  early_judge(mon, gen);
  int bad = -1;
  for (uint32_t b = 0; b < MON_CFG_SIZE && bad < 0; b++) {
    if (mon->burst_touched[b] && mon->cfg_committed[b] && mon->cfg_gen[b] == gen &&
        mon->cfg_val[b] != mon->burst_val[b])
      bad = (int)b;
  }
  if (bad >= 0) {
    uint32_t b = (uint32_t)bad;
    (void)model_mon_judge(mon, MON_C_4_2_2_1_6, false, gen, mon->cfg_val[b], mon->burst_val[b],
                          "config byte %u read as 0x%02x, earlier 0x%02x, both in generation %u",
                          (unsigned)b, (unsigned)mon->burst_val[b], (unsigned)mon->cfg_val[b],
                          (unsigned)gen);
  } else {
    model_mon_eval(mon, MON_C_4_2_2_1_6);
  }
  for (uint32_t b = 0; b < MON_CFG_SIZE; b++) {
    if (!mon->burst_touched[b])
      continue;
    mon->cfg_committed[b] = true;
    mon->cfg_gen[b] = gen;
    mon->cfg_val[b] = mon->burst_val[b];
    mon->cfg_early[b] = (mon->status & VIRTIO_STATUS_FEATURES_OK) == 0;
  }
}

static void burst_generation(struct model_mon *mon, uint32_t gen) {
  if (mon->burst == MON_BURST_IN) {
    model_mon_eval(mon, MON_C_2_5_1_2);
    if (gen == mon->gen_before)
      burst_commit(mon, gen);
  }
  mon->gen_before = gen;
  mon->burst = MON_BURST_OPEN;
}

/* The device's config values (an accepted read). */
static void config_value(struct model_mon *mon, const struct cfg_field *f, uint32_t off,
                         uint32_t width, uint32_t value) {
  if (mon->burst == MON_BURST_IN) {
    for (uint32_t i = 0; i < width && off + i < MON_CFG_SIZE; i++) {
      mon->burst_val[off + i] = (uint8_t)(value >> (8u * i));
      mon->burst_touched[off + i] = true;
    }
  }
  if (f->off == MODEL_NET_CFG_OFF_MAC && width == 1u) {
    mon->mac[off - f->off] = (uint8_t)value; /* 5.1.4.2#3, judged on transmit */
    mon->mac_known = (uint8_t)(mon->mac_known | (1u << (off - f->off)));
  }
  if (f->off == MODEL_NET_CFG_OFF_MTU && off == f->off && width == 2u) {
    /* 5.1.4.1#2: offering MTU, the device shows 68..65535; #3 (SHOULD):
     * and at least 1280 */
    if ((mon->offered_known & 1u) != 0 && model_features_has(offered64(mon), VIRTIO_NET_F_MTU)) {
      (void)model_mon_judge(mon, MON_C_5_1_4_1_2, value >= MODEL_NET_MTU_MIN, value, 0, 0,
                            "mtu reads %u with MTU offered", (unsigned)value);
      (void)model_mon_judge(mon, MON_C_5_1_4_1_3, value >= MODEL_NET_MTU_SHOULD_MIN, value, 0, 0,
                            "mtu reads %u with MTU offered, below 1280", (unsigned)value);
    }
    /* 5.1.4.1#4: once set, mtu never changes (not even across a reset) */
    if (mon->mtu_first_known)
      (void)model_mon_judge(mon, MON_C_5_1_4_1_4, value == mon->mtu_first, value, mon->mtu_first, 0,
                            "mtu reads %u, earlier %u", (unsigned)value, (unsigned)mon->mtu_first);
    if (!mon->mtu_first_known)
      mon->mtu_first = (uint16_t)value;
    mon->mtu_first_known = true;
    mon->mtu = (uint16_t)value;
    mon->mtu_known = true;
  }
}

static void config_read(struct model_mon *mon, uint32_t off, uint32_t width, uint32_t value,
                        bool ok) {
  const struct cfg_field *f = cfg_field_at(off);
  bool inside = f != NULL && width > 0 && off + width <= MON_CFG_SIZE;
  if (!model_mon_judge(mon, MON_C_4_2_2_2_1, inside, off, width, 0,
                       "%u-byte config read at %u: outside the virtio-net config layout",
                       (unsigned)width, (unsigned)off)) {
    burst_other(mon);
    return;
  }
  /* 4.2.2.2#5: one field (or one mac byte) at its own width and offset */
  uint32_t elem_off = f->off + ((off - f->off) / f->elem) * f->elem;
  (void)model_mon_judge(mon, MON_C_4_2_2_2_5, off == elem_off && width == f->elem, off, width, 0,
                        "%u-byte config read of %s at %u (field is %u-byte)", (unsigned)width,
                        f->name, (unsigned)off, (unsigned)f->elem);
  /* 2.5.1#3: an optional field only when its feature was offered */
  if (f->need_any != 0)
    (void)model_mon_judge(mon, MON_C_2_5_1_3, (offered64(mon) & f->need_any) != 0, off,
                          offered64(mon), 0, "read of %s, whose feature was not offered", f->name);
  burst_config_read(mon, off);
  /* 5.1.4.2#1: a config access that is a read is a passing evaluation */
  (void)model_mon_judge(mon, MON_C_5_1_4_2_1, true, off, width, value, "read");
  if (ok)
    config_value(mon, f, off, width, value);
}

static void config_write(struct model_mon *mon, uint32_t off, uint32_t width, uint32_t value) {
  bool inside = cfg_field_at(off) != NULL && width > 0 && off + width <= MON_CFG_SIZE;
  if (!inside)
    (void)model_mon_judge(mon, MON_C_4_2_2_2_1, false, off, width, 1,
                          "%u-byte config write at %u: outside the virtio-net config layout",
                          (unsigned)width, (unsigned)off);
  else
    (void)model_mon_judge(mon, MON_C_5_1_4_2_1, false, off, width, value,
                          "config write of 0x%x at %u", (unsigned)value, (unsigned)off);
}

/* ---- status ----------------------------------------------------------------- */

/* 5.1.4.2#2, #7 (SHOULD), at the FEATURES_OK write: a network driver takes
 * MAC and MTU when the device offers them (word 0 read). */
static void net_features_taken(struct model_mon *mon, uint64_t acc, uint64_t off) {
  if (mon->cfg.device_id != VIRTIO_ID_NET || (mon->offered_known & 1u) == 0)
    return;
  bool mac_ok =
      !model_features_has(off, VIRTIO_NET_F_MAC) || model_features_has(acc, VIRTIO_NET_F_MAC);
  (void)model_mon_judge(mon, MON_C_5_1_4_2_2, mac_ok, acc, off, 0, "MAC offered and not accepted");
  bool mtu_ok =
      !model_features_has(off, VIRTIO_NET_F_MTU) || model_features_has(acc, VIRTIO_NET_F_MTU);
  (void)model_mon_judge(mon, MON_C_5_1_4_2_7, mtu_ok, acc, off, 0, "MTU offered and not accepted");
  /* 5.1.4.2#14 (SHOULD): CTRL_RX_EXTRA is negotiated only with CTRL_VQ */
  bool extra_ok = !model_features_has(acc, VIRTIO_NET_F_CTRL_RX_EXTRA) ||
                  model_features_has(acc, VIRTIO_NET_F_CTRL_VQ);
  (void)model_mon_judge(mon, MON_C_5_1_4_2_14, extra_ok, acc, off, 0,
                        "CTRL_RX_EXTRA accepted without CTRL_VQ");
}

/* 2.2.1#5: every accepted bit is one the spec defines for the device's type
 * (or for every type). A PCI-only bit accepted over MMIO is left to
 * 2.2.2#3 (see judge_offered_word). Bits not offered are 2.2.1#1's. */
static void judge_accepted_defined(struct model_mon *mon, uint64_t acc, uint64_t off) {
  uint64_t taken = acc & off;
  unsigned bad = 0;
  bool ok = true;
  for (unsigned bit = 0; bit < 64u && ok; bit++) {
    if (model_features_has(taken, bit) && model_feature_name(mon->cfg.device_id, bit) == NULL) {
      ok = false;
      bad = bit;
    }
  }
  (void)model_mon_judge(mon, MON_C_2_2_1_5, ok, acc, off, bad,
                        "accepted feature bit %u, reserved for this device type", bad);
}

/* At the FEATURES_OK write: what the driver accepted (2.2.1#1, #2, #5,
 * 6.1#1, 5.1.4.2#2, #7, #14)
 * and whether the device may refuse it (2.2.2#2, #3, judged at the read). */
static void features_ok_written(struct model_mon *mon) {
  uint64_t acc = (uint64_t)mon->accepted[0] | ((uint64_t)mon->accepted[1] << 32);
  uint64_t off = offered64(mon);
  uint64_t unoffered = acc & ~off;
  bool high = mon->accepted_high;
  for (unsigned w = 2; w < 4u; w++) {
    uint32_t offw = (mon->offered_known & (1u << w)) != 0 ? mon->offered[w] : 0u;
    if ((mon->accepted[w] & ~offw) != 0)
      high = true;
  }
  (void)model_mon_judge(mon, MON_C_2_2_1_1, unoffered == 0 && !high, acc, off, 0,
                        "accepted 0x%llx%s not offered (offered 0x%llx)",
                        (unsigned long long)unoffered, high ? " and bits above 63" : "",
                        (unsigned long long)off);
  unsigned bit = 0;
  uint64_t missing = 0;
  bool deps = model_features_check_deps(mon->cfg.device_id, acc, &bit, &missing) == MODEL_OK;
  (void)model_mon_judge(mon, MON_C_2_2_1_2, deps, acc, bit, missing,
                        "accepted feature %u without 0x%llx", bit, (unsigned long long)missing);
  bool v1_offered = model_features_has(off, VIRTIO_F_VERSION_1);
  bool v1_ok = !v1_offered || model_features_has(acc, VIRTIO_F_VERSION_1);
  if ((mon->offered_known & 2u) != 0)
    (void)model_mon_judge(mon, MON_C_6_1_1, v1_ok, acc, off, 0,
                          "VERSION_1 offered and not accepted");
  judge_accepted_defined(mon, acc, off);
  net_features_taken(mon, acc, off);
  bool pci_only =
      model_features_has(acc, VIRTIO_F_SR_IOV) || model_features_has(acc, VIRTIO_F_ADMIN_VQ);
  mon->fo_valid_known = (mon->offered_known & 3u) == 3u;
  mon->fo_valid = unoffered == 0 && !high && deps && v1_ok && !pci_only;
  mon->fo_accepted = acc;
  /* a set with bits above 63 is not the 64-bit set fo_accepted shows: it
   * is neither compared with nor remembered among the kept ones (2.2.2#5) */
  mon->fo_wide = mon->accepted_high || mon->accepted[2] != 0 || mon->accepted[3] != 0;
}

/* 2.1.1#2, #3, 3.1.1#1, 2.4.2#1 on a nonzero Status write. */
static void status_rules(struct model_mon *mon, uint8_t v) {
  uint8_t old = mon->status;
  if (mon->reset_readback_armed)
    (void)model_mon_judge(mon, MON_C_2_4_2_1, !mon->reset_readback_pending, v, 0, 0,
                          "Status 0x%02x written before a read showed the reset done", (unsigned)v);
  mon->reset_readback_armed = false;
  mon->reset_readback_pending = false;
  uint8_t cleared = (uint8_t)(old & (uint8_t)~v);
  bool keeps = model_mon_judge(mon, MON_C_2_1_1_2, cleared == 0, old, v, cleared,
                               "Status 0x%02x written over 0x%02x clears 0x%02x", (unsigned)v,
                               (unsigned)old, (unsigned)cleared);
  bool after_failed = true;
  uint8_t added_steps = (uint8_t)(v & (uint8_t)~old & STATUS_STEPS);
  if ((old & VIRTIO_STATUS_FAILED) != 0)
    after_failed = model_mon_judge(mon, MON_C_2_1_1_3, added_steps == 0, old, v, 0,
                                   "Status 0x%02x adds an init step after FAILED without a reset",
                                   (unsigned)v);
  model_mon_eval(mon, MON_C_3_1_1_1);
  if (keeps && after_failed && !model_status_transition_ok(old, v))
    model_mon_violate(mon, MON_C_3_1_1_1, old, v, 0,
                      "Status 0x%02x after 0x%02x skips or reorders an init step", (unsigned)v,
                      (unsigned)old);
  if ((v & (uint8_t)~old & VIRTIO_STATUS_FEATURES_OK) != 0)
    features_ok_written(mon);
}

/* 3.1.1#5: after the device refused FEATURES_OK the driver does not go
 * on initialising (a queue register write, or DRIVER_OK) before a reset. */
static void refusal_judge(struct model_mon *mon, uint32_t offset, uint32_t value) {
  if (!mon->excused)
    (void)model_mon_judge(mon, MON_C_3_1_1_5, !mon->fo_refused, offset, value, 0,
                          "write of 0x%x to 0x%03x after FEATURES_OK was refused", (unsigned)value,
                          (unsigned)offset);
}

static void status_write(struct model_mon *mon, uint32_t value, bool ok) {
  if (value == 0) {
    /* 3.1.1#4: a refused FEATURES_OK is given up with FAILED, not a bare
     * reset (SHOULD) */
    if (!mon->excused)
      (void)model_mon_judge(mon, MON_C_3_1_1_4, !mon->fo_refused || mon->failed_since_refusal, 0, 0,
                            0, "reset after FEATURES_OK was refused, without FAILED");
    /* 2.1.1#3: a reset after FAILED is the passing case (a new init step
     * instead is judged in status_rules) */
    if (!mon->excused && (mon->status & VIRTIO_STATUS_FAILED) != 0)
      (void)model_mon_judge(mon, MON_C_2_1_1_3, true, mon->status, 0, 0, "reset after FAILED");
    if (ok)
      model_mon_reset(mon, false);
    return;
  }
  uint8_t v = (uint8_t)value;
  if ((v & VIRTIO_STATUS_FAILED) != 0)
    mon->failed_since_refusal = true;
  if ((v & (uint8_t)~mon->status & VIRTIO_STATUS_DRIVER_OK) != 0)
    refusal_judge(mon, MODEL_MMIO_STATUS, value);
  if (!mon->excused)
    status_rules(mon, v);
  if (!ok)
    return;
  uint8_t added = (uint8_t)(v & (uint8_t)~mon->status);
  if ((added & VIRTIO_STATUS_FEATURES_OK) != 0) {
    mon->fo_readback_pending = !mon->excused;
    mon->negotiated = mon->fo_accepted;
    mon->negotiated_valid = true;
  }
  if ((added & VIRTIO_STATUS_DRIVER_OK) != 0) {
    if (mon->driver_ok_count < 2u)
      mon->driver_ok_count++; /* only 0, 1 and more matter */
    mon->cfg_irq_mark = mon->cfg_irq_count;
    if (mon->negotiated_valid)
      mon->features_seen |= mon->negotiated;
  }
  mon->status = (uint8_t)(v | (mon->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
}

/* Did the device keep FEATURES_OK for this set earlier in the run? */
static bool fo_kept_before(const struct model_mon *mon, uint64_t set) {
  for (size_t i = 0; i < mon->fo_kept_count; i++) {
    if (mon->fo_kept[i] == set)
      return true;
  }
  return false;
}

/* Remember a set the device kept (2.2.2#5). */
static void fo_remember_kept(struct model_mon *mon, uint64_t set) {
  if (!fo_kept_before(mon, set) && mon->fo_kept_count < MON_FO_KEPT_MAX)
    mon->fo_kept[mon->fo_kept_count++] = set;
}

static void status_read(struct model_mon *mon, uint32_t value) {
  uint8_t v = (uint8_t)value;
  if (mon->reset_poll_armed) {
    /* 2.4.1#1: the device shows 0 once reset; a driver polls a few times */
    if (v == 0) {
      mon->reset_poll_armed = false;
      model_mon_eval(mon, MON_C_2_4_1_1);
    } else if (++mon->reset_nonzero_reads >= RESET_READS_MAX) {
      mon->reset_poll_armed = false;
      (void)model_mon_judge(mon, MON_C_2_4_1_1, false, v, RESET_READS_MAX, 0,
                            "Status still reads 0x%02x after %u reads since the reset", (unsigned)v,
                            RESET_READS_MAX);
    }
  }
  if (v == 0)
    mon->reset_readback_pending = false;
  if (mon->fo_readback_pending) {
    mon->fo_readback_pending = false;
    bool kept = (v & VIRTIO_STATUS_FEATURES_OK) != 0;
    if (!kept) {
      mon->fo_refused = true;
      mon->failed_since_refusal = false;
    }
    if (!mon->fo_wide && fo_kept_before(mon, mon->fo_accepted))
      /* 2.2.2#5 (and not #2 as well): a set it kept before a reset */
      (void)model_mon_judge(mon, MON_C_2_2_2_5, kept, mon->fo_accepted, v, 0,
                            "feature set 0x%llx refused after a reset, kept before",
                            (unsigned long long)mon->fo_accepted);
    else if (mon->fo_valid_known && mon->fo_valid)
      (void)model_mon_judge(mon, MON_C_2_2_2_2, kept, mon->fo_accepted, v, 0,
                            "valid feature set 0x%llx refused",
                            (unsigned long long)mon->fo_accepted);
    else if (mon->fo_valid_known)
      (void)model_mon_judge(mon, MON_C_2_2_2_3, !kept, mon->fo_accepted, v, 0,
                            "invalid feature set 0x%llx kept",
                            (unsigned long long)mon->fo_accepted);
    if (kept && !mon->fo_wide)
      fo_remember_kept(mon, mon->fo_accepted);
  }
  bool nr = (v & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0;
  if (nr && (v & VIRTIO_STATUS_DRIVER_OK) != 0 && !mon->nr_judged) {
    /* 2.1.2#3: with DRIVER_OK, DEVICE_NEEDS_RESET comes with a config change
     * notification (raised since the window opened: DRIVER_OK, or the last
     * Status read that did not show the bit). */
    mon->nr_judged = true;
    (void)model_mon_judge(mon, MON_C_2_1_2_3, mon->cfg_irq_count != mon->cfg_irq_mark, v, 0, 0,
                          "DEVICE_NEEDS_RESET with DRIVER_OK and no configuration change "
                          "notification");
  }
  if (!nr)
    mon->cfg_irq_mark = mon->cfg_irq_count;
  if (nr)
    mon->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
  if ((v & VIRTIO_STATUS_FEATURES_OK) == 0 && (mon->status & VIRTIO_STATUS_FEATURES_OK) != 0) {
    mon->status = (uint8_t)(mon->status & ~VIRTIO_STATUS_FEATURES_OK);
    mon->negotiated_valid = false;
  }
  if ((v & VIRTIO_STATUS_DRIVER_OK) == 0)
    mon->status = (uint8_t)(mon->status & ~VIRTIO_STATUS_DRIVER_OK);
}

/* ---- features ---------------------------------------------------------------- */

/* 2.2.2#4: every offered bit is one the spec defines for the device's type
 * (or for every type). A PCI-only bit offered over MMIO is not judged here:
 * accepting it is the one invalid set (features_ok_written) a conformant
 * driver can write, which 2.2.2#3 needs to be observable on its own. */
static void judge_offered_word(struct model_mon *mon, uint32_t sel, uint32_t value) {
  unsigned bad = 0;
  bool ok = true;
  for (unsigned b = 0; b < 32u && ok; b++) {
    unsigned bit = sel * 32u + b;
    if ((value & (1u << b)) != 0 && model_feature_name(mon->cfg.device_id, bit) == NULL) {
      ok = false;
      bad = bit;
    }
  }
  (void)model_mon_judge(mon, MON_C_2_2_2_4, ok, sel, value, bad,
                        "offers feature bit %u, reserved for this device type", bad);
}

/* 5.1.4.1#12, #13 (SHOULD): HASH_REPORT and CTRL_RX_EXTRA are offered only
 * with CTRL_VQ. These are the ADVISED rules of the dependency table, not
 * the hard ones of 2.2.2#1: an offer may break them and 2.2.2#1 not. */
static void judge_offered_advised(struct model_mon *mon, uint64_t off) {
  static const struct {
    enum mon_chk chk;
    unsigned bit;
    const char *name;
  } rules[] = {{MON_C_5_1_4_1_12, VIRTIO_NET_F_HASH_REPORT, "HASH_REPORT"},
               {MON_C_5_1_4_1_13, VIRTIO_NET_F_CTRL_RX_EXTRA, "CTRL_RX_EXTRA"}};
  bool ctrl_vq = model_features_has(off, VIRTIO_NET_F_CTRL_VQ);
  for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
    (void)model_mon_judge(mon, rules[i].chk, ctrl_vq || !model_features_has(off, rules[i].bit), off,
                          rules[i].bit, 0, "offers %s without CTRL_VQ (offered 0x%llx)",
                          rules[i].name, (unsigned long long)off);
}

static void device_features_read(struct model_mon *mon, uint32_t value, bool ok) {
  (void)model_mon_judge(mon, MON_C_4_2_2_2_10, mon->dev_sel_written, 0, 0, 0,
                        "DeviceFeatures read without a DeviceFeaturesSel write");
  if (!ok)
    return;
  if (mon->dev_sel >= 4u) {
    /* 2.2.2#4: bits 128 and above are all reserved (2.2) */
    (void)model_mon_judge(mon, MON_C_2_2_2_4, value == 0, mon->dev_sel, value, 0,
                          "offers 0x%x in feature word %u, bits reserved from 128 on",
                          (unsigned)value, (unsigned)mon->dev_sel);
    return;
  }
  judge_offered_word(mon, mon->dev_sel, value);
  mon->offered[mon->dev_sel] = value;
  mon->offered_known |= 1u << mon->dev_sel;
  if (mon->dev_sel >= 2u || (mon->offered_known & 3u) != 3u)
    return;
  uint64_t off = offered64(mon);
  unsigned bit = 0;
  uint64_t missing = 0;
  /* before the judge: its arguments read bit and missing, and C leaves the
   * order in which a call's arguments are evaluated unspecified */
  bool deps_ok = model_features_check_deps(mon->cfg.device_id, off, &bit, &missing) == MODEL_OK;
  (void)model_mon_judge(mon, MON_C_2_2_2_1, deps_ok, off, bit, missing,
                        "offers feature %u without 0x%llx", bit, (unsigned long long)missing);
  (void)model_mon_judge(mon, MON_C_6_2_1, model_features_has(off, VIRTIO_F_VERSION_1), off, 0, 0,
                        "VERSION_1 not offered (offered 0x%llx)", (unsigned long long)off);
  if (mon->cfg.device_id == VIRTIO_ID_NET)
    judge_offered_advised(mon, off);
}

static void driver_features_write(struct model_mon *mon, uint32_t value, bool ok) {
  (void)model_mon_judge(mon, MON_C_4_2_2_2_11, mon->drv_sel_written, value, 0, 0,
                        "DriverFeatures written without a DriverFeaturesSel write");
  if (!mon->excused)
    (void)model_mon_judge(mon, MON_C_3_1_1_3, (mon->status & VIRTIO_STATUS_FEATURES_OK) == 0, value,
                          mon->drv_sel, 0,
                          "DriverFeatures word %u written (0x%x) with FEATURES_OK set",
                          (unsigned)mon->drv_sel, (unsigned)value);
  if (!ok)
    return;
  if (mon->drv_sel < 4u)
    mon->accepted[mon->drv_sel] = value;
  else if (value != 0)
    mon->accepted_high = true;
}

/* ---- interrupts ---------------------------------------------------------------- */

static void isr_read(struct model_mon *mon, uint32_t value) {
  if (mon->handler_active)
    mon->handler_isr_read = true;
  /* 4.2.2.1#5: reset cleared InterruptStatus: a bit pending at the reset
   * shows again only if raised again (a bit never raised may be an event the
   * device did not notify, which 2.1.2#3 and the ring checks judge) */
  uint32_t stale = value & mon->isr_stale;
  bool fresh_ok = model_mon_judge(mon, MON_C_4_2_2_1_5, stale == 0, value, mon->isr_stale, 0,
                                  "InterruptStatus reads 0x%x: 0x%x pending at the reset and not "
                                  "raised since",
                                  (unsigned)value, (unsigned)stale);
  /* 4.2.2.1#4: bits without an event read 0: undefined bits, and the used
   * buffer bit when no used idx moved since it was acknowledged */
  bool vring = (value & MODEL_MMIO_INT_VRING) != 0;
  bool spurious = (value & ~MODEL_MMIO_INT_MASK) != 0 || (vring && !mon->used_moved_since_ack);
  if (fresh_ok)
    (void)model_mon_judge(mon, MON_C_4_2_2_1_4, !spurious, value, 0, 0,
                          "InterruptStatus reads 0x%x with no such event pending", (unsigned)value);
  /* 4.2.2.1#3: a raised bit stays until acknowledged */
  uint32_t lost = mon->isr_pending & ~value;
  (void)model_mon_judge(mon, MON_C_4_2_2_1_3, lost == 0, value, mon->isr_pending, 0,
                        "InterruptStatus reads 0x%x; 0x%x was raised and not acknowledged",
                        (unsigned)value, (unsigned)mon->isr_pending);
  mon->ack_owed |= value & MODEL_MMIO_INT_MASK;
}

static void isr_ack(struct model_mon *mon, uint32_t value, bool ok) {
  (void)model_mon_judge(mon, MON_C_4_2_2_2_18, (value & ~MODEL_MMIO_INT_MASK) == 0, value, 0, 0,
                        "InterruptACK 0x%x sets undefined bits", (unsigned)value);
  if (!ok)
    return;
  mon->isr_pending &= ~value;
  mon->isr_stale &= ~value;
  /* 4.2.2.2#17: bits read and now acknowledged: a passing evaluation (a
   * failing one is judged at the end of the driver's event) */
  uint32_t owed = mon->ack_owed;
  mon->ack_owed &= ~value;
  if (owed != 0 && mon->ack_owed == 0)
    (void)model_mon_judge(mon, MON_C_4_2_2_2_17, true, owed, 0, 0, "acknowledged");
  if ((value & MODEL_MMIO_INT_VRING) != 0)
    mon->used_moved_since_ack = false;
}

/* ---- queues -------------------------------------------------------------------- */

void model_mon_queue_stop_use(struct model_mon *mon, uint16_t q, const char *what) {
  if (q >= MODEL_MON_QUEUES_MAX || !mon->queues[q].stop_unsynced)
    return;
  mon->queues[q].stop_unsynced = false; /* one verdict per stop */
  (void)model_mon_judge(mon, MON_C_4_2_2_2_15, false, q, 0, 0,
                        "queue %u: %s after QueueReady 0 was written and before it read back 0",
                        (unsigned)q, what);
}

/* 4.2.2.2#15 on an access to a register of the selected queue. */
static void queue_reg_use(struct model_mon *mon, uint32_t offset, bool write) {
  if (mon->queue_sel >= MODEL_MON_QUEUES_MAX)
    return;
  const struct model_mmio_reg *reg = model_mmio_reg_find(offset);
  char what[48];
  (void)snprintf(what, sizeof(what), "%s %s", reg != NULL ? reg->name : "register",
                 write ? "written" : "read");
  model_mon_queue_stop_use(mon, (uint16_t)mon->queue_sel, what);
}

static void queue_reg_write(struct model_mon *mon, uint32_t offset, uint32_t value, bool ok) {
  struct mon_queue *mq = selected_queue(mon);
  if (mq == NULL)
    return;
  queue_reg_use(mon, offset, true);
  /* 4.2.2.2#13: size and areas stay untouched while the queue is ready */
  (void)model_mon_judge(mon, MON_C_4_2_2_2_13, !mq->ready, offset, value, mon->queue_sel,
                        "queue %u register 0x%03x written while QueueReady is 1",
                        (unsigned)mon->queue_sel, (unsigned)offset);
  if (offset == MODEL_MMIO_QUEUE_SIZE && mq->size_max_known)
    (void)model_mon_judge(mon, MON_C_4_2_2_2_12, value <= mq->size_max, value, mq->size_max,
                          mon->queue_sel, "queue %u QueueSize %u above QueueSizeMax %u",
                          (unsigned)mon->queue_sel, (unsigned)value, (unsigned)mq->size_max);
  if (!ok)
    return;
  switch (offset) {
  case MODEL_MMIO_QUEUE_SIZE:
    mq->size = value;
    mq->size_written = true;
    break;
  case MODEL_MMIO_QUEUE_DESC_LOW:
    mq->desc_addr = (mq->desc_addr & ~(uint64_t)0xffffffffu) | value;
    break;
  case MODEL_MMIO_QUEUE_DESC_HIGH:
    mq->desc_addr = (mq->desc_addr & 0xffffffffu) | ((uint64_t)value << 32);
    break;
  case MODEL_MMIO_QUEUE_DRIVER_LOW:
    mq->driver_addr = (mq->driver_addr & ~(uint64_t)0xffffffffu) | value;
    break;
  case MODEL_MMIO_QUEUE_DRIVER_HIGH:
    mq->driver_addr = (mq->driver_addr & 0xffffffffu) | ((uint64_t)value << 32);
    break;
  case MODEL_MMIO_QUEUE_DEVICE_LOW:
    mq->device_addr = (mq->device_addr & ~(uint64_t)0xffffffffu) | value;
    break;
  case MODEL_MMIO_QUEUE_DEVICE_HIGH:
    mq->device_addr = (mq->device_addr & 0xffffffffu) | ((uint64_t)value << 32);
    break;
  default:
    break;
  }
}

/* Buffers of queue q made available and not used yet: a split ring's
 * outstanding heads, or the buffers a packed shadow holds. False when the
 * monitor does not know the count (no shadow, or a packed shadow that lost
 * the ring). */
static bool queue_exposed_count(const struct mon_queue *mq, uint32_t *count) {
  const struct mon_ring *ring = mq->ring;
  *count = 0;
  if (mq->pring != NULL)
    return model_mon_packed_outstanding(mq->pring, count);
  if (ring == NULL)
    return false;
  for (uint32_t i = 0; i < ring->num; i++)
    *count += ring->heads[i].outstanding ? 1u : 0u;
  return true;
}

/* 3.3.1#2: a stopped queue set up again before a reset: its exposed
 * buffers were taken back while the device could still use them. Judged
 * on split and packed rings, whose outstanding buffers the monitor keeps. */
static void queue_restart_judge(struct model_mon *mon, struct mon_queue *mq, uint16_t q) {
  if (!mq->stopped)
    return;
  mq->stopped = false;
  uint32_t exposed = 0;
  if (model_mon_driver_excused(mon) || !queue_exposed_count(mq, &exposed))
    return;
  (void)model_mon_judge(mon, MON_C_3_3_1_2, exposed == 0, q, exposed, 0,
                        "queue %u set up again after its stop with %u exposed buffers and no "
                        "reset in between",
                        (unsigned)q, (unsigned)exposed);
}

static void queue_ready_write(struct model_mon *mon, uint32_t value, bool ok) {
  struct mon_queue *mq = selected_queue(mon);
  if (mq == NULL)
    return;
  uint16_t q = (uint16_t)mon->queue_sel;
  queue_reg_use(mon, MODEL_MMIO_QUEUE_READY, true);
  if (value == 1u && !mq->ready) {
    model_mon_ring_judge_ready(mon, q);
    queue_restart_judge(mon, mq, q);
  }
  if (!ok)
    return;
  if (value == 0) {
    /* 4.2.2.2#15: a stop is synchronised by reading QueueReady back */
    mq->stop_unsynced = mq->ready;
    mq->stopped = mq->stopped || mq->ready; /* 3.3.1#2: until a reset */
    mq->ready = false;
    model_mon_queues_update(mon);
    return;
  }
  if (value != 1u || mq->ready)
    return;
  mq->ready = true;
  mq->ready_since_reset = true;
  if (model_mon_ring_create(mon, q) != MODEL_OK)
    mon->alloc_failures++;
  model_mon_queues_update(mon);
}

static void queue_ready_read(struct model_mon *mon, uint32_t value) {
  struct mon_queue *mq = selected_queue(mon);
  if (mq == NULL)
    return;
  /* 4.2.2.1#5: reset cleared every QueueReady */
  (void)model_mon_judge(mon, MON_C_4_2_2_1_5, value == 0 || mq->ready_since_reset, value,
                        mon->queue_sel, 0, "queue %u QueueReady reads %u, not set since reset",
                        (unsigned)mon->queue_sel, (unsigned)value);
  if (mq->stop_unsynced && value == 0) {
    /* 4.2.2.2#15: the stop is synchronised */
    mq->stop_unsynced = false;
    (void)model_mon_judge(mon, MON_C_4_2_2_2_15, true, mon->queue_sel, 0, 0, "stop synchronised");
  }
}

/* ---- dispatch -------------------------------------------------------------------- */

static void control_read_value(struct model_mon *mon, uint32_t offset, uint32_t value) {
  struct mon_queue *mq = selected_queue(mon);
  switch (offset) {
  case MODEL_MMIO_MAGIC_VALUE:
    (void)model_mon_judge(mon, MON_C_4_2_2_1_1, value == MODEL_MMIO_MAGIC, value, 0, 0,
                          "MagicValue reads 0x%08x", (unsigned)value);
    mon->magic_valid = value == MODEL_MMIO_MAGIC;
    mon->magic_bad = mon->magic_bad || !mon->magic_valid;
    break;
  case MODEL_MMIO_VERSION_REG:
    (void)model_mon_judge(mon, MON_C_4_2_2_1_2, value == MODEL_MMIO_VERSION, value, 0, 0,
                          "Version reads 0x%x", (unsigned)value);
    mon->version_bad = mon->version_bad || value != MODEL_MMIO_VERSION;
    mon->device_id_next = mon->magic_valid && value == MODEL_MMIO_VERSION;
    break;
  case MODEL_MMIO_DEVICE_ID:
    mon->device_id_zero = mon->device_id_zero || value == 0;
    break;
  case MODEL_MMIO_QUEUE_SIZE_MAX:
    queue_reg_use(mon, offset, false);
    if (mq != NULL) {
      mq->size_max = value;
      mq->size_max_known = true;
    }
    break;
  case MODEL_MMIO_QUEUE_READY:
    queue_ready_read(mon, value);
    break;
  case MODEL_MMIO_QUEUE_RESET:
    queue_reg_use(mon, offset, false);
    break;
  case MODEL_MMIO_INTERRUPT_STATUS:
    isr_read(mon, value);
    break;
  case MODEL_MMIO_STATUS:
    status_read(mon, value);
    break;
  default:
    break;
  }
}

void model_mon_regs_read(struct model_mon *mon, enum model_mon_actor actor, uint32_t offset,
                         uint32_t width, uint32_t value, bool ok) {
  if (actor != MODEL_MON_DRIVER)
    return;
  ident_follow(mon, offset, false);
  ident_check(mon, offset, false);
  if (offset >= MODEL_MMIO_CONFIG) {
    if (mon->cfg.device_id == VIRTIO_ID_NET)
      config_read(mon, offset - MODEL_MMIO_CONFIG, width, value, ok);
    return;
  }
  bool generation = offset == MODEL_MMIO_CONFIG_GENERATION && width == 4u;
  if (!generation || !ok)
    burst_other(mon);
  shm_check(mon, offset, false);
  const struct model_mmio_reg *reg = control_rules(mon, offset, width, false);
  if (reg == NULL)
    return;
  if (offset == MODEL_MMIO_DEVICE_FEATURES)
    device_features_read(mon, value, ok && width == 4u);
  if (!ok || width != 4u || (offset & 3u) != 0)
    return;
  if (generation)
    burst_generation(mon, value);
  else
    control_read_value(mon, offset, value);
}

static void control_write(struct model_mon *mon, uint32_t offset, uint32_t value, bool ok) {
  switch (offset) {
  case MODEL_MMIO_DEVICE_FEATURES_SEL:
    if (ok) {
      mon->dev_sel = value;
      mon->dev_sel_written = true;
    }
    break;
  case MODEL_MMIO_DRIVER_FEATURES_SEL:
    if (ok) {
      mon->drv_sel = value;
      mon->drv_sel_written = true;
    }
    break;
  case MODEL_MMIO_DRIVER_FEATURES:
    driver_features_write(mon, value, ok);
    break;
  case MODEL_MMIO_QUEUE_SEL:
    refusal_judge(mon, offset, value);
    if (ok)
      mon->queue_sel = value;
    break;
  case MODEL_MMIO_QUEUE_SIZE:
  case MODEL_MMIO_QUEUE_DESC_LOW:
  case MODEL_MMIO_QUEUE_DESC_HIGH:
  case MODEL_MMIO_QUEUE_DRIVER_LOW:
  case MODEL_MMIO_QUEUE_DRIVER_HIGH:
  case MODEL_MMIO_QUEUE_DEVICE_LOW:
  case MODEL_MMIO_QUEUE_DEVICE_HIGH:
    refusal_judge(mon, offset, value);
    queue_reg_write(mon, offset, value, ok);
    break;
  case MODEL_MMIO_QUEUE_READY:
    refusal_judge(mon, offset, value);
    queue_ready_write(mon, value, ok);
    break;
  case MODEL_MMIO_QUEUE_NOTIFY:
    /* 3.1.1#6: no available buffer notification before DRIVER_OK */
    if (!mon->excused)
      (void)model_mon_judge(mon, MON_C_3_1_1_6, (mon->status & VIRTIO_STATUS_DRIVER_OK) != 0, value,
                            mon->status, 0, "QueueNotify %u with Status 0x%02x", (unsigned)value,
                            (unsigned)mon->status);
    model_mon_queue_stop_use(mon,
                             (uint16_t)(model_mon_has(mon, VIRTIO_F_NOTIFICATION_DATA)
                                            ? value & 0xffffu
                                            : (value < MODEL_MON_QUEUES_MAX ? value : 0xffffu)),
                             "QueueNotify");
    if (ok)
      model_mon_ring_notify(mon, value);
    break;
  case MODEL_MMIO_QUEUE_RESET:
    queue_reg_use(mon, offset, true);
    break;
  case MODEL_MMIO_INTERRUPT_ACK:
    isr_ack(mon, value, ok);
    break;
  case MODEL_MMIO_STATUS:
    status_write(mon, value, ok);
    break;
  default:
    break;
  }
}

void model_mon_regs_write(struct model_mon *mon, enum model_mon_actor actor, uint32_t offset,
                          uint32_t width, uint32_t value, bool ok) {
  if (actor == MODEL_MON_OTHER) {
    /* The injector's reset (sim/fault.h): a reset the driver did not ask for. */
    if (offset == MODEL_MMIO_STATUS && value == 0 && ok)
      model_mon_reset(mon, true);
    return;
  }
  if (actor != MODEL_MON_DRIVER)
    return;
  ident_follow(mon, offset, true);
  ident_check(mon, offset, true);
  if (offset >= MODEL_MMIO_CONFIG) {
    if (mon->cfg.device_id == VIRTIO_ID_NET)
      config_write(mon, offset - MODEL_MMIO_CONFIG, width, value);
    return;
  }
  burst_other(mon);
  shm_check(mon, offset, true);
  const struct model_mmio_reg *reg = control_rules(mon, offset, width, true);
  if (reg == NULL || width != 4u || (offset & 3u) != 0)
    return;
  control_write(mon, offset, value, ok);
}

void model_mon_regs_finish(struct model_mon *mon) {
  burst_other(mon);
}
