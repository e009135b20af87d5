// Requantization (requantize.h): the float method's SIMD tier against its reference bit for bit,
// and the fixed-point helpers against the rounding rules written out with exact 64-bit arithmetic.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "kernels/requantize.h"

namespace k = qp::kernels;

namespace {

// floor(a / b) for b > 0.
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

TEST_CASE("requantize_float: dispatched tier equals the reference bit for bit") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int32_t> small(-70000, 70000), any(std::numeric_limits<int32_t>::min(),
                                                                   std::numeric_limits<int32_t>::max());
  const size_t widths[] = {1, 2, 7, 8, 9, 15, 16, 17, 33, 100};
  for (size_t n : widths) {
    for (int variant = 0; variant < 8; ++variant) {
      const size_t m = 1 + variant % 3, ld = n + variant % 2;
      std::vector<int32_t> acc(m * ld), bias(n);
      for (auto& v : acc) v = variant == 7 ? any(rng) : small(rng);
      for (auto& v : bias) v = small(rng);
      std::vector<float> mult(n);
      // 0.5 and 0.25 make exact ties of the rounding; the others are typical S_a·S_w/S_y values.
      for (size_t j = 0; j < n; ++j) mult[j] = variant % 4 == 0 ? 0.5f : variant % 4 == 1 ? 0.25f : 0.0013f * (1 + j % 5);
      k::RequantizeFloat p;
      p.multipliers = mult.data();
      p.per_column = variant % 2 == 0;
      p.bias = variant % 3 == 0 ? nullptr : bias.data();
      const bool is_signed = variant < 4;
      p.zero_point = is_signed ? -3 : 121;
      p.qmin = is_signed ? -128 : 0;
      p.qmax = is_signed ? 127 : 255;
      if (variant == 5) p.qmin = p.zero_point;  // fused ReLU
      std::vector<uint8_t> want(m * ld, 0xaa), got(m * ld, 0xaa);
      k::requantize_float_ref(acc.data(), m, n, ld, p, want.data(), ld);
      k::requantize_float(acc.data(), m, n, ld, p, got.data(), ld);
      for (size_t i = 0; i < want.size(); ++i) {
        INFO("n=" << n << " variant=" << variant << " index=" << i << " acc=" << acc[i]);
        REQUIRE(static_cast<int>(got[i]) == static_cast<int>(want[i]));
      }
    }
  }
}

TEST_CASE("requantize_fixed_point: dispatched tier (SIMD in wasm) equals the reference bit for bit") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int32_t> small(-70000, 70000), any(std::numeric_limits<int32_t>::min(),
                                                                   std::numeric_limits<int32_t>::max());
  std::uniform_real_distribution<double> log2_mult(-32.0, 8.0);
  const size_t widths[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 100};
  for (size_t n : widths) {
    for (int variant = 0; variant < 12; ++variant) {
      const size_t m = 1 + variant % 3, ld = n + variant % 2;
      std::vector<int32_t> acc(m * ld), bias(n);
      for (auto& v : acc) v = variant >= 9 ? any(rng) : small(rng);
      for (auto& v : bias) v = variant == 11 ? any(rng) : small(rng);
      // Multipliers from 2^-32 to 2^8 (left and right shifts, shift 0), one exact zero, and the
      // extremes of M0 (2^30 and 2^31 - 1).
      std::vector<k::FixedPointMultiplier> mult(n);
      for (size_t j = 0; j < n; ++j) {
        mult[j] = k::quantize_multiplier(std::exp2(log2_mult(rng)));
        if (j % 7 == 3) mult[j] = k::quantize_multiplier(0.0);
        if (j % 11 == 5) mult[j] = {1 << 30, -(int(j) % 5)};
        if (j % 13 == 6) mult[j] = {std::numeric_limits<int32_t>::max(), 2};
      }
      k::RequantizeFixedPoint p;
      p.multipliers = mult.data();
      p.per_column = variant % 2 == 0;
      p.bias = variant % 3 == 0 ? nullptr : bias.data();
      const bool is_signed = variant % 4 < 2;
      p.zero_point = is_signed ? -3 : 121;
      p.qmin = is_signed ? -128 : 0;
      p.qmax = is_signed ? 127 : 255;
      if (variant == 5) p.qmin = p.zero_point;  // fused ReLU
      std::vector<uint8_t> want(m * ld, 0xaa), got(m * ld, 0xaa);
      k::requantize_fixed_point_ref(acc.data(), m, n, ld, p, want.data(), ld);
      k::requantize_fixed_point(acc.data(), m, n, ld, p, got.data(), ld);
      for (size_t i = 0; i < want.size(); ++i) {
        INFO("n=" << n << " variant=" << variant << " index=" << i << " acc=" << acc[i]);
        REQUIRE(static_cast<int>(got[i]) == static_cast<int>(want[i]));
      }
    }
  }
}

