/*
 * bench/memory.c: the idle-world memory figure (see bench.h): heap bytes a
 * world takes besides its guest memory, built the way scenarios/interp.c
 * builds one (the world with its monitor, the virtio-net device, the
 * virtio-net driver started: DRIVER_OK, receive ring filled) and then run
 * until idle. `count` worlds live at once; the figure is the growth of the
 * process heap (glibc mallinfo2: bytes in use in the arenas plus mmapped
 * blocks) divided by the count, minus each world's guest memory (which the
 * bus allocates as one block of mem_size bytes).
 *
 * Heap accounting is deterministic for a given build, so one measurement
 * is the figure (no spread). Under a sanitizer's allocator mallinfo2 sees
 * none of it: the figure is then unavailable (-1), not zero.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/net.h"
#include "bench/bench.h"
#include "frontend/net.h"
#include "model/monitor.h"
#include "sim/monitor.h"
#include "sim/world.h"

struct idle_world {
  struct sim_world world;
  struct dev_net dev;
  struct drv_net drv;
  struct model_mon *mon; /* owned by the world */
  bool world_up, dev_up, drv_up;
};

static size_t heap_in_use(void) {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

static model_err idle_build(struct idle_world *w, uint32_t sched_capacity) {
  struct sim_world_config wcfg;
  struct dev_net_config dcfg;
  struct drv_net_config ncfg;
  sim_world_config_default(&wcfg);
  dev_net_config_default(&dcfg);
  drv_net_config_default(&ncfg);
  wcfg.sched_capacity = sched_capacity;
  MODEL_TRY(sim_world_init(&w->world, &wcfg));
  w->world_up = true;
  MODEL_TRY(sim_world_attach_monitor(&w->world, MODEL_MON_OBSERVE_ACCESSES, &w->mon));
  MODEL_TRY(dev_net_init(&w->dev, &w->world.bus, &w->world.nic, &dcfg));
  w->dev_up = true;
  ncfg.guest_mem_base = wcfg.mem_base;
  ncfg.guest_mem_size = wcfg.mem_size;
  MODEL_TRY(drv_net_init(&w->drv, &w->world.bus, &w->world.nic, &ncfg));
  w->drv_up = true;
  MODEL_TRY(drv_net_start(&w->drv));
  (void)sim_world_run(&w->world, UINT64_MAX, UINT64_MAX);
  MODEL_ENSURE(sim_world_idle(&w->world), MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(model_mon_violation_count(w->mon) == 0, MODEL_ERR_INVALID_ARG);
  return MODEL_OK;
}

static void idle_teardown(struct idle_world *w) {
  if (w->drv_up)
    drv_net_fini(&w->drv);
  if (w->dev_up)
    dev_net_fini(&w->dev);
  if (w->world_up)
    sim_world_fini(&w->world);
}

bool bench_memory_run(uint32_t count, uint32_t sched_capacity, double *bytes_per_world, char *err,
                      size_t err_size) {
  struct idle_world **worlds = calloc(count, sizeof(*worlds));
  if (worlds == NULL) {
    snprintf(err, err_size, "memory: out of memory");
    return false;
  }
  uint64_t guest = 0;
  size_t before = heap_in_use();
  model_err e = MODEL_OK;
  uint32_t built = 0;
  for (; built < count && e == MODEL_OK; built++) {
    worlds[built] = calloc(1, sizeof(**worlds));
    if (worlds[built] == NULL) {
      e = MODEL_ERR_NO_MEMORY;
      break;
    }
    e = idle_build(worlds[built], sched_capacity);
    guest += worlds[built]->world.cfg.mem_size;
  }
  size_t after = heap_in_use();
  for (uint32_t i = 0; i < count; i++) {
    if (worlds[i] != NULL)
      idle_teardown(worlds[i]);
    free(worlds[i]);
  }
  free(worlds);
  if (e != MODEL_OK) {
    snprintf(err, err_size, "memory: world %u: %s", built, model_err_name(e));
    return false;
  }
  if (after <= before + guest) {
    *bytes_per_world = -1.0; /* unavailable */
    return true;
  }
  *bytes_per_world = (double)(after - before - guest) / (double)count;
  return true;
}
