// NF4 (QLoRA NormalFloat4) with bitsandbytes' block-wise absmax, and bitsandbytes' optional double
// quantization of the block absmax values ("compress_statistics"). Numerics and references:
// docs/numerics.md §9.1; the shared fixtures README §7 states the single-quant rules.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qp {

// The 16 float32 levels of bitsandbytes' get_4bit_type("nf4"), index = 4-bit code.
const std::array<float, 16>& nf4_levels();
// fl32((level[i] + level[i+1]) / 2): the decision thresholds (equal to the CUDA kernel's tree).
const std::array<float, 15>& nf4_midpoints();
// Nearest level of s in [-1, 1]: the number of midpoints < s, so an exact midpoint takes the lower code.
uint8_t nf4_code(float s);

// x[0..n) as blocks of `block` (the last may be shorter). absmax[b] = max |x| of block b (float32);
// a full block scales by the reciprocal, s = clamp(x * fl(1 / max(absmax, 1e-38)), -1, 1); the
// trailing partial block divides, s = clamp(x / max(absmax, 1e-38), -1, 1).
// codes: n entries; absmax: ceil(n / block) entries.
void nf4_quantize(const float* x, size_t n, size_t block, uint8_t* codes, float* absmax);
// out[i] = level[code[i]] * absmax[i / block] in float32.
void nf4_dequantize(const uint8_t* codes, size_t n, size_t block, const float* absmax, float* out);
// Two codes a byte, the first element in the HIGH nibble (bitsandbytes' order); an odd count pads
// the last low nibble with 0. ceil(n / 2) bytes.
std::vector<uint8_t> nf4_pack(const uint8_t* codes, size_t n);
std::vector<uint8_t> nf4_unpack(const uint8_t* packed, size_t n);

// bitsandbytes' 8-bit "dynamic" map (create_dynamic_map(signed=True, max_exponent_bits=7)):
// 256 float32 values in ascending order, -0.99296874 ... 1.0.
const std::array<float, 256>& dynamic_map_8bit();

// Double quantization of the absmax values a[0..m): offset = mean(a) (float32), then a - offset is
// quantized with the dynamic map in blocks of 256, each block with a float32 absmax of its own.
struct DoubleQuantAbsmax {
  float offset = 0;
  std::vector<uint8_t> codes;   // m entries, indices into dynamic_map_8bit()
  std::vector<float> absmax2;   // ceil(m / 256) entries
};
constexpr size_t kDoubleQuantBlock = 256;
DoubleQuantAbsmax double_quantize_absmax(const float* a, size_t m);
// a'[i] = map[codes[i]] * absmax2[i / 256] + offset, all float32 steps.
std::vector<float> double_dequantize_absmax(const DoubleQuantAbsmax& q);

}  // namespace qp
