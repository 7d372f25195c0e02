/*
 * fuzz/fuzz_device_ring.c: attacks the device side of split (2.7) and packed
 * (2.8) virtqueues (backend/vq.h) with a hostile driver. The input picks the
 * format, the queue size, the start index and the features the ring consults
 * (INDIRECT_DESC, EVENT_IDX, IN_ORDER), optionally a broken layout, then a
 * program of driver writes (descriptors in the table or ring, chains and
 * lists made available with the right or wrong wrap bits, avail idx, avail
 * flags and used_event or the driver event structure, indirect tables, raw
 * bytes anywhere in the rings) interleaved with device calls (pop, push,
 * flush, notify_enable, has_available, unpop, driver_ok, reset, gather and
 * scatter over a popped chain).
 *
 * Guest memory (a bus of its own, no world: cheap per input): the rings and
 * indirect tables in one region everybody may use, a buffer region, a
 * region the device may only read, one it may only write, and nothing at
 * FDR_UNMAPPED or near the top of the address space.
 *
 * Oracles, besides the sanitizers and the code's own asserts:
 *  - every popped chain has 1 to queue-size segments, readable ones first,
 *    each inside one region with the device permission its direction needs
 *    (checked against this file's own region table), byte totals adding up
 *    (split: no more than 2^32), and split ids below the queue size;
 *  - every call returns OK, an "empty", "not ready" or "broken" answer, or a
 *    violation; a violation happens only on a usable queue, leaves it broken
 *    with that code and a clause recorded and the hook called exactly once,
 *    and every later call on it answers RING_BROKEN until reset;
 *  - the device accesses guest memory only while the queue is usable, never
 *    sees an access fail (it checks every range before use), and writes
 *    only the used ring (split), the descriptor ring and device event area
 *    (packed), or the writable segments of the chain it scatters into;
 *  - the books balance: in_flight is what was popped and neither pushed nor
 *    given back; after a split flush the used idx in memory is the start
 *    index plus the pushes; gather and scatter over a popped chain succeed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "backend/vq.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_input.h"
#include "model/packed.h"
#include "model/split.h"
#include "model/virtio.h"
#include "sim/bus.h"
#include "sim/sched.h"

#define FDR_SIZE_MAX 256u

/* Guest memory. */
#define FDR_RING_BASE  0x10000u /* descriptor table or ring */
#define FDR_DRIVER     0x11000u /* avail ring or driver event structure */
#define FDR_DEVICE     0x12000u /* used ring or device event structure */
#define FDR_INDIRECT   0x13000u /* indirect tables (256 entries) */
#define FDR_RING_SIZE  0x4000u
#define FDR_BUF_BASE   0x20000u
#define FDR_RO_BASE    0x30000u /* device may read only */
#define FDR_WO_BASE    0x40000u /* device may write only */
#define FDR_UNMAPPED   0x50000u
#define FDR_SMALL_SIZE 0x1000u

#define PERM_DRV   (SIM_PERM_R(SIM_ACTOR_DRIVER) | SIM_PERM_W(SIM_ACTOR_DRIVER))
#define PERM_DEV_R SIM_PERM_R(SIM_ACTOR_DEVICE)
#define PERM_DEV_W SIM_PERM_W(SIM_ACTOR_DEVICE)

static const struct {
  uint64_t base, size;
  uint32_t perms;
} regions[] = {
    {FDR_RING_BASE, FDR_RING_SIZE, SIM_PERM_ALL},
    {FDR_BUF_BASE, FDR_SMALL_SIZE, SIM_PERM_ALL},
    {FDR_RO_BASE, FDR_SMALL_SIZE, PERM_DRV | PERM_DEV_R},
    {FDR_WO_BASE, FDR_SMALL_SIZE, PERM_DRV | PERM_DEV_W},
};
#define REGION_COUNT (sizeof(regions) / sizeof(regions[0]))

/* The input, consumed from the front; past its end every byte reads 0. */
/* A chain popped and neither pushed nor given back, in pop order. */
struct popped {
  uint32_t seq;
  uint16_t id;
  uint64_t writable_bytes;
};

#define POPPED_MAX 1024u

