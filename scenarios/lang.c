/*
 * scenarios/lang.c: the scenario lexer and parser (see lang.h; the language
 * is documented in README.md).
 *
 * Implementation notes. A file is split into lines; each line into words
 * (blank-separated, or "quoted", `#` outside quotes starts a comment). The
 * first one or two words select an entry of the command table (g_syntax),
 * whose parse function consumes the remaining words through a cursor
 * (struct pctx) that knows how to report every kind of mistake with the
 * command's usage. A parse function either fills one struct scn_cmd and
 * returns true, or writes "path:line: message" and returns false; the first
 * error ends the parse. Nothing here allocates per word: a line is copied
 * into one fixed buffer and split in place.
 */
#include "scenarios/lang.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/misbehave.h"
#include "frontend/misbehave.h"
#include "model/catalog.h"
#include "model/monitor.h"
#include "model/net.h"
#include "model/virtio.h"
#include "sim/bus.h"

#define SCN_LINE_MAX  4096u
#define SCN_COUNT_MAX 10000000u /* frames in one send */
#define SCN_TICKS_MAX 1000000000000ull
#define SCN_MEM_MIN   (64u * 1024u)
#define SCN_MEM_MAX   (1024u * 1024u * 1024u)

/* ------------------------------------------------------------------ */
/* decoders                                                             */

bool scn_parse_u64(const char *word, uint64_t *out) {
  uint64_t v = 0;
  unsigned base = 10;
  const char *s = word;
  *out = 0;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s += 2;
  }
  if (*s == '\0')
    return false;
  for (; *s != '\0'; s++) {
    unsigned d;
    if (*s >= '0' && *s <= '9')
      d = (unsigned)(*s - '0');
    else if (base == 16 && *s >= 'a' && *s <= 'f')
      d = (unsigned)(*s - 'a') + 10u;
    else if (base == 16 && *s >= 'A' && *s <= 'F')
      d = (unsigned)(*s - 'A') + 10u;
    else
      return false;
    if (v > (UINT64_MAX - d) / base)
      return false; /* overflow */
    v = v * base + d;
  }
  *out = v;
  return true;
}

/* Percent with up to four decimals: one ppm is 0.0001 %. Integer arithmetic
 * only, so the same text gives the same ppm on every platform. */
bool scn_parse_ppm(const char *word, uint32_t *ppm) {
  uint64_t whole = 0;
  uint64_t frac = 0;
  unsigned frac_digits = 0;
  const char *s = word;
  *ppm = 0;
  if (*s < '0' || *s > '9')
    return false;
  for (; *s >= '0' && *s <= '9'; s++) {
    whole = whole * 10u + (uint64_t)(*s - '0');
    if (whole > 100u)
      return false;
  }
  if (*s == '.') {
    s++;
    if (*s < '0' || *s > '9')
      return false;
    for (; *s >= '0' && *s <= '9'; s++) {
      if (++frac_digits > 4u)
        return false;
      frac = frac * 10u + (uint64_t)(*s - '0');
    }
  }
  if (*s == '%')
    s++;
  if (*s != '\0')
    return false;
  for (; frac_digits < 4u; frac_digits++)
    frac *= 10u;
  uint64_t v = whole * 10000u + frac;
  if (v > 1000000u)
    return false;
  *ppm = (uint32_t)v;
  return true;
}

