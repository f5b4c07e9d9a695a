// Causal self-attention for the blas path, head by head, reading q, k and v where the c_attn
// product wrote them (row r of qkv is q | k | v, head h at columns h·dh of each) and writing each
// head's output to its columns of z: the products and the softmax are the ones the op-by-op path
// runs on its transposed copies (the same cblas_sgemm calls, only their leading dimensions differ,
// and softmax.c), so the bits are the same and the copies are gone.
#include <stdlib.h>

#include "attention.h"
#include "elementwise.h"
#include "openblas.h"
#include "softmax.h"

// pattern [B, H, T, T] = causal_softmax(scale · q·kᵀ); z [B·T, D] = pattern · v, per head.
int refit_attention(const float *qkv, float *pattern, float *z, size_t B, size_t T, size_t H, size_t dh, float scale) {
  const size_t D = H * dh, row = 3 * D;
  float *scores = malloc(T * T * sizeof(float));
  if (!scores) return -1;
  for (size_t b = 0; b < B; b++) {
    for (size_t h = 0; h < H; h++) {
      const float *q = qkv + b * T * row + h * dh, *k = q + D, *v = q + 2 * D;
      float *p = pattern + (b * H + h) * T * T;
      cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, T, T, dh, 1.0f, q, row, k, row, 0.0f, scores, T);
      refit_causal_softmax(scores, p, 1, T, scale);
      cblas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, T, dh, T, 1.0f, p, T, v, row, 0.0f, z + b * T * D + h * dh, D);
    }
  }
  free(scores);
  return 0;
}

// dqkv [B·T, 3D] from dz [B·T, D]: tfjs's gradients of the two products (dP = dz·vᵀ, dv = Pᵀ·dz,
// dq = dS·k, dk = dSᵀ·q) around the softmax's, each head into its columns.
int refit_attention_backward(const float *qkv, const float *pattern, const float *dz, float *dqkv, size_t B, size_t T, size_t H,
                             size_t dh, float scale) {
  const size_t D = H * dh, row = 3 * D;
  float *dp = malloc(2 * T * T * sizeof(float));
  if (!dp) return -1;
  float *ds = dp + T * T;
  for (size_t b = 0; b < B; b++) {
    for (size_t h = 0; h < H; h++) {
      const size_t at = b * T * row + h * dh;
      const float *q = qkv + at, *k = q + D, *v = q + 2 * D, *p = pattern + (b * H + h) * T * T, *g = dz + b * T * D + h * dh;
      float *dq = dqkv + at, *dk = dq + D, *dv = dq + 2 * D;
      cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, T, T, dh, 1.0f, g, D, v, row, 0.0f, dp, T);
      cblas_sgemm(ROW_MAJOR, TRANS, NO_TRANS, T, dh, T, 1.0f, p, T, g, D, 0.0f, dv, row);
      refit_causal_softmax_grad(p, dp, ds, 1, T, scale);
      cblas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, T, dh, T, 1.0f, ds, T, k, row, 0.0f, dq, row);
      cblas_sgemm(ROW_MAJOR, TRANS, NO_TRANS, T, dh, T, 1.0f, ds, T, q, row, 0.0f, dk, row);
    }
  }
  free(dp);
  return 0;
}

// dx [N, D] = (dv·Wvᵀ + dk·Wkᵀ) + dq·Wqᵀ: the three dense gradients summed in the order the
// backward pass adds them when q, k and v are three layers (v's arrives first).
int refit_qkv_input_grad(const float *dqkv, const float *W, float *dx, size_t N, size_t D) {
  float *term = malloc(N * D * sizeof(float));
  if (!term) return -1;
  const size_t row = 3 * D;
  cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, N, D, D, 1.0f, dqkv + 2 * D, row, W + 2 * D, row, 0.0f, dx, D);
  for (int i = 1; i >= 0; i--) {
    cblas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, N, D, D, 1.0f, dqkv + i * D, row, W + i * D, row, 0.0f, term, D);
    refit_add(dx, term, N * D);
  }
  free(term);
  return 0;
}
