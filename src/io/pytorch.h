// PyTorch checkpoints (.pt/.pth, the zip format of torch.save), read WITHOUT executing pickle:
// data.pkl goes through the restricted unpickler (pickle.h), which refuses any callable outside
// its allow-list, and tensors point straight into their stored storage members.
#pragma once
#include <memory>

#include "io/model.h"

namespace qp::io {

// Lists every tensor reachable from the saved object (a state_dict, a nested checkpoint dict,
// lists of tensors); primitive values become metadata ("epoch" -> "3"), other objects warnings.
// Throws qp::Error naming the file on a refused pickle or an unusable archive.
Model open_pytorch(std::shared_ptr<ByteSource> file, Inflater* inflater);

// True when `file` is a zip archive with a "<archive>/data.pkl" member (torch.save's layout).
bool looks_like_pytorch_zip(ByteSource& file);

}  // namespace qp::io
