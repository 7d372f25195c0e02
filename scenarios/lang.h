/*
 * scenarios/lang.h: the scenario language (README.md in this folder is the
 * user's reference). A scenario file is line-oriented: one command per line,
 * `#` starts a comment, words are separated by blanks, a word may be quoted
 * with "...". This header owns the parsed form of a file: a script, which is
 * the list of its setup commands, actions and expectations in file order, each
 * with its line number, every argument already checked and decoded (numbers in
 * range, feature and counter names resolved to bits and ids, percentages
 * converted to integer parts per million).
 *
 * The parser never interprets: it does not know the device's or the driver's
 * defaults, so feature edits stay edits (struct scn_feature_edit) until the
 * interpreter applies them. Errors are reported as "file:line: what is wrong"
 * in a caller buffer; the first error stops the parse.
 *
 * Invariants of a parsed script: every setup command comes before the first
 * action or expectation (faults, options and the monitor expectations
 * `expect violation` / `expect no violations` excepted: they may appear
 * anywhere); every number is within the range its command documents; every
 * misbehaviour name is one the driver (frontend/misbehave.h) or the device
 * (backend/misbehave.h) implements; every expected violation names a clause
 * the monitor judges (model_mon_check_id), blamed on that clause's target;
 * `expect no violations` and `expect violation` never appear together.
 */
#ifndef VIOSIM_SCENARIOS_LANG_H
#define VIOSIM_SCENARIOS_LANG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/misbehave.h"
#include "model/result.h"
#include "sim/fault.h"
#include "sim/nic.h"

#define SCN_SEEDS_MAX     16u
#define SCN_MACS_MAX      16u  /* addresses in one `ctrl mac_table` */
#define SCN_NOTE_MAX      128u /* bytes of a note, with the terminating NUL */
#define SCN_FILE_SIZE_MAX (1u << 20)
#define SCN_WORDS_MAX     48u  /* words on one line */
#define SCN_ERROR_MAX     512u /* size of an error message buffer */

