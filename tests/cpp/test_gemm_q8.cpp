// gemm_q8 (packed weights, the build's micro-kernel: wasm SIMD128 in the SIMD build, portable C++
// natively and in the scalar build) against gemm_q8_ref, the triple loop on the unpacked weights,
// bit for bit. Shapes: every M, N, K of the edge list, random data and zero points,
// extreme codes, strided A and C, weights given K×N or N×K. A failure names the shape, seed,
// index, expected and actual values.
#include <doctest/doctest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/gemm_q8.h"

namespace k = qp::kernels;

namespace {

const size_t kEdgeSizes[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100, 255, 256, 257};

struct Case {
  size_t m, n, k;
  bool a_signed, b_signed;
  bool b_transposed = false;     // weights stored N×K (PyTorch Linear) instead of K×N
  size_t lda_extra = 0, ldc_extra = 0;
  enum Fill { Random, AllMin, AllMax } fill = Random;
  bool per_column_zero_points = true;
  bool zero_points_at_ends = false;
  uint32_t seed = 1;
};

std::string describe(const Case& c) {
  std::ostringstream s;
  s << "M=" << c.m << " N=" << c.n << " K=" << c.k << " A " << (c.a_signed ? "int8" : "uint8") << " B "
    << (c.b_signed ? "int8" : "uint8") << (c.b_transposed ? " (B given N×K)" : "") << " lda+" << c.lda_extra
    << " ldc+" << c.ldc_extra << " fill=" << c.fill << " seed=" << c.seed;
  return s.str();
}

// Fails the test case with the first mismatch.
void check(const Case& c) {
  std::mt19937 rng(c.seed);
  std::uniform_int_distribution<int> byte(0, 255);
  const uint8_t fill_byte_a = c.fill == Case::AllMin ? (c.a_signed ? 0x80 : 0x00) : (c.a_signed ? 0x7f : 0xff);
  const uint8_t fill_byte_b = c.fill == Case::AllMin ? (c.b_signed ? 0x80 : 0x00) : (c.b_signed ? 0x7f : 0xff);
  const size_t lda = c.k + c.lda_extra, ldc = c.n + c.ldc_extra;
  std::vector<uint8_t> a(c.m * lda), b(c.k * c.n);
  for (auto& v : a) v = c.fill == Case::Random ? static_cast<uint8_t>(byte(rng)) : fill_byte_a;
  for (auto& v : b) v = c.fill == Case::Random ? static_cast<uint8_t>(byte(rng)) : fill_byte_b;
  const int a_lo = c.a_signed ? -128 : 0, a_hi = c.a_signed ? 127 : 255;
  const int b_lo = c.b_signed ? -128 : 0, b_hi = c.b_signed ? 127 : 255;
  const int32_t za = c.zero_points_at_ends ? a_hi : std::uniform_int_distribution<int>(a_lo, a_hi)(rng);
  std::vector<int32_t> zb(c.n);
  for (size_t j = 0; j < c.n; ++j) {
    zb[j] = c.zero_points_at_ends ? (j % 2 ? b_lo : b_hi) : std::uniform_int_distribution<int>(b_lo, b_hi)(rng);
  }
  if (!c.per_column_zero_points) std::fill(zb.begin(), zb.end(), zb[0]);

  // The reference reads B as K×N; the packed path reads it in the stored orientation.
  std::vector<uint8_t> b_stored = b;
  if (c.b_transposed) {
    for (size_t p = 0; p < c.k; ++p)
      for (size_t j = 0; j < c.n; ++j) b_stored[j * c.k + p] = b[p * c.n + j];
  }
  const k::PackedQ8Weights packed = c.b_transposed
      ? k::pack_q8_weights({b_stored.data(), c.b_signed}, c.k, c.n, 1, c.k,
                           c.per_column_zero_points ? zb : std::vector<int32_t>{zb[0]})
      : k::pack_q8_weights({b_stored.data(), c.b_signed}, c.k, c.n, c.n, 1,
                           c.per_column_zero_points ? zb : std::vector<int32_t>{zb[0]});

  const int32_t sentinel = 0x5a5a5a5a;  // C's padding columns must stay untouched
  std::vector<int32_t> want(c.m * ldc, sentinel), got(c.m * ldc, sentinel);
  k::gemm_q8_ref(c.m, c.n, c.k, {a.data(), c.a_signed}, lda, za, {b.data(), c.b_signed}, c.n, zb.data(),
                 want.data(), ldc);
  k::gemm_q8(c.m, {a.data(), c.a_signed}, lda, za, packed, got.data(), ldc);
  size_t mismatches = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (got[i] != want[i] && mismatches++ == 0) {
      FAIL_CHECK(describe(c) << " za=" << za << ": first mismatch at C[" << i / ldc << "][" << i % ldc
                             << "] expected " << want[i] << " got " << got[i]);
    }
  }
  CHECK_MESSAGE(mismatches == 0, describe(c));
}

}  // namespace

