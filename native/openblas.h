// The OpenBLAS functions the addon calls, declared here rather than taken from cblas.h, whose folder
// differs by distribution (Debian keeps it under an alternatives directory); the ABI is the C one.
#pragma once

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc);
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);
