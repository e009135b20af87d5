// qp_eval: `qplay eval` natively (the fast path for trying recipes and for tests): the same core,
// the same Network table as the CLI under Node and the page.
//   build/native/qp_eval mlp|cnn|NETWORK [--data IMAGES --labels LABELS] [--mode M,M] [--bits N]
//        [--granularity channel|tensor|group] [--group-size G] [--layer-bits B,B] [--per-row]
//        [--calibration C] [--calibration-data IMAGES --calibration-labels LABELS]
//        [--calibration-count N] [--limit N] [--timing-runs N] [--requantization float|fixed-point]
//        [--weight-calibration minmax|mse|percentile:P|...|gptq|gptq-mse]
// Defaults: the bundled models in web/public/models/, the Fashion-MNIST test set and the first 1000
// training images for calibration (static ranges, GPTQ's H), from Debian's dataset-fashion-mnist.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/byte_source.h"
#include "nn/dataset_idx.h"
#include "nn/engine.h"
#include "nn/evaluate.h"
#include "nn/gptq.h"
#include "nn/network.h"

using namespace qp;
using namespace qp::nn;

namespace {

const char* kFmnist = "/usr/share/datasets/fashion-mnist/";

std::vector<uint8_t> read_file(const std::string& path) {
  auto src = io::open_file_source(path);
  return io::read_all(*src, uint64_t(1) << 31);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

size_t positive(const std::string& text, const char* name) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end || v < 0) throw Error(std::string("--") + name + " needs a non-negative integer, got '" + text + "'");
  return static_cast<size_t>(v);
}

