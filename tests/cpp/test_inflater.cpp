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
    // Z_SYNC_FLUSH as the finishing flush: a prefix of a stream inflates to what it holds
    // instead of failing; the result is then cut to max_out.
    const out0 = zlib.inflateRawSync(input, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    let out = out0;
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
