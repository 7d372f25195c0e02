/*
 * reports/tests/results_test.c: report sets and results.tsv (reports/
 * results.h): add_run copies deeply, sorts tallies and drops all-zero ones,
 * and rejects what would break the invariants; a set saved and loaded again
 * is the same set (hostile text included) and saves to the same bytes;
 * malformed files are refused with a precise "file:line:" message and
 * leave the set as it was.
 */
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
#include "reports/results.h"

#define HOSTILE "dir with space/<evil>|\"q\"&\t\n\r\\\x01\x7f\xc3\xa9.vsc"

static size_t index_of(const char *id) {
  const struct model_clause *c = model_catalog_find(id);
  assert_non_null(c);
  return (size_t)(c - model_catalog_at(0));
}

/* A set of two runs with everything a run can carry. */
static void fill(struct report_set *set) {
  struct report_counter counters[2] = {{"buffers", 12}, {"dropped.rx.wire_loss", 3}};
  struct report_tally tallies[3] = {
      {.catalog_index = index_of("2.7.6.1#1"), .evaluated = 9, .violations = 2},
      {.catalog_index = index_of("2.1.1#2"), .evaluated = 4},
      {.catalog_index = index_of("3.1.1#1"), .evaluated = 0}, /* dropped: all zero */
  };
  tallies[0].first =
      (struct report_violation){.time_ticks = 1000, .trace_pos = 42, .values = {7, 3, UINT64_MAX}};
  strcpy(tallies[0].first.detail, "avail idx 7 -> 3\ton queue 1\\");
  struct report_run run = {.path = HOSTILE,
                           .seed = UINT64_MAX,
                           .ring = REPORT_RING_PACKED,
                           .passed = false,
                           .message = "line 1\nline 2: \"bad\"",
                           .replay = "viosim run x --seed 1",
                           .trace_hash = 0x0123456789abcdefu,
                           .counters = counters,
                           .counter_count = 2,
                           .monitor_suite = true,
                           .features_seen = 0x130000020u,
                           .tallies = tallies,
                           .tally_count = 3};
  assert_int_equal(report_set_add_run(set, &run), MODEL_OK);
  struct report_run plain = {.path = "scenarios/net/loopback.vsc", .seed = 1, .passed = true};
  assert_int_equal(report_set_add_run(set, &plain), MODEL_OK);
}

