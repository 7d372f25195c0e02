/*
 * fuzz/fuzz_transport.c: attacks the device's virtio-mmio register file
 * (backend/mmio.h) and the generic device core behind it (backend/core.h)
 * with register sequences a hostile driver may write: status and feature
 * writes in any order, queue selection and setup with any values (sizes,
 * addresses, QueueReady, QueueReset), interrupt acknowledges, notifies,
 * reads and writes of any offset and width in the window. The input picks
 * the offered features (VERSION_1 and the ring features always, the rest
 * from the input), the number of queues and their QueueSizeMax.
 *
 * Guest memory is one region of RAM everybody may use, so that a queue set
 * up inside it can go ready (and a packed one with EVENT_IDX is written at
 * DRIVER_OK); anything outside it is unmapped.
 *
 * Oracles, besides the sanitizers and the code's own asserts:
 *  - Status reads back as this file's own model predicts from the writes:
 *    0 after a reset; an illegal transition (model_status_transition_ok,
 *    and DEVICE_NEEDS_RESET written alone on a nonzero status) refused with
 *    no effect; FEATURES_OK kept exactly when the driver's
 *    features (shadowed here from the DriverFeatures writes, which are
 *    ignored once FEATURES_OK is set) are offered, carry no bit above 63,
 *    include VERSION_1 and meet the dependency rules; DRIVER_OK only on top
 *    of FEATURES_OK. DEVICE_NEEDS_RESET only with a recorded violation.
 *  - While FEATURES_OK is set, the negotiated set is the driver's, a subset
 *    of the offered one; without it, nothing is negotiated.
 *  - A queue reads QueueReady 1 exactly when it is ready, and a ready
 *    queue's three areas lie in RAM with the sizes its format needs.
 *  - The device touches guest memory only inside the areas of ready queues,
 *    and never sees an access fail.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "backend/core.h"
#include "backend/mmio.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_input.h"
#include "model/mmio.h"
#include "model/packed.h"
#include "model/split.h"
#include "model/virtio.h"
#include "sim/bus.h"
#include "sim/sched.h"

#define FT_RAM_BASE       0x10000u
#define FT_RAM_SIZE       0x10000u
#define FT_QUEUES_MAX     3u
#define FT_SCHED_CAPACITY 64u

/* Offsets an op names by index (the low bits of its selector). */
static const uint32_t reg_offsets[] = {
    MODEL_MMIO_STATUS,
    MODEL_MMIO_DRIVER_FEATURES,
    MODEL_MMIO_DRIVER_FEATURES_SEL,
    MODEL_MMIO_QUEUE_SEL,
    MODEL_MMIO_QUEUE_SIZE,
    MODEL_MMIO_QUEUE_READY,
    MODEL_MMIO_QUEUE_DESC_LOW,
    MODEL_MMIO_QUEUE_DRIVER_LOW,
    MODEL_MMIO_QUEUE_DEVICE_LOW,
    MODEL_MMIO_QUEUE_DESC_HIGH,
    MODEL_MMIO_QUEUE_DRIVER_HIGH,
    MODEL_MMIO_QUEUE_DEVICE_HIGH,
    MODEL_MMIO_QUEUE_NOTIFY,
    MODEL_MMIO_INTERRUPT_ACK,
    MODEL_MMIO_QUEUE_RESET,
    MODEL_MMIO_DEVICE_FEATURES_SEL,
    MODEL_MMIO_SHM_SEL,
    MODEL_MMIO_DEVICE_FEATURES,
    MODEL_MMIO_INTERRUPT_STATUS,
    MODEL_MMIO_CONFIG_GENERATION,
    MODEL_MMIO_QUEUE_SIZE_MAX,
    MODEL_MMIO_MAGIC_VALUE,
    MODEL_MMIO_CONFIG,
    MODEL_MMIO_SHM_LEN_LOW,
};
#define REG_COUNT (sizeof(reg_offsets) / sizeof(reg_offsets[0]))

