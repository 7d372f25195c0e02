/*
 * model/monitor_impl.h: the conformance monitor's private state, shared by
 * its implementation files (not part of the contract; see model/monitor.h):
 *  - monitor.c        life cycle, verdicts, tallies, the check table, results,
 *                     synchronisation points, interrupts, faults;
 *  - monitor_regs.c   the register file as the driver uses it: status,
 *                     features, queue configuration, interrupt status, config
 *                     space and the MMIO access rules (2.1, 2.2, 2.4, 2.5, 3.1,
 *                     4.2.2, 4.2.3, 5.1.4);
 *  - monitor_ring.c   the split-ring shadow: publications, chains, used
 *                     elements, notification suppression (2.7, 3.3);
 *  - monitor_access.c guest-memory accesses: who touched which ring area or
 *                     buffer (2.7.5.1, 2.7.13.3.1, 3.3.1, 4.2.2.1#7, 2.7.8.2#1);
 *  - monitor_packed.c the packed-ring shadow (2.8) and in-order use on it
 *                     (6.2#3): positions, outstanding buffers by id, the
 *                     descriptor accesses of both sides, event suppression;
 *  - monitor_ranges.c the outstanding buffer ranges of a ring, an interval
 *                     treap searched by address;
 *  - monitor_net.c    virtio-net payloads: tx and rx headers, rx buffer sizes,
 *                     control commands (5.1.4, 5.1.9).
 *
 * Invariants: every shadow field holds only what was observed (register
 * values read or written, guest memory read through cfg.mem); a ring shadow
 * exists only for a queue that was made ready, and all its arrays have
 * `num` entries (range pool: MON_RANGES_PER_HEAD * num); nothing is allocated
 * after QueueReady except by a later QueueReady.
 */
#ifndef VIOSIM_MODEL_MONITOR_IMPL_H
#define VIOSIM_MODEL_MONITOR_IMPL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/monitor.h"
#include "model/virtio.h"

