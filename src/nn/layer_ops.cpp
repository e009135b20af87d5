#include "nn/layer_ops.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qp::nn {

template <typename T>
void im2col_nhwc(const T* x, const ActShape& in, size_t kernel, size_t stride, size_t padding, T pad, T* cols,
                 size_t ld) {
  const size_t ho = (in.h + 2 * padding - kernel) / stride + 1;
  const size_t wo = (in.w + 2 * padding - kernel) / stride + 1;
  const size_t c = in.c;
  if (ld == 0) ld = kernel * kernel * c;
  for (size_t oy = 0; oy < ho; ++oy) {
    for (size_t ox = 0; ox < wo; ++ox) {
      T* dst = cols + (oy * wo + ox) * ld;
      for (size_t ky = 0; ky < kernel; ++ky) {
        // Signed arithmetic: the window may start above or left of the image.
        const long iy = static_cast<long>(oy * stride + ky) - static_cast<long>(padding);
        const long ix0 = static_cast<long>(ox * stride) - static_cast<long>(padding);
        if (iy >= 0 && iy < static_cast<long>(in.h) && ix0 >= 0 && ix0 + static_cast<long>(kernel) <= static_cast<long>(in.w)) {
          // The whole kernel row is inside: kernel·c contiguous values (NHWC), one copy.
          const T* src = x + (static_cast<size_t>(iy) * in.w + static_cast<size_t>(ix0)) * c;
          // Short rows (conv1: 3 bytes) by a loop, long ones by memcpy (a call, then vector copies).
          if (kernel * c * sizeof(T) >= 16) std::memcpy(dst, src, kernel * c * sizeof(T));
          else for (size_t i = 0; i < kernel * c; ++i) dst[i] = src[i];
          dst += kernel * c;
          continue;
        }
        for (size_t kx = 0; kx < kernel; ++kx, dst += c) {
          const long ix = static_cast<long>(ox * stride + kx) - static_cast<long>(padding);
          if (iy < 0 || ix < 0 || iy >= static_cast<long>(in.h) || ix >= static_cast<long>(in.w)) {
            std::fill(dst, dst + c, pad);
          } else {
            std::memcpy(dst, x + (static_cast<size_t>(iy) * in.w + static_cast<size_t>(ix)) * c, c * sizeof(T));
          }
        }
      }
    }
  }
}

template <typename T>
void max_pool_nhwc_ref(const T* x, const ActShape& in, size_t kernel, size_t stride, T* out) {
  const size_t ho = (in.h - kernel) / stride + 1, wo = (in.w - kernel) / stride + 1, c = in.c;
  for (size_t oy = 0; oy < ho; ++oy)
    for (size_t ox = 0; ox < wo; ++ox) {
      T* o = out + (oy * wo + ox) * c;
      std::memcpy(o, x + (oy * stride * in.w + ox * stride) * c, c * sizeof(T));
      for (size_t ky = 0; ky < kernel; ++ky)
        for (size_t kx = 0; kx < kernel; ++kx) {
          const T* p = x + ((oy * stride + ky) * in.w + ox * stride + kx) * c;
          for (size_t ch = 0; ch < c; ++ch) o[ch] = std::max(o[ch], p[ch]);
        }
    }
}

#if defined(__wasm_simd128__)
namespace {
// The SIMD tier for the usual 2×2 window: channels in whole vectors of 16 bytes (`vmax` per lane).
template <typename T, typename Max>
void max_pool_2x2_vectors(const T* x, const ActShape& in, size_t stride, T* out, Max vmax) {
  const size_t kernel = 2;
  const size_t ho = (in.h - kernel) / stride + 1, wo = (in.w - kernel) / stride + 1, c = in.c;
  for (size_t oy = 0; oy < ho; ++oy)
    for (size_t ox = 0; ox < wo; ++ox) {
      const T* w = x + (oy * stride * in.w + ox * stride) * c;
      T* o = out + (oy * wo + ox) * c;
      const T* below = w + in.w * c;
      for (size_t ch = 0; ch < c; ch += 16 / sizeof(T))
        wasm_v128_store(o + ch, vmax(vmax(wasm_v128_load(w + ch), wasm_v128_load(w + c + ch)),
                                     vmax(wasm_v128_load(below + ch), wasm_v128_load(below + c + ch))));
    }
}
}  // namespace
#endif

template <typename T>
void max_pool_nhwc(const T* x, const ActShape& in, size_t kernel, size_t stride, T* out) {
#if defined(__wasm_simd128__)
  if constexpr (std::is_same_v<T, int32_t>) {
    if (kernel == 2 && in.c % 4 == 0) return max_pool_2x2_vectors(x, in, stride, out, [](v128_t a, v128_t b) { return wasm_i32x4_max(a, b); });
  }
#endif
  max_pool_nhwc_ref(x, in, kernel, stride, out);
}

