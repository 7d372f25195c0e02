/*
 * scenarios/tests/parse_test.c: the scenario parser. Every accepting test
 * has a rejecting twin just past the boundary, and every kind of malformed
 * input is checked for its exact "file:line: message" text.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend/misbehave.h"
#include "frontend/misbehave.h"
#include "model/catalog.h"
#include "model/monitor.h"
#include "model/virtio.h"
#include "scenarios/lang.h"
#include "scenarios/paths.h"

static char g_err[SCN_ERROR_MAX];

static model_err parse(struct scn_script *s, const char *text) {
  return scn_script_parse_text(s, "t.vsc", text, strlen(text), g_err, sizeof g_err);
}

/* The text must fail to parse with exactly `want`. */
static void check_error(const char *text, const char *want) {
  struct scn_script s;
  model_err e = parse(&s, text);
  if (e == MODEL_OK || strcmp(g_err, want) != 0)
    fail_msg("input:\n%s\nwant: %s\ngot:  %s (%s)", text, want, g_err, model_err_name(e));
  assert_int_equal(s.cmd_count, 0);
  scn_script_fini(&s);
}

/* The text parses; its first command is copied to *out. */
static void check_ok(const char *text, struct scn_cmd *out) {
  struct scn_script s;
  model_err e = parse(&s, text);
  if (e != MODEL_OK)
    fail_msg("input:\n%s\nunexpected error: %s", text, g_err);
  if (out != NULL) {
    assert_true(s.cmd_count >= 1);
    *out = s.cmds[0];
  }
  scn_script_fini(&s);
}

static uint64_t feat(const char *name) {
  unsigned bit;
  assert_true(model_feature_lookup(VIRTIO_ID_NET, name, &bit));
  return model_feature_mask(bit);
}

/* ---- the lexer ---- */

static void test_parse_comments_and_blank_lines_are_ignored(void **state) {
  (void)state;
  struct scn_script s;
  assert_int_equal(parse(&s, "# header\n\n   \t\ninit # trailing comment\r\nrun\n"), MODEL_OK);
  assert_int_equal(s.cmd_count, 2);
  assert_int_equal(s.cmds[0].op, SCN_OP_INIT);
  assert_int_equal(s.cmds[0].line, 4);
  assert_int_equal(s.cmds[1].op, SCN_OP_RUN);
  assert_int_equal(s.cmds[1].line, 5);
  assert_int_equal(s.seed_count, 1);
  assert_int_equal(s.seeds[0], 1);
  scn_script_fini(&s);
}

static void test_parse_quoted_word_keeps_blanks_and_hash(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("note \"a # b  c\"\n", &c);
  assert_string_equal(c.text, "a # b  c");
}

static void test_parse_unterminated_quote_is_rejected(void **state) {
  (void)state;
  check_error("init\nnote \"abc\n", "t.vsc:2: unterminated quote");
}

static void test_parse_quote_inside_word_is_rejected(void **state) {
  (void)state;
  check_error("note ab\"c\"\n", "t.vsc:1: quote inside a word: put blanks around quoted text");
}

static void test_parse_control_character_is_rejected(void **state) {
  (void)state;
  check_error("init\nrun\x01\n",
              "t.vsc:2: invalid character 0x01 at column 4 (scenario files are printable ASCII)");
}

static void test_parse_nul_byte_is_rejected(void **state) {
  (void)state;
  struct scn_script s;
  static const char text[] = "init\nr\0n\n";
  assert_int_equal(scn_script_parse_text(&s, "t.vsc", text, sizeof text - 1u, g_err, sizeof g_err),
                   MODEL_ERR_INVALID_ARG);
  assert_string_equal(g_err, "t.vsc:2: invalid character 0x00 at column 2 "
                             "(scenario files are printable ASCII)");
  scn_script_fini(&s);
}

static void test_parse_last_line_without_newline_is_parsed(void **state) {
  (void)state;
  check_error("init\nbogus", "t.vsc:2: unknown command 'bogus'");
}

/* ---- commands ---- */

static void test_parse_unknown_command_is_rejected(void **state) {
  (void)state;
  check_error("init\n\nfrobnicate 3\n", "t.vsc:3: unknown command 'frobnicate'");
}

static void test_parse_unknown_subcommand_lists_choices(void **state) {
  (void)state;
  check_error("wire bogus 1\n", "t.vsc:1: unknown 'wire' command 'bogus' (expected one of: loss, "
                                "dup, reorder, delay, loopback)");
  check_error("expect\n", "t.vsc:1: 'expect' needs a second word: one of status, features, "
                          "result, counter, frames, accounted, link, ctrl, violation, no");
}

static void test_parse_missing_argument_names_it(void **state) {
  (void)state;
  check_error("send\n", "t.vsc:1: missing frame count (usage: send COUNT [size MIN..MAX] "
                        "[to peer|broadcast|MAC])");
  check_error("expect counter notify_sent ==\n",
              "t.vsc:1: missing expected value (usage: expect counter NAME ==|!=|<|<=|>|>= N)");
}

static void test_parse_trailing_junk_is_rejected(void **state) {
  (void)state;
  check_error("init now\n", "t.vsc:1: unexpected 'now' after the end of the command (usage: init)");
  check_error("device mtu 1500 1500\n",
              "t.vsc:1: unexpected '1500' after the end of the command (usage: device mtu N)");
}

static void test_parse_setup_after_action_is_rejected(void **state) {
  (void)state;
  check_error("init\ndevice mtu 1500\n", "t.vsc:2: setup command 'device mtu' after the first "
                                         "action: put setup lines first");
}

static void test_parse_fault_and_option_may_follow_actions(void **state) {
  (void)state;
  check_ok("init\nfault notify_drop\noption accounting off\n", NULL);
}

/* ---- numbers ---- */

