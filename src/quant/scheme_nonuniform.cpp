// Non-uniform schemes for the registry: NF4 (bitsandbytes), power-of-two (LogQuant), per-unit
// k-means code books, and trellis-coded quantization. NF4 and TCQ work on fixed blocks along the
// last axis (each row of the last axis split into blocks, the last one shorter); log2 and k-means
// take the shared per tensor / channel / group units. Bits: docs/numerics.md §9.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "quant/kmeans_quant.h"
#include "quant/log2_quant.h"
#include "quant/nf4.h"
#include "quant/scheme_family.h"
#include "quant/tcq.h"

namespace qp {

namespace {

constexpr size_t kNf4Block = 64;

// Rows of the last axis: each is contiguous, and its blocks are the scheme's units.
struct BlockRows {
  size_t rows, length, blocks_per_row;
  std::optional<int> unit_axis;
  int unit_group;
  BlockRows(const Shape& shape, size_t n, size_t block) {
    if (n == 0) throw Error("the tensor is empty: there is nothing to quantize");
    length = shape.empty() ? n : static_cast<size_t>(shape.back());
    rows = n / length;
    blocks_per_row = (length + block - 1) / block;
    // A scalar (rank 0) has no last axis: one block, described as per tensor.
    unit_axis = shape.empty() ? std::nullopt : std::optional<int>(static_cast<int>(shape.size()) - 1);
    unit_group = shape.empty() ? 0 : static_cast<int>(block);
  }
  size_t blocks() const { return rows * blocks_per_row; }
  void describe(const Shape& shape, SchemeResult& r) const {
    const UnitLayout layout(shape, unit_axis, unit_group);
    r.units = layout.units();
    r.unit_shape = layout.unit_shape();
    r.unit_axis = unit_axis;
    r.unit_group = unit_group;
  }
};

}  // namespace

SchemeResult run_nf4_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  const BlockRows rows(shape, n, kNf4Block);
  SchemeResult r;
  r.spec = spec;
  rows.describe(shape, r);
  std::vector<uint8_t> codes(n);
  std::vector<float> absmax(rows.blocks());
  for (size_t row = 0; row < rows.rows; ++row)
    nf4_quantize(x + row * rows.length, rows.length, kNf4Block, codes.data() + row * rows.length,
                 absmax.data() + row * rows.blocks_per_row);
  // Codes: 4 bits each. Scales: a float32 absmax per block, or with double quantization an 8-bit
  // code per block plus a float32 absmax per 256 blocks and the float32 offset.
  r.stored_bits = 4ull * n;
  std::vector<float> scale = absmax;
  if (spec.double_quant) {
    const DoubleQuantAbsmax dq = double_quantize_absmax(absmax.data(), absmax.size());
    scale = double_dequantize_absmax(dq);
    r.stored_bits += 8ull * dq.codes.size() + 32ull * dq.absmax2.size() + 32;
  } else {
    r.stored_bits += 32ull * absmax.size();
  }
  r.dequantized.resize(n);
  for (size_t row = 0; row < rows.rows; ++row)
    nf4_dequantize(codes.data() + row * rows.length, rows.length, kNf4Block,
                   scale.data() + row * rows.blocks_per_row, r.dequantized.data() + row * rows.length);
  for (float level : nf4_levels()) r.levels.push_back(level * scale[0]);
  r.label = std::string("nf4 b64") + (spec.double_quant ? " + double quant" : "");
  finish_result(x, n, r);
  return r;
}

SchemeResult run_log2_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  const QuantSpec& q = spec.integer;
  validate_bits(q.bits);
  SchemeResult r;
  r.spec = spec;
  const UnitLayout layout(shape, q.channel_axis, q.group_size);
  r.unit_axis = q.channel_axis;
  r.unit_group = q.group_size;
  float first_scale = 0.0f;
  bool first = true;
  run_per_unit(x, layout, [&](const float* v, size_t m, float* out) -> uint64_t {
    const float scale = log2_quantize(v, m, q.bits, nullptr, out);
    if (first) first_scale = scale, first = false;
    return 32;  // the float32 scale
  }, r);
  r.stored_bits += static_cast<uint64_t>(n) * static_cast<uint64_t>(q.bits);
  r.levels = log2_levels(q.bits, first_scale);
  r.label = "log2 " + std::to_string(q.bits) + "-bit " + granularity_label(q);
  finish_result(x, n, r);
  return r;
}

SchemeResult run_kmeans_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  const QuantSpec& q = spec.integer;
  if (q.bits < 1 || q.bits > 8) throw Error("kmeans takes 1 to 8 bits, got " + std::to_string(q.bits));
  const size_t k = size_t{1} << q.bits;
  SchemeResult r;
  r.spec = spec;
  const UnitLayout layout(shape, q.channel_axis, q.group_size);
  r.unit_axis = q.channel_axis;
  r.unit_group = q.group_size;
  bool first = true;
  run_per_unit(x, layout, [&](const float* v, size_t m, float* out) -> uint64_t {
    const KmeansFit fit = kmeans_quantize(v, m, k, nullptr, out);
    if (first) r.levels = fit.centroids, first = false;
    return 32ull * k;  // the float32 code book
  }, r);
  r.stored_bits += static_cast<uint64_t>(n) * static_cast<uint64_t>(q.bits);
  r.label = "kmeans " + std::to_string(q.bits) + "-bit " + granularity_label(q);
  finish_result(x, n, r);
  return r;
}

SchemeResult run_tcq_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  const int bits = spec.integer.bits;
  if (bits < 2 || bits > 4) throw Error("tcq takes 2 to 4 bits, got " + std::to_string(bits));
  const BlockRows rows(shape, n, kTcqBlock);
  SchemeResult r;
  r.spec = spec;
  rows.describe(shape, r);
  r.dequantized.resize(n);
  float first_delta = 0.0f;
  TcqEncoder encoder;  // its buffers serve every block
  for (size_t row = 0; row < rows.rows; ++row) {
    for (size_t first = 0; first < rows.length; first += kTcqBlock) {
      const size_t m = std::min(kTcqBlock, rows.length - first);
      const size_t offset = row * rows.length + first;
      const TcqBlock& b = encoder.encode_block(x + offset, m, bits, r.dequantized.data() + offset);
      if (offset == 0) first_delta = b.delta;
    }
  }
  // R bits a weight (branch bit + index in subset) and a float32 step per block.
  r.stored_bits = static_cast<uint64_t>(n) * static_cast<uint64_t>(bits) + 32ull * rows.blocks();
  for (int j = 0; j < (1 << (bits + 1)); ++j) r.levels.push_back(tcq_level(bits, j, first_delta));
  r.label = "tcq " + std::to_string(bits) + "-bit b256 (4-state)";
  finish_result(x, n, r);
  return r;
}

}  // namespace qp
