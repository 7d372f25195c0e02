/*
 * sim/tests/bus_test.c: the bus (sim/bus.h): every memory accessor at the
 * edges of its region (last byte accepted, one past refused), wrap at 2^64,
 * per-actor permissions, what observers and the trace see, injected memory
 * faults, register dispatch, notifications and interrupts with their delays
 * and faults (a latency range upside down, a delay saturating at 2^64 - 1,
 * a full scheduler losing a delivery loudly), and the table limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model/mmio.h"
#include "sim/bus.h"
#include "sim/fault.h"
#include "sim/trace.h"

#define BASE       0x1000u
#define SIZE       0x100u
#define EVENTS_MAX 64u

struct fake_dev {
  uint32_t regs[0x80];
  uint64_t notify_values[8];
  uint64_t notify_times[8];
  size_t notify_count;
  size_t write_count;
  model_err write_result;
};

struct fx {
  struct sim_sched sched;
  struct sim_trace trace;
  struct sim_fault_plan faults;
  struct sim_bus bus;
  struct sim_bus_event events[EVENTS_MAX];
  size_t event_count;
  struct fake_dev dev;
  uint64_t irq_times[8];
  size_t irq_count;
};

static void observe(void *ctx, const struct sim_bus_event *ev) {
  struct fx *fx = ctx;
  if (fx->event_count < EVENTS_MAX)
    fx->events[fx->event_count++] = *ev;
}

static model_err dev_read(void *ctx, uint64_t offset, uint32_t width, uint32_t *value) {
  struct fake_dev *dev = ctx;
  if (width != 4 || offset % 4u != 0 || offset >= 0x200u)
    return MODEL_ERR_REG_WIDTH;
  *value = dev->regs[offset / 4u];
  return MODEL_OK;
}

static model_err dev_write(void *ctx, uint64_t offset, uint32_t width, uint32_t value) {
  struct fake_dev *dev = ctx;
  if (width != 4 || offset % 4u != 0 || offset >= 0x200u)
    return MODEL_ERR_REG_WIDTH;
  dev->write_count++;
  if (dev->write_result != MODEL_OK)
    return dev->write_result;
  dev->regs[offset / 4u] = value;
  return MODEL_OK;
}

static struct fx *g_fx; /* for the notify hook, which gets the device ctx */

static void dev_notify(void *ctx, uint32_t value) {
  struct fake_dev *dev = ctx;
  assert_true(dev->notify_count < 8);
  dev->notify_values[dev->notify_count] = value;
  dev->notify_times[dev->notify_count] = sim_sched_now(&g_fx->sched);
  dev->notify_count++;
}

static const struct sim_regfile_ops dev_ops = {.read = dev_read,
                                               .write = dev_write,
                                               .notify = dev_notify,
                                               .notify_offset = MODEL_MMIO_QUEUE_NOTIFY};

static void drv_irq(void *ctx) {
  struct fx *fx = ctx;
  assert_true(fx->irq_count < 8);
  fx->irq_times[fx->irq_count++] = sim_sched_now(&fx->sched);
}

static int setup(void **state) {
  static struct fx fx;
  memset(&fx, 0, sizeof(fx));
  g_fx = &fx;
  if (sim_sched_init(&fx.sched, 64) != MODEL_OK)
    return -1;
  sim_trace_init(&fx.trace, NULL);
  sim_fault_plan_init(&fx.faults, 1);
  sim_bus_init(&fx.bus, &fx.sched, &fx.trace, &fx.faults, 1);
  if (sim_bus_add_region(&fx.bus, BASE, SIZE, SIM_PERM_ALL) != MODEL_OK)
    return -1;
  if (sim_bus_add_observer(&fx.bus, observe, &fx) != MODEL_OK)
    return -1;
  *state = &fx;
  return 0;
}

static int teardown(void **state) {
  struct fx *fx = *state;
  sim_bus_fini(&fx->bus);
  sim_sched_fini(&fx->sched);
  return 0;
}

static void run_all(struct fx *fx) {
  for (int i = 0; i < 1000 && sim_sched_step(&fx->sched); i++) {
  }
}

/* Read and write of width w at addr through the fixed-width accessors. */
static model_err read_w(struct sim_bus *bus, unsigned w, uint64_t addr, uint64_t *out) {
  model_err err = MODEL_OK;
  uint8_t v8 = 0xaa;
  uint16_t v16 = 0xaaaa;
  uint32_t v32 = 0xaaaaaaaau;
  uint64_t v64 = 0xaaaaaaaaaaaaaaaau;
  switch (w) {
  case 1:
    err = sim_bus_read_u8(bus, SIM_ACTOR_DRIVER, addr, &v8);
    *out = v8;
    break;
  case 2:
    err = sim_bus_read_le16(bus, SIM_ACTOR_DRIVER, addr, &v16);
    *out = v16;
    break;
  case 4:
    err = sim_bus_read_le32(bus, SIM_ACTOR_DRIVER, addr, &v32);
    *out = v32;
    break;
  default:
    err = sim_bus_read_le64(bus, SIM_ACTOR_DRIVER, addr, &v64);
    *out = v64;
    break;
  }
  return err;
}

