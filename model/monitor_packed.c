/*
 * model/monitor_packed.c: the monitor's shadow of each packed virtqueue
 * (2.8) and the checks it drives (see model/monitor_impl.h). A queue is
 * packed when VIRTIO_F_RING_PACKED was accepted at FEATURES_OK; its split
 * shadow (struct mon_ring) then does not exist and model_mon_ring_of()
 * returns NULL for it, so the split checks never see a packed queue.
 *
 * Shadow. Two positions (model/packed.h): the driver's, the next slot it
 * will make available, and the device's, the next slot it will write a used
 * descriptor at. Every slot from the device's position up to the driver's is
 * the device's (the "region"); the rest are the driver's. Outstanding
 * buffers live in a pool of num entries (a pool index is the "head" of the
 * range container, so 2.8.15#1/#2 use the same interval treap as split),
 * reached by buffer id, and listed in the order they were made available.
 *
 * Publications and uses are found the same way in both observe modes: at
 * each synchronisation point the monitor reads forward from its positions
 * (a list whose first descriptor is available at the driver's position, a
 * used marking at the device's position). With accesses it also judges
 * each descriptor write as it happens and runs the same scans right after a
 * flags write, so write order is seen.
 *
 * Driver rules: 2.8.11#1 (alignment at QueueReady), 2.8.16#1 (a write to a
 * device-owned slot), 2.8.16#2 and 2.8.21.1.1#1 (a field written after the
 * flags write that made the slot available: in a later event, or in the same
 * one), 2.8.17#1 (virtio-net: beside #2), #2, #3, #5, #6 (each list),
 * 2.8.19#1-#4 (indirect), 2.8.21.3.1#1 (a notification skipped on a stale
 * or ignored suppression value). 2.8.16#1,
 * #2 and 2.8.21.1.1#1 need accesses. Device rules: 2.8.12#1 (accesses: the
 * first read of a list's addr/len skips an earlier unstarted list), 2.8.12#2
 * (a used descriptor written off the device's position, or flags that are no
 * used marking for its lap), 2.8.15#1, #2 (accesses: buffer direction),
 * 2.8.15#3 (a used marking with nothing available, or an id not
 * outstanding), 2.8.15#4 (accesses: a slot written after its used marking),
 * 6.2#3 (IN_ORDER: a buffer named after a later buffer's batch skipped it,
 * at the next used position or, with accesses, in a slot the batch skips).
 *
 * Not judged here, on purpose: the device's used buffer notifications
 * against the driver event suppression area (2.8 has no device statement
 * for them); 2.8.18#1 (the device uses a list's descriptors in order: once a
 * list is used with one descriptor, the order inside it is not observable
 * apart from 2.8.12#1). Once a rule about positions is broken the shadow
 * cannot follow the ring any more: the queue is "lost" and nothing more is
 * judged on it until the next QueueReady.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "model/monitor_impl.h"
#include "model/packed.h"
#include "model/virtio.h"

#define ID_COUNT 65536u
enum { ID_FREE, ID_OUT, ID_SKIPPED };

struct pbuf {
  struct model_packed_pos first; /* position of its first descriptor */
  uint32_t slots;                /* ring descriptors it takes */
  uint16_t id;
  bool started; /* accesses: the device read its addr/len */
};

struct mon_pring {
  uint32_t num;
  uint64_t desc, drv_evt, dev_evt;             /* area addresses */
  uint64_t desc_end, drv_evt_end, dev_evt_end; /* their ends (UINT64_MAX if past it) */
  struct model_packed_pos drv_pos, dev_pos;
  struct model_packed_pos pub_from; /* drv_pos before the publications not yet notified */
  bool lost;                        /* the shadow cannot follow any more */
  bool pending;                     /* a list's first descriptor is available, not the rest */
  bool pending_judged;              /* 2.8.17#6 already judged for it */
  bool notify_check;                /* published since the last notification in this event */
  uint32_t ahead;      /* accesses: used markings written in the region, not yet reached */
  uint16_t idle_flags; /* flags at dev_pos when the region last became empty */
  uint64_t seq, flags_write_seq, evt_read_seq; /* accesses: the driver's order */

  struct mon_ring *r; /* ranges and segs, head = pool index */
  struct pbuf *bufs;  /* num */
  uint16_t *pool;     /* num: free pool indices */
  uint32_t pool_count;
  uint16_t *order; /* num: outstanding pool indices, in availability order */
  uint32_t order_first, order_count;
  uint32_t started_prefix; /* leading order entries the device started */
  uint16_t *id_buf;        /* ID_COUNT */
  uint8_t *id_state;       /* ID_COUNT */
  uint32_t *avail_mark;    /* num: event id + 1 of the flags write that made it available */
  uint16_t *slot_buf;      /* num: pool index of the list last made available at each slot */
  uint8_t *used_done;      /* num: a used marking written, the driver has not rewritten it */
};

static uint64_t area_end(uint64_t addr, uint64_t size) {
  return size > UINT64_MAX - addr ? UINT64_MAX : addr + size;
}

static bool driver_rules(const struct model_mon *mon) {
  return !model_mon_driver_excused(mon);
}

static bool is_live(const struct model_mon *mon) {
  return (mon->status & VIRTIO_STATUS_DRIVER_OK) != 0;
}

static struct mon_pring *pring_of(struct model_mon *mon, uint16_t q) {
  if (q >= MODEL_MON_QUEUES_MAX || !mon->queues[q].ready)
    return NULL;
  return mon->queues[q].pring;
}

static uint32_t region(const struct mon_pring *pr) {
  return model_packed_pos_distance(pr->dev_pos, pr->drv_pos, pr->num);
}

/* Slots from the device's position to slot s, going forward. */
static uint32_t from_dev(const struct mon_pring *pr, uint32_t s) {
  return (s + pr->num - pr->dev_pos.idx) % pr->num;
}

/* The order array index of entry j (j < num): order_first < num, so one
 * subtraction wraps it (a division per step made the id scans below the
 * monitor's hottest loop on large rings). */
static uint32_t order_slot(const struct mon_pring *pr, uint32_t j) {
  assert(j < pr->num && pr->order_first < pr->num);
  uint32_t s = pr->order_first + j;
  return s >= pr->num ? s - pr->num : s;
}

