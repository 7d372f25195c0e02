/*
 * model/tests/features_test.c: feature names (2.2, 5.1.3, 6) and the
 * dependency rules of 5.1.3.1 (checked by 2.2.1#2 and 2.2.2#1), plus the
 * SHOULD-level pairings of 5.1.4.1#12-13 / 5.1.4.2#13-14. The expected rules
 * are written out here from the spec, independently of model/features.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/virtio.h"

#define VIRTIO_ID_BLOCK 2u

static uint64_t m(unsigned bit) {
  return model_feature_mask(bit);
}

static void test_features_names_round_trip(void **state) {
  (void)state;
  unsigned named = 0;
  for (unsigned bit = 0; bit < 128; bit++) {
    const char *name = model_feature_name(VIRTIO_ID_NET, bit);
    if (name == NULL)
      continue;
    named++;
    unsigned found = 999;
    assert_true(model_feature_lookup(VIRTIO_ID_NET, name, &found));
    assert_int_equal(found, bit);
    const char *tag = strstr(name, "_F_");
    assert_non_null(tag);
    found = 999;
    assert_true(model_feature_lookup(VIRTIO_ID_NET, tag + 3, &found));
    assert_int_equal(found, bit);
  }
  /* 13 reserved bits (incl. SUSPEND) and 42 virtio-net bits */
  assert_int_equal(named, 13 + 42);
}

static void test_features_every_header_constant_is_named(void **state) {
  (void)state;
  static const unsigned bits[] = {
      VIRTIO_F_INDIRECT_DESC,
      VIRTIO_F_EVENT_IDX,
      VIRTIO_F_VERSION_1,
      VIRTIO_F_ACCESS_PLATFORM,
      VIRTIO_F_RING_PACKED,
      VIRTIO_F_IN_ORDER,
      VIRTIO_F_ORDER_PLATFORM,
      VIRTIO_F_SR_IOV,
      VIRTIO_F_NOTIFICATION_DATA,
      VIRTIO_F_NOTIF_CONFIG_DATA,
      VIRTIO_F_RING_RESET,
      VIRTIO_F_ADMIN_VQ,
      VIRTIO_F_SUSPEND,
      VIRTIO_NET_F_CSUM,
      VIRTIO_NET_F_GUEST_CSUM,
      VIRTIO_NET_F_CTRL_GUEST_OFFLOADS,
      VIRTIO_NET_F_MTU,
      VIRTIO_NET_F_MAC,
      VIRTIO_NET_F_GUEST_TSO4,
      VIRTIO_NET_F_GUEST_TSO6,
      VIRTIO_NET_F_GUEST_ECN,
      VIRTIO_NET_F_GUEST_UFO,
      VIRTIO_NET_F_HOST_TSO4,
      VIRTIO_NET_F_HOST_TSO6,
      VIRTIO_NET_F_HOST_ECN,
      VIRTIO_NET_F_HOST_UFO,
      VIRTIO_NET_F_MRG_RXBUF,
      VIRTIO_NET_F_STATUS,
      VIRTIO_NET_F_CTRL_VQ,
      VIRTIO_NET_F_CTRL_RX,
      VIRTIO_NET_F_CTRL_VLAN,
      VIRTIO_NET_F_CTRL_RX_EXTRA,
      VIRTIO_NET_F_GUEST_ANNOUNCE,
      VIRTIO_NET_F_MQ,
      VIRTIO_NET_F_CTRL_MAC_ADDR,
      VIRTIO_NET_F_DEVICE_STATS,
      VIRTIO_NET_F_HASH_TUNNEL,
      VIRTIO_NET_F_VQ_NOTF_COAL,
      VIRTIO_NET_F_NOTF_COAL,
      VIRTIO_NET_F_GUEST_USO4,
      VIRTIO_NET_F_GUEST_USO6,
      VIRTIO_NET_F_HOST_USO,
      VIRTIO_NET_F_HASH_REPORT,
      VIRTIO_NET_F_GUEST_HDRLEN,
      VIRTIO_NET_F_RSS,
      VIRTIO_NET_F_RSC_EXT,
      VIRTIO_NET_F_STANDBY,
      VIRTIO_NET_F_SPEED_DUPLEX,
      VIRTIO_NET_F_RSS_CONTEXT,
      VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO,
      VIRTIO_NET_F_GUEST_UDP_TUNNEL_GSO_CSUM,
      VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO,
      VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO_CSUM,
      VIRTIO_NET_F_OUT_NET_HEADER,
      VIRTIO_NET_F_IPSEC,
  };
  for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
    assert_non_null(model_feature_name(VIRTIO_ID_NET, bits[i]));
}