static void test_parse_bad_number_is_rejected(void **state) {
  (void)state;
  check_error("send 12x\n", "t.vsc:1: bad number '12x' for frame count");
  check_error("send -1\n", "t.vsc:1: bad number '-1' for frame count");
  check_error("send 99999999999999999999999\n",
              "t.vsc:1: bad number '99999999999999999999999' for frame count");
}

static void test_parse_hex_number_is_accepted(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("device queue_size_max 0x100\n", &c);
  assert_int_equal(c.a, 256);
}

static void test_parse_queue_size_at_limit_is_accepted(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("driver queue tx 32768\n", &c);
  assert_int_equal(c.key, SCN_QUEUE_TX);
  assert_int_equal(c.a, 32768);
}

static void test_parse_queue_size_past_limit_is_out_of_range(void **state) {
  (void)state;
  check_error("driver queue tx 32769\n", "t.vsc:1: queue size 32769 out of range (1..32768)");
  check_error("driver queue rx 0\n", "t.vsc:1: queue size 0 out of range (1..32768)");
}

static void test_parse_mtu_boundaries(void **state) {
  (void)state;
  check_ok("device mtu 68\n", NULL);
  check_error("device mtu 67\n", "t.vsc:1: mtu 67 out of range (68..65535)");
}

static void test_parse_memory_sizes(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("memory 64M\n", &c);
  assert_int_equal(c.a, 64u << 20);
  check_ok("memory 1G\n", &c);
  check_error("memory 2G\n", "t.vsc:1: memory size 2G out of range (64K..1G)");
  check_error("memory 60K\n", "t.vsc:1: memory size 60K out of range (64K..1G)");
  check_error("memory 65537K\n", "t.vsc:1: memory size 65537K is not a multiple of 4096");
  check_error("memory lots\n",
              "t.vsc:1: bad size 'lots' for memory size (expected a number with K, M or G)");
}

static void test_parse_percent_to_ppm_without_floating_point(void **state) {
  (void)state;
  uint32_t ppm;
  assert_true(scn_parse_ppm("1.5", &ppm));
  assert_int_equal(ppm, 15000);
  assert_true(scn_parse_ppm("0.0001%", &ppm));
  assert_int_equal(ppm, 1);
  assert_true(scn_parse_ppm("100", &ppm));
  assert_int_equal(ppm, 1000000);
  assert_true(scn_parse_ppm("33.3333", &ppm));
  assert_int_equal(ppm, 333333);
  assert_false(scn_parse_ppm("100.0001", &ppm));
  assert_false(scn_parse_ppm("0.00001", &ppm));
  assert_false(scn_parse_ppm("1.", &ppm));
  assert_false(scn_parse_ppm(".5", &ppm));
  assert_false(scn_parse_ppm("5%%", &ppm));
}

static void test_parse_wire_loss_percent(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("wire loss 2.25%\n", &c);
  assert_int_equal(c.op, SCN_OP_WIRE_LOSS);
  assert_int_equal(c.a, 22500);
  check_error("wire loss 101\n", "t.vsc:1: bad percentage '101' for percentage (expected 0..100 "
                                 "with at most 4 decimals)");
}

static void test_parse_ranges(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("wire delay 5..50\n", &c);
  assert_int_equal(c.a, 5);
  assert_int_equal(c.b, 50);
  check_ok("wire delay 7\n", &c);
  assert_int_equal(c.a, 7);
  assert_int_equal(c.b, 7);
  check_error("wire delay 50..5\n", "t.vsc:1: delay 50..5 is empty: minimum above maximum");
  check_error("wire delay 5...9\n", "t.vsc:1: bad range '5...9' for delay (expected MIN..MAX)");
  check_error("send 1 size 59..100\n", "t.vsc:1: frame size 59..100 out of range (60..65535)");
}

static void test_parse_mac_addresses(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("device mac 52:54:00:ab:CD:0f\n", &c);
  assert_int_equal(c.mac[0], 0x52);
  assert_int_equal(c.mac[4], 0xcd);
  assert_int_equal(c.mac[5], 0x0f);
  check_error("device mac 52:54:00:ab:cd\n", "t.vsc:1: bad MAC address '52:54:00:ab:cd' for MAC "
                                             "address (expected six hex pairs like "
                                             "52:54:00:12:34:56)");
}

/* ---- features ---- */

static void test_parse_feature_full_list(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("device features VERSION_1 VIRTIO_F_EVENT_IDX MAC\n", &c);
  assert_true(c.features.replace);
  assert_int_equal(c.features.base, feat("VERSION_1") | feat("EVENT_IDX") | feat("MAC"));
  assert_int_equal(scn_feature_edit_apply(&c.features, ~0ull), c.features.base);
}

static void test_parse_feature_edits(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("driver features +EVENT_IDX -MRG_RXBUF\n", &c);
  assert_false(c.features.replace);
  assert_int_equal(c.features.add, feat("EVENT_IDX"));
  assert_int_equal(c.features.del, feat("MRG_RXBUF"));
  assert_int_equal(scn_feature_edit_apply(&c.features, feat("MRG_RXBUF") | feat("MAC")),
                   feat("MAC") | feat("EVENT_IDX"));
}

static void test_parse_feature_none_is_empty_set(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("driver requires none\n", &c);
  assert_true(c.features.replace);
  assert_int_equal(scn_feature_edit_apply(&c.features, ~0ull), 0);
}

static void test_parse_unknown_feature_is_rejected(void **state) {
  (void)state;
  check_error("device features +EVENT_IDX +WARP_DRIVE\n", "t.vsc:1: unknown feature 'WARP_DRIVE'");
  check_error("device features event_idx\n", "t.vsc:1: unknown feature 'event_idx'");
}

static void test_parse_feature_list_mixed_with_edits_is_rejected(void **state) {
  (void)state;
  check_error("device features MAC +EVENT_IDX\n", "t.vsc:1: '+EVENT_IDX': a line is either a full "
                                                  "feature list or +/- edits, not both");
}

