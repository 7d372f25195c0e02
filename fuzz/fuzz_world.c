/*
 * fuzz/fuzz_world.c: the whole world. The input picks the seed, the ring
 * format, the features the device offers and the driver wants, the queue
 * sizes, the mtu, guest memory, the wire and the latencies, at most one
 * misbehaviour of one half, and then a schedule of actions, faults and runs
 * (send, peer send, control commands, link changes, resets, stepwise
 * initialisation, queue stop, memory faults, lost and late notifications
 * and interrupts, a device reset at a time). It decodes into scenario text
 * (scenarios/README.md), which the scenario parser reads and scn_run runs
 * with the conformance monitor attached; fuzz_world_scenario prints that
 * text, so a finding becomes a .vsc file in one command (fuzz/fuzz_world.h
 * says how a failed action gets its `expect result`).
 *
 * Every input decodes: numbers are clamped into what the language accepts,
 * and setup lines that would script a non-conformant half without a
 * `misbehave` line are never written: the offer is made legal (VERSION_1,
 * the hard dependencies of 2.2.2#1 and the advised ones of 5.1.4.1#12, #13
 * met), the mtu is at least 1280 (5.1.4.1#3), the driver never declines
 * MAC or MTU (5.1.4.2#2, #7), receive buffers are below 1526 bytes only
 * with MRG_RXBUF (5.1.9.3.1#2), and `features write` is never used.
 *
 * Oracles, besides the sanitizers:
 * - the text always parses (the decoder writes only the language);
 * - with no misbehaviour selected the run passes: no violation of any
 *   clause, every frame accounted for (delivered, or dropped with a reason),
 *   and the world goes idle within the event budget (`option max_events`,
 *   small, so that a hang is found fast);
 * - with a misbehaviour of one half selected, no clause of the other half
 *   is violated and the world still goes idle (frames may be lost, and
 *   actions fail: the misbehaving half's doing).
 * Exceptions, each a consequence the world's rules allow:
 * - a script whose actions may strand frames on a ring on purpose (a
 *   fault, a stopped queue, FAILED, a stepwise initialisation left half
 *   done, a misbehaviour) ends with `run` and `reset`, as a driver's owner
 *   recovers (scenarios/faults/); any other ends with `run` alone, and then
 *   every frame must have been delivered or dropped with a reason without a
 *   reset;
 * - a memory fault on the driver's reads fires a bounded number of times
 *   (count 1 or 2, never all): the driver retries a failed ring read a
 *   bounded number of times, and one that can never read its used rings
 *   again leaves received frames for the reset to drop unseen and
 *   unaccounted (a limit, not a finding: nothing could name those frames);
 * - on a packed ring, a memory fault on the driver's writes fires a bounded
 *   number of times (count 1 or 2, never all): a write inside a list whose
 *   later descriptors are already available is tried again a bounded
 *   number of times, then the queue is given up (2.8.16#2);
 * - with the device polling, `run` is bounded (`run 2000`): a polling
 *   world counts as settled only with the driver's backlog empty, and a
 *   lost interrupt may keep frames there until that final reset;
 * - an action may fail (the result is then expected, see fuzz_world.h): a
 *   refused feature set, a queue size the device refuses, a send with the
 *   link down or the device reset by a fault are outcomes, not findings;
 *   what the run does next is judged.
 */
#include "fuzz/fuzz_world.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "backend/misbehave.h"
#include "backend/net.h"
#include "frontend/misbehave.h"
#include "frontend/net.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_input.h"
#include "model/virtio.h"
#include "scenarios/lang.h"

#define INPUT_MAX      1024u
#define EVENTS_MAX     200000u /* the event budget of one `run` */
#define FAULTS_MAX     8u
#define SEND_COUNT_MAX 16u

__attribute__((format(printf, 2, 3))) static void line(struct fuzz_world_script *s, const char *fmt,
                                                       ...) {
  if (s->line_count >= FUZZ_WORLD_LINES_MAX)
    return;
  va_list ap;
  va_start(ap, fmt);
  (void)vsnprintf(s->lines[s->line_count], FUZZ_WORLD_LINE_MAX, fmt, ap);
  va_end(ap);
  s->line_count++;
}