struct fuzz_state {
  struct sim_sched sched;
  struct sim_bus bus;
  struct dev_vq vq;
  bool packed;
  uint64_t features;
  uint16_t size;
  uint16_t start_idx;
  uint8_t layout_fault; /* 0: a correct layout */
  /* Driver side. */
  uint16_t avail_idx;              /* split: next avail idx to publish */
  uint16_t desc_cursor;            /* split: next slot a chain starts at */
  struct model_packed_pos drv_pos; /* packed: where the next list goes */
  /* Books. */
  struct popped popped[POPPED_MAX];
  uint32_t popped_count;
  uint32_t pop_seq;
  int64_t max_pushed_seq; /* -1: none pushed since enable */
  uint32_t pushed_since_enable;
  uint32_t flushed_since_enable; /* pushes published by a flush */
  int violations;                /* hook calls since enable */
  /* The chain being scattered into (device writes allowed there). */
  const struct dev_chain *scatter;
};

static void on_violation(void *ctx, struct dev_vq *vq) {
  struct fuzz_state *st = ctx;
  st->violations++;
  if (!vq->broken || vq->violation.err == MODEL_OK || vq->violation.clause == NULL)
    fuzz_fail("violation hook on a queue without a recorded violation");
}

/* ---- oracles ---- */

static bool in_range(uint64_t addr, uint64_t len, uint64_t base, uint64_t size) {
  return addr >= base && len <= size && addr - base <= size - len;
}

/* Does the device's write of [addr, addr + len) land where it may write? */
static bool device_write_allowed(const struct fuzz_state *st, uint64_t addr, uint64_t len) {
  const struct dev_vq *vq = &st->vq;
  if (vq->format == DEV_VQ_FORMAT_SPLIT &&
      in_range(addr, len, vq->device_addr, model_split_used_size(vq->size)))
    return true;
  if (vq->format == DEV_VQ_FORMAT_PACKED &&
      (in_range(addr, len, vq->desc_addr, model_packed_ring_size(vq->size)) ||
       in_range(addr, len, vq->device_addr, MODEL_PACKED_EVENT_SIZE)))
    return true;
  if (st->scatter != NULL) {
    for (uint16_t i = 0; i < st->scatter->seg_count; i++) {
      const struct dev_seg *s = &st->scatter->segs[i];
      if (s->writable && in_range(addr, len, s->addr, s->len))
        return true;
    }
  }
  return false;
}

static void observe(void *ctx, const struct sim_bus_event *ev) {
  const struct fuzz_state *st = ctx;
  if (ev->actor != SIM_ACTOR_DEVICE ||
      (ev->kind != SIM_EV_MEM_READ && ev->kind != SIM_EV_MEM_WRITE))
    return;
  if (!st->vq.ready)
    fuzz_fail("device access at 0x%llx while the queue is not ready", (unsigned long long)ev->addr);
  if (st->vq.broken)
    fuzz_fail("device access at 0x%llx on a broken queue", (unsigned long long)ev->addr);
  if (ev->result != MODEL_OK)
    fuzz_fail("device access at 0x%llx len %llu failed (%s): not checked first",
              (unsigned long long)ev->addr, (unsigned long long)ev->len,
              model_err_name(ev->result));
  if (ev->kind == SIM_EV_MEM_WRITE && !device_write_allowed(st, ev->addr, ev->len))
    fuzz_fail("device wrote 0x%llx len %llu outside its areas", (unsigned long long)ev->addr,
              (unsigned long long)ev->len);
}

/* A segment the device may access with its direction's permission, by this
 * file's own region table. */
static bool seg_mapped(const struct dev_seg *s) {
  if (s->len == 0)
    return true;
  uint32_t need = s->writable ? PERM_DEV_W : PERM_DEV_R;
  for (size_t r = 0; r < REGION_COUNT; r++) {
    if (in_range(s->addr, s->len, regions[r].base, regions[r].size))
      return (regions[r].perms & need) == need;
  }
  return false;
}

