/*
 * reports/results.c: report sets and results.tsv (contract in
 * reports/results.h; the file format is documented in reports/README.md).
 *
 * A set grows by deep copies, so a caller's run (often on its stack, with
 * borrowed strings) is never kept. add_run validates what it copies: the
 * writers can then rely on the invariants the header states, whether the
 * run came from the interpreter or from a file someone edited.
 */
#include "reports/results.h"
#include "reports/tsv.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model/catalog.h"
#include "reports/text.h"

void report_set_init(struct report_set *set) {
  *set = (struct report_set){0};
}

/* A run's strings are const for the callers who lend them, but a set owns
 * its copies (copy_text allocated them): drop the qualifier to free. */
static void free_text(const char *s) {
  free((void *)(uintptr_t)s);
}

static void run_free(struct report_run *run) {
  free_text(run->path);
  free_text(run->message);
  free_text(run->replay);
  free(run->counters);
  free(run->tallies);
  *run = (struct report_run){0};
}

/* Drop runs from index `keep` on (used to undo a partly loaded file). */
static void set_truncate(struct report_set *set, size_t keep) {
  while (set->run_count > keep)
    run_free(&set->runs[--set->run_count]);
}

void report_set_fini(struct report_set *set) {
  set_truncate(set, 0);
  free(set->runs);
  *set = (struct report_set){0};
}

const struct report_tally *report_run_tally(const struct report_run *run, size_t catalog_index) {
  size_t lo = 0, hi = run->tally_count;
  while (lo < hi) { /* tallies are sorted by catalog_index */
    size_t mid = lo + (hi - lo) / 2;
    if (run->tallies[mid].catalog_index == catalog_index)
      return &run->tallies[mid];
    if (run->tallies[mid].catalog_index < catalog_index)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

/* strlen bounded by max (strnlen is POSIX, not C11); never reads past the
 * terminator. */
static size_t bounded_len(const char *s, size_t max) {
  size_t len = 0;
  while (len < max && s[len] != 0)
    len++;
  return len;
}

static bool text_ok(const char *s) {
  return s != NULL && bounded_len(s, REPORT_TEXT_MAX) < REPORT_TEXT_MAX;
}

static bool counter_name_ok(const char *name) {
  size_t len = bounded_len(name, REPORT_NAME_MAX);
  if (len == 0 || len >= REPORT_NAME_MAX)
    return false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c <= 0x20 || c == 0x7f)
      return false;
  }
  return true;
}

static MODEL_MUST_USE model_err copy_text(const char *s, const char **out) {
  const char *src = s == NULL ? "" : s;
  MODEL_ENSURE(text_ok(src), MODEL_ERR_INVALID_ARG);
  size_t len = strlen(src);
  char *copy = malloc(len + 1);
  MODEL_ENSURE(copy != NULL, MODEL_ERR_NO_MEMORY);
  memcpy(copy, src, len + 1);
  *out = copy;
  return MODEL_OK;
}

static int tally_cmp(const void *a, const void *b) {
  size_t x = ((const struct report_tally *)a)->catalog_index;
  size_t y = ((const struct report_tally *)b)->catalog_index;
  return (x > y) - (x < y);
}

