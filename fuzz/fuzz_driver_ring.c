/*
 * fuzz/fuzz_driver_ring.c: attacks the driver side of split and packed
 * virtqueues (frontend/vq.h) with a hostile device. The input picks the ring
 * format, the queue size, the features (INDIRECT_DESC, EVENT_IDX, IN_ORDER),
 * a start index (16-bit wrap) and a small allocator (indirect tables run out),
 * then a list of operations: the driver adds
 * buffers, kicks, polls (get_used, has_used), switches callbacks, notifies;
 * the device writes what it owns in guest memory between those calls: split,
 * used idx, used elements (any id and len), used flags and avail_event;
 * packed, used descriptors (any slot, id, len, flags and wrap bits) and the
 * Device Event Suppression area. A "helpful" device operation uses an
 * outstanding buffer correctly (with any len) so that inputs get past the
 * first checks; a reset operation detaches everything and starts a new queue.
 *
 * Oracles, besides the sanitizers:
 * - get_used only returns a token that was added and not yet returned, with
 *   len within that buffer's device-writable bytes;
 * - every call answers one of its documented results; a get_used, has_used
 *   or enable_cb error other than RING_EMPTY leaves the queue broken;
 * - a broken queue records a violation and refuses add, kick, notify,
 *   get_used, has_used, enable_cb and disable_cb with RING_BROKEN;
 * - detach_unused after a reset returns exactly the outstanding tokens,
 *   each once, then RING_EMPTY.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frontend/alloc.h"
#include "frontend/vq.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_input.h"
#include "model/packed.h"
#include "model/split.h"
#include "model/virtio.h"
#include "sim/bus.h"
#include "sim/sched.h"

#define RAM_BASE  0x10000000u
#define RAM_SIZE  (32u * 1024u)                /* ring areas and indirect tables: the allocator's */
#define BUF_BASE  0x20000000u                  /* data buffers: the driver never touches them */
#define INPUT_MAX 4096u                        /* bytes of the input used */
#define TOKEN_MAX (INPUT_MAX + 1u)             /* at most one add per byte */
#define TOKEN_TAG UINT64_C(0x5a5a000000000000) /* tokens are TOKEN_TAG | n */
#define SG_MAX    258u

enum token_state { TOKEN_UNUSED, TOKEN_OUT, TOKEN_BACK };

struct world {
  struct sim_sched sched;
  struct sim_bus bus;
  struct drv_alloc alloc;
  struct drv_vq vq;
  bool live;
  uint32_t size;
  uint64_t features;
  struct model_packed_pos dev_pos; /* packed: where the helpful device writes next */
  uint64_t dev_used[256];          /* per head (split) or id (packed): the token it used */
  uint32_t token_count;
  uint32_t outstanding;
  uint64_t notifies;
  struct drv_sg sg[SG_MAX];
  /* from here on not cleared per input: only the first token_count are read */
  uint8_t state[TOKEN_MAX]; /* enum token_state per token number */
  uint64_t writable[TOKEN_MAX];
};

static model_err count_notify(void *ctx, uint16_t index, uint32_t value) {
  struct world *w = ctx;
  (void)index;
  (void)value;
  w->notifies++;
  return MODEL_OK;
}

static void dev_wr16(struct world *w, uint64_t addr, uint16_t v) {
  if (sim_bus_write_le16(&w->bus, SIM_ACTOR_DEVICE, addr, v) != MODEL_OK)
    fuzz_fail("device write16 at 0x%llx refused", (unsigned long long)addr);
}
static void dev_wr32(struct world *w, uint64_t addr, uint32_t v) {
  if (sim_bus_write_le32(&w->bus, SIM_ACTOR_DEVICE, addr, v) != MODEL_OK)
    fuzz_fail("device write32 at 0x%llx refused", (unsigned long long)addr);
}
static uint16_t dev_rd16(struct world *w, uint64_t addr) {
  uint16_t v = 0;
  if (sim_bus_read_le16(&w->bus, SIM_ACTOR_DEVICE, addr, &v) != MODEL_OK)
    fuzz_fail("device read16 at 0x%llx refused", (unsigned long long)addr);
  return v;
}