/* "EVENT_IDX" for VIRTIO_F_EVENT_IDX: the language takes both spellings. */
static const char *short_name(unsigned bit) {
  const char *name = model_feature_name(VIRTIO_ID_NET, bit);
  if (name == NULL)
    return NULL;
  if (strncmp(name, "VIRTIO_NET_F_", 13) == 0)
    return name + 13;
  if (strncmp(name, "VIRTIO_F_", 9) == 0)
    return name + 9;
  return name;
}

/* What the device may offer besides VERSION_1 (backend/net.c), without
 * RING_PACKED: the ring line sets that. */
static const unsigned g_offerable[] = {
    VIRTIO_F_EVENT_IDX,         VIRTIO_F_INDIRECT_DESC,     VIRTIO_F_RING_RESET,
    VIRTIO_F_NOTIFICATION_DATA, VIRTIO_F_IN_ORDER,          VIRTIO_NET_F_CSUM,
    VIRTIO_NET_F_GUEST_CSUM,    VIRTIO_NET_F_MTU,           VIRTIO_NET_F_MAC,
    VIRTIO_NET_F_MRG_RXBUF,     VIRTIO_NET_F_STATUS,        VIRTIO_NET_F_CTRL_VQ,
    VIRTIO_NET_F_CTRL_RX,       VIRTIO_NET_F_CTRL_RX_EXTRA, VIRTIO_NET_F_GUEST_ANNOUNCE,
    VIRTIO_NET_F_CTRL_MAC_ADDR, VIRTIO_NET_F_HOST_TSO4,     VIRTIO_NET_F_HOST_TSO6,
    VIRTIO_NET_F_HOST_UFO,      VIRTIO_NET_F_HOST_USO,
};
#define OFFERABLE_COUNT (sizeof g_offerable / sizeof g_offerable[0])

/* What the driver may be told to want or not (frontend/net.h). Not MAC
 * and MTU: a driver SHOULD take them when offered (5.1.4.2#2, #7); one
 * that does not is a misbehaviour (refuse-mac, refuse-mtu). */
static const unsigned g_wantable[] = {
    VIRTIO_F_EVENT_IDX,     VIRTIO_F_INDIRECT_DESC,     VIRTIO_F_IN_ORDER,
    VIRTIO_NET_F_MRG_RXBUF, VIRTIO_NET_F_STATUS,        VIRTIO_NET_F_CTRL_VQ,
    VIRTIO_NET_F_CTRL_RX,   VIRTIO_NET_F_CTRL_RX_EXTRA, VIRTIO_NET_F_CTRL_MAC_ADDR,
    VIRTIO_NET_F_CSUM,      VIRTIO_NET_F_HOST_TSO4,     VIRTIO_NET_F_HOST_TSO6,
    VIRTIO_NET_F_HOST_UFO,  VIRTIO_NET_F_HOST_USO,
};
#define WANTABLE_COUNT (sizeof g_wantable / sizeof g_wantable[0])

/* The offer: the device's default with the input's toggles, then made
 * legal: a feature whose requirement is missing is dropped until none is,
 * for the hard rules (2.2.2#1) and the advised ones (5.1.4.1#12, #13: a
 * conformant device keeps to those too). */
static uint64_t decode_offer(struct fuzz_input *in) {
  struct dev_net_config dcfg;
  dev_net_config_default(&dcfg);
  uint32_t toggles =
      (uint32_t)fuzz_u8(in) | (uint32_t)fuzz_u8(in) << 8 | (uint32_t)fuzz_u8(in) << 16;
  uint64_t offer = dcfg.features_offered & ~model_feature_mask(VIRTIO_F_RING_PACKED);
  for (unsigned i = 0; i < OFFERABLE_COUNT; i++)
    if (toggles & (1u << i))
      offer ^= model_feature_mask(g_offerable[i]);
  offer |= model_feature_mask(VIRTIO_F_VERSION_1);
  for (unsigned n = 0; n < 64u; n++) {
    const struct model_feature_dep *dep =
        model_features_unmet_dep(VIRTIO_ID_NET, offer, MODEL_FEATURE_DEP_REQUIRED);
    if (dep == NULL)
      dep = model_features_unmet_dep(VIRTIO_ID_NET, offer, MODEL_FEATURE_DEP_ADVISED);
    if (dep == NULL)
      break;
    offer &= ~model_feature_mask(dep->bit);
  }
  return offer;
}

