#include "nn/dataset_open.h"

#include <string>

#include "core/error.h"
#include "io/model_open.h"
#include "nn/dataset_files.h"
#include "nn/dataset_idx.h"

namespace qp::nn {

namespace {
// Datasets are read whole; 2 GiB is far beyond any test set that fits in memory anyway.
constexpr uint64_t kMaxDataFile = uint64_t(2) << 30;

bool is_idx_or_gzip(io::ByteSource& f) {
  const std::vector<uint8_t> head = f.read_at_most(0, 4);
  if (head.size() >= 2 && head[0] == 0x1f && head[1] == 0x8b) return true;  // gzip (IDX as distributed)
  return head.size() == 4 && head[0] == 0 && head[1] == 0 && head[2] >= 0x08 && head[3] >= 1;
}
}  // namespace

Dataset dataset_from_files(const std::vector<std::shared_ptr<io::ByteSource>>& files, io::Inflater* inflater,
                           std::optional<ActShape> network_input) {
  if (files.empty() || files.size() > 2)
    throw Error("test data is one .npz file (inputs and labels), or two files: inputs and labels as .npy, or IDX "
                "images and labels (.gz or not); got " + std::to_string(files.size()) + " files");
  if (files.size() == 1) {
    const std::string format = io::sniff_format(*files[0]);
    if (format == "npz") return dataset_from_npz(files[0], inflater, network_input);
    if (format == "npy") return dataset_from_npy(files[0], nullptr, network_input);  // no labels: predictions only
    throw Error(files[0]->name() + ": not a .npz or .npy file; IDX data needs the images and the labels file together");
  }
  // The labels file is the smaller one.
  const bool first_is_labels = files[0]->size() < files[1]->size();
  const auto& inputs = files[first_is_labels ? 1 : 0];
  const auto& labels = files[first_is_labels ? 0 : 1];
  if (is_idx_or_gzip(*inputs) && is_idx_or_gzip(*labels)) {
    Dataset d = dataset_from_idx(io::read_all(*inputs, kMaxDataFile), io::read_all(*labels, kMaxDataFile), inflater);
    if (network_input && d.sample.size() == network_input->size()) d.sample = *network_input;
    return d;
  }
  if (io::sniff_format(*inputs) == "npy" && io::sniff_format(*labels) == "npy")
    return dataset_from_npy(inputs, labels, network_input);
  throw Error(inputs->name() + " and " + labels->name() +
              ": two files must both be .npy (inputs, labels) or both IDX (images, labels)");
}

}  // namespace qp::nn
