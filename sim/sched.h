/*
 * sim/sched.h: the discrete-event scheduler and the virtual clock. Events are
 * popped in (time, insertion sequence) order, never by pointer order, so a run
 * is fixed by its inputs. The queue is a binary heap of fixed capacity; its
 * array starts small and doubles up to that capacity when full (a few times
 * in a run, never per event), so an idle world stays small.
 */
#ifndef VIOSIM_SIM_SCHED_H
#define VIOSIM_SIM_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/result.h"

typedef void (*sim_event_fn)(void *ctx, uint64_t arg);

struct sim_event {
  uint64_t time_ticks;
  uint64_t seq;
  sim_event_fn fn;
  void *ctx;
  uint64_t arg;
};

/* Entries the heap array starts with (or capacity, if smaller). */
#define SIM_SCHED_SLOTS_INITIAL 64u

struct sim_sched {
  struct sim_event *heap; /* owned: heap_slots entries */
  size_t count;
  size_t heap_slots; /* allocated; grows to capacity on demand */
  size_t capacity;   /* the most events pending at once: MODEL_ERR_CAPACITY past it */
  uint64_t now_ticks;
  uint64_t next_seq;
  uint64_t executed_count;
};

MODEL_MUST_USE model_err sim_sched_init(struct sim_sched *sched, size_t capacity);
void sim_sched_fini(struct sim_sched *sched);

static inline uint64_t sim_sched_now(const struct sim_sched *sched) {
  return sched->now_ticks;
}

/* Schedule fn(ctx, arg) at absolute time (clamped to now) or after a delay.
 * MODEL_ERR_CAPACITY when the queue is full; MODEL_ERR_NO_MEMORY if the
 * array could not grow (the event is not scheduled either way). */
MODEL_MUST_USE model_err sim_sched_at(struct sim_sched *sched, uint64_t time_ticks, sim_event_fn fn,
                                      void *ctx, uint64_t arg);
MODEL_MUST_USE model_err sim_sched_after(struct sim_sched *sched, uint64_t delay_ticks,
                                         sim_event_fn fn, void *ctx, uint64_t arg);

/* Remove every pending event with this fn and ctx; returns how many. */
size_t sim_sched_cancel(struct sim_sched *sched, sim_event_fn fn, const void *ctx);
/* True if an event with this fn and ctx is pending. */
bool sim_sched_pending(const struct sim_sched *sched, sim_event_fn fn, const void *ctx);

/* Pop the earliest event, advance the clock to it, run it. False if empty. */
bool sim_sched_step(struct sim_sched *sched);
/* Time of the earliest pending event; false if none. Inline: the run loop
 * asks before every event. */
static inline bool sim_sched_peek_time(const struct sim_sched *sched, uint64_t *time_ticks) {
  if (sched->count == 0)
    return false;
  *time_ticks = sched->heap[0].time_ticks;
  return true;
}

#endif
