// Reference tier of gemm_q8.h: the equation as a triple loop, nothing packed. Unsigned 32-bit
// arithmetic gives the documented wrap-around modulo 2^32 without signed-overflow UB.
#include "kernels/gemm_q8.h"

namespace qp::kernels {

namespace {
inline int32_t code_at(Q8Matrix m, size_t index) {
  return m.is_signed ? static_cast<int32_t>(static_cast<int8_t>(m.data[index]))
                     : static_cast<int32_t>(m.data[index]);
}
}  // namespace

void gemm_q8_ref(size_t m, size_t n, size_t k, Q8Matrix a, size_t lda, int32_t a_zero_point,
                 Q8Matrix b, size_t ldb, const int32_t* b_zero_points, int32_t* c, size_t ldc) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      uint32_t sum = 0;
      for (size_t p = 0; p < k; ++p) {
        const int32_t av = code_at(a, i * lda + p) - a_zero_point;
        const int32_t bv = code_at(b, p * ldb + j) - b_zero_points[j];
        sum += static_cast<uint32_t>(av) * static_cast<uint32_t>(bv);
      }
      c[i * ldc + j] = static_cast<int32_t>(sum);
    }
  }
}

}  // namespace qp::kernels
