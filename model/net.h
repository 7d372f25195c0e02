/*
 * model/net.h: virtio-net layouts (5.1): the virtqueue numbering (5.1.2), the
 * configuration layout (5.1.4), the per-packet header (5.1.6 / 5.1.9) and the
 * control virtqueue commands (5.1.9.5). Offsets and sizes only: guest bytes
 * are read with the bus accessors, never cast to a struct.
 */
#ifndef VIOSIM_MODEL_NET_H
#define VIOSIM_MODEL_NET_H

#include <stdint.h>

/* 5.1.2 virtqueues with one queue pair: receiveq1, transmitq1, then controlq
 * (controlq is queue 2N with N pairs; viosim uses N = 1). */
#define MODEL_NET_RXQ   0u
#define MODEL_NET_TXQ   1u
#define MODEL_NET_CTRLQ 2u

/* 5.1.4 struct virtio_net_config */
#define MODEL_NET_CFG_OFF_MAC                              0u  /* u8[6] */
#define MODEL_NET_CFG_OFF_STATUS                           6u  /* le16, with VIRTIO_NET_F_STATUS */
#define MODEL_NET_CFG_OFF_MAX_VQ_PAIRS                     8u  /* le16, with MQ or RSS */
#define MODEL_NET_CFG_OFF_MTU                              10u /* le16, with VIRTIO_NET_F_MTU */
#define MODEL_NET_CFG_OFF_SPEED                            12u /* le32, with SPEED_DUPLEX */
#define MODEL_NET_CFG_OFF_DUPLEX                           16u /* u8 */
#define MODEL_NET_CFG_OFF_RSS_MAX_KEY_SIZE                 17u /* u8 */
#define MODEL_NET_CFG_OFF_RSS_MAX_INDIRECTION_TABLE_LENGTH 18u /* le16 */
#define MODEL_NET_CFG_OFF_SUPPORTED_HASH_TYPES             20u /* le32 */
#define MODEL_NET_CFG_OFF_SUPPORTED_TUNNEL_TYPES           24u /* le32 */
#define MODEL_NET_CFG_SIZE                                 28u
_Static_assert(MODEL_NET_CFG_OFF_SUPPORTED_TUNNEL_TYPES + 4u == MODEL_NET_CFG_SIZE,
               "virtio_net_config is 28 bytes");
#define MODEL_NET_MAC_LEN 6u

#define VIRTIO_NET_S_LINK_UP  1u
#define VIRTIO_NET_S_ANNOUNCE 2u

/* 5.1.4.1: the smallest mtu a device may advertise */
#define MODEL_NET_MTU_MIN 68u
/* 5.1.4.1#3 (a SHOULD): the smallest mtu it should advertise */
#define MODEL_NET_MTU_SHOULD_MIN 1280u

/* 5.1.6 struct virtio_net_hdr (without HASH_REPORT fields) */
#define MODEL_NET_HDR_OFF_FLAGS       0u  /* u8 */
#define MODEL_NET_HDR_OFF_GSO_TYPE    1u  /* u8 */
#define MODEL_NET_HDR_OFF_HDR_LEN     2u  /* le16 */
#define MODEL_NET_HDR_OFF_GSO_SIZE    4u  /* le16 */
#define MODEL_NET_HDR_OFF_CSUM_START  6u  /* le16 */
#define MODEL_NET_HDR_OFF_CSUM_OFFSET 8u  /* le16 */
#define MODEL_NET_HDR_OFF_NUM_BUFFERS 10u /* le16 */
/* With VIRTIO_F_VERSION_1 (or MRG_RXBUF) the header is always 12 bytes. */
#define MODEL_NET_HDR_SIZE 12u
_Static_assert(MODEL_NET_HDR_OFF_NUM_BUFFERS + 2u == MODEL_NET_HDR_SIZE,
               "virtio_net_hdr is 12 bytes");

#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u
#define VIRTIO_NET_HDR_F_DATA_VALID 2u
#define VIRTIO_NET_HDR_F_RSC_INFO   4u

#define VIRTIO_NET_HDR_GSO_NONE   0u
#define VIRTIO_NET_HDR_GSO_TCPV4  1u
#define VIRTIO_NET_HDR_GSO_UDP    3u
#define VIRTIO_NET_HDR_GSO_TCPV6  4u
#define VIRTIO_NET_HDR_GSO_UDP_L4 5u
#define VIRTIO_NET_HDR_GSO_ECN    0x80u

/* Ethernet framing used by the NIC model and the filters */
#define MODEL_ETH_HDR_SIZE    14u
#define MODEL_ETH_MAX_FRAME   1514u /* without FCS, for the default mtu 1500 */
#define MODEL_NET_DEFAULT_MTU 1500u
/* 5.1.9.3.1#2 (a SHOULD): without guest GSO features and MRG_RXBUF, each
 * receive buffer holds at least the header plus a 1514-byte frame; with MTU,
 * 5.1.4.2#8 (a MUST) asks for room for mtu + 14. */
#define MODEL_NET_RX_BUF_MIN (MODEL_NET_HDR_SIZE + MODEL_ETH_MAX_FRAME)

/* 5.1.9.5 control virtqueue: { u8 class; u8 command; data...; u8 ack } */
#define MODEL_NET_CTRL_OFF_CLASS   0u
#define MODEL_NET_CTRL_OFF_COMMAND 1u
#define MODEL_NET_CTRL_HDR_SIZE    2u
#define MODEL_NET_CTRL_ACK_SIZE    1u

#define VIRTIO_NET_OK  0u
#define VIRTIO_NET_ERR 1u

#define VIRTIO_NET_CTRL_RX          0u
#define VIRTIO_NET_CTRL_RX_PROMISC  0u
#define VIRTIO_NET_CTRL_RX_ALLMULTI 1u
#define VIRTIO_NET_CTRL_RX_ALLUNI   2u
#define VIRTIO_NET_CTRL_RX_NOMULTI  3u
#define VIRTIO_NET_CTRL_RX_NOUNI    4u
#define VIRTIO_NET_CTRL_RX_NOBCAST  5u

#define VIRTIO_NET_CTRL_MAC           1u
#define VIRTIO_NET_CTRL_MAC_TABLE_SET 0u
#define VIRTIO_NET_CTRL_MAC_ADDR_SET  1u

#define VIRTIO_NET_CTRL_VLAN     2u
#define VIRTIO_NET_CTRL_VLAN_ADD 0u
#define VIRTIO_NET_CTRL_VLAN_DEL 1u

#define VIRTIO_NET_CTRL_ANNOUNCE     3u
#define VIRTIO_NET_CTRL_ANNOUNCE_ACK 0u

#define VIRTIO_NET_CTRL_MQ              4u
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0u

#define VIRTIO_NET_CTRL_GUEST_OFFLOADS     5u
#define VIRTIO_NET_CTRL_GUEST_OFFLOADS_SET 0u

/* struct virtio_net_ctrl_mac: le32 entries; u8 macs[entries][6] */
#define MODEL_NET_CTRL_MAC_OFF_ENTRIES 0u
#define MODEL_NET_CTRL_MAC_OFF_MACS    4u

#endif