bool scn_parse_size(const char *word, uint64_t *bytes) {
  char num[32];
  size_t len = strlen(word);
  uint64_t mult = 1;
  *bytes = 0;
  if (len == 0 || len >= sizeof num)
    return false;
  memcpy(num, word, len + 1);
  switch (num[len - 1]) {
  case 'K':
    mult = 1024u;
    break;
  case 'M':
    mult = 1024u * 1024u;
    break;
  case 'G':
    mult = 1024u * 1024u * 1024u;
    break;
  default:
    break;
  }
  if (mult != 1)
    num[len - 1] = '\0';
  uint64_t v;
  if (!scn_parse_u64(num, &v) || v > UINT64_MAX / mult)
    return false;
  *bytes = v * mult;
  return true;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool scn_parse_mac(const char *word, uint8_t mac[6]) {
  if (strlen(word) != 17u)
    return false;
  for (unsigned i = 0; i < 6u; i++) {
    int hi = hex_digit(word[3u * i]);
    int lo = hex_digit(word[3u * i + 1u]);
    if (hi < 0 || lo < 0 || (i < 5u && word[3u * i + 2u] != ':'))
      return false;
    mac[i] = (uint8_t)(hi * 16 + lo);
  }
  return true;
}

uint64_t scn_feature_edit_apply(const struct scn_feature_edit *edit, uint64_t features) {
  uint64_t f = edit->replace ? edit->base : features;
  return (f & ~edit->del) | edit->add;
}

bool scn_cmp_holds(enum scn_cmp cmp, uint64_t lhs, uint64_t rhs) {
  switch (cmp) {
  case SCN_CMP_EQ:
    return lhs == rhs;
  case SCN_CMP_NE:
    return lhs != rhs;
  case SCN_CMP_LT:
    return lhs < rhs;
  case SCN_CMP_LE:
    return lhs <= rhs;
  case SCN_CMP_GT:
    return lhs > rhs;
  case SCN_CMP_GE:
    return lhs >= rhs;
  }
  return false;
}

/* ------------------------------------------------------------------ */
/* names                                                                */

static const char *const g_cmp_names[] = {"==", "!=", "<", "<=", ">", ">="};
static const char *const g_rx_mode_names[SCN_RX_MODE_COUNT] = {"promisc", "allmulti", "alluni",
                                                               "nomulti", "nouni",    "nobcast"};
static const char *const g_figure_names[SCN_FIG_COUNT] = {
    "generated", "duplicated", "delivered", "delivered_dup", "corrupt", "on_wire", "dropped"};
static const char *const g_queue_names[SCN_QUEUE_COUNT] = {"rx", "tx", "ctrl"};
static const char *const g_ring_names[SCN_RING_COUNT] = {"split", "packed"};
/* NULL-terminated lists for get_choice() */
static const char *const g_queue_choices[] = {"rx", "tx", "ctrl", NULL};
static const char *const g_rx_mode_choices[] = {"promisc", "allmulti", "alluni", "nomulti",
                                                "nouni",   "nobcast",  NULL};
static const char *const g_figure_choices[] = {
    "generated", "duplicated", "delivered", "delivered_dup", "corrupt", "on_wire", "dropped", NULL};
static const char *const g_cmp_choices[] = {"==", "!=", "<", "<=", ">", ">=", NULL};

const char *scn_cmp_name(enum scn_cmp cmp) {
  return (unsigned)cmp < 6u ? g_cmp_names[cmp] : "?";
}
const char *scn_rx_mode_name(enum scn_rx_mode mode) {
  return (unsigned)mode < SCN_RX_MODE_COUNT ? g_rx_mode_names[mode] : "?";
}
const char *scn_frame_figure_name(enum scn_frame_figure fig) {
  return (unsigned)fig < SCN_FIG_COUNT ? g_figure_names[fig] : "?";
}
const char *scn_queue_name(enum scn_queue queue) {
  return (unsigned)queue < SCN_QUEUE_COUNT ? g_queue_names[queue] : "?";
}
const char *scn_ring_name(enum scn_ring ring) {
  return (unsigned)ring < SCN_RING_COUNT ? g_ring_names[ring] : "?";
}

bool scn_ring_parse(const char *word, enum scn_ring *ring) {
  for (unsigned i = 0; i < SCN_RING_COUNT; i++) {
    if (strcmp(word, g_ring_names[i]) == 0) {
      *ring = (enum scn_ring)i;
      return true;
    }
  }
  return false;
}

/* ------------------------------------------------------------------ */
/* the parse cursor                                                     */

struct pctx;
typedef bool (*parse_fn)(struct pctx *p, struct scn_cmd *cmd);

enum syn_kind { SYN_SETUP, SYN_ANYWHERE, SYN_ACTION, SYN_EXPECT };

struct syntax {
  const char *w1;
  const char *w2; /* NULL: a one-word command */
  enum scn_op op;
  enum syn_kind kind;
  parse_fn parse;
  const char *usage;
};

struct pctx {
  const char *path;
  uint32_t line;
  char *words[SCN_WORDS_MAX];
  size_t word_count;
  size_t pos; /* next word to consume */
  const struct syntax *syn;
  struct scn_script *script;
  char *err;
  size_t err_size;
  /* first lines of `expect violation` and `expect no violations` (0: none
   * yet), which contradict each other */
  uint32_t violation_line;
  uint32_t no_violations_line;
};

__attribute__((format(printf, 2, 3))) static bool fail(struct pctx *p, const char *fmt, ...) {
  int n = snprintf(p->err, p->err_size, "%s:%u: ", p->path, (unsigned)p->line);
  if (n >= 0 && (size_t)n < p->err_size) {
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return false;
}

static bool at_end(const struct pctx *p) {
  return p->pos >= p->word_count;
}

static const char *peek(const struct pctx *p) {
  return at_end(p) ? NULL : p->words[p->pos];
}

/* The next word, or an error naming what was expected and the usage. */
static const char *need(struct pctx *p, const char *what) {
  if (at_end(p)) {
    (void)fail(p, "missing %s (usage: %s)", what, p->syn->usage);
    return NULL;
  }
  return p->words[p->pos++];
}

static bool end(struct pctx *p) {
  if (at_end(p))
    return true;
  return fail(p, "unexpected '%s' after the end of the command (usage: %s)", p->words[p->pos],
              p->syn->usage);
}

static bool num_in(struct pctx *p, const char *word, const char *what, uint64_t lo, uint64_t hi,
                   uint64_t *out) {
  if (!scn_parse_u64(word, out))
    return fail(p, "bad number '%s' for %s", word, what);
  if (*out < lo || *out > hi)
    return fail(p, "%s %s out of range (%llu..%llu)", what, word, (unsigned long long)lo,
                (unsigned long long)hi);
  return true;
}

static bool get_num(struct pctx *p, const char *what, uint64_t lo, uint64_t hi, uint64_t *out) {
  const char *w = need(p, what);
  return w != NULL && num_in(p, w, what, lo, hi, out);
}

/* "A..B" or "A" (meaning A..A), both within [lo, hi], A <= B. */
static bool get_range(struct pctx *p, const char *what, uint64_t lo, uint64_t hi, uint64_t *a,
                      uint64_t *b) {
  const char *w = need(p, what);
  if (w == NULL)
    return false;
  char buf[64];
  if (strlen(w) >= sizeof buf)
    return fail(p, "bad range '%s' for %s (expected MIN..MAX)", w, what);
  strcpy(buf, w);
  char *dots = strstr(buf, "..");
  if (dots == NULL)
    return num_in(p, w, what, lo, hi, a) && ((*b = *a), true);
  *dots = '\0';
  if (!scn_parse_u64(buf, a) || !scn_parse_u64(dots + 2, b))
    return fail(p, "bad range '%s' for %s (expected MIN..MAX)", w, what);
  if (*a < lo || *b > hi)
    return fail(p, "%s %s out of range (%llu..%llu)", what, w, (unsigned long long)lo,
                (unsigned long long)hi);
  if (*a > *b)
    return fail(p, "%s %s is empty: minimum above maximum", what, w);
  return true;
}

static bool get_ppm(struct pctx *p, const char *what, uint64_t *out) {
  const char *w = need(p, what);
  uint32_t ppm;
  if (w == NULL)
    return false;
  if (!scn_parse_ppm(w, &ppm))
    return fail(p, "bad percentage '%s' for %s (expected 0..100 with at most 4 decimals)", w, what);
  *out = ppm;
  return true;
}

static bool get_mac(struct pctx *p, const char *what, uint8_t mac[6]) {
  const char *w = need(p, what);
  if (w == NULL)
    return false;
  if (!scn_parse_mac(w, mac))
    return fail(p, "bad MAC address '%s' for %s (expected six hex pairs like 52:54:00:12:34:56)", w,
                what);
  return true;
}

/* One of `choices` (NULL-terminated); its index in *out. */
static bool get_choice(struct pctx *p, const char *what, const char *const *choices,
                       uint32_t *out) {
  const char *w = need(p, what);
  if (w == NULL)
    return false;
  for (uint32_t i = 0; choices[i] != NULL; i++) {
    if (strcmp(w, choices[i]) == 0) {
      *out = i;
      return true;
    }
  }
  char list[256] = "";
  for (uint32_t i = 0; choices[i] != NULL; i++) {
    size_t used = strlen(list);
    (void)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", choices[i]);
  }
  return fail(p, "unknown %s '%s' (expected one of: %s)", what, w, list);
}

static bool get_on_off(struct pctx *p, const char *what, const char *on, const char *off,
                       bool *out) {
  const char *const choices[] = {on, off, NULL};
  uint32_t i;
  if (!get_choice(p, what, choices, &i))
    return false;
  *out = i == 0;
  return true;
}

/* Names from a numbered table, e.g. sim_counter_name(). */
typedef const char *(*name_fn)(unsigned i);

static bool get_named(struct pctx *p, const char *what, name_fn fn, unsigned count, uint32_t *out) {
  const char *w = need(p, what);
  if (w == NULL)
    return false;
  for (unsigned i = 0; i < count; i++) {
    const char *name = fn(i);
    if (name != NULL && strcmp(name, w) == 0) {
      *out = i;
      return true;
    }
  }
  char list[512] = "";
  for (unsigned i = 0; i < count; i++) {
    size_t used = strlen(list);
    (void)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", fn(i));
  }
  return fail(p, "unknown %s '%s' (expected one of: %s)", what, w, list);
}

static const char *counter_name_at(unsigned i) {
  return sim_counter_name((enum sim_counter)i);
}
static const char *drop_name_at(unsigned i) {
  return sim_drop_reason_name((enum sim_drop_reason)i);
}
static const char *stream_name_at(unsigned i) {
  return sim_stream_name((enum sim_stream)i);
}
static const char *actor_name_at(unsigned i) {
  return sim_actor_name((enum sim_actor)i);
}

static bool lookup_feature(struct pctx *p, const char *name, uint64_t *mask) {
  unsigned bit;
  if (!model_feature_lookup(VIRTIO_ID_NET, name, &bit))
    return fail(p, "unknown feature '%s'", name);
  if (bit >= 64u)
    return fail(p, "feature '%s' (bit %u) is above bit 63, which viosim does not model", name, bit);
  *mask = model_feature_mask(bit);
  return true;
}

/* ------------------------------------------------------------------ */
/* setup commands                                                       */

static bool parse_memory(struct pctx *p, struct scn_cmd *cmd) {
  const char *w = need(p, "memory size");
  if (w == NULL)
    return false;
  if (!scn_parse_size(w, &cmd->a))
    return fail(p, "bad size '%s' for memory size (expected a number with K, M or G)", w);
  if (cmd->a < SCN_MEM_MIN || cmd->a > SCN_MEM_MAX)
    return fail(p, "memory size %s out of range (64K..1G)", w);
  if (cmd->a % 4096u != 0)
    return fail(p, "memory size %s is not a multiple of 4096", w);
  return end(p);
}

/* A feature list: all names (a full list, or `none`), or all +X/-X edits. */
static bool parse_feature_list(struct pctx *p, struct scn_feature_edit *edit, bool allow_edits) {
  bool seen_plain = false, seen_edit = false;
  if (at_end(p))
    return need(p, "feature list") != NULL;
  edit->replace = false;
  if (strcmp(peek(p), "none") == 0) {
    p->pos++;
    edit->replace = true;
    return end(p);
  }
  while (!at_end(p)) {
    const char *w = p->words[p->pos++];
    char sign = (w[0] == '+' || w[0] == '-') ? w[0] : '\0';
    uint64_t mask = 0;
    if (sign != '\0' && !allow_edits)
      return fail(p, "'%s': +/- edits are not allowed here, list feature names", w);
    if (!lookup_feature(p, sign ? w + 1 : w, &mask))
      return false;
    seen_plain |= sign == '\0';
    seen_edit |= sign != '\0';
    if (seen_plain && seen_edit)
      return fail(p, "'%s': a line is either a full feature list or +/- edits, not both", w);
    if (sign == '+') {
      edit->add |= mask;
      edit->del &= ~mask;
    } else if (sign == '-') {
      edit->del |= mask;
      edit->add &= ~mask;
    } else {
      edit->replace = true;
      edit->base |= mask;
    }
  }
  return true;
}

static bool parse_features(struct pctx *p, struct scn_cmd *cmd) {
  return parse_feature_list(p, &cmd->features, true);
}

static bool parse_queue_size_max(struct pctx *p, struct scn_cmd *cmd) {
  return get_num(p, "queue size", 0, 32768u, &cmd->a) && end(p);
}

static bool parse_mtu(struct pctx *p, struct scn_cmd *cmd) {
  return get_num(p, "mtu", 68u, 65535u, &cmd->a) && end(p);
}

static bool parse_mac_cmd(struct pctx *p, struct scn_cmd *cmd) {
  return get_mac(p, "MAC address", cmd->mac) && end(p);
}

static bool parse_link(struct pctx *p, struct scn_cmd *cmd) {
  return get_on_off(p, "link state", "up", "down", &cmd->flag) && end(p);
}

static bool parse_poll(struct pctx *p, struct scn_cmd *cmd) {
  const char *w = need(p, "poll interval or off");
  if (w == NULL)
    return false;
  if (strcmp(w, "off") == 0)
    return end(p);
  cmd->flag = true;
  if (strcmp(w, "on") == 0)
    return end(p);
  return num_in(p, w, "poll interval", 1u, 1000000u, &cmd->a) && end(p);
}

static bool parse_driver_queue(struct pctx *p, struct scn_cmd *cmd) {
  return get_choice(p, "queue", g_queue_choices, &cmd->key) &&
         get_num(p, "queue size", 1u, 32768u, &cmd->a) && end(p);
}

static bool parse_queue_stop(struct pctx *p, struct scn_cmd *cmd) {
  return get_num(p, "queue index", 0, SCN_QUEUE_COUNT - 1u, &cmd->a) && end(p);
}

static bool parse_rx_buffers(struct pctx *p, struct scn_cmd *cmd) {
  if (!get_num(p, "buffer count", 0, 32768u, &cmd->a))
    return false;
  if (at_end(p))
    return true;
  const char *w = need(p, "'size'");
  if (strcmp(w, "size") != 0)
    return fail(p, "unexpected '%s' (usage: %s)", w, p->syn->usage);
  return get_num(p, "buffer size", 1u, 1u << 20, &cmd->b) && end(p);
}

static bool parse_tx_segments(struct pctx *p, struct scn_cmd *cmd) {
  return get_num(p, "segment count", 1u, 2u, &cmd->a) && end(p);
}

static bool parse_on_off(struct pctx *p, struct scn_cmd *cmd) {
  return get_on_off(p, "switch", "on", "off", &cmd->flag) && end(p);
}

static bool parse_ppm_cmd(struct pctx *p, struct scn_cmd *cmd) {
  return get_ppm(p, "percentage", &cmd->a) && end(p);
}

static bool parse_reorder(struct pctx *p, struct scn_cmd *cmd) {
  if (!get_ppm(p, "percentage", &cmd->a))
    return false;
  if (at_end(p))
    return true;
  const char *w = need(p, "'extra'");
  if (strcmp(w, "extra") != 0)
    return fail(p, "unexpected '%s' (usage: %s)", w, p->syn->usage);
  cmd->has_b = true;
  return get_num(p, "extra delay", 1u, SCN_TICKS_MAX, &cmd->b) && end(p);
}

static bool parse_tick_range(struct pctx *p, struct scn_cmd *cmd) {
  return get_range(p, "delay", 0, SCN_TICKS_MAX, &cmd->a, &cmd->b) && end(p);
}

/* ring split|packed|both: the formats the script runs on (kept in the
 * script, like seeds). */
static bool parse_ring(struct pctx *p, struct scn_cmd *cmd) {
  static const char *const choices[] = {"split", "packed", "both", NULL};
  uint32_t i;
  (void)cmd;
  if (p->script->ring_line != 0)
    return fail(p, "'ring' given twice (first on line %u)", (unsigned)p->script->ring_line);
  if (!get_choice(p, "ring format", choices, &i) || !end(p))
    return false;
  p->script->rings = i == 2u ? SCN_RINGS_ALL : SCN_RING_BIT(i);
  p->script->ring_line = p->line;
  return true;
}

static bool parse_seeds(struct pctx *p, struct scn_cmd *cmd) {
  (void)cmd;
  if (p->script->seed_count != 0)
    return fail(p, "'seeds' given twice");
  if (need(p, "seed") == NULL)
    return false;
  p->pos--;
  if (p->word_count - p->pos > SCN_SEEDS_MAX)
    return fail(p, "too many seeds (at most %u)", SCN_SEEDS_MAX);
  for (; !at_end(p); p->pos++) {
    uint64_t v;
    if (!num_in(p, p->words[p->pos], "seed", 0, UINT64_MAX, &v))
      return false;
    p->script->seeds[p->script->seed_count++] = v;
  }
  return true;
}

static bool parse_accounting(struct pctx *p, struct scn_cmd *cmd) {
  return get_on_off(p, "switch", "on", "off", &cmd->flag) && end(p);
}

static bool parse_max_events(struct pctx *p, struct scn_cmd *cmd) {
  return get_num(p, "event count", 1u, 1000000000u, &cmd->a) && end(p);
}

/* ------------------------------------------------------------------ */
/* faults                                                               */

enum fault_opt { FOPT_ACTOR = 1u, FOPT_ACCESS = 2u, FOPT_ADDR = 4u, FOPT_COMMON = 8u };

static bool parse_fault_option(struct pctx *p, struct sim_fault_rule *rule, unsigned allowed,
                               unsigned *seen) {
  static const char *const opts[] = {"actor", "access", "addr", "skip", "count", "prob", NULL};
  static const unsigned need_bits[] = {FOPT_ACTOR,  FOPT_ACCESS, FOPT_ADDR,
                                       FOPT_COMMON, FOPT_COMMON, FOPT_COMMON};
  uint32_t i;
  if (!get_choice(p, "fault option", opts, &i))
    return false;
  if ((allowed & need_bits[i]) == 0)
    return fail(p, "'%s' does not apply to %s", opts[i], sim_fault_kind_name(rule->kind));
  if (*seen & (1u << i))
    return fail(p, "'%s' given twice", opts[i]);
  *seen |= 1u << i;
  switch (i) {
  case 0: {
    static const char *const any[] = {"any", NULL};
    if (peek(p) != NULL && strcmp(peek(p), "any") == 0) {
      uint32_t unused;
      rule->actor = SIM_ACTOR_COUNT;
      return get_choice(p, "actor", any, &unused);
    }
    uint32_t actor;
    if (!get_named(p, "actor", actor_name_at, SIM_ACTOR_COUNT, &actor))
      return false;
    rule->actor = (enum sim_actor)actor;
    return true;
  }
  case 1: {
    static const char *const acc[] = {"read", "write", "rw", NULL};
    uint32_t a;
    if (!get_choice(p, "access", acc, &a))
      return false;
    rule->access = a == 0   ? SIM_FAULT_ACCESS_READ
                   : a == 1 ? SIM_FAULT_ACCESS_WRITE
                            : SIM_FAULT_ACCESS_READ | SIM_FAULT_ACCESS_WRITE;
    return true;
  }
  case 2:
    if (!get_range(p, "address range", 0, UINT64_MAX, &rule->addr_lo, &rule->addr_hi))
      return false;
    if (rule->addr_lo == rule->addr_hi)
      return fail(p, "address range is empty: it is [MIN, MAX), MAX exclusive");
    return true;
  case 3:
    return get_num(p, "skip count", 0, UINT64_MAX, &rule->skip_count);
  case 4:
    if (peek(p) != NULL && strcmp(peek(p), "all") == 0) {
      p->pos++;
      rule->fire_count = 0;
      return true;
    }
    return get_num(p, "fire count", 1u, UINT64_MAX, &rule->fire_count);
  default: {
    uint64_t ppm = 0;
    if (!get_ppm(p, "probability", &ppm))
      return false;
    rule->prob_ppm = (uint32_t)ppm;
    return true;
  }
  }
}

static bool parse_fault(struct pctx *p, struct scn_cmd *cmd) {
  static const char *const kinds[] = {
      "mem_fail", "notify_drop", "notify_delay", "irq_drop", "irq_delay", "device_reset", NULL};
  static const enum sim_fault_kind kind_of[] = {SIM_FAULT_MEM_FAIL,     SIM_FAULT_NOTIFY_DROP,
                                                SIM_FAULT_NOTIFY_DELAY, SIM_FAULT_IRQ_DROP,
                                                SIM_FAULT_IRQ_DELAY,    SIM_FAULT_DEVICE_RESET};
  struct sim_fault_rule *rule = &cmd->fault;
  uint32_t k;
  unsigned allowed = FOPT_COMMON, seen = 0;
  if (!get_choice(p, "fault kind", kinds, &k))
    return false;
  memset(rule, 0, sizeof *rule);
  rule->kind = kind_of[k];
  rule->actor = SIM_ACTOR_COUNT;
  rule->access = SIM_FAULT_ACCESS_READ | SIM_FAULT_ACCESS_WRITE;
  rule->addr_hi = UINT64_MAX;
  rule->fire_count = 1;
  rule->prob_ppm = 1000000u;
  switch (rule->kind) {
  case SIM_FAULT_MEM_FAIL:
    allowed |= FOPT_ACTOR | FOPT_ACCESS | FOPT_ADDR;
    break;
  case SIM_FAULT_NOTIFY_DELAY:
  case SIM_FAULT_IRQ_DELAY:
    if (!get_num(p, "delay", 1u, SCN_TICKS_MAX, &rule->delay_ticks))
      return false;
    break;
  case SIM_FAULT_DEVICE_RESET: {
    const char *w = need(p, "'at'");
    if (w == NULL)
      return false;
    if (strcmp(w, "at") != 0)
      return fail(p, "unexpected '%s' (usage: %s)", w, p->syn->usage);
    return get_num(p, "reset time", 0, SCN_TICKS_MAX, &rule->at_ticks) && end(p);
  }
  case SIM_FAULT_NOTIFY_DROP:
  case SIM_FAULT_IRQ_DROP:
  case SIM_FAULT_KIND_COUNT:
    break;
  }
  while (!at_end(p)) {
    if (!parse_fault_option(p, rule, allowed, &seen))
      return false;
  }
  return true;
}

/* ------------------------------------------------------------------ */
/* actions                                                              */

static bool parse_no_args(struct pctx *p, struct scn_cmd *cmd) {
  (void)cmd;
  return end(p);
}

static bool status_bit_named(const char *name, uint64_t *bit) {
  static const struct {
    const char *name;
    uint64_t bit;
  } names[] = {
      {"ACKNOWLEDGE", VIRTIO_STATUS_ACKNOWLEDGE},
      {"DRIVER", VIRTIO_STATUS_DRIVER},
      {"DRIVER_OK", VIRTIO_STATUS_DRIVER_OK},
      {"FEATURES_OK", VIRTIO_STATUS_FEATURES_OK},
      {"DEVICE_NEEDS_RESET", VIRTIO_STATUS_DEVICE_NEEDS_RESET},
      {"NEEDS_RESET", VIRTIO_STATUS_DEVICE_NEEDS_RESET},
      {"FAILED", VIRTIO_STATUS_FAILED},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(names[i].name, name) == 0) {
      *bit = names[i].bit;
      return true;
    }
  }
  return false;
}

/* "ACKNOWLEDGE|DRIVER", a number, or 0. */
static bool get_status_bits(struct pctx *p, uint64_t *bits) {
  const char *w = need(p, "status bits");
  char buf[256];
  if (w == NULL)
    return false;
  *bits = 0;
  if (strlen(w) >= sizeof buf)
    return fail(p, "status bits '%s' too long", w);
  strcpy(buf, w);
  for (char *tok = buf, *bar; tok != NULL; tok = bar) {
    uint64_t bit;
    bar = strchr(tok, '|');
    if (bar != NULL)
      *bar++ = '\0';
    if (tok[0] >= '0' && tok[0] <= '9') {
      if (!num_in(p, tok, "status value", 0, 255u, &bit))
        return false;
    } else if (!status_bit_named(tok, &bit)) {
      return fail(p,
                  "unknown status bit '%s' (expected ACKNOWLEDGE, DRIVER, FEATURES_OK, "
                  "DRIVER_OK, DEVICE_NEEDS_RESET, FAILED or a number)",
                  tok);
    }
    *bits |= bit;
  }
  return true;
}

static bool parse_status_set(struct pctx *p, struct scn_cmd *cmd) {
  if (!get_status_bits(p, &cmd->a))
    return false;
  if (cmd->a == 0)
    return fail(p, "'status 0' sets no bit: write 'reset' to reset the device");
  if ((cmd->a & (cmd->a - 1u)) != 0)
    return fail(p, "'status' adds one bit at a time (the driver writes one step per write)");
  return end(p);
}

static bool parse_features_write(struct pctx *p, struct scn_cmd *cmd) {
  return parse_feature_list(p, &cmd->features, false);
}

/* [size MIN..MAX] [to WHO] [interval T] in any order, each at most once. */
static bool parse_send_options(struct pctx *p, struct scn_cmd *cmd, bool peer) {
  static const char *const opts[] = {"size", "to", "interval", NULL};
  unsigned seen = 0;
  cmd->b = SIM_FRAME_MIN_SIZE;
  cmd->c = MODEL_ETH_MAX_FRAME;
  cmd->d = 10u;
  while (!at_end(p)) {
    uint32_t i;
    if (!get_choice(p, "send option", opts, &i))
      return false;
    if (i == 2 && !peer)
      return fail(p, "'interval' applies to 'peer send' only");
    if (seen & (1u << i))
      return fail(p, "'%s' given twice", opts[i]);
    seen |= 1u << i;
    if (i == 0 &&
        !get_range(p, "frame size", SIM_FRAME_MIN_SIZE, SIM_FRAME_MAX_SIZE, &cmd->b, &cmd->c))
      return false;
    if (i == 2 && !get_num(p, "interval", 0, SCN_TICKS_MAX, &cmd->d))
      return false;
    if (i == 1) {
      const char *w = need(p, "destination");
      if (w == NULL)
        return false;
      if (strcmp(w, peer ? "driver" : "peer") == 0) {
        cmd->dest = SCN_DEST_DEFAULT;
      } else if (strcmp(w, "broadcast") == 0) {
        cmd->dest = SCN_DEST_BROADCAST;
      } else if (scn_parse_mac(w, cmd->mac)) {
        cmd->dest = SCN_DEST_MAC;
      } else {
        return fail(p, "bad destination '%s' (expected %s, broadcast or a MAC address)", w,
                    peer ? "driver" : "peer");
      }
    }
  }
  return true;
}

static bool parse_send(struct pctx *p, struct scn_cmd *cmd) {
  return get_num(p, "frame count", 1u, SCN_COUNT_MAX, &cmd->a) && parse_send_options(p, cmd, false);
}

static bool parse_peer_send(struct pctx *p, struct scn_cmd *cmd) {
  return get_num(p, "frame count", 1u, SCN_COUNT_MAX, &cmd->a) && parse_send_options(p, cmd, true);
}

static bool parse_ctrl_rx(struct pctx *p, struct scn_cmd *cmd) {
  return get_choice(p, "rx mode", g_rx_mode_choices, &cmd->key) &&
         get_on_off(p, "switch", "on", "off", &cmd->flag) && end(p);
}

/* mac_table [uni MAC...] [multi MAC...] */
static bool parse_mac_table(struct pctx *p, struct scn_cmd *cmd) {
  int list = -1; /* 0 uni, 1 multi */
  while (!at_end(p)) {
    const char *w = p->words[p->pos];
    if (strcmp(w, "uni") == 0 || strcmp(w, "multi") == 0) {
      int next = w[0] == 'u' ? 0 : 1;
      if (next <= list)
        return fail(p, "'%s' out of order or twice: write 'uni' addresses, then 'multi'", w);
      list = next;
      p->pos++;
      continue;
    }
    if (list < 0)
      return fail(p, "'%s': a MAC list starts with 'uni' or 'multi' (usage: %s)", w, p->syn->usage);
    if (cmd->uni_count + cmd->multi_count >= SCN_MACS_MAX)
      return fail(p, "too many MAC addresses (at most %u)", SCN_MACS_MAX);
    if (!get_mac(p, "MAC address", cmd->macs[cmd->uni_count + cmd->multi_count]))
      return false;
    if (list == 0)
      cmd->uni_count++;
    else
      cmd->multi_count++;
  }
  return true;
}

static bool parse_run(struct pctx *p, struct scn_cmd *cmd) {
  cmd->flag = true;
  if (at_end(p))
    return true;
  if (strcmp(peek(p), "idle") == 0) {
    p->pos++;
    return end(p);
  }
  cmd->flag = false;
  return get_num(p, "run time", 1u, SCN_TICKS_MAX, &cmd->a) && end(p);
}

static bool parse_note(struct pctx *p, struct scn_cmd *cmd) {
  const char *w = need(p, "text");
  if (w == NULL)
    return false;
  if (strlen(w) >= sizeof cmd->text)
    return fail(p, "note longer than %u bytes", SCN_NOTE_MAX - 1u);
  strcpy(cmd->text, w);
  return end(p);
}

/* ------------------------------------------------------------------ */
/* expectations                                                         */

static bool get_bits_test(struct pctx *p, uint32_t *test) {
  static const char *const tests[] = {"==", "has", "lacks", NULL};
  return get_choice(p, "test", tests, test);
}

static bool parse_expect_status(struct pctx *p, struct scn_cmd *cmd) {
  return get_bits_test(p, &cmd->key) && get_status_bits(p, &cmd->a) && end(p);
}

static bool parse_expect_features(struct pctx *p, struct scn_cmd *cmd) {
  if (!get_bits_test(p, &cmd->key))
    return false;
  if (cmd->key != SCN_BITS_EQ && at_end(p))
    return need(p, "feature list") != NULL;
  return parse_feature_list(p, &cmd->features, false);
}

static bool parse_expect_result(struct pctx *p, struct scn_cmd *cmd) {
  const char *w = need(p, "result name");
  if (w == NULL)
    return false;
  if (strcmp(w, "ok") == 0) {
    cmd->a = MODEL_OK;
    return end(p);
  }
  for (unsigned i = 0; i < (unsigned)MODEL_ERR_COUNT; i++) {
    if (strcmp(model_err_name((model_err)i), w) == 0) {
      cmd->a = i;
      return end(p);
    }
  }
  return fail(p, "unknown result '%s' (expected ok or an error name like FEATURE_REJECTED)", w);
}

static bool get_cmp(struct pctx *p, enum scn_cmp *cmp) {
  uint32_t i;
  if (!get_choice(p, "comparison", g_cmp_choices, &i))
    return false;
  *cmp = (enum scn_cmp)i;
  return true;
}

static bool parse_expect_counter(struct pctx *p, struct scn_cmd *cmd) {
  return get_named(p, "counter", counter_name_at, SIM_CTR_COUNT, &cmd->key) &&
         get_cmp(p, &cmd->cmp) && get_num(p, "expected value", 0, UINT64_MAX, &cmd->a) && end(p);
}

/* expect frames STREAM FIGURE [REASON] CMP N */
static bool parse_expect_frames(struct pctx *p, struct scn_cmd *cmd) {
  if (!get_named(p, "stream", stream_name_at, SIM_STREAM_COUNT, &cmd->key) ||
      !get_choice(p, "frame figure", g_figure_choices, &cmd->key2))
    return false;
  cmd->key3 = SIM_DROP_COUNT;
  if (cmd->key2 == SCN_FIG_DROPPED && peek(p) != NULL && peek(p)[0] >= 'a' && peek(p)[0] <= 'z' &&
      !get_named(p, "drop reason", drop_name_at, SIM_DROP_COUNT, &cmd->key3))
    return false;
  return get_cmp(p, &cmd->cmp) && get_num(p, "expected value", 0, UINT64_MAX, &cmd->a) && end(p);
}

static bool parse_expect_ctrl(struct pctx *p, struct scn_cmd *cmd) {
  return get_on_off(p, "ack", "ok", "err", &cmd->flag) && end(p);
}

/* ------------------------------------------------------------------ */
/* the conformance monitor: misbehaviours, mode, expected verdicts      */

/* A misbehaviour name of the driver (frontend/misbehave.h) or the device
 * (backend/misbehave.h): added to cmd (drv_misbehave, or the flags in a),
 * or false if that half has none of the name. */
static bool misbehave_lookup(bool driver, const char *name, struct scn_cmd *cmd) {
  unsigned bit;
  if (driver && drv_misbehave_lookup(name, &bit)) {
    drv_misbehave_add(&cmd->drv_misbehave, bit);
    return true;
  }
  if (!driver && dev_misbehave_lookup(name, &bit)) {
    cmd->a |= dev_misbehave_mask((enum dev_misbehave)bit);
    return true;
  }
  return false;
}

/* misbehave driver|device NAME...: the set in cmd->drv_misbehave (driver)
 * or the flags OR-ed into cmd->a (device). Names are checked here, so a
 * typo never turns into a well-behaved run. */
static bool parse_misbehave(struct pctx *p, struct scn_cmd *cmd) {
  bool driver = cmd->op == SCN_OP_MISBEHAVE_DRIVER;
  const char *who = driver ? "driver" : "device";
  const char *other = driver ? "device" : "driver";
  if (need(p, "misbehaviour name") == NULL)
    return false;
  for (p->pos--; !at_end(p); p->pos++) {
    const char *w = p->words[p->pos];
    if (misbehave_lookup(driver, w, cmd))
      continue;
    struct scn_cmd scratch = {0};
    if (misbehave_lookup(!driver, w, &scratch))
      return fail(p, "'%s' is a %s misbehaviour, not a %s one (write 'misbehave %s %s')", w, other,
                  who, other, w);
    return fail(p, "unknown %s misbehaviour '%s' (scenarios/README.md lists them)", who, w);
  }
  p->script->monitor_suite = true;
  return true;
}

static bool parse_monitor(struct pctx *p, struct scn_cmd *cmd) {
  static const char *const modes[] = {"accesses", "snapshots", "both", NULL};
  static const uint64_t bits[] = {MODEL_MON_OBSERVE_ACCESSES, MODEL_MON_OBSERVE_SNAPSHOTS,
                                  MODEL_MON_OBSERVE_ACCESSES | MODEL_MON_OBSERVE_SNAPSHOTS};
  uint32_t i;
  if (!get_choice(p, "monitor mode", modes, &i))
    return false;
  cmd->a = bits[i];
  return end(p);
}

static bool is_monitor_check(const char *id) {
  for (size_t i = 0; i < model_mon_check_count(); i++)
    if (strcmp(model_mon_check_id(i), id) == 0)
      return true;
  return false;
}

static size_t catalog_index_of(const struct model_clause *clause) {
  size_t i = 0;
  while (i < model_catalog_count() && model_catalog_at(i) != clause)
    i++;
  return i;
}

/* The line of an earlier `expect violation` of the same clause, or 0. */
static uint32_t expected_before(const struct scn_script *script, uint64_t index) {
  for (size_t i = 0; i < script->cmd_count; i++)
    if (script->cmds[i].op == SCN_OP_EXPECT_VIOLATION && script->cmds[i].a == index)
      return script->cmds[i].line;
  return 0;
}

/* expect violation ID by driver|device */
static bool parse_expect_violation(struct pctx *p, struct scn_cmd *cmd) {
  static const char *const targets[] = {"driver", "device", NULL};
  const char *id = need(p, "clause id");
  if (id == NULL)
    return false;
  const struct model_clause *clause = model_catalog_find(id);
  if (clause == NULL)
    return fail(p, "unknown clause id '%s' (expected a catalog id like 2.7.6.1#1)", id);
  const char *by = need(p, "'by'");
  if (by == NULL)
    return false;
  if (strcmp(by, "by") != 0)
    return fail(p, "unexpected '%s' (usage: %s)", by, p->syn->usage);
  if (!get_choice(p, "target", targets, &cmd->key) || !end(p))
    return false;
  enum model_target target = cmd->key == 0 ? MODEL_TARGET_DRIVER : MODEL_TARGET_DEVICE;
  if (target != clause->target)
    return fail(p, "%s binds the %s, not the %s: write 'expect violation %s by %s'", id,
                model_target_name(clause->target), model_target_name(target), id,
                model_target_name(clause->target));
  cmd->key = (uint32_t)target;
  if (!is_monitor_check(id))
    return fail(p, "the monitor has no check for %s, so its violation can never be seen", id);
  cmd->a = catalog_index_of(clause);
  uint32_t earlier = expected_before(p->script, cmd->a);
  if (earlier != 0)
    return fail(p, "violation of %s already expected on line %u", id, (unsigned)earlier);
  if (p->no_violations_line != 0)
    return fail(p, "'expect violation' contradicts 'expect no violations' on line %u",
                (unsigned)p->no_violations_line);
  if (p->violation_line == 0)
    p->violation_line = p->line;
  p->script->monitor_suite = true;
  return true;
}

/* expect no violations (the default, said explicitly) */
static bool parse_expect_no_violations(struct pctx *p, struct scn_cmd *cmd) {
  (void)cmd;
  const char *w = need(p, "'violations'");
  if (w == NULL)
    return false;
  if (strcmp(w, "violations") != 0)
    return fail(p, "unexpected '%s' (usage: %s)", w, p->syn->usage);
  if (!end(p))
    return false;
  if (p->violation_line != 0)
    return fail(p, "'expect no violations' contradicts 'expect violation' on line %u",
                (unsigned)p->violation_line);
  if (p->no_violations_line == 0)
    p->no_violations_line = p->line;
  return true;
}

/* ------------------------------------------------------------------ */
/* the command table                                                    */

#define FEATS "FEATURE... | +FEATURE... -FEATURE... | none"
#define FOPTS "[skip N] [count N|all] [prob PERCENT]"

static const struct syntax g_syntax[] = {
    {"seeds", NULL, SCN_OP_SEEDS, SYN_SETUP, parse_seeds, "seeds N..."},
    {"ring", NULL, SCN_OP_RING, SYN_SETUP, parse_ring, "ring split|packed|both"},
    {"memory", NULL, SCN_OP_MEMORY, SYN_SETUP, parse_memory, "memory SIZE (e.g. 64M)"},
    {"device", "features", SCN_OP_DEVICE_FEATURES, SYN_SETUP, parse_features,
     "device features " FEATS},
    {"device", "queue_size_max", SCN_OP_DEVICE_QUEUE_SIZE_MAX, SYN_SETUP, parse_queue_size_max,
     "device queue_size_max N"},
    {"device", "mtu", SCN_OP_DEVICE_MTU, SYN_SETUP, parse_mtu, "device mtu N"},
    {"device", "mac", SCN_OP_DEVICE_MAC, SYN_SETUP, parse_mac_cmd, "device mac MAC"},
    {"device", "link", SCN_OP_DEVICE_LINK, SYN_SETUP, parse_link, "device link up|down"},
    {"device", "poll", SCN_OP_DEVICE_POLL, SYN_SETUP, parse_poll, "device poll off|on|TICKS"},
    {"driver", "features", SCN_OP_DRIVER_FEATURES, SYN_SETUP, parse_features,
     "driver features " FEATS},
    {"driver", "requires", SCN_OP_DRIVER_REQUIRES, SYN_SETUP, parse_features,
     "driver requires " FEATS},
    {"driver", "queue", SCN_OP_DRIVER_QUEUE, SYN_SETUP, parse_driver_queue,
     "driver queue rx|tx|ctrl SIZE"},
    {"driver", "rx_buffers", SCN_OP_DRIVER_RX_BUFFERS, SYN_SETUP, parse_rx_buffers,
     "driver rx_buffers COUNT [size BYTES]"},
    {"driver", "tx_segments", SCN_OP_DRIVER_TX_SEGMENTS, SYN_SETUP, parse_tx_segments,
     "driver tx_segments 1|2"},
    {"driver", "tx_indirect", SCN_OP_DRIVER_TX_INDIRECT, SYN_SETUP, parse_on_off,
     "driver tx_indirect on|off"},
    {"driver", "tx_interrupts", SCN_OP_DRIVER_TX_INTERRUPTS, SYN_SETUP, parse_on_off,
     "driver tx_interrupts on|off"},
    {"wire", "loss", SCN_OP_WIRE_LOSS, SYN_SETUP, parse_ppm_cmd, "wire loss PERCENT"},
    {"wire", "dup", SCN_OP_WIRE_DUP, SYN_SETUP, parse_ppm_cmd, "wire dup PERCENT"},
    {"wire", "reorder", SCN_OP_WIRE_REORDER, SYN_SETUP, parse_reorder,
     "wire reorder PERCENT [extra TICKS]"},
    {"wire", "delay", SCN_OP_WIRE_DELAY, SYN_SETUP, parse_tick_range, "wire delay MIN..MAX"},
    {"wire", "loopback", SCN_OP_WIRE_LOOPBACK, SYN_SETUP, parse_on_off, "wire loopback on|off"},
    {"latency", "notify", SCN_OP_LATENCY_NOTIFY, SYN_SETUP, parse_tick_range,
     "latency notify MIN..MAX"},
    {"latency", "irq", SCN_OP_LATENCY_IRQ, SYN_SETUP, parse_tick_range, "latency irq MIN..MAX"},
    {"misbehave", "driver", SCN_OP_MISBEHAVE_DRIVER, SYN_SETUP, parse_misbehave,
     "misbehave driver NAME..."},
    {"misbehave", "device", SCN_OP_MISBEHAVE_DEVICE, SYN_SETUP, parse_misbehave,
     "misbehave device NAME..."},
    {"monitor", NULL, SCN_OP_MONITOR, SYN_SETUP, parse_monitor, "monitor accesses|snapshots|both"},
    {"fault", NULL, SCN_OP_FAULT, SYN_ANYWHERE, parse_fault,
     "fault mem_fail [actor WHO|any] [access read|write|rw] [addr LO..HI] " FOPTS
     " | fault notify_drop|irq_drop " FOPTS " | fault notify_delay|irq_delay TICKS " FOPTS
     " | fault device_reset at TICKS"},
    {"option", "accounting", SCN_OP_OPTION_ACCOUNTING, SYN_ANYWHERE, parse_accounting,
     "option accounting on|off"},
    {"option", "max_events", SCN_OP_OPTION_MAX_EVENTS, SYN_ANYWHERE, parse_max_events,
     "option max_events N"},
    {"init", NULL, SCN_OP_INIT, SYN_ACTION, parse_no_args, "init"},
    {"probe", NULL, SCN_OP_PROBE, SYN_ACTION, parse_no_args, "probe"},
    {"reset", NULL, SCN_OP_RESET, SYN_ACTION, parse_no_args, "reset"},
    {"status", NULL, SCN_OP_STATUS_SET, SYN_ACTION, parse_status_set, "status BIT"},
    {"negotiate", NULL, SCN_OP_NEGOTIATE, SYN_ACTION, parse_no_args, "negotiate"},
    {"features", "read", SCN_OP_FEATURES_READ, SYN_ACTION, parse_no_args, "features read"},
    {"features", "write", SCN_OP_FEATURES_WRITE, SYN_ACTION, parse_features_write,
     "features write FEATURE...|none"},
    {"features", "ok", SCN_OP_FEATURES_OK, SYN_ACTION, parse_no_args, "features ok"},
    {"config", "read", SCN_OP_CONFIG_READ, SYN_ACTION, parse_no_args, "config read"},
    {"queues", NULL, SCN_OP_QUEUES, SYN_ACTION, parse_no_args, "queues"},
    {"fail", NULL, SCN_OP_FAIL, SYN_ACTION, parse_no_args, "fail"},
    {"send", NULL, SCN_OP_SEND, SYN_ACTION, parse_send,
     "send COUNT [size MIN..MAX] [to peer|broadcast|MAC]"},
    {"peer", "send", SCN_OP_PEER_SEND, SYN_ACTION, parse_peer_send,
     "peer send COUNT [size MIN..MAX] [interval TICKS] [to driver|broadcast|MAC]"},
    {"ctrl", "rx", SCN_OP_CTRL_RX, SYN_ACTION, parse_ctrl_rx,
     "ctrl rx promisc|allmulti|alluni|nomulti|nouni|nobcast on|off"},
    {"ctrl", "mac_table", SCN_OP_CTRL_MAC_TABLE, SYN_ACTION, parse_mac_table,
     "ctrl mac_table [uni MAC...] [multi MAC...]"},
    {"ctrl", "mac_addr", SCN_OP_CTRL_MAC_ADDR, SYN_ACTION, parse_mac_cmd, "ctrl mac_addr MAC"},
    {"queue", "stop", SCN_OP_QUEUE_STOP, SYN_ACTION, parse_queue_stop,
     "queue stop INDEX (0 rx, 1 tx, 2 ctrl)"},
    {"link", NULL, SCN_OP_LINK, SYN_ACTION, parse_link, "link up|down"},
    {"run", NULL, SCN_OP_RUN, SYN_ACTION, parse_run, "run [idle|TICKS]"},
    {"note", NULL, SCN_OP_NOTE, SYN_ACTION, parse_note, "note \"TEXT\""},
    {"expect", "status", SCN_OP_EXPECT_STATUS, SYN_EXPECT, parse_expect_status,
     "expect status ==|has|lacks BIT[|BIT...]"},
    {"expect", "features", SCN_OP_EXPECT_FEATURES, SYN_EXPECT, parse_expect_features,
     "expect features ==|has|lacks FEATURE... (== none for the empty set)"},
    {"expect", "result", SCN_OP_EXPECT_RESULT, SYN_EXPECT, parse_expect_result,
     "expect result ok|ERROR_NAME"},
    {"expect", "counter", SCN_OP_EXPECT_COUNTER, SYN_EXPECT, parse_expect_counter,
     "expect counter NAME ==|!=|<|<=|>|>= N"},
    {"expect", "frames", SCN_OP_EXPECT_FRAMES, SYN_EXPECT, parse_expect_frames,
     "expect frames rx|tx generated|duplicated|delivered|delivered_dup|corrupt|on_wire|"
     "dropped [REASON] ==|!=|<|<=|>|>= N"},
    {"expect", "accounted", SCN_OP_EXPECT_ACCOUNTED, SYN_EXPECT, parse_no_args, "expect accounted"},
    {"expect", "link", SCN_OP_EXPECT_LINK, SYN_EXPECT, parse_link, "expect link up|down"},
    {"expect", "ctrl", SCN_OP_EXPECT_CTRL, SYN_EXPECT, parse_expect_ctrl, "expect ctrl ok|err"},
    {"expect", "violation", SCN_OP_EXPECT_VIOLATION, SYN_ANYWHERE, parse_expect_violation,
     "expect violation ID by driver|device"},
    {"expect", "no", SCN_OP_EXPECT_NO_VIOLATIONS, SYN_ANYWHERE, parse_expect_no_violations,
     "expect no violations"},
};

#define SYNTAX_COUNT (sizeof g_syntax / sizeof g_syntax[0])

const char *scn_op_name(enum scn_op op) {
  static char names[SCN_OP_COUNT][40];
  if (op == SCN_OP_EXPECT_NO_VIOLATIONS)
    return "expect no violations"; /* the only three-word command */
  for (size_t i = 0; i < SYNTAX_COUNT; i++) {
    if (g_syntax[i].op != op)
      continue;
    if (names[op][0] == '\0')
      (void)snprintf(names[op], sizeof names[op], "%s%s%s", g_syntax[i].w1,
                     g_syntax[i].w2 ? " " : "", g_syntax[i].w2 ? g_syntax[i].w2 : "");
    return names[op];
  }
  return "?";
}

/* The entry for the words at the start of the line, or an error. */
static const struct syntax *find_syntax(struct pctx *p) {
  const char *w1 = p->words[0];
  const char *w2 = p->word_count > 1 ? p->words[1] : NULL;
  bool w1_known = false;
  char subs[256] = "";
  for (size_t i = 0; i < SYNTAX_COUNT; i++) {
    const struct syntax *s = &g_syntax[i];
    if (strcmp(s->w1, w1) != 0)
      continue;
    w1_known = true;
    if (s->w2 == NULL)
      return s;
    if (w2 != NULL && strcmp(s->w2, w2) == 0)
      return s;
    size_t used = strlen(subs);
    (void)snprintf(subs + used, sizeof subs - used, "%s%s", used ? ", " : "", s->w2);
  }
  if (!w1_known) {
    (void)fail(p, "unknown command '%s'", w1);
    return NULL;
  }
  if (w2 == NULL)
    (void)fail(p, "'%s' needs a second word: one of %s", w1, subs);
  else
    (void)fail(p, "unknown '%s' command '%s' (expected one of: %s)", w1, w2, subs);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* lines and words                                                      */

/* Split line (modified in place) into p->words. */
static bool split_words(struct pctx *p, char *line) {
  char *s = line;
  p->word_count = 0;
  p->pos = 0;
  for (;;) {
    while (*s == ' ' || *s == '\t')
      s++;
    if (*s == '\0' || *s == '#')
      return true;
    if (p->word_count == SCN_WORDS_MAX)
      return fail(p, "too many words on one line (at most %u)", SCN_WORDS_MAX);
    if (*s == '"') {
      char *close = strchr(s + 1, '"');
      if (close == NULL)
        return fail(p, "unterminated quote");
      *close = '\0';
      p->words[p->word_count++] = s + 1;
      s = close + 1;
      if (*s != '\0' && *s != ' ' && *s != '\t')
        return fail(p, "a quoted word must be followed by a blank");
      continue;
    }
    p->words[p->word_count++] = s;
    while (*s != '\0' && *s != ' ' && *s != '\t') {
      if (*s == '"')
        return fail(p, "quote inside a word: put blanks around quoted text");
      s++;
    }
    if (*s != '\0')
      *s++ = '\0';
  }
}

static bool check_chars(struct pctx *p, const char *line, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)line[i];
    if (c == '\t' || (c >= 0x20 && c < 0x7f))
      continue;
    return fail(p, "invalid character 0x%02x at column %zu (scenario files are printable ASCII)", c,
                i + 1);
  }
  return true;
}