static uint16_t order_at(const struct mon_pring *pr, uint32_t j) {
  return pr->order[order_slot(pr, j)];
}

/* The order entry, from entry `from` on, of the oldest outstanding buffer
 * with this id (order_count if none). Two outstanding buffers may carry
 * the same id (no statement forbids it): a used descriptor naming the id
 * uses the oldest of them, as a device working in ring order would. */
static uint32_t order_find_id(const struct mon_pring *pr, uint32_t from, uint16_t id) {
  uint32_t j = from;
  if (j >= pr->order_count)
    return j;
  for (uint32_t s = order_slot(pr, j); j < pr->order_count && pr->bufs[pr->order[s]].id != id;) {
    j++;
    s = s + 1u == pr->num ? 0u : s + 1u;
  }
  return j;
}

/* ---- guest memory ------------------------------------------------------------ */

struct pdesc {
  uint64_t addr;
  uint32_t len;
  uint16_t id, flags;
};

static bool pdesc_read(const struct model_mon *mon, uint64_t table, uint32_t i, struct pdesc *d) {
  uint8_t b[MODEL_PACKED_DESC_SIZE];
  if (!model_mon_peek(mon, table + model_packed_desc_off(i), b, sizeof(b)))
    return false;
  d->addr = mon_le64(b + MODEL_PACKED_DESC_OFF_ADDR);
  d->len = mon_le32(b + MODEL_PACKED_DESC_OFF_LEN);
  d->id = mon_le16(b + MODEL_PACKED_DESC_OFF_ID);
  d->flags = mon_le16(b + MODEL_PACKED_DESC_OFF_FLAGS);
  return true;
}

static bool flags_read(const struct model_mon *mon, const struct mon_pring *pr, uint32_t slot,
                       uint16_t *flags) {
  return model_mon_peek_le16(
      mon, pr->desc + model_packed_desc_off(slot) + MODEL_PACKED_DESC_OFF_FLAGS, flags);
}

/* ---- life cycle ---------------------------------------------------------------- */

void model_mon_packed_free(struct mon_pring *pr) {
  if (pr == NULL)
    return;
  model_mon_ring_free(pr->r);
  free(pr->bufs);
  free(pr->pool);
  free(pr->order);
  free(pr->id_buf);
  free(pr->id_state);
  free(pr->avail_mark);
  free(pr->slot_buf);
  free(pr->used_done);
  free(pr);
}

static model_err pring_arrays(struct mon_pring *pr) {
  uint32_t num = pr->num;
  pr->r = calloc(1, sizeof(*pr->r));
  MODEL_ENSURE(pr->r != NULL, MODEL_ERR_NO_MEMORY);
  pr->r->num = num;
  pr->r->desc = pr->desc;
  pr->r->prio_state = 0x9e3779b9u;
  pr->r->heads = calloc(num, sizeof(*pr->r->heads));
  pr->r->segs = calloc(num + 1u, sizeof(*pr->r->segs));
  pr->bufs = calloc(num, sizeof(*pr->bufs));
  pr->pool = malloc(num * sizeof(*pr->pool));
  pr->order = malloc(num * sizeof(*pr->order));
  pr->id_buf = calloc(ID_COUNT, sizeof(*pr->id_buf));
  pr->id_state = calloc(ID_COUNT, sizeof(*pr->id_state));
  pr->avail_mark = calloc(num, sizeof(*pr->avail_mark));
  pr->used_done = calloc(num, sizeof(*pr->used_done));
  pr->slot_buf = calloc(num, sizeof(*pr->slot_buf));
  MODEL_ENSURE(pr->r->heads != NULL && pr->r->segs != NULL && pr->bufs != NULL &&
                   pr->pool != NULL && pr->order != NULL && pr->id_buf != NULL &&
                   pr->id_state != NULL && pr->avail_mark != NULL && pr->used_done != NULL,
               MODEL_ERR_NO_MEMORY);
  for (uint32_t i = 0; i < num; i++) {
    pr->r->heads[i].first_range = MON_NONE32;
    pr->r->heads[i].last_range = MON_NONE32;
    pr->r->heads[i].first_desc = MON_NONE16;
    pr->pool[i] = (uint16_t)(num - 1u - i);
  }
  pr->pool_count = num;
  uint32_t cap = MON_RANGES_PER_HEAD * num;
  return model_mon_ranges_init(pr->r, cap < 16u ? 16u : cap);
}

model_err model_mon_packed_create(struct model_mon *mon, uint16_t q) {
  struct mon_queue *mq = &mon->queues[q];
  uint32_t num = mq->size_written ? mq->size : mq->size_max_known ? mq->size_max : 0u;
  MODEL_ENSURE(model_packed_queue_size_ok(num), MODEL_ERR_QUEUE_SIZE);
  mq->last_ready = (struct mon_areas){.valid = true,
                                      .packed = true,
                                      .num = num,
                                      .desc = mq->desc_addr,
                                      .avail = mq->driver_addr,
                                      .used = mq->device_addr};
  struct mon_pring *pr = calloc(1, sizeof(*pr));
  MODEL_ENSURE(pr != NULL, MODEL_ERR_NO_MEMORY);
  pr->num = num;
  pr->desc = mq->desc_addr;
  pr->drv_evt = mq->driver_addr;
  pr->dev_evt = mq->device_addr;
  pr->desc_end = area_end(pr->desc, model_packed_ring_size(pr->num));
  pr->drv_evt_end = area_end(pr->drv_evt, MODEL_PACKED_EVENT_SIZE);
  pr->dev_evt_end = area_end(pr->dev_evt, MODEL_PACKED_EVENT_SIZE);
  pr->drv_pos = pr->dev_pos = pr->pub_from = model_packed_pos_start();
  model_err err = pring_arrays(pr);
  if (err != MODEL_OK) {
    model_mon_packed_free(pr);
    return err;
  }
  (void)flags_read(mon, pr, 0, &pr->idle_flags);
  mq->pring = pr;
  return MODEL_OK;
}

