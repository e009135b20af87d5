// libFuzzer target for the test-data readers (nn/dataset_open.h dataset_from_files: .npz, a .npy
// pair, an IDX pair). Input layout: byte 0 is a set of flags, bit 0: two files (else one),
// bit 1: pass the network input shape 1×28×28 (the reshaping path), bits 2–3: the names
// (0 data.npz / x.npy + y.npy, 1 x.npy / images-idx3-ubyte + labels-idx1-ubyte, 2 x.gz / x.gz +
// y.gz, 3 no extension); with two files, bytes 1–2 (little-endian) are the length of the first
// file, the rest is the second. Any qp::Error is a correct refusal; anything else is a bug.
// Built by CMake with -DQP_FUZZ=ON; run by scripts/fuzz.mjs, which builds its seeds in this layout.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/error.h"
#include "io/byte_source.h"
#include "io/inflater.h"
#include "nn/dataset_open.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  const bool two = flags & 1;
  static const char* const kOne[] = {"data.npz", "x.npy", "x.gz", "x"};
  static const char* const kFirst[] = {"x.npy", "images-idx3-ubyte", "x.gz", "a"};
  static const char* const kSecond[] = {"y.npy", "labels-idx1-ubyte", "y.gz", "b"};
  const size_t names = (flags >> 2) & 3;
  std::vector<std::shared_ptr<qp::io::ByteSource>> files;
  if (!two) {
    files.push_back(std::make_shared<qp::io::MemorySource>(kOne[names], std::vector<uint8_t>(data + 1, data + size)));
  } else {
    if (size < 3) return 0;
    const size_t first = std::min<size_t>(data[1] | size_t(data[2]) << 8, size - 3);
    const uint8_t* body = data + 3;
    files.push_back(std::make_shared<qp::io::MemorySource>(kFirst[names], std::vector<uint8_t>(body, body + first)));
    files.push_back(std::make_shared<qp::io::MemorySource>(kSecond[names],
                                                           std::vector<uint8_t>(body + first, data + size)));
  }
  std::optional<qp::nn::ActShape> input;
  if (flags & 2) input = qp::nn::ActShape{1, 28, 28};
  try {
    const qp::nn::Dataset d = qp::nn::dataset_from_files(files, qp::io::native_inflater(), input);
    // Touch what a caller reads: every input value and label.
    volatile float sink = 0;
    for (float v : d.inputs) sink = sink + v;
    for (int32_t l : d.labels) sink = sink + float(l);
    (void)sink;
  } catch (const qp::Error&) {
  }
  return 0;
}
