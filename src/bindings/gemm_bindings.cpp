#include "bindings/gemm_bindings.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bindings/convert.h"
#include "bindings/guard.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "kernels/matmul_plan.h"

namespace qp::bindings {

namespace {

std::map<int, std::unique_ptr<kernels::MatmulPlan>>& plans() {
  static std::map<int, std::unique_ptr<kernels::MatmulPlan>> p;
  return p;
}

kernels::MatmulPlan& plan(int id) {
  auto it = plans().find(id);
  if (it == plans().end()) throw Error("that matmul was released");
  return *it->second;
}

size_t get_size(const val& options, const char* key) {
  const int v = get_int(options, key, 0);
  if (v < 1) throw Error(std::string("matmul: option '") + key + "' must be a positive integer");
  return static_cast<size_t>(v);
}

}  // namespace

val prepare_matmul(val options) {
  return guarded([&] {
    static int next_id = 1;
    kernels::MatmulInputs in;
    in.kind = get_string(options, "kind", "int8");
    in.m = get_size(options, "m");
    in.k = get_size(options, "k");
    in.n = get_size(options, "n");
    if (in.kind == "f32" || in.kind == "f32-ref") {
      in.a_floats = to_float_vector(options["a"], "matmul input 'a'");
      in.b_floats = to_float_vector(options["b"], "matmul input 'b'");
    } else {
      in.a_bytes = to_byte_vector(options["a"], "matmul input 'a' (codes as bytes)");
      in.b_bytes = to_byte_vector(options["b"], "matmul input 'b' (codes as bytes)");
      in.a_signed = get_bool(options, "aSigned", false);
      in.b_signed = get_bool(options, "bSigned", true);
      in.a_zero_point = get_int(options, "aZeroPoint", 0);
      in.relaxed_two_dots = get_bool(options, "relaxedTwoDots", false);
      const val zb = options["bZeroPoints"];
      in.b_zero_points.clear();
      if (zb.isUndefined() || zb.isNull()) in.b_zero_points.push_back(0);
      else in.b_zero_points = emscripten::convertJSArrayToNumberVector<int32_t>(zb);
    }
    plans()[next_id] = std::make_unique<kernels::MatmulPlan>(std::move(in));
    return val(next_id++);
  });
}

val run_matmul(int id, int times) {
  return guarded([&] {
    kernels::MatmulPlan& p = plan(id);
    for (int i = 0; i < times; ++i) p.run();
    return val::undefined();
  });
}

val matmul_output(int id) {
  return guarded([&] {
    const kernels::MatmulPlan& p = plan(id);
    return p.is_float() ? copy_out("Float32Array", p.float_output().data(), p.float_output().size())
                        : copy_out("Int32Array", p.int_output().data(), p.int_output().size());
  });
}

void release_matmul(int id) { plans().erase(id); }

val set_threads(int n) {
  set_thread_count(n);
  val o = val::object();
  o.set("threads", thread_count());
  o.set("available", threads_available());
  return o;
}

val matmul_variant(int id) {
  return guarded([&] { return val(plan(id).variant()); });
}

val peak_loop(double iterations) {
  return val(kernels::dot_i16x8_peak_loop(static_cast<size_t>(iterations)));
}

}  // namespace qp::bindings
