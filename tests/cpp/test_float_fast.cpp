// The fused float-format round trip (kernels/float_round_trip.h behind fake_quantize_float) against
// the plain encode -> decode reference (fake_quantize_float_ref), bit for bit: float32 patterns of
// every class (a strided sweep over all 2^32, every exponent with the rounding boundaries of each
// format's mantissa: ties, one off, carries into the next binade, subnormals of both float32 and the
// format, overflow thresholds, ±0, ±inf, NaN payloads), random scales and sizes, and the
// contiguous-unit path of run_per_unit against the gathered one. Set QP_EXHAUSTIVE_FLOAT=1 to run
// every one of the 2^32 patterns for each format and mode (minutes).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ios>
#include <random>
#include <string>
#include <vector>

#include "quant/float_formats.h"
#include "quant/scheme.h"

using qp::FloatFormat;

namespace {

std::vector<float> floats_of(const std::vector<uint32_t>& b) {
  std::vector<float> x(b.size());
  std::memcpy(x.data(), b.data(), b.size() * 4);
  return x;
}

// Runs both paths over x and reports the first pattern whose outputs differ in any bit.
// The output buffers are reused across calls (the sweep makes thousands of them).
void check_same(FloatFormat f, bool saturate, const std::vector<float>& x, float scale) {
  static std::vector<float> fast, ref;
  fast.resize(x.size());
  ref.resize(x.size());
  qp::fake_quantize_float(f, saturate, x.data(), x.size(), scale, fast.data());
  qp::fake_quantize_float_ref(f, saturate, x.data(), x.size(), scale, ref.data());
  if (std::memcmp(fast.data(), ref.data(), x.size() * 4) == 0) return;
  for (size_t i = 0; i < x.size(); ++i) {
    uint32_t a, b, in;
    std::memcpy(&a, &fast[i], 4);
    std::memcpy(&b, &ref[i], 4);
    std::memcpy(&in, &x[i], 4);
    if (a != b) {
      INFO(qp::float_format_name(f) << " saturate=" << saturate << " scale=" << scale << " x bits 0x"
                                    << std::hex << in << ": fast 0x" << a << ", reference 0x" << b);
      CHECK(a == b);
      return;
    }
  }
}

// Every float32 exponent and sign, with the mantissa bits the format keeps set to their first,
// second, middle and last values and the bits it drops set to each rounding boundary.
std::vector<uint32_t> boundary_patterns(FloatFormat f) {
  const int mant = f == FloatFormat::F16 ? 10 : f == FloatFormat::BF16 ? 7
                 : f == FloatFormat::FP8_E4M3 ? 3 : f == FloatFormat::FP8_E5M2 ? 2 : 1;
  const uint32_t shift = 23 - mant, half = 1u << (shift - 1), low_all = (1u << shift) - 1;
  const uint32_t top = (1u << mant) - 1;
  std::vector<uint32_t> out;
  for (uint32_t sign : {0u, 0x80000000u})
    for (uint32_t e = 0; e < 256; ++e)
      for (uint32_t hi : {0u, 1u, top / 2, top / 2 + 1, top - 1, top})
        for (uint32_t lo : {0u, 1u, half - 1, half, half + 1, low_all - 1, low_all})
          out.push_back(sign | e << 23 | (hi & top) << shift | lo);
  return out;
}

const std::vector<FloatFormat>& formats() { return qp::all_float_formats(); }

}  // namespace

TEST_CASE("float fast path: every rounding boundary of every exponent, both modes, scale 1") {
  for (FloatFormat f : formats())
    for (bool sat : {false, true}) check_same(f, sat, floats_of(boundary_patterns(f)), 1.0f);
}

TEST_CASE("float fast path: the format thresholds and special values, both modes") {
  const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN,
                            65504.0f, 65519.996f, 65520.0f, 65536.0f, 448.0f, 464.0f, 464.00003f,
                            480.0f, 57344.0f, 61439.996f, 61440.0f, 6.0f, 7.0f, 7.0000005f, 0.25f,
                            0.75f, 3.3895314e38f, 3.4028235e38f, 1e-45f, 1.17549435e-38f,
                            5.9604645e-08f, 2.9802322e-08f, 2.9802326e-08f, 8.940697e-08f,
                            0.0009765625f, 0.00048828125f, 0.0014648438f};
  std::vector<float> x;
  for (float v : specials) x.push_back(v), x.push_back(-v), x.push_back(std::nextafter(v, 0.0f)),
      x.push_back(std::nextafter(v, INFINITY)), x.push_back(-std::nextafter(v, INFINITY));
  for (uint32_t payload : {1u, 0x1fffu, 0x2000u, 0x3fffffu, 0x400000u, 0x7fffffu})
    for (uint32_t sign : {0u, 0x80000000u}) {
      const uint32_t b = sign | 0x7f800000u | payload;
      float v;
      std::memcpy(&v, &b, 4);
      x.push_back(v);
    }
  for (FloatFormat f : formats())
    for (bool sat : {false, true}) check_same(f, sat, x, 1.0f);
}

