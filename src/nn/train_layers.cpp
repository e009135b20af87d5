// train_layers.h: forward / backward of each layer kind over a batch.
//
// Conv2d is lowered to matrix products (im2col): with P output pixels per sample and
// K = in_channels·kernel² the layer's fan-in,
//   forward   Yᵀ[batch·P, out]  = col[batch·P, K] · Wᵀ[K, out]
//   weights   dW[out, K]        = Σ_samples dY_s[out, P] · col_s[P, K]   (k = P per product: the
//             packed panel stays in L1, where one product over k = batch·P would stream it from memory)
//   input     dcol[batch·P, K]  = dYᵀ[batch·P, out] · W[out, K], then col2im adds it back.
#include "nn/train_layers.h"

#include <algorithm>
#include <cstring>


namespace qp::nn {

namespace {

constexpr size_t kNr = 8, kMr = 4;  // micro-tile: 4 rows of A × one panel of 8 columns of B

// Four floats as a GCC/clang vector type: element-wise IEEE operations per lane, lowered to SSE
// natively, to wasm SIMD with -msimd128 and to scalar code otherwise, with the same bits.
typedef float v4f __attribute__((vector_size(16)));

inline v4f load4(const float* p) {
  v4f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// rows (1..4) rows of A times one packed panel (k × 8): acc[r][j] = Σ_p a_r[p]·panel[p][j], p
// increasing from +0. Each lane owns one output, so the vector code computes exactly the scalar
// sums; the 4×8 accumulators stay in 8 registers.
void micro_4x8(size_t rows, size_t k, const float* a, size_t lda, const float* panel, float* c, size_t ldc,
               size_t cols) {
  const float* a0 = a;
  const float* a1 = rows > 1 ? a + lda : a0;
  const float* a2 = rows > 2 ? a + 2 * lda : a0;
  const float* a3 = rows > 3 ? a + 3 * lda : a0;
  v4f c00 = {}, c01 = {}, c10 = {}, c11 = {}, c20 = {}, c21 = {}, c30 = {}, c31 = {};
  for (size_t p = 0; p < k; ++p) {
    const v4f b0 = load4(panel + p * kNr), b1 = load4(panel + p * kNr + 4);
    const float x0 = a0[p], x1 = a1[p], x2 = a2[p], x3 = a3[p];
    const v4f s0 = {x0, x0, x0, x0}, s1 = {x1, x1, x1, x1}, s2 = {x2, x2, x2, x2}, s3 = {x3, x3, x3, x3};
    c00 += s0 * b0;
    c01 += s0 * b1;
    c10 += s1 * b0;
    c11 += s1 * b1;
    c20 += s2 * b0;
    c21 += s2 * b1;
    c30 += s3 * b0;
    c31 += s3 * b1;
  }
  float acc[kMr][kNr];
  std::memcpy(acc[0], &c00, 16);
  std::memcpy(acc[0] + 4, &c01, 16);
  std::memcpy(acc[1], &c10, 16);
  std::memcpy(acc[1] + 4, &c11, 16);
  std::memcpy(acc[2], &c20, 16);
  std::memcpy(acc[2] + 4, &c21, 16);
  std::memcpy(acc[3], &c30, 16);
  std::memcpy(acc[3] + 4, &c31, 16);
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < cols; ++j) c[r * ldc + j] = acc[r][j];
}

}  // namespace

// The trainer's own product (rather than kernels::gemm_f32): its portable micro-kernel is
// written for wasm SIMD and vectorizes poorly natively, and training spends most of its time
// here. Each output is still Σ_p a[i][p]·b[p][j] in increasing p from +0, so the bits do not
// depend on the compiler or on vectorization. The packing buffer is reused between calls.
void matmul_f32(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b, size_t stride_k,
                size_t stride_n, float* c, size_t ldc) {
  if (m == 0 || n == 0) return;
  thread_local std::vector<float> packed;
  const size_t panels = (n + kNr - 1) / kNr;
  packed.resize(panels * k * kNr);
  for (size_t q = 0; q < panels; ++q) {
    float* panel = packed.data() + q * k * kNr;
    const size_t cols = std::min(kNr, n - q * kNr);
    for (size_t p = 0; p < k; ++p) {
      const float* src = b + p * stride_k + q * kNr * stride_n;
      for (size_t j = 0; j < cols; ++j) panel[p * kNr + j] = src[j * stride_n];
      for (size_t j = cols; j < kNr; ++j) panel[p * kNr + j] = 0.0f;
    }
  }
  // Rows of A in blocks of about 64 KiB, so a block stays in L2 while every panel passes over it.
  const size_t mc = std::max<size_t>(kMr, (size_t{16384} / std::max<size_t>(k, 1)) / kMr * kMr);
  for (size_t i0 = 0; i0 < m; i0 += mc) {
    const size_t i1 = std::min(m, i0 + mc);
    for (size_t q = 0; q < panels; ++q) {
      const float* panel = packed.data() + q * k * kNr;
      const size_t cols = std::min(kNr, n - q * kNr);
      for (size_t i = i0; i < i1; i += kMr)
        micro_4x8(std::min(kMr, i1 - i), k, a + i * lda, lda, panel, c + i * ldc + q * kNr, ldc, cols);
    }
  }
}

namespace {

struct ConvGeometry {
  size_t cin, h, w, cout, oh, ow, k, stride, pad;
  size_t P() const { return oh * ow; }
  size_t K() const { return cin * k * k; }
};

ConvGeometry conv_geometry(const Layer& l, const ActShape& in, const ActShape& out) {
  return {in.c, in.h, in.w, out.c, out.h, out.w, l.kernel, l.stride, l.padding};
}

void im2col(const ConvGeometry& g, size_t batch, const float* x, float* col) {
  const size_t K = g.K();
  for (size_t b = 0; b < batch; ++b) {
    const float* xs = x + b * g.cin * g.h * g.w;
    for (size_t oy = 0; oy < g.oh; ++oy) {
      for (size_t ox = 0; ox < g.ow; ++ox) {
        float* row = col + ((b * g.oh + oy) * g.ow + ox) * K;
        for (size_t ci = 0; ci < g.cin; ++ci) {
          for (size_t ky = 0; ky < g.k; ++ky) {
            // Signed arithmetic for the padding border: iy may be negative.
            const long iy = static_cast<long>(oy * g.stride + ky) - static_cast<long>(g.pad);
            const long ix0 = static_cast<long>(ox * g.stride) - static_cast<long>(g.pad);
            const bool row_inside = iy >= 0 && iy < static_cast<long>(g.h);
            if (row_inside && ix0 >= 0 && ix0 + static_cast<long>(g.k) <= static_cast<long>(g.w)) {
              const float* src = xs + (ci * g.h + iy) * g.w + ix0;  // the common, interior case
              for (size_t kx = 0; kx < g.k; ++kx) *row++ = src[kx];
              continue;
            }
            for (size_t kx = 0; kx < g.k; ++kx) {
              const long ix = ix0 + static_cast<long>(kx);
              const bool inside = row_inside && ix >= 0 && ix < static_cast<long>(g.w);
              *row++ = inside ? xs[(ci * g.h + iy) * g.w + ix] : 0.0f;
            }
          }
        }
      }
    }
  }
}

void col2im(const ConvGeometry& g, size_t batch, const float* col, float* dx) {
  const size_t K = g.K();
  std::fill(dx, dx + batch * g.cin * g.h * g.w, 0.0f);
  for (size_t b = 0; b < batch; ++b) {
    float* ds = dx + b * g.cin * g.h * g.w;
    for (size_t oy = 0; oy < g.oh; ++oy) {
      for (size_t ox = 0; ox < g.ow; ++ox) {
        const float* row = col + ((b * g.oh + oy) * g.ow + ox) * K;
        for (size_t ci = 0; ci < g.cin; ++ci) {
          for (size_t ky = 0; ky < g.k; ++ky) {
            const long iy = static_cast<long>(oy * g.stride + ky) - static_cast<long>(g.pad);
            for (size_t kx = 0; kx < g.k; ++kx, ++row) {
              const long ix = static_cast<long>(ox * g.stride + kx) - static_cast<long>(g.pad);
              if (iy >= 0 && iy < static_cast<long>(g.h) && ix >= 0 && ix < static_cast<long>(g.w))
                ds[(ci * g.h + iy) * g.w + ix] += *row;
            }
          }
        }
      }
    }
  }
}

void conv_forward(const Layer& l, const float* weight, const ActShape& in, const ActShape& out, size_t batch,
                  const float* x, float* y, LayerScratch& s) {
  const ConvGeometry g = conv_geometry(l, in, out);
  const size_t P = g.P(), K = g.K();
  s.col.resize(batch * P * K);
  im2col(g, batch, x, s.col.data());
  s.tmp.resize(batch * P * g.cout);
  matmul_f32(batch * P, g.cout, K, s.col.data(), K, weight, 1, K, s.tmp.data(), g.cout);
  for (size_t b = 0; b < batch; ++b)  // [batch·P, out] → NCHW, plus the bias
    for (size_t co = 0; co < g.cout; ++co) {
      float* yr = y + (b * g.cout + co) * P;
      const float* t = s.tmp.data() + b * P * g.cout + co;
      const float bias = l.bias[co];
      for (size_t p = 0; p < P; ++p) yr[p] = t[p * g.cout] + bias;
    }
}

void conv_backward(const Layer& l, const float* weight, const ActShape& in, const ActShape& out, size_t batch,
                   const float* dy, float* dx, float* dw, float* db, LayerScratch& s) {
  const ConvGeometry g = conv_geometry(l, in, out);
  const size_t P = g.P(), K = g.K();
  for (size_t co = 0; co < g.cout; ++co) {
    float sum = 0.0f;
    for (size_t b = 0; b < batch; ++b) {
      const float* d = dy + (b * g.cout + co) * P;
      for (size_t p = 0; p < P; ++p) sum += d[p];
    }
    db[co] = sum;
  }
  std::fill(dw, dw + g.cout * K, 0.0f);
  s.tmp2.resize(g.cout * K);
  for (size_t b = 0; b < batch; ++b) {
    matmul_f32(g.cout, K, P, dy + b * g.cout * P, P, s.col.data() + b * P * K, K, 1, s.tmp2.data(), K);
    for (size_t i = 0; i < g.cout * K; ++i) dw[i] += s.tmp2[i];
  }
  if (!dx) return;
  s.tmp.resize(batch * P * g.cout);  // dY as [batch·P, out]
  for (size_t b = 0; b < batch; ++b)
    for (size_t co = 0; co < g.cout; ++co) {
      const float* d = dy + (b * g.cout + co) * P;
      float* t = s.tmp.data() + b * P * g.cout + co;
      for (size_t p = 0; p < P; ++p) t[p * g.cout] = d[p];
    }
  // The im2col buffer is no longer needed: it takes dcol.
  matmul_f32(batch * P, K, g.cout, s.tmp.data(), g.cout, weight, K, 1, s.col.data(), K);
  col2im(g, batch, s.col.data(), dx);
}

void linear_forward(const Layer& l, const float* weight, size_t batch, const float* x, float* y) {
  matmul_f32(batch, l.out, l.in, x, l.in, weight, 1, l.in, y, l.out);
  for (size_t b = 0; b < batch; ++b)
    for (size_t o = 0; o < l.out; ++o) y[b * l.out + o] += l.bias[o];
}

void linear_backward(const Layer& l, const float* weight, size_t batch, const float* x, const float* dy, float* dx,
                     float* dw, float* db, LayerScratch& s) {
  for (size_t o = 0; o < l.out; ++o) {
    float sum = 0.0f;
    for (size_t b = 0; b < batch; ++b) sum += dy[b * l.out + o];
    db[o] = sum;
  }
  s.tmp.resize(l.out * batch);  // dYᵀ
  for (size_t b = 0; b < batch; ++b)
    for (size_t o = 0; o < l.out; ++o) s.tmp[o * batch + b] = dy[b * l.out + o];
  matmul_f32(l.out, l.in, batch, s.tmp.data(), batch, x, l.in, 1, dw, l.in);
  if (dx) matmul_f32(batch, l.in, l.out, dy, l.out, weight, l.in, 1, dx, l.in);
}

void pool_forward(const Layer& l, bool is_max, const ActShape& in, const ActShape& out, size_t batch, const float* x,
                  float* y, LayerScratch& s) {
  const size_t k = l.kernel, st = l.stride, in_size = in.size(), out_size = out.size();
  if (is_max) s.argmax.resize(batch * out_size);
  const float kk = static_cast<float>(k * k);  // divided, as torch does (sum / count)
  for (size_t b = 0; b < batch; ++b)
    for (size_t c = 0; c < out.c; ++c)
      for (size_t oy = 0; oy < out.h; ++oy)
        for (size_t ox = 0; ox < out.w; ++ox) {
          const size_t o = b * out_size + (c * out.h + oy) * out.w + ox;
          const float* xs = x + b * in_size;
          if (is_max) {
            size_t best = (c * in.h + oy * st) * in.w + ox * st;
            for (size_t ky = 0; ky < k; ++ky)
              for (size_t kx = 0; kx < k; ++kx) {
                const size_t i = (c * in.h + oy * st + ky) * in.w + ox * st + kx;
                if (xs[i] > xs[best]) best = i;  // the first maximum wins, as in PyTorch
              }
            s.argmax[o] = static_cast<uint32_t>(best);
            y[o] = xs[best];
          } else {
            float sum = 0.0f;
            for (size_t ky = 0; ky < k; ++ky)
              for (size_t kx = 0; kx < k; ++kx) sum += xs[(c * in.h + oy * st + ky) * in.w + ox * st + kx];
            y[o] = sum / kk;
          }
        }
}

void pool_backward(const Layer& l, bool is_max, const ActShape& in, const ActShape& out, size_t batch,
                   const float* dy, float* dx, const LayerScratch& s) {
  const size_t k = l.kernel, st = l.stride, in_size = in.size(), out_size = out.size();
  std::fill(dx, dx + batch * in_size, 0.0f);
  const float kk = static_cast<float>(k * k);
  for (size_t b = 0; b < batch; ++b)
    for (size_t c = 0; c < out.c; ++c)
      for (size_t oy = 0; oy < out.h; ++oy)
        for (size_t ox = 0; ox < out.w; ++ox) {
          const size_t o = b * out_size + (c * out.h + oy) * out.w + ox;
          float* ds = dx + b * in_size;
          if (is_max) {
            ds[s.argmax[o]] += dy[o];
          } else {
            const float g = dy[o] / kk;
            for (size_t ky = 0; ky < k; ++ky)
              for (size_t kx = 0; kx < k; ++kx) ds[(c * in.h + oy * st + ky) * in.w + ox * st + kx] += g;
          }
        }
}

}  // namespace

void forward_layer(const Layer& layer, const float* weight, const ActShape& in, const ActShape& out, size_t batch,
                   const float* x, float* y, LayerScratch& s) {
  const size_t n_in = batch * in.size();
  switch (layer.kind) {
    case LayerKind::Linear: linear_forward(layer, weight, batch, x, y); break;
    case LayerKind::Conv2d: conv_forward(layer, weight, in, out, batch, x, y, s); break;
    case LayerKind::Relu:
      for (size_t i = 0; i < n_in; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case LayerKind::MaxPool2d: pool_forward(layer, true, in, out, batch, x, y, s); break;
    case LayerKind::AvgPool2d: pool_forward(layer, false, in, out, batch, x, y, s); break;
    case LayerKind::GlobalAvgPool: {
      const size_t hw = in.h * in.w;
      const float n = static_cast<float>(hw);
      for (size_t bc = 0; bc < batch * in.c; ++bc) {
        float sum = 0.0f;
        for (size_t i = 0; i < hw; ++i) sum += x[bc * hw + i];
        y[bc] = sum / n;
      }
      break;
    }
    case LayerKind::Flatten: std::memcpy(y, x, n_in * sizeof(float)); break;
  }
}

void backward_layer(const Layer& layer, const float* weight, const ActShape& in, const ActShape& out, size_t batch,
                    const float* x, const float* y, const float* dy, float* dx, float* dweight, float* dbias,
                    LayerScratch& s) {
  const size_t n_in = batch * in.size();
  switch (layer.kind) {
    case LayerKind::Linear: linear_backward(layer, weight, batch, x, dy, dx, dweight, dbias, s); break;
    case LayerKind::Conv2d: conv_backward(layer, weight, in, out, batch, dy, dx, dweight, dbias, s); break;
    case LayerKind::Relu:
      if (dx)
        for (size_t i = 0; i < n_in; ++i) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
      break;
    case LayerKind::MaxPool2d:
      if (dx) pool_backward(layer, true, in, out, batch, dy, dx, s);
      break;
    case LayerKind::AvgPool2d:
      if (dx) pool_backward(layer, false, in, out, batch, dy, dx, s);
      break;
    case LayerKind::GlobalAvgPool:
      if (dx) {
        const size_t hw = in.h * in.w;
        const float n = static_cast<float>(hw);
        for (size_t bc = 0; bc < batch * in.c; ++bc)
          for (size_t i = 0; i < hw; ++i) dx[bc * hw + i] = dy[bc] / n;
      }
      break;
    case LayerKind::Flatten:
      if (dx) std::memcpy(dx, dy, n_in * sizeof(float));
      break;
  }
}

}  // namespace qp::nn
