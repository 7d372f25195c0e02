/*
 * frontend/misbehave.h: the misbehaving driver. Each misbehaviour is one
 * way in which the driver (frontend/) breaks one catalogued driver statement
 * on purpose, so that the conformance monitor (model/monitor.h) can be shown
 * to catch it: DESIGN.md rule 3, "a check that cannot fail is a defect".
 *
 * A misbehaviour is a bit number (enum drv_misbehave); a set of them is a
 * struct drv_misbehave_set, a small value type of DRV_MISBEHAVE_WORDS
 * 64-bit words with bit n (word n / 64, bit n % 64) standing for
 * misbehaviour n, handled only through the inline helpers below. It is
 * sized from DRV_MISBEHAVE_COUNT with room for at least 128 (a
 * _Static_assert in misbehave.c keeps every misbehaviour inside it). The
 * set reaches the driver through struct drv_net_config.misbehave
 * (frontend/net.h); the empty set, the default (a zeroed struct), is the
 * well-behaved driver, whose accesses (and so its trace) do not change at
 * all. Names are kebab-case, as scenarios write them after
 * `misbehave driver`.
 *
 * What each one does is in its description (drv_misbehave_describe) and, in
 * more detail, at the "misbehave:" comments where it is wired: core.c
 * (status, negotiation), mmio.c (registers), vq.c, vq_split.c and vq_packed.c
 * (rings),
 * net.c and net_ctrl.c (virtio-net). Every misbehaviour:
 *  - breaks its own statement (drv_misbehave_clause) and as little else as
 *    possible; it never makes the driver crash, loop or leave its memory;
 *  - is deterministic: it fires at a fixed point of the driver's work;
 *  - is either persistent (every time its rule point is reached) or one-shot
 *    (the first time only, for the life of the struct drv_net, resets
 *    included), as the description says. The one-shots are those whose
 *    effect stops the device or the initialisation, so that a scenario can
 *    see the violation, reset, and then run a well-behaved driver again.
 */
#ifndef VIOSIM_FRONTEND_MISBEHAVE_H
#define VIOSIM_FRONTEND_MISBEHAVE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/result.h"