static bool is_packed(const struct world *w) {
  return w->vq.format == DRV_VQ_PACKED;
}

/* A new queue; false if the configuration is refused (an illegal size). */
static bool queue_start(struct world *w, uint16_t start_idx, bool set_idx) {
  model_err err = drv_vq_init(&w->vq, &w->bus, &w->alloc, 0, w->size, w->features);
  if (err == MODEL_ERR_QUEUE_SIZE)
    return false;
  if (err != MODEL_OK)
    fuzz_fail("drv_vq_init(size %u): %s", (unsigned)w->size, model_err_name(err));
  w->live = true;
  drv_vq_set_notify(&w->vq, count_notify, w);
  if (set_idx) {
    err = drv_vq_test_set_idx(&w->vq, start_idx);
    if (err != MODEL_OK)
      fuzz_fail("drv_vq_test_set_idx(%u): %s", (unsigned)start_idx, model_err_name(err));
    /* the device is told the same: its used idx (split) or position (packed) */
    if (!is_packed(w))
      dev_wr16(w, w->vq.used_addr + MODEL_SPLIT_USED_OFF_IDX, start_idx);
  }
  w->dev_pos = w->vq.used_pos;
  memset(w->dev_used, 0, sizeof(w->dev_used));
  return true;
}

static void check_broken_refuses(struct world *w) {
  struct drv_vq *vq = &w->vq;
  if (vq->violation.err == MODEL_OK || vq->violation.clause == NULL)
    fuzz_fail("broken queue without a recorded violation");
  uint64_t token = 0;
  uint32_t len = 0;
  bool b = false;
  struct drv_sg sg = {.addr = BUF_BASE, .len = 8, .device_writable = true};
  model_err e[7] = {
      drv_vq_add(vq, &sg, 0, 1, TOKEN_TAG | 0xffffu, false),
      drv_vq_kick(vq, &b),
      drv_vq_notify(vq),
      drv_vq_get_used(vq, &token, &len),
      drv_vq_has_used(vq, &b),
      drv_vq_enable_cb(vq, &b),
      drv_vq_disable_cb(vq),
  };
  for (unsigned k = 0; k < 7; k++)
    if (e[k] != MODEL_ERR_RING_BROKEN)
      fuzz_fail("broken queue: call %u answered %s, not RING_BROKEN", k, model_err_name(e[k]));
}

/* After a reset: detach_unused gives back exactly the outstanding tokens. */
static void reset_and_detach(struct world *w) {
  static uint8_t seen[TOKEN_MAX];
  memset(seen, 0, w->token_count);
  uint32_t got = 0;
  for (;;) {
    uint64_t token = 0;
    model_err err = drv_vq_detach_unused(&w->vq, &token);
    if (err == MODEL_ERR_RING_EMPTY)
      break;
    if (err != MODEL_OK)
      fuzz_fail("detach_unused: %s", model_err_name(err));
    uint64_t n = token ^ TOKEN_TAG;
    if ((token & ~UINT64_C(0xffff)) != TOKEN_TAG || n >= w->token_count)
      fuzz_fail("detach_unused returned a token never added: 0x%llx", (unsigned long long)token);
    if (w->state[n] != TOKEN_OUT)
      fuzz_fail("detach_unused returned token %llu that is not outstanding (state %u)",
                (unsigned long long)n, (unsigned)w->state[n]);
    if (seen[n])
      fuzz_fail("detach_unused returned token %llu twice", (unsigned long long)n);
    seen[n] = 1;
    if (++got > w->outstanding)
      fuzz_fail("detach_unused returned more than the %u outstanding", (unsigned)w->outstanding);
  }
  if (got != w->outstanding)
    fuzz_fail("detach_unused returned %u of %u outstanding tokens", (unsigned)got,
              (unsigned)w->outstanding);
  for (uint32_t n = 0; n < w->token_count; n++)
    if (w->state[n] == TOKEN_OUT)
      w->state[n] = TOKEN_BACK;
  w->outstanding = 0;
  drv_vq_fini(&w->vq);
  w->live = false;
}

