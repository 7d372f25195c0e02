/*
 * model/tests/monitor_fixture.h: the in-test world the monitor tests share: a
 * small guest memory the monitor reads, observation helpers that write it and
 * report each access, the driver's usual steps (identification, negotiation,
 * queue setup, DRIVER_OK), split ring helpers for both halves, and the
 * verdict checks (expect_clean, expect_only). Every test program that
 * includes it gets its own copy; the helpers are static inline so that a
 * program may use any subset of them.
 */
#ifndef VIOSIM_MODEL_TESTS_MONITOR_FIXTURE_H
#define VIOSIM_MODEL_TESTS_MONITOR_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/catalog.h"
#include "model/mmio.h"
#include "model/monitor.h"
#include "model/net.h"
#include "model/packed.h"
#include "model/split.h"
#include "model/virtio.h"

/* ---- the in-test world ------------------------------------------------------ */

#define MEM_BASE 0x100000u
#define MEM_SIZE 0x80000u
#define NUM      8u /* queue size of every test queue */
#define QUEUES   3u
#define BUF_BASE (MEM_BASE + 0x40000u)

#define F(bit)        ((uint64_t)1 << (bit))
#define BASE_FEATURES (F(VIRTIO_F_VERSION_1) | F(VIRTIO_NET_F_MAC))

enum { DRV = MODEL_MON_DRIVER, DEV = MODEL_MON_DEVICE, OTH = MODEL_MON_OTHER };

struct fx {
  uint8_t mem[MEM_SIZE];
  struct model_mon *mon;
  unsigned observe;
  uint64_t offered, accepted;
  uint16_t mtu;
  uint8_t cfg_mac[6]; /* the device's config mac, as config_peek shows it */
  uint8_t status;
  uint16_t avail_idx[QUEUES], used_idx[QUEUES], next_desc[QUEUES];
  uint64_t buf_next;
  /* guest memory the monitor cannot peek (fx_hole): a field it fails to read */
  uint64_t hole_addr, hole_len;
};

static inline bool mem_read(void *ctx, uint64_t addr, void *dst, size_t len) {
  struct fx *f = ctx;
  if (addr < MEM_BASE || len > MEM_SIZE || addr - MEM_BASE > MEM_SIZE - len)
    return false;
  if (f->hole_len != 0 && addr < f->hole_addr + f->hole_len && f->hole_addr < addr + len)
    return false;
  memcpy(dst, f->mem + (addr - MEM_BASE), len);
  return true;
}

static inline bool cfg_peek(void *ctx, uint32_t offset, uint32_t width, uint32_t *value) {
  const struct fx *f = ctx;
  if (width != 1 || offset >= sizeof(f->cfg_mac))
    return false;
  *value = f->cfg_mac[offset];
  return true;
}

static inline uint64_t q_desc(unsigned q) {
  return MEM_BASE + q * 0x4000u;
}
static inline uint64_t q_avail(unsigned q) {
  return q_desc(q) + 0x1000u;
}
static inline uint64_t q_used(unsigned q) {
  return q_desc(q) + 0x2000u;
}

/* A monitor of device device_id (fx_open: virtio-net). */
static inline void fx_open_device(struct fx *f, uint32_t device_id, unsigned observe,
                                  uint64_t offered, uint64_t accepted) {
  memset(f, 0, sizeof(*f));
  f->observe = observe;
  f->offered = offered;
  f->accepted = accepted;
  f->mtu = 1500;
  f->buf_next = BUF_BASE;
  struct model_mon_config cfg = {.device_id = device_id,
                                 .observe = observe,
                                 .mem = {.read = mem_read, .ctx = f},
                                 .config_peek = {.read = cfg_peek, .ctx = f}};
  assert_int_equal(model_mon_create(&cfg, &f->mon), MODEL_OK);
  model_mon_set_clock(f->mon, 0, 0);
}

static inline void fx_open(struct fx *f, unsigned observe, uint64_t offered, uint64_t accepted) {
  fx_open_device(f, VIRTIO_ID_NET, observe, offered, accepted);
}

/* From now on the monitor's reads of [addr, addr + len) fail (len 0: none). */
static inline void fx_hole(struct fx *f, uint64_t addr, uint64_t len) {
  f->hole_addr = addr;
  f->hole_len = len;
}

