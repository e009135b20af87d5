// The protobuf wire format (https://protobuf.dev/programming-guides/encoding/), read straight from
// a ByteSource. Enough for ONNX: fields are visited one at a time, length-delimited payloads are
// located (absolute offset + length) but never read unless asked, so a model with gigabytes of
// inline raw_data is walked without touching those bytes. Every length is checked against the
// enclosing message before it is used; nothing is allocated by a size read from the file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/byte_source.h"

namespace qp::io::pb {

enum class WireType : uint8_t { Varint = 0, Fixed64 = 1, Len = 2, StartGroup = 3, EndGroup = 4, Fixed32 = 5 };

const char* wire_type_name(WireType t);

// Nesting deeper than this is refused: real ONNX graphs nest a few levels (graph > node >
// attribute > subgraph ...), and a bound keeps a hostile file from recursing without end.
constexpr int kMaxDepth = 64;

// A window of the file kept in memory, so that parsing many small fields does not cost one host
// read per byte (in the browser each read is a File.slice).
class BufferedReader {
 public:
  explicit BufferedReader(ByteSource& source, size_t window = 64 * 1024);
  ByteSource& source() const { return source_; }
  uint64_t size() const { return size_; }
  // The byte at `offset`, which must be < size().
  uint8_t at(uint64_t offset) {
    if (offset < start_ || offset - start_ >= buffer_.size()) fill(offset);
    return buffer_[static_cast<size_t>(offset - start_)];
  }
  // n bytes at `offset` (the range must lie inside the file).
  std::string bytes(uint64_t offset, size_t n);

 private:
  void fill(uint64_t offset);
  ByteSource& source_;
  uint64_t size_;
  size_t window_;
  uint64_t start_ = 0;
  std::vector<uint8_t> buffer_;
};

struct Field {
  uint32_t number = 0;
  WireType wire_type = WireType::Varint;
  uint64_t value = 0;   // Varint, Fixed64, Fixed32: the decoded value
  uint64_t offset = 0;  // absolute offset of the value (Len: of the payload, after the length)
  uint64_t length = 0;  // bytes of the value as encoded (Len: of the payload)
};

// The fields of one message, occupying [begin, end) of the file. Errors are qp::Error
// "<file>: malformed protobuf in <message> at byte N: <what>".
class MessageCursor {
 public:
  MessageCursor(BufferedReader& reader, uint64_t begin, uint64_t end, const char* message, int depth = 0);

  // Reads the next field; false at the end of the message. Groups (wire types 3/4, deprecated and
  // never used by ONNX) and wire types 6/7 are errors.
  bool next(Field& f);

  // A length-delimited field seen as a nested message; refused beyond kMaxDepth.
  MessageCursor sub(const Field& f, const char* message) const;

  // Throws unless `f` has wire type `t` (a known field must be encoded as its schema says).
  void expect(const Field& f, WireType t, const char* field_name) const;

  // A Len field's payload as text, at most `max_bytes` of it (longer strings are cut and end
  // with "..."), so a hostile length never becomes an allocation.
  std::string string(const Field& f, size_t max_bytes) const;

  // Decodes the varint at `pos` (< end), advancing pos. Used for packed repeated fields.
  uint64_t varint(uint64_t& pos, uint64_t end) const;

  // Number of varints in a packed payload, checking each is well formed (at most 10 bytes, the
  // last one complete).
  uint64_t count_varints(const Field& f) const;

  [[noreturn]] void fail(uint64_t at, const std::string& what) const;

  BufferedReader& reader() const { return *reader_; }
  int depth() const { return depth_; }
  uint64_t begin() const { return begin_; }
  uint64_t end() const { return end_; }

 private:
  BufferedReader* reader_;
  uint64_t begin_;
  uint64_t end_;
  uint64_t pos_;
  const char* message_;
  int depth_;
};

// Signed views of varints as protobuf defines them for int32/int64 (two's complement, so an
// int32 -1 is sent sign-extended as ten bytes).
inline int64_t as_int64(uint64_t v) { return static_cast<int64_t>(v); }

}  // namespace qp::io::pb
