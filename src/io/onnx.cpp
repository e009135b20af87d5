// STUB: replaced by the real reader.
#include "io/onnx.h"

#include "core/error.h"

namespace qp::io {

Model open_onnx(std::shared_ptr<ByteSource> file, const std::vector<std::shared_ptr<ByteSource>>&) {
  throw Error(file->name() + ": reading onnx files is not implemented yet");
}

}  // namespace qp::io
