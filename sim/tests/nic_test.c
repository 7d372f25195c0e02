/*
 * sim/tests/nic_test.c: the simulated NIC (sim/nic.h): frames are the bytes
 * the header's definition gives (a known answer computed independently, and
 * a byte-wise reference model in this file, at every length around the word
 * and group boundaries up to the largest), round-trip, and catch every
 * single-byte change, any truncation, and forged header fields or filler
 * under a correct checksum; the wire's loss, duplication and reordering
 * keep a perfect ledger; an unaccounted, corrupt or unreadable frame fails
 * the end-of-run check (the negative twins); loopback, link down, large
 * frames, and a full wire that pushes back (a sender that ignores it is
 * tail-dropped, accounted); a full scheduler or ledger stops the generator
 * instead of losing frames; the refused configurations and the delays that
 * saturate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sim/nic.h"
#include "sim/trace.h"

static const uint8_t mac_a[6] = {0x52, 0x54, 0, 0, 0, 1};
static const uint8_t mac_b[6] = {0x52, 0x54, 0, 0, 0, 2};

#define ARRIVALS_MAX 4096u

struct fx {
  struct sim_sched sched;
  struct sim_trace trace;
  struct sim_bus bus;
  struct sim_nic nic;
  struct sim_nic_config cfg;
  /* the device's receive port */
  bool rx_ignore;         /* take the frame and forget it */
  uint64_t rx_ignore_seq; /* ... only this seq (UINT64_MAX: none) */
  uint64_t arrivals[ARRIVALS_MAX];
  size_t arrival_count;
};

static void device_rx(void *ctx, const uint8_t *frame, size_t len) {
  struct fx *fx = ctx;
  struct sim_frame_info info;
  assert_int_equal(sim_frame_parse(frame, len, &info), MODEL_OK);
  if (fx->arrival_count < ARRIVALS_MAX)
    fx->arrivals[fx->arrival_count++] = info.seq;
  if (fx->rx_ignore && (fx->rx_ignore_seq == UINT64_MAX || fx->rx_ignore_seq == info.seq))
    return;
  /* the device passes it up; the driver is its final consumer */
  assert_int_equal(sim_nic_deliver(&fx->nic, SIM_ACTOR_DRIVER, frame, len), MODEL_OK);
}

static int fx_start(struct fx *fx) {
  if (sim_sched_init(&fx->sched, 8192) != MODEL_OK)
    return -1;
  sim_trace_init(&fx->trace, NULL);
  sim_bus_init(&fx->bus, &fx->sched, &fx->trace, NULL, 1);
  if (sim_nic_init(&fx->nic, &fx->bus, &fx->cfg, 1) != MODEL_OK)
    return -1;
  sim_nic_attach_device(&fx->nic, device_rx, fx);
  return 0;
}

static int setup(void **state) {
  static struct fx fx;
  memset(&fx, 0, sizeof(fx));
  fx.cfg.delay_min_ticks = 10;
  fx.cfg.delay_max_ticks = 20;
  fx.cfg.reorder_extra_ticks = 25;
  fx.cfg.frames_max = 1u << 16;
  memcpy(fx.cfg.peer_mac, mac_b, 6);
  fx.rx_ignore_seq = UINT64_MAX;
  *state = &fx;
  return fx_start(&fx);
}

static int teardown(void **state) {
  struct fx *fx = *state;
  sim_nic_fini(&fx->nic);
  sim_bus_fini(&fx->bus);
  sim_sched_fini(&fx->sched);
  return 0;
}

/* Restart the fixture with fx->cfg as changed by the test. */
static void restart(struct fx *fx) {
  sim_nic_fini(&fx->nic);
  sim_bus_fini(&fx->bus);
  sim_sched_fini(&fx->sched);
  fx->arrival_count = 0;
  assert_int_equal(fx_start(fx), 0);
}

static void run_all(struct fx *fx) {
  for (int i = 0; i < 1000000 && sim_sched_step(&fx->sched); i++) {
  }
}

/* ---- the frame definition, independently ---------------------------- */

/* The filler and checksum as sim/nic.h defines them, written from its text
 * a byte at a time, sharing no code with sim/nic.c: what the NIC builds
 * must be these bytes, and a test can forge a frame whose checksum is
 * right. */
static uint64_t ref_filler_word(enum sim_stream stream, uint64_t seq, uint64_t k) {
  uint64_t x = (seq ^ ((uint64_t)stream << 60)) + 0x243f6a8885a308d3ull;
  x = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9ull;
  uint64_t y = (x ^ (x >> 29)) + k * 0x9e3779b97f4a7c15ull;
  y = (y ^ (y >> 32)) * 0xd6e8feb86659fd93ull;
  return y ^ (y >> 32);
}

static uint32_t ref_step(uint32_t a, uint64_t w) {
  uint32_t z = ((a ^ (uint32_t)w) * 0x9e3779b1u) ^ (uint32_t)(w >> 32);
  return z ^ (z >> 15);
}

/* The checksum of buf[0, len): the checksum field and the padding up to a
 * multiple of 32 bytes read as zero, word k into lane k % 4. */
static uint32_t ref_csum(const uint8_t *buf, size_t len) {
  uint32_t lane[4] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au};
  const size_t padded = (len + 31u) / 32u * 32u;
  for (size_t k = 0; k < padded / 8u; k++) {
    uint64_t w = 0;
    for (unsigned b = 0; b < 8u; b++) {
      const size_t i = 8u * k + b;
      const bool in_csum = i >= SIM_FRAME_OFF_CSUM && i < SIM_FRAME_OFF_CSUM + 4u;
      w |= (uint64_t)(i < len && !in_csum ? buf[i] : 0) << (8u * b);
    }
    lane[k % 4u] = ref_step(lane[k % 4u], w);
  }
  return ref_step(ref_step(ref_step(lane[0], lane[1]), lane[2]), lane[3]);
}

static uint32_t get_csum(const uint8_t *buf) {
  uint32_t csum = 0;
  for (unsigned i = 0; i < 4u; i++)
    csum |= (uint32_t)buf[SIM_FRAME_OFF_CSUM + i] << (8u * i);
  return csum;
}

static void put_csum(uint8_t *buf, uint32_t csum) {
  for (unsigned i = 0; i < 4u; i++)
    buf[SIM_FRAME_OFF_CSUM + i] = (uint8_t)(csum >> (8u * i));
}

/* The frame (mac_a to mac_b) of len bytes for (stream, seq). */
static void ref_frame(uint8_t *buf, size_t len, enum sim_stream stream, uint64_t seq) {
  memcpy(buf + SIM_FRAME_OFF_DST, mac_a, 6);
  memcpy(buf + SIM_FRAME_OFF_SRC, mac_b, 6);
  buf[SIM_FRAME_OFF_ETHERTYPE] = 0x88;
  buf[SIM_FRAME_OFF_ETHERTYPE + 1u] = 0xb5;
  for (unsigned i = 0; i < 4u; i++) {
    buf[SIM_FRAME_OFF_STREAM + i] = (uint8_t)((uint32_t)stream >> (8u * i));
    buf[SIM_FRAME_OFF_LEN + i] = (uint8_t)(len >> (8u * i));
  }
  for (unsigned i = 0; i < 8u; i++)
    buf[SIM_FRAME_OFF_SEQ + i] = (uint8_t)(seq >> (8u * i));
  for (size_t i = SIM_FRAME_HDR_SIZE; i < len; i++)
    buf[i] = (uint8_t)(ref_filler_word(stream, seq, i / 8u) >> (8u * (i % 8u)));
  put_csum(buf, ref_csum(buf, len));
}

