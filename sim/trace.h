/*
 * sim/trace.h: the trace of a run. Every observable event is folded into a
 * running 64-bit hash (the "trace hash" a run prints to prove it replayed) and,
 * on request, written as one text line to a dump file. The hash is defined on
 * the event's fields as little-endian integers, never on pointers or padding:
 *
 *   for each of (time, kind, actor, a, b, c) as a uint64 x:
 *       hash = (hash ^ x) * 0x100000001b3 (mod 2^64), then hash ^= hash >> 29
 *   starting from hash = 0xcbf29ce484222325.
 *
 * pos counts recorded events; it is the "trace position" verdicts cite.
 */
#ifndef VIOSIM_SIM_TRACE_H
#define VIOSIM_SIM_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "sim/bus.h"

struct sim_trace {
  uint64_t hash;
  uint64_t pos;
  FILE *dump; /* borrowed; NULL for hash only */
};

void sim_trace_init(struct sim_trace *trace, FILE *dump);
/* Record one event; returns its position. */
uint64_t sim_trace_record(struct sim_trace *trace, uint64_t time_ticks, enum sim_ev_kind kind,
                          enum sim_actor actor, uint64_t a, uint64_t b, uint64_t c);
/* A free-form note in the dump (scenario lines, verdicts); hashed by its bytes. */
uint64_t sim_trace_note(struct sim_trace *trace, uint64_t time_ticks, const char *text);

#endif