enum drv_misbehave {
  /* status and initialisation (core.c, net.c) */
  DRV_MISBEHAVE_CLEAR_STATUS_BIT,           /* 2.1.1#2 */
  DRV_MISBEHAVE_INIT_AFTER_FAILED,          /* 2.1.1#3 */
  DRV_MISBEHAVE_SKIP_FEATURES_OK,           /* 3.1.1#1 */
  DRV_MISBEHAVE_FEATURES_AFTER_FEATURES_OK, /* 3.1.1#3 */
  DRV_MISBEHAVE_NOTIFY_BEFORE_DRIVER_OK,    /* 3.1.1#6 */
  DRV_MISBEHAVE_NO_RESET_READBACK,          /* 2.4.2#1 */
  DRV_MISBEHAVE_NO_FAILED_ON_REFUSAL,       /* 3.1.1#4 */
  DRV_MISBEHAVE_IGNORE_FEATURES_REFUSED,    /* 3.1.1#5 */
  /* feature negotiation (core.c) */
  DRV_MISBEHAVE_ACCEPT_UNOFFERED,          /* 2.2.1#1, #5 */
  DRV_MISBEHAVE_ACCEPT_WITHOUT_DEPENDENCY, /* 2.2.1#2, 5.1.4.2#14 */
  DRV_MISBEHAVE_REFUSE_VERSION_1,          /* 6.1#1 */
  DRV_MISBEHAVE_REFUSE_MAC,                /* 5.1.4.2#2 */
  DRV_MISBEHAVE_REFUSE_MTU,                /* 5.1.4.2#7 */
  /* configuration space (mmio.c, net.c) */
  DRV_MISBEHAVE_NO_GENERATION_LOOP,    /* 2.5.1#2 */
  DRV_MISBEHAVE_READ_UNOFFERED_CONFIG, /* 2.5.1#3 */
  DRV_MISBEHAVE_WRITE_CONFIG,          /* 5.1.4.2#1 */
  /* virtio-mmio registers (core.c, mmio.c, net.c) */
  DRV_MISBEHAVE_TOUCH_UNDEFINED_REGISTER, /* 4.2.2.2#1 */
  DRV_MISBEHAVE_WRITE_READONLY_REGISTER,  /* 4.2.2.2#2 */
  DRV_MISBEHAVE_READ_WRITEONLY_REGISTER,  /* 4.2.2.2#3 */
  DRV_MISBEHAVE_NARROW_REGISTER_ACCESS,   /* 4.2.2.2#4 */
  DRV_MISBEHAVE_WIDE_CONFIG_ACCESS,       /* 4.2.2.2#5 */
  DRV_MISBEHAVE_IGNORE_BAD_DEVICE,        /* 4.2.2.2#6, #7 */
  DRV_MISBEHAVE_NO_FEATURES_SEL,          /* 4.2.2.2#10 */
  DRV_MISBEHAVE_NO_DRIVER_FEATURES_SEL,   /* 4.2.2.2#11 */
  DRV_MISBEHAVE_OVERSIZE_QUEUE,           /* 4.2.2.2#12 */
  DRV_MISBEHAVE_TOUCH_READY_QUEUE,        /* 4.2.2.2#13 */
  DRV_MISBEHAVE_NO_QUEUE_READY_READBACK,  /* 4.2.2.2#15 */
  DRV_MISBEHAVE_NO_IRQ_ACK,               /* 4.2.2.2#17 */
  DRV_MISBEHAVE_ACK_UNDEFINED_BITS,       /* 4.2.2.2#18 */
  DRV_MISBEHAVE_SKIP_MAGIC_CHECK,         /* 4.2.3.1.1#1 */
  DRV_MISBEHAVE_SKIP_DEVICE_ID,           /* 4.2.3.1.1#2 */
  DRV_MISBEHAVE_IGNORE_DEVICE_ID_ZERO,    /* 4.2.3.1.1#4, 4.2.2.2#8 */
  DRV_MISBEHAVE_TOUCH_SHM,                /* 4.2.3.1.1#5 */
  DRV_MISBEHAVE_NO_ISR_READ,              /* 4.2.3.4.1#1 */
  /* virtqueues, split and packed (vq.c, vq_split.c, vq_packed.c) */
  DRV_MISBEHAVE_MISALIGNED_RING,               /* 2.7.1#1, 2.8.11#1 */
  DRV_MISBEHAVE_WRITE_BEFORE_READ,             /* 2.7.4.2#1, 2.8.17#3 */
  DRV_MISBEHAVE_DESCRIPTOR_LOOP,               /* 2.7.5.2#1, 2.8.17#2 */
  DRV_MISBEHAVE_INDIRECT_UNNEGOTIATED,         /* 2.7.5.3.1#1, 2.8.19#1 */
  DRV_MISBEHAVE_NESTED_INDIRECT,               /* 2.7.5.3.1#2, 2.8.19#2 */
  DRV_MISBEHAVE_CHAIN_TOO_LONG,                /* 2.7.5.3.1#3, 2.8.19#3 */
  DRV_MISBEHAVE_INDIRECT_WITH_NEXT,            /* 2.7.5.3.1#4, 2.8.19#4 */
  DRV_MISBEHAVE_AVAIL_IDX_BACKWARDS,           /* 2.7.6.1#1 */
  DRV_MISBEHAVE_BAD_AVAIL_FLAGS,               /* 2.7.7.1#1, #2 */
  DRV_MISBEHAVE_DIRTY_USED_RING,               /* 2.7.10.1#1 */
  DRV_MISBEHAVE_NOTIFY_WHILE_SUPPRESSED,       /* 2.7.10.1#3, #7 */
  DRV_MISBEHAVE_SKIP_NOTIFY,                   /* 2.7.10.1#4, #6, 2.8.21.3.1#1 */
  DRV_MISBEHAVE_PUBLISH_IDX_BEFORE_DESCRIPTOR, /* 2.7.13.3.1#1, 2.8.21.1.1#1, 2.8.17#6 */
  DRV_MISBEHAVE_REUSE_INFLIGHT_HEAD,           /* 3.3.1#1, 2.8.16#1 */
  DRV_MISBEHAVE_RECLAIM_WITHOUT_RESET,         /* 3.3.1#2 (net.c) */
  DRV_MISBEHAVE_CHAIN_WITH_GAP,                /* 2.7.5.2#2, 2.7.5.3.1#5 */
  /* packed virtqueues (vq_packed.c) */
  DRV_MISBEHAVE_LIST_DOES_NOT_FIT,         /* 2.8.17#5 */
  DRV_MISBEHAVE_CHANGE_EXPOSED_DESCRIPTOR, /* 2.8.16#2 */
  /* virtio-net (net.c, net_ctrl.c) */
  DRV_MISBEHAVE_SHORT_TX_HEADER,               /* 5.1.9.2.1#1 */
  DRV_MISBEHAVE_TX_NUM_BUFFERS,                /* 5.1.9.2.1#2 */
  DRV_MISBEHAVE_TX_CSUM_OUT_OF_RANGE,          /* 5.1.9.2.1#3, #23 */
  DRV_MISBEHAVE_TX_GSO,                        /* 5.1.9.2.1#24, #5-#8 */
  DRV_MISBEHAVE_TX_GSO_NO_CSUM,                /* 5.1.9.2.1#25 */
  DRV_MISBEHAVE_TX_GSO_NO_SIZE,                /* 5.1.9.2.1#26 */
  DRV_MISBEHAVE_TX_DATA_VALID,                 /* 5.1.9.2.1#36 */
  DRV_MISBEHAVE_TX_OVERSIZE,                   /* 5.1.4.2#9 */
  DRV_MISBEHAVE_WRONG_SRC_MAC,                 /* 5.1.4.2#3 */
  DRV_MISBEHAVE_RX_BUFFER_BELOW_MTU,           /* 5.1.4.2#8 */
  DRV_MISBEHAVE_TINY_RX_BUFFER,                /* 5.1.9.3.1#3 */
  DRV_MISBEHAVE_SMALL_RX_BUFFER,               /* 5.1.9.3.1#2 */
  DRV_MISBEHAVE_CTRL_RX_WITHOUT_FEATURE,       /* 5.1.9.5.1.2#1 */
  DRV_MISBEHAVE_CTRL_RX_EXTRA_WITHOUT_FEATURE, /* 5.1.9.5.1.2#2 */
  DRV_MISBEHAVE_CTRL_MAC_WITHOUT_FEATURE,      /* 5.1.9.5.2.2#1 */
  DRV_MISBEHAVE_BAD_MAC_TABLE,                 /* 5.1.9.5.2.2#3 */
  DRV_MISBEHAVE_COUNT
};

