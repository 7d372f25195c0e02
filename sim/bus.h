/*
 * sim/bus.h: the bus, the only way anything reaches guest memory, registers,
 * notifications and interrupts (DESIGN.md rule 2). This header, with
 * sim/sched.h, sim/prng.h and sim/nic.h, is the interface frontend/ and
 * backend/ may use; sim/world.h and the fault and trace internals are not.
 *
 * Guest memory: up to SIM_MEM_REGIONS_MAX regions, each with per-actor read and
 * write permissions. Every access names its actor, checks that addr + len
 * neither wraps nor leaves one region, consults the fault hooks, is recorded
 * in the trace and shown to every observer, and returns a result. Values are
 * little-endian on the wire; the accessors convert.
 *
 * Registers: one device register file (a transport: virtio-mmio today) is
 * attached with sim_bus_attach_device(). Register reads and writes are
 * synchronous calls into it. A write of the transport's notify register
 * (MODEL_MMIO_QUEUE_NOTIFY) is also an available-buffer notification: the bus
 * records SIM_EV_NOTIFY, applies the notify faults, and after the doorbell
 * delay calls the register file's notify() hook; the register write itself
 * reaches write() at once, as on hardware. Only a write the register file
 * accepts (write() returns MODEL_OK) is a notification, whoever the actor.
 *
 * Interrupts: the device raises one with sim_bus_raise_irq(); after the
 * interrupt delay (and the interrupt faults) the bus calls the driver's
 * handler attached with sim_bus_attach_driver().
 *
 * Observers (the conformance monitor, the trace) see every one of these as a
 * struct sim_bus_event, after the access took effect and with its result.
 *
 * Event fields by kind (the trace records a, b, c; observers get the struct):
 *  - MEM_READ/MEM_WRITE: addr, len, value (1/2/4/8-byte accesses; a failed
 *    read has value 0, a failed write keeps the value it tried to write);
 *    byte ranges carry the bytes (NULL on failure) and value 0 for a read,
 *    the byte digest of sim/hash.h for a write (0 on failure).
 *  - REG_READ/REG_WRITE: addr = offset, len = width, value.
 *  - NOTIFY, NOTIFY_DELIVER, IRQ_RAISE, IRQ_DELIVER: value = the notify value
 *    or interrupt bits (trace a), addr = len = 0.
 *  - NOTE, FAULT, NIC and anything recorded with sim_bus_record(): addr = a,
 *    len = b, value = c; a note also carries its text in bytes.
 * A failed memory access is recorded like a successful one, with its result;
 * an access failed by an injected fault is preceded by a SIM_EV_FAULT event.
 */
#ifndef VIOSIM_SIM_BUS_H
#define VIOSIM_SIM_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/result.h"
#include "sim/prng.h"
#include "sim/sched.h"

enum sim_actor {
  SIM_ACTOR_DRIVER,
  SIM_ACTOR_DEVICE,
  SIM_ACTOR_NIC,
  SIM_ACTOR_INJECTOR,
  SIM_ACTOR_MONITOR,
  SIM_ACTOR_WORLD, /* the scenario interpreter and the world itself */
  SIM_ACTOR_COUNT
};
const char *sim_actor_name(enum sim_actor actor); /* "driver", "device", ... */

enum sim_ev_kind {
  SIM_EV_MEM_READ,       /* a = addr, b = len, c = value (len <= 8) or 0 */
  SIM_EV_MEM_WRITE,      /* a = addr, b = len, c = value (len <= 8) or byte hash */
  SIM_EV_REG_READ,       /* a = offset, b = width, c = value */
  SIM_EV_REG_WRITE,      /* a = offset, b = width, c = value */
  SIM_EV_NOTIFY,         /* a = notify value (queue index or notification data) */
  SIM_EV_NOTIFY_DELIVER, /* a = notify value, as the device receives it */
  SIM_EV_IRQ_RAISE,      /* a = interrupt status bits at the moment of raising */
  SIM_EV_IRQ_DELIVER,    /* a = same, as the driver's handler runs */
  SIM_EV_FAULT,          /* a = enum sim_fault_kind, b = addr/value, c = detail */
  SIM_EV_NIC,            /* a = enum sim_nic_ev, b = stream, c = seq */
  SIM_EV_NOTE,           /* free text; a = byte hash */
  SIM_EV_KIND_COUNT
};
const char *sim_ev_kind_name(enum sim_ev_kind kind);

struct sim_bus_event {
  enum sim_ev_kind kind;
  enum sim_actor actor;
  uint64_t time_ticks;
  uint64_t trace_pos;
  uint64_t addr; /* memory address, register offset */
  uint64_t len;  /* bytes accessed, register width */
  uint64_t
      value; /* value of a 1/2/4/8-byte access (after it took effect), notify value, irq bits */
  const uint8_t *bytes; /* byte-range accesses: the bytes read or written; else NULL */
  model_err result;     /* MODEL_OK, or why the access failed */
};

