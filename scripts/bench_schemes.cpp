// Benchmark (not a test): the slow parts of "compare all", each optimized path beside its plain
// reference (and, where one existed, the tier it replaced) on the same data, interleaved so machine
// noise hits all of them; then run_scheme on every row of the default comparison of a 4096×4096
// tensor, as the page runs it (minus JS). Built as qp_bench_schemes (native) and
// qp_bench_schemes.cjs (wasm SIMD: node build/wasm/qp_bench_schemes.cjs). Pass --no-rows to skip
// the default comparison, --reps N to change the repetitions (default 5).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "kernels/error_sums.h"
#include "kernels/quantize_f32.h"
#include "quant/compare.h"
#include "quant/ggml_block_codecs.h"
#include "quant/ggml_q4k_fit.h"
#include "quant/ggml_q6k_fit.h"
#include "quant/kmeans_quant.h"
#include "quant/tcq.h"
#include "quant/unit_mse.h"

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// A column-scaled sum of three uniforms (the JS benchmark's tensor family), from an LCG.
std::vector<float> make_tensor(size_t rows, size_t cols, uint32_t seed) {
  std::vector<float> x(rows * cols);
  uint32_t s = seed;
  auto uni = [&] {
    s = s * 1664525u + 1013904223u;
    return static_cast<float>(s >> 8) / 16777216.0f;
  };
  for (size_t i = 0; i < x.size(); ++i) x[i] = (uni() + uni() + uni() - 1.5f) * (1.0f + static_cast<float>(i % cols) / cols);
  return x;
}

struct Variant {
  const char* label;
  std::function<void()> run;
};

