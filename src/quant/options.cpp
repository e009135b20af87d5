#include "quant/options.h"

#include "core/error.h"

namespace qp {

Scheme parse_scheme(const std::string& name) {
  if (name == "affine") return Scheme::Affine;
  if (name == "symmetric") return Scheme::Symmetric;
  throw Error("unknown scheme '" + name + "' (expected affine or symmetric)");
}

NumericsMode parse_numerics_mode(const std::string& name) {
  if (name == "pytorch") return NumericsMode::PyTorch;
  if (name == "onnx") return NumericsMode::Onnx;
  throw Error("unknown numerics mode '" + name + "' (expected pytorch or onnx)");
}

const char* scheme_name(Scheme s) { return s == Scheme::Affine ? "affine" : "symmetric"; }

const char* numerics_mode_name(NumericsMode m) {
  return m == NumericsMode::PyTorch ? "pytorch" : "onnx";
}

void validate_bits(int bits) {
  if (bits < 2 || bits > 8)
    throw Error("bits must be between 2 and 8, got " + std::to_string(bits));
}

void validate_spec(const QuantSpec& spec) {
  validate_bits(spec.bits);
  if (spec.group_size < 0) throw Error("group size must be positive, got " + std::to_string(spec.group_size));
  if (spec.group_size > 0 && !spec.channel_axis)
    throw Error("per-group quantization needs an axis to group along");
  if (spec.reduce_range && spec.bits < 3) throw Error("reduce_range needs at least 3 bits");
}

}  // namespace qp
