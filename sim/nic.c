/*
 * sim/nic.c: the simulated NIC (see sim/nic.h): self-checking frames, the
 * wire with seeded delay, loss, duplication and reordering, the traffic
 * generator, and the ledger that proves every frame was accounted for
 * (DESIGN.md rule 5).
 *
 * Implementation notes:
 *  - A frame is fully determined by (dst, src, stream, seq, len): its
 *    filler comes from (stream, seq) a word at a time and its checksum from
 *    four lanes of words (the definitions in sim/nic.h). Any changed byte
 *    is caught by the checksum (every step a bijection: exactly one changed
 *    byte always changes it), the header checks, or the filler comparison.
 *    Building and parsing are one pass each, a group of four 8-byte words
 *    (a word per lane) at a time: the header's group, the whole groups
 *    (the checksum field masked in the first), and a partial last group
 *    through a zero-padded copy.
 *  - The wire holds copies in a fixed pool of slots (two size classes, free
 *    lists threaded through next_free), allocated at init. Each copy in
 *    flight is one scheduler event (ctx = the nic, arg = slot index) and
 *    counts in its stream's on_wire.
 *  - The ledger keeps 2 bits per (stream, seq): bit 0 delivered intact,
 *    bit 1 dropped. A seq is accounted when either bit is set.
 * Invariants: next_seq[s] <= frames_max; on_wire[s] equals the number of
 * slots in use for stream s; ledger[s] holds ledger_size[s] bytes, enough
 * for every seq below next_seq[s] (it doubles as frames are made, up to
 * frames_max); apart from the ledgers, a slot's buffer and the generator's
 * scratch (each on first use), nothing is allocated after sim_nic_init().
 */
#include "sim/nic.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_NONE        SIZE_MAX
#define LEDGER_DELIVERED 1u
#define LEDGER_DROPPED   2u

enum wire_dest { WIRE_TO_DEVICE, WIRE_TO_PEER };

struct sim_nic_wire_slot {
  uint8_t *bytes; /* owned: cap bytes, allocated the first time the slot is taken */
  uint32_t cap;
  uint32_t len;
  enum sim_stream stream; /* stream whose on_wire counts this copy */
  uint64_t seq;
  bool known; /* stream and seq came from a readable header */
  bool in_use;
  enum wire_dest dest;
  size_t next_free;
};

const char *sim_stream_name(enum sim_stream stream) {
  switch (stream) {
  case SIM_STREAM_RX:
    return "rx";
  case SIM_STREAM_TX:
    return "tx";
  case SIM_STREAM_COUNT:
    break;
  }
  return "?";
}

const char *sim_drop_reason_name(enum sim_drop_reason reason) {
  switch (reason) {
  case SIM_DROP_WIRE_LOSS:
    return "wire_loss";
  case SIM_DROP_NO_RX_BUFFER:
    return "no_rx_buffer";
  case SIM_DROP_LINK_DOWN:
    return "link_down";
  case SIM_DROP_FILTERED:
    return "filtered";
  case SIM_DROP_RESET:
    return "reset";
  case SIM_DROP_BROKEN:
    return "broken";
  case SIM_DROP_TOO_BIG:
    return "too_big";
  case SIM_DROP_FAULT:
    return "fault";
  case SIM_DROP_MALFORMED:
    return "malformed";
  case SIM_DROP_COUNT:
    break;
  }
  return "?";
}

const char *sim_nic_ev_name(enum sim_nic_ev ev) {
  switch (ev) {
  case SIM_NIC_EV_GENERATED:
    return "generated";
  case SIM_NIC_EV_WIRE_TX:
    return "wire_tx";
  case SIM_NIC_EV_WIRE_ARRIVE:
    return "wire_arrive";
  case SIM_NIC_EV_DELIVERED:
    return "delivered";
  case SIM_NIC_EV_DELIVERED_DUP:
    return "delivered_dup";
  case SIM_NIC_EV_CORRUPT:
    return "corrupt";
  case SIM_NIC_EV_DROPPED:
    return "dropped";
  case SIM_NIC_EV_COUNT:
    break;
  }
  return "?";
}

/* ---- frames ---------------------------------------------------------- */

/* The frame's filler and checksum are a format, defined in sim/nic.h with
 * the constants below. Both passes over a frame go a group of four words
 * (one per checksum lane) at a time: the header's group, then the whole
 * groups, then the group that holds the frame's end, if partial. */
#define WORD_BYTES  8u
#define GROUP_WORDS 4u /* the checksum's lanes */
#define GROUP_BYTES (WORD_BYTES * GROUP_WORDS)

/* The checksum field, which the checksum reads as zero, straddles word 3
 * (the header's group) and word 4 (the first whole group). */
_Static_assert(SIM_FRAME_OFF_CSUM == 3u * WORD_BYTES + 6u &&
                   SIM_FRAME_HDR_SIZE == 4u * WORD_BYTES + 2u && SIM_FRAME_MIN_SIZE > GROUP_BYTES,
               "checksum field: the top 2 bytes of word 3 and the bottom 2 of word 4");
