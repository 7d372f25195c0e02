/*
 * reports/tests/coverage_test.c: modules.tsv as the report reads it
 * (reports/coverage.h): a good file loads in file order; every malformed
 * line is refused with "file:line: what is wrong" and leaves nothing
 * loaded; percentages are floored to two decimals, never rounded up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "reports/coverage.h"

#define HEAD REPORT_COVERAGE_HEADER "\n"

static model_err load_bytes(const char *text, size_t len, struct report_coverage *cov, char *err,
                            size_t err_size) {
  FILE *f = tmpfile();
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, len, f), len);
  rewind(f);
  model_err e = report_load_coverage(f, "m.tsv", cov, err, err_size);
  fclose(f);
  return e;
}

static model_err load(const char *text, struct report_coverage *cov, char *err, size_t err_size) {
  return load_bytes(text, strlen(text), cov, err, err_size);
}

static void test_coverage_pct_floors_to_hundredths(void **state) {
  (void)state;
  char buf[REPORT_COVERAGE_PCT_SIZE];
  report_coverage_pct(2, 3, buf);
  assert_string_equal(buf, "66.66"); /* not 66.67 */
  report_coverage_pct(18999, 20000, buf);
  assert_string_equal(buf, "94.99"); /* 94.995: below a 95% floor, shown below it */
  report_coverage_pct(1820, 2239, buf);
  assert_string_equal(buf, "81.28");
  report_coverage_pct(0, 7, buf);
  assert_string_equal(buf, "0.00");
  report_coverage_pct(7, 7, buf);
  assert_string_equal(buf, "100.00");
  report_coverage_pct(0, 0, buf);
  assert_string_equal(buf, "100.00"); /* nothing to cover */
  report_coverage_pct(REPORT_COVERAGE_COUNT_MAX - 1u, REPORT_COVERAGE_COUNT_MAX, buf);
  assert_string_equal(buf, "99.99"); /* the largest counts do not overflow */
}

static void test_coverage_load_reads_modules_in_order(void **state) {
  (void)state;
  struct report_coverage cov;
  char err[256] = "";
  assert_int_equal(load(HEAD "model\t1736\t1820\t95.38\t1820\t2239\t81.28\n"
                             "sim\t2\t3\t66.66\t0\t0\t100.00\n"
                             "gated\t1738\t1823\t95.33\t1820\t2239\t81.28\n"
                             "fuzz.x-y_z\t0\t4\t0.00\t0\t2\t0.00", /* no final newline */
                        &cov, err, sizeof err),
                   MODEL_OK);
  assert_int_equal(cov.module_count, 4);
  assert_string_equal(cov.modules[0].name, "model");
  assert_int_equal(cov.modules[0].lines_covered, 1736);
  assert_int_equal(cov.modules[0].lines_total, 1820);
  assert_int_equal(cov.modules[0].branches_covered, 1820);
  assert_int_equal(cov.modules[0].branches_total, 2239);
  assert_string_equal(cov.modules[1].name, "sim");
  assert_int_equal(cov.modules[1].branches_total, 0);
  assert_string_equal(cov.modules[2].name, "gated");
  assert_string_equal(cov.modules[3].name, "fuzz.x-y_z");
  assert_int_equal(cov.modules[3].lines_covered, 0);
}

struct bad_case {
  const char *text;
  const char *err;
};

