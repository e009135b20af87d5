// STUB
#include "io/safetensors.h"

#include "core/error.h"

namespace qp::io {

Model open_safetensors(const std::vector<std::shared_ptr<ByteSource>>& files) {
  throw Error(files.at(0)->name() + ": not implemented yet");
}

std::vector<uint8_t> encode_safetensors(const std::vector<SafetensorsTensor>&,
                                        const std::vector<std::pair<std::string, std::string>>&) {
  throw Error("not implemented yet");
}

}  // namespace qp::io
