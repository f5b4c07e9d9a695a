// kernels/layernorm.wat for the blas path, bit-identical to it: each row's sums in the wat's four
// running lanes, added in its order; everything elementwise 16 lanes wide.
#include <math.h>

#include "layernorm.h"
#include "vec.h"

// The sum over a row of d floats (d a multiple of 4) of f(16 values at k), as four running lanes.
#define ROW_SUM(d, f)                                                              \
  ({                                                                               \
    v4f acc_ = {0, 0, 0, 0};                                                       \
    size_t k_ = 0;                                                                 \
    for (; k_ + LANES <= (d); k_ += LANES) {                                       \
      const vf t_ = f(k_, LANES);                                                  \
      for (int q_ = 0; q_ < LANES / 4; q_++) acc_ += quarter(t_, q_);              \
    }                                                                              \
    if (k_ < (d)) {                                                                \
      const vf t_ = f(k_, (d) - k_);                                               \
      for (size_t q_ = 0; 4 * q_ < (d) - k_; q_++) acc_ += quarter(t_, (int)q_);   \
    }                                                                              \
    acc_;                                                                          \
  })

// Row loads, the last one zero-padded to a vector.
#define AT(p, k, n) ((n) == LANES ? load((p) + (k)) : load_part((p) + (k), (n)))

// y = (x - mean)·rstd·g + b per row; mean [n], rstd = 1 / sqrt(var + eps) [n].
WIDEST void refit_layernorm(const float *x, const float *g, const float *b, float *y, float *mean, float *rstd, size_t n, size_t d,
                            float eps) {
  const float inv_d = 1.0f / (float)d;
  for (size_t row = 0; row < n; row++) {
    const float *xr = x + row * d;
    float *yr = y + row * d;
#define VALUES(k, len) AT(xr, k, len)
    const float m = hsum4(ROW_SUM(d, VALUES)) * inv_d;
    const vf M = splat(m);
#define SQUARES(k, len) ((AT(xr, k, len) - M) * (AT(xr, k, len) - M))
    const float r = 1.0f / sqrtf(hsum4(ROW_SUM(d, SQUARES)) * inv_d + eps);
    const vf R = splat(r);
    for (size_t k = 0; k < d; k += LANES) {
      const size_t len = d - k < LANES ? d - k : LANES;
      const vf out = ((AT(xr, k, len) - M) * R) * AT(g, k, len) + AT(b, k, len);
      if (len == LANES) store(yr + k, out);
      else store_part(yr + k, out, len);
    }
    mean[row] = m;
    rstd[row] = r;
  }
#undef VALUES
#undef SQUARES
}

// dx = rstd·((dxhat - mean(dxhat)) - xhat·mean(dxhat·xhat)), dxhat = dy·g, xhat = (x - mean)·rstd;
// dg and db summed over the rows in order.
WIDEST void refit_layernorm_backward(const float *dy, const float *x, const float *g, const float *mean, const float *rstd, float *dx,
                                     float *dg, float *db, size_t n, size_t d) {
  const float inv_d = 1.0f / (float)d;
  memset(dg, 0, d * sizeof(float));
  memset(db, 0, d * sizeof(float));
  for (size_t row = 0; row < n; row++) {
    const float *xr = x + row * d, *dyr = dy + row * d;
    float *dxr = dx + row * d;
    const vf M = splat(mean[row]), R = splat(rstd[row]);
#define XHAT(k, len) ((AT(xr, k, len) - M) * R)
#define DXHAT(k, len) (AT(dyr, k, len) * AT(g, k, len))
#define DXHAT_XHAT(k, len) (DXHAT(k, len) * XHAT(k, len))
    const vf A = splat(hsum4(ROW_SUM(d, DXHAT)) * inv_d), C = splat(hsum4(ROW_SUM(d, DXHAT_XHAT)) * inv_d);
    for (size_t k = 0; k < d; k += LANES) {
      const size_t len = d - k < LANES ? d - k : LANES;
      const vf xhat = XHAT(k, len), dyk = AT(dyr, k, len);
      const vf out = R * ((dyk * AT(g, k, len) - A) - xhat * C);
      const vf dgk = AT(dg, k, len) + dyk * xhat, dbk = AT(db, k, len) + dyk;
      if (len == LANES) store(dxr + k, out), store(dg + k, dgk), store(db + k, dbk);
      else store_part(dxr + k, out, len), store_part(dg + k, dgk, len), store_part(db + k, dbk, len);
    }
  }
#undef XHAT
#undef DXHAT
#undef DXHAT_XHAT
}
