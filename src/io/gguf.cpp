// STUB: replaced by the real reader.
#include "io/gguf.h"

#include "core/error.h"

namespace qp::io {

Model open_gguf(std::shared_ptr<ByteSource> file) {
  throw Error(file->name() + ": reading gguf files is not implemented yet");
}

}  // namespace qp::io
