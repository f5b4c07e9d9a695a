// Refit's optional BLAS addon: cblas_sgemm over float32 matrices that live in the wasm backend's
// memory, read and written in place (the memory's ArrayBuffer and byte offsets into it), so
// training's dense products run on the system's OpenBLAS instead of 128-bit wasm SIMD; and the
// elementwise kernels around them (elementwise.c), bit-identical to the wasm path's, at full width.
// N-API only, so one build serves every Node >= 18 and needs no Node headers but node_api.h.
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "attention.h"
#include "elementwise.h"
#include "layernorm.h"
#include "openblas.h"
#include "softmax.h"


#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "refit_blas: N-API call failed");   \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

// One call's arguments: tfjs's wasm memory (an ArrayBuffer), then numbers (byte offsets into it,
// sizes, scalars) in v.
typedef struct {
  void *data;
  size_t length;
  double v[15];
} Call;

// Reads a call of `count` numbers into *c, or throws and returns 0.
static int read_call(napi_env env, napi_callback_info info, const char *name, size_t count, Call *c) {
  size_t argc = 16;
  napi_value argv[16];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count + 1 ||
      napi_get_arraybuffer_info(env, argv[0], &c->data, &c->length) != napi_ok) {
    char message[128];
    snprintf(message, sizeof message, "refit_blas.%s: expected an ArrayBuffer and %zu numbers", name, count);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  for (size_t i = 0; i < count; i++) {
    if (napi_get_value_double(env, argv[i + 1], &c->v[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "refit_blas: arguments after the memory must be numbers");
      return 0;
    }
  }
  return 1;
}

#define BEGIN(name, count) \
  Call c;                  \
  if (!read_call(env, info, name, count, &c)) return NULL

// `floats` float32 values at the byte offset in argument i, or NULL where they leave the memory.
#define SPAN(i, floats) span(c.data, c.length, c.v[i], (floats))

// `floats` float32 values at byte offset `at` of the memory, or NULL where they do not all lie
// inside it: a wrong offset or size must throw, not corrupt memory.
static float *span(void *data, size_t length, double at, double floats) {
  const int ok = at >= 0 && floats >= 0 && at == (double)(uint64_t)at && (uint64_t)at % 4 == 0 && at + 4 * floats <= (double)length;
  return ok ? (float *)((char *)data + (size_t)at) : NULL;
}

static int is_size(double x) { return x >= 0 && x < 2147483647 && x == (double)(int64_t)x; }

// Throws "refit_blas.<name>: <what>", a RangeError where `range`, and returns NULL.
static napi_value thrown(napi_env env, int range, const char *name, const char *what) {
  char message[160];
  snprintf(message, sizeof message, "refit_blas.%s: %s", name, what);
  (range ? napi_throw_range_error : napi_throw_error)(env, NULL, message);
  return NULL;
}

static napi_value outside(napi_env env, const char *name) { return thrown(env, 1, name, "an operand lies outside the memory"); }
static napi_value failed_alloc(napi_env env, const char *name) { return thrown(env, 0, name, "out of memory for its scratch space"); }

// sgemm(memory, a, b, c, batch, m, n, k, transA, transB, bias): for each of `batch` matrices,
// C[m x n] = op(A) . op(B), row-major, operands strided by their sizes from byte offsets a, b, c;
// then, where bias >= 0, the row vector at that offset is added to every row of every C (the
// same one rounding per element as tfjs's Add after the product).
static napi_value sgemm(napi_env env, napi_callback_info info) {
  BEGIN("sgemm", 10);
  const double batch = c.v[3], m = c.v[4], n = c.v[5], k = c.v[6], bias = c.v[9];
  const int transA = c.v[7] != 0, transB = c.v[8] != 0;
  if (!(is_size(batch) && is_size(m) && is_size(n) && is_size(k))) return outside(env, "sgemm");
  const float *A = SPAN(0, batch * m * k), *B = SPAN(1, batch * k * n);
  float *C = SPAN(2, batch * m * n);
  const float *b = bias < 0 ? NULL : SPAN(9, n);
  if (!A || !B || !C || (bias >= 0 && !b)) return outside(env, "sgemm");
  const int M = (int)m, N = (int)n, K = (int)k;
  for (size_t i = 0; i < (size_t)batch; i++) {
    float *Ci = C + i * (size_t)M * N;
    cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, M, N, K, 1.0f,
                A + i * (size_t)M * K, transA ? M : K, B + i * (size_t)K * N, transB ? K : N, 0.0f, Ci, N);
    if (b) refit_add_rows(Ci, b, (size_t)M, (size_t)N);
  }
  return NULL;
}

