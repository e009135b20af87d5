// ggml block dequantization (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1 and the K-quants Q2_K ... Q6_K) through
// the reader's DType front end: bit for bit against ggml's own dequantize_row_* outputs in the
// shared oracle sample, and on random blocks against a per-element formula that unpacks each
// weight's bits on its own (a different route to the same numbers than the block loops in
// src/quant/ggml_blocks32.cpp and src/quant/ggml_kquants.cpp).
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ggml_layout_reference.h"
#include "core/error.h"
#include "core/half.h"
#include "io/dtype.h"
#include "io/ggml_dequantize.h"
#include "oracle.h"

namespace {

using qp::io::DType;

struct BlockType {
  const char* name;  // as the oracle manifest spells it
  DType dtype;
  uint32_t bytes;
};

const BlockType kBlockTypes[] = {
    {"q8_0", DType::Q8_0, 34}, {"q4_0", DType::Q4_0, 18}, {"q4_1", DType::Q4_1, 20},
    {"q5_0", DType::Q5_0, 22}, {"q5_1", DType::Q5_1, 24},
};

using qp::test::half_at;

// Element j (0..31) of a block, straight from the layout table: 4-bit code j sits in byte j % 16,
// low nibble for j < 16 and high nibble for j >= 16; the fifth bit is bit j of the 4 qh bytes.
uint32_t nibble(const uint8_t* qs, uint32_t j) { return (qs[j % 16] >> (j < 16 ? 0 : 4)) & 0xf; }
uint32_t qh_bit(const uint8_t* qh, uint32_t j) { return (qh[j / 8] >> (j % 8)) & 1; }

float reference_element(DType t, const uint8_t* b, uint32_t j) {
  const float d = half_at(b);
  switch (t) {
    case DType::Q8_0: return static_cast<float>(static_cast<int8_t>(b[2 + j])) * d;
    case DType::Q4_0: return static_cast<float>(static_cast<int>(nibble(b + 2, j)) - 8) * d;
    case DType::Q4_1: return static_cast<float>(nibble(b + 4, j)) * d + half_at(b + 2);
    case DType::Q5_0: {
      const int q = static_cast<int>(nibble(b + 6, j) + 16 * qh_bit(b + 2, j));
      return static_cast<float>(q - 16) * d;
    }
    case DType::Q5_1: {
      const uint32_t q = nibble(b + 8, j) + 16 * qh_bit(b + 4, j);
      return static_cast<float>(q) * d + half_at(b + 2);
    }
    default: break;
  }
  throw qp::Error("not a block type");
}

}  // namespace

TEST_CASE("ggml_dequantize: bit-exact against ggml's dequantize_row_* (oracle ggml_blocks)") {
  const std::string dir = qp::test::family_dir(qp::test::oracle_root(), "ggml_blocks");
  REQUIRE_MESSAGE(!dir.empty(), "missing oracle family ggml_blocks under " << qp::test::oracle_root());
  const nlohmann::json manifest = qp::test::load_manifest(dir);
  int checked = 0;
  for (const nlohmann::json& json : manifest.at("cases")) {
    const qp::test::Case c{dir, json};
    const std::string type = json.at("params").at("type").get<std::string>();
    const BlockType* bt = nullptr;
    for (const BlockType& t : kBlockTypes) if (type == t.name) bt = &t;
    if (!bt) continue;  // Q4_K: checked in test_ggml_quantize.cpp (and per element below)
    CAPTURE(c.id());
    const qp::test::Array blocks = c.expected("blocks");  // uint8 [nblocks, bytes] as floats
    const qp::test::Array want = c.expected("dequant");
    REQUIRE(blocks.shape.size() == 2);
    REQUIRE(blocks.shape[1] == bt->bytes);
    std::vector<uint8_t> raw(blocks.values.begin(), blocks.values.end());
    std::vector<float> got(want.values.size());
    qp::io::ggml_dequantize(bt->dtype, raw.data(), got.size(), got.data());
    std::string first;
    CHECK_MESSAGE(qp::test::count_bit_mismatches(got, want.values, &first) == 0, first);
    // The generic decoder the reader uses dispatches to the same code.
    std::vector<float> via_decode(want.values.size());
    qp::io::decode_to_float32(bt->dtype, raw.data(), via_decode.size(), false, via_decode.data());
    CHECK(qp::test::count_bit_mismatches(via_decode, want.values, &first) == 0);
    ++checked;
  }
  CHECK(checked >= 5);  // every type appears in the sample
}

