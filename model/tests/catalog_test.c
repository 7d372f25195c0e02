/*
 * model/tests/catalog_test.c: the clause catalog (model/catalog.c) against
 * the spec's own catalog of normative sections, ../shared/spec/clauses.tsv
 * (VIOSIM_CLAUSES_TSV), and against the spec text in the same folder:
 *  - every in-scope section has exactly must + should entries, numbered
 *    #1..#n without gaps, with the TSV's target and area;
 *  - each entry's level is the keyword at that position in the section text;
 *  - ids are unique, entries follow the TSV (spec) order, nothing is out of
 *    scope; summaries are one line, under 160 characters, prefixed by their
 *    target; feature conditions name a real feature; find() works.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/catalog.h"
#include "model/virtio.h"

#ifndef VIOSIM_CLAUSES_TSV
#error "VIOSIM_CLAUSES_TSV must name ../shared/spec/clauses.tsv"
#endif

#define MAX_ROWS       256u
#define MAX_KEYWORDS   64u
#define LINE_MAX_BYTES 4096u

/* The sections in scope, by whole id components ("5.1.9.5.1" covers
 * 5.1.9.5.1.1 but not 5.1.9.5.10). */
static const char *const scope_prefixes[] = {
    "2.1",       "2.2",       "2.4",       "2.5",   "2.6",     "2.7",     "2.8",
    "3.1",       "3.3",       "4.2",       "5.1.4", "5.1.9.2", "5.1.9.3", "5.1.9.4.1",
    "5.1.9.4.2", "5.1.9.5.1", "5.1.9.5.2", "6.1",   "6.2",
};

static const char *const spec_files[] = {
    "02-basic-facilities.md", "03-init-and-operation.md",    "04-transports-pci-mmio.md",
    "05-network-device.md",   "06-reserved-feature-bits.md",
};

struct tsv_row {
  char id[32];
  char target[16];
  char area[32];
  unsigned must;
  unsigned should;
  bool in_scope;
  /* keywords of the section text, in order, as read from the spec */
  unsigned keyword_count;
  enum model_level keywords[MAX_KEYWORDS];
};

static struct tsv_row rows[MAX_ROWS];
static size_t row_count;

static bool id_in_scope(const char *id) {
  for (size_t i = 0; i < sizeof scope_prefixes / sizeof scope_prefixes[0]; i++) {
    size_t len = strlen(scope_prefixes[i]);
    if (strncmp(id, scope_prefixes[i], len) == 0 && (id[len] == '\0' || id[len] == '.'))
      return true;
  }
  return false;
}

static struct tsv_row *row_find(const char *id) {
  for (size_t i = 0; i < row_count; i++) {
    if (strcmp(rows[i].id, id) == 0)
      return &rows[i];
  }
  return NULL;
}

/* Splits a TSV line in place; returns the number of fields. */
static size_t tsv_split(char *line, char **fields, size_t max_fields) {
  size_t count = 0;
  line[strcspn(line, "\r\n")] = '\0';
  char *cursor = line;
  while (count < max_fields) {
    fields[count++] = cursor;
    char *tab = strchr(cursor, '\t');
    if (tab == NULL)
      break;
    *tab = '\0';
    cursor = tab + 1;
  }
  return count;
}

static void copy_field(char *dst, size_t dst_size, const char *src) {
  (void)snprintf(dst, dst_size, "%s", src);
}

/* Columns by name from the header: id, target, area, must, should. */
static bool tsv_columns(char **fields, size_t count, size_t col[5]) {
  static const char *const names[5] = {"id", "target", "area", "must", "should"};
  for (size_t n = 0; n < 5; n++) {
    col[n] = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
      if (strcmp(fields[i], names[n]) == 0)
        col[n] = i;
    }
    if (col[n] == SIZE_MAX)
      return false;
  }
  return true;
}

