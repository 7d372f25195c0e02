/*
 * backend/net.h: the virtio-net device (5.1) on virtio-mmio, attached to the
 * simulated NIC. One queue pair: receiveq1 (0), transmitq1 (1), and controlq
 * (2) when VIRTIO_NET_F_CTRL_VQ is offered (5.1.2).
 *
 * Implements, for the device: 5.1.4 / 5.1.4.1 (configuration layout: mac,
 * status, mtu; mtu never changes), 5.1.9.2.2 (transmission: header checked,
 * frame gathered and put on the wire), 5.1.9.3.2 and 5.1.9.4.1 (reception:
 * header written, num_buffers, one buffer or several with MRG_RXBUF, flags
 * 0 or DATA_VALID with GUEST_CSUM), 5.1.9.5 (control queue: one ack byte),
 * 5.1.9.5.1.1 (receive modes), 5.1.9.5.2.1 (MAC table, empty on reset;
 * ADDR_SET reflected in mac), 5.1.9.5.4.2 (ANNOUNCE_ACK clears the bit).
 *
 * Frames: every frame the device takes from the driver reaches the wire
 * (sim_nic_device_tx) or is dropped with a reason (sim_nic_drop); every
 * frame the NIC hands to the receive port is written to the driver's
 * buffers or dropped with a reason (DESIGN.md rule 5). The device holds no
 * frame between events: transmission and reception run to completion inside
 * one event, so a reset has nothing of its own to drop; frames still sitting
 * in the driver's rings at a reset are the driver's to account for.
 */
#ifndef VIOSIM_BACKEND_NET_H
#define VIOSIM_BACKEND_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/core.h"
#include "backend/mmio.h"
#include "model/net.h"
#include "model/result.h"
#include "sim/bus.h"
#include "sim/nic.h"

struct dev_net_config {
  uint64_t features_offered;
  uint8_t mac[MODEL_NET_MAC_LEN];
  uint16_t mtu; /* 5.1.4.1#2: 68..65535 when VIRTIO_NET_F_MTU is offered */
  bool link_up;
  uint32_t queue_size_max; /* QueueSizeMax of every queue; a legal queue size */
  uint64_t tx_delay_ticks; /* processing delay after a notify (tx and ctrl) */
  /* 0: notification driven. Otherwise the device keeps available buffer
   * notifications disabled and polls the tx and ctrl queues at this period
   * while live (the world is then never idle: run it with a time bound). */
  uint64_t poll_interval_ticks;
  uint32_t mac_table_max; /* MAC filter table entries (unicast + multicast) */
  /* Promiscuous mode after reset. true, as common devices do, so that a
   * driver without VIRTIO_NET_F_CTRL_RX receives every frame; false applies
   * 5.1.9.5.2.1#4 (drop frames for other MACs) from the start. */
  bool rx_promisc_at_reset;
  uint16_t vq_start_idx; /* ring indices after reset (wrap tests) */
  /* Misbehaviours (backend/misbehave.h): dev_misbehave_mask() bits; 0 for
   * a conformant device. */
  uint64_t misbehave;
};

/* VERSION_1, EVENT_IDX, INDIRECT_DESC, MAC, STATUS, MTU, MRG_RXBUF, CTRL_VQ,
 * CTRL_RX, CTRL_MAC_ADDR, CSUM, GUEST_CSUM; mac 52:54:00:12:34:56; mtu 1500;
 * link up; queue size max 256; tx delay 1 tick; notification driven; 64 MAC
 * table entries; promiscuous at reset. */
void dev_net_config_default(struct dev_net_config *cfg);

struct dev_net_queue_stats {
  uint64_t notifies; /* doorbells handled while live */
  uint64_t chains;   /* chains popped */
  uint64_t used;     /* used elements pushed */
  uint64_t irqs;     /* used buffer notifications raised */
  uint64_t irqs_suppressed;
};

