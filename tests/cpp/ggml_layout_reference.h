// Test-side readings of ggml's block layouts, written from the layout tables (docs/numerics.md §10)
// rather than taken from src/quant, so the tests check the core by a second route.
#pragma once
#include <cstdint>

#include "core/half.h"

namespace qp::test {

// The little-endian fp16 at p, as float32 (every block header is one).
inline float half_at(const uint8_t* p) { return half_bits_to_float(static_cast<uint16_t>(p[0] | p[1] << 8)); }

// The 6-bit scale and min of Q4_K / Q5_K sub-block j in the 12-byte scale field: sub-blocks 0-3
// sit in bits 0-5 of bytes j (scale) and j+4 (min); sub-blocks 4-7 take their low 4 bits from
// byte j+4 (scale low nibble, min high nibble) and their high 2 bits from bits 6-7 of bytes j-4
// (scale) and j (min).
inline void k4_scale_min(const uint8_t* s, int j, int& sc, int& m) {
  if (j < 4) {
    sc = s[j] % 64;
    m = s[j + 4] % 64;
  } else {
    sc = s[j + 4] % 16 + 16 * (s[j - 4] / 64);
    m = s[j + 4] / 16 + 16 * (s[j] / 64);
  }
}

}  // namespace qp::test
