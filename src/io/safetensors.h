// safetensors files (Hugging Face): 8-byte little-endian header length, a JSON header mapping
// tensor names to {dtype, shape, data_offsets}, an optional "__metadata__" map of strings, then
// the data. Validation follows the format's own reader: header length bound, offsets inside the
// data section, no overlaps, no gaps, shape x dtype size == byte length.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "io/model.h"

namespace qp::io {

// The largest JSON header accepted (the format's own reader refuses more than 100 MB).
constexpr uint64_t kSafetensorsMaxHeader = 100'000'000;

// Opens one file, or several shards of one checkpoint together (`model-00001-of-00003...`),
// optionally with their `*.safetensors.index.json`; all tensors appear as one model. With an
// index, every shard it names must be among `files`, and the message lists the missing ones.
Model open_safetensors(const std::vector<std::shared_ptr<ByteSource>>& files);

// Builds a complete safetensors file (export). `tensors` name, dtype, shape and raw little-endian
// bytes; metadata goes into "__metadata__".
struct SafetensorsTensor {
  std::string name;
  DType dtype;
  Shape shape;
  std::vector<uint8_t> bytes;
};
std::vector<uint8_t> encode_safetensors(const std::vector<SafetensorsTensor>& tensors,
                                        const std::vector<std::pair<std::string, std::string>>& metadata);

}  // namespace qp::io
