// The fused static convolution path against the plain one it replaces, bit for bit:
//   - the relaxed rows packed straight from a padded map (gemm_q8_relaxed_conv.h), both tiers,
//     against im2col_nhwc followed by gemm_q8_relaxed_pack_rows_generic group by group;
//   - gemm_q8_relaxed_prepacked on those rows against gemm_q8_ref on the im2col rows;
//   - the integer max-pool's SIMD tier against its reference;
//   - a static conv → ReLU → max-pool chain run as separate steps and after fuse_steps (ReLU in the
//     clamp, pool on the int32 accumulators or on the codes), on every GEMM path.
// Shapes: channels 1, 2, 3, 15, 16, 17, 32; kernels 1..5; strides 1, 2; padding 0..2; maps down
// to 1×1 after the conv.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "kernels/gemm_q8.h"
#include "kernels/gemm_q8_relaxed.h"
#include "kernels/gemm_q8_relaxed_conv.h"
#include "nn/engine_steps.h"
#include "nn/layer_ops.h"

namespace k = qp::kernels;
using namespace qp::nn;

namespace {

struct ConvShape {
  size_t c, h, w, kernel, stride, padding;
};

std::vector<ConvShape> conv_shapes() {
  std::vector<ConvShape> shapes = {{1, 28, 28, 3, 1, 1}, {16, 14, 14, 3, 1, 1}, {1, 1, 1, 1, 1, 0},
                                   {3, 5, 4, 3, 2, 2},   {17, 3, 3, 3, 1, 0},   {15, 6, 7, 2, 2, 1},
                                   {32, 4, 4, 1, 1, 0},  {2, 9, 5, 5, 1, 2},    {16, 1, 2, 1, 2, 0},
                                   // K ≤ 16 in 2 and 4 pieces (the SIMD tier's one-slice rows)
                                   {2, 5, 6, 2, 1, 1},   {1, 6, 6, 4, 2, 1},    {3, 4, 4, 2, 2, 0}};
  std::mt19937 rng(11);
  for (int i = 0; i < 12; ++i) {
    ConvShape s;
    const size_t cs[] = {1, 2, 3, 15, 16, 17, 32};
    s.c = cs[rng() % 7];
    s.kernel = 1 + rng() % 4;
    s.stride = 1 + rng() % 2;
    s.padding = rng() % 3 < s.kernel ? rng() % 3 : 0;
    s.h = s.kernel + rng() % 6;
    s.w = s.kernel + rng() % 6;
    shapes.push_back(s);
  }
  return shapes;
}

// The plain path: im2col with the pad code, then the relaxed row packing group by group.
void reference_packing(const k::RelaxedConvRowsPlan& plan, const ConvShape& s, const uint8_t* x, uint8_t pad,
                       std::vector<int8_t>& packed, std::vector<uint32_t>& sums) {
  const size_t m = plan.rows(), ld = plan.k_padded;
  std::vector<uint8_t> cols(m * ld, 0);
  im2col_nhwc<uint8_t>(x, {s.c, s.h, s.w}, s.kernel, s.stride, s.padding, pad, cols.data(), ld);
  packed.assign(plan.packed_bytes(), 0);
  sums.assign(m, 0);
  const size_t mr = plan.group_rows;
  for (size_t r0 = 0; r0 < m; r0 += mr) {
    const size_t rows = std::min(mr, m - r0);
    std::vector<uint32_t> group_sums(mr);
    k::gemm_q8_relaxed_pack_rows_generic(cols.data() + r0 * ld, ld, false, rows, rows == 1 ? 1 : mr, plan.k,
                                         plan.k_padded, plan.dots, packed.data() + r0 * plan.row_bytes(),
                                         group_sums.data());
    for (size_t r = 0; r < rows; ++r) sums[r0 + r] = group_sums[r];
  }
}

}  // namespace