void model_mon_packed_judge_ready(struct model_mon *mon, uint16_t q) {
  const struct mon_queue *mq = &mon->queues[q];
  if (!driver_rules(mon))
    return;
  /* 2.8.11#1: descriptor ring on 16 bytes, both event areas on 4 */
  bool aligned = mq->desc_addr % MODEL_PACKED_DESC_ALIGN == 0 &&
                 mq->driver_addr % MODEL_PACKED_EVENT_ALIGN == 0 &&
                 mq->device_addr % MODEL_PACKED_EVENT_ALIGN == 0;
  (void)model_mon_judge(mon, MON_C_2_8_11_1, aligned, mq->desc_addr, mq->driver_addr,
                        mq->device_addr, "packed queue %u areas 0x%llx/0x%llx/0x%llx misaligned",
                        (unsigned)q, (unsigned long long)mq->desc_addr,
                        (unsigned long long)mq->driver_addr, (unsigned long long)mq->device_addr);
}

/* ---- buffers -------------------------------------------------------------------- */

static void buf_release(struct mon_pring *pr, uint16_t b, uint8_t id_state) {
  struct mon_head *h = &pr->r->heads[b];
  model_mon_ranges_release(pr->r, b);
  *h = (struct mon_head){
      .first_range = MON_NONE32, .last_range = MON_NONE32, .first_desc = MON_NONE16};
  uint16_t id = pr->bufs[b].id;
  if (pr->id_state[id] == ID_OUT && pr->id_buf[id] == b)
    pr->id_state[id] = id_state;
  pr->pool[pr->pool_count++] = b;
}

static void order_pop_front(struct mon_pring *pr);

/* Remove order entry j (0 = the oldest), moving the shorter side. */
static void order_remove(struct mon_pring *pr, uint32_t j) {
  if (j == 0) {
    order_pop_front(pr);
    return;
  }
  uint32_t s = order_slot(pr, j);
  if (j < pr->order_count / 2u) {
    for (uint32_t k = j; k > 0; k--) {
      uint32_t prev = s == 0 ? pr->num - 1u : s - 1u;
      pr->order[s] = pr->order[prev];
      s = prev;
    }
    pr->order_first = (pr->order_first + 1u) % pr->num;
  } else {
    for (uint32_t k = j; k + 1u < pr->order_count; k++) {
      uint32_t next = s + 1u == pr->num ? 0u : s + 1u;
      pr->order[s] = pr->order[next];
      s = next;
    }
  }
  pr->order_count--;
  if (j < pr->started_prefix)
    pr->started_prefix--;
}

static void prefix_extend(struct mon_pring *pr) {
  while (pr->started_prefix < pr->order_count && pr->bufs[order_at(pr, pr->started_prefix)].started)
    pr->started_prefix++;
}

static void order_pop_front(struct mon_pring *pr) {
  pr->order_first = (pr->order_first + 1u) % pr->num;
  pr->order_count--;
  if (pr->started_prefix > 0)
    pr->started_prefix--;
}

/* ---- the driver's lists --------------------------------------------------------- */

struct list_check {
  bool order_ok, ind_feature_ok, ind_flags_ok, ind_len_ok, ind_next_ok, seen_writable;
  uint32_t bad;
};

static void list_buffer(struct mon_pring *pr, uint16_t b, struct list_check *c, uint64_t addr,
                        uint32_t len, bool writable, uint32_t at) {
  if (!writable && c->seen_writable && c->order_ok) {
    c->order_ok = false;
    c->bad = at;
  }
  struct mon_head *h = &pr->r->heads[b];
  if (writable) {
    c->seen_writable = true;
    h->writable += len;
  } else {
    h->readable += len;
  }
  if (pr->r->seg_count <= pr->num)
    pr->r->segs[pr->r->seg_count++] =
        (struct mon_seg){.addr = addr, .len = len, .writable = writable};
  if (len > 0 &&
      !model_mon_ranges_add(pr->r, b, addr, len, writable ? MON_RANGE_WRITE : MON_RANGE_READ))
    h->ranges_partial = true;
}

static void list_indirect(struct model_mon *mon, struct mon_pring *pr, uint16_t b,
                          struct list_check *c, const struct pdesc *d, uint32_t n) {
  if (!model_mon_has(mon, VIRTIO_F_INDIRECT_DESC)) {
    c->ind_feature_ok = false;
    return;
  }
  if (n > 1u || (d->flags & VIRTQ_DESC_F_NEXT) != 0) {
    c->ind_next_ok = false;
    return;
  }
  if (d->len == 0 || d->len % MODEL_PACKED_DESC_SIZE != 0)
    return; /* 2.8.7: no statement of ours; the device refuses it */
  uint32_t entries = d->len / MODEL_PACKED_DESC_SIZE;
  if (entries > pr->num) {
    c->ind_len_ok = false;
    return;
  }
  (void)model_mon_ranges_add(pr->r, b, d->addr, d->len, MON_RANGE_TABLE);
  for (uint32_t i = 0; i < entries; i++) {
    struct pdesc e;
    if (!pdesc_read(mon, d->addr, i, &e))
      return;
    if ((e.flags & (uint16_t)~VIRTQ_DESC_F_WRITE) != 0 && c->ind_flags_ok) {
      c->ind_flags_ok = false;
      c->bad = i;
    }
    list_buffer(pr, b, c, e.addr, e.len, (e.flags & VIRTQ_DESC_F_WRITE) != 0, i);
  }
}

static void list_judge(struct model_mon *mon, uint16_t q, uint16_t id, const struct list_check *c,
                       bool indirect_seen) {
  unsigned qq = q, ii = id;
  if (!model_mon_holds(mon, MON_C_2_8_17_3, c->order_ok))
    model_mon_violate(mon, MON_C_2_8_17_3, q, id, c->bad,
                      "packed queue %u buffer %u: readable descriptor after a writable one", qq,
                      ii);
  if (!model_mon_has(mon, VIRTIO_F_INDIRECT_DESC)) {
    /* 2.8.19#1: every list published without INDIRECT_DESC is an
     * evaluation, so a driver that keeps the rule shows it kept */
    if (!model_mon_holds(mon, MON_C_2_8_19_1, c->ind_feature_ok))
      model_mon_violate(mon, MON_C_2_8_19_1, q, id, 0,
                        "packed queue %u buffer %u: INDIRECT without INDIRECT_DESC", qq, ii);
    return;
  }
  (void)model_mon_judge(mon, MON_C_2_8_19_4, c->ind_next_ok, q, id, 0,
                        "packed queue %u buffer %u: INDIRECT descriptor in a NEXT list", qq, ii);
  if (!indirect_seen || !c->ind_next_ok)
    return;
  (void)model_mon_judge(mon, MON_C_2_8_19_3, c->ind_len_ok, q, id, 0,
                        "packed queue %u buffer %u: indirect table longer than the queue size", qq,
                        ii);
  (void)model_mon_judge(mon, MON_C_2_8_19_2, c->ind_flags_ok, q, id, c->bad,
                        "packed queue %u buffer %u: indirect entry %u has flags other than WRITE",
                        qq, ii, (unsigned)c->bad);
}

