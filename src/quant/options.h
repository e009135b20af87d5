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
  // > 0: per group instead of per channel. Runs of group_size consecutive indices along
  // channel_axis share one scale and zero point, separately for every position of the other axes
  // (for a [out, in] weight, axis 1 and group 32 is the GPTQ/AWQ layout). A last, shorter group
  // takes what is left.
  int group_size = 0;
  bool narrow_range = false;  // drop the lowest code: signed -127..127, unsigned 1..255 (TF narrow_range)
  bool reduce_range = false;  // one bit fewer (PyTorch reduce_range): qint8 -64..63, quint8 0..127
};

// Throws qp::Error with the list of valid names when the name is unknown.
Scheme parse_scheme(const std::string& name);
NumericsMode parse_numerics_mode(const std::string& name);
const char* scheme_name(Scheme s);
const char* numerics_mode_name(NumericsMode m);

// Throws qp::Error when bits is outside 2..8.
void validate_bits(int bits);
// validate_bits plus the combinations: a group size needs an axis, reduce_range needs >= 3 bits.
void validate_spec(const QuantSpec& spec);

}  // namespace qp
