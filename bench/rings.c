/*
 * bench/rings.c: the rings through viosim (see bench.h): the floor's loop
 * with the project's own driver side (frontend/vq.h) and device side
 * (backend/vq.h) over the simulated bus of a world (sim/world.h), every
 * ring access checked by both halves, traced, and, with the monitor on,
 * judged by the conformance monitor (model/monitor.h, attached as the
 * world's bus observer).
 *
 * The world is set up the way a run sets it up, through the register file:
 * the device is a backend/core.h device on the virtio-mmio register file
 * (backend/mmio.h), the driver a frontend/core.h core that probes, resets,
 * negotiates (VERSION_1, RING_PACKED for packed, EVENT_IDX in the event-idx
 * mode), programs queue 0 with drv_mmio_queue_program and sets DRIVER_OK.
 * So the monitor learns the queue from the registers, as it would in a
 * scenario. The device's id is 4 (entropy source, 5.4): one queue of
 * device-writable buffers, and no device-type payload rules in the monitor
 * (virtio-net's would judge headers the ring loop does not write), so the
 * monitor-on figure is the cost of the ring and transport checks.
 *
 * The loop, per round (batch_count buffers): the driver adds each buffer
 * (chain_count device-writable descriptors of BENCH_SEG_BYTES), kicks; the
 * device pops every chain, folds its first segment's address into the
 * checksum, pushes it with its whole writable length, flushes; the driver
 * takes every used buffer back and sums the lengths.
 *  - polling: the device waived available buffer notifications
 *    (dev_vq_notify_enable false) and the driver used buffer ones
 *    (drv_vq_disable_cb), so both sides poll; the bench calls the device's
 *    and the driver's parts in turn, and gives the monitor its
 *    synchronisation point after each round (sim_world_monitor_sync).
 *  - event-idx: the kick notifies through QueueNotify when the batch crosses
 *    avail_event; the world runs until idle: the doorbell reaches the
 *    device (dev_core queue_notify hook) after its delay, the device serves
 *    the queue and raises an interrupt if used_event was crossed, the
 *    driver's handler reads and acknowledges the interrupt status and takes
 *    the used buffers. Both re-enable and re-check before they stop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/core.h"
#include "backend/mmio.h"
#include "backend/vq.h"
#include "bench/bench.h"
#include "bench/net_world.h"
#include "frontend/alloc.h"
#include "frontend/core.h"
#include "frontend/vq.h"
#include "model/monitor.h"
#include "model/virtio.h"
#include "sim/monitor.h"
#include "sim/world.h"

/* 5.4: entropy source. model/virtio.h names only the devices viosim models. */
#define BENCH_DEVICE_ID   4u
#define BENCH_MEM_EXTRA   (8u * 1024u * 1024u) /* guest RAM besides the buffers */
#define BENCH_CHAIN_MAX   8u
#define BENCH_ALLOC_BLOCK 64u

struct vbench {
  struct bench_ring_params p;
  struct sim_world world;
  bool world_up;
  FILE *dump;
  struct dev_core dev;
  bool dev_up;
  struct dev_mmio mmio;
  struct drv_core drv;
  struct drv_alloc alloc;
  bool alloc_up;
  struct drv_vq vq;
  bool vq_up;
  struct dev_vq *dvq;
  uint64_t buf_base;
  uint64_t next_token;
  /* results */
  uint64_t used_count;
  uint64_t used_len_sum;
  uint64_t checksum;
  uint64_t interrupts;
  uint64_t events_before; /* trace position when the loop started */
  uint64_t notify_before;
  uint64_t checks_before; /* monitor evaluations when the loop started */
  model_err err;          /* first failure inside a callback */
  const char *err_step;
};

static void vb_fail(struct vbench *b, const char *step, model_err err) {
  if (b->err == MODEL_OK) {
    b->err = err;
    b->err_step = step;
  }
}

/* ---- the device ---- */