/* 2.8.17#1: no list longer than the device allows. The monitor observes
 * virtio-mmio, which sets no limit of its own, and virtio-net sets none
 * either (unlike, say, virtio-blk's seg_max): for it the only limit is the
 * queue size, and #1 is judged beside #2, firing together with it. For
 * another device the limit is not known, and #1 is not judged. */
static bool list_limit_is_queue_size(const struct model_mon *mon) {
  return mon->cfg.device_id == VIRTIO_ID_NET;
}

/* The list of n descriptors at the driver's position is complete: judge it
 * and make it an outstanding buffer. */
static void list_publish(struct model_mon *mon, uint16_t q, struct mon_pring *pr, uint32_t n) {
  bool judge = driver_rules(mon);
  if (judge) {
    if (list_limit_is_queue_size(mon))
      model_mon_eval(mon, MON_C_2_8_17_1);
    model_mon_eval(mon, MON_C_2_8_17_2);
    model_mon_eval(mon, MON_C_2_8_17_5);
    if (!pr->pending_judged)
      model_mon_eval(mon, MON_C_2_8_17_6);
  }
  pr->pending = pr->pending_judged = false;
  if (pr->pool_count == 0) {
    pr->lost = true; /* cannot happen: at most num buffers are outstanding */
    return;
  }
  uint16_t b = pr->pool[--pr->pool_count];
  struct mon_head *h = &pr->r->heads[b];
  *h = (struct mon_head){.first_range = MON_NONE32,
                         .last_range = MON_NONE32,
                         .first_desc = MON_NONE16,
                         .outstanding = true};
  pr->r->seg_count = 0;
  struct list_check c = {true, true, true, true, true, false, 0};
  bool indirect_seen = false;
  uint16_t id = 0;
  for (uint32_t k = 0; k < n; k++) {
    struct model_packed_pos p = model_packed_pos_advance(pr->drv_pos, k, pr->num);
    struct pdesc d;
    if (!pdesc_read(mon, pr->desc, p.idx, &d))
      break;
    id = d.id; /* the buffer id is the last descriptor's */
    if ((d.flags & VIRTQ_DESC_F_INDIRECT) != 0) {
      indirect_seen = true;
      list_indirect(mon, pr, b, &c, &d, n);
      continue;
    }
    list_buffer(pr, b, &c, d.addr, d.len, (d.flags & VIRTQ_DESC_F_WRITE) != 0, k);
  }
  if (judge)
    list_judge(mon, q, id, &c, indirect_seen);
  pr->bufs[b] = (struct pbuf){.first = pr->drv_pos, .slots = n, .id = id, .started = false};
  for (uint32_t k = 0; k < n; k++)
    pr->slot_buf[(pr->drv_pos.idx + k) % pr->num] = b;
  pr->id_buf[id] = b; /* a duplicate outstanding id: the newest; a use takes the oldest */
  pr->id_state[id] = ID_OUT;
  pr->order[(pr->order_first + pr->order_count) % pr->num] = b;
  pr->order_count++;
  if (judge && is_live(mon) && !pr->notify_check) {
    pr->notify_check = true;
    pr->pub_from = pr->drv_pos;
  }
  pr->drv_pos = model_packed_pos_advance(pr->drv_pos, n, pr->num);
  bool well_formed =
      c.order_ok && c.ind_feature_ok && c.ind_flags_ok && c.ind_len_ok && c.ind_next_ok;
  if (judge && well_formed)
    model_mon_net_published(mon, q, pr->r, b);
}

enum take { TAKE_NONE, TAKE_DONE, TAKE_PENDING };

/* Is a list available at the driver's position? */
static enum take list_take(struct model_mon *mon, uint16_t q, struct mon_pring *pr) {
  uint32_t free_slots = pr->num - region(pr);
  bool judge = driver_rules(mon);
  for (uint32_t k = 0;; k++) {
    if (k >= pr->num) {
      /* 2.8.17#2: NEXT on the queue size-th descriptor; #1 with it where
       * the queue size is the device's limit */
      if (judge && list_limit_is_queue_size(mon))
        (void)model_mon_judge(mon, MON_C_2_8_17_1, false, q, pr->drv_pos.idx, k,
                              "packed queue %u list at slot %u longer than the device allows "
                              "(the queue size)",
                              (unsigned)q, (unsigned)pr->drv_pos.idx);
      if (judge)
        (void)model_mon_judge(mon, MON_C_2_8_17_2, false, q, pr->drv_pos.idx, k,
                              "packed queue %u list at slot %u longer than the queue size",
                              (unsigned)q, (unsigned)pr->drv_pos.idx);
      pr->lost = true;
      return TAKE_NONE;
    }
    struct model_packed_pos p = model_packed_pos_advance(pr->drv_pos, k, pr->num);
    uint16_t flags = 0;
    if (!flags_read(mon, pr, p.idx, &flags))
      return TAKE_NONE;
    bool avail = model_packed_is_avail(flags, p.wrap);
    if (k >= free_slots) {
      if (k == 0 && !avail)
        return TAKE_NONE;
      /* 2.8.17#5: the list reaches a slot the device still owns */
      if (judge)
        (void)model_mon_judge(mon, MON_C_2_8_17_5, false, q, pr->drv_pos.idx, k,
                              "packed queue %u list at slot %u needs slot %u, still the device's",
                              (unsigned)q, (unsigned)pr->drv_pos.idx, (unsigned)p.idx);
      pr->lost = true;
      return TAKE_NONE;
    }
    if (!avail)
      return k == 0 ? TAKE_NONE : TAKE_PENDING;
    if ((flags & VIRTQ_DESC_F_NEXT) == 0) {
      list_publish(mon, q, pr, k + 1u);
      return TAKE_DONE;
    }
  }
}

