/*
 * frontend/tests/fake_device.c: the hand-written test device; see
 * fake_device.h.
 */
#include "fake_device.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/mmio.h"
#include "model/split.h"
#include "model/virtio.h"

/* The stand-in's own bus accesses cannot fail in these tests; if one does,
 * the test is broken: stop loudly, with or without NDEBUG. */
static void fake_must(model_err err) {
  if (err != MODEL_OK) {
    fprintf(stderr, "fake_device: bus access failed: %s\n", model_err_name(err));
    abort();
  }
}

void fake_dev_init(struct fake_dev *d, struct sim_bus *bus) {
  memset(d, 0, sizeof(*d));
  d->bus = bus;
  d->magic = MODEL_MMIO_MAGIC;
  d->version = MODEL_MMIO_VERSION;
  d->device_id = VIRTIO_ID_NET;
  d->vendor_id = 0x554d4551u;
  d->features_offered = model_feature_mask(VIRTIO_F_VERSION_1);
  for (unsigned i = 0; i < FAKE_QUEUES; i++)
    d->q[i].size_max = 256;
}

static void log_access(struct fake_dev *d, bool write, uint64_t offset, uint32_t width,
                       uint32_t value) {
  if (d->log_count < FAKE_LOG_MAX)
    d->log[d->log_count++] = (struct fake_access){
        .write = write, .offset = (uint32_t)offset, .width = width, .value = value};
}

static void dev_reset(struct fake_dev *d) {
  d->status = 0;
  d->isr = 0;
  d->driver_features = 0;
  for (unsigned i = 0; i < FAKE_QUEUES; i++) {
    d->q[i].ready = 0;
    d->q[i].last_avail_idx = 0;
    d->q[i].used_idx = 0;
  }
  d->resets++;
  d->reset_pending = d->reset_slow_reads;
}

static struct fake_queue *sel_queue(struct fake_dev *d) {
  assert(d->queue_sel < FAKE_QUEUES);
  return &d->q[d->queue_sel];
}

static uint32_t config_read(const struct fake_dev *d, uint64_t off, uint32_t width) {
  uint32_t v = 0;
  for (uint32_t i = 0; i < width && off + i < sizeof(d->config); i++)
    v |= (uint32_t)d->config[off + i] << (8u * i);
  return v;
}

/* The access the test asked to refuse: logged, then refused. */
static bool fail_now(struct fake_dev *d, bool write, uint64_t offset, uint32_t width,
                     uint32_t value) {
  d->access_count++;
  if (d->fail_at == 0 || d->access_count != d->fail_at)
    return false;
  log_access(d, write, offset, width, value);
  return true;
}

static model_err fake_read(void *ctx, uint64_t offset, uint32_t width, uint32_t *value) {
  struct fake_dev *d = ctx;
  uint32_t v = 0;
  if (fail_now(d, false, offset, width, 0))
    return d->fail_err;
  if (offset >= MODEL_MMIO_CONFIG) {
    v = config_read(d, offset - MODEL_MMIO_CONFIG, width);
  } else {
    switch (offset) {
    case MODEL_MMIO_MAGIC_VALUE:
      v = d->magic;
      break;
    case MODEL_MMIO_VERSION_REG:
      v = d->version;
      break;
    case MODEL_MMIO_DEVICE_ID:
      v = d->device_id;
      break;
    case MODEL_MMIO_VENDOR_ID:
      v = d->vendor_id;
      break;
    case MODEL_MMIO_DEVICE_FEATURES:
      v = d->dev_features_sel == 0   ? (uint32_t)d->features_offered
          : d->dev_features_sel == 1 ? (uint32_t)(d->features_offered >> 32)
                                     : 0u;
      break;
    case MODEL_MMIO_QUEUE_SIZE_MAX:
      v = sel_queue(d)->size_max;
      break;
    case MODEL_MMIO_QUEUE_READY:
      v = sel_queue(d)->ready;
      break;
    case MODEL_MMIO_INTERRUPT_STATUS:
      v = d->isr | d->isr_extra;
      break;
    case MODEL_MMIO_STATUS:
      v = d->status;
      if (d->reset_pending > 0) {
        d->reset_pending--;
        v = 0x01; /* still resetting */
      }
      break;
    case MODEL_MMIO_CONFIG_GENERATION:
      v = d->generation;
      if (d->generation_bumps > 0) {
        d->generation_bumps--;
        d->generation++;
      }
      break;
    default:
      log_access(d, false, offset, width, 0);
      return MODEL_ERR_REG_UNDEFINED;
    }
  }
  *value = v;
  log_access(d, false, offset, width, v);
  return MODEL_OK;
}

