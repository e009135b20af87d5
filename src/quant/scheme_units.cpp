#include "quant/scheme_units.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace qp {

UnitLayout::UnitLayout(const Shape& shape, std::optional<int> axis, int group_size) : shape_(shape) {
  n_ = element_count(shape);
  view_.inner = n_;
  if (group_size < 0) throw Error("group size must be positive, got " + std::to_string(group_size));
  if (!axis) {
    if (group_size > 0) throw Error("per-group quantization needs an axis to group along");
    return;
  }
  if (shape.empty()) throw Error("per-channel quantization needs a tensor of rank >= 1");
  axis_ = normalize_axis(*axis, shape.size());
  view_ = axis_view(shape, axis_);
  group_ = static_cast<size_t>(group_size);
  if (group_ == 0) {
    units_ = view_.channels;
  } else {
    groups_ = (view_.channels + group_ - 1) / group_;
    units_ = view_.outer * groups_ * view_.inner;
  }
}

size_t UnitLayout::unit_size(size_t unit) const {
  if (axis_ < 0) return n_;
  if (group_ == 0) return view_.outer * view_.inner;
  const size_t k = (unit / view_.inner) % groups_;
  return std::min(group_, view_.channels - k * group_);
}

size_t UnitLayout::largest_unit() const {
  if (axis_ < 0) return n_;
  if (group_ == 0) return view_.outer * view_.inner;
  return std::min(group_, view_.channels);
}

Shape UnitLayout::unit_shape() const {
  if (axis_ < 0) return {1};
  if (group_ == 0) return {static_cast<int64_t>(view_.channels)};
  Shape s = shape_;
  s[static_cast<size_t>(axis_)] = static_cast<int64_t>(groups_);
  return s;
}

size_t UnitLayout::unit_offset(size_t unit) const {
  if (axis_ < 0) return 0;
  if (group_ == 0) return unit * view_.inner;  // outer == 1
  const size_t g = unit % groups_, o = unit / groups_;  // inner == 1
  return o * view_.channels + g * group_;
}

void UnitLayout::gather(size_t unit, const float* x, float* out) const {
  for_each_index(unit, [&](size_t k, size_t index) { out[k] = x[index]; });
}

void UnitLayout::scatter(size_t unit, const float* in, float* y) const {
  for_each_index(unit, [&](size_t k, size_t index) { y[index] = in[k]; });
}

}  // namespace qp
