/*
 * model/tests/monitor_test.c: the conformance monitor (model/monitor.h)
 * driven by synthetic observation sequences over a small in-test guest
 * memory. For every check the monitor can fire there is a case: a sequence
 * run twice, once breaking the rule (exactly that clause must be violated,
 * against its target) and once its accepting twin just on the right side of
 * the boundary (no violation at all). Cases that judge ring contents run in
 * every observe mode (accesses, snapshots, both); the ones only the order of
 * accesses can show run with accesses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/tests/monitor_fixture.h"

/* ---- cases ------------------------------------------------------------------------------ */

/* A case runs its sequence on a fresh fixture: bad breaks the rule. */
typedef void (*case_fn)(struct fx *f, bool bad);

struct mon_case {
  const char *id;   /* the clause the bad run violates */
  const char *name; /* the cmocka test */
  case_fn fn;
  bool accesses_only;
};

/* 2.1.1#2: a status bit is never cleared */
static void c_2_1_1_2(struct fx *f, bool bad) {
  begin(f);
  status_w(f, bad ? VIRTIO_STATUS_ACKNOWLEDGE
                  : (uint8_t)(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER));
}

/* 2.1.1#3: after FAILED, a reset before a new init step */
static void c_2_1_1_3(struct fx *f, bool bad) {
  begin(f);
  status_add(f, VIRTIO_STATUS_FAILED);
  if (bad) {
    status_add(f, VIRTIO_STATUS_FEATURES_OK);
    return;
  }
  reset(f);
  status_add(f, VIRTIO_STATUS_ACKNOWLEDGE);
}

/* 3.1.1#1: DRIVER_OK not before FEATURES_OK */
static void c_3_1_1_1(struct fx *f, bool bad) {
  begin(f);
  features_read(f);
  features_write(f);
  if (!bad)
    features_ok(f, true);
  status_add(f, VIRTIO_STATUS_DRIVER_OK);
}

/* 3.1.1#3: no DriverFeatures write once FEATURES_OK is set */
static void c_3_1_1_3(struct fx *f, bool bad) {
  begin(f);
  features_read(f);
  features_write(f);
  if (bad)
    features_ok(f, true);
  rw(f, MODEL_MMIO_DRIVER_FEATURES_SEL, 0);
  rw(f, MODEL_MMIO_DRIVER_FEATURES, (uint32_t)f->accepted);
  if (!bad)
    features_ok(f, true);
}

/* 3.1.1#6: no notification before DRIVER_OK */
static void c_3_1_1_6(struct fx *f, bool bad) {
  setup(f);
  if (!bad)
    status_add(f, VIRTIO_STATUS_DRIVER_OK);
  notify(f, 0);
  end_event(f);
}

/* 2.4.2#1: Status read back as 0 before the next write */
static void c_2_4_2_1(struct fx *f, bool bad) {
  ident(f);
  status_w(f, 0);
  if (!bad)
    rr(f, MODEL_MMIO_STATUS, 0);
  status_add(f, VIRTIO_STATUS_ACKNOWLEDGE);
}

/* 2.2.1#1: nothing accepted that was not offered */
static void c_2_2_1_1(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES;
  f->accepted = BASE_FEATURES | (bad ? F(VIRTIO_NET_F_STATUS) : 0);
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, !bad); /* a conformant device refuses the bad set */
}

/* 2.2.1#2: nothing accepted without what it depends on */
static void c_2_2_1_2(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES | F(VIRTIO_NET_F_CTRL_VQ) | F(VIRTIO_NET_F_CTRL_RX);
  f->accepted = BASE_FEATURES | F(VIRTIO_NET_F_CTRL_RX) | (bad ? 0 : F(VIRTIO_NET_F_CTRL_VQ));
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, !bad);
}

/* 2.2.1#5: no reserved bit accepted, even one offered (bit 42: the device
 * breaks 2.2.2#4 in both runs) */
static void c_2_2_1_5(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES | F(42);
  f->accepted = BASE_FEATURES | (bad ? F(42) : 0);
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, true);
}

/* 5.1.4.2#14: CTRL_RX_EXTRA negotiated only with CTRL_VQ (an advised
 * pairing: 2.2.1#2 stays quiet) */
static void c_5_1_4_2_14(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES | F(VIRTIO_NET_F_CTRL_VQ) | F(VIRTIO_NET_F_CTRL_RX_EXTRA);
  f->accepted = BASE_FEATURES | F(VIRTIO_NET_F_CTRL_RX_EXTRA) | (bad ? 0 : F(VIRTIO_NET_F_CTRL_VQ));
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, true);
}

/* 6.1#1: VERSION_1 accepted when offered */
static void c_6_1_1(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES;
  f->accepted = bad ? F(VIRTIO_NET_F_MAC) : BASE_FEATURES;
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, !bad);
}

/* 5.1.4.2#2: MAC offered is accepted */
static void c_5_1_4_2_2(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES;
  f->accepted = bad ? F(VIRTIO_F_VERSION_1) : BASE_FEATURES;
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, true);
}

/* 5.1.4.2#7: MTU offered is accepted */
static void c_5_1_4_2_7(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES | F(VIRTIO_NET_F_MTU);
  f->accepted = BASE_FEATURES | (bad ? 0 : F(VIRTIO_NET_F_MTU));
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, true);
}

/* 2.2.2#1: no feature offered without what it depends on */
static void c_2_2_2_1(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES | F(VIRTIO_NET_F_CTRL_RX) | (bad ? 0 : F(VIRTIO_NET_F_CTRL_VQ));
  begin(f);
  features_read(f);
}

/* 2.2.2#5: a set kept once is kept again after a reset */
static void c_2_2_2_5(struct fx *f, bool bad) {
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, true);
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, !bad);
  if (bad)
    status_add(f, VIRTIO_STATUS_FAILED);
}

/* 2.2.2#4: no reserved bit offered (42 is reserved for virtio-net) */
static void c_2_2_2_4(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES | (bad ? F(42) : F(VIRTIO_NET_F_MRG_RXBUF));
  begin(f);
  features_read(f);
}

/* 2.2.2#4: no legacy-only bit offered (6, the legacy GSO bit) */
static void c_2_2_2_4_legacy(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES | (bad ? F(6) : F(VIRTIO_F_RING_RESET));
  begin(f);
  features_read(f);
}

/* 5.1.4.1#12: HASH_REPORT offered only with CTRL_VQ */
static void c_5_1_4_1_12(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES | F(VIRTIO_NET_F_HASH_REPORT) | (bad ? 0 : F(VIRTIO_NET_F_CTRL_VQ));
  begin(f);
  features_read(f);
}

/* 5.1.4.1#13: CTRL_RX_EXTRA offered only with CTRL_VQ (an advised pairing:
 * 2.2.2#1 stays quiet) */
static void c_5_1_4_1_13(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES | F(VIRTIO_NET_F_CTRL_RX_EXTRA) | (bad ? 0 : F(VIRTIO_NET_F_CTRL_VQ));
  begin(f);
  features_read(f);
}

/* 6.2#1: VERSION_1 always offered */
static void c_6_2_1(struct fx *f, bool bad) {
  f->offered = bad ? F(VIRTIO_NET_F_MAC) : BASE_FEATURES;
  begin(f);
  features_read(f);
}

/* 2.2.2#2: a valid subset is kept */
static void c_2_2_2_2(struct fx *f, bool bad) {
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, !bad);
}

/* 2.2.2#3: an invalid subset is refused (SR_IOV is PCI-only: accepting it
 * over MMIO breaks no rule the monitor checks, yet the set is invalid) */
static void c_2_2_2_3(struct fx *f, bool bad) {
  f->offered = f->accepted = BASE_FEATURES | F(VIRTIO_F_SR_IOV);
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, bad);
}

/* 2.4.1#1: Status reads 0 after a reset, within 8 reads */
static void c_2_4_1_1(struct fx *f, bool bad) {
  ident(f);
  status_w(f, 0);
  for (unsigned i = 0; i < 7u; i++)
    rr(f, MODEL_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
  rr(f, MODEL_MMIO_STATUS, bad ? VIRTIO_STATUS_ACKNOWLEDGE : 0);
}

/* 2.5.1#2: config reads inside a generation bracket */
static void c_2_5_1_2(struct fx *f, bool bad) {
  up(f);
  if (!bad)
    rr(f, MODEL_MMIO_CONFIG_GENERATION, 3);
  cr(f, 0, 1, 0x52);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 3);
}

/* 2.5.1#3: an optional field only if its feature was offered */
static void c_2_5_1_3(struct fx *f, bool bad) {
  f->offered = BASE_FEATURES | (bad ? 0 : F(VIRTIO_NET_F_STATUS));
  up(f);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 3);
  cr(f, MODEL_NET_CFG_OFF_STATUS, 2, VIRTIO_NET_S_LINK_UP);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 3);
}

/* 5.1.4.2#1: config is read, never written */
static void c_5_1_4_2_1(struct fx *f, bool bad) {
  up(f);
  if (bad) {
    model_mon_reg_write(f->mon, MODEL_MON_DRIVER, MODEL_MMIO_CONFIG, 1, 0x52, false);
  } else {
    rr(f, MODEL_MMIO_CONFIG_GENERATION, 3);
    cr(f, 0, 1, 0x52);
    rr(f, MODEL_MMIO_CONFIG_GENERATION, 3);
  }
}

/* 4.2.2.2#1: no access outside the register map */
static void c_4_2_2_2_1(struct fx *f, bool bad) {
  up(f);
  model_mon_reg_read(f->mon, MODEL_MON_DRIVER, bad ? 0x0e8u : MODEL_MMIO_INTERRUPT_STATUS, 4, 0,
                     !bad);
}

/* 4.2.2.2#2: no write to a read-only register */
static void c_4_2_2_2_2(struct fx *f, bool bad) {
  up(f);
  model_mon_reg_write(f->mon, MODEL_MON_DRIVER,
                      bad ? MODEL_MMIO_QUEUE_SIZE_MAX : MODEL_MMIO_QUEUE_SEL, 4, 0, !bad);
}

/* 4.2.2.2#3: no read of a write-only register */
static void c_4_2_2_2_3(struct fx *f, bool bad) {
  up(f);
  model_mon_reg_read(f->mon, MODEL_MON_DRIVER, bad ? MODEL_MMIO_QUEUE_SEL : MODEL_MMIO_QUEUE_READY,
                     4, 0, !bad);
}

/* 4.2.2.2#4: control registers 32 bits wide and aligned */
static void c_4_2_2_2_4(struct fx *f, bool bad) {
  up(f);
  model_mon_reg_read(f->mon, MODEL_MON_DRIVER, MODEL_MMIO_STATUS, bad ? 2u : 4u, f->status, !bad);
}

/* 4.2.2.2#5: a config field at its own width */
static void c_4_2_2_2_5(struct fx *f, bool bad) {
  up(f);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 3);
  cr(f, 0, bad ? 4u : 1u, 0x52);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 3);
}

/* 4.2.2.2#10: DeviceFeaturesSel written before DeviceFeatures is read */
static void c_4_2_2_2_10(struct fx *f, bool bad) {
  begin(f);
  if (!bad)
    rw(f, MODEL_MMIO_DEVICE_FEATURES_SEL, 0);
  rr(f, MODEL_MMIO_DEVICE_FEATURES, (uint32_t)f->offered);
}

/* 4.2.2.2#11: DriverFeaturesSel written before DriverFeatures */
static void c_4_2_2_2_11(struct fx *f, bool bad) {
  begin(f);
  features_read(f);
  if (!bad)
    rw(f, MODEL_MMIO_DRIVER_FEATURES_SEL, 0);
  rw(f, MODEL_MMIO_DRIVER_FEATURES, (uint32_t)f->accepted);
}

/* 4.2.2.2#12: QueueSize no larger than QueueSizeMax */
static void c_4_2_2_2_12(struct fx *f, bool bad) {
  begin(f);
  rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  rr(f, MODEL_MMIO_QUEUE_SIZE_MAX, 256);
  rw(f, MODEL_MMIO_QUEUE_SIZE, bad ? 257u : 256u);
}

/* 4.2.2.2#13: queue size and areas left alone while ready */
static void c_4_2_2_2_13(struct fx *f, bool bad) {
  up(f);
  rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  if (!bad) {
    rw(f, MODEL_MMIO_QUEUE_READY, 0);
    rr(f, MODEL_MMIO_QUEUE_READY, 0); /* 4.2.2.2#15 */
  }
  rw(f, MODEL_MMIO_QUEUE_SIZE, NUM);
}

/* 4.2.2.2#15: a stopped queue is used again (notified) only after
 * QueueReady read back 0 */
static void c_4_2_2_2_15(struct fx *f, bool bad) {
  up(f);
  rw(f, MODEL_MMIO_QUEUE_SEL, MODEL_NET_TXQ);
  rw(f, MODEL_MMIO_QUEUE_READY, 0);
  if (!bad)
    rr(f, MODEL_MMIO_QUEUE_READY, 0);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
}

/* 4.2.2.2#17: what InterruptStatus showed is acknowledged */
static void c_4_2_2_2_17(struct fx *f, bool bad) {
  up(f);
  irq(f, MODEL_MMIO_INT_CONFIG);
  end_event(f);
  model_mon_irq_deliver(f->mon, MODEL_MMIO_INT_CONFIG);
  rr(f, MODEL_MMIO_INTERRUPT_STATUS, MODEL_MMIO_INT_CONFIG);
  if (!bad)
    rw(f, MODEL_MMIO_INTERRUPT_ACK, MODEL_MMIO_INT_CONFIG);
  end_event(f);
}

/* 4.2.2.2#18: no undefined bit in InterruptACK */
static void c_4_2_2_2_18(struct fx *f, bool bad) {
  up(f);
  irq(f, MODEL_MMIO_INT_CONFIG);
  end_event(f);
  model_mon_irq_deliver(f->mon, MODEL_MMIO_INT_CONFIG);
  rr(f, MODEL_MMIO_INTERRUPT_STATUS, MODEL_MMIO_INT_CONFIG);
  rw(f, MODEL_MMIO_INTERRUPT_ACK, MODEL_MMIO_INT_CONFIG | (bad ? 4u : 0u));
  end_event(f);
}

/* 4.2.3.1.1#1: MagicValue and Version first */
static void c_4_2_3_1_1_1(struct fx *f, bool bad) {
  rr(f, MODEL_MMIO_MAGIC_VALUE, MODEL_MMIO_MAGIC);
  rr(f, bad ? MODEL_MMIO_DEVICE_ID : MODEL_MMIO_VERSION_REG, bad ? VIRTIO_ID_NET : 2u);
}

/* 4.2.3.4.1#1: the handler reads InterruptStatus */
static void c_4_2_3_4_1_1(struct fx *f, bool bad) {
  up(f);
  irq(f, MODEL_MMIO_INT_CONFIG);
  end_event(f);
  if (!bad) {
    handler(f, MODEL_MMIO_INT_CONFIG);
    return;
  }
  model_mon_irq_deliver(f->mon, MODEL_MMIO_INT_CONFIG); /* a handler that asks nothing */
  end_event(f);
}

/* 2.7.1#1: ring areas aligned */
static void c_2_7_1_1(struct fx *f, bool bad) {
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, true);
  rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  rw(f, MODEL_MMIO_QUEUE_SIZE, NUM);
  rw(f, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)q_desc(0) + (bad ? 8u : 16u));
  rw(f, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q_avail(0));
  rw(f, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q_used(0));
  rw(f, MODEL_MMIO_QUEUE_READY, 1);
}

/* 2.7.10.1#1: used flags 0 when the queue goes ready */
static void c_2_7_10_1_1(struct fx *f, bool bad) {
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, true);
  if (bad)
    wle(f, DRV, q_used(0), VIRTQ_USED_F_NO_NOTIFY, 2);
  rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  rw(f, MODEL_MMIO_QUEUE_SIZE, NUM);
  rw(f, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)q_desc(0));
  rw(f, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q_avail(0));
  rw(f, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q_used(0));
  rw(f, MODEL_MMIO_QUEUE_READY, 1);
}

/* A chain on the transmit queue built by the case, then notified. */
static void tx_chain_end(struct fx *f, uint16_t head) {
  publish_head(f, MODEL_NET_TXQ, head);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
}

static uint64_t tx_hdr_buf(struct fx *f) {
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  uint64_t a = buf(f, 64);
  wmem(f, DRV, a, hdr, sizeof(hdr));
  return a;
}

