/*
 * sim/trace.c: the run's trace (see sim/trace.h): a running hash over every
 * recorded event, and an optional text dump, one line per event.
 *
 * Invariants: the hash folds only the six integer fields of an event, in the
 * order the header defines, so it is the same on every compiler and build;
 * pos is incremented once per recorded event.
 */
#include "sim/trace.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "sim/hash.h"

void sim_trace_init(struct sim_trace *trace, FILE *dump) {
  memset(trace, 0, sizeof(*trace));
  trace->hash = SIM_TRACE_HASH_INIT;
  trace->dump = dump;
}

/* The dump line's pieces, formatted by hand into a buffer and written with
 * one fwrite: the same bytes as "%" PRIu64 and "%" PRIx64 (no padding,
 * lowercase), at a fraction of fprintf's cost per event. */
static char *put_dec(char *p, uint64_t v) {
  char tmp[20];
  unsigned n = 0;
  do {
    tmp[n++] = (char)('0' + (int)(v % 10u));
    v /= 10u;
  } while (v != 0);
  while (n > 0)
    *p++ = tmp[--n];
  return p;
}

static char *put_hex(char *p, uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  char tmp[16];
  unsigned n = 0;
  do {
    tmp[n++] = digits[v & 0xfu];
    v >>= 4;
  } while (v != 0);
  while (n > 0)
    *p++ = tmp[--n];
  return p;
}

static char *put_str(char *p, const char *text, size_t len) {
  memcpy(p, text, len);
  return p + len;
}

#define PUT_LIT(p, lit) put_str((p), (lit), sizeof(lit) - 1u)

uint64_t sim_trace_record_result(struct sim_trace *trace, uint64_t time_ticks,
                                 enum sim_ev_kind kind, enum sim_actor actor, uint64_t a,
                                 uint64_t b, uint64_t c, model_err result) {
  uint64_t pos = sim_trace_fold(trace, time_ticks, kind, actor, a, b, c);
  if (trace->dump == NULL)
    return pos;
  /* two decimals (20 digits each), three hex values (16 each), the names
   * (bounded below) and the separators */
  char line[160];
  const char *actor_name = sim_actor_name(actor), *kind_name = sim_ev_kind_name(kind);
  size_t actor_len = strlen(actor_name), kind_len = strlen(kind_name);
  assert(actor_len <= 16u && kind_len <= 16u);
  char *p = put_dec(line, pos);
  p = PUT_LIT(p, " t=");
  p = put_dec(p, time_ticks);
  *p++ = ' ';
  p = put_str(p, actor_name, actor_len);
  *p++ = ' ';
  p = put_str(p, kind_name, kind_len);
  p = PUT_LIT(p, " a=0x");
  p = put_hex(p, a);
  p = PUT_LIT(p, " b=0x");
  p = put_hex(p, b);
  p = PUT_LIT(p, " c=0x");
  p = put_hex(p, c);
  assert((size_t)(p - line) < sizeof(line));
  (void)fwrite(line, 1, (size_t)(p - line), trace->dump);
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
  uint64_t pos = sim_trace_fold(trace, time_ticks, SIM_EV_NOTE, actor, sim_hash_bytes(text, len),
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