/* Serve the queue: pop, push whole, flush; raise the interrupt if due. */
static model_err dev_serve(struct vbench *b) {
  for (;;) {
    struct dev_chain chain;
    model_err e = dev_vq_pop(b->dvq, &chain);
    if (e == MODEL_ERR_RING_EMPTY)
      break;
    MODEL_TRY(e);
    b->checksum = b->checksum * 31u + chain.segs[0].addr + chain.seg_count;
    MODEL_TRY(dev_vq_push(b->dvq, chain.id, (uint32_t)chain.writable_bytes));
  }
  bool need_irq = false;
  MODEL_TRY(dev_vq_flush(b->dvq, &need_irq));
  if (need_irq)
    dev_core_raise_used_irq(&b->dev);
  return MODEL_OK;
}

/* The doorbell (event-idx mode): serve, ask for the next notification, and
 * serve again if buffers arrived meanwhile. */
static void dev_queue_notify(void *ctx, uint16_t index) {
  struct vbench *b = ctx;
  if (index != 0) {
    vb_fail(b, "notify for an unknown queue", MODEL_ERR_INVALID_ARG);
    return;
  }
  bool more = true;
  while (more && b->err == MODEL_OK) {
    model_err e = dev_serve(b);
    if (e == MODEL_OK)
      e = dev_vq_notify_enable(b->dvq, true, &more);
    if (e != MODEL_OK)
      vb_fail(b, "device serve", e);
  }
}

static void dev_reset_hook(void *ctx) {
  struct vbench *b = ctx;
  dev_mmio_reset(&b->mmio);
}

static const struct dev_core_ops vb_dev_ops = {
    .queue_notify = dev_queue_notify,
    .reset = dev_reset_hook,
};

/* ---- the driver ---- */

static model_err drv_reclaim(struct vbench *b) {
  for (;;) {
    uint64_t token = 0;
    uint32_t len = 0;
    model_err e = drv_vq_get_used(&b->vq, &token, &len);
    if (e == MODEL_ERR_RING_EMPTY)
      return MODEL_OK;
    MODEL_TRY(e);
    b->used_count++;
    b->used_len_sum += len;
    b->checksum = b->checksum * 31u + token;
  }
}

static void drv_irq(void *ctx) {
  struct vbench *b = ctx;
  uint32_t bits = 0;
  model_err e = drv_mmio_isr_read(&b->drv.mmio, &bits, NULL);
  if (e == MODEL_OK)
    e = drv_mmio_isr_ack(&b->drv.mmio, bits);
  b->interrupts++;
  bool pending = true;
  while (e == MODEL_OK && pending) {
    e = drv_reclaim(b);
    if (e == MODEL_OK)
      e = drv_vq_enable_cb(&b->vq, &pending);
  }
  if (e != MODEL_OK)
    vb_fail(b, "driver interrupt", e);
}

static model_err drv_notify(void *ctx, uint16_t index, uint32_t value) {
  struct vbench *b = ctx;
  (void)index;
  return drv_mmio_notify(&b->drv.mmio, value);
}

static model_err drv_add(struct vbench *b) {
  struct drv_sg sg[BENCH_CHAIN_MAX];
  uint64_t slot = b->next_token % b->p.queue_size;
  for (uint32_t i = 0; i < b->p.chain_count; i++) {
    sg[i] = (struct drv_sg){
        .addr = b->buf_base + (slot * b->p.chain_count + i) * BENCH_SEG_BYTES,
        .len = BENCH_SEG_BYTES,
        .device_writable = true,
    };
  }
  return drv_vq_add(&b->vq, sg, 0, b->p.chain_count, b->next_token++, false);
}

/* ---- setup ---- */

static uint64_t vb_features(const struct bench_ring_params *p) {
  uint64_t f = model_feature_mask(VIRTIO_F_VERSION_1);
  if (p->format == BENCH_PACKED)
    f |= model_feature_mask(VIRTIO_F_RING_PACKED);
  if (p->notify == BENCH_EVENT_IDX)
    f |= model_feature_mask(VIRTIO_F_EVENT_IDX);
  return f;
}