TEST_CASE("relaxed conv rows: packed from the padded map = im2col + row packing (both tiers)") {
  std::mt19937 rng(3);
  for (const ConvShape& s : conv_shapes()) {
    for (size_t group_rows : {size_t{3}, size_t{4}}) {
      for (size_t dots : {size_t{1}, size_t{2}}) {
        const size_t kk = s.kernel * s.kernel * s.c, kp = (kk + 15) / 16 * 16;
        const auto plan = k::plan_relaxed_conv_rows(s.h, s.w, s.c, s.kernel, s.stride, s.padding, kp, dots, group_rows);
        std::vector<uint8_t> x(s.h * s.w * s.c);
        for (auto& v : x) v = static_cast<uint8_t>(rng());
        const uint8_t pad = static_cast<uint8_t>(rng());
        std::vector<int8_t> want;
        std::vector<uint32_t> want_sums;
        reference_packing(plan, s, x.data(), pad, want, want_sums);
        std::vector<uint8_t> padded;
        int border = -1;
        k::pad_map_u8(x.data(), s.h, s.w, s.c, s.padding, pad, padded, &border);
        std::vector<int8_t> got(plan.packed_bytes(), 99);
        std::vector<uint32_t> got_sums(plan.rows(), 7);
        k::pack_relaxed_conv_rows_generic(plan, padded.data(), got.data(), got_sums.data());
        INFO("C=", s.c, " H=", s.h, " W=", s.w, " kernel=", s.kernel, " stride=", s.stride, " padding=", s.padding,
             " group_rows=", group_rows, " dots=", dots);
        CHECK(got == want);
        CHECK(got_sums == want_sums);
        // The SIMD tier takes one-slice and whole-slice plans (K = C·kernel² ≤ 16, or runs of
        // kernel·C bytes filling whole slices) and refuses the others, which engines pack via im2col.
        const bool simd_plan = kk <= 16 || s.kernel * s.c % 16 == 0;
        CHECK(k::relaxed_conv_rows_have_simd(plan) == simd_plan);
#if defined(__wasm_simd128__)
        std::vector<int8_t> simd(plan.packed_bytes(), 99);
        std::vector<uint32_t> simd_sums(plan.rows(), 7);
        if (simd_plan) {
          k::pack_relaxed_conv_rows__wasmsimd(plan, padded.data(), simd.data(), simd_sums.data());
          CHECK(simd == want);
          CHECK(simd_sums == want_sums);
        } else {
          CHECK_THROWS(k::pack_relaxed_conv_rows__wasmsimd(plan, padded.data(), simd.data(), simd_sums.data()));
        }
#endif
        // A second map with another pad code through the same buffer: the border is re-written.
        const uint8_t pad2 = static_cast<uint8_t>(pad + 1);
        reference_packing(plan, s, x.data(), pad2, want, want_sums);
        k::pad_map_u8(x.data(), s.h, s.w, s.c, s.padding, pad2, padded, &border);
        if (simd_plan) {
          k::pack_relaxed_conv_rows(plan, padded.data(), got.data(), got_sums.data());
        } else {
          k::pack_relaxed_conv_rows_generic(plan, padded.data(), got.data(), got_sums.data());
        }
        CHECK(got == want);
        CHECK(got_sums == want_sums);
      }
    }
  }
}