static void check_chain(const struct fuzz_state *st, const struct dev_chain *c) {
  if (c->seg_count == 0 || c->seg_count > st->vq.size)
    fuzz_fail("chain %u has %u segments (queue size %u)", c->id, c->seg_count, st->vq.size);
  if (c->segs != st->vq.segs)
    fuzz_fail("chain segments are not the queue's scratch");
  if (!st->packed && c->id >= st->vq.size)
    fuzz_fail("split chain id %u not below the queue size %u", c->id, st->vq.size);
  uint64_t readable = 0, writable = 0;
  bool seen_writable = false;
  for (uint16_t i = 0; i < c->seg_count; i++) {
    const struct dev_seg *s = &c->segs[i];
    if (!s->writable && seen_writable)
      fuzz_fail("chain %u: readable segment %u after a writable one", c->id, i);
    seen_writable = seen_writable || s->writable;
    if (!seg_mapped(s))
      fuzz_fail("chain %u: segment %u [0x%llx, +%u) %s not mapped for the device", c->id, i,
                (unsigned long long)s->addr, s->len, s->writable ? "writable" : "readable");
    if (s->writable)
      writable += s->len;
    else
      readable += s->len;
  }
  if (readable != c->readable_bytes || writable != c->writable_bytes)
    fuzz_fail("chain %u: byte totals %llu/%llu, segments say %llu/%llu", c->id,
              (unsigned long long)c->readable_bytes, (unsigned long long)c->writable_bytes,
              (unsigned long long)readable, (unsigned long long)writable);
  if (!st->packed && readable + writable > ((uint64_t)1 << 32))
    fuzz_fail("split chain %u carries %llu bytes", c->id,
              (unsigned long long)(readable + writable));
}

/*
 * Judge a device call's result: `usable_before` is whether the queue was
 * ready and not broken when the call started.
 */
static void check_result(struct fuzz_state *st, const char *what, model_err err, bool ready_before,
                         bool broken_before) {
  const struct dev_vq *vq = &st->vq;
  if (!ready_before) {
    if (err != MODEL_ERR_QUEUE_NOT_READY)
      fuzz_fail("%s on a queue not ready: %s", what, model_err_name(err));
    return;
  }
  if (broken_before) {
    if (err != MODEL_ERR_RING_BROKEN)
      fuzz_fail("%s on a broken queue: %s", what, model_err_name(err));
    if (st->violations != 1)
      fuzz_fail("%s: %d violation hooks on a broken queue", what, st->violations);
    return;
  }
  if (err == MODEL_OK || err == MODEL_ERR_RING_EMPTY) {
    if (vq->broken || st->violations != 0)
      fuzz_fail("%s: %s but the queue broke", what, model_err_name(err));
    return;
  }
  if (err == MODEL_ERR_QUEUE_NOT_READY || err == MODEL_ERR_RING_BROKEN)
    fuzz_fail("%s on a usable queue: %s", what, model_err_name(err));
  if (!vq->broken || vq->violation.err != err || vq->violation.clause == NULL ||
      st->violations != 1)
    fuzz_fail("%s: %s without a recorded violation (broken %d, recorded %s, hooks %d)", what,
              model_err_name(err), vq->broken, model_err_name(vq->violation.err), st->violations);
}

static void check_books(const struct fuzz_state *st) {
  if (st->vq.in_flight != st->popped_count)
    fuzz_fail("in_flight %u, but %u chains are out", st->vq.in_flight, st->popped_count);
}

/* ---- setup ---- */

static model_err configure(struct fuzz_state *st) {
  struct dev_vq *vq = &st->vq;
  uint64_t desc = FDR_RING_BASE, driver = FDR_DRIVER, device = FDR_DEVICE;
  /* A broken layout: the device must refuse to go ready. */
  switch (st->layout_fault % 4u) {
  case 1:
    desc += 8u; /* misaligned */
    break;
  case 2:
    driver = FDR_UNMAPPED;
    break;
  case 3:
    device = FDR_RO_BASE; /* not writable for the device */
    break;
  default:
    break;
  }
  dev_vq_set_start_idx(vq, st->start_idx);
  dev_vq_reset(vq);
  if (st->packed)
    dev_vq_set_features(vq, st->features); /* QueueSize follows FEATURES_OK */
  if (dev_vq_set_size(vq, st->size) != MODEL_OK)
    fuzz_fail("legal size %u refused", st->size);
  model_err err = dev_vq_set_addr_half(vq, DEV_VQ_AREA_DESC, false, (uint32_t)desc);
  if (err == MODEL_OK)
    err = dev_vq_set_addr_half(vq, DEV_VQ_AREA_DRIVER, false, (uint32_t)driver);
  if (err == MODEL_OK)
    err = dev_vq_set_addr_half(vq, DEV_VQ_AREA_DEVICE, false, (uint32_t)device);
  if (err != MODEL_OK)
    fuzz_fail("address write refused on a queue not ready");
  st->violations = 0;
  st->popped_count = 0;
  st->pop_seq = 0;
  st->max_pushed_seq = -1;
  st->pushed_since_enable = 0;
  st->flushed_since_enable = 0;
  st->avail_idx = st->start_idx;
  st->desc_cursor = 0;
  st->drv_pos = model_packed_pos_start();
  err = dev_vq_enable(vq, st->features);
  if ((err == MODEL_OK) != (st->layout_fault % 4u == 0))
    fuzz_fail("enable with layout fault %u: %s", st->layout_fault % 4u, model_err_name(err));
  return err;
}

