#include "nn/evaluate.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "core/error.h"

namespace qp::nn {

void predict(Engine& engine, const Dataset& data, size_t begin, size_t n, int32_t* classes, size_t batch) {
  if (data.sample.size() != engine.input_size())
    throw Error("the data's samples have " + std::to_string(data.sample.size()) + " values, the network takes " +
                std::to_string(engine.input_size()));
  if (begin > data.count || n > data.count - begin) throw Error("prediction range outside the data");
  if (batch == 0) batch = 1;
  const size_t k = engine.num_classes();
  std::vector<float> logits(std::min(batch, std::max<size_t>(n, 1)) * k);
  for (size_t done = 0; done < n; done += batch) {
    const size_t b = std::min(batch, n - done);
    engine.forward(data.input(begin + done), b, logits.data());
    for (size_t i = 0; i < b; ++i) {
      const float* row = logits.data() + i * k;
      classes[done + i] = static_cast<int32_t>(std::max_element(row, row + k) - row);  // first maximum
    }
  }
}

Accuracy score(const std::vector<int32_t>& predicted, const std::vector<int32_t>& labels, size_t classes) {
  if (labels.empty()) throw Error("the data has no labels, so accuracy cannot be measured");
  if (labels.size() != predicted.size())
    throw Error(std::to_string(predicted.size()) + " predictions for " + std::to_string(labels.size()) + " labels");
  Accuracy a;
  a.classes = classes;
  a.total = labels.size();
  a.confusion.assign(classes * classes, 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    const int32_t t = labels[i], p = predicted[i];
    if (t < 0 || static_cast<size_t>(t) >= classes)
      throw Error("label " + std::to_string(t) + " of sample " + std::to_string(i) + " is outside 0.." +
                  std::to_string(classes - 1) + " (the network has " + std::to_string(classes) + " outputs)");
    if (p < 0 || static_cast<size_t>(p) >= classes) throw Error("prediction outside the classes");
    a.correct += t == p;
    ++a.confusion[static_cast<size_t>(t) * classes + static_cast<size_t>(p)];
  }
  a.accuracy = static_cast<double>(a.correct) / static_cast<double>(a.total);
  return a;
}

Timing measure_timing(Engine& engine, const Dataset& data, size_t runs, size_t batch, size_t repeats) {
  using clock = std::chrono::steady_clock;
  if (data.count == 0) throw Error("timing needs at least one sample");
  Timing t;
  std::vector<float> logits(std::max(batch, size_t(1)) * engine.num_classes());
  std::vector<double> us;
  engine.forward(data.input(0), 1, logits.data());  // warm-up: first-touch of the scratch buffers
  // Browsers coarsen the clock (5 µs cross-origin isolated, 100 µs otherwise), so single forwards
  // of a few µs cannot be timed one by one: each sample of the distribution is a block of `group`
  // consecutive single-image forwards lasting about 2 ms, divided by `group`.
  // The group size comes from a probe that doubles its forwards until they last ≥ 2 ms, then the
  // fastest of three such probes: neither a coarse clock nor a preemption during one probe can
  // make the blocks shorter than the clock's resolution (a single 8-forward probe, preempted
  // once, gave blocks of one forward and medians of 0 µs).
  const auto probe_us = [&](size_t count) {
    const auto t0 = clock::now();
    for (size_t i = 0; i < count; ++i) engine.forward(data.input(i % data.count), 1, logits.data());
    return std::chrono::duration<double, std::micro>(clock::now() - t0).count();
  };
  size_t count = 8;
  while (count < 1024 && probe_us(count) < 2000.0) count *= 2;
  const double per_us = std::min({probe_us(count), probe_us(count), probe_us(count)}) / static_cast<double>(count);
  const size_t group = std::clamp<size_t>(static_cast<size_t>(2000.0 / std::max(per_us, 0.5)), 1, 1000);
  const size_t blocks = runs == 0 ? 0 : std::max<size_t>(5, runs / group);
  size_t next = 0;
  for (size_t r = 0; r < blocks; ++r) {
    const auto t0 = clock::now();
    for (size_t g = 0; g < group; ++g, ++next) engine.forward(data.input(next % data.count), 1, logits.data());
    us.push_back(std::chrono::duration<double, std::micro>(clock::now() - t0).count() / static_cast<double>(group));
  }
  if (!us.empty()) {
    std::sort(us.begin(), us.end());
    t.batch1_median_us = us[us.size() / 2];
    t.batch1_p10_us = us[us.size() / 10];
    t.batch1_p90_us = us[us.size() * 9 / 10];
  }
  t.batch = std::min(batch, data.count);
  if (t.batch > 0) {
    engine.forward(data.input(0), t.batch, logits.data());
    double best = 1e300;
    for (size_t r = 0; r < std::max<size_t>(repeats, 1); ++r) {
      const auto t0 = clock::now();
      engine.forward(data.input(0), t.batch, logits.data());
      best = std::min(best, std::chrono::duration<double>(clock::now() - t0).count());
    }
    t.batch_images_per_s = static_cast<double>(t.batch) / std::max(best, 1e-9);
  }
  return t;
}

}  // namespace qp::nn