namespace {
// Sums each window into acc (per channel), then `finish` turns a sum into the output value.
template <typename T, typename Acc, typename Finish>
void window_sums(const T* x, const ActShape& in, size_t kernel, size_t stride, T* out, Finish finish) {
  const size_t ho = (in.h - kernel) / stride + 1, wo = (in.w - kernel) / stride + 1, c = in.c;
  std::vector<Acc> acc(c);
  for (size_t oy = 0; oy < ho; ++oy)
    for (size_t ox = 0; ox < wo; ++ox) {
      std::fill(acc.begin(), acc.end(), Acc(0));
      for (size_t ky = 0; ky < kernel; ++ky)
        for (size_t kx = 0; kx < kernel; ++kx) {
          const T* p = x + ((oy * stride + ky) * in.w + ox * stride + kx) * c;
          for (size_t ch = 0; ch < c; ++ch) acc[ch] += p[ch];
        }
      T* o = out + (oy * wo + ox) * c;
      for (size_t ch = 0; ch < c; ++ch) o[ch] = finish(acc[ch]);
    }
}
}  // namespace

void avg_pool_nhwc(const float* x, const ActShape& in, size_t kernel, size_t stride, float* out) {
  const float n = static_cast<float>(kernel * kernel);
  window_sums<float, float>(x, in, kernel, stride, out, [n](float s) { return s / n; });
}

void avg_pool_nhwc(const uint8_t* x, const ActShape& in, size_t kernel, size_t stride, uint8_t* out) {
  const uint32_t n = static_cast<uint32_t>(kernel * kernel);
  window_sums<uint8_t, uint32_t>(x, in, kernel, stride, out,
                                 [n](uint32_t s) { return static_cast<uint8_t>((s + n / 2) / n); });
}

// The map may be H×W with H ≠ W, so these sum directly rather than use one square window.
void global_avg_pool_nhwc(const float* x, const ActShape& in, float* out) {
  const size_t c = in.c, n = in.h * in.w;
  for (size_t ch = 0; ch < c; ++ch) {
    float s = 0;
    for (size_t p = 0; p < n; ++p) s += x[p * c + ch];
    out[ch] = s / static_cast<float>(n);
  }
}

void global_avg_pool_nhwc(const uint8_t* x, const ActShape& in, uint8_t* out) {
  const size_t c = in.c, n = in.h * in.w;
  for (size_t ch = 0; ch < c; ++ch) {
    uint64_t s = 0;
    for (size_t p = 0; p < n; ++p) s += x[p * c + ch];
    out[ch] = static_cast<uint8_t>((s + n / 2) / n);
  }
}

template <typename T>
void nchw_to_nhwc(const T* x, size_t batch, const ActShape& s, T* out) {
  const size_t hw = s.h * s.w, size = s.size();
  for (size_t b = 0; b < batch; ++b)
    for (size_t ch = 0; ch < s.c; ++ch)
      for (size_t p = 0; p < hw; ++p) out[b * size + p * s.c + ch] = x[b * size + ch * hw + p];
}

std::vector<uint32_t> engine_fan_in_order(const Layer& layer, const ActShape& input) {
  std::vector<uint32_t> order;
  if (layer.kind == LayerKind::Conv2d) {
    const size_t k = layer.kernel, c = layer.in;
    order.reserve(c * k * k);
    for (size_t ky = 0; ky < k; ++ky)
      for (size_t kx = 0; kx < k; ++kx)
        for (size_t ch = 0; ch < c; ++ch) order.push_back(static_cast<uint32_t>((ch * k + ky) * k + kx));
    return order;
  }
  // Linear: `input` is the map that was flattened (c×h×w), or n×1×1 for a flat input.
  const size_t hw = input.h * input.w;
  order.reserve(input.size());
  for (size_t p = 0; p < hw; ++p)
    for (size_t ch = 0; ch < input.c; ++ch) order.push_back(static_cast<uint32_t>(ch * hw + p));
  return order;
}

template <typename T>
std::vector<T> permute_fan_in(const std::vector<T>& w, size_t out, const std::vector<uint32_t>& order) {
  const size_t k = order.size();
  std::vector<T> r(out * k);
  for (size_t o = 0; o < out; ++o)
    for (size_t i = 0; i < k; ++i) r[o * k + i] = w[o * k + order[i]];
  return r;
}

template void im2col_nhwc<float>(const float*, const ActShape&, size_t, size_t, size_t, float, float*, size_t);
template void im2col_nhwc<uint8_t>(const uint8_t*, const ActShape&, size_t, size_t, size_t, uint8_t, uint8_t*,
                                   size_t);
template void max_pool_nhwc<float>(const float*, const ActShape&, size_t, size_t, float*);
template void max_pool_nhwc<uint8_t>(const uint8_t*, const ActShape&, size_t, size_t, uint8_t*);
template void max_pool_nhwc<int32_t>(const int32_t*, const ActShape&, size_t, size_t, int32_t*);
template void max_pool_nhwc_ref<uint8_t>(const uint8_t*, const ActShape&, size_t, size_t, uint8_t*);
template void max_pool_nhwc_ref<int32_t>(const int32_t*, const ActShape&, size_t, size_t, int32_t*);
template void nchw_to_nhwc<float>(const float*, size_t, const ActShape&, float*);
template void nchw_to_nhwc<uint8_t>(const uint8_t*, size_t, const ActShape&, uint8_t*);
template std::vector<float> permute_fan_in<float>(const std::vector<float>&, size_t, const std::vector<uint32_t>&);
template std::vector<uint8_t> permute_fan_in<uint8_t>(const std::vector<uint8_t>&, size_t,
                                                      const std::vector<uint32_t>&);

}  // namespace qp::nn
