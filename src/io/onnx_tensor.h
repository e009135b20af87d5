// One ONNX TensorProto (an initializer) turned into a TensorEntry that points at its bytes:
// raw_data, a packed typed field (float_data, int32_data, ...) or an external data file. Nothing
// of the tensor's data is copied; a tensor that cannot be read gets a `problem` instead of
// stopping the listing.
#pragma once
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "io/model.h"
#include "io/protobuf_wire.h"

namespace qp::io {

// The companion files the user selected, added to Model::files the first time a tensor uses one.
class OnnxExternalFiles {
 public:
  OnnxExternalFiles(Model& model, std::vector<std::shared_ptr<ByteSource>> companions)
      : model_(model), companions_(std::move(companions)) {}
  // Index into Model::files of the companion called `name`, or -1 (and one warning per missing
  // file) when the user did not select it.
  int64_t find(const std::string& name);

 private:
  Model& model_;
  std::vector<std::shared_ptr<ByteSource>> companions_;
  std::vector<int64_t> file_index_;  // per companion, -1 until used
  std::set<std::string> warned_;
};

// Parses the TensorProto at `tensor` (model.files[0]) into an entry already checked with
// check_entry.
TensorEntry parse_onnx_tensor(const pb::MessageCursor& tensor, Model& model, OnnxExternalFiles& external);

}  // namespace qp::io