/* Feature bits the input may add to the offer. */
static const unsigned offer_bits[] = {
    VIRTIO_F_INDIRECT_DESC,   VIRTIO_F_EVENT_IDX,      VIRTIO_F_RING_PACKED,
    VIRTIO_F_IN_ORDER,        VIRTIO_F_RING_RESET,     VIRTIO_F_NOTIFICATION_DATA,
    VIRTIO_F_ACCESS_PLATFORM, VIRTIO_F_ORDER_PLATFORM,
};
#define OFFER_COUNT (sizeof(offer_bits) / sizeof(offer_bits[0]))

struct fuzz_state {
  struct sim_sched sched;
  struct sim_bus bus;
  struct dev_core core;
  struct dev_mmio mmio;
  uint64_t offered;
  /* The driver's view, shadowed from its writes. */
  uint8_t status;
  uint32_t drv_features_sel;
  uint64_t drv_features;
  bool drv_features_high;
};

static const struct dev_core_ops no_ops;

static bool in_ram(uint64_t addr, uint64_t len) {
  return addr >= FT_RAM_BASE && len <= FT_RAM_SIZE && addr - FT_RAM_BASE <= FT_RAM_SIZE - len;
}

static bool in_area(uint64_t addr, uint64_t len, uint64_t base, uint64_t size) {
  return addr >= base && len <= size && addr - base <= size - len;
}

/* The sizes of a ready queue's three areas. */
static void area_sizes(const struct dev_vq *vq, uint64_t sizes[3]) {
  if (vq->format == DEV_VQ_FORMAT_PACKED) {
    sizes[0] = model_packed_ring_size(vq->size);
    sizes[1] = sizes[2] = MODEL_PACKED_EVENT_SIZE;
  } else {
    sizes[0] = model_split_desc_table_size(vq->size);
    sizes[1] = model_split_avail_size(vq->size);
    sizes[2] = model_split_used_size(vq->size);
  }
}

static void observe(void *ctx, const struct sim_bus_event *ev) {
  struct fuzz_state *st = ctx;
  if (ev->actor != SIM_ACTOR_DEVICE ||
      (ev->kind != SIM_EV_MEM_READ && ev->kind != SIM_EV_MEM_WRITE))
    return;
  if (ev->result != MODEL_OK)
    fuzz_fail("device access at 0x%llx failed (%s)", (unsigned long long)ev->addr,
              model_err_name(ev->result));
  for (uint16_t q = 0; q < st->core.cfg.queue_count; q++) {
    const struct dev_vq *vq = &st->core.vqs[q];
    if (!vq->ready)
      continue;
    uint64_t sizes[3];
    area_sizes(vq, sizes);
    if (in_area(ev->addr, ev->len, vq->desc_addr, sizes[0]) ||
        in_area(ev->addr, ev->len, vq->driver_addr, sizes[1]) ||
        in_area(ev->addr, ev->len, vq->device_addr, sizes[2]))
      return;
  }
  fuzz_fail("device access at 0x%llx len %llu outside every ready queue",
            (unsigned long long)ev->addr, (unsigned long long)ev->len);
}

/* Would the device keep FEATURES_OK for the driver's features? */
static bool features_valid(const struct fuzz_state *st) {
  unsigned bit = 0;
  uint64_t missing = 0;
  return !st->drv_features_high && (st->drv_features & ~st->offered) == 0 &&
         model_features_has(st->drv_features, VIRTIO_F_VERSION_1) &&
         model_features_check_deps(st->core.cfg.device_id, st->drv_features, &bit, &missing) ==
             MODEL_OK;
}

/* The model of a Status write: what the driver should read back after it,
 * and whether the device must refuse the write. */