#define CSUM_FIELD_WORD3 0xffff000000000000ull
#define CSUM_FIELD_WORD4 0x000000000000ffffull

#define FILLER_STEP 0x9e3779b97f4a7c15ull
#define FILLER_MUL  0xd6e8feb86659fd93ull
#define CSUM_MUL    0x9e3779b1u

static const uint32_t csum_lane_init[GROUP_WORDS] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u,
                                                     0xa54ff53au};

/* Little-endian codecs, the same bytes on every host. On a little-endian
 * host a word moves by memcpy (one load or store, never a cast of the byte
 * buffer); elsewhere byte by byte. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static void put_le32(uint8_t *p, uint32_t v) {
  memcpy(p, &v, sizeof(v));
}

static void put_le64(uint8_t *p, uint64_t v) {
  memcpy(p, &v, sizeof(v));
}

static uint32_t get_le32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}

static uint64_t get_le64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof(v));
  return v;
}
#else
static void put_le32(uint8_t *p, uint32_t v) {
  for (unsigned i = 0; i < 4u; i++)
    p[i] = (uint8_t)(v >> (8u * i));
}

static void put_le64(uint8_t *p, uint64_t v) {
  for (unsigned i = 0; i < 8u; i++)
    p[i] = (uint8_t)(v >> (8u * i));
}

static uint32_t get_le32(const uint8_t *p) {
  uint32_t v = 0;
  for (unsigned i = 4u; i-- > 0;)
    v = (v << 8) | p[i];
  return v;
}

static uint64_t get_le64(const uint8_t *p) {
  uint64_t v = 0;
  for (unsigned i = 8u; i-- > 0;)
    v = (v << 8) | p[i];
  return v;
}
#endif

static uint64_t filler_base(enum sim_stream stream, uint64_t seq) {
  uint64_t x = (seq ^ ((uint64_t)stream << 60)) + 0x243f6a8885a308d3ull;
  x = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9ull;
  return x ^ (x >> 29);
}

/* F(k): the filler word that frame word k draws its filler bytes from. */
static uint64_t filler_word(uint64_t base, size_t k) {
  uint64_t x = base + (uint64_t)k * FILLER_STEP;
  x = (x ^ (x >> 32)) * FILLER_MUL;
  return x ^ (x >> 32);
}

/* Lane absorbs word w (sim/nic.h). For a fixed w, a bijection of lane; for
 * a fixed lane, a change of w's low half alone, or of its high half alone,
 * changes the result: so every single-byte change reaches the checksum. */
static uint32_t csum_step(uint32_t lane, uint64_t w) {
  uint32_t z = ((lane ^ (uint32_t)w) * CSUM_MUL) ^ (uint32_t)(w >> 32);
  return z ^ (z >> 15);
}

/* One pass over a frame: the checksum's lanes and, when parsing, the bits
 * in which the filler read differs from the filler due. */
struct frame_pass {
  uint64_t base;
  uint32_t lane[GROUP_WORDS];
  uint64_t filler_diff;
};

static void pass_start(struct frame_pass *p, enum sim_stream stream, uint64_t seq) {
  p->base = filler_base(stream, seq);
  memcpy(p->lane, csum_lane_init, sizeof(p->lane));
  p->filler_diff = 0;
}

static uint32_t pass_csum(const struct frame_pass *p) {
  uint32_t h = p->lane[0];
  for (unsigned j = 1; j < GROUP_WORDS; j++)
    h = csum_step(h, p->lane[j]);
  return h;
}

/* The last group, at byte off (>= GROUP_BYTES), when the frame ends inside
 * it: due is the group as the checksum reads it (filler up to len, zero
 * past it and in the checksum field); building writes it (the checksum
 * field is still zero), parsing compares what it reads against it. */
static void pass_tail_group(struct frame_pass *p, uint8_t *out, const uint8_t *in, size_t len,
                            size_t off) {
  assert(off >= GROUP_BYTES && len - off < GROUP_BYTES);
  const size_t n = len - off, k = off / WORD_BYTES;
  const size_t csum_end = off < SIM_FRAME_HDR_SIZE ? SIM_FRAME_HDR_SIZE - off : 0;
  uint8_t due[GROUP_BYTES], got[GROUP_BYTES] = {0};
  for (unsigned j = 0; j < GROUP_WORDS; j++)
    put_le64(due + WORD_BYTES * j, filler_word(p->base, k + j));
  memset(due + n, 0, GROUP_BYTES - n);
  memset(due, 0, csum_end);
  if (out != NULL)
    memcpy(out + off, due, n);
  memcpy(got, in + off, n);
  memset(got, 0, csum_end);
  for (unsigned j = 0; j < GROUP_WORDS; j++) {
    const uint64_t w = get_le64(got + WORD_BYTES * j);
    p->filler_diff |= w ^ get_le64(due + WORD_BYTES * j);
    p->lane[j] = csum_step(p->lane[j], w);
  }
}