static void test_features_spec_names(void **state) {
  (void)state;
  assert_string_equal(model_feature_name(VIRTIO_ID_NET, 29), "VIRTIO_F_EVENT_IDX");
  assert_string_equal(model_feature_name(VIRTIO_ID_NET, 5), "VIRTIO_NET_F_MAC");
  assert_string_equal(model_feature_name(VIRTIO_ID_NET, 15), "VIRTIO_NET_F_MRG_RXBUF");
  assert_string_equal(model_feature_name(VIRTIO_ID_NET, 63), "VIRTIO_NET_F_SPEED_DUPLEX");
  /* holes in the numbering have no name */
  assert_null(model_feature_name(VIRTIO_ID_NET, 4));
  assert_null(model_feature_name(VIRTIO_ID_NET, 6));
  assert_null(model_feature_name(VIRTIO_ID_NET, 24));
  assert_null(model_feature_name(VIRTIO_ID_NET, 42));
  assert_null(model_feature_name(VIRTIO_ID_NET, 58));
  assert_null(model_feature_name(VIRTIO_ID_NET, 71));
}

static void test_features_net_names_only_for_net(void **state) {
  (void)state;
  unsigned bit = 999;
  assert_null(model_feature_name(VIRTIO_ID_BLOCK, VIRTIO_NET_F_MAC));
  assert_false(model_feature_lookup(VIRTIO_ID_BLOCK, "MAC", &bit));
  assert_false(model_feature_lookup(VIRTIO_ID_BLOCK, "VIRTIO_NET_F_MAC", &bit));
  /* twin: reserved bits are named for every device type */
  assert_string_equal(model_feature_name(VIRTIO_ID_BLOCK, VIRTIO_F_EVENT_IDX),
                      "VIRTIO_F_EVENT_IDX");
  assert_true(model_feature_lookup(VIRTIO_ID_BLOCK, "EVENT_IDX", &bit));
  assert_int_equal(bit, VIRTIO_F_EVENT_IDX);
}

static void test_features_lookup_short_and_long(void **state) {
  (void)state;
  unsigned bit = 999;
  assert_true(model_feature_lookup(VIRTIO_ID_NET, "EVENT_IDX", &bit));
  assert_int_equal(bit, VIRTIO_F_EVENT_IDX);
  assert_true(model_feature_lookup(VIRTIO_ID_NET, "VIRTIO_F_EVENT_IDX", &bit));
  assert_int_equal(bit, VIRTIO_F_EVENT_IDX);
  assert_true(model_feature_lookup(VIRTIO_ID_NET, "MRG_RXBUF", &bit));
  assert_int_equal(bit, VIRTIO_NET_F_MRG_RXBUF);
  assert_true(model_feature_lookup(VIRTIO_ID_NET, "VIRTIO_NET_F_CSUM", &bit));
  assert_int_equal(bit, VIRTIO_NET_F_CSUM);
  /* GUEST_CSUM must not match CSUM, nor the reverse */
  assert_true(model_feature_lookup(VIRTIO_ID_NET, "GUEST_CSUM", &bit));
  assert_int_equal(bit, VIRTIO_NET_F_GUEST_CSUM);
  /* a caller that only asks whether the name exists */
  assert_true(model_feature_lookup(VIRTIO_ID_NET, "MRG_RXBUF", NULL));
  assert_false(model_feature_lookup(VIRTIO_ID_NET, "NO_SUCH_FEATURE", NULL));
}

