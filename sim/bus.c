/*
 * sim/bus.c: the bus (see sim/bus.h): guest memory regions, the attached
 * register file, notifications, interrupts, observers and counters.
 *
 * Every guest-memory access goes through mem_check() and then mem_emit():
 *   len > 0; addr + len does not wrap past 2^64 (an end of exactly 2^64
 *   counts as a wrap, as in vringh); one region holds the whole range; the
 *   actor has the permission; the fault plan lets it pass. Only then are the
 *   bytes touched, little-endian and one byte at a time (never a cast).
 * Whatever the outcome, the access is recorded in the trace and shown to the
 * observers with its result.
 *
 * Implementation notes: the fast path is a region hint, a byte loop, a trace
 * fold and (only if any) the observer loop; the fault plan is consulted only
 * when it holds rules; nothing is allocated after sim_bus_add_region().
 * Notify and interrupt deliveries are scheduler events whose ctx is the bus,
 * so sim_bus_fini() can cancel them.
 */
#include "sim/bus.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fault.h"
#include "sim/hash.h"
#include "sim/trace.h"

const char *sim_actor_name(enum sim_actor actor) {
  switch (actor) {
  case SIM_ACTOR_DRIVER:
    return "driver";
  case SIM_ACTOR_DEVICE:
    return "device";
  case SIM_ACTOR_NIC:
    return "nic";
  case SIM_ACTOR_INJECTOR:
    return "injector";
  case SIM_ACTOR_MONITOR:
    return "monitor";
  case SIM_ACTOR_WORLD:
    return "world";
  case SIM_ACTOR_COUNT:
    break;
  }
  return "?";
}

const char *sim_ev_kind_name(enum sim_ev_kind kind) {
  switch (kind) {
  case SIM_EV_MEM_READ:
    return "mem_read";
  case SIM_EV_MEM_WRITE:
    return "mem_write";
  case SIM_EV_REG_READ:
    return "reg_read";
  case SIM_EV_REG_WRITE:
    return "reg_write";
  case SIM_EV_NOTIFY:
    return "notify";
  case SIM_EV_NOTIFY_DELIVER:
    return "notify_deliver";
  case SIM_EV_IRQ_RAISE:
    return "irq_raise";
  case SIM_EV_IRQ_DELIVER:
    return "irq_deliver";
  case SIM_EV_FAULT:
    return "fault";
  case SIM_EV_NIC:
    return "nic";
  case SIM_EV_NOTE:
    return "note";
  case SIM_EV_KIND_COUNT:
    break;
  }
  return "?";
}

const char *sim_counter_name(enum sim_counter ctr) {
  switch (ctr) {
  case SIM_CTR_BUFFERS_ADDED:
    return "buffers_added";
  case SIM_CTR_BUFFERS_USED:
    return "buffers_used";
  case SIM_CTR_RING_WRAPS:
    return "ring_wraps";
  case SIM_CTR_IDX_WRAPS:
    return "idx_wraps";
  case SIM_CTR_NOTIFY_SENT:
    return "notify_sent";
  case SIM_CTR_NOTIFY_SUPPRESSED:
    return "notify_suppressed";
  case SIM_CTR_IRQ_SENT:
    return "irq_sent";
  case SIM_CTR_IRQ_SUPPRESSED:
    return "irq_suppressed";
  case SIM_CTR_CONFIG_IRQ:
    return "config_irq";
  case SIM_CTR_RESETS:
    return "resets";
  case SIM_CTR_COUNT:
    break;
  }
  return "?";
}

/* ---- setup ---------------------------------------------------------- */

void sim_bus_init(struct sim_bus *bus, struct sim_sched *sched, struct sim_trace *trace,
                  struct sim_fault_plan *faults, uint64_t seed) {
  assert(sched != NULL);
  memset(bus, 0, sizeof(*bus));
  bus->sched = sched;
  bus->trace = trace;
  bus->faults = faults;
  sim_prng_init(&bus->prng, seed, "bus");
  bus->latency.notify_min_ticks = SIM_BUS_LATENCY_MIN_DEFAULT;
  bus->latency.notify_max_ticks = SIM_BUS_LATENCY_MAX_DEFAULT;
  bus->latency.irq_min_ticks = SIM_BUS_LATENCY_MIN_DEFAULT;
  bus->latency.irq_max_ticks = SIM_BUS_LATENCY_MAX_DEFAULT;
}