/* The bytes report_save_results writes for `set`; caller frees. */
static char *save(const struct report_set *set, size_t *len) {
  FILE *f = tmpfile();
  assert_non_null(f);
  assert_int_equal(report_save_results(f, set), MODEL_OK);
  long n = ftell(f);
  assert_true(n >= 0);
  char *buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  rewind(f);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static model_err load(const char *text, struct report_set *set, char *err, size_t err_size) {
  FILE *f = tmpfile();
  assert_non_null(f);
  fwrite(text, 1, strlen(text), f);
  rewind(f);
  model_err e = report_load_results(f, "r.tsv", set, err, err_size);
  fclose(f);
  return e;
}

static void test_results_add_run_copies_and_sorts(void **state) {
  (void)state;
  struct report_set set;
  report_set_init(&set);
  fill(&set);
  assert_int_equal(set.run_count, 2);
  const struct report_run *r = &set.runs[0];
  assert_string_equal(r->path, HOSTILE);
  assert_int_equal(r->tally_count, 2);
  assert_true(r->tallies[0].catalog_index < r->tallies[1].catalog_index);
  assert_non_null(report_run_tally(r, index_of("2.7.6.1#1")));
  assert_null(report_run_tally(r, index_of("3.1.1#1")));
  assert_string_equal(set.runs[1].message, "");
  assert_string_equal(set.runs[1].replay, "");
  report_set_fini(&set);
  assert_int_equal(set.run_count, 0);
}

static void test_results_add_run_rejects_bad_input(void **state) {
  (void)state;
  struct report_set set;
  report_set_init(&set);
  struct report_tally t[2] = {{.catalog_index = model_catalog_count(), .evaluated = 1}};
  struct report_run run = {.path = "a.vsc", .tallies = t, .tally_count = 1};
  assert_int_equal(report_set_add_run(&set, &run), MODEL_ERR_INVALID_ARG);
  t[0].catalog_index = model_catalog_count() - 1; /* the last index is fine */
  assert_int_equal(report_set_add_run(&set, &run), MODEL_OK);
  t[1] = t[0];
  run.tally_count = 2; /* the same index twice */
  assert_int_equal(report_set_add_run(&set, &run), MODEL_ERR_INVALID_ARG);
  struct report_counter c[2] = {{"same", 1}, {"same", 2}};
  struct report_run counted = {.path = "a.vsc", .counters = c, .counter_count = 2};
  assert_int_equal(report_set_add_run(&set, &counted), MODEL_ERR_INVALID_ARG);
  strcpy(c[1].name, "has space");
  assert_int_equal(report_set_add_run(&set, &counted), MODEL_ERR_INVALID_ARG);
  strcpy(c[1].name, "other");
  assert_int_equal(report_set_add_run(&set, &counted), MODEL_OK);
  struct report_run no_path = {.path = NULL};
  assert_int_equal(report_set_add_run(&set, &no_path), MODEL_ERR_INVALID_ARG);
  assert_int_equal(set.run_count, 2);
  report_set_fini(&set);
}

static void test_results_round_trip(void **state) {
  (void)state;
  struct report_set a, b;
  char err[256] = "";
  size_t len_a, len_b;
  report_set_init(&a);
  report_set_init(&b);
  fill(&a);
  char *text_a = save(&a, &len_a);
  assert_int_equal(strncmp(text_a, "viosim-results 2\n", 17), 0);
  assert_non_null(strstr(text_a, "\t18446744073709551615\tpacked\tfail\tmonitor\t"));
  assert_non_null(strstr(text_a, "loopback.vsc\t1\tsplit\tpass\tnormal\t"));
  assert_int_equal(a.runs[0].ring, REPORT_RING_PACKED);
  assert_int_equal(load(text_a, &b, err, sizeof err), MODEL_OK);
  assert_int_equal(b.run_count, a.run_count);
  for (size_t i = 0; i < a.run_count; i++) {
    const struct report_run *x = &a.runs[i], *y = &b.runs[i];
    assert_string_equal(x->path, y->path);
    assert_string_equal(x->message, y->message);
    assert_string_equal(x->replay, y->replay);
    assert_true(x->seed == y->seed && x->passed == y->passed);
    assert_int_equal(x->ring, y->ring);
    assert_true(x->trace_hash == y->trace_hash && x->features_seen == y->features_seen);
    assert_true(x->monitor_suite == y->monitor_suite);
    assert_int_equal(x->counter_count, y->counter_count);
    for (size_t k = 0; k < x->counter_count; k++) {
      assert_string_equal(x->counters[k].name, y->counters[k].name);
      assert_true(x->counters[k].value == y->counters[k].value);
    }
    assert_int_equal(x->tally_count, y->tally_count);
    for (size_t k = 0; k < x->tally_count; k++)
      assert_memory_equal(&x->tallies[k], &y->tallies[k], sizeof x->tallies[k]);
  }
  char *text_b = save(&b, &len_b);
  assert_int_equal(len_a, len_b);
  assert_memory_equal(text_a, text_b, len_a);
  free(text_a);
  free(text_b);
  report_set_fini(&a);
  report_set_fini(&b);
}

static void test_results_load_appends_to_the_set(void **state) {
  (void)state;
  struct report_set set;
  char err[256] = "";
  report_set_init(&set);
  fill(&set);
  size_t len;
  char *text = save(&set, &len);
  assert_int_equal(load(text, &set, err, sizeof err), MODEL_OK);
  assert_int_equal(set.run_count, 4);
  assert_int_equal(load("viosim-results 1\n", &set, err, sizeof err), MODEL_OK);
  assert_int_equal(set.run_count, 4);
  free(text);
  report_set_fini(&set);
}

#define RUN  "run\ta.vsc\t1\tpass\tnormal\t0000000000000001\t0000000100000000\n"
#define TEXT "message\t\nreplay\tviosim run a.vsc --seed 1\n"
#define HEAD "viosim-results 1\n"

struct bad_case {
  const char *text;
  const char *error; /* the start of the message */
};

static const struct bad_case g_bad[] = {
    {"", "r.tsv:1: empty file"},
    {"viosim results\n", "r.tsv:1: not a viosim results file"},
    {"viosim-results 3\n", "r.tsv:1: results format version '3' is not supported"},
    {"viosim-results 2\n" RUN, "r.tsv:2: 'run' needs 8 fields, found 7"},
    {"viosim-results 2\nrun\ta.vsc\t1\tround\tpass\tnormal\t0000000000000001\t0000000000000000\n",
     "r.tsv:2: bad ring format 'round'"},
    {HEAD "bogus\n", "r.tsv:2: unknown line kind 'bogus'"},
    {HEAD "message\tx\n", "r.tsv:2: 'message' outside a run"},
    {HEAD "run\ta.vsc\t1\tpass\tnormal\t0000000000000001\n", "r.tsv:2: 'run' needs 7 fields"},
    {HEAD "run\ta.vsc\t-1\tpass\tnormal\t0000000000000001\t0000000000000000\n",
     "r.tsv:2: bad seed '-1'"},
    {HEAD "run\ta.vsc\t18446744073709551616\tpass\tnormal\t0000000000000001\t0000000000000000\n",
     "r.tsv:2: bad seed"},
    {HEAD "run\ta.vsc\t1\tok\tnormal\t0000000000000001\t0000000000000000\n",
     "r.tsv:2: bad result 'ok'"},
    {HEAD "run\ta.vsc\t1\tpass\tweird\t0000000000000001\t0000000000000000\n",
     "r.tsv:2: bad suite 'weird'"},
    {HEAD "run\ta.vsc\t1\tpass\tnormal\t000000000000001\t0000000000000000\n",
     "r.tsv:2: bad trace hash"},
    {HEAD "run\ta\\q.vsc\t1\tpass\tnormal\t0000000000000001\t0000000000000000\n",
     "r.tsv:2: path: bad escape"},
    {HEAD "run\t\t1\tpass\tnormal\t0000000000000001\t0000000000000000\n", "r.tsv:2: empty path"},
    {HEAD RUN "replay\tx\n", "r.tsv:3: 'replay' before 'message'"},
    {HEAD RUN TEXT "message\tagain\n", "r.tsv:5: a second 'message' line"},
    {HEAD RUN "message\t\ncounter\tx\t1\n", "r.tsv:4: 'counter' before 'message' and 'replay'"},
    {HEAD RUN TEXT "counter\tx\t1\ncounter\tx\t2\n", "r.tsv:6: counter x given twice"},
    {HEAD RUN TEXT "counter\tx\tmany\n", "r.tsv:5: bad value 'many' for counter x"},
    {HEAD RUN TEXT "tally\t9.9.9#1\t1\t0\n", "r.tsv:5: unknown statement id '9.9.9#1'"},
    {HEAD RUN TEXT "tally\t2.1.1#1\t1\t0\ntally\t2.1.1#1\t1\t0\n",
     "r.tsv:6: statement 2.1.1#1 tallied twice"},
    {HEAD RUN TEXT "tally\t2.1.1#1\t1\t1\n", "r.tsv:5: a tally has the violation fields"},
    {HEAD RUN TEXT "tally\t2.1.1#1\t1\t0\t1\t2\t3\t4\t5\td\n",
     "r.tsv:5: a tally has the violation fields"},
    {HEAD RUN TEXT "tally\t2.1.1#1\t0\t0\n", "r.tsv:5: an all-zero tally for 2.1.1#1"},
    {HEAD RUN TEXT "tally\t2.1.1#1\t1\t1\t1\tx\t3\t4\t5\td\n", "r.tsv:5: bad trace position 'x'"},
    {HEAD RUN TEXT "tally\t2.1.1#1\t1\t1\t1\t2\t3\t4\t5\t"
                   "0123456789012345678901234567890123456789012345678901234567890123456789"
                   "0123456789012345678901234567890123456789012345678901234567890123456789"
                   "01234567890123456789\n",
     "r.tsv:5: detail: longer than 159 bytes"},
    {HEAD RUN TEXT "end\textra\n", "r.tsv:5: 'end' needs 1 fields, found 2"},
    {HEAD RUN "end\n", "r.tsv:3: 'end' of a run without 'message' and 'replay'"},
    {HEAD RUN TEXT RUN, "r.tsv:5: 'run' before the 'end' of the run started on line 2"},
    {HEAD RUN TEXT, "r.tsv:2: the run started here has no 'end' line"},
    {HEAD RUN TEXT "end\r\n", "r.tsv:5: unknown line kind 'end\r'"},
    {HEAD "end\n", "r.tsv:2: 'end' outside a run"},
};

static void test_results_load_errors_name_file_and_line(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof g_bad / sizeof g_bad[0]; i++) {
    struct report_set set;
    char err[512] = "";
    report_set_init(&set);
    model_err e = load(g_bad[i].text, &set, err, sizeof err);
    if (e != MODEL_ERR_INVALID_ARG || strncmp(err, g_bad[i].error, strlen(g_bad[i].error)) != 0)
      fail_msg("case %zu: got %d '%s', want '%s'", i, (int)e, err, g_bad[i].error);
    assert_int_equal(set.run_count, 0);
    report_set_fini(&set);
  }
}