static void test_nic_frame_round_trip(void **state) {
  (void)state;
  static uint8_t buf[SIM_FRAME_MAX_SIZE];
  const size_t lens[] = {SIM_FRAME_MIN_SIZE, 61, 1514, 9000, SIM_FRAME_MAX_SIZE};
  for (size_t k = 0; k < 5; k++) {
    sim_frame_build(buf, lens[k], mac_a, mac_b, SIM_STREAM_TX, 0x1122334455667788ull + k);
    struct sim_frame_info info;
    assert_int_equal(sim_frame_parse(buf, lens[k], &info), MODEL_OK);
    assert_int_equal(info.stream, SIM_STREAM_TX);
    assert_true(info.seq == 0x1122334455667788ull + k);
    assert_int_equal(info.len, lens[k]);
    assert_memory_equal(info.dst, mac_a, 6);
    assert_memory_equal(info.src, mac_b, 6);
  }
  /* the layout the header promises */
  assert_int_equal(buf[SIM_FRAME_OFF_ETHERTYPE], 0x88);
  assert_int_equal(buf[SIM_FRAME_OFF_ETHERTYPE + 1], 0xb5);
  assert_int_equal(buf[SIM_FRAME_OFF_STREAM], SIM_STREAM_TX);
  assert_int_equal(buf[SIM_FRAME_OFF_LEN], 0xff);
  assert_int_equal(buf[SIM_FRAME_OFF_LEN + 1], 0xff);
  /* same (stream, seq) same bytes; another seq other filler */
  uint8_t a[100], b[100], c[100];
  sim_frame_build(a, 100, mac_a, mac_b, SIM_STREAM_RX, 5);
  sim_frame_build(b, 100, mac_a, mac_b, SIM_STREAM_RX, 5);
  sim_frame_build(c, 100, mac_a, mac_b, SIM_STREAM_RX, 6);
  assert_memory_equal(a, b, 100);
  assert_true(memcmp(a + SIM_FRAME_HDR_SIZE, c + SIM_FRAME_HDR_SIZE, 100 - SIM_FRAME_HDR_SIZE));
  /* an RX frame is not a TX frame */
  sim_frame_build(c, 100, mac_a, mac_b, SIM_STREAM_TX, 5);
  assert_true(memcmp(a + SIM_FRAME_HDR_SIZE, c + SIM_FRAME_HDR_SIZE, 100 - SIM_FRAME_HDR_SIZE));
}

/* A known answer: the 67-byte TX frame for seq 0x0123456789abcdef, and the
 * checksums of frames across the lengths, computed from sim/nic.h's
 * definition by an independent implementation (in Python), not by this
 * file or sim/nic.c. */
static void test_nic_frame_golden(void **state) {
  (void)state;
  static const uint8_t golden[67] = {
      0x52, 0x54, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x00, 0x00, 0x02, 0x88, 0xb5,
      0x01, 0x00, 0x00, 0x00, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01, 0x43, 0x00,
      0x00, 0x00, 0xb6, 0xdc, 0x08, 0x73, 0x15, 0xdc, 0x27, 0xf6, 0xba, 0xef, 0x69, 0xbb,
      0xb3, 0xd2, 0xc4, 0x25, 0x8d, 0xbe, 0x55, 0xf3, 0xc3, 0x80, 0x1f, 0x2b, 0xce, 0x78,
      0x6a, 0xed, 0x38, 0x66, 0xec, 0xda, 0x81, 0xdd, 0x4c, 0x56, 0x9a};
  static uint8_t buf[SIM_FRAME_MAX_SIZE];
  sim_frame_build(buf, sizeof(golden), mac_a, mac_b, SIM_STREAM_TX, 0x0123456789abcdefull);
  assert_memory_equal(buf, golden, sizeof(golden));
  static const struct {
    size_t len;
    enum sim_stream stream;
    uint64_t seq;
    uint32_t csum;
  } known[] = {
      {60, SIM_STREAM_RX, 0, 0x56f08ce6u},
      {61, SIM_STREAM_TX, 1, 0x272acf82u},
      {64, SIM_STREAM_RX, 7, 0xa95047efu},
      {75, SIM_STREAM_TX, 12345, 0xee5d3ad5u},
      {1500, SIM_STREAM_TX, 0x1122334455667788ull, 0xb9a17675u},
      {SIM_FRAME_MAX_SIZE, SIM_STREAM_RX, UINT64_MAX, 0x9b509263u},
  };
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
    sim_frame_build(buf, known[i].len, mac_a, mac_b, known[i].stream, known[i].seq);
    assert_int_equal(get_csum(buf), known[i].csum);
    assert_int_equal(ref_csum(buf, known[i].len), known[i].csum);
  }
}

/* Every length around the word and group boundaries (60 to 75: the frame's
 * end in each byte of words 7 and 8 and of two groups), odd lengths, the
 * common MTUs and the largest frame, for both streams and seqs that set
 * the high bits: the bytes are the definition's, the frame parses back,
 * and one byte less or more is refused. */
static void test_nic_frame_matches_definition(void **state) {
  (void)state;
  static uint8_t buf[SIM_FRAME_MAX_SIZE + 1u], want[SIM_FRAME_MAX_SIZE + 1u];
  size_t lens[40];
  size_t count = 0;
  for (size_t len = SIM_FRAME_MIN_SIZE; len <= 75u; len++)
    lens[count++] = len;
  static const size_t more[] = {95,   96,   97,   127,  128,   129,   1499,
                                1500, 1501, 1514, 9001, 65533, 65534, SIM_FRAME_MAX_SIZE};
  for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
    lens[count++] = more[i];
  const uint64_t seqs[] = {0, 1, 0x0123456789abcdefull, 1ull << 63, UINT64_MAX};
  for (size_t i = 0; i < count; i++) {
    const size_t len = lens[i];
    for (unsigned s = 0; s < (unsigned)SIM_STREAM_COUNT; s++) {
      const enum sim_stream stream = (enum sim_stream)s;
      const uint64_t seq = seqs[(i + s) % 5u];
      buf[len] = want[len] = 0xa5; /* past the end: left alone */
      sim_frame_build(buf, len, mac_a, mac_b, stream, seq);
      ref_frame(want, len, stream, seq);
      assert_memory_equal(buf, want, len + 1u);
      struct sim_frame_info info;
      assert_int_equal(sim_frame_parse(buf, len, &info), MODEL_OK);
      assert_int_equal(info.stream, stream);
      assert_true(info.seq == seq);
      assert_int_equal(info.len, len);
      assert_int_equal(sim_frame_parse(buf, len - 1u, &info), MODEL_ERR_NET_FRAME_CORRUPT);
      assert_int_equal(sim_frame_parse(buf, len + 1u, &info), MODEL_ERR_NET_FRAME_CORRUPT);
    }
  }
}

