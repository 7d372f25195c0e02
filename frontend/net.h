/*
 * frontend/net.h: the virtio-net driver (5.1) over virtio-mmio and split
 * virtqueues, for one queue pair: receiveq1 (0), transmitq1 (1) and, with
 * VIRTIO_NET_F_CTRL_VQ, the controlq (2).
 *
 * Life cycle:
 *   drv_net_init   bind to the bus and the NIC, attach the interrupt handler;
 *                  touches no register
 *   drv_net_start  the whole of 3.1.1: probe, reset, ACKNOWLEDGE, DRIVER,
 *                  negotiate, FEATURES_OK, queues, config, DRIVER_OK, fill rx
 *                  and kick. Stepwise scenarios use drv_net_core() for the
 *                  status steps and then drv_net_setup() and drv_net_activate()
 *   drv_net_send / drv_net_ctrl_* while running; the interrupt handler does
 *                  the rest as the world runs
 *   drv_net_reset  reset the device, reclaim every buffer, account every
 *                  frame; drv_net_start may run again
 *   drv_net_fini   release everything
 *
 * Frames: every transmitted frame is made with sim_nic_frame_make (stream
 * SIM_STREAM_TX), so it is counted by the NIC's ledger the moment drv_net_send
 * accepts it; from then on it is either handed to the device (the device and
 * the wire account for it) or dropped by the driver with a reason: queued
 * when the device was reset (SIM_DROP_RESET), or the queue or device was
 * broken (SIM_DROP_BROKEN). Received frames go to sim_nic_deliver.
 *
 * Used lengths: a transmit buffer has no device-writable byte and a control
 * buffer one (the ack), so the device reports len 0 and 1 for them; more is
 * MODEL_ERR_RING_USED_LEN (2.7.8.2#2), as for a receive buffer whose len
 * exceeds its size.
 *
 * Hostile device: a ring violation breaks the queue (frontend/vq.h); the
 * driver then sets FAILED (3.1.1#4, 2.1) and stops using the device until
 * drv_net_reset. DEVICE_NEEDS_RESET, seen in Status on a configuration change
 * interrupt, marks the device broken the same way (2.1.1#4: nothing in flight
 * is relied upon) but the driver leaves recovery (drv_net_reset, then
 * drv_net_start) to its owner.
 */
#ifndef VIOSIM_FRONTEND_NET_H
#define VIOSIM_FRONTEND_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/alloc.h"
#include "frontend/core.h"
#include "frontend/misbehave.h"
#include "frontend/vq.h"
#include "model/net.h"
#include "model/result.h"
#include "sim/bus.h"
#include "sim/nic.h"
#include "sim/prng.h"

#define DRV_NET_QUEUE_COUNT        3u
#define DRV_NET_TX_BACKLOG_DEFAULT 16384u
/* Backlog entries allocated at init (or the backlog's size, if smaller). */
#define DRV_NET_BACKLOG_SLOTS_INITIAL 256u
/* Most MAC addresses one VIRTIO_NET_CTRL_MAC_TABLE_SET carries per table. */
#define DRV_NET_MAC_TABLE_MAX 64u
/* Most times the interrupt handler re-polls a queue that got more used
 * buffers while it was re-enabling notifications. */
#define DRV_NET_POLL_ROUNDS_MAX 4u

/* The virtio-net features this driver implements (it accepts no others). */
#define DRV_NET_FEATURES_KNOWN                                                                     \
  (((uint64_t)1 << VIRTIO_NET_F_MTU) | ((uint64_t)1 << VIRTIO_NET_F_MAC) |                         \
   ((uint64_t)1 << VIRTIO_NET_F_MRG_RXBUF) | ((uint64_t)1 << VIRTIO_NET_F_STATUS) |                \
   ((uint64_t)1 << VIRTIO_NET_F_CTRL_VQ) | ((uint64_t)1 << VIRTIO_NET_F_CTRL_RX) |                 \
   ((uint64_t)1 << VIRTIO_NET_F_CTRL_RX_EXTRA) | ((uint64_t)1 << VIRTIO_NET_F_CTRL_MAC_ADDR))
