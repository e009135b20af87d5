// 1-bit and ternary quantization of one unit of values, each with one float32 scale.
//   binary  (BinaryConnect / XNOR-Net):  q = sign(x) ∈ {−1, +1} (sign(0) = +1),
//            alpha = mean |x|, the scale that minimises ||x − alpha·q||² for those signs.
//   ternary (Ternary Weight Networks, Li & Liu 2016): delta = 0.7 · mean |x|;
//            q = +1 where x > delta, −1 where x < −delta, else 0;
//            alpha = mean of |x| over the non-zero codes (0 when there are none).
// Sums run in double in index order, then round to float32 once.
#pragma once
#include <cstddef>
#include <cstdint>

namespace qp {

// codes may be null; out receives alpha·q. Returns alpha.
float binary_quantize(const float* x, size_t n, int8_t* codes, float* out);
float ternary_quantize(const float* x, size_t n, int8_t* codes, float* out);

}  // namespace qp
