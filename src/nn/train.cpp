// train.h: the Trainer (batches, loss, Adam, schedule, QAT plumbing) over train_layers.h.
#include "nn/train.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "nn/train_layers.h"
#include "nn/train_math.h"

namespace qp::nn {

namespace {

// Buffers of one pass over a batch: acts[0] is the input, acts[i + 1] the output of layer i.
struct Pass {
  std::vector<std::vector<float>> acts;
  std::vector<LayerScratch> scratch;
  std::vector<std::vector<float>> xq;      // per weighted layer: its fake-quantized input (QAT)
  std::vector<std::vector<uint8_t>> mask;  // per weighted layer: where that input's gradient passes

  void resize(const Network& net, const std::vector<ActShape>& shapes, size_t batch, size_t n_weighted) {
    acts.resize(shapes.size() + 1);
    acts[0].resize(batch * net.input.size());
    for (size_t i = 0; i < shapes.size(); ++i) acts[i + 1].resize(batch * shapes[i].size());
    scratch.resize(shapes.size());
    xq.resize(n_weighted);
    mask.resize(n_weighted);
  }
};

ActShape input_shape(const Network& net, const std::vector<ActShape>& shapes, size_t i) {
  return i == 0 ? net.input : shapes[i - 1];
}

// Runs every layer on pass.acts[0]. weights[w] is the weight of the w-th weighted layer. With
// `fq`, the input of each weighted layer is fake-quantized first (after moving its observer
// when `observe`).
void forward(const Network& net, const std::vector<ActShape>& shapes, const std::vector<const float*>& weights,
             std::vector<ActivationFakeQuant>* fq, bool observe, size_t batch, Pass& pass) {
  size_t w = 0;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    const ActShape in = input_shape(net, shapes, i);
    const float* x = pass.acts[i].data();
    const float* weight = nullptr;
    if (l.has_weights()) {
      if (fq) {
        const size_t n = batch * in.size();
        if (observe) (*fq)[w].observe(x, n);
        pass.xq[w].resize(n);
        pass.mask[w].resize(n);
        (*fq)[w].apply(x, n, pass.xq[w].data(), pass.mask[w].data());
        x = pass.xq[w].data();
      }
      weight = weights[w++];
    }
    forward_layer(l, weight, in, shapes[i], batch, x, pass.acts[i + 1].data(), pass.scratch[i]);
  }
}

size_t argmax_row(const float* z, size_t n) {
  size_t best = 0;
  for (size_t j = 1; j < n; ++j)
    if (z[j] > z[best]) best = j;
  return best;
}

void check_data(const Network& net, const std::vector<ActShape>& shapes, const Dataset& data) {
  if (!(data.sample == net.input))
    throw Error("the data's samples are " + std::to_string(data.sample.c) + "×" + std::to_string(data.sample.h) +
                "×" + std::to_string(data.sample.w) + ", the network takes " + std::to_string(net.input.c) + "×" +
                std::to_string(net.input.h) + "×" + std::to_string(net.input.w));
  if (data.count == 0) throw Error("the data set is empty");
  if (data.inputs.size() != data.count * data.sample.size()) throw Error("the data set's inputs do not match its count");
  if (data.labels.size() != data.count) throw Error("the data set has no labels (one per sample is needed)");
  const size_t classes = shapes.back().size();
  for (size_t i = 0; i < data.count; ++i)
    if (data.labels[i] < 0 || static_cast<size_t>(data.labels[i]) >= classes)
      throw Error("label " + std::to_string(data.labels[i]) + " of sample " + std::to_string(i) +
                  " is outside the network's " + std::to_string(classes) + " classes");
}

Evaluation run_evaluation(const Network& net, const std::vector<const float*>& weights,
                          std::vector<ActivationFakeQuant>* fq, const Dataset& data, size_t batch_size) {
  const std::vector<ActShape> shapes = net.shapes();
  check_data(net, shapes, data);
  if (batch_size == 0) throw Error("the batch size must be > 0");
  const size_t classes = shapes.back().size(), in = net.input.size();
  Pass pass;
  pass.resize(net, shapes, std::min(batch_size, data.count), net.weighted_layers().size());
  Evaluation ev;
  ev.count = data.count;
  ev.predictions.resize(data.count);
  double loss = 0;
  for (size_t b0 = 0; b0 < data.count; b0 += batch_size) {
    const size_t n = std::min(batch_size, data.count - b0);
    std::copy(data.input(b0), data.input(b0) + n * in, pass.acts[0].begin());
    forward(net, shapes, weights, fq, false, n, pass);
    const float* logits = pass.acts.back().data();
    loss += softmax_cross_entropy(logits, data.labels.data() + b0, n, classes, nullptr) * static_cast<double>(n);
    for (size_t i = 0; i < n; ++i) {
      ev.predictions[b0 + i] = static_cast<int32_t>(argmax_row(logits + i * classes, classes));
      ev.correct += ev.predictions[b0 + i] == data.labels[b0 + i];
    }
  }
  ev.accuracy = static_cast<double>(ev.correct) / static_cast<double>(ev.count);
  ev.loss = loss / static_cast<double>(ev.count);
  return ev;
}

}  // namespace