static void test_features_lookup_rejects_near_misses(void **state) {
  (void)state;
  unsigned bit = 999;
  assert_false(model_feature_lookup(VIRTIO_ID_NET, "event_idx", &bit)); /* case-sensitive */
  assert_false(model_feature_lookup(VIRTIO_ID_NET, "VIRTIO_NET_F_EVENT_IDX", &bit));
  assert_false(model_feature_lookup(VIRTIO_ID_NET, "VIRTIO_F_MAC", &bit));
  assert_false(model_feature_lookup(VIRTIO_ID_NET, "EVENT_ID", &bit));
  assert_false(model_feature_lookup(VIRTIO_ID_NET, "EVENT_IDX ", &bit));
  assert_false(model_feature_lookup(VIRTIO_ID_NET, "", &bit));
  assert_false(model_feature_lookup(VIRTIO_ID_NET, NULL, &bit));
  assert_int_equal(bit, 999);
}

/* 5.1.3.1, written out from the spec: bit, all of, any of. */
static const struct {
  unsigned bit;
  uint64_t all;
  uint64_t any;
} spec_rules[] = {
    {VIRTIO_NET_F_GUEST_TSO4, 1ull << VIRTIO_NET_F_GUEST_CSUM, 0},
    {VIRTIO_NET_F_GUEST_TSO6, 1ull << VIRTIO_NET_F_GUEST_CSUM, 0},
    {VIRTIO_NET_F_GUEST_ECN, 0,
     (1ull << VIRTIO_NET_F_GUEST_TSO4) | (1ull << VIRTIO_NET_F_GUEST_TSO6)},
    {VIRTIO_NET_F_GUEST_UFO, 1ull << VIRTIO_NET_F_GUEST_CSUM, 0},
    {VIRTIO_NET_F_GUEST_USO4, 1ull << VIRTIO_NET_F_GUEST_CSUM, 0},
    {VIRTIO_NET_F_GUEST_USO6, 1ull << VIRTIO_NET_F_GUEST_CSUM, 0},
    {VIRTIO_NET_F_HOST_TSO4, 1ull << VIRTIO_NET_F_CSUM, 0},
    {VIRTIO_NET_F_HOST_TSO6, 1ull << VIRTIO_NET_F_CSUM, 0},
    {VIRTIO_NET_F_HOST_ECN, 0, (1ull << VIRTIO_NET_F_HOST_TSO4) | (1ull << VIRTIO_NET_F_HOST_TSO6)},
    {VIRTIO_NET_F_HOST_UFO, 1ull << VIRTIO_NET_F_CSUM, 0},
    {VIRTIO_NET_F_HOST_USO, 1ull << VIRTIO_NET_F_CSUM, 0},
    {VIRTIO_NET_F_CTRL_RX, 1ull << VIRTIO_NET_F_CTRL_VQ, 0},
    {VIRTIO_NET_F_CTRL_VLAN, 1ull << VIRTIO_NET_F_CTRL_VQ, 0},
    {VIRTIO_NET_F_GUEST_ANNOUNCE, 1ull << VIRTIO_NET_F_CTRL_VQ, 0},
    {VIRTIO_NET_F_MQ, 1ull << VIRTIO_NET_F_CTRL_VQ, 0},
    {VIRTIO_NET_F_CTRL_MAC_ADDR, 1ull << VIRTIO_NET_F_CTRL_VQ, 0},
    {VIRTIO_NET_F_NOTF_COAL, 1ull << VIRTIO_NET_F_CTRL_VQ, 0},
    {VIRTIO_NET_F_RSC_EXT, 0, (1ull << VIRTIO_NET_F_HOST_TSO4) | (1ull << VIRTIO_NET_F_HOST_TSO6)},
    {VIRTIO_NET_F_RSS, 1ull << VIRTIO_NET_F_CTRL_VQ, 0},
    {VIRTIO_NET_F_VQ_NOTF_COAL, 1ull << VIRTIO_NET_F_CTRL_VQ, 0},
    {VIRTIO_NET_F_HASH_TUNNEL, 1ull << VIRTIO_NET_F_CTRL_VQ,
     (1ull << VIRTIO_NET_F_RSS) | (1ull << VIRTIO_NET_F_HASH_REPORT)},
};
#define SPEC_RULE_COUNT (sizeof spec_rules / sizeof spec_rules[0])

