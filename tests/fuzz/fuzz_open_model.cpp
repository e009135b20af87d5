// libFuzzer target: the bytes become one file named QP_FUZZ_NAME (the name picks the reader where
// the bytes cannot, e.g. .onnx), which is opened and every tensor read. Any qp::Error is a correct
// refusal; a crash, a sanitizer report, a leak, a hang or an allocation over libFuzzer's
// -malloc_limit_mb is a bug. Built by CMake with -DQP_FUZZ=ON; run by scripts/fuzz.mjs.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/error.h"
#include "io/model_open.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = std::make_shared<qp::io::MemorySource>(QP_FUZZ_NAME, std::vector<uint8_t>(data, data + size));
  try {
    const qp::io::Model model = qp::io::open_model({file}, qp::io::native_inflater());
    for (size_t i = 0; i < model.tensors.size(); ++i) {
      try {
        (void)qp::io::read_tensor_f32(model, i, qp::io::native_inflater());
      } catch (const qp::Error&) {
      }
    }
  } catch (const qp::Error&) {
  }
  return 0;
}