static void put_offer(struct fuzz_world_script *s, uint64_t offer) {
  char buf[FUZZ_WORLD_LINE_MAX];
  size_t used = (size_t)snprintf(buf, sizeof buf, "device features");
  for (unsigned bit = 0; bit < 64u && used < sizeof buf; bit++) {
    const char *name = short_name(bit);
    if (model_features_has(offer, bit) && name != NULL)
      used += (size_t)snprintf(buf + used, sizeof buf - used, " %s", name);
  }
  line(s, "%s", buf);
}

/* The driver's wanted set: its default with the input's toggles; returns
 * the set. */
static uint64_t put_wanted(struct fuzz_world_script *s, struct fuzz_input *in) {
  uint16_t toggles = (uint16_t)(fuzz_u16(in) & ((1u << WANTABLE_COUNT) - 1u));
  uint64_t wanted = DRV_NET_FEATURES_KNOWN | DRV_CORE_FEATURES_TRANSPORT;
  if (toggles == 0)
    return wanted;
  char buf[FUZZ_WORLD_LINE_MAX];
  size_t used = (size_t)snprintf(buf, sizeof buf, "driver features");
  for (unsigned i = 0; i < WANTABLE_COUNT && used < sizeof buf; i++) {
    if ((toggles & (1u << i)) == 0)
      continue;
    bool has = model_features_has(wanted, g_wantable[i]);
    used += (size_t)snprintf(buf + used, sizeof buf - used, " %c%s", has ? '-' : '+',
                             short_name(g_wantable[i]));
    wanted ^= model_feature_mask(g_wantable[i]);
  }
  line(s, "%s", buf);
  return wanted;
}

/* A queue size the driver asks for: 0 (QueueSizeMax) or below it; split
 * only powers of two, packed any size. */
static void put_queue(struct fuzz_world_script *s, const char *name, uint8_t b, uint32_t qmax) {
  if ((b & 3u) == 0)
    return;
  uint32_t size =
      s->ring == SCN_RING_PACKED ? 1u + (uint32_t)(b >> 2) % qmax : qmax >> ((b >> 2) % 3u);
  if (size == 0)
    size = 1;
  line(s, "driver queue %s %u", name, (unsigned)size);
}

static void put_misbehave(struct fuzz_world_script *s, uint8_t b) {
  bool device = b & 1u;
  unsigned count = device ? dev_misbehave_count() : drv_misbehave_count();
  if (count == 0)
    return;
  unsigned bit = (unsigned)(b >> 1) % count;
  const char *name = device ? dev_misbehave_name(bit) : drv_misbehave_name(bit);
  if (name == NULL)
    return;
  s->misbehaves = true;
  s->side = device ? MODEL_TARGET_DEVICE : MODEL_TARGET_DRIVER;
  line(s, "misbehave %s %s", device ? "device" : "driver", name);
}

static void put_wire(struct fuzz_world_script *s, struct fuzz_input *in) {
  static const char *const pct[4] = {"0", "1", "10", "50"};
  uint8_t w = fuzz_u8(in);
  uint8_t lat = fuzz_u8(in);
  if (w & 3u)
    line(s, "wire loss %s", pct[w & 3u]);
  if ((w >> 2) & 3u)
    line(s, "wire dup %s", pct[(w >> 2) & 3u]);
  if ((w >> 4) & 3u)
    line(s, "wire reorder %s extra %u", pct[(w >> 4) & 3u], 1u + (unsigned)(lat >> 4) * 16u);
  if (w & 0x40u)
    line(s, "wire loopback on");
  if (w & 0x80u)
    line(s, "wire delay %u..%u", (unsigned)(lat & 3u), 1u + (unsigned)(lat & 3u) * 20u);
  if (lat & 4u)
    line(s, "latency notify 0..%u", (unsigned)(lat >> 4));
  if (lat & 8u)
    line(s, "latency irq 0..%u", (unsigned)(lat >> 4));
}