/* The smallest set that satisfies a rule: the bit, its "all" set, one
 * alternative of its "any" set, and whatever those in turn need. */
static uint64_t rule_closure(uint64_t features) {
  for (int round = 0; round < 8; round++) {
    for (size_t i = 0; i < SPEC_RULE_COUNT; i++) {
      if ((features & m(spec_rules[i].bit)) == 0)
        continue;
      features |= spec_rules[i].all;
      if (spec_rules[i].any != 0 && (features & spec_rules[i].any) == 0)
        features |= spec_rules[i].any & (~spec_rules[i].any + 1u); /* lowest alternative */
    }
  }
  return features;
}

static void expect_dep_error(uint64_t features, unsigned want_bit, uint64_t want_missing) {
  unsigned bit = 999;
  uint64_t missing = 0;
  assert_int_equal(model_features_check_deps(VIRTIO_ID_NET, features, &bit, &missing),
                   MODEL_ERR_FEATURE_DEPENDENCY);
  assert_int_equal(bit, want_bit);
  assert_int_equal(missing, want_missing);
}

static void test_2_2_1_2_each_required_feature_present_accepted(void **state) {
  (void)state;
  for (size_t i = 0; i < SPEC_RULE_COUNT; i++) {
    uint64_t features = rule_closure(m(spec_rules[i].bit));
    unsigned bit = 999;
    uint64_t missing = 0;
    assert_int_equal(model_features_check_deps(VIRTIO_ID_NET, features, &bit, &missing), MODEL_OK);
  }
}

static void test_2_2_1_2_each_required_feature_missing_rejected(void **state) {
  (void)state;
  for (size_t i = 0; i < SPEC_RULE_COUNT; i++) {
    /* The bit alone: everything it needs is missing. */
    uint64_t want = spec_rules[i].all | spec_rules[i].any;
    expect_dep_error(m(spec_rules[i].bit), spec_rules[i].bit, want);
    /* Its closure less one "all" bit at a time. */
    for (unsigned b = 0; b < 64; b++) {
      if ((spec_rules[i].all & m(b)) == 0)
        continue;
      uint64_t features = rule_closure(m(spec_rules[i].bit)) & ~m(b);
      unsigned bit = 999;
      uint64_t missing = 0;
      assert_int_equal(model_features_check_deps(VIRTIO_ID_NET, features, &bit, &missing),
                       MODEL_ERR_FEATURE_DEPENDENCY);
      assert_true((missing & m(b)) != 0 || bit != spec_rules[i].bit);
    }
  }
}

static void test_2_2_1_2_any_of_rules_take_each_alternative(void **state) {
  (void)state;
  for (size_t i = 0; i < SPEC_RULE_COUNT; i++) {
    for (unsigned b = 0; b < 64; b++) {
      if ((spec_rules[i].any & m(b)) == 0)
        continue;
      uint64_t features = rule_closure(m(spec_rules[i].bit) | spec_rules[i].all | m(b));
      unsigned bit = 999;
      uint64_t missing = 0;
      assert_int_equal(model_features_check_deps(VIRTIO_ID_NET, features, &bit, &missing),
                       MODEL_OK);
    }
    if (spec_rules[i].any == 0)
      continue;
    /* twin: every "all" bit present, no alternative: missing is the whole set */
    uint64_t features = rule_closure(spec_rules[i].all) | m(spec_rules[i].bit);
    features &= ~spec_rules[i].any;
    expect_dep_error(features, spec_rules[i].bit, spec_rules[i].any);
  }
}