// exp and log come from train_math.h (the same bits everywhere), in double.
double softmax_cross_entropy(const float* logits, const int32_t* labels, size_t batch, size_t classes, float* grad) {
  double total = 0;
  std::vector<double> e(classes);
  for (size_t b = 0; b < batch; ++b) {
    const float* z = logits + b * classes;
    const float m = z[argmax_row(z, classes)];
    double s = 0;
    for (size_t j = 0; j < classes; ++j) s += (e[j] = det_exp(static_cast<double>(z[j]) - m));
    total += det_log(s) - (static_cast<double>(z[labels[b]]) - m);
    if (grad)
      for (size_t j = 0; j < classes; ++j)
        grad[b * classes + j] =
            static_cast<float>(e[j] / s - (static_cast<int32_t>(j) == labels[b] ? 1.0 : 0.0)) / static_cast<float>(batch);
  }
  return total / static_cast<double>(batch);
}

double softmax_cross_entropy_distilled(const float* logits, const int32_t* labels, const float* teacher_logits,
                                       float alpha, size_t batch, size_t classes, float* grad) {
  double total = 0;
  std::vector<double> e(classes), t(classes);
  for (size_t b = 0; b < batch; ++b) {
    const float* z = logits + b * classes;
    const float* zt = teacher_logits + b * classes;
    const float m = z[argmax_row(z, classes)], mt = zt[argmax_row(zt, classes)];
    double s = 0, st = 0;
    for (size_t j = 0; j < classes; ++j) {
      s += (e[j] = det_exp(static_cast<double>(z[j]) - m));
      st += (t[j] = det_exp(static_cast<double>(zt[j]) - mt));
    }
    const double log_s = det_log(s);
    for (size_t j = 0; j < classes; ++j) {
      const double target = (1.0 - alpha) * (static_cast<int32_t>(j) == labels[b] ? 1.0 : 0.0) + alpha * t[j] / st;
      if (target > 0) total -= target * ((static_cast<double>(z[j]) - m) - log_s);
      if (grad) grad[b * classes + j] = static_cast<float>(e[j] / s - target) / static_cast<float>(batch);
    }
  }
  return total / static_cast<double>(batch);
}

Evaluation evaluate(const Network& net, const Dataset& data, size_t batch_size) {
  std::vector<const float*> weights;
  for (size_t i : net.weighted_layers()) weights.push_back(net.layers[i].weight.data());
  return run_evaluation(net, weights, nullptr, data, batch_size);
}

struct Trainer::State {
  std::vector<ActShape> shapes;
  std::vector<size_t> weighted;  // layer indices
  Pass pass;
  std::vector<std::vector<float>> grads;  // grads[i]: loss gradient at acts[i]
  std::vector<std::vector<float>> gw, gb, mw, vw, mb, vb;  // per weighted layer
  std::vector<std::vector<float>> wq;                      // QAT: fake-quantized weights
  std::vector<ActivationFakeQuant> afq;
  // Distillation: the frozen teacher (the network at construction) and its pass over each batch.
  std::unique_ptr<Network> teacher;
  Pass teacher_pass;
  std::vector<uint32_t> order;
  TrainRng rng{0};
  double beta1_t = 1, beta2_t = 1;  // beta^t, by repeated multiplication (no pow)
};