struct dev_net_stats {
  uint64_t tx_frames, tx_bytes; /* frames handed to the wire */
  uint64_t rx_frames, rx_bytes; /* frames written to the driver */
  uint64_t tx_dropped[SIM_DROP_COUNT];
  uint64_t rx_dropped[SIM_DROP_COUNT];
  uint64_t rx_merged_buffers; /* buffers used by frames spread over several */
  uint64_t ctrl_ok, ctrl_err; /* control commands acknowledged OK / ERR */
  struct dev_net_queue_stats queue[3];
};

/* A MAC filter entry. */
struct dev_net_mac {
  uint8_t addr[MODEL_NET_MAC_LEN];
};

struct dev_net {
  struct dev_core core;
  struct dev_mmio mmio;
  struct sim_bus *bus; /* borrowed */
  struct sim_nic *nic; /* borrowed; may be NULL (frames then only counted) */
  struct dev_net_config cfg;

  /* configuration space (5.1.4) */
  uint8_t mac[MODEL_NET_MAC_LEN];
  uint16_t net_status;                 /* VIRTIO_NET_S_* */
  bool mtu_changed;                    /* mtu-changes: the mtu field shows another value */
  uint8_t mac_late[MODEL_NET_MAC_LEN]; /* mac-set-late: the mac set but not yet shown */
  bool mac_late_pending;

  /* receive filtering (5.1.9.5.1, 5.1.9.5.2) */
  bool promisc, allmulti, alluni, nomulti, nouni, nobcast;
  struct dev_net_mac *mac_table;             /* owned, cfg.mac_table_max entries */
  uint32_t mac_uni_count, mac_multi_count;   /* unicast first, then multicast */
  bool mac_uni_overflow, mac_multi_overflow; /* too many: accept all of that kind */

  /* scratch, owned, allocated at init */
  uint8_t *frame_buf;
  uint32_t frame_buf_size;
  struct dev_seg *rx_head_segs; /* first buffer's segments (MRG_RXBUF header) */
  struct dev_net_rx_used {
    uint16_t id;
    uint32_t len;
  } * rx_used; /* buffers of the frame being received */

  bool work_pending[3]; /* a processing event is scheduled for the queue */
  bool poll_pending;
  struct dev_net_stats stats;
};

/* Initialise the device on bus and nic, attach its register file to the bus
 * and its receive port to the NIC. MODEL_ERR_INVALID_ARG for a bad config
 * (queue size, mtu, a feature set whose dependencies the device itself
 * breaks, 2.2.2#1), MODEL_ERR_NO_MEMORY. */
MODEL_MUST_USE model_err dev_net_init(struct dev_net *net, struct sim_bus *bus, struct sim_nic *nic,
                                      const struct dev_net_config *cfg);
void dev_net_fini(struct dev_net *net);

/* Link state (VIRTIO_NET_S_LINK_UP). With VIRTIO_NET_F_STATUS offered, a
 * change is a configuration change (generation, notification). While down,
 * frames in either direction are dropped with SIM_DROP_LINK_DOWN. */
void dev_net_set_link(struct dev_net *net, bool up);
/* Ask the driver to announce itself (VIRTIO_NET_S_ANNOUNCE, 5.1.9.5.4):
 * only with VIRTIO_NET_F_GUEST_ANNOUNCE negotiated; MODEL_ERR_FEATURE_REQUIRED
 * otherwise. */
MODEL_MUST_USE model_err dev_net_announce(struct dev_net *net);

const struct dev_core *dev_net_core(const struct dev_net *net);
struct dev_core *dev_net_core_mut(struct dev_net *net);
const struct dev_net_stats *dev_net_stats(const struct dev_net *net);
/* Would a frame to dst pass the receive filters right now? */
bool dev_net_rx_filter_accepts(const struct dev_net *net, const uint8_t dst[MODEL_NET_MAC_LEN]);

/* The NIC's receive port (attached by dev_net_init); public for tests. */
void dev_net_rx_frame(void *net, const uint8_t *frame, size_t len);

#endif