/* 4.2.2.2#15: ... nor made buffers available on (avail idx written) */
static void c_4_2_2_2_15_publish(struct fx *f, bool bad) {
  up(f);
  rw(f, MODEL_MMIO_QUEUE_SEL, MODEL_NET_TXQ);
  rw(f, MODEL_MMIO_QUEUE_READY, 0);
  rr(f, MODEL_MMIO_QUEUE_READY, bad ? 1u : 0u); /* still stopping: not synchronised */
  add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
}

/* 2.7.4.2#1: writable descriptors after readable ones */
static void c_2_7_4_2_1(struct fx *f, bool bad) {
  up(f);
  uint64_t tq = q_desc(MODEL_NET_TXQ), a = tx_hdr_buf(f);
  desc_at(f, tq, 0, a, 20, (uint16_t)(VIRTQ_DESC_F_NEXT | (bad ? VIRTQ_DESC_F_WRITE : 0)), 1);
  desc_at(f, tq, 1, a + 32, 8, bad ? 0 : VIRTQ_DESC_F_WRITE, 0);
  tx_chain_end(f, 0);
}

/* 2.7.5.2#1: no loop */
static void c_2_7_5_2_1(struct fx *f, bool bad) {
  up(f);
  uint64_t tq = q_desc(MODEL_NET_TXQ), a = tx_hdr_buf(f);
  desc_at(f, tq, 0, a, 20, VIRTQ_DESC_F_NEXT, 1);
  desc_at(f, tq, 1, a + 32, 8, bad ? VIRTQ_DESC_F_NEXT : 0, 0);
  tx_chain_end(f, 0);
}

/* An indirect chain on the transmit queue; table of n entries. */
static void indirect_chain(struct fx *f, uint32_t n, uint16_t ring_flags, uint16_t inner_flags) {
  uint64_t tq = q_desc(MODEL_NET_TXQ), a = tx_hdr_buf(f);
  uint64_t table = buf(f, n * MODEL_SPLIT_DESC_SIZE);
  for (uint32_t i = 0; i < n; i++) {
    bool last = i + 1u == n;
    desc_at(f, table, i, i == 0 ? a : a + 32, i == 0 ? 12u : 4u,
            (uint16_t)((last ? 0 : VIRTQ_DESC_F_NEXT) | (i == 1 ? inner_flags : 0)),
            (uint16_t)(last ? 0 : i + 1u));
  }
  desc_at(f, tq, 0, table, n * MODEL_SPLIT_DESC_SIZE, ring_flags, 0);
  tx_chain_end(f, 0);
}

/* 2.7.5.3.1#1: INDIRECT only with INDIRECT_DESC */
static void c_2_7_5_3_1_1(struct fx *f, bool bad) {
  f->accepted = f->offered = BASE_FEATURES | (bad ? 0 : F(VIRTIO_F_INDIRECT_DESC));
  up(f);
  indirect_chain(f, 2, VIRTQ_DESC_F_INDIRECT, 0);
}

#define IND_FEATURES (BASE_FEATURES | F(VIRTIO_F_INDIRECT_DESC))

/* 2.7.5.3.1#2: no INDIRECT inside an indirect table */
static void c_2_7_5_3_1_2(struct fx *f, bool bad) {
  f->accepted = f->offered = IND_FEATURES;
  up(f);
  indirect_chain(f, 2, VIRTQ_DESC_F_INDIRECT, bad ? VIRTQ_DESC_F_INDIRECT : 0);
}

/* 2.7.5.3.1#3: no chain longer than the queue size */
static void c_2_7_5_3_1_3(struct fx *f, bool bad) {
  f->accepted = f->offered = IND_FEATURES;
  up(f);
  indirect_chain(f, bad ? NUM + 1u : NUM, VIRTQ_DESC_F_INDIRECT, 0);
}

/* 2.7.5.3.1#4: not INDIRECT and NEXT together */
static void c_2_7_5_3_1_4(struct fx *f, bool bad) {
  f->accepted = f->offered = IND_FEATURES;
  up(f);
  indirect_chain(f, 2, (uint16_t)(VIRTQ_DESC_F_INDIRECT | (bad ? VIRTQ_DESC_F_NEXT : 0)), 0);
}

/* 2.7.6.1#1: avail idx never goes back */
static void c_2_7_6_1_1(struct fx *f, bool bad) {
  up(f);
  uint64_t a = tx_hdr_buf(f);
  add1(f, MODEL_NET_TXQ, a, 20, false);
  add1(f, MODEL_NET_TXQ, a, 20, false);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
  dev_use(f, MODEL_NET_TXQ, 0, 0);
  dev_use(f, MODEL_NET_TXQ, 1, 0);
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
  handler(f, MODEL_MMIO_INT_VRING);
  avail_idx_write(f, MODEL_NET_TXQ, bad ? 1u : 2u);
  end_event(f);
}

/* 2.7.7.1#1: avail flags 0 or 1 without EVENT_IDX */
static void c_2_7_7_1_1(struct fx *f, bool bad) {
  up(f);
  wle(f, DRV, q_avail(0) + MODEL_SPLIT_AVAIL_OFF_FLAGS, bad ? 2u : 1u, 2);
  end_event(f);
}

#define EVI_FEATURES (BASE_FEATURES | F(VIRTIO_F_EVENT_IDX))

/* 2.7.7.1#2: avail flags 0 with EVENT_IDX */
static void c_2_7_7_1_2(struct fx *f, bool bad) {
  f->accepted = f->offered = EVI_FEATURES;
  up(f);
  wle(f, DRV, q_avail(0) + MODEL_SPLIT_AVAIL_OFF_FLAGS, bad ? 1u : 0u, 2);
  if (!bad) /* a write that changes nothing is judged too (accesses) */
    wle(f, DRV, q_avail(0) + model_split_used_event_off(NUM), 3, 2);
  end_event(f);
}

/* 2.7.10.1#3: no notification while used flags is NO_NOTIFY */
static void c_2_7_10_1_3(struct fx *f, bool bad) {
  up(f);
  wle(f, DEV, q_used(MODEL_NET_TXQ) + MODEL_SPLIT_USED_OFF_FLAGS, VIRTQ_USED_F_NO_NOTIFY, 2);
  end_event(f);
  add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false);
  if (bad)
    notify(f, MODEL_NET_TXQ);
  end_event(f);
}

/* 2.7.10.1#4: a notification while used flags is 0 */
static void c_2_7_10_1_4(struct fx *f, bool bad) {
  up(f);
  add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false);
  if (!bad)
    notify(f, MODEL_NET_TXQ);
  end_event(f);
}

/* 2.7.10.1#6: a notification when avail idx crosses avail_event */
static void c_2_7_10_1_6(struct fx *f, bool bad) {
  f->accepted = f->offered = EVI_FEATURES;
  up(f);
  add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false); /* 0 -> 1 crosses avail_event 0 */
  if (!bad)
    notify(f, MODEL_NET_TXQ);
  end_event(f);
}

/* 2.7.10.1#7: none when avail_event was not crossed */
static void c_2_7_10_1_7(struct fx *f, bool bad) {
  f->accepted = f->offered = EVI_FEATURES;
  up(f);
  wle(f, DEV, q_used(MODEL_NET_TXQ) + model_split_avail_event_off(NUM), 5, 2);
  end_event(f);
  add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false);
  if (bad)
    notify(f, MODEL_NET_TXQ);
  end_event(f);
}

/* 2.7.13.3.1#1: descriptors and ring entry before the idx (accesses) */
static void c_2_7_13_3_1_1(struct fx *f, bool bad) {
  up(f);
  uint64_t a = tx_hdr_buf(f);
  if (bad) {
    publish_head(f, MODEL_NET_TXQ, 0);
    desc_at(f, q_desc(MODEL_NET_TXQ), 0, a, 20, 0, 0);
  } else {
    desc_at(f, q_desc(MODEL_NET_TXQ), 0, a, 20, 0, 0);
    publish_head(f, MODEL_NET_TXQ, 0);
  }
  notify(f, MODEL_NET_TXQ);
  end_event(f);
}

/* 3.3.1#1: an outstanding head is not made available again */
static void c_3_3_1_1(struct fx *f, bool bad) {
  up(f);
  add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
  if (!bad) {
    dev_use(f, MODEL_NET_TXQ, 0, 0);
    irq(f, MODEL_MMIO_INT_VRING);
    end_event(f);
    handler(f, MODEL_MMIO_INT_VRING);
  }
  publish_head(f, MODEL_NET_TXQ, 0);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
}

/* 3.3.1#1: an outstanding chain's descriptor is not rewritten (accesses) */
static void c_3_3_1_1_rewrite(struct fx *f, bool bad) {
  up(f);
  uint64_t a = tx_hdr_buf(f);
  add1(f, MODEL_NET_TXQ, a, 20, false);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
  desc_at(f, q_desc(MODEL_NET_TXQ), bad ? 0u : 1u, a, 30, 0, 0);
  end_event(f);
}

/* 3.3.1#2: a queue stopped with a buffer still exposed is set up again
 * only after a reset (the clean twin resets and initialises anew) */
static void c_3_3_1_2(struct fx *f, bool bad) {
  up(f);
  add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
  rw(f, MODEL_MMIO_QUEUE_SEL, MODEL_NET_TXQ);
  rw(f, MODEL_MMIO_QUEUE_READY, 0);
  rr(f, MODEL_MMIO_QUEUE_READY, 0); /* 4.2.2.2#15 */
  end_event(f);
  if (bad)
    queue_setup(f, MODEL_NET_TXQ); /* an empty ring, as if reclaimed */
  else
    up(f);
  end_event(f);
}

/* Transmit one frame with this header. */
static void tx_one(struct fx *f, uint8_t flags, uint8_t gso, uint16_t num_buffers,
                   uint32_t frame_len) {
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_FLAGS] = flags;
  hdr[MODEL_NET_HDR_OFF_GSO_TYPE] = gso;
  hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS] = (uint8_t)num_buffers;
  tx_add(f, hdr, frame_len);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
}

/* 5.1.9.2.1#2: tx num_buffers 0 */
static void c_5_1_9_2_1_2(struct fx *f, bool bad) {
  up(f);
  tx_one(f, 0, 0, (uint16_t)(bad ? 1u : 0u), 60);
}

/* 5.1.9.2.1#3: tx flags 0 without CSUM */
static void c_5_1_9_2_1_3(struct fx *f, bool bad) {
  up(f);
  tx_one(f, bad ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0, 0, 0, 60);
}

/* Transmit one 60-byte frame whose header asks for GSO (and, with
 * NEEDS_CSUM, a checksum at csum_start). */
static void tx_gso_one(struct fx *f, uint8_t flags, uint8_t gso, uint16_t gso_size,
                       uint16_t csum_start) {
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_FLAGS] = flags;
  hdr[MODEL_NET_HDR_OFF_GSO_TYPE] = gso;
  hdr[MODEL_NET_HDR_OFF_GSO_SIZE] = (uint8_t)gso_size;
  hdr[MODEL_NET_HDR_OFF_GSO_SIZE + 1] = (uint8_t)(gso_size >> 8);
  hdr[MODEL_NET_HDR_OFF_CSUM_START] = (uint8_t)csum_start;
  hdr[MODEL_NET_HDR_OFF_CSUM_START + 1] = (uint8_t)(csum_start >> 8);
  tx_add(f, hdr, 60);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
}

#define GSO_FEATURES(bit) (BASE_FEATURES | F(VIRTIO_NET_F_CSUM) | F(bit))

/* 5.1.9.2.1#5: TCPV4 only with HOST_TSO4 (HOST_TSO6 negotiated: #24 quiet) */
static void c_5_1_9_2_1_5(struct fx *f, bool bad) {
  f->accepted = f->offered = GSO_FEATURES(VIRTIO_NET_F_HOST_TSO6);
  up(f);
  tx_gso_one(f, VIRTIO_NET_HDR_F_NEEDS_CSUM,
             bad ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6, 1448, 0);
}

/* 5.1.9.2.1#6: TCPV6 only with HOST_TSO6 */
static void c_5_1_9_2_1_6(struct fx *f, bool bad) {
  f->accepted = f->offered = GSO_FEATURES(VIRTIO_NET_F_HOST_TSO4);
  up(f);
  tx_gso_one(f, VIRTIO_NET_HDR_F_NEEDS_CSUM,
             bad ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4, 1448, 0);
}

/* 5.1.9.2.1#7: UDP only with HOST_UFO */
static void c_5_1_9_2_1_7(struct fx *f, bool bad) {
  f->accepted = f->offered = GSO_FEATURES(VIRTIO_NET_F_HOST_TSO4);
  up(f);
  tx_gso_one(f, VIRTIO_NET_HDR_F_NEEDS_CSUM,
             bad ? VIRTIO_NET_HDR_GSO_UDP : VIRTIO_NET_HDR_GSO_TCPV4, 1448, 0);
}

/* 5.1.9.2.1#8: UDP_L4 only with HOST_USO */
static void c_5_1_9_2_1_8(struct fx *f, bool bad) {
  f->accepted = f->offered = GSO_FEATURES(VIRTIO_NET_F_HOST_TSO4);
  up(f);
  tx_gso_one(f, VIRTIO_NET_HDR_F_NEEDS_CSUM,
             bad ? VIRTIO_NET_HDR_GSO_UDP_L4 : VIRTIO_NET_HDR_GSO_TCPV4, 1448, 0);
}

/* 5.1.9.2.1#23: with CSUM, the checksum field lies inside the 60-byte frame */
static void c_5_1_9_2_1_23(struct fx *f, bool bad) {
  f->accepted = f->offered = BASE_FEATURES | F(VIRTIO_NET_F_CSUM);
  up(f);
  tx_gso_one(f, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 0,
             (uint16_t)(bad ? 59u : 58u));
}

/* 5.1.9.2.1#24: tx gso_type NONE without a HOST_ GSO feature (CSUM
 * negotiated: the frame is otherwise a well-formed GSO one) */
static void c_5_1_9_2_1_24(struct fx *f, bool bad) {
  f->accepted = f->offered = BASE_FEATURES | F(VIRTIO_NET_F_CSUM);
  up(f);
  tx_gso_one(f, VIRTIO_NET_HDR_F_NEEDS_CSUM,
             bad ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_NONE, 1448, 0);
}

/* 5.1.9.2.1#25: a GSO frame has NEEDS_CSUM */
static void c_5_1_9_2_1_25(struct fx *f, bool bad) {
  f->accepted = f->offered = GSO_FEATURES(VIRTIO_NET_F_HOST_TSO4);
  up(f);
  tx_gso_one(f, (uint8_t)(bad ? 0u : VIRTIO_NET_HDR_F_NEEDS_CSUM), VIRTIO_NET_HDR_GSO_TCPV4, 1448,
             0);
}

/* 5.1.9.2.1#26: a GSO frame has a gso_size */
static void c_5_1_9_2_1_26(struct fx *f, bool bad) {
  f->accepted = f->offered = GSO_FEATURES(VIRTIO_NET_F_HOST_TSO4);
  up(f);
  tx_gso_one(f, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, (uint16_t)(bad ? 0u : 1448u),
             0);
}

/* 5.1.9.2.1#36: never DATA_VALID in tx flags (CSUM negotiated: flags may be set) */
static void c_5_1_9_2_1_36(struct fx *f, bool bad) {
  f->accepted = f->offered = BASE_FEATURES | F(VIRTIO_NET_F_CSUM);
  up(f);
  tx_one(f, bad ? VIRTIO_NET_HDR_F_DATA_VALID : VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 60);
}

#define MTU_FEATURES (BASE_FEATURES | F(VIRTIO_NET_F_MTU))

/* 5.1.4.2#9: tx frame within mtu + 14 */
static void c_5_1_4_2_9(struct fx *f, bool bad) {
  f->accepted = f->offered = MTU_FEATURES;
  up(f);
  tx_one(f, 0, 0, 0, bad ? 1515u : 1514u);
}

/* Post one receive buffer of len bytes. */
static uint16_t rx_post(struct fx *f, uint32_t len) {
  uint16_t head = add1(f, MODEL_NET_RXQ, buf(f, len), len, true);
  notify(f, MODEL_NET_RXQ);
  end_event(f);
  return head;
}

#define MRG_FEATURES (BASE_FEATURES | F(VIRTIO_NET_F_MRG_RXBUF))

/* 5.1.9.3.1#3: with MRG_RXBUF, buffers hold a header */
static void c_5_1_9_3_1_3(struct fx *f, bool bad) {
  f->accepted = f->offered = MRG_FEATURES;
  up(f);
  rx_post(f, bad ? 11u : 12u);
}