static void pending_violation(struct model_mon *mon, uint16_t q, struct mon_pring *pr) {
  if (pr->pending_judged || !driver_rules(mon))
    return;
  pr->pending_judged = true;
  (void)model_mon_judge(mon, MON_C_2_8_17_6, false, q, pr->drv_pos.idx, 0,
                        "packed queue %u: first descriptor at slot %u available before the rest "
                        "of its list",
                        (unsigned)q, (unsigned)pr->drv_pos.idx);
}

static void driver_scan(struct model_mon *mon, uint16_t q, struct mon_pring *pr) {
  while (!pr->lost) {
    enum take t = list_take(mon, q, pr);
    if (t == TAKE_DONE)
      continue;
    pr->pending = t == TAKE_PENDING;
    return;
  }
}

/* ---- the device's used descriptors --------------------------------------------------- */

static bool in_order(const struct model_mon *mon) {
  return model_mon_has(mon, VIRTIO_F_IN_ORDER);
}

/* How many used buffers are visible from the device's position, each used
 * descriptor at the position the one before leads to. With IN_ORDER a used
 * descriptor stands for the oldest outstanding buffers up to the one it
 * names (a batch, 2.7.9): a cursor into the order list counts them all. */
static uint16_t used_visible(const struct model_mon *mon, const struct mon_pring *pr) {
  struct model_packed_pos p = pr->dev_pos;
  uint32_t left = region(pr), pos = 0;
  uint16_t n = 0;
  while (left > 0) {
    uint16_t flags = 0, id = 0;
    if (!flags_read(mon, pr, p.idx, &flags) || !model_packed_is_used(flags, p.wrap) ||
        !model_mon_peek_le16(
            mon, pr->desc + model_packed_desc_off(p.idx) + MODEL_PACKED_DESC_OFF_ID, &id) ||
        pr->id_state[id] != ID_OUT)
      break;
    uint32_t j = order_find_id(pr, in_order(mon) ? pos : 0u, id);
    if (j == pr->order_count)
      break;
    uint16_t b = order_at(pr, j);
    uint32_t slots = pr->bufs[b].slots, bufs = 1;
    if (in_order(mon)) {
      for (uint32_t k = pos; k < j; k++)
        slots += pr->bufs[order_at(pr, k)].slots;
      bufs = j + 1u - pos;
      pos = j + 1u;
    }
    if (slots > left || bufs > (uint32_t)(UINT16_MAX - n))
      break;
    n = (uint16_t)(n + bufs);
    left -= slots;
    p = model_packed_pos_advance(p, slots, pr->num);
  }
  return n;
}

/* The payload checks for a use of the oldest j + 1 outstanding buffers
 * (IN_ORDER; otherwise just b, j 0): the ones a batch skips were used
 * completely (2.7.9), so their len is their writable bytes; `visible` used
 * buffers, the first of them included, were visible together. */
static void used_net(struct model_mon *mon, uint16_t q, struct mon_pring *pr, uint16_t b,
                     uint32_t len, uint32_t j, uint16_t visible) {
  for (uint32_t k = 0; k < j; k++) {
    uint16_t x = order_at(pr, k);
    uint64_t w = pr->r->heads[x].writable;
    model_mon_net_used_packed(mon, q, pr->r, x, w < UINT32_MAX ? (uint32_t)w : UINT32_MAX,
                              visible > k ? (uint16_t)(visible - k) : 1u);
  }
  model_mon_net_used_packed(mon, q, pr->r, b, len, visible > j ? (uint16_t)(visible - j) : 1u);
}

/* A used marking with this id (and len) at the device's position;
 * `visible` used buffers were visible with it (payload checks). Returns how
 * many buffers the marking used. */
static uint32_t used_take(struct model_mon *mon, uint16_t q, struct mon_pring *pr, uint16_t id,
                          uint32_t len, uint16_t visible) {
  uint32_t reg = region(pr);
  uint8_t st = pr->id_state[id];
  if (st != ID_OUT || reg == 0) {
    if (in_order(mon) && st == ID_SKIPPED)
      (void)model_mon_judge(mon, MON_C_6_2_3, false, q, id, pr->dev_pos.idx,
                            "packed queue %u: buffer %u used after a later buffer's batch",
                            (unsigned)q, (unsigned)id);
    else
      (void)model_mon_judge(mon, MON_C_2_8_15_3, false, q, id, pr->dev_pos.idx,
                            "packed queue %u: used descriptor at slot %u for buffer %u, which is "
                            "not available",
                            (unsigned)q, (unsigned)pr->dev_pos.idx, (unsigned)id);
    pr->lost = true;
    return 1;
  }
  model_mon_eval(mon, MON_C_2_8_15_3);
  uint32_t j = order_find_id(pr, 0, id);
  uint16_t b = j < pr->order_count ? order_at(pr, j) : pr->id_buf[id];
  uint32_t total = 0, taken = in_order(mon) && j < pr->order_count ? j + 1u : 1u;
  used_net(mon, q, pr, b, len, taken - 1u, visible);
  if (in_order(mon)) {
    /* 6.2#3: one used descriptor for the oldest j + 1 buffers */
    (void)model_mon_judge(mon, MON_C_6_2_3, j < pr->order_count, q, id, j, "in order");
    for (uint32_t k = 0; k <= j && pr->order_count > 0; k++) {
      uint16_t x = order_at(pr, 0);
      total += pr->bufs[x].slots;
      order_pop_front(pr);
      buf_release(pr, x, x == b ? ID_FREE : ID_SKIPPED);
    }
  } else {
    total = pr->bufs[b].slots;
    if (j < pr->order_count)
      order_remove(pr, j);
    buf_release(pr, b, ID_FREE);
  }
  prefix_extend(pr);
  if (total > reg) {
    pr->lost = true;
    return taken;
  }
  for (uint32_t k = 0; k < total; k++) {
    uint32_t slot = (pr->dev_pos.idx + k) % pr->num;
    if (pr->used_done[slot] == 0)
      continue;
    pr->ahead--;
    uint16_t named = 0;
    if (k > 0 && in_order(mon) &&
        model_mon_peek_le16(mon, pr->desc + model_packed_desc_off(slot) + MODEL_PACKED_DESC_OFF_ID,
                            &named) &&
        pr->id_state[named] == ID_SKIPPED) {
      /* 6.2#3: in a slot the batch skips, a used descriptor of its own for
       * a buffer the batch covered: that buffer was used after a later one
       * (the positions still agree: the shadow goes on) */
      (void)model_mon_judge(mon, MON_C_6_2_3, false, q, named, slot,
                            "packed queue %u: buffer %u used at slot %u after a later buffer's "
                            "batch at slot %u",
                            (unsigned)q, (unsigned)named, (unsigned)slot,
                            (unsigned)pr->dev_pos.idx);
      continue;
    }
    if (k > 0) {
      /* 2.8.12#2: a used marking in a slot this use skips */
      (void)model_mon_judge(mon, MON_C_2_8_12_2, false, q, slot, pr->dev_pos.idx,
                            "packed queue %u: used descriptor at slot %u, skipped by the use at "
                            "slot %u",
                            (unsigned)q, (unsigned)slot, (unsigned)pr->dev_pos.idx);
      pr->lost = true;
      return taken;
    }
  }
  pr->dev_pos = model_packed_pos_advance(pr->dev_pos, total, pr->num);
  mon->used_moved_since_ack = true;
  if (region(pr) == 0)
    (void)flags_read(mon, pr, pr->dev_pos.idx, &pr->idle_flags);
  return taken;
}