Trainer::Trainer(Network& net, const Dataset& data, const TrainOptions& options)
    : net_(net), data_(data), options_(options), s_(std::make_unique<State>()) {
  State& s = *s_;
  s.shapes = net.shapes();
  check_data(net, s.shapes, data);
  if (options.batch_size == 0) throw Error("the batch size must be > 0");
  if (options.epochs == 0) throw Error("the number of epochs must be > 0");
  if (!(options.lr > 0.0f) || !std::isfinite(options.lr)) throw Error("the learning rate must be > 0");
  if (options.schedule == LrSchedule::Step && options.step_epochs == 0)
    throw Error("the step schedule needs step_epochs > 0");
  if (options.shift < 0 || options.shift > 8) throw Error("the augmentation shift must be 0..8 pixels");
  if (data.count > UINT32_MAX) throw Error("the data set is too large");
  if (options.fake_quant.enabled) validate_fake_quant(options.fake_quant);
  s.weighted = net.weighted_layers();
  if (options.fake_quant.enabled && !options.fake_quant.layer_bits.empty() &&
      options.fake_quant.layer_bits.size() != s.weighted.size())
    throw Error("QAT: " + std::to_string(options.fake_quant.layer_bits.size()) + " layer bit widths for " +
                std::to_string(s.weighted.size()) + " weighted layers");
  const size_t batch = std::min(options.batch_size, data.count);
  s.pass.resize(net, s.shapes, batch, s.weighted.size());
  s.grads.resize(s.pass.acts.size());
  for (size_t i = 1; i < s.grads.size(); ++i) s.grads[i].resize(s.pass.acts[i].size());
  s.grads[0].resize(s.pass.acts[0].size());
  for (size_t i : s.weighted) {
    const Layer& l = net.layers[i];
    for (auto* v : {&s.gw, &s.mw, &s.vw}) v->emplace_back(l.weight.size(), 0.0f);
    for (auto* v : {&s.gb, &s.mb, &s.vb}) v->emplace_back(l.bias.size(), 0.0f);
  }
  if (options.fake_quant.enabled && options.fake_quant.activations)
    s.afq.assign(s.weighted.size(), ActivationFakeQuant(options.fake_quant.averaging_constant));
  if (!(options.distill >= 0.0f && options.distill <= 1.0f)) throw Error("the distillation weight must be in [0, 1]");
  // Before the teacher copy: the teacher is the model QAT starts from, GPTQ's. (A float teacher
  // measured 0.03–0.06 pp worse on average over three seeds on both bundled models at 4 bits,
  // docs §17.5.)
  if (options.fake_quant.enabled && options.fake_quant.gptq_init)
    gptq_initialize(net, data.inputs.data(), std::min(options.fake_quant.gptq_samples, data.count), options.fake_quant);
  if (options.distill > 0.0f) {
    s.teacher = std::make_unique<Network>(net);
    s.teacher_pass.resize(net, s.shapes, batch, s.weighted.size());
  }
  s.order.resize(data.count);
  for (size_t i = 0; i < data.count; ++i) s.order[i] = static_cast<uint32_t>(i);
  s.rng = TrainRng(options.seed);
}

Trainer::~Trainer() = default;

size_t Trainer::steps_per_epoch() const { return (data_.count + options_.batch_size - 1) / options_.batch_size; }

float Trainer::current_lr() const {
  const TrainOptions& o = options_;
  switch (o.schedule) {
    case LrSchedule::Constant: return o.lr;
    case LrSchedule::Step: {
      double lr = o.lr;
      for (size_t k = epoch() / o.step_epochs; k > 0; --k) lr *= o.gamma;
      return static_cast<float>(lr);
    }
    case LrSchedule::Cosine: {
      const double t = static_cast<double>(std::min(step_, total_steps())) / static_cast<double>(total_steps());
      return static_cast<float>(o.lr_min + (static_cast<double>(o.lr) - o.lr_min) * (1.0 + det_cos(kPi * t)) / 2.0);
    }
  }
  return o.lr;
}

std::vector<std::vector<float>> Trainer::effective_weights() const {
  std::vector<std::vector<float>> out;
  const FakeQuantOptions& fq = options_.fake_quant;
  for (size_t w = 0; w < s_->weighted.size(); ++w) {
    const Layer& l = net_.layers[s_->weighted[w]];
    const int bits = fq.layer_bits.empty() ? fq.weight_bits : fq.layer_bits[w];
    if (!fq.enabled || bits == 0) {
      out.push_back(l.weight);
      continue;
    }
    FakeQuantOptions layer = fq;
    layer.weight_bits = bits;
    out.push_back(fake_quantize_weights(l.weight.data(), l.out, l.fan_in(), layer));
  }
  return out;
}