// gelu(memory, x, h, n, K, c): h = gelu_new(x) over n floats (elementwise.c).
static napi_value gelu(napi_env env, napi_callback_info info) {
  BEGIN("gelu", 5);
  const float *x = SPAN(0, c.v[2]);
  float *h = SPAN(1, c.v[2]);
  if (!is_size(c.v[2]) || !x || !h) return outside(env, "gelu");
  refit_gelu(x, h, (size_t)c.v[2], (float)c.v[3], (float)c.v[4]);
  return NULL;
}

// geluBackward(memory, x, dh, h, dx, n, K, c): gelu_new(x) again and its gradient times dh.
static napi_value gelu_backward(napi_env env, napi_callback_info info) {
  BEGIN("geluBackward", 7);
  const double n = c.v[4];
  const float *x = SPAN(0, n), *dh = SPAN(1, n);
  float *h = SPAN(2, n), *dx = SPAN(3, n);
  if (!is_size(n) || !x || !dh || !h || !dx) return outside(env, "geluBackward");
  refit_gelu_backward(x, dh, h, dx, (size_t)n, (float)c.v[5], (float)c.v[6]);
  return NULL;
}

// causalSoftmax(memory, x, y, mats, T, s) and causalSoftmaxGrad(memory, y, dy, dx, mats, T, s):
// [mats, T, T] patterns (softmax.c).
static napi_value causal_softmax(napi_env env, napi_callback_info info) {
  BEGIN("causalSoftmax", 5);
  const double all = c.v[2] * c.v[3] * c.v[3];
  const float *x = SPAN(0, all);
  float *y = SPAN(1, all);
  if (!is_size(c.v[2]) || !is_size(c.v[3]) || !x || !y) return outside(env, "causalSoftmax");
  refit_causal_softmax(x, y, (size_t)c.v[2], (size_t)c.v[3], (float)c.v[4]);
  return NULL;
}

static napi_value causal_softmax_grad(napi_env env, napi_callback_info info) {
  BEGIN("causalSoftmaxGrad", 6);
  const double all = c.v[3] * c.v[4] * c.v[4];
  const float *y = SPAN(0, all), *dy = SPAN(1, all);
  float *dx = SPAN(2, all);
  if (!is_size(c.v[3]) || !is_size(c.v[4]) || !y || !dy || !dx) return outside(env, "causalSoftmaxGrad");
  refit_causal_softmax_grad(y, dy, dx, (size_t)c.v[3], (size_t)c.v[4], (float)c.v[5]);
  return NULL;
}

static napi_value row_or_none(napi_env env, long row) {
  napi_value out;
  CHECK(napi_create_double(env, (double)row, &out));
  return out;
}

// softmaxRows(memory, x, targets, p, m, sum, picked, n, V): the loss's row softmax; returns the
// first row whose target is not in [0, V), or -1.
static napi_value softmax_rows(napi_env env, napi_callback_info info) {
  BEGIN("softmaxRows", 8);
  const double n = c.v[6], V = c.v[7];
  const float *x = SPAN(0, n * V);
  const int32_t *targets = (const int32_t *)SPAN(1, n);
  float *p = SPAN(2, n * V), *m = SPAN(3, n), *sum = SPAN(4, n);
  float *picked = SPAN(5, n);
  if (!is_size(n) || !is_size(V) || !x || !targets || !p || !m || !sum || !picked) return outside(env, "softmaxRows");
  return row_or_none(env, refit_softmax_rows(x, targets, p, m, sum, picked, (size_t)n, (size_t)V));
}

