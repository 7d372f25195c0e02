/*
 * sim/sched.c: the discrete-event scheduler (see sim/sched.h). A binary
 * min-heap of events keyed on (time_ticks, seq); seq is the insertion
 * counter, so events at the same time run in the order they were scheduled
 * and nothing depends on pointer values.
 *
 * Invariants: heap[0 .. count) is a min-heap under event_before();
 * count <= heap_slots <= capacity; now_ticks never goes backwards (events in
 * the past are clamped to now).
 *
 * Implementation notes: the heap array starts at SIM_SCHED_SLOTS_INITIAL
 * entries and doubles (up to capacity) when full, so an idle world does not
 * carry its capacity (2.5 MiB for the scenarios' 65536 events); a world
 * grows it a handful of times in a run, never per event. Growth keeps the
 * array's contents, so the pop order, and the run, are the same as with the
 * whole capacity allocated at init.
 */
#include "sim/sched.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static bool event_before(const struct sim_event *a, const struct sim_event *b) {
  if (a->time_ticks != b->time_ticks)
    return a->time_ticks < b->time_ticks;
  return a->seq < b->seq;
}

/* Both sifts move a hole instead of swapping: the event being placed is
 * held aside and written once, where it belongs, and each step moves one
 * event (not three). (time, seq) keys are unique, so any correct heap pops
 * the same order. */

/* Place ev, whose slot i is free, among its ancestors. */
static void sift_up(struct sim_event *heap, size_t i, const struct sim_event *ev) {
  while (i > 0) {
    size_t parent = (i - 1u) / 2u;
    if (!event_before(ev, &heap[parent]))
      break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = *ev;
}

/* Place ev, whose slot i is free, in the subtree of heap[0, count) under i. */
static void sift_down(struct sim_event *heap, size_t count, size_t i, const struct sim_event *ev) {
  for (;;) {
    size_t least = 2u * i + 1u;
    if (least >= count)
      break;
    if (least + 1u < count && event_before(&heap[least + 1u], &heap[least]))
      least++;
    if (!event_before(&heap[least], ev))
      break;
    heap[i] = heap[least];
    i = least;
  }
  heap[i] = *ev;
}

model_err sim_sched_init(struct sim_sched *sched, size_t capacity) {
  memset(sched, 0, sizeof(*sched));
  MODEL_ENSURE(capacity > 0 && capacity <= SIZE_MAX / sizeof(struct sim_event),
               MODEL_ERR_INVALID_ARG);
  size_t slots = capacity < SIM_SCHED_SLOTS_INITIAL ? capacity : SIM_SCHED_SLOTS_INITIAL;
  sched->heap = calloc(slots, sizeof(struct sim_event));
  MODEL_ENSURE(sched->heap != NULL, MODEL_ERR_NO_MEMORY);
  sched->heap_slots = slots;
  sched->capacity = capacity;
  return MODEL_OK;
}

/* Room for one more event: double the array, up to capacity. */
static model_err heap_grow(struct sim_sched *sched) {
  if (sched->count < sched->heap_slots)
    return MODEL_OK;
  MODEL_ENSURE(sched->heap_slots < sched->capacity, MODEL_ERR_CAPACITY);
  size_t slots =
      sched->heap_slots > sched->capacity / 2u ? sched->capacity : 2u * sched->heap_slots;
  struct sim_event *heap = realloc(sched->heap, slots * sizeof(struct sim_event));
  MODEL_ENSURE(heap != NULL, MODEL_ERR_NO_MEMORY);
  sched->heap = heap;
  sched->heap_slots = slots;
  return MODEL_OK;
}

void sim_sched_fini(struct sim_sched *sched) {
  free(sched->heap);
  sched->heap = NULL;
  sched->count = 0;
  sched->heap_slots = 0;
  sched->capacity = 0;
}

model_err sim_sched_at(struct sim_sched *sched, uint64_t time_ticks, sim_event_fn fn, void *ctx,
                       uint64_t arg) {
  assert(fn != NULL);
  MODEL_TRY(heap_grow(sched));
  if (time_ticks < sched->now_ticks)
    time_ticks = sched->now_ticks;
  struct sim_event ev = {
      .time_ticks = time_ticks, .seq = sched->next_seq++, .fn = fn, .ctx = ctx, .arg = arg};
  sift_up(sched->heap, sched->count, &ev);
  sched->count++;
  return MODEL_OK;
}

model_err sim_sched_after(struct sim_sched *sched, uint64_t delay_ticks, sim_event_fn fn, void *ctx,
                          uint64_t arg) {
  uint64_t when = sched->now_ticks + delay_ticks;
  if (when < sched->now_ticks) /* saturate instead of wrapping into the past */
    when = UINT64_MAX;
  return sim_sched_at(sched, when, fn, ctx, arg);
}

size_t sim_sched_cancel(struct sim_sched *sched, sim_event_fn fn, const void *ctx) {
  size_t kept = 0;
  for (size_t i = 0; i < sched->count; i++) {
    const struct sim_event *ev = &sched->heap[i];
    if (ev->fn == fn && ev->ctx == ctx)
      continue;
    sched->heap[kept++] = *ev;
  }
  size_t removed = sched->count - kept;
  sched->count = kept;
  if (removed > 0 && kept > 1) {
    /* Floyd's heap construction: the order among kept events is restored
     * by their (time, seq) keys alone. */
    for (size_t i = kept / 2u; i-- > 0;) {
      struct sim_event ev = sched->heap[i];
      sift_down(sched->heap, kept, i, &ev);
    }
  }
  return removed;
}

bool sim_sched_pending(const struct sim_sched *sched, sim_event_fn fn, const void *ctx) {
  for (size_t i = 0; i < sched->count; i++) {
    if (sched->heap[i].fn == fn && sched->heap[i].ctx == ctx)
      return true;
  }
  return false;
}

bool sim_sched_step(struct sim_sched *sched) {
  if (sched->count == 0)
    return false;
  struct sim_event ev = sched->heap[0];
  sched->count--;
  if (sched->count > 0) {
    struct sim_event last = sched->heap[sched->count];
    sift_down(sched->heap, sched->count, 0, &last);
  }
  assert(ev.time_ticks >= sched->now_ticks);
  sched->now_ticks = ev.time_ticks;
  sched->executed_count++;
  ev.fn(ev.ctx, ev.arg);
  return true;
}
