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
 * pos counts recorded events; it is the "trace position" verdicts cite. The
 * first event is at position 0.
 *
 * Dump lines: "<pos> t=<time> <actor> <kind> a=0x<a> b=0x<b> c=0x<c>", with
 * " err=<NAME>" appended for a failed access; a note prints
 * "<pos> t=<time> <actor> note <text>" (control characters shown as '?').
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

/* One field of the header's step, with the previous field's `hash ^= hash
 * >> 29` deferred into it: m is the product before that shift, and
 * (m ^ m >> 29) ^ x is computed as (m ^ x) ^ (m >> 29), the same value, so
 * the xor with x does not wait for the shift (the fold is one serial chain
 * per run; this takes a cycle off each of its links). */
static inline uint64_t sim_trace_mix(uint64_t m, uint64_t x) {
  return ((m ^ x) ^ (m >> 29)) * 0x100000001b3ull;
}

/* The hash step the header defines, for one event; returns its position.
 * Inline so that the bus's hot path folds without a call; it does not write
 * the dump (sim_trace_record does both). Unrolled by hand: the six fields
 * stay in registers. */
static inline uint64_t sim_trace_fold(struct sim_trace *trace, uint64_t time_ticks,
                                      enum sim_ev_kind kind, enum sim_actor actor, uint64_t a,
                                      uint64_t b, uint64_t c) {
  uint64_t m = (trace->hash ^ time_ticks) * 0x100000001b3ull;
  m = sim_trace_mix(m, (uint64_t)kind);
  m = sim_trace_mix(m, (uint64_t)actor);
  m = sim_trace_mix(m, a);
  m = sim_trace_mix(m, b);
  m = sim_trace_mix(m, c);
  trace->hash = m ^ (m >> 29);
  return trace->pos++;
}

/* Record one event; returns its position. */
uint64_t sim_trace_record(struct sim_trace *trace, uint64_t time_ticks, enum sim_ev_kind kind,
                          enum sim_actor actor, uint64_t a, uint64_t b, uint64_t c);
/* As sim_trace_record; a failed access (result != MODEL_OK) shows its error
 * in the dump line. The result is not part of the hash (the hash is defined
 * on the six fields above only). */
uint64_t sim_trace_record_result(struct sim_trace *trace, uint64_t time_ticks,
                                 enum sim_ev_kind kind, enum sim_actor actor, uint64_t a,
                                 uint64_t b, uint64_t c, model_err result);
/* A free-form note in the dump (scenario lines, verdicts); hashed by its bytes.
 * Recorded as SIM_EV_NOTE by SIM_ACTOR_WORLD with a = FNV-1a 64 of the text,
 * b = its length, c = 0. */
uint64_t sim_trace_note(struct sim_trace *trace, uint64_t time_ticks, const char *text);
/* The same, on behalf of another actor (sim_bus_note). */
uint64_t sim_trace_note_by(struct sim_trace *trace, uint64_t time_ticks, enum sim_actor actor,
                           const char *text);

#endif
