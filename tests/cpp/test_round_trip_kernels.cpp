// The fused quantize -> dequantize -> error-sums kernels (kernels/quantize_f32_round_trip.h): the
// dispatched tier (wasm SIMD in the SIMD build) equals the reference bit for bit, the reference
// equals the separate kernels plus the error sums' per-lane definition, and quantize_tensor_into
// (the path of the JS quantize()) gives quantize_tensor's bits, with metrics equal to the
// definition on the reconstruction.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/quantize_f32_round_trip.h"
#include "quant/metrics.h"
#include "quant/quantize.h"

namespace k = qp::kernels;

namespace {

const size_t kSizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 100, 1000, 1023};

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Running sums that are not zero, so a kernel that overwrote instead of adding would be caught.
k::ErrorSums start_sums() {
  k::ErrorSums s;
  for (int l = 0; l < 4; ++l) {
    s.err2[l] = 0.25 * (l + 1);
    s.x2[l] = 3.0 + l;
    s.y2[l] = 2.5 + l;
    s.xy[l] = -1.0 - l;
    s.max_abs[l] = l == 2 ? 0.75 : 0.0;
  }
  return s;
}

void require_same_sums(const k::ErrorSums& a, const k::ErrorSums& b) {
  for (int l = 0; l < 4; ++l) {
    INFO("lane " << l);
    REQUIRE(same_bits(a.err2[l], b.err2[l]));
    REQUIRE(same_bits(a.x2[l], b.x2[l]));
    REQUIRE(same_bits(a.y2[l], b.y2[l]));
    REQUIRE(same_bits(a.xy[l], b.xy[l]));
    REQUIRE(same_bits(a.max_abs[l], b.max_abs[l]));
  }
}

// Values over and beyond the grid, exact ties (k + 0.5) * scale, zeros and -0.
std::vector<float> test_values(size_t n, float scale, std::mt19937& rng) {
  std::uniform_real_distribution<float> wide(-300.0f * scale, 300.0f * scale);
  std::uniform_int_distribution<int> tie(-200, 200), pick(0, 5);
  std::vector<float> x(n);
  for (auto& v : x) {
    switch (pick(rng)) {
      case 0: v = (static_cast<float>(tie(rng)) + 0.5f) * scale; break;
      case 1: v = 0.0f; break;
      case 2: v = -0.0f; break;
      default: v = wide(rng);
    }
  }
  return x;
}

k::QuantizeArgs args_for(float scale, int32_t zp, int qmin, int qmax, bool divide) {
  k::QuantizeArgs a;
  a.divide = divide;
  a.scale_or_inv = divide ? scale : 1.0f / scale;
  a.zero_point = zp;
  a.qmin = qmin;
  a.qmax = qmax;
  return a;
}

}  // namespace

TEST_CASE("fused round trip: the reference is the separate kernels plus the per-lane error sums") {
  std::mt19937 rng(41);
  for (size_t n : kSizes) {
    const float scale = 0.37f;
    const k::QuantizeArgs a = args_for(scale, 3, -8, 7, false);
    const std::vector<float> x = test_values(n, scale, rng);
    std::vector<uint8_t> codes(n), want_codes(n);
    std::vector<float> values(n), want_values(n);
    k::ErrorSums got = start_sums(), want = start_sums();
    k::quantize_round_trip_f32_q8_ref(x.data(), n, a, scale, 3, codes.data(), values.data(), got);
    k::quantize_f32_q8_ref(x.data(), n, a, want_codes.data());
    k::dequantize_q8_f32_ref(want_codes.data(), n, true, scale, 3, want_values.data());
    for (size_t i = 0; i < n; ++i) {  // error_sums.h's rule written out
      const int l = static_cast<int>(i % 4);
      const double p = x[i], q = want_values[i], d = p - q;
      want.err2[l] += d * d;
      want.x2[l] += p * p;
      want.y2[l] += q * q;
      want.xy[l] += p * q;
      if (std::fabs(d) > want.max_abs[l]) want.max_abs[l] = std::fabs(d);
    }
    INFO("n=" << n);
    CHECK(codes == want_codes);
    for (size_t i = 0; i < n; ++i) REQUIRE(same_bits(values[i], want_values[i]));
    require_same_sums(got, want);
  }
}