static void test_2_2_1_2_hash_tunnel_needs_ctrl_vq_and_rss_or_hash_report(void **state) {
  (void)state;
  uint64_t ctrl = m(VIRTIO_NET_F_CTRL_VQ);
  uint64_t base = m(VIRTIO_NET_F_HASH_TUNNEL);
  unsigned bit = 0;
  uint64_t missing = 0;
  assert_int_equal(
      model_features_check_deps(VIRTIO_ID_NET, base | ctrl | m(VIRTIO_NET_F_RSS), &bit, &missing),
      MODEL_OK);
  assert_int_equal(model_features_check_deps(
                       VIRTIO_ID_NET, base | ctrl | m(VIRTIO_NET_F_HASH_REPORT), &bit, &missing),
                   MODEL_OK);
  /* twins: no CTRL_VQ (RSS is then broken too, so check the tunnel bit alone
   * with HASH_REPORT, which has no hard rule) */
  expect_dep_error(base | m(VIRTIO_NET_F_HASH_REPORT), VIRTIO_NET_F_HASH_TUNNEL, ctrl);
  expect_dep_error(base | ctrl, VIRTIO_NET_F_HASH_TUNNEL,
                   m(VIRTIO_NET_F_RSS) | m(VIRTIO_NET_F_HASH_REPORT));
}

static void test_features_table_matches_the_spec_list(void **state) {
  (void)state;
  /* Every bit with no rule in 5.1.3.1 is fine alone. */
  for (unsigned b = 0; b < 64; b++) {
    bool has_rule = false;
    for (size_t i = 0; i < SPEC_RULE_COUNT; i++)
      has_rule = has_rule || spec_rules[i].bit == b;
    unsigned bit = 999;
    uint64_t missing = 0;
    model_err want = has_rule ? MODEL_ERR_FEATURE_DEPENDENCY : MODEL_OK;
    assert_int_equal(model_features_check_deps(VIRTIO_ID_NET, m(b), &bit, &missing), want);
  }
}

static void test_features_reserved_bits_depend_on_nothing(void **state) {
  (void)state;
  /* Chapter 6 states no dependency among the reserved bits. */
  uint64_t all = 0;
  for (unsigned b = 24; b < 44; b++)
    all |= m(b);
  unsigned bit = 999;
  uint64_t missing = 0;
  assert_int_equal(model_features_check_deps(VIRTIO_ID_NET, all, &bit, &missing), MODEL_OK);
  assert_int_equal(model_features_check_deps(VIRTIO_ID_BLOCK, ~(uint64_t)0, &bit, &missing),
                   MODEL_OK);
  assert_int_equal(bit, 999);
}

static void test_features_check_tolerates_null_outputs(void **state) {
  (void)state;
  assert_int_equal(model_features_check_deps(VIRTIO_ID_NET, m(VIRTIO_NET_F_MQ), NULL, NULL),
                   MODEL_ERR_FEATURE_DEPENDENCY);
}

static void test_5_1_4_2_13_hash_report_without_ctrl_vq_advised_against(void **state) {
  (void)state;
  unsigned bit = 0;
  uint64_t missing = 0;
  assert_int_equal(
      model_features_check_advised(VIRTIO_ID_NET, m(VIRTIO_NET_F_HASH_REPORT), &bit, &missing),
      MODEL_ERR_FEATURE_DEPENDENCY);
  assert_int_equal(bit, VIRTIO_NET_F_HASH_REPORT);
  assert_int_equal(missing, m(VIRTIO_NET_F_CTRL_VQ));
  const struct model_feature_dep *dep = model_features_unmet_dep(
      VIRTIO_ID_NET, m(VIRTIO_NET_F_HASH_REPORT), MODEL_FEATURE_DEP_ADVISED);
  assert_non_null(dep);
  assert_string_equal(dep->driver_clause, "5.1.4.2#13");
  assert_string_equal(dep->device_clause, "5.1.4.1#12");
  /* twin */
  assert_int_equal(
      model_features_check_advised(
          VIRTIO_ID_NET, m(VIRTIO_NET_F_HASH_REPORT) | m(VIRTIO_NET_F_CTRL_VQ), &bit, &missing),
      MODEL_OK);
  /* advice is not a hard rule */
  assert_int_equal(
      model_features_check_deps(VIRTIO_ID_NET, m(VIRTIO_NET_F_HASH_REPORT), &bit, &missing),
      MODEL_OK);
}

