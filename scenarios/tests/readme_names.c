/*
 * scenarios/tests/readme_names.c: ctest scenarios/readme-misbehaviours.
 * Usage: scn_readme_names_test README.md.
 *
 * scenarios/README.md documents every misbehaviour a scenario can select,
 * in two tables written by hand: the driver's between the lines
 * "<!-- misbehaviours: driver -->" and "<!-- end of misbehaviours -->", the
 * device's between "<!-- misbehaviours: device -->" and the same end line.
 * Each row starts with the name in backquotes: | `skip-irq` | ... |. This
 * test holds the tables to the halves: the names listed must be exactly the
 * names drv_misbehave_name() and dev_misbehave_name() return, each once, so
 * the documentation cannot drift from the code.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/misbehave.h"
#include "frontend/misbehave.h"

#define NAMES_MAX 128u
#define NAME_LEN  64u
#define LINE_MAX_ 1024u

struct names {
  char items[NAMES_MAX][NAME_LEN];
  unsigned count;
};

static bool names_has(const struct names *n, const char *name) {
  for (unsigned i = 0; i < n->count; i++)
    if (strcmp(n->items[i], name) == 0)
      return true;
  return false;
}

static bool names_add(struct names *n, const char *name, size_t len) {
  if (n->count == NAMES_MAX || len == 0 || len >= NAME_LEN)
    return false;
  memcpy(n->items[n->count], name, len);
  n->items[n->count][len] = '\0';
  n->count++;
  return true;
}

/* The names in the README's table for `who`; false if it has none. */
static bool read_table(const char *path, const char *who, struct names *out, unsigned *errors) {
  char begin[64], line[LINE_MAX_];
  bool inside = false, found = false;
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    perror(path);
    (*errors)++;
    return false;
  }
  (void)snprintf(begin, sizeof begin, "<!-- misbehaviours: %s -->", who);
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\r\n")] = '\0';
    if (strcmp(line, begin) == 0) {
      inside = found = true;
    } else if (strcmp(line, "<!-- end of misbehaviours -->") == 0) {
      inside = false;
    } else if (inside && strncmp(line, "| `", 3) == 0) {
      const char *name = line + 3;
      const char *close = strchr(name, '`');
      char copy[NAME_LEN] = "";
      size_t len = close != NULL ? (size_t)(close - name) : 0;
      if (len > 0 && len < NAME_LEN)
        memcpy(copy, name, len);
      if (len > 0 && names_has(out, copy)) {
        printf("README: %s misbehaviour '%s' listed twice\n", who, copy);
        (*errors)++;
      } else if (!names_add(out, name, len)) {
        printf("README: bad %s table row: %s\n", who, line);
        (*errors)++;
      }
    }
  }
  fclose(f);
  if (!found) {
    printf("README: no line '%s'\n", begin);
    (*errors)++;
  }
  return found;
}

/* Compare the README's names with the half's, both ways. */
static void compare(const char *who, const struct names *readme, const struct names *code,
                    unsigned *errors) {
  for (unsigned i = 0; i < code->count; i++) {
    if (!names_has(readme, code->items[i])) {
      printf("README lacks the %s misbehaviour '%s'\n", who, code->items[i]);
      (*errors)++;
    }
  }
  for (unsigned i = 0; i < readme->count; i++) {
    if (!names_has(code, readme->items[i])) {
      printf("README lists '%s', which is no %s misbehaviour\n", readme->items[i], who);
      (*errors)++;
    }
  }
}

/* Every name a half returns, bit by bit; a bit without a name (NULL) is an
 * error of the half's table, reported too. */
static void half_names(const char *who, const char *(*name_of)(unsigned), unsigned count,
                       struct names *out, unsigned *errors) {
  for (unsigned bit = 0; bit < count; bit++) {
    const char *name = name_of(bit);
    if (name == NULL || !names_add(out, name, strlen(name))) {
      printf("%s misbehaviour %u has no usable name\n", who, bit);
      (*errors)++;
    }
  }
}

int main(int argc, char **argv) {
  static struct names readme_drv, readme_dev, code_drv, code_dev;
  unsigned errors = 0;
  if (argc != 2) {
    fprintf(stderr, "usage: scn_readme_names_test README.md\n");
    return 2;
  }
  half_names("driver", drv_misbehave_name, drv_misbehave_count(), &code_drv, &errors);
  half_names("device", dev_misbehave_name, dev_misbehave_count(), &code_dev, &errors);
  if (read_table(argv[1], "driver", &readme_drv, &errors))
    compare("driver", &readme_drv, &code_drv, &errors);
  if (read_table(argv[1], "device", &readme_dev, &errors))
    compare("device", &readme_dev, &code_dev, &errors);
  printf("readme-misbehaviours: %u driver and %u device names; %u problem%s\n", code_drv.count,
         code_dev.count, errors, errors == 1 ? "" : "s");
  return errors == 0 ? 0 : 1;
}