/* The accepting twin of the cases above: the smallest complete file. */
static void test_results_load_minimal_run(void **state) {
  (void)state;
  struct report_set set;
  char err[256] = "";
  report_set_init(&set);
  assert_int_equal(load(HEAD RUN TEXT "tally\t2.1.1#1\t1\t1\t1\t2\t3\t4\t5\td\\tx\nend\n", &set,
                        err, sizeof err),
                   MODEL_OK);
  assert_int_equal(set.run_count, 1);
  assert_string_equal(set.runs[0].tallies[0].first.detail, "d\tx");
  assert_true(set.runs[0].features_seen == 0x100000000u);
  assert_int_equal(set.runs[0].ring, REPORT_RING_SPLIT); /* version 1: split */
  /* version 2 names the ring */
  assert_int_equal(load("viosim-results 2\nrun\ta.vsc\t1\tpacked\tfail\tmonitor\t"
                        "0000000000000001\t0000000000000002\n" TEXT "end\n",
                        &set, err, sizeof err),
                   MODEL_OK);
  assert_int_equal(set.runs[1].ring, REPORT_RING_PACKED);
  assert_false(set.runs[1].passed);
  assert_true(set.runs[1].monitor_suite && set.runs[1].trace_hash == 1u);
  assert_true(set.runs[1].features_seen == 2u);
  report_set_fini(&set);
  report_set_init(&set);
  /* no final newline is fine too */
  assert_int_equal(load(HEAD RUN TEXT "end", &set, err, sizeof err), MODEL_OK);
  assert_int_equal(set.run_count, 1);
  assert_int_equal(set.runs[0].tally_count, 0);
  report_set_fini(&set);
}

