/*
 * bench/harness.c: measuring and writing figures (see harness.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench/harness.h"

#ifndef BENCH_BUILD_TYPE
#define BENCH_BUILD_TYPE "unknown"
#endif
#ifndef BENCH_C_FLAGS
#define BENCH_C_FLAGS ""
#endif

#define BENCH_RUNS_MAX      64u
#define BENCH_CALIBRATE_MIN 2048u
#define BENCH_BUFFERS_MAX   ((uint64_t)200 * 1000 * 1000)

uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Buffers per run: a whole number of batches, about m->run_target_ns long
 * judging by one untimed run. */
static bool calibrate(const struct bench_case *c, const struct bench_mode *m, uint64_t *buffers,
                      char *err, size_t err_size) {
  uint64_t batch = c->p.batch_count;
  if (m->run_target_ns == 0) {
    *buffers = (m->fixed_buffers + batch - 1u) / batch * batch;
    return true;
  }
  uint64_t n = (BENCH_CALIBRATE_MIN + batch - 1u) / batch * batch;
  uint64_t ns = 0;
  struct bench_run_stats st;
  /* Grow until the trial run is long enough to judge by (1/8 of the target). */
  for (;;) {
    if (!c->fn(&c->p, n, &ns, &st, err, err_size))
      return false;
    if (ns >= m->run_target_ns / 8u || n >= BENCH_BUFFERS_MAX)
      break;
    n *= 4u;
  }
  double per = (double)ns / (double)n;
  double want = per > 0 ? (double)m->run_target_ns / per : (double)BENCH_BUFFERS_MAX;
  if (want > (double)BENCH_BUFFERS_MAX)
    want = (double)BENCH_BUFFERS_MAX;
  uint64_t w = (uint64_t)want;
  if (w < BENCH_CALIBRATE_MIN)
    w = BENCH_CALIBRATE_MIN;
  *buffers = (w + batch - 1u) / batch * batch;
  return true;
}

/* One measurement: heap accounting is deterministic, so no spread. */
static bool measure_memory(const struct bench_case *c, struct bench_figure *f, char *err,
                           size_t err_size) {
  double bytes = 0;
  f->unit = "KiB/world";
  if (!bench_memory_run(c->worlds, c->sched_capacity, &bytes, err, err_size))
    return false;
  f->available = bytes >= 0;
  f->median = f->min = f->max = bytes / 1024.0;
  f->runs = 1;
  return true;
}

/* The runs of the scenario suite, shared by the suite and ticks figures:
 * the suite is run once per program, for whichever asks first. */
static struct {
  bool done;
  bool ok;
  unsigned runs;
  struct bench_suite_run r[BENCH_RUNS_MAX];
  char err[256];
} suite_cache;

static bool suite_runs(const struct bench_mode *m, const struct bench_inputs *in, char *err,
                       size_t err_size) {
  if (!suite_cache.done) {
    unsigned runs = m->suite_runs < BENCH_RUNS_MAX ? m->suite_runs : BENCH_RUNS_MAX;
    suite_cache.done = true;
    suite_cache.ok = true;
    suite_cache.runs = runs == 0 ? 1u : runs;
    for (unsigned i = 0; i < suite_cache.runs && suite_cache.ok; i++) {
      struct bench_suite_run *r = &suite_cache.r[i];
      suite_cache.ok =
          bench_suite_run(in->scenario_dir, r, suite_cache.err, sizeof(suite_cache.err));
      if (suite_cache.ok && (r->failed != 0 || r->runs == 0 || r->wall_ns == 0)) {
        snprintf(suite_cache.err, sizeof(suite_cache.err),
                 "scenarios: %u of %u runs failed in %s (viosim run %s shows which)", r->failed,
                 r->runs, in->scenario_dir, in->scenario_dir);
        suite_cache.ok = false;
      }
    }
  }
  if (!suite_cache.ok)
    snprintf(err, err_size, "%s", suite_cache.err);
  return suite_cache.ok;
}

