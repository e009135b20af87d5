#include "io/gguf_metadata.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "io/gguf_types.h"

namespace qp::io {

namespace {

constexpr uint64_t kTopLevelStringBytes = 1024;  // a chat template is kept readable, not whole
constexpr uint64_t kArrayStringBytes = 48;
constexpr uint64_t kArrayShownElements = 8;
constexpr size_t kArraySummaryChars = 160;
const char* const kEllipsis = "\xe2\x80\xa6";    // …
const char* const kTimes = " \xc3\x97 ";         // " × "

// Cuts at most `n` bytes without splitting a UTF-8 sequence (continuation bytes are 10xxxxxx).
std::string utf8_prefix(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return s.substr(0, n);
}

std::string quoted(const std::string& s, bool cut) {
  std::string out = "\"";
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') { out += '\\'; out += ch; }
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else out += ch;
  }
  if (cut) out += kEllipsis;
  return out + "\"";
}

// Shortest decimal text that reads back to the same float / double.
std::string float_text(double v, bool single) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (single ? std::strtof(buf, nullptr) == static_cast<float>(v) : std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

uint64_t fixed_size(uint32_t type) {
  switch (static_cast<GgufValueType>(type)) {
    case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::Bool: return 1;
    case GgufValueType::U16: case GgufValueType::I16: return 2;
    case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::F32: return 4;
    case GgufValueType::U64: case GgufValueType::I64: case GgufValueType::F64: return 8;
    default: return 0;
  }
}

// Fewest bytes one value of `type` can occupy: bounds an array's length before it is walked.
uint64_t min_size(uint32_t type) {
  if (type == static_cast<uint32_t>(GgufValueType::String)) return 8;   // length
  if (type == static_cast<uint32_t>(GgufValueType::Array)) return 12;   // type + length
  return fixed_size(type);
}

class ValueReader {
 public:
  explicit ValueReader(GgufCursor& cursor) : c_(cursor) {}

  // Reads one value; appends its text to *out unless out is null (skipping).
  void value(uint32_t type, int depth, bool top_level, std::string* out, GgufValue* scalar) {
    switch (static_cast<GgufValueType>(type)) {
      case GgufValueType::U8: return unsigned_value(c_.u8(), out, scalar);
      case GgufValueType::U16: return unsigned_value(c_.u16(), out, scalar);
      case GgufValueType::U32: return unsigned_value(c_.u32(), out, scalar);
      case GgufValueType::U64: return unsigned_value(c_.u64(), out, scalar);
      case GgufValueType::I8: return signed_value(static_cast<int8_t>(c_.u8()), out, scalar);
      case GgufValueType::I16: return signed_value(static_cast<int16_t>(c_.u16()), out, scalar);
      case GgufValueType::I32: return signed_value(static_cast<int32_t>(c_.u32()), out, scalar);
      case GgufValueType::I64: return signed_value(static_cast<int64_t>(c_.u64()), out, scalar);
      case GgufValueType::F32: {
        const uint32_t bits = c_.u32();
        float f;
        std::memcpy(&f, &bits, sizeof f);
        if (out) *out += float_text(f, true);
        return;
      }
      case GgufValueType::F64: {
        const uint64_t bits = c_.u64();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (out) *out += float_text(d, false);
        return;
      }
      case GgufValueType::Bool: {
        const uint8_t b = c_.u8();
        if (b > 1) throw Error("bool value " + std::to_string(b) + " is neither 0 nor 1");
        if (out) *out += b ? "true" : "false";
        return;
      }
      case GgufValueType::String: return string_value(top_level, out);
      case GgufValueType::Array: return array_value(depth, out);
    }
    throw Error("unknown metadata value type " + std::to_string(type));
  }

 private:
  static void unsigned_value(uint64_t v, std::string* out, GgufValue* scalar) {
    if (out) *out += std::to_string(v);
    if (scalar) {
      scalar->is_unsigned_integer = true;
      scalar->unsigned_value = v;
    }
  }

  static void signed_value(int64_t v, std::string* out, GgufValue* scalar) {
    if (out) *out += std::to_string(v);
    if (scalar && v >= 0) {
      scalar->is_unsigned_integer = true;
      scalar->unsigned_value = static_cast<uint64_t>(v);
    }
  }

  void string_value(bool top_level, std::string* out) {
    const uint64_t keep = !out ? 0 : top_level ? kTopLevelStringBytes : kArrayStringBytes;
    uint64_t length = 0;
    // A few bytes more than shown, to cut at a UTF-8 boundary; nothing is kept when skipping.
    const std::string s = c_.string(out ? keep + 4 : 0, &length);
    if (!out) return;
    const bool cut = length > keep;
    const std::string shown = cut ? utf8_prefix(s, static_cast<size_t>(keep)) : s;
    if (!top_level) {
      *out += quoted(shown, cut);
    } else {
      *out += shown;
      if (cut) *out += std::string(kEllipsis) + " (" + std::to_string(length) + " bytes)";
    }
  }

  void array_value(int depth, std::string* out) {
    if (depth >= kGgufMaxArrayDepth) {
      throw Error("arrays are nested more than " + std::to_string(kGgufMaxArrayDepth) + " levels deep");
    }
    const uint32_t type = c_.u32();
    if (type >= kGgufValueTypeCount) throw Error("array of unknown value type " + std::to_string(type));
    const uint64_t n = c_.u64();
    const uint64_t each = min_size(type);
    if (n > c_.remaining() / each) {
      throw Error("array of " + std::to_string(n) + " " + gguf_value_type_name(type) +
                  " values cannot fit in the rest of the file (" + std::to_string(c_.remaining()) +
                  " bytes)");
    }
    const size_t start = out ? out->size() : 0;  // each array has its own summary budget
    if (out) *out += "[" + std::to_string(n) + kTimes + gguf_value_type_name(type) + (n ? ": " : "");
    uint64_t i = 0;
    for (; i < n && out; ++i) {
      if (i == kArrayShownElements || out->size() - start > kArraySummaryChars) break;
      if (i) *out += ", ";
      value(type, depth + 1, false, out, nullptr);
    }
    if (i < n) {
      if (out) *out += std::string(i ? ", " : "") + kEllipsis;
      const uint64_t size = fixed_size(type);
      if (size) c_.skip((n - i) * size);  // n * size <= remaining was checked above
      else for (; i < n; ++i) value(type, depth + 1, false, nullptr, nullptr);
    }
    if (out) *out += "]";
  }

  GgufCursor& c_;
};

}  // namespace

GgufValue read_gguf_value(GgufCursor& cursor, uint32_t type) {
  GgufValue v;
  ValueReader(cursor).value(type, 0, true, &v.text, &v);
  return v;
}

}  // namespace qp::io
