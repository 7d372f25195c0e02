/*
 * fuzz/fuzz_input.h: reading a fuzz input as a stream of little-endian
 * integers. Every read past the end gives 0, so a short input decodes like
 * the same input padded with zeros: a target never rejects an input for its
 * length, and libFuzzer's shrinking keeps meaning.
 */
#ifndef VIOSIM_FUZZ_FUZZ_INPUT_H
#define VIOSIM_FUZZ_FUZZ_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fuzz_input {
  const uint8_t *data;
  size_t size, pos;
};

static inline uint8_t fuzz_u8(struct fuzz_input *in) {
  return in->pos < in->size ? in->data[in->pos++] : 0u;
}
static inline uint16_t fuzz_u16(struct fuzz_input *in) {
  uint16_t lo = fuzz_u8(in);
  return (uint16_t)(lo | (uint16_t)(fuzz_u8(in) << 8));
}
static inline uint32_t fuzz_u32(struct fuzz_input *in) {
  uint32_t lo = fuzz_u16(in);
  return lo | (uint32_t)fuzz_u16(in) << 16;
}
static inline uint64_t fuzz_u64(struct fuzz_input *in) {
  uint64_t lo = fuzz_u32(in);
  return lo | (uint64_t)fuzz_u32(in) << 32;
}
/* Every byte has been read. */
static inline bool fuzz_done(const struct fuzz_input *in) {
  return in->pos >= in->size;
}

#endif