/* trace_pos of events on a bus without a trace. */
#define SIM_TRACE_POS_NONE UINT64_MAX

typedef void (*sim_observer_fn)(void *ctx, const struct sim_bus_event *ev);

/* Per-actor permissions of a region: SIM_PERM_R(actor) | SIM_PERM_W(actor). */
#define SIM_PERM_R(actor) (1u << (2u * (unsigned)(actor)))
#define SIM_PERM_W(actor) (1u << (2u * (unsigned)(actor) + 1u))
#define SIM_PERM_ALL      0xffffffffu

#define SIM_BUS_LATENCY_MIN_DEFAULT 1u
#define SIM_BUS_LATENCY_MAX_DEFAULT 4u

#define SIM_MEM_REGIONS_MAX   8u
#define SIM_BUS_OBSERVERS_MAX 8u

struct sim_mem_region {
  uint64_t base;
  uint64_t size;
  uint32_t perms;
  uint8_t *bytes; /* owned by the bus */
};

/* What a transport's register file offers the bus. */
struct sim_regfile_ops {
  /* Synchronous register access; width is 1, 2, 4 (or 8). Returns the
   * register file's verdict on the access (e.g. MODEL_ERR_REG_UNDEFINED). */
  model_err (*read)(void *ctx, uint64_t offset, uint32_t width, uint32_t *value);
  model_err (*write)(void *ctx, uint64_t offset, uint32_t width, uint32_t value);
  /* The doorbell, after the notify delay: value is what was written to the
   * notify register. */
  void (*notify)(void *ctx, uint32_t value);
  /* Offset of the notify register, MODEL_MMIO_QUEUE_NOTIFY for virtio-mmio. */
  uint64_t notify_offset;
};

typedef void (*sim_irq_fn)(void *ctx);

/* Counters the halves and the bus keep for the run's summary. */
enum sim_counter {
  SIM_CTR_BUFFERS_ADDED,     /* driver: buffers made available */
  SIM_CTR_BUFFERS_USED,      /* device: buffers returned used */
  SIM_CTR_RING_WRAPS,        /* device: last_avail_idx passed slot 0 again */
  SIM_CTR_IDX_WRAPS,         /* device: a 16-bit index wrapped past 65535 */
  SIM_CTR_NOTIFY_SENT,       /* bus: available-buffer notifications written */
  SIM_CTR_NOTIFY_SUPPRESSED, /* driver: notifications skipped as the spec allows */
  SIM_CTR_IRQ_SENT,          /* bus: interrupts raised */
  SIM_CTR_IRQ_SUPPRESSED,    /* device: used-buffer notifications skipped */
  SIM_CTR_CONFIG_IRQ,        /* device: configuration change interrupts */
  SIM_CTR_RESETS,            /* device: resets performed */
  SIM_CTR_COUNT
};
const char *sim_counter_name(enum sim_counter ctr); /* "buffers_added" */

struct sim_fault_plan; /* sim/fault.h, private to the world */
struct sim_trace;      /* sim/trace.h */

struct sim_bus_latency {
  uint64_t notify_min_ticks, notify_max_ticks;
  uint64_t irq_min_ticks, irq_max_ticks;
};

struct sim_bus {
  struct sim_mem_region regions[SIM_MEM_REGIONS_MAX];
  size_t region_count;
  size_t last_region; /* lookup hint */

  const struct sim_regfile_ops *regfile;
  void *regfile_ctx;
  sim_irq_fn irq_fn;
  void *irq_ctx;

  struct {
    sim_observer_fn fn;
    void *ctx;
  } observers[SIM_BUS_OBSERVERS_MAX];
  size_t observer_count;

  struct sim_sched *sched;       /* borrowed */
  struct sim_trace *trace;       /* borrowed; may be NULL */
  struct sim_fault_plan *faults; /* borrowed; may be NULL */
  struct sim_prng prng;          /* latency draws: stream "bus" */
  struct sim_bus_latency latency;
  uint64_t counters[SIM_CTR_COUNT];
  /* Deliveries (notify, irq) lost because the scheduler was full; each is
   * also recorded as a note. A healthy run keeps this 0. */
  uint64_t sched_overflow_count;
};

/* Initialise an empty bus on a scheduler; trace and faults may be NULL. The
 * latencies start at SIM_BUS_LATENCY_*_DEFAULT; the owner may change
 * bus->latency (min <= max) before the run. */
void sim_bus_init(struct sim_bus *bus, struct sim_sched *sched, struct sim_trace *trace,
                  struct sim_fault_plan *faults, uint64_t seed);
