// The blas path's elementwise kernels (elementwise.c): bit-identical to the wasm path's.
#pragma once
#include <stddef.h>

void refit_gelu(const float *x, float *h, size_t n, float K, float c);
void refit_gelu_backward(const float *x, const float *dh, float *h, float *dx, size_t n, float K, float c);
void refit_add_rows(float *C, const float *b, size_t rows, size_t n);
void refit_add(float *a, const float *b, size_t n);
// consts: b1, 1 - b1, b2, 1 - b2, bc2, eps, step, decay, l2, as adam.wat takes them.
void refit_adam(float *p, const float *g, float *m, float *v, size_t n, const float consts[9]);