static inline void fx_close(struct fx *f) {
  model_mon_destroy(f->mon);
  f->mon = NULL;
}

/* ---- observations --------------------------------------------------------------- */

static inline void wmem(struct fx *f, int actor, uint64_t addr, const void *src, size_t len) {
  if (addr < MEM_BASE || len > MEM_SIZE || addr - MEM_BASE > MEM_SIZE - len) {
    fail_msg("write of %zu bytes at 0x%llx outside the test memory", len, (unsigned long long)addr);
    return; /* cmocka's fail does not return; this tells the compiler so */
  }
  memcpy(f->mem + (addr - MEM_BASE), src, len);
  model_mon_mem_write(f->mon, (enum model_mon_actor)actor, addr, len, src, true);
}

static inline void wle(struct fx *f, int actor, uint64_t addr, uint64_t v, unsigned len) {
  uint8_t b[8];
  for (unsigned i = 0; i < len; i++)
    b[i] = (uint8_t)(v >> (8u * i));
  wmem(f, actor, addr, b, len);
}

static inline void rmem(struct fx *f, int actor, uint64_t addr, uint64_t len) {
  model_mon_mem_read(f->mon, (enum model_mon_actor)actor, addr, len, true);
}

static inline void rr(struct fx *f, uint32_t off, uint32_t v) {
  model_mon_reg_read(f->mon, MODEL_MON_DRIVER, off, 4, v, true);
}
static inline void rw(struct fx *f, uint32_t off, uint32_t v) {
  model_mon_reg_write(f->mon, MODEL_MON_DRIVER, off, 4, v, true);
}
static inline void cr(struct fx *f, uint32_t off, uint32_t width, uint32_t v) {
  model_mon_reg_read(f->mon, MODEL_MON_DRIVER, MODEL_MMIO_CONFIG + off, width, v, true);
}
static inline void end_event(struct fx *f) {
  model_mon_sync(f->mon, MODEL_MON_SYNC_EVENT_END);
}
static inline void status_w(struct fx *f, uint8_t s) {
  rw(f, MODEL_MMIO_STATUS, s);
  f->status = s;
}
static inline void status_add(struct fx *f, uint8_t bit) {
  status_w(f, (uint8_t)(f->status | bit));
}

/* ---- driver steps ------------------------------------------------------------------ */

static inline void ident(struct fx *f) {
  rr(f, MODEL_MMIO_MAGIC_VALUE, MODEL_MMIO_MAGIC);
  rr(f, MODEL_MMIO_VERSION_REG, MODEL_MMIO_VERSION);
  rr(f, MODEL_MMIO_DEVICE_ID, VIRTIO_ID_NET);
  rr(f, MODEL_MMIO_VENDOR_ID, 0);
}

static inline void reset(struct fx *f) {
  status_w(f, 0);
  rr(f, MODEL_MMIO_STATUS, 0);
}

static inline void features_read(struct fx *f) {
  rw(f, MODEL_MMIO_DEVICE_FEATURES_SEL, 0);
  rr(f, MODEL_MMIO_DEVICE_FEATURES, (uint32_t)f->offered);
  rw(f, MODEL_MMIO_DEVICE_FEATURES_SEL, 1);
  rr(f, MODEL_MMIO_DEVICE_FEATURES, (uint32_t)(f->offered >> 32));
}

static inline void features_write(struct fx *f) {
  rw(f, MODEL_MMIO_DRIVER_FEATURES_SEL, 0);
  rw(f, MODEL_MMIO_DRIVER_FEATURES, (uint32_t)f->accepted);
  rw(f, MODEL_MMIO_DRIVER_FEATURES_SEL, 1);
  rw(f, MODEL_MMIO_DRIVER_FEATURES, (uint32_t)(f->accepted >> 32));
}

/* FEATURES_OK, read back as the device keeps it (or not). */
static inline void features_ok(struct fx *f, bool kept) {
  status_add(f, VIRTIO_STATUS_FEATURES_OK);
  uint8_t back = kept ? f->status : (uint8_t)(f->status & ~VIRTIO_STATUS_FEATURES_OK);
  rr(f, MODEL_MMIO_STATUS, back);
  f->status = back;
}

/* Up to DRIVER (ident, reset, ACKNOWLEDGE, DRIVER). */
static inline void begin(struct fx *f) {
  ident(f);
  reset(f);
  status_add(f, VIRTIO_STATUS_ACKNOWLEDGE);
  status_add(f, VIRTIO_STATUS_DRIVER);
}

