/*
 * bench/floor.c: the floor (see bench.h): a bare split ring and a bare
 * packed ring as plain C structs in host memory, with no bus, no checks, no
 * trace and no monitor, one thread playing the driver and the device in
 * turn. It is what passing a buffer through a virtqueue costs when nothing
 * else is done; viosim's ring figures are read as multiples of it.
 *
 * Honest ring semantics, so that the floor does the work a ring needs and
 * no less: split (2.7) with a descriptor free list, an available ring and
 * idx, a used ring and idx, both indices free-running 16-bit counters;
 * packed (2.8) with a buffer id free list, the AVAIL/USED flag bits and a
 * wrap counter on each side, the flags written after the rest of the
 * descriptor. The device reads each descriptor's address and length and
 * writes the length back as the used length; the driver sums the used
 * lengths (checked against what it gave) and both fold what they read into
 * a checksum that the caller reports, so the compiler cannot drop the work.
 * BENCH_PUBLISH is a compiler barrier at each point where a real ring
 * publishes (a write barrier, which on x86 is only a compiler barrier) and
 * where the other side starts reading: it also keeps the compiler from
 * fusing the driver's and the device's accesses across the hand-over.
 *
 * Host structs here are the bench's own; the layout of guest memory
 * (model/split.h, model/packed.h) does not matter to the floor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"

/* The ring's memory may have been read or written by "the other side". */
#define BENCH_PUBLISH(p) __asm__ __volatile__("" : : "r"(p) : "memory")

#define FLOOR_F_NEXT   1u
#define FLOOR_F_WRITE  2u
#define FLOOR_F_AVAIL  (1u << 7)
#define FLOOR_F_USED   (1u << 15)
#define FLOOR_BUF_BASE 0x100000ull

struct floor_desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next; /* split: next; packed: id */
};

struct floor_used_elem {
  uint32_t id;
  uint32_t len;
};

struct floor_split {
  /* shared (the "guest memory") */
  struct floor_desc *desc;
  uint16_t avail_flags;
  uint16_t avail_idx;
  uint16_t *avail_ring;
  uint16_t used_flags;
  uint16_t used_idx;
  struct floor_used_elem *used_ring;
  /* driver */
  uint16_t *desc_next; /* host copy of the free list */
  uint16_t free_head;
  uint16_t avail_idx_shadow;
  uint16_t last_used_idx;
  /* device */
  uint16_t last_avail_idx;
  uint16_t used_idx_shadow;
  uint16_t size;
};

struct floor_packed {
  struct floor_desc *ring; /* shared */
  /* driver */
  uint16_t *id_next; /* free list of buffer ids */
  uint16_t free_id;
  uint16_t avail_slot, used_slot;
  bool avail_wrap, used_wrap;
  /* device */
  uint16_t dev_avail_slot, dev_used_slot;
  bool dev_avail_wrap, dev_used_wrap;
  uint16_t size;
};

static void floor_fail(char *err, size_t err_size, const char *what) {
  snprintf(err, err_size, "floor: %s", what);
}

/* ---- split ---- */

static bool split_init(struct floor_split *r, uint16_t size) {
  memset(r, 0, sizeof(*r));
  r->size = size;
  r->desc = calloc(size, sizeof(*r->desc));
  r->avail_ring = calloc(size, sizeof(*r->avail_ring));
  r->used_ring = calloc(size, sizeof(*r->used_ring));
  r->desc_next = calloc(size, sizeof(*r->desc_next));
  if (r->desc == NULL || r->avail_ring == NULL || r->used_ring == NULL || r->desc_next == NULL)
    return false;
  for (uint16_t i = 0; i < size; i++)
    r->desc_next[i] = (uint16_t)(i + 1u);
  return true;
}

static void split_fini(struct floor_split *r) {
  free(r->desc);
  free(r->avail_ring);
  free(r->used_ring);
  free(r->desc_next);
}