TEST_CASE("gemm_q8: packed path equals the reference on every small edge shape") {
  uint32_t seed = 1;
  for (size_t m : kEdgeSizes) {
    if (m > 33) continue;
    for (size_t n : kEdgeSizes) {
      if (n > 33) continue;
      for (size_t k : kEdgeSizes) {
        if (k > 33) continue;
        Case c{m, n, k, (seed & 1) != 0, (seed & 2) != 0};
        c.seed = seed++;
        check(c);
      }
    }
  }
}

TEST_CASE("gemm_q8: packed path equals the reference on large and odd shapes") {
  std::mt19937 pick(99);
  std::uniform_int_distribution<size_t> idx(0, std::size(kEdgeSizes) - 1);
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    Case c{kEdgeSizes[idx(pick)], kEdgeSizes[idx(pick)], kEdgeSizes[idx(pick)], seed % 2 == 0, seed % 3 != 0};
    c.seed = seed;
    c.b_transposed = seed % 4 == 1;
    c.lda_extra = seed % 5;
    c.ldc_extra = seed % 3;
    check(c);
  }
  // The shapes of the benchmark, once each (batch 1 and a full block of rows).
  check(Case{1, 256, 784, false, true});
  check(Case{64, 256, 784, true, true});
}

TEST_CASE("gemm_q8: extreme codes and zero points at the ends of the range") {
  for (auto fill : {Case::AllMin, Case::AllMax}) {
    for (bool as : {false, true}) {
      for (bool bs : {false, true}) {
        for (bool ends : {false, true}) {
          for (size_t k : {size_t{1}, size_t{17}, size_t{257}, size_t{1024}}) {
            Case c{7, 17, k, as, bs};
            c.fill = fill;
            c.zero_points_at_ends = ends;
            c.per_column_zero_points = !ends;
            check(c);
          }
        }
      }
    }
  }
}

TEST_CASE("gemm_q8: the sum wraps modulo 2^32 in every tier") {
  // K large enough for Σ (a − za)(b − zb) to leave int32: 255·255·40000 > 2^31.
  Case c{2, 3, 40000, false, false};
  c.fill = Case::AllMax;
  c.zero_points_at_ends = false;
  check(c);
}

TEST_CASE("gemm_q8: bad arguments are refused with a message") {
  std::vector<uint8_t> b(6, 1);
  CHECK_THROWS_WITH_AS(k::pack_q8_weights({b.data(), true}, 0, 3, 3, 1, {0}), doctest::Contains("empty"), qp::Error);
  CHECK_THROWS_WITH_AS(k::pack_q8_weights({b.data(), true}, 2, 3, 3, 1, {0, 0}),
                       doctest::Contains("expected 1 or 3 weight zero points"), qp::Error);
  CHECK_THROWS_WITH_AS(k::pack_q8_weights({b.data(), true}, 2, 3, 3, 1, {200}),
                       doctest::Contains("outside the code range [-128, 127]"), qp::Error);
  const auto w = k::pack_q8_weights({b.data(), false}, 2, 3, 3, 1, {0});
  std::vector<uint8_t> a(2, 1);
  std::vector<int32_t> c(3);
  CHECK_THROWS_WITH_AS(k::gemm_q8(1, {a.data(), false}, 2, -1, w, c.data(), 3),
                       doctest::Contains("input zero point -1 is outside the code range [0, 255]"), qp::Error);
}

#if defined(__wasm_simd128__)
TEST_CASE("gemm_q8_pack_rows: SIMD tier writes the same values and row sums as the portable tier") {
  std::mt19937 rng(17);
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t k : {1u, 7u, 8u, 9u, 15u, 16u, 17u, 100u, 257u}) {
    const size_t kp = (k + k::kDepthBlock - 1) / k::kDepthBlock * k::kDepthBlock, lda = k + 3;
    std::vector<uint8_t> a(k::kMicroRows * lda);
    for (auto& v : a) v = static_cast<uint8_t>(byte(rng));
    for (size_t rows = 1; rows <= k::kMicroRows; ++rows) {
      for (bool is_signed : {false, true}) {
        std::vector<int16_t> want(k::kMicroRows * kp, 99), got(k::kMicroRows * kp, 99);
        std::vector<uint32_t> want_sums(k::kMicroRows, 7), got_sums(k::kMicroRows, 7);
        k::gemm_q8_pack_rows_generic(a.data(), lda, is_signed, rows, k, kp, want.data(), want_sums.data());
        k::gemm_q8_pack_rows__wasmsimd(a.data(), lda, is_signed, rows, k, kp, got.data(), got_sums.data());
        INFO("k=" << k << " rows=" << rows << " signed=" << is_signed);
        CHECK(got == want);
        CHECK(got_sums == want_sums);
      }
    }
  }
}
#endif
