/* u8 x s8 -> s32 GEMM with AVX2, exact.
 *
 * vpmaddubsw (u8 x s8 pairs into int16) saturates: 255*127*2 overflows
 * int16. So B is packed as int16 and A is widened to int16 pairs: vpmaddwd
 * multiplies int16 pairs and sums each pair into int32, exact for 8-bit
 * operands (|255*-128*2| < 2^31). One ymm holds 8 columns; a microkernel
 * covers MR=4 rows x 16 columns (8 accumulators of the 16 ymm). */
#include <immintrin.h>
#include <string.h>

#include "kernels_internal.h"

#define KC_MAX_PAIRS 256 /* 512 k per block */
#define M_BLOCK 48
#define MR 4

#define FM_INLINE static inline __attribute__((always_inline))

FM_INLINE __m256i pair(const uint8_t *p, int two)
{
    uint32_t v = two ? (uint32_t)p[0] | (uint32_t)p[1] << 16 : (uint32_t)p[0];
    return _mm256_set1_epi32((int32_t)v);
}

FM_INLINE void kernel(const int R, const int NV, const uint8_t *A, int lda, const int16_t *Bp,
                      int pairs, int tail, int32_t *C, int ldc, int load_c, __m256i mask)
{
    __m256i acc[MR][2];
    const __m256i ones = _mm256_set1_epi32(-1);
#pragma GCC unroll 4
    for (int i = 0; i < R; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) {
            __m256i mk = v == NV - 1 ? mask : ones;
            acc[i][v] = load_c ? _mm256_maskload_epi32(C + (size_t)i * ldc + v * 8, mk)
                               : _mm256_setzero_si256();
        }
    const int16_t *b = Bp;
    for (int g = 0; g < pairs + (tail ? 1 : 0); g++, b += NV * 16) {
        const int two = g < pairs;
        __m256i bv[2];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++)
            bv[v] = _mm256_load_si256((const __m256i *)(b + v * 16));
#pragma GCC unroll 4
        for (int i = 0; i < R; i++) {
            __m256i a = pair(A + (size_t)i * lda + 2 * g, two);
#pragma GCC unroll 2
            for (int v = 0; v < NV; v++)
                acc[i][v] = _mm256_add_epi32(acc[i][v], _mm256_madd_epi16(a, bv[v]));
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < R; i++)
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) {
            __m256i mk = v == NV - 1 ? mask : ones;
            _mm256_maskstore_epi32(C + (size_t)i * ldc + v * 8, mk, acc[i][v]);
        }
}

typedef void (*kern_fn)(const uint8_t *, int, const int16_t *, int, int, int32_t *, int, int,
                        __m256i);
#define DEF_KERN(r, nv)                                                                        \
    static void kern_##r##_##nv(const uint8_t *A, int lda, const int16_t *Bp, int pairs,       \
                                int tail, int32_t *C, int ldc, int load_c, __m256i mask)       \
    {                                                                                          \
        kernel(r, nv, A, lda, Bp, pairs, tail, C, ldc, load_c, mask);                          \
    }
DEF_KERN(1, 1) DEF_KERN(2, 1) DEF_KERN(3, 1) DEF_KERN(4, 1)
DEF_KERN(1, 2) DEF_KERN(2, 2) DEF_KERN(3, 2) DEF_KERN(4, 2)
static const kern_fn kern_tab[3][MR] = {
    {NULL, NULL, NULL, NULL},
    {kern_1_1, kern_2_1, kern_3_1, kern_4_1},
    {kern_1_2, kern_2_2, kern_3_2, kern_4_2},
};

void fm_gemm_avx2_run(const struct fm_packed_s8 *B, int M, const uint8_t *A, int lda, int32_t *C,
                      int ldc, int accumulate)
{
    const int K = B->K, G = B->kp / 2;
    const int nkb = (G + KC_MAX_PAIRS - 1) / KC_MAX_PAIRS;
    const int gc = (G + nkb - 1) / nkb;
    const int16_t *data = B->data;
    for (int g0 = 0; g0 < G; g0 += gc) {
        const int k0 = 2 * g0;
        const int kend = 2 * (g0 + gc) < K ? 2 * (g0 + gc) : K;
        const int full = (kend - k0) / 2, tail = (kend - k0) % 2;
        const int load_c = accumulate || g0 > 0;
        for (int m0 = 0; m0 < M; m0 += M_BLOCK) {
            const int mb = M - m0 < M_BLOCK ? M - m0 : M_BLOCK;
            for (int q = 0; q < B->npanels; q++) {
                const int nv = B->npanel[q], n0 = q * B->panel_cols;
                const int last_cols = B->N - n0 - (nv - 1) * 8;
                const __m256i mask = _mm256_cmpgt_epi32(
                    _mm256_set1_epi32(last_cols), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
                const int16_t *bp = data + B->panel_off[q] + (size_t)g0 * nv * 16;
                for (int i = 0; i < mb; i += MR) {
                    const int r = mb - i < MR ? mb - i : MR;
                    const size_t row = (size_t)(m0 + i);
                    kern_tab[nv][r - 1](A + row * lda + k0, lda, bp, full, tail,
                                        C + row * ldc + n0, ldc, load_c, mask);
                }
            }
        }
    }
}
