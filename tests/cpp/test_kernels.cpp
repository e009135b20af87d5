// Every optimized kernel equals its reference bit for bit. In the SIMD wasm build the dispatched
// entry points are the *_wasmsimd tier, so this is where SIMD is checked against the reference;
// natively (and in the scalar wasm build) dispatch is the reference itself, and the named-behaviour
// cases below check the reference against the equation.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/quantize_f32.h"

namespace k = qp::kernels;

namespace {

const size_t kSizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 100, 1000, 1023};

// Values spread over and beyond the grid, with exact ties (k + 0.5) / inv and a few zeros.
std::vector<float> test_values(size_t n, float inv, std::mt19937& rng) {
  std::uniform_real_distribution<float> wide(-300.0f / inv, 300.0f / inv);
  std::uniform_int_distribution<int> tie(-200, 200), pick(0, 3);
  std::vector<float> x(n);
  for (auto& v : x) {
    switch (pick(rng)) {
      case 0: v = (static_cast<float>(tie(rng)) + 0.5f) / inv; break;
      case 1: v = 0.0f; break;
      default: v = wide(rng);
    }
  }
  return x;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, 4) == 0; }

}  // namespace

TEST_CASE("quantize_f32_q8: dispatched tier equals the reference on edge sizes") {
  INFO("tier " << k::active_kernel_tier());
  std::mt19937 rng(1234);
  const int ranges[][2] = {{-128, 127}, {0, 255}, {-8, 7}, {0, 15}, {-127, 127}, {-2, 1}};
  for (size_t n : kSizes) {
    for (auto r : ranges) {
      for (bool divide : {false, true}) {
        k::QuantizeArgs a;
        a.divide = divide;
        a.scale_or_inv = divide ? 0.37f : 1.0f / 0.37f;
        a.zero_point = r[0] < 0 ? 3 : (r[1] + 1) / 2;
        a.qmin = r[0];
        a.qmax = r[1];
        const std::vector<float> x = test_values(n, 1.0f / 0.37f, rng);
        std::vector<uint8_t> want(n), got(n);
        k::quantize_f32_q8_ref(x.data(), n, a, want.data());
        k::quantize_f32_q8(x.data(), n, a, got.data());
        for (size_t i = 0; i < n; ++i) {
          INFO("n=" << n << " i=" << i << " x=" << x[i] << " range=[" << r[0] << "," << r[1] << "] divide=" << divide);
          REQUIRE(got[i] == want[i]);
        }
      }
    }
  }
}

TEST_CASE("dequantize_q8_f32 and minmax_f32: dispatched tier equals the reference") {
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> byte(0, 255);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (size_t n : kSizes) {
    std::vector<uint8_t> q(n);
    for (auto& b : q) b = static_cast<uint8_t>(byte(rng));
    for (bool is_signed : {true, false}) {
      std::vector<float> want(n), got(n);
      k::dequantize_q8_f32_ref(q.data(), n, is_signed, 0.0123f, is_signed ? -5 : 131, want.data());
      k::dequantize_q8_f32(q.data(), n, is_signed, 0.0123f, is_signed ? -5 : 131, got.data());
      for (size_t i = 0; i < n; ++i) REQUIRE_MESSAGE(same_bits(got[i], want[i]), "n=" << n << " i=" << i);
    }
    std::vector<float> x(n);
    for (auto& v : x) v = normal(rng);
    if (n > 3) { x[n / 2] = -0.0f; }
    float mn_ref, mx_ref, mn, mx;
    k::minmax_f32_ref(x.data(), n, &mn_ref, &mx_ref);
    k::minmax_f32(x.data(), n, &mn, &mx);
    CHECK_MESSAGE(same_bits(mn, mn_ref), "n=" << n);
    CHECK_MESSAGE(same_bits(mx, mx_ref), "n=" << n);
  }
}

