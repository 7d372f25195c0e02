/*
 * backend/tests/misbehave_test.c: the misbehaving device (backend/
 * misbehave.h). The name table (round trips, uniqueness, kebab-case,
 * descriptions, unknown names refused), and for most misbehaviours that
 * the device really does the wrong thing, seen by the hand-written driver
 * of dev_test_driver.h and a bus observer, next to its twin: the same
 * steps on the conformant device doing the right thing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend/misbehave.h"
#include "backend/net.h"
#include "dev_test_driver.h"
#include "model/net.h"

#define QSIZE      16u
#define RX_BUF(n)  (TD_BUF_BASE + (uint64_t)(n)*0x1000u)
#define TX_BUF(n)  (TD_BUF_BASE + 0x100000u + (uint64_t)(n)*0x1000u)
#define LOG_MAX    512u
#define WITH(name) dev_misbehave_mask(DEV_MISBEHAVE_##name)

/* ---- the name table ---- */

/* Every misbehaviour the plan's device table names. */
static const char *const plan_names[] = {
    "use-before-driver-ok",
    "work-after-reset",
    "touch-unready-queue",
    "silent-needs-reset",
    "offer-without-dependency",
    "no-version-1",
    "refuse-features",
    "accept-any-features",
    "ignore-reset",
    "bad-magic",
    "bad-version",
    "clear-isr-early",
    "spurious-isr",
    "keep-state-on-reset",
    "no-generation-bump",
    "write-readable-buffer",
    "read-writable-buffer",
    "write-descriptor-table",
    "irq-while-suppressed",
    "skip-irq",
    "publish-used-before-elem",
    "used-len-too-big",
    "bad-used-flags",
    "rx-num-buffers",
    "rx-flags-without-csum",
    "rx-gso",
    "rx-rsc-info",
    "rx-oversize",
    "bad-mtu",
    "rx-split-publish",
    "rx-partial-fill",
    "mtu-changes",
    "offer-reserved-bit",
    "refuse-after-reset",
    "device-id-zero",
    "offer-rx-extra-without-ctrl-vq",
    "rx-gso-tcpv6",
    "rx-empty-tail",
    "rx-gso-udp",
    "rx-gso-udp-l4",
    "rx-spread-without-mrg",
    "mac-set-late",
    "config-zero-before-features-ok",
    "start-next-list-first",
    "skip-used-slot",
    "use-unavailable",
    "use-out-of-order",
};

static void test_misbehave_names_round_trip(void **state) {
  (void)state;
  assert_int_equal(dev_misbehave_count(), DEV_MISBEHAVE_COUNT);
  for (unsigned bit = 0; bit < dev_misbehave_count(); bit++) {
    const char *name = dev_misbehave_name(bit);
    assert_non_null(name);
    unsigned found = 999;
    assert_true(dev_misbehave_lookup(name, &found));
    assert_int_equal(found, bit);
  }
}

static void test_misbehave_plan_names_all_present(void **state) {
  (void)state;
  size_t count = sizeof(plan_names) / sizeof(plan_names[0]);
  assert_int_equal(count, dev_misbehave_count());
  for (size_t i = 0; i < count; i++) {
    unsigned bit = 999;
    if (!dev_misbehave_lookup(plan_names[i], &bit))
      fail_msg("'%s' is not a device misbehaviour", plan_names[i]);
    assert_string_equal(dev_misbehave_name(bit), plan_names[i]);
  }
}