/* Group 0 (words 0 to 3): header bytes only, already in buf. */
static void pass_header_group(struct frame_pass *p, const uint8_t *buf) {
  p->lane[0] = csum_step(p->lane[0], get_le64(buf));
  p->lane[1] = csum_step(p->lane[1], get_le64(buf + WORD_BYTES));
  p->lane[2] = csum_step(p->lane[2], get_le64(buf + 2u * WORD_BYTES));
  p->lane[3] = csum_step(p->lane[3], get_le64(buf + 3u * WORD_BYTES) & ~CSUM_FIELD_WORD3);
}

/* The whole groups after the header's: filler written, then absorbed. The
 * first begins with the checksum field's high half (not in keep), written
 * and read as zero. The lanes and the filler's base are kept in locals,
 * which the stores into buf cannot alias. Returns the offset of the first
 * group left. */
static size_t pass_build_groups(struct frame_pass *p, uint8_t *buf, size_t len) {
  const uint64_t base = p->base;
  uint64_t keep = ~CSUM_FIELD_WORD4;
  size_t off = GROUP_BYTES;
  uint32_t l0 = p->lane[0], l1 = p->lane[1], l2 = p->lane[2], l3 = p->lane[3];
  for (; off + GROUP_BYTES <= len; off += GROUP_BYTES, keep = UINT64_MAX) {
    const size_t k = off / WORD_BYTES;
    const uint64_t w0 = filler_word(base, k) & keep, w1 = filler_word(base, k + 1u);
    const uint64_t w2 = filler_word(base, k + 2u), w3 = filler_word(base, k + 3u);
    put_le64(buf + off, w0);
    put_le64(buf + off + WORD_BYTES, w1);
    put_le64(buf + off + 2u * WORD_BYTES, w2);
    put_le64(buf + off + 3u * WORD_BYTES, w3);
    l0 = csum_step(l0, w0);
    l1 = csum_step(l1, w1);
    l2 = csum_step(l2, w2);
    l3 = csum_step(l3, w3);
  }
  p->lane[0] = l0;
  p->lane[1] = l1;
  p->lane[2] = l2;
  p->lane[3] = l3;
  return off;
}

/* The whole groups after the header's: filler compared, and absorbed as
 * read, the checksum field's high half (not in keep) as zero. Returns the
 * offset of the first group left. */
static size_t pass_parse_groups(struct frame_pass *p, const uint8_t *buf, size_t len) {
  const uint64_t base = p->base;
  uint64_t keep = ~CSUM_FIELD_WORD4;
  size_t off = GROUP_BYTES;
  uint32_t l0 = p->lane[0], l1 = p->lane[1], l2 = p->lane[2], l3 = p->lane[3];
  uint64_t diff = 0;
  for (; off + GROUP_BYTES <= len; off += GROUP_BYTES, keep = UINT64_MAX) {
    const size_t k = off / WORD_BYTES;
    const uint64_t w0 = get_le64(buf + off) & keep, w1 = get_le64(buf + off + WORD_BYTES);
    const uint64_t w2 = get_le64(buf + off + 2u * WORD_BYTES);
    const uint64_t w3 = get_le64(buf + off + 3u * WORD_BYTES);
    diff |= (w0 ^ (filler_word(base, k) & keep)) | (w1 ^ filler_word(base, k + 1u)) |
            (w2 ^ filler_word(base, k + 2u)) | (w3 ^ filler_word(base, k + 3u));
    l0 = csum_step(l0, w0);
    l1 = csum_step(l1, w1);
    l2 = csum_step(l2, w2);
    l3 = csum_step(l3, w3);
  }
  p->lane[0] = l0;
  p->lane[1] = l1;
  p->lane[2] = l2;
  p->lane[3] = l3;
  p->filler_diff |= diff;
  return off;
}

void sim_frame_build(uint8_t *buf, size_t len, const uint8_t dst[6], const uint8_t src[6],
                     enum sim_stream stream, uint64_t seq) {
  assert(len >= SIM_FRAME_MIN_SIZE && len <= SIM_FRAME_MAX_SIZE);
  assert((unsigned)stream < (unsigned)SIM_STREAM_COUNT);
  memcpy(buf + SIM_FRAME_OFF_DST, dst, 6);
  memcpy(buf + SIM_FRAME_OFF_SRC, src, 6);
  buf[SIM_FRAME_OFF_ETHERTYPE] = (uint8_t)(SIM_FRAME_ETHERTYPE >> 8);
  buf[SIM_FRAME_OFF_ETHERTYPE + 1u] = (uint8_t)(SIM_FRAME_ETHERTYPE & 0xffu);
  put_le32(buf + SIM_FRAME_OFF_STREAM, (uint32_t)stream);
  put_le64(buf + SIM_FRAME_OFF_SEQ, seq);
  put_le32(buf + SIM_FRAME_OFF_LEN, (uint32_t)len);
  put_le32(buf + SIM_FRAME_OFF_CSUM, 0); /* read as zero until the end */
  struct frame_pass p;
  pass_start(&p, stream, seq);
  pass_header_group(&p, buf);
  size_t off = pass_build_groups(&p, buf, len);
  if (off < len)
    pass_tail_group(&p, buf, buf, len, off);
  put_le32(buf + SIM_FRAME_OFF_CSUM, pass_csum(&p));
}

