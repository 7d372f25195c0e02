/*
 * fuzz/fuzz_world.h: the decoder and the judge of fuzz/fuzz_world.c, shared
 * with fuzz_world_scenario (fuzz/fuzz_world_scenario.c), the program that
 * turns an input of the target into the scenario file it runs.
 *
 * An input decodes into scenario text, one command a line
 * (fuzz_world_decode). The run of that text may stop at an action that
 * failed with no `expect result` after it (scenarios/README.md: Results); a
 * step then names that line and result, and fuzz_world_apply inserts
 * `expect result NAME` after the line, so that the next run goes past it.
 * The run is deterministic, so after at most one step per action the text
 * runs to its end: what the last step judged is the input's verdict, and the
 * text at that point is a scenario that replays it under `viosim run`.
 */
#ifndef VIOSIM_FUZZ_FUZZ_WORLD_H
#define VIOSIM_FUZZ_FUZZ_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/catalog.h"
#include "scenarios/interp.h"

#define FUZZ_WORLD_LINES_MAX 224u /* setup, at most FUZZ_WORLD_OPS_MAX actions, their results */
#define FUZZ_WORLD_LINE_MAX  320u /* bytes of a line, with the NUL */
#define FUZZ_WORLD_OPS_MAX   48u  /* actions decoded from one input */

struct fuzz_world_script {
  char lines[FUZZ_WORLD_LINES_MAX][FUZZ_WORLD_LINE_MAX];
  size_t line_count;
  uint64_t seed;
  enum scn_ring ring;
  bool polling;           /* the device polls (`device poll`) */
  bool faults;            /* a `fault` line */
  bool probed;            /* an `init` or `probe` line (decoding) */
  bool misbehaves;        /* one half misbehaves on purpose */
  enum model_target side; /* which one (when misbehaves) */
};

/* What one run of the text gave: run it again with an `expect result`
 * inserted, or a verdict (a finding, with its message, or none). Plain data:
 * fuzz_world_scenario passes it through a pipe. */
struct fuzz_world_step {
  bool again;        /* an action failed with no `expect result` after it */
  uint32_t line;     /* ... at this line of the text */
  char err_name[48]; /* ... with this result (model_err_name) */
  bool finding;      /* an oracle failed */
  char message[SCN_MESSAGE_MAX + 256u];
};

/* Decode data into s (every byte sequence decodes; what is out of range is
 * clamped or skipped). */
void fuzz_world_decode(const uint8_t *data, size_t size, struct fuzz_world_script *s);
/* The text: every line with its newline, NUL-terminated; the length, or 0 if
 * buf is too small. */
size_t fuzz_world_text(const struct fuzz_world_script *s, char *buf, size_t size);
/* Parse and run the text once, and judge the outcome. */
void fuzz_world_run_step(const struct fuzz_world_script *s, struct fuzz_world_step *step);
/* Insert the `expect result` a step asks for; false if it cannot (a line
 * number outside the text, or no room): the caller stops there. */
bool fuzz_world_apply(struct fuzz_world_script *s, const struct fuzz_world_step *step);

#endif
