// gemm_q8_relaxed (relaxed-SIMD layout, packing, fold) against gemm_q8_ref bit for bit, run here
// with the portable emulation of the micro-kernels (the WAT kernels are checked the same way in
// headless Chromium by tests/e2e/relaxed.test.mjs). The emulation reproduces the x86 pmaddubsw
// lowering, so a weight byte outside [0, 127] would give wrong sums here as in the browser.
// Shapes: the edge list, sampled like test_gemm_q8.cpp; weights in [−64, 63] (one dot),
// [−127, 127] (two dots), full range (SIMD128 fallback), uint8 weights; extreme codes and zero
// points at the range ends. A failure names the shape, weight range, seed, index, expected, actual.
// The u8 set (exact signed × unsigned dot, as V8 with AVX-VNNI; full-range weights in one dot) runs
// the same cases through its own emulation.
#include <doctest/doctest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/gemm_q8_relaxed.h"

namespace k = qp::kernels;
using Mode = k::RelaxedWeightMode;

namespace {

const size_t kEdgeSizes[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 64, 100, 255, 256, 257};

struct Case {
  size_t m, n, k;
  bool a_signed, b_signed;
  int b_lo, b_hi;                 // weight codes drawn from [b_lo, b_hi] (as signed or unsigned codes)
  uint32_t seed = 1;
  enum Fill { Random, AllMin, AllMax, Alternate } fill = Random;  // Alternate: B columns b_lo, b_hi, ...
  bool zero_points_at_ends = false;
  bool b_transposed = false;
  size_t lda_extra = 0, ldc_extra = 0;
  bool allow_two_dots = true;
  bool u8_set = false;  // pack for and run with the u8 kernel set
};

std::string describe(const Case& c) {
  std::ostringstream s;
  s << "M=" << c.m << " N=" << c.n << " K=" << c.k << " A " << (c.a_signed ? "int8" : "uint8") << " B "
    << (c.b_signed ? "int8" : "uint8") << " in [" << c.b_lo << ", " << c.b_hi << "]"
    << (c.b_transposed ? " (B given N×K)" : "") << " fill=" << c.fill << " lda+" << c.lda_extra << " ldc+"
    << c.ldc_extra << " seed=" << c.seed << (c.u8_set ? " (u8 set)" : " (i7 set)");
  return s.str();
}

// Runs the case; returns the mode the packing chose. Fails the test case with the first mismatch.
Mode check(const Case& c) {
  std::mt19937 rng(c.seed);
  std::uniform_int_distribution<int> byte(0, 255), code(c.b_lo, c.b_hi);
  const int a_lo = c.a_signed ? -128 : 0, a_hi = c.a_signed ? 127 : 255;
  const int b_lo = c.b_signed ? -128 : 0, b_hi = c.b_signed ? 127 : 255;
  const size_t lda = c.k + c.lda_extra, ldc = c.n + c.ldc_extra;
  std::vector<uint8_t> a(c.m * lda), b(c.k * c.n);
  for (auto& v : a) {
    v = c.fill == Case::Random ? static_cast<uint8_t>(byte(rng))
                               : static_cast<uint8_t>(c.fill == Case::AllMin ? a_lo : a_hi);
  }
  for (size_t p = 0; p < c.k; ++p) {
    for (size_t j = 0; j < c.n; ++j) {
      const int v = c.fill == Case::Random ? code(rng)
                    : c.fill == Case::AllMin ? c.b_lo
                    : c.fill == Case::AllMax ? c.b_hi
                                             : ((p + j) % 2 ? c.b_hi : c.b_lo);
      b[p * c.n + j] = static_cast<uint8_t>(v);
    }
  }
  const int32_t za = c.zero_points_at_ends ? (c.seed % 2 ? a_hi : a_lo) : std::uniform_int_distribution<int>(a_lo, a_hi)(rng);
  std::vector<int32_t> zb(c.n);
  for (size_t j = 0; j < c.n; ++j) {
    zb[j] = c.zero_points_at_ends ? (j % 2 ? b_lo : b_hi) : std::uniform_int_distribution<int>(b_lo, b_hi)(rng);
  }
  std::vector<uint8_t> b_stored = b;
  if (c.b_transposed) {
    for (size_t p = 0; p < c.k; ++p)
      for (size_t j = 0; j < c.n; ++j) b_stored[j * c.k + p] = b[p * c.n + j];
  }
  const k::PackedQ8RelaxedWeights packed =
      c.b_transposed
          ? k::pack_q8_relaxed_weights({b_stored.data(), c.b_signed}, c.k, c.n, 1, c.k, zb, c.allow_two_dots, c.u8_set)
          : k::pack_q8_relaxed_weights({b_stored.data(), c.b_signed}, c.k, c.n, c.n, 1, zb, c.allow_two_dots, c.u8_set);
  for (int8_t v : packed.panels) {
    if (v < 0 && !c.u8_set) {
      FAIL_CHECK(describe(c) << ": a packed weight byte is " << int{v} << ", outside [0, 127]");
      break;
    }
  }

  const int32_t sentinel = 0x5a5a5a5a;  // C's padding columns must stay untouched
  std::vector<int32_t> want(c.m * ldc, sentinel), got(c.m * ldc, sentinel);
  k::gemm_q8_ref(c.m, c.n, c.k, {a.data(), c.a_signed}, lda, za, {b.data(), c.b_signed}, c.n, zb.data(), want.data(),
                 ldc);
  k::gemm_q8_relaxed(c.m, {a.data(), c.a_signed}, lda, za, packed, got.data(), ldc,
                     c.u8_set ? k::relaxed_kernels_emulated_u8() : k::relaxed_kernels_emulated());
  size_t mismatches = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (got[i] != want[i] && mismatches++ == 0) {
      FAIL_CHECK(describe(c) << " za=" << za << " mode=" << std::string(k::relaxed_weight_mode_name(packed.mode))
                             << ": first mismatch at C[" << i / ldc << "][" << i % ldc << "] (index " << i
                             << ") expected " << want[i] << " got " << got[i]);
    }
  }
  CHECK_MESSAGE(mismatches == 0, describe(c));
  return packed.mode;
}

