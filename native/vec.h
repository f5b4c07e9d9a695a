// Vector types and helpers shared by the native kernels: GCC/Clang vector extensions, LANES wide,
// each lane a plain IEEE float32 operation (the build passes -ffp-contract=off).
#include <stdint.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

// 16 lanes: one AVX-512 register, two AVX2 ones, four SSE ones.
#define LANES 16

typedef float vf __attribute__((vector_size(4 * LANES)));
typedef int32_t vi __attribute__((vector_size(4 * LANES)));

// One build runs on any x86-64; the loader picks the widest the CPU has. Elsewhere, or where the
// compiler cannot (build.mjs then defines REFIT_NO_CLONES), plain vectors.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(REFIT_NO_CLONES)
#define WIDEST __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WIDEST
#endif

INLINE vf splat(float x) {
  vf v;
  for (int i = 0; i < LANES; i++) v[i] = x;
  return v;
}

INLINE vf select_bits(vi mask, vf yes, vf no) { return (vf)(((vi)yes & mask) | ((vi)no & ~mask)); }

INLINE float bits_f(uint32_t b) {
  float f;
  memcpy(&f, &b, 4);
  return f;
}

INLINE vf load(const float *p) {
  vf v;
  memcpy(&v, p, sizeof v);
  return v;
}

INLINE void store(float *p, vf v) { memcpy(p, &v, sizeof v); }

// The wasm kernels' own width, for sums that must add in their order: four running lanes.
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

INLINE v4f quarter(vf v, int q) {
  v4f out;
  memcpy(&out, (const float *)&v + 4 * q, sizeof out);
  return out;
}

INLINE v4f load4(const float *p) {
  v4f v;
  memcpy(&v, p, sizeof v);
  return v;
}

// The wasm kernels' $hsum: (lane 0 + lane 1) + (lane 2 + lane 3).
INLINE float hsum4(v4f v) { return (v[0] + v[1]) + (v[2] + v[3]); }

// Loads up to LANES floats (n of them), zeros after: a row's tail through the same vector code.
INLINE vf load_part(const float *p, size_t n) {
  float pad[LANES] = {0};
  memcpy(pad, p, n * sizeof(float));
  return load(pad);
}

INLINE void store_part(float *p, vf v, size_t n) { memcpy(p, &v, n * sizeof(float)); }