/* Median and spread of v[0, n), sorted in place. */
static void summarise(double *v, unsigned n, struct bench_figure *f) {
  qsort(v, n, sizeof(v[0]), cmp_double);
  f->median = n % 2u ? v[n / 2u] : (v[n / 2u - 1u] + v[n / 2u]) / 2.0;
  f->min = v[0];
  f->max = v[n - 1u];
  f->runs = n;
}

static bool measure_suite(const struct bench_case *c, const struct bench_mode *m,
                          const struct bench_inputs *in, struct bench_figure *f, char *err,
                          size_t err_size) {
  bool ticks = c->kind == BENCH_KIND_TICKS;
  f->unit = ticks ? "ticks/s" : "s/suite";
  if (!in->scenario_dir_found) {
    f->skip_reason = "no scenario directory (--scenarios PATH)";
    return true;
  }
  if (!suite_runs(m, in, err, err_size))
    return false;
  double v[BENCH_RUNS_MAX];
  for (unsigned i = 0; i < suite_cache.runs; i++) {
    const struct bench_suite_run *r = &suite_cache.r[i];
    v[i] = ticks ? (double)r->ticks * 1e9 / (double)r->wall_ns : (double)r->wall_ns / 1e9;
  }
  f->suite = suite_cache.r[suite_cache.runs - 1u];
  f->available = true;
  summarise(v, suite_cache.runs, f);
  return true;
}

bool bench_measure(const struct bench_case *c, const struct bench_mode *m,
                   const struct bench_inputs *in, struct bench_figure *f, char *err,
                   size_t err_size) {
  memset(f, 0, sizeof(*f));
  f->c = c;
  switch (c->kind) {
  case BENCH_KIND_MEMORY:
    return measure_memory(c, f, err, err_size);
  case BENCH_KIND_SUITE:
  case BENCH_KIND_TICKS:
    return measure_suite(c, m, in, f, err, err_size);
  case BENCH_KIND_EXTERNAL:
    f->unit = "s";
    f->available = in->make_check_seconds >= 0;
    f->skip_reason = "viosim-bench cannot run it; give --make-check-seconds S";
    f->median = f->min = f->max = in->make_check_seconds;
    f->runs = 1;
    return true;
  case BENCH_KIND_RING:
  case BENCH_KIND_NET:
    break;
  }
  bool net = c->kind == BENCH_KIND_NET;
  f->unit = net ? "frames/s" : "ns/buffer";
  f->available = true;
  unsigned runs = m->runs < BENCH_RUNS_MAX ? m->runs : BENCH_RUNS_MAX;
  if (runs == 0)
    runs = 1;
  uint64_t n = 0;
  if (!calibrate(c, m, &n, err, err_size))
    return false;
  double per[BENCH_RUNS_MAX];
  for (unsigned r = 0; r < runs; r++) {
    uint64_t ns = 0;
    if (!c->fn(&c->p, n, &ns, &f->stats, err, err_size))
      return false;
    if (ns == 0)
      ns = 1;
    per[r] =
        net ? (double)f->stats.buffers * 1e9 / (double)ns : (double)ns / (double)f->stats.buffers;
  }
  summarise(per, runs, f);
  f->buffers_per_run = f->stats.buffers;
  return true;
}

static const struct bench_figure *find_figure(const struct bench_figure *figs, size_t n,
                                              const char *name) {
  for (size_t i = 0; i < n; i++) {
    if (figs[i].available && strcmp(figs[i].c->name, name) == 0)
      return &figs[i];
  }
  return NULL;
}