/* Copy the nonzero tallies, sorted; reject bad or repeated indices. */
static MODEL_MUST_USE model_err copy_tallies(const struct report_run *src, struct report_run *dst) {
  size_t n = 0;
  size_t catalog_count = model_catalog_count();
  MODEL_ENSURE(src->tally_count == 0 || src->tallies != NULL, MODEL_ERR_INVALID_ARG);
  for (size_t i = 0; i < src->tally_count; i++) {
    const struct report_tally *t = &src->tallies[i];
    MODEL_ENSURE(t->catalog_index < catalog_count, MODEL_ERR_INVALID_ARG);
    MODEL_ENSURE(memchr(t->first.detail, 0, sizeof t->first.detail) != NULL, MODEL_ERR_INVALID_ARG);
    if (t->evaluated != 0 || t->violations != 0)
      n++;
  }
  if (n == 0)
    return MODEL_OK;
  dst->tallies = calloc(n, sizeof *dst->tallies);
  MODEL_ENSURE(dst->tallies != NULL, MODEL_ERR_NO_MEMORY);
  for (size_t i = 0; i < src->tally_count; i++) {
    const struct report_tally *t = &src->tallies[i];
    if (t->evaluated == 0 && t->violations == 0)
      continue;
    dst->tallies[dst->tally_count] = *t;
    if (t->violations == 0) /* keep the unused part zero: saved files stay canonical */
      dst->tallies[dst->tally_count].first = (struct report_violation){0};
    dst->tally_count++;
  }
  qsort(dst->tallies, dst->tally_count, sizeof *dst->tallies, tally_cmp);
  for (size_t i = 1; i < dst->tally_count; i++)
    MODEL_ENSURE(dst->tallies[i - 1].catalog_index != dst->tallies[i].catalog_index,
                 MODEL_ERR_INVALID_ARG);
  return MODEL_OK;
}

