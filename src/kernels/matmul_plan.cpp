#include "kernels/matmul_plan.h"

#include <string>

#include "core/error.h"

namespace qp::kernels {

namespace {
std::string dims(size_t a, size_t b) { return std::to_string(a) + "×" + std::to_string(b); }
}  // namespace

MatmulPlan::MatmulPlan(MatmulInputs inputs) : in_(std::move(inputs)) {
  const std::string& kind = in_.kind;
  if (kind != "int8" && kind != "int8-ref" && kind != "int8-relaxed" && kind != "f32" && kind != "f32-ref") {
    throw Error("matmul: unknown kind '" + kind + "' (expected int8, int8-ref, int8-relaxed, f32 or f32-ref)");
  }
  is_relaxed_ = kind == "int8-relaxed";
  if (is_relaxed_ && !installed_relaxed_kernels()) {
    throw Error("matmul: kind 'int8-relaxed' needs the relaxed-SIMD kernel, which is not installed in this runtime "
                "(it runs only in browsers with WebAssembly relaxed SIMD, not in Node); use kind 'int8'");
  }
  is_float_ = kind == "f32" || kind == "f32-ref";
  is_reference_ = kind == "int8-ref" || kind == "f32-ref";
  const size_t m = in_.m, k = in_.k, n = in_.n;
  if (m == 0 || k == 0 || n == 0) throw Error("matmul: M, K and N must be at least 1, got " + dims(m, k) + "·" + dims(k, n));
  const size_t a_size = is_float_ ? in_.a_floats.size() : in_.a_bytes.size();
  const size_t b_size = is_float_ ? in_.b_floats.size() : in_.b_bytes.size();
  if (a_size != m * k) throw Error("matmul: A has " + std::to_string(a_size) + " values, expected " + dims(m, k));
  if (b_size != k * n) throw Error("matmul: B has " + std::to_string(b_size) + " values, expected " + dims(k, n));
  if (is_float_) {
    packed_f32_ = pack_f32_weights(in_.b_floats.data(), k, n, n, 1);
    c_float_.assign(m * n, 0.0f);
    return;
  }
  // Packing validates the weight zero points; gemm_q8 validates the input zero point, checked here
  // too so a bad one fails at preparation, not at the first run.
  if (is_relaxed_) {
    packed_relaxed_ = pack_q8_relaxed_weights({in_.b_bytes.data(), in_.b_signed}, k, n, n, 1, in_.b_zero_points,
                                              in_.relaxed_two_dots, installed_relaxed_kernels()->unsigned_weights);
    b_zero_points_full_ = packed_relaxed_.zero_points;
  } else {
    packed_q8_ = pack_q8_weights({in_.b_bytes.data(), in_.b_signed}, k, n, n, 1, in_.b_zero_points);
    b_zero_points_full_ = packed_q8_.zero_points;
  }
  c_int_.assign(m * n, 0);
  check_q8_input_zero_point(in_.a_signed, in_.a_zero_point);
}

void MatmulPlan::run() {
  const size_t m = in_.m, k = in_.k, n = in_.n;
  if (is_float_) {
    if (is_reference_) gemm_f32_ref(m, n, k, in_.a_floats.data(), k, in_.b_floats.data(), n, c_float_.data(), n);
    else gemm_f32(m, in_.a_floats.data(), k, packed_f32_, c_float_.data(), n);
    return;
  }
  const Q8Matrix a{in_.a_bytes.data(), in_.a_signed};
  if (is_reference_) {
    gemm_q8_ref(m, n, k, a, k, in_.a_zero_point, {in_.b_bytes.data(), in_.b_signed}, n, b_zero_points_full_.data(),
                c_int_.data(), n);
  } else if (is_relaxed_) {
    gemm_q8_relaxed(m, a, k, in_.a_zero_point, packed_relaxed_, c_int_.data(), n);
  } else {
    gemm_q8(m, a, k, in_.a_zero_point, packed_q8_, c_int_.data(), n);
  }
}

std::string MatmulPlan::variant() const {
  return is_relaxed_ ? in_.kind + "/" + relaxed_weight_mode_name(packed_relaxed_.mode) : in_.kind;
}

}  // namespace qp::kernels