static model_err write_w(struct sim_bus *bus, unsigned w, uint64_t addr, uint64_t v) {
  switch (w) {
  case 1:
    return sim_bus_write_u8(bus, SIM_ACTOR_DRIVER, addr, (uint8_t)v);
  case 2:
    return sim_bus_write_le16(bus, SIM_ACTOR_DRIVER, addr, (uint16_t)v);
  case 4:
    return sim_bus_write_le32(bus, SIM_ACTOR_DRIVER, addr, (uint32_t)v);
  default:
    return sim_bus_write_le64(bus, SIM_ACTOR_DRIVER, addr, v);
  }
}

static void test_bus_accessors_region_edges(void **state) {
  struct fx *fx = *state;
  const unsigned widths[] = {1, 2, 4, 8};
  for (size_t k = 0; k < 4; k++) {
    unsigned w = widths[k];
    uint64_t last = BASE + SIZE - w; /* the access ends on the region's last byte */
    uint64_t out = 1;
    assert_int_equal(write_w(&fx->bus, w, last, 0x0102030405060708ull), MODEL_OK);
    assert_int_equal(read_w(&fx->bus, w, last, &out), MODEL_OK);
    uint64_t mask = w == 8 ? UINT64_MAX : ((1ull << (8u * w)) - 1u);
    assert_true(out == (0x0102030405060708ull & mask));
    /* one byte further: refused, nothing read or written */
    assert_int_equal(write_w(&fx->bus, w, last + 1u, 0xff), MODEL_ERR_MEM_UNMAPPED);
    assert_int_equal(read_w(&fx->bus, w, last + 1u, &out), MODEL_ERR_MEM_UNMAPPED);
    assert_true(out == 0);
    /* and the first byte, and one before it */
    assert_int_equal(read_w(&fx->bus, w, BASE, &out), MODEL_OK);
    assert_int_equal(read_w(&fx->bus, w, BASE - 1u, &out), MODEL_ERR_MEM_UNMAPPED);
    assert_int_equal(write_w(&fx->bus, w, BASE - 1u, 0), MODEL_ERR_MEM_UNMAPPED);
  }
  uint8_t buf[SIZE + 1];
  memset(buf, 0x5a, sizeof(buf));
  assert_int_equal(sim_bus_write_bytes(&fx->bus, SIM_ACTOR_DRIVER, BASE, buf, SIZE), MODEL_OK);
  assert_int_equal(sim_bus_read_bytes(&fx->bus, SIM_ACTOR_DRIVER, BASE, buf, SIZE), MODEL_OK);
  assert_int_equal(sim_bus_read_bytes(&fx->bus, SIM_ACTOR_DRIVER, BASE + SIZE - 1u, buf, 1),
                   MODEL_OK);
  assert_int_equal(sim_bus_write_bytes(&fx->bus, SIM_ACTOR_DRIVER, BASE, buf, SIZE + 1u),
                   MODEL_ERR_MEM_UNMAPPED);
  memset(buf, 0x5a, sizeof(buf));
  assert_int_equal(sim_bus_read_bytes(&fx->bus, SIM_ACTOR_DRIVER, BASE + 1u, buf, SIZE),
                   MODEL_ERR_MEM_UNMAPPED);
  for (size_t i = 0; i < SIZE; i++)
    assert_int_equal(buf[i], 0); /* a failed read leaves zeroes */
  assert_int_equal(sim_bus_read_bytes(&fx->bus, SIM_ACTOR_DRIVER, BASE, buf, 0),
                   MODEL_ERR_INVALID_ARG);
  assert_int_equal(sim_bus_write_bytes(&fx->bus, SIM_ACTOR_DRIVER, BASE, buf, 0),
                   MODEL_ERR_INVALID_ARG);
}