static bool tsv_load(const char *path) {
  FILE *file = fopen(path, "r");
  if (file == NULL)
    return false;
  static char line[LINE_MAX_BYTES];
  char *fields[16];
  size_t col[5] = {0};
  bool ok = fgets(line, sizeof line, file) != NULL &&
            tsv_columns(fields, tsv_split(line, fields, 16), col);
  while (ok && fgets(line, sizeof line, file) != NULL) {
    size_t count = tsv_split(line, fields, 16);
    if (count == 1 && fields[0][0] == '\0')
      continue;
    if (count <= col[4] || row_count == MAX_ROWS) {
      ok = false;
      break;
    }
    struct tsv_row *row = &rows[row_count++];
    copy_field(row->id, sizeof row->id, fields[col[0]]);
    copy_field(row->target, sizeof row->target, fields[col[1]]);
    copy_field(row->area, sizeof row->area, fields[col[2]]);
    row->must = (unsigned)strtoul(fields[col[3]], NULL, 10);
    row->should = (unsigned)strtoul(fields[col[4]], NULL, 10);
    row->in_scope = id_in_scope(row->id);
  }
  (void)fclose(file);
  return ok && row_count > 0;
}

static bool is_word_char(char c) {
  return isalnum((unsigned char)c) || c == '_';
}

/* Appends the MUST / SHOULD keywords of one line, in order, to row. */
static void scan_keywords(const char *line, struct tsv_row *row) {
  for (size_t i = 0; line[i] != '\0'; i++) {
    if (i > 0 && is_word_char(line[i - 1]))
      continue;
    size_t len = 0;
    enum model_level level = MODEL_LEVEL_MUST;
    if (strncmp(line + i, "MUST", 4) == 0) {
      len = 4;
    } else if (strncmp(line + i, "SHOULD", 6) == 0) {
      len = 6;
      level = MODEL_LEVEL_SHOULD;
    }
    if (len == 0 || is_word_char(line[i + len]))
      continue;
    if (row->keyword_count < MAX_KEYWORDS)
      row->keywords[row->keyword_count] = level;
    row->keyword_count++;
  }
}

/* A heading is '#'s, a space, then the section number: returns the row it
 * opens (NULL for a section not in the TSV); *is_heading says whether the
 * line was a heading at all. */
static struct tsv_row *heading_row(const char *line, bool *is_heading) {
  size_t hashes = strspn(line, "#");
  *is_heading = hashes > 0 && line[hashes] == ' ';
  if (!*is_heading)
    return NULL;
  char id[32] = {0};
  const char *start = line + hashes + 1;
  size_t len = strcspn(start, " \r\n");
  if (len == 0 || len >= sizeof id)
    return NULL;
  memcpy(id, start, len);
  return row_find(id);
}

static bool spec_load(const char *dir) {
  static char line[LINE_MAX_BYTES];
  for (size_t f = 0; f < sizeof spec_files / sizeof spec_files[0]; f++) {
    char path[1024];
    (void)snprintf(path, sizeof path, "%.900s/%.100s", dir, spec_files[f]);
    FILE *file = fopen(path, "r");
    if (file == NULL)
      return false;
    struct tsv_row *current = NULL;
    while (fgets(line, sizeof line, file) != NULL) {
      bool is_heading = false;
      struct tsv_row *opened = heading_row(line, &is_heading);
      if (is_heading) {
        current = opened;
        continue;
      }
      if (current != NULL)
        scan_keywords(line, current);
    }
    (void)fclose(file);
  }
  return true;
}

static int group_setup(void **state) {
  (void)state;
  if (!tsv_load(VIOSIM_CLAUSES_TSV))
    return -1;
  char dir[1024];
  copy_field(dir, sizeof dir, VIOSIM_CLAUSES_TSV);
  char *slash = strrchr(dir, '/');
  if (slash == NULL)
    return -1;
  *slash = '\0';
  return spec_load(dir) ? 0 : -1;
}

/* ---- the tests ---- */

static void test_catalog_spec_parse_agrees_with_tsv(void **state) {
  (void)state;
  /* Guards the parser below: the keyword counts read from the text are the
   * TSV's for every in-scope section. */
  for (size_t i = 0; i < row_count; i++) {
    if (!rows[i].in_scope)
      continue;
    assert_int_equal(rows[i].keyword_count, rows[i].must + rows[i].should);
  }
}

static void test_catalog_every_section_has_all_its_entries(void **state) {
  (void)state;
  for (size_t i = 0; i < row_count; i++) {
    const struct tsv_row *row = &rows[i];
    if (!row->in_scope)
      continue;
    size_t first = model_catalog_section_first(row->id);
    unsigned n = 0;
    unsigned must = 0;
    for (size_t k = first; k < model_catalog_count(); k++) {
      const struct model_clause *clause = model_catalog_at(k);
      if (strcmp(clause->section, row->id) != 0)
        break;
      n++;
      char want_id[48];
      (void)snprintf(want_id, sizeof want_id, "%.31s#%u", row->id, n);
      assert_string_equal(clause->id, want_id);
      assert_string_equal(model_target_name(clause->target), row->target);
      assert_string_equal(clause->area, row->area);
      must += clause->level == MODEL_LEVEL_MUST ? 1u : 0u;
    }
    assert_int_equal(n, row->must + row->should);
    assert_int_equal(must, row->must);
  }
}