/* The setup lines. */
static void decode_setup(struct fuzz_world_script *s, struct fuzz_input *in) {
  /* not below 1280: a device SHOULD NOT offer less (5.1.4.1#3) */
  static const unsigned mtus[8] = {1500, 1280, 65535, 1281, 1500, 9000, 1514, 4000};
  static const char *const mems[4] = {"256K", "128K", "1M", "64K"};
  uint8_t flags = fuzz_u8(in);
  uint8_t mis = fuzz_u8(in);
  uint64_t offer = decode_offer(in);
  uint8_t qsel = fuzz_u8(in);
  uint8_t qrx = fuzz_u8(in), qtx = fuzz_u8(in), qctrl = fuzz_u8(in);
  uint8_t misc = fuzz_u8(in);
  uint8_t rx = fuzz_u8(in);
  s->seed = 1u + fuzz_u16(in);
  s->ring = (flags & 1u) ? SCN_RING_PACKED : SCN_RING_SPLIT;
  line(s, "seeds %" PRIu64, s->seed);
  line(s, "ring %s", scn_ring_name(s->ring));
  line(s, "memory %s", mems[misc & 3u]);
  line(s, "option max_events %u", EVENTS_MAX);
  put_offer(s, offer);
  /* 1..64, 16 by default: small rings wrap soon and allocate little */
  static const uint32_t qmaxes[8] = {16, 1, 2, 4, 8, 32, 64, 16};
  uint32_t qmax = qmaxes[qsel & 7u];
  line(s, "device queue_size_max %u", (unsigned)qmax);
  if (model_features_has(offer, VIRTIO_NET_F_MTU))
    line(s, "device mtu %u", mtus[(misc >> 2) & 7u]);
  if (flags & 8u)
    line(s, "device link down");
  s->polling = (flags & 4u) != 0;
  if (s->polling)
    line(s, "device poll %u", 1u + (unsigned)(misc >> 5) * 7u);
  uint64_t wanted = put_wanted(s, in);
  put_queue(s, "rx", qrx, qmax);
  put_queue(s, "tx", qtx, qmax);
  put_queue(s, "ctrl", qctrl, qmax);
  if (rx & 0x80u) {
    /* below 1526 bytes only with MRG_RXBUF (5.1.9.3.1#2; the driver raises
     * a size to the MUST minimum of #3, not to what #2 asks) */
    static const unsigned sizes[2][4] = {{1526, 1600, 2048, 4096}, {64, 1526, 512, 4096}};
    bool mrg = model_features_has(offer & wanted, VIRTIO_NET_F_MRG_RXBUF);
    line(s, "driver rx_buffers %u size %u", (unsigned)(rx & 0x0fu), sizes[mrg][(rx >> 4) & 3u]);
  }
  if (flags & 0x10u)
    line(s, "driver tx_indirect on");
  if (flags & 0x20u)
    line(s, "driver tx_interrupts off");
  if (flags & 0x40u)
    line(s, "driver tx_segments 1");
  put_wire(s, in);
  if (flags & 0x80u)
    put_misbehave(s, mis);
}

static void put_mac(char *buf, size_t size, bool multicast, uint8_t b) {
  (void)snprintf(buf, size, multicast ? "01:00:5e:00:00:%02x" : "52:54:00:12:34:%02x", b);
}

static void put_send(struct fuzz_world_script *s, struct fuzz_input *in, bool peer) {
  uint8_t a = fuzz_u8(in), b = fuzz_u8(in);
  unsigned count = 1u + (a & (SEND_COUNT_MAX - 1u));
  unsigned lo = 60u + (b & 0x0fu) * 16u;
  unsigned hi = lo + (unsigned)(b >> 4) * 90u;
  char to[48] = "";
  switch ((a >> 4) & 3u) {
  case 1:
    (void)snprintf(to, sizeof to, " to broadcast");
    break;
  case 2: {
    char mac[24];
    put_mac(mac, sizeof mac, (a & 0x40u) != 0, b);
    (void)snprintf(to, sizeof to, " to %s", mac);
    break;
  }
  default:
    break;
  }
  if (peer)
    line(s, "peer send %u size %u..%u interval %u%s", count, lo, hi, 1u + (unsigned)(a >> 6) * 3u,
         to);
  else
    line(s, "send %u size %u..%u%s", count, lo, hi, to);
}

