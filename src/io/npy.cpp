#include "io/npy.h"

#include <cctype>
#include <cstring>
#include <limits>

#include "core/error.h"
#include "core/half.h"

namespace qp::io {

namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr size_t kMaxHeaderBytes = 1 << 20;  // numpy itself refuses headers over 10 000 bytes

[[noreturn]] void fail(const std::string& what) { throw Error("not a valid .npy file: " + what); }

// A cursor over the Python-literal dict of the header, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderLexer {
 public:
  explicit HeaderLexer(std::string text) : s_(std::move(text)) {}
  void skip_space() { while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_; }
  bool eat(char c) { skip_space(); if (i_ < s_.size() && s_[i_] == c) { ++i_; return true; } return false; }
  void expect(char c) { if (!eat(c)) fail(std::string("header: expected '") + c + "'"); }
  bool peek_quote() { skip_space(); return i_ < s_.size() && (s_[i_] == '\'' || s_[i_] == '"'); }
  std::string string_literal() {
    skip_space();
    if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"')) fail("header: expected a string");
    const char q = s_[i_++];
    const size_t end = s_.find(q, i_);
    if (end == std::string::npos) fail("header: unterminated string");
    std::string out = s_.substr(i_, end - i_);
    i_ = end + 1;
    return out;
  }
  std::string word() {
    skip_space();
    const size_t b = i_;
    while (i_ < s_.size() && std::isalnum(static_cast<unsigned char>(s_[i_]))) ++i_;
    return s_.substr(b, i_ - b);
  }
  int64_t integer() {
    std::string w = word();
    if (!w.empty() && w.back() == 'L') w.pop_back();  // Python 2 longs: (3L, 4L)
    if (w.empty() || w.size() > 18) fail("header: bad shape dimension '" + w + "'");
    for (char c : w) if (!std::isdigit(static_cast<unsigned char>(c))) fail("header: bad shape dimension '" + w + "'");
    return std::stoll(w);
  }

 private:
  std::string s_;
  size_t i_ = 0;
};

void parse_descr(const std::string& descr, NpyHeader& h) {
  if (descr.size() >= 2 && descr[1] == 'O')
    throw Error("this .npy holds Python objects (dtype 'O'), which need pickle; only numeric arrays are supported");
  if (descr.size() < 3) fail("unsupported dtype '" + descr + "'");
  const char order = descr[0];
  if (order != '<' && order != '>' && order != '|' && order != '=')
    fail("unsupported dtype '" + descr + "'");
  h.big_endian = order == '>';
  h.kind = descr[1];
  const std::string size = descr.substr(2);
  if (size.size() != 1 || !std::isdigit(static_cast<unsigned char>(size[0])))
    fail("unsupported dtype '" + descr + "'");
  h.item_size = size[0] - '0';
  const bool ok = (h.kind == 'f' && (h.item_size == 2 || h.item_size == 4 || h.item_size == 8)) ||
                  ((h.kind == 'i' || h.kind == 'u') &&
                   (h.item_size == 1 || h.item_size == 2 || h.item_size == 4 || h.item_size == 8)) ||
                  (h.kind == 'b' && h.item_size == 1);
  if (!ok) {
    if (h.kind == 'c') throw Error("complex .npy arrays (dtype '" + descr + "') are not supported");
    fail("unsupported dtype '" + descr + "' (supported: f2 f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1)");
  }
}

uint64_t load_uint(const uint8_t* p, int size, bool big_endian) {
  uint64_t v = 0;
  for (int b = 0; b < size; ++b) {
    const int shift = big_endian ? 8 * (size - 1 - b) : 8 * b;
    v |= static_cast<uint64_t>(p[b]) << shift;
  }
  return v;
}

float item_to_float(const uint8_t* p, const NpyHeader& h) {
  const uint64_t u = load_uint(p, h.item_size, h.big_endian);
  switch (h.kind) {
    case 'b': return u ? 1.0f : 0.0f;
    case 'u': return static_cast<float>(u);
    case 'i': {
      const int bits = 8 * h.item_size;
      const int64_t v = bits == 64 ? static_cast<int64_t>(u)
                                   : static_cast<int64_t>(u << (64 - bits)) >> (64 - bits);
      return static_cast<float>(v);
    }
    default: break;
  }
  if (h.item_size == 2) return half_bits_to_float(static_cast<uint16_t>(u));
  if (h.item_size == 4) { uint32_t b = static_cast<uint32_t>(u); float f; std::memcpy(&f, &b, 4); return f; }
  double d;
  std::memcpy(&d, &u, 8);
  return static_cast<float>(d);
}

}  // namespace