static void test_parse_expect_features_takes_no_edits(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("expect features has EVENT_IDX MAC\n", &c);
  assert_int_equal(c.key, SCN_BITS_HAS);
  assert_int_equal(c.features.base, feat("EVENT_IDX") | feat("MAC"));
  check_error("expect features has +MAC\n",
              "t.vsc:1: '+MAC': +/- edits are not allowed here, list feature names");
}

/* ---- actions ---- */

static void test_parse_features_write_takes_a_full_list(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("features write VERSION_1 CTRL_RX\n", &c);
  assert_int_equal(c.op, SCN_OP_FEATURES_WRITE);
  assert_int_equal(c.features.base, feat("VERSION_1") | feat("CTRL_RX"));
  check_ok("features write none\n", &c);
  assert_int_equal(c.features.base, 0);
  check_error("features write +MAC\n",
              "t.vsc:1: '+MAC': +/- edits are not allowed here, list feature names");
  check_error("features write\n",
              "t.vsc:1: missing feature list (usage: features write FEATURE...|none)");
  check_error("features bogus\n", "t.vsc:1: unknown 'features' command 'bogus' (expected one of: "
                                  "read, write, ok)");
}

static void test_parse_tx_segments_boundaries(void **state) {
  (void)state;
  check_ok("driver tx_segments 2\n", NULL);
  check_error("driver tx_segments 3\n", "t.vsc:1: segment count 3 out of range (1..2)");
}

static void test_parse_status_bits(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("status FEATURES_OK\n", &c);
  assert_int_equal(c.a, VIRTIO_STATUS_FEATURES_OK);
  check_ok("expect status == ACKNOWLEDGE|DRIVER\n", &c);
  assert_int_equal(c.a, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
  check_error("status ACKNOWLEDGE|DRIVER\n", "t.vsc:1: 'status' adds one bit at a time (the "
                                             "driver writes one step per write)");
  check_ok("expect status == 0\n", &c);
  assert_int_equal(c.a, 0);
  check_error("status 0\n", "t.vsc:1: 'status 0' sets no bit: write 'reset' to reset the device");
  check_error("status BOGUS\n",
              "t.vsc:1: unknown status bit 'BOGUS' (expected ACKNOWLEDGE, DRIVER, FEATURES_OK, "
              "DRIVER_OK, DEVICE_NEEDS_RESET, FAILED or a number)");
  check_error("expect status == 256\n", "t.vsc:1: status value 256 out of range (0..255)");
}

static void test_parse_send_options(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("send 10 size 60..1514 to broadcast\n", &c);
  assert_int_equal(c.a, 10);
  assert_int_equal(c.b, 60);
  assert_int_equal(c.c, 1514);
  assert_int_equal(c.dest, SCN_DEST_BROADCAST);
  check_ok("peer send 5 interval 3 to 02:00:00:00:00:01\n", &c);
  assert_int_equal(c.d, 3);
  assert_int_equal(c.dest, SCN_DEST_MAC);
  assert_int_equal(c.mac[5], 1);
  check_error("send 10 interval 3\n", "t.vsc:1: 'interval' applies to 'peer send' only");
  check_error("send 10 size 60 size 70\n", "t.vsc:1: 'size' given twice");
  check_error("send 0\n", "t.vsc:1: frame count 0 out of range (1..10000000)");
  check_error("send 10 to driver\n",
              "t.vsc:1: bad destination 'driver' (expected peer, broadcast or a MAC address)");
}

static void test_parse_ctrl_commands(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("ctrl rx promisc off\n", &c);
  assert_int_equal(c.key, SCN_RX_PROMISC);
  assert_false(c.flag);
  check_ok("ctrl mac_table uni 02:00:00:00:00:01 multi 01:00:5e:00:00:01 01:00:5e:00:00:02\n", &c);
  assert_int_equal(c.uni_count, 1);
  assert_int_equal(c.multi_count, 2);
  check_ok("ctrl mac_table\n", &c);
  check_error("ctrl mac_table multi 01:00:5e:00:00:01 uni 02:00:00:00:00:01\n",
              "t.vsc:1: 'uni' out of order or twice: write 'uni' addresses, then 'multi'");
  check_error("ctrl rx promisc maybe\n",
              "t.vsc:1: unknown switch 'maybe' (expected one of: on, off)");
}

static void test_parse_run_forms(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("run\n", &c);
  assert_true(c.flag);
  check_ok("run idle\n", &c);
  assert_true(c.flag);
  check_ok("run 500\n", &c);
  assert_false(c.flag);
  assert_int_equal(c.a, 500);
  check_error("run 0\n", "t.vsc:1: run time 0 out of range (1..1000000000000)");
}

static void test_parse_seeds(void **state) {
  (void)state;
  struct scn_script s;
  assert_int_equal(parse(&s, "seeds 3 5 0x10\ninit\n"), MODEL_OK);
  assert_int_equal(s.seed_count, 3);
  assert_int_equal(s.seeds[2], 16);
  assert_int_equal(s.cmd_count, 1);
  scn_script_fini(&s);
  check_error("seeds 1\nseeds 2\n", "t.vsc:2: 'seeds' given twice");
  check_error("seeds\n", "t.vsc:1: missing seed (usage: seeds N...)");
  check_error("seeds 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n",
              "t.vsc:1: too many seeds (at most 16)");
}

/* ---- ring formats ---- */

static void test_parse_ring_default_is_both(void **state) {
  (void)state;
  struct scn_script s;
  assert_int_equal(parse(&s, "init\n"), MODEL_OK);
  assert_int_equal(s.rings, SCN_RINGS_ALL);
  assert_int_equal(s.ring_line, 0);
  assert_int_equal(s.ring_feature_line, 0);
  scn_script_fini(&s);
}

static void test_parse_ring_pins_one_format(void **state) {
  (void)state;
  static const struct {
    const char *text;
    unsigned rings;
  } cases[] = {{"ring split\ninit\n", SCN_RING_BIT(SCN_RING_SPLIT)},
               {"# c\nring packed\ninit\n", SCN_RING_BIT(SCN_RING_PACKED)},
               {"ring both\ninit\n", SCN_RINGS_ALL}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct scn_script s;
    assert_int_equal(parse(&s, cases[i].text), MODEL_OK);
    assert_int_equal(s.rings, cases[i].rings);
    assert_int_equal(s.ring_line, i == 1 ? 2u : 1u);
    assert_int_equal(s.cmd_count, 1); /* the ring line is not a command */
    assert_int_equal(s.cmds[0].op, SCN_OP_INIT);
    scn_script_fini(&s);
  }
}

static void test_parse_ring_errors(void **state) {
  (void)state;
  check_error("ring round\n",
              "t.vsc:1: unknown ring format 'round' (expected one of: split, packed, both)");
  check_error("ring\n", "t.vsc:1: missing ring format (usage: ring split|packed|both)");
  check_error("ring split packed\n", "t.vsc:1: unexpected 'packed' after the end of the command "
                                     "(usage: ring split|packed|both)");
  check_error("ring split\nring packed\n", "t.vsc:2: 'ring' given twice (first on line 1)");
  check_error("init\nring packed\n",
              "t.vsc:2: setup command 'ring' after the first action: put setup lines first");
}

static void test_parse_ring_names_and_decoder(void **state) {
  (void)state;
  enum scn_ring r = SCN_RING_COUNT;
  assert_string_equal(scn_ring_name(SCN_RING_SPLIT), "split");
  assert_string_equal(scn_ring_name(SCN_RING_PACKED), "packed");
  assert_string_equal(scn_ring_name(SCN_RING_COUNT), "?");
  assert_true(scn_ring_parse("packed", &r) && r == SCN_RING_PACKED);
  assert_true(scn_ring_parse("split", &r) && r == SCN_RING_SPLIT);
  assert_false(scn_ring_parse("both", &r));
  assert_false(scn_ring_parse("Packed", &r));
  assert_false(scn_ring_parse("", &r));
}

/* RING_PACKED in a feature line needs a pinned format; the error names the
 * feature line, wherever the `ring` line would have been. */
static void test_parse_ring_packed_feature_needs_a_pin(void **state) {
  (void)state;
  static const char *const lines[] = {
      "device features +RING_PACKED\n", "driver features -VIRTIO_F_RING_PACKED\n",
      "driver requires VERSION_1 RING_PACKED\n", "init\nfeatures write VERSION_1 RING_PACKED\n",
      "init\nexpect features has RING_PACKED\n"};
  for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
    char text[256], want[SCN_ERROR_MAX];
    unsigned line = strncmp(lines[i], "init", 4) == 0 ? 3u : 2u;
    snprintf(text, sizeof text, "# x\n%s", lines[i]);
    snprintf(want, sizeof want,
             "t.vsc:%u: RING_PACKED in a feature line of a scenario that runs on both ring "
             "formats: pin the format with 'ring split' or 'ring packed' to set it yourself",
             line);
    check_error(text, want);
    snprintf(text, sizeof text, "ring both\n%s", lines[i]);
    snprintf(want, sizeof want,
             "t.vsc:%u: RING_PACKED in a feature line of a scenario that runs on both ring "
             "formats: pin the format with 'ring split' or 'ring packed' to set it yourself",
             line);
    check_error(text, want);
    /* pinned (before or after the line): accepted, and the line remembered */
    for (unsigned pin = 0; pin < 2u; pin++) {
      struct scn_script s;
      snprintf(text, sizeof text, pin == 0 ? "ring packed\n%s" : "# x\n%sring split\n", lines[i]);
      if (pin == 1 && line == 3u)
        continue; /* a setup line cannot follow init */
      assert_int_equal(parse(&s, text), MODEL_OK);
      assert_int_equal(s.ring_feature_line, line);
      scn_script_fini(&s);
    }
  }
  /* other features, and none, are fine unpinned */
  check_ok("device features +IN_ORDER\ndevice features none\ndriver features +IN_ORDER\n", NULL);
}