TEST_CASE("relaxed conv rows: the prepacked GEMM equals gemm_q8_ref on the im2col rows (both kernel sets)") {
  std::mt19937 rng(4);
  for (const ConvShape& s : conv_shapes()) {
    for (bool u8_set : {false, true}) {
      const k::RelaxedKernels kernels = u8_set ? k::relaxed_kernels_emulated_u8() : k::relaxed_kernels_emulated();
      const size_t kk = s.kernel * s.kernel * s.c;
      for (size_t n : {size_t{1}, size_t{8}, size_t{17}}) {
        // int4-like weights on the i7 set (one dot), full int8 on the u8 set.
        std::vector<int8_t> w(kk * n);
        for (auto& v : w) v = static_cast<int8_t>(u8_set ? static_cast<int>(rng() % 256) - 128 : static_cast<int>(rng() % 16) - 8);
        const k::PackedQ8RelaxedWeights b = k::pack_q8_relaxed_weights({reinterpret_cast<const uint8_t*>(w.data()), true},
                                                                       kk, n, n, 1, {0}, false, u8_set);
        REQUIRE(b.mode != k::RelaxedWeightMode::kSimd128);
        const auto plan = k::plan_relaxed_conv_rows(s.h, s.w, s.c, s.kernel, s.stride, s.padding, b.k_padded, b.dots,
                                                    kernels.rows);
        const auto pack = k::relaxed_conv_rows_have_simd(plan) ? k::pack_relaxed_conv_rows
                                                               : k::pack_relaxed_conv_rows_generic;
        std::vector<uint8_t> x(s.h * s.w * s.c);
        for (auto& v : x) v = static_cast<uint8_t>(rng());
        const int32_t za = static_cast<int32_t>(rng() % 256);
        std::vector<int32_t> bias(n);
        for (auto& v : bias) v = static_cast<int32_t>(rng());
        const size_t m = plan.rows();
        std::vector<uint8_t> cols(m * kk);
        im2col_nhwc<uint8_t>(x.data(), {s.c, s.h, s.w}, s.kernel, s.stride, s.padding, static_cast<uint8_t>(za),
                             cols.data());
        std::vector<int32_t> want(m * n), got(m * n, 5);
        const std::vector<int32_t> zb(n, 0);
        k::gemm_q8_ref(m, n, kk, {cols.data(), false}, kk, za, {reinterpret_cast<const uint8_t*>(w.data()), true}, n,
                       zb.data(), want.data(), n);
        for (size_t i = 0; i < m; ++i)
          for (size_t j = 0; j < n; ++j)
            want[i * n + j] = static_cast<int32_t>(static_cast<uint32_t>(want[i * n + j]) + static_cast<uint32_t>(bias[j]));
        std::vector<uint8_t> padded;
        int border = -1;
        k::pad_map_u8(x.data(), s.h, s.w, s.c, s.padding, static_cast<uint8_t>(za), padded, &border);
        std::vector<int8_t> packed(plan.packed_bytes());
        std::vector<uint32_t> sums(m);
        pack(plan, padded.data(), packed.data(), sums.data());
        const auto column_add = k::relaxed_column_add(b, za, bias.data());
        k::gemm_q8_relaxed_prepacked(m, packed.data(), sums.data(), b, column_add.data(), got.data(), n, kernels);
        INFO("C=", s.c, " H=", s.h, " W=", s.w, " kernel=", s.kernel, " stride=", s.stride, " padding=", s.padding,
             " N=", n, " u8 set=", u8_set);
        CHECK(got == want);
      }
    }
  }
}

TEST_CASE("max_pool_nhwc: the integer tiers equal the reference") {
  std::mt19937 rng(8);
  for (size_t c : {1, 4, 15, 16, 17, 32}) {
    for (size_t kernel : {1, 2, 3}) {
      for (size_t stride : {1, 2, 3}) {
        const ActShape in{c, kernel + rng() % 5, kernel + rng() % 5};
        const size_t out = c * ((in.h - kernel) / stride + 1) * ((in.w - kernel) / stride + 1);
        std::vector<uint8_t> x8(in.size()), want8(out), got8(out);
        std::vector<int32_t> x32(in.size()), want32(out), got32(out);
        for (auto& v : x8) v = static_cast<uint8_t>(rng());
        for (auto& v : x32) v = static_cast<int32_t>(rng());
        max_pool_nhwc_ref<uint8_t>(x8.data(), in, kernel, stride, want8.data());
        max_pool_nhwc<uint8_t>(x8.data(), in, kernel, stride, got8.data());
        max_pool_nhwc_ref<int32_t>(x32.data(), in, kernel, stride, want32.data());
        max_pool_nhwc<int32_t>(x32.data(), in, kernel, stride, got32.data());
        INFO("C=", c, " H=", in.h, " W=", in.w, " kernel=", kernel, " stride=", stride);
        CHECK(got8 == want8);
        CHECK(got32 == want32);
      }
    }
  }
}

