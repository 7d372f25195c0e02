/*
 * fuzz/fuzz_world_scenario.c: `fuzz_world_scenario INPUT` prints, on
 * stdout, the scenario an input of fuzz_world (fuzz/fuzz_world.c) runs, so
 * that a finding becomes a scenario file in one command:
 *
 *   fuzz_world_scenario crash-1234 > scenarios/.../found.vsc
 *   viosim run scenarios/.../found.vsc
 *
 * It decodes the input and runs it as the target does, inserting the
 * `expect result` lines the target would (fuzz/fuzz_world.h). Each run is
 * made in a child process: when one crashes (the finding may be just that)
 * the text printed is the text as it stood, which crashes `viosim run` at
 * the same point. A comment at the top says what the input gave: nothing, a
 * finding with its message, or a crash. Exit status 0 when the scenario was
 * printed, 2 for a usage error, 1 if the input cannot be read.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz/fuzz_world.h"

#define INPUT_READ_MAX (1u << 20)

static struct fuzz_world_script g_script;
static char g_text[FUZZ_WORLD_LINES_MAX * FUZZ_WORLD_LINE_MAX];

/* Run one step in a child; false (with *signal_number) if the child died. */
static bool step_in_child(struct fuzz_world_step *step, int *signal_number) {
  int fds[2];
  if (pipe(fds) != 0)
    return false;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) {
    close(fds[0]);
    fuzz_world_run_step(&g_script, step);
    const char *p = (const char *)step;
    size_t left = sizeof *step;
    while (left > 0) {
      ssize_t n = write(fds[1], p, left);
      if (n <= 0)
        _exit(3);
      p += n;
      left -= (size_t)n;
    }
    _exit(0);
  }
  close(fds[1]);
  char *p = (char *)step;
  size_t got = 0;
  while (got < sizeof *step) {
    ssize_t n = read(fds[0], p + got, sizeof *step - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got == sizeof *step && WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return true;
  *signal_number = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return false;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s INPUT\n  prints the scenario a fuzz_world input runs\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (f == NULL) {
    fprintf(stderr, "fuzz_world_scenario: %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  static uint8_t data[INPUT_READ_MAX];
  size_t size = fread(data, 1, sizeof data, f);
  bool bad = ferror(f) != 0;
  fclose(f);
  if (bad) {
    fprintf(stderr, "fuzz_world_scenario: %s: cannot read\n", argv[1]);
    return 1;
  }
  fuzz_world_decode(data, size, &g_script);
  static struct fuzz_world_step step;
  char verdict[sizeof step.message + 64];
  snprintf(verdict, sizeof verdict, "no finding");
  for (;;) {
    int sig = 0;
    if (!step_in_child(&step, &sig)) {
      snprintf(verdict, sizeof verdict, "the run crashes (signal %d) in the text below", sig);
      break;
    }
    if (step.finding) {
      snprintf(verdict, sizeof verdict, "finding: %s", step.message);
      break;
    }
    if (!step.again || !fuzz_world_apply(&g_script, &step))
      break;
  }
  if (fuzz_world_text(&g_script, g_text, sizeof g_text) == 0) {
    fprintf(stderr, "fuzz_world_scenario: the text does not fit\n");
    return 1;
  }
  printf("# decoded by fuzz_world_scenario from %s (%zu bytes)\n", argv[1], size);
  if (g_script.misbehaves)
    printf("# the %s misbehaves: viosim run reports its violations, which the target allows\n",
           model_target_name(g_script.side));
  /* the verdict may span lines: each one a comment */
  for (char *p = verdict, *nl; p != NULL; p = nl != NULL ? nl + 1 : NULL) {
    nl = strchr(p, '\n');
    if (nl != NULL)
      *nl = '\0';
    printf("# %s\n", p);
  }
  fputs(g_text, stdout);
  return 0;
}