/* ConfigGeneration bracket around one read of mtu, if MTU was accepted. */
static inline void config_mtu(struct fx *f) {
  if ((f->accepted & F(VIRTIO_NET_F_MTU)) == 0)
    return;
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 0);
  cr(f, MODEL_NET_CFG_OFF_MTU, 2, f->mtu);
  rr(f, MODEL_MMIO_CONFIG_GENERATION, 0);
}

static inline void queue_setup(struct fx *f, unsigned q) {
  uint8_t zero[0x200] = {0};
  wmem(f, DRV, q_avail(q), zero, model_split_avail_size(NUM));
  wmem(f, DRV, q_used(q), zero, model_split_used_size(NUM));
  rw(f, MODEL_MMIO_QUEUE_SEL, q);
  rr(f, MODEL_MMIO_QUEUE_READY, 0);
  rr(f, MODEL_MMIO_QUEUE_SIZE_MAX, 256);
  rw(f, MODEL_MMIO_QUEUE_SIZE, NUM);
  rw(f, MODEL_MMIO_QUEUE_DESC_LOW, (uint32_t)q_desc(q));
  rw(f, MODEL_MMIO_QUEUE_DESC_HIGH, 0);
  rw(f, MODEL_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q_avail(q));
  rw(f, MODEL_MMIO_QUEUE_DRIVER_HIGH, 0);
  rw(f, MODEL_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q_used(q));
  rw(f, MODEL_MMIO_QUEUE_DEVICE_HIGH, 0);
  rw(f, MODEL_MMIO_QUEUE_READY, 1);
  f->avail_idx[q] = f->used_idx[q] = f->next_desc[q] = 0;
}

/* Everything up to DRIVER_OK but DRIVER_OK itself. */
static inline void setup(struct fx *f) {
  begin(f);
  features_read(f);
  features_write(f);
  features_ok(f, true);
  config_mtu(f);
  for (unsigned q = 0; q < QUEUES; q++)
    queue_setup(f, q);
}

static inline void up(struct fx *f) {
  setup(f);
  status_add(f, VIRTIO_STATUS_DRIVER_OK);
  end_event(f);
}

/* ---- rings ----------------------------------------------------------------------------- */

static inline uint64_t buf(struct fx *f, uint32_t len) {
  uint64_t a = f->buf_next;
  f->buf_next += (len + 15u) & ~15u;
  assert_true(f->buf_next <= MEM_BASE + MEM_SIZE);
  return a;
}

static inline void desc_at(struct fx *f, uint64_t table, uint32_t i, uint64_t addr, uint32_t len,
                           uint16_t flags, uint16_t next) {
  uint64_t d = table + model_split_desc_off(i);
  wle(f, DRV, d + MODEL_SPLIT_DESC_OFF_ADDR, addr, 8);
  wle(f, DRV, d + MODEL_SPLIT_DESC_OFF_LEN, len, 4);
  wle(f, DRV, d + MODEL_SPLIT_DESC_OFF_FLAGS, flags, 2);
  wle(f, DRV, d + MODEL_SPLIT_DESC_OFF_NEXT, next, 2);
}

static inline void avail_entry(struct fx *f, unsigned q, uint16_t head) {
  uint16_t slot = model_split_slot(f->avail_idx[q], NUM);
  wle(f, DRV, q_avail(q) + model_split_avail_ring_off(slot), head, 2);
}

static inline void avail_idx_write(struct fx *f, unsigned q, uint16_t idx) {
  wle(f, DRV, q_avail(q) + MODEL_SPLIT_AVAIL_OFF_IDX, idx, 2);
  f->avail_idx[q] = idx;
}

static inline void publish_head(struct fx *f, unsigned q, uint16_t head) {
  avail_entry(f, q, head);
  avail_idx_write(f, q, (uint16_t)(f->avail_idx[q] + 1u));
}

static inline void notify(struct fx *f, unsigned q) {
  rw(f, MODEL_MMIO_QUEUE_NOTIFY, q);
}

