// Deterministic training of a Network (network.h) on a Dataset: softmax cross-entropy, Adam,
// shuffled minibatches, an optional learning-rate schedule, optional light augmentation, and
// optional fake quantization (quantization-aware training, train_fake_quant.h).
//
// The Trainer is a state machine the browser drives in small chunks: each step() trains on one
// minibatch and returns its loss, so a Worker can report progress and stop between steps.
// Results depend only on the network's initial parameters, the data and the options (seed
// included): the shuffling RNG, exp/log/cos and every matrix product are written to give the
// same bits natively and in WebAssembly (train_math.h, train_layers.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/dataset.h"
#include "nn/network.h"
#include "nn/train_fake_quant.h"

namespace qp::nn {

enum class LrSchedule {
  Constant,
  Step,    // lr · gamma^(floor(epoch / step_epochs))
  Cosine,  // lr_min + (lr − lr_min)·(1 + cos(π·t/T))/2 over all steps t of the run, per step
};

struct TrainOptions {
  size_t batch_size = 64;
  size_t epochs = 10;  // the length of the run (the schedule's T); step() may be called beyond it
  float lr = 1e-3f;
  // Adam, PyTorch's defaults and update (torch.optim.Adam, non-amsgrad).
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  // Decoupled weight decay (AdamW) applied to the weights, not to the biases; 0 = plain Adam.
  float weight_decay = 0.0f;
  LrSchedule schedule = LrSchedule::Constant;
  size_t step_epochs = 0;  // Step
  float gamma = 0.1f;      // Step
  float lr_min = 0.0f;     // Cosine
  // Augmentation of image inputs (H, W > 1), drawn per sample from the same RNG: a horizontal
  // flip with probability 1/2, and a translation by up to ±shift pixels on each axis (zero fill).
  bool hflip = false;
  int shift = 0;
  uint64_t seed = 0;  // shuffling and augmentation
  FakeQuantOptions fake_quant;
  // Knowledge distillation (Hinton et al. 2015, at temperature 1): the targets become
  // (1 − distill)·one-hot + distill·softmax(teacher logits), the teacher being the network as it
  // was when the Trainer was built, after the GPTQ start if any (frozen, float, same augmented
  // inputs). 0 = plain labels. For
  // QAT on a small training set the float model's own outputs carry more than the labels.
  float distill = 0.0f;
};

struct Evaluation {
  size_t count = 0, correct = 0;
  double accuracy = 0;  // correct / count
  double loss = 0;      // mean cross-entropy
  std::vector<int32_t> predictions;  // argmax of the logits (lowest index on ties)
};

// Mean softmax cross-entropy of `batch` rows of logits; with `grad` (batch × classes), its
// gradient with respect to the logits, (softmax − one-hot) / batch.
double softmax_cross_entropy(const float* logits, const int32_t* labels, size_t batch, size_t classes, float* grad);
// The same with targets (1 − alpha)·one-hot + alpha·softmax(teacher_logits row): loss
// −Σ_j t_j·log softmax(z)_j, gradient (softmax − t) / batch. alpha = 0 equals the function above.
double softmax_cross_entropy_distilled(const float* logits, const int32_t* labels, const float* teacher_logits,
                                       float alpha, size_t batch, size_t classes, float* grad);

// Float inference of `net` on `data` (labels required for the accuracy and loss).
Evaluation evaluate(const Network& net, const Dataset& data, size_t batch_size = 128);

class Trainer {
 public:
  // Keeps references to `net` (updated in place by step()) and `data` (must outlive the trainer).
  // Throws qp::Error on options or data that do not fit the network.
  Trainer(Network& net, const Dataset& data, const TrainOptions& options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // One minibatch: forward, backward, Adam update. Returns the batch's mean loss.
  float step();
  size_t steps_per_epoch() const;  // ceil(count / batch_size): the last batch of an epoch is smaller
  size_t total_steps() const { return steps_per_epoch() * options_.epochs; }
  size_t steps_done() const { return step_; }
  size_t epoch() const { return step_ / steps_per_epoch(); }
  float current_lr() const;  // the rate the next step will use

  // Inference as trained: with fake quantization, the fake-quantized weights and the observed
  // activation ranges (frozen: evaluation does not move them).
  Evaluation evaluate(const Dataset& data, size_t batch_size = 128) const;
  // Runs the observers over `data` without training (QAT before the first step, to measure the
  // un-fine-tuned fake-quantized model). No effect without activation fake quantization.
  void observe_activations(const Dataset& data, size_t batch_size = 128);
  // QAT: the [lo, hi] of the tensor entering each Linear / Conv2d, in weighted-layer order
  // (Network::weighted_layers()), for the static int8 converter. Empty without activation fake
  // quantization; throws before any batch was observed.
  std::vector<std::pair<float, float>> activation_ranges() const;
  // The weights the forward pass uses (fake-quantized with QAT), one per weighted layer.
  std::vector<std::vector<float>> effective_weights() const;

  const TrainOptions& options() const { return options_; }

 private:
  struct State;
  Network& net_;
  const Dataset& data_;
  TrainOptions options_;
  size_t step_ = 0;
  std::unique_ptr<State> s_;
};

const char* lr_schedule_name(LrSchedule s);
// "constant", "step", "cosine"; throws qp::Error listing them.
LrSchedule parse_lr_schedule(const std::string& name);

}  // namespace qp::nn
