// The protobuf wire cursor (src/io/protobuf_wire.h) on bytes written by hand from the encoding
// spec: varints up to their 10-byte limit, every wire type, and the bounds that keep a hostile
// file from reading outside its message or nesting without end.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/protobuf_wire.h"

namespace {

using qp::io::MemorySource;
using qp::io::pb::BufferedReader;
using qp::io::pb::Field;
using qp::io::pb::MessageCursor;
using qp::io::pb::WireType;

struct Parsed {
  MemorySource source;
  BufferedReader reader;
  MessageCursor cursor;
  explicit Parsed(std::vector<uint8_t> bytes, size_t window = 64 * 1024)
      : source("t.onnx", std::move(bytes)),
        reader(source, window),
        cursor(reader, 0, source.size(), "Test") {}
};

// All fields of a message, or the error text.
std::string error_of(std::vector<uint8_t> bytes) {
  Parsed p(std::move(bytes));
  try {
    Field f;
    while (p.cursor.next(f)) {
    }
  } catch (const qp::Error& e) {
    return e.what();
  }
  return "";
}

uint64_t single_varint(std::vector<uint8_t> value_bytes) {
  std::vector<uint8_t> bytes = {0x08};  // field 1, varint
  bytes.insert(bytes.end(), value_bytes.begin(), value_bytes.end());
  Parsed p(bytes);
  Field f;
  REQUIRE(p.cursor.next(f));
  CHECK(f.number == 1);
  CHECK(f.wire_type == WireType::Varint);
  CHECK(f.length == value_bytes.size());
  CHECK_FALSE(p.cursor.next(f));
  return f.value;
}

}  // namespace