TEST_CASE("ggml_dequantize: random blocks match a per-element bit-unpacking formula") {
  std::mt19937 rng(20240603);
  for (const BlockType& bt : kBlockTypes) {
    CAPTURE(bt.name);
    for (uint32_t nblocks : {1u, 2u, 7u}) {
      std::vector<uint8_t> raw(nblocks * bt.bytes);
      for (uint8_t& b : raw) b = static_cast<uint8_t>(rng());
      // Keep most scales finite and moderate (exponent bits of the fp16 high byte), but let the
      // first block keep its random (possibly inf/NaN/subnormal) scale.
      for (uint32_t k = 1; k < nblocks; ++k) raw[k * bt.bytes + 1] &= 0xbb;
      std::vector<float> got(nblocks * 32), want(nblocks * 32);
      qp::io::ggml_dequantize(bt.dtype, raw.data(), got.size(), got.data());
      for (uint32_t k = 0; k < nblocks; ++k)
        for (uint32_t j = 0; j < 32; ++j) want[k * 32 + j] = reference_element(bt.dtype, &raw[k * bt.bytes], j);
      std::string first;
      CHECK_MESSAGE(qp::test::count_bit_mismatches(got, want, &first) == 0, first);
    }
  }
}

TEST_CASE("ggml_dequantize: hand-made blocks show the nibble order and the fifth bit") {
  // Q4_0, d = 1.0 (0x3c00): byte j = code j | code j+16 << 4. Codes: j -> j % 16.
  std::vector<uint8_t> q4(18, 0);
  q4[0] = 0x00; q4[1] = 0x3c;
  for (int j = 0; j < 16; ++j) q4[2 + j] = static_cast<uint8_t>(j | (15 - j) << 4);
  std::vector<float> y(32);
  qp::io::ggml_dequantize(DType::Q4_0, q4.data(), 32, y.data());
  CHECK(y[0] == -8.0f);
  CHECK(y[15] == 7.0f);
  CHECK(y[16] == 7.0f);   // high nibble of byte 0 = 15
  CHECK(y[31] == -8.0f);  // high nibble of byte 15 = 0
  // Q5_1, d = 0.5 (0x3800), m = -1 (0xbc00): qh bit 31 set gives element 31 the code 16 + nibble.
  std::vector<uint8_t> q5(24, 0);
  q5[0] = 0x00; q5[1] = 0x38; q5[2] = 0x00; q5[3] = 0xbc;
  q5[7] = 0x80;                 // qh bit 31
  q5[8 + 15] = 0x30;            // element 31's low four bits = 3
  qp::io::ggml_dequantize(DType::Q5_1, q5.data(), 32, y.data());
  CHECK(y[0] == -1.0f);
  CHECK(y[31] == (16 + 3) * 0.5f - 1.0f);
}

TEST_CASE("ggml_dequantize: layouts, partial blocks and non-block types are refused") {
  CHECK(qp::io::ggml_block_layout(DType::Q8_0).bytes == 34);
  CHECK(qp::io::ggml_block_layout(DType::Q5_1).elements == 32);
  CHECK(qp::io::storage_bytes(DType::Q4_1, 64) == 40);
  std::vector<uint8_t> raw(34);
  std::vector<float> y(33);
  CHECK_THROWS_WITH_AS(qp::io::ggml_dequantize(DType::Q8_0, raw.data(), 33, y.data()),
                       doctest::Contains("blocks of 32"), qp::Error);
  CHECK_THROWS_AS(qp::io::ggml_dequantize(DType::F32, raw.data(), 1, y.data()), qp::Error);
  CHECK_THROWS_AS(qp::io::ggml_block_layout(DType::Unsupported), qp::Error);
}