/* Zero the rings, as a driver does before it sets a queue up. Done on the
 * region's bytes, as the harness that maps guest memory, not through the
 * bus: hashing 12 KiB for the observers would dominate the run. */
static void clear_rings(struct fuzz_state *st) {
  struct sim_mem_region *r = &st->bus.regions[0];
  if (r->base != FDR_RING_BASE || r->size != FDR_RING_SIZE)
    fuzz_fail("ring region not where it was mapped");
  memset(r->bytes, 0, FDR_INDIRECT - FDR_RING_BASE);
}

/* ---- the driver's writes ---- */

struct desc_spec {
  uint64_t addr;
  uint32_t len;
  uint8_t flags; /* bit 0 NEXT, 1 WRITE, 2 INDIRECT, 3 big len, 4 AVAIL lie, 5 USED lie */
  uint16_t next; /* split: next; packed: id */
};

/* 7 bytes (15 with a raw address): where, how long, flags, next or id. */
static struct desc_spec read_desc_spec(struct fuzz_input *in) {
  struct desc_spec d;
  uint8_t a0 = fuzz_u8(in);
  uint64_t off = ((uint64_t)(a0 >> 3) << 8) | fuzz_u8(in); /* 0..8191: crosses region ends */
  static const uint64_t bases[] = {FDR_BUF_BASE, FDR_RO_BASE,         FDR_WO_BASE, FDR_RING_BASE,
                                   FDR_UNMAPPED, UINT64_MAX - 0xfffu, FDR_INDIRECT};
  unsigned sel = a0 & 7u;
  d.addr = sel < 7u ? bases[sel] + (sel == 5u ? (off & 0xfffu) : off) : fuzz_u64(in);
  d.len = fuzz_u16(in);
  d.flags = fuzz_u8(in);
  if (d.flags & 8u)
    d.len = (d.len << 16) | 0xffffu;
  d.next = fuzz_u16(in);
  return d;
}

static uint16_t spec_vring_flags(const struct desc_spec *d) {
  return (uint16_t)(((d->flags & 1u) ? VIRTQ_DESC_F_NEXT : 0u) |
                    ((d->flags & 2u) ? VIRTQ_DESC_F_WRITE : 0u) |
                    ((d->flags & 4u) ? VIRTQ_DESC_F_INDIRECT : 0u));
}

static void drv_write16(struct fuzz_state *st, uint64_t addr, uint16_t v) {
  if (sim_bus_write_le16(&st->bus, SIM_ACTOR_DRIVER, addr, v) != MODEL_OK)
    fuzz_fail("driver write16 at 0x%llx refused", (unsigned long long)addr);
}

/* Write a descriptor (split or packed layout, same 16 bytes) at addr. The
 * flags are given whole; packed writes them last. */
