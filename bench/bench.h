/*
 * bench/bench.h: viosim-bench, the benchmark program (issue 6). It measures
 * viosim against a floor measured in the same run: bare in-process rings
 * (floor.c) and the project's own driver and device sides over the simulated
 * bus (rings.c, in one world or round-robin across many), with the whole
 * virtio-net stack in NIC loopback (net.c), the scenario suite
 * (scenarios.c) and idle worlds' memory (memory.c), and writes a Markdown
 * table, a JSON file and an SVG plot (harness.c). See bench/README.md for
 * what each figure means.
 *
 * The wall clock (clock_gettime CLOCK_MONOTONIC) is used here and nowhere
 * else in viosim: it measures the simulator, it is not part of the simulated
 * world (DESIGN.md rule 1 holds for model/ sim/ frontend/ backend/).
 *
 * A *case* is one thing to measure with its parameters; the harness runs it
 * `runs` times and keeps the median and the spread (min and max) as a
 * *figure*. A case's run function sets its world up, times only the loop
 * itself, checks that the loop did what it should (every buffer came back
 * with the length the device wrote, no violation, nothing broken), and
 * returns false with a message if not: a benchmark of a broken loop is
 * worthless, so the program then fails.
 */
#ifndef VIOSIM_BENCH_BENCH_H
#define VIOSIM_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bench_ring_format { BENCH_SPLIT, BENCH_PACKED };
enum bench_notify_mode {
  BENCH_POLL,      /* both sides suppress notifications and poll */
  BENCH_EVENT_IDX, /* VIRTIO_F_EVENT_IDX: a doorbell and an interrupt per batch */
};
enum bench_trace_mode {
  BENCH_TRACE_HASH, /* the world's running trace hash only */
  BENCH_TRACE_FULL, /* the hash and a dump line per event, to /dev/null */
  BENCH_TRACE_NONE, /* nothing recorded: not a mode a run can have (every run
                     * hashes its trace), only the measure of the hash's share */
};

/* What one ring case runs: the same loop for the floor and for viosim. */
struct bench_ring_params {
  enum bench_ring_format format;
  enum bench_notify_mode notify;
  enum bench_trace_mode trace;
  bool monitor;         /* viosim: the conformance monitor attached */
  uint32_t queue_size;  /* entries */
  uint32_t chain_count; /* descriptors per buffer (the floor: 1) */
  uint32_t batch_count; /* buffers made available per round trip */
  uint32_t frame_len;   /* full stack (net.c): bytes of each frame; rings: unused */
  uint32_t worlds;      /* scale (rings.c): worlds the loop goes round; 0 or 1: one */
};

/* What a run reports besides its time. */
struct bench_run_stats {
  uint64_t buffers;        /* buffers passed there and back */
  uint64_t checksum;       /* folded from what the device read and wrote */
  uint64_t notifications;  /* available buffer notifications sent */
  uint64_t interrupts;     /* used buffer notifications raised */
  uint64_t bus_events;     /* events recorded in the trace (viosim) */
  uint64_t monitor_checks; /* clause evaluations by the monitor (viosim, monitor on) */
};

/* Pass `buffers` buffers through the ring described by p, timing only the
 * loop: *elapsed_ns gets its wall time. False with a message in err (of
 * err_size bytes) if setup failed or the loop went wrong. */
typedef bool (*bench_ring_fn)(const struct bench_ring_params *p, uint64_t buffers,
                              uint64_t *elapsed_ns, struct bench_run_stats *stats, char *err,
                              size_t err_size);

bool bench_floor_run(const struct bench_ring_params *p, uint64_t buffers, uint64_t *elapsed_ns,
                     struct bench_run_stats *stats, char *err, size_t err_size);
bool bench_viosim_run(const struct bench_ring_params *p, uint64_t buffers, uint64_t *elapsed_ns,
                      struct bench_run_stats *stats, char *err, size_t err_size);

/* The full stack (net.c): virtio-net frames of p->frame_len bytes sent by
 * the driver in bursts of p->batch_count, through the device and the NIC in
 * loopback, back into the device's receive side and up to the driver;
 * p->monitor attaches the conformance monitor. `buffers` is the number of
 * frames; every one must be delivered to the driver, and the NIC's ledger
 * must account for every frame (sim_nic_check_accounted). */
bool bench_net_run(const struct bench_ring_params *p, uint64_t buffers, uint64_t *elapsed_ns,
                   struct bench_run_stats *stats, char *err, size_t err_size);

/* Scale (rings.c): p->worlds ring worlds built as bench_viosim_run builds
 * one (setup not timed), the polling loop run round-robin across them, one
 * round in each in turn; `buffers` in all. */
bool bench_viosim_multi_run(const struct bench_ring_params *p, uint64_t buffers,
                            uint64_t *elapsed_ns, struct bench_run_stats *stats, char *err,
                            size_t err_size);

/* One run of the scenario suite (scenarios.c): every *.vsc under dir parsed
 * and run as `viosim run DIR` runs it (each seed its `seeds` line lists, on
 * each ring format its `ring` line allows). */
struct bench_suite_run {
  uint64_t wall_ns; /* parse and run, all files */
  uint64_t ticks;   /* virtual time simulated: the sum of every run's end time */
  uint64_t events;  /* scheduler events executed */
  uint32_t files;   /* scenario files */
  uint32_t runs;    /* scenario runs (seeds x ring formats) */
  uint32_t failed;  /* runs that did not pass (or files that did not parse) */
};
/* False with a message if dir cannot be read or holds no scenario. */
bool bench_suite_run(const char *dir, struct bench_suite_run *out, char *err, size_t err_size);

/* Bytes of each buffer's descriptors (device-writable); the device writes
 * them all back as the used length, so the driver's sum of used lengths is
 * buffers * chain_count * BENCH_SEG_BYTES. */
#define BENCH_SEG_BYTES 512u

/* Build `count` idle worlds (memory.c) with a scheduler of sched_capacity
 * slots and report the heap bytes each takes besides its guest memory;
 * -1 if the allocator does not account (a sanitizer's). False with a
 * message if a world could not be built. */
bool bench_memory_run(uint32_t count, uint32_t sched_capacity, double *bytes_per_world, char *err,
                      size_t err_size);

/* The wall clock, in nanoseconds (CLOCK_MONOTONIC). */
uint64_t bench_now_ns(void);

#endif
