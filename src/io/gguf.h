// GGUF (llama.cpp / ggml) files, versions 2 and 3: metadata and tensor infos.
#pragma once
#include <memory>

#include "io/model.h"

namespace qp::io {

Model open_gguf(std::shared_ptr<ByteSource> file);

}  // namespace qp::io
