/*
 * scenarios/main.c: the viosim command line.
 *
 *   viosim run PATH... [--seed N] [--seeds K] [--ring split|packed] [--trace FILE] [--quiet]
 *              [--report DIR [--coverage MODULES.tsv]]
 *   viosim report RESULTS.tsv... --out DIR [--coverage MODULES.tsv]
 *   viosim --help | --version
 *
 * For each scenario file (directories are searched for *.vsc, in sorted
 * order), each seed and each ring format it prints one line: PASS or FAIL,
 * the path, the seed, the ring format, the trace hash and the run's
 * counters. A failure adds the failing line and the one command that
 * replays it. The last line is "N passed, M failed", with ", K skipped"
 * when --ring left out a scenario pinned to the other format.
 * Exit status: 0 when every run passed, 1 when one failed (a scenario that
 * does not parse is a failed run), 2 for bad usage or a bad path.
 *
 * Conformance reports (reports/report.h): with --report DIR, every run's
 * outcome (its monitor tallies included) is kept, and after the last run
 * DIR gets conformance.md, conformance.html, conformance.json, junit.xml
 * and results.tsv (the saved results); a line "report: DIR (...)" comes
 * just before the summary. `viosim report` merges saved results.tsv files,
 * in the order given, and writes the same files into DIR: over the
 * results.tsv of one run it reproduces that run's report byte for byte.
 * Its summary line counts the runs in the files, and its exit status is as
 * for run. A report that cannot be written, or a results file that cannot
 * be read or is malformed ("file:line: ..."), exits 2.
 *
 * --coverage FILE (with --report, or with report): the coverage build's
 * per-module table (modules.tsv, reports/coverage.h) adds a "Code coverage"
 * section to the report. It is read before anything runs: a file that
 * cannot be read or is malformed exits 2 with "file:line: ..." and nothing
 * is written.
 *
 * Seeds: without options each scenario runs the seeds its `seeds` line lists
 * (1 if none); --seed N runs seed N only; --seeds K runs K consecutive seeds
 * starting at N (or 1).
 *
 * Ring formats: a scenario runs on both (split, then packed, for each seed)
 * unless its `ring` line pins one; --ring R runs format R only, and a
 * scenario pinned to the other one is skipped: "SKIP path ring=R (...)",
 * counted apart, neither passed nor failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/catalog.h"
#include "reports/coverage.h"
#include "reports/report.h"
#include "reports/results.h"
#include "scenarios/interp.h"
#include "scenarios/lang.h"
#include "scenarios/paths.h"

#ifndef VIOSIM_VERSION
#define VIOSIM_VERSION "0.0.0"
#endif

#define SEEDS_MAX 1000000u

struct cli {
  struct scn_paths paths;
  bool has_seed;
  uint64_t seed;
  uint64_t seed_count; /* 0: the scripts' own seeds */
  unsigned rings;      /* SCN_RING_BIT of the formats --ring allows */
  const char *trace_path;
  bool quiet;
  const char *report_dir;    /* --report / --out; NULL: no report */
  const char *coverage_path; /* --coverage; NULL: none */
  FILE *trace;
  unsigned passed, failed, skipped;
  struct report_set results; /* every run, when a report is asked for */
  bool results_failed;       /* a run could not be kept: no report */
};

static const char g_usage[] =
    "usage: viosim run PATH... [--seed N] [--seeds K] [--ring split|packed] [--trace FILE]\n"
    "                  [--quiet] [--report DIR [--coverage MODULES.tsv]]\n"
    "       viosim report RESULTS.tsv... --out DIR [--coverage MODULES.tsv]\n"
    "       viosim --help | --version\n";