static void op_add(struct world *w, struct fuzz_input *in, bool simple) {
  unsigned out_count, in_count;
  bool indirect = false;
  uint8_t b = simple ? 0x04 : fuzz_u8(in);
  if (b & 0x80) {
    /* a longer chain: 4..8 descriptors, or at the queue size's edge (one
     * short, exactly, one beyond: 2.7.5.3.1#3, 2.8.17#2); lengths between
     * cost time and find nothing the edges do not */
    unsigned pick = fuzz_u8(in) % 8u;
    unsigned total = pick < 5u ? 4u + pick : w->size + pick - 6u;
    if (total > SG_MAX)
      total = SG_MAX;
    out_count = total ? (unsigned)(b & 0x0fu) % (total + 1u) : 0;
    in_count = total - out_count;
  } else {
    out_count = b & 3u;
    in_count = (b >> 2) & 3u;
  }
  indirect = (b >> 4) & 1u;
  uint64_t writable = 0;
  for (unsigned k = 0; k < out_count + in_count; k++) {
    uint8_t l = simple ? fuzz_u8(in) : (k < 4 ? fuzz_u8(in) : 0x10);
    uint32_t len = l == 0xff ? UINT32_MAX : (uint32_t)l * 8u;
    w->sg[k] =
        (struct drv_sg){.addr = BUF_BASE + 64u * k, .len = len, .device_writable = k >= out_count};
    if (k >= out_count)
      writable += len;
  }
  if (w->token_count >= TOKEN_MAX)
    return;
  uint32_t n = w->token_count;
  bool was_broken = drv_vq_is_broken(&w->vq);
  model_err err = drv_vq_add(&w->vq, w->sg, out_count, in_count, TOKEN_TAG | n, indirect);
  if (was_broken) {
    if (err != MODEL_ERR_RING_BROKEN)
      fuzz_fail("add on a broken queue: %s", model_err_name(err));
    return;
  }
  if (err == MODEL_OK) {
    w->token_count++;
    w->state[n] = TOKEN_OUT;
    w->writable[n] = writable;
    w->outstanding++;
  } else if (err != MODEL_ERR_RING_FULL && err != MODEL_ERR_INVALID_ARG) {
    fuzz_fail("add: %s", model_err_name(err));
  }
}

static void op_get_used(struct world *w, struct fuzz_input *in) {
  unsigned rounds = 1u + (fuzz_u8(in) & 7u);
  for (unsigned r = 0; r < rounds; r++) {
    uint64_t token = 0;
    uint32_t len = 0;
    bool was_broken = drv_vq_is_broken(&w->vq);
    model_err err = drv_vq_get_used(&w->vq, &token, &len);
    if (was_broken && err != MODEL_ERR_RING_BROKEN)
      fuzz_fail("get_used on a broken queue: %s", model_err_name(err));
    if (err == MODEL_ERR_RING_EMPTY || was_broken)
      return;
    if (err != MODEL_OK) {
      if (!drv_vq_is_broken(&w->vq))
        fuzz_fail("get_used: %s without breaking the queue", model_err_name(err));
      return;
    }
    uint64_t n = token ^ TOKEN_TAG;
    if ((token & ~UINT64_C(0xffff)) != TOKEN_TAG || n >= w->token_count)
      fuzz_fail("get_used returned a token never added: 0x%llx", (unsigned long long)token);
    if (w->state[n] != TOKEN_OUT)
      fuzz_fail("get_used returned token %llu that is not outstanding (state %u)",
                (unsigned long long)n, (unsigned)w->state[n]);
    if (len > w->writable[n])
      fuzz_fail("get_used: token %llu len %u beyond its %llu writable bytes", (unsigned long long)n,
                (unsigned)len, (unsigned long long)w->writable[n]);
    w->state[n] = TOKEN_BACK;
    w->outstanding--;
  }
}

