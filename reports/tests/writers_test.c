/*
 * reports/tests/writers_test.c: the four writers of reports/report.h over
 * a set whose path, message and verdict detail are hostile (markup, quotes,
 * table separators, control characters, invalid UTF-8). Each format must
 * carry the text escaped and never let it act as markup; each must list
 * every catalogued statement; the same set must give the same bytes; and
 * report_write_dir must write the five files.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "model/catalog.h"
#include "model/virtio.h"
#include "reports/report.h"
#include "reports/results.h"

#define EVIL_PATH    "evil <script>alert(\"p\")</script> | *x* & 'q' \x01\xff.vsc"
#define EVIL_MESSAGE "boom </failure> ]]> \"quoted\"\nsecond line | <b>"
#define EVIL_DETAIL  "idx <7> & \"3\" | `tick`"

static size_t index_of(const char *id) {
  const struct model_clause *c = model_catalog_find(id);
  assert_non_null(c);
  return (size_t)(c - model_catalog_at(0));
}

static void fill(struct report_set *set) {
  struct report_tally bad = {
      .catalog_index = index_of("2.7.6.1#1"), .evaluated = 3, .violations = 1};
  bad.first.trace_pos = 99;
  strcpy(bad.first.detail, EVIL_DETAIL);
  struct report_counter counters[1] = {{"buffers", 5}};
  uint64_t features = model_feature_mask(VIRTIO_F_VERSION_1);
  struct report_run evil = {.path = EVIL_PATH,
                            .seed = 7,
                            .passed = false,
                            .message = EVIL_MESSAGE,
                            .replay = "viosim run " EVIL_PATH " --seed 7",
                            .counters = counters,
                            .counter_count = 1,
                            .features_seen = features,
                            .tallies = &bad,
                            .tally_count = 1};
  assert_int_equal(report_set_add_run(set, &evil), MODEL_OK);
  struct report_run self_test = {.path = "monitor/x.vsc",
                                 .seed = 1,
                                 .passed = true,
                                 .replay = "viosim run monitor/x.vsc --seed 1",
                                 .monitor_suite = true,
                                 .features_seen = features,
                                 .tallies = &bad,
                                 .tally_count = 1};
  assert_int_equal(report_set_add_run(set, &self_test), MODEL_OK);
}

/* Coverage as the coverage build's modules.tsv would give it. */
static void fill_coverage(struct report_set *set) {
  set->coverage = (struct report_coverage){
      .modules = {{"model", 954, 1000, 813, 1000}, {"sim", 2, 3, 0, 0}},
      .module_count = 2,
  };
}

typedef model_err (*writer_fn)(FILE *, const struct report_set *);

/* Run a writer over a fresh hostile set, with coverage or not; caller
 * frees the text. */
static char *render_set(writer_fn fn, bool coverage) {
  struct report_set set;
  report_set_init(&set);
  fill(&set);
  if (coverage)
    fill_coverage(&set);
  FILE *f = tmpfile();
  assert_non_null(f);
  assert_int_equal(fn(f, &set), MODEL_OK);
  long n = ftell(f);
  assert_true(n > 0);
  char *buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  rewind(f);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = 0;
  fclose(f);
  report_set_fini(&set);
  assert_int_equal(strlen(buf), (size_t)n); /* no NUL byte inside */
  return buf;
}

static char *render(writer_fn fn) {
  return render_set(fn, false);
}

static size_t count(const char *hay, const char *needle) {
  size_t n = 0;
  for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
    n++;
  return n;
}

/* No control character but newline (and no raw 0xff byte: invalid UTF-8). */
static void assert_clean_bytes(const char *text) {
  for (const unsigned char *p = (const unsigned char *)text; *p != 0; p++) {
    if (*p == '\n')
      continue;
    if (*p < 0x20 || *p == 0x7f || *p == 0xff)
      fail_msg("raw byte 0x%02x at offset %zu", *p, (size_t)(p - (const unsigned char *)text));
  }
}

static void assert_every_statement(const char *text, const char *before, const char *after) {
  for (size_t i = 0; i < model_catalog_count(); i++) {
    char needle[64];
    snprintf(needle, sizeof needle, "%s%s%s", before, model_catalog_at(i)->id, after);
    if (strstr(text, needle) == NULL)
      fail_msg("statement %s missing (looked for '%s')", model_catalog_at(i)->id, needle);
  }
}