static void drv_write_desc(struct fuzz_state *st, uint64_t addr, const struct desc_spec *d,
                           uint16_t flags) {
  uint8_t raw[16];
  for (unsigned i = 0; i < 8u; i++)
    raw[i] = (uint8_t)(d->addr >> (8u * i));
  for (unsigned i = 0; i < 4u; i++)
    raw[8u + i] = (uint8_t)(d->len >> (8u * i));
  if (st->packed) {
    raw[12] = (uint8_t)d->next; /* id */
    raw[13] = (uint8_t)(d->next >> 8);
    raw[14] = (uint8_t)flags;
    raw[15] = (uint8_t)(flags >> 8);
  } else {
    raw[12] = (uint8_t)flags;
    raw[13] = (uint8_t)(flags >> 8);
    raw[14] = (uint8_t)d->next;
    raw[15] = (uint8_t)(d->next >> 8);
  }
  if (sim_bus_write_bytes(&st->bus, SIM_ACTOR_DRIVER, addr, raw, 14) != MODEL_OK)
    fuzz_fail("driver descriptor write at 0x%llx refused", (unsigned long long)addr);
  drv_write16(st, addr + 14u, st->packed ? flags : d->next);
}

/* Packed flags for a descriptor the driver makes available in lap `wrap`,
 * with the spec's lies applied. */
static uint16_t packed_flags(const struct desc_spec *d, uint16_t vring, bool wrap) {
  uint16_t f = (uint16_t)(vring | model_packed_avail_bits(wrap));
  if (d->flags & 16u)
    f ^= VIRTQ_DESC_F_AVAIL;
  if (d->flags & 32u)
    f ^= VIRTQ_DESC_F_USED;
  return f;
}

/* op: one descriptor of the queue's table or ring, any slot, any flags. */
static void op_desc(struct fuzz_state *st, struct fuzz_input *in) {
  uint16_t slot = (uint16_t)(fuzz_u8(in) % st->size);
  struct desc_spec d = read_desc_spec(in);
  uint16_t flags = spec_vring_flags(&d);
  if (st->packed)
    flags = packed_flags(&d, flags, (d.flags & 64u) != 0);
  drv_write_desc(st, FDR_RING_BASE + 16u * (uint64_t)slot, &d, flags);
}

/* op: one entry of the indirect area. */
static void op_indirect(struct fuzz_state *st, struct fuzz_input *in) {
  uint8_t entry = fuzz_u8(in);
  struct desc_spec d = read_desc_spec(in);
  drv_write_desc(st, FDR_INDIRECT + 16u * (uint64_t)entry, &d, spec_vring_flags(&d));
}

/* op (split): a chain of 1..4 descriptors at the next slots, linked as a
 * driver would (NEXT flags flipped where the input says), made available. */
static void op_chain_split(struct fuzz_state *st, struct fuzz_input *in, unsigned n) {
  uint16_t head = st->desc_cursor;
  for (unsigned k = 0; k < n; k++) {
    struct desc_spec d = read_desc_spec(in);
    uint16_t slot = st->desc_cursor;
    st->desc_cursor = (uint16_t)((st->desc_cursor + 1u) % st->size);
    uint16_t flags = spec_vring_flags(&d);
    if (k + 1u < n)
      flags ^= VIRTQ_DESC_F_NEXT;
    if ((d.flags & 64u) == 0)
      d.next = st->desc_cursor; /* the next slot, as IN_ORDER wants */
    drv_write_desc(st, FDR_RING_BASE + 16u * (uint64_t)slot, &d, flags);
  }
  uint16_t avail_slot = model_split_slot(st->avail_idx, st->size);
  drv_write16(st, FDR_DRIVER + model_split_avail_ring_off(avail_slot), head);
  st->avail_idx = (uint16_t)(st->avail_idx + 1u);
  drv_write16(st, FDR_DRIVER + MODEL_SPLIT_AVAIL_OFF_IDX, st->avail_idx);
}

/* op (packed): a list of 1..4 descriptors at the driver's position, the
 * head's flags written last (2.8.21), wrap bits per lap unless lied. */
static void op_list_packed(struct fuzz_state *st, struct fuzz_input *in, unsigned n) {
  struct model_packed_pos head = st->drv_pos;
  uint16_t head_flags = 0;
  for (unsigned k = 0; k < n; k++) {
    struct desc_spec d = read_desc_spec(in);
    if (k >= st->size)
      continue; /* the ring is full: the rest of the list has no room */
    uint16_t vring = spec_vring_flags(&d);
    if (k + 1u < n)
      vring ^= VIRTQ_DESC_F_NEXT;
    uint16_t flags = packed_flags(&d, vring, st->drv_pos.wrap);
    uint64_t addr = FDR_RING_BASE + model_packed_desc_off(st->drv_pos.idx);
    if (k == 0) {
      head_flags = flags;
      /* everything but the flags now; they follow the rest of the list */
      drv_write_desc(st, addr, &d, (uint16_t)(flags ^ VIRTQ_DESC_F_AVAIL ^ VIRTQ_DESC_F_USED));
    } else {
      drv_write_desc(st, addr, &d, flags);
    }
    st->drv_pos = model_packed_pos_advance(st->drv_pos, 1, st->size);
  }
  drv_write16(st, FDR_RING_BASE + model_packed_desc_off(head.idx) + MODEL_PACKED_DESC_OFF_FLAGS,
              head_flags);
}