TEST_CASE("fused round trip: dispatched tier equals the reference on edge sizes") {
  INFO("tier " << k::active_kernel_tier());
  std::mt19937 rng(1234);
  const int ranges[][2] = {{-128, 127}, {0, 255}, {-8, 7}, {0, 15}, {-127, 127}, {-2, 1}};
  for (size_t n : kSizes) {
    for (auto r : ranges) {
      for (bool divide : {false, true}) {
        const float scale = 0.37f;
        const int32_t zp = r[0] < 0 ? 3 : (r[1] + 1) / 2;
        const k::QuantizeArgs a = args_for(scale, zp, r[0], r[1], divide);
        const std::vector<float> x = test_values(n, scale, rng);
        std::vector<uint8_t> want_codes(n), codes(n);
        std::vector<float> want_values(n), values(n);
        k::ErrorSums want = start_sums(), got = start_sums();
        k::quantize_round_trip_f32_q8_ref(x.data(), n, a, scale, zp, want_codes.data(), want_values.data(), want);
        k::quantize_round_trip_f32_q8(x.data(), n, a, scale, zp, codes.data(), values.data(), got);
        INFO("n=" << n << " range=[" << r[0] << "," << r[1] << "] divide=" << divide);
        CHECK(codes == want_codes);
        for (size_t i = 0; i < n; ++i) REQUIRE_MESSAGE(same_bits(values[i], want_values[i]), "i=" << i << " x=" << x[i]);
        require_same_sums(got, want);
      }
    }
  }
}

TEST_CASE("fused round trip, rows: dispatched tier equals the reference on edge sizes") {
  INFO("tier " << k::active_kernel_tier());
  std::mt19937 rng(17);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (size_t rows : {1, 2, 3, 16, 17}) {
    for (size_t channels : {1, 3, 4, 5, 8, 15, 16, 17, 33, 100}) {
      for (int variant = 0; variant < 3; ++variant) {  // multiply, divide, unsigned grid
        INFO("rows=" << rows << " channels=" << channels << " variant=" << variant);
        const size_t n = rows * channels;
        std::vector<float> x(n);
        for (auto& v : x) v = normal(rng);
        if (n > 2) x[1] = -0.0f;
        const bool is_signed = variant != 2;
        std::vector<k::QuantizeArgs> args(channels);
        std::vector<float> scales(channels);
        std::vector<int32_t> zps(channels);
        for (size_t c = 0; c < channels; ++c) {
          scales[c] = 0.01f + 0.013f * static_cast<float>(c % 11);
          zps[c] = is_signed ? static_cast<int32_t>(c % 7) - 3 : static_cast<int32_t>(100 + c % 50);
          args[c] = args_for(scales[c], zps[c], is_signed ? -128 : 0, is_signed ? 127 : 255, variant == 1);
        }
        std::vector<uint8_t> want_codes(n), codes(n);
        std::vector<float> want_values(n), values(n);
        k::ErrorSums want = start_sums(), got = start_sums();
        k::quantize_round_trip_f32_q8_rows_ref(x.data(), rows, channels, args.data(), scales.data(), zps.data(),
                                               want_codes.data(), want_values.data(), want);
        k::quantize_round_trip_f32_q8_rows(x.data(), rows, channels, args.data(), scales.data(), zps.data(),
                                           codes.data(), values.data(), got);
        CHECK(codes == want_codes);
        for (size_t i = 0; i < n; ++i) REQUIRE_MESSAGE(same_bits(values[i], want_values[i]), "i=" << i);
        require_same_sums(got, want);
        // And the reference equals the separate row kernels.
        std::vector<uint8_t> sep_codes(n);
        std::vector<float> sep_values(n);
        k::quantize_f32_q8_rows_ref(x.data(), rows, channels, args.data(), sep_codes.data());
        k::dequantize_q8_f32_rows_ref(sep_codes.data(), rows, channels, is_signed, scales.data(), zps.data(), sep_values.data());
        CHECK(sep_codes == want_codes);
        for (size_t i = 0; i < n; ++i) REQUIRE(same_bits(sep_values[i], want_values[i]));
      }
    }
  }
}