namespace {

struct ChainCase {
  ConvShape s;
  size_t out_channels;
  size_t pool_kernel, pool_stride;
  bool relu_first;
  std::pair<float, float> in_range, out_range;
  int weight_span;  // codes in [−span, span − 1]
};

// conv (static, codes out) → ReLU → max-pool (or pool then ReLU), as separate steps or fused.
std::vector<uint8_t> run_chain(const ChainCase& cc, const std::vector<int8_t>& codes, const std::vector<float>& scales,
                               const std::vector<float>& bias, bool float_requant, bool fuse,
                               const std::vector<uint8_t>& x, size_t batch) {
  WeightedGeometry g;
  g.kind = LayerKind::Conv2d;
  g.in = {cc.s.c, cc.s.h, cc.s.w};
  g.kernel = cc.s.kernel;
  g.stride = cc.s.stride;
  g.padding = cc.s.padding;
  g.out = {cc.out_channels, (cc.s.h + 2 * cc.s.padding - cc.s.kernel) / cc.s.stride + 1,
           (cc.s.w + 2 * cc.s.padding - cc.s.kernel) / cc.s.stride + 1};
  g.fan_in = cc.s.kernel * cc.s.kernel * cc.s.c;
  g.channels_out = cc.out_channels;
  g.weighted_index = 0;
  Layer relu;
  relu.kind = LayerKind::Relu;
  Layer pool;
  pool.kind = LayerKind::MaxPool2d;
  pool.kernel = cc.pool_kernel;
  pool.stride = cc.pool_stride;
  std::vector<std::unique_ptr<Step>> steps;
  steps.push_back(make_static_step(g, codes, scales, bias, cc.in_range, &cc.out_range, float_requant));
  if (cc.relu_first) steps.push_back(make_shape_step(relu, g.out));
  steps.push_back(make_shape_step(pool, g.out));
  if (!cc.relu_first) {
    const ActShape pooled{g.out.c, (g.out.h - cc.pool_kernel) / cc.pool_stride + 1,
                          (g.out.w - cc.pool_kernel) / cc.pool_stride + 1};
    steps.push_back(make_shape_step(relu, pooled));
  }
  if (fuse) {
    steps = fuse_steps(std::move(steps));
    CHECK(steps.size() == 1);
  }
  Activations a;
  a.batch = batch;
  a.shape = g.in;
  a.is_codes = true;
  a.qparams = activation_qparams(cc.in_range);
  a.codes.assign(x.begin(), x.end());
  for (auto& step : steps) step->run(a);
  REQUIRE(a.is_codes);
  return {a.codes.begin(), a.codes.end()};
}

}  // namespace

TEST_CASE("fused static conv → ReLU → max-pool equals the separate steps, on every GEMM path") {
  std::mt19937 rng(21);
  const std::vector<ChainCase> cases = {
      {{1, 28, 28, 3, 1, 1}, 16, 2, 2, true, {0.0f, 1.0f}, {-0.3f, 2.5f}, 128},
      {{16, 14, 14, 3, 1, 1}, 32, 2, 2, true, {0.0f, 3.0f}, {-1.0f, 4.0f}, 128},
      {{3, 7, 6, 3, 2, 1}, 17, 2, 1, false, {-1.0f, 1.0f}, {-0.5f, 0.7f}, 8},
      {{17, 5, 5, 2, 1, 0}, 15, 3, 2, true, {-2.0f, 2.0f}, {0.0f, 9.0f}, 64},
      // A tiny output range: multipliers ≫ 1, so the fixed-point left shift makes int32 pooling
      // unsafe and the pool runs on the codes.
      {{16, 4, 4, 3, 1, 1}, 16, 2, 2, true, {-10.0f, 10.0f}, {-1e-6f, 1e-6f}, 128},
  };
  for (const ChainCase& cc : cases) {
    const size_t kk = cc.s.kernel * cc.s.kernel * cc.s.c;
    std::vector<int8_t> codes(kk * cc.out_channels);
    for (auto& v : codes) v = static_cast<int8_t>(static_cast<int>(rng() % (2 * cc.weight_span)) - cc.weight_span);
    std::vector<float> scales(cc.out_channels), bias(cc.out_channels);
    for (auto& v : scales) v = 0.001f + 0.01f * static_cast<float>(rng() % 100) / 100.0f;
    for (auto& v : bias) v = static_cast<float>(static_cast<int>(rng() % 200) - 100) / 100.0f;
    const size_t batch = 3;
    std::vector<uint8_t> x(batch * cc.s.h * cc.s.w * cc.s.c);
    for (auto& v : x) v = static_cast<uint8_t>(rng());
    for (bool float_requant : {false, true}) {
      k::uninstall_relaxed_kernels();
      const auto plain = run_chain(cc, codes, scales, bias, float_requant, false, x, batch);
      for (int kernels = 0; kernels < 3; ++kernels) {
        if (kernels == 1) k::install_relaxed_kernels(k::relaxed_kernels_emulated());
        if (kernels == 2) k::install_relaxed_kernels(k::relaxed_kernels_emulated_u8());
        INFO("C=", cc.s.c, " H=", cc.s.h, " N=", cc.out_channels, " float requantization=", float_requant,
             " kernels=", kernels);
        CHECK(run_chain(cc, codes, scales, bias, float_requant, true, x, batch) == plain);
        CHECK(run_chain(cc, codes, scales, bias, float_requant, false, x, batch) == plain);
      }
      k::uninstall_relaxed_kernels();
    }
  }
}
