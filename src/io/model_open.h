// Opens whatever the user dropped: recognises the format from the bytes (and the name where the
// bytes cannot tell, e.g. ONNX) and hands the files to the right reader.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "io/model.h"

namespace qp::io {

// "safetensors", "safetensors-index", "npy", "npz", "pytorch", "gguf", "onnx" or "" (unknown).
std::string sniff_format(ByteSource& file);

// `files`: one file, or one model and its companions (safetensors shards and index, ONNX external
// data). Throws qp::Error with a message naming the file when nothing can be listed.
Model open_model(const std::vector<std::shared_ptr<ByteSource>>& files, Inflater* inflater = nullptr);

// A lone .npy file as a one-tensor model (name = file name without ".npy").
Model open_npy(std::shared_ptr<ByteSource> file);

}  // namespace qp::io
