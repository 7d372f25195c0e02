/*
 * reports/text.c: escaping for each output format (contract in
 * reports/text.h).
 *
 * Implementation notes: the four display formats (HTML, XML, JSON, Markdown)
 * share one walk over the input that yields either a single ASCII byte or a
 * whole, valid UTF-8 sequence; an invalid byte becomes U+FFFD. So a report
 * is valid UTF-8 whatever bytes a scenario path holds, which JSON and XML
 * parsers require. results.tsv is byte-exact instead: it must give back the
 * very path it was given.
 */
#include "reports/text.h"

#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD in UTF-8 */

/* Length of the valid UTF-8 sequence starting at s (s[0] >= 0x80), or 0. */
static size_t utf8_sequence_len(const unsigned char *s) {
  size_t len;
  unsigned min;
  unsigned cp;
  if (s[0] >= 0xc2 && s[0] <= 0xdf) {
    len = 2, min = 0x80, cp = s[0] & 0x1fu;
  } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
    len = 3, min = 0x800, cp = s[0] & 0x0fu;
  } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
    len = 4, min = 0x10000, cp = s[0] & 0x07u;
  } else {
    return 0;
  }
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xc0u) != 0x80u) /* also stops at the terminating NUL */
      return 0;
    cp = (cp << 6) | (s[i] & 0x3fu);
  }
  if (cp < min || cp > 0x10ffffu || (cp >= 0xd800u && cp <= 0xdfffu))
    return 0;
  return len;
}

/* Write the non-ASCII sequence at *s (valid, or U+FFFD for one bad byte)
 * and step past it. */
static void put_utf8(FILE *out, const unsigned char **s) {
  size_t len = utf8_sequence_len(*s);
  if (len == 0) {
    fputs(REPLACEMENT, out);
    (*s)++;
    return;
  }
  fwrite(*s, 1, len, out);
  *s += len;
}

void report_text_html(FILE *out, const char *text) {
  const unsigned char *s = (const unsigned char *)text;
  while (*s != 0) {
    unsigned char c = *s;
    if (c >= 0x80) {
      put_utf8(out, &s);
      continue;
    }
    s++;
    switch (c) {
    case '&':
      fputs("&amp;", out);
      break;
    case '<':
      fputs("&lt;", out);
      break;
    case '>':
      fputs("&gt;", out);
      break;
    case '"':
      fputs("&quot;", out);
      break;
    case '\'':
      fputs("&#39;", out);
      break;
    default:
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
        fputs(REPLACEMENT, out);
      else
        fputc(c, out);
    }
  }
}

void report_text_xml(FILE *out, const char *text) {
  const unsigned char *s = (const unsigned char *)text;
  while (*s != 0) {
    unsigned char c = *s;
    if (c >= 0x80) {
      put_utf8(out, &s);
      continue;
    }
    s++;
    switch (c) {
    case '&':
      fputs("&amp;", out);
      break;
    case '<':
      fputs("&lt;", out);
      break;
    case '>':
      fputs("&gt;", out);
      break;
    case '"':
      fputs("&quot;", out);
      break;
    case '\'':
      fputs("&apos;", out);
      break;
    case '\t':
      fputs("&#9;", out);
      break;
    case '\n':
      fputs("&#10;", out);
      break;
    case '\r':
      fputs("&#13;", out);
      break;
    default:
      if (c < 0x20 || c == 0x7f)
        fputs(REPLACEMENT, out);
      else
        fputc(c, out);
    }
  }
}

void report_text_json(FILE *out, const char *text) {
  const unsigned char *s = (const unsigned char *)text;
  while (*s != 0) {
    unsigned char c = *s;
    if (c >= 0x80) {
      put_utf8(out, &s);
      continue;
    }
    s++;
    switch (c) {
    case '"':
      fputs("\\\"", out);
      break;
    case '\\':
      fputs("\\\\", out);
      break;
    case '\n':
      fputs("\\n", out);
      break;
    case '\t':
      fputs("\\t", out);
      break;
    case '\r':
      fputs("\\r", out);
      break;
    case '<':
    case '>':
    case '&':
      fprintf(out, "\\u%04x", c);
      break;
    default:
      if (c < 0x20 || c == 0x7f)
        fprintf(out, "\\u%04x", c);
      else
        fputc(c, out);
    }
  }
}

void report_text_md(FILE *out, const char *text) {
  const unsigned char *s = (const unsigned char *)text;
  while (*s != 0) {
    unsigned char c = *s;
    if (c >= 0x80) {
      put_utf8(out, &s);
      continue;
    }
    s++;
    if (c < 0x20 || c == 0x7f) {
      fputc(' ', out);
    } else if (c == '<') {
      fputs("&lt;", out);
    } else if (c == '>') {
      fputs("&gt;", out);
    } else if (c == '&') {
      fputs("&amp;", out);
    } else if (strchr("\\`*_[]|", c) != NULL) {
      fputc('\\', out);
      fputc(c, out);
    } else {
      fputc(c, out);
    }
  }
}

void report_text_md_code(FILE *out, const char *text) {
  /* A code span shows its content literally, so only what would end it
   * early matters: a backtick (ends the span) and, inside a table, `|`
   * (ends the cell; GFM lets `\|` stand for it in a span). Anything else
   * odd (control characters, stray bytes, HTML) goes as escaped text. */
  for (const unsigned char *p = (const unsigned char *)text; *p != 0; p++) {
    if (*p < 0x20 || *p == 0x7f || *p == '`' || *p >= 0x80 || *p == '<' || *p == '&') {
      report_text_md(out, text);
      return;
    }
  }
  fputc('`', out);
  for (const char *p = text; *p != 0; p++) {
    if (*p == '|')
      fputc('\\', out);
    fputc(*p, out);
  }
  fputc('`', out);
}

void report_text_tsv(FILE *out, const char *text) {
  for (const unsigned char *s = (const unsigned char *)text; *s != 0; s++) {
    switch (*s) {
    case '\\':
      fputs("\\\\", out);
      break;
    case '\t':
      fputs("\\t", out);
      break;
    case '\n':
      fputs("\\n", out);
      break;
    case '\r':
      fputs("\\r", out);
      break;
    default:
      if (*s < 0x20 || *s == 0x7f)
        fprintf(out, "\\x%02x", *s);
      else
        fputc(*s, out);
    }
  }
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool report_text_tsv_decode(char *field) {
  char *w = field;
  for (const char *r = field; *r != 0; r++) {
    unsigned char c = (unsigned char)*r;
    if (c < 0x20 || c == 0x7f)
      return false;
    if (c != '\\') {
      *w++ = (char)c;
      continue;
    }
    r++;
    switch (*r) {
    case '\\':
      *w++ = '\\';
      break;
    case 't':
      *w++ = '\t';
      break;
    case 'n':
      *w++ = '\n';
      break;
    case 'r':
      *w++ = '\r';
      break;
    case 'x': {
      int hi = hex_value(r[1]);
      int lo = hi < 0 ? -1 : hex_value(r[2]);
      if (lo < 0 || (hi == 0 && lo == 0))
        return false;
      *w++ = (char)(hi * 16 + lo);
      r += 2;
      break;
    }
    default:
      return false; /* also a trailing lone backslash */
    }
  }
  *w = 0;
  return true;
}
