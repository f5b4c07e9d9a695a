// The blas path's LayerNorm (layernorm.c): bit-identical to kernels/layernorm.wat.
#pragma once
#include <stddef.h>

void refit_layernorm(const float *x, const float *g, const float *b, float *y, float *mean, float *rstd, size_t n, size_t d, float eps);
void refit_layernorm_backward(const float *dy, const float *x, const float *g, const float *mean, const float *rstd, float *dx,
                              float *dg, float *db, size_t n, size_t d);