static void test_misbehave_names_unique_and_kebab_case(void **state) {
  (void)state;
  for (unsigned a = 0; a < dev_misbehave_count(); a++) {
    const char *name = dev_misbehave_name(a);
    size_t len = strlen(name);
    assert_true(len > 0);
    assert_true(name[0] != '-' && name[len - 1] != '-');
    for (size_t i = 0; i < len; i++) {
      char c = name[i];
      assert_true((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
      assert_false(c == '-' && name[i + 1] == '-');
    }
    for (unsigned b = a + 1; b < dev_misbehave_count(); b++)
      assert_string_not_equal(name, dev_misbehave_name(b));
  }
}

static void test_misbehave_descriptions_one_line_each(void **state) {
  (void)state;
  for (unsigned bit = 0; bit < dev_misbehave_count(); bit++) {
    const char *text = dev_misbehave_describe(bit);
    assert_non_null(text);
    assert_true(strlen(text) > 10 && strlen(text) < 160);
    assert_null(strchr(text, '\n'));
    /* each names the clause it breaks */
    assert_non_null(strchr(text, '#'));
  }
}

static void test_misbehave_unknown_name_rejected(void **state) {
  (void)state;
  unsigned bit = 77;
  assert_false(dev_misbehave_lookup("no-such-misbehaviour", &bit));
  assert_false(dev_misbehave_lookup("", &bit));
  assert_false(dev_misbehave_lookup(NULL, &bit));
  assert_false(dev_misbehave_lookup("Skip-irq", &bit));  /* exact case */
  assert_false(dev_misbehave_lookup("skip-irq ", &bit)); /* exact length */
  assert_false(dev_misbehave_lookup("skip", &bit));      /* no prefixes */
  assert_int_equal(bit, 77);                             /* untouched */
  assert_true(dev_misbehave_lookup("skip-irq", &bit));   /* twin: the real name */
  assert_int_equal(bit, DEV_MISBEHAVE_SKIP_IRQ);
  assert_null(dev_misbehave_name(dev_misbehave_count()));
  assert_null(dev_misbehave_describe(dev_misbehave_count()));
  assert_null(dev_misbehave_name(UINT32_MAX));
}

/* ---- the device: fixture ---- */

struct access {
  enum sim_ev_kind kind;
  enum sim_actor actor;
  uint64_t addr, len, value;
};

struct fx {
  struct sim_world world;
  struct dev_net net;
  bool net_live;
  struct td_ring rx, tx;
  uint32_t irqs;
  uint32_t isr_seen[8]; /* InterruptStatus as each of the first handlers read it */
  struct access log[LOG_MAX];
  size_t log_count;
};

static void on_irq(void *ctx) {
  struct fx *fx = ctx;
  uint32_t isr = 0;
  assert_int_equal(
      sim_bus_reg_read(&fx->world.bus, SIM_ACTOR_DRIVER, MODEL_MMIO_INTERRUPT_STATUS, 4, &isr),
      MODEL_OK);
  if (fx->irqs < 8)
    fx->isr_seen[fx->irqs] = isr;
  fx->irqs++;
  if (isr != 0)
    assert_int_equal(
        sim_bus_reg_write(&fx->world.bus, SIM_ACTOR_DRIVER, MODEL_MMIO_INTERRUPT_ACK, 4, isr),
        MODEL_OK);
}

static void on_event(void *ctx, const struct sim_bus_event *ev) {
  struct fx *fx = ctx;
  if (fx->log_count >= LOG_MAX)
    return;
  fx->log[fx->log_count++] = (struct access){ev->kind, ev->actor, ev->addr, ev->len, ev->value};
}

static int setup(void **state) {
  struct fx *fx = calloc(1, sizeof(*fx));
  assert_non_null(fx);
  td_world_init(&fx->world);
  assert_int_equal(sim_bus_add_observer(&fx->world.bus, on_event, fx), MODEL_OK);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  struct fx *fx = *state;
  if (fx->net_live)
    dev_net_fini(&fx->net);
  sim_world_fini(&fx->world);
  free(fx);
  return 0;
}

/* The default device (queue size QSIZE) with these misbehaviours; offered
 * replaces the default offer when nonzero, mtu when nonzero. */
static model_err start_cfg(struct fx *fx, uint64_t misbehave, uint64_t offered, uint16_t mtu) {
  struct dev_net_config cfg;
  dev_net_config_default(&cfg);
  cfg.queue_size_max = QSIZE;
  cfg.misbehave = misbehave;
  if (offered != 0)
    cfg.features_offered = offered;
  if (mtu != 0)
    cfg.mtu = mtu;
  if (fx->net_live)
    dev_net_fini(&fx->net);
  fx->net_live = false;
  model_err err = dev_net_init(&fx->net, &fx->world.bus, &fx->world.nic, &cfg);
  if (err != MODEL_OK)
    return err;
  fx->net_live = true;
  sim_bus_attach_driver(&fx->world.bus, on_irq, fx);
  fx->log_count = 0;
  return MODEL_OK;
}

static void start(struct fx *fx, uint64_t misbehave) {
  assert_int_equal(start_cfg(fx, misbehave, 0, 0), MODEL_OK);
}

static uint64_t features(const unsigned *bits, size_t count) {
  return td_features(bits, count);
}

/* VERSION_1 and MAC, plus `extra`. */
static uint64_t basic(uint64_t extra) {
  static const unsigned bits[] = {VIRTIO_F_VERSION_1, VIRTIO_NET_F_MAC};
  return features(bits, 2) | extra;
}

/* Ring memory back to zeros (each test runs the device more than once). */
static void ring_clear(struct fx *fx, const struct td_ring *r) {
  static const uint8_t zeros[0x2000];
  uint64_t end = r->used + model_split_used_size(r->size);
  assert_true(end - r->desc <= sizeof(zeros));
  td_write_bytes(&fx->world.bus, r->desc, zeros, (size_t)(end - r->desc));
}

static void queues(struct fx *fx) {
  td_ring_layout(&fx->rx, 0, QSIZE);
  td_ring_layout(&fx->tx, 1, QSIZE);
  ring_clear(fx, &fx->rx);
  ring_clear(fx, &fx->tx);
  td_queue_setup(&fx->world.bus, 0, &fx->rx);
  td_queue_setup(&fx->world.bus, 1, &fx->tx);
}

static void bring_up(struct fx *fx, uint64_t feats) {
  assert_true((td_negotiate(&fx->world.bus, feats) & VIRTIO_STATUS_FEATURES_OK) != 0);
  queues(fx);
  td_driver_ok(&fx->world.bus);
}

static void run(struct fx *fx) {
  sim_world_run(&fx->world, UINT64_MAX, 1000000);
}

static void notify(struct fx *fx, unsigned queue) {
  td_reg_set(&fx->world.bus, MODEL_MMIO_QUEUE_NOTIFY, queue);
}

/* A 60-byte frame the NIC made, with a zero header, in one descriptor. */
static void add_tx_frame(struct fx *fx, uint16_t d) {
  struct sim_bus *bus = &fx->world.bus;
  uint8_t buf[MODEL_NET_HDR_SIZE + 60] = {0};
  uint64_t seq = 0;
  assert_int_equal(sim_nic_frame_make(&fx->world.nic, SIM_STREAM_TX, buf + MODEL_NET_HDR_SIZE, 60,
                                      fx->world.cfg.nic.peer_mac, fx->net.mac, &seq),
                   MODEL_OK);
  td_write_bytes(bus, TX_BUF(d), buf, sizeof(buf));
  td_desc(bus, &fx->tx, d, TX_BUF(d), sizeof(buf), 0, 0);
  td_avail_add(bus, &fx->tx, d);
}

static void add_rx_buffer(struct fx *fx, uint16_t d, uint32_t len) {
  td_desc(&fx->world.bus, &fx->rx, d, RX_BUF(d), len, VIRTQ_DESC_F_WRITE, 0);
  td_avail_add(&fx->world.bus, &fx->rx, d);
}

/* A frame of `len` bytes from the peer, delivered into rx buffer 0. */
static void receive_one(struct fx *fx, uint32_t len) {
  add_rx_buffer(fx, 0, 2048);
  assert_int_equal(sim_nic_generate(&fx->world.nic, 1, len, len, fx->net.mac, 1), MODEL_OK);
  run(fx);
}

/* The position in the log of the first access of this kind, actor and
 * address range, or LOG_MAX. */
static size_t log_find(const struct fx *fx, enum sim_ev_kind kind, enum sim_actor actor,
                       uint64_t lo, uint64_t hi) {
  for (size_t i = 0; i < fx->log_count; i++) {
    const struct access *a = &fx->log[i];
    if (a->kind == kind && a->actor == actor && a->addr < hi && a->addr + a->len > lo)
      return i;
  }
  return LOG_MAX;
}

/* ---- the device: misbehaviours at work ---- */

static void test_2_7_8_2_2_used_len_too_big_on_tx(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(USED_LEN_TOO_BIG) : 0);
    bring_up(fx, basic(0));
    add_tx_frame(fx, 0);
    notify(fx, MODEL_NET_TXQ);
    run(fx);
    uint32_t id = 9, len = 9;
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 1);
    td_used_elem(&fx->world.bus, &fx->tx, 0, &id, &len);
    assert_int_equal(id, 0);
    /* a transmit chain has no writable byte: len 1 is one too many */
    assert_int_equal(len, misbehave ? 1u : 0u);
  }
}

