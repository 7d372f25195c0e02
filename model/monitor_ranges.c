/*
 * model/monitor_ranges.c: the guest-memory ranges of a ring's outstanding
 * chains (buffers and indirect tables), so that an access can be told to
 * hit one (see model/monitor_impl.h). Used by the buffer-access checks
 * (2.7.5.1) and the indirect-table rewrite checks (3.3.1#1, 2.7.13.3.1#1).
 *
 * Implementation notes: a treap keyed by (start, node index), each node
 * holding the largest end in its subtree, so "some range overlaps [a, b)"
 * prunes every subtree that ends at or before a or starts at or after b.
 * Nodes come from a pool allocated with the ring (nothing is allocated per
 * buffer); a chain's nodes are also linked in chain order, so a used chain
 * is released in one pass and its bytes can be gathered in order.
 * Insertion is lazy: a range added waits on a pending list (its child links
 * hold the list) until the next search puts every pending range in the
 * treap, so a chain used before anything searched (a device that touches
 * no buffer memory, or only its own rings) never pays for a split and a
 * merge. What a search finds does not depend on the treap's shape, only on
 * the set of ranges in it: the first match in key order. The treap's
 * lowest start and the root's max_end bound it, so a search outside every
 * range of the ring (another queue's buffer) ends at once.
 * Priorities come from a fixed xorshift sequence, so the shape (and every
 * result) is deterministic; recursion depth is the treap's height, expected
 * logarithmic in the pool size.
 */
#include <stdlib.h>
#include <string.h>

#include "model/monitor_impl.h"

model_err model_mon_ranges_init(struct mon_ring *ring, uint32_t cap) {
  ring->ranges = calloc(cap, sizeof(*ring->ranges));
  MODEL_ENSURE(ring->ranges != NULL, MODEL_ERR_NO_MEMORY);
  ring->range_cap = cap;
  for (uint32_t i = 0; i < cap; i++)
    ring->ranges[i].next = i + 1u < cap ? i + 1u : MON_NONE32;
  ring->range_free = 0;
  ring->root = MON_NONE32;
  ring->pend_first = MON_NONE32;
  ring->min_start = UINT64_MAX;
  return MODEL_OK;
}

void model_mon_ranges_fini(struct mon_ring *ring) {
  free(ring->ranges);
  ring->ranges = NULL;
  ring->range_cap = 0;
  ring->root = MON_NONE32;
  ring->range_free = MON_NONE32;
  ring->pend_first = MON_NONE32;
}

static uint32_t prio_next(struct mon_ring *ring) {
  uint32_t x = ring->prio_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  ring->prio_state = x;
  return x;
}

static bool key_less(const struct mon_ring *ring, uint32_t a, uint32_t b) {
  const struct mon_range *ra = &ring->ranges[a], *rb = &ring->ranges[b];
  return ra->start < rb->start || (ra->start == rb->start && a < b);
}

static void fix(struct mon_ring *ring, uint32_t t) {
  struct mon_range *n = &ring->ranges[t];
  n->max_end = n->end;
  if (n->left != MON_NONE32 && ring->ranges[n->left].max_end > n->max_end)
    n->max_end = ring->ranges[n->left].max_end;
  if (n->right != MON_NONE32 && ring->ranges[n->right].max_end > n->max_end)
    n->max_end = ring->ranges[n->right].max_end;
}

/* Split t into keys below `key` (*l) and the rest (*r). */
static void split(struct mon_ring *ring, uint32_t t, uint32_t key, uint32_t *l, uint32_t *r) {
  if (t == MON_NONE32) {
    *l = *r = MON_NONE32;
    return;
  }
  struct mon_range *n = &ring->ranges[t];
  if (key_less(ring, t, key)) {
    split(ring, n->right, key, &n->right, r);
    *l = t;
  } else {
    split(ring, n->left, key, l, &n->left);
    *r = t;
  }
  fix(ring, t);
}

static uint32_t merge(struct mon_ring *ring, uint32_t l, uint32_t r) {
  if (l == MON_NONE32)
    return r;
  if (r == MON_NONE32)
    return l;
  if (ring->ranges[l].prio > ring->ranges[r].prio) {
    ring->ranges[l].right = merge(ring, ring->ranges[l].right, r);
    fix(ring, l);
    return l;
  }
  ring->ranges[r].left = merge(ring, l, ring->ranges[r].left);
  fix(ring, r);
  return r;
}

static uint32_t erase(struct mon_ring *ring, uint32_t t, uint32_t x) {
  if (t == MON_NONE32)
    return MON_NONE32;
  struct mon_range *n = &ring->ranges[t];
  if (t == x)
    return merge(ring, n->left, n->right);
  if (key_less(ring, x, t))
    n->left = erase(ring, n->left, x);
  else
    n->right = erase(ring, n->right, x);
  fix(ring, t);
  return t;
}