/* Change one byte of a frame to another value (all 255 at every byte of
 * the short frames whose end falls in each byte of a word; the single-bit
 * changes and 0xff at every byte of 1500 and 1514; bits 0 and 7 of the
 * first and last 128 bytes of the largest): sim_frame_parse refuses it. Outside the checksum field
 * the change also changes the checksum itself, the property sim/nic.h states (shown on the short
 * frames with the reference, which the frames match). */
static void test_nic_frame_any_single_byte_change_detected(void **state) {
  (void)state;
  static uint8_t buf[SIM_FRAME_MAX_SIZE];
  struct sim_frame_info info;
  for (size_t len = SIM_FRAME_MIN_SIZE; len <= 75u; len++) {
    sim_frame_build(buf, len, mac_a, mac_b, SIM_STREAM_RX, 77u + len);
    const uint32_t csum = get_csum(buf);
    for (size_t i = 0; i < len; i++) {
      const bool in_csum = i >= SIM_FRAME_OFF_CSUM && i < SIM_FRAME_HDR_SIZE;
      for (unsigned d = 1; d < 256u; d++) {
        buf[i] ^= (uint8_t)d;
        assert_int_equal(sim_frame_parse(buf, len, &info), MODEL_ERR_NET_FRAME_CORRUPT);
        if (!in_csum)
          assert_true(ref_csum(buf, len) != csum);
        buf[i] ^= (uint8_t)d;
      }
    }
    assert_int_equal(sim_frame_parse(buf, len, &info), MODEL_OK);
  }
  static const uint8_t deltas[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff};
  const size_t lens[] = {1500, 1514, SIM_FRAME_MAX_SIZE};
  for (size_t l = 0; l < 3u; l++) {
    const size_t len = lens[l];
    const bool is_max = len == SIM_FRAME_MAX_SIZE;
    sim_frame_build(buf, len, mac_a, mac_b, SIM_STREAM_TX, len);
    /* the largest frame: its first and last 128 bytes */
    for (size_t i = 0; i < len; i = is_max && i == 127u ? len - 128u : i + 1u) {
      for (size_t d = 0; d < sizeof(deltas); d += is_max ? 7u : 1u) {
        buf[i] ^= deltas[d];
        assert_int_equal(sim_frame_parse(buf, len, &info), MODEL_ERR_NET_FRAME_CORRUPT);
        buf[i] ^= deltas[d];
      }
    }
    assert_int_equal(sim_frame_parse(buf, len, &info), MODEL_OK);
  }
}

/* Each header field is checked on its own, not only through the checksum:
 * a frame whose field was changed and whose checksum was then made right
 * again is still refused, for the ethertype, the stream, the seq (its
 * filler is another frame's) and the length field. The addresses are the
 * twin: the checksum is their only check, so a forged one passes. */
static void test_nic_frame_header_fields_checked(void **state) {
  (void)state;
  uint8_t buf[128];
  struct sim_frame_info info;
  struct {
    size_t off;
    uint8_t value;
  } const forged[] = {
      {SIM_FRAME_OFF_ETHERTYPE, 0x08},   {SIM_FRAME_OFF_ETHERTYPE + 1u, 0x00},
      {SIM_FRAME_OFF_STREAM, 0x00},      {SIM_FRAME_OFF_STREAM, SIM_STREAM_COUNT},
      {SIM_FRAME_OFF_STREAM + 1u, 0x01}, {SIM_FRAME_OFF_STREAM + 3u, 0x80},
      {SIM_FRAME_OFF_SEQ, 0x0a},         {SIM_FRAME_OFF_SEQ + 7u, 0x80},
      {SIM_FRAME_OFF_LEN, 99},           {SIM_FRAME_OFF_LEN, 101},
      {SIM_FRAME_OFF_LEN + 2u, 0x01},
  };
  for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
    sim_frame_build(buf, 100, mac_a, mac_b, SIM_STREAM_TX, 9);
    assert_int_not_equal(buf[forged[i].off], forged[i].value);
    buf[forged[i].off] = forged[i].value;
    put_csum(buf, ref_csum(buf, 100));
    assert_int_equal(sim_frame_parse(buf, 100, &info), MODEL_ERR_NET_FRAME_CORRUPT);
  }
  sim_frame_build(buf, 100, mac_a, mac_b, SIM_STREAM_TX, 9);
  buf[SIM_FRAME_OFF_DST + 5u] = 0x77;
  buf[SIM_FRAME_OFF_SRC] = 0x02;
  assert_int_equal(sim_frame_parse(buf, 100, &info), MODEL_ERR_NET_FRAME_CORRUPT);
  put_csum(buf, ref_csum(buf, 100));
  assert_int_equal(sim_frame_parse(buf, 100, &info), MODEL_OK);
  assert_int_equal(info.dst[5], 0x77);
  assert_int_equal(info.src[0], 0x02);
  assert_true(info.seq == 9);
}

static void test_nic_frame_truncation_detected(void **state) {
  (void)state;
  uint8_t buf[200];
  sim_frame_build(buf, 100, mac_a, mac_b, SIM_STREAM_RX, 1);
  struct sim_frame_info info;
  assert_int_equal(sim_frame_parse(buf, 100, &info), MODEL_OK);
  assert_int_equal(sim_frame_parse(buf, 99, &info), MODEL_ERR_NET_FRAME_CORRUPT);
  assert_int_equal(sim_frame_parse(buf, 101, &info), MODEL_ERR_NET_FRAME_CORRUPT);
  assert_int_equal(sim_frame_parse(buf, SIM_FRAME_MIN_SIZE - 1u, &info),
                   MODEL_ERR_NET_FRAME_CORRUPT);
  assert_int_equal(sim_frame_parse(buf, 10, &info), MODEL_ERR_NET_FRAME_CORRUPT);
  /* a truncated frame with its length field rewritten still fails */
  buf[SIM_FRAME_OFF_LEN] = 99;
  assert_int_equal(sim_frame_parse(buf, 99, &info), MODEL_ERR_NET_FRAME_CORRUPT);
}

static void test_nic_frame_make_counts_and_capacity(void **state) {
  struct fx *fx = *state;
  fx->cfg.frames_max = 3;
  restart(fx);
  uint8_t buf[64];
  uint64_t seq = 99;
  for (uint64_t i = 0; i < 3; i++) {
    assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, 64, mac_a, mac_b, &seq),
                     MODEL_OK);
    assert_true(seq == i);
  }
  assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, 64, mac_a, mac_b, &seq),
                   MODEL_ERR_CAPACITY);
  assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_RX, buf, 59, mac_a, mac_b, &seq),
                   MODEL_ERR_INVALID_ARG);
  assert_true(fx->nic.stats[SIM_STREAM_TX].generated == 3);
  char why[128];
  assert_false(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
  assert_string_equal(why, "stream tx: frame seq 0 was neither delivered nor dropped");
}

