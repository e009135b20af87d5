// The user-facing choices of the integer quantizer and their names. The names here are the
// single spelling shared by the bindings, the JS API, the CLI and the page.
#pragma once
#include <optional>
#include <string>

namespace qp {

// How the real range maps onto the integer grid.
enum class Scheme {
  Affine,     // scale and zero point from [min(x,0), max(x,0)]
  Symmetric,  // zero point fixed at the middle of the grid, scale from max|x|
};

// Which reference's arithmetic to reproduce bit for bit where references disagree.
// See docs/numerics.md for the derivation of each formula.
enum class NumericsMode {
  PyTorch,  // MinMaxObserver + quantize_per_tensor/per_channel: x * fl(1/scale), eps clamp
  Onnx,     // QuantizeLinear (x / scale) with DynamicQuantizeLinear / ORT quantizer qparams
};

struct QuantSpec {
  int bits = 8;                     // 2..8
  bool is_signed = true;            // int8-like grid vs uint8-like grid
  Scheme scheme = Scheme::Affine;
  NumericsMode mode = NumericsMode::PyTorch;
  std::optional<int> channel_axis;  // empty: per tensor; otherwise per channel along this axis
};

// Throws qp::Error with the list of valid names when the name is unknown.
Scheme parse_scheme(const std::string& name);
NumericsMode parse_numerics_mode(const std::string& name);
const char* scheme_name(Scheme s);
const char* numerics_mode_name(NumericsMode m);

// Throws qp::Error when bits is outside 2..8.
void validate_bits(int bits);

}  // namespace qp
