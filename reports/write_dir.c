/*
 * reports/write_dir.c: the report directory (contract in reports/report.h):
 * creates it (with missing parents, as mkdir -p) and writes each format to
 * its file, checking every write and close.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/report.h"

const char *const report_file_names[REPORT_FILE_COUNT] = {
    "conformance.md", "conformance.html", "conformance.json", "junit.xml", "results.tsv",
};

static model_err io_error(char *err, size_t err_size, const char *path, int errnum) {
  snprintf(err, err_size, "%s: %s", path, strerror(errnum));
  return MODEL_ERR_IO;
}

static bool is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir -p: create each missing component of `dir` in turn. */
static MODEL_MUST_USE model_err make_dirs(const char *dir, char *err, size_t err_size) {
  size_t len = strlen(dir);
  MODEL_ENSURE(len > 0, MODEL_ERR_INVALID_ARG);
  char *path = malloc(len + 1);
  MODEL_ENSURE(path != NULL, MODEL_ERR_NO_MEMORY);
  memcpy(path, dir, len + 1);
  model_err result = MODEL_OK;
  for (size_t i = 1; i <= len && result == MODEL_OK; i++) {
    if (path[i] != '/' && path[i] != 0)
      continue;
    char saved = path[i];
    path[i] = 0;
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
      result = io_error(err, err_size, path, errno);
    else if (!is_dir(path))
      result = io_error(err, err_size, path, ENOTDIR);
    path[i] = saved;
  }
  free(path);
  return result;
}

static model_err write_format(FILE *out, const struct report_set *set, size_t which) {
  switch (which) {
  case 0:
    return report_write_markdown(out, set);
  case 1:
    return report_write_html(out, set);
  case 2:
    return report_write_json(out, set);
  case 3:
    return report_write_junit(out, set);
  default:
    return report_save_results(out, set);
  }
}

static MODEL_MUST_USE model_err write_file(const struct report_set *set, const char *dir,
                                           size_t which, char *err, size_t err_size) {
  size_t len = strlen(dir) + 1 + strlen(report_file_names[which]) + 1;
  char *path = malloc(len);
  MODEL_ENSURE(path != NULL, MODEL_ERR_NO_MEMORY);
  snprintf(path, len, "%s/%s", dir, report_file_names[which]);
  model_err result = MODEL_OK;
  errno = 0;
  FILE *out = fopen(path, "w");
  if (out == NULL) {
    result = io_error(err, err_size, path, errno);
  } else {
    result = write_format(out, set, which);
    int close_failed = fclose(out);
    if (result == MODEL_ERR_IO || (result == MODEL_OK && close_failed != 0))
      result = io_error(err, err_size, path, errno != 0 ? errno : EIO);
    else if (result != MODEL_OK)
      snprintf(err, err_size, "%s: %s", path, model_err_message(result));
  }
  free(path);
  return result;
}

model_err report_write_dir(const struct report_set *set, const char *dir, char *err,
                           size_t err_size) {
  if (dir[0] == 0) {
    snprintf(err, err_size, "the report directory name is empty");
    return MODEL_ERR_INVALID_ARG;
  }
  MODEL_TRY(make_dirs(dir, err, err_size));
  for (size_t i = 0; i < REPORT_FILE_COUNT; i++)
    MODEL_TRY(write_file(set, dir, i, err, err_size));
  return MODEL_OK;
}