struct Range {
  bool is_signed;
  int lo, hi;
  Mode mode;  // what the packing must choose when a column holds both ends of the range
};
// Random codes need not reach both ends of the range in a small matrix, so the mode is asserted
// only with the Alternate fill (both ends in every column).
const Range kRanges[] = {
    {true, -64, 63, Mode::kOneDot},     // int7 weights
    {true, -8, 7, Mode::kOneDot},       // int4 weights
    {false, 0, 127, Mode::kOneDot},     // uint8 reduce_range
    {true, -127, 127, Mode::kTwoDots},  // symmetric narrow-range int8
    {false, 1, 255, Mode::kTwoDots},
    {true, -128, 127, Mode::kSimd128},  // full range
    {false, 0, 255, Mode::kSimd128},
};

}  // namespace

TEST_CASE("gemm_q8_relaxed: equals the reference on the small edge shapes, every weight range") {
  uint32_t seed = 1;
  for (size_t m : kEdgeSizes) {
    if (m > 33) continue;
    for (size_t n : kEdgeSizes) {
      if (n > 33) continue;
      for (size_t kk : kEdgeSizes) {
        if (kk > 33) continue;
        const Range& r = kRanges[seed % std::size(kRanges)];
        Case c{m, n, kk, (seed & 8) != 0, r.is_signed, r.lo, r.hi};
        c.seed = seed++;
        check(c);
      }
    }
  }
}

TEST_CASE("gemm_q8_relaxed, u8 set: equals the reference on the small edge shapes, every weight range") {
  uint32_t seed = 1;
  for (size_t m : kEdgeSizes) {
    if (m > 33) continue;
    for (size_t n : kEdgeSizes) {
      if (n > 33) continue;
      for (size_t kk : kEdgeSizes) {
        if (kk > 33) continue;
        const Range& r = kRanges[seed % std::size(kRanges)];
        Case c{m, n, kk, (seed & 8) != 0, r.is_signed, r.lo, r.hi};
        c.seed = seed++;
        c.u8_set = true;
        CHECK(check(c) == Mode::kFullRange);
      }
    }
  }
}

