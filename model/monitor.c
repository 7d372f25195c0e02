/*
 * model/monitor.c: the conformance monitor's core (contract in
 * model/monitor.h; the private state and the split into files in
 * model/monitor_impl.h): life cycle, the check table, verdicts and tallies,
 * results, guest-memory peeks, resets, synchronisation points, interrupts
 * and faults. The register file is judged in monitor_regs.c, the rings in
 * monitor_ring.c and monitor_access.c, virtio-net payloads in monitor_net.c.
 *
 * Interrupt notifications (2.3, 4.2.2 InterruptStatus): a raise carries the
 * device's whole InterruptStatus, so a raise is classified by the bits it
 * newly sets. For the obligations (a notification was due) any raise with
 * the used-buffer bit counts; for the prohibitions (a notification that
 * should not have been sent, 2.7.7.2#2/#6, 2.1.2#1, 2.4.1#2) only a raise
 * that is certainly a used buffer notification does: one that newly sets
 * the used-buffer bit, or repeats it without the configuration bit.
 *
 * Events: model_mon_sync(EVENT_END) closes the current event (IDLE does the
 * same: nothing can still be under way); what an actor owed by then (a notification for what the
 * driver published, an interrupt for what the device used, an InterruptACK
 * for what the driver read, an InterruptStatus read in a handler) is judged
 * there. An actor that suffered a failed memory access in the event (an
 * injected fault) is excused from what it owed in that event.
 */
#include "model/monitor.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/mmio.h"
#include "model/monitor_impl.h"
#include "model/virtio.h"

static const char *const check_ids[MON_CHK_COUNT] = {
#define MON_CHK_ID(name, id) id,
    MON_CHECKS(MON_CHK_ID)
#undef MON_CHK_ID
};

size_t model_mon_check_count(void) {
  return MON_CHK_COUNT;
}

const char *model_mon_check_id(size_t i) {
  return i < MON_CHK_COUNT ? check_ids[i] : NULL;
}

/* ---- life cycle ------------------------------------------------------ */

static const uint8_t no_bytes[1];

static bool resolve_checks(struct model_mon *mon) {
  for (size_t c = 0; c < MON_CHK_COUNT; c++) {
    const struct model_clause *clause = model_catalog_find(check_ids[c]);
    if (clause == NULL)
      return false;
    size_t first = model_catalog_section_first(clause->section);
    size_t i = first;
    while (i < mon->catalog_count && model_catalog_at(i) != clause)
      i++;
    if (i == mon->catalog_count)
      return false;
    mon->chk_index[c] = i;
    mon->chk_tally[c] = &mon->tallies[i];
  }
  return true;
}

