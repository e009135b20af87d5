// ONNX graph → Network. The graph is walked from its input along the only consumer of each value;
// each node becomes a layer, changes the last layer (a bias Add, a BatchNormalization) or passes
// the value on (Identity, Dropout). Constants (initializers and Constant nodes) are read with
// io::read_tensor_f32, so raw_data, typed fields and external data all work.
#include "nn/onnx_import.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "io/model_open.h"
#include "io/onnx.h"
#include "nn/onnx_import_graph.h"
#include "nn/onnx_import_shapes.h"

namespace qp::nn {

namespace {

// Default-domain operators the importer translates (Constant only as a value holder).
const std::set<std::string>& supported_ops() {
  static const std::set<std::string> ops = {
      "Add", "AveragePool", "BatchNormalization", "Constant", "Conv", "Dropout", "Flatten", "Gemm",
      "GlobalAveragePool", "Identity", "LogSoftmax", "MatMul", "MaxPool", "Pad", "Relu", "Reshape", "Softmax"};
  return ops;
}

std::string strip_suffix(const std::string& s, const std::string& suffix) {
  if (s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0)
    return s.substr(0, s.size() - suffix.size());
  return s;
}

// torch.onnx names nodes after their module path: "/features/conv1/Conv" → "features.conv1".
// Other names are kept as they are.
std::string module_path(const std::string& node_name) {
  const size_t last = node_name.rfind('/');
  if (node_name.size() < 2 || node_name[0] != '/' || last == 0 || last == std::string::npos) return node_name;
  std::string path = node_name.substr(1, last - 1);
  std::replace(path.begin(), path.end(), '/', '.');
  return path;
}

// Windows, steps and padding beyond any image size: refused before they reach size arithmetic.
constexpr int64_t kMaxWindow = 1 << 16;

class Importer {
 public:
  Importer(io::Model& model, const OnnxGraph& graph, std::string file_name)
      : model_(model), graph_(graph), file_(std::move(file_name)) {
    for (size_t i = 0; i < model_.tensors.size(); ++i) constants_.emplace(model_.tensors[i].name, i);
    // torch.onnx passes some parameters through Identity nodes (BatchNorm1d's weight and bias):
    // their outputs are constants too. Nodes are in topological order, so one pass suffices.
    constant_node_.assign(graph_.nodes.size(), false);
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      const OnnxNode& n = graph_.nodes[i];
      if (n.op_type == "Constant") constant_node_[i] = true;
      if (n.op_type != "Identity" || n.inputs.size() != 1 || n.outputs.size() != 1) continue;
      const auto it = constants_.find(n.inputs[0]);
      if (it == constants_.end()) continue;
      constants_.emplace(n.outputs[0], it->second);
      constant_node_[i] = true;
    }
    ShapeValues::Hooks hooks;
    hooks.is_constant = [this](const std::string& name) { return is_constant(name); };
    hooks.constant = [this](const OnnxNode& n, const std::string& name) { return constant_ints(n, name); };
    hooks.shape_of = [this](const OnnxNode& n, const std::string& name) { return onnx_shape(n, name); };
    hooks.fail = [this](const OnnxNode& n, const std::string& what) { fail(n, what); };
    shapes_ = std::make_unique<ShapeValues>(graph_, std::move(hooks));
  }