TEST_CASE("requantize_float: rounding half to even, clamp and ReLU as specified") {
  const float half = 0.5f;
  const int32_t acc[] = {1, 3, 5, -1, -3, 1000, -1000};
  uint8_t out[7];
  k::RequantizeFloat p;
  p.multipliers = &half;
  p.zero_point = 0;
  k::requantize_float_ref(acc, 1, 7, 7, p, out, 7);
  const int8_t want[] = {0, 2, 2, 0, -2, 127, -128};  // 0.5→0, 1.5→2, 2.5→2, −0.5→0, −1.5→−2
  for (int i = 0; i < 7; ++i) CHECK(static_cast<int8_t>(out[i]) == want[i]);
  p.qmin = 0;  // ReLU
  k::requantize_float_ref(acc, 1, 7, 7, p, out, 7);
  CHECK(static_cast<int8_t>(out[4]) == 0);
}

TEST_CASE("quantize_multiplier: M0 in [2^30, 2^31) and M0·2^(shift−31) within half a unit of M") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> mant(0.5, 1.0);
  for (int e = -30; e <= 30; ++e) {
    for (int i = 0; i < 20; ++i) {
      const double real = std::ldexp(mant(rng), e);
      const k::FixedPointMultiplier m = k::quantize_multiplier(real);
      INFO("real=" << real);
      CHECK(m.multiplier >= (1 << 30));
      CHECK(std::fabs(std::ldexp(static_cast<double>(m.multiplier), m.shift - 31) - real) <=
            std::ldexp(1.0, m.shift - 32));
    }
  }
  CHECK(k::quantize_multiplier(1.0).multiplier == (1 << 30));
  CHECK(k::quantize_multiplier(1.0).shift == 1);
  const k::FixedPointMultiplier carried = k::quantize_multiplier(1.0 - std::ldexp(1.0, -40));  // rounds to 2^31
  CHECK(carried.multiplier == (1 << 30));
  CHECK(carried.shift == 1);
  CHECK(k::quantize_multiplier(0.0).multiplier == 0);
  CHECK_THROWS_AS(k::quantize_multiplier(-0.5), qp::Error);
  CHECK_THROWS_AS(k::quantize_multiplier(std::nan("")), qp::Error);
}

TEST_CASE("fixed-point helpers follow their rounding rules exactly") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int32_t> any(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
  for (int i = 0; i < 200000; ++i) {
    const int32_t a = i < 8 ? (i % 2 ? 3 : -3) * (i + 1) : any(rng);
    const int32_t b = i < 8 ? (1 << 30) : any(rng);
    if (a == std::numeric_limits<int32_t>::min() && b == a) continue;
    // Round half up of a·b / 2^31.
    const int64_t want = floor_div(static_cast<int64_t>(a) * b + (int64_t{1} << 30), int64_t{1} << 31);
    INFO("a=" << a << " b=" << b);
    REQUIRE(k::saturating_rounding_doubling_high_mul(a, b) == want);
    const int e = i % 32;
    // Round half away from zero of a / 2^e.
    const int64_t mag = a < 0 ? -static_cast<int64_t>(a) : a;
    const int64_t q = e == 0 ? mag : (mag + (int64_t{1} << (e - 1))) >> e;
    REQUIRE(k::rounding_divide_by_pot(a, e) == (a < 0 ? -q : q));
  }
  CHECK(k::saturating_rounding_doubling_high_mul(std::numeric_limits<int32_t>::min(),
                                                 std::numeric_limits<int32_t>::min()) ==
        std::numeric_limits<int32_t>::max());
}

TEST_CASE("requantize_fixed_point agrees with the float method within one code") {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int32_t> acc_dist(-300000, 300000);
  for (double real : {0.00037, 0.0123, 0.25, 0.75, 1.5}) {
    const size_t n = 37;
    std::vector<int32_t> acc(n);
    for (auto& v : acc) v = acc_dist(rng);
    const k::FixedPointMultiplier fm = k::quantize_multiplier(real);
    const float fr = static_cast<float>(real);
    k::RequantizeFixedPoint pf;
    pf.multipliers = &fm;
    pf.zero_point = 5;
    k::RequantizeFloat pr;
    pr.multipliers = &fr;
    pr.zero_point = 5;
    std::vector<uint8_t> a(n), b(n);
    k::requantize_fixed_point(acc.data(), 1, n, n, pf, a.data(), n);
    k::requantize_float_ref(acc.data(), 1, n, n, pr, b.data(), n);
    for (size_t i = 0; i < n; ++i) {
      INFO("real=" << real << " acc=" << acc[i]);
      CHECK(std::abs(static_cast<int8_t>(a[i]) - static_cast<int8_t>(b[i])) <= 1);
    }
  }
}