TEST_CASE("reference quantize: ties go to even, values saturate, NaN gives 0") {
  k::QuantizeArgs a;  // scale 1, zero point 0, int8
  a.scale_or_inv = 1.0f;
  const std::vector<float> x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 127.5f, -128.5f, 1e30f,
                                -1e30f, std::numeric_limits<float>::infinity(), -0.0f,
                                std::numeric_limits<float>::quiet_NaN()};
  const std::vector<int> want = {0, 2, 2, 0, -2, -2, 127, -128, 127, -128, 127, 0, 0};
  for (bool simd : {false, true}) {
    std::vector<uint8_t> q(x.size());
    if (simd) k::quantize_f32_q8(x.data(), x.size(), a, q.data());
    else k::quantize_f32_q8_ref(x.data(), x.size(), a, q.data());
    for (size_t i = 0; i < x.size(); ++i) CHECK_MESSAGE(static_cast<int8_t>(q[i]) == want[i], "i=" << i << " simd=" << simd);
  }
  // The zero point is added after rounding: x = 2.5 with zero point 3 gives rint(2.5) + 3 = 5.
  a.zero_point = 3;
  const float tie = 2.5f;
  uint8_t q;
  k::quantize_f32_q8_ref(&tie, 1, a, &q);
  CHECK(q == 5);
}

TEST_CASE("reciprocal multiply and true divide differ on near-ties, as PyTorch and ONNX do") {
  // scale = 0.0011f, x = fl(-116.5f * scale): x / scale rounds to the tie -116.5 (-> -116, even)
  // while x * fl(1/scale) lands just below it (-> -117).
  const float scale = 0.0011f;
  const float x = -116.5f * scale;
  k::QuantizeArgs recip, div;
  recip.scale_or_inv = 1.0f / scale;
  div.divide = true;
  div.scale_or_inv = scale;
  uint8_t q_recip, q_div;
  k::quantize_f32_q8_ref(&x, 1, recip, &q_recip);
  k::quantize_f32_q8_ref(&x, 1, div, &q_div);
  CHECK(static_cast<int8_t>(q_recip) == -117);
  CHECK(static_cast<int8_t>(q_div) == -116);
  k::quantize_f32_q8(&x, 1, recip, &q_recip);
  k::quantize_f32_q8(&x, 1, div, &q_div);
  CHECK(static_cast<int8_t>(q_recip) == -117);
  CHECK(static_cast<int8_t>(q_div) == -116);
}

TEST_CASE("row kernels (per channel along the last axis) equal the per-element reference") {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (size_t rows : {1, 2, 15, 16, 17}) {
    for (size_t channels : {1, 3, 15, 16, 17}) {
      INFO("rows=" << rows << " channels=" << channels);
      std::vector<float> x(rows * channels);
      for (auto& v : x) v = normal(rng);
      std::vector<k::QuantizeArgs> args(channels);
      std::vector<float> scales(channels);
      std::vector<int32_t> zps(channels);
      for (size_t c = 0; c < channels; ++c) {
        scales[c] = 0.01f + 0.02f * static_cast<float>(c);
        zps[c] = static_cast<int32_t>(c % 7) - 3;
        args[c].scale_or_inv = 1.0f / scales[c];
        args[c].divide = c % 2 == 1;
        if (args[c].divide) args[c].scale_or_inv = scales[c];
        args[c].zero_point = zps[c];
      }
      std::vector<uint8_t> q(x.size());
      std::vector<float> back(x.size()), mn(channels), mx(channels);
      k::quantize_f32_q8_rows_ref(x.data(), rows, channels, args.data(), q.data());
      k::dequantize_q8_f32_rows_ref(q.data(), rows, channels, true, scales.data(), zps.data(), back.data());
      k::minmax_f32_rows_ref(x.data(), rows, channels, mn.data(), mx.data());
      for (size_t c = 0; c < channels; ++c) {
        float want_mn = x[c], want_mx = x[c];
        for (size_t r = 0; r < rows; ++r) {
          const size_t i = r * channels + c;
          uint8_t want_q;
          float want_back;
          k::quantize_f32_q8_ref(&x[i], 1, args[c], &want_q);
          k::dequantize_q8_f32_ref(&want_q, 1, true, scales[c], zps[c], &want_back);
          REQUIRE(q[i] == want_q);
          REQUIRE(same_bits(back[i], want_back));
          want_mn = std::min(want_mn, x[i]);
          want_mx = std::max(want_mx, x[i]);
        }
        CHECK(mn[c] == want_mn);
        CHECK(mx[c] == want_mx);
      }
    }
  }
}