static void test_catalog_levels_follow_the_spec_keywords(void **state) {
  (void)state;
  for (size_t k = 0; k < model_catalog_count(); k++) {
    const struct model_clause *clause = model_catalog_at(k);
    const struct tsv_row *row = row_find(clause->section);
    assert_non_null(row);
    const char *hash = strchr(clause->id, '#');
    assert_non_null(hash);
    unsigned long n = strtoul(hash + 1, NULL, 10);
    assert_true(n >= 1 && n <= row->keyword_count && n <= MAX_KEYWORDS);
    assert_int_equal(clause->level, row->keywords[n - 1]);
  }
}

static void test_catalog_ids_are_unique(void **state) {
  (void)state;
  for (size_t a = 0; a < model_catalog_count(); a++) {
    for (size_t b = a + 1; b < model_catalog_count(); b++)
      assert_string_not_equal(model_catalog_at(a)->id, model_catalog_at(b)->id);
  }
}

static void test_catalog_entries_in_spec_order(void **state) {
  (void)state;
  /* Walk the TSV's in-scope rows and the catalog together. */
  size_t k = 0;
  for (size_t i = 0; i < row_count; i++) {
    if (!rows[i].in_scope)
      continue;
    unsigned n = rows[i].must + rows[i].should;
    for (unsigned j = 1; j <= n; j++, k++) {
      assert_true(k < model_catalog_count());
      char want_id[48];
      (void)snprintf(want_id, sizeof want_id, "%.31s#%u", rows[i].id, j);
      assert_string_equal(model_catalog_at(k)->id, want_id);
    }
  }
  assert_int_equal(k, model_catalog_count());
}

static void test_catalog_no_entry_out_of_scope(void **state) {
  (void)state;
  for (size_t k = 0; k < model_catalog_count(); k++) {
    const struct model_clause *clause = model_catalog_at(k);
    const struct tsv_row *row = row_find(clause->section);
    assert_non_null(row);
    assert_true(row->in_scope);
    /* the id is the section plus "#n" */
    size_t len = strlen(clause->section);
    assert_memory_equal(clause->id, clause->section, len);
    assert_int_equal(clause->id[len], '#');
  }
  /* twins: sections just outside the scope have no entry */
  assert_int_equal(model_catalog_section_first("5.1.9.5.10.5"), model_catalog_count());
  assert_int_equal(model_catalog_section_first("5.1.9.5.11.12"), model_catalog_count());
  assert_int_equal(model_catalog_section_first("4.1.1"), model_catalog_count());
  assert_int_equal(model_catalog_section_first("3.4.1"), model_catalog_count());
  assert_null(model_catalog_find("5.1.9.4.4.4#1"));
}

static void test_catalog_summaries_are_short_own_lines(void **state) {
  (void)state;
  for (size_t k = 0; k < model_catalog_count(); k++) {
    const struct model_clause *clause = model_catalog_at(k);
    assert_non_null(clause->summary);
    size_t len = strlen(clause->summary);
    assert_true(len > 0 && len < 160);
    assert_null(strchr(clause->summary, '\n'));
    char prefix[16];
    (void)snprintf(prefix, sizeof prefix, "%s: ", model_target_name(clause->target));
    assert_memory_equal(clause->summary, prefix, strlen(prefix));
    assert_true(len > strlen(prefix));
  }
}

static void test_catalog_features_are_named(void **state) {
  (void)state;
  for (size_t k = 0; k < model_catalog_count(); k++) {
    const struct model_clause *clause = model_catalog_at(k);
    if (clause->feature == MODEL_CLAUSE_NO_FEATURE) {
      assert_int_equal(clause->feature_when, MODEL_FEATURE_WHEN_NEGOTIATED);
      continue;
    }
    assert_non_null(model_feature_name(VIRTIO_ID_NET, clause->feature));
  }
  const struct model_clause *clause = model_catalog_find("2.7.7.2#6");
  assert_non_null(clause);
  assert_int_equal(clause->feature, VIRTIO_F_EVENT_IDX);
  assert_int_equal(clause->feature_when, MODEL_FEATURE_WHEN_NEGOTIATED);
  clause = model_catalog_find("2.7.7.2#1");
  assert_non_null(clause);
  assert_int_equal(clause->feature_when, MODEL_FEATURE_WHEN_NOT_NEGOTIATED);
}