static void test_writers_html_escapes_untrusted_text(void **state) {
  (void)state;
  char *html = render(report_write_html);
  assert_int_equal(count(html, "<script"), 1); /* ours only */
  assert_null(strstr(html, "alert(\"p\")"));
  assert_non_null(strstr(html, "evil &lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt; | *x* "
                               "&amp; &#39;q&#39; \xef\xbf\xbd\xef\xbf\xbd.vsc"));
  assert_non_null(strstr(html, "boom &lt;/failure&gt;"));
  assert_non_null(strstr(html, "idx &lt;7&gt; &amp; &quot;3&quot;"));
  assert_null(strstr(html, "src="));  /* no external resource */
  assert_null(strstr(html, "href=")); /* not even a link */
  assert_null(strstr(html, "http"));
  assert_non_null(strstr(html, "document.body.dataset.ready = \"1\""));
  assert_non_null(strstr(html, "<span class=\"v v-FAIL\">FAIL</span>"));
  assert_every_statement(html, "<td>", "</td>");
  assert_clean_bytes(html);
  free(html);
}

static void test_writers_json_escapes_untrusted_text(void **state) {
  (void)state;
  char *json = render(report_write_json);
  assert_non_null(strstr(json, "\"schema\": \"viosim-conformance/1\""));
  assert_non_null(strstr(json,
                         "\"path\": \"evil \\u003cscript\\u003ealert(\\\"p\\\")"
                         "\\u003c/script\\u003e | *x* \\u0026 'q' \\u0001\xef\xbf\xbd.vsc\""));
  assert_non_null(strstr(json, "\"message\": \"boom \\u003c/failure\\u003e ]]\\u003e "
                               "\\\"quoted\\\"\\nsecond line"));
  assert_non_null(strstr(json, "\"verdict\": \"FAIL\""));
  assert_non_null(strstr(json, "\"replay\": \"viosim run evil"));
  assert_every_statement(json, "{\"id\": \"", "\"");
  assert_clean_bytes(json);
  free(json);
}

static void test_writers_junit_escapes_untrusted_text(void **state) {
  (void)state;
  char *xml = render(report_write_junit);
  assert_int_equal(strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39), 0);
  /* one failure element for the failed run, one for the violated statement */
  assert_int_equal(count(xml, "<failure "), 2);
  assert_int_equal(count(xml, "</failure>"), 2);
  assert_non_null(strstr(xml, "message=\"boom &lt;/failure&gt; ]]&gt; &quot;quoted&quot;&#10;"));
  assert_non_null(strstr(xml, "name=\"evil &lt;script&gt;alert(&quot;p&quot;)"));
  assert_non_null(strstr(xml, "replay: viosim run evil &lt;script&gt;"));
  assert_non_null(strstr(xml, "<testsuite name=\"monitor-selftest.checks\""));
  assert_every_statement(xml, "name=\"", " ");
  assert_clean_bytes(xml);
  free(xml);
}

static void test_writers_markdown_escapes_untrusted_text(void **state) {
  (void)state;
  char *md = render(report_write_markdown);
  assert_null(strstr(md, "<script>"));
  assert_null(strstr(md, "</failure>"));
  assert_non_null(strstr(md, "evil &lt;script&gt;alert(\"p\")&lt;/script&gt; \\| \\*x\\* &amp; "
                             "'q'  \xef\xbf\xbd.vsc"));
  assert_non_null(strstr(md, "boom &lt;/failure&gt; \\]\\]&gt; \"quoted\" second line \\|"));
  /* every table row has the right number of unescaped cell separators */
  for (const char *line = md; *line != 0;) {
    const char *end = strchr(line, '\n');
    size_t len = end == NULL ? strlen(line) : (size_t)(end - line);
    if (len > 0 && line[0] == '|') {
      size_t bars = 0;
      for (size_t i = 0; i < len; i++)
        bars += line[i] == '|' && (i == 0 || line[i - 1] != '\\') ? 1u : 0u;
      if (bars != 8 && bars != 7 && bars != 6)
        fail_msg("table row with %zu cells separators: %.*s", bars, (int)len, line);
    }
    line += len + (end != NULL ? 1u : 0u);
  }
  assert_every_statement(md, "| ", " |");
  assert_clean_bytes(md);
  free(md);
}

static void test_writers_same_set_same_bytes(void **state) {
  (void)state;
  writer_fn fns[4] = {report_write_markdown, report_write_html, report_write_json,
                      report_write_junit};
  for (size_t i = 0; i < 4; i++) {
    char *a = render(fns[i]);
    char *b = render(fns[i]);
    assert_string_equal(a, b);
    free(a);
    free(b);
  }
}

