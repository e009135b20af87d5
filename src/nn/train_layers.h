// Batched forward and backward passes of each layer kind, for training. Activations are a batch
// of NCHW samples, sample after sample ([batch, C, H, W]); parameters are in the PyTorch layouts
// of network.h. Every matrix product goes through matmul_f32, whose per-output order (sum over k
// in increasing order from +0, no FMA) is fixed, so the results are the same bits natively and in
// WebAssembly, in the SIMD and the scalar build.
//
// Gradients follow the chain rule of each layer exactly as PyTorch defines it: ReLU passes the
// gradient where its output is > 0, max-pool routes it to the first maximum of each window.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/network.h"

namespace qp::nn {

// What a layer keeps between its forward and its backward pass.
struct LayerScratch {
  std::vector<float> col;         // Conv2d: im2col of the input, [batch·P, fan_in]
  std::vector<uint32_t> argmax;   // MaxPool2d: input offset (within the sample) of each output
  std::vector<float> tmp, tmp2;   // work buffers
};

// y = layer(x) for `batch` samples of shape `in` (output shape `out`). `weight` may differ from
// layer.weight (fake-quantized weights in QAT); the bias is layer.bias.
void forward_layer(const Layer& layer, const float* weight, const ActShape& in, const ActShape& out,
                   size_t batch, const float* x, float* y, LayerScratch& s);

// From dy (the loss gradient at y), the gradients of the parameters (written to dweight / dbias,
// which must have the parameters' sizes; overwritten, not accumulated) and, when dx is not null,
// of the input. x and y are the forward pass's input and output, s its scratch.
void backward_layer(const Layer& layer, const float* weight, const ActShape& in, const ActShape& out,
                    size_t batch, const float* x, const float* y, const float* dy, float* dx,
                    float* dweight, float* dbias, LayerScratch& s);

// C[m×n] = A[m×k] · B, A row-major with row stride lda, B(p, j) = b[p·stride_k + j·stride_n];
// C[i][j] = Σ_p A[i][p]·B(p, j) summed in increasing p from +0, each operation rounded to float.
void matmul_f32(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b, size_t stride_k,
                size_t stride_n, float* c, size_t ldc);

}  // namespace qp::nn