void bench_ratios_eval(struct bench_ratio *ratios, size_t ratio_count,
                       const struct bench_figure *figs, size_t fig_count) {
  for (size_t i = 0; i < ratio_count; i++) {
    const struct bench_figure *a = find_figure(figs, fig_count, ratios[i].figure);
    double base = ratios[i].baseline_value;
    if (ratios[i].baseline != NULL) {
      const struct bench_figure *b = find_figure(figs, fig_count, ratios[i].baseline);
      base = b != NULL ? b->median : 0.0;
      ratios[i].baseline_value = base;
    }
    ratios[i].value = a != NULL && base > 0 ? a->median / base : 0.0;
    ratios[i].met = ratios[i].value > 0 && ratios[i].value <= ratios[i].target_max;
  }
}

/* ---- parameters as text ---- */

static const char *format_name(enum bench_ring_format f) {
  switch (f) {
  case BENCH_SPLIT:
    return "split";
  case BENCH_PACKED:
    return "packed";
  }
  return "?";
}

static const char *notify_name(enum bench_notify_mode n) {
  switch (n) {
  case BENCH_POLL:
    return "poll";
  case BENCH_EVENT_IDX:
    return "event-idx";
  }
  return "?";
}

static const char *trace_name(enum bench_trace_mode t) {
  switch (t) {
  case BENCH_TRACE_HASH:
    return "hash";
  case BENCH_TRACE_FULL:
    return "full";
  case BENCH_TRACE_NONE:
    return "none";
  }
  return "?";
}

static double per_buffer(uint64_t count, const struct bench_figure *f) {
  return f->stats.buffers != 0 ? (double)count / (double)f->stats.buffers : 0.0;
}

/* The floor figure of the same format, polling, same batch, if any. */
static const struct bench_figure *floor_of(const struct bench_figure *figs, size_t n,
                                           const struct bench_figure *f) {
  for (size_t i = 0; i < n; i++) {
    const struct bench_case *c = figs[i].c;
    if (c->kind == BENCH_KIND_RING && c->fn == bench_floor_run && c->p.format == f->c->p.format &&
        c->p.batch_count == f->c->p.batch_count && c->p.queue_size == f->c->p.queue_size)
      return &figs[i];
  }
  return NULL;
}

/* ---- Markdown ---- */

static void write_markdown_memory(FILE *out, const struct bench_figure *figs, size_t fig_count) {
  bool header = false;
  for (size_t i = 0; i < fig_count; i++) {
    const struct bench_figure *f = &figs[i];
    if (f->c->kind != BENCH_KIND_MEMORY)
      continue;
    if (!header)
      fprintf(out, "\n| memory | worlds | scheduler slots | heap KiB per world (besides guest "
                   "memory) |\n|---|--:|--:|--:|\n");
    header = true;
    if (f->available)
      fprintf(out, "| %s | %u | %u | %.1f |\n", f->c->name, f->c->worlds, f->c->sched_capacity,
              f->median);
    else
      fprintf(out, "| %s | %u | %u | unavailable (allocator does not account) |\n", f->c->name,
              f->c->worlds, f->c->sched_capacity);
  }
}

static void write_markdown_net(FILE *out, const struct bench_figure *figs, size_t fig_count) {
  bool header = false;
  for (size_t i = 0; i < fig_count; i++) {
    const struct bench_figure *f = &figs[i];
    if (f->c->kind != BENCH_KIND_NET || !f->available)
      continue;
    if (!header)
      fprintf(out, "\n| full stack | frame bytes | burst | monitor | median frames/s | min | max | "
                   "runs | ns/frame | events/frame |\n|---|--:|--:|---|--:|--:|--:|--:|--:|--:|\n");
    header = true;
    fprintf(out, "| %s | %u | %u | %s | %.0f | %.0f | %.0f | %u | %.0f | %.1f |\n", f->c->name,
            f->c->p.frame_len, f->c->p.batch_count, f->c->p.monitor ? "on" : "off", f->median,
            f->min, f->max, f->runs, f->median > 0 ? 1e9 / f->median : 0.0,
            per_buffer(f->stats.bus_events, f));
  }
}

