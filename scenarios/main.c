/*
 * scenarios/main.c: the viosim command line.
 *
 *   viosim run PATH... [--seed N] [--seeds K] [--trace FILE] [--quiet]
 *   viosim --help | --version
 *
 * For each scenario file (directories are searched for *.vsc, in sorted
 * order) and each seed it prints one line: PASS or FAIL, the path, the seed,
 * the trace hash and the run's counters. A failure adds the failing line and
 * the one command that replays it. The last line is "N passed, M failed".
 * Exit status: 0 when every run passed, 1 when one failed (a scenario that
 * does not parse is a failed run), 2 for bad usage or a bad path.
 *
 * Seeds: without options each scenario runs the seeds its `seeds` line lists
 * (1 if none); --seed N runs seed N only; --seeds K runs K consecutive seeds
 * starting at N (or 1).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  const char *trace_path;
  bool quiet;
  FILE *trace;
  unsigned passed, failed;
};

static const char g_usage[] =
    "usage: viosim run PATH... [--seed N] [--seeds K] [--trace FILE] [--quiet]\n"
    "       viosim --help | --version\n";

static void print_help(void) {
  printf("viosim %s: a deterministic virtio simulator and conformance tester\n\n%s\n"
         "  run PATH...    run scenario files; a directory is searched recursively for *.vsc\n"
         "  --seed N       run seed N only (default: the seeds the scenario lists, or 1)\n"
         "  --seeds K      run K consecutive seeds, from N (or 1)\n"
         "  --trace FILE   write the trace of every run to FILE\n"
         "  --quiet        print only failures and the summary\n"
         "  --help         this text\n"
         "  --version      the version\n\n"
         "Each run prints: PASS|FAIL path seed=N hash=H (the trace hash) and its counters:\n"
         "buffers ring_wraps idx_wraps notify_sent notify_suppressed irq_sent irq_suppressed\n"
         "frames_sent (by the driver) frames_received (by the driver), and\n"
         "dropped.<stream>.<reason>=N for every frame drop, by stream (rx, tx) and reason.\n"
         "Exit status: 0 all passed, 1 a scenario failed, 2 bad usage or path.\n"
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
    } else if (is_option(a, "--trace")) {
      if ((v = option_value(argc, argv, &i, "--trace")) == NULL)
        return usage_error("%s needs a file name", "--trace");
      cli->trace_path = v;
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

static void run_one(struct cli *cli, const struct scn_script *script, uint64_t seed) {
  struct scn_outcome out;
  struct scn_run_opts opts = {.trace_dump = cli->trace};
  if (cli->trace != NULL) {
    fprintf(cli->trace, "# viosim run %s --seed %" PRIu64 "\n", script->path, seed);
  }
  scn_run(script, seed, &opts, &out);
  if (out.passed)
    cli->passed++;
  else
    cli->failed++;
  if (out.passed && cli->quiet)
    return;
  printf("%s %s seed=%" PRIu64, out.passed ? "PASS" : "FAIL", script->path, seed);
  print_counters(&out);
  printf("\n");
  if (!out.passed)
    printf("  %s\n  replay: viosim run %s --seed %" PRIu64 "\n", out.message, script->path, seed);
  fflush(stdout);
}

static void run_file(struct cli *cli, const char *path) {
  struct scn_script script;
  char err[SCN_ERROR_MAX];
  if (scn_script_parse_file(&script, path, err, sizeof err) != MODEL_OK) {
    cli->failed++;
    printf("FAIL %s: does not parse\n  %s\n  replay: viosim run %s\n", path, err, path);
    fprintf(stderr, "%s\n", err);
    fflush(stdout);
    scn_script_fini(&script);
    return;
  }
  if (cli->seed_count != 0) {
    uint64_t first = cli->has_seed ? cli->seed : 1u;
    for (uint64_t k = 0; k < cli->seed_count; k++)
      run_one(cli, &script, first + k);
  } else if (cli->has_seed) {
    run_one(cli, &script, cli->seed);
  } else {
    for (size_t k = 0; k < script.seed_count; k++)
      run_one(cli, &script, script.seeds[k]);
  }
  scn_script_fini(&script);
}

int main(int argc, char **argv) {
  struct cli cli = {0};
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
  if (strcmp(argv[1], "run") != 0)
    return usage_error(argv[1][0] == '-' ? "unknown option '%s'" : "unknown command '%s'", argv[1]);
  int status = parse_args(&cli, argc, argv);
  if (status == 0 && cli.trace_path != NULL) {
    cli.trace = fopen(cli.trace_path, "w");
    if (cli.trace == NULL)
      status = usage_error("cannot write the trace file '%s'", cli.trace_path);
  }
  if (status == 0) {
    for (size_t i = 0; i < cli.paths.count; i++)
      run_file(&cli, cli.paths.items[i]);
    printf("%u passed, %u failed\n", cli.passed, cli.failed);
    status = cli.failed == 0 ? 0 : 1;
  }
  if (cli.trace != NULL)
    fclose(cli.trace);
  scn_paths_fini(&cli.paths);
  return status;
}