Evaluation Trainer::evaluate(const Dataset& data, size_t batch_size) const {
  const std::vector<std::vector<float>> w = effective_weights();
  std::vector<const float*> weights;
  for (const auto& v : w) weights.push_back(v.data());
  std::vector<ActivationFakeQuant> fq = s_->afq;
  return run_evaluation(net_, weights, fq.empty() ? nullptr : &fq, data, batch_size);
}

void Trainer::observe_activations(const Dataset& data, size_t batch_size) {
  if (s_->afq.empty()) return;
  check_data(net_, s_->shapes, data);
  const std::vector<std::vector<float>> w = effective_weights();
  std::vector<const float*> weights;
  for (const auto& v : w) weights.push_back(v.data());
  Pass pass;
  pass.resize(net_, s_->shapes, std::min(batch_size, data.count), s_->weighted.size());
  const size_t in = net_.input.size();
  for (size_t b0 = 0; b0 < data.count; b0 += batch_size) {
    const size_t n = std::min(batch_size, data.count - b0);
    std::copy(data.input(b0), data.input(b0) + n * in, pass.acts[0].begin());
    forward(net_, s_->shapes, weights, &s_->afq, true, n, pass);
  }
}

std::vector<std::pair<float, float>> Trainer::activation_ranges() const {
  std::vector<std::pair<float, float>> r;
  for (const ActivationFakeQuant& a : s_->afq) {
    if (!a.initialized()) throw Error("QAT: no batch has been observed yet");
    r.push_back(a.range());
  }
  return r;
}

namespace {

// One sample into dst, flipped and shifted as drawn (zero fill where the shift uncovers pixels).
void augment(const float* src, const ActShape& s, bool flip, int dx, int dy, float* dst) {
  const long h = static_cast<long>(s.h), w = static_cast<long>(s.w);
  for (size_t c = 0; c < s.c; ++c)
    for (long y = 0; y < h; ++y)
      for (long x = 0; x < w; ++x) {
        const long sy = y - dy;
        long sx = x - dx;
        if (flip) sx = w - 1 - sx;
        dst[(c * s.h + y) * s.w + x] =
            (sy >= 0 && sy < h && sx >= 0 && sx < w) ? src[(c * s.h + sy) * s.w + sx] : 0.0f;
      }
}

void adam_update(std::vector<float>& p, const std::vector<float>& g, std::vector<float>& m, std::vector<float>& v,
                 float lr, float step_size, float bc2_sqrt, float decay, const TrainOptions& o) {
  const float b1 = o.beta1, b2 = o.beta2, c1 = 1.0f - o.beta1, c2 = 1.0f - o.beta2, eps = o.eps;
  const float keep = 1.0f - lr * decay;
  for (size_t i = 0; i < p.size(); ++i) {
    if (decay != 0.0f) p[i] *= keep;
    m[i] = b1 * m[i] + c1 * g[i];
    v[i] = b2 * v[i] + c2 * g[i] * g[i];
    const float denom = std::sqrt(v[i]) / bc2_sqrt + eps;
    p[i] -= step_size * m[i] / denom;
  }
}

}  // namespace

