// Per-group quantization and the narrow / reduced integer grids.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "quant/qparams.h"
#include "quant/quantize.h"

namespace {

std::vector<float> lcg_values(size_t n, uint32_t seed) {
  std::vector<float> x(n);
  for (auto& v : x) {
    seed = seed * 1664525u + 1013904223u;
    v = (static_cast<float>(seed >> 8) / 16777216.0f - 0.3f) * 5.0f;
  }
  return x;
}

}  // namespace

TEST_CASE("per group: every group equals per-tensor quantization of its own values") {
  const std::vector<qp::Shape> shapes = {{1}, {17}, {64}, {3, 33}, {15, 16}, {2, 5, 7}, {4, 3, 2, 17}};
  uint32_t seed = 3;
  for (const qp::Shape& shape : shapes) {
    size_t n = 1;
    for (int64_t d : shape) n *= static_cast<size_t>(d);
    const std::vector<float> x = lcg_values(n, seed++);
    for (int axis = 0; axis < static_cast<int>(shape.size()); ++axis) {
      const qp::AxisView view = qp::axis_view(shape, axis);
      for (int size : {1, 3, 16, 17, 32}) {
        for (auto scheme : {qp::Scheme::Affine, qp::Scheme::Symmetric}) {
          for (auto mode : {qp::NumericsMode::PyTorch, qp::NumericsMode::Onnx}) {
            qp::QuantSpec spec;
            spec.bits = 4;
            spec.scheme = scheme;
            spec.mode = mode;
            spec.channel_axis = axis;
            spec.group_size = size;
            CAPTURE(qp::shape_to_string(shape));
            CAPTURE(axis);
            CAPTURE(size);
            const qp::QuantizedTensor t = qp::quantize_tensor(x.data(), n, shape, spec);
            const size_t groups = (view.channels + size - 1) / size;
            REQUIRE(t.scales.size() == view.outer * groups * view.inner);
            CHECK(t.group_size == size);
            qp::QuantSpec per_tensor = spec;
            per_tensor.channel_axis.reset();
            per_tensor.group_size = 0;
            size_t unit = 0;
            for (size_t o = 0; o < view.outer; ++o) {
              for (size_t g = 0; g < groups; ++g) {
                for (size_t i = 0; i < view.inner; ++i, ++unit) {
                  std::vector<size_t> where;
                  for (size_t c = g * size; c < std::min<size_t>((g + 1) * size, view.channels); ++c)
                    where.push_back((o * view.channels + c) * view.inner + i);
                  std::vector<float> slice;
                  for (size_t k : where) slice.push_back(x[k]);
                  const qp::QuantizedTensor ref =
                      qp::quantize_tensor(slice.data(), slice.size(), {static_cast<int64_t>(slice.size())}, per_tensor);
                  CHECK(t.scales[unit] == ref.scales[0]);
                  CHECK(t.zero_points[unit] == ref.zero_points[0]);
                  for (size_t k = 0; k < where.size(); ++k) {
                    CHECK(t.codes[where[k]] == ref.codes[k]);
                    CHECK(std::memcmp(&t.dequantized[where[k]], &ref.dequantized[k], sizeof(float)) == 0);
                  }
                }
              }
            }
            const qp::ErrorMetrics m = qp::compute_error_metrics(x.data(), t.dequantized.data(), n);
            CHECK(std::memcmp(&m.mse, &t.metrics.mse, sizeof m.mse) == 0);
            // Without kept outputs: the same parameters and metric bits.
            const qp::QuantizedTensor lean = qp::quantize_tensor(x.data(), n, shape, spec, qp::KeepOutputs{false, false});
            CHECK(lean.scales == t.scales);
            CHECK(std::memcmp(&lean.metrics.sqnr_db, &t.metrics.sqnr_db, sizeof(double)) == 0);
          }
        }
      }
    }
  }
}