static void test_bus_little_endian_bytes(void **state) {
  struct fx *fx = *state;
  assert_int_equal(sim_bus_write_le32(&fx->bus, SIM_ACTOR_DEVICE, BASE, 0x11223344u), MODEL_OK);
  assert_int_equal(sim_bus_write_le16(&fx->bus, SIM_ACTOR_DEVICE, BASE + 4u, 0x5566u), MODEL_OK);
  assert_int_equal(sim_bus_write_le64(&fx->bus, SIM_ACTOR_DEVICE, BASE + 8u, 0x0102030405060708ull),
                   MODEL_OK);
  uint8_t b[16];
  assert_int_equal(sim_bus_read_bytes(&fx->bus, SIM_ACTOR_DEVICE, BASE, b, 16), MODEL_OK);
  const uint8_t want[16] = {0x44, 0x33, 0x22, 0x11, 0x66, 0x55, 0,    0,
                            0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
  assert_memory_equal(b, want, 16);
  uint16_t v16 = 0;
  assert_int_equal(sim_bus_read_le16(&fx->bus, SIM_ACTOR_DEVICE, BASE + 1u, &v16), MODEL_OK);
  assert_int_equal(v16, 0x2233); /* unaligned access is byte-wise */
}

static void test_bus_address_wrap_at_2_64(void **state) {
  struct fx *fx = *state;
  const uint64_t top_base = UINT64_MAX - 0xffu; /* region [2^64 - 256, 2^64 - 1) */
  assert_int_equal(sim_bus_add_region(&fx->bus, top_base, 0xff, SIM_PERM_ALL), MODEL_OK);
  uint64_t v = 1;
  /* ends on the region's last byte (2^64 - 2) */
  assert_int_equal(sim_bus_read_le64(&fx->bus, SIM_ACTOR_DRIVER, UINT64_MAX - 8u, &v), MODEL_OK);
  /* one byte further its end would be 2^64 itself: a wrap (as in vringh) */
  assert_int_equal(sim_bus_read_le64(&fx->bus, SIM_ACTOR_DRIVER, UINT64_MAX - 7u, &v),
                   MODEL_ERR_MEM_WRAP);
  assert_true(v == 0);
  assert_int_equal(sim_bus_read_le64(&fx->bus, SIM_ACTOR_DRIVER, UINT64_MAX - 6u, &v),
                   MODEL_ERR_MEM_WRAP);
  /* the same range one page lower: past the region but no wrap */
  assert_int_equal(sim_bus_read_le64(&fx->bus, SIM_ACTOR_DRIVER, top_base - 4u, &v),
                   MODEL_ERR_MEM_UNMAPPED);
  assert_int_equal(sim_bus_add_region(&fx->bus, UINT64_MAX - 0xfu, 0x10, SIM_PERM_ALL),
                   MODEL_ERR_INVALID_ARG); /* its end, 2^64, wraps */
  assert_int_equal(sim_bus_write_le16(&fx->bus, SIM_ACTOR_DRIVER, UINT64_MAX, 1),
                   MODEL_ERR_MEM_WRAP);
  uint8_t buf[16];
  assert_int_equal(sim_bus_read_bytes(&fx->bus, SIM_ACTOR_DRIVER, UINT64_MAX - 8u, buf, 16),
                   MODEL_ERR_MEM_WRAP);
  assert_int_equal(sim_bus_write_bytes(&fx->bus, SIM_ACTOR_DRIVER, UINT64_MAX - 8u, buf, 16),
                   MODEL_ERR_MEM_WRAP);
  assert_false(sim_bus_range_ok(&fx->bus, SIM_ACTOR_DRIVER, 1, UINT64_MAX, false));
  assert_true(sim_bus_range_ok(&fx->bus, SIM_ACTOR_DRIVER, top_base, 0xff, false));
  assert_false(sim_bus_range_ok(&fx->bus, SIM_ACTOR_DRIVER, top_base, 0x100, false));
}

static void test_bus_perms_per_actor(void **state) {
  struct fx *fx = *state;
  const uint64_t b2 = 0x8000;
  uint32_t perms = SIM_PERM_R(SIM_ACTOR_DRIVER) | SIM_PERM_W(SIM_ACTOR_DEVICE);
  assert_int_equal(sim_bus_add_region(&fx->bus, b2, 0x10, perms), MODEL_OK);
  uint32_t v = 0;
  assert_int_equal(sim_bus_write_le32(&fx->bus, SIM_ACTOR_DEVICE, b2, 7), MODEL_OK);
  assert_int_equal(sim_bus_read_le32(&fx->bus, SIM_ACTOR_DRIVER, b2, &v), MODEL_OK);
  assert_int_equal(v, 7);
  assert_int_equal(sim_bus_write_le32(&fx->bus, SIM_ACTOR_DRIVER, b2, 8), MODEL_ERR_MEM_PERM);
  assert_int_equal(sim_bus_read_le32(&fx->bus, SIM_ACTOR_DEVICE, b2, &v), MODEL_ERR_MEM_PERM);
  assert_int_equal(v, 0);
  assert_int_equal(sim_bus_read_le32(&fx->bus, SIM_ACTOR_NIC, b2, &v), MODEL_ERR_MEM_PERM);
  assert_int_equal(sim_bus_write_u8(&fx->bus, SIM_ACTOR_INJECTOR, b2, 1), MODEL_ERR_MEM_PERM);
  assert_int_equal(sim_bus_read_le32(&fx->bus, SIM_ACTOR_DRIVER, b2, &v), MODEL_OK);
  assert_int_equal(v, 7); /* refused writes changed nothing */
  assert_true(sim_bus_range_ok(&fx->bus, SIM_ACTOR_DRIVER, b2, 0x10, false));
  assert_false(sim_bus_range_ok(&fx->bus, SIM_ACTOR_DRIVER, b2, 0x10, true));
  assert_true(sim_bus_range_ok(&fx->bus, SIM_ACTOR_DEVICE, b2, 0x10, true));
  assert_false(sim_bus_range_ok(&fx->bus, SIM_ACTOR_DEVICE, b2, 0x11, true));
  assert_false(sim_bus_range_ok(&fx->bus, SIM_ACTOR_DEVICE, b2, 0, true));
}

static void test_bus_observers_see_events_with_results(void **state) {
  struct fx *fx = *state;
  uint16_t v = 0;
  assert_int_equal(sim_bus_write_le16(&fx->bus, SIM_ACTOR_DRIVER, BASE + 2u, 0xbeef), MODEL_OK);
  assert_int_equal(sim_bus_read_le16(&fx->bus, SIM_ACTOR_DEVICE, BASE + 2u, &v), MODEL_OK);
  assert_int_equal(sim_bus_read_le16(&fx->bus, SIM_ACTOR_DEVICE, BASE + SIZE, &v),
                   MODEL_ERR_MEM_UNMAPPED);
  const uint8_t bytes[3] = {1, 2, 3};
  assert_int_equal(sim_bus_write_bytes(&fx->bus, SIM_ACTOR_NIC, BASE, bytes, 3), MODEL_OK);
  assert_int_equal(fx->event_count, 4);
  const struct sim_bus_event *e = fx->events;
  assert_int_equal(e[0].kind, SIM_EV_MEM_WRITE);
  assert_int_equal(e[0].actor, SIM_ACTOR_DRIVER);
  assert_true(e[0].addr == BASE + 2u && e[0].len == 2 && e[0].value == 0xbeef);
  assert_int_equal(e[0].result, MODEL_OK);
  assert_true(e[0].trace_pos == 0);
  assert_int_equal(e[1].kind, SIM_EV_MEM_READ);
  assert_int_equal(e[1].actor, SIM_ACTOR_DEVICE);
  assert_true(e[1].value == 0xbeef && e[1].trace_pos == 1);
  assert_int_equal(e[2].result, MODEL_ERR_MEM_UNMAPPED);
  assert_true(e[2].value == 0 && e[2].trace_pos == 2);
  assert_int_equal(e[3].kind, SIM_EV_MEM_WRITE);
  assert_non_null(e[3].bytes);
  assert_true(e[3].len == 3);
  /* byte-range writes carry the byte digest of sim/hash.h (computed in
   * Python by its definition) */
  assert_true(e[3].value == 0x4b57e6e2097ab645ull);
  assert_true(fx->trace.pos == 4);
  sim_bus_note(&fx->bus, SIM_ACTOR_WORLD, "hi");
  assert_int_equal(fx->events[4].kind, SIM_EV_NOTE);
  assert_string_equal((const char *)fx->events[4].bytes, "hi");
}

static void test_bus_observer_table_full(void **state) {
  struct fx *fx = *state;
  for (size_t i = 1; i < SIM_BUS_OBSERVERS_MAX; i++)
    assert_int_equal(sim_bus_add_observer(&fx->bus, observe, fx), MODEL_OK);
  assert_int_equal(sim_bus_add_observer(&fx->bus, observe, fx), MODEL_ERR_CAPACITY);
}

static void test_bus_add_region_refusals(void **state) {
  struct fx *fx = *state;
  assert_int_equal(sim_bus_add_region(&fx->bus, BASE + SIZE - 1u, 1, 0), MODEL_ERR_INVALID_ARG);
  assert_int_equal(sim_bus_add_region(&fx->bus, BASE - 1u, 2, 0), MODEL_ERR_INVALID_ARG);
  assert_int_equal(sim_bus_add_region(&fx->bus, BASE + SIZE, 0, 0), MODEL_ERR_INVALID_ARG);
  assert_int_equal(sim_bus_add_region(&fx->bus, UINT64_MAX, 1, 0), MODEL_ERR_INVALID_ARG);
  /* adjacent regions are fine, but an access may not span two */
  assert_int_equal(sim_bus_add_region(&fx->bus, BASE + SIZE, 0x10, SIM_PERM_ALL), MODEL_OK);
  assert_int_equal(sim_bus_add_region(&fx->bus, BASE - 0x10u, 0x10, SIM_PERM_ALL), MODEL_OK);
  uint32_t v = 0;
  assert_int_equal(sim_bus_read_le32(&fx->bus, SIM_ACTOR_DRIVER, BASE + SIZE - 2u, &v),
                   MODEL_ERR_MEM_UNMAPPED);
  assert_int_equal(sim_bus_read_le32(&fx->bus, SIM_ACTOR_DRIVER, BASE + SIZE, &v), MODEL_OK);
  for (uint64_t i = fx->bus.region_count; i < SIM_MEM_REGIONS_MAX; i++)
    assert_int_equal(sim_bus_add_region(&fx->bus, 0x100000u * (i + 1u), 0x10, 0), MODEL_OK);
  assert_int_equal(sim_bus_add_region(&fx->bus, 0x7000000, 0x10, 0), MODEL_ERR_CAPACITY);
}

static void test_bus_mem_fault_fails_access(void **state) {
  struct fx *fx = *state;
  struct sim_fault_rule rule = {.kind = SIM_FAULT_MEM_FAIL,
                                .actor = SIM_ACTOR_DRIVER,
                                .access = SIM_FAULT_ACCESS_WRITE,
                                .addr_lo = BASE + 0x10u,
                                .addr_hi = BASE + 0x20u,
                                .skip_count = 1,
                                .fire_count = 1,
                                .prob_ppm = SIM_PPM_ONE};
  assert_int_equal(sim_fault_plan_add(&fx->faults, &rule), MODEL_OK);
  uint32_t v = 0;
  assert_int_equal(sim_bus_write_le32(&fx->bus, SIM_ACTOR_DRIVER, BASE + 0x10u, 1), MODEL_OK);
  fx->event_count = 0;
  assert_int_equal(sim_bus_write_le32(&fx->bus, SIM_ACTOR_DRIVER, BASE + 0x10u, 2),
                   MODEL_ERR_MEM_FAULT);
  assert_int_equal(fx->event_count, 2);
  assert_int_equal(fx->events[0].kind, SIM_EV_FAULT);
  assert_true(fx->events[0].addr == SIM_FAULT_MEM_FAIL);
  assert_int_equal(fx->events[1].kind, SIM_EV_MEM_WRITE);
  assert_int_equal(fx->events[1].result, MODEL_ERR_MEM_FAULT);
  assert_int_equal(sim_bus_read_le32(&fx->bus, SIM_ACTOR_DRIVER, BASE + 0x10u, &v), MODEL_OK);
  assert_int_equal(v, 1); /* the failed write changed nothing */
  /* fired once: the next write passes */
  assert_int_equal(sim_bus_write_le32(&fx->bus, SIM_ACTOR_DRIVER, BASE + 0x10u, 3), MODEL_OK);
  assert_true(fx->faults.fired_by_kind[SIM_FAULT_MEM_FAIL] == 1);
}

static void test_bus_reg_dispatch_and_notify_after_latency(void **state) {
  struct fx *fx = *state;
  uint32_t v = 9;
  assert_int_equal(sim_bus_reg_read(&fx->bus, SIM_ACTOR_DRIVER, 0, 4, &v), MODEL_ERR_REG_NO_DEVICE);
  assert_int_equal(v, 0);
  assert_int_equal(sim_bus_reg_write(&fx->bus, SIM_ACTOR_DRIVER, 0x50, 4, 1),
                   MODEL_ERR_REG_NO_DEVICE);
  assert_int_equal(fx->events[1].result, MODEL_ERR_REG_NO_DEVICE);
  sim_bus_attach_device(&fx->bus, &dev_ops, &fx->dev);
  fx->dev.regs[0] = MODEL_MMIO_MAGIC;
  assert_int_equal(sim_bus_reg_read(&fx->bus, SIM_ACTOR_DRIVER, 0, 4, &v), MODEL_OK);
  assert_int_equal(v, MODEL_MMIO_MAGIC);
  assert_int_equal(sim_bus_reg_read(&fx->bus, SIM_ACTOR_DRIVER, 1, 4, &v), MODEL_ERR_REG_WIDTH);
  fx->bus.latency.notify_min_ticks = 7;
  fx->bus.latency.notify_max_ticks = 7;
  assert_int_equal(sim_bus_reg_write(&fx->bus, SIM_ACTOR_DRIVER, 0x30, 4, 1), MODEL_OK);
  assert_true(fx->bus.counters[SIM_CTR_NOTIFY_SENT] == 0);
  fx->event_count = 0;
  assert_int_equal(sim_bus_reg_write(&fx->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_NOTIFY, 4, 3),
                   MODEL_OK);
  assert_int_equal(fx->dev.regs[MODEL_MMIO_QUEUE_NOTIFY / 4u], 3); /* write() at once */
  assert_int_equal(fx->dev.notify_count, 0);                       /* notify() later */
  assert_true(fx->bus.counters[SIM_CTR_NOTIFY_SENT] == 1);
  assert_int_equal(fx->events[0].kind, SIM_EV_REG_WRITE);
  assert_int_equal(fx->events[1].kind, SIM_EV_NOTIFY);
  assert_true(fx->events[1].value == 3);
  run_all(fx);
  assert_int_equal(fx->dev.notify_count, 1);
  assert_true(fx->dev.notify_values[0] == 3 && fx->dev.notify_times[0] == 7);
  assert_int_equal(fx->events[2].kind, SIM_EV_NOTIFY_DELIVER);
  assert_int_equal(fx->events[2].actor, SIM_ACTOR_DEVICE);
  /* a write the register file refuses is no notification */
  fx->dev.write_result = MODEL_ERR_REG_DIRECTION;
  assert_int_equal(sim_bus_reg_write(&fx->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_NOTIFY, 4, 4),
                   MODEL_ERR_REG_DIRECTION);
  run_all(fx);
  assert_int_equal(fx->dev.notify_count, 1);
  assert_true(fx->bus.counters[SIM_CTR_NOTIFY_SENT] == 1);
}

static void test_bus_notify_latency_in_range(void **state) {
  struct fx *fx = *state;
  sim_bus_attach_device(&fx->bus, &dev_ops, &fx->dev);
  fx->bus.latency.notify_min_ticks = 2;
  fx->bus.latency.notify_max_ticks = 5;
  for (uint32_t i = 0; i < 8; i++) {
    uint64_t sent = sim_sched_now(&fx->sched);
    assert_int_equal(sim_bus_reg_write(&fx->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_NOTIFY, 4, i),
                     MODEL_OK);
    run_all(fx);
    uint64_t took = fx->dev.notify_times[i] - sent;
    assert_true(took >= 2 && took <= 5);
  }
}

static void test_bus_irq_delivered_after_latency(void **state) {
  struct fx *fx = *state;
  fx->bus.latency.irq_min_ticks = 3;
  fx->bus.latency.irq_max_ticks = 3;
  sim_bus_raise_irq(&fx->bus, MODEL_MMIO_INT_VRING); /* no driver attached: traced only */
  run_all(fx);
  assert_int_equal(fx->irq_count, 0);
  sim_bus_attach_driver(&fx->bus, drv_irq, fx);
  fx->event_count = 0;
  sim_bus_raise_irq(&fx->bus, MODEL_MMIO_INT_CONFIG);
  assert_int_equal(fx->irq_count, 0);
  run_all(fx);
  assert_int_equal(fx->irq_count, 1);
  assert_true(fx->irq_times[0] == 6);
  assert_true(fx->bus.counters[SIM_CTR_IRQ_SENT] == 2);
  assert_int_equal(fx->events[0].kind, SIM_EV_IRQ_RAISE);
  assert_int_equal(fx->events[1].kind, SIM_EV_IRQ_DELIVER);
  assert_int_equal(fx->events[1].actor, SIM_ACTOR_DRIVER);
  assert_true(fx->events[1].value == MODEL_MMIO_INT_CONFIG);
}

static void test_bus_notify_drop_and_delay_faults(void **state) {
  struct fx *fx = *state;
  sim_bus_attach_device(&fx->bus, &dev_ops, &fx->dev);
  fx->bus.latency.notify_min_ticks = 1;
  fx->bus.latency.notify_max_ticks = 1;
  struct sim_fault_rule drop = {
      .kind = SIM_FAULT_NOTIFY_DROP, .fire_count = 1, .prob_ppm = SIM_PPM_ONE};
  struct sim_fault_rule delay = {
      .kind = SIM_FAULT_NOTIFY_DELAY, .fire_count = 1, .prob_ppm = SIM_PPM_ONE, .delay_ticks = 100};
  assert_int_equal(sim_fault_plan_add(&fx->faults, &drop), MODEL_OK);
  assert_int_equal(sim_fault_plan_add(&fx->faults, &delay), MODEL_OK);
  /* first: dropped */
  assert_int_equal(sim_bus_reg_write(&fx->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_NOTIFY, 4, 1),
                   MODEL_OK);
  assert_int_equal(fx->events[fx->event_count - 1u].kind, SIM_EV_FAULT);
  run_all(fx);
  assert_int_equal(fx->dev.notify_count, 0);
  /* second: delayed by 100 */
  uint64_t t0 = sim_sched_now(&fx->sched);
  assert_int_equal(sim_bus_reg_write(&fx->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_NOTIFY, 4, 2),
                   MODEL_OK);
  run_all(fx);
  assert_int_equal(fx->dev.notify_count, 1);
  assert_true(fx->dev.notify_times[0] == t0 + 101u);
  /* third: both rules spent, on time */
  t0 = sim_sched_now(&fx->sched);
  assert_int_equal(sim_bus_reg_write(&fx->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_NOTIFY, 4, 3),
                   MODEL_OK);
  run_all(fx);
  assert_int_equal(fx->dev.notify_count, 2);
  assert_true(fx->dev.notify_times[1] == t0 + 1u);
  assert_true(fx->bus.counters[SIM_CTR_NOTIFY_SENT] == 3);
}

static void test_bus_irq_drop_and_delay_faults(void **state) {
  struct fx *fx = *state;
  sim_bus_attach_driver(&fx->bus, drv_irq, fx);
  fx->bus.latency.irq_min_ticks = 2;
  fx->bus.latency.irq_max_ticks = 2;
  struct sim_fault_rule drop = {
      .kind = SIM_FAULT_IRQ_DROP, .skip_count = 1, .fire_count = 1, .prob_ppm = SIM_PPM_ONE};
  struct sim_fault_rule delay = {
      .kind = SIM_FAULT_IRQ_DELAY, .fire_count = 1, .prob_ppm = SIM_PPM_ONE, .delay_ticks = 50};
  assert_int_equal(sim_fault_plan_add(&fx->faults, &drop), MODEL_OK);
  assert_int_equal(sim_fault_plan_add(&fx->faults, &delay), MODEL_OK);
  /* first: the drop rule skips it, the delay rule fires */
  sim_bus_raise_irq(&fx->bus, 1);
  run_all(fx);
  assert_int_equal(fx->irq_count, 1);
  assert_true(fx->irq_times[0] == 52);
  /* second: dropped */
  sim_bus_raise_irq(&fx->bus, 1);
  run_all(fx);
  assert_int_equal(fx->irq_count, 1);
  /* third: on time */
  sim_bus_raise_irq(&fx->bus, 1);
  run_all(fx);
  assert_int_equal(fx->irq_count, 2);
  assert_true(fx->irq_times[1] == 54);
}

/* Every name the trace dump and the reports print, exactly; "?" past the
 * end of each enum. */
static void test_bus_names(void **state) {
  (void)state;
  static const char *const actors[SIM_ACTOR_COUNT] = {"driver",   "device",  "nic",
                                                      "injector", "monitor", "world"};
  static const char *const kinds[SIM_EV_KIND_COUNT] = {
      "mem_read",  "mem_write",   "reg_read", "reg_write", "notify", "notify_deliver",
      "irq_raise", "irq_deliver", "fault",    "nic",       "note"};
  static const char *const counters[SIM_CTR_COUNT] = {
      "buffers_added",     "buffers_used", "ring_wraps",     "idx_wraps",  "notify_sent",
      "notify_suppressed", "irq_sent",     "irq_suppressed", "config_irq", "resets"};
  for (unsigned i = 0; i < (unsigned)SIM_ACTOR_COUNT; i++)
    assert_string_equal(sim_actor_name((enum sim_actor)i), actors[i]);
  for (unsigned i = 0; i < (unsigned)SIM_EV_KIND_COUNT; i++)
    assert_string_equal(sim_ev_kind_name((enum sim_ev_kind)i), kinds[i]);
  for (unsigned i = 0; i < (unsigned)SIM_CTR_COUNT; i++)
    assert_string_equal(sim_counter_name((enum sim_counter)i), counters[i]);
  assert_string_equal(sim_actor_name(SIM_ACTOR_COUNT), "?");
  assert_string_equal(sim_ev_kind_name(SIM_EV_KIND_COUNT), "?");
  assert_string_equal(sim_counter_name(SIM_CTR_COUNT), "?");
}

static void test_bus_without_trace_or_observers(void **state) {
  (void)state;
  struct sim_sched sched;
  struct sim_bus bus;
  assert_int_equal(sim_sched_init(&sched, 4), MODEL_OK);
  sim_bus_init(&bus, &sched, NULL, NULL, 9);
  assert_int_equal(sim_bus_add_region(&bus, 0, 16, SIM_PERM_ALL), MODEL_OK);
  assert_int_equal(sim_bus_write_le64(&bus, SIM_ACTOR_DEVICE, 8, 42), MODEL_OK);
  uint64_t v = 0;
  assert_int_equal(sim_bus_read_le64(&bus, SIM_ACTOR_DRIVER, 8, &v), MODEL_OK);
  assert_true(v == 42);
  sim_bus_raise_irq(&bus, 1);
  assert_true(sim_sched_pending(&sched, sched.heap[0].fn, &bus));
  sim_bus_fini(&bus); /* cancels its pending deliveries */
  assert_int_equal(sched.count, 0);
  sim_sched_fini(&sched);
}

static void noop_event(void *ctx, uint64_t arg) {
  (void)ctx;
  (void)arg;
}

/* The last event the observer saw is a note with this text. */
static void assert_last_note(const struct fx *fx, const char *text) {
  assert_true(fx->event_count > 0);
  const struct sim_bus_event *ev = &fx->events[fx->event_count - 1u];
  assert_int_equal(ev->kind, SIM_EV_NOTE);
  assert_int_equal(ev->actor, SIM_ACTOR_WORLD);
  assert_true(ev->len == strlen(text));
  assert_memory_equal(ev->bytes, text, strlen(text));
}

/* With the scheduler full a notification or an interrupt cannot be
 * delivered: the loss is counted and noted (never silent), the register
 * write itself still took effect, and the doorbell write reports it. */
static void test_bus_scheduler_full_loses_deliveries_loudly(void **state) {
  struct fx *fx = *state;
  sim_bus_attach_device(&fx->bus, &dev_ops, &fx->dev);
  sim_bus_attach_driver(&fx->bus, drv_irq, fx);
  size_t filled = 0;
  while (sim_bus_schedule(&fx->bus, 1000, noop_event, NULL, 0) == MODEL_OK)
    filled++;
  assert_int_equal(filled, 64); /* the fixture's capacity */
  fx->event_count = 0;
  assert_int_equal(sim_bus_reg_write(&fx->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_NOTIFY, 4, 2),
                   MODEL_ERR_CAPACITY);
  assert_int_equal(fx->dev.regs[MODEL_MMIO_QUEUE_NOTIFY / 4u], 2);
  assert_true(fx->bus.counters[SIM_CTR_NOTIFY_SENT] == 1);
  assert_true(fx->bus.sched_overflow_count == 1);
  assert_last_note(fx, "notify lost: scheduler full");
  sim_bus_raise_irq(&fx->bus, 1);
  assert_true(fx->bus.counters[SIM_CTR_IRQ_SENT] == 1);
  assert_true(fx->bus.sched_overflow_count == 2);
  assert_last_note(fx, "interrupt lost: scheduler full");
  run_all(fx);
  assert_int_equal(fx->dev.notify_count, 0);
  assert_int_equal(fx->irq_count, 0);
}

/* A latency range given upside down (min above max) is not an error: the
 * delay is the minimum. */
static void test_bus_latency_min_above_max_is_min(void **state) {
  struct fx *fx = *state;
  sim_bus_attach_device(&fx->bus, &dev_ops, &fx->dev);
  sim_bus_attach_driver(&fx->bus, drv_irq, fx);
  fx->bus.latency.notify_min_ticks = 10;
  fx->bus.latency.notify_max_ticks = 5;
  fx->bus.latency.irq_min_ticks = 7;
  fx->bus.latency.irq_max_ticks = 0;
  assert_int_equal(sim_bus_reg_write(&fx->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_NOTIFY, 4, 1),
                   MODEL_OK);
  sim_bus_raise_irq(&fx->bus, 1);
  run_all(fx);
  assert_int_equal(fx->dev.notify_count, 1);
  assert_true(fx->dev.notify_times[0] == 10);
  assert_int_equal(fx->irq_count, 1);
  assert_true(fx->irq_times[0] == 7);
}

/* A fault's extra delay saturates: a delivery pushed past 2^64 - 1 ticks
 * waits forever rather than wrapping round to a short delay. */
static void test_bus_fault_delay_saturates(void **state) {
  struct fx *fx = *state;
  sim_bus_attach_device(&fx->bus, &dev_ops, &fx->dev);
  struct sim_fault_rule slow = {
      .kind = SIM_FAULT_NOTIFY_DELAY, .prob_ppm = SIM_PPM_ONE, .delay_ticks = UINT64_MAX};
  assert_int_equal(sim_fault_plan_add(&fx->faults, &slow), MODEL_OK);
  assert_int_equal(sim_bus_reg_write(&fx->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_NOTIFY, 4, 1),
                   MODEL_OK);
  assert_int_equal(fx->sched.count, 1);
  assert_true(fx->sched.heap[0].time_ticks == UINT64_MAX);
  assert_int_equal(fx->events[fx->event_count - 1u].kind, SIM_EV_FAULT);
  assert_true(fx->events[fx->event_count - 1u].value == UINT64_MAX);
}

/* A register file without a notify hook still gets the write; the delivery
 * is recorded and goes nowhere. */
static void test_bus_notify_without_hook(void **state) {
  struct fx *fx = *state;
  static const struct sim_regfile_ops no_hook = {
      .read = dev_read, .write = dev_write, .notify_offset = MODEL_MMIO_QUEUE_NOTIFY};
  sim_bus_attach_device(&fx->bus, &no_hook, &fx->dev);
  assert_int_equal(sim_bus_reg_write(&fx->bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_NOTIFY, 4, 5),
                   MODEL_OK);
  fx->event_count = 0;
  run_all(fx);
  assert_int_equal(fx->event_count, 1);
  assert_int_equal(fx->events[0].kind, SIM_EV_NOTIFY_DELIVER);
  assert_true(fx->events[0].value == 5);
  assert_int_equal(fx->dev.notify_count, 0);
}

static void test_bus_observer_must_be_a_function(void **state) {
  struct fx *fx = *state;
  size_t before = fx->bus.observer_count;
  assert_int_equal(sim_bus_add_observer(&fx->bus, NULL, fx), MODEL_ERR_INVALID_ARG);
  assert_int_equal(fx->bus.observer_count, before);
}

/* A bus with no memory at all: every access is unmapped (the region hint
 * points at nothing); fini of a bus never initialised is harmless. */
static void test_bus_without_regions(void **state) {
  (void)state;
  struct sim_sched sched;
  struct sim_bus bus;
  assert_int_equal(sim_sched_init(&sched, 4), MODEL_OK);
  sim_bus_init(&bus, &sched, NULL, NULL, 1);
  uint32_t v = 9;
  assert_int_equal(sim_bus_read_le32(&bus, SIM_ACTOR_DRIVER, 0, &v), MODEL_ERR_MEM_UNMAPPED);
  assert_int_equal(v, 0);
  assert_int_equal(sim_bus_write_u8(&bus, SIM_ACTOR_DEVICE, 0, 1), MODEL_ERR_MEM_UNMAPPED);
  assert_false(sim_bus_range_ok(&bus, SIM_ACTOR_DRIVER, 0, 1, false));
  sim_bus_fini(&bus);
  sim_sched_fini(&sched);
  struct sim_bus zero;
  memset(&zero, 0, sizeof(zero));
  sim_bus_fini(&zero);
  assert_int_equal(zero.region_count, 0);
}

/* With a trace that writes a dump and no observer, accesses still reach
 * the dump (the fast path is taken only when nothing would see the event). */
static void test_bus_trace_dump_without_observers(void **state) {
  (void)state;
  struct sim_sched sched;
  struct sim_trace trace;
  struct sim_bus bus;
  FILE *dump = tmpfile();
  assert_non_null(dump);
  assert_int_equal(sim_sched_init(&sched, 4), MODEL_OK);
  sim_trace_init(&trace, dump);
  sim_bus_init(&bus, &sched, &trace, NULL, 1);
  assert_int_equal(sim_bus_add_region(&bus, BASE, SIZE, SIM_PERM_ALL), MODEL_OK);
  assert_int_equal(sim_bus_write_le16(&bus, SIM_ACTOR_DRIVER, BASE + 2u, 0xbeef), MODEL_OK);
  uint16_t v = 0;
  assert_int_equal(sim_bus_read_le16(&bus, SIM_ACTOR_DEVICE, BASE + 2u, &v), MODEL_OK);
  assert_int_equal(v, 0xbeef);
  assert_true(trace.pos == 2);
  char text[512] = "";
  rewind(dump);
  size_t n = fread(text, 1, sizeof(text) - 1u, dump);
  text[n] = 0;
  assert_non_null(strstr(text, "mem_write"));
  assert_non_null(strstr(text, "mem_read"));
  fclose(dump);
  sim_bus_fini(&bus);
  sim_sched_fini(&sched);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_bus_accessors_region_edges),
      T(test_bus_little_endian_bytes),
      T(test_bus_address_wrap_at_2_64),
      T(test_bus_perms_per_actor),
      T(test_bus_observers_see_events_with_results),
      T(test_bus_observer_table_full),
      T(test_bus_add_region_refusals),
      T(test_bus_mem_fault_fails_access),
      T(test_bus_reg_dispatch_and_notify_after_latency),
      T(test_bus_notify_latency_in_range),
      T(test_bus_irq_delivered_after_latency),
      T(test_bus_notify_drop_and_delay_faults),
      T(test_bus_irq_drop_and_delay_faults),
      cmocka_unit_test(test_bus_names),
      cmocka_unit_test(test_bus_without_trace_or_observers),
      T(test_bus_scheduler_full_loses_deliveries_loudly),
      T(test_bus_latency_min_above_max_is_min),
      T(test_bus_fault_delay_saturates),
      T(test_bus_notify_without_hook),
      T(test_bus_observer_must_be_a_function),
      cmocka_unit_test(test_bus_without_regions),
      cmocka_unit_test(test_bus_trace_dump_without_observers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