static void bus_notify_deliver(void *ctx, uint64_t arg);
static void bus_irq_deliver(void *ctx, uint64_t arg);

void sim_bus_fini(struct sim_bus *bus) {
  if (bus->sched != NULL) {
    (void)sim_sched_cancel(bus->sched, bus_notify_deliver, bus);
    (void)sim_sched_cancel(bus->sched, bus_irq_deliver, bus);
  }
  for (size_t i = 0; i < bus->region_count; i++) {
    free(bus->regions[i].bytes);
    bus->regions[i].bytes = NULL;
  }
  bus->region_count = 0;
  bus->last_region = 0;
}

model_err sim_bus_add_region(struct sim_bus *bus, uint64_t base, uint64_t size, uint32_t perms) {
  MODEL_ENSURE(bus->region_count < SIM_MEM_REGIONS_MAX, MODEL_ERR_CAPACITY);
  MODEL_ENSURE(size > 0 && size <= UINT64_MAX - base, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(size <= (uint64_t)SIZE_MAX, MODEL_ERR_NO_MEMORY);
  for (size_t i = 0; i < bus->region_count; i++) {
    const struct sim_mem_region *r = &bus->regions[i];
    bool disjoint = base + size <= r->base || r->base + r->size <= base;
    MODEL_ENSURE(disjoint, MODEL_ERR_INVALID_ARG);
  }
  uint8_t *bytes = calloc((size_t)size, 1);
  MODEL_ENSURE(bytes != NULL, MODEL_ERR_NO_MEMORY);
  struct sim_mem_region *r = &bus->regions[bus->region_count++];
  r->base = base;
  r->size = size;
  r->perms = perms;
  r->bytes = bytes;
  return MODEL_OK;
}

model_err sim_bus_add_observer(struct sim_bus *bus, sim_observer_fn fn, void *ctx) {
  MODEL_ENSURE(fn != NULL, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(bus->observer_count < SIM_BUS_OBSERVERS_MAX, MODEL_ERR_CAPACITY);
  bus->observers[bus->observer_count].fn = fn;
  bus->observers[bus->observer_count].ctx = ctx;
  bus->observer_count++;
  return MODEL_OK;
}

void sim_bus_attach_device(struct sim_bus *bus, const struct sim_regfile_ops *ops, void *ctx) {
  bus->regfile = ops;
  bus->regfile_ctx = ctx;
}

void sim_bus_attach_driver(struct sim_bus *bus, sim_irq_fn irq_fn, void *ctx) {
  bus->irq_fn = irq_fn;
  bus->irq_ctx = ctx;
}

/* ---- recording ------------------------------------------------------- */

/* Trace one event (a, b, c as the trace defines them) and show ev to every
 * observer; ev->time_ticks and ev->trace_pos are filled here. Without a
 * dump the trace only folds, inline. */
static inline void bus_emit(struct sim_bus *bus, struct sim_bus_event *ev, uint64_t a, uint64_t b,
                            uint64_t c) {
  struct sim_trace *trace = bus->trace;
  ev->time_ticks = sim_sched_now(bus->sched);
  ev->trace_pos = SIM_TRACE_POS_NONE;
  if (trace != NULL && trace->dump == NULL)
    ev->trace_pos = sim_trace_fold(trace, ev->time_ticks, ev->kind, ev->actor, a, b, c);
  else if (trace != NULL)
    ev->trace_pos =
        sim_trace_record_result(trace, ev->time_ticks, ev->kind, ev->actor, a, b, c, ev->result);
  for (size_t i = 0; i < bus->observer_count; i++)
    bus->observers[i].fn(bus->observers[i].ctx, ev);
}

/* Memory and register accesses: trace and observers, with the trace fold
 * inline when there is no dump to write (the hot path). */
static inline void mem_emit(struct sim_bus *bus, enum sim_ev_kind kind, enum sim_actor actor,
                            uint64_t addr, uint64_t len, uint64_t value, const uint8_t *bytes,
                            model_err result) {
  struct sim_trace *trace = bus->trace;
  if (bus->observer_count == 0 && (trace == NULL || trace->dump == NULL)) {
    if (trace != NULL)
      (void)sim_trace_fold(trace, sim_sched_now(bus->sched), kind, actor, addr, len, value);
    return;
  }
  struct sim_bus_event ev = {.kind = kind,
                             .actor = actor,
                             .addr = addr,
                             .len = len,
                             .value = value,
                             .bytes = bytes,
                             .result = result};
  bus_emit(bus, &ev, addr, len, value);
}

/* Events whose one value is the trace's a (notify, irq). */
static void value_emit(struct sim_bus *bus, enum sim_ev_kind kind, enum sim_actor actor,
                       uint64_t value) {
  struct sim_bus_event ev = {.kind = kind, .actor = actor, .value = value, .result = MODEL_OK};
  bus_emit(bus, &ev, value, 0, 0);
}

uint64_t sim_bus_record(struct sim_bus *bus, enum sim_ev_kind kind, enum sim_actor actor,
                        uint64_t a, uint64_t b, uint64_t c) {
  struct sim_bus_event ev = {
      .kind = kind, .actor = actor, .addr = a, .len = b, .value = c, .result = MODEL_OK};
  bus_emit(bus, &ev, a, b, c);
  return ev.trace_pos;
}

void sim_bus_note(struct sim_bus *bus, enum sim_actor actor, const char *text) {
  size_t len = strlen(text);
  struct sim_bus_event ev = {.kind = SIM_EV_NOTE,
                             .actor = actor,
                             .time_ticks = sim_sched_now(bus->sched),
                             .trace_pos = SIM_TRACE_POS_NONE,
                             .addr = sim_hash_bytes(text, len),
                             .len = (uint64_t)len,
                             .bytes = (const uint8_t *)text,
                             .result = MODEL_OK};
  if (bus->trace != NULL)
    ev.trace_pos = sim_trace_note_by(bus->trace, ev.time_ticks, actor, text);
  for (size_t i = 0; i < bus->observer_count; i++)
    bus->observers[i].fn(bus->observers[i].ctx, &ev);
}

/* ---- guest memory ---------------------------------------------------- */

static bool region_holds(const struct sim_mem_region *r, uint64_t addr, uint64_t len) {
  return addr >= r->base && len <= r->size && addr - r->base <= r->size - len;
}

/* The region holding [addr, addr + len), or NULL. Updates the hint. */
static const struct sim_mem_region *region_find(struct sim_bus *bus, uint64_t addr, uint64_t len) {
  if (bus->last_region < bus->region_count &&
      region_holds(&bus->regions[bus->last_region], addr, len))
    return &bus->regions[bus->last_region];
  for (size_t i = 0; i < bus->region_count; i++) {
    if (region_holds(&bus->regions[i], addr, len)) {
      bus->last_region = i;
      return &bus->regions[i];
    }
  }
  return NULL;
}

static uint32_t perm_bit(enum sim_actor actor, bool write) {
  assert((unsigned)actor < (unsigned)SIM_ACTOR_COUNT);
  return write ? SIM_PERM_W(actor) : SIM_PERM_R(actor);
}

/* The common case in a few compares: the hinted region holds the range, the
 * actor may access it, and the fault plan is empty. NULL sends the access
 * down mem_check(), which decides and explains. No wrap check is needed
 * here: a region never reaches 2^64 (sim_bus_add_region), so a range inside
 * one cannot wrap. When there are no regions, regions[0] is all zero and
 * its size 0 holds nothing. */
static inline uint8_t *mem_fast(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                                uint64_t len, bool write) {
  const struct sim_mem_region *r = &bus->regions[bus->last_region];
  if (len == 0 || len > r->size || addr - r->base > r->size - len)
    return NULL;
  if ((r->perms & perm_bit(actor, write)) == 0)
    return NULL;
  if (bus->faults != NULL && bus->faults->rule_count > 0)
    return NULL;
  return r->bytes + (size_t)(addr - r->base);
}

/* Every check an access passes before its bytes are touched; on success
 * *where points at the first byte in host memory. */
static model_err mem_check(struct sim_bus *bus, enum sim_actor actor, uint64_t addr, uint64_t len,
                           bool write, uint8_t **where) {
  *where = NULL;
  MODEL_ENSURE(len > 0, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(len <= UINT64_MAX - addr, MODEL_ERR_MEM_WRAP);
  const struct sim_mem_region *r = region_find(bus, addr, len);
  MODEL_ENSURE(r != NULL, MODEL_ERR_MEM_UNMAPPED);
  MODEL_ENSURE((r->perms & perm_bit(actor, write)) != 0, MODEL_ERR_MEM_PERM);
  if (bus->faults != NULL && bus->faults->rule_count > 0 &&
      sim_fault_mem(bus->faults, actor, addr, len, write)) {
    (void)sim_bus_record(bus, SIM_EV_FAULT, SIM_ACTOR_INJECTOR, (uint64_t)SIM_FAULT_MEM_FAIL, addr,
                         len);
    return MODEL_ERR_MEM_FAULT;
  }
  *where = r->bytes + (size_t)(addr - r->base);
  return MODEL_OK;
}

/* The fast path's precondition besides the range: nobody listens but the
 * trace's hash (no observer, no dump), so the access needs no event struct
 * and no call. */
static inline bool bus_quiet(const struct sim_bus *bus) {
  return bus->observer_count == 0 && (bus->trace == NULL || bus->trace->dump == NULL);
}

static inline void mem_fold(struct sim_bus *bus, enum sim_ev_kind kind, enum sim_actor actor,
                            uint64_t addr, uint64_t len, uint64_t value) {
  if (bus->trace != NULL)
    (void)sim_trace_fold(bus->trace, sim_sched_now(bus->sched), kind, actor, addr, len, value);
}

/* Stores a len-byte value into the caller's uint8/16/32/64_t. */
static void store_width(void *out, unsigned len, uint64_t value) {
  switch (len) {
  case 1:
    *(uint8_t *)out = (uint8_t)value;
    break;
  case 2:
    *(uint16_t *)out = (uint16_t)value;
    break;
  case 4:
    *(uint32_t *)out = (uint32_t)value;
    break;
  default:
    *(uint64_t *)out = value;
    break;
  }
}

/* The slow paths: every check explained by mem_check() and the fault plan,
 * then the event recorded with its result. Out of line, so the fast paths
 * below need no stack frame. */
static model_err bus_read_slow(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                               unsigned len, void *out) {
  uint8_t *p = mem_fast(bus, actor, addr, len, false);
  model_err err = MODEL_OK;
  if (p == NULL)
    err = mem_check(bus, actor, addr, len, false, &p);
  uint64_t value = 0;
  if (err == MODEL_OK) {
    for (unsigned i = len; i-- > 0;)
      value = (value << 8) | p[i];
  }
  store_width(out, len, value);
  mem_emit(bus, SIM_EV_MEM_READ, actor, addr, len, value, NULL, err);
  return err;
}

static model_err bus_write_slow(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                                unsigned len, uint64_t value) {
  uint8_t *p = mem_fast(bus, actor, addr, len, true);
  model_err err = MODEL_OK;
  if (p == NULL)
    err = mem_check(bus, actor, addr, len, true, &p);
  if (err == MODEL_OK) {
    for (unsigned i = 0; i < len; i++)
      p[i] = (uint8_t)(value >> (8u * i));
  }
  mem_emit(bus, SIM_EV_MEM_WRITE, actor, addr, len, value, NULL, err);
  return err;
}

/* A successful access with observers or a dump: the event as mem_emit
 * shows it. Out of line, so the fast paths below keep no stack frame when
 * only the hash listens. */
static void mem_emit_ok(struct sim_bus *bus, enum sim_ev_kind kind, enum sim_actor actor,
                        uint64_t addr, uint64_t len, uint64_t value) {
  mem_emit(bus, kind, actor, addr, len, value, NULL, MODEL_OK);
}

/* The fast paths (the common case of every ring access): the hinted region
 * holds the range and lets the actor in, and no fault rule is armed. The
 * bytes are still assembled one at a time (little-endian on any host;
 * compilers make it one load or store), and the event is folded into the
 * trace (inline, when only the hash listens) and shown to the observers
 * exactly as the slow path would. False sends the access down the slow
 * path, untouched. */
static inline bool read_fast(struct sim_bus *bus, enum sim_actor actor, uint64_t addr, unsigned len,
                             uint64_t *value) {
  const uint8_t *p = mem_fast(bus, actor, addr, len, false);
  if (p == NULL)
    return false;
  uint64_t v = 0;
  for (unsigned i = len; i-- > 0;)
    v = (v << 8) | p[i];
  *value = v;
  if (bus_quiet(bus))
    mem_fold(bus, SIM_EV_MEM_READ, actor, addr, len, v);
  else
    mem_emit_ok(bus, SIM_EV_MEM_READ, actor, addr, len, v);
  return true;
}

static inline bool write_fast(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                              unsigned len, uint64_t value) {
  uint8_t *p = mem_fast(bus, actor, addr, len, true);
  if (p == NULL)
    return false;
  for (unsigned i = 0; i < len; i++)
    p[i] = (uint8_t)(value >> (8u * i));
  if (bus_quiet(bus))
    mem_fold(bus, SIM_EV_MEM_WRITE, actor, addr, len, value);
  else
    mem_emit_ok(bus, SIM_EV_MEM_WRITE, actor, addr, len, value);
  return true;
}

model_err sim_bus_read_u8(struct sim_bus *bus, enum sim_actor actor, uint64_t addr, uint8_t *out) {
  uint64_t v;
  if (!read_fast(bus, actor, addr, 1u, &v))
    return bus_read_slow(bus, actor, addr, 1u, out);
  *out = (uint8_t)v;
  return MODEL_OK;
}

model_err sim_bus_read_le16(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                            uint16_t *out) {
  uint64_t v;
  if (!read_fast(bus, actor, addr, 2u, &v))
    return bus_read_slow(bus, actor, addr, 2u, out);
  *out = (uint16_t)v;
  return MODEL_OK;
}

model_err sim_bus_read_le32(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                            uint32_t *out) {
  uint64_t v;
  if (!read_fast(bus, actor, addr, 4u, &v))
    return bus_read_slow(bus, actor, addr, 4u, out);
  *out = (uint32_t)v;
  return MODEL_OK;
}

model_err sim_bus_read_le64(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                            uint64_t *out) {
  if (!read_fast(bus, actor, addr, 8u, out))
    return bus_read_slow(bus, actor, addr, 8u, out);
  return MODEL_OK;
}

model_err sim_bus_read_bytes(struct sim_bus *bus, enum sim_actor actor, uint64_t addr, void *dst,
                             size_t len) {
  uint8_t *p = mem_fast(bus, actor, addr, (uint64_t)len, false);
  model_err err = MODEL_OK;
  if (p == NULL)
    err = mem_check(bus, actor, addr, (uint64_t)len, false, &p);
  if (err == MODEL_OK)
    memcpy(dst, p, len);
  else if (len > 0)
    memset(dst, 0, len);
  mem_emit(bus, SIM_EV_MEM_READ, actor, addr, (uint64_t)len, 0,
           err == MODEL_OK ? (const uint8_t *)dst : NULL, err);
  return err;
}

model_err sim_bus_write_u8(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                           uint8_t value) {
  if (!write_fast(bus, actor, addr, 1u, value))
    return bus_write_slow(bus, actor, addr, 1u, value);
  return MODEL_OK;
}

model_err sim_bus_write_le16(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                             uint16_t value) {
  if (!write_fast(bus, actor, addr, 2u, value))
    return bus_write_slow(bus, actor, addr, 2u, value);
  return MODEL_OK;
}

model_err sim_bus_write_le32(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                             uint32_t value) {
  if (!write_fast(bus, actor, addr, 4u, value))
    return bus_write_slow(bus, actor, addr, 4u, value);
  return MODEL_OK;
}

model_err sim_bus_write_le64(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                             uint64_t value) {
  if (!write_fast(bus, actor, addr, 8u, value))
    return bus_write_slow(bus, actor, addr, 8u, value);
  return MODEL_OK;
}

model_err sim_bus_write_bytes(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                              const void *src, size_t len) {
  uint8_t *p = mem_fast(bus, actor, addr, (uint64_t)len, true);
  model_err err = MODEL_OK;
  if (p == NULL)
    err = mem_check(bus, actor, addr, (uint64_t)len, true, &p);
  uint64_t hash = 0;
  if (err == MODEL_OK) {
    memcpy(p, src, len);
    if (bus->trace != NULL || bus->observer_count > 0)
      hash = sim_hash_bytes(p, len);
  }
  mem_emit(bus, SIM_EV_MEM_WRITE, actor, addr, (uint64_t)len, hash,
           err == MODEL_OK ? (const uint8_t *)src : NULL, err);
  return err;
}

bool sim_bus_range_ok(const struct sim_bus *bus, enum sim_actor actor, uint64_t addr, uint64_t len,
                      bool write) {
  if (len == 0 || len > UINT64_MAX - addr)
    return false;
  for (size_t i = 0; i < bus->region_count; i++) {
    const struct sim_mem_region *r = &bus->regions[i];
    if (region_holds(r, addr, len))
      return (r->perms & perm_bit(actor, write)) != 0;
  }
  return false;
}

bool sim_bus_peek(const struct sim_bus *bus, uint64_t addr, void *dst, size_t len) {
  if (len == 0)
    return true;
  if ((uint64_t)len > UINT64_MAX - addr)
    return false;
  for (size_t i = 0; i < bus->region_count; i++) {
    const struct sim_mem_region *r = &bus->regions[i];
    if (region_holds(r, addr, (uint64_t)len)) {
      memcpy(dst, r->bytes + (size_t)(addr - r->base), len);
      return true;
    }
  }
  return false;
}

/* ---- registers, notifications, interrupts ---------------------------- */

static void bus_sched_overflow(struct sim_bus *bus, const char *what) {
  bus->sched_overflow_count++;
  sim_bus_note(bus, SIM_ACTOR_WORLD, what);
}

static void bus_notify_deliver(void *ctx, uint64_t arg) {
  struct sim_bus *bus = ctx;
  value_emit(bus, SIM_EV_NOTIFY_DELIVER, SIM_ACTOR_DEVICE, arg);
  if (bus->regfile != NULL && bus->regfile->notify != NULL)
    bus->regfile->notify(bus->regfile_ctx, (uint32_t)arg);
}

static void bus_irq_deliver(void *ctx, uint64_t arg) {
  struct sim_bus *bus = ctx;
  value_emit(bus, SIM_EV_IRQ_DELIVER, SIM_ACTOR_DRIVER, arg);
  if (bus->irq_fn != NULL)
    bus->irq_fn(bus->irq_ctx);
}

/* The delivery delay: a draw from the bus stream plus a fault's extra
 * ticks, saturating rather than wrapping. */
static uint64_t latency_draw(struct sim_bus *bus, uint64_t lo, uint64_t hi, uint64_t extra_ticks) {
  if (hi < lo)
    hi = lo;
  uint64_t delay = sim_prng_range(&bus->prng, lo, hi);
  return delay > UINT64_MAX - extra_ticks ? UINT64_MAX : delay + extra_ticks;
}

/* A doorbell write: trace it, apply the notify faults, schedule delivery. */
static model_err bus_notify(struct sim_bus *bus, enum sim_actor actor, uint32_t value) {
  sim_bus_count(bus, SIM_CTR_NOTIFY_SENT, 1);
  value_emit(bus, SIM_EV_NOTIFY, actor, value);
  uint64_t extra_ticks = 0;
  if (bus->faults != NULL && bus->faults->rule_count > 0) {
    enum sim_fault_verdict verdict = sim_fault_notify(bus->faults, &extra_ticks);
    switch (verdict) {
    case SIM_FAULT_PASS:
      break;
    case SIM_FAULT_DROP:
      (void)sim_bus_record(bus, SIM_EV_FAULT, SIM_ACTOR_INJECTOR, (uint64_t)SIM_FAULT_NOTIFY_DROP,
                           value, 0);
      return MODEL_OK;
    case SIM_FAULT_DELAY:
      (void)sim_bus_record(bus, SIM_EV_FAULT, SIM_ACTOR_INJECTOR, (uint64_t)SIM_FAULT_NOTIFY_DELAY,
                           value, extra_ticks);
      break;
    }
  }
  uint64_t delay =
      latency_draw(bus, bus->latency.notify_min_ticks, bus->latency.notify_max_ticks, extra_ticks);
  model_err err = sim_sched_after(bus->sched, delay, bus_notify_deliver, bus, value);
  if (err != MODEL_OK)
    bus_sched_overflow(bus, "notify lost: scheduler full");
  return err;
}

model_err sim_bus_reg_read(struct sim_bus *bus, enum sim_actor actor, uint64_t offset,
                           uint32_t width, uint32_t *value) {
  uint32_t v = 0;
  model_err err = MODEL_ERR_REG_NO_DEVICE;
  if (bus->regfile != NULL)
    err = bus->regfile->read(bus->regfile_ctx, offset, width, &v);
  if (err != MODEL_OK)
    v = 0;
  *value = v;
  mem_emit(bus, SIM_EV_REG_READ, actor, offset, width, v, NULL, err);
  return err;
}

/* The write reaches the register file at once; a successful write of the
 * notify register is also a notification, delivered after the delay. */
model_err sim_bus_reg_write(struct sim_bus *bus, enum sim_actor actor, uint64_t offset,
                            uint32_t width, uint32_t value) {
  model_err err = MODEL_ERR_REG_NO_DEVICE;
  if (bus->regfile != NULL)
    err = bus->regfile->write(bus->regfile_ctx, offset, width, value);
  mem_emit(bus, SIM_EV_REG_WRITE, actor, offset, width, value, NULL, err);
  if (err != MODEL_OK || bus->regfile == NULL || offset != bus->regfile->notify_offset)
    return err;
  return bus_notify(bus, actor, value);
}

void sim_bus_raise_irq(struct sim_bus *bus, uint32_t isr_bits) {
  sim_bus_count(bus, SIM_CTR_IRQ_SENT, 1);
  value_emit(bus, SIM_EV_IRQ_RAISE, SIM_ACTOR_DEVICE, isr_bits);
  uint64_t extra_ticks = 0;
  if (bus->faults != NULL && bus->faults->rule_count > 0) {
    enum sim_fault_verdict verdict = sim_fault_irq(bus->faults, &extra_ticks);
    switch (verdict) {
    case SIM_FAULT_PASS:
      break;
    case SIM_FAULT_DROP:
      (void)sim_bus_record(bus, SIM_EV_FAULT, SIM_ACTOR_INJECTOR, (uint64_t)SIM_FAULT_IRQ_DROP,
                           isr_bits, 0);
      return;
    case SIM_FAULT_DELAY:
      (void)sim_bus_record(bus, SIM_EV_FAULT, SIM_ACTOR_INJECTOR, (uint64_t)SIM_FAULT_IRQ_DELAY,
                           isr_bits, extra_ticks);
      break;
    }
  }
  uint64_t delay =
      latency_draw(bus, bus->latency.irq_min_ticks, bus->latency.irq_max_ticks, extra_ticks);
  if (sim_sched_after(bus->sched, delay, bus_irq_deliver, bus, isr_bits) != MODEL_OK)
    bus_sched_overflow(bus, "interrupt lost: scheduler full");
}

model_err sim_bus_schedule(struct sim_bus *bus, uint64_t delay_ticks, sim_event_fn fn, void *ctx,
                           uint64_t arg) {
  return sim_sched_after(bus->sched, delay_ticks, fn, ctx, arg);
}