// crossEntropyGrad(memory, p, targets, dloss, dx, n, V): dloss the offset of one float32.
static napi_value cross_entropy_grad(napi_env env, napi_callback_info info) {
  BEGIN("crossEntropyGrad", 6);
  const double n = c.v[4], V = c.v[5];
  const float *p = SPAN(0, n * V), *dloss = SPAN(2, 1);
  const int32_t *targets = (const int32_t *)SPAN(1, n);
  float *dx = SPAN(3, n * V);
  if (!is_size(n) || !is_size(V) || !p || !targets || !dloss || !dx) return outside(env, "crossEntropyGrad");
  return row_or_none(env, refit_cross_entropy_grad(p, targets, *dloss, dx, (size_t)n, (size_t)V));
}

// attention(memory, qkv, pattern, z, B, T, H, dh, scale) and attentionBackward(memory, qkv, pattern,
// dz, dqkv, B, T, H, dh, scale): causal attention over [B*T, 3D] q|k|v rows (attention.c).
static napi_value attention(napi_env env, napi_callback_info info) {
  BEGIN("attention", 8);
  const double B = c.v[3], T = c.v[4], H = c.v[5], dh = c.v[6];
  const float *qkv = SPAN(0, B * T * 3 * H * dh);
  float *pattern = SPAN(1, B * H * T * T), *z = SPAN(2, B * T * H * dh);
  if (!is_size(B) || !is_size(T) || !is_size(H) || !is_size(dh) || !qkv || !pattern || !z) return outside(env, "attention");
  if (refit_attention(qkv, pattern, z, (size_t)B, (size_t)T, (size_t)H, (size_t)dh, (float)c.v[7]) != 0) return failed_alloc(env, "attention");
  return NULL;
}

static napi_value attention_backward(napi_env env, napi_callback_info info) {
  BEGIN("attentionBackward", 9);
  const double B = c.v[4], T = c.v[5], H = c.v[6], dh = c.v[7];
  const float *qkv = SPAN(0, B * T * 3 * H * dh), *pattern = SPAN(1, B * H * T * T);
  const float *dz = SPAN(2, B * T * H * dh);
  float *dqkv = SPAN(3, B * T * 3 * H * dh);
  if (!is_size(B) || !is_size(T) || !is_size(H) || !is_size(dh) || !qkv || !pattern || !dz || !dqkv) return outside(env, "attentionBackward");
  if (refit_attention_backward(qkv, pattern, dz, dqkv, (size_t)B, (size_t)T, (size_t)H, (size_t)dh, (float)c.v[8]) != 0)
    return failed_alloc(env, "attentionBackward");
  return NULL;
}

// qkvInputGrad(memory, dqkv, W, dx, N, D): the gradient of c_attn's input from its three blocks.
static napi_value qkv_input_grad(napi_env env, napi_callback_info info) {
  BEGIN("qkvInputGrad", 5);
  const double N = c.v[3], D = c.v[4];
  const float *dqkv = SPAN(0, N * 3 * D), *W = SPAN(1, D * 3 * D);
  float *dx = SPAN(2, N * D);
  if (!is_size(N) || !is_size(D) || !dqkv || !W || !dx) return outside(env, "qkvInputGrad");
  if (refit_qkv_input_grad(dqkv, W, dx, (size_t)N, (size_t)D) != 0) return failed_alloc(env, "qkvInputGrad");
  return NULL;
}

