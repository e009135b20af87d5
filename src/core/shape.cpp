#include "core/shape.h"

#include <limits>

#include "core/error.h"

namespace qp {

uint64_t element_count_u64(const Shape& shape) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error("shape " + shape_to_string(shape) + " has a negative dimension");
    const auto ud = static_cast<uint64_t>(d);
    if (ud != 0 && n > std::numeric_limits<uint64_t>::max() / ud)
      throw Error("shape " + shape_to_string(shape) + " has too many elements (overflows 64 bits)");
    n *= ud;
  }
  return n;
}

size_t element_count(const Shape& shape) {
  const uint64_t n = element_count_u64(shape);
  // wasm32 has a 32-bit size_t: a tensor can be listed (u64) but not held in memory.
  if (n > std::numeric_limits<size_t>::max() / sizeof(float))
    throw Error("shape " + shape_to_string(shape) + " has " + std::to_string(n) +
                " elements, too many to hold in this build's memory");
  return static_cast<size_t>(n);
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

int normalize_axis(int axis, size_t rank) {
  const int r = static_cast<int>(rank);
  if (axis < -r || axis >= r)
    throw Error("axis " + std::to_string(axis) + " is out of range for a tensor of rank " +
                std::to_string(rank));
  return axis < 0 ? axis + r : axis;
}

AxisView axis_view(const Shape& shape, int normalized_axis) {
  AxisView v;
  for (size_t i = 0; i < shape.size(); ++i) {
    const auto d = static_cast<size_t>(shape[i]);
    if (static_cast<int>(i) < normalized_axis) v.outer *= d;
    else if (static_cast<int>(i) == normalized_axis) v.channels = d;
    else v.inner *= d;
  }
  return v;
}

}  // namespace qp