static void test_2_7_8_2_1_publish_used_before_elem(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(PUBLISH_USED_BEFORE_ELEM) : 0);
    bring_up(fx, basic(0));
    add_tx_frame(fx, 0);
    fx->log_count = 0;
    notify(fx, MODEL_NET_TXQ);
    run(fx);
    uint64_t idx = fx->tx.used + MODEL_SPLIT_USED_OFF_IDX;
    uint64_t elem = fx->tx.used + model_split_used_ring_off(0);
    size_t idx_at = log_find(fx, SIM_EV_MEM_WRITE, SIM_ACTOR_DEVICE, idx, idx + 2);
    size_t elem_at = log_find(fx, SIM_EV_MEM_WRITE, SIM_ACTOR_DEVICE, elem, elem + 8);
    assert_true(idx_at < LOG_MAX && elem_at < LOG_MAX);
    if (misbehave)
      assert_true(idx_at < elem_at);
    else
      assert_true(elem_at < idx_at);
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 1); /* the end state is right */
  }
}

static void test_2_7_7_2_3_skip_irq_never_notifies(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(SKIP_IRQ) : 0);
    fx->irqs = 0;
    bring_up(fx, basic(0)); /* no EVENT_IDX; avail flags 0 */
    receive_one(fx, 60);
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), 1);
    assert_int_equal(fx->irqs, misbehave ? 0u : 1u);
  }
}

static void test_2_7_7_2_2_irq_while_suppressed(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(IRQ_WHILE_SUPPRESSED) : 0);
    fx->irqs = 0;
    bring_up(fx, basic(0));
    td_avail_set_flags(&fx->world.bus, &fx->rx, VIRTQ_AVAIL_F_NO_INTERRUPT);
    receive_one(fx, 60);
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), 1);
    assert_int_equal(fx->irqs, misbehave ? 1u : 0u);
  }
}