/* 5.1.9.3.1#2: without MRG_RXBUF, buffers of 1526 bytes */
static void c_5_1_9_3_1_2(struct fx *f, bool bad) {
  up(f);
  rx_post(f, bad ? 1525u : 1526u);
}

#define CTRL_FEATURES (BASE_FEATURES | F(VIRTIO_NET_F_CTRL_VQ))

static void ctrl_cmd(struct fx *f, uint8_t cls, uint8_t cmd) {
  uint64_t a = buf(f, 16);
  uint8_t b[3] = {cls, cmd, 1};
  wmem(f, DRV, a, b, sizeof(b));
  uint64_t cq = q_desc(MODEL_NET_CTRLQ);
  desc_at(f, cq, 0, a, 3, VIRTQ_DESC_F_NEXT, 1);
  desc_at(f, cq, 1, a + 8, 1, VIRTQ_DESC_F_WRITE, 0);
  publish_head(f, MODEL_NET_CTRLQ, 0);
  notify(f, MODEL_NET_CTRLQ);
  end_event(f);
}

/* 5.1.9.5.1.2#1: no RX_PROMISC without CTRL_RX */
static void c_5_1_9_5_1_2_1(struct fx *f, bool bad) {
  f->accepted = f->offered = CTRL_FEATURES | (bad ? 0 : F(VIRTIO_NET_F_CTRL_RX));
  up(f);
  ctrl_cmd(f, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_PROMISC);
}

/* 5.1.9.5.2.1#3: a MAC_ADDR_SET acknowledged OK is used with the new mac
 * in the config space (bad: still the old one); an ERR one is not judged. */
static void c_5_1_9_5_2_1_3(struct fx *f, bool bad) {
  f->accepted = f->offered =
      CTRL_FEATURES | F(VIRTIO_NET_F_CTRL_RX) | F(VIRTIO_NET_F_CTRL_MAC_ADDR);
  up(f);
  static const uint8_t mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
  uint64_t cq = q_desc(MODEL_NET_CTRLQ);
  static const uint8_t acks[] = {VIRTIO_NET_ERR, VIRTIO_NET_OK};
  for (size_t i = 0; i < sizeof(acks); i++) {
    uint8_t ack = acks[i];
    uint64_t a = buf(f, 16);
    uint8_t b[8] = {VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET};
    memcpy(b + 2, mac, sizeof(mac));
    wmem(f, DRV, a, b, sizeof(b));
    desc_at(f, cq, 0, a, sizeof(b), VIRTQ_DESC_F_NEXT, 1);
    desc_at(f, cq, 1, a + 8, 1, VIRTQ_DESC_F_WRITE, 0);
    publish_head(f, MODEL_NET_CTRLQ, 0);
    notify(f, MODEL_NET_CTRLQ);
    end_event(f);
    rmem(f, DEV, a, sizeof(b));
    if (ack == VIRTIO_NET_OK && !bad)
      memcpy(f->cfg_mac, mac, sizeof(mac));
    wmem(f, DEV, a + 8, &ack, 1);
    dev_use(f, MODEL_NET_CTRLQ, 0, 1);
    irq(f, MODEL_MMIO_INT_VRING);
    end_event(f);
    handler(f, MODEL_MMIO_INT_VRING);
    end_event(f);
  }
}

/* 5.1.9.5.2.2#1: no MAC command without CTRL_RX */
static void c_5_1_9_5_2_2_1(struct fx *f, bool bad) {
  f->accepted = f->offered = CTRL_FEATURES | (bad ? 0 : F(VIRTIO_NET_F_CTRL_RX));
  up(f);
  ctrl_cmd(f, VIRTIO_NET_CTRL_MAC, VIRTIO_NET_CTRL_MAC_ADDR_SET);
}

/* 5.1.9.5.2.2#3: MAC_TABLE_SET data is le32 count + macs, twice, filling
 * the data exactly; the bad run counts 2 unicast addresses but has one. The
 * header and the data are separate descriptors, the data itself 14 bytes:
 * one unicast table of one address and an empty multicast table. */
static void c_5_1_9_5_2_2_3(struct fx *f, bool bad) {
  f->accepted = f->offered = CTRL_FEATURES | F(VIRTIO_NET_F_CTRL_RX);
  up(f);
  uint64_t a = buf(f, 32);
  uint8_t b[2 + 14 + 1] = {VIRTIO_NET_CTRL_MAC,
                           VIRTIO_NET_CTRL_MAC_TABLE_SET,
                           bad ? 2 : 1,
                           0,
                           0,
                           0,
                           0x02,
                           0,
                           0,
                           0,
                           0,
                           0x01,
                           0,
                           0,
                           0,
                           0,
                           0};
  wmem(f, DRV, a, b, sizeof(b));
  uint64_t cq = q_desc(MODEL_NET_CTRLQ);
  desc_at(f, cq, 0, a, 2, VIRTQ_DESC_F_NEXT, 1);
  desc_at(f, cq, 1, a + 2, 14, VIRTQ_DESC_F_NEXT, 2);
  desc_at(f, cq, 2, a + 16, 1, VIRTQ_DESC_F_WRITE, 0);
  publish_head(f, MODEL_NET_CTRLQ, 0);
  notify(f, MODEL_NET_CTRLQ);
  end_event(f);
}

/* 2.1.2#1: no used entry before DRIVER_OK */
static void c_2_1_2_1(struct fx *f, bool bad) {
  setup(f);
  if (!bad) {
    status_add(f, VIRTIO_STATUS_DRIVER_OK);
    add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false);
    notify(f, MODEL_NET_TXQ);
  }
  end_event(f);
  dev_use(f, MODEL_NET_TXQ, 0, 0);
  if (!bad)
    irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 2.4.1#2: after a reset, no used entry until DRIVER_OK again */
static void c_2_4_1_2(struct fx *f, bool bad) {
  up(f);
  reset(f);
  status_add(f, VIRTIO_STATUS_ACKNOWLEDGE);
  status_add(f, VIRTIO_STATUS_DRIVER);
  features_read(f);
  features_write(f);
  features_ok(f, true);
  for (unsigned q = 0; q < QUEUES; q++)
    queue_setup(f, q);
  if (!bad) {
    status_add(f, VIRTIO_STATUS_DRIVER_OK);
    add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false);
    notify(f, MODEL_NET_TXQ);
  }
  end_event(f);
  dev_use(f, MODEL_NET_TXQ, 0, 0);
  if (!bad)
    irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 4.2.2.1#7: no access to a queue that is not ready (accesses) */
static void c_4_2_2_1_7(struct fx *f, bool bad) {
  up(f);
  rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  rw(f, MODEL_MMIO_QUEUE_READY, 0);
  rr(f, MODEL_MMIO_QUEUE_READY, 0);
  end_event(f);
  rmem(f, DEV, q_avail(bad ? 0u : 1u) + MODEL_SPLIT_AVAIL_OFF_IDX, 2);
  end_event(f);
}

/* 2.1.2#3: DEVICE_NEEDS_RESET with DRIVER_OK comes with a config interrupt */
static void c_2_1_2_3(struct fx *f, bool bad) {
  up(f);
  if (!bad) {
    irq(f, MODEL_MMIO_INT_CONFIG);
    end_event(f);
  }
  rr(f, MODEL_MMIO_STATUS, (uint32_t)(f->status | VIRTIO_STATUS_DEVICE_NEEDS_RESET));
  end_event(f);
}

/* 4.2.2.1#1, #2: magic and version */
static void c_4_2_2_1_1(struct fx *f, bool bad) {
  rr(f, MODEL_MMIO_MAGIC_VALUE, bad ? 0x12345678u : MODEL_MMIO_MAGIC);
  rr(f, MODEL_MMIO_VERSION_REG, MODEL_MMIO_VERSION);
}

static void c_4_2_2_1_2(struct fx *f, bool bad) {
  rr(f, MODEL_MMIO_MAGIC_VALUE, MODEL_MMIO_MAGIC);
  rr(f, MODEL_MMIO_VERSION_REG, bad ? 1u : MODEL_MMIO_VERSION);
}

/* 4.2.2.1#3: a raised bit stays until acknowledged */
static void c_4_2_2_1_3(struct fx *f, bool bad) {
  up(f);
  irq(f, MODEL_MMIO_INT_CONFIG);
  end_event(f);
  handler(f, bad ? 0u : MODEL_MMIO_INT_CONFIG);
}

/* 4.2.2.1#4: the used buffer bit only with a used buffer */
static void c_4_2_2_1_4(struct fx *f, bool bad) {
  up(f);
  if (!bad) {
    add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false);
    notify(f, MODEL_NET_TXQ);
    end_event(f);
    dev_use(f, MODEL_NET_TXQ, 0, 0);
  }
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
  handler(f, MODEL_MMIO_INT_VRING);
}

/* 4.2.2.1#5: reset clears QueueReady */
static void c_4_2_2_1_5(struct fx *f, bool bad) {
  up(f);
  reset(f);
  rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  rr(f, MODEL_MMIO_QUEUE_READY, bad ? 1u : 0u);
}

/* 4.2.2.1#5: reset clears InterruptStatus */
static void c_4_2_2_1_5_isr(struct fx *f, bool bad) {
  up(f);
  irq(f, MODEL_MMIO_INT_CONFIG); /* never handled: pending at the reset */
  end_event(f);
  reset(f);
  model_mon_irq_deliver(f->mon, MODEL_MMIO_INT_CONFIG);
  rr(f, MODEL_MMIO_INTERRUPT_STATUS, bad ? MODEL_MMIO_INT_CONFIG : 0u);
  if (bad)
    rw(f, MODEL_MMIO_INTERRUPT_ACK, MODEL_MMIO_INT_CONFIG);
  end_event(f);
}

/* 4.2.2.1#6: one generation, one content */
static void c_4_2_2_1_6(struct fx *f, bool bad) {
  up(f);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 5);
  cr(f, 0, 1, 0x52);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 5);
  end_event(f);
  uint32_t gen = bad ? 5u : 6u;
  rr(f, MODEL_MMIO_CONFIG_GENERATION, gen);
  cr(f, 0, 1, 0x53);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, gen);
}

/* 2.5.2#1: the mac read before FEATURES_OK (bad: 0) reads the same after
 * it in the same generation; a different byte is 4.2.2.1#6 too. */
static void c_2_5_2_1(struct fx *f, bool bad) {
  begin(f);
  features_read(f);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 2);
  cr(f, MODEL_NET_CFG_OFF_MAC, 1, bad ? 0u : 0x52u);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 2);
  features_write(f);
  features_ok(f, true);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 2);
  cr(f, MODEL_NET_CFG_OFF_MAC, 1, 0x52u);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 2);
}

/* 5.1.4.1#2: mtu of 68 or more when MTU is offered */
static void c_5_1_4_1_2(struct fx *f, bool bad) {
  f->offered = MTU_FEATURES;
  begin(f);
  features_read(f);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 0);
  cr(f, MODEL_NET_CFG_OFF_MTU, 2, bad ? 67u : 68u);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 0);
}

/* 5.1.4.1#3 (SHOULD): mtu of 1280 or more when MTU is offered */
static void c_5_1_4_1_3(struct fx *f, bool bad) {
  f->offered = MTU_FEATURES;
  begin(f);
  features_read(f);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 0);
  cr(f, MODEL_NET_CFG_OFF_MTU, 2, bad ? 1279u : 1280u);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 0);
}

/* 5.1.4.1#4: mtu never changes, not even across a reset */
static void c_5_1_4_1_4(struct fx *f, bool bad) {
  f->accepted = f->offered = MTU_FEATURES;
  up(f);
  f->mtu = bad ? 1499u : 1500u;
  setup(f);
  status_add(f, VIRTIO_STATUS_DRIVER_OK);
  end_event(f);
}

/* 2.7.5.1#1: no device write to a readable buffer (accesses) */
static void c_2_7_5_1_1(struct fx *f, bool bad) {
  up(f);
  uint64_t a = tx_hdr_buf(f);
  add1(f, MODEL_NET_TXQ, a, 20, false);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
  if (bad)
    wle(f, DEV, a + 4, 0, 1);
  else
    rmem(f, DEV, a, 20);
  end_event(f);
}

/* 2.7.5.1#2: no device read of a writable buffer (accesses) */
static void c_2_7_5_1_2(struct fx *f, bool bad) {
  up(f);
  uint64_t a = buf(f, 1526);
  add1(f, MODEL_NET_RXQ, a, 1526, true);
  notify(f, MODEL_NET_RXQ);
  end_event(f);
  if (bad)
    rmem(f, DEV, a + 100, 4);
  else
    wle(f, DEV, a + 100, 0, 4);
  end_event(f);
}

/* 2.7.5.1#3: no device write to a descriptor table (accesses) */
static void c_2_7_5_1_3(struct fx *f, bool bad) {
  up(f);
  add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
  if (bad)
    wle(f, DEV, q_desc(MODEL_NET_TXQ) + MODEL_SPLIT_DESC_OFF_LEN, 0, 4);
  else
    rmem(f, DEV, q_desc(MODEL_NET_TXQ), MODEL_SPLIT_DESC_SIZE);
  end_event(f);
}

/* One transmit buffer, published and notified; the device uses it. */
static void tx_used(struct fx *f, bool raise) {
  add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
  dev_use(f, MODEL_NET_TXQ, 0, 0);
  if (raise)
    irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 2.7.7.2#2: no interrupt with NO_INTERRUPT set */
static void c_2_7_7_2_2(struct fx *f, bool bad) {
  up(f);
  wle(f, DRV, q_avail(MODEL_NET_TXQ) + MODEL_SPLIT_AVAIL_OFF_FLAGS, VIRTQ_AVAIL_F_NO_INTERRUPT, 2);
  tx_used(f, bad);
}

/* 2.7.7.2#3: an interrupt with avail flags 0 */
static void c_2_7_7_2_3(struct fx *f, bool bad) {
  up(f);
  tx_used(f, !bad);
}

/* 2.7.7.2#5: an interrupt when used idx crosses used_event */
static void c_2_7_7_2_5(struct fx *f, bool bad) {
  f->accepted = f->offered = EVI_FEATURES;
  up(f);
  tx_used(f, !bad);
}

/* 2.7.7.2#6: none when used_event was not crossed */
static void c_2_7_7_2_6(struct fx *f, bool bad) {
  f->accepted = f->offered = EVI_FEATURES;
  up(f);
  wle(f, DRV, q_avail(MODEL_NET_TXQ) + model_split_used_event_off(NUM), 5, 2);
  tx_used(f, bad);
}

/* 2.7.8.2#1: the element before the used idx (accesses) */
static void c_2_7_8_2_1(struct fx *f, bool bad) {
  up(f);
  add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), 20, false);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
  if (bad) {
    dev_used_idx(f, MODEL_NET_TXQ, 1);
    f->used_idx[MODEL_NET_TXQ] = 0;
    dev_used_elem(f, MODEL_NET_TXQ, 0, 0);
    f->used_idx[MODEL_NET_TXQ] = 1;
  } else {
    dev_use(f, MODEL_NET_TXQ, 0, 0);
  }
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 2.7.8.2#2: used len within the writable bytes */
static void c_2_7_8_2_2(struct fx *f, bool bad) {
  up(f);
  uint64_t a = buf(f, 1526);
  uint16_t head = add1(f, MODEL_NET_RXQ, a, 1526, true);
  notify(f, MODEL_NET_RXQ);
  end_event(f);
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS] = 1;
  wmem(f, DEV, a, hdr, sizeof(hdr));
  dev_use(f, MODEL_NET_RXQ, head, bad ? 1527u : 1526u);
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 2.7.10.2#1: used flags 0 or 1 without EVENT_IDX */
static void c_2_7_10_2_1(struct fx *f, bool bad) {
  up(f);
  wle(f, DEV, q_used(0) + MODEL_SPLIT_USED_OFF_FLAGS, bad ? 2u : 1u, 2);
  end_event(f);
}

/* 2.7.10.2#2: used flags 0 with EVENT_IDX */
static void c_2_7_10_2_2(struct fx *f, bool bad) {
  f->accepted = f->offered = EVI_FEATURES;
  up(f);
  wle(f, DEV, q_used(0) + MODEL_SPLIT_USED_OFF_FLAGS, bad ? 1u : 0u, 2);
  if (!bad)
    wle(f, DEV, q_used(0) + model_split_avail_event_off(NUM), 1, 2);
  end_event(f);
}

/* The device receives one frame of frame_len bytes into a fresh buffer of
 * buf_len bytes, with this header, and publishes it with used_count
 * entries (the first carrying the frame). */