static void write_markdown_suite(FILE *out, const struct bench_inputs *in,
                                 const struct bench_figure *figs, size_t fig_count) {
  bool header = false;
  for (size_t i = 0; i < fig_count; i++) {
    const struct bench_figure *f = &figs[i];
    enum bench_kind k = f->c->kind;
    if (k != BENCH_KIND_SUITE && k != BENCH_KIND_TICKS && k != BENCH_KIND_EXTERNAL)
      continue;
    if (!header)
      fprintf(out, "\n| scenarios | unit | median | min | max | runs | what |\n"
                   "|---|---|--:|--:|--:|--:|---|\n");
    header = true;
    if (!f->available) {
      fprintf(out, "| %s | %s | - | - | - | 0 | not measured: %s |\n", f->c->name, f->unit,
              f->skip_reason != NULL ? f->skip_reason : "?");
      continue;
    }
    if (k == BENCH_KIND_EXTERNAL) {
      fprintf(out, "| %s | %s | %.1f | %.1f | %.1f | 1 | given by --make-check-seconds |\n",
              f->c->name, f->unit, f->median, f->min, f->max);
      continue;
    }
    fprintf(out, "| %s | %s | %.4g | %.4g | %.4g | %u | %s: %u files, %u runs, %llu events |\n",
            f->c->name, f->unit, f->median, f->min, f->max, f->runs, in->scenario_dir,
            f->suite.files, f->suite.runs, (unsigned long long)f->suite.events);
  }
}

void bench_write_markdown(FILE *out, const struct bench_mode *m, const struct bench_inputs *in,
                          const struct bench_figure *figs, size_t fig_count,
                          const struct bench_ratio *ratios, size_t ratio_count) {
  fprintf(out, "## viosim-bench (%s mode, %s build)\n\n", m->name, BENCH_BUILD_TYPE);
  fprintf(out, "Median of the runs, spread min-max, in ns per buffer; x floor: the median over "
               "the bare ring of the same format, batch and queue size.\n\n");
  fprintf(out, "| group | figure | format | notify | monitor | trace | queue | chain | batch | "
               "median | min | max | runs | x floor | events/buf |\n");
  fprintf(out, "|---|---|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
  for (size_t i = 0; i < fig_count; i++) {
    const struct bench_figure *f = &figs[i];
    const struct bench_ring_params *p = &f->c->p;
    bool is_floor = f->c->fn == bench_floor_run;
    if (f->c->kind != BENCH_KIND_RING || !f->available)
      continue;
    const struct bench_figure *fl = floor_of(figs, fig_count, f);
    char ratio[32] = "-", events[32] = "-";
    if (fl != NULL && !is_floor && fl->median > 0)
      snprintf(ratio, sizeof(ratio), "%.1f", f->median / fl->median);
    if (!is_floor)
      snprintf(events, sizeof(events), "%.1f", per_buffer(f->stats.bus_events, f));
    fprintf(out,
            "| %s | %s | %s | %s | %s | %s | %u | %u | %u | %.1f | %.1f | %.1f | %u | %s | %s |\n",
            f->c->group, f->c->name, format_name(p->format), notify_name(p->notify),
            is_floor ? "-" : (p->monitor ? "on" : "off"), is_floor ? "-" : trace_name(p->trace),
            p->queue_size, p->chain_count, p->batch_count, f->median, f->min, f->max, f->runs,
            ratio, events);
  }
  write_markdown_net(out, figs, fig_count);
  write_markdown_memory(out, figs, fig_count);
  write_markdown_suite(out, in, figs, fig_count);
  if (ratio_count == 0)
    return;
  fprintf(out, "\n| ratio | value | target | met |\n|---|--:|--:|---|\n");
  for (size_t i = 0; i < ratio_count; i++) {
    if (ratios[i].value <= 0) {
      fprintf(out, "| %s | n/a | <= %.1f | not measured |\n", ratios[i].name, ratios[i].target_max);
      continue;
    }
    fprintf(out, "| %s | %.2f | <= %.1f | %s |\n", ratios[i].name, ratios[i].value,
            ratios[i].target_max, ratios[i].met ? "yes" : "NO");
  }
}

/* ---- JSON ---- */

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_str(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s != '\0'; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(out, "\\%c", ch);
    else if (ch < 0x20u)
      fprintf(out, "\\u%04x", ch);
    else
      fputc(ch, out);
  }
  fputc('"', out);
}

