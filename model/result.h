/*
 * model/result.h: the project's one table of error codes, and the macros that
 * keep the happy path straight down the page.
 *
 * Three kinds of failure (STYLE.md section 4):
 *  - our own bug: assert(), never reached by a guest-controlled value;
 *  - a spec violation by the other side: one of the codes below, recorded by
 *    the caller with the clause id it breaks (the catalog, model/catalog.h);
 *  - a limit or resource: one of the codes below, no clause.
 *
 * Every code is declared once, here. Functions that can fail return
 * model_err and are marked MODEL_MUST_USE.
 */
#ifndef VIOSIM_MODEL_RESULT_H
#define VIOSIM_MODEL_RESULT_H

#define MODEL_MUST_USE __attribute__((warn_unused_result))

/* X(name, message) */
// clang-format off
#define MODEL_ERR_TABLE(X)                                                         \
  X(OK, "no error")                                                                \
  /* guest memory and registers */                                                 \
  X(MEM_UNMAPPED, "guest address range is not mapped")                             \
  X(MEM_WRAP, "guest address range wraps past 2^64")                               \
  X(MEM_PERM, "guest memory access not permitted to this actor")                   \
  X(MEM_FAULT, "guest memory access failed by an injected fault")                  \
  X(REG_NO_DEVICE, "no device register file is attached to the bus")               \
  X(REG_WIDTH, "register access of the wrong width or alignment")                  \
  X(REG_UNDEFINED, "register offset is not defined")                               \
  X(REG_DIRECTION, "read of a write-only or write of a read-only register")         \
  /* device discovery, status and features */                                      \
  X(DEVICE_ABSENT, "no virtio device: bad magic, version or device id")            \
  X(STATUS_TRANSITION, "illegal device status transition")                         \
  X(NEEDS_RESET, "device has set DEVICE_NEEDS_RESET")                              \
  X(FEATURE_UNOFFERED, "feature accepted that the device did not offer")           \
  X(FEATURE_DEPENDENCY, "feature accepted without a feature it depends on")        \
  X(FEATURE_REJECTED, "device did not keep FEATURES_OK")                           \
  X(FEATURE_REQUIRED, "a feature this side requires was not negotiated")           \
  X(CONFIG_VALUE, "device configuration field outside its legal range")           \
  /* virtqueue configuration */                                                    \
  X(QUEUE_INDEX, "queue index out of range")                                       \
  X(QUEUE_SIZE, "queue size is not legal for this ring format")                    \
  X(QUEUE_NOT_READY, "queue is not ready")                                         \
  X(QUEUE_UNAVAILABLE, "queue is not available (QueueSizeMax is zero)")            \
  X(QUEUE_LAYOUT, "ring area misaligned or outside guest memory")                  \
  /* hostile ring contents */                                                      \
  X(RING_HEAD_RANGE, "descriptor head index not below the queue size")             \
  X(RING_NEXT_RANGE, "descriptor next index not below the table size")             \
  X(RING_LOOP, "descriptor chain longer than its table: a loop")                   \
  X(RING_WRITE_ORDER, "device-readable descriptor after a device-writable one")    \
  X(RING_INDIRECT_NESTED, "indirect descriptor inside an indirect table")          \
  X(RING_INDIRECT_LEN, "indirect table length zero or not a multiple of 16")       \
  X(RING_INDIRECT_FLAGS, "indirect descriptor with NEXT also set")                 \
  X(RING_INDIRECT_UNNEGOTIATED, "indirect descriptor without INDIRECT_DESC")       \
  X(RING_EMPTY_CHAIN, "descriptor chain carries no bytes")                         \
  X(RING_AVAIL_IDX, "available idx moved by more than the queue size")             \
  X(RING_USED_ID, "used id is not a head the driver made available")               \
  X(RING_USED_LEN, "used len larger than the chain's writable bytes")              \
  X(RING_USED_IDX, "used idx moved by more than the outstanding buffers")          \
  X(RING_DESC_FLAGS, "packed descriptor AVAIL/USED bits wrong for the ring lap")   \
  X(RING_IN_ORDER, "descriptors not placed in ring order with IN_ORDER")           \
  X(RING_BROKEN, "queue is broken and does nothing until reset")                   \
  /* device-type (virtio-net) */                                                   \
  X(NET_HDR, "malformed virtio-net header")                                        \
  X(NET_FRAME_SIZE, "frame too short or too long for the buffers")                 \
  X(NET_CTRL, "malformed or unsupported control command")                          \
  X(NET_FRAME_CORRUPT, "frame failed its sequence or checksum check")              \
  /* limits and resources */                                                       \
  X(RING_FULL, "not enough free descriptors")                                      \
  X(RING_EMPTY, "nothing to take from the ring")                                   \
  X(NO_MEMORY, "out of guest or host memory")                                      \
  X(CAPACITY, "a fixed-capacity table is full")                                    \
  X(TIMEOUT, "a bounded wait for the other side ran out")                          \
  X(INVALID_ARG, "invalid argument")                                               \
  X(IO, "a host file could not be read or written")
// clang-format on

typedef enum model_err {
#define MODEL_ERR_ENUM(name, msg) MODEL_ERR_##name,
  MODEL_ERR_TABLE(MODEL_ERR_ENUM)
#undef MODEL_ERR_ENUM
      MODEL_ERR_COUNT
} model_err;

#define MODEL_OK MODEL_ERR_OK

/* "MEM_UNMAPPED" for MODEL_ERR_MEM_UNMAPPED; "?" out of range. */
const char *model_err_name(model_err err);
/* One-line human-readable message. */
const char *model_err_message(model_err err);

/* Propagate a failure: evaluate expr once, return its error if not OK. */
#define MODEL_TRY(expr)                                                                            \
  do {                                                                                             \
    model_err model_try_err_ = (expr);                                                             \
    if (model_try_err_ != MODEL_OK)                                                                \
      return model_try_err_;                                                                       \
  } while (0)

/* Return err unless cond holds. */
#define MODEL_ENSURE(cond, err)                                                                    \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      return (err);                                                                                \
  } while (0)

#endif