static void print_help(void) {
  printf("viosim %s: a deterministic virtio simulator and conformance tester\n\n%s\n"
         "  run PATH...    run scenario files; a directory is searched recursively for *.vsc\n"
         "  --seed N       run seed N only (default: the seeds the scenario lists, or 1)\n"
         "  --seeds K      run K consecutive seeds, from N (or 1)\n"
         "  --ring R       run ring format R only (split or packed; default: both, unless\n"
         "                 the scenario's `ring` line pins one); pinned to the other: skipped\n"
         "  --trace FILE   write the trace of every run to FILE\n"
         "  --quiet        print only failures and the summary\n"
         "  --report DIR   also write the conformance report into DIR (created if missing):\n"
         "                 conformance.md, conformance.html, conformance.json, junit.xml,\n"
         "                 and results.tsv (the saved results, for viosim report)\n"
         "  --coverage F   with --report or report: add a code coverage section from F, the\n"
         "                 coverage build's modules.tsv (make check in the coverage preset\n"
         "                 writes it into build/coverage/coverage/)\n"
         "  report FILE... merge saved results.tsv files and write the report\n"
         "  --out DIR      where viosim report writes it\n"
         "  --help         this text\n"
         "  --version      the version\n\n"
         "Each run prints: PASS|FAIL path seed=N ring=R hash=H (the trace hash) and its\n"
         "counters:\n"
         "buffers ring_wraps idx_wraps notify_sent notify_suppressed irq_sent irq_suppressed\n"
         "frames_sent (by the driver) frames_received (by the driver), and\n"
         "dropped.<stream>.<reason>=N for every frame drop, by stream (rx, tx) and reason.\n"
         "The report gives each catalogued statement of the spec a verdict per target:\n"
         "PASS, FAIL (with the replay command of its first violation), NOT EXERCISED or\n"
         "N/A (its feature condition never held); runs that select a misbehaviour form\n"
         "the monitor's self-test suite, reported apart. See README.md and reports/README.md.\n"
         "Exit status: 0 all passed, 1 a scenario failed, 2 bad usage or path (or a report\n"
         "that cannot be written, or a malformed results or coverage file).\n"
         "The scenario language is described in scenarios/README.md.\n",
         VIOSIM_VERSION, g_usage);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("viosim: ", stderr);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\n", stderr);
  fputs(g_usage, stderr);
  return 2;
}

static bool parse_count(const char *word, uint64_t lo, uint64_t hi, uint64_t *out) {
  return scn_parse_u64(word, out) && *out >= lo && *out <= hi;
}

/* Options take their value as the next word or after '='. */
static const char *option_value(int argc, char **argv, int *i, const char *name) {
  size_t len = strlen(name);
  if (strncmp(argv[*i], name, len) == 0 && argv[*i][len] == '=')
    return argv[*i] + len + 1;
  if (*i + 1 >= argc)
    return NULL;
  return argv[++*i];
}

static bool is_option(const char *arg, const char *name) {
  size_t len = strlen(name);
  return strncmp(arg, name, len) == 0 && (arg[len] == '\0' || arg[len] == '=');
}

