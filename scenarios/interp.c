/*
 * scenarios/interp.c: the scenario interpreter (see interp.h; the language
 * is in README.md).
 *
 * Implementation notes. A run keeps everything in one heap-allocated
 * struct ictx: the three configurations the setup lines edit (world, device,
 * driver), the world and both halves once built, and the bookkeeping of
 * results. The world is built lazily, at the first action or expectation (or
 * at the end of a script that has none), because setup lines may come in any
 * order before it.
 *
 * Results: every action records what its driver or NIC call returned as "the
 * last result". An action that fails must be followed at once by an
 * `expect result` line that names the failure; otherwise the run fails at
 * the next command with the action's line and error. A scenario that walks
 * into an illegal status transition on purpose says so; one that fails by
 * accident never passes silently.
 *
 * The monitor: attached to the world when it is built, in the script's
 * mode or the caller's. After every action the interpreter calls
 * sim_world_monitor_sync(EVENT_END), so that what the action's driver (or
 * device) work left undone is judged at its end; after every run that left
 * the world idle (or settled), sync(IDLE); at the end of a script that ran
 * to its end, model_mon_finish. Then judge_verdicts() compares what fired
 * with the script's `expect violation` lines. The tallies and verdicts are
 * copied into the outcome before the world is torn down.
 *
 * Running: `run` runs the scheduler until it is idle, within the event
 * budget. With the device in poll mode the world is never idle (the poll
 * event re-arms itself), so "idle" means settled instead: nothing moved
 * (buffers, interrupts, notifications, frames) during a window longer than
 * every configured delay, with no frame on the wire, no generator running
 * and no transmit backlog.
 */
#include "scenarios/interp.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backend/net.h"
#include "frontend/net.h"
#include "model/catalog.h"
#include "model/monitor.h"
#include "model/net.h"
#include "model/virtio.h"
#include "sim/monitor.h"
#include "sim/world.h"

#define SCN_SCHED_CAPACITY        (1u << 16)
#define SCN_POLL_INTERVAL_DEFAULT 10u
#define SCN_TX_BACKLOG_MAX        (1u << 18)

struct ictx {
  const struct scn_script *script;
  struct scn_outcome *out;
  uint64_t seed;
  FILE *trace_dump;

  struct sim_world_config wcfg;
  struct dev_net_config dcfg;
  struct drv_net_config ncfg;
  struct sim_fault_rule early_faults[SIM_FAULT_RULES_MAX];
  size_t early_fault_count;
  uint64_t fault_delay_max; /* for the poll-mode settle window */
  bool accounting;
  uint64_t max_events;
  unsigned observe;       /* the script's `monitor` line */
  unsigned force_observe; /* the caller's override, 0 if none */
  enum scn_ring ring;     /* the run's ring format */

  bool world_up, dev_up, drv_up;
  struct sim_world world;
  struct model_mon *mon; /* attached to the world; NULL until built */
  struct dev_net dev;
  struct drv_net drv;

  model_err last_result;
  uint32_t last_result_line;
  const struct scn_cmd *unchecked; /* a failed action not yet followed by `expect result` */
  uint64_t events;
  bool failed;
  bool judged; /* judge_verdicts() ran */
};