/* The checks, by the catalog id they judge, in catalog order. */
#define MON_CHECKS(X)                                                                              \
  X(C_2_1_1_2, "2.1.1#2")                                                                          \
  X(C_2_1_1_3, "2.1.1#3")                                                                          \
  X(C_2_1_2_1, "2.1.2#1")                                                                          \
  X(C_2_1_2_3, "2.1.2#3")                                                                          \
  X(C_2_2_1_1, "2.2.1#1")                                                                          \
  X(C_2_2_1_2, "2.2.1#2")                                                                          \
  X(C_2_2_1_5, "2.2.1#5")                                                                          \
  X(C_2_2_2_1, "2.2.2#1")                                                                          \
  X(C_2_2_2_2, "2.2.2#2")                                                                          \
  X(C_2_2_2_3, "2.2.2#3")                                                                          \
  X(C_2_2_2_4, "2.2.2#4")                                                                          \
  X(C_2_2_2_5, "2.2.2#5")                                                                          \
  X(C_2_4_1_1, "2.4.1#1")                                                                          \
  X(C_2_4_1_2, "2.4.1#2")                                                                          \
  X(C_2_4_2_1, "2.4.2#1")                                                                          \
  X(C_2_5_1_2, "2.5.1#2")                                                                          \
  X(C_2_5_1_3, "2.5.1#3")                                                                          \
  X(C_2_5_2_1, "2.5.2#1")                                                                          \
  X(C_2_7_1_1, "2.7.1#1")                                                                          \
  X(C_2_7_4_2_1, "2.7.4.2#1")                                                                      \
  X(C_2_7_5_1_1, "2.7.5.1#1")                                                                      \
  X(C_2_7_5_1_2, "2.7.5.1#2")                                                                      \
  X(C_2_7_5_1_3, "2.7.5.1#3")                                                                      \
  X(C_2_7_5_2_1, "2.7.5.2#1")                                                                      \
  X(C_2_7_5_2_2, "2.7.5.2#2")                                                                      \
  X(C_2_7_5_3_1_1, "2.7.5.3.1#1")                                                                  \
  X(C_2_7_5_3_1_2, "2.7.5.3.1#2")                                                                  \
  X(C_2_7_5_3_1_3, "2.7.5.3.1#3")                                                                  \
  X(C_2_7_5_3_1_4, "2.7.5.3.1#4")                                                                  \
  X(C_2_7_5_3_1_5, "2.7.5.3.1#5")                                                                  \
  X(C_2_7_6_1_1, "2.7.6.1#1")                                                                      \
  X(C_2_7_7_1_1, "2.7.7.1#1")                                                                      \
  X(C_2_7_7_1_2, "2.7.7.1#2")                                                                      \
  X(C_2_7_7_2_2, "2.7.7.2#2")                                                                      \
  X(C_2_7_7_2_3, "2.7.7.2#3")                                                                      \
  X(C_2_7_7_2_5, "2.7.7.2#5")                                                                      \
  X(C_2_7_7_2_6, "2.7.7.2#6")                                                                      \
  X(C_2_7_8_2_1, "2.7.8.2#1")                                                                      \
  X(C_2_7_8_2_2, "2.7.8.2#2")                                                                      \
  X(C_2_7_10_1_1, "2.7.10.1#1")                                                                    \
  X(C_2_7_10_1_3, "2.7.10.1#3")                                                                    \
  X(C_2_7_10_1_4, "2.7.10.1#4")                                                                    \
  X(C_2_7_10_1_6, "2.7.10.1#6")                                                                    \
  X(C_2_7_10_1_7, "2.7.10.1#7")                                                                    \
  X(C_2_7_10_2_1, "2.7.10.2#1")                                                                    \
  X(C_2_7_10_2_2, "2.7.10.2#2")                                                                    \
  X(C_2_7_13_3_1_1, "2.7.13.3.1#1")                                                                \
  X(C_2_8_11_1, "2.8.11#1")                                                                        \
  X(C_2_8_12_1, "2.8.12#1")                                                                        \
  X(C_2_8_12_2, "2.8.12#2")                                                                        \
  X(C_2_8_15_1, "2.8.15#1")                                                                        \
  X(C_2_8_15_2, "2.8.15#2")                                                                        \
  X(C_2_8_15_3, "2.8.15#3")                                                                        \
  X(C_2_8_15_4, "2.8.15#4")                                                                        \
  X(C_2_8_16_1, "2.8.16#1")                                                                        \
  X(C_2_8_16_2, "2.8.16#2")                                                                        \
  X(C_2_8_17_1, "2.8.17#1")                                                                        \
  X(C_2_8_17_2, "2.8.17#2")                                                                        \
  X(C_2_8_17_3, "2.8.17#3")                                                                        \
  X(C_2_8_17_5, "2.8.17#5")                                                                        \
  X(C_2_8_17_6, "2.8.17#6")                                                                        \
  X(C_2_8_19_1, "2.8.19#1")                                                                        \
  X(C_2_8_19_2, "2.8.19#2")                                                                        \
  X(C_2_8_19_3, "2.8.19#3")                                                                        \
  X(C_2_8_19_4, "2.8.19#4")                                                                        \
  X(C_2_8_21_1_1_1, "2.8.21.1.1#1")                                                                \
  X(C_2_8_21_3_1_1, "2.8.21.3.1#1")                                                                \
  X(C_3_1_1_1, "3.1.1#1")                                                                          \
  X(C_3_1_1_3, "3.1.1#3")                                                                          \
  X(C_3_1_1_4, "3.1.1#4")                                                                          \
  X(C_3_1_1_5, "3.1.1#5")                                                                          \
  X(C_3_1_1_6, "3.1.1#6")                                                                          \
  X(C_3_3_1_1, "3.3.1#1")                                                                          \
  X(C_3_3_1_2, "3.3.1#2")                                                                          \
  X(C_4_2_2_1_1, "4.2.2.1#1")                                                                      \
  X(C_4_2_2_1_2, "4.2.2.1#2")                                                                      \
  X(C_4_2_2_1_3, "4.2.2.1#3")                                                                      \
  X(C_4_2_2_1_4, "4.2.2.1#4")                                                                      \
  X(C_4_2_2_1_5, "4.2.2.1#5")                                                                      \
  X(C_4_2_2_1_6, "4.2.2.1#6")                                                                      \
  X(C_4_2_2_1_7, "4.2.2.1#7")                                                                      \
  X(C_4_2_2_2_1, "4.2.2.2#1")                                                                      \
  X(C_4_2_2_2_2, "4.2.2.2#2")                                                                      \
  X(C_4_2_2_2_3, "4.2.2.2#3")                                                                      \
  X(C_4_2_2_2_4, "4.2.2.2#4")                                                                      \
  X(C_4_2_2_2_5, "4.2.2.2#5")                                                                      \
  X(C_4_2_2_2_6, "4.2.2.2#6")                                                                      \
  X(C_4_2_2_2_7, "4.2.2.2#7")                                                                      \
  X(C_4_2_2_2_8, "4.2.2.2#8")                                                                      \
  X(C_4_2_2_2_10, "4.2.2.2#10")                                                                    \
  X(C_4_2_2_2_11, "4.2.2.2#11")                                                                    \
  X(C_4_2_2_2_12, "4.2.2.2#12")                                                                    \
  X(C_4_2_2_2_13, "4.2.2.2#13")                                                                    \
  X(C_4_2_2_2_15, "4.2.2.2#15")                                                                    \
  X(C_4_2_2_2_17, "4.2.2.2#17")                                                                    \
  X(C_4_2_2_2_18, "4.2.2.2#18")                                                                    \
  X(C_4_2_3_1_1_1, "4.2.3.1.1#1")                                                                  \
  X(C_4_2_3_1_1_2, "4.2.3.1.1#2")                                                                  \
  X(C_4_2_3_1_1_4, "4.2.3.1.1#4")                                                                  \
  X(C_4_2_3_1_1_5, "4.2.3.1.1#5")                                                                  \
  X(C_4_2_3_4_1_1, "4.2.3.4.1#1")                                                                  \
  X(C_5_1_4_1_2, "5.1.4.1#2")                                                                      \
  X(C_5_1_4_1_3, "5.1.4.1#3")                                                                      \
  X(C_5_1_4_1_4, "5.1.4.1#4")                                                                      \
  X(C_5_1_4_1_5, "5.1.4.1#5")                                                                      \
  X(C_5_1_4_1_12, "5.1.4.1#12")                                                                    \
  X(C_5_1_4_1_13, "5.1.4.1#13")                                                                    \
  X(C_5_1_4_2_1, "5.1.4.2#1")                                                                      \
  X(C_5_1_4_2_2, "5.1.4.2#2")                                                                      \
  X(C_5_1_4_2_3, "5.1.4.2#3")                                                                      \
  X(C_5_1_4_2_7, "5.1.4.2#7")                                                                      \
  X(C_5_1_4_2_8, "5.1.4.2#8")                                                                      \
  X(C_5_1_4_2_9, "5.1.4.2#9")                                                                      \
  X(C_5_1_4_2_14, "5.1.4.2#14")                                                                    \
  X(C_5_1_9_2_1_1, "5.1.9.2.1#1")                                                                  \
  X(C_5_1_9_2_1_2, "5.1.9.2.1#2")                                                                  \
  X(C_5_1_9_2_1_3, "5.1.9.2.1#3")                                                                  \
  X(C_5_1_9_2_1_5, "5.1.9.2.1#5")                                                                  \
  X(C_5_1_9_2_1_6, "5.1.9.2.1#6")                                                                  \
  X(C_5_1_9_2_1_7, "5.1.9.2.1#7")                                                                  \
  X(C_5_1_9_2_1_8, "5.1.9.2.1#8")                                                                  \
  X(C_5_1_9_2_1_23, "5.1.9.2.1#23")                                                                \
  X(C_5_1_9_2_1_24, "5.1.9.2.1#24")                                                                \
  X(C_5_1_9_2_1_25, "5.1.9.2.1#25")                                                                \
  X(C_5_1_9_2_1_26, "5.1.9.2.1#26")                                                                \
  X(C_5_1_9_2_1_36, "5.1.9.2.1#36")                                                                \
  X(C_5_1_9_3_1_2, "5.1.9.3.1#2")                                                                  \
  X(C_5_1_9_3_1_3, "5.1.9.3.1#3")                                                                  \
  X(C_5_1_9_3_2_1, "5.1.9.3.2#1")                                                                  \
  X(C_5_1_9_3_2_2, "5.1.9.3.2#2")                                                                  \
  X(C_5_1_9_4_1_1, "5.1.9.4.1#1")                                                                  \
  X(C_5_1_9_4_1_2, "5.1.9.4.1#2")                                                                  \
  X(C_5_1_9_4_1_3, "5.1.9.4.1#3")                                                                  \
  X(C_5_1_9_4_1_4, "5.1.9.4.1#4")                                                                  \
  X(C_5_1_9_4_1_5, "5.1.9.4.1#5")                                                                  \
  X(C_5_1_9_4_1_7, "5.1.9.4.1#7")                                                                  \
  X(C_5_1_9_4_1_8, "5.1.9.4.1#8")                                                                  \
  X(C_5_1_9_4_1_9, "5.1.9.4.1#9")                                                                  \
  X(C_5_1_9_4_1_10, "5.1.9.4.1#10")                                                                \
  X(C_5_1_9_4_1_24, "5.1.9.4.1#24")                                                                \
  X(C_5_1_9_4_1_28, "5.1.9.4.1#28")                                                                \
  X(C_5_1_9_5_1_2_1, "5.1.9.5.1.2#1")                                                              \
  X(C_5_1_9_5_1_2_2, "5.1.9.5.1.2#2")                                                              \
  X(C_5_1_9_5_2_1_3, "5.1.9.5.2.1#3")                                                              \
  X(C_5_1_9_5_2_2_1, "5.1.9.5.2.2#1")                                                              \
  X(C_5_1_9_5_2_2_3, "5.1.9.5.2.2#3")                                                              \
  X(C_6_1_1, "6.1#1")                                                                              \
  X(C_6_2_1, "6.2#1")                                                                              \
  X(C_6_2_3, "6.2#3")

