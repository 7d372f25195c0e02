/*
 * sim/tests/world_test.c: the world (sim/world.h): its defaults, guest RAM
 * and who may touch it, run limits (time and event count, each at its edge),
 * the injector's device reset at its time and as its actor, and replay: the
 * same seed gives the same trace hash, another seed another one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/mmio.h"
#include "sim/world.h"

static void test_world_config_defaults(void **state) {
  (void)state;
  struct sim_world_config cfg;
  sim_world_config_default(&cfg);
  assert_true(cfg.seed == 1);
  assert_true(cfg.mem_base == 0x10000000u && cfg.mem_size == 64u * 1024u * 1024u);
  assert_true(cfg.latency.notify_min_ticks == 1 && cfg.latency.notify_max_ticks == 4);
  assert_true(cfg.latency.irq_min_ticks == 1 && cfg.latency.irq_max_ticks == 4);
  assert_true(cfg.nic.delay_min_ticks == 10 && cfg.nic.delay_max_ticks == 20);
  assert_true(cfg.nic.loss_ppm == 0 && cfg.nic.dup_ppm == 0 && cfg.nic.reorder_ppm == 0);
  assert_true(cfg.nic.frames_max == 1u << 20);
  assert_true(cfg.sched_capacity == 4096);
  const uint8_t peer[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};
  assert_memory_equal(cfg.nic.peer_mac, peer, 6);
  assert_null(cfg.trace_dump);
}

static void test_world_ram_and_perms(void **state) {
  (void)state;
  struct sim_world_config cfg;
  sim_world_config_default(&cfg);
  static struct sim_world w;
  assert_int_equal(sim_world_init(&w, &cfg), MODEL_OK);
  const uint64_t last = cfg.mem_base + cfg.mem_size - 4u;
  const enum sim_actor allowed[] = {SIM_ACTOR_DRIVER, SIM_ACTOR_DEVICE, SIM_ACTOR_NIC,
                                    SIM_ACTOR_INJECTOR, SIM_ACTOR_MONITOR};
  for (size_t i = 0; i < 5; i++) {
    uint32_t v = 0;
    assert_int_equal(sim_bus_write_le32(&w.bus, allowed[i], last, (uint32_t)i), MODEL_OK);
    assert_int_equal(sim_bus_read_le32(&w.bus, allowed[i], last, &v), MODEL_OK);
    assert_int_equal(v, i);
  }
  uint32_t v = 0;
  assert_int_equal(sim_bus_read_le32(&w.bus, SIM_ACTOR_DRIVER, last + 1u, &v),
                   MODEL_ERR_MEM_UNMAPPED);
  assert_int_equal(sim_bus_read_le32(&w.bus, SIM_ACTOR_DRIVER, cfg.mem_base - 1u, &v),
                   MODEL_ERR_MEM_UNMAPPED);
  assert_int_equal(sim_bus_read_le32(&w.bus, SIM_ACTOR_WORLD, last, &v), MODEL_ERR_MEM_PERM);
  sim_world_fini(&w);
}

static void test_world_init_rejects_bad_config(void **state) {
  (void)state;
  struct sim_world_config cfg;
  static struct sim_world w;
  sim_world_config_default(&cfg);
  cfg.latency.irq_min_ticks = 5;
  cfg.latency.irq_max_ticks = 4;
  assert_int_equal(sim_world_init(&w, &cfg), MODEL_ERR_INVALID_ARG);
  sim_world_config_default(&cfg);
  cfg.latency.notify_min_ticks = 5;
  cfg.latency.notify_max_ticks = 4;
  assert_int_equal(sim_world_init(&w, &cfg), MODEL_ERR_INVALID_ARG);
  sim_world_config_default(&cfg);
  cfg.sched_capacity = 0;
  assert_int_equal(sim_world_init(&w, &cfg), MODEL_ERR_INVALID_ARG);
  sim_world_config_default(&cfg);
  cfg.nic.delay_min_ticks = 21;
  assert_int_equal(sim_world_init(&w, &cfg), MODEL_ERR_INVALID_ARG);
  sim_world_config_default(&cfg);
  cfg.mem_size = 0;
  assert_int_equal(sim_world_init(&w, &cfg), MODEL_ERR_INVALID_ARG);
}

struct ran {
  uint64_t args[16];
  uint64_t times[16];
  size_t count;
  struct sim_world *w;
};

static void ran_fn(void *ctx, uint64_t arg) {
  struct ran *r = ctx;
  assert_true(r->count < 16);
  r->args[r->count] = arg;
  r->times[r->count] = sim_bus_now(&r->w->bus);
  r->count++;
}

static void test_world_run_limits(void **state) {
  (void)state;
  struct sim_world_config cfg;
  sim_world_config_default(&cfg);
  static struct sim_world w;
  assert_int_equal(sim_world_init(&w, &cfg), MODEL_OK);
  struct ran r = {.w = &w};
  const uint64_t delays[] = {30, 10, 20, 10, 40};
  for (uint64_t i = 0; i < 5; i++)
    assert_int_equal(sim_bus_schedule(&w.bus, delays[i], ran_fn, &r, i), MODEL_OK);
  assert_false(sim_world_idle(&w));
  /* until 19: the two events at 10, in insertion order */
  assert_int_equal(sim_world_run(&w, 19, 100), 2);
  assert_true(r.args[0] == 1 && r.args[1] == 3);
  /* until exactly 20 includes the event at 20 */
  assert_int_equal(sim_world_run(&w, 20, 100), 1);
  assert_true(r.times[2] == 20);
  /* max_events stops after one */
  assert_int_equal(sim_world_run(&w, UINT64_MAX, 1), 1);
  assert_true(r.args[3] == 0);
  assert_int_equal(sim_world_run(&w, UINT64_MAX, 0), 0);
  assert_int_equal(sim_world_run(&w, UINT64_MAX, 100), 1);
  assert_true(sim_world_idle(&w));
  assert_int_equal(sim_world_run(&w, UINT64_MAX, 100), 0);
  sim_world_fini(&w);
}