/* Driver: make `count` buffers available and publish avail idx. */
static void split_add(struct floor_split *r, uint32_t count) {
  uint16_t mask = (uint16_t)(r->size - 1u);
  for (uint32_t k = 0; k < count; k++) {
    uint16_t head = r->free_head;
    r->free_head = r->desc_next[head];
    r->desc[head] = (struct floor_desc){
        .addr = FLOOR_BUF_BASE + (uint64_t)head * BENCH_SEG_BYTES,
        .len = BENCH_SEG_BYTES,
        .flags = FLOOR_F_WRITE,
        .next = 0,
    };
    r->avail_ring[r->avail_idx_shadow & mask] = head;
    r->avail_idx_shadow = (uint16_t)(r->avail_idx_shadow + 1u);
  }
  BENCH_PUBLISH(r);
  r->avail_idx = r->avail_idx_shadow;
}

/* Device: use everything available, publish used idx. */
static uint64_t split_serve(struct floor_split *r) {
  uint16_t mask = (uint16_t)(r->size - 1u);
  uint64_t sum = 0;
  BENCH_PUBLISH(r);
  uint16_t avail_idx = r->avail_idx;
  while (r->last_avail_idx != avail_idx) {
    uint16_t head = r->avail_ring[r->last_avail_idx & mask];
    const struct floor_desc *d = &r->desc[head];
    sum += d->addr;
    r->used_ring[r->used_idx_shadow & mask] = (struct floor_used_elem){.id = head, .len = d->len};
    r->used_idx_shadow = (uint16_t)(r->used_idx_shadow + 1u);
    r->last_avail_idx = (uint16_t)(r->last_avail_idx + 1u);
  }
  BENCH_PUBLISH(r);
  r->used_idx = r->used_idx_shadow;
  return sum;
}

/* Driver: take every used buffer back; returns the sum of used lengths. */
static uint64_t split_reclaim(struct floor_split *r, uint64_t *checksum) {
  uint16_t mask = (uint16_t)(r->size - 1u);
  uint64_t lens = 0;
  BENCH_PUBLISH(r);
  uint16_t used_idx = r->used_idx;
  while (r->last_used_idx != used_idx) {
    struct floor_used_elem e = r->used_ring[r->last_used_idx & mask];
    uint16_t id = (uint16_t)e.id;
    lens += e.len;
    *checksum = *checksum * 31u + id;
    r->desc_next[id] = r->free_head;
    r->free_head = id;
    r->last_used_idx = (uint16_t)(r->last_used_idx + 1u);
  }
  return lens;
}

/* ---- packed ---- */

static bool packed_init(struct floor_packed *r, uint16_t size) {
  memset(r, 0, sizeof(*r));
  r->size = size;
  r->ring = calloc(size, sizeof(*r->ring));
  r->id_next = calloc(size, sizeof(*r->id_next));
  if (r->ring == NULL || r->id_next == NULL)
    return false;
  for (uint16_t i = 0; i < size; i++)
    r->id_next[i] = (uint16_t)(i + 1u);
  r->avail_wrap = r->used_wrap = r->dev_avail_wrap = r->dev_used_wrap = true; /* 2.8.1 */
  return true;
}

static void packed_fini(struct floor_packed *r) {
  free(r->ring);
  free(r->id_next);
}

static uint16_t packed_avail_flags(bool wrap) {
  return (uint16_t)(wrap ? FLOOR_F_AVAIL : FLOOR_F_USED);
}

/* Driver: `count` buffers, each one descriptor, the flags written last. */
static void packed_add(struct floor_packed *r, uint32_t count) {
  for (uint32_t k = 0; k < count; k++) {
    uint16_t id = r->free_id;
    r->free_id = r->id_next[id];
    struct floor_desc *d = &r->ring[r->avail_slot];
    d->addr = FLOOR_BUF_BASE + (uint64_t)id * BENCH_SEG_BYTES;
    d->len = BENCH_SEG_BYTES;
    d->next = id;
    BENCH_PUBLISH(r);
    d->flags = (uint16_t)(packed_avail_flags(r->avail_wrap) | FLOOR_F_WRITE);
    if (++r->avail_slot == r->size) {
      r->avail_slot = 0;
      r->avail_wrap = !r->avail_wrap;
    }
  }
}

static bool packed_is_avail(uint16_t flags, bool wrap) {
  return ((flags & FLOOR_F_AVAIL) != 0) == wrap && ((flags & FLOOR_F_USED) != 0) != wrap;
}

static bool packed_is_used(uint16_t flags, bool wrap) {
  return ((flags & FLOOR_F_AVAIL) != 0) == wrap && ((flags & FLOOR_F_USED) != 0) == wrap;
}