/* ---- faults ---- */

static void test_parse_fault_mem_fail(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("fault mem_fail actor device access read addr 0x1000..0x2000 skip 3 count 2 prob 50\n",
           &c);
  assert_int_equal(c.fault.kind, SIM_FAULT_MEM_FAIL);
  assert_int_equal(c.fault.actor, SIM_ACTOR_DEVICE);
  assert_int_equal(c.fault.access, SIM_FAULT_ACCESS_READ);
  assert_int_equal(c.fault.addr_lo, 0x1000);
  assert_int_equal(c.fault.addr_hi, 0x2000);
  assert_int_equal(c.fault.skip_count, 3);
  assert_int_equal(c.fault.fire_count, 2);
  assert_int_equal(c.fault.prob_ppm, 500000);
}

static void test_parse_fault_defaults(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("fault irq_delay 40 count all\n", &c);
  assert_int_equal(c.fault.kind, SIM_FAULT_IRQ_DELAY);
  assert_int_equal(c.fault.delay_ticks, 40);
  assert_int_equal(c.fault.fire_count, 0);
  assert_int_equal(c.fault.prob_ppm, 1000000);
  check_ok("fault notify_drop\n", &c);
  assert_int_equal(c.fault.fire_count, 1);
  check_ok("fault device_reset at 900\n", &c);
  assert_int_equal(c.fault.at_ticks, 900);
}