struct fake_dev {
  uint64_t status_write_time;
  uint32_t status;
  size_t writes;
  struct sim_world *w;
};

static model_err dev_read(void *ctx, uint64_t offset, uint32_t width, uint32_t *value) {
  struct fake_dev *d = ctx;
  (void)width;
  *value = offset == MODEL_MMIO_STATUS ? d->status : 0;
  return MODEL_OK;
}

static model_err dev_write(void *ctx, uint64_t offset, uint32_t width, uint32_t value) {
  struct fake_dev *d = ctx;
  assert_int_equal(width, 4);
  if (offset == MODEL_MMIO_STATUS) {
    d->status = value;
    d->status_write_time = sim_bus_now(&d->w->bus);
    d->writes++;
  }
  return MODEL_OK;
}

static void dev_notify(void *ctx, uint32_t value) {
  (void)ctx;
  (void)value;
}

static const struct sim_regfile_ops dev_ops = {.read = dev_read,
                                               .write = dev_write,
                                               .notify = dev_notify,
                                               .notify_offset = MODEL_MMIO_QUEUE_NOTIFY};

struct seen {
  struct sim_bus_event ev[16];
  size_t count;
};

static void observe(void *ctx, const struct sim_bus_event *ev) {
  struct seen *s = ctx;
  if (s->count < 16)
    s->ev[s->count++] = *ev;
}

static void test_world_device_reset_fault(void **state) {
  (void)state;
  struct sim_world_config cfg;
  sim_world_config_default(&cfg);
  static struct sim_world w;
  assert_int_equal(sim_world_init(&w, &cfg), MODEL_OK);
  struct fake_dev dev = {.status = 0xf, .w = &w};
  struct seen seen = {.count = 0};
  sim_bus_attach_device(&w.bus, &dev_ops, &dev);
  assert_int_equal(sim_bus_add_observer(&w.bus, observe, &seen), MODEL_OK);
  struct sim_fault_rule rule = {.kind = SIM_FAULT_DEVICE_RESET, .at_ticks = 123};
  assert_int_equal(sim_world_add_fault(&w, &rule), MODEL_OK);
  assert_int_equal(w.faults.rule_count, 0); /* scheduled, not a bus rule */
  assert_int_equal(sim_world_run(&w, 122, 100), 0);
  assert_int_equal(dev.writes, 0);
  assert_int_equal(sim_world_run(&w, 123, 100), 1);
  assert_int_equal(dev.writes, 1);
  assert_int_equal(dev.status, 0);
  assert_true(dev.status_write_time == 123);
  assert_int_equal(seen.count, 2);
  assert_int_equal(seen.ev[0].kind, SIM_EV_FAULT);
  assert_true(seen.ev[0].addr == SIM_FAULT_DEVICE_RESET);
  assert_int_equal(seen.ev[1].kind, SIM_EV_REG_WRITE);
  assert_int_equal(seen.ev[1].actor, SIM_ACTOR_INJECTOR);
  assert_true(seen.ev[1].addr == MODEL_MMIO_STATUS && seen.ev[1].value == 0);
  assert_true(seen.ev[1].time_ticks == 123);
  /* without a device the reset is traced with its error, and the run goes on */
  sim_bus_attach_device(&w.bus, NULL, NULL);
  rule.at_ticks = 200;
  assert_int_equal(sim_world_add_fault(&w, &rule), MODEL_OK);
  assert_int_equal(sim_world_run(&w, UINT64_MAX, 100), 1);
  assert_int_equal(seen.ev[3].result, MODEL_ERR_REG_NO_DEVICE);
  /* other kinds go to the plan */
  struct sim_fault_rule drop = {.kind = SIM_FAULT_IRQ_DROP, .prob_ppm = SIM_PPM_ONE};
  assert_int_equal(sim_world_add_fault(&w, &drop), MODEL_OK);
  assert_int_equal(w.faults.rule_count, 1);
  sim_world_fini(&w);
}