static void put_ctrl(struct fuzz_world_script *s, struct fuzz_input *in, unsigned kind) {
  static const char *const modes[6] = {"promisc", "allmulti", "alluni",
                                       "nomulti", "nouni",    "nobcast"};
  uint8_t a = fuzz_u8(in);
  char mac[24];
  if (kind == 0) {
    line(s, "ctrl rx %s %s", modes[(a >> 1) % 6u], (a & 1u) ? "on" : "off");
  } else if (kind == 1) {
    char buf[FUZZ_WORLD_LINE_MAX];
    size_t used = (size_t)snprintf(buf, sizeof buf, "ctrl mac_table");
    unsigned uni = a & 3u, multi = (a >> 2) & 3u;
    if (uni > 0)
      used += (size_t)snprintf(buf + used, sizeof buf - used, " uni");
    for (unsigned i = 0; i < uni; i++) {
      put_mac(mac, sizeof mac, false, fuzz_u8(in));
      used += (size_t)snprintf(buf + used, sizeof buf - used, " %s", mac);
    }
    if (multi > 0)
      used += (size_t)snprintf(buf + used, sizeof buf - used, " multi");
    for (unsigned i = 0; i < multi; i++) {
      put_mac(mac, sizeof mac, true, fuzz_u8(in));
      used += (size_t)snprintf(buf + used, sizeof buf - used, " %s", mac);
    }
    line(s, "%s", buf);
  } else {
    put_mac(mac, sizeof mac, false, a);
    line(s, "ctrl mac_addr %s", mac);
  }
}

static void put_fault(struct fuzz_world_script *s, struct fuzz_input *in, unsigned kind) {
  static const char *const actors[4] = {"device", "driver", "nic", "any"};
  static const char *const access[4] = {"read", "write", "rw", "read"};
  static const char *const counts[4] = {"1", "1", "2", "all"};
  uint8_t a = fuzz_u8(in), b = fuzz_u8(in);
  unsigned actor = (a >> 3) & 3u, acc = (a >> 5) & 3u, count = a & 3u;
  /* Not for good on the driver's reads: it retries a failed ring read a
   * bounded number of times (DRV_NET_RETRY_MAX), and a driver that can read
   * no used ring leaves the frames the device put in its receive buffers
   * for the reset to drop unseen, with no one who could name them. */
  if (kind == 0 && (actor == 1u || actor == 3u) && acc != 1u && count == 3u)
    count = 2;
  /* Not for good on the driver's writes on a packed ring: a write inside a
   * list whose later descriptors are already available (2.8.16#2) is tried
   * again a bounded number of times before the queue is given up. */
  if (kind == 0 && s->ring == SCN_RING_PACKED && (actor == 1u || actor == 3u) && acc != 0u &&
      count == 3u)
    count = 2;
  char opts[64];
  (void)snprintf(opts, sizeof opts, "skip %u count %s%s", (unsigned)b, counts[count],
                 (a & 4u) ? " prob 50" : "");
  switch (kind) {
  case 0:
    line(s, "fault mem_fail actor %s access %s %s", actors[actor], access[acc], opts);
    break;
  case 1:
    if (a & 0x80u)
      line(s, "fault notify_delay %u %s", 1u + (unsigned)(a >> 3) * 8u, opts);
    else
      line(s, "fault notify_drop %s", opts);
    break;
  case 2:
    if (a & 0x80u)
      line(s, "fault irq_delay %u %s", 1u + (unsigned)(a >> 3) * 8u, opts);
    else
      line(s, "fault irq_drop %s", opts);
    break;
  default:
    line(s, "fault device_reset at %u", (unsigned)b * 8u + (a & 7u));
    break;
  }
}

/* The stepwise initialisation's commands (3.1.1), one at a time. */
static void put_step(struct fuzz_world_script *s, uint8_t a) {
  static const char *const steps[12] = {
      "probe",
      "reset",
      "status ACKNOWLEDGE",
      "status DRIVER",
      "features read",
      "config read",
      "negotiate",
      "features ok",
      "queues",
      "status DRIVER_OK",
      "status FEATURES_OK",
      "fail",
  };
  unsigned step = a % 12u;
  /* `config read` reads the registers at once (the interpreter calls the
   * transport, not the core, which refuses the other steps before a probe);
   * before the driver identified the device that would script it to break
   * 4.2.3.1.1#1: the device is probed first */
  if (step == 5u && !s->probed)
    step = 0;
  if (step == 0u)
    s->probed = true;
  line(s, "%s", steps[step]);
}

/* `run` until idle; with the device polling, a bounded run: a polling
 * world settles only when no frame waits in the driver's backlog, and a
 * lost interrupt (a fault) may leave frames there until the reset that
 * ends the script. The end of the script still runs until idle. */
