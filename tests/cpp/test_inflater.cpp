#include "test_inflater.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>

#include <cstdlib>

#include "core/error.h"

// Returns a malloc'ed buffer (caller frees) and writes its length; -1 length on error.
EM_JS(uint8_t*, qp_test_node_inflate, (const uint8_t* src, size_t n, size_t max_out, int* out_len), {
  try {
    const zlib = require('zlib');
    const input = HEAPU8.slice(src, src + n);
    let out;
    try {
      out = zlib.inflateRawSync(input, { maxOutputLength: Math.max(1, max_out) });
    } catch (e) {
      // A prefix of a stream: inflate what is there.
      if (e.code === 'Z_BUF_ERROR' || e.code === 'ERR_BUFFER_TOO_LARGE') {
        out = zlib.inflateRawSync(input, { finishFlush: zlib.constants.Z_SYNC_FLUSH,
                                           maxOutputLength: Math.max(1, max_out) });
      } else throw e;
    }
    if (out.length > max_out) out = out.subarray(0, max_out);
    const p = _malloc(Math.max(1, out.length));
    HEAPU8.set(out, p);
    HEAP32[out_len >> 2] = out.length;
    return p;
  } catch (e) {
    HEAP32[out_len >> 2] = -1;
    return 0;
  }
});

namespace qp::test {
namespace {

class NodeInflater final : public io::Inflater {
 public:
  std::vector<uint8_t> inflate_raw(const uint8_t* src, size_t n, size_t max_out) override {
    int len = 0;
    uint8_t* p = qp_test_node_inflate(src, n, max_out, &len);
    if (len < 0) throw Error("corrupt compressed data");
    std::vector<uint8_t> out(p, p + len);
    std::free(p);
    return out;
  }
};

}  // namespace

io::Inflater* inflater() {
  static NodeInflater node;
  return &node;
}

}  // namespace qp::test

#else

namespace qp::test {
io::Inflater* inflater() { return io::native_inflater(); }
}  // namespace qp::test

#endif