TEST_CASE("gemm_q8_relaxed, u8 set: large shapes, extreme codes, zero points at the ends, wrap-around") {
  std::mt19937 pick(11);
  std::uniform_int_distribution<size_t> idx(0, std::size(kEdgeSizes) - 1);
  for (uint32_t seed = 1; seed <= 32; ++seed) {
    const Range& r = kRanges[seed % std::size(kRanges)];
    Case c{kEdgeSizes[idx(pick)], kEdgeSizes[idx(pick)], kEdgeSizes[idx(pick)], seed % 2 == 0, r.is_signed, r.lo, r.hi};
    c.seed = seed;
    c.b_transposed = seed % 4 == 1;
    c.lda_extra = seed % 5;
    c.ldc_extra = seed % 3;
    c.u8_set = true;
    check(c);
  }
  for (auto fill : {Case::AllMin, Case::AllMax, Case::Alternate}) {
    for (const Range& r : kRanges) {
      for (bool as : {false, true}) {
        for (size_t kk : {size_t{1}, size_t{17}, size_t{1024}}) {
          Case c{9, 17, kk, as, r.is_signed, r.lo, r.hi};
          c.fill = fill;
          c.zero_points_at_ends = true;
          c.seed = static_cast<uint32_t>(kk);
          c.u8_set = true;
          check(c);
        }
      }
    }
  }
  Case w{2, 3, 40000, false, false, 0, 255};
  w.fill = Case::Alternate;
  w.zero_points_at_ends = true;
  w.u8_set = true;
  check(w);
  // The benchmark's full-range shape: one dot where the i7 set falls back to SIMD128.
  Case big{64, 256, 784, false, true, -128, 127};
  big.u8_set = true;
  CHECK(check(big) == Mode::kFullRange);
}

TEST_CASE("gemm_q8_relaxed, u8 set: the emulated dot is exact where the i7 set's saturates") {
  std::vector<int8_t> a(16 * 4, 127), panel(16 * 2 * 4, 0);
  for (size_t i = 0; i < 16; ++i) panel[i] = static_cast<int8_t>(-1);  // column 0's bytes: 0xFF = 255
  int32_t out[32];
  k::relaxed_kernels_emulated_u8().micro_1x8(1, a.data(), panel.data(), out);
  CHECK(out[0] == 16 * 127 * 255);
  std::vector<int8_t> group(16 * 4, -128);  // 4 rows of −128 against 255: the most negative pair sums
  k::relaxed_kernels_emulated_u8().micro_group(1, group.data(), panel.data(), out);
  for (size_t r = 0; r < 4; ++r) CHECK(out[r * 8] == 16 * -128 * 255);
}

TEST_CASE("gemm_q8_relaxed: weights packed for one kernel set refuse the other") {
  std::vector<uint8_t> b(6, 1), a(2, 1);
  std::vector<int32_t> c(3);
  const auto for_u8 = k::pack_q8_relaxed_weights({b.data(), true}, 2, 3, 3, 1, {0}, false, true);
  const auto for_i7 = k::pack_q8_relaxed_weights({b.data(), true}, 2, 3, 3, 1, {0});
  CHECK_THROWS_WITH_AS(k::gemm_q8_relaxed(1, {a.data(), false}, 2, 0, for_u8, c.data(), 3, k::relaxed_kernels_emulated()),
                       doctest::Contains("u8 relaxed kernel set"), qp::Error);
  CHECK_THROWS_WITH_AS(k::gemm_q8_relaxed(1, {a.data(), false}, 2, 0, for_i7, c.data(), 3, k::relaxed_kernels_emulated_u8()),
                       doctest::Contains("i7 relaxed kernel set"), qp::Error);
}