TEST_CASE("float fast path: strided sweep over the float32 patterns (all of them when asked)") {
  // fp16 and bf16 see 2^26 patterns per mode, the 8- and 4-bit formats (whose 256 / 16 codes the
  // boundary case already walks in every binade) 2^22.
  const bool all = std::getenv("QP_EXHAUSTIVE_FLOAT") != nullptr;
  const size_t chunk = 1 << 16;
  std::vector<float> x(chunk);
  for (FloatFormat f : formats()) {
    const bool wide = f == FloatFormat::F16 || f == FloatFormat::BF16;
    const uint64_t stride = all ? 1 : wide ? 67 : 1031;  // odd, so every low bit varies
    for (bool sat : {false, true}) {
      uint64_t p = 0;
      while (p < (1ull << 32)) {
        x.resize(chunk);
        size_t m = 0;
        for (; m < chunk && p < (1ull << 32); ++m, p += stride) {
          const uint32_t b = static_cast<uint32_t>(p);
          std::memcpy(&x[m], &b, 4);
        }
        x.resize(m);
        check_same(f, sat, x, 1.0f);
      }
    }
  }
}

TEST_CASE("float fast path: random values and scales, sizes 1, 15, 16, 17, 1000, in place too") {
  std::mt19937 g(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> log_scale(-30.0f, 30.0f);
  for (FloatFormat f : formats())
    for (bool sat : {false, true})
      for (size_t n : {1, 15, 16, 17, 1000})
        for (int trial = 0; trial < 6; ++trial) {
          const float spread = std::exp2(log_scale(g));
          std::vector<float> x(n);
          for (float& v : x) v = normal(g) * spread;
          // Half the trials use the scheme's scale amax / max (values land on the top code and on
          // exact grid points); the others a random positive scale (over- and underflow both).
          float scale = std::exp2(log_scale(g));
          if (trial % 2 == 0) {
            float amax = 0.0f;
            for (float v : x) amax = std::fmax(amax, std::fabs(v));
            scale = amax / qp::float_format_max(f);
            if (!(scale > 0.0f && std::isfinite(scale))) scale = 1.0f;
          }
          check_same(f, sat, x, scale);
          std::vector<float> ref(n), inplace = x;
          qp::fake_quantize_float_ref(f, sat, x.data(), n, scale, ref.data());
          qp::fake_quantize_float(f, sat, inplace.data(), n, scale, inplace.data());
          CHECK(std::memcmp(ref.data(), inplace.data(), n * 4) == 0);
        }
}

TEST_CASE("float fast path: scale errors unchanged") {
  float x = 1.0f, y = 0.0f;
  CHECK_THROWS(qp::fake_quantize_float(FloatFormat::F16, true, &x, 1, 0.0f, &y));
  CHECK_THROWS(qp::fake_quantize_float(FloatFormat::FP4_E2M1, true, &x, 1, NAN, &y));
}

TEST_CASE("run_per_unit: contiguous units (in place) give the gathered units' result") {
  // A [R, C] tensor per channel along axis 0 / grouped along axis 1 walks contiguous runs; its
  // transpose [C, R] along axis 1 / grouped along axis 0 has the same units scattered in memory.
  std::mt19937 g(3);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  for (const auto& dims : {std::pair<size_t, size_t>{1, 1}, {3, 17}, {16, 15}, {5, 100}}) {
    const size_t rows = dims.first, cols = dims.second;  // plain names: INFO captures them
    std::vector<float> x(rows * cols), xt(rows * cols);
    for (float& v : x) v = normal(g);
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c) xt[c * rows + r] = x[r * cols + c];
    const qp::Shape shape{static_cast<int64_t>(rows), static_cast<int64_t>(cols)};
    const qp::Shape shape_t{static_cast<int64_t>(cols), static_cast<int64_t>(rows)};
    for (const char* format : {"fp8-e4m3", "fp8-e5m2", "fp4", "int", "ternary", "log2", "kmeans"})
      for (int group : {0, 16}) {
        qp::SchemeSpec s, st;
        s.format = st.format = format;
        s.integer.bits = st.integer.bits = 4;
        s.integer.channel_axis = group ? 1 : 0;
        st.integer.channel_axis = group ? 0 : 1;
        s.integer.group_size = st.integer.group_size = group;
        const qp::SchemeResult a = qp::run_scheme(x.data(), x.size(), shape, s);
        const qp::SchemeResult b = qp::run_scheme(xt.data(), xt.size(), shape_t, st);
        INFO(format << " " << rows << "x" << cols << " group " << group);
        REQUIRE(a.dequantized.size() == x.size());
        bool same = true;
        for (size_t r = 0; r < rows; ++r)
          for (size_t c = 0; c < cols; ++c)
            same = same && std::memcmp(&a.dequantized[r * cols + c], &b.dequantized[c * rows + r], 4) == 0;
        CHECK(same);
        CHECK(a.stored_bits == b.stored_bits);
      }
  }
}
