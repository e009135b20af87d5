// dataset_idx.h: IDX images + labels → Dataset.
#include "nn/dataset_idx.h"

#include <string>

#include "core/error.h"
#include "io/idx.h"

namespace qp::nn {

Dataset dataset_from_idx(const std::vector<uint8_t>& images, const std::vector<uint8_t>& labels,
                         io::Inflater* inflater) {
  io::IdxArray img, lab;
  try {
    img = io::read_idx(images, inflater);
  } catch (const Error& e) {
    throw Error(std::string("images: ") + e.what());
  }
  try {
    lab = io::read_idx(labels, inflater);
  } catch (const Error& e) {
    throw Error(std::string("labels: ") + e.what());
  }
  if (img.type != io::IdxType::UInt8 || img.dims.size() != 3)
    throw Error(std::string("images: expected a 3-d ubyte IDX array (count × height × width), got ") +
                std::to_string(img.dims.size()) + "-d " + io::idx_type_name(img.type));
  if (lab.dims.size() != 1 || lab.type == io::IdxType::Float32 || lab.type == io::IdxType::Float64)
    throw Error(std::string("labels: expected a 1-d integer IDX array, got ") + std::to_string(lab.dims.size()) +
                "-d " + io::idx_type_name(lab.type));
  if (lab.count != img.dims[0])
    throw Error("labels: " + std::to_string(lab.count) + " labels for " + std::to_string(img.dims[0]) + " images");
  Dataset d;
  d.sample = ActShape{1, img.dims[1], img.dims[2]};
  d.count = img.dims[0];
  d.inputs.resize(img.count);
  for (size_t i = 0; i < img.count; ++i) d.inputs[i] = static_cast<float>(img.data[i]) / 255.0f;
  d.labels.resize(lab.count);
  for (size_t i = 0; i < lab.count; ++i) {
    const double v = lab.value(i);
    if (v < 0) throw Error("labels: label " + std::to_string(i) + " is negative (" + std::to_string(v) + ")");
    d.labels[i] = static_cast<int32_t>(v);
  }
  return d;
}

}  // namespace qp::nn
