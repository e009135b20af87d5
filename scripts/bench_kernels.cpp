// Benchmark (not a test): the int quantization path in one process, reference tier beside the
// dispatched tier (SIMD in the wasm SIMD build, the reference itself natively and in the scalar
// build), on the same 16M-value tensor, interleaved so machine noise hits both. Prints GB/s of
// float32 input. Built as qp_bench (native) and qp_bench / qp_bench_scalar (wasm, run with node);
// scripts/bench_quantize.mjs runs them.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/quantize_f32.h"
#include "quant/qparams.h"
#include "quant/quantize.h"

namespace {

using Clock = std::chrono::steady_clock;

double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Row {
  const char* name;
  std::function<void()> ref, fast;
};

}  // namespace

int main() {
  const size_t rows = 4096, cols = 4096, n = rows * cols;
  std::vector<float> x(n);
  uint32_t s = 12345;
  for (size_t i = 0; i < n; ++i) {  // a skewed, column-scaled sum of uniforms
    s = s * 1664525u + 1013904223u;
    const float u = static_cast<float>(s >> 8) / 16777216.0f;
    x[i] = (u * u - 0.3f) * (1.0f + static_cast<float>(i % cols) / cols);
  }
  std::vector<uint8_t> codes(n);
  std::vector<float> back(n);
  const qp::IntRange range = qp::full_int_range(8, true);
  auto args_for = [&](float lo, float hi) {
    const qp::QParams p = qp::choose_qparams(lo, hi, range, qp::Scheme::Affine, qp::NumericsMode::PyTorch, 8);
    qp::kernels::QuantizeArgs a;
    a.scale_or_inv = 1.0f / p.scale;
    a.zero_point = p.zero_point;
    a.qmin = range.qmin;
    a.qmax = range.qmax;
    return a;
  };
  float sink = 0;
  const std::vector<Row> table = {
      {"minmax", [&] { float lo, hi; qp::kernels::minmax_f32_ref(x.data(), n, &lo, &hi); sink += lo; },
       [&] { float lo, hi; qp::kernels::minmax_f32(x.data(), n, &lo, &hi); sink += lo; }},
      {"minmax + quantize int8 per tensor",
       [&] {
         float lo, hi;
         qp::kernels::minmax_f32_ref(x.data(), n, &lo, &hi);
         qp::kernels::quantize_f32_q8_ref(x.data(), n, args_for(lo, hi), codes.data());
       },
       [&] {
         float lo, hi;
         qp::kernels::minmax_f32(x.data(), n, &lo, &hi);
         qp::kernels::quantize_f32_q8(x.data(), n, args_for(lo, hi), codes.data());
       }},
      {"minmax + quantize + dequantize int8",
       [&] {
         float lo, hi;
         qp::kernels::minmax_f32_ref(x.data(), n, &lo, &hi);
         const auto a = args_for(lo, hi);
         qp::kernels::quantize_f32_q8_ref(x.data(), n, a, codes.data());
         qp::kernels::dequantize_q8_f32_ref(codes.data(), n, true, 1.0f / a.scale_or_inv, a.zero_point, back.data());
       },
       [&] {
         float lo, hi;
         qp::kernels::minmax_f32(x.data(), n, &lo, &hi);
         const auto a = args_for(lo, hi);
         qp::kernels::quantize_f32_q8(x.data(), n, a, codes.data());
         qp::kernels::dequantize_q8_f32(codes.data(), n, true, 1.0f / a.scale_or_inv, a.zero_point, back.data());
       }},
      {"minmax + quantize int8 per channel (last axis)",
       [&] {
         std::vector<float> lo(cols), hi(cols);
         qp::kernels::minmax_f32_rows_ref(x.data(), rows, cols, lo.data(), hi.data());
         std::vector<qp::kernels::QuantizeArgs> a(cols);
         for (size_t c = 0; c < cols; ++c) a[c] = args_for(lo[c], hi[c]);
         qp::kernels::quantize_f32_q8_rows_ref(x.data(), rows, cols, a.data(), codes.data());
       },
       [&] {
         std::vector<float> lo(cols), hi(cols);
         qp::kernels::minmax_f32_rows(x.data(), rows, cols, lo.data(), hi.data());
         std::vector<qp::kernels::QuantizeArgs> a(cols);
         for (size_t c = 0; c < cols; ++c) a[c] = args_for(lo[c], hi[c]);
         qp::kernels::quantize_f32_q8_rows(x.data(), rows, cols, a.data(), codes.data());
       }},
  };
  const int reps = 7;
  std::printf("kernel tier: %s; %zu×%zu float32 (%.0f MB); median of %d\n", qp::kernels::active_kernel_tier(), rows,
              cols, n * 4 / 1e6, reps);
  std::printf("%-46s %9s %9s %9s %11s\n", "step", "ref ms", "tier ms", "ref/tier", "tier GB/s");
  for (const Row& r : table) {
    std::vector<double> tr, tf;
    for (int i = 0; i < reps; ++i) {
      auto t0 = Clock::now();
      r.ref();
      auto t1 = Clock::now();
      r.fast();
      auto t2 = Clock::now();
      tr.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      tf.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    const double a = median_ms(tr), b = median_ms(tf);
    std::printf("%-46s %9.1f %9.1f %9.2f %11.2f\n", r.name, a, b, a / b, n * 4 / 1e9 / (b / 1000));
  }
  return sink == 12345.0f ? 1 : 0;  // keeps the results alive
}
