/*
 * fuzz/fuzz.h: the libFuzzer entry points every fuzz/fuzz_<target>.c
 * defines. With libFuzzer (the `fuzz` preset) the engine calls them; without
 * it, fuzz/replay_main.c does, once per corpus file, so each target also
 * runs as a plain regression test (ctest fuzz/<target>, label fuzz).
 *
 * A target must be deterministic (the same input, the same behaviour), must
 * not leak, and must treat every byte of the input as hostile. It reports a
 * finding by aborting (an assertion, a sanitizer, or fuzz_fail), never by
 * its return value, which is always 0.
 */
#ifndef VIOSIM_FUZZ_FUZZ_H
#define VIOSIM_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A finding: prints what and aborts (in a libFuzzer run, a crash input). */
_Noreturn void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The ASan defaults of every target (fail.c); the ASAN_OPTIONS environment
 * variable overrides them. Unused in builds without ASan. */
const char *__asan_default_options(void);

#endif
