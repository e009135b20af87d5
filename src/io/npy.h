// NumPy .npy files (format versions 1.0, 2.0 and 3.0), read into float32 for analysis and
// written for export. Spec: numpy/lib/format.py ("A Simple File Format for NumPy Arrays").
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.h"

namespace qp::io {

struct NpyHeader {
  int major_version = 1;
  std::string descr;        // e.g. "<f4"
  char kind = 'f';          // 'f' float, 'i' signed, 'u' unsigned, 'b' bool
  int item_size = 4;
  bool big_endian = false;
  bool fortran_order = false;
  Shape shape;
  uint64_t data_offset = 0;  // where the array bytes begin
  uint64_t data_bytes = 0;   // element count * item_size (64-bit: a header may describe a
                             // file larger than wasm32's address space)
};

// Parses and validates the header of `bytes` (which must hold the whole file, or at least the
// header when `require_data` is false). Throws qp::Error with a message naming the problem.
NpyHeader parse_npy_header(const uint8_t* bytes, size_t size, bool require_data = true);

// The array converted to float32 in C order (Fortran-ordered files are transposed;
// float64 and 64-bit integers are rounded to nearest float32).
std::vector<float> npy_to_float32(const uint8_t* bytes, size_t size, const NpyHeader& header);

// A complete version-1.0 .npy file for a C-order array. `descr` is a little-endian numpy type
// string ("<f4", "|i1", "|u1", "<i4", "<i8"); `data` holds element_count(shape) items of it.
std::vector<uint8_t> encode_npy(const std::string& descr, const Shape& shape, const void* data,
                                size_t data_bytes);

}  // namespace qp::io