enum mon_chk {
#define MON_CHK_ENUM(name, id) MON_##name,
  MON_CHECKS(MON_CHK_ENUM)
#undef MON_CHK_ENUM
      MON_CHK_COUNT
};

#define MON_NONE16 0xffffu
#define MON_NONE32 0xffffffffu

/* Range pool per ring: direct chains use at most one range per ring
 * descriptor; an indirect chain adds its table and its own descriptors. A
 * chain that does not fit is kept with the ranges that did (ranges_partial). */
#define MON_RANGES_PER_HEAD 4u
/* Indirect tables published (idx written) in the current driver event. */
#define MON_PUB_TABLES_MAX 16u
/* virtio-net config space the monitor follows, bytes. */
#define MON_CFG_SIZE 28u
/* Used idx writes remembered between two judgings of a ring (more are
 * dropped: only a split publication could then go unnoticed). */
#define MON_USED_MARKS_MAX 16u
/* Feature sets remembered as kept with FEATURES_OK (2.2.2#5); later ones
 * are not remembered. */
#define MON_FO_KEPT_MAX 8u

enum mon_range_kind { MON_RANGE_READ, MON_RANGE_WRITE, MON_RANGE_TABLE };

struct mon_range {
  uint64_t start, end, max_end; /* [start, end); max_end over the subtree */
  uint32_t left, right; /* treap children (MON_NONE32); pending: previous and next pending */
  uint32_t next;        /* next range of the same chain, in chain order */
  uint32_t prio;
  uint16_t head;
  uint8_t kind;    /* enum mon_range_kind */
  uint8_t pending; /* added, not in the treap yet (monitor_ranges.c) */
};

