#include "nn/dataset_files.h"

#include <cmath>

#include "core/error.h"
#include "io/model_open.h"
#include "io/npz.h"

namespace qp::nn {

namespace {

std::string where(const io::Model& m, const io::TensorEntry& e) {
  return m.format == "npz" ? m.files[0]->name() + ": array '" + e.name + "'" : m.files[0]->name();
}

std::string shape_text(const ActShape& s) {
  return std::to_string(s.c) + "×" + std::to_string(s.h) + "×" + std::to_string(s.w);
}

bool is_integer(io::DType t) {
  using io::DType;
  return t == DType::I64 || t == DType::I32 || t == DType::I16 || t == DType::I8 || t == DType::U64 ||
         t == DType::U32 || t == DType::U16 || t == DType::U8;
}

// Dims without the axes of size 1: [1, 28, 28] and [28, 28, 1] both give [28, 28].
std::vector<size_t> squeezed(const std::vector<size_t>& dims) {
  std::vector<size_t> out;
  for (size_t d : dims) {
    if (d != 1) out.push_back(d);
  }
  return out;
}

ActShape sample_shape(const std::string& what, const Shape& shape, const std::optional<ActShape>& network_input) {
  if (shape.size() < 2 || shape.size() > 4)
    throw Error(what + " has shape " + shape_to_string(shape) +
                "; inputs must be [N, features], [N, H, W] or [N, C, H, W]");
  std::vector<size_t> dims;
  for (size_t i = 1; i < shape.size(); ++i) dims.push_back(static_cast<size_t>(shape[i]));
  ActShape own;
  if (dims.size() == 1) own = {dims[0], 1, 1};
  else if (dims.size() == 2) own = {1, dims[0], dims[1]};
  else own = {dims[0], dims[1], dims[2]};
  if (!network_input || *network_input == own) return own;
  const ActShape& net = *network_input;
  if (net.size() != own.size())
    throw Error(what + " has samples of " + shape_to_string(Shape(shape.begin() + 1, shape.end())) + " = " +
                std::to_string(own.size()) + " values, but the network takes " + shape_text(net) + " = " +
                std::to_string(net.size()));
  // Flat samples fit any network shape of their size, and a flat network input flattens in C, H, W
  // order, which is the array's own order.
  const bool net_flat = net.h == 1 && net.w == 1;
  if (dims.size() == 1 || net_flat || squeezed(dims) == squeezed({net.c, net.h, net.w})) return net;
  throw Error(what + " has samples of " + shape_to_string(Shape(shape.begin() + 1, shape.end())) +
              ", which is not the network's input " + shape_text(net) +
              " in C, H, W order (transpose the array, e.g. from N×H×W×C to N×C×H×W)");
}

void read_inputs(const io::Model& m, size_t index, io::Inflater* inflater, const std::optional<ActShape>& network_input,
                 Dataset& d) {
  const io::TensorEntry& e = m.tensors[index];
  if (!e.problem.empty()) throw Error(where(m, e) + ": " + e.problem);
  const bool pixels = e.dtype == io::DType::U8;
  if (!pixels && !io::dtype_is_float(e.dtype))
    throw Error(where(m, e) + " holds " + e.stored_type +
                " inputs; uint8 pixels (divided by 255) or floats (used as they are) are needed");
  d.sample = sample_shape(where(m, e), e.shape, network_input);
  d.count = static_cast<size_t>(e.shape[0]);
  io::TensorData t = io::read_tensor_f32(m, index, inflater);
  if (pixels) {
    for (float& v : t.values) v = v / 255.0f;  // a division, as ToTensor's div(255), not a product
  }
  d.inputs = std::move(t.values);
}

void read_labels(const io::Model& m, size_t index, io::Inflater* inflater, Dataset& d) {
  const io::TensorEntry& e = m.tensors[index];
  const std::string what = where(m, e);
  if (!e.problem.empty()) throw Error(what + ": " + e.problem);
  if (!is_integer(e.dtype) && !io::dtype_is_float(e.dtype))
    throw Error(what + " holds " + e.stored_type + " labels; integer class indices are needed");
  const bool flat = e.shape.size() == 1 || (e.shape.size() == 2 && e.shape[1] == 1);
  if (!flat)
    throw Error(what + " has shape " + shape_to_string(e.shape) +
                "; labels must be one class index per sample, [N] or [N, 1] (not one-hot)");
  if (static_cast<size_t>(e.shape[0]) != d.count)
    throw Error(what + " has " + std::to_string(e.shape[0]) + " labels for " + std::to_string(d.count) + " samples");
  // Integers above 2^24 would lose precision as float32; no class index is that large.
  const io::TensorData t = io::read_tensor_f32(m, index, inflater);
  d.labels.resize(t.values.size());
  for (size_t i = 0; i < t.values.size(); ++i) {
    const float v = t.values[i];
    if (!(v >= 0.0f) || v > 16777216.0f || v != std::floor(v))
      throw Error(what + ": label " + std::to_string(i) + " is " + std::to_string(v) +
                  "; labels must be whole numbers ≥ 0");
    d.labels[i] = static_cast<int32_t>(v);
  }
}

}  // namespace

Dataset dataset_from_npy(std::shared_ptr<io::ByteSource> inputs, std::shared_ptr<io::ByteSource> labels,
                         std::optional<ActShape> network_input) {
  Dataset d;
  const io::Model xm = io::open_npy(std::move(inputs));
  read_inputs(xm, 0, nullptr, network_input, d);
  if (labels) {
    const io::Model ym = io::open_npy(std::move(labels));
    read_labels(ym, 0, nullptr, d);
  }
  return d;
}

const std::vector<std::pair<std::string, std::string>>& npz_dataset_names() {
  static const std::vector<std::pair<std::string, std::string>> names = {
      {"x", "y"},           {"X", "y"},           {"inputs", "labels"},          {"images", "labels"},
      {"x_test", "y_test"}, {"X_test", "y_test"}, {"test_images", "test_labels"},
  };
  return names;
}

Dataset dataset_from_npz(std::shared_ptr<io::ByteSource> file, io::Inflater* inflater,
                         std::optional<ActShape> network_input) {
  if (!inflater) inflater = io::native_inflater();
  const io::Model m = io::open_npz(std::move(file), inflater);
  auto find = [&m](const std::string& name) -> int64_t {
    for (size_t i = 0; i < m.tensors.size(); ++i) {
      if (m.tensors[i].name == name) return static_cast<int64_t>(i);
    }
    return -1;
  };
  for (const auto& [x, y] : npz_dataset_names()) {
    const int64_t xi = find(x), yi = find(y);
    if (xi < 0 || yi < 0) continue;
    Dataset d;
    read_inputs(m, static_cast<size_t>(xi), inflater, network_input, d);
    read_labels(m, static_cast<size_t>(yi), inflater, d);
    return d;
  }
  std::string found, wanted;
  for (const io::TensorEntry& e : m.tensors)
    found += (found.empty() ? "" : ", ") + e.name + " " + e.stored_type + shape_to_string(e.shape);
  for (const auto& [x, y] : npz_dataset_names()) wanted += (wanted.empty() ? "" : ", ") + x + "/" + y;
  throw Error(m.files[0]->name() + ": no inputs/labels pair found; the file holds " +
              (found.empty() ? std::string("no arrays") : found) + ", and the accepted names are " + wanted);
}

Dataset dataset_from_npy(const std::vector<uint8_t>& inputs, const std::string& inputs_name,
                         const std::vector<uint8_t>& labels, const std::string& labels_name,
                         std::optional<ActShape> network_input) {
  return dataset_from_npy(std::make_shared<io::MemorySource>(inputs_name, inputs),
                          labels.empty() ? nullptr : std::make_shared<io::MemorySource>(labels_name, labels),
                          network_input);
}

Dataset dataset_from_npz(const std::vector<uint8_t>& file, const std::string& name, io::Inflater* inflater,
                         std::optional<ActShape> network_input) {
  return dataset_from_npz(std::make_shared<io::MemorySource>(name, file), inflater, network_input);
}

}  // namespace qp::nn
