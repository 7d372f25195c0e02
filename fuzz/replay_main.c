/*
 * fuzz/replay_main.c: the main of a fuzz target built without libFuzzer.
 * `fuzz_<target> PATH...` runs the target once on every file named, and on
 * every regular file of every directory named (in sorted order, not
 * recursing). A directory without inputs is an error: an empty corpus would
 * make the regression test pass without running anything.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"

#define INPUT_MAX (16u * 1024u * 1024u)

/* Run the target on one file; false (with a message) if it cannot be read. */
static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
    return 0;
  }
  uint8_t *buf = malloc(INPUT_MAX);
  size_t n = buf != NULL ? fread(buf, 1, INPUT_MAX, f) : 0;
  int ok = buf != NULL && !ferror(f) && (n < INPUT_MAX || feof(f));
  fclose(f);
  if (!ok) {
    fprintf(stderr, "fuzz: %s: cannot read (or larger than %u bytes)\n", path, INPUT_MAX);
    free(buf);
    return 0;
  }
  fprintf(stderr, "fuzz: replay %s (%zu bytes)\n", path, n);
  (void)LLVMFuzzerTestOneInput(buf, n);
  free(buf);
  return 1;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, sorted; the count replayed, or -1 on error. */
static long replay_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) {
    fprintf(stderr, "fuzz: %s: %s\n", dir, strerror(errno));
    return -1;
  }
  char **names = NULL;
  size_t count = 0, cap = 0;
  long result = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.')
      continue;
    size_t len = strlen(dir) + strlen(e->d_name) + 2u;
    char *path = malloc(len);
    struct stat st;
    if (path == NULL) {
      result = -1;
      break;
    }
    snprintf(path, len, "%s/%s", dir, e->d_name);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
      free(path);
      continue;
    }
    if (count == cap) {
      cap = cap ? 2u * cap : 64u;
      char **grown = realloc(names, cap * sizeof(*names));
      if (grown == NULL) {
        free(path);
        result = -1;
        break;
      }
      names = grown;
    }
    names[count++] = path;
  }
  closedir(d);
  if (result == 0 && count > 0)
    qsort(names, count, sizeof(*names), compare_names);
  for (size_t i = 0; i < count; i++) {
    if (result >= 0)
      result = replay_file(names[i]) ? result + 1 : -1;
    free(names[i]);
  }
  free(names);
  if (result == 0)
    fprintf(stderr, "fuzz: %s: no inputs\n", dir);
  return result > 0 ? result : -1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
    return 2;
  }
  long total = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      long n = replay_dir(argv[i]);
      if (n < 0)
        return 1;
      total += n;
    } else {
      if (!replay_file(argv[i]))
        return 1;
      total++;
    }
  }
  printf("fuzz: %ld inputs replayed, no finding\n", total);
  return 0;
}