TEST_CASE("protobuf_wire: varints of 1 to 10 bytes, including negative int64 and int32") {
  CHECK(single_varint({0x00}) == 0);
  CHECK(single_varint({0x01}) == 1);
  CHECK(single_varint({0xac, 0x02}) == 300);
  CHECK(single_varint({0xff, 0xff, 0xff, 0xff, 0x0f}) == 0xffffffffu);
  // -1 as int64 (and as int32, which protobuf sign-extends to 64 bits): ten bytes.
  const uint64_t minus_one = single_varint({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  CHECK(qp::io::pb::as_int64(minus_one) == -1);
  // INT64_MIN: 0x8000000000000000.
  CHECK(qp::io::pb::as_int64(single_varint({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})) ==
        INT64_MIN);
  // Non-minimal encodings are legal: 1 written in three bytes.
  CHECK(single_varint({0x81, 0x80, 0x00}) == 1);
}

TEST_CASE("protobuf_wire: malformed varints are errors naming the file and the byte") {
  CHECK(error_of({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00})
            .find("varint is longer than 10 bytes") != std::string::npos);
  CHECK(error_of({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02})
            .find("varint overflows 64 bits") != std::string::npos);
  const std::string truncated = error_of({0x08, 0x80, 0x80});
  CHECK(truncated.find("t.onnx: malformed protobuf in Test at byte 1: the file ends inside a varint") == 0);
  CHECK(error_of({0x80}).find("ends inside a varint") != std::string::npos);  // a truncated tag
}

TEST_CASE("protobuf_wire: every wire type, payloads located but not read") {
  // field 1 varint 150; field 2 fixed64; field 3 len 3 "abc"; field 4 fixed32
  Parsed p({0x08, 0x96, 0x01, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 0x1a, 0x03, 'a', 'b', 'c', 0x25, 0x78, 0x56, 0x34, 0x12});
  Field f;
  REQUIRE(p.cursor.next(f));
  CHECK(f.value == 150);
  REQUIRE(p.cursor.next(f));
  CHECK(f.wire_type == WireType::Fixed64);
  CHECK(f.value == 0x0807060504030201ull);
  CHECK(f.offset == 4);
  REQUIRE(p.cursor.next(f));
  CHECK(f.wire_type == WireType::Len);
  CHECK(f.number == 3);
  CHECK(f.offset == 14);
  CHECK(f.length == 3);
  CHECK(p.cursor.string(f, 100) == "abc");
  CHECK(p.cursor.string(f, 2) == "ab...");
  REQUIRE(p.cursor.next(f));
  CHECK(f.wire_type == WireType::Fixed32);
  CHECK(f.value == 0x12345678u);
  CHECK_FALSE(p.cursor.next(f));
}

TEST_CASE("protobuf_wire: lengths beyond the file or the enclosing message are refused") {
  CHECK(error_of({0x0a, 0x05, 'a', 'b'}).find("goes past the end of the file") != std::string::npos);
  CHECK(error_of({0x09, 1, 2, 3}).find("goes past the end of the file") != std::string::npos);
  CHECK(error_of({0x0d, 1, 2}).find("goes past the end of the file") != std::string::npos);
  // A huge length is compared, never allocated.
  CHECK(error_of({0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
            .find("goes past the end of the file") != std::string::npos);

  // Outer field 1 holds 4 bytes; inside, field 2 claims 6.
  Parsed p({0x0a, 0x04, 0x12, 0x06, 'x', 'y', 'z', 'w', 'v', 'u'});
  Field f;
  REQUIRE(p.cursor.next(f));
  MessageCursor inner = p.cursor.sub(f, "Inner");
  Field g;
  try {
    inner.next(g);
    FAIL("expected an error");
  } catch (const qp::Error& e) {
    CHECK(std::string(e.what()).find("malformed protobuf in Inner at byte 2") != std::string::npos);
    CHECK(std::string(e.what()).find("past the end of its enclosing message") != std::string::npos);
  }
}

TEST_CASE("protobuf_wire: groups, invalid wire types and field number 0 are refused") {
  CHECK(error_of({0x0b, 0x0c}).find("group wire type") != std::string::npos);
  CHECK(error_of({0x0c}).find("group wire type") != std::string::npos);
  CHECK(error_of({0x0e}).find("invalid wire type 6") != std::string::npos);
  CHECK(error_of({0x0f}).find("invalid wire type 7") != std::string::npos);
  CHECK(error_of({0x00, 0x00}).find("invalid field number 0") != std::string::npos);
}

TEST_CASE("protobuf_wire: a known field with the wrong wire type is an error") {
  Parsed p({0x08, 0x01});
  Field f;
  REQUIRE(p.cursor.next(f));
  CHECK_THROWS_WITH_AS(p.cursor.expect(f, WireType::Len, "name"),
                       doctest::Contains("field 1 (name) has wire type varint but must be length-delimited"),
                       qp::Error);
  CHECK_THROWS_AS(p.cursor.sub(f, "Sub"), qp::Error);
}

TEST_CASE("protobuf_wire: nesting deeper than the limit is refused") {
  // 70 messages each wrapping the next in field 1.
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 70; ++i) {
    std::vector<uint8_t> outer = {0x0a};
    uint64_t n = bytes.size();
    do {
      outer.push_back(static_cast<uint8_t>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0)));
      n >>= 7;
    } while (n);
    outer.insert(outer.end(), bytes.begin(), bytes.end());
    bytes = outer;
  }
  Parsed p(bytes);
  std::vector<MessageCursor> chain = {p.cursor};
  try {
    for (int depth = 0; depth < 70; ++depth) {
      Field f;
      REQUIRE(chain.back().next(f));
      chain.push_back(chain.back().sub(f, "Nested"));
    }
    FAIL("expected a depth error");
  } catch (const qp::Error& e) {
    CHECK(std::string(e.what()).find("nested deeper than 64") != std::string::npos);
    CHECK(chain.size() == qp::io::pb::kMaxDepth + 1);
  }
}

TEST_CASE("protobuf_wire: packed varints are counted and checked") {
  // field 1 packed: 1, 300, -1 (10 bytes)
  std::vector<uint8_t> bytes = {0x0a, 13, 0x01, 0xac, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  Parsed p(bytes);
  Field f;
  REQUIRE(p.cursor.next(f));
  CHECK(p.cursor.count_varints(f) == 3);
  uint64_t pos = f.offset;
  CHECK(p.cursor.varint(pos, f.offset + f.length) == 1);
  CHECK(p.cursor.varint(pos, f.offset + f.length) == 300);
  CHECK(qp::io::pb::as_int64(p.cursor.varint(pos, f.offset + f.length)) == -1);
  CHECK(pos == f.offset + f.length);

  Parsed cut({0x0a, 0x02, 0x01, 0x80, 0x08, 0x00});  // a field follows: the payload is not at the end of the file
  REQUIRE(cut.cursor.next(f));
  CHECK_THROWS_WITH_AS(cut.cursor.count_varints(f), doctest::Contains("packed field ends inside a varint"), qp::Error);
  uint64_t at = f.offset + 1;
  CHECK_THROWS_WITH_AS(cut.cursor.varint(at, f.offset + f.length),
                       doctest::Contains("runs past the end of its enclosing message"), qp::Error);
}

TEST_CASE("protobuf_wire: reads across buffer windows agree with the bytes") {
  // 40 string fields of 10 bytes, read through a 16-byte window so most cross a boundary.
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 40; ++i) {
    bytes.push_back(0x12);
    bytes.push_back(10);
    for (int k = 0; k < 10; ++k) bytes.push_back(static_cast<uint8_t>('a' + (i + k) % 26));
  }
  Parsed p(bytes, 16);
  Field f;
  int i = 0;
  while (p.cursor.next(f)) {
    std::string want;
    for (int k = 0; k < 10; ++k) want += static_cast<char>('a' + (i + k) % 26);
    CHECK(p.cursor.string(f, 100) == want);
    ++i;
  }
  CHECK(i == 40);
}