static void status_write(struct fake_dev *d, uint32_t value) {
  if (value == 0) {
    dev_reset(d);
  } else {
    d->status = (uint8_t)value;
    if ((value & VIRTIO_STATUS_FEATURES_OK) != 0 && d->refuse_features_ok)
      d->status = (uint8_t)(d->status & ~VIRTIO_STATUS_FEATURES_OK);
  }
  if (d->on_status != NULL)
    d->on_status(d->hook_ctx, d->status);
}

static model_err fake_write(void *ctx, uint64_t offset, uint32_t width, uint32_t value) {
  struct fake_dev *d = ctx;
  if (fail_now(d, true, offset, width, value))
    return d->fail_err;
  log_access(d, true, offset, width, value);
  struct fake_queue *q = NULL;
  switch (offset) {
  case MODEL_MMIO_DEVICE_FEATURES_SEL:
    d->dev_features_sel = value;
    break;
  case MODEL_MMIO_DRIVER_FEATURES_SEL:
    d->drv_features_sel = value;
    break;
  case MODEL_MMIO_DRIVER_FEATURES:
    if (d->drv_features_sel == 0)
      d->driver_features = (d->driver_features & ~(uint64_t)0xffffffffu) | value;
    else if (d->drv_features_sel == 1)
      d->driver_features = (d->driver_features & 0xffffffffu) | ((uint64_t)value << 32);
    break;
  case MODEL_MMIO_QUEUE_SEL:
    d->queue_sel = value;
    break;
  case MODEL_MMIO_QUEUE_SIZE:
    sel_queue(d)->size = value;
    break;
  case MODEL_MMIO_QUEUE_READY:
    q = sel_queue(d);
    if (!(value == 0 && q->ready_sticks))
      q->ready = value;
    break;
  case MODEL_MMIO_QUEUE_DESC_LOW:
    q = sel_queue(d);
    q->desc = (q->desc & ~0xffffffffull) | value;
    break;
  case MODEL_MMIO_QUEUE_DESC_HIGH:
    q = sel_queue(d);
    q->desc = (q->desc & 0xffffffffull) | ((uint64_t)value << 32);
    break;
  case MODEL_MMIO_QUEUE_DRIVER_LOW:
    q = sel_queue(d);
    q->driver = (q->driver & ~0xffffffffull) | value;
    break;
  case MODEL_MMIO_QUEUE_DRIVER_HIGH:
    q = sel_queue(d);
    q->driver = (q->driver & 0xffffffffull) | ((uint64_t)value << 32);
    break;
  case MODEL_MMIO_QUEUE_DEVICE_LOW:
    q = sel_queue(d);
    q->device = (q->device & ~0xffffffffull) | value;
    break;
  case MODEL_MMIO_QUEUE_DEVICE_HIGH:
    q = sel_queue(d);
    q->device = (q->device & 0xffffffffull) | ((uint64_t)value << 32);
    break;
  case MODEL_MMIO_QUEUE_NOTIFY:
    break;
  case MODEL_MMIO_INTERRUPT_ACK:
    d->isr &= ~value;
    break;
  case MODEL_MMIO_STATUS:
    status_write(d, value);
    break;
  default:
    return MODEL_ERR_REG_UNDEFINED;
  }
  return MODEL_OK;
}

static void fake_notify(void *ctx, uint32_t value) {
  struct fake_dev *d = ctx;
  if (d->notify_count < FAKE_NOTIFY_MAX)
    d->notifies[d->notify_count++] = value;
  if (d->on_notify != NULL)
    d->on_notify(d->hook_ctx, value);
}

const struct sim_regfile_ops fake_dev_ops = {
    .read = fake_read,
    .write = fake_write,
    .notify = fake_notify,
    .notify_offset = MODEL_MMIO_QUEUE_NOTIFY,
};

void fake_dev_attach(struct fake_dev *d) {
  sim_bus_attach_device(d->bus, &fake_dev_ops, d);
}

size_t fake_log_count_offset(const struct fake_dev *d, bool write, uint32_t offset) {
  size_t n = 0;
  for (size_t i = 0; i < d->log_count; i++)
    n += d->log[i].write == write && d->log[i].offset == offset;
  return n;
}

size_t fake_log_find(const struct fake_dev *d, size_t from, bool write, uint32_t offset) {
  for (size_t i = from; i < d->log_count; i++) {
    if (d->log[i].write == write && d->log[i].offset == offset)
      return i;
  }
  return SIZE_MAX;
}