bool model_mon_ranges_add(struct mon_ring *ring, uint16_t head, uint64_t addr, uint64_t len,
                          enum mon_range_kind kind) {
  struct mon_head *h = &ring->heads[head];
  uint32_t x = ring->range_free;
  if (x == MON_NONE32) {
    h->ranges_partial = true;
    return false;
  }
  struct mon_range *n = &ring->ranges[x];
  ring->range_free = n->next;
  uint64_t end = len > UINT64_MAX - addr ? UINT64_MAX : addr + len;
  *n = (struct mon_range){.start = addr,
                          .end = end,
                          .max_end = end,
                          .left = MON_NONE32,
                          .right = ring->pend_first,
                          .next = MON_NONE32,
                          .prio = prio_next(ring),
                          .head = head,
                          .kind = (uint8_t)kind,
                          .pending = 1};
  if (ring->pend_first != MON_NONE32)
    ring->ranges[ring->pend_first].left = x;
  ring->pend_first = x;
  if (kind == MON_RANGE_TABLE)
    ring->table_count++;
  if (h->last_range == MON_NONE32)
    h->first_range = x;
  else
    ring->ranges[h->last_range].next = x;
  h->last_range = x;
  return true;
}

static void pend_unlink(struct mon_ring *ring, uint32_t x) {
  struct mon_range *n = &ring->ranges[x];
  if (n->left == MON_NONE32)
    ring->pend_first = n->right;
  else
    ring->ranges[n->left].right = n->right;
  if (n->right != MON_NONE32)
    ring->ranges[n->right].left = n->left;
}

/* The start of the leftmost range in the treap (UINT64_MAX: none). */
static uint64_t lowest_start(const struct mon_ring *ring) {
  uint32_t t = ring->root;
  if (t == MON_NONE32)
    return UINT64_MAX;
  while (ring->ranges[t].left != MON_NONE32)
    t = ring->ranges[t].left;
  return ring->ranges[t].start;
}

/* Every pending range into the treap. */
static void pend_flush(struct mon_ring *ring) {
  while (ring->pend_first != MON_NONE32) {
    uint32_t x = ring->pend_first;
    struct mon_range *n = &ring->ranges[x];
    ring->pend_first = n->right;
    n->left = n->right = MON_NONE32;
    n->pending = 0;
    if (n->start < ring->min_start)
      ring->min_start = n->start;
    uint32_t l = MON_NONE32, r = MON_NONE32;
    split(ring, ring->root, x, &l, &r);
    ring->root = merge(ring, merge(ring, l, x), r);
  }
}

void model_mon_ranges_release(struct mon_ring *ring, uint16_t head) {
  struct mon_head *h = &ring->heads[head];
  uint32_t x = h->first_range;
  for (uint32_t n = 0; x != MON_NONE32 && n < ring->range_cap; n++) {
    uint32_t next = ring->ranges[x].next;
    if (ring->ranges[x].kind == MON_RANGE_TABLE)
      ring->table_count--;
    if (ring->ranges[x].pending) {
      pend_unlink(ring, x);
    } else {
      ring->root = erase(ring, ring->root, x);
      if (ring->ranges[x].start == ring->min_start)
        ring->min_start = lowest_start(ring);
    }
    ring->ranges[x].next = ring->range_free;
    ring->range_free = x;
    x = next;
  }
  h->first_range = h->last_range = MON_NONE32;
}

static const struct mon_range *find(const struct mon_ring *ring, uint32_t t, uint64_t addr,
                                    uint64_t end, unsigned kind_mask) {
  if (t == MON_NONE32)
    return NULL;
  const struct mon_range *n = &ring->ranges[t];
  if (n->max_end <= addr)
    return NULL;
  const struct mon_range *hit = find(ring, n->left, addr, end, kind_mask);
  if (hit != NULL)
    return hit;
  if (n->start >= end)
    return NULL;
  if (n->end > addr && (kind_mask & (1u << n->kind)) != 0)
    return n;
  return find(ring, n->right, addr, end, kind_mask);
}

const struct mon_range *model_mon_ranges_find(struct mon_ring *ring, uint64_t addr, uint64_t len,
                                              unsigned kind_mask) {
  if (len == 0 || ring->ranges == NULL)
    return NULL;
  pend_flush(ring);
  uint64_t end = len > UINT64_MAX - addr ? UINT64_MAX : addr + len;
  if (end <= ring->min_start)
    return NULL; /* below every range (and the treap may be empty) */
  return find(ring, ring->root, addr, end, kind_mask);
}

bool model_mon_ranges_gather(const struct model_mon *mon, const struct mon_ring *ring,
                             uint16_t head, bool writable, uint64_t offset, void *dst, size_t len) {
  const struct mon_head *h = &ring->heads[head];
  uint8_t kind = (uint8_t)(writable ? MON_RANGE_WRITE : MON_RANGE_READ);
  uint8_t *out = dst;
  size_t done = 0;
  uint32_t x = h->first_range;
  if (h->ranges_partial)
    return false;
  for (uint32_t n = 0; x != MON_NONE32 && n < ring->range_cap && done < len; n++) {
    const struct mon_range *r = &ring->ranges[x];
    x = r->next;
    if (r->kind != kind)
      continue;
    uint64_t size = r->end - r->start;
    if (offset >= size) {
      offset -= size;
      continue;
    }
    uint64_t room = size - offset;
    size_t piece = (len - done) < room ? (len - done) : (size_t)room;
    if (!model_mon_peek(mon, r->start + offset, out + done, piece))
      return false;
    done += piece;
    offset = 0;
  }
  return done == len;
}
