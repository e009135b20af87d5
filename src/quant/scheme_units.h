// The units a scheme gives their own scale (or code book): the whole tensor, each channel along an
// axis, or each group of consecutive indices along an axis (one per position of the other axes).
// Families that work on a unit's values as one contiguous array gather them here, quantize, and
// scatter the reconstruction back; the integer family's fast path (quantize_tensor) walks the same
// units in place.
#pragma once
#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

#include "core/shape.h"

namespace qp {

class UnitLayout {
 public:
  // axis empty: per tensor (group_size must be 0); group_size 0: per channel; else per group.
  // Throws qp::Error on a bad axis or group size.
  UnitLayout(const Shape& shape, std::optional<int> axis, int group_size);

  size_t units() const { return units_; }
  size_t size() const { return n_; }
  size_t largest_unit() const;
  size_t unit_size(size_t unit) const;
  // Shape of one value per unit in C order (the exports' scale shape): [1], [C], or the tensor's
  // shape with the axis cut into groups.
  Shape unit_shape() const;

  // True when every unit's values are one consecutive run of the tensor in gather order (per
  // tensor, per channel along the outermost axis, groups along the innermost axis): callers can
  // then work in place at unit_offset(unit) instead of gathering and scattering.
  bool contiguous_units() const {
    return axis_ < 0 || (group_ > 0 && view_.inner == 1) || (group_ == 0 && view_.outer == 1);
  }
  size_t unit_offset(size_t unit) const;  // index of the unit's first value; needs contiguous_units()

  void gather(size_t unit, const float* x, float* out) const;   // out: unit_size(unit) values
  void scatter(size_t unit, const float* in, float* y) const;   // inverse of gather
  template <class T>
  void scatter_any(size_t unit, const T* in, T* y) const {
    for_each_index(unit, [&](size_t k, size_t index) { y[index] = in[k]; });
  }

  // The tensor in memory order as rows of consecutive indices: calls f(begin, length, unit, step)
  // for indices [begin, begin + length), index begin + i belonging to unit `unit + i * step` (step 0:
  // the whole row is one unit's run; step 1: a row across neighbouring units, as groups along a
  // non-last axis give). Rows come in ascending index order, so each unit's values arrive in
  // the order for_each_index visits them.
  template <class F>
  void for_each_row(F f) const {
    if (axis_ < 0) {
      f(size_t{0}, n_, size_t{0}, size_t{0});
      return;
    }
    const size_t inner = view_.inner, channels = view_.channels;
    for (size_t o = 0; o < view_.outer; ++o) {
      const size_t base = o * channels;
      if (inner == 1 && group_ == 0) {  // the last axis: a row holds one value of every channel
        f(base, channels, size_t{0}, size_t{1});
      } else if (inner == 1) {          // groups along the last axis: each group is one run
        for (size_t g = 0; g < groups_; ++g)
          f(base + g * group_, std::min(group_, channels - g * group_), o * groups_ + g, size_t{0});
      } else {
        for (size_t c = 0; c < channels; ++c) {
          if (group_ == 0) f((base + c) * inner, inner, c, size_t{0});
          else f((base + c) * inner, inner, (o * groups_ + c / group_) * inner, size_t{1});
        }
      }
    }
  }

  // Calls f(k, index) for the unit's k-th value, k ascending with the index.
  template <class F>
  void for_each_index(size_t unit, F f) const {
    if (axis_ < 0) {
      for (size_t k = 0; k < n_; ++k) f(k, k);
      return;
    }
    const size_t inner = view_.inner, channels = view_.channels;
    if (group_ == 0) {
      size_t k = 0;
      for (size_t o = 0; o < view_.outer; ++o) {
        const size_t base = (o * channels + unit) * inner;
        for (size_t i = 0; i < inner; ++i) f(k++, base + i);
      }
      return;
    }
    const size_t i = unit % inner, g = (unit / inner) % groups_, o = unit / (inner * groups_);
    const size_t first = g * group_, last = first + group_ < channels ? first + group_ : channels;
    for (size_t c = first; c < last; ++c) f(c - first, (o * channels + c) * inner + i);
  }

 private:
  Shape shape_;
  int axis_ = -1;
  size_t group_ = 0, groups_ = 1;
  AxisView view_;
  size_t n_ = 0, units_ = 1;
};

}  // namespace qp
