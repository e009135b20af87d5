// The data movement of the inference engines, on NHWC activations of one sample (H×W×C, C
// fastest), for float32 values and for uint8 codes alike. No arithmetic on values except the
// pools' means, so the same code serves float and integer paths.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/network.h"

namespace qp::nn {

// im2col for a square `kernel`, `stride` and zero `padding`: one row per output position
// (ho·wo rows, row-major), each row the kernel·kernel·c patch in (ky, kx, c) order. Positions
// outside the image read `pad` (0.0f, or the zero point's code for quantized inputs). Rows are
// `ld` apart (0: packed, kernel·kernel·c); values past the patch in a longer row are not written.
template <typename T>
void im2col_nhwc(const T* x, const ActShape& in, size_t kernel, size_t stride, size_t padding, T pad, T* cols,
                 size_t ld = 0);

// Max over each kernel×kernel window (no padding, floor mode), per channel. T: float, uint8 codes
// or int32 accumulators; int32 (the fused static convolution pools its accumulators) takes a
// WebAssembly SIMD tier (whole vectors of channels), bit-identical to the plain reference below.
template <typename T>
void max_pool_nhwc(const T* x, const ActShape& in, size_t kernel, size_t stride, T* out);
template <typename T>
void max_pool_nhwc_ref(const T* x, const ActShape& in, size_t kernel, size_t stride, T* out);

// Mean over each window: float in float; codes as the integer mean rounded half up,
// (Σq + n/2) / n, which keeps the shared scale and zero point.
void avg_pool_nhwc(const float* x, const ActShape& in, size_t kernel, size_t stride, float* out);
void avg_pool_nhwc(const uint8_t* x, const ActShape& in, size_t kernel, size_t stride, uint8_t* out);
void global_avg_pool_nhwc(const float* x, const ActShape& in, float* out);
void global_avg_pool_nhwc(const uint8_t* x, const ActShape& in, uint8_t* out);

// NCHW → NHWC for `batch` samples of shape `s`.
template <typename T>
void nchw_to_nhwc(const T* x, size_t batch, const ActShape& s, T* out);

// For every weighted layer, the order in which the engines read its fan-in: entry k of the result
// is the index, in the layer's PyTorch layout (Conv2d: c, ky, kx; Linear: the C,H,W flatten order
// of its input), of the k-th value the engine's row holds (Conv2d: ky, kx, c; a Linear after a
// Flatten of an H×W×C map: h, w, c). Identity for a Linear on a flat input.
std::vector<uint32_t> engine_fan_in_order(const Layer& layer, const ActShape& input);

// Rows [out][fan_in] of `w` (PyTorch layout) with their fan-in permuted by `order`.
template <typename T>
std::vector<T> permute_fan_in(const std::vector<T>& w, size_t out, const std::vector<uint32_t>& order);

}  // namespace qp::nn