struct mon_head {
  uint64_t readable, writable; /* bytes the chain offers the device */
  uint32_t first_range, last_range;
  uint16_t first_desc; /* ring descriptors of the chain: first_desc, desc_chain_next[]... */
  uint32_t pub_event;  /* event id + 1 if published by an idx write of that event */
  bool outstanding;
  bool ranges_partial; /* the pool ran out: some ranges are not tracked */
};

/* One buffer element of the chain being walked. */
struct mon_seg {
  uint64_t addr;
  uint32_t len;
  bool writable;
};

struct mon_ring {
  uint32_t num;
  uint64_t desc, avail, used;             /* area addresses */
  uint64_t desc_end, avail_end, used_end; /* their ends (UINT64_MAX if past it) */

  uint16_t avail_idx;         /* published entries judged up to here */
  uint16_t avail_idx_written; /* the driver's latest idx (accesses) */
  uint16_t used_idx;          /* used entries judged up to here */
  uint16_t used_idx_written;  /* the device's latest idx (accesses) */
  uint16_t avail_flags, used_event, used_flags, avail_event; /* last seen */

  uint16_t avail_idx_at_notify; /* avail idx when the driver last notified */
  uint16_t used_idx_at_irq;     /* used idx at the last used buffer notification */
  uint16_t pub_from;            /* first idx the driver published in pub_event */
  uint32_t pub_event;           /* event id + 1 of that publication; 0: none */
  bool notify_owed;             /* published, notification due by event end */
  bool irq_owed;                /* used, notification due by event end */
  bool published_in_event, used_in_event;

  struct mon_head *heads;    /* num */
  uint16_t *desc_owner;      /* num: head of the outstanding chain, or MON_NONE16 */
  uint16_t *desc_chain_next; /* num: next ring descriptor of the same chain */
  uint32_t *desc_pub_mark;   /* num: event id + 1 when published by an idx write */
  uint32_t *desc_write_mark; /* num: event id + 1 when the driver last wrote it */
  uint8_t *desc_pub_ready;   /* num: it was written in that event before the idx write */
  uint8_t *used_written;     /* num: MON_USED_WROTE_ID | _LEN since last published */

  struct mon_range *ranges; /* range_cap */
  uint32_t range_cap, range_free, root;
  uint32_t pend_first;  /* the pending ranges, last added first */
  uint64_t min_start;   /* the lowest start in the treap (UINT64_MAX: empty) */
  uint32_t table_count; /* ranges of kind MON_RANGE_TABLE, in the treap or pending */
  uint32_t prio_state;

  struct mon_seg *segs; /* num + 1: the chain being walked */
  uint32_t seg_count;

  /* IN_ORDER (6.2#3): outstanding heads in the order they were made
   * available, a circular queue of num entries. */
  uint16_t *order;
  uint32_t order_first, order_count;

  /* virtio-net receive queue (monitor_net.c): the packet that continues
   * past the used entries judged so far, and (accesses) the used idx values
   * the device wrote since they were last judged. */
  uint16_t rx_left; /* buffers of that packet still to come */
  bool rx_prev_full, rx_gso_none;
  bool rx_spread; /* that packet is spread without MRG_RXBUF (5.1.9.3.2#2) */
  uint64_t rx_payload;
  uint16_t used_marks[MON_USED_MARKS_MAX];
  uint32_t used_mark_count;
};

#define MON_USED_WROTE_ID  1u
#define MON_USED_WROTE_LEN 2u

/* A queue's ring areas, for classifying accesses while it is not ready. */
struct mon_areas {
  bool valid;
  bool packed; /* RING_PACKED layout: descriptor ring and two 4-byte event areas */
  uint32_t num;
  uint64_t desc, avail, used;
};

