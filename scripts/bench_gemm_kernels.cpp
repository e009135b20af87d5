// Benchmark (not a test): the GEMM kernels alone, in one process, on the shapes of issue #5
// (M×K×N = 1×784×256, 64×784×256, 256×1024×1024, 1024³), plus a register-only loop of
// i32x4.dot_i16x8_s + i32x4.add that bounds what any SIMD128 int8 kernel can reach on this CPU.
// Prints GOPS (2·M·N·K operations per second), median of several timed batches. Built as
// qp_bench_gemm (native, and wasm: run with node build/wasm/qp_bench_gemm.cjs).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <vector>

#include "kernels/gemm_f32.h"
#include "kernels/gemm_q8.h"
#include "kernels/matmul_plan.h"
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;
volatile int32_t g_sink = 0;  // results the optimizer must not drop

// Median GOPS of `fn`, timed in batches of about 50 ms.
double gops(double ops, const std::function<void()>& fn) {
  fn();
  auto t0 = Clock::now();
  size_t calls = 0;
  while (std::chrono::duration<double>(Clock::now() - t0).count() < 0.05) { fn(); ++calls; }
  std::vector<double> rates;
  for (int rep = 0; rep < 7; ++rep) {
    t0 = Clock::now();
    for (size_t c = 0; c < calls; ++c) fn();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    rates.push_back(ops * static_cast<double>(calls) / s / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) { seed = seed * 1664525u + 1013904223u; b = static_cast<uint8_t>(seed >> 24); }
  return v;
}

#if defined(__wasm_simd128__)
// The core's register-only loop (kernels/matmul_plan.h dot_i16x8_peak_loop), in GOPS.
double peak_loop_gops() {
  // The checksum goes to a volatile sink: otherwise the link-time optimizer deletes the loop.
  return gops(qp::kernels::kPeakLoopOpsPerIteration * (1 << 18),
              [] { g_sink = g_sink + qp::kernels::dot_i16x8_peak_loop(1 << 18); });
}
#endif

}  // namespace

int main() {
  using namespace qp::kernels;
  struct Shape { size_t m, k, n; };
  const Shape shapes[] = {{1, 784, 256}, {64, 784, 256}, {256, 1024, 1024}, {1024, 1024, 1024}};
#if defined(__wasm_simd128__)
  {
    // The micro-kernel alone on L1-resident data (3 rows × 8 columns × K = 1024), interleaved with
    // the peak loop so both see the same machine load.
    std::vector<int16_t> a16(kMicroRows * 1024, 3), panel(1024 * 8, -2);
    int32_t tile[32];
    double micro = 0, peak = 0;
    for (int round = 0; round < 3; ++round) {
      micro = std::max(micro, gops(2.0 * kMicroRows * 8 * 1024, [&] {
        gemm_q8_micro_3x8__wasmsimd(1024, a16.data(), panel.data(), tile);
        g_sink = g_sink + tile[31];
      }));
      peak = std::max(peak, peak_loop_gops());
    }
    std::printf("register-only peak loop (dot_i16x8 + add): %.1f GOPS; micro-kernel 3×8 from L1 (K = 1024): %.1f GOPS (%.0f%%)\n\n",
                peak, micro, 100 * micro / peak);
  }
#endif
  std::printf("%-16s %12s %12s %12s %12s %12s\n", "M×K×N", "u8×s8 GOPS", "s8×s8 GOPS", "f32 GFLOPS",
              "int8/f32", "ref GOPS");
  for (const Shape& s : shapes) {
    const auto a = random_bytes(s.m * s.k, 1), b = random_bytes(s.k * s.n, 2);
    std::vector<int32_t> c(s.m * s.n), c_ref(s.m * s.n);
    const PackedQ8Weights w = pack_q8_weights({b.data(), true}, s.k, s.n, s.n, 1, {3});
    const double ops = 2.0 * s.m * s.n * s.k;
    const double u8 = gops(ops, [&] { gemm_q8(s.m, {a.data(), false}, s.k, 131, w, c.data(), s.n); });
    const double s8 = gops(ops, [&] { gemm_q8(s.m, {a.data(), true}, s.k, -5, w, c.data(), s.n); });
    std::vector<float> af(s.m * s.k), bf(s.k * s.n), cf(s.m * s.n);
    for (size_t i = 0; i < af.size(); ++i) af[i] = static_cast<float>(static_cast<int8_t>(a[i])) / 64.0f;
    for (size_t i = 0; i < bf.size(); ++i) bf[i] = static_cast<float>(static_cast<int8_t>(b[i])) / 64.0f;
    const PackedF32Weights wf = pack_f32_weights(bf.data(), s.k, s.n, s.n, 1);
    const double f32 = gops(ops, [&] { gemm_f32(s.m, af.data(), s.k, wf, cf.data(), s.n); });
    double ref = 0;
    if (ops < 1e9) {
      const std::vector<int32_t> zb(s.n, 3);
      ref = gops(ops, [&] {
        gemm_q8_ref(s.m, s.n, s.k, {a.data(), true}, s.k, -5, {b.data(), true}, s.n, zb.data(), c_ref.data(), s.n);
      });
      if (c != c_ref) std::printf("MISMATCH against the reference at %zu×%zu×%zu\n", s.m, s.k, s.n);
    }
    std::printf("%4zu×%4zu×%4zu   %12.1f %12.1f %12.1f %12.2f %12.1f\n", s.m, s.k, s.n, u8, s8, f32, s8 / f32, ref);
  }
  return 0;
}
