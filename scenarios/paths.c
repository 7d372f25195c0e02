/*
 * scenarios/paths.c: collecting scenario files (see paths.h). POSIX
 * directory reading; names are sorted before recursing so the result does
 * not depend on the file system's order.
 */
#define _POSIX_C_SOURCE 200809L
#include "scenarios/paths.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static model_err paths_push(struct scn_paths *paths, const char *path) {
  if (paths->count == paths->capacity) {
    size_t cap = paths->capacity ? paths->capacity * 2u : 32u;
    char **grown = realloc(paths->items, cap * sizeof *grown);
    if (grown == NULL)
      return MODEL_ERR_NO_MEMORY;
    paths->items = grown;
    paths->capacity = cap;
  }
  char *copy = malloc(strlen(path) + 1u);
  if (copy == NULL)
    return MODEL_ERR_NO_MEMORY;
  strcpy(copy, path);
  paths->items[paths->count++] = copy;
  return MODEL_OK;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_vsc_ext(const char *name) {
  size_t len = strlen(name);
  return len > 4u && strcmp(name + len - 4u, ".vsc") == 0;
}

/* The entries of dir, without . and .., sorted; *names owned by the caller. */
static model_err read_sorted(const char *dir, char ***names, size_t *count) {
  DIR *d = opendir(dir);
  size_t cap = 0;
  *names = NULL;
  *count = 0;
  if (d == NULL)
    return MODEL_ERR_INVALID_ARG;
  for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || e->d_name[0] == '.')
      continue; /* hidden entries are skipped */
    if (*count == cap) {
      cap = cap ? cap * 2u : 16u;
      char **grown = realloc(*names, cap * sizeof *grown);
      if (grown == NULL)
        break;
      *names = grown;
    }
    char *copy = malloc(strlen(e->d_name) + 1u);
    if (copy == NULL)
      break;
    strcpy(copy, e->d_name);
    (*names)[(*count)++] = copy;
  }
  closedir(d);
  if (*count > 0)
    qsort(*names, *count, sizeof **names, cmp_names);
  return MODEL_OK;
}

static void free_names(char **names, size_t count) {
  for (size_t i = 0; i < count; i++)
    free(names[i]);
  free(names);
}

static model_err walk(struct scn_paths *paths, const char *dir, unsigned depth, char *err,
                      size_t err_size) {
  char **names;
  size_t count;
  if (depth > SCN_PATHS_DEPTH_MAX) {
    (void)snprintf(err, err_size, "%s: directories nested deeper than %u levels", dir,
                   SCN_PATHS_DEPTH_MAX);
    return MODEL_ERR_INVALID_ARG;
  }
  if (read_sorted(dir, &names, &count) != MODEL_OK) {
    (void)snprintf(err, err_size, "%s: cannot read directory: %s", dir, strerror(errno));
    return MODEL_ERR_INVALID_ARG;
  }
  model_err e = MODEL_OK;
  for (size_t i = 0; i < count && e == MODEL_OK; i++) {
    size_t len = strlen(dir) + strlen(names[i]) + 2u;
    char *child = malloc(len);
    struct stat st;
    if (child == NULL) {
      e = MODEL_ERR_NO_MEMORY;
      break;
    }
    (void)snprintf(child, len, "%s%s%s", dir, dir[strlen(dir) - 1u] == '/' ? "" : "/", names[i]);
    if (stat(child, &st) == 0 && S_ISDIR(st.st_mode))
      e = walk(paths, child, depth + 1u, err, err_size);
    else if (has_vsc_ext(names[i]) && paths->count >= SCN_PATHS_FILES_MAX) {
      (void)snprintf(err, err_size, "%s: more than %u scenario files", dir, SCN_PATHS_FILES_MAX);
      e = MODEL_ERR_INVALID_ARG;
    } else if (has_vsc_ext(names[i]))
      e = paths_push(paths, child);
    free(child);
  }
  if (e == MODEL_ERR_NO_MEMORY)
    (void)snprintf(err, err_size, "%s: out of memory", dir);
  free_names(names, count);
  return e;
}

model_err scn_paths_add(struct scn_paths *paths, const char *arg, char *err, size_t err_size) {
  struct stat st;
  if (err_size > 0)
    err[0] = '\0';
  if (arg[0] == '\0' || stat(arg, &st) != 0) {
    (void)snprintf(err, err_size, "%s: %s", arg, arg[0] == '\0' ? "empty path" : strerror(errno));
    return MODEL_ERR_INVALID_ARG;
  }
  if (!S_ISDIR(st.st_mode)) {
    model_err e = paths_push(paths, arg);
    if (e != MODEL_OK)
      (void)snprintf(err, err_size, "%s: out of memory", arg);
    return e;
  }
  size_t before = paths->count;
  MODEL_TRY(walk(paths, arg, 0, err, err_size));
  if (paths->count == before) {
    (void)snprintf(err, err_size, "%s: no scenario files (*.vsc) in this directory", arg);
    return MODEL_ERR_INVALID_ARG;
  }
  return MODEL_OK;
}

void scn_paths_fini(struct scn_paths *paths) {
  for (size_t i = 0; i < paths->count; i++)
    free(paths->items[i]);
  free(paths->items);
  paths->items = NULL;
  paths->count = paths->capacity = 0;
}