static void test_parse_fault_errors(void **state) {
  (void)state;
  check_error("fault notify_drop actor device\n", "t.vsc:1: 'actor' does not apply to notify_drop");
  check_error("fault mem_fail skip 1 skip 2\n", "t.vsc:1: 'skip' given twice");
  check_error("fault mem_fail actor martian\n", "t.vsc:1: unknown actor 'martian' (expected one "
                                                "of: driver, device, nic, injector, monitor, "
                                                "world)");
  check_error("fault mem_fail addr 5..5\n",
              "t.vsc:1: address range is empty: it is [MIN, MAX), MAX exclusive");
  check_error("fault earthquake\n", "t.vsc:1: unknown fault kind 'earthquake' (expected one of: "
                                    "mem_fail, notify_drop, notify_delay, irq_drop, irq_delay, "
                                    "device_reset)");
  check_error("fault device_reset 900\n",
              "t.vsc:1: unexpected '900' (usage: fault mem_fail [actor WHO|any] [access "
              "read|write|rw] [addr LO..HI] [skip N] [count N|all] [prob PERCENT] | fault "
              "notify_drop|irq_drop [skip N] [count N|all] [prob PERCENT] | fault "
              "notify_delay|irq_delay TICKS [skip N] [count N|all] [prob PERCENT] | fault "
              "device_reset at TICKS)");
  check_error("fault irq_delay\n", "t.vsc:1: missing delay (usage: fault mem_fail [actor WHO|any] "
                                   "[access read|write|rw] [addr LO..HI] [skip N] [count N|all] "
                                   "[prob PERCENT] | fault notify_drop|irq_drop [skip N] [count "
                                   "N|all] [prob PERCENT] | fault notify_delay|irq_delay TICKS "
                                   "[skip N] [count N|all] [prob PERCENT] | fault device_reset "
                                   "at TICKS)");
}

/* ---- expectations ---- */

static void test_parse_expect_counter(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("expect counter idx_wraps >= 1\n", &c);
  assert_int_equal(c.key, SIM_CTR_IDX_WRAPS);
  assert_int_equal(c.cmp, SCN_CMP_GE);
  assert_int_equal(c.a, 1);
  check_error("expect counter bogus == 1\n",
              "t.vsc:1: unknown counter 'bogus' (expected one of: buffers_added, buffers_used, "
              "ring_wraps, idx_wraps, notify_sent, notify_suppressed, irq_sent, irq_suppressed, "
              "config_irq, resets)");
  check_error("expect counter irq_sent =< 1\n", "t.vsc:1: unknown comparison '=<' (expected one "
                                                "of: ==, !=, <, <=, >, >=)");
}

static void test_parse_expect_frames(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("expect frames rx dropped no_rx_buffer > 0\n", &c);
  assert_int_equal(c.key, SIM_STREAM_RX);
  assert_int_equal(c.key2, SCN_FIG_DROPPED);
  assert_int_equal(c.key3, SIM_DROP_NO_RX_BUFFER);
  check_ok("expect frames tx dropped == 0\n", &c);
  assert_int_equal(c.key3, SIM_DROP_COUNT);
  check_ok("expect frames tx delivered == 100\n", &c);
  assert_int_equal(c.key2, SCN_FIG_DELIVERED);
  check_error("expect frames rx dropped gremlins > 0\n",
              "t.vsc:1: unknown drop reason 'gremlins' (expected one of: wire_loss, "
              "no_rx_buffer, link_down, filtered, reset, broken, too_big, fault, malformed)");
  check_error("expect frames up delivered == 1\n",
              "t.vsc:1: unknown stream 'up' (expected one of: rx, tx)");
}

static void test_parse_expect_result(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("expect result FEATURE_REJECTED\n", &c);
  assert_int_equal(c.a, MODEL_ERR_FEATURE_REJECTED);
  check_ok("expect result ok\n", &c);
  assert_int_equal(c.a, MODEL_OK);
  check_error("expect result FEATURE_REJECTEDX\n", "t.vsc:1: unknown result 'FEATURE_REJECTEDX' "
                                                   "(expected ok or an error name like "
                                                   "FEATURE_REJECTED)");
}

static void test_parse_cmp_holds(void **state) {
  (void)state;
  assert_true(scn_cmp_holds(SCN_CMP_GE, 1, 1));
  assert_false(scn_cmp_holds(SCN_CMP_GT, 1, 1));
  assert_true(scn_cmp_holds(SCN_CMP_LE, 1, 1));
  assert_false(scn_cmp_holds(SCN_CMP_LT, 1, 1));
  assert_true(scn_cmp_holds(SCN_CMP_NE, 1, 2));
  assert_false(scn_cmp_holds(SCN_CMP_EQ, 1, 2));
}

/* ---- the conformance monitor ---- */

static unsigned drv_bit(const char *name) {
  unsigned bit = 0;
  assert_true(drv_misbehave_lookup(name, &bit));
  return bit;
}

static uint64_t dev_flag(const char *name) {
  unsigned bit;
  assert_true(dev_misbehave_lookup(name, &bit));
  return dev_misbehave_mask((enum dev_misbehave)bit);
}

static size_t catalog_index(const char *id) {
  const struct model_clause *clause = model_catalog_find(id);
  assert_non_null(clause);
  for (size_t i = 0; i < model_catalog_count(); i++)
    if (model_catalog_at(i) == clause)
      return i;
  fail_msg("%s not in the catalog", id);
  return 0;
}

static void test_parse_misbehave_names_are_or_ed(void **state) {
  (void)state;
  struct scn_script s;
  assert_int_equal(parse(&s, "misbehave driver accept-unoffered refuse-version-1\n"
                             "misbehave device skip-irq\ninit\n"),
                   MODEL_OK);
  assert_int_equal(s.cmd_count, 3);
  assert_int_equal(s.cmds[0].op, SCN_OP_MISBEHAVE_DRIVER);
  struct drv_misbehave_set want = drv_misbehave_one(drv_bit("accept-unoffered"));
  drv_misbehave_add(&want, drv_bit("refuse-version-1"));
  assert_memory_equal(&s.cmds[0].drv_misbehave, &want, sizeof(want));
  assert_int_equal(s.cmds[1].op, SCN_OP_MISBEHAVE_DEVICE);
  assert_int_equal(s.cmds[1].a, dev_flag("skip-irq"));
  assert_true(s.monitor_suite);
  scn_script_fini(&s);
}