TEST_CASE("gemm_q8_relaxed: equals the reference on large and odd shapes") {
  std::mt19937 pick(7);
  std::uniform_int_distribution<size_t> idx(0, std::size(kEdgeSizes) - 1);
  for (uint32_t seed = 1; seed <= 48; ++seed) {
    const Range& r = kRanges[seed % std::size(kRanges)];
    Case c{kEdgeSizes[idx(pick)], kEdgeSizes[idx(pick)], kEdgeSizes[idx(pick)], seed % 2 == 0, r.is_signed, r.lo, r.hi};
    c.seed = seed;
    c.b_transposed = seed % 4 == 1;
    c.lda_extra = seed % 5;
    c.ldc_extra = seed % 3;
    check(c);
  }
  // The benchmark's shapes, once per mode.
  CHECK(check(Case{1, 256, 784, false, true, -64, 63}) == Mode::kOneDot);
  CHECK(check(Case{64, 256, 784, true, true, -127, 127}) == Mode::kTwoDots);
  CHECK(check(Case{64, 256, 784, false, true, -128, 127}) == Mode::kSimd128);
}

TEST_CASE("gemm_q8_relaxed: the mode follows the widest column's span") {
  for (const Range& r : kRanges) {
    for (bool as : {false, true}) {
      // Alternate fill puts both ends of the range into every column (K ≥ 2).
      Case c{5, 9, 33, as, r.is_signed, r.lo, r.hi};
      c.fill = Case::Alternate;
      CHECK_MESSAGE(check(c) == r.mode, describe(c));
    }
  }
  // Spans of 128..254 take SIMD128 unless two dots are allowed (the default: measured faster).
  Case c{5, 9, 33, true, true, -127, 127};
  c.fill = Case::Alternate;
  c.allow_two_dots = false;
  CHECK(check(c) == Mode::kSimd128);
  std::vector<uint8_t> b{0x81, 0x7f};  // −127 and 127 in one column
  CHECK(k::pack_q8_relaxed_weights({b.data(), true}, 2, 1, 1, 1, {0}).mode == Mode::kSimd128);
}

TEST_CASE("gemm_q8_relaxed: extreme codes and zero points at the ends of the range") {
  for (auto fill : {Case::AllMin, Case::AllMax, Case::Alternate}) {
    for (const Range& r : kRanges) {
      for (bool as : {false, true}) {
        for (bool ends : {false, true}) {
          for (size_t kk : {size_t{1}, size_t{17}, size_t{257}, size_t{1024}}) {
            Case c{7, 17, kk, as, r.is_signed, r.lo, r.hi};
            c.fill = fill;
            c.zero_points_at_ends = ends;
            c.seed = static_cast<uint32_t>(kk + ends);
            check(c);
          }
        }
      }
    }
  }
  // All −128 / all 127 over the whole int8 range (A and B constant: span 0, one dot).
  for (int v : {-128, 127}) {
    Case c{9, 33, 257, true, true, v, v};
    c.zero_points_at_ends = true;
    CHECK(check(c) == Mode::kOneDot);
  }
}

TEST_CASE("gemm_q8_relaxed: the sum wraps modulo 2^32 like the reference") {
  // Σ (a − za)(b − zb) leaves int32: 255·254·40000 > 2^31.
  Case c{2, 3, 40000, false, false, 1, 255};
  c.fill = Case::AllMax;
  c.zero_points_at_ends = true;
  c.seed = 2;  // za = 0, zb alternating at the ends
  check(c);
  Case d{3, 9, 40000, false, false, 0, 127};
  d.fill = Case::Alternate;
  d.zero_points_at_ends = true;
  check(d);
}