static model_err vb_world(struct vbench *b) {
  struct sim_world_config cfg;
  sim_world_config_default(&cfg);
  /* the rings and the buffers (never touched: calloc'd pages stay unmapped) */
  uint64_t buffers = (uint64_t)b->p.queue_size * b->p.chain_count * BENCH_SEG_BYTES;
  cfg.mem_size = buffers + BENCH_MEM_EXTRA;
  if (b->p.trace == BENCH_TRACE_FULL) {
    b->dump = fopen("/dev/null", "w");
    MODEL_ENSURE(b->dump != NULL, MODEL_ERR_NO_MEMORY);
    cfg.trace_dump = b->dump;
  }
  MODEL_TRY(sim_world_init(&b->world, &cfg));
  b->world_up = true;
  if (b->p.trace == BENCH_TRACE_NONE)
    b->world.bus.trace = NULL;  /* the bus then folds nothing (sim/bus.h) */
  struct model_mon *mon = NULL; /* owned by the world */
  if (b->p.monitor)
    MODEL_TRY(
        sim_world_attach_monitor_for(&b->world, BENCH_DEVICE_ID, MODEL_MON_OBSERVE_ACCESSES, &mon));
  struct dev_core_config dcfg = {
      .device_id = BENCH_DEVICE_ID,
      .vendor_id = DEV_MMIO_VENDOR_ID,
      .features_offered = vb_features(&b->p),
      .queue_count = 1,
      .queue_size_max = (uint16_t)b->p.queue_size,
  };
  MODEL_TRY(dev_core_init(&b->dev, &b->world.bus, &dcfg, &vb_dev_ops, b));
  b->dev_up = true;
  dev_mmio_init(&b->mmio, &b->dev);
  dev_mmio_attach(&b->mmio, &b->world.bus);
  sim_bus_attach_driver(&b->world.bus, drv_irq, b);
  return MODEL_OK;
}

/* 3.1.1 steps 1-8 for queue 0. */
static model_err vb_driver(struct vbench *b) {
  struct drv_core *core = &b->drv;
  uint64_t features = vb_features(&b->p);
  drv_core_init(core, &b->world.bus);
  MODEL_TRY(drv_core_probe(core, BENCH_DEVICE_ID));
  MODEL_TRY(drv_core_reset(core));
  MODEL_TRY(drv_core_add_status(core, VIRTIO_STATUS_ACKNOWLEDGE));
  MODEL_TRY(drv_core_add_status(core, VIRTIO_STATUS_DRIVER));
  MODEL_TRY(drv_core_negotiate(core, features, features, NULL));
  MODEL_TRY(
      drv_alloc_init(&b->alloc, b->world.cfg.mem_base, b->world.cfg.mem_size, BENCH_ALLOC_BLOCK));
  b->alloc_up = true;
  MODEL_TRY(drv_vq_init(&b->vq, &b->world.bus, &b->alloc, 0, b->p.queue_size, features));
  b->vq_up = true;
  drv_vq_set_notify(&b->vq, drv_notify, b);
  struct drv_mmio_queue_layout layout = {
      .size = b->p.queue_size,
      .desc_addr = b->vq.desc_addr,
      .driver_addr = b->vq.avail_addr,
      .device_addr = b->vq.used_addr,
  };
  MODEL_TRY(drv_mmio_queue_program(&core->mmio, 0, &layout));
  MODEL_TRY(drv_core_add_status(core, VIRTIO_STATUS_DRIVER_OK));
  uint64_t bytes = (uint64_t)b->p.queue_size * b->p.chain_count * BENCH_SEG_BYTES;
  return drv_alloc_get(&b->alloc, bytes, 4096u, &b->buf_base);
}

static model_err vb_setup(struct vbench *b) {
  MODEL_ENSURE(b->p.chain_count >= 1u && b->p.chain_count <= BENCH_CHAIN_MAX &&
                   b->p.batch_count >= 1u && b->p.queue_size >= 1u && b->p.queue_size <= 32768u &&
                   (uint64_t)b->p.batch_count * b->p.chain_count <= b->p.queue_size,
               MODEL_ERR_INVALID_ARG);
  MODEL_TRY(vb_world(b));
  MODEL_TRY(vb_driver(b));
  b->dvq = dev_core_vq(&b->dev, 0);
  MODEL_ENSURE(b->dvq != NULL && dev_vq_is_usable(b->dvq), MODEL_ERR_QUEUE_NOT_READY);
  if (b->p.notify == BENCH_POLL) {
    MODEL_TRY(dev_vq_notify_enable(b->dvq, false, NULL));
    MODEL_TRY(drv_vq_disable_cb(&b->vq));
  }
  (void)sim_world_run(&b->world, UINT64_MAX, UINT64_MAX);
  sim_world_monitor_sync(&b->world, MODEL_MON_SYNC_EVENT_END);
  return b->err;
}