  ImportedNetwork run(const std::string& net_name) {
    check_operators();
    net_.name = net_name;
    const std::string input = graph_input();
    const std::string output = graph_output();
    std::map<std::string, std::vector<size_t>> consumers;
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      if (shapes_->is_shape_node(i)) continue;  // Shape reads a value's shape, not its data
      for (const std::string& in : graph_.nodes[i].inputs) {
        if (!in.empty() && !constants_.count(in)) consumers[in].push_back(i);
      }
    }
    std::vector<bool> visited(graph_.nodes.size(), false);
    std::string value = input;
    while (value != output) {
      const auto it = consumers.find(value);
      if (it == consumers.end())
        fail("value '" + value + "' is not used by any node and is not the graph output '" + output + "'");
      if (it->second.size() > 1) {
        std::string names;
        for (size_t k : it->second) names += (names.empty() ? "'" : ", '") + graph_.nodes[k].name + "'";
        fail("the graph is not a chain: value '" + value + "' feeds " + std::to_string(it->second.size()) +
             " nodes (" + names + ")");
      }
      const size_t index = it->second[0];
      if (visited[index]) fail("the graph has a cycle through node '" + graph_.nodes[index].name + "'");
      visited[index] = true;
      const OnnxNode& node = graph_.nodes[index];
      check_outputs(node, consumers, output);
      chain_values_[value] = {net_.layers.size(), rank_};
      translate(node, value, output);
      const std::string& op = node.op_type;
      if (op == "Gemm" || op == "MatMul" || op == "Flatten" || op == "Reshape") rank_ = 2;
      value = node.outputs[0];
    }
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      const OnnxNode& n = graph_.nodes[i];
      // Shape computations nobody uses are dead code, harmless.
      if (!visited[i] && !constant_node_[i] && !shapes_->is_shape_node(i))
        fail("node '" + n.name + "' (" + n.op_type + ") is not on the path from the input to the output");
    }
    if (net_.layers.empty()) fail("the graph has no layers");
    check_shapes();
    return {std::move(net_), std::move(warnings_)};
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(file_ + ": " + what); }
  [[noreturn]] void fail(const OnnxNode& n, const std::string& what) const {
    fail("node '" + n.name + "' (" + n.op_type + "): " + what);
  }

  // Every operator the graph uses (subgraphs included) that has no translation, with counts.
  // Gather, Unsqueeze, Squeeze, Concat and Cast count as supported only where they compute a shape.
  void check_operators() const {
    std::map<std::string, int64_t> shape_uses;
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      if (shapes_->is_shape_node(i)) ++shape_uses[graph_.nodes[i].op_type];
    }
    std::string bad;
    for (const io::OpCount& op : model_.graph.op_counts) {
      if (supported_ops().count(op.op_type)) continue;
      const auto uses = shape_uses.find(op.op_type);
      const int64_t count = op.count - (uses == shape_uses.end() ? 0 : uses->second);
      if (count <= 0) continue;
      bad += (bad.empty() ? "" : ", ") + op.op_type + " ×" + std::to_string(count);
    }
    if (bad.empty()) return;
    std::string ok;
    for (const std::string& s : supported_ops()) ok += (ok.empty() ? "" : ", ") + s;
    ok += "; Shape, and Gather, Unsqueeze, Squeeze, Concat, Cast on shapes";
    fail("unsupported ONNX operators: " + bad + " (supported: " + ok + ")");
  }

  // The one non-constant graph input gives the per-sample shape: [N, F], [N, H, W] or
  // [N, C, H, W] with N symbolic or 1.
  std::string graph_input() {
    const OnnxValueInfo* in = nullptr;
    size_t count = 0;
    for (const OnnxValueInfo& v : graph_.inputs) {
      if (constants_.count(v.name)) continue;
      in = &v;
      ++count;
    }
    if (count != 1) fail("the graph has " + std::to_string(count) + " inputs besides its weights; one is needed");
    if (in->elem_type != 0 && in->elem_type != 1)
      fail("input '" + in->name + "' is not float32 (ONNX type " + std::to_string(in->elem_type) + ")");
    const std::vector<int64_t>& d = in->dims;
    auto dims_text = [&d] {
      std::string s;
      for (int64_t x : d) s += (s.empty() ? "" : ", ") + (x < 0 ? std::string("?") : std::to_string(x));
      return "[" + s + "]";
    };
    if (!in->has_shape || d.size() < 2 || d.size() > 4)
      fail("input '" + in->name + "' has shape " + (in->has_shape ? dims_text() : "(none)") +
           "; [N, features], [N, H, W] or [N, C, H, W] is needed");
    if (d[0] != -1 && d[0] != 1)
      fail("input '" + in->name + "' has batch dimension " + std::to_string(d[0]) + "; it must be 1 or symbolic");
    // One sample of at most 2^28 values (1 GiB as float32) keeps every size product in range.
    uint64_t values = 1;
    for (size_t i = 1; i < d.size(); ++i) {
      if (d[i] <= 0) fail("input '" + in->name + "' has shape " + dims_text() + "; all but the batch dimension must be fixed");
      if (d[i] > (1 << 28) || (values *= static_cast<uint64_t>(d[i])) > (1u << 28))
        fail("input '" + in->name + "' has shape " + dims_text() + ", more than 2^28 values per sample");
    }
    const auto u = [&d](size_t i) { return static_cast<size_t>(d[i]); };
    rank_ = d.size();
    if (d.size() == 2) net_.input = {u(1), 1, 1};
    else if (d.size() == 3) net_.input = {1, u(1), u(2)};
    else net_.input = {u(1), u(2), u(3)};
    return in->name;
  }

  std::string graph_output() const {
    if (graph_.outputs.size() != 1)
      fail("the graph has " + std::to_string(graph_.outputs.size()) + " outputs; one (the logits) is needed");
    return graph_.outputs[0].name;
  }

  // Extra outputs (Dropout's mask, MaxPool's indices, BatchNormalization's running statistics)
  // must go nowhere.
  void check_outputs(const OnnxNode& n, const std::map<std::string, std::vector<size_t>>& consumers,
                     const std::string& output) const {
    if (n.outputs.empty() || n.outputs[0].empty()) fail(n, "has no output");
    for (size_t k = 1; k < n.outputs.size(); ++k) {
      const std::string& o = n.outputs[k];
      if (!o.empty() && (consumers.count(o) || o == output))
        fail(n, "its output " + std::to_string(k) + " ('" + o + "') is used; only the first output may be");
    }
  }

  bool is_constant(const std::string& name) const { return constants_.count(name) > 0; }

  io::TensorData constant(const OnnxNode& n, const std::string& name) const {
    const auto it = constants_.find(name);
    if (it == constants_.end()) fail(n, "input '" + name + "' must be a constant (an initializer)");
    return io::read_tensor_f32(model_, it->second);
  }

  // An integer constant (shapes, indices), read through float32 like every tensor: exact for the
  // small values these hold; anything that is not a whole number below 2^53 is refused.
  std::vector<int64_t> constant_ints(const OnnxNode& n, const std::string& name) const {
    std::vector<int64_t> out;
    for (float x : constant(n, name).values) {
      if (!(std::fabs(x) < 9.0e15f) || x != std::floor(x)) fail(n, "input '" + name + "' holds a value that is not an integer");
      out.push_back(static_cast<int64_t>(x));
    }
    return out;
  }

  // The input that carries the chain's value must be `slot`; every other given input a constant.
  void check_inputs(const OnnxNode& n, const std::string& value, size_t slot) const {
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const std::string& in = n.inputs[k];
      if (k == slot) {
        if (in != value) fail(n, "takes the network's value as input " + std::to_string(k) + ", expected " + std::to_string(slot));
      } else if (!in.empty() && !is_constant(in) && !shapes_->is_shape_value(in)) {
        fail(n, "combines two computed values ('" + value + "' and '" + in +
                    "'); only chains are supported (no residual connections or concatenations)");
      }
    }
  }

  std::vector<int64_t> ints(const OnnxNode& n, const char* attr, std::vector<int64_t> fallback) const {
    const OnnxAttribute* a = n.attribute(attr);
    return a ? a->ints : fallback;
  }

  void translate(const OnnxNode& n, const std::string& value, const std::string& output) {
    const std::string& op = n.op_type;
    const bool keeps_fold = op == "Identity" || op == "Dropout" || op == "Pad";
    if (op == "Add") {
      const size_t slot = n.inputs.size() == 2 && n.inputs[1] == value ? 1 : 0;
      check_inputs(n, value, slot);
      if (n.inputs.size() != 2) fail(n, "needs two inputs");
      add_bias(n, constant(n, n.inputs[1 - slot]));
      return;
    }
    if (op != "MatMul" && op != "Gemm" && op != "Conv") check_inputs(n, value, 0);
    if (op == "Gemm") gemm(n, value);
    else if (op == "MatMul") matmul(n, value);
    else if (op == "Conv") conv(n, value);
    else if (op == "BatchNormalization") batch_norm(n);
    else if (op == "Relu") push(LayerKind::Relu, n);
    else if (op == "MaxPool" || op == "AveragePool") pool(n);
    else if (op == "GlobalAveragePool") push(LayerKind::GlobalAvgPool, n);
    else if (op == "Flatten") flatten(n);
    else if (op == "Reshape") reshape(n);
    else if (op == "Softmax" || op == "LogSoftmax") softmax(n, output);
    else if (op == "Pad") zero_pad(n);
    else if (op == "Dropout" || op == "Identity") {}
    else fail(n, "cannot be part of the chain");  // Constant fed by the chain: not a real graph
    if (!keeps_fold && op != "Gemm" && op != "MatMul" && op != "Conv") fold_target_ = -1;
  }

  Layer& push(LayerKind kind, const OnnxNode& n) {
    Layer l;
    l.kind = kind;
    l.name = n.name;
    net_.layers.push_back(std::move(l));
    return net_.layers.back();
  }

  // A weighted layer's name: its weight's state-dict prefix ("fc1.weight" → "fc1") when the
  // exporter kept it, else the node's name; made unique.
  std::string layer_name(const OnnxNode& n, const std::string& weight) {
    std::string base = strip_suffix(weight, ".weight");
    if (base == weight || base.find("::") != std::string::npos) base = module_path(n.name);
    std::string name = base;
    for (int k = 2; used_names_.count(name); ++k) name = base + "_" + std::to_string(k);
    used_names_.insert(name);
    return name;
  }

  void push_weighted(LayerKind kind, const OnnxNode& n, const std::string& weight_name, size_t in, size_t out) {
    if (in == 0 || out == 0) fail(n, "has an empty weight (" + std::to_string(out) + " outputs, " + std::to_string(in) + " inputs)");
    Layer& l = push(kind, n);
    l.name = layer_name(n, weight_name);
    l.in = in;
    l.out = out;
    fold_target_ = static_cast<int64_t>(net_.layers.size() - 1);
  }

  // Gemm: Y = alpha·A·op(B) + beta·C with op(B) = B (transB 0, B is [in, out]) or Bᵀ (transB 1,
  // B is [out, in], nn.Linear's layout). alpha and beta are folded into the weight and the bias.
  void gemm(const OnnxNode& n, const std::string& value) {
    check_inputs(n, value, 0);
    check_rank2(n);
    if (n.inputs.size() < 2) fail(n, "needs the weight input B");
    if (n.int_attr("transA", 0) != 0) fail(n, "transA = 1 is not supported (the input must be [N, in])");
    const int64_t trans_b = n.int_attr("transB", 0);
    const float alpha = n.float_attr("alpha", 1.0f), beta = n.float_attr("beta", 1.0f);
    const io::TensorData b = constant(n, n.inputs[1]);
    if (b.shape.size() != 2) fail(n, "weight B has shape " + shape_to_string(b.shape) + "; 2-D is needed");
    const auto r = static_cast<size_t>(b.shape[0]), c = static_cast<size_t>(b.shape[1]);
    const size_t out = trans_b ? r : c, in = trans_b ? c : r;
    push_weighted(LayerKind::Linear, n, n.inputs[1], in, out);
    Layer& l = net_.layers.back();
    l.weight = trans_b ? b.values : transpose(b.values, r, c);
    if (alpha != 1.0f) for (float& w : l.weight) w *= alpha;
    l.bias.assign(out, 0.0f);
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      io::TensorData bias = constant(n, n.inputs[2]);
      if (beta != 1.0f) for (float& v : bias.values) v *= beta;
      add_bias(n, bias);
    }
  }

  // MatMul with a constant [in, out] right operand: a Linear without bias (an Add may follow).
  void matmul(const OnnxNode& n, const std::string& value) {
    check_inputs(n, value, 0);
    check_rank2(n);
    if (n.inputs.size() != 2) fail(n, "needs two inputs");
    const io::TensorData b = constant(n, n.inputs[1]);
    if (b.shape.size() != 2) fail(n, "right operand has shape " + shape_to_string(b.shape) + "; a 2-D [in, out] matrix is needed");
    const auto in = static_cast<size_t>(b.shape[0]), out = static_cast<size_t>(b.shape[1]);
    push_weighted(LayerKind::Linear, n, n.inputs[1], in, out);
    Layer& l = net_.layers.back();
    l.weight = transpose(b.values, in, out);
    l.bias.assign(out, 0.0f);
  }

  // Gemm needs a 2-D input, and MatMul on an [N, C, H, W] value would multiply along W only: a
  // Linear takes a flattened [N, features] value (the input, or after Flatten, Reshape, a Linear).
  void check_rank2(const OnnxNode& n) const {
    if (rank_ != 2)
      fail(n, "its input has rank " + std::to_string(rank_) + "; Gemm and MatMul need a flattened [N, features] input");
  }

  static std::vector<float> transpose(const std::vector<float>& m, size_t rows, size_t cols) {
    std::vector<float> t(m.size());
    for (size_t i = 0; i < rows; ++i)
      for (size_t j = 0; j < cols; ++j) t[j * rows + i] = m[i * cols + j];
    return t;
  }

  // A constant added right after a Linear or Conv is its bias, if it broadcasts per output
  // channel: [out], [1, out] or one value for Linear; [C, 1, 1], [1, C, 1, 1] or one value for Conv.
  void add_bias(const OnnxNode& n, const io::TensorData& t) {
    if (fold_target_ < 0)
      fail(n, "adds a constant that does not directly follow a Gemm, MatMul or Conv; only a bias can be imported");
    Layer& l = net_.layers[static_cast<size_t>(fold_target_)];
    const auto out = static_cast<int64_t>(l.out);
    bool ok = t.values.size() == 1;
    const Shape& s = t.shape;
    if (l.kind == LayerKind::Linear) {
      ok = ok || s == Shape{out} || s == Shape{1, out};
    } else {
      ok = ok || s == Shape{out, 1, 1} || s == Shape{1, out, 1, 1};
    }
    if (!ok)
      fail(n, "the added constant has shape " + shape_to_string(s) + ", which is not a per-channel bias of '" +
                  l.name + "' (" + std::to_string(l.out) + " outputs)");
    for (size_t o = 0; o < l.out; ++o) l.bias[o] += t.values.size() == 1 ? t.values[0] : t.values[o];
  }

  // Conv: 2-D, square kernel, equal strides, the same zero padding on all four sides, group 1,
  // dilation 1. auto_pad must be NOTSET (explicit pads) or VALID (no padding).
  void conv(const OnnxNode& n, const std::string& value) {
    check_inputs(n, value, 0);
    if (n.inputs.size() < 2) fail(n, "needs the weight input W");
    const io::TensorData w = constant(n, n.inputs[1]);
    if (w.shape.size() != 4) fail(n, "weight has shape " + shape_to_string(w.shape) + "; only 2-D convolutions are supported");
    if (w.shape[2] != w.shape[3]) fail(n, "kernel " + shape_to_string(w.shape) + " is not square");
    const int64_t k = w.shape[2];
    check_window_attrs(n, k);
    if (n.int_attr("group", 1) != 1) fail(n, "group = " + std::to_string(n.int_attr("group", 1)) + "; only group 1 is supported");
    push_weighted(LayerKind::Conv2d, n, n.inputs[1], static_cast<size_t>(w.shape[1]), static_cast<size_t>(w.shape[0]));
    Layer& l = net_.layers.back();
    l.kernel = static_cast<size_t>(k);
    l.stride = static_cast<size_t>(ints(n, "strides", {1, 1})[0]);
    l.padding = static_cast<size_t>(ints(n, "pads", {0, 0, 0, 0})[0]);
    l.weight = w.values;
    l.bias.assign(l.out, 0.0f);
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      const io::TensorData b = constant(n, n.inputs[2]);
      if (b.values.size() != l.out) fail(n, "bias has shape " + shape_to_string(b.shape) + "; [" + std::to_string(l.out) + "] is needed");
      l.bias = b.values;
    }
  }

  // kernel_shape (if given) k×k, strides equal, pads equal on all sides, dilations 1, auto_pad
  // NOTSET or VALID. `allow_pads`: Conv only (the Network's pools have no padding).
  void check_window_attrs(const OnnxNode& n, int64_t k, bool allow_pads = true) const {
    const std::vector<int64_t> ks = ints(n, "kernel_shape", {k, k});
    if (ks.size() != 2 || ks[0] != k || ks[1] != k) fail(n, "kernel_shape must be square 2-D (k, k)");
    const std::vector<int64_t> st = ints(n, "strides", {1, 1});
    if (st.size() != 2 || st[0] != st[1] || st[0] < 1 || st[0] > kMaxWindow)
      fail(n, "strides must be 2 equal values from 1 to " + std::to_string(kMaxWindow));
    const std::vector<int64_t> pads = ints(n, "pads", {0, 0, 0, 0});
    if (pads.size() != 4 || std::count(pads.begin(), pads.end(), pads[0]) != 4 || pads[0] < 0 || pads[0] > kMaxWindow)
      fail(n, "pads must be 4 equal values (the same padding on every side)");
    if (!allow_pads && pads[0] != 0) fail(n, "padding is not supported for pooling");
    const std::vector<int64_t> dil = ints(n, "dilations", {1, 1});
    if (dil != std::vector<int64_t>{1, 1}) fail(n, "dilations other than 1 are not supported");
    const OnnxAttribute* ap = n.attribute("auto_pad");
    if (ap && ap->s != "NOTSET" && ap->s != "VALID" && !ap->s.empty())
      fail(n, "auto_pad = " + ap->s + " is not supported (use explicit pads)");
    if (ap && ap->s == "VALID" && pads[0] != 0) fail(n, "auto_pad = VALID with non-zero pads");
  }

  // BatchNormalization (inference) right after a Conv or Linear is folded into it. Per output
  // channel c, with s = γ/sqrt(var + ε):
  //   w'[c, ...] = w[c, ...]·s,   b'[c] = (b[c] − mean[c])·s + β[c]
  // s is computed in double and each product rounded once to float.
  void batch_norm(const OnnxNode& n) {
    if (fold_target_ < 0) fail(n, "does not directly follow a Conv, Gemm or MatMul, so it cannot be folded");
    if (n.inputs.size() != 5) fail(n, "needs 5 inputs (X, scale, B, mean, var)");
    if (n.int_attr("training_mode", 0) != 0) fail(n, "training_mode = 1 is not supported");
    if (n.int_attr("spatial", 1) != 1) fail(n, "spatial = 0 is not supported");
    const double eps = n.float_attr("epsilon", 1e-5f);
    Layer& l = net_.layers[static_cast<size_t>(fold_target_)];
    io::TensorData p[4];
    const char* what[4] = {"scale", "B", "mean", "var"};
    for (int i = 0; i < 4; ++i) {
      p[i] = constant(n, n.inputs[static_cast<size_t>(i) + 1]);
      if (p[i].values.size() != l.out)
        fail(n, std::string(what[i]) + " has " + std::to_string(p[i].values.size()) + " values; '" + l.name +
                    "' has " + std::to_string(l.out) + " channels");
    }
    const size_t per_channel = l.weight.size() / l.out;
    for (size_t c = 0; c < l.out; ++c) {
      const double s = p[0].values[c] / std::sqrt(static_cast<double>(p[3].values[c]) + eps);
      if (!std::isfinite(s)) fail(n, "channel " + std::to_string(c) + " has a non-finite scale γ/sqrt(var + ε)");
      for (size_t j = 0; j < per_channel; ++j) {
        float& w = l.weight[c * per_channel + j];
        w = static_cast<float>(w * s);
      }
      l.bias[c] = static_cast<float>((static_cast<double>(l.bias[c]) - p[2].values[c]) * s + p[1].values[c]);
    }
    warnings_.push_back("BatchNormalization '" + n.name + "' folded into '" + l.name + "'");
  }

  // MaxPool / AveragePool: square window, equal strides, no padding, floor mode. With no padding
  // every window lies inside the image, so AveragePool's count_include_pad changes nothing: the
  // mean is always over kernel² values.
  void pool(const OnnxNode& n) {
    const std::vector<int64_t> ks = ints(n, "kernel_shape", {});
    if (ks.size() != 2 || ks[0] != ks[1] || ks[0] < 1 || ks[0] > kMaxWindow) fail(n, "kernel_shape must be square 2-D (k, k)");
    check_window_attrs(n, ks[0], false);
    if (n.int_attr("ceil_mode", 0) != 0) fail(n, "ceil_mode = 1 is not supported");
    if (n.int_attr("storage_order", 0) != 0) fail(n, "storage_order = 1 is not supported");
    Layer& l = push(n.op_type == "MaxPool" ? LayerKind::MaxPool2d : LayerKind::AvgPool2d, n);
    l.kernel = static_cast<size_t>(ks[0]);
    l.stride = static_cast<size_t>(ints(n, "strides", {1, 1})[0]);
  }

  // torch.onnx writes F.avg_pool2d as a Pad of zeros followed by AveragePool: a Pad that adds
  // nothing is accepted as a no-op; real padding is refused (no layer of the Network pads).
  void zero_pad(const OnnxNode& n) {
    const OnnxAttribute* mode = n.attribute("mode");
    if (mode && mode->s != "constant") fail(n, "mode = " + mode->s + " is not supported");
    std::vector<float> pads;
    if (n.inputs.size() >= 2 && !n.inputs[1].empty()) pads = constant(n, n.inputs[1]).values;
    else if (const OnnxAttribute* a = n.attribute("pads")) pads.assign(a->ints.begin(), a->ints.end());
    for (float p : pads) {
      if (p != 0) fail(n, "pads a non-zero amount; only a Pad that adds nothing is supported");
    }
  }

  void flatten(const OnnxNode& n) {
    const int64_t axis = n.int_attr("axis", 1);
    if (axis != 1) fail(n, "axis = " + std::to_string(axis) + "; only axis 1 ([N, C·H·W]) is supported");
    push(LayerKind::Flatten, n);
  }

  // Reshape to [N, -1], [N, C·H·W] (N given as 1, 0 = copy or -1) is torch's x.view(x.size(0), -1).
  void reshape(const OnnxNode& n) {
    if (n.inputs.size() != 2) fail(n, "needs a shape input");
    // A constant, or computed from shapes (then the batch dimension is the symbol kBatchDim).
    std::vector<int64_t> s;
    if (shapes_->is_shape_value(n.inputs[1])) s = shapes_->evaluate(n.inputs[1]);
    else s = constant_ints(n, n.inputs[1]);
    const bool allow_zero = n.int_attr("allowzero", 0) != 0;
    const bool batch_ok =
        s.size() == 2 && (s[0] == 1 || s[0] == -1 || s[0] == kBatchDim || (s[0] == 0 && !allow_zero));
    const bool rest_ok = s.size() == 2 && (s[1] == -1 || s[1] > 0) && !(s[0] == -1 && s[1] == -1);
    if (!batch_ok || !rest_ok) {
      std::string text;
      for (int64_t v : s) text += (text.empty() ? "" : ", ") + (v == kBatchDim ? std::string("N") : std::to_string(v));
      fail(n, "reshapes to [" + text + "]; only a flatten to [N, -1] or [N, C·H·W] is supported");
    }
    push(LayerKind::Flatten, n);
    if (s[1] > 0) flat_sizes_.emplace_back(net_.layers.size() - 1, static_cast<size_t>(s[1]));
  }

  void softmax(const OnnxNode& n, const std::string& output) {
    if (n.outputs[0] != output) fail(n, "is not the last node; Softmax is only accepted at the end");
    const int64_t axis = n.int_attr("axis", -1);
    if (axis != -1 && axis != 1) fail(n, "axis = " + std::to_string(axis) + "; only the class axis (-1 or 1)");
    warnings_.push_back(n.op_type + " '" + n.name +
                        "' at the end dropped: the network returns logits (the same argmax)");
  }

  // The ONNX shape of a chain value seen earlier: [N, F], [N, H, W] or [N, C, H, W] by its rank,
  // with N the symbol kBatchDim.
  std::vector<int64_t> onnx_shape(const OnnxNode& n, const std::string& name) const {
    const auto it = chain_values_.find(name);
    if (it == chain_values_.end()) fail(n, "takes the shape of '" + name + "', which is not a value of the chain");
    const auto [layers, rank] = it->second;
    ActShape s = net_.input;
    if (layers > 0) {
      try {
        s = net_.shapes()[layers - 1];
      } catch (const Error& e) {
        fail(std::string("the imported network does not fit together: ") + e.what());
      }
    }
    const auto i = [](size_t v) { return static_cast<int64_t>(v); };
    if (rank == 2) return {kBatchDim, i(s.size())};
    if (rank == 3 && s.c == 1) return {kBatchDim, i(s.h), i(s.w)};
    if (rank == 4) return {kBatchDim, i(s.c), i(s.h), i(s.w)};
    fail(n, "takes the shape of '" + name + "', a rank-" + std::to_string(rank) + " value this importer does not track");
  }

  // The layers' shapes (Network::shapes checks every layer against its input) and the sizes
  // explicit Reshapes asked for.
  void check_shapes() const {
    std::vector<ActShape> shapes;
    try {
      shapes = net_.shapes();
    } catch (const Error& e) {
      fail(std::string("the imported network does not fit together: ") + e.what());
    }
    for (const auto& [layer, size] : flat_sizes_) {
      if (shapes[layer].size() != size)
        fail("node '" + net_.layers[layer].name + "' (Reshape) asks for " + std::to_string(size) +
             " features but its input has " + std::to_string(shapes[layer].size()));
    }
  }

  io::Model& model_;
  const OnnxGraph& graph_;
  std::string file_;
  std::map<std::string, size_t> constants_;  // name → index into model_.tensors
  Network net_;
  std::vector<std::string> warnings_;
  std::vector<bool> constant_node_;  // Constant, or Identity of a constant: off the chain
  std::set<std::string> used_names_;
  int64_t fold_target_ = -1;  // the layer whose output is the current value (bias / BN fold into it)
  size_t rank_ = 0;           // ONNX rank of the current value
  // Every value of the chain: how many layers precede it, its ONNX rank (for Shape nodes).
  std::map<std::string, std::pair<size_t, size_t>> chain_values_;
  std::unique_ptr<ShapeValues> shapes_;
  std::vector<std::pair<size_t, size_t>> flat_sizes_;  // Flatten layer from Reshape, its size
};

}  // namespace

