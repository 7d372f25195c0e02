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

#include "bench/bench.h"
#include "bench/net_world.h"
#include "model/monitor.h"

static size_t heap_in_use(void) {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

static model_err idle_build(struct bench_net_world *w, uint32_t sched_capacity) {
  struct sim_world_config wcfg;
  sim_world_config_default(&wcfg);
  wcfg.sched_capacity = sched_capacity;
  MODEL_TRY(bench_net_world_build(w, &wcfg, true));
  MODEL_ENSURE(model_mon_violation_count(w->mon) == 0, MODEL_ERR_INVALID_ARG);
  return MODEL_OK;
}

bool bench_memory_run(uint32_t count, uint32_t sched_capacity, double *bytes_per_world, char *err,
                      size_t err_size) {
  struct bench_net_world **worlds = calloc(count, sizeof(*worlds));
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
      bench_net_world_teardown(worlds[i]);
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
