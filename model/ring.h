/*
 * model/ring.h: what the split (2.7) and packed (2.8) ring formats share:
 * the largest queue size and the descriptor flags both formats define with
 * the same values (2.7.5, 2.8.3, 2.8.6, 2.8.7).
 */
#ifndef VIOSIM_MODEL_RING_H
#define VIOSIM_MODEL_RING_H

/* Split queues (2.7) and packed queues (2.8) hold at most 2^15 entries. */
#define MODEL_QUEUE_SIZE_MAX 32768u

#define VIRTQ_DESC_F_NEXT     1u
#define VIRTQ_DESC_F_WRITE    2u
#define VIRTQ_DESC_F_INDIRECT 4u

#endif