/* Returns 0 to go on, or the exit status. */
static int parse_args(struct cli *cli, int argc, char **argv) {
  char err[SCN_ERROR_MAX];
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v;
    if (is_option(a, "--seed")) {
      if ((v = option_value(argc, argv, &i, "--seed")) == NULL)
        return usage_error("%s needs a value", "--seed");
      if (!parse_count(v, 0, UINT64_MAX, &cli->seed))
        return usage_error("bad seed '%s'", v);
      cli->has_seed = true;
    } else if (is_option(a, "--seeds")) {
      if ((v = option_value(argc, argv, &i, "--seeds")) == NULL)
        return usage_error("%s needs a value", "--seeds");
      if (!parse_count(v, 1, SEEDS_MAX, &cli->seed_count))
        return usage_error("bad seed count '%s' (1..1000000)", v);
    } else if (is_option(a, "--ring")) {
      enum scn_ring ring;
      if ((v = option_value(argc, argv, &i, "--ring")) == NULL)
        return usage_error("%s needs a value", "--ring");
      if (!scn_ring_parse(v, &ring))
        return usage_error("bad ring format '%s' (split or packed)", v);
      cli->rings = SCN_RING_BIT(ring);
    } else if (is_option(a, "--trace")) {
      if ((v = option_value(argc, argv, &i, "--trace")) == NULL)
        return usage_error("%s needs a file name", "--trace");
      cli->trace_path = v;
    } else if (is_option(a, "--report")) {
      if ((v = option_value(argc, argv, &i, "--report")) == NULL || v[0] == '\0')
        return usage_error("%s needs a directory", "--report");
      cli->report_dir = v;
    } else if (is_option(a, "--coverage")) {
      if ((v = option_value(argc, argv, &i, "--coverage")) == NULL || v[0] == '\0')
        return usage_error("%s needs a file name", "--coverage");
      cli->coverage_path = v;
    } else if (strcmp(a, "--quiet") == 0) {
      cli->quiet = true;
    } else if (a[0] == '-' && a[1] != '\0') {
      return usage_error("unknown option '%s'", a);
    } else if (scn_paths_add(&cli->paths, a, err, sizeof err) != MODEL_OK) {
      fprintf(stderr, "viosim: %s\n", err);
      fputs(g_usage, stderr);
      return 2;
    }
  }
  if (cli->paths.count == 0)
    return usage_error("%s: no scenario path given", "run");
  if (cli->coverage_path != NULL && cli->report_dir == NULL)
    return usage_error("%s needs --report DIR", "--coverage");
  return 0;
}

/* The figures DESIGN.md asks of every run; frames_sent are the frames the
 * driver transmitted, frames_received those delivered to the driver. */
static void print_counters(const struct scn_outcome *o) {
  printf(" hash=%016" PRIx64 " buffers=%" PRIu64 " ring_wraps=%" PRIu64 " idx_wraps=%" PRIu64
         " notify_sent=%" PRIu64 " notify_suppressed=%" PRIu64 " irq_sent=%" PRIu64
         " irq_suppressed=%" PRIu64 " frames_sent=%" PRIu64 " frames_received=%" PRIu64,
         o->trace_hash, o->counters[SIM_CTR_BUFFERS_ADDED], o->counters[SIM_CTR_RING_WRAPS],
         o->counters[SIM_CTR_IDX_WRAPS], o->counters[SIM_CTR_NOTIFY_SENT],
         o->counters[SIM_CTR_NOTIFY_SUPPRESSED], o->counters[SIM_CTR_IRQ_SENT],
         o->counters[SIM_CTR_IRQ_SUPPRESSED], o->frames[SIM_STREAM_TX].generated,
         o->frames[SIM_STREAM_RX].delivered);
  for (unsigned s = 0; s < (unsigned)SIM_STREAM_COUNT; s++) {
    for (unsigned r = 0; r < (unsigned)SIM_DROP_COUNT; r++) {
      uint64_t n = o->frames[s].dropped[r];
      if (n != 0)
        printf(" dropped.%s.%s=%" PRIu64, sim_stream_name((enum sim_stream)s),
               sim_drop_reason_name((enum sim_drop_reason)r), n);
    }
  }
}

/* A run's counters under the names of the result line (and every bus
 * counter, events and end time besides), for the report. */
static size_t outcome_counters(const struct scn_outcome *o, struct report_counter *c) {
  size_t n = 0;
  for (unsigned i = 0; i < (unsigned)SIM_CTR_COUNT; i++) {
    snprintf(c[n].name, sizeof c[n].name, "%s", sim_counter_name((enum sim_counter)i));
    c[n++].value = o->counters[i];
  }
  snprintf(c[n].name, sizeof c[n].name, "frames_sent");
  c[n++].value = o->frames[SIM_STREAM_TX].generated;
  snprintf(c[n].name, sizeof c[n].name, "frames_received");
  c[n++].value = o->frames[SIM_STREAM_RX].delivered;
  for (unsigned st = 0; st < (unsigned)SIM_STREAM_COUNT; st++) {
    for (unsigned r = 0; r < (unsigned)SIM_DROP_COUNT; r++) {
      if (o->frames[st].dropped[r] == 0)
        continue;
      snprintf(c[n].name, sizeof c[n].name, "dropped.%s.%s", sim_stream_name((enum sim_stream)st),
               sim_drop_reason_name((enum sim_drop_reason)r));
      c[n++].value = o->frames[st].dropped[r];
    }
  }
  snprintf(c[n].name, sizeof c[n].name, "events");
  c[n++].value = o->events;
  snprintf(c[n].name, sizeof c[n].name, "end_ticks");
  c[n++].value = o->end_ticks;
  return n;
}