static void test_parse_plain_script_is_not_in_the_monitor_suite(void **state) {
  (void)state;
  struct scn_script s;
  assert_int_equal(parse(&s, "monitor both\ninit\nexpect no violations\n"), MODEL_OK);
  assert_false(s.monitor_suite);
  scn_script_fini(&s);
}

static void test_parse_misbehave_unknown_name_is_rejected(void **state) {
  (void)state;
  check_error("misbehave driver accept-unoffered accept-everything\n",
              "t.vsc:1: unknown driver misbehaviour 'accept-everything' (scenarios/README.md "
              "lists them)");
  check_error("misbehave device Skip-irq\n",
              "t.vsc:1: unknown device misbehaviour 'Skip-irq' (scenarios/README.md lists them)");
}

static void test_parse_misbehave_of_the_other_half_is_rejected(void **state) {
  (void)state;
  check_error("misbehave driver skip-irq\n", "t.vsc:1: 'skip-irq' is a device misbehaviour, not "
                                             "a driver one (write 'misbehave device skip-irq')");
  check_error("misbehave device accept-unoffered\n",
              "t.vsc:1: 'accept-unoffered' is a driver misbehaviour, not a device one (write "
              "'misbehave driver accept-unoffered')");
}

static void test_parse_misbehave_needs_a_half_and_a_name(void **state) {
  (void)state;
  check_error("misbehave driver\n",
              "t.vsc:1: missing misbehaviour name (usage: misbehave driver NAME...)");
  check_error("misbehave\n", "t.vsc:1: 'misbehave' needs a second word: one of driver, device");
  check_error("misbehave nic drop\n",
              "t.vsc:1: unknown 'misbehave' command 'nic' (expected one of: driver, device)");
}

static void test_parse_misbehave_after_action_is_rejected(void **state) {
  (void)state;
  check_ok("misbehave driver accept-unoffered\ninit\n", NULL);
  check_error("init\nmisbehave driver accept-unoffered\n",
              "t.vsc:2: setup command 'misbehave driver' after the first action: put setup "
              "lines first");
}

static void test_parse_monitor_modes(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("monitor accesses\n", &c);
  assert_int_equal(c.op, SCN_OP_MONITOR);
  assert_int_equal(c.a, MODEL_MON_OBSERVE_ACCESSES);
  check_ok("monitor snapshots\n", &c);
  assert_int_equal(c.a, MODEL_MON_OBSERVE_SNAPSHOTS);
  check_ok("monitor both\n", &c);
  assert_int_equal(c.a, MODEL_MON_OBSERVE_ACCESSES | MODEL_MON_OBSERVE_SNAPSHOTS);
  check_error("monitor snapshot\n", "t.vsc:1: unknown monitor mode 'snapshot' (expected one of: "
                                    "accesses, snapshots, both)");
  check_error("monitor\n",
              "t.vsc:1: missing monitor mode (usage: monitor accesses|snapshots|both)");
  check_error("monitor both accesses\n", "t.vsc:1: unexpected 'accesses' after the end of the "
                                         "command (usage: monitor accesses|snapshots|both)");
  check_error("init\nmonitor both\n", "t.vsc:2: setup command 'monitor' after the first action: "
                                      "put setup lines first");
}

static void test_parse_expect_violation(void **state) {
  (void)state;
  struct scn_script s;
  /* anywhere: before setup lines and after actions; the '#' of the id is
   * inside a word, not a comment */
  assert_int_equal(parse(&s, "expect violation 2.2.1#1 by driver # a comment\n"
                             "device features -MTU\ninit\nexpect violation 6.2#1 by device\n"),
                   MODEL_OK);
  assert_int_equal(s.cmd_count, 4);
  assert_int_equal(s.cmds[0].op, SCN_OP_EXPECT_VIOLATION);
  assert_int_equal(s.cmds[0].a, catalog_index("2.2.1#1"));
  assert_int_equal(s.cmds[0].key, MODEL_TARGET_DRIVER);
  assert_int_equal(s.cmds[3].a, catalog_index("6.2#1"));
  assert_int_equal(s.cmds[3].key, MODEL_TARGET_DEVICE);
  assert_true(s.monitor_suite);
  scn_script_fini(&s);
}

static void test_parse_expect_violation_unknown_id_is_rejected(void **state) {
  (void)state;
  check_error("expect violation 2.2.1#99 by driver\n",
              "t.vsc:1: unknown clause id '2.2.1#99' (expected a catalog id like 2.7.6.1#1)");
  check_error("expect violation 2.2.1 by driver\n",
              "t.vsc:1: unknown clause id '2.2.1' (expected a catalog id like 2.7.6.1#1)");
}

static void test_parse_expect_violation_wrong_target_is_rejected(void **state) {
  (void)state;
  check_ok("expect violation 2.2.1#1 by driver\n", NULL);
  check_error("expect violation 2.2.1#1 by device\n",
              "t.vsc:1: 2.2.1#1 binds the driver, not the device: write 'expect violation "
              "2.2.1#1 by driver'");
  check_ok("expect violation 6.2#1 by device\n", NULL);
  check_error("expect violation 6.2#1 by driver\n",
              "t.vsc:1: 6.2#1 binds the device, not the driver: write 'expect violation 6.2#1 "
              "by device'");
}

