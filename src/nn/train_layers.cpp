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

#include "kernels/gemm_f32.h"

namespace qp::nn {

void matmul_f32(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b, size_t stride_k,
                size_t stride_n, float* c, size_t ldc) {
  if (m == 0 || n == 0) return;
  const kernels::PackedF32Weights packed = kernels::pack_f32_weights(b, k, n, stride_k, stride_n);
  kernels::gemm_f32(m, a, lda, packed, c, ldc);
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
            for (size_t kx = 0; kx < g.k; ++kx) {
              const long ix = static_cast<long>(ox * g.stride + kx) - static_cast<long>(g.pad);
              const bool inside = iy >= 0 && iy < static_cast<long>(g.h) && ix >= 0 && ix < static_cast<long>(g.w);
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