bool model_mon_packed_outstanding(const struct mon_pring *pr, uint32_t *count) {
  if (pr->lost)
    return false;
  *count = pr->order_count;
  return true;
}

static void device_scan(struct model_mon *mon, uint16_t q, struct mon_pring *pr) {
  /* only the payload checks (virtio-net) need what is visible together */
  uint16_t visible = mon->cfg.device_id == VIRTIO_ID_NET ? used_visible(mon, pr) : 0u;
  while (!pr->lost) {
    uint16_t flags = 0, id = 0;
    uint32_t len = 0;
    if (!flags_read(mon, pr, pr->dev_pos.idx, &flags))
      return;
    bool used = model_packed_is_used(flags, pr->dev_pos.wrap);
    if (region(pr) == 0) {
      if (!used || flags == pr->idle_flags)
        return;
    } else if (!used) {
      if (model_packed_is_avail(flags, pr->dev_pos.wrap))
        return;
      /* 2.8.12#2: neither available nor a used marking for this lap */
      (void)model_mon_judge(mon, MON_C_2_8_12_2, false, q, pr->dev_pos.idx, flags,
                            "packed queue %u slot %u flags 0x%x: no used marking for wrap %u",
                            (unsigned)q, (unsigned)pr->dev_pos.idx, (unsigned)flags,
                            (unsigned)pr->dev_pos.wrap);
      pr->lost = true;
      return;
    }
    uint64_t d = pr->desc + model_packed_desc_off(pr->dev_pos.idx);
    if (!model_mon_peek_le16(mon, d + MODEL_PACKED_DESC_OFF_ID, &id) ||
        !model_mon_peek_le32(mon, d + MODEL_PACKED_DESC_OFF_LEN, &len))
      return;
    uint32_t taken = used_take(mon, q, pr, id, len, visible);
    visible = visible > taken ? (uint16_t)(visible - taken) : 0u;
  }
}

void model_mon_packed_sync(struct model_mon *mon) {
  for (uint32_t live = mon->packed_live; live != 0; live &= live - 1u) {
    uint16_t q = model_mon_live_first(live);
    struct mon_pring *pr = mon->queues[q].pring; /* live: ready, with a packed shadow */
    driver_scan(mon, q, pr);
    device_scan(mon, q, pr);
  }
}

/* ---- notifications --------------------------------------------------------------- */

void model_mon_packed_notify(struct model_mon *mon, uint16_t q) {
  struct mon_pring *pr = pring_of(mon, q);
  if (pr == NULL)
    return;
  pr->notify_check = false;
}

/* 2.8.21.3.1#1: buffers made available and no notification. It was owed
 * if the device asks for every one (ENABLE) or its event descriptor was
 * passed (DESC); otherwise the decision is only sound on a read of the
 * device area made after the flags write (seen with accesses). */
static void notify_judge(struct model_mon *mon, uint16_t q, struct mon_pring *pr) {
  uint16_t flags = 0, off_wrap = 0;
  if (!model_mon_peek_le16(mon, pr->dev_evt + MODEL_PACKED_EVENT_OFF_FLAGS, &flags) ||
      !model_mon_peek_le16(mon, pr->dev_evt + MODEL_PACKED_EVENT_OFF_DESC, &off_wrap))
    return;
  flags &= MODEL_PACKED_EVENT_FLAGS_MASK;
  bool owed = flags == RING_EVENT_FLAGS_ENABLE;
  struct model_packed_pos event = model_packed_event_decode(off_wrap);
  if (flags == RING_EVENT_FLAGS_DESC && model_mon_has(mon, VIRTIO_F_EVENT_IDX) &&
      event.idx < pr->num && model_packed_need_event(event, pr->drv_pos, pr->pub_from, pr->num))
    owed = true;
  bool fresh = !model_mon_accesses(mon) || pr->evt_read_seq > pr->flags_write_seq;
  (void)model_mon_judge(mon, MON_C_2_8_21_3_1_1, !owed && fresh, q, flags, off_wrap,
                        owed ? "packed queue %u: made buffers available up to slot %u, device "
                               "event flags %u ask for a notification, none sent"
                             : "packed queue %u: made buffers available up to slot %u and skipped "
                               "the notification without reading the device event area (flags "
                               "%u) after its flags write",
                        (unsigned)q, (unsigned)pr->drv_pos.idx, (unsigned)flags);
}