TEST_CASE("all_finite_f32: dispatched tier equals the reference, for a bad value at every position") {
  const float bad[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                       -std::numeric_limits<float>::infinity()};
  for (size_t n : kSizes) {
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 7) * 1e30f - 3e30f;  // large but finite
    CHECK(k::all_finite_f32_ref(x.data(), n));
    CHECK(k::all_finite_f32(x.data(), n));
    for (size_t pos = 0; pos < n; pos += (n > 40 ? n / 13 : 1)) {
      for (float b : bad) {
        const float keep = x[pos];
        x[pos] = b;
        CHECK_FALSE_MESSAGE(k::all_finite_f32_ref(x.data(), n), "n=" << n << " pos=" << pos);
        CHECK_FALSE_MESSAGE(k::all_finite_f32(x.data(), n), "n=" << n << " pos=" << pos);
        x[pos] = keep;
      }
    }
  }
}

TEST_CASE("row kernels: dispatched tier equals the reference on edge sizes") {
  std::mt19937 rng(17);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (size_t rows : {1, 2, 3, 16, 17}) {
    for (size_t channels : {1, 3, 4, 5, 15, 16, 17, 33, 100}) {
      for (int variant = 0; variant < 3; ++variant) {  // multiply, divide, unsigned grid
        INFO("rows=" << rows << " channels=" << channels << " variant=" << variant);
        std::vector<float> x(rows * channels);
        for (auto& v : x) v = normal(rng);
        if (x.size() > 2) x[1] = -0.0f;
        std::vector<k::QuantizeArgs> args(channels);
        std::vector<float> scales(channels);
        std::vector<int32_t> zps(channels);
        const bool is_signed = variant != 2;
        for (size_t c = 0; c < channels; ++c) {
          scales[c] = 0.01f + 0.013f * static_cast<float>(c % 11);
          zps[c] = is_signed ? static_cast<int32_t>(c % 7) - 3 : static_cast<int32_t>(100 + c % 50);
          args[c].divide = variant == 1;
          args[c].scale_or_inv = args[c].divide ? scales[c] : 1.0f / scales[c];
          args[c].zero_point = zps[c];
          args[c].qmin = is_signed ? -128 : 0;
          args[c].qmax = is_signed ? 127 : 255;
        }
        std::vector<uint8_t> q_ref(x.size()), q(x.size());
        std::vector<float> back_ref(x.size()), back(x.size());
        std::vector<float> mn_ref(channels), mx_ref(channels), mn(channels), mx(channels);
        k::quantize_f32_q8_rows_ref(x.data(), rows, channels, args.data(), q_ref.data());
        k::quantize_f32_q8_rows(x.data(), rows, channels, args.data(), q.data());
        CHECK(q == q_ref);
        k::dequantize_q8_f32_rows_ref(q_ref.data(), rows, channels, is_signed, scales.data(), zps.data(), back_ref.data());
        k::dequantize_q8_f32_rows(q_ref.data(), rows, channels, is_signed, scales.data(), zps.data(), back.data());
        for (size_t i = 0; i < x.size(); ++i) REQUIRE_MESSAGE(same_bits(back[i], back_ref[i]), "i=" << i);
        k::minmax_f32_rows_ref(x.data(), rows, channels, mn_ref.data(), mx_ref.data());
        k::minmax_f32_rows(x.data(), rows, channels, mn.data(), mx.data());
        for (size_t c = 0; c < channels; ++c) {
          CHECK(same_bits(mn[c], mn_ref[c]));
          CHECK(same_bits(mx[c], mx_ref[c]));
        }
      }
    }
  }
}