enum scn_op {
  /* setup: before the first action */
  SCN_OP_SEEDS,                 /* seeds[] of the script */
  SCN_OP_RING,                  /* rings of the script (never in cmds, like seeds) */
  SCN_OP_MEMORY,                /* a = guest memory bytes */
  SCN_OP_DEVICE_FEATURES,       /* features */
  SCN_OP_DEVICE_QUEUE_SIZE_MAX, /* a = QueueSizeMax of every queue */
  SCN_OP_DEVICE_MTU,            /* a = mtu */
  SCN_OP_DEVICE_MAC,            /* mac */
  SCN_OP_DEVICE_LINK,           /* flag = link up at start */
  SCN_OP_DEVICE_POLL,        /* flag = poll mode on; a = poll interval ticks (0: device default) */
  SCN_OP_DRIVER_FEATURES,    /* features: what the driver wants */
  SCN_OP_DRIVER_REQUIRES,    /* features: what the driver requires */
  SCN_OP_DRIVER_QUEUE,       /* key = enum scn_queue, a = queue size */
  SCN_OP_DRIVER_RX_BUFFERS,  /* a = count, b = bytes per buffer (0: driver default) */
  SCN_OP_DRIVER_TX_SEGMENTS, /* a = descriptors per transmitted frame */
  SCN_OP_DRIVER_TX_INDIRECT, /* flag */
  SCN_OP_DRIVER_TX_INTERRUPTS, /* flag */
  SCN_OP_WIRE_LOSS,            /* a = ppm */
  SCN_OP_WIRE_DUP,             /* a = ppm */
  SCN_OP_WIRE_REORDER,         /* a = ppm, b = extra ticks (has_b) */
  SCN_OP_WIRE_DELAY,           /* a..b ticks */
  SCN_OP_WIRE_LOOPBACK,        /* flag */
  SCN_OP_LATENCY_NOTIFY,       /* a..b ticks */
  SCN_OP_LATENCY_IRQ,          /* a..b ticks */
  SCN_OP_MISBEHAVE_DRIVER,     /* drv_misbehave: the set (frontend/misbehave.h) */
  SCN_OP_MISBEHAVE_DEVICE,     /* a = dev_misbehave flags (backend/misbehave.h) */
  SCN_OP_MONITOR,              /* a = MODEL_MON_OBSERVE_ bits */
  /* anywhere */
  SCN_OP_FAULT,                /* fault */
  SCN_OP_OPTION_ACCOUNTING,    /* flag: check frame accounting at the end */
  SCN_OP_OPTION_MAX_EVENTS,    /* a = events one `run` may execute */
  SCN_OP_EXPECT_VIOLATION,     /* a = catalog index of a monitor check, key = enum model_target */
  SCN_OP_EXPECT_NO_VIOLATIONS, /* the default, said explicitly */
  /* actions */
  SCN_OP_INIT,           /* full driver initialisation */
  SCN_OP_PROBE,          /* read magic, version, device id */
  SCN_OP_RESET,          /* driver resets the device */
  SCN_OP_STATUS_SET,     /* a = status bit(s) the driver adds */
  SCN_OP_NEGOTIATE,      /* read offered features, write accepted, set FEATURES_OK, re-read */
  SCN_OP_FEATURES_READ,  /* read DeviceFeatures (3.1.1 step 4, first half) */
  SCN_OP_FEATURES_WRITE, /* features.base: write exactly these DriverFeatures */
  SCN_OP_FEATURES_OK,    /* set FEATURES_OK and re-read it (steps 5, 6) */
  SCN_OP_CONFIG_READ,    /* read the offered config fields, keep nothing (step 4) */
  SCN_OP_QUEUES,         /* set up the virtqueues, read the config (step 7) */
  SCN_OP_FAIL,           /* driver sets FAILED */
  SCN_OP_SEND,           /* a = count, b..c = frame size, dest */
  SCN_OP_PEER_SEND,      /* a = count, b..c = frame size, d = interval ticks, dest */
  SCN_OP_CTRL_RX,        /* key = enum scn_rx_mode, flag = on */
  SCN_OP_CTRL_MAC_TABLE, /* macs[0, uni_count) unicast, then multi_count multicast */
  SCN_OP_CTRL_MAC_ADDR,  /* mac */
  SCN_OP_QUEUE_STOP,     /* a = queue index: the driver stops it (QueueReady 0) */
  SCN_OP_LINK,           /* flag = up: the device's link changes */
  SCN_OP_RUN,            /* flag = until idle; else a = ticks */
  SCN_OP_NOTE,           /* text: into the trace */
  /* expectations */
  SCN_OP_EXPECT_STATUS,   /* key = enum scn_bits_test, a = status bits */
  SCN_OP_EXPECT_FEATURES, /* key = enum scn_bits_test, features.base = bits */
  SCN_OP_EXPECT_RESULT,   /* a = model_err of the last init/step action */
  SCN_OP_EXPECT_COUNTER,  /* key = enum sim_counter, cmp, a */
  SCN_OP_EXPECT_FRAMES, /* key = enum sim_stream, key2 = enum scn_frame_figure, key3 = drop reason,
                           cmp, a */
  SCN_OP_EXPECT_ACCOUNTED, /* every frame delivered or dropped, now */
  SCN_OP_EXPECT_LINK,      /* flag = up, as the driver sees it */
  SCN_OP_EXPECT_CTRL,      /* flag = ack is VIRTIO_NET_OK */
  SCN_OP_COUNT
};

/* The virtqueue format of one run: VIRTIO_F_RING_PACKED negotiated or not. */
enum scn_ring { SCN_RING_SPLIT, SCN_RING_PACKED, SCN_RING_COUNT };

#define SCN_RING_BIT(ring) (1u << (unsigned)(ring))
#define SCN_RINGS_ALL      (SCN_RING_BIT(SCN_RING_SPLIT) | SCN_RING_BIT(SCN_RING_PACKED))

enum scn_queue { SCN_QUEUE_RX, SCN_QUEUE_TX, SCN_QUEUE_CTRL, SCN_QUEUE_COUNT };

enum scn_rx_mode {
  SCN_RX_PROMISC,
  SCN_RX_ALLMULTI,
  SCN_RX_ALLUNI,
  SCN_RX_NOMULTI,
  SCN_RX_NOUNI,
  SCN_RX_NOBCAST,
  SCN_RX_MODE_COUNT
};

enum scn_cmp { SCN_CMP_EQ, SCN_CMP_NE, SCN_CMP_LT, SCN_CMP_LE, SCN_CMP_GT, SCN_CMP_GE };

enum scn_bits_test {
  SCN_BITS_EQ,    /* exactly these bits */
  SCN_BITS_HAS,   /* all of these bits */
  SCN_BITS_LACKS, /* none of these bits */
};

/* Figures of struct sim_nic_stream_stats an expectation can name. */
enum scn_frame_figure {
  SCN_FIG_GENERATED,
  SCN_FIG_DUPLICATED,
  SCN_FIG_DELIVERED,
  SCN_FIG_DELIVERED_DUP,
  SCN_FIG_CORRUPT,
  SCN_FIG_ON_WIRE,
  SCN_FIG_DROPPED, /* key3 = enum sim_drop_reason, or SIM_DROP_COUNT for the sum */
  SCN_FIG_COUNT
};

