/*
 * frontend/alloc.c: first-fit allocator of the driver's guest memory; see
 * frontend/alloc.h for the contract and the invariants.
 *
 * Implementation notes: the block table is an array sorted by address. A get
 * splits the chosen free block into at most three (free alignment slack,
 * the used block, free tail), shifting the table; a put marks the block free
 * and merges it with free neighbours. Both are O(blocks); the table is small
 * (bounded at init) and the driver allocates mostly at setup. The table's
 * array starts at DRV_ALLOC_SLOTS_INITIAL entries and doubles, up to
 * block_capacity, when a get needs more: the limit is the same, but an idle
 * driver does not carry the whole table (1.5 MiB for virtio-net's).
 */
#include "frontend/alloc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

model_err drv_alloc_init(struct drv_alloc *a, uint64_t base, uint64_t size, size_t block_capacity) {
  memset(a, 0, sizeof(*a));
  MODEL_ENSURE(size > 0 && block_capacity > 0, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(base + size - 1u >= base, MODEL_ERR_INVALID_ARG);
  size_t slots =
      block_capacity < DRV_ALLOC_SLOTS_INITIAL ? block_capacity : DRV_ALLOC_SLOTS_INITIAL;
  a->blocks = calloc(slots, sizeof(a->blocks[0]));
  MODEL_ENSURE(a->blocks != NULL, MODEL_ERR_NO_MEMORY);
  a->base = base;
  a->size = size;
  a->block_slots = slots;
  a->block_capacity = block_capacity;
  drv_alloc_reset(a);
  return MODEL_OK;
}

void drv_alloc_fini(struct drv_alloc *a) {
  free(a->blocks);
  memset(a, 0, sizeof(*a));
}

void drv_alloc_reset(struct drv_alloc *a) {
  a->blocks[0] = (struct drv_alloc_block){.addr = a->base, .size = a->size, .used = false};
  a->block_count = 1;
  a->bytes_used = 0;
  a->alloc_count = 0;
}

/* Room for `n` more entries (block_count + n <= block_capacity): double the
 * array until they fit. */
static model_err blocks_reserve(struct drv_alloc *a, size_t n) {
  assert(a->block_count + n <= a->block_capacity);
  if (a->block_count + n <= a->block_slots)
    return MODEL_OK;
  size_t slots = a->block_slots;
  while (slots < a->block_count + n)
    slots = slots > a->block_capacity / 2u ? a->block_capacity : 2u * slots;
  struct drv_alloc_block *blocks = realloc(a->blocks, slots * sizeof(a->blocks[0]));
  MODEL_ENSURE(blocks != NULL, MODEL_ERR_NO_MEMORY);
  a->blocks = blocks;
  a->block_slots = slots;
  return MODEL_OK;
}

/* Open a hole of `n` entries at position `at` of the table. */
static void blocks_insert(struct drv_alloc *a, size_t at, size_t n) {
  assert(a->block_count + n <= a->block_slots);
  memmove(&a->blocks[at + n], &a->blocks[at], (a->block_count - at) * sizeof(a->blocks[0]));
  a->block_count += n;
}

static void blocks_remove(struct drv_alloc *a, size_t at, size_t n) {
  assert(at + n <= a->block_count);
  memmove(&a->blocks[at], &a->blocks[at + n], (a->block_count - at - n) * sizeof(a->blocks[0]));
  a->block_count -= n;
}

/* Where a request fits in free block b: the aligned start, or false. */
static bool block_fits(const struct drv_alloc_block *b, uint64_t size, uint64_t align,
                       uint64_t *start) {
  uint64_t slack = (align - (b->addr & (align - 1u))) & (align - 1u);
  if (b->used || slack >= b->size || b->size - slack < size)
    return false;
  *start = b->addr + slack;
  return true;
}

model_err drv_alloc_get(struct drv_alloc *a, uint64_t size, uint64_t align, uint64_t *addr) {
  *addr = 0;
  MODEL_ENSURE(size > 0 && align > 0 && (align & (align - 1u)) == 0, MODEL_ERR_INVALID_ARG);
  size_t i = 0;
  uint64_t start = 0;
  while (i < a->block_count && !block_fits(&a->blocks[i], size, align, &start))
    i++;
  MODEL_ENSURE(i < a->block_count, MODEL_ERR_NO_MEMORY);

  struct drv_alloc_block b = a->blocks[i];
  uint64_t slack = start - b.addr;
  uint64_t tail = b.size - slack - size;
  size_t extra = (slack > 0 ? 1u : 0u) + (tail > 0 ? 1u : 0u);
  MODEL_ENSURE(a->block_count + extra <= a->block_capacity, MODEL_ERR_CAPACITY);
  MODEL_TRY(blocks_reserve(a, extra));

  blocks_insert(a, i, extra);
  size_t at = i;
  if (slack > 0)
    a->blocks[at++] = (struct drv_alloc_block){.addr = b.addr, .size = slack, .used = false};
  a->blocks[at++] = (struct drv_alloc_block){.addr = start, .size = size, .used = true};
  if (tail > 0)
    a->blocks[at] = (struct drv_alloc_block){.addr = start + size, .size = tail, .used = false};
  a->bytes_used += size;
  a->alloc_count++;
  *addr = start;
  return MODEL_OK;
}

model_err drv_alloc_put(struct drv_alloc *a, uint64_t addr) {
  size_t i = 0;
  while (i < a->block_count && a->blocks[i].addr < addr)
    i++;
  MODEL_ENSURE(i < a->block_count && a->blocks[i].addr == addr && a->blocks[i].used,
               MODEL_ERR_INVALID_ARG);
  a->blocks[i].used = false;
  a->bytes_used -= a->blocks[i].size;
  a->alloc_count--;
  /* merge with the next block, then with the previous one */
  if (i + 1 < a->block_count && !a->blocks[i + 1].used) {
    a->blocks[i].size += a->blocks[i + 1].size;
    blocks_remove(a, i + 1, 1);
  }
  if (i > 0 && !a->blocks[i - 1].used) {
    a->blocks[i - 1].size += a->blocks[i].size;
    blocks_remove(a, i, 1);
  }
  return MODEL_OK;
}

uint64_t drv_alloc_largest_free(const struct drv_alloc *a) {
  uint64_t best = 0;
  for (size_t i = 0; i < a->block_count; i++) {
    if (!a->blocks[i].used && a->blocks[i].size > best)
      best = a->blocks[i].size;
  }
  return best;
}