static void test_writers_dir_writes_five_files(void **state) {
  (void)state;
  char tmpl[] = "/tmp/viosim-reports-XXXXXX";
  assert_non_null(mkdtemp(tmpl));
  char dir[128], err[256] = "", path[256];
  snprintf(dir, sizeof dir, "%s/a/b", tmpl); /* parents are created */
  struct report_set set;
  report_set_init(&set);
  fill(&set);
  assert_int_equal(report_write_dir(&set, dir, err, sizeof err), MODEL_OK);
  for (size_t i = 0; i < REPORT_FILE_COUNT; i++) {
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, report_file_names[i]);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 0);
    assert_int_equal(unlink(path), 0);
  }
  /* a file where the directory should be: a precise error */
  snprintf(path, sizeof path, "%s/a/b/file", tmpl);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fclose(f);
  assert_int_equal(report_write_dir(&set, path, err, sizeof err), MODEL_ERR_IO);
  assert_non_null(strstr(err, "file"));
  assert_int_equal(unlink(path), 0);
  snprintf(path, sizeof path, "%s/a/b", tmpl);
  assert_int_equal(rmdir(path), 0);
  snprintf(path, sizeof path, "%s/a", tmpl);
  assert_int_equal(rmdir(path), 0);
  assert_int_equal(rmdir(tmpl), 0);
  report_set_fini(&set);
}

/* The "Code coverage" section: present with its rows when the set has
 * coverage (percentages floored: 2 of 3 is 66.66), absent otherwise (JSON:
 * null), and never in JUnit. */
static void test_writers_coverage_section(void **state) {
  (void)state;
  char *md = render_set(report_write_markdown, true);
  assert_int_equal(count(md, "## Code coverage\n"), 1);
  assert_non_null(strstr(md, "| module | lines | branches |\n|---|--:|--:|\n"
                             "| model | 95.40% (954 of 1000) | 81.30% (813 of 1000) |\n"
                             "| sim | 66.66% (2 of 3) | 100.00% (0 of 0) |\n\n"));
  /* after the summary, before the failures */
  assert_true(strstr(md, "## Summary") < strstr(md, "## Code coverage"));
  assert_true(strstr(md, "## Code coverage") < strstr(md, "## Failures"));
  free(md);
  md = render_set(report_write_markdown, false);
  assert_null(strstr(md, "Code coverage"));
  free(md);

  char *html = render_set(report_write_html, true);
  assert_int_equal(count(html, "<h2 id=\"coverage\">Code coverage</h2>"), 1);
  assert_non_null(strstr(html, "<tr><td>model</td><td class=\"n\">95.40% (954 of 1000)</td>"
                               "<td class=\"n\">81.30% (813 of 1000)</td></tr>\n"
                               "<tr><td>sim</td><td class=\"n\">66.66% (2 of 3)</td>"
                               "<td class=\"n\">100.00% (0 of 0)</td></tr>\n"));
  free(html);
  html = render_set(report_write_html, false);
  assert_null(strstr(html, "Code coverage"));
  free(html);

  char *json = render_set(report_write_json, true);
  assert_non_null(strstr(json, "  \"coverage\": [\n"
                               "    {\"module\": \"model\", \"lines_covered\": 954, "
                               "\"lines_total\": 1000, \"line_pct\": 95.40,\n"
                               "     \"branches_covered\": 813, \"branches_total\": 1000, "
                               "\"branch_pct\": 81.30},\n"
                               "    {\"module\": \"sim\", \"lines_covered\": 2, "
                               "\"lines_total\": 3, \"line_pct\": 66.66,\n"
                               "     \"branches_covered\": 0, \"branches_total\": 0, "
                               "\"branch_pct\": 100.00}\n  ]\n}\n"));
  free(json);
  json = render_set(report_write_json, false);
  assert_non_null(strstr(json, "\n  ],\n  \"coverage\": null\n}\n"));
  free(json);

  char *a = render_set(report_write_junit, true);
  char *b = render_set(report_write_junit, false);
  assert_string_equal(a, b);
  free(a);
  free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_writers_html_escapes_untrusted_text),
      cmocka_unit_test(test_writers_json_escapes_untrusted_text),
      cmocka_unit_test(test_writers_junit_escapes_untrusted_text),
      cmocka_unit_test(test_writers_markdown_escapes_untrusted_text),
      cmocka_unit_test(test_writers_same_set_same_bytes),
      cmocka_unit_test(test_writers_dir_writes_five_files),
      cmocka_unit_test(test_writers_coverage_section),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