static void rx_one(struct fx *f, uint32_t buf_len, uint8_t flags, uint8_t gso, uint16_t num_buffers,
                   uint32_t frame_len) {
  uint64_t a = buf(f, buf_len);
  uint16_t head = add1(f, MODEL_NET_RXQ, a, buf_len, true);
  notify(f, MODEL_NET_RXQ);
  end_event(f);
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_FLAGS] = flags;
  hdr[MODEL_NET_HDR_OFF_GSO_TYPE] = gso;
  hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS] = (uint8_t)num_buffers;
  wmem(f, DEV, a, hdr, sizeof(hdr));
  dev_use(f, MODEL_NET_RXQ, head, MODEL_NET_HDR_SIZE + frame_len);
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 5.1.9.4.1#1: num_buffers 1 without MRG_RXBUF */
static void c_5_1_9_4_1_1(struct fx *f, bool bad) {
  up(f);
  rx_one(f, 1526, 0, 0, (uint16_t)(bad ? 0u : 1u), 60);
}

/* 5.1.9.4.1#2: num_buffers counts the used buffers, with MRG_RXBUF */
static void c_5_1_9_4_1_2(struct fx *f, bool bad) {
  f->accepted = f->offered = MRG_FEATURES;
  up(f);
  rx_one(f, 256, 0, 0, (uint16_t)(bad ? 0u : 1u), 60);
}

/* Two 64-byte receive buffers posted with MRG_RXBUF, the first holding a
 * header with num_buffers 2; their heads in h[0], h[1]. */
static void rx_two_posted(struct fx *f, uint16_t h[2]) {
  f->accepted = f->offered = MRG_FEATURES;
  up(f);
  uint64_t a = buf(f, 64), b = buf(f, 64);
  h[0] = add1(f, MODEL_NET_RXQ, a, 64, true);
  h[1] = add1(f, MODEL_NET_RXQ, b, 64, true);
  notify(f, MODEL_NET_RXQ);
  end_event(f);
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS] = 2;
  wmem(f, DEV, a, hdr, sizeof(hdr));
}

/* The device uses both buffers (the first with len0 bytes, the second with
 * 10): idx_between writes the used idx after the first one too, sync_between
 * ends the event there. */
static void rx_two_used(struct fx *f, const uint16_t h[2], uint32_t len0, bool idx_between,
                        bool sync_between) {
  dev_used_elem(f, MODEL_NET_RXQ, h[0], len0);
  if (idx_between)
    dev_used_idx(f, MODEL_NET_RXQ, (uint16_t)(f->used_idx[MODEL_NET_RXQ] + 1u));
  else
    f->used_idx[MODEL_NET_RXQ]++;
  if (sync_between) {
    irq(f, MODEL_MMIO_INT_VRING);
    end_event(f);
  }
  dev_used_elem(f, MODEL_NET_RXQ, h[1], 10);
  dev_used_idx(f, MODEL_NET_RXQ, (uint16_t)(f->used_idx[MODEL_NET_RXQ] + 1u));
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 5.1.9.3.2#1 with MRG_RXBUF: num_buffers 2, the second buffer used with
 * len1 bytes after a first one of len0 bytes; one publication. */
static void rx_two_lens(struct fx *f, uint32_t len0, uint32_t len1) {
  uint16_t h[2];
  rx_two_posted(f, h);
  dev_used_elem(f, MODEL_NET_RXQ, h[0], len0);
  f->used_idx[MODEL_NET_RXQ]++;
  dev_used_elem(f, MODEL_NET_RXQ, h[1], len1);
  dev_used_idx(f, MODEL_NET_RXQ, (uint16_t)(f->used_idx[MODEL_NET_RXQ] + 1u));
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 5.1.9.3.2#1: the last buffer num_buffers counts holds part of the packet */
static void c_5_1_9_3_2_1(struct fx *f, bool bad) {
  rx_two_lens(f, 64, bad ? 0u : 1u);
}

/* 5.1.9.3.2#1: an empty last buffer after a partly filled one is this rule
 * alone (the packet ended in the first buffer: #3 does not judge it) */
static void c_5_1_9_3_2_1_partial(struct fx *f, bool bad) {
  rx_two_lens(f, bad ? 40u : 64u, bad ? 0u : 1u);
}

/* 5.1.9.3.2#2 without MRG_RXBUF: two 1526-byte buffers used in one
 * publication. Clean: two packets, each with num_buffers 1. Bad: one packet
 * in both, num_buffers 2 (also 5.1.9.4.1#1), the second buffer holding
 * frame bytes that would break the header rules if taken for a header. */
static void c_5_1_9_3_2_2(struct fx *f, bool bad) {
  up(f);
  uint64_t a = buf(f, 1526), b = buf(f, 1526);
  uint16_t h0 = add1(f, MODEL_NET_RXQ, a, 1526, true);
  uint16_t h1 = add1(f, MODEL_NET_RXQ, b, 1526, true);
  notify(f, MODEL_NET_RXQ);
  end_event(f);
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS] = bad ? 2u : 1u;
  wmem(f, DEV, a, hdr, sizeof(hdr));
  uint8_t rest[MODEL_NET_HDR_SIZE];
  memset(rest, 0xff, sizeof(rest));
  wmem(f, DEV, b, bad ? rest : hdr, sizeof(hdr));
  dev_used_elem(f, MODEL_NET_RXQ, h0, MODEL_NET_HDR_SIZE + 30u);
  f->used_idx[MODEL_NET_RXQ]++;
  dev_used_elem(f, MODEL_NET_RXQ, h1, bad ? 30u : MODEL_NET_HDR_SIZE + 60u);
  dev_used_idx(f, MODEL_NET_RXQ, (uint16_t)(f->used_idx[MODEL_NET_RXQ] + 1u));
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 5.1.9.4.1#3 with MRG_RXBUF: a packet over two buffers, the first full. */
static void c_5_1_9_4_1_3(struct fx *f, bool bad) {
  uint16_t h[2];
  rx_two_posted(f, h);
  rx_two_used(f, h, bad ? 63u : 64u, false, false); /* 63: not full, yet the packet goes on */
}

/* 5.1.9.4.1#4: a packet's buffers become used together (the first one
 * seen alone at a synchronisation point) */
static void c_5_1_9_4_1_4(struct fx *f, bool bad) {
  uint16_t h[2];
  rx_two_posted(f, h);
  rx_two_used(f, h, 64, bad, bad);
}

/* 5.1.9.4.1#4 (accesses): the used idx written after each buffer, in one
 * event of the device */
static void c_5_1_9_4_1_4_idx(struct fx *f, bool bad) {
  uint16_t h[2];
  rx_two_posted(f, h);
  rx_two_used(f, h, 64, bad, false);
}

/* 5.1.9.4.1#5: rx flags 0 without GUEST_CSUM */
static void c_5_1_9_4_1_5(struct fx *f, bool bad) {
  up(f);
  rx_one(f, 1526, bad ? VIRTIO_NET_HDR_F_DATA_VALID : 0, 0, 1, 60);
}

/* 5.1.9.4.1#24: rx gso_type NONE without a GUEST_ GSO feature. The bad
 * value is the ECN bit alone: every GSO type has its own rule as well
 * (#7 to #10), which would fire with it. */
static void c_5_1_9_4_1_24(struct fx *f, bool bad) {
  up(f);
  rx_one(f, 1526, 0, bad ? VIRTIO_NET_HDR_GSO_ECN : 0, 1, 60);
}

/* 5.1.9.4.1#7: no TCPV4 rx gso_type without GUEST_TSO4 (GUEST_TSO6 is
 * negotiated, so #24 allows GSO and TCPV6 is the clean twin) */
static void c_5_1_9_4_1_7(struct fx *f, bool bad) {
  f->accepted = f->offered =
      BASE_FEATURES | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO6);
  up(f);
  rx_one(f, 1526, 0, bad ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6, 1, 60);
}

/* 5.1.9.4.1#9: no TCPV6 rx gso_type without GUEST_TSO6 (GUEST_TSO4 is
 * negotiated; TCPV4 with ECN is the clean twin) */
static void c_5_1_9_4_1_9(struct fx *f, bool bad) {
  f->accepted = f->offered =
      BASE_FEATURES | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_TSO4);
  up(f);
  rx_one(f, 1526, 0,
         bad ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN, 1, 60);
}

/* 5.1.9.4.1#8: no UDP rx gso_type without GUEST_UFO (GUEST_USO4 is
 * negotiated, so #24 allows GSO and UDP_L4 is the clean twin) */
static void c_5_1_9_4_1_8(struct fx *f, bool bad) {
  f->accepted = f->offered =
      BASE_FEATURES | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_USO4);
  up(f);
  rx_one(f, 1526, 0, bad ? VIRTIO_NET_HDR_GSO_UDP : VIRTIO_NET_HDR_GSO_UDP_L4, 1, 60);
}

/* 5.1.9.4.1#10: no UDP_L4 rx gso_type without GUEST_USO4 or GUEST_USO6
 * (GUEST_UFO is negotiated; UDP with ECN is the clean twin) */
static void c_5_1_9_4_1_10(struct fx *f, bool bad) {
  f->accepted = f->offered = BASE_FEATURES | F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_GUEST_UFO);
  up(f);
  rx_one(f, 1526, 0,
         bad ? VIRTIO_NET_HDR_GSO_UDP_L4 : VIRTIO_NET_HDR_GSO_UDP | VIRTIO_NET_HDR_GSO_ECN, 1, 60);
}

/* 5.1.9.4.1#28: no RSC_INFO without RSC_EXT (GUEST_CSUM: flags may be set) */
static void c_5_1_9_4_1_28(struct fx *f, bool bad) {
  f->accepted = f->offered = BASE_FEATURES | F(VIRTIO_NET_F_GUEST_CSUM);
  up(f);
  rx_one(f, 1526, bad ? VIRTIO_NET_HDR_F_RSC_INFO : VIRTIO_NET_HDR_F_DATA_VALID, 0, 1, 60);
}

/* 5.1.4.1#5: rx frame within mtu + 14 */
static void c_5_1_4_1_5(struct fx *f, bool bad) {
  f->accepted = f->offered = MTU_FEATURES;
  up(f);
  rx_one(f, 1600, 0, 0, 1, bad ? 1515u : 1514u);
}

/* 3.1.1#4: a refused FEATURES_OK is given up with FAILED before the reset */
static void c_3_1_1_4(struct fx *f, bool bad) {
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, false);
  if (!bad)
    status_add(f, VIRTIO_STATUS_FAILED);
  reset(f);
}

/* 3.1.1#5: after a refused FEATURES_OK, no queue set up before a reset */
static void c_3_1_1_5(struct fx *f, bool bad) {
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, false);
  status_add(f, VIRTIO_STATUS_FAILED);
  if (bad)
    rw(f, MODEL_MMIO_QUEUE_SEL, 0);
  reset(f);
  rw(f, MODEL_MMIO_QUEUE_SEL, 0);
}

/* 4.2.2.2#6: after a wrong MagicValue only MagicValue and Version again */
static void c_4_2_2_2_6(struct fx *f, bool bad) {
  rr(f, MODEL_MMIO_MAGIC_VALUE, 0x12345678u);
  rr(f, MODEL_MMIO_VERSION_REG, MODEL_MMIO_VERSION);
  rr(f, bad ? MODEL_MMIO_DEVICE_ID : MODEL_MMIO_MAGIC_VALUE, bad ? VIRTIO_ID_NET : 0x12345678u);
}

/* 4.2.2.2#7: after a wrong Version only MagicValue and Version again */
static void c_4_2_2_2_7(struct fx *f, bool bad) {
  rr(f, MODEL_MMIO_MAGIC_VALUE, MODEL_MMIO_MAGIC);
  rr(f, MODEL_MMIO_VERSION_REG, 1u);
  if (bad)
    rw(f, MODEL_MMIO_STATUS, 0);
  else
    rr(f, MODEL_MMIO_VERSION_REG, 1u);
}

/* 4.2.2.2#8, 4.2.3.1.1#4: after DeviceID read 0, no register access at
 * all; the clean twin reads a nonzero id and goes on. */
static void c_device_id_zero(struct fx *f, bool bad) {
  rr(f, MODEL_MMIO_MAGIC_VALUE, MODEL_MMIO_MAGIC);
  rr(f, MODEL_MMIO_VERSION_REG, MODEL_MMIO_VERSION);
  rr(f, MODEL_MMIO_DEVICE_ID, bad ? 0u : VIRTIO_ID_NET);
  rr(f, MODEL_MMIO_VENDOR_ID, 0u);
}

/* 4.2.3.1.1#2: DeviceID right after a valid MagicValue and Version */
static void c_4_2_3_1_1_2(struct fx *f, bool bad) {
  rr(f, MODEL_MMIO_MAGIC_VALUE, MODEL_MMIO_MAGIC);
  rr(f, MODEL_MMIO_VERSION_REG, MODEL_MMIO_VERSION);
  rr(f, bad ? MODEL_MMIO_VENDOR_ID : MODEL_MMIO_DEVICE_ID, bad ? 0u : VIRTIO_ID_NET);
  rr(f, bad ? MODEL_MMIO_DEVICE_ID : MODEL_MMIO_VENDOR_ID, bad ? VIRTIO_ID_NET : 0u);
}

/* 4.2.3.1.1#5: no shared memory register touched (QueueSel, just below
 * SHMSel, is fine) */
static void c_4_2_3_1_1_5(struct fx *f, bool bad) {
  ident(f);
  rw(f, bad ? MODEL_MMIO_SHM_SEL : MODEL_MMIO_QUEUE_SEL, 0);
}

static const uint8_t test_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

/* 5.1.4.2#3: with MAC, frames leave from the config mac */
static void c_5_1_4_2_3(struct fx *f, bool bad) {
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, true);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 0);
  for (uint32_t i = 0; i < 6u; i++)
    cr(f, MODEL_NET_CFG_OFF_MAC + i, 1, test_mac[i]);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 0);
  for (unsigned q = 0; q < QUEUES; q++)
    queue_setup(f, q);
  status_add(f, VIRTIO_STATUS_DRIVER_OK);
  end_event(f);
  uint8_t frame[MODEL_NET_HDR_SIZE + 60] = {0};
  memcpy(frame + MODEL_NET_HDR_SIZE + 6, test_mac, sizeof(test_mac));
  frame[MODEL_NET_HDR_SIZE + 11] ^= bad ? 1u : 0u;
  uint64_t a = buf(f, sizeof(frame));
  wmem(f, DRV, a, frame, sizeof(frame));
  add1(f, MODEL_NET_TXQ, a, sizeof(frame), false);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
}

/* 5.1.4.2#8: with MTU (2000 here) and without MRG_RXBUF, rx buffers hold a
 * header and mtu + 14 */
static void c_5_1_4_2_8(struct fx *f, bool bad) {
  f->accepted = f->offered = MTU_FEATURES;
  f->mtu = 2000;
  up(f);
  rx_post(f, bad ? 2025u : 2026u);
}

/* 5.1.9.2.1#1: a whole 12-byte header in every tx chain */
static void c_5_1_9_2_1_1(struct fx *f, bool bad) {
  up(f);
  add1(f, MODEL_NET_TXQ, tx_hdr_buf(f), bad ? 11u : 12u, false);
  notify(f, MODEL_NET_TXQ);
  end_event(f);
}

/* 5.1.9.5.1.2#2: no RX_ALLUNI without CTRL_RX_EXTRA */
static void c_5_1_9_5_1_2_2(struct fx *f, bool bad) {
  f->accepted = f->offered =
      CTRL_FEATURES | F(VIRTIO_NET_F_CTRL_RX) | (bad ? 0 : F(VIRTIO_NET_F_CTRL_RX_EXTRA));
  up(f);
  ctrl_cmd(f, VIRTIO_NET_CTRL_RX, VIRTIO_NET_CTRL_RX_ALLUNI);
}

/* ---- packed virtqueues and in-order use (2.8, 2.7.9, 6.2#3) -------------------------------- */