/* op: the avail idx (split) or the driver's position (packed), any value. */
static void op_avail_idx(struct fuzz_state *st, struct fuzz_input *in) {
  uint16_t v = fuzz_u16(in);
  if (st->packed) {
    st->drv_pos.idx = (uint16_t)((v & 0x7fffu) % st->size);
    st->drv_pos.wrap = (v & 0x8000u) != 0;
    return;
  }
  st->avail_idx = v;
  drv_write16(st, FDR_DRIVER + MODEL_SPLIT_AVAIL_OFF_IDX, v);
}

/* op: notification suppression written by the driver: avail flags and
 * used_event (split) or the driver event structure (packed). */
static void op_events(struct fuzz_state *st, struct fuzz_input *in) {
  uint16_t flags = fuzz_u16(in), ev = fuzz_u16(in);
  if (st->packed) {
    drv_write16(st, FDR_DRIVER + MODEL_PACKED_EVENT_OFF_FLAGS, flags);
    drv_write16(st, FDR_DRIVER + MODEL_PACKED_EVENT_OFF_DESC, ev);
    return;
  }
  drv_write16(st, FDR_DRIVER + MODEL_SPLIT_AVAIL_OFF_FLAGS, flags);
  drv_write16(st, FDR_DRIVER + model_split_used_event_off(st->size), ev);
}

/* op: two bytes anywhere in the ring region (used areas included). */
static void op_raw(struct fuzz_state *st, struct fuzz_input *in) {
  uint16_t off = (uint16_t)(fuzz_u16(in) % (FDR_RING_SIZE - 1u));
  drv_write16(st, FDR_RING_BASE + off, fuzz_u16(in));
}

/* ---- the device's calls ---- */

/* Gather the readable part and scatter into the writable part (up to 512
 * bytes each) of a chain just popped: both must succeed. */
static void chain_io(struct fuzz_state *st, const struct dev_chain *c, uint8_t sel) {
  uint8_t buf[512];
  uint64_t r = c->readable_bytes, w = c->writable_bytes;
  size_t rlen = (size_t)(r < sizeof(buf) ? r : sizeof(buf));
  size_t wlen = (size_t)(w < sizeof(buf) ? w : sizeof(buf));
  uint64_t roff = (r - rlen) * (sel & 15u) / 15u, woff = (w - wlen) * (sel >> 4) / 15u;
  model_err err = dev_vq_chain_read(&st->vq, c, roff, buf, rlen);
  if (err != MODEL_OK)
    fuzz_fail("gather of %zu bytes at %llu of %llu: %s", rlen, (unsigned long long)roff,
              (unsigned long long)r, model_err_name(err));
  memset(buf, sel, sizeof(buf));
  st->scatter = c;
  err = dev_vq_chain_write(&st->vq, c, woff, buf, wlen);
  st->scatter = NULL;
  if (err != MODEL_OK)
    fuzz_fail("scatter of %zu bytes at %llu of %llu: %s", wlen, (unsigned long long)woff,
              (unsigned long long)w, model_err_name(err));
  if (dev_vq_chain_read(&st->vq, c, r, buf, 1) != MODEL_ERR_INVALID_ARG)
    fuzz_fail("gather past the readable part accepted");
}

static void op_pop(struct fuzz_state *st, struct fuzz_input *in) {
  uint8_t arg = fuzz_u8(in);
  unsigned count = 1u + (arg & 7u);
  for (unsigned k = 0; k < count && st->popped_count < POPPED_MAX; k++) {
    bool ready = st->vq.ready, broken = st->vq.broken;
    struct dev_chain chain;
    model_err err = dev_vq_pop(&st->vq, &chain);
    check_result(st, "pop", err, ready, broken);
    if (err != MODEL_OK)
      return;
    check_chain(st, &chain);
    st->popped[st->popped_count++] = (struct popped){
        .seq = st->pop_seq++, .id = chain.id, .writable_bytes = chain.writable_bytes};
    if (arg & 8u)
      chain_io(st, &chain, fuzz_u8(in));
    check_books(st);
  }
}