static void test_2_7_10_2_bad_used_flags(void **state) {
  struct fx *fx = *state;
  static const unsigned event_idx[] = {VIRTIO_F_EVENT_IDX};
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    for (int with_event_idx = 0; with_event_idx < 2; with_event_idx++) {
      start(fx, misbehave ? WITH(BAD_USED_FLAGS) : 0);
      bring_up(fx, basic(with_event_idx ? features(event_idx, 1) : 0));
      add_tx_frame(fx, 0);
      notify(fx, MODEL_NET_TXQ);
      run(fx);
      /* after servicing, notifications are wanted again: 0 is right */
      assert_int_equal(td_used_flags(&fx->world.bus, &fx->tx), misbehave ? 2u : 0u);
    }
  }
}

static void test_4_2_2_1_1_bad_magic_and_version(void **state) {
  struct fx *fx = *state;
  start(fx, 0);
  assert_int_equal(td_reg(&fx->world.bus, MODEL_MMIO_MAGIC_VALUE), MODEL_MMIO_MAGIC);
  assert_int_equal(td_reg(&fx->world.bus, MODEL_MMIO_VERSION_REG), MODEL_MMIO_VERSION);
  start(fx, WITH(BAD_MAGIC));
  assert_int_not_equal(td_reg(&fx->world.bus, MODEL_MMIO_MAGIC_VALUE), MODEL_MMIO_MAGIC);
  assert_int_equal(td_reg(&fx->world.bus, MODEL_MMIO_VERSION_REG), MODEL_MMIO_VERSION);
  start(fx, WITH(BAD_VERSION));
  assert_int_equal(td_reg(&fx->world.bus, MODEL_MMIO_MAGIC_VALUE), MODEL_MMIO_MAGIC);
  assert_int_not_equal(td_reg(&fx->world.bus, MODEL_MMIO_VERSION_REG), MODEL_MMIO_VERSION);
}

static void test_2_4_1_1_ignore_reset(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(IGNORE_RESET) : 0);
    bring_up(fx, basic(0));
    td_reg_set(&fx->world.bus, MODEL_MMIO_STATUS, 0);
    uint32_t status = td_reg(&fx->world.bus, MODEL_MMIO_STATUS);
    if (misbehave)
      assert_true((status & VIRTIO_STATUS_DRIVER_OK) != 0);
    else
      assert_int_equal(status, 0);
  }
}

static void test_4_2_2_1_5_keep_state_on_reset(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(KEEP_STATE_ON_RESET) : 0);
    bring_up(fx, basic(0));
    td_reg_set(&fx->world.bus, MODEL_MMIO_STATUS, 0);
    assert_int_equal(td_reg(&fx->world.bus, MODEL_MMIO_STATUS), 0); /* the status does reset */
    td_reg_set(&fx->world.bus, MODEL_MMIO_QUEUE_SEL, MODEL_NET_TXQ);
    assert_int_equal(td_reg(&fx->world.bus, MODEL_MMIO_QUEUE_READY), misbehave ? 1u : 0u);
  }
}

static void test_2_2_2_2_refuse_and_2_2_2_3_accept_any_features(void **state) {
  struct fx *fx = *state;
  uint64_t valid = basic(0);
  uint64_t unoffered = basic(model_feature_mask(VIRTIO_F_RING_PACKED));
  /* conformant: the valid subset kept, the invalid one refused */
  start(fx, 0);
  assert_true((td_negotiate(&fx->world.bus, valid) & VIRTIO_STATUS_FEATURES_OK) != 0);
  assert_true((td_negotiate(&fx->world.bus, unoffered) & VIRTIO_STATUS_FEATURES_OK) == 0);
  start(fx, WITH(REFUSE_FEATURES));
  assert_true((td_negotiate(&fx->world.bus, valid) & VIRTIO_STATUS_FEATURES_OK) == 0);
  start(fx, WITH(ACCEPT_ANY_FEATURES));
  assert_true((td_negotiate(&fx->world.bus, unoffered) & VIRTIO_STATUS_FEATURES_OK) != 0);
  assert_int_equal(dev_core_features(dev_net_core(&fx->net)), unoffered);
}

static uint64_t device_features(struct fx *fx) {
  td_reg_set(&fx->world.bus, MODEL_MMIO_DEVICE_FEATURES_SEL, 0);
  uint64_t lo = td_reg(&fx->world.bus, MODEL_MMIO_DEVICE_FEATURES);
  td_reg_set(&fx->world.bus, MODEL_MMIO_DEVICE_FEATURES_SEL, 1);
  uint64_t hi = td_reg(&fx->world.bus, MODEL_MMIO_DEVICE_FEATURES);
  return lo | (hi << 32);
}