ImportedNetwork import_onnx_network(std::shared_ptr<io::ByteSource> file,
                                    const std::vector<std::shared_ptr<io::ByteSource>>& companions) {
  io::Model model = io::open_onnx(file, companions);
  const OnnxGraph graph = read_onnx_graph(model, companions);
  Importer importer(model, graph, file->name());
  return importer.run(strip_suffix(file->name(), ".onnx"));
}

Network import_onnx_network(const std::vector<uint8_t>& onnx_bytes, const std::string& name,
                            std::vector<std::string>* warnings) {
  ImportedNetwork r = import_onnx_network(std::make_shared<io::MemorySource>(name, onnx_bytes));
  if (warnings) *warnings = std::move(r.warnings);
  return std::move(r.network);
}

ImportedNetwork open_network(const std::vector<std::shared_ptr<io::ByteSource>>& files, io::Inflater* inflater) {
  if (files.empty()) throw Error("no network file was given");
  for (size_t i = 0; i < files.size(); ++i) {
    if (io::sniff_format(*files[i]) != "onnx") continue;
    std::vector<std::shared_ptr<io::ByteSource>> companions;
    for (size_t k = 0; k < files.size(); ++k) {
      if (k != i) companions.push_back(files[k]);
    }
    return import_onnx_network(files[i], companions);
  }
  io::Inflater* inflate = inflater ? inflater : io::native_inflater();
  const io::Model model = io::open_model(files, inflate);
  const std::string& file = files[0]->name();
  const size_t dot = file.rfind('.');
  ImportedNetwork r;
  r.network = network_from_model(model, dot == std::string::npos || dot == 0 ? file : file.substr(0, dot), inflate);
  r.warnings = model.warnings;
  return r;
}

}  // namespace qp::nn
