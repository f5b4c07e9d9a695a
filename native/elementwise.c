// Elementwise kernels of the blas path: the same float32 operations, in the same order per element,
// as the wasm path runs them (kernels/gelu.wat for the GELU's polynomial and gradient, XNNPACK's
// wasm SIMD sigmoid inside tfjs-backend-wasm 4.22, tfjs's Multiply and Add), so a blas run's bits
// do not change when they move here; only the vector width does (16 lanes with AVX-512, where
// the wasm path has 4). Bit-identity needs IEEE single operations one at a time: build with
// -ffp-contract=off (no fused multiply-adds) and without -ffast-math. Lanes are independent, so the
// width changes nothing; the tail runs the same vector code on a zero-padded copy.
#include <string.h>

#include "elementwise.h"
#include "vec.h"

// XNNPACK's f32 vsigmoid "wasmsimd_rr2_p5_div" (the kernel tfjs-backend-wasm 4.22 selects with SIMD,
// XNNPACK 5e8033a7): e^-|x| by a two-constant range reduction and a degree-5 polynomial, then
// e / (1 + e), mirrored for x >= 0. Its constants, written as float32 bit patterns.
INLINE vf sigmoid(vf x) {
  const vf magic = splat(bits_f(0x4B40007F)), minus_log2e = splat(bits_f(0xBFB8AA3B));
  const vf ln2_hi = splat(bits_f(0x3F317200)), ln2_lo = splat(bits_f(0x35BFBE8E));
  const vf c5 = splat(bits_f(0xBC07CFCE)), c4 = splat(bits_f(0x3D2B9D0D)), c3 = splat(bits_f(0xBE2AAD40));
  const vf c2 = splat(bits_f(0x3EFFFEE3)), c1 = splat(bits_f(0xBF7FFFFB)), one = splat(1.0f);
  const vf cutoff = splat(bits_f(0x42AEAC4F));
  const vf z = (vf)((vi)x & 0x7FFFFFFF);
  vf n = magic + z * minus_log2e;
  const vf s = (vf)((vi)n << 23);
  n = n - magic;
  vf t = z + n * ln2_hi;
  t = t + n * ln2_lo;
  vf p = c4 + t * c5;
  p = c3 + t * p;
  p = c2 + t * p;
  p = c1 + t * p;
  t = t * s;
  const vf e = s + t * p;
  vf f = e / (e + one);
  f = (vf)((vi)f & ~(vi)(z > cutoff));
  return select_bits((vi)x >> 31, f, one - f);
}

// gelu.wat's inner polynomial: u = (x + ((x·x)·x)·c)·K.
INLINE vf gelu_inner(vf x, vf K, vf c) { return (x + ((x * x) * x) * c) * K; }

typedef void (*block_fn)(const float *const *in, float *const *out, const float *consts);

// Runs `block` over n elements LANES at a time: `ins` input arrays and `outs` output arrays.
// Inlined, with the block, into each exported kernel, so each of its clones has its own loop.
INLINE void each_block(size_t n, int ins, const float *const *in, int outs, float *const *out, const float *consts,
                       block_fn block) {
  const float *a[4];
  float *b[4];
  size_t i = 0;
  for (; i + LANES <= n; i += LANES) {
    for (int k = 0; k < ins; k++) a[k] = in[k] + i;
    for (int k = 0; k < outs; k++) b[k] = out[k] + i;
    block(a, b, consts);
  }
  if (i == n) return;
  float pad_in[4][LANES] = {{0}}, pad_out[4][LANES];
  for (int k = 0; k < ins; k++) memcpy(pad_in[k], in[k] + i, (n - i) * 4), a[k] = pad_in[k];
  for (int k = 0; k < outs; k++) b[k] = pad_out[k];
  block(a, b, consts);
  for (int k = 0; k < outs; k++) memcpy(out[k] + i, pad_out[k], (n - i) * 4);
}

// h = x · sigmoid(u(x)): gpt.ts's geluParts on the wasm path (geluInner, tfjs Sigmoid, tfjs Multiply).
INLINE void gelu_block(const float *const *in, float *const *out, const float *k) {
  const vf x = load(in[0]);
  store(out[0], x * sigmoid(gelu_inner(x, splat(k[0]), splat(k[1]))));
}

WIDEST void refit_gelu(const float *x, float *h, size_t n, float K, float c) {
  const float consts[2] = {K, c};
  each_block(n, 1, &x, 1, &h, consts, gelu_block);
}

// The GELU's backward from its input alone: h as above (for the next layer's weight gradient) and
// gelu.wat's grad, dx = dh·(s + ((x·s)·(1 - s))·(K·(1 + 3c·(x·x)))), 3c rounded to float32 first.
INLINE void gelu_backward_block(const float *const *in, float *const *out, const float *k) {
  const vf x = load(in[0]), dh = load(in[1]), K = splat(k[0]), one = splat(1.0f);
  const vf s = sigmoid(gelu_inner(x, K, splat(k[1])));
  store(out[0], x * s);
  store(out[1], dh * (s + ((x * s) * (one - s)) * (K * (one + splat(k[2]) * (x * x)))));
}

WIDEST void refit_gelu_backward(const float *x, const float *dh, float *h, float *dx, size_t n, float K, float c) {
  const float consts[3] = {K, c, 3.0f * c};
  const float *in[2] = {x, dh};
  float *out[2] = {h, dx};
  each_block(n, 2, in, 2, out, consts, gelu_backward_block);
}

// C[r, :] += b for each of `rows` rows of width n: tfjs's broadcast Add after a product, the same
// single rounding per element.
WIDEST void refit_add_rows(float *C, const float *b, size_t rows, size_t n) {
  for (size_t r = 0; r < rows; r++) {
    float *row = C + r * n;
    for (size_t j = 0; j < n; j++) row[j] = row[j] + b[j];
  }
}

// a += b over n floats: tfjs's Add of two same-shaped tensors.
WIDEST void refit_add(float *a, const float *b, size_t n) {
  for (size_t i = 0; i < n; i++) a[i] = a[i] + b[i];
}

INLINE vf sqrt_lanes(vf v) {
  for (int i = 0; i < LANES; i++) v[i] = __builtin_sqrtf(v[i]);
  return v;
}

// kernels/adam.wat's Adam/AdamW step in place on p, m and v: g' = g + p·l2 (only if l2 != 0),
// m = m·b1 + g'·c1, v = v·b2 + (g'·g')·c2, p = p·decay - (m / (sqrt(v) / bc2 + eps))·step.
INLINE void adam_block(const float *const *in, float *const *out, const float *k) {
  const vf p = load(in[0]), g0 = load(in[1]);
  const vf g = k[8] != 0 ? g0 + p * splat(k[8]) : g0;
  const vf m = load(in[2]) * splat(k[0]) + g * splat(k[1]);
  const vf v = load(in[3]) * splat(k[2]) + (g * g) * splat(k[3]);
  store(out[1], m);
  store(out[2], v);
  store(out[0], p * splat(k[7]) - (m / (sqrt_lanes(v) / splat(k[4]) + splat(k[5]))) * splat(k[6]));
}

WIDEST void refit_adam(float *p, const float *g, float *m, float *v, size_t n, const float consts[9]) {
  const float *in[4] = {p, g, m, v};
  float *out[3] = {p, m, v};
  each_block(n, 4, in, 3, out, consts, adam_block);
}
