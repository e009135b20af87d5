// Why one pass gives the gathered version's bits: a unit's sum is a chain of double additions in
// the unit's index order, and rows arrive in ascending index order, so every unit's chain sees the
// same terms in the same order; chains of different units are independent of each other.
#include "quant/unit_mse.h"

namespace qp {

namespace {

double squared_difference(float a, float b) {
  const double d = static_cast<double>(a) - static_cast<double>(b);
  return d * d;
}

}  // namespace

std::vector<double> unit_mse(const float* x, const float* y, const UnitLayout& layout, double whole_mse) {
  if (layout.units() == 1) return {whole_mse};
  std::vector<double> sum(layout.units(), 0.0);
  layout.for_each_row([&](size_t begin, size_t length, size_t unit, size_t step) {
    const float* a = x + begin;
    const float* b = y + begin;
    if (step == 0) {
      double s = sum[unit];
      for (size_t i = 0; i < length; ++i) s += squared_difference(a[i], b[i]);
      sum[unit] = s;
    } else {
      double* s = sum.data() + unit;  // neighbouring units: independent chains, vectorisable
      for (size_t i = 0; i < length; ++i) s[i] += squared_difference(a[i], b[i]);
    }
  });
  for (size_t u = 0; u < sum.size(); ++u) {
    const size_t m = layout.unit_size(u);
    sum[u] = m ? sum[u] / static_cast<double>(m) : 0.0;
  }
  return sum;
}

std::vector<double> unit_mse_reference(const float* x, const float* y, const UnitLayout& layout, double whole_mse) {
  if (layout.units() == 1) return {whole_mse};
  std::vector<double> mse(layout.units());
  std::vector<float> a(layout.largest_unit()), b(layout.largest_unit());
  for (size_t u = 0; u < layout.units(); ++u) {
    const size_t m = layout.unit_size(u);
    layout.gather(u, x, a.data());
    layout.gather(u, y, b.data());
    double sum = 0;
    for (size_t k = 0; k < m; ++k) {
      const double d = static_cast<double>(a[k]) - static_cast<double>(b[k]);
      sum += d * d;
    }
    mse[u] = m ? sum / static_cast<double>(m) : 0.0;
  }
  return mse;
}

}  // namespace qp