#define CLI_RUN_COUNTERS (SIM_CTR_COUNT + 4u + SIM_STREAM_COUNT * SIM_DROP_COUNT)

/* The monitor's tallies as the report keeps them: nonzero ones only. */
static size_t outcome_tallies(const struct scn_outcome *o, struct report_tally *t) {
  size_t n = 0;
  if (o->tallies == NULL)
    return 0;
  for (size_t i = 0; i < model_catalog_count(); i++) {
    const struct model_mon_tally *m = &o->tallies[i];
    if (m->evaluated == 0 && m->violations == 0)
      continue;
    t[n] = (struct report_tally){
        .catalog_index = i, .evaluated = m->evaluated, .violations = m->violations};
    if (m->violations != 0) {
      t[n].first.time_ticks = m->first.time_ticks;
      t[n].first.trace_pos = m->first.trace_pos;
      memcpy(t[n].first.values, m->first.values, sizeof t[n].first.values);
      memcpy(t[n].first.detail, m->first.detail, sizeof t[n].first.detail);
      t[n].first.detail[sizeof t[n].first.detail - 1] = '\0';
    }
    n++;
  }
  return n;
}

/* Keep a run for the report. `o` is NULL for a scenario that did not parse
 * (then `message` says why). */
static void keep_run(struct cli *cli, const char *path, uint64_t seed, enum scn_ring ring,
                     const struct scn_outcome *o, const char *message) {
  struct report_counter counters[CLI_RUN_COUNTERS];
  struct report_tally *tallies = calloc(model_catalog_count(), sizeof *tallies);
  size_t replay_size = strlen(path) + 64u;
  char *replay = malloc(replay_size);
  if (replay != NULL && o != NULL)
    snprintf(replay, replay_size, "viosim run %s --seed %" PRIu64 " --ring %s", path, seed,
             scn_ring_name(ring));
  else if (replay != NULL)
    snprintf(replay, replay_size, "viosim run %s", path);
  struct report_run run = {.path = path,
                           .seed = seed,
                           .ring = ring == SCN_RING_PACKED ? REPORT_RING_PACKED : REPORT_RING_SPLIT,
                           .message = message,
                           .replay = replay};
  if (o != NULL) {
    run.passed = o->passed;
    run.trace_hash = o->trace_hash;
    run.monitor_suite = o->monitor_suite;
    run.features_seen = o->features_seen;
    run.counters = counters;
    run.counter_count = outcome_counters(o, counters);
    run.tallies = tallies;
    run.tally_count = tallies == NULL ? 0 : outcome_tallies(o, tallies);
  }
  model_err err = MODEL_ERR_NO_MEMORY;
  if (tallies != NULL && replay != NULL)
    err = report_set_add_run(&cli->results, &run);
  if (err != MODEL_OK && !cli->results_failed) {
    fprintf(stderr, "viosim: %s seed %" PRIu64 ": cannot keep the run for the report: %s\n", path,
            seed, model_err_message(err));
    cli->results_failed = true;
  }
  free(tallies);
  free(replay);
}

