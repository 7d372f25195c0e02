/*
 * scenarios/tests/readme_names.c: ctest scenarios/readme-misbehaviours.
 * Usage: scn_readme_names_test README.md [--print]
 *
 * scenarios/README.md documents every misbehaviour a scenario can select in
 * two tables: the driver's between the lines "<!-- misbehaviours: driver -->"
 * and "<!-- end of misbehaviours -->", the device's between
 * "<!-- misbehaviours: device -->" and the same end line. This test holds the
 * tables to the halves: each table must be exactly the rows built from
 * drv_misbehave_name/describe (with drv_misbehave_clause) and
 * dev_misbehave_name/describe, in bit order, so the documentation cannot
 * drift from the code. With --print it prints the tables it expects.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "backend/misbehave.h"
#include "frontend/misbehave.h"

#define ROWS_MAX 128u
#define ROW_LEN  512u

struct table {
  char rows[ROWS_MAX][ROW_LEN];
  unsigned count;
};

/* Append src to dst (capacity cap) with '|' escaped for a Markdown cell. */
static void cell_append(char *dst, size_t cap, const char *src) {
  size_t n = strlen(dst);
  for (; *src != '\0' && n + 2 < cap; src++) {
    if (*src == '|')
      dst[n++] = '\\';
    dst[n++] = *src;
  }
  dst[n] = '\0';
}

static void row_make(char *row, const char *name, const char *clause, const char *describe) {
  (void)snprintf(row, ROW_LEN, "| `%s` | %s | ", name, clause);
  cell_append(row, ROW_LEN, describe);
  size_t n = strlen(row);
  if (n + 2 < ROW_LEN)
    memcpy(row + n, " |", 3);
}

/* The device's describe strings end with "(clause)": split it off. */
static void device_row(char *row, unsigned bit) {
  const char *d = dev_misbehave_describe(bit);
  char text[ROW_LEN] = "", clause[64] = "?";
  const char *open = strrchr(d, '(');
  size_t len = strlen(d);
  if (open != NULL && len > 0 && d[len - 1] == ')' && (size_t)(d + len - open) < sizeof clause) {
    memcpy(clause, open + 1, (size_t)(d + len - open) - 2u);
    clause[(size_t)(d + len - open) - 2u] = '\0';
    size_t tlen = (size_t)(open - d);
    while (tlen > 0 && d[tlen - 1] == ' ')
      tlen--;
    if (tlen < sizeof text)
      memcpy(text, d, tlen);
  } else {
    (void)snprintf(text, sizeof text, "%s", d);
  }
  row_make(row, dev_misbehave_name(bit), clause, text);
}

static void expected(struct table *drv, struct table *dev) {
  for (unsigned bit = 0; bit < drv_misbehave_count() && drv->count < ROWS_MAX; bit++)
    row_make(drv->rows[drv->count++], drv_misbehave_name(bit), drv_misbehave_clause(bit),
             drv_misbehave_describe(bit));
  for (unsigned bit = 0; bit < dev_misbehave_count() && dev->count < ROWS_MAX; bit++)
    device_row(dev->rows[dev->count++], bit);
}

/* The rows of the README's table for `who` (lines starting "| `"). */
static bool read_table(const char *path, const char *who, struct table *out) {
  char begin[64], line[ROW_LEN];
  bool inside = false, found = false;
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    perror(path);
    return false;
  }
  (void)snprintf(begin, sizeof begin, "<!-- misbehaviours: %s -->", who);
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\r\n")] = '\0';
    if (strcmp(line, begin) == 0)
      inside = found = true;
    else if (strcmp(line, "<!-- end of misbehaviours -->") == 0)
      inside = false;
    else if (inside && strncmp(line, "| `", 3) == 0 && out->count < ROWS_MAX)
      (void)snprintf(out->rows[out->count++], ROW_LEN, "%s", line);
  }
  fclose(f);
  if (!found)
    printf("README: no line '%s'\n", begin);
  return found;
}

static unsigned compare(const char *who, const struct table *readme, const struct table *code) {
  unsigned errors = 0;
  for (unsigned i = 0; i < code->count || i < readme->count; i++) {
    const char *want = i < code->count ? code->rows[i] : "(no row)";
    const char *got = i < readme->count ? readme->rows[i] : "(no row)";
    if (strcmp(want, got) != 0) {
      printf("README %s table, row %u:\n  expected: %s\n  found:    %s\n", who, i + 1, want, got);
      errors++;
    }
  }
  return errors;
}

static void print_table(const char *who, const char *column, const struct table *t) {
  printf("<!-- misbehaviours: %s -->\n| name | clause | what the %s does |\n|---|---|---|\n", who,
         column);
  for (unsigned i = 0; i < t->count; i++)
    printf("%s\n", t->rows[i]);
  printf("<!-- end of misbehaviours -->\n");
}

int main(int argc, char **argv) {
  static struct table want_drv, want_dev, readme_drv, readme_dev;
  if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "--print") != 0)) {
    fprintf(stderr, "usage: scn_readme_names_test README.md [--print]\n");
    return 2;
  }
  expected(&want_drv, &want_dev);
  if (argc == 3) {
    print_table("driver", "driver", &want_drv);
    printf("\n");
    print_table("device", "device", &want_dev);
    return 0;
  }
  unsigned errors = 0;
  errors += read_table(argv[1], "driver", &readme_drv) ? 0u : 1u;
  errors += read_table(argv[1], "device", &readme_dev) ? 0u : 1u;
  errors += compare("driver", &readme_drv, &want_drv);
  errors += compare("device", &readme_dev, &want_dev);
  printf("readme-misbehaviours: %u driver and %u device rows; %u problem%s%s\n", want_drv.count,
         want_dev.count, errors, errors == 1 ? "" : "s",
         errors == 0 ? "" : " (regenerate with: scn_readme_names_test README.md --print)");
  return errors == 0 ? 0 : 1;
}
