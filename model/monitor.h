/*
 * model/monitor.h: the conformance monitor. A passive observer that judges the
 * driver and the device, each against the catalogued statements (model/
 * catalog.h) that can be seen from outside both: register accesses,
 * notifications, interrupts and guest memory.
 *
 * It trusts no one (DESIGN.md rule 3): its shadow of the device (status,
 * features offered and accepted, queue configuration, interrupt status,
 * config generation) and of every ring (indices, flags, event fields,
 * outstanding heads and their chains) is built only from what it observes,
 * never from frontend/ or backend/ state.
 *
 * Two ways of observing, selectable at init and usable together:
 *  - MODEL_MON_OBSERVE_ACCESSES: every guest-memory access is reported to it
 *    (the bus observers of sim/), so it sees each ring write as it happens
 *    and can judge write order (a descriptor written after the idx that
 *    published it, a used idx published before its element);
 *  - MODEL_MON_OBSERVE_SNAPSHOTS: for halves that write guest memory through
 *    plain pointers and cannot be instrumented. At every synchronisation
 *    point (register access, notification, interrupt, end of a scheduler
 *    event) the monitor reads the ring indices, flags and event fields
 *    itself through model_mon_mem_ops, and treats any movement as a
 *    publication.
 * In both modes a publication (the available or used idx moving) makes the
 * monitor read the newly published entries and chains from guest memory and
 * apply the same checks; only the write-order checks need accesses.
 *
 * The monitor depends on libc only. sim/ feeds it (sim/monitor.h adapts bus
 * events); scenarios/ and reports/ read its tallies and verdicts.
 */
#ifndef VIOSIM_MODEL_MONITOR_H
#define VIOSIM_MODEL_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/catalog.h"
#include "model/result.h"

enum model_mon_actor { MODEL_MON_DRIVER, MODEL_MON_DEVICE, MODEL_MON_OTHER };

#define MODEL_MON_OBSERVE_ACCESSES  1u
#define MODEL_MON_OBSERVE_SNAPSHOTS 2u

/* How the monitor reads guest memory itself: an untraced, unobserved peek
 * that never faults. Returns false if [addr, addr + len) is not mapped.
 * view (optional) is the fast way to the same bytes: the span of guest
 * memory that holds addr, as its bytes (returned), *base and *size, or NULL
 * if there is none or it cannot be read in place. A span must read exactly
 * as `read` would, and stay valid and in place as long as the monitor
 * exists; the monitor then reads inside it without a call. */
struct model_mon_mem_ops {
  bool (*read)(void *ctx, uint64_t addr, void *dst, size_t len);
  void *ctx;
  const uint8_t *(*view)(void *ctx, uint64_t addr, uint64_t *base, uint64_t *size);
};

/* How the monitor reads the device's configuration space itself (optional):
 * an untraced, unobserved read of `width` bytes at `offset` from the start
 * of the device-specific configuration, with no effect on the device or on
 * the run (no trace record, no counter, no generation change). Returns
 * false if the field cannot be read. With read NULL, the checks that need
 * it (5.1.9.5.2.1#3) are not judged. */
struct model_mon_config_peek {
  bool (*read)(void *ctx, uint32_t offset, uint32_t width, uint32_t *value);
  void *ctx;
};

enum model_mon_sync {
  MODEL_MON_SYNC_EVENT_END, /* a scheduler event (or an interpreter action) finished */
  MODEL_MON_SYNC_IDLE,      /* the world has nothing left to do */
};

#define MODEL_MON_QUEUES_MAX   8u
#define MODEL_MON_VERDICTS_MAX 256u
#define MODEL_MON_DETAIL_MAX   160u

struct model_mon_config {
  uint32_t device_id; /* VIRTIO_ID_NET */
  unsigned observe;   /* MODEL_MON_OBSERVE_ bits; at least one */
  struct model_mon_mem_ops mem;
  struct model_mon_config_peek config_peek; /* optional */
};

/* One violation: which statement, who broke it, when, and the values. */
struct model_verdict {
  const struct model_clause *clause; /* id, target (who is blamed), level */
  uint64_t time_ticks;
  uint64_t trace_pos;
  uint64_t values[3];
  char detail[MODEL_MON_DETAIL_MAX]; /* "avail idx 7 -> 3 on queue 1" */
};

/* Per catalogued statement: how often it was evaluated, how often violated,
 * and the first violation. */
struct model_mon_tally {
  uint64_t evaluated;
  uint64_t violations;
  struct model_verdict first;
};

struct model_mon; /* private state, allocated by model_mon_create */

MODEL_MUST_USE model_err model_mon_create(const struct model_mon_config *cfg,
                                          struct model_mon **out);
void model_mon_destroy(struct model_mon *mon);

/* The context every following observation happens in: virtual time and the
 * trace position of the event being reported (verdicts carry both). */
void model_mon_set_clock(struct model_mon *mon, uint64_t time_ticks, uint64_t trace_pos);