static void run_one(struct cli *cli, const struct scn_script *script, uint64_t seed,
                    enum scn_ring ring) {
  struct scn_outcome out;
  struct scn_run_opts opts = {.trace_dump = cli->trace, .ring = ring};
  const char *rn = scn_ring_name(ring);
  if (cli->trace != NULL) {
    fprintf(cli->trace, "# viosim run %s --seed %" PRIu64 " --ring %s\n", script->path, seed, rn);
  }
  scn_run(script, seed, &opts, &out);
  if (out.passed)
    cli->passed++;
  else
    cli->failed++;
  if (cli->report_dir != NULL)
    keep_run(cli, script->path, seed, ring, &out, out.passed ? "" : out.message);
  if (!out.passed || !cli->quiet) {
    printf("%s %s seed=%" PRIu64 " ring=%s", out.passed ? "PASS" : "FAIL", script->path, seed, rn);
    print_counters(&out);
    printf("\n");
    if (!out.passed)
      printf("  %s\n  replay: viosim run %s --seed %" PRIu64 " --ring %s\n", out.message,
             script->path, seed, rn);
    fflush(stdout);
  }
  scn_outcome_fini(&out);
}

static void run_file(struct cli *cli, const char *path) {
  struct scn_script script;
  char err[SCN_ERROR_MAX];
  if (scn_script_parse_file(&script, path, err, sizeof err) != MODEL_OK) {
    cli->failed++;
    if (cli->report_dir != NULL)
      keep_run(cli, path, cli->has_seed ? cli->seed : 1u, SCN_RING_SPLIT, NULL, err);
    printf("FAIL %s: does not parse\n  %s\n  replay: viosim run %s\n", path, err, path);
    fprintf(stderr, "%s\n", err);
    fflush(stdout);
    scn_script_fini(&script);
    return;
  }
  unsigned rings = script.rings & cli->rings;
  if (rings == 0) {
    /* pinned to the format --ring leaves out */
    enum scn_ring pinned =
        (script.rings & SCN_RING_BIT(SCN_RING_PACKED)) != 0 ? SCN_RING_PACKED : SCN_RING_SPLIT;
    cli->skipped++;
    if (!cli->quiet)
      printf("SKIP %s ring=%s (its line %u pins it; --ring leaves it out)\n", path,
             scn_ring_name(pinned), (unsigned)script.ring_line);
    fflush(stdout);
    scn_script_fini(&script);
    return;
  }
  uint64_t count = cli->seed_count != 0 ? cli->seed_count : cli->has_seed ? 1u : script.seed_count;
  uint64_t first = cli->has_seed ? cli->seed : 1u;
  for (uint64_t k = 0; k < count; k++) {
    uint64_t seed = cli->seed_count != 0 || cli->has_seed ? first + k : script.seeds[k];
    for (unsigned r = 0; r < (unsigned)SCN_RING_COUNT; r++) {
      if ((rings & SCN_RING_BIT(r)) != 0)
        run_one(cli, &script, seed, (enum scn_ring)r);
    }
  }
  scn_script_fini(&script);
}

/* Write the report of `set` into dir; 0, or 2 with a message. Prints the
 * "report:" line that precedes the summary. */
static int write_report(const struct report_set *set, const char *dir) {
  char err[SCN_ERROR_MAX + 256];
  if (report_write_dir(set, dir, err, sizeof err) != MODEL_OK) {
    fprintf(stderr, "viosim: cannot write the report: %s\n", err);
    return 2;
  }
  printf("report: %s (", dir);
  for (size_t i = 0; i < REPORT_FILE_COUNT; i++)
    printf("%s%s", i == 0 ? "" : " ", report_file_names[i]);
  printf(")\n");
  return 0;
}

/* Load --coverage into the report set, if given; 0 or 2 with a message. */
static int load_coverage(struct cli *cli) {
  char err[SCN_ERROR_MAX + 256];
  if (cli->coverage_path == NULL)
    return 0;
  FILE *in = fopen(cli->coverage_path, "r");
  if (in == NULL) {
    fprintf(stderr, "viosim: %s: %s\n", cli->coverage_path, strerror(errno));
    return 2;
  }
  model_err e =
      report_load_coverage(in, cli->coverage_path, &cli->results.coverage, err, sizeof err);
  fclose(in);
  if (e != MODEL_OK) {
    fprintf(stderr, "viosim: %s\n", err);
    return 2;
  }
  return 0;
}