static model_err script_push(struct scn_script *script, const struct scn_cmd *cmd) {
  if (script->cmd_count == script->cmd_capacity) {
    size_t cap = script->cmd_capacity ? script->cmd_capacity * 2u : 16u;
    struct scn_cmd *grown = realloc(script->cmds, cap * sizeof *grown);
    if (grown == NULL)
      return MODEL_ERR_NO_MEMORY;
    script->cmds = grown;
    script->cmd_capacity = cap;
  }
  script->cmds[script->cmd_count++] = *cmd;
  return MODEL_OK;
}

/* Parse one line (already split); *acting tracks whether an action was seen. */
static bool parse_line(struct pctx *p, bool *acting, struct scn_cmd *cmd) {
  const struct syntax *syn = find_syntax(p);
  if (syn == NULL)
    return false;
  p->syn = syn;
  p->pos = syn->w2 != NULL ? 2u : 1u;
  if (syn->kind == SYN_SETUP && *acting)
    return fail(p, "setup command '%s' after the first action: put setup lines first",
                scn_op_name(syn->op));
  if (syn->kind == SYN_ACTION || syn->kind == SYN_EXPECT)
    *acting = true;
  memset(cmd, 0, sizeof *cmd);
  cmd->op = syn->op;
  cmd->line = p->line;
  return syn->parse(p, cmd);
}

