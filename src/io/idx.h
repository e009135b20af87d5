// IDX files (the format of MNIST and Fashion-MNIST, LeCun et al.): a 4-byte magic 00 00 <dtype>
// <rank>, then <rank> big-endian uint32 dimensions, then the elements in C order, big-endian.
// The distributed files are gzip-compressed; read_idx takes either form (it sniffs 1f 8b).
//
// Every size is checked against the bytes present before anything is allocated, so truncated,
// malformed or absurdly large headers end in a qp::Error naming the problem, never in a crash.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/inflater.h"

namespace qp::io {

enum class IdxType : uint8_t {
  UInt8 = 0x08,
  Int8 = 0x09,
  Int16 = 0x0B,
  Int32 = 0x0C,
  Float32 = 0x0D,
  Float64 = 0x0E,
};
size_t idx_type_size(IdxType t);
const char* idx_type_name(IdxType t);

struct IdxArray {
  IdxType type = IdxType::UInt8;
  std::vector<size_t> dims;
  size_t count = 0;            // product of dims
  std::vector<uint8_t> data;   // count × idx_type_size(type) bytes, as in the file (big-endian)

  // Element i as a double (exact for every IDX type).
  double value(size_t i) const;
};

// Parses an uncompressed IDX image. Throws qp::Error on a bad magic, an unknown type code, a
// rank of 0, sizes that overflow, or a data length that differs from the header's.
IdxArray parse_idx(const uint8_t* bytes, size_t n);

// gzip (RFC 1952) member → its content, with `inflater` for the DEFLATE stream (native zlib when
// null). Checks the header fields, the trailer's length and the size limit.
std::vector<uint8_t> gunzip(const uint8_t* bytes, size_t n, Inflater* inflater = nullptr,
                            size_t max_out = size_t{1} << 30);

// parse_idx of the bytes, gunzipped first when they start with the gzip magic 1f 8b.
IdxArray read_idx(const std::vector<uint8_t>& bytes, Inflater* inflater = nullptr);

}  // namespace qp::io