struct mon_queue {
  uint32_t size_max;
  bool size_max_known;
  uint32_t size;
  bool size_written;
  uint64_t desc_addr, driver_addr, device_addr;
  bool ready;                  /* QueueReady as the driver set it */
  bool ready_since_reset;      /* set to 1 since the last reset */
  struct mon_areas last_ready; /* areas at the last QueueReady = 1 */
  struct mon_ring *ring;       /* from QueueReady = 1 until reset or the next one */
  struct mon_pring *pring;     /* the same for a packed queue (monitor_packed.c) */
  bool stop_unsynced;          /* 0 written over QueueReady 1, not yet read back as 0 */
  bool stopped;                /* 0 written over QueueReady 1 since the last reset (3.3.1#2) */
};

enum mon_burst { MON_BURST_IDLE, MON_BURST_OPEN, MON_BURST_IN, MON_BURST_UNBRACKETED };

enum mon_actor_slot { MON_SLOT_DRIVER, MON_SLOT_DEVICE, MON_SLOT_OTHER, MON_SLOT_COUNT };

/* A span of guest memory cfg.mem.view gave: bytes [base, base + size). */
struct mon_span {
  const uint8_t *bytes;
  uint64_t base, size;
};

struct model_mon {
  struct model_mon_config cfg;
  uint64_t now_ticks, trace_pos;
  /* The span of guest memory the last view gave (empty before one): the
   * peeks read inside it directly. A cache, so the peeks move it even on a
   * const monitor: span points at span_cache. */
  struct mon_span span_cache;
  struct mon_span *span;

  size_t catalog_count;
  struct model_mon_tally *tallies; /* catalog_count */
  size_t chk_index[MON_CHK_COUNT]; /* catalog index of each check */
  /* &tallies[chk_index[c]]: an evaluation is one increment, no lookup */
  struct model_mon_tally *chk_tally[MON_CHK_COUNT];
  uint64_t violations;
  size_t verdict_count;
  struct model_verdict verdicts[MODEL_MON_VERDICTS_MAX];

  /* device status */
  uint8_t status;
  unsigned driver_ok_count;     /* DRIVER_OK writes in the run, counted up to 2 */
  bool excused;                 /* injected reset: driver rules suspended */
  bool reset_readback_armed;    /* 2.4.2#1: the driver reset; next nonzero write judged */
  bool reset_readback_pending;  /* ... and no Status read returned 0 since */
  bool reset_poll_armed;        /* 2.4.1#1 */
  unsigned reset_nonzero_reads; /* consecutive nonzero Status reads since */
  bool nr_judged;               /* 2.1.2#3 judged for this DEVICE_NEEDS_RESET */
  uint64_t cfg_irq_count;       /* config change notifications raised */
  uint64_t cfg_irq_mark;        /* cfg_irq_count when the window opened */

  /* features */
  uint32_t offered[4];
  unsigned offered_known; /* bit per word read */
  uint32_t accepted[4];
  bool accepted_high; /* a nonzero word above 3 was written */
  uint32_t dev_sel, drv_sel;
  bool dev_sel_written, drv_sel_written;
  bool fo_readback_pending, fo_valid_known, fo_valid;
  uint64_t fo_accepted;              /* the set FEATURES_OK was written with */
  bool fo_wide;                      /* ... and it had bits above 63 (fo_kept holds 64) */
  uint64_t fo_kept[MON_FO_KEPT_MAX]; /* sets the device kept FEATURES_OK for (never reset) */
  size_t fo_kept_count;
  uint64_t negotiated;
  bool negotiated_valid;
  uint64_t features_seen;

  unsigned ident_state;        /* 4.2.3.1.1#1: 0 nothing, 1 magic read, 2 decided */
  bool magic_bad, version_bad; /* 4.2.2.2#6, #7: such a read was seen in the run */
  bool magic_valid;            /* the latest MagicValue read was valid */
  bool device_id_next;         /* 4.2.3.1.1#2: valid magic and version just read */
  bool device_id_zero;         /* 4.2.3.1.1#4, 4.2.2.2#8: DeviceID read 0 in the run */
  bool fo_refused;             /* 3.1.1#4, #5: FEATURES_OK refused, no reset since */
  bool failed_since_refusal;   /* ... and FAILED written since */
  uint8_t mac[6];              /* 5.1.4.2#3: the mac bytes the driver read */
  uint8_t mac_known;           /* bit per byte of mac[] */
  uint8_t mac_prev[6];         /* the mac before the last MAC_ADDR_SET acked OK */
  bool mac_prev_known;         /* ... frames made before the ack may carry it */