/* A call that answers OK, or breaks the queue, or refuses a broken one. */
static void check_plain(struct world *w, const char *what, bool was_broken, model_err err) {
  if (was_broken) {
    if (err != MODEL_ERR_RING_BROKEN)
      fuzz_fail("%s on a broken queue: %s", what, model_err_name(err));
  } else if (err != MODEL_OK && !drv_vq_is_broken(&w->vq)) {
    fuzz_fail("%s: %s without breaking the queue", what, model_err_name(err));
  }
}

/* The device writes anything into what it owns. */
static void op_dev_raw(struct world *w, struct fuzz_input *in) {
  struct drv_vq *vq = &w->vq;
  uint8_t sub = fuzz_u8(in);
  if (!is_packed(w)) {
    switch (sub & 3u) {
    case 0:
      dev_wr16(w, vq->used_addr + MODEL_SPLIT_USED_OFF_IDX, fuzz_u16(in));
      break;
    case 1: {
      uint32_t slot = fuzz_u8(in) % w->size;
      uint64_t e = vq->used_addr + model_split_used_ring_off(slot);
      dev_wr32(w, e + MODEL_SPLIT_USED_ELEM_OFF_ID, fuzz_u32(in));
      dev_wr32(w, e + MODEL_SPLIT_USED_ELEM_OFF_LEN, fuzz_u32(in));
      break;
    }
    case 2:
      dev_wr16(w, vq->used_addr + MODEL_SPLIT_USED_OFF_FLAGS, fuzz_u16(in));
      break;
    default:
      dev_wr16(w, vq->used_addr + model_split_avail_event_off(w->size), fuzz_u16(in));
      break;
    }
    return;
  }
  switch (sub & 3u) {
  case 0:   /* a used descriptor anywhere, with any flags */
  case 1: { /* or at the device's position, with the right wrap bits or not */
    uint32_t slot = (sub & 1u) ? w->dev_pos.idx : fuzz_u8(in) % w->size;
    uint64_t d = vq->desc_addr + model_packed_desc_off(slot);
    dev_wr16(w, d + MODEL_PACKED_DESC_OFF_ID, fuzz_u16(in));
    dev_wr32(w, d + MODEL_PACKED_DESC_OFF_LEN, fuzz_u32(in));
    uint16_t flags = fuzz_u16(in);
    if (sub & 4u)
      flags = (uint16_t)((flags & ~(VIRTQ_DESC_F_AVAIL | VIRTQ_DESC_F_USED)) |
                         model_packed_used_bits(w->dev_pos.wrap));
    dev_wr16(w, d + MODEL_PACKED_DESC_OFF_FLAGS, flags);
    if (sub & 8u)
      w->dev_pos = model_packed_pos_advance(w->dev_pos, 1u + (sub >> 4) % w->size, w->size);
    break;
  }
  default: /* Device Event Suppression: off_wrap and flags */
    dev_wr16(w, vq->used_addr + MODEL_PACKED_EVENT_OFF_DESC, fuzz_u16(in));
    dev_wr16(w, vq->used_addr + MODEL_PACKED_EVENT_OFF_FLAGS, fuzz_u16(in));
    break;
  }
}

/* The device uses outstanding buffers as the spec says, with a len the
 * input picks (sometimes too long: the driver must catch it). Which ones:
 * the oldest it has not used yet, or (mode bit 1) any of them; with
 * IN_ORDER that is a batch through the one picked (2.7.9, 2.8.8): one used
 * entry naming the last, the split used idx moving by the batch size, the
 * packed position past all of its descriptors. */