/* Observations. `ok` is false when the access itself failed (unmapped,
 * refused by the register file); the monitor still judges the attempt.
 * A memory access is reported after it took effect: the monitor reads what
 * it needs through cfg.mem, so `bytes` may be NULL. In snapshot-only mode
 * memory accesses are not judged (only a failed one is noted, see
 * model_mon_fault). Only MODEL_MON_DRIVER register accesses are judged; of
 * MODEL_MON_OTHER's, a Status write of 0 is an injected reset. */
void model_mon_mem_read(struct model_mon *mon, enum model_mon_actor actor, uint64_t addr,
                        uint64_t len, bool ok);
void model_mon_mem_write(struct model_mon *mon, enum model_mon_actor actor, uint64_t addr,
                         uint64_t len, const uint8_t *bytes, bool ok);
/* model_mon_set_clock, then model_mon_mem_write (bytes NULL) if write, else
 * model_mon_mem_read: a bus observer's most frequent event in one call. */
void model_mon_mem_access(struct model_mon *mon, enum model_mon_actor actor, uint64_t addr,
                          uint64_t len, bool write, bool ok, uint64_t time_ticks,
                          uint64_t trace_pos);
void model_mon_reg_read(struct model_mon *mon, enum model_mon_actor actor, uint32_t offset,
                        uint32_t width, uint32_t value, bool ok);
void model_mon_reg_write(struct model_mon *mon, enum model_mon_actor actor, uint32_t offset,
                         uint32_t width, uint32_t value, bool ok);
/* The device raised an interrupt with these InterruptStatus bits. */
void model_mon_irq_raise(struct model_mon *mon, uint32_t isr_bits);
/* The driver's interrupt handler starts. */
void model_mon_irq_deliver(struct model_mon *mon, uint32_t isr_bits);
/* A synchronisation point: snapshot reads (in snapshot mode) and the checks
 * that judge what an actor left undone at the end of its work (IDLE closes
 * the current event just as EVENT_END does). */
void model_mon_sync(struct model_mon *mon, enum model_mon_sync kind);
/* End of run: liveness checks (a required notification that never came). */
void model_mon_finish(struct model_mon *mon);

/*
 * An injected fault (sim/fault.h), reported before its effect is observed.
 * What the monitor does with each:
 *  - MEM: nothing more; the failed access itself is reported with ok ==
 *    false, and a failed guest-memory access is never judged as if it had
 *    happened (no shadow update, no verdict). The actor whose access failed
 *    is also excused, for the rest of that event, from what it owed by the
 *    event's end (a notification, an interrupt, an InterruptACK): a failed
 *    read is how a well-behaved half loses the value it decides on;
 *  - NOTIFY_DROP/DELAY, IRQ_DROP/DELAY: nothing (they act after the write
 *    or the raise was observed; a dropped interrupt is never delivered, so
 *    no handler is judged);
 *  - DEVICE_RESET: the injector's Status write of 0 that follows is a reset
 *    the driver did not ask for. Any Status write of 0 by MODEL_MON_OTHER is
 *    treated so: the device is reset, and the driver's status, feature,
 *    notification and ring rules are suspended until the driver itself next
 *    writes 0 to Status (it cannot know that its device went away).
 * a and b are the fault's values (address and length, or the notify value).
 */
enum model_mon_fault_kind {
  MODEL_MON_FAULT_MEM,
  MODEL_MON_FAULT_NOTIFY_DROP,
  MODEL_MON_FAULT_NOTIFY_DELAY,
  MODEL_MON_FAULT_IRQ_DROP,
  MODEL_MON_FAULT_IRQ_DELAY,
  MODEL_MON_FAULT_DEVICE_RESET,
  MODEL_MON_FAULT_KIND_COUNT
};
void model_mon_fault(struct model_mon *mon, enum model_mon_fault_kind kind, uint64_t a, uint64_t b);
/* Faults reported so far, by kind. */
uint64_t model_mon_fault_count(const struct model_mon *mon, enum model_mon_fault_kind kind);

/* Results. */
const struct model_mon_tally *model_mon_tally(const struct model_mon *mon, size_t catalog_index);
uint64_t model_mon_violation_count(const struct model_mon *mon);
/* The first MODEL_MON_VERDICTS_MAX violations, in the order they happened. */
size_t model_mon_verdict_count(const struct model_mon *mon);
const struct model_verdict *model_mon_verdict_at(const struct model_mon *mon, size_t i);
/* The negotiated features as the monitor saw them (FEATURES_OK kept), or 0. */
uint64_t model_mon_features(const struct model_mon *mon);
/* True if the device reached DRIVER_OK with these features at least once. */
uint64_t model_mon_features_seen(const struct model_mon *mon);

/* The statements the monitor can judge: catalog ids, in catalog order. Every
 * one of them must be made to fire by a misbehaviour scenario. */
size_t model_mon_check_count(void);
const char *model_mon_check_id(size_t i);

#endif
