/*
 * bench/harness.h: measuring cases into figures, and writing them out
 * (harness.c). A figure is {group, name, unit, median, min, max, runs, plus
 * the case's parameters}: the median of `runs` timed runs, with their
 * spread given as the minimum and the maximum (not an IQR: with 5 runs the
 * quartiles would be the 2nd and 4th values, and min/max says more about a
 * shared 2-core machine). A ratio divides one figure's median by another's
 * and compares it with a target.
 *
 * JSON shape (schema "viosim-bench/1"; bench/README.md documents each field):
 *   {"schema", "mode", "spread": "min-max", "machine": {...}, "build": {...},
 *    "figures": [{"group", "name", "unit", "median", "min", "max", "runs",
 *                 "buffers_per_run", "params": {...}, "per_buffer": {...},
 *                 "checksum"}],   (memory figures: no per_buffer, no checksum;
 *                 suite and ticks figures: "suite" instead; external: "source")
 *    "scenarios": {"dir", "found"},
 *    "ratios": [{"name", "figure", "baseline", "baseline_value", "value",
 *                "target_max", "met", ["note"]}]}
 */
#ifndef VIOSIM_BENCH_HARNESS_H
#define VIOSIM_BENCH_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/bench.h"

enum bench_kind {
  BENCH_KIND_RING,     /* ns per buffer through a ring: fn with p (scale: p.worlds) */
  BENCH_KIND_MEMORY,   /* KiB of heap per idle world: worlds, sched_capacity */
  BENCH_KIND_NET,      /* frames per second through the full stack: fn with p */
  BENCH_KIND_SUITE,    /* seconds of wall time per run of the scenario suite */
  BENCH_KIND_TICKS,    /* virtual ticks simulated per wall second, over the same runs */
  BENCH_KIND_EXTERNAL, /* a time the caller measured (--make-check-seconds) */
};

struct bench_case {
  const char *group; /* "floor", "viosim", "memory" */
  const char *name;  /* unique: figures and ratios are found by it */
  enum bench_kind kind;
  bench_ring_fn fn;
  struct bench_ring_params p;
  uint32_t worlds;         /* memory: worlds alive at once */
  uint32_t sched_capacity; /* memory: each world's scheduler slots */
};

struct bench_figure {
  const struct bench_case *c; /* borrowed */
  const char *unit;           /* "ns/buffer", "KiB/world" */
  bool available;             /* false: not measurable in this build (skipped) */
  const char *skip_reason;    /* why not, when !available; NULL: the allocator */
  double median, min, max;
  unsigned runs;
  uint64_t buffers_per_run;
  struct bench_run_stats stats; /* of the last run */
  struct bench_suite_run suite; /* suite and ticks figures: the last run */
};

struct bench_ratio {
  const char *name;
  const char *figure;    /* numerator: a case name */
  const char *baseline;  /* denominator: a case name, or NULL for baseline_value */
  double baseline_value; /* the denominator used (filled for a named baseline) */
  double target_max;     /* met iff value <= target_max */
  double value;          /* 0 when either figure is missing */
  bool met;
  const char *note; /* written into the JSON when the ratio was not measured */
};

/* How hard to measure. */
struct bench_mode {
  const char *name;       /* "quick", "full", "smoke" */
  unsigned runs;          /* timed runs per figure */
  uint64_t run_target_ns; /* calibrate each run to about this long; 0: fixed */
  uint64_t fixed_buffers; /* buffers per run when run_target_ns is 0 */
  uint32_t worlds_max;    /* memory and scale figures up to this many worlds */
  unsigned suite_runs;    /* runs of the scenario suite (each is long) */
};

/* Where the scenario suite is (--scenarios; default: the source tree's),
 * and the caller's `make check` time (--make-check-seconds; < 0: not given). */
struct bench_inputs {
  const char *scenario_dir;
  bool scenario_dir_found;
  double make_check_seconds;
};

/* Calibrate (one untimed run) and measure c into *f. False with a message
 * in err if any run failed. */
bool bench_measure(const struct bench_case *c, const struct bench_mode *m,
                   const struct bench_inputs *in, struct bench_figure *f, char *err,
                   size_t err_size);

/* Fill each ratio's value and met from the figures. */
void bench_ratios_eval(struct bench_ratio *ratios, size_t ratio_count,
                       const struct bench_figure *figs, size_t fig_count);

void bench_write_markdown(FILE *out, const struct bench_mode *m, const struct bench_inputs *in,
                          const struct bench_figure *figs, size_t fig_count,
                          const struct bench_ratio *ratios, size_t ratio_count);
/* False if the file cannot be written. */
bool bench_write_json(const char *path, const struct bench_mode *m, const struct bench_inputs *in,
                      const struct bench_figure *figs, size_t fig_count,
                      const struct bench_ratio *ratios, size_t ratio_count);
bool bench_write_svg(const char *path, const struct bench_figure *figs, size_t fig_count);

#endif