/* 2.8.11#1: descriptor ring 16-aligned, event areas 4-aligned */
static void c_2_8_11_1(struct fx *f, bool bad) {
  f->accepted = f->offered = PK_FEATURES;
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, true);
  rw(f, MODEL_MMIO_QUEUE_SEL, PQ);
  rr(f, MODEL_MMIO_QUEUE_READY, 0);
  rr(f, MODEL_MMIO_QUEUE_SIZE_MAX, 256);
  rw(f, MODEL_MMIO_QUEUE_SIZE, 5); /* packed sizes need not be powers of two */
  rw(f, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)q_desc(PQ));
  rw(f, MODEL_MMIO_QUEUE_DESC_HIGH, 0);
  rw(f, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q_avail(PQ) + (bad ? 2u : 4u));
  rw(f, MODEL_MMIO_QUEUE_DRIVER_HIGH, 0);
  rw(f, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q_used(PQ));
  rw(f, MODEL_MMIO_QUEUE_DEVICE_HIGH, 0);
  rw(f, MODEL_MMIO_QUEUE_READY, 1);
  status_add(f, VIRTIO_STATUS_DRIVER_OK);
  end_event(f);
}

/* 4.2.2.1#7 around QueueReady: the device may initialise its own area as
 * part of the write that enables the queue (reported before that write),
 * not at another time while the queue is not ready */
static void c_4_2_2_1_7_enable(struct fx *f, bool bad) {
  f->accepted = f->offered = PK_FEATURES;
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, true);
  rw(f, MODEL_MMIO_QUEUE_SEL, PQ);
  rr(f, MODEL_MMIO_QUEUE_READY, 0);
  rr(f, MODEL_MMIO_QUEUE_SIZE_MAX, 256);
  rw(f, MODEL_MMIO_QUEUE_SIZE, NUM);
  rw(f, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)q_desc(PQ));
  rw(f, MODEL_MMIO_QUEUE_DESC_HIGH, 0);
  rw(f, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q_avail(PQ));
  rw(f, MODEL_MMIO_QUEUE_DRIVER_HIGH, 0);
  rw(f, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q_used(PQ));
  rw(f, MODEL_MMIO_QUEUE_DEVICE_HIGH, 0);
  wle(f, DEV, q_used(PQ) + MODEL_PACKED_EVENT_OFF_FLAGS, RING_EVENT_FLAGS_ENABLE, 2);
  if (bad)
    rr(f, MODEL_MMIO_QUEUE_READY, 0);
  rw(f, MODEL_MMIO_QUEUE_READY, 1);
  status_add(f, VIRTIO_STATUS_DRIVER_OK);
  end_event(f);
}

/* 2.8.12#1: lists are started in ring order */
static void c_2_8_12_1(struct fx *f, bool bad) {
  pk_up(f, 0);
  uint16_t a = pk_add(f, 1), b = pk_add(f, 1);
  notify(f, PQ);
  end_event(f);
  rmem(f, DEV, pk_slot_addr(bad ? 1 : 0), MODEL_PACKED_DESC_SIZE);
  rmem(f, DEV, pk_slot_addr(bad ? 0 : 1), MODEL_PACKED_DESC_SIZE);
  pk_use(f, a);
  pk_use(f, b);
  end_event(f);
}

/* 2.8.12#2: a used descriptor carries the used marking of its lap */
static void c_2_8_12_2(struct fx *f, bool bad) {
  pk_up(f, 0);
  uint16_t a = pk_send(f, 1);
  pk_used_at(f, a, 0, bad ? VIRTQ_DESC_F_USED : model_packed_used_bits(true), 1);
  end_event(f);
}

/* 2.8.12#2, a flush: used descriptors written ahead of the used position
 * with the first one's flags last; each must land on a used position */
static void c_2_8_12_2_flush(struct fx *f, bool bad) {
  pk_up(f, 0);
  uint16_t a = pk_add(f, 2), b = pk_add(f, 1);
  notify(f, PQ);
  end_event(f);
  uint64_t first = pk_slot_addr(0), second = pk_slot_addr(bad ? 1u : 2u);
  wle(f, DEV, first + MODEL_PACKED_DESC_OFF_LEN, 0, 4);
  wle(f, DEV, first + MODEL_PACKED_DESC_OFF_ID, a, 2);
  wle(f, DEV, second + MODEL_PACKED_DESC_OFF_LEN, 0, 4);
  wle(f, DEV, second + MODEL_PACKED_DESC_OFF_ID, b, 2);
  wle(f, DEV, second + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(true), 2);
  wle(f, DEV, first + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(true), 2);
  end_event(f);
}

/* 2.8.12#2 at the wrap: after a full lap the used marking follows the
 * flipped Device Ring Wrap Counter */
static void c_2_8_12_2_wrap(struct fx *f, bool bad) {
  pk_up(f, 0);
  for (unsigned i = 0; i < NUM; i++) {
    uint16_t id = pk_send(f, 1);
    pk_use(f, id);
    end_event(f);
  }
  assert_false(pk.dev.wrap);
  uint16_t id = pk_send(f, 1);
  pk_used_at(f, id, 0, model_packed_used_bits(bad), 1);
  end_event(f);
}

/* Payload rules on a packed receive queue: one 1526-byte buffer (two
 * 64-byte ones with MRG_RXBUF) made available on queue 0. */
static void pk_rx_header(struct fx *f, uint16_t id, uint16_t num_buffers) {
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS] = (uint8_t)num_buffers;
  wmem(f, DEV, pk.addr[id], hdr, sizeof(hdr));
}

/* 5.1.9.4.1#1 on a packed ring: num_buffers 1 without MRG_RXBUF */
static void c_5_1_9_4_1_1_packed(struct fx *f, bool bad) {
  pk_up(f, 0);
  pk.q = MODEL_NET_RXQ;
  uint16_t a = pk_add_flags(f, 1, 1526, NULL);
  notify(f, MODEL_NET_RXQ);
  end_event(f);
  pk_rx_header(f, a, (uint16_t)(bad ? 0u : 1u));
  pk_used_at(f, a, 60, model_packed_used_bits(true), 1);
  end_event(f);
}

/* 5.1.9.4.1#4 on a packed ring: a packet's used descriptors are exposed
 * together (the first one's flags last), not one event at a time */
static void c_5_1_9_4_1_4_packed(struct fx *f, bool bad) {
  pk_up(f, F(VIRTIO_NET_F_MRG_RXBUF));
  pk.q = MODEL_NET_RXQ;
  uint16_t a = pk_add_flags(f, 1, 64, NULL), b = pk_add_flags(f, 1, 64, NULL);
  notify(f, MODEL_NET_RXQ);
  end_event(f);
  pk_rx_header(f, a, 2);
  uint64_t first = pk_slot_addr(0), second = pk_slot_addr(1);
  wle(f, DEV, first + MODEL_PACKED_DESC_OFF_LEN, 64, 4);
  wle(f, DEV, first + MODEL_PACKED_DESC_OFF_ID, a, 2);
  if (bad) {
    wle(f, DEV, first + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(true), 2);
    end_event(f);
  }
  wle(f, DEV, second + MODEL_PACKED_DESC_OFF_LEN, 10, 4);
  wle(f, DEV, second + MODEL_PACKED_DESC_OFF_ID, b, 2);
  wle(f, DEV, second + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(true), 2);
  if (!bad)
    wle(f, DEV, first + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(true), 2);
  end_event(f);
}

/* 2.8.15#1: no device write into a device-readable buffer */
static void c_2_8_15_1(struct fx *f, bool bad) {
  pk_up(f, 0);
  const uint16_t kinds[2] = {0, VIRTQ_DESC_F_WRITE};
  uint16_t a = pk_add_flags(f, 2, 64, kinds);
  notify(f, PQ);
  end_event(f);
  uint8_t x[4] = {1, 2, 3, 4};
  wmem(f, DEV, pk.addr[a] + (bad ? 0u : 64u), x, sizeof(x));
  pk_use(f, a);
  end_event(f);
}

/* 2.8.15#2: no device read of a device-writable buffer */
static void c_2_8_15_2(struct fx *f, bool bad) {
  pk_up(f, 0);
  const uint16_t kinds[2] = {0, VIRTQ_DESC_F_WRITE};
  uint16_t a = pk_add_flags(f, 2, 64, kinds);
  notify(f, PQ);
  end_event(f);
  rmem(f, DEV, pk.addr[a] + (bad ? 64u : 0u), 4);
  pk_use(f, a);
  end_event(f);
}

/* 2.8.15#3: a used descriptor names an available buffer */
static void c_2_8_15_3(struct fx *f, bool bad) {
  pk_up(f, 0);
  uint16_t a = pk_send(f, 2);
  pk_used_at(f, bad ? (uint16_t)(a + 5u) : a, 0, model_packed_used_bits(true), 2);
  end_event(f);
}

/* 2.8.15#4: nothing changes a descriptor after its used marking */
static void c_2_8_15_4(struct fx *f, bool bad) {
  pk_up(f, 0);
  uint16_t a = pk_send(f, 1);
  pk_use(f, a);
  if (bad)
    wle(f, DEV, pk_slot_addr(0) + MODEL_PACKED_DESC_OFF_LEN, 7, 4);
  end_event(f);
}

/* 2.8.16#1: the driver leaves the device's descriptors alone */
static void c_2_8_16_1(struct fx *f, bool bad) {
  pk_up(f, 0);
  (void)pk_send(f, 1);
  wle(f, DRV, pk_slot_addr(bad ? 0 : 1) + MODEL_PACKED_DESC_OFF_LEN, 9, 4);
  end_event(f);
}

/* 2.8.16#2: a descriptor made available is not changed later */
static void c_2_8_16_2(struct fx *f, bool bad) {
  pk_up(f, 0);
  uint64_t a = buf(f, 128);
  pk_desc(f, pk_slot_addr(1), a + 64, 64, 0, pk_flags(1, 2, VIRTQ_DESC_F_WRITE));
  end_event(f);
  if (bad)
    wle(f, DRV, pk_slot_addr(1) + MODEL_PACKED_DESC_OFF_LEN, 32, 4);
  pk_desc(f, pk_slot_addr(0), a, 64, 0, pk_flags(0, 2, VIRTQ_DESC_F_WRITE));
  notify(f, PQ);
  end_event(f);
}

/* 2.8.17#2: no list longer than the queue size */
static void c_2_8_17_2(struct fx *f, bool bad) {
  pk_up(f, 0);
  uint64_t a = buf(f, 64u * NUM);
  for (uint32_t k = NUM; k-- > 0;) {
    uint16_t flags = pk_flags(k, NUM, VIRTQ_DESC_F_WRITE);
    if (bad)
      flags |= VIRTQ_DESC_F_NEXT;
    pk_desc(f, pk_slot_addr(k), a + 64u * k, 64, 0, flags);
  }
  notify(f, PQ);
  end_event(f);
}

/* 2.8.17#3: writable descriptors after readable ones */
static void c_2_8_17_3(struct fx *f, bool bad) {
  pk_up(f, 0);
  const uint16_t kinds[2] = {bad ? VIRTQ_DESC_F_WRITE : 0, bad ? 0 : VIRTQ_DESC_F_WRITE};
  (void)pk_add_flags(f, 2, 64, kinds);
  notify(f, PQ);
  end_event(f);
}

/* 2.8.17#5: a list only where it fits: its last slot must not lead into
 * a slot the device still owns */
static void c_2_8_17_5(struct fx *f, bool bad) {
  pk_up(f, 0);
  for (unsigned i = 0; i < NUM - 2u; i++)
    (void)pk_add(f, 1);
  notify(f, PQ);
  end_event(f);
  uint64_t a = buf(f, 128);
  pk_desc(f, pk_slot_addr(NUM - 1u), a + 64, 64, 9,
          (uint16_t)(pk_flags(1, 2, VIRTQ_DESC_F_WRITE) | (bad ? VIRTQ_DESC_F_NEXT : 0)));
  pk_desc(f, pk_slot_addr(NUM - 2u), a, 64, 9, pk_flags(0, 2, VIRTQ_DESC_F_WRITE));
  notify(f, PQ);
  end_event(f);
}

/* 2.8.17#6: the first descriptor of a list is made available last */
static void c_2_8_17_6(struct fx *f, bool bad) {
  pk_up(f, 0);
  uint64_t a = buf(f, 128);
  uint64_t first = pk_slot_addr(0), second = pk_slot_addr(1);
  pk_desc(f, bad ? first : second, bad ? a : a + 64, 64, 0,
          pk_flags(bad ? 0 : 1, 2, VIRTQ_DESC_F_WRITE));
  if (bad)
    end_event(f);
  pk_desc(f, bad ? second : first, bad ? a + 64 : a, 64, 0,
          pk_flags(bad ? 1 : 0, 2, VIRTQ_DESC_F_WRITE));
  notify(f, PQ);
  end_event(f);
}

/* An indirect table of n entries (inner flags on entry 1) in a list of
 * `list` descriptors, the table last. */
static void pk_indirect(struct fx *f, uint32_t n, uint16_t inner, uint32_t list) {
  uint64_t table = buf(f, n * MODEL_PACKED_DESC_SIZE), a = buf(f, 64u * (n + 1u));
  for (uint32_t i = 0; i < n; i++) {
    uint64_t e = table + model_packed_desc_off(i);
    wle(f, DRV, e + MODEL_PACKED_DESC_OFF_ADDR, a + 64u * i, 8);
    wle(f, DRV, e + MODEL_PACKED_DESC_OFF_LEN, 64, 4);
    wle(f, DRV, e + MODEL_PACKED_DESC_OFF_FLAGS, VIRTQ_DESC_F_WRITE | (i == 1 ? inner : 0), 2);
  }
  for (uint32_t k = list; k-- > 0;) {
    bool last = k + 1u == list;
    pk_desc(f, pk_slot_addr(k), last ? table : a + 64u * n, last ? n * MODEL_PACKED_DESC_SIZE : 64u,
            0, pk_flags(k, list, last ? VIRTQ_DESC_F_INDIRECT : 0));
  }
  notify(f, PQ);
  end_event(f);
}

/* 2.8.19#1: INDIRECT only with INDIRECT_DESC */
static void c_2_8_19_1(struct fx *f, bool bad) {
  pk_up(f, bad ? 0 : F(VIRTIO_F_INDIRECT_DESC));
  pk_indirect(f, 2, 0, 1);
}

/* 2.8.19#2: no flag but WRITE in an indirect table */
static void c_2_8_19_2(struct fx *f, bool bad) {
  pk_up(f, F(VIRTIO_F_INDIRECT_DESC));
  pk_indirect(f, 3, bad ? VIRTQ_DESC_F_NEXT : 0, 1);
}

/* 2.8.19#3: no indirect table longer than the queue size */
static void c_2_8_19_3(struct fx *f, bool bad) {
  pk_up(f, F(VIRTIO_F_INDIRECT_DESC));
  pk_indirect(f, bad ? NUM + 1u : NUM, 0, 1);
}

/* 2.8.19#4: no INDIRECT descriptor in a NEXT list */
static void c_2_8_19_4(struct fx *f, bool bad) {
  pk_up(f, F(VIRTIO_F_INDIRECT_DESC));
  pk_indirect(f, 2, 0, bad ? 2u : 1u);
}

/* 2.8.21.1.1#1: the descriptor is written before the flags that expose it */
static void c_2_8_21_1_1_1(struct fx *f, bool bad) {
  pk_up(f, 0);
  uint64_t a = buf(f, 64), d = pk_slot_addr(0);
  if (bad)
    wle(f, DRV, d + MODEL_PACKED_DESC_OFF_FLAGS, pk_flags(0, 1, VIRTQ_DESC_F_WRITE), 2);
  wle(f, DRV, d + MODEL_PACKED_DESC_OFF_ADDR, a, 8);
  wle(f, DRV, d + MODEL_PACKED_DESC_OFF_LEN, 64, 4);
  if (!bad)
    wle(f, DRV, d + MODEL_PACKED_DESC_OFF_FLAGS, pk_flags(0, 1, VIRTQ_DESC_F_WRITE), 2);
  notify(f, PQ);
  end_event(f);
}

/* 2.8.21.3.1#1: a notification is skipped only on a fresh DISABLE (or an
 * event descriptor not reached) */
static void c_2_8_21_3_1_1(struct fx *f, bool bad) {
  pk_up(f, 0);
  pk_dev_event(f, (uint16_t)(bad ? RING_EVENT_FLAGS_ENABLE : RING_EVENT_FLAGS_DISABLE), 0);
  end_event(f);
  (void)pk_add(f, 1);
  rmem(f, DRV, q_used(PQ), MODEL_PACKED_EVENT_SIZE);
  end_event(f);
}

/* The same with EVENT_IDX: the event descriptor was passed. */
static void c_2_8_21_3_1_1_desc(struct fx *f, bool bad) {
  pk_up(f, F(VIRTIO_F_EVENT_IDX));
  struct model_packed_pos at = model_packed_pos_advance(pk.drv, bad ? 0u : 1u, NUM);
  pk_dev_event(f, RING_EVENT_FLAGS_DESC, model_packed_event_encode(at));
  end_event(f);
  (void)pk_add(f, 1);
  rmem(f, DRV, q_used(PQ), MODEL_PACKED_EVENT_SIZE);
  end_event(f);
}

