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

static void heap_swap(struct sim_event *heap, size_t i, size_t j) {
  struct sim_event tmp = heap[i];
  heap[i] = heap[j];
  heap[j] = tmp;
}

static void sift_up(struct sim_event *heap, size_t i) {
  while (i > 0) {
    size_t parent = (i - 1u) / 2u;
    if (!event_before(&heap[i], &heap[parent]))
      return;
    heap_swap(heap, i, parent);
    i = parent;
  }
}

static void sift_down(struct sim_event *heap, size_t count, size_t i) {
  for (;;) {
    size_t left = 2u * i + 1u;
    if (left >= count)
      return;
    size_t least = left;
    size_t right = left + 1u;
    if (right < count && event_before(&heap[right], &heap[left]))
      least = right;
    if (!event_before(&heap[least], &heap[i]))
      return;
    heap_swap(heap, i, least);
    i = least;
  }
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
  struct sim_event *ev = &sched->heap[sched->count];
  ev->time_ticks = time_ticks;
  ev->seq = sched->next_seq++;
  ev->fn = fn;
  ev->ctx = ctx;
  ev->arg = arg;
  sift_up(sched->heap, sched->count);
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
    for (size_t i = kept / 2u; i-- > 0;)
      sift_down(sched->heap, kept, i);
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
    sched->heap[0] = sched->heap[sched->count];
    sift_down(sched->heap, sched->count, 0);
  }
  assert(ev.time_ticks >= sched->now_ticks);
  sched->now_ticks = ev.time_ticks;
  sched->executed_count++;
  ev.fn(ev.ctx, ev.arg);
  return true;
}

bool sim_sched_peek_time(const struct sim_sched *sched, uint64_t *time_ticks) {
  if (sched->count == 0)
    return false;
  *time_ticks = sched->heap[0].time_ticks;
  return true;
}
