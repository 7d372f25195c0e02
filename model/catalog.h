/*
 * model/catalog.h: the clause catalog. One entry per normative MUST or SHOULD
 * statement of the sections viosim covers, identified as "<section>#<n>" (the
 * n-th MUST/SHOULD keyword of that "Driver/Device Requirements" section, in
 * the spec's text order), with its target, area, level and a one-line summary
 * in the project's own words. The entries are in spec section order.
 *
 * The catalog is data in model/catalog.c; model/tests/catalog_test.c checks it
 * against ../shared/spec/clauses.tsv (every section in scope is present, with
 * as many entries as the section has MUST and SHOULD keywords).
 */
#ifndef VIOSIM_MODEL_CATALOG_H
#define VIOSIM_MODEL_CATALOG_H

#include <stddef.h>
#include <stdint.h>

enum model_target { MODEL_TARGET_DRIVER, MODEL_TARGET_DEVICE };
enum model_level { MODEL_LEVEL_MUST, MODEL_LEVEL_SHOULD };

/*
 * When a statement applies, relative to its `feature`. The zero value is the
 * common case (the statement is about the feature in use). A report marks a
 * clause N/A when no run met its condition: e.g. a NOT_NEGOTIATED clause is
 * N/A when every run negotiated the feature; an OFFERED one ("accept X if
 * offered") when no device offered it.
 */
enum model_feature_when {
  MODEL_FEATURE_WHEN_NEGOTIATED = 0,
  MODEL_FEATURE_WHEN_NOT_NEGOTIATED,
  MODEL_FEATURE_WHEN_OFFERED,
  MODEL_FEATURE_WHEN_NOT_OFFERED,
};

struct model_clause {
  const char *id;      /* "2.7.7.2#3" */
  const char *section; /* "2.7.7.2" */
  enum model_target target;
  const char *area; /* status, features, config, virtqueue, split, ... as clauses.tsv */
  enum model_level level;
  /* The feature bit the statement depends on (for N/A), or MODEL_CLAUSE_NO_FEATURE. */
  unsigned feature;
  const char *summary; /* one line, our own words */
  /* How the statement depends on `feature` (ignored for NO_FEATURE). */
  enum model_feature_when feature_when;
};
#define MODEL_CLAUSE_NO_FEATURE 0xffffu

size_t model_catalog_count(void);
const struct model_clause *model_catalog_at(size_t index);
/* Exact id lookup ("2.7.7.2#3"); NULL if absent. */
const struct model_clause *model_catalog_find(const char *id);
const char *model_target_name(enum model_target target); /* "driver" / "device" */
const char *model_level_name(enum model_level level);    /* "MUST" / "SHOULD" */
/* "negotiated", "not negotiated", "offered", "not offered" */
const char *model_feature_when_name(enum model_feature_when when);
/* Index of the first entry of `section` ("2.7.7.2"), or model_catalog_count()
 * if the catalog has none; its entries are contiguous from there. */
size_t model_catalog_section_first(const char *section);

#endif
