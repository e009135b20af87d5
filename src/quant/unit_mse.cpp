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
  // Runs of single units come in batches of four: when the four are as long as each other and
  // belong to four different units, their chains are summed side by side (four independent
  // additions a step instead of one chain waiting on the adder's latency), else one by one.
  struct Run {
    size_t begin, length, unit;
  };
  Run batch[4];
  int pending = 0;
  auto one_run = [&](const Run& r) {
    double s = sum[r.unit];
    for (size_t i = 0; i < r.length; ++i) s += squared_difference(x[r.begin + i], y[r.begin + i]);
    sum[r.unit] = s;
  };
  auto flush = [&] {
    const Run* b = batch;
    const bool side_by_side = pending == 4 && b[1].length == b[0].length && b[2].length == b[0].length &&
                              b[3].length == b[0].length && b[0].unit != b[1].unit && b[0].unit != b[2].unit &&
                              b[0].unit != b[3].unit && b[1].unit != b[2].unit && b[1].unit != b[3].unit &&
                              b[2].unit != b[3].unit;
    if (side_by_side) {
      double s0 = sum[b[0].unit], s1 = sum[b[1].unit], s2 = sum[b[2].unit], s3 = sum[b[3].unit];
      const float *x0 = x + b[0].begin, *x1 = x + b[1].begin, *x2 = x + b[2].begin, *x3 = x + b[3].begin;
      const float *y0 = y + b[0].begin, *y1 = y + b[1].begin, *y2 = y + b[2].begin, *y3 = y + b[3].begin;
      for (size_t i = 0; i < b[0].length; ++i) {
        s0 += squared_difference(x0[i], y0[i]);
        s1 += squared_difference(x1[i], y1[i]);
        s2 += squared_difference(x2[i], y2[i]);
        s3 += squared_difference(x3[i], y3[i]);
      }
      sum[b[0].unit] = s0, sum[b[1].unit] = s1, sum[b[2].unit] = s2, sum[b[3].unit] = s3;
    } else {
      for (int k = 0; k < pending; ++k) one_run(batch[k]);
    }
    pending = 0;
  };
  layout.for_each_row([&](size_t begin, size_t length, size_t unit, size_t step) {
    if (step == 0) {
      batch[pending++] = {begin, length, unit};
      if (pending == 4) flush();
      return;
    }
    flush();  // keeps every unit's terms in index order
    double* s = sum.data() + unit;  // neighbouring units: independent chains, vectorisable
    for (size_t i = 0; i < length; ++i) s[i] += squared_difference(x[begin + i], y[begin + i]);
  });
  flush();
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