static void test_parse_expect_violation_syntax_errors(void **state) {
  (void)state;
  check_error("expect violation\n",
              "t.vsc:1: missing clause id (usage: expect violation ID by driver|device)");
  check_error("expect violation 2.2.1#1\n",
              "t.vsc:1: missing 'by' (usage: expect violation ID by driver|device)");
  check_error("expect violation 2.2.1#1 from driver\n",
              "t.vsc:1: unexpected 'from' (usage: expect violation ID by driver|device)");
  check_error("expect violation 2.2.1#1 by nic\n",
              "t.vsc:1: unknown target 'nic' (expected one of: driver, device)");
  check_error("expect violation 2.2.1#1 by driver twice\n",
              "t.vsc:1: unexpected 'twice' after the end of the command (usage: expect "
              "violation ID by driver|device)");
}

/* A catalog id the monitor has no check for cannot be expected to fire. */
static void test_parse_expect_violation_of_an_unchecked_clause_is_rejected(void **state) {
  (void)state;
  const struct model_clause *unchecked = NULL;
  for (size_t i = 0; i < model_catalog_count() && unchecked == NULL; i++) {
    bool checked = false;
    for (size_t k = 0; k < model_mon_check_count(); k++)
      checked |= strcmp(model_mon_check_id(k), model_catalog_at(i)->id) == 0;
    if (!checked)
      unchecked = model_catalog_at(i);
  }
  assert_non_null(unchecked);
  char text[128], want[256];
  (void)snprintf(text, sizeof text, "expect violation %s by %s\n", unchecked->id,
                 model_target_name(unchecked->target));
  (void)snprintf(want, sizeof want,
                 "t.vsc:1: the monitor has no check for %s, so its violation can never be seen",
                 unchecked->id);
  check_error(text, want);
  /* its twin: every check id is accepted */
  for (size_t k = 0; k < model_mon_check_count(); k++) {
    const struct model_clause *clause = model_catalog_find(model_mon_check_id(k));
    assert_non_null(clause);
    (void)snprintf(text, sizeof text, "expect violation %s by %s\n", clause->id,
                   model_target_name(clause->target));
    check_ok(text, NULL);
  }
}

static void test_parse_expect_violation_twice_is_rejected(void **state) {
  (void)state;
  check_ok("expect violation 2.2.1#1 by driver\nexpect violation 6.1#1 by driver\n", NULL);
  check_error("expect violation 2.2.1#1 by driver\ninit\nexpect violation 2.2.1#1 by driver\n",
              "t.vsc:3: violation of 2.2.1#1 already expected on line 1");
}

static void test_parse_expect_no_violations(void **state) {
  (void)state;
  struct scn_cmd c;
  check_ok("expect no violations\ndevice mtu 9000\n", &c);
  assert_int_equal(c.op, SCN_OP_EXPECT_NO_VIOLATIONS);
  check_ok("expect no violations\nexpect no violations\n", NULL);
  check_error("expect no violation\n",
              "t.vsc:1: unexpected 'violation' (usage: expect no violations)");
  check_error("expect no\n", "t.vsc:1: missing 'violations' (usage: expect no violations)");
  check_error("expect no violations here\n", "t.vsc:1: unexpected 'here' after the end of the "
                                             "command (usage: expect no violations)");
}

static void test_parse_expect_no_violations_contradicts_expect_violation(void **state) {
  (void)state;
  check_error("expect violation 2.2.1#1 by driver\nexpect no violations\n",
              "t.vsc:2: 'expect no violations' contradicts 'expect violation' on line 1");
  check_error("expect no violations\ninit\nexpect violation 2.2.1#1 by driver\n",
              "t.vsc:3: 'expect violation' contradicts 'expect no violations' on line 1");
}

/* ---- files and directories ---- */

static void test_parse_file_not_found(void **state) {
  (void)state;
  struct scn_script s;
  assert_int_equal(scn_script_parse_file(&s, "/nonexistent/x.vsc", g_err, sizeof g_err),
                   MODEL_ERR_INVALID_ARG);
  assert_string_equal(g_err, "/nonexistent/x.vsc: cannot open: No such file or directory");
  scn_script_fini(&s);
}

