// Quantize a whole float32 tensor per tensor or per channel, and measure what it cost.
// This is the entry point the bindings, the CLI and the page use.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/shape.h"
#include "quant/metrics.h"
#include "quant/options.h"
#include "quant/qparams.h"

namespace qp {

struct QuantizedTensor {
  QuantSpec spec;
  Shape shape;
  IntRange range;                    // the grid the codes live on
  int channel_axis = -1;             // normalized axis, -1 when per tensor
  int group_size = 0;                // > 0 when per group along channel_axis
  // One entry per unit: per tensor 1, per channel one per channel, per group one per
  // (outer, group, inner) position in C order (see quantize_groups in quantize.cpp).
  std::vector<float> observed_min;   // raw min/max per unit
  std::vector<float> observed_max;
  std::vector<float> scales;
  std::vector<int32_t> zero_points;
  std::vector<uint8_t> codes;        // one byte per element; two's complement when signed
  std::vector<float> dequantized;
  ErrorMetrics metrics;
};

// Which per-element outputs quantize_tensor keeps. Without them it works through bounded scratch
// buffers, so measuring a tensor costs little memory beyond the tensor itself (the model view
// analyses checkpoints tensor by tensor this way). Metrics are the same bits either way.
struct KeepOutputs {
  bool codes = true;
  bool dequantized = true;
};

// Min/max observer -> qparams -> quantize -> dequantize -> metrics, in the numerics of
// spec.mode. Throws qp::Error on an empty or non-finite tensor, a shape that does not match the
// data, or an invalid spec.
QuantizedTensor quantize_tensor(const float* data, size_t n, const Shape& shape,
                                const QuantSpec& spec, KeepOutputs keep = {});

// Where quantize_tensor_into writes the per-element outputs: n codes and n dequantized values, or
// nullptr for an output that is not wanted (then it goes through bounded scratch, as with
// KeepOutputs). The bindings hand in uninitialised buffers and copy them to JS once.
struct OutputBuffers {
  uint8_t* codes = nullptr;
  float* dequantized = nullptr;
};

// quantize_tensor with the per-element outputs written to `out` (the returned tensor's codes and
// dequantized stay empty); every other field and every written value has the same bits. Throws
// as quantize_tensor does (per group, a range too wide can be found after earlier groups were
// written).
QuantizedTensor quantize_tensor_into(const float* data, size_t n, const Shape& shape,
                                     const QuantSpec& spec, OutputBuffers out);

// The element-wise step alone, with given qparams (used by the oracle tests and by callers
// that already have scale and zero point, e.g. ONNX QuantizeLinear).
void quantize_values(const float* x, size_t n, QParams p, IntRange range, NumericsMode mode,
                     uint8_t* out);
void dequantize_values(const uint8_t* q, size_t n, bool is_signed, QParams p, float* out);

// Representable real values (q - zero_point) * scale for q in [qmin, qmax], ascending.
std::vector<float> grid_levels(QParams p, IntRange range);

}  // namespace qp