/* Where frames go: a named peer or an explicit MAC address. */
enum scn_dest {
  SCN_DEST_DEFAULT, /* send: the peer's MAC; peer send: the driver's MAC */
  SCN_DEST_BROADCAST,
  SCN_DEST_MAC, /* cmd.mac */
};

/*
 * A feature set as a script line writes it: either a full list (replace,
 * base) or edits of whatever the set was before (+X adds, -X removes).
 * Applied to a previous set f: f = ((replace ? base : f) & ~del) | add.
 */
struct scn_feature_edit {
  bool replace;
  uint64_t base;
  uint64_t add;
  uint64_t del;
};

uint64_t scn_feature_edit_apply(const struct scn_feature_edit *edit, uint64_t features);

struct scn_cmd {
  enum scn_op op;
  uint32_t line;
  uint32_t key, key2, key3;
  enum scn_cmp cmp;
  bool flag;
  bool has_b;
  uint64_t a, b, c, d;
  struct scn_feature_edit features;
  enum scn_dest dest;
  uint8_t mac[6];
  uint8_t macs[SCN_MACS_MAX][6];
  uint32_t uni_count, multi_count;
  struct sim_fault_rule fault;
  struct drv_misbehave_set drv_misbehave; /* SCN_OP_MISBEHAVE_DRIVER */
  char text[SCN_NOTE_MAX];
};

struct scn_script {
  char *path;           /* owned copy */
  struct scn_cmd *cmds; /* owned */
  size_t cmd_count;
  size_t cmd_capacity;
  uint64_t seeds[SCN_SEEDS_MAX]; /* from `seeds`; {1} if the script names none */
  size_t seed_count;
  /* The ring formats the script runs on (SCN_RING_BIT set): both unless a
   * `ring split|packed` line pins one (ring_line: that line, 0 if none). A
   * script that names RING_PACKED in a feature line (device or driver
   * features, driver requires, features write, expect features) must be
   * pinned; ring_feature_line is the first such line (0 if none). */
  unsigned rings;
  uint32_t ring_line;
  uint32_t ring_feature_line;
  /* The script selects a misbehaviour or expects a violation: its runs
   * belong to the monitor's own test suite (reported apart). */
  bool monitor_suite;
};

/*
 * Parse text (len bytes, need not be NUL-terminated) named `path` in
 * messages. On failure returns MODEL_ERR_INVALID_ARG (or NO_MEMORY) with
 * "path:line: message" in err, and the script empty. scn_script_fini()
 * must be called after either outcome.
 */
MODEL_MUST_USE model_err scn_script_parse_text(struct scn_script *script, const char *path,
                                               const char *text, size_t len, char *err,
                                               size_t err_size);
/* Read and parse a file; "path: cannot open: <reason>" if it cannot be read. */
MODEL_MUST_USE model_err scn_script_parse_file(struct scn_script *script, const char *path,
                                               char *err, size_t err_size);
void scn_script_fini(struct scn_script *script);

/* Names used by the parser, for the interpreter's messages. */
const char *scn_op_name(enum scn_op op);             /* the command's words: "expect counter" */
const char *scn_cmp_name(enum scn_cmp cmp);          /* "==" */
const char *scn_rx_mode_name(enum scn_rx_mode mode); /* "promisc" */
const char *scn_frame_figure_name(enum scn_frame_figure fig); /* "delivered" */
const char *scn_queue_name(enum scn_queue queue);             /* "rx" */
const char *scn_ring_name(enum scn_ring ring);                /* "split", "packed" */
/* "split" or "packed" to its enum; false for anything else. */
bool scn_ring_parse(const char *word, enum scn_ring *ring);
bool scn_cmp_holds(enum scn_cmp cmp, uint64_t lhs, uint64_t rhs);

/* Decoders, exposed for the unit tests. Each returns false on bad input. */
bool scn_parse_u64(const char *word, uint64_t *out); /* decimal or 0x hex */
bool scn_parse_ppm(const char *word,
                   uint32_t *ppm); /* "1.25" or "1.25%": percent, <= 4 decimals, <= 100 */
bool scn_parse_size(const char *word, uint64_t *bytes); /* 4096, 64K, 64M, 1G (binary) */
bool scn_parse_mac(const char *word, uint8_t mac[6]);   /* 52:54:00:12:34:56 */

#endif