void sim_bus_fini(struct sim_bus *bus); /* frees region memory */

/* Add a zero-filled region of guest memory. MODEL_ERR_CAPACITY when the table
 * is full, MODEL_ERR_INVALID_ARG if it overlaps or wraps, MODEL_ERR_NO_MEMORY. */
MODEL_MUST_USE model_err sim_bus_add_region(struct sim_bus *bus, uint64_t base, uint64_t size,
                                            uint32_t perms);
MODEL_MUST_USE model_err sim_bus_add_observer(struct sim_bus *bus, sim_observer_fn fn, void *ctx);
void sim_bus_attach_device(struct sim_bus *bus, const struct sim_regfile_ops *ops, void *ctx);
void sim_bus_attach_driver(struct sim_bus *bus, sim_irq_fn irq_fn, void *ctx);

/* Guest memory accessors. On failure *out is set to 0 and nothing is written. */
MODEL_MUST_USE model_err sim_bus_read_u8(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                                         uint8_t *out);
MODEL_MUST_USE model_err sim_bus_read_le16(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                                           uint16_t *out);
MODEL_MUST_USE model_err sim_bus_read_le32(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                                           uint32_t *out);
MODEL_MUST_USE model_err sim_bus_read_le64(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                                           uint64_t *out);
MODEL_MUST_USE model_err sim_bus_read_bytes(struct sim_bus *bus, enum sim_actor actor,
                                            uint64_t addr, void *dst, size_t len);
MODEL_MUST_USE model_err sim_bus_write_u8(struct sim_bus *bus, enum sim_actor actor, uint64_t addr,
                                          uint8_t value);
MODEL_MUST_USE model_err sim_bus_write_le16(struct sim_bus *bus, enum sim_actor actor,
                                            uint64_t addr, uint16_t value);
MODEL_MUST_USE model_err sim_bus_write_le32(struct sim_bus *bus, enum sim_actor actor,
                                            uint64_t addr, uint32_t value);
MODEL_MUST_USE model_err sim_bus_write_le64(struct sim_bus *bus, enum sim_actor actor,
                                            uint64_t addr, uint64_t value);
MODEL_MUST_USE model_err sim_bus_write_bytes(struct sim_bus *bus, enum sim_actor actor,
                                             uint64_t addr, const void *src, size_t len);
/* True if [addr, addr + len) lies in one region the actor may access with
 * the given SIM_PERM_ bits; no event is recorded. */
bool sim_bus_range_ok(const struct sim_bus *bus, enum sim_actor actor, uint64_t addr, uint64_t len,
                      bool write);

/* The conformance monitor's own reads (model_mon_mem_ops): copy
 * [addr, addr + len) of guest memory into dst, whoever may access it. Not
 * traced, not shown to observers, never faulted, and it changes nothing in
 * the bus (not even the region hint), so a run replays bit for bit with or
 * without a monitor. False if the range wraps or is not inside one region;
 * len 0 is true. */
bool sim_bus_peek(const struct sim_bus *bus, uint64_t addr, void *dst, size_t len);

/* Register access through the attached register file. */
MODEL_MUST_USE model_err sim_bus_reg_read(struct sim_bus *bus, enum sim_actor actor,
                                          uint64_t offset, uint32_t width, uint32_t *value);
MODEL_MUST_USE model_err sim_bus_reg_write(struct sim_bus *bus, enum sim_actor actor,
                                           uint64_t offset, uint32_t width, uint32_t value);

/* The device raises an interrupt; isr_bits is what its InterruptStatus holds. */
void sim_bus_raise_irq(struct sim_bus *bus, uint32_t isr_bits);

/* Scheduling for the halves: fn(ctx, arg) after delay_ticks of virtual time. */
MODEL_MUST_USE model_err sim_bus_schedule(struct sim_bus *bus, uint64_t delay_ticks,
                                          sim_event_fn fn, void *ctx, uint64_t arg);
static inline uint64_t sim_bus_now(const struct sim_bus *bus) {
  return sim_sched_now(bus->sched);
}

static inline void sim_bus_count(struct sim_bus *bus, enum sim_counter ctr, uint64_t n) {
  bus->counters[ctr] += n;
}

/* Record a free-form note in the trace and show it to observers (SIM_EV_NOTE). */
void sim_bus_note(struct sim_bus *bus, enum sim_actor actor, const char *text);

/* Record any other event (SIM_EV_FAULT, SIM_EV_NIC) at the current time in
 * the trace and show it to observers (addr = a, len = b, value = c). Returns
 * its trace position, SIM_TRACE_POS_NONE without a trace. */
uint64_t sim_bus_record(struct sim_bus *bus, enum sim_ev_kind kind, enum sim_actor actor,
                        uint64_t a, uint64_t b, uint64_t c);

#endif
