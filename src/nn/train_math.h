// The few scalar functions the trainer needs that must give the same bits natively and in
// WebAssembly. libm's exp/log/cos differ in the last place between glibc and the musl of
// Emscripten, and std::shuffle / std::uniform_*_distribution differ between libstdc++ and libc++,
// so each is written here from +, −, ×, ÷, sqrt (all correctly rounded IEEE operations) and
// integer arithmetic only.
#pragma once
#include <cstddef>
#include <cstdint>

namespace qp::nn {

// splitmix64 (Steele, Lea, Flood 2014): a tiny, well-mixed 64-bit generator.
class TrainRng {
 public:
  explicit TrainRng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // An integer in [0, n), n < 2^32, by the multiply-shift map (bias < n / 2^32, irrelevant here).
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * n) >> 32); }
  // Fisher–Yates shuffle of idx[0, n).
  void shuffle(uint32_t* idx, size_t n);

 private:
  uint64_t state_;
};

// e^x for x <= 0 (softmax after subtracting the max), in double; 0 below -745.
double det_exp(double x);
// ln(x) for x > 0.
double det_log(double x);
// cos(x) for x in [0, π] (the cosine learning-rate schedule).
double det_cos(double x);

constexpr double kPi = 3.14159265358979323846;

}  // namespace qp::nn
