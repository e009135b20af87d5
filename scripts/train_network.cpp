// qp_train: trains the bundled Fashion-MNIST models with the core's deterministic trainer
// (src/nn/train.h) and writes them as safetensors with the recipe in the metadata.
//
//   qp_train --model mlp|cnn [--seed S] [--epochs E] [--lr LR] [--batch B]
//            [--schedule constant|step|cosine] [--lr-min X] [--step-epochs N] [--gamma G]
//            [--weight-decay WD] [--hflip] [--shift PX] [--train-count N] [--threads T]
//            [--data DIR] [--out FILE]
//   qp_train --model M --init FILE --epochs 0 --qat-bits B [--qat-epochs E] [--qat-lr LR]
//            [--qat-granularity channel|tensor] [--qat-out FILE]
//
// --init starts from a saved model instead of init_parameters (--epochs 0: no float training).
// --qat-bits runs quantization-aware training after the float phase (weights B bits, 8-bit
// activations, src/nn/train_fake_quant.h) and reports the test accuracy of the float model, of
// static int8 PTQ (min-max calibration on 2 000 training images) and of the static engine built
// from the QAT weights and ranges, all with B-bit per-channel weights.
//
// Prints the mean training loss, the training-batch accuracy and the test accuracy after every
// epoch (the test set is only reported, never used to pick a model: the file holds the last
// epoch's weights). Default output: web/public/models/<model>.safetensors.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/thread_pool.h"
#include "nn/engine.h"
#include "nn/evaluate.h"
#include "nn/dataset_idx.h"
#include "nn/network.h"
#include "nn/train.h"

namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw qp::Error("cannot open " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

qp::nn::Dataset load(const std::string& dir, const std::string& split) {
  return qp::nn::dataset_from_idx(read_file(dir + "/" + split + "-images-idx3-ubyte.gz"),
                                  read_file(dir + "/" + split + "-labels-idx1-ubyte.gz"));
}

std::string fmt(double v, const char* f = "%.6g") {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

// Accuracy of the static integer engine with `bits`-bit per-channel weights and these ranges.
double static_accuracy(const qp::nn::Network& net, int bits, const qp::nn::ActivationRanges& ranges,
                       const qp::nn::Dataset& test) {
  qp::nn::EngineOptions eo;
  eo.mode = qp::nn::Mode::Static;
  eo.weights.bits = bits;
  eo.activation_ranges = ranges;
  const std::unique_ptr<qp::nn::Engine> engine = qp::nn::make_engine(net, eo);
  std::vector<int32_t> pred(test.count);
  qp::nn::predict(*engine, test, 0, test.count, pred.data());
  return qp::nn::score(pred, test.labels, engine->num_classes()).accuracy;
}

void run_qat(qp::nn::Network& net, const qp::nn::Dataset& train, const qp::nn::Dataset& test, int bits,
             size_t epochs, float lr, const std::string& granularity, uint64_t seed, const std::string& out) {
  const qp::nn::Evaluation fl = qp::nn::evaluate(net, test);
  const qp::nn::ActivationRanges ptq_ranges = qp::nn::calibrate_activations(
      net, train.inputs.data(), std::min<size_t>(2000, train.count), qp::parse_calibration("minmax"));
  std::printf("float %.2f%%, static PTQ (w%d per channel, a8, min-max on 2000 images) %.2f%%\n", 100 * fl.accuracy,
              bits, 100 * static_accuracy(net, bits, ptq_ranges, test));
  qp::nn::TrainOptions q;
  q.epochs = epochs;
  q.lr = lr;
  q.schedule = qp::nn::LrSchedule::Cosine;
  q.seed = seed + 1000;
  q.fake_quant.enabled = true;
  q.fake_quant.weight_bits = bits;
  q.fake_quant.granularity =
      granularity == "tensor" ? qp::nn::WeightGranularity::PerTensor : qp::nn::WeightGranularity::PerChannel;
  qp::nn::Trainer t(net, train, q);
  t.observe_activations(train.slice(0, std::min<size_t>(2000, train.count)));
  std::printf("QAT w%d (per %s) a8: fake-quantized before %.2f%%\n", bits, granularity.c_str(),
              100 * t.evaluate(test).accuracy);
  for (size_t e = 0; e < epochs; ++e) {
    double loss = 0;
    for (size_t s = 0; s < t.steps_per_epoch(); ++s) loss += t.step();
    std::printf("QAT epoch %zu  train loss %.4f  fake-quantized test acc %.2f%%\n", e + 1, loss / t.steps_per_epoch(),
                100 * t.evaluate(test).accuracy);
    std::fflush(stdout);
  }
  if (granularity != "tensor")
    std::printf("static engine from the QAT weights and ranges: %.2f%%\n",
                100 * static_accuracy(net, bits, t.activation_ranges(), test));
  if (!out.empty()) {
    const std::vector<uint8_t> bytes = qp::nn::encode_network(net, {{"qp.qat_bits", std::to_string(bits)}});
    std::ofstream f(out, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
}

// A float option as the decimal the user typed (0.002, not 0.0020000000949949026) for the metadata.
double decimal(float v) { return std::stod(fmt(v, "%.7g")); }

int run(int argc, char** argv) {
  std::string model = "mlp", data_dir = "/usr/share/datasets/fashion-mnist", out;
  qp::nn::TrainOptions o;
  uint64_t seed = 1;
  size_t train_count = 0;
  int threads = 1;
  std::string init, qat_granularity = "channel", qat_out;
  int qat_bits = 0;
  size_t qat_epochs = 2;
  float qat_lr = 1e-4f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw qp::Error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") model = next();
    else if (a == "--seed") seed = std::stoull(next());
    else if (a == "--epochs") o.epochs = std::stoul(next());
    else if (a == "--lr") o.lr = std::stof(next());
    else if (a == "--batch") o.batch_size = std::stoul(next());
    else if (a == "--schedule") o.schedule = qp::nn::parse_lr_schedule(next());
    else if (a == "--lr-min") o.lr_min = std::stof(next());
    else if (a == "--step-epochs") o.step_epochs = std::stoul(next());
    else if (a == "--gamma") o.gamma = std::stof(next());
    else if (a == "--weight-decay") o.weight_decay = std::stof(next());
    else if (a == "--hflip") o.hflip = true;
    else if (a == "--shift") o.shift = std::stoi(next());
    else if (a == "--train-count") train_count = std::stoul(next());
    else if (a == "--threads") threads = std::stoi(next());
    else if (a == "--data") data_dir = next();
    else if (a == "--out") out = next();
    else if (a == "--init") init = next();
    else if (a == "--qat-bits") qat_bits = std::stoi(next());
    else if (a == "--qat-epochs") qat_epochs = std::stoul(next());
    else if (a == "--qat-lr") qat_lr = std::stof(next());
    else if (a == "--qat-granularity") qat_granularity = next();
    else if (a == "--qat-out") qat_out = next();
    else throw qp::Error("unknown option " + a + " (see the comment at the top of scripts/train_network.cpp)");
  }
  if (model != "mlp" && model != "cnn") throw qp::Error("--model must be mlp or cnn");
  if (out.empty()) out = "web/public/models/" + model + ".safetensors";
  qp::set_thread_count(threads);
  o.seed = seed;

  qp::nn::Dataset train = load(data_dir, "train"), test = load(data_dir, "t10k");
  if (train_count > 0 && train_count < train.count) train = train.slice(0, train_count);
  qp::nn::Network net = model == "mlp" ? qp::nn::make_mlp() : qp::nn::make_cnn();
  if (init.empty()) qp::nn::init_parameters(net, seed);
  else net = qp::nn::decode_network(read_file(init), model);
  if (o.epochs == 0) {
    if (qat_bits == 0) throw qp::Error("--epochs 0 needs --qat-bits");
    run_qat(net, train, test, qat_bits, qat_epochs, qat_lr, qat_granularity, seed, qat_out);
    return 0;
  }
  qp::nn::Trainer trainer(net, train, o);
  std::printf("%s: %zu parameters, %zu training images, %zu steps/epoch\n", model.c_str(), net.parameter_count(),
              train.count, trainer.steps_per_epoch());
  const auto t0 = std::chrono::steady_clock::now();
  qp::nn::Evaluation ev;
  for (size_t e = 0; e < o.epochs; ++e) {
    double loss = 0;
    const float lr = trainer.current_lr();
    for (size_t s = 0; s < trainer.steps_per_epoch(); ++s) loss += trainer.step();
    ev = qp::nn::evaluate(net, test);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("epoch %2zu  lr %.3g  train loss %.4f  test loss %.4f  test acc %.2f%%  (%.0f s)\n", e + 1, lr,
                loss / trainer.steps_per_epoch(), ev.loss, 100 * ev.accuracy, secs);
    std::fflush(stdout);
  }
  const qp::nn::Evaluation tr = qp::nn::evaluate(net, train);
  std::printf("final: train accuracy %.2f%%, test accuracy %.2f%% (%zu / %zu)\n", 100 * tr.accuracy,
              100 * ev.accuracy, ev.correct, ev.count);

  nlohmann::ordered_json recipe = {
      {"trainer", "qp_train (src/nn/train.h), deterministic"},
      {"data", "Fashion-MNIST train (" + std::to_string(train.count) + " images), pixels/255, NCHW 1x28x28"},
      {"init", "init_parameters seed " + std::to_string(seed) + " (kaiming-uniform, bound 1/sqrt(fan_in))"},
      {"optimizer", o.weight_decay > 0 ? "AdamW (decoupled decay on weights only)" : "Adam"},
      {"lr", decimal(o.lr)},
      {"betas", {decimal(o.beta1), decimal(o.beta2)}},
      {"eps", decimal(o.eps)},
      {"weight_decay", decimal(o.weight_decay)},
      {"schedule", qp::nn::lr_schedule_name(o.schedule)},
      {"batch", o.batch_size},
      {"epochs", o.epochs},
      {"seed", seed},
      {"augmentation", {{"hflip", o.hflip}, {"shift_px", o.shift}}},
      {"loss", "softmax cross-entropy, mean over the batch"}};
  if (o.schedule == qp::nn::LrSchedule::Cosine) recipe["lr_min"] = decimal(o.lr_min);
  if (o.schedule == qp::nn::LrSchedule::Step) {
    recipe["step_epochs"] = o.step_epochs;
    recipe["gamma"] = decimal(o.gamma);
  }
  std::string cmd = "qp_train";
  for (int i = 1; i < argc; ++i) {  // the options that shape the weights (not --out / --threads / --data)
    const std::string a = argv[i];
    if ((a == "--out" || a == "--threads" || a == "--data") && i + 1 < argc) ++i;
    else cmd += " " + a;
  }
  const std::vector<std::pair<std::string, std::string>> meta = {
      {"qp.training", recipe.dump()},
      {"qp.command", cmd},
      {"qp.test_accuracy", fmt(ev.accuracy)},
      {"qp.train_accuracy", fmt(tr.accuracy)},
      {"qp.test_set", "Fashion-MNIST t10k (10000 images)"}};
  const std::vector<uint8_t> bytes = qp::nn::encode_network(net, meta);
  std::ofstream f(out, std::ios::binary);
  if (!f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
    throw qp::Error("cannot write " + out);
  std::printf("wrote %s (%zu bytes)\n", out.c_str(), bytes.size());
  if (qat_bits > 0) run_qat(net, train, test, qat_bits, qat_epochs, qat_lr, qat_granularity, seed, qat_out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qp_train: %s\n", e.what());
    return 1;
  }
}