/* Features it accepts only when asked to (`driver features +CSUM`): it never
 * asks the device to checksum or segment a frame, so they change nothing
 * but the negotiated set, unless a tx header misbehaviour uses them. */
#define DRV_NET_FEATURES_ON_REQUEST                                                                \
  (((uint64_t)1 << VIRTIO_NET_F_CSUM) | ((uint64_t)1 << VIRTIO_NET_F_HOST_TSO4) |                  \
   ((uint64_t)1 << VIRTIO_NET_F_HOST_TSO6) | ((uint64_t)1 << VIRTIO_NET_F_HOST_UFO) |              \
   ((uint64_t)1 << VIRTIO_NET_F_HOST_USO))

struct drv_net_config {
  uint64_t features_wanted;   /* default: DRV_NET_FEATURES_KNOWN | transport features */
  uint64_t features_required; /* default: VIRTIO_F_VERSION_1 */
  uint32_t queue_size[DRV_NET_QUEUE_COUNT]; /* rx, tx, ctrl; 0 = QueueSizeMax */
  uint32_t rx_buf_count;                    /* 0 = fill the ring */
  uint32_t rx_buf_size;    /* 0 = what 5.1.9.3.1 asks for; raised to its MUST minimum */
  bool tx_indirect;        /* send each frame as an indirect table (if negotiated) */
  unsigned tx_segments;    /* 1: header and frame in one descriptor; 2: separate */
  bool tx_interrupts;      /* false: tx callbacks off, completions reclaimed lazily */
  uint64_t guest_mem_base; /* the guest RAM the driver may allocate from */
  uint64_t guest_mem_size;
  uint64_t seed;           /* root seed of the driver's prng stream "driver" */
  uint32_t tx_backlog_max; /* frames accepted but not yet on the ring; 0 = default */
  /* Misbehaviours to commit on purpose (frontend/misbehave.h: bit n of the
   * set is enum drv_misbehave n); the empty set, the default, is a
   * well-behaved driver. */
  struct drv_misbehave_set misbehave;
};

/* Defaults: every known feature wanted, VERSION_1 required, queues at
 * QueueSizeMax, rx ring full of 5.1.9.3.1-sized buffers, tx direct with two
 * segments and interrupts on, guest memory 0x10000000 + 64 MiB (the world's
 * default RAM), seed 1. */
void drv_net_config_default(struct drv_net_config *cfg);

struct drv_net_stats {
  uint64_t tx_accepted;       /* frames made by drv_net_send */
  uint64_t tx_queued;         /* frames made available on the tx ring */
  uint64_t tx_completed;      /* tx buffers the device returned used */
  uint64_t tx_dropped_reset;  /* frames dropped with SIM_DROP_RESET */
  uint64_t tx_dropped_broken; /* frames dropped with SIM_DROP_BROKEN */
  uint64_t rx_buffers_used;   /* rx buffers returned used */
  uint64_t rx_frames;         /* frames handed to sim_nic_deliver */
  uint64_t rx_corrupt;        /* ... that failed their check */
  uint64_t rx_errors;         /* malformed header, size or merge: not delivered */
  uint64_t ctrl_commands;
  uint64_t ctrl_ok, ctrl_err; /* acks VIRTIO_NET_OK / anything else */
  uint64_t interrupts;
  uint64_t interrupts_spurious; /* no defined bit in InterruptStatus */
  uint64_t config_changes;
  uint64_t poll_errors; /* transient bus errors while processing */
};

enum drv_net_state {
  DRV_NET_STOPPED, /* after init or reset: no queue set up */
  DRV_NET_SETUP,   /* queues set up, config read; DRIVER_OK not yet set */
  DRV_NET_RUNNING, /* DRIVER_OK set, rx filled */
};

/* A frame the driver made: its bytes are rebuilt from this with
 * sim_frame_build whenever they are needed (to fill a tx buffer, or to name
 * the frame to sim_nic_drop). */
struct drv_net_frame_ref {
  uint64_t seq;
  uint32_t frame_len;
  uint8_t dst[6];
  uint8_t src[6];
};