/* Words in a set: enough for every misbehaviour, and never fewer than two
 * (128 bits), so that a few more do not change the type's size. */
#define DRV_MISBEHAVE_WORDS_NEEDED (((unsigned)DRV_MISBEHAVE_COUNT + 63u) / 64u)
#define DRV_MISBEHAVE_WORDS        (DRV_MISBEHAVE_WORDS_NEEDED > 2u ? DRV_MISBEHAVE_WORDS_NEEDED : 2u)

/* A set of misbehaviours; zero-initialised, it is empty. A value type:
 * passed and returned by value, compared only through the helpers. */
struct drv_misbehave_set {
  uint64_t words[DRV_MISBEHAVE_WORDS];
};

/* The empty set: the well-behaved driver. */
static inline struct drv_misbehave_set drv_misbehave_none(void) {
  struct drv_misbehave_set set = {{0}};
  return set;
}
/* The set holding misbehaviour `bit` alone; empty past the set's room. */
static inline struct drv_misbehave_set drv_misbehave_one(unsigned bit) {
  struct drv_misbehave_set set = {{0}};
  if (bit < 64u * DRV_MISBEHAVE_WORDS)
    set.words[bit / 64u] = (uint64_t)1 << (bit % 64u);
  return set;
}
static inline bool drv_misbehave_has(struct drv_misbehave_set set, unsigned bit) {
  return bit < 64u * DRV_MISBEHAVE_WORDS && ((set.words[bit / 64u] >> (bit % 64u)) & 1u) != 0;
}
static inline bool drv_misbehave_is_empty(struct drv_misbehave_set set) {
  for (unsigned w = 0; w < DRV_MISBEHAVE_WORDS; w++)
    if (set.words[w] != 0)
      return false;
  return true;
}
/* Add, or remove, misbehaviour `bit` (nothing past the set's room). */
static inline void drv_misbehave_add(struct drv_misbehave_set *set, unsigned bit) {
  if (bit < 64u * DRV_MISBEHAVE_WORDS)
    set->words[bit / 64u] |= (uint64_t)1 << (bit % 64u);
}
static inline void drv_misbehave_remove(struct drv_misbehave_set *set, unsigned bit) {
  if (bit < 64u * DRV_MISBEHAVE_WORDS)
    set->words[bit / 64u] &= ~((uint64_t)1 << (bit % 64u));
}
/* a | b, a & b and a & ~b, word by word. */
static inline struct drv_misbehave_set drv_misbehave_union(struct drv_misbehave_set a,
                                                           struct drv_misbehave_set b) {
  for (unsigned w = 0; w < DRV_MISBEHAVE_WORDS; w++)
    a.words[w] |= b.words[w];
  return a;
}
static inline struct drv_misbehave_set drv_misbehave_intersect(struct drv_misbehave_set a,
                                                               struct drv_misbehave_set b) {
  for (unsigned w = 0; w < DRV_MISBEHAVE_WORDS; w++)
    a.words[w] &= b.words[w];
  return a;
}
static inline struct drv_misbehave_set drv_misbehave_minus(struct drv_misbehave_set a,
                                                           struct drv_misbehave_set b) {
  for (unsigned w = 0; w < DRV_MISBEHAVE_WORDS; w++)
    a.words[w] &= ~b.words[w];
  return a;
}

/* A misbehaving access whose result does not matter: a correct device
 * refuses it, and the driver goes on as if it had not tried. */
static inline void drv_misbehave_ignore(model_err err) {
  (void)err;
}

/* The name's bit in *bit; false (and *bit untouched) for an unknown name.
 * Names are exact: lower case, kebab-case. */
bool drv_misbehave_lookup(const char *name, unsigned *bit);
/* "avail-idx-backwards"; NULL past DRV_MISBEHAVE_COUNT. */
const char *drv_misbehave_name(unsigned bit);
/* One line: what the driver does wrong. NULL past DRV_MISBEHAVE_COUNT. */
const char *drv_misbehave_describe(unsigned bit);
/* The catalog id(s) it breaks, "2.7.6.1#1" or "2.7.10.1#4, #6" (with and
 * without EVENT_IDX). NULL past DRV_MISBEHAVE_COUNT. */
const char *drv_misbehave_clause(unsigned bit);
unsigned drv_misbehave_count(void);
/* Every defined misbehaviour: 0 .. DRV_MISBEHAVE_COUNT - 1. */
struct drv_misbehave_set drv_misbehave_all(void);

#endif
