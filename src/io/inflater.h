// Raw DEFLATE decompression (RFC 1951) as a host service: zip members of .npz and .pt files may
// be deflated. We do not write inflate by hand: natively the core links zlib; in the browser and
// in Node the bindings pass a callback backed by fflate (a small, well-kept, synchronous inflate
// that runs inside the Worker's synchronous read path).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qp::io {

class Inflater {
 public:
  virtual ~Inflater() = default;
  // Decompresses `src` (raw deflate, no zlib/gzip header) and returns at most `max_out` bytes of
  // output. `src` may be a prefix of the stream when only the start of the output is wanted (a
  // header); then fewer than max_out bytes may come back. Throws qp::Error on corrupt data.
  virtual std::vector<uint8_t> inflate_raw(const uint8_t* src, size_t n, size_t max_out) = 0;
};

// zlib-backed inflater, available in native builds (nullptr in WebAssembly builds, where the
// bindings provide one).
Inflater* native_inflater();

}  // namespace qp::io
