/* fuzz/fail.c: fuzz_fail and the sanitizer defaults (fuzz/fuzz.h), shared by
 * both builds of a target. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz/fuzz.h"

void fuzz_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("fuzz: finding: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  abort();
}

/* Every input builds its world and frees all of it before returning, so a
 * use after free can only happen within one execution, and a quarantine far
 * larger than one execution's frees (a few hundred KiB) catches every one.
 * ASan's default (256 MiB) only makes each execution fault in fresh pages:
 * with 16 MiB the ring targets run about a quarter faster. ASAN_OPTIONS
 * still overrides it. */
const char *__asan_default_options(void) {
  return "quarantine_size_mb=16";
}
