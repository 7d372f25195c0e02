/*
 * bench/main.c: the viosim-bench command line (see bench.h, harness.h and
 * bench/README.md).
 *
 *   viosim-bench [--quick | --smoke] [--runs N] [--json FILE] [--svg FILE]
 *                [--filter TEXT | --filter =NAME] [--scenarios PATH]
 *                [--make-check-seconds S]
 *
 * Default: the full mode (11 runs of about 0.25 s per figure). --quick: 5
 * runs of about 0.1 s (the whole program well under a minute on a 2-core
 * machine). --smoke: 3 runs of a fixed 2048 buffers, for the ctest that
 * checks the outputs are well formed (its numbers mean nothing). The
 * scenario suite (PATH: default, the source tree's scenarios/) runs 3 times
 * in full mode and once otherwise: it takes seconds. The
 * Markdown table goes to stdout. Exit 0 when every figure was measured (a
 * missed target is reported, not an error), 1 when a run failed, 2 for bad
 * arguments.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/bench.h"
#include "bench/harness.h"

#ifndef BENCH_SCENARIO_DIR
#define BENCH_SCENARIO_DIR "scenarios"
#endif

#define RING_SIZE 256u

#define RING_PARAMS(fmt, ntf, trc, mon, chain, batch, size)                                        \
  {                                                                                                \
    .format = (fmt), .notify = (ntf), .trace = (trc), .monitor = (mon), .queue_size = (size),      \
    .chain_count = (chain), .batch_count = (batch)                                                 \
  }
#define FLOOR_Q(nm, fmt, batch, size)                                                              \
  {                                                                                                \
    .group = "floor", .name = (nm), .fn = bench_floor_run,                                         \
    .p = RING_PARAMS(fmt, BENCH_POLL, BENCH_TRACE_HASH, false, 1, batch, size)                     \
  }
#define FLOOR(nm, fmt, batch) FLOOR_Q(nm, fmt, batch, RING_SIZE)
#define VIOSIM_Q(nm, fmt, ntf, trc, mon, chain, batch, size)                                       \
  {                                                                                                \
    .group = "viosim", .name = (nm), .fn = bench_viosim_run,                                       \
    .p = RING_PARAMS(fmt, ntf, trc, mon, chain, batch, size)                                       \
  }
#define VIOSIM(nm, fmt, ntf, trc, mon, chain, batch)                                               \
  VIOSIM_Q(nm, fmt, ntf, trc, mon, chain, batch, RING_SIZE)
/* Scale: the polling loop at another queue size, the floor and viosim. */
#define SCALE(fmt, fname, size)                                                                    \
  FLOOR_Q(fname " q" #size, fmt, 1, size),                                                         \
      VIOSIM_Q(fname " poll q" #size, fmt, BENCH_POLL, BENCH_TRACE_HASH, false, 1, 1, size)

/* The scheduler capacity scenarios/interp.c gives a scenario's world
 * (SCN_SCHED_CAPACITY there). */
#define SCENARIO_SCHED_CAPACITY (1u << 16)

/* Scale: the split polling loop round-robin across `count` worlds. */
#define WORLDS(nm, count)                                                                          \
  {                                                                                                \
    .group = "scale", .name = (nm), .fn = bench_viosim_multi_run,                                  \
    .p = {.format = BENCH_SPLIT,                                                                   \
          .notify = BENCH_POLL,                                                                    \
          .trace = BENCH_TRACE_HASH,                                                               \
          .queue_size = RING_SIZE,                                                                 \
          .chain_count = 1,                                                                        \
          .batch_count = 1,                                                                        \
          .worlds = (count)},                                                                      \
    .worlds = (count)                                                                              \
  }

/* The full stack: frames of `len` bytes in bursts of NET_BURST. */
#define NET_BURST 32u
#define NET(nm, len, mon)                                                                          \
  {                                                                                                \
    .group = "net", .name = (nm), .kind = BENCH_KIND_NET, .fn = bench_net_run, .p = {              \
      .monitor = (mon),                                                                            \
      .batch_count = NET_BURST,                                                                    \
      .frame_len = (len)                                                                           \
    }                                                                                              \
  }

#define MEMORY(nm, count, slots)                                                                   \
  {                                                                                                \
    .group = "memory", .name = (nm), .kind = BENCH_KIND_MEMORY, .worlds = (count),                 \
    .sched_capacity = (slots)                                                                      \
  }

static const struct bench_case cases[] = {
    FLOOR("split", BENCH_SPLIT, 1),
    FLOOR("packed", BENCH_PACKED, 1),
    FLOOR("split b16", BENCH_SPLIT, 16),
    FLOOR("packed b16", BENCH_PACKED, 16),
    VIOSIM("split poll", BENCH_SPLIT, BENCH_POLL, BENCH_TRACE_HASH, false, 1, 1),
    VIOSIM("packed poll", BENCH_PACKED, BENCH_POLL, BENCH_TRACE_HASH, false, 1, 1),
    VIOSIM("split poll chain4", BENCH_SPLIT, BENCH_POLL, BENCH_TRACE_HASH, false, 4, 1),
    VIOSIM("packed poll chain4", BENCH_PACKED, BENCH_POLL, BENCH_TRACE_HASH, false, 4, 1),
    VIOSIM("split poll monitor", BENCH_SPLIT, BENCH_POLL, BENCH_TRACE_HASH, true, 1, 1),
    VIOSIM("packed poll monitor", BENCH_PACKED, BENCH_POLL, BENCH_TRACE_HASH, true, 1, 1),
    VIOSIM("split poll full-trace", BENCH_SPLIT, BENCH_POLL, BENCH_TRACE_FULL, false, 1, 1),
    VIOSIM("packed poll full-trace", BENCH_PACKED, BENCH_POLL, BENCH_TRACE_FULL, false, 1, 1),
    VIOSIM("split poll no-trace", BENCH_SPLIT, BENCH_POLL, BENCH_TRACE_NONE, false, 1, 1),
    VIOSIM("packed poll no-trace", BENCH_PACKED, BENCH_POLL, BENCH_TRACE_NONE, false, 1, 1),
    VIOSIM("split event-idx b1", BENCH_SPLIT, BENCH_EVENT_IDX, BENCH_TRACE_HASH, false, 1, 1),
    VIOSIM("split event-idx b16", BENCH_SPLIT, BENCH_EVENT_IDX, BENCH_TRACE_HASH, false, 1, 16),
    VIOSIM("packed event-idx b1", BENCH_PACKED, BENCH_EVENT_IDX, BENCH_TRACE_HASH, false, 1, 1),
    VIOSIM("packed event-idx b16", BENCH_PACKED, BENCH_EVENT_IDX, BENCH_TRACE_HASH, false, 1, 16),
    SCALE(BENCH_SPLIT, "split", 16),
    SCALE(BENCH_SPLIT, "split", 4096),
    SCALE(BENCH_SPLIT, "split", 32768),
    SCALE(BENCH_PACKED, "packed", 16),
    SCALE(BENCH_PACKED, "packed", 4096),
    SCALE(BENCH_PACKED, "packed", 32768),
    WORLDS("split poll worlds1", 1),
    WORLDS("split poll worlds10", 10),
    WORLDS("split poll worlds100", 100),
    WORLDS("split poll worlds1000", 1000),
    NET("net 64B", 64, false),
    NET("net 1500B", 1500, false),
    NET("net 64B monitor", 64, true),
    NET("net 1500B monitor", 1500, true),
    MEMORY("idle world x1", 1, SCENARIO_SCHED_CAPACITY),
    MEMORY("idle world x10", 10, SCENARIO_SCHED_CAPACITY),
    MEMORY("idle world x100", 100, SCENARIO_SCHED_CAPACITY),
    MEMORY("idle world x1000", 1000, SCENARIO_SCHED_CAPACITY),
    /* the world's own default scheduler (sim_world_config_default) */
    MEMORY("idle world x10 sched4096", 10, 4096),
    {.group = "scenarios", .name = "scenario suite", .kind = BENCH_KIND_SUITE},
    {.group = "scenarios", .name = "scenario ticks/s", .kind = BENCH_KIND_TICKS},
    {.group = "external", .name = "make check", .kind = BENCH_KIND_EXTERNAL},
};
#define CASE_COUNT (sizeof(cases) / sizeof(cases[0]))

/* The targets of issue 6, as ratios of medians measured in the same run. */
static struct bench_ratio ratios[] = {
    {.name = "split: viosim polling / bare ring",
     .figure = "split poll",
     .baseline = "split",
     .target_max = 6.0},
    {.name = "packed: viosim polling / bare ring",
     .figure = "packed poll",
     .baseline = "packed",
     .target_max = 6.0},
    {.name = "split: monitor on / monitor off",
     .figure = "split poll monitor",
     .baseline = "split poll",
     .target_max = 2.0},
    {.name = "packed: monitor on / monitor off",
     .figure = "packed poll monitor",
     .baseline = "packed poll",
     .target_max = 2.0},
    {.name = "idle world heap (1000 worlds) / 1 MiB",
     .figure = "idle world x1000",
     .baseline = NULL,
     .baseline_value = 1024.0,
     .target_max = 1.0},
    {.name = "make check (default preset) / 5 min",
     .figure = "make check",
     .baseline = NULL,
     .baseline_value = 300.0,
     .target_max = 1.0,
     .note = "viosim-bench cannot run make check: time it and pass --make-check-seconds S"},
};
#define RATIO_COUNT (sizeof(ratios) / sizeof(ratios[0]))

static const struct bench_mode mode_full = {.name = "full",
                                            .runs = 11,
                                            .run_target_ns = 250u * 1000u * 1000u,
                                            .worlds_max = 1000,
                                            .suite_runs = 3};
static const struct bench_mode mode_quick = {.name = "quick",
                                             .runs = 5,
                                             .run_target_ns = 100u * 1000u * 1000u,
                                             .worlds_max = 1000,
                                             .suite_runs = 1};
static const struct bench_mode mode_smoke = {.name = "smoke",
                                             .runs = 3,
                                             .run_target_ns = 0,
                                             .fixed_buffers = 2048,
                                             .worlds_max = 10,
                                             .suite_runs = 1};

static int usage(const char *msg) {
  if (msg != NULL)
    fprintf(stderr, "viosim-bench: %s\n", msg);
  fprintf(stderr, "usage: viosim-bench [--quick | --smoke] [--runs N] [--json FILE] "
                  "[--svg FILE] [--filter TEXT | --filter =NAME]\n"
                  "                    [--scenarios PATH] [--make-check-seconds S]\n");
  return 2;
}

struct options {
  struct bench_mode mode;
  const char *json;
  const char *svg;
  const char *filter; /* only figures whose name contains it ("=NAME": is it) */
  struct bench_inputs in;
};

/* 0: run; -1: --help was answered; 2: bad arguments (usage printed). */
static int parse_args(int argc, char **argv, struct options *o) {
  o->mode = mode_full;
  o->in.scenario_dir = BENCH_SCENARIO_DIR;
  o->in.make_check_seconds = -1.0;
  unsigned runs = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--quick") == 0) {
      o->mode = mode_quick;
    } else if (strcmp(a, "--smoke") == 0) {
      o->mode = mode_smoke;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      (void)usage(NULL);
      return -1;
    } else if (val == NULL) {
      return usage("unknown option or missing value");
    } else if (strcmp(a, "--json") == 0) {
      o->json = argv[++i];
    } else if (strcmp(a, "--svg") == 0) {
      o->svg = argv[++i];
    } else if (strcmp(a, "--filter") == 0) {
      o->filter = argv[++i];
    } else if (strcmp(a, "--scenarios") == 0) {
      o->in.scenario_dir = argv[++i];
    } else if (strcmp(a, "--make-check-seconds") == 0) {
      char *end = NULL;
      double v = strtod(argv[++i], &end);
      if (end == argv[i] || *end != '\0' || !(v >= 0 && v < 1e7))
        return usage("--make-check-seconds takes a number of seconds");
      o->in.make_check_seconds = v;
    } else if (strcmp(a, "--runs") == 0) {
      char *end = NULL;
      unsigned long v = strtoul(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0' || v == 0 || v > 64)
        return usage("--runs takes 1 to 64");
      runs = (unsigned)v;
    } else {
      return usage("unknown option");
    }
  }
  if (runs != 0)
    o->mode.runs = runs;
  struct stat st;
  o->in.scenario_dir_found = stat(o->in.scenario_dir, &st) == 0;
  return 0;
}

/* No filter, a substring of the name, or "=NAME": exactly the name. */
static bool filter_match(const char *filter, const char *name) {
  if (filter == NULL)
    return true;
  if (filter[0] == '=')
    return strcmp(filter + 1, name) == 0;
  return strstr(name, filter) != NULL;
}

int main(int argc, char **argv) {
  struct options o = {0};
  int rc = parse_args(argc, argv, &o);
  if (rc != 0)
    return rc < 0 ? 0 : rc;
  static struct bench_figure figs[CASE_COUNT];
  size_t n = 0;
  char err[256];
  for (size_t i = 0; i < CASE_COUNT; i++) {
    if (!filter_match(o.filter, cases[i].name))
      continue;
    if (cases[i].worlds > o.mode.worlds_max)
      continue;
    if (!bench_measure(&cases[i], &o.mode, &o.in, &figs[n], err, sizeof(err))) {
      fprintf(stderr, "viosim-bench: %s/%s: %s\n", cases[i].group, cases[i].name, err);
      return 1;
    }
    bool external = cases[i].kind == BENCH_KIND_EXTERNAL; /* the table says it */
    if (!figs[n].available && !external && figs[n].skip_reason != NULL)
      fprintf(stderr, "viosim-bench: %s/%s: skipped: %s: %s\n", cases[i].group, cases[i].name,
              figs[n].skip_reason, o.in.scenario_dir);
    else if (!figs[n].available && !external)
      fprintf(stderr, "viosim-bench: %s/%s: not measurable in this build (skipped)\n",
              cases[i].group, cases[i].name);
    n++;
  }
  bench_ratios_eval(ratios, RATIO_COUNT, figs, n);
  bench_write_markdown(stdout, &o.mode, &o.in, figs, n, ratios, RATIO_COUNT);
  if (o.json != NULL && !bench_write_json(o.json, &o.mode, &o.in, figs, n, ratios, RATIO_COUNT)) {
    fprintf(stderr, "viosim-bench: cannot write %s\n", o.json);
    return 1;
  }
  if (o.svg != NULL && !bench_write_svg(o.svg, figs, n)) {
    fprintf(stderr, "viosim-bench: cannot write %s\n", o.svg);
    return 1;
  }
  return 0;
}
