// Tensor shapes and the "outer × channels × inner" view used by every per-channel loop.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qp {

using Shape = std::vector<int64_t>;

// Number of elements; throws qp::Error on a negative dimension or on 64-bit overflow.
uint64_t element_count_u64(const Shape& shape);
// The same for a tensor to be held in memory: also throws when element_count * 4 bytes would
// not fit in size_t (32 bits in WebAssembly).
size_t element_count(const Shape& shape);

// "[17, 33]" for messages.
std::string shape_to_string(const Shape& shape);

// A C-order tensor seen along one axis: element (o, c, i) lives at (o * channels + c) * inner + i.
struct AxisView {
  size_t outer = 1;
  size_t channels = 1;
  size_t inner = 1;
};

// Accepts a negative axis counted from the end (as numpy and PyTorch do).
// Throws qp::Error when the axis is out of range.
int normalize_axis(int axis, size_t rank);
AxisView axis_view(const Shape& shape, int normalized_axis);

}  // namespace qp