/* Numbering without the bytes takes the next seq of the stream, counts and
 * records the frame like sim_nic_frame_make (the same trace), refuses what
 * it refuses, and a frame built later from the seq passes the check. */
static void test_nic_frame_number_as_make_without_bytes(void **state) {
  struct fx *fx = *state;
  fx->cfg.frames_max = 2;
  restart(fx);
  uint8_t buf[100];
  uint64_t seq = 99;
  assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, 100, mac_a, mac_b, &seq),
                   MODEL_OK);
  uint64_t hash_after_make = fx->trace.hash;
  assert_int_equal(sim_nic_frame_number(&fx->nic, SIM_STREAM_TX, 100, &seq), MODEL_OK);
  assert_true(seq == 1);
  assert_true(fx->nic.stats[SIM_STREAM_TX].generated == 2);
  assert_true(fx->trace.hash != hash_after_make); /* GENERATED recorded */
  assert_int_equal(sim_nic_frame_number(&fx->nic, SIM_STREAM_TX, 100, &seq), MODEL_ERR_CAPACITY);
  assert_true(seq == 0);
  assert_int_equal(sim_nic_frame_number(&fx->nic, SIM_STREAM_RX, 59, &seq), MODEL_ERR_INVALID_ARG);
  assert_int_equal(sim_nic_frame_number(&fx->nic, SIM_STREAM_COUNT, 100, &seq),
                   MODEL_ERR_INVALID_ARG);
  sim_frame_build(buf, 100, mac_a, mac_b, SIM_STREAM_TX, 1);
  assert_int_equal(sim_nic_deliver(&fx->nic, SIM_ACTOR_DRIVER, buf, 100), MODEL_OK);
  assert_true(fx->nic.stats[SIM_STREAM_TX].delivered == 1);
  /* numbering leaves the trace that making leaves */
  uint64_t hash_numbered = fx->trace.hash;
  restart(fx);
  assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, 100, mac_a, mac_b, &seq),
                   MODEL_OK);
  assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, 100, mac_a, mac_b, &seq),
                   MODEL_OK);
  assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, 100, mac_a, mac_b, &seq),
                   MODEL_ERR_CAPACITY);
  assert_int_equal(sim_nic_deliver(&fx->nic, SIM_ACTOR_DRIVER, buf, 100), MODEL_OK);
  assert_true(fx->trace.hash == hash_numbered);
}

/* The ledger grows with the frames made: every seq up to frames_max is
 * recorded and accounted as with a ledger allocated whole at init. */
