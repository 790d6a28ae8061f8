/* Scalar reference GEMMs: the truth every fast path is tested against. */
#include "flexmac/kernels.h"

void fm_gemm_u8s8s32_ref(int M, int N, int K, const uint8_t *A, int lda, const int8_t *B,
                         int ldb, int32_t *C, int ldc)
{
    for (int m = 0; m < M; m++) {
        const uint8_t *a = A + (size_t)m * lda;
        for (int n = 0; n < N; n++) {
            const int8_t *b = B + (size_t)n * ldb;
            /* Unsigned sum so an int32 wrap is defined (it cannot happen for
             * K < 2^16, but the contract is int32 modulo arithmetic). */
            uint32_t s = 0;
            for (int k = 0; k < K; k++)
                s += (uint32_t)((int32_t)a[k] * (int32_t)b[k]);
            C[(size_t)m * ldc + n] = (int32_t)s;
        }
    }
}

void fm_gemm_s16s16s64_ref(int M, int N, int K, const int16_t *A, int lda, const int16_t *B,
                           int ldb, int64_t *C, int ldc)
{
    for (int m = 0; m < M; m++) {
        const int16_t *a = A + (size_t)m * lda;
        for (int n = 0; n < N; n++) {
            const int16_t *b = B + (size_t)n * ldb;
            int64_t s = 0;
            for (int k = 0; k < K; k++)
                s += (int64_t)a[k] * (int64_t)b[k];
            C[(size_t)m * ldc + n] = s;
        }
    }
}
