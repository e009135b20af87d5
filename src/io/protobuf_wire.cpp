#include "io/protobuf_wire.h"

#include <algorithm>

#include "core/error.h"

namespace qp::io::pb {

const char* wire_type_name(WireType t) {
  switch (t) {
    case WireType::Varint: return "varint";
    case WireType::Fixed64: return "64-bit";
    case WireType::Len: return "length-delimited";
    case WireType::StartGroup: return "start-group";
    case WireType::EndGroup: return "end-group";
    case WireType::Fixed32: return "32-bit";
  }
  return "?";
}

BufferedReader::BufferedReader(ByteSource& source, size_t window)
    : source_(source), size_(source.size()), window_(window < 16 ? 16 : window) {}

void BufferedReader::fill(uint64_t offset) {
  const uint64_t available = offset < size_ ? size_ - offset : 0;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(available, window_));
  buffer_.resize(n);
  source_.read(offset, n, buffer_.data());  // throws "truncated" past the end
  start_ = offset;
  if (n == 0) source_.read(offset, 1, nullptr);  // at or past the end: let read() say so
}

std::string BufferedReader::bytes(uint64_t offset, size_t n) {
  if (n == 0) return {};
  if (n <= window_) {
    if (offset < start_ || offset - start_ > buffer_.size() || n > buffer_.size() - (offset - start_)) {
      fill(offset);
      if (n > buffer_.size()) source_.read(offset, n, nullptr);  // throws "truncated"
    }
    const auto* p = buffer_.data() + (offset - start_);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  const std::vector<uint8_t> v = source_.read_vector(offset, n);
  return std::string(v.begin(), v.end());
}

MessageCursor::MessageCursor(BufferedReader& reader, uint64_t begin, uint64_t end, const char* message,
                             int depth)
    : reader_(&reader), begin_(begin), end_(end), pos_(begin), message_(message), depth_(depth) {
  if (begin > end || end > reader.size()) fail(begin, "message range lies outside the file");
}

void MessageCursor::fail(uint64_t at, const std::string& what) const {
  throw Error(reader_->source().name() + ": malformed protobuf in " + message_ + " at byte " +
              std::to_string(at) + ": " + what);
}

uint64_t MessageCursor::varint(uint64_t& pos, uint64_t end) const {
  const uint64_t start = pos;
  uint64_t v = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos >= end) {
      fail(start, end == reader_->size() ? "the file ends inside a varint (truncated?)"
                                         : "a varint runs past the end of its enclosing message");
    }
    const uint8_t b = reader_->at(pos++);
    if (i == 9) {
      if (b & 0x80) fail(start, "varint is longer than 10 bytes");
      if (b > 1) fail(start, "varint overflows 64 bits");
    }
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) return v;
  }
  return v;  // not reached: the tenth byte either ends the varint or fails
}

bool MessageCursor::next(Field& f) {
  if (pos_ >= end_) return false;
  const uint64_t tag_at = pos_;
  const uint64_t tag = varint(pos_, end_);
  const uint64_t number = tag >> 3;
  const auto type = static_cast<uint8_t>(tag & 7);
  if (number == 0 || number > 0x1fffffff) fail(tag_at, "invalid field number " + std::to_string(number));
  f.number = static_cast<uint32_t>(number);
  f.value = 0;
  const uint64_t left_in_file = reader_->size() - pos_;
  auto need = [&](uint64_t n, const char* what) {
    if (n <= end_ - pos_) return;
    const std::string field = "field " + std::to_string(number) + " (" + what + ", " + std::to_string(n) + " bytes)";
    if (n > left_in_file) {
      fail(tag_at, field + " goes past the end of the file (truncated?)");
    }
    fail(tag_at, field + " goes past the end of its enclosing message");
  };
  switch (type) {
    case 0:
      f.wire_type = WireType::Varint;
      f.offset = pos_;
      f.value = varint(pos_, end_);
      f.length = pos_ - f.offset;
      return true;
    case 1:
    case 5: {
      const uint64_t n = type == 1 ? 8 : 4;
      f.wire_type = type == 1 ? WireType::Fixed64 : WireType::Fixed32;
      need(n, type == 1 ? "64-bit" : "32-bit");
      f.offset = pos_;
      f.length = n;
      for (uint64_t i = 0; i < n; ++i) f.value |= static_cast<uint64_t>(reader_->at(pos_ + i)) << (8 * i);
      pos_ += n;
      return true;
    }
    case 2: {
      f.wire_type = WireType::Len;
      const uint64_t len = varint(pos_, end_);
      need(len, "length-delimited");
      f.offset = pos_;
      f.length = len;
      pos_ += len;  // the payload is skipped, not read
      return true;
    }
    case 3:
    case 4:
      fail(tag_at, "field " + std::to_string(number) +
                       " uses the group wire type (3/4), which is deprecated and not supported");
    default:
      fail(tag_at, "field " + std::to_string(number) + " has invalid wire type " + std::to_string(type));
  }
}

MessageCursor MessageCursor::sub(const Field& f, const char* message) const {
  expect(f, WireType::Len, message);
  if (depth_ + 1 > kMaxDepth) {
    fail(f.offset, std::string(message) + " is nested deeper than " + std::to_string(kMaxDepth) + " messages");
  }
  return MessageCursor(*reader_, f.offset, f.offset + f.length, message, depth_ + 1);
}

void MessageCursor::expect(const Field& f, WireType t, const char* field_name) const {
  if (f.wire_type == t) return;
  fail(f.offset, std::string("field ") + std::to_string(f.number) + " (" + field_name + ") has wire type " +
                     wire_type_name(f.wire_type) + " but must be " + wire_type_name(t));
}

std::string MessageCursor::string(const Field& f, size_t max_bytes) const {
  expect(f, WireType::Len, "string");
  if (f.length <= max_bytes) return reader_->bytes(f.offset, static_cast<size_t>(f.length));
  return reader_->bytes(f.offset, max_bytes) + "...";
}

uint64_t MessageCursor::count_varints(const Field& f) const {
  const uint64_t end = f.offset + f.length;
  uint64_t count = 0;
  int run = 0;
  for (uint64_t p = f.offset; p < end; ++p) {
    const uint8_t b = reader_->at(p);
    ++run;
    if (run == 10 && ((b & 0x80) || b > 1)) {
      fail(p - 9, (b & 0x80) ? "varint is longer than 10 bytes" : "varint overflows 64 bits");
    }
    if (!(b & 0x80)) {
      ++count;
      run = 0;
    }
  }
  if (run != 0) fail(end - run, "packed field ends inside a varint");
  return count;
}

}  // namespace qp::io::pb