namespace {

// K-quant super-blocks, element by element from the layout tables (docs/numerics.md §10.3-§10.5), a
// different route than the block loops of src/quant/ggml_kquants.cpp.
struct KType {
  DType dtype;
  uint32_t bytes;
};

float k_reference_element(DType t, const uint8_t* b, int e) {
  const int h = e / 128, k = (e % 128) / 32, l = e % 32;  // Q2_K/Q3_K: 2 bits at shift 2k of qs[32h + l]
  switch (t) {
    case DType::Q2_K: {
      const uint8_t sc = b[e / 16];
      const int q = (b[16 + 32 * h + l] >> (2 * k)) & 3;
      return (half_at(b + 80) * static_cast<float>(sc % 16)) * static_cast<float>(q) -
             half_at(b + 82) * static_cast<float>(sc / 16);
    }
    case DType::Q3_K: {
      const int j = e / 16;
      const uint8_t* s = b + 96;
      const int low = j < 8 ? s[j] % 16 : s[j - 8] / 16;
      const int sc = low + 16 * ((s[8 + j % 4] >> (2 * (j / 4))) % 4) - 32;
      const int q = (b[32 + 32 * h + l] >> (2 * k)) & 3;
      const bool high = (b[l] >> (4 * h + k)) & 1;  // hmask bit 4h + k of byte l
      return (half_at(b + 108) * static_cast<float>(sc)) * static_cast<float>(q - (high ? 0 : 4));
    }
    case DType::Q4_K: case DType::Q5_K: {
      const int c = e / 64, upper = (e / 32) % 2, ll = e % 32;
      int sc, m;
      qp::test::k4_scale_min(b + 4, e / 32, sc, m);
      const uint8_t* qs = b + (t == DType::Q4_K ? 16 : 48);
      int q = (qs[32 * c + ll] >> (4 * upper)) & 15;
      if (t == DType::Q5_K) q += 16 * ((b[16 + ll] >> (2 * c + upper)) & 1);
      return (half_at(b) * static_cast<float>(sc)) * static_cast<float>(q) - half_at(b + 2) * static_cast<float>(m);
    }
    case DType::Q6_K: {
      const int low = (b[64 * h + 32 * (k % 2) + l] >> (4 * (k / 2))) & 15;
      const int high = (b[128 + 32 * h + l] >> (2 * k)) & 3;
      const int8_t sc = static_cast<int8_t>(b[192 + e / 16]);
      return (half_at(b + 208) * static_cast<float>(sc)) * static_cast<float>(low + 16 * high - 32);
    }
    default: break;
  }
  throw qp::Error("not a K-quant");
}

}  // namespace

TEST_CASE("ggml_dequantize: K-quant super-blocks (Q2_K ... Q6_K) match a per-element formula") {
  const KType types[] = {{DType::Q2_K, 84}, {DType::Q3_K, 110}, {DType::Q4_K, 144}, {DType::Q5_K, 176}, {DType::Q6_K, 210}};
  // Where each type keeps its fp16 headers: kept finite and moderate in every block but the first.
  const auto header_offsets = [](DType t) -> std::vector<uint32_t> {
    switch (t) {
      case DType::Q2_K: return {80, 82};
      case DType::Q3_K: return {108};
      case DType::Q6_K: return {208};
      default: return {0, 2};
    }
  };
  std::mt19937 rng(777);
  for (const KType& kt : types) {
    CAPTURE(qp::io::dtype_name(kt.dtype));
    CHECK(qp::io::ggml_block_layout(kt.dtype).elements == 256);
    CHECK(qp::io::ggml_block_layout(kt.dtype).bytes == kt.bytes);
    for (uint32_t nblocks : {1u, 3u}) {
      std::vector<uint8_t> raw(nblocks * kt.bytes);
      for (uint8_t& b : raw) b = static_cast<uint8_t>(rng());
      for (uint32_t k = 1; k < nblocks; ++k)
        for (uint32_t off : header_offsets(kt.dtype)) raw[k * kt.bytes + off + 1] &= 0xbb;
      std::vector<float> got(nblocks * 256), want(nblocks * 256);
      qp::io::decode_to_float32(kt.dtype, raw.data(), got.size(), false, got.data());
      for (uint32_t k = 0; k < nblocks; ++k)
        for (int e = 0; e < 256; ++e) want[k * 256 + e] = k_reference_element(kt.dtype, &raw[k * kt.bytes], e);
      std::string first;
      CHECK_MESSAGE(qp::test::count_bit_mismatches(got, want, &first) == 0, first);
    }
  }
  std::vector<uint8_t> raw(210);
  std::vector<float> y(300);
  CHECK_THROWS_WITH_AS(qp::io::ggml_dequantize(DType::Q6_K, raw.data(), 300, y.data()), doctest::Contains("blocks of 256"),
                       qp::Error);
}