struct drv_net {
  struct sim_bus *bus; /* borrowed */
  struct sim_nic *nic; /* borrowed */
  struct drv_net_config cfg;
  struct drv_core core;
  struct drv_alloc alloc;
  struct sim_prng prng; /* stream "driver" */
  enum drv_net_state state;
  bool broken; /* a queue broke or the device needs reset */
  model_err broken_err;

  uint64_t features;
  uint8_t mac[6];
  uint16_t mtu;        /* 0 without VIRTIO_NET_F_MTU */
  uint16_t net_status; /* config status field, as last read */
  bool link_up;
  uint32_t tx_frame_max; /* largest frame the driver may send */

  struct drv_vq vq[DRV_NET_QUEUE_COUNT];
  bool vq_live[DRV_NET_QUEUE_COUNT];
  /* stopped (drv_net_queue_stop): out of service until drv_net_reset */
  bool vq_stopped[DRV_NET_QUEUE_COUNT];

  /* receive buffers: rx_count buffers of rx_buf_size bytes at rx_base */
  uint64_t rx_base;
  uint32_t rx_count;
  uint32_t rx_buf_size;
  /* a packet being gathered over several buffers (VIRTIO_NET_F_MRG_RXBUF) */
  uint16_t merge_remaining; /* buffers still to come */
  uint32_t merge_len;       /* frame bytes gathered so far */
  bool merge_discard;       /* the packet's bytes are unusable: consume, do not deliver */
  bool merge_malformed;     /* its header broke a rule but its bytes are whole: drop it */
  bool merge_fault;         /* an injected fault hid some of its bytes: drop it (fault) */
  uint8_t *rx_scratch;      /* owned: the frame being assembled */
  size_t rx_scratch_size;
  bool rx_refill; /* refill used rx buffers (false while resetting) */

  /* transmit: tx_slot_count buffers of tx_slot_size bytes at tx_base */
  uint64_t tx_base;
  struct drv_net_frame_ref *tx_slots; /* owned: the frame each slot holds */
  uint32_t *tx_free;                  /* owned: stack of free slot indices */
  uint32_t tx_slot_count, tx_free_count;
  uint32_t tx_slot_size;
  uint8_t *tx_scratch;               /* owned: header + one frame */
  struct drv_net_frame_ref *backlog; /* owned ring of backlog_slots entries */
  uint32_t backlog_head, backlog_count, backlog_max;
  uint32_t backlog_slots; /* allocated; doubles up to backlog_max when full (net.c) */
  uint8_t local_mac[6];   /* used without VIRTIO_NET_F_MAC */

  /* control queue: one command at a time */
  uint64_t ctrl_addr;
  bool ctrl_busy;
  uint8_t ctrl_class, ctrl_cmd; /* the command in flight */
  uint8_t ctrl_mac[6];          /* the address a MAC_ADDR_SET in flight sets */
  int ctrl_last_ack;            /* -1: none yet or not readable */

  bool retry_pending;
  unsigned retry_count;

  /* Misbehaviours still to commit: cfg.misbehave minus the one-shots already
   * spent (by this layer, or by a queue: collected when it is torn down).
   * The core and the transport keep their own copies (core.misbehave). */
  struct drv_misbehave_set misbehave;
  uint64_t misbehave_scratch; /* write-before-read: its writable byte */
  struct drv_net_stats stats;
};

MODEL_MUST_USE model_err drv_net_init(struct drv_net *net, struct sim_bus *bus, struct sim_nic *nic,
                                      const struct drv_net_config *cfg);
void drv_net_fini(struct drv_net *net);

/* 3.1.1 from reset to a running device; on failure FAILED is set (unless
 * there was no device to drive) and the error returned. */
MODEL_MUST_USE model_err drv_net_start(struct drv_net *net);
/* Step 7 alone (after the core negotiated features): set up the queues and
 * read the configuration. */
