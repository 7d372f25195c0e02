/*
 * reports/tsv.h: reading the tab-separated files viosim writes and reads
 * back (results.tsv, the coverage table), a line at a time, with every
 * error naming file and line. Internal to reports/.
 */
#ifndef VIOSIM_REPORTS_TSV_H
#define VIOSIM_REPORTS_TSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model/result.h"

struct tsv_file {
  FILE *in;         /* borrowed */
  const char *path; /* for messages */
  char *err;        /* borrowed: "path:line: message" on an error */
  size_t err_size;
  unsigned long line_no; /* of the line read last */
  char *line;            /* borrowed: line_max + 1 bytes */
  size_t line_max;
  char **fields; /* borrowed: fields_max entries, into line (tsv_split) */
  size_t fields_max;
  size_t field_count; /* as found: may exceed fields_max (the rest not kept) */
};

/* Write "path:line: " and the message into t->err; MODEL_ERR_INVALID_ARG. */
__attribute__((format(printf, 2, 3))) model_err tsv_error(struct tsv_file *t, const char *fmt, ...);
/* Read the next line without its newline into t->line; *got false at the
 * end of the file. A line over line_max bytes or with a NUL byte is an
 * error; so is a read error (MODEL_ERR_IO). */
MODEL_MUST_USE model_err tsv_read_line(struct tsv_file *t, bool *got);
/* Split t->line at its tabs into t->fields. */
void tsv_split(struct tsv_file *t);

#endif