static void test_nic_ledger_grows_to_frames_max(void **state) {
  struct fx *fx = *state;
  fx->cfg.frames_max = 10001; /* past the initial ledger, not a power of two */
  restart(fx);
  assert_true(fx->nic.ledger_size[SIM_STREAM_TX] < 10001u / 4u);
  uint8_t buf[64];
  uint64_t seq = 0;
  for (uint64_t i = 0; i < 10001u; i++) {
    assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, 64, mac_a, mac_b, &seq),
                     MODEL_OK);
    assert_true(seq == i);
    if (i == 7777u)
      continue; /* left unaccounted */
    if (i % 2u == 0)
      assert_int_equal(sim_nic_deliver(&fx->nic, SIM_ACTOR_DEVICE, buf, 64), MODEL_OK);
    else
      sim_nic_drop(&fx->nic, SIM_ACTOR_DEVICE, buf, 64, SIM_DROP_WIRE_LOSS);
  }
  assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, 64, mac_a, mac_b, &seq),
                   MODEL_ERR_CAPACITY);
  assert_true(fx->nic.ledger_size[SIM_STREAM_TX] == (10001u + 3u) / 4u);
  /* the last seq's 2 bits are the ledger's last byte: a duplicate is seen */
  sim_frame_build(buf, 64, mac_a, mac_b, SIM_STREAM_TX, 10000);
  assert_int_equal(sim_nic_deliver(&fx->nic, SIM_ACTOR_DEVICE, buf, 64), MODEL_OK);
  assert_true(fx->nic.stats[SIM_STREAM_TX].delivered_dup == 1);
  char why[128];
  assert_false(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
  assert_string_equal(why, "stream tx: frame seq 7777 was neither delivered nor dropped");
  sim_frame_build(buf, 64, mac_a, mac_b, SIM_STREAM_TX, 7777);
  assert_int_equal(sim_nic_deliver(&fx->nic, SIM_ACTOR_DEVICE, buf, 64), MODEL_OK);
  assert_true(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
}

static void test_nic_perfect_wire_all_delivered(void **state) {
  struct fx *fx = *state;
  assert_int_equal(sim_nic_generate(&fx->nic, 200, 60, 1514, mac_a, 3), MODEL_OK);
  run_all(fx);
  const struct sim_nic_stream_stats *st = &fx->nic.stats[SIM_STREAM_RX];
  assert_true(st->generated == 200 && st->delivered == 200);
  assert_true(st->duplicated == 0 && st->delivered_dup == 0 && st->on_wire == 0);
  char why[128] = "x";
  assert_true(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
  assert_string_equal(why, "");
}

static void test_nic_unaccounted_frame_detected(void **state) {
  struct fx *fx = *state;
  fx->rx_ignore = true;
  fx->rx_ignore_seq = 3;
  assert_int_equal(sim_nic_generate(&fx->nic, 10, 60, 60, mac_a, 3), MODEL_OK);
  run_all(fx);
  char why[128];
  assert_false(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
  assert_string_equal(why, "stream rx: frame seq 3 was neither delivered nor dropped");
  /* the device now drops it for an allowed reason: accounted */
  uint8_t buf[60];
  sim_frame_build(buf, 60, mac_a, mac_b, SIM_STREAM_RX, 3);
  sim_nic_drop(&fx->nic, SIM_ACTOR_DEVICE, buf, 60, SIM_DROP_NO_RX_BUFFER);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
  assert_true(fx->nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_NO_RX_BUFFER] == 1);
}

static void test_nic_frames_on_wire_not_accounted(void **state) {
  struct fx *fx = *state;
  assert_int_equal(sim_nic_generate(&fx->nic, 1, 60, 60, mac_a, 0), MODEL_OK);
  assert_true(sim_sched_step(&fx->sched)); /* the generator puts it on the wire */
  char why[128];
  assert_false(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
  assert_string_equal(why, "stream rx: 1 frame copies still on the wire");
  run_all(fx);
  assert_true(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
}

static void test_nic_lossy_wire_keeps_perfect_ledger(void **state) {
  struct fx *fx = *state;
  fx->cfg.loss_ppm = 200000;
  fx->cfg.dup_ppm = 200000;
  fx->cfg.reorder_ppm = 300000;
  restart(fx);
  assert_int_equal(sim_nic_generate(&fx->nic, 1000, 60, 200, mac_a, 2), MODEL_OK);
  run_all(fx);
  const struct sim_nic_stream_stats *st = &fx->nic.stats[SIM_STREAM_RX];
  assert_true(st->generated == 1000);
  assert_true(st->dropped[SIM_DROP_WIRE_LOSS] > 100 && st->dropped[SIM_DROP_WIRE_LOSS] < 300);
  assert_true(st->duplicated > 100 && st->duplicated < 300);
  assert_true(st->delivered_dup > 0);
  /* every copy ends once: delivered, delivered again, or dropped */
  assert_true(st->delivered + st->delivered_dup + st->dropped[SIM_DROP_WIRE_LOSS] ==
              st->generated + st->duplicated);
  /* reordering shows in the arrival order */
  bool reordered = false;
  for (size_t i = 1; i < fx->arrival_count; i++)
    reordered = reordered || fx->arrivals[i] < fx->arrivals[i - 1];
  assert_true(reordered);
  char why[128];
  assert_true(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
  assert_true(fx->nic.wire_full_count == 0);
}

static void test_nic_same_seed_same_wire(void **state) {
  struct fx *fx = *state;
  fx->cfg.loss_ppm = 100000;
  fx->cfg.dup_ppm = 100000;
  fx->cfg.reorder_ppm = 100000;
  uint64_t hashes[2];
  struct sim_nic_stream_stats stats[2];
  for (int round = 0; round < 2; round++) {
    restart(fx);
    assert_int_equal(sim_nic_generate(&fx->nic, 300, 60, 1514, mac_a, 1), MODEL_OK);
    run_all(fx);
    hashes[round] = fx->trace.hash;
    stats[round] = fx->nic.stats[SIM_STREAM_RX];
  }
  assert_true(hashes[0] == hashes[1]);
  assert_memory_equal(&stats[0], &stats[1], sizeof(stats[0]));
}

static void test_nic_corrupt_delivery_detected(void **state) {
  struct fx *fx = *state;
  uint8_t buf[80];
  uint64_t seq = 0;
  assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, 80, mac_a, mac_b, &seq),
                   MODEL_OK);
  buf[50] ^= 0x10;
  assert_int_equal(sim_nic_deliver(&fx->nic, SIM_ACTOR_NIC, buf, 80), MODEL_ERR_NET_FRAME_CORRUPT);
  buf[50] ^= 0x10;
  assert_int_equal(sim_nic_deliver(&fx->nic, SIM_ACTOR_NIC, buf, 80), MODEL_OK);
  char why[128];
  assert_false(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
  assert_string_equal(why, "stream tx: 1 deliveries failed their check");
  /* a frame that was never generated is no delivery either */
  uint8_t forged[80];
  sim_frame_build(forged, 80, mac_a, mac_b, SIM_STREAM_RX, 0);
  assert_int_equal(sim_nic_deliver(&fx->nic, SIM_ACTOR_DRIVER, forged, 80),
                   MODEL_ERR_NET_FRAME_CORRUPT);
  assert_true(fx->nic.stats[SIM_STREAM_RX].corrupt == 1);
}

static void test_nic_unreadable_drop_fails_accounting(void **state) {
  struct fx *fx = *state;
  uint8_t junk[40] = {0};
  sim_nic_drop(&fx->nic, SIM_ACTOR_DEVICE, junk, sizeof(junk), SIM_DROP_FILTERED);
  char why[128];
  assert_false(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
  assert_string_equal(why, "1 drops of unreadable or never-generated frames");
  assert_int_equal(sim_nic_deliver(&fx->nic, SIM_ACTOR_DRIVER, junk, 10),
                   MODEL_ERR_NET_FRAME_CORRUPT);
  assert_true(fx->nic.corrupt_unknown == 1);
}

static void test_nic_tx_reaches_peer(void **state) {
  struct fx *fx = *state;
  uint8_t buf[1514];
  uint64_t seq = 0;
  for (int i = 0; i < 5; i++) {
    assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, 1514, mac_b, mac_a, &seq),
                     MODEL_OK);
    sim_nic_device_tx(&fx->nic, buf, 1514);
  }
  run_all(fx);
  assert_int_equal(fx->arrival_count, 0); /* not looped back to the device */
  assert_true(fx->nic.stats[SIM_STREAM_TX].delivered == 5);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

static void test_nic_loopback_returns_to_device(void **state) {
  struct fx *fx = *state;
  fx->cfg.loopback = true;
  restart(fx);
  uint8_t buf[9000];
  uint64_t seq = 0;
  for (int i = 0; i < 5; i++) {
    size_t len = i == 4 ? 9000u : 100u; /* one large slot too */
    assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, len, mac_b, mac_a, &seq),
                     MODEL_OK);
    sim_nic_device_tx(&fx->nic, buf, len);
  }
  run_all(fx);
  assert_int_equal(fx->arrival_count, 5);
  assert_true(fx->nic.stats[SIM_STREAM_TX].delivered == 5);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

static void test_nic_no_device_is_link_down(void **state) {
  struct fx *fx = *state;
  sim_nic_attach_device(&fx->nic, NULL, NULL);
  assert_int_equal(sim_nic_generate(&fx->nic, 4, 60, 60, mac_a, 1), MODEL_OK);
  run_all(fx);
  assert_true(fx->nic.stats[SIM_STREAM_RX].dropped[SIM_DROP_LINK_DOWN] == 4);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

static void test_nic_generator_waits_for_room(void **state) {
  struct fx *fx = *state;
  /* all at the same tick: more frames than the wire holds at once; the peer
   * waits for room instead of losing any */
  assert_int_equal(sim_nic_generate(&fx->nic, 1200, 60, 60, mac_a, 0), MODEL_OK);
  run_all(fx);
  const struct sim_nic_stream_stats *st = &fx->nic.stats[SIM_STREAM_RX];
  assert_true(fx->nic.wire_full_count == 0);
  assert_true(st->dropped[SIM_DROP_WIRE_LOSS] == 0);
  assert_true(st->delivered == 1200);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

static void test_nic_tx_ready_until_small_pool_full(void **state) {
  struct fx *fx = *state;
  fx->nic.cfg.loopback = false;
  uint8_t frame[60];
  uint64_t sent = 0;
  while (sim_nic_tx_ready(&fx->nic)) {
    uint64_t seq = 0;
    assert_int_equal(
        sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, frame, sizeof frame, mac_b, mac_a, &seq),
        MODEL_OK);
    sim_nic_device_tx(&fx->nic, frame, sizeof frame);
    sent++;
    assert_true(sent <= SIM_NIC_WIRE_SLOTS);
  }
  assert_true(sent == SIM_NIC_WIRE_SLOTS);
  assert_true(sim_nic_backoff_ticks(&fx->nic) == fx->cfg.delay_min_ticks);
  run_all(fx);
  assert_true(sim_nic_tx_ready(&fx->nic));
  assert_true(fx->nic.stats[SIM_STREAM_TX].delivered == sent);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

static void test_nic_sender_ignoring_backpressure_is_tail_dropped(void **state) {
  struct fx *fx = *state;
  uint8_t frame[60];
  uint64_t pool = (uint64_t)SIM_NIC_WIRE_SLOTS + SIM_NIC_WIRE_LARGE_SLOTS;
  for (uint64_t i = 0; i < pool + 5u; i++) {
    uint64_t seq = 0;
    assert_int_equal(
        sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, frame, sizeof frame, mac_b, mac_a, &seq),
        MODEL_OK);
    sim_nic_device_tx(&fx->nic, frame, sizeof frame);
  }
  assert_false(sim_nic_tx_ready(&fx->nic));
  run_all(fx);
  const struct sim_nic_stream_stats *st = &fx->nic.stats[SIM_STREAM_TX];
  assert_true(fx->nic.wire_full_count == 5u);
  assert_true(st->dropped[SIM_DROP_WIRE_LOSS] == 5u);
  assert_true(st->delivered == pool);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

/* Large frames have their own small pool of slots: a sender that ignores
 * the backpressure once it is spent has its large frame tail-dropped
 * (accounted), while a small frame still finds a small slot. */
static void test_nic_large_pool_full_tail_drops_large_frame(void **state) {
  struct fx *fx = *state;
  static uint8_t frame[SIM_NIC_WIRE_SLOT_BYTES + 1u];
  for (unsigned i = 0; i < SIM_NIC_WIRE_LARGE_SLOTS + 1u; i++) {
    uint64_t seq = 0;
    assert_int_equal(
        sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, frame, sizeof frame, mac_b, mac_a, &seq),
        MODEL_OK);
    sim_nic_device_tx(&fx->nic, frame, sizeof frame);
  }
  assert_false(sim_nic_tx_ready(&fx->nic));
  assert_true(fx->nic.wire_full_count == 1u);
  uint64_t seq = 0;
  assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, frame, 60, mac_b, mac_a, &seq),
                   MODEL_OK);
  sim_nic_device_tx(&fx->nic, frame, 60);
  assert_true(fx->nic.wire_full_count == 1u);
  run_all(fx);
  const struct sim_nic_stream_stats *st = &fx->nic.stats[SIM_STREAM_TX];
  assert_true(st->dropped[SIM_DROP_WIRE_LOSS] == 1u);
  assert_true(st->delivered == SIM_NIC_WIRE_LARGE_SLOTS + 1u);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

/* The wire duplicates a frame only with room for both copies: with one
 * frame sent alone, then every frame drawn for duplication, the frame that
 * meets the small pool's last slot goes alone. */
static void test_nic_duplicate_needs_room_for_both(void **state) {
  struct fx *fx = *state;
  uint8_t frame[60];
  uint64_t sent = 0;
  while (sim_nic_tx_ready(&fx->nic)) {
    uint64_t seq = 0;
    assert_int_equal(
        sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, frame, sizeof frame, mac_b, mac_a, &seq),
        MODEL_OK);
    sim_nic_device_tx(&fx->nic, frame, sizeof frame);
    sent++;
    fx->nic.cfg.dup_ppm = SIM_PPM_ONE;
  }
  const struct sim_nic_stream_stats *st = &fx->nic.stats[SIM_STREAM_TX];
  assert_true(sent == 1u + SIM_NIC_WIRE_SLOTS / 2u);
  assert_true(st->duplicated == sent - 2u); /* neither the first nor the last */
  assert_true(fx->nic.wire_full_count == 0);
  run_all(fx);
  assert_true(st->delivered == sent && st->delivered_dup == sent - 2u);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

static void test_nic_generate_rejects_bad_lengths(void **state) {
  struct fx *fx = *state;
  assert_int_equal(sim_nic_generate(&fx->nic, 1, 59, 60, mac_a, 1), MODEL_ERR_INVALID_ARG);
  assert_int_equal(sim_nic_generate(&fx->nic, 1, 60, SIM_FRAME_MAX_SIZE + 1u, mac_a, 1),
                   MODEL_ERR_INVALID_ARG);
  assert_int_equal(sim_nic_generate(&fx->nic, 1, 100, 99, mac_a, 1), MODEL_ERR_INVALID_ARG);
  assert_int_equal(sim_nic_generate(&fx->nic, 1, 60, SIM_FRAME_MAX_SIZE, mac_a, 1), MODEL_OK);
  run_all(fx);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

/* A frame whose checksum matches but whose filler is not the one its
 * (stream, seq) gives is corrupt: the filler is checked on its own, at
 * every filler byte (the header's groups, each word of the whole groups,
 * the last partial group). Frames outside the Ethernet sizes are corrupt
 * whatever they hold. */
static void test_nic_frame_filler_checked_past_checksum(void **state) {
  (void)state;
  static uint8_t buf[SIM_FRAME_MAX_SIZE + 1u];
  struct sim_frame_info info;
  const size_t lens[] = {SIM_FRAME_MIN_SIZE, 64, 100, 200};
  for (size_t l = 0; l < 4u; l++) {
    const size_t len = lens[l];
    sim_frame_build(buf, len, mac_a, mac_b, SIM_STREAM_TX, 5);
    assert_true(ref_csum(buf, len) == get_csum(buf));
    for (size_t i = SIM_FRAME_HDR_SIZE; i < len; i++) {
      buf[i] ^= 0x5au;
      put_csum(buf, ref_csum(buf, len));
      assert_int_equal(sim_frame_parse(buf, len, &info), MODEL_ERR_NET_FRAME_CORRUPT);
      assert_true(info.seq == 0 && info.len == 0); /* nothing decoded */
      buf[i] ^= 0x5au;
    }
    put_csum(buf, ref_csum(buf, len));
    assert_int_equal(sim_frame_parse(buf, len, &info), MODEL_OK);
  }
  sim_frame_build(buf, SIM_FRAME_MAX_SIZE, mac_a, mac_b, SIM_STREAM_TX, 5);
  assert_int_equal(sim_frame_parse(buf, SIM_FRAME_MAX_SIZE, &info), MODEL_OK);
  assert_int_equal(sim_frame_parse(buf, SIM_FRAME_MAX_SIZE + 1u, &info),
                   MODEL_ERR_NET_FRAME_CORRUPT);
}

/* The configuration a NIC refuses, and fini of one never set up. */
static void test_nic_init_refusals(void **state) {
  struct fx *fx = *state;
  static struct sim_nic nic;
  struct sim_nic_config cfg = fx->cfg;
  assert_int_equal(sim_nic_init(&nic, NULL, &cfg, 1), MODEL_ERR_INVALID_ARG);
  cfg.delay_min_ticks = cfg.delay_max_ticks + 1u;
  assert_int_equal(sim_nic_init(&nic, &fx->bus, &cfg, 1), MODEL_ERR_INVALID_ARG);
  cfg = fx->cfg;
  cfg.frames_max = 0;
  assert_int_equal(sim_nic_init(&nic, &fx->bus, &cfg, 1), MODEL_ERR_INVALID_ARG);
  cfg.frames_max = (1ull << 32) + 1u; /* past the ledger's limit */
  assert_int_equal(sim_nic_init(&nic, &fx->bus, &cfg, 1), MODEL_ERR_INVALID_ARG);
  cfg.frames_max = 1ull << 32;
  cfg.delay_min_ticks = cfg.delay_max_ticks = 0;
  assert_int_equal(sim_nic_init(&nic, &fx->bus, &cfg, 1), MODEL_OK);
  assert_true(sim_nic_backoff_ticks(&nic) == 1); /* never 0: time must move */
  assert_true(sim_nic_backoff_ticks(&fx->nic) == 10);
  sim_nic_fini(&nic);
  assert_null(nic.slots);
  memset(&nic, 0, sizeof(nic));
  sim_nic_fini(&nic); /* nothing to free, no bus to cancel on */
  assert_int_equal(nic.slot_count, 0);
  uint8_t buf[64];
  uint64_t seq = 7;
  assert_int_equal(
      sim_nic_frame_make(&fx->nic, SIM_STREAM_COUNT, buf, sizeof(buf), mac_a, mac_b, &seq),
      MODEL_ERR_INVALID_ARG);
  assert_true(seq == 0);
  assert_int_equal(
      sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, SIM_FRAME_MAX_SIZE + 1u, mac_a, mac_b, &seq),
      MODEL_ERR_INVALID_ARG);
  assert_true(fx->nic.stats[SIM_STREAM_TX].generated == 0);
}

/* The device hands the wire a frame longer than any frame viosim makes: it
 * never reaches the wire, and since no valid frame is that long the drop
 * cannot be put on a ledger: it is an unreadable drop, and the frame it
 * came from stays unaccounted, so the run fails loudly. */
static void test_nic_device_tx_too_big_is_dropped(void **state) {
  struct fx *fx = *state;
  static uint8_t buf[SIM_FRAME_MAX_SIZE + 1u];
  uint64_t seq = 0;
  assert_int_equal(
      sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, SIM_FRAME_MAX_SIZE, mac_b, mac_a, &seq),
      MODEL_OK);
  sim_nic_device_tx(&fx->nic, buf, SIM_FRAME_MAX_SIZE + 1u);
  assert_true(fx->nic.stats[SIM_STREAM_TX].on_wire == 0);
  assert_int_equal(fx->sched.count, 0);
  assert_true(fx->nic.dropped_unknown == 1);
  run_all(fx);
  char why[128];
  assert_false(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
  assert_string_equal(why, "stream tx: frame seq 0 was neither delivered nor dropped");
}

/* The accounting check finds the first frame neither delivered nor
 * dropped wherever it sits among four ledger entries of one byte, and
 * needs no room for its reason. */
static void test_nic_check_finds_each_unaccounted_frame(void **state) {
  struct fx *fx = *state;
  static uint8_t frames[4][SIM_FRAME_MIN_SIZE];
  for (unsigned i = 0; i < 4u; i++) {
    uint64_t seq = 0;
    assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, frames[i], SIM_FRAME_MIN_SIZE,
                                        mac_b, mac_a, &seq),
                     MODEL_OK);
    assert_int_equal(seq, i);
  }
  char why[128];
  for (unsigned i = 0; i < 4u; i++) {
    assert_false(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
    char want[128];
    (void)snprintf(want, sizeof(want), "stream tx: frame seq %u was neither delivered nor dropped",
                   i);
    assert_string_equal(why, want);
    assert_false(sim_nic_check_accounted(&fx->nic, NULL, 0));
    sim_nic_drop(&fx->nic, SIM_ACTOR_DEVICE, frames[i], SIM_FRAME_MIN_SIZE, SIM_DROP_RESET);
  }
  assert_true(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
}

/* A NIC whose init was refused (no bus) is finished without touching a
 * scheduler it never had. */
static void test_nic_fini_after_refused_init(void **state) {
  struct fx *fx = *state;
  struct sim_nic nic;
  assert_int_equal(sim_nic_init(&nic, NULL, &fx->cfg, 1), MODEL_ERR_INVALID_ARG);
  sim_nic_fini(&nic);
  assert_null(nic.slots);
  assert_int_equal(nic.slot_count, 0);
}

static void noop_event(void *ctx, uint64_t arg) {
  (void)ctx;
  (void)arg;
}

/* Fill the scheduler with events that do nothing; returns how many. */
static size_t fill_sched(struct fx *fx) {
  size_t n = 0;
  while (sim_sched_after(&fx->sched, 1u << 20, noop_event, NULL, 0) == MODEL_OK)
    n++;
  return n;
}

/* No scheduler slot for the wire's arrival event: the copy is tail-dropped
 * as the wire's loss, counted, and accounted; its slot is free again. */
static void test_nic_wire_without_scheduler_room_drops(void **state) {
  struct fx *fx = *state;
  uint8_t buf[100];
  uint64_t seq = 0;
  assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, 100, mac_b, mac_a, &seq),
                   MODEL_OK);
  assert_true(fill_sched(fx) > 0);
  sim_nic_device_tx(&fx->nic, buf, 100);
  assert_true(fx->nic.wire_full_count == 1);
  assert_true(fx->nic.stats[SIM_STREAM_TX].dropped[SIM_DROP_WIRE_LOSS] == 1);
  assert_true(fx->nic.stats[SIM_STREAM_TX].on_wire == 0);
  assert_true(sim_nic_tx_ready(&fx->nic));
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

/* A reorder hold-back that would pass 2^64 - 1 ticks saturates there. */
static void test_nic_reorder_delay_saturates(void **state) {
  struct fx *fx = *state;
  fx->cfg.reorder_ppm = SIM_PPM_ONE;
  fx->cfg.reorder_extra_ticks = UINT64_MAX - 5u;
  restart(fx);
  uint8_t buf[100];
  uint64_t seq = 0;
  assert_int_equal(sim_nic_frame_make(&fx->nic, SIM_STREAM_TX, buf, 100, mac_b, mac_a, &seq),
                   MODEL_OK);
  sim_nic_device_tx(&fx->nic, buf, 100);
  assert_int_equal(fx->sched.count, 1);
  assert_true(fx->sched.heap[0].time_ticks == UINT64_MAX);
  run_all(fx);
  assert_true(fx->nic.stats[SIM_STREAM_TX].delivered == 1);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

/* The generator: a count of 0 schedules nothing; a second call while frames
 * are still to be sent adds to them (saturating), with one pending tick. */
static void test_nic_generate_adds_and_saturates(void **state) {
  struct fx *fx = *state;
  assert_int_equal(sim_nic_generate(&fx->nic, 0, 60, 60, mac_a, 1), MODEL_OK);
  assert_int_equal(fx->sched.count, 0);
  assert_true(fx->nic.gen_remaining == 0);
  assert_int_equal(sim_nic_generate(&fx->nic, 3, 60, 60, mac_a, 2), MODEL_OK);
  assert_int_equal(sim_nic_generate(&fx->nic, 2, 70, 70, mac_a, 2), MODEL_OK);
  assert_int_equal(fx->sched.count, 1);
  assert_true(fx->nic.gen_remaining == 5);
  run_all(fx);
  assert_true(fx->nic.stats[SIM_STREAM_RX].delivered == 5);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
  fx->nic.gen_remaining = 2;
  assert_int_equal(sim_nic_generate(&fx->nic, UINT64_MAX, 60, 60, mac_a, 1), MODEL_OK);
  assert_true(fx->nic.gen_remaining == UINT64_MAX);
}

/* The generator stops, with a note, when the RX ledger is full: it never
 * sends a frame the ledger cannot account for. */
static void test_nic_generator_stops_at_ledger_capacity(void **state) {
  struct fx *fx = *state;
  fx->cfg.frames_max = 3;
  restart(fx);
  assert_int_equal(sim_nic_generate(&fx->nic, 5, 60, 60, mac_a, 1), MODEL_OK);
  run_all(fx);
  assert_true(fx->nic.stats[SIM_STREAM_RX].generated == 3);
  assert_true(fx->nic.stats[SIM_STREAM_RX].delivered == 3);
  assert_true(fx->nic.gen_remaining == 0);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

/* With the scheduler full the generator cannot plan its next frame: it
 * stops (and says so) instead of losing frames. */
static void test_nic_generator_stops_when_scheduler_full(void **state) {
  struct fx *fx = *state;
  assert_int_equal(sim_nic_generate(&fx->nic, 5, 60, 60, mac_a, 1), MODEL_OK);
  fill_sched(fx);
  /* the first tick frees its own slot and sends a frame, whose wire event
   * takes that slot: the next tick finds no room */
  while (fx->nic.stats[SIM_STREAM_RX].generated == 0 && sim_sched_step(&fx->sched)) {
  }
  assert_true(fx->nic.stats[SIM_STREAM_RX].generated == 1);
  assert_true(fx->nic.gen_remaining == 0);
  assert_true(fx->nic.stats[SIM_STREAM_RX].on_wire == 1);
  run_all(fx);
  assert_true(fx->nic.stats[SIM_STREAM_RX].generated == 1);
  assert_true(fx->nic.stats[SIM_STREAM_RX].delivered == 1);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

/* The generator cannot start with the scheduler full: refused, nothing
 * made. A tick still pending when nothing is left to send does nothing. */
static void test_nic_generator_start_and_idle_tick(void **state) {
  struct fx *fx = *state;
  size_t filled = fill_sched(fx);
  assert_true(filled > 0);
  assert_int_equal(sim_nic_generate(&fx->nic, 3, 60, 60, mac_a, 1), MODEL_ERR_CAPACITY);
  assert_true(fx->nic.gen_remaining == 0);
  restart(fx);
  assert_int_equal(sim_nic_generate(&fx->nic, 3, 60, 60, mac_a, 1), MODEL_OK);
  fx->nic.gen_remaining = 0;
  run_all(fx);
  assert_true(fx->nic.stats[SIM_STREAM_RX].generated == 0);
  assert_int_equal(fx->sched.count, 0);
  assert_true(sim_nic_check_accounted(&fx->nic, NULL, 0));
}

/* The end-of-run check also fails on a delivery of an unreadable frame, and
 * writes no message into a buffer of size 0. */
static void test_nic_check_reports_unreadable_delivery(void **state) {
  struct fx *fx = *state;
  uint8_t junk[SIM_FRAME_HDR_SIZE - 1u] = {0}; /* too short to name a stream */
  assert_int_equal(sim_nic_deliver(&fx->nic, SIM_ACTOR_DRIVER, junk, sizeof(junk)),
                   MODEL_ERR_NET_FRAME_CORRUPT);
  char why[64];
  assert_false(sim_nic_check_accounted(&fx->nic, why, sizeof(why)));
  assert_string_equal(why, "1 deliveries of unreadable frames");
  why[0] = 'x';
  assert_false(sim_nic_check_accounted(&fx->nic, why, 0));
  assert_int_equal(why[0], 'x');
  fx->nic.corrupt_unknown = 0;
  assert_true(sim_nic_check_accounted(&fx->nic, why, 0));
  assert_int_equal(why[0], 'x');
}

/* Every name the run summary ("dropped.rx.wire_loss") and the trace print,
 * exactly; "?" past the end of each enum. */
static void test_nic_names(void **state) {
  (void)state;
  static const char *const streams[SIM_STREAM_COUNT] = {"rx", "tx"};
  static const char *const reasons[SIM_DROP_COUNT] = {"wire_loss", "no_rx_buffer", "link_down",
                                                      "filtered",  "reset",        "broken",
                                                      "too_big",   "fault",        "malformed"};
  static const char *const events[SIM_NIC_EV_COUNT] = {
      "generated", "wire_tx", "wire_arrive", "delivered", "delivered_dup", "corrupt", "dropped"};
  for (unsigned i = 0; i < (unsigned)SIM_STREAM_COUNT; i++)
    assert_string_equal(sim_stream_name((enum sim_stream)i), streams[i]);
  for (unsigned i = 0; i < (unsigned)SIM_DROP_COUNT; i++)
    assert_string_equal(sim_drop_reason_name((enum sim_drop_reason)i), reasons[i]);
  for (unsigned i = 0; i < (unsigned)SIM_NIC_EV_COUNT; i++)
    assert_string_equal(sim_nic_ev_name((enum sim_nic_ev)i), events[i]);
  assert_string_equal(sim_stream_name(SIM_STREAM_COUNT), "?");
  assert_string_equal(sim_drop_reason_name(SIM_DROP_COUNT), "?");
  assert_string_equal(sim_nic_ev_name(SIM_NIC_EV_COUNT), "?");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nic_frame_round_trip),
      cmocka_unit_test(test_nic_frame_golden),
      cmocka_unit_test(test_nic_frame_matches_definition),
      cmocka_unit_test(test_nic_frame_any_single_byte_change_detected),
      cmocka_unit_test(test_nic_frame_header_fields_checked),
      cmocka_unit_test(test_nic_frame_truncation_detected),
      T(test_nic_frame_make_counts_and_capacity),
      T(test_nic_frame_number_as_make_without_bytes),
      T(test_nic_ledger_grows_to_frames_max),
      T(test_nic_perfect_wire_all_delivered),
      T(test_nic_unaccounted_frame_detected),
      T(test_nic_frames_on_wire_not_accounted),
      T(test_nic_lossy_wire_keeps_perfect_ledger),
      T(test_nic_same_seed_same_wire),
      T(test_nic_corrupt_delivery_detected),
      T(test_nic_unreadable_drop_fails_accounting),
      T(test_nic_tx_reaches_peer),
      T(test_nic_loopback_returns_to_device),
      T(test_nic_no_device_is_link_down),
      T(test_nic_generator_waits_for_room),
      T(test_nic_tx_ready_until_small_pool_full),
      T(test_nic_sender_ignoring_backpressure_is_tail_dropped),
      T(test_nic_large_pool_full_tail_drops_large_frame),
      T(test_nic_duplicate_needs_room_for_both),
      T(test_nic_generator_start_and_idle_tick),
      T(test_nic_generate_rejects_bad_lengths),
      cmocka_unit_test(test_nic_names),
      cmocka_unit_test(test_nic_frame_filler_checked_past_checksum),
      T(test_nic_init_refusals),
      T(test_nic_device_tx_too_big_is_dropped),
      T(test_nic_check_finds_each_unaccounted_frame),
      T(test_nic_fini_after_refused_init),
      T(test_nic_wire_without_scheduler_room_drops),
      T(test_nic_reorder_delay_saturates),
      T(test_nic_generate_adds_and_saturates),
      T(test_nic_generator_stops_at_ledger_capacity),
      T(test_nic_generator_stops_when_scheduler_full),
      T(test_nic_check_reports_unreadable_delivery),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