/* The header fields alone (no checksum): enough to route and attribute a
 * copy. False if the frame is too short or names no stream. */
static bool frame_peek(const uint8_t *buf, size_t len, enum sim_stream *stream, uint64_t *seq) {
  if (len < SIM_FRAME_HDR_SIZE)
    return false;
  uint32_t s = get_le32(buf + SIM_FRAME_OFF_STREAM);
  if (s >= (uint32_t)SIM_STREAM_COUNT)
    return false;
  *stream = (enum sim_stream)s;
  *seq = get_le64(buf + SIM_FRAME_OFF_SEQ);
  return true;
}

model_err sim_frame_parse(const uint8_t *buf, size_t len, struct sim_frame_info *out) {
  memset(out, 0, sizeof(*out));
  const model_err bad = MODEL_ERR_NET_FRAME_CORRUPT;
  MODEL_ENSURE(len >= SIM_FRAME_MIN_SIZE && len <= SIM_FRAME_MAX_SIZE, bad);
  uint32_t ethertype =
      ((uint32_t)buf[SIM_FRAME_OFF_ETHERTYPE] << 8) | buf[SIM_FRAME_OFF_ETHERTYPE + 1u];
  MODEL_ENSURE(ethertype == SIM_FRAME_ETHERTYPE, bad);
  enum sim_stream stream = SIM_STREAM_RX;
  uint64_t seq = 0;
  MODEL_ENSURE(frame_peek(buf, len, &stream, &seq), bad);
  MODEL_ENSURE(get_le32(buf + SIM_FRAME_OFF_LEN) == (uint32_t)len, bad);
  /* one pass: the checksum and every filler byte */
  struct frame_pass p;
  pass_start(&p, stream, seq);
  pass_header_group(&p, buf);
  size_t off = pass_parse_groups(&p, buf, len);
  if (off < len)
    pass_tail_group(&p, NULL, buf, len, off);
  MODEL_ENSURE(get_le32(buf + SIM_FRAME_OFF_CSUM) == pass_csum(&p), bad);
  MODEL_ENSURE(p.filler_diff == 0, bad);
  out->stream = stream;
  out->seq = seq;
  out->len = (uint32_t)len;
  memcpy(out->dst, buf + SIM_FRAME_OFF_DST, 6);
  memcpy(out->src, buf + SIM_FRAME_OFF_SRC, 6);
  return MODEL_OK;
}

/* ---- setup ----------------------------------------------------------- */

static void nic_wire_arrive(void *ctx, uint64_t arg);
static void nic_gen_tick(void *ctx, uint64_t arg);

/* Largest ledger the NIC accepts: 2^32 sequence numbers per stream (1 GiB). */
#define NIC_FRAMES_MAX_LIMIT (1ull << 32)

static size_t ledger_bytes(uint64_t frames_max) {
  return (size_t)((frames_max + 3u) / 4u);
}

/* Bytes a ledger starts with (or all of it, if smaller): 4096 frames. */
#define NIC_LEDGER_BYTES_INITIAL 1024u

/* Make stream's ledger hold seq (seq < frames_max): double it, zero-filled,
 * up to its full size. The ledger grows with the frames made instead of
 * being allocated for frames_max at init (256 KiB a stream for the
 * scenarios' million frames); only seqs below next_seq are ever read. */
static model_err ledger_reserve(struct sim_nic *nic, enum sim_stream stream, uint64_t seq) {
  size_t need = (size_t)(seq / 4u) + 1u, full = ledger_bytes(nic->cfg.frames_max);
  size_t size = nic->ledger_size[stream];
  if (need <= size)
    return MODEL_OK;
  while (size < need)
    size = size > full / 2u ? full : 2u * size;
  uint8_t *ledger = realloc(nic->ledger[stream], size);
  MODEL_ENSURE(ledger != NULL, MODEL_ERR_NO_MEMORY);
  memset(ledger + nic->ledger_size[stream], 0, size - nic->ledger_size[stream]);
  nic->ledger[stream] = ledger;
  nic->ledger_size[stream] = size;
  return MODEL_OK;
}

static void slots_setup(struct sim_nic *nic) {
  nic->slots_free_head = SLOT_NONE;
  nic->slots_free_large_head = SLOT_NONE;
  for (size_t i = nic->slot_count; i-- > 0;) {
    struct sim_nic_wire_slot *slot = &nic->slots[i];
    bool is_small = i < (size_t)SIM_NIC_WIRE_SLOTS;
    slot->cap = is_small ? SIM_NIC_WIRE_SLOT_BYTES : SIM_FRAME_MAX_SIZE;
    size_t *head = is_small ? &nic->slots_free_head : &nic->slots_free_large_head;
    slot->next_free = *head;
    *head = i;
  }
}