/* Device: use every available descriptor, writing each used in place. */
static uint64_t packed_serve(struct floor_packed *r) {
  uint64_t sum = 0;
  BENCH_PUBLISH(r);
  while (packed_is_avail(r->ring[r->dev_avail_slot].flags, r->dev_avail_wrap)) {
    const struct floor_desc *d = &r->ring[r->dev_avail_slot];
    uint64_t addr = d->addr;
    uint32_t len = d->len;
    uint16_t id = d->next;
    sum += addr;
    if (++r->dev_avail_slot == r->size) {
      r->dev_avail_slot = 0;
      r->dev_avail_wrap = !r->dev_avail_wrap;
    }
    struct floor_desc *u = &r->ring[r->dev_used_slot];
    u->next = id;
    u->len = len;
    BENCH_PUBLISH(r);
    u->flags = (uint16_t)(r->dev_used_wrap ? (FLOOR_F_AVAIL | FLOOR_F_USED) : 0u);
    if (++r->dev_used_slot == r->size) {
      r->dev_used_slot = 0;
      r->dev_used_wrap = !r->dev_used_wrap;
    }
  }
  return sum;
}

static uint64_t packed_reclaim(struct floor_packed *r, uint64_t *checksum) {
  uint64_t lens = 0;
  BENCH_PUBLISH(r);
  while (packed_is_used(r->ring[r->used_slot].flags, r->used_wrap)) {
    const struct floor_desc *u = &r->ring[r->used_slot];
    uint16_t id = u->next;
    lens += u->len;
    *checksum = *checksum * 31u + id;
    r->id_next[id] = r->free_id;
    r->free_id = id;
    if (++r->used_slot == r->size) {
      r->used_slot = 0;
      r->used_wrap = !r->used_wrap;
    }
  }
  return lens;
}

/* ---- the loop ---- */

static bool floor_check_params(const struct bench_ring_params *p, char *err, size_t err_size) {
  if (p->chain_count != 1u || p->notify != BENCH_POLL || p->monitor) {
    floor_fail(err, err_size, "one-descriptor buffers, polling, no monitor only");
    return false;
  }
  if (p->queue_size == 0 || p->queue_size > 32768u || p->batch_count == 0 ||
      p->batch_count > p->queue_size ||
      (p->format == BENCH_SPLIT && (p->queue_size & (p->queue_size - 1u)) != 0)) {
    floor_fail(err, err_size, "bad queue size or batch");
    return false;
  }
  return true;
}

bool bench_floor_run(const struct bench_ring_params *p, uint64_t buffers, uint64_t *elapsed_ns,
                     struct bench_run_stats *stats, char *err, size_t err_size) {
  if (!floor_check_params(p, err, err_size))
    return false;
  uint16_t size = (uint16_t)p->queue_size;
  uint64_t rounds = (buffers + p->batch_count - 1u) / p->batch_count;
  uint64_t lens = 0, checksum = 0, addr_sum = 0;
  struct floor_split split = {0};
  struct floor_packed packed = {0};
  bool ok = p->format == BENCH_SPLIT ? split_init(&split, size) : packed_init(&packed, size);
  if (!ok) {
    floor_fail(err, err_size, "out of memory");
  } else if (p->format == BENCH_SPLIT) {
    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < rounds; i++) {
      split_add(&split, p->batch_count);
      addr_sum += split_serve(&split);
      lens += split_reclaim(&split, &checksum);
    }
    *elapsed_ns = bench_now_ns() - t0;
  } else {
    uint64_t t0 = bench_now_ns();
    for (uint64_t i = 0; i < rounds; i++) {
      packed_add(&packed, p->batch_count);
      addr_sum += packed_serve(&packed);
      lens += packed_reclaim(&packed, &checksum);
    }
    *elapsed_ns = bench_now_ns() - t0;
  }
  if (p->format == BENCH_SPLIT)
    split_fini(&split);
  else
    packed_fini(&packed);
  if (!ok)
    return false;
  uint64_t done = rounds * p->batch_count;
  if (lens != done * BENCH_SEG_BYTES) {
    floor_fail(err, err_size, "used lengths do not add up");
    return false;
  }
  *stats = (struct bench_run_stats){.buffers = done, .checksum = checksum ^ addr_sum};
  return true;
}
