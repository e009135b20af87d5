#include "io/gguf_cursor.h"

#include <cstring>

#include "core/error.h"

namespace qp::io {

namespace {
constexpr size_t kBufferBytes = 64 * 1024;
}

void GgufCursor::require(uint64_t n) const {
  if (n > size_ - pos_) {
    throw Error("file is truncated: needs bytes " + std::to_string(pos_) + ".." +
                (n > UINT64_MAX - pos_ ? std::string("beyond 2^64") : std::to_string(pos_ + n)) +
                " but it has " + std::to_string(size_) + " bytes");
  }
}

void GgufCursor::bytes(uint8_t* dst, size_t n) {
  require(n);
  const uint64_t buffer_end = buffer_start_ + buffer_.size();
  if (pos_ >= buffer_start_ && pos_ + n <= buffer_end) {
    std::memcpy(dst, buffer_.data() + (pos_ - buffer_start_), n);
  } else if (n >= kBufferBytes) {
    source_.read(pos_, n, dst);  // large: straight from the source
  } else {
    buffer_ = source_.read_at_most(pos_, kBufferBytes);
    buffer_start_ = pos_;
    std::memcpy(dst, buffer_.data(), n);  // require() guarantees the buffer holds n bytes
  }
  pos_ += n;
}

void GgufCursor::skip(uint64_t n) {
  require(n);
  pos_ += n;
}

uint8_t GgufCursor::u8() {
  uint8_t b;
  bytes(&b, 1);
  return b;
}

uint16_t GgufCursor::u16() {
  uint8_t b[2];
  bytes(b, 2);
  return static_cast<uint16_t>(b[0] | b[1] << 8);
}

uint32_t GgufCursor::u32() {
  uint8_t b[4];
  bytes(b, 4);
  return static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 |
         static_cast<uint32_t>(b[2]) << 16 | static_cast<uint32_t>(b[3]) << 24;
}

uint64_t GgufCursor::u64() {
  const uint64_t lo = u32();
  const uint64_t hi = u32();
  return lo | hi << 32;
}

std::string GgufCursor::string(uint64_t keep, uint64_t* length) {
  const uint64_t n = u64();
  if (length) *length = n;
  if (n > remaining()) {
    throw Error("string length " + std::to_string(n) + " is larger than the rest of the file (" +
                std::to_string(remaining()) + " bytes)");
  }
  // n <= remaining() <= file size, so the kept part fits the host's memory model only if the
  // caller's `keep` is small; both are uint64 until here, so check before narrowing to size_t.
  const uint64_t kept = n < keep ? n : keep;
  if (kept > SIZE_MAX) throw Error("string of " + std::to_string(n) + " bytes is too long for this build");
  std::string out(static_cast<size_t>(kept), '\0');
  if (kept) bytes(reinterpret_cast<uint8_t*>(&out[0]), static_cast<size_t>(kept));
  skip(n - kept);
  return out;
}

}  // namespace qp::io
