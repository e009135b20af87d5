// Native cost of each range calibrator on 4M N(0, 1) float32 values (one observe + range()),
// and of the int8 per-tensor scheme with each calibration. Not a test. Build and run after the
// native build (`cmake --build build/native`):
//   g++ -O2 -std=c++17 -ffp-contract=off -Isrc scripts/bench_calibration.cpp build/native/libqpcore.a -lz \
//       -o build/native/bench_calibration && ./build/native/bench_calibration
// Prints the median of 5 runs in ms, for 4M values and for 1M (the exact limit of percentile, mse, entropy).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "quant/calibrate.h"
#include "quant/scheme.h"

namespace {

template <class F>
double median_ms(F f, int runs = 5) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    const auto a = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void bench(size_t n) {
  std::mt19937 rng(1);
  std::normal_distribution<float> d;
  std::vector<float> x(n);
  for (float& v : x) v = d(rng);
  const char* names[] = {"minmax", "moving-average", "percentile", "mse", "entropy", "histogram"};
  std::printf("%zu values\n%-16s %12s %14s %10s %10s\n", n, "calibration", "calibrator ms", "int8 scheme ms", "lo", "hi");
  for (const char* name : names) {
    std::pair<float, float> range;
    const qp::CalibrationGrid grid = qp::calibration_grid(qp::QuantSpec{});
    const double cal_ms = median_ms([&] {
      auto c = qp::make_calibrator(qp::parse_calibration(name), grid);
      c->observe(x.data(), n);
      range = c->range();
    });
    qp::SchemeSpec spec;
    spec.calibration = name;
    const double scheme_ms = median_ms([&] { qp::run_scheme(x.data(), n, {static_cast<long>(n)}, spec); });
    std::printf("%-16s %12.1f %14.1f %10.4f %10.4f\n", name, cal_ms, scheme_ms, range.first, range.second);
  }
}

}  // namespace

int main() {
  bench(size_t(1) << 22);  // 4M: past the sketch's exact limit (percentile, mse, entropy use its histogram)
  bench(size_t(1) << 20);  // 1M: the largest input they handle exactly
  return 0;
}