static void test_5_1_4_2_14_ctrl_rx_extra_without_ctrl_vq_advised_against(void **state) {
  (void)state;
  const struct model_feature_dep *dep = model_features_unmet_dep(
      VIRTIO_ID_NET, m(VIRTIO_NET_F_CTRL_RX_EXTRA), MODEL_FEATURE_DEP_ADVISED);
  assert_non_null(dep);
  assert_int_equal(dep->bit, VIRTIO_NET_F_CTRL_RX_EXTRA);
  assert_string_equal(dep->driver_clause, "5.1.4.2#14");
  assert_string_equal(dep->device_clause, "5.1.4.1#13");
  assert_null(model_features_unmet_dep(VIRTIO_ID_NET,
                                       m(VIRTIO_NET_F_CTRL_RX_EXTRA) | m(VIRTIO_NET_F_CTRL_VQ),
                                       MODEL_FEATURE_DEP_ADVISED));
}

static void test_2_2_2_1_required_rules_name_their_clauses(void **state) {
  (void)state;
  const struct model_feature_dep *dep =
      model_features_unmet_dep(VIRTIO_ID_NET, m(VIRTIO_NET_F_MQ), MODEL_FEATURE_DEP_REQUIRED);
  assert_non_null(dep);
  assert_string_equal(dep->driver_clause, "2.2.1#2");
  assert_string_equal(dep->device_clause, "2.2.2#1");
}

static void test_features_pci_only_bits(void **state) {
  (void)state;
  assert_true(model_feature_is_pci_only(VIRTIO_F_SR_IOV));
  assert_true(model_feature_is_pci_only(VIRTIO_F_ADMIN_VQ));
  assert_false(model_feature_is_pci_only(VIRTIO_F_NOTIFICATION_DATA));
  assert_false(model_feature_is_pci_only(VIRTIO_F_RING_RESET));
  assert_false(model_feature_is_pci_only(VIRTIO_NET_F_MAC));
}

static void test_features_mask_is_zero_at_64_and_above(void **state) {
  (void)state;
  assert_int_equal(model_feature_mask(63), (uint64_t)1 << 63);
  assert_int_equal(model_feature_mask(64), 0);
  assert_false(model_features_has(~(uint64_t)0, VIRTIO_NET_F_HOST_UDP_TUNNEL_GSO));
  assert_true(model_features_has(~(uint64_t)0, VIRTIO_NET_F_SPEED_DUPLEX));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_features_names_round_trip),
      cmocka_unit_test(test_features_every_header_constant_is_named),
      cmocka_unit_test(test_features_spec_names),
      cmocka_unit_test(test_features_net_names_only_for_net),
      cmocka_unit_test(test_features_lookup_short_and_long),
      cmocka_unit_test(test_features_lookup_rejects_near_misses),
      cmocka_unit_test(test_2_2_1_2_each_required_feature_present_accepted),
      cmocka_unit_test(test_2_2_1_2_each_required_feature_missing_rejected),
      cmocka_unit_test(test_2_2_1_2_any_of_rules_take_each_alternative),
      cmocka_unit_test(test_2_2_1_2_hash_tunnel_needs_ctrl_vq_and_rss_or_hash_report),
      cmocka_unit_test(test_features_table_matches_the_spec_list),
      cmocka_unit_test(test_features_reserved_bits_depend_on_nothing),
      cmocka_unit_test(test_features_check_tolerates_null_outputs),
      cmocka_unit_test(test_5_1_4_2_13_hash_report_without_ctrl_vq_advised_against),
      cmocka_unit_test(test_5_1_4_2_14_ctrl_rx_extra_without_ctrl_vq_advised_against),
      cmocka_unit_test(test_2_2_2_1_required_rules_name_their_clauses),
      cmocka_unit_test(test_features_pci_only_bits),
      cmocka_unit_test(test_features_mask_is_zero_at_64_and_above),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