model_err sim_nic_init(struct sim_nic *nic, struct sim_bus *bus, const struct sim_nic_config *cfg,
                       uint64_t seed) {
  memset(nic, 0, sizeof(*nic));
  MODEL_ENSURE(bus != NULL && cfg->delay_min_ticks <= cfg->delay_max_ticks, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(cfg->frames_max > 0 && cfg->frames_max <= NIC_FRAMES_MAX_LIMIT,
               MODEL_ERR_INVALID_ARG);
  nic->cfg = *cfg;
  nic->bus = bus;
  sim_prng_init(&nic->prng_wire, seed, "nic.wire");
  sim_prng_init(&nic->prng_gen, seed, "nic.gen");
  nic->slot_count = (size_t)SIM_NIC_WIRE_SLOTS + SIM_NIC_WIRE_LARGE_SLOTS;
  nic->slots = calloc(nic->slot_count, sizeof(*nic->slots));
  bool ok = nic->slots != NULL;
  for (unsigned s = 0; s < (unsigned)SIM_STREAM_COUNT; s++) {
    size_t size = ledger_bytes(cfg->frames_max);
    size = size < NIC_LEDGER_BYTES_INITIAL ? size : NIC_LEDGER_BYTES_INITIAL;
    nic->ledger[s] = calloc(size, 1);
    nic->ledger_size[s] = nic->ledger[s] != NULL ? size : 0u;
    ok = ok && nic->ledger[s] != NULL;
  }
  if (!ok) {
    sim_nic_fini(nic);
    return MODEL_ERR_NO_MEMORY;
  }
  slots_setup(nic);
  return MODEL_OK;
}

void sim_nic_fini(struct sim_nic *nic) {
  if (nic->bus != NULL && nic->bus->sched != NULL) {
    (void)sim_sched_cancel(nic->bus->sched, nic_wire_arrive, nic);
    (void)sim_sched_cancel(nic->bus->sched, nic_gen_tick, nic);
  }
  for (unsigned s = 0; s < (unsigned)SIM_STREAM_COUNT; s++) {
    free(nic->ledger[s]);
    nic->ledger[s] = NULL;
    nic->ledger_size[s] = 0;
  }
  for (size_t i = 0; nic->slots != NULL && i < nic->slot_count; i++)
    free(nic->slots[i].bytes);
  free(nic->slots);
  free(nic->scratch);
  nic->slots = NULL;
  nic->scratch = NULL;
  nic->slot_count = 0;
}

void sim_nic_attach_device(struct sim_nic *nic, sim_nic_rx_fn fn, void *ctx) {
  nic->device_rx = fn;
  nic->device_ctx = ctx;
}

/* ---- ledger and trace ------------------------------------------------ */

static unsigned ledger_get(const struct sim_nic *nic, enum sim_stream stream, uint64_t seq) {
  const uint8_t byte = nic->ledger[stream][seq / 4u];
  return (unsigned)(byte >> (2u * (unsigned)(seq % 4u))) & 3u;
}

static void ledger_set(struct sim_nic *nic, enum sim_stream stream, uint64_t seq, unsigned bit) {
  uint8_t *byte = &nic->ledger[stream][seq / 4u];
  *byte = (uint8_t)(*byte | (bit << (2u * (unsigned)(seq % 4u))));
}

static void nic_record(struct sim_nic *nic, enum sim_actor who, uint64_t ev, bool known,
                       enum sim_stream stream, uint64_t seq) {
  (void)sim_bus_record(nic->bus, SIM_EV_NIC, who, ev,
                       known ? (uint64_t)stream : (uint64_t)SIM_STREAM_COUNT, known ? seq : 0);
}

/* Parse a frame and check it names a seq that was generated. */
static model_err frame_check(const struct sim_nic *nic, const uint8_t *frame, size_t len,
                             struct sim_frame_info *info) {
  MODEL_TRY(sim_frame_parse(frame, len, info));
  MODEL_ENSURE(info->seq < nic->next_seq[info->stream], MODEL_ERR_NET_FRAME_CORRUPT);
  return MODEL_OK;
}

model_err sim_nic_frame_number(struct sim_nic *nic, enum sim_stream stream, size_t len,
                               uint64_t *seq) {
  *seq = 0;
  MODEL_ENSURE((unsigned)stream < (unsigned)SIM_STREAM_COUNT, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(len >= SIM_FRAME_MIN_SIZE && len <= SIM_FRAME_MAX_SIZE, MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(nic->next_seq[stream] < nic->cfg.frames_max, MODEL_ERR_CAPACITY);
  MODEL_TRY(ledger_reserve(nic, stream, nic->next_seq[stream]));
  uint64_t s = nic->next_seq[stream]++;
  nic->stats[stream].generated++;
  nic_record(nic, SIM_ACTOR_NIC, SIM_NIC_EV_GENERATED, true, stream, s);
  *seq = s;
  return MODEL_OK;
}

model_err sim_nic_frame_make(struct sim_nic *nic, enum sim_stream stream, uint8_t *buf, size_t len,
                             const uint8_t dst[6], const uint8_t src[6], uint64_t *seq) {
  MODEL_TRY(sim_nic_frame_number(nic, stream, len, seq));
  sim_frame_build(buf, len, dst, src, stream, *seq);
  return MODEL_OK;
}

model_err sim_nic_deliver(struct sim_nic *nic, enum sim_actor who, const uint8_t *frame,
                          size_t len) {
  struct sim_frame_info info;
  if (frame_check(nic, frame, len, &info) != MODEL_OK) {
    enum sim_stream stream = SIM_STREAM_RX;
    uint64_t seq = 0;
    bool known = frame_peek(frame, len, &stream, &seq);
    if (known)
      nic->stats[stream].corrupt++;
    else
      nic->corrupt_unknown++;
    nic_record(nic, who, SIM_NIC_EV_CORRUPT, known, stream, seq);
    return MODEL_ERR_NET_FRAME_CORRUPT;
  }
  struct sim_nic_stream_stats *st = &nic->stats[info.stream];
  if ((ledger_get(nic, info.stream, info.seq) & LEDGER_DELIVERED) != 0) {
    st->delivered_dup++;
    nic_record(nic, who, SIM_NIC_EV_DELIVERED_DUP, true, info.stream, info.seq);
    return MODEL_OK;
  }
  ledger_set(nic, info.stream, info.seq, LEDGER_DELIVERED);
  st->delivered++;
  nic_record(nic, who, SIM_NIC_EV_DELIVERED, true, info.stream, info.seq);
  return MODEL_OK;
}

/* A copy is dropped. Only a frame that passes its check can be marked in a
 * ledger; anything else is counted in dropped_unknown (never accounted). */
void sim_nic_drop(struct sim_nic *nic, enum sim_actor who, const uint8_t *frame, size_t len,
                  enum sim_drop_reason reason) {
  assert((unsigned)reason < (unsigned)SIM_DROP_COUNT);
  const uint64_t ev = (uint64_t)SIM_NIC_EV_DROPPED | ((uint64_t)reason << SIM_NIC_EV_REASON_SHIFT);
  struct sim_frame_info info;
  if (frame_check(nic, frame, len, &info) != MODEL_OK) {
    nic->dropped_unknown++;
    nic_record(nic, who, ev, false, SIM_STREAM_RX, 0);
    return;
  }
  nic->stats[info.stream].dropped[reason]++;
  ledger_set(nic, info.stream, info.seq, LEDGER_DROPPED);
  nic_record(nic, who, ev, true, info.stream, info.seq);
}

/* ---- the wire -------------------------------------------------------- */

static size_t slot_take(struct sim_nic *nic, size_t len) {
  size_t *head =
      len <= SIM_NIC_WIRE_SLOT_BYTES ? &nic->slots_free_head : &nic->slots_free_large_head;
  if (*head == SLOT_NONE && len <= SIM_NIC_WIRE_SLOT_BYTES)
    head = &nic->slots_free_large_head; /* a small frame may use a large slot */
  size_t i = *head;
  if (i == SLOT_NONE)
    return SLOT_NONE;
  if (nic->slots[i].bytes == NULL) {
    nic->slots[i].bytes = malloc(nic->slots[i].cap);
    if (nic->slots[i].bytes == NULL)
      return SLOT_NONE; /* no memory: the wire is full for this copy */
  }
  *head = nic->slots[i].next_free;
  nic->slots[i].next_free = SLOT_NONE;
  nic->slots[i].in_use = true;
  return i;
}

static void slot_give(struct sim_nic *nic, size_t i) {
  struct sim_nic_wire_slot *slot = &nic->slots[i];
  size_t *head =
      slot->cap == SIM_NIC_WIRE_SLOT_BYTES ? &nic->slots_free_head : &nic->slots_free_large_head;
  slot->in_use = false;
  slot->next_free = *head;
  *head = i;
}

/* Room for `copies` more frames of any size: that many free slots of each
 * pool (a small frame may also take a large slot, never the reverse). */
static bool wire_room(const struct sim_nic *nic, unsigned copies) {
  size_t heads[2] = {nic->slots_free_head, nic->slots_free_large_head};
  for (size_t h = 0; h < 2; h++) {
    size_t i = heads[h];
    for (unsigned n = 0; n < copies; n++) {
      if (i == SLOT_NONE)
        return false;
      i = nic->slots[i].next_free;
    }
  }
  return true;
}

bool sim_nic_tx_ready(const struct sim_nic *nic) {
  return wire_room(nic, 1u);
}

uint64_t sim_nic_backoff_ticks(const struct sim_nic *nic) {
  return nic->cfg.delay_min_ticks > 0 ? nic->cfg.delay_min_ticks : 1u;
}

/* One copy onto the wire, arriving after delay_ticks; tail-dropped if the
 * pool or the scheduler is full. */
static void wire_put(struct sim_nic *nic, const uint8_t *frame, size_t len, enum wire_dest dest,
                     enum sim_stream stream, bool known, uint64_t seq, uint64_t delay_ticks) {
  size_t i = slot_take(nic, len);
  if (i == SLOT_NONE) {
    nic->wire_full_count++;
    sim_nic_drop(nic, SIM_ACTOR_NIC, frame, len, SIM_DROP_WIRE_LOSS);
    return;
  }
  if (sim_sched_after(nic->bus->sched, delay_ticks, nic_wire_arrive, nic, (uint64_t)i) !=
      MODEL_OK) {
    slot_give(nic, i);
    nic->wire_full_count++;
    sim_nic_drop(nic, SIM_ACTOR_NIC, frame, len, SIM_DROP_WIRE_LOSS);
    return;
  }
  struct sim_nic_wire_slot *slot = &nic->slots[i];
  memcpy(slot->bytes, frame, len);
  slot->len = (uint32_t)len;
  slot->stream = stream;
  slot->seq = seq;
  slot->known = known;
  slot->dest = dest;
  nic->stats[stream].on_wire++;
  nic_record(nic, SIM_ACTOR_NIC, SIM_NIC_EV_WIRE_TX, known, stream, seq);
}

/* A frame enters the wire: loss, then duplication, then per copy a delay
 * (and maybe the reorder hold-back), all from stream "nic.wire". */
static void wire_send(struct sim_nic *nic, const uint8_t *frame, size_t len, enum wire_dest dest) {
  if (len > SIM_FRAME_MAX_SIZE) {
    sim_nic_drop(nic, SIM_ACTOR_NIC, frame, len, SIM_DROP_TOO_BIG);
    return;
  }
  enum sim_stream stream = dest == WIRE_TO_PEER ? SIM_STREAM_TX : SIM_STREAM_RX;
  uint64_t seq = 0;
  bool known = frame_peek(frame, len, &stream, &seq);
  if (sim_prng_chance_ppm(&nic->prng_wire, nic->cfg.loss_ppm)) {
    sim_nic_drop(nic, SIM_ACTOR_NIC, frame, len, SIM_DROP_WIRE_LOSS);
    return;
  }
  unsigned copies = 1u;
  /* The draw is made whether or not the wire has room for the copy, so a
   * full wire does not shift the stream; the copy is made only with room. */
  if (sim_prng_chance_ppm(&nic->prng_wire, nic->cfg.dup_ppm) && wire_room(nic, 2u)) {
    copies = 2u;
    nic->stats[stream].duplicated++;
  }
  for (unsigned c = 0; c < copies; c++) {
    uint64_t delay =
        sim_prng_range(&nic->prng_wire, nic->cfg.delay_min_ticks, nic->cfg.delay_max_ticks);
    if (sim_prng_chance_ppm(&nic->prng_wire, nic->cfg.reorder_ppm))
      delay = delay > UINT64_MAX - nic->cfg.reorder_extra_ticks
                  ? UINT64_MAX
                  : delay + nic->cfg.reorder_extra_ticks;
    wire_put(nic, frame, len, dest, stream, known, seq, delay);
  }
}

static void nic_wire_arrive(void *ctx, uint64_t arg) {
  struct sim_nic *nic = ctx;
  assert(arg < nic->slot_count);
  size_t i = (size_t)arg;
  struct sim_nic_wire_slot *slot = &nic->slots[i];
  assert(slot->in_use);
  nic->stats[slot->stream].on_wire--;
  nic_record(nic, SIM_ACTOR_NIC, SIM_NIC_EV_WIRE_ARRIVE, slot->known, slot->stream, slot->seq);
  switch (slot->dest) {
  case WIRE_TO_DEVICE:
    if (nic->device_rx != NULL)
      nic->device_rx(nic->device_ctx, slot->bytes, slot->len);
    else
      sim_nic_drop(nic, SIM_ACTOR_NIC, slot->bytes, slot->len, SIM_DROP_LINK_DOWN);
    break;
  case WIRE_TO_PEER: {
    /* The peer is the final consumer of TX frames; a failed check is
     * counted by sim_nic_deliver and fails the run's accounting. */
    model_err err = sim_nic_deliver(nic, SIM_ACTOR_NIC, slot->bytes, slot->len);
    (void)err;
    break;
  }
  }
  slot_give(nic, i); /* only now: the receiver may have sent frames meanwhile */
}

void sim_nic_device_tx(struct sim_nic *nic, const uint8_t *frame, size_t len) {
  wire_send(nic, frame, len, nic->cfg.loopback ? WIRE_TO_DEVICE : WIRE_TO_PEER);
}

/* ---- traffic generator ----------------------------------------------- */

static void nic_gen_tick(void *ctx, uint64_t arg) {
  struct sim_nic *nic = ctx;
  (void)arg;
  if (nic->gen_remaining == 0)
    return;
  if (!sim_nic_tx_ready(nic)) {
    /* The wire is full: the peer waits for room, as a sender with flow
     * control would; no frame is made, none is lost. */
    if (sim_sched_after(nic->bus->sched, sim_nic_backoff_ticks(nic), nic_gen_tick, nic, 0) !=
        MODEL_OK) {
      nic->gen_remaining = 0;
      sim_bus_note(nic->bus, SIM_ACTOR_NIC, "nic: generator stopped: scheduler full");
    }
    return;
  }
  nic->gen_remaining--;
  size_t len = (size_t)sim_prng_range(&nic->prng_gen, nic->gen_len_min, nic->gen_len_max);
  uint64_t seq = 0;
  if (sim_nic_frame_make(nic, SIM_STREAM_RX, nic->scratch, len, nic->gen_dst, nic->cfg.peer_mac,
                         &seq) != MODEL_OK) {
    nic->gen_remaining = 0;
    sim_bus_note(nic->bus, SIM_ACTOR_NIC, "nic: generator stopped: rx ledger full");
    return;
  }
  wire_send(nic, nic->scratch, len, WIRE_TO_DEVICE);
  if (nic->gen_remaining == 0)
    return;
  if (sim_sched_after(nic->bus->sched, nic->gen_interval_ticks, nic_gen_tick, nic, 0) != MODEL_OK) {
    nic->gen_remaining = 0;
    sim_bus_note(nic->bus, SIM_ACTOR_NIC, "nic: generator stopped: scheduler full");
  }
}

model_err sim_nic_generate(struct sim_nic *nic, uint64_t count, uint32_t len_min, uint32_t len_max,
                           const uint8_t dst[6], uint64_t interval_ticks) {
  MODEL_ENSURE(len_min >= SIM_FRAME_MIN_SIZE && len_max <= SIM_FRAME_MAX_SIZE,
               MODEL_ERR_INVALID_ARG);
  MODEL_ENSURE(len_min <= len_max, MODEL_ERR_INVALID_ARG);
  if (count == 0)
    return MODEL_OK;
  if (nic->scratch == NULL) {
    nic->scratch = malloc(SIM_FRAME_MAX_SIZE);
    MODEL_ENSURE(nic->scratch != NULL, MODEL_ERR_NO_MEMORY);
  }
  if (!sim_sched_pending(nic->bus->sched, nic_gen_tick, nic))
    MODEL_TRY(sim_sched_after(nic->bus->sched, interval_ticks, nic_gen_tick, nic, 0));
  nic->gen_remaining =
      count > UINT64_MAX - nic->gen_remaining ? UINT64_MAX : nic->gen_remaining + count;
  nic->gen_len_min = len_min;
  nic->gen_len_max = len_max;
  nic->gen_interval_ticks = interval_ticks;
  memcpy(nic->gen_dst, dst, 6);
  return MODEL_OK;
}

/* ---- end of run ------------------------------------------------------ */

static bool why_fail(char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool why_fail(char *why, size_t why_size, const char *fmt, ...) {
  if (why != NULL && why_size > 0) {
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(why, why_size, fmt, ap);
    va_end(ap);
  }
  return false;
}

/* First seq in [0, next_seq) with neither ledger bit set; next_seq if none. */
static uint64_t first_unaccounted(const struct sim_nic *nic, enum sim_stream stream) {
  const uint64_t n = nic->next_seq[stream];
  const uint8_t *ledger = nic->ledger[stream];
  for (uint64_t seq = 0; seq < n; seq++) {
    if (seq % 4u == 0 && n - seq >= 4u) {
      uint8_t byte = ledger[seq / 4u];
      /* all four 2-bit entries non-zero: skip the byte */
      if ((byte & 0x03u) && (byte & 0x0cu) && (byte & 0x30u) && (byte & 0xc0u)) {
        seq += 3u;
        continue;
      }
    }
    if (ledger_get(nic, stream, seq) == 0)
      return seq;
  }
  return n;
}

bool sim_nic_check_accounted(const struct sim_nic *nic, char *why, size_t why_size) {
  for (unsigned s = 0; s < (unsigned)SIM_STREAM_COUNT; s++) {
    enum sim_stream stream = (enum sim_stream)s;
    const struct sim_nic_stream_stats *st = &nic->stats[s];
    const char *name = sim_stream_name(stream);
    if (st->on_wire != 0)
      return why_fail(why, why_size, "stream %s: %" PRIu64 " frame copies still on the wire", name,
                      st->on_wire);
    uint64_t seq = first_unaccounted(nic, stream);
    if (seq < nic->next_seq[s])
      return why_fail(why, why_size,
                      "stream %s: frame seq %" PRIu64 " was neither delivered nor dropped", name,
                      seq);
    if (st->corrupt != 0)
      return why_fail(why, why_size, "stream %s: %" PRIu64 " deliveries failed their check", name,
                      st->corrupt);
  }
  if (nic->corrupt_unknown != 0)
    return why_fail(why, why_size, "%" PRIu64 " deliveries of unreadable frames",
                    nic->corrupt_unknown);
  if (nic->dropped_unknown != 0)
    return why_fail(why, why_size, "%" PRIu64 " drops of unreadable or never-generated frames",
                    nic->dropped_unknown);
  if (why != NULL && why_size > 0)
    why[0] = '\0';
  return true;
}
