// idx.h: IDX parsing and the gzip wrapper around the host's raw-DEFLATE service.
#include "io/idx.h"

#include <array>
#include <cstring>
#include <string>

#include "core/error.h"

namespace qp::io {

namespace {

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
uint32_t le32(const uint8_t* p) {
  return (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | uint32_t{p[0]};
}

bool known_type(uint8_t code) {
  return code == 0x08 || code == 0x09 || code == 0x0B || code == 0x0C || code == 0x0D || code == 0x0E;
}

// CRC-32 of RFC 1952 (reflected polynomial 0xEDB88320), table-driven; the trailer check needs it
// in every build, and zlib's crc32 is not there in WebAssembly.
uint32_t crc32(const uint8_t* p, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

}  // namespace

size_t idx_type_size(IdxType t) {
  switch (t) {
    case IdxType::UInt8:
    case IdxType::Int8: return 1;
    case IdxType::Int16: return 2;
    case IdxType::Int32:
    case IdxType::Float32: return 4;
    case IdxType::Float64: return 8;
  }
  return 0;
}

const char* idx_type_name(IdxType t) {
  switch (t) {
    case IdxType::UInt8: return "ubyte";
    case IdxType::Int8: return "byte";
    case IdxType::Int16: return "short";
    case IdxType::Int32: return "int";
    case IdxType::Float32: return "float";
    case IdxType::Float64: return "double";
  }
  return "?";
}

double IdxArray::value(size_t i) const {
  const uint8_t* p = data.data() + i * idx_type_size(type);
  switch (type) {
    case IdxType::UInt8: return p[0];
    case IdxType::Int8: return static_cast<int8_t>(p[0]);
    case IdxType::Int16: return static_cast<int16_t>((p[0] << 8) | p[1]);
    case IdxType::Int32: return static_cast<int32_t>(be32(p));
    case IdxType::Float32: {
      const uint32_t u = be32(p);
      float f;
      std::memcpy(&f, &u, 4);
      return f;
    }
    case IdxType::Float64: {
      const uint64_t u = (uint64_t{be32(p)} << 32) | be32(p + 4);
      double d;
      std::memcpy(&d, &u, 8);
      return d;
    }
  }
  return 0;
}

IdxArray parse_idx(const uint8_t* bytes, size_t n) {
  if (n < 4) throw Error("IDX: the file is " + std::to_string(n) + " bytes, shorter than the 4-byte magic");
  if (bytes[0] != 0 || bytes[1] != 0)
    throw Error("IDX: not an IDX file (the magic must start with two zero bytes)");
  if (!known_type(bytes[2]))
    throw Error("IDX: unknown element type code 0x" + std::string(1, "0123456789abcdef"[bytes[2] >> 4]) +
                std::string(1, "0123456789abcdef"[bytes[2] & 15]) +
                " (known: 08 ubyte, 09 byte, 0b short, 0c int, 0d float, 0e double)");
  IdxArray a;
  a.type = static_cast<IdxType>(bytes[2]);
  const size_t rank = bytes[3];
  if (rank == 0) throw Error("IDX: the header declares no dimensions");
  const size_t header = 4 + 4 * rank;
  if (n < header)
    throw Error("IDX: truncated header: " + std::to_string(rank) + " dimensions need " + std::to_string(header) +
                " bytes, the file has " + std::to_string(n));
  const size_t esize = idx_type_size(a.type);
  const size_t body = n - header;
  // Overflow-safe: the product times the element size must stay within the bytes present.
  bool empty = false;
  for (size_t d = 0; d < rank; ++d) {
    a.dims.push_back(be32(bytes + 4 + 4 * d));
    empty = empty || a.dims.back() == 0;
  }
  size_t count = empty ? 0 : 1;
  for (size_t dim : a.dims) {
    if (empty) break;
    if (count > body / esize / dim) {  // more elements than the file can hold
      count = SIZE_MAX;
      break;
    }
    count *= dim;
  }
  std::string shape;
  for (size_t d : a.dims) shape += (shape.empty() ? "" : "×") + std::to_string(d);
  if (count == SIZE_MAX)
    throw Error("IDX: the header declares " + shape + " " + idx_type_name(a.type) + " elements, more than the " +
                std::to_string(body) + " data bytes present (truncated or corrupt file)");
  if (count * esize != body)
    throw Error("IDX: the header declares " + shape + " " + idx_type_name(a.type) + " elements (" +
                std::to_string(count * esize) + " bytes), the file holds " + std::to_string(body) +
                " data bytes" + (count * esize > body ? " (truncated file)" : ""));
  a.count = count;
  a.data.assign(bytes + header, bytes + n);
  return a;
}

std::vector<uint8_t> gunzip(const uint8_t* bytes, size_t n, Inflater* inflater, size_t max_out) {
  if (n < 18) throw Error("gzip: the file is " + std::to_string(n) + " bytes, too short for a gzip member");
  if (bytes[0] != 0x1f || bytes[1] != 0x8b) throw Error("gzip: bad magic (not a gzip file)");
  if (bytes[2] != 8) throw Error("gzip: unknown compression method " + std::to_string(bytes[2]) + " (only 8, deflate)");
  const uint8_t flags = bytes[3];
  if (flags & 0xE0) throw Error("gzip: reserved header flags are set");
  size_t pos = 10;
  const size_t end = n - 8;  // the trailer: CRC-32 and the length mod 2^32, little-endian
  if (flags & 0x04) {        // FEXTRA: a 2-byte length and that many bytes
    if (end - pos < 2) throw Error("gzip: truncated extra field");
    const size_t xlen = bytes[pos] | (bytes[pos + 1] << 8);
    pos += 2;
    if (end - pos < xlen) throw Error("gzip: truncated extra field");
    pos += xlen;
  }
  for (uint8_t zero_terminated : {uint8_t{0x08}, uint8_t{0x10}}) {  // FNAME, FCOMMENT
    if (!(flags & zero_terminated)) continue;
    while (pos < end && bytes[pos] != 0) ++pos;
    if (pos == end) throw Error("gzip: unterminated file name or comment in the header");
    ++pos;
  }
  if (flags & 0x02) {  // FHCRC
    if (end - pos < 2) throw Error("gzip: truncated header CRC");
    pos += 2;
  }
  if (!inflater) inflater = native_inflater();
  if (!inflater) throw Error("gzip: no inflater is available in this build");
  const uint32_t want_crc = le32(bytes + end), want_len = le32(bytes + end + 4);
  std::vector<uint8_t> out = inflater->inflate_raw(bytes + pos, end - pos, max_out);
  if (out.size() == max_out && static_cast<uint32_t>(max_out) != want_len)
    throw Error("gzip: the content is larger than the limit of " + std::to_string(max_out) + " bytes");
  if (static_cast<uint32_t>(out.size()) != want_len)
    throw Error("gzip: the content is " + std::to_string(out.size()) + " bytes, the trailer says " +
                std::to_string(want_len) + " (truncated or corrupt file)");
  if (crc32(out.data(), out.size()) != want_crc) throw Error("gzip: CRC-32 mismatch (corrupt file)");
  return out;
}

IdxArray read_idx(const std::vector<uint8_t>& bytes, Inflater* inflater) {
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) {
    const std::vector<uint8_t> raw = gunzip(bytes.data(), bytes.size(), inflater);
    return parse_idx(raw.data(), raw.size());
  }
  return parse_idx(bytes.data(), bytes.size());
}

}  // namespace qp::io