NpyHeader parse_npy_header(const uint8_t* bytes, size_t size, bool require_data) {
  if (size < 10) fail("the file is " + std::to_string(size) + " bytes, shorter than the 10-byte preamble");
  if (std::memcmp(bytes, kMagic, 6) != 0) fail("missing the \\x93NUMPY magic string");
  NpyHeader h;
  h.major_version = bytes[6];
  size_t header_len, preamble;
  if (h.major_version == 1) { header_len = bytes[8] | (bytes[9] << 8); preamble = 10; }
  else if (h.major_version == 2 || h.major_version == 3) {
    if (size < 12) fail("truncated preamble");
    header_len = static_cast<size_t>(load_uint(bytes + 8, 4, false));
    preamble = 12;
  } else {
    fail("unknown format version " + std::to_string(h.major_version) + "." + std::to_string(bytes[7]));
  }
  if (header_len > kMaxHeaderBytes) fail("header of " + std::to_string(header_len) + " bytes is too large");
  if (preamble + header_len > size) fail("truncated header");
  HeaderLexer lex(std::string(reinterpret_cast<const char*>(bytes + preamble), header_len));

  bool have_descr = false, have_order = false, have_shape = false;
  lex.expect('{');
  while (!lex.eat('}')) {
    const std::string key = lex.string_literal();
    lex.expect(':');
    if (key == "descr") {
      if (!lex.peek_quote()) throw Error("structured .npy arrays (a list dtype) are not supported");
      h.descr = lex.string_literal();
      parse_descr(h.descr, h);
      have_descr = true;
    } else if (key == "fortran_order") {
      const std::string w = lex.word();
      if (w != "True" && w != "False") fail("header: fortran_order must be True or False");
      h.fortran_order = w == "True";
      have_order = true;
    } else if (key == "shape") {
      lex.expect('(');
      while (!lex.eat(')')) {
        h.shape.push_back(lex.integer());
        if (!lex.eat(',')) { lex.expect(')'); break; }
      }
      have_shape = true;
    } else {
      fail("header: unexpected key '" + key + "'");
    }
    if (!lex.eat(',')) { lex.expect('}'); break; }
  }
  if (!have_descr || !have_order || !have_shape) fail("header lacks descr, fortran_order or shape");

  const uint64_t count = element_count_u64(h.shape);
  if (count > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(h.item_size))
    fail("shape " + shape_to_string(h.shape) + " is too large");
  h.data_offset = preamble + header_len;
  h.data_bytes = count * static_cast<uint64_t>(h.item_size);
  if (require_data && size - h.data_offset < h.data_bytes)
    fail("truncated data: shape " + shape_to_string(h.shape) + " of " + h.descr + " needs " +
         std::to_string(h.data_bytes) + " bytes, the file has " +
         std::to_string(size - h.data_offset));
  return h;
}

std::vector<float> npy_to_float32(const uint8_t* bytes, size_t size, const NpyHeader& h) {
  if (size < h.data_offset || size - h.data_offset < h.data_bytes) fail("truncated data");
  const size_t n = static_cast<size_t>(h.data_bytes / static_cast<uint64_t>(h.item_size));  // fits: bounded by size
  const uint8_t* src = bytes + h.data_offset;
  std::vector<float> out(n);
  if (!h.fortran_order || h.shape.size() < 2) {
    for (size_t i = 0; i < n; ++i) out[i] = item_to_float(src + i * h.item_size, h);
    return out;
  }
  // Fortran order: the first index varies fastest in the file. Walk the file in order and
  // scatter each item to its C-order position.
  const size_t rank = h.shape.size();
  std::vector<size_t> c_stride(rank, 1);
  for (size_t d = rank - 1; d-- > 0;) c_stride[d] = c_stride[d + 1] * static_cast<size_t>(h.shape[d + 1]);
  std::vector<size_t> index(rank, 0);
  for (size_t f = 0; f < n; ++f) {
    size_t c = 0;
    for (size_t d = 0; d < rank; ++d) c += index[d] * c_stride[d];
    out[c] = item_to_float(src + f * h.item_size, h);
    for (size_t d = 0; d < rank; ++d) {  // increment the Fortran-order counter
      if (++index[d] < static_cast<size_t>(h.shape[d])) break;
      index[d] = 0;
    }
  }
  return out;
}

std::vector<uint8_t> encode_npy(const std::string& descr, const Shape& shape, const void* data,
                                size_t data_bytes) {
  NpyHeader probe;
  parse_descr(descr, probe);
  if (probe.big_endian) throw Error("encode_npy writes little-endian arrays only");
  if (element_count(shape) * static_cast<size_t>(probe.item_size) != data_bytes)
    throw Error("encode_npy: " + std::to_string(data_bytes) + " bytes do not fit shape " +
                shape_to_string(shape) + " of " + descr);
  std::string dims;
  for (size_t i = 0; i < shape.size(); ++i) dims += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad with spaces so that the data starts on a 64-byte boundary; the header ends in '\n'.
  size_t total = 10 + dict.size() + 1;
  const size_t padded = (total + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict.push_back('\n');
  if (dict.size() > 65535) throw Error("encode_npy: header too long for format 1.0");
  std::vector<uint8_t> out(kMagic, kMagic + 6);
  out.push_back(1);
  out.push_back(0);
  out.push_back(static_cast<uint8_t>(dict.size() & 0xff));
  out.push_back(static_cast<uint8_t>(dict.size() >> 8));
  out.insert(out.end(), dict.begin(), dict.end());
  const auto* d = static_cast<const uint8_t*>(data);
  out.insert(out.end(), d, d + data_bytes);
  return out;
}

}  // namespace qp::io
