/*
 * reports/text.h: escaping untrusted text (scenario paths, failure messages,
 * verdict details, counter names) for each output format of reports/. Every
 * function writes `s` to `out` so that the reader sees exactly the text and
 * never markup: a path named `<script>` stays a path in HTML, a message with
 * a quote stays inside its JSON string or XML attribute, a `|` does not split
 * a Markdown table cell, a tab or newline does not split a results.tsv field.
 *
 * Internal to reports/ (the writers and their tests); write errors are left
 * in the stream's error flag, which the callers check once with ferror().
 */
#ifndef VIOSIM_REPORTS_TEXT_H
#define VIOSIM_REPORTS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* HTML text and attribute values (quoted with "): & < > " ' as entities,
 * control characters other than tab and newline as U+FFFD. */
void report_text_html(FILE *out, const char *s);
/* XML 1.0 text and attribute values: & < > " ' as entities; tab, newline
 * and carriage return as character references (so attributes keep them);
 * other control characters, which XML 1.0 cannot carry, as U+FFFD. */
void report_text_xml(FILE *out, const char *s);
/* The inside of a JSON string: " \ and control characters escaped, and < >
 * & as \u escapes so the text is also safe inside an HTML page. Bytes of
 * 0x80 and above are copied as they are (the input is taken to be UTF-8). */
void report_text_json(FILE *out, const char *s);
/* Markdown text inside a table cell: inline markup characters
 * (\ ` * _ [ ] | < > &) neutralised, newlines and control characters
 * as spaces. */
void report_text_md(FILE *out, const char *s);
/* A Markdown code span for a command (copyable as is), safe in a table cell;
 * falls back to report_text_md for text a code span cannot hold. */
void report_text_md_code(FILE *out, const char *s);

/* "s" unless n is 1: "1 run", "2 runs". */
static inline const char *report_plural(uint64_t n) {
  return n == 1 ? "" : "s";
}

/* results.tsv fields: \ tab newline carriage return as \\ \t \n \r, other
 * control characters and DEL as \xHH; other bytes as they are. */
void report_text_tsv(FILE *out, const char *s);
/* The inverse, in place over a NUL-terminated field. False (with the field
 * unchanged or partly decoded) on a bad escape, a raw control character or
 * an escaped NUL. */
bool report_text_tsv_decode(char *field);

#endif
