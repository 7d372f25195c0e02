/*
 * bench/net.c: the full stack (see bench.h): virtio-net frames through the
 * driver (frontend/net.h), the device (backend/net.h) and the simulated NIC
 * in loopback (sim/nic.h), in a world built the way scenarios/interp.c
 * builds one (the interpreter's scheduler capacity, the monitor attached
 * first when it is on, then the device, then the driver, started: DRIVER_OK
 * and the receive ring filled).
 *
 * A round: drv_net_send makes batch_count frames of frame_len bytes (to the
 * peer's address, as a scenario's `send` does) and puts them on the
 * transmit ring, kicking the device; the world runs until it is idle: the
 * doorbell reaches the device, which transmits each frame onto the wire; in
 * loopback the wire brings it back to the device's receive port, the device
 * fills a receive buffer and interrupts, and the driver's handler checks the
 * frame (sim_nic_deliver), refills the receive ring and reclaims the
 * transmit buffers. The figure counts frames delivered to the driver.
 *
 * Checked after every run: every frame sent was delivered (none dropped,
 * none corrupt), the ledger accounts for every frame
 * (sim_nic_check_accounted), no monitor violation, nothing broken, no
 * scheduler overflow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/net_world.h"
#include "model/catalog.h"
#include "model/monitor.h"
#include "sim/monitor.h"
#include "sim/world.h"

/* scenarios/interp.c's SCN_SCHED_CAPACITY */
#define NET_SCHED_CAPACITY (1u << 16)

model_err bench_net_world_build(struct bench_net_world *w, const struct sim_world_config *wcfg,
                                bool monitor) {
  struct dev_net_config dcfg;
  struct drv_net_config ncfg;
  dev_net_config_default(&dcfg);
  drv_net_config_default(&ncfg);
  MODEL_TRY(sim_world_init(&w->world, wcfg));
  w->world_up = true;
  if (monitor)
    MODEL_TRY(sim_world_attach_monitor(&w->world, MODEL_MON_OBSERVE_ACCESSES, &w->mon));
  MODEL_TRY(dev_net_init(&w->dev, &w->world.bus, &w->world.nic, &dcfg));
  w->dev_up = true;
  ncfg.guest_mem_base = wcfg->mem_base;
  ncfg.guest_mem_size = wcfg->mem_size;
  MODEL_TRY(drv_net_init(&w->drv, &w->world.bus, &w->world.nic, &ncfg));
  w->drv_up = true;
  MODEL_TRY(drv_net_start(&w->drv));
  (void)sim_world_run(&w->world, UINT64_MAX, UINT64_MAX);
  MODEL_ENSURE(sim_world_idle(&w->world), MODEL_ERR_INVALID_ARG);
  return MODEL_OK;
}

void bench_net_world_teardown(struct bench_net_world *w) {
  if (w->drv_up)
    drv_net_fini(&w->drv);
  if (w->dev_up)
    dev_net_fini(&w->dev);
  if (w->world_up)
    sim_world_fini(&w->world);
}

uint64_t bench_monitor_checks(const struct model_mon *mon) {
  uint64_t sum = 0;
  if (mon == NULL)
    return 0;
  for (size_t i = 0; i < model_catalog_count(); i++) {
    const struct model_mon_tally *t = model_mon_tally(mon, i);
    sum += t != NULL ? t->evaluated : 0u;
  }
  return sum;
}

static model_err nb_build(struct bench_net_world *b, const struct bench_ring_params *p,
                          uint64_t frames) {
  struct sim_world_config wcfg;
  sim_world_config_default(&wcfg);
  wcfg.sched_capacity = NET_SCHED_CAPACITY;
  wcfg.nic.loopback = true;
  if (frames + 1u > wcfg.nic.frames_max)
    wcfg.nic.frames_max = frames + 1u;
  return bench_net_world_build(b, &wcfg, p->monitor);
}