/* The driver read the device area before its flags write: stale. */
static void c_2_8_21_3_1_1_stale(struct fx *f, bool bad) {
  pk_up(f, 0);
  pk_dev_event(f, RING_EVENT_FLAGS_DISABLE, 0);
  end_event(f);
  if (bad)
    rmem(f, DRV, q_used(PQ), MODEL_PACKED_EVENT_SIZE);
  (void)pk_add(f, 1);
  if (!bad)
    rmem(f, DRV, q_used(PQ), MODEL_PACKED_EVENT_SIZE);
  end_event(f);
}

/* 6.2#3, packed: a buffer a batch skipped is not used again */
static void c_6_2_3_packed(struct fx *f, bool bad) {
  pk_up(f, F(VIRTIO_F_IN_ORDER));
  uint16_t a = pk_add(f, 1), b = pk_add(f, 2);
  notify(f, PQ);
  end_event(f);
  pk_used_at(f, b, 0, model_packed_used_bits(true), 3); /* a batch: a and b */
  end_event(f);
  if (bad)
    pk_used_at(f, a, 0, model_packed_used_bits(true), 1);
  end_event(f);
}

/* 6.2#3, packed with accesses: a flush writes the second buffer's used
 * descriptor at the used position (a batch of both) and the first one's in
 * the slot the batch skips; the twin uses them in order, one each */
static void c_6_2_3_packed_swapped(struct fx *f, bool bad) {
  pk_up(f, F(VIRTIO_F_IN_ORDER));
  uint16_t a = pk_add(f, 1), b = pk_add(f, 1);
  notify(f, PQ);
  end_event(f);
  uint64_t first = pk_slot_addr(0), second = pk_slot_addr(1);
  wle(f, DEV, first + MODEL_PACKED_DESC_OFF_LEN, 0, 4);
  wle(f, DEV, first + MODEL_PACKED_DESC_OFF_ID, bad ? b : a, 2);
  wle(f, DEV, second + MODEL_PACKED_DESC_OFF_LEN, 0, 4);
  wle(f, DEV, second + MODEL_PACKED_DESC_OFF_ID, bad ? a : b, 2);
  wle(f, DEV, second + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(true), 2);
  wle(f, DEV, first + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(true), 2);
  end_event(f);
}

/* Wrapping twice with chains across the end, batches and singles: clean. */
static void c_packed_wraps_clean(struct fx *f, bool bad) {
  (void)bad;
  pk_up(f, F(VIRTIO_F_IN_ORDER));
  for (unsigned round = 0; round < 12; round++) {
    uint16_t a = pk_add(f, 3), b = pk_add(f, 2);
    notify(f, PQ);
    end_event(f);
    rmem(f, DEV, pk_slot_addr(model_packed_pos_advance(pk.dev, 0, NUM).idx), 16);
    if (round % 2 == 0) {
      pk_used_at(f, b, 0, model_packed_used_bits(pk.dev.wrap), 5);
    } else {
      pk_use(f, a);
      pk_use(f, b);
    }
    end_event(f);
  }
}

/* 6.2#3, split: one used entry stands for a batch of the oldest buffers,
 * and the used idx covers the batch */
static void c_6_2_3_split(struct fx *f, bool bad) {
  f->accepted = f->offered = BASE_FEATURES | F(VIRTIO_F_IN_ORDER);
  up(f);
  uint64_t a = buf(f, 64);
  (void)add1(f, PQ, a, 64, true);
  (void)add1(f, PQ, a + 64, 64, true);
  notify(f, PQ);
  end_event(f);
  dev_used_elem(f, PQ, 1, 64);
  dev_used_idx(f, PQ, bad ? 1u : 2u);
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* 3.3.1#2 on a packed queue: stopped with a buffer still outstanding, its
 * descriptors cleared as if reclaimed, then set up again without (bad) or
 * with (twin) a device reset in between */
static void c_3_3_1_2_packed(struct fx *f, bool bad) {
  pk_up(f, 0);
  (void)pk_send(f, 1);
  rw(f, MODEL_MMIO_QUEUE_SEL, PQ);
  rw(f, MODEL_MMIO_QUEUE_READY, 0);
  rr(f, MODEL_MMIO_QUEUE_READY, 0); /* 4.2.2.2#15 */
  end_event(f);
  for (uint32_t slot = 0; slot < NUM; slot++) {
    wle(f, DRV, pk_slot_addr(slot), 0, 8);
    wle(f, DRV, pk_slot_addr(slot) + 8u, 0, 8);
  }
  if (bad)
    queue_setup(f, PQ);
  else
    up(f);
  end_event(f);
}

/* A receive header with these flags and num_buffers 1 at addr. */
static void rx_header_at(struct fx *f, uint64_t addr, uint8_t flags) {
  uint8_t hdr[MODEL_NET_HDR_SIZE] = {0};
  hdr[MODEL_NET_HDR_OFF_FLAGS] = flags;
  hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS] = 1;
  wmem(f, DEV, addr, hdr, sizeof(hdr));
}

/* 5.1.9.4.1#5 in a split IN_ORDER batch: the used entry names the second
 * receive buffer, the first one it skips (used completely) holds a header
 * with flags set without GUEST_CSUM */
static void c_5_1_9_4_1_5_split_batch(struct fx *f, bool bad) {
  f->accepted = f->offered = BASE_FEATURES | F(VIRTIO_F_IN_ORDER);
  up(f);
  uint64_t a = buf(f, 1526), b = buf(f, 1526);
  (void)add1(f, MODEL_NET_RXQ, a, 1526, true);
  uint16_t hb = add1(f, MODEL_NET_RXQ, b, 1526, true);
  notify(f, MODEL_NET_RXQ);
  end_event(f);
  rx_header_at(f, a, bad ? VIRTIO_NET_HDR_F_DATA_VALID : 0);
  rx_header_at(f, b, 0);
  dev_used_elem(f, MODEL_NET_RXQ, hb, MODEL_NET_HDR_SIZE + 60u);
  dev_used_idx(f, MODEL_NET_RXQ, 2);
  irq(f, MODEL_MMIO_INT_VRING);
  end_event(f);
}

/* The same on a packed ring: one used descriptor for both buffers */
static void c_5_1_9_4_1_5_packed_batch(struct fx *f, bool bad) {
  pk_up(f, F(VIRTIO_F_IN_ORDER));
  pk.q = MODEL_NET_RXQ;
  uint16_t a = pk_add_flags(f, 1, 1526, NULL), b = pk_add_flags(f, 1, 1526, NULL);
  notify(f, MODEL_NET_RXQ);
  end_event(f);
  rx_header_at(f, pk.addr[a], bad ? VIRTIO_NET_HDR_F_DATA_VALID : 0);
  rx_header_at(f, pk.addr[b], 0);
  pk_used_at(f, b, MODEL_NET_HDR_SIZE + 60u, model_packed_used_bits(true), 2);
  end_event(f);
}

/* 2.7.5.2#2: with IN_ORDER a chain's next is the following slot */
static void c_2_7_5_2_2(struct fx *f, bool bad) {
  f->accepted = f->offered = BASE_FEATURES | F(VIRTIO_F_IN_ORDER);
  up(f);
  uint64_t a = buf(f, 128);
  desc_at(f, q_desc(PQ), 0, a, 64, VIRTQ_DESC_F_NEXT, bad ? 2u : 1u);
  desc_at(f, q_desc(PQ), bad ? 2u : 1u, a + 64, 64, VIRTQ_DESC_F_WRITE, 0);
  publish_head(f, PQ, 0);
  notify(f, PQ);
  end_event(f);
}

/* 2.7.5.3.1#5: with IN_ORDER indirect entries are sequential */
static void c_2_7_5_3_1_5(struct fx *f, bool bad) {
  f->accepted = f->offered = BASE_FEATURES | F(VIRTIO_F_IN_ORDER) | F(VIRTIO_F_INDIRECT_DESC);
  up(f);
  uint64_t table = buf(f, 3u * MODEL_SPLIT_DESC_SIZE), a = buf(f, 192);
  desc_at(f, table, 0, a, 64, VIRTQ_DESC_F_NEXT, bad ? 2u : 1u);
  desc_at(f, table, bad ? 2u : 1u, a + 64, 64, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE,
          bad ? 1u : 2u);
  desc_at(f, table, bad ? 1u : 2u, a + 128, 64, VIRTQ_DESC_F_WRITE, 0);
  desc_at(f, q_desc(PQ), 0, table, 3u * MODEL_SPLIT_DESC_SIZE, VIRTQ_DESC_F_INDIRECT, 0);
  publish_head(f, PQ, 0);
  notify(f, PQ);
  end_event(f);
}

