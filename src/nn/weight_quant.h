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

namespace qp::nn {

struct QuantizedWeights {
  std::vector<int8_t> codes;       // [out][fan_in], PyTorch order (affine: with their zero points)
  std::vector<float> scales;       // per unit (1, out, or out × groups)
  std::vector<float> dequantized;  // codes · scale, [out][fan_in]
  size_t storage_bytes = 0;        // codes at `bits` bits each (packed), plus fp32 scales
};

// Throws qp::Error on bits outside 2..8 or a group size that does not fit.
QuantizedWeights quantize_layer_weights(const Layer& layer, const WeightQuantSpec& spec);

}  // namespace qp::nn
