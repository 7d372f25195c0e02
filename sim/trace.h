/*
 * sim/trace.h: the trace of a run. Every observable event is folded into a
 * running 64-bit hash (the "trace hash" a run prints to prove it replayed) and,
 * on request, written as one text line to a dump file. The hash is defined on
 * the event's fields as little-endian integers, never on pointers or padding
 * (all arithmetic mod 2^64; P1..P5 and rotl64 as in sim/hash.h):
 *
 *   d    = rotl64(time * P1, 17) + (kind + 256 * actor) * P4
 *          + rotl64(a * P2, 31) + rotl64(b * P3, 43) + c * P5
 *   m    = (hash ^ d) * P1
 *   hash = m ^ (m >> 29)
 *
 * starting from hash = SIM_TRACE_HASH_INIT. Each term of d is a bijection of
 * its field, and each step a bijection of hash for a given d, so two traces
 * that differ in one field of one event always end with different hashes.
 * Only the last two lines are a serial chain from event to event (one
 * multiply); d's five multiplies are independent of each other and of the
 * chain, so they overlap with the bus work around them.
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
#include "sim/hash.h"

#define SIM_TRACE_HASH_INIT 0xcbf29ce484222325ull

struct sim_trace {
  uint64_t hash;
  uint64_t pos;
  FILE *dump; /* borrowed; NULL for hash only */
};

void sim_trace_init(struct sim_trace *trace, FILE *dump);

/* The hash step the header defines, for one event; returns its position.
 * Inline so that the bus's hot path folds without a call; it does not write
 * the dump (sim_trace_record does both). */
static inline uint64_t sim_trace_fold(struct sim_trace *trace, uint64_t time_ticks,
                                      enum sim_ev_kind kind, enum sim_actor actor, uint64_t a,
                                      uint64_t b, uint64_t c) {
  uint64_t d = sim_rotl64(time_ticks * SIM_HASH_P1, 17) +
               ((uint64_t)kind + 256u * (uint64_t)actor) * SIM_HASH_P4 +
               sim_rotl64(a * SIM_HASH_P2, 31) + sim_rotl64(b * SIM_HASH_P3, 43) + c * SIM_HASH_P5;
  uint64_t m = (trace->hash ^ d) * SIM_HASH_P1;
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
 * Recorded as SIM_EV_NOTE by SIM_ACTOR_WORLD with a = sim_hash_bytes of the text,
 * b = its length, c = 0. */
uint64_t sim_trace_note(struct sim_trace *trace, uint64_t time_ticks, const char *text);
/* The same, on behalf of another actor (sim_bus_note). */
uint64_t sim_trace_note_by(struct sim_trace *trace, uint64_t time_ticks, enum sim_actor actor,
                           const char *text);

#endif
