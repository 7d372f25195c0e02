/*
 * reports/coverage.c: loading modules.tsv (contract in reports/coverage.h).
 *
 * One pass, line by line, straight into `cov`, which is emptied again on an
 * error, so a malformed file leaves nothing half loaded.
 */
#include "reports/coverage.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#define COVERAGE_LINE_MAX   512u
#define COVERAGE_FIELDS     7u
#define COVERAGE_DIGITS_MAX 12u

struct cov_loader {
  FILE *in;
  const char *path;
  char *err;
  size_t err_size;
  unsigned long line_no;
  char line[COVERAGE_LINE_MAX + 1];
  char *fields[COVERAGE_FIELDS];
  size_t field_count;
};

__attribute__((format(printf, 2, 3))) static model_err cov_error(struct cov_loader *l,
                                                                 const char *fmt, ...) {
  va_list ap;
  int n = snprintf(l->err, l->err_size, "%s:%lu: ", l->path, l->line_no);
  if (n >= 0 && (size_t)n < l->err_size) {
    va_start(ap, fmt);
    vsnprintf(l->err + n, l->err_size - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return MODEL_ERR_INVALID_ARG;
}

/* Read one line without its newline; *got false at the end of the file. */
static MODEL_MUST_USE model_err cov_read_line(struct cov_loader *l, bool *got) {
  size_t len = 0;
  int c;
  *got = false;
  while ((c = getc(l->in)) != EOF && c != '\n') {
    if (len == COVERAGE_LINE_MAX) {
      l->line_no++;
      return cov_error(l, "line longer than %u bytes", COVERAGE_LINE_MAX);
    }
    l->line[len++] = (char)c;
  }
  if (ferror(l->in)) {
    snprintf(l->err, l->err_size, "%s: read error", l->path);
    return MODEL_ERR_IO;
  }
  if (c == EOF && len == 0)
    return MODEL_OK;
  l->line[len] = 0;
  l->line_no++;
  if (strlen(l->line) != len)
    return cov_error(l, "NUL byte in the line");
  *got = true;
  return MODEL_OK;
}

static void cov_split(struct cov_loader *l) {
  char *p = l->line;
  l->field_count = 0;
  for (;;) {
    if (l->field_count < COVERAGE_FIELDS)
      l->fields[l->field_count] = p;
    l->field_count++;
    char *tab = strchr(p, '\t');
    if (tab == NULL)
      break;
    *tab = 0;
    p = tab + 1;
  }
}

static bool name_ok(const char *s) {
  size_t len = strlen(s);
  if (len == 0 || len >= REPORT_COVERAGE_NAME_MAX)
    return false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

/* An unsigned decimal of 1 to 12 digits, no sign, no leading zero. */
static bool parse_count(const char *s, uint64_t *out) {
  size_t len = strlen(s);
  uint64_t v = 0;
  if (len == 0 || len > COVERAGE_DIGITS_MAX || (len > 1 && s[0] == '0'))
    return false;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10u + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return true;
}

void report_coverage_pct(uint64_t covered, uint64_t total, char buf[REPORT_COVERAGE_PCT_SIZE]) {
  uint64_t hundredths = total == 0 ? 10000u : covered * 10000u / total;
  snprintf(buf, REPORT_COVERAGE_PCT_SIZE, "%u.%02u", (unsigned)(hundredths / 100u),
           (unsigned)(hundredths % 100u));
}

/* COVERED TOTAL PCT at fields[first..first+2]: counts, covered <= total, and
 * the percentage the counts give. */
static MODEL_MUST_USE model_err cov_figure(struct cov_loader *l, size_t first, const char *what,
                                           uint64_t *covered, uint64_t *total) {
  char pct[REPORT_COVERAGE_PCT_SIZE];
  if (!parse_count(l->fields[first], covered) || !parse_count(l->fields[first + 1], total))
    return cov_error(l,
                     "%s counts must be unsigned integers of at most %u digits, got '%.20s' "
                     "and '%.20s'",
                     what, COVERAGE_DIGITS_MAX, l->fields[first], l->fields[first + 1]);
  if (*covered > *total)
    return cov_error(l, "%s covered %llu is more than the total %llu", what,
                     (unsigned long long)*covered, (unsigned long long)*total);
  report_coverage_pct(*covered, *total, pct);
  if (strcmp(pct, l->fields[first + 2]) != 0)
    return cov_error(l, "%s percentage '%.20s' does not match %llu of %llu (%s)", what,
                     l->fields[first + 2], (unsigned long long)*covered, (unsigned long long)*total,
                     pct);
  return MODEL_OK;
}

static MODEL_MUST_USE model_err cov_module(struct cov_loader *l, struct report_coverage *cov) {
  cov_split(l);
  if (l->field_count != COVERAGE_FIELDS)
    return cov_error(l, "want %u tab-separated fields, got %zu", COVERAGE_FIELDS, l->field_count);
  if (!name_ok(l->fields[0]))
    return cov_error(l, "bad module name '%.40s' (1 to %u of A-Z a-z 0-9 _ . -)", l->fields[0],
                     REPORT_COVERAGE_NAME_MAX - 1u);
  for (size_t i = 0; i < cov->module_count; i++) {
    if (strcmp(cov->modules[i].name, l->fields[0]) == 0)
      return cov_error(l, "module %s appears twice", l->fields[0]);
  }
  if (cov->module_count == REPORT_COVERAGE_MODULES_MAX)
    return cov_error(l, "more than %u modules", REPORT_COVERAGE_MODULES_MAX);
  struct report_coverage_module *m = &cov->modules[cov->module_count];
  MODEL_TRY(cov_figure(l, 1, "lines", &m->lines_covered, &m->lines_total));
  MODEL_TRY(cov_figure(l, 4, "branches", &m->branches_covered, &m->branches_total));
  if (m->lines_total == 0)
    return cov_error(l, "module %s has no lines", l->fields[0]);
  memcpy(m->name, l->fields[0], strlen(l->fields[0]) + 1);
  cov->module_count++;
  return MODEL_OK;
}

static MODEL_MUST_USE model_err cov_load(struct cov_loader *l, struct report_coverage *cov) {
  bool got;
  MODEL_TRY(cov_read_line(l, &got));
  if (!got) {
    l->line_no = 1;
    return cov_error(l, "empty file (want the modules.tsv header)");
  }
  if (strcmp(l->line, REPORT_COVERAGE_HEADER) != 0)
    return cov_error(l, "not a modules.tsv header (want: %s)",
                     "module lines_covered lines_total line_pct branches_covered branches_total "
                     "branch_pct, tab-separated");
  for (;;) {
    MODEL_TRY(cov_read_line(l, &got));
    if (!got)
      break;
    MODEL_TRY(cov_module(l, cov));
  }
  if (cov->module_count == 0)
    return cov_error(l, "no module after the header");
  return MODEL_OK;
}

model_err report_load_coverage(FILE *in, const char *path, struct report_coverage *cov, char *err,
                               size_t err_size) {
  struct cov_loader l = {.in = in, .path = path, .err = err, .err_size = err_size};
  *cov = (struct report_coverage){0};
  model_err e = cov_load(&l, cov);
  if (e != MODEL_OK)
    *cov = (struct report_coverage){0};
  return e;
}
