// PyTorch checkpoints (.pt/.pth, the zip format of torch.save), read WITHOUT executing pickle.
#pragma once
#include <memory>

#include "io/model.h"

namespace qp::io {

Model open_pytorch(std::shared_ptr<ByteSource> file, Inflater* inflater);

}  // namespace qp::io

namespace qp::io {

// True when `file` is a zip archive with a "<archive>/data.pkl" member (torch.save's layout).
bool looks_like_pytorch_zip(ByteSource& file);

}  // namespace qp::io