static void op_push(struct fuzz_state *st, struct fuzz_input *in) {
  uint8_t which = fuzz_u8(in), frac = fuzz_u8(in);
  bool ready = st->vq.ready, broken = st->vq.broken;
  if (st->popped_count == 0)
    return; /* the caller pushes only what it popped */
  uint32_t i = which % st->popped_count;
  struct popped p = st->popped[i];
  uint32_t len =
      frac == 255u ? (uint32_t)p.writable_bytes : (uint32_t)(p.writable_bytes * frac / 255u);
  model_err err = dev_vq_push(&st->vq, p.id, len);
  check_result(st, "push", err, ready, broken);
  if (err != MODEL_OK)
    return;
  memmove(&st->popped[i], &st->popped[i + 1u], (st->popped_count - i - 1u) * sizeof(p));
  st->popped_count--;
  if ((int64_t)p.seq > st->max_pushed_seq)
    st->max_pushed_seq = p.seq;
  st->pushed_since_enable++;
  check_books(st);
}

static void op_flush(struct fuzz_state *st) {
  bool ready = st->vq.ready, broken = st->vq.broken;
  bool need = true;
  model_err err = dev_vq_flush(&st->vq, &need);
  check_result(st, "flush", err, ready, broken);
  if (err != MODEL_OK) {
    if (need)
      fuzz_fail("failed flush asks for an interrupt");
    return;
  }
  bool published = st->pushed_since_enable != st->flushed_since_enable;
  st->flushed_since_enable = st->pushed_since_enable;
  if (!st->packed) {
    uint8_t raw[2];
    if (!sim_bus_peek(&st->bus, st->vq.device_addr + MODEL_SPLIT_USED_OFF_IDX, raw, 2))
      fuzz_fail("used ring unreadable");
    uint16_t used_idx = (uint16_t)(raw[0] | (raw[1] << 8));
    uint16_t expect = (uint16_t)(st->start_idx + st->pushed_since_enable);
    /* Only a flush with something to publish writes the idx. */
    if ((published && used_idx != expect) || st->vq.used_idx_flushed != expect)
      fuzz_fail("used idx %u after a flush, %u pushes from %u", used_idx, st->pushed_since_enable,
                st->start_idx);
  } else if (st->vq.pending_count != 0) {
    fuzz_fail("packed flush left %u pushes pending", st->vq.pending_count);
  }
}

static void op_notify(struct fuzz_state *st, struct fuzz_input *in) {
  bool ready = st->vq.ready, broken = st->vq.broken;
  bool more = true;
  model_err err = dev_vq_notify_enable(&st->vq, (fuzz_u8(in) & 1u) != 0, &more);
  check_result(st, "notify_enable", err, ready, broken);
  if (err != MODEL_OK && more)
    fuzz_fail("failed notify_enable says more is available");
}

static void op_has_available(struct fuzz_state *st) {
  bool ready = st->vq.ready, broken = st->vq.broken;
  bool avail = true;
  model_err err = dev_vq_has_available(&st->vq, &avail);
  check_result(st, "has_available", err, ready, broken);
  if (err != MODEL_OK && avail)
    fuzz_fail("failed has_available says something is available");
}

/* Give back the newest popped chains, those popped after every push. */
static void op_unpop(struct fuzz_state *st, struct fuzz_input *in) {
  uint32_t trailing = 0;
  while (trailing < st->popped_count &&
         (int64_t)st->popped[st->popped_count - 1u - trailing].seq > st->max_pushed_seq)
    trailing++;
  uint16_t count = (uint16_t)(fuzz_u8(in) % (trailing + 1u));
  if (count == 0 || !dev_vq_is_usable(&st->vq))
    return;
  dev_vq_unpop(&st->vq, count);
  st->popped_count -= count;
  st->pop_seq -= count;
  check_books(st);
}

