// ggml block formats for the registry (q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q6_k): the tensor in C
// order is a sequence of rows along its last axis, and each row a sequence of ggml blocks, so the
// flattened data goes through ggml_quantize_row / ggml_dequantize_row in one call. The units are
// the blocks: groups of 32 or 256 along the last axis.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "quant/ggml_quantize.h"
#include "quant/scheme_family.h"

namespace qp {

namespace {

// Sets every code of one block to q (the header bytes stay), so that dequantizing it gives the
// value of code q in each sub-block. Byte ranges follow the block layouts of ggml_quantize.h.
void fill_codes(GgmlBlockType t, uint8_t* b, int q) {
  const uint8_t lo = static_cast<uint8_t>(q & 0xf), nib = static_cast<uint8_t>(lo | (lo << 4));
  const uint8_t fifth = (q & 0x10) ? 0xff : 0x00;
  switch (t) {
    case GgmlBlockType::Q8_0: std::fill(b + 2, b + 34, static_cast<uint8_t>(q)); break;
    case GgmlBlockType::Q4_0: std::fill(b + 2, b + 18, nib); break;
    case GgmlBlockType::Q4_1: std::fill(b + 4, b + 20, nib); break;
    case GgmlBlockType::Q5_0: std::fill(b + 2, b + 6, fifth); std::fill(b + 6, b + 22, nib); break;
    case GgmlBlockType::Q5_1: std::fill(b + 4, b + 8, fifth); std::fill(b + 8, b + 24, nib); break;
    case GgmlBlockType::Q4_K: std::fill(b + 16, b + 144, nib); break;
    case GgmlBlockType::Q6_K:
      std::fill(b, b + 128, nib);
      std::fill(b + 128, b + 192, static_cast<uint8_t>(((q >> 4) & 3) * 0x55));
      break;
    default: throw Error("fill_codes: not a quantizable ggml type");
  }
}

int code_count(GgmlBlockType t) {
  switch (t) {
    case GgmlBlockType::Q8_0: return 256;
    case GgmlBlockType::Q5_0: case GgmlBlockType::Q5_1: return 32;
    case GgmlBlockType::Q6_K: return 64;
    default: return 16;
  }
}

// Every value block 0 can represent (each code under each of its sub-block scales), ascending.
std::vector<float> first_block_levels(GgmlBlockType t, const uint8_t* block) {
  const GgmlBlockFormat& f = ggml_block_format(t);
  std::vector<uint8_t> b(block, block + f.block_bytes);
  std::vector<float> y(f.block_elements), levels;
  for (int q = 0; q < code_count(t); ++q) {
    fill_codes(t, b.data(), q);
    ggml_dequantize_row(t, b.data(), f.block_elements, y.data());
    for (float v : y) {
      if (!std::isnan(v)) levels.push_back(v);
    }
  }
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  return levels;
}

}  // namespace

SchemeResult run_ggml_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  const GgmlBlockType t = parse_ggml_block_type(spec.format);
  const GgmlBlockFormat& f = ggml_block_format(t);
  const int64_t last = shape.empty() ? 1 : shape.back();
  if (shape.empty() || last % static_cast<int64_t>(f.block_elements) != 0) {
    throw Error("format '" + spec.format + "' quantizes blocks of " + std::to_string(f.block_elements) +
                " along the last axis, but the last dimension is " + std::to_string(last) + " (shape " +
                shape_to_string(shape) + ")");
  }
  SchemeResult r;
  r.spec = spec;
  std::vector<uint8_t> bytes(ggml_row_bytes(t, n));
  ggml_quantize_row(t, x, n, bytes.data());
  r.dequantized.resize(n);
  ggml_dequantize_row(t, bytes.data(), n, r.dequantized.data());
  r.units = n / f.block_elements;
  r.stored_bits = static_cast<uint64_t>(bytes.size()) * 8;
  r.unit_axis = static_cast<int>(shape.size()) - 1;
  r.unit_group = static_cast<int>(f.block_elements);
  r.unit_shape = UnitLayout(shape, r.unit_axis, r.unit_group).unit_shape();
  r.levels = first_block_levels(t, bytes.data());
  if (r.levels.size() > 4096) r.levels.clear();
  std::string upper = f.name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  r.label = upper + " (ggml, blocks of " + std::to_string(f.block_elements) + ")";
  finish_result(x, n, r);
  return r;
}

}  // namespace qp