static void test_2_2_2_1_offer_without_dependency(void **state) {
  struct fx *fx = *state;
  uint64_t deps_broken = basic(model_feature_mask(VIRTIO_NET_F_CTRL_RX));
  /* conformant: refuses to be made with that offer, offers a closed set */
  assert_int_equal(start_cfg(fx, 0, deps_broken, 0), MODEL_ERR_INVALID_ARG);
  start(fx, 0);
  assert_int_equal(model_features_check_deps(VIRTIO_ID_NET, device_features(fx), NULL, NULL),
                   MODEL_OK);
  /* misbehaving: made with it, and breaks the default offer too */
  assert_int_equal(start_cfg(fx, WITH(OFFER_WITHOUT_DEPENDENCY), deps_broken, 0), MODEL_OK);
  assert_int_equal(device_features(fx), deps_broken);
  start(fx, WITH(OFFER_WITHOUT_DEPENDENCY));
  uint64_t offered = device_features(fx);
  assert_true(model_features_has(offered, VIRTIO_NET_F_CTRL_RX));
  assert_false(model_features_has(offered, VIRTIO_NET_F_CTRL_VQ));
  assert_int_equal(model_features_check_deps(VIRTIO_ID_NET, offered, NULL, NULL),
                   MODEL_ERR_FEATURE_DEPENDENCY);
  /* no control queue without CTRL_VQ */
  assert_null(dev_core_vq(dev_net_core_mut(&fx->net), MODEL_NET_CTRLQ));
}

static void test_6_2_1_no_version_1(void **state) {
  struct fx *fx = *state;
  start(fx, 0);
  assert_true(model_features_has(device_features(fx), VIRTIO_F_VERSION_1));
  start(fx, WITH(NO_VERSION_1));
  uint64_t offered = device_features(fx);
  assert_false(model_features_has(offered, VIRTIO_F_VERSION_1));
  assert_true(model_features_has(offered, VIRTIO_NET_F_MAC)); /* the rest is offered */
  /* and it takes what it offered: a subset without VERSION_1 */
  assert_true((td_negotiate(&fx->world.bus, model_feature_mask(VIRTIO_NET_F_MAC)) &
               VIRTIO_STATUS_FEATURES_OK) != 0);
}

static void test_5_1_4_1_2_bad_mtu(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(BAD_MTU) : 0);
    uint32_t mtu = 0;
    assert_int_equal(sim_bus_reg_read(&fx->world.bus, SIM_ACTOR_DRIVER,
                                      MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_MTU, 2, &mtu),
                     MODEL_OK);
    if (misbehave)
      assert_true(mtu < MODEL_NET_MTU_MIN);
    else
      assert_int_equal(mtu, MODEL_NET_DEFAULT_MTU);
  }
}

static void test_5_1_9_4_1_rx_header_misbehaviours(void **state) {
  struct fx *fx = *state;
  uint64_t all =
      WITH(RX_NUM_BUFFERS) | WITH(RX_FLAGS_WITHOUT_CSUM) | WITH(RX_GSO) | WITH(RX_RSC_INFO);
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? all : 0);
    bring_up(fx, basic(0)); /* no GUEST_CSUM, no MRG_RXBUF, no GSO, no RSC_EXT */
    receive_one(fx, 60);
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), 1);
    uint8_t hdr[MODEL_NET_HDR_SIZE];
    td_read_bytes(&fx->world.bus, RX_BUF(0), hdr, sizeof(hdr));
    if (misbehave) {
      assert_int_equal(hdr[MODEL_NET_HDR_OFF_FLAGS],
                       VIRTIO_NET_HDR_F_DATA_VALID | VIRTIO_NET_HDR_F_RSC_INFO);
      assert_int_equal(hdr[MODEL_NET_HDR_OFF_GSO_TYPE], VIRTIO_NET_HDR_GSO_TCPV4);
      assert_int_equal(hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS], 0);
    } else {
      assert_int_equal(hdr[MODEL_NET_HDR_OFF_FLAGS], 0);
      assert_int_equal(hdr[MODEL_NET_HDR_OFF_GSO_TYPE], VIRTIO_NET_HDR_GSO_NONE);
      assert_int_equal(hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS], 1);
    }
    assert_int_equal(hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS + 1], 0);
  }
}

static void test_5_1_9_4_1_rx_gso_udp_types(void **state) {
  struct fx *fx = *state;
  static const struct {
    enum dev_misbehave bit;
    uint8_t gso_type;
  } cases[] = {{DEV_MISBEHAVE_RX_GSO_UDP, VIRTIO_NET_HDR_GSO_UDP},
               {DEV_MISBEHAVE_RX_GSO_UDP_L4, VIRTIO_NET_HDR_GSO_UDP_L4}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    start(fx, dev_misbehave_mask(cases[i].bit));
    bring_up(fx, basic(0)); /* no guest GSO feature */
    receive_one(fx, 60);
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), 1);
    uint8_t hdr[MODEL_NET_HDR_SIZE];
    td_read_bytes(&fx->world.bus, RX_BUF(0), hdr, sizeof(hdr));
    assert_int_equal(hdr[MODEL_NET_HDR_OFF_GSO_TYPE], cases[i].gso_type);
    assert_int_equal(hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS], 1);
  }
}

