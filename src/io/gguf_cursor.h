// Sequential little-endian reads over a ByteSource through a small buffer: a GGUF header is a
// long run of tiny fields (a 32000-token vocabulary is 64000 of them), so reading each one from
// the host (a FILE*, or File.slice in the browser) would be slow. Nothing here ever allocates
// by a size read from the file without first checking it against the bytes that remain.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/byte_source.h"

namespace qp::io {

class GgufCursor {
 public:
  explicit GgufCursor(ByteSource& source) : source_(source), size_(source.size()) {}

  uint64_t position() const { return pos_; }
  uint64_t remaining() const { return size_ - pos_; }

  // Each throws qp::Error ("file is truncated ...", without the file name: the reader adds it
  // with the key or tensor being read) when the file ends first.
  void bytes(uint8_t* dst, size_t n);
  void skip(uint64_t n);
  uint8_t u8();
  uint16_t u16();
  uint32_t u32();
  uint64_t u64();

  // A GGUF string: u64 byte length, then the bytes (no terminator). Keeps the first `keep`
  // bytes and skips the rest; `*length` receives the full length.
  std::string string(uint64_t keep, uint64_t* length);

 private:
  void require(uint64_t n) const;
  ByteSource& source_;
  uint64_t size_;
  uint64_t pos_ = 0;
  std::vector<uint8_t> buffer_;  // bytes [buffer_start_, buffer_start_ + buffer_.size()) of the file
  uint64_t buffer_start_ = 0;
};

}  // namespace qp::io
