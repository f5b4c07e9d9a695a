// The blas path's softmax kernels (softmax.c): bit-identical to kernels/softmax.wat.
#pragma once
#include <stddef.h>
#include <stdint.h>

void refit_causal_softmax(const float *x, float *y, size_t mats, size_t T, float s);
void refit_causal_softmax_grad(const float *y, const float *dy, float *dx, size_t mats, size_t T, float s);
long refit_softmax_rows(const float *x, const int32_t *targets, float *p, float *m, float *sum, float *picked, size_t n, size_t V);
long refit_cross_entropy_grad(const float *p, const int32_t *targets, float dloss, float *dx, size_t n, size_t V);