static void op_dev_use(struct world *w, struct fuzz_input *in) {
  struct drv_vq *vq = &w->vq;
  uint8_t mode = fuzz_u8(in);
  unsigned count = 1u + (mode >> 5);
  for (unsigned c = 0; c < count; c++) {
    uint32_t live_count = 0;
    uint32_t oldest = UINT32_MAX;
    for (uint32_t i = 0; i < w->size; i++) {
      if (!vq->heads[i].outstanding || w->dev_used[i] == vq->heads[i].token)
        continue;
      live_count++;
      if (oldest == UINT32_MAX || vq->heads[i].token < vq->heads[oldest].token)
        oldest = i;
    }
    if (live_count == 0)
      return;
    uint32_t id = oldest;
    if (mode & 2u) { /* the pick-th unused outstanding head in slot order */
      uint32_t pick = fuzz_u8(in) % live_count;
      for (uint32_t i = 0; i < w->size; i++)
        if (vq->heads[i].outstanding && w->dev_used[i] != vq->heads[i].token && pick-- == 0) {
          id = i;
          break;
        }
    }
    /* the buffers this entry stands for: id alone, or with IN_ORDER every
     * unused one added before it */
    uint32_t batch = 0, descs = 0;
    for (uint32_t i = 0; i < w->size; i++)
      if (vq->heads[i].outstanding && w->dev_used[i] != vq->heads[i].token &&
          (i == id || (vq->in_order && vq->heads[i].token < vq->heads[id].token))) {
        w->dev_used[i] = vq->heads[i].token;
        batch++;
        descs += vq->heads[i].desc_count;
      }
    uint64_t writable = vq->heads[id].writable_bytes;
    uint32_t len = (mode & 1u) ? (uint32_t)(writable > UINT32_MAX ? UINT32_MAX : writable)
                               : (uint32_t)fuzz_u16(in);
    if (mode & 4u)
      len = fuzz_u32(in);
    if (!is_packed(w)) {
      uint16_t used_idx = dev_rd16(w, vq->used_addr + MODEL_SPLIT_USED_OFF_IDX);
      uint64_t e = vq->used_addr + model_split_used_ring_off(model_split_slot(used_idx, w->size));
      dev_wr32(w, e + MODEL_SPLIT_USED_ELEM_OFF_ID, id);
      dev_wr32(w, e + MODEL_SPLIT_USED_ELEM_OFF_LEN, len);
      dev_wr16(w, vq->used_addr + MODEL_SPLIT_USED_OFF_IDX, (uint16_t)(used_idx + batch));
    } else {
      uint64_t d = vq->desc_addr + model_packed_desc_off(w->dev_pos.idx);
      dev_wr16(w, d + MODEL_PACKED_DESC_OFF_ID, (uint16_t)id);
      dev_wr32(w, d + MODEL_PACKED_DESC_OFF_LEN, len);
      dev_wr16(w, d + MODEL_PACKED_DESC_OFF_FLAGS, model_packed_used_bits(w->dev_pos.wrap));
      /* descs <= size: outstanding buffers never hold more than the ring */
      w->dev_pos = model_packed_pos_advance(w->dev_pos, descs, w->size);
    }
  }
}