static void vb_teardown(struct vbench *b) {
  if (b->vq_up)
    drv_vq_fini(&b->vq);
  if (b->alloc_up)
    drv_alloc_fini(&b->alloc);
  if (b->dev_up)
    dev_core_fini(&b->dev);
  if (b->world_up)
    sim_world_fini(&b->world);
  if (b->dump != NULL)
    fclose(b->dump);
}

/* ---- the loop ---- */

static model_err vb_round_poll(struct vbench *b) {
  for (uint32_t k = 0; k < b->p.batch_count; k++)
    MODEL_TRY(drv_add(b));
  bool notified = false;
  MODEL_TRY(drv_vq_kick(&b->vq, &notified));
  MODEL_ENSURE(!notified, MODEL_ERR_INVALID_ARG); /* the device waived them */
  MODEL_TRY(dev_serve(b));
  MODEL_TRY(drv_reclaim(b));
  sim_world_monitor_sync(&b->world, MODEL_MON_SYNC_EVENT_END);
  return MODEL_OK;
}

static model_err vb_round_event_idx(struct vbench *b) {
  for (uint32_t k = 0; k < b->p.batch_count; k++)
    MODEL_TRY(drv_add(b));
  MODEL_TRY(drv_vq_kick(&b->vq, NULL));
  (void)sim_world_run(&b->world, UINT64_MAX, UINT64_MAX);
  return b->err;
}

/* Where the loop starts: the stats count from here. */
static void vb_mark(struct vbench *b) {
  b->events_before = b->world.trace.pos;
  b->notify_before = b->world.bus.counters[SIM_CTR_NOTIFY_SENT];
  b->checks_before = bench_monitor_checks(b->world.monitor);
}

static model_err vb_loop(struct vbench *b, uint64_t rounds, uint64_t *elapsed_ns) {
  model_err e = MODEL_OK;
  vb_mark(b);
  uint64_t t0 = bench_now_ns();
  if (b->p.notify == BENCH_POLL) {
    for (uint64_t i = 0; i < rounds && e == MODEL_OK; i++)
      e = vb_round_poll(b);
  } else {
    for (uint64_t i = 0; i < rounds && e == MODEL_OK; i++)
      e = vb_round_event_idx(b);
  }
  *elapsed_ns = bench_now_ns() - t0;
  return e;
}

/* Everything that must hold after a correct loop. */
static bool vb_check(struct vbench *b, uint64_t done, char *err, size_t err_size) {
  uint64_t violations = b->world.monitor != NULL ? model_mon_violation_count(b->world.monitor) : 0;
  if (b->used_count != done || b->used_len_sum != done * b->p.chain_count * BENCH_SEG_BYTES) {
    snprintf(err, err_size, "viosim: %llu of %llu buffers came back, used len sum %llu",
             (unsigned long long)b->used_count, (unsigned long long)done,
             (unsigned long long)b->used_len_sum);
    return false;
  }
  if (drv_vq_is_broken(&b->vq) || dev_vq_is_broken(b->dvq) || violations != 0 ||
      b->world.bus.sched_overflow_count != 0) {
    snprintf(err, err_size, "viosim: broken queue or %llu monitor violations",
             (unsigned long long)violations);
    return false;
  }
  return true;
}