// Runs every variant reps times, interleaved; prints median ms of each and first / last.
void compare(const char* name, const std::vector<Variant>& variants, int reps) {
  std::vector<std::vector<double>> t(variants.size());
  for (int r = 0; r < reps; ++r) {
    for (size_t v = 0; v < variants.size(); ++v) {
      const auto t0 = Clock::now();
      variants[v].run();
      t[v].push_back(ms_since(t0));
    }
  }
  std::printf("%-40s", name);
  for (size_t v = 0; v < variants.size(); ++v) std::printf("  %s %8.1f ms", variants[v].label, median(t[v]));
  std::printf("  | %s/%s %5.2f\n", variants.front().label, variants.back().label, median(t.front()) / median(t.back()));
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  bool rows = true;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
    if (!std::strcmp(argv[i], "--no-rows")) rows = false;
  }
  std::printf("kernel tier: %s; median of %d, variants interleaved\n", qp::kernels::active_kernel_tier(), reps);
  const size_t R = 4096, C = 4096, n = R * C;
  const std::vector<float> x = make_tensor(R, C, 2);
  std::vector<float> y(n);
  for (size_t i = 0; i < n; ++i) y[i] = x[i] + (i % 7 == 0 ? 0.01f : -0.003f);
  double sink = 0;

  {  // Error metrics over 16M values.
    auto sums = [&](void (*add)(qp::kernels::ErrorSums&, const float*, const float*, size_t)) {
      qp::kernels::ErrorSums s;
      add(s, x.data(), y.data(), n);
      sink += s.err2[0];
    };
    compare("error sums, 4096x4096", {{"ref", [&] { sums(qp::kernels::error_sums_add_ref); }},
                                      {"tier", [&] { sums(qp::kernels::error_sums_add); }}}, reps);
  }
  for (int axis : {0, 1}) {  // Per-unit MSE: per channel along axis 0, groups of 32 along axis 1.
    const qp::UnitLayout layout({static_cast<int64_t>(R), static_cast<int64_t>(C)}, axis, axis == 0 ? 0 : 32);
    const std::string name = axis == 0 ? "unit MSE per channel (axis 0)" : "unit MSE g32 (axis 1)";
    compare(name.c_str(), {{"gather", [&] { sink += qp::unit_mse_reference(x.data(), y.data(), layout, 0)[1]; }},
                           {"one pass", [&] { sink += qp::unit_mse(x.data(), y.data(), layout, 0)[1]; }}}, reps);
  }
  {  // Q4_K's fit on 4096 super-blocks (the first 1M values), weights as ggml computes them.
    const size_t blocks = 4096;
    std::vector<float> w(blocks * 256), scales(8), mins(8);
    std::vector<uint8_t> L(256);
    for (size_t j = 0; j < blocks * 8; ++j) {
      float sum_x2 = 0;
      for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
      const float av_x = std::sqrt(sum_x2 / 32);
      for (int l = 0; l < 32; ++l) w[32 * j + l] = av_x + std::fabs(x[32 * j + l]);
    }
    std::vector<Variant> v = {
        {"ref", [&] {
           for (size_t b = 0; b < blocks; ++b)
             for (int j = 0; j < 8; ++j)
               scales[j] = qp::ggml::fit_scale_min_q4_ref(&x[256 * b + 32 * j], &w[256 * b + 32 * j], &L[32 * j], &mins[j]);
           sink += scales[0];
         }},
        {"lockstep", [&] {
           for (size_t b = 0; b < blocks; ++b) qp::ggml::fit_scale_min_q4_x8(&x[256 * b], &w[256 * b], L.data(), scales.data(), mins.data());
           sink += scales[0];
         }}};
#if defined(__wasm_simd128__)
    v.push_back({"simd", [&] {
                   for (size_t b = 0; b < blocks; ++b)
                     qp::ggml::fit_scale_min_q4_x8__wasmsimd(&x[256 * b], &w[256 * b], L.data(), scales.data(), mins.data());
                   sink += scales[0];
                 }});
#endif
    compare("Q4_K fit, 4096 super-blocks", v, reps);
    std::vector<uint8_t> bytes(144);
    compare("Q4_K blocks, 4096 super-blocks",
            {{"ref", [&] { for (size_t b = 0; b < blocks; ++b) qp::ggml::quantize_block_q4_k_ref(&x[256 * b], bytes.data()); sink += bytes[3]; }},
             {"tier", [&] { for (size_t b = 0; b < blocks; ++b) qp::ggml::quantize_block_q4_k(&x[256 * b], bytes.data()); sink += bytes[3]; }}},
            reps);
    std::vector<uint8_t> b6(210);
    compare("Q6_K blocks, 4096 super-blocks",
            {{"ref", [&] { for (size_t b = 0; b < blocks; ++b) qp::ggml::quantize_block_q6_k_ref(&x[256 * b], b6.data()); sink += b6[3]; }},
             {"tier", [&] { for (size_t b = 0; b < blocks; ++b) qp::ggml::quantize_block_q6_k(&x[256 * b], b6.data()); sink += b6[3]; }}},
            reps);
  }
  {  // TCQ 2-bit on 4096 blocks of 256.
    const size_t blocks = 4096;
    std::vector<float> out(256);
    qp::TcqEncoder encoder;
    compare("TCQ 2-bit, 4096 blocks",
            {{"ref", [&] { for (size_t b = 0; b < blocks; ++b) qp::tcq_encode_block_reference(&x[256 * b], 256, 2, out.data()); sink += out[0]; }},
             {"encoder", [&] { for (size_t b = 0; b < blocks; ++b) encoder.encode_block(&x[256 * b], 256, 2, out.data()); sink += out[0]; }}},
            reps);
  }
  {  // k-means 4-bit: 256 rows of 4096 (per channel along axis 0).
    std::vector<float> out(C);
    compare("kmeans 4-bit fit, 256 rows of 4096",
            {{"plain search", [&] { for (size_t r = 0; r < 256; ++r) sink += qp::kmeans_fit_reference(&x[r * C], C, 16).centroids[0]; }},
             {"warm start", [&] { for (size_t r = 0; r < 256; ++r) sink += qp::kmeans_fit(&x[r * C], C, 16).centroids[0]; }}},
            reps);
    compare("kmeans 4-bit fit + code, 256 rows",
            {{"fit+code", [&] { for (size_t r = 0; r < 256; ++r) qp::kmeans_quantize(&x[r * C], C, 16, nullptr, out.data()); sink += out[0]; }}},
            reps);
  }
  if (rows) {
    const qp::Shape shape = {static_cast<int64_t>(R), static_cast<int64_t>(C)};
    std::printf("\nrun_scheme on the default comparison, %zux%zu, one run each\n", R, C);
    double total = 0;
    for (const qp::SchemeSpec& spec : qp::default_comparison(shape)) {
      const qp::ComparisonRow row = qp::compare_one(x.data(), n, shape, spec);
      total += row.milliseconds;
      std::printf("  %-44s %8.0f ms%s\n", row.label.c_str(), row.milliseconds, row.error.empty() ? "" : "  (error)");
    }
    std::printf("  %-44s %8.0f ms\n", "total", total);
  }
  return sink == 12345.0 ? 1 : 0;  // keeps the results alive
}
