/*
 * fuzz/fuzz_scenario_parser.c: attacks the scenario language parser
 * (scenarios/lang.c) with arbitrary bytes as a scenario file.
 *
 * Oracles, besides the sanitizers: a refused text yields MODEL_ERR_INVALID_ARG
 * with a "path:line: message" error and an empty script; an accepted one
 * never has more commands than lines; and parsing is a function of the
 * bytes: a second parse gives the same verdict, error text and commands.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "scenarios/lang.h"

#define PATH "fuzz.vsc"

static size_t count_lines(const uint8_t *data, size_t size) {
  size_t lines = 1;
  for (size_t i = 0; i < size; i++)
    lines += data[i] == '\n';
  return lines;
}

static void check_error_text(const char *err) {
  size_t prefix = strlen(PATH ":");
  if (strncmp(err, PATH ":", prefix) != 0)
    fuzz_fail("error does not start with the path: '%s'", err);
  const char *p = err + prefix;
  if (*p == '0' || *p < '1' || *p > '9')
    fuzz_fail("error has no line number: '%s'", err);
  while (*p >= '0' && *p <= '9')
    p++;
  if (strncmp(p, ": ", 2) != 0 || p[2] == '\0')
    fuzz_fail("error has no message after its line: '%s'", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct scn_script a, b;
  char err_a[512] = "", err_b[512] = "";
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  model_err ra = scn_script_parse_text(&a, PATH, (const char *)data, size, err_a, sizeof(err_a));
  model_err rb = scn_script_parse_text(&b, PATH, (const char *)data, size, err_b, sizeof(err_b));
  if (ra != rb || strcmp(err_a, err_b) != 0 || a.cmd_count != b.cmd_count)
    fuzz_fail("two parses of the same bytes differ: %d '%s' vs %d '%s'", (int)ra, err_a, (int)rb,
              err_b);
  if (ra == MODEL_OK) {
    if (a.cmd_count > count_lines(data, size))
      fuzz_fail("%zu commands from %zu lines", a.cmd_count, count_lines(data, size));
  } else if (ra == MODEL_ERR_INVALID_ARG) {
    check_error_text(err_a);
    if (a.cmd_count != 0)
      fuzz_fail("refused script keeps %zu commands", a.cmd_count);
  } else if (ra != MODEL_ERR_NO_MEMORY) {
    fuzz_fail("unexpected result %s", model_err_name(ra));
  }
  scn_script_fini(&a);
  scn_script_fini(&b);
  return 0;
}