static void test_5_1_9_3_2_2_rx_spread_without_mrg(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(RX_SPREAD_WITHOUT_MRG) : 0);
    bring_up(fx, basic(0)); /* no MRG_RXBUF */
    add_rx_buffer(fx, 0, 2048);
    add_rx_buffer(fx, 1, 2048);
    assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, fx->net.mac, 1), MODEL_OK);
    run(fx);
    /* one packet: in one buffer, or (misbehaving) in both */
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), misbehave ? 2 : 1);
    uint8_t hdr[MODEL_NET_HDR_SIZE];
    td_read_bytes(&fx->world.bus, RX_BUF(0), hdr, sizeof(hdr));
    assert_int_equal(hdr[MODEL_NET_HDR_OFF_NUM_BUFFERS], misbehave ? 2 : 1);
  }
}

static void test_2_5_2_1_config_zero_before_features_ok(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(CONFIG_ZERO_BEFORE_FEATURES_OK) : 0);
    uint32_t mac0 = 0, mtu = 0;
    assert_int_equal(
        sim_bus_reg_read(&fx->world.bus, SIM_ACTOR_DRIVER, MODEL_MMIO_CONFIG, 1, &mac0), MODEL_OK);
    assert_int_equal(sim_bus_reg_read(&fx->world.bus, SIM_ACTOR_DRIVER,
                                      MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_MTU, 2, &mtu),
                     MODEL_OK);
    assert_int_equal(mac0, misbehave ? 0u : fx->net.cfg.mac[0]);
    assert_int_equal(mtu, MODEL_NET_DEFAULT_MTU); /* served either way */
    assert_true((td_negotiate(&fx->world.bus, basic(0)) & VIRTIO_STATUS_FEATURES_OK) != 0);
    assert_int_equal(
        sim_bus_reg_read(&fx->world.bus, SIM_ACTOR_DRIVER, MODEL_MMIO_CONFIG, 1, &mac0), MODEL_OK);
    assert_int_equal(mac0, fx->net.cfg.mac[0]);
  }
}

static void test_5_1_4_1_5_rx_oversize(void **state) {
  struct fx *fx = *state;
  static const unsigned mtu_bit[] = {VIRTIO_NET_F_MTU};
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    assert_int_equal(start_cfg(fx, misbehave ? WITH(RX_OVERSIZE) : 0, 0, 1000), MODEL_OK);
    bring_up(fx, basic(features(mtu_bit, 1)));
    receive_one(fx, 1015); /* mtu + 14 + 1 */
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->rx), misbehave ? 1u : 0u);
    assert_int_equal(dev_net_stats(&fx->net)->rx_dropped[SIM_DROP_TOO_BIG], misbehave ? 0u : 1u);
  }
}

static uint32_t generation(struct fx *fx) {
  return td_reg(&fx->world.bus, MODEL_MMIO_CONFIG_GENERATION);
}

static void test_4_2_2_1_6_no_generation_bump(void **state) {
  struct fx *fx = *state;
  static const unsigned status_bit[] = {VIRTIO_NET_F_STATUS};
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(NO_GENERATION_BUMP) : 0);
    bring_up(fx, basic(features(status_bit, 1)));
    uint32_t before = generation(fx);
    uint64_t config_irqs = fx->world.bus.counters[SIM_CTR_CONFIG_IRQ];
    dev_net_set_link(&fx->net, false);
    uint32_t status = 0;
    assert_int_equal(sim_bus_reg_read(&fx->world.bus, SIM_ACTOR_DRIVER,
                                      MODEL_MMIO_CONFIG + MODEL_NET_CFG_OFF_STATUS, 2, &status),
                     MODEL_OK);
    assert_int_equal(status & VIRTIO_NET_S_LINK_UP, 0); /* the field did change */
    if (misbehave)
      assert_int_equal(generation(fx), before);
    else
      assert_int_not_equal(generation(fx), before);
    assert_int_equal(fx->world.bus.counters[SIM_CTR_CONFIG_IRQ] - config_irqs, 1); /* notified */
  }
}

static void test_4_2_2_1_4_spurious_isr(void **state) {
  struct fx *fx = *state;
  static const unsigned status_bit[] = {VIRTIO_NET_F_STATUS};
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(SPURIOUS_ISR) : 0);
    fx->irqs = 0;
    bring_up(fx, basic(features(status_bit, 1)));
    dev_net_set_link(&fx->net, false); /* a configuration change, no buffer used */
    run(fx);
    assert_int_equal(fx->irqs, 1);
    uint32_t want = MODEL_MMIO_INT_CONFIG | (misbehave ? MODEL_MMIO_INT_VRING : 0u);
    assert_int_equal(fx->isr_seen[0], want);
  }
}