  uint32_t queue_sel;
  struct mon_queue queues[MODEL_MON_QUEUES_MAX];
  /* Bit q: queue q is ready with a split shadow (ring), a packed one
   * (pring). Derived from queues[] by model_mon_queues_update() after each
   * change of ready, ring or pring, so that the per-access rules visit only
   * the queues that have a ring instead of testing all of them. */
  uint32_t split_live, packed_live;

  /* interrupts */
  uint32_t isr_pending; /* raised and not yet acknowledged */
  uint32_t isr_raised_since_reset;
  uint32_t isr_stale;        /* pending at a reset, not raised or acknowledged since */
  bool used_moved_since_ack; /* some used idx moved since VRING was acked */
  uint32_t ack_owed;         /* bits the driver read and has not acked */
  bool handler_active, handler_isr_read;

  /* configuration space */
  enum mon_burst burst;
  uint32_t gen_before;
  uint8_t burst_val[MON_CFG_SIZE];
  bool burst_touched[MON_CFG_SIZE];
  bool cfg_committed[MON_CFG_SIZE];
  uint32_t cfg_gen[MON_CFG_SIZE];
  uint8_t cfg_val[MON_CFG_SIZE];
  bool cfg_early[MON_CFG_SIZE]; /* 2.5.2#1: cfg_val was read before FEATURES_OK */
  uint16_t mtu;
  bool mtu_known;
  uint16_t mtu_first; /* 5.1.4.1#4: the first mtu read in the run (kept across resets) */
  bool mtu_first_known;

  /* the current event */
  uint32_t event_id;
  bool failed_access[MON_SLOT_COUNT];
  struct {
    uint64_t addr, len;
  } pub_tables[MON_PUB_TABLES_MAX];
  size_t pub_table_count;

  /* 4.2.2.1#7: device accesses to the configured areas of the selected,
   * not yet ready queue, held until the next observation: inside the
   * QueueReady = 1 write that enables the queue (the device acting on it is
   * reported before the write itself) they are no violation. */
  struct {
    bool valid;
    uint16_t q;
    bool write;
    uint64_t addr, len, count, time_ticks, trace_pos;
  } unready_pend;

  uint64_t fault_count[MODEL_MON_FAULT_KIND_COUNT];
  uint64_t alloc_failures; /* ring shadows that could not be allocated */
};

/* ---- monitor.c ---- */
/* Inline: every access evaluates a few checks. */
static inline void model_mon_eval(struct model_mon *mon, enum mon_chk chk) {
  mon->chk_tally[chk]->evaluated++;
}
__attribute__((format(printf, 6, 7))) void model_mon_violate(struct model_mon *mon,
                                                             enum mon_chk chk, uint64_t v0,
                                                             uint64_t v1, uint64_t v2,
                                                             const char *fmt, ...);
/* Evaluate chk; if !ok record a violation. Returns ok. */
__attribute__((format(printf, 7, 8))) bool model_mon_judge(struct model_mon *mon, enum mon_chk chk,
                                                           bool ok, uint64_t v0, uint64_t v1,
                                                           uint64_t v2, const char *fmt, ...);
/* Evaluate chk; returns ok. The rules judged for every buffer use
 * `if (!model_mon_holds(...)) model_mon_violate(...)`: model_mon_judge
 * without the variadic call while the rule holds (the message arguments
 * are evaluated only when it does not). */
static inline bool model_mon_holds(struct model_mon *mon, enum mon_chk chk, bool ok) {
  model_mon_eval(mon, chk);
  return ok;
}
/* Little-endian fields of bytes read from guest memory (a form the
 * compiler turns into one load). */
static inline uint16_t mon_le16(const uint8_t *b) {
  return (uint16_t)(b[0] | (b[1] << 8));
}
static inline uint32_t mon_le32(const uint8_t *b) {
  return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}
static inline uint64_t mon_le64(const uint8_t *b) {
  return (uint64_t)mon_le32(b) | ((uint64_t)mon_le32(b + 4) << 32);
}

/* Guest memory as cfg.mem reads it. Inline, and straight from the span
 * when it holds the bytes: the rules peek a few times per access. */
static inline bool mon_span_holds(const struct mon_span *sp, uint64_t addr, uint64_t len) {
  return addr >= sp->base && len <= sp->size && addr - sp->base <= sp->size - len;
}
/* Through cfg.mem (view, then read); moves the span. */
bool model_mon_peek_slow(const struct model_mon *mon, uint64_t addr, void *dst, size_t len);
static inline bool model_mon_peek(const struct model_mon *mon, uint64_t addr, void *dst,
                                  size_t len) {
  const struct mon_span *sp = mon->span;
  if (!mon_span_holds(sp, addr, len))
    return model_mon_peek_slow(mon, addr, dst, len);
  memcpy(dst, sp->bytes + (addr - sp->base), len);
  return true;
}
static inline bool model_mon_peek_le16(const struct model_mon *mon, uint64_t addr, uint16_t *out) {
  uint8_t b[2];
  *out = 0;
  if (!model_mon_peek(mon, addr, b, sizeof(b)))
    return false;
  *out = mon_le16(b);
  return true;
}
static inline bool model_mon_peek_le32(const struct model_mon *mon, uint64_t addr, uint32_t *out) {
  uint8_t b[4];
  *out = 0;
  if (!model_mon_peek(mon, addr, b, sizeof(b)))
    return false;
  *out = mon_le32(b);
  return true;
}
/* 4.2.2.2#15: queue q was just used (what: "QueueNotify", "avail idx
 * write", a register name); a violation if it was stopped and QueueReady has
 * not been read back as 0 since. */
