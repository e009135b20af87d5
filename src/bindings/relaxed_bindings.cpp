#include "bindings/relaxed_bindings.h"

#include <cstdint>

#include "bindings/guard.h"
#include "core/error.h"
#include "kernels/gemm_q8_relaxed.h"

namespace qp::bindings {

val install_relaxed_kernels(int index_3x8, int index_1x8) {
  return guarded([&] {
    if (index_3x8 <= 0 || index_1x8 <= 0) throw Error("relaxed SIMD: bad function-table index");
    const auto as_kernel = [](int index) {
      return reinterpret_cast<kernels::RelaxedMicroKernel>(static_cast<uintptr_t>(index));
    };
    kernels::install_relaxed_kernels({as_kernel(index_3x8), as_kernel(index_1x8)});
    return val::undefined();
  });
}

bool relaxed_kernels_installed() { return kernels::installed_relaxed_kernels() != nullptr; }

}  // namespace qp::bindings