static void run(struct world *w, struct fuzz_input *in) {
  uint8_t cfg = fuzz_u8(in);
  uint8_t size_sel = fuzz_u8(in);
  bool packed = cfg & 1u;
  w->features = 0;
  if (packed)
    w->features |= model_feature_mask(VIRTIO_F_RING_PACKED);
  if (cfg & 2u)
    w->features |= model_feature_mask(VIRTIO_F_INDIRECT_DESC);
  if (cfg & 4u)
    w->features |= model_feature_mask(VIRTIO_F_EVENT_IDX);
  if (cfg & 8u)
    w->features |= model_feature_mask(VIRTIO_F_IN_ORDER);
  /* split: a power of two up to 256 (cfg bit 5: anything, mostly refused);
   * packed: 1..32 or 129..256 (small queues run faster and wrap sooner) */
  if (packed)
    w->size = (size_sel & 0x80u) ? (uint32_t)size_sel + 1u : (size_sel % 32u) + 1u;
  else
    w->size = (cfg & 0x20u) ? size_sel : 1u << (size_sel % 9u);
  bool set_idx = cfg & 0x10u; /* cfg 0x40: the small allocator (LLVMFuzzerTestOneInput) */
  uint16_t start_idx = set_idx ? fuzz_u16(in) : 0;
  if (!queue_start(w, start_idx, set_idx))
    return;

  bool broken_seen = false;
  while (in->pos < in->size) {
    uint8_t op = fuzz_u8(in);
    struct drv_vq *vq = &w->vq;
    bool was_broken = drv_vq_is_broken(vq);
    bool b = false;
    switch (op % 12u) {
    case 0:
      op_add(w, in, false);
      break;
    case 1:
    case 2:
      op_add(w, in, true);
      break;
    case 3:
      check_plain(w, "kick", was_broken, drv_vq_kick(vq, &b));
      break;
    case 4:
    case 5:
      op_get_used(w, in);
      break;
    case 6:
      check_plain(w, "has_used", was_broken, drv_vq_has_used(vq, &b));
      break;
    case 7:
      if (op & 0x80u)
        check_plain(w, "enable_cb", was_broken, drv_vq_enable_cb(vq, &b));
      else
        check_plain(w, "disable_cb", was_broken, drv_vq_disable_cb(vq));
      break;
    case 8:
      check_plain(w, "notify", was_broken, drv_vq_notify(vq));
      break;
    case 9:
      op_dev_raw(w, in);
      break;
    case 10:
      op_dev_use(w, in);
      break;
    default:
      if ((op & 0xf0u) != 0xb0u) { /* a reset: rarer than the rest */
        op_dev_use(w, in);
        break;
      }
      reset_and_detach(w);
      broken_seen = false;
      if (!queue_start(w, 0, false))
        fuzz_fail("re-init refused");
      break;
    }
    if (drv_vq_is_broken(&w->vq) && !broken_seen) {
      broken_seen = true;
      check_broken_refuses(w);
    }
    if (!drv_vq_is_broken(&w->vq) && w->vq.batch_left == 0 &&
        drv_vq_outstanding(&w->vq) != w->outstanding)
      fuzz_fail("driver counts %u outstanding, %u were added and not returned",
                (unsigned)drv_vq_outstanding(&w->vq), (unsigned)w->outstanding);
  }
  reset_and_detach(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct world w;
  memset(&w, 0, offsetof(struct world, state));
  struct fuzz_input in = {.data = data, .size = size < INPUT_MAX ? size : INPUT_MAX, .pos = 0};
  if (sim_sched_init(&w.sched, 64) != MODEL_OK)
    fuzz_fail("sim_sched_init");
  sim_bus_init(&w.bus, &w.sched, NULL, NULL, 1);
  if (sim_bus_add_region(&w.bus, RAM_BASE, RAM_SIZE, SIM_PERM_ALL) != MODEL_OK)
    fuzz_fail("sim_bus_add_region");
  /* input bit 0x40 of the first byte: a block table so small that indirect
   * tables soon run out (the driver falls back to direct chains) */
  size_t blocks = size > 0 && (data[0] & 0x40u) ? 8u : 512u;
  if (drv_alloc_init(&w.alloc, RAM_BASE, RAM_SIZE, blocks) != MODEL_OK)
    fuzz_fail("drv_alloc_init");
  run(&w, &in);
  if (w.live)
    drv_vq_fini(&w.vq);
  drv_alloc_fini(&w.alloc);
  sim_bus_fini(&w.bus);
  sim_sched_fini(&w.sched);
  return 0;
}