static void test_4_2_2_1_3_clear_isr_early(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(CLEAR_ISR_EARLY) : 0);
    fx->irqs = 0;
    bring_up(fx, basic(0));
    receive_one(fx, 60);
    assert_int_equal(fx->irqs, 1);
    assert_int_equal(fx->isr_seen[0], misbehave ? 0u : MODEL_MMIO_INT_VRING);
  }
}

static void test_2_1_2_3_silent_needs_reset(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(SILENT_NEEDS_RESET) : 0);
    bring_up(fx, basic(0));
    uint64_t irqs_before = fx->world.bus.counters[SIM_CTR_IRQ_SENT];
    struct dev_violation why = {.err = MODEL_ERR_RING_BROKEN, .clause = "test"};
    dev_core_needs_reset(dev_net_core_mut(&fx->net), -1, &why);
    assert_true((td_reg(&fx->world.bus, MODEL_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) !=
                0);
    /* InterruptStatus shows it either way; only the interrupt differs */
    assert_true((dev_core_isr(dev_net_core(&fx->net)) & MODEL_MMIO_INT_CONFIG) != 0);
    assert_int_equal(fx->world.bus.counters[SIM_CTR_IRQ_SENT] - irqs_before, misbehave ? 0u : 1u);
  }
}

static void test_2_7_5_1_writes_and_reads_where_it_must_not(void **state) {
  struct fx *fx = *state;
  uint64_t all =
      WITH(WRITE_READABLE_BUFFER) | WITH(READ_WRITABLE_BUFFER) | WITH(WRITE_DESCRIPTOR_TABLE);
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? all : 0);
    bring_up(fx, basic(0));
    add_tx_frame(fx, 0);
    add_rx_buffer(fx, 0, 2048);
    uint64_t delivered = fx->world.nic.stats[SIM_STREAM_TX].delivered;
    fx->log_count = 0;
    notify(fx, MODEL_NET_TXQ);
    assert_int_equal(sim_nic_generate(&fx->world.nic, 1, 60, 60, fx->net.mac, 1), MODEL_OK);
    run(fx);
    uint64_t table = fx->tx.desc, table_end = table + model_split_desc_table_size(QSIZE);
    size_t desc_write = log_find(fx, SIM_EV_MEM_WRITE, SIM_ACTOR_DEVICE, table, table_end);
    size_t readable_write =
        log_find(fx, SIM_EV_MEM_WRITE, SIM_ACTOR_DEVICE, TX_BUF(0), TX_BUF(0) + 72u);
    /* the device's first access to the rx buffer: a read, or the header write */
    size_t rx_read = log_find(fx, SIM_EV_MEM_READ, SIM_ACTOR_DEVICE, RX_BUF(0), RX_BUF(0) + 2048u);
    size_t rx_write =
        log_find(fx, SIM_EV_MEM_WRITE, SIM_ACTOR_DEVICE, RX_BUF(0), RX_BUF(0) + 2048u);
    assert_true(rx_write < LOG_MAX);
    if (misbehave) {
      assert_true(desc_write < LOG_MAX);
      assert_true(readable_write < LOG_MAX);
      assert_true(rx_read < rx_write);
    } else {
      assert_int_equal(desc_write, LOG_MAX);
      assert_int_equal(readable_write, LOG_MAX);
      assert_int_equal(rx_read, LOG_MAX);
    }
    /* what the driver sees is the same */
    assert_int_equal(td_used_idx(&fx->world.bus, &fx->tx), 1);
    assert_int_equal(fx->world.nic.stats[SIM_STREAM_TX].delivered - delivered, 1);
  }
}

static void test_4_2_2_1_7_touch_unready_queue(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(TOUCH_UNREADY_QUEUE) : 0);
    assert_true((td_negotiate(&fx->world.bus, basic(0)) & VIRTIO_STATUS_FEATURES_OK) != 0);
    fx->log_count = 0;
    queues(fx);
    uint64_t avail_idx = fx->rx.avail + MODEL_SPLIT_AVAIL_OFF_IDX;
    size_t read = log_find(fx, SIM_EV_MEM_READ, SIM_ACTOR_DEVICE, avail_idx, avail_idx + 2);
    size_t ready = LOG_MAX;
    for (size_t i = 0; i < fx->log_count && ready == LOG_MAX; i++) {
      if (fx->log[i].kind == SIM_EV_REG_WRITE && fx->log[i].addr == MODEL_MMIO_QUEUE_READY)
        ready = i;
    }
    assert_true(ready < LOG_MAX);
    if (misbehave)
      assert_true(read < ready); /* seen before QueueReady = 1 took effect */
    else
      assert_int_equal(read, LOG_MAX);
  }
}

/* Any device write into a queue's used ring (its device area). */
static size_t used_ring_write(const struct fx *fx, const struct td_ring *r) {
  return log_find(fx, SIM_EV_MEM_WRITE, SIM_ACTOR_DEVICE, r->used,
                  r->used + model_split_used_size(r->size));
}