TEST_CASE("gemm_q8_relaxed: the emulated dot reproduces pmaddubsw saturation outside [0, 127]") {
  // Proof that the emulation is not a plain dot product: an i7 operand of 255 read as unsigned and
  // a pair sum of 127·255·2 > 32767 saturate, so the packing's [0, 127] guarantee is really tested.
  std::vector<int8_t> a(16 * 4, 127), panel(16 * 2 * 4, 0);
  for (size_t i = 0; i < 16; ++i) panel[i] = static_cast<int8_t>(-1);  // column 0's bytes: 0xFF
  int32_t out[32];
  k::relaxed_kernels_emulated().micro_1x8(1, a.data(), panel.data(), out);
  CHECK(out[0] == 8 * 32767);          // saturated pairs, as pmaddubsw gives
  CHECK(out[0] != 16 * 127 * (-1));    // not the signed dot product
  for (size_t i = 0; i < 16; ++i) panel[i] = 127;
  k::relaxed_kernels_emulated().micro_1x8(1, a.data(), panel.data(), out);
  CHECK(out[0] == 16 * 127 * 127);     // in range: exact
}

TEST_CASE("gemm_q8_relaxed: refusals") {
  std::vector<uint8_t> b(6, 1);
  CHECK_THROWS_WITH_AS(k::pack_q8_relaxed_weights({b.data(), true}, 0, 3, 3, 1, {0}), doctest::Contains("empty"),
                       qp::Error);
  CHECK_THROWS_WITH_AS(k::pack_q8_relaxed_weights({b.data(), true}, 2, 3, 3, 1, {0, 0}),
                       doctest::Contains("weight zero points"), qp::Error);
  CHECK_THROWS_WITH_AS(k::pack_q8_relaxed_weights({b.data(), true}, 2, 3, 3, 1, {128}), doctest::Contains("outside"),
                       qp::Error);
  const auto packed = k::pack_q8_relaxed_weights({b.data(), true}, 2, 3, 3, 1, {0});
  std::vector<uint8_t> a(2, 1);
  std::vector<int32_t> c(3);
  CHECK_THROWS_WITH_AS(k::gemm_q8_relaxed(1, {a.data(), false}, 2, 256, packed, c.data(), 3, k::relaxed_kernels_emulated()),
                       doctest::Contains("input zero point"), qp::Error);
  // No WebAssembly relaxed SIMD in a native or Node build: nothing is installed, and the entry
  // point says so instead of computing anything.
  if (!k::installed_relaxed_kernels()) {
    CHECK_THROWS_WITH_AS(k::gemm_q8_relaxed(1, {a.data(), false}, 2, 0, packed, c.data(), 3),
                         doctest::Contains("not installed"), qp::Error);
  }
}

#if defined(__wasm_simd128__)
TEST_CASE("gemm_q8_relaxed: the SIMD128 row packing equals the portable one") {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t kk : {size_t{1}, size_t{9}, size_t{15}, size_t{16}, size_t{17}, size_t{31}, size_t{144}, size_t{257}}) {
    for (size_t group_rows : {size_t{1}, size_t{3}, size_t{4}}) {
      for (size_t rows = 1; rows <= group_rows; ++rows) {
        for (bool is_signed : {false, true}) {
          for (size_t dots : {size_t{1}, size_t{2}})
          for (size_t lda_pad : {size_t{3}, size_t{16}, size_t{21}}) {
            // lda ≥ k_padded (padding 16, 21) takes the one-load path for the partial slice.
            const size_t kp = (kk + 15) / 16 * 16, lda = kk + lda_pad;
            std::vector<uint8_t> a(rows * lda);
            for (auto& v : a) v = static_cast<uint8_t>(byte(rng));
            std::vector<int8_t> want(group_rows * kp * dots, 99), got(want);
            std::vector<uint32_t> want_sums(group_rows, 7), got_sums(want_sums);
            k::gemm_q8_relaxed_pack_rows_generic(a.data(), lda, is_signed, rows, group_rows, kk, kp, dots, want.data(),
                                                 want_sums.data());
            k::gemm_q8_relaxed_pack_rows__wasmsimd(a.data(), lda, is_signed, rows, group_rows, kk, kp, dots, got.data(),
                                                   got_sums.data());
            INFO("K=", kk, " lda=", lda, " group_rows=", group_rows, " rows=", rows, " signed=", is_signed,
                 " dots=", dots);
            CHECK(got == want);
            CHECK(got_sums == want_sums);
          }
        }
      }
    }
  }
}
#endif
