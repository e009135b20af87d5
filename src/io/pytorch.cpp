// STUB: replaced by the real reader.
#include "io/pytorch.h"

#include "core/error.h"

namespace qp::io {

Model open_pytorch(std::shared_ptr<ByteSource> file, Inflater*) {
  throw Error(file->name() + ": reading pytorch files is not implemented yet");
}

}  // namespace qp::io

namespace qp::io {
bool looks_like_pytorch_zip(ByteSource&) { return false; }
}  // namespace qp::io