static void op_driver_ok(struct fuzz_state *st) {
  bool broken = st->vq.broken;
  model_err err = dev_vq_driver_ok(&st->vq);
  if (err != MODEL_OK && (broken || !st->vq.broken))
    fuzz_fail("driver_ok: %s without breaking the queue", model_err_name(err));
}

static void op_reset(struct fuzz_state *st, struct fuzz_input *in) {
  uint8_t arg = fuzz_u8(in);
  if (arg & 1u)
    clear_rings(st);
  if (arg & 2u)
    st->layout_fault = (uint8_t)(arg >> 2);
  (void)configure(st);
}

static void run_ops(struct fuzz_state *st, struct fuzz_input *in) {
  while (!fuzz_done(in)) {
    uint8_t op = fuzz_u8(in);
    switch (op % 16u) {
    case 0:
      op_desc(st, in);
      break;
    case 1:
      op_indirect(st, in);
      break;
    case 2:
    case 3: {
      unsigned n = 1u + (op >> 4) % 4u;
      if (st->packed)
        op_list_packed(st, in, n);
      else
        op_chain_split(st, in, n);
      break;
    }
    case 4:
      op_avail_idx(st, in);
      break;
    case 5:
      op_events(st, in);
      break;
    case 6:
    case 7:
      op_pop(st, in);
      break;
    case 8:
      op_push(st, in);
      break;
    case 9:
      op_flush(st);
      break;
    case 10:
      op_notify(st, in);
      break;
    case 11:
      op_has_available(st);
      break;
    case 12:
      op_unpop(st, in);
      break;
    case 13:
      op_driver_ok(st);
      break;
    case 14:
      op_raw(st, in);
      break;
    default:
      op_reset(st, in);
      break;
    }
  }
}

/*
 * Header (4 bytes; missing bytes read 0): flags (bit 0 packed, 1
 * INDIRECT_DESC, 2 EVENT_IDX, 3 IN_ORDER, 4-5 a layout fault, 6 driver_ok
 * at once), the size (split 2^(b % 9), packed b or 256 for 0), the start idx
 * (le16). Then operations until the input ends.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct fuzz_state st; /* large: POPPED_MAX records */
  memset(&st, 0, sizeof(st));
  struct fuzz_input in = {.data = data, .size = size};
  uint8_t flags = fuzz_u8(&in), size_byte = fuzz_u8(&in);
  st.start_idx = fuzz_u16(&in);
  st.packed = (flags & 1u) != 0;
  st.features = (st.packed ? model_feature_mask(VIRTIO_F_RING_PACKED) : 0u) |
                ((flags & 2u) ? model_feature_mask(VIRTIO_F_INDIRECT_DESC) : 0u) |
                ((flags & 4u) ? model_feature_mask(VIRTIO_F_EVENT_IDX) : 0u) |
                ((flags & 8u) ? model_feature_mask(VIRTIO_F_IN_ORDER) : 0u);
  uint32_t queue_size =
      st.packed ? (size_byte == 0 ? FDR_SIZE_MAX : size_byte) : 1u << (size_byte % 9u);
  st.size = (uint16_t)queue_size;
  st.layout_fault = (uint8_t)((flags >> 4) & 3u);

  if (sim_sched_init(&st.sched, 16) != MODEL_OK)
    fuzz_fail("sched init");
  sim_bus_init(&st.bus, &st.sched, NULL, NULL, 1);
  for (size_t r = 0; r < REGION_COUNT; r++) {
    if (sim_bus_add_region(&st.bus, regions[r].base, regions[r].size, regions[r].perms) != MODEL_OK)
      fuzz_fail("region %zu", r);
  }
  if (sim_bus_add_observer(&st.bus, observe, &st) != MODEL_OK)
    fuzz_fail("observer");
  if (dev_vq_init(&st.vq, &st.bus, 0, FDR_SIZE_MAX) != MODEL_OK)
    fuzz_fail("vq init");
  dev_vq_set_violation_hook(&st.vq, on_violation, &st);

  if (configure(&st) == MODEL_OK && (flags & 64u))
    op_driver_ok(&st);
  run_ops(&st, &in);

  dev_vq_fini(&st.vq);
  sim_bus_fini(&st.bus);
  sim_sched_fini(&st.sched);
  return 0;
}