/* A feature line that names RING_PACKED: the ring format is the `ring`
 * line's business, so only a pinned script may (lang.h). */
static bool names_ring_format(const struct scn_cmd *cmd) {
  const struct scn_feature_edit *f = &cmd->features;
  enum scn_op op = cmd->op;
  if (op != SCN_OP_DEVICE_FEATURES && op != SCN_OP_DRIVER_FEATURES &&
      op != SCN_OP_DRIVER_REQUIRES && op != SCN_OP_FEATURES_WRITE && op != SCN_OP_EXPECT_FEATURES)
    return false;
  return model_features_has(f->base | f->add | f->del, VIRTIO_F_RING_PACKED);
}

/* Parse one raw line: characters, words, command. False with err set. */
static bool parse_raw_line(struct pctx *p, const char *raw, size_t len, bool *acting,
                           struct scn_script *script) {
  char line[SCN_LINE_MAX];
  struct scn_cmd cmd;
  if (len > 0 && raw[len - 1] == '\r')
    len--;
  if (len >= sizeof line)
    return fail(p, "line longer than %u bytes", SCN_LINE_MAX - 1u);
  memcpy(line, raw, len);
  line[len] = '\0';
  if (!check_chars(p, line, len) || !split_words(p, line))
    return false;
  if (p->word_count == 0)
    return true;
  if (!parse_line(p, acting, &cmd))
    return false;
  if (names_ring_format(&cmd) && script->ring_feature_line == 0)
    script->ring_feature_line = p->line;
  if (cmd.op == SCN_OP_SEEDS || cmd.op == SCN_OP_RING)
    return true; /* seeds and rings live in the script, not in the command list */
  if (script_push(script, &cmd) != MODEL_OK)
    return fail(p, "out of memory");
  return true;
}