/* A JSON number (finite; NaN and infinities, which JSON lacks, become 0). */
static void json_num(FILE *out, double v) {
  fprintf(out, "%.9g", isfinite(v) ? v : 0.0);
}

/* The first "model name" line of /proc/cpuinfo, or "unknown". */
static void cpu_model(char *buf, size_t size) {
  snprintf(buf, size, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (f == NULL)
    return;
  char line[256];
  while (fgets(line, sizeof(line), f) != NULL) {
    if (strncmp(line, "model name", 10) != 0)
      continue;
    const char *colon = strchr(line, ':');
    if (colon != NULL) {
      snprintf(buf, size, "%s", colon + (colon[1] == ' ' ? 2 : 1));
      buf[strcspn(buf, "\n")] = '\0';
    }
    break;
  }
  fclose(f);
}

static void json_machine(FILE *out) {
  struct utsname u;
  char model[160];
  cpu_model(model, sizeof(model));
  bool have_uname = uname(&u) == 0;
  fprintf(out,
          "  \"machine\": {\"cpus_online\": %ld, \"cpu_model\": ", sysconf(_SC_NPROCESSORS_ONLN));
  json_str(out, model);
  fprintf(out, ", \"os\": ");
  json_str(out, have_uname ? u.sysname : "unknown");
  fprintf(out, ", \"os_release\": ");
  json_str(out, have_uname ? u.release : "unknown");
  fprintf(out, ", \"arch\": ");
  json_str(out, have_uname ? u.machine : "unknown");
  fprintf(out, "},\n  \"build\": {\"type\": ");
  json_str(out, BENCH_BUILD_TYPE);
  fprintf(out, ", \"compiler\": ");
  json_str(out, __VERSION__);
  fprintf(out, ", \"c_flags\": ");
  json_str(out, BENCH_C_FLAGS);
  fprintf(out, "},\n");
}

static void json_figure_head(FILE *out, const struct bench_figure *f) {
  fprintf(out, "    {\"group\": ");
  json_str(out, f->c->group);
  fprintf(out, ", \"name\": ");
  json_str(out, f->c->name);
  fprintf(out, ", \"unit\": ");
  json_str(out, f->unit);
  fprintf(out, ", \"median\": ");
  json_num(out, f->median);
  fprintf(out, ", \"min\": ");
  json_num(out, f->min);
  fprintf(out, ", \"max\": ");
  json_num(out, f->max);
  fprintf(out, ", \"runs\": %u", f->runs);
}

static void json_figure(FILE *out, const struct bench_figure *f) {
  const struct bench_ring_params *p = &f->c->p;
  json_figure_head(out, f);
  switch (f->c->kind) {
  case BENCH_KIND_MEMORY:
    fprintf(out,
            ",\n     \"params\": {\"impl\": \"viosim\", \"worlds\": %u, \"sched_capacity\": "
            "%u}}",
            f->c->worlds, f->c->sched_capacity);
    return;
  case BENCH_KIND_SUITE:
  case BENCH_KIND_TICKS:
    fprintf(out,
            ",\n     \"suite\": {\"files\": %u, \"runs\": %u, \"failed\": %u, \"events\": "
            "%llu, \"ticks\": %llu, \"wall_ns\": %llu}}",
            f->suite.files, f->suite.runs, f->suite.failed, (unsigned long long)f->suite.events,
            (unsigned long long)f->suite.ticks, (unsigned long long)f->suite.wall_ns);
    return;
  case BENCH_KIND_EXTERNAL:
    fprintf(out, ", \"source\": \"--make-check-seconds\"}");
    return;
  case BENCH_KIND_NET:
    fprintf(out, ", \"frames_per_run\": %llu,\n", (unsigned long long)f->buffers_per_run);
    fprintf(out,
            "     \"params\": {\"impl\": \"viosim\", \"stack\": \"virtio-net loopback\", "
            "\"frame_len\": %u, \"burst\": %u, \"monitor\": %s},\n",
            p->frame_len, p->batch_count, p->monitor ? "true" : "false");
    fprintf(out, "     \"ns_per_frame\": ");
    json_num(out, f->median > 0 ? 1e9 / f->median : 0.0);
    fprintf(out, ",\n     \"per_frame\": {\"notifications\": ");
    json_num(out, per_buffer(f->stats.notifications, f));
    fprintf(out, ", \"interrupts\": ");
    json_num(out, per_buffer(f->stats.interrupts, f));
    fprintf(out, ", \"bus_events\": ");
    json_num(out, per_buffer(f->stats.bus_events, f));
    fprintf(out, ", \"monitor_checks\": ");
    json_num(out, per_buffer(f->stats.monitor_checks, f));
    fprintf(out, "},\n     \"checksum\": \"0x%016llx\"}", (unsigned long long)f->stats.checksum);
    return;
  case BENCH_KIND_RING:
    break;
  }
  fprintf(out, ", \"buffers_per_run\": %llu,\n", (unsigned long long)f->buffers_per_run);
  fprintf(out,
          "     \"params\": {\"impl\": \"%s\", \"format\": \"%s\", \"notify\": \"%s\", "
          "\"monitor\": %s, \"trace\": \"%s\", \"queue_size\": %u, \"chain_count\": %u, "
          "\"batch_count\": %u, \"worlds\": %u},\n",
          f->c->fn == bench_floor_run ? "bare" : "viosim", format_name(p->format),
          notify_name(p->notify), p->monitor ? "true" : "false", trace_name(p->trace),
          p->queue_size, p->chain_count, p->batch_count, p->worlds > 1u ? p->worlds : 1u);
  fprintf(out, "     \"per_buffer\": {\"notifications\": ");
  json_num(out, per_buffer(f->stats.notifications, f));
  fprintf(out, ", \"interrupts\": ");
  json_num(out, per_buffer(f->stats.interrupts, f));
  fprintf(out, ", \"bus_events\": ");
  json_num(out, per_buffer(f->stats.bus_events, f));
  fprintf(out, ", \"monitor_checks\": ");
  json_num(out, per_buffer(f->stats.monitor_checks, f));
  fprintf(out, "},\n     \"checksum\": \"0x%016llx\"}", (unsigned long long)f->stats.checksum);
}

bool bench_write_json(const char *path, const struct bench_mode *m, const struct bench_inputs *in,
                      const struct bench_figure *figs, size_t fig_count,
                      const struct bench_ratio *ratios, size_t ratio_count) {
  FILE *out = fopen(path, "w");
  if (out == NULL)
    return false;
  fprintf(out, "{\n  \"schema\": \"viosim-bench/1\",\n  \"mode\": ");
  json_str(out, m->name);
  fprintf(out, ",\n  \"spread\": \"min-max\",\n");
  json_machine(out);
  fprintf(out, "  \"figures\": [\n");
  bool first = true;
  for (size_t i = 0; i < fig_count; i++) {
    if (!figs[i].available)
      continue;
    fprintf(out, "%s", first ? "" : ",\n");
    json_figure(out, &figs[i]);
    first = false;
  }
  fprintf(out, "%s", first ? "" : "\n");
  fprintf(out, "  ],\n  \"scenarios\": {\"dir\": ");
  json_str(out, in->scenario_dir);
  fprintf(out, ", \"found\": %s},\n  \"ratios\": [\n", in->scenario_dir_found ? "true" : "false");
  for (size_t i = 0; i < ratio_count; i++) {
    const struct bench_ratio *r = &ratios[i];
    fprintf(out, "    {\"name\": ");
    json_str(out, r->name);
    fprintf(out, ", \"figure\": ");
    json_str(out, r->figure);
    fprintf(out, ", \"baseline\": ");
    json_str(out, r->baseline != NULL ? r->baseline : "constant");
    fprintf(out, ", \"baseline_value\": ");
    json_num(out, r->baseline_value);
    fprintf(out, ", \"value\": ");
    json_num(out, r->value);
    fprintf(out, ", \"target_max\": ");
    json_num(out, r->target_max);
    fprintf(out, ", \"met\": %s", r->met ? "true" : "false");
    if (r->value <= 0 && r->note != NULL) {
      fprintf(out, ", \"note\": ");
      json_str(out, r->note);
    }
    fprintf(out, "}%s\n", i + 1u < ratio_count ? "," : "");
  }
  fprintf(out, "  ]\n}\n");
  return fclose(out) == 0;
}

/* ---- SVG ---- */

/* XML text: the five special characters escaped. */
static void xml_str(FILE *out, const char *s) {
  for (; *s != '\0'; s++) {
    switch (*s) {
    case '<':
      fputs("&lt;", out);
      break;
    case '>':
      fputs("&gt;", out);
      break;
    case '&':
      fputs("&amp;", out);
      break;
    case '"':
      fputs("&quot;", out);
      break;
    case '\'':
      fputs("&apos;", out);
      break;
    default:
      fputc(*s, out);
      break;
    }
  }
}

#define BENCH_SVG_MAX 96u
#define SVG_LABEL_W   260.0
#define SVG_PLOT_W    520.0
#define SVG_ROW_H     22.0
#define SVG_PANEL_TOP 36.0 /* a panel's title and top margin */
#define SVG_PANEL_BOT 30.0 /* its axis labels */

/* The SVG's panels: one per unit, each on its own log10 axis. */
static const struct {
  const char *unit;
  const char *title;
} svg_panels[] = {
    {"ns/buffer", "rings: ns per buffer (lower is better)"},
    {"frames/s", "full stack: virtio-net frames per second (higher is better)"},
    {"ticks/s", "scenarios: virtual ticks per wall second (higher is better)"},
    {"s/suite", "scenarios: wall seconds per run of the suite (lower is better)"},
};
#define SVG_PANEL_COUNT (sizeof(svg_panels) / sizeof(svg_panels[0]))

static bool svg_in_panel(const struct bench_figure *f, size_t panel) {
  return f->available && f->c->kind != BENCH_KIND_MEMORY && f->c->kind != BENCH_KIND_EXTERNAL &&
         strcmp(f->unit, svg_panels[panel].unit) == 0;
}

/* One panel from y: a bar per figure (median), the min-max spread as a
 * whisker; floor bars grey, the others blue. Returns the panel's height. */
static double svg_panel(FILE *out, double top, size_t panel, const struct bench_figure *figs,
                        size_t fig_count) {
  double lo = 1e300, hi = 0;
  size_t rows = 0;
  for (size_t i = 0; i < fig_count; i++) {
    if (!svg_in_panel(&figs[i], panel))
      continue;
    rows++;
    lo = figs[i].min > 0 && figs[i].min < lo ? figs[i].min : lo;
    hi = figs[i].max > hi ? figs[i].max : hi;
  }
  if (rows == 0)
    return 0;
  if (hi <= 0 || lo > hi) {
    lo = 1;
    hi = 10;
  }
  double d0 = floor(log10(lo)), d1 = ceil(log10(hi));
  if (d1 <= d0)
    d1 = d0 + 1;
  double y0 = top + SVG_PANEL_TOP;
  double bottom = y0 + (double)rows * SVG_ROW_H;
  fprintf(out, "<text x=\"10\" y=\"%.1f\" font-size=\"13\">", top + 22.0);
  xml_str(out, svg_panels[panel].title);
  fprintf(out, "</text>\n");
  for (double d = d0; d <= d1; d += 1.0) {
    double x = SVG_LABEL_W + (d - d0) / (d1 - d0) * SVG_PLOT_W;
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ccc\"/>\n"
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
            x, y0 - 4.0, x, bottom, x, bottom + 16.0, pow(10.0, d));
  }
  double scale = SVG_PLOT_W / (d1 - d0);
  size_t row = 0;
  for (size_t i = 0; i < fig_count; i++) {
    const struct bench_figure *f = &figs[i];
    if (!svg_in_panel(f, panel))
      continue;
    double y = y0 + (double)row++ * SVG_ROW_H;
    double xm = SVG_LABEL_W + (log10(f->median > 0 ? f->median : lo) - d0) * scale;
    double xa = SVG_LABEL_W + (log10(f->min > 0 ? f->min : lo) - d0) * scale;
    double xb = SVG_LABEL_W + (log10(f->max > 0 ? f->max : lo) - d0) * scale;
    bool is_floor = f->c->kind == BENCH_KIND_RING && f->c->fn == bench_floor_run;
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", SVG_LABEL_W - 6.0, y + 15.0);
    xml_str(out, f->c->group);
    fputs(": ", out);
    xml_str(out, f->c->name);
    fprintf(out,
            "</text>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
            "fill=\"%s\"/>\n"
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n"
            "<text x=\"%.1f\" y=\"%.1f\">%.4g</text>\n",
            SVG_LABEL_W, y + 4.0, xm - SVG_LABEL_W > 0 ? xm - SVG_LABEL_W : 0.0, SVG_ROW_H - 8.0,
            is_floor ? "#999" : "#4a7bd0", xa, y + SVG_ROW_H / 2.0, xb, y + SVG_ROW_H / 2.0,
            xb + 4.0, y + 15.0, f->median);
  }
  return SVG_PANEL_TOP + (double)rows * SVG_ROW_H + SVG_PANEL_BOT;
}