TEST_CASE("fused round trip, runs: dispatched tier equals the reference, and the reference the separate kernels") {
  INFO("tier " << k::active_kernel_tier());
  std::mt19937 rng(23);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  for (size_t runs : {1, 2, 3, 5}) {
    for (size_t run_len : {1, 3, 4, 8, 12, 15, 16, 17, 32, 33}) {
      for (int variant = 0; variant < 3; ++variant) {  // multiply, divide, unsigned grid
        INFO("runs=" << runs << " run_len=" << run_len << " variant=" << variant);
        const size_t n = runs * run_len;
        std::vector<float> x(n);
        for (auto& v : x) v = normal(rng);
        if (n > 2) x[2] = -0.0f;
        const bool is_signed = variant != 2;
        std::vector<k::QuantizeArgs> args(runs);
        std::vector<float> scales(runs);
        std::vector<int32_t> zps(runs);
        for (size_t r = 0; r < runs; ++r) {
          scales[r] = 0.02f + 0.11f * static_cast<float>(r);
          zps[r] = is_signed ? static_cast<int32_t>(r % 5) - 2 : static_cast<int32_t>(7 + r);
          args[r] = args_for(scales[r], zps[r], is_signed ? -8 : 0, is_signed ? 7 : 15, variant == 1);
        }
        std::vector<uint8_t> want_codes(n), codes(n), sep_codes(n);
        std::vector<float> want_values(n), values(n), sep_values(n);
        k::ErrorSums want = start_sums(), got = start_sums();
        k::quantize_round_trip_f32_q8_runs_ref(x.data(), runs, run_len, args.data(), scales.data(), zps.data(),
                                               want_codes.data(), want_values.data(), want);
        k::quantize_round_trip_f32_q8_runs(x.data(), runs, run_len, args.data(), scales.data(), zps.data(),
                                           codes.data(), values.data(), got);
        CHECK(codes == want_codes);
        for (size_t i = 0; i < n; ++i) REQUIRE_MESSAGE(same_bits(values[i], want_values[i]), "i=" << i);
        require_same_sums(got, want);
        for (size_t r = 0; r < runs; ++r) {
          const size_t b = r * run_len;
          k::quantize_f32_q8_ref(x.data() + b, run_len, args[r], sep_codes.data() + b);
          k::dequantize_q8_f32_ref(sep_codes.data() + b, run_len, is_signed, scales[r], zps[r], sep_values.data() + b);
        }
        CHECK(sep_codes == want_codes);
        for (size_t i = 0; i < n; ++i) REQUIRE(same_bits(sep_values[i], want_values[i]));
      }
    }
  }
}

TEST_CASE("quantize_tensor_into gives quantize_tensor's bits; metrics equal the definition") {
  const std::vector<qp::Shape> shapes = {{1}, {3}, {17}, {64}, {3, 33}, {15, 16}, {16, 12}, {2, 5, 7}, {5, 3, 4, 17}};
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  for (const qp::Shape& shape : shapes) {
    size_t n = 1;
    for (int64_t d : shape) n *= static_cast<size_t>(d);
    std::vector<float> x(n);
    for (auto& v : x) v = normal(rng) * (1.0f + static_cast<float>(rng() % 4));
    std::vector<qp::QuantSpec> specs;
    for (int bits : {8, 4}) {
      for (auto scheme : {qp::Scheme::Affine, qp::Scheme::Symmetric}) {
        for (auto mode : {qp::NumericsMode::PyTorch, qp::NumericsMode::Onnx}) {
          for (bool is_signed : {true, false}) {
            qp::QuantSpec s;
            s.bits = bits;
            s.scheme = scheme;
            s.mode = mode;
            s.is_signed = is_signed;
            specs.push_back(s);  // per tensor
            for (int axis = 0; axis < static_cast<int>(shape.size()); ++axis) {
              s.channel_axis = axis;
              s.group_size = 0;
              specs.push_back(s);
              for (int g : {3, 4, 16}) {
                s.group_size = g;
                specs.push_back(s);
              }
            }
          }
        }
      }
    }
    for (const qp::QuantSpec& spec : specs) {
      CAPTURE(qp::shape_to_string(shape));
      CAPTURE(spec.bits);
      CAPTURE(spec.channel_axis.value_or(-1));
      CAPTURE(spec.group_size);
      CAPTURE(static_cast<int>(spec.mode));
      CAPTURE(spec.is_signed);
      const qp::QuantizedTensor kept = qp::quantize_tensor(x.data(), n, shape, spec);
      std::vector<uint8_t> codes(n, 0xAB);
      std::vector<float> values(n, 12345.0f);
      const qp::QuantizedTensor into = qp::quantize_tensor_into(x.data(), n, shape, spec, {codes.data(), values.data()});
      CHECK(into.codes.empty());
      CHECK(into.dequantized.empty());
      REQUIRE(codes == kept.codes);
      for (size_t i = 0; i < n; ++i) REQUIRE(same_bits(values[i], kept.dequantized[i]));
      CHECK(into.scales == kept.scales);
      CHECK(into.zero_points == kept.zero_points);
      CHECK(into.observed_min == kept.observed_min);
      CHECK(into.observed_max == kept.observed_max);
      const qp::ErrorMetrics def = qp::compute_error_metrics(x.data(), kept.dequantized.data(), n);
      for (const qp::ErrorMetrics* m : {&kept.metrics, &into.metrics}) {
        CHECK(same_bits(m->mse, def.mse));
        CHECK(same_bits(m->sqnr_db, def.sqnr_db));
        CHECK(same_bits(m->max_abs_error, def.max_abs_error));
        CHECK(same_bits(m->cosine, def.cosine));
      }
      // Only one output wanted: the other goes through scratch, with the same bits.
      std::vector<float> only_values(n);
      const qp::QuantizedTensor lean = qp::quantize_tensor_into(x.data(), n, shape, spec, {nullptr, only_values.data()});
      CHECK(only_values == values);
      CHECK(same_bits(lean.metrics.mse, def.mse));
    }
  }
}
