// A weighted layer's weights quantized the way every engine (and QAT's fake quantization) does it:
// viewed as an [out, fan_in] matrix in PyTorch's layout, signed `bits`, PyTorch numerics
// (qp::quantize_tensor: per_channel_symmetric / per_tensor_symmetric, scale = max|w| /
// ((qmax − qmin) / 2), zero point 0; or affine per unit; codes x·fl(1/scale) rounded half to
// even, plus the zero point, clamped).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/engine.h"
#include "nn/network.h"
#include "quant/quantize.h"

namespace qp::nn {

struct QuantizedWeights {
  std::vector<int8_t> codes;       // [out][fan_in], PyTorch order (affine: with their zero points)
  std::vector<float> scales;       // per unit (1, out, or out × groups)
  std::vector<float> dequantized;  // codes · scale, [out][fan_in]
  size_t storage_bytes = 0;        // codes at `bits` bits each (packed), plus fp32 scales
};

// Throws qp::Error on bits outside 2..8 or a group size that does not fit. A GPTQ calibration
// ("gptq", "gptq-mse", ...: nn/gptq.h) needs `hessian`, the layer's H from collect_input_hessians.
QuantizedWeights quantize_layer_weights(const Layer& layer, const WeightQuantSpec& spec,
                                        const std::vector<double>* hessian = nullptr);

// The quantizer above on a row-major [rows, cols] matrix (rows = output channels, groups along
// cols), with spec.calibration choosing each unit's range (not a GPTQ name). The result carries
// every unit's scale and zero point; GPTQ takes its grids from here.
QuantizedTensor quantize_weight_matrix(const float* w, size_t rows, size_t cols, const WeightQuantSpec& spec);

// Codes at `bits` bits (packed), an fp32 scale per unit, and for affine a `bits`-bit zero point per
// unit (packed like GPTQ's qzeros).
size_t weight_storage_bytes(size_t codes, size_t units, const WeightQuantSpec& spec);

}  // namespace qp::nn