static void test_2_1_2_1_use_before_driver_ok(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(USE_BEFORE_DRIVER_OK) : 0);
    assert_true((td_negotiate(&fx->world.bus, basic(0)) & VIRTIO_STATUS_FEATURES_OK) != 0);
    uint64_t irqs = fx->world.bus.counters[SIM_CTR_IRQ_SENT];
    queues(fx);
    run(fx); /* no DRIVER_OK */
    /* serviced (its used ring touched) and a used buffer notification */
    if (misbehave)
      assert_true(used_ring_write(fx, &fx->tx) < LOG_MAX);
    else
      assert_int_equal(used_ring_write(fx, &fx->tx), LOG_MAX);
    assert_int_equal(fx->world.bus.counters[SIM_CTR_IRQ_SENT] - irqs, misbehave ? 1u : 0u);
    assert_int_equal(used_ring_write(fx, &fx->rx), LOG_MAX); /* rx is frame driven */
    /* after a reset that followed DRIVER_OK it waits: that is 2.4.1#2's */
    td_driver_ok(&fx->world.bus);
    run(fx);
    assert_true((td_negotiate(&fx->world.bus, basic(0)) & VIRTIO_STATUS_FEATURES_OK) != 0);
    fx->log_count = 0;
    irqs = fx->world.bus.counters[SIM_CTR_IRQ_SENT];
    queues(fx);
    run(fx);
    assert_int_equal(used_ring_write(fx, &fx->tx), LOG_MAX);
    assert_int_equal(fx->world.bus.counters[SIM_CTR_IRQ_SENT], irqs);
  }
}

static void test_2_4_1_2_work_after_reset(void **state) {
  struct fx *fx = *state;
  for (int misbehave = 0; misbehave < 2; misbehave++) {
    start(fx, misbehave ? WITH(WORK_AFTER_RESET) : 0);
    /* before the first DRIVER_OK it waits: that is 2.1.2#1's */
    assert_true((td_negotiate(&fx->world.bus, basic(0)) & VIRTIO_STATUS_FEATURES_OK) != 0);
    queues(fx);
    run(fx);
    assert_int_equal(used_ring_write(fx, &fx->tx), LOG_MAX);
    td_driver_ok(&fx->world.bus);
    run(fx);
    assert_true((td_negotiate(&fx->world.bus, basic(0)) & VIRTIO_STATUS_FEATURES_OK) != 0);
    fx->log_count = 0;
    uint64_t irqs = fx->world.bus.counters[SIM_CTR_IRQ_SENT];
    queues(fx);
    run(fx); /* no DRIVER_OK since the reset */
    if (misbehave)
      assert_true(used_ring_write(fx, &fx->tx) < LOG_MAX);
    else
      assert_int_equal(used_ring_write(fx, &fx->tx), LOG_MAX);
    assert_int_equal(fx->world.bus.counters[SIM_CTR_IRQ_SENT] - irqs, misbehave ? 1u : 0u);
  }
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_misbehave_names_round_trip),
      cmocka_unit_test(test_misbehave_plan_names_all_present),
      cmocka_unit_test(test_misbehave_names_unique_and_kebab_case),
      cmocka_unit_test(test_misbehave_descriptions_one_line_each),
      cmocka_unit_test(test_misbehave_unknown_name_rejected),
      T(test_2_7_8_2_2_used_len_too_big_on_tx),
      T(test_2_7_8_2_1_publish_used_before_elem),
      T(test_2_7_7_2_3_skip_irq_never_notifies),
      T(test_2_7_7_2_2_irq_while_suppressed),
      T(test_2_7_10_2_bad_used_flags),
      T(test_4_2_2_1_1_bad_magic_and_version),
      T(test_2_4_1_1_ignore_reset),
      T(test_4_2_2_1_5_keep_state_on_reset),
      T(test_2_2_2_2_refuse_and_2_2_2_3_accept_any_features),
      T(test_2_2_2_1_offer_without_dependency),
      T(test_6_2_1_no_version_1),
      T(test_5_1_4_1_2_bad_mtu),
      T(test_5_1_9_4_1_rx_header_misbehaviours),
      T(test_5_1_9_4_1_rx_gso_udp_types),
      T(test_5_1_9_3_2_2_rx_spread_without_mrg),
      T(test_2_5_2_1_config_zero_before_features_ok),
      T(test_5_1_4_1_5_rx_oversize),
      T(test_4_2_2_1_6_no_generation_bump),
      T(test_4_2_2_1_4_spurious_isr),
      T(test_4_2_2_1_3_clear_isr_early),
      T(test_2_1_2_3_silent_needs_reset),
      T(test_2_7_5_1_writes_and_reads_where_it_must_not),
      T(test_4_2_2_1_7_touch_unready_queue),
      T(test_2_1_2_1_use_before_driver_ok),
      T(test_2_4_1_2_work_after_reset),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
