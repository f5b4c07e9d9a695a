// The softmax kernels of kernels/softmax.wat (attention's causal softmax and the loss's row
// softmax, each with its gradient) for the blas path, bit-identical to them: the same Cephes-style
// exp, element by element, 16 lanes at a time; sums kept in the wat's four running lanes, added in
// its order ((0 + 1) + (2 + 3), then the row's last len % 4 values one by one); maxima are exact
// in any order. What changes is the width of everything else.
#include <math.h>

#include "softmax.h"
#include "vec.h"

// softmax.wat's $exp4: x = n ln2 + r, a degree-7 polynomial for e^r, 2^n through the exponent
// bits; exactly 0 under -87.3. Its constants as the wat writes them (rounded to float32 the same way).
INLINE vf exp_wat(vf x) {
  const vf lo = splat(-87.3f), hi = splat(88.3f), shift = splat(12582912.0f);
  const vi under = x < lo;
  x = select_bits(x < lo, lo, x);
  x = select_bits(hi < x, hi, x);
  const vf t = x * splat(1.44269504088896341f) + shift;
  const vf n = t - shift;
  const vf r = (x - n * splat(0.693359375f)) - n * splat(-2.12194440e-4f);
  vf p = splat(1.9875691500e-4f);
  p = p * r + splat(1.3981999507e-3f);
  p = p * r + splat(8.3334519073e-3f);
  p = p * r + splat(4.1665795894e-2f);
  p = p * r + splat(1.6666665459e-1f);
  p = p * r + splat(5.0000001201e-1f);
  p = ((p * r) * r + r) + splat(1.0f);
  const vi two_n = (((vi)t - (vi)shift) + 127) << 23;
  return (vf)((vi)(p * (vf)two_n) & ~under);
}

// wasm's f32.max: NaN wins, +0 above -0.
INLINE float max_wasm(float a, float b) {
  if (a != a || b != b) return a + b;
  if (a == b) return signbit(a) ? b : a;
  return a > b ? a : b;
}

// One row: y[j] = exp(s x[j] - m) / sum for j < len (softmax.wat's $softmaxRow); *m and *sum out.
INLINE void softmax_row(const float *x, float *y, size_t len, float s, float *m_out, float *sum_out) {
  const size_t end4 = len & ~(size_t)3;
  v4f acc = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  const v4f s4 = {s, s, s, s};
  size_t k = 0;
  for (; k < end4; k += 4) {
    const v4f v = load4(x + k) * s4;
    acc = (v4f)(((v4i)v & (acc < v)) | ((v4i)acc & ~(acc < v)));
  }
  float m = max_wasm(max_wasm(acc[0], acc[1]), max_wasm(acc[2], acc[3]));
  for (; k < len; k++) m = max_wasm(m, x[k] * s);
  const vf S = splat(s), M = splat(m);
  v4f sums = {0, 0, 0, 0};
  for (k = 0; k + LANES <= end4; k += LANES) {
    const vf e = exp_wat(load(x + k) * S - M);
    store(y + k, e);
    for (int q = 0; q < LANES / 4; q++) sums += quarter(e, q);
  }
  float sum;
  if (k < len) {
    const vf e = exp_wat(load_part(x + k, len - k) * S - M);
    store_part(y + k, e, len - k);
    for (size_t q = 0; k + 4 * q < end4; q++) sums += quarter(e, (int)q);
    sum = hsum4(sums);
    for (size_t j = end4 - k; j < len - k; j++) sum += e[j];
  } else {
    sum = hsum4(sums);
  }
  const vf SUM = splat(sum);
  for (k = 0; k + LANES <= len; k += LANES) store(y + k, load(y + k) / SUM);
  if (k < len) store_part(y + k, load_part(y + k, len - k) / SUM, len - k);
  *m_out = m;
  *sum_out = sum;
}

WIDEST void refit_causal_softmax(const float *x, float *y, size_t mats, size_t T, float s) {
  for (size_t r = 0; r < mats * T; r++) {
    const size_t i = r % T;
    float m, sum;
    softmax_row(x + r * T, y + r * T, i + 1, s, &m, &sum);
    memset(y + r * T + i + 1, 0, (T - i - 1) * sizeof(float));
  }
}

// dx[j] = s (y[j] (dy[j] - dot)), dot = sum over j <= i of y[j] dy[j] in the wat's order.
WIDEST void refit_causal_softmax_grad(const float *y, const float *dy, float *dx, size_t mats, size_t T, float s) {
  const vf S = splat(s);
  for (size_t r = 0; r < mats * T; r++) {
    const float *yr = y + r * T, *dyr = dy + r * T;
    float *dxr = dx + r * T;
    const size_t len = r % T + 1, end4 = len & ~(size_t)3;
    v4f acc = {0, 0, 0, 0};
    size_t k = 0;
    for (; k < end4; k += 4) acc += load4(yr + k) * load4(dyr + k);
    float dot = hsum4(acc);
    for (; k < len; k++) dot += yr[k] * dyr[k];
    const vf DOT = splat(dot);
    for (k = 0; k + LANES <= len; k += LANES) store(dxr + k, S * (load(yr + k) * (load(dyr + k) - DOT)));
    if (k < len) store_part(dxr + k, S * (load_part(yr + k, len - k) * (load_part(dyr + k, len - k) - DOT)), len - k);
    memset(dxr + len, 0, (T - len) * sizeof(float));
  }
}

// Row softmax of x [n, V] with each row's max, sum of exp and target logit; returns the first row
// whose target is outside [0, V) (having stopped there, as the wat traps), or -1.
WIDEST long refit_softmax_rows(const float *x, const int32_t *targets, float *p, float *m, float *sum, float *picked, size_t n, size_t V) {
  for (size_t i = 0; i < n; i++) {
    if ((uint32_t)targets[i] >= V) return (long)i;
    softmax_row(x + i * V, p + i * V, V, 1.0f, m + i, sum + i);
    picked[i] = x[i * V + (uint32_t)targets[i]];
  }
  return -1;
}

// dx = (p - onehot(targets)) · (dLoss / n); returns the first row whose target is outside [0, V)
// (writing nothing), or -1.
WIDEST long refit_cross_entropy_grad(const float *p, const int32_t *targets, float dloss, float *dx, size_t n, size_t V) {
  for (size_t i = 0; i < n; i++)
    if ((uint32_t)targets[i] >= V) return (long)i;
  const float c = dloss / (float)n;
  const vf C = splat(c);
  const size_t all = n * V;
  size_t k = 0;
  for (; k + LANES <= all; k += LANES) store(dx + k, load(p + k) * C);
  if (k < all) store_part(dx + k, load_part(p + k, all - k) * C, all - k);
  for (size_t i = 0; i < n; i++) {
    const size_t at = i * V + (uint32_t)targets[i];
    dx[at] = (p[at] - 1.0f) * c;
  }
  return -1;
}
