#include "bindings/nn_bindings.h"

#include <cmath>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "bindings/convert.h"
#include "bindings/guard.h"
#include "bindings/js_io.h"
#include "nn/dataset_open.h"
#include "nn/onnx_import.h"
#include "core/error.h"
#include "nn/dataset.h"
#include "nn/dataset_idx.h"
#include "nn/engine.h"
#include "nn/evaluate.h"
#include "nn/gptq.h"
#include "nn/network.h"
#include "nn/train.h"
#include "quant/calibrate.h"

namespace qp::bindings {
namespace {

// One table per kind of handle; ids are never reused within a page's lifetime.
// Shared ownership: a QAT session keeps its dataset alive even if JS releases the handle.
template <class T>
struct Handles {
  std::map<int, std::shared_ptr<T>> items;
  int next = 1;
  int add(std::shared_ptr<T> item) {
    items[next] = std::move(item);
    return next++;
  }
  T& get(int id, const char* what) { return *shared(id, what); }
  std::shared_ptr<T> shared(int id, const char* what) {
    auto it = items.find(id);
    if (it == items.end()) throw Error(std::string("that ") + what + " was released");
    return it->second;
  }
};

// Quantization-aware training: a copy of the network fine-tuned in place by the trainer.
struct QatSession {
  std::unique_ptr<nn::Network> net;
  std::shared_ptr<nn::Dataset> data;
  std::unique_ptr<nn::Trainer> trainer;
};

Handles<nn::Network>& networks() { static Handles<nn::Network> h; return h; }
Handles<nn::Dataset>& datasets() { static Handles<nn::Dataset> h; return h; }
Handles<nn::Engine>& engines() { static Handles<nn::Engine> h; return h; }
Handles<QatSession>& qat_sessions() { static Handles<QatSession> h; return h; }

val ranges_js(const nn::ActivationRanges& ranges) {
  val out = val::array();
  for (const auto& [lo, hi] : ranges) {
    val r = val::array();
    r.call<void>("push", lo);
    r.call<void>("push", hi);
    out.call<void>("push", r);
  }
  return out;
}

val shape_js(const nn::ActShape& s) {
  val a = val::array();
  a.call<void>("push", s.c);
  a.call<void>("push", s.h);
  a.call<void>("push", s.w);
  return a;
}

double get_number(const val& o, const char* key, double fallback) {
  const val v = o[key];
  if (v.isUndefined() || v.isNull()) return fallback;
  if (!v.isNumber()) throw Error(std::string("option '") + key + "' must be a number");
  return v.as<double>();
}

std::vector<int32_t> int_vector(const val& v) { return emscripten::convertJSArrayToNumberVector<int32_t>(v); }

nn::EngineOptions engine_options(const val& o) {
  nn::EngineOptions opt;
  opt.mode = nn::parse_mode(get_string(o, "mode", "float"));
  opt.weights.bits = get_int(o, "bits", 8);
  opt.weights.group_size = get_int(o, "groupSize", 0);
  if (opt.weights.group_size < 0) throw Error("groupSize must be positive");
  const std::string g = get_string(o, "granularity", opt.weights.group_size ? "group" : "channel");
  if (g != "tensor" && g != "channel" && g != "group")
    throw Error("granularity must be tensor, channel or group, got '" + g + "'");
  if (g == "group" && opt.weights.group_size == 0) throw Error("granularity 'group' needs a groupSize");
  if (g != "group") opt.weights.group_size = 0;
  opt.weights.per_tensor = g == "tensor";
  const std::string scheme = get_string(o, "scheme", "symmetric");
  if (scheme != "symmetric" && scheme != "affine") throw Error("weight scheme must be symmetric or affine, got '" + scheme + "'");
  opt.weights.affine = scheme == "affine";
  opt.weights.calibration = get_string(o, "weightCalibration", "minmax");
  // An unknown name fails here, naming the valid ones (for "gptq-C", those of C).
  parse_calibration(nn::gptq_grid_calibration(opt.weights.calibration));
  opt.dynamic_per_row = get_bool(o, "perRow", false);
  opt.requantization = nn::parse_requantization(get_string(o, "requantization", "fixed-point"));
  const val bits = o["layerBits"];
  if (!bits.isUndefined() && !bits.isNull()) opt.layer_bits = int_vector(bits);
  const val ranges = o["ranges"];
  if (!ranges.isUndefined() && !ranges.isNull()) {
    const size_t n = ranges["length"].as<size_t>();
    for (size_t i = 0; i < n; ++i) {
      const val r = ranges[i];
      opt.activation_ranges.emplace_back(r[0].as<float>(), r[1].as<float>());
    }
  }
  const val hessians = o["hessians"];  // from nnInputHessians: one Float64Array per weighted layer
  if (!hessians.isUndefined() && !hessians.isNull()) {
    const size_t n = hessians["length"].as<size_t>();
    for (size_t i = 0; i < n; ++i) opt.input_hessians.push_back(emscripten::convertJSArrayToNumberVector<double>(hessians[i]));
  }
  return opt;
}

}  // namespace

// sources: the file and its companions (ONNX external data, safetensors shards) as JS sources.
val nn_load_network(val sources, val inflate_raw) {
  return guarded([&] {
    std::vector<std::shared_ptr<io::ByteSource>> files;
    const size_t n = sources["length"].as<size_t>();
    for (size_t i = 0; i < n; ++i) files.push_back(std::make_shared<JsByteSource>(sources[i]));
    if (files.empty()) throw Error("no network file given");
    JsInflater inflater(inflate_raw);
    nn::ImportedNetwork imported = nn::open_network(files, &inflater);
    const auto net = std::make_shared<nn::Network>(std::move(imported.network));
    const std::vector<std::string>& warnings = imported.warnings;
    val o = val::object();
    o.set("id", networks().add(net));
    val w = val::array();
    for (const auto& text : warnings) w.call<void>("push", text);
    o.set("warnings", w);
    return o;
  });
}

val nn_describe_network(int id) {
  return guarded([&] {
    const nn::Network& net = networks().get(id, "network");
    const auto shapes = net.shapes();
    val o = val::object();
    o.set("name", net.name);
    o.set("input", shape_js(net.input));
    o.set("classes", shapes.back().size());
    o.set("parameters", net.parameter_count());
    val layers = val::array();
    int weighted = 0;
    for (size_t i = 0; i < net.layers.size(); ++i) {
      const nn::Layer& l = net.layers[i];
      val L = val::object();
      L.set("kind", std::string(nn::layer_kind_name(l.kind)));
      L.set("name", l.name);
      L.set("output", shape_js(shapes[i]));
      if (l.has_weights()) {
        L.set("in", l.in);
        L.set("out", l.out);
        L.set("parameters", l.weight.size() + l.bias.size());
        L.set("weightedIndex", weighted++);
      }
      if (l.kernel) {
        L.set("kernel", l.kernel);
        L.set("stride", l.stride);
        L.set("padding", l.padding);
      }
      layers.call<void>("push", L);
    }
    o.set("layers", layers);
    o.set("weightedLayers", weighted);
    return o;
  });
}

val nn_encode_network(int id, val metadata) {
  return guarded([&] {
    std::vector<std::pair<std::string, std::string>> meta;
    if (!metadata.isUndefined() && !metadata.isNull()) {
      const val keys = val::global("Object").call<val>("keys", metadata);
      for (size_t i = 0; i < keys["length"].as<size_t>(); ++i) {
        const std::string k = keys[i].as<std::string>();
        meta.emplace_back(k, metadata[k].as<std::string>());
      }
    }
    const auto bytes = nn::encode_network(networks().get(id, "network"), meta);
    return copy_out("Uint8Array", bytes.data(), bytes.size());
  });
}

void nn_release_network(int id) { networks().items.erase(id); }

val nn_dataset_from_arrays(val inputs, val shape, val labels) {
  return guarded([&] {
    const std::vector<int32_t> s = int_vector(shape);
    if (s.size() != 4 || s[0] < 0 || s[1] < 1 || s[2] < 1 || s[3] < 1)
      throw Error("dataset shape must be [count, channels, height, width]");
    auto d = std::make_unique<nn::Dataset>();
    d->count = static_cast<size_t>(s[0]);
    d->sample = {size_t(s[1]), size_t(s[2]), size_t(s[3])};
    d->inputs = to_float_vector(inputs, "dataset inputs");
    if (d->inputs.size() != d->count * d->sample.size())
      throw Error("dataset inputs: " + std::to_string(d->inputs.size()) + " values for shape " + std::to_string(s[0]) +
                  "x" + std::to_string(s[1]) + "x" + std::to_string(s[2]) + "x" + std::to_string(s[3]));
    if (!labels.isUndefined() && !labels.isNull()) {
      d->labels = int_vector(labels);
      if (d->labels.size() != d->count)
        throw Error(std::to_string(d->labels.size()) + " labels for " + std::to_string(d->count) + " samples");
    }
    return val(datasets().add(std::move(d)));
  });
}

val nn_dataset_from_files(val sources, val inflate_raw, val input_shape) {
  return guarded([&] {
    std::vector<std::shared_ptr<io::ByteSource>> files;
    const size_t n = sources["length"].as<size_t>();
    for (size_t i = 0; i < n; ++i) files.push_back(std::make_shared<JsByteSource>(sources[i]));
    JsInflater inflater(inflate_raw);
    std::optional<nn::ActShape> shape;
    if (!input_shape.isUndefined() && !input_shape.isNull()) {
      const std::vector<int32_t> s = int_vector(input_shape);
      if (s.size() != 3 || s[0] < 1 || s[1] < 1 || s[2] < 1) throw Error("input shape must be [c, h, w]");
      shape = nn::ActShape{size_t(s[0]), size_t(s[1]), size_t(s[2])};
    }
    return val(datasets().add(std::make_shared<nn::Dataset>(nn::dataset_from_files(files, &inflater, shape))));
  });
}

// The caller passes decompressed IDX bytes (the page and the CLI gunzip with the platform's
// DecompressionStream / zlib), so no inflater is needed here.
val nn_dataset_from_idx(val images, val labels) {
  return guarded([&] {
    nn::Dataset d = nn::dataset_from_idx(to_byte_vector(images, "IDX images"), to_byte_vector(labels, "IDX labels"));
    return val(datasets().add(std::make_unique<nn::Dataset>(std::move(d))));
  });
}

val nn_describe_dataset(int id) {
  return guarded([&] {
    const nn::Dataset& d = datasets().get(id, "dataset");
    val o = val::object();
    o.set("count", d.count);
    o.set("sample", shape_js(d.sample));
    o.set("labels", copy_out("Int32Array", d.labels.data(), d.labels.size()));
    return o;
  });
}

val nn_dataset_inputs(int id, int begin, int count) {
  return guarded([&] {
    const nn::Dataset& d = datasets().get(id, "dataset");
    if (begin < 0 || count < 0 || size_t(begin) + size_t(count) > d.count) throw Error("samples outside the dataset");
    return copy_out("Float32Array", d.input(size_t(begin)), size_t(count) * d.sample.size());
  });
}

void nn_release_dataset(int id) { datasets().items.erase(id); }

namespace {

// Samples [begin, begin + count) of the dataset (options.begin, options.count), checked against the network.
const float* calibration_samples(const nn::Network& net, const nn::Dataset& d, const val& options, size_t& count) {
  const int n = get_int(options, "count", static_cast<int>(d.count));
  const int begin = get_int(options, "begin", 0);
  if (begin < 0 || n < 1 || size_t(begin) + size_t(n) > d.count) throw Error("calibration samples outside the dataset");
  if (d.sample.size() != net.input.size()) throw Error("the calibration data does not fit the network's input");
  count = size_t(n);
  return d.input(size_t(begin));
}

}  // namespace

val nn_calibrate(int network, int dataset, val options) {
  return guarded([&] {
    const nn::Network& net = networks().get(network, "network");
    size_t count = 0;
    const float* x = calibration_samples(net, datasets().get(dataset, "dataset"), options, count);
    const auto ranges = nn::calibrate_activations(net, x, count,
                                                  parse_calibration(get_string(options, "calibration", "minmax")));
    return ranges_js(ranges);
  });
}

val nn_input_hessians(int network, int dataset, val options) {
  return guarded([&] {
    const nn::Network& net = networks().get(network, "network");
    size_t count = 0;
    const float* x = calibration_samples(net, datasets().get(dataset, "dataset"), options, count);
    val out = val::array();
    for (const auto& h : nn::collect_input_hessians(net, x, count)) out.call<void>("push", copy_out("Float64Array", h.data(), h.size()));
    return out;
  });
}

val nn_prepare_engine(int network, val options) {
  return guarded([&] {
    const nn::Network& net = networks().get(network, "network");
    return val(engines().add(nn::make_engine(net, engine_options(options))));
  });
}

val nn_engine_info(int id) {
  return guarded([&] {
    nn::Engine& e = engines().get(id, "engine");
    val o = val::object();
    o.set("modelBytes", e.model_bytes());
    o.set("classes", e.num_classes());
    o.set("inputSize", e.input_size());
    return o;
  });
}

val nn_predict(int engine, int dataset, int begin, int count) {
  return guarded([&] {
    nn::Engine& e = engines().get(engine, "engine");
    const nn::Dataset& d = datasets().get(dataset, "dataset");
    if (begin < 0 || count < 0) throw Error("prediction range outside the dataset");
    std::vector<int32_t> classes(static_cast<size_t>(count));
    nn::predict(e, d, size_t(begin), size_t(count), classes.data());
    return copy_out("Int32Array", classes.data(), classes.size());
  });
}

val nn_forward(int engine, val inputs, int batch) {
  return guarded([&] {
    nn::Engine& e = engines().get(engine, "engine");
    const std::vector<float> x = to_float_vector(inputs, "network inputs");
    if (batch < 1 || x.size() != size_t(batch) * e.input_size())
      throw Error("network inputs: " + std::to_string(x.size()) + " values for a batch of " + std::to_string(batch) +
                  " samples of " + std::to_string(e.input_size()));
    std::vector<float> logits(size_t(batch) * e.num_classes());
    e.forward(x.data(), size_t(batch), logits.data());
    return copy_out("Float32Array", logits.data(), logits.size());
  });
}

val nn_timing(int engine, int dataset, int runs, int batch) {
  return guarded([&] {
    nn::Engine& e = engines().get(engine, "engine");
    const nn::Dataset& d = datasets().get(dataset, "dataset");
    if (runs < 0 || batch < 1) throw Error("timing: runs must be ≥ 0 and batch ≥ 1");
    const nn::Timing t = nn::measure_timing(e, d, size_t(runs), size_t(batch));
    val o = val::object();
    o.set("batch1MedianUs", t.batch1_median_us);
    o.set("batch1P10Us", t.batch1_p10_us);
    o.set("batch1P90Us", t.batch1_p90_us);
    o.set("batchImagesPerSecond", t.batch_images_per_s);
    o.set("batch", t.batch);
    return o;
  });
}

void nn_release_engine(int id) { engines().items.erase(id); }

val nn_score(val predicted, val labels, int classes) {
  return guarded([&] {
    if (classes < 1) throw Error("score: classes must be ≥ 1");
    const nn::Accuracy a = nn::score(int_vector(predicted), int_vector(labels), size_t(classes));
    val o = val::object();
    o.set("correct", a.correct);
    o.set("total", a.total);
    o.set("accuracy", a.accuracy);
    o.set("confusion", copy_out("Uint32Array", a.confusion.data(), a.confusion.size()));
    return o;
  });
}

val nn_start_qat(int network, int dataset, val options) {
  return guarded([&] {
    auto session = std::make_shared<QatSession>();
    session->net = std::make_unique<nn::Network>(networks().get(network, "network"));
    session->data = datasets().shared(dataset, "dataset");
    nn::TrainOptions t;
    t.batch_size = static_cast<size_t>(get_int(options, "batchSize", 64));
    t.lr = static_cast<float>(get_number(options, "learningRate", 1e-4));
    if (!(t.lr > 0) || !std::isfinite(t.lr)) throw Error("QAT: the learning rate must be a positive number");
    if (get_int(options, "batchSize", 64) < 1) throw Error("QAT: the batch size must be at least 1");
    t.seed = static_cast<uint64_t>(get_int(options, "seed", 0));
    t.epochs = static_cast<size_t>(get_int(options, "epochs", 1));
    t.fake_quant.enabled = true;
    t.fake_quant.weight_bits = get_int(options, "bits", 8);
    const std::string g = get_string(options, "granularity", "channel");
    if (g == "tensor") t.fake_quant.granularity = nn::WeightGranularity::PerTensor;
    else if (g == "group") t.fake_quant.granularity = nn::WeightGranularity::PerGroup;
    else if (g == "channel") t.fake_quant.granularity = nn::WeightGranularity::PerChannel;
    else throw Error("granularity must be tensor, channel or group, got '" + g + "'");
    t.fake_quant.group_size = get_int(options, "groupSize", 0);
    t.fake_quant.weight_calibration = get_string(options, "weightCalibration", "minmax");
    t.distill = static_cast<float>(get_number(options, "distillation", 0.0));
    t.fake_quant.gptq_init = get_bool(options, "gptqInit", false);
    const val layer_bits = options["layerBits"];
    if (!layer_bits.isUndefined() && !layer_bits.isNull()) t.fake_quant.layer_bits = int_vector(layer_bits);
    session->trainer = std::make_unique<nn::Trainer>(*session->net, *session->data, t);
    return val(qat_sessions().add(std::move(session)));
  });
}

val nn_qat_step(int id, int steps) {
  return guarded([&] {
    QatSession& s = qat_sessions().get(id, "QAT session");
    if (steps < 0) throw Error("QAT: steps must be ≥ 0");
    std::vector<float> losses;
    for (int i = 0; i < steps; ++i) losses.push_back(s.trainer->step());
    return copy_out("Float32Array", losses.data(), losses.size());
  });
}

val nn_qat_info(int id) {
  return guarded([&] {
    QatSession& s = qat_sessions().get(id, "QAT session");
    val o = val::object();
    o.set("stepsDone", s.trainer->steps_done());
    o.set("stepsPerEpoch", s.trainer->steps_per_epoch());
    o.set("learningRate", s.trainer->current_lr());
    return o;
  });
}

val nn_qat_finish(int id) {
  return guarded([&] {
    QatSession& s = qat_sessions().get(id, "QAT session");
    val o = val::object();
    o.set("ranges", ranges_js(s.trainer->activation_ranges()));
    o.set("network", networks().add(std::make_shared<nn::Network>(*s.net)));
    return o;
  });
}

void nn_release_qat(int id) { qat_sessions().items.erase(id); }

}  // namespace qp::bindings