static void test_parse_file_error_names_file_and_line(void **state) {
  (void)state;
  char dir[] = "/tmp/viosim_parse_XXXXXX";
  char path[64];
  struct scn_script s;
  assert_non_null(mkdtemp(dir));
  (void)snprintf(path, sizeof path, "%s/bad.vsc", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("init\nrun\nsend ten\n", f);
  fclose(f);
  assert_int_equal(scn_script_parse_file(&s, path, g_err, sizeof g_err), MODEL_ERR_INVALID_ARG);
  char want[128];
  (void)snprintf(want, sizeof want, "%s:3: bad number 'ten' for frame count", path);
  assert_string_equal(g_err, want);
  scn_script_fini(&s);
  unlink(path);
  rmdir(dir);
}

static void test_paths_directory_without_scenarios(void **state) {
  (void)state;
  char dir[] = "/tmp/viosim_paths_XXXXXX";
  char want[128];
  struct scn_paths paths = {0};
  assert_non_null(mkdtemp(dir));
  assert_int_equal(scn_paths_add(&paths, dir, g_err, sizeof g_err), MODEL_ERR_INVALID_ARG);
  (void)snprintf(want, sizeof want, "%s: no scenario files (*.vsc) in this directory", dir);
  assert_string_equal(g_err, want);
  scn_paths_fini(&paths);
  rmdir(dir);
}

static void test_paths_directory_sorted_recursively(void **state) {
  (void)state;
  char dir[] = "/tmp/viosim_paths_XXXXXX";
  char p[5][96];
  struct scn_paths paths = {0};
  assert_non_null(mkdtemp(dir));
  (void)snprintf(p[0], sizeof p[0], "%s/b", dir);
  (void)snprintf(p[1], sizeof p[1], "%s/b/z.vsc", dir);
  (void)snprintf(p[2], sizeof p[2], "%s/a.vsc", dir);
  (void)snprintf(p[3], sizeof p[3], "%s/c.vsc", dir);
  (void)snprintf(p[4], sizeof p[4], "%s/readme.txt", dir);
  assert_int_equal(mkdir(p[0], 0700), 0);
  for (int i = 1; i < 5; i++) {
    FILE *f = fopen(p[i], "w");
    assert_non_null(f);
    fclose(f);
  }
  assert_int_equal(scn_paths_add(&paths, dir, g_err, sizeof g_err), MODEL_OK);
  assert_int_equal(paths.count, 3);
  assert_string_equal(paths.items[0], p[2]);
  assert_string_equal(paths.items[1], p[1]);
  assert_string_equal(paths.items[2], p[3]);
  scn_paths_fini(&paths);
  for (int i = 4; i >= 1; i--)
    unlink(p[i]);
  rmdir(p[0]);
  rmdir(dir);
}

static void test_paths_missing_path(void **state) {
  (void)state;
  struct scn_paths paths = {0};
  assert_int_equal(scn_paths_add(&paths, "/nonexistent/dir", g_err, sizeof g_err),
                   MODEL_ERR_INVALID_ARG);
  assert_string_equal(g_err, "/nonexistent/dir: No such file or directory");
  scn_paths_fini(&paths);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_comments_and_blank_lines_are_ignored),
      cmocka_unit_test(test_parse_quoted_word_keeps_blanks_and_hash),
      cmocka_unit_test(test_parse_unterminated_quote_is_rejected),
      cmocka_unit_test(test_parse_quote_inside_word_is_rejected),
      cmocka_unit_test(test_parse_control_character_is_rejected),
      cmocka_unit_test(test_parse_nul_byte_is_rejected),
      cmocka_unit_test(test_parse_last_line_without_newline_is_parsed),
      cmocka_unit_test(test_parse_unknown_command_is_rejected),
      cmocka_unit_test(test_parse_unknown_subcommand_lists_choices),
      cmocka_unit_test(test_parse_missing_argument_names_it),
      cmocka_unit_test(test_parse_trailing_junk_is_rejected),
      cmocka_unit_test(test_parse_setup_after_action_is_rejected),
      cmocka_unit_test(test_parse_fault_and_option_may_follow_actions),
      cmocka_unit_test(test_parse_bad_number_is_rejected),
      cmocka_unit_test(test_parse_hex_number_is_accepted),
      cmocka_unit_test(test_parse_queue_size_at_limit_is_accepted),
      cmocka_unit_test(test_parse_queue_size_past_limit_is_out_of_range),
      cmocka_unit_test(test_parse_mtu_boundaries),
      cmocka_unit_test(test_parse_memory_sizes),
      cmocka_unit_test(test_parse_percent_to_ppm_without_floating_point),
      cmocka_unit_test(test_parse_wire_loss_percent),
      cmocka_unit_test(test_parse_ranges),
      cmocka_unit_test(test_parse_mac_addresses),
      cmocka_unit_test(test_parse_feature_full_list),
      cmocka_unit_test(test_parse_feature_edits),
      cmocka_unit_test(test_parse_feature_none_is_empty_set),
      cmocka_unit_test(test_parse_unknown_feature_is_rejected),
      cmocka_unit_test(test_parse_feature_list_mixed_with_edits_is_rejected),
      cmocka_unit_test(test_parse_expect_features_takes_no_edits),
      cmocka_unit_test(test_parse_features_write_takes_a_full_list),
      cmocka_unit_test(test_parse_tx_segments_boundaries),
      cmocka_unit_test(test_parse_status_bits),
      cmocka_unit_test(test_parse_send_options),
      cmocka_unit_test(test_parse_ctrl_commands),
      cmocka_unit_test(test_parse_run_forms),
      cmocka_unit_test(test_parse_seeds),
      cmocka_unit_test(test_parse_ring_default_is_both),
      cmocka_unit_test(test_parse_ring_pins_one_format),
      cmocka_unit_test(test_parse_ring_errors),
      cmocka_unit_test(test_parse_ring_names_and_decoder),
      cmocka_unit_test(test_parse_ring_packed_feature_needs_a_pin),
      cmocka_unit_test(test_parse_fault_mem_fail),
      cmocka_unit_test(test_parse_fault_defaults),
      cmocka_unit_test(test_parse_fault_errors),
      cmocka_unit_test(test_parse_expect_counter),
      cmocka_unit_test(test_parse_expect_frames),
      cmocka_unit_test(test_parse_expect_result),
      cmocka_unit_test(test_parse_cmp_holds),
      cmocka_unit_test(test_parse_misbehave_names_are_or_ed),
      cmocka_unit_test(test_parse_plain_script_is_not_in_the_monitor_suite),
      cmocka_unit_test(test_parse_misbehave_unknown_name_is_rejected),
      cmocka_unit_test(test_parse_misbehave_of_the_other_half_is_rejected),
      cmocka_unit_test(test_parse_misbehave_needs_a_half_and_a_name),
      cmocka_unit_test(test_parse_misbehave_after_action_is_rejected),
      cmocka_unit_test(test_parse_monitor_modes),
      cmocka_unit_test(test_parse_expect_violation),
      cmocka_unit_test(test_parse_expect_violation_unknown_id_is_rejected),
      cmocka_unit_test(test_parse_expect_violation_wrong_target_is_rejected),
      cmocka_unit_test(test_parse_expect_violation_syntax_errors),
      cmocka_unit_test(test_parse_expect_violation_of_an_unchecked_clause_is_rejected),
      cmocka_unit_test(test_parse_expect_violation_twice_is_rejected),
      cmocka_unit_test(test_parse_expect_no_violations),
      cmocka_unit_test(test_parse_expect_no_violations_contradicts_expect_violation),
      cmocka_unit_test(test_parse_file_not_found),
      cmocka_unit_test(test_parse_file_error_names_file_and_line),
      cmocka_unit_test(test_paths_directory_without_scenarios),
      cmocka_unit_test(test_paths_directory_sorted_recursively),
      cmocka_unit_test(test_paths_missing_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