__attribute__((format(printf, 3, 4))) static bool ifail(struct ictx *c, uint32_t line,
                                                        const char *fmt, ...) {
  if (c->failed)
    return false; /* the first failure is the one reported */
  c->failed = true;
  c->out->fail_line = line;
  char *msg = c->out->message;
  size_t size = sizeof c->out->message;
  int n = line != 0 ? snprintf(msg, size, "%s:%u: ", c->script->path, (unsigned)line)
                    : snprintf(msg, size, "%s: ", c->script->path);
  if (n >= 0 && (size_t)n < size) {
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg + n, size - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return false;
}

/* Append to the outcome's message (after a failure was recorded). */
__attribute__((format(printf, 2, 3))) static void iappend(struct ictx *c, const char *fmt, ...) {
  char *msg = c->out->message;
  size_t used = strlen(msg);
  if (used + 1u >= sizeof c->out->message)
    return;
  va_list ap;
  va_start(ap, fmt);
  (void)vsnprintf(msg + used, sizeof c->out->message - used, fmt, ap);
  va_end(ap);
}

static const char *err_text(model_err e) {
  return model_err_name(e);
}

/* ------------------------------------------------------------------ */
/* setup                                                                */

static uint64_t total_frames(const struct scn_script *s, enum scn_op op) {
  uint64_t sum = 0;
  for (size_t i = 0; i < s->cmd_count; i++)
    if (s->cmds[i].op == op)
      sum += s->cmds[i].a;
  return sum;
}

static uint64_t largest_send(const struct scn_script *s) {
  uint64_t max = 0;
  for (size_t i = 0; i < s->cmd_count; i++)
    if (s->cmds[i].op == SCN_OP_SEND && s->cmds[i].a > max)
      max = s->cmds[i].a;
  return max;
}

static void defaults(struct ictx *c) {
  sim_world_config_default(&c->wcfg);
  dev_net_config_default(&c->dcfg);
  drv_net_config_default(&c->ncfg);
  c->accounting = true;
  c->max_events = SCN_RUN_EVENTS_DEFAULT;
  c->observe = MODEL_MON_OBSERVE_ACCESSES;
}

/* Setup lines edit the configurations; they come before the world exists. */
static void apply_setup(struct ictx *c, const struct scn_cmd *cmd) {
  struct sim_nic_config *nic = &c->wcfg.nic;
  switch (cmd->op) {
  case SCN_OP_MEMORY:
    c->wcfg.mem_size = cmd->a;
    break;
  case SCN_OP_DEVICE_FEATURES:
    c->dcfg.features_offered = scn_feature_edit_apply(&cmd->features, c->dcfg.features_offered);
    break;
  case SCN_OP_DEVICE_QUEUE_SIZE_MAX:
    c->dcfg.queue_size_max = (uint32_t)cmd->a;
    break;
  case SCN_OP_DEVICE_MTU:
    c->dcfg.mtu = (uint16_t)cmd->a;
    break;
  case SCN_OP_DEVICE_MAC:
    memcpy(c->dcfg.mac, cmd->mac, sizeof c->dcfg.mac);
    break;
  case SCN_OP_DEVICE_LINK:
    c->dcfg.link_up = cmd->flag;
    break;
  case SCN_OP_DEVICE_POLL:
    c->dcfg.poll_interval_ticks = !cmd->flag ? 0 : cmd->a != 0 ? cmd->a : SCN_POLL_INTERVAL_DEFAULT;
    break;
  case SCN_OP_DRIVER_FEATURES:
    c->ncfg.features_wanted = scn_feature_edit_apply(&cmd->features, c->ncfg.features_wanted);
    break;
  case SCN_OP_DRIVER_REQUIRES:
    c->ncfg.features_required = scn_feature_edit_apply(&cmd->features, c->ncfg.features_required);
    break;
  case SCN_OP_DRIVER_QUEUE:
    c->ncfg.queue_size[cmd->key] = (uint32_t)cmd->a;
    break;
  case SCN_OP_DRIVER_RX_BUFFERS:
    c->ncfg.rx_buf_count = (uint32_t)cmd->a;
    if (cmd->b != 0)
      c->ncfg.rx_buf_size = (uint32_t)cmd->b;
    break;
  case SCN_OP_DRIVER_TX_SEGMENTS:
    c->ncfg.tx_segments = (unsigned)cmd->a;
    break;
  case SCN_OP_DRIVER_TX_INDIRECT:
    c->ncfg.tx_indirect = cmd->flag;
    break;
  case SCN_OP_DRIVER_TX_INTERRUPTS:
    c->ncfg.tx_interrupts = cmd->flag;
    break;
  case SCN_OP_WIRE_LOSS:
    nic->loss_ppm = (uint32_t)cmd->a;
    break;
  case SCN_OP_WIRE_DUP:
    nic->dup_ppm = (uint32_t)cmd->a;
    break;
  case SCN_OP_WIRE_REORDER:
    nic->reorder_ppm = (uint32_t)cmd->a;
    if (cmd->has_b)
      nic->reorder_extra_ticks = cmd->b;
    break;
  case SCN_OP_WIRE_DELAY:
    nic->delay_min_ticks = cmd->a;
    nic->delay_max_ticks = cmd->b;
    break;
  case SCN_OP_WIRE_LOOPBACK:
    nic->loopback = cmd->flag;
    break;
  case SCN_OP_LATENCY_NOTIFY:
    c->wcfg.latency.notify_min_ticks = cmd->a;
    c->wcfg.latency.notify_max_ticks = cmd->b;
    break;
  case SCN_OP_LATENCY_IRQ:
    c->wcfg.latency.irq_min_ticks = cmd->a;
    c->wcfg.latency.irq_max_ticks = cmd->b;
    break;
  case SCN_OP_MISBEHAVE_DRIVER:
    c->ncfg.misbehave = drv_misbehave_union(c->ncfg.misbehave, cmd->drv_misbehave);
    break;
  case SCN_OP_MISBEHAVE_DEVICE:
    c->dcfg.misbehave |= cmd->a;
    break;
  case SCN_OP_MONITOR:
    c->observe = (unsigned)cmd->a;
    break;
  case SCN_OP_SEEDS:
  case SCN_OP_RING:
  case SCN_OP_FAULT:
  case SCN_OP_OPTION_ACCOUNTING:
  case SCN_OP_OPTION_MAX_EVENTS:
  case SCN_OP_EXPECT_VIOLATION:
  case SCN_OP_EXPECT_NO_VIOLATIONS:
  case SCN_OP_INIT:
  case SCN_OP_PROBE:
  case SCN_OP_RESET:
  case SCN_OP_STATUS_SET:
  case SCN_OP_NEGOTIATE:
  case SCN_OP_FEATURES_READ:
  case SCN_OP_FEATURES_WRITE:
  case SCN_OP_FEATURES_OK:
  case SCN_OP_CONFIG_READ:
  case SCN_OP_QUEUES:
  case SCN_OP_FAIL:
  case SCN_OP_SEND:
  case SCN_OP_PEER_SEND:
  case SCN_OP_CTRL_RX:
  case SCN_OP_CTRL_MAC_TABLE:
  case SCN_OP_CTRL_MAC_ADDR:
  case SCN_OP_QUEUE_STOP:
  case SCN_OP_LINK:
  case SCN_OP_RUN:
  case SCN_OP_NOTE:
  case SCN_OP_EXPECT_STATUS:
  case SCN_OP_EXPECT_FEATURES:
  case SCN_OP_EXPECT_RESULT:
  case SCN_OP_EXPECT_COUNTER:
  case SCN_OP_EXPECT_FRAMES:
  case SCN_OP_EXPECT_ACCOUNTED:
  case SCN_OP_EXPECT_LINK:
  case SCN_OP_EXPECT_CTRL:
  case SCN_OP_COUNT:
    break;
  }
}

static bool is_setup(enum scn_op op) {
  return op <= SCN_OP_MONITOR;
}

/* A fault line: added to the world now, or kept until it is built. */
static bool add_fault(struct ictx *c, const struct scn_cmd *cmd) {
  if (cmd->fault.delay_ticks > c->fault_delay_max)
    c->fault_delay_max = cmd->fault.delay_ticks;
  if (!c->world_up) {
    if (c->early_fault_count == SIM_FAULT_RULES_MAX)
      return ifail(c, cmd->line, "more than %u fault rules", SIM_FAULT_RULES_MAX);
    c->early_faults[c->early_fault_count++] = cmd->fault;
    return true;
  }
  model_err e = sim_world_add_fault(&c->world, &cmd->fault);
  if (e != MODEL_OK)
    return ifail(c, cmd->line, "cannot add the fault: %s (at most %u rules)", err_text(e),
                 SIM_FAULT_RULES_MAX);
  return true;
}

static uint64_t ring_mask(void) {
  return model_feature_mask(VIRTIO_F_RING_PACKED);
}

/* Does a line of the script edit this feature set (op) naming RING_PACKED?
 * Only a pinned script has such lines (lang.h); they win over the format. */
static bool script_names_ring(const struct scn_script *s, enum scn_op op) {
  for (size_t i = 0; i < s->cmd_count; i++) {
    const struct scn_feature_edit *f = &s->cmds[i].features;
    if (s->cmds[i].op == op && ((f->base | f->add | f->del) & ring_mask()) != 0)
      return true;
  }
  return false;
}

/* The run's ring format, applied to a feature set after the script's lines. */
static uint64_t with_ring(const struct ictx *c, uint64_t features) {
  return c->ring == SCN_RING_PACKED ? features | ring_mask() : features & ~ring_mask();
}

/* Build the world, the device and the driver from the configurations. */
static bool build(struct ictx *c, uint32_t line) {
  uint64_t frames =
      total_frames(c->script, SCN_OP_SEND) + total_frames(c->script, SCN_OP_PEER_SEND);
  uint64_t backlog = largest_send(c->script);
  c->wcfg.seed = c->seed;
  c->wcfg.trace_dump = c->trace_dump;
  c->wcfg.sched_capacity = SCN_SCHED_CAPACITY;
  if (frames + 1u > c->wcfg.nic.frames_max)
    c->wcfg.nic.frames_max = frames + 1u;
  model_err e = sim_world_init(&c->world, &c->wcfg);
  if (e != MODEL_OK)
    return ifail(c, line, "cannot build the world: %s (check the memory, wire and latency lines)",
                 err_text(e));
  c->world_up = true;
  /* The monitor first, so that it sees everything either half does. */
  unsigned observe = c->force_observe != 0 ? c->force_observe : c->observe;
  e = sim_world_attach_monitor(&c->world, observe, &c->mon);
  if (e != MODEL_OK)
    return ifail(c, line, "cannot attach the conformance monitor: %s", err_text(e));
  c->out->observe = observe;
  if (!script_names_ring(c->script, SCN_OP_DEVICE_FEATURES))
    c->dcfg.features_offered = with_ring(c, c->dcfg.features_offered);
  if (!script_names_ring(c->script, SCN_OP_DRIVER_FEATURES))
    c->ncfg.features_wanted = with_ring(c, c->ncfg.features_wanted);
  e = dev_net_init(&c->dev, &c->world.bus, &c->world.nic, &c->dcfg);
  if (e != MODEL_OK)
    return ifail(c, line, "cannot create the device: %s (check the device lines)", err_text(e));
  c->dev_up = true;
  c->ncfg.guest_mem_base = c->wcfg.mem_base;
  c->ncfg.guest_mem_size = c->wcfg.mem_size;
  c->ncfg.seed = c->seed;
  if (backlog > c->ncfg.tx_backlog_max && backlog > DRV_NET_TX_BACKLOG_DEFAULT)
    c->ncfg.tx_backlog_max =
        (uint32_t)(backlog < SCN_TX_BACKLOG_MAX ? backlog : SCN_TX_BACKLOG_MAX);
  e = drv_net_init(&c->drv, &c->world.bus, &c->world.nic, &c->ncfg);
  if (e != MODEL_OK)
    return ifail(c, line, "cannot create the driver: %s (check the driver lines)", err_text(e));
  c->drv_up = true;
  for (size_t i = 0; i < c->early_fault_count; i++) {
    e = sim_world_add_fault(&c->world, &c->early_faults[i]);
    if (e != MODEL_OK)
      return ifail(c, line, "cannot add a fault rule: %s", err_text(e));
  }
  return true;
}

static void teardown(struct ictx *c) {
  if (c->drv_up)
    drv_net_fini(&c->drv);
  if (c->dev_up)
    dev_net_fini(&c->dev);
  if (c->world_up)
    sim_world_fini(&c->world);
  c->drv_up = c->dev_up = c->world_up = false;
}

/* ------------------------------------------------------------------ */
/* running the world                                                    */

/* A synchronisation point for the monitor (see the notes at the top). */
static void mon_sync(struct ictx *c, enum model_mon_sync kind) {
  if (c->mon != NULL)
    sim_world_monitor_sync(&c->world, kind);
}

static void noop_event(void *ctx, uint64_t arg) {
  (void)ctx;
  (void)arg;
}

static uint64_t budget_left(const struct ictx *c, uint64_t start) {
  uint64_t used = c->events - start;
  return used >= c->max_events ? 0 : c->max_events - used;
}

/* Run until virtual time until_ticks (the clock ends there). */
static bool run_until(struct ictx *c, uint32_t line, uint64_t until_ticks, uint64_t start) {
  uint64_t next;
  if (sim_sched_at(&c->world.sched, until_ticks, noop_event, c, 0) != MODEL_OK)
    return ifail(c, line, "scheduler full (%u events pending)", SCN_SCHED_CAPACITY);
  c->events += sim_world_run(&c->world, until_ticks, budget_left(c, start));
  if (sim_sched_peek_time(&c->world.sched, &next) && next <= until_ticks) {
    (void)sim_sched_cancel(&c->world.sched, noop_event, c);
    return ifail(c, line,
                 "event budget of %" PRIu64 " events used up before virtual time %" PRIu64
                 " (raise it with 'option max_events N')",
                 c->max_events, until_ticks);
  }
  if (sim_world_idle(&c->world))
    mon_sync(c, MODEL_MON_SYNC_IDLE);
  return true;
}

static uint64_t sat_add(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* What moves when anything happens; equal signatures: nothing happened. */
static uint64_t progress_signature(const struct ictx *c) {
  uint64_t h = 0xcbf29ce484222325u;
  const uint64_t *ctr = c->world.bus.counters;
  uint64_t parts[12] = {ctr[SIM_CTR_BUFFERS_ADDED], ctr[SIM_CTR_BUFFERS_USED],
                        ctr[SIM_CTR_NOTIFY_SENT],   ctr[SIM_CTR_IRQ_SENT],
                        ctr[SIM_CTR_CONFIG_IRQ],    ctr[SIM_CTR_RESETS]};
  for (unsigned s = 0; s < (unsigned)SIM_STREAM_COUNT; s++) {
    const struct sim_nic_stream_stats *st = &c->world.nic.stats[s];
    uint64_t dropped = 0;
    for (unsigned r = 0; r < (unsigned)SIM_DROP_COUNT; r++)
      dropped += st->dropped[r];
    parts[6 + 3 * s] = st->generated;
    parts[7 + 3 * s] = st->delivered + st->delivered_dup + st->corrupt;
    parts[8 + 3 * s] = dropped;
  }
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    h = (h ^ parts[i]) * 0x100000001b3u;
  return h;
}

static bool busy(const struct ictx *c) {
  const struct sim_nic *nic = &c->world.nic;
  return nic->stats[SIM_STREAM_RX].on_wire != 0 || nic->stats[SIM_STREAM_TX].on_wire != 0 ||
         nic->gen_remaining != 0 || drv_net_tx_backlog(&c->drv) != 0 || drv_net_ctrl_busy(&c->drv);
}

/* Poll mode: run windows until one passes in which nothing moved. */
static bool run_settle(struct ictx *c, uint32_t line, uint64_t start) {
  const struct sim_world_config *w = &c->wcfg;
  uint64_t window = 100u + 2u * (c->dcfg.poll_interval_ticks + w->nic.delay_max_ticks +
                                 w->nic.reorder_extra_ticks + w->latency.notify_max_ticks +
                                 w->latency.irq_max_ticks + c->fault_delay_max);
  for (;;) {
    uint64_t before = progress_signature(c);
    if (sim_world_idle(&c->world))
      return true; /* run_until synced */
    if (!run_until(c, line, sat_add(sim_sched_now(&c->world.sched), window), start))
      return false;
    if (progress_signature(c) == before && !busy(c)) {
      mon_sync(c, MODEL_MON_SYNC_IDLE); /* settled: as idle as a polling world gets */
      return true;
    }
    if (budget_left(c, start) == 0)
      return ifail(c, line, "the world did not settle within %" PRIu64 " events", c->max_events);
  }
}

static bool run_idle(struct ictx *c, uint32_t line) {
  uint64_t start = c->events;
  if (c->dcfg.poll_interval_ticks != 0) {
    if (sim_world_idle(&c->world))
      mon_sync(c, MODEL_MON_SYNC_IDLE);
    return run_settle(c, line, start);
  }
  c->events += sim_world_run(&c->world, UINT64_MAX, c->max_events);
  if (!sim_world_idle(&c->world)) {
    uint64_t next = 0;
    (void)sim_sched_peek_time(&c->world.sched, &next);
    return ifail(c, line,
                 "the world did not go idle within %" PRIu64 " events (virtual time %" PRIu64
                 ", %zu events pending): something keeps scheduling work; raise "
                 "'option max_events N' or bound the run with 'run TICKS'",
                 c->max_events, sim_sched_now(&c->world.sched), c->world.sched.count);
  }
  mon_sync(c, MODEL_MON_SYNC_IDLE);
  return true;
}

/* ------------------------------------------------------------------ */
/* actions                                                              */

static void record(struct ictx *c, const struct scn_cmd *cmd, model_err e) {
  c->last_result = e;
  c->last_result_line = cmd->line;
  c->unchecked = e != MODEL_OK ? cmd : NULL;
}

static const uint8_t g_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* send: as many frames as the backlog takes; when it is full, the world runs
 * until the driver drained it (a guest stack waiting for its queue). */
static bool act_send(struct ictx *c, const struct scn_cmd *cmd) {
  const uint8_t *dst = cmd->dest == SCN_DEST_BROADCAST ? g_broadcast
                       : cmd->dest == SCN_DEST_MAC     ? cmd->mac
                                                       : c->wcfg.nic.peer_mac;
  uint64_t remaining = cmd->a;
  model_err e = MODEL_OK;
  while (remaining > 0 && e == MODEL_OK) {
    uint32_t queued = drv_net_tx_backlog(&c->drv);
    uint64_t room = c->drv.backlog_max > queued ? c->drv.backlog_max - queued : 0;
    if (room == 0) {
      mon_sync(c, MODEL_MON_SYNC_EVENT_END); /* the driver's sending ends here */
      if (!run_idle(c, cmd->line))
        return false;
      queued = drv_net_tx_backlog(&c->drv);
      room = c->drv.backlog_max > queued ? c->drv.backlog_max - queued : 0;
      if (room == 0)
        return ifail(c, cmd->line, "the transmit backlog (%u frames) never drained",
                     c->drv.backlog_max);
    }
    uint64_t n = remaining < room ? remaining : room;
    e = drv_net_send(&c->drv, n, (uint32_t)cmd->b, (uint32_t)cmd->c, dst);
    remaining -= n;
  }
  record(c, cmd, e);
  return true;
}

/* peer send: the NIC has one traffic generator, so a batch asked for while
 * an earlier one is still being sent waits for it: the world runs, event by
 * event, until the generator is free. */
static bool act_peer_send(struct ictx *c, const struct scn_cmd *cmd) {
  const uint8_t *dst = cmd->dest == SCN_DEST_BROADCAST ? g_broadcast
                       : cmd->dest == SCN_DEST_MAC     ? cmd->mac
                                                       : c->dev.mac;
  uint64_t start = c->events;
  while (c->world.nic.gen_remaining > 0) {
    if (budget_left(c, start) == 0)
      return ifail(c, cmd->line,
                   "the previous 'peer send' did not finish within %" PRIu64 " events",
                   c->max_events);
    uint64_t n = sim_world_run(&c->world, UINT64_MAX, 1);
    if (n == 0)
      break;
    c->events += n;
  }
  record(c, cmd,
         sim_nic_generate(&c->world.nic, cmd->a, (uint32_t)cmd->b, (uint32_t)cmd->c, dst, cmd->d));
  return true;
}

static bool act_ctrl(struct ictx *c, const struct scn_cmd *cmd) {
  static const uint8_t rx_cmd[SCN_RX_MODE_COUNT] = {
      VIRTIO_NET_CTRL_RX_PROMISC, VIRTIO_NET_CTRL_RX_ALLMULTI, VIRTIO_NET_CTRL_RX_ALLUNI,
      VIRTIO_NET_CTRL_RX_NOMULTI, VIRTIO_NET_CTRL_RX_NOUNI,    VIRTIO_NET_CTRL_RX_NOBCAST};
  model_err e = MODEL_OK;
  if (cmd->op == SCN_OP_CTRL_RX)
    e = drv_net_ctrl_rx(&c->drv, rx_cmd[cmd->key], cmd->flag);
  else if (cmd->op == SCN_OP_CTRL_MAC_TABLE)
    e = drv_net_ctrl_mac_table(&c->drv, cmd->macs, cmd->uni_count, cmd->macs + cmd->uni_count,
                               cmd->multi_count);
  else
    e = drv_net_ctrl_mac_addr(&c->drv, cmd->mac);
  record(c, cmd, e);
  return true;
}

/* status BIT: one step of the status sequence. DRIVER_OK after `queues`
 * also fills the receive ring (drv_net_activate), as drv_net_start does. */
/* `config read`: inside the generation loop (ctx: the offered features),
 * every field whose feature is offered, each at its own width; the values
 * are thrown away. */
static model_err config_offered_fields(struct drv_mmio *m, void *ctx) {
  uint64_t offered = *(const uint64_t *)ctx;
  uint8_t byte = 0;
  uint16_t v16 = 0;
  if (model_features_has(offered, VIRTIO_NET_F_MAC)) {
    for (uint32_t i = 0; i < MODEL_NET_MAC_LEN; i++)
      MODEL_TRY(drv_mmio_config_u8(m, MODEL_NET_CFG_OFF_MAC + i, &byte));
  }
  if (model_features_has(offered, VIRTIO_NET_F_STATUS))
    MODEL_TRY(drv_mmio_config_le16(m, MODEL_NET_CFG_OFF_STATUS, &v16));
  if (model_features_has(offered, VIRTIO_NET_F_MTU))
    MODEL_TRY(drv_mmio_config_le16(m, MODEL_NET_CFG_OFF_MTU, &v16));
  return MODEL_OK;
}

static model_err act_status(struct ictx *c, uint8_t bit) {
  struct drv_core *core = drv_net_core(&c->drv);
  if (bit == VIRTIO_STATUS_FAILED)
    return drv_core_fail(core);
  MODEL_TRY(drv_core_add_status(core, bit));
  if (bit == VIRTIO_STATUS_DRIVER_OK && c->drv.state == DRV_NET_SETUP)
    return drv_net_activate(&c->drv);
  return MODEL_OK;
}

/* ------------------------------------------------------------------ */
/* expectations                                                         */

static const char *bits_test_name(uint32_t test) {
  return test == SCN_BITS_EQ ? "==" : test == SCN_BITS_HAS ? "has" : "lacks";
}

static bool bits_hold(uint32_t test, uint64_t value, uint64_t bits) {
  switch ((enum scn_bits_test)test) {
  case SCN_BITS_EQ:
    return value == bits;
  case SCN_BITS_HAS:
    return (value & bits) == bits;
  case SCN_BITS_LACKS:
    return (value & bits) == 0;
  }
  return false;
}

static bool expect_status(struct ictx *c, const struct scn_cmd *cmd) {
  uint8_t status = dev_core_status(dev_net_core(&c->dev));
  char have[128], want[128];
  if (bits_hold(cmd->key, status, cmd->a))
    return true;
  return ifail(c, cmd->line, "expect status %s %s: device status is %s (0x%02x)",
               bits_test_name(cmd->key), model_status_format((uint8_t)cmd->a, want, sizeof want),
               model_status_format(status, have, sizeof have), (unsigned)status);
}

/* "A B C" for a feature mask, into buf. */
static const char *features_format(uint64_t f, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (unsigned bit = 0; bit < 64u && used + 1u < size; bit++) {
    if (!model_features_has(f, bit))
      continue;
    const char *name = model_feature_name(VIRTIO_ID_NET, bit);
    char num[16];
    if (name == NULL) {
      (void)snprintf(num, sizeof num, "bit%u", bit);
      name = num;
    }
    int n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", name);
    if (n < 0)
      break;
    used += (size_t)n;
  }
  if (used == 0)
    (void)snprintf(buf, size, "none");
  return buf;
}

/* The negotiated features are what the device latched when it kept
 * FEATURES_OK. While the driver also believes negotiation succeeded, the two
 * views must agree; a driver that gave up (FAILED) has no view. */
static bool expect_features(struct ictx *c, const struct scn_cmd *cmd) {
  const struct drv_core *core = drv_net_core(&c->drv);
  uint64_t dev_f = dev_core_features(dev_net_core(&c->dev));
  uint64_t want = cmd->features.base;
  /* a scenario that runs on both formats cannot name the ring format, so
   * it does not see it: `== LIST` holds on both */
  uint64_t seen = c->script->rings == SCN_RINGS_ALL ? dev_f & ~ring_mask() : dev_f;
  char a[512], b[512];
  if (core->features_ok && core->driver_features != dev_f)
    return ifail(c, cmd->line,
                 "device and driver disagree on the negotiated features: device "
                 "[%s], driver [%s]",
                 features_format(dev_f, a, sizeof a),
                 features_format(core->driver_features, b, sizeof b));
  if (bits_hold(cmd->key, seen, want))
    return true;
  return ifail(c, cmd->line, "expect features %s %s: negotiated [%s]", bits_test_name(cmd->key),
               features_format(want, a, sizeof a), features_format(dev_f, b, sizeof b));
}

static bool expect_result(struct ictx *c, const struct scn_cmd *cmd) {
  c->unchecked = NULL;
  if (c->last_result == (model_err)cmd->a)
    return true;
  if (c->last_result_line == 0)
    return ifail(c, cmd->line, "expect result %s: no action has run yet",
                 cmd->a == MODEL_OK ? "ok" : err_text((model_err)cmd->a));
  return ifail(c, cmd->line, "expect result %s: line %u gave %s (%s)",
               cmd->a == MODEL_OK ? "ok" : err_text((model_err)cmd->a),
               (unsigned)c->last_result_line,
               c->last_result == MODEL_OK ? "ok" : err_text(c->last_result),
               model_err_message(c->last_result));
}

static bool expect_counter(struct ictx *c, const struct scn_cmd *cmd) {
  uint64_t v = c->world.bus.counters[cmd->key];
  if (scn_cmp_holds(cmd->cmp, v, cmd->a))
    return true;
  return ifail(c, cmd->line, "expect counter %s %s %" PRIu64 ": it is %" PRIu64,
               sim_counter_name((enum sim_counter)cmd->key), scn_cmp_name(cmd->cmp), cmd->a, v);
}

static uint64_t frame_figure(const struct sim_nic_stream_stats *st, uint32_t fig, uint32_t reason) {
  uint64_t sum = 0;
  switch ((enum scn_frame_figure)fig) {
  case SCN_FIG_GENERATED:
    return st->generated;
  case SCN_FIG_DUPLICATED:
    return st->duplicated;
  case SCN_FIG_DELIVERED:
    return st->delivered;
  case SCN_FIG_DELIVERED_DUP:
    return st->delivered_dup;
  case SCN_FIG_CORRUPT:
    return st->corrupt;
  case SCN_FIG_ON_WIRE:
    return st->on_wire;
  case SCN_FIG_DROPPED:
    if (reason < (uint32_t)SIM_DROP_COUNT)
      return st->dropped[reason];
    for (unsigned r = 0; r < (unsigned)SIM_DROP_COUNT; r++)
      sum += st->dropped[r];
    return sum;
  case SCN_FIG_COUNT:
    break;
  }
  return 0;
}

static bool expect_frames(struct ictx *c, const struct scn_cmd *cmd) {
  const struct sim_nic_stream_stats *st = &c->world.nic.stats[cmd->key];
  uint64_t v = frame_figure(st, cmd->key2, cmd->key3);
  if (scn_cmp_holds(cmd->cmp, v, cmd->a))
    return true;
  bool reason = cmd->key2 == SCN_FIG_DROPPED && cmd->key3 < (uint32_t)SIM_DROP_COUNT;
  return ifail(c, cmd->line, "expect frames %s %s%s%s %s %" PRIu64 ": it is %" PRIu64,
               sim_stream_name((enum sim_stream)cmd->key),
               scn_frame_figure_name((enum scn_frame_figure)cmd->key2), reason ? " " : "",
               reason ? sim_drop_reason_name((enum sim_drop_reason)cmd->key3) : "",
               scn_cmp_name(cmd->cmp), cmd->a, v);
}

static bool expect_accounted(struct ictx *c, uint32_t line) {
  char why[256];
  if (sim_nic_check_accounted(&c->world.nic, why, sizeof why))
    return true;
  return ifail(c, line, "frames not accounted for: %s", why);
}

static bool expect_link(struct ictx *c, const struct scn_cmd *cmd) {
  bool up = drv_net_link_up(&c->drv);
  if (up == cmd->flag)
    return true;
  return ifail(c, cmd->line, "expect link %s: the driver sees the link %s",
               cmd->flag ? "up" : "down", up ? "up" : "down");
}

static bool expect_ctrl(struct ictx *c, const struct scn_cmd *cmd) {
  const char *want = cmd->flag ? "ok" : "err";
  if (drv_net_ctrl_busy(&c->drv))
    return ifail(c, cmd->line,
                 "expect ctrl %s: the control command is still in flight (add "
                 "'run' before this line)",
                 want);
  int ack = drv_net_ctrl_last_ack(&c->drv);
  if (ack < 0)
    return ifail(c, cmd->line, "expect ctrl %s: no control command was acknowledged", want);
  if ((ack == (int)VIRTIO_NET_OK) == cmd->flag)
    return true;
  return ifail(c, cmd->line, "expect ctrl %s: the device acknowledged with %d (%s)", want, ack,
               ack == (int)VIRTIO_NET_OK ? "VIRTIO_NET_OK" : "VIRTIO_NET_ERR");
}

/* ------------------------------------------------------------------ */
/* the monitor's verdicts                                               */

static bool is_expected(const struct scn_script *s, size_t catalog_index) {
  for (size_t i = 0; i < s->cmd_count; i++)
    if (s->cmds[i].op == SCN_OP_EXPECT_VIOLATION && s->cmds[i].a == catalog_index)
      return true;
  return false;
}

/* "2.2.1#1 by driver at t=12 trace=345: detail (3 times)": a clause's
 * first verdict and how often it was violated. */
static void append_verdict(struct ictx *c, const struct model_clause *clause,
                           const struct model_mon_tally *t) {
  char pos[24] = "-";
  if (t->first.trace_pos != SIM_TRACE_POS_NONE)
    (void)snprintf(pos, sizeof pos, "%" PRIu64, t->first.trace_pos);
  iappend(c, "\n    %s by %s at t=%" PRIu64 " trace=%s: %s", clause->id,
          model_target_name(clause->target), t->first.time_ticks, pos, t->first.detail);
  if (t->violations > 1)
    iappend(c, " (%" PRIu64 " times)", t->violations);
}

/* Order of first verdicts: (time, trace position, catalog index). */
struct verdict_key {
  uint64_t time_ticks, trace_pos;
  size_t index;
};

static bool key_before(const struct verdict_key *a, const struct verdict_key *b) {
  if (a->time_ticks != b->time_ticks)
    return a->time_ticks < b->time_ticks;
  if (a->trace_pos != b->trace_pos)
    return a->trace_pos < b->trace_pos;
  return a->index < b->index;
}

/* The unexpected clause whose first verdict comes next after *after (all of
 * them if after is NULL); false if none is left. */
static bool next_unexpected(struct ictx *c, const struct verdict_key *after_or_null,
                            struct verdict_key *next) {
  struct verdict_key after_copy = {0, 0, 0};
  const struct verdict_key *after = NULL;
  bool found = false;
  if (after_or_null != NULL) {
    after_copy = *after_or_null; /* next may be the same key */
    after = &after_copy;
  }
  for (size_t i = 0; i < model_catalog_count(); i++) {
    const struct model_mon_tally *t = model_mon_tally(c->mon, i);
    if (t->violations == 0 || is_expected(c->script, i))
      continue;
    struct verdict_key k = {t->first.time_ticks, t->first.trace_pos, i};
    if ((after == NULL || key_before(after, &k)) && (!found || key_before(&k, next))) {
      *next = k;
      found = true;
    }
  }
  return found;
}

/* Violations of clauses no `expect violation` names: each clause once, in
 * the order of their first verdicts (the first is most often the cause of
 * the others), with how often it was violated. */
static void judge_unexpected(struct ictx *c, uint32_t none_line) {
  size_t unexpected = 0, listed = 0;
  for (size_t i = 0; i < model_catalog_count(); i++)
    if (model_mon_tally(c->mon, i)->violations != 0 && !is_expected(c->script, i))
      unexpected++;
  if (unexpected == 0)
    return;
  if (!c->failed)
    (void)ifail(c, none_line,
                "the monitor saw %zu violated clause%s the scenario does not expect:", unexpected,
                unexpected == 1 ? "" : "s");
  else
    iappend(c, "\n  the monitor also saw %zu violated clause%s the scenario does not expect:",
            unexpected, unexpected == 1 ? "" : "s");
  struct verdict_key key = {0, 0, 0};
  for (bool more = next_unexpected(c, NULL, &key); more && listed < SCN_MESSAGE_VERDICTS_MAX;
       more = next_unexpected(c, &key, &key)) {
    append_verdict(c, model_catalog_at(key.index), model_mon_tally(c->mon, key.index));
    listed++;
  }
  if (listed < unexpected)
    iappend(c, "\n    ... and %zu more", unexpected - listed);
}

/* Every `expect violation` must have fired; nothing else may have. A run
 * that already failed is not judged on what it expected (it may have
 * stopped before the misbehaviour), only told what else the monitor saw. */
static void judge_verdicts(struct ictx *c) {
  uint32_t none_line = 0;
  if (c->mon == NULL || c->judged)
    return;
  c->judged = true;
  for (size_t i = 0; i < c->script->cmd_count; i++) {
    const struct scn_cmd *cmd = &c->script->cmds[i];
    if (cmd->op == SCN_OP_EXPECT_NO_VIOLATIONS && none_line == 0)
      none_line = cmd->line;
    if (cmd->op != SCN_OP_EXPECT_VIOLATION || c->failed)
      continue;
    const struct model_mon_tally *t = model_mon_tally(c->mon, (size_t)cmd->a);
    if (t->violations == 0)
      (void)ifail(c, cmd->line,
                  "expect violation %s by %s: the monitor saw none (the check was evaluated "
                  "%" PRIu64 " time%s)",
                  model_catalog_at((size_t)cmd->a)->id,
                  model_target_name((enum model_target)cmd->key), t->evaluated,
                  t->evaluated == 1 ? "" : "s");
  }
  judge_unexpected(c, none_line);
}

/* ------------------------------------------------------------------ */
/* the command loop                                                     */

static bool exec_cmd(struct ictx *c, const struct scn_cmd *cmd) {
  struct drv_core *core = drv_net_core(&c->drv);
  switch (cmd->op) {
  case SCN_OP_INIT:
    record(c, cmd, drv_net_start(&c->drv));
    return true;
  case SCN_OP_PROBE:
    record(c, cmd, drv_core_probe(core, VIRTIO_ID_NET));
    return true;
  case SCN_OP_RESET:
    record(c, cmd, drv_net_reset(&c->drv));
    return true;
  case SCN_OP_STATUS_SET:
    record(c, cmd, act_status(c, (uint8_t)cmd->a));
    return true;
  case SCN_OP_NEGOTIATE:
    record(c, cmd,
           drv_core_negotiate(core, c->ncfg.features_wanted, c->ncfg.features_required, NULL));
    return true;
  case SCN_OP_FEATURES_READ: {
    uint64_t offered = 0;
    record(c, cmd, drv_core_features_read(core, &offered));
    return true;
  }
  case SCN_OP_FEATURES_WRITE: {
    /* the ring format is part of what the driver writes, unless the line
     * (of a pinned script) says otherwise or writes none */
    uint64_t f = cmd->features.base;
    if (f != 0 && (f & ring_mask()) == 0)
      f = with_ring(c, f);
    record(c, cmd, drv_core_features_write(core, f));
    return true;
  }
  case SCN_OP_FEATURES_OK:
    record(c, cmd, drv_core_features_ok(core));
    return true;
  case SCN_OP_CONFIG_READ:
    record(c, cmd,
           drv_mmio_config_read(&core->mmio, config_offered_fields, &core->device_features));
    return true;
  case SCN_OP_QUEUES:
    record(c, cmd, drv_net_setup(&c->drv));
    return true;
  case SCN_OP_FAIL:
    record(c, cmd, drv_core_fail(core));
    return true;
  case SCN_OP_SEND:
    return act_send(c, cmd);
  case SCN_OP_PEER_SEND:
    return act_peer_send(c, cmd);
  case SCN_OP_CTRL_RX:
  case SCN_OP_CTRL_MAC_TABLE:
  case SCN_OP_CTRL_MAC_ADDR:
    return act_ctrl(c, cmd);
  case SCN_OP_QUEUE_STOP:
    record(c, cmd, drv_net_queue_stop(&c->drv, (unsigned)cmd->a));
    return true;
  case SCN_OP_LINK:
    dev_net_set_link(&c->dev, cmd->flag);
    return true;
  case SCN_OP_RUN:
    return cmd->flag ? run_idle(c, cmd->line)
                     : run_until(c, cmd->line, sat_add(sim_sched_now(&c->world.sched), cmd->a),
                                 c->events);
  case SCN_OP_NOTE:
    sim_bus_note(&c->world.bus, SIM_ACTOR_WORLD, cmd->text);
    return true;
  case SCN_OP_EXPECT_STATUS:
    return expect_status(c, cmd);
  case SCN_OP_EXPECT_FEATURES:
    return expect_features(c, cmd);
  case SCN_OP_EXPECT_RESULT:
    return expect_result(c, cmd);
  case SCN_OP_EXPECT_COUNTER:
    return expect_counter(c, cmd);
  case SCN_OP_EXPECT_FRAMES:
    return expect_frames(c, cmd);
  case SCN_OP_EXPECT_ACCOUNTED:
    return expect_accounted(c, cmd->line);
  case SCN_OP_EXPECT_LINK:
    return expect_link(c, cmd);
  case SCN_OP_EXPECT_CTRL:
    return expect_ctrl(c, cmd);
  case SCN_OP_FAULT:
    return add_fault(c, cmd);
  case SCN_OP_OPTION_ACCOUNTING:
    c->accounting = cmd->flag;
    return true;
  case SCN_OP_OPTION_MAX_EVENTS:
    c->max_events = cmd->a;
    return true;
  case SCN_OP_EXPECT_VIOLATION:
  case SCN_OP_EXPECT_NO_VIOLATIONS:
    return true; /* judged at the end of the run: judge_verdicts() */
  case SCN_OP_SEEDS:
  case SCN_OP_RING:
  case SCN_OP_MEMORY:
  case SCN_OP_DEVICE_FEATURES:
  case SCN_OP_DEVICE_QUEUE_SIZE_MAX:
  case SCN_OP_DEVICE_MTU:
  case SCN_OP_DEVICE_MAC:
  case SCN_OP_DEVICE_LINK:
  case SCN_OP_DEVICE_POLL:
  case SCN_OP_DRIVER_FEATURES:
  case SCN_OP_DRIVER_REQUIRES:
  case SCN_OP_DRIVER_QUEUE:
  case SCN_OP_DRIVER_RX_BUFFERS:
  case SCN_OP_DRIVER_TX_SEGMENTS:
  case SCN_OP_DRIVER_TX_INDIRECT:
  case SCN_OP_DRIVER_TX_INTERRUPTS:
  case SCN_OP_WIRE_LOSS:
  case SCN_OP_WIRE_DUP:
  case SCN_OP_WIRE_REORDER:
  case SCN_OP_WIRE_DELAY:
  case SCN_OP_WIRE_LOOPBACK:
  case SCN_OP_LATENCY_NOTIFY:
  case SCN_OP_LATENCY_IRQ:
  case SCN_OP_MISBEHAVE_DRIVER:
  case SCN_OP_MISBEHAVE_DEVICE:
  case SCN_OP_MONITOR:
    apply_setup(c, cmd);
    return true;
  case SCN_OP_COUNT:
    break;
  }
  return ifail(c, cmd->line, "internal: unknown command");
}

/* An action failed and the next line is not `expect result`. */
static bool check_unchecked(struct ictx *c, const struct scn_cmd *next) {
  if (c->unchecked == NULL || (next != NULL && next->op == SCN_OP_EXPECT_RESULT))
    return true;
  const struct scn_cmd *u = c->unchecked;
  return ifail(c, u->line,
               "'%s' failed with %s (%s); if that is intended, follow it with "
               "'expect result %s'",
               scn_op_name(u->op), err_text(c->last_result), model_err_message(c->last_result),
               err_text(c->last_result));
}

static bool needs_world(enum scn_op op) {
  return !is_setup(op) && op != SCN_OP_FAULT && op != SCN_OP_OPTION_ACCOUNTING &&
         op != SCN_OP_OPTION_MAX_EVENTS && op != SCN_OP_EXPECT_VIOLATION &&
         op != SCN_OP_EXPECT_NO_VIOLATIONS;
}

/* Actions run driver (or device, NIC) code; `run` syncs event by event. */
static bool is_action(enum scn_op op) {
  return op >= SCN_OP_INIT && op <= SCN_OP_NOTE && op != SCN_OP_RUN;
}

static void run_script(struct ictx *c) {
  const struct scn_script *s = c->script;
  for (size_t i = 0; i < s->cmd_count; i++) {
    const struct scn_cmd *cmd = &s->cmds[i];
    if (!check_unchecked(c, cmd))
      return;
    if (needs_world(cmd->op) && !c->world_up && !build(c, cmd->line))
      return;
    if (!exec_cmd(c, cmd))
      return;
    if (is_action(cmd->op))
      mon_sync(c, MODEL_MON_SYNC_EVENT_END);
  }
  if (!check_unchecked(c, NULL))
    return;
  uint32_t last = s->cmd_count > 0 ? s->cmds[s->cmd_count - 1].line : 0;
  if (!c->world_up && !build(c, last))
    return;
  /* The end of every script: settle, then everything must be accounted. */
  if (!run_idle(c, last))
    return;
  if (c->mon != NULL)
    model_mon_finish(c->mon); /* liveness: what never came */
  /* a violation is more often the cause of a lost frame than its effect */
  judge_verdicts(c);
  if (c->accounting)
    (void)expect_accounted(c, 0);
}

/* Copy the monitor's results into the outcome (which owns the copies). */
static void collect_monitor(struct ictx *c) {
  struct scn_outcome *out = c->out;
  size_t count = model_catalog_count();
  out->features_seen = model_mon_features_seen(c->mon);
  out->violation_count = model_mon_violation_count(c->mon);
  out->tallies = calloc(count, sizeof *out->tallies);
  out->verdict_count = model_mon_verdict_count(c->mon);
  out->verdicts = out->verdict_count ? calloc(out->verdict_count, sizeof *out->verdicts) : NULL;
  if (out->tallies == NULL || (out->verdict_count != 0 && out->verdicts == NULL)) {
    scn_outcome_fini(out);
    (void)ifail(c, 0, "out of memory copying the monitor's results");
    return;
  }
  for (size_t i = 0; i < count; i++)
    out->tallies[i] = *model_mon_tally(c->mon, i);
  for (size_t i = 0; i < out->verdict_count; i++)
    out->verdicts[i] = *model_mon_verdict_at(c->mon, i);
}

static void collect(struct ictx *c) {
  struct scn_outcome *out = c->out;
  out->monitor_suite = c->script->monitor_suite;
  out->events = c->events;
  if (c->world_up) {
    out->trace_hash = c->world.trace.hash;
    memcpy(out->counters, c->world.bus.counters, sizeof out->counters);
    memcpy(out->frames, c->world.nic.stats, sizeof out->frames);
    out->end_ticks = sim_sched_now(&c->world.sched);
  }
  if (c->mon != NULL)
    collect_monitor(c);
  out->passed = !c->failed;
}

void scn_run(const struct scn_script *script, uint64_t seed, const struct scn_run_opts *opts,
             struct scn_outcome *out) {
  memset(out, 0, sizeof *out);
  struct ictx *c = calloc(1, sizeof *c);
  if (c == NULL) {
    (void)snprintf(out->message, sizeof out->message, "%s: out of memory", script->path);
    return;
  }
  c->script = script;
  c->out = out;
  c->seed = seed;
  c->trace_dump = opts != NULL ? opts->trace_dump : NULL;
  c->force_observe = opts != NULL ? opts->monitor_observe : 0;
  c->ring = opts != NULL ? opts->ring : SCN_RING_SPLIT;
  out->ring = c->ring;
  defaults(c);
  run_script(c);
  judge_verdicts(c);
  collect(c);
  teardown(c);
  free(c);
}

void scn_outcome_fini(struct scn_outcome *out) {
  free(out->tallies);
  free(out->verdicts);
  out->tallies = NULL;
  out->verdicts = NULL;
  out->verdict_count = 0;
}
