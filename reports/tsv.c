/* reports/tsv.c: see tsv.h. */
#include "reports/tsv.h"

#include <stdarg.h>
#include <string.h>

model_err tsv_error(struct tsv_file *t, const char *fmt, ...) {
  int n = snprintf(t->err, t->err_size, "%s:%lu: ", t->path, t->line_no);
  if (n >= 0 && (size_t)n < t->err_size) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->err + n, t->err_size - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return MODEL_ERR_INVALID_ARG;
}

model_err tsv_read_line(struct tsv_file *t, bool *got) {
  size_t len = 0;
  int c;
  *got = false;
  while ((c = getc(t->in)) != EOF && c != '\n') {
    if (len == t->line_max) {
      t->line_no++;
      return tsv_error(t, "line longer than %zu bytes", t->line_max);
    }
    t->line[len++] = (char)c;
  }
  if (ferror(t->in)) {
    snprintf(t->err, t->err_size, "%s: read error", t->path);
    return MODEL_ERR_IO;
  }
  if (c == EOF && len == 0)
    return MODEL_OK;
  t->line[len] = 0;
  t->line_no++;
  if (strlen(t->line) != len)
    return tsv_error(t, "NUL byte in the line");
  *got = true;
  return MODEL_OK;
}

void tsv_split(struct tsv_file *t) {
  char *p = t->line;
  t->field_count = 0;
  for (;;) {
    if (t->field_count < t->fields_max)
      t->fields[t->field_count] = p;
    t->field_count++;
    char *tab = strchr(p, '\t');
    if (tab == NULL)
      break;
    *tab = 0;
    p = tab + 1;
  }
}