void model_mon_queue_stop_use(struct model_mon *mon, uint16_t q, const char *what);
/* Was feature bit negotiated (FEATURES_OK kept)? */
static inline bool model_mon_has(const struct model_mon *mon, unsigned bit) {
  return mon->negotiated_valid && model_features_has(mon->negotiated, bit);
}
static inline bool model_mon_accesses(const struct model_mon *mon) {
  return (mon->cfg.observe & MODEL_MON_OBSERVE_ACCESSES) != 0;
}
static inline bool model_mon_snapshots(const struct model_mon *mon) {
  return (mon->cfg.observe & MODEL_MON_OBSERVE_SNAPSHOTS) != 0;
}
/* A device reset as the monitor sees it (Status 0 written). */
void model_mon_reset(struct model_mon *mon, bool injected);
/* Bring every ring up to date: snapshot reads and pending publications. */
void model_mon_catch_up(struct model_mon *mon);
/* Driver rules about the device's lifecycle are suspended. */
static inline bool model_mon_driver_excused(const struct model_mon *mon) {
  return mon->excused;
}
/* The statement a device's ring work or used buffer notification is judged
 * by: 2.1.2#1 (nothing before DRIVER_OK) until the first DRIVER_OK, and in
 * the first initialisation's live phase; 2.4.1#2 (nothing after a reset
 * until DRIVER_OK again) once a reset has followed a DRIVER_OK, and in every
 * later live phase. */
static inline enum mon_chk model_mon_driver_ok_chk(const struct model_mon *mon) {
  unsigned inits = (mon->status & VIRTIO_STATUS_DRIVER_OK) != 0 ? 2u : 1u;
  return mon->driver_ok_count >= inits ? MON_C_2_4_1_2 : MON_C_2_1_2_1;
}

/* ---- monitor_regs.c ---- */
void model_mon_regs_read(struct model_mon *mon, enum model_mon_actor actor, uint32_t offset,
                         uint32_t width, uint32_t value, bool ok);
void model_mon_regs_write(struct model_mon *mon, enum model_mon_actor actor, uint32_t offset,
                          uint32_t width, uint32_t value, bool ok);
void model_mon_regs_finish(struct model_mon *mon);

/* ---- monitor_ring.c ---- */
/* QueueReady = 1 accepted for queue q: a fresh ring shadow. */
model_err model_mon_ring_create(struct model_mon *mon, uint16_t q);
void model_mon_ring_free(struct mon_ring *ring);
/* QueueReady = 1 written (the attempt): 2.7.1#1 and 2.7.10.1#1. */
void model_mon_ring_judge_ready(struct model_mon *mon, uint16_t q);
/* The ring of queue q if the queue is ready, else NULL. Inline: the
 * per-access rules ask for it for every queue. */
static inline struct mon_ring *model_mon_ring_of(struct model_mon *mon, uint16_t q) {
  if (q >= MODEL_MON_QUEUES_MAX || !mon->queues[q].ready)
    return NULL;
  return mon->queues[q].ring;
}
_Static_assert(MODEL_MON_QUEUES_MAX <= 32u, "split_live and packed_live hold a bit per queue");
/* Recompute split_live and packed_live from queues[]. */
void model_mon_queues_update(struct model_mon *mon);
/* The lowest queue in a nonzero live mask (split_live, packed_live). */
static inline uint16_t model_mon_live_first(uint32_t live) {
  return (uint16_t)__builtin_ctz(live);
}
/* Snapshot reads (snapshot mode) and pending publications of every ring. */
void model_mon_ring_sync(struct model_mon *mon);
/* An accepted QueueNotify write. */
void model_mon_ring_notify(struct model_mon *mon, uint32_t value);
/* A raise that may be a used buffer notification; judge: it certainly is
 * one (2.7.7.2#2, #6 are judged), else it only settles what was owed. */
void model_mon_ring_used_irq(struct model_mon *mon, bool judge);
/* What the driver and the device owed at the end of an event. */
void model_mon_ring_event_end(struct model_mon *mon);
/* Accesses mode: the driver wrote bytes [off, off + len) of queue q's
 * driver area, the device of its device area (guest memory holds them). */
void model_mon_ring_driver_area_write(struct model_mon *mon, uint16_t q, uint64_t off,
                                      uint64_t len);
void model_mon_ring_device_area_write(struct model_mon *mon, uint16_t q, uint64_t off,
                                      uint64_t len);
