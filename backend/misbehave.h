/*
 * backend/misbehave.h: the deliberately non-conformant device. Each
 * misbehaviour is one bit of a uint64_t flag set (struct
 * dev_net_config.misbehave) and breaks one device rule of the catalog, at
 * the point in backend/ where the conformant device keeps it (marked
 * "misbehave point"), so that the monitor's device checks can be shown to
 * fire (DESIGN.md rule 3).
 *
 * Invariants: with the empty set the device is exactly the conformant one
 * (same accesses, same trace). A misbehaviour breaks its rule and as little
 * else as possible, deterministically; none of them makes the device crash,
 * hang, or reach guest memory outside what the bus maps (every extra access
 * goes through the bus and its result is ignored or handled).
 *
 * Names are kebab-case and unique; each has a one-line description of what
 * the device does wrong. The enum is the bit number; the set holds
 * dev_misbehave_mask(bit).
 */
#ifndef VIOSIM_BACKEND_MISBEHAVE_H
#define VIOSIM_BACKEND_MISBEHAVE_H

#include <stdbool.h>
#include <stdint.h>

enum dev_misbehave {
  DEV_MISBEHAVE_USE_BEFORE_DRIVER_OK,           /* 2.1.2#1 */
  DEV_MISBEHAVE_WORK_AFTER_RESET,               /* 2.4.1#2 */
  DEV_MISBEHAVE_TOUCH_UNREADY_QUEUE,            /* 4.2.2.1#7 */
  DEV_MISBEHAVE_SILENT_NEEDS_RESET,             /* 2.1.2#3 */
  DEV_MISBEHAVE_OFFER_WITHOUT_DEPENDENCY,       /* 2.2.2#1 */
  DEV_MISBEHAVE_NO_VERSION_1,                   /* 6.2#1 */
  DEV_MISBEHAVE_REFUSE_FEATURES,                /* 2.2.2#2 */
  DEV_MISBEHAVE_ACCEPT_ANY_FEATURES,            /* 2.2.2#3 */
  DEV_MISBEHAVE_IGNORE_RESET,                   /* 2.4.1#1 */
  DEV_MISBEHAVE_BAD_MAGIC,                      /* 4.2.2.1#1 */
  DEV_MISBEHAVE_BAD_VERSION,                    /* 4.2.2.1#2 */
  DEV_MISBEHAVE_CLEAR_ISR_EARLY,                /* 4.2.2.1#3 */
  DEV_MISBEHAVE_SPURIOUS_ISR,                   /* 4.2.2.1#4 */
  DEV_MISBEHAVE_KEEP_STATE_ON_RESET,            /* 4.2.2.1#5 */
  DEV_MISBEHAVE_NO_GENERATION_BUMP,             /* 4.2.2.1#6 */
  DEV_MISBEHAVE_WRITE_READABLE_BUFFER,          /* 2.7.5.1#1, packed 2.8.15#1 */
  DEV_MISBEHAVE_READ_WRITABLE_BUFFER,           /* 2.7.5.1#2, packed 2.8.15#2 */
  DEV_MISBEHAVE_WRITE_DESCRIPTOR_TABLE,         /* 2.7.5.1#3, packed 2.8.15#4 */
  DEV_MISBEHAVE_IRQ_WHILE_SUPPRESSED,           /* 2.7.7.2#2, #6 */
  DEV_MISBEHAVE_SKIP_IRQ,                       /* 2.7.7.2#3, #5 */
  DEV_MISBEHAVE_PUBLISH_USED_BEFORE_ELEM,       /* 2.7.8.2#1 */
  DEV_MISBEHAVE_USED_LEN_TOO_BIG,               /* 2.7.8.2#2 */
  DEV_MISBEHAVE_BAD_USED_FLAGS,                 /* 2.7.10.2#1, #2 */
  DEV_MISBEHAVE_RX_NUM_BUFFERS,                 /* 5.1.9.4.1#1, #2 */
  DEV_MISBEHAVE_RX_FLAGS_WITHOUT_CSUM,          /* 5.1.9.4.1#5 */
  DEV_MISBEHAVE_RX_GSO,                         /* 5.1.9.4.1#7, #24 */
  DEV_MISBEHAVE_RX_RSC_INFO,                    /* 5.1.9.4.1#28 */
  DEV_MISBEHAVE_RX_OVERSIZE,                    /* 5.1.4.1#5 */
  DEV_MISBEHAVE_BAD_MTU,                        /* 5.1.4.1#2 */
  DEV_MISBEHAVE_RX_SPLIT_PUBLISH,               /* 5.1.9.4.1#4 */
  DEV_MISBEHAVE_RX_PARTIAL_FILL,                /* 5.1.9.4.1#3 */
  DEV_MISBEHAVE_MTU_CHANGES,                    /* 5.1.4.1#4 */
  DEV_MISBEHAVE_OFFER_RESERVED_BIT,             /* 2.2.2#4 */
  DEV_MISBEHAVE_REFUSE_AFTER_RESET,             /* 2.2.2#5 */
  DEV_MISBEHAVE_DEVICE_ID_ZERO,                 /* none: fires 4.2.3.1.1#4, 4.2.2.2#8 */
  DEV_MISBEHAVE_OFFER_RX_EXTRA_WITHOUT_CTRL_VQ, /* 5.1.4.1#12, #13 */
  DEV_MISBEHAVE_RX_GSO_TCPV6,                   /* 5.1.9.4.1#9, #24 */
  DEV_MISBEHAVE_RX_EMPTY_TAIL,                  /* 5.1.9.3.2#1 */
  DEV_MISBEHAVE_RX_GSO_UDP,                     /* 5.1.9.4.1#8, #24 */
  DEV_MISBEHAVE_RX_GSO_UDP_L4,                  /* 5.1.9.4.1#10, #24 */
  DEV_MISBEHAVE_RX_SPREAD_WITHOUT_MRG,          /* 5.1.9.3.2#2, 5.1.9.4.1#1 */
  DEV_MISBEHAVE_MAC_SET_LATE,                   /* 5.1.9.5.2.1#3 */
  DEV_MISBEHAVE_CONFIG_ZERO_BEFORE_FEATURES_OK, /* 2.5.2#1, 4.2.2.1#6 */
  DEV_MISBEHAVE_START_NEXT_LIST_FIRST,          /* packed 2.8.12#1 */
  DEV_MISBEHAVE_SKIP_USED_SLOT,                 /* packed 2.8.12#2 */
  DEV_MISBEHAVE_USE_UNAVAILABLE,                /* packed 2.8.15#3 */
  DEV_MISBEHAVE_USE_OUT_OF_ORDER,               /* packed, IN_ORDER 6.2#3 */
  DEV_MISBEHAVE_COUNT
};

_Static_assert(DEV_MISBEHAVE_COUNT <= 64, "the flag set is a uint64_t");

/* The flag of one misbehaviour in a set. */
static inline uint64_t dev_misbehave_mask(enum dev_misbehave bit) {
  return (uint64_t)1 << (unsigned)bit;
}
/* Is misbehaviour `bit` selected in `set`? */
static inline bool dev_misbehave_has(uint64_t set, enum dev_misbehave bit) {
  return (set & dev_misbehave_mask(bit)) != 0;
}

/* The number of misbehaviours: bits 0 .. count - 1 exist. */
unsigned dev_misbehave_count(void);
/* The bit named `name` (exact, case-sensitive kebab-case): true and *bit
 * set, or false (and *bit untouched) for an unknown name or NULL. */
bool dev_misbehave_lookup(const char *name, unsigned *bit);
/* The name of `bit`, or NULL if there is no such misbehaviour. */
const char *dev_misbehave_name(unsigned bit);
/* One line: what the device does wrong (and the clause it breaks), or NULL
 * if there is no such misbehaviour. */
const char *dev_misbehave_describe(unsigned bit);

#endif
