/* u8 x s8 -> s32 GEMM with AVX2, exact.
 *
 * vpmaddubsw (u8 x s8 pairs into int16) saturates: 255*127*2 overflows
 * int16. So products go through vpmaddwd (int16 pairs -> int32, exact for
 * 8-bit operands). Per group of 4 k, one vpbroadcastd of A's 4 bytes
 * a0 a1 a2 a3 yields both int16 pair vectors without a shuffle:
 *   x & 0x00ff00ff = (a0, a2) and x >> 8 (per int16) = (a1, a3),
 * so B is packed as int16 pairs (b0, b2) and (b1, b3) per column (see
 * kernels_internal.h). One ymm holds 8 columns; a microkernel covers MR=4
 * rows x 16 columns (8 accumulators); B is read as memory operands. */
#include <immintrin.h>
#include <string.h>

#include "kernels_internal.h"

#define KC_MAX_GROUPS 128 /* 512 k per block */
#define M_BLOCK 96
#define MR 4

#define FM_INLINE static inline __attribute__((always_inline))

FM_INLINE __m256i bcast4(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm256_set1_epi32(v);
}

#define ACC_DECL(i) __m256i acc_##i##_0 = _mm256_setzero_si256(), acc_##i##_1 = acc_##i##_0;
#define ACC_INIT(i)                                                                           \
    if ((i) < R && load_c) {                                                                  \
        acc_##i##_0 = _mm256_loadu_si256((const __m256i *)(C + (size_t)(i) * ldc));           \
        if (NV > 1)                                                                           \
            acc_##i##_1 = _mm256_loadu_si256((const __m256i *)(C + (size_t)(i) * ldc + 8));   \
    }
#define ROW_FMA(i)                                                                            \
    if ((i) < R) {                                                                            \
        const __m256i x = bcast4(A + (size_t)(i) * lda + 4 * g);                              \
        const __m256i ev = _mm256_and_si256(x, lo8), od = _mm256_srli_epi16(x, 8);            \
        acc_##i##_0 = _mm256_add_epi32(acc_##i##_0, _mm256_madd_epi16(ev, b[0]));             \
        acc_##i##_0 = _mm256_add_epi32(acc_##i##_0, _mm256_madd_epi16(od, b[1]));             \
        if (NV > 1) {                                                                         \
            acc_##i##_1 = _mm256_add_epi32(acc_##i##_1, _mm256_madd_epi16(ev, b[2]));         \
            acc_##i##_1 = _mm256_add_epi32(acc_##i##_1, _mm256_madd_epi16(od, b[3]));         \
        }                                                                                     \
    }
#define ACC_STORE(i)                                                                          \
    if ((i) < R) {                                                                            \
        _mm256_storeu_si256((__m256i *)(C + (size_t)(i) * ldc), acc_##i##_0);                 \
        if (NV > 1)                                                                           \
            _mm256_storeu_si256((__m256i *)(C + (size_t)(i) * ldc + 8), acc_##i##_1);         \
    }

/* C[R x NV*8] (+)= A[R x 4*groups] * Bpanel, whole ymm of C. */
FM_INLINE void kernel(const int R, const int NV, const uint8_t *A, int lda, const int16_t *Bp,
                      int groups, int32_t *C, int ldc, int load_c)
{
    const __m256i lo8 = _mm256_set1_epi16(0xff);
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3)
    ACC_INIT(0) ACC_INIT(1) ACC_INIT(2) ACC_INIT(3)
    const __m256i *b = (const __m256i *)Bp;
    for (int g = 0; g < groups; g++, b += 2 * NV) {
        ROW_FMA(0) ROW_FMA(1) ROW_FMA(2) ROW_FMA(3)
    }
    ACC_STORE(0) ACC_STORE(1) ACC_STORE(2) ACC_STORE(3)
}

typedef void (*kern_fn)(const uint8_t *, int, const int16_t *, int, int32_t *, int, int);
#define DEF_KERN(r, nv)                                                                        \
    static void kern_##r##_##nv(const uint8_t *A, int lda, const int16_t *Bp, int groups,      \
                                int32_t *C, int ldc, int load_c)                               \
    {                                                                                          \
        kernel(r, nv, A, lda, Bp, groups, C, ldc, load_c);                                     \
    }
