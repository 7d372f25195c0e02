/*
 * sim/trace.c: the run's trace (see sim/trace.h): a running hash over every
 * recorded event, and an optional text dump, one line per event.
 *
 * Invariants: the hash folds only the six integer fields of an event, in the
 * order the header defines, so it is the same on every compiler and build;
 * pos is incremented once per recorded event.
 */
#include "sim/trace.h"

#include <inttypes.h>
#include <string.h>

#include "sim/hash.h"

void sim_trace_init(struct sim_trace *trace, FILE *dump) {
  memset(trace, 0, sizeof(*trace));
  trace->hash = SIM_FNV64_OFFSET;
  trace->dump = dump;
}

uint64_t sim_trace_record_result(struct sim_trace *trace, uint64_t time_ticks,
                                 enum sim_ev_kind kind, enum sim_actor actor, uint64_t a,
                                 uint64_t b, uint64_t c, model_err result) {
  uint64_t pos = sim_trace_fold(trace, time_ticks, kind, actor, a, b, c);
  if (trace->dump == NULL)
    return pos;
  fprintf(trace->dump,
          "%" PRIu64 " t=%" PRIu64 " %s %s a=0x%" PRIx64 " b=0x%" PRIx64 " c=0x%" PRIx64, pos,
          time_ticks, sim_actor_name(actor), sim_ev_kind_name(kind), a, b, c);
  if (result != MODEL_OK)
    fprintf(trace->dump, " err=%s", model_err_name(result));
  fputc('\n', trace->dump);
  return pos;
}

uint64_t sim_trace_record(struct sim_trace *trace, uint64_t time_ticks, enum sim_ev_kind kind,
                          enum sim_actor actor, uint64_t a, uint64_t b, uint64_t c) {
  return sim_trace_record_result(trace, time_ticks, kind, actor, a, b, c, MODEL_OK);
}

uint64_t sim_trace_note_by(struct sim_trace *trace, uint64_t time_ticks, enum sim_actor actor,
                           const char *text) {
  size_t len = strlen(text);
  uint64_t pos = sim_trace_fold(trace, time_ticks, SIM_EV_NOTE, actor, sim_fnv1a64(text, len),
                                (uint64_t)len, 0);
  if (trace->dump == NULL)
    return pos;
  fprintf(trace->dump, "%" PRIu64 " t=%" PRIu64 " %s note ", pos, time_ticks,
          sim_actor_name(actor));
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)text[i];
    fputc(ch < 0x20u || ch == 0x7fu ? '?' : (int)ch, trace->dump);
  }
  fputc('\n', trace->dump);
  return pos;
}

uint64_t sim_trace_note(struct sim_trace *trace, uint64_t time_ticks, const char *text) {
  return sim_trace_note_by(trace, time_ticks, SIM_ACTOR_WORLD, text);
}
