// Refit's optional BLAS addon: cblas_sgemm over float32 matrices that live in the wasm backend's
// memory, read and written in place (the memory's ArrayBuffer and byte offsets into it), so
// training's dense products run on the system's OpenBLAS instead of 128-bit wasm SIMD.
// N-API only, so one build serves every Node >= 18 and needs no Node headers but node_api.h.
// The OpenBLAS prototypes are declared here rather than taken from cblas.h, whose folder differs
// by distribution (Debian keeps it under an alternatives directory); the ABI is the C one.
#include <node_api.h>
#include <stdint.h>
#include <string.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc);
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, NULL, "refit_blas: N-API call failed");   \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

// sgemm(memory, a, b, c, batch, m, n, k, transA, transB): for each of `batch` matrices,
// C[m x n] = op(A) . op(B), row-major, operands strided by their sizes from byte offsets a, b, c.
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 10) {
    napi_throw_type_error(env, NULL, "refit_blas.sgemm: expected 10 arguments");
    return NULL;
  }
  void *data;
  size_t length;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "refit_blas.sgemm: the first argument must be an ArrayBuffer");
    return NULL;
  }
  double v[9];
  for (int i = 0; i < 9; i++) CHECK(napi_get_value_double(env, argv[i + 1], &v[i]));
  const double a = v[0], b = v[1], c = v[2], batch = v[3], m = v[4], n = v[5], k = v[6];
  const int transA = v[7] != 0, transB = v[8] != 0;
  // Every offset and extent is checked against the buffer: a wrong one must throw, not corrupt memory.
  const int ok = batch >= 0 && m >= 0 && n >= 0 && k >= 0 && m < 2147483647 && n < 2147483647 && k < 2147483647 &&
                 a >= 0 && b >= 0 && c >= 0 && (uint64_t)a % 4 == 0 && (uint64_t)b % 4 == 0 && (uint64_t)c % 4 == 0 &&
                 a + 4 * batch * m * k <= (double)length && b + 4 * batch * k * n <= (double)length &&
                 c + 4 * batch * m * n <= (double)length;
  if (!ok) {
    napi_throw_range_error(env, NULL, "refit_blas.sgemm: an operand lies outside the memory");
    return NULL;
  }
  const int M = (int)m, N = (int)n, K = (int)k;
  const float *A = (const float *)((char *)data + (size_t)a);
  const float *B = (const float *)((char *)data + (size_t)b);
  float *C = (float *)((char *)data + (size_t)c);
  for (size_t i = 0; i < (size_t)batch; i++) {
    cblas_sgemm(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, M, N, K, 1.0f,
                A + i * (size_t)M * K, transA ? M : K, B + i * (size_t)K * N, transB ? K : N, 0.0f,
                C + i * (size_t)M * N, N);
  }
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
  };
  CHECK(napi_define_properties(env, exports, 2, props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