void model_mon_packed_event_end(struct model_mon *mon) {
  for (uint32_t live = mon->packed_live; live != 0; live &= live - 1u) {
    uint16_t q = model_mon_live_first(live);
    struct mon_pring *pr = mon->queues[q].pring; /* live: ready, with a packed shadow */
    if (!pr->lost && pr->pending)
      pending_violation(mon, q, pr);
    if (!pr->lost && pr->ahead > 0) {
      /* 2.8.12#2: the event ended with used markings off the used position;
       * not judged when one of the device's accesses failed in it (an
       * injected fault cut its flush short, before the write that would
       * have made them visible: the device broke the queue) */
      if (!mon->failed_access[MON_SLOT_DEVICE])
        (void)model_mon_judge(mon, MON_C_2_8_12_2, false, q, pr->ahead, pr->dev_pos.idx,
                              "packed queue %u: %u used descriptors written beyond the used "
                              "position %u",
                              (unsigned)q, (unsigned)pr->ahead, (unsigned)pr->dev_pos.idx);
      pr->lost = true;
    }
    if (!pr->lost && pr->notify_check && driver_rules(mon) && is_live(mon) &&
        !mon->failed_access[MON_SLOT_DRIVER] && (mon->status & VIRTIO_STATUS_FAILED) == 0)
      notify_judge(mon, q, pr);
    pr->notify_check = false;
  }
}

/* ---- accesses --------------------------------------------------------------------- */

/* The driver wrote bytes [b0, b1) of descriptor slot s. */
static void driver_desc_write(struct model_mon *mon, uint16_t q, struct mon_pring *pr, uint32_t s,
                              uint32_t b0, uint32_t b1) {
  uint32_t now = mon->event_id + 1u;
  bool flags_touched = b1 > MODEL_PACKED_DESC_OFF_FLAGS;
  bool judge = driver_rules(mon) && !pr->lost;
  pr->seq++;
  if (from_dev(pr, s) < region(pr)) {
    if (!judge)
      return;
    if (pr->avail_mark[s] == now)
      (void)model_mon_judge(mon, MON_C_2_8_21_1_1_1, false, q, s, b0,
                            "packed queue %u slot %u written after the flags write that made it "
                            "available",
                            (unsigned)q, (unsigned)s);
    else
      (void)model_mon_judge(mon, MON_C_2_8_16_1, false, q, s, b0,
                            "packed queue %u slot %u written while the device owns it", (unsigned)q,
                            (unsigned)s);
    return;
  }
  pr->used_done[s] = 0;
  if (!judge)
    return;
  model_mon_eval(mon, MON_C_2_8_16_1);
  bool wrap = s >= pr->drv_pos.idx ? pr->drv_pos.wrap : !pr->drv_pos.wrap;
  uint16_t flags = 0;
  if (!flags_read(mon, pr, s, &flags))
    return;
  bool avail = model_packed_is_avail(flags, wrap);
  if (!flags_touched) {
    if (avail && pr->avail_mark[s] == now)
      (void)model_mon_judge(mon, MON_C_2_8_21_1_1_1, false, q, s, b0,
                            "packed queue %u slot %u written after the flags write that made it "
                            "available",
                            (unsigned)q, (unsigned)s);
    else if (!model_mon_holds(mon, MON_C_2_8_16_2, !avail))
      model_mon_violate(mon, MON_C_2_8_16_2, q, s, b0,
                        "packed queue %u slot %u changed after its flags made it available",
                        (unsigned)q, (unsigned)s);
    return;
  }
  if (avail) {
    model_mon_eval(mon, MON_C_2_8_21_1_1_1);
    pr->avail_mark[s] = now;
    pr->flags_write_seq = pr->seq;
    driver_scan(mon, q, pr);
    if (pr->pending)
      pending_violation(mon, q, pr); /* 2.8.17#6: the head went first */
  }
}

/* The device wrote bytes [b0, b1) of descriptor slot s. */
static void device_desc_write(struct model_mon *mon, uint16_t q, struct mon_pring *pr, uint32_t s,
                              uint32_t b0, uint32_t b1) {
  enum mon_chk chk = model_mon_driver_ok_chk(mon);
  if (!model_mon_holds(mon, chk, is_live(mon)))
    model_mon_violate(mon, chk, q, s, b0,
                      "packed queue %u slot %u written by the device without DRIVER_OK",
                      (unsigned)q, (unsigned)s);
  if (pr->lost)
    return;
  if (pr->used_done[s] != 0) {
    (void)model_mon_judge(mon, MON_C_2_8_15_4, false, q, s, b0,
                          "packed queue %u slot %u changed after its used flags write", (unsigned)q,
                          (unsigned)s);
    return;
  }
  model_mon_eval(mon, MON_C_2_8_15_4);
  uint32_t reg = region(pr);
  if (reg == 0 && s == pr->dev_pos.idx) {
    /* nothing is available here: the used marking, when it comes, is
     * judged by the id it names (2.8.15#3, or 6.2#3 for a skipped one) */
    uint16_t id = 0;
    if (b1 > MODEL_PACKED_DESC_OFF_FLAGS &&
        model_mon_peek_le16(mon, pr->desc + model_packed_desc_off(s) + MODEL_PACKED_DESC_OFF_ID,
                            &id))
      used_take(mon, q, pr, id, 0, 1);
    return;
  }
  if (from_dev(pr, s) >= reg) {
    (void)model_mon_judge(mon, MON_C_2_8_12_2, false, q, s, pr->dev_pos.idx,
                          "packed queue %u: device wrote slot %u, the driver's (used position %u)",
                          (unsigned)q, (unsigned)s, (unsigned)pr->dev_pos.idx);
    pr->lost = true;
    return;
  }
  /* A device slot: used descriptors may be written ahead of the used
   * position (a flush whose first flags come last); whether each one is at
   * a used position shows when the scan reaches it (used_take) or at the
   * end of the event. */
  if (b1 <= MODEL_PACKED_DESC_OFF_FLAGS)
    return; /* id or len ahead of the flags */
  uint16_t flags = 0;
  if (!flags_read(mon, pr, s, &flags))
    return;
  struct model_packed_pos p = model_packed_pos_advance(pr->dev_pos, from_dev(pr, s), pr->num);
  if (!model_mon_holds(mon, MON_C_2_8_12_2, model_packed_is_used(flags, p.wrap))) {
    model_mon_violate(mon, MON_C_2_8_12_2, q, s, flags,
                      "packed queue %u slot %u flags 0x%x: no used marking for wrap %u",
                      (unsigned)q, (unsigned)s, (unsigned)flags, (unsigned)p.wrap);
    pr->lost = true;
    return;
  }
  pr->used_done[s] = 1;
  pr->ahead++;
  device_scan(mon, q, pr);
}

