// The worked examples of the classic introductions to quantization, reproduced exactly.
#include <doctest/doctest.h>

#include <vector>

#include "quant/quantize.h"

namespace {

int quantize_one(float x, qp::QParams p, qp::IntRange r, qp::NumericsMode mode) {
  uint8_t q;
  qp::quantize_values(&x, 1, p, r, mode, &q);
  return r.qmin < 0 ? static_cast<int8_t>(q) : q;
}

}  // namespace

TEST_CASE("3.6 in the range [-10, 10] quantizes to 46 with scale 20/255 and zero point 0") {
  // The introduction's scale 20/255 with zero point 0 is PyTorch's symmetric int8 observer:
  // max|x| / 127.5.
  const qp::IntRange r = qp::full_int_range(8, true);
  const qp::QParams p = qp::choose_qparams(-10.0f, 10.0f, r, qp::Scheme::Symmetric,
                                           qp::NumericsMode::PyTorch, 8);
  CHECK(p.scale == 20.0f / 255.0f);
  CHECK(p.zero_point == 0);
  CHECK(quantize_one(3.6f, p, r, qp::NumericsMode::PyTorch) == 46);
  CHECK(quantize_one(3.6f, p, r, qp::NumericsMode::Onnx) == 46);
}

TEST_CASE("affine int8 over [-10, 10] nudges the zero point to -1, as PyTorch does") {
  // fl(20/255) is slightly above 20/255, so -10 / scale = -127.4999995 rounds to -127 and the
  // zero point becomes -128 - (-127) = -1; 3.6 then lands on 45 (checked against torch 1.13 by
  // the same formula in the shared fixtures' semantics verification).
  for (auto mode : {qp::NumericsMode::PyTorch, qp::NumericsMode::Onnx}) {
    const qp::IntRange r = qp::full_int_range(8, true);
    const qp::QParams p = qp::choose_qparams(-10.0f, 10.0f, r, qp::Scheme::Affine, mode, 8);
    CHECK(p.scale == 20.0f / 255.0f);
    CHECK(p.zero_point == -1);
    CHECK(quantize_one(3.6f, p, r, mode) == 45);
  }
}

TEST_CASE("[0, 6] to uint8: 3.0 -> 128 -> 3.0118") {
  for (auto mode : {qp::NumericsMode::PyTorch, qp::NumericsMode::Onnx}) {
    const qp::IntRange r = qp::full_int_range(8, false);
    const qp::QParams p = qp::choose_qparams(0.0f, 6.0f, r, qp::Scheme::Affine, mode, 8);
    CHECK(p.scale == 6.0f / 255.0f);
    CHECK(p.zero_point == 0);
    // 3 / (6/255) = 127.5 exactly in real arithmetic: a tie, and half-to-even picks 128.
    const int q = quantize_one(3.0f, p, r, mode);
    CHECK(q == 128);
    uint8_t code = static_cast<uint8_t>(q);
    float back;
    qp::dequantize_values(&code, 1, false, p, &back);
    CHECK(back == doctest::Approx(3.0118).epsilon(1e-4));
  }
}

TEST_CASE("symmetric int8, scale (max-min)/255: [-10,-5,0,5,10] -> [-127,-64,0,64,127]") {
  const std::vector<float> x = {-10, -5, 0, 5, 10};
  // PyTorch's symmetric observer divides max|x| by (qmax-qmin)/2 = 127.5, i.e. scale = 20/255.
  const qp::QParams p = qp::choose_qparams(-10, 10, qp::full_int_range(8, true),
                                           qp::Scheme::Symmetric, qp::NumericsMode::PyTorch, 8);
  CHECK(p.scale == 20.0f / 255.0f);
  CHECK(p.zero_point == 0);
  // The introduction clamps to the symmetric range [-127, 127].
  const qp::IntRange symmetric{-127, 127};
  const std::vector<int> want = {-127, -64, 0, 64, 127};
  const std::vector<double> want_back = {-9.9608, -5.0196, 0, 5.0196, 9.9608};
  for (size_t i = 0; i < x.size(); ++i) {
    const int q = quantize_one(x[i], p, symmetric, qp::NumericsMode::PyTorch);
    CHECK(q == want[i]);
    const uint8_t code = static_cast<uint8_t>(static_cast<int8_t>(q));
    float back;
    qp::dequantize_values(&code, 1, true, p, &back);
    CHECK(back == doctest::Approx(want_back[i]).epsilon(1e-4));
  }
  // PyTorch itself clamps to the full [-128, 127]: -amax maps to -127.5, a tie that rounds to
  // -128, while +amax saturates at 127 (see docs/numerics.md).
  CHECK(quantize_one(-10, p, qp::full_int_range(8, true), qp::NumericsMode::PyTorch) == -128);
  CHECK(quantize_one(10, p, qp::full_int_range(8, true), qp::NumericsMode::PyTorch) == 127);
}

TEST_CASE("ONNX mode symmetric int8 uses -127..127 with scale max|x|/127") {
  qp::QuantSpec spec;
  spec.mode = qp::NumericsMode::Onnx;
  spec.scheme = qp::Scheme::Symmetric;
  const qp::IntRange r = qp::spec_int_range(spec);
  CHECK(r.qmin == -127);
  CHECK(r.qmax == 127);
  const qp::QParams p = qp::choose_qparams(-10, 10, r, spec.scheme, spec.mode, 8);
  CHECK(p.scale == static_cast<float>(20.0 / 254.0));
  CHECK(quantize_one(-10, p, r, spec.mode) == -127);
  CHECK(quantize_one(10, p, r, spec.mode) == 127);
  CHECK(quantize_one(5, p, r, spec.mode) == 64);  // 63.5: a tie, even is 64
}