model_err scn_script_parse_text(struct scn_script *script, const char *path, const char *text,
                                size_t len, char *err, size_t err_size) {
  struct pctx p = {.path = path, .script = script, .err = err, .err_size = err_size};
  bool acting = false;
  memset(script, 0, sizeof *script);
  assert(err_size > 0);
  err[0] = '\0';
  script->path = malloc(strlen(path) + 1u);
  if (script->path == NULL)
    return MODEL_ERR_NO_MEMORY;
  strcpy(script->path, path);
  for (size_t off = 0; off < len;) {
    const char *nl = memchr(text + off, '\n', len - off);
    size_t line_len = nl != NULL ? (size_t)(nl - (text + off)) : len - off;
    p.line++;
    if (!parse_raw_line(&p, text + off, line_len, &acting, script)) {
      scn_script_fini(script);
      return MODEL_ERR_INVALID_ARG;
    }
    off += line_len + (nl != NULL ? 1u : 0u);
  }
  if (script->seed_count == 0) {
    script->seeds[0] = 1;
    script->seed_count = 1;
  }
  if (script->rings == 0)
    script->rings = SCN_RINGS_ALL;
  if (script->ring_feature_line != 0 && script->rings == SCN_RINGS_ALL) {
    p.line = script->ring_feature_line;
    (void)fail(&p, "RING_PACKED in a feature line of a scenario that runs on both ring formats: "
                   "pin the format with 'ring split' or 'ring packed' to set it yourself");
    scn_script_fini(script);
    return MODEL_ERR_INVALID_ARG;
  }
  return MODEL_OK;
}

