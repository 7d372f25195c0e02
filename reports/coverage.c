/*
 * reports/coverage.c: loading modules.tsv (contract in reports/coverage.h).
 *
 * One pass, line by line, straight into `cov`, which is emptied again on an
 * error, so a malformed file leaves nothing half loaded.
 */
#include "reports/coverage.h"
#include "reports/tsv.h"

#include <stdbool.h>
#include <string.h>

#define COVERAGE_LINE_MAX   512u
#define COVERAGE_FIELDS     7u
#define COVERAGE_DIGITS_MAX 12u

struct cov_loader {
  struct tsv_file f;
  char line[COVERAGE_LINE_MAX + 1];
  char *fields[COVERAGE_FIELDS];
};

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
    return tsv_error(&l->f,
                     "%s counts must be unsigned integers of at most %u digits, got '%.20s' "
                     "and '%.20s'",
                     what, COVERAGE_DIGITS_MAX, l->fields[first], l->fields[first + 1]);
  if (*covered > *total)
    return tsv_error(&l->f, "%s covered %llu is more than the total %llu", what,
                     (unsigned long long)*covered, (unsigned long long)*total);
  report_coverage_pct(*covered, *total, pct);
  if (strcmp(pct, l->fields[first + 2]) != 0)
    return tsv_error(&l->f, "%s percentage '%.20s' does not match %llu of %llu (%s)", what,
                     l->fields[first + 2], (unsigned long long)*covered, (unsigned long long)*total,
                     pct);
  return MODEL_OK;
}

static MODEL_MUST_USE model_err cov_module(struct cov_loader *l, struct report_coverage *cov) {
  tsv_split(&l->f);
  if (l->f.field_count != COVERAGE_FIELDS)
    return tsv_error(&l->f, "want %u tab-separated fields, got %zu", COVERAGE_FIELDS,
                     l->f.field_count);
  if (!name_ok(l->fields[0]))
    return tsv_error(&l->f, "bad module name '%.40s' (1 to %u of A-Z a-z 0-9 _ . -)", l->fields[0],
                     REPORT_COVERAGE_NAME_MAX - 1u);
  for (size_t i = 0; i < cov->module_count; i++) {
    if (strcmp(cov->modules[i].name, l->fields[0]) == 0)
      return tsv_error(&l->f, "module %s appears twice", l->fields[0]);
  }
  if (cov->module_count == REPORT_COVERAGE_MODULES_MAX)
    return tsv_error(&l->f, "more than %u modules", REPORT_COVERAGE_MODULES_MAX);
  struct report_coverage_module *m = &cov->modules[cov->module_count];
  MODEL_TRY(cov_figure(l, 1, "lines", &m->lines_covered, &m->lines_total));
  MODEL_TRY(cov_figure(l, 4, "branches", &m->branches_covered, &m->branches_total));
  if (m->lines_total == 0)
    return tsv_error(&l->f, "module %s has no lines", l->fields[0]);
  memcpy(m->name, l->fields[0], strlen(l->fields[0]) + 1);
  cov->module_count++;
  return MODEL_OK;
}

static MODEL_MUST_USE model_err cov_load(struct cov_loader *l, struct report_coverage *cov) {
  bool got;
  MODEL_TRY(tsv_read_line(&l->f, &got));
  if (!got) {
    l->f.line_no = 1;
    return tsv_error(&l->f, "empty file (want the modules.tsv header)");
  }
  if (strcmp(l->line, REPORT_COVERAGE_HEADER) != 0)
    return tsv_error(&l->f, "not a modules.tsv header (want: %s)",
                     "module lines_covered lines_total line_pct branches_covered branches_total "
                     "branch_pct, tab-separated");
  for (;;) {
    MODEL_TRY(tsv_read_line(&l->f, &got));
    if (!got)
      break;
    MODEL_TRY(cov_module(l, cov));
  }
  if (cov->module_count == 0)
    return tsv_error(&l->f, "no module after the header");
  return MODEL_OK;
}

model_err report_load_coverage(FILE *in, const char *path, struct report_coverage *cov, char *err,
                               size_t err_size) {
  struct cov_loader l = {.f = {.in = in,
                               .path = path,
                               .err = err,
                               .err_size = err_size,
                               .line_max = COVERAGE_LINE_MAX,
                               .fields_max = COVERAGE_FIELDS}};
  l.f.line = l.line;
  l.f.fields = l.fields;
  *cov = (struct report_coverage){0};
  model_err e = cov_load(&l, cov);
  if (e != MODEL_OK)
    *cov = (struct report_coverage){0};
  return e;
}