static uint8_t predict_status(const struct fuzz_state *st, uint32_t value, bool *refused) {
  *refused = false;
  uint8_t nr = (uint8_t)(st->core.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  if (value > 0xffu) {
    *refused = true;
    return st->status;
  }
  if (value == 0)
    return 0;
  uint8_t old_status = (uint8_t)(st->status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  uint8_t new_status = (uint8_t)(value & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  /* The device's bit alone is no reset, and clears what the driver set. */
  if ((new_status == 0 && old_status != 0) || !model_status_transition_ok(old_status, new_status)) {
    *refused = true;
    return st->status;
  }
  uint8_t added = (uint8_t)(new_status & ~old_status);
  if ((added & VIRTIO_STATUS_FEATURES_OK) != 0 && !features_valid(st))
    new_status = (uint8_t)(new_status & ~VIRTIO_STATUS_FEATURES_OK);
  if ((added & VIRTIO_STATUS_DRIVER_OK) != 0 && (new_status & VIRTIO_STATUS_FEATURES_OK) == 0)
    new_status = (uint8_t)(new_status & ~VIRTIO_STATUS_DRIVER_OK);
  return (uint8_t)(new_status | nr);
}

/* The driver-side shadow of a write the device accepted. */
static void shadow_write(struct fuzz_state *st, uint32_t offset, uint32_t value) {
  switch (offset) {
  case MODEL_MMIO_DRIVER_FEATURES_SEL:
    st->drv_features_sel = value;
    break;
  case MODEL_MMIO_DRIVER_FEATURES:
    if ((st->status & VIRTIO_STATUS_FEATURES_OK) != 0)
      break; /* 3.1.1#3: ignored once FEATURES_OK is set */
    if (st->drv_features_sel == 0)
      st->drv_features = (st->drv_features & ~(uint64_t)0xffffffffu) | value;
    else if (st->drv_features_sel == 1)
      st->drv_features = (st->drv_features & 0xffffffffu) | ((uint64_t)value << 32);
    else if (value != 0)
      st->drv_features_high = true;
    break;
  default:
    break;
  }
}

static void reg_write(struct fuzz_state *st, uint32_t offset, uint32_t width, uint32_t value) {
  bool is_status = offset == MODEL_MMIO_STATUS && width == 4u;
  bool refused = false;
  uint8_t expect = is_status ? predict_status(st, value, &refused) : 0;
  model_err err = sim_bus_reg_write(&st->bus, SIM_ACTOR_DRIVER, offset, width, value);
  if (is_status) {
    if (refused == (err == MODEL_OK))
      fuzz_fail("status write 0x%x from 0x%x: %s, the model says %s", value, st->status,
                model_err_name(err), refused ? "refused" : "accepted");
    st->status = expect;
    if (value == 0) {
      st->drv_features = 0;
      st->drv_features_high = false;
    }
  } else if (err == MODEL_OK && width == 4u) {
    shadow_write(st, offset, value);
  }
}

static void check_state(struct fuzz_state *st) {
  uint32_t status = 0;
  if (sim_bus_reg_read(&st->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_STATUS, 4, &status) != MODEL_OK)
    fuzz_fail("Status unreadable");
  uint8_t nr = (uint8_t)(status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  if (nr != 0 && st->core.violation.err == MODEL_OK)
    fuzz_fail("DEVICE_NEEDS_RESET without a violation");
  if ((uint8_t)(status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) !=
      (uint8_t)(st->status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET))
    fuzz_fail("Status reads 0x%x, the model says 0x%x", status, st->status);
  st->status = (uint8_t)status;
  uint64_t negotiated = dev_core_features(&st->core);
  if ((status & VIRTIO_STATUS_FEATURES_OK) != 0) {
    if (negotiated != st->drv_features || (negotiated & ~st->offered) != 0 || !features_valid(st))
      fuzz_fail("FEATURES_OK with 0x%llx negotiated, 0x%llx offered, 0x%llx written",
                (unsigned long long)negotiated, (unsigned long long)st->offered,
                (unsigned long long)st->drv_features);
  } else if (negotiated != 0) {
    fuzz_fail("0x%llx negotiated without FEATURES_OK", (unsigned long long)negotiated);
  }
  for (uint16_t q = 0; q < st->core.cfg.queue_count; q++) {
    const struct dev_vq *vq = &st->core.vqs[q];
    if (!vq->ready)
      continue;
    uint64_t sizes[3];
    area_sizes(vq, sizes);
    if (!in_ram(vq->desc_addr, sizes[0]) || !in_ram(vq->driver_addr, sizes[1]) ||
        !in_ram(vq->device_addr, sizes[2]))
      fuzz_fail("queue %u ready with areas outside RAM", q);
    if (vq->size == 0 || vq->size > vq->size_max)
      fuzz_fail("queue %u ready with size %u of %u", q, vq->size, vq->size_max);
  }
  uint32_t sel = st->mmio.queue_sel, ready = 0;
  const struct dev_vq *vq = dev_core_vq_const(&st->core, sel);
  model_err err = sim_bus_reg_read(&st->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_READY, 4, &ready);
  if (vq != NULL && (err != MODEL_OK || ready != (vq->ready ? 1u : 0u)))
    fuzz_fail("QueueReady of queue %u reads %u (%s), ready %d", sel, ready, model_err_name(err),
              vq->ready);
}

/* A value for a register: small ones, RAM addresses, or anything. */
static uint32_t pick_value(struct fuzz_input *in, uint8_t sel) {
  switch (sel >> 6) {
  case 0:
    return fuzz_u8(in);
  case 1:
    return FT_RAM_BASE + 16u * (uint32_t)fuzz_u8(in) * 16u;
  case 2:
    return (uint32_t)1u << (fuzz_u8(in) % 32u);
  default:
    return fuzz_u32(in);
  }
}

static void run_ops(struct fuzz_state *st, struct fuzz_input *in) {
  while (in->pos < in->size) {
    uint8_t op = fuzz_u8(in);
    switch (op % 8u) {
    case 0:
    case 1:
    case 2: { /* write a named register */
      uint8_t sel = fuzz_u8(in);
      reg_write(st, reg_offsets[sel % REG_COUNT], 4, pick_value(in, sel));
      break;
    }
    case 3: { /* a status value, from the initialisation steps or any */
      static const uint8_t steps[] = {
          0,
          VIRTIO_STATUS_ACKNOWLEDGE,
          VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER,
          VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK,
          VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
              VIRTIO_STATUS_DRIVER_OK,
      };
      uint8_t v = fuzz_u8(in);
      reg_write(st, MODEL_MMIO_STATUS, 4, v < 0xf0u ? steps[v % 5u] : (uint32_t)(v & 0x0fu) << 4);
      break;
    }
    case 4: { /* driver features: offered, offered plus one, or any */
      uint8_t v = fuzz_u8(in);
      uint64_t f = st->offered;
      if (v & 1u)
        f ^= (uint64_t)1u << (v >> 2);
      if (v & 2u)
        f = ((uint64_t)fuzz_u32(in) << 32) | fuzz_u32(in);
      reg_write(st, MODEL_MMIO_DRIVER_FEATURES_SEL, 4, 0);
      reg_write(st, MODEL_MMIO_DRIVER_FEATURES, 4, (uint32_t)f);
      reg_write(st, MODEL_MMIO_DRIVER_FEATURES_SEL, 4, 1);
      reg_write(st, MODEL_MMIO_DRIVER_FEATURES, 4, (uint32_t)(f >> 32));
      break;
    }
    case 5: { /* a whole queue setup at a RAM offset, ready written last */
      uint8_t q = fuzz_u8(in), size = fuzz_u8(in), where = fuzz_u8(in);
      uint32_t base = FT_RAM_BASE + (uint32_t)(where & 0xf0u) * 0x100u + (where & 0x0fu);
      reg_write(st, MODEL_MMIO_QUEUE_SEL, 4, q % (FT_QUEUES_MAX + 1u));
      reg_write(st, MODEL_MMIO_QUEUE_SIZE, 4, size);
      reg_write(st, MODEL_MMIO_QUEUE_DESC_LOW, 4, base);
      reg_write(st, MODEL_MMIO_QUEUE_DESC_HIGH, 4, 0);
      reg_write(st, MODEL_MMIO_QUEUE_DRIVER_LOW, 4, base + 0x1000u);
      reg_write(st, MODEL_MMIO_QUEUE_DRIVER_HIGH, 4, 0);
      reg_write(st, MODEL_MMIO_QUEUE_DEVICE_LOW, 4, base + 0x2000u);
      reg_write(st, MODEL_MMIO_QUEUE_DEVICE_HIGH, 4, 0);
      reg_write(st, MODEL_MMIO_QUEUE_READY, 4, 1);
      break;
    }
    case 6: {                                      /* any offset, any width: the access rules */
      uint32_t lo = fuzz_u8(in), hi = fuzz_u8(in); /* in this order */
      uint32_t off = ((hi << 8) | lo) % (MODEL_MMIO_WINDOW_SIZE + 8u);
      uint8_t w = fuzz_u8(in);
      uint32_t width = (uint32_t)1u << (w % 4u);
      if (w & 4u) {
        uint32_t v = 0;
        model_err err = sim_bus_reg_read(&st->bus, SIM_ACTOR_DRIVER, off, width, &v);
        if (err != MODEL_OK && v != 0)
          fuzz_fail("read of 0x%x width %u refused (%s) but returns 0x%x", off, width,
                    model_err_name(err), v);
      } else {
        reg_write(st, off, width, fuzz_u32(in));
      }
      break;
    }
    default: /* let the doorbells arrive */
      for (unsigned k = 0; k < 8u && sim_sched_step(&st->sched); k++)
        ;
      break;
    }
    check_state(st);
  }
}

/*
 * Header (3 bytes): the offered extras (one bit per offer_bits entry), the
 * queue count (1 + b % 3), QueueSizeMax (2^(b % 9)). Then operations.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct fuzz_state st;
  memset(&st, 0, sizeof(st));
  struct fuzz_input in = {.data = data, .size = size};
  uint8_t extras = fuzz_u8(&in), queues = fuzz_u8(&in), size_max = fuzz_u8(&in);
  st.offered = model_feature_mask(VIRTIO_F_VERSION_1);
  for (size_t i = 0; i < OFFER_COUNT; i++) {
    if (extras & (1u << i))
      st.offered |= model_feature_mask(offer_bits[i]);
  }
  struct dev_core_config cfg = {
      .device_id = VIRTIO_ID_NET,
      .vendor_id = DEV_MMIO_VENDOR_ID,
      .features_offered = st.offered,
      .queue_count = (uint16_t)(1u + queues % FT_QUEUES_MAX),
      .queue_size_max = (uint16_t)(1u << (size_max % 9u)),
  };
  if (sim_sched_init(&st.sched, FT_SCHED_CAPACITY) != MODEL_OK)
    fuzz_fail("sched init");
  sim_bus_init(&st.bus, &st.sched, NULL, NULL, 1);
  if (sim_bus_add_region(&st.bus, FT_RAM_BASE, FT_RAM_SIZE, SIM_PERM_ALL) != MODEL_OK ||
      sim_bus_add_observer(&st.bus, observe, &st) != MODEL_OK)
    fuzz_fail("bus setup");
  if (dev_core_init(&st.core, &st.bus, &cfg, &no_ops, NULL) != MODEL_OK)
    fuzz_fail("core init");
  dev_mmio_init(&st.mmio, &st.core);
  dev_mmio_attach(&st.mmio, &st.bus);
  check_state(&st);
  run_ops(&st, &in);
  dev_core_fini(&st.core);
  sim_bus_fini(&st.bus);
  sim_sched_fini(&st.sched);
  return 0;
}
