/*
 * reports/results.h: what one run of a scenario produced, as the reports see
 * it, and a set of such runs. The structs here are reports/'s own copy of a
 * run's outcome (scenarios/ fills them from its scn_outcome), so that
 * reports/ depends on model/ only (STYLE.md section 1) and so that a set can
 * be saved to and loaded from results.tsv, the line-oriented format
 * documented in reports/README.md.
 *
 * Ownership: a report_set owns its runs and every string and array in them
 * (deep copies made by report_set_add_run). A report_run passed in is
 * borrowed and may be freed once the call returns.
 *
 * Invariants of a run in a set: tallies are sorted by catalog_index, each
 * index appears once and is below model_catalog_count(), and each tally has
 * evaluated > 0 or violations > 0 (all-zero tallies are not kept: the list is
 * sparse). A tally's `first` is meaningful only when violations > 0.
 */
#ifndef VIOSIM_REPORTS_RESULTS_H
#define VIOSIM_REPORTS_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/monitor.h"
#include "model/result.h"
#include "reports/coverage.h"

/* Bounds a loader enforces on untrusted results files (and add_run on input). */
#define REPORT_TEXT_MAX     8192u /* path, message, replay command */
#define REPORT_NAME_MAX     64u   /* counter name */
#define REPORT_COUNTERS_MAX 256u  /* counters per run */
#define REPORT_RUNS_MAX     10000000u

/* A run's first violation of one statement (model_verdict without the clause
 * pointer: the tally says which statement). */
struct report_violation {
  uint64_t time_ticks;
  uint64_t trace_pos;
  uint64_t values[3];
  char detail[MODEL_MON_DETAIL_MAX];
};

/* One statement's tally in one run (model_mon_tally, keyed by catalog index). */
struct report_tally {
  size_t catalog_index;
  uint64_t evaluated;
  uint64_t violations;
  struct report_violation first; /* valid when violations > 0 */
};

/* A named run counter, e.g. "buffers" or "dropped.rx.wire_loss". Names are
 * non-empty, unique within a run, and hold no whitespace or control
 * characters. */
struct report_counter {
  char name[REPORT_NAME_MAX];
  uint64_t value;
};

/* The virtqueue format a run used (VIRTIO_F_RING_PACKED offered and wanted
 * or not); split is the zero value. */
enum report_ring { REPORT_RING_SPLIT, REPORT_RING_PACKED, REPORT_RING_COUNT };

/* "split" or "packed". */
const char *report_ring_name(enum report_ring ring);

struct report_run {
  const char *path; /* the scenario file as given on the command line */
  uint64_t seed;
  enum report_ring ring;
  bool passed;
  const char *message; /* why it failed ("path:line: ..."); "" when passed */
  const char *replay;  /* the command that replays it: "viosim run PATH --seed N --ring R" */
  uint64_t trace_hash;
  struct report_counter *counters; /* in the order given */
  size_t counter_count;
  /* The run belongs to the monitor's own test suite: it selected a
   * misbehaviour or expected a violation. */
  bool monitor_suite;
  /* The features the device reached DRIVER_OK with (union over the run);
   * 0 if it never reached DRIVER_OK. */
  uint64_t features_seen;
  struct report_tally *tallies; /* sparse, sorted by catalog_index */
  size_t tally_count;
};

struct report_set {
  struct report_run *runs; /* owned, with everything they point to */
  size_t run_count;
  size_t run_capacity;
  /* Code coverage per module (reports/coverage.h), shown by the reports when
   * module_count > 0. Not a run: results.tsv does not keep it, so a report
   * written again from results.tsv needs the coverage file again. */
  struct report_coverage coverage;
};

void report_set_init(struct report_set *set);
/* Append a deep copy of `run`. Its tallies may be in any order and may
 * include all-zero entries (dropped); MODEL_ERR_INVALID_ARG for a catalog
 * index out of range or repeated, a bad or repeated counter name, a string over
 * REPORT_TEXT_MAX; MODEL_ERR_CAPACITY past REPORT_RUNS_MAX; MODEL_ERR_NO_MEMORY. */
MODEL_MUST_USE model_err report_set_add_run(struct report_set *set, const struct report_run *run);
void report_set_fini(struct report_set *set);

/* A run's tally for a catalog index, or NULL when it has none. */
const struct report_tally *report_run_tally(const struct report_run *run, size_t catalog_index);

/*
 * results.tsv (reports/README.md): the whole set, enough to write every
 * report again byte for byte. report_save_results writes it (MODEL_ERR_IO on
 * a write error). report_load_results appends the runs of one file to `set`;
 * `path` names the file in messages. On malformed input it returns
 * MODEL_ERR_INVALID_ARG with "path:line: what is wrong" in err, and the set
 * keeps only the runs of earlier files (a file is loaded whole or not at
 * all); MODEL_ERR_IO on a read error.
 */
MODEL_MUST_USE model_err report_save_results(FILE *out, const struct report_set *set);
MODEL_MUST_USE model_err report_load_results(FILE *in, const char *path, struct report_set *set,
                                             char *err, size_t err_size);

#endif