void fake_queue_set(struct fake_dev *d, unsigned qi, uint32_t size, uint64_t desc, uint64_t driver,
                    uint64_t device) {
  struct fake_queue *q = &d->q[qi];
  q->size = size;
  q->desc = desc;
  q->driver = driver;
  q->device = device;
  q->ready = 1;
}

bool fake_avail_pop(struct fake_dev *d, unsigned qi, uint16_t *head) {
  struct fake_queue *q = &d->q[qi];
  uint16_t idx = 0;
  model_err err =
      sim_bus_read_le16(d->bus, SIM_ACTOR_DEVICE, q->driver + MODEL_SPLIT_AVAIL_OFF_IDX, &idx);
  fake_must(err);
  if (idx == q->last_avail_idx)
    return false;
  uint16_t slot = model_split_slot(q->last_avail_idx, q->size);
  err = sim_bus_read_le16(d->bus, SIM_ACTOR_DEVICE, q->driver + model_split_avail_ring_off(slot),
                          head);
  fake_must(err);
  q->last_avail_idx++;
  return true;
}

void fake_used_elem(struct fake_dev *d, unsigned qi, uint16_t at_idx, uint32_t id, uint32_t len) {
  struct fake_queue *q = &d->q[qi];
  uint64_t e = q->device + model_split_used_ring_off(model_split_slot(at_idx, q->size));
  model_err err =
      sim_bus_write_le32(d->bus, SIM_ACTOR_DEVICE, e + MODEL_SPLIT_USED_ELEM_OFF_ID, id);
  fake_must(err);
  err = sim_bus_write_le32(d->bus, SIM_ACTOR_DEVICE, e + MODEL_SPLIT_USED_ELEM_OFF_LEN, len);
  fake_must(err);
  (void)err;
}

void fake_used_idx_write(struct fake_dev *d, unsigned qi, uint16_t idx) {
  struct fake_queue *q = &d->q[qi];
  model_err err =
      sim_bus_write_le16(d->bus, SIM_ACTOR_DEVICE, q->device + MODEL_SPLIT_USED_OFF_IDX, idx);
  fake_must(err);
  (void)err;
  q->used_idx = idx;
}

void fake_used_push(struct fake_dev *d, unsigned qi, uint32_t id, uint32_t len) {
  struct fake_queue *q = &d->q[qi];
  fake_used_elem(d, qi, q->used_idx, id, len);
  fake_used_idx_write(d, qi, (uint16_t)(q->used_idx + 1u));
}

struct fake_desc fake_desc_read(struct fake_dev *d, uint64_t table, uint32_t i) {
  struct fake_desc out = {0};
  uint64_t a = table + model_split_desc_off(i);
  model_err err = sim_bus_read_le64(d->bus, SIM_ACTOR_DEVICE, a, &out.addr);
  err = (model_err)(err | sim_bus_read_le32(d->bus, SIM_ACTOR_DEVICE, a + 8u, &out.len));
  err = (model_err)(err | sim_bus_read_le16(d->bus, SIM_ACTOR_DEVICE, a + 12u, &out.flags));
  err = (model_err)(err | sim_bus_read_le16(d->bus, SIM_ACTOR_DEVICE, a + 14u, &out.next));
  fake_must(err);
  (void)err;
  return out;
}

void fake_bus_setup(struct sim_bus *bus, struct sim_sched *sched, uint64_t base, uint64_t size) {
  model_err err = sim_sched_init(sched, 1024);
  fake_must(err);
  sim_bus_init(bus, sched, NULL, NULL, 1);
  err = sim_bus_add_region(bus, base, size, SIM_PERM_ALL);
  fake_must(err);
  (void)err;
}

void fake_fail_register(struct fake_dev *d, unsigned nth, model_err err) {
  d->access_count = 0;
  d->fail_at = nth;
  d->fail_err = err;
}

void fake_mem_fail(struct sim_bus *bus, struct sim_fault_plan *plan, unsigned access,
                   uint64_t skip) {
  sim_fault_plan_init(plan, 1);
  struct sim_fault_rule rule = {
      .kind = SIM_FAULT_MEM_FAIL,
      .actor = SIM_ACTOR_DRIVER,
      .access = access,
      .skip_count = skip,
      .fire_count = 1,
      .prob_ppm = SIM_PPM_ONE,
  };
  fake_must(sim_fault_plan_add(plan, &rule));
  bus->faults = plan;
}

bool fake_mem_fired(const struct sim_fault_plan *plan) {
  return plan->fired[0] != 0;
}

void fake_mem_fail_clear(struct sim_bus *bus) {
  bus->faults = NULL;
}
