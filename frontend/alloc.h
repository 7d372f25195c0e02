/*
 * frontend/alloc.h: the driver's allocator of guest memory.
 *
 * The driver is handed one range of guest RAM, [base, base + size), and
 * carves its rings, receive and transmit buffers, control buffers and
 * indirect descriptor tables out of it. The allocator only does address
 * arithmetic: it never touches guest memory (whoever needs zeroed memory
 * zeroes it through the bus, with its own actor).
 *
 * Policy: first fit over a table of blocks sorted by address, every block
 * either free or used, together covering the range exactly; a freed block
 * merges with free neighbours. The table has a fixed capacity chosen at init
 * (host memory is allocated there and nowhere else), so a get that would
 * need more blocks fails with MODEL_ERR_CAPACITY. Results depend only on the
 * sequence of calls: the allocator is deterministic.
 *
 * Invariants: blocks[0].addr == base; blocks[i].addr + blocks[i].size ==
 * blocks[i + 1].addr; the last block ends at base + size; no two adjacent
 * blocks are both free; no block has size 0.
 */
#ifndef VIOSIM_FRONTEND_ALLOC_H
#define VIOSIM_FRONTEND_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/result.h"

struct drv_alloc_block {
  uint64_t addr;
  uint64_t size;
  bool used;
};

/* Block table entries allocated at init (or block_capacity, if smaller). */
#define DRV_ALLOC_SLOTS_INITIAL 64u

struct drv_alloc {
  uint64_t base;
  uint64_t size;
  struct drv_alloc_block *blocks; /* owned: block_slots entries */
  size_t block_count;
  size_t block_slots;    /* allocated; grows to block_capacity on demand (alloc.c) */
  size_t block_capacity; /* the most blocks: MODEL_ERR_CAPACITY past it */
  uint64_t bytes_used;   /* sum of the sizes of used blocks (with alignment slack given back) */
  uint64_t alloc_count;  /* used blocks */
};

/* Manage [base, base + size) with room for block_capacity blocks (at least
 * 1). MODEL_ERR_INVALID_ARG if size is 0 or the range wraps;
 * MODEL_ERR_NO_MEMORY if the host table cannot be allocated. */
MODEL_MUST_USE model_err drv_alloc_init(struct drv_alloc *a, uint64_t base, uint64_t size,
                                        size_t block_capacity);
void drv_alloc_fini(struct drv_alloc *a);

/* First fit: the lowest address that is a multiple of align (a power of two,
 * 1 allowed) with size bytes free after it. MODEL_ERR_INVALID_ARG for size 0
 * or a bad align, MODEL_ERR_NO_MEMORY when no free block fits,
 * MODEL_ERR_CAPACITY when the block table is full. */
MODEL_MUST_USE model_err drv_alloc_get(struct drv_alloc *a, uint64_t size, uint64_t align,
                                       uint64_t *addr);

/* Give back the block that starts at addr. MODEL_ERR_INVALID_ARG if addr is
 * not the start of a used block (a double free, or a foreign address). */
MODEL_MUST_USE model_err drv_alloc_put(struct drv_alloc *a, uint64_t addr);

/* Forget every allocation: the whole range becomes one free block. */
void drv_alloc_reset(struct drv_alloc *a);

/* Bytes in the largest free block (0 if none). */
uint64_t drv_alloc_largest_free(const struct drv_alloc *a);

#endif
