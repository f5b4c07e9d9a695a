// Attention on the blas path (attention.c): heads read from and written to their columns of the
// [B*T, 3D] q|k|v rows and the [B*T, D] output in place, with the same products and softmax as the
// op-by-op path, so the same bits without its transposes and slices.
#pragma once
#include <stddef.h>

int refit_attention(const float *qkv, float *pattern, float *z, size_t B, size_t T, size_t H, size_t dh, float scale);
int refit_attention_backward(const float *qkv, const float *pattern, const float *dz, float *dqkv, size_t B, size_t T, size_t H,
                             size_t dh, float scale);
int refit_qkv_input_grad(const float *dqkv, const float *W, float *dx, size_t N, size_t D);
