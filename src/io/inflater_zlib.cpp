// Native raw-DEFLATE via zlib (see inflater.h for why the host provides inflate).
#include "io/inflater.h"

#ifdef QP_HAVE_ZLIB
#include <zlib.h>

#include <algorithm>

#include "core/error.h"

namespace qp::io {
namespace {

class ZlibInflater final : public Inflater {
 public:
  std::vector<uint8_t> inflate_raw(const uint8_t* src, size_t n, size_t max_out) override {
    z_stream zs{};
    if (inflateInit2(&zs, -15) != Z_OK) throw Error("zlib: cannot initialise inflate");
    // Grow the output as data arrives instead of allocating max_out up front: max_out comes from
    // the zip directory, which a malformed file can set to 4 GB over a few compressed bytes.
    std::vector<uint8_t> out(std::min<size_t>(max_out, 65536 + 4 * n));
    zs.next_in = const_cast<Bytef*>(src);
    size_t in_left = n, produced = 0;
    int rc = Z_OK;
    // zlib counts in uInt: feed and drain in chunks so members over 4 GB work.
    while (rc == Z_OK && produced < max_out) {
      if (produced == out.size()) out.resize(std::min<size_t>(max_out, out.size() * 2));
      const uInt in_chunk = static_cast<uInt>(in_left < (1u << 30) ? in_left : (1u << 30));
      const size_t out_room = out.size() - produced;
      const uInt out_chunk = static_cast<uInt>(out_room < (1u << 30) ? out_room : (1u << 30));
      zs.next_in = const_cast<Bytef*>(src + (n - in_left));
      zs.avail_in = in_chunk;
      zs.next_out = out.data() + produced;
      zs.avail_out = out_chunk;
      rc = inflate(&zs, Z_NO_FLUSH);
      in_left -= in_chunk - zs.avail_in;
      produced += out_chunk - zs.avail_out;
      if (rc == Z_BUF_ERROR && in_left == 0) break;  // a prefix of the stream: return what we have
      if (rc == Z_BUF_ERROR) rc = Z_OK;
    }
    inflateEnd(&zs);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      throw Error(std::string("corrupt compressed data (zlib: ") + (zs.msg ? zs.msg : "error") + ")");
    }
    out.resize(produced);
    return out;
  }
};

}  // namespace

Inflater* native_inflater() {
  static ZlibInflater inflater;
  return &inflater;
}

}  // namespace qp::io

#else

namespace qp::io {
Inflater* native_inflater() { return nullptr; }
}  // namespace qp::io

#endif
