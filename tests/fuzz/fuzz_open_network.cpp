// libFuzzer target for the network importer (nn/onnx_import.h open_network): the first byte picks
// the file name, and so the path (0 → model.onnx, the ONNX importer; 1 → model.safetensors,
// 2 → model.pt, 3 → model.npz: a state dict read by network_from_model), the other bytes are the
// file. A network that imports is then run: the float engine, one forward of a zero input.
// Any qp::Error is a correct refusal; a crash, a sanitizer report, a leak, a hang or an allocation
// over libFuzzer's -malloc_limit_mb is a bug. Built by CMake with -DQP_FUZZ=ON; run by
// scripts/fuzz.mjs, which prefixes each seed with its selector byte.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/error.h"
#include "io/byte_source.h"
#include "io/inflater.h"
#include "nn/engine.h"
#include "nn/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* const kNames[] = {"model.onnx", "model.safetensors", "model.pt", "model.npz"};
  auto file = std::make_shared<qp::io::MemorySource>(kNames[data[0] & 3], std::vector<uint8_t>(data + 1, data + size));
  try {
    const qp::nn::ImportedNetwork imported = qp::nn::open_network({file}, qp::io::native_inflater());
    const qp::nn::Network& net = imported.network;
    auto engine = qp::nn::make_engine(net, qp::nn::EngineOptions{});
    std::vector<float> x(net.input.size(), 0.0f), logits(engine->num_classes());
    engine->forward(x.data(), 1, logits.data());
  } catch (const qp::Error&) {
  }
  return 0;
}