static const struct mon_case cases[] = {
    {"2.1.1#2", "test_2_1_1_2_no_status_bit_cleared", c_2_1_1_2, false},
    {"2.1.1#3", "test_2_1_1_3_reset_after_failed_before_init", c_2_1_1_3, false},
    {"2.1.2#1", "test_2_1_2_1_no_used_entry_before_driver_ok", c_2_1_2_1, false},
    {"2.1.2#3", "test_2_1_2_3_needs_reset_announced_by_config_interrupt", c_2_1_2_3, false},
    {"2.2.1#1", "test_2_2_1_1_nothing_accepted_unoffered", c_2_2_1_1, false},
    {"2.2.1#2", "test_2_2_1_2_nothing_accepted_without_its_dependency", c_2_2_1_2, false},
    {"2.2.1#5", "test_2_2_1_5_no_reserved_bit_accepted", c_2_2_1_5, false},
    {"2.2.2#1", "test_2_2_2_1_nothing_offered_without_its_dependency", c_2_2_2_1, false},
    {"2.2.2#2", "test_2_2_2_2_valid_subset_kept", c_2_2_2_2, false},
    {"2.2.2#3", "test_2_2_2_3_invalid_subset_refused", c_2_2_2_3, false},
    {"2.2.2#4", "test_2_2_2_4_no_reserved_bit_offered", c_2_2_2_4, false},
    {"2.2.2#4", "test_2_2_2_4_no_legacy_bit_offered", c_2_2_2_4_legacy, false},
    {"2.2.2#5", "test_2_2_2_5_kept_set_kept_after_reset", c_2_2_2_5, false},
    {"2.4.1#1", "test_2_4_1_1_status_reads_0_after_reset", c_2_4_1_1, false},
    {"2.4.1#2", "test_2_4_1_2_no_used_entry_after_reset_before_driver_ok", c_2_4_1_2, false},
    {"2.4.2#1", "test_2_4_2_1_reset_read_back_before_next_write", c_2_4_2_1, false},
    {"2.5.1#2", "test_2_5_1_2_config_read_inside_generation_bracket", c_2_5_1_2, false},
    {"2.5.1#3", "test_2_5_1_3_optional_field_only_when_offered", c_2_5_1_3, false},
    {"2.5.2#1", "test_2_5_2_1_config_served_before_features_ok", c_2_5_2_1, false},
    {"2.7.1#1", "test_2_7_1_1_ring_areas_aligned", c_2_7_1_1, false},
    {"2.7.4.2#1", "test_2_7_4_2_1_writable_descriptors_after_readable", c_2_7_4_2_1, false},
    {"2.7.5.1#1", "test_2_7_5_1_1_no_device_write_to_readable_buffer", c_2_7_5_1_1, true},
    {"2.7.5.1#2", "test_2_7_5_1_2_no_device_read_of_writable_buffer", c_2_7_5_1_2, true},
    {"2.7.5.1#3", "test_2_7_5_1_3_no_device_write_to_descriptor_table", c_2_7_5_1_3, true},
    {"2.7.5.2#1", "test_2_7_5_2_1_no_descriptor_loop", c_2_7_5_2_1, false},
    {"2.7.5.2#2", "test_2_7_5_2_2_in_order_next_is_following_slot", c_2_7_5_2_2, false},
    {"2.7.5.3.1#1", "test_2_7_5_3_1_1_indirect_only_with_indirect_desc", c_2_7_5_3_1_1, false},
    {"2.7.5.3.1#2", "test_2_7_5_3_1_2_no_indirect_in_indirect_table", c_2_7_5_3_1_2, false},
    {"2.7.5.3.1#3", "test_2_7_5_3_1_3_chain_no_longer_than_queue_size", c_2_7_5_3_1_3, false},
    {"2.7.5.3.1#4", "test_2_7_5_3_1_4_no_indirect_with_next", c_2_7_5_3_1_4, false},
    {"2.7.5.3.1#5", "test_2_7_5_3_1_5_in_order_indirect_sequential", c_2_7_5_3_1_5, false},
    {"2.7.6.1#1", "test_2_7_6_1_1_avail_idx_never_goes_back", c_2_7_6_1_1, false},
    {"2.7.7.1#1", "test_2_7_7_1_1_avail_flags_0_or_1", c_2_7_7_1_1, false},
    {"2.7.7.1#2", "test_2_7_7_1_2_avail_flags_0_with_event_idx", c_2_7_7_1_2, false},
    {"2.7.7.2#2", "test_2_7_7_2_2_no_interrupt_with_no_interrupt_flag", c_2_7_7_2_2, false},
    {"2.7.7.2#3", "test_2_7_7_2_3_interrupt_with_avail_flags_0", c_2_7_7_2_3, false},
    {"2.7.7.2#5", "test_2_7_7_2_5_interrupt_when_used_event_crossed", c_2_7_7_2_5, false},
    {"2.7.7.2#6", "test_2_7_7_2_6_no_interrupt_when_used_event_not_crossed", c_2_7_7_2_6, false},
    {"2.7.8.2#1", "test_2_7_8_2_1_used_element_before_used_idx", c_2_7_8_2_1, true},
    {"2.7.8.2#2", "test_2_7_8_2_2_used_len_within_writable_bytes", c_2_7_8_2_2, false},
    {"2.7.10.1#1", "test_2_7_10_1_1_used_flags_0_at_queue_ready", c_2_7_10_1_1, false},
    {"2.7.10.1#3", "test_2_7_10_1_3_no_notification_with_no_notify_flag", c_2_7_10_1_3, false},
    {"2.7.10.1#4", "test_2_7_10_1_4_notification_with_used_flags_0", c_2_7_10_1_4, false},
    {"2.7.10.1#6", "test_2_7_10_1_6_notification_when_avail_event_crossed", c_2_7_10_1_6, false},
    {"2.7.10.1#7", "test_2_7_10_1_7_no_notification_when_avail_event_not_crossed", c_2_7_10_1_7,
     false},
    {"2.7.10.2#1", "test_2_7_10_2_1_used_flags_0_or_1", c_2_7_10_2_1, false},
    {"2.7.10.2#2", "test_2_7_10_2_2_used_flags_0_with_event_idx", c_2_7_10_2_2, false},
    {"2.7.13.3.1#1", "test_2_7_13_3_1_1_descriptors_before_avail_idx", c_2_7_13_3_1_1, true},
    {"2.8.11#1", "test_2_8_11_1_packed_areas_aligned", c_2_8_11_1, false},
    {"2.8.12#1", "test_2_8_12_1_lists_started_in_ring_order", c_2_8_12_1, true},
    {"2.8.12#2", "test_2_8_12_2_used_marking_of_its_lap", c_2_8_12_2, false},
    {"2.8.12#2", "test_2_8_12_2_used_marking_follows_wrap", c_2_8_12_2_wrap, false},
    {"2.8.12#2", "test_2_8_12_2_flush_lands_on_used_positions", c_2_8_12_2_flush, true},
    {"2.8.15#1", "test_2_8_15_1_no_device_write_to_readable_part", c_2_8_15_1, true},
    {"2.8.15#2", "test_2_8_15_2_no_device_read_of_writable_part", c_2_8_15_2, true},
    {"2.8.15#3", "test_2_8_15_3_used_id_was_available", c_2_8_15_3, false},
    {"2.8.15#4", "test_2_8_15_4_no_change_after_used_marking", c_2_8_15_4, true},
    {"2.8.16#1", "test_2_8_16_1_device_owned_slot_left_alone", c_2_8_16_1, true},
    {"2.8.16#2", "test_2_8_16_2_available_descriptor_unchanged", c_2_8_16_2, true},
    {"2.8.17#1", "test_2_8_17_1_list_within_the_device_limit", c_2_8_17_2, false},
    {"2.8.17#2", "test_2_8_17_2_list_within_queue_size", c_2_8_17_2, false},
    {"2.8.17#3", "test_2_8_17_3_writable_after_readable", c_2_8_17_3, false},
    {"2.8.17#5", "test_2_8_17_5_list_fits_free_slots", c_2_8_17_5, false},
    {"2.8.17#6", "test_2_8_17_6_first_descriptor_available_last", c_2_8_17_6, false},
    {"2.8.19#1", "test_2_8_19_1_packed_indirect_only_negotiated", c_2_8_19_1, false},
    {"2.8.19#2", "test_2_8_19_2_packed_indirect_entry_flags", c_2_8_19_2, false},
    {"2.8.19#3", "test_2_8_19_3_packed_indirect_table_within_queue_size", c_2_8_19_3, false},
    {"2.8.19#4", "test_2_8_19_4_packed_indirect_not_in_next_list", c_2_8_19_4, false},
    {"2.8.21.1.1#1", "test_2_8_21_1_1_1_descriptor_before_its_flags", c_2_8_21_1_1_1, true},
    {"2.8.21.3.1#1", "test_2_8_21_3_1_1_notify_unless_disabled", c_2_8_21_3_1_1, false},
    {"2.8.21.3.1#1", "test_2_8_21_3_1_1_notify_at_event_descriptor", c_2_8_21_3_1_1_desc, false},
    {"2.8.21.3.1#1", "test_2_8_21_3_1_1_suppression_read_after_flags", c_2_8_21_3_1_1_stale, true},
    {"3.1.1#1", "test_3_1_1_1_init_steps_in_order", c_3_1_1_1, false},
    {"3.1.1#3", "test_3_1_1_3_no_driver_features_after_features_ok", c_3_1_1_3, false},
    {"3.1.1#4", "test_3_1_1_4_failed_after_refused_features_ok", c_3_1_1_4, false},
    {"3.1.1#5", "test_3_1_1_5_no_queue_setup_after_refused_features_ok", c_3_1_1_5, false},
    {"3.1.1#6", "test_3_1_1_6_no_notification_before_driver_ok", c_3_1_1_6, false},
    {"3.3.1#1", "test_3_3_1_1_outstanding_head_not_made_available_again", c_3_3_1_1, false},
    {"3.3.1#1", "test_3_3_1_1_outstanding_descriptor_not_rewritten", c_3_3_1_1_rewrite, true},
    {"3.3.1#2", "test_3_3_1_2_stopped_queue_set_up_again_only_after_reset", c_3_3_1_2, false},
    {"3.3.1#2", "test_3_3_1_2_stopped_packed_queue_set_up_again_only_after_reset", c_3_3_1_2_packed,
     false},
    {"4.2.2.1#1", "test_4_2_2_1_1_magic_value", c_4_2_2_1_1, false},
    {"4.2.2.1#2", "test_4_2_2_1_2_version", c_4_2_2_1_2, false},
    {"4.2.2.1#3", "test_4_2_2_1_3_raised_bit_kept_until_acknowledged", c_4_2_2_1_3, false},
    {"4.2.2.1#4", "test_4_2_2_1_4_used_buffer_bit_only_with_used_buffer", c_4_2_2_1_4, false},
    {"4.2.2.1#5", "test_4_2_2_1_5_reset_clears_queue_ready", c_4_2_2_1_5, false},
    {"4.2.2.1#5", "test_4_2_2_1_5_reset_clears_interrupt_status", c_4_2_2_1_5_isr, false},
    {"4.2.2.1#6", "test_4_2_2_1_6_one_generation_one_content", c_4_2_2_1_6, false},
    {"4.2.2.1#7", "test_4_2_2_1_7_no_access_to_queue_not_ready", c_4_2_2_1_7, true},
    {"4.2.2.1#7", "test_4_2_2_1_7_device_area_set_up_on_queue_ready", c_4_2_2_1_7_enable, true},
    {"4.2.2.2#1", "test_4_2_2_2_1_no_access_outside_register_map", c_4_2_2_2_1, false},
    {"4.2.2.2#2", "test_4_2_2_2_2_no_write_to_read_only_register", c_4_2_2_2_2, false},
    {"4.2.2.2#3", "test_4_2_2_2_3_no_read_of_write_only_register", c_4_2_2_2_3, false},
    {"4.2.2.2#4", "test_4_2_2_2_4_control_registers_32_bit_aligned", c_4_2_2_2_4, false},
    {"4.2.2.2#5", "test_4_2_2_2_5_config_field_at_its_width", c_4_2_2_2_5, false},
    {"4.2.2.2#6", "test_4_2_2_2_6_device_with_bad_magic_ignored", c_4_2_2_2_6, false},
    {"4.2.2.2#7", "test_4_2_2_2_7_device_with_bad_version_ignored", c_4_2_2_2_7, false},
    {"4.2.2.2#8", "test_4_2_2_2_8_device_with_device_id_0_ignored", c_device_id_zero, false},
    {"4.2.2.2#10", "test_4_2_2_2_10_device_features_sel_before_device_features", c_4_2_2_2_10,
     false},
    {"4.2.2.2#11", "test_4_2_2_2_11_driver_features_sel_before_driver_features", c_4_2_2_2_11,
     false},
    {"4.2.2.2#12", "test_4_2_2_2_12_queue_size_within_queue_size_max", c_4_2_2_2_12, false},
    {"4.2.2.2#13", "test_4_2_2_2_13_ready_queue_registers_untouched", c_4_2_2_2_13, false},
    {"4.2.2.2#15", "test_4_2_2_2_15_no_notify_before_ready_readback", c_4_2_2_2_15, false},
    {"4.2.2.2#15", "test_4_2_2_2_15_no_publish_before_ready_readback", c_4_2_2_2_15_publish, false},
    {"4.2.2.2#17", "test_4_2_2_2_17_interrupt_status_acknowledged", c_4_2_2_2_17, false},
    {"4.2.2.2#18", "test_4_2_2_2_18_no_undefined_bit_in_interrupt_ack", c_4_2_2_2_18, false},
    {"4.2.3.1.1#1", "test_4_2_3_1_1_1_magic_and_version_first", c_4_2_3_1_1_1, false},
    {"4.2.3.1.1#2", "test_4_2_3_1_1_2_device_id_read_next", c_4_2_3_1_1_2, false},
    {"4.2.3.1.1#4", "test_4_2_3_1_1_4_nothing_after_device_id_0", c_device_id_zero, false},
    {"4.2.3.1.1#5", "test_4_2_3_1_1_5_no_shared_memory_register", c_4_2_3_1_1_5, false},
    {"4.2.3.4.1#1", "test_4_2_3_4_1_1_handler_reads_interrupt_status", c_4_2_3_4_1_1, false},
    {"5.1.4.1#2", "test_5_1_4_1_2_mtu_at_least_68", c_5_1_4_1_2, false},
    {"5.1.4.1#3", "test_5_1_4_1_3_mtu_at_least_1280", c_5_1_4_1_3, false},
    {"5.1.4.1#4", "test_5_1_4_1_4_mtu_never_changes", c_5_1_4_1_4, false},
    {"5.1.4.1#5", "test_5_1_4_1_5_rx_frame_within_mtu", c_5_1_4_1_5, false},
    {"5.1.4.1#12", "test_5_1_4_1_12_hash_report_offered_with_ctrl_vq", c_5_1_4_1_12, false},
    {"5.1.4.1#13", "test_5_1_4_1_13_ctrl_rx_extra_offered_with_ctrl_vq", c_5_1_4_1_13, false},
    {"5.1.4.2#1", "test_5_1_4_2_1_config_never_written", c_5_1_4_2_1, false},
    {"5.1.4.2#2", "test_5_1_4_2_2_mac_accepted_when_offered", c_5_1_4_2_2, false},
    {"5.1.4.2#3", "test_5_1_4_2_3_tx_source_is_config_mac", c_5_1_4_2_3, false},
    {"5.1.4.2#7", "test_5_1_4_2_7_mtu_accepted_when_offered", c_5_1_4_2_7, false},
    {"5.1.4.2#8", "test_5_1_4_2_8_rx_buffer_fits_mtu_frame", c_5_1_4_2_8, false},
    {"5.1.4.2#9", "test_5_1_4_2_9_tx_frame_within_mtu", c_5_1_4_2_9, false},
    {"5.1.4.2#14", "test_5_1_4_2_14_ctrl_rx_extra_negotiated_with_ctrl_vq", c_5_1_4_2_14, false},
    {"5.1.9.2.1#1", "test_5_1_9_2_1_1_tx_header_whole", c_5_1_9_2_1_1, false},
    {"5.1.9.2.1#2", "test_5_1_9_2_1_2_tx_num_buffers_0", c_5_1_9_2_1_2, false},
    {"5.1.9.2.1#3", "test_5_1_9_2_1_3_tx_flags_0_without_csum", c_5_1_9_2_1_3, false},
    {"5.1.9.2.1#5", "test_5_1_9_2_1_5_tx_no_tcpv4_without_host_tso4", c_5_1_9_2_1_5, false},
    {"5.1.9.2.1#6", "test_5_1_9_2_1_6_tx_no_tcpv6_without_host_tso6", c_5_1_9_2_1_6, false},
    {"5.1.9.2.1#7", "test_5_1_9_2_1_7_tx_no_udp_without_host_ufo", c_5_1_9_2_1_7, false},
    {"5.1.9.2.1#8", "test_5_1_9_2_1_8_tx_no_udp_l4_without_host_uso", c_5_1_9_2_1_8, false},
    {"5.1.9.2.1#23", "test_5_1_9_2_1_23_tx_csum_field_inside_frame", c_5_1_9_2_1_23, false},
    {"5.1.9.2.1#24", "test_5_1_9_2_1_24_tx_gso_none_without_host_gso", c_5_1_9_2_1_24, false},
    {"5.1.9.2.1#25", "test_5_1_9_2_1_25_tx_gso_with_needs_csum", c_5_1_9_2_1_25, false},
    {"5.1.9.2.1#26", "test_5_1_9_2_1_26_tx_gso_with_gso_size", c_5_1_9_2_1_26, false},
    {"5.1.9.2.1#36", "test_5_1_9_2_1_36_tx_no_data_valid", c_5_1_9_2_1_36, false},
    {"5.1.9.3.1#2", "test_5_1_9_3_1_2_rx_buffer_1526_without_mrg_rxbuf", c_5_1_9_3_1_2, false},
    {"5.1.9.3.1#3", "test_5_1_9_3_1_3_rx_buffer_holds_header_with_mrg_rxbuf", c_5_1_9_3_1_3, false},
    {"5.1.9.3.2#1", "test_5_1_9_3_2_1_rx_last_counted_buffer_not_empty", c_5_1_9_3_2_1, false},
    {"5.1.9.3.2#1", "test_5_1_9_3_2_1_rx_empty_tail_after_partial_buffer", c_5_1_9_3_2_1_partial,
     false},
    {"5.1.9.3.2#2", "test_5_1_9_3_2_2_rx_packet_in_one_buffer_without_mrg_rxbuf", c_5_1_9_3_2_2,
     false},
    {"5.1.9.4.1#1", "test_5_1_9_4_1_1_rx_num_buffers_1_without_mrg_rxbuf", c_5_1_9_4_1_1, false},
    {"5.1.9.4.1#1", "test_5_1_9_4_1_1_rx_num_buffers_packed", c_5_1_9_4_1_1_packed, false},
    {"5.1.9.4.1#2", "test_5_1_9_4_1_2_rx_num_buffers_at_least_1", c_5_1_9_4_1_2, false},
    {"5.1.9.4.1#3", "test_5_1_9_4_1_3_rx_merged_buffers_filled_but_last", c_5_1_9_4_1_3, false},
    {"5.1.9.4.1#4", "test_5_1_9_4_1_4_rx_packet_buffers_used_together", c_5_1_9_4_1_4, false},
    {"5.1.9.4.1#4", "test_5_1_9_4_1_4_rx_packet_exposed_together_packed", c_5_1_9_4_1_4_packed,
     false},
    {"5.1.9.4.1#4", "test_5_1_9_4_1_4_rx_no_used_idx_mid_packet", c_5_1_9_4_1_4_idx, true},
    {"5.1.9.4.1#5", "test_5_1_9_4_1_5_rx_flags_0_without_guest_csum", c_5_1_9_4_1_5, false},
    {"5.1.9.4.1#5", "test_5_1_9_4_1_5_rx_header_of_a_buffer_a_split_batch_skips",
     c_5_1_9_4_1_5_split_batch, false},
    {"5.1.9.4.1#5", "test_5_1_9_4_1_5_rx_header_of_a_buffer_a_packed_batch_skips",
     c_5_1_9_4_1_5_packed_batch, false},
    {"5.1.9.4.1#7", "test_5_1_9_4_1_7_rx_no_tcpv4_without_guest_tso4", c_5_1_9_4_1_7, false},
    {"5.1.9.4.1#8", "test_5_1_9_4_1_8_rx_no_udp_without_guest_ufo", c_5_1_9_4_1_8, false},
    {"5.1.9.4.1#9", "test_5_1_9_4_1_9_rx_no_tcpv6_without_guest_tso6", c_5_1_9_4_1_9, false},
    {"5.1.9.4.1#10", "test_5_1_9_4_1_10_rx_no_udp_l4_without_guest_uso", c_5_1_9_4_1_10, false},
    {"5.1.9.4.1#24", "test_5_1_9_4_1_24_rx_gso_none_without_guest_gso", c_5_1_9_4_1_24, false},
    {"5.1.9.4.1#28", "test_5_1_9_4_1_28_rx_no_rsc_info_without_rsc_ext", c_5_1_9_4_1_28, false},
    {"5.1.9.5.1.2#1", "test_5_1_9_5_1_2_1_no_rx_promisc_without_ctrl_rx", c_5_1_9_5_1_2_1, false},
    {"5.1.9.5.1.2#2", "test_5_1_9_5_1_2_2_no_rx_extra_command_without_ctrl_rx_extra",
     c_5_1_9_5_1_2_2, false},
    {"5.1.9.5.2.1#3", "test_5_1_9_5_2_1_3_config_mac_set_before_mac_addr_set_used", c_5_1_9_5_2_1_3,
     false},
    {"5.1.9.5.2.2#1", "test_5_1_9_5_2_2_1_no_mac_command_without_ctrl_rx", c_5_1_9_5_2_2_1, false},
    {"5.1.9.5.2.2#3", "test_5_1_9_5_2_2_3_mac_table_counts_fill_data", c_5_1_9_5_2_2_3, false},
    {"6.1#1", "test_6_1_1_version_1_accepted", c_6_1_1, false},
    {"6.2#1", "test_6_2_1_version_1_offered", c_6_2_1, false},
    {"6.2#3", "test_6_2_3_packed_skipped_buffer_not_used_again", c_6_2_3_packed, false},
    {"6.2#3", "test_6_2_3_packed_no_use_in_a_slot_the_batch_skips", c_6_2_3_packed_swapped, true},
    {"6.2#3", "test_6_2_3_split_batch_covered_by_used_idx", c_6_2_3_split, false},
};

static const unsigned modes[] = {MODEL_MON_OBSERVE_ACCESSES, MODEL_MON_OBSERVE_SNAPSHOTS,
                                 MODEL_MON_OBSERVE_ACCESSES | MODEL_MON_OBSERVE_SNAPSHOTS};

/* Driver cases that need the device to break its own rule first (a bad
 * MagicValue or Version, a valid feature set refused): that device verdict
 * is expected in both runs. A DeviceID of 0 breaks no rule, but the access
 * after it breaks two driver rules at once: each is the other's company.
 * A device that spreads a packet without MRG_RXBUF says so with a count
 * other than 1, which is 5.1.9.4.1#1 too; an mtu below 68 is below the
 * 1280 of 5.1.4.1#3 too (and 68, the clean twin, is as well). A reserved
 * bit accepted was offered first (2.2.2#4 in both runs). A config field
 * that reads otherwise after FEATURES_OK than before it, in one
 * generation, is 4.2.2.1#6 as well as 2.5.2#1. A TCPV4 frame without any
 * HOST_ GSO feature breaks 5.1.9.2.1#5 beside #24. On virtio-net over mmio
 * the device's list limit (2.8.17#1) is the queue size (2.8.17#2): a list
 * longer than it breaks both. */