static model_err nb_loop(struct bench_net_world *b, const struct bench_ring_params *p,
                         uint64_t frames) {
  const uint8_t *dst = b->world.cfg.nic.peer_mac;
  for (uint64_t sent = 0; sent < frames;) {
    uint64_t n = frames - sent < p->batch_count ? frames - sent : p->batch_count;
    MODEL_TRY(drv_net_send(&b->drv, n, p->frame_len, p->frame_len, dst));
    (void)sim_world_run(&b->world, UINT64_MAX, UINT64_MAX);
    MODEL_ENSURE(sim_world_idle(&b->world), MODEL_ERR_INVALID_ARG);
    sent += n;
  }
  return MODEL_OK;
}

/* Everything that must hold after a correct run. */
static bool nb_check(struct bench_net_world *b, uint64_t frames, char *err, size_t err_size) {
  const struct sim_nic_stream_stats *tx = &b->world.nic.stats[SIM_STREAM_TX];
  uint64_t violations = b->mon != NULL ? model_mon_violation_count(b->mon) : 0;
  char why[256];
  if (tx->generated != frames || tx->delivered != frames || tx->corrupt != 0) {
    snprintf(err, err_size,
             "net: %llu frames sent, %llu made, %llu delivered to the driver, %llu corrupt",
             (unsigned long long)frames, (unsigned long long)tx->generated,
             (unsigned long long)tx->delivered, (unsigned long long)tx->corrupt);
    return false;
  }
  if (!sim_nic_check_accounted(&b->world.nic, why, sizeof(why))) {
    snprintf(err, err_size, "net: frames not accounted for: %s", why);
    return false;
  }
  if (drv_net_is_broken(&b->drv) || violations != 0 || b->world.bus.sched_overflow_count != 0) {
    snprintf(err, err_size, "net: driver broken or %llu monitor violations",
             (unsigned long long)violations);
    return false;
  }
  return true;
}

bool bench_net_run(const struct bench_ring_params *p, uint64_t buffers, uint64_t *elapsed_ns,
                   struct bench_run_stats *stats, char *err, size_t err_size) {
  struct bench_net_world *b = calloc(1, sizeof(*b));
  if (b == NULL) {
    snprintf(err, err_size, "net: out of memory");
    return false;
  }
  if (p->batch_count == 0 || p->frame_len < SIM_FRAME_MIN_SIZE) {
    snprintf(err, err_size, "net: bad parameters");
    free(b);
    return false;
  }
  model_err e = nb_build(b, p, buffers);
  bool ok = e == MODEL_OK;
  if (!ok)
    snprintf(err, err_size, "net: setup failed: %s", model_err_name(e));
  uint64_t events_before = b->world.trace.pos;
  uint64_t notify_before = b->world.bus.counters[SIM_CTR_NOTIFY_SENT];
  uint64_t irq_before = b->world.bus.counters[SIM_CTR_IRQ_SENT];
  uint64_t checks_before = bench_monitor_checks(b->mon);
  if (ok) {
    uint64_t t0 = bench_now_ns();
    e = nb_loop(b, p, buffers);
    *elapsed_ns = bench_now_ns() - t0;
    ok = e == MODEL_OK;
    if (!ok)
      snprintf(err, err_size, "net: loop failed: %s", model_err_name(e));
  }
  if (ok)
    ok = nb_check(b, buffers, err, err_size);
  if (ok) {
    const struct sim_nic_stream_stats *tx = &b->world.nic.stats[SIM_STREAM_TX];
    *stats = (struct bench_run_stats){
        .buffers = tx->delivered,
        .checksum = b->world.trace.hash,
        .notifications = b->world.bus.counters[SIM_CTR_NOTIFY_SENT] - notify_before,
        .interrupts = b->world.bus.counters[SIM_CTR_IRQ_SENT] - irq_before,
        .bus_events = b->world.trace.pos - events_before,
        .monitor_checks = bench_monitor_checks(b->mon) - checks_before,
    };
  }
  bench_net_world_teardown(b);
  free(b);
  return ok;
}
