// Dynamic quantization of an activation matrix: the range is measured on the data at run time,
// then the matrix is quantized to uint8 with that range. Two named references:
//   onnx:    ONNX DynamicQuantizeLinear: uint8 0..255, range widened to include 0,
//            scale = (max − min) / 255, zero point = clamp(round_half_even(−min / scale)),
//            q = clamp(round_half_even(x / scale) + zero point) (divide).
//   pytorch: torch.quantize_per_tensor_dynamic / the dynamic Linear of the x86 backend: quint8
//            with reduce_range (0..127, so fbgemm's 8-bit multiply-add cannot saturate),
//            PyTorch's observer formula (scale clamped to eps) and inv_scale multiply.
// per_row: one scale and zero point per row (each token / sample) instead of one per matrix.
// Cost: one min/max pass and one quantize pass per row or matrix, both SIMD kernels
// (kernels/quantize_f32.h); a row of a layer's activations stays in L1 between the two.
// Non-finite values are refused (qp::Error): a NaN would silently become a code.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "quant/options.h"
#include "quant/qparams.h"

namespace qp {

struct DynamicQuantSpec {
  NumericsMode mode = NumericsMode::Onnx;
  bool per_row = false;
};

// The grid dynamic quantization uses for this spec (onnx 0..255, pytorch 0..127).
IntRange dynamic_quant_range(const DynamicQuantSpec& spec);

// Quantizes x (rows × cols, row-major) into codes (rows × cols bytes); returns the parameters
// (one, or one per row).
std::vector<QParams> dynamic_quantize(const float* x, size_t rows, size_t cols, const DynamicQuantSpec& spec,
                                      uint8_t* codes);

}  // namespace qp