struct Row {
  std::string label;
  EngineOptions options;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    std::map<std::string, std::string> opt;
    std::vector<std::string> positional;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--per-row") opt[a] = "1";
      else if (a.rfind("--", 0) == 0 && i + 1 < argc) opt[a] = argv[++i];
      else if (a.rfind("--", 0) == 0) throw Error("option " + a + " needs a value");
      else positional.push_back(a);
    }
    if (positional.size() != 1) throw Error("usage: qp_eval mlp|cnn|NETWORK [options] (see scripts/eval_network.cpp)");
    auto get = [&](const char* k, const std::string& fallback) { return opt.count(k) ? opt[k] : fallback; };
    const std::string model = positional[0];
    const std::string file = model == "mlp" || model == "cnn" ? "web/public/models/" + model + ".safetensors" : model;
    const std::string base = file.substr(file.find_last_of('/') + 1);
    const Network net = decode_network(read_file(file), base);
    Dataset test = dataset_from_idx(read_file(get("--data", std::string(kFmnist) + "t10k-images-idx3-ubyte.gz")),
                                    read_file(get("--labels", std::string(kFmnist) + "t10k-labels-idx1-ubyte.gz")));
    const size_t limit = std::min(positive(get("--limit", std::to_string(test.count)), "limit"), test.count);

    // The rows: the standard five, or the chosen modes with a float row first.
    std::vector<Row> rows;
    auto row = [](const std::string& label, Mode m, int bits, int group, bool per_tensor) {
      Row r{label, {}};
      r.options.mode = m;
      r.options.weights.bits = bits;
      r.options.weights.group_size = group;
      r.options.weights.per_tensor = per_tensor;
      return r;
    };
    if (!opt.count("--mode")) {
      rows = {row("float32", Mode::Float, 8, 0, false), row("weight-only int8", Mode::WeightOnly, 8, 0, false),
              row("weight-only int4 g32 affine gptq-mse", Mode::WeightOnly, 4, 32, false), row("dynamic int8", Mode::Dynamic, 8, 0, false),
              row("static int8", Mode::Static, 8, 0, false)};
    } else {
      const std::string gran = get("--granularity", opt.count("--group-size") ? "group" : "channel");
      const int group = gran == "group" ? int(positive(get("--group-size", "0"), "group-size")) : 0;
      std::vector<int> layer_bits;
      if (opt.count("--layer-bits"))
        for (const auto& b : split(opt["--layer-bits"])) layer_bits.push_back(int(positive(b, "layer-bits")));
      bool has_float = false;
      for (const auto& name : split(opt["--mode"])) {
        const Mode m = parse_mode(name);
        if (m == Mode::Float) {
          has_float = true;
          rows.push_back(row("float32", m, 8, 0, false));
          continue;
        }
        const int bits = int(positive(get("--bits", m == Mode::WeightOnly && group ? "4" : "8"), "bits"));
        std::string label = std::string(mode_name(m)) + " int" + std::to_string(bits) +
                            (gran == "group" ? " g" + std::to_string(group) : gran == "tensor" ? " per-tensor" : "") +
                            (get("--scheme", "") == "affine" ? " affine" : "") +
                            (get("--weight-calibration", "minmax") != "minmax" ? " " + opt["--weight-calibration"] : "");
        Row r = row(label, m, bits, group, gran == "tensor");
        r.options.layer_bits = layer_bits;
        r.options.dynamic_per_row = opt.count("--per-row") > 0;
        rows.push_back(r);
      }
      if (!has_float) rows.insert(rows.begin(), row("float32", Mode::Float, 8, 0, false));
    }
    if (!opt.count("--mode")) {  // int4 affine groups by GPTQ, clip ranges by MSE (network_eval.mjs)
      rows[2].options.weights.affine = true;
      rows[2].options.weights.calibration = "gptq-mse";
    }
    if (opt.count("--scheme"))
      for (Row& r : rows) r.options.weights.affine = opt["--scheme"] == "affine" && r.options.mode == Mode::WeightOnly;
    if (opt.count("--weight-calibration"))
      for (Row& r : rows) r.options.weights.calibration = opt["--weight-calibration"];
    if (opt.count("--requantization"))
      for (Row& r : rows) r.options.requantization = parse_requantization(opt["--requantization"]);
    // Calibration samples (the first N training images) for static mode's ranges and GPTQ's H.
    ActivationRanges ranges;
    InputHessians hessians;
    auto needs_gptq = [](const Row& r) { return r.options.mode != Mode::Float && is_gptq_calibration(r.options.weights.calibration); };
    bool needs_static = false, any_gptq = false;
    for (const Row& r : rows) {
      needs_static = needs_static || r.options.mode == Mode::Static;
      any_gptq = any_gptq || needs_gptq(r);
    }
    if (needs_static || any_gptq) {
      Dataset calib = dataset_from_idx(
          read_file(get("--calibration-data", std::string(kFmnist) + "train-images-idx3-ubyte.gz")),
          read_file(get("--calibration-labels", std::string(kFmnist) + "train-labels-idx1-ubyte.gz")));
      const size_t n = std::min(positive(get("--calibration-count", "1000"), "calibration-count"), calib.count);
      if (needs_static)
        ranges = calibrate_activations(net, calib.inputs.data(), n, parse_calibration(get("--calibration", "minmax")));
      if (any_gptq) hessians = collect_input_hessians(net, calib.inputs.data(), n);
    }
    const size_t timing_runs = positive(get("--timing-runs", "200"), "timing-runs");
    std::printf("%s: %zu parameters, %zu test samples, native build\n", base.c_str(), net.parameter_count(), limit);
    // Δ and µ are two bytes in UTF-8: padded by hand to match the Node CLI's columns.
    std::printf("%-38s %9s %s %9s %s %11s\n", "mode", "accuracy", "   Δ pp", "size KB", " batch-1 µs", "img/s @256");
    const std::vector<int32_t> labels(test.labels.begin(), test.labels.begin() + limit);
    double float_accuracy = -1;
    for (Row& r : rows) {
      if (r.options.mode == Mode::Static) r.options.activation_ranges = ranges;
      if (needs_gptq(r)) r.options.input_hessians = hessians;
      auto engine = make_engine(net, r.options);
      std::vector<int32_t> predicted(limit);
      predict(*engine, test, 0, limit, predicted.data());
      const Accuracy a = score(predicted, labels, engine->num_classes());
      if (r.options.mode == Mode::Float && float_accuracy < 0) float_accuracy = a.accuracy;
      const Timing t = timing_runs ? measure_timing(*engine, test.slice(0, limit), timing_runs) : Timing{};
      std::printf("%-38s %8.2f%% %7.2f %9.1f %11.1f %11.0f\n", r.label.c_str(), 100 * a.accuracy,
                  100 * (a.accuracy - float_accuracy), engine->model_bytes() / 1024.0, t.batch1_median_us,
                  t.batch_images_per_s);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qp_eval: error: %s\n", e.what());
    return 1;
  }
}