TEST_CASE("smaller groups never raise the error of a per-channel quantization they refine") {
  const std::vector<float> x = lcg_values(64 * 256, 11);
  qp::QuantSpec spec;
  spec.bits = 4;
  spec.channel_axis = 1;
  spec.group_size = 256;  // one group per row = per channel along axis 0
  qp::QuantSpec per_row;
  per_row.bits = 4;
  per_row.channel_axis = 0;
  const qp::QuantizedTensor whole_rows = qp::quantize_tensor(x.data(), x.size(), {64, 256}, spec);
  CHECK(whole_rows.scales == qp::quantize_tensor(x.data(), x.size(), {64, 256}, per_row).scales);
  double previous = whole_rows.metrics.mse;
  for (int size : {128, 64, 32, 16}) {
    spec.group_size = size;
    const double mse = qp::quantize_tensor(x.data(), x.size(), {64, 256}, spec).metrics.mse;
    CHECK(mse <= previous);
    previous = mse;
  }
}

TEST_CASE("narrow and reduced grids") {
  qp::QuantSpec s;
  s.bits = 8;
  s.narrow_range = true;
  CHECK(qp::spec_int_range(s).qmin == -127);
  CHECK(qp::spec_int_range(s).qmax == 127);
  s.is_signed = false;
  CHECK(qp::spec_int_range(s).qmin == 1);
  CHECK(qp::spec_int_range(s).qmax == 255);
  s.narrow_range = false;
  s.reduce_range = true;
  CHECK(qp::spec_int_range(s).qmin == 0);
  CHECK(qp::spec_int_range(s).qmax == 127);
  s.is_signed = true;
  CHECK(qp::spec_int_range(s).qmin == -64);
  CHECK(qp::spec_int_range(s).qmax == 63);
  // ONNX's symmetric signed grid is already narrow: narrow_range does not drop a second code.
  s.reduce_range = false;
  s.narrow_range = true;
  s.scheme = qp::Scheme::Symmetric;
  s.mode = qp::NumericsMode::Onnx;
  CHECK(qp::spec_int_range(s).qmin == -127);

  // Codes stay on the grid, and the grid's ends are used.
  const std::vector<float> x = lcg_values(1000, 5);
  for (bool is_signed : {true, false}) {
    for (int variant = 0; variant < 2; ++variant) {
      qp::QuantSpec spec;
      spec.is_signed = is_signed;
      spec.narrow_range = variant == 0;
      spec.reduce_range = variant == 1;
      const qp::QuantizedTensor t = qp::quantize_tensor(x.data(), x.size(), {1000}, spec);
      int lo = 1 << 20, hi = -(1 << 20);
      for (uint8_t c : t.codes) {
        const int q = is_signed ? static_cast<int8_t>(c) : c;
        lo = std::min(lo, q);
        hi = std::max(hi, q);
      }
      CAPTURE(is_signed);
      CAPTURE(variant);
      CHECK(lo == t.range.qmin);
      CHECK(hi == t.range.qmax);
      // Unsigned symmetric on a customised grid uses the grid's midpoint as zero point.
    }
  }
  qp::QuantSpec sym;
  sym.is_signed = false;
  sym.scheme = qp::Scheme::Symmetric;
  sym.reduce_range = true;
  CHECK(qp::quantize_tensor(x.data(), x.size(), {1000}, sym).zero_points[0] == 63);
  sym.reduce_range = false;
  CHECK(qp::quantize_tensor(x.data(), x.size(), {1000}, sym).zero_points[0] == 128);
}

TEST_CASE("per-group and grid options are validated") {
  const std::vector<float> x = lcg_values(16, 1);
  qp::QuantSpec spec;
  spec.group_size = 4;  // no axis
  CHECK_THROWS_WITH_AS(qp::quantize_tensor(x.data(), 16, {16}, spec), "per-group quantization needs an axis to group along", qp::Error);
  spec.channel_axis = 0;
  spec.group_size = -2;
  CHECK_THROWS_AS(qp::quantize_tensor(x.data(), 16, {16}, spec), qp::Error);
  spec.group_size = 4;
  spec.bits = 2;
  spec.reduce_range = true;
  CHECK_THROWS_WITH_AS(qp::quantize_tensor(x.data(), 16, {16}, spec), "reduce_range needs at least 3 bits", qp::Error);
}