/* The pool index of the list not yet started that holds the region slot s
 * (accesses), from slot_buf. Within the region (at most num slots) each slot
 * was made available in the current lap, so slot_buf names the list there;
 * it counts only while that list is outstanding and not yet started (a
 * started list may have been outstanding for laps: its reads no longer
 * matter). */
static bool unstarted_at(const struct mon_pring *pr, uint32_t s, uint16_t *out) {
  uint16_t b = pr->slot_buf[s];
  const struct pbuf *buf = &pr->bufs[b];
  struct model_packed_pos p = model_packed_pos_advance(pr->dev_pos, from_dev(pr, s), pr->num);
  if (buf->started || !pr->r->heads[b].outstanding ||
      model_packed_pos_distance(buf->first, p, pr->num) >= buf->slots)
    return false;
  *out = b;
  return true;
}

/* The device read addr or len of slot s: it starts processing that list. */
static void device_desc_read(struct model_mon *mon, uint16_t q, struct mon_pring *pr, uint32_t s) {
  if (pr->lost || from_dev(pr, s) >= region(pr))
    return;
  uint16_t b = 0;
  if (!unstarted_at(pr, s, &b) || pr->started_prefix >= pr->order_count)
    return; /* a list already started */
  pr->bufs[b].started = true;
  /* 2.8.12#1: lists are started in the order they were made available */
  if (!model_mon_holds(mon, MON_C_2_8_12_1, order_at(pr, pr->started_prefix) == b))
    model_mon_violate(mon, MON_C_2_8_12_1, q, s, pr->started_prefix,
                      "packed queue %u: device starts the list at slot %u before an earlier "
                      "one",
                      (unsigned)q, (unsigned)s);
  prefix_extend(pr);
}

static bool ring_access(struct model_mon *mon, enum model_mon_actor actor, uint16_t q,
                        struct mon_pring *pr, uint64_t addr, uint64_t len, bool write) {
  uint64_t end = area_end(addr, len);
  bool in_desc = addr < pr->desc_end && pr->desc < end;
  bool in_drv_evt = addr < pr->drv_evt_end && pr->drv_evt < end;
  bool in_dev_evt = addr < pr->dev_evt_end && pr->dev_evt < end;
  if (actor == MODEL_MON_DEVICE && (in_desc || in_drv_evt || in_dev_evt))
    model_mon_eval(mon, MON_C_4_2_2_1_7);
  if (in_desc) {
    uint64_t lo = addr > pr->desc ? addr - pr->desc : 0;
    uint64_t hi = (end < pr->desc_end ? end : pr->desc_end) - pr->desc; /* exclusive */
    uint64_t first = lo / MODEL_PACKED_DESC_SIZE, last = (hi - 1u) / MODEL_PACKED_DESC_SIZE;
    for (uint64_t s = first; s <= last; s++) {
      uint64_t base = s * MODEL_PACKED_DESC_SIZE;
      uint32_t b0 = s == first ? (uint32_t)(lo - base) : 0u;
      uint32_t b1 = s == last ? (uint32_t)(hi - base) : MODEL_PACKED_DESC_SIZE;
      if (actor == MODEL_MON_DRIVER && write)
        driver_desc_write(mon, q, pr, (uint32_t)s, b0, b1);
      else if (actor == MODEL_MON_DEVICE && write)
        device_desc_write(mon, q, pr, (uint32_t)s, b0, b1);
      else if (actor == MODEL_MON_DEVICE && b0 < MODEL_PACKED_DESC_OFF_ID)
        device_desc_read(mon, q, pr, (uint32_t)s);
    }
  }
  if (in_dev_evt && actor == MODEL_MON_DRIVER && !write)
    pr->evt_read_seq = ++pr->seq;
  return in_desc || in_drv_evt || in_dev_evt;
}

/* 2.8.15#1, #2: a device access inside an outstanding buffer. */
static bool buffer_access(struct model_mon *mon, uint16_t q, struct mon_pring *pr, uint64_t addr,
                          uint64_t len, bool write) {
  unsigned all = (1u << MON_RANGE_READ) | (1u << MON_RANGE_WRITE) | (1u << MON_RANGE_TABLE);
  if (model_mon_ranges_find(pr->r, addr, len, all) == NULL)
    return false;
  unsigned bad = write ? (1u << MON_RANGE_READ) | (1u << MON_RANGE_TABLE) : 1u << MON_RANGE_WRITE;
  const struct mon_range *r = model_mon_ranges_find(pr->r, addr, len, bad);
  uint16_t id = r != NULL ? pr->bufs[r->head].id : 0;
  if (write)
    (void)model_mon_judge(mon, MON_C_2_8_15_1, r == NULL, q, id, addr,
                          "device write of 0x%llx+%llu in a device-readable part of buffer %u, "
                          "packed queue %u",
                          (unsigned long long)addr, (unsigned long long)len, (unsigned)id,
                          (unsigned)q);
  else
    (void)model_mon_judge(mon, MON_C_2_8_15_2, r == NULL, q, id, addr,
                          "device read of 0x%llx+%llu in a device-writable part of buffer %u, "
                          "packed queue %u",
                          (unsigned long long)addr, (unsigned long long)len, (unsigned)id,
                          (unsigned)q);
  return true;
}

bool model_mon_packed_access(struct model_mon *mon, enum model_mon_actor actor, uint64_t addr,
                             uint64_t len, bool write) {
  bool any = false;
  /* only the queues with a packed shadow, in queue order (packed_live) */
  for (uint32_t live = mon->packed_live; live != 0; live &= live - 1u) {
    uint16_t q = model_mon_live_first(live);
    struct mon_pring *pr = mon->queues[q].pring; /* live: ready, with a packed shadow */
    any = true;
    if (ring_access(mon, actor, q, pr, addr, len, write))
      return true;
  }
  if (!any || actor != MODEL_MON_DEVICE)
    return false;
  for (uint32_t live = mon->packed_live; live != 0; live &= live - 1u) {
    uint16_t q = model_mon_live_first(live);
    if (buffer_access(mon, q, mon->queues[q].pring, addr, len, write))
      return true;
  }
  return false;
}
