// Power-of-two (logarithmic) quantization after Miyashita, Lee & Murmann 2016, "Convolutional Neural
// Networks using Logarithmic Data Representation" (LogQuant): a sign and an exponent code, levels
// ±2^-k · scale and 0, rounding in the log domain (Round(log2 |x|)). Numerics:
// docs/numerics.md §9.2.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qp {

// With b bits (2..8): one sign bit and b - 1 exponent bits; exponent code 0 means zero and codes
// 1..K (K = 2^(b-1) - 1) mean 2^-(code-1), so the magnitudes are 2^0 .. 2^-(K-1) times scale.
int log2_exponent_count(int bits);

// Code of u = |x| / scale >= 0: 0 for zero, else e = Round(log2 u) clipped to 0 from above; an e
// below -(K-1) underflows to zero. Round is to the nearest integer in the log domain: the
// threshold between 2^-k and 2^-(k+1) is 2^-(k+0.5) (no float32 value lies on it).
uint8_t log2_magnitude_code(double u, int bits);
float log2_magnitude(uint8_t code, float scale);  // 0 for code 0, else scale · 2^-(code-1)

// One unit: scale = max |x| (1 when the unit is all zeros); out[i] = sign(x) · magnitude. codes
// (optional) hold sign << (b-1) | magnitude code. Returns the scale.
float log2_quantize(const float* x, size_t n, int bits, uint8_t* codes, float* out);
// The unit's representable values, ascending (zero once).
std::vector<float> log2_levels(int bits, float scale);

}  // namespace qp
