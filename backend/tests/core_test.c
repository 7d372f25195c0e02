/*
 * backend/tests/core_test.c: the generic device (backend/core.h) with a
 * stub device type: status semantics, feature negotiation and its refusals,
 * reset, DEVICE_NEEDS_RESET and its notification, the DRIVER_OK gate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend/core.h"
#include "dev_test_driver.h"
#include "model/mmio.h"
#include "model/packed.h"

#define QSIZE 8u

struct fx {
  struct sim_world world;
  struct dev_core core;
  int resets, driver_oks, notifies, queue_resets;
  int last_notify;
  uint32_t irqs_delivered;
};

static void stub_notify(void *ctx, uint16_t index) {
  struct fx *fx = ctx;
  fx->notifies++;
  fx->last_notify = index;
}
static void stub_reset(void *ctx) {
  ((struct fx *)ctx)->resets++;
}
static void stub_driver_ok(void *ctx) {
  ((struct fx *)ctx)->driver_oks++;
}
static void stub_queue_reset(void *ctx, uint16_t index) {
  (void)index;
  ((struct fx *)ctx)->queue_resets++;
}

static const struct dev_core_ops stub_ops = {
    .queue_notify = stub_notify,
    .reset = stub_reset,
    .driver_ok = stub_driver_ok,
    .queue_reset = stub_queue_reset,
};

static void on_irq(void *ctx) {
  ((struct fx *)ctx)->irqs_delivered++;
}

static uint64_t offered(void) {
  static const unsigned bits[] = {VIRTIO_F_VERSION_1,   VIRTIO_F_EVENT_IDX, VIRTIO_NET_F_CTRL_VQ,
                                  VIRTIO_NET_F_CTRL_RX, VIRTIO_NET_F_MAC,   VIRTIO_F_RING_RESET};
  return td_features(bits, sizeof(bits) / sizeof(bits[0]));
}

static int setup(void **state) {
  struct fx *fx = calloc(1, sizeof(*fx));
  assert_non_null(fx);
  td_world_init(&fx->world);
  struct dev_core_config cfg = {
      .device_id = VIRTIO_ID_NET,
      .vendor_id = 0x4d495356u,
      .features_offered = offered(),
      .queue_count = 2,
      .queue_size_max = QSIZE,
  };
  assert_int_equal(dev_core_init(&fx->core, &fx->world.bus, &cfg, &stub_ops, fx), MODEL_OK);
  sim_bus_attach_driver(&fx->world.bus, on_irq, fx);
  *state = fx;
  return 0;
}

static int teardown(void **state) {
  struct fx *fx = *state;
  dev_core_fini(&fx->core);
  sim_world_fini(&fx->world);
  free(fx);
  return 0;
}

static void write_features(struct fx *fx, uint64_t features) {
  dev_core_write_driver_features_word(&fx->core, 0, (uint32_t)features);
  dev_core_write_driver_features_word(&fx->core, 1, (uint32_t)(features >> 32));
}

/* ACKNOWLEDGE, DRIVER, features, FEATURES_OK; returns the status after. */
static uint8_t negotiate(struct fx *fx, uint64_t features) {
  assert_int_equal(dev_core_write_status(&fx->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(
      dev_core_write_status(&fx->core, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER), MODEL_OK);
  write_features(fx, features);
  assert_int_equal(dev_core_write_status(&fx->core, VIRTIO_STATUS_ACKNOWLEDGE |
                                                        VIRTIO_STATUS_DRIVER |
                                                        VIRTIO_STATUS_FEATURES_OK),
                   MODEL_OK);
  return dev_core_status(&fx->core);
}

static const uint8_t ALL_OK = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                              VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;

static void go_live(struct fx *fx, uint64_t features) {
  assert_true((negotiate(fx, features) & VIRTIO_STATUS_FEATURES_OK) != 0);
  assert_int_equal(dev_core_write_status(&fx->core, ALL_OK), MODEL_OK);
  assert_true(dev_core_is_live(&fx->core));
}

/* Queue 0 ready on the driver's ring layout of td_ring_layout(0). */
static void enable_queue0(struct fx *fx, struct td_ring *r) {
  td_ring_layout(r, 0, QSIZE);
  struct dev_vq *vq = dev_core_vq(&fx->core, 0);
  assert_int_equal(dev_vq_set_size(vq, QSIZE), MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(vq, DEV_VQ_AREA_DESC, false, (uint32_t)r->desc), MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(vq, DEV_VQ_AREA_DRIVER, false, (uint32_t)r->avail),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(vq, DEV_VQ_AREA_DEVICE, false, (uint32_t)r->used),
                   MODEL_OK);
  assert_int_equal(dev_core_queue_enable(&fx->core, 0), MODEL_OK);
}

/* Make queue 0 hit a violation: a head out of range. */
static void break_queue0(struct fx *fx) {
  struct td_ring r;
  enable_queue0(fx, &r);
  td_avail_add(&fx->world.bus, &r, QSIZE);
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(dev_core_vq(&fx->core, 0), &chain), MODEL_ERR_RING_HEAD_RANGE);
}

static uint64_t version_1(void) {
  return model_feature_mask(VIRTIO_F_VERSION_1);
}

/* ---- feature negotiation (2.2.2#2: accept a valid subset; #3: refuse others) ---- */

static void test_2_2_2_2_features_ok_kept_for_valid_subset(void **state) {
  struct fx *fx = *state;
  uint64_t f = version_1() | model_feature_mask(VIRTIO_NET_F_CTRL_VQ) |
               model_feature_mask(VIRTIO_NET_F_CTRL_RX) | model_feature_mask(VIRTIO_F_EVENT_IDX);
  assert_true((negotiate(fx, f) & VIRTIO_STATUS_FEATURES_OK) != 0);
  assert_int_equal(dev_core_features(&fx->core), f);
  assert_int_equal(fx->core.features_verdict, MODEL_OK);
  assert_int_equal(dev_core_vq(&fx->core, 1)->features, f);
}

static void test_2_2_2_3_features_ok_refused_unoffered(void **state) {
  struct fx *fx = *state;
  uint64_t f = version_1() | model_feature_mask(VIRTIO_NET_F_CSUM);
  assert_false((negotiate(fx, f) & VIRTIO_STATUS_FEATURES_OK) != 0);
  assert_int_equal(fx->core.features_verdict, MODEL_ERR_FEATURE_UNOFFERED);
  assert_int_equal(fx->core.features_bad_bit, VIRTIO_NET_F_CSUM);
  assert_int_equal(dev_core_features(&fx->core), 0);
  assert_int_equal(dev_core_status(&fx->core), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
}

static void test_2_2_2_3_features_ok_refused_above_bit_63(void **state) {
  struct fx *fx = *state;
  dev_core_write_driver_features_word(&fx->core, 2, 1u);
  assert_false((negotiate(fx, version_1()) & VIRTIO_STATUS_FEATURES_OK) != 0);
  assert_int_equal(fx->core.features_verdict, MODEL_ERR_FEATURE_UNOFFERED);
}

static void test_2_2_2_3_features_ok_refused_missing_dependency(void **state) {
  struct fx *fx = *state;
  uint64_t f = version_1() | model_feature_mask(VIRTIO_NET_F_CTRL_RX); /* needs CTRL_VQ */
  assert_false((negotiate(fx, f) & VIRTIO_STATUS_FEATURES_OK) != 0);
  assert_int_equal(fx->core.features_verdict, MODEL_ERR_FEATURE_DEPENDENCY);
  assert_int_equal(fx->core.features_bad_bit, VIRTIO_NET_F_CTRL_RX);
}

static void test_2_2_2_3_features_ok_refused_without_version_1(void **state) {
  struct fx *fx = *state;
  assert_false((negotiate(fx, model_feature_mask(VIRTIO_NET_F_MAC)) & VIRTIO_STATUS_FEATURES_OK) !=
               0);
  assert_int_equal(fx->core.features_verdict, MODEL_ERR_FEATURE_REQUIRED);
  assert_int_equal(fx->core.features_bad_bit, VIRTIO_F_VERSION_1);
}

static void test_3_1_1_3_features_frozen_after_features_ok(void **state) {
  struct fx *fx = *state;
  negotiate(fx, version_1());
  write_features(fx, version_1() | model_feature_mask(VIRTIO_NET_F_MAC));
  assert_int_equal(dev_core_features(&fx->core), version_1());
}

static void test_core_device_features_words(void **state) {
  struct fx *fx = *state;
  assert_int_equal(dev_core_device_features_word(&fx->core, 0), (uint32_t)offered());
  assert_int_equal(dev_core_device_features_word(&fx->core, 1), (uint32_t)(offered() >> 32));
  assert_int_equal(dev_core_device_features_word(&fx->core, 2), 0);
}

/* ---- status ---- */

static void test_2_1_1_2_status_bit_cleared_refused(void **state) {
  struct fx *fx = *state;
  negotiate(fx, version_1());
  assert_int_equal(dev_core_write_status(&fx->core, VIRTIO_STATUS_ACKNOWLEDGE),
                   MODEL_ERR_STATUS_TRANSITION);
  assert_int_equal(dev_core_status(&fx->core),
                   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
}

static void test_2_1_1_2_needs_reset_bit_alone_refused(void **state) {
  struct fx *fx = *state;
  negotiate(fx, version_1());
  int resets = fx->resets;
  /* Only the device's bit: not a reset (a write of 0 is), and it would clear
   * every bit the driver set. */
  assert_int_equal(dev_core_write_status(&fx->core, VIRTIO_STATUS_DEVICE_NEEDS_RESET),
                   MODEL_ERR_STATUS_TRANSITION);
  assert_int_equal(dev_core_status(&fx->core),
                   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
  assert_int_equal(dev_core_features(&fx->core), version_1());
  assert_int_equal(fx->resets, resets);
}

static void test_core_needs_reset_bit_alone_on_reset_device_changes_nothing(void **state) {
  struct fx *fx = *state;
  /* The twin: from status 0 the same write rewrites the current value. */
  assert_int_equal(dev_core_write_status(&fx->core, VIRTIO_STATUS_DEVICE_NEEDS_RESET), MODEL_OK);
  assert_int_equal(dev_core_status(&fx->core), 0);
}

static void test_3_1_1_1_driver_ok_after_features_ok(void **state) {
  struct fx *fx = *state;
  go_live(fx, version_1());
  assert_int_equal(fx->driver_oks, 1);
}

static void test_3_1_1_1_driver_ok_without_features_ok_refused(void **state) {
  struct fx *fx = *state;
  assert_int_equal(dev_core_write_status(&fx->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(
      dev_core_write_status(&fx->core, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER), MODEL_OK);
  assert_int_equal(dev_core_write_status(&fx->core, VIRTIO_STATUS_ACKNOWLEDGE |
                                                        VIRTIO_STATUS_DRIVER |
                                                        VIRTIO_STATUS_DRIVER_OK),
                   MODEL_ERR_STATUS_TRANSITION);
  assert_false(dev_core_is_live(&fx->core));
  assert_int_equal(fx->driver_oks, 0);
}

static void test_2_4_1_1_reset_clears_everything(void **state) {
  struct fx *fx = *state;
  go_live(fx, version_1() | model_feature_mask(VIRTIO_F_EVENT_IDX));
  break_queue0(fx);
  dev_core_raise_used_irq(&fx->core);
  assert_true(dev_core_isr(&fx->core) != 0);
  uint64_t resets = fx->world.bus.counters[SIM_CTR_RESETS];
  assert_int_equal(dev_core_write_status(&fx->core, 0), MODEL_OK);
  assert_int_equal(dev_core_status(&fx->core), 0);
  assert_int_equal(dev_core_features(&fx->core), 0);
  assert_int_equal(fx->core.features_driver, 0);
  assert_int_equal(dev_core_isr(&fx->core), 0); /* 4.2.2.1#5 */
  assert_int_equal(fx->core.violation.err, MODEL_OK);
  for (uint32_t i = 0; i < 2; i++) {
    const struct dev_vq *vq = dev_core_vq_const(&fx->core, i);
    assert_false(vq->ready);
    assert_false(vq->broken);
    assert_int_equal(vq->last_avail_idx, 0);
    assert_int_equal(vq->used_idx, 0);
  }
  assert_int_equal(fx->world.bus.counters[SIM_CTR_RESETS], resets + 1u);
  assert_int_equal(fx->resets, 1);
  /* The same features negotiate again (2.2.2#5). */
  go_live(fx, version_1() | model_feature_mask(VIRTIO_F_EVENT_IDX));
}

/* ---- DEVICE_NEEDS_RESET (2.1.2#2, #3) ---- */

static void test_2_1_2_3_needs_reset_sends_config_change(void **state) {
  struct fx *fx = *state;
  go_live(fx, version_1());
  uint32_t gen = fx->core.config_generation;
  uint64_t irqs = fx->world.bus.counters[SIM_CTR_IRQ_SENT];
  break_queue0(fx);
  assert_true((dev_core_status(&fx->core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0);
  assert_false(dev_core_is_live(&fx->core));
  assert_int_equal(fx->core.violation.err, MODEL_ERR_RING_HEAD_RANGE);
  assert_int_equal(fx->core.violation_queue, 0);
  assert_int_equal(dev_core_isr(&fx->core), MODEL_MMIO_INT_CONFIG);
  assert_int_equal(fx->core.config_generation, gen + 1u);
  assert_int_equal(fx->world.bus.counters[SIM_CTR_IRQ_SENT], irqs + 1u);
  assert_int_equal(fx->world.bus.counters[SIM_CTR_CONFIG_IRQ], 1);
  sim_world_run(&fx->world, UINT64_MAX, 100);
  assert_int_equal(fx->irqs_delivered, 1);
}

static void test_2_1_2_2_descriptor_loop_sets_needs_reset(void **state) {
  struct fx *fx = *state;
  struct sim_bus *bus = &fx->world.bus;
  go_live(fx, version_1());
  struct td_ring r;
  enable_queue0(fx, &r);
  for (uint16_t i = 0; i < QSIZE; i++)
    td_desc(bus, &r, i, TD_BUF_BASE, 8, VIRTQ_DESC_F_NEXT, (uint16_t)((i + 1u) % QSIZE));
  td_avail_add(bus, &r, 0);
  struct dev_chain chain;
  assert_int_equal(dev_vq_pop(dev_core_vq(&fx->core, 0), &chain), MODEL_ERR_RING_LOOP);
  assert_true((dev_core_status(&fx->core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0);
  assert_int_equal(fx->core.violation.err, MODEL_ERR_RING_LOOP);
  assert_int_equal(dev_core_isr(&fx->core), MODEL_MMIO_INT_CONFIG);
}

static void test_2_1_2_3_needs_reset_before_driver_ok_no_notification(void **state) {
  struct fx *fx = *state;
  struct dev_violation why = {.err = MODEL_ERR_NET_HDR, .clause = "test"};
  dev_core_needs_reset(&fx->core, -1, &why);
  assert_true((dev_core_status(&fx->core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0);
  assert_int_equal(dev_core_isr(&fx->core), 0);
  assert_int_equal(fx->world.bus.counters[SIM_CTR_IRQ_SENT], 0);
}

static void test_core_needs_reset_survives_driver_status_write(void **state) {
  struct fx *fx = *state;
  go_live(fx, version_1());
  break_queue0(fx);
  /* The driver gives up without echoing the device's bit. */
  assert_int_equal(dev_core_write_status(&fx->core, ALL_OK | VIRTIO_STATUS_FAILED), MODEL_OK);
  assert_int_equal(dev_core_status(&fx->core),
                   ALL_OK | VIRTIO_STATUS_FAILED | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
  /* A second violation is not reported again. */
  uint64_t irqs = fx->world.bus.counters[SIM_CTR_IRQ_SENT];
  struct dev_violation why = {.err = MODEL_ERR_NET_HDR, .clause = "test"};
  dev_core_needs_reset(&fx->core, -1, &why);
  assert_int_equal(fx->world.bus.counters[SIM_CTR_IRQ_SENT], irqs);
  assert_int_equal(fx->core.violation.err, MODEL_ERR_RING_HEAD_RANGE);
}

/* ---- the DRIVER_OK gate (2.1.2#1) ---- */

static void test_2_1_2_1_nothing_before_driver_ok(void **state) {
  struct fx *fx = *state;
  negotiate(fx, version_1());
  dev_core_notify(&fx->core, 0);
  assert_int_equal(fx->notifies, 0);
  dev_core_raise_used_irq(&fx->core);
  assert_int_equal(dev_core_isr(&fx->core), 0);
  assert_int_equal(fx->world.bus.counters[SIM_CTR_IRQ_SENT], 0);
}

static void test_2_1_2_1_notify_and_irq_when_live(void **state) {
  struct fx *fx = *state;
  go_live(fx, version_1());
  dev_core_notify(&fx->core, 1);
  assert_int_equal(fx->notifies, 1);
  assert_int_equal(fx->last_notify, 1);
  dev_core_notify(&fx->core, 2); /* no such queue: ignored (2.7.10.2#3) */
  assert_int_equal(fx->notifies, 1);
  dev_core_raise_used_irq(&fx->core);
  assert_int_equal(dev_core_isr(&fx->core), MODEL_MMIO_INT_VRING);
  dev_core_isr_ack(&fx->core, MODEL_MMIO_INT_VRING | 0x80u);
  assert_int_equal(dev_core_isr(&fx->core), 0);
}

static void test_4_2_2_1_6_config_change_new_generation(void **state) {
  struct fx *fx = *state;
  uint32_t gen = fx->core.config_generation;
  dev_core_config_changed(&fx->core);
  assert_int_equal(fx->core.config_generation, gen + 1u);
  assert_int_equal(dev_core_isr(&fx->core), 0); /* not DRIVER_OK: no notification */
  go_live(fx, version_1());
  dev_core_config_changed(&fx->core);
  assert_int_equal(dev_core_isr(&fx->core), MODEL_MMIO_INT_CONFIG);
}

static void test_2_6_1_1_1_queue_reset(void **state) {
  struct fx *fx = *state;
  go_live(fx, version_1() | model_feature_mask(VIRTIO_F_RING_RESET));
  struct td_ring r;
  enable_queue0(fx, &r);
  assert_int_equal(dev_core_queue_reset(&fx->core, 0), MODEL_OK);
  assert_false(dev_core_vq(&fx->core, 0)->ready);
  assert_int_equal(fx->queue_resets, 1);
  assert_int_equal(dev_core_queue_reset(&fx->core, 5), MODEL_ERR_QUEUE_INDEX);
}

/* ---- configuration, hooks and misbehaviours at their edges ---- */

static void test_core_init_refuses_bad_config(void **state) {
  struct fx *fx = *state;
  struct dev_core core;
  struct dev_core_config cfg = {.device_id = VIRTIO_ID_NET,
                                .features_offered = offered(),
                                .queue_count = 2,
                                .queue_size_max = QSIZE};
  assert_int_equal(dev_core_init(&core, NULL, &cfg, &stub_ops, fx), MODEL_ERR_INVALID_ARG);
  assert_int_equal(dev_core_init(&core, &fx->world.bus, NULL, &stub_ops, fx),
                   MODEL_ERR_INVALID_ARG);
  assert_int_equal(dev_core_init(&core, &fx->world.bus, &cfg, NULL, fx), MODEL_ERR_INVALID_ARG);
  cfg.queue_count = 0;
  assert_int_equal(dev_core_init(&core, &fx->world.bus, &cfg, &stub_ops, fx),
                   MODEL_ERR_INVALID_ARG);
  cfg.queue_count = 2;
  cfg.queue_size_max = 3; /* not a split queue size */
  assert_int_equal(dev_core_init(&core, &fx->world.bus, &cfg, &stub_ops, fx),
                   MODEL_ERR_INVALID_ARG);
  assert_null(core.vqs);
  dev_core_fini(&core); /* a failed init leaves nothing to free */
  assert_null(core.vqs);
}

/* A zero DriverFeatures word above 1 says nothing: FEATURES_OK is kept. */
static void test_core_zero_features_word_above_63_ignored(void **state) {
  struct fx *fx = *state;
  assert_int_equal(dev_core_write_status(&fx->core, VIRTIO_STATUS_ACKNOWLEDGE), MODEL_OK);
  assert_int_equal(
      dev_core_write_status(&fx->core, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER), MODEL_OK);
  write_features(fx, version_1());
  dev_core_write_driver_features_word(&fx->core, 2, 0);
  assert_int_equal(dev_core_write_status(&fx->core, VIRTIO_STATUS_ACKNOWLEDGE |
                                                        VIRTIO_STATUS_DRIVER |
                                                        VIRTIO_STATUS_FEATURES_OK),
                   MODEL_OK);
  assert_true((dev_core_status(&fx->core) & VIRTIO_STATUS_FEATURES_OK) != 0);
  assert_false(fx->core.features_driver_high);
}

/* refuse-features and refuse-after-reset refuse a valid set; an invalid
 * one is refused for its own reason, which the verdict keeps. */
static void test_2_2_2_misbehaving_refusals_keep_the_real_reason(void **state) {
  struct fx *fx = *state;
  uint64_t unoffered = version_1() | model_feature_mask(VIRTIO_F_INDIRECT_DESC);
  fx->core.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_REFUSE_FEATURES);
  assert_int_equal(negotiate(fx, unoffered) & VIRTIO_STATUS_FEATURES_OK, 0);
  assert_int_equal(fx->core.features_verdict, MODEL_ERR_FEATURE_UNOFFERED);
  assert_int_equal(fx->core.features_bad_bit, VIRTIO_F_INDIRECT_DESC);
  assert_int_equal(dev_core_write_status(&fx->core, 0), MODEL_OK);
  assert_int_equal(negotiate(fx, version_1()) & VIRTIO_STATUS_FEATURES_OK, 0);
  assert_int_equal(fx->core.features_verdict, MODEL_ERR_FEATURE_REJECTED);
  /* refuse-after-reset: the first valid set is kept, then an invalid one
   * after a reset is refused as unoffered, a valid one as rejected. */
  fx->core.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_REFUSE_AFTER_RESET);
  assert_int_equal(dev_core_write_status(&fx->core, 0), MODEL_OK);
  assert_false(fx->core.features_ok_kept);
  assert_true((negotiate(fx, version_1()) & VIRTIO_STATUS_FEATURES_OK) != 0);
  assert_int_equal(dev_core_write_status(&fx->core, 0), MODEL_OK);
  assert_int_equal(negotiate(fx, unoffered) & VIRTIO_STATUS_FEATURES_OK, 0);
  assert_int_equal(fx->core.features_verdict, MODEL_ERR_FEATURE_UNOFFERED);
  assert_int_equal(dev_core_write_status(&fx->core, 0), MODEL_OK);
  assert_int_equal(negotiate(fx, version_1()) & VIRTIO_STATUS_FEATURES_OK, 0);
  assert_int_equal(fx->core.features_verdict, MODEL_ERR_FEATURE_REJECTED);
}

/* The device's reads of guest memory, for the misbehaviour below. */
struct read_log {
  uint64_t addr[8];
  model_err result[8];
  unsigned count;
};

static void log_device_reads(void *ctx, const struct sim_bus_event *ev) {
  struct read_log *l = ctx;
  if (ev->kind != SIM_EV_MEM_READ || ev->actor != SIM_ACTOR_DEVICE || l->count >= 8u)
    return;
  l->addr[l->count] = ev->addr;
  l->result[l->count++] = ev->result;
}

/* touch-unready-queue (4.2.2.1#7): the available idx of a queue not yet
 * ready is read at QueueReady = 1, even where the driver area is not
 * mapped (the read fails, the enable goes on to refuse the layout); a
 * queue already ready is not read. */
static void test_4_2_2_1_7_touch_unready_queue_edges(void **state) {
  struct fx *fx = *state;
  struct read_log l = {0};
  assert_int_equal(sim_bus_add_observer(&fx->world.bus, log_device_reads, &l), MODEL_OK);
  fx->core.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_TOUCH_UNREADY_QUEUE);
  assert_int_equal(dev_core_queue_enable(&fx->core, 1), MODEL_ERR_QUEUE_LAYOUT);
  assert_int_equal(l.count, 1);
  assert_int_equal(l.addr[0], MODEL_SPLIT_AVAIL_OFF_IDX); /* driver area still 0 */
  assert_int_not_equal(l.result[0], MODEL_OK);
  struct td_ring r;
  enable_queue0(fx, &r);
  assert_int_equal(l.count, 2);
  assert_int_equal(l.addr[1], r.avail + MODEL_SPLIT_AVAIL_OFF_IDX);
  assert_int_equal(l.result[1], MODEL_OK);
  assert_int_equal(dev_core_queue_enable(&fx->core, 0), MODEL_OK); /* ready: no read */
  assert_int_equal(l.count, 2);
  assert_int_equal(dev_core_queue_enable(&fx->core, 2), MODEL_ERR_QUEUE_INDEX);
}

/* clear-isr-early (4.2.2.1#3) on a configuration change: the interrupt
 * goes out with the bit, which is then already clear. */
static void test_4_2_2_1_3_clear_isr_early_config_change(void **state) {
  struct fx *fx = *state;
  go_live(fx, version_1());
  fx->core.misbehave = dev_misbehave_mask(DEV_MISBEHAVE_CLEAR_ISR_EARLY);
  dev_core_config_changed(&fx->core);
  assert_int_equal(fx->world.bus.counters[SIM_CTR_CONFIG_IRQ], 1);
  assert_int_equal(dev_core_isr(&fx->core) & MODEL_MMIO_INT_CONFIG, 0);
}

/* DEVICE_NEEDS_RESET without a recorded reason (or one without a clause):
 * the status shows it, nothing is recorded. */
static void test_2_1_2_2_needs_reset_without_a_reason(void **state) {
  struct fx *fx = *state;
  go_live(fx, version_1());
  dev_core_needs_reset(&fx->core, -1, NULL);
  assert_true((dev_core_status(&fx->core) & VIRTIO_STATUS_DEVICE_NEEDS_RESET) != 0);
  assert_int_equal(fx->core.violation.err, MODEL_OK);
  assert_int_equal(fx->world.bus.counters[SIM_CTR_CONFIG_IRQ], 1);
  assert_int_equal(dev_core_write_status(&fx->core, 0), MODEL_OK);
  go_live(fx, version_1());
  struct dev_violation why = {.err = MODEL_ERR_NET_HDR};
  dev_core_needs_reset(&fx->core, 1, &why);
  assert_int_equal(fx->core.violation.err, MODEL_ERR_NET_HDR);
  assert_null(fx->core.violation.clause);
  assert_int_equal(fx->core.violation_queue, 1);
}

/* A packed queue with EVENT_IDX writes its device event structure at
 * DRIVER_OK; if that write fails the queue breaks (DEVICE_NEEDS_RESET,
 * 2.8.10) and DRIVER_OK still takes effect. */
static void test_2_1_2_2_queue_setup_fault_at_driver_ok(void **state) {
  struct fx *fx = *state;
  dev_core_fini(&fx->core);
  struct dev_core_config cfg = {
      .device_id = VIRTIO_ID_NET,
      .features_offered = offered() | model_feature_mask(VIRTIO_F_RING_PACKED),
      .queue_count = 2,
      .queue_size_max = QSIZE,
  };
  assert_int_equal(dev_core_init(&fx->core, &fx->world.bus, &cfg, &stub_ops, fx), MODEL_OK);
  uint64_t features = version_1() | model_feature_mask(VIRTIO_F_RING_PACKED) |
                      model_feature_mask(VIRTIO_F_EVENT_IDX);
  assert_true((negotiate(fx, features) & VIRTIO_STATUS_FEATURES_OK) != 0);
  const uint64_t ring = 0x10400000u;
  const uint64_t dev_area = ring + model_packed_ring_size(QSIZE) + MODEL_PACKED_EVENT_SIZE;
  struct dev_vq *vq = dev_core_vq(&fx->core, 0);
  assert_int_equal(dev_vq_set_addr_half(vq, DEV_VQ_AREA_DESC, false, (uint32_t)ring), MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(vq, DEV_VQ_AREA_DRIVER, false,
                                        (uint32_t)(ring + model_packed_ring_size(QSIZE))),
                   MODEL_OK);
  assert_int_equal(dev_vq_set_addr_half(vq, DEV_VQ_AREA_DEVICE, false, (uint32_t)dev_area),
                   MODEL_OK);
  assert_int_equal(dev_core_queue_enable(&fx->core, 0), MODEL_OK);
  struct sim_fault_rule rule = {
      .kind = SIM_FAULT_MEM_FAIL,
      .actor = SIM_ACTOR_DEVICE,
      .access = SIM_FAULT_ACCESS_WRITE,
      .addr_lo = dev_area,
      .addr_hi = dev_area + MODEL_PACKED_EVENT_SIZE,
      .prob_ppm = SIM_PPM_ONE,
  };
  assert_int_equal(sim_world_add_fault(&fx->world, &rule), MODEL_OK);
  assert_int_equal(dev_core_write_status(&fx->core, ALL_OK), MODEL_OK);
  assert_true(dev_vq_is_broken(vq));
  assert_int_equal(fx->core.violation.err, MODEL_ERR_MEM_FAULT);
  assert_string_equal(fx->core.violation.clause, "2.8.10");
  assert_int_equal(fx->core.violation_queue, 0);
  assert_true((dev_core_status(&fx->core) & VIRTIO_STATUS_DRIVER_OK) != 0);
  assert_int_equal(fx->driver_oks, 1);
  assert_false(dev_core_is_live(&fx->core));
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_2_2_2_2_features_ok_kept_for_valid_subset),
      T(test_2_2_2_3_features_ok_refused_unoffered),
      T(test_2_2_2_3_features_ok_refused_above_bit_63),
      T(test_2_2_2_3_features_ok_refused_missing_dependency),
      T(test_2_2_2_3_features_ok_refused_without_version_1),
      T(test_3_1_1_3_features_frozen_after_features_ok),
      T(test_core_device_features_words),
      T(test_2_1_1_2_status_bit_cleared_refused),
      T(test_2_1_1_2_needs_reset_bit_alone_refused),
      T(test_core_needs_reset_bit_alone_on_reset_device_changes_nothing),
      T(test_3_1_1_1_driver_ok_after_features_ok),
      T(test_3_1_1_1_driver_ok_without_features_ok_refused),
      T(test_2_4_1_1_reset_clears_everything),
      T(test_2_1_2_3_needs_reset_sends_config_change),
      T(test_2_1_2_2_descriptor_loop_sets_needs_reset),
      T(test_2_1_2_3_needs_reset_before_driver_ok_no_notification),
      T(test_core_needs_reset_survives_driver_status_write),
      T(test_2_1_2_1_nothing_before_driver_ok),
      T(test_2_1_2_1_notify_and_irq_when_live),
      T(test_4_2_2_1_6_config_change_new_generation),
      T(test_2_6_1_1_1_queue_reset),
      T(test_core_init_refuses_bad_config),
      T(test_core_zero_features_word_above_63_ignored),
      T(test_2_2_2_misbehaving_refusals_keep_the_real_reason),
      T(test_4_2_2_1_7_touch_unready_queue_edges),
      T(test_4_2_2_1_3_clear_isr_early_config_change),
      T(test_2_1_2_2_needs_reset_without_a_reason),
      T(test_2_1_2_2_queue_setup_fault_at_driver_ok),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
