// A matrix multiplication prepared once and run many times: the inputs copied, the weights packed
// for the kernel, the output allocated. Used by the benchmarks (Node, browser, the page's Kernels
// panel) and by the JS API's matmulInteger; the network code packs its own layers.
//
// Kinds:
//   int8       gemm_q8: A uint8 or int8, B int8 or uint8, zero points, int32 output
//   int8-ref   gemm_q8_ref, the triple loop (the "scalar reference" of the benchmarks)
//   int8-relaxed  gemm_q8_relaxed (relaxed-SIMD micro-kernels installed by the browser loader;
//              qp::Error where none is installed: Node, native, engines without relaxed SIMD)
//   f32        gemm_f32 on float32 A and B
//   f32-ref    gemm_f32_ref
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/gemm_f32.h"
#include "kernels/gemm_q8.h"
#include "kernels/gemm_q8_relaxed.h"

namespace qp::kernels {

struct MatmulInputs {
  std::string kind;
  size_t m = 0, k = 0, n = 0;
  std::vector<uint8_t> a_bytes, b_bytes;  // int kinds: A M×K, B K×N (row-major)
  std::vector<float> a_floats, b_floats;  // float kinds
  bool a_signed = false, b_signed = true;
  int32_t a_zero_point = 0;
  std::vector<int32_t> b_zero_points{0};  // 1 or N values
  bool relaxed_two_dots = false;  // int8-relaxed: weight spans of 128..254 take two dots, not SIMD128
};

class MatmulPlan {
 public:
  // Validates sizes, kinds and zero points (qp::Error with a message naming the problem).
  explicit MatmulPlan(MatmulInputs inputs);
  void run();
  const std::vector<int32_t>& int_output() const { return c_int_; }
  const std::vector<float>& float_output() const { return c_float_; }
  bool is_float() const { return is_float_; }
  // Which code path runs: the kind, and for int8-relaxed the weight mode ("int8-relaxed/one-dot").
  std::string variant() const;

 private:
  MatmulInputs in_;
  bool is_float_ = false, is_reference_ = false, is_relaxed_ = false;
  PackedQ8Weights packed_q8_;
  PackedQ8RelaxedWeights packed_relaxed_;
  PackedF32Weights packed_f32_;
  std::vector<int32_t> b_zero_points_full_;
  std::vector<int32_t> c_int_;
  std::vector<float> c_float_;
};

// The register-only loop that bounds SIMD128 int8 throughput: `iterations` × 6 independent
// i32x4.dot_i16x8_s + i32x4.add (16 operations each: 8 multiplies, 8 adds). Returns a checksum
// so the work cannot be optimized away; 0 and no work in builds without SIMD128.
int32_t dot_i16x8_peak_loop(size_t iterations);
constexpr double kPeakLoopOpsPerIteration = 6 * 16;

}  // namespace qp::kernels