/* One direct buffer of one descriptor, published (no notification). */
static inline uint16_t add1(struct fx *f, unsigned q, uint64_t addr, uint32_t len, bool writable) {
  uint16_t d = f->next_desc[q]++;
  desc_at(f, q_desc(q), d, addr, len, writable ? VIRTQ_DESC_F_WRITE : 0, 0);
  publish_head(f, q, d);
  return d;
}

/* A transmit buffer: header then frame in one readable descriptor. */
static inline uint16_t tx_add(struct fx *f, const uint8_t hdr[MODEL_NET_HDR_SIZE],
                              uint32_t frame_len) {
  uint64_t a = buf(f, MODEL_NET_HDR_SIZE + frame_len);
  wmem(f, DRV, a, hdr, MODEL_NET_HDR_SIZE);
  return add1(f, MODEL_NET_TXQ, a, MODEL_NET_HDR_SIZE + frame_len, false);
}

static inline void dev_used_elem(struct fx *f, unsigned q, uint32_t id, uint32_t len) {
  uint16_t slot = model_split_slot(f->used_idx[q], NUM);
  uint64_t e = q_used(q) + model_split_used_ring_off(slot);
  wle(f, DEV, e + MODEL_SPLIT_USED_ELEM_OFF_ID, id, 4);
  wle(f, DEV, e + MODEL_SPLIT_USED_ELEM_OFF_LEN, len, 4);
}

static inline void dev_used_idx(struct fx *f, unsigned q, uint16_t idx) {
  wle(f, DEV, q_used(q) + MODEL_SPLIT_USED_OFF_IDX, idx, 2);
  f->used_idx[q] = idx;
}

static inline void dev_use(struct fx *f, unsigned q, uint32_t id, uint32_t len) {
  dev_used_elem(f, q, id, len);
  dev_used_idx(f, q, (uint16_t)(f->used_idx[q] + 1u));
}

static inline void irq(struct fx *f, uint32_t bits) {
  model_mon_irq_raise(f->mon, bits);
}

/* The driver's handler: deliver, read InterruptStatus, acknowledge it. */
static inline void handler(struct fx *f, uint32_t isr) {
  model_mon_irq_deliver(f->mon, isr);
  rr(f, MODEL_MMIO_INTERRUPT_STATUS, isr);
  if (isr != 0)
    rw(f, MODEL_MMIO_INTERRUPT_ACK, isr);
  end_event(f);
}

/* ---- verdict checks ------------------------------------------------------------------------ */

static unsigned current_mode; /* for failure messages */

static inline void dump(const struct fx *f) {
  fprintf(stderr, "  (observe mode %u)\n", current_mode);
  for (size_t i = 0; i < model_mon_verdict_count(f->mon); i++) {
    const struct model_verdict *v = model_mon_verdict_at(f->mon, i);
    fprintf(stderr, "  verdict %s by %s: %s\n", v->clause->id, model_target_name(v->clause->target),
            v->detail);
  }
}

static inline void expect_clean(const struct fx *f) {
  if (model_mon_violation_count(f->mon) != 0)
    dump(f);
  assert_int_equal(model_mon_violation_count(f->mon), 0);
}

static inline void expect_only(const struct fx *f, const char *id) {
  const struct model_clause *c = model_catalog_find(id);
  assert_non_null(c);
  size_t n = model_mon_verdict_count(f->mon);
  bool ok = n > 0;
  for (size_t i = 0; i < n; i++) {
    const struct model_verdict *v = model_mon_verdict_at(f->mon, i);
    ok = ok && v->clause == c && strcmp(v->clause->id, id) == 0;
  }
  if (!ok) {
    fprintf(stderr, "  expected only %s by %s\n", id, model_target_name(c->target));
    dump(f);
  }
  assert_true(ok);
}

/* ---- packed ring helpers: the driver and device sides of packed queue PQ -------------------- */

#define PK_FEATURES (BASE_FEATURES | F(VIRTIO_F_RING_PACKED))
#define PQ          2u /* the control queue: no payload rules without CTRL_VQ */

#define PK_IDS 64u

/* The test's own packed driver and device on queue PQ. */
static struct {
  unsigned q; /* the queue the helpers work on: PQ unless a case says */
  struct model_packed_pos drv, dev;
  uint16_t next_id;
  uint32_t slots[PK_IDS]; /* ring descriptors of each buffer id */
  uint64_t addr[PK_IDS];  /* its first buffer address */
  uint32_t first[PK_IDS]; /* its first slot */
} pk;