/* A small busy run: NIC traffic on a lossy wire, notifications, interrupts,
 * memory traffic; returns the trace hash. */
static void irq_handler(void *ctx) {
  struct sim_world *w = ctx;
  uint32_t v = 0;
  assert_int_equal(sim_bus_read_le32(&w->bus, SIM_ACTOR_DRIVER, w->cfg.mem_base, &v), MODEL_OK);
}

static void device_rx(void *ctx, const uint8_t *frame, size_t len) {
  struct sim_world *w = ctx;
  assert_int_equal(
      sim_bus_write_bytes(&w->bus, SIM_ACTOR_DEVICE, w->cfg.mem_base + 64u, frame, len), MODEL_OK);
  sim_bus_raise_irq(&w->bus, MODEL_MMIO_INT_VRING);
  assert_int_equal(sim_nic_deliver(&w->nic, SIM_ACTOR_DRIVER, frame, len), MODEL_OK);
}

static uint64_t busy_run(uint64_t seed) {
  struct sim_world_config cfg;
  sim_world_config_default(&cfg);
  cfg.seed = seed;
  cfg.nic.loss_ppm = 100000;
  cfg.nic.dup_ppm = 100000;
  cfg.nic.reorder_ppm = 100000;
  static struct sim_world w;
  assert_int_equal(sim_world_init(&w, &cfg), MODEL_OK);
  struct fake_dev dev = {.w = &w};
  sim_bus_attach_device(&w.bus, &dev_ops, &dev);
  sim_bus_attach_driver(&w.bus, irq_handler, &w);
  sim_nic_attach_device(&w.nic, device_rx, &w);
  const uint8_t dst[6] = {0x52, 0x54, 0, 0, 0, 1};
  assert_int_equal(sim_nic_generate(&w.nic, 50, 60, 1514, dst, 3), MODEL_OK);
  for (uint32_t q = 0; q < 10; q++)
    assert_int_equal(sim_bus_reg_write(&w.bus, SIM_ACTOR_DRIVER, MODEL_MMIO_QUEUE_NOTIFY, 4, q),
                     MODEL_OK);
  (void)sim_world_run(&w, UINT64_MAX, 100000);
  assert_true(sim_world_idle(&w));
  assert_true(sim_nic_check_accounted(&w.nic, NULL, 0));
  uint64_t hash = w.trace.hash;
  assert_true(w.trace.pos > 100);
  sim_world_fini(&w);
  return hash;
}

static void test_world_same_seed_same_trace_hash(void **state) {
  (void)state;
  uint64_t a = busy_run(1);
  uint64_t b = busy_run(1);
  assert_true(a == b);
}

static void test_world_different_seed_different_trace_hash(void **state) {
  (void)state;
  uint64_t a = busy_run(1);
  uint64_t b = busy_run(2);
  assert_true(a != b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_world_config_defaults),
      cmocka_unit_test(test_world_ram_and_perms),
      cmocka_unit_test(test_world_init_rejects_bad_config),
      cmocka_unit_test(test_world_run_limits),
      cmocka_unit_test(test_world_device_reset_fault),
      cmocka_unit_test(test_world_same_seed_same_trace_hash),
      cmocka_unit_test(test_world_different_seed_different_trace_hash),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