static MODEL_MUST_USE model_err copy_run(const struct report_run *src, struct report_run *dst) {
  MODEL_ENSURE(src->path != NULL, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(src->counter_count <= REPORT_COUNTERS_MAX, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(src->counter_count == 0 || src->counters != NULL, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE((unsigned)src->ring < REPORT_RING_COUNT, MODEL_ERR_INVALID_ARG);
  dst->seed = src->seed;
  dst->ring = src->ring;
  dst->passed = src->passed;
  dst->trace_hash = src->trace_hash;
  dst->monitor_suite = src->monitor_suite;
  dst->features_seen = src->features_seen;
  MODEL_TRY(copy_text(src->path, &dst->path));
  MODEL_TRY(copy_text(src->message, &dst->message));
  MODEL_TRY(copy_text(src->replay, &dst->replay));
  for (size_t i = 0; i < src->counter_count; i++) {
    MODEL_ENSURE(counter_name_ok(src->counters[i].name), MODEL_ERR_INVALID_ARG);
    for (size_t k = 0; k < i; k++) /* names are keys (a JSON object) */
      MODEL_ENSURE(strcmp(src->counters[k].name, src->counters[i].name) != 0,
                   MODEL_ERR_INVALID_ARG);
  }
  if (src->counter_count != 0) {
    dst->counters = calloc(src->counter_count, sizeof *dst->counters);
    MODEL_ENSURE(dst->counters != NULL, MODEL_ERR_NO_MEMORY);
    memcpy(dst->counters, src->counters, src->counter_count * sizeof *dst->counters);
    dst->counter_count = src->counter_count;
  }
  return copy_tallies(src, dst);
}

model_err report_set_add_run(struct report_set *set, const struct report_run *run) {
  MODEL_ENSURE(set->run_count < REPORT_RUNS_MAX, MODEL_ERR_CAPACITY);
  if (set->run_count == set->run_capacity) {
    size_t capacity = set->run_capacity == 0 ? 16 : set->run_capacity * 2;
    struct report_run *runs = realloc(set->runs, capacity * sizeof *runs);
    MODEL_ENSURE(runs != NULL, MODEL_ERR_NO_MEMORY);
    set->runs = runs;
    set->run_capacity = capacity;
  }
  struct report_run copy = {0};
  model_err err = copy_run(run, &copy);
  if (err != MODEL_OK) {
    run_free(&copy);
    return err;
  }
  set->runs[set->run_count++] = copy;
  return MODEL_OK;
}

/* ---- saving ---- */

#define RESULTS_HEADER    "viosim-results 2"
#define RESULTS_HEADER_V1 "viosim-results 1" /* read too: no RING field, every run split */

const char *report_ring_name(enum report_ring ring) {
  return ring == REPORT_RING_PACKED ? "packed" : ring == REPORT_RING_SPLIT ? "split" : "?";
}

static void save_tally(FILE *out, const struct report_tally *t) {
  fprintf(out, "tally\t%s\t%" PRIu64 "\t%" PRIu64, model_catalog_at(t->catalog_index)->id,
          t->evaluated, t->violations);
  if (t->violations != 0) {
    const struct report_violation *v = &t->first;
    fprintf(out, "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t",
            v->time_ticks, v->trace_pos, v->values[0], v->values[1], v->values[2]);
    report_text_tsv(out, v->detail);
  }
  fputc('\n', out);
}

model_err report_save_results(FILE *out, const struct report_set *set) {
  fputs(RESULTS_HEADER "\n", out);
  for (size_t i = 0; i < set->run_count; i++) {
    const struct report_run *run = &set->runs[i];
    fputs("run\t", out);
    report_text_tsv(out, run->path);
    fprintf(out, "\t%" PRIu64 "\t%s\t%s\t%s\t%016" PRIx64 "\t%016" PRIx64 "\n", run->seed,
            report_ring_name(run->ring), run->passed ? "pass" : "fail",
            run->monitor_suite ? "monitor" : "normal", run->trace_hash, run->features_seen);
    fputs("message\t", out);
    report_text_tsv(out, run->message);
    fputs("\nreplay\t", out);
    report_text_tsv(out, run->replay);
    fputc('\n', out);
    for (size_t k = 0; k < run->counter_count; k++)
      fprintf(out, "counter\t%s\t%" PRIu64 "\n", run->counters[k].name, run->counters[k].value);
    for (size_t k = 0; k < run->tally_count; k++)
      save_tally(out, &run->tallies[k]);
    fputs("end\n", out);
  }
  return ferror(out) ? MODEL_ERR_IO : MODEL_OK;
}

/* ---- loading ---- */

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* An escaped text field may take up to 4 bytes per byte (\xHH). */
#define LOAD_LINE_MAX   (4u * REPORT_TEXT_MAX + 512u)
#define LOAD_FIELDS_MAX 12u

struct loader {
  struct tsv_file f;
  unsigned version;       /* of the file: 1 (no RING field) or 2 */
  unsigned long run_line; /* where the open run started; 0: none open */
  char *line;             /* LOAD_LINE_MAX + 1 */
  char *fields[LOAD_FIELDS_MAX];
  /* The run being read: strings point into the line buffers below. */
  struct report_run run;
  char *text[3]; /* path, message, replay; REPORT_TEXT_MAX each */
  bool have_message, have_replay;
  struct report_counter *counters; /* REPORT_COUNTERS_MAX */
  struct report_tally *tallies;    /* model_catalog_count() */
  bool *tallied;                   /* model_catalog_count() */
};

static bool parse_dec(const char *s, uint64_t *out) {
  uint64_t v = 0;
  if (*s == 0 || strlen(s) > 20)
    return false;
  for (; *s != 0; s++) {
    if (*s < '0' || *s > '9')
      return false;
    uint64_t d = (uint64_t)(*s - '0');
    if (v > (UINT64_MAX - d) / 10)
      return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

static bool parse_hex16(const char *s, uint64_t *out) {
  uint64_t v = 0;
  if (strlen(s) != 16)
    return false;
  for (; *s != 0; s++) {
    int d = hex_value(*s);
    if (d < 0)
      return false;
    v = (v << 4) | (uint64_t)d;
  }
  *out = v;
  return true;
}

/* Decode an escaped text field into dst (REPORT_TEXT_MAX bytes). */
static MODEL_MUST_USE model_err load_text(struct loader *l, char *field, char *dst, size_t dst_size,
                                          const char *what) {
  if (!report_text_tsv_decode(field))
    return tsv_error(&l->f, "%s: bad escape or raw control character", what);
  if (strlen(field) >= dst_size)
    return tsv_error(&l->f, "%s: longer than %zu bytes", what, dst_size - 1);
  memcpy(dst, field, strlen(field) + 1);
  return MODEL_OK;
}

static MODEL_MUST_USE model_err load_fields(struct loader *l, size_t want) {
  if (l->f.field_count != want)
    return tsv_error(&l->f, "'%s' needs %zu fields, found %zu", l->fields[0], want,
                     l->f.field_count);
  return MODEL_OK;
}

/* run PATH SEED RING pass|fail normal|monitor TRACE_HASH FEATURES_SEEN
 * (version 1: no RING, the run was split) */
static MODEL_MUST_USE model_err load_run_line(struct loader *l) {
  if (l->run_line != 0)
    return tsv_error(&l->f, "'run' before the 'end' of the run started on line %lu", l->run_line);
  MODEL_TRY(load_fields(l, l->version == 1 ? 7u : 8u));
  enum report_ring ring = REPORT_RING_SPLIT;
  if (l->version != 1) {
    if (strcmp(l->fields[3], "packed") == 0)
      ring = REPORT_RING_PACKED;
    else if (strcmp(l->fields[3], "split") != 0)
      return tsv_error(&l->f, "bad ring format '%.40s' (split or packed)", l->fields[3]);
    /* the fields after RING are where version 1 has them */
    memmove(&l->fields[3], &l->fields[4], 4u * sizeof l->fields[0]);
  }
  struct report_run *run = &l->run;
  *run = (struct report_run){.path = l->text[0], .message = l->text[1], .replay = l->text[2]};
  l->text[1][0] = 0;
  l->text[2][0] = 0;
  l->have_message = l->have_replay = false;
  MODEL_TRY(load_text(l, l->fields[1], l->text[0], REPORT_TEXT_MAX, "path"));
  if (l->text[0][0] == 0)
    return tsv_error(&l->f, "empty path");
  if (!parse_dec(l->fields[2], &run->seed))
    return tsv_error(&l->f, "bad seed '%.40s'", l->fields[2]);
  run->ring = ring;
  if (strcmp(l->fields[3], "pass") != 0 && strcmp(l->fields[3], "fail") != 0)
    return tsv_error(&l->f, "bad result '%.40s' (pass or fail)", l->fields[3]);
  run->passed = strcmp(l->fields[3], "pass") == 0;
  if (strcmp(l->fields[4], "normal") != 0 && strcmp(l->fields[4], "monitor") != 0)
    return tsv_error(&l->f, "bad suite '%.40s' (normal or monitor)", l->fields[4]);
  run->monitor_suite = strcmp(l->fields[4], "monitor") == 0;
  if (!parse_hex16(l->fields[5], &run->trace_hash))
    return tsv_error(&l->f, "bad trace hash '%.40s' (16 hex digits)", l->fields[5]);
  if (!parse_hex16(l->fields[6], &run->features_seen))
    return tsv_error(&l->f, "bad feature set '%.40s' (16 hex digits)", l->fields[6]);
  memset(l->tallied, 0, model_catalog_count() * sizeof *l->tallied);
  run->counters = l->counters;
  run->tallies = l->tallies;
  l->run_line = l->f.line_no;
  return MODEL_OK;
}

/* message TEXT / replay TEXT: once each per run, in that order. */
static MODEL_MUST_USE model_err load_text_line(struct loader *l, bool is_message) {
  MODEL_TRY(load_fields(l, 2));
  if (is_message ? l->have_message : l->have_replay)
    return tsv_error(&l->f, "a second '%s' line in this run", l->fields[0]);
  if (!is_message && !l->have_message)
    return tsv_error(&l->f, "'replay' before 'message'");
  if (is_message && (l->run.counter_count != 0 || l->run.tally_count != 0))
    return tsv_error(&l->f, "'message' after counters or tallies");
  MODEL_TRY(load_text(l, l->fields[1], l->text[is_message ? 1 : 2], REPORT_TEXT_MAX, l->fields[0]));
  if (is_message)
    l->have_message = true;
  else
    l->have_replay = true;
  return MODEL_OK;
}

/* counter NAME VALUE */
static MODEL_MUST_USE model_err load_counter_line(struct loader *l) {
  MODEL_TRY(load_fields(l, 3));
  if (!l->have_replay)
    return tsv_error(&l->f, "'counter' before 'message' and 'replay'");
  if (l->run.counter_count == REPORT_COUNTERS_MAX)
    return tsv_error(&l->f, "more than %u counters in one run", REPORT_COUNTERS_MAX);
  if (!counter_name_ok(l->fields[1]))
    return tsv_error(&l->f, "bad counter name '%.40s'", l->fields[1]);
  for (size_t i = 0; i < l->run.counter_count; i++) {
    if (strcmp(l->counters[i].name, l->fields[1]) == 0)
      return tsv_error(&l->f, "counter %s given twice in this run", l->fields[1]);
  }
  struct report_counter *c = &l->counters[l->run.counter_count];
  *c = (struct report_counter){0};
  memcpy(c->name, l->fields[1], strlen(l->fields[1]) + 1);
  if (!parse_dec(l->fields[2], &c->value))
    return tsv_error(&l->f, "bad value '%.40s' for counter %s", l->fields[2], c->name);
  l->run.counter_count++;
  return MODEL_OK;
}

/* The violation fields of a tally: TIME POS V0 V1 V2 DETAIL. */
static MODEL_MUST_USE model_err load_violation(struct loader *l, struct report_violation *v) {
  uint64_t *nums[5] = {&v->time_ticks, &v->trace_pos, &v->values[0], &v->values[1], &v->values[2]};
  static const char *const names[5] = {"time", "trace position", "value 1", "value 2", "value 3"};
  for (size_t i = 0; i < 5; i++) {
    if (!parse_dec(l->fields[4 + i], nums[i]))
      return tsv_error(&l->f, "bad %s '%.40s'", names[i], l->fields[4 + i]);
  }
  return load_text(l, l->fields[9], v->detail, sizeof v->detail, "detail");
}

/* tally ID EVALUATED VIOLATIONS [TIME POS V0 V1 V2 DETAIL] */
static MODEL_MUST_USE model_err load_tally_line(struct loader *l) {
  if (!l->have_replay)
    return tsv_error(&l->f, "'tally' before 'message' and 'replay'");
  if (l->f.field_count != 4 && l->f.field_count != 10)
    return tsv_error(&l->f, "'tally' needs 4 fields, or 10 with violations; found %zu",
                     l->f.field_count);
  const struct model_clause *clause = model_catalog_find(l->fields[1]);
  if (clause == NULL)
    return tsv_error(&l->f, "unknown statement id '%.40s'", l->fields[1]);
  size_t index = (size_t)(clause - model_catalog_at(0));
  if (l->tallied[index])
    return tsv_error(&l->f, "statement %s tallied twice in this run", clause->id);
  struct report_tally *t = &l->tallies[l->run.tally_count];
  *t = (struct report_tally){.catalog_index = index};
  if (!parse_dec(l->fields[2], &t->evaluated) || !parse_dec(l->fields[3], &t->violations))
    return tsv_error(&l->f, "bad counts '%.40s' '%.40s' for %s", l->fields[2], l->fields[3],
                     clause->id);
  if ((t->violations != 0) != (l->f.field_count == 10))
    return tsv_error(&l->f, "a tally has the violation fields exactly when violations > 0");
  if (t->evaluated == 0 && t->violations == 0)
    return tsv_error(&l->f, "an all-zero tally for %s (such tallies are left out)", clause->id);
  if (t->violations != 0)
    MODEL_TRY(load_violation(l, &t->first));
  l->tallied[index] = true;
  l->run.tally_count++;
  return MODEL_OK;
}

static MODEL_MUST_USE model_err load_end_line(struct loader *l, struct report_set *set) {
  MODEL_TRY(load_fields(l, 1));
  if (!l->have_replay)
    return tsv_error(&l->f, "'end' of a run without 'message' and 'replay' lines");
  model_err err = report_set_add_run(set, &l->run);
  if (err == MODEL_ERR_NO_MEMORY || err == MODEL_ERR_CAPACITY) {
    (void)tsv_error(&l->f, "%s", model_err_message(err));
    return err;
  }
  if (err != MODEL_OK)
    return tsv_error(&l->f, "the run is not valid: %s", model_err_message(err));
  l->run_line = 0;
  return MODEL_OK;
}

static MODEL_MUST_USE model_err load_line(struct loader *l, struct report_set *set) {
  tsv_split(&l->f);
  const char *kw = l->fields[0];
  if (l->f.field_count > LOAD_FIELDS_MAX)
    return tsv_error(&l->f, "too many fields (%zu)", l->f.field_count);
  if (strcmp(kw, "run") == 0)
    return load_run_line(l);
  if (strcmp(kw, "message") != 0 && strcmp(kw, "replay") != 0 && strcmp(kw, "counter") != 0 &&
      strcmp(kw, "tally") != 0 && strcmp(kw, "end") != 0)
    return tsv_error(&l->f, "unknown line kind '%.40s'", kw);
  if (l->run_line == 0)
    return tsv_error(&l->f, "'%s' outside a run", kw);
  if (strcmp(kw, "message") == 0 || strcmp(kw, "replay") == 0)
    return load_text_line(l, strcmp(kw, "message") == 0);
  if (strcmp(kw, "counter") == 0)
    return load_counter_line(l);
  if (strcmp(kw, "tally") == 0)
    return load_tally_line(l);
  return load_end_line(l, set);
}

static MODEL_MUST_USE model_err load_header(struct loader *l) {
  bool got;
  MODEL_TRY(tsv_read_line(&l->f, &got));
  if (!got) {
    l->f.line_no = 1;
    return tsv_error(&l->f, "empty file (the first line must be '" RESULTS_HEADER "')");
  }
  if (strcmp(l->line, RESULTS_HEADER) == 0 || strcmp(l->line, RESULTS_HEADER_V1) == 0) {
    l->version = strcmp(l->line, RESULTS_HEADER) == 0 ? 2u : 1u;
    return MODEL_OK;
  }
  if (strncmp(l->line, "viosim-results ", 15) == 0)
    return tsv_error(&l->f,
                     "results format version '%.20s' is not supported (this viosim reads 1 and 2)",
                     l->line + 15);
  return tsv_error(&l->f,
                   "not a viosim results file (the first line must be '" RESULTS_HEADER "')");
}

static MODEL_MUST_USE model_err load_all(struct loader *l, struct report_set *set) {
  MODEL_TRY(load_header(l));
  for (;;) {
    bool got;
    MODEL_TRY(tsv_read_line(&l->f, &got));
    if (!got)
      break;
    MODEL_TRY(load_line(l, set));
  }
  if (l->run_line != 0) {
    l->f.line_no = l->run_line;
    return tsv_error(&l->f, "the run started here has no 'end' line");
  }
  return MODEL_OK;
}

static void loader_free(struct loader *l) {
  free(l->line);
  for (size_t i = 0; i < 3; i++)
    free(l->text[i]);
  free(l->counters);
  free(l->tallies);
  free(l->tallied);
}

model_err report_load_results(FILE *in, const char *path, struct report_set *set, char *err,
                              size_t err_size) {
  size_t n = model_catalog_count();
  struct loader l = {.f = {.in = in,
                           .path = path,
                           .err = err,
                           .err_size = err_size,
                           .line_max = LOAD_LINE_MAX,
                           .fields_max = LOAD_FIELDS_MAX}};
  size_t keep = set->run_count;
  model_err result = MODEL_ERR_NO_MEMORY;
  l.line = malloc(LOAD_LINE_MAX + 1);
  l.f.line = l.line;
  l.f.fields = l.fields;
  for (size_t i = 0; i < 3; i++)
    l.text[i] = calloc(1, REPORT_TEXT_MAX);
  l.counters = calloc(REPORT_COUNTERS_MAX, sizeof *l.counters);
  l.tallies = calloc(n, sizeof *l.tallies);
  l.tallied = calloc(n, sizeof *l.tallied);
  if (l.line != NULL && l.text[0] != NULL && l.text[1] != NULL && l.text[2] != NULL &&
      l.counters != NULL && l.tallies != NULL && l.tallied != NULL)
    result = load_all(&l, set);
  else
    snprintf(err, err_size, "%s: out of memory", path);
  loader_free(&l);
  if (result != MODEL_OK)
    set_truncate(set, keep);
  return result;
}