/*
 * Panels of horizontal bars on log10 axes (the floor and the slowest ring
 * figure are three decades apart): the ring figures (scale included), the
 * full stack, the scenario suite. Memory and external figures are in the
 * table only.
 */
bool bench_write_svg(const char *path, const struct bench_figure *all, size_t all_count) {
  size_t fig_count = all_count < BENCH_SVG_MAX ? all_count : BENCH_SVG_MAX;
  size_t rows = 0, panels = 0;
  for (size_t p = 0; p < SVG_PANEL_COUNT; p++) {
    size_t n = 0;
    for (size_t i = 0; i < fig_count; i++)
      n += svg_in_panel(&all[i], p) ? 1u : 0u;
    rows += n;
    panels += n != 0 ? 1u : 0u;
  }
  FILE *out = fopen(path, "w");
  if (out == NULL)
    return false;
  double height =
      30.0 + (double)panels * (SVG_PANEL_TOP + SVG_PANEL_BOT) + (double)rows * SVG_ROW_H + 10.0;
  double width = SVG_LABEL_W + SVG_PLOT_W + 60.0;
  fprintf(out,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "font-family=\"sans-serif\" font-size=\"12\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
          "<text x=\"10\" y=\"22\" font-size=\"14\">viosim-bench: median of the runs, min-max "
          "whisker, log scales</text>\n",
          width, height);
  double y = 30.0;
  for (size_t p = 0; p < SVG_PANEL_COUNT; p++)
    y += svg_panel(out, y, p, all, fig_count);
  fprintf(out, "</svg>\n");
  return fclose(out) == 0;
}