/* Is this chain (head) published by an idx write of the current event? */
bool model_mon_ring_head_published_now(const struct model_mon *mon, const struct mon_ring *ring,
                                       uint16_t head);

/* ---- monitor_packed.c ---- */
struct mon_pring;
/* QueueReady = 1 written (the attempt) on a packed queue: 2.8.11#1. */
void model_mon_packed_judge_ready(struct model_mon *mon, uint16_t q);
/* QueueReady = 1 accepted on a packed queue: a fresh packed shadow. */
model_err model_mon_packed_create(struct model_mon *mon, uint16_t q);
void model_mon_packed_free(struct mon_pring *pring);
/* Snapshot reads (snapshot mode) and pending publications and uses. */
void model_mon_packed_sync(struct model_mon *mon);
/* An accepted QueueNotify write for packed queue q. */
void model_mon_packed_notify(struct model_mon *mon, uint16_t q);
/* What the driver owed at the end of an event (2.8.17#6, 2.8.21.3.1#1). */
void model_mon_packed_event_end(struct model_mon *mon);
/* Buffers made available on a packed shadow and not used yet; false if
 * the shadow lost the ring (the count is not known). */
bool model_mon_packed_outstanding(const struct mon_pring *pr, uint32_t *count);
/* Is some queue a ready packed queue? */
static inline bool model_mon_packed_any(const struct model_mon *mon) {
  return mon->packed_live != 0;
}
/* Accesses mode: a driver or device access; true if it touched a packed
 * ring or an outstanding buffer of one (then it is fully handled). */
bool model_mon_packed_access(struct model_mon *mon, enum model_mon_actor actor, uint64_t addr,
                             uint64_t len, bool write);

/* ---- monitor_access.c ---- */
/* Judge the held 4.2.2.1#7 accesses, unless this observation is the
 * QueueReady = 1 write of their queue (queue_ready_write). */
void model_mon_unready_flush(struct model_mon *mon, bool queue_ready_write);
void model_mon_access(struct model_mon *mon, enum model_mon_actor actor, uint64_t addr,
                      uint64_t len, bool write);
/* Does model_mon_access judge anything about such an access? Not a read by
 * the driver unless a packed queue is live (its device event area): the
 * caller leaves those out (a quarter of the accesses, and no call). */
static inline bool model_mon_access_judged(const struct model_mon *mon, enum model_mon_actor actor,
                                           bool write) {
  return actor != MODEL_MON_DRIVER || write || model_mon_packed_any(mon);
}

/* ---- monitor_ranges.c ---- */
model_err model_mon_ranges_init(struct mon_ring *ring, uint32_t cap);
void model_mon_ranges_fini(struct mon_ring *ring);
/* Append [addr, addr + len) to head's chain; false if the pool is full. */
bool model_mon_ranges_add(struct mon_ring *ring, uint16_t head, uint64_t addr, uint64_t len,
                          enum mon_range_kind kind);
/* Remove every range of head's chain. */
void model_mon_ranges_release(struct mon_ring *ring, uint16_t head);
/* The first range (in address order) overlapping [addr, addr + len) whose
 * kind is in kind_mask (1u << kind), or NULL. Puts the pending ranges in
 * the treap first. */
const struct mon_range *model_mon_ranges_find(struct mon_ring *ring, uint64_t addr, uint64_t len,
                                              unsigned kind_mask);
/* Gather len bytes at offset of the readable (or writable) part of head's
 * chain; false if the ranges do not cover them or memory cannot be read. */
bool model_mon_ranges_gather(const struct model_mon *mon, const struct mon_ring *ring,
                             uint16_t head, bool writable, uint64_t offset, void *dst, size_t len);

/* ---- monitor_net.c ---- */
/* The driver published a chain (ring->segs) on queue q. */
void model_mon_net_published(struct model_mon *mon, uint16_t q, struct mon_ring *ring,
                             uint16_t head);
/* The device used buffer `head` (a split head, or a pool index of the
 * packed shadow's range container) with len, at used index idx (split;
 * packed: 0, no idx), with `remaining` used buffers, this one included,
 * visible together: judge the receive header, and the config mac after a
 * MAC_ADDR_SET, before the head is released. A buffer an IN_ORDER batch
 * skips comes here too, with its writable bytes as len (2.7.9: used
 * completely). */
void model_mon_net_used(struct model_mon *mon, uint16_t q, struct mon_ring *ring, uint16_t head,
                        uint32_t len, uint16_t idx, uint16_t remaining);
/* A used entry the payload checks cannot follow: a packet in progress ends. */
void model_mon_net_used_gap(struct mon_ring *ring);
/* model_mon_net_used for a packed queue (no used idx marks). */
void model_mon_net_used_packed(struct model_mon *mon, uint16_t q, struct mon_ring *ring,
                               uint16_t head, uint32_t len, uint16_t visible);

#endif