static void test_coverage_load_errors_name_file_and_line(void **state) {
  (void)state;
  static const struct bad_case cases[] = {
      {"", "m.tsv:1: empty file (want the modules.tsv header)"},
      {"module\tlines\n", "m.tsv:1: not a modules.tsv header"},
      {HEAD, "m.tsv:1: no module after the header"},
      {HEAD "model\t1\t2\t50.00\n", "m.tsv:2: want 7 tab-separated fields, got 4"},
      {HEAD "model\t1\t2\t50.00\t1\t2\t50.00\t\n", "m.tsv:2: want 7 tab-separated fields, got 8"},
      {HEAD "mo del\t1\t2\t50.00\t1\t2\t50.00\n", "m.tsv:2: bad module name 'mo del'"},
      {HEAD "\t1\t2\t50.00\t1\t2\t50.00\n", "m.tsv:2: bad module name ''"},
      {HEAD "abcdefghijabcdefghijabcdefghijab\t1\t2\t50.00\t1\t2\t50.00\n",
       "m.tsv:2: bad module name 'abcdefghijabcdefghijabcdefghijab'"},
      {HEAD "model\t-1\t2\t50.00\t1\t2\t50.00\n",
       "m.tsv:2: lines counts must be unsigned integers of at most 12 digits, got '-1' and '2'"},
      {HEAD "model\t01\t2\t50.00\t1\t2\t50.00\n",
       "m.tsv:2: lines counts must be unsigned integers of at most 12 digits, got '01' and '2'"},
      {HEAD "model\t1\t1000000000000\t0.00\t1\t2\t50.00\n",
       "m.tsv:2: lines counts must be unsigned integers of at most 12 digits, got '1' and "
       "'1000000000000'"},
      {HEAD "model\t1\t2\t50.00\t1\t\t50.00\n",
       "m.tsv:2: branches counts must be unsigned integers of at most 12 digits, got '1' and ''"},
      {HEAD "model\t3\t2\t150.00\t1\t2\t50.00\n",
       "m.tsv:2: lines covered 3 is more than the total 2"},
      {HEAD "model\t1\t2\t50.00\t3\t2\t150.00\n",
       "m.tsv:2: branches covered 3 is more than the total 2"},
      {HEAD "model\t2\t3\t66.67\t1\t2\t50.00\n",
       "m.tsv:2: lines percentage '66.67' does not match 2 of 3 (66.66)"},
      {HEAD "model\t1\t2\t50\t1\t2\t50.00\n",
       "m.tsv:2: lines percentage '50' does not match 1 of 2 (50.00)"},
      {HEAD "model\t1\t2\t50.00\t1\t2\t50.0\n",
       "m.tsv:2: branches percentage '50.0' does not match 1 of 2 (50.00)"},
      {HEAD "model\t0\t0\t100.00\t0\t0\t100.00\n", "m.tsv:2: module model has no lines"},
      {HEAD "model\t1\t2\t50.00\t1\t2\t50.00\nsim\t1\t1\t100.00\t0\t0\t100.00\n"
            "model\t1\t2\t50.00\t1\t2\t50.00\n",
       "m.tsv:4: module model appears twice"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct report_coverage cov;
    char err[256] = "";
    assert_int_equal(load(cases[i].text, &cov, err, sizeof err), MODEL_ERR_INVALID_ARG);
    if (strncmp(err, cases[i].err, strlen(cases[i].err)) != 0)
      fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].err);
    assert_int_equal(cov.module_count, 0); /* nothing half loaded */
  }
}

static void test_coverage_load_rejects_nul_long_lines_and_too_many(void **state) {
  (void)state;
  struct report_coverage cov;
  char err[256] = "";
  static const char nul[] = HEAD "mo\0del\t1\t2\t50.00\t1\t2\t50.00\n";
  assert_int_equal(load_bytes(nul, sizeof nul - 1, &cov, err, sizeof err), MODEL_ERR_INVALID_ARG);
  assert_string_equal(err, "m.tsv:2: NUL byte in the line");

  char text[4096];
  size_t n = (size_t)snprintf(text, sizeof text, "%s", HEAD "model\t");
  memset(text + n, '1', 600);
  text[n + 600] = 0;
  assert_int_equal(load(text, &cov, err, sizeof err), MODEL_ERR_INVALID_ARG);
  assert_string_equal(err, "m.tsv:2: line longer than 512 bytes");

  /* REPORT_COVERAGE_MODULES_MAX modules load; one more does not */
  n = (size_t)snprintf(text, sizeof text, "%s", HEAD);
  for (unsigned i = 0; i < REPORT_COVERAGE_MODULES_MAX; i++)
    n += (size_t)snprintf(text + n, sizeof text - n, "m%u\t1\t1\t100.00\t0\t0\t100.00\n", i);
  assert_int_equal(load(text, &cov, err, sizeof err), MODEL_OK);
  assert_int_equal(cov.module_count, REPORT_COVERAGE_MODULES_MAX);
  snprintf(text + n, sizeof text - n, "extra\t1\t1\t100.00\t0\t0\t100.00\n");
  assert_int_equal(load(text, &cov, err, sizeof err), MODEL_ERR_INVALID_ARG);
  assert_string_equal(err, "m.tsv:34: more than 32 modules");
  assert_int_equal(cov.module_count, 0);
}

static void test_coverage_load_read_error(void **state) {
  (void)state;
  struct report_coverage cov;
  char err[256] = "";
  FILE *f = fopen("/dev/null", "w"); /* reading it fails */
  assert_non_null(f);
  assert_int_equal(report_load_coverage(f, "m.tsv", &cov, err, sizeof err), MODEL_ERR_IO);
  assert_string_equal(err, "m.tsv: read error");
  assert_int_equal(cov.module_count, 0);
  fclose(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_coverage_pct_floors_to_hundredths),
      cmocka_unit_test(test_coverage_load_reads_modules_in_order),
      cmocka_unit_test(test_coverage_load_errors_name_file_and_line),
      cmocka_unit_test(test_coverage_load_rejects_nul_long_lines_and_too_many),
      cmocka_unit_test(test_coverage_load_read_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