/* A ring world set up for p, or NULL with a message in err. */
static struct vbench *vb_create(const struct bench_ring_params *p, char *err, size_t err_size) {
  struct vbench *b = calloc(1, sizeof(*b));
  if (b == NULL) {
    snprintf(err, err_size, "viosim: out of memory");
    return NULL;
  }
  b->p = *p;
  b->err_step = "setup";
  model_err e = vb_setup(b);
  if (e != MODEL_OK) {
    snprintf(err, err_size, "viosim: %s failed: %s", b->err_step, model_err_name(e));
    vb_teardown(b);
    free(b);
    return NULL;
  }
  return b;
}

static void vb_destroy(struct vbench *b) {
  if (b == NULL)
    return;
  vb_teardown(b);
  free(b);
}

static void vb_stats(const struct vbench *b, uint64_t done, struct bench_run_stats *stats) {
  *stats = (struct bench_run_stats){
      .buffers = done,
      .checksum = b->checksum,
      .notifications = b->world.bus.counters[SIM_CTR_NOTIFY_SENT] - b->notify_before,
      .interrupts = b->interrupts,
      .bus_events = b->world.trace.pos - b->events_before,
      .monitor_checks = bench_monitor_checks(b->world.monitor) - b->checks_before,
  };
}

bool bench_viosim_run(const struct bench_ring_params *p, uint64_t buffers, uint64_t *elapsed_ns,
                      struct bench_run_stats *stats, char *err, size_t err_size) {
  struct vbench *b = vb_create(p, err, err_size);
  if (b == NULL)
    return false;
  uint64_t rounds = (buffers + p->batch_count - 1u) / p->batch_count;
  b->err_step = "loop";
  model_err e = vb_loop(b, rounds, elapsed_ns);
  bool ok = e == MODEL_OK;
  if (!ok)
    snprintf(err, err_size, "viosim: %s failed: %s", b->err_step, model_err_name(e));
  else
    ok = vb_check(b, rounds * p->batch_count, err, err_size);
  if (ok)
    vb_stats(b, rounds * p->batch_count, stats);
  vb_destroy(b);
  return ok;
}

/* ---- scale: many worlds ---- */

bool bench_viosim_multi_run(const struct bench_ring_params *p, uint64_t buffers,
                            uint64_t *elapsed_ns, struct bench_run_stats *stats, char *err,
                            size_t err_size) {
  uint32_t count = p->worlds > 1u ? p->worlds : 1u;
  if (p->notify != BENCH_POLL) {
    snprintf(err, err_size, "viosim: the scale loop polls");
    return false;
  }
  struct vbench **w = calloc(count, sizeof(*w));
  if (w == NULL) {
    snprintf(err, err_size, "viosim: out of memory");
    return false;
  }
  bool ok = true;
  for (uint32_t i = 0; i < count && ok; i++) {
    w[i] = vb_create(p, err, err_size);
    ok = w[i] != NULL;
    if (ok)
      vb_mark(w[i]);
  }
  uint64_t rounds = (buffers + p->batch_count - 1u) / p->batch_count;
  model_err e = MODEL_OK;
  if (ok) {
    /* one round in each world in turn */
    uint64_t t0 = bench_now_ns();
    for (uint64_t r = 0; r < rounds && e == MODEL_OK; r++)
      e = vb_round_poll(w[r % count]);
    *elapsed_ns = bench_now_ns() - t0;
    ok = e == MODEL_OK;
    if (!ok)
      snprintf(err, err_size, "viosim: loop failed: %s", model_err_name(e));
  }
  struct bench_run_stats sum = {0};
  for (uint32_t i = 0; i < count && ok; i++) {
    uint64_t mine = (rounds / count + (i < rounds % count ? 1u : 0u)) * p->batch_count;
    struct bench_run_stats one;
    ok = vb_check(w[i], mine, err, err_size);
    if (!ok)
      break;
    vb_stats(w[i], mine, &one);
    sum.buffers += one.buffers;
    sum.checksum = sum.checksum * 31u + one.checksum;
    sum.notifications += one.notifications;
    sum.interrupts += one.interrupts;
    sum.bus_events += one.bus_events;
    sum.monitor_checks += one.monitor_checks;
  }
  if (ok)
    *stats = sum;
  for (uint32_t i = 0; i < count; i++)
    vb_destroy(w[i]);
  free(w);
  return ok;
}