model_err model_mon_create(const struct model_mon_config *cfg, struct model_mon **out) {
  *out = NULL;
  MODEL_ENSURE(cfg != NULL && cfg->mem.read != NULL, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE((cfg->observe & (MODEL_MON_OBSERVE_ACCESSES | MODEL_MON_OBSERVE_SNAPSHOTS)) != 0 &&
                   (cfg->observe & ~(MODEL_MON_OBSERVE_ACCESSES | MODEL_MON_OBSERVE_SNAPSHOTS)) ==
                       0,
               MODEL_ERR_INVALID_ARG);
  struct model_mon *mon = calloc(1, sizeof(*mon));
  MODEL_ENSURE(mon != NULL, MODEL_ERR_NO_MEMORY);
  mon->cfg = *cfg;
  mon->catalog_count = model_catalog_count();
  mon->tallies = calloc(mon->catalog_count, sizeof(*mon->tallies));
  if (mon->tallies == NULL) {
    free(mon);
    return MODEL_ERR_NO_MEMORY;
  }
  /* Every check names a catalogued statement; model/tests/monitor_test.c
   * holds the table to it, so a failure here is our own bug. */
  bool resolved = resolve_checks(mon);
  assert(resolved);
  (void)resolved;
  mon->trace_pos = UINT64_MAX;
  /* an empty span at a valid address: nothing fits until a view is taken */
  mon->span = &mon->span_cache;
  mon->span_cache.bytes = no_bytes;
  *out = mon;
  return MODEL_OK;
}

static void free_rings(struct model_mon *mon) {
  for (unsigned q = 0; q < MODEL_MON_QUEUES_MAX; q++) {
    model_mon_ring_free(mon->queues[q].ring);
    mon->queues[q].ring = NULL;
    model_mon_packed_free(mon->queues[q].pring);
    mon->queues[q].pring = NULL;
  }
  model_mon_queues_update(mon);
}

void model_mon_destroy(struct model_mon *mon) {
  if (mon == NULL)
    return;
  free_rings(mon);
  free(mon->tallies);
  free(mon);
}

void model_mon_set_clock(struct model_mon *mon, uint64_t time_ticks, uint64_t trace_pos) {
  mon->now_ticks = time_ticks;
  mon->trace_pos = trace_pos;
}

/* ---- verdicts -------------------------------------------------------- */

__attribute__((format(printf, 6, 0))) static void violate_v(struct model_mon *mon, enum mon_chk chk,
                                                            uint64_t v0, uint64_t v1, uint64_t v2,
                                                            const char *fmt, va_list ap) {
  size_t index = mon->chk_index[chk];
  struct model_mon_tally *tally = &mon->tallies[index];
  struct model_verdict v = {
      .clause = model_catalog_at(index),
      .time_ticks = mon->now_ticks,
      .trace_pos = mon->trace_pos,
      .values = {v0, v1, v2},
  };
  (void)vsnprintf(v.detail, sizeof(v.detail), fmt, ap);
  tally->violations++;
  if (tally->violations == 1)
    tally->first = v;
  mon->violations++;
  if (mon->verdict_count < MODEL_MON_VERDICTS_MAX)
    mon->verdicts[mon->verdict_count++] = v;
}

void model_mon_violate(struct model_mon *mon, enum mon_chk chk, uint64_t v0, uint64_t v1,
                       uint64_t v2, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  violate_v(mon, chk, v0, v1, v2, fmt, ap);
  va_end(ap);
}

bool model_mon_judge(struct model_mon *mon, enum mon_chk chk, bool ok, uint64_t v0, uint64_t v1,
                     uint64_t v2, const char *fmt, ...) {
  model_mon_eval(mon, chk);
  if (ok)
    return true;
  va_list ap;
  va_start(ap, fmt);
  violate_v(mon, chk, v0, v1, v2, fmt, ap);
  va_end(ap);
  return false;
}

/* ---- helpers the other files share ------------------------------------ */

bool model_mon_peek_slow(const struct model_mon *mon, uint64_t addr, void *dst, size_t len) {
  if (len == 0)
    return true;
  if (addr + (len - 1u) < addr)
    return false;
  if (mon->cfg.mem.view != NULL) {
    uint64_t base = 0, size = 0;
    const uint8_t *bytes = mon->cfg.mem.view(mon->cfg.mem.ctx, addr, &base, &size);
    if (bytes != NULL) {
      *mon->span = (struct mon_span){.bytes = bytes, .base = base, .size = size};
      if (mon_span_holds(mon->span, addr, len)) {
        memcpy(dst, bytes + (addr - base), len);
        return true;
      }
    }
  }
  /* no span, or the bytes run past its end (into another one, or none) */
  return mon->cfg.mem.read(mon->cfg.mem.ctx, addr, dst, len);
}

static enum mon_actor_slot actor_slot(enum model_mon_actor actor) {
  switch (actor) {
  case MODEL_MON_DRIVER:
    return MON_SLOT_DRIVER;
  case MODEL_MON_DEVICE:
    return MON_SLOT_DEVICE;
  case MODEL_MON_OTHER:
    break;
  }
  return MON_SLOT_OTHER;
}

/* ---- reset ------------------------------------------------------------- */

/*
 * 2.4, 4.2.2.1#5: a reset brings status, negotiation, interrupt status and
 * every queue back to their initial state; the ring shadows go (none of the
 * virtqueues is live any more, 3.3). What the monitor learnt about the
 * device's constants (offered words, QueueSizeMax) stays. The areas a queue
 * had stay known, so a device that keeps using them is caught (4.2.2.1#7).
 */
void model_mon_reset(struct model_mon *mon, bool injected) {
  mon->status = 0;
  mon->excused = injected;
  mon->reset_readback_armed = !injected;
  mon->reset_readback_pending = !injected;
  mon->reset_poll_armed = true;
  mon->reset_nonzero_reads = 0;
  mon->nr_judged = false;
  memset(mon->accepted, 0, sizeof(mon->accepted));
  mon->accepted_high = false;
  if (!injected) {
    /* The driver knows it reset the device; after an injected reset it
     * cannot be asked to select again (4.2.2.2#10, #11). */
    mon->dev_sel_written = false;
    mon->drv_sel_written = false;
  }
  mon->fo_readback_pending = false;
  mon->negotiated = 0;
  mon->negotiated_valid = false;
  for (unsigned q = 0; q < MODEL_MON_QUEUES_MAX; q++) {
    struct mon_queue *mq = &mon->queues[q];
    /* 3.3.1#2: the driver's reset took a stopped queue out of service
     * before anything could reclaim its buffers */
    if (mq->stopped && !injected)
      (void)model_mon_judge(mon, MON_C_3_3_1_2, true, q, 0, 0, "stopped queue reset");
    mq->stopped = false;
    mq->size_written = false;
    mq->size = 0;
    mq->desc_addr = mq->driver_addr = mq->device_addr = 0;
    mq->ready = false;
    mq->stop_unsynced = false;
    mq->ready_since_reset = false;
  }
  free_rings(mon);
  mon->isr_stale |= mon->isr_pending;
  mon->isr_pending = 0;
  mon->isr_raised_since_reset = 0;
  mon->used_moved_since_ack = false;
  memset(mon->cfg_committed, 0, sizeof(mon->cfg_committed));
  mon->mtu_known = false;
  mon->fo_refused = false;
  mon->failed_since_refusal = false;
}

/* ---- synchronisation ---------------------------------------------------- */

void model_mon_catch_up(struct model_mon *mon) {
  model_mon_unready_flush(mon, false);
  model_mon_ring_sync(mon);
  model_mon_packed_sync(mon);
}

static void event_end(struct model_mon *mon) {
  model_mon_catch_up(mon);
  model_mon_ring_event_end(mon);
  model_mon_packed_event_end(mon);
  /* 4.2.2.2#17: what the driver read in InterruptStatus is acknowledged
   * before its work ends. */
  if (mon->ack_owed != 0) {
    if (!mon->failed_access[MON_SLOT_DRIVER])
      (void)model_mon_judge(mon, MON_C_4_2_2_2_17, false, mon->ack_owed, 0, 0,
                            "InterruptStatus bits 0x%x read and not acknowledged",
                            (unsigned)mon->ack_owed);
    mon->ack_owed = 0;
  }
  /* 4.2.3.4.1#1: the handler of a delivered interrupt reads InterruptStatus. */
  if (mon->handler_active) {
    (void)model_mon_judge(mon, MON_C_4_2_3_4_1_1, mon->handler_isr_read, 0, 0, 0,
                          "interrupt handled without reading InterruptStatus");
    mon->handler_active = false;
  }
  mon->event_id++;
  memset(mon->failed_access, 0, sizeof(mon->failed_access));
  mon->pub_table_count = 0;
}

void model_mon_sync(struct model_mon *mon, enum model_mon_sync kind) {
  switch (kind) {
  case MODEL_MON_SYNC_EVENT_END:
  case MODEL_MON_SYNC_IDLE:
    event_end(mon);
    return;
  }
}

void model_mon_finish(struct model_mon *mon) {
  event_end(mon);
  model_mon_regs_finish(mon);
}

/* ---- observations -------------------------------------------------------- */

static void mem_observe(struct model_mon *mon, enum model_mon_actor actor, uint64_t addr,
                        uint64_t len, bool write, bool ok) {
  if (!ok) {
    mon->failed_access[actor_slot(actor)] = true;
    return;
  }
  if (model_mon_accesses(mon) && len > 0 && model_mon_access_judged(mon, actor, write))
    model_mon_access(mon, actor, addr, len, write);
}

void model_mon_mem_read(struct model_mon *mon, enum model_mon_actor actor, uint64_t addr,
                        uint64_t len, bool ok) {
  mem_observe(mon, actor, addr, len, false, ok);
}

void model_mon_mem_write(struct model_mon *mon, enum model_mon_actor actor, uint64_t addr,
                         uint64_t len, const uint8_t *bytes, bool ok) {
  /* The bytes are in guest memory now; the monitor reads what it needs. */
  (void)bytes;
  mem_observe(mon, actor, addr, len, true, ok);
}

void model_mon_mem_access(struct model_mon *mon, enum model_mon_actor actor, uint64_t addr,
                          uint64_t len, bool write, bool ok, uint64_t time_ticks,
                          uint64_t trace_pos) {
  model_mon_set_clock(mon, time_ticks, trace_pos);
  mem_observe(mon, actor, addr, len, write, ok);
}

void model_mon_reg_read(struct model_mon *mon, enum model_mon_actor actor, uint32_t offset,
                        uint32_t width, uint32_t value, bool ok) {
  model_mon_catch_up(mon);
  model_mon_regs_read(mon, actor, offset, width, value, ok);
}

void model_mon_reg_write(struct model_mon *mon, enum model_mon_actor actor, uint32_t offset,
                         uint32_t width, uint32_t value, bool ok) {
  model_mon_unready_flush(mon, actor == MODEL_MON_DRIVER && offset == MODEL_MMIO_QUEUE_READY &&
                                   value == 1u && ok);
  model_mon_catch_up(mon);
  model_mon_regs_write(mon, actor, offset, width, value, ok);
}

/* Classify a raise by what it newly sets (see the file comment). */
static void irq_classify(uint32_t pending, uint32_t bits, bool *used_sure, bool *used_maybe,
                         bool *config_maybe) {
  uint32_t fresh = bits & ~pending;
  bool vring = (bits & MODEL_MMIO_INT_VRING) != 0;
  bool config = (bits & MODEL_MMIO_INT_CONFIG) != 0;
  *used_maybe = vring;
  *config_maybe = config;
  if ((fresh & MODEL_MMIO_INT_VRING) != 0)
    *used_sure = true;
  else
    *used_sure = vring && (fresh & MODEL_MMIO_INT_CONFIG) == 0 && !config;
}

void model_mon_irq_raise(struct model_mon *mon, uint32_t isr_bits) {
  model_mon_catch_up(mon);
  bool used_sure = false, used_maybe = false, config_maybe = false;
  irq_classify(mon->isr_pending, isr_bits, &used_sure, &used_maybe, &config_maybe);
  if (used_sure && (mon->status & VIRTIO_STATUS_DRIVER_OK) == 0) {
    /* 2.1.2#1 before the first DRIVER_OK; 2.4.1#2 after a reset that
     * followed one, until the driver sets DRIVER_OK again. */
    enum mon_chk chk = model_mon_driver_ok_chk(mon);
    (void)model_mon_judge(mon, chk, false, isr_bits, mon->status, 0,
                          "used buffer notification (InterruptStatus 0x%x) without DRIVER_OK",
                          (unsigned)isr_bits);
  } else if (used_sure) {
    model_mon_eval(mon, model_mon_driver_ok_chk(mon));
  }
  if (used_maybe)
    model_mon_ring_used_irq(mon, used_sure);
  if (config_maybe)
    mon->cfg_irq_count++;
  mon->isr_pending |= isr_bits & MODEL_MMIO_INT_MASK;
  mon->isr_raised_since_reset |= isr_bits;
  mon->isr_stale &= ~isr_bits;
}

void model_mon_irq_deliver(struct model_mon *mon, uint32_t isr_bits) {
  (void)isr_bits;
  model_mon_catch_up(mon);
  mon->handler_active = true;
  mon->handler_isr_read = false;
}

void model_mon_fault(struct model_mon *mon, enum model_mon_fault_kind kind, uint64_t a,
                     uint64_t b) {
  (void)a;
  (void)b;
  if ((unsigned)kind < (unsigned)MODEL_MON_FAULT_KIND_COUNT)
    mon->fault_count[kind]++;
}

uint64_t model_mon_fault_count(const struct model_mon *mon, enum model_mon_fault_kind kind) {
  return (unsigned)kind < (unsigned)MODEL_MON_FAULT_KIND_COUNT ? mon->fault_count[kind] : 0;
}

/* ---- results ------------------------------------------------------------ */

const struct model_mon_tally *model_mon_tally(const struct model_mon *mon, size_t catalog_index) {
  return catalog_index < mon->catalog_count ? &mon->tallies[catalog_index] : NULL;
}

uint64_t model_mon_violation_count(const struct model_mon *mon) {
  return mon->violations;
}

size_t model_mon_verdict_count(const struct model_mon *mon) {
  return mon->verdict_count;
}

const struct model_verdict *model_mon_verdict_at(const struct model_mon *mon, size_t i) {
  return i < mon->verdict_count ? &mon->verdicts[i] : NULL;
}

uint64_t model_mon_features(const struct model_mon *mon) {
  return mon->negotiated_valid ? mon->negotiated : 0;
}

uint64_t model_mon_features_seen(const struct model_mon *mon) {
  return mon->features_seen;
}