/* The helpers' state for a fresh packed queue; the features to accept. */
static inline void pk_reset(struct fx *f, uint64_t extra) {
  memset(&pk, 0, sizeof(pk));
  pk.drv = pk.dev = model_packed_pos_start();
  pk.q = PQ;
  f->accepted = f->offered = PK_FEATURES | extra;
}

static inline void pk_up(struct fx *f, uint64_t extra) {
  pk_reset(f, extra);
  up(f);
}

static inline uint64_t pk_slot_addr(uint32_t slot) {
  return q_desc(pk.q) + model_packed_desc_off(slot);
}

/* Descriptor fields, then its flags (a separate write). */
static inline void pk_desc(struct fx *f, uint64_t at, uint64_t addr, uint32_t len, uint16_t id,
                           uint16_t flags) {
  wle(f, DRV, at + MODEL_PACKED_DESC_OFF_ADDR, addr, 8);
  wle(f, DRV, at + MODEL_PACKED_DESC_OFF_LEN, len, 4);
  wle(f, DRV, at + MODEL_PACKED_DESC_OFF_ID, id, 2);
  wle(f, DRV, at + MODEL_PACKED_DESC_OFF_FLAGS, flags, 2);
}

/* The flags of descriptor k of n at the driver's position. */
static inline uint16_t pk_flags(uint32_t k, uint32_t n, uint16_t extra) {
  struct model_packed_pos p = model_packed_pos_advance(pk.drv, k, NUM);
  return (uint16_t)(model_packed_avail_bits(p.wrap) | (k + 1u < n ? VIRTQ_DESC_F_NEXT : 0) | extra);
}

/* A list of n descriptors of len bytes made available, the first one last;
 * kinds[k] is the extra flags of descriptor k (NULL: all writable). */
static inline uint16_t pk_add_flags(struct fx *f, uint32_t n, uint32_t len, const uint16_t *kinds) {
  uint16_t id = (uint16_t)(pk.next_id++ % PK_IDS);
  uint64_t a = buf(f, n * len);
  for (uint32_t k = n; k-- > 0;) {
    struct model_packed_pos p = model_packed_pos_advance(pk.drv, k, NUM);
    uint16_t extra = kinds != NULL ? kinds[k] : VIRTQ_DESC_F_WRITE;
    pk_desc(f, pk_slot_addr(p.idx), a + k * len, len, id, pk_flags(k, n, extra));
  }
  pk.slots[id] = n;
  pk.addr[id] = a;
  pk.first[id] = pk.drv.idx;
  pk.drv = model_packed_pos_advance(pk.drv, n, NUM);
  return id;
}

static inline uint16_t pk_add(struct fx *f, uint32_t n) {
  return pk_add_flags(f, n, 64, NULL);
}

/* The device reads the list at slot (accesses) and writes a used
 * descriptor for id at its position, skipping `slots` descriptors. */
static inline void pk_used_at(struct fx *f, uint16_t id, uint32_t len, uint16_t flags,
                              uint32_t slots) {
  uint64_t d = pk_slot_addr(pk.dev.idx);
  wle(f, DEV, d + MODEL_PACKED_DESC_OFF_LEN, len, 4);
  wle(f, DEV, d + MODEL_PACKED_DESC_OFF_ID, id, 2);
  wle(f, DEV, d + MODEL_PACKED_DESC_OFF_FLAGS, flags, 2);
  pk.dev = model_packed_pos_advance(pk.dev, slots, NUM);
}

static inline void pk_use(struct fx *f, uint16_t id) {
  pk_used_at(f, id, 0, model_packed_used_bits(pk.dev.wrap), pk.slots[id]);
}

/* The device's event suppression flags (the device area). */
static inline void pk_dev_event(struct fx *f, uint16_t flags, uint16_t off_wrap) {
  wle(f, DEV, q_used(PQ) + MODEL_PACKED_EVENT_OFF_DESC, off_wrap, 2);
  wle(f, DEV, q_used(PQ) + MODEL_PACKED_EVENT_OFF_FLAGS, flags, 2);
}

/* Publish one buffer, notify, end the driver's event. */
static inline uint16_t pk_send(struct fx *f, uint32_t n) {
  uint16_t id = pk_add(f, n);
  notify(f, pk.q);
  end_event(f);
  return id;
}

#endif