static int cmd_run(struct cli *cli, int argc, char **argv) {
  int status = parse_args(cli, argc, argv);
  if (status == 0)
    status = load_coverage(cli);
  if (status == 0 && cli->trace_path != NULL) {
    cli->trace = fopen(cli->trace_path, "w");
    if (cli->trace == NULL)
      status = usage_error("cannot write the trace file '%s'", cli->trace_path);
  }
  if (status != 0)
    return status;
  for (size_t i = 0; i < cli->paths.count; i++)
    run_file(cli, cli->paths.items[i]);
  if (cli->report_dir != NULL)
    status = cli->results_failed ? 2 : write_report(&cli->results, cli->report_dir);
  printf("%u passed, %u failed", cli->passed, cli->failed);
  if (cli->skipped != 0)
    printf(", %u skipped", cli->skipped);
  printf("\n");
  if (status != 0)
    return status;
  return cli->failed == 0 ? 0 : 1;
}

/* Append the runs of one saved results file; 0 or 2 with a message. */
static int load_results(struct report_set *set, const char *path) {
  char err[SCN_ERROR_MAX + 256];
  FILE *in = fopen(path, "r");
  if (in == NULL) {
    fprintf(stderr, "viosim: %s: %s\n", path, strerror(errno));
    return 2;
  }
  model_err e = report_load_results(in, path, set, err, sizeof err);
  fclose(in);
  if (e != MODEL_OK) {
    fprintf(stderr, "viosim: %s\n", err);
    return 2;
  }
  return 0;
}

/* viosim report RESULTS.tsv... --out DIR: the files are loaded in the order
 * given, wherever --out stands among them. */
static int cmd_report(struct cli *cli, int argc, char **argv) {
  int file_count = 0;
  for (int i = 2; i < argc; i++) {
    const char *v;
    if (is_option(argv[i], "--out")) {
      if ((v = option_value(argc, argv, &i, "--out")) == NULL || v[0] == '\0')
        return usage_error("%s needs a directory", "--out");
      cli->report_dir = v;
    } else if (is_option(argv[i], "--coverage")) {
      if ((v = option_value(argc, argv, &i, "--coverage")) == NULL || v[0] == '\0')
        return usage_error("%s needs a file name", "--coverage");
      cli->coverage_path = v;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      return usage_error("unknown option '%s'", argv[i]);
    } else {
      argv[2 + file_count++] = argv[i]; /* compact the file names in place */
    }
  }
  if (file_count == 0)
    return usage_error("%s: no results file given", "report");
  if (cli->report_dir == NULL)
    return usage_error("%s: --out DIR is needed", "report");
  if (load_coverage(cli) != 0)
    return 2;
  for (int i = 0; i < file_count; i++) {
    if (load_results(&cli->results, argv[2 + i]) != 0)
      return 2;
  }
  for (size_t r = 0; r < cli->results.run_count; r++) {
    if (cli->results.runs[r].passed)
      cli->passed++;
    else
      cli->failed++;
  }
  int status = write_report(&cli->results, cli->report_dir);
  printf("%u passed, %u failed\n", cli->passed, cli->failed);
  if (status != 0)
    return status;
  return cli->failed == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  struct cli cli = {.rings = SCN_RINGS_ALL};
  if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
    print_help();
    return 0;
  }
  if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
    printf("viosim %s\n", VIOSIM_VERSION);
    return 0;
  }
  if (argc < 2)
    return usage_error("%s", "a command is needed");
  report_set_init(&cli.results);
  int status;
  if (strcmp(argv[1], "run") == 0)
    status = cmd_run(&cli, argc, argv);
  else if (strcmp(argv[1], "report") == 0)
    status = cmd_report(&cli, argc, argv);
  else
    status =
        usage_error(argv[1][0] == '-' ? "unknown option '%s'" : "unknown command '%s'", argv[1]);
  if (cli.trace != NULL)
    fclose(cli.trace);
  scn_paths_fini(&cli.paths);
  report_set_fini(&cli.results);
  return status;
}