static void test_results_failed_load_keeps_earlier_runs(void **state) {
  (void)state;
  struct report_set set;
  char err[256] = "";
  report_set_init(&set);
  assert_int_equal(load(HEAD RUN TEXT "end\n", &set, err, sizeof err), MODEL_OK);
  assert_int_equal(load(HEAD RUN TEXT "end\n" RUN TEXT "bogus\n", &set, err, sizeof err),
                   MODEL_ERR_INVALID_ARG);
  assert_string_equal(err, "r.tsv:9: unknown line kind 'bogus'");
  assert_int_equal(set.run_count, 1);
  report_set_fini(&set);
}

static void test_results_load_rejects_nul_and_long_lines(void **state) {
  (void)state;
  struct report_set set;
  char err[256] = "";
  report_set_init(&set);
  FILE *f = tmpfile();
  assert_non_null(f);
  fwrite(HEAD "ru\0n\n", 1, sizeof(HEAD "ru\0n\n") - 1, f);
  rewind(f);
  assert_int_equal(report_load_results(f, "r.tsv", &set, err, sizeof err), MODEL_ERR_INVALID_ARG);
  assert_string_equal(err, "r.tsv:2: NUL byte in the line");
  fclose(f);
  f = tmpfile();
  assert_non_null(f);
  fputs(HEAD "run\t", f);
  for (size_t i = 0; i < 5u * REPORT_TEXT_MAX; i++)
    fputc('a', f);
  rewind(f);
  assert_int_equal(report_load_results(f, "r.tsv", &set, err, sizeof err), MODEL_ERR_INVALID_ARG);
  assert_int_equal(strncmp(err, "r.tsv:2: line longer than", 25), 0);
  fclose(f);
  report_set_fini(&set);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_results_add_run_copies_and_sorts),
      cmocka_unit_test(test_results_add_run_rejects_bad_input),
      cmocka_unit_test(test_results_round_trip),
      cmocka_unit_test(test_results_load_appends_to_the_set),
      cmocka_unit_test(test_results_load_errors_name_file_and_line),
      cmocka_unit_test(test_results_load_minimal_run),
      cmocka_unit_test(test_results_failed_load_keeps_earlier_runs),
      cmocka_unit_test(test_results_load_rejects_nul_and_long_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
