#include "bindings/relaxed_bindings.h"

#include <cstdint>

#include "bindings/guard.h"
#include "core/error.h"
#include "kernels/gemm_q8_relaxed.h"

namespace qp::bindings {

val install_relaxed_kernels(int index_group, int index_1x8, const std::string& set) {
  return guarded([&] {
    if (index_group <= 0 || index_1x8 <= 0) throw Error("relaxed SIMD: bad function-table index");
    if (set != "i7" && set != "u8") throw Error("relaxed SIMD: unknown kernel set '" + set + "' (expected i7 or u8)");
    const auto as_kernel = [](int index) {
      return reinterpret_cast<kernels::RelaxedMicroKernel>(static_cast<uintptr_t>(index));
    };
    const bool u8 = set == "u8";
    kernels::install_relaxed_kernels({as_kernel(index_group), as_kernel(index_1x8),
                                      u8 ? kernels::kRelaxedU8MicroRows : kernels::kRelaxedMicroRows, u8});
    return val::undefined();
  });
}

bool relaxed_kernels_installed() { return kernels::installed_relaxed_kernels() != nullptr; }

}  // namespace qp::bindings