model_err scn_script_parse_file(struct scn_script *script, const char *path, char *err,
                                size_t err_size) {
  memset(script, 0, sizeof *script);
  assert(err_size > 0);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    (void)snprintf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
    return MODEL_ERR_INVALID_ARG;
  }
  char *text = malloc(SCN_FILE_SIZE_MAX + 1u);
  if (text == NULL) {
    fclose(f);
    (void)snprintf(err, err_size, "%s: out of memory", path);
    return MODEL_ERR_NO_MEMORY;
  }
  size_t len = fread(text, 1, SCN_FILE_SIZE_MAX + 1u, f);
  bool read_error = ferror(f) != 0;
  fclose(f);
  model_err e = MODEL_ERR_INVALID_ARG;
  if (read_error)
    (void)snprintf(err, err_size, "%s: cannot read: %s", path, strerror(errno));
  else if (len > SCN_FILE_SIZE_MAX)
    (void)snprintf(err, err_size, "%s: file larger than %u bytes", path, SCN_FILE_SIZE_MAX);
  else
    e = scn_script_parse_text(script, path, text, len, err, err_size);
  free(text);
  return e;
}

void scn_script_fini(struct scn_script *script) {
  free(script->path);
  free(script->cmds);
  memset(script, 0, sizeof *script);
}
