// The table of schemes, and run_scheme's checks that apply to every family.
#include <string>

#include "core/error.h"
#include "quant/scheme_family.h"
#include "quant/scheme_units.h"
#include "quant/stats.h"
#include "quant/unit_mse.h"

namespace qp {

const std::vector<SchemeInfo>& scheme_registry() {
  static const std::vector<SchemeInfo> registry = {
      {"int", "integer", "PyTorch (quantize_per_tensor / per_channel) or ONNX Runtime (QuantizeLinear), by numerics mode",
       "uniform integer grid, affine or symmetric, 2-8 bits, per tensor / channel / group", 2, 8, true, true,
       run_int_scheme},
      {"binary", "integer", "BinaryConnect / XNOR-Net (alpha = mean |x|)",
       "1 bit: sign(x) times one scale per unit", 0, 0, true, false, run_binary_scheme},
      {"ternary", "integer", "Ternary Weight Networks (delta = 0.7 mean |x|)",
       "{-1, 0, +1} times one scale per unit, 1.6 bits packed", 0, 0, true, false, run_ternary_scheme},
      {"fp16", "float", "IEEE 754 binary16, round to nearest even (numpy astype, torch .half())",
       "cast to half precision", 0, 0, false, false, run_float_scheme},
      {"bf16", "float", "bfloat16, round to nearest even (torch .bfloat16())",
       "cast to bfloat16", 0, 0, false, false, run_float_scheme},
      {"fp8-e4m3", "float", "OCP FP8 E4M3FN (max 448), as ONNX Cast / QuantizeLinear",
       "8-bit float, scale = absmax / 448 per unit", 0, 0, true, false, run_float_scheme},
      {"fp8-e5m2", "float", "OCP FP8 E5M2 (max 57344), as ONNX Cast / QuantizeLinear",
       "8-bit float, scale = absmax / 57344 per unit", 0, 0, true, false, run_float_scheme},
      {"fp4", "float", "OCP MX FP4 E2M1 element format (values 0, 0.5 ... 6)",
       "4-bit float, scale = absmax / 6 per unit (float32 scale)", 0, 0, true, false, run_float_scheme},
      {"q8_0", "ggml", "llama.cpp / ggml reference quantizer quantize_row_q8_0_ref (byte-exact)",
       "ggml Q8_0: int8 codes, fp16 scale absmax/127 per block of 32 (8.5 bits)", 0, 0, false, false,
       run_ggml_scheme},
      {"q4_0", "ggml", "llama.cpp / ggml reference quantizer quantize_row_q4_0_ref (byte-exact)",
       "ggml Q4_0: 4-bit codes, fp16 scale per block of 32 (4.5 bits)", 0, 0, false, false, run_ggml_scheme},
      {"q4_1", "ggml", "llama.cpp / ggml reference quantizer quantize_row_q4_1_ref (byte-exact)",
       "ggml Q4_1: 4-bit codes, fp16 scale and min per block of 32 (5 bits)", 0, 0, false, false, run_ggml_scheme},
      {"q5_0", "ggml", "llama.cpp / ggml reference quantizer quantize_row_q5_0_ref (byte-exact)",
       "ggml Q5_0: 5-bit codes, fp16 scale per block of 32 (5.5 bits)", 0, 0, false, false, run_ggml_scheme},
      {"q5_1", "ggml", "llama.cpp / ggml reference quantizer quantize_row_q5_1_ref (byte-exact)",
       "ggml Q5_1: 5-bit codes, fp16 scale and min per block of 32 (6 bits)", 0, 0, false, false, run_ggml_scheme},
      {"q4_k", "ggml", "llama.cpp / ggml reference quantizer quantize_row_q4_K_ref (byte-exact)",
       "ggml Q4_K: 4-bit codes, 6-bit scales and mins per 32, fp16 super-scales per 256 (4.5 bits)", 0, 0,
       false, false, run_ggml_scheme},
      {"q6_k", "ggml", "llama.cpp / ggml reference quantizer quantize_row_q6_K_ref (byte-exact)",
       "ggml Q6_K: 6-bit codes, int8 scales per 16, fp16 super-scale per 256 (6.5625 bits)", 0, 0, false, false,
       run_ggml_scheme},
      {"nf4", "non-uniform", "bitsandbytes NF4 (QLoRA NormalFloat4), block 64 absmax; double_quant = compress_statistics",
       "16 normal-quantile levels times a float32 absmax per block of 64 along the last axis", 0, 0, false, false,
       run_nf4_scheme},
      {"log2", "non-uniform", "LogQuant (Miyashita et al. 2016): Round(log2 |x|), scale = max |x| per unit",
       "sign + exponent: levels 0 and +-2^-k times max |x|, 2-8 bits, per tensor / channel / group", 2, 8, true,
       false, run_log2_scheme},
      {"kmeans", "non-uniform", "1-D k-means (Lloyd), quantile initialisation, float32 code book per unit",
       "2^b levels fitted to each unit's values, 1-8 bits, per tensor / channel / group", 1, 8, true, false,
       run_kmeans_scheme},
      {"tcq", "non-uniform", "trellis-coded quantization (Marcellin & Fischer 1990), 4-state Ungerboeck trellis",
       "Viterbi search per block of 256 along the last axis, 2-4 bits, float32 step per block", 2, 4, false, false,
       run_tcq_scheme},
  };
  return registry;
}

const SchemeInfo& find_scheme(const std::string& name) {
  std::string names;
  for (const SchemeInfo& s : scheme_registry()) {
    if (name == s.name) return s;
    names += names.empty() ? s.name : std::string(", ") + s.name;
  }
  throw Error("unknown format '" + name + "' (expected one of: " + names + ")");
}

SchemeResult run_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  const SchemeInfo& info = find_scheme(spec.format);
  if (element_count(shape) != n)
    throw Error("shape " + shape_to_string(shape) + " holds " + std::to_string(element_count(shape)) +
                " values but " + std::to_string(n) + " were given");
  require_finite(x, n);
  const QuantSpec& q = spec.integer;
  if (info.min_bits > 0 && (q.bits < info.min_bits || q.bits > info.max_bits))
    throw Error(std::string("format '") + info.name + "' takes " + std::to_string(info.min_bits) + " to " +
                std::to_string(info.max_bits) + " bits, got " + std::to_string(q.bits));
  if (!info.takes_granularity && (q.channel_axis || q.group_size > 0))
    throw Error(std::string("format '") + info.name + "' has a fixed block layout: axis and group size do not apply");
  if (spec.clip && std::string(info.name) != "int")
    throw Error(std::string("format '") + info.name + "' chooses its own scale: a clip range does not apply");
  if (!info.takes_calibration && spec.calibration != "minmax")
    throw Error(std::string("format '") + info.name + "' chooses its own scale: calibration does not apply");
  if (spec.double_quant && std::string(info.name) != "nf4")
    throw Error(std::string("format '") + info.name + "': double quantization applies to nf4 only");
  if (!spec.saturate && std::string(info.family) != "float")
    throw Error(std::string("format '") + info.name + "' always saturates: non-saturating overflow applies to the float formats only");
  SchemeResult r = info.run(x, n, shape, spec);
  r.unit_mse = unit_mse(x, r.dequantized.data(), UnitLayout(shape, r.unit_axis, r.unit_group), r.metrics.mse);
  return r;
}

}  // namespace qp