static void test_catalog_find_by_id(void **state) {
  (void)state;
  for (size_t k = 0; k < model_catalog_count(); k++)
    assert_ptr_equal(model_catalog_find(model_catalog_at(k)->id), model_catalog_at(k));
  /* twins: one past the last keyword, #0, bare section, junk */
  assert_non_null(model_catalog_find("2.1.1#4"));
  assert_null(model_catalog_find("2.1.1#5"));
  assert_null(model_catalog_find("2.1.1#0"));
  assert_null(model_catalog_find("2.1.1"));
  assert_null(model_catalog_find("2.1.1#"));
  assert_null(model_catalog_find(""));
  assert_null(model_catalog_find(NULL));
  assert_null(model_catalog_at(model_catalog_count()));
  assert_int_equal(model_catalog_section_first(NULL), model_catalog_count());
}

static void test_catalog_names(void **state) {
  (void)state;
  assert_string_equal(model_target_name(MODEL_TARGET_DRIVER), "driver");
  assert_string_equal(model_target_name(MODEL_TARGET_DEVICE), "device");
  assert_string_equal(model_level_name(MODEL_LEVEL_MUST), "MUST");
  assert_string_equal(model_level_name(MODEL_LEVEL_SHOULD), "SHOULD");
  assert_string_equal(model_feature_when_name(MODEL_FEATURE_WHEN_NEGOTIATED), "negotiated");
  assert_string_equal(model_feature_when_name(MODEL_FEATURE_WHEN_NOT_NEGOTIATED), "not negotiated");
  assert_string_equal(model_feature_when_name(MODEL_FEATURE_WHEN_OFFERED), "offered");
  assert_string_equal(model_feature_when_name(MODEL_FEATURE_WHEN_NOT_OFFERED), "not offered");
}

/* A value outside its enum (a corrupt or future one) has a name too. */
static void test_catalog_names_of_values_out_of_range(void **state) {
  (void)state;
  assert_string_equal(model_target_name((enum model_target)7), "?");
  assert_string_equal(model_level_name((enum model_level)7), "?");
  assert_string_equal(model_feature_when_name((enum model_feature_when)7), "?");
}

static void test_catalog_counts_per_target(void **state) {
  (void)state;
  unsigned want = 0;
  for (size_t i = 0; i < row_count; i++)
    want += rows[i].in_scope ? rows[i].must + rows[i].should : 0u;
  unsigned per_target[2][2] = {{0}};
  for (size_t k = 0; k < model_catalog_count(); k++) {
    const struct model_clause *clause = model_catalog_at(k);
    per_target[clause->target == MODEL_TARGET_DEVICE][clause->level == MODEL_LEVEL_SHOULD]++;
  }
  assert_int_equal(model_catalog_count(), want);
  print_message("catalog: %zu entries; driver %u MUST + %u SHOULD; device %u MUST + %u SHOULD\n",
                model_catalog_count(), per_target[0][0], per_target[0][1], per_target[1][0],
                per_target[1][1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_catalog_spec_parse_agrees_with_tsv),
      cmocka_unit_test(test_catalog_every_section_has_all_its_entries),
      cmocka_unit_test(test_catalog_levels_follow_the_spec_keywords),
      cmocka_unit_test(test_catalog_ids_are_unique),
      cmocka_unit_test(test_catalog_entries_in_spec_order),
      cmocka_unit_test(test_catalog_no_entry_out_of_scope),
      cmocka_unit_test(test_catalog_summaries_are_short_own_lines),
      cmocka_unit_test(test_catalog_features_are_named),
      cmocka_unit_test(test_catalog_find_by_id),
      cmocka_unit_test(test_catalog_names),
      cmocka_unit_test(test_catalog_names_of_values_out_of_range),
      cmocka_unit_test(test_catalog_counts_per_target),
  };
  return cmocka_run_group_tests(tests, group_setup, NULL);
}