static const char *case_device_cause(const char *id) {
  static const char *const pairs[][2] = {
      {"3.1.1#4", "2.2.2#2"},         {"3.1.1#5", "2.2.2#2"},          {"4.2.2.2#6", "4.2.2.1#1"},
      {"4.2.2.2#7", "4.2.2.1#2"},     {"4.2.2.2#8", "4.2.3.1.1#4"},    {"4.2.3.1.1#4", "4.2.2.2#8"},
      {"5.1.9.3.2#2", "5.1.9.4.1#1"}, {"5.1.4.1#2", "5.1.4.1#3"},      {"2.2.1#5", "2.2.2#4"},
      {"2.5.2#1", "4.2.2.1#6"},       {"5.1.9.2.1#24", "5.1.9.2.1#5"}, {"2.8.17#1", "2.8.17#2"},
      {"2.8.17#2", "2.8.17#1"}};
  for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
    if (strcmp(pairs[i][0], id) == 0)
      return pairs[i][1];
  }
  return NULL;
}

/* Every verdict is `id` or `cause`, and `id` (when given) is among them. */
static void expect_only_with(const struct fx *f, const char *id, const char *cause) {
  size_t n = model_mon_verdict_count(f->mon);
  bool seen = id == NULL, ok = true;
  for (size_t i = 0; i < n; i++) {
    const char *v = model_mon_verdict_at(f->mon, i)->clause->id;
    seen = seen || strcmp(v, id) == 0;
    ok = ok && ((id != NULL && strcmp(v, id) == 0) || strcmp(v, cause) == 0);
  }
  if (!ok || !seen) {
    fprintf(stderr, "  expected only %s with %s\n", id != NULL ? id : "nothing", cause);
    dump(f);
  }
  assert_true(ok && seen);
}

static void run_case(const struct mon_case *c, unsigned observe, bool bad) {
  static struct fx f;
  fx_open(&f, observe, BASE_FEATURES, BASE_FEATURES);
  c->fn(&f, bad);
  model_mon_finish(f.mon);
  const char *cause = case_device_cause(c->id);
  if (cause != NULL)
    expect_only_with(&f, bad ? c->id : NULL, cause);
  else if (bad)
    expect_only(&f, c->id);
  else
    expect_clean(&f);
  const struct model_clause *clause = model_catalog_find(c->id);
  size_t index = 0;
  while (model_catalog_at(index) != clause)
    index++;
  if (bad) {
    assert_true(model_mon_tally(f.mon, index)->evaluated > 0);
    assert_true(model_mon_tally(f.mon, index)->violations > 0);
  }
  fx_close(&f);
}

/* One case, in every mode it applies to: the accepting twin passes clean,
 * the violating run yields exactly its clause. */
static void test_monitor_case(void **state) {
  const struct mon_case *c = *state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    if (c->accesses_only && (modes[m] & MODEL_MON_OBSERVE_ACCESSES) == 0)
      continue;
    current_mode = modes[m];
    run_case(c, modes[m], false);
    run_case(c, modes[m], true);
  }
}

/* The check table is exactly the set of cases, in catalog order. */
static void test_monitor_check_table_matches_cases_and_catalog(void **state) {
  (void)state;
  size_t prev = 0;
  for (size_t i = 0; i < model_mon_check_count(); i++) {
    const char *id = model_mon_check_id(i);
    const struct model_clause *c = model_catalog_find(id);
    assert_non_null(c);
    size_t index = 0;
    while (model_catalog_at(index) != c)
      index++;
    if (i > 0)
      assert_true(index > prev);
    prev = index;
    bool has_case = false;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
      has_case = has_case || strcmp(cases[k].id, id) == 0;
    if (!has_case)
      fprintf(stderr, "no case for %s\n", id);
    assert_true(has_case);
  }
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    bool in_table = false;
    for (size_t i = 0; i < model_mon_check_count(); i++)
      in_table = in_table || strcmp(cases[k].id, model_mon_check_id(i)) == 0;
    assert_true(in_table);
  }
  assert_null(model_mon_check_id(model_mon_check_count()));
}

/* ---- beyond single checks ---------------------------------------------------------------- */

/* A clean run of everything the cases use, many buffers over wraps: none. */
static void test_monitor_packed_wraps_are_clean(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    c_packed_wraps_clean(&f, false);
    model_mon_finish(f.mon);
    expect_clean(&f);
    const struct model_clause *clause = model_catalog_find("6.2#3");
    size_t index = 0;
    while (model_catalog_at(index) != clause)
      index++;
    assert_true(model_mon_tally(f.mon, index)->evaluated >= 12u);
    fx_close(&f);
  }
}

/* 2.8.19#1: without INDIRECT_DESC every published list is an evaluation
 * (a driver that never sets INDIRECT shows the rule kept); with it the
 * rule does not apply and nothing is counted. */
static void test_2_8_19_1_every_list_without_indirect_desc_evaluated(void **state) {
  (void)state;
  const struct model_clause *clause = model_catalog_find("2.8.19#1");
  size_t index = 0;
  while (model_catalog_at(index) != clause)
    index++;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    for (unsigned negotiated = 0; negotiated < 2u; negotiated++) {
      static struct fx f;
      current_mode = modes[m];
      fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
      pk_up(&f, negotiated ? F(VIRTIO_F_INDIRECT_DESC) : 0);
      (void)pk_send(&f, 1);
      (void)pk_send(&f, 2);
      model_mon_finish(f.mon);
      expect_clean(&f);
      assert_int_equal(model_mon_tally(f.mon, index)->evaluated, negotiated ? 0u : 2u);
      fx_close(&f);
    }
  }
}

/* Out-of-order completion on a packed ring: lists of 1 to 3 descriptors
 * across the ring's end, the device starting them in ring order, writing
 * into their writable parts and using them in a pseudo-random order, two
 * at a time with the first one's flags written last. */
static void packed_out_of_order(struct fx *f) {
  pk_up(f, 0);
  uint16_t out[NUM];
  unsigned out_count = 0, started = 0, used_slots = 0;
  uint32_t seed = 12345u;
  for (unsigned round = 0; round < 200; round++) {
    for (;;) {
      seed = seed * 1103515245u + 12345u;
      uint32_t n = 1u + (seed >> 16) % 3u;
      if (used_slots + n > NUM)
        break;
      out[out_count++] = pk_add(f, n);
      used_slots += n;
      if ((seed >> 8) % 2u == 0)
        break;
    }
    notify(f, PQ);
    end_event(f);
    for (; started < out_count; started++) {
      uint16_t id = out[started];
      rmem(f, DEV, pk_slot_addr(pk.first[id]), MODEL_PACKED_DESC_SIZE);
      uint8_t x[4] = {9, 9, 9, 9};
      wmem(f, DEV, pk.addr[id], x, sizeof(x));
    }
    seed = seed * 1103515245u + 12345u;
    unsigned pick = (seed >> 16) % out_count;
    unsigned two = out_count > 1 && (seed >> 4) % 2u == 0 ? 1u : 0u;
    uint16_t ids[2] = {out[pick], out[(pick + 1u) % out_count]};
    uint64_t first = pk_slot_addr(pk.dev.idx);
    bool first_wrap = pk.dev.wrap;
    wle(f, DEV, first + MODEL_PACKED_DESC_OFF_LEN, 0, 4);
    wle(f, DEV, first + MODEL_PACKED_DESC_OFF_ID, ids[0], 2);
    struct model_packed_pos next = model_packed_pos_advance(pk.dev, pk.slots[ids[0]], NUM);
    if (two) {
      uint64_t second = pk_slot_addr(next.idx);
      wle(f, DEV, second + MODEL_PACKED_DESC_OFF_LEN, 0, 4);
      wle(f, DEV, second + MODEL_PACKED_DESC_OFF_ID, ids[1], 2);
      wle(f, DEV, second + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(next.wrap), 2);
      next = model_packed_pos_advance(next, pk.slots[ids[1]], NUM);
    }
    wle(f, DEV, first + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(first_wrap), 2);
    pk.dev = next;
    for (unsigned k = 0; k <= two; k++) {
      unsigned at = 0;
      while (out[at] != ids[k])
        at++;
      used_slots -= pk.slots[ids[k]];
      for (unsigned m = at; m + 1u < out_count; m++)
        out[m] = out[m + 1u];
      out_count--;
      started--;
    }
    end_event(f);
  }
}

static void test_monitor_packed_out_of_order_is_clean(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    current_mode = modes[m];
    fx_open(&f, modes[m], BASE_FEATURES, BASE_FEATURES);
    packed_out_of_order(&f);
    model_mon_finish(f.mon);
    expect_clean(&f);
    fx_close(&f);
  }
}

static void test_monitor_well_behaved_traffic_is_clean(void **state) {
  (void)state;
  for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
    static struct fx f;
    fx_open(&f, modes[m], EVI_FEATURES | F(VIRTIO_F_INDIRECT_DESC),
            EVI_FEATURES | F(VIRTIO_F_INDIRECT_DESC));
    up(&f);
    for (unsigned n = 0; n < 70000u; n++) {
      uint16_t d = (uint16_t)(n % NUM);
      uint64_t a = BUF_BASE + d * 64u;
      desc_at(&f, q_desc(MODEL_NET_TXQ), d, a, 20, 0, 0);
      publish_head(&f, MODEL_NET_TXQ, d);
      /* avail_event follows the device's last look; used_event the driver's */
      notify(&f, MODEL_NET_TXQ);
      end_event(&f);
      dev_use(&f, MODEL_NET_TXQ, d, 0);
      wle(&f, DEV, q_used(MODEL_NET_TXQ) + model_split_avail_event_off(NUM), f.avail_idx[1], 2);
      irq(&f, MODEL_MMIO_INT_VRING);
      end_event(&f);
      handler(&f, MODEL_MMIO_INT_VRING);
      wle(&f, DRV, q_avail(MODEL_NET_TXQ) + model_split_used_event_off(NUM), f.used_idx[1], 2);
      end_event(&f);
    }
    model_mon_finish(f.mon);
    expect_clean(&f);
    fx_close(&f);
  }
}

/* An injected reset: the driver carries on unaware; not held against it
 * until it resets the device itself. */
static void test_monitor_injected_reset_excuses_the_driver(void **state) {
  (void)state;
  static struct fx f;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
  up(&f);
  model_mon_fault(f.mon, MODEL_MON_FAULT_DEVICE_RESET, MODEL_MMIO_STATUS, 0);
  model_mon_reg_write(f.mon, MODEL_MON_OTHER, MODEL_MMIO_STATUS, 4, 0, true);
  end_event(&f);
  /* the driver still believes in DRIVER_OK: it publishes and notifies, and
   * when it notices, sets FAILED on top of what it wrote */
  add1(&f, MODEL_NET_TXQ, tx_hdr_buf(&f), 20, false);
  notify(&f, MODEL_NET_TXQ);
  status_add(&f, VIRTIO_STATUS_FAILED);
  end_event(&f);
  expect_clean(&f);
  assert_int_equal(model_mon_fault_count(f.mon, MODEL_MON_FAULT_DEVICE_RESET), 1);
  /* its own reset ends the excuse: skipping FEATURES_OK is judged again */
  reset(&f);
  status_w(&f, VIRTIO_STATUS_ACKNOWLEDGE);
  status_w(&f, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK);
  expect_only(&f, "3.1.1#1");
  fx_close(&f);
}

/* A failed access changes nothing and excuses what its actor owed. */
static void test_monitor_failed_access_is_not_judged(void **state) {
  (void)state;
  static struct fx f;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
  up(&f);
  add1(&f, MODEL_NET_TXQ, tx_hdr_buf(&f), 20, false);
  /* the driver's read of used flags fails; it does not notify this time */
  model_mon_fault(f.mon, MODEL_MON_FAULT_MEM, q_used(1), 2);
  model_mon_mem_read(f.mon, MODEL_MON_DRIVER, q_used(1), 2, false);
  end_event(&f);
  /* a failed device write into a readable buffer is no write */
  model_mon_mem_write(f.mon, MODEL_MON_DEVICE, BUF_BASE, 4, NULL, false);
  end_event(&f);
  expect_clean(&f);
  fx_close(&f);
}

/* Verdicts are kept up to the maximum, every violation is counted, and the
 * tally keeps the first. */
static void test_monitor_verdicts_capped_counts_kept(void **state) {
  (void)state;
  static struct fx f;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, BASE_FEATURES, BASE_FEATURES);
  up(&f);
  for (unsigned i = 0; i < MODEL_MON_VERDICTS_MAX + 10u; i++) {
    model_mon_set_clock(f.mon, 100u + i, 1000u + i);
    model_mon_reg_write(f.mon, MODEL_MON_DRIVER, MODEL_MMIO_INTERRUPT_ACK, 4, 8, true);
  }
  assert_int_equal(model_mon_violation_count(f.mon), MODEL_MON_VERDICTS_MAX + 10u);
  assert_int_equal(model_mon_verdict_count(f.mon), MODEL_MON_VERDICTS_MAX);
  assert_null(model_mon_verdict_at(f.mon, MODEL_MON_VERDICTS_MAX));
  const struct model_verdict *v = model_mon_verdict_at(f.mon, 0);
  assert_string_equal(v->clause->id, "4.2.2.2#18");
  assert_int_equal(v->clause->target, MODEL_TARGET_DRIVER);
  assert_int_equal(v->time_ticks, 100);
  assert_int_equal(v->trace_pos, 1000);
  const struct model_clause *c = model_catalog_find("4.2.2.2#18");
  size_t index = 0;
  while (model_catalog_at(index) != c)
    index++;
  const struct model_mon_tally *t = model_mon_tally(f.mon, index);
  assert_int_equal(t->violations, MODEL_MON_VERDICTS_MAX + 10u);
  assert_int_equal(t->first.time_ticks, 100);
  assert_null(model_mon_tally(f.mon, model_catalog_count()));
  fx_close(&f);
}

/* The negotiated features, as seen and at DRIVER_OK. */
static void test_monitor_features_seen(void **state) {
  (void)state;
  static struct fx f;
  fx_open(&f, MODEL_MON_OBSERVE_ACCESSES, EVI_FEATURES, EVI_FEATURES);
  assert_int_equal(model_mon_features(f.mon), 0);
  up(&f);
  assert_int_equal(model_mon_features(f.mon), EVI_FEATURES);
  assert_int_equal(model_mon_features_seen(f.mon), EVI_FEATURES);
  reset(&f);
  assert_int_equal(model_mon_features(f.mon), 0);
  assert_int_equal(model_mon_features_seen(f.mon), EVI_FEATURES);
  fx_close(&f);
}

static void test_monitor_create_rejects_bad_config(void **state) {
  (void)state;
  struct model_mon *mon = NULL;
  struct model_mon_config cfg = {
      .device_id = VIRTIO_ID_NET, .observe = 0, .mem = {.read = mem_read, .ctx = NULL}};
  assert_int_equal(model_mon_create(&cfg, &mon), MODEL_ERR_INVALID_ARG);
  cfg.observe = 4;
  assert_int_equal(model_mon_create(&cfg, &mon), MODEL_ERR_INVALID_ARG);
  cfg.observe = MODEL_MON_OBSERVE_SNAPSHOTS;
  cfg.mem.read = NULL;
  assert_int_equal(model_mon_create(&cfg, &mon), MODEL_ERR_INVALID_ARG);
  assert_null(mon);
  model_mon_destroy(NULL);
}

#define CASE_COUNT (sizeof(cases) / sizeof(cases[0]))

int main(void) {
  static const struct CMUnitTest fixed[] = {
      cmocka_unit_test(test_monitor_check_table_matches_cases_and_catalog),
      cmocka_unit_test(test_monitor_packed_wraps_are_clean),
      cmocka_unit_test(test_monitor_packed_out_of_order_is_clean),
      cmocka_unit_test(test_2_8_19_1_every_list_without_indirect_desc_evaluated),
      cmocka_unit_test(test_monitor_well_behaved_traffic_is_clean),
      cmocka_unit_test(test_monitor_injected_reset_excuses_the_driver),
      cmocka_unit_test(test_monitor_failed_access_is_not_judged),
      cmocka_unit_test(test_monitor_verdicts_capped_counts_kept),
      cmocka_unit_test(test_monitor_features_seen),
      cmocka_unit_test(test_monitor_create_rejects_bad_config),
  };
  static struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) + CASE_COUNT];
  size_t n = 0;
  for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
    tests[n++] = fixed[i];
  for (size_t i = 0; i < CASE_COUNT; i++) {
    tests[n] = (struct CMUnitTest){.name = cases[i].name, .test_func = test_monitor_case};
    tests[n].initial_state = (void *)(uintptr_t)&cases[i];
    n++;
  }
  return _cmocka_run_group_tests("model_monitor_test", tests, n, NULL, NULL);
}