float Trainer::step() {
  State& s = *s_;
  const TrainOptions& o = options_;
  const size_t spe = steps_per_epoch(), in_step = step_ % spe;
  if (in_step == 0) s.rng.shuffle(s.order.data(), s.order.size());
  const size_t b0 = in_step * o.batch_size, batch = std::min(o.batch_size, data_.count - b0);
  const size_t in = net_.input.size();
  const bool images = net_.input.h > 1 && net_.input.w > 1;
  std::vector<int32_t> labels(batch);
  for (size_t b = 0; b < batch; ++b) {
    const uint32_t idx = s.order[b0 + b];
    labels[b] = data_.labels[idx];
    float* dst = s.pass.acts[0].data() + b * in;
    if (images && (o.hflip || o.shift > 0)) {
      const bool flip = o.hflip && (s.rng.next() & 1);
      const int dx = o.shift > 0 ? static_cast<int>(s.rng.below(2 * o.shift + 1)) - o.shift : 0;
      const int dy = o.shift > 0 ? static_cast<int>(s.rng.below(2 * o.shift + 1)) - o.shift : 0;
      augment(data_.input(idx), net_.input, flip, dx, dy, dst);
    } else {
      std::copy(data_.input(idx), data_.input(idx) + in, dst);
    }
  }

  // Forward, with the fake-quantized weights under QAT.
  std::vector<const float*> weights;
  if (o.fake_quant.enabled) s.wq = effective_weights();
  for (size_t w = 0; w < s.weighted.size(); ++w)
    weights.push_back(o.fake_quant.enabled ? s.wq[w].data() : net_.layers[s.weighted[w]].weight.data());
  forward(net_, s.shapes, weights, s.afq.empty() ? nullptr : &s.afq, true, batch, s.pass);
  const size_t classes = s.shapes.back().size();
  double loss;
  if (s.teacher) {
    std::copy(s.pass.acts[0].begin(), s.pass.acts[0].begin() + static_cast<std::ptrdiff_t>(batch * in),
              s.teacher_pass.acts[0].begin());
    std::vector<const float*> teacher_weights;
    for (size_t i : s.weighted) teacher_weights.push_back(s.teacher->layers[i].weight.data());
    forward(*s.teacher, s.shapes, teacher_weights, nullptr, false, batch, s.teacher_pass);
    loss = softmax_cross_entropy_distilled(s.pass.acts.back().data(), labels.data(), s.teacher_pass.acts.back().data(),
                                           o.distill, batch, classes, s.grads.back().data());
  } else {
    loss = softmax_cross_entropy(s.pass.acts.back().data(), labels.data(), batch, classes, s.grads.back().data());
  }
  if (!std::isfinite(loss)) throw Error("training diverged (the loss is not finite); try a lower learning rate");

  // Backward. Layers before the first weighted one need no input gradient.
  size_t w = s.weighted.size();
  for (size_t i = net_.layers.size(); i-- > 0;) {
    const Layer& l = net_.layers[i];
    const bool need_dx = !s.weighted.empty() && i > s.weighted.front();
    const float* x = s.pass.acts[i].data();
    const float* weight = nullptr;
    float *dw = nullptr, *db = nullptr;
    if (l.has_weights()) {
      --w;
      if (!s.afq.empty()) x = s.pass.xq[w].data();
      weight = weights[w];
      dw = s.gw[w].data();
      db = s.gb[w].data();
    }
    float* dx = need_dx ? s.grads[i].data() : nullptr;
    backward_layer(l, weight, input_shape(net_, s.shapes, i), s.shapes[i], batch, x, s.pass.acts[i + 1].data(),
                   s.grads[i + 1].data(), dx, dw, db, s.pass.scratch[i]);
    if (dx && l.has_weights() && !s.afq.empty()) {  // the fake quantizer's clip mask
      const uint8_t* mask = s.pass.mask[w].data();
      for (size_t j = 0; j < batch * input_shape(net_, s.shapes, i).size(); ++j)
        if (!mask[j]) dx[j] = 0.0f;
    }
  }

  // Adam (torch.optim.Adam's update; AdamW's decoupled decay when weight_decay > 0).
  const float lr = current_lr();
  s.beta1_t *= o.beta1;
  s.beta2_t *= o.beta2;
  const float step_size = lr / static_cast<float>(1.0 - s.beta1_t);
  const float bc2_sqrt = std::sqrt(static_cast<float>(1.0 - s.beta2_t));
  for (size_t k = 0; k < s.weighted.size(); ++k) {
    Layer& l = net_.layers[s.weighted[k]];
    adam_update(l.weight, s.gw[k], s.mw[k], s.vw[k], lr, step_size, bc2_sqrt, o.weight_decay, o);
    adam_update(l.bias, s.gb[k], s.mb[k], s.vb[k], lr, step_size, bc2_sqrt, 0.0f, o);
  }
  ++step_;
  return static_cast<float>(loss);
}

const char* lr_schedule_name(LrSchedule s) {
  switch (s) {
    case LrSchedule::Constant: return "constant";
    case LrSchedule::Step: return "step";
    case LrSchedule::Cosine: return "cosine";
  }
  return "?";
}

LrSchedule parse_lr_schedule(const std::string& name) {
  if (name == "constant") return LrSchedule::Constant;
  if (name == "step") return LrSchedule::Step;
  if (name == "cosine") return LrSchedule::Cosine;
  throw Error("unknown learning-rate schedule '" + name + "' (constant, step, cosine)");
}

}  // namespace qp::nn
