/*
 * bench/net_world.h: the virtio-net world the full-stack figures (net.c)
 * and the memory figures (memory.c) build: a world, the virtio-net device
 * and driver on it, optionally the conformance monitor, started and run
 * until idle, as scenarios/interp.c builds one. Defined in net.c.
 */
#ifndef VIOSIM_BENCH_NET_WORLD_H
#define VIOSIM_BENCH_NET_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/net.h"
#include "frontend/net.h"
#include "model/result.h"
#include "sim/world.h"

struct bench_net_world {
  struct sim_world world;
  struct dev_net dev;
  struct drv_net drv;
  struct model_mon *mon; /* owned by the world; NULL with the monitor off */
  bool world_up, dev_up, drv_up;
};

/* Build w (zeroed by the caller) on a world made with wcfg; the driver's
 * guest memory is the world's. Whatever fails, bench_net_world_teardown()
 * undoes what was built. */
MODEL_MUST_USE model_err bench_net_world_build(struct bench_net_world *w,
                                               const struct sim_world_config *wcfg, bool monitor);
void bench_net_world_teardown(struct bench_net_world *w);

/* Clause evaluations by mon so far (0 without one). */
uint64_t bench_monitor_checks(const struct model_mon *mon);

#endif