// layerNorm(memory, x, g, b, y, mean, rstd, n, d, eps) and layerNormBackward(memory, dy, x, g,
// mean, rstd, dx, dg, db, n, d): kernels/layernorm.wat's two kernels (layernorm.c).
static napi_value layer_norm(napi_env env, napi_callback_info info) {
  BEGIN("layerNorm", 9);
  const double n = c.v[6], d = c.v[7];
  const float *x = SPAN(0, n * d), *g = SPAN(1, d), *b = SPAN(2, d);
  float *y = SPAN(3, n * d), *mean = SPAN(4, n), *rstd = SPAN(5, n);
  if (!is_size(n) || !is_size(d) || !x || !g || !b || !y || !mean || !rstd) return outside(env, "layerNorm");
  refit_layernorm(x, g, b, y, mean, rstd, (size_t)n, (size_t)d, (float)c.v[8]);
  return NULL;
}

static napi_value layer_norm_backward(napi_env env, napi_callback_info info) {
  BEGIN("layerNormBackward", 10);
  const double n = c.v[8], d = c.v[9];
  const float *dy = SPAN(0, n * d), *x = SPAN(1, n * d), *g = SPAN(2, d);
  const float *mean = SPAN(3, n), *rstd = SPAN(4, n);
  float *dx = SPAN(5, n * d), *dg = SPAN(6, d), *db = SPAN(7, d);
  if (!is_size(n) || !is_size(d) || !dy || !x || !g || !mean || !rstd || !dx || !dg || !db) return outside(env, "layerNormBackward");
  refit_layernorm_backward(dy, x, g, mean, rstd, dx, dg, db, (size_t)n, (size_t)d);
  return NULL;
}

// adam(memory, p, g, m, v, n, b1, c1, b2, c2, bc2, eps, step, decay, l2): kernels/adam.wat's step.
static napi_value adam(napi_env env, napi_callback_info info) {
  BEGIN("adam", 14);
  const double n = c.v[4];
  float *p = SPAN(0, n), *m = SPAN(2, n), *var = SPAN(3, n);
  const float *g = SPAN(1, n);
  if (!is_size(n) || !p || !g || !m || !var) return outside(env, "adam");
  float consts[9];
  for (int i = 0; i < 9; i++) consts[i] = (float)c.v[5 + i];
  refit_adam(p, g, m, var, (size_t)n, consts);
  return NULL;
}

static napi_value string_of(napi_env env, const char *s) {
  napi_value out;
  if (napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &out) != napi_ok) return NULL;
  return out;
}

// identity(): what was loaded, for run records: OpenBLAS's build config, the core type whose
// kernels it chose for this CPU, and its thread count (1: one BLAS thread per worker process).
static napi_value identity(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, threads;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_set_named_property(env, out, "config", string_of(env, openblas_get_config())));
  CHECK(napi_set_named_property(env, out, "coreType", string_of(env, openblas_get_corename())));
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &threads));
  CHECK(napi_set_named_property(env, out, "threads", threads));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  // Workers are one per core already; BLAS threads would fight them for cores.
  openblas_set_num_threads(1);
  napi_property_descriptor props[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"identity", NULL, identity, NULL, NULL, NULL, napi_default, NULL},
      {"gelu", NULL, gelu, NULL, NULL, NULL, napi_default, NULL},
      {"geluBackward", NULL, gelu_backward, NULL, NULL, NULL, napi_default, NULL},
      {"causalSoftmax", NULL, causal_softmax, NULL, NULL, NULL, napi_default, NULL},
      {"causalSoftmaxGrad", NULL, causal_softmax_grad, NULL, NULL, NULL, napi_default, NULL},
      {"softmaxRows", NULL, softmax_rows, NULL, NULL, NULL, napi_default, NULL},
      {"crossEntropyGrad", NULL, cross_entropy_grad, NULL, NULL, NULL, napi_default, NULL},
      {"attention", NULL, attention, NULL, NULL, NULL, napi_default, NULL},
      {"attentionBackward", NULL, attention_backward, NULL, NULL, NULL, napi_default, NULL},
      {"qkvInputGrad", NULL, qkv_input_grad, NULL, NULL, NULL, napi_default, NULL},
      {"layerNorm", NULL, layer_norm, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormBackward", NULL, layer_norm_backward, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, adam, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
