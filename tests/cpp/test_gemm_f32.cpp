// gemm_f32 (packed weights, the build's micro-kernel) against gemm_f32_ref bit for bit: same
// summation order, no fused multiply-add. Values include signed zeros, subnormals, exact ties of
// rounding and products that overflow to infinity.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "kernels/gemm_f32.h"

namespace k = qp::kernels;

namespace {

const size_t kEdgeSizes[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100, 255, 256, 257};

std::vector<float> values(size_t n, std::mt19937& rng, bool specials) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> pick(0, 15);
  std::vector<float> v(n);
  for (auto& x : v) {
    x = normal(rng);
    if (!specials) continue;
    switch (pick(rng)) {
      case 0: x = -0.0f; break;
      case 1: x = std::numeric_limits<float>::denorm_min() * 7.0f; break;
      case 2: x = 3e38f; break;
      default: break;
    }
  }
  return v;
}

void check(size_t m, size_t n, size_t kk, uint32_t seed, bool transposed, bool specials) {
  std::mt19937 rng(seed);
  const size_t lda = kk + seed % 3, ldc = n + seed % 2;
  const std::vector<float> a = values(m * lda, rng, specials), b = values(kk * n, rng, specials);
  std::vector<float> stored = b;
  if (transposed) {
    for (size_t p = 0; p < kk; ++p)
      for (size_t j = 0; j < n; ++j) stored[j * kk + p] = b[p * n + j];
  }
  const auto packed = transposed ? k::pack_f32_weights(stored.data(), kk, n, 1, kk)
                                 : k::pack_f32_weights(stored.data(), kk, n, n, 1);
  std::vector<float> want(m * ldc, 42.0f), got(m * ldc, 42.0f);
  k::gemm_f32_ref(m, n, kk, a.data(), lda, b.data(), n, want.data(), ldc);
  k::gemm_f32(m, a.data(), lda, packed, got.data(), ldc);
  size_t mismatches = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::memcmp(&got[i], &want[i], 4) != 0 && !(std::isnan(got[i]) && std::isnan(want[i])) &&
        mismatches++ == 0) {
      FAIL_CHECK("M=" << m << " N=" << n << " K=" << kk << " seed=" << seed << " transposed=" << transposed
                      << ": first mismatch at C[" << i / ldc << "][" << i % ldc << "] expected " << want[i]
                      << " got " << got[i]);
    }
  }
  CHECK(mismatches == 0);
}

}  // namespace

TEST_CASE("gemm_f32: packed path equals the reference bit for bit on edge shapes") {
  uint32_t seed = 1;
  for (size_t m : {1, 2, 3, 7, 8, 17})
    for (size_t n : kEdgeSizes)
      for (size_t kk : {1, 2, 15, 16, 17, 33, 100}) {
        check(m, n, kk, seed, seed % 2 == 0, seed % 3 == 0);
        ++seed;
      }
  std::mt19937 pick(5);
  std::uniform_int_distribution<size_t> idx(0, std::size(kEdgeSizes) - 1);
  for (int i = 0; i < 30; ++i) {
    const size_t m = kEdgeSizes[idx(pick)], n = kEdgeSizes[idx(pick)], kk = kEdgeSizes[idx(pick)];
    check(m, n, kk, seed++, i % 2 == 1, i % 3 == 0);
  }
}

TEST_CASE("gemm_f32: an empty weight matrix is refused") {
  float b = 0;
  CHECK_THROWS_WITH_AS(k::pack_f32_weights(&b, 0, 4, 4, 1), doctest::Contains("empty"), qp::Error);
}