static void put_run(struct fuzz_world_script *s) {
  if (s->polling)
    line(s, "run 2000");
  else
    line(s, "run");
}

/* One action; true if it may strand frames on a ring on purpose. */
static bool decode_action(struct fuzz_world_script *s, struct fuzz_input *in, unsigned *faults) {
  uint8_t op = fuzz_u8(in);
  switch (op % 20u) {
  case 0:
  case 1:
  case 2:
    put_send(s, in, false);
    return false;
  case 3:
  case 4:
    put_send(s, in, true);
    return false;
  case 5:
  case 6:
    put_run(s);
    return false;
  case 7:
    line(s, "run %u", 1u + (unsigned)fuzz_u8(in) * 4u);
    return false;
  case 8:
  case 9:
  case 10:
    put_ctrl(s, in, (op % 20u) - 8u);
    return false;
  case 11:
    line(s, "link %s", (op & 0x80u) ? "up" : "down");
    return false;
  case 12:
    line(s, "reset");
    return false;
  case 13:
    line(s, "init");
    s->probed = true;
    return false;
  case 14:
    line(s, "queue stop %u", (unsigned)(op >> 5) % 3u);
    return true;
  case 15:
  case 16:
  case 17:
    if (*faults >= FAULTS_MAX) {
      put_run(s);
      return false;
    }
    ++*faults;
    s->faults = true;
    /* 15 memory, 16 notification, 17 interrupt; 15 with bit 7 a device reset */
    put_fault(s, in, (op % 20u) == 15u && (op & 0x80u) ? 3u : (op % 20u) - 15u);
    return true;
  case 18:
    put_step(s, fuzz_u8(in));
    return true;
  default:
    put_send(s, in, true);
    return false;
  }
}

void fuzz_world_decode(const uint8_t *data, size_t size, struct fuzz_world_script *s) {
  memset(s, 0, sizeof *s);
  struct fuzz_input in = {.data = data, .size = size < INPUT_MAX ? size : INPUT_MAX, .pos = 0};
  decode_setup(s, &in);
  bool strands = s->misbehaves;
  unsigned faults = 0;
  /* the first action is `init` unless the input starts with a stepwise one */
  if (in.pos >= in.size || in.data[in.pos] % 20u != 18u) {
    line(s, "init");
    s->probed = true;
  }
  for (unsigned n = 0; n < FUZZ_WORLD_OPS_MAX && in.pos < in.size; n++)
    strands |= decode_action(s, &in, &faults);
  put_run(s);
  if (strands)
    line(s, "reset");
}

size_t fuzz_world_text(const struct fuzz_world_script *s, char *buf, size_t size) {
  size_t used = 0;
  for (size_t i = 0; i < s->line_count; i++) {
    size_t len = strlen(s->lines[i]);
    if (used + len + 2u > size)
      return 0;
    memcpy(buf + used, s->lines[i], len);
    buf[used + len] = '\n';
    used += len + 1u;
  }
  if (used + 1u > size)
    return 0;
  buf[used] = '\0';
  return used;
}

/* The action a run stopped at, if it stopped because an action failed with
 * no `expect result` after it (scenarios/interp.c, check_unchecked). */
static bool unchecked_result(const struct scn_outcome *out, struct fuzz_world_step *step) {
  static const char key[] = "follow it with 'expect result ";
  const char *at = strstr(out->message, key);
  if (out->passed || at == NULL || out->fail_line == 0)
    return false;
  at += sizeof key - 1u;
  size_t len = strcspn(at, "'");
  if (len == 0 || len >= sizeof step->err_name || at[len] != '\'')
    return false;
  memcpy(step->err_name, at, len);
  step->err_name[len] = '\0';
  step->line = out->fail_line;
  step->again = true;
  return true;
}

/* An action's result that only a fault or a misbehaviour explains: the
 * other side broke a rule (a ring or header violation, DEVICE_NEEDS_RESET),
 * guest memory failed, or a bounded wait ran out. */
static bool needs_a_culprit(const char *err_name) {
  static const char *const names[] = {"NEEDS_RESET", "MEM_", "NET_", "TIMEOUT", "RING_"};
  if (strcmp(err_name, "RING_FULL") == 0 || strcmp(err_name, "RING_EMPTY") == 0)
    return false;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strncmp(err_name, names[i], strlen(names[i])) == 0)
      return true;
  return false;
}

