// The user's own test data as a Dataset (nn/dataset.h): a .npy of inputs with a .npy of labels, or
// one .npz holding both. Arrays are read with the core's npy/npz readers (io/model_open.h,
// io/npz.h), so every .npy variant they accept (versions, byte orders, Fortran order, deflated
// members) works here too. IDX files (MNIST-style) have their own reader (nn/dataset_idx.h).
//
// Inputs: uint8 are pixels and are divided by 255 (as torchvision's ToTensor does, giving
// [0, 1]); float16/32/64 are used as they are (converted to float32); other types are refused.
// Labels: one class index per sample, shape [N] or [N, 1], any integer type (or floats holding
// whole numbers), 0 ≤ label < 2³¹.
// Per-sample shape, from the array's dimensions after N:
//   [N, F] → F×1×1     [N, H, W] → 1×H×W     [N, C, H, W] → C×H×W
// When the caller passes the network's input shape, it is used instead if it holds the same number
// of values and reads the same bytes: any shape for flat samples ([N, F]) or a flat network input
// (its Flatten reads C, H, W order, the array's own), and otherwise a shape
// that equals the array's once axes of size 1 are dropped ([N, 28, 28] or [N, 28, 28, 1] for
// 1×28×28). Anything else is refused with both shapes named, rather than silently reinterpreted.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/byte_source.h"
#include "io/inflater.h"
#include "nn/dataset.h"

namespace qp::nn {

// `labels` may be null: a dataset without labels (predictions only).
Dataset dataset_from_npy(std::shared_ptr<io::ByteSource> inputs, std::shared_ptr<io::ByteSource> labels,
                         std::optional<ActShape> network_input = std::nullopt);

// The array pairs looked for in a .npz, in this order (inputs, labels).
const std::vector<std::pair<std::string, std::string>>& npz_dataset_names();

// A .npz holding one of the pairs above. Throws qp::Error listing the arrays the file holds when
// none of the pairs is there. `inflater`: for deflated members (nullptr → the native one).
Dataset dataset_from_npz(std::shared_ptr<io::ByteSource> file, io::Inflater* inflater = nullptr,
                         std::optional<ActShape> network_input = std::nullopt);

// The same for files held in memory (the bindings' path); `names` appear in the error messages.
// Empty `labels` = no labels.
Dataset dataset_from_npy(const std::vector<uint8_t>& inputs, const std::string& inputs_name,
                         const std::vector<uint8_t>& labels, const std::string& labels_name,
                         std::optional<ActShape> network_input = std::nullopt);
Dataset dataset_from_npz(const std::vector<uint8_t>& file, const std::string& name, io::Inflater* inflater = nullptr,
                         std::optional<ActShape> network_input = std::nullopt);

}  // namespace qp::nn