DEF_KERN(1, 1) DEF_KERN(2, 1) DEF_KERN(3, 1) DEF_KERN(4, 1)
DEF_KERN(1, 2) DEF_KERN(2, 2) DEF_KERN(3, 2) DEF_KERN(4, 2)
static const kern_fn kern_tab[3][MR] = {
    {NULL, NULL, NULL, NULL},
    {kern_1_1, kern_2_1, kern_3_1, kern_4_1},
    {kern_1_2, kern_2_2, kern_3_2, kern_4_2},
};

/* Same tail handling as the AVX-512 path: K tail as one zero-padded group,
 * N tail through a scratch tile. */
static void tile_product(kern_fn kern, int r, const uint8_t *A, int lda, const int16_t *bp,
                         int full, int tail, int32_t *C, int ldc, int load_c, int cols, int nv)
{
    int32_t tile[MR * 16];
    int32_t *c = C;
    int ldt = ldc;
    if (cols != nv * 8) {
        c = tile;
        ldt = 16;
        memset(tile, 0, sizeof tile);
        if (load_c)
            for (int t = 0; t < r; t++)
                memcpy(tile + t * 16, C + (size_t)t * ldc, sizeof(int32_t) * (size_t)cols);
    }
    if (full > 0 || !tail)
        kern(A, lda, bp, full, c, ldt, load_c);
    if (tail) {
        uint8_t last[MR * 4] = {0};
        for (int t = 0; t < r; t++)
            memcpy(last + 4 * t, A + (size_t)t * lda + 4 * full, (size_t)tail);
        kern(last, 4, bp + (size_t)full * nv * 32, 1, c, ldt, load_c || full > 0);
    }
    if (c == tile)
        for (int t = 0; t < r; t++)
            memcpy(C + (size_t)t * ldc, tile + t * 16, sizeof(int32_t) * (size_t)cols);
}

void fm_gemm_avx2_run(const struct fm_packed_s8 *B, int M, const uint8_t *A, int lda, int32_t *C,
                      int ldc, int accumulate)
{
    const int K = B->K, G = B->kp / 4;
    const int nkb = (G + KC_MAX_GROUPS - 1) / KC_MAX_GROUPS;
    const int gc = (G + nkb - 1) / nkb;
    const int16_t *data = B->data;
    for (int m0 = 0; m0 < M; m0 += M_BLOCK) {
        const int mb = M - m0 < M_BLOCK ? M - m0 : M_BLOCK;
        for (int g0 = 0; g0 < G; g0 += gc) {
            const int k0 = 4 * g0;
            const int kend = 4 * (g0 + gc) < K ? 4 * (g0 + gc) : K;
            const int full = (kend - k0) / 4, tail = (kend - k0) % 4;
            const int load_c = accumulate || g0 > 0;
            for (int q = 0; q < B->npanels; q++) {
                const int nv = B->npanel[q], n0 = q * B->panel_cols;
                const int cols = B->N - n0 < B->panel_cols ? B->N - n0 : B->panel_cols;
                const int16_t *bp = data + B->panel_off[q] + (size_t)g0 * nv * 32;
                for (int i = 0; i < mb; i += MR) {
                    const int r = mb - i < MR ? mb - i : MR;
                    const size_t row = (size_t)(m0 + i);
                    tile_product(kern_tab[nv][r - 1], r, A + row * lda + k0, lda, bp, full, tail,
                                 C + row * ldc + n0, ldc, load_c, cols, nv);
                }
            }
        }
    }
}