MODEL_MUST_USE model_err drv_net_setup(struct drv_net *net);
/* After DRIVER_OK: fill the receive ring and kick. */
MODEL_MUST_USE model_err drv_net_activate(struct drv_net *net);
/* Reset the device, reclaim every buffer, drop the frames still queued. */
MODEL_MUST_USE model_err drv_net_reset(struct drv_net *net);

struct drv_core *drv_net_core(struct drv_net *net);

/*
 * Send `count` frames to dst, lengths drawn uniformly from [len_min, len_max]
 * on the driver's stream; each frame is made at once, placed on the ring if
 * there is room and kept in the backlog otherwise. MODEL_ERR_INVALID_ARG for
 * lengths outside [SIM_FRAME_MIN_SIZE, the largest frame allowed (mtu + 14
 * with VIRTIO_NET_F_MTU, 5.1.4.2#9; else 1514)]; MODEL_ERR_CAPACITY when the
 * backlog is full (the frames not made are simply not sent); when the device
 * is broken or not running the frames are made and dropped (SIM_DROP_BROKEN /
 * SIM_DROP_RESET) and the call returns MODEL_ERR_RING_BROKEN /
 * MODEL_ERR_QUEUE_NOT_READY.
 */
MODEL_MUST_USE model_err drv_net_send(struct drv_net *net, uint64_t count, uint32_t len_min,
                                      uint32_t len_max, const uint8_t dst[6]);

/*
 * Stop queue `index` (MODEL_NET_RXQ, _TXQ, _CTRLQ) of a running device:
 * write 0 to its QueueReady and read it back until it shows 0 (4.2.2.2#14,
 * #15; MODEL_ERR_TIMEOUT if it never does). The queue is then out of
 * service until drv_net_reset: nothing more is published on it or taken
 * from it (frames to send wait in the backlog, control commands are
 * refused with MODEL_ERR_QUEUE_NOT_READY), and the buffers it still holds
 * are reclaimed only after the reset (3.3.1#2). MODEL_ERR_QUEUE_NOT_READY
 * if the device is not running or the queue is not set up, or already
 * stopped.
 */
MODEL_MUST_USE model_err drv_net_queue_stop(struct drv_net *net, unsigned index);

/* Process every queue as an interrupt would, without reading InterruptStatus. */
MODEL_MUST_USE model_err drv_net_poll(struct drv_net *net);

/* Control commands (5.1.9.5), asynchronous: queued and notified at once;
 * drv_net_ctrl_busy() turns false when the device has used the command.
 * MODEL_ERR_FEATURE_REQUIRED when the command's feature is not negotiated
 * (5.1.9.5.1.2, 5.1.9.5.2.2#1), MODEL_ERR_CAPACITY while another command is
 * in flight, MODEL_ERR_INVALID_ARG for a table above DRV_NET_MAC_TABLE_MAX. */
MODEL_MUST_USE model_err drv_net_ctrl_rx(struct drv_net *net, uint8_t cmd, bool on);
MODEL_MUST_USE model_err drv_net_ctrl_mac_table(struct drv_net *net, const uint8_t (*uni)[6],
                                                uint32_t n_uni, const uint8_t (*multi)[6],
                                                uint32_t n_multi);
MODEL_MUST_USE model_err drv_net_ctrl_mac_addr(struct drv_net *net, const uint8_t mac[6]);
bool drv_net_ctrl_busy(const struct drv_net *net);
/* The ack byte of the last completed command; -1 if none completed or the
 * device reported no byte written (used len 0). */
int drv_net_ctrl_last_ack(const struct drv_net *net);

/* Accessors */
const struct drv_net_stats *drv_net_stats(const struct drv_net *net);
bool drv_net_link_up(const struct drv_net *net);
uint64_t drv_net_features(const struct drv_net *net);
bool drv_net_is_broken(const struct drv_net *net);
bool drv_net_is_running(const struct drv_net *net);
void drv_net_mac(const struct drv_net *net, uint8_t mac[6]);
uint32_t drv_net_tx_backlog(const struct drv_net *net);
/* The queue (MODEL_NET_RXQ, _TXQ, _CTRLQ) once set up, else NULL. */
struct drv_vq *drv_net_vq(struct drv_net *net, unsigned index);

#endif
