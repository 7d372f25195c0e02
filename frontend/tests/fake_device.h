/*
 * frontend/tests/fake_device.h: a hand-written virtio-mmio device for the
 * frontend's unit tests. It is deliberately small and dumb: a register file
 * that records every access (so tests can check the driver's order, widths
 * and restraint), knobs to make it refuse or misbehave, and helpers that act
 * as the device on split rings through the bus (actor SIM_ACTOR_DEVICE).
 * It is test code: it asserts on what it does not expect.
 */
#ifndef VIOSIM_FRONTEND_TESTS_FAKE_DEVICE_H
#define VIOSIM_FRONTEND_TESTS_FAKE_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/result.h"
#include "sim/bus.h"
#include "sim/fault.h"

#define FAKE_QUEUES     4u
#define FAKE_LOG_MAX    4096u
#define FAKE_NOTIFY_MAX 4096u

struct fake_access {
  bool write;
  uint32_t offset;
  uint32_t width;
  uint32_t value;
};

struct fake_queue {
  uint32_t size_max;
  uint32_t size;
  uint64_t desc, driver, device;
  uint32_t ready;
  bool ready_sticks;       /* writing 0 to QueueReady leaves it 1 (misbehaviour) */
  uint16_t last_avail_idx; /* device side of the ring, for the helpers */
  uint16_t used_idx;
};

struct fake_dev {
  struct sim_bus *bus;
  uint32_t magic, version, device_id, vendor_id;
  uint64_t features_offered;
  uint32_t dev_features_sel, drv_features_sel;
  uint64_t driver_features;
  uint8_t status;
  bool refuse_features_ok;   /* clear FEATURES_OK when the driver sets it */
  unsigned reset_slow_reads; /* Status reads after a reset that still show nonzero */
  unsigned reset_pending;
  uint32_t queue_sel;
  struct fake_queue q[FAKE_QUEUES];
  uint32_t isr;
  uint32_t isr_extra; /* undefined bits OR-ed into InterruptStatus reads */
  uint32_t generation;
  unsigned generation_bumps; /* bump ConfigGeneration on this many more reads */
  uint8_t config[0x100];
  struct fake_access log[FAKE_LOG_MAX];
  size_t log_count;
  uint32_t notifies[FAKE_NOTIFY_MAX];
  size_t notify_count;
  uint64_t resets;
  /* Refuse register access number fail_at (1-based, reads and writes
   * counted together in access_count; 0: never) with fail_err. The refused
   * access is logged like any other. */
  unsigned fail_at;
  unsigned access_count;
  model_err fail_err;
  /* optional hooks for tests that act as a device */
  void (*on_notify)(void *ctx, uint32_t value);
  void (*on_status)(void *ctx, uint8_t status);
  void *hook_ctx;
};

extern const struct sim_regfile_ops fake_dev_ops;

/* A virtio-net device (id 1) offering VERSION_1, every queue max 256. */
void fake_dev_init(struct fake_dev *d, struct sim_bus *bus);
void fake_dev_attach(struct fake_dev *d);

size_t fake_log_count_offset(const struct fake_dev *d, bool write, uint32_t offset);
/* Index of the first log entry matching, from `from`; SIZE_MAX if none. */
size_t fake_log_find(const struct fake_dev *d, size_t from, bool write, uint32_t offset);

/* Device-side ring helpers for queue qi, at the addresses the driver
 * programmed (or those given by fake_queue_set). */
void fake_queue_set(struct fake_dev *d, unsigned qi, uint32_t size, uint64_t desc, uint64_t driver,
                    uint64_t device);
/* Pop the next available head; false if none. */
bool fake_avail_pop(struct fake_dev *d, unsigned qi, uint16_t *head);
/* Write a used element and bump used idx (two writes: element, then idx). */
void fake_used_push(struct fake_dev *d, unsigned qi, uint32_t id, uint32_t len);
/* Write used element at the current used idx without publishing it. */
void fake_used_elem(struct fake_dev *d, unsigned qi, uint16_t at_idx, uint32_t id, uint32_t len);
void fake_used_idx_write(struct fake_dev *d, unsigned qi, uint16_t idx);
/* Read a descriptor of the queue's table (or of a table at `table`). */
struct fake_desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
struct fake_desc fake_desc_read(struct fake_dev *d, uint64_t table, uint32_t i);

/* Create a bus with one RAM region [base, base + size) on sched. */
void fake_bus_setup(struct sim_bus *bus, struct sim_sched *sched, uint64_t base, uint64_t size);

/* Refuse the register access `nth` from now (1-based) with err. */
void fake_fail_register(struct fake_dev *d, unsigned nth, model_err err);

/* Make the driver's guest-memory access number skip + 1 from now (reads,
 * writes or both: SIM_FAULT_ACCESS_*) fail once with MODEL_ERR_MEM_FAULT,
 * through plan (caller storage), which becomes the bus's fault plan;
 * fake_mem_fired says whether it fired, fake_mem_fail_clear detaches it. */
void fake_mem_fail(struct sim_bus *bus, struct sim_fault_plan *plan, unsigned access,
                   uint64_t skip);
bool fake_mem_fired(const struct sim_fault_plan *plan);
void fake_mem_fail_clear(struct sim_bus *bus);

#endif