/* Did an action before `line` fail (its `expect result` was inserted)?
 * Then a later failure may be its consequence (a driver whose init failed
 * set FAILED: sends then answer RING_BROKEN). */
static bool failed_before(const struct fuzz_world_script *s, uint32_t line) {
  for (size_t i = 0; i + 1u < line && i < s->line_count; i++)
    if (strncmp(s->lines[i], "expect result ", 14) == 0)
      return true;
  return false;
}

/* The misbehaving half's run: only its own clauses may be violated. */
static void judge_side(const struct fuzz_world_script *s, const struct scn_outcome *out,
                       struct fuzz_world_step *step) {
  for (size_t i = 0; out->tallies != NULL && i < model_catalog_count(); i++) {
    const struct model_mon_tally *t = &out->tallies[i];
    const struct model_clause *clause = model_catalog_at(i);
    if (t->violations == 0 || clause->target == s->side)
      continue;
    step->finding = true;
    (void)snprintf(step->message, sizeof step->message,
                   "the %s misbehaves, and the monitor blames the %s for %s at t=%" PRIu64
                   " trace=%" PRIu64 ": %s",
                   model_target_name(s->side), model_target_name(clause->target), clause->id,
                   t->first.time_ticks, t->first.trace_pos, t->first.detail);
    return;
  }
  if (!out->passed && strstr(out->message, "did not go idle") != NULL) {
    step->finding = true;
    (void)snprintf(step->message, sizeof step->message, "the %s misbehaves, and: %s",
                   model_target_name(s->side), out->message);
  }
}

void fuzz_world_run_step(const struct fuzz_world_script *s, struct fuzz_world_step *step) {
  static char text[FUZZ_WORLD_LINES_MAX * FUZZ_WORLD_LINE_MAX];
  static char err[SCN_ERROR_MAX];
  memset(step, 0, sizeof *step);
  size_t len = fuzz_world_text(s, text, sizeof text);
  if (len == 0)
    fuzz_fail("fuzz_world: the scenario text does not fit");
  struct scn_script script;
  memset(&script, 0, sizeof script);
  if (scn_script_parse_text(&script, "fuzz-world.vsc", text, len, err, sizeof err) != MODEL_OK)
    fuzz_fail("fuzz_world: the decoded text does not parse: %s\n%s", err, text);
  struct scn_run_opts opts = {.trace_dump = NULL, .monitor_observe = 0, .ring = s->ring};
  struct scn_outcome out;
  scn_run(&script, s->seed, &opts, &out);
  if (unchecked_result(&out, step)) {
    if (!s->misbehaves && !s->faults && needs_a_culprit(step->err_name) &&
        !failed_before(s, step->line)) {
      step->finding = true;
      (void)snprintf(step->message, sizeof step->message,
                     "line %u: an action failed with %s, with no fault and no misbehaviour",
                     (unsigned)step->line, step->err_name);
    }
  } else {
    if (s->misbehaves) {
      judge_side(s, &out, step);
    } else if (!out.passed) {
      step->finding = true;
      (void)snprintf(step->message, sizeof step->message, "%s", out.message);
    }
  }
  scn_outcome_fini(&out);
  scn_script_fini(&script);
}

bool fuzz_world_apply(struct fuzz_world_script *s, const struct fuzz_world_step *step) {
  if (!step->again || step->line == 0 || step->line > s->line_count ||
      s->line_count >= FUZZ_WORLD_LINES_MAX)
    return false;
  size_t at = step->line; /* the index after the failed action's line */
  memmove(s->lines[at + 1u], s->lines[at], (s->line_count - at) * FUZZ_WORLD_LINE_MAX);
  (void)snprintf(s->lines[at], FUZZ_WORLD_LINE_MAX, "expect result %s", step->err_name);
  s->line_count++;
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct fuzz_world_script s;
  static struct fuzz_world_step step;
  fuzz_world_decode(data, size, &s);
  for (;;) {
    fuzz_world_run_step(&s, &step);
    if (step.finding)
      fuzz_fail("fuzz_world: %s", step.message);
    if (!step.again || !fuzz_world_apply(&s, &step))
      break;
  }
  return 0;
}
