/*
 * reports/tests/text_test.c: the escaping of reports/text.h, format by
 * format: markup characters become text, control characters and invalid
 * UTF-8 never reach a display format raw, valid UTF-8 passes, and the
 * results.tsv escaping round-trips every byte and rejects bad escapes.
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

#include "reports/text.h"

static char g_buf[4096];

/* Run an escaping function into g_buf and return it. */
static const char *esc(void (*fn)(FILE *, const char *), const char *s) {
  FILE *f = tmpfile();
  assert_non_null(f);
  fn(f, s);
  long n = ftell(f);
  assert_true(n >= 0 && (size_t)n < sizeof g_buf);
  rewind(f);
  size_t got = fread(g_buf, 1, (size_t)n, f);
  assert_int_equal(got, (size_t)n);
  g_buf[got] = 0;
  fclose(f);
  return g_buf;
}

static void test_text_html_markup_becomes_entities(void **state) {
  (void)state;
  assert_string_equal(esc(report_text_html, "<script>alert(\"x\" & 'y')</script>"),
                      "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
  assert_string_equal(esc(report_text_html, "plain/path-1.vsc"), "plain/path-1.vsc");
}

static void test_text_html_control_and_bad_utf8_replaced(void **state) {
  (void)state;
  assert_string_equal(esc(report_text_html, "a\x01"
                                            "b\tc\nd\x7f"),
                      "a\xef\xbf\xbd"
                      "b\tc\nd\xef\xbf\xbd");
  /* valid two- and three-byte sequences pass; a lone continuation byte, an
   * overlong encoding and a truncated sequence do not */
  assert_string_equal(esc(report_text_html, "\xc3\xa9\xe2\x82\xac"), "\xc3\xa9\xe2\x82\xac");
  assert_string_equal(esc(report_text_html, "\x80"), "\xef\xbf\xbd");
  assert_string_equal(esc(report_text_html, "\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");
  assert_string_equal(esc(report_text_html, "\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");
  assert_string_equal(esc(report_text_html, "\xed\xa0\x80"), /* a surrogate */
                      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_text_xml_keeps_whitespace_in_attributes(void **state) {
  (void)state;
  assert_string_equal(esc(report_text_xml, "a<b>&\"c\"'\t\n\r]]>"),
                      "a&lt;b&gt;&amp;&quot;c&quot;&apos;&#9;&#10;&#13;]]&gt;");
  assert_string_equal(esc(report_text_xml, "\x01\x1f"), "\xef\xbf\xbd\xef\xbf\xbd");
  assert_string_equal(esc(report_text_xml, "</failure>"), "&lt;/failure&gt;");
}

static void test_text_json_escapes_quotes_controls_and_markup(void **state) {
  (void)state;
  assert_string_equal(esc(report_text_json, "say \"hi\"\\ \n\t\r\x01\x7f"),
                      "say \\\"hi\\\"\\\\ \\n\\t\\r\\u0001\\u007f");
  assert_string_equal(esc(report_text_json, "</script>&"), "\\u003c/script\\u003e\\u0026");
  assert_string_equal(esc(report_text_json, "\xc3\xa9\xff"), "\xc3\xa9\xef\xbf\xbd");
}

static void test_text_md_neutralises_inline_markup(void **state) {
  (void)state;
  assert_string_equal(esc(report_text_md, "a|b*c_d`e[f](g)\\h#i"),
                      "a\\|b\\*c\\_d\\`e\\[f\\](g)\\\\h#i");
  assert_string_equal(esc(report_text_md, "<b>&amp;</b>"), "&lt;b&gt;&amp;amp;&lt;/b&gt;");
  assert_string_equal(esc(report_text_md, "two\nlines\x01"), "two lines ");
}

static void test_text_md_code_span_or_fallback(void **state) {
  (void)state;
  assert_string_equal(esc(report_text_md_code, "viosim run a_b.vsc --seed 3"),
                      "`viosim run a_b.vsc --seed 3`");
  /* a pipe would end the table cell: escaped inside the span */
  assert_string_equal(esc(report_text_md_code, "a|b"), "`a\\|b`");
  /* a backtick would end the span: plain escaped text instead */
  assert_string_equal(esc(report_text_md_code, "a`b"), "a\\`b");
  assert_string_equal(esc(report_text_md_code, "a\nb"), "a b");
}

static void test_text_tsv_escapes_separators(void **state) {
  (void)state;
  assert_string_equal(esc(report_text_tsv, "a\tb\nc\rd\\e\x01\x7f\xc3\xa9"),
                      "a\\tb\\nc\\rd\\\\e\\x01\\x7f\xc3\xa9");
}

static void test_text_tsv_round_trips_every_byte(void **state) {
  (void)state;
  char all[256];
  for (int i = 1; i < 256; i++)
    all[i - 1] = (char)i;
  all[255] = 0;
  const char *enc = esc(report_text_tsv, all);
  for (const char *p = enc; *p != 0; p++) /* no raw separator or control character */
    assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7f);
  char copy[sizeof g_buf];
  strcpy(copy, enc);
  assert_true(report_text_tsv_decode(copy));
  assert_memory_equal(copy, all, 256);
}

static void test_text_tsv_decode_rejects_bad_escapes(void **state) {
  (void)state;
  const char *bad[] = {"a\\q", "trailing\\", "\\x0", "\\xg1", "\\x00", "raw\ttab", "raw\x01"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char field[32];
    strcpy(field, bad[i]);
    assert_false(report_text_tsv_decode(field));
  }
  char ok[] = "\\x41\\\\\\t";
  assert_true(report_text_tsv_decode(ok));
  assert_string_equal(ok, "A\\\t");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_text_html_markup_becomes_entities),
      cmocka_unit_test(test_text_html_control_and_bad_utf8_replaced),
      cmocka_unit_test(test_text_xml_keeps_whitespace_in_attributes),
      cmocka_unit_test(test_text_json_escapes_quotes_controls_and_markup),
      cmocka_unit_test(test_text_md_neutralises_inline_markup),
      cmocka_unit_test(test_text_md_code_span_or_fallback),
      cmocka_unit_test(test_text_tsv_escapes_separators),
      cmocka_unit_test(test_text_tsv_round_trips_every_byte),
      cmocka_unit_test(test_text_tsv_decode_rejects_bad_escapes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
